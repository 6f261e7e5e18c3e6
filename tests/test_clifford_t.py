"""qml.ops.sk_decomposition (Solovay-Kitaev) and qml.clifford_t_decomposition, checked with
textbook matrices written here: products of the returned gates against the target within
epsilon (operator norm), brute-force enumeration of gate words for the approximation table,
and whole-circuit unitaries built here gate by gate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import qsym as qml

pytest.importorskip("scipy")

from qsym.ops.op_math.decompositions.solovay_kitaev import (
    _approximate_set,
    _group_commutator_decompose,
    _quaternion_transform,
    _SU2_transform,
)
from qsym.transforms.decompositions import clifford_t_transform as clt

S2 = 1 / math.sqrt(2)
W8 = np.exp(1j * math.pi / 4)
ONE = {  # textbook one-qubit matrices
    "Identity": np.eye(2), "PauliX": np.array([[0, 1], [1, 0]]),
    "PauliY": np.array([[0, -1j], [1j, 0]]), "PauliZ": np.diag([1, -1]),
    "Hadamard": S2 * np.array([[1, 1], [1, -1]]), "S": np.diag([1, 1j]),
    "Adjoint(S)": np.diag([1, -1j]), "T": np.diag([1, W8]), "Adjoint(T)": np.diag([1, W8.conj()]),
    "SX": 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]),
}
TWO = {
    "CNOT": np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]),
    "CZ": np.diag([1, 1, 1, -1]),
    "CY": np.block([[np.eye(2), np.zeros((2, 2))], [np.zeros((2, 2)), ONE["PauliY"]]]),
    "SWAP": np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]),
    "ISWAP": np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]]),
}
CLIFFORD_T = set(ONE) | set(TWO) | {"GlobalPhase"}


def rx(t):
    return np.array([[math.cos(t / 2), -1j * math.sin(t / 2)], [-1j * math.sin(t / 2), math.cos(t / 2)]])


def ry(t):
    return np.array([[math.cos(t / 2), -math.sin(t / 2)], [math.sin(t / 2), math.cos(t / 2)]])


def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def gate_matrix(op):
    """The textbook matrix of a gate of the circuits here (and of Clifford+T outputs)."""
    if op.name == "GlobalPhase":
        return np.array([[np.exp(-1j * float(op.data[0]))]])
    if op.name in ONE:
        return ONE[op.name]
    if op.name in TWO:
        return TWO[op.name]
    maker = {"RX": rx, "RY": ry, "RZ": rz}[op.name]
    return maker(float(op.data[0]))


def unitary(ops, wires):
    """The circuit's unitary (wire ``wires[0]`` most significant), applied gate by gate."""
    n = len(wires)
    u = np.eye(2 ** n, dtype=complex).reshape([2] * n + [2 ** n])
    for op in ops:
        m = gate_matrix(op)
        if op.name == "GlobalPhase":
            u = u * m[0, 0]
            continue
        pos = [wires.index(w) for w in op.wires]
        k = len(pos)
        m = m.reshape([2] * (2 * k))
        u = np.tensordot(m, u, axes=(list(range(k, 2 * k)), pos))
        u = np.moveaxis(u, list(range(k)), pos)
    return u.reshape(2 ** n, 2 ** n)


def random_su2(rng):
    z = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    q, r = np.linalg.qr(z)
    q = q * (np.diag(r) / abs(np.diag(r)))
    return q / np.sqrt(np.linalg.det(q))


# ---- the Solovay-Kitaev pieces -------------------------------------------------------------
def test_su2_and_quaternion_of_t_and_hadamard_by_hand():
    s, phase = _SU2_transform(ONE["T"])  # T = exp(i pi/8) diag(exp(-i pi/8), exp(i pi/8))
    assert math.isclose(phase, math.pi / 8)
    assert np.allclose(s, np.diag([np.exp(-1j * math.pi / 8), np.exp(1j * math.pi / 8)]))
    assert np.allclose(_quaternion_transform(s), [math.cos(math.pi / 8), 0, 0, math.sin(math.pi / 8)])
    s, phase = _SU2_transform(ONE["Hadamard"])  # det -1: H = i (-i H)
    assert math.isclose(phase, math.pi / 2)
    assert np.allclose(_quaternion_transform(s), [0, S2, 0, S2])  # -i (X + Z) / sqrt 2


def test_group_commutator_is_exact_and_balanced():
    rng = np.random.default_rng(7)
    for _ in range(10):
        u = random_su2(rng)
        v, w = _group_commutator_decompose(u)
        assert np.allclose(v @ w @ v.conj().T @ w.conj().T, u)
        for m in (v, w):
            assert np.allclose(m @ m.conj().T, np.eye(2)) and np.isclose(np.linalg.det(m), 1)
    # close to the identity: V and W within about the square root of the distance
    u = rx(1e-4) @ ry(2e-4)
    v, w = _group_commutator_decompose(u)
    assert np.allclose(v @ w @ v.conj().T @ w.conj().T, u)
    assert np.linalg.norm(v - np.eye(2), 2) < 0.1 and np.linalg.norm(w - np.eye(2), 2) < 0.1


def _brute_force_elements(names, length):
    """The SU(2) forms ``s`` (``m = exp(i phase) s``, phase in [0, pi)) of the words of
    1..length gates with no gate next to its inverse."""
    out = []
    for n in range(1, length + 1):
        for word in itertools.product(names, repeat=n):
            if any({a, b} == {"T", "Adjoint(T)"} or a == b == "Hadamard"
                   for a, b in itertools.pairwise(word)):
                continue  # a word with a gate next to its inverse is a shorter one
            m = np.eye(2, dtype=complex)
            for g in word:
                m = ONE[g] @ m
            phase = (np.angle(np.linalg.det(m)) % (2 * math.pi)) / 2
            out.append(m if math.isclose(phase, math.pi) else m * np.exp(-1j * phase))
    return out


@pytest.mark.parametrize("length", [3, 5])
def test_the_approximation_table_has_every_distinct_element_once(length):
    ids, mats, _, quats = _approximate_set(("T", "Adjoint(T)", "H"), max_length=length)
    assert len(ids) == {3: 21, 5: 84}[length]  # PennyLane's counts
    q = np.array(quats)
    dists = np.linalg.norm(q[:, None, :] - q[None, :, :], axis=-1)
    assert np.all(dists + np.eye(len(q)) > 1e-6)  # pairwise distinct
    for s in _brute_force_elements(("T", "Adjoint(T)", "Hadamard"), length):
        # each word's element is there (up to the sign of S where its phase is 0 = pi)
        assert min(np.linalg.norm(q - _quaternion_transform(s), axis=1).min(),
                   np.linalg.norm(q + _quaternion_transform(s), axis=1).min()) < 1e-8
    for seq, m in zip(ids, mats):  # each entry: its word's product, in SU(2)
        prod = np.eye(2, dtype=complex)
        for g in seq:
            prod = ONE[g.name] @ prod
        ratio = prod @ np.linalg.inv(m)
        assert np.allclose(ratio, ratio[0, 0] * np.eye(2)) and np.isclose(np.linalg.det(m), 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sk_decomposition_of_random_unitaries_is_within_epsilon(seed):
    rng = np.random.default_rng(seed)
    u = random_su2(rng) * np.exp(1j * rng.uniform(0, 2 * math.pi))
    eps = 2e-2
    ops = qml.ops.sk_decomposition(qml.QubitUnitary(u, wires="q"), eps, max_depth=6,
                                   basis_set=("T", "T*", "H"))
    assert ops[-1].name == "GlobalPhase"
    assert {op.name for op in ops[:-1]} <= {"T", "Adjoint(T)", "Hadamard"}
    assert all(op.wires.tolist() == ["q"] for op in ops[:-1])
    approx = unitary(ops, ["q"])
    assert np.linalg.norm(approx - u, 2) <= eps  # the phase included


def test_sk_decomposition_of_a_basis_word_is_that_word():
    op = qml.QubitUnitary(ONE["Hadamard"] @ ONE["T"], wires=0)  # T then H
    ops = qml.ops.sk_decomposition(op, 1e-6, basis_set=("H", "T", "Adjoint(T)"))
    assert [o.name for o in ops[:-1]] == ["T", "Hadamard"]
    assert np.allclose(unitary(ops, [0]), op.matrix())


def test_sk_decomposition_replaces_the_gate_in_a_recording():
    with qml.tape.QuantumTape() as tape:
        op = qml.RZ(0.7, wires=1)
        ops = qml.ops.sk_decomposition(op, 5e-2, basis_set=("T", "T*", "H"))
    assert np.allclose(unitary(tape.operations, [1]), unitary(ops, [1]))
    assert np.linalg.norm(unitary(ops, [1]) - rz(0.7), 2) <= 5e-2


def test_sk_decomposition_errors():
    with pytest.raises(ValueError, match="single qubit operation"):
        qml.ops.sk_decomposition(qml.CNOT([0, 1]), 1e-2)
    with pytest.raises(qml.errors.ArgumentError, match="unknown basis gate 'Q'"):
        qml.ops.sk_decomposition(qml.RZ(0.1, 0), 1e-2, basis_set=("H", "Q"))


# ---- the transform -------------------------------------------------------------------------
GATES_1 = ["RX", "RY", "RZ", "Hadamard", "S", "T"]


def random_circuit(rng, n_wires, n_gates):
    ops = []
    for _ in range(n_gates):
        if rng.random() < 0.3:
            a, b = rng.choice(n_wires, size=2, replace=False)
            ops.append(getattr(qml, rng.choice(["CNOT", "CZ"]))(wires=[int(a), int(b)]))
            continue
        name, w = rng.choice(GATES_1), int(rng.integers(n_wires))
        gate = getattr(qml, name)
        ops.append(gate(float(rng.uniform(-4, 4)), wires=w) if name[0] == "R" else gate(wires=w))
    return ops


@pytest.mark.parametrize("seed,n_wires", [(3, 2), (4, 3), (5, 2)])
def test_random_circuits_become_clifford_t_within_epsilon(seed, n_wires):
    rng = np.random.default_rng(seed)
    ops = random_circuit(rng, n_wires, 8)
    wires = list(range(n_wires))
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
    eps = 5e-2
    clt._CLIFFORD_T_CACHE = None
    (new,), fn = qml.clifford_t_decomposition(tape, epsilon=eps, method="sk",
                                              basis_set=("T", "T*", "H"), max_depth=6)
    assert {op.name for op in new.operations} <= CLIFFORD_T
    exact, approx = unitary(ops, wires), unitary(new.operations, wires)
    phase = np.vdot(approx.ravel(), exact.ravel())
    err = np.linalg.norm(exact - approx * phase / abs(phase), 2)
    assert err <= eps
    assert fn([0.25]) == 0.25


def test_qnode_results_stay_close():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        qml.RY(y, 1)
        qml.Hadamard(0)
        return qml.expval(qml.Z(0) @ qml.Z(1)), qml.expval(qml.X(1))

    clt._CLIFFORD_T_CACHE = None  # (a cache of more precise approximations would serve)
    approx = qml.clifford_t_decomposition(circuit, epsilon=0.1, method="sk",
                                          basis_set=("T", "T*", "H"))
    exact_values = circuit(0.7, -1.3)
    # by hand: <Z0 Z1> after H on wire 0 is 0 (X0 Z1 has no weight), <X1> = -sin(1.3) * cos(0.7)
    assert np.allclose(exact_values, [0.0, -math.sin(1.3) * math.cos(0.7)], atol=1e-9)
    assert np.allclose(approx(0.7, -1.3), exact_values, atol=2 * 0.1)


@pytest.mark.parametrize("k", range(-9, 10))
def test_phase_shifts_by_multiples_of_pi_over_4_are_exact(k):
    op = qml.PhaseShift(k * math.pi / 4, wires=0)
    ops = clt._rot_decompose(op)
    assert {o.name for o in ops} <= CLIFFORD_T
    assert np.allclose(unitary(ops, [0]), np.diag([1, np.exp(1j * k * math.pi / 4)]))


@pytest.mark.parametrize("op,expected", [
    (qml.RX(3 * math.pi, 0), True), (qml.RX(0.5, 0), False), (qml.ECR(wires=[0, 1]), True),
    (qml.CH(wires=[0, 1]), False), (qml.SX(0), True), (qml.Toffoli(wires=[0, 1, 2]), False),
    (qml.adjoint(qml.T(0)), True), (qml.DoubleExcitation(2.0, wires=[0, 1, 2, 3]), False),
])
def test_clifford_checks_by_hand(op, expected):
    assert clt.check_clifford_t(op) == expected


def test_rz_approximations_are_cached_per_angle():
    clt._CLIFFORD_T_CACHE = None
    tape = qml.tape.QuantumScript([qml.RZ(0.4, 0), qml.CNOT([0, 1]), qml.RZ(0.4, 1)])
    qml.clifford_t_decomposition(tape, epsilon=0.1, method="sk")
    info = clt._CLIFFORD_T_CACHE.query.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    qml.clifford_t_decomposition(tape, epsilon=0.2, method="sk")  # less precise: reused
    assert clt._CLIFFORD_T_CACHE.query.cache_info().hits == 3
    qml.clifford_t_decomposition(tape, epsilon=0.2, method="sk", cache_eps_rtol=0.1)
    assert clt._CLIFFORD_T_CACHE.query.cache_info().misses == 1  # a new cache (0.05 vs 0.1)


def test_transform_errors():
    tape = qml.tape.QuantumScript([qml.RX(1.0, 0)])
    with pytest.raises(NotImplementedError, match=r"only support Solovay-Kitaev \('sk'\)"):
        qml.clifford_t_decomposition(tape, method="fast")

    class ThreeWires(qml.operation.Operation):
        num_wires = 3

    with pytest.raises(ValueError, match="Cannot unroll"):
        qml.clifford_t_decomposition(qml.tape.QuantumScript([ThreeWires(wires=[0, 1, 2])]))


def test_gridsynth_method_gives_clifford_t_within_epsilon():
    clt._CLIFFORD_T_CACHE = None
    ops = [qml.RX(0.3, 0), qml.CNOT([0, 1]), qml.RY(-1.1, 1), qml.RZ(2.5, 0)]
    (new,), _ = qml.clifford_t_decomposition(qml.tape.QuantumScript(ops), epsilon=1e-3)
    assert {op.name for op in new.operations} <= CLIFFORD_T
    exact, approx = unitary(ops, [0, 1]), unitary(new.operations, [0, 1])
    phase = np.vdot(approx.ravel(), exact.ravel())
    assert np.linalg.norm(exact - approx * phase / abs(phase), 2) <= 1e-3
