"""The density-matrix executor of ``default.mixed``: a traced circuit (:mod:`qsym._ir`),
gates and noise channels (:mod:`qsym._channels`), run on the density matrix ``rho`` in
NumPy, with exact derivatives.

The device chooses it (:func:`qsym._stages.mixed_entry`): a :class:`MixedEntry` answers
the entry points the runtime's executors call on a compiled signature (``value``,
``value_and_grad``, ...), so the QNode, ``qml.grad``, ``qml.jacobian``, broadcasting and
the measurement post-processing (:func:`qsym._shapes.measurements`) are the same code as
for pure states.

- ``rho`` is a tensor of ``2n`` axes (row bits, then column bits; wire 0 most
  significant); a gate is ``U rho U^dagger`` (two ``tensordot``), a channel its
  superoperator ``S = sum K (x) conj(K)`` on the ``2k`` axes of its wires.
- Outputs are the measurements' linear rows (:func:`qsym._ir.linear_rows`:
  ``Tr(rho O)`` per Pauli sum) and probabilities (the diagonal's marginals), in
  :func:`qsym._ir.post_layout`'s order; ``var``, postselection and the shapes follow.
- Derivatives in forward mode, one tangent ``drho/dx_j`` per input carried through every
  operation. A gate parameter contributes, for ``diff_method="parameter-shift"``, its
  proved shift rule applied to the map (``sum c U(m p + s) rho U(m p + s)^dagger``: the
  rule holds for every state, so for mixed ones), otherwise the exact derivative
  ``dU rho U^dagger + U rho dU^dagger``; a channel parameter the exact derivative of its
  superoperator (``dS/dp``, sympy's). Times ``dp/dx_j`` of the traced parameter.
  ``diff_method="finite-diff"`` differences the values.
- Finite shots: every Pauli word of the rows a binomial draw from its exact value,
  probabilities a multinomial draw, ``sample``/``counts`` drawn from ``rho``'s diagonal or
  the observable's eigenbasis (:func:`qsym._shots.draw`).

>>> import sympy as sp
>>> from qsym import _ir as ir
>>> g = sp.Symbol("g", real=True)
>>> c = ir.Circuit(1, (ir.Op("PauliX", (0,)), ir.Op("AmplitudeDamping", (0,), (g,))),
...                (ir.Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),), inputs=(g,))
>>> e = MixedEntry(c, (0,), ((0, 1, ()),), lambda op, pos: None)
>>> rows, jac = e.value_and_grad_adjoint(np.array([0.25]), np.zeros(0))
>>> rows.round(12).tolist(), jac.round(12).tolist()   # <Z> = 2 g - 1
([-0.5], [[2.0]])
"""

from __future__ import annotations

import types

import numpy as np
import sympy as sp

from ._lambdify import lambdify
from . import _ir as ir
from ._ir import partial_trace
from ._channels import check_domain, is_channel, superoperator
from .errors import DifferentiationError, MeasurementError
from ._gates import PAULI, numeric_derivative_function, numeric_matrix_function
from ._plan import light_cone, negated_angle
from ._shapes import parameter_differences
from .rules import reduced_angle
from ._shots import (draw, drawn_probs, marginal, measurement_groups, pl_ready, pl_values, sampling_form,
                     shadow_value)

NO_SHOT_GRADIENT = (
    "derivatives under finite shots on default.mixed are not supported by qsym yet; use "
    "shots=None (exact derivatives of the density matrix)")


def _apply(t, mat, axes):
    return ir.apply_matrix(t, mat, tuple(axes))


def _lambdify(syms, exprs):
    if not exprs:
        return lambda *a: []
    f = lambdify(syms, list(exprs))
    return lambda *a: [complex(v).real for v in f(*a)]


class MixedEntry:
    """One signature of a QNode on ``default.mixed``: the circuit, its symbols' functions,
    and the entry points of :class:`qsym._runtime.Compiled` computed on ``rho``."""

    mixed = True
    broadcast = False
    # set by the QNode's build (qsym._runtime.Compiled's fields)
    value_only = False
    tensor_constants = False
    per_call = False
    by_value = first_order = cache_key = fd_inputs = None
    tier = "python"
    trace_seconds = compile_seconds = 0.0

    def __init__(self, circuit, diff_args, blocks, rule_of, readout=None):
        self.circuit = c = circuit
        # default.mixed's readout_prob: a bit flip of every wire before the measurements
        # that sample (not qml.state() and its quantities, as PennyLane)
        self.readout = None if not readout else superoperator("BitFlip").at([readout])
        # PennyLane's groups of measurements for its draws (qsym._shots.pl_values)
        self.forms = [sampling_form(m) for m in circuit.measurements]
        self.groups = (measurement_groups(circuit.measurements, self.forms) if all(
            pl_ready(m, f) for m, f in zip(circuit.measurements, self.forms))
            and self.readout is None else None)
        self.diff_args, self.blocks = diff_args, blocks
        self.rule_of = rule_of
        self.post = ir.post_layout(c)
        self.simple = all(m.kind == "expval" and not m.post for m in c.measurements)
        self.is_state = all(m.kind == "state" for m in c.measurements)
        self.has_state = any(m.kind == "state" for m in c.measurements)
        self.drawn = any(m.kind in ("sample", "counts") for m in c.measurements)
        # what qml.specs and the executors read of a plan: one run, its trainable slots
        self.plan = types.SimpleNamespace(executions=1, counted_executions=1, terms=(),
                                          diff_slots=(), pruned=())
        self.executions = 1
        self.checks, self.guard = (), None
        self.n = c.num_wires
        # the per-call numbers a trace made data (its last data symbols: Circuit.constants,
        # a QubitUnitary of the inputs' derivative carriers), appended to each call's data
        # (qsym._runtime.with_matrix_data); the matrices themselves are read from the ops
        self.data_tail = np.asarray(c.constants, dtype=np.float64)
        syms = tuple(c.inputs) + tuple(c.data)
        self._params = _lambdify(syms, [p for op in c.ops for p in op.params])
        col = {s: j for j, s in enumerate(c.inputs)}
        slopes, where = [], []  # (op, pos, input) -> dp/dx
        for k, op in enumerate(c.ops):
            for pos, p in enumerate(op.params):
                for s in sorted(sp.sympify(p).free_symbols & set(col), key=col.get):
                    slopes.append(sp.diff(p, s))
                    where.append((k, pos, col[s]))
        self._slopes, self._where = _lambdify(syms, slopes), where
        self.plan.diff_slots = tuple(sorted({(k, pos) for k, pos, _ in where}))
        self._rows = self._row_layout()
        self._lin_terms = [(r, word) for r, (kind, data) in enumerate(self._rows)
                           if kind == "lin" for _, word in data]
        coeffs = [cf for kind, data in self._rows if kind == "lin" for cf, _ in data]
        self._coeffs = _lambdify(syms, coeffs)
        dcoeffs, self._dwhere = [], []
        i = 0
        for kind, data in self._rows:
            if kind != "lin":
                continue
            for cf, _ in data:
                for s in sorted(sp.sympify(cf).free_symbols & set(col), key=col.get):
                    dcoeffs.append(sp.diff(cf, s))
                    self._dwhere.append((i, col[s]))
                i += 1
        self._dcoeffs = _lambdify(syms, dcoeffs)

    # --- layout ----------------------------------------------------------------------
    def _row_layout(self) -> list:
        """``("lin", terms)`` or ``("probs", wires)`` per output row, in post_layout order."""
        c = self.circuit
        rows = []
        for m in c.measurements:
            if not ir.kernel_probs(m):
                rows.extend(("lin", tuple(r)) for r in ir.linear_rows(m))
        for j, m in enumerate(c.measurements):
            if ir.kernel_probs(m):
                rows.extend(("probs", (on, b, j)) for on, b in ir.kernel_outcomes(m))
        return rows

    # --- the simulation --------------------------------------------------------------
    def _values(self, x, d):
        args = [*np.ravel(x), *np.ravel(d)]
        flat = self._params(*args)
        pars, at = [], 0
        for op in self.circuit.ops:
            pars.append(flat[at:at + len(op.params)])
            at += len(op.params)
        return args, pars

    def _op_map(self, op, pars):
        """``(kind, matrix)`` of one operation at numeric parameters."""
        if is_channel(op.name):
            check_domain(op.name, pars, op.hyper)
            return "S", superoperator(op.name, len(op.wires), op.hyper).at(pars)
        return "U", numeric_matrix_function(*op.variant)(*pars)

    def _apply_op(self, t, kind, mat, wires, lead):
        n = self.n
        rows = [w + lead for w in wires]
        cols = [w + n + lead for w in wires]
        if kind == "S":
            return _apply(t, mat, rows + cols)
        return _apply(_apply(t, mat, rows), mat.conj(), cols)

    def _derivative(self, op, pos, pars, rho, shift):
        """``d(op(rho))/dp_pos`` at ``pars``: a channel's ``dS/dp``; a gate's shift rule
        (``shift``) or its exact ``dU``."""
        if is_channel(op.name):
            dS = superoperator(op.name, len(op.wires), op.hyper).derivative_at(pos, pars)
            return self._apply_op(rho, "S", dS, op.wires, 0)
        if shift:
            out = np.zeros_like(rho)
            rule = self.rule_of(op, pos)
            period = rule.period() if hasattr(rule, "period") else 0.0
            for cf, mult, s in rule.numeric():
                q = list(pars)
                q[pos] = mult * reduced_angle(float(q[pos]), period) + s
                U = numeric_matrix_function(*op.variant)(*q)
                out += cf * self._apply_op(rho, "U", U, op.wires, 0)
            return out
        U = numeric_matrix_function(*op.variant)(*pars)
        dU = numeric_derivative_function(*op.variant, pos)(*pars)
        n = self.n
        rows = list(op.wires)
        cols = [w + n for w in op.wires]
        a = _apply(_apply(rho, dU, rows), U.conj(), cols)
        return a + _apply(_apply(rho, U, rows), dU.conj(), cols)

    def run(self, x, d, tangents=False, shift=False, step=None):
        """``(rho, drho, args)``: the final density tensor, its tangents ``(k, ...)`` (or
        None) and the symbols' values; ``step``: ``((op, position), t)``, that gate
        parameter moved by ``t`` (a finite difference's)."""
        n, k = self.n, len(self.circuit.inputs)
        args, pars = self._values(x, d)
        if step is not None:
            (o, pos), t = step
            pars[o] = np.array(pars[o], dtype=float)
            pars[o][pos] += t
        rho = np.zeros((2,) * (2 * n), dtype=complex)
        rho[(0,) * (2 * n)] = 1.0
        T = np.zeros((k,) + rho.shape, dtype=complex) if tangents else None
        by_op: dict = {}
        if tangents:
            for (o, pos, j), slope in zip(self._where, self._slopes(*args)):
                by_op.setdefault(o, []).append((pos, j, slope))
        for o, op in enumerate(self.circuit.ops):
            kind, mat = self._op_map(op, pars[o])
            if tangents:
                T = self._apply_op(T, kind, mat, op.wires, 1)
                done = {}
                for pos, j, slope in by_op.get(o, ()):
                    if pos not in done:
                        with np.errstate(invalid="ignore", over="ignore"):
                            done[pos] = self._derivative(op, pos, pars[o], rho, shift)
                        _refuse_singular(op, pos, pars[o], done[pos])
                    T[j] += slope * done[pos]
            rho = self._apply_op(rho, kind, mat, op.wires, 0)
        return rho, T, args

    # --- measurements ----------------------------------------------------------------
    def _word_value(self, t, word, lead):
        """``Tr(t P)`` for a Pauli word (``lead`` leading batch axes: 0 or 1)."""
        for w, p in word:
            t = _apply(t, PAULI[p], (w + lead,))
        m = t.reshape(t.shape[:lead] + (2 ** self.n, 2 ** self.n))
        return np.trace(m, axis1=-2, axis2=-1).real

    def _probs(self, t, on, lead):
        dim = 2 ** self.n
        diag = np.diagonal(t.reshape(t.shape[:lead] + (dim, dim)), axis1=-2, axis2=-1).real
        if lead:
            return np.stack([marginal(v, self.n, on) for v in diag])
        return marginal(diag, self.n, on)

    def _outputs(self, t, lead, coeffs, words=None):
        """The output rows of ``t`` (``rho`` or its tangents, ``lead`` 0 or 1)."""
        words = {} if words is None else words
        out, i, prob = [], 0, {}
        for kind, data in self._rows:
            if kind == "probs":
                on, b, _ = data
                if on not in prob:
                    prob[on] = self._probs(t, on, lead)
                out.append(prob[on][..., b])
                continue
            total = 0.0
            for _, word in data:
                if word not in words:
                    words[word] = self._word_value(t, word, lead)
                total = total + coeffs[i] * words[word]
                i += 1
            out.append(total if lead == 0 else np.broadcast_to(total, t.shape[:1]))
        if lead:
            return np.stack(out) if out else np.zeros((0, t.shape[0]))
        return np.array(out, dtype=float)

    def _read(self, t, lead):
        """``t`` as the measurements see it: after the readout errors, if any."""
        if self.readout is None or t is None:
            return t
        for w in range(self.n):
            t = self._apply_op(t, "S", self.readout, (w,), lead)
        return t

    def value(self, x, d):
        """The output rows at ``x``, ``d``."""
        rho, _, args = self.run(x, d)
        return self._outputs(self._read(rho, 0), 0, self._coeffs(*args))

    def _value_and_grad(self, x, d, shift):
        rho, T, args = self.run(x, d, tangents=True, shift=shift)
        rho, T = self._read(rho, 0), self._read(T, 1)
        coeffs = self._coeffs(*args)
        words: dict = {}
        out = self._outputs(rho, 0, coeffs, words)
        jac = self._outputs(T, 1, coeffs) if T.shape[0] else np.zeros((out.shape[0], 0))
        jac = np.array(jac, dtype=float).reshape(out.shape[0], T.shape[0])
        if self._dwhere:  # trained observable coefficients: d c / dx Tr(rho P)
            for (i, j), dc in zip(self._dwhere, self._dcoeffs(*args)):
                row, word = self._lin_terms[i]
                jac[row, j] += dc * words[word]
        return out, jac

    def value_and_grad(self, x, d):
        """Rows and their Jacobian: gate parameters by their shift rules."""
        return self._value_and_grad(x, d, shift=True)

    def value_and_grad_adjoint(self, x, d, kernel=None):
        """Rows and their exact Jacobian (forward mode with the exact gate derivatives:
        what ``adjoint``, ``backprop`` and ``best`` ask for)."""
        return self._value_and_grad(x, d, shift=False)

    def value_and_grad_fd(self, x, d, h, order, strategy="forward", columns=None):
        """Rows and their finite-difference Jacobian, as PennyLane's ``finite_diff`` takes
        them (each gate or channel parameter stepped alone, chained by the exact
        ``d theta / d x``; the finished values differenced: the finished rows returned,
        :func:`qsym._shapes.parameter_differences`); ``columns``: the inputs stepped."""
        x = np.asarray(x, dtype=float)
        chain, coefficients, moved = self.fd_steps(x, d, columns)

        def rows(step):
            rho, coeffs = moved(step)
            return self._outputs(self._read(rho, 0), 0, coeffs)

        return parameter_differences(rows, x.shape[0], chain, h, order, strategy, self.post,
                                     coefficients, self.negated_slots())

    def negated_slots(self) -> frozenset:
        """The ``(op, position)`` slots whose angle is a negated parameter (an adjoint
        folded in: :func:`qsym._plan.negated_angle`)."""
        return frozenset((k, pos) for k, op in enumerate(self.circuit.ops)
                         for pos, p in enumerate(op.params) if negated_angle(p))

    def fd_steps(self, x, d, columns=None, state=False):
        """As :meth:`qsym._runtime.Compiled.fd_steps`: ``moved(step)`` gives ``(rho,
        coefficients)``; the slots are ``(op, position)``, those inside the measured wires'
        light cone (all with ``state``)."""
        x = np.asarray(x, dtype=float)
        args, _ = self._values(x, d)
        wanted = set(range(x.shape[0]) if columns is None else columns)
        cone = (True,) * len(self.circuit.ops) if state else light_cone(self.circuit)
        chain = [((o, pos), j, slope) for (o, pos, j), slope in zip(self._where,
                                                                     self._slopes(*args))
                 if j in wanted and cone[o]]
        coefficients = [] if state else sorted({j for _, j in self._dwhere if j in wanted})
        coeffs = self._coeffs(*args)
        held = []  # the unshifted state, made once

        def moved(step):
            if step is not None and step[0] == "slot":
                return self.run(x, d, step=(step[1], step[2]))[0], coeffs
            if not held:
                held.append(self.run(x, d)[0])
            if step is None:
                return held[0], coeffs
            at = x.copy()
            at[step[1]] += step[2]
            return held[0], self._coeffs(*self._values(at, d)[0])

        return chain, coefficients, moved

    def batch_value(self, X, D=None):
        D = np.zeros((X.shape[0], 0)) if D is None else D
        return np.stack([self.value(X[b], D[b]) for b in range(X.shape[0])])

    def _batch(self, fn, X, D):
        D = np.zeros((X.shape[0], 0)) if D is None else D
        rows = [fn(X[b], D[b]) for b in range(X.shape[0])]
        return np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows])

    def batch_value_and_grad(self, X, D=None):
        return self._batch(self.value_and_grad, X, D)

    def batch_value_and_grad_adjoint(self, X, D=None):
        return self._batch(self.value_and_grad_adjoint, X, D)

    # --- the density matrix and its quantities ----------------------------------------
    def density(self, x, d):
        """The density matrix ``(2**n, 2**n)`` at ``x``, ``d``."""
        rho, _, _ = self.run(x, d)
        return rho.reshape(2 ** self.n, 2 ** self.n)

    def density_jacobian(self, x, d):
        """``(rho, drho)``: the density matrix and its exact Jacobian ``(2**n, 2**n, k)``."""
        rho, T, _ = self.run(x, d, tangents=True)
        dim = 2 ** self.n
        return rho.reshape(dim, dim), np.moveaxis(T.reshape(-1, dim, dim), 0, -1)

    def quantity(self, m, rho, drho=None):
        """The value (or with ``drho``, the Jacobian) of a ``"state"`` measurement ``m`` of
        the density matrix: the matrix itself, or ``m.reduce``'s quantity."""
        if m.post:
            raise MeasurementError(
                "qml.state() and quantities of the state after postselecting a mid-circuit "
                "measurement are not supported on default.mixed; measure expval, var or probs")
        if not m.reduce:
            return (rho if drho is None else drho).copy()
        if drho is None:
            return ir.state_quantity(m.reduce, rho, self.n)
        name, wires = m.reduce[0], tuple(m.reduce[1])
        if name == "density_matrix":
            return partial_trace(rho, self.n, wires, drho)
        if name == "purity":
            r = partial_trace(rho, self.n, wires)
            return 2 * np.einsum("ji,ijk->k", r, partial_trace(rho, self.n, wires, drho)).real
        if name == "vn_entropy":
            return self._entropy(rho, wires, m.reduce[2], drho)
        if name == "mutual_info":
            b, base = tuple(m.reduce[2]), m.reduce[3]
            return (self._entropy(rho, wires, base, drho) + self._entropy(rho, b, base, drho)
                    - self._entropy(rho, wires + b, base, drho))
        raise MeasurementError(f"unknown quantity of the state {name!r}")

    def _entropy(self, rho, wires, base, drho):
        r = partial_trace(rho, self.n, wires)
        return ir.entropy(r, base, None if drho is None else
                          partial_trace(rho, self.n, wires, drho))

    # --- finite shots ------------------------------------------------------------------
    def batch_values(self, inputs, counts, rng):
        """Every measurement's value at each ``(x, d)`` of ``inputs`` and each count of
        ``counts`` (``out[b][k]``), drawn as PennyLane's ``default.mixed`` draws them
        (:func:`qsym._shots.pl_values` on the density matrix; no readout errors)."""
        dim = 2 ** self.n
        rhos = [np.asarray(self.run(x, d)[0]).reshape(dim, dim) for x, d in inputs]
        return pl_values(self.circuit.measurements, self.forms, self.groups, rhos, self.n,
                         counts, rng, self.circuit.sample_order)

    def sampled_values(self, x, d, shots, rng, measurements):
        """Every measurement estimated from ``shots`` samples (``measurements``:
        :func:`qsym._shapes.measurements`)."""
        if self.groups is not None:  # PennyLane's draws
            return self.batch_values([(x, d)], [shots], rng)[0][0]
        rho, _, args = self.run(x, d)
        rho = self._read(rho, 0)
        coeffs = self._coeffs(*args)
        est: dict = {}
        rows, i, prob = [], 0, {}
        for kind, data in self._rows:
            if kind == "probs":  # one draw per measurement (a postselection's norm too)
                on, b, j = data
                q = drawn_probs(prob, j, on, lambda w: np.clip(self._probs(rho, w, 0), 0.0, None),
                                shots, rng)
                rows.append(q[b])
                continue
            total = 0.0
            for _, word in data:
                if word not in est:
                    e = float(np.clip(self._word_value(rho, word, 0), -1.0, 1.0))
                    est[word] = 1.0 if not word else (
                        2.0 * rng.binomial(shots, (1.0 + e) / 2.0) - shots) / shots
                total += coeffs[i] * est[word]
                i += 1
            rows.append(total)
        values, _ = measurements(self.post, np.array(rows, dtype=float))
        dim = 2 ** self.n
        mat = rho.reshape(dim, dim)
        diag = np.clip(np.diagonal(mat).real, 0.0, None)
        for j, m in enumerate(self.circuit.measurements):
            if m.kind in ("sample", "counts"):
                if m.post:
                    raise MeasurementError("qml.sample and qml.counts after postselection "
                                           "are not supported on default.mixed")
                if m.shadow:  # a classical shadow of the density matrix
                    values[j] = shadow_value(m, mat, self.n, shots, rng, mixed=True)
                    continue
                values[j] = draw(m, None, diag, self.n, shots, rng,
                                 reduced=lambda ws: partial_trace(mat, self.n, ws))
        return values


def _refuse_singular(op, pos, pars, d) -> None:
    """A channel's derivative that does not exist at these parameters (a square root at
    the edge of its domain: ``AmplitudeDamping``'s ``sqrt(1 - gamma)`` at ``gamma = 1``):
    a :class:`DifferentiationError`, never a NaN."""
    if not np.all(np.isfinite(d)):
        values = ", ".join(f"{v:g}" for v in pars)
        raise DifferentiationError(
            f"the derivative of {op.name}({values}) by its parameter {pos} does not exist "
            "(the channel's matrix elements have an infinite slope at this edge of its "
            "domain); differentiate at a point inside the domain")


def refuse_shot_gradient() -> None:
    """Raise the error for a derivative under finite shots on ``default.mixed``."""
    raise DifferentiationError(NO_SHOT_GRADIENT)
