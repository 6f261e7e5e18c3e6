"""The value call's short path (``qsym._runtime._value_path``, issue #19): a QNode called
again with arguments of the signature it was last called with skips the argument
classification and the option checks of the full path. Every test compares its results
(values, types, shapes, dtypes, ``requires_grad``), the device's counts, the Tracker's
records and the errors with the full path's, and the values with exact ones or
PennyLane's; none measures time."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import ArgumentError
from test_fast_path import CountClassify  # counts runtime.classify's calls


def full_path(node, args, kwargs):
    """The call with the short path switched off (and off again after it)."""
    node._value_fast = None
    out = node(*args, **kwargs)
    node._value_fast = None
    return out


def assert_same(got, expected):
    """Equal results of equal types, shapes, dtypes and ``requires_grad``."""
    assert type(got) is type(expected), (type(got), type(expected))
    if isinstance(got, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
        return
    assert getattr(got, "requires_grad", None) == getattr(expected, "requires_grad", None)
    assert onp.shape(got) == onp.shape(expected)
    assert onp.asarray(got).dtype == onp.asarray(expected).dtype
    assert onp.array_equal(got, expected)


def _nodes():
    dev = qml.device("default.qubit", wires=2)

    def body(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])

    @qml.qnode(dev)
    def scalar(p):
        body(p)
        return qml.expval(qml.PauliZ(1))

    @qml.qnode(dev)
    def several(p):
        body(p)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1)), qml.var(qml.PauliX(1))

    @qml.qnode(dev)
    def probs(p):
        body(p)
        return qml.probs(wires=[0, 1])

    @qml.qnode(dev)
    def mixed_args(x, y, n, data=None):
        qml.RX(x, wires=0)
        qml.RY(y[0] * data[1], wires=1)
        for _ in range(n):
            qml.CNOT(wires=[0, 1])
        return [qml.expval(qml.PauliZ(1)), qml.probs(wires=0)]

    @qml.qnode(dev, diff_method="adjoint")
    def adjoint(p):
        body(p)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    @qml.qnode(dev)
    def state(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        return qml.state()

    return scalar, several, probs, mixed_args, adjoint, state


SCALAR, SEVERAL, PROBS, MIXED_ARGS, ADJOINT, STATE = _nodes()

# (node, arguments at point v) for every kind of call a loop makes
KINDS = {
    "scalar-tensor": (SCALAR, lambda v: ((np.array(v[:2]),), {})),
    "scalar-list": (SCALAR, lambda v: (([float(v[0]), float(v[1])],), {})),
    "scalar-ndarray": (SCALAR, lambda v: ((onp.array(v[:2]),), {})),
    "scalar-untrainable": (SCALAR, lambda v: ((np.array(v[:2], requires_grad=False),), {})),
    "several-expvals": (SEVERAL, lambda v: ((np.array(v[:2]),), {})),
    "probs": (PROBS, lambda v: ((np.array(v[:2]),), {})),
    "broadcast": (SCALAR, lambda v: ((np.array([[v[0], v[1], v[2]], [v[1], v[2], v[0]]]),),
                                     {})),
    "keyword-data": (MIXED_ARGS, lambda v: ((float(v[0]), np.array([v[1]]), 2),
                                           {"data": onp.array([0.3, v[2]])})),
    "keyword-list": (MIXED_ARGS, lambda v: ((float(v[0]), onp.array([v[1]]), 1),
                                           {"data": [0.3, float(v[2])]})),
    "adjoint": (ADJOINT, lambda v: ((np.array(v[:2]),), {})),
    "state": (STATE, lambda v: ((np.array(v[:2]),), {})),
}


def _exact(name, args, kwargs):
    """The values by hand: RX(a) on wire 0, RY(b) on wire 1, then CNOT (0, 1)."""
    if name == "state":
        a, b = args[0]
        q0 = onp.array([onp.cos(a / 2), -1j * onp.sin(a / 2)])
        q1 = onp.array([onp.cos(b / 2), onp.sin(b / 2)])
        return onp.kron(q0, q1)
    if name.startswith("keyword"):
        a, b, n = args[0], args[1][0] * kwargs["data"][1], args[2]
        z1 = onp.cos(a) * onp.cos(b) if n % 2 else onp.cos(b)
        return [z1, onp.array([onp.cos(a / 2) ** 2, onp.sin(a / 2) ** 2])]
    p = onp.asarray(args[0])
    a, b = p[0], p[1]  # (broadcast: each a batch)
    z0, z1 = onp.cos(a), onp.cos(a) * onp.cos(b)
    if name == "several-expvals":
        return (z0, z1, 1 - (onp.sin(b)) ** 2)  # <X1> = sin(b): CNOT keeps X on wire 1
    if name == "probs":
        pa = onp.array([onp.cos(a / 2) ** 2, onp.sin(a / 2) ** 2])
        pb = onp.array([onp.cos(b / 2) ** 2, onp.sin(b / 2) ** 2])
        joint = onp.outer(pa, pb)
        return onp.array([joint[0, 0], joint[0, 1], joint[1, 1], joint[1, 0]])
    if name == "adjoint":
        return onp.cos(b)  # Z0 Z1 after the CNOT: Z1 before it
    return z1


@pytest.mark.parametrize("name", list(KINDS))
def test_short_path_is_taken_and_equals_the_full_path(monkeypatch, name):
    node, make = KINDS[name]
    rng = onp.random.default_rng(7)
    args, kwargs = make(rng.uniform(-2, 2, 3))
    node(*args, **kwargs)  # remembered
    assert node._value_fast is not None
    count = CountClassify(monkeypatch)
    for _ in range(3):
        args, kwargs = make(rng.uniform(-2, 2, 3))
        before = (node.device.num_executions, node.device.num_calls)
        with qml.Tracker(node.device) as short:
            got = node(*args, **kwargs)
        assert count.calls == 0, "the short path classified the arguments"
        counts = (node.device.num_executions - before[0], node.device.num_calls - before[1])
        expected_values = _exact(name, args, kwargs)
        before = (node.device.num_executions, node.device.num_calls)
        with qml.Tracker(node.device) as long:
            expected = full_path(node, args, kwargs)
        assert count.calls == 1
        assert counts == (node.device.num_executions - before[0],
                          node.device.num_calls - before[1])
        assert_same(got, expected)
        assert short.history.keys() == long.history.keys()
        for key in short.history:
            if key != "resources":
                assert_same(short.history[key], long.history[key])
        assert short.totals == long.totals
        if isinstance(got, (tuple, list)):
            for g, e in zip(got, expected_values):
                assert onp.allclose(g, e, atol=1e-12)
        else:
            assert onp.allclose(got, expected_values, atol=1e-12)
        node(*args, **kwargs)  # (the full path above forgot it)
        count.calls = 0


@pytest.mark.parametrize("other", [
    pytest.param(lambda: (np.array([0.1, 0.2, 0.3]),), id="other-shape"),
    pytest.param(lambda: (np.array([0.1, 0.2], requires_grad=False),), id="untrainable"),
    pytest.param(lambda: ((0.1, 0.2),), id="tuple"),
    pytest.param(lambda: ([0.1, 2],), id="list-with-int"),
    pytest.param(lambda: (onp.array([0.1, 0.2], dtype=onp.float32),), id="float32"),
])
def test_other_signatures_take_the_full_path(monkeypatch, other):
    """Anything that is not the remembered signature is classified again, with the
    full path's result (or its error)."""
    node = _nodes()[0]
    node(np.array([0.4, 0.5]))
    count = CountClassify(monkeypatch)
    args = other()
    got = node(*args)
    assert count.calls >= 1
    assert_same(got, full_path(node, args, {}))


def test_more_arguments_raise_the_full_paths_error():
    node = _nodes()[0]
    node(np.array([0.4, 0.5]))
    with pytest.raises(TypeError) as short:
        node(np.array([0.1, 0.2]), 3)
    with pytest.raises(TypeError) as long:
        full_path(node, (np.array([0.1, 0.2]), 3), {})
    assert str(short.value) == str(long.value)


@pytest.mark.parametrize("bad", [onp.nan, onp.inf])
def test_non_finite_input_raises_the_full_paths_error(bad):
    node = _nodes()[0]
    node(np.array([0.4, 0.5]))
    assert node._value_fast is not None
    with pytest.raises(ArgumentError, match="circuit inputs must be finite") as short:
        node(np.array([0.4, bad]))
    with pytest.raises(ArgumentError) as long:
        full_path(node, (np.array([0.4, bad]),), {})
    assert str(short.value) == str(long.value)
    assert onp.isclose(node(np.array([0.4, 0.5])), onp.cos(0.4) * onp.cos(0.5))


def test_static_arguments_compared_by_value():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x, n, label="a"):
        for _ in range(n):
            qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for n in (1, 2, 1, 3):
        for _ in range(2):
            assert onp.isclose(c(0.3, n, label="b"), onp.cos(n * 0.3))
    assert c._value_fast is not None
    assert onp.isclose(c(0.3, True), onp.cos(0.3))  # bool, not the int 1: traced anew


def test_global_read_by_the_circuit_changes():
    """A value the circuit function reads besides its arguments (its guard) changed:
    traced again, not the short path's old circuit."""
    dev = qml.device("default.qubit", wires=1)
    settings = {"scale": 1.0}

    @qml.qnode(dev)
    def c(x):
        qml.RX(settings["scale"] * x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for _ in range(3):
        assert onp.isclose(c(0.4), onp.cos(0.4))
    settings["scale"] = 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert onp.isclose(c(0.4), onp.cos(0.8))


def test_shots_and_options_set_later_leave_the_short_path():
    dev = qml.device("default.qubit", wires=1, seed=3)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.7)
    c(x)
    c(x)
    sampled = qml.set_shots(c, shots=20)
    for _ in range(2):
        value = sampled(x)
        assert onp.isclose(20 * (value + 1) / 2, round(20 * (value + 1) / 2))  # 20 samples
    assert sampled._value_fast is None
    c.interface = "numpy"
    assert type(c(0.7)) is onp.float64  # PennyLane's plain result, no tensor
    c.interface = "autograd"
    assert type(c(0.7)) is np.tensor


def test_not_queued_in_a_user_queue():
    node = _nodes()[0]
    x = np.array([0.4, 0.5])
    node(x)
    with qml.queuing.AnnotatedQueue() as q:
        value = node(x)
    assert q.queue == []
    assert onp.isclose(value, onp.cos(0.4) * onp.cos(0.5))


def test_against_pennylane():
    pl = pytest.importorskip("pennylane")
    dev = pl.device("default.qubit", wires=2)

    @pl.qnode(dev)
    def peer(p):
        pl.RX(p[0], wires=0)
        pl.RY(p[1], wires=1)
        pl.CNOT(wires=[0, 1])
        return pl.expval(pl.PauliZ(0)), pl.expval(pl.PauliZ(1)), pl.var(pl.PauliX(1))

    for x in ([0.3, -1.2], [2.1, 0.4], [0.3, -1.2]):
        got = SEVERAL(np.array(x))
        expected = peer(pl.numpy.array(x))
        assert type(got) is tuple and len(got) == 3
        for g, e in zip(got, expected):
            assert type(g).__name__ == type(e).__name__ == "tensor"
            assert g.shape == e.shape and g.requires_grad == e.requires_grad
            assert onp.allclose(g, e, atol=1e-12)


def test_static_containers_keep_the_full_path():
    """A static list (wires) is compared by classify, on the full path, at every call."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x, wires):
        qml.RX(x, wires=wires[0])
        return qml.expval(qml.PauliZ(1))

    assert onp.isclose(c(0.3, [1]), onp.cos(0.3))
    assert c._value_fast is None
    assert onp.isclose(c(0.3, [0]), 1.0)
    assert onp.isclose(c(0.5, [1]), onp.cos(0.5))
