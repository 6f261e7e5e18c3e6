"""Hybrid cost functions: qml.grad / qml.jacobian / qml.hessian of Python code that calls
QNodes, against hand-derived formulas and finite differences."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import DifferentiationError

dev1 = qml.device("default.qubit", wires=1)
dev2 = qml.device("default.qubit", wires=2)


@qml.qnode(dev1)
def seed(p):
    qml.RX(p[0], wires=0)
    qml.RY(p[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def C(p):
    """seed's value by hand: <Z> = cos(p0) cos(p1)."""
    return onp.cos(p[0]) * onp.cos(p[1])


def dC(p):
    return onp.array([-onp.sin(p[0]) * onp.cos(p[1]), -onp.cos(p[0]) * onp.sin(p[1])])


def fd_grad(f, x, h=1e-6):
    x = onp.asarray(x, dtype=float)
    g = onp.zeros(x.shape)
    for i in onp.ndindex(x.shape):
        e = onp.zeros(x.shape)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


P = np.array([0.54, 0.12])  # a trainable qsym.numpy tensor


def test_square_error_of_one_qnode():
    def cost(p):
        return (seed(p) - 0.5) ** 2

    g = qml.grad(cost)(P)
    onp.testing.assert_allclose(g, 2 * (C(P) - 0.5) * dC(P), atol=1e-13)
    grad_fn = qml.grad(cost)
    grad_fn(P)
    assert abs(grad_fn.forward - (C(P) - 0.5) ** 2) < 1e-14


def test_sum_of_squared_errors_over_data_in_keywords():
    @qml.qnode(dev1)
    def model(w, x=None):
        qml.RX(x, wires=0)
        qml.RY(w[0], wires=0)
        qml.RX(w[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    X = onp.array([0.1, 0.7, -0.4])
    Y = onp.array([0.5, -0.2, 0.9])

    def cost(w, X=None, Y=None):
        return np.sum(np.array([(model(w, x=x) - y) ** 2 for x, y in zip(X, Y)])) / len(X)

    w = np.array([0.3, -0.6])
    g = qml.grad(cost)(w, X=X, Y=Y)
    ref = fd_grad(lambda v: cost(v, X=X, Y=Y), w)
    onp.testing.assert_allclose(g, ref, atol=1e-8)
    # exact: d/dw mean (m - y)^2 = mean 2 (m - y) dm/dw, dm/dw from the QNode gradient
    exact = sum(2 * (model(w, x=x) - y) * qml.grad(model)(w, x=x) for x, y in zip(X, Y)) / 3
    onp.testing.assert_allclose(g, exact, atol=1e-13)
    # one compiled signature for all data points
    assert len(model._compiled) <= 2


def test_several_qnodes_and_arguments():
    @qml.qnode(dev2, diff_method="adjoint")
    def a(x, y):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RX(y, wires=1)
        return qml.expval(qml.PauliZ(1))

    @qml.qnode(dev2)
    def b(x):
        qml.RX(x, wires=1)
        return qml.probs(wires=[1])

    def cost(x, y):
        return np.sin(a(x, y)) * b(x)[0] + np.exp(a(x, y) * y)

    def plain(x, y):
        av = onp.cos(x) * onp.cos(y)
        bv = onp.cos(x / 2) ** 2
        return onp.sin(av) * bv + onp.exp(av * y)

    gx, gy = qml.grad(cost, argnum=[0, 1])(0.3, -0.8)
    onp.testing.assert_allclose(gx, fd_grad(lambda v: plain(v, -0.8), 0.3), atol=1e-8)
    onp.testing.assert_allclose(gy, fd_grad(lambda v: plain(0.3, v), -0.8), atol=1e-8)
    g1 = qml.grad(cost, argnum=1)(0.3, -0.8)
    onp.testing.assert_allclose(g1, gy, atol=1e-14)


def test_jacobian_of_a_vector_cost_and_tuple_qnodes():
    @qml.qnode(dev2)
    def c(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[1])

    def f(p):
        e, pr = c(p)
        return np.array([e * pr[0], pr[1] - e])

    def plain(p):
        e = onp.cos(p[0])
        pr = onp.array([onp.cos(p[1] / 2) ** 2, onp.sin(p[1] / 2) ** 2])
        return onp.array([e * pr[0], pr[1] - e])

    J = qml.jacobian(f)(P)
    assert J.shape == (2, 2)
    ref = onp.array([fd_grad(lambda v: plain(v)[i], P) for i in range(2)])
    onp.testing.assert_allclose(J, ref, atol=1e-8)


def test_jacobian_of_a_function_returning_a_tuple():
    """A hybrid function returning several results (a tuple, or the tuple a Jacobian of
    several arguments is inside an outer derivative) is differentiated result by result;
    it used to give zeros (autograd took the plain tuple of boxes for a constant).
    PennyLane 0.45.1 raises autograd's ValueError here; the numbers are exact."""
    @qml.qnode(dev2)
    def c(a, b):
        qml.RY(a, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RX(b, wires=1)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))

    a, b = np.array(0.7), np.array(-0.4)
    (ea, eb), (fa, fb) = qml.jacobian(lambda a, b: (2 * c(a, b)[0], c(a, b)[1]))(a, b)
    # <Z0> = cos a, <Z1> = cos a cos b, by hand
    want = ((-2 * onp.sin(0.7), 0.0), (-onp.sin(0.7) * onp.cos(-0.4), -onp.cos(0.7) * onp.sin(-0.4)))
    onp.testing.assert_allclose([[ea, eb], [fa, fb]], want, atol=1e-12)
    # a Jacobian of several arguments differentiated again: the Hessian of <Z1>
    grads = lambda a, b: qml.jacobian(lambda a, b: c(a, b)[1], argnum=[0, 1])(a, b)
    hess = qml.jacobian(grads, argnum=[0, 1])(a, b)
    ca, sa, cb, sb = onp.cos(0.7), onp.sin(0.7), onp.cos(-0.4), onp.sin(-0.4)
    onp.testing.assert_allclose(hess, [[-ca * cb, sa * sb], [sa * sb, -ca * cb]], atol=1e-12)


def test_hessian_of_a_hybrid_cost():
    def cost(p):
        return (seed(p) - 0.5) ** 2

    H = qml.hessian(cost)(P)
    ref = onp.array([fd_grad(lambda v: qml.grad(cost, argnum=0)(v)[i], P, h=1e-5) for i in range(2)])
    onp.testing.assert_allclose(H, ref, atol=1e-8)
    # exact: 2 dC dC^T + 2 (C - 0.5) H[C]
    a, b = P
    HC = onp.array([[-onp.cos(a) * onp.cos(b), onp.sin(a) * onp.sin(b)],
                    [onp.sin(a) * onp.sin(b), -onp.cos(a) * onp.cos(b)]])
    exact = 2 * onp.outer(dC(P), dC(P)) + 2 * (C(P) - 0.5) * HC
    onp.testing.assert_allclose(H, exact, atol=1e-12)
    onp.testing.assert_allclose(qml.jacobian(qml.grad(cost))(P), exact, atol=1e-12)


def test_lists_of_boxes_and_processed_arguments():
    def cost(p):
        return seed([p[0] * 2, np.cos(p[1])])

    g = qml.grad(cost)(P)
    q = onp.array([2 * P[0], onp.cos(P[1])])
    onp.testing.assert_allclose(g, dC(q) * onp.array([2, -onp.sin(P[1])]), atol=1e-13)


def test_errors():
    with pytest.raises(DifferentiationError, match="third"):
        qml.jacobian(qml.hessian(lambda p: seed(p)))(P)

    @qml.qnode(dev1)
    def kw(p, x=None):
        qml.RX(p * x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(DifferentiationError, match="keyword"):
        qml.grad(lambda p: kw(0.1, x=p), argnum=0)(0.3)
    with pytest.raises(DifferentiationError, match="scalar"):
        qml.grad(lambda p: np.array([seed(p), seed(p)]))(P)
    with pytest.raises(DifferentiationError, match="integer"):
        qml.grad(lambda n: seed(P) * n, argnum=0)(3)
    with pytest.warns(UserWarning, match="Attempted to differentiate a function with no"):
        assert qml.grad(lambda n: seed(P) * n)(3) == ()  # PennyLane: a warning and ()
    with pytest.raises(DifferentiationError, match="function"):
        qml.grad(3.0)


def test_memoized_jacobians_distinguish_large_data_arrays():
    """Two data arrays whose NumPy reprs are equal ('...' in the middle) must not share a
    memoized Jacobian."""

    @qml.qnode(dev1)
    def model(w, x=None):
        qml.RX(x[1000] * 0.01, wires=0)
        qml.RY(w, wires=0)
        return qml.expval(qml.PauliZ(0))

    a = onp.zeros(2000)
    b = onp.zeros(2000)
    b[1000] = 50.0  # hidden by repr's '...'
    assert repr(a) == repr(b)

    def cost(w):
        return model(w, x=a) + 2 * model(w, x=b)

    g = qml.grad(cost, argnum=0)(0.3)
    exact = -onp.sin(0.3) * (1 + 2 * onp.cos(0.5))  # <Z> = cos(0.01 x[1000]) cos(w)
    assert abs(g - exact) < 1e-12


def test_shots_draw_new_samples_in_every_hybrid_gradient():
    node = qml.QNode(seed.func, qml.device("default.qubit", wires=1, shots=100, seed=1))

    def cost(p):
        return node(p) ** 2

    assert not onp.array_equal(qml.grad(cost)(P), qml.grad(cost)(P))


@pytest.mark.parametrize("method, executions, batches", [
    # PennyLane 0.45.1's Tracker for the same cost (measured with pennylane itself):
    # backprop and adjoint one execution; parameter shift the unshifted circuit and
    # RX's 2 + CRY's 4 shifted circuits (CRY's four-term rule), in two batches
    ("backprop", 1, 1), ("adjoint", 1, None), ("parameter-shift", 7, 2)])
def test_a_hybrid_cost_runs_the_circuit_as_often_as_the_qnode_itself(method, executions,
                                                                      batches):
    """The value under a derivative is computed with its Jacobian (one run of the method),
    not once more on its own; over a data set each point's Jacobian is the one used."""

    @qml.qnode(dev2, diff_method=method)
    def node(x, d):
        qml.RX(d, wires=0)
        qml.RX(x[0], wires=0)
        qml.CRY(x[1], wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    x = np.array([0.4, 0.5], requires_grad=True)
    with qml.Tracker(dev2) as t:
        qml.grad(lambda x: node(x, 0.0) ** 2)(x)
    assert t.totals.get("executions") == executions
    assert t.totals.get("batches") == batches

    # <Z1> after RX(d + x0) on 0 and CRY(x1): 1 - sin^2((d + x0) / 2) (1 - cos x1)
    def value(x, d):
        return 1 - onp.sin((d + x[0]) / 2) ** 2 * (1 - onp.cos(x[1]))

    data = [0.1, 0.2, 0.3]

    def cost(x):
        return sum((node(x, d) - d) ** 2 for d in data)

    def cost_by_hand(x):
        return sum((value(x, d) - d) ** 2 for d in data)

    with qml.Tracker(dev2) as t:
        g = qml.grad(cost)(x)
    assert t.totals.get("executions") == len(data) * executions
    onp.testing.assert_allclose(g, fd_grad(cost_by_hand, x), atol=1e-8)


def test_jacobians_kept_for_the_backward_pass_are_bounded(monkeypatch):
    """Beyond the kept Jacobians' budget the oldest are dropped and computed again in the
    backward pass: the same gradient, the circuit run once more per dropped point."""
    from qsym import _autodiff

    @qml.qnode(dev2, diff_method="adjoint")
    def node(x, d):
        qml.RX(d, wires=0)
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    data = [0.1, 0.2, 0.3, 0.4]

    def cost(x):
        return sum(node(x, d) * d for d in data)

    x = np.array(0.7, requires_grad=True)
    exact = sum(-onp.sin(0.7) * onp.cos(d) * d for d in data)  # <Z> = cos(d) cos(x)
    with qml.Tracker(dev2) as t:
        assert abs(qml.grad(cost)(x) - exact) < 1e-12
    assert t.totals["executions"] == len(data)
    monkeypatch.setattr(_autodiff, "EAGER_BYTES", 16)  # room for two 1x1 Jacobians
    with qml.Tracker(dev2) as t:
        assert abs(qml.grad(cost)(x) - exact) < 1e-12
    assert t.totals["executions"] == len(data) + 2


def test_hybrid_gradients_of_one_qnode_from_several_threads():
    """Threads differentiating costs of one QNode at their own points each get their own
    point's gradient (the kept Jacobians are keyed by the exact inputs)."""
    import threading

    @qml.qnode(dev1)
    def node(x, d):
        qml.RX(d, wires=0)
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    def cost(x, data):
        return sum(node(x, d) ** 2 for d in data)

    def by_hand(x, data):  # <Z> = cos(d) cos(x); d/dx cos^2 = -2 cos^2(d) cos x sin x
        return sum(-2 * onp.cos(d) ** 2 * onp.cos(x) * onp.sin(x) for d in data)

    errors = []

    def work(k):
        try:
            data = [0.1 * k, 0.2 * k, 0.05 + 0.1 * k]
            for i in range(40):
                x = np.array(0.3 + 0.01 * i + k, requires_grad=True)
                g = qml.grad(cost)(x, data)
                if abs(float(g) - by_hand(float(x), data)) > 1e-12:
                    errors.append((k, i, float(g), by_hand(float(x), data)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
