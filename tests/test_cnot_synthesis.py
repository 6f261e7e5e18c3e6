"""qml.transforms.parity_matrix, phase_polynomial, rowcol and transpile (qsym/_cnot_synthesis.py),
checked against a small state-vector simulator written here from the gates' textbook matrices
(brute force over every computational basis state), never against qsym's own results."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import qsym as qml
from qsym.errors import WireError

nx = pytest.importorskip("networkx")

# textbook matrices (wire order: first wire most significant)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_Y = np.array([[0, -1j], [1j, 0]])


def _rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def _rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _controlled(u):
    out = np.eye(4, dtype=complex)
    out[2:, 2:] = u
    return out


_SWAP = np.eye(4)[[0, 2, 1, 3]].astype(complex)


def _gate_matrix(op):
    name, data = op.name, [float(x) for x in op.data]
    return {"CNOT": lambda: _controlled(_X), "CY": lambda: _controlled(_Y),
            "SWAP": lambda: _SWAP, "H": lambda: _H, "Hadamard": lambda: _H,
            "PauliX": lambda: _X, "RZ": lambda: _rz(data[0]), "RX": lambda: _rx(data[0]),
            "CRX": lambda: _controlled(_rx(data[0]))}[name]()


def _apply(psi, matrix, positions, n):
    """``matrix`` on the axes ``positions`` of the n-qubit state tensor ``psi``."""
    k = len(positions)
    u = matrix.reshape((2,) * (2 * k))
    psi = np.tensordot(u, psi, axes=(list(range(k, 2 * k)), positions))
    rest = [a for a in range(n) if a not in positions]
    return np.moveaxis(psi, list(range(k)), positions) if rest or k else psi


def _unitary(ops, order):
    """The dense unitary of ``ops`` on the wires ``order``, column by column."""
    n = len(order)
    cols = []
    for j in range(2 ** n):
        psi = np.zeros(2 ** n, dtype=complex)
        psi[j] = 1
        psi = psi.reshape((2,) * n)
        for op in ops:
            psi = _apply(psi, _gate_matrix(op), [order.index(w) for w in op.wires], n)
        cols.append(psi.reshape(-1))
    return np.array(cols).T


def _bits(j, n):
    return np.array([(j >> (n - 1 - i)) & 1 for i in range(n)])


def _index(bits):
    return int("".join(map(str, bits)), 2) if len(bits) else 0


def _random_cnots(n, depth, rng, wires=None):
    wires = list(range(n)) if wires is None else wires
    ops = []
    for _ in range(depth):
        a, b = rng.choice(n, size=2, replace=False)
        ops.append(qml.CNOT([wires[a], wires[b]]))
    return ops


# ------------------------------------------------------------------ parity_matrix

@pytest.mark.parametrize("n, seed", [(2, 0), (3, 1), (4, 2), (4, 3)])
def test_parity_matrix_maps_every_basis_state_as_the_unitary_does(n, seed):
    rng = np.random.default_rng(seed)
    ops = _random_cnots(n, 3 * n, rng)
    tape = qml.tape.QuantumScript(ops)
    P = qml.transforms.parity_matrix(tape, wire_order=range(n))
    U = _unitary(ops, list(range(n)))
    assert set(np.unique(P)) <= {0, 1}
    for j in range(2 ** n):
        x = _bits(j, n)
        expected = np.zeros(2 ** n)
        expected[_index(P @ x % 2)] = 1
        assert np.allclose(U[:, j], expected)


def test_parity_matrix_of_a_hand_worked_circuit_and_wire_orders():
    # CNOT(0,1) then CNOT(1,2): x1 <- x0^x1, x2 <- x2^(x0^x1)
    tape = qml.tape.QuantumScript([qml.CNOT(["a", "b"]), qml.CNOT(["b", "c"])])
    expected = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert np.array_equal(qml.transforms.parity_matrix(tape), expected)
    order = ["c", "a", "b"]
    perm = [2, 0, 1]  # row/column of each wire of `order` in the default order
    P = qml.transforms.parity_matrix(tape, wire_order=order)
    assert np.array_equal(P, expected[np.ix_(perm, perm)])
    P4 = qml.transforms.parity_matrix(tape, wire_order=["a", "b", "c", "d"])
    assert np.array_equal(P4[:3, :3], expected) and P4[3].tolist() == [0, 0, 0, 1]


def test_parity_matrix_refuses_other_gates_and_missing_wires():
    with pytest.raises(TypeError, match="parity_matrix requires all input circuits"):
        qml.transforms.parity_matrix(qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.RZ(0.5, 0)]))
    with pytest.raises(WireError, match="The provided wire_order"):
        qml.transforms.parity_matrix(qml.tape.QuantumScript([qml.CNOT([0, 1])]), wire_order=[1, 2])


def test_parity_matrix_of_a_qfunc_and_a_qnode():
    def qfunc(a, b, c):
        qml.CNOT((a, b))
        qml.CNOT((b, c))
        qml.CNOT((c, a))
        return qml.expval(qml.Z(0))

    ops = [qml.CNOT((2, 0)), qml.CNOT((0, 1)), qml.CNOT((1, 2))]
    U = _unitary(ops, [0, 1, 2])
    P = qml.transforms.parity_matrix(qfunc, wire_order=range(3))(2, 0, 1)
    for j in range(8):
        assert np.argmax(np.abs(U[:, j])) == _index(P @ _bits(j, 3) % 2)
    qnode = qml.QNode(qfunc, qml.device("default.qubit", wires=3))
    assert np.array_equal(qml.transforms.parity_matrix(qnode, wire_order=range(3))(2, 0, 1), P)


# ------------------------------------------------------------------ phase_polynomial

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_phase_polynomial_reproduces_the_unitary(seed):
    rng = np.random.default_rng(seed)
    n = 3
    ops = []
    for _ in range(10):
        if rng.random() < 0.5:
            a, b = rng.choice(n, size=2, replace=False)
            ops.append(qml.CNOT([int(a), int(b)]))
        else:
            ops.append(qml.RZ(float(rng.uniform(-3, 3)), int(rng.integers(n))))
    tape = qml.tape.QuantumScript(ops)
    pmat, ptab, angles = qml.transforms.phase_polynomial(tape, wire_order=range(n))
    U = _unitary(ops, list(range(n)))
    for j in range(2 ** n):
        x = _bits(j, n)
        phase = 0.0 if ptab.size == 0 else -0.5 * ((1 - 2 * (x @ ptab % 2)) @ angles)
        expected = np.zeros(2 ** n, dtype=complex)
        expected[_index(pmat @ x % 2)] = np.exp(1j * phase)
        assert np.allclose(U[:, j], expected)


def test_phase_polynomial_hand_worked_and_errors():
    # CNOT(0,1) RZ(t, 1) CNOT(0,1): identity parity, one phase on x0^x1
    tape = qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.RZ(0.7, 1), qml.CNOT([0, 1])])
    pmat, ptab, angles = qml.transforms.phase_polynomial(tape)
    assert pmat.tolist() == [[1, 0], [0, 1]] and ptab.tolist() == [[1], [1]]
    assert angles.tolist() == [0.7]
    empty = qml.transforms.phase_polynomial(qml.tape.QuantumScript([]), wire_order=range(2))
    assert empty[0].tolist() == [[1, 0], [0, 1]] and empty[1].size == 0 == empty[2].size
    with pytest.raises(TypeError, match="phase_polynomial can only handle CNOT and RZ"):
        qml.transforms.phase_polynomial(qml.tape.QuantumScript([qml.RX(0.5, 0)]))


# ------------------------------------------------------------------ rowcol

def test_tree_traversals_of_a_hand_drawn_tree():
    #        (4)
    #         |
    # (2)-(0)-(1)-(3)
    tree = nx.Graph([(0, 1), (0, 2), (1, 3), (1, 4)])
    post = qml.transforms.intermediate_reps.postorder_traverse(tree, 0)
    pre = qml.transforms.intermediate_reps.preorder_traverse(tree, 0)
    assert post == [(3, 1), (4, 1), (1, 0), (2, 0)]
    assert pre == [(1, 0), (3, 1), (4, 1), (2, 0)]


GRAPHS = {"path": nx.path_graph, "complete": nx.complete_graph, "cycle": nx.cycle_graph,
          "star": lambda n: nx.star_graph(n - 1)}


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("n, seed", [(3, 0), (4, 1), (5, 2)])
def test_rowcol_keeps_the_unitary_and_respects_connectivity(graph, n, seed):
    rng = np.random.default_rng(seed)
    ops = _random_cnots(n, n * n, rng)
    connectivity = GRAPHS[graph](n)
    tape = qml.tape.QuantumScript(ops + [qml.CNOT([0, 1]), qml.CNOT([0, 1])], [qml.probs()])
    order = list(tape.wires)
    (new,), fn = qml.transforms.rowcol(tape, connectivity)
    assert fn(["r"]) == "r" and new.measurements == tape.measurements
    assert all(op.name == "CNOT" for op in new.operations)
    edges = {frozenset(e) for e in connectivity.edges()}
    assert all(frozenset((order.index(a), order.index(b))) in edges
               for a, b in (op.wires for op in new.operations))
    assert np.allclose(_unitary(new.operations, order), _unitary(tape.operations, order))


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_rowcol_long_range_cnot_on_a_line_takes_the_known_minimum(n):
    # a CNOT between the ends of a line of n qubits takes 4 (n - 2) nearest-neighbour CNOTs
    # (the known minimum; RowCol, which removes wire 0 first, reaches it for a CNOT onto
    # wire 0); pairs of equal CNOTs first, cancelling, so that the tape's wires are 0..n-1
    ops = [qml.CNOT([i, i + 1]) for i in range(n - 1) for _ in range(2)] + [qml.CNOT([n - 1, 0])]
    tape = qml.tape.QuantumScript(ops)
    (new,), _ = qml.transforms.rowcol(tape, nx.path_graph(n))
    assert len(new.operations) == 4 * (n - 2)
    order = list(range(n))
    assert np.allclose(_unitary(new.operations, order), _unitary(ops, order))


def test_rowcol_parity_matrix_leaves_its_inputs_and_refuses_singular_matrices():
    from qsym.transforms.intermediate_reps.rowcol import _rowcol_parity_matrix

    P = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    graph = nx.path_graph(3)
    before_P, before_edges = P.copy(), set(graph.edges())
    cnots = _rowcol_parity_matrix(P, graph)
    assert np.array_equal(P, before_P) and set(graph.edges()) == before_edges
    U = _unitary([qml.CNOT(c) for c in cnots], [0, 1, 2])
    for j in range(8):
        assert np.argmax(np.abs(U[:, j])) == _index(P @ _bits(j, 3) % 2)
    assert _rowcol_parity_matrix(np.eye(4, dtype=int)) == []
    with pytest.raises(ValueError, match="singular"):
        _rowcol_parity_matrix(np.array([[1, 1], [1, 1]]))
    with pytest.raises(TypeError, match="parity_matrix requires"):
        qml.transforms.rowcol(qml.tape.QuantumScript([qml.H(0)]))


# ------------------------------------------------------------------ transpile

def _probs(ops, order, measured):
    """The probabilities of the wires ``measured`` after ``ops`` from |0...0> on ``order``."""
    psi = _unitary(ops, order)[:, 0].reshape((2,) * len(order))
    p = np.abs(psi) ** 2
    rest = tuple(i for i, w in enumerate(order) if w not in measured)
    p = p.sum(axis=rest) if rest else p
    kept = [w for w in order if w in measured]
    return np.transpose(p, [kept.index(w) for w in measured]).reshape(-1)


def _random_circuit(n, rng, depth=14):
    ops = []
    for _ in range(depth):
        kind = rng.integers(4)
        a, b = (int(x) for x in rng.choice(n, size=2, replace=False))
        t = float(rng.uniform(-3, 3))
        ops.append([qml.H(a), qml.RX(t, a), qml.CNOT([a, b]), qml.CRX(t, [a, b])][kind])
    return ops


COUPLINGS = {"line": [(0, 1), (1, 2), (2, 3)], "ring": [(0, 1), (1, 2), (2, 3), (3, 0)],
             "star": nx.star_graph(3), "T": [(1, 0), (1, 2), (1, 3)]}


@pytest.mark.parametrize("coupling", sorted(COUPLINGS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_transpile_keeps_the_probabilities_on_the_coupling_map(coupling, seed):
    rng = np.random.default_rng(seed)
    ops = _random_circuit(4, rng)
    measured = [0, 1, 2, 3]
    tape = qml.tape.QuantumScript(ops, [qml.probs(wires=measured)])
    (new,), _ = qml.transforms.transpile(tape, coupling_map=COUPLINGS[coupling])
    graph = nx.Graph(COUPLINGS[coupling])
    if coupling == "line":  # these circuits need routing there
        assert any(op.name == "SWAP" for op in new.operations)
    assert all(graph.has_edge(*op.wires) for op in new.operations if len(op.wires) == 2)
    # the measurement follows the wires the SWAPs moved: probs(wires=new order) is the same
    new_measured = list(new.measurements[0].wires)
    assert sorted(new_measured) == measured
    order = [0, 1, 2, 3]
    assert np.allclose(_probs(new.operations, order, new_measured), _probs(ops, order, measured))


def test_transpile_hand_worked_swap_and_state_transposition():
    dev = qml.device("default.qubit", wires=(0, 1, 2))
    tape = qml.tape.QuantumScript([qml.X(0), qml.CNOT([0, 2])], [qml.state(), qml.probs()])
    (new,), fn = qml.transforms.transpile(tape, coupling_map=[(0, 1), (1, 2)], device=dev)
    assert new.operations == [qml.X(0), qml.SWAP([1, 2]), qml.CNOT([0, 1])]
    assert new.measurements[1] == qml.probs(wires=[0, 2, 1])
    # the new circuit's state on wires (0, 1, 2) has logical wire 2 on wire 1: fn swaps back
    psi_new = _unitary(new.operations, [0, 1, 2])[:, 0]
    psi = _unitary(tape.operations, [0, 1, 2])[:, 0]
    state, probs = fn([(psi_new, np.abs(psi_new) ** 2)])
    assert np.allclose(state, psi)
    assert np.allclose(probs, np.abs(psi_new) ** 2)


def test_transpile_on_a_qnode_runs_and_takes_its_device():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.H(0)
        qml.RX(x, 2)
        qml.CNOT([0, 2])
        return qml.probs(wires=[0, 1, 2])

    routed = qml.transforms.transpile(circuit, coupling_map=[(0, 1), (1, 2)])
    assert routed.compile_pipeline[0].kwargs["device"] is dev
    ops = [qml.H(0), qml.RX(0.4, 2), qml.CNOT([0, 2])]
    assert np.allclose(routed(0.4), _probs(ops, [0, 1, 2], [0, 1, 2]))
    with pytest.raises(ValueError, match="Cannot provide a 'device'"):
        qml.transforms.transpile(circuit, coupling_map=[(0, 1), (1, 2)], device=dev)


def test_transpile_refusals():
    tape = qml.tape.QuantumScript([qml.CNOT([0, 2])], [qml.expval(qml.Z(0))])
    with pytest.raises(ValueError, match="Not all wires present in coupling map"):
        qml.transforms.transpile(tape, coupling_map=[(0, 1)])
    prod = qml.tape.QuantumScript([qml.CNOT([0, 1])], [qml.expval(qml.Z(0) @ qml.Z(1))])
    with pytest.raises(NotImplementedError, match="tensor products or Hamiltonians"):
        qml.transforms.transpile(prod, coupling_map=[(0, 1)])
    three = qml.tape.QuantumScript([qml.Toffoli([0, 1, 2])])
    with pytest.raises(NotImplementedError, match="1 or 2 qubits"):
        qml.transforms.transpile(three, coupling_map=[(0, 1), (1, 2)])


def test_transpile_expands_templates_first():
    tape = qml.tape.QuantumScript([qml.BasisEmbedding([1, 1], wires=[0, 2])],
                                  [qml.probs(wires=[0, 1, 2])])
    (new,), _ = qml.transforms.transpile(tape, coupling_map=[(0, 1), (1, 2)])
    assert [op.name for op in new.operations] == ["PauliX", "PauliX"]


# ------------------------------------------------------------------ map_wires of tapes

def test_map_wires_of_a_tape_and_of_measurements():
    tape = qml.tape.QuantumScript([qml.CNOT([0, 1])], [qml.probs(op=qml.X(1)),
                                                      qml.mutual_info(0, 1),
                                                      qml.expval(qml.Hermitian(np.diag([1.0, -1.0]), 0))],
                                  shots=7)
    (new,), fn = qml.map_wires(tape, {0: "a", 1: "b"})
    assert fn(["r"]) == "r" and new.shots == tape.shots
    assert new.operations == [qml.CNOT(["a", "b"])]
    assert [list(m.wires) for m in new.measurements] == [["b"], ["a", "b"], ["a"]]
    assert new.measurements[0] == qml.probs(op=qml.X("b"))
    assert tape.measurements[0] == qml.probs(op=qml.X(1))  # the original is unchanged
