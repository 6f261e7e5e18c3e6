"""PennyLane's operator base-class semantics (qsym issue #18): operators of your own
(``qml.operation.Operator`` subclasses), ``Pow``, ``Exp`` and ``SProd``. Every expected value
is written by hand (matrices of Pauli rotations, eigenvalue differences), not read from the
code under test."""

import numpy as np
import pytest

import qsym as qml
from qsym.exceptions import ParameterFrequenciesUndefinedError
from qsym.operation import _UNSET_BATCH_SIZE

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)
I2 = np.eye(2, dtype=complex)


def rot(P, t):
    """exp(-i t P / 2) of a Pauli matrix P, written out."""
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * P


# --- operators of your own ------------------------------------------------------------------
class Mixed(qml.operation.Operator):
    num_wires = 1
    ndim_params = (0, 2)


@pytest.mark.parametrize("params, size", [
    ((0.3, [[0.3, 1.2]]), None),
    (([0.3] * 3, [[[0.3, 1.2]]] * 3), 3),
    ((0.3, [[[0.3, 1.2]]] * 2), 2),
    (([0.3], [[0.3, 1.2]]), 1),
])
def test_batch_size_of_your_operator_from_its_ndim_params(params, size):
    op = Mixed(*params, wires=0)
    assert op._batch_size is _UNSET_BATCH_SIZE  # worked out when asked
    assert op.batch_size == size
    # brute force: a parameter with one dimension more than declared is broadcast
    extra = [np.ndim(p) - d for p, d in zip(params, (0, 2))]
    assert op.batch_size == (None if not any(extra) else
                             next(np.shape(p)[0] for p, e in zip(params, extra) if e))


def test_wrong_dimensions_and_mismatched_batches_are_value_errors():
    with pytest.raises(ValueError, match=r"wrong number\(s\) of dimensions"):
        _ = Mixed([[[0.5]]], 0.1, wires=0).batch_size
    with pytest.raises(ValueError, match="Broadcasting was attempted"):
        _ = Mixed([0.3] * 4, [[[0.3, 1.2]]] * 3, wires=0).batch_size


def test_construction_checks_and_messages():
    class One(qml.operation.Operator):
        num_wires = 1
        num_params = 1

    with pytest.raises(ValueError, match="wrong number of parameters"):
        One(0.1, 0.2, wires=0)
    with pytest.raises(ValueError, match="wrong number of wires"):
        One(0.1, wires=[0, 1])
    with pytest.raises(ValueError, match="Must specify the wires"):
        One(0.1)
    op = One([1, 2], wires="a")  # a list parameter becomes an array (PennyLane's)
    assert isinstance(op.data[0], np.ndarray) and op.wires == qml.wires.Wires("a")
    op.name = "Renamed"
    assert op.name == "Renamed"
    assert op.hyperparameters == {}
    assert qml.operation.Operator.num_wires is None


def test_representations_of_your_operator_raise_pennylanes_errors():
    class Bare(qml.operation.Operator):
        num_wires = 1

    op = Bare(wires=0)
    for call, error in [(Bare.compute_matrix, qml.operation.MatrixUndefinedError),
                        (op.matrix, qml.operation.MatrixUndefinedError),
                        (op.sparse_matrix, qml.operation.SparseMatrixUndefinedError),
                        (op.eigvals, qml.operation.EigvalsUndefinedError),
                        (op.adjoint, qml.operation.AdjointUndefinedError),
                        (op.diagonalizing_gates, qml.operation.DiagGatesUndefinedError)]:
        with pytest.raises(error):
            call()


def test_controlled_paulis_share_their_targets_diagonalizing_gates():
    """PennyLane's Controlled.diagonalizing_gates: a controlled Pauli or Hadamard is
    |0><0| (x) I + |1><1| (x) B, diagonal in B's eigenbasis on the target; the gates are
    the target's, and they diagonalize the hand-written matrices of CNOT and CY (the gate
    matrix conjugated by them is diagonal). A controlled rotation or SWAP has none."""
    X = np.array([[0, 1], [1, 0]])
    Y = np.array([[0, -1j], [1j, 0]])
    P0, P1 = np.diag([1, 0]), np.diag([0, 1])
    for op, matrix in [(qml.CNOT([0, 1]), np.kron(P0, np.eye(2)) + np.kron(P1, X)),
                       (qml.CY([0, 1]), np.kron(P0, np.eye(2)) + np.kron(P1, Y))]:
        assert op.has_diagonalizing_gates
        gates = op.diagonalizing_gates()
        assert gates == op.base.diagonalizing_gates() and all(g.wires == op.wires[1:] for g in gates)
        u = np.eye(4)
        for g in gates:
            u = qml.matrix(g, wire_order=[0, 1]) @ u
        d = u @ matrix @ u.conj().T
        assert np.allclose(d, np.diag(np.diag(d)), atol=1e-12)
    assert qml.Toffoli(wires=[1, 2, 0]).diagonalizing_gates() == [qml.Hadamard(0)]
    assert qml.CZ([0, 1]).diagonalizing_gates() == [] and qml.CCZ([0, 1, 2]).has_diagonalizing_gates
    for op in (qml.CRX(0.1, [0, 1]), qml.CSWAP([0, 1, 2])):
        assert not op.has_diagonalizing_gates
        with pytest.raises(qml.operation.DiagGatesUndefinedError):
            op.diagonalizing_gates()


def test_has_decomposition_and_diagonalizing_gates_read_on_the_class():
    class Dec(qml.operation.Operator):
        num_wires = 1

        @staticmethod
        def compute_decomposition(x, wires=None):
            return [qml.RX(x, wires=wires)]

    class Diag(qml.operation.Operator):
        num_wires = 1

        @staticmethod
        def compute_diagonalizing_gates(wires=None):
            return []

    assert Dec.has_decomposition is True and Dec(0.2, wires=0).has_decomposition is True
    assert Diag.has_diagonalizing_gates is True and Dec.has_diagonalizing_gates is False
    assert qml.PauliZ.has_diagonalizing_gates is True and qml.RX.has_diagonalizing_gates is False


def test_parameter_frequencies_of_your_operation_from_its_generator():
    class Gen(qml.operation.Operation):
        num_wires = 1

        def generator(self):
            return -0.2 * qml.PauliX(wires=self.wires)

    class Three(qml.operation.Operation):
        num_wires = 1
        num_params = 3

    # eigenvalues of -0.2 X: -0.2 and 0.2, one difference: 0.4
    assert Gen(0.654, wires=0).parameter_frequencies == [(0.4,)]
    with pytest.raises(ParameterFrequenciesUndefinedError, match="Three does not have parameter"):
        _ = Three(0.1, 0.2, 0.3, wires=0).parameter_frequencies


# --- Pow --------------------------------------------------------------------------------------
def test_power_of_a_gate_without_a_pow_rule_is_its_matrix_power():
    p = qml.pow(qml.Rot(0.0, 0.8, 0.0, wires=0), 1.2)  # Rot(0, t, 0) = RY(t)
    assert p.name == "Rot**1.2" and not p.has_decomposition
    assert np.allclose(p.matrix(), rot(Y, 0.96))  # RY(t) ** z = RY(z t) for |t| < pi
    with pytest.raises(qml.operation.DecompositionUndefinedError):
        p.decomposition()


def test_a_circuit_refuses_a_power_it_has_no_gates_for():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def f(x):
        qml.pow(qml.Rot(x, 0.2, 0.3, wires=0), 1.2)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.operation.PowUndefinedError, match="is not applied in a circuit"):
        f(0.1)


def test_broadcast_exponents_and_angles_pair_up():
    t, z = np.array([0.1, 0.2, 0.3]), np.array([2.0, 3.0, 4.0])
    p = qml.pow(qml.RX(t, wires=0), z)
    assert p.batch_size == 3 and p.ndim_params == (0,)
    assert np.allclose(p.matrix(), np.stack([rot(X, a * b) for a, b in zip(t, z)]))
    assert qml.pow(qml.RX(0.5, wires=0), z).batch_size == 3
    mismatched = qml.pow(qml.RX(t, wires=0), np.array([1.0, 2.0]))  # made (PennyLane's)
    with pytest.raises(ValueError, match="Broadcasting was attempted"):
        _ = mismatched.batch_size  # ... and refused where its batch size is needed
    with pytest.raises(ValueError, match="Broadcasting was attempted"):
        _ = mismatched.table_gates  # (what a circuit applies)


def test_power_of_your_operator_without_a_matrix_has_none():
    class Bare(qml.operation.Operator):
        num_wires = 1

    assert qml.pow(Bare(wires=0), 2.0).has_matrix is False


# --- Exp --------------------------------------------------------------------------------------
def test_exp_broadcasts_its_coefficient_and_its_base():
    c = np.array([0.1, 0.2])
    E = qml.exp(qml.Z(0), c)
    assert E.batch_size == 2
    assert np.allclose(E.matrix(), [np.diag([np.exp(a), np.exp(-a)]) for a in c])
    t = np.array([0.3, 0.4])
    E = qml.exp(qml.RX(t, wires=0), -1j)  # exp(-i RX(t)) per batch element
    plus, minus = (I2 + X) / 2, (I2 - X) / 2  # RX(a) = e^{-ia/2} P+ + e^{ia/2} P-
    expected = [np.exp(-1j * np.exp(-0.5j * a)) * plus + np.exp(-1j * np.exp(0.5j * a)) * minus
                for a in t]
    assert np.allclose(E.matrix(), expected)
    with pytest.raises(ValueError, match="Broadcasting was attempted"):
        _ = qml.exp(qml.RX(t, wires=0), np.array([1.0, 2.0, 3.0])).batch_size


def test_exp_data_setter_and_sparse_matrix():
    E = qml.exp(qml.RX(0.1, wires=0), 2.0)
    E.data = (3.0, 0.2)
    assert E.coeff == 3.0 and E.base.data == (0.2,)
    pytest.importorskip("scipy")
    S = qml.exp(qml.Z(0), 1.0).sparse_matrix(format="lil")
    assert S.format == "lil" and np.allclose(S.toarray(), np.diag([np.e, 1 / np.e]))
    with pytest.raises(NotImplementedError):
        qml.exp(qml.Z(0), 1.0).sparse_matrix(wire_order=[0, 1])


@pytest.mark.parametrize("name", ["FermionicSWAP", "SingleExcitationMinus", "IsingXX", "CRX"])
def test_an_evolution_by_a_generator_is_its_gate_on_any_wires(name):
    op = getattr(qml, name)(1.23, wires=["a", "b"])
    gen = op.generator()
    assert list(gen.wires) == ["a", "b"]  # the identity term on the gate's wires too
    (g,) = qml.evolve(gen, coeff=-1.23).decomposition()
    qml.assert_equal(g, op)


# --- SProd and arithmetic ---------------------------------------------------------------------
def test_sprod_data_setter_remakes_it():
    S = qml.s_prod(9.0, qml.RX(0.1, wires=0))
    S.data = (2.0, 0.5)
    assert S.scalar == 2.0 and S.base.data == (0.5,)
    assert np.allclose(S.matrix(), 2.0 * rot(X, 0.5))
    T = qml.s_prod(0.1, qml.X(0))
    T.data = (0.2,)
    assert np.allclose(T.matrix(), 0.2 * X)
    D = qml.s_prod(0.1, qml.X(0) + qml.RX(0.2, wires=0))
    D.data = (0.3, 0.4)
    assert np.allclose(D.matrix(), 0.3 * (X + rot(X, 0.4)))


def test_sprod_of_a_unit_scalar_decomposes_into_a_global_phase():
    S = qml.s_prod(1j, qml.X(0))
    assert S.has_decomposition and not qml.s_prod(2, qml.X(0)).has_decomposition
    assert np.allclose(qml.matrix(S.decomposition, wire_order=[0])(), 1j * X)
    with pytest.raises(qml.operation.DecompositionUndefinedError):
        qml.s_prod(2, qml.X(0)).decomposition()
    (P,) = qml.s_prod(3, qml.RX(0.5, wires=0)).pow(2)
    assert np.allclose(P.matrix(), 9 * rot(X, 1.0))


def test_arithmetic_with_numbers_and_unknown_objects():
    assert np.allclose((qml.X(1) - 1.1).matrix(), X - 1.1 * I2)
    assert np.allclose((-(5 - qml.X(0))).matrix(), X - 5 * I2)
    with pytest.raises(TypeError):
        _ = "dummy" * qml.X(0)
    with pytest.raises(TypeError, match="unsupported operand"):
        _ = qml.X(0) / object()
    with pytest.raises(TypeError, match="unsupported operand"):
        _ = qml.X(0) - "foo"


def test_adjoint_simplify_is_the_simplified_bases_adjoint():
    qml.assert_equal(qml.adjoint(qml.adjoint(qml.X(0))).simplify(), qml.X(0))
    three = qml.adjoint(qml.adjoint(qml.adjoint(qml.RZ(1.32, wires=0)))).simplify()
    assert three.name == "RZ" and np.isclose(three.data[0], 4 * np.pi - 1.32)
    assert np.allclose(three.matrix(), np.diag([np.exp(0.66j), np.exp(-0.66j)]))
    kept = qml.adjoint(qml.T(0)).simplify()  # PennyLane's T has no adjoint(): kept
    assert isinstance(kept, qml.ops.op_math.Adjoint) and kept.base.name == "T"
    E = qml.exp(qml.adjoint(qml.adjoint(qml.X(0))), 0.2).simplify()
    qml.assert_equal(E.base, qml.X(0))


def test_broadcast_parameter_data_is_one_array_object():
    """PennyLane's ``op.data`` holds a broadcast parameter's array: reading it twice gives
    the same object (so ``op.data == op.data`` compares by identity, as tuples do), a new one
    once the parameter is set again."""
    op = qml.RX([0.123, 4.56], wires=0)
    first = op.data[0]
    assert op.data[0] is first and op.data == op.data
    np.testing.assert_allclose(first, [0.123, 4.56])
    cond = qml.ops.Conditional(qml.measure(0), op)
    assert cond.data == op.data
    op.data = (np.array([0.5, 0.25]),)
    np.testing.assert_allclose(op.data[0], [0.5, 0.25])


def test_hermitian_and_projectors_declare_their_diagonalizing_gates():
    """PennyLane's Hermitian and Projector have ``has_diagonalizing_gates`` (it was
    missing: AttributeError); their gates diagonalize the hand-written matrices."""
    cases = [(qml.Hermitian(np.array([[1.0, 2.0], [2.0, 4.0]]), wires=0),
              np.array([[1.0, 2.0], [2.0, 4.0]])),
             (qml.Projector([1], wires=0), np.diag([0.0, 1.0])),
             (qml.Projector(np.array([1.0, 1.0]) / np.sqrt(2), wires=0),
              np.full((2, 2), 0.5))]
    for op, m in cases:
        assert op.has_diagonalizing_gates is True
        u = np.eye(2)
        for g in op.diagonalizing_gates():
            u = qml.matrix(g, wire_order=[0]) @ u
        d = u @ m @ u.conj().T
        assert np.allclose(d, np.diag(np.diag(d)), atol=1e-12)
