"""qml.change_op_basis and qml.templates.Subroutine: checked against matrices written out
by hand with NumPy and against circuits with the gates written out."""

from functools import partial

import numpy as np
import pytest

import qsym as qml
from qsym.templates import AbstractArray, Subroutine, SubroutineOp

H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
X = np.array([[0, 1], [1, 0]])
Z = np.diag([1, -1])
I2 = np.eye(2)


def rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])


def test_matrix_is_product_of_the_three():
    op = qml.change_op_basis(qml.CNOT([0, 1]), qml.RX(0.7, wires=1))
    expected = CNOT @ np.kron(I2, rx(0.7)) @ CNOT  # uncompute @ target @ compute
    assert np.allclose(qml.matrix(op, wire_order=[0, 1]), expected)
    op = qml.change_op_basis(qml.Hadamard(0), qml.PauliZ(0))
    assert np.allclose(qml.matrix(op), H @ Z @ H)  # = X
    assert np.allclose(qml.matrix(op), X)


def test_qnode_matches_gates_written_out():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def composite(x):
        qml.RY(0.4, wires=0)
        qml.change_op_basis(qml.CNOT([0, 1]), qml.RX(x, wires=1))
        return qml.expval(qml.PauliZ(1))

    @qml.qnode(dev)
    def written(x):
        qml.RY(0.4, wires=0)
        qml.CNOT([0, 1])
        qml.RX(x, wires=1)
        qml.CNOT([0, 1])
        return qml.expval(qml.PauliZ(1))

    for x in (0.0, 0.3, 1.9):
        assert np.isclose(composite(x), written(x))
    # by hand: RY(0.4)|0> = c|0> + s|1>; CNOT RX CNOT on wire 1 gives <Z1> = cos(x)
    assert np.isclose(composite(0.3), np.cos(0.3))


def test_subroutine_operator_and_qnode():
    @partial(Subroutine, static_argnames="a", wire_argnames=("reg1", "reg2"))
    def F(x, reg1, reg2, a):
        qml.RX(x * a, reg1[0])
        qml.CNOT([reg1[0], reg2[0]])

    op = F.operator(0.5, 0, [1], a=2)
    assert isinstance(op, SubroutineOp) and isinstance(op, F)
    assert op.name == "F" and op.wires == qml.wires.Wires([0, 1])
    assert op.data == (0.5,)
    expected = CNOT @ np.kron(rx(1.0), I2)
    assert np.allclose(qml.matrix(op, wire_order=[0, 1]), expected)
    assert F.dynamic_argnames == ("x",)

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        F(x, [0], [1], a=1)
        return qml.expval(qml.PauliZ(1))

    assert np.isclose(c(0.8), np.cos(0.8))  # CNOT copies RX's Z-basis populations
    assert np.isclose(qml.grad(c)(qml.numpy.array(0.8)), -np.sin(0.8))


def test_change_op_basis_with_subroutine_callable():
    @partial(Subroutine, wire_argnames="reg")
    def Basis(reg):
        qml.Hadamard(reg[0])

    cob = qml.change_op_basis(partial(Basis, [0]), qml.PauliZ(0))
    assert isinstance(cob.operands[2], Basis)
    assert cob.operands[0].name.startswith("Adjoint")
    qml.assert_equal(cob.operands[0], qml.adjoint(Basis)([0]))
    assert np.allclose(qml.matrix(cob), X)


def test_default_resources_by_abstract_shapes():
    @Subroutine
    def Layer(params, wires):
        for p, w in zip(params, wires):
            qml.RX(p, w)

    assert Layer.compute_resources(AbstractArray((3,), float), AbstractArray((3,))) == {qml.resource_rep(qml.RX): 3}  # PennyLane: by resource rep


def test_errors():
    with pytest.raises(TypeError, match="must be Operator or Callable"):
        qml.change_op_basis("X", "Y")
    with pytest.raises(TypeError, match="Callable inputs have no parameters"):
        qml.change_op_basis(lambda w: qml.X(w), qml.X(0))
    with pytest.raises(ValueError, match="wire argname 'reg' not present"):
        Subroutine(lambda wires: None, wire_argnames="reg")
    with pytest.raises(TypeError, match="Subroutine takes a quantum function"):
        Subroutine(3)
    S = Subroutine(lambda x, wires: qml.RX(x, wires[0]))
    with pytest.raises(TypeError, match="call it with the arguments of its definition"):
        S.operator(0.1, 0, 5)


def test_measured_change_op_basis_of_an_observable():
    """Issue #18: ``qml.expval(qml.change_op_basis(qml.Hermitian(U, 0), qml.X(1)))`` inside a
    QNode is an observable (``U @ X(1) @ U``, the uncompute the adjoint of the Hermitian
    ``U``), measured; it raised AttributeError (its operands taken for gates). Reference by
    hand: RX(x) on wire 0, H on wire 1 gives <U^2>_0 <X>_1 = 4 cos^2(x/2) + sin^2(x/2)."""
    dev = qml.device("default.qubit", wires=2)
    U = qml.numpy.array([[2.0, 0.0], [0.0, 1.0]], requires_grad=True)

    @qml.qnode(dev)
    def circuit(x, U):
        qml.RX(x, 0)
        qml.Hadamard(1)
        return qml.expval(qml.change_op_basis(qml.Hermitian(U, 0), qml.PauliX(1)))

    x = qml.numpy.array(0.7, requires_grad=False)
    assert np.isclose(circuit(x, U), 4 * np.cos(0.35) ** 2 + np.sin(0.35) ** 2)
    # PennyLane's trainable parameters: U twice (the compute and the uncompute Hermitian)
    tape = qml.workflow.construct_tape(circuit)(x, U)
    assert tape.trainable_params == [1, 2]
