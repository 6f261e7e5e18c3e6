"""Stage 1, trace: run the user's circuit function once with sympy symbols as inputs.

Gates record themselves on the active :class:`Tape` (one per thread). Arithmetic on the
inputs is sympy's, so ``RX(2*x[0] + np.sin(x[1]))`` records an exact expression. The
recorded tape becomes a :class:`qsym.ir.Circuit`.

Python control flow that depends on the *value* of a traced input cannot be traced: it is
detected (sympy refuses ``if x > 0``; a numeric replay of the function catches the rest at
the traced point) and reported as a :class:`qsym.errors.TracingError` that says what to do.

>>> import sympy as sp
>>> from qsym import operations as ops
>>> x = sp.Symbol("x", real=True)
>>> tape = Tape()
>>> with recording(tape):
...     _ = ops.RX(2 * x, wires=0)
>>> tape.items
[RX(2*x, wires=[0])]
"""

from __future__ import annotations

import math
import numbers
import sys
import threading
from contextlib import contextmanager

import numpy as np
import sympy as sp

from .errors import MeasurementError, TracingError, WireError

_local = threading.local()


class Tape:
    """The gates recorded while a circuit function runs, in order."""

    def __init__(self):
        self.items: list = []
        # gates taken off the tape to become (part of) an observable, until a measurement
        # uses that observable: any left at the end were neither applied nor measured
        self.observed: dict = {}

    def append(self, op) -> None:
        self.items.append(op)

    def remove(self, op) -> bool:
        """Take ``op`` off the tape; whether it was there."""
        for i in range(len(self.items) - 1, -1, -1):
            if self.items[i] is op:
                del self.items[i]
                return True
        return False

    def observe(self, op) -> None:
        """``op`` left the tape to become part of an observable."""
        self.observed[id(op)] = op

    def measured(self, ops) -> None:
        """The observable made of ``ops`` is measured."""
        for op in ops:
            self.observed.pop(id(op), None)

    def check_observed(self) -> None:
        """Refuse gates that became an observable which no measurement used: PennyLane
        applies such a product or sum as an operation; qsym would silently drop it."""
        if self.observed:
            names = ", ".join(f"{type(op).__name__}(wires={list(op.wires)})"
                              for op in self.observed.values())
            raise TracingError(
                f"the gates {names} were combined into an operator (with @, +, * or "
                "qml.prod / qml.sum / qml.s_prod / qml.dot) that is neither measured nor "
                "applied: qsym does not apply operator products or sums as gates. Apply "
                "the gates one after the other, or measure the operator (qml.expval(...))"
            )


def active_tape() -> Tape | None:
    """The tape being recorded on this thread, or None."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


@contextmanager
def recording(tape: Tape):
    """Record gates created in this block (on this thread) on ``tape``."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(tape)
    try:
        yield tape
    finally:
        stack.pop()


def in_circuit() -> bool:
    """True while a circuit function is being traced on this thread."""
    return active_tape() is not None


# --- symbols for the inputs ---------------------------------------------------------------
def _called_from_user_code(depth: int) -> bool:
    """True if the frame ``depth`` levels above this one is user code (not sympy or qsym)."""
    module = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return not (module.startswith("sympy") or module.startswith("qsym"))


class TracedSymbol(sp.Symbol):
    """A circuit input while tracing: a real sympy symbol that refuses to be a truth value
    or to be compared with a number in user code.

    sympy answers ``if x:`` (always true) and ``x == 0.3`` (structurally false) without
    error, which would bake one branch into the compiled circuit for every later value.
    Comparisons made inside sympy itself keep their usual meaning.
    """

    def __new__(cls, name, **assumptions):
        return super().__new__(cls, name, real=True)

    def __bool__(self):
        if in_circuit() and _called_from_user_code(1):  # 1: the caller of __bool__
            raise TracingError(
                f"`if {self}:` tests the value of a traced input, which the compiled circuit "
                f"cannot follow. {_TRACE_HINT}"
            )
        return True

    def _number_comparison(self, other, op):
        if (
            in_circuit()
            and isinstance(other, (numbers.Number, np.number))
            and _called_from_user_code(2)  # 1: __eq__ or __ne__, 2: its caller
        ):
            raise TracingError(
                f"`{self} {op} {other}` compares a traced input with a number, which the "
                f"compiled circuit cannot follow. {_TRACE_HINT}"
            )

    def __eq__(self, other):
        self._number_comparison(other, "==")
        return super().__eq__(other)

    def __ne__(self, other):
        self._number_comparison(other, "!=")
        return super().__ne__(other)

    __hash__ = sp.Symbol.__hash__


def symbols_like(name: str, shape: tuple) -> tuple[object, list]:
    """Symbols standing for an input of the given shape: (value to pass, flat symbol list).

    >>> v, flat = symbols_like("w", (2,))
    >>> v, flat
    (array([w[0], w[1]], dtype=object), [w[0], w[1]])
    """
    if shape == ():
        s = TracedSymbol(name)
        return s, [s]
    flat = [TracedSymbol(f"{name}[{', '.join(map(str, idx))}]") for idx in np.ndindex(*shape)]
    arr = np.empty(len(flat), dtype=object)
    arr[:] = flat
    return arr.reshape(shape), flat


_TRACE_HINT = (
    "qsym traces the circuit function once with symbols standing for its numeric inputs, so "
    "Python cannot look at their values. Use qsym.numpy (from qsym import numpy as np) for math "
    "on inputs instead of math/float(); make a value that decides the circuit's structure an "
    "int, or mark the argument static with qml.qnode(dev, static_argnames=[...]) (keyword "
    "arguments); or move the decision outside the circuit."
)


def run_traced(fn, args, kwargs, device_wires: tuple):
    """Call ``fn(*args, **kwargs)`` on a fresh tape; return (tape items, returned value)."""
    from .operations import MeasurementProcess, Operation  # noqa: F401  (circular at import)

    if in_circuit():
        raise TracingError(
            "a QNode was called inside another QNode's circuit function; call its circuit "
            "function directly, or combine the QNodes' results outside the circuits"
        )
    tape = Tape()
    try:
        with recording(tape):
            result = fn(*args, **kwargs)
    except TypeError as exc:
        msg = str(exc)
        if any(
            key in msg
            for key in (
                "truth value of Relational",
                "convert expression to",
                "cannot be interpreted as an integer",
                "Cannot convert",
            )
        ):
            raise TracingError(
                f"circuit function {getattr(fn, '__name__', fn)!r} used the value of a traced "
                f"input ({msg}). {_TRACE_HINT}"
            ) from exc
        raise
    tape.check_observed()
    return tape.items, result


def to_ir(items, result, device_wires: tuple, inputs, data):
    """Turn recorded gates and the returned measurement(s) into a Circuit."""
    from .ir import Circuit, Measurement, Op
    from .operations import MeasurementProcess

    index = {w: i for i, w in enumerate(device_wires)}

    def wire_index(w, what):
        try:
            return index[w]
        except (KeyError, TypeError):
            raise WireError(
                f"{what} uses wire {w!r}, which is not on the device (its wires are "
                f"{list(device_wires)}); create the device with more wires"
            ) from None

    ir_ops = []
    for op in items:
        wires = tuple(wire_index(w, op.name) for w in op.wires) or (0,)  # GlobalPhase()
        params = tuple(sp.sympify(p) for p in op.params)
        ir_ops.append(Op(op.name, wires, params, op.hyper))

    if isinstance(result, MeasurementProcess):
        kinds, results = "scalar", [result]
    elif isinstance(result, (tuple, list)) and result and all(
        isinstance(r, MeasurementProcess) for r in result
    ):
        kinds, results = ("tuple" if isinstance(result, tuple) else "list"), list(result)
    else:
        raise MeasurementError(
            f"a circuit function must return a measurement such as qml.expval(qml.PauliZ(0)) "
            f"or a tuple of them; it returned {type(result).__name__}: {result!r}"
        )
    for m in results:  # probs(op=...): its basis change, after every gate
        if not getattr(m, "diag", ()):
            continue
        rotated = set(m.wires)
        for other in results:
            if other is m:
                continue
            used = (set(device_wires) if other.kind == "state" or (
                        other.obs is None and other.wires is None)
                    else set(other.wires) if other.obs is None else set(other.obs.wires))
            if used & rotated:
                raise MeasurementError(
                    f"probs(op=...) on wires {list(m.wires)} changes their basis, so no other "
                    "measurement of the same circuit can use them; measure it in a separate QNode"
                )
        for op in m.diag:
            wires = tuple(wire_index(w, op.name) for w in op.wires)
            ir_ops.append(Op(op.name, wires, tuple(sp.sympify(p) for p in op.params), op.hyper))
    measurements = []
    if any(m.kind == "state" for m in results) and len(results) > 1:
        raise MeasurementError("qml.state() must be the circuit's only measurement")
    for m in results:
        if m.kind == "state":
            measurements.append(Measurement("state"))
            continue
        if m.kind == "probs" or (m.kind in ("sample", "counts") and m.obs is None):
            on = device_wires if m.wires is None else m.wires
            measurements.append(
                Measurement(m.kind, (), tuple(wire_index(w, m.kind) for w in on))
            )
            continue
        terms = []
        for word, coeff in m.obs.terms.items():
            w = tuple(sorted((wire_index(wire, "an observable"), p) for wire, p in word))
            c = sp.sympify(coeff)
            terms.append((c, w))
        measurements.append(Measurement(m.kind, tuple(terms)))
    return Circuit(
        num_wires=len(device_wires),
        ops=tuple(ir_ops),
        measurements=tuple(measurements),
        inputs=tuple(inputs),
        data=tuple(data),
        output=kinds,
        wire_labels=tuple(device_wires),
    )


def _close(a: float, b: float) -> bool:
    """``np.isclose(a, b, rtol=1e-9, atol=1e-9)`` for two floats, without NumPy's per-call
    cost (about 30 us; a replay compares every gate parameter)."""
    if a == b:
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= 1e-9 + 1e-9 * abs(b)


def replay_check(fn, args, kwargs, circuit, values: dict) -> None:
    """Run ``fn`` once more on numbers and compare with the traced circuit at those numbers.

    A second safety net behind :class:`TracedSymbol` for value-dependent Python that sympy
    cannot refuse (a test on an *expression* of inputs, ``if x * y:``): if the numeric run
    records other gates than the trace evaluated at the same numbers, the trace was not
    faithful. It protects the traced point; :class:`TracedSymbol` protects every other.
    """
    values = {s: sp.Float(float(v)) for s, v in values.items()}
    tape = Tape()
    with recording(tape):
        result = fn(*args, **kwargs)
    numeric = list(tape.items)
    for m in result if isinstance(result, (tuple, list)) else [result]:
        numeric.extend(getattr(m, "diag", ()))  # probs(op=...): as in to_ir
    same = len(numeric) == len(circuit.ops)
    if same:
        for got, op in zip(numeric, circuit.ops):
            if got.name != op.name or len(got.params) != len(op.params):
                same = False
                break
            for gp, tp in zip(got.params, op.params):
                if not _close(float(gp), float(tp.xreplace(values))):
                    same = False
                    break
            if not same:
                break
    if not same:
        raise TracingError(
            f"circuit function {getattr(fn, '__name__', fn)!r} records different gates when "
            f"run on numbers than when traced: its Python control flow depends on the value of "
            f"an input (e.g. `if x:` or `x == 0`). {_TRACE_HINT}"
        )
