"""default.mixed and the noise channels: Kraus matrices written out here, density matrices
derived by hand, trace preservation of every channel row, and derivatives checked against
finite differences and closed forms (docs/noise.md)."""

import numpy as onp
import pytest
import sympy as sp

import qsym as qml
from qsym import _channels as channels
from qsym import numpy as np

RNG = onp.random.default_rng(1234)
I2 = onp.eye(2)
X = onp.array([[0, 1], [1, 0]])
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0, -1.0])


def _hand_kraus(name, p):
    """Each channel's Kraus matrices, written from PennyLane's documentation."""
    s = onp.sqrt
    if name == "AmplitudeDamping":
        (g,) = p
        return [onp.diag([1, s(1 - g)]), onp.array([[0, s(g)], [0, 0]])]
    if name == "GeneralizedAmplitudeDamping":
        g, q = p
        return [s(1 - q) * onp.diag([1, s(1 - g)]), s(1 - q) * onp.array([[0, s(g)], [0, 0]]),
                s(q) * onp.diag([s(1 - g), 1]), s(q) * onp.array([[0, 0], [s(g), 0]])]
    if name == "PhaseDamping":
        (g,) = p
        return [onp.diag([1, s(1 - g)]), onp.diag([0, s(g)])]
    if name == "DepolarizingChannel":
        (q,) = p
        return [s(1 - q) * I2, s(q / 3) * X, s(q / 3) * Y, s(q / 3) * Z]
    if name == "BitFlip":
        return [s(1 - p[0]) * I2, s(p[0]) * X]
    if name == "PhaseFlip":
        return [s(1 - p[0]) * I2, s(p[0]) * Z]
    if name == "ResetError":
        p0, p1 = p
        return [s(1 - p0 - p1) * I2, s(p0) * onp.array([[1, 0], [0, 0]]),
                s(p0) * onp.array([[0, 1], [0, 0]]), s(p1) * onp.array([[0, 0], [1, 0]]),
                s(p1) * onp.array([[0, 0], [0, 1]])]
    raise KeyError(name)


POINTS = {
    "AmplitudeDamping": [(0.0,), (0.37,), (1.0,)],
    "GeneralizedAmplitudeDamping": [(0.2, 0.7), (1.0, 0.0), (0.0, 1.0)],
    "PhaseDamping": [(0.0,), (0.61,), (1.0,)],
    "DepolarizingChannel": [(0.0,), (0.3,), (1.0,)],
    "BitFlip": [(0.0,), (0.25,), (1.0,)],
    "PhaseFlip": [(0.0,), (0.8,), (1.0,)],
    "ResetError": [(0.0, 0.0), (0.1, 0.3), (0.5, 0.5)],
}


@pytest.mark.parametrize("name", sorted(POINTS))
def test_kraus_matrices_match_hand_written(name):
    for p in POINTS[name]:
        got = channels.kraus_matrices(name, p)
        want = _hand_kraus(name, p)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            onp.testing.assert_allclose(a, b, atol=1e-14)
        op = getattr(qml, name)(*p, wires=0)
        for a, b in zip(op.kraus_matrices(), want):
            onp.testing.assert_allclose(a, b, atol=1e-14)


def _variants():
    for name in channels.CHANNELS:
        if name == "PauliError":
            for ops in ("X", "ZY", "IXZ"):
                yield name, len(ops), (("operators", ops),)
        elif name == "QubitChannel":
            continue
        else:
            yield name, 1, ()


@pytest.mark.parametrize("name,n,hyper", list(_variants()))
def test_every_row_preserves_the_trace(name, n, hyper):
    """sum K^dagger K = I exactly (sympy) and at random points of the domain; the
    superoperator's partial trace over the output is the identity map, exactly."""
    ks = channels.exact_kraus(name, None, n, hyper)
    # inside the domain every square root is of a non-negative real: its conjugate is
    # itself, so K^dagger is the transpose with i -> -i
    total = sum((k.T.applyfunc(lambda e: e.xreplace({sp.I: -sp.I})) * k for k in ks),
                sp.zeros(2 ** n))
    syms = channels.parameter_symbols(name)
    assert sp.simplify(total - sp.eye(2 ** n)) == sp.zeros(2 ** n)
    S = channels.superoperator(name, n, hyper).exact
    dim = 2 ** n
    for a in range(dim):
        for b in range(dim):
            tr = sum(S[i * dim + i, a * dim + b] for i in range(dim))
            assert sp.simplify(tr - (1 if a == b else 0)) == 0
    for _ in range(5):
        if name == "ThermalRelaxationError":
            t1 = RNG.uniform(0.5, 2)
            p = (RNG.uniform(), t1, RNG.uniform(0.1, 2 * t1), RNG.uniform(0, 1))
        elif name == "ResetError":
            p0 = RNG.uniform()
            p = (p0, RNG.uniform(0, 1 - p0))
        else:
            p = tuple(RNG.uniform(size=len(syms)))
        ks = channels.kraus_matrices(name, p, n, hyper)
        onp.testing.assert_allclose(sum(k.conj().T @ k for k in ks), onp.eye(dim), atol=1e-12)
        # the numeric Kraus operators and the superoperator are one channel
        S = sum(onp.kron(k, k.conj()) for k in ks)
        onp.testing.assert_allclose(S, channels.superoperator(name, n, hyper).at(p), atol=1e-12)


def test_thermal_relaxation_both_regimes():
    """T2 <= T1 and T2 > T1 (PennyLane's two Kraus forms): populations relax to
    (1 - pe, pe) with probability 1 - exp(-tg/T1), coherences decay by exp(-tg/T2)."""
    for pe, t1, t2, tg in [(0.1, 1.2, 1.0, 0.3), (0.1, 1.2, 1.3, 0.3), (0.4, 1.0, 1.9, 0.7)]:
        ks = qml.ThermalRelaxationError(pe, t1, t2, tg, wires=0).kraus_matrices()
        assert len(ks) == 6
        rho = onp.array([[0.3, 0.2 - 0.1j], [0.2 + 0.1j, 0.7]])
        out = sum(k @ rho @ k.conj().T for k in ks)
        reset = 1 - onp.exp(-tg / t1)
        p00 = rho[0, 0] * (1 - pe * reset) + rho[1, 1] * (1 - pe) * reset
        onp.testing.assert_allclose(out[0, 0], p00, atol=1e-12)
        onp.testing.assert_allclose(out[0, 1], onp.exp(-tg / t2) * rho[0, 1], atol=1e-12)


def test_pauli_error_and_qubit_channel():
    ks = qml.PauliError("XY", 0.2, wires=[0, 1]).kraus_matrices()
    onp.testing.assert_allclose(ks[0], onp.sqrt(0.8) * onp.eye(4))
    onp.testing.assert_allclose(ks[1], onp.sqrt(0.2) * onp.kron(X, Y))
    with pytest.raises(ValueError, match="operators need to be"):
        qml.PauliError("XA", 0.2, wires=[0, 1])
    with pytest.raises(ValueError, match="number of operators must match"):
        qml.PauliError("XY", 0.2, wires=[0])
    with pytest.raises(ValueError, match="trace preserving"):
        qml.QubitChannel([onp.eye(2), X], wires=0)
    K = [onp.sqrt(0.9) * I2, onp.sqrt(0.1) * X]
    op = qml.QubitChannel(K, wires=0)
    assert op.num_params == 2 and len(op.data) == 2
    assert all(onp.allclose(a, b) for a, b in zip(op.kraus_matrices(), K))


def test_a_users_channel_class_gives_its_own_kraus_matrices():
    # PennyLane's Channel subclass: parameters as given, Kraus matrices from its own
    # compute_kraus_matrices; a circuit refuses it (qsym's simulator runs its table's)
    class Flip(qml.operation.Channel):
        num_wires = 1
        grad_method = "F"

        @staticmethod
        def compute_kraus_matrices(p):
            return [onp.sqrt(p) * X, onp.sqrt(1 - p) * I2]

    op = Flip(0.1, wires=0)
    assert op.name == "Flip" and op.num_params == 1 and op.data == (0.1,)
    assert op.wires == qml.wires.Wires([0]) and Flip(0.3, 2).wires == qml.wires.Wires([2])
    ks = op.kraus_matrices()
    onp.testing.assert_allclose(ks[0], [[0, onp.sqrt(0.1)], [onp.sqrt(0.1), 0]])
    onp.testing.assert_allclose(ks[1], onp.sqrt(0.9) * I2)

    class Bare(qml.operation.Channel):
        num_wires = 1

    with pytest.raises(NotImplementedError):
        Bare(0.1, wires=0).kraus_matrices()

    @qml.qnode(qml.device("default.mixed", wires=1))
    def c():
        Flip(0.1, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.errors.GateError, match="QubitChannel"):
        c()


@pytest.mark.filterwarnings("error")
def test_complex_kraus_matrices_on_a_tape_run_exactly_and_quietly():
    """A tape's QubitChannel of complex Kraus matrices (a Y error): <Y> after RX(t) is
    -sin t, unchanged by a Y flip and negated by an X flip (written out by hand); no
    ComplexWarning (the matrices were once cast to float on the way)."""
    dev = qml.device("default.mixed", wires=1)
    for kraus, factor in ((Y, 1.0), (X, 0.4)):
        K = [onp.sqrt(0.7) * I2, onp.sqrt(0.3) * kraus]
        tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.QubitChannel(K, wires=0)],
                                      [qml.expval(qml.PauliY(0))])
        (r,) = qml.execute([tape], dev)
        onp.testing.assert_allclose(r, -onp.sin(0.3) * factor, atol=1e-14)


def test_channels_have_no_matrix_and_default_qubit_refuses_them():
    with pytest.raises(qml.MatrixUndefinedError, match="must define a matrix"):
        qml.matrix(qml.AmplitudeDamping(0.1, wires=0))
    with pytest.raises(qml.exceptions.MatrixUndefinedError):
        qml.PhaseDamping(0.1, wires=0).matrix()

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(g):
        qml.AmplitudeDamping(g, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.DeviceError, match=r"Operator AmplitudeDamping\(0.1, wires=\[0\]\) "
                       "not supported with default.qubit"):
        c(0.1)


def _rx_damped(theta, gamma):
    """RX(theta)|0> then AmplitudeDamping(gamma), by hand."""
    c, s = onp.cos(theta / 2), onp.sin(theta / 2)
    return onp.array([[c * c + gamma * s * s, 1j * onp.sqrt(1 - gamma) * c * s],
                      [-1j * onp.sqrt(1 - gamma) * c * s, (1 - gamma) * s * s]])


DEV = qml.device("default.mixed", wires=2)


@qml.qnode(DEV)
def damped(theta, gamma):
    qml.RX(theta, wires=0)
    qml.AmplitudeDamping(gamma, wires=0)
    return qml.expval(qml.Z(0))


def test_state_and_expval_against_hand_derivation():
    @qml.qnode(qml.device("default.mixed", wires=1))
    def state(theta, gamma):
        qml.RX(theta, wires=0)
        qml.AmplitudeDamping(gamma, wires=0)
        return qml.state()

    for theta, gamma in [(0.3, 0.2), (2.1, 0.9), (1.0, 0.0)]:
        onp.testing.assert_allclose(state(theta, gamma), _rx_damped(theta, gamma), atol=1e-14)
        want = onp.cos(theta) + gamma * (1 - onp.cos(theta))
        assert abs(damped(theta, gamma) - want) < 1e-14


# PennyLane 0.45.1's channel __init__ parameter names (inspect.signature in /work/plvenv)
PL_CHANNEL_NAMES = {
    "AmplitudeDamping": ("gamma",), "GeneralizedAmplitudeDamping": ("gamma", "p"),
    "PhaseDamping": ("gamma",), "DepolarizingChannel": ("p",), "BitFlip": ("p",),
    "PhaseFlip": ("p",), "ResetError": ("p0", "p1"), "PauliError": ("operators", "p"),
    "ThermalRelaxationError": ("pe", "t1", "t2", "tg"),
}


def test_channel_parameters_by_pennylanes_names():
    """``qml.ResetError(p0=..., p1=...)`` as PennyLane (was refused: the row said p_0, p_1;
    oracle67). From |1>: P(0) = p0, P(1) = 1 - p0 (by hand from the Kraus operators)."""
    for name, names in PL_CHANNEL_NAMES.items():
        row = channels.channel_def(name)
        assert tuple(row.hyper) + tuple(row.params) == names, name

    @qml.qnode(qml.device("default.mixed", wires=1))
    def c(a, b):
        qml.PauliX(0)
        qml.ResetError(p0=a, p1=b, wires=0)
        return qml.probs(wires=0)

    onp.testing.assert_allclose(c(0.2, 0.3), [0.2, 0.8], atol=1e-14)
    with pytest.raises(qml.GateError, match="p_0"):
        c(1.2, 0.0)


# ("adjoint" on default.mixed: PennyLane's QuantumFunctionError when the QNode is made,
# tests/test_pl_suite65a.py)
@pytest.mark.parametrize("method", ["best", "parameter-shift", "backprop"])
def test_gradients_exact(method):
    """d<Z>/dtheta = (1 - gamma)(-sin theta), d<Z>/dgamma = 1 - cos theta: also at
    gamma = 0, where sqrt(gamma) in a Kraus operator has no derivative but the channel does."""
    node = qml.QNode(damped.func, DEV, diff_method=method)
    for theta, gamma in [(0.7, 0.3), (1.3, 0.0), (2.0, 0.999)]:
        g = qml.grad(node)(np.array(theta), np.array(gamma))
        onp.testing.assert_allclose(g, [-(1 - gamma) * onp.sin(theta), 1 - onp.cos(theta)],
                                    atol=1e-12)
    # at gamma = 1 the coherence sqrt(1 - gamma) has an infinite slope: refused, not NaN
    with pytest.raises(qml.DifferentiationError, match="does not exist"):
        qml.grad(node)(np.array(0.5), np.array(1.0))


def _central(f, x, h=1e-6):
    x = onp.asarray(x, dtype=float)
    cols = []
    for j in range(x.size):
        e = onp.zeros_like(x)
        e[j] = h
        cols.append((onp.asarray(f(x + e)) - onp.asarray(f(x - e))) / (2 * h))
    return onp.stack(cols, axis=-1)


CIRCUIT_POINTS = {
    "AmplitudeDamping": [0.3], "GeneralizedAmplitudeDamping": [0.3, 0.6],
    "PhaseDamping": [0.45], "DepolarizingChannel": [0.2], "BitFlip": [0.15],
    "PhaseFlip": [0.35], "ResetError": [0.1, 0.25], "PauliError": [0.3],
    "ThermalRelaxationError": [0.2, 1.1, 1.5, 0.4],
}


@pytest.mark.parametrize("name", sorted(CIRCUIT_POINTS))
def test_channel_parameter_derivatives_against_finite_differences(name):
    dev = qml.device("default.mixed", wires=2)

    def body(x, p):
        qml.RY(x[0], wires=0)
        qml.RX(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        if name == "PauliError":
            qml.PauliError("YX", p[0], wires=[0, 1])
        else:
            qml.__getattribute__(name)(*p, wires=0)
        qml.RZ(x[1], wires=0)
        qml.Hadamard(wires=0)

    @qml.qnode(dev)
    def probs(x, p):
        body(x, p)
        return qml.probs(wires=[0, 1])

    @qml.qnode(dev)
    def purity(x, p):
        body(x, p)
        return qml.purity(wires=[0])

    x = np.array([0.4, 1.1])
    p = np.array(CIRCUIT_POINTS[name])
    for f in (probs, purity):
        jx, jp = qml.jacobian(f)(x, p)
        onp.testing.assert_allclose(jx, _central(lambda v: f(v, p), x), atol=1e-7)
        onp.testing.assert_allclose(jp, _central(lambda v: f(x, v), p), atol=1e-7)


def test_parameter_shift_equals_exact_for_gates():
    dev = qml.device("default.mixed", wires=2)

    def c(x, g):
        qml.RX(x[0], wires=0)
        qml.CRY(2 * x[1], wires=[0, 1])
        qml.DepolarizingChannel(g, wires=1)
        qml.IsingXX(x[0] * x[1], wires=[0, 1])
        qml.Rot(x[0], x[1], 0.3, wires=1)
        return qml.expval(qml.Z(0) @ qml.Y(1) + 0.4 * qml.X(1)), qml.var(qml.X(0))

    x, g = np.array([0.3, 0.8]), np.array(0.25)
    ps = qml.jacobian(qml.QNode(c, dev, diff_method="parameter-shift"))(x, g)
    ex = qml.jacobian(qml.QNode(c, dev, diff_method="backprop"))(x, g)
    fd = qml.jacobian(qml.QNode(c, dev, diff_method="finite-diff", h=1e-7,
                                approx_order=2, strategy="center"))(x, g)
    for a, b, f in zip(ps, ex, fd):
        for u, v, w in zip(a, b, f):
            onp.testing.assert_allclose(u, v, atol=1e-12)
            onp.testing.assert_allclose(u, w, atol=1e-6)


def test_bell_pair_depolarized_quantities():
    """A Bell pair with DepolarizingChannel(p) on wire 0: rho = (1 - q)|B><B| + q I/4 with
    q = 4p/3; hand-written reduced states, purity and entropies."""
    dev = qml.device("default.mixed", wires=2)

    @qml.qnode(dev)
    def c(p):
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.DepolarizingChannel(p, wires=0)
        return (qml.state(), qml.density_matrix(wires=[1]), qml.purity(wires=[0, 1]),
                qml.vn_entropy(wires=[0]), qml.mutual_info(wires0=[0], wires1=[1]),
                qml.expval(qml.Z(0) @ qml.Z(1)))

    p = 0.3
    q = 4 * p / 3
    bell = onp.zeros((4, 4))
    bell[onp.ix_([0, 3], [0, 3])] = 0.5
    rho = (1 - q) * bell + q * onp.eye(4) / 4
    state, dm, purity, s0, mi, zz = c(p)
    onp.testing.assert_allclose(state, rho, atol=1e-14)
    onp.testing.assert_allclose(dm, onp.eye(2) / 2, atol=1e-14)
    assert abs(purity - onp.trace(rho @ rho)) < 1e-14
    assert abs(s0 - onp.log(2)) < 1e-12
    lam = onp.linalg.eigvalsh(rho)
    lam = lam[lam > 1e-15]
    assert abs(mi - (2 * onp.log(2) + onp.sum(lam * onp.log(lam)))) < 1e-12
    assert abs(zz - (1 - q)) < 1e-14


def test_domain_errors_and_options():
    @qml.qnode(qml.device("default.mixed", wires=1))
    def c(p):
        qml.BitFlip(p, wires=0)
        return qml.expval(qml.Z(0))

    assert abs(c(0.25) - 0.5) < 1e-14
    with pytest.raises(ValueError, match=r"p must be in the interval \[0,1\]"):
        c(1.5)
    with pytest.raises(ValueError, match=r"gamma must be in the interval"):
        qml.AmplitudeDamping(1.2, wires=0).kraus_matrices()
    with pytest.raises(ValueError, match="should be in the range"):
        qml.device("default.mixed", wires=1, readout_prob=1.5)
    with pytest.raises(TypeError, match="should be an integer or a floating-point"):
        qml.device("default.mixed", wires=1, readout_prob="0.1")
    with pytest.raises(qml.DeviceError, match="more than 23 wires"):
        qml.device("default.mixed", wires=24)

    # readout errors: each measured bit flipped with probability 0.1, the state untouched
    @qml.qnode(qml.device("default.mixed", wires=2, readout_prob=0.1))
    def read(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0)), qml.probs(wires=[1]), qml.purity(wires=[0])

    ev, pr, pu = read(0.4)
    assert abs(ev - 0.8 * onp.cos(0.4)) < 1e-14
    onp.testing.assert_allclose(pr, [0.9, 0.1], atol=1e-14)
    assert abs(pu - 1.0) < 1e-14
    with pytest.raises(qml.DifferentiationError, match="second derivatives"):
        qml.jacobian(qml.grad(c))(np.array(0.2))


def test_shots_sample_counts_and_estimates():
    dev = qml.device("default.mixed", wires=2, shots=20000, seed=11)

    @qml.qnode(dev)
    def c(g):
        qml.Hadamard(wires=0)
        qml.AmplitudeDamping(g, wires=0)
        return (qml.expval(qml.Z(0)), qml.probs(wires=[0]), qml.sample(wires=[0, 1]),
                qml.counts(qml.Z(0)))

    g = 0.4
    ev, pr, samples, counts = c(g)
    p0 = 0.5 + 0.5 * g
    sigma = onp.sqrt((1 - (2 * p0 - 1) ** 2) / 20000)
    assert abs(ev - (2 * p0 - 1)) < 5 * sigma
    assert abs(pr[0] - p0) < 5 * sigma
    assert samples.shape == (20000, 2) and not samples[:, 1].any()
    assert set(counts) == {-1.0, 1.0} and sum(counts.values()) == 20000
    @qml.qnode(dev)
    def ev(g):
        qml.AmplitudeDamping(g, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.DifferentiationError, match="finite shots"):
        qml.grad(ev)(np.array(0.3))


def test_broadcast_and_noise_free_agrees_with_default_qubit():
    @qml.qnode(qml.device("default.mixed", wires=2))
    def mixed(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.PhaseDamping(0.0, wires=1)
        return qml.expval(qml.Z(1)), qml.probs(wires=[0, 1])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def pure(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(1)), qml.probs(wires=[0, 1])

    xs = np.array([0.1, 0.9, 2.5])
    for a, b in zip(mixed(xs), pure(xs)):
        onp.testing.assert_allclose(a, b, atol=1e-14)
    onp.testing.assert_allclose(qml.jacobian(lambda x: mixed(x)[0])(np.array(0.7)),
                                -onp.sin(0.7), atol=1e-14)


def test_noise_insert():
    """qml.noise.insert (PennyLane's): the channel after (or before) the chosen gates, at
    the start or the end; the noisy QNode differentiates through it."""
    dev = qml.device("default.mixed", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(0))

    noisy = qml.noise.insert(c, qml.AmplitudeDamping, 0.2, position="end")
    x = np.array(0.3)
    assert abs(noisy(x) - (onp.cos(0.3) + 0.2 * (1 - onp.cos(0.3)))) < 1e-14
    assert abs(qml.grad(noisy)(x) - (-0.8 * onp.sin(0.3))) < 1e-14

    def flips(p, wires):
        qml.BitFlip(p, wires=wires)
        qml.PhaseFlip(p / 2, wires=wires)

    t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
    (new,), _ = qml.noise.insert(t, flips, 0.1, position=[qml.RX], before=True)
    assert [op.name for op in new.operations] == ["BitFlip", "PhaseFlip", "RX", "CNOT"]
    (new,), _ = qml.transforms.insert(t, qml.PhaseFlip, 0.3, position="start")
    assert [(op.name, list(op.wires)) for op in new.operations[:2]] == [
        ("PhaseFlip", [0]), ("PhaseFlip", [1])]
    with pytest.raises(ValueError, match="Position must be"):
        qml.noise.insert(t, qml.BitFlip, 0.1, position="middle")
    with pytest.raises(ValueError, match="Only single-qubit"):
        qml.noise.insert(t, qml.CNOT, (), position="end")
    with pytest.raises(AttributeError, match="qml.noise.NoNoise is not supported"):
        qml.noise.NoNoise  # noqa: B018  (a name outside PennyLane's qml.noise)


def test_broadcast_channel_parameters_and_refusals():
    @qml.qnode(qml.device("default.mixed", wires=1))
    def decay(g):
        qml.PauliX(wires=0)
        qml.AmplitudeDamping(g, wires=0)
        return qml.expval(qml.Z(0))

    gs = np.array([0.1, 0.5, 0.9])
    onp.testing.assert_allclose(decay(gs), 2 * gs - 1, atol=1e-14)  # |1> decays to |0>
    onp.testing.assert_allclose(qml.jacobian(decay)(gs), 2 * onp.eye(3), atol=1e-14)
    # what needs the circuit's unitary names the channel; exports say why not
    with pytest.raises(qml.GateError, match="AmplitudeDamping is a noise channel"):
        qml.metric_tensor(decay)(np.array(0.2))
    with pytest.raises(qml.ExportError, match="default.mixed"):
        qml.compile(decay, np.array(0.2))


def test_results_are_tensors_with_trainable_arguments_as_pennylanes_backprop():
    """PennyLane backpropagates through default.mixed (diff_method "best"): a QNode called
    with a trainable tensor returns qsym.numpy tensors (requires_grad=True), plain arrays
    for parameter-shift or with shots, NumPy floats without trainable arguments."""
    from qsym import numpy as pnp

    dev = qml.device("default.mixed", wires=1)

    def circuit(x):
        qml.RX(x, 0)
        qml.AmplitudeDamping(0.1, wires=0)
        return qml.expval(qml.Z(0)), qml.probs(wires=[0])

    x = pnp.array(0.3, requires_grad=True)
    e, p = qml.QNode(circuit, dev)(x)
    assert isinstance(e, pnp.tensor) and e.requires_grad and isinstance(p, pnp.tensor)
    # amplitude damping by 0.1 of cos^2/sin^2(x/2): <Z> = 1 - 2 * 0.9 * sin^2(x/2)
    assert onp.isclose(e, 1 - 1.8 * onp.sin(0.15) ** 2)
    e, _ = qml.QNode(circuit, dev, diff_method="parameter-shift")(x)
    assert type(e) is onp.ndarray and e.shape == ()
    e, _ = qml.QNode(circuit, dev)(0.3)
    assert type(e) is onp.float64


def test_a_postselected_measurement_on_default_mixed_is_renormalised():
    """A postselected mid-circuit measurement on default.mixed is deferred and postselected as
    on default.qubit (PennyLane 0.45.1's default.mixed raises ValueError instead; documented in
    docs/pennylane.md). RY(x) then postselecting 1 on wire 0 leaves |1>, then RX(y) on wire 1
    after CNOT: <Z1> = -cos(y), <Z0> = -1, whatever x (closed forms), and with depolarizing
    noise p on wire 1 after the CNOT: <Z1> = -(1 - 4p/3) cos(y)."""
    dev = qml.device("default.mixed", wires=3)

    @qml.qnode(dev)
    def c(x, y, p):
        qml.RY(x, wires=0)
        qml.measure(0, postselect=1)
        qml.CNOT(wires=[0, 1])
        qml.DepolarizingChannel(p, wires=1)
        qml.RX(y, wires=1)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))

    for x, y, p in [(0.7, 0.3, 0.0), (2.1, -1.2, 0.2)]:
        z0, z1 = c(x, y, p)
        assert z0 == pytest.approx(-1.0, abs=1e-12)
        assert z1 == pytest.approx(-(1 - 4 * p / 3) * onp.cos(y), abs=1e-12)


def test_pauli_error_of_a_broadcast_probability():
    """``qml.PauliError`` of a broadcast probability (every other channel broadcast already;
    its eager domain check called ``float`` on the whole row: TypeError). After RY(t) on
    wire 0, ``PauliError("XY", p)`` on wires 0, 1 flips wire 0 with probability p:
    <Z0> = (1 - 2p) cos t by hand, d/dp = -2 cos t; a row outside [0, 1] is refused with
    PennyLane's message."""
    dev = qml.device("default.mixed", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(p, t):
        qml.RY(t, wires=0)
        qml.PauliError("XY", p, wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    p, t = np.array([0.0, 0.1, 0.35, 1.0]), 0.4
    assert np.allclose(c(p, t), (1 - 2 * p) * np.cos(t), atol=1e-12)
    jac = qml.jacobian(c, argnum=0)(qml.numpy.array(p, requires_grad=True), t)
    assert np.allclose(jac, np.diag(np.full(4, -2 * np.cos(t))), atol=1e-9)
    with pytest.raises(qml.GateError, match=r"p must be in the interval \[0,1\]"):
        c(np.array([0.2, 1.5]), t)
