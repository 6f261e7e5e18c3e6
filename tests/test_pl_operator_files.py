"""Issue #18: what PennyLane 0.45's operator test files (``ops/op_math``, ``ops/qubit``) use,
with expected values from hand-written matrices and finite differences."""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp

X = np.array([[0, 1], [1, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)


def _rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _ry(t):
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)


def _expected(coeffs, p):
    psi = _ry(p) @ _rx(p) @ np.array([1, 0], dtype=complex)
    H = coeffs[0] * X + coeffs[1] * Z
    return float(np.real(psi.conj() @ H @ psi))


def test_simplify_in_a_circuit_measures_the_simplified_operator_with_trainable_coefficients():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(coeffs, p):
        qml.RX(p, wires=0)
        qml.RY(p, wires=0)
        return qml.expval(qml.simplify(qml.ops.LinearCombination(coeffs, [qml.X(0), qml.Z(0)])))

    coeffs = pnp.array([-0.05, 0.17], requires_grad=True)
    p = pnp.array(1.7, requires_grad=True)
    assert np.isclose(circuit(coeffs, p), _expected(coeffs, p))
    g_c, g_p = qml.grad(circuit)(coeffs, p)
    h = 1e-6
    fd_c = [(_expected(coeffs + h * e, p) - _expected(coeffs - h * e, p)) / (2 * h) for e in np.eye(2)]
    fd_p = (_expected(coeffs, p + h) - _expected(coeffs, p - h)) / (2 * h)
    assert np.allclose(g_c, fd_c, atol=1e-6) and np.isclose(g_p, fd_p, atol=1e-6)


def test_simplify_in_a_circuit_replaces_its_input():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def measured():  # the product is measured, not applied
        qml.RY(0.4, wires=0)
        return qml.expval(qml.simplify(qml.X(0) @ qml.Z(1)))

    @qml.qnode(dev)
    def statement():  # a product of gates as a statement: applied, simplified
        qml.RY(0.4, wires=0)
        qml.simplify(qml.X(0) @ qml.X(0) @ qml.X(1))
        return qml.probs(wires=[0, 1])

    @qml.qnode(dev)
    def unused_sum():
        qml.simplify(qml.X(0) + qml.Z(0))
        return qml.expval(qml.Z(0))

    assert np.isclose(measured(), np.sin(0.4))
    c, s = np.cos(0.2), np.sin(0.2)
    assert np.allclose(statement(), [0, c * c, 0, s * s])
    assert "X" not in qml.draw(measured)().split("┤")[0]
    with pytest.raises(qml.errors.TracingError, match="neither measured nor applied"):
        unused_sum()


@pytest.mark.parametrize("op", [qml.Hadamard(0), qml.Y(0), qml.X(0) @ qml.Z(1), qml.RX(0.3, 0)])
def test_sprod_sparse_matrix_is_the_scalar_times_the_bases(op):
    scipy_sparse = pytest.importorskip("scipy.sparse")
    s = qml.s_prod(1.23, op)
    m = s.sparse_matrix()
    assert isinstance(m, scipy_sparse.csr_matrix)
    expected = 1.23 * op.matrix()  # element by element, the same products
    assert np.array_equal(m.toarray(), expected)
    assert s.sparse_matrix(format="coo").format == "coo"
    swapped = s.sparse_matrix(wire_order=[1, 0]).toarray()
    assert np.allclose(swapped, qml.matrix(s, wire_order=[1, 0]))
    assert qml.s_prod(0.0, op).sparse_matrix().nnz == 0  # zeros are not stored


def test_blockencode_of_a_circuit_input_uses_its_number_at_each_call():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(m):
        qml.BlockEncode(m, wires=[0, 1])
        return qml.expval(qml.Z(0))

    # [[A, sqrt(I - A A^T)], [sqrt(I - A^T A), -A^T]] on |00>: the first column (A's first
    # column, then sqrt(I - A^T A)'s), <Z(0)> = |A[:, 0]|^2 - |sqrt(I - A^T A)[:, 0]|^2
    for A in ([[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.0], [0.1, 0.2]]):
        A = np.array(A)
        w, v = np.linalg.eigh(np.eye(2) - A.T @ A)
        lower = (v * np.sqrt(w)) @ v.T
        assert np.isclose(circuit(A.tolist()), A[:, 0] @ A[:, 0] - lower[:, 0] @ lower[:, 0])
    for a in (0.3, 0.6):  # a scalar: a|00> + sqrt(1 - a^2)|01>, <Z(0)> = 1
        assert np.isclose(circuit(pnp.array(a, requires_grad=True)), 1.0)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def one(a):
        qml.BlockEncode(a, wires=[0])
        return qml.expval(qml.Z(0))

    assert np.isclose(one(0.3), 0.3**2 - (1 - 0.3**2))
    # differentiated since stop 63 (pl63a: BlockEncode of a trainable A; was a refusal):
    # <Z> = a^2 - (1 - a^2), so d/da = 4a (by hand; PennyLane 0.45.1 gives 1.2 too)
    assert np.isclose(qml.grad(one)(pnp.array(0.3, requires_grad=True)), 1.2, atol=1e-12)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def two(m, t):
        qml.RY(t, wires=0)
        qml.BlockEncode(m, wires=[0, 1])
        return qml.expval(qml.Z(0))

    # with another trainable argument: both differentiated (was a refusal until stop 63),
    # against central differences of the values, entry by entry
    m = pnp.array([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
    t = pnp.array(0.5, requires_grad=True)
    h = 1e-6
    fd_t = (two(m, t + h) - two(m, t - h)) / (2 * h)
    fd_m = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            e = np.zeros((2, 2))
            e[i, j] = h
            fd_m[i, j] = (two(m + e, t) - two(m - e, t)) / (2 * h)
    for gm, gt in (qml.grad(two)(m, t), qml.jacobian(two)(m, t)):
        assert np.allclose(gm, fd_m, atol=1e-7) and np.isclose(gt, fd_t, atol=1e-7)
    assert np.isclose(qml.grad(two, argnum=1)(m, t), fd_t, atol=1e-7)


def test_a_gate_on_no_wires_has_a_one_by_one_matrix():
    t = 0.3
    phase = np.exp(-1j * t)  # GlobalPhase(t) = exp(-i t) times the identity
    g = qml.GlobalPhase(t)
    assert g.matrix().shape == (1, 1) and np.isclose(g.matrix()[0, 0], phase)
    assert np.allclose(g.matrix(wire_order=[0, 1]), phase * np.eye(4))
    assert np.allclose(g.eigvals(), [phase])
    assert np.array_equal(qml.Identity().matrix(), [[1.0]])
    assert np.allclose(qml.Identity().matrix(wire_order=["a"]), np.eye(2))
    assert np.allclose((qml.Identity() + qml.Identity()).eigvals(), [2.0])
    # PauliRot of an identity word decomposes into a GlobalPhase on no wires
    qml.ops.functions.assert_valid(qml.PauliRot(0.5, "III", wires=[0, 1, 2]))
    assert np.allclose(qml.matrix(qml.PauliRot(0.5, "II", wires=[0, 1])), np.exp(-0.25j) * np.eye(4))


def test_sprod_data_keeps_a_0d_tensors_requires_grad():
    c = pnp.array(2.2, requires_grad=True)
    s = qml.s_prod(c, qml.X(0) @ qml.Z(1))
    assert s.data[0] is c and s.scalar == 2.2
    assert np.allclose(s.matrix(), 2.2 * np.kron(X, Z))
    s.data = (pnp.array(0.5, requires_grad=False),)
    assert s.data[0].requires_grad is False and np.allclose(s.matrix(), 0.5 * np.kron(X, Z))
    s.data = (0.25,)
    assert s.data == (0.25,) and np.allclose(s.matrix(), 0.25 * np.kron(X, Z))
    assert qml.s_prod(np.array(3.0), qml.Y(0)).data[0] == 3.0  # a plain 0-d array: its number


def test_broadcast_complex_states_are_prepared_row_by_row():
    dev = qml.device("default.qubit", wires=2)
    states = np.array([[0.6, 0.8j, 0, 0],
                       [0, 0, 1j / np.sqrt(2), 1 / np.sqrt(2)],
                       [0.5, -0.5, 0.5j, 0.5]])

    @qml.qnode(dev)
    def prepared(s):
        qml.StatePrep(s, wires=[0, 1])
        return qml.state()

    out = prepared(states)
    assert out.shape == (3, 4)
    assert np.allclose(out, states)  # the amplitudes themselves, global phase included

    @qml.qnode(dev)
    def embedded():
        qml.AmplitudeEmbedding(np.array([[1, 1j], [1, -1]]), wires=[1], normalize=True)
        qml.Hadamard(1)
        return qml.probs(wires=1)

    # H (|0> + i|1>)/sqrt2 has |amplitudes|^2 1/2, 1/2; H (|0> - |1>)/sqrt2 = |1>
    assert np.allclose(embedded(), [[0.5, 0.5], [0.0, 1.0]])



@pytest.mark.parametrize("op, coeffs, names", [
    (qml.prod(qml.Hadamard(0), qml.s_prod(4, qml.X(1)), qml.s_prod(2, qml.X(2))), [8], [["PauliX", "PauliX", "Hadamard"]]),
    (qml.prod(qml.Hadamard(0), qml.X(1), qml.Identity(2)), [1], [["PauliX", "Hadamard"]]),
    (qml.prod(qml.Hadamard(0), qml.s_prod(4, qml.Y(1)), qml.sum(qml.X(2), qml.X(3))), [4, 4],
     [["PauliX", "PauliY", "Hadamard"]] * 2),
    (qml.prod(qml.X(0), qml.s_prod(2, qml.Y(0)), qml.Hadamard(1)), [2j], [["PauliZ", "Hadamard"]]),  # X Y = iZ
    (qml.sum(qml.s_prod(2, qml.Hadamard(1)), qml.Hadamard(1), 0.0 * qml.Identity(0), qml.RX(0.2, 0)), [3, 1],
     [["Hadamard"], ["RX"]]),
])
def test_terms_of_operators_without_a_pauli_rep_keep_their_structure(op, coeffs, names):
    c, ops = op.terms()
    assert np.allclose(c, coeffs)
    assert [[f.name for f in getattr(o, "operands", [o])] for o in ops] == names
    wires = list(op.wires)
    total = sum(ci * qml.matrix(o, wire_order=wires) for ci, o in zip(c, ops))
    assert np.allclose(total, qml.matrix(op, wire_order=wires))  # the same operator


def test_terms_with_a_pauli_rep_are_the_merged_words():
    c, ops = (qml.X(0) @ qml.Y(0) + 2 * qml.Z(0)).terms()
    assert np.allclose(c, [1j + 2]) and ops == [qml.Z(0)]


def test_arithmetic_depth_and_has_matrix_follow_the_operands():
    inner = qml.prod(qml.RZ(1.32, wires=0), qml.I(0))
    nested = qml.prod(qml.prod(inner, qml.RX(1.9, wires=1)), qml.X(0))
    assert (inner.arithmetic_depth, nested.arithmetic_depth) == (1, 3)
    assert qml.ops.Prod(qml.RZ(1.3, 0), qml.X(0), qml.RX(1.9, 1)).arithmetic_depth == 1
    assert qml.sum(qml.sum(qml.X(0), qml.Y(0)), qml.Z(1)).arithmetic_depth == 2

    class NoMatrix(qml.RX):
        has_matrix = False

    assert qml.prod(qml.X(0), NoMatrix(0.2, wires="a")).has_matrix is False
    assert qml.sum(qml.Hamiltonian([0.5], [qml.X(1)]), NoMatrix(0.2, wires=0)).has_matrix is False
    assert qml.prod(qml.Hamiltonian([0.5], [qml.X(1)]), qml.RZ(0.2, wires=5)).has_matrix is True


def test_sum_of_operators_without_a_pauli_form_simplifies_by_grouping():
    s = qml.sum(-0.9 * qml.RX(1, 0), qml.RX(1, 0), qml.RY(2, 1))
    out = s.simplify()  # -0.9 RX + RX = 0.1 RX
    assert np.allclose(qml.matrix(out, wire_order=[0, 1]), qml.matrix(s, wire_order=[0, 1]))
    c, ops = out.terms()
    assert np.allclose(sorted(np.real(c)), [0.1, 1.0]) and sorted(o.name for o in ops) == ["RX", "RY"]
    assert out.simplify(cutoff=0.2) == qml.RY(2, 1)  # 0.1 RX(1) dropped below the cutoff
    dropped = qml.sum(-0.9 * qml.RX(1, 0), qml.RX(1, 0)).simplify(cutoff=0.1)
    assert np.allclose(qml.matrix(dropped), np.zeros((2, 2)))


def test_sum_with_an_operand_without_a_pauli_form_simplifies_after_its_hash():
    """Z(1) + S(0) once hashed (its terms computed) has a Pauli form while S alone has
    none: simplify() looped between Sum.simplify and the structural simplification
    (NestingError). By hand: the matrix on wires [0, 1] is S (x) I + I (x) Z."""
    S = np.diag([1.0, 1j])
    want = np.kron(S, np.eye(2)) + np.kron(np.eye(2), Z)
    for touch in (hash, lambda op: op.terms(), lambda op: None):
        s = qml.Z(1) + qml.S(0)
        touch(s)
        assert np.allclose(qml.matrix(s.simplify(), wire_order=[0, 1]), want)
    # the product that found it: a scalar times that sum, hashed inside Prod.simplify
    p = qml.prod(qml.RX(0.3, 0), qml.s_prod(-0.5, qml.sum(qml.Z(2), qml.S(0), qml.S(1))))
    rx = _rx(0.3)
    inner = (np.kron(np.kron(np.eye(2), np.eye(2)), Z) + np.kron(np.kron(S, np.eye(2)), np.eye(2))
             + np.kron(np.kron(np.eye(2), S), np.eye(2)))
    want3 = np.kron(np.kron(rx, np.eye(2)), np.eye(2)) @ (-0.5 * inner)
    assert np.allclose(qml.matrix(p, wire_order=[0, 1, 2]), want3)
    assert np.allclose(qml.matrix(p.simplify(), wire_order=[0, 1, 2]), want3)


def test_basis_state_data_is_an_integer_array():
    for given in (np.array([1.0, 0.0]), [1, 0], 2, (1, 0)):
        (bits,) = qml.BasisState(given, wires=[0, 1]).data
        assert bits.dtype == np.int64 and bits.tolist() == [1, 0]
    ints = np.array([0, 1])
    op = qml.BasisState(ints, wires=[0, 1])
    assert op.data[0] is ints and op.data[0] is op.data[0]  # an integer array as given

    @qml.qnode(qml.device("default.qubit", wires=2))
    def probs(s):
        qml.BasisState(s, wires=[0, 1])
        return qml.probs()

    assert np.allclose(probs(np.array([1, 0])), [0, 0, 1, 0])
    assert np.allclose(probs(np.array([0.0, 1.0])), [0, 1, 0, 0])


def test_template_hash_and_barrier_in_products():
    assert qml.QFT(wires=[0, 1]).hash == qml.QFT(wires=[0, 1]).hash != qml.QFT(wires=[1, 0]).hash
    a, b = (qml.AngleEmbedding([0.1, x], wires=[0, 1]) for x in (0.2, 0.3))
    assert a.hash != b.hash and a.hash == qml.AngleEmbedding([0.1, 0.2], wires=[0, 1]).hash
    barrier = qml.Barrier((0, 1, 2), only_visual=True)
    assert qml.equal(barrier._controlled("a"), barrier)
    # a barrier stops the grouping of S S = Z; an only-visual one does not
    kept = qml.prod(qml.S(0), qml.Barrier(0), qml.S(0)).simplify()
    assert [o.name for o in kept.operands] == ["S", "Barrier", "S"]
    assert qml.prod(qml.S(0), qml.Barrier(0, only_visual=True), qml.S(0)).simplify() == qml.Z(0)
