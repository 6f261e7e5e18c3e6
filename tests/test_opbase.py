"""PennyLane's developer base classes (qml.ops.op_math.SymbolicOp, ScalarSymbolicOp,
CompositeOp) subclassed as a user does, op.data set in place, qml.adjoint of observables
that are not Hermitian, and the controlled gates' arithmetic depth. Every matrix is checked
against one written here with NumPy."""

import copy

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
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
    a = qml.adjoint(h)  # Hermitian: PennyLane's Adjoint(Sum), the same matrix
    assert a.base is h and repr(a) == "Adjoint(X(0) + Z(1))"
    assert np.allclose(a.matrix(), np.kron(X, np.eye(2)) + np.kron(np.eye(2), np.diag([1, -1])))
    st = qml.S(0) + qml.T(1)
    s_m, t_m = np.diag([1, 1j]), np.diag([1, np.exp(1j * np.pi / 4)])
    assert np.allclose(qml.adjoint(st).matrix(), (np.kron(s_m, I2) + np.kron(I2, t_m)).conj().T)


def test_controlled_gates_have_pennylanes_arithmetic_depth():
    assert qml.CNOT([0, 1]).arithmetic_depth == 1 and qml.Toffoli([0, 1, 2]).arithmetic_depth == 1
    assert qml.MultiControlledX(wires=[0, 1, 2, 3]).arithmetic_depth == 1
    assert qml.RX(0.1, 0).arithmetic_depth == 0 and qml.SWAP([0, 1]).arithmetic_depth == 0
    assert repr(qml.prod(qml.CNOT([0, 1]), qml.X(2))) == "(CNOT(wires=[0, 1])) @ X(2)"


class Mine(qml.operation.Operator):
    """An operator of your own: no pow of its own (PennyLane's Operator.pow)."""

    num_wires = 1

    @staticmethod
    def compute_matrix():
        return np.array([[1, 2], [3, 4]], dtype=complex)


def test_pow_of_an_operator_of_your_own():
    op = Mine(wires=0)
    assert [o.name for o in op.pow(2)] == ["Mine", "Mine"] and op.pow(0) == []
    with pytest.raises(qml.exceptions.PowUndefinedError, match="not defined"):
        op.pow(0.5)
    p = qml.pow(Mine(wires=0), 3)
    assert [o.name for o in p.decomposition()] == ["Mine"] * 3
    m = np.array([[1, 2], [3, 4]], dtype=complex)
    assert np.allclose(p.matrix(), m @ m @ m)
    s = p.simplify()
    assert isinstance(s, qml.ops.Prod) and np.allclose(s.matrix(), m @ m @ m)
    non_lazy = qml.pow(Mine(wires=0), 2, lazy=False)
    assert isinstance(non_lazy, qml.ops.Prod) and np.allclose(non_lazy.matrix(), m @ m)
    with pytest.raises(DecompositionUndefinedError, match="defines no pow"):
        qml.pow(Mine(wires=0), 0.5).decomposition()


def test_pow_simplify_pauli_rep_flatten_and_diagonalizing_gates():
    assert qml.equal(qml.pow(qml.CNOT([0, 1]), 0).simplify(), qml.Identity([0, 1]))
    assert qml.equal(qml.pow(qml.S(0), 2).simplify(), qml.Z(0))
    s = qml.pow(qml.sum(qml.X(0), qml.X(0)) + qml.X(0), 2).simplify()
    assert np.allclose(s.matrix(), 9 * I2)  # (3 X)^2
    rep = qml.pow(qml.X(0) + qml.Z(0), 2).pauli_rep  # (X + Z)^2 = 2 I
    assert np.allclose(rep.to_mat(wire_order=[0]), 2 * I2)
    assert qml.pow(qml.X(0), 0.5).pauli_rep is None and qml.pow(qml.RX(0.1, 0), 2).pauli_rep is None
    p = qml.pow(qml.S(0), -0.5)
    assert p._flatten() == ((p.base,), (-0.5,))
    q = type(p)._unflatten(*p._flatten())
    assert q is not p and qml.equal(q, p)
    # Hadamard ** 3 is diagonalized by the Hadamard's gates: U^dagger H^3 U is diagonal
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    op = qml.pow(qml.Hadamard(0), 3)
    assert op.has_diagonalizing_gates
    u = np.eye(2, dtype=complex)
    for g in op.diagonalizing_gates():
        u = g.matrix() @ u
    d = u @ (h @ h @ h) @ u.conj().T
    assert np.allclose(d, np.diag(np.diag(d)))


def _eig_power(m, z):
    """A matrix power through the eigendecomposition (written here, not qsym's)."""
    w, v = np.linalg.eig(m)
    return v @ np.diag(w.astype(complex) ** z) @ np.linalg.inv(v)


def test_pow_and_adjoint_matrices_against_numpy():
    t = 0.37
    assert np.allclose(qml.matrix(qml.pow(qml.RX(t, wires=0), 2.5)), _eig_power(rx(t), 2.5))
    assert np.allclose(qml.matrix(qml.adjoint(qml.pow(qml.RX(t, wires=0), 3))), rx(3 * t).conj().T)
    s = np.diag([1, 1j])
    assert np.allclose(qml.matrix(qml.pow(qml.S(0), 0.5)), _eig_power(s, 0.5))
    assert np.allclose(qml.matrix(qml.pow(qml.adjoint(qml.S(0)), 3)), np.linalg.matrix_power(s.conj().T, 3))


def test_gradients_through_pow_and_adjoint_against_finite_differences():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x, y):
        qml.Hadamard(0)
        qml.pow(qml.RY(x, wires=0), 3)
        qml.adjoint(qml.CRX(y, wires=[0, 1]))
        qml.adjoint(qml.pow(qml.RZ(x, wires=1), 2))
        qml.Hadamard(1)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    x, y = qml.numpy.array(0.41, requires_grad=True), qml.numpy.array(-0.83, requires_grad=True)
    g = qml.grad(circuit)(x, y)

    def plain(a, b):  # the same circuit as matrices written here, on wires (0, 1)
        h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
        ry = lambda t: np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])
        rz = lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])
        crx = np.block([[I2, 0 * I2], [0 * I2, rx(b)]])
        state = np.zeros(4, dtype=complex)
        state[0] = 1
        for u in (np.kron(h, I2), np.kron(ry(3 * a), I2), crx.conj().T, np.kron(I2, rz(2 * a)).conj().T,
                  np.kron(I2, h)):
            state = u @ state
        return float(np.real(state.conj() @ np.kron(Z, Z) @ state))

    e = 1e-6
    fd = [(plain(0.41 + e, -0.83) - plain(0.41 - e, -0.83)) / (2 * e),
          (plain(0.41, -0.83 + e) - plain(0.41, -0.83 - e)) / (2 * e)]
    assert np.allclose(circuit(x, y), plain(0.41, -0.83))
    assert np.allclose(g, fd, atol=1e-6)


def test_equal_tells_measurements_apart_as_pennylane():
    H = qml.Hamiltonian([1.0, 1.0], [qml.Z(0) @ qml.Z(1), qml.X(0) @ qml.X(1)])
    different = [
        (qml.state(), qml.vn_entropy(wires=0)),
        (qml.probs(wires=1), qml.probs(op=qml.Z(1))),
        (qml.vn_entropy(wires=0), qml.vn_entropy(wires=0, log_base=2)),
        (qml.mutual_info(wires0=[1], wires1=[0]), qml.mutual_info(wires0=[1], wires1=[0], log_base=2)),
        (qml.classical_shadow(wires=[0, 1]), qml.shadow_expval(H, k=2)),
        (qml.shadow_expval(H, k=2), qml.shadow_expval(H, k=1)),
        (qml.shadow_expval(H, k=2), qml.shadow_expval([H], k=2)),
        (qml.counts(wires=[0]), qml.counts(wires=[0], all_outcomes=True)),
        (qml.measurements.ExpectationMP(eigvals=[1, -1], wires=[0]),
         qml.measurements.ExpectationMP(eigvals=[1, 2], wires=[0])),
    ]
    for m1, m2 in different:
        assert qml.equal(m1, m2) is False and qml.equal(m2, m1) is False, (m1, m2)
    same = [qml.state(), qml.probs(op=qml.Z(1)), qml.vn_entropy(wires=0, log_base=2),
            qml.shadow_expval(H, k=2), qml.expval(qml.X(0)), qml.counts(wires=[0])]
    for m in same:
        assert qml.equal(m, copy.copy(m)) is True, m
    with pytest.raises(AssertionError, match="log_base"):
        qml.assert_equal(qml.vn_entropy(wires=0), qml.vn_entropy(wires=0, log_base=2))


def test_equal_of_pauli_words_and_sentences():
    PW, PS = qml.pauli.PauliWord, qml.pauli.PauliSentence
    assert qml.equal(PW({0: "X", 1: "Y"}), PW({1: "Y", 0: "X"}))
    with pytest.raises(AssertionError, match="Different wires in Pauli words"):
        qml.assert_equal(PW({0: "X", 1: "Y"}), PW({0: "X"}))
    with pytest.raises(AssertionError, match="agree on wires but differ in Paulis"):
        qml.assert_equal(PW({0: "X", 1: "Z"}), PW({0: "X", 1: "Y"}))
    a = PS({PW({0: "X", 2: "Y"}): 0.5, PW({1: "Z"}): -1.0})
    assert qml.equal(a, PS({PW({1: "Z"}): -1.0, PW({2: "Y", 0: "X"}): 0.5 + 1e-12}))
    with pytest.raises(AssertionError, match="Different Pauli words in PauliSentences"):
        qml.assert_equal(a, PS({PW({1: "Z"}): -1.0}))
    with pytest.raises(AssertionError, match="coefficients of the PauliSentences"):
        qml.assert_equal(a, PS({PW({0: "X", 2: "Y"}): 0.5, PW({1: "Z"}): 1.0}))


def test_adjoint_eigvals_and_diagonalizing_gates_are_the_bases():
    x = np.array([1.2, 2.3, 3.4])
    ev = qml.adjoint(qml.RX(x, wires=0)).eigvals()
    def canon(v):  # a multiset of eigenvalues in one order
        return sorted(np.round(np.asarray(v, dtype=complex), 9), key=lambda c: (c.imag, c.real))

    assert ev.shape == (3, 2)
    for t, row in zip(x, ev):  # conj of RX's e^{-+ix/2}, and RX(t)^dagger's eigenvalues
        assert np.allclose(canon(row), canon([np.exp(0.5j * t), np.exp(-0.5j * t)]))
        assert np.allclose(canon(row), canon(np.linalg.eigvals(rx(t).conj().T)))
    op = qml.adjoint(qml.Hadamard(0))
    assert op.has_diagonalizing_gates
    u = np.eye(2, dtype=complex)
    for g in op.diagonalizing_gates():
        u = g.matrix() @ u
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    d = u @ h.conj().T @ u.conj().T
    assert np.allclose(d, np.diag(np.diag(d)))


def test_data_set_on_the_base_is_seen_by_pow_and_adjoint():
    base = qml.RX(0.3, wires=0)
    p = qml.pow(base, 2)
    base.data = (0.5,)
    assert np.allclose(qml.matrix(p), rx(1.0)) and p.data == (0.5,)  # gates written again
    b2 = qml.RY(0.2, wires=1)
    a = qml.adjoint(b2)
    b2.data = (0.9,)
    assert a.table_gates[0].data == (-0.9,)
    assert qml.pow(qml.Toffoli([0, 1, 2]), 3.5).control_wires == qml.wires.Wires([0, 1])


def test_equal_of_adjoints_and_powers_compares_their_bases():
    a = qml.adjoint(qml.RX(1.2, wires=0))
    assert qml.equal(a, qml.adjoint(qml.RX(1.2, wires=0)))
    with pytest.raises(AssertionError, match="different base operations because .* different types"):
        qml.assert_equal(a, qml.adjoint(qml.X(15)))
    assert qml.equal(a, qml.adjoint(qml.RX(1.2 + 1e-4, wires=0)), atol=1e-3, rtol=0)
    assert not qml.equal(a, qml.adjoint(qml.RX(1.2 + 1e-4, wires=0)), atol=1e-5, rtol=0)
    with pytest.raises(AssertionError, match="Exponent are different. Got 2 and 3"):
        qml.assert_equal(qml.pow(qml.RX(0.3, 0), 2), qml.pow(qml.RX(0.3, 0), 3))
    with pytest.raises(AssertionError, match="different base operations because .* different types"):
        qml.assert_equal(qml.pow(qml.adjoint(qml.X(0)), 2), qml.pow(qml.X(0), 2))
    with pytest.raises(AssertionError, match="different base operations because .* different types"):
        qml.assert_equal(qml.adjoint(qml.CNOT([0, 1])), qml.adjoint(qml.X(15)))  # depths 2 and 1
    with pytest.raises(AssertionError, match="arithmetic depth > 0"):  # PennyLane has no rule
        qml.assert_equal(Neg(qml.Y(0)), Neg(qml.Y(0)))


def test_has_adjoint_of_an_operator_of_your_own_is_whether_it_defines_adjoint():
    class NoAdj(qml.operation.Operation):
        num_wires = 1

    class WithAdj(qml.operation.Operation):
        num_wires = 1

        def adjoint(self):
            return WithAdj(wires=self.wires)

    assert NoAdj(0).has_adjoint is False and WithAdj(0).has_adjoint is True  # PennyLane's rule
    assert qml.adjoint(NoAdj(0)).has_adjoint is True  # an Adjoint always has one
    assert qml.RX(0.1, 0).has_adjoint is True


def test_a_copy_of_pow_or_adjoint_has_its_own_base():
    for op in (qml.pow(qml.RX(1.2345, wires=0), 2), qml.adjoint(qml.RY(1.2345, wires=0))):
        c = copy.copy(op)
        assert type(c) is type(op) and c.base is not op.base and qml.equal(c, op)
        c.data = (6.54,)
        assert op.data == (1.2345,) and c.data == (6.54,)
        assert np.allclose(op.matrix(), qml.matrix(op))  # the original's gates unchanged


def _phase(phi):
    return np.diag([1.0, np.exp(1j * phi)])


def test_a_fractional_power_of_numbers_is_the_principal_matrix_power():
    # PennyLane's devices apply a non-trainable Pow by its matrix, SciPy's principal power:
    # for eigenvalues e^{i a}, a in (-pi, pi], the power e^{i z a}. Reference matrices by hand.
    base = qml.adjoint(qml.pow(qml.S(0), 3, lazy=False), lazy=False)  # PhaseShift(-3 pi/2)
    p = qml.pow(qml.adjoint(qml.pow(qml.S(0), 3)), 0.5)
    assert np.allclose(qml.matrix(p), _phase(np.pi / 4))  # diag(1, i) ** 0.5, not e^{-3 i pi/4}
    assert np.allclose(qml.matrix(qml.pow(base, 0.5)), _phase(np.pi / 4))

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f():
        qml.Hadamard(0)
        qml.pow(qml.adjoint(qml.pow(qml.S(0), 3)), 0.5)
        qml.Hadamard(0)
        return qml.expval(qml.Z(0))

    assert np.isclose(f(), np.cos(np.pi / 4))  # <Z> = cos(phase) after H P H
    # inside the principal range the scaled gate stays a table gate
    inside = qml.pow(qml.RX(0.5, wires=0), 0.5)
    assert [g.name for g in inside.table_gates] == ["RX"]
    # a power PennyLane's op.pow does not define (Rot ** 0.5) is applied by its matrix
    a, b, c = 4.0, 0.3, -5.0
    rot = qml.matrix(qml.Rot(a, b, c, wires=0))
    w, v = np.linalg.eig(rot)
    ref = v @ np.diag(np.exp(0.5 * 1j * np.angle(w))) @ np.linalg.inv(v)  # |w| = 1
    assert np.allclose(ref @ ref, rot)

    @qml.qnode(dev)
    def g():
        qml.pow(qml.Rot(a, b, c, wires=0), 0.5)
        return qml.state()

    assert np.allclose(g(), ref[:, 0])


def test_a_broadcast_fractional_power_of_numbers_is_each_elements_principal_power():
    # one rule for one angle and a batch (PennyLane's Pow.matrix: SciPy's principal power of
    # each element): PhaseShift(4) ** 0.5 has phase (4 - 2 pi) / 2, not 2; by hand
    xs = np.array([0.3, 4.0, -4.0, 2 * np.pi])
    princ = [_phase(np.angle(np.exp(1j * x)) / 2) for x in xs]
    m = qml.matrix(qml.pow(qml.PhaseShift(xs, wires=0), 0.5))
    assert np.allclose(m, princ)
    assert np.allclose(m[1], qml.matrix(qml.pow(qml.PhaseShift(4.0, wires=0), 0.5)))
    zs = np.array([0.5, 0.25])  # a broadcast exponent of one angle, and zipped with a batch
    assert np.allclose(qml.matrix(qml.pow(qml.PhaseShift(4.0, wires=0), zs)),
                       [_phase((4.0 - 2 * np.pi) * z) for z in zs])
    assert np.allclose(qml.matrix(qml.pow(qml.PhaseShift(xs[:2], wires=0), zs)),
                       [_phase(0.3 * 0.5), _phase((4.0 - 2 * np.pi) * 0.25)])

    @qml.qnode(qml.device("default.qubit", wires=1))
    def f():
        qml.Hadamard(0)
        qml.pow(qml.PhaseShift(xs, wires=0), 0.5)
        return qml.state()

    assert np.allclose(f(), [p @ [1, 1] / np.sqrt(2) for p in princ])  # H|0>, then the root


def test_a_power_of_a_circuit_input_keeps_the_scaled_gates_at_every_value():
    # trainable inputs: PennyLane decomposes Pow(PhaseShift(x), 0.5) into PhaseShift(x / 2)
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def h(x):
        qml.Hadamard(0)
        qml.pow(qml.PhaseShift(x, 0), 0.5)
        qml.Hadamard(0)
        return qml.expval(qml.Z(0))

    for x in (0.3, -3 * np.pi / 2, 3 * np.pi):  # (the same compiled circuit: no switch)
        t = pnp.array(x, requires_grad=True)
        assert np.isclose(h(t), np.cos(x / 2))
        assert np.isclose(qml.grad(h)(t), -0.5 * np.sin(x / 2))


def test_a_principal_power_decomposes_as_pennylanes_pow():
    # PennyLane: Pow.decomposition() is base.pow(z) (the scaled gate) whatever the device
    # applies; a power base.pow(z) does not define has no decomposition
    p = qml.pow(qml.PhaseShift(-3 * np.pi / 2, wires=0), 0.5)
    assert np.allclose(qml.matrix(p), _phase(np.pi / 4))
    [g] = p.decomposition()
    assert g.name == "PhaseShift" and np.isclose(g.parameters[0], -3 * np.pi / 4)
    r = qml.pow(qml.Rot(4.0, 0.3, -5.0, wires=0), 0.5)
    assert not r.has_decomposition
    with pytest.raises(DecompositionUndefinedError):
        r.decomposition()
