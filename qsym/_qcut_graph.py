"""Circuit cutting's graphs (PennyLane 0.45's ``pennylane/qcut`` ops, tapes and utils): the
cut nodes, a tape as a networkx ``MultiDiGraph`` and back, wire cuts replaced by
measure/prepare pairs, the fragments, and cuts placed on given edges.

A graph's nodes are :class:`~qsym.queuing.WrappedObj` of the tape's operations and
measurements (hashed by identity), each with an ``order`` (its place in the tape); an edge
``u -> v`` carries the ``wire`` on which ``v`` follows ``u``. networkx is optional for
qsym: it is imported when a function here runs.

>>> import qsym as qml
>>> tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.WireCut(0), qml.RY(0.2, 0)],
...                               [qml.expval(qml.Z(0))])
>>> g = tape_to_graph(tape)
>>> replace_wire_cut_nodes(g)
>>> fragments, comm = fragment_graph(g)
>>> [graph_to_tape(f).operations for f in fragments]
[[RX(0.1, wires=[0]), MeasureNode(wires=[0])], [PrepareNode(wires=[0]), RY(0.2, wires=[0])]]
"""

from __future__ import annotations

import copy
import uuid
import warnings

from ._opfunctions import map_wires
from ._opmath import WrappedObj, prod
from ._operations import (ExpectationMP, MeasurementProcess, Observable, Operation, PauliX,
                          PauliY, PauliZ, Prod, Projector, SampleMP, expval, sample)
from .exceptions import PennyLaneDeprecationWarning
from ._tapes import QuantumScript
from ._transform import detached
from .templates import WireCut
from .wires import Wires

__all__ = ["MeasureNode", "PrepareNode", "networkx", "tape_to_graph", "graph_to_tape",
           "add_operator_node", "find_new_wire", "replace_wire_cut_node",
           "replace_wire_cut_nodes", "place_wire_cuts", "remove_existing_cuts",
           "fragment_graph"]


def networkx():
    """The networkx module, or an ImportError saying how to install it (qsym does not
    depend on it; circuit cutting's graphs are networkx graphs)."""
    try:
        import networkx as nx
    except ImportError as err:  # pragma: no cover - networkx is in the test extra
        raise ImportError("Circuit cutting (qml.qcut, qml.cut_circuit) needs networkx: "
                          "pip install networkx") from err
    return nx


class _CutNode(Operation):
    """One end of a cut wire: an operation with no matrix and a ``node_uid`` pairing it."""

    num_wires = 1
    num_params = 0
    grad_method = None

    def __init__(self, wires=None, id=None, node_uid=None):
        if id is not None:
            warnings.warn("The 'id' kwarg has been renamed to 'node_uid'. Access through "
                          "'id' will be removed in v0.46.", PennyLaneDeprecationWarning,
                          stacklevel=2)
            node_uid = node_uid if node_uid is not None else id
        self._node_uid = node_uid or str(uuid.uuid4())
        super().__init__(wires=wires)

    @property
    def node_uid(self) -> str:
        """The node's identifier (a fresh UUID unless given): a cut's measure and prepare
        nodes are matched by it."""
        return self._node_uid

    def map_wires(self, wire_map: dict):
        """The node on its mapped wire, with the same ``node_uid``."""
        return type(self)(wires=[wire_map.get(w, w) for w in self.wires],
                          node_uid=self.node_uid)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """The class name, or ``base_label``."""
        return base_label or type(self).__name__


class MeasureNode(_CutNode):
    """PennyLane's ``qml.qcut.MeasureNode``: where a cut wire is measured (the fragment
    before the cut ends there); it applies no gate.

    >>> n = MeasureNode(wires=0, node_uid="a")
    >>> n.wires, n.node_uid, n.label()
    (Wires([0]), 'a', 'MeasureNode')
    """


class PrepareNode(_CutNode):
    """PennyLane's ``qml.qcut.PrepareNode``: where a cut wire is prepared again (the
    fragment after the cut starts there); it applies no gate.

    >>> PrepareNode(wires="a", node_uid="b").node_uid
    'b'
    """


def add_operator_node(graph, op, order: int, wire_latest_node: dict) -> None:
    """Add ``op`` (wrapped) to ``graph`` at ``order``, with an edge from the last node of
    each of its wires (``wire_latest_node``, updated)."""
    node = WrappedObj(op)
    graph.add_node(node, order=order)
    for wire in op.wires:
        if wire_latest_node[wire] is not None:
            graph.add_edge(wire_latest_node[wire], node, wire=wire)
        wire_latest_node[wire] = node


_PAULIS = {"X": PauliX, "Y": PauliY, "Z": PauliZ}


def _factors(obs) -> list:
    """The factors of a product observable: a ``Prod``'s operands, or the one-wire Paulis
    of a Pauli word of several wires (as a Hamiltonian's terms are once split)."""
    if isinstance(obs, Prod):
        return list(obs.operands)
    if type(obs) is Observable and len(obs.terms) == 1:
        (word, coeff), = dict(obs.terms).items()
        if coeff == 1 and len(word) > 1:
            return [_PAULIS[p](w) for w, p in word]
    return []


def _terminal_measurements(m) -> list:
    """The measurements a graph holds for the tape's measurement ``m``: one per factor of
    a product observable, one ``sample(Projector([1]))`` per wire of a basis sample."""
    obs = getattr(m, "measured_obs", None)
    factors = _factors(obs)
    if factors:
        if isinstance(m, SampleMP):
            raise ValueError("Sampling from tensor products of observables is not supported "
                             "in circuit cutting")
        return [type(m)(obs=o) for o in factors]
    if isinstance(m, SampleMP) and obs is None:
        return [sample(Projector([1], wires=w)) for w in m.wires]
    return [m]


def tape_to_graph(tape):
    """PennyLane's ``qml.qcut.tape_to_graph``: the tape as a networkx ``MultiDiGraph``
    (nodes: its wrapped operations and measurements, with their ``order``; edges: the
    wires, keyed ``wire``). A product observable's factors are separate nodes, as are the
    wires of a computational-basis ``qml.sample``.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.CNOT([0, 1])], [qml.expval(qml.Z(0) @ qml.Z(1))])
    >>> g = tape_to_graph(tape)
    >>> g.number_of_nodes(), sorted(w for _, _, w in g.edges(data="wire"))
    (3, [0, 1])
    """
    graph = networkx().MultiDiGraph()
    wire_latest_node = {w: None for w in tape.wires}
    order = -1
    for order, op in enumerate(tape.operations):
        add_operator_node(graph, op, order, wire_latest_node)
    order += 1
    for m in tape.measurements:
        parts = _terminal_measurements(m)
        for part in parts:
            add_operator_node(graph, part, order, wire_latest_node)
        if parts == [m]:
            order += 1
    return graph


def find_new_wire(wires) -> int:
    """The least non-negative integer not in ``wires``.

    >>> find_new_wire([0, 1, 3])
    2
    """
    ctr = 0
    while ctr in wires:
        ctr += 1
    return ctr


def _measurements_of(meas: list) -> list:
    """A fragment's measurements from its terminal measurement nodes: the samples as they
    are, expectation values joined into the expectation of their product."""
    if not meas:
        return []
    kinds = {type(m) for m in meas}
    if len(kinds) > 1:
        raise ValueError("Only a single return type can be used for measurement nodes in "
                         "graph_to_tape")
    kind = kinds.pop()
    if kind not in (SampleMP, ExpectationMP):
        raise ValueError("Invalid return type. Only expectation value and sampling "
                         "measurements are supported in graph_to_tape")
    if kind is SampleMP:
        return meas
    observables = [getattr(m, "written_obs", None) or m.measured_obs for m in meas]  # as written
    if len(observables) == 1:
        return [expval(observables[0])]
    return [expval(prod(*observables))]


def graph_to_tape(graph):
    """PennyLane's ``qml.qcut.graph_to_tape``: the tape of a graph's nodes in their order.
    A wire measured by a :class:`MeasureNode` is not used again: what follows it on that
    wire moves to a new wire (the least unused integer).

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    >>> graph_to_tape(tape_to_graph(tape)).operations
    [RX(0.5, wires=[0])]
    """
    wires = list(Wires.all_wires([n.obj.wires for n in graph.nodes]))
    ordered = [n.obj for n, _ in sorted(graph.nodes(data="order"), key=lambda x: x[1])]
    wire_map = {w: w for w in wires}
    with detached():  # remade here, recorded on no circuit (autograd boxes kept)
        operations, meas = _mapped(ordered, wires, wire_map)
    return QuantumScript(operations, _measurements_of(meas))


def _mapped(ordered, wires: list, wire_map: dict) -> tuple:
    """``(operations, terminal measurements)`` on their new wires: after a
    :class:`MeasureNode`, its wire's later nodes move to a new wire."""
    operations, meas = [], []
    for op in ordered:
        moved = any(wire_map.get(w, w) != w for w in op.wires)
        op = map_wires(copy.copy(op), wire_map=wire_map) if moved else copy.copy(op)
        if isinstance(op, MeasurementProcess):
            meas.append(op)
            continue
        operations.append(op)
        if isinstance(op, MeasureNode):
            original = next(k for k, v in wire_map.items() if v == operations[-1].wires[0])
            new_wire = find_new_wire(wires)
            wires.append(new_wire)
            wire_map[original] = new_wire
    return operations, meas


def _neighbour_on_wire(adjacency) -> dict:
    """``{wire: node}`` of a node's predecessors or successors (``graph.pred[n]``)."""
    return {d["wire"]: op for op, data in adjacency.items() for d in data.values()}


def replace_wire_cut_node(node, graph) -> None:
    """PennyLane's ``qml.qcut.replace_wire_cut_node``: replace the ``WireCut`` ``node`` in
    ``graph`` (in place) by a ``MeasureNode -> PrepareNode`` pair on each of its wires.

    >>> import qsym as qml
    >>> cut = qml.WireCut(0)
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), cut, qml.Y(0)]))
    >>> replace_wire_cut_node(cut, g)
    >>> sorted(type(n.obj).__name__ for n in g.nodes)
    ['MeasureNode', 'PauliX', 'PauliY', 'PrepareNode']
    """
    key = WrappedObj(node)
    before = _neighbour_on_wire(graph.pred[key])
    after = _neighbour_on_wire(graph.succ[key])
    order = graph.nodes[key]["order"]
    graph.remove_node(key)
    for wire in node.wires:
        meas, prep = WrappedObj(MeasureNode(wires=wire)), WrappedObj(PrepareNode(wires=wire))
        graph.add_node(meas, order=order)
        graph.add_node(prep, order=order)
        graph.add_edge(meas, prep, wire=wire)
        if wire in before:
            graph.add_edge(before[wire], meas, wire=wire)
        if wire in after:
            graph.add_edge(prep, after[wire], wire=wire)


def replace_wire_cut_nodes(graph) -> None:
    """PennyLane's ``qml.qcut.replace_wire_cut_nodes``: every ``WireCut`` of ``graph``
    replaced (in place) by measure/prepare pairs.

    >>> import qsym as qml
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.WireCut(0), qml.Y(0)]))
    >>> replace_wire_cut_nodes(g)
    >>> g.number_of_nodes()
    4
    """
    for node in list(graph.nodes):
        if isinstance(node.obj, WireCut):
            replace_wire_cut_node(node.obj, graph)


def place_wire_cuts(graph, cut_edges):
    """PennyLane's ``qml.qcut.place_wire_cuts``: a copy of ``graph`` with a ``WireCut`` on
    each edge ``(op0, op1, key)`` of ``cut_edges`` (the nodes after it move one place on).

    >>> import qsym as qml
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.Y(0)]))
    >>> cut = place_wire_cuts(g, list(g.edges))
    >>> [type(n.obj).__name__ for n, _ in sorted(cut.nodes(data="order"), key=lambda x: x[1])]
    ['PauliX', 'WireCut', 'PauliY']
    """
    cut_graph = graph.copy()
    for op0, op1, wire_key in cut_edges:
        order = cut_graph.nodes[op0]["order"] + 1
        wire = cut_graph.edges[op0, op1, wire_key]["wire"]
        cut_graph.remove_edge(op0, op1, wire_key)
        for op, o in cut_graph.nodes(data="order"):
            if o >= order:
                cut_graph.nodes[op]["order"] += 1
        node = WrappedObj(WireCut(wires=wire))
        cut_graph.add_node(node, order=order)
        cut_graph.add_edge(op0, node, wire=wire)
        cut_graph.add_edge(node, op1, wire=wire)
    return cut_graph


def remove_existing_cuts(graph):
    """A copy of ``graph`` without its ``WireCut`` nodes and measure/prepare pairs (a
    warning if a measure or prepare node is left unpaired).

    >>> import qsym as qml
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.WireCut(0), qml.Y(0)]))
    >>> remove_existing_cuts(g).number_of_nodes()
    2
    """
    uncut = graph.copy()
    for node in list(graph.nodes):
        if isinstance(node.obj, WireCut):
            uncut.remove_node(node)
        elif isinstance(node.obj, MeasureNode):
            for other in graph.neighbors(node):
                if isinstance(other.obj, PrepareNode):
                    uncut.remove_node(node)
                    uncut.remove_node(other)
    if any(isinstance(n.obj, (MeasureNode, PrepareNode)) for n in uncut.nodes):
        warnings.warn("The circuit contains `MeasureNode` or `PrepareNode` operations that "
                      "are not paired up correctly. Please check.", UserWarning, stacklevel=2)
    return uncut


def _cut_edges(graph) -> tuple:
    """``(copy of graph without its measure -> prepare edges, those edges)``."""
    graph_copy, cut_edges = graph.copy(), []
    for node1, node2, key in graph.edges:
        if isinstance(node1.obj, MeasureNode):
            if not isinstance(node2.obj, PrepareNode):
                raise ValueError("A MeasureNode must be followed by a PrepareNode in the "
                                 "circuit graph (use replace_wire_cut_nodes)")
            cut_edges.append((node1, node2, key))
            graph_copy.remove_edge(node1, node2, key=key)
    return graph_copy, cut_edges


def _prune(subgraphs, communication, cut_edges, terminals) -> list:
    """The fragments from which a path leads to a measured fragment; the others are
    dropped (and the measure nodes feeding them removed)."""
    nx = networkx()
    kept, dropped, preps = [], [], []
    for i, s in enumerate(subgraphs):
        if any(nx.has_path(communication, i, t) for t in terminals):
            kept.append(s)
        else:
            dropped.append(i)
            preps.extend(n for n in s.nodes if isinstance(n.obj, PrepareNode))
    communication.remove_nodes_from(dropped)
    for m in [m for p in preps for m, p_, _ in cut_edges if p is p_]:
        for s in kept:
            if s.has_node(m):
                s.remove_node(m)
    return kept


def fragment_graph(graph) -> tuple:
    """PennyLane's ``qml.qcut.fragment_graph``: the fragments of a graph whose cuts are
    measure/prepare pairs (its weakly connected parts once the pairs' edges are removed)
    and the communication graph: one node per fragment, an edge ``i -> j`` per cut, whose
    ``pair`` is the cut's (measure node, prepare node). A cut within one fragment is
    removed; fragments leading to no measurement are dropped.

    >>> import qsym as qml
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.WireCut(0), qml.Y(0)],
    ...                                          [qml.expval(qml.Z(0))]))
    >>> replace_wire_cut_nodes(g)
    >>> fragments, comm = fragment_graph(g)
    >>> len(fragments), list(comm.edges())
    (2, [(0, 1)])
    """
    nx = networkx()
    graph_copy, cut_edges = _cut_edges(graph)
    terminal = [n for n in graph.nodes if isinstance(n.obj, MeasurementProcess)]
    subgraphs = tuple(nx.MultiDiGraph(graph_copy.subgraph(n))
                      for n in nx.weakly_connected_components(graph_copy))
    communication = nx.MultiDiGraph()
    communication.add_nodes_from(range(len(subgraphs)))
    for node1, node2, _ in cut_edges:
        start = next(i for i, s in enumerate(subgraphs) if s.has_node(node1))
        end = next(i for i, s in enumerate(subgraphs) if s.has_node(node2))
        if start != end:
            communication.add_edge(start, end, pair=(node1, node2))
        else:
            subgraphs[start].remove_node(node1)
            subgraphs[end].remove_node(node2)
    terminals = [i for i, s in enumerate(subgraphs) for n in terminal if s.has_node(n)]
    return _prune(subgraphs, communication, cut_edges, terminals), communication

