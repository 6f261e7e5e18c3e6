"""PennyLane's ``qml.qaoa``: cost and mixer Hamiltonians of graph problems, and the QAOA
layers, as plain gate decompositions (:class:`~qsym.templates.ApproxTimeEvolution`, that
is ``PauliRot`` gates), traced like any other circuit code.

The Hamiltonians are PennyLane's ``LinearCombination`` with PennyLane 0.45's terms and
coefficients as written (``H.coeffs``, ``H.ops``, its printing; a constant term is an
identity). Graphs are ``networkx`` graphs or ``rustworkx`` ones (``rx.PyGraph``; the
maximum-weighted-cycle functions take ``rx.PyDiGraph`` too), read as PennyLane reads them:
a ``rustworkx`` node's payload is its wire label, its edges are taken in node-index order
(``rustworkx`` is never imported unless ``max_clique`` complements such a graph).
PennyLane's submodule paths import: ``qsym.qaoa.cost``, ``.mixers``, ``.layers``,
``.cycle`` (the maximum-weighted-cycle problem, ``max_weight_cycle``).

>>> import networkx as nx
>>> import qsym as qml
>>> from qsym import qaoa
>>> cost_h, mixer_h = qaoa.maxcut(nx.Graph([(0, 1), (1, 2)]))
>>> cost_h
(
    0.5 * (Z(0) @ Z(1))
  + 0.5 * (Z(1) @ Z(2))
  + -0.5 * (I(0) @ I(1))
  + -0.5 * (I(1) @ I(2))
)
>>> mixer_h
1 * X(0) + 1 * X(1) + 1 * X(2)
>>> @qml.qnode(qml.device("default.qubit", wires=3))
... def circuit(gamma, alpha):
...     for w in range(3):
...         qml.Hadamard(wires=w)
...     qaoa.cost_layer(gamma, cost_h)
...     qaoa.mixer_layer(alpha, mixer_h)
...     return qml.expval(cost_h)
>>> round(float(circuit(0.5, 0.3)), 10)
-0.5805073677
"""

from __future__ import annotations

import functools
import itertools
import sys
import types

from . import _qaoa_cycle as cycle
from .errors import GateError
from ._operations import GATE_CLASSES, LinearCombination, Observable, Prod
from ._qaoa_cycle import (
    cycle_mixer, edges_to_wires, graph_kind, loss_hamiltonian, net_flow_constraint, node_labels,
    out_flow_constraint, pauli_word, wires_to_edges,
)
from ._trace import Tape, recording
from .templates import ApproxTimeEvolution, pauli_terms

__all__ = [
    "cost_layer", "mixer_layer", "bit_driver", "edge_driver", "maxcut", "max_independent_set",
    "min_vertex_cover", "max_clique", "max_weight_cycle", "x_mixer", "xy_mixer",
    "bit_flip_mixer", "edges_to_wires", "wires_to_edges", "cycle_mixer", "loss_hamiltonian",
    "out_flow_constraint", "net_flow_constraint",
]

_word = pauli_word


def _identity(*wires):
    with recording(Tape()):
        ids = [GATE_CLASSES["Identity"](wires=w) for w in wires]
        return ids[0] if len(ids) == 1 else Prod(*ids)


def _sum(coeffs, words) -> LinearCombination:
    """PennyLane's ``LinearCombination(coeffs, ops)``: the terms as written."""
    return LinearCombination(list(coeffs), list(words))


def _graph(graph, what: str):
    if graph_kind(graph) not in ("nx.Graph", "nx.DiGraph", "rx.PyGraph"):
        raise GateError(
            f"qaoa.{what}: Input graph must be a nx.Graph or rx.PyGraph, got "
            f"{type(graph).__name__}"
        )
    return graph


def _rx(graph) -> bool:
    return graph_kind(graph) == "rx.PyGraph"


def _nodes(graph) -> list:
    """The node labels (a ``rustworkx`` graph's payloads), in the graph's order."""
    return list(node_labels(graph).values()) if _rx(graph) else list(graph.nodes())


def _edges(graph, ordered: bool = True) -> list:
    """The edges as label pairs: a ``rustworkx`` graph's sorted by node index (PennyLane's
    ``sorted(g.edge_list())``; as added when not ``ordered``, as its ``xy_mixer`` does)."""
    if not _rx(graph):
        return list(graph.edges)
    labels = node_labels(graph)
    pairs = graph.edge_list()
    return [(labels[a], labels[b]) for a, b in (sorted(pairs) if ordered else pairs)]


def _neighbourhoods(graph) -> list:
    """``(node, its neighbours)`` per node: a ``rustworkx`` graph's by index, sorted."""
    if not _rx(graph):
        return [(i, list(graph.neighbors(i))) for i in graph.nodes]
    labels = node_labels(graph)
    return [(labels[i], [labels[n] for n in sorted(graph.neighbors(i))]) for i in labels]


def _one_group(h):
    h.grouping_indices = [list(range(len(h.ops)))]  # diagonal (or all X) terms: they commute
    return h


def _diagonal(hamiltonian) -> bool:
    return all(set(letters) <= {"Z"} for letters, _, _ in pauli_terms(hamiltonian, "cost_layer"))


def cost_layer(gamma, hamiltonian):
    """The QAOA cost layer ``exp(-i gamma H_C)``: ``ApproxTimeEvolution(H_C, gamma, 1)``.
    ``H_C`` must be a sum of products of ``PauliZ`` (and the identity), as in PennyLane.

    >>> import qsym as qml
    >>> cost_layer(0.5, qml.PauliZ(0) @ qml.PauliZ(1)).decomposition()
    [PauliRot(1.0, ZZ, wires=[0, 1])]
    """
    if not _diagonal(hamiltonian):
        raise GateError(
            "qaoa.cost_layer: hamiltonian must be written only in terms of PauliZ and Identity "
            "gates"
        )
    return ApproxTimeEvolution(hamiltonian, gamma, 1)


def mixer_layer(alpha, hamiltonian):
    """The QAOA mixer layer ``exp(-i alpha H_M)``: ``ApproxTimeEvolution(H_M, alpha, 1)``.

    >>> mixer_layer(0.25, x_mixer([0, 1])).decomposition()
    [PauliRot(0.5, X, wires=[0]), PauliRot(0.5, X, wires=[1])]
    """
    return ApproxTimeEvolution(hamiltonian, alpha, 1)


def bit_driver(wires, b: int) -> Observable:
    """``sum_i Z_i`` (``b=1``) or ``-sum_i Z_i`` (``b=0``): rewards bits equal to ``b``.

    >>> bit_driver([0, 1], 0)
    -1 * Z(0) + -1 * Z(1)
    """
    if b not in (0, 1):
        raise GateError(f"qaoa.bit_driver: 'b' must be either 0 or 1, got {b}")
    wires = list(wires)
    return _sum([1 if b == 1 else -1] * len(wires), [_word(("Z", w)) for w in wires])


def edge_driver(graph, reward) -> Observable:
    """PennyLane's edge driver: on every edge, a diagonal term that rewards the two-bit
    strings in ``reward`` (``"00"``, ``"01"``, ``"10"``, ``"11"``; ``"01"`` and ``"10"``
    together or not at all).

    >>> import networkx as nx
    >>> edge_driver(nx.Graph([(0, 1)]), ["11"])
    -0.25 * (Z(0) @ Z(1)) + 0.25 * Z(0) + 0.25 * Z(1)
    """
    allowed = ["00", "01", "10", "11"]
    if not all(e in allowed for e in reward):
        raise GateError("qaoa.edge_driver: Encountered invalid entry in 'reward', expected "
                        "2-bit bitstrings.")
    if ("01" in reward) != ("10" in reward):
        raise GateError("qaoa.edge_driver: 'reward' cannot contain either '10' or '01', must "
                        "contain neither or both.")
    graph = _graph(graph, "edge_driver")
    coeffs, words = [], []
    if len(reward) in (0, 4):
        for v in _nodes(graph):
            coeffs.append(1)
            words.append(_identity(v))
        return _sum(coeffs, words)
    reward = list(set(reward) - {"01"})
    sign = -1
    if len(reward) == 2:
        reward = list({"00", "10", "11"} - set(reward))
        sign = 1
    reward = reward[0]
    for a, b in _edges(graph):
        if reward == "00":
            coeffs += [0.25 * sign] * 3
            words += [_word(("Z", a), ("Z", b)), _word(("Z", a)), _word(("Z", b))]
        elif reward == "10":
            coeffs.append(-0.5 * sign)
            words.append(_word(("Z", a), ("Z", b)))
        else:  # "11"
            coeffs += [0.25 * sign, -0.25 * sign, -0.25 * sign]
            words += [_word(("Z", a), ("Z", b)), _word(("Z", a)), _word(("Z", b))]
    return _sum(coeffs, words)


def x_mixer(wires) -> Observable:
    """``sum_i X_i``, the standard QAOA mixer.

    >>> x_mixer(["a", "b"])
    1 * X('a') + 1 * X('b')
    """
    wires = list(wires)
    return _one_group(_sum([1] * len(wires), [_word(("X", w)) for w in wires]))


def xy_mixer(graph) -> Observable:
    """``sum_(i,j) (X_i X_j + Y_i Y_j) / 2`` over the graph's edges.

    >>> import networkx as nx
    >>> xy_mixer(nx.Graph([(0, 1)]))
    0.5 * (X(0) @ X(1)) + 0.5 * (Y(0) @ Y(1))
    """
    graph = _graph(graph, "xy_mixer")
    coeffs, words = [], []
    for a, b in _edges(graph, ordered=False):
        coeffs += [0.5, 0.5]
        words += [_word(("X", a), ("X", b)), _word(("Y", a), ("Y", b))]
    return _sum(coeffs, words)


def bit_flip_mixer(graph, b: int) -> Observable:
    """PennyLane's bit-flip mixer: flips a vertex only if all its neighbours are ``b``.

    >>> import networkx as nx
    >>> bit_flip_mixer(nx.Graph([(0, 1)]), 1)
    (
        0.5 * X(0)
      + -0.5 * (X(0) @ Z(1))
      + 0.5 * X(1)
      + -0.5 * (X(1) @ Z(0))
    )
    """
    graph = _graph(graph, "bit_flip_mixer")
    if b not in (0, 1):
        raise GateError(f"qaoa.bit_flip_mixer: 'b' must be either 0 or 1, got {b}")
    sign = 1 if b == 0 else -1
    coeffs, words = [], []
    for i, neighbours in _neighbourhoods(graph):
        options = [[("X", i)]] + [[("I", n), ("Z", n)] for n in neighbours]
        signs = [[1, sign] for _ in neighbours]
        for m in itertools.product(*options):
            words.append(_word(*m))
        for m in itertools.product(*signs):
            coeffs.append(0.5 ** len(neighbours) * functools.reduce(lambda x, y: x * y, m, 1))
    return _sum(coeffs, words)


def maxcut(graph):
    """``(cost_h, mixer_h)`` of MaxCut: ``sum_(i,j) (Z_i Z_j - 1) / 2`` and ``x_mixer``.

    >>> import networkx as nx
    >>> maxcut(nx.Graph([(0, 1)]))[0]
    0.5 * (Z(0) @ Z(1)) + -0.5 * (I(0) @ I(1))
    """
    graph = _graph(graph, "maxcut")
    edges = _edges(graph)
    cost_h = edge_driver(graph, ["10", "01"]) + _sum([-0.5] * len(edges), [_identity(a, b) for a, b in edges])
    return _one_group(cost_h), x_mixer(_nodes(graph))


def max_independent_set(graph, constrained: bool = True):
    """``(cost_h, mixer_h)`` of maximum independent set (PennyLane's, both forms).

    >>> import networkx as nx
    >>> max_independent_set(nx.Graph([(0, 1)]), constrained=False)[0]
    (
        0.75 * (Z(0) @ Z(1))
      + -0.75 * Z(0)
      + -0.75 * Z(1)
      + 1.0 * Z(0)
      + 1.0 * Z(1)
    )
    """
    graph = _graph(graph, "max_independent_set")
    if constrained:
        return _one_group(bit_driver(_nodes(graph), 1)), bit_flip_mixer(graph, 0)
    cost_h = 3 * edge_driver(graph, ["10", "01", "00"]) + bit_driver(_nodes(graph), 1)
    return cost_h, x_mixer(_nodes(graph))


def min_vertex_cover(graph, constrained: bool = True):
    """``(cost_h, mixer_h)`` of minimum vertex cover (PennyLane's, both forms).

    >>> import networkx as nx
    >>> min_vertex_cover(nx.Graph([(0, 1)]))[0]
    -1 * Z(0) + -1 * Z(1)
    """
    graph = _graph(graph, "min_vertex_cover")
    if constrained:
        return _one_group(bit_driver(_nodes(graph), 0)), bit_flip_mixer(graph, 1)
    cost_h = 3 * edge_driver(graph, ["11", "10", "01"]) + bit_driver(_nodes(graph), 0)
    return cost_h, x_mixer(_nodes(graph))


def max_clique(graph, constrained: bool = True):
    """``(cost_h, mixer_h)`` of maximum clique (PennyLane's, both forms).

    >>> import networkx as nx
    >>> max_clique(nx.Graph([(0, 1)]))[0]
    1 * Z(0) + 1 * Z(1)
    """
    graph = _graph(graph, "max_clique")
    if _rx(graph):
        import rustworkx

        complement = rustworkx.complement(graph)
    else:
        import networkx

        complement = networkx.complement(graph)
    if constrained:
        return _one_group(bit_driver(_nodes(graph), 1)), bit_flip_mixer(complement, 0)
    cost_h = 3 * edge_driver(complement, ["10", "01", "00"]) + bit_driver(_nodes(graph), 1)
    return cost_h, x_mixer(_nodes(graph))


def max_weight_cycle(graph, constrained: bool = True):
    """``(cost_h, mixer_h, mapping)`` of the maximum weighted cycle problem (PennyLane's):
    one wire per directed edge (``mapping``: :func:`wires_to_edges`); constrained, the
    :func:`loss_hamiltonian` and the :func:`cycle_mixer`; unconstrained, the loss plus
    ``3 * (net_flow_constraint + out_flow_constraint)`` and :func:`x_mixer` on every wire.

    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_edge(0, 1, weight=2.0); g.add_edge(1, 0, weight=0.5)
    >>> cost_h, mixer_h, mapping = max_weight_cycle(g)
    >>> cost_h.terms(), mapping
    (([0.6931471805599453, -0.6931471805599453], [Z(0), Z(1)]), {0: (0, 1), 1: (1, 0)})
    """
    if graph_kind(graph) not in ("nx.Graph", "nx.DiGraph", "rx.PyGraph", "rx.PyDiGraph"):
        raise GateError(
            "qaoa.max_weight_cycle: Input graph must be a nx.Graph, rx.PyGraph, or "
            f"rx.PyDiGraph, got {type(graph).__name__}"
        )
    mapping = wires_to_edges(graph)
    if constrained:
        return _one_group(loss_hamiltonian(graph)), cycle_mixer(graph), mapping
    cost_h = loss_hamiltonian(graph) + 3 * (net_flow_constraint(graph) + out_flow_constraint(graph))
    return cost_h, x_mixer(mapping.keys()), mapping


def _module(name: str, doc: str, **names) -> types.ModuleType:
    """PennyLane's module ``qml.qaoa.<name>``, importable by that path."""
    mod = types.ModuleType(f"{__name__}.{name}", doc)
    vars(mod).update(names)
    mod.__all__ = sorted(n for n in names if not n.startswith("_"))
    sys.modules.setdefault(mod.__name__, mod)
    return mod


layers = _module("layers", "PennyLane's qml.qaoa.layers", cost_layer=cost_layer,
                 mixer_layer=mixer_layer, _diagonal_terms=_diagonal)
cost = _module(
    "cost", "PennyLane's qml.qaoa.cost", bit_driver=bit_driver, edge_driver=edge_driver,
    maxcut=maxcut, max_independent_set=max_independent_set, min_vertex_cover=min_vertex_cover,
    max_clique=max_clique, max_weight_cycle=max_weight_cycle,
)
mixers = _module("mixers", "PennyLane's qml.qaoa.mixers", x_mixer=x_mixer, xy_mixer=xy_mixer,
                 bit_flip_mixer=bit_flip_mixer)
sys.modules.setdefault(f"{__name__}.cycle", cycle)
