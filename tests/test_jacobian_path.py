"""jacobian's short path (``qsym._runtime._jacobian_path``, issue #19): a
``qml.jacobian(qnode)`` call with arguments of the signature of the last such call skips
the argument classification, the trainable-argument search and the signature's lookup.
Every test compares its results (values, types, shapes, dtypes), the device's counts,
the Tracker's records and the errors with the full path's bit for bit, and the values
with central finite differences of the QNode or with PennyLane; none measures time."""

import threading
import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import _runtime as runtime
from qsym import numpy as np
from qsym.errors import ArgumentError
from test_fast_path import CountClassify  # counts runtime.classify's calls
from test_value_path import assert_same


def full_path(jac, node, *args, **kwargs):
    """The Jacobian with the short path switched off (and off again after it)."""
    node._jac_fast = None
    out = jac(*args, **kwargs)
    node._jac_fast = None
    return out


GATES = ("RX", "RY", "RZ", "CNOT", "CRX", "IsingZZ", "Rot")
MEASUREMENTS = ("expval", "several", "probs", "var-and-probs", "hamiltonian")


def random_node(seed, method, measure, wires=3):
    """A random circuit of ``qsym`` gates on ``wires`` wires whose parameters are
    elements of ``p`` (shape (4,)) and ``q`` (shape (2, 2)), some multiplied by the
    keyword-free data argument ``s`` (a float), returning ``measure``."""
    rng = onp.random.default_rng(seed)
    ops = []
    for _ in range(10):
        name = GATES[rng.integers(len(GATES))]
        w = [int(v) for v in rng.permutation(wires)[:2]]
        refs = [("p", int(rng.integers(4))) if rng.random() < 0.5 else
                ("q", (int(rng.integers(2)), int(rng.integers(2)))) for _ in range(3)]
        ops.append((name, w, refs, bool(rng.random() < 0.3)))

    @qml.qnode(qml.device("default.qubit", wires=wires), diff_method=method)
    def circuit(p, q, s):
        vals = {"p": p, "q": q}
        for name, w, refs, scaled in ops:
            angles = [vals[k][i] * (s if scaled else 1.0) for k, i in refs]
            if name == "CNOT":
                qml.CNOT(wires=w)
            elif name in ("CRX", "IsingZZ"):
                getattr(qml, name)(angles[0], wires=w)
            elif name == "Rot":
                qml.Rot(*angles, wires=w[0])
            else:
                getattr(qml, name)(angles[0], wires=w[0])
        if measure == "expval":
            return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))
        if measure == "several":
            return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliY(1)), qml.expval(qml.PauliX(2))
        if measure == "probs":
            return qml.probs(wires=[0, 2])
        if measure == "var-and-probs":
            return qml.var(qml.PauliZ(1)), qml.probs(wires=[1])
        return qml.expval(qml.Hamiltonian([0.5, -1.5], [qml.PauliZ(0), qml.PauliX(1) @ qml.PauliZ(2)]))

    return circuit


def point(rng):
    return np.array(rng.uniform(-2, 2, 4)), np.array(rng.uniform(-2, 2, (2, 2))), float(
        rng.uniform(0.5, 1.5))


def _as_list(result, several):
    return list(result) if several else [result]


def finite_differences(node, args, diff, several, h=1e-6):
    """Central differences of the QNode's outputs by each element of the arguments
    ``diff``: per output, per differentiated argument, ``(*output shape, *arg shape)``."""
    rows = [[None] * len(diff) for _ in _as_list(node(*args), several)]
    for k, i in enumerate(diff):
        a = onp.asarray(args[i], dtype=float)
        cols = []
        for e in range(a.size):
            shifted = []
            for sign in (1, -1):
                b = a.copy().reshape(-1)
                b[e] += sign * h
                new = list(args)
                new[i] = np.array(b.reshape(a.shape), requires_grad=getattr(
                    args[i], "requires_grad", True))
                shifted.append(_as_list(node(*new), several))
            cols.append([(onp.asarray(u) - onp.asarray(v)) / (2 * h)
                         for u, v in zip(*shifted)])
        for m in range(len(rows)):
            d = onp.stack([c[m] for c in cols], axis=-1)
            rows[m][k] = d.reshape(d.shape[:-1] + a.shape)
    return rows


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
@pytest.mark.parametrize("measure", MEASUREMENTS)
@pytest.mark.parametrize("argnum", [None, 0, [1, 0]])
def test_random_circuits_short_path_equals_full_path_and_finite_differences(
        monkeypatch, method, measure, argnum):
    if method == "adjoint" and measure in ("probs", "var-and-probs"):
        pytest.skip("adjoint differentiates expectation values")
    seed = MEASUREMENTS.index(measure) * 10 + (argnum is None) + 2 * (argnum == 0)
    node = random_node(seed, method, measure)
    jac = qml.jacobian(node, argnum=argnum)
    rng = onp.random.default_rng(seed)
    jac(*point(rng))  # remembered
    assert node._jac_fast is not None
    several = measure in ("several", "var-and-probs")
    diff = {None: (0, 1), 0: (0,), (1, 0): (1, 0)}[
        tuple(argnum) if isinstance(argnum, list) else argnum]
    single = argnum == 0
    count = CountClassify(monkeypatch)
    for _ in range(2):
        args = point(rng)
        before = (node.device.num_executions, node.device.num_calls)
        with qml.Tracker(node.device) as short:
            got = qml.jacobian(node, argnum=argnum)(*args)  # a new derivative per call
        assert count.calls == 0, "the short path classified the arguments"
        counts = (node.device.num_executions - before[0], node.device.num_calls - before[1])
        before = (node.device.num_executions, node.device.num_calls)
        with qml.Tracker(node.device) as long:
            expected = full_path(jac, node, *args)
        assert count.calls >= 1
        count.calls = 0
        assert counts == (node.device.num_executions - before[0],
                          node.device.num_calls - before[1])
        assert_same(got, expected)  # bit for bit, the same types and shapes
        assert short.totals == long.totals
        assert short.history.keys() == long.history.keys()
        for m, (row, fd) in enumerate(zip(_as_list(got, several),
                                          finite_differences(node, args, diff, several))):
            for g, f in zip([row] if single else list(row), fd):
                assert onp.shape(g) == f.shape
                assert onp.allclose(g, f, atol=1e-6), (m, g, f)
        jac(*args)  # (the full path above forgot it)
        count.calls = 0


def test_forward_is_the_full_paths():
    node = random_node(3, "parameter-shift", "several")
    rng = onp.random.default_rng(1)
    args = point(rng)
    jac = qml.jacobian(node)
    jac(*args)
    assert node._jac_fast is not None
    short = qml.jacobian(node)
    short(*args)
    full = qml.jacobian(node)
    node._jac_fast = None
    full(*args)
    assert_same(short.forward, full.forward)


@pytest.mark.parametrize("other", [
    pytest.param(lambda p, q, s: (np.array([0.1, 0.2, 0.3]), q, s), id="other-shape"),
    pytest.param(lambda p, q, s: (np.array(p, requires_grad=False), q, s), id="untrainable"),
    pytest.param(lambda p, q, s: (onp.asarray(p), q, s), id="ndarray"),
    pytest.param(lambda p, q, s: (np.array(p, dtype=onp.float32), q, s), id="float32"),
    pytest.param(lambda p, q, s: (p, q, 1), id="int-data"),
    pytest.param(lambda p, q, s: (p, q, np.float64(s)), id="numpy-scalar-data"),
    pytest.param(lambda p, q, s: (p, q), id="fewer-arguments"),
])
def test_other_signatures_take_the_full_path(monkeypatch, other):
    """Anything that is not the remembered signature is classified again, with the
    full path's result (or its error)."""
    node = random_node(5, "parameter-shift", "several")
    rng = onp.random.default_rng(2)
    jac = qml.jacobian(node)
    p, q, s = point(rng)
    jac(p, q, s)
    assert node._jac_fast is not None
    count = CountClassify(monkeypatch)
    args = other(p, q, s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = qml.jacobian(node)(*args)
    except Exception as exc:  # the full path's own error
        with pytest.raises(type(exc)) as again:
            full_path(jac, node, *args)
        assert str(again.value) == str(exc)
        return
    assert count.calls >= 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(got, full_path(jac, node, *args))


def test_broadcasting_takes_the_full_path(monkeypatch):
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    x, y = np.array([0.1, 0.4, -0.7]), np.array(0.3)
    jac = qml.jacobian(c)
    first = jac(x, y)
    assert c._jac_fast is None  # a broadcast signature is never remembered
    count = CountClassify(monkeypatch)
    second = jac(x, y)
    assert count.calls >= 1
    assert_same(first, second)
    # d/dx_b cos(x_b) cos(y) is diagonal over the batch; d/dy -cos(x_b) sin(y)
    assert onp.allclose(second[0], onp.diag(-onp.sin(x) * onp.cos(y)), atol=1e-12)
    assert onp.allclose(second[1], -onp.cos(x) * onp.sin(y), atol=1e-12)


def test_state_and_shots_take_the_full_path():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def state(x):
        qml.RX(x[0], wires=0)
        return qml.state()

    x = np.array([0.3])
    qml.jacobian(state)(x)
    assert state._jac_fast is None

    @qml.qnode(dev)
    def c(x):
        qml.RX(x[0], wires=0)
        return qml.probs(wires=0)

    qml.jacobian(c)(x)
    assert c._jac_fast is not None
    sampled = qml.set_shots(c, shots=50)
    assert sampled._jac_fast is None
    for _ in range(2):
        qml.jacobian(sampled)(x)
    assert sampled._jac_fast is None


@pytest.mark.parametrize("bad", [onp.nan, onp.inf])
def test_non_finite_input_raises_the_full_paths_error(bad):
    node = random_node(7, "adjoint", "expval")
    rng = onp.random.default_rng(3)
    p, q, s = point(rng)
    jac = qml.jacobian(node)
    jac(p, q, s)
    assert node._jac_fast is not None
    p2 = np.array(p)
    p2[1] = bad
    with pytest.raises(ArgumentError, match="must be finite") as short:
        jac(p2, q, s)
    with pytest.raises(ArgumentError) as long:
        full_path(jac, node, p2, q, s)
    assert str(short.value) == str(long.value)


def test_static_arguments_and_a_changed_global():
    dev = qml.device("default.qubit", wires=1)
    settings = {"scale": 1.0}

    @qml.qnode(dev)
    def c(x, n):
        for _ in range(n):
            qml.RX(settings["scale"] * x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.3])
    for n in (1, 2, 1, 3):
        for _ in range(2):
            assert onp.allclose(qml.jacobian(c)(x, n), [-n * onp.sin(n * 0.3)])
    assert c._jac_fast is not None
    settings["scale"] = 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert onp.allclose(qml.jacobian(c)(x, 3), [-6 * onp.sin(1.8)])


def test_a_list_with_argnum():
    node = random_node(9, "parameter-shift", "probs")
    jac = qml.jacobian(node, argnum=0)
    q, s = np.array([[0.1, 0.2], [0.3, 0.4]]), 0.9
    lists = ([0.1, 0.2, 0.3, 0.4], [0.5, -0.2, 1.3, 0.4])
    for lst in lists:
        jac(lst, q, s)
    assert node._jac_fast is not None
    got = jac(lists[0], q, s)
    assert_same(got, full_path(jac, node, lists[0], q, s))
    jac(lists[0], q, s)
    mixed = [0.1, 0.2, 0.3, np.float32(0.4)]  # (not all floats: classify's way, the full path)
    assert_same(jac(mixed, q, s), full_path(jac, node, mixed, q, s))
    with pytest.raises(TypeError, match="integer"):  # PennyLane's: an int named by argnum
        jac([0.1, 0.2, 0.3, 1], q, s)


def test_threads_share_the_short_path():
    node = random_node(11, "adjoint", "several")
    rng = onp.random.default_rng(4)
    points = [point(rng) for _ in range(8)]
    expected = [full_path(qml.jacobian(node), node, *a) for a in points]
    qml.jacobian(node)(*points[0])
    assert node._jac_fast is not None
    errors = []

    def work(k):
        try:
            for r in range(200):
                i = (k + r) % len(points)
                assert_same(qml.jacobian(node)(*points[i]), expected[i])
        except Exception as exc:  # pragma: no cover (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_against_pennylane():
    pl = pytest.importorskip("pennylane")
    dev = pl.device("default.qubit", wires=2)
    ours = qml.device("default.qubit", wires=2)

    def body(lib, p):
        lib.RX(p[0], wires=0)
        lib.RY(p[1], wires=1)
        lib.CNOT(wires=[0, 1])
        lib.RZ(p[2], wires=1)
        lib.RX(p[0] * p[2], wires=1)

    @pl.qnode(dev)
    def peer_probs(p):
        body(pl, p)
        return pl.probs(wires=[0, 1])

    @qml.qnode(ours)
    def probs(p):
        body(qml, p)
        return qml.probs(wires=[0, 1])

    @pl.qnode(dev, diff_method="parameter-shift")
    def peer_scalar(p):
        body(pl, p)
        return pl.expval(pl.PauliZ(1))

    @qml.qnode(ours, diff_method="parameter-shift")
    def scalar(p):
        body(qml, p)
        return qml.expval(qml.PauliZ(1))

    for x in ([0.3, -1.2, 0.5], [2.1, 0.4, -0.3], [0.3, -1.2, 0.5]):
        for mine, peer in ((probs, peer_probs), (scalar, peer_scalar)):
            got = qml.jacobian(mine)(np.array(x))
            expected = pl.jacobian(peer)(pl.numpy.array(x))
            assert type(got) is onp.ndarray and got.shape == expected.shape
            assert onp.allclose(got, expected, atol=1e-10)
    assert probs._jac_fast is not None and scalar._jac_fast is not None


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
@pytest.mark.parametrize("how", ["tensor", "argnum-0", "argnum-list", "ndarray-argnum-0"])
def test_one_array_scalar_output_through_grads_short_path(monkeypatch, method, how):
    """A scalar output of one 1-D array: the Jacobian is the gradient, computed by grad's
    short path (the compiled entry point), with the full path's bits, type, shape,
    ``forward``, counts and Tracker records; a list given next is the full path's (an
    array, not grad's list)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method)
    def c(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.RX(p[2], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    argnum = {"tensor": None, "argnum-0": 0, "argnum-list": [0], "ndarray-argnum-0": 0}[how]
    make = onp.array if how == "ndarray-argnum-0" else np.array
    rows = []  # the calls of executors.rows_jacobian (grad's short path makes none)
    real = runtime.executors.rows_jacobian
    monkeypatch.setattr(runtime.executors, "rows_jacobian",
                        lambda *a: rows.append(1) or real(*a))
    jac = qml.jacobian(c, argnum=argnum)
    rng = onp.random.default_rng(5)
    jac(make(rng.uniform(-2, 2, 3)))
    assert c._jac_fast is not None and c._grad_fast is None
    count = CountClassify(monkeypatch)
    for _ in range(3):
        x = make(rng.uniform(-2, 2, 3))
        before = (dev.num_executions, dev.num_calls)
        short_jac = qml.jacobian(c, argnum=argnum)
        rows.clear()
        with qml.Tracker(dev) as short:
            got = short_jac(x)
        assert count.calls == 0 and not rows
        counts = (dev.num_executions - before[0], dev.num_calls - before[1])
        before = (dev.num_executions, dev.num_calls)
        long_jac = qml.jacobian(c, argnum=argnum)
        c._jac_fast = None
        with qml.Tracker(dev) as long:
            expected = long_jac(x)
        assert counts == (dev.num_executions - before[0], dev.num_calls - before[1])
        assert short.totals == long.totals
        assert_same(got, expected)
        assert_same(short_jac.forward, long_jac.forward)
        a, b, g = x  # <Z1> = <Z0 Z1> before the CNOT = cos(a) cos(b) cos(g), by hand
        exact = [-onp.sin(a) * onp.cos(b) * onp.cos(g), -onp.cos(a) * onp.sin(b) * onp.cos(g),
                 -onp.cos(a) * onp.cos(b) * onp.sin(g)]
        assert onp.allclose(got[0] if how == "argnum-list" else got, exact, atol=1e-12)
        jac(x)  # remembered again
        count.calls = 0
    if argnum is not None:
        lst = [0.1, 0.2, 0.3]
        got = jac(lst)
        assert_same(got, full_path(jac, c, lst))
        assert not isinstance(got, list)
