"""qml.is_hermitian, qml.is_unitary and qml.ops.functions.is_commuting's helpers (issue
#18): checked against matrices written here and, where installed, PennyLane itself."""

import numpy as onp
import pytest

import qsym as qml

_S = onp.diag([1, 1j])
_X = onp.array([[0, 1], [1, 0]])
_Z = onp.diag([1, -1])


@pytest.mark.parametrize("op, hermitian, unitary", [
    (qml.X(0), True, True),
    (qml.S(0), False, True),
    (qml.Hadamard(0), True, True),
    (qml.RX(0.3, 0), False, True),
    (qml.RX(0.0, 0), True, True),
    (qml.X(0) + qml.Z(0), True, False),           # [[1, 1], [1, -1]]
    (qml.s_prod(1j, qml.Z(0)), False, True),      # i Z: anti-Hermitian, unitary
    (qml.s_prod(2.0, qml.Z(0)), True, False),
    (qml.X(0) @ qml.S(1), False, True),
    (qml.Hermitian(onp.array([[1.0, 2 - 1j], [2 + 1j, 0.5]]), wires=0), True, False),
])
def test_is_hermitian_is_unitary(op, hermitian, unitary):
    assert qml.is_hermitian(op) is hermitian
    assert qml.is_unitary(op) is unitary


def test_against_hand_matrices():
    # S is unitary and not Hermitian: S S^dagger = I, S != S^dagger
    assert onp.allclose(_S @ _S.conj().T, onp.eye(2)) and not onp.allclose(_S, _S.conj().T)
    assert qml.is_unitary(qml.S(0)) and not qml.is_hermitian(qml.S(0))
    with pytest.raises(qml.GateError, match="takes operators"):
        qml.is_hermitian(onp.eye(2))


def test_is_commuting_helpers():
    from qsym.ops.functions.is_commuting import _check_mat_commutation, _get_target_name

    assert _get_target_name(qml.CNOT([0, 1])) == "PauliX"
    assert _get_target_name(qml.CRot(0.1, 0.2, 0.3, wires=[0, 1])) == "Rot"
    assert _get_target_name(qml.ctrl(qml.S(1), 0)) == "S"
    assert _get_target_name(qml.RX(0.1, 0)) == "RX"
    assert _check_mat_commutation(qml.S(0), qml.T(0))
    assert not _check_mat_commutation(qml.X(0), qml.Z(0))
    assert not onp.allclose(_X @ _Z, _Z @ _X)


def test_against_pennylane():
    pl = pytest.importorskip("pennylane")
    pairs = [(qml.RY(0.4, 0), pl.RY(0.4, 0)), (qml.Y(0) @ qml.Z(1), pl.Y(0) @ pl.Z(1)),
             (qml.X(0) + 0.5 * qml.Y(0), pl.X(0) + 0.5 * pl.Y(0)), (qml.T(0), pl.T(0))]
    for q, p in pairs:
        assert qml.is_hermitian(q) == pl.is_hermitian(p)
        assert qml.is_unitary(q) == pl.is_unitary(p)


def test_is_verified_hermitian_is_pennylanes():
    # PennyLane 0.45 marks these (written out here); rotations, S, T, ECR, ... are not marked
    marked = [qml.Identity(0), qml.Hadamard(0), qml.X(0), qml.Y(0), qml.Z(0), qml.SWAP([0, 1]),
              qml.CNOT([0, 1]), qml.CZ([0, 1]), qml.CCZ([0, 1, 2]), qml.CY([0, 1]), qml.CH([0, 1]),
              qml.CSWAP([0, 1, 2]), qml.Toffoli([0, 1, 2]), qml.MultiControlledX(wires=[0, 1, 2])]
    for op in marked:
        assert op.is_verified_hermitian and qml.is_hermitian(op), op
    for op in (qml.S(0), qml.ECR([0, 1]), qml.CRX(0.1, [0, 1]), qml.ControlledPhaseShift(0.1, [0, 1])):
        assert not op.is_verified_hermitian, op


@pytest.mark.parametrize("k", [1, 3, 6])
def test_iterative_qpe_exact_phase(k):
    # RZ(phi)|1> = exp(i phi / 2)|1>: the phase theta = phi / (4 pi); with theta = k / 8 the
    # three measured bits are k exactly (probability 1)
    phi = 4 * onp.pi * k / 8

    @qml.qnode(qml.device("default.qubit"))
    def circuit():
        qml.PauliX(wires=0)
        bits = qml.iterative_qpe(qml.RZ(phi, wires=[0]), aux_wire=[1], iters=3)
        return qml.probs(op=bits)

    expected = onp.zeros(8)
    expected[k] = 1.0
    assert onp.allclose(circuit(), expected)


def test_iterative_qpe_matches_quantum_phase_estimation():
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def iterative():
        qml.PauliX(wires=0)
        bits = qml.iterative_qpe(qml.RZ(2.3, wires=[0]), aux_wire="a", iters=3)
        return [qml.probs(op=b) for b in bits]

    @qml.qnode(dev)
    def qpe():
        qml.PauliX(wires=0)
        qml.QuantumPhaseEstimation(qml.RZ(2.3, wires=[0]), estimation_wires=[1, 2, 3])
        return [qml.probs(wires=w) for w in (1, 2, 3)]

    assert onp.allclose(iterative(), qpe())
    with qml.tape.QuantumTape() as tape:
        bits = qml.iterative_qpe(qml.RZ(1.0, wires=[0]), "aux", iters=4)
    assert len(bits) == 4 and "aux" in tape.wires
