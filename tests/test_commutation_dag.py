"""qml.transforms.commutation_dag (qsym/_commutation_dag.py): the edges are checked against
the transitive reduction (networkx's) of the non-commutation relation computed from
hand-written matrices, and every order of the gates the DAG allows gives the circuit's
unitary (the matrices multiplied by hand)."""

import itertools

import networkx as nx
import numpy as np
import pytest

import qsym as qml

C, S = np.cos, np.sin
MATS = {  # hand-written, not qsym's
    "PauliX": lambda: np.array([[0, 1], [1, 0]], complex),
    "PauliZ": lambda: np.diag([1, -1]).astype(complex),
    "Hadamard": lambda: np.array([[1, 1], [1, -1]], complex) / np.sqrt(2),
    "RX": lambda t: np.array([[C(t / 2), -1j * S(t / 2)], [-1j * S(t / 2), C(t / 2)]]),
    "RZ": lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)]),
    "CNOT": lambda: np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], complex),
    "CZ": lambda: np.diag([1, 1, 1, -1]).astype(complex),
    "CRZ": lambda t: np.diag([1, 1, np.exp(-0.5j * t), np.exp(0.5j * t)]),
}


def full_matrix(op, n):
    """The gate's matrix on n qubits (wire 0 most significant), by applying it to each
    basis state as a tensor."""
    k = len(op.wires)
    m = MATS[op.name](*op.parameters).reshape((2,) * (2 * k))
    out = np.zeros((2**n, 2**n), complex)
    for b in range(2**n):
        psi = np.zeros(2**n, complex)
        psi[b] = 1
        psi = np.tensordot(m, psi.reshape((2,) * n), axes=(list(range(k, 2 * k)), list(op.wires)))
        psi = np.moveaxis(psi, list(range(k)), list(op.wires))
        out[:, b] = psi.reshape(-1)
    return out


def unitary(ops, n):
    u = np.eye(2**n, dtype=complex)
    for op in ops:
        u = full_matrix(op, n) @ u
    return u


OPS = [qml.CNOT([2, 0]), qml.PauliX(1), qml.PauliZ(0), qml.CNOT([1, 2]), qml.RZ(0.3, 0),
       qml.CRZ(0.7, [0, 1]), qml.Hadamard(2), qml.PauliX(1), qml.CZ([0, 2]), qml.RX(0.4, 1)]


def test_edges_are_the_reduction_of_non_commutation_by_matrices():
    # the tape's wire order is 2, 0, 1: the DAG relabels them 0, 1, 2
    tape = qml.tape.QuantumScript(OPS, [qml.expval(qml.PauliZ(0))])
    dag = qml.transforms.commutation_dag(tape)
    relabel = {2: 0, 0: 1, 1: 2}
    mats = [full_matrix(op, 3) for op in OPS]
    order = nx.DiGraph()
    order.add_nodes_from(range(len(OPS)))
    for j, i in itertools.combinations(range(len(OPS)), 2):
        if not np.allclose(mats[j] @ mats[i], mats[i] @ mats[j]):
            order.add_edge(j, i)
    expected = sorted(nx.transitive_reduction(order).edges)
    assert [(a, b) for a, b, _ in dag.get_edges()] == expected
    assert all(attrs == {"commute": False} for _, _, attrs in dag.get_edges())
    for i in range(len(OPS)):
        node = dag.get_node(i)
        assert node.op.name == OPS[i].name
        assert list(node.op.wires) == [relabel[w] for w in OPS[i].wires]
        assert node.predecessors == sorted(nx.ancestors(order, i)) == dag.predecessors(i)
        assert node.successors == sorted(nx.descendants(order, i)) == dag.successors(i)
    assert dag.get_node(5).control_wires == [relabel[0]]
    assert dag.get_node(5).target_wires == [relabel[1]]
    assert dag.observables[0].wires.tolist() == [relabel[0]]
    assert dag.size == len(OPS) and dag.num_wires == 3


def test_every_order_the_dag_allows_keeps_the_unitary():
    tape = qml.tape.QuantumScript(OPS)
    dag = qml.transforms.commutation_dag(tape)
    expected = unitary(OPS, 3)
    rng = np.random.default_rng(7)
    orders = list(itertools.islice(nx.all_topological_sorts(dag.graph), 2000))
    assert len(orders) > 50
    for k in rng.choice(len(orders), size=40, replace=False):
        reordered = [OPS[i] for i in orders[k]]
        assert np.allclose(unitary(reordered, 3), expected, atol=1e-12)


def test_qnode_and_quantum_function_give_the_dag_at_their_arguments():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[1, 0])
        qml.RZ(2 * x, wires=0)
        return qml.expval(qml.PauliX(0))

    dag = qml.transforms.commutation_dag(circuit)(0.25)
    assert [op.name for _, node in dag.get_nodes() for op in [node.op]] == ["RX", "CNOT", "RZ"]
    assert dag.get_node(2).op.data[0] == pytest.approx(0.5)
    # RX on the CNOT's target commutes with it, RZ there does not (nor with RX)
    assert [edge[:2] for edge in dag.get_edges()] == [(0, 2), (1, 2)]
    assert dag.get_edge(0, 1) is None and dag.get_edge(0, 2) == {0: {"commute": False}}
    assert dag.observables[0].name == "PauliX"
    assert qml.commutation_dag is qml.transforms.commutation_dag
