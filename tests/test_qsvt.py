"""PennyLane's QSVT (issue #18): qml.poly_to_angles by root finding, qml.QSVT and qml.qsvt.

References are independent of the code under test: the polynomial evaluated with NumPy
(numpy.polynomial, matrix powers of A), finite differences for gradients, and PennyLane
0.45.1's angles for one documented example (printed by PennyLane's own poly_to_angles)."""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import ArgumentError

POLYS = [[0, 1.0, 0, -1 / 2, 0, 1 / 3], [0.1, 0, -0.3, 0, 0.4], [0, 0.5, 0, 0.2, 0, 0, 0, 0.25]]


@pytest.mark.parametrize("poly", POLYS)
@pytest.mark.parametrize("x", [-0.7, 0.2, 0.95])
def test_qsvt_of_a_scalar_applies_the_polynomial(poly, x):
    angles = qml.poly_to_angles(poly, "QSVT")
    op = qml.QSVT(qml.BlockEncode(x, wires=0), [qml.PCPhase(a, dim=1, wires=0) for a in angles])
    assert np.isclose(op.matrix()[0, 0].real, np.polynomial.polynomial.polyval(x, poly), atol=1e-9)
    # QSP angles, converted: the same polynomial with the rotation as signal
    qsp = qml.transform_angles(qml.poly_to_angles(poly, "QSP"), "QSP", "QSVT")
    assert np.allclose(qsp, angles)
    op = qml.QSVT(qml.RX(2 * np.arccos(x), wires=0), [qml.PCPhase(a, dim=1, wires=0) for a in qsp])
    assert np.isclose(op.matrix()[0, 0].real, np.polynomial.polynomial.polyval(x, poly), atol=1e-9)


def test_angles_are_pennylanes():
    # PennyLane 0.45.1: qp.poly_to_angles([0, 1.0, 0, -1/2, 0, 1/3], "QSVT")
    pennylane = [-5.49778714, 1.57079633, 1.57079633, 0.5833829, 1.61095884, 0.74753829]
    assert np.allclose(qml.poly_to_angles([0, 1.0, 0, -1 / 2, 0, 1 / 3], "QSVT"), pennylane)
    theta, phi, lambd = qml.poly_to_angles([0.1, 0.2j, 0.3], "GQSP")
    assert np.allclose(theta, [0.10759118, 0.20575842, 1.25744673])
    assert np.allclose(phi, [-np.pi / 2, -np.pi / 2, 0]) and np.allclose(lambd, [np.pi, 0, 0])


@pytest.mark.parametrize("poly", [[0, 0.4, 0, 0.3], [-0.1, 0, 0.2, 0, 0.5]])
def test_qsvt_of_a_matrix(poly):
    A = np.array([[0.1, 0.2, 0, 0], [0.2, -0.3, 0, 0.1], [0, 0, 0.2, 0], [0, 0.1, 0, -0.1]])
    op = qml.qsvt(A, poly, encoding_wires=[0, 1, 2])
    expected = sum(c * np.linalg.matrix_power(A, i) for i, c in enumerate(poly))
    assert np.allclose(op.matrix()[:4, :4].real, expected, atol=1e-9)
    assert [o.name for o in op.decomposition()][:2] == ["PCPhase", "ChangeOpBasis"]


def test_qsvt_of_a_hamiltonian():
    H = 0.3 * qml.Z(0) - 0.2 * qml.X(0)  # PrepSelPrep block-encodes H / 0.5
    poly = [0, 0.6, 0, 0.3]
    op = qml.qsvt(H, poly, encoding_wires=[1], block_encoding="prepselprep")
    Hm = np.array([[0.3, -0.2], [-0.2, -0.3]]) / 0.5
    expected = sum(c * np.linalg.matrix_power(Hm, i) for i, c in enumerate(poly))
    m = qml.matrix(op, wire_order=[1, 0])
    assert np.allclose(m[:2, :2].real, expected, atol=1e-9)


def test_qsvt_in_a_qnode_differentiates_its_angles():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(phis):
        qml.Hadamard(1)
        qml.QSVT(qml.BlockEncode([[0.3, 0.1], [0.2, 0.4]], wires=[0, 1]),
                 [qml.PCPhase(p, dim=2, wires=[0, 1]) for p in phis])
        return qml.expval(qml.Z(0) @ qml.X(1))

    phis = pnp.array([0.1, 0.5, -0.3], requires_grad=True)
    h, g = 1e-6, qml.grad(circuit)(phis)
    fd = [(circuit(phis + h * e) - circuit(phis - h * e)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(g, fd, atol=1e-7)
    text = qml.draw(circuit)(phis)
    assert "QSVT" in text


@pytest.mark.parametrize("call, message", [
    (lambda: qml.poly_to_angles([0.1, 0.2, 0.3], "QSVT"), "no definite parity"),
    (lambda: qml.poly_to_angles([0, 2.0], "QSVT"), r"\|P\(x\)\| ≤ 1"),
    (lambda: qml.poly_to_angles([0.5], "QSP"), "at least degree 1"),
    (lambda: qml.poly_to_angles([0, 0.5], "QSVT", angle_solver="iterative-optax"), "root-finding"),
    (lambda: qml.poly_to_angles([0, 0.5], "QFT"), "Invalid routine"),
    (lambda: qml.qsvt([[0.6, 0.1], [0.2, 0.3]], [0, 0.5], [0, 1, 2], block_encoding="fable"),
     "subnormalization factor"),
    (lambda: qml.qsvt(qml.Z(0), [0, 0.5], [0], block_encoding="prepselprep"), "Control wires"),
    (lambda: qml.qsvt([[0.1]], [0, 0.5], [0], block_encoding="qubitization"), "block_encoding"),
])
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises(ArgumentError, match=message):
        call()
