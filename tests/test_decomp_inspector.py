"""qml.transforms.decomp_inspector (issue #18): PennyLane's inspector of the graph-based
decomposition's choices. The expected choices and costs are worked out by hand from each
rule's gates and the gate set's weights, and the full expansion is checked against the
gates qml.decompose actually makes with the graph on (a second method)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

import qsym as qml
from qsym.transforms import DecompGraphInspector, decomp_inspector


@pytest.fixture
def graph():
    with qml.decomposition.toggle_graph_ctx(True):
        yield


def _inspector(ops, **kwargs):
    return decomp_inspector(qml.tape.QuantumScript(ops), **kwargs)


def _sections(text):
    return {int(m.group(2)): (bool(m.group(1)), body) for m, body in zip(
        re.finditer(r"^(CHOSEN: )?Decomposition (\d+) \(name: [^)]*\)$", text, flags=re.M),
        re.split(r"^(?:CHOSEN: )?Decomposition \d+ \(name: [^)]*\)$", text, flags=re.M)[1:])}


def _cost(body):
    return float(re.search(r"Weighted Cost: (\S+)", body).group(1))


def test_only_with_the_graph_based_system():
    with qml.decomposition.toggle_graph_ctx(False):
        with pytest.raises(ValueError, match="only relevant with the new graph-based"):
            _inspector([qml.CRX(0.5, wires=[0, 1])], gate_set={"RZ", "RY", "CNOT"})


def test_messages_for_types_gate_set_members_and_strangers(graph):
    inspector = _inspector([qml.CRX(0.5, wires=[0, 1])], gate_set={"RZ", "RY", "CNOT"})
    assert isinstance(inspector, DecompGraphInspector)
    with pytest.raises(TypeError, match="takes a concrete operator instance"):
        inspector.inspect_decomps(qml.CRX)
    assert str(inspector.inspect_decomps(qml.CNOT([0, 1]))) == (
        "The operator does not have decompositions as it is in the target gate set.")
    assert str(inspector.inspect_decomps(qml.IsingXX(0.1, wires=[0, 1]))).startswith(
        "This operator is not found in the decomposition graph!")


def test_the_cheapest_rule_is_chosen_and_costed_by_the_gate_set_weights(graph):
    """Hadamard to {RZ: 1, RX: 10, GlobalPhase: 1}: by hand, H = RZ RX RZ GlobalPhase costs
    1 + 10 + 1 + 1 = 13; H = RZ RY GlobalPhase, RY by PennyLane's ``_ry_to_rz_rx``
    (RZ RX RZ), costs 1 + (1 + 10 + 1) + 1 = 14 (PennyLane 0.45's text; its Hadamard has
    these two rules, not its decomposition PhaseShift RX PhaseShift)."""
    weights = {"RZ": 1.0, "RX": 10.0, "GlobalPhase": 1.0}
    inspector = _inspector([qml.H(0)], gate_set=weights)
    text = str(inspector.inspect_decomps(qml.H(0)))
    sections = _sections(text)
    costs = {i: _cost(body) for i, (_, body) in sections.items() if "Weighted Cost" in body}
    assert sorted(costs.values()) == [13.0, 14.0]
    chosen = [i for i, (is_chosen, _) in sections.items() if is_chosen]
    assert len(chosen) == 1 and costs[chosen[0]] == 13.0
    assert any("Full Expansion Gates: {RZ: 3, RX: 1, GlobalPhase: 1}" in body
               for _, body in sections.values())  # the rule through RY
    # the chosen rule's full expansion is what decompose makes
    tape = qml.tape.QuantumScript([qml.H(0)])
    (out,), _ = qml.transforms.decompose(tape, gate_set=weights)
    made = Counter(op.name for op in out.operations)
    full = re.search(r"Full Expansion Gates: \{(.*)\}", sections[chosen[0]][1]).group(1)
    listed = {k: int(v) for k, v in (kv.split(": ") for kv in full.split(", "))}
    assert listed == dict(made) == {"RZ": 2, "RX": 1, "GlobalPhase": 1}


def test_a_budget_the_graph_was_not_solved_with(graph):
    """A controlled MultiRZ on three controls has a rule that allocates one work wire: with
    a budget of 0 it is not possible (PennyLane's "Insufficient work wires" text), with 1 it
    is; above the graph's budget, PennyLane's message that no such point exists."""
    op = qml.ctrl(qml.MultiRZ(0.5, [0, 1]), control=[3, 4, 5])
    inspector = _inspector([op], gate_set=qml.gate_sets.ROTATIONS_PLUS_CNOT, num_work_wires=1)
    assert "dynamic allocation budget of 2" in str(inspector.inspect_decomps(op, num_work_wires=2))
    assert "dynamic allocation budget of None (unlimited)" in str(
        inspector.inspect_decomps(op, num_work_wires=None))
    with_one = str(inspector.inspect_decomps(op, num_work_wires=1))
    assert "Wire Allocations: {'zero': 1}" in with_one
    assert "Insufficient work wires" not in with_one
    with_none = str(inspector.inspect_decomps(op, num_work_wires=0))   # solved again for 0
    assert "Insufficient work wires: requires 1 but only 0 available." in with_none


def test_drawing_a_function_that_allocates_a_wire():
    """qml.draw of a plain quantum function (as inspect_decomps draws a rule) that allocates
    and frees a wire: its stand-in measurement is on a wire the function names, not on the
    freed one (was AllocationError)."""
    def f():
        with qml.allocate(1) as w:
            qml.CNOT([0, w[0]])
            qml.CNOT([0, w[0]])

    lines = qml.draw(f)().splitlines()
    assert len(lines) == 2 and lines[0].startswith("0: ─╭●─╭●─┤")
    assert lines[1].split(": ", 1)[1].startswith("─╰X─╰X─┤")


def test_multicontrolled_x_rules_inspected_as_pennylane():
    """Issue #18: MultiControlledX's twelve rules, in the inspector's order, the zeroed
    work wire's rule chosen with one work wire free; its first-level gates and allocation
    lines as PennyLane 0.45.1 prints them (copied from its output in /work/plvenv)."""
    import qsym as qp
    from qsym.transforms import decomp_inspector

    @decomp_inspector(gate_set=qp.gate_sets.ROTATIONS_PLUS_CNOT, num_work_wires=2)
    @qp.qnode(qp.device("default.qubit"))
    def circuit():
        qp.MultiControlledX([0, 1, 2, 3])
        return qp.probs()

    with qp.decomposition.local_decomps():
        qp.decomposition.enable_graph()
        try:
            text = str(circuit().inspect_decomps(qp.MultiControlledX([0, 1, 2, 3]),
                                                 num_work_wires=1))
        finally:
            qp.decomposition.disable_graph()
    titles = [line for line in text.splitlines() if line.startswith(("Decomposition", "CHOSEN"))]
    assert titles == [  # PennyLane 0.45.1's
        "Decomposition 0 (name: flip_zero_ctrl_values(_2cx_elbow_explicit))",
        "Decomposition 1 (name: no_workers)",
        "CHOSEN: Decomposition 2 (name: one_zeroed_worker)",
        "Decomposition 3 (name: one_borrowed_worker)",
        "Decomposition 4 (name: one_explicit_worker)",
        "Decomposition 5 (name: two_zeroed_workers)",
        "Decomposition 6 (name: two_borrowed_workers)",
        "Decomposition 7 (name: two_explicit_workers)",
        "Decomposition 8 (name: many_zeroed_workers)",
        "Decomposition 9 (name: many_borrowed_workers)",
        "Decomposition 10 (name: many_explicit_workers)",
        "Decomposition 11 (name: _mcx_to_cnot_or_toffoli)"]
    chosen = text.split("CHOSEN: Decomposition 2 (name: one_zeroed_worker)")[1].split("Decomposition 3 (")[0]
    assert "First-Level Expansion Gates: {Toffoli: 1, TemporaryAND: 1, Adjoint(TemporaryAND): 1}" \
        in chosen.splitlines()
    assert "Wire Allocations: {'zero': 1}" in chosen.splitlines()
    assert "Estimated" not in text
