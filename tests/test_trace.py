"""The tracer's value type (qsym._trace.Traced) and NumPy's elementwise functions on it.

- Anything that looks at the value of a traced input (or of an expression of inputs) is a
  TracingError at trace time, for every value: never one branch compiled silently.
- Every NumPy ufunc is either given its exact sympy form, checked here against NumPy
  (values) and against finite differences of NumPy (derivatives), or refused with a
  TracingError naming it.
- Singular points of the classical processing: the value is computed; the gradient is
  inf/nan (as NumPy's chain rule gives it), or an ArgumentError for finite differences.
"""

import math

import numpy as onp
import pytest
import sympy as sp

import qsym as qml
from qsym import numpy as np
from qsym import _trace as trace
from qsym._trace import Traced, TracedSymbol

dev1 = qml.device("default.qubit", wires=1)


# --- value-dependent Python is refused for every value --------------------------------
def _branches(x, y):
    """Constructs that choose by the value of a traced input; each returns a bool/int."""
    return {
        "eq on an expression": lambda: x - 1 == 0,
        "ne": lambda: x != 0.5,
        "lt": lambda: x < 1,
        "ge on a product": lambda: x * y >= 0.1,
        "truth of an expression": lambda: bool(x * y),
        "truth of a numpy result": lambda: bool(np.sin(x)),
        "comparison of numpy results": lambda: np.cos(x) > np.sin(y),
        "int": lambda: int(x),
        "float": lambda: float(x + y),
        "round": lambda: round(x),
        "math.sin": lambda: math.sin(x),
        "math.floor": lambda: math.floor(x),
        "index": lambda: [0, 1, 2][x],
        "range": lambda: len(range(x)),
        "in a list": lambda: x in [0.5, 1.0],
        "in a set": lambda: x in {0.5, 1.0},
        "dict key": lambda: {x: 1}.get(1.0, 0),
        "python max": lambda: max(x, 0.5),
        "modulo": lambda: x % 1.0,
        "floor division": lambda: x // 1.0,
        "numpy sign": lambda: np.sign(x),
        "numpy maximum": lambda: np.maximum(x, 0.0),
        "numpy clip": lambda: np.clip(x, 0.0, 1.0),
        "array equality": lambda: bool(np.array([x, y]) == 0),
        "array element comparison": lambda: np.array([x, y])[0] < np.array([x, y])[1],
        "plain numpy isclose": lambda: onp.isclose(x, 1.0),
        "formatting": lambda: f"{x:.3f}",
    }


@pytest.mark.parametrize("kind", sorted(_branches(0, 0)))
def test_every_look_at_a_traced_value_is_a_tracing_error_at_every_value(kind):
    @qml.qnode(dev1, trace="once")  # (trace="auto" traces such a function at every call)
    def c(x, y):
        if _branches(x, y)[kind]():
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    # at 1.0 the branch `x - 1 == 0` would be taken, at 0.3 not: both are refused, so no
    # branch is ever compiled (on main the first call's branch was reused for the other)
    for x in (0.3, 1.0):
        with pytest.raises(qml.TracingError, match="static_argnames") as info:
            c(x, 0.2)
        assert "traced" in str(info.value)


def test_the_message_names_the_construct_and_the_inputs():
    @qml.qnode(dev1, trace="once")
    def c(x, y):
        if x - 1 == 0:
            qml.PauliX(wires=0)
        qml.RX(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match=r"`x - 1 == 0` needs the value of the traced "
                                               r"input\(s\) x,"):
        c(1.0, 0.2)


def test_a_data_keyword_argument_used_by_value_becomes_static_as_static_argnames():
    def body(x, flip=0.0):
        if flip - 0.5 > 0:
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    # a data keyword argument whose value the function needs is made static (PennyLane runs
    # the function on the values): each value traces again and gives PennyLane's answer
    learned = qml.QNode(body, dev1)
    assert learned(0.3, flip=1.0) == pytest.approx(-onp.cos(0.3), abs=1e-12)
    assert learned(0.3, flip=0.0) == pytest.approx(onp.cos(0.3), abs=1e-12)
    with pytest.raises(qml.TracingError, match="flip"):  # a positional float stays traced
        qml.QNode(lambda x, flip: body(x, flip), dev1, trace="once")(0.3, 1.0)
    static = qml.QNode(body, dev1, static_argnames=["flip"])
    assert static(0.3, flip=1.0) == pytest.approx(-onp.cos(0.3), abs=1e-12)
    assert static(0.3, flip=0.0) == pytest.approx(onp.cos(0.3), abs=1e-12)


def test_a_traced_value_as_a_wire_is_refused():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(0.3, wires=x)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="wire"):
        c(1.0)


def test_what_is_not_a_look_at_the_value_still_works():
    x = Traced(TracedSymbol("x"))
    assert (x == None) is False  # noqa: E711  (a number is never None, at any value)
    assert (x != "a") is True
    assert x is not None
    zero = 0 * x  # no input left in it: a constant converts normally
    assert zero == 0 and not bool(zero) and float(zero + 2) == 2.0
    assert x.real is x and x.conj() is x and np.shape(x) == ()
    # arithmetic and reductions give traced values with the exact expression
    def expr(v):  # qsym.numpy's reductions of a tensor give 0-d tensors
        v = v[()] if isinstance(v, onp.ndarray) else v
        assert isinstance(v, Traced)
        return v.expr

    v = np.array([x, 2 * x])
    assert sp.simplify(expr(np.sum(v)) - 3 * x.expr) == 0
    assert sp.simplify(expr(np.dot(v, [1.0, 0.5])) - 2 * x.expr) == 0
    assert sp.simplify(expr(v @ v) - 5 * x.expr**2) == 0
    assert sp.simplify(expr(onp.mean(onp.array([x, 2 * x]))) - 1.5 * x.expr) == 0


# --- NumPy's ufuncs ---------------------------------------------------------------------
UFUNC_NAMES = sorted(n for n in dir(onp) if isinstance(getattr(onp, n), onp.ufunc))
SUPPORTED = sorted(n for n in UFUNC_NAMES if trace.UFUNC_ALIASES.get(n, n) in trace.UFUNCS)
REFUSED = sorted(set(UFUNC_NAMES) - set(SUPPORTED) - {"matmul", "vecdot", "matvec", "vecmat"})


def _points(name):
    """Points inside the function's domain (and off its singular points)."""
    key = trace.UFUNC_ALIASES.get(name, name)
    if key == "arccosh":
        return [(1.3,), (2.1,)]
    nin = trace.UFUNCS[key][0]
    if nin == 2:
        return [(0.3, 0.7), (0.8, 0.45), (-0.6, 0.35)] if key not in ("power", "float_power") \
            else [(0.3, 0.7), (0.8, -1.45)]
    if key in ("arcsin", "arccos", "arctanh", "log", "log2", "log10", "sqrt"):
        return [(0.3,), (0.72,)]
    return [(0.3,), (0.72,), (-0.55,)]


def test_the_ufunc_lists_are_complete():
    assert len(SUPPORTED) >= 50  # names, with NumPy's aliases
    for name in ("expm1", "log1p", "log2", "deg2rad", "hypot", "arctan2", "cbrt", "exp2"):
        assert name in SUPPORTED
    assert set(trace.UFUNCS) <= set(UFUNC_NAMES)


@pytest.mark.parametrize("name", SUPPORTED)
def test_supported_ufunc_matches_numpy_and_its_derivative_finite_differences(name):
    syms = [TracedSymbol(f"u{i}") for i in range(2)]
    npfn = getattr(onp, name)
    for point in _points(name):
        args = [Traced(s) for s in syms[: len(point)]]
        out = getattr(np, name)(*args)
        assert isinstance(out, Traced), name
        # plain NumPy on a traced value gives the same expression (__array_ufunc__), and
        # so does NumPy's object loop on an object array of traced values
        assert getattr(onp, name)(*args).expr == out.expr
        arrays = [onp.array([a, a], dtype=object) for a in args]
        assert getattr(np, name)(*arrays)[1].expr == out.expr
        if any("O" in t for t in npfn.types):  # (no object loop: float_power, logaddexp)
            assert getattr(onp, name)(*arrays)[1].expr == out.expr
        values = {s: sp.Float(v, 30) for s, v in zip(syms, point)}
        got = complex(out.expr.xreplace(values).evalf(20))
        want = npfn(*point)
        assert got.imag == 0 and got.real == pytest.approx(want, rel=1e-13, abs=1e-14), point
        # and lambdify (the numeric printer) agrees
        f = sp.lambdify(syms[: len(point)], out.expr, modules="numpy")
        assert f(*point) == pytest.approx(want, rel=1e-13, abs=1e-14)
        for k in range(len(point)):
            d = complex(sp.diff(out.expr, syms[k]).xreplace(values).evalf(20)).real
            h = 1e-6
            up = list(point)
            dn = list(point)
            up[k] += h
            dn[k] -= h
            fd = (npfn(*up) - npfn(*dn)) / (2 * h)
            assert d == pytest.approx(fd, rel=1e-6, abs=1e-7), (point, k)


@pytest.mark.parametrize("name", REFUSED)
def test_other_ufuncs_are_refused_by_name(name):
    x = Traced(TracedSymbol("x"))
    nin = getattr(onp, name).nin
    with pytest.raises(qml.TracingError, match=rf"numpy\.{name}\b|needs the value"):
        getattr(np, name)(*([x] * nin))
    canonical = getattr(onp, name).__name__  # np.mod is remainder, bitwise_not is invert
    with pytest.raises(qml.TracingError, match=rf"numpy\.{canonical}\b|needs the value"):
        getattr(onp, name)(*([x] * nin))


def test_sinc_is_exact_including_at_zero():
    s = TracedSymbol("s")
    e = np.sinc(Traced(s)).expr
    for v in (0.0, 0.3, -1.7):
        assert complex(e.xreplace({s: sp.Float(v)})).real == pytest.approx(onp.sinc(v), abs=1e-15)
        d = complex(sp.diff(e, s).xreplace({s: sp.Float(v)})).real
        h = 1e-6
        assert d == pytest.approx((onp.sinc(v + h) - onp.sinc(v - h)) / (2 * h), abs=1e-8)


def test_reductions_of_a_traced_scalar_use_numpy_object_loops():
    x = Traced(TracedSymbol("x"))
    assert np.prod(x) is x and onp.max(x) is x
    assert onp.prod(onp.array([x, 2 * x])).expr == 2 * x.expr**2
    with pytest.raises(qml.TracingError, match="needs the value"):
        onp.max(onp.array([x, 2 * x]))  # a choice between two values


def test_sympy_expressions_stay_sympy_and_numbers_stay_numpy():
    a = sp.Symbol("a")
    assert np.expm1(a) == sp.exp(a) - 1 and isinstance(np.expm1(a), sp.Basic)
    assert np.hypot(3.0, 4.0) == 5.0 and np.log1p(onp.array([0.0]))[0] == 0.0


# compiled end to end: a reference written independently with NumPy matrices
def _rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def _ry(t):
    return onp.array([[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]])


def _reference(angles):
    state = onp.array([1.0, 0.0], dtype=complex)
    for k, t in enumerate(angles):
        state = (_rx(t) if k % 2 == 0 else _ry(t)) @ state
    return float(abs(state[0]) ** 2 - abs(state[1]) ** 2)


def _angles(x, lib):
    return [
        lib.expm1(x[0]), lib.log1p(x[1]), lib.log2(x[2]), lib.exp2(x[0]),
        lib.hypot(x[0], x[1]), lib.arctan2(x[1], x[2]), lib.logaddexp(x[0], x[2]),
        lib.cbrt(x[0] - x[1]), lib.deg2rad(60 * x[2]), lib.rad2deg(x[1]) / 50,
        lib.reciprocal(x[2]), lib.log10(x[1] + 1), lib.sinc(x[0]), lib.sinc(x[1] - x[1]),
    ]


@qml.qnode(dev1)
def many_functions(x):
    for k, t in enumerate(_angles(x, np)):
        (qml.RX if k % 2 == 0 else qml.RY)(t, wires=0)
    return qml.expval(qml.PauliZ(0))


@pytest.mark.parametrize("x", [[0.3, 0.7, 0.9], [-0.4, 0.2, 1.6]])
def test_compiled_circuit_of_many_numpy_functions_value_and_gradient(x):
    x = onp.array(x)
    assert many_functions(x) == pytest.approx(_reference(_angles(x, onp)), abs=1e-12)
    h = 1e-6
    fd = []
    for k in range(3):
        e = onp.zeros(3)
        e[k] = h
        fd.append((_reference(_angles(x + e, onp)) - _reference(_angles(x - e, onp))) / (2 * h))
    onp.testing.assert_allclose(qml.grad(many_functions, argnum=0)(x), fd, atol=1e-7)


@pytest.mark.parametrize("x", [[0.3, 0.4], [0.0, 0.0], [-0.5, -0.2], [0.7, 0.0]])
def test_arctan2_replays_as_numpy_computes_it(x):
    # the replay at zero compared sympy's atan2(0, 0) = nan with NumPy's 0 and refused
    @qml.qnode(dev1)
    def c(x):
        qml.RX(np.arctan2(x[0], x[1]), wires=0)
        return qml.expval(qml.PauliZ(0))

    x = onp.array(x)
    assert c(x) == pytest.approx(onp.cos(onp.arctan2(x[0], x[1])), abs=1e-12)
    if x[0] or x[1]:
        r2 = x[0] ** 2 + x[1] ** 2
        want = -onp.sin(onp.arctan2(x[0], x[1])) * onp.array([x[1], -x[0]]) / r2
        onp.testing.assert_allclose(qml.grad(c, argnum=0)(x), want, atol=1e-12)


# --- singular points of the classical processing ----------------------------------------
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_value_at_a_singular_point_is_computed_and_the_gradient_is_inf_or_nan(method):
    @qml.qnode(dev1, diff_method=method)
    def c(x):
        qml.RX(np.arcsin(x[0]), wires=0)
        qml.RY(np.sqrt(x[1]), wires=0)
        return qml.expval(qml.PauliZ(0))

    for x0, x1 in ((1.0, 0.0), (-1.0, 0.25), (0.5, 0.0)):
        x = onp.array([x0, x1])
        want = onp.cos(onp.arcsin(x0)) * onp.cos(onp.sqrt(x1))
        assert c(x) == pytest.approx(want, abs=1e-12)  # main: ZeroDivisionError
        g = qml.grad(c, argnum=0)(x)
        # d/dx0 = -sin(arcsin x0) / sqrt(1-x0^2) cos(sqrt x1): -+inf at x0 = +-1;
        # d/dx1 = cos(arcsin x0) * (-sin(sqrt x1)) / (2 sqrt x1):
        # 0/0 at x1 = 0, NaN as NumPy's chain rule gives it
        if abs(x0) == 1.0:
            assert g[0] == -onp.sign(x0) * onp.inf
        else:
            dx0 = -onp.sin(onp.arcsin(x0)) / onp.sqrt(1 - x0**2) * onp.cos(onp.sqrt(x1))
            assert g[0] == pytest.approx(dx0, abs=1e-12)
        if x1 == 0.0:
            assert not onp.isfinite(g[1])
        else:
            dx1 = onp.cos(onp.arcsin(x0)) * -onp.sin(onp.sqrt(x1)) / (2 * onp.sqrt(x1))
            assert g[1] == pytest.approx(dx1, abs=1e-12)


def test_finite_differences_at_the_edge_of_the_domain_step_the_angle():
    """Finite differences step the gate's angle ``arcsin(x)`` (PennyLane's tape parameter),
    not ``x``: at ``x = 1`` no step leaves arcsin's domain (stepping x did: an
    ArgumentError), and the exact ``d arcsin / dx = inf`` chains them. ``<Z> = cos(arcsin x)
    = sqrt(1 - x^2)``, whose derivative ``-x / sqrt(1 - x^2)`` is -inf there: PennyLane
    0.45.1 (/work/plvenv) gives -inf too."""
    @qml.qnode(dev1, diff_method="finite-diff")
    def c(x):
        qml.RX(np.arcsin(x), wires=0)
        return qml.expval(qml.PauliZ(0))

    assert c(1.0) == pytest.approx(0.0, abs=1e-12)
    assert qml.grad(c, argnum=0)(1.0) == -onp.inf
    # inside the domain: -0.999 / sqrt(1 - 0.999^2) = -22.3439..., to O(h)
    assert qml.grad(c, argnum=0)(0.999) == pytest.approx(-0.999 / onp.sqrt(1 - 0.999**2), rel=1e-5)


def test_written_out_code_computes_the_value_at_a_singular_point():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(np.arccos(x), wires=0)
        return qml.expval(qml.PauliZ(0))

    entry, xs, ds = c.compiled((onp.array(1.0),), {})
    mod = entry.module
    assert mod.UNROLLED
    out, jac = mod.fused_value_and_grad(onp.array([1.0]), onp.zeros(0))
    assert out[0] == pytest.approx(1.0) and not onp.isfinite(jac[0, 0])
    out, jac = mod.fused_value_and_grad(onp.array([-1.0]), onp.zeros(0))
    assert out[0] == pytest.approx(-1.0) and not onp.isfinite(jac[0, 0])


def test_a_type_test_the_tracer_cannot_see_is_caught_by_the_replay_at_the_traced_point():
    @qml.qnode(dev1)
    def c(x):
        if isinstance(x, float) and x > 0.5:  # False while tracing, True on the numbers
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="cannot see"):
        c(0.9)


def test_a_wire_chosen_by_a_type_test_the_tracer_cannot_see_is_caught_by_the_replay():
    """The same gates on other wires: the replay compares wires too (it compared names
    and parameters only, and the traced circuit's RX on wire "b" gave <Z_a> = 1 where
    PennyLane, and the function run on the float 0.3, put it on wire "a": cos 0.3, by hand)."""
    dev2 = qml.device("default.qubit", wires=["a", "b"])

    @qml.qnode(dev2)
    def c(x):
        qml.RX(x, wires="a" if isinstance(x, float) else "b")  # "b" while tracing
        return qml.expval(qml.PauliZ("a"))

    with pytest.raises(qml.TracingError, match="cannot see"):
        c(0.3)

    # the same circuit with its wire as a plain argument: both wires, the exact values
    @qml.qnode(dev2)
    def d(x, w):
        qml.RX(x, wires=w)
        qml.CNOT(wires=[w, "b" if w == "a" else "a"])
        return qml.expval(qml.PauliZ("a"))

    assert d(np.array(0.3), "a") == pytest.approx(onp.cos(0.3), abs=1e-15)
    assert d(np.array(0.3), "b") == pytest.approx(onp.cos(0.3), abs=1e-15)


def test_merged_measurement_values_order_their_measurements_as_they_were_made():
    """Every kind of mid-circuit measurement (qml.measure, qml.pauli_measure's record, the
    ftqc measurements) is numbered as it is made, so a merged value (``m1 + m0``) lists
    them in that order on every run: with random ids (ftqc's were uuid4) a conditioned
    gate's controls came in another order in the replay than in the trace."""
    from qsym import ftqc

    with qml.queuing.AnnotatedQueue():
        ms = [ftqc.measure_x(0), qml.measure(1), ftqc.measure_y(2),
              ftqc.measure_arbitrary_basis(3, angle=0.1, plane="XY"), qml.measure(4),
              ftqc.measure_z(5), ftqc.measure_x(6), ftqc.measure_y(7)]
    total = ms[-1]
    for m in reversed(ms[:-1]):
        total = total + m
    assert [m.measurements[0] for m in ms] == total.measurements


def test_plain_numpy_random_and_changing_state_inside_a_circuit_are_named_nondeterministic():
    """Plain numpy.random (or Python's random, or state that changes between calls) inside
    the circuit function cannot be seen while tracing; the replay on numbers that every
    build runs records other gates, and running once more on the same numbers shows that
    the function itself is not deterministic: a TracingError that says so (qsym would
    reuse the first draw at every call, PennyLane draws anew)."""
    @qml.qnode(dev1, trace="once")  # (trace="auto": traced at every call, test_per_call)
    def plain_draw(x):
        qml.RX(x, wires=0)
        qml.RY(onp.random.uniform(0.1, 3.0), wires=0)  # a continuous draw: always seen
        return qml.expval(qml.PauliZ(0))

    calls = []

    @qml.qnode(dev1, trace="once")
    def alternating(x):  # global state: another gate at every run
        calls.append(1)
        (qml.RY if len(calls) % 2 else qml.RZ)(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for node in (plain_draw, alternating):
        with pytest.raises(qml.TracingError, match="is not deterministic.*draw the numbers outside"):
            node(np.array(0.4))
    # a deterministic branch the tracer cannot see keeps its own message
    @qml.qnode(dev1)
    def branch(x):
        if isinstance(x, float) and x > 0.5:
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="control flow depends on its inputs"):
        branch(0.9)


def test_random_draws_inside_a_circuit_function_are_refused():
    """qsym traces a signature once: a draw of qsym.numpy.random (or of a Generator made by
    it) inside the circuit function would be made once and reused at every call, where
    PennyLane draws again each call (the doubly stochastic gradient demo). Refused with a
    TracingError at every draw; draws outside the QNode stay tensors as before."""
    from qsym import numpy as qnp

    dev = qml.device("default.qubit", wires=1)
    rng = qnp.random.default_rng(1)

    @qml.qnode(dev, trace="once")  # (trace="auto": traced at every call, test_per_call)
    def module_draw(x):
        qml.RX(x * qnp.random.uniform(0, 1), wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev, trace="once")
    def generator_draw(x):
        qml.RX(x * rng.normal(), wires=0)
        return qml.expval(qml.PauliZ(0))

    for node in (module_draw, generator_draw):
        for _ in range(2):  # every call, not only the first
            with pytest.raises(qml.TracingError, match="inside a circuit function"):
                node(0.3)
    drawn = qnp.random.uniform(0, 1, size=2)
    assert isinstance(drawn, qnp.tensor) and drawn.shape == (2,)


def test_the_replay_compares_input_parameters_without_sympy(monkeypatch):
    """A gate parameter that is one input is compared with the replay's number directly
    (no sympy evalf: 20-40 us a parameter, most of a large circuit's check); a swapped
    input is still caught, and a parameter computed from inputs still goes through sympy."""
    calls, inside = [], []
    real_evalf, real_replay = sp.Expr.evalf, trace.replay_check

    def counting(self, *a, **k):
        if inside:
            calls.append(self)
        return real_evalf(self, *a, **k)

    def replay(*a, **k):
        inside.append(1)
        try:
            return real_replay(*a, **k)
        finally:
            inside.pop()

    monkeypatch.setattr(sp.Expr, "evalf", counting)
    monkeypatch.setattr(trace, "replay_check", replay)
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def plain(x):
        for i in range(2):
            qml.RY(x[i], wires=i)
            qml.RZ(x[2 + i], wires=i)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    @qml.qnode(dev)
    def swapped(x):  # the numbers take the other input: the tracer cannot see it
        qml.RY(x[0] if isinstance(x[0], Traced) else x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def computed(x):
        qml.RY(2 * x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.3, -0.4, 1.1, 0.2])
    assert plain(x) == pytest.approx(math.cos(0.3) * math.cos(-0.4), abs=1e-12)
    assert not calls
    with pytest.raises(qml.TracingError, match="cannot see"):
        swapped(np.array([0.3, -0.4]))
    calls.clear()
    assert computed(np.array([0.3])) == pytest.approx(math.cos(0.6))
    assert calls  # 2*x[0] at the numbers: sympy's evaluation


def test_the_replay_accepts_a_gate_made_without_wires():
    """qml.GlobalPhase(x) and qml.I() made without wires: the IR puts them on a wire of its
    own; the replay's wire comparison (which raised TracingError for them) leaves them out.
    The state by hand: RX(x)|0> on wire 0 times exp(-i x) (PennyLane's GlobalPhase)."""
    dev2 = qml.device("default.qubit", wires=2)

    @qml.qnode(dev2)
    def c(x):
        qml.RX(x, wires=0)
        qml.GlobalPhase(x)
        qml.adjoint(qml.GlobalPhase(x / 2))
        qml.I()
        return qml.state()

    x = 0.3
    want = onp.exp(-0.5j * x) * onp.array([onp.cos(x / 2), 0, -1j * onp.sin(x / 2), 0])
    assert onp.allclose(c(np.array(x)), want, atol=1e-14)
