"""Property-based differential testing (hypothesis): random circuits over the whole gate
table, every measurement type, several argument kinds; every gradient method (parameter shift,
adjoint, finite differences) must agree with the exact product-rule derivative, values
with the reference interpreter, and Hessians (up to 4 wires) with central differences of
the exact gradient.

CI runs a fixed, derandomized set (QSYM_PROPERTY_EXAMPLES, default 20). For a long run:

    QSYM_PROPERTY_EXAMPLES=2000 python -m pytest tests/test_property.py -q

Every failure found this way becomes a regression test in test_gradients.py.
"""

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qsym as qml
from qsym import ir, symbolic
from qsym.gates import GATES
from qsym.shapes import flat

from conftest import random_gate_spec

EXAMPLES = int(os.environ.get("QSYM_PROPERTY_EXAMPLES", "20"))
GATE_NAMES = sorted(GATES)


@st.composite
def circuits(draw):
    n = draw(st.integers(1, 8))
    n_ops = draw(st.integers(1, 10))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    ops = []
    for _ in range(n_ops):
        fitting = [g for g in GATE_NAMES if GATES[g].num_wires <= n
                   and not (g == "MultiControlledX" and n < 2)]
        name = fitting[rng.integers(0, len(fitting))]
        wires, hyper = random_gate_spec(rng, name, n)
        # each parameter: input index, a multiplier, an offset, and a processing kind
        params = [(int(rng.integers(0, 3)), float(rng.uniform(-2, 2)), float(rng.uniform(-1, 1)),
                   int(rng.integers(0, 4))) for _ in range(GATES[name].num_params)]
        ops.append((name, wires, hyper, params))
    kinds = draw(st.lists(st.sampled_from(["expval", "var", "probs", "hermitian"]),
                          min_size=1, max_size=3))
    meas = []
    for kind in kinds:
        k = int(rng.integers(1, min(n, 2) + 1))
        ws = [int(w) for w in rng.permutation(n)[:k]]
        letters = "".join("XYZ"[i] for i in rng.integers(0, 3, size=k))
        a = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
        meas.append((kind, ws, letters, float(rng.normal()), a + a.conj().T))
    scalar_y = draw(st.booleans())  # y as a Python float or a 0-d array
    return n, ops, meas, scalar_y, seed


def build(n, ops, meas):
    def fn(x, y, data=None):
        ins = [x[0], x[1], y]
        for name, wires, hyper, params in ops:
            values = []
            for i, a, b, kind in params:
                v = a * ins[i] + b
                if kind == 1:
                    v = qml.numpy.sin(v) * data[0]
                elif kind == 2:
                    v = v * ins[(i + 1) % 3]
                elif kind == 3:
                    v = 0.4  # a constant
                values.append(v)
            getattr(qml, name)(*values, wires=wires, **hyper)
        out = []
        for kind, ws, letters, c, herm in meas:
            obs = None
            for w, p in zip(ws, letters):
                o = getattr(qml, "Pauli" + p)(w)
                obs = o if obs is None else obs @ o
            obs = c * obs + data[1] * qml.PauliZ(ws[0])
            if kind == "expval":
                out.append(qml.expval(obs))
            elif kind == "var":
                out.append(qml.var(obs))
            elif kind == "probs":
                out.append(qml.probs(wires=ws))
            else:
                out.append(qml.expval(qml.Hermitian(herm, wires=ws)))
        return tuple(out)

    return fn


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(circuits())
def test_methods_agree_with_the_exact_derivative(case):
    n, ops, meas, scalar_y, seed = case
    fn = build(n, ops, meas)
    dev = qml.device("default.qubit", wires=n)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, 2)
    y = float(rng.uniform(-2, 2))
    y = y if scalar_y else np.array(y)
    data = rng.uniform(-1, 1, 2)
    jacs = {}
    for method in ("parameter-shift", "adjoint", "finite-diff"):
        node = qml.QNode(fn, dev, diff_method=method)
        out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
        jacs[method] = symbolic.compiled_jacobian(entry, out, jac)
    _, xs, ds = node.compiled((x, y), {"data": data})
    xf, df = flat(xs), flat(ds)
    values = node(x, y, data=data)
    flat_values = np.concatenate([np.atleast_1d(v) for v in values])
    np.testing.assert_allclose(flat_values, ir.simulate(entry.circuit, xf, df), atol=1e-10)
    exact = symbolic.exact_jacobian(entry.circuit, xf, df)
    for method, jac in jacs.items():
        np.testing.assert_allclose(jac, exact, atol=1e-9, err_msg=method)
    fd = symbolic.finite_difference_jacobian(entry.circuit, xf, df, h=1e-5)
    np.testing.assert_allclose(jacs["parameter-shift"], fd, atol=1e-6)
    if n <= 4:  # second derivatives: central differences of the exact gradient
        ps = qml.QNode(fn, dev)
        _, jac0, hess, _ = ps.flat_hessian((x, y), {"data": data}, (0, 1))
        h = 1e-5
        for k in range(3):
            e = np.zeros(3)
            e[k] = h

            def grad_at(v):
                return ps.flat_jacobian((v[:2], v[2]), {"data": data}, (0, 1))[1]

            v0 = np.concatenate([x, [float(y)]])
            col = (grad_at(v0 + e) - grad_at(v0 - e)) / (2 * h)
            np.testing.assert_allclose(hess[:, :, k], col, atol=1e-6, err_msg=f"Hessian col {k}")


# --- classical processing: value-dependent Python, singular points ----------------------
_ARITH = [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - 0.5 * b, lambda a, b: a / (2 + b * b),
    lambda a, b: qml.numpy.sin(a) + b, lambda a, b: qml.numpy.expm1(a) * b,
    lambda a, b: qml.numpy.arctan2(a, 1 + b * b), lambda a, b: qml.numpy.hypot(a, b),
]
_LOOKS = [
    lambda v, c: v == c, lambda v, c: v != c, lambda v, c: v < c, lambda v, c: v <= c,
    lambda v, c: v > c, lambda v, c: v >= c, lambda v, c: bool(v), lambda v, c: int(v),
    lambda v, c: float(v) > c, lambda v, c: round(v), lambda v, c: [0, 1, 2, 3][v],
    lambda v, c: qml.numpy.sign(v), lambda v, c: qml.numpy.maximum(v, c),
    lambda v, c: qml.numpy.array([v, c])[0] == c, lambda v, c: qml.numpy.array([v]) < c,
]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, len(_ARITH) - 1), st.integers(0, 2), st.integers(0, 2)),
                min_size=1, max_size=4),
       st.integers(0, len(_LOOKS) - 1), st.floats(-2, 2), st.lists(st.floats(-2, 2), min_size=3,
                                                                    max_size=3))
def test_value_dependent_python_is_refused_at_every_value(steps, look, c, point):
    """Any comparison or truth test of an expression of inputs is a TracingError at trace
    time, at every point (so no branch is ever compiled)."""
    def fn(x, y):
        vals = [x[0], x[1], y]
        for op, i, j in steps:
            vals.append(_ARITH[op](vals[-1 - i], vals[j]))
        if _LOOKS[look](vals[-1], c):
            qml.PauliX(wires=0)
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(fn, qml.device("default.qubit", wires=1))
    for x0, x1, y in (point, (c, c, c), (0.0, 0.0, 0.0)):
        try:
            node(np.array([x0, x1]), y)
        except qml.TracingError:
            continue
        raise AssertionError(f"no TracingError at {(x0, x1, y)}: a branch was compiled")


# (function, singular point): the value is finite there, its derivative is not
_SINGULAR = [("arcsin", 1.0), ("arcsin", -1.0), ("arccos", 1.0), ("arccos", -1.0),
             ("sqrt", 0.0), ("cbrt", 0.0), ("arccosh", 1.0)]


@settings(max_examples=min(EXAMPLES, 10), deadline=None, derandomize=True)
@given(st.sampled_from(_SINGULAR), st.floats(-3, 3),
       st.sampled_from(["parameter-shift", "adjoint"]))
def test_singular_points_of_the_classical_processing(case, y, method):
    """At a point where the classical processing's derivative is singular the value is
    computed (it equals NumPy's), the gradient by that input is inf or NaN (NumPy's chain
    rule gives the same), and the gradient by the other input is finite and right."""
    name, s = case

    def fn(x):
        qml.RY(x[1], wires=0)
        qml.RX(getattr(qml.numpy, name)(x[0]), wires=0)
        return qml.expval(qml.PauliZ(0))

    def reference(x0, x1):  # <Z> after RY(x1) then RX(t): cos(t) cos(x1)
        return np.cos(getattr(np, name)(x0)) * np.cos(x1)

    node = qml.QNode(fn, qml.device("default.qubit", wires=1), diff_method=method)
    x = np.array([s, y])
    assert abs(node(x) - reference(s, y)) < 1e-12
    g = qml.grad(node)(x)
    assert not np.isfinite(g[0])
    assert abs(g[1] - (-np.cos(getattr(np, name)(s)) * np.sin(y))) < 1e-10
