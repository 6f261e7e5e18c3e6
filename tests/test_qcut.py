"""qml.qcut: PennyLane's circuit cutting (issue #18).

Independent checks: a cut circuit's expectation value (and gradient) against the closed
form of a tiny circuit (``<Z1> = cos x`` for ``RX(x)`` then ``CNOT``) and against qsym's
uncut QNode; the fragments, tape counts and tensors by hand.
"""

from __future__ import annotations

import sys

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym import qcut

pytest.importorskip("networkx")


def tiny(x):
    qml.RX(x, wires=0)
    qml.WireCut(wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.Z(1))


def test_a_cut_circuit_gives_the_closed_form_and_its_gradient():
    cut = qml.cut_circuit(qml.QNode(tiny, qml.device("default.qubit", wires=2)))
    for x in (0.0, 0.4, 2.1):
        assert onp.isclose(float(cut(x)), onp.cos(x))  # CNOT copies Z: <Z1> = <Z0> = cos x
    x = pnp.array(0.7, requires_grad=True)
    assert onp.isclose(float(qml.grad(cut)(x)), -onp.sin(0.7))


def three_wires(x, y):
    qml.RX(x, wires=0)
    qml.RY(0.543, wires="a")
    qml.WireCut(wires=0)
    qml.CNOT(wires=[0, "a"])
    qml.RZ(0.24, wires=0)
    qml.WireCut(wires="a")
    qml.CNOT(wires=["a", 2])
    qml.RX(y, wires="a")
    qml.RY(0.3, wires=2)
    return qml.expval(qml.Z(0) @ qml.Z(2))


def test_a_two_cut_circuit_agrees_with_the_uncut_qnode_and_its_gradient():
    uncut = qml.QNode(three_wires, qml.device("default.qubit", wires=[0, "a", 2]))
    cut = qml.cut_circuit(qml.QNode(three_wires, qml.device("default.qubit", wires=2)))
    x, y = pnp.array(0.531, requires_grad=True), pnp.array(-0.2, requires_grad=True)
    assert onp.isclose(float(cut(x, y)), float(uncut(x, y)))
    assert onp.allclose(qml.grad(cut)(x, y), qml.grad(uncut)(x, y))


def test_a_hamiltonian_is_cut_term_by_term():
    h = qml.Hamiltonian([0.5, -1.0], [qml.Z(0) @ qml.Z(1), qml.X(1)])

    def f(x):
        qml.RX(x, wires=0)
        qml.WireCut(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(0.3, wires=1)
        return qml.expval(h)

    uncut = qml.QNode(f, qml.device("default.qubit", wires=2))
    cut = qml.cut_circuit(qml.QNode(f, qml.device("default.qubit", wires=2)))
    assert onp.isclose(float(cut(0.8)), float(uncut(0.8)))


def test_fragments_and_their_expanded_tapes_by_hand():
    tape = qml.tape.make_qscript(tiny)(0.5)
    g = qcut.tape_to_graph(tape)
    qcut.replace_wire_cut_nodes(g)
    fragments, comm = qcut.fragment_graph(g)
    tapes = [qcut.graph_to_tape(f) for f in fragments]
    names = [[type(op).__name__ for op in t.operations] for t in tapes]
    assert sorted(names) == [["PrepareNode", "CNOT"], ["RX", "MeasureNode"]]
    assert list(comm.edges()) in ([(0, 1)], [(1, 0)])
    first = next(t for t in tapes if type(t.operations[0]).__name__ == "RX")
    expanded, preps, meas = qcut.expand_fragment_tape(first)
    # one measured cut wire: the Pauli words I, X, Y, Z in 3 qubit-wise commuting groups
    assert (len(expanded), len(preps), len(meas)) == (3, 0, 1)
    second = next(t for t in tapes if t is not first)
    expanded, preps, meas = qcut.expand_fragment_tape(second)
    assert (len(expanded), len(preps), len(meas)) == (4, 1, 0)  # |0>, |1>, |+>, |+i>
    assert [type(t.operations[0]).__name__ for t in expanded] == [
        "Identity", "PauliX", "Hadamard", "Hadamard"]


def test_graph_to_tape_moves_a_measured_wire_to_a_new_one():
    m, p = qcut.MeasureNode(wires=0), qcut.PrepareNode(wires=0)
    tape = qml.tape.QuantumScript([qml.X(0), m, p, qml.Y(0)], [qml.expval(qml.Z(0))])
    out = qcut.graph_to_tape(qcut.tape_to_graph(tape))
    assert [op.wires.tolist() for op in out.operations] == [[0], [0], [1], [1]]
    assert out.operations[1].node_uid == m.node_uid


def test_process_tensor_of_a_prepared_wire_by_hand():
    # <Z> after preparing |0>, |1>, |+>, |+i>: only Z's component, (1 - (-1)) / sqrt(2)
    t = qcut._process_tensor(onp.array([1.0, -1.0, 0.0, 0.0]), 1, 0)
    assert onp.allclose(onp.asarray(t), [0.0, 0.0, 0.0, 2 / onp.sqrt(2)])


def test_cut_circuit_mc_estimates_the_expectation():
    dev = qml.device("default.qubit", wires=1)

    @qml.cut_circuit_mc(classical_processing_fn=lambda bits: 1 - 2 * bits[0], seed=7)
    @qml.set_shots(4000)
    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.WireCut(wires=0)
        qml.RY(0.0, wires=0)
        return qml.sample(wires=[0])

    # each term is +-4 (8 * 1/2): the standard error is 4 / sqrt(4000) = 0.06
    assert abs(float(circuit(0.9)) - onp.cos(0.9)) < 0.3


def test_cut_circuit_mc_samples_have_the_uncut_shape():
    @qml.cut_circuit_mc
    @qml.set_shots(5)
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        qml.X(0)
        qml.WireCut(wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.sample(wires=[0, 1])

    assert circuit().shape == (5, 2)


def test_errors_say_what_to_do(monkeypatch):
    def two(x):
        qml.RX(x, wires=0)
        qml.WireCut(wires=0)
        return qml.expval(qml.Z(0)), qml.expval(qml.X(0))

    with pytest.raises(ValueError, match="single output measurement"):
        qml.cut_circuit(qml.QNode(two, qml.device("default.qubit", wires=1)))(0.1)

    def uncut(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(ValueError, match="No WireCut operations found"):
        qml.cut_circuit(qml.QNode(uncut, qml.device("default.qubit", wires=1)))(0.1)
    monkeypatch.setitem(sys.modules, "kahypar", None)
    with pytest.raises(ImportError, match="pip install kahypar"):
        qcut.kahypar_cut(None, 2)
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match="pip install networkx"):
        qcut.tape_to_graph(qml.tape.QuantumScript([qml.X(0)]))


def test_find_and_place_cuts_with_a_given_partitioner_and_strategy():
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1]), qml.RY(0.2, 1),
                                   qml.CNOT([1, 2]), qml.RX(0.3, 2)], [qml.expval(qml.Z(2))])
    g = qcut.tape_to_graph(tape)

    def cut_after_first_cnot(graph, **kwargs):  # the edge CNOT(0,1) -> RY on wire 1
        return [e for e in graph.edges(keys=True)
                if type(e[0].obj).__name__ == "CNOT" and type(e[1].obj).__name__ == "RY"]

    strategy = qcut.CutStrategy(max_free_wires=2, num_fragments_probed=2)
    cut = qcut.find_and_place_cuts(g, cut_method=cut_after_first_cnot, cut_strategy=strategy,
                                   replace_wire_cuts=True)
    fragments, _ = qcut.fragment_graph(cut)
    assert sorted(len(qcut.graph_to_tape(f).wires) for f in fragments) == [2, 2]
