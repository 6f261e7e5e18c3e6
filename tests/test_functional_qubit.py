"""qml.devices.qubit (qsym._functional_qubit): PennyLane's functional state-vector
simulator, checked against hand-written states, matrices and probabilities, finite
differences, and qsym's QNode as a second method."""

import numpy as np
import pytest

import qsym as qml
from qsym.devices.qubit import (adjoint_jacobian, adjoint_jvp, adjoint_vjp, apply_operation,
                                create_initial_state, measure, measure_with_samples,
                                sample_state, simulate)
from qsym.devices.qubit.apply_operation import (apply_operation_csr_matrix,
                                                apply_operation_einsum,
                                                apply_operation_tensordot)

H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])


def rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _random_state(n, seed=0):
    r = np.random.default_rng(seed)
    v = r.normal(size=2 ** n) + 1j * r.normal(size=2 ** n)
    return (v / np.linalg.norm(v)).reshape((2,) * n)


@pytest.mark.parametrize("method", [apply_operation, apply_operation_einsum,
                                    apply_operation_tensordot, apply_operation_csr_matrix])
@pytest.mark.parametrize("op, full", [
    (qml.Hadamard(1), np.kron(np.kron(np.eye(2), H), np.eye(2))),
    (qml.CNOT([2, 0]), None), (qml.PauliX(0), np.kron(np.array([[0, 1], [1, 0]]), np.eye(4))),
    (qml.PauliZ(2), np.diag([1, -1, 1, -1, 1, -1, 1, -1])),
    (qml.RX(0.4, 1), np.kron(np.kron(np.eye(2), rx(0.4)), np.eye(2))),
    (qml.PhaseShift(0.3, 0), np.diag([1, 1, 1, 1] + [np.exp(0.3j)] * 4)),
    (qml.GlobalPhase(0.7), np.exp(-0.7j) * np.eye(8))])
def test_gates_match_hand_written_matrices(method, op, full):
    if full is None:  # CNOT(control 2, target 0): |a b c> -> |a^c b c>
        full = np.zeros((8, 8))
        for i in range(8):
            a, b, c = (i >> 2) & 1, (i >> 1) & 1, i & 1
            full[((a ^ c) << 2) | (b << 1) | c, i] = 1
    if method is apply_operation_csr_matrix and isinstance(op, qml.GlobalPhase):
        pytest.skip("a global phase on no wires has no sparse matrix on them")
    psi = _random_state(3)
    assert np.allclose(method(op, psi).reshape(-1), full @ psi.reshape(-1))


def test_batches_of_states_and_angles():
    psi = np.stack([_random_state(2, s) for s in range(3)])
    out = apply_operation(qml.RX(np.array([0.1, 0.2, 0.3]), 0), psi, is_state_batched=True)
    for k, t in enumerate([0.1, 0.2, 0.3]):
        assert np.allclose(out[k].reshape(-1), np.kron(rx(t), np.eye(2)) @ psi[k].reshape(-1))
    out = apply_operation(qml.RX(np.array([0.1, 0.2]), 1), psi[0])  # one state, two angles
    assert out.shape == (2, 2, 2)
    assert np.allclose(out[1].reshape(-1), np.kron(np.eye(2), rx(0.2)) @ psi[0].reshape(-1))


def test_large_kernels_match_their_matrices():
    psi = _random_state(10, 3)
    mcx = qml.MultiControlledX(wires=list(range(9)) + [9], control_values=[1, 0] + [1] * 7)
    idx = np.arange(2 ** 10)
    bits = (idx[:, None] >> np.arange(9, -1, -1)) & 1
    fire = np.all(bits[:, :9] == [1, 0] + [1] * 7, axis=1)
    expected = psi.reshape(-1).copy()
    expected[idx[fire]] = psi.reshape(-1)[idx[fire] ^ 1]
    assert np.allclose(apply_operation(mcx, psi).reshape(-1), expected)
    grover = 2 * np.full((2 ** 10, 2 ** 10), 2 ** -10) - np.eye(2 ** 10)
    assert np.allclose(apply_operation(qml.GroverOperator(wires=range(10)), psi).reshape(-1),
                       grover @ psi.reshape(-1))


def test_initial_state_and_measurements_by_hand():
    assert np.allclose(create_initial_state([0, 1]).reshape(-1), [1, 0, 0, 0])
    psi = np.array([0.6, 0, 0, 0.8j]).reshape(2, 2)  # 0.6|00> + 0.8i|11>
    assert np.allclose(measure(qml.probs(wires=[0, 1]), psi), [0.36, 0, 0, 0.64])
    assert np.isclose(measure(qml.expval(qml.PauliZ(0)), psi), 0.36 - 0.64)
    assert np.isclose(measure(qml.var(qml.PauliZ(1)), psi), 1 - (0.36 - 0.64) ** 2)
    assert np.isclose(measure(qml.expval(qml.PauliX(0) @ qml.PauliX(1)), psi), 0.0)
    assert np.isclose(measure(qml.expval(qml.PauliY(0) @ qml.PauliX(1)), psi), 2 * 0.6 * 0.8)
    h = qml.Hamiltonian([2.0, 0.5], [qml.PauliZ(0), qml.PauliZ(0) @ qml.PauliZ(1)])
    assert np.isclose(measure(qml.expval(h), psi), 2 * (0.36 - 0.64) + 0.5)
    assert np.allclose(measure(qml.density_matrix(wires=[0]), psi), np.diag([0.36, 0.64]))
    with pytest.raises(NotImplementedError, match="measure_with_samples"):
        measure(qml.sample(wires=0), psi)


def test_samples_are_numpy_choice_draws():
    psi = np.array([0.6, 0, 0, 0.8]).reshape(2, 2)
    drawn = np.random.default_rng(5).choice(4, 50, p=[0.36, 0, 0, 0.64])
    bits = np.stack([drawn >> 1, drawn & 1], axis=1)
    assert np.array_equal(sample_state(psi, 50, rng=5), bits)
    res = measure_with_samples([qml.sample(wires=[0, 1]), qml.expval(qml.PauliZ(0))], psi,
                               qml.measurements.Shots(50), rng=5)
    assert np.array_equal(res[0], bits) and np.isclose(res[1], np.mean(1 - 2 * bits[:, 0]))


def test_simulate_agrees_with_a_qnode():
    ops = [qml.RX(0.3, 0), qml.RY(-0.7, 1), qml.CNOT([0, 1]), qml.RZ(1.1, 1), qml.Hadamard(0)]
    obs = [qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])]
    tape = qml.tape.QuantumScript(ops, obs)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        for op in ops:
            qml.apply(op)
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])

    ours, ref = simulate(tape), circuit()
    assert np.isclose(ours[0], ref[0]) and np.allclose(ours[1], ref[1])


def _tape(x):
    return qml.tape.QuantumScript(
        [qml.RX(x[0], 0), qml.CNOT([0, 1]), qml.RY(x[1], 1), qml.PhaseShift(x[2], 0)],
        [qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliY(0) @ qml.PauliX(1))])


def test_adjoint_matches_finite_differences():
    x = np.array([0.4, -0.9, 0.6])
    eps = 1e-6
    fd = np.array([(np.array(simulate(_tape(x + eps * e))) - np.array(simulate(_tape(x - eps * e))))
                   / (2 * eps) for e in np.eye(3)]).T  # (observables, parameters)
    jac = np.array(adjoint_jacobian(_tape(x)), dtype=float)
    assert np.allclose(jac, fd, atol=1e-6)
    t = np.array([0.3, -1.0, 2.0])
    assert np.allclose(adjoint_jvp(_tape(x), t), fd @ t, atol=1e-6)
    c = np.array([1.5, -0.5])
    assert np.allclose(adjoint_vjp(_tape(x), c), c @ fd, atol=1e-6)
