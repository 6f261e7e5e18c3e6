"""PennyLane's unitary decompositions (qml.ops.one_qubit_decomposition,
two_qubit_decomposition, multi_qubit_decomposition, QubitUnitary.decomposition() and its
rules): the product of the gates is the input matrix exactly (global phase included) on
Haar-random unitaries (QR of a seeded complex Gaussian matrix, phases fixed) and on the
degenerate cases (identity, phases, tensor products, CNOT, CZ, SWAP, iSWAP, the magic basis,
QFT, permutations); the number of CNOTs is the one the circuit's construction bounds; the
rotation matrices and the gates' products are written out here, not taken from qsym."""

from functools import reduce

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym._linalg import compute_num_cnots, cossin, demultiplex, local_equivalence
from qsym.errors import DecompositionUndefinedError, GateError

X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0 + 0j, -1.0])
I2 = onp.eye(2)
CNOT = onp.eye(4)[[0, 1, 3, 2]]
SWAP = onp.eye(4)[[0, 2, 1, 3]]
CZ = onp.diag([1, 1, 1, -1]).astype(complex)
ISWAP = onp.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])
MAGIC = onp.array([[1, 1j, 0, 0], [0, 0, 1j, 1], [0, 0, 1j, -1], [1, -1j, 0, 0]]) / onp.sqrt(2)


def rot(P, t):
    """exp(-i t P / 2), written out."""
    return onp.cos(t / 2) * I2 - 1j * onp.sin(t / 2) * P


MATRICES = {"RX": lambda t: rot(X, t), "RY": lambda t: rot(Y, t), "RZ": lambda t: rot(Z, t)}


def haar(rng, n):
    Q, R = onp.linalg.qr(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
    return Q * (onp.diag(R) / abs(onp.diag(R)))


def local(rng):
    return onp.kron(haar(rng, 2), haar(rng, 2))


def product(ops, wires):
    return qml.matrix(qml.tape.QuantumScript(ops), wire_order=wires)


def two_qubit_cases():
    """(U, the number of CNOTs the theory gives)."""
    rng = onp.random.default_rng(2026)
    out = [(haar(rng, 4), 3) for _ in range(6)]
    out += [(local(rng), 0) for _ in range(3)]
    out += [(local(rng) @ CNOT @ local(rng), 1) for _ in range(3)]
    out += [(local(rng) @ CNOT @ local(rng) @ CNOT @ local(rng), 2) for _ in range(3)]
    out += [(onp.eye(4), 0), (1j * onp.eye(4), 0), (onp.exp(0.7j) * onp.kron(X, Z), 0),
            (CNOT, 1), (CZ, 1), (MAGIC, 1), (ISWAP, 2), (SWAP, 3),
            (onp.diag(onp.exp(1j * onp.array([0.1, 0.7, -0.4, 1.3]))), 2)]
    return out


CASES = two_qubit_cases()


@pytest.mark.parametrize("k", range(len(CASES)))
def test_two_qubit_decomposition_is_the_matrix_with_the_fewest_cnots(k):
    U, cnots = CASES[k]
    assert compute_num_cnots(U) == cnots
    for wires in ([0, 1], ["b", "a"]):
        ops = qml.ops.two_qubit_decomposition(U, wires=wires)
        assert onp.abs(product(ops, wires) - U).max() < 1e-10
        assert sum(op.name == "CNOT" for op in ops) == cnots
        # PennyLane's circuits: 2 + 0/4 QubitUnitary, the CNOT core, a phase unless 0
        core = {0: 0, 1: 1, 2: 4, 3: 6}[cnots]
        assert len(ops) - core - (ops[-1].name == "GlobalPhase") == (2 if cnots == 0 else 4)


def test_the_cnot_count_of_a_random_unitary_is_three_and_local_gates_do_not_change_it():
    rng = onp.random.default_rng(7)
    for _ in range(5):
        U = haar(rng, 4)
        assert compute_num_cnots(U) == 3
        assert compute_num_cnots(local(rng) @ U @ local(rng)) == 3
    # two CNOTs around rotations that do not commute with them: exp(-i(0.3 ZZ + 0.8 XX)/2)
    assert compute_num_cnots(CNOT @ onp.kron(MATRICES["RX"](0.8), MATRICES["RZ"](0.3)) @ CNOT) == 2


def test_local_equivalence_gives_the_local_gates_between_cz_and_cnot():
    H = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    cz, cnot = CZ * onp.exp(-0.25j * onp.pi), CNOT * onp.exp(0.25j * onp.pi)   # in SU(4)
    L, R, k = local_equivalence(cz, cnot)
    assert onp.allclose(1j ** k * L @ cnot @ R, cz)
    # the known relation: CZ = (I x H) CNOT (I x H)
    assert onp.allclose(onp.kron(I2, H) @ CNOT @ onp.kron(I2, H), CZ)


@pytest.mark.parametrize("rotations", ["ZYZ", "XYX", "XZX", "ZXZ", "rot"])
def test_one_qubit_decomposition_is_the_matrix(rotations):
    rng = onp.random.default_rng(11)
    cases = [haar(rng, 2) for _ in range(5)] + [I2, Z, X, 1j * Y, onp.diag([1, 1j]),
                                                 onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)]
    for U in cases:
        ops = qml.ops.one_qubit_decomposition(U, "a", rotations=rotations, return_global_phase=True)
        assert all(op.wires == qml.wires.Wires("a") for op in ops[:-1])
        assert ops[-1].name == "GlobalPhase"
        mats = []
        for op in ops[:-1]:
            if op.name == "Rot":
                phi, theta, omega = op.parameters
                mats += [MATRICES["RZ"](phi), MATRICES["RY"](theta), MATRICES["RZ"](omega)]
            else:
                mats.append(MATRICES[op.name](op.parameters[0]))
        mat = reduce(lambda a, b: b @ a, mats, I2) * onp.exp(1j * ops[-1].parameters[0] * -1)
        assert onp.abs(mat - U).max() < 1e-10
        if rotations != "rot":
            assert [op.name for op in ops[:-1]] == ["R" + c for c in rotations]
            assert all(0 <= p <= 4 * onp.pi for op in ops[:-1] for p in op.parameters)


def test_one_qubit_decomposition_of_a_batch_broadcasts_the_angles():
    rng = onp.random.default_rng(3)
    Us = onp.stack([haar(rng, 2) for _ in range(3)])
    ops = qml.ops.one_qubit_decomposition(Us, 0, rotations="XYX", return_global_phase=True)
    for b in range(3):
        lam, theta, phi = (op.parameters[0][b] for op in ops[:3])
        mat = MATRICES["RX"](phi) @ MATRICES["RY"](theta) @ MATRICES["RX"](lam)
        assert onp.allclose(mat * onp.exp(-1j * ops[3].parameters[0][b]), Us[b], atol=1e-10)


def test_multi_qubit_decomposition_is_the_matrix():
    rng = onp.random.default_rng(5)
    toffoli = onp.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]]
    qft = onp.exp(2j * onp.pi * onp.outer(range(8), range(8)) / 8) / onp.sqrt(8)
    cases = [haar(rng, 8), haar(rng, 16), toffoli, qft, onp.eye(8),
             onp.kron(haar(rng, 2), onp.eye(4))]
    for U in cases:
        n = int(onp.log2(len(U)))
        ops = qml.ops.multi_qubit_decomposition(U, wires=list(range(n)))
        assert [op.name for op in ops] == ["QubitUnitary", "SelectPauliRot"] * 3 + ["QubitUnitary"]
        assert onp.abs(product(ops, list(range(n))) - U).max() < 1e-10


def test_cossin_and_demultiplex_of_degenerate_blocks():
    rng = onp.random.default_rng(9)
    for U in [onp.eye(8), onp.eye(8)[rng.permutation(8)], onp.kron(haar(rng, 2), haar(rng, 4)),
              onp.kron(onp.eye(2), haar(rng, 4)), haar(rng, 8)]:
        (u1, u2), theta, (v1, v2) = cossin(U)
        C, S, O = onp.diag(onp.cos(theta)), onp.diag(onp.sin(theta)), onp.zeros((4, 4))
        left, right = onp.block([[u1, O], [O, u2]]), onp.block([[v1, O], [O, v2]])
        assert onp.abs(left @ onp.block([[C, -S], [S, C]]) @ right - U).max() < 1e-10
        u, d, v = demultiplex(u1, u2)
        assert onp.allclose(u @ onp.diag(d) @ v, u1)
        assert onp.allclose(u @ onp.diag(d.conj()) @ v, u2)


def test_qubit_unitary_decomposes_on_any_number_of_wires_and_its_rules_too():
    rng = onp.random.default_rng(13)
    for n in (1, 2, 3):
        U = haar(rng, 2 ** n)
        wires = ["x", 4, 2][:n]
        op = qml.QubitUnitary(U, wires=wires)
        assert op.has_decomposition
        assert onp.abs(product(op.decomposition(), wires) - U).max() < 1e-10
        rules = [r for r in qml.list_decomps(qml.QubitUnitary) if r.is_applicable(num_wires=n)]
        assert rules
        for rule in rules:
            with qml.queuing.AnnotatedQueue() as q:
                rule(U, wires=wires)
            assert onp.abs(product(q.queue, wires) - U).max() < 1e-10, rule


def test_decompositions_inside_a_circuit_give_its_state_and_gradient():
    rng = onp.random.default_rng(17)
    U, V = haar(rng, 8), haar(rng, 4)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def direct(x):
        qml.RX(x, 0)
        qml.QubitUnitary(U, wires=[0, 1, 2])
        qml.QubitUnitary(V, wires=[2, 0])
        return qml.expval(qml.PauliZ(1) @ qml.PauliX(2))

    @qml.qnode(dev)
    def by_hand(x):
        qml.RX(x, 0)
        qml.ops.multi_qubit_decomposition(U, wires=[0, 1, 2])
        qml.ops.two_qubit_decomposition(V, wires=[2, 0])
        return qml.expval(qml.PauliZ(1) @ qml.PauliX(2))

    transformed = qml.transforms.decompose(direct, gate_set={"RX", "RY", "RZ", "CNOT", "MultiRZ",
                                                             "Hadamard", "GlobalPhase"})
    x = np.array(0.3, requires_grad=True)
    assert onp.isclose(direct(x), by_hand(x)) and onp.isclose(direct(x), transformed(x))
    h = 1e-6  # central finite differences of the undecomposed circuit
    fd = (direct(x + h) - direct(x - h)) / (2 * h)
    assert onp.isclose(qml.grad(by_hand)(x), fd, atol=1e-7)
    assert onp.isclose(qml.grad(transformed)(x), fd, atol=1e-7)


def test_a_trainable_matrix_warns_as_pennylane_does():
    with pytest.warns(RuntimeWarning, match="may not be differentiable"):
        qml.ops.two_qubit_decomposition(np.array(onp.eye(4), requires_grad=True), wires=[0, 1])


def test_bad_input_is_refused():
    with pytest.raises(GateError, match="4x4"):
        qml.ops.two_qubit_decomposition(onp.eye(2), wires=[0, 1])
    with pytest.raises(GateError, match="not unitary"):
        qml.ops.two_qubit_decomposition(2 * onp.eye(4), wires=[0, 1])
    with pytest.raises(GateError, match="rotations"):
        qml.ops.one_qubit_decomposition(onp.eye(2), 0, rotations="YXY")
    with pytest.raises(DecompositionUndefinedError, match="broadcasting"):
        qml.QubitUnitary(onp.stack([onp.eye(4)] * 2), wires=[0, 1]).decomposition()
    with pytest.raises(GateError, match="not unitary"):
        qml.ops.multi_qubit_decomposition(2 * onp.eye(8), wires=[0, 1, 2])
    with pytest.raises(GateError, match="not unitary"):
        qml.ops.one_qubit_decomposition(onp.diag([1.0, 0.5]), 0)
