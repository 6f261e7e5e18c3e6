"""Inputs and trainability: integer inputs promoted to float (issue #15 item 3) and
PennyLane 0.45's optimizer / gradient semantics (issue #18).

Expected numbers are written out by hand from the update rules (PennyLane's own
``tests/optimize`` use the same cases: gradient [40, -4, 12, -17, 400] at
[0, 30, 6, -7, 800]) and from the closed form <Z> = cos(a) cos(b) of the circuit below.
"""

import math
import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

NO_TRAINABLE = "Attempted to differentiate a function with no trainable parameters"

dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def circuit(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


@qml.qnode(dev)
def circuit2(w, b):
    qml.RX(w[0], wires=0)
    qml.RY(b, wires=0)
    return qml.expval(qml.PauliZ(0))


def exact_grad(a, b):
    """d/d(a, b) of cos(a) cos(b)."""
    return onp.array([-math.sin(a) * math.cos(b), -math.cos(a) * math.sin(b)])


G = [40, -4, 12, -17, 400]
X = [0, 30, 6, -7, 800]


# --- integer arrays: every optimizer promotes them (issue #15 item 3) -----------------
def _by_hand(name, x, g, x2, g2):
    """Two steps of each rule, written out: the first at x with g, the second at x2 (the
    first step's result) with g2. Hyperparameters as in PennyLane's tests."""
    x, g, x2, g2 = (onp.asarray(v, dtype=float) for v in (x, g, x2, g2))
    eta, eps = 0.1, 1e-8
    if name == "GradientDescent":
        return x - eta * g, x2 - eta * g2
    if name in ("Momentum", "NesterovMomentum"):  # momentum 0.5
        a1 = eta * g
        a2 = 0.5 * a1 + eta * g2
        return x - a1, x2 - a2
    if name == "Adagrad":
        G1 = g**2
        G2 = G1 + g2**2
        return x - eta / onp.sqrt(G1 + eps) * g, x2 - eta / onp.sqrt(G2 + eps) * g2
    if name == "RMSProp":  # decay 0.5
        G1 = 0.5 * g**2
        G2 = 0.5 * G1 + 0.5 * g2**2
        return x - eta / onp.sqrt(G1 + eps) * g, x2 - eta / onp.sqrt(G2 + eps) * g2
    if name == "Adam":  # beta1 0.5, beta2 0.8
        f1, s1 = 0.5 * g, 0.2 * g**2
        f2, s2 = 0.5 * f1 + 0.5 * g2, 0.8 * s1 + 0.2 * g2**2
        lr1 = eta * math.sqrt(1 - 0.8) / (1 - 0.5)
        lr2 = eta * math.sqrt(1 - 0.8**2) / (1 - 0.5**2)
        return x - lr1 * f1 / (onp.sqrt(s1) + eps), x2 - lr2 * f2 / (onp.sqrt(s2) + eps)
    raise AssertionError(name)


def _make(name):
    return {
        "GradientDescent": lambda: qml.GradientDescentOptimizer(0.1),
        "Momentum": lambda: qml.MomentumOptimizer(0.1, momentum=0.5),
        "NesterovMomentum": lambda: qml.NesterovMomentumOptimizer(0.1, momentum=0.5),
        "Adagrad": lambda: qml.AdagradOptimizer(0.1, eps=1e-8),
        "RMSProp": lambda: qml.RMSPropOptimizer(0.1, decay=0.5, eps=1e-8),
        "Adam": lambda: qml.AdamOptimizer(0.1, beta1=0.5, beta2=0.8, eps=1e-8),
    }[name]()


NAMES = ["GradientDescent", "Momentum", "NesterovMomentum", "Adagrad", "RMSProp", "Adam"]


def test_gradient_descent_integer_example_from_the_issue():
    res = qml.GradientDescentOptimizer(0.1).apply_grad(
        np.array(G), np.array(X, requires_grad=True))
    assert all(onp.asarray(r).dtype == onp.float64 for r in res)
    onp.testing.assert_allclose(onp.array(res, dtype=float), [-4, 30.4, 4.8, -5.3, 760],
                                rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_apply_grad_promotes_integer_arrays(name):
    # PennyLane's idiom: apply_grad(gradient array, argument array) walks the elements
    opt = _make(name)
    x = np.array(X, requires_grad=True)
    first = opt.apply_grad(np.array(G), x)
    g2 = onp.array(G) + onp.array(X)  # a second gradient, as PennyLane's tests take it
    second = opt.apply_grad(g2, np.array(onp.array(first, dtype=float), requires_grad=True))
    want1, want2 = _by_hand(name, X, G, onp.array(first, dtype=float), g2)
    onp.testing.assert_allclose(onp.array(first, dtype=float), want1, rtol=1e-12, atol=1e-12)
    onp.testing.assert_allclose(onp.array(second, dtype=float), want2, rtol=1e-12, atol=1e-12)
    assert onp.any(onp.array(first, dtype=float) != X)  # updated, not skipped

    # the same with the array as one argument (a tuple of arguments): a float array back
    opt = _make(name)
    (new,) = opt.apply_grad((np.array(G),), (np.array(X),))
    assert isinstance(new, np.tensor) and new.dtype == onp.float64 and new.requires_grad
    onp.testing.assert_allclose(new, want1, rtol=1e-12, atol=1e-12)


def test_step_refuses_a_trainable_integer_array_as_pennylane_and_steps_its_float_form():
    # PennyLane 0.45.1 (run in /work/plvenv): GradientDescentOptimizer(0.1).step(circuit,
    # np.array([0, 1])) raises "ValueError: Autograd does not support differentiation of
    # ints." (its optimizers take autograd's gradient); the float form steps as x - eta g
    # with <Z> = cos(a) cos(b)
    xi, xf = np.array([1, 2]), np.array([1.0, 2.0])
    want = onp.array([1.0, 2.0]) - 0.1 * exact_grad(1.0, 2.0)
    for name in NAMES:
        with pytest.raises(ValueError, match="Autograd does not support differentiation of ints"):
            _make(name).step(circuit, xi)
        got = _make(name).step(circuit, xf)
        assert got.dtype == onp.float64, name
        if name in ("GradientDescent", "Momentum", "NesterovMomentum"):  # first step: x - eta g
            onp.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="Autograd does not support differentiation of ints"):
        qml.AdamOptimizer(0.1).step_and_cost(circuit, xi)
    new, cost = qml.AdamOptimizer(0.1).step_and_cost(circuit, xf)
    assert cost == pytest.approx(math.cos(1) * math.cos(2), abs=1e-14)


def test_qnode_and_gradients_take_integer_tensors_as_floats():
    xi, xf = np.array([1, 2]), np.array([1.0, 2.0])
    assert circuit(xi) == pytest.approx(math.cos(1) * math.cos(2), abs=1e-14)
    # chosen by argnum: promoted to float, as NumPy promotes ints
    onp.testing.assert_allclose(qml.grad(circuit, argnum=0)(xi), exact_grad(1.0, 2.0),
                                atol=1e-12)
    onp.testing.assert_allclose(qml.jacobian(circuit, argnum=0)(xi), exact_grad(1.0, 2.0),
                                atol=1e-12)
    # a hybrid cost (autograd's path) promotes the same way
    g = qml.grad(lambda p: 2.0 * circuit(p), argnum=0)(xi)
    onp.testing.assert_allclose(g, 2 * exact_grad(1.0, 2.0), atol=1e-12)
    onp.testing.assert_array_equal(qml.grad(circuit)(xf), qml.grad(circuit, argnum=0)(xi))
    # by default (requires_grad=True): PennyLane's ValueError
    for fn in (qml.grad(circuit), qml.jacobian(circuit), qml.grad(lambda p: 2.0 * circuit(p))):
        with pytest.raises(ValueError, match="Autograd does not support differentiation of ints"):
            fn(xi)


def test_minimize_promotes_integer_x0():
    a = qml.minimize(circuit, [1, 2], optimizer=qml.GradientDescentOptimizer(0.1), steps=1)
    b = qml.minimize(circuit, [1, 2], optimizer=qml.GradientDescentOptimizer(0.1), steps=1,
                     compiled=False)
    want = onp.array([1.0, 2.0]) - 0.1 * exact_grad(1.0, 2.0)
    for res in (a, b):
        assert res.x.dtype == onp.float64
        onp.testing.assert_allclose(res.x, want, rtol=0, atol=1e-12)


def test_minimize_promotes_integer_data_rows():
    @qml.qnode(dev, diff_method="adjoint")
    def model(w, x=0.0):
        qml.RY(x, wires=0)
        qml.RY(w[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    X = onp.arange(3)  # integer features: data, like floats (one compiled circuit)
    opt = qml.GradientDescentOptimizer(0.1)
    res = qml.minimize(model, [0.5], data={"x": X}, loss="mean", optimizer=opt, steps=1)
    assert res.compiled, res.message
    # mean over rows of cos(x_i + w): gradient -mean(sin(x_i + 0.5))
    want = 0.5 + 0.1 * onp.mean(onp.sin(onp.arange(3) + 0.5))
    onp.testing.assert_allclose(res.x, [want], rtol=0, atol=1e-12)
    assert res.cost_history[0] == pytest.approx(onp.mean(onp.cos(onp.arange(3) + 0.5)),
                                                abs=1e-12)


# --- trainability: PennyLane's rule, requires_grad --------------------------------------
def test_optimizers_leave_non_trainable_arguments_unchanged():
    w = np.array([0.5])
    fixed = np.array(0.3, requires_grad=False)
    for name in NAMES:
        opt = _make(name)
        for other in (0.3, onp.array(0.3), fixed):
            new_w, new_other = opt.step(circuit2, w, other)
            assert new_other is other, (name, other)
            opt.reset()
    # only w moves: d/dw cos(w) cos(0.3) = -sin(w) cos(0.3)
    new_w, new_b = qml.GradientDescentOptimizer(0.1).step(circuit2, w, 0.3)
    onp.testing.assert_allclose(new_w, [0.5 + 0.1 * math.sin(0.5) * math.cos(0.3)], atol=1e-12)
    # a plain float as the only argument: PennyLane's warning, and the value unchanged
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert qml.GradientDescentOptimizer(0.1).step(lambda v: np.sin(v), 0.5) == 0.5
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        new, cost = qml.AdamOptimizer(0.1).step_and_cost(circuit, [0.1, 0.2])
    assert new == [0.1, 0.2] and cost == pytest.approx(math.cos(0.1) * math.cos(0.2))


def test_elements_of_a_trainable_tensor_are_trainable():
    x = np.array([0.5, 0.25])
    assert x[0].requires_grad and not np.array([1.0], requires_grad=False)[0].requires_grad
    assert hash(x[0]) == hash(0.5) and x[1:].requires_grad
    new0, new1 = qml.GradientDescentOptimizer(0.1).step(circuit2, x[0:1], x[1])
    # d/dw cos(w) cos(b) = -sin(w) cos(b); d/db = -cos(w) sin(b)
    onp.testing.assert_allclose(new0, [0.5 + 0.1 * math.sin(0.5) * math.cos(0.25)], atol=1e-12)
    assert float(new1) == pytest.approx(0.25 + 0.1 * math.cos(0.5) * math.sin(0.25), abs=1e-12)
    # a list of a tensor's elements is a float argument (not a static one traced per value)
    n = len(circuit._compiled)
    for v in (0.1, 0.2, 0.3):
        p = np.array([v, 0.4])
        assert circuit([p[0], p[1]]) == pytest.approx(math.cos(v) * math.cos(0.4), abs=1e-14)
    assert len(circuit._compiled) <= n + 1


def test_user_grad_fn_returning_a_scalar_or_a_tuple():
    opt = qml.GradientDescentOptimizer(0.1)
    # one trainable argument: the gradient may be a number
    x = np.array(0.5)
    assert float(opt.step(np.sin, x, grad_fn=np.cos)) == pytest.approx(0.5 - 0.1 * math.cos(0.5))
    # a plain int is not trainable: unchanged, and the cost is the objective's (PennyLane)
    new, cost = opt.step_and_cost(np.sin, 0, grad_fn=np.cos)
    assert new == 0 and cost == 0.0
    # several trainable arguments: a tuple, one entry each
    a, b = np.array([1.0, 2.0]), np.array(3.0)
    new_a, new_b = opt.step(lambda a, b: 0.0, a, b, grad_fn=lambda a, b: (2 * a, b))
    onp.testing.assert_allclose(new_a, [0.8, 1.6], atol=1e-15)
    assert float(new_b) == pytest.approx(2.7)
    with pytest.raises(qml.DifferentiationError, match="shape"):
        opt.step(lambda a: 0.0, a, grad_fn=lambda a: onp.ones(3))
    with pytest.raises(qml.DifferentiationError, match="no entry 1"):
        opt.step(lambda a, b: 0.0, a, b, grad_fn=lambda a, b: (a,))


def test_step_and_cost_unpacking_and_forward():
    opt = qml.GradientDescentOptimizer(0.1)
    x = np.array([0.3, 0.4])
    new, cost = opt.step_and_cost(circuit, x)
    assert isinstance(new, np.tensor) and new.shape == (2,)
    assert cost == pytest.approx(math.cos(0.3) * math.cos(0.4), abs=1e-14)
    both, cost2 = opt.step_and_cost(circuit2, np.array([0.3]), np.array(0.4))
    assert isinstance(both, list) and len(both) == 2
    assert cost2 == pytest.approx(cost, abs=1e-14)
    # the same step either way
    onp.testing.assert_allclose(new, onp.array([0.3, 0.4]) - 0.1 * exact_grad(0.3, 0.4),
                                atol=1e-12)
    onp.testing.assert_allclose([both[0][0], both[1]], new, atol=1e-12)
    # compute_grad is PennyLane's static method: (gradients, forward)
    g, fwd = qml.GradientDescentOptimizer.compute_grad(circuit, (x,), {})
    onp.testing.assert_allclose(g[0], exact_grad(0.3, 0.4), atol=1e-12)
    assert fwd == pytest.approx(cost, abs=1e-14)


def test_optimizer_attributes():
    opt = qml.AdamOptimizer(stepsize=0.1, beta1=0.5, beta2=0.8, eps=1e-7)
    assert (opt.stepsize, opt.beta1, opt.beta2, opt.eps) == (0.1, 0.5, 0.8, 1e-7)
    assert opt.fm is None and opt.sm is None and opt.t is None and opt.accumulation is None
    w, b = np.array([0.5]), np.array(0.25)
    opt.apply_grad((np.array([2.0]), np.array(-1.0)), (w, b))
    assert opt.t == 1 and opt.accumulation["t"] == 1
    onp.testing.assert_allclose(opt.fm[0], [1.0])  # (1 - 0.5) * 2
    assert float(opt.fm[1]) == -0.5
    onp.testing.assert_allclose(opt.sm[0], [0.8])  # (1 - 0.8) * 4
    assert float(opt.sm[1]) == pytest.approx(0.2)
    opt.reset()
    assert opt.accumulation is None and opt.fm is None

    mom = qml.MomentumOptimizer(stepsize=0.1, momentum=0.5)
    assert mom.momentum == 0.5 and mom.accumulation is None
    mom.apply_grad((np.array([2.0]), np.array(-1.0)), (w, b))
    onp.testing.assert_allclose(mom.accumulation[0], [0.2])
    assert float(mom.accumulation[1]) == pytest.approx(-0.1)
    mom.apply_grad((np.array([2.0]), np.array(-1.0)), (w, b))
    onp.testing.assert_allclose(mom.accumulation[0], [0.5 * 0.2 + 0.2])

    ada = qml.AdagradOptimizer(stepsize=0.2, eps=1e-6)
    ada.apply_grad((np.array([3.0]),), (w,))
    onp.testing.assert_allclose(ada.accumulation[0], [9.0])
    rms = qml.RMSPropOptimizer(stepsize=0.2, decay=0.75, eps=1e-6)
    assert (rms.decay, rms.eps, rms.stepsize) == (0.75, 1e-6, 0.2)
    rms.apply_grad((np.array([2.0]),), (w,))
    onp.testing.assert_allclose(rms.accumulation[0], [0.25 * 4.0])
    for o in (mom, ada, rms):
        o.reset()
        assert o.accumulation is None
    # non-trainable positions keep a zero accumulator (indexed by argument, as PennyLane)
    mom.apply_grad((np.array([2.0]),), (w, 0.3))
    assert mom.accumulation[1] == 0.0


def test_nesterov_shifts_only_trainable_arguments():
    opt = qml.NesterovMomentumOptimizer(stepsize=0.1, momentum=0.5)
    seen = []

    def grad_fn(w, b):
        seen.append((onp.array(w, dtype=float), b))
        return onp.array([1.0])

    w = np.array([0.5])
    w1, b1 = opt.step(None, w, 0.25, grad_fn=grad_fn)
    w2, b2 = opt.step(None, w1, b1, grad_fn=grad_fn)
    # a1 = 0.1; the second gradient is taken at w1 - 0.5 a1; b is never shifted
    onp.testing.assert_allclose(seen[1][0], [0.4 - 0.05], atol=1e-15)
    assert seen[1][1] == 0.25 and b2 == 0.25
    onp.testing.assert_allclose(w2, [0.4 - (0.5 * 0.1 + 0.1)], atol=1e-15)


# --- qml.grad / qml.jacobian with nothing or part of the arguments trainable -------------
def test_no_trainable_argument_warns_and_returns_empty_tuple():
    off = np.array([0.1, 0.2], requires_grad=False)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert qml.grad(circuit)(off) == ()
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert qml.jacobian(circuit)(off) == ()
    g = qml.grad(lambda p: circuit(p) ** 2)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert g(off) == ()
    assert g.forward == pytest.approx((math.cos(0.1) * math.cos(0.2)) ** 2, abs=1e-14)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert qml.jacobian(lambda p: p * 2.0)(off) == ()
    gq = qml.grad(circuit)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        gq(off)
    assert gq.forward == pytest.approx(math.cos(0.1) * math.cos(0.2), abs=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a trainable argument: no warning
        qml.grad(circuit)(np.array([0.1, 0.2]))


def test_argnum_with_mixed_trainable_and_data_arguments():
    w, b = np.array([0.5]), np.array(0.25, requires_grad=False)
    dw = [-math.sin(0.5) * math.cos(0.25)]
    db = -math.cos(0.5) * math.sin(0.25)
    g = qml.grad(circuit2)(w, b)  # only w: one array, not a tuple
    onp.testing.assert_allclose(g, dw, atol=1e-12)
    g = qml.grad(circuit2, argnum=[0])(w, b)  # a list: a tuple of one
    assert isinstance(g, tuple) and len(g) == 1
    onp.testing.assert_allclose(g[0], dw, atol=1e-12)
    gw, gb = qml.grad(circuit2, argnum=[0, 1])(w, np.array(0.25))
    assert float(gb) == pytest.approx(db, abs=1e-12)
    j = qml.jacobian(circuit2, argnum=1)(w, np.array(0.25))
    assert onp.ndim(j) == 0 and float(j) == pytest.approx(db, abs=1e-12)
    # an integer requires_grad=False tensor stays out of the default (static data)
    bi = np.array(1, requires_grad=False)
    onp.testing.assert_allclose(qml.grad(circuit2)(w, bi), [-math.sin(0.5) * math.cos(1)],
                                atol=1e-12)


def test_tensor_elements_as_gate_parameters_and_wire_labels():
    dev2 = qml.device("default.qubit", wires=2)
    wires = np.array([0, 1])
    theta = np.array([0.0, 0.7])

    @qml.qnode(dev2)
    def c(x):
        qml.RX(x, wires=wires[0])
        qml.RY(theta[0], wires=wires[1])  # a 0-d tensor from outside: a constant angle
        qml.CNOT(wires=[wires[0], wires[1]])
        return qml.expval(qml.PauliZ(wires[1]))

    # <Z1> after RX(x) on wire 0 and CNOT: cos(x)
    assert c(0.4) == pytest.approx(math.cos(0.4), abs=1e-14)
    assert float(qml.grad(c, argnum=0)(0.4)) == pytest.approx(-math.sin(0.4), abs=1e-12)
    from qsym._operations import wires_tuple

    labels = wires_tuple([wires[0], wires[1]])  # the elements' numbers, not 0-d tensors
    assert labels == (0, 1) and all(type(w) is int for w in labels)
