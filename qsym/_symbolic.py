"""Exact results with sympy: closed-form expectation values, their derivatives, and checks.

Two exact methods, both independent of the shift rules the compiled code uses:

- :func:`circuit_expectations`: the whole circuit symbolically (the state as sympy
  expressions), for small circuits; gives formulas such as ``cos(x0)*cos(x1)``;
- :func:`exact_jacobian`: the derivative by the product rule, with each gate's matrix
  differentiated exactly by sympy and the chain rule of the parameter expressions,
  evaluated in floating point. It scales like a simulation, so it checks any circuit.

:func:`check` compares a QNode's compiled gradient with the exact one and with central
finite differences of the reference interpreter, and reports the largest errors.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def bell(t):
...     qml.RY(t, wires=0)
...     qml.CNOT(wires=[0, 1])
...     return qml.expval(qml.PauliX(0) @ qml.PauliX(1)), qml.var(qml.PauliZ(1)), qml.probs(wires=[1])
>>> qml.expectation(bell, 0.5)
(sin(t), sin(t)**2, [cos(t/2)**2, sin(t/2)**2])
>>> qml.gradient(bell, 0.5)  # one entry per measurement, one row per output
((cos(t),), (sin(2*t),), [[-sin(t)/2], [sin(t)/2]])
>>> qml.check(bell, 0.5).ok
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from ._lambdify import lambdify
from .errors import MeasurementError
from ._gates import REGISTRY, gate_def, pauli_matrix
from ._shapes import format_values
from ._ir import (Circuit, apply_matrix, evaluate, final_state, input_values,
                 observable_apply, simulate)

def _sym_apply(state: np.ndarray, mat: sp.Matrix, wires) -> np.ndarray:
    m = np.array(mat.tolist(), dtype=object)
    return apply_matrix(state, m, wires)


def circuit_state(circuit: Circuit) -> np.ndarray:
    """The exact final state (object array of sympy expressions, wire 0 most significant)."""
    n = circuit.num_wires
    state = np.zeros((2,) * n, dtype=object)
    state[...] = sp.S(0)
    state[(0,) * n] = sp.S(1)
    for op in circuit.ops:
        name, nw, hyper = op.variant
        state = _sym_apply(state, gate_def(name).sympy_matrix(op.params, nw, hyper), op.wires)
        state = np.vectorize(sp.expand, otypes=[object])(state)
    return state


def _real(expr):
    """An expression that is real for real inputs, without its ``0*I`` leftovers."""
    return sp.re(sp.expand_complex(sp.expand(expr)))


def _observable_state(psi: np.ndarray, terms) -> np.ndarray:
    """``O |psi>`` for ``O = sum coeff * word``, exactly (object arrays)."""
    out = np.zeros_like(psi)
    out[...] = sp.S(0)
    for coeff, word in terms:
        phi = psi
        for w, p in word:
            phi = _sym_apply(phi, pauli_matrix(p), (w,))
        out = out + sp.sympify(coeff) * phi
    return out


def _inner(a: np.ndarray, b: np.ndarray):
    return sum((sp.conjugate(u) * v for u, v in zip(a.reshape(-1), b.reshape(-1))), sp.S(0))


def measurement_expressions(psi: np.ndarray, m, num_wires: int):
    """The exact value of measurement ``m`` on the exact state ``psi``: a sympy expression
    (expval, var), or a 1-D ``sympy.Array`` of ``2**k`` probabilities (probs on ``k``
    wires, the first most significant), as the numeric QNode returns them.

    Computed from the state alone, not from the Pauli rows the compiled code measures:
    ``<O> = <psi|O psi>``, ``var = |O psi|^2 - <O>^2``, ``p(b) = sum |psi_i|^2`` over the
    basis states ``i`` whose bits on ``m.on`` are ``b``. Postselected (``m.post``): of the
    projected state, renormalised.
    """
    if m.post:
        kept = _observable_state(psi, m.post)
        norm = _real(_inner(psi, kept))
        return measurement_expressions(kept / sp.sqrt(norm), replace(m, post=()), num_wires)
    if m.kind == "expval":
        return _real(_inner(psi, _observable_state(psi, m.terms)))
    if m.kind == "var":
        o_psi = _observable_state(psi, m.terms)
        mean = _real(_inner(psi, o_psi))
        return _real(_inner(o_psi, o_psi)) - mean**2
    if m.kind == "probs":
        axes = tuple(w for w in range(num_wires) if w not in m.on)
        weights = np.vectorize(lambda a: _real(a * sp.conjugate(a)), otypes=[object])(psi)
        marginal = weights.sum(axis=axes) if axes else weights
        # the remaining axes are in wire order; probs lists m.on's first wire most significant
        order = sorted(m.on)
        marginal = np.transpose(marginal, [order.index(w) for w in m.on])
        return sp.Array([sp.expand(v) for v in marginal.reshape(-1)])
    raise MeasurementError(
        f"qml.{m.kind}() has no closed form in qsym's exact API (it is "
        + ("the complex state vector" if m.kind == "state" else "drawn from samples")
        + "): qml.expectation/qml.gradient/qml.check take expval, var and probs"
    )


def _simplify(expr):
    if isinstance(expr, sp.NDimArray):
        return expr.applyfunc(lambda e: sp.trigsimp(sp.simplify(e)))
    return sp.trigsimp(sp.simplify(expr))


def circuit_expectations(circuit: Circuit, simplify: bool = True) -> tuple:
    """Exact values of every measurement, as sympy expressions of the inputs: one per
    measurement, an expression for expval and var, a ``sympy.Array`` for probs
    (:func:`measurement_expressions`).

    Exponential in the number of wires and fast only for a handful of parameters: meant
    for small circuits, tests, and formulas to print.
    """
    for m in circuit.measurements:
        if m.kind not in ("expval", "var", "probs"):
            measurement_expressions(None, m, circuit.num_wires)  # raises, naming it
    psi = circuit_state(circuit)
    out = []
    for m in circuit.measurements:
        total = measurement_expressions(psi, m, circuit.num_wires)
        if simplify:
            total = _simplify(total)
        out.append(total)
    return tuple(out)


@REGISTRY.memo
def matrix_derivative(variant: tuple, pos: int):
    """A NumPy function of a gate's parameters: the exact derivative of its matrix by
    parameter ``pos``. ``variant`` is ``(name, num_wires or None, hyper items)``.

    >>> d = matrix_derivative(("RZ", None, ()), 0)(0.0)
    >>> bool(np.allclose(d, [[-0.5j, 0], [0, 0.5j]]))
    True
    """
    name, nw, hyper = variant
    row = gate_def(name)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    dm = sp.diff(row.sympy_matrix(syms, nw, hyper), syms[pos])
    f = lambdify(syms, dm)
    return lambda *p: np.array(f(*p), dtype=np.complex128)



def exact_jacobian(circuit: Circuit, x, d=()) -> np.ndarray:
    """The Jacobian of the circuit's outputs (flattened: a probability vector contributes
    one row per outcome) by the product rule with exact gate derivatives: variances and
    probabilities are made from expectation values of their linear rows
    (:func:`qsym._ir.linear_rows`), whose derivatives :func:`exact_row_jacobian` computes.
    """
    from ._ir import post_layout, rows_circuit
    from ._shapes import measurements

    rc = rows_circuit(circuit)
    _, jacs = measurements(post_layout(circuit), simulate(rc, x, d), exact_row_jacobian(rc, x, d))
    return np.vstack([np.atleast_2d(j) for j in jacs])


def exact_row_jacobian(circuit: Circuit, x, d=()) -> np.ndarray:
    """``jac[m, j] = d <O_m> / d x_j`` for expectation values, by the product rule with
    exact gate derivatives.

    No shift rule and no finite difference is involved: each gate's matrix is differentiated
    by sympy, each parameter expression too (chain rule), and the derivative state is
    propagated through the rest of the circuit numerically.
    """
    from ._gates import numeric_matrix_function

    values = input_values(circuit, x, d)
    n = circuit.num_wires
    nx = len(circuit.inputs)
    mats = []
    params = []
    for op in circuit.ops:
        p = [evaluate(e, values) for e in op.params]
        params.append(p)
        mats.append(numeric_matrix_function(*op.variant)(*p))
    psi_final = final_state(circuit, x, d).reshape((2,) * n)
    o_psi = [observable_apply(psi_final, m.terms, values) for m in circuit.measurements]
    jac = np.zeros((len(circuit.measurements), nx))
    index = {s: j for j, s in enumerate(circuit.inputs)}
    state = np.zeros((2,) * n, dtype=complex)
    state[(0,) * n] = 1.0
    for k, op in enumerate(circuit.ops):
        for pos, expr in enumerate(op.params):
            syms = sp.sympify(expr).free_symbols & index.keys()
            if not syms:
                continue
            dstate = apply_matrix(state, matrix_derivative(op.variant, pos)(*params[k]), op.wires)
            for q in range(k + 1, len(circuit.ops)):
                dstate = apply_matrix(dstate, mats[q], circuit.ops[q].wires)
            for m in range(len(circuit.measurements)):
                dval = 2 * np.vdot(o_psi[m].reshape(-1), dstate.reshape(-1)).real
                for s in syms:
                    jac[m, index[s]] += evaluate(sp.diff(expr, s), values) * dval
        state = apply_matrix(state, mats[k], op.wires)
    # coefficients that depend on the inputs
    for mi, m in enumerate(circuit.measurements):
        for coeff, word in m.terms:
            c = sp.sympify(coeff)
            for s in c.free_symbols & index.keys():
                single = Circuit(
                    circuit.num_wires,
                    circuit.ops,
                    (type(m)(m.kind, ((sp.S(1), word),)),),
                    circuit.inputs,
                    circuit.data,
                )
                jac[mi, index[s]] += evaluate(sp.diff(c, s), values) * simulate(single, x, d)[0]
    return jac


def compiled_jacobian(entry, out, jac) -> np.ndarray:
    """A compiled entry's row Jacobian in the same flat output space as
    :func:`exact_jacobian` and :func:`finite_difference_jacobian`."""
    from ._shapes import measurements

    _, jacs = measurements(entry.post, out, jac)
    return np.vstack([np.atleast_2d(j) for j in jacs])


def finite_difference_jacobian(circuit: Circuit, x, d=(), h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the reference interpreter (independent of the kernels)."""
    x = np.asarray(x, dtype=float).ravel()
    cols = []
    for j in range(x.size):
        up, dn = x.copy(), x.copy()
        up[j] += h
        dn[j] -= h
        cols.append((simulate(circuit, up, d) - simulate(circuit, dn, d)) / (2 * h))
    n_out = sum(int(np.prod(m.shape, dtype=int)) for m in circuit.measurements)
    return np.array(cols).T.reshape(n_out, x.size)


# --- user-facing ---------------------------------------------------------------------------
def _result(circuit: Circuit, values: tuple):
    return values[0] if circuit.output == "scalar" else values


def _plain(circuit: Circuit, expr):
    """Replace the tracer's symbols by plain real sympy symbols of the same names."""
    return sp.sympify(expr).xreplace(
        {s: sp.Symbol(s.name, real=True) for s in circuit.inputs + circuit.data}
    )


def _plain_value(circuit: Circuit, value):
    if isinstance(value, sp.NDimArray):
        return value.applyfunc(lambda e: _plain(circuit, e))
    return _plain(circuit, value)


def _format(circuit: Circuit, values):
    """One value, or a tuple/list of them, as the numeric QNode returns its measurements."""
    return format_values(circuit.output, values)


def expectation(qnode, *args, simplify: bool = True, **kwargs):
    """The QNode's result as exact sympy expression(s) of its inputs (small circuits).

    Every measurement has its own closed form, in the structure the QNode returns:
    ``expval`` and ``var`` (``<O^2> - <O>^2``) give an expression, ``probs`` a
    ``sympy.Array`` of ``2**k`` probabilities; a tuple (or list) of measurements gives a
    tuple (or list). ``state``, ``sample`` and ``counts`` have none: a ``MeasurementError``
    says so. Symbols are named after the QNode's arguments (``params[0]``, ``phi1``...).
    Example: the module's documentation (:mod:`qsym._symbolic`).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(params):
    ...     qml.RX(params[0], wires=0)
    ...     qml.RY(params[1], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> qml.expectation(circuit, [0.54, 0.12])
    cos(params[0])*cos(params[1])
    """
    circuit = qnode.circuit(*args, **kwargs)
    exprs = circuit_expectations(circuit, simplify)
    return _format(circuit, [_plain_value(circuit, e) for e in exprs])


def gradient(qnode, *args, simplify: bool = True, **kwargs):
    """Exact derivatives of the QNode's result(s) by each trainable input symbol.

    Per measurement, its Jacobian over the flat trainable inputs: for an expval or var, a
    tuple with one derivative per input (like ``qml.grad`` of one array argument); for
    probs on ``k`` wires, a ``sympy.Array`` of shape ``(2**k, inputs)`` (like
    ``qml.jacobian``). A tuple of measurements gives a tuple of these. Example: the
    module's documentation (:mod:`qsym._symbolic`).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(params):
    ...     qml.RX(params[0], wires=0)
    ...     qml.RY(params[1], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> qml.gradient(circuit, [0.54, 0.12])
    (-sin(params[0])*cos(params[1]), -sin(params[1])*cos(params[0]))
    """
    circuit = qnode.circuit(*args, **kwargs)
    exprs = circuit_expectations(circuit, simplify=False)
    tidy = (lambda v: sp.trigsimp(sp.simplify(v))) if simplify else (lambda v: v)
    out = []
    for e in exprs:
        if isinstance(e, sp.NDimArray):
            rows = [[_plain(circuit, tidy(sp.diff(v, s))) for s in circuit.inputs] for v in e]
            out.append(sp.Array(rows, (len(rows), len(circuit.inputs))))
        else:
            out.append(tuple(_plain(circuit, tidy(sp.diff(e, s))) for s in circuit.inputs))
    return _format(circuit, out)


def _symbolic_check(circuit: Circuit, x, d):
    """Values and the flat Jacobian of the closed forms (:func:`circuit_expectations`),
    evaluated at ``x``, ``d``: an independent exact reference for :func:`check`."""
    exprs = circuit_expectations(circuit, simplify=False)
    values = input_values(circuit, x, d)
    flat_exprs = []
    for e in exprs:
        flat_exprs.extend(list(e) if isinstance(e, sp.NDimArray) else [e])
    vals = np.array([complex(sp.sympify(e).xreplace(values).evalf()) for e in flat_exprs])
    jac = np.array(
        [[complex(sp.diff(e, s).xreplace(values).evalf()) for s in circuit.inputs]
         for e in flat_exprs]
    ).reshape(len(flat_exprs), len(circuit.inputs))
    return vals.real, jac.real


@dataclass
class CheckReport:
    """Result of :func:`check`: the three Jacobians and their largest differences; the
    compiled values against the reference interpreter; and, when the closed forms were
    evaluated (``symbolic``), the compiled values and Jacobian against them."""

    compiled: np.ndarray
    exact: np.ndarray
    finite_diff: np.ndarray
    max_error_exact: float
    max_error_fd: float
    tol: float
    values: np.ndarray | None = None
    reference_values: np.ndarray | None = None
    max_error_value: float | None = None
    symbolic_values: np.ndarray | None = None
    symbolic_jacobian: np.ndarray | None = None
    max_error_symbolic: float | None = None

    @property
    def ok(self) -> bool:
        """The compiled gradient equals the exact one to ``tol``, and so do the values
        (and the closed forms, if they were evaluated)."""
        return all(
            e <= self.tol
            for e in (self.max_error_exact, self.max_error_value, self.max_error_symbolic)
            if e is not None
        )

    def __str__(self):
        text = (
            f"compiled vs exact: max |diff| = {self.max_error_exact:.3e} "
            f"({'ok' if self.ok else 'FAILED'} at tol {self.tol:g}); "
            f"compiled vs finite differences: {self.max_error_fd:.3e}"
        )
        if self.max_error_value is not None:
            text += f"; values vs reference: {self.max_error_value:.3e}"
        if self.max_error_symbolic is not None:
            text += f"; values and Jacobian vs closed forms: {self.max_error_symbolic:.3e}"
        return text


def _small(circuit: Circuit) -> bool:
    """Small enough for the closed forms to be cheap (sympy on the whole state)."""
    return circuit.num_wires <= 2 and len(circuit.ops) <= 8 and len(circuit.inputs) <= 4


def check(qnode, *args, h: float = 1e-6, tol: float = 1e-10, symbolic=None,
          **kwargs) -> CheckReport:
    """Compare a QNode's compiled gradient with the exact derivative and finite differences,
    and its values with the reference interpreter and the closed forms.

    The exact derivative is :func:`exact_jacobian` (product rule over sympy-differentiated
    gate matrices); the finite differences are central, on the NumPy reference interpreter.
    All three are Jacobians over the flat trainable inputs, ``jac[measurement, input]``
    (a probability vector contributes one row per outcome). The compiled values are
    compared with the reference interpreter (not under finite shots). With ``symbolic``
    (default: for circuits of at most 2 wires, 8 gates and 4 inputs), the closed forms of
    :func:`expectation` and their sympy derivatives are evaluated too and compared with the
    compiled values and Jacobian, for every measurement kind (expval, var, probs).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(params):
    ...     qml.RX(params[0], wires=0)
    ...     qml.RY(params[1], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> report = qml.check(circuit, [0.54, 0.12])
    >>> report.ok, bool(report.max_error_fd < 1e-8)
    (True, True)
    """
    from ._ir import simulate
    from ._shapes import flat as _flat
    from ._shapes import measurements as _measurements

    from ._broadcast import Broadcast
    from .errors import ArgumentError

    if isinstance(qnode.compiled(args, kwargs)[0], Broadcast):
        raise ArgumentError(
            "qml.check compares one parameter set; these arguments broadcast a batch: "
            "check each element of the batch (e.g. qml.check(qnode, w, x=x[i]))"
        )
    out, jac, entry = qnode.value_and_jacobian(args, kwargs)
    jac = compiled_jacobian(entry, out, jac)
    _, xs, ds = qnode.compiled(args, kwargs)
    x, d = _flat(xs), _flat(ds)
    circuit = entry.circuit
    exact = exact_jacobian(circuit, x, d)
    fd = finite_difference_jacobian(circuit, x, d, h)
    report = CheckReport(
        compiled=jac,
        exact=exact,
        finite_diff=fd,
        max_error_exact=float(np.max(np.abs(jac - exact), initial=0.0)),
        max_error_fd=float(np.max(np.abs(jac - fd), initial=0.0)),
        tol=tol,
    )
    if getattr(qnode, "shots", None) or getattr(qnode.device, "shots", None):
        return report  # sampled values: nothing exact to compare them with
    values = np.concatenate(
        [np.ravel(v) for v in _measurements(entry.post, entry.value(x, d))[0]] or [np.zeros(0)]
    )
    reference = np.asarray(simulate(circuit, x, d), dtype=float).ravel()
    report.values, report.reference_values = values, reference
    report.max_error_value = float(np.max(np.abs(values - reference), initial=0.0))
    if symbolic is None:
        symbolic = _small(circuit)
    if symbolic:
        sv, sj = _symbolic_check(circuit, x, d)
        report.symbolic_values, report.symbolic_jacobian = sv, sj
        report.max_error_symbolic = float(max(
            np.max(np.abs(values - sv), initial=0.0), np.max(np.abs(jac - sj), initial=0.0)
        ))
    return report
