"""PennyLane's functional density-matrix simulator ``qml.devices.qubit_mixed`` (issue #18),
qsym._functional_mixed: every result checked against density matrices built here by hand
(``U rho U^dagger`` with hand-written gate matrices embedded by Kronecker products, Kraus
sums with hand-written Kraus matrices, traces and diagonals in NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml
from qsym.devices import qubit_mixed as qm
from qsym.measurements import Shots

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def kron(*ms):
    out = np.eye(1)
    for m in ms:
        out = np.kron(out, m)
    return out


def random_rho(n, seed=7):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(2 ** n, 2 ** n)) + 1j * rng.normal(size=(2 ** n, 2 ** n))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


def tensor(rho, n):
    return rho.reshape((2,) * (2 * n))


def matrix(t, n):
    return np.asarray(t).reshape(2 ** n, 2 ** n)


CNOT01 = np.eye(4)[[0, 1, 3, 2]]
TOFFOLI = np.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]]
CZ = np.diag([1, 1, 1, -1]).astype(complex)


@pytest.mark.parametrize("op, full", [
    (qml.Hadamard(1), kron(I2, H, I2)),
    (qml.RX(0.7, 2), kron(I2, I2, rx(0.7))),
    (qml.X(0), kron(X, I2, I2)),
    (qml.Z(1), kron(I2, Z, I2)),
    (qml.S(2), kron(I2, I2, np.diag([1, 1j]))),
    (qml.T(0), kron(np.diag([1, np.exp(0.25j * np.pi)]), I2, I2)),
    (qml.PhaseShift(0.3, 1), kron(I2, np.diag([1, np.exp(0.3j)]), I2)),
    (qml.RZ(0.5, 0), kron(np.diag([np.exp(-0.25j), np.exp(0.25j)]), I2, I2)),
    (qml.CNOT([0, 1]), kron(CNOT01, I2)),
    (qml.CZ([1, 2]), kron(I2, CZ)),
    (qml.IsingZZ(0.4, [0, 1]), kron(np.diag(np.exp(-0.2j * np.array([1, -1, -1, 1]))), I2)),
    (qml.Toffoli([0, 1, 2]), TOFFOLI),
    (qml.CCZ([0, 1, 2]), np.diag([1, 1, 1, 1, 1, 1, 1, -1]).astype(complex)),
    (qml.GroverOperator(wires=[0, 1, 2]), 2 * np.full((8, 8), 1 / 8) - np.eye(8)),
    (qml.GlobalPhase(0.3), np.exp(-0.3j) * np.eye(8)),
    (qml.Identity(1), np.eye(8)),
])
def test_gates_are_u_rho_u_dagger(op, full):
    rho = random_rho(3)
    out = qm.apply_operation(op, tensor(rho, 3))
    assert np.allclose(matrix(out, 3), full @ rho @ full.conj().T)
    # the same on a batch of two states (the batch axis first)
    batch = np.stack([tensor(rho, 3), tensor(random_rho(3, 1), 3)])
    out = qm.apply_operation(op, batch, is_state_batched=True)
    assert np.allclose(out[1].reshape(8, 8), full @ random_rho(3, 1) @ full.conj().T)


def kraus_sum(ks, rho):
    return sum(k @ rho @ k.conj().T for k in ks)


@pytest.mark.parametrize("method", [qm.apply_operation_einsum, qm.apply_operation_tensordot,
                                    qm.apply_operation])
@pytest.mark.parametrize("op, ks", [
    (qml.BitFlip(0.2, wires=1), [np.sqrt(0.8) * I2, np.sqrt(0.2) * X]),
    (qml.AmplitudeDamping(0.3, wires=1),
     [np.array([[1, 0], [0, np.sqrt(0.7)]]), np.array([[0, np.sqrt(0.3)], [0, 0]])]),
    (qml.DepolarizingChannel(0.3, wires=1),
     [np.sqrt(0.7) * I2, np.sqrt(0.1) * X, np.sqrt(0.1) * Y, np.sqrt(0.1) * Z]),
])
def test_channels_are_kraus_sums(method, op, ks):
    rho = random_rho(2, 3)
    out = method(op, tensor(rho, 2))
    assert np.allclose(matrix(out, 2), kraus_sum([np.kron(I2, k) for k in ks], rho))


def test_a_batch_of_angles_gives_a_batch_of_states():
    angles = np.array([0.1, 0.9, 2.0])
    rho = random_rho(2, 5)
    out = qm.apply_operation(qml.RX(angles, wires=0), tensor(rho, 2))
    assert out.shape == (3, 2, 2, 2, 2)
    for t, o in zip(angles, out):
        u = np.kron(rx(t), I2)
        assert np.allclose(o.reshape(4, 4), u @ rho @ u.conj().T)
    # a batch of angles on a batch of states: one angle per state
    out = qm.apply_operation(qml.RX(angles[:2], 1), np.stack([tensor(rho, 2)] * 2), True)
    u = np.kron(I2, rx(angles[1]))
    assert np.allclose(out[1].reshape(4, 4), u @ rho @ u.conj().T)


def test_a_nine_wire_multicontrolled_x_swaps_two_basis_states():
    n = 9
    rng = np.random.default_rng(0)
    rho = rng.normal(size=(2 ** n, 2 ** n))
    perm = np.arange(2 ** n)
    perm[[-2, -1]] = perm[[-1, -2]]  # |1..10> <-> |1..11>
    out = qm.apply_operation(qml.MultiControlledX(wires=range(n)), rho.reshape((2,) * 2 * n))
    assert np.allclose(out.reshape(2 ** n, 2 ** n), rho[np.ix_(perm, perm)])


def test_qubit_density_matrix_replaces_its_wires():
    a, b, c = random_rho(1, 1), random_rho(1, 2), random_rho(1, 3)
    out = qm.apply_operation(qml.QubitDensityMatrix(c, wires=[0]), tensor(np.kron(a, b), 2))
    assert np.allclose(matrix(out, 2), np.kron(c, b))
    out = qm.apply_operation(qml.QubitDensityMatrix(c, wires=[1]), tensor(np.kron(a, b), 2))
    assert np.allclose(matrix(out, 2), np.kron(a, c))
    full = random_rho(2, 4)
    out = qm.apply_operation(qml.QubitDensityMatrix(full, wires=[0, 1]), np.zeros((2,) * 4))
    assert np.allclose(matrix(out, 2), full)


def test_initial_states():
    assert np.allclose(matrix(qm.create_initial_state([0, 1]), 2), np.diag([1, 0, 0, 0]))
    psi = np.array([0.6, 0, 0, 0.8j])
    rho = qm.create_initial_state([0, 1], qml.StatePrep(psi, wires=[0, 1]))
    assert np.allclose(matrix(rho, 2), np.outer(psi, psi.conj()))
    rho = qm.create_initial_state([0, 1], qml.BasisState([1], wires=[1]))
    assert np.allclose(matrix(rho, 2), np.diag([0, 1, 0, 0]))
    sigma = random_rho(1)
    rho = qm.create_initial_state([0], qml.QubitDensityMatrix(sigma, wires=[0]))
    assert np.allclose(rho, sigma)
    with pytest.raises(ValueError, match="like='torch'"):
        qm.create_initial_state([0], like="torch")


def test_measurements_are_traces_and_diagonals():
    rho = random_rho(2, 11)
    t = tensor(rho, 2)
    h = np.array([[1.0, 2 - 1j], [2 + 1j, -3.0]])
    assert np.isclose(qm.measure(qml.expval(qml.Hermitian(h, wires=1)), t),
                      np.trace(rho @ np.kron(I2, h)).real)
    zx = np.kron(Z, X)
    assert np.isclose(qm.measure(qml.expval(qml.Z(0) @ qml.X(1)), t), np.trace(rho @ zx).real)
    ev = np.trace(rho @ zx).real
    assert np.isclose(qm.measure(qml.var(qml.Z(0) @ qml.X(1)), t), 1 - ev ** 2)
    diag = np.diag(rho).real
    assert np.allclose(qm.measure(qml.probs(wires=[1]), t), [diag[0] + diag[2], diag[1] + diag[3]])
    assert np.allclose(qm.measure(qml.state(), t), rho)
    red = np.array([[rho[0, 0] + rho[1, 1], rho[0, 2] + rho[1, 3]],
                    [rho[2, 0] + rho[3, 1], rho[2, 2] + rho[3, 3]]])
    assert np.allclose(qm.measure(qml.density_matrix(wires=[0]), t), red)
    # a sum of non-commuting terms on one wire, a Hamiltonian (sparse), term by term
    s = qml.Z(0) + 0.5 * qml.X(0)
    ref = np.trace(rho @ np.kron(Z + 0.5 * X, I2)).real
    assert np.isclose(qm.measure(qml.expval(s), t), ref)
    ham = qml.Hamiltonian([2.0, -1.0], [qml.Y(1), qml.Z(0) @ qml.Z(1)])
    ref = np.trace(rho @ (2 * np.kron(I2, Y) - np.kron(Z, Z))).real
    assert np.isclose(qm.measure(qml.expval(ham), t), ref)
    with pytest.raises(NotImplementedError, match="measure_with_samples"):
        qm.measure(qml.sample(wires=0), t)


def test_readout_errors_flip_the_measured_wires():
    rho = np.diag([1.0, 0.0])
    res = qm.measure(qml.expval(qml.Z(0)), rho, readout_errors=[lambda w: qml.BitFlip(0.1, w)])
    assert np.isclose(res, 0.9 - 0.1)


def test_batched_measurements():
    rhos = np.stack([tensor(random_rho(2, s), 2) for s in (1, 2)])
    res = qm.measure(qml.expval(qml.X(1)), rhos, is_state_batched=True)
    ref = [np.trace(random_rho(2, s) @ np.kron(I2, X)).real for s in (1, 2)]
    assert np.allclose(res, ref)


def test_samples_of_a_definite_state():
    rho = tensor(np.diag([0.0, 0.0, 1.0, 0.0]), 2)  # |10><10|
    samples = qm.sample_state(rho, 5, rng=3)
    assert samples.tolist() == [[1, 0]] * 5
    res = qm.measure_with_samples([qml.expval(qml.Z(0)), qml.probs(wires=[1]),
                                   qml.expval(qml.Z(0) + 2 * qml.Z(1))], rho, Shots(20), rng=1)
    assert np.isclose(res[0], -1.0) and np.allclose(res[1], [1, 0]) and np.isclose(res[2], 1.0)
    res = qm.measure_with_samples([qml.expval(qml.Z(1))], rho, Shots([3, 4]), rng=1)
    assert len(res) == 2 and all(np.isclose(r[0], 1.0) for r in res)
    # |+><+|: X has the eigenvalue 1 on every shot
    plus = np.full((2, 2), 0.5)
    assert np.isclose(qm.measure_with_samples([qml.expval(qml.X(0))], plus, Shots(7))[0], 1.0)
    with pytest.raises(ValueError, match="do not sum to 1"):
        qm.sample_state(np.zeros((2, 2)), 3)


def test_sample_frequencies_follow_the_diagonal():
    rho = np.diag([0.25, 0.75])
    samples = qm.sample_state(rho, 20000, rng=5)
    assert abs(samples.mean() - 0.75) < 0.02


def test_simulate_a_noisy_circuit():
    p = 0.2
    tape = qml.tape.QuantumScript(
        [qml.Hadamard(0), qml.CNOT([0, 1]), qml.DepolarizingChannel(p, wires=1)],
        [qml.expval(qml.Z(0) @ qml.Z(1)), qml.probs(wires=[0, 1])])
    psi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    rho = np.outer(psi, psi)
    rho = kraus_sum([np.kron(I2, k) for k in (np.sqrt(1 - p) * I2, np.sqrt(p / 3) * X,
                                              np.sqrt(p / 3) * Y, np.sqrt(p / 3) * Z)], rho)
    cache = {}
    zz, pr = qm.simulate(tape, state_cache=cache)
    assert np.isclose(zz, np.trace(rho @ np.kron(Z, Z)).real)
    assert np.allclose(pr, np.diag(rho).real)
    assert np.allclose(matrix(next(iter(cache.values())), 2), rho)


def test_simulate_pads_unused_wires_and_labels():
    tape = qml.tape.QuantumScript([qml.X("a")], [qml.probs(wires=["a", "b"])])
    assert np.allclose(qm.simulate(tape), [0, 0, 1, 0])
    tape = qml.tape.QuantumScript([qml.RX(np.array([0.0, np.pi]), 0)],
                                  [qml.expval(qml.Z(0)), qml.expval(qml.Z(1))])
    ev0, ev1 = qm.simulate(tape)
    assert np.allclose(ev0, [1, -1]) and np.allclose(ev1, [1, 1])
    state, batched = qm.get_final_state(tape.map_to_standard_wires())
    assert batched and state.shape == (2, 2, 2, 2, 2)


def test_simulate_with_shots_and_refusals():
    tape = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))], shots=10)
    assert np.isclose(qm.simulate(tape, rng=2), -1.0)
    with pytest.raises(ValueError, match="prng_key"):
        qm.simulate(tape, prng_key=object())


def test_module_paths_and_default_mixed_conditions():
    from qsym.devices.default_mixed import (DefaultMixed, observable_stopping_condition,
                                            stopping_condition)
    from qsym.devices.qubit_mixed.apply_operation import apply_operation
    from qsym.devices.qubit_mixed.sampling import measure_with_samples

    assert apply_operation is qm.apply_operation
    assert measure_with_samples is qm.measure_with_samples
    assert DefaultMixed is qml.devices.DefaultMixed
    assert stopping_condition(qml.AmplitudeDamping(0.1, 0)) and stopping_condition(qml.RX(1, 0))
    assert not stopping_condition(qml.IsingXX(0.1, [0, 1]))
    assert observable_stopping_condition(qml.s_prod(1.2, qml.X(0)) + qml.Z(1))
    assert not observable_stopping_condition(qml.RX(0.1, 0))
    config = DefaultMixed(wires=2)._setup_execution_config(
        qml.devices.ExecutionConfig(gradient_method="finite-diff"))
    assert config.interface == "numpy"


def test_autograd_states_keep_their_interface_and_derivatives():
    from qsym import numpy as pnp

    rho = pnp.array([[0.5, 0.5], [0.5, 0.5]], requires_grad=True)
    assert qml.math.get_interface(qm.measure(qml.probs(wires=[0]), rho)) == "autograd"

    def ev(s):  # Tr(Z RX rho RX^dagger): its gradient is (RX^dagger Z RX)^T, real part
        return qm.measure(qml.expval(qml.Z(0)), qm.apply_operation(qml.RX(0.3, 0), s))

    u = rx(0.3)
    assert np.allclose(qml.grad(ev)(rho), (u.conj().T @ Z @ u).T.real)


@pytest.mark.parametrize("op, full", [(qml.X(1), kron(I2, X)), (qml.CNOT([0, 1]), CNOT01),
                                      (qml.RX(0.4, 0), kron(rx(0.4), I2)),
                                      (qml.BitFlip(0.5, 0), None)])
def test_a_density_matrix_in_matrix_form(op, full):
    rho = random_rho(2, 9)
    out = qm.apply_operation(op, rho)  # (4, 4): PennyLane's expanded matrix form
    ref = (kraus_sum([np.sqrt(0.5) * np.eye(4), np.sqrt(0.5) * kron(X, I2)], rho) if full is None
           else full @ rho @ full.conj().T)
    assert np.allclose(matrix(out, 2), ref)


def test_quantities_of_the_state():
    a, b = np.diag([0.75, 0.25]), random_rho(1, 4)
    t = tensor(np.kron(a, b), 2)
    assert np.isclose(qm.measure(qml.purity(wires=[0]), t), 0.75 ** 2 + 0.25 ** 2)
    assert np.isclose(qm.measure(qml.vn_entropy(wires=[0]), t),
                      -(0.75 * np.log(0.75) + 0.25 * np.log(0.25)))
    assert np.isclose(qm.measure(qml.mutual_info(wires0=[0], wires1=[1]), t), 0.0)
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    assert np.isclose(qm.measure(qml.mutual_info(wires0=[0], wires1=[1]),
                                 tensor(np.outer(bell, bell), 2)), 2 * np.log(2))
    batch = np.stack([t, tensor(np.kron(np.eye(2) / 2, b), 2)])
    assert np.allclose(qm.measure(qml.purity(wires=[0]), batch, is_state_batched=True),
                       [0.625, 0.5])


def test_a_batch_of_global_phases_leaves_a_batch_of_the_state():
    tape = qml.tape.QuantumScript([qml.GlobalPhase(np.array([0.1, 0.2, 0.3])), qml.X(0)],
                                  [qml.expval(qml.Z(0))])
    assert np.allclose(qm.simulate(tape), [-1, -1, -1])
