"""``qml.fourier`` (PennyLane's Fourier tools): coefficients and QNode spectra.

References are independent of the code under test: trigonometric polynomials whose
coefficients are written by hand, spectra derived by hand from the gates' generators
(``RX``: eigenvalues +-1/2, frequency 1; ``CRX``: 0, 0, +-1/2, frequencies 1/2 and 1), and
the discrete Fourier transform of sampled QNode values (the coefficients vanish off the
spectrum).
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def test_coefficients_of_a_trigonometric_polynomial():
    f = lambda x: 0.25 + onp.cos(x[0]) + 0.5 * onp.sin(2 * x[0])
    c = qml.fourier.coefficients(f, 1, 2)
    # numpy's order: c_0, c_1, c_2, c_-2, c_-1; cos = (e^{ix} + e^{-ix}) / 2,
    # sin = (e^{ix} - e^{-ix}) / 2i
    assert onp.allclose(c, [0.25, 0.5, -0.25j, 0.25j, 0.5], atol=1e-12)
    two = qml.fourier.coefficients(lambda x: onp.cos(x[0]) * onp.cos(x[1]), 2, (1, 1))
    expected = onp.zeros((3, 3), dtype=complex)
    expected[1, 1] = expected[1, -1] = expected[-1, 1] = expected[-1, -1] = 0.25
    assert onp.allclose(two, expected, atol=1e-12)
    broadcast = qml.fourier.coefficients(lambda x: onp.cos(x[0]) * onp.cos(x[1]), 2, 1,
                                         use_broadcasting=True)
    assert onp.allclose(broadcast, expected, atol=1e-12)


def test_the_low_pass_filter_removes_higher_frequencies():
    f = lambda x: onp.cos(x[0]) + onp.cos(3 * x[0])
    aliased = qml.fourier.coefficients(f, 1, 1)  # 3 points: cos 3x aliases onto c_0
    assert not onp.isclose(aliased[0], 0.0)
    clean = qml.fourier.coefficients(f, 1, 1, lowpass_filter=True, filter_threshold=4)
    assert onp.allclose(clean, [0.0, 0.5, 0.5], atol=1e-12)
    with pytest.raises(qml.errors.SpectrumError, match="one per input"):
        qml.fourier.coefficients(f, 2, (1, 2, 3))


@pytest.fixture(scope="module")
def node():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x, a, b=0.3):
        qml.RX(x[0], wires=0)
        qml.RY(2 * x[0] + a, wires=1)
        qml.CRX(x[1], wires=[0, 1])
        qml.RZ(0.5 * a, wires=0)
        qml.RX(b, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliY(1))

    return circuit


def test_spectra_derived_by_hand(node):
    spec = qml.fourier.qnode_spectrum(node)(np.array([0.2, 0.4]), np.array(0.7))
    assert set(spec) == {"x", "a"}  # arguments without defaults
    # x[0]: RX (1) joined with RY scaled by 2 (2): sums and differences 0..3
    assert [float(w) for w in spec["x"][(0,)]] == [-3, -2, -1, 0, 1, 2, 3]
    assert [float(w) for w in spec["x"][(1,)]] == [-1, -0.5, 0, 0.5, 1]
    # a: RY (1) and RZ scaled by 0.5: 0, 0.5, 1, 1.5
    assert [float(w) for w in spec["a"][()]] == [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]
    only = qml.fourier.qnode_spectrum(node, encoding_args={"x": [(1,)]})(
        np.array([0.2, 0.4]), np.array(0.7))
    assert list(only) == ["x"] and list(only["x"]) == [(1,)]
    by_num = qml.fourier.qnode_spectrum(node, argnum=[1])(np.array([0.2, 0.4]), np.array(0.7))
    assert list(by_num) == ["a"]


def test_inputs_not_asked_for_are_constants_of_the_preprocessing():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def scaled(x, z=2.0):
        qml.RX(z * x, wires=0)  # linear in x for fixed z: frequency z
        return qml.expval(qml.PauliZ(0))

    spec = qml.fourier.qnode_spectrum(scaled, encoding_args={"x"})(np.array(0.3), z=1.5)
    assert [float(w) for w in spec["x"][()]] == [-1.5, 0.0, 1.5]
    spec = qml.fourier.qnode_spectrum(scaled, encoding_args={"x"})(np.array(0.3))
    assert [float(w) for w in spec["x"][()]] == [-2.0, 0.0, 2.0]
    with pytest.raises(qml.errors.SpectrumError, match="not constant"):  # x * z, both asked
        qml.fourier.qnode_spectrum(scaled, encoding_args={"x", "z"})(np.array(0.3),
                                                                       z=np.array(1.5))
    # PennyLane's rule: without an autograd argument the "auto" interface cannot tell
    with pytest.raises(qml.errors.SpectrumError, match="Only pure numpy arguments"):
        qml.fourier.qnode_spectrum(scaled)(0.3)


def test_the_spectrum_bounds_the_sampled_coefficients(node):
    spec = qml.fourier.qnode_spectrum(node)(np.array([0.2, 0.4]), np.array(0.7))
    allowed = {int(w) for w in spec["x"][(0,)]}
    c = qml.fourier.coefficients(lambda t: node(np.array([t[0], 0.4]), 0.7), 1, 5)
    freqs = onp.fft.fftfreq(11, 1 / 11).round().astype(int)
    for n, cn in zip(freqs, c):
        if n not in allowed:
            assert abs(cn) < 1e-12, (n, cn)
    assert max(abs(cn) for n, cn in zip(freqs, c) if abs(n) == 3) > 1e-3


def test_bad_spectrum_requests_say_what_to_do():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def squared(x):
        qml.RX(x * x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.errors.SpectrumError, match="not constant"):
        qml.fourier.qnode_spectrum(squared)(np.array(0.3))

    @qml.qnode(dev)
    def variance(x):
        qml.RX(x, wires=0)
        return qml.var(qml.PauliZ(0))

    with pytest.raises(qml.errors.SpectrumError, match="VarianceMP is not supported"):
        qml.fourier.qnode_spectrum(variance)(np.array(0.3))
    with pytest.raises(qml.errors.SpectrumError, match="are known"):
        qml.fourier.qnode_spectrum(variance, encoding_args={"y"})


def test_circuit_spectrum_of_marked_gates():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.RX(x[0], wires=0, id="a")
        qml.fourier.mark(qml.RY(x[0], wires=1), "a")
        qml.CRX(x[1], wires=[0, 1], id="b")
        qml.RZ(0.3, wires=0)
        return qml.expval(qml.PauliZ(0))

    # a marker given as an id (PennyLane's older spelling) still counts, with its warning
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning, match="'id'"):
        spec = qml.fourier.circuit_spectrum(circuit)(np.array([0.1, 0.2]))
    # two frequency-1 gates joined: 0, 1, 2; CRX (eigenvalues 0, 0, +-1/2): 0, 1/2, 1
    assert {k: [float(w) for w in v] for k, v in spec.items()} == {
        "a": [-2, -1, 0, 1, 2], "b": [-1, -0.5, 0, 0.5, 1]}
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning):
        only = qml.fourier.circuit_spectrum(circuit, encoding_gates=["b", "c"])(
            np.array([0.1, 0.2]))
    assert set(only) == {"b", "c"} and only["c"] == []


# --- qml.fourier.reconstruct -------------------------------------------------------------
def _reconstruct_circuit():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x, y):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RZ(y, wires=1)
        qml.RX(2 * y, wires=1)  # y enters twice, with slopes 1 and 2: frequencies 1, 2, 3
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    return circuit


def test_reconstruct_with_integer_frequencies_is_the_qnode_along_each_parameter():
    circuit = _reconstruct_circuit()
    x, y = np.array([0.4, -0.9]), np.array(0.25)
    rec = qml.fourier.reconstruct(
        circuit, nums_frequency={"x": {(0,): 1, (1,): 1}, "y": {(): 3}})(x, y)
    for t in onp.linspace(-3, 3, 7):
        assert onp.isclose(rec["x"][(0,)](t), circuit(np.array([t, -0.9]), y), atol=1e-12)
        assert onp.isclose(rec["x"][(1,)](t), circuit(np.array([0.4, t]), y), atol=1e-12)
        assert onp.isclose(rec["y"][()](t), circuit(x, np.array(t)), atol=1e-12)
    # too few frequencies: not the function (the reconstruction is not silently exact)
    short = qml.fourier.reconstruct(circuit, ids="y", nums_frequency={"y": {(): 1}})(x, y)
    assert not onp.isclose(short["y"][()](1.3), circuit(x, np.array(1.3)), atol=1e-6)


def test_reconstruct_from_a_spectrum_and_its_derivative():
    circuit = _reconstruct_circuit()
    x, y = np.array([0.4, -0.9]), np.array(0.25)
    spectra = qml.fourier.qnode_spectrum(circuit)(x, y)
    assert spectra["y"][()] == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    rec = qml.fourier.reconstruct(circuit, spectra=spectra)(x, y)
    f = rec["y"][()]
    assert onp.isclose(f(-2.1), circuit(x, np.array(-2.1)), atol=1e-12)
    # the derivative of the reconstruction is the QNode's (an independent method: adjoint)
    exact = qml.grad(qml.QNode(circuit.func, circuit.device, diff_method="adjoint"),
                     argnum=1)(x, np.array(0.7))
    assert onp.isclose(qml.grad(f)(np.array(0.7)), exact, atol=1e-10)
    # shifts of one's own (2R + 1 of them, R counting the spectrum as given: PennyLane's
    # rule), without zero: f0 is ignored, with a warning
    shifts = {"y": {(): onp.linspace(0.1, 2.9, 7)}}
    with pytest.warns(UserWarning, match="will be ignored"):
        g = qml.fourier.reconstruct(circuit, ids={"y": [()]},
                                    spectra={"y": {(): [0.0, 1.0, 2.0, 3.0]}},
                                    shifts=shifts)(x, y, f0=circuit(x, y))["y"][()]
    assert onp.isclose(g(1.0), circuit(x, np.array(1.0)), atol=1e-9)


def test_reconstruct_refuses_what_it_cannot_do():
    from qsym.fourier.reconstruct import _reconstruct_equ

    circuit = _reconstruct_circuit()
    with pytest.raises(ValueError, match="Either nums_frequency or spectra"):
        qml.fourier.reconstruct(circuit)
    with pytest.raises(ValueError, match="number of provided shifts"):
        qml.fourier.reconstruct(circuit, spectra={"y": {(): [0.0, 1.0]}},
                                shifts={"y": {(): [0.1, 0.2]}})
    with pytest.raises(ValueError, match="non-negative integer"):
        _reconstruct_equ(onp.cos, 1.5)
    # a parameter the function does not depend on: the constant f0
    rec = qml.fourier.reconstruct(circuit, nums_frequency={"y": {(): 0}})(
        np.array([0.4, -0.9]), np.array(0.25))
    assert rec["y"][()](5.0) == circuit(np.array([0.4, -0.9]), np.array(0.25))


def test_get_spectrum_of_a_user_gate_from_its_generator():
    """A gate class outside qsym's table: its spectrum from its ``generator()``. For
    G = 1.5 Z0 Z1 + 0.5 X0 the eigenvalues are +-sqrt(1.5^2 + 0.5^2) = +-sqrt(2.5), each
    twice (Z0 Z1 and X0 anticommute), so the frequencies are {0, 2 sqrt(2.5)}; a class
    without a generator raises PennyLane's GeneratorUndefinedError."""
    from qsym.fourier.utils import get_spectrum

    class Gen(qml.operation.Operation):
        num_wires = 2
        num_params = 1

        def generator(self):
            w = self.wires
            return 1.5 * qml.PauliZ(w[0]) @ qml.PauliZ(w[1]) + 0.5 * qml.PauliX(w[0])

    class NoGen(qml.operation.Operation):
        num_wires = 1
        num_params = 1

    assert get_spectrum(Gen(0.3, wires=[0, 1]), decimals=8) == {0, round(2 * 2.5 ** 0.5, 8)}
    with pytest.raises(qml.operation.GeneratorUndefinedError, match="does not have a generator"):
        get_spectrum(NoGen(0.5, wires=0), decimals=10)
