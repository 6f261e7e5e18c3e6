"""Finite shots: estimates checked statistically (within 5 standard errors of the exact
value), samples and counts checked for shape and distribution, errors for what cannot run."""

import warnings

import numpy as np
import pytest

import qsym as qml
from qsym.errors import DifferentiationError, MeasurementError

N = 20000
Z = 5.0  # standard errors allowed: a false failure has probability ~6e-7 per check


def _ops(x):
    qml.RX(x[0], wires=0)
    qml.CRY(x[1], wires=[0, 1])
    qml.RZ(x[0] * x[1], wires=1)
    qml.Hadamard(wires=1)


def _pair(shots=N, seed=11, method="parameter-shift"):
    def f(x):
        _ops(x)
        return (qml.expval(qml.PauliZ(0) @ qml.PauliX(1) + 0.5 * qml.PauliZ(1)),
                qml.var(qml.PauliZ(0)), qml.probs(wires=[1, 0]))

    sampled = qml.QNode(f, qml.device("default.qubit", wires=2, shots=shots, seed=seed),
                        diff_method=method)
    exact = qml.QNode(f, qml.device("default.qubit", wires=2))
    return sampled, exact


X = np.array([0.7, 1.3])


def test_values_within_standard_errors():
    sampled, exact = _pair()
    (e, v, p), (e0, v0, p0) = sampled(X), exact(X)
    # expval: the two words measured on N shots each: var = sum c^2 (1 - <P>^2) / N
    def word_values(x):
        _ops(x)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1)), qml.expval(qml.PauliZ(1))

    words = qml.QNode(word_values, qml.device("default.qubit", wires=2))(X)
    sigma = np.sqrt(((1 - words[0] ** 2) + 0.25 * (1 - words[1] ** 2)) / N)
    assert abs(e - e0) < Z * sigma
    # var of a Pauli word: 1 - m^2, m = sample mean: sigma ~ 2 |<Z>| sqrt((1 - <Z>^2) / N)
    z0 = np.sqrt(1 - v0)
    assert abs(v - v0) < Z * 2 * z0 * np.sqrt((1 - z0**2) / N) + 1e-12
    # probs: multinomial
    assert abs(p.sum() - 1) < 1e-12
    assert np.all(np.abs(p - p0) <= Z * np.sqrt(p0 * (1 - p0) / N) + 1e-12)
    assert np.all(p[p0 == 0] == 0)


def test_parameter_shift_gradient_samples_every_shifted_circuit():
    dev = qml.device("default.qubit", wires=1, shots=N, seed=5)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.54, 0.12])
    exact = np.array([-np.sin(x[0]) * np.cos(x[1]), -np.cos(x[0]) * np.sin(x[1])])
    # each entry: (E(+) - E(-)) / 2 from two independent N-shot estimates
    with qml.Tracker(dev) as tracker:
        g = qml.grad(c, argnum=0)(x)
    for j in range(2):
        e = np.eye(2)[j] * np.pi / 2
        plus = np.cos((x + e)[0]) * np.cos((x + e)[1])
        minus = np.cos((x - e)[0]) * np.cos((x - e)[1])
        sigma = 0.5 * np.sqrt((2 - plus**2 - minus**2) / N)
        assert abs(g[j] - exact[j]) < Z * sigma
    assert tracker.totals["executions"] == 5  # as exact parameter shift: value + 4 shifts
    # the mean of many small-shot gradients converges to the exact one
    c = qml.set_shots(c, 100)
    mean = np.mean([qml.grad(c, argnum=0)(x) for _ in range(400)], axis=0)
    assert np.all(np.abs(mean - exact) < Z * 0.5 * np.sqrt(2 / (100 * 400)))


def test_jacobian_of_every_measurement_under_shots():
    sampled, exact = _pair()
    js, j0 = qml.jacobian(sampled, argnum=0)(X), qml.jacobian(exact, argnum=0)(X)
    # loose bound: every shift term has |coefficient| <= 1/2 (RX, RY-part of CRY rules
    # have at most 4 terms of |c| <= 0.6); the chain factor x is at most 1.3
    for a, b in zip(js, j0):
        assert np.all(np.abs(np.asarray(a) - b) < Z * 4 * 1.3 * np.sqrt(1.0 / N) * 2)


def test_reproducible_with_a_seed():
    a, _ = _pair(seed=3)
    b, _ = _pair(seed=3)
    c, _ = _pair(seed=4)
    ra, rb, rc = a(X), b(X), c(X)
    assert ra[0] == rb[0] and np.array_equal(ra[2], rb[2])
    assert ra[0] != rc[0]


def test_sample_and_counts():
    dev = qml.device("default.qubit", wires=2, shots=1000, seed=2)

    @qml.qnode(dev)
    def s(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return (qml.sample(wires=[0, 1]), qml.sample(qml.PauliZ(0)), qml.counts(wires=[1]),
                qml.counts(qml.PauliZ(0) @ qml.PauliZ(1) + qml.PauliX(1)), qml.sample())

    bits, z, cnt, cobs, allbits = s(1.1)
    assert bits.shape == (1000, 2) and set(np.unique(bits)) <= {0, 1}
    assert np.array_equal(bits[:, 0], bits[:, 1])  # a Bell-like state: wires agree
    assert z.shape == (1000,) and set(np.unique(z)) <= {-1.0, 1.0}
    p1 = np.sin(1.1 / 2) ** 2
    assert abs(np.mean(z) - (1 - 2 * p1)) < Z * 2 * np.sqrt(p1 * (1 - p1) / 1000)
    assert set(cnt) <= {"0", "1"} and sum(cnt.values()) == 1000
    # ZZ + X1 has eigenvalues +-sqrt(2), each with two-fold degeneracy
    assert sum(cobs.values()) == 1000 and len(cobs) <= 2
    assert all(abs(abs(k) - np.sqrt(2)) < 1e-12 for k in cobs)
    assert allbits.shape == (1000, 2)


def test_errors_under_shots():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def s(x):
        qml.RX(x, wires=0)
        return qml.sample(wires=[0])

    with pytest.raises(MeasurementError, match="shots"):
        s(0.3)
    with pytest.raises(DifferentiationError, match="no gradient"):
        qml.grad(qml.QNode(s.func, dev, shots=10), argnum=0)(0.3)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    sdev = qml.device("default.qubit", wires=1, shots=100, seed=0)
    with pytest.raises(DifferentiationError, match="adjoint"):
        qml.grad(qml.QNode(f, sdev, diff_method="adjoint"), argnum=0)(0.3)
    with pytest.warns(UserWarning, match="finite differences under shots"):
        qml.grad(qml.QNode(f, sdev, diff_method="finite-diff"), argnum=0)(0.3)
    with pytest.raises(DifferentiationError, match="adjoint"):
        qml.hessian(qml.QNode(f, sdev, diff_method="adjoint"), argnum=0)(0.3)

    def st(x):
        qml.RX(x, wires=0)
        return qml.state()

    with pytest.raises(MeasurementError, match="state"):
        qml.QNode(st, sdev)(0.3)
    for bad in (0, -5, [10, 0], 2.5, True):  # [10, 20]: a shot vector (below)
        with pytest.raises(qml.DeviceError, match="shots"):
            qml.device("default.qubit", wires=1, shots=bad)
    # "best" under shots is parameter shift: no warning, an estimate within 5 standard
    # errors of (C(0.3 + pi/2) - C(0.3 - pi/2)) / 2 from 100 shots each
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = qml.grad(qml.QNode(f, sdev, diff_method="best"), argnum=0)(0.3)
    se = 0.5 * np.sqrt((2 - np.cos(0.3 + np.pi / 2) ** 2 - np.cos(0.3 - np.pi / 2) ** 2) / 100)
    assert abs(g + np.sin(0.3)) < Z * se


def test_qnode_shots_override_and_hybrid_cost():
    dev = qml.device("default.qubit", wires=1, seed=9)

    def f(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(f, dev, shots=N)
    v = node(0.4)
    assert v != np.cos(0.4) and abs(v - np.cos(0.4)) < Z * np.sqrt((1 - np.cos(0.4) ** 2) / N)

    def cost(x):
        return (node(x) - 0.2) ** 2

    g = qml.grad(cost, argnum=0)(0.4)
    exact = 2 * (np.cos(0.4) - 0.2) * -np.sin(0.4)
    assert abs(g - exact) < 0.1


# --- shot vectors (PennyLane's Shots: one result per count) ---------------------------------
def _vector_node(shots, seed):
    def f(x):
        _ops(x)
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[0, 1]), qml.sample(qml.PauliZ(1))

    return qml.QNode(f, qml.device("default.qubit", wires=2, shots=shots, seed=seed))


def test_shots_class_follows_pennylane():
    s = qml.measurements.Shots(((10, 3), 100))
    assert (s.total_shots, s.num_copies, s.has_partitioned_shots) == (130, 4, True)
    assert list(s) == [10, 10, 10, 100]
    assert s.shot_vector == (qml.measurements.ShotCopies(10, 3), qml.measurements.ShotCopies(100, 1))
    assert list(s.bins()) == [(0, 10), (10, 20), (20, 30), (30, 130)]
    assert qml.measurements.Shots([5, 5, 7]).shot_vector == ((5, 2), (7, 1))  # merged
    assert qml.measurements.Shots(s) is s and not qml.measurements.Shots(None)
    assert not qml.measurements.Shots(100).has_partitioned_shots
    for bad in ([0, 10], [(10, 0)], ["10"], [], 2.5, [10.0]):
        with pytest.raises(qml.DeviceError):
            qml.device("default.qubit", wires=1, shots=bad)


def test_shot_vector_gives_one_result_per_count_each_sampled_with_its_count():
    shots = [1000, (200, 2), 50]
    r = _vector_node(shots, seed=5)(X)
    assert isinstance(r, tuple) and len(r) == 4
    counts = [1000, 200, 200, 50]
    exact_z = np.cos(X[0])  # <Z0> after RX(x0): the later gates act on wire 1 (or are controlled by 0)
    for (e, p, s), n in zip(r, counts):
        assert np.shape(e) == () and p.shape == (4,) and s.shape == (n,)
        assert abs(e - exact_z) < Z * np.sqrt((1 - exact_z**2) / n) + 1e-12
        assert np.isclose(p.sum(), 1.0) and np.all(np.isin(s, [-1, 1]))
    # PennyLane's draws: each group of measurements draws all 1450 shots at once and each
    # count takes its bin of them, so the samples are the bins of one call with 1450 shots
    whole = qml.set_shots(_vector_node(None, seed=5), shots=sum(counts))(X)
    bins = np.cumsum([0] + counts)
    for (_, _, s), lo, hi in zip(r, bins[:-1], bins[1:]):
        np.testing.assert_array_equal(s, whole[2][lo:hi])


def test_shot_vector_on_the_qnode_and_set_shots():
    node = _vector_node(None, seed=3)
    for vec, n in (([10, 20], 2), (((10, 3), 100), 4)):
        r = qml.set_shots(node, shots=vec)(X)
        assert isinstance(r, tuple) and len(r) == n and r[-1][2].shape == (list(qml.measurements.Shots(vec))[-1],)
    r = qml.QNode(node.func, node.device, shots=[7, 9])(X)
    assert [t[2].shape for t in r] == [(7,), (9,)]
    assert qml.set_shots(node, shots=[7])(X)[2].shape == (7,)  # one count: not a tuple of results


def test_shot_vector_broadcast_single_measurement():
    @qml.set_shots(shots=[100, 200])
    @qml.qnode(qml.device("default.qubit", wires=1, seed=4))
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    r = c(np.array([0.1, 0.2, 0.3]))
    assert isinstance(r, tuple) and [np.shape(t) for t in r] == [(3,), (3,)]


def test_shot_vector_jacobian_of_the_stacked_results_one_per_count():
    # PennyLane's pattern (tests/workflow/interfaces/qnode/test_autograd_qnode_shot_vector.py):
    # qml.jacobian of a cost stacking the per-count results: one derivative per count, each
    # by parameter shift sampled with that count
    from qsym import numpy as qnp

    @qml.set_shots(((4000, 2), 1000))
    @qml.qnode(qml.device("default.qubit", wires=1, seed=8))
    def circuit(a, b):
        qml.RY(a, wires=0)
        qml.RX(b, wires=0)
        return qml.expval(qml.PauliZ(0))

    a, b = qnp.array(0.4), qnp.array(0.2)
    jac = qml.jacobian(lambda a: qml.math.stack(circuit(a, b)), argnum=0)(a)
    assert isinstance(jac, np.ndarray) and jac.shape == (3,)
    exact = -np.sin(0.4) * np.cos(0.2)
    # parameter shift: (E(a + pi/2) - E(a - pi/2)) / 2, each estimate of a +-1 variable
    for j, n in zip(jac, (4000, 4000, 1000)):
        assert abs(j - exact) < Z * np.sqrt(0.5 / n)
    both = qml.jacobian(lambda a, b: qml.math.stack(circuit(a, b)), argnum=[0, 1])(a, b)
    assert isinstance(both, tuple) and [np.shape(t) for t in both] == [(3,), (3,)]
    # the QNode itself (a tuple of results): refused with what to do
    with pytest.raises(DifferentiationError, match="shot vector.*stack"):
        qml.jacobian(circuit, argnum=[0, 1])(a, b)
    with pytest.raises(DifferentiationError, match="shot vector"):
        qml.grad(circuit, argnum=[0, 1])(a, b)


def test_sampled_finite_differences_leave_an_unread_input_exactly_zero():
    """An argument no gate parameter or coefficient reads is not stepped under shots: its
    derivative is 0 exactly (PennyLane: not on the tape), not sampling noise divided by h
    (it was about 1/(h sqrt(shots)) = 1e6 here). The read one is stepped: its noisy
    difference is a multiple of 2/(shots h), the read coefficient's too."""
    dev = qml.device("default.qubit", wires=2, seed=3)

    @qml.qnode(dev, diff_method="finite-diff", shots=100)
    def c(x, y, z):
        qml.RX(x, wires=0)
        return qml.expval(z * qml.PauliZ(0))

    args = [qml.numpy.array(v, requires_grad=True) for v in (0.3, 0.5, 0.7)]
    with pytest.warns(UserWarning, match="finite differences under shots"):
        gx, gy, gz = qml.grad(c)(*args)
    assert gy == 0.0
    assert gx != 0.0 and gz != 0.0  # 2/(shots h) = 2e5 per flipped outcome: never 0 here


def test_sampled_finite_differences_leave_an_input_outside_the_light_cone_exactly_zero():
    """An argument read only by gates no measured wire can see (PennyLane's ``"0"``
    gradient method) is not stepped either: under shots stepping it gave sampling noise
    divided by h (-2e5 here, a silent wrong number)."""
    dev = qml.device("default.qubit", wires=3, seed=3)

    @qml.qnode(dev, diff_method="finite-diff", shots=100)
    def c(p):
        qml.RX(p[0], wires=0)
        qml.RX(p[1], wires=2)  # wire 2 is never measured, nothing entangles it
        return qml.expval(qml.PauliZ(0))

    with pytest.warns(UserWarning, match="finite differences under shots"):
        g = qml.grad(c)(qml.numpy.array([0.3, 0.6], requires_grad=True))
    assert g[1] == 0.0
