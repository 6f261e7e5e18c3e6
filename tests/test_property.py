"""Property-based differential testing (hypothesis): random circuits over the whole gate
table, every measurement type, several argument kinds; every gradient method (parameter shift,
adjoint, finite differences) must agree with the exact product-rule derivative, values
with the reference interpreter, and Hessians (up to 4 wires) with central differences of
the exact gradient. A second property compares the exact API (qml.expectation /
qml.gradient: sympy closed forms of the whole state) with the numeric values and
Jacobians for every measurement kind, on 1-2 wire circuits (sympy is slow).

CI runs a fixed, derandomized set (QSYM_PROPERTY_EXAMPLES, default 20). For a long run:

    QSYM_PROPERTY_EXAMPLES=2000 python -m pytest tests/test_property.py -q

Every failure found this way becomes a regression test in test_gradients.py.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qsym as qml
from qsym import _ir as ir, _symbolic as symbolic
from qsym._gates import GATES
from qsym._shapes import flat

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
    kinds = draw(st.lists(st.sampled_from(["expval", "var", "probs", "hermitian",
                                           "hermitian_var"]), min_size=1, max_size=3))
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
            if kind in ("expval", "var"):  # (gates made into an unmeasured operator: refused)
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
            elif kind == "hermitian":  # a complex Hermitian matrix
                out.append(qml.expval(qml.Hermitian(herm, wires=ws)))
            else:
                out.append(qml.var(qml.Hermitian(herm, wires=ws)))
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
        fd = {"approx_order": 4, "strategy": "center", "h": 1e-3} if method == "finite-diff" else {}
        node = qml.QNode(fn, dev, diff_method=method, **fd)
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


EXACT_GATES = [g for g in GATE_NAMES if GATES[g].num_wires <= 2 and GATES[g].num_wires != 0]
EXACT_KINDS = ["expval_word", "expval_sum", "expval_hamiltonian", "expval_hermitian",
               "expval_projector", "var_word", "var_sum", "var_hamiltonian", "var_hermitian",
               "var_projector", "probs_one", "probs_all"]


@st.composite
def small_circuits(draw):
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    fitting = [g for g in EXACT_GATES if GATES[g].num_wires <= n]
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        name = fitting[rng.integers(0, len(fitting))]
        wires, hyper = random_gate_spec(rng, name, n)
        ops.append((name, wires, hyper, [(int(rng.integers(0, 2)), float(rng.uniform(-2, 2)))
                                         for _ in range(GATES[name].num_params)]))
    kinds = draw(st.lists(st.sampled_from(EXACT_KINDS), min_size=1, max_size=2))
    meas = []
    for kind in kinds:
        k = int(rng.integers(1, n + 1))
        ws = [int(w) for w in rng.permutation(n)[:k]]
        a = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
        v = rng.normal(size=2**k) + 1j * rng.normal(size=2**k)
        meas.append((kind, ws, "".join("XYZ"[i] for i in rng.integers(0, 3, size=k)),
                     float(rng.normal()), a + a.conj().T, v / np.linalg.norm(v)))
    return n, ops, meas, seed


def build_small(n, ops, meas):
    def fn(x):
        for name, wires, hyper, params in ops:
            getattr(qml, name)(*[a * x[i] for i, a in params], wires=wires, **hyper)
        out = []
        for kind, ws, letters, c, herm, vec in meas:
            what, form = kind.split("_")
            word = None
            for w, p in zip(ws, letters) if form in ("word", "sum", "hamiltonian") else ():
                o = getattr(qml, "Pauli" + p)(w)  # (only where measured: see build)
                word = o if word is None else word @ o
            obs = {
                "word": lambda: word,
                "sum": lambda: c * word + qml.PauliZ(ws[0]),
                "hamiltonian": lambda: qml.Hamiltonian([c, 0.5], [word, qml.PauliX(ws[-1])]),
                "hermitian": lambda: qml.Hermitian(herm, wires=ws),
                "projector": lambda: qml.Projector(vec, wires=ws),
                "one": lambda: None,
                "all": lambda: None,
            }[form]()
            if what == "probs":
                out.append(qml.probs(wires=ws[:1] if form == "one" else ws))
            else:
                out.append(getattr(qml, what)(obs))
        return tuple(out) if len(out) > 1 else out[0]

    return fn


# --- many wires (issue #15, items 8 and 9) ------------------------------------------------
# Probabilities over all of 5-10 wires, projectors, and gates on many wires (PauliRot and
# MultiRZ on 5-8 wires, MultiControlledX, PCPhase), which qsym applies in structured forms
# (qsym._gates.structured) and measures as marginals: values against the reference
# interpreter, both exact methods against fourth-order central differences of it (errors
# about 1e-12) and against each other. Few examples: each compiles two circuits.
WIDE_EXAMPLES = max(2, EXAMPLES // 5)
WIDE_GATES = ("PauliRot", "MultiRZ", "MultiControlledX", "PCPhase")


@st.composite
def wide_circuits(draw):
    n = draw(st.integers(5, 10))
    seed = draw(st.integers(0, 2**31 - 1))
    names = draw(st.lists(st.sampled_from(WIDE_GATES), min_size=1, max_size=3))
    kinds = draw(st.lists(st.sampled_from(["probs", "probs_all", "projector", "var_projector"]),
                          min_size=1, max_size=2))
    return n, seed, names, kinds


def build_wide(n, seed, names, kinds):
    rng = np.random.default_rng(seed)
    gates_ = []
    for name in names:
        lo, hi = {"PauliRot": (5, 8), "MultiRZ": (5, 8), "MultiControlledX": (3, n),
                  "PCPhase": (3, 6)}[name]
        k = int(rng.integers(lo, min(hi, n) + 1))
        wires = [int(w) for w in rng.permutation(n)[:k]]
        hyper = {}
        if name == "PauliRot":
            hyper["pauli_word"] = "".join("IXYZ"[i] for i in rng.integers(0, 4, size=k))
        elif name == "PCPhase":
            hyper["dim"] = int(rng.integers(0, 2**k + 1))
        elif name == "MultiControlledX":
            hyper["control_values"] = [int(b) for b in rng.integers(0, 2, size=k - 1)]
        gates_.append((name, wires, hyper, int(rng.integers(0, 3)), float(rng.uniform(-2, 2))))
    meas = []
    for kind in kinds:
        k = int(rng.integers(1, 5))
        ws = [int(w) for w in rng.permutation(n)[:k]]
        meas.append((kind, ws, [int(b) for b in rng.integers(0, 2, size=k)]))

    def fn(x):
        for w in range(n):
            qml.RY(x[w % 3] * (w + 1) / 3, wires=w)
            qml.RZ(0.3 * w, wires=w)
        for name, wires, hyper, i, a in gates_:
            params = [] if name == "MultiControlledX" else [a * x[i] + 0.2]
            getattr(qml, name)(*params, wires=wires, **hyper)
            qml.RX(x[(i + 1) % 3], wires=wires[0])
        out = []
        for kind, ws, bits in meas:
            if kind == "probs_all":
                out.append(qml.probs())
            elif kind == "probs":
                out.append(qml.probs(wires=ws))
            elif kind == "projector":
                out.append(qml.expval(qml.Projector(bits, wires=ws)))
            else:
                out.append(qml.var(qml.Projector(bits, wires=ws)))
        return tuple(out)

    return fn


def _evaluate(value, names):
    import sympy as sp

    if isinstance(value, (tuple, list)):
        return [_evaluate(v, names) for v in value]
    if isinstance(value, sp.NDimArray):
        return np.array([_evaluate(v, names) for v in value], dtype=float).reshape(value.shape)
    expr = sp.sympify(value)
    return float(expr.xreplace({s: names[s.name] for s in expr.free_symbols}))


@settings(max_examples=max(EXAMPLES // 10, 2), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_circuits())
def test_exact_api_agrees_with_the_numeric_results(case):
    n, ops, meas, seed = case
    node = qml.QNode(build_small(n, ops, meas), qml.device("default.qubit", wires=n))
    x = np.random.default_rng(seed).uniform(-np.pi, np.pi, 2)
    names = {"x[0]": x[0], "x[1]": x[1]}
    values = node(x)
    jac = qml.jacobian(node, argnum=0)(x)
    exact = _evaluate(qml.expectation(node, x, simplify=False), names)
    exact_jac = _evaluate(qml.gradient(node, x, simplify=False), names)
    if len(meas) == 1:
        values, jac, exact, exact_jac = (values,), (jac,), (exact,), (exact_jac,)
    for v, j, e, ej in zip(values, jac, exact, exact_jac):
        assert np.shape(e) == np.shape(v) and np.shape(ej) == np.shape(j)
        np.testing.assert_allclose(e, v, atol=1e-10)
        np.testing.assert_allclose(ej, j, atol=1e-9)


@settings(max_examples=WIDE_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(wide_circuits())
def test_many_wire_gates_and_measurements_agree_with_the_reference(case):
    n, seed, names, kinds = case
    fn = build_wide(n, seed, names, kinds)
    dev = qml.device("default.qubit", wires=n)
    x = np.random.default_rng(seed).uniform(-np.pi, np.pi, 3)
    jacs = {}
    for method in ("parameter-shift", "adjoint"):
        node = qml.QNode(fn, dev, diff_method=method)
        out, jac, entry = node.value_and_jacobian((x,), {})
        jacs[method] = symbolic.compiled_jacobian(entry, out, jac)
        # nothing printed grows like 4^k: a few thousand characters plus the tables
        assert len(entry.source) < 60_000 + 64 * 2**n
    values = node(x)
    flat_values = np.concatenate([np.atleast_1d(v) for v in values])
    circuit = entry.circuit
    np.testing.assert_allclose(flat_values, ir.simulate(circuit, x), atol=1e-12)
    h = 1e-3
    fd = np.zeros_like(jacs["adjoint"])
    for j in range(3):
        for offset, weight in ((-2, 1 / 12), (-1, -2 / 3), (1, 2 / 3), (2, -1 / 12)):
            fd[:, j] += weight * ir.simulate(circuit, x + offset * h * np.eye(3)[j]) / h
    for method, jac in jacs.items():
        np.testing.assert_allclose(jac, fd, atol=1e-8, err_msg=method)
    np.testing.assert_allclose(jacs["parameter-shift"], jacs["adjoint"], atol=1e-11)


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

    node = qml.QNode(fn, qml.device("default.qubit", wires=1), trace="once")
    for x0, x1, y in (point, (c, c, c), (0.0, 0.0, 0.0)):
        try:
            node(np.array([x0, x1]), y)
        except qml.TracingError:
            continue
        raise AssertionError(f"no TracingError at {(x0, x1, y)}: a branch was compiled")


@settings(max_examples=min(EXAMPLES, 10), deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, len(_ARITH) - 1), st.integers(0, 2), st.integers(0, 2)),
                min_size=1, max_size=4),
       st.integers(0, len(_LOOKS) - 1), st.floats(-2, 2), st.lists(st.floats(-2, 2), min_size=3,
                                                                    max_size=3))
def test_value_dependent_python_runs_per_call_with_the_branch_of_each_call(steps, look, c, point):
    """The same functions with trace="auto": traced at every call, each call takes the
    branch Python takes on its numbers (computed here on plain floats), value and
    gradient by x[0] (RX(x[0]), <Z> = +-cos x[0]); where Python on the numbers raises,
    the QNode raises the same error type."""
    def chain(x, y):
        vals = [x[0], x[1], y]
        for op, i, j in steps:
            vals.append(_ARITH[op](vals[-1 - i], vals[j]))
        return _LOOKS[look](vals[-1], c)

    def fn(x, y):
        if chain(x, y):
            qml.PauliX(wires=0)
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(fn, qml.device("default.qubit", wires=1))
    for x0, x1, y in (point, (c, c, c), (0.0, 0.0, 0.0)):
        try:
            with np.errstate(all="ignore"):
                sign = -1.0 if chain(np.array([x0, x1]), y) else 1.0
        except Exception as exc:  # noqa: BLE001 (Python itself refuses these numbers)
            with pytest.raises(type(exc)):
                node(np.array([x0, x1]), y)
            continue
        assert float(node(np.array([x0, x1]), y)) == pytest.approx(sign * np.cos(x0), abs=1e-12)
        if _LOOKS[look] not in _BY_VALUE:  # a decision only: the input still in its gate
            g = qml.grad(node, argnum=0)(np.array([x0, x1]), y)
            assert np.allclose(g, [-sign * np.sin(x0), 0.0], atol=1e-12)


# the looks that take the number out of the trace (a derivative by the inputs is refused)
_BY_VALUE = [_LOOKS[i] for i in (7, 8, 9, 10, 11, 12)]


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
    g = qml.grad(node, argnum=0)(x)
    assert not np.isfinite(g[0])
    assert abs(g[1] - (-np.cos(getattr(np, name)(s)) * np.sin(y))) < 1e-10
