"""qml.transforms.quantum_monte_carlo and apply_controlled_Q (qsym/_qmc.py), checked against
hand-built matrices: Q = (F Z F^dagger V)^2 written out with NumPy, and the estimated
expectation value read from the phase-estimation probabilities."""

import numpy as np
import pytest

import qsym as qml

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]])


def _ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def _unitary(ops, wires):
    return qml.matrix(qml.tape.QuantumScript(ops), wire_order=wires)


def _controlled(u):
    """|0><0| x I + |1><1| x u, the control the first (most significant) wire."""
    d = u.shape[0]
    out = np.eye(2 * d, dtype=complex)
    out[d:, d:] = u
    return out


def _f_circuit():
    # F on wires (0, 1): a distribution on wire 0, then the value imprinted on wire 1
    return [qml.RY(0.7, 0), qml.CRY(1.1, [0, 1]), qml.RY(0.4, 1)]


def _f_matrix():
    cry = _controlled(_ry(1.1))
    return np.kron(I2, _ry(0.4)) @ cry @ np.kron(_ry(0.7), I2)


def _q_matrix():
    f = _f_matrix()
    z = np.eye(4) - 2 * np.diag([1, 0, 0, 0])        # I - 2|00><00|
    v = np.kron(I2, np.diag([1, -1]))                 # Z on the target (wire 1)
    half = f @ z @ f.conj().T @ v
    return half @ half


def test_apply_controlled_q_is_the_controlled_q_matrix():
    tape = qml.tape.QuantumScript(_f_circuit())
    [new], _ = qml.transforms.apply_controlled_Q(tape, wires=[0, 1], target_wire=1,
                                                 control_wire=2, work_wires=None)
    got = _unitary(new.operations, [2, 0, 1])
    # the sign of Z (I - 2|0><0| against 2|0><0| - I) cancels in the square
    assert np.allclose(got, _controlled(_q_matrix()))


def test_the_helpers_record_where_they_are_made():
    from qsym.transforms.qmc import _apply_controlled_v, _apply_controlled_z
    with qml.tape.QuantumTape() as tape:
        _apply_controlled_z(wires=qml.wires.Wires([0, 1]), control_wire=qml.wires.Wires([2]),
                            work_wires=None)
        _apply_controlled_v(target_wire=qml.wires.Wires([1]), control_wire=qml.wires.Wires([2]))
    # controlled (on wire 2) -(2|00><00| - I) = I - 2|00><00|, then controlled Z on wire 1
    z = _controlled(np.eye(4) - 2 * np.diag([1, 0, 0, 0]))
    cz = _controlled(np.kron(I2, np.diag([1, -1])))
    assert np.allclose(_unitary(tape.operations, [2, 0, 1]), cz @ z)


def _phase_estimation_probs(q, psi, n):
    """Textbook phase estimation in NumPy: the probabilities of the n estimation bits
    (first bit most significant) after H's, controlled q^(2^(n-1-k)), inverse Fourier."""
    dim = 2 ** n
    amps = np.zeros((dim, q.shape[0]), dtype=complex)  # (estimation basis, system)
    powers = [np.linalg.matrix_power(q, 2 ** (n - 1 - k)) for k in range(n)]
    for j in range(dim):
        state = psi.astype(complex)
        for k in range(n):
            if (j >> (n - 1 - k)) & 1:
                state = powers[k] @ state
        amps[j] = state / np.sqrt(dim)
    omega = np.exp(-2j * np.pi / dim)
    inverse_qft = np.array([[omega ** (j * m) for m in range(dim)] for j in range(dim)])
    out = inverse_qft @ amps / np.sqrt(dim)
    return np.sum(np.abs(out) ** 2, axis=1)


def test_quantum_monte_carlo_is_phase_estimation_of_q():
    est = [2, 3, 4]
    dev = qml.device("default.qubit", wires=[0, 1] + est)

    @qml.transforms.quantum_monte_carlo(wires=[0, 1], target_wire=1, estimation_wires=est)
    def f():
        _f_circuit()

    @qml.qnode(dev)
    def circuit():
        f()
        return qml.probs(est)

    psi = _f_matrix()[:, 0]
    expected = _phase_estimation_probs(_q_matrix(), psi, len(est))
    assert np.allclose(circuit(), expected, atol=1e-8)
    # Q's eigenphases +-theta hold mu = P(target = 1) as mu = (1 - cos(pi theta)) / 2
    mu = np.sum(np.abs(psi[[1, 3]]) ** 2)
    theta = np.angle(np.linalg.eigvals(_q_matrix())).max() / (2 * np.pi)
    assert np.isclose((1 - np.cos(np.pi * theta)) / 2, mu)
    assert qml.quantum_monte_carlo is qml.transforms.quantum_monte_carlo


def test_bad_wires_are_refused():
    tape = qml.tape.QuantumScript(_f_circuit())
    with pytest.raises(ValueError, match="target wire must be contained"):
        qml.transforms.apply_controlled_Q(tape, wires=[0, 1], target_wire=5, control_wire=2,
                                          work_wires=None)
    with pytest.raises(ValueError, match="No wires can be shared"):
        qml.transforms.quantum_monte_carlo(tape, wires=[0, 1], target_wire=1,
                                           estimation_wires=[1, 2])


def _mottonen_unitary(a):
    """The unitary of Mottonen's circuit for real nonnegative amplitudes ``a`` on n wires:
    for k = 0..n-1, RYs on wire k uniformly controlled by wires 0..k-1 (block diagonal),
    each splitting the weight of its prefix between the next bit 0 and 1."""
    n = int(np.log2(len(a)))
    u = np.eye(len(a))
    for k in range(n):
        weights = np.sum(a.reshape(2 ** k, 2, -1) ** 2, axis=2)  # (prefix, next bit)
        layer = np.zeros((2 ** (k + 1), 2 ** (k + 1)))
        for p, (w0, w1) in enumerate(weights):
            angle = 2 * np.arctan2(np.sqrt(w1), np.sqrt(w0))
            layer[2 * p:2 * p + 2, 2 * p:2 * p + 2] = _ry(angle)
        u = np.kron(layer, np.eye(2 ** (n - k - 1))) @ u
    return u


def test_a_state_preparation_applied_again_after_gates_is_mottonens_unitary():
    # the circuit F of quantum Monte Carlo is applied again mid-circuit by the transform: a
    # StatePrep made on fresh wires must then act as PennyLane's Mottonen unitary (its
    # adjoint inverts that one), not only some unitary whose first column is the state
    a = np.array([0.1, 0.5, 0.3, 0.8, 0.2, 0.1, 0.4, 0.3])
    a = a / np.linalg.norm(a)
    u = _mottonen_unitary(a)
    assert np.allclose(u[:, 0], a)
    prep = qml.MottonenStatePreparation(a, wires=[0, 1, 2])
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def again():
        qml.Hadamard(0)
        qml.apply(prep)
        return qml.state()

    @qml.qnode(dev)
    def inverse():
        qml.Hadamard(0)
        qml.adjoint(prep)
        return qml.state()

    h0 = np.zeros(8)
    h0[[0, 4]] = 1 / np.sqrt(2)
    assert np.allclose(again(), u @ h0)
    assert np.allclose(inverse(), u.T @ h0)
