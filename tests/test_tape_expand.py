"""PennyLane's tape-expansion helpers (qml.transforms.create_expand_fn, expand_multipar, ...),
sign_expand(circuit=True) and the diagonalizing gates of sums and products sharing wires:
checked against brute-force matrices and NumPy's eigendecomposition."""

import warnings
from functools import reduce

import numpy as np
import pytest

import qsym as qml
from qsym.exceptions import PennyLaneDeprecationWarning

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])


def kron(*ms):
    return reduce(np.kron, ms)


def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def tape_unitary(tape, wires):
    """The product of the gates' matrices (the tape's unitary) on ``wires``."""
    u = np.eye(2 ** len(wires), dtype=complex)
    for op in tape.operations:
        u = qml.matrix(op, wire_order=wires) @ u
    return u


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PennyLaneDeprecationWarning)
        return fn(*args, **kwargs)


def test_create_expand_fn_warns_and_expands_to_the_same_unitary():
    y = qml.numpy.array(0.7, requires_grad=True)
    tape = qml.tape.QuantumScript([qml.RX(0.2, 0), qml.RY(y, 0), qml.Rot(0.5, 0.2, -0.1, wires=1),
                                   qml.CRot(0.3, 0.4, 0.5, [0, 1])])
    with pytest.warns(PennyLaneDeprecationWarning, match="create_expand_fn"):
        fn = qml.transforms.create_expand_fn(depth=10, stop_at=lambda op: op.name in ("RX", "RY", "RZ", "CNOT"), docstring="doc")
    assert fn.__doc__ == "doc"
    new = fn(tape)
    assert {op.name for op in new.operations} <= {"RX", "RY", "RZ", "CNOT"}
    assert np.allclose(tape_unitary(new, [0, 1]), tape_unitary(tape, [0, 1]))
    # Rot(a, b, c) = RZ(c) RY(b) RZ(a), by hand
    assert np.allclose(qml.matrix(qml.Rot(0.5, 0.2, -0.1, wires=0)), rz(-0.1) @ ry(0.2) @ rz(0.5))
    assert new.trainable_params == [1]  # RY's angle, the one that requires a gradient
    assert quiet(qml.transforms.create_expand_fn, depth=0, stop_at=lambda op: False)(tape).operations == tape.operations
    every = quiet(qml.transforms.create_expand_fn, depth=3, stop_at=lambda op: True)
    assert every(tape) is tape


def test_create_expand_fn_needs_a_stopping_condition():
    with pytest.raises(TypeError, match="stopping_condition"):
        quiet(qml.transforms.create_expand_fn, depth=1, device=qml.device("default.qubit"))
    with pytest.raises(TypeError, match="stop_at"):
        quiet(qml.transforms.create_expand_fn, depth=1)


def test_expand_multipar_and_trainable_multipar():
    theta = qml.numpy.array(1.0, requires_grad=True)
    ops = [qml.RX(1.5, 0), qml.Rot(-2.1, 1.0, -0.4, wires=1), qml.Rot(-2.1, theta, -0.4, wires=1),
           qml.CRX(1.5, wires=[0, 2]), qml.PhaseShift(0.3, wires=2)]
    tape = qml.tape.QuantumScript(ops)
    with pytest.warns(PennyLaneDeprecationWarning, match="expand"):
        multi = qml.transforms.expand_multipar(tape)
    # CRX (a projector times X) and PhaseShift (a projector) have one-term generators
    assert [op.name for op in multi.operations] == ["RX", "RZ", "RY", "RZ", "RZ", "RY", "RZ", "CRX", "PhaseShift"]
    trainable = quiet(qml.transforms.expand_trainable_multipar, tape)
    assert [op.name for op in trainable.operations] == ["RX", "Rot", "RZ", "RY", "RZ", "CRX", "PhaseShift"]
    for new in (multi, trainable):
        assert np.allclose(tape_unitary(new, [0, 1, 2]), tape_unitary(tape, [0, 1, 2]))


def test_expand_nonunitary_gen_leaves_unitary_generators():
    ops = [qml.IsingXY(0.35, [0, 1]), qml.SingleExcitation(1.61, [1, 0]), qml.PhaseShift(2.1, 1),
           qml.RX(0.2, 0), qml.PauliRot(0.9, "XY", [0, 1])]
    tape = qml.tape.QuantumScript(ops)
    new = quiet(qml.transforms.expand_nonunitary_gen, tape)
    allowed = {"RX", "RY", "RZ", "MultiRZ", "PauliRot", "IsingXX", "IsingYY", "IsingZZ", "GlobalPhase"}
    assert all(op.name in allowed or not op.data for op in new.operations)
    assert new.operations[-2:] == ops[-2:]
    # up to a global phase (GlobalPhase gates are kept, so exactly)
    assert np.allclose(tape_unitary(new, [0, 1]), tape_unitary(tape, [0, 1]))


def test_expand_invalid_trainable():
    class NoGrad(qml.PhaseShift):
        grad_method = None

    x = qml.numpy.array(0.2, requires_grad=True)
    tape = qml.tape.QuantumScript([NoGrad(x, wires=0), qml.RY(0.1, wires=1)])
    new = quiet(qml.transforms.expand_invalid_trainable, tape)
    assert new is not tape and new.operations[0].name == "RZ" and new.operations[0].grad_method == "A"
    assert np.allclose(tape_unitary(new, [0, 1]), tape_unitary(tape, [0, 1]))
    fixed = qml.tape.QuantumScript([NoGrad(0.2, wires=0)])
    assert quiet(qml.transforms.expand_invalid_trainable, fixed) is fixed


def test_create_expand_trainable_multipar_with_argnum():
    tape = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0), qml.Rot(0.4, 0.5, 0.6, wires=1)])
    tape.trainable_params = [4]
    with pytest.warns(PennyLaneDeprecationWarning, match="create_expand_trainable_multipar"):
        fn = qml.transforms.create_expand_trainable_multipar(tape, use_tape_argnum=True)
    assert [op.name for op in fn(tape).operations] == ["Rot", "RZ", "RY", "RZ"]
    assert quiet(qml.transforms.create_expand_trainable_multipar, tape) is qml.transforms.expand_trainable_multipar


# --- sign_expand(circuit=True) -----------------------------------------------------------
def _state(u):
    psi = np.zeros(u.shape[0], dtype=complex)
    psi[0] = 1
    return u @ psi


@pytest.mark.parametrize("ops, H, Hmat, prep", [
    ([qml.X(0)], qml.Hamiltonian([1.5, 0.3], [qml.Z(0) @ qml.Z(1), qml.X(2)]),
     1.5 * kron(Z, Z, I2) + 0.3 * kron(I2, I2, X), kron(X, I2, I2)),
    # spectrum {-8, -2, 4, 6}: not symmetric about 0, the constant (l0 + lJ)/2 = -1 counts
    ([qml.Hadamard(0), qml.X(2)], qml.X(0) @ qml.Z(2) + 5 * qml.Z(2) - 2 * qml.X(0),
     kron(X, I2, Z) + 5 * kron(I2, I2, Z) - 2 * kron(X, I2, I2),
     kron(np.array([[1, 1], [1, -1]]) / np.sqrt(2), I2, X)),
    # Y words and an identity term
    ([qml.RX(0.3, 0), qml.RY(0.7, 1)], qml.Y(0) @ qml.Z(1) + 0.5 * qml.Y(0) + 0.2 * qml.Identity(0),
     kron(Y, Z, I2) + 0.5 * kron(Y, I2, I2) + 0.2 * np.eye(8),
     kron(np.array([[np.cos(.15), -1j * np.sin(.15)], [-1j * np.sin(.15), np.cos(.15)]]), ry(0.7), I2)),
])
def test_sign_expand_circuit_estimates_the_expectation(ops, H, Hmat, prep):
    psi = _state(prep)
    exact = float(np.real(psi.conj() @ Hmat @ psi))
    tape = qml.tape.QuantumScript(ops, [qml.expval(H)], shots=None)
    dev = qml.device("default.qubit", wires=[0, 1, 2, "Hadamard", "Target"])
    tapes, fn = qml.transforms.sign_expand(tape, circuit=True)
    assert all(t.shots == tape.shots for t in tapes)
    spectrum = np.linalg.eigvalsh(Hmat)  # an approximation: within 2% of the spectral width
    assert abs(float(fn(qml.execute(tapes, dev))) - exact) < 0.02 * (spectrum[-1] - spectrum[0])
    tapes, fn = qml.transforms.sign_expand(tape)
    assert np.isclose(float(fn(qml.execute(tapes, dev))), exact)


def test_sign_expand_unknown_phases_and_bad_tapes():
    H = qml.Z(0) + qml.Z(1)
    tape = qml.tape.QuantumScript([], [qml.expval(H)])
    with pytest.raises(ValueError, match="no stored phases"):
        qml.transforms.sign_expand(tape, circuit=True, J=11)
    with pytest.raises(ValueError, match="Passed tape must end in"):
        qml.transforms.sign_expand(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]), circuit=True)
    with pytest.raises(ValueError, match="jointly measurable"):
        qml.transforms.sign_expand(qml.tape.QuantumScript([], [qml.expval(qml.Z(0) + qml.X(0))]))


# --- diagonalizing gates of composites sharing wires; probs(op=...) ------------------------
@pytest.mark.parametrize("obs, mat, wires", [
    (qml.X(1) + qml.Y(1), X + Y, [1]),
    (qml.Hamiltonian([1, 2], [qml.Y(1) @ qml.X(0), qml.X(2) + qml.Y(1)]),
     kron(Y, X, I2) + 2 * (kron(I2, I2, X) + kron(Y, I2, I2)), [1, 0, 2]),
])
def test_diagonalizing_gates_of_overlapping_sums(obs, mat, wires):
    (gate,) = obs.diagonalizing_gates()
    assert gate.name == "QubitUnitary" and list(gate.wires) == wires
    u = qml.matrix(gate, wire_order=wires)
    rotated = u @ mat @ u.conj().T
    assert np.allclose(rotated, np.diag(np.diag(rotated)))
    assert np.allclose(np.sort(np.diag(rotated).real), np.linalg.eigvalsh(mat))
    tape = qml.tape.QuantumScript([], [qml.expval(qml.X(0) + qml.Y(3)), qml.var(obs)])
    gates = tape.diagonalizing_gates
    assert [g.name for g in gates] == ["Hadamard", "PauliZ", "S", "Hadamard", "QubitUnitary"]


def test_probs_of_a_sum_and_refusal_of_a_hamiltonian():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.RY(0.4, wires=0)
        qml.RX(1.1, wires=1)
        return qml.probs(op=qml.X(0) + qml.Z(1))

    psi = np.kron(ry(0.4) @ [1, 0], np.array([[np.cos(.55), -1j * np.sin(.55)], [-1j * np.sin(.55), np.cos(.55)]]) @ [1, 0])
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)  # X's eigenbasis: +1 first, as PennyLane's H(0)
    expected = np.abs(np.kron(h, I2) @ psi) ** 2
    assert np.allclose(circuit(), expected)
    with pytest.raises(qml.QuantumFunctionError, match="Hamiltonians are not supported"):
        qml.probs(op=qml.Hamiltonian([1.0, 2.0], [qml.X(0), qml.Z(1)]))
