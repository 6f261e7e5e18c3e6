"""Differentiation methods agree: parameter shift, adjoint, finite differences, exact."""

import numpy as np
import pytest

import qsym as qml
from qsym import _symbolic as symbolic
from qsym._shapes import flat

from conftest import ALL_GATES, random_circuit_function

# three random circuits per width up to 3 wires, two at 4, one at 5 and 6 (the exact sympy
# Jacobian of a 4-6-wire circuit takes 20-30 s of the suite's budget)
CASES = [(seed, n) for n in (1, 2, 3, 4, 5, 6) for seed in range({4: 2, 5: 1, 6: 1}.get(n, 3))]


def _inputs(seed):
    r = np.random.default_rng(seed + 7)
    return r.uniform(-np.pi, np.pi, 3), float(r.uniform(-2, 2)), r.uniform(-1, 1, 2)


@pytest.mark.parametrize("seed,n_wires", CASES)
def test_adjoint_equals_parameter_shift_and_the_exact_derivative(seed, n_wires):
    fn = random_circuit_function(
        2000 + seed, n_wires, n_ops=4 + 2 * n_wires, n_meas=1 + seed % 2, gates=ALL_GATES
    )
    dev = qml.device("default.qubit", wires=n_wires)
    x, y, data = _inputs(seed)
    results = {}
    for method in ("parameter-shift", "adjoint", "best"):
        node = qml.QNode(fn, dev, diff_method=method)
        results[method] = node.value_and_jacobian((x, y), {"data": data})
    entry = results["adjoint"][2]
    _, xs, ds = qml.QNode(fn, dev).compiled((x, y), {"data": data})
    exact = symbolic.exact_jacobian(entry.circuit, flat(xs), flat(ds))
    for method, (out, jac, _) in results.items():
        np.testing.assert_allclose(jac, exact, atol=1e-10, err_msg=method)
        np.testing.assert_allclose(out, results["parameter-shift"][0], atol=1e-14)


def test_adjoint_through_grad_and_jacobian_shapes():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="adjoint")
    def c(w, b):
        qml.RY(w[0], wires=0)
        qml.CRX(w[1] * b, wires=[0, 1])
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))

    w, b = np.array([0.3, 0.9]), 0.5
    ja = qml.jacobian(c, argnum=[0, 1])(w, b)
    jp = qml.jacobian(qml.QNode(c.func, dev), argnum=[0, 1])(w, b)
    for ra, rp in zip(ja, jp):
        for a, p in zip(ra, rp):
            np.testing.assert_allclose(a, p, atol=1e-12)
    # <Z0> = cos(w0): closed form for the first row
    np.testing.assert_allclose(ja[0][0], [-np.sin(0.3), 0.0], atol=1e-12)


def test_best_uses_parameter_shift_when_custom_shifts_are_given():
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert qml.QNode(f, dev, diff_method="best").method == "adjoint"
    assert qml.QNode(f, dev, diff_method="best", shifts={"RX": 0.5}).method == "parameter-shift"
    assert qml.grad(qml.QNode(f, dev, diff_method="adjoint"), argnum=0)(0.4) == pytest.approx(-np.sin(0.4))


@pytest.mark.parametrize("seed,n_wires", [(s, n) for n in (1, 3, 5) for s in range(2)])
def test_fourth_order_finite_differences_agree_with_the_exact_methods_to_1e_10(seed, n_wires):
    fn = random_circuit_function(
        2500 + seed, n_wires, n_ops=4 + 2 * n_wires, n_meas=1 + seed % 2, gates=ALL_GATES
    )
    dev = qml.device("default.qubit", wires=n_wires)
    x, y, data = _inputs(seed)
    fd = qml.QNode(fn, dev, diff_method="finite-diff",
                   gradient_kwargs={"approx_order": 4, "strategy": "center", "h": 1e-3})
    _, jac_fd, _ = fd.value_and_jacobian((x, y), {"data": data})
    _, jac_ps, _ = qml.QNode(fn, dev).value_and_jacobian((x, y), {"data": data})
    np.testing.assert_allclose(jac_fd, jac_ps, atol=1e-10)


def test_finite_difference_circuits_count_the_parameters_pennylane_differentiates():
    """PennyLane's finite_diff steps each trainable tape parameter whose gradient is not
    known to be zero: one per gate parameter reading an argument (RX(x) and RY(2x): two)
    inside the light cone, one per coefficient; an argument nothing reads, or only a gate
    on an unmeasured, unentangled wire, is not stepped (derivative exactly 0)."""
    dev = qml.device("default.qubit", wires=3)

    def f(p):
        qml.RX(p[0], wires=0)
        qml.RY(2 * p[0], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RZ(p[1], wires=1)
        qml.RX(p[3], wires=2)  # outside the light cone of Z0 Z1
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    p = qml.numpy.array([0.3, 0.4, 0.5, 0.6], requires_grad=True)
    # 3 parameters to step: RX(p0), RY(2 p0), RZ(p1); value + unshifted (if the stencil has
    # it) + points per parameter
    for kw, runs in (({}, 1 + 1 + 3), ({"approx_order": 2, "strategy": "center"}, 1 + 3 * 2),
                     ({"approx_order": 2}, 1 + 1 + 3 * 2)):
        node = qml.QNode(f, dev, diff_method="finite-diff", **kw)
        with qml.Tracker(dev) as t:
            g = qml.grad(node)(p)
        assert t.totals["executions"] == runs, kw
        assert g[2] == 0.0 and g[3] == 0.0, kw
        # by hand: CNOT takes Z0 Z1 back to Z1, RZ is diagonal: <Z0 Z1> = cos(2 p0)
        exact = -2 * np.sin(0.6)
        assert abs(g[0] - exact) < 1e-6, kw
        assert qml.specs(node)(p)["executions"]["finite-diff"] == runs, kw


def test_finite_difference_orders_and_steps():
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    # PennyLane's finite_diff: default h=1e-7, approx_order=1, strategy="forward"; the
    # error of an order-k stencil is about h**k |f^(k+1)| plus rounding eps/h; circuits as
    # PennyLane 0.45.1 counts them (value, the unshifted one again if used, the shifted)
    exact = -np.sin(0.7)
    for kw, tol, runs in (({}, 1e-7, 1 + 1 + 1),
                          ({"strategy": "backward"}, 1e-7, 1 + 1 + 1),
                          ({"approx_order": 2}, 1e-8, 1 + 1 + 2),
                          ({"approx_order": 2, "strategy": "center", "h": 1e-5}, 1e-9, 1 + 2),
                          ({"approx_order": 4, "strategy": "center", "h": 1e-3}, 1e-11, 1 + 4),
                          ({"approx_order": 3, "h": 1e-3}, 1e-8, 1 + 1 + 3)):
        node = qml.QNode(f, dev, diff_method="finite-diff", **kw)
        assert abs(qml.grad(node, argnum=0)(0.7) - exact) < tol, kw
        with qml.Tracker(dev) as t:
            qml.grad(node, argnum=0)(0.7)
        assert t.totals["executions"] == runs, kw
    # the step is what the stencil says: a forward difference with a large h is off by
    # about h/2 |f''| (cos(0.7) / 2 * 0.1), a backward one by the same, opposite sign
    fwd = qml.grad(qml.QNode(f, dev, diff_method="finite-diff", h=0.1), argnum=0)(0.7)
    bwd = qml.grad(qml.QNode(f, dev, diff_method="finite-diff", h=0.1, strategy="backward"),
                   argnum=0)(0.7)
    assert fwd == pytest.approx((np.cos(0.8) - np.cos(0.7)) / 0.1, abs=1e-13)
    assert bwd == pytest.approx((np.cos(0.7) - np.cos(0.6)) / 0.1, abs=1e-13)
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(qml.DifferentiationError, match="Approximation order must be a positive integer"):
            qml.QNode(f, dev, diff_method="finite-diff", approx_order=bad)
    with pytest.raises(ValueError, match="Centered finite-difference requires an even order"):
        qml.QNode(f, dev, diff_method="finite-diff", gradient_kwargs={"approx_order": 3, "strategy": "center"})
    with pytest.raises(qml.DifferentiationError, match="Unknown strategy sideways"):
        qml.QNode(f, dev, diff_method="finite-diff", strategy="sideways")
    with pytest.raises(qml.DifferentiationError, match="step"):
        qml.QNode(f, dev, diff_method="finite-diff", h=0.0)
