"""qml.qaoa.cycle (the maximum-weighted-cycle problem) and rustworkx graphs in qml.qaoa.

Every Hamiltonian is checked against a reference computed here without qsym's code: the
diagonal of a Z Hamiltonian from bit counting over every bit string, the cycle mixer as
the bit flips it must make (edge i->j replaced by the path i->k->j and back), and the
rustworkx graph against the networkx graph with the same nodes and edges.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import qsym as qml
from qsym import qaoa

nx = pytest.importorskip("networkx")


def bitstrings(n):
    return list(itertools.product([0, 1], repeat=n))  # wire 0 the leftmost bit


def diagonal(h, n):
    m = h.matrix(wire_order=list(range(n)))
    assert np.allclose(m, np.diag(np.diag(m)))
    return np.diag(m).real


def weighted_triangle():
    g = nx.complete_graph(3).to_directed()  # edges (0,1) (0,2) (1,0) (1,2) (2,0) (2,1)
    for i, (a, b) in enumerate(g.edges):
        g[a][b]["weight"] = 0.5 + i
    return g


def test_edges_and_wires_are_the_graphs_edges_in_order():
    g = nx.DiGraph([(2, 0), (0, 1), (1, 2)])
    assert qaoa.edges_to_wires(g) == {(2, 0): 0, (0, 1): 1, (1, 2): 2}
    assert qaoa.wires_to_edges(g) == {0: (2, 0), 1: (0, 1), 2: (1, 2)}
    with pytest.raises(ValueError, match="Input graph must be a nx.Graph or rx.PyGraph"):
        qaoa.edges_to_wires([(0, 1)])


def test_loss_hamiltonian_diagonal_is_the_log_weights_of_the_chosen_edges():
    g = weighted_triangle()
    edges = list(g.edges)
    logs = [math.log(g[a][b]["weight"]) for a, b in edges]
    d = diagonal(qaoa.loss_hamiltonian(g), 6)
    # Z = +1 on an unchosen edge, -1 on a chosen one
    want = [sum(logs) - 2 * sum(lw for lw, bit in zip(logs, bits) if bit) for bits in bitstrings(6)]
    assert np.allclose(d, want)


def test_loss_hamiltonian_refuses_self_loops_and_missing_weights():
    with pytest.raises(KeyError, match="does not contain weight data"):
        qaoa.loss_hamiltonian(nx.complete_graph(3).to_directed())
    g = weighted_triangle()
    g.add_edge(1, 1, weight=2.0)
    with pytest.raises(ValueError, match="self-loops"):
        qaoa.loss_hamiltonian(g)


def flows(g, bits):
    """Selected edges leaving and entering each node, counted from the edge list."""
    out = {v: 0 for v in g.nodes}
    into = {v: 0 for v in g.nodes}
    for (a, b), bit in zip(g.edges, bits):
        out[a] += bit
        into[b] += bit
    return out, into


def test_net_flow_constraint_is_four_times_the_squared_imbalance():
    g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (1, 0), (0, 2)])
    d = diagonal(qaoa.net_flow_constraint(g), 5)
    for value, bits in zip(d, bitstrings(5)):
        out, into = flows(g, bits)
        imbalance = sum((out[v] - into[v]) ** 2 for v in g.nodes)
        assert value == pytest.approx(4 * imbalance)  # zero exactly on unions of cycles


def test_out_flow_constraint_vanishes_when_no_node_has_two_chosen_out_edges():
    g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (1, 0), (0, 2)])
    d = diagonal(qaoa.out_flow_constraint(g), 5)
    for value, bits in zip(d, bitstrings(5)):
        out, _ = flows(g, bits)
        assert value == pytest.approx(sum(4 * m * (m - 1) for m in out.values()))


def test_cycle_mixer_swaps_an_edge_for_the_two_step_path():
    g = nx.DiGraph([(0, 1), (0, 2), (2, 1), (1, 0), (2, 0)])
    wire = qaoa.edges_to_wires(g)
    n = len(wire)
    want = np.zeros((2**n, 2**n))
    for (i, j), w in wire.items():
        for k in g.nodes:
            if k in (i, j) or (i, k) not in wire or (k, j) not in wire:
                continue
            for idx, bits in enumerate(bitstrings(n)):
                b = list(bits)
                if (b[w], b[wire[(i, k)]], b[wire[(k, j)]]) == (1, 0, 0):
                    b[w], b[wire[(i, k)]], b[wire[(k, j)]] = 0, 1, 1
                    jdx = int("".join(map(str, b)), 2)
                    want[jdx, idx] += 1
                    want[idx, jdx] += 1
    got = qaoa.cycle_mixer(g).matrix(wire_order=list(range(n)))
    assert np.allclose(got, want)
    assert want.any()
    with pytest.raises(ValueError, match="nx.DiGraph or rx.PyDiGraph"):
        qaoa.cycle_mixer(nx.complete_graph(3))


def test_cycle_mixer_keeps_zero_net_flow():
    g = nx.complete_graph(3).to_directed()
    m = qaoa.cycle_mixer(g).matrix(wire_order=list(range(6))).real
    balanced = [all(o == i for o, i in zip(*(list(x.values()) for x in flows(g, bits))))
                for bits in bitstrings(6)]
    for col, ok in enumerate(balanced):
        assert all(balanced[row] == ok for row in np.flatnonzero(m[:, col]))


def test_max_weight_cycle_both_forms():
    g = weighted_triangle()
    cost_h, mixer_h, mapping = qaoa.max_weight_cycle(g)
    assert mapping == dict(enumerate(g.edges))
    assert np.allclose(cost_h.matrix(wire_order=range(6)),
                       qaoa.loss_hamiltonian(g).matrix(wire_order=range(6)))
    assert cost_h.grouping_indices == (tuple(range(6)),)
    assert np.allclose(mixer_h.matrix(wire_order=range(6)),
                       qaoa.cycle_mixer(g).matrix(wire_order=range(6)))
    cost_h, mixer_h, _ = qaoa.max_weight_cycle(g, constrained=False)
    d = diagonal(cost_h, 6)
    parts = [diagonal(f(g), 6) for f in (qaoa.loss_hamiltonian, qaoa.net_flow_constraint,
                                         qaoa.out_flow_constraint)]
    assert np.allclose(d, parts[0] + 3 * (parts[1] + parts[2]))
    assert mixer_h.ops == [qml.X(w) for w in range(6)]
    with pytest.raises(ValueError, match="nx.Graph, rx.PyGraph, or rx.PyDiGraph"):
        qaoa.max_weight_cycle([(0, 1)])


def test_pennylanes_module_paths_import():
    from qsym.qaoa.cost import max_weight_cycle, maxcut
    from qsym.qaoa.cycle import cycle_mixer, wires_to_edges
    from qsym.qaoa.layers import cost_layer, mixer_layer
    from qsym.qaoa.mixers import x_mixer

    assert (max_weight_cycle, maxcut, cycle_mixer, wires_to_edges, cost_layer, mixer_layer,
            x_mixer) == (qaoa.max_weight_cycle, qaoa.maxcut, qaoa.cycle_mixer,
                         qaoa.wires_to_edges, qaoa.cost_layer, qaoa.mixer_layer, qaoa.x_mixer)
    assert qaoa.x_mixer(range(3)).grouping_indices == ((0, 1, 2),)


# ---- rustworkx: the same graph as networkx gives the same Hamiltonians ---------------------
def same(h1, h2, wires):
    return np.allclose(h1.matrix(wire_order=wires), h2.matrix(wire_order=wires))


def test_rustworkx_digraph_matches_networkx():
    rx = pytest.importorskip("rustworkx")
    g = weighted_triangle()
    r = rx.PyDiGraph()
    r.add_nodes_from([0, 1, 2])
    for a, b in reversed(list(g.edges)):  # added out of order: wires follow node indices
        r.add_edge(a, b, {"weight": g[a][b]["weight"]})
    assert qaoa.edges_to_wires(r) == qaoa.edges_to_wires(g)
    for f in (qaoa.loss_hamiltonian, qaoa.cycle_mixer, qaoa.net_flow_constraint,
              qaoa.out_flow_constraint):
        assert same(f(r), f(g), range(6)), f.__name__
    with pytest.raises(ValueError, match="nx.Graph or rx.PyGraph"):
        qaoa.maxcut(r)


def test_rustworkx_payloads_are_the_wire_labels():
    rx = pytest.importorskip("rustworkx")
    r = rx.PyGraph()
    r.add_nodes_from(["b", 1, 0.3])
    r.add_edges_from([(2, 0, None), (0, 1, None)])
    g = nx.Graph([(0.3, "b"), ("b", 1)])
    wires = ["b", 1, 0.3]
    for f in (lambda x: qaoa.maxcut(x)[0], lambda x: qaoa.maxcut(x)[1], qaoa.xy_mixer,
              lambda x: qaoa.bit_flip_mixer(x, 1), lambda x: qaoa.edge_driver(x, ["11"]),
              lambda x: qaoa.max_independent_set(x, constrained=False)[0],
              lambda x: qaoa.max_clique(x)[1], lambda x: qaoa.min_vertex_cover(x)[1]):
        assert same(f(r), f(g), wires)
    assert qaoa.edges_to_wires(r) == {("b", 1): 0, (0.3, "b"): 1}  # by node index: (0,1), (2,0)
    unlabelled = rx.generators.directed_mesh_graph(3)  # payloads None
    with pytest.raises(ValueError, match="payloads are its wire labels"):
        qaoa.cycle_mixer(unlabelled)


def test_squared_terms_square_the_hamiltonian():
    from qsym.qaoa.cycle import _square_hamiltonian_terms

    coeffs, ops = [1.5, -1, 2], [qml.Identity(0), qml.Z(0), qml.Z(2)]
    sq = qml.Hamiltonian(*_square_hamiltonian_terms(coeffs, ops))
    h = qml.Hamiltonian(coeffs, ops).matrix(wire_order=[0, 2])
    assert np.allclose(sq.matrix(wire_order=[0, 2]), h @ h)
