"""PennyLane's ``qml.qaoa``: cost and mixer Hamiltonians of graph problems, and the QAOA
layers, as plain gate decompositions (:class:`~qsym.templates.ApproxTimeEvolution`, that
is ``PauliRot`` gates), traced like any other circuit code.

The Hamiltonians are PennyLane's ``LinearCombination`` with PennyLane 0.45's terms and
coefficients as written (``H.coeffs``, ``H.ops``, its printing; a constant term is an
identity);
graphs are ``networkx`` graphs (``rustworkx`` graphs are not supported).

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
from types import SimpleNamespace

from .errors import GateError
from ._operations import GATE_CLASSES, LinearCombination, Observable, Prod
from ._trace import Tape, recording
from .templates import ApproxTimeEvolution, pauli_terms

__all__ = [
    "cost_layer", "mixer_layer", "bit_driver", "edge_driver", "maxcut", "max_independent_set",
    "min_vertex_cover", "max_clique", "x_mixer", "xy_mixer", "bit_flip_mixer",
]


def _word(*pairs):
    """The Pauli word of ``(letter, wire)`` pairs as PennyLane writes it: one Pauli gate,
    their product (``Z(0) @ Z(1)``), or the identity on the first wire ("I" letters
    dropped); made off any circuit's tape: a Hamiltonian, not gates."""
    with recording(Tape()):
        gates = [GATE_CLASSES["Pauli" + letter](wires=wire) for letter, wire in pairs if letter != "I"]
        if not gates:
            return GATE_CLASSES["Identity"](wires=pairs[0][1] if pairs else 0)
        return gates[0] if len(gates) == 1 else Prod(*gates)


def _identity(*wires):
    with recording(Tape()):
        ids = [GATE_CLASSES["Identity"](wires=w) for w in wires]
        return ids[0] if len(ids) == 1 else Prod(*ids)


def _sum(coeffs, words) -> LinearCombination:
    """PennyLane's ``LinearCombination(coeffs, ops)``: the terms as written."""
    return LinearCombination(list(coeffs), list(words))


def _graph(graph, what: str):
    if not (hasattr(graph, "nodes") and hasattr(graph, "edges") and hasattr(graph, "neighbors")):
        raise GateError(
            f"qaoa.{what}: Input graph must be a nx.Graph, got {type(graph).__name__} "
            "(qsym's qml.qaoa takes networkx graphs; rustworkx graphs are not supported)"
        )
    return graph


def _diagonal(hamiltonian) -> bool:
    return all(set(letters) <= {"Z"} for letters, _, _ in pauli_terms(hamiltonian, "cost_layer"))


def cost_layer(gamma, hamiltonian):
    """The QAOA cost layer ``exp(-i gamma H_C)``: ``ApproxTimeEvolution(H_C, gamma, 1)``.
    ``H_C`` must be a sum of products of ``PauliZ`` (and the identity), as in PennyLane.

    >>> import qsym as qml
    >>> cost_layer(0.5, qml.PauliZ(0) @ qml.PauliZ(1)).decomposition()
    [PauliRot(1.0, pauli_word='ZZ', wires=[0, 1])]
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
    [PauliRot(0.5, pauli_word='X', wires=[0]), PauliRot(0.5, pauli_word='X', wires=[1])]
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
        for v in graph.nodes():
            coeffs.append(1)
            words.append(_identity(v))
        return _sum(coeffs, words)
    reward = list(set(reward) - {"01"})
    sign = -1
    if len(reward) == 2:
        reward = list({"00", "10", "11"} - set(reward))
        sign = 1
    reward = reward[0]
    for a, b in graph.edges:
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
    return _sum([1] * len(wires), [_word(("X", w)) for w in wires])


def xy_mixer(graph) -> Observable:
    """``sum_(i,j) (X_i X_j + Y_i Y_j) / 2`` over the graph's edges.

    >>> import networkx as nx
    >>> xy_mixer(nx.Graph([(0, 1)]))
    0.5 * (X(0) @ X(1)) + 0.5 * (Y(0) @ Y(1))
    """
    graph = _graph(graph, "xy_mixer")
    coeffs, words = [], []
    for a, b in graph.edges:
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
    for i in graph.nodes:
        neighbours = list(graph.neighbors(i))
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
    edges = list(graph.edges)
    cost_h = edge_driver(graph, ["10", "01"]) + _sum([-0.5] * len(edges), [_identity(a, b) for a, b in edges])
    return cost_h, x_mixer(graph.nodes())


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
        return bit_driver(graph.nodes(), 1), bit_flip_mixer(graph, 0)
    cost_h = 3 * edge_driver(graph, ["10", "01", "00"]) + bit_driver(graph.nodes(), 1)
    return cost_h, x_mixer(graph.nodes())


def min_vertex_cover(graph, constrained: bool = True):
    """``(cost_h, mixer_h)`` of minimum vertex cover (PennyLane's, both forms).

    >>> import networkx as nx
    >>> min_vertex_cover(nx.Graph([(0, 1)]))[0]
    -1 * Z(0) + -1 * Z(1)
    """
    graph = _graph(graph, "min_vertex_cover")
    if constrained:
        return bit_driver(graph.nodes(), 0), bit_flip_mixer(graph, 1)
    cost_h = 3 * edge_driver(graph, ["11", "10", "01"]) + bit_driver(graph.nodes(), 0)
    return cost_h, x_mixer(graph.nodes())


def max_clique(graph, constrained: bool = True):
    """``(cost_h, mixer_h)`` of maximum clique (PennyLane's, both forms).

    >>> import networkx as nx
    >>> max_clique(nx.Graph([(0, 1)]))[0]
    1 * Z(0) + 1 * Z(1)
    """
    import networkx as nx

    graph = _graph(graph, "max_clique")
    complement = nx.complement(graph)
    if constrained:
        return bit_driver(graph.nodes(), 1), bit_flip_mixer(complement, 0)
    cost_h = 3 * edge_driver(complement, ["10", "01", "00"]) + bit_driver(graph.nodes(), 1)
    return cost_h, x_mixer(graph.nodes())


def __getattr__(name):
    if name in ("max_weight_cycle", "cycle", "loss_hamiltonian", "cycle_mixer",
                "net_flow_constraint", "out_flow_constraint", "wires_to_edges"):
        raise AttributeError(
            f"qml.qaoa.{name} (the maximum weighted cycle problem) is not supported by qsym: "
            "build its Hamiltonian with PennyLane and pass it to qaoa.cost_layer as "
            "qml.Hamiltonian(coeffs, ops)"
        )
    raise AttributeError(f"module 'qsym.qaoa' has no attribute {name!r}")


layers = SimpleNamespace(cost_layer=cost_layer, mixer_layer=mixer_layer)
cost = SimpleNamespace(
    bit_driver=bit_driver, edge_driver=edge_driver, maxcut=maxcut,
    max_independent_set=max_independent_set, min_vertex_cover=min_vertex_cover,
    max_clique=max_clique,
)
mixers = SimpleNamespace(x_mixer=x_mixer, xy_mixer=xy_mixer, bit_flip_mixer=bit_flip_mixer)
