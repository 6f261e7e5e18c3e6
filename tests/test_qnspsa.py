"""qml.QNSPSAOptimizer: its steps against the algorithm written out here with NumPy state
vectors (hand-written RY and CRX, the same random draws), blocking, trainability rules,
and PennyLane's iterates for the same seed where PennyLane is installed."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

H = 1e-2  # finite_diff_step
ZZ = onp.diag([1.0, -1.0, -1.0, 1.0])


def state(a):
    """RY(a0) on wire 0, CRX(a1) on wires (0, 1), from |00> (wire 0 most significant)."""
    c, s = onp.cos(a[0] / 2), onp.sin(a[0] / 2)
    ry = onp.kron(onp.array([[c, -s], [s, c]]), onp.eye(2))
    c1, s1 = onp.cos(a[1] / 2), onp.sin(a[1] / 2)
    crx = onp.eye(4, dtype=complex)
    crx[2:, 2:] = [[c1, -1j * s1], [-1j * s1, c1]]
    return crx @ ry @ onp.array([1, 0, 0, 0], dtype=complex)


def energy(a):
    psi = state(a)
    return float(onp.real(psi.conj() @ ZZ @ psi))


def overlap(a, b):
    return abs(onp.vdot(state(b), state(a))) ** 2


def reference_steps(params, seed, stepsize, n_steps, reg=1e-3):
    """QN-SPSA (Gacon et al.) as PennyLane draws it: per step one gradient direction, then
    two metric directions; metric averaged over steps, |g| by eigenvalues, regularized."""
    rng, metric, out = onp.random.default_rng(seed), None, []
    for k in range(1, n_steps + 1):
        d = rng.choice([-1, 1], size=2)
        grad = (energy(params + H * d) - energy(params - H * d)) / (2 * H) * d
        d1, d2 = rng.choice([-1, 1], size=2), rng.choice([-1, 1], size=2)
        fd = (overlap(params, params + H * (d1 + d2)) - overlap(params, params + H * d1)
              - overlap(params, params + H * (-d1 + d2)) + overlap(params, params - H * d1))
        raw = -(onp.outer(d1, d2) + onp.outer(d2, d1)) * fd / (8 * H ** 2)
        avg = k / (k + 1) * (onp.eye(2) if metric is None else metric) + raw / (k + 1)
        w, v = onp.linalg.eigh(avg)
        metric = ((v * abs(w)) @ v.T + reg * onp.eye(2)) / (1 + reg)
        params = onp.linalg.pinv(metric) @ (metric @ params - stepsize * grad)
        out.append(params)
    return out


def cost_qnode():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def cost(params):
        qml.RY(params[0], wires=0)
        qml.CRX(params[1], wires=[0, 1])
        return qml.expval(qml.Z(0) @ qml.Z(1))

    return cost


def test_steps_follow_the_algorithm():
    cost, start = cost_qnode(), onp.array([0.5, -0.3])
    opt = qml.QNSPSAOptimizer(stepsize=5e-2, finite_diff_step=H, blocking=False, seed=42)
    params, got = np.array(start, requires_grad=True), []
    for _ in range(4):
        params, loss = opt.step_and_cost(cost, params)
        got.append(onp.asarray(params))
    for g, want in zip(got, reference_steps(start, 42, 5e-2, 4)):
        assert onp.allclose(g, want, atol=1e-10)


def test_blocking_keeps_the_minimum_and_step_warns():
    cost = cost_qnode()
    params = np.array([onp.pi, 0.0], requires_grad=True)  # the minimum, energy -1
    opt = qml.QNSPSAOptimizer(stepsize=1.0, finite_diff_step=H, history_length=3, seed=3)
    for _ in range(4):
        new, loss = opt.step_and_cost(cost, params)
    assert onp.allclose(new, params) and onp.isclose(loss, -1.0)
    with pytest.warns(UserWarning, match="step_and_cost"):
        opt.step(cost, params)


def test_only_trainable_arguments_move():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def cost(x, y):
        qml.RY(x, wires=0)
        qml.CRX(y, wires=[0, 1])
        return qml.expval(qml.Z(0) @ qml.Z(1))

    opt = qml.QNSPSAOptimizer(stepsize=1e-2, blocking=False, seed=1)
    x, y = np.array([0.4], requires_grad=True), np.array([0.9], requires_grad=False)
    (x2, y2), _ = opt.step_and_cost(cost, x, y)
    assert y2 is y and not onp.allclose(x2, x)
    assert qml.optimize.QNSPSAOptimizer is qml.QNSPSAOptimizer


def test_iterates_equal_pennylanes():
    pl = pytest.importorskip("pennylane")
    runs = []
    for lib in (pl, qml):
        @lib.qnode(lib.device("default.qubit", wires=2))
        def cost(params):
            lib.RY(params[0], wires=0)
            lib.CRX(params[1], wires=[0, 1])
            return lib.expval(lib.Z(0) @ lib.Z(1))

        opt = lib.QNSPSAOptimizer(stepsize=5e-2, resamplings=2, seed=7)
        params, seq = lib.numpy.array([0.5, 0.5], requires_grad=True), []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(5):
                params, loss = opt.step_and_cost(cost, params)
                seq.append((onp.asarray(params), float(loss)))
        runs.append(seq)
    for (p1, l1), (p2, l2) in zip(*runs):
        assert onp.allclose(p1, p2, atol=1e-10) and onp.isclose(l1, l2, atol=1e-12)


@pytest.mark.parametrize("options", [
    {"resamplings": 0}, {"resamplings": -1}, {"resamplings": 1.5}, {"history_length": 0},
    {"finite_diff_step": 0}, {"finite_diff_step": float("nan")}, {"regularization": -1},
    {"regularization": float("inf")}, {"stepsize": float("nan")},
])
def test_options_that_break_a_step_are_refused_when_made(options):
    """Each failed inside the first step (IndexError, ZeroDivisionError, an SVD that does
    not converge, or nan parameters, as in PennyLane): refused by name when made."""
    with pytest.raises(qml.errors.ArgumentError, match=next(iter(options))):
        qml.QNSPSAOptimizer(**options)
