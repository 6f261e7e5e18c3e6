"""Powers of controlled gates with controls on 0, and the frequencies of nested powers
(trust68, stop 68).

A gate controlled on 0s is applied as ``X`` on those controls around the gate controlled
on 1s; its power was that sequence repeated (``z`` copies of the parameter: ``z`` times
the shifted circuits, 9 executions where PennyLane runs 5) and its ``parameter_frequencies``
undefined; a power inside an adjoint or a control (``Adjoint(RX(t) ** 2)``) reported the
inner gate's frequencies without the exponent (1 where PennyLane says 2).
References: the operators' frequencies worked out from their matrices' eigenphases, central
differences, NumPy's matrix power, and PennyLane 0.45.1's Tracker counts (/work/plvenv).
"""

import numpy
import pytest

import qsym as qml
from qsym import numpy as np


def _frequencies(make, t=1e-3):
    """The distinct positive differences of the eigenphase slopes of ``make(t)``'s matrix
    (``U(t) = V exp(-i t diag(l)) V^dagger``: the frequencies of ``t``), rounded."""
    slopes = -numpy.angle(numpy.linalg.eigvals(qml.matrix(make(t)))) / t
    diffs = {round(abs(a - b), 3) for a in slopes for b in slopes}
    return sorted(d for d in diffs if d > 1e-6)


FREQUENCY_CASES = {
    "ctrl RZ on 0, 1": lambda t: qml.ctrl(qml.RZ(t, wires=2), control=[0, 1],
                                          control_values=[0, 1]),
    "pow(ctrl PhaseShift on 0, -3)": lambda t: qml.pow(
        qml.ctrl(qml.PhaseShift(t, wires=1), control=[0], control_values=[0]), -3),
    "adjoint(RX ** 2)": lambda t: qml.adjoint(qml.pow(qml.RX(t, wires=0), 2)),
    "ctrl(RX ** 2)": lambda t: qml.ctrl(qml.pow(qml.RX(t, wires=1), 2), control=[0]),
    "ctrl(adjoint(RX ** 3)) on 4": lambda t: qml.ctrl(qml.adjoint(qml.pow(qml.RX(t, wires=4), 3)),
                                                      control=[0, 1, 2, 3]),
    "pow(adjoint(ctrl RX on 0), 2)": lambda t: qml.pow(
        qml.adjoint(qml.ctrl(qml.RX(t, wires=1), control=[0], control_values=[0])), 2),
    "adjoint(pow(ctrl RX on 0 1 0 1, 2))": lambda t: qml.adjoint(qml.pow(
        qml.ctrl(qml.RX(t, wires=4), control=[0, 1, 2, 3], control_values=[0, 1, 0, 1]), 2)),
    "pow(ctrl adjoint(IsingXX) on 1 0, 3)": lambda t: qml.pow(
        qml.ctrl(qml.adjoint(qml.IsingXX(t, wires=[2, 3])), [0, 1], control_values=[1, 0]), 3),
}


@pytest.mark.parametrize("name", FREQUENCY_CASES)
def test_parameter_frequencies_of_nested_and_flipped_controls(name):
    """PennyLane's numbers (each checked: 0.5/1, 3, 2, 1/2, 1.5/3, 1/2, 1/2, 1.5/3), here against
    the matrices' eigenphases; each raised or gave the inner gate's frequencies before."""
    make = FREQUENCY_CASES[name]
    (got,) = make(0.3).parameter_frequencies
    assert [round(f, 3) for f in got] == _frequencies(make)


def _circuit(build):
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x):
        for w in range(4):
            qml.RY(0.4 + 0.3 * w, wires=w)
        build(x)
        return qml.expval(qml.PauliZ(3) @ qml.PauliX(2))

    return circuit, dev


# (the power, the same unitary written out, PennyLane 0.45.1's executions per gradient)
POWERS = {
    "RZ ** 2 on 0": (lambda x: qml.pow(qml.ctrl(qml.RZ(x, wires=3), [0], control_values=[0]), 2),
                     lambda x: (qml.X(0), qml.CRZ(2 * x, wires=[0, 3]), qml.X(0)), 5),
    "PhaseShift ** -3 on 1 0": (
        lambda x: qml.pow(qml.ctrl(qml.PhaseShift(x, wires=3), [0, 1], control_values=[1, 0]), -3),
        lambda x: (qml.X(1), qml.ctrl(qml.PhaseShift(-3 * x, wires=3), [0, 1]), qml.X(1)), 3),
    "IsingZZ ** 2 on 0 0": (
        lambda x: qml.pow(qml.ctrl(qml.IsingZZ(x, wires=[2, 3]), [0, 1], control_values=[0, 0]), 2),
        lambda x: (qml.X(0), qml.X(1), qml.ctrl(qml.IsingZZ(2 * x, wires=[2, 3]), [0, 1]),
                   qml.X(0), qml.X(1)), 5),
    # a fractional power (main: GateError "unknown gate 'C(RX)**0.5'"); PennyLane: 10
    # circuits for a two-term sum, 5 per term
    "RX ** 0.5 on 0 1": (
        lambda x: qml.pow(qml.ctrl(qml.RX(x, wires=3), [0, 1], control_values=[0, 1]), 0.5),
        lambda x: (qml.X(0), qml.ctrl(qml.RX(0.5 * x, wires=3), [0, 1]), qml.X(0)), 5),
    # PennyLane has no power of an adjoint: its Pow of a controlled adjoint is the operator
    # repeated (9 circuits), and so it stays
    "adjoint(IsingXX) ** 2 on 0 1": (
        lambda x: qml.pow(qml.ctrl(qml.adjoint(qml.IsingXX(x, wires=[2, 3])), [0, 1],
                                   control_values=[0, 1]), 2),
        lambda x: [(qml.X(0), qml.ctrl(qml.IsingXX(-x, wires=[2, 3]), [0, 1]), qml.X(0))
                   for _ in range(2)], 9),
}


@pytest.mark.parametrize("name", POWERS)
def test_a_power_of_a_gate_controlled_on_zeros_is_one_gate(name):
    """Its value is the circuit written out, its gradient central differences', and it
    runs PennyLane's number of circuits (was 9 for the square, 7 for the cube: the
    gate repeated; a controlled adjoint's power is repeated in PennyLane too)."""
    power, written, executions = POWERS[name]
    circuit, dev = _circuit(power)
    plain, _ = _circuit(written)
    x = np.array(0.7, requires_grad=True)
    assert circuit(x) == pytest.approx(float(plain(x)), abs=1e-12)
    h = 1e-6
    fd = (float(plain(0.7 + h)) - float(plain(0.7 - h))) / (2 * h)
    with qml.Tracker(dev) as tracker:
        g = qml.grad(circuit)(x)
    assert float(g) == pytest.approx(fd, abs=1e-7)
    assert tracker.totals["executions"] == executions


def test_the_power_of_a_gate_controlled_on_zero_decomposes_as_pennylanes():
    """PennyLane's ``Pow(Controlled(...)).decomposition()``: the base's power controlled
    (``base.pow(z)``), whatever gates apply it; its matrix the matrix power."""
    op = qml.pow(qml.ctrl(qml.RZ(0.3, wires=2), [0, 1], control_values=[0, 1]), 2)
    (d,) = op.decomposition()
    assert repr(d) == ("Controlled(RZ(0.6, wires=[2]), control_wires=[0, 1], "
                       "control_values=[False, True])")
    base = qml.matrix(qml.ctrl(qml.RZ(0.3, wires=2), [0, 1], control_values=[0, 1]))
    assert numpy.allclose(qml.matrix(op), base @ base, atol=1e-14)
    assert numpy.allclose(qml.matrix(op), qml.matrix(d), atol=1e-14)
