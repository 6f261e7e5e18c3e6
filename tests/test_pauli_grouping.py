"""qml.pauli's binary (symplectic) utilities and qml.pauli.grouping (issue #18): checked
against matrices written here (Kronecker products of the Pauli matrices), by hand, and,
where installed, against PennyLane itself."""

import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp

_P = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]), "Y": onp.array([[0, -1j], [1j, 0]]),
      "Z": onp.diag([1, -1])}


def _kron(letters: str) -> onp.ndarray:
    out = onp.eye(1)
    for a in letters:
        out = onp.kron(out, _P[a])
    return out


def _word(letters: str, wires=None):
    wires = list(range(len(letters))) if wires is None else wires
    ops = [getattr(qml, a)(w) for a, w in zip(letters, wires) if a != "I"]
    return ops[0] if len(ops) == 1 else qml.prod(*ops)


def test_pauli_to_binary_by_hand_and_inverse():
    assert qml.pauli.pauli_to_binary(qml.X("a") @ qml.Y("b") @ qml.Z("c")).tolist() == [1, 1, 0, 0, 1, 1]
    wire_map = {"a": 0, "b": 1, "c": 2}
    assert qml.pauli.pauli_to_binary(qml.X("c") @ qml.Y("a") @ qml.Z("b"),
                                     wire_map=wire_map).tolist() == [1, 0, 1, 1, 1, 0]
    assert qml.pauli.pauli_to_binary(qml.X(0), n_qubits=3).tolist() == [1, 0, 0, 0, 0, 0]
    for letters in map("".join, itertools.product("IXYZ", repeat=2)):
        if letters == "II":
            continue
        v = qml.pauli.pauli_to_binary(_word(letters), n_qubits=2, wire_map={0: 0, 1: 1})
        back = qml.pauli.binary_to_pauli(v, wire_map={0: 0, 1: 1})
        assert onp.allclose(qml.matrix(back, wire_order=[0, 1]), _kron(letters))


def test_pauli_to_binary_errors():
    with pytest.raises(TypeError, match="Expected a Pauli word"):
        qml.pauli.pauli_to_binary(qml.Hadamard(0))
    with pytest.raises(ValueError, match="n_qubits must support"):
        qml.pauli.pauli_to_binary(qml.X(0) @ qml.X(1), n_qubits=1)


def test_observables_to_binary_matrix():
    m = qml.pauli.observables_to_binary_matrix([qml.X(0) @ qml.Y(2), qml.Z(0) @ qml.Z(1) @ qml.Z(2)])
    # wires in order of first use: 0, 2, 1
    assert m.tolist() == [[1, 1, 0, 0, 1, 0], [0, 0, 0, 1, 1, 1]]


def _qwc_by_matrices(a: str, b: str) -> bool:
    return all(onp.allclose(_P[x] @ _P[y], _P[y] @ _P[x]) for x, y in zip(a, b))


def test_is_qwc_and_complement_matrix_against_matrices():
    words = ["".join(w) for w in itertools.product("IXYZ", repeat=2)]
    wm = {0: 0, 1: 1}
    binary = [qml.pauli.pauli_to_binary(_word(w), n_qubits=2, wire_map=wm) if w != "II"
              else onp.zeros(4) for w in words]
    adj = qml.pauli.qwc_complement_adj_matrix(binary)
    for i, j in itertools.product(range(len(words)), repeat=2):
        expected = _qwc_by_matrices(words[i], words[j])
        assert qml.pauli.is_qwc(binary[i], binary[j]) == expected
        assert adj[i, j] == (0.0 if expected else 1.0)
    with pytest.raises(ValueError, match="same dimension"):
        qml.pauli.is_qwc([1, 0], [1, 0, 0, 0])
    with pytest.raises(ValueError, match="strictly binary"):
        qml.pauli.is_qwc([2, 0], [1, 0])
    with pytest.raises(ValueError, match="Expected a binary array"):
        qml.pauli.qwc_complement_adj_matrix([[2, 0]])


def test_pauli_eigs_and_word_matrix():
    for n in (1, 2, 3):
        assert onp.allclose(qml.pauli.pauli_eigs(n), onp.diag(_kron("Z" * n)))
    assert onp.allclose(qml.pauli.pauli_word_to_matrix(qml.X(1), wire_map={0: 0, 1: 1}), _kron("IX"))
    with pytest.raises(TypeError):
        qml.pauli.pauli_word_to_matrix(qml.Hadamard(0))


def test_partition_pauli_group():
    assert qml.pauli.partition_pauli_group(1) == [["I", "Z"], ["X"], ["Y"]]
    assert qml.pauli.partition_pauli_group(0) == [[""]]
    groups = qml.pauli.partition_pauli_group(3)
    assert len(groups) == 27
    flat = [s for g in groups for s in g]
    assert sorted(flat) == sorted("".join(s) for s in itertools.product("IXYZ", repeat=3))
    for g in groups:
        assert all(_qwc_by_matrices(a, b) for a in g for b in g)
    with pytest.raises(TypeError, match="integer number of qubits"):
        qml.pauli.partition_pauli_group(1.5)
    with pytest.raises(ValueError, match="at least 0"):
        qml.pauli.partition_pauli_group(-1)


def test_qwc_rotation_diagonalizes():
    ops = [qml.X(0), qml.Y(1), qml.Z(2), qml.I(3)]
    rot = qml.pauli.qwc_rotation(ops)
    assert [type(r).__name__ for r in rot] == ["RY", "RX"]
    for op in ops[:2]:
        (r,) = [r for r in rot if r.wires == op.wires]
        u = qml.matrix(r)
        assert onp.allclose(u @ qml.matrix(op) @ u.conj().T, _P["Z"])
    with pytest.raises(TypeError, match="must be either Identity"):
        qml.pauli.qwc_rotation([qml.Hadamard(0)])


def test_prefactor_and_trace_inner_product():
    assert qml.pauli.pauli_word_prefactor(qml.X(0)) == 1
    assert qml.pauli.pauli_word_prefactor(qml.X(0) @ qml.Y(0)) == 1j  # XY = iZ
    assert qml.pauli.pauli_word_prefactor(qml.s_prod(0.5, qml.Z(1))) == 0.5
    with pytest.raises(ValueError, match="Expected a valid Pauli word"):
        qml.pauli.pauli_word_prefactor(qml.X(0) + qml.Z(0))
    a = 0.3 * qml.X(0) + 0.7 * qml.Z(0) @ qml.Y(1)
    b = 1.1 * qml.Z(0) @ qml.Y(1) - 0.2 * qml.X(0) + qml.Y(0)
    ma, mb = (qml.matrix(o, wire_order=[0, 1]) for o in (a, b))
    expected = onp.trace(ma.conj().T @ mb) / 4
    assert onp.isclose(qml.pauli.trace_inner_product(a, b), expected)
    assert onp.isclose(qml.pauli.trace_inner_product(ma, mb), expected)
    batch = qml.pauli.trace_inner_product([ma, mb], mb)
    assert batch.shape == (2,)
    with pytest.raises(NotImplementedError, match="same type"):
        qml.pauli.trace_inner_product(qml.Hadamard(0), 1.0)


def _valid(adj, colouring, rows):
    index = {tuple(r): i for i, r in enumerate(rows)}
    for members in colouring.values():
        ids = [index[tuple(r)] for r in members]
        assert all(adj[i][j] == 0 for i in ids for j in ids)
    assert sorted(index[tuple(r)] for m in colouring.values() for r in m) == list(range(len(rows)))


@pytest.mark.parametrize("colour", ["largest_first", "recursive_largest_first"])
def test_graph_colouring(colour):
    from qsym.pauli.grouping.graph_colouring import largest_first, recursive_largest_first

    fn = {"largest_first": largest_first, "recursive_largest_first": recursive_largest_first}[colour]
    rng = onp.random.default_rng(7)
    for n in (1, 4, 9):
        upper = onp.triu(rng.integers(0, 2, (n, n)), 1)
        adj = upper + upper.T
        rows = onp.eye(n)
        _valid(adj, fn(rows, adj), rows)


def test_grouping_strategy_and_indices():
    from qsym.pauli.grouping.group_observables import (PauliGroupingStrategy,
                                                        items_partitions_from_idx_partitions)

    obs = [qml.X(0) @ qml.X(1), qml.Z(0), qml.Y(1), qml.Z(0) @ qml.Z(1)]
    letters = ["XX", "ZI", "IY", "ZZ"]
    for kind, related in (("qwc", _qwc_by_matrices),
                          ("commuting", lambda a, b: onp.allclose(_kron(a) @ _kron(b), _kron(b) @ _kron(a))),
                          ("anticommuting", lambda a, b: onp.allclose(_kron(a) @ _kron(b), -_kron(b) @ _kron(a)))):
        for colourer in ("lf", "rlf"):
            s = PauliGroupingStrategy(obs, kind, colourer)
            adj = s.adj_matrix
            for i, j in itertools.product(range(4), repeat=2):
                if i != j:
                    assert adj[i, j] == (0 if related(letters[i], letters[j]) else 1)
            for part in s.idx_partitions_from_graph():
                assert all(adj[i, j] == 0 for i in part for j in part if i != j)
            parts = s.partition_observables()
            assert sum(len(p) for p in parts) == 4
    s = PauliGroupingStrategy(obs)
    assert s.idx_partitions_from_graph(observables_indices=[10, 11, 12, 13])[0][0] >= 10
    with pytest.raises(ValueError, match="does not match the length"):
        s.idx_partitions_from_graph(observables_indices=[1])
    with pytest.raises(ValueError, match="Grouping type must be one of"):
        PauliGroupingStrategy(obs, grouping_type="bad")
    with pytest.raises(ValueError, match="Graph colouring method must be one of"):
        PauliGroupingStrategy(obs, graph_colourer="bad")
    assert items_partitions_from_idx_partitions("abc", [[2], [0, 1]], return_tuples=True) == (("c",), ("a", "b"))


def test_group_observables_coefficients():
    obs = [qml.X(0), qml.X(1), qml.Z(1)]
    groups, coeffs = qml.pauli.group_observables(obs, [1.0, 2.0, 3.0])
    assert all(isinstance(c, list) for c in coeffs)
    with pytest.raises(IndexError, match="must be the same length"):
        qml.pauli.group_observables(obs, [1.0])

    def first(c):
        return qml.pauli.group_observables(obs, c)[1][0]

    c = pnp.array([1.0, 2.0, 3.0], requires_grad=True)
    jac = qml.jacobian(first)(c)
    assert onp.allclose(jac, [[1, 0, 0], [0, 1, 0]])  # the group {X0, X1}


def test_optimize_measurements_rotations():
    from qsym.pauli.grouping.optimize_measurements import optimize_measurements

    obs = [qml.X(0) @ qml.Y(1), qml.Z(0), qml.X(0), qml.Y(1)]
    rotations, diagonal, coeffs = optimize_measurements(obs, [1.0, 2.0, 3.0, 4.0])
    assert sorted(c for g in coeffs for c in g) == [1.0, 2.0, 3.0, 4.0]
    for rot, words in zip(rotations, diagonal):
        for w in words:
            assert onp.allclose(qml.matrix(w, wire_order=[0, 1]),
                                onp.diag(onp.diag(qml.matrix(w, wire_order=[0, 1]))))
    with pytest.raises(NotImplementedError, match="'commuting' grouping not implemented"):
        optimize_measurements(obs, grouping="commuting")


def test_diagonalize_errors_are_pennylanes_types():
    with pytest.raises(TypeError):
        qml.pauli.diagonalize_pauli_word(qml.Hadamard(0))
    with pytest.raises(ValueError):
        qml.pauli.diagonalize_qwc_pauli_words([qml.Hadamard(0)])


def test_pennylane_class_paths_import():
    from qsym.drawer.label import LabelledOp
    from qsym.fourier.mark import MarkedOp
    from qsym.ops import PauliMeasure
    from qsym.measurements.probs import ProbabilityMP
    from qsym.templates.subroutines import ControlledSequence

    assert ProbabilityMP is qml.measurements.ProbabilityMP and ControlledSequence is qml.ControlledSequence
    # PennyLane's wrappers and records are qsym's own classes now (tests/test_pennylane_wrappers.py)
    assert LabelledOp(qml.X(0), "x").custom_label == "x" and MarkedOp(qml.X(0), "x").marker == "x"
    assert PauliMeasure("X", wires=0).pauli_word == "X"
    with pytest.raises(qml.GateError, match="not supported by qsym"):  # Qualtran's bloqs: refused
        qml.FromBloq(None, wires=[0])


def test_against_pennylane():
    pl = pytest.importorskip("pennylane")
    words = [("X(0) @ Y(2)", qml.X(0) @ qml.Y(2), pl.X(0) @ pl.Y(2)),
             ("Z(1)", qml.Z(1), pl.Z(1)),
             ("Y(2) @ Z(0)", qml.Y(2) @ qml.Z(0), pl.Y(2) @ pl.Z(0))]
    for _, q, p in words:
        assert onp.array_equal(qml.pauli.pauli_to_binary(q), pl.pauli.pauli_to_binary(p))
    assert onp.array_equal(qml.pauli.observables_to_binary_matrix([w[1] for w in words]),
                           pl.pauli.observables_to_binary_matrix([w[2] for w in words]))
    assert qml.pauli.partition_pauli_group(3) == pl.pauli.partition_pauli_group(3)
    assert onp.array_equal(qml.pauli.pauli_eigs(4), pl.pauli.pauli_eigs(4))
    assert qml.pauli.pauli_word_prefactor(qml.Y(0) @ qml.X(0)) == pl.pauli.pauli_word_prefactor(pl.Y(0) @ pl.X(0))
