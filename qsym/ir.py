"""Stage 2, IR: the traced circuit as frozen dataclasses, with its three companions.

- :func:`format_circuit`: a readable listing, one op per line;
- :func:`validate`: the structural checks every later stage relies on;
- :func:`simulate`: a small NumPy reference interpreter, the oracle for every kernel.

:func:`structural_hash` is the key of the compile cache. New circuits are derived with
``dataclasses.replace``, never by mutation.

>>> import sympy as sp
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> print(format_circuit(c))
circuit on 1 wire; inputs: a
  0: RX(a)  wires [0]
  expval: Z0
>>> round(float(simulate(c, [0.5])[0]), 12)  # cos(0.5)
0.87758256189
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .errors import GateError, MeasurementError, WireError
from .gates import gate_def, numeric_matrix_function

Word = tuple  # tuple of (wire index, "X" | "Y" | "Z"), sorted by wire


@dataclass(frozen=True)
class Op:
    """One gate occurrence: table name, wire indices, parameters as sympy expressions, and
    hyperparameters as ``(name, value)`` pairs (e.g. ``(("pauli_word", "XZ"),)``)."""

    name: str
    wires: tuple[int, ...]
    params: tuple[sp.Expr, ...] = ()
    hyper: tuple = ()

    @property
    def variant(self) -> tuple:
        """What determines the gate's matrix as a function of its parameters:
        ``(name, number of wires or None for fixed-wire gates, hyperparameters)``."""
        return (self.name, None if gate_def(self.name).num_wires else len(self.wires), self.hyper)


@dataclass(frozen=True)
class Measurement:
    """A measurement: ``kind`` (``"expval"``) of ``sum(coeff * word)``."""

    kind: str
    terms: tuple[tuple[sp.Expr, Word], ...]

    @property
    def wires(self) -> tuple[int, ...]:
        return tuple(sorted({w for _, word in self.terms for w, _ in word}))


@dataclass(frozen=True)
class Circuit:
    """A traced circuit.

    Attributes:
        num_wires: number of qubits.
        ops: the gates, in order.
        measurements: what is returned, in order.
        inputs: the symbols that are differentiated (``x``), in argument order.
        data: numeric inputs that are not differentiated (``d``): data, keyword arguments.
        output: ``"scalar"`` (one measurement), ``"tuple"`` or ``"list"``.
        wire_labels: the device's wire labels, by index.
    """

    num_wires: int
    ops: tuple[Op, ...]
    measurements: tuple[Measurement, ...]
    inputs: tuple[sp.Symbol, ...] = ()
    data: tuple[sp.Symbol, ...] = ()
    output: str = "scalar"
    wire_labels: tuple = ()


def _fmt_word(word: Word) -> str:
    return " ".join(f"{p}{w}" for w, p in word) or "I"


def format_circuit(c: Circuit) -> str:
    """One line per op; parameters as exact expressions of the inputs."""
    plural = "s" if c.num_wires != 1 else ""
    lines = [f"circuit on {c.num_wires} wire{plural}; inputs: " + ", ".join(map(str, c.inputs))]
    if c.data:
        lines[0] += "; data: " + ", ".join(map(str, c.data))
    width = len(str(max(len(c.ops) - 1, 0)))
    for k, op in enumerate(c.ops):
        items = [str(p) for p in op.params] + [
            f"{h}={v!r}" if h != "U" else "U=<matrix>" for h, v in op.hyper
        ]
        pars = f"({', '.join(items)})" if items else ""
        lines.append(f"  {k:>{width}}: {op.name}{pars}  wires {list(op.wires)}")
    for m in c.measurements:
        body = " + ".join(
            (_fmt_word(w) if c0 == 1 else f"{c0}*{_fmt_word(w)}") for c0, w in m.terms
        )
        lines.append(f"  {m.kind}: {body or '0'}")
    return "\n".join(lines)


def validate(c: Circuit) -> Circuit:
    """Check the circuit's structure; return it unchanged or raise a qsym error."""
    if c.num_wires < 1:
        raise WireError("a circuit needs at least one wire")
    for k, op in enumerate(c.ops):
        row = gate_def(op.name)
        if row.num_wires and len(op.wires) != row.num_wires:
            raise WireError(f"op {k}: {op.name} acts on {row.num_wires} wires, got {op.wires}")
        if len(set(op.wires)) != len(op.wires):
            raise WireError(f"op {k}: {op.name} has duplicate wires {op.wires}")
        if any(not 0 <= w < c.num_wires for w in op.wires):
            raise WireError(f"op {k}: {op.name} wires {op.wires} outside 0..{c.num_wires - 1}")
        if len(op.params) != row.num_params:
            raise GateError(f"op {k}: {op.name} takes {row.num_params} parameters")
        known = set(c.inputs) | set(c.data)
        for p in op.params:
            if not p.free_symbols <= known:
                raise GateError(f"op {k}: parameter {p} uses unknown symbols")
    if not c.measurements:
        raise MeasurementError("a circuit must measure something")
    for m in c.measurements:
        if m.kind != "expval":
            raise MeasurementError(f"unsupported measurement {m.kind!r}")
        for coeff, word in m.terms:
            if any(not 0 <= w < c.num_wires for w, _ in word):
                raise WireError(f"observable {_fmt_word(word)} outside the device's wires")
            if len({w for w, _ in word}) != len(word):
                raise MeasurementError(f"Pauli word {word} repeats a wire")
            if sp.sympify(coeff).is_real is False:
                raise MeasurementError(
                    f"observable coefficient {coeff} is not real: the observable is not "
                    "Hermitian (a product of Paulis on the same wire gives an imaginary "
                    "coefficient; check the order of @ products)"
                )
    return c


def structural_hash(c: Circuit, *extra) -> str:
    """A hash of everything that determines compiled code: the key of the compile cache."""
    h = hashlib.sha256()
    parts = [
        repr(c.num_wires),
        repr(c.output),
        repr([str(s) for s in c.inputs]),
        repr([str(s) for s in c.data]),
    ]
    for op in c.ops:
        parts.append(repr((op.name, op.wires, [sp.srepr(p) for p in op.params], op.hyper)))
    for m in c.measurements:
        parts.append(repr((m.kind, [(sp.srepr(cf), w) for cf, w in m.terms])))
    parts.extend(repr(e) for e in extra)
    h.update("\n".join(parts).encode())
    return h.hexdigest()


# --- reference interpreter -----------------------------------------------------------------
_PAULI = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _apply(state: np.ndarray, mat: np.ndarray, wires) -> np.ndarray:
    """Apply a k-wire matrix to a state tensor of shape (2,)*n by tensordot."""
    k = len(wires)
    m = mat.reshape((2,) * (2 * k))
    out = np.tensordot(m, state, axes=(list(range(k, 2 * k)), list(wires)))
    # tensordot puts the gate's output axes first: move them back to their wires
    return np.moveaxis(out, list(range(k)), list(wires))


def input_values(c: Circuit, x, d=()) -> dict:
    """``{symbol: sympy Float}`` for inputs ``x`` and data ``d``."""
    values = {s: sp.Float(float(v)) for s, v in zip(c.inputs, np.ravel(x))}
    values.update({s: sp.Float(float(v)) for s, v in zip(c.data, np.ravel(d))})
    return values


def evaluate(expr, values: dict) -> float:
    """The float value of an expression of the inputs."""
    return float(sp.sympify(expr).xreplace(values))


def final_state(c: Circuit, x, d=()) -> np.ndarray:
    """The state after all ops, as a flat vector (wire 0 most significant)."""
    values = input_values(c, x, d)
    n = c.num_wires
    state = np.zeros((2,) * n, dtype=complex)
    state[(0,) * n] = 1.0
    for op in c.ops:
        pars = [evaluate(p, values) for p in op.params]
        mat = numeric_matrix_function(*op.variant)(*pars)
        state = _apply(state, mat, op.wires)
    return state.reshape(-1)


def simulate(c: Circuit, x, d=()) -> np.ndarray:
    """Reference values of all measurements at inputs ``x`` and data ``d`` (NumPy, slow)."""
    values = input_values(c, x, d)
    n = c.num_wires
    psi = final_state(c, x, d).reshape((2,) * n)
    out = []
    for m in c.measurements:
        total = 0.0
        for coeff, word in m.terms:
            phi = psi
            for w, p in word:
                phi = _apply(phi, _PAULI[p], (w,))
            ev = np.vdot(psi.reshape(-1), phi.reshape(-1)).real
            total += evaluate(coeff, values) * ev
        out.append(total)
    return np.array(out)
