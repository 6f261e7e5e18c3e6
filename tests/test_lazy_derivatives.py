"""A value-only call does not differentiate (issue #17, lazy derivatives).

The chain rule (sympy differentiating every gate parameter by every input) was computed
at the first call of a signature even when only a value was asked for: seconds for a
state preparation of many traced features. A value-only call now plans the values only
(``qsym._plan.make_plan(derivatives=False)``); the first derivative plans the same traced
circuit again with the chain rule. References here are independent of qsym's code: the
state an amplitude embedding prepares written out by hand, central finite differences of
that reference.
"""

import numpy
import pytest
import sympy

import qsym as qml
from qsym import _plan, _stages as stages
from qsym import numpy as np


def _reference(f, w=0.0):
    """<Z0 Z2> after AmplitudeEmbedding(f, normalize=True) on 3 wires and RX(w) on wire 1
    (which Z0 Z2 does not see), by hand: the probabilities |f_k|^2 / |f|^2 signed by the
    parity of bits 0 and 2 (wire 0 the most significant bit)."""
    f = numpy.asarray(f, dtype=float)
    p = f**2 / numpy.sum(f**2)
    signs = [(-1) ** (((k >> 2) & 1) + (k & 1)) for k in range(8)]
    return float(numpy.dot(p, signs))


def _fd(fun, f, h=1e-6):
    f = numpy.asarray(f, dtype=float)
    out = numpy.zeros_like(f)
    for j in range(f.size):
        e = numpy.zeros_like(f)
        e[j] = h
        out[j] = (fun(f + e) - fun(f - e)) / (2 * h)
    return out


def _circuit(diff_method="parameter-shift"):
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method=diff_method)
    def circuit(f):
        qml.AmplitudeEmbedding(f, wires=range(3), normalize=True)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))

    return circuit


F = [0.3, -0.1, 0.7, 0.2, 0.5, -0.4, 0.15, 0.25]


@pytest.fixture
def diffs(monkeypatch):
    """Counts the derivatives the plan's chain rule takes (sympy's, and the shared
    subexpressions' of ``_plan._Derivatives``)."""
    calls = []
    real = sympy.diff

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(_plan.sp, "diff", counting)
    derive = _plan._Derivatives._derive

    def counting_derive(self, e):
        calls.append(e)
        return derive(self, e)

    monkeypatch.setattr(_plan._Derivatives, "_derive", counting_derive)
    return calls


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_a_value_only_call_does_not_differentiate(diffs, method):
    circuit = _circuit(method)
    f = np.array(F, requires_grad=True)
    v = circuit(f)
    assert diffs == []
    entry = circuit._last
    assert entry.value_only and not entry.plan.derivatives
    assert entry.plan.chain == () and entry.plan.terms == () and entry.plan.executions == 1
    assert v == pytest.approx(_reference(F), abs=1e-14)

    g = qml.grad(circuit)(f)  # the first derivative plans the chain rule
    assert diffs != []
    assert not circuit._last.value_only and circuit._last.plan.derivatives
    assert numpy.allclose(g, _fd(_reference, F), atol=1e-8)
    # the values' code is the same in both modules: the same bits before and after
    assert circuit(f) == v
    n = len(diffs)
    qml.grad(circuit)(f)
    assert len(diffs) == n  # planned once


def test_the_upgrade_traces_nothing_again():
    """The derivative's plan reuses the value-only signature's traced circuit."""
    runs = []
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(f):
        runs.append(1)
        qml.AmplitudeEmbedding(f, wires=range(3), normalize=True)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))

    f = np.array(F, requires_grad=True)
    circuit(f)
    n = len(runs)
    qml.grad(circuit)(f)
    assert len(runs) == n
    assert circuit._last.circuit is not None and not circuit._last.value_only


def test_inputs_not_differentiated_are_not_differentiated(diffs):
    """A gradient by another argument (argnum) does not differentiate the features."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(w, f):
        qml.AmplitudeEmbedding(f, wires=range(3), normalize=True)
        qml.RX(w, wires=0)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))

    f = np.array(F, requires_grad=True)
    w = np.array(0.4, requires_grad=True)
    g = qml.grad(circuit, argnum=0)(w, f)
    assert diffs == []
    # d/dw <Z0 Z2> after RX(w) on wire 0: -sin(w) <Y0 Z2>... by finite differences
    h = 1e-6
    fd = (circuit(w + h, f) - circuit(w - h, f)) / (2 * h)
    assert g == pytest.approx(float(fd), abs=1e-8)


def test_a_small_circuits_value_looks_up_no_shift_rule(monkeypatch):
    """Gate parameters that are inputs, or sums and products of them (a cheap chain rule),
    in a circuit whose value call has a module for values (tests/test_values_only.py):
    the value looks up no gate's shift rule (issue #17: the plan of a method not asked
    for); the first gradient plans once, with them, and makes the full module."""
    from qsym import rules

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(2 * x[0] + 0.1, wires=0)
        qml.RY(x[0] * x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    looked = []
    real_rule = rules.rule_for_op
    monkeypatch.setattr(rules, "rule_for_op",
                        lambda *a, **k: looked.append(a[0].name) or real_rule(*a, **k))
    x = np.array([0.3, 0.8], requires_grad=True)

    def ref(x):  # <Z1> = cos(a) cos(b) for RX(a) on 0, RY(b) on 1, CNOT(0, 1)
        return numpy.cos(2 * x[0] + 0.1) * numpy.cos(x[0] * x[1])

    assert circuit(x) == pytest.approx(ref([0.3, 0.8]), abs=1e-12)
    entry = circuit._last
    assert looked == [] and entry.value_only
    assert not entry.plan.derivatives and entry.plan.terms == ()
    plans = []
    real = stages.make_plan
    monkeypatch.setattr(stages, "make_plan", lambda *a, **k: plans.append(1) or real(*a, **k))
    g = qml.grad(circuit)(x)
    assert plans == [1] and circuit._last.plan.derivatives
    assert sorted(looked) == ["RX", "RY"]
    assert numpy.allclose(g, _fd(ref, [0.3, 0.8]), atol=1e-8)
    qml.grad(circuit)(x)  # planned once: the full entry is kept
    assert plans == [1]


def test_a_larger_circuits_simple_chain_rule_is_planned_at_once(monkeypatch):
    """A cheap chain rule in a circuit too large for a module of values
    (:func:`qsym._stages.values_written_out`): the value call plans the derivatives, so
    that its module serves the gradient (no second plan, no second module)."""
    dev = qml.device("default.qubit", wires=8)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(2 * x[0] + 0.1, wires=0)
        qml.RY(x[0] * x[1], wires=7)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(7))

    x = np.array([0.3, 0.8], requires_grad=True)
    circuit(x)
    entry = circuit._last
    assert not stages.values_written_out(entry.circuit)
    assert entry.plan.derivatives
    plans = []
    real = stages.make_plan
    monkeypatch.setattr(stages, "make_plan", lambda *a, **k: plans.append(1) or real(*a, **k))
    g = qml.grad(circuit)(x)
    assert plans == [] and circuit._last.plan is entry.plan

    def ref(x):  # <Z0 Z7> = cos(a) cos(b) for RX(a) on 0, RY(b) on 7
        return numpy.cos(2 * x[0] + 0.1) * numpy.cos(x[0] * x[1])

    assert numpy.allclose(g, _fd(ref, [0.3, 0.8]), atol=1e-8)


def test_value_only_plan_keeps_values():
    """A value-only plan measures the same words with the same coefficients."""
    a, b = sympy.symbols("a b", real=True)
    from qsym._ir import Circuit, Measurement, Op

    c = Circuit(1, (Op("RX", (0,), (sympy.sin(a) * b,)),),
                (Measurement("expval", ((a**2, ((0, "Z"),)),)),), inputs=(a, b))
    full, values = _plan.make_plan(c), _plan.make_plan(c, derivatives=False)
    assert (values.words, values.coeffs, values.slots) == (full.words, full.coeffs, full.slots)
    assert values.chain == values.terms == values.coeff_chain == ()
    assert full.chain and full.coeff_chain


def test_chain_rule_shares_derivatives_and_agrees_with_sympy():
    """The chain rule differentiates shared subexpressions once (_plan._Derivatives); its
    factors are sympy's own derivatives (``sp.diff`` of each parameter by each input):
    equal as expressions, or (where the forms differ) at random points to 30 digits."""
    from qsym import templates

    a, b, c = sympy.symbols("a b c", real=True)
    norm = sympy.sqrt(a**2 + b**2 + c**2)
    exprs = [
        sympy.sin(a * b) ** 2 + c, sympy.atan2(a, b) / norm, sympy.sqrt(a**2 + b**2) * c,
        sympy.exp(a) / sympy.cos(b), sympy.Abs(a) * b, a**b, sympy.asin(a / 2 / norm),
        sympy.log(1 + a**2) * norm, sympy.Piecewise((a * b, b > 0), (c, True)),
        templates._StateAngle(a / norm, sympy.sqrt(b**2 + c**2) / norm), (a + b) ** -3,
    ]
    slots = tuple(_plan.Slot(k, 0, e) for k, e in enumerate(exprs))
    got = _plan.chain_rule(slots, (a, b, c))
    want = [(s, j, sympy.diff(e, x)) for s, e in enumerate(exprs)
            for j, x in enumerate((a, b, c)) if sympy.diff(e, x) != 0]
    assert [(e.slot, e.input) for e in got] == [(s, j) for s, j, _ in want]
    rng = numpy.random.default_rng(3)
    for e, (_, _, d) in zip(got, want):
        if e.factor == d:
            continue
        for _ in range(3):
            pt = dict(zip((a, b, c), rng.uniform(0.2, 0.9, 3)))
            assert abs(complex(e.factor.evalf(30, subs=pt) - d.evalf(30, subs=pt))) < 1e-25
