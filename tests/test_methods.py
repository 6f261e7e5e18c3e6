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
def test_default_finite_differences_agree_with_the_exact_methods_to_1e_10(seed, n_wires):
    fn = random_circuit_function(
        2500 + seed, n_wires, n_ops=4 + 2 * n_wires, n_meas=1 + seed % 2, gates=ALL_GATES
    )
    dev = qml.device("default.qubit", wires=n_wires)
    x, y, data = _inputs(seed)
    _, jac_fd, _ = qml.QNode(fn, dev, diff_method="finite-diff").value_and_jacobian(
        (x, y), {"data": data})
    _, jac_ps, _ = qml.QNode(fn, dev).value_and_jacobian((x, y), {"data": data})
    np.testing.assert_allclose(jac_fd, jac_ps, atol=1e-10)


def test_finite_difference_orders_and_steps():
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    exact = -np.sin(0.7)
    for order, tol in ((1, 1e-6), (2, 1e-9), (4, 1e-11)):
        node = qml.QNode(f, dev, diff_method="finite-diff", approx_order=order)
        assert abs(qml.grad(node, argnum=0)(0.7) - exact) < tol
        with qml.Tracker(dev) as t:
            qml.grad(node, argnum=0)(0.7)
        assert t.totals["executions"] == 1 + order
    for bad in (3, 0):
        with pytest.raises(qml.DifferentiationError, match="approx_order"):
            qml.QNode(f, dev, diff_method="finite-diff", approx_order=bad)
    with pytest.raises(qml.DifferentiationError, match="step"):
        qml.QNode(f, dev, diff_method="finite-diff", h=0.0)
