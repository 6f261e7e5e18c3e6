"""Adversarial round of stop 70 (benchmarks/results/adv70-2026-12-07.md): each test is a
probe that gave a wrong number or an unhelpful error before its fix. Expected numbers are
closed forms worked out by hand, or a second method (the optimizer's own ``step`` loop);
never numbers copied from the code under test."""

import inspect
import threading

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym import _gates

# GG = RX-like (generator X/2): <X + Y> = -sin x, d/dx = -cos x (frequency 1)
RX_LIKE = dict(generator=[(0.5, "X")])
# GG = RY(2x)-like (generator Y): <X + Y> = sin 2x, d/dx = 2 cos 2x (frequency 2)
RY2_LIKE = dict(generator=[(1.0, "Y")])


def _closed_form(definition, x):
    if definition is RX_LIKE:
        return -onp.sin(x), -onp.cos(x)
    return onp.sin(2 * x), 2 * onp.cos(2 * x)


@pytest.fixture
def gg():
    qml.define_gate("AdvKGate", 1, **RX_LIKE)
    yield
    qml.undefine_gate("AdvKGate")


def _circuit(method):
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=method)
    def c(x):
        qml.AdvKGate(x, wires=0)
        return qml.expval(qml.X(0) + qml.Y(0))

    return c


@pytest.mark.parametrize("memo", ["numeric_matrix_function", "gate_body"])
def test_a_memo_computed_while_another_thread_defines_the_gate_again_is_not_kept(gg, memo):
    # A memo of a gate row (matrices, printed gate code, rules) computed from the old row
    # could be stored after define_gate's clear: it then served the new definition for
    # good. The thread filling the memo is held inside the old row's matrix while the
    # gate is defined again, then let go; the memo must then give the new gate's matrix,
    # exp(-i x Y) = [[cos x, -sin x], [sin x, cos x]] (by hand).
    from qsym import _emit

    fill = {"numeric_matrix_function": lambda: _gates.numeric_matrix_function("AdvKGate", 1),
            "gate_body": lambda: _emit.gate_body("AdvKGate", 1)}[memo]
    old = _gates.GATES["AdvKGate"]
    inside, go = threading.Event(), threading.Event()
    matrix = old.matrix

    def held(*args, **kwargs):
        if threading.current_thread().name == "filling":
            inside.set()
            go.wait(10)
        return matrix(*args, **kwargs)

    object.__setattr__(old, "matrix", held)
    t = threading.Thread(target=fill, name="filling")
    t.start()
    assert inside.wait(10)
    qml.define_gate("AdvKGate", 1, **RY2_LIKE)
    go.set()
    t.join(10)
    x = 0.37
    want = onp.array([[onp.cos(x), -onp.sin(x)], [onp.sin(x), onp.cos(x)]])
    assert onp.allclose(_gates.numeric_matrix_function("AdvKGate", 1)(x), want, atol=1e-14)
    assert _emit.gate_body("AdvKGate", 1) == inspect.unwrap(_emit.gate_body)("AdvKGate", 1)
    c = _circuit("adjoint")
    value, grad = _closed_form(RY2_LIKE, x)
    assert float(c(pnp.array(x))) == pytest.approx(value, abs=1e-12)
    assert float(qml.grad(c)(pnp.array(x, requires_grad=True))) == pytest.approx(grad, abs=1e-12)
# --- qml.minimize with the other optimizers ------------------------------------------------
@pytest.fixture(scope="module")
def bloch():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.RY(x[0], wires=0)
        return qml.expval(qml.Z(0))

    return c


@pytest.mark.parametrize("momentum", [None, 0.5])
def test_minimize_runs_the_natural_gradient_optimizers(bloch, momentum):
    # Before: ArgumentError "QNGOptimizer.apply_grad needs a metric tensor: call step
    # first" (qml.minimize never computed one). By hand: <Z> = cos x, d/dx = -sin x, the
    # metric tensor of RY on |0> is Var(Y/2) = 1/4, so QNG steps x <- x + 4 eta sin x
    # (with momentum: a <- m a - 4 eta sin x, x <- x - a).
    eta, x, a = 0.1, 0.4, 0.0
    if momentum is None:
        opt = qml.QNGOptimizer(eta)
    else:
        opt = qml.MomentumQNGOptimizer(eta, momentum=momentum)
        opt.step(bloch, pnp.array([2.0]))  # a used optimizer: minimize starts afresh
    costs = []
    for _ in range(5):
        costs.append(onp.cos(x))
        a = (momentum or 0.0) * a - 4 * eta * onp.sin(x)
        x = x - a
    costs.append(onp.cos(x))
    res = qml.minimize(bloch, [0.4], optimizer=opt, steps=5, progress=False)
    assert res.x[0] == pytest.approx(x, abs=1e-12)
    assert onp.allclose(res.cost_history, costs, atol=1e-12)
    assert not res.compiled and res.nit == 5


def test_minimize_with_qng_needs_a_qnode(bloch):
    with pytest.raises(qml.ArgumentError, match="must be a QNode"):
        qml.minimize(lambda x: 2 * bloch(x), [0.4], optimizer=qml.QNGOptimizer(0.1), steps=2)


@pytest.mark.parametrize("make", [lambda: qml.SPSAOptimizer(maxiter=5),
                                  lambda: qml.ShotAdaptiveOptimizer(min_shots=10),
                                  lambda: qml.RotosolveOptimizer()])
def test_minimize_refuses_optimizers_that_compute_their_own_update(bloch, make):
    # Before: AttributeError 'SPSAOptimizer' object has no attribute 'stepsize',
    # TypeError compute_grad() got an unexpected keyword argument 'grad_fn', and
    # "optimizer must be one of qsym's optimizers" for qsym's own RotosolveOptimizer.
    with pytest.raises(qml.ArgumentError, match=r"x = opt.step\(cost, x\)"):
        qml.minimize(bloch, [0.4], optimizer=make(), steps=2)


def test_minimize_runs_a_users_gradient_optimizer_without_a_stepsize(bloch):
    # Before: AttributeError (qml.minimize read .stepsize of any optimizer). By hand:
    # x <- x - rate * (-sin x).
    class Plain:
        rate = 0.3

        def compute_grad(self, objective_fn, args, kwargs, grad_fn=None):
            return (grad_fn(*args),), None

        def apply_grad(self, grad, args):
            return [args[0] - self.rate * grad[0]]

        def reset(self):
            pass

    x = 0.4
    for _ in range(4):
        x = x + 0.3 * onp.sin(x)
    res = qml.minimize(bloch, [0.4], optimizer=Plain(), steps=4, progress=False)
    assert res.x[0] == pytest.approx(x, abs=1e-12)


@pytest.mark.parametrize("names", [3, [1], ("n", 2.0), object()])
def test_static_argnames_that_are_not_names_are_an_argument_error(names):
    # Before: a bare TypeError ('int' object is not iterable) for 3, and [1] or ("n", 2.0)
    # accepted silently (no argument is named 1: nothing was static).
    def circuit(x, n=1):
        qml.RX(n * x, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.ArgumentError, match="static_argnames must be an argument name"):
        qml.QNode(circuit, qml.device("default.qubit", wires=1), static_argnames=names)
