"""Issue #18: ``qml.draw`` of a QNode whose transforms make several tapes (a split, a
gradient transform) draws each tape, as PennyLane 0.45's ``qml.draw`` does; and
``qml.evolve`` of a Hamiltonian with exact (sympy) coefficients under ``qml.grad``.

Expected drawings are written out by hand (PennyLane 0.45.1 prints the same text); the
evolution's numbers come from ``scipy.linalg.expm`` and central finite differences."""

import numpy
import pytest
import scipy.linalg

import qsym as qml
from qsym import numpy as np


def test_split_non_commuting_draws_every_tape_with_shared_matrices():
    dev = qml.device("default.qubit", wires=2)

    @qml.transforms.split_non_commuting
    @qml.qnode(dev)
    def c(x):
        qml.QubitUnitary(numpy.array([[0.0, 1.0], [1.0, 0.0]]), wires=1)
        qml.RX(x, 0)
        return qml.expval(qml.X(0)), qml.expval(qml.Z(0) @ qml.Z(1))

    expected = ("0: ──RX(0.30)─┤  <X>\n1: ──U(M0)────┤     \n\n"
                "0: ──RX(0.30)─┤ ╭<Z@Z>\n1: ──U(M0)────┤ ╰<Z@Z>\n\n"
                "M0 = \n[[0. 1.]\n [1. 0.]]")
    assert qml.draw(c)(0.3) == expected
    assert qml.draw(c, show_matrices=False, decimals=None)(0.3) == (
        "0: ──RX────┤  <X>\n1: ──U(M0)─┤     \n\n0: ──RX────┤ ╭<Z@Z>\n1: ──U(M0)─┤ ╰<Z@Z>")
    # the numbers are unchanged: <X> = 0 after RX, <Z0 Z1> = cos(0.3) * (-1)
    res = c(0.3)
    assert numpy.allclose(res, [0.0, -numpy.cos(0.3)])


def test_broadcast_expand_draws_one_tape_per_batch_element():
    @qml.transforms.broadcast_expand
    @qml.qnode(qml.device("default.qubit"))
    def b(x):
        qml.RY(x, "a")
        return qml.expval(qml.Z("a"))

    assert qml.draw(b)(np.array([0.1, 0.2])) == (
        "a: ──RY(0.10)─┤  <Z>\n\na: ──RY(0.20)─┤  <Z>")


def test_draw_of_a_gradient_transform_draws_its_tapes():
    @qml.qnode(qml.device("default.qubit", wires=[0, 1]))
    def d(x, y):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        qml.RY(y, 1)
        return qml.expval(qml.Z(1))

    # parameter shift of x only: x +- pi/2 = 2.0708, -1.0708
    text = qml.draw(qml.gradients.param_shift(d))(np.array(0.5),
                                                   np.array(0.2, requires_grad=False))
    assert text == ("0: ──RX(2.07)─╭●───────────┤     \n1: ───────────╰X──RY(0.20)─┤  <Z>\n\n"
                    "0: ──RX(-1.07)─╭●───────────┤     \n1: ────────────╰X──RY(0.20)─┤  <Z>")
    # forward differences: the unshifted tape and one per trainable parameter
    text = qml.draw(qml.gradients.finite_diff(d), decimals=3)(np.array(0.5), np.array(0.2))
    one = "0: ──RX(0.500)─╭●────────────┤     \n1: ────────────╰X──RY(0.200)─┤  <Z>"
    assert text == "\n\n".join([one] * 3)
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.draw(qml.gradients.param_shift(d))(0.5, 0.2)


def _expm_expval(x):
    X = numpy.array([[0, 1], [1, 0]])
    Z = numpy.diag([1, -1])
    H = (X + Z) / numpy.sqrt(2)
    ham = numpy.kron(X, X) + numpy.kron(Z, Z) + numpy.kron(H, numpy.eye(2))
    state = scipy.linalg.expm(-1j * x * ham)[:, 0]
    return numpy.real(numpy.vdot(state, numpy.kron(Z, numpy.eye(2)) @ state))


def test_evolve_of_a_hamiltonian_with_hadamard_is_differentiable():
    # H(0)'s Pauli form has the exact coefficient 1/sqrt(2); the words do not commute
    @qml.qnode(qml.device("default.qubit"))
    def circuit(x):
        qml.evolve(qml.X(0) @ qml.X(1) + qml.Z(0) @ qml.Z(1) + qml.H(0), x)
        return qml.expval(qml.Z(0))

    x = np.array(0.5)
    h = 1e-6
    fd = (_expm_expval(0.5 + h) - _expm_expval(0.5 - h)) / (2 * h)
    assert numpy.isclose(circuit(x), _expm_expval(0.5), atol=1e-10)
    assert numpy.isclose(qml.grad(circuit)(x), fd, atol=1e-6)
    assert numpy.isclose(qml.gradients.hadamard_grad(circuit, aux_wire=2)(x), fd, atol=1e-6)


def test_evolve_of_a_hadamard_product_closed_form():
    # G = H(0) Z(1) squares to I: exp(-i x G) = cos x - i sin x G, so <Z0> = cos^2 x
    @qml.qnode(qml.device("default.qubit"))
    def c(x):
        qml.evolve(qml.H(0) @ qml.Z(1), x)
        return qml.expval(qml.Z(0))

    x = np.array(0.5)
    assert numpy.isclose(c(x), numpy.cos(0.5) ** 2, atol=1e-12)
    assert numpy.isclose(qml.grad(c)(x), -numpy.sin(1.0), atol=1e-10)
    assert numpy.isclose(qml.gradients.param_shift(c)(x), -numpy.sin(1.0), atol=1e-10)
