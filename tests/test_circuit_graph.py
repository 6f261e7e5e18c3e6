"""qml.CircuitGraph (PennyLane's DAG of a circuit) and tape.graph: small circuits whose edges,
ancestors, layers and depth are worked out by hand in the comments; serialize() against the
string PennyLane's format gives, written out by hand; hashes of equal and different circuits."""

from __future__ import annotations

import sys

import pytest

import qsym as qml
from qsym.tape import QuantumScript


def _circuit_a():
    """wire 0: RX #0 -> CNOT #2 -> X #5 -> expval #6
    wire 1: RY #1 -> CNOT #2 -> CZ #4 -> probs #7
    wire 2: H #3 -> CZ #4 -> probs #7"""
    ops = [qml.RX(0.1, 0), qml.RY(0.2, 1), qml.CNOT([0, 1]), qml.Hadamard(2), qml.CZ([1, 2]),
           qml.X(0)]
    obs = [qml.expval(qml.Z(0)), qml.probs(wires=[1, 2])]
    return ops, obs, qml.CircuitGraph(ops, obs, [0, 1, 2])


def _ids(objs):
    return sorted(id(o) for o in objs)


def test_wire_indices_ancestors_descendants_by_hand():
    ops, obs, g = _circuit_a()
    queue = ops + obs
    assert [g.wire_indices(w) for w in (0, 1, 2)] == [[0, 2, 5, 6], [1, 2, 4, 7], [3, 4, 7]]
    assert _ids(g.ancestors([ops[4]])) == _ids(queue[:4])
    assert g.descendants([ops[2]]) == [queue[i] for i in (4, 5, 6, 7)]  # queue order
    assert g.descendants([ops[3]]) == [ops[4], obs[1]]
    assert g.ancestors([ops[0]]) == [] and g.descendants([obs[0]]) == []
    assert g.ancestors_of_indexes([6, 3]) == [ops[0], ops[1], ops[2], ops[5]]
    assert g.descendants_of_indexes([1]) == [ops[2], ops[4], ops[5], obs[0], obs[1]]
    assert g.operations is ops and g.observables is obs


def test_paths_and_nodes_between():
    ops, obs, g = _circuit_a()
    assert g.has_path(ops[0], obs[1])  # RX -> CNOT -> CZ -> probs
    assert not g.has_path(ops[3], obs[0])  # H reaches only CZ and probs
    assert not g.has_path(obs[1], ops[0])  # edges run forward
    assert g.has_path(ops[3], ops[3]) and g.has_path_idx(3, 3)
    assert g.has_path_idx(1, 6) and not g.has_path_idx(3, 5)
    assert _ids(g.nodes_between(ops[0], obs[1])) == _ids([ops[0], ops[2], ops[4], obs[1]])
    assert g.nodes_between(ops[3], obs[0]) == []


def test_graph_is_a_rustworkx_digraph_of_queue_indices():
    rx = pytest.importorskip("rustworkx")
    _, _, g = _circuit_a()
    graph = g.graph
    assert isinstance(graph, rx.PyDiGraph) and len(graph) == 8
    edges = {(graph.get_node_data(a), graph.get_node_data(b)) for a, b in graph.edge_list()}
    # CZ -> probs shares wires 1 and 2: one edge
    assert edges == {(0, 2), (1, 2), (2, 5), (5, 6), (2, 4), (3, 4), (4, 7)}
    assert g.graph is graph


def test_graph_without_rustworkx_names_the_package(monkeypatch):
    _, _, g = _circuit_a()
    monkeypatch.setitem(sys.modules, "rustworkx", None)
    with pytest.raises(ImportError, match="pip install rustworkx"):
        g.graph
    assert g.has_path_idx(0, 7)  # the rest needs no rustworkx


def test_depth_by_hand():
    _, _, g = _circuit_a()
    # RX 1, RY 1, CNOT 2, H 1, CZ 3, X 3
    assert g.get_depth() == 3
    assert qml.CircuitGraph([], [qml.state()], [0]).get_depth() == 0
    # a gate without wires acts on all of them: X(0) 1, GlobalPhase 2, X(1) 3
    assert qml.CircuitGraph([qml.X(0), qml.GlobalPhase(0.3), qml.X(1)], [], [0, 1]).get_depth() == 3

    class Depth3(qml.resource.ResourcesOperation):
        num_wires = 2

        def resources(self):
            return qml.resource.Resources(num_wires=2, depth=3)

    # H(0) 1, Depth3 1 + 3 = 4, X(1) 5, X(2) 1
    ops = [qml.Hadamard(0), Depth3(wires=[0, 1]), qml.X(1), qml.X(2)]
    assert qml.CircuitGraph(ops, [], [0, 1, 2]).get_depth() == 5


def test_mid_circuit_measurement_feeds_its_conditional():
    mcm = qml.ops.MidMeasure(wires=qml.wires.Wires([0]))
    cond = qml.ops.Conditional(qml.ops.MeasurementValue([mcm]), qml.X(1))
    ops = [mcm, cond, qml.X(2)]
    g = qml.CircuitGraph(ops, [], [0, 1, 2])
    assert g.has_path(mcm, cond)  # no shared wire: the measurement's value
    assert not g.has_path(mcm, ops[2])
    assert g.ancestors([cond]) == [mcm]


def test_serialize_as_pennylanes_format():
    _, _, g = _circuit_a()
    assert g.serialize() == ("RX!0.1![0]RY!0.2![1]CNOT[0, 1]Hadamard[2]CZ[1, 2]PauliX[0]|||"
                             "ExpectationMP!PauliZ[0]ProbabilityMP!Identity[1, 2]")
    g = qml.CircuitGraph([qml.Rot(1, 2, 3, wires="a")], [qml.var(qml.X("a")), qml.state()], ["a"])
    assert g.serialize() == "Rot!1!!2!!3!['a']|||VarianceMP!PauliX['a']StateMP!Identity[]"
    assert qml.CircuitGraph([], [], [0]).serialize() == "|||"


def _hash(ops, meas):
    return QuantumScript(ops, meas).graph.hash


def test_equal_circuits_hash_equal_different_ones_differ():
    base = _hash([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))])
    assert base == _hash([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))])
    different = [
        ([qml.RX(0.4, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))]),  # parameter
        ([qml.RY(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))]),  # gate
        ([qml.RX(0.3, 0), qml.CNOT([1, 0])], [qml.expval(qml.Z(0))]),  # wires
        ([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.var(qml.Z(0))]),  # measurement
        ([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))]),  # measured wire
        ([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0) @ qml.Z(1))]),  # observable
        ([qml.CNOT([0, 1]), qml.RX(0.3, 0)], [qml.expval(qml.Z(0))]),  # order
    ]
    hashes = {_hash(o, m) for o, m in different}
    assert len(hashes) == len(different) and base not in hashes


def test_parametrized_layers_by_hand():
    # RX(a, 0) #0, RY(b, 1) #1, CNOT #2, RZ(c, 0) #3, RX(d, 2) #4; parameters 0..3
    ops = [qml.RX(0.1, 0), qml.RY(0.2, 1), qml.CNOT([0, 1]), qml.RZ(0.3, 0), qml.RX(0.4, 2)]
    tape = QuantumScript(ops, [qml.expval(qml.Z(0))])  # expval #5 after RZ on wire 0
    layers = tape.graph.parametrized_layers
    # RZ depends on RX (via CNOT): a new layer; RX(d, 2) depends on nothing in it
    assert [(l.ops, l.param_inds, l.ops_inds) for l in layers] == [
        ([ops[0], ops[1]], [0, 1], [0, 1]), ([ops[3], ops[4]], [2, 3], [3, 4])]
    data = list(tape.graph.iterate_parametrized_layers())
    assert data[0].pre_ops == [] and data[0].param_inds == (0, 1)
    assert data[0].post_ops == [ops[2], ops[3], tape.measurements[0]]
    assert data[1].pre_ops == ops[:3] and data[1].post_ops == tape.measurements
    # only b (RY #1) and d (RX #4): independent, one layer
    tape = QuantumScript(ops, tape.measurements, trainable_params=[1, 3])
    assert [(l.ops, l.param_inds) for l in tape.graph.parametrized_layers] == [
        ([ops[1], ops[4]], [1, 3])]


def test_repeated_operator_and_single_operator_errors():
    op = qml.X(0)
    g = qml.CircuitGraph([op, qml.Y(0), op], [], [0])
    with pytest.raises(ValueError, match="occurs multiple times"):
        g.ancestors([op])
    with pytest.raises(ValueError, match="occurs multiple times"):
        g.descendants([op])
    with pytest.raises(ValueError, match="repeated"):
        g.has_path(op, g.operations[1])
    assert g.has_path_idx(0, 2) and g.ancestors_of_indexes([2]) == [op, g.operations[1]]
    with pytest.raises(ValueError, match="accepts an iterable"):
        g.ancestors(g.operations[1])
    with pytest.raises(ValueError, match="not in this CircuitGraph"):
        g.descendants([qml.Z(0)])


def test_max_simultaneous_measurements_str_and_update_node():
    ops, obs, g = _circuit_a()
    assert g.max_simultaneous_measurements == 1
    two = qml.CircuitGraph([], [qml.expval(qml.Z(1)), qml.probs(wires=[0, 1])], [0, 1])
    assert two.max_simultaneous_measurements == 2
    assert qml.CircuitGraph([], [qml.state()], [0]).max_simultaneous_measurements == 1
    small = qml.CircuitGraph([qml.Hadamard(0)], [qml.sample(wires=[0, 1])], [0, 1])
    assert str(small) == ("Operations\n==========\nH(0)\n\nObservables\n===========\n"
                          "sample(wires=[0, 1])\n")
    new = qml.RY(0.5, 0)
    g.update_node(ops[0], new)
    assert g.operations[0] is new and g.ancestors([ops[2]]) == [new, ops[1]]
    with pytest.raises(ValueError, match="same wires"):
        g.update_node(new, qml.CNOT([0, 1]))


def test_tape_graph_is_cached_and_forgotten_on_update():
    tape = QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    graph = tape.graph
    assert tape.graph is graph and graph.wires == qml.wires.Wires([0])
    tape.operations.append(qml.Y(1))
    tape._update()
    assert tape.graph is not graph and tape.graph.serialize().startswith("PauliX[0]PauliY[1]")


def test_pennylane_module_paths():
    from qsym.circuit_graph import CircuitGraph, Layer, LayerData
    from qsym.ops.mid_measure.measurement_value import MeasurementValue
    from qsym.ops.mid_measure.mid_measure import MidMeasure
    from qsym.ops.mid_measure.pauli_measure import PauliMeasure

    assert CircuitGraph is qml.CircuitGraph and Layer._fields == ("ops", "param_inds", "ops_inds")
    assert LayerData._fields == ("pre_ops", "ops", "param_inds", "post_ops")
    assert (MeasurementValue, MidMeasure, PauliMeasure) == (
        qml.ops.MeasurementValue, qml.ops.MidMeasure, qml.ops.PauliMeasure)
