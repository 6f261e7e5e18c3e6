"""Optimizers: the qubit-rotation tutorial's trajectories.

Two independent references: update loops written here from the formulas, with the closed-
form gradient of <Z> = cos(a) cos(b); and checkpoints of PennyLane 0.45.1's own trajectory
(computed once with PennyLane, pasted as literals: PennyLane is not a test dependency).
"""

import math

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def circuit(params):
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def cost(p):
    return math.cos(p[0]) * math.cos(p[1])


def exact_grad(p):
    return onp.array([-math.sin(p[0]) * math.cos(p[1]), -math.cos(p[0]) * math.sin(p[1])])


def reference(name, eta, steps=100):
    """The optimizer's rule, written out: yields (params after the step, cost before)."""
    p = onp.array([0.011, 0.012])
    a = onp.zeros(2)
    G = onp.zeros(2)
    f = onp.zeros(2)
    s = onp.zeros(2)
    for t in range(1, steps + 1):
        c = cost(p)
        if name == "GD":
            p = p - eta * exact_grad(p)
        elif name == "Momentum":
            a = 0.9 * a + eta * exact_grad(p)
            p = p - a
        elif name == "Nesterov":
            # PennyLane reports the objective where the gradient is taken: the shifted point
            c = cost(p - 0.9 * a)
            a = 0.9 * a + eta * exact_grad(p - 0.9 * a)
            p = p - a
        elif name == "Adagrad":
            g = exact_grad(p)
            G = G + g**2
            p = p - eta / onp.sqrt(G + 1e-8) * g
        elif name == "RMSProp":
            g = exact_grad(p)
            G = 0.9 * G + 0.1 * g**2
            p = p - eta / onp.sqrt(G + 1e-8) * g
        elif name == "Adam":
            g = exact_grad(p)
            f = 0.9 * f + 0.1 * g
            s = 0.99 * s + 0.01 * g**2
            lr = eta * math.sqrt(1 - 0.99**t) / (1 - 0.9**t)
            p = p - lr * f / (onp.sqrt(s) + 1e-8)
        yield p, c


OPTIMIZERS = {
    "GD": (qml.GradientDescentOptimizer, 0.4),
    "Momentum": (qml.MomentumOptimizer, 0.1),
    "Nesterov": (qml.NesterovMomentumOptimizer, 0.1),
    "Adagrad": (qml.AdagradOptimizer, 0.2),
    "RMSProp": (qml.RMSPropOptimizer, 0.1),
    "Adam": (qml.AdamOptimizer, 0.1),
}

# PennyLane 0.45.1, step_and_cost from np.array([0.011, 0.012], requires_grad=True):
# {step: (params after the step, cost before it)}
PENNYLANE = {
    "GD": {1: ([0.01539959447739377, 0.016799594410727106], 0.9998675058299389),
           10: ([0.3110966284046822, 0.3400208949364817], 0.9456836068791953),
           100: ([7.152663805329109e-18, 3.141592653589793], -1.0)},
    "Adam": {1: ([0.11099909083356344, 0.11199916660319148], 0.9998675058299389),
             10: ([0.9474768157495331, 0.949585227876083], 0.43772949365324587),
             100: ([0.0163406058006249, 3.167159341930709], -0.9992451962421677)},
    "Nesterov": {10: ([0.14380813141234985, 0.1569295248917219], 0.9813521267341698),
                 100: ([0.00014410481600405332, 3.141533789270977], -0.9999999850424653)},
    "RMSProp": {10: ([1.5513918205415336, 1.55428889993593], 0.0011562988104751315)},
    "Adagrad": {10: ([1.248045826754446, 1.2485839255630697], 0.13585292563754514),
                100: ([0.15157997082114644, 2.989312860272807], -0.9732476298981677)},
    "Momentum": {10: ([0.11289539205544677, 0.12317397415942649], 0.9919440107119105),
                 100: ([-0.010841602120728672, 3.1520576874253714], -0.9997125983711213)},
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_trajectory_matches_the_formulas_and_pennylane_at_every_step(name):
    # Near the optimum the adaptive methods divide by sqrt(G) ~ 1e-4, amplifying gradient
    # rounding (1e-17) to ~1e-10: they are compared to 1e-9; gradient descent to 1e-10.
    tol = 1e-10 if name in ("GD", "Momentum", "Nesterov") else 1e-9
    # RMSProp reaches the exact optimum by step ~50; there the gradient is ~1e-16 and the
    # update divides it by sqrt(G + eps) with G -> 0: a chaotic map in which any 1-ulp
    # difference of gradients grows (to 0.04 by step 90; PennyLane's own step-100 value is
    # another such path). Its trajectory is compared while it is well defined.
    steps = 50 if name == "RMSProp" else 100
    cls, eta = OPTIMIZERS[name]
    opt = cls(stepsize=eta)
    params = np.array([0.011, 0.012], requires_grad=True)
    for t, (want_p, want_c) in enumerate(reference(name, eta, steps), start=1):
        params, c = opt.step_and_cost(circuit, params)
        onp.testing.assert_allclose(params, want_p, rtol=0, atol=tol)
        assert c == pytest.approx(want_c, abs=tol)
        if t in PENNYLANE[name]:
            pl_p, pl_c = PENNYLANE[name][t]
            onp.testing.assert_allclose(params, pl_p, rtol=0, atol=tol)
            assert c == pytest.approx(pl_c, abs=tol)
    assert isinstance(params, np.tensor) and params.requires_grad


def test_step_updates_only_trainable_arguments_and_passes_keywords():
    dev2 = qml.device("default.qubit", wires=2)

    @qml.qnode(dev2)
    def c(w, fixed, scale=1.0):
        qml.RY(w[0] * scale, wires=0)
        qml.RX(fixed[0], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    opt = qml.GradientDescentOptimizer(0.1)
    w, fixed = np.array([0.5]), np.array([0.3], requires_grad=False)
    new_w, new_fixed = opt.step(c, w, fixed, scale=2.0)
    assert new_fixed is fixed
    # d/dw cos(2w) cos(0.3) = -2 sin(2w) cos(0.3)
    onp.testing.assert_allclose(new_w, w - 0.1 * (-2 * onp.sin(1.0) * onp.cos(0.3)), atol=1e-12)
    # a user-supplied gradient function is used as given
    new = qml.GradientDescentOptimizer(1.0).step(c, w, fixed, grad_fn=lambda *a, **k: onp.array([1.0]))
    onp.testing.assert_allclose(new[0], w - 1.0)


# --- return types: PennyLane 0.45.1's (optimize/gradient_descent.py: apply_grad returns
# list(args) with the trainable entries replaced; step and step_and_cost unwrap a
# one-argument list) -------------------------------------------------------------------------
def _two_arg_cost(x, y):
    return np.sum(np.sin(x)) * y


OPTIMIZER_CLASSES = [qml.GradientDescentOptimizer, qml.MomentumOptimizer, qml.NesterovMomentumOptimizer,
              qml.AdagradOptimizer, qml.RMSPropOptimizer, qml.AdamOptimizer]


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
def test_step_return_types_follow_pennylane(cls):
    x = np.array([0.1, 0.2])
    y = np.array(0.3)
    frozen = np.array(0.3, requires_grad=False)
    one = cls(0.1).step(lambda a: np.sum(np.sin(a)), x)
    assert isinstance(one, np.tensor) and one.shape == (2,) and one.requires_grad
    both = cls(0.1).step(_two_arg_cost, x, y)
    assert type(both) is list and len(both) == 2  # a list, as PennyLane's apply_grad
    assert both[0].shape == (2,) and np.shape(both[1]) == ()
    new, cost = cls(0.1).step_and_cost(_two_arg_cost, x, frozen)
    assert type(new) is list and new[1] is frozen  # non-trainable: passed through, the same object
    assert cost == pytest.approx(float(onp.sum(onp.sin([0.1, 0.2])) * 0.3))
    plain = cls(0.1).step(_two_arg_cost, x, 0.3)  # a plain float is not trainable either
    assert type(plain) is list and plain[1] == 0.3
    applied = cls(0.1).apply_grad((onp.array([1.0, 1.0]),), (x, frozen))
    assert type(applied) is list and applied[1] is frozen


def test_gradient_descent_step_values_by_hand():
    x, y = np.array([0.1, 0.2]), np.array(0.3)
    gx, gy = 0.3 * onp.cos([0.1, 0.2]), onp.sum(onp.sin([0.1, 0.2]))  # d/dx, d/dy of sum(sin x) y
    new_x, new_y = qml.GradientDescentOptimizer(0.1).step(_two_arg_cost, x, y)
    onp.testing.assert_allclose(new_x, [0.1, 0.2] - 0.1 * gx, atol=1e-14)
    assert float(new_y) == pytest.approx(0.3 - 0.1 * gy, abs=1e-14)


def test_pennylane_qng_module_path_imports():
    """``from pennylane.optimize.qng import ...`` (PennyLane's test_qng and test_rotosolve
    import its flattening helpers so) works with the import switched."""
    from qsym.optimize.qng import QNGOptimizer, _flatten_np, _unflatten_np

    assert QNGOptimizer is qml.QNGOptimizer
    model = [np.zeros((2, 2)), (0.0, [np.zeros(1)])]
    flat = list(_flatten_np([np.array([[1.0, 2.0], [3.0, 4.0]]), (5.0, [np.array([6.0])])]))
    assert flat == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    back = _unflatten_np(onp.array(flat), model)
    onp.testing.assert_array_equal(back[0], [[1.0, 2.0], [3.0, 4.0]])
    assert back[1][0] == 5.0 and back[1][1][0].tolist() == [6.0]
    # a model that is neither a number, an array nor a sequence: PennyLane's TypeError
    with pytest.raises(TypeError, match="Unsupported type in the model"):
        _unflatten_np(onp.array(flat), lambda x: x)
    with pytest.raises(TypeError, match="Unsupported type in the model"):
        _unflatten_np(onp.array(flat), [np.zeros(2), object()])
