"""Parameter broadcasting: a batch of parameter sets through one compiled circuit, checked
element by element against the unbroadcast QNode and exact formulas."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import ArgumentError, DifferentiationError

dev = qml.device("default.qubit", wires=2)


def test_one_broadcast_angle_values_and_jacobian():
    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = onp.array([0.0, 0.5, 1.0, -2.0])
    onp.testing.assert_allclose(c(x), onp.cos(x), atol=1e-14)
    onp.testing.assert_allclose(qml.jacobian(c, argnum=0)(x), onp.diag(-onp.sin(x)), atol=1e-14)
    with pytest.raises(DifferentiationError, match="scalar"):
        qml.grad(c, argnum=0)(x)


def _layers(p, w):
    qml.RX(p[0], wires=0)
    qml.CRY(p[1] * w, wires=[0, 1])
    qml.RZ(np.sin(w), wires=1)
    qml.IsingXX(p[0] + 0.3, wires=[0, 1])


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "finite-diff"])
@pytest.mark.parametrize("axis", [0, 1])
def test_batch_axis_leading_or_trailing_with_a_shared_argument(method, axis):
    def f(p, w):
        q = p.T if axis == 0 else p  # axis 0: p[b] is element b; axis 1: p[:, b]
        _layers([q[0], q[1]], w)
        return qml.expval(qml.PauliZ(1) @ qml.PauliX(0)), qml.probs(wires=[1]), qml.var(qml.PauliY(0))

    def single(p, w):
        _layers(p, w)
        return qml.expval(qml.PauliZ(1) @ qml.PauliX(0)), qml.probs(wires=[1]), qml.var(qml.PauliY(0))

    B = 3
    P = onp.random.default_rng(axis).uniform(-2, 2, size=(B, 2))
    Parg = P if axis == 0 else P.T
    w = 0.7
    node = qml.QNode(f, dev, diff_method=method)
    ref = qml.QNode(single, dev)
    values = node(Parg, w)
    jp, jw = zip(*[j for j in qml.jacobian(node, argnum=[0, 1])(Parg, w)])
    assert values[0].shape == (B,) and values[1].shape == (B, 2) and values[2].shape == (B,)
    tol = 1e-7 if method == "finite-diff" else 1e-12
    for b in range(B):
        rv = ref(P[b], w)
        rj = qml.jacobian(ref, argnum=[0, 1])(P[b], w)
        for m in range(3):
            onp.testing.assert_allclose(values[m][b], rv[m], atol=1e-13)
            # d element b / d its own slice of p; zero on the other elements' slices
            jb = onp.take(jp[m][b], b, axis=-2 + axis)
            onp.testing.assert_allclose(jb, rj[m][0], atol=tol)
            others = onp.delete(jp[m][b], b, axis=jp[m][b].ndim - 2 + axis)
            assert onp.all(others == 0)
            onp.testing.assert_allclose(jw[m][b], rj[m][1], atol=tol)


def test_shared_weights_and_batched_data_keyword():
    @qml.qnode(dev)
    def model(w, x=None):
        qml.RY(x, wires=0)  # x: the data batch, a keyword argument
        qml.RX(w[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(w[1], wires=1)
        return qml.expval(qml.PauliZ(1))

    w = onp.array([0.4, -0.9])
    X = onp.linspace(-1, 1, 5)
    out = model(w, x=X)
    J = qml.jacobian(model, argnum=0)(w, x=X)
    assert out.shape == (5,) and J.shape == (5, 2)
    for b, x in enumerate(X):
        assert abs(out[b] - model(w, x=float(x))) < 1e-13
        onp.testing.assert_allclose(J[b], qml.grad(model, argnum=0)(w, x=float(x)), atol=1e-13)
    # new data of the same shape: no new compilation
    before = len(model._compiled)
    model(w, x=X + 0.1)
    assert len(model._compiled) == before

    Y = onp.cos(X)

    def cost(w):
        return np.mean((model(w, x=X) - Y) ** 2)

    g = qml.grad(cost, argnum=0)(w)
    by_hand = onp.mean([2 * (model(w, x=float(x)) - y) * qml.grad(model, argnum=0)(w, x=float(x))
                        for x, y in zip(X, Y)], axis=0)
    onp.testing.assert_allclose(g, by_hand, atol=1e-13)


def test_broadcast_with_shots_and_state():
    sdev = qml.device("default.qubit", wires=1, shots=1000, seed=4)

    @qml.qnode(sdev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = onp.array([0.2, 1.4, 2.9])
    v = c(x)
    assert v.shape == (3,)
    assert onp.all(onp.abs(v - onp.cos(x)) < 5 * onp.sqrt((1 - onp.cos(x) ** 2) / 1000) + 1e-9)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def s(x):
        qml.RY(x, wires=0)
        return qml.state()

    st = s(x)
    assert st.shape == (3, 2)
    onp.testing.assert_allclose(st[:, 1], onp.sin(x / 2), atol=1e-14)


def test_broadcast_errors():
    @qml.qnode(dev)
    def sizes(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ArgumentError, match="batch sizes"):
        sizes(onp.zeros(2), onp.zeros(3))

    @qml.qnode(dev)
    def mixed(p):
        qml.RX(p[:, 0], wires=0)
        qml.RY(p[0, 1], wires=1)  # one element's value used by every circuit
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ArgumentError, match="batch axis"):
        mixed(onp.ones((3, 2)))

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(DifferentiationError, match="broadcast"):
        qml.hessian(c, argnum=0)(onp.array([0.1, 0.2]))
    with pytest.raises(qml.GateError, match="1-D array"):
        c(onp.ones((2, 2)))


def test_broadcast_drawing_and_export():
    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = onp.array([0.25, 0.5])
    # PennyLane 0.45.1 draws a broadcast parameter as a matrix reference, its values below
    assert qml.draw(c)(x) == "0: ──RX(M0)─┤  <Z>\n\nM0 = \n[0.25 0.5 ]"
    with pytest.raises(qml.ExportError, match="broadcast"):
        qml.compile(c, x)


def test_grad_of_a_batch_of_one_parameter_set_is_its_one_number_gradient():
    """A broadcast of one parameter set returns one number of shape (1,): qml.grad takes
    it as autograd does under PennyLane (its gradient has the argument's shape); a batch
    of two is still refused."""
    @qml.qnode(dev)
    def c(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.7], requires_grad=True)
    y = np.array(0.4, requires_grad=True)
    gx, gy = qml.grad(c)(x, y)
    # <Z> = cos x cos y
    assert onp.shape(gx) == (1,)
    onp.testing.assert_allclose(gx, [-onp.sin(0.7) * onp.cos(0.4)], atol=1e-12)
    onp.testing.assert_allclose(gy, -onp.cos(0.7) * onp.sin(0.4), atol=1e-12)
    h = 1e-6
    fd = (c(x + h, y) - c(x - h, y)) / (2 * h)
    onp.testing.assert_allclose(gx, fd, atol=1e-8)

    @qml.qnode(dev)
    def first(p):
        qml.RX(p[0], wires=0)  # p of shape (1, 1): a batch of one angle
        return qml.expval(qml.PauliZ(0))

    g = qml.grad(first)(np.array([[1.0]], requires_grad=True))
    assert onp.shape(g) == (1, 1)
    onp.testing.assert_allclose(g, [[-onp.sin(1.0)]], atol=1e-12)
    with pytest.raises(DifferentiationError, match="batch of 2"):
        qml.grad(first)(np.array([[1.0, 2.0]], requires_grad=True))


@pytest.mark.parametrize("diff_method", ["best", "parameter-shift", "adjoint"])
def test_grad_of_a_batch_of_one_runs_the_circuit_once(diff_method):
    """qml.grad of a batch of one parameter set (a broadcast argument of length 1) answers
    from the one compiled Jacobian: one device execution per call (it ran the circuit a
    second time through autograd), the numbers and types as before (closed form
    <Z_1> = cos(x) cos(y) after RX(x) on 0, RY(y) on 1, CNOT; finite differences)."""
    local = qml.device("default.qubit", wires=2)

    @qml.qnode(local, diff_method=diff_method)
    def c(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    def counted(*args, **kwargs):
        with qml.Tracker(local) as tracker:
            out = qml.grad(c, **kwargs)(*args)
        return out, tracker.totals["executions"]

    x = np.array([0.3], requires_grad=True)
    y = np.array(0.5, requires_grad=True)
    # what one parameter set (not a batch) costs with this method: 1 run, or 1 + 2 shifts
    # per parameter with the parameter-shift rule
    one = 1 + 2 * 2 if diff_method == "parameter-shift" else 1
    (sx, sy), unbatched = counted(np.array(0.3, requires_grad=True), y)
    assert unbatched == one
    for call in range(3):
        (gx, gy), executions = counted(x, y)
        assert executions == one, call
    assert onp.shape(gx) == (1,) and onp.shape(gy) == ()
    assert type(gy) is type(sy)
    onp.testing.assert_allclose(gx, [-onp.sin(0.3) * onp.cos(0.5)], atol=1e-12)
    onp.testing.assert_allclose(gy, -onp.cos(0.3) * onp.sin(0.5), atol=1e-12)
    h = 1e-6
    onp.testing.assert_allclose(gy, (c(x, y + h) - c(x, y - h))[0] / (2 * h), atol=1e-8)
    g0, executions = counted(x, y, argnum=0)
    assert executions == (1 + 2 if diff_method == "parameter-shift" else 1)
    onp.testing.assert_allclose(g0, gx, atol=1e-14)
