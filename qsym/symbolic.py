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
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(params):
...     qml.RX(params[0], wires=0)
...     qml.RY(params[1], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> qml.expectation(circuit, [0.54, 0.12])
cos(params[0])*cos(params[1])
>>> qml.gradient(circuit, [0.54, 0.12])
(-sin(params[0])*cos(params[1]), -sin(params[1])*cos(params[0]))
>>> qml.check(circuit, [0.54, 0.12]).ok
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from .gates import REGISTRY, gate_def
from .ir import Circuit, _apply, evaluate, final_state, input_values, simulate

_PAULI_SP = {
    "X": sp.Matrix([[0, 1], [1, 0]]),
    "Y": sp.Matrix([[0, -sp.I], [sp.I, 0]]),
    "Z": sp.Matrix([[1, 0], [0, -1]]),
}


def _sym_apply(state: np.ndarray, mat: sp.Matrix, wires) -> np.ndarray:
    m = np.array(mat.tolist(), dtype=object)
    return _apply(state, m, wires)


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


def circuit_expectations(circuit: Circuit, simplify: bool = True) -> tuple:
    """Exact expectation values of every measurement, as sympy expressions of the inputs.

    Exponential in the number of wires and fast only for a handful of parameters: meant
    for small circuits, tests, and formulas to print.
    """
    psi = circuit_state(circuit)
    flat = list(psi.reshape(-1))
    out = []
    for m in circuit.measurements:
        total = sp.S(0)
        for coeff, word in m.terms:
            phi = psi
            for w, p in word:
                phi = _sym_apply(phi, _PAULI_SP[p], (w,))
            ev = sum(
                (sp.conjugate(a) * b for a, b in zip(flat, phi.reshape(-1))), sp.S(0)
            )
            total += sp.sympify(coeff) * ev
        total = sp.expand_complex(sp.expand(total))
        total = sp.re(total)  # exactly real for a Hermitian observable; drop 0*I leftovers
        if simplify:
            total = sp.trigsimp(sp.simplify(total))
        out.append(total)
    return tuple(out)


@lru_cache(maxsize=None)
def _matrix_derivative(variant: tuple, pos: int):
    """NumPy function of the parameters: the exact derivative of the gate's matrix."""
    name, nw, hyper = variant
    row = gate_def(name)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    dm = sp.diff(row.sympy_matrix(syms, nw, hyper), syms[pos])
    f = sp.lambdify(syms, dm, modules="numpy")
    return lambda *p: np.array(f(*p), dtype=np.complex128)


# memoized by gate name: a gate defined or removed clears it (qsym.gates.REGISTRY)
REGISTRY.on_change(lambda names: _matrix_derivative.cache_clear())


def _observable_apply(psi: np.ndarray, terms, values) -> np.ndarray:
    """``O |psi>`` for ``O = sum coeff * word`` (state tensors)."""
    from .ir import _PAULI

    out = np.zeros_like(psi)
    for coeff, word in terms:
        phi = psi
        for w, p in word:
            phi = _apply(phi, _PAULI[p], (w,))
        out = out + evaluate(coeff, values) * phi
    return out


def exact_jacobian(circuit: Circuit, x, d=()) -> np.ndarray:
    """The Jacobian of the circuit's outputs (flattened: a probability vector contributes
    one row per outcome) by the product rule with exact gate derivatives: variances and
    probabilities are made from expectation values of their linear rows
    (:func:`qsym.ir.linear_rows`), whose derivatives :func:`exact_row_jacobian` computes.
    """
    from .ir import post_layout, rows_circuit
    from .shapes import measurements

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
    from .gates import numeric_matrix_function

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
    o_psi = [_observable_apply(psi_final, m.terms, values) for m in circuit.measurements]
    jac = np.zeros((len(circuit.measurements), nx))
    index = {s: j for j, s in enumerate(circuit.inputs)}
    state = np.zeros((2,) * n, dtype=complex)
    state[(0,) * n] = 1.0
    for k, op in enumerate(circuit.ops):
        for pos, expr in enumerate(op.params):
            syms = sp.sympify(expr).free_symbols & index.keys()
            if not syms:
                continue
            dstate = _apply(state, _matrix_derivative(op.variant, pos)(*params[k]), op.wires)
            for q in range(k + 1, len(circuit.ops)):
                dstate = _apply(dstate, mats[q], circuit.ops[q].wires)
            for m in range(len(circuit.measurements)):
                dval = 2 * np.vdot(o_psi[m].reshape(-1), dstate.reshape(-1)).real
                for s in syms:
                    jac[m, index[s]] += evaluate(sp.diff(expr, s), values) * dval
        state = _apply(state, mats[k], op.wires)
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
    from .shapes import measurements

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


def expectation(qnode, *args, simplify: bool = True, **kwargs):
    """The QNode's result as exact sympy expression(s) of its inputs (small circuits).

    Symbols are named after the QNode's arguments (``params[0]``, ``phi1``...).
    """
    circuit = qnode.circuit(*args, **kwargs)
    exprs = circuit_expectations(circuit, simplify)
    return _result(circuit, tuple(_plain(circuit, e) for e in exprs))


def gradient(qnode, *args, simplify: bool = True, **kwargs):
    """Exact derivatives of the QNode's (first) result by each trainable input symbol."""
    circuit = qnode.circuit(*args, **kwargs)
    exprs = circuit_expectations(circuit, simplify=False)
    out = []
    for e in exprs:
        ds = [sp.diff(e, s) for s in circuit.inputs]
        out.append(
            tuple(_plain(circuit, sp.trigsimp(sp.simplify(v)) if simplify else v) for v in ds)
        )
    return out[0] if circuit.output == "scalar" else tuple(out)


@dataclass
class CheckReport:
    """Result of :func:`check`: the three Jacobians and their largest differences."""

    compiled: np.ndarray
    exact: np.ndarray
    finite_diff: np.ndarray
    max_error_exact: float
    max_error_fd: float
    tol: float

    @property
    def ok(self) -> bool:
        """The compiled gradient equals the exact one to ``tol``."""
        return self.max_error_exact <= self.tol

    def __str__(self):
        return (
            f"compiled vs exact: max |diff| = {self.max_error_exact:.3e} "
            f"({'ok' if self.ok else 'FAILED'} at tol {self.tol:g}); "
            f"compiled vs finite differences: {self.max_error_fd:.3e}"
        )


def check(qnode, *args, h: float = 1e-6, tol: float = 1e-10, **kwargs) -> CheckReport:
    """Compare a QNode's compiled gradient with the exact derivative and finite differences.

    The exact derivative is :func:`exact_jacobian` (product rule over sympy-differentiated
    gate matrices); the finite differences are central, on the NumPy reference interpreter.
    All three are Jacobians over the flat trainable inputs, ``jac[measurement, input]``.
    """
    from .shapes import flat as _flat

    out, jac, entry = qnode.value_and_jacobian(args, kwargs)
    jac = compiled_jacobian(entry, out, jac)
    _, xs, ds = qnode.compiled(args, kwargs)
    x, d = _flat(xs), _flat(ds)
    exact = exact_jacobian(entry.circuit, x, d)
    fd = finite_difference_jacobian(entry.circuit, x, d, h)
    return CheckReport(
        compiled=jac,
        exact=exact,
        finite_diff=fd,
        max_error_exact=float(np.max(np.abs(jac - exact), initial=0.0)),
        max_error_fd=float(np.max(np.abs(jac - fd), initial=0.0)),
        tol=tol,
    )
