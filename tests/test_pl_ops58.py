"""PennyLane 0.45.1's operator-level semantics met in its own test files (issue #18, stop 58).

Expected values are PennyLane 0.45.1's, computed in /work/plvenv (noted where so), or
matrices and values derived by hand.
"""

import numpy as onp
import pytest

import qsym as qml


# --- Exp: a scalar of the base moves into the coefficient before the generator search ----
@pytest.mark.parametrize("make, expected", [
    # PennyLane 0.45.1 (/work/plvenv): Exp(1j * Z(0) @ Z(1)).decomposition() is
    # [IsingZZ(-2.0, wires=[0, 1])]; exp(1j * 0.5 Z(0) @ Z(1)) is IsingZZ(-1.0)
    (lambda: qml.exp(1j * qml.Z(0) @ qml.Z(1)), qml.IsingZZ(-2.0, wires=[0, 1])),
    (lambda: qml.exp(qml.s_prod(0.5j, qml.Z(0) @ qml.Z(1))), qml.IsingZZ(-1.0, wires=[0, 1])),
    (lambda: qml.exp(qml.s_prod(2j, qml.X(0) @ qml.X(1)), 0.25), qml.IsingXX(-1.0, wires=[0, 1])),
])
def test_exp_imaginary_scalar_in_the_base(make, expected):
    op = make()
    [d] = op.decomposition()
    qml.assert_equal(d, expected)
    # by hand: IsingZZ(phi) = exp(-i phi/2 ZZ), so phi = -2 is exp(i ZZ), the Exp's matrix
    assert onp.allclose(d.matrix(), op.matrix())


# --- the table's controlled gates have PennyLane's ControlledOp attributes ----------------
# PennyLane 0.45.1 (/work/plvenv): control_values, work_wires, work_wire_type of each
@pytest.mark.parametrize("make, values", [
    (lambda: qml.CNOT([0, 1]), [True]), (lambda: qml.CZ([0, 1]), [True]),
    (lambda: qml.CY([0, 1]), [True]), (lambda: qml.CH([0, 1]), [True]),
    (lambda: qml.CSWAP([0, 1, 2]), [True]), (lambda: qml.Toffoli([0, 1, 2]), [True, True]),
    (lambda: qml.CCZ([0, 1, 2]), [True, True]), (lambda: qml.CRX(0.1, [0, 1]), [True]),
    (lambda: qml.CRY(0.1, [0, 1]), [True]), (lambda: qml.CRZ(0.1, [0, 1]), [True]),
    (lambda: qml.CRot(0.1, 0.2, 0.3, [0, 1]), [True]),
    (lambda: qml.ControlledPhaseShift(0.1, [0, 1]), [True]),
    # qml.ctrl's work wires are dropped where it writes a gate of its own (PennyLane's CRX)
    (lambda: qml.ctrl(qml.RX(0.1, 0), 1, work_wires=[3]), [True]),
])
def test_table_controlled_gates_control_values(make, values):
    op = make()
    assert op.control_values == values
    assert op.work_wires == qml.wires.Wires([]) and op.work_wire_type == "borrowed"
    assert op.hyperparameters["control_values"] == values


def test_other_table_gates_have_no_control_values():
    # PennyLane 0.45.1: CPhaseShift01's is "0", CPhaseShift10 and RX have none
    assert qml.CPhaseShift01(0.1, [0, 1]).control_values == "0"
    for op in (qml.CPhaseShift10(0.1, [0, 1]), qml.RX(0.1, 0)):
        with pytest.raises(AttributeError):
            _ = op.control_values


# --- compile without a basis set stops at PennyLane's ALL_OPS: a Barrier stays ------------
def test_compile_keeps_a_barrier_until_remove_barrier():
    t = qml.tape.QuantumScript(
        [qml.StatePrep(onp.array([0, 1, 0, 0.]), [0, 1]), qml.H(0), qml.Barrier(0), qml.H(0),
         qml.RX(0.2, 1), qml.Barrier(1, only_visual=True), qml.RX(0.3, 1), qml.QFT([0, 1])],
        [qml.expval(qml.Z(0))])
    names = lambda **kw: [op.name for op in qml.transforms.compile(t, **kw)[0][0].operations]
    # PennyLane 0.45.1 (/work/plvenv), the same tape: the Barrier keeps H, H from cancelling
    # (removed last); the only_visual one decomposes to nothing, so RX, RX merge
    assert names() == ["StatePrep", "Hadamard", "RX", "ControlledPhaseShift", "Hadamard", "SWAP"]
    assert names(pipeline=[]) == ["StatePrep", "Hadamard", "Barrier", "Hadamard", "RX", "RX",
                                  "Hadamard", "ControlledPhaseShift", "Hadamard", "SWAP"]


def test_specs_of_a_compiled_qnode_with_a_barrier():
    # PennyLane's tests/ops/test_meta.py::TestBarrier::test_use_barrier (its numbers)
    def qfunc():
        qml.Hadamard(wires=0)
        qml.Barrier(wires=0)
        qml.Hadamard(wires=0)
        return qml.expval(qml.PauliZ(0))

    dev = qml.device("default.qubit", wires=3)
    assert qml.specs(qml.QNode(qfunc, dev))()["resources"].gate_sizes[1] == 3
    assert qml.specs(qml.QNode(qml.compile(qfunc), dev))()["resources"].gate_sizes[1] == 2


def test_specs_at_a_marker_level():
    # PennyLane's tests/resource/test_specs.py::test_custom_level (its expected resources)
    @qml.transforms.merge_rotations
    @qml.marker("my_level")
    @qml.transforms.cancel_inverses
    @qml.qnode(qml.device("null.qubit"))
    def c():
        qml.RX(0.2, 0)
        qml.X(0)
        qml.X(0)
        qml.RX(0.2, 0)
        return qml.state()

    info = qml.specs(c, level="my_level")()
    assert info.level == "my_level"  # PennyLane 0.45.1 prints "Level: my_level"
    assert info["resources"] == qml.resource.SpecsResources(
        num_allocs=1, gate_types={"RX": 2}, gate_sizes={1: 2},
        measurements={"state(all wires)": 1}, depth=2)
    assert qml.specs(c)()["resources"].gate_types == {"RX": 1}  # merged after the marker


def test_global_phase_diagonalizing_gates():
    # PennyLane 0.45.1: GlobalPhase is diagonal (e^{-i phi} I): no diagonalizing gates needed
    assert qml.GlobalPhase.compute_diagonalizing_gates(0.123, wires=1) == []
    g = qml.GlobalPhase(0.1, wires=[0, 1])
    assert g.has_diagonalizing_gates and g.diagonalizing_gates() == []
    # by hand: its matrix is diag(eigvals) in the computational basis
    assert onp.allclose(g.matrix(), onp.diag(g.eigvals()))
    assert onp.allclose(g.eigvals(), onp.exp(-0.1j))
    with pytest.raises(qml.operation.DiagGatesUndefinedError):  # RX is not diagonal
        qml.RX.compute_diagonalizing_gates(0.1, wires=0)


# --- sparse matrices on many wires without a dense one -----------------------------------
def _kron_reference(m, k, n):
    """By hand: the matrix of the first k wires of n, identity on the rest (np.kron)."""
    return onp.kron(m, onp.eye(2 ** (n - k)))


def test_sparse_matrix_on_a_wire_order_is_the_dense_one():
    order = [4, 3, 2, 1, 0, 5, 6, 7]
    for op in (qml.CRX(0.3, [2, 0]), qml.Toffoli([3, 1, 0]), qml.GlobalPhase(0.2),
               qml.Projector([0, 1], wires=[2, 0]), qml.Hermitian(onp.diag([1.0, -2.0]), 7),
               qml.prod(qml.Toffoli([0, 1, 2]), qml.Projector([0], wires=3)),
               qml.MultiControlledX(wires=[0, 1, 2]) @ qml.Projector([0, 0], wires=[3, 4])):
        assert onp.allclose(op.sparse_matrix(wire_order=order).toarray(),
                            op.matrix(wire_order=order))
    # by hand: Toffoli on the first three of 9 wires is kron(Toffoli, I_64)
    tof = onp.eye(8)
    tof[6:, 6:] = [[0, 1], [1, 0]]
    got = qml.Toffoli([0, 1, 2]).sparse_matrix(wire_order=list(range(9)))
    assert got.nnz == 8 * 64 and onp.array_equal(got.toarray(), _kron_reference(tof, 3, 9))
    # a wire missing from wire_order: PennyLane's ValueError
    with pytest.raises(ValueError):
        qml.Projector([0, 1], wires=[2, 0]).sparse_matrix(wire_order=[0, 1])


def test_sparse_matrix_on_sixteen_wires_makes_no_dense_one():
    # 8 * 2**13 entries stored; the dense matrix would have 2**32 (64 GB)
    big = qml.Toffoli([5, 0, 9]).sparse_matrix(wire_order=list(range(16)))
    assert big.shape == (2**16, 2**16) and big.nnz == 8 * 2**13
    p = qml.prod(qml.Toffoli([0, 1, 2]), qml.Projector([0], wires=3))
    assert p.sparse_matrix(wire_order=list(range(16))).nnz == 8 * 2**12


def test_dense_expansion_onto_many_wires_by_hand():
    # a 2-wire matrix on wires [1, 0] of 9: kron(swap-conjugated m, I) by hand
    rng = onp.random.default_rng(7)
    m = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    swap = onp.eye(4)[[0, 2, 1, 3]]
    want = _kron_reference(swap @ m @ swap, 2, 9)
    assert onp.array_equal(qml.math.expand_matrix(m, [1, 0], list(range(9))), want)
    # a template on 3 wires of 10: its own matrix times the identity (PennyLane's
    # tests/ops/op_math/test_controlled_decompositions.py TestMCXDecomposition has 13)
    op = qml.TemporaryAND([0, 1, 2])
    assert onp.allclose(op.matrix(wire_order=list(range(10))),
                        _kron_reference(op.matrix(), 3, 10))


def test_adjoint_of_a_hermitian_scalar_multiple_keeps_its_numbers():
    # (0.5 H)^dagger = 0.5 H, by hand: eigenvalues +-0.5, entries 0.5/sqrt(2); PennyLane
    # 0.45.1's Adjoint(0.5 * H(0)) has data (0.5,). qsym's copy named Adjoint hid SProd's own
    # base behind Adjoint.base: eigenvalues +-0.25, the sparse matrix and terms halved
    a = qml.adjoint(qml.s_prod(0.5, qml.Hadamard(0)))
    h = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    assert onp.allclose(a.matrix(), 0.5 * h)
    assert onp.allclose(a.sparse_matrix().toarray(), 0.5 * h)
    assert onp.allclose(sorted(a.eigvals()), [-0.5, 0.5])
    assert a.data == (0.5,)
    coeffs, ops = a.terms()
    assert coeffs == [0.5] and ops == [qml.Hadamard(0)]
    assert onp.allclose(qml.simplify(a).matrix(), 0.5 * h)


def test_ops_all_is_pennylanes_and_a_product_decomposes_in_its_graph():
    # PennyLane 0.45.1's qml.ops.__all__ leaves out Prod, Sum, SProd, Adjoint, Controlled,
    # Exp, Operation, ... and names measure and pauli_measure
    names = set(qml.ops.__all__)
    assert {"measure", "pauli_measure", "RX", "StatePrep", "CNOT"} <= names
    assert not names & {"Prod", "Sum", "SProd", "Adjoint", "Controlled", "Exp", "Operation"}
    # PennyLane's tests/ops/op_math/test_prod.py::TestDecomposition::test_integration
    op = qml.S(0) @ qml.S(1) @ qml.T(0) @ qml.Y(1)
    solution = qml.decomposition.DecompositionGraph([op], gate_set=names).solve()
    with qml.queuing.AnnotatedQueue() as q:
        solution.decomposition(op)(**op.hyperparameters)
    assert q.queue == list(op[::-1])
