"""PennyLane's pattern-matching optimization and relative-phase rewrites
(qsym/_pattern_matching.py): the rewritten circuits against unitaries multiplied out by hand
(numpy, gate matrices written here), gate counts of rewrites known in closed form, and the
refusals."""

import numpy as np
import pytest

import qsym as qml
from qsym.errors import ArgumentError, QuantumFunctionError, TransformError

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Z = np.diag([1, -1]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
S = np.diag([1, 1j])
T = np.diag([1, np.exp(1j * np.pi / 4)])


def controlled(u, n_controls):
    """The matrix of ``u`` controlled by ``n_controls`` wires on 1 (controls first)."""
    dim = 2 ** n_controls * u.shape[0]
    out = np.eye(dim, dtype=complex)
    out[dim - u.shape[0]:, dim - u.shape[0]:] = u
    return out


def embed(m, wires, n):
    """``m`` acting on ``wires`` of ``n`` wires (wire 0 the most significant bit), entry by
    entry over the basis states."""
    k, full = len(wires), np.zeros((2**n, 2**n), dtype=complex)
    for col in range(2**n):
        bits = [(col >> (n - 1 - q)) & 1 for q in range(n)]
        sub = sum(bits[w] << (k - 1 - i) for i, w in enumerate(wires))
        for r in range(2**k):
            if m[r, sub] == 0:
                continue
            new = list(bits)
            for i, w in enumerate(wires):
                new[w] = (r >> (k - 1 - i)) & 1
            full[sum(b << (n - 1 - q) for q, b in enumerate(new)), col] += m[r, sub]
    return full


def product(gates, n):
    """The unitary of ``(matrix, wires)`` gates applied in order."""
    u = np.eye(2**n, dtype=complex)
    for m, wires in gates:
        u = embed(m, wires, n) @ u
    return u


CNOT = controlled(X, 1)
TOFFOLI = controlled(X, 2)

# a 5-wire circuit of PennyLane's documentation: its CNOT pattern removes one CNOT
CNOT_PATTERN_OPS = lambda: [qml.CNOT([1, 2]), qml.CNOT([0, 1]), qml.CNOT([1, 2]),  # noqa: E731
                            qml.CNOT([0, 1]), qml.CNOT([0, 2])]


def cnot_circuit_tape():
    ops = [qml.Toffoli([3, 4, 0]), qml.CNOT([1, 4]), qml.CNOT([2, 1]), qml.Hadamard(3),
           qml.Z(1), qml.CNOT([2, 3]), qml.Toffoli([2, 3, 0]), qml.CNOT([1, 4])]
    return qml.tape.QuantumScript(ops, [qml.expval(qml.X(0))])


CNOT_CIRCUIT_BY_HAND = [(TOFFOLI, [3, 4, 0]), (CNOT, [1, 4]), (CNOT, [2, 1]), (H, [3]),
                        (Z, [1]), (CNOT, [2, 3]), (TOFFOLI, [2, 3, 0]), (CNOT, [1, 4])]


def test_cnot_pattern_removes_a_cnot_and_keeps_the_unitary():
    tape = cnot_circuit_tape()
    pattern = qml.tape.QuantumScript(CNOT_PATTERN_OPS())
    [new], fn = qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern])
    names = [op.name for op in new.operations]
    assert names.count("CNOT") == 3 and len(names) == 7  # 3 CNOTs of the pattern become 2
    assert new.measurements == tape.measurements
    expected = product(CNOT_CIRCUIT_BY_HAND, 5)
    assert np.allclose(qml.matrix(new, wire_order=range(5)), expected)
    assert fn(["r"]) == "r"


def test_s_pattern_rewrites_to_pennylanes_gates_in_order():
    """PennyLane's documented example: S Z -> S^dagger, S S -> Z on two more wires."""
    ops = [qml.S(0), qml.Z(0), qml.S(1), qml.CZ([0, 1]), qml.S(1), qml.S(2), qml.CZ([1, 2]),
           qml.S(2)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.X(0))])
    pattern = qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)])
    [new], _ = qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern])
    assert new.operations == [qml.adjoint(qml.S(0)), qml.Z(1), qml.Z(2), qml.CZ([0, 1]),
                              qml.CZ([1, 2])]
    cz = controlled(Z, 1)
    by_hand = product([(S, [0]), (Z, [0]), (S, [1]), (cz, [0, 1]), (S, [1]), (S, [2]),
                       (cz, [1, 2]), (S, [2])], 3)
    assert np.allclose(qml.matrix(new, wire_order=[0, 1, 2]), by_hand)


def test_custom_cost_that_makes_z_cheaper_keeps_it():
    tape = qml.tape.QuantumScript([qml.S(0), qml.Z(0), qml.S(1), qml.S(1)])
    pattern = qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)])
    [new], _ = qml.transforms.pattern_matching_optimization(
        tape, pattern_tapes=[pattern], custom_quantum_cost={"PauliZ": -1, "S": 1})
    # S Z (cost 0) is not replaced by S^dagger (cost 1); S S (cost 2) becomes Z (cost -1),
    # placed first (the substituted groups, then the gates left alone: PennyLane's order)
    assert new.operations == [qml.Z(1), qml.S(0), qml.Z(0)]


def test_a_gate_without_cost_is_refused_with_the_fix():
    tape = qml.tape.QuantumScript([qml.S(0), qml.Z(0)])
    pattern = qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)])
    with pytest.raises(TransformError, match="custom_quantum_cost"):
        qml.transforms.pattern_matching_optimization(
            tape, pattern_tapes=[pattern], custom_quantum_cost={"S": 1})


def test_wire_labels_other_than_0_to_n_keep_gates_on_their_wires():
    """PennyLane 0.45 puts the S^dagger on wire 2 here (it maps pattern wires through the
    sorted labels); the rewrite must act on wire 1, where the S Z pair was."""
    tape = qml.tape.QuantumScript([qml.S(1), qml.Z(1), qml.X(2)])
    pattern = qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)])
    [new], _ = qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern])
    assert new.operations == [qml.adjoint(qml.S(1)), qml.X(2)]
    tape = qml.tape.QuantumScript([qml.S("b"), qml.Z("b"), qml.X("a")])
    [new], _ = qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern])
    assert new.operations == [qml.adjoint(qml.S("b")), qml.X("a")]


def test_qnode_with_a_trainable_gate_left_alone_keeps_its_gradient():
    pattern = qml.tape.QuantumScript(CNOT_PATTERN_OPS())

    @qml.transforms.pattern_matching_optimization(pattern_tapes=[pattern])
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT([0, 1])
        qml.CNOT([1, 2])
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(2))

    # CNOT(0,1) CNOT(1,2) CNOT(0,1) = CNOT(1,2) CNOT(0,2): <Z2> = cos(x) for |000>
    x = qml.numpy.array(0.4, requires_grad=True)
    ops = qml.workflow.construct_tape(circuit)(x).operations
    assert [op.name for op in ops].count("CNOT") == 2
    assert np.isclose(circuit(x), np.cos(0.4))
    assert np.isclose(qml.grad(circuit)(x), -np.sin(0.4))


@pytest.mark.parametrize("pattern, message", [
    (lambda: qml.CNOT([0, 1]), "not a valid quantum tape"),
    (lambda: qml.tape.QuantumScript([qml.CNOT([0, 1])]), "does not implement identity"),
    (lambda: qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)], [qml.expval(qml.Z(0))]),
     "contains measurements"),
    (lambda: qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.CNOT([0, 1]), qml.CNOT([0, 2]),
                                     qml.CNOT([0, 2])]), "less qubits"),
])
def test_invalid_patterns_are_refused(pattern, message):
    tape = qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.Z(1)])
    with pytest.raises(QuantumFunctionError, match=message):
        qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern()])


def test_a_pattern_equal_to_the_identity_up_to_a_phase_is_refused():
    pattern = qml.tape.QuantumScript([qml.X(0), qml.Z(0), qml.X(0), qml.Z(0)])  # = -I
    with pytest.raises(QuantumFunctionError, match="identity"):
        qml.transforms.pattern_matching_optimization(qml.tape.QuantumScript([qml.X(0)]),
                                                     pattern_tapes=[pattern])


def test_pattern_matching_lists_the_documented_maximal_matches():
    """PennyLane's documentation lists these matches of S S Z in this circuit."""
    circuit = qml.commutation_dag(qml.tape.QuantumScript(
        [qml.S(0), qml.Z(0), qml.S(1), qml.CZ([0, 1]), qml.S(1), qml.S(2), qml.CZ([1, 2]),
         qml.S(2)]))
    pattern = qml.commutation_dag(qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)]))
    matches = qml.pattern_matching(circuit, pattern)
    assert [m.match for m in matches] == [[[0, 0], [2, 1]], [[0, 2], [1, 4]], [[0, 4], [1, 2]],
                                          [[0, 5], [1, 7]], [[0, 7], [1, 5]]]
    assert matches[0].qubit == [[0]]


def test_module_paths_of_pennylane():
    from qsym.transforms.optimization.pattern_matching import (  # noqa: F401
        BackwardMatch, ForwardMatch, _update_qubits, pattern_matching)
    from qsym.transforms.optimization.relative_phases import match_controlled_iX_gate

    assert match_controlled_iX_gate is qml.transforms.match_controlled_iX_gate
    assert qml.transforms.optimization.pattern_matching_optimization is \
        qml.pattern_matching_optimization


def test_relative_phase_toffoli_becomes_its_clifford_t_circuit():
    ops = [qml.CCZ([0, 1, 3]), qml.ctrl(qml.S(1), control=[0]),
           qml.ctrl(qml.S(2), control=[0, 1]), qml.MultiControlledX([0, 1, 2, 3])]
    [new], _ = qml.transforms.match_relative_phase_toffoli(qml.tape.QuantumScript(ops))
    assert len(new.operations) == 18
    assert {op.name for op in new.operations} == {"Hadamard", "T", "Adjoint(T)", "CNOT"}
    by_hand = product([(controlled(Z, 2), [0, 1, 3]), (controlled(S, 1), [0, 1]),
                       (controlled(S, 2), [0, 1, 2]), (controlled(X, 3), [0, 1, 2, 3])], 4)
    assert np.allclose(qml.matrix(new, wire_order=range(4)), by_hand)


@pytest.mark.parametrize("n", [1, 2])
def test_controlled_ix_becomes_its_clifford_t_circuit(n):
    controls, target = list(range(n)), n + 1
    ops = [qml.ctrl(qml.S(n), control=controls), qml.MultiControlledX(list(range(n + 2)))]
    [new], _ = qml.transforms.match_controlled_iX_gate(qml.tape.QuantumScript(ops), n)
    assert len(new.operations) == 10
    assert [op.name for op in new.operations].count("T") == 2
    by_hand = product([(controlled(S, n), controls + [n]),
                       (controlled(X, n + 1), controls + [n, target])], n + 2)
    assert np.allclose(qml.matrix(new, wire_order=range(n + 2)), by_hand)


def test_controlled_ix_needs_a_control():
    tape = qml.tape.QuantumScript([qml.X(0)])
    with pytest.raises(ArgumentError, match="at least one control wire"):
        qml.transforms.match_controlled_iX_gate(tape, 0)
    with pytest.raises(ValueError):
        qml.transforms.match_controlled_iX_gate(tape, 0)


def test_dag_nodes_show_small_multicontrolled_x_as_pennylane_does():
    from qsym._commutation_dag import relabelled

    assert relabelled(qml.MultiControlledX(wires=[5, 7]), {5: 0, 7: 1}) == qml.CNOT([0, 1])
    assert relabelled(qml.MultiControlledX(wires=[0, 1, 2]), {}) == qml.Toffoli([0, 1, 2])
    kept = [qml.MultiControlledX(wires=[0, 1, 2], control_values=[0, 1]),
            qml.MultiControlledX(wires=[0, 1, 2], work_wires=[3]),
            qml.MultiControlledX(wires=[0, 1, 2, 3])]
    for op in kept:
        assert relabelled(op, {}).name == "MultiControlledX"


def test_forward_and_backward_match_of_the_papers_example():
    """Iten et al. (doi.org/10.1145/3498325), figures 4 to 6: the forward match of the
    example and its two maximal backward extensions."""
    from qsym.transforms.optimization.pattern_matching import (
        BackwardMatch, ForwardMatch, _update_qubits)

    circuit = qml.commutation_dag(qml.tape.QuantumScript([
        qml.CNOT([6, 7]), qml.CNOT([7, 5]), qml.CNOT([6, 7]), qml.Toffoli([7, 6, 5]),
        qml.CNOT([6, 7]), qml.CNOT([1, 4]), qml.CNOT([6, 3]), qml.CNOT([3, 4]), qml.CNOT([4, 5]),
        qml.CNOT([0, 5]), qml.Z(3), qml.X(4), qml.CNOT([4, 3]), qml.CNOT([3, 1]), qml.X(4),
        qml.CNOT([1, 2]), qml.CNOT([3, 1]), qml.CNOT([3, 5]), qml.CNOT([3, 6]), qml.X(3),
        qml.CNOT([4, 5])]))
    pattern = qml.commutation_dag(qml.tape.QuantumScript([
        qml.CNOT([3, 0]), qml.X(4), qml.Z(0), qml.CNOT([4, 2]), qml.CNOT([0, 1]),
        qml.CNOT([3, 4]), qml.CNOT([1, 2]), qml.X(1), qml.CNOT([1, 0]), qml.X(1),
        qml.CNOT([1, 2]), qml.CNOT([0, 3])]))
    qubits = [0, 5, 1, 2, 4]
    wires, target_wires, control_wires = _update_qubits(circuit, qubits)
    forward = ForwardMatch(circuit, pattern, 6, 0, wires, target_wires, control_wires)
    forward.run_forward_match()
    assert sorted(forward.match) == [[0, 6], [2, 10], [4, 7], [6, 8], [7, 11], [8, 12],
                                     [9, 14], [10, 20], [11, 18]]
    backward = BackwardMatch(circuit, pattern, qubits, forward.match,
                             forward.circuit_matched_with, forward.circuit_blocked,
                             forward.pattern_matched_with, 6, 0, wires, control_wires,
                             target_wires)
    backward.run_backward_match()
    first, second = (sorted(m.match) for m in backward.match_final[:2])
    assert first == sorted(forward.match + [[5, 4]])
    assert second == sorted([m for m in forward.match if m != [11, 18]] + [[3, 1], [5, 2]])
    assert backward.match_final[0].qubit == [qubits]


def test_parametrized_pattern_on_numbers():
    tape = qml.tape.QuantumScript([qml.RZ(0.1, 0), qml.RZ(-0.1, 0), qml.RX(0.3, 1),
                                   qml.RZ(0.2, 0), qml.RZ(-0.2, 0)])
    pattern = qml.tape.QuantumScript([qml.RZ(0.1, 0), qml.RZ(-0.1, 0)])
    [new], _ = qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern])
    # only the pair of angle 0.1 is the pattern's: it goes; the 0.2 pair stays
    assert new.operations == [qml.RX(0.3, 1), qml.RZ(0.2, 0), qml.RZ(-0.2, 0)]


def test_dag_keeps_gates_without_numbers_ordered_with_gates_on_their_wires():
    from qsym._commutation_dag import commute

    from autograd.numpy.numpy_boxes import ArrayBox

    boxed = ArrayBox(0.3, 0, None)  # a parameter while autograd differentiates
    assert commute(qml.RX(0.3, 0), qml.CNOT([1, 0])) is True  # numbers: they commute
    assert commute(qml.RX(qml.numpy.array(0.3, requires_grad=True), 0), qml.CNOT([1, 0]))
    assert commute(qml.RX(boxed, 0), qml.CNOT([1, 0])) is False  # no numbers: kept ordered
    assert commute(qml.RX(boxed, 0), qml.CNOT([1, 2])) is True  # disjoint wires
    assert commute(qml.RX(0.3, 0), qml.CNOT([0, 1])) is False


def test_a_trainable_parameter_is_not_matched_by_its_value():
    """RX(x) RX(-0.1) is the identity only at x = 0.1; its derivative there is not zero, so
    a trainable x must not be matched by the pattern's 0.1."""
    x = qml.numpy.array(0.1, requires_grad=True)
    tape = qml.tape.QuantumScript([qml.RX(x, 0), qml.RX(-0.1, 0)])
    pattern = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RX(-0.1, 0)])
    [new], _ = qml.transforms.pattern_matching_optimization(tape, pattern_tapes=[pattern])
    assert [op.name for op in new.operations] == ["RX", "RX"]
    plain = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RX(-0.1, 0)])
    [new], _ = qml.transforms.pattern_matching_optimization(plain, pattern_tapes=[pattern])
    assert new.operations == []
