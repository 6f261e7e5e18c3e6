"""PennyLane's ``qml.transforms.decomp_inspector`` (module path
``qml.transforms.decomp_inspector``): an informative transform that builds and solves the
graph-based decomposition system's :class:`~qsym.decomposition.DecompositionGraph` for a
circuit's operators and returns a :class:`DecompGraphInspector`, whose
:meth:`~DecompGraphInspector.inspect_decomps` shows, for one operator, every rule the graph
considered: its drawing on the operator, the gates it makes one level down, and either its
full expansion in the gate set with its weighted cost, or the operators no rule could bring
to the gate set ("Missing Ops"); the rule the graph chose is marked ``CHOSEN``.

The graph is solved for each work-wire budget (as PennyLane's keeps a node per budget left at
each level of the decomposition): asking about a budget (``num_work_wires``) shows the rules
with that many work wires free, what each makes costed with the work wires its own
allocation leaves; a budget above the graph's (or ``None`` under a finite one) for an
operator whose rules use work wires gets PennyLane's message that no such point exists.

>>> import qsym as qml
>>> with qml.decomposition.toggle_graph_ctx(True):
...     t = qml.tape.QuantumScript([qml.CRX(0.5, wires=[0, 1])])
...     inspector = decomp_inspector(t, gate_set={"RY", "RZ", "CNOT"})   # informative
...     print(inspector.inspect_decomps(qml.CNOT([0, 1])))
The operator does not have decompositions as it is in the target gate set.
"""

from __future__ import annotations

import functools

from ._compilation import resolve_gate_set
from ._symbolic_decomposition import rule_text
from ._transform import transform
from .decomposition import DecompositionGraph, enabled_graph

__all__ = ["decomp_inspector", "DecompGraphInspector", "DecompInGraphInspection"]

NOT_FOUND = ("This operator is not found in the decomposition graph! This typically means that "
             "this operator was not part of the original circuit, nor is it produced by any of "
             "the operators' decomposition rules.")
IN_GATE_SET = "The operator does not have decompositions as it is in the target gate set."


class DecompInGraphInspection:
    """What :meth:`DecompGraphInspector.inspect_decomps` shows: each rule's title (the chosen
    one marked ``CHOSEN``) and text, or one message.

    >>> print(DecompInGraphInspection([(0, "rule", "Not applicable.")], chosen=0))
    CHOSEN: Decomposition 0 (name: rule)
    Not applicable.
    """

    def __init__(self, entries=(), chosen=None, message=None):
        self._entries, self._chosen, self._message = list(entries), chosen, message

    def __str__(self):
        if self._message is not None:
            return self._message
        if not self._entries:
            return "No applicable decomposition rules (non-applicable rules are excluded)."
        return "\n\n".join(
            ("CHOSEN: " if i == self._chosen else "") + f"Decomposition {i} (name: {name})\n{text}"
            for i, name, text in self._entries)

    __repr__ = __str__


class DecompGraphInspector:
    """PennyLane's ``DecompGraphInspector``: the questions a solved decomposition graph
    answers (made by :func:`decomp_inspector`).

    >>> import qsym as qml
    >>> g = DecompositionGraph([qml.SWAP([0, 1])], {"CNOT"})
    >>> inspector = DecompGraphInspector(g, g.solve(lazy=False))
    >>> print(inspector.inspect_decomps(qml.SWAP([0, 1])))
    CHOSEN: Decomposition 0 (name: _swap_to_cnot)
    0: ─╭●─╭X─╭●─┤
    1: ─╰X─╰●─╰X─┤
    First-Level Expansion Gates: {CNOT: 3}
    Full Expansion Gates: {CNOT: 3}
    Weighted Cost: 3.0
    """

    def __init__(self, decomp_graph, solution, fixed_decomps=None, alt_decomps=None):
        self._graph, self._solution = decomp_graph, solution
        self._max_work_wires = solution.num_work_wires
        self._fixed, self._alt = fixed_decomps, alt_decomps

    def inspect_decomps(self, op, *, num_work_wires=0, show_not_applicable=True):
        """Every rule the graph considered for the operator ``op`` (an instance), with
        ``num_work_wires`` work wires free for dynamic allocation where it is decomposed."""
        if isinstance(op, type):
            raise TypeError("The inspect_decomps function takes a concrete operator instance as "
                            "its first argument, not an operator type.")
        graph, node = self._graph, DecompositionGraph.node_of(op)
        if node.name in graph.gate_set:
            return DecompInGraphInspection(message=IN_GATE_SET)
        if node not in graph.edges:
            return DecompInGraphInspection(message=NOT_FOUND)
        if num_work_wires != self._max_work_wires and self._uses_work_wires(node, set()):
            if self._max_work_wires is not None and (
                    num_work_wires is None or num_work_wires > self._max_work_wires):
                budget = "None (unlimited)" if num_work_wires is None else num_work_wires
                return DecompInGraphInspection(message=(
                    f"The decomposition graph was solved with {self._max_work_wires} work wires "
                    "available for dynamic allocation at the top level. There is not a point "
                    f"where a {node} is decomposed with a dynamic allocation budget of {budget}."))
        return _inspection(graph, node, op, num_work_wires, show_not_applicable)

    def _uses_work_wires(self, node, seen) -> bool:
        """Whether a rule of ``node``, or of what its rules make, allocates work wires."""
        if node in seen:
            return False
        seen.add(node)
        return any(work > 0 or any(self._uses_work_wires(c, seen) for c in counts)
                   for _, counts, work in self._graph.edges.get(node, ()))


def _inspection(graph, node, op, num_work_wires, show_not_applicable):
    """The rules of ``node`` in ``graph`` (solved), each rule's text for ``op``."""
    chosen, entries = None, []
    best = graph.best_at(node, num_work_wires)
    # the graph's edges are its rules that apply, in the order of rules_for (whose rule
    # objects are made anew at each call): paired in order, by name
    edges = iter(graph.edges[node])
    pending = next(edges, None)
    for i, rule in enumerate(graph.rules_for(node)):
        edge = None
        if pending is not None and pending[0].name == rule.name:
            edge, pending = pending, next(edges, None)
            if best is not None and best[2] is edge[0]:
                chosen = i
        ok, text = rule_text(op, rule, num_work_wires, counts="First-Level Expansion Gates")
        if ok and edge is not None:
            below = None if num_work_wires is None else num_work_wires - edge[2]
            text += "\n" + _graph_text(graph, edge[1], below)
        if ok or show_not_applicable:
            entries.append((i, rule.name, text.rstrip("\n")))
    # shown as PennyLane's graph lists an operator's rules (its predecessors): the last
    # registered first, numbered in that order
    last = len(graph.rules_for(node)) - 1
    entries = [(last - i, name, text) for i, name, text in reversed(entries)]
    return DecompInGraphInspection(entries, None if chosen is None else last - chosen)


def _graph_text(graph, counts, budget) -> str:
    """A rule's full expansion in the gate set and its weighted cost (what it makes
    decomposed with ``budget`` work wires free), or the operators it makes that reach no
    gate of the set."""
    missing = {c for c in counts if not _solved(graph, c, budget)}
    if missing:
        return f"Missing Ops: {missing}"
    full: dict = {}
    cost = 0.0
    for child, n in counts.items():
        cost += n * _cost(graph, child, budget)
        for leaf, m in graph.expand(child, budget).items():
            full[leaf] = full.get(leaf, 0) + n * m
    return f"Full Expansion Gates: {full}\nWeighted Cost: {float(cost)}"


def _solved(graph, node, budget) -> bool:
    return (node.name in graph.gate_set or node.name in graph.unsupported
            or graph.best_at(node, budget) is not None)


def _cost(graph, node, budget) -> float:
    if node.name in graph.gate_set:
        return graph.gate_set.weights[node.name]
    found = graph.best_at(node, budget)
    return float("inf") if found is None else found[0]


@functools.partial(transform, is_informative=True)
def decomp_inspector(tape, *, gate_set=None, num_work_wires=0, minimize_work_wires=False,
                     fixed_decomps=None, alt_decomps=None):
    """PennyLane's ``qml.transforms.decomp_inspector``: the :class:`DecompGraphInspector` of
    the graph-based decomposition of the circuit's operators to ``gate_set`` (with
    ``num_work_wires`` work wires free at the top level, ``fixed_decomps`` and
    ``alt_decomps`` as :func:`qsym.transforms.decompose` takes them). Only with the
    graph-based system on (``qml.decomposition.enable_graph()``): else ``ValueError``.

    >>> import qsym as qml
    >>> with qml.decomposition.toggle_graph_ctx(True):
    ...     @qml.transforms.decomp_inspector(gate_set={"RZ", "RX", "GlobalPhase"})
    ...     @qml.qnode(qml.device("default.qubit"))
    ...     def circuit():
    ...         qml.H(0)
    ...         return qml.probs()
    ...     print(circuit().inspect_decomps(qml.H(0)))
    Decomposition 0 (name: _hadamard_to_rz_ry)
    0: ──RZ(3.14)──RY(1.57)──GlobalPhase(-1.57)─┤
    First-Level Expansion Gates: {RZ: 1, RY: 1, GlobalPhase: 1}
    Full Expansion Gates: {RZ: 3, RX: 1, GlobalPhase: 1}
    Weighted Cost: 5.0
    <BLANKLINE>
    CHOSEN: Decomposition 1 (name: _hadamard_to_rz_rx)
    0: ──RZ(1.57)──RX(1.57)──RZ(1.57)──GlobalPhase(-1.57)─┤
    First-Level Expansion Gates: {RZ: 2, RX: 1, GlobalPhase: 1}
    Full Expansion Gates: {RZ: 2, RX: 1, GlobalPhase: 1}
    Weighted Cost: 4.0
    """
    if not enabled_graph():
        raise ValueError("The decomp_inspector transform is only relevant with the new "
                         "graph-based decomposition system. Use "
                         "qml.decomposition.enable_graph() to enable the new system.")
    gate_set, _ = resolve_gate_set(gate_set)
    graph = DecompositionGraph(tape.operations, gate_set, fixed_decomps=fixed_decomps,
                               alt_decomps=alt_decomps)
    solution = graph.solve(num_work_wires=num_work_wires, minimize_work_wires=minimize_work_wires,
                           lazy=False)

    def postprocessing(_results):
        return DecompGraphInspector(graph, solution, fixed_decomps, alt_decomps)

    return [tape], postprocessing
