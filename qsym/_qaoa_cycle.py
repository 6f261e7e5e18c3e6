"""PennyLane's ``qml.qaoa.cycle`` (the maximum-weighted-cycle problem: one wire per directed
edge) and the graph access ``qsym.qaoa`` shares with it: ``networkx`` and ``rustworkx``
graphs read alike, neither imported here (a ``rustworkx`` graph is recognised by its
class, so ``rustworkx`` stays optional).

A ``rustworkx`` graph's nodes are named by their payloads, as in PennyLane (a node added
as ``g.add_node("b")`` is the wire or the edge end ``"b"``), its edges taken in the
order of their node indices (``sorted(g.edge_list())``); a ``networkx`` graph's by its own
node labels and edge order. The Hamiltonians are PennyLane 0.45's, term for term.

>>> import networkx as nx
>>> g = nx.complete_graph(3).to_directed()
>>> wires_to_edges(g)
{0: (0, 1), 1: (0, 2), 2: (1, 0), 3: (1, 2), 4: (2, 0), 5: (2, 1)}
>>> len(cycle_mixer(g).ops)
24
"""

from __future__ import annotations

import itertools
import math

from ._operations import GATE_CLASSES, LinearCombination, Prod
from ._trace import Tape, recording

__all__ = [
    "pauli_word", "graph_kind", "node_labels", "edges_to_wires", "wires_to_edges",
    "cycle_mixer", "loss_hamiltonian", "out_flow_constraint", "net_flow_constraint",
]

_ANY = "nx.Graph or rx.PyGraph or rx.PyDiGraph"
_DIRECTED = "nx.DiGraph or rx.PyDiGraph"


def pauli_word(*pairs):
    """The Pauli word of ``(letter, wire)`` pairs as PennyLane writes it: one Pauli gate,
    their product in the order given (``Z(0) @ Z(1)``), or the identity on the first wire
    ("I" letters dropped); made off any circuit's tape: a Hamiltonian's term, not gates.

    >>> pauli_word(("X", 0), ("Z", 2)), pauli_word(("Z", 1)), pauli_word(("I", 3))
    (X(0) @ Z(2), Z(1), I(3))
    """
    with recording(Tape()):
        gates = [GATE_CLASSES["Pauli" + letter](wires=w) for letter, w in pairs if letter != "I"]
        if not gates:
            return GATE_CLASSES["Identity"](wires=pairs[0][1] if pairs else 0)
        return gates[0] if len(gates) == 1 else Prod(*gates)


def graph_kind(graph) -> str | None:
    """``"rx.PyGraph"``, ``"rx.PyDiGraph"``, ``"nx.DiGraph"`` or ``"nx.Graph"`` (a
    ``networkx`` graph, or any object with ``nodes``, ``edges`` and ``neighbors``), else
    None; read from the class, so neither library is imported.

    >>> import networkx as nx
    >>> graph_kind(nx.Graph()), graph_kind(nx.DiGraph()), graph_kind([(0, 1)])
    ('nx.Graph', 'nx.DiGraph', None)
    """
    for cls in type(graph).__mro__:
        package = (getattr(cls, "__module__", "") or "").split(".")[0]
        if package == "rustworkx" and cls.__name__ in ("PyGraph", "PyDiGraph"):
            return "rx." + cls.__name__
        if package == "networkx" and cls.__name__ in ("Graph", "DiGraph"):
            return "nx." + cls.__name__
    if all(hasattr(graph, a) for a in ("nodes", "edges", "neighbors")):
        return "nx.Graph"
    return None


def node_labels(graph) -> dict:
    """``{node index: label}`` of a ``rustworkx`` graph: the nodes' payloads, PennyLane's
    wire labels; they must be distinct and hashable.

    >>> class PyGraph:  # stands in for rustworkx.PyGraph (the class is what counts)
    ...     __module__ = "rustworkx"
    ...     def node_indexes(self): return [0, 1, 2]
    ...     def __getitem__(self, i): return ["b", 1, 0.3][i]
    >>> node_labels(PyGraph())
    {0: 'b', 1: 1, 2: 0.3}
    """
    labels = {i: graph[i] for i in graph.node_indexes()}
    try:
        distinct = len(set(labels.values())) == len(labels)
    except TypeError:
        distinct = False
    if not distinct:
        raise ValueError(
            "a rustworkx graph's node payloads are its wire labels (as in PennyLane): they "
            f"must be distinct and hashable, got {list(labels.values())}; add the nodes with "
            "labels, e.g. g.add_nodes_from([0, 1, 2]) or "
            "rx.generators.directed_mesh_graph(3, [0, 1, 2])")
    return labels


def _check(graph, allowed: tuple, message: str) -> str:
    kind = graph_kind(graph)
    if kind not in allowed:
        raise ValueError(f"Input graph must be a {message}, got {type(graph).__name__}")
    return kind


def _edges(graph) -> list:
    """The graph's edges as label pairs, in wire order."""
    kind = _check(graph, ("nx.Graph", "nx.DiGraph", "rx.PyGraph", "rx.PyDiGraph"), _ANY)
    if kind.startswith("rx."):
        labels = node_labels(graph)
        return [(labels[a], labels[b]) for a, b in sorted(graph.edge_list())]
    return list(graph.edges)


def edges_to_wires(graph) -> dict:
    """``{edge: wire}``: the graph's edges numbered in order (a ``rustworkx`` graph's by
    node index, named by the nodes' payloads).

    >>> import networkx as nx
    >>> edges_to_wires(nx.complete_graph(3).to_directed())
    {(0, 1): 0, (0, 2): 1, (1, 0): 2, (1, 2): 3, (2, 0): 4, (2, 1): 5}
    """
    return {edge: i for i, edge in enumerate(_edges(graph))}


def wires_to_edges(graph) -> dict:
    """``{wire: edge}``, the inverse of :func:`edges_to_wires`.

    >>> import networkx as nx
    >>> wires_to_edges(nx.DiGraph([(0, 1), (1, 0)]))
    {0: (0, 1), 1: (1, 0)}
    """
    return dict(enumerate(_edges(graph)))


def _directed(graph) -> str:
    kind = graph_kind(graph)
    if kind in ("nx.DiGraph", "rx.PyDiGraph") and not (
            hasattr(graph, "in_edges") and hasattr(graph, "out_edges")):
        raise ValueError("Input graph must be directed")
    return _check(graph, ("nx.DiGraph", "rx.PyDiGraph"), _DIRECTED)


def _nodes(graph) -> list:
    """The node labels in the graph's order (a ``rustworkx`` graph's by index)."""
    if graph_kind(graph).startswith("rx."):
        return list(node_labels(graph).values())
    return list(graph.nodes)


def _flows(graph, node) -> tuple[list, list]:
    """The wires of the edges leaving and entering ``node`` (a label), in PennyLane's
    order (a ``rustworkx`` graph's sorted by node index)."""
    wires = edges_to_wires(graph)
    if graph_kind(graph).startswith("rx."):
        labels = node_labels(graph)
        index = {label: i for i, label in labels.items()}[node]
        out = sorted((a, b) for a, b, *_ in graph.out_edges(index))
        into = sorted((a, b) for a, b, *_ in graph.in_edges(index))
        out = [(labels[a], labels[b]) for a, b in out]
        into = [(labels[a], labels[b]) for a, b in into]
    else:
        out = [tuple(e[:2]) for e in graph.out_edges(node)]
        into = [tuple(e[:2]) for e in graph.in_edges(node)]
    return [wires[e] for e in out], [wires[e] for e in into]


def _partial_cycle_mixer(graph, edge) -> LinearCombination:
    """The cycle mixer's terms of one edge ``(i, j)``: for each node ``k`` with edges
    ``(i, k)`` and ``(k, j)``, ``(XXX + YYX + YXY - XYY) / 4`` on the wires of ``(i, j)``,
    ``(i, k)``, ``(k, j)``."""
    _check(graph, ("nx.DiGraph", "rx.PyDiGraph"), _DIRECTED)
    wires = edges_to_wires(graph)
    i, j = edge
    coeffs, ops = [], []
    for k in _nodes(graph):
        if k in (i, j) or (i, k) not in wires or (k, j) not in wires:
            continue
        w, out, into = wires[(i, j)], wires[(i, k)], wires[(k, j)]
        for letters in ("XXX", "YYX", "YXY", "XYY"):
            ops.append(pauli_word(*zip(letters, (w, out, into))))
        coeffs += [0.25, 0.25, 0.25, -0.25]
    return LinearCombination(coeffs, ops)


def cycle_mixer(graph) -> LinearCombination:
    """PennyLane's cycle mixer of a directed graph (arXiv:1709.03489): the sum over its
    edges of :func:`_partial_cycle_mixer`; it maps sets of edges of zero net flow at every
    node to such sets only.

    >>> import networkx as nx
    >>> h = cycle_mixer(nx.complete_graph(3).to_directed())
    >>> h.coeffs[:4], h.ops[:2]
    ([0.25, 0.25, 0.25, -0.25], [X(0) @ X(1) @ X(5), Y(0) @ Y(1) @ X(5)])
    """
    _check(graph, ("nx.DiGraph", "rx.PyDiGraph"), _DIRECTED)
    return _joined(_partial_cycle_mixer(graph, edge) for edge in _edges(graph))


def _weight(edge, data):
    try:
        return data["weight"]
    except KeyError as exc:
        raise KeyError(f"Edge {edge} does not contain weight data") from exc
    except TypeError as exc:
        raise TypeError(f"Edge {edge} does not contain weight data") from exc


def _one_group(h: LinearCombination) -> LinearCombination:
    h.grouping_indices = [list(range(len(h.ops)))]  # all terms diagonal: they commute
    return h


def loss_hamiltonian(graph) -> LinearCombination:
    """``sum_(i,j) log(c_ij) Z_ij`` over the edges, ``c_ij`` each edge's ``"weight"``
    (a ``rustworkx`` edge's payload is a dict holding it): a selection of edges of
    largest product of weights has the lowest energy.

    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_edge(0, 1, weight=2.0); g.add_edge(1, 0, weight=0.5)
    >>> loss_hamiltonian(g).terms()
    ([0.6931471805599453, -0.6931471805599453], [Z(0), Z(1)])
    """
    kind = _check(graph, ("nx.Graph", "nx.DiGraph", "rx.PyGraph", "rx.PyDiGraph"), _ANY)
    wires = edges_to_wires(graph)
    if kind.startswith("rx."):
        labels = node_labels(graph)
        data = sorted(graph.weighted_edge_list(), key=lambda e: (e[0], e[1]))
        data = [(labels[a], labels[b], d) for a, b, d in data]
    else:
        data = list(graph.edges(data=True))
    coeffs, ops = [], []
    for a, b, d in data:
        if a == b:
            raise ValueError("Graph contains self-loops")
        coeffs.append(float(math.log(_weight((a, b), d))))
        ops.append(pauli_word(("Z", wires[(a, b)])))
    return _one_group(LinearCombination(coeffs, ops))


def _square_hamiltonian_terms(coeffs, ops) -> tuple[list, list]:
    """The terms of ``(sum_k c_k P_k)^2`` for diagonal single-wire ``P_k`` (``Z`` or the
    identity), every ordered pair in turn: ``c_k c_l``, with ``P_k P_l`` written as
    PennyLane does (an identity factor dropped, ``Z Z`` on one wire the identity, the
    lower wire first)."""
    out_coeffs, out_ops = [], []
    for (c1, o1), (c2, o2) in itertools.product(list(zip(coeffs, ops)), repeat=2):
        out_coeffs.append(c1 * c2)
        if o1.name == "Identity":
            out_ops.append(o2)
        elif o2.name == "Identity":
            out_ops.append(o1)
        elif o1.wires == o2.wires and o1.name == o2.name:
            out_ops.append(pauli_word(("I", 0)))
        else:
            first, second = (o2, o1) if o2.wires[0] < o1.wires[0] else (o1, o2)
            with recording(Tape()):
                out_ops.append(Prod(first, second))
    return out_coeffs, out_ops


def _merged(coeffs, ops) -> LinearCombination:
    """PennyLane's ``LinearCombination.simplify()`` of diagonal words: equal words merged
    in the order they first appear, zero coefficients kept."""
    merged: dict = {}
    for c, op in zip(coeffs, ops):
        key = frozenset(w for g in (op.operands if isinstance(op, Prod) else [op])
                        if g.name != "Identity" for w in g.wires)
        c0, first = merged.get(key, (0, op))
        merged[key] = (c0 + c, first)
    return LinearCombination([c for c, _ in merged.values()], [o for _, o in merged.values()])


def _inner_out_flow_constraint_hamiltonian(graph, node) -> LinearCombination:
    """``d(d - 2) I - 2(d - 1) sum_j Z_ij + (sum_j Z_ij)^2`` over the ``d`` edges leaving
    ``node``: 0 when at most one of them is selected (as PennyLane writes it: unmerged)."""
    _check(graph, ("nx.DiGraph", "rx.PyDiGraph"), _DIRECTED)
    out, _ = _flows(graph, node)
    d = len(out)
    coeffs, ops = _square_hamiltonian_terms([1] * d, [pauli_word(("Z", w)) for w in out])
    coeffs += [-2 * (d - 1)] * d + [d * (d - 2)]
    ops += [pauli_word(("Z", w)) for w in out] + [pauli_word(("I", 0))]
    return _one_group(LinearCombination(coeffs, ops))


def _inner_net_flow_constraint_hamiltonian(graph, node) -> LinearCombination:
    """``((d_out - d_in) I - sum_j Z_ij + sum_j Z_ji)^2`` at ``node``: 0 when as many of
    its selected edges leave as enter it (merged, as PennyLane's ``simplify`` does)."""
    _check(graph, ("nx.DiGraph", "rx.PyDiGraph"), _DIRECTED)
    out, into = _flows(graph, node)
    coeffs = [len(out) - len(into)] + [-1] * len(out) + [1] * len(into)
    ops = [pauli_word(("I", 0))] + [pauli_word(("Z", w)) for w in out + into]
    return _one_group(_merged(*_square_hamiltonian_terms(coeffs, ops)))


def _joined(parts) -> LinearCombination:
    """The terms of the sums ``parts``, one after the other, as written (not merged)."""
    coeffs, ops = [], []
    for part in parts:
        coeffs += part.coeffs
        ops += part.ops
    return LinearCombination(coeffs, ops)


def _over_nodes(graph, inner) -> LinearCombination:
    """The terms of ``inner(graph, node)`` for every node of a directed graph, in order."""
    _directed(graph)
    return _joined(inner(graph, node) for node in _nodes(graph))


def out_flow_constraint(graph) -> LinearCombination:
    """PennyLane's out-flow constraint of a directed graph: the sum over its nodes of
    ``d(d - 2) I - 2(d - 1) sum_j Z_ij + (sum_j Z_ij)^2`` (``d`` edges leave the node);
    lowest (0) exactly when no node has more than one selected edge leaving it.

    >>> import networkx as nx
    >>> h = out_flow_constraint(nx.DiGraph([(0, 1), (0, 2)]))  # wires 0 and 1
    >>> h.matrix(wire_order=[0, 1]).diagonal().real  # both edges selected: 8
    array([0., 0., 0., 8.])
    """
    return _over_nodes(graph, _inner_out_flow_constraint_hamiltonian)


def net_flow_constraint(graph) -> LinearCombination:
    """PennyLane's net-flow constraint of a directed graph: the sum over its nodes of
    ``((d_out - d_in) I - sum_j Z_ij + sum_j Z_ji)^2``; lowest (0) exactly when every node
    has as many selected edges entering as leaving it.

    >>> import networkx as nx
    >>> h = net_flow_constraint(nx.DiGraph([(0, 1), (1, 0)]))
    >>> h.matrix(wire_order=[0, 1]).diagonal().real  # |00> and |11> are cycles
    array([0., 8., 8., 0.])
    """
    return _over_nodes(graph, _inner_net_flow_constraint_hamiltonian)
