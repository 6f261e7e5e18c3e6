"""PennyLane's observable classes beyond Pauli words: ``Hermitian``'s cached
eigendecomposition, its diagonalizing gates and Pauli decomposition, the projectors'
matrices, powers, diagonalizing gates (a Householder reflection for a state vector) and
checks in PennyLane's words, the static diagonalizing gates of the one-wire observables.
Reference matrices are written out here."""

import pickle

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.ops.qubit.observables import BasisStateProjector, StateVectorProjector
from qsym.errors import MeasurementError, PowUndefinedError

X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0 + 0j, -1.0])
H = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)


@pytest.fixture(autouse=True)
def fresh_cache():
    qml.Hermitian._eigs = {}
    yield
    qml.Hermitian._eigs = {}


def test_hermitian_eigendecomposition_is_computed_once_per_matrix():
    A = onp.array([[2.0, 1j], [-1j, 2.0]])   # eigenvalues 1 and 3
    d = qml.Hermitian(A, wires=0).eigendecomposition
    assert onp.allclose(d["eigval"], [1.0, 3.0])
    V = d["eigvec"]
    assert onp.allclose(V.conj().T @ A @ V, onp.diag([1.0, 3.0]))
    assert qml.Hermitian(A, wires=1).eigendecomposition is d   # the same cached entry
    qml.Hermitian(X, wires=0).eigvals()
    assert len(qml.Hermitian._eigs) == 2 and tuple(A.flatten().tolist()) in qml.Hermitian._eigs


def test_hermitian_diagonalizing_gate_takes_its_eigenbasis_to_the_computational_one():
    A = onp.kron(Y, H)
    [g] = qml.Hermitian(A, wires=["a", "b"]).diagonalizing_gates()
    U = g.matrix()
    assert g.name == "QubitUnitary" and list(g.wires) == ["a", "b"]
    assert onp.allclose(U @ A @ U.conj().T, onp.diag([-1.0, -1.0, 1.0, 1.0]))
    [s] = qml.Hermitian.compute_diagonalizing_gates(H, wires=[0])
    assert onp.allclose(s.matrix(), H.conj().T)


def test_hermitian_decomposition_is_its_pauli_sum_on_every_wire():
    A = onp.kron(onp.kron(X, onp.eye(2)), Z)
    [lc] = qml.Hermitian(A, wires=[0, 1, 2]).decomposition()
    assert onp.allclose(qml.matrix(lc, wire_order=[0, 1, 2]), A)
    [lc] = qml.Hermitian.compute_decomposition(H, wires="aux")
    assert onp.allclose(qml.matrix(lc), H)
    with pytest.warns(UserWarning, match="inefficient"):
        qml.Hermitian.compute_decomposition(onp.eye(2**8), wires=range(8))


def test_hermitian_checks_and_trainability_in_pennylanes_words():
    with pytest.raises(MeasurementError, match="must be a square matrix"):
        qml.Hermitian(H[1:], wires=0)
    with pytest.raises(MeasurementError, match="Expected input matrix to have shape 2x2"):
        qml.Hermitian(onp.eye(4), wires=[0])
    with pytest.raises(MeasurementError, match="wrong number of wires"):
        qml.Hermitian(onp.zeros((0, 0)), wires=[])
    with pytest.raises(MeasurementError, match="At least one wire"):
        qml.Hermitian.compute_decomposition(H, wires=[])
    a = np.eye(2, requires_grad=True)
    assert qml.Hermitian(a, 0).data[0] is a


@pytest.mark.parametrize("name, matrix, eig", [("PauliX", X, [1, -1]), ("PauliY", Y, [1, -1]),
                                               ("PauliZ", Z, [1, -1]), ("Hadamard", H, [1, -1]),
                                               ("Identity", onp.eye(2), [1, 1])])
def test_static_diagonalizing_gates_of_one_wire_observables(name, matrix, eig):
    gates = getattr(qml, name).compute_diagonalizing_gates(wires=1)
    U = onp.eye(2)
    for g in gates:
        assert list(g.wires) == [1]
        U = g.matrix() @ U
    assert onp.allclose(U @ matrix @ U.conj().T, onp.diag(eig))
    if name == "Hadamard":
        assert gates[0].name == "RY" and gates[0].parameters[0] == -onp.pi / 4


def test_basis_state_projector_matrices_powers_and_checks():
    p = qml.Projector([1, 0, 1], wires=[0, 1, 2])
    assert isinstance(p, BasisStateProjector)
    expected = onp.zeros((8, 8))
    expected[5, 5] = 1
    assert onp.allclose(BasisStateProjector.compute_matrix([1, 0, 1]), expected)
    assert onp.allclose(p.matrix(), expected)
    assert p.diagonalizing_gates() == []
    assert BasisStateProjector.compute_diagonalizing_gates([1], [0]) == []
    assert p.pow(0) == [] and qml.equal(p.pow(3)[0], p)
    with pytest.raises(PowUndefinedError):
        p.pow(0.5)
    assert list(p.map_wires({0: "a", 2: "c"}).wires) == ["a", 1, "c"]
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is BasisStateProjector and qml.equal(q, p)
    with pytest.raises(MeasurementError, match="only consist of 0s and 1s"):
        BasisStateProjector.compute_matrix([0, 2])
    with pytest.raises(MeasurementError, match="same length as the wires"):
        qml.Projector([1, 1, 0], wires=[0, 1])
    with pytest.raises(MeasurementError, match="must be one-dimensional"):
        qml.Projector(onp.zeros((2, 4), dtype=int), wires=range(4))


def test_state_vector_projector_is_diagonalized_by_a_reflection_onto_outcome_zero():
    psi = onp.array([1j, 0, 0, 1, 0, 0, 0, 0]) / onp.sqrt(2)
    p = qml.Projector(psi, wires=[0, 1, 2])
    assert isinstance(p, StateVectorProjector)
    P = onp.outer(psi, psi.conj())
    assert onp.allclose(StateVectorProjector.compute_matrix(psi), P)
    static = StateVectorProjector.compute_diagonalizing_gates(psi, [0, 1, 2])
    for [g] in (p.diagonalizing_gates(), static):
        u = g.matrix()
        assert onp.allclose(u.conj().T @ u, onp.eye(8))
        assert onp.allclose(u.conj().T @ P @ u, onp.diag(p.eigvals()))
    assert onp.allclose(p.eigvals(), [1, 0, 0, 0, 0, 0, 0, 0])


def test_probs_of_a_state_vector_projector_puts_the_overlap_first():
    phi = onp.array([0.6, 0.8j])

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def probs(x):
        qml.RY(x, wires=0)
        return qml.probs(op=qml.Projector(phi, wires=0))

    @qml.qnode(dev)
    def expval(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.Projector(phi, wires=0))

    x = 0.7
    state = onp.array([onp.cos(x / 2), onp.sin(x / 2)])
    overlap = abs(phi.conj() @ state) ** 2
    assert onp.allclose(probs(x), [overlap, 1 - overlap]) and onp.isclose(expval(x), overlap)


def test_matrix_observables_have_pennylanes_matrix_flags_and_sparse_matrices():
    import numpy as onp

    import qsym as qml

    herm = qml.Hermitian(onp.array([[1.0, 2j], [-2j, -1.0]]), wires="a")
    basis = qml.Projector([1, 0], wires=[0, 1])
    vector = qml.Projector(onp.array([0.6, 0.8]), wires=[2])
    assert (qml.Projector.has_matrix, qml.Projector.has_sparse_matrix) == (False, False)
    assert [(o.has_matrix, o.has_sparse_matrix) for o in (herm, basis, vector)] == [
        (True, True), (True, True), (True, False)]
    # |10><10| on wires [0, 1] read in the order [1, 0]: the basis state |01>, index 1
    assert onp.array_equal(basis.sparse_matrix(wire_order=[1, 0]).toarray().diagonal(),
                           [0, 1, 0, 0])
    for op in (herm, basis, vector):
        order = list(op.wires)[::-1] + ["z"]
        assert onp.allclose(op.sparse_matrix(wire_order=order).toarray(),
                            qml.matrix(op, wire_order=order))
