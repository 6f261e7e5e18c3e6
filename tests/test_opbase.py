"""PennyLane's developer base classes (qml.ops.op_math.SymbolicOp, ScalarSymbolicOp,
CompositeOp) subclassed as a user does, op.data set in place, qml.adjoint of observables
that are not Hermitian, and the controlled gates' arithmetic depth. Every matrix is checked
against one written here with NumPy."""

import copy

import numpy as np
import pytest

import qsym as qml
from qsym.errors import DecompositionUndefinedError, MatrixUndefinedError

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])
I2 = np.eye(2, dtype=complex)


def rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


class Neg(qml.ops.op_math.SymbolicOp):
    _name = "Neg"

    def matrix(self, wire_order=None):
        return -np.asarray(self.base.matrix(wire_order=wire_order))


class Scaled(qml.ops.op_math.ScalarSymbolicOp):
    _name = "Scaled"

    @staticmethod
    def _matrix(scalar, mat):
        return scalar * mat


class Plus(qml.ops.op_math.CompositeOp):
    """A sum of operators, written as a user would."""

    _op_symbol = "&"
    _math_op = staticmethod(np.sum)
    _eigs = {}  # this class's own cache: the tests leave CompositeOp's alone
    is_verified_hermitian = True

    def matrix(self, wire_order=None):
        order = self.wires if wire_order is None else wire_order
        return sum(np.asarray(o.matrix(wire_order=order)) for o in self)

    @classmethod
    def _sort(cls, op_list, wire_map=None):
        return sorted(op_list, key=lambda o: str(list(o.wires)))

    def _build_pauli_rep(self):
        return None


def test_symbolic_subclass_defers_to_its_base():
    base = qml.RX(0.3, wires="a")
    op = Neg(base)
    assert (op.name, op.base, op.hyperparameters["base"], op.wires) == ("Neg", base, base, qml.wires.Wires("a"))
    assert op.data == (0.3,) and op.num_params == 1 and op.num_wires == 1
    assert np.allclose(op.matrix(), -rx(0.3))
    op.data = (0.7,)  # set through to the base
    assert base.data == (0.7,) and np.allclose(op.matrix(), -rx(0.7))
    assert op.arithmetic_depth == 1 and op.has_matrix and op.pauli_rep is None
    assert op.hash == Neg(qml.RX(0.7, wires="a")).hash != Neg(qml.RX(0.1, wires="a")).hash


def test_symbolic_copy_and_map_wires_leave_the_original():
    op = Neg(qml.RY(1.25, wires=0))
    c = copy.copy(op)
    c.data = (0.5,)
    assert op.data == (1.25,) and c.data == (0.5,) and type(c) is Neg
    m = op.map_wires({0: "q"})
    assert m.wires == qml.wires.Wires("q") and m.base.wires == qml.wires.Wires("q")
    assert op.wires == qml.wires.Wires(0)


def test_symbolic_queues_in_place_of_its_base():
    with qml.queuing.AnnotatedQueue() as q:
        base = qml.Z(1)
        op = Neg(base)
    assert q.queue == [op] and base not in q
    outside = qml.Z(2)
    with qml.queuing.AnnotatedQueue() as q2:
        op2 = Neg(outside)
    assert q2.queue == [op2]


def test_symbolic_without_matrix_or_decomposition_says_so():
    op = qml.ops.op_math.SymbolicOp(qml.X(0))
    assert op.name == "Symbolic" and not op.has_decomposition
    with pytest.raises(MatrixUndefinedError, match="defines no matrix"):
        op.matrix()
    with pytest.raises(DecompositionUndefinedError, match="defines no decomposition"):
        op.decomposition()


def test_symbolic_of_a_mid_circuit_measurement_is_refused():
    m = qml.ops.MidMeasure(0)
    with pytest.raises(ValueError, match="Symbolic operators of mid-circuit measurements"):
        Neg(m)
    with pytest.raises(ValueError, match="Composite operators of mid-circuit measurements"):
        Plus(qml.X(0), m)


def test_scalar_symbolic_data_and_broadcast_matrix():
    op = Scaled(qml.RX(0.4, wires=0), 2.5)
    assert op.data == (2.5, 0.4) and op.num_params == 2 and op.batch_size is None
    assert np.allclose(op.matrix(), 2.5 * rx(0.4))
    op.data = (-1.0, 0.9)
    assert op.scalar == -1.0 and op.base.data == (0.9,) and np.allclose(op.matrix(), -rx(0.9))
    b = Scaled(qml.Z(0), [2.0, 3.0])  # a list of scalars: broadcast
    assert isinstance(b.scalar, np.ndarray) and b.batch_size == 2
    assert np.allclose(b.matrix(), np.stack([2 * Z, 3 * Z]))
    assert np.allclose(Scaled(qml.Z(0), 2.0).matrix(wire_order=[1, 0]), 2 * np.kron(I2, Z))
    with pytest.raises(ValueError, match="do not match"):
        _ = Scaled(qml.RX(np.array([0.1, 0.2, 0.3]), wires=0), [1.0, 2.0]).batch_size


def test_composite_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        qml.ops.op_math.CompositeOp(qml.X(0), qml.Z(1))


def test_composite_subclass_matrix_eigvals_and_diagonalizing_gates():
    op = Plus(qml.X(0), qml.Z(0), qml.Y(1))
    hand = X + Z  # wires 0 and 1, wire 0 first
    hand = np.kron(hand, I2) + np.kron(I2, Y)
    assert np.allclose(op.matrix(), hand)
    assert [[o.name for o in g] for g in op.overlapping_ops] == [["PauliX", "PauliZ"], ["PauliY"]]
    assert np.allclose(np.sort(op.eigvals()), np.sort(np.linalg.eigvalsh(hand)))
    u = np.eye(4, dtype=complex)
    for g in op.diagonalizing_gates():
        u = g.matrix(wire_order=[0, 1]) @ u
    d = u @ hand @ u.conj().T
    assert np.allclose(d, np.diag(np.diag(d)))
    assert np.allclose(np.diag(d), op.eigvals())


def test_composite_repr_label_data_and_pytree():
    op = Plus(qml.RX(0.5, wires=0), Plus(qml.RY(1.0, wires=1), qml.X(0)))
    assert repr(op) == "RX(0.5, wires=[0]) & (RY(1.0, wires=[1]) & X(0))"
    assert op.label() == "RX&(RY&X)" and op.arithmetic_depth == 2
    with pytest.raises(ValueError, match="same length as operands"):
        op.label(base_label=["only"])
    assert op.data == (0.5, 1.0) and op.num_params == 2
    op.data = (0.25, -1.0)
    assert op[0].data == (0.25,) and op[1][0].data == (-1.0,)
    data, meta = op._flatten()
    assert meta == () and data[0] is op[0]
    again = type(op)._unflatten(data, meta)
    assert np.allclose(again.matrix(), op.matrix())
    assert Plus(qml.X(0), qml.Z(1)).hash == Plus(qml.Z(1), qml.X(0)).hash  # _sort decides


def test_composite_queues_and_copies():
    with qml.queuing.AnnotatedQueue() as q:
        a, b = qml.X(0), qml.Z(1)
        op = Plus(a, b)
    assert q.queue == [op]
    c = copy.copy(op)
    assert c[0] is not op[0] and qml.equal(c[0], op[0])
    m = op.map_wires({0: 5, 1: 7})
    assert m.wires == qml.wires.Wires([5, 7]) and m[1].wires == qml.wires.Wires(7)
    assert op.wires == qml.wires.Wires([0, 1])
    with pytest.raises(DecompositionUndefinedError):
        op.decomposition()


def test_qsym_operators_are_instances_of_the_base_classes():
    ops = qml.ops.op_math
    assert isinstance(qml.adjoint(qml.S(0)), ops.SymbolicOp)
    assert isinstance(qml.pow(qml.RX(0.1, 0), 2), ops.ScalarSymbolicOp)
    assert isinstance(qml.s_prod(2.0, qml.X(0)), ops.ScalarSymbolicOp)
    assert isinstance(qml.X(0) @ qml.Y(1), ops.CompositeOp)
    assert isinstance(qml.X(0) + qml.Y(1), ops.CompositeOp)
    assert not isinstance(qml.RX(0.1, 0), ops.SymbolicOp)
    assert not isinstance(qml.X(0) @ qml.Y(1), ops.SymbolicOp)
    assert issubclass(Neg, ops.SymbolicOp) and issubclass(Plus, qml.operation.Operator)


def test_setting_data_of_a_gate_and_of_an_adjoint():
    op = qml.RX(0.1, wires=0)
    op.data = (0.6,)
    assert np.allclose(op.matrix(), rx(0.6))
    with pytest.raises(ValueError, match="one value per parameter"):
        op.data = (0.1, 0.2)
    a = qml.adjoint(qml.RX(0.1, wires=0))
    a.data = (0.6,)
    assert np.allclose(a.matrix(), rx(0.6).conj().T)
    assert np.allclose(qml.matrix(a), rx(0.6).conj().T)  # its gates, written again
    p = qml.pow(qml.RX(0.1, wires=0), 3)
    p.data = (0.2,)
    assert np.allclose(qml.matrix(p), rx(0.6))


def test_adjoint_of_an_observable_that_is_not_hermitian():
    coeffs = [1 - 0.5j, 0.2, -3j]
    op = qml.dot(coeffs, [qml.X(0), qml.Y(0), qml.Z(0)])
    hand = (1 - 0.5j) * X + 0.2 * Y - 3j * Z
    adj = qml.adjoint(op)
    assert np.allclose(adj.matrix(), hand.conj().T)
    s = qml.adjoint(qml.s_prod(1j, qml.X(0)))
    assert np.allclose(s.matrix(), -1j * X)
    h = qml.X(0) + qml.Z(1)
    assert qml.adjoint(h) is h  # Hermitian: itself
    st = qml.S(0) + qml.T(1)
    s_m, t_m = np.diag([1, 1j]), np.diag([1, np.exp(1j * np.pi / 4)])
    assert np.allclose(qml.adjoint(st).matrix(), (np.kron(s_m, I2) + np.kron(I2, t_m)).conj().T)


def test_controlled_gates_have_pennylanes_arithmetic_depth():
    assert qml.CNOT([0, 1]).arithmetic_depth == 1 and qml.Toffoli([0, 1, 2]).arithmetic_depth == 1
    assert qml.MultiControlledX(wires=[0, 1, 2, 3]).arithmetic_depth == 1
    assert qml.RX(0.1, 0).arithmetic_depth == 0 and qml.SWAP([0, 1]).arithmetic_depth == 0
    assert repr(qml.prod(qml.CNOT([0, 1]), qml.X(2))) == "(CNOT(wires=[0, 1])) @ X(2)"
