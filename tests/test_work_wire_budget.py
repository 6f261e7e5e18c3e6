"""The graph-based decomposition's work-wire budget is per operator instance (issue #18):
PennyLane's graph keeps a node per budget left, and its ``decompose`` asks each operator
with the work wires free where it is decomposed (the top level's budget less what the rules
above it allocate). The expected rule choices and gate counts are worked out by hand below
from the rules' declared resources (each rule's cost is listed beside it)."""

from collections import Counter

import pytest

import qsym as qml
from qsym.operation import Operation


class Inner(Operation):
    resource_keys = set()

    @property
    def resource_params(self):
        return {}


class Outer(Operation):
    resource_keys = set()

    @property
    def resource_params(self):
        return {}


# Inner: 2 Toffoli + 1 X with 2 work wires (cost 3), or 4 Toffoli + 3 X without (cost 7)
@qml.register_resources({qml.Toffoli: 2, qml.X: 1}, work_wires={"zeroed": 2})
def inner_with(wires, **_):
    with qml.allocation.allocate(2, state="zero", restored=True) as w:
        qml.Toffoli([wires[0], wires[1], w[0]])
        qml.X(w[1])
        qml.Toffoli([wires[0], wires[1], w[0]])


@qml.register_resources({qml.Toffoli: 4, qml.X: 3})
def inner_without(wires, **_):
    for _ in range(2):
        qml.Toffoli(wires)
        qml.X(wires[0])
        qml.Toffoli(wires)
    qml.X(wires[0])
    qml.X(wires[0])  # (4 Toffoli, 4 X made; 3 X declared: an inexact count is allowed)


# Outer: 2 Toffoli + 2 Inner with 1 work wire, or 4 Toffoli + 2 Inner without
@qml.register_resources({qml.Toffoli: 2, Inner: 2}, work_wires={"zeroed": 1})
def outer_with(wires, **_):
    with qml.allocation.allocate(1, state="zero", restored=True) as w:
        qml.Toffoli([wires[0], wires[1], w[0]])
        Inner(wires=[w[0], wires[2], wires[3]])
        qml.Toffoli([wires[0], wires[1], w[0]])
        Inner(wires=[wires[1], wires[2], wires[3]])


@qml.register_resources({qml.Toffoli: 4, Inner: 2})
def outer_without(wires, **_):
    qml.Toffoli(wires[:3])
    Inner(wires=wires[1:4])
    qml.Toffoli(wires[1:4])
    qml.Toffoli(wires[:3])
    Inner(wires=wires[1:4])
    qml.Toffoli(wires[1:4])


ALT = {Inner: [inner_without, inner_with], Outer: [outer_without, outer_with]}
GATES = {qml.Toffoli, qml.X}


def _decomposed(num_work_wires, **kwargs):
    tape = qml.tape.QuantumScript([Outer(wires=[0, 1, 2, 3])])
    with qml.decomposition.toggle_graph_ctx(True):
        [out], _ = qml.transforms.decompose([tape], gate_set=GATES, alt_decomps=ALT,
                                            num_work_wires=num_work_wires, **kwargs)
    return out


def _counts(tape):
    return Counter(op.name for op in tape.operations if op.name in ("Toffoli", "PauliX"))


# By hand: with b work wires free, Outer's rules cost
#   outer_with    (needs 1): 2 + 2 * cost(Inner, b - 1)
#   outer_without (needs 0): 4 + 2 * cost(Inner, b)
# with cost(Inner, k) = 3 if k >= 2 else 7 (inner_without makes 4 Toffoli + 4 X).
#   b=0: only outer_without: 4 + 2*7 = 18     -> 4 + 2*4 Toffoli, 2*4 X
#   b=1: with 2 + 2*7 = 16, without 4 + 2*7 = 18  -> with: 2 + 2*4 Toffoli, 8 X
#   b=2: with 2 + 2*7 = 16, without 4 + 2*3 = 10  -> without, each Inner with: 4 + 2*2, 2 X
#   b=3: with 2 + 2*3 = 8,  without 10            -> with, each Inner with: 2 + 2*2, 2 X
@pytest.mark.parametrize("budget, toffoli, x", [(0, 12, 8), (1, 10, 8), (2, 8, 2), (3, 6, 2),
                                                (None, 6, 2)])
def test_each_operator_is_decomposed_with_the_work_wires_free_where_it_is(budget, toffoli, x):
    out = _decomposed(budget)
    assert _counts(out) == {"Toffoli": toffoli, "PauliX": x}
    # the allocations fit in the budget: resolving them onto exactly that many wires works
    # (before, one rule per operator for the whole budget took 3 wires at budget 2)
    if budget is not None:
        qml.transforms.resolve_dynamic_wires([out], zeroed=range(4, 4 + budget))


def test_minimize_work_wires_uses_the_fewest_the_operators_need():
    # Outer needs none (outer_without, Inner without): the fewest is 0 -> b=0's choice
    out = _decomposed(None, minimize_work_wires=True)
    assert _counts(out) == {"Toffoli": 12, "PauliX": 8}
    assert not any(op.name == "Allocate" for op in out.operations)


def test_a_budget_below_what_a_rule_must_have_is_refused():
    @qml.register_resources({qml.X: 1}, work_wires={"zeroed": 2})
    def only_with(wires, **_):
        with qml.allocation.allocate(2, state="zero", restored=True) as w:
            qml.X(w[0])

    with qml.decomposition.toggle_graph_ctx(True):
        graph = qml.decomposition.DecompositionGraph([Inner(wires=[0, 1, 2])], GATES,
                                                     fixed_decomps={Inner: only_with})
        with pytest.raises(qml.exceptions.DecompositionError,
                           match="requires at least 2 work wires"):
            graph.solve(num_work_wires=1)
        sol = graph.solve(num_work_wires=3)
        op = Inner(wires=[0, 1, 2])
        assert sol.is_solved_for(op, num_work_wires=2)
        assert not sol.is_solved_for(op, num_work_wires=1)


def test_the_solution_answers_per_budget():
    op, inner = Outer(wires=[0, 1, 2, 3]), Inner(wires=[0, 1, 2])
    names, costs = [], []
    with qml.decomposition.toggle_graph_ctx(True):
        for b in range(4):
            graph = qml.decomposition.DecompositionGraph([op], GATES, alt_decomps=ALT)
            sol = graph.solve(num_work_wires=b)
            names.append(sol.decomposition(op, num_work_wires=b).name)
            costs.append(sol.resource_estimate(op, num_work_wires=b).weighted_cost)
    assert names == ["outer_without", "outer_with", "outer_without", "outer_with"]
    assert costs == [18.0, 16.0, 10.0, 8.0]
    # at budget 3, outer_with leaves 2 free for Inner: inner_with fits there
    assert sol.decomposition(inner, num_work_wires=2).name == "inner_with"


def test_the_fewest_work_wires_leave_out_rules_that_reach_no_gate():
    # Outer's one rule takes 1 work wire and makes an Inner; Inner's rules: inner_with (2
    # work wires) and one making a Hadamard (no way to Toffoli/X: left out, though it needs
    # none). The fewest: 1 + 2 = 3.
    @qml.register_resources({qml.Hadamard: 1})
    def unreachable(wires, **_):
        qml.Hadamard(wires[0])

    @qml.register_resources({Inner: 1}, work_wires={"zeroed": 1})
    def inner_once(wires, **_):
        with qml.allocation.allocate(1, state="zero", restored=True):
            Inner(wires=wires[:3])

    with qml.decomposition.toggle_graph_ctx(True):
        graph = qml.decomposition.DecompositionGraph(
            [Outer(wires=[0, 1, 2, 3])], {"Toffoli", "PauliX"},
            fixed_decomps={Outer: inner_once}, alt_decomps={Inner: [unreachable, inner_with]})
        assert graph._min_work_wires == 3
        with pytest.raises(qml.exceptions.DecompositionError, match="at least 3 work wires"):
            graph.solve(num_work_wires=2)
        # solved without a limit, every rule fits at every point (PennyLane's)
        sol = graph.solve(num_work_wires=None)
        assert sol.decomposition(Inner(wires=[0, 1, 2])).name == "inner_with"
        sol = graph.solve(num_work_wires=None, minimize_work_wires=True)
        assert sol.num_work_wires == 3
        assert sol.decomposition(Outer(wires=[0, 1, 2, 3]), num_work_wires=3).name == "inner_once"
