"""qml.resource.ErrorOperation (issue #18, the algorithmic-error demo): an operation of your
own with its error, and SpectralNormError.get_error of an operation known only by its
decomposition. Independent facts: RX(pi/4) = exp(i pi/8) H T H (matrices written out), and
||RX(a) - RX(b)||_2 = 2 |sin((a - b) / 4)| (the eigenvalues of RX(a - b))."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml
from qsym.resource import SpectralNormError
from qsym.resource.error import ErrorOperation


class ApproxRX(ErrorOperation):
    """RX(phi) rounded down to a multiple of pi/4, as H T H blocks and a global phase."""

    @staticmethod
    def compute_decomposition(phi, wires):
        n = int(phi // (np.pi / 4))
        return [qml.GlobalPhase(n * np.pi / 8)] + [g for _ in range(n) for g in
                                                     (qml.Hadamard(wires), qml.T(wires),
                                                      qml.Hadamard(wires))]

    def error(self):
        delta = self.parameters[0] % (np.pi / 4)
        return SpectralNormError(2 * abs(np.sin(delta / 4)))


def test_get_error_uses_the_decomposition_with_its_global_phase():
    for phi in (0.5, 1.23, 3.45):
        op = ApproxRX(phi, wires=0)
        n = int(phi // (np.pi / 4))
        exact = 2 * abs(np.sin((phi - n * np.pi / 4) / 4))
        assert np.isclose(SpectralNormError.get_error(qml.RX(phi, 0), op), exact, atol=1e-12)
        assert np.isclose(op.error().error, exact, atol=1e-12)
        assert isinstance(op.error(), SpectralNormError)


def test_in_a_circuit_it_runs_as_its_decomposition():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def f(phi):
        ApproxRX(phi, wires=0)
        return qml.state()

    # two H T H blocks and GlobalPhase(pi/4): RX(pi/2) |0> = (|0> - i |1>) / sqrt(2)
    assert np.allclose(f(1.7), np.array([1, -1j]) / np.sqrt(2), atol=1e-12)


def test_paths_and_a_subclass_without_error():
    assert qml.resource.ErrorOperation is ErrorOperation

    class NoError(ErrorOperation):
        @staticmethod
        def compute_decomposition(phi, wires):
            return [qml.RX(phi, wires)]

    with pytest.raises(TypeError, match="Can't instantiate abstract class NoError"):
        NoError(0.1, wires=0)  # PennyLane's abstract method

