"""The first answer of a new signature, on numbers (issue #17, third round).

A new circuit's first value or gradient used to wait for its generated module: the text
emitted and run as Python (10-20 ms for a small circuit, most of a first answer that
PennyLane's ``default.qubit`` gives in about 5 ms). The circuit is traced, checked and
planned as before (the same guards, replays, validation and errors; the same shift
terms, chain rule and light cone); the first call then runs the plan on numbers with
NumPy (:class:`FirstAnswer`): the gates' matrices from the same printed gate code the
generated module would carry (:func:`qsym._emit.gate_body`), the statevector simulated
here, the derivative by the method the QNode chose (the plan's shift terms, or an adjoint
sweep with the gates' printed derivatives), counted as that method counts. The module is
made at the signature's next use (:meth:`qsym._runtime.QNode.compiled`). The numbers
agree with the generated module's to rounding (not bit for bit: NumPy sums in another
order; ``tests/test_first.py`` compares them to 1e-12 on random circuits of the gate
table, by every method it serves).

Served only where that is cheap and the same: exact expectation values, variances and
probabilities (no shots, no state, no broadcasting, no per-call input checks), parameter
shift or adjoint, gates stored as a matrix or a diagonal, parameters and coefficients that
are inputs or numbers (classical processing has its chain rule in sympy: the module path),
and a small enough state (:data:`MAX_WORK`); everything else builds the module at once, as
before. ``QSYM_TIER=python`` / ``compiled`` keep their meaning: only ``auto`` answers here;
It is opt-in: ``QSYM_FIRST=1`` turns it on (:func:`enabled`); by default the first call
builds the module, so that every answer has the same bits.
"""

from __future__ import annotations

import math
import os

import numpy as np
import sympy as sp

from . import _emit as emit, _ir as ir
from ._gates import PAULI, REGISTRY, gate_def, storage, stored_size
from ._plan import GradientPlan, ProbWord

# amplitude updates a first answer may cost (about 3-10 ns each in NumPy, plus 5-10 us a
# gate application): a 12-wire, 200-gate adjoint gradient is 2.5e6, its parameter-shift
# gradient 3e8 (that one waits for the compiled kernels)
MAX_WORK = 4_000_000
_KINDS = ("dense", "real", "controlled_x", "diagonal")


@REGISTRY.memo
def gate_function(name: str, num_wires, hyper: tuple, derivative=None):
    """``(f, size, kind, k)``: ``f(params, out)`` writes gate variant ``(name, num_wires,
    hyper)``'s stored entries (or its derivative by parameter ``derivative``) into ``out``
    (``size`` complex numbers: a ``2^k x 2^k`` matrix row by row, or its diagonal for
    ``kind`` ``"diagonal"``), from the code the generated module prints for it.

    >>> f, size, kind, k = gate_function("RZ", None, ())
    >>> out = np.empty(size, complex); f((0.0,), out); out.real, kind, k
    (array([1., 1.]), 'diagonal', 1)
    """
    row = gate_def(name)
    lines = emit.gate_body(name, num_wires, hyper, derivative)
    head = "".join(f"    p{i} = p[{i}]\n" for i in range(row.num_params))
    body = "".join(f"    {line}\n" for line in lines) or "    pass\n"
    ns = {"math": math}
    exec(compile(f"def f(p, out):\n    off = 0\n{head}{body}", f"<qsym gate {name}>", "exec"),
         ns)
    k = row.num_wires or num_wires
    return ns["f"], stored_size(name, num_wires, hyper), storage(name, num_wires, hyper), k


def _entries(op_fn, params) -> np.ndarray:
    f, size, _, _ = op_fn
    if not params:  # a constant gate: its entries once (never written by the callers)
        const = getattr(f, "constant", None)
        if const is None:
            const = f.constant = np.zeros(size, dtype=complex)
            f(params, const)
        return const
    out = np.zeros(size, dtype=complex)
    f(params, out)
    return out



def apply(psi: np.ndarray, entries: np.ndarray, kind: str, wires, dagger=False) -> np.ndarray:
    """The gate of stored ``entries`` (``kind``) on ``wires`` of ``psi`` (shape ``(2,)*n``,
    axis ``i`` wire ``i``; a gate's first wire is its matrix's most significant bit); with
    ``dagger`` its adjoint.

    >>> psi = np.zeros((2, 2), complex); psi[0, 0] = 1
    >>> x = np.array([0, 1, 1, 0], complex)
    >>> complex(apply(psi, x, "real", (1,))[0, 1])
    (1+0j)
    """
    k = len(wires)
    if k == 1:  # one wire: the state as (before, 2, after), one broadcast product
        w = wires[0]
        view = psi.reshape(2**w, 2, -1)
        if kind == "diagonal":
            diag = entries.conj() if dagger else entries
            return (view * diag[None, :, None]).reshape(psi.shape)
        mat = entries.reshape(2, 2)
        return np.matmul(mat.conj().T if dagger else mat, view).reshape(psi.shape)
    if kind == "diagonal":
        mat = np.diag(entries.conj() if dagger else entries)
    else:
        mat = entries.reshape(2**k, 2**k)
        if dagger:
            mat = mat.conj().T
    out = np.tensordot(mat.reshape((2,) * (2 * k)), psi, axes=(list(range(k, 2 * k)),
                                                               list(wires)))
    return np.moveaxis(out, list(range(k)), list(wires))


def _word_state(psi, word) -> np.ndarray:
    for wire, p in word:
        psi = np.moveaxis(np.tensordot(PAULI[p], psi, axes=([1], [wire])), 0, wire)
    return psi


def _numbers(exprs, what) -> list | None:
    out = []
    for e in exprs:
        e = sp.sympify(e)
        if not e.is_Number:
            return None
        out.append(float(e))
    return out


class FirstAnswer:
    """A new signature's first call, on numbers: what the executors and ``qml.Tracker``
    read of a compiled signature (:class:`qsym._runtime.Compiled`), with the entry points
    ``value``, ``value_and_grad`` and ``value_and_grad_adjoint`` computed here; ``build``
    holds what the module's build needs afterwards (the runtime's)."""

    broadcast = False
    is_state = False
    has_state = False
    drawn = False
    tier = "first"
    answered = False  # set by the runtime when handed to its one call

    def __init__(self, circuit, gplan: GradientPlan, diff_args, blocks, getters, fns, C):
        self.circuit, self.plan = circuit, gplan
        self.diff_args, self.blocks = diff_args, blocks
        self.post = ir.post_layout(circuit)
        self.simple = all(m.kind == "expval" for m in circuit.measurements)
        self.checks = ()
        self.guard = None
        self.build = None
        self._getters, self._fns, self._C = getters, fns, C
        self._n = circuit.num_wires
        self._dfns: dict = {}  # slot -> its gate's derivative function (adjoint)

    @property
    def executions(self) -> int:
        """Circuit executions per parameter-shift gradient."""
        return self.plan.executions

    # --- the state ------------------------------------------------------------------------
    def _params(self, x, d) -> list:
        src = {"x": x, "d": d}
        return [tuple(v if w == "c" else float(src[w][v]) for w, v in g)
                for g in self._getters]

    def _states(self, params, mats=None) -> list:
        """The state before each op, then the final state (``mats``: a list that gets
        each op's stored entries)."""
        psi = np.zeros((2,) * self._n, dtype=complex)
        psi[(0,) * self._n] = 1.0
        out = [psi]
        for op, fn, p in zip(self.circuit.ops, self._fns, params):
            u = _entries(fn, p)
            if mats is not None:
                mats.append(u)
            psi = apply(psi, u, fn[2], op.wires)
            out.append(psi)
        return out

    def _words(self, psi) -> np.ndarray:
        words = self.plan.words
        e = np.empty(len(words))
        probs = {}
        flat = psi.reshape(-1)
        for t, w in enumerate(words):
            if isinstance(w, ProbWord):
                p = probs.get(w.on)
                if p is None:
                    p = probs[w.on] = self._marginal(psi, w.on)
                e[t] = p[w.outcome]
            else:
                e[t] = np.vdot(flat, _word_state(psi, w).reshape(-1)).real
        return e

    def _marginal(self, psi, on) -> np.ndarray:
        p = np.abs(psi) ** 2
        rest = tuple(w for w in range(self._n) if w not in on)
        marginal = p.sum(axis=rest) if rest else p
        return np.transpose(marginal, np.argsort(np.argsort(on))).reshape(-1)

    def _outputs(self, e) -> np.ndarray:
        probs = self.plan.probs
        rows = self._C @ e if len(self._C) else np.zeros(0)
        return np.concatenate([rows, e[len(e) - probs:]]) if probs else rows

    def _jacobian(self, dslot) -> np.ndarray:
        """``jac[r, j]`` from each slot's output derivatives (the plan's chain rule)."""
        jac = np.zeros((self.plan.num_outputs, len(self.circuit.inputs)))
        for entry in self.plan.chain:
            jac[:, entry.input] += self._factors[entry] * dslot[entry.slot]
        return jac

    # --- entry points ---------------------------------------------------------------------
    def value(self, x, d):
        """Measured values (the rows, then the probabilities) at inputs ``x``, data ``d``."""
        return self._outputs(self._words(self._states(self._params(x, d))[-1]))

    def value_and_grad(self, x, d):
        """Values and Jacobian by the plan's shift terms (each shifted circuit simulated
        from the state before its gate)."""
        params = self._params(x, d)
        states = self._states(params)
        e = self._words(states[-1])
        slots = self.plan.slots
        dslot = {}
        ops = self.circuit.ops
        for t in self.plan.terms:
            if t.zero:
                de = t.coeff * e
            else:
                p = list(params[t.op])
                p[t.pos] = t.mult * p[t.pos] + t.shift
                psi = apply(states[t.op], _entries(self._fns[t.op], p), self._fns[t.op][2],
                            ops[t.op].wires)
                for k in range(t.op + 1, len(ops)):
                    psi = apply(psi, _entries(self._fns[k], params[k]), self._fns[k][2],
                                ops[k].wires)
                de = t.coeff * self._words(psi)
            dslot[t.slot] = dslot.get(t.slot, 0.0) + de
        out = self._outputs(e)
        zero = np.zeros(len(e))
        return out, self._jacobian({s: self._outputs(dslot.get(s, zero))
                                    for s in range(len(slots))})

    def value_and_grad_adjoint(self, x, d):
        """Values and Jacobian by the adjoint method: one backward sweep per output."""
        params = self._params(x, d)
        mats: list = []
        states = self._states(params, mats)
        psi = states[-1]
        out = self._outputs(self._words(psi))
        lams = self._observed(psi)
        ops, slots = self.circuit.ops, self.plan.slots
        by_op: dict = {}
        for s in self.plan.diff_slots:
            by_op.setdefault(slots[s].op, []).append(s)
        dslot = {}
        for k in range(len(ops) - 1, -1, -1):
            fn, wires = self._fns[k], ops[k].wires
            before = states[k]
            for s in by_op.get(k, ()):
                dfn = self._dfns.get(s)
                if dfn is None:
                    dfn = self._dfns[s] = gate_function(*ops[k].variant, slots[s].pos)
                dphi = apply(before, _entries(dfn, params[k]), dfn[2], wires).reshape(-1)
                dslot[s] = np.array([2.0 * np.vdot(lam.reshape(-1), dphi).real
                                     for lam in lams])
            if k:
                lams = [apply(lam, mats[k], fn[2], wires, dagger=True) for lam in lams]
        zero = np.zeros(len(out))
        return out, self._jacobian({s: dslot.get(s, zero) for s in range(len(slots))})

    def _observed(self, psi) -> list:
        """``O_r psi`` for every output ``r``: the rows' Pauli sums, the probabilities'
        projectors."""
        words = self.plan.words
        lams = []
        for r in range(len(self._C)):
            lam = np.zeros_like(psi)
            for t, c in enumerate(self._C[r]):
                if c and not isinstance(words[t], ProbWord):
                    lam = lam + c * _word_state(psi, words[t])
            lams.append(lam)
        for w in words[len(words) - self.plan.probs:]:
            mask = np.zeros((2,) * len(w.on))
            mask[np.unravel_index(w.outcome, mask.shape)] = 1.0
            shape = [1] * self._n
            order = np.argsort(w.on)
            m = np.transpose(mask, order)
            for i, wire in enumerate(sorted(w.on)):
                shape[wire] = 2
            lams.append(psi * m.reshape(shape))
        return lams


def enabled() -> bool:
    """Whether a new signature's first call may be answered on numbers: ``QSYM_FIRST``
    (read at each build) ``1`` (opt in) or ``0`` (the default: the module is built at the
    first call, so that the first answer has the module's bits, as every later one). Off
    by default because the NumPy answer is the module's only to rounding: the seed
    tutorial's first gradient would print -0.10267819945693202 where every later call,
    and the tutorial, print -0.10267819945693196.

    >>> enabled() in (True, False)
    True
    """
    value = os.environ.get("QSYM_FIRST", "0").strip().lower() or "0"
    if value not in ("0", "1"):
        from .errors import QsymError

        raise QsymError(f"QSYM_FIRST={value!r} is not 0 or 1; unset it for the default (0)")
    return value == "1"


def first_answer(circuit, gplan: GradientPlan, method: str, diff_args, blocks,
                 has_checks: bool, value_only: bool = False) -> FirstAnswer | None:
    """A :class:`FirstAnswer` for this planned signature, or None where it does not serve
    (see the module's docstring): then the module is built at once. ``value_only``: the
    one call it answers is a value (its cost is one circuit's)."""
    if has_checks or method not in ("parameter-shift", "adjoint"):
        return None
    if any(m.kind not in ("expval", "var", "probs") for m in circuit.measurements):
        return None
    if gplan.coeff_chain:
        return None
    n = circuit.num_wires
    work = (2**n) * max(len(circuit.ops), 1)
    if not value_only:
        work *= (gplan.executions if method == "parameter-shift"
                 else 3 * max(gplan.num_outputs, 1))
    if work > MAX_WORK:
        return None
    index = {s: ("x", i) for i, s in enumerate(circuit.inputs)}
    index.update({s: ("d", i) for i, s in enumerate(circuit.data)})
    getters, fns = [], []
    try:
        for op in circuit.ops:
            variant = op.variant
            hash(variant)
            if storage(*variant) not in _KINDS:
                return None
            g = []
            for p in op.params:
                if p in index:
                    g.append(index[p])
                elif getattr(p, "is_Number", False):
                    g.append(("c", float(p)))
                else:
                    return None
            getters.append(tuple(g))
            fns.append(gate_function(*variant))
    except (TypeError, ValueError):
        return None
    C = [_numbers(row, "coefficient") for row in gplan.coeffs]
    factors = {e: _numbers([e.factor], "chain factor") for e in gplan.chain}
    if any(r is None for r in C) or any(f is None for f in factors.values()):
        return None
    entry = FirstAnswer(circuit, gplan, diff_args, blocks, getters, fns,
                        np.array(C, dtype=float).reshape(len(C), len(gplan.words)))
    entry._factors = {e: f[0] for e, f in factors.items()}
    return entry
