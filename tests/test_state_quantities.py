"""Quantities of the pure final state (qml.density_matrix of a subsystem, qml.purity,
qml.vn_entropy, qml.mutual_info), as PennyLane computes them from the state.

Expected values are written down by hand: the states here are Bell pairs, product
states and ``RY(x)`` followed by a CNOT, whose reduced density matrices are known in
closed form; derivatives are compared with the closed forms and with central finite
differences of the values.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _bell(measure):
    @qml.qnode(qml.device("default.qubit", wires=2))
    def bell():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        return measure()

    return bell


def test_bell_pair_by_hand():
    assert onp.allclose(_bell(lambda: qml.density_matrix(wires=[0]))(), onp.eye(2) / 2)
    assert onp.isclose(_bell(lambda: qml.purity(wires=[1]))(), 0.5)
    assert onp.isclose(_bell(lambda: qml.purity(wires=[0, 1]))(), 1.0)
    assert onp.isclose(_bell(lambda: qml.vn_entropy(wires=[0]))(), onp.log(2))
    assert onp.isclose(_bell(lambda: qml.vn_entropy(wires=[0], log_base=2))(), 1.0)
    assert onp.isclose(_bell(lambda: qml.mutual_info([0], [1]))(), 2 * onp.log(2))
    assert onp.isclose(_bell(lambda: qml.mutual_info([0], [1], log_base=2))(), 2.0)
    # the whole pure state: no entropy
    assert abs(_bell(lambda: qml.vn_entropy(wires=[0, 1]))()) < 1e-12


def _ry_cnot(measure, n=2):
    @qml.qnode(qml.device("default.qubit", wires=n))
    def circuit(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return measure()

    return circuit


def _entropy_by_hand(x):
    """rho_0 = diag(cos^2(x/2), sin^2(x/2)) for RY(x) then CNOT."""
    p = onp.array([onp.cos(x / 2) ** 2, onp.sin(x / 2) ** 2])
    return -onp.sum(p * onp.log(p))


@pytest.mark.parametrize("x", [0.4, 1.3, 2.9])
def test_entropy_purity_and_their_gradients_by_hand(x):
    x = np.array(x, requires_grad=True)
    S = _ry_cnot(lambda: qml.vn_entropy(wires=[0]))
    P = _ry_cnot(lambda: qml.purity(wires=[1]))
    assert onp.isclose(S(x), _entropy_by_hand(float(x)))
    assert onp.isclose(P(x), onp.cos(x / 2) ** 4 + onp.sin(x / 2) ** 4)
    # cos^4 + sin^4 = 1 - sin(x)^2 / 2: d/dx = -sin(2x)/2;  dS/dx = (sin x / 2) log(cos^2/sin^2)(x/2)
    assert onp.isclose(qml.grad(P)(x), -onp.sin(2 * x) / 2)
    dS = onp.sin(x) / 2 * onp.log(onp.cos(x / 2) ** 2 / onp.sin(x / 2) ** 2)
    assert onp.isclose(qml.grad(S)(x), dS)
    h = 1e-6
    assert onp.isclose(qml.grad(S)(x), (S(x + h) - S(x - h)) / (2 * h), atol=1e-6)


def test_density_matrix_wire_order_and_jacobian():
    """RY(x) on wire 0, RX(y) on wire 1 (a product): rho = rho_0 (x) rho_1 in the order asked."""
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x, y):
        qml.RY(x, wires=0)
        qml.RX(y, wires=1)
        return qml.density_matrix(wires=[1, 0])

    x, y = 0.7, 0.3
    a = onp.array([onp.cos(x / 2), onp.sin(x / 2)])
    b = onp.array([onp.cos(y / 2), -1j * onp.sin(y / 2)])
    expected = onp.kron(onp.outer(b, b.conj()), onp.outer(a, a.conj()))
    rho = circuit(x, y)
    assert rho.shape == (4, 4) and rho.dtype == onp.complex128
    assert onp.allclose(rho, expected)
    jx, jy = qml.jacobian(circuit)(np.array(x), np.array(y))
    h = 1e-6
    assert onp.allclose(jx, (circuit(x + h, y) - circuit(x - h, y)) / (2 * h), atol=1e-7)
    assert onp.allclose(jy, (circuit(x, y + h) - circuit(x, y - h)) / (2 * h), atol=1e-7)


def test_mutual_info_gradient_by_finite_differences_inside_a_cost():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(w):
        qml.RY(w[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.CRX(w[1], wires=[1, 2])
        return qml.mutual_info(wires0=[0], wires1=[2], log_base=2)

    def cost(w):
        return circuit(w) ** 2 + np.sin(w[0])

    w = np.array([0.9, 1.7], requires_grad=True)
    g = qml.grad(cost)(w)
    h = 1e-6
    fd = [(cost(w + h * onp.eye(2)[i]) - cost(w - h * onp.eye(2)[i])) / (2 * h) for i in range(2)]
    assert onp.allclose(g, fd, atol=1e-6)


def test_several_quantities_and_broadcasting():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.vn_entropy([0]), qml.purity([0]), qml.expval(qml.PauliZ(0))

    xs = onp.array([0.3, 1.1])
    S, P, Z = circuit(xs)
    assert S.shape == P.shape == Z.shape == (2,)
    assert onp.allclose(S, [_entropy_by_hand(x) for x in xs])
    assert onp.allclose(P, onp.cos(xs / 2) ** 4 + onp.sin(xs / 2) ** 4)
    assert onp.allclose(Z, onp.cos(xs))


def test_device_without_wires_uses_the_measured_wires():
    @qml.qnode(qml.device("default.qubit"))
    def circuit():
        qml.Hadamard(wires=0)
        return qml.purity(wires=[0, 3])

    assert onp.isclose(circuit(), 1.0)


def test_refusals_name_the_problem():
    dev = qml.device("default.qubit", wires=2)
    node = qml.set_shots(qml.QNode(lambda: qml.vn_entropy(wires=[0]), dev), 100)
    with pytest.raises(qml.DeviceError, match="vnentropy not accepted with finite shots"):
        node()
    with pytest.raises(qml.MeasurementError, match="must not overlap"):
        qml.mutual_info([0, 1], [1])
    for base in (1, 0, -2.0, float("inf"), float("nan"), "2"):  # inf, nan: were accepted
        with pytest.raises(qml.MeasurementError, match="log_base"):
            qml.vn_entropy([0], log_base=base)
        with pytest.raises(qml.MeasurementError, match="log_base"):
            qml.mutual_info([0], [1], log_base=base)
    with pytest.raises(qml.ExportError, match="cannot be compiled ahead of time"):
        qml.compile(_ry_cnot(lambda: qml.vn_entropy(wires=[0])), 0.5)
    dm = _ry_cnot(lambda: qml.density_matrix(wires=[0]))
    with pytest.raises(qml.DifferentiationError, match="qml.jacobian"):
        qml.grad(dm)(np.array(0.3))


def test_interface_as_pennylane():
    m = qml.vn_entropy(wires=[0])
    assert m.shape(None, 3) == () and m.numeric_type is float
    d = qml.density_matrix(wires=[0, 1])
    assert d.shape(None, 3) == (4, 4) and d.numeric_type is complex
    S = _ry_cnot(lambda: (qml.density_matrix(wires=[1, 0]), qml.vn_entropy([0]),
                          qml.mutual_info([0], [1]), qml.purity([0, 1])), n=3)
    drawn = qml.draw(S)(0.7)
    for label in ("DensityMatrix", "vnentropy", "mutualinfo", "purity"):
        assert label in drawn


def test_quantities_of_the_state_are_numpy_floats_as_pennylanes():
    """PennyLane returns np.float64 for qml.purity, qml.vn_entropy and qml.mutual_info
    (its repr shows in printed tuples: ``(np.float64(0.5), ...)``), with or without a
    mid-circuit measurement, on default.qubit and default.mixed."""
    for name in ("default.qubit", "default.mixed"):
        dev = qml.device(name, wires=2)

        @qml.qnode(dev)
        def c():
            qml.Hadamard(0)
            qml.CNOT([0, 1])
            return qml.purity([0]), qml.vn_entropy(0), qml.mutual_info(0, 1)

        p, s, i = c()
        assert all(type(v) is onp.float64 for v in (p, s, i)), name
        assert np.isclose(p, 0.5) and np.isclose(s, np.log(2)) and np.isclose(i, 2 * np.log(2))

    @qml.qnode(qml.device("default.qubit"))
    def measured():
        qml.Hadamard(0)
        qml.CNOT([0, 1])
        qml.measure(0)
        return qml.purity([0, 1])

    assert type(measured()) is onp.float64 and np.isclose(measured(), 0.5)
