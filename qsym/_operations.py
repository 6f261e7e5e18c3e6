"""The user-facing gates, observables and measurements (PennyLane's names and calls).

Each gate class is made from its row of the gate table (:mod:`qsym._gates`). Creating a gate
inside a circuit function records it on the active tape (:mod:`qsym._trace`); a gate used as
an observable (``qml.expval(qml.PauliZ(0))``, ``qml.PauliZ(0) @ qml.PauliX(1)``) is taken
off the tape again, as in PennyLane.

Observables are kept as sums of Pauli words with coefficients (:class:`Observable`), which
is what the kernels measure.

>>> from qsym import _operations as ops
>>> H = 0.5 * ops.PauliZ(0) @ ops.PauliZ(1) - ops.PauliX(0)
>>> H
(0.5 * Z(0)) @ Z(1) + -1 * X(0)
>>> H.terms
{((0, 'Z'), (1, 'Z')): 0.5, ((0, 'X'),): -1}
>>> ops.RX(0.3, wires=0)
RX(0.3, wires=[0])
"""

from __future__ import annotations

import abc
import copy
import functools
import inspect
import math
import numbers
import sys
import warnings
import types
import weakref
from collections.abc import Hashable, Iterable
from pathlib import Path

import autograd.numpy as anp
import numpy as np
import sympy as sp
from autograd.numpy.numpy_boxes import ArrayBox
from autograd.tracer import Box, getval

from ._broadcast import Batched
from ._cache import Memo
from .exceptions import DiagGatesUndefinedError, ParameterFrequenciesUndefinedError, TermsUndefinedError
from .errors import (ArgumentError, DeviceError, DifferentiationError, GateError, NestingError,
                     ComparisonUndefinedError,
                     EigvalsUndefinedError, MatrixUndefinedError, AdjointUndefinedError,
                     GeneratorUndefinedError, MeasurementError, MeasurementShapeError,
                     DecompositionUndefinedError, PowUndefinedError, QuantumFunctionError,
                     RemovedGateError, RotAnglesUndefinedError, SparseMatrixUndefinedError,
                     TracingError, WireError)
from ._gates import GATES, PAULI, REGISTRY, gate_def, is_sparse_matrix
from ._gates import matrix as _gate_matrix
from ._ir import log_base, state_quantity
from ._lambdify import lambdify
from ._trace import (TAPE_REWRITES, MatrixArgument, Measured, Traced, TracedSymbol, active_tape,
                     add_check, known, outer_box_error, outer_tape, not_recording,
                     queue_decompositions, queues_result, take_over)
from .wires import Wires, order_list


def wires_tuple(wires) -> tuple:
    """PennyLane accepts a single label or an iterable of labels."""
    kind = type(wires)
    if kind is int:  # (the common cases first: a gate's wires as ints)
        return (wires,)
    if (kind is list or kind is tuple) and all(type(w) is int for w in wires):
        return tuple(wires)
    labels = wires.ravel() if isinstance(wires, np.ndarray) else wires
    if isinstance(wires, Traced) or (
        isinstance(labels, (list, tuple, np.ndarray)) and any(isinstance(w, Traced) for w in labels)
    ):
        raise TracingError(
            f"wires={wires!r} uses a traced circuit input as a wire label; wires decide the "
            "circuit's structure: pass them as ints (static arguments)"
        )
    if isinstance(wires, (str, numbers.Integral)) or np.isscalar(wires):
        return (wires.item() if isinstance(wires, np.generic) else wires,)
    if isinstance(wires, np.ndarray):
        return tuple(w.item() for w in wires.ravel())
    if isinstance(wires, Iterable):  # numbers, also 0-d arrays (a tensor's elements)
        return tuple(w.item() if isinstance(w, np.generic)
                     or (isinstance(w, np.ndarray) and w.ndim == 0) else w for w in wires)
    if wires is not None and isinstance(wires, Hashable):  # any hashable label (PennyLane's:
        return (wires,)                                     # qml.allocate's DynamicWire)
    raise WireError(f"wires must be a label or a list of labels, got {wires!r}")


def order_tuple(wire_order) -> tuple:
    """A matrix's ``wire_order`` as :func:`qsym.wires.order_list` reads it (PennyLane's
    ``Wires(wire_order)``: one label is one wire; a wire named twice is a ``WireError``)."""
    return tuple(order_list(wire_order))


def check_param(name: str, value):
    """A gate parameter: a real number or a (real) sympy expression of traced inputs (the
    traced value's expression); anything else is a :class:`GateError` naming ``name``.

    >>> check_param("RX", 0.5)
    0.5
    >>> try:
    ...     check_param("RX", 1j)
    ... except GateError as exc:
    ...     print(exc)
    RX: parameter 1j is complex; gate angles must be real

    A complex number of imaginary part 0 is its real part (PennyLane takes it):

    >>> check_param("RX", np.complex128(0.5 + 0j))
    np.float64(0.5)
    """
    return _check_param(name, value)


def _real_by_structure(expr) -> bool:
    """Whether the sympy expression ``expr`` is real by its form alone: sums, products and
    non-negative integer powers of real symbols and real finite numbers (what a traced
    circuit's angles are). True means sympy's ``is_real`` is True too; False means "not
    decided here" (ask sympy). sympy's assumption system takes milliseconds on a sum of a
    few dozen products (a per-call ``SpecialUnitary``'s 15 Pauli rotations, each a sum of 15
    products: 6 ms a gate), this walk microseconds.

    >>> x, y = sp.symbols("x y", real=True)
    >>> _real_by_structure(sp.Float(0.5) * (x - 0.25) + 3 * y**2)
    True
    >>> _real_by_structure(sp.I * x), _real_by_structure(1 / x), _real_by_structure(sp.cos(x))
    (False, False, False)
    """
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.is_Symbol or e.is_Number:
            if not (e.is_real is True and (e.is_Symbol or e.is_finite is True)):
                return False
        elif e.is_Add or e.is_Mul:
            stack.extend(e.args)
        elif e.is_Pow:
            base, exp = e.args
            if not (exp.is_Integer and exp >= 0):
                return False
            stack.append(base)
        else:
            return False
    return True


def _check_param(name: str, value):
    """A gate parameter: a real number or a (real) sympy expression of traced inputs."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    kind = type(value)
    if kind is float or kind is np.float64:  # (the common case first: what the rest gives)
        if math.isfinite(value):
            return value
        raise GateError(f"{name}: parameter is {float(value)}; gate angles must be finite")
    if isinstance(value, Traced):
        value = value.expr
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise GateError(f"{name}: parameter {value!r} is not a number")
        if not _real_by_structure(value) and value.is_real is False:
            raise GateError(f"{name}: parameter {value} is not real; gate angles must be real")
        return value
    if isinstance(value, Box) and (outer_tape() is None or getattr(outer_tape(), "aside", False)
                                   or hasattr(outer_tape(), "add_measurement")):
        # an autograd box in a gate recorded on a tape (qml.tape.QuantumTape, a queue) or
        # made outside any circuit (QuantumScript([qml.RX(x, 0)], ...)): kept, so that
        # executing the tape is differentiated by autograd (qsym._tapes)
        _check_param(name, value._value)
        return value
    if isinstance(value, (bool, np.bool_)):  # a number for PennyLane too: 1.0 or 0.0
        return float(value)
    if isinstance(value, numbers.Real):
        try:
            v = float(value)
        except OverflowError:  # an int beyond a float's range (10**400)
            raise GateError(f"{name}: parameter is an integer of {len(str(abs(value)))} "
                            "digits, too large for a float; gate angles are floats: reduce "
                            "it modulo 2*pi first") from None
        if not np.isfinite(v):
            raise GateError(f"{name}: parameter is {v}; gate angles must be finite")
        return value
    if isinstance(value, numbers.Complex):
        if value.imag == 0:  # a real number of complex type (PennyLane takes it): its value
            return _check_param(name, value.real)
        raise GateError(f"{name}: parameter {value!r} is complex; gate angles must be real")
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            shape = np.shape(np.asarray(value, dtype=object))
        except ValueError:  # NumPy cannot make even an object array of it: ragged
            shape = (len(value),)
        if len(shape) == 1 and shape[0] > 0:  # broadcast: one value per batch element
            if any(np.ndim(v) for v in value if not isinstance(v, (Traced, sp.Basic, Box))):
                raise GateError(  # a ragged nested list: rows of different lengths
                    f"{name}: a parameter must be a scalar or a 1-D array to broadcast over "
                    f"a batch, got a sequence of rows of lengths "
                    f"{[len(v) if np.ndim(v) else 0 for v in value]}; index it (e.g. "
                    "params[0]) or give one number per batch element")

            return Batched(_check_param(name, v) for v in value)
        raise GateError(
            f"{name}: a parameter must be a scalar (or a 1-D array to broadcast over a "
            f"batch), got an array of shape {shape}; index it (e.g. params[0]) or unpack "
            "it (e.g. *params)"
        )
    if isinstance(value, Box):  # in a QNode, from an outer derivative, through a closure
        raise outer_box_error(f"{name}'s parameter")
    raise GateError(f"{name}: parameter must be a real number, got {type(value).__name__}")


def _control_bits(name: str, v, n_wires: int) -> tuple:
    """``control_values`` as a tuple of 0/1, one per control wire (PennyLane's checks and
    messages: a bit string is refused, the length must match)."""
    if name == "MultiControlledX" and n_wires < 2:
        raise WireError(f"MultiControlledX: wrong number of wires. {n_wires} wire(s) given. "
                        "Need at least 2.")
    if isinstance(v, str):
        raise GateError(f"{name}: control_values must be boolean or int (one per control "
                        f"wire), got the string {v!r}")
    bits = tuple(int(b) for b in v)
    if len(bits) != n_wires - 1:
        raise GateError(f"{name}: Length of control values must equal number of control wires. "
                        f"({n_wires - 1} control wires, got {v!r})")
    if set(bits) - {0, 1}:
        raise GateError(f"{name}: control_values must give 0 or 1 for each of the "
                        f"{n_wires - 1} control wires, got {v!r}")
    return bits


def _check_hyper(name: str, hyper: dict, n_wires: int) -> tuple:
    """Validate hyperparameters; return them as hashable ``(name, value)`` pairs."""
    row = GATES[name]
    missing = [h for h in row.hyper if h not in hyper and h != "control_values"]
    if missing:
        raise GateError(f"{name} needs {', '.join(missing)}")
    out = []
    for h in row.hyper:
        if h not in hyper or hyper[h] is None:
            continue
        v = hyper[h]
        if h == "pauli_word":
            if not isinstance(v, str) or not v or set(v) - set("IXYZ"):  # PennyLane's wording
                raise GateError(f'{name}: The given Pauli word "{v}" contains characters that are '
                                "not allowed. Allowed characters are I, X, Y and Z: pauli_word "
                                "must be a string of I, X, Y, Z")
            if len(v) != n_wires:
                raise WireError(
                    f"{name}: The number of wires must be equal to the length of the Pauli word. "
                    f"The Pauli word {v} has length {len(v)}, and {n_wires} wires were given "
                    f"(pauli_word {v!r} has {len(v)} letters for {n_wires} wires).")
        elif h == "dim":
            if not isinstance(v, numbers.Integral) or not 0 <= v <= 2**n_wires:
                raise GateError(  # PennyLane's wording first
                    f"The projected dimension {v!r} must be an integer that is less than or equal "
                    f"to the max size of the matrix {2**n_wires}. Try adding more wires. ({name}: "
                    f"dim must be an int in 0..{2**n_wires}, got {v!r})")
            v = int(v)
        elif h == "control_values":
            v = _control_bits(name, v, n_wires)
        elif h == "U":
            v = _matrix_hyper(name, v, n_wires)
        out.append((h, v))
    if name == "MultiControlledX" and n_wires < 2:
        raise WireError(f"MultiControlledX: wrong number of wires. {n_wires} wire(s) given. "
                        "Need at least 2.")
    return tuple(out)


SPARSE_DENSE_WIRES = 12
"""A ``QubitUnitary`` given a sparse matrix is applied densely up to this many wires."""


def _matrix_hyper(name: str, v, n_wires: int) -> tuple:
    """A ``QubitUnitary``'s matrix as a hashable nested tuple: ``(d, d)``, or a batch of
    them ``(B, d, d)`` (PennyLane's broadcast ``QubitUnitary``); ``d = 2**n_wires``. It is
    not required to be unitary here (PennyLane accepts any matrix and checks only with
    ``unitary_check=True``); a circuit refuses a non-unitary one (:func:`qsym._ir.validate`).
    """
    dim = 2**n_wires
    if isinstance(v, MatrixArgument):  # a matrix argument's stand-in: kept as it is
        if v.shape != (dim, dim):
            raise GateError(f"{name}: Input unitary must be of shape {(dim, dim)} to act on "
                            f"{n_wires} wire(s). Got shape {v.shape} instead.")
        return v
    if is_sparse_matrix(v):  # a SciPy sparse matrix: applied densely (qsym simulates states)
        if tuple(v.shape) != (dim, dim):
            raise GateError(f"{name}: Input unitary must be of shape {(dim, dim)} to act on "
                            f"{n_wires} wire(s). Got shape {tuple(v.shape)} instead.")
        if n_wires > SPARSE_DENSE_WIRES:
            raise GateError(
                f"{name}: a sparse matrix on {n_wires} wires: qsym applies a QubitUnitary as "
                f"a dense matrix, up to {SPARSE_DENSE_WIRES} wires; write the operation as gates")
        v = v.toarray()
    if isinstance(v, Box):  # autograd's matrix (computed from differentiated inputs): its
        tape = outer_tape()  # numbers here; the gate keeps the box as its data (on a tape:
        if not (tape is None or getattr(tape, "aside", False)  # qsym._tapes.boxed_matrix)
                or hasattr(tape, "add_measurement")):
            raise outer_box_error(f"{name}'s matrix")  # (a QNode's trace: never a constant)
        v = getval(v)
    try:
        U = np.asarray(v, dtype=complex)
    except TypeError:
        if isinstance(v, Box) or any(isinstance(e, Box) for e in np.ravel(np.asarray(v, dtype=object))):
            # (a transform rebuilding the gate from autograd values of its matrix entries:
            # the Hadamard test's classical Jacobian of a matrix made of trainable inputs)
            raise DifferentiationError(
                f"{name}: its matrix holds autograd values (computed from parameters being "
                "differentiated), which qsym cannot take as a gate's matrix here; build the "
                "matrix inside the QNode from its arguments, or differentiate with "
                "diff_method='backprop', 'adjoint' or 'parameter-shift'") from None
        raise
    if U.ndim not in (2, 3) or U.shape[-2:] != (dim, dim) or (U.ndim == 3 and not len(U)):
        raise GateError(
            f"{name}: Input unitary must be of shape {(dim, dim)} or (batch_size, {dim}, {dim}) "
            f"to act on {n_wires} wire(s). Got shape {U.shape} instead.")
    # (tolist: Python complex numbers, the same values, a tenth of the time of complex(x))
    if U.ndim == 3:
        return tuple(tuple(map(tuple, m)) for m in U.tolist())
    return tuple(map(tuple, U.tolist()))


MATRIX_CARRIER_WIRES = 4
"""A ``QubitUnitary`` whose matrix is computed from a QNode's inputs carries its derivative
by Pauli rotations by zero (:func:`traced_unitary`) on up to this many wires."""


def traced_unitary(U, n_wires: int):
    """``(U0, carriers)`` for a ``QubitUnitary`` matrix ``U`` computed from a QNode's inputs
    in a per-call trace (its entries traced values): ``U0`` its numbers at this call, and
    ``carriers`` the ``(angle, word)`` of the gates that carry its exact first derivative
    (qsym's way for ``qml.SpecialUnitary``): ``U(x) = V(x) U0`` to first order, with
    ``V = GlobalPhase(phi_0) prod_P PauliRot(phi_P, P)`` after ``U0`` and each angle
    ``sum_s c_s (s - s_0)``, zero at this call: ``dU/ds U0^dagger = -i c_0 - i/2 sum_P c_P P``
    (``word`` None for the phase). The coefficients and ``s_0`` are runtime data
    (:meth:`Looks.constant`), so one compiled structure serves every call. Else (numbers,
    no per-call trace, a batch, more than :data:`MATRIX_CARRIER_WIRES` wires, a matrix
    that is not unitary along an input) ``(U, None)``: the numbers are then taken as
    before, and a derivative by those inputs is refused.

    >>> traced_unitary([[0, 1], [1, 0]], 1)  # numbers (and outside a per-call trace)
    ([[0, 1], [1, 0]], None)
    """
    looks = known()
    if looks is None or isinstance(U, MatrixArgument) or is_sparse_matrix(U):
        return U, None
    arr = np.asarray(U)
    if arr.dtype != object:  # numbers (the usual matrix): nothing traced in it
        return U, None
    exprs = [e.expr if isinstance(e, Traced) else e for e in arr.flat]
    syms = set().union(*[e.free_symbols for e in exprs if isinstance(e, sp.Basic)])
    if not syms or arr.ndim != 2 or n_wires > MATRIX_CARRIER_WIRES:
        return U, None
    what = "qml.QubitUnitary of a matrix of the inputs (exact first derivatives only)"
    syms = tuple(sorted(syms, key=str))
    at = [float(looks.number(sym, what, decides=True)) for sym in syms]
    try:  # U, then dU/ds per input
        values = _entry_functions(tuple(exprs), syms)(*at)
        U0 = np.array(values[0], dtype=complex).reshape(arr.shape)
    except Exception:  # noqa: BLE001  (a function NumPy lacks: the numbers, as before)
        return U, None
    moves = []
    for k, sym in enumerate(syms):
        dU = np.array(values[k + 1], dtype=complex).reshape(arr.shape)
        moves.append((sym, at[k], dU))
    return U0, unitary_carriers(U0, moves, what, looks, n_wires)


def unitary_carriers(U0, moves, what: str, looks, n_wires: int, sparse: bool = False) -> list:
    """The ``(angle, word)`` carriers of :func:`traced_unitary` (``word`` None for the
    global phase) of a matrix ``U(s)`` computed from a per-call trace's inputs, known at
    this call by its numbers ``U0`` and, per input, ``moves``: ``(symbol, its number s_0,
    dU/ds at s_0)``: ``U(s) = V(s) U0`` to first order with ``V`` the carriers' product
    (``dU/ds U0^dagger = -i c_0 - i/2 sum_P c_P P``; each angle ``sum_s c_s (s - s_0)``,
    its coefficients and ``s_0`` runtime data, :meth:`Looks.constant`). Every word of
    ``n_wires`` is a carrier (one structure for every call), or with ``sparse`` only the
    words some input moves (many wires: ``4^n`` words). An input along which ``U`` is not
    unitary is noted as used by value (no derivative by it); an empty list when no input
    moves ``U`` unitarily (no carrier gates: a replay records none).

    >>> from qsym._trace import Looks, TracedSymbol
    >>> x, looks = TracedSymbol("x"), Looks({})
    >>> U0 = np.eye(2)  # exp(-i x/2 Z) at x = 0: dU/dx = -i/2 Z
    >>> [w for _, w in unitary_carriers(U0, [(x, 0.0, -0.5j * np.diag([1, -1]))], "RZ", looks, 1)]
    [None, 'X', 'Y', 'Z']
    >>> [number for _, number in looks.constants]  # x_0, then the phase's, X's, Y's, Z's c
    [0.0, -0.0, 0.0, 0.0, 1.0]
    >>> [w for _, w in unitary_carriers(U0, [(x, 0.0, -0.5j * np.diag([1, -1]))], "RZ", looks,
    ...                                 1, sparse=True)]
    [None, 'Z']
    """
    words, dim, rows = _pauli_words(n_wires), 2**n_wires, []
    for sym, s0_value, dU in moves:
        A = np.asarray(dU, dtype=complex) @ np.asarray(U0, dtype=complex).conj().T
        if not np.allclose(A, -A.conj().T, atol=1e-8):  # U not unitary along this input
            looks.by_value.setdefault(sym, what.split(" (")[0] + " that is not unitary "
                                      "along the input")
            continue
        looks.first_order.setdefault(sym, what)
        # c_P = Re(2i tr(P A) / dim) for every word but the identity (its phase apart)
        c = (2j * np.asarray(pauli_coefficients(A, n_wires))[1:]).real
        rows.append((sym, s0_value, -np.trace(A).imag / dim, c))
    if not rows:
        # (no input the matrix is unitary along, e.g. a matrix argument's own entries: no
        # carrier gates; gates by a plain zero were not the trace's own, and the numeric
        # replay, which records none, differed: a TracingError)
        return []
    kept = range(len(words)) if not sparse else [
        i for i in range(len(words)) if any(abs(r[3][i]) > 1e-13 for r in rows)]
    carriers = {None: 0, **{words[i]: 0 for i in kept}}
    for sym, s0_value, phase, c in rows:
        s0 = looks.constant(s0_value, True)
        carriers[None] += looks.constant(phase, True) * (sym - s0)
        for i in kept:
            carriers[words[i]] += looks.constant(c[i], True) * (sym - s0)
    return [(phi, w) for w, phi in carriers.items()]


@functools.lru_cache(maxsize=64)
def _entry_functions(exprs: tuple, syms: tuple):
    """A NumPy function of the inputs ``syms`` giving ``[entries, d entries/d s for s in
    syms]`` of a matrix whose entries are ``exprs`` (sympy's derivatives; one per traced
    matrix, kept: each call's trace makes the same expressions again). Only the
    derivatives that are not identically zero (an entry by an input it holds) are made and
    compiled: a matrix whose entries are the inputs themselves (a tape's ``QubitUnitary``
    replayed with its entries as inputs, 256 on 4 wires) has one per entry, not one per
    entry and input (65 536 expressions: minutes in ``lambdify``).

    >>> x, y = sp.symbols("x y")
    >>> _entry_functions((x * y, x, sp.Integer(2)), (x, y))(3.0, 5.0)
    [[15.0, 3.0, 2], [5.0, 1, 0], [3.0, 0, 0]]
    """
    entries = [sp.sympify(e) for e in exprs]
    index = {s: k for k, s in enumerate(syms)}
    pairs = [(i, index[s]) for i, e in enumerate(entries)
             for s in sorted(e.free_symbols & index.keys(), key=index.__getitem__)]
    f = lambdify(syms, [entries, [sp.diff(entries[i], syms[k]) for i, k in pairs]])

    def values(*at):
        vals, dvals = f(*at)
        out = [list(vals)] + [[0] * len(entries) for _ in syms]
        for (i, k), d in zip(pairs, dvals):
            out[k + 1][i] = d
        return out

    return values


def _take_traced_matrix(name: str, hyper: dict, n_wires: int):
    """A ``QubitUnitary``'s ``hyper["U"]`` made its numbers if the inputs computed it in a
    circuit's per-call trace; the carriers of :func:`traced_unitary` (or None)."""
    if name != "QubitUnitary" or hyper.get("U") is None or active_tape() is None:
        return None
    hyper["U"], carriers = traced_unitary(hyper["U"], n_wires)
    return carriers


def carrier_gates(carriers, wires) -> list:
    """The gates (recorded) of :func:`traced_unitary`'s ``(angle, word)`` carriers."""
    return [GATE_CLASSES["GlobalPhase"](phi, wires=wires) if w is None else
            GATE_CLASSES["PauliRot"](phi, pauli_word=w, wires=wires) for phi, w in carriers]


def _pauli_words(n: int) -> list:
    """The ``4**n - 1`` Pauli words on ``n`` wires other than the identity."""
    words = [""]
    for _ in range(n):
        words = [w + p for w in words for p in "IXYZ"]
    return [w for w in words if set(w) != {"I"}]


def _deprecated_id(id):  # noqa: A002  (PennyLane's name)
    """``id``, with PennyLane 0.45's deprecation warning when one is given (the label or
    marker it gives an operator still works: ``qml.fourier.mark`` is the new way)."""
    if id is not None:
        from .exceptions import PennyLaneDeprecationWarning

        warnings.warn("The 'id' argument is deprecated and will be removed in v0.46. (use "
                      "qml.fourier.mark(op, marker) to mark an operator)",
                      PennyLaneDeprecationWarning, stacklevel=3)
    return id


def is_unitary(U, atol: float = 1e-10) -> bool:
    """Whether ``U`` (a matrix, or a stack of them) is unitary to ``atol``.

    >>> is_unitary(np.eye(2)), is_unitary([[[1, 0], [0, 1j]], [[0, 1], [1, 0]]]), is_unitary([[1, 1], [0, 1]])
    (True, True, False)
    """
    U = np.asarray(U, dtype=complex)
    eye = np.eye(U.shape[-1])
    return bool(np.allclose(np.swapaxes(U, -1, -2).conj() @ U, eye, atol=atol))


def _warn_unitary_check(U) -> None:
    """PennyLane's ``QubitUnitary(..., unitary_check=True)`` warning for a matrix that may
    not be unitary (its tolerance, 1e-6)."""
    if not is_unitary(U, atol=1e-6):
        warnings.warn(f"Operator {np.asarray(U)}\n may not be unitary. Verify unitarity of "
                      "operation, or use a datatype with increased precision.", UserWarning,
                      stacklevel=4)


# PennyLane's parameter names, for gates called with keyword parameters (qml.RX(phi=0.1, ...)),
# noise-model conditions and docstrings: one entry for every table gate with parameters
# (tests/test_pennylane_front.py checks that none is missing)
PARAM_NAMES = {
    **dict.fromkeys(
        ("RX", "RY", "RZ", "PhaseShift", "U1", "CRX", "CRY", "CRZ", "ControlledPhaseShift",
         "IsingXX", "IsingYY", "IsingZZ", "IsingXY", "PSWAP", "SingleExcitation",
         "SingleExcitationPlus", "SingleExcitationMinus", "DoubleExcitation",
         "DoubleExcitationPlus", "DoubleExcitationMinus", "OrbitalRotation", "PCPhase",
         "GlobalPhase", "CPhaseShift00", "CPhaseShift01", "CPhaseShift10", "FermionicSWAP"),
        ("phi",),
    ),
    "MultiRZ": ("theta",),
    "PauliRot": ("theta",),
    "U2": ("phi", "delta"),
    "U3": ("theta", "phi", "delta"),
    "Rot": ("phi", "theta", "omega"),
    "CRot": ("phi", "theta", "omega"),
}


# PennyLane keywords that do not change a gate's unitary (auxiliary wires of its
# decomposition): kept on the gate (``op.work_wires``, ``op.work_wire_type``), not in its
# table hyperparameters; its decomposition uses them
_IGNORED_KEYWORDS = {"MultiControlledX": ("work_wires", "work_wire_type")}
# gates whose first positional argument is the wires in PennyLane (then control_values)
_WIRES_FIRST = frozenset({"MultiControlledX"})


# gates PennyLane prints by a short name and their wire: X(0), H('a'), I()
_SHORT_REPR = {"Identity": "I", "Hadamard": "H", "PauliX": "X", "PauliY": "Y", "PauliZ": "Z",
               "S": "S", "T": "T", "SX": "SX"}
# gates whose PennyLane repr writes the wires as a ``Wires`` object (the classes without a
# ``__repr__`` of their own among PennyLane 0.45's controlled rotations)
_WIRES_OBJECT_REPR = frozenset({"CRZ", "CRot", "ControlledPhaseShift"})


# parametrized gates whose matrix PennyLane 0.45 returns as float64 (real parameters)
REAL_PARAMETRIC = frozenset({"SingleExcitation", "DoubleExcitation", "OrbitalRotation"})


def _pennylane_dtype(name: str, m: np.ndarray, n_params: int) -> np.ndarray:
    """A constant gate's matrix in PennyLane's dtype: ``int64`` where its entries are
    integers (PauliX, PauliZ, CNOT, CZ, SWAP, Toffoli, CSWAP), ``float64`` where they are
    real (Hadamard, Identity, MultiControlledX), complex otherwise; so ``full += w * qml.matrix(qml.PauliZ(0))``
    on a real array works as in PennyLane. Gates with parameters stay complex, except the
    Givens rotations PennyLane builds real (:data:`REAL_PARAMETRIC`: ``float64``)."""
    if n_params and name in REAL_PARAMETRIC and not np.any(m.imag):
        return m.real.copy()
    if n_params or np.any(m.imag):
        return m
    real = m.real.copy()
    if name not in ("Identity", "MultiControlledX") and np.array_equal(real, np.round(real)):
        return real.astype(np.int64)
    return real


class _ClassOrInstanceProperty:
    """A read-only property of the class that also sees the instance it is read on (None
    on the class): ``has_decomposition``, whose rules added with ``qml.add_decomps`` may
    apply to some operators of a class and not to others (their resource parameters).

    >>> class Wide:
    ...     @_ClassOrInstanceProperty
    ...     def many(cls, op=None):
    ...         return None if op is None else op.n > 2
    >>> w = Wide()
    >>> w.n = 3
    >>> Wide.many, w.many
    (None, True)
    """

    def __init__(self, func):
        self.func = func
        self.__doc__ = getattr(func, "__doc__", None)

    def __get__(self, obj, owner=None):
        return self.func(owner if owner is not None else type(obj), obj)


def added_rules(cls, op=None) -> list:
    """The decomposition rules added with ``qml.add_decomps`` for an operator class of your
    own (none for qsym's classes: their decompositions are their own), in order; those that
    apply to ``op``'s ``resource_params`` if it is given (PennyLane's
    ``rule.is_applicable``). ``qsym.decomposition`` registers the lookup.

    >>> added_rules(GATE_CLASSES["RX"])
    []
    """
    lookup = METHODS.get("added_rules")
    if lookup is None or not _yours(cls):
        return []
    rules = list(lookup(cls))
    if op is None or not rules:
        return rules
    params = getattr(op, "resource_params", None) or {}
    return [r for r in rules if r.is_applicable(**params)]


def rule_decomposition(op, rule) -> list:
    """The operators a decomposition rule makes for ``op`` (called with its data, wires and
    hyperparameters, PennyLane's ``Operator.decomposition`` fallback), recorded on a queue
    of their own; where a recording is active, their gates are applied there too (PennyLane
    queues them again)."""
    from ._trace import QueueLog, Tape, active_tape, recording

    tape = Tape()
    tape.log = QueueLog()
    with recording(tape):
        rule(*op.data, wires=op.wires, **op.hyperparameters)
    outer = active_tape()
    if outer is not None:
        for g in tape.items:
            outer.append(g)
    return list(tape.log)


class classproperty:
    """PennyLane's ``qml.operation.classproperty``: a read-only property of the class
    (read on the class or an instance), as operator classes declare ``num_wires``.

    >>> class Three:
    ...     @classproperty
    ...     def num_wires(cls):
    ...         return 3
    >>> Three.num_wires, Three().num_wires
    (3, 3)
    """

    def __init__(self, func):
        self.func = func
        self.__doc__ = getattr(func, "__doc__", None)

    def __get__(self, obj, owner=None):
        return self.func(owner if owner is not None else type(obj))




# the types of a gate's one parameter Operation._init_plain takes the short way: True for a
# NumPy array (its 0-d float64 ones; the others go the general way), False for a float
_FLOAT_SCALAR: dict = {float: False, np.float64: False, np.ndarray: True}


def note_float_array_type(cls) -> None:
    """``cls``, an ndarray subclass whose ``[()]`` of a 0-d array is NumPy's (the
    ``qsym.numpy`` tensor), taken by :meth:`Operation._init_plain` as an ndarray."""
    _FLOAT_SCALAR[cls] = True


def _plain_labels(wires):
    """A gate's wires as a tuple if they are one int or a non-empty list or tuple of
    distinct ints (what :func:`wires_tuple` and :class:`Wires` give them without a
    check left to fail), else None.

    >>> _plain_labels(3), _plain_labels([0, 2]), _plain_labels([0, 0]), _plain_labels("a")
    ((3,), (0, 2), None, None)
    """
    kind = type(wires)
    if kind is int:
        return (wires,)
    if (kind is list or kind is tuple) and wires and all(type(w) is int for w in wires):
        labels = tuple(wires)
        if len(set(labels)) == len(labels):
            return labels
    return None


# PennyLane's sentinel of a batch size not worked out yet (``qml.operation._UNSET_BATCH_SIZE``)
UNSET_BATCH_SIZE = -1


def _keep_given(op, args) -> None:
    """0-d tensors and broadcast ones (one value per batch element) as given: ``op.data``
    keeps their ``requires_grad``, as PennyLane's does (a QNode's tape's trainable_params);
    a broadcast parameter given as a NumPy array: ``op.data`` holds that array, as
    PennyLane's does (``op.data[0] is phi``; decompositions pass it on)."""
    kept = []
    for i, (a, p) in enumerate(zip(args, op.params)):
        batched = isinstance(p, Batched)
        kept.append(a if getattr(a, "requires_grad", None) is not None
                    and (batched or np.ndim(a) == 0) else None)
        # (a tensor too: op.data holds it, _tensors; its values are read from it again
        # where it has changed, Operation._refresh_given)
        if batched and isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind in "fiu":
            op.__dict__.setdefault("_batch_arrays", {})[i] = (p, a)
    # (one loop, no generator: a gate of a tensor's element, the common case of a circuit
    # called on a trainable array, 2.4 -> 0.8 us, issue #17)
    op._tensors = tuple(kept)


def _batched(param) -> bool:
    """Whether a gate's parameter is broadcast (one value per batch element)."""
    return isinstance(param, Batched)


class _ClassReadableName(property):
    """An operator's ``name`` property that, read on the class (``qml.CZ.name``), gives the
    name its instances have (PennyLane's controlled gates and ``Projector`` have it as a class
    attribute; qsym gives it for every gate class); read on an instance it is the property.
    ``class_name(cls)`` says what the class's is."""

    def __init__(self, fget, fset=None, class_name=None):
        super().__init__(fget, fset)
        self.class_name = class_name

    def __get__(self, obj, cls=None):
        if obj is None:
            return self.class_name(cls) if cls is not None else self
        return self.fget(obj)

    def setter(self, fset):
        return type(self)(self.fget, fset, self.class_name)


class _GateName(_ClassReadableName):
    """``Operation.name``: :class:`_ClassReadableName` with the instance's read written out
    (``op.name`` is read often: one Python call, not two)."""

    def __get__(self, obj, cls=None):
        if obj is None:
            return _gate_class_name(cls) if cls is not None else self
        return obj._own_name or obj._table_name or type(obj).__name__


def _gate_class_name(cls) -> str:
    """The name an instance of a gate class has (a user's subclass of a gate: the gate's)."""
    row = cls._row
    if row is not None and cls.__name__ not in GATES and GATES.get(row.name) is row:
        return row.name
    return cls.__name__


def _written_name_property() -> property:
    """PennyLane's ``op._name`` (``Operator.__init__`` sets it to the class name; ``op.name``
    returns it): here ``op.name``; set, it sets ``op.name`` where that can be set, else it
    is kept as given (an attribute of the operator, as before)."""

    def get(self):
        return self.__dict__.get("_given_name") or self.name

    def put(self, value):
        declared = inspect.getattr_static(type(self), "name", None)
        if isinstance(declared, property) and declared.fset:
            self.name = value
        else:
            self.__dict__["_given_name"] = value

    return property(get, put)


def like_data(m, op):
    """``m`` (a matrix of ``op``) in the interface of ``op``'s parameters, as PennyLane's
    ``op.matrix()``: a ``qsym.numpy`` tensor when a parameter is one (trainable when one
    is), else ``m`` as it is (an autograd box inside ``qml.grad`` stays one; an observable
    given by numbers, ``plain_matrix``, gives a plain array as PennyLane's Hermitian)."""
    if not isinstance(m, np.ndarray) or getattr(op, "plain_matrix", False):
        return m
    given_u = op.__dict__.get("_u_given") if isinstance(op, Operation) else None
    if isinstance(op, Operation) and type(op).data is Operation.data and (
            given_u is None or m is given_u):
        # (op.data's tensors without making op.data, a hot path: its tensor parameters are
        # _tensors, its given matrix the one matrix() returned; else op.data is read)
        data = (*(getattr(op, "_tensors", ()) or ()), *(() if given_u is None else (given_u,)))
    else:
        try:
            data = op.data
        except Exception:  # noqa: BLE001 - an operator without data: nothing to follow
            return m
    found = [p for p in data if isinstance(p, np.ndarray) and hasattr(p, "requires_grad")]
    if not found or type(m) is type(found[0]):
        return m
    return type(found[0])(m, requires_grad=any(bool(p.requires_grad) for p in found))


def matrix_in_data_interface(cls) -> None:
    """The ``matrix`` a class defines returns its result through :func:`like_data`
    (PennyLane's ``qml.RX(pnp.array(0.1), 0).matrix()`` is a trainable tensor); the operator
    base classes' ``__init_subclass__`` call it for every operator class."""
    fn = cls.__dict__.get("matrix")
    # (a plain function only: a staticmethod or property named matrix is left as written)
    if not isinstance(fn, types.FunctionType) or getattr(fn, "_in_data_interface", False):
        return

    @functools.wraps(fn)
    def matrix(self, *args, **kwargs):
        return like_data(fn(self, *args, **kwargs), self)

    matrix._in_data_interface = True
    cls.matrix = matrix



def _set_wires(op, wires) -> None:
    """Give ``op`` its wires: PennyLane's ``_wires`` where its class reads them through a
    ``wires`` property of its own without a setter (PennyLane's ``Operator.wires`` returns
    ``self._wires``; a subclass may override it), else the attribute ``wires``."""
    attr = getattr(type(op), "wires", None)  # (on the class: the property itself)
    if isinstance(attr, property) and attr.fset is None:
        op._wires = wires
    else:
        op.wires = wires

class Operation:
    """A gate application. Subclasses are made from the gate table, one per row.

    >>> import qsym as qml
    >>> op = qml.RX(0.5, wires=0)
    >>> isinstance(op, qml.Operation), op.name, op.params, op.wires
    (True, 'RX', (0.5,), Wires([0]))
    """

    num_params: int = 0
    num_wires: int = 1

    _row = None  # the gate-table row the class was made from (qsym._gates.GateDef)
    # PennyLane's private ``op._batch_size``: unset until worked out (a table gate made by the
    # fast constructor has none of its own; qml.devices.qubit sets it when it finds a batch)
    _batch_size = UNSET_BATCH_SIZE

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queue_decompositions(cls)  # op.decomposition() queues its operators, as PennyLane's
        matrix_in_data_interface(cls)
        if cls.__module__.split(".")[0] == "qsym":
            return  # qsym's own classes (qml.operation.Operator) say what they have
        # PennyLane's has_matrix of a class of your own: whether it defines a matrix
        if _user_operator(cls) and not any(_declares(cls, a) for a in (
                "has_matrix", "compute_matrix", "matrix", "compute_sparse_matrix")):
            cls.has_matrix = False
        for has, defined in (("has_generator", ("generator",)), ("has_adjoint", ("adjoint",)),
                             ("has_sparse_matrix", ("compute_sparse_matrix", "sparse_matrix"))):
            if _user_operator(cls) and not _declares(cls, has):  # PennyLane's rule
                setattr(cls, has, any(_declares(cls, d) for d in defined))

    def __init__(self, *args, wires=None, id=None, **hyper):
        row = self._row
        if (not hyper and id is None and wires is not None and row is not None
                and not row.hyper and len(args) == self.num_params
                and GATES.get(type(self).__name__) is row):
            # the common case (a table gate of its own class, parameters by position,
            # wires given, no hyperparameters, no id): the checks below that hold for it
            # by these conditions skipped (issue #17: a 12x8 HEA's trace and replays make
            # 900 gates); the same object as the general path makes
            labels = _plain_labels(wires)
            if labels is None or (self.num_wires and len(labels) != self.num_wires):
                self._init_gate(type(self).__name__, args, wires, {}, {}, False, None)
            else:
                self._init_plain(type(self).__name__, args, labels)
            return
        name = type(self).__name__
        if row is None and _user_operator(type(self)):
            return self._init_user(args, wires, id, hyper)
        if row is not None and name not in GATES and GATES.get(row.name) is row:
            name = self._table_name = row.name  # a user's subclass of a gate: that gate
        elif row is None or GATES.get(name) is not row:
            raise _stale_class(name, row)
        n_par = row.num_params  # (the table's: a QubitUnitary's matrix is a hyperparameter)
        n_fixed = n_par + len(row.hyper)  # parameters, then hyperparameters, as in PennyLane
        pnames = PARAM_NAMES.get(name, ())
        named = [p for p in pnames if p in hyper]
        if named:  # parameters by PennyLane's names: qml.RX(phi=0.1, wires=0)
            k = pnames.index(named[0])
            if wires is None and len(args) == k + 1:
                wires, args = args[k], args[:k]
            if len(args) != k or tuple(named) != pnames[k:]:
                raise GateError(
                    f"{name} takes parameter(s) {', '.join(pnames)}: give them in that order, "
                    "positionally or by name (the ones by name last)"
                )
            args = tuple(args) + tuple(hyper.pop(p) for p in named)
        aux = {k: hyper.pop(k) for k in _IGNORED_KEYWORDS.get(name, ()) if k in hyper}
        unitary_check = hyper.pop("unitary_check", False) if "U" in row.hyper else False
        if "dimension" in hyper and "dim" in row.hyper:  # PCPhase's PennyLane hyperparameter
            hyper["dim"] = tuple(hyper.pop("dimension"))[0]
        if name in _WIRES_FIRST and wires is None and args:  # MultiControlledX([0, 1, 2])
            wires, args = args[0], args[1:]
        unknown = set(hyper) - set(row.hyper)
        if unknown:
            raise GateError(f"{name} got unexpected keyword argument(s) {sorted(unknown)}")
        if wires is None and len(args) > n_fixed:
            wires = args[n_fixed]
            args = args[:n_fixed] + args[n_fixed + 1 :]
        if len(args) > n_fixed:
            raise GateError(f"{name} takes {n_par} parameter(s), got {len(args) - len(row.hyper)}")
        for hname, value in zip(row.hyper, args[n_par:]):
            if hname in hyper:
                raise GateError(f"{name} got {hname!r} twice")
            hyper[hname] = value
        args = args[:n_par]
        if len(args) != n_par:
            raise GateError(
                f"{name} takes {n_par} parameter(s), e.g. "
                f"{name}({', '.join(['0.1'] * n_par + ['wires=0'])}); got {len(args)}"
            )
        if wires is None:
            if name not in ("GlobalPhase", "Identity"):
                raise GateError(f"{name} needs wires=, e.g. {name}(..., wires=0) (Must specify "
                                "the wires where the operation acts on)")
            wires = ()  # a global phase (any wire will do), or PennyLane's qml.I(): 1
        self._init_gate(name, args, wires, hyper, aux, unitary_check, id)

    def _init_plain(self, name, args, labels):
        """:meth:`_init_gate` of the common case (no hyperparameters, no work wires, no id)
        whose wires are distinct ints as many as the gate has (:func:`_plain_labels`): the
        same attributes, set in the same order, without the checks these conditions pass
        (issue #17: a 12x8 HEA's recording and its two replays make 900 gates)."""
        array = _FLOAT_SCALAR.get(type(args[0])) if len(args) == 1 else None
        if array and not args[0].shape and args[0].dtype.char == "d":
            # (one parameter, a 0-d float64 array: a trainable tensor's element ``w[i, j]``,
            # what a replay of a circuit called on one gives each gate: _check_param's and
            # _keep_given's result without their general tests; issue #17)
            a = args[0]
            v = np.ndarray.__getitem__(a, ())
            if not math.isfinite(v):
                _check_param(name, v)  # (raises: gate angles must be finite)
            self.params = (v,)
            self._tensors = (a if getattr(a, "requires_grad", None) is not None else None,)
        elif array is False:  # (a float)
            self.params = (_check_param(name, args[0]),)
            self._tensors = (None,)
        else:
            self.params = tuple([_check_param(name, a) for a in args])
            if all(type(a) is float or type(a) is np.float64 for a in args):
                # (_keep_given of plain numbers: nothing to keep)
                self._tensors = (None,) * len(args)
            else:
                _keep_given(self, args)
        self.wires = tuple.__new__(Wires, labels)
        self.hyper = ()
        self.id = None
        tape = active_tape()
        if tape is not None:
            tape.append(self)

    def _init_gate(self, name, args, wires, hyper, aux, unitary_check, id):
        """The rest of :meth:`__init__` once the arguments are sorted: ``args`` the
        parameters, ``hyper`` the hyperparameters by name, ``aux`` MultiControlledX's
        work wires (PennyLane's keywords qsym checks but does not apply)."""
        self.params = tuple(_check_param(name, a) for a in args)
        _keep_given(self, args)
        labels = wires_tuple(wires)
        try:
            duplicate = len(set(labels)) != len(labels)
        except TypeError:  # an unhashable label: Wires names it
            duplicate = False
        if duplicate:
            raise WireError(f"{name} got duplicate wires {list(labels)}")
        self.wires = Wires(labels)  # a tuple of labels, as PennyLane's Wires
        if aux.get("work_wires") is not None and set(wires_tuple(aux["work_wires"])) & set(labels):
            raise WireError("Work wires must be different the control_wires and base operation "
                            f"wires. ({name} on {list(labels)}, work_wires "
                            f"{list(wires_tuple(aux['work_wires']))})")
        if aux.get("work_wire_type", "borrowed") not in ("zeroed", "borrowed"):
            raise GateError("work_wire_type must be either 'zeroed' or 'borrowed'. Got "
                            f"'{aux['work_wire_type']}'. ({name}: 'zeroed' work wires start "
                            "and end in |0>, 'borrowed' ones in any state)")
        if aux:
            self._aux = {"work_wires": Wires(wires_tuple(aux.get("work_wires") or ())),
                         "work_wire_type": aux.get("work_wire_type", "borrowed")}
        if self.num_wires and len(self.wires) != self.num_wires:
            raise WireError(
                f"{name} acts on {self.num_wires} wire(s), got {len(self.wires)}: "
                f"{list(self.wires)}"
            )
        if not self.wires and name not in ("GlobalPhase", "Identity"):
            raise WireError(f"{name}: wrong number of wires: {name} needs at least one wire, "
                            f"got wires={list(self.wires)}")
        carriers = None
        if hyper or self._row.hyper:
            given_u = hyper.get("U")
            carriers = _take_traced_matrix(name, hyper, len(self.wires))
            self.hyper = _check_hyper(name, hyper, len(self.wires))
            self._keep_given_matrix(given_u)
            if is_sparse_matrix(given_u):
                self._given_sparse(given_u)
            if unitary_check:
                _warn_unitary_check(dict(self.hyper)["U"])
        else:  # (no hyperparameters: what the calls above give for none)
            self.hyper = ()
        self.id = _deprecated_id(id)
        tape = active_tape()
        if tape is not None:
            tape.append(self)
        if carriers is not None:  # the derivative of a matrix of the inputs, after it
            self._carriers = carrier_gates(carriers, list(self.wires))

    _table_name = None  # a user's subclass of a gate class: the gate's name
    _aux = None  # MultiControlledX's work_wires and work_wire_type, as given
    sparse_given = None  # a QubitUnitary's U given as a SciPy sparse matrix (CSR)

    def _keep_given_matrix(self, U) -> None:
        """A ``QubitUnitary``'s matrix as given, its ``data[0]`` (PennyLane's: the object
        itself, ``op.data[0] is U``; a list made an array once, its dtype NumPy's)."""
        if U is None or "U" not in dict(self.hyper):
            return
        if isinstance(U, (list, tuple)):
            try:
                U = np.asarray(U)
            except ValueError:  # ragged (refused by the checks before)
                return
        if isinstance(U, np.ndarray) and U.dtype != object or isinstance(U, Box):
            self._u_given = U  # (a box: autograd's matrix, boxed_matrix)

    def __deepcopy__(self, memo):
        """PennyLane's deep copy: everything copied but the parameters, which are shared
        (``copy.deepcopy(op).data[0] is op.data[0]``: PennyLane keeps tensors that cannot
        be deep-copied so)."""
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = value if key in ("_u_given", "_tensors", "params") \
                else dict(value) if key == "_batch_arrays" else copy.deepcopy(value, memo)
        return new

    def _given_sparse(self, U) -> None:
        """PennyLane's ``QubitUnitary`` of a SciPy sparse matrix: ``sparse_matrix()`` is it
        (CSR), ``matrix()`` is undefined (``MatrixUndefinedError``: ``qml.matrix`` gives it
        dense), decomposed on one wire only; circuits apply it densely (the table's ``U``)."""
        self.sparse_given = U.asformat("csr")
        self.has_matrix, self.has_sparse_matrix = False, True
        if len(self.wires) > 1:
            self.has_decomposition = False

    @property
    def aux_keywords(self) -> dict:
        """The keywords a gate keeps besides its table hyperparameters (``work_wires``,
        ``work_wire_type`` of ``MultiControlledX``: they change its decomposition, not its
        matrix); given again, they make the same gate.

        >>> MultiControlledX(wires=[0, 1, 2, 3], work_wires=[4]).aux_keywords
        {'work_wires': Wires([4]), 'work_wire_type': 'borrowed'}
        """
        return dict(self._aux) if self._aux else {}

    def _init_user(self, args, wires, id, hyper):
        """A user's own operator class (``class MyOp(qml.operation.Operator)``): its
        parameters, wires and hyperparameters are kept, its matrix is its
        ``compute_matrix``; it is not a gate of the table, so a circuit refuses it.
        PennyLane's checks and messages: wires by keyword or as the last argument, as many
        parameters as ``num_params`` says, as many wires as ``num_wires`` says."""
        name = type(self).__name__
        n = type(self).num_params if _declares(type(self), "num_params") else None
        from_args = wires is None and bool(args)
        if wires is None and args and (not isinstance(n, int) or len(args) > n):
            wires, args = args[-1], args[:-1]
        if wires is None:
            raise WireError(f"Must specify the wires that {name} acts on, e.g. {name}(..., wires=0)")
        self._n_given = len(args)
        if n is None:  # PennyLane's default: as many parameters as given
            self.num_params = len(args)
        expected = self.num_params  # (a class attribute, or a property of the instance)
        if len(args) != expected:
            if from_args and len(args) == expected - 1:
                raise WireError(f"Must specify the wires that {name} acts on (the last "
                                "argument was taken for the wires)")
            raise GateError(f"{name}: wrong number of parameters. {len(args)} parameters "
                                f"passed, {expected} expected.")
        # PennyLane's: list and tuple parameters become arrays
        args = tuple(np.array(a) if isinstance(a, (list, tuple)) else a for a in args)
        self.params = tuple(args)
        self._tensors = tuple(a if getattr(a, "requires_grad", None) is not None else None for a in args)
        _set_wires(self, Wires(wires_tuple(wires)))
        if _declares(type(self), "num_wires") and isinstance(self.num_wires, int) \
                and len(self.wires) != self.num_wires:
            raise WireError(f"{name}: wrong number of wires. {len(self.wires)} wires given, "
                            f"{self.num_wires} expected.")
        self._batch_size = self._ndim_params = UNSET_BATCH_SIZE  # worked out when asked
        self.hyper = tuple(hyper.items())
        self.id = _deprecated_id(id)
        tape = active_tape()
        if tape is not None:
            if type(self).__name__ in GATES:  # would be taken for the table's gate
                raise GateError(f"your operator class {type(self).__name__} has the name of a "
                                "gate of qsym's table: rename it, or use qml.define_gate")
            tape.append(self)

    def _check_batching(self) -> None:
        """PennyLane's ``_check_batching`` of a user's operator: each parameter's number of
        dimensions against ``ndim_params`` (one more: broadcast, the batch its first
        dimension); sets ``_batch_size`` and ``_ndim_params``."""
        ndims = tuple(np.ndim(p) for p in self.data)
        self._batch_size, self._ndim_params = None, ndims
        declared = self._declared_ndim()
        if declared is None or ndims == tuple(declared):
            return
        matches = [(d == e, d == e + 1) for d, e in zip(ndims, declared)]
        if len(ndims) != len(declared) or not all(a or b for a, b in matches):
            raise GateError(f"{self.name}: wrong number(s) of dimensions in parameters. "
                                f"Parameters with ndims {ndims} passed, {tuple(declared)} expected.")
        firsts = [np.shape(p)[0] for (_, b), p in zip(matches, self.data) if b]
        if any(f != firsts[0] for f in firsts):
            raise GateError("Broadcasting was attempted but the broadcasted dimensions do "
                                f"not match: {firsts}.")
        self._batch_size = firsts[0]

    def _declared_ndim(self):
        """The ``ndim_params`` a user's class declares (class attribute or property), else
        None."""
        if not _declares(type(self), "ndim_params"):
            return None
        for c in type(self).__mro__:
            if "ndim_params" in vars(c):
                v = vars(c)["ndim_params"]
                return v.__get__(self, type(self)) if hasattr(v, "__get__") else v
        return None

    def _get_name(self) -> str:
        return self._own_name or self._table_name or type(self).__name__

    def _set_name(self, value: str) -> None:
        """PennyLane's ``op.name = ...`` (a label of the operator; the gate it is stays)."""
        self._own_name = value

    name = _GateName(_get_name, _set_name, _gate_class_name)  # (its read is _get_name's)

    _own_name = None
    _name = _written_name_property()

    def matrix(self, wire_order=None) -> np.ndarray:
        """The numeric matrix (parameters must be numbers); on ``wire_order`` (a list of
        wires holding the gate's) the matrix of the gate on those wires.

        >>> PauliZ(0).matrix()  # PennyLane's dtype: integers for integer entries
        array([[ 1,  0],
               [ 0, -1]])
        >>> PauliX(1).matrix(wire_order=[0, 1]).real.astype(int)
        array([[0, 1, 0, 0],
               [1, 0, 0, 0],
               [0, 0, 0, 1],
               [0, 0, 1, 0]])
        """
        if self.sparse_given is not None:
            raise MatrixUndefinedError(f"{self.name}: U is sparse matrix. Use sparse_matrix method "
                                       "instead (qml.matrix(op) gives it dense)")
        self._refresh_given()
        m = self._own_matrix()
        if not self.wires and self._row is not None:  # GlobalPhase(x), I(): a multiple of 1
            m = m[..., :1, :1]  # PennyLane's: on no wires, a 1x1 matrix
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return m
        if self.name == "GlobalPhase" or (not self.wires and self._row is not None):  # a multiple of the identity, on any wires
            return m[..., :1, :1] * np.eye(2 ** len(order_list(wire_order)), dtype=m.dtype)
        return expand_matrix(m, self.wires, wire_order)

    def _own_matrix(self) -> np.ndarray:
        if self._row is None:  # a user's operator: its own compute_matrix
            if not _declares(type(self), "compute_matrix"):
                raise MatrixUndefinedError(f"{self.name} has no matrix (PennyLane's "
                                           "MatrixUndefinedError): define compute_matrix")
            return np.asarray(self.compute_matrix(*self.params, **dict(self.hyper)))

        sizes = {len(p) for p in self.params if isinstance(p, Batched)}
        if sizes:  # broadcast parameters: one matrix per batch element, batch first
            (size,) = sizes
            return np.stack([
                _gate_matrix(
                    self.name,
                    *[float(p[b] if isinstance(p, Batched) else p) for p in self.params],
                    num_wires=None if self.num_wires else max(len(self.wires), 1),
                    **dict(self.hyper),
                )
                for b in range(size)
            ])
        if any(isinstance(p, Box) for p in self.params):
            traced = _traced_matrix(self)
            if traced is None:
                raise DifferentiationError(
                    f"the matrix of {self.name} with a parameter autograd differentiates "
                    "(qml.matrix inside qml.grad) is supported by qsym for gates of one "
                    "parameter with a generator only: differentiate a QNode (its derivative "
                    "is compiled), or take the matrix at a number")
            return traced
        if any(isinstance(p, sp.Basic) and any(isinstance(s, TracedSymbol) for s in p.free_symbols)
               for p in self.params):
            return _symbolic_matrix(self)
        if "_u_given" in self.__dict__:  # a QubitUnitary's matrix: as given (PennyLane's)
            (U,) = self._matrix_data()
            return U
        return _pennylane_dtype(self.name, _gate_matrix(
            self.name,
            *[float(p) for p in self.params],
            num_wires=None if self.num_wires else max(len(self.wires), 1),
            **dict(self.hyper),
        ), len(self.params))

    @property
    def data(self) -> tuple:
        """The gate's parameters (PennyLane's ``op.data``); a ``qsym.numpy`` tensor given
        as a parameter is kept, with its ``requires_grad``."""
        given = getattr(self, "_tensors", ()) or (None,) * len(self.params)
        return self._matrix_data() + tuple(
            g if g is not None else self._batch_array(i, p) if isinstance(p, Batched) else p
            for i, (g, p) in enumerate(zip(given, self.params)))

    def _refresh_given(self) -> None:
        """The broadcast parameters again from their arrays (``op.data``'s): PennyLane's
        operator holds the array given (``op.data[0] is phi``) and computes its matrix,
        decomposition and execution from it, so ``phi[0] = 5`` after ``RX(phi, 0)`` changes
        them all; qsym keeps each parameter's values too, made again here where one of those
        arrays has changed (each number checked as the constructor checks it).

        >>> phi = np.array([0.1, 0.2]); op = RX(phi, wires=0); phi[0] = np.pi
        >>> bool(np.allclose(op.matrix()[0], [[0, -1j], [-1j, 0]]))
        True
        """
        kept = self.__dict__.get("_batch_arrays")
        if not kept:
            return
        params = list(self.params)
        for i, (p, a) in list(kept.items()):
            if i >= len(params) or params[i] is not p or not isinstance(p, Batched):
                continue
            if a.shape == (len(p),) and all(x == y for x, y in zip(a.tolist(), p)):
                continue
            with _no_recording():  # (numbers, not a circuit's literals: the array as it is)
                new = _check_param(self.name, np.array(a, dtype=float))
            params[i] = new
            kept[i] = (new, a)
        self.params = tuple(params)

    def _batch_array(self, i: int, p) -> np.ndarray:
        """Broadcast parameter ``i`` as one array: the same object while the parameter is
        (PennyLane's ``op.data`` holds its arrays: ``op.data == op.data``)."""
        cache = self.__dict__.setdefault("_batch_arrays", {})
        hit = cache.get(i)
        if hit is None or hit[0] is not p:
            hit = cache[i] = (p, np.array(list(p)))
        return hit[1]

    def _matrix_data(self) -> tuple:
        """``(U,)`` for a gate given by a matrix (``QubitUnitary``: PennyLane's ``data`` is
        the matrix), else ``()``."""
        if self._row is None or "U" not in self._row.hyper:
            return ()
        U = dict(self.hyper).get("U")
        if U is None or isinstance(U, MatrixArgument):  # (a stand-in: as it is)
            return () if U is None else (U,)
        numbers = np.array(U, dtype=complex)
        given = self.__dict__.get("_u_given")
        if given is not None and np.shape(given) == numbers.shape and np.array_equal(
                getval(given), numbers):
            return (given,)  # (changed in place since: the matrix the gate applies, below)
        return (numbers,)

    @data.setter
    def data(self, values) -> None:
        """New parameters in place (PennyLane's ``op.data = ...``): as many as the operator
        has, each checked as the constructor checks it (a gate's must be real).

        >>> op = RX(0.1, wires=0)
        >>> op.data = (0.2,)
        >>> op
        RX(0.2, wires=[0])
        """
        if _yours(type(self)):  # (a user's class assigning a list: PennyLane keeps it, and
            if isinstance(values, tuple):  # assert_valid says "op.data must be a tuple")
                self.__dict__.pop("_data_assigned", None)
            else:
                self.__dict__["_data_assigned"] = type(values).__name__
        values = tuple(values)
        if self._matrix_data() and len(values) == len(self.params) + 1:  # (U, ...): the matrix
            hyper = dict(self.hyper)
            hyper["U"] = values[0]
            self.hyper, values = _check_hyper(self.name, hyper, len(self.wires)), values[1:]
            self.__dict__.pop("_u_given", None)
            self._keep_given_matrix(hyper["U"])
        if len(values) != len(self.params):
            raise ValueError(f"{self.name} has {len(self.data)} parameter(s); op.data was given "
                             f"{len(values)}: give one value per parameter")
        self.params = tuple(values) if self._row is None else \
            tuple(_check_param(self.name, v) for v in values)
        self._tensors = tuple(v if getattr(v, "requires_grad", None) is not None else None
                              for v in values)

    @property
    def parameters(self) -> list:
        """The gate's parameters as a list: ``list(op.data)``, as PennyLane's
        ``op.parameters`` (a ``QubitUnitary``'s matrix first; a broadcast parameter as its
        array, the one given).

        >>> phi = np.array([0.1, 0.2])
        >>> RX(phi, wires=0).parameters[0] is phi
        True
        """
        return list(self.data)

    @property
    def hyperparameters(self) -> dict:
        """The gate's non-numeric settings (PennyLane's ``op.hyperparameters``); PCPhase's
        as PennyLane's, ``{"dimension": (dim, 2**num_wires)}``, which its
        :meth:`compute_matrix` takes.

        >>> PCPhase(0.1, dim=1, wires=[0, 1]).hyperparameters
        {'dimension': (1, 4)}

        A controlled gate of the table (``CNOT``, ``CZ``, ``Toffoli``, ``CRX``, ...) has
        PennyLane's ``ControlledOp`` keys:

        >>> CZ(wires=[0, 1]).hyperparameters
        {'control_wires': Wires([0]), 'control_values': [True], 'work_wires': Wires([]), 'work_wire_type': 'borrowed', 'base': Z(1)}
        """
        if "_hyperparameters" in vars(self):  # a user's class sets PennyLane's dict itself
            return self._hyperparameters
        if _yours(type(self)):  # PennyLane's: one dict, kept, that a user's class fills
            self._hyperparameters = dict(self.hyper) if "hyper" in vars(self) else {}
            return self._hyperparameters
        if "hyper" not in vars(self):  # a user's __init__ that does not call Operator's
            return {}
        if self.name == "PCPhase":
            return {"dimension": (dict(self.hyper)["dim"], 2 ** len(self.wires))}
        if self.name == "MultiControlledX":  # PennyLane's keys
            return {"control_wires": Wires(self.wires[:-1]), "control_values": self.control_values,
                    "work_wires": self.work_wires, "work_wire_type": self.work_wire_type}
        if self._matrix_data():  # QubitUnitary: its matrix is data (PennyLane's: no settings)
            return {k: v for k, v in self.hyper if k != "U"}
        if self.name in CONTROLLED_LABELS and not self.hyper:  # PennyLane's ControlledOp keys
            return {"control_wires": self.control_wires,
                    "control_values": self.control_values,
                    "work_wires": Wires([]), "work_wire_type": "borrowed", "base": self.base}
        return dict(self.hyper)

    @property
    def resource_params(self) -> dict:
        """The settings that decide which gates a decomposition makes (PennyLane's
        ``op.resource_params``): the hashable hyperparameters, and ``num_wires`` for a gate
        on any number of wires; ``{}`` for most gates.

        >>> GATE_CLASSES["MultiRZ"](0.1, wires=[0, 1, 2]).resource_params
        {'num_wires': 3}
        """
        if self.name == "MultiControlledX":  # PennyLane's
            return {"num_control_wires": len(self.wires) - 1,
                    "num_zero_control_values": len([v for v in self.control_values if not v]),
                    "num_work_wires": len(self.work_wires), "work_wire_type": self.work_wire_type}
        out = {k: v for k, v in self.hyper if isinstance(v, (str, int, float, bool, tuple))
               and k != "U"}  # a matrix is data, not a resource parameter (PennyLane's)
        if self.name in ("GlobalPhase", "Identity", "PauliRot"):  # PennyLane's: no num_wires
            return out
        if self._row is not None and not self._row.num_wires:
            out["num_wires"] = len(self.wires)
        return out

    @classmethod
    def compute_matrix(cls, *params, num_wires=None, n_wires=None, **hyper) -> np.ndarray:
        """The gate's matrix at these parameters, without making a gate (PennyLane's
        ``qml.RX.compute_matrix(theta)``); parameters given as 1-D arrays broadcast: a
        stack of matrices, batch first. ``num_wires`` (or ``n_wires``) for gates on any
        number of wires.

        >>> RX.compute_matrix(np.pi).round(12)
        array([[0.+0.j, 0.-1.j],
               [0.-1.j, 0.+0.j]])
        >>> RZ.compute_matrix(np.array([0.0, np.pi])).shape
        (2, 2, 2)
        """
        name = cls.__name__
        if _yours(cls):  # a class of your own without one
            raise MatrixUndefinedError(f"{name} has no matrix (PennyLane's MatrixUndefinedError): "
                                       "define compute_matrix")
        n = num_wires if num_wires is not None else n_wires
        if "dimension" in hyper:  # PCPhase's PennyLane hyperparameter: (dim, 2**num_wires)
            dim, size = hyper.pop("dimension")
            hyper["dim"], n = dim, int(size).bit_length() - 1
        n_par = cls._row.num_params if cls._row is not None else cls.num_params
        params, extra = params[:n_par], params[n_par:]
        if extra:  # PennyLane's positional hyperparameters: PauliRot(theta, "XY"), MultiRZ(theta, 2)
            names = _MATRIX_ARGUMENTS.get(name) or cls._row.hyper or (
                ("num_wires",) if not cls.num_wires else ())
            if len(extra) > len(names):
                raise GateError(f"{name}.compute_matrix takes {n_par} parameter(s) "
                                f"and {', '.join(names) or 'no hyperparameters'}")
            given = dict(zip(names, extra))
            n = given.pop("num_wires", n)
            hyper = {**given, **hyper}
        if "control_wires" in hyper:  # MultiControlledX.compute_matrix(control_wires, ...)
            n = len(list(np.atleast_1d(hyper.pop("control_wires")))) + 1
            if hyper.get("control_values") is None:
                hyper.pop("control_values", None)
        if n is None and isinstance(hyper.get("pauli_word"), str):
            n = len(hyper["pauli_word"])
        if not cls.num_wires and n is None:
            n = 1
        if any(isinstance(p, Box) for p in params):  # autograd's values (qml.grad of it)
            return _boxed_matrix(cls._row, params, None if cls.num_wires else n, hyper)
        arrays = [np.asarray(p, dtype=float) for p in params]
        sizes = {a.shape[0] for a in arrays if a.ndim == 1}
        if any(a.ndim > 1 for a in arrays) or len(sizes) > 1:
            raise GateError(f"{name}.compute_matrix: parameters must be numbers or 1-D arrays "
                            "of one length (a batch)")
        kw = {"num_wires": None if cls.num_wires else n, **hyper}
        if not sizes:
            return _pennylane_dtype(name, _gate_matrix(name, *[float(a) for a in arrays], **kw),
                                    len(arrays))
        (size,) = sizes
        return np.stack([_gate_matrix(name, *[float(a[b] if a.ndim else a) for a in arrays], **kw)
                         for b in range(size)])

    @classmethod
    def compute_eigvals(cls, *params, **hyper) -> np.ndarray:
        """The eigenvalues of :meth:`compute_matrix` (its diagonal for a diagonal gate, in
        basis order, as PennyLane's ``compute_eigvals``).

        >>> IsingZZ.compute_eigvals(np.pi).round(12)
        array([0.-1.j, 0.+1.j, 0.+1.j, 0.-1.j])
        """
        if _yours(cls) and not _declares(cls, "compute_matrix"):
            raise EigvalsUndefinedError(f"{cls.__name__} has no eigenvalues (PennyLane's "
                                        "EigvalsUndefinedError): define compute_eigvals or "
                                        "compute_matrix")
        closed = PENNYLANE_EIGVALS.get(cls.__name__)
        if closed is not None and not hyper and len(params) == cls.num_params:
            return _closed_eigvals(closed, params)
        m = cls.compute_matrix(*params, **hyper)
        return _eigenvalues(m)

    @classmethod
    def compute_decomposition(cls, *params, wires=None, **hyper) -> list:
        """PennyLane's decomposition at these parameters, without making the gate first
        (``qml.PauliRot.compute_decomposition(theta, wires=..., pauli_word=...)``); a table
        gate without one raises PennyLane's ``DecompositionUndefinedError`` whatever the
        arguments.

        >>> try:
        ...     GATE_CLASSES["CNOT"].compute_decomposition()
        ... except DecompositionUndefinedError as exc:
        ...     print(exc)
        CNOT has no decomposition: it is a gate of qsym's table
        """
        row = cls._row
        if (row is not None and not user_declares(cls, "compute_decomposition", "decomposition")
                and row.name not in METHODS.get("decompositions", ())):
            raise DecompositionUndefinedError(f"{row.name} has no decomposition: it is a gate "
                                              "of qsym's table")
        if cls.__name__ == "MultiControlledX":  # PennyLane's compute_decomposition(wires, ...)
            given = wires if wires is not None else (params[0] if params else ())
            if len(wires_tuple(given)) < 2:
                raise WireError("Wrong number of wires. At least two are needed (MultiControlledX: "
                                f"the control wires and the target), got {list(wires_tuple(given))}")
        with _no_recording():
            op = cls(*params, wires=wires, **hyper)
        return op.decomposition()

    @classmethod
    def compute_diagonalizing_gates(cls, *params, wires, **hyper) -> list:
        """PennyLane's static ``compute_diagonalizing_gates`` of the one-wire observables
        (``PauliX``: ``Hadamard``; ``PauliY``: ``PauliZ, S, Hadamard``; ``Hadamard``:
        ``RY(-pi/4)``; ``PauliZ``, ``Identity``: none).

        >>> GATE_CLASSES["Hadamard"].compute_diagonalizing_gates(wires=1)
        [RY(-0.7853981633974483, wires=[1])]
        """
        name = cls._row.name if cls._row is not None else cls.__name__
        if name in _DIAGONAL_GATES:
            return []
        if name not in _DIAGONALIZING:
            raise DiagGatesUndefinedError(f"{name} has no diagonalizing gates (PennyLane's "
                                          "DiagGatesUndefinedError): it is not an observable")
        w = list(wires_tuple(wires))
        return [GATE_CLASSES[g](*(float(p) for p in pars), wires=w)
                for g, pars in _DIAGONALIZING[name]]

    def diagonalizing_gates(self) -> list:
        """The gates taking this observable's eigenbasis to the computational basis
        (PennyLane's ``diagonalizing_gates``; applied in a circuit, or recorded by
        ``qml.matrix`` of a function, like any gate made there).

        >>> PauliX(0).diagonalizing_gates()
        [H(0)]
        """
        if _yours(type(self)) and not user_declares(
                type(self), "compute_diagonalizing_gates"):
            raise DiagGatesUndefinedError(f"{self.name} has no diagonalizing gates (PennyLane's "
                                          "DiagGatesUndefinedError): define "
                                          "compute_diagonalizing_gates")
        return diagonalizing_gates(self)

    @property
    def basis(self):
        """The Pauli basis the gate acts in on its target (PennyLane's ``op.basis``: ``"X"``
        for RX, SX, CNOT, Toffoli; ``"Z"`` for RZ, PhaseShift, S, T, CZ; ...), else None.

        >>> RX(0.1, wires=0).basis, CZ(wires=[0, 1]).basis, Hadamard(0).basis
        ('X', 'Z', None)
        """
        return _BASIS.get(self.name)

    @property
    def control_wires(self):
        """The control wires of a controlled gate (CNOT: the first; Toffoli, CCZ: the first
        two; MultiControlledX: all but the last), else none (PennyLane's ``control_wires``).

        >>> Toffoli(wires=[0, 1, 2]).control_wires
        Wires([0, 1])
        """
        from .wires import Wires

        if getattr(self, "_ctrl_of", None) is not None:  # made by qml.ctrl
            return Wires([w for w in self.wires if w not in self._ctrl_of.wires])
        if self.name == "MultiControlledX":
            return Wires(self.wires[:-1])
        if self.name in ZERO_CONTROLLED_PHASES:
            return Wires(self.wires[:1])
        k = CONTROLLED_LABELS.get(self.name, (0,))[0]
        return Wires(self.wires[:k])

    @property
    def control_values(self) -> str:
        """PennyLane's ``control_values`` of ``CPhaseShift00`` and ``CPhaseShift01``, whose
        control wire (the first) is controlled on 0: ``"0"``; the table's controlled gates
        (``CNOT``, ``CRX``, ...) have their own (``[True]`` per control wire, PennyLane's
        ``ControlledOp``); the other table gates have none, as in PennyLane.

        >>> CPhaseShift01(0.3, wires=[0, 1]).control_wires, CPhaseShift01(0.3, wires=[0, 1]).control_values
        (Wires([0]), '0')
        """
        if ZERO_CONTROLLED_PHASES.get(self.name) is not None:
            return ZERO_CONTROLLED_PHASES[self.name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute 'control_values'")

    @property
    def base(self) -> "Operation":
        """The operator this gate was made from (PennyLane's ``op.base`` of ``Adjoint``,
        ``Controlled`` and ``Pow``): the gate given to ``qml.adjoint``, ``qml.ctrl`` or
        ``qml.pow``; of a controlled gate of the table, its target gate.

        >>> CRX(0.1, wires=[0, 1]).base
        RX(0.1, wires=[1])
        """
        for attr in ("_adjoint_of", "_ctrl_of"):
            if getattr(self, attr, None) is not None:
                return getattr(self, attr)
        if getattr(self, "_pow_of", None) is not None:
            return self._pow_of[0]
        return self._target_gate()

    def _target_gate(self) -> "Operation":
        """Of a controlled gate of the table (``CRX``, ``CZ``, ...), its target gate: its own
        parameters on the wires after its controls (also when it was made by ``qml.adjoint``
        or ``qml.pow``, whose ``base`` is the gate given to them)."""
        target = CONTROLLED_TARGETS.get(self.name)
        if target is None:
            raise AttributeError(f"{self.name} has no base: it is not an adjoint, a controlled "
                                 "gate or a power (qml.adjoint, qml.ctrl, qml.pow)")
        k = len(self.control_wires)
        with _no_recording():
            made = GATE_CLASSES[target](*self.params, wires=list(self.wires[k:]))
        tensors = getattr(self, "_tensors", ())
        if len(tensors) == len(made.params) and any(t is not None for t in tensors):
            made._tensors = tensors  # its tensors (PennyLane's data: trainable in qml.ctrl of it)
        return made

    @property
    def pauli_rep(self):
        """The gate as a ``qml.pauli.PauliSentence`` if it is a Pauli (or the identity) or
        one of the constant gates PennyLane gives one (``S``, ``T``, ``SX``, ``SWAP``, ``ECR``,
        ``ISWAP``, ``SISWAP``), else None (PennyLane's ``op.pauli_rep``; Hadamard's is None
        there too).

        >>> PauliX(0).pauli_rep
        1.0 * X(0)
        """
        if self._pauli_rep is not None:
            return self._pauli_rep
        row = self._row
        if self.name in _PAULI_REP_GATES:  # PennyLane's, from the matrix (exact sums)
            terms = pauli_decomposition(np.asarray(self.matrix(), dtype=complex),
                                        tuple(self.wires)).terms
            # PennyLane's sentences: letters in the gate's wire order (SWAP([1, 0]):
            # X(1) @ X(0)), real numbers real
            at = {w: i for i, w in enumerate(self.wires)}
            terms = {tuple(sorted(word, key=lambda p: at[p[0]])):
                     (c.real if isinstance(c, complex) and c.imag == 0 else c)
                     for word, c in terms.items()}
        elif self.name in ("PauliX", "PauliY", "PauliZ") and len(self.wires) == 1:
            terms = {((self.wires[0], self.name[-1]),): 1}  # as_observable's, without it
        elif row is None or row.pauli is None or self.name == "Hadamard" or (
                len(self.wires) != 1 and self.name != "Identity"):
            return None
        else:
            with _no_recording():
                terms = as_observable(self).terms
        self._pauli_rep = METHODS["pauli_rep"](terms)  # computed once, when asked (PennyLane's)
        return self._pauli_rep

    _pauli_rep = None

    @property
    def z(self):
        """The exponent of a gate made by ``qml.pow`` (PennyLane's ``Pow.z``)."""
        if getattr(self, "_pow_of", None) is None:
            raise AttributeError(f"{self.name} has no exponent: it was not made by qml.pow")
        return self._pow_of[1]

    @property
    def target_wires(self):
        """The wires that are not control wires (PennyLane's ``target_wires``)."""
        return Wires(self.wires[len(self.control_wires):])

    def remake(self, params=None) -> "Operation":
        """A copy with ``params`` (default: its own), made where it is called (in a circuit:
        applied), as a tape re-runs its gates.

        >>> RX(0.1, wires=0).remake([0.2])
        RX(0.2, wires=[0])
        """
        params = self.params if params is None else params
        hyper = dict(self.hyper)
        if "U" in hyper and len(params) == len(self.params) + 1:  # PennyLane's data: (U,)
            hyper.pop("U")  # the matrix given (a tape's parameters: ControlledQubitUnitary)
        elif "U" in hyper and isinstance(self.__dict__.get("_u_given"), Box):
            hyper["U"] = self._u_given  # autograd's matrix: kept (not its numbers)
        if (not getattr(type(self).__init__, "__module__", "qsym").startswith("qsym")
                or vars(type(self)).get("AS_USER_CLASS", False)):
            try:  # a user's class with its own __init__: made by it if it takes these
                inspect.signature(type(self)).bind(*params, wires=list(self.wires), **hyper)
            except TypeError:  # else PennyLane's way, a copy with the new parameters
                return self._copy_with(params)
        return type(self)(*params, wires=list(self.wires), **hyper, **self.aux_keywords)

    def _copy_with(self, params) -> "Operation":
        """A copy with other parameters, recorded where it is called (PennyLane's
        ``bind_new_parameters``: for an operator whose constructor takes other arguments)."""
        new = copy.copy(self)
        new.params = tuple(params)
        new._tensors = tuple(p if getattr(p, "requires_grad", None) is not None else None
                             for p in params)
        tape = active_tape()
        if tape is not None:
            tape.append(new)
        return new

    def _flatten(self):
        """PennyLane's pytree protocol: ``(data, (wires, hyperparameters as pairs))``, the
        metadata hashable (a ``QubitUnitary``'s matrix as nested tuples).

        >>> RX(0.1, wires=0)._flatten()
        ((0.1,), (Wires([0]), ()))
        """
        matrix = bool(self._matrix_data())  # the matrix is data, not metadata
        return tuple(self.data), (self.wires, tuple(self.hyperparameters.items())
                                  if "_hyperparameters" in vars(self) else
                                  tuple(h for h in self.hyper if not (matrix and h[0] == "U")))

    @classmethod
    def _unflatten(cls, data, metadata):
        """The gate again from :meth:`_flatten`'s output (PennyLane's
        ``type(op)._unflatten(*op._flatten())``), made where it is called.

        >>> op = PauliRot(0.2, "XY", wires=[0, 1])
        >>> type(op)._unflatten(*op._flatten())
        PauliRot(0.2, XY, wires=[0, 1])
        """
        wires, hyper = metadata
        return cls(*data, wires=list(wires), **dict(hyper))

    @property
    def shift_gate(self):
        """The gate whose proved shift rule differentiates this operator by its own
        parameters (``qml.gradients.param_shift`` of a tape): the gate itself; for
        ``Adjoint(U(t))`` the rule of ``U``; for a controlled gate written as one table
        gate of the same parameters, that gate; None where no such gate exists.

        >>> RX(0.1, wires=0).shift_gate
        RX(0.1, wires=[0])
        """
        return self

    @property
    def table_gates(self) -> tuple:
        """The gates of qsym's table that apply this operator in a circuit: the gate
        itself; for what ``qml.adjoint``, ``qml.ctrl`` and ``qml.pow`` make, the gates
        they wrote.

        >>> RX(0.1, wires=0).table_gates
        (RX(0.1, wires=[0]),)
        """
        self._refresh_given()  # (qml.apply(op): a broadcast array changed since, read again)
        return (self,)

    def __repr__(self):
        short = _SHORT_REPR.get(self.name)
        if short is not None:  # PennyLane's X(0), H('a'), I()
            w = list(self.wires)
            return f"{short}({w[0]!r})" if len(w) == 1 else f"{short}({w if w else ''})"
        if self.name == "MultiControlledX":  # PennyLane's: the wires, then the control values
            values = dict(self.hyper).get("control_values") or (1,) * (len(self.wires) - 1)
            return f"MultiControlledX(wires={list(self.wires)}, control_values={[bool(v) for v in values]})"
        # each parameter as PennyLane shows it, its repr: 0.5, np.float64(0.5), tensor(0.5,
        # requires_grad=True), array([0.1, 0.2]) for a broadcast one
        given = self.data[len(self._matrix_data()):]
        if self.name == "PauliRot":  # PennyLane's own form (its str of the angle)
            word = dict(self.hyper).get("pauli_word")
            return f"PauliRot({given[0]}, {word}, wires={list(self.wires)})"
        pars = ", ".join([repr(p) for p in given] + [f"{h}={v!r}" for h, v in self.hyper])
        wires = f"Wires({list(self.wires)})" if self.name in _WIRES_OBJECT_REPR \
            else list(self.wires)
        return f"{self.name}({pars + ', ' if pars else ''}wires={wires})"

    # --- PennyLane's Operator interface ------------------------------------------------------
    _queue_category = "_ops"  # PennyLane's: where a queue files it (gates are operations)
    has_matrix = True
    has_sparse_matrix = False
    has_adjoint = True

    @property
    def arithmetic_depth(self) -> int:
        """1 for the gates PennyLane makes as controlled operators (its ``ControlledOp``
        classes: ``CNOT``, ``Toffoli``, ``CRX``, ``MultiControlledX``, ...), else 0; a
        product shows them in parentheses, as PennyLane's.

        >>> CNOT(wires=[0, 1]).arithmetic_depth, RX(0.1, wires=0).arithmetic_depth
        (1, 0)
        """
        return int(self._row is not None and (self.name in CONTROLLED_LABELS
                                              or self.name == "MultiControlledX"))

    @classproperty
    def has_generator(cls) -> bool:
        """Whether :meth:`generator` is defined: a one-parameter gate whose row gives
        ``U(t) = exp(-i t G)`` (PennyLane's ``op.has_generator``, read on the class too)."""
        row = cls._row
        return row is not None and row.num_params == 1 and row.generator is not None

    @_ClassOrInstanceProperty
    def has_decomposition(cls, op=None) -> bool:
        """Whether :meth:`decomposition` gives gates (PennyLane's ``op.has_decomposition``,
        read on the class too; a user's class: whether it defines ``decomposition`` or
        ``compute_decomposition``, or has a rule added with ``qml.add_decomps`` that applies
        to the operator: PennyLane 0.45's fallback).

        >>> RX.has_decomposition, Rot(0.1, 0.2, 0.3, wires=0).has_decomposition
        (False, True)
        """
        if user_declares(cls, "compute_decomposition", "decomposition"):
            return True
        if (cls._row.name if cls._row is not None else cls.__name__) in METHODS.get(
                "decompositions", ()):
            return True
        return bool(added_rules(cls, op))

    @classproperty
    def has_diagonalizing_gates(cls) -> bool:
        """Whether the gate is an observable with :meth:`diagonalizing_gates` (read on the
        class too; a user's class: whether it defines ``compute_diagonalizing_gates`` or
        ``diagonalizing_gates``).

        >>> PauliX.has_diagonalizing_gates, RX.has_diagonalizing_gates
        (True, False)
        """
        if user_declares(cls, "compute_diagonalizing_gates", "diagonalizing_gates"):
            return True
        name = cls._row.name if cls._row is not None else cls.__name__
        return (name in _DIAGONALIZING or name in _DIAGONAL_GATES
                or CONTROLLED_TARGETS.get(name) in _DIAGONALIZING)

    @property
    def grad_method(self):
        """``"A"`` (analytic, by a shift rule) for a gate with parameters, else None; for a
        class of your own PennyLane's default: ``"A"`` where it gives a ``grad_recipe`` or
        parameter frequencies (``parameter_frequencies``, or a ``generator`` of its one
        parameter), else ``"F"`` (finite differences)."""
        if not self.num_params or (self._row is not None and not self._row.num_params):
            return None  # (a QubitUnitary: its matrix is its one parameter, PennyLane's None)
        if not _yours(type(self)) or any(r is not None for r in self.grad_recipe):
            return "A"
        try:
            self.parameter_frequencies
        except ParameterFrequenciesUndefinedError:
            return "F"
        return "A"

    @property
    def grad_recipe(self) -> list:
        """PennyLane's per-parameter recipes: ``None`` each (the rule comes from the
        frequencies, :attr:`parameter_frequencies`; qsym's proved rules: ``qsym rules``)."""
        return [None] * self.num_params

    @property
    def parameter_frequencies(self) -> list:
        """The frequencies of each parameter, derived and proved from the gate's matrix
        (PennyLane's ``op.parameter_frequencies``).

        >>> CRX(0.3, wires=[0, 1]).parameter_frequencies
        [(0.5, 1.0)]
        """
        from .rules import PL_CLASS_FREQUENCIES, rule_for_gate

        if _yours(type(self)):  # a class of your own
            return _generator_frequencies(self)
        if self._row is not None and self.num_params and not self._row.num_params:
            raise ParameterFrequenciesUndefinedError(  # (PennyLane's, for a QubitUnitary)
                f"Operation {self.name} does not have parameter frequencies defined.")
        kw = {"num_wires": None if self.num_wires else len(self.wires), "hyper": self.hyper}
        # (an instance with none, a global phase: PennyLane's class attribute)
        return [tuple(float(f) for f in rule_for_gate(self.name, i, **kw).frequencies)
                or PL_CLASS_FREQUENCIES.get(self.name, ()) for i in range(self.num_params)]

    @property
    def batch_size(self):
        """The broadcast batch size of the parameters, or None (PennyLane's ``batch_size``)."""
        if _yours(type(self)):  # PennyLane's, from ndim_params
            if getattr(self, "_batch_size", UNSET_BATCH_SIZE) is UNSET_BATCH_SIZE:
                self._check_batching()
            return self._batch_size
        # (an autograd box of a 1-D array is a batch too: a tape made under qml.grad)
        sizes = {len(p) for p in self.params
                 if isinstance(p, Batched) or isinstance(p, Box) and getattr(p, "ndim", 0) == 1}
        U = dict(self.hyper).get("U") if self._row is not None else None
        if isinstance(U, tuple) and isinstance(U[0][0], tuple):  # a stack of matrices (QubitUnitary;
            sizes.add(len(U))  # nested tuples: no array made of a large matrix here)
        return sizes.pop() if sizes else None

    @property
    def ndim_params(self) -> tuple:
        """The number of dimensions of each parameter (PennyLane's ``ndim_params``): 0 for
        an angle; ``(2,)`` for ``QubitUnitary``'s matrix, its one parameter in PennyLane.

        >>> RX(0.1, wires=0).ndim_params, QubitUnitary(np.eye(2), wires=0).ndim_params
        ((0,), (2,))
        """
        if self._row is not None and "U" in self._row.hyper:
            return (2,)
        if _yours(type(self)):  # the parameters' own, as given
            if getattr(self, "_batch_size", UNSET_BATCH_SIZE) is UNSET_BATCH_SIZE:
                self._check_batching()
            return self._ndim_params
        return (0,) * len(self.params)

    def terms(self):
        """PennyLane's ``op.terms()`` of a gate: refused, as PennyLane's gates have no
        representation as a sum of terms (``TermsUndefinedError``); an observable, a
        ``Sum``, ``Prod``, ``SProd`` or ``Hamiltonian`` gives ``(coeffs, ops)``.

        >>> import qsym as qml
        >>> try:
        ...     RX(0.3, wires=0).terms()
        ... except qml.operation.TermsUndefinedError as exc:
        ...     print(str(exc).split(" (")[0])
        RX has no terms
        >>> qml.s_prod(2.0, qml.X(0)).terms()
        ([2.0], [X(0)])
        """
        raise TermsUndefinedError(
            f"{self.name} has no terms (no representation as a sum of operators, "
            "PennyLane's TermsUndefinedError): use qml.pauli_decompose(qml.matrix(op)) for its "
            "Pauli sum")

    def generator(self) -> "Observable":
        """The generator ``G`` with ``U(t) = exp(i t G)``, PennyLane's convention, as the
        operator PennyLane's ``op.generator()`` gives: a ``LinearCombination`` of Pauli words
        for the rotations, a ``Projector`` for ``PhaseShift``/``U1``/``CPhaseShift**``, a
        ``Prod`` with a projector on the control for the controlled rotations and
        ``ControlledPhaseShift``, a ``Hermitian`` for ``PCPhase``.

        >>> RX(0.3, wires=0).generator()
        -0.5 * X(0)
        >>> PhaseShift(0.3, wires=0).generator()
        Projector(array([1]), wires=[0])
        """
        return pennylane_generator(self)

    def eigvals(self) -> np.ndarray:
        """The eigenvalues: the diagonal of a diagonal matrix, in basis order, else
        ``numpy.linalg.eigvals`` of the matrix (PennyLane's ``op.eigvals()``).

        >>> PauliZ(0).eigvals()
        array([ 1., -1.])
        """
        self._refresh_given()
        if self._row is not None and self.name in CONTROLLED_TARGETS:  # PennyLane's ControlledOp
            with _no_recording():
                return controlled_eigenvalues(self._target_gate().eigvals(), len(self.wires))
        closed = PENNYLANE_EIGVALS.get(self.name) if self._row is not None else None
        if closed is not None:
            return _closed_eigvals(closed, [np.array(p) if isinstance(p, Batched) else p
                                            for p in self.params])
        try:
            m = self.matrix() if self.sparse_given is None else self.sparse_given.toarray()
        except MatrixUndefinedError as exc:  # PennyLane's: no eigenvalues without a matrix
            raise EigvalsUndefinedError(f"{self.name} has no eigenvalues (PennyLane's "
                                        "EigvalsUndefinedError): define compute_eigvals or "
                                        "compute_matrix") from exc
        # PennyLane's eigenvalues of an integer matrix (PauliZ, CNOT) are floats
        return _eigenvalues(m.astype(float) if m.dtype.kind in "iu" else m)

    def single_qubit_rot_angles(self) -> list:
        """PennyLane's ``[phi, theta, omega]``: ``Rot(phi, theta, omega)`` is this gate up to
        a global phase (:data:`ROT_ANGLES`: the one-wire gates PennyLane gives them for;
        another gate raises ``RotAnglesUndefinedError``, a ``NotImplementedError``).

        >>> RX(0.3, wires=0).single_qubit_rot_angles()
        [1.5707963267948966, 0.3, -1.5707963267948966]
        """
        angles = ROT_ANGLES.get(self.name) if self._row is not None else None
        if angles is None:
            raise RotAnglesUndefinedError(
                f"{self.name} has no single_qubit_rot_angles (PennyLane defines them for "
                f"{', '.join(ROT_ANGLES)}); for any one-wire matrix use "
                "qml.ops.one_qubit_decomposition(qml.matrix(op), wire, rotations='ZYZ')")
        return angles(*self.data)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: ``"RX"``, ``"RX\\n(1.23)"`` with ``decimals=2``.

        >>> RX(1.23456, wires=0).label(decimals=2)
        'RX\\n(1.23)'
        >>> CNOT(wires=[0, 1]).label(), PauliX(0).label()
        ('X', 'X')
        """
        base = vars(self).get("_ctrl_of")  # made by qml.ctrl of another class (U1, CNOT, ...):
        if base is not None and CONTROLLED_TARGETS.get(self.name) not in (None, base.name) \
                and tuple(base.params) == tuple(self.params):  # its base's (PennyLane's)
            return base.label(decimals, base_label, cache)
        return gate_label(self, decimals, base_label, cache)

    def adjoint(self) -> "Operation":
        """The adjoint gate (PennyLane's ``op.adjoint()``), as :func:`qsym.adjoint` makes it.

        >>> RX(0.3, wires=0).adjoint()
        RX(-0.3, wires=[0])
        """
        if _yours(type(self)) and not self.has_adjoint:
            raise AdjointUndefinedError(f"{self.name} has no adjoint (PennyLane's "
                                        "AdjointUndefinedError): define adjoint(), or use "
                                        "qml.adjoint(op) (lazy)")
        self._refresh_given()
        return METHODS["adjoint"](self)

    def pow(self, z) -> list:
        """The gates of ``op ** z`` (PennyLane's ``op.pow(z)``): a rotation by ``z`` times
        its angle; an involution (X, CNOT, ...) for integer ``z``.

        >>> RZ(0.2, wires=0).pow(3)
        [RZ(0.6000000000000001, wires=[0])]
        """
        self._refresh_given()
        return METHODS["pow"](self, z)

    @queues_result
    def decomposition(self) -> list:
        """PennyLane's decomposition of the gate into other gates (``op.decomposition()``);
        a user's operator class: its own ``compute_decomposition`` at the operator's
        parameters, wires and hyperparameters.

        >>> Rot(0.1, 0.2, 0.3, wires=0).decomposition()
        [RZ(0.1, wires=[0]), RY(0.2, wires=[0]), RZ(0.3, wires=[0])]
        """
        self._refresh_given()
        if user_declares(type(self), "compute_decomposition"):
            from ._trace import not_recording

            # a class of your own: its hyperparameters (PennyLane's dict, which its __init__
            # may set itself: op._hyperparameters), else the gate's
            hyper = self.hyperparameters if _yours(type(self)) else dict(self.hyper)
            with not_recording():  # (autograd values allowed, as outside a circuit)
                return list(type(self).compute_decomposition(
                    *self.parameters, wires=self.wires, **hyper))
        rules = added_rules(type(self), self)
        if rules:  # PennyLane 0.45: the first applicable rule added with qml.add_decomps
            return rule_decomposition(self, rules[0])
        if self.sparse_given is not None and len(self.wires) > 1:
            raise DecompositionUndefinedError(
                "The decomposition of a two-qubit sparse QubitUnitary is undefined. (PennyLane's "
                "rule; give U dense, U.toarray(), to decompose it)")
        return METHODS["decomposition"](self)

    def simplify(self) -> "Operation":
        """PennyLane's ``op.simplify()`` of a gate: numeric angles reduced modulo their
        period (``4 pi`` for ``RX``, ``2 pi`` for ``PhaseShift``: the matrix's), and a
        gate at angles 0 replaced by the constant gate it then is (``Identity``, or
        ``SWAP`` for ``PSWAP``); made where it is called, in place of the gate.

        >>> RX(4 * np.pi + 0.5, wires=0).simplify()
        RX(0.5, wires=[0])
        >>> PhaseShift(2 * np.pi, wires=0).simplify()
        I(0)
        """
        simplify = METHODS.get("simplify")
        return self if simplify is None else simplify(self)

    @classmethod
    def compute_sparse_matrix(cls, *params, format="csr", **hyper):  # noqa: A002
        """:meth:`compute_matrix` as a SciPy sparse matrix (PennyLane's
        ``compute_sparse_matrix``; scipy is optional: without it a ``GateError`` says so).

        >>> GlobalPhase.compute_sparse_matrix(0.5, n_wires=2).shape  # doctest: +SKIP
        (4, 4)
        """
        if _yours(cls):  # PennyLane's: not from compute_matrix
            raise SparseMatrixUndefinedError(f"{cls.__name__} has no sparse matrix (PennyLane's "
                                             "SparseMatrixUndefinedError): define "
                                             "compute_sparse_matrix")
        given = [v for v in (*params, *hyper.values()) if is_sparse_matrix(v)]
        if given:  # a matrix given sparse (QubitUnitary's U): as given, in ``format``
            return given[0].asformat(format)
        m = cls.compute_matrix(*params, **hyper)
        if np.ndim(m) != 2:
            raise SparseMatrixUndefinedError(
                f"{cls.__name__}.compute_sparse_matrix: a broadcast matrix has no sparse form "
                "(sparse matrices do not support broadcasting, as PennyLane's); give one "
                "parameter value at a time, or use compute_matrix")
        return sparse_of(m, format)

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """The matrix as a SciPy sparse matrix (PennyLane's ``op.sparse_matrix()``); needs
        scipy, which qsym does not depend on (else a ``GateError`` says so).

        >>> PauliX(0).sparse_matrix().toarray().real.astype(int)  # doctest: +SKIP
        array([[0, 1],
               [1, 0]])
        """
        if _yours(type(self)) and not user_declares(
                type(self), "compute_sparse_matrix"):
            type(self).compute_sparse_matrix()  # (PennyLane's SparseMatrixUndefinedError)
        if self.sparse_given is not None:  # a QubitUnitary given sparse: as given
            if wire_order is None or order_list(wire_order) == list(self.wires):
                return self.sparse_given.asformat(format)
            return sparse_of(expand_matrix(self._own_matrix(), self.wires, wire_order), format)
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return sparse_of(self.matrix(), format)
        # its own matrix, then the identity on the other wires sparse (PennyLane's: the dense
        # matrix on 13 wires is 2 GB)
        return expand_sparse(sparse_of(self.matrix()), list(self.wires),
                             order_list(wire_order)).asformat(format)

    def __pow__(self, z):
        """``op ** z``: ``qml.pow(op, z)`` (PennyLane's operator power); a ``z`` that is not
        a number (an operator, a string) is Python's ``TypeError``."""
        if not (_scales(z) or isinstance(z, (list, tuple))):
            return NotImplemented
        return METHODS["qml_pow"](self, z)

    def map_wires(self, wire_map: dict) -> "Operation":
        """A copy on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``).

        >>> CNOT(wires=[0, 1]).map_wires({0: "a", 1: "b"})
        CNOT(wires=['a', 'b'])
        """
        if _yours(type(self)):  # PennyLane's: a copy on the new wires (no __init__ call)
            moved = copy.copy(self)
            _set_wires(moved, Wires([wire_map.get(w, w) for w in self.wires]))
            rep = vars(self).get("_pauli_rep")
            if rep is not None and hasattr(rep, "map_wires"):  # (set by the class: mapped too)
                moved._pauli_rep = rep.map_wires(wire_map)
            return moved
        aux = self.aux_keywords
        if "work_wires" in aux:
            aux["work_wires"] = [wire_map.get(w, w) for w in aux["work_wires"]]
        # (autograd-boxed parameters, a tape's under qml.grad inside a QNode's transforms:
        # kept, as a gradient transform's expansion keeps them; else not queued)
        boxed = any(isinstance(p, Box) for p in self.params)
        given = getattr(self, "_tensors", ()) or (None,) * len(self.params)
        params = [g if g is not None else p for g, p in zip(given, self.params)]  # (tensors kept)
        with _outside_recordings() if boxed else _no_recording():
            return type(self)(*params, wires=[wire_map.get(w, w) for w in self.wires],
                              **dict(self.hyper), **aux)

    def __eq__(self, other):
        return isinstance(other, Operation) and compare(self, other) is True

    def __hash__(self):
        return hash((self.name, tuple(self.wires), repr(self.hyper),
                     tuple(repr(p) if isinstance(p, sp.Basic) else
                           repr(np.round(np.asarray(p, dtype=float), 10))
                           for p in self.params)))

    def _controlled(self, wire) -> "Operation":
        """The gate controlled by ``wire`` (PennyLane's ``op._controlled``: ``qml.ctrl``
        of it, made where it is called: ``PauliX`` gives ``CNOT``, ``CZ`` gives ``CCZ``).

        >>> PauliX(0)._controlled("a")
        CNOT(wires=['a', 0])
        """
        return METHODS["ctrl"](self, control=wire)

    def queue(self, context=None) -> "Operation":
        """Record the gate (again) where it is called, in a circuit or a queue (PennyLane's
        ``op.queue()``); returns it.

        >>> from qsym._trace import Tape, recording
        >>> op = RX(0.1, wires=0)
        >>> with recording(Tape()) as tape:
        ...     _ = op.queue()
        >>> tape.items
        [RX(0.1, wires=[0])]
        """
        self._refresh_given()
        tape = active_tape()
        if tape is not None:
            gates = tuple(self.table_gates)
            for g in gates:
                tape.append(g)
            if gates != (self,):  # (Adjoint(T), ...): one entry of a user's queue, as made
                take_over(self, gates, again=True)
        return self

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash``: equal for equal gates (name, wires, hyperparameters,
        parameters to 10 digits).

        >>> RX(0.1, wires=0).hash == RX(0.1, wires=0).hash
        True
        """
        return self.__hash__()

    @property
    def is_verified_hermitian(self) -> bool:
        """Whether PennyLane marks the gate Hermitian (``op.is_verified_hermitian``):
        ``Identity``, ``Hadamard``, the Paulis, ``SWAP`` and the controlled Paulis,
        ``CH``, ``CSWAP`` (PennyLane 0.45's); False says only that it is not verified.

        >>> PauliX(0).is_verified_hermitian, RX(0.1, wires=0).is_verified_hermitian
        (True, False)
        """
        return self.name in _VERIFIED_HERMITIAN

    # --- operator arithmetic: PennyLane's Prod, Sum, SProd (qsym measures their Pauli form) --
    # NumPy defers to the operator in its binary operators (``np.array(0.5) * op`` is
    # ``op.__rmul__``, an SProd) by PennyLane's priority, so its functions still take an
    # operator as an object (``np.sum(op)`` is ``op``, as in PennyLane)
    __array_priority__ = 1000

    def __matmul__(self, other):
        if not isinstance(other, OPERATORS):
            return NotImplemented
        return Prod(self, other, _flat=True)

    def __rmatmul__(self, other):
        if not isinstance(other, OPERATORS):
            return NotImplemented
        return Prod(other, self, _flat=True)

    def __mul__(self, other):
        if isinstance(other, OPERATORS):
            return Prod(self, other, _flat=True)
        if callable(other) and PARAMETRIZED_HAMILTONIAN:  # f(p, t) * op: qml.pulse's
            return PARAMETRIZED_HAMILTONIAN[0]([other], [self])
        if not _scales(other):  # Python's TypeError, or the other's own __rmul__
            return NotImplemented
        return SProd(other, self, _flat=True)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not _scales(other):
            return NotImplemented
        return SProd(1 / (np.asarray(other) if batched_scalar(other) else _scalar(other)), self,
                     _flat=True)

    def __add__(self, other):
        return _add_operator(self, other)

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:  # sum() starts from 0
            return self
        return _add_operator(other, self)

    def __sub__(self, other):
        if isinstance(other, (numbers.Number, np.ndarray, Traced, sp.Basic, Box)):
            return self + (-other)  # a multiple of the identity (PennyLane's op - 5)
        if not isinstance(other, OPERATORS):  # Python's TypeError, or the other's __rsub__
            return NotImplemented
        return self + SProd(-1, other, _flat=True)

    def __rsub__(self, other):
        if not isinstance(other, OPERATORS) and not _scales(other):
            return NotImplemented
        return SProd(-1, self, _flat=True) + other

    def __neg__(self):
        return SProd(-1, self, _flat=True)


class StatePrepBase(Operation, metaclass=abc.ABCMeta):
    """PennyLane's ``qml.operation.StatePrepBase``: the base class of state preparations,
    operations that give ``state_vector(wire_order=None)``, the prepared amplitudes as a
    tensor of shape ``(2,) * n`` (``n`` wires of ``wire_order``, default the operator's own;
    the other wires in ``|0>``). Their label is ``|Ψ⟩``; they have no gradient recipe.

    qsym's ``qml.StatePrep``, ``qml.BasisState``, ``qml.AmplitudeEmbedding`` and
    ``qml.CosineWindow`` are templates (gate sequences) registered as virtual subclasses,
    so ``isinstance(op, StatePrepBase)`` is true for them; subclass it for a state
    preparation of your own (``state_vector`` is abstract).

    >>> import qsym as qml
    >>> isinstance(qml.BasisState([1], wires=0), qml.operation.StatePrepBase)
    True
    >>> isinstance(qml.RX(0.1, wires=0), qml.operation.StatePrepBase)
    False
    """

    grad_method = None

    @abc.abstractmethod
    def state_vector(self, wire_order=None):
        """The prepared state vector on ``wire_order`` (the operator's wires if ``None``)."""

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's label of a state preparation: ``|Ψ⟩``."""
        return "|Ψ⟩"


class GateSequence:
    """The base of objects that apply several gates of the table without being one (qsym's
    templates, ``qsym.templates.Template``): they take part in PennyLane's operator
    arithmetic like a gate (``qml.GlobalPhase(0.1) @ qml.QFT(wires=[0, 1])`` is a
    :class:`Prod`), through ``table_gates`` (the gates, in order), ``wires`` and
    ``matrix(wire_order)``, which a subclass gives.

    >>> import qsym as qml
    >>> isinstance(qml.QFT(wires=[0, 1]), GateSequence)
    True
    """

    _name = _written_name_property()  # PennyLane's op._name

    table_gates: tuple = ()
    arithmetic_depth = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queue_decompositions(cls)  # op.decomposition() queues its operators, as PennyLane's
    has_matrix = True
    has_sparse_matrix = False  # PennyLane's templates compute none
    __array_priority__ = 1000  # NumPy's operators defer to it, as to a gate

    __matmul__ = Operation.__matmul__
    __rmatmul__ = Operation.__rmatmul__
    __mul__ = __rmul__ = Operation.__mul__
    __truediv__ = Operation.__truediv__
    __add__ = Operation.__add__
    __radd__ = Operation.__radd__
    __sub__ = Operation.__sub__
    __rsub__ = Operation.__rsub__
    __neg__ = Operation.__neg__
    __pow__ = Operation.__pow__


# the constant gates whose ``pauli_rep`` PennyLane gives besides the Paulis
_PAULI_REP_GATES = frozenset({"S", "T", "SX", "SWAP", "ECR", "ISWAP", "SISWAP"})
# the gates PennyLane marks ``is_verified_hermitian``
_VERIFIED_HERMITIAN = frozenset({"Identity", "Hadamard", "PauliX", "PauliY", "PauliZ", "SWAP",
                                 "CNOT", "CZ", "CCZ", "CY", "CH", "CSWAP", "Toffoli",
                                 "MultiControlledX"})

# methods of gates that upper modules provide (qsym._opmath registers "adjoint", "pow",
# "decomposition" and the names with a decomposition, "decompositions"): the gate class
# calls them here, so imports keep running one way (docs/design.md, the module table)
METHODS: dict = {}

# PennyLane's labels (``Operator.label``) where they differ from the gate name
# the controlled phase shifts whose control wire (the first) PennyLane lists, and their
# control values (CPhaseShift10's first wire is controlled on 1: it has none, as in PennyLane)
ZERO_CONTROLLED_PHASES = {"CPhaseShift00": "0", "CPhaseShift01": "0", "CPhaseShift10": None}
LABELS = {
    "PauliX": "X", "PauliY": "Y", "PauliZ": "Z", "Hadamard": "H", "Identity": "I",
    "PhaseShift": "Rϕ", "ControlledPhaseShift": "Rϕ", "SingleExcitation": "G",
    "SingleExcitationPlus": "G₊", "SingleExcitationMinus": "G₋", "DoubleExcitation": "G²",
    "DoubleExcitationPlus": "G²₊", "DoubleExcitationMinus": "G²₋", "PCPhase": "∏_ϕ",
    "QubitUnitary": "U", "MultiControlledX": "X", "FermionicSWAP": "fSWAP",
    "CPhaseShift00": "Rϕ(00)", "CPhaseShift01": "Rϕ(01)", "CPhaseShift10": "Rϕ(10)",
}
# controlled gates of the table: name -> the target gate (PennyLane's ``op.base``)
CONTROLLED_TARGETS = {
    "CNOT": "PauliX", "CY": "PauliY", "CZ": "PauliZ", "CRX": "RX", "CRY": "RY", "CRZ": "RZ",
    "CRot": "Rot", "ControlledPhaseShift": "PhaseShift", "Toffoli": "PauliX", "CSWAP": "SWAP",
    "CH": "Hadamard", "CCZ": "PauliZ", "MultiControlledX": "PauliX",
}
# controlled gates: name -> (number of control wires, label of the target part)
CONTROLLED_LABELS = {
    "CNOT": (1, "X"), "CY": (1, "Y"), "CZ": (1, "Z"), "CRX": (1, "RX"), "CRY": (1, "RY"),
    "CRZ": (1, "RZ"), "CRot": (1, "Rot"), "ControlledPhaseShift": (1, "Rϕ"),
    "Toffoli": (2, "X"), "CSWAP": (1, "SWAP"), "CH": (1, "H"), "CCZ": (2, "Z"),
}


# PennyLane's closed-form eigenvalues of the gates that are not diagonal, in its order
# (``op.eigvals()``, ``compute_eigvals``); tests/test_pl_operators.py proves each equal to
# its matrix's eigenvalues (as multisets)
# PennyLane's positional arguments of ``compute_matrix`` after the parameters, where they
# are not the table row's hyperparameters
_MATRIX_ARGUMENTS = {"MultiControlledX": ("control_wires", "control_values")}

PENNYLANE_EIGVALS = {
    "IsingXY": lambda phi: np.exp(0.5j * phi * np.array([1, -1, 0, 0])),
    "PSWAP": lambda phi: np.array([1, 1, -np.exp(1j * phi), np.exp(1j * phi)]),
    "ISWAP": lambda: np.array([1j, -1j, 1, 1]),
    "SISWAP": lambda: np.array([(1 + 1j) / np.sqrt(2), (1 - 1j) / np.sqrt(2), 1, 1]),
    "ECR": lambda: np.array([1.0, -1.0, 1.0, -1.0]),
}


# PennyLane's ``op.single_qubit_rot_angles()``: ``[phi, theta, omega]`` with ``RZ(omega)
# RY(theta) RZ(phi)`` the gate up to a global phase, for the one-wire gates PennyLane defines
# them for (a function of the gate's parameters; tests/test_operator_attributes.py checks each
# against the gate's matrix); another gate raises RotAnglesUndefinedError (NotImplementedError)
ROT_ANGLES = {
    "Hadamard": lambda: [np.pi, np.pi / 2, 0.0],
    "PauliX": lambda: [np.pi / 2, np.pi, -np.pi / 2],
    "PauliY": lambda: [0.0, np.pi, 0.0],
    "PauliZ": lambda: [np.pi, 0.0, 0.0],
    "S": lambda: [np.pi / 2, 0.0, 0.0],
    "T": lambda: [np.pi / 4, 0.0, 0.0],
    "SX": lambda: [np.pi / 2, np.pi / 2, -np.pi / 2],
    "RX": lambda phi: [np.pi / 2, phi, -np.pi / 2],
    "RY": lambda phi: [0.0, phi, 0.0],
    "RZ": lambda phi: [phi, 0.0, 0.0],
    "PhaseShift": lambda phi: [phi, 0.0, 0.0],
    "Rot": lambda phi, theta, omega: [phi, theta, omega],
}


def _generator_frequencies(op) -> list:
    """PennyLane's default ``parameter_frequencies`` of an operator outside the table: for
    one parameter, the distinct positive differences of its generator's eigenvalues (to 8
    digits), else ``ParameterFrequenciesUndefinedError``."""
    if op.num_params != 1 or not op.has_generator:
        raise ParameterFrequenciesUndefinedError(
            f"Operation {op.name} does not have parameter frequencies defined (define "
            "parameter_frequencies, or generator() for an operation of one parameter)")
    gen = op.generator()
    m = gen.matrix(wire_order=list(op.wires)) if hasattr(gen, "matrix") else np.asarray(gen)
    m = m.toarray() if hasattr(m, "toarray") else np.asarray(m)
    eig = sorted(set(np.round(np.linalg.eigvalsh(m), 8).tolist()))
    return [tuple(sorted({round(b - a, 8) for i, a in enumerate(eig) for b in eig[i + 1:]}))]


def _closed_eigvals(fn, params) -> np.ndarray:
    """``fn(*params)`` of :data:`PENNYLANE_EIGVALS`, one row per batch element for
    broadcast (1-D) parameters.

    >>> _closed_eigvals(PENNYLANE_EIGVALS["PSWAP"], [np.array([0.0, np.pi])]).real.round(12)
    array([[ 1.,  1., -1.,  1.],
           [ 1.,  1.,  1., -1.]])
    """
    arrays = [np.asarray(p, dtype=float) for p in params]
    sizes = {a.shape[0] for a in arrays if a.ndim == 1}
    if not sizes:
        return np.asarray(fn(*[float(a) for a in arrays]))
    (size,) = sizes
    return np.stack([np.asarray(fn(*[float(a[b] if a.ndim else a) for a in arrays]))
                     for b in range(size)])


def controlled_eigenvalues(base_eigvals, num_wires: int) -> np.ndarray:
    """The eigenvalues of a controlled operator on ``num_wires`` wires in PennyLane's order
    (``Controlled.eigvals``): ones for the states the control leaves alone, then the
    target's eigenvalues ``base_eigvals`` (a batch: one row per element), whatever the
    control values.

    >>> controlled_eigenvalues(np.array([1.0, -1.0]), 2)  # CNOT's
    array([ 1.,  1.,  1., -1.])
    """
    ev = np.asarray(base_eigvals)
    ones = np.ones((*ev.shape[:-1], 2 ** num_wires - ev.shape[-1]), dtype=ev.dtype)
    return np.concatenate([ones, ev], axis=-1)


def _eigenvalues(m: np.ndarray) -> np.ndarray:
    """The diagonal of a diagonal matrix (or stack), else ``numpy.linalg.eigvals``; real
    for a Hermitian matrix."""
    d = np.diagonal(m, axis1=-2, axis2=-1)
    if not np.allclose(m, d[..., None] * np.eye(m.shape[-1])):
        d = np.linalg.eigvals(m)
    herm = np.allclose(m, np.swapaxes(m, -1, -2).conj())
    return d.real.copy() if herm and np.allclose(d.imag, 0) else d.copy()


def expand_matrix(m, wires, wire_order):
    """The matrix ``m`` of an operator on ``wires`` as a matrix on ``wire_order`` (the first
    wire the most significant; PennyLane's ``qml.math.expand_matrix``): the identity on the
    other wires, the axes permuted to ``wire_order``. A batch of matrices (batch first)
    expands each; qudits of any dimension (``m`` of size ``d**len(wires)``) expand with the
    identity of that dimension; a value being differentiated (an autograd box) stays
    differentiable. The result keeps ``m``'s dtype.

    >>> expand_matrix(np.diag([1.0, -1.0]), [1], [0, 1]).diagonal()
    array([ 1., -1.,  1., -1.])
    >>> expand_matrix(np.arange(4).reshape(2, 2), [1], [1, 0]).tolist()   # kron(m, I)
    [[0, 0, 1, 0], [0, 0, 0, 1], [2, 0, 3, 0], [0, 2, 0, 3]]
    """
    order, wires = order_list(wire_order), list(wires)  # (a wire named twice: WireError)
    missing = [w for w in wires if w not in order]
    if missing or len(set(wires)) != len(wires):
        raise ValueError(f"expand_matrix: wire_order {order} must contain each of the "
                         f"operator's wires {wires} once; missing {missing}")
    if isinstance(m, Box):
        import autograd.numpy as xp
    else:
        xp, m = np, np.asarray(m)
    shape = np.shape(m._value if isinstance(m, Box) else m)
    n, k, batch = len(order), len(wires), shape[:-2]
    d = int(round(shape[-1] ** (1 / k))) if k else 2
    if len(shape) not in (2, 3) or shape[-1] != shape[-2] or d**k != shape[-1]:
        raise ValueError(f"expand_matrix: a matrix of shape {tuple(shape)} does not act on "
                         f"{k} wire(s) (a square d**{k} matrix, or a batch of them first)")
    rest = [w for w in order if w not in wires]
    if not batch and not isinstance(m, Box) and len(rest) >= 4 and n >= 8:
        # many wires besides the matrix's: its entries written where kron(m, I) puts them,
        # indices permuted to wire_order (no (d**n)**2 transpose: 0.8 -> 0.15 s for a
        # 3-wire matrix on 12 wires); the same numbers
        rows, cols = np.indices(m.shape).reshape(2, -1)
        r, c, repeat = _expanded_indices(rows, cols, wires, order, d)
        out = np.zeros((d**n, d**n), dtype=m.dtype)
        out[r, c] = np.repeat(m.reshape(-1), repeat)
        return out
    dtype = (m._value if isinstance(m, Box) else m).dtype
    eye = np.eye(d ** len(rest), dtype=dtype)
    full = xp.einsum("...ij,kl->...ikjl", m, eye)
    held = wires + rest  # the wires of full's axes, in this order
    perm = [held.index(w) for w in order]
    if perm == list(range(n)):  # already in wire_order
        return xp.reshape(full, (*batch, d**n, d**n))
    axes = [*range(len(batch)), *(len(batch) + p for p in perm),
            *(len(batch) + n + p for p in perm)]
    full = xp.reshape(full, (*batch, *(d,) * (2 * n)))
    return xp.reshape(xp.transpose(full, axes), (*batch, d**n, d**n))


# the gates whose PennyLane class writes its own ``label`` without the operator's id
# (Hadamard's is "H" whatever its id; the controlled gates': their target's label)
_LABELS_WITHOUT_ID = frozenset({"Hadamard", "PauliX", "PauliY", "PauliZ", "Identity",
                                "PauliRot", "IntegerComparator", "MultiControlledX"})


def gate_label(op, decimals=None, base_label=None, cache=None) -> str:
    """PennyLane's ``op.label``: the base label (``LABELS``, the target's label for a
    controlled gate, ``"R"`` and the Pauli word for ``PauliRot``), then the parameters
    rounded to ``decimals`` on a second line.

    >>> gate_label(GATE_CLASSES["PauliRot"](1.234, "XYZ", wires=[0, 1, 2]), decimals=2)
    'RXYZ\\n(1.23)'
    """
    name = op.name
    if base_label is None:
        base_label = (CONTROLLED_LABELS[name][1] if name in CONTROLLED_LABELS
                      else "R" + dict(op.hyper)["pauli_word"] if name == "PauliRot"
                      else LABELS.get(name, name))
    if name == "QubitUnitary":
        given = op.__dict__.get("_u_given")
        if given is not None:  # the matrix as given (PennyLane's op.data[0], cached as it is)
            return matrix_label(base_label, given, cache)
        # stored complex: a real matrix listed real (as qml.draw's)
        U = np.asarray(dict(op.hyper)["U"])
        real = U.dtype.kind == "c" and not np.any(U.imag)
        return matrix_label(base_label, U.real if real else U, cache)
    ident = getattr(op, "id", None)
    if name in _LABELS_WITHOUT_ID or name in CONTROLLED_LABELS:
        ident = None  # (PennyLane's own label of these classes does not show it)
    if ident is not None:  # PennyLane 0.45's: the id shown, deprecated
        from .exceptions import PennyLaneDeprecationWarning

        warnings.warn("Using 'id' to add a custom label to your operator is deprecated. Please "
                      "use 'pennylane.drawer.label' to add a custom label to your operator "
                      "instead.", PennyLaneDeprecationWarning, stacklevel=3)
        if not op.params:
            return f'{base_label}("{ident}")'
    pars = ""
    data = op.params if any(hasattr(p, "free_symbols") for p in op.params) else op.data
    if any(isinstance(p, tuple) or np.ndim(p) for p in data):  # broadcast: M<i>, PennyLane's
        pars = operator_label("", [np.asarray(p) for p in data], decimals, cache)[2:-1]
    elif decimals is not None and op.params:
        try:
            pars = ",\n".join(format(float(p), f".{decimals}f") for p in op.params)
        except TypeError:  # traced parameters: no numbers to show
            pars = ""
    if ident is not None:
        pars = f'{pars},"{ident}"' if pars else f'"{ident}"'
    return f"{base_label}\n({pars})" if pars else base_label


def matrix_label(base_label: str, U, cache=None) -> str:
    """PennyLane's label of an operator given by a matrix (``QubitUnitary``, ...):
    ``base_label``, and with a drawing cache holding a list ``cache["matrices"]``, the index
    of ``U`` in it on a second line (``U`` appended if new).

    >>> cache = {"matrices": []}
    >>> matrix_label("U", np.eye(2), cache), len(cache["matrices"])
    ('U\\n(M0)', 1)
    """
    mats = cache.get("matrices") if isinstance(cache, dict) else None
    if not isinstance(mats, list):
        return base_label
    given, U = U, np.asarray(U)
    idx = next((i for i, M in enumerate(mats) if np.shape(M) == U.shape
                and np.allclose(M, U)), None)
    if idx is None:  # an array as given (PennyLane's: ``cache["matrices"] == [U]`` holds;
        # a list is an array, as PennyLane's operators make their list parameters)
        mats.append(given if isinstance(given, np.ndarray) else U)
        idx = len(mats) - 1
    return f"{base_label}\n(M{idx})"


def label_number(p, decimals: int) -> str:
    """A parameter as PennyLane's ``Operator.label`` writes it: ``format`` of its array
    with ``decimals`` places, so a complex one shows both parts (the coefficients of a
    sum made from ``PauliSentence.operation()``). A traced one raises ``TypeError``.

    >>> label_number(0.075j, 2), label_number(np.float64(1.234), 1)
    ('0.00+0.07j', '1.2')
    """
    return format(np.asarray(getval(p)), f".{decimals}f")


def operator_label(base_label: str, data, decimals=None, cache=None, ident=None) -> str:
    """PennyLane's generic ``Operator.label``: ``base_label``, then on a second line, in
    parentheses, each parameter of ``data``: a number with ``decimals`` digits (left out
    when ``decimals`` is None), an array as ``M<i>``, its index in the drawing cache's
    ``cache["matrices"]`` list (appended if new; left out without a cache).

    >>> operator_label("RX", [1.23456], decimals=2)
    'RX\\n(1.23)'
    >>> cache = {"matrices": []}
    >>> operator_label("AngleEmbedding", [np.array([0.1, 0.2])], 2, cache), len(cache["matrices"])
    ('AngleEmbedding\\n(M0)', 1)

    ``ident``: the operator's (deprecated) id, written last in quotes (``QFT("q")``).
    """
    parts = []
    for p in data:
        if np.ndim(p) == 0:
            if decimals is not None:
                try:
                    parts.append(label_number(p, decimals))
                except (TypeError, ValueError):
                    parts.append(format(p))
        elif isinstance(cache, dict) and isinstance(cache.get("matrices"), list):
            parts.append(matrix_label("", p, cache)[2:-1])
    if ident is not None:
        return f"{base_label}\n(" + ",\n".join(parts) + f',"{ident}")' if parts \
            else f'{base_label}("{ident}")'
    return f"{base_label}\n(" + ",\n".join(parts) + ")" if parts else base_label


def _symbolic_matrix(op) -> np.ndarray:
    """The matrix of a table gate whose parameters are expressions of a circuit's traced
    inputs (``qml.matrix(qml.RY(x, wires=0))`` inside a QNode): an object array of
    :class:`~qsym._trace.Traced` entries, the table's exact matrix at those expressions,
    which ``qml.QubitUnitary`` takes (and differentiates, :func:`traced_unitary`) and
    ``qsym.numpy`` arithmetic combines like any other traced values."""
    num_wires = None if op.num_wires else max(len(op.wires), 1)
    M = op._row.sympy_matrix([sp.sympify(p) for p in op.params], num_wires, op.hyper)
    out = np.empty(M.shape, dtype=object)
    for (i, j), e in np.ndenumerate(np.empty(M.shape)):
        out[i, j] = Traced(M[i, j])
    return out


@functools.lru_cache(maxsize=256)
def _autograd_matrix_function(row, num_wires, hyper: tuple):
    """The table's exact matrix of ``row`` as a function of its parameters written with
    ``autograd.numpy`` (``sympy.lambdify``), with the entries flattened; kept per row,
    number of wires and hyperparameters."""
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    M = row.sympy_matrix(syms, num_wires, hyper)
    return lambdify(syms, list(M), extra=(anp,)), M.shape


def _boxed_matrix(row, params, num_wires, hyper) -> "anp.ndarray":
    """``compute_matrix`` at parameters autograd traces (PennyLane's
    ``qml.Rot.compute_matrix(*p)`` inside ``qml.grad``): the exact matrix's entries as
    ``autograd.numpy`` expressions of them, so the derivative is autograd's; parameters of
    shape ``(B,)`` broadcast (a stack of matrices, batch first)."""
    values = [p._value if isinstance(p, Box) else p for p in params]
    if any(np.ndim(v) > 1 for v in values) or any(np.iscomplexobj(v) for v in values):
        raise GateError(f"{row.name}.compute_matrix: parameters must be real numbers or 1-D "
                        "arrays of one length (a batch)")
    try:
        key = tuple(sorted(hyper.items()))
        hash(key)
    except TypeError:
        raise GateError(f"{row.name}.compute_matrix of autograd's values takes hashable "
                        "hyperparameters (numbers, strings, tuples)") from None
    f, shape = _autograd_matrix_function(row, num_wires, key)
    sizes = {np.shape(v)[0] for v in values if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise GateError(f"{row.name}.compute_matrix: broadcast parameters must have one length")

    def one(ps):
        entries = [e if isinstance(e, Box) else complex(e) for e in f(*ps)]
        return anp.reshape(anp.array(entries, dtype=complex), shape)

    if not sizes:
        return one(params)
    (size,) = sizes
    return anp.stack([one([p[b] if np.ndim(v) == 1 else p for p, v in zip(params, values)])
                      for b in range(size)])


def _traced_matrix(op):
    """The matrix of a table gate of one parameter ``t`` (real or complex) that autograd traces, as
    autograd differentiates it: ``exp(i t G) = V diag(exp(i t l)) V^dagger`` from the
    eigenvectors of its generator ``G`` (PennyLane's convention), checked against the
    gate's own matrix at the number; None for other gates (several parameters, no
    generator, a matrix that is not ``exp(i t G)``)."""
    if len(op.params) != 1 or not op.has_generator:
        return _traced_by_factors(op)
    theta = op.params[0]
    value = theta
    while isinstance(value, Box):
        value = value._value
    if np.ndim(value) != 0:
        return None
    # a complex t (PennyLane's matrix of RX(0.3 + 0j)): its formulas are entire functions
    # of t, as exp(i t G) is, and the two agree on the real axis, so they agree at every
    # complex t; the check is made at the real part
    real = float(np.real(value))
    G = np.asarray(gate_generator(op).matrix(wire_order=op.wires), dtype=complex)
    lam, V = np.linalg.eigh(G)
    numeric = _gate_matrix(op.name, real, num_wires=None if op.num_wires
                           else max(len(op.wires), 1), **dict(op.hyper))
    if not np.allclose((V * np.exp(1j * real * lam)) @ V.conj().T, numeric, atol=1e-10):
        return None
    return anp.dot(V * anp.exp(1j * theta * lam), V.conj().T)


def _traced_by_factors(op):
    """The matrix of a table gate of several parameters that autograd traces (``Rot``,
    ``U3``, ...) as the product of its decomposition's matrices, each traced in turn (by
    its generator, or its own factors), when every factor acts on the gate's wires in its
    order and the product at the numbers is the gate's own matrix; None otherwise."""
    if not op.wires or not getattr(op, "has_decomposition", False):
        return None
    try:
        factors = op.decomposition()
    except Exception:  # noqa: BLE001 - no decomposition at these values: not this way
        return None
    wires = list(op.wires)
    if not factors or any(list(f.wires) != wires or not isinstance(f, Operation)
                          or f.name == op.name for f in factors):
        return None
    product = None
    for f in factors:
        m = f.matrix()
        product = m if product is None else anp.dot(m, product)
    value = product
    while isinstance(value, Box):
        value = value._value
    numbers = [p._value if isinstance(p, Box) else p for p in op.params]
    while any(isinstance(p, Box) for p in numbers):
        numbers = [p._value if isinstance(p, Box) else p for p in numbers]
    if any(np.ndim(p) != 0 for p in numbers):
        return None
    numeric = _gate_matrix(op.name, *[float(np.real(p)) for p in numbers],
                           num_wires=None if op.num_wires else max(len(wires), 1),
                           **dict(op.hyper))
    if np.iscomplexobj(numbers) or not np.allclose(value, numeric, atol=1e-10):
        return None
    return product


def gate_generator(op) -> "Observable":
    """PennyLane's ``op.generator()`` of a one-parameter gate: ``G`` with
    ``U(t) = exp(i t G)`` (the table's generator, ``exp(-i t G)``, negated), as a Pauli
    sum on the gate's wires."""
    if not op.has_generator:
        raise GeneratorUndefinedError(
            f"Operation {op.name} does not have a generator (a gate of one parameter t with "
            "U(t) = exp(i t G) has one: RX, IsingXX, PhaseShift, ...)")
    num_wires = None if op.num_wires else len(op.wires)
    return pauli_decomposition(_generator_matrix(op._row, num_wires, op.hyper), tuple(op.wires))


_GENERATOR_MATRICES: dict = {}  # (gate row, number of wires, hyperparameters) -> -G, numeric


def _generator_matrix(row, num_wires, hyper) -> np.ndarray:
    """``-G`` of the table's exact generator as a complex array (read-only), kept per gate
    row, number of wires and hyperparameters (when those can be hashed): the exact matrix
    costs sympy work that ``op.generator()`` in a loop would pay at every call."""
    try:
        key = (row, num_wires, tuple(hyper))
        hit = _GENERATOR_MATRICES.get(key)
    except TypeError:  # an array among the hyperparameters: computed every time
        key = hit = None
    if hit is None:
        hit = -np.array(row.sympy_generator(num_wires, hyper).evalf(), dtype=complex)
        hit.flags.writeable = False
        if key is not None:
            _GENERATOR_MATRICES[key] = hit
    return hit


def pennylane_generator(op) -> "Observable":
    """:func:`gate_generator` as the operator type PennyLane's ``op.generator()`` returns
    (the same matrix).

    >>> pennylane_generator(CRZ(0.1, wires=[0, 1]))
    Projector(array([1]), wires=[0]) @ (-0.5 * Z(1))
    """
    gen, w = gate_generator(op), list(op.wires)
    row = getattr(op, "_row", None)  # a subclass renamed (``name = "_CRX"``) is its row's gate
    name = row.name if row is not None else op.name
    with _no_recording():
        if name in ("PhaseShift", "U1"):
            return Projector([1], wires=w)
        if name in ("CPhaseShift00", "CPhaseShift01", "CPhaseShift10"):
            return Projector([int(b) for b in name[-2:]], wires=w)
        if name == "ControlledPhaseShift":
            return Prod(Projector([1], wires=w[:1]), Projector([1], wires=w[1:]))
        if name in ("CRX", "CRY", "CRZ"):
            target = GATE_CLASSES["Pauli" + name[-1]](wires=w[1])
            return Prod(Projector([1], wires=w[:1]), SProd(-0.5, target))
        if name == "PCPhase":
            return Hermitian(np.real(gen.matrix(wire_order=w)), wires=w)
        coeffs, ops = _Terms(dict(gen.terms))()
        # the identity term on the gate's first wire (PennyLane's ``Identity(w1)``)
        ops = [GATE_CLASSES["Identity"](wires=w[0]) if o.name == "Identity" and w else o
               for o in ops]
        # PennyLane's order: the identity first, then by the positions of the terms' wires
        # on the gate, so that the sum's wires are the gate's in order (``qml.matrix(g)``
        # without a wire order is then the gate's generator, as PennyLane's)
        pos = {x: i for i, x in enumerate(w)}
        order = sorted(range(len(ops)), key=lambda i: (
            ops[i].name != "Identity", tuple(pos.get(x, len(w)) for x in ops[i].wires), repr(ops[i])))
        return Hamiltonian([float(np.real(coeffs[i])) for i in order], [ops[i] for i in order])


def _same_number(a, b, rtol, atol) -> bool:
    if isinstance(a, sp.Basic) or isinstance(b, sp.Basic):
        x, y = sp.sympify(a), sp.sympify(b)
        if x.free_symbols or y.free_symbols:  # traced inputs: the same expression
            return x == y
        a, b = complex(x), complex(y)  # exact numbers (sp.pi / 2): compared as numbers
    try:
        return bool(np.allclose(np.asarray(a, dtype=complex), np.asarray(b, dtype=complex),
                                rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def _trainability(p) -> tuple:
    """``(requires_grad, interface)`` of a parameter, as ``qml.math`` sees them."""
    rg = getattr(p, "requires_grad", None)
    return bool(rg), ("autograd" if rg is not None else "numpy")


def _is_controlled(op) -> bool:
    """Whether ``op`` is ``qml.ctrl``'s operator (PennyLane's ``Controlled``) or a controlled
    gate of the table (``CNOT``, ``CRX``, ``Toffoli``, ``MultiControlledX``, ...: PennyLane's
    ``ControlledOp`` classes)."""
    h = dict(op.hyper)
    return {"base", "control_wires", "control_values", "work_wires"} <= h.keys() or (
        "base" not in h and (op.name in CONTROLLED_LABELS or op.name == "MultiControlledX"))


def _compare_table_controlled(op1, op2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of two controlled gates of one class of the table: the control
    dictionary (every control on 1, in any order), then the target part (its wires, then the
    parameters), read from the gates themselves (not from how ``qml.ctrl`` made them)."""
    k = CONTROLLED_LABELS[op1.name][0]
    c1, c2 = ({w: True for w in list(o.wires)[:k]} for o in (op1, op2))
    if c1 != c2:
        return f"op1 and op2 have different control dictionaries. Got {c1} and {c2}"
    t1, t2 = (Wires(list(o.wires)[k:]) for o in (op1, op2))
    because = "op1 and op2 have different base operations because "
    if t1 != t2:
        return f"{because}op1 and op2 have different wires. Got {t1!r} and {t2!r}."
    if not all(_same_number(a, b, rtol, atol) for a, b in zip(op1.params, op2.params)):
        return f"{because}op1 and op2 have different data.\nGot {op1.data} and {op2.data}"
    for a, b in zip(op1.data, op2.data):
        why = parameters_differ(a, b, check_interface, check_trainability)
        if why is not None:
            return because + why
    return True


def _controlled_parts(op):
    """The parts PennyLane's ``qml.equal`` compares of a ``Controlled`` (``base``, control
    wires and values, work wires and their type): a ``Controlled`` operator's own; of a
    controlled gate of the table (``CNOT``, ``CRX``, ``MultiControlledX``: PennyLane's
    subclasses of ``ControlledOp``, compared to a ``Controlled`` given first), read from the
    gate (every control on 1 but ``MultiControlledX``'s values, no work wires but its own);
    None for a table gate whose target is not a gate (``op.base`` refuses)."""
    h = dict(op.hyper)
    if "base" in h:
        return h
    if op.name not in CONTROLLED_TARGETS:
        return None
    controls = op.control_wires
    values = h.get("control_values") or (1,) * len(controls)
    return {"base": op.base, "control_wires": controls,
            "control_values": tuple(bool(v) for v in values),
            "work_wires": Wires(h.get("work_wires", ()) or getattr(op, "work_wires", ())),
            "work_wire_type": h.get("work_wire_type", "borrowed")}


def _compare_controlled(op1, op2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of two ``Controlled`` operators (``qml.ctrl``'s; the
    controlled gates of the table by :func:`_compare_table_controlled`): the same
    arithmetic depth, work wires, the same value on each control wire (in any order),
    equal bases."""
    d1, d2 = op1.arithmetic_depth, op2.arithmetic_depth
    if d1 != d2:
        return f"op1 and op2 have different arithmetic depths. Got {d1} and {d2}"
    if "base" not in dict(op1.hyper) and "base" not in dict(op2.hyper):
        return _compare_table_controlled(op1, op2, check_interface, check_trainability, rtol, atol)
    h1, h2 = _controlled_parts(op1), _controlled_parts(op2)
    if h1 is None or h2 is None:  # (a gate of the table given first: by type)
        return f"op1 and op2 are of different types.  Got {type(op1)} and {type(op2)}."
    if list(h1["work_wires"]) != list(h2["work_wires"]):
        return f"op1 and op2 have different work wires. Got {h1['work_wires']} and {h2['work_wires']}"
    if h1["work_wire_type"] != h2["work_wire_type"]:
        return (f"op1 and op2 have different work wire types. Got {h1['work_wire_type']} and "
                f"{h2['work_wire_type']}")
    c1, c2 = (dict(zip(h["control_wires"], h["control_values"])) for h in (h1, h2))
    if c1 != c2:
        return f"op1 and op2 have different control dictionaries. Got {c1} and {c2}"
    why = compare(h1["base"], h2["base"], check_interface, check_trainability, rtol, atol)
    return True if why is True else f"op1 and op2 have different base operations because {why}"


def _compare_symbolic(op1, op2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of two operators made from a base (same type): ``Adjoint``
    (``qml.adjoint``) and ``Pow`` (``qml.pow``: the same exponent, its trainability) by
    their bases, a wrapper with a setting of its own (``equal_first``: ``LabelledOp``'s
    label, ``MarkedOp``'s marker) by it and then its base; any other (a ``SymbolicOp`` of your own) is not equal, as PennyLane has
    no rule for it (its arithmetic depth named)."""
    if not getattr(op1, "compared_by_base", False):
        d1, d2 = op1.arithmetic_depth, op2.arithmetic_depth
        if d1 != d2:
            return f"op1 and op2 have different arithmetic depths. Got {d1} and {d2}"
        return f"op1 and op2 have arithmetic depth > 0. Got arithmetic depth {d1}"
    h1, h2 = dict(op1.hyper), dict(op2.hyper)
    first = getattr(op1, "equal_first", None)  # a wrapper's own setting (a label, a marker)
    if first is not None and (why := first(op2)) is not True:
        return why
    if "z" in h1:
        (t1, i1), (t2, i2) = _trainability(h1["z"]), _trainability(h2["z"])
        if check_interface and i1 != i2:
            return (f"Exponent have different interfaces.\n{h1['z']} interface is {i1} and "
                    f"{h2['z']} interface is {i2}")
        if check_trainability and t1 != t2:
            return (f"Exponent have different trainability.\n{h1['z']} interface is {t1} and "
                    f"{h2['z']} interface is {t2}")
        if not _same_number(h1["z"], h2["z"], 0, 0):
            return f"Exponent are different. Got {h1['z']} and {h2['z']}"
    why = compare(h1["base"], h2["base"], check_interface, check_trainability, rtol, atol)
    return True if why is True else f"op1 and op2 have different base operations because {why}"


def _compare_gates(op1, op2, check_interface, check_trainability, rtol, atol):
    if op1.name == "Identity":
        return True  # all identities are equal, whatever their wires (PennyLane's rule)
    if op1.name != "MultiControlledX" and all(_is_controlled(o) for o in (op1, op2)):
        # qml.ctrl's operators and the table's controlled gates (PennyLane's Controlled)
        return _compare_controlled(op1, op2, check_interface, check_trainability, rtol, atol)
    if "base" in dict(op1.hyper) and "base" in dict(op2.hyper):  # Adjoint, Pow, SymbolicOp
        return _compare_symbolic(op1, op2, check_interface, check_trainability, rtol, atol)
    d1, d2 = op1.arithmetic_depth, op2.arithmetic_depth
    if d1 != d2:  # (PennyLane's first check of two other operators)
        return f"op1 and op2 have different arithmetic depths. Got {d1} and {d2}"
    if op1.name == "MultiControlledX":  # (PennyLane's ControlledOp: controls in any order)
        h1, h2 = op1.hyperparameters, op2.hyperparameters
        c1, c2 = (dict(zip(h["control_wires"], map(bool, h["control_values"]))) for h in (h1, h2))
        if c1 != c2:
            return f"op1 and op2 have different control dictionaries. Got {c1} and {c2}"
        if list(op1.wires)[-1:] != list(op2.wires)[-1:]:
            return (f"op1 and op2 have different base operations because op1 and op2 have "
                    f"different wires. Got {list(op1.wires)[-1:]} and {list(op2.wires)[-1:]}.")
        if list(h1["work_wires"]) != list(h2["work_wires"]):
            return f"op1 and op2 have different work wires. Got {h1['work_wires']} and {h2['work_wires']}"
        return True
    if list(op1.wires) != list(op2.wires):
        return f"op1 and op2 have different wires. Got {list(op1.wires)} and {list(op2.wires)}."
    h1, h2 = dict(op1.hyper), dict(op2.hyper)
    if h1.keys() != h2.keys() or not all(
            compare(h1[k], h2[k], check_interface, check_trainability, rtol, atol) is True
            if isinstance(h1[k], (Operation, GateSequence, Observable)) else _same_number(h1[k], h2[k], 0, 0)
            if not isinstance(h1[k], (str, tuple)) and None not in (h1[k], h2[k])
            else h1[k] == h2[k] for k in h1):
        return f"The hyperparameters are not equal for op1 and op2.\nGot {h1}\n and {h2}."
    if len(op1.params) != len(op2.params) or not all(
            _same_number(a, b, rtol, atol) for a, b in zip(op1.params, op2.params)):
        return f"op1 and op2 have different data.\nGot {op1.data} and {op2.data}"
    for a, b in zip(op1.data, op2.data):
        why = parameters_differ(a, b, check_interface, check_trainability)
        if why is not None:
            return why
    return True


def parameters_differ(a, b, check_interface=True, check_trainability=True):
    """Why two parameters differ in trainability or interface (PennyLane's ``qml.equal``
    texts), or None; their values are compared by the caller.

    >>> from qsym import numpy as pnp
    >>> print(parameters_differ(pnp.array(0.5), 0.5))
    Parameters have different trainability.
     0.5 trainability is True and 0.5 trainability is False
    >>> print(parameters_differ(pnp.array(0.5), 0.5, check_trainability=False))
    Parameters have different interfaces.
     0.5 interface is autograd and 0.5 interface is numpy
    """
    (ta, ia), (tb, ib) = _trainability(a), _trainability(b)
    if check_trainability and ta != tb:
        return (f"Parameters have different trainability.\n {a} trainability is {ta} "
                f"and {b} trainability is {tb}")
    if check_interface and ia != ib:
        return (f"Parameters have different interfaces.\n {a} interface is {ia} and "
                f"{b} interface is {ib}")
    return None


def _compare_operands(o1, o2, rtol, atol):
    """PennyLane's comparison of arithmetic operators without a Pauli form (operands of your
    own without a matrix): by type, a ``SProd``'s scalar, then the operands (a ``Prod``'s in
    order, a ``Sum``'s in any order).

    >>> class Mine(Operation):
    ...     __module__ = "my_project"
    ...     num_wires, num_params = 1, 0
    >>> print(_compare_operands(Mine(0) @ Mine(1), Mine(0) @ Mine(2), 1e-5, 1e-9))
    op1 and op2 have different operands because op1 and op2 have different wires. Got [1] and [2].
    """
    if type(o1) is not type(o2):
        return f"op1 and op2 are of different types.  Got {type(o1)} and {type(o2)}."
    if isinstance(o1, SProd) and not _same_number(o1.scalar, o2.scalar, rtol, atol):
        return f"op1 and op2 have different scalars. Got {o1.scalar} and {o2.scalar}"
    a, b = list(getattr(o1, "operands", ())), list(getattr(o2, "operands", ()))
    if len(a) != len(b):
        return (f"op1 and op2 have different number of operands. Got {len(a)} and {len(b)}")
    for x in a:
        why = [compare(x, y, rtol=rtol, atol=atol) for y in (b if isinstance(o1, Sum) else b[:1])]
        if True not in why:
            return f"op1 and op2 have different operands because {why[0]}"
        b.pop(why.index(True))
    return True


def _compare_observables(o1, o2, rtol, atol, check_interface=True, check_trainability=True):
    if type(o1) is type(o2) and isinstance(o1, Hermitian):  # by the matrices (PennyLane's data)
        if list(o1.wires) != list(o2.wires):
            return f"op1 and op2 have different wires. Got {list(o1.wires)} and {list(o2.wires)}."
        m1, m2 = (np.asarray(o._matrix) for o in (o1, o2))
        if m1.shape != m2.shape or not np.allclose(m1, m2, rtol=rtol, atol=atol):
            return f"op1 and op2 have different data.\nGot {o1.data} and {o2.data}"
    else:
        why = _compare_pauli_terms(o1, o2, rtol, atol)
        if why is not True:
            return why
        if isinstance(o1, (Sum, Prod)) and isinstance(o2, (Sum, Prod)) and _same_terms(o1, o2):
            return True  # PennyLane's shortcut for sums and products: equal Pauli forms
    data1, data2 = _observable_data(o1), _observable_data(o2)
    if len(data1) == len(data2):  # (PennyLane's: the parameters' interfaces and trainability)
        return _interfaces_then_trainability(data1, data2, check_interface,
                                             check_trainability) or True
    return True


def _same_terms(o1, o2) -> bool:
    """Whether two operators' Pauli forms are exactly equal (PennyLane's ``pauli_rep ==
    pauli_rep``, which ``qml.equal`` of two ``Sum`` / ``Prod`` takes as equal without
    comparing their parameters' interfaces: a ``qml.dot`` of a ``pennylane.numpy`` array
    equals a Hamiltonian of floats)."""
    try:
        t1, t2 = o1.terms, o2.terms
        return t1.keys() == t2.keys() and all(bool(t1[w] == t2[w]) for w in t1)
    except (AttributeError, TypeError, ValueError):  # (no Pauli form, traced coefficients)
        return False


def _interfaces_then_trainability(data1, data2, check_interface, check_trainability):
    """Why two operators' parameters differ, the interfaces checked first (PennyLane's
    order for scalar products and exponentials), or None."""
    for flags in ((check_interface, False), (False, check_trainability)):
        for a, b in zip(data1, data2):
            why = parameters_differ(a, b, *flags)
            if why is not None:
                return why
    return None


def _observable_data(o) -> tuple:
    try:
        return tuple(o.data)
    except (AttributeError, TypeError, MeasurementError):  # (a qsym Pauli sum of traced terms)
        return ()


def _compare_pauli_terms(o1, o2, rtol, atol):
    try:
        o1.terms, o2.terms
    except MatrixUndefinedError:  # operands of your own without a matrix: no Pauli form
        return _compare_operands(o1, o2, rtol, atol)
    w1, w2 = set(o1.terms), set(o2.terms)
    if w1 != w2 and all(type(o).__name__ in ("Sum", "LinearCombination") for o in (o1, o2)) \
            and len(o1.operands) != len(o2.operands):  # (PennyLane's message for sums)
        return ("op1 and op2 have different number of operands. Got "
                f"{len(o1.operands)} and {len(o2.operands)}")
    if w1 != w2:
        return ("op1 and op2 have different operands because their Pauli words differ: "
                f"{sorted(map(repr, w1 ^ w2))}")
    for w in o1.terms:
        if not _same_number(o1.terms[w], o2.terms[w], rtol, atol):
            return ("op1 and op2 have different operands because op1 and op2 have different "
                    f"scalars. Got {o1.terms[w]} and {o2.terms[w]}")
    return True


def _compare_snapshots(op1, op2, check_interface, check_trainability, rtol, atol):
    """Two ``qml.Snapshot`` compared as PennyLane compares operators: tag, shots, and
    their measurements (by :func:`compare`)."""
    h1, h2 = op1.hyperparameters, op2.hyperparameters
    if h1["tag"] != h2["tag"] or h1["shots"] != h2["shots"]:
        return ("The hyperparameters are not equal for op1 and op2.\n"
                f"Got {h1} and {h2}.")
    why = compare(h1["measurement"], h2["measurement"], check_interface, check_trainability,
                  rtol, atol)
    return True if why is True else f"op1 and op2 have different measurements. {why}"


def compare(op1, op2, check_interface=True, check_trainability=True, rtol=1e-5, atol=1e-9):
    """True if ``op1`` and ``op2`` are equal as PennyLane's ``qml.equal`` compares them,
    else the reason they differ (the message of ``qml.assert_equal``): gates by name, wires,
    hyperparameters and parameters (to ``rtol``/``atol``); observables (Pauli sums,
    Hamiltonians, products) term by term; measurements by kind, observable and wires; tapes
    gate by gate and measurement by measurement, with their shots and trainable parameters.

    >>> compare(RX(0.1, wires=0), RX(0.1 + 1e-12, wires=0))
    True
    >>> compare(RX(0.1, wires=0), RX(0.1, wires=1))
    'op1 and op2 have different wires. Got [0] and [1].'
    """
    if isinstance(op1, (Operation, Observable)) and isinstance(op2, (Operation, Observable)) \
            and isinstance(op1, Observable) != isinstance(op2, Observable):
        return f"op1 and op2 are of different types.  Got {type(op1)} and {type(op2)}."
    if isinstance(op1, Observable) and isinstance(op2, Observable) and (
            getattr(op1, "_adjoint_base", None) is None) != (getattr(op2, "_adjoint_base", None) is None):
        # qml.adjoint of an observable (PennyLane's Adjoint) and one that is not
        return f"op1 and op2 are of different types.  Got {type(op1)} and {type(op2)}."
    if isinstance(op1, Operation) and isinstance(op2, Operation):
        if not isinstance(op2, type(op1)):  # (PennyLane's: op2 may be of a subclass)
            return f"op1 and op2 are of different types.  Got {type(op1)} and {type(op2)}."
        return _compare_gates(op1, op2, check_interface, check_trainability, rtol, atol)
    if isinstance(op1, Observable) and isinstance(op2, Observable):
        return _compare_observables(op1, op2, rtol, atol, check_interface, check_trainability)
    if isinstance(op1, GateSequence) and isinstance(op2, GateSequence):
        return _compare_templates(op1, op2, check_interface, check_trainability, rtol, atol)
    if isinstance(op1, MeasurementProcess) and isinstance(op2, MeasurementProcess):
        return _compare_measurements(op1, op2, check_interface, check_trainability, rtol, atol)
    if _is_tape(op1) and _is_tape(op2):
        return _compare_tapes(op1, op2, check_interface, check_trainability, rtol, atol)
    pauli = METHODS["compare_pauli"](op1, op2, check_interface, check_trainability, rtol, atol) \
        if "compare_pauli" in METHODS else None
    if pauli is not None:  # Pauli words, Pauli sentences (qml.pauli)
        return pauli
    if type(op1) is not type(op2):
        return f"op1 and op2 are of different types.  Got {type(op1)} and {type(op2)}."
    if type(op1).__name__ == "MidMeasure":  # (qsym._mcm's: wires, meas_uid, reset, postselect)
        return True if op1 == op2 else (
            "op1 and op2 are different mid-circuit measurements (wires, meas_uid, reset or "
            f"postselect). Got {op1!r} and {op2!r}")
    if getattr(op1, "is_measurement_value", False):  # measure(0) * measure(1), ...
        return _compare_measurement_values(op1, op2)
    if {"meas_val", "base"} <= set(getattr(op1, "hyperparameters", ())):  # qml.cond's ops
        why = compare(op1.base, op2.base, check_interface, check_trainability, rtol, atol)
        if why is not True:
            return f"op1 and op2 have different base operations. {why}"
        return _compare_measurement_values(op1.meas_val, op2.meas_val)
    if "measurement" in getattr(op1, "hyperparameters", ()):  # qml.Snapshot
        return _compare_snapshots(op1, op2, check_interface, check_trainability, rtol, atol)
    if all(hasattr(op1, a) for a in ("base", "coeff", "num_steps")):  # qml.exp, qml.evolve
        why = _interfaces_then_trainability(op1.data, op2.data, check_interface, check_trainability)
        if why is not None:
            return why
        if not _same_number(op1.coeff, op2.coeff, rtol, atol):
            return f"op1 and op2 have different coefficients. Got {op1.coeff} and {op2.coeff}"
        if len(op1.data) != len(op2.data) or not all(
                _same_number(a, b, rtol, atol) for a, b in zip(op1.data, op2.data)):
            return f"op1 and op2 have different data.\nGot {op1.data} and {op2.data}"
        why = compare(op1.base, op2.base, check_interface, check_trainability, rtol, atol)
        return True if why is True else f"op1 and op2 have different base operations because {why}"
    if hasattr(op1, "heisenberg_expand") or is_qutrit_record(op1):  # qml.ops.cv (qsym._cv),
        return _compare_cv(op1, op2, rtol, atol)  # qutrit records: wires, data, hyperparameters
    raise ComparisonUndefinedError(
        f"Comparison of {type(op1)} and {type(op2)} not implemented (qml.equal compares "
        f"operators, measurements, tapes and Pauli words or sentences; got {op1!r})")


def _compare_cv(op1, op2, rtol, atol):
    """PennyLane's comparison of two CV operations of one class: wires, data, hyperparameters."""
    if op1.wires != op2.wires:
        return f"op1 and op2 have different wires. Got {op1.wires} and {op2.wires}."
    if len(op1.data) != len(op2.data) or not all(
            np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)
            for a, b in zip(op1.data, op2.data)):
        return f"op1 and op2 have different data.\nGot {op1.data} and {op2.data}"
    if op1.hyperparameters != op2.hyperparameters:
        return (f"The hyperparameters are not equal for op1 and op2.\n Got "
                f"{op1.hyperparameters}\n and {op2.hyperparameters}.")
    return True


def _compare_measurement_values(v1, v2):
    """PennyLane's comparison of mid-circuit measurement values: the same mid-circuit
    measurements (wires, ``meas_uid``, ``reset``, ``postselect``), in the same order; their
    classical processing is deliberately not compared (``3 * m + 1`` equals ``4 * m + 2``)."""
    if list(v1.measurements) != list(v2.measurements):
        return (f"op1 and op2 have different mid-circuit measurements. Got {v1.measurements} "
                f"and {v2.measurements}")
    return True


def _measured_operator(m):
    """The operator a measurement measures, as written (``probs(op=Z(0))`` keeps it though
    it measures wires; of an operator qsym cannot measure, that operator), or None."""
    if isinstance(m.measured_obs, UnmeasuredOperator):  # (qml.expval(qml.NumberOperator(0)))
        return m.measured_obs.op
    if m.measured_obs is not None:
        return m.measured_obs
    for attr in ("_written", "op"):  # (probs(op=...) keeps its operator as op)
        written = getattr(m, attr, None)
        if isinstance(written, (Operation, Observable)):
            return written
    return None


def _compare_measurement_settings(m1, m2, rtol, atol):
    """PennyLane's comparison of what besides the observable makes two measurements differ:
    the quantity and its ``log_base`` (``vn_entropy``, ``mutual_info``), ``all_outcomes``
    of ``counts``, ``k`` and ``H`` of ``shadow_expval``; True, or the reason."""
    if getattr(m1, "reduce", None) != getattr(m2, "reduce", None):
        return f"{m1} and {m2} are not equal: different quantities or log_base"
    if getattr(m1, "all_outcomes", None) != getattr(m2, "all_outcomes", None):
        return f"{m1} and {m2} are not equal: different all_outcomes"
    if hasattr(m1, "H") or hasattr(m2, "H"):
        h1, h2 = getattr(m1, "H", None), getattr(m2, "H", None)
        if getattr(m1, "k", None) != getattr(m2, "k", None):
            return f"{m1} and {m2} are not equal: different k"
        one1, one2 = (isinstance(h, (Operation, Observable)) for h in (h1, h2))
        pairs = [(h1, h2)] if one1 and one2 else list(zip(h1, h2)) if not (one1 or one2) \
            and len(h1) == len(h2) else None
        if pairs is None or not all(compare(a, b, rtol=rtol, atol=atol) is True for a, b in pairs):
            return f"{m1} and {m2} are not equal: different observables H"
    return True


def _compare_measurements(m1, m2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of two measurements: the same class and kind, settings
    (:func:`_compare_measurement_settings`), then the observables measured, else the wires
    and the eigenvalues given (``expval(eigvals=..., wires=...)``)."""
    if type(m1) is not type(m2):
        return f"op1 and op2 are of different types.  Got {type(m1)} and {type(m2)}."
    if m1.kind != m2.kind:
        return f"op1 and op2 are of different types.  Got {m1.kind} and {m2.kind}."
    why = _compare_measurement_settings(m1, m2, rtol, atol)
    if why is not True:
        return why
    o1, o2 = _measured_operator(m1), _measured_operator(m2)
    if o1 is not None and o2 is not None:
        return compare(o1, o2, check_interface, check_trainability, rtol, atol)
    mv1, mv2 = getattr(m1, "mv", None), getattr(m2, "mv", None)
    if mv1 is not None and mv2 is not None:  # statistics of mid-circuit measurement values
        if isinstance(mv1, (list, tuple)) != isinstance(mv2, (list, tuple)):
            return f"{m1} and {m2} are not equal: a list of measurement values and one value"
        if not isinstance(mv1, (list, tuple)):
            return _compare_measurement_values(mv1, mv2)
        if len(mv1) != len(mv2):
            return f"{m1} and {m2} are not equal: different numbers of measurement values"
        for a, b in zip(mv1, mv2):
            why = _compare_measurement_values(a, b)
            if why is not True:
                return why
        return True
    if (o1 is None) != (o2 is None) or m1.wires != m2.wires:
        return f"{m1} and {m2} are not equal: different wires or observables."
    if mv1 is not None or mv2 is not None:
        return f"{m1} and {m2} are not equal: one measures a mid-circuit measurement value"
    e1, e2 = (m.eigvals() if hasattr(m, "eigvals") else None for m in (m1, m2))
    if e1 is None or e2 is None:
        return True if e1 is None and e2 is None else f"{m1} and {m2} are not equal: different eigvals"
    e1, e2 = np.asarray(e1), np.asarray(e2)
    if e1.shape != e2.shape or not np.allclose(e1, e2, rtol=rtol, atol=atol):
        return f"{m1} and {m2} are not equal: different eigvals"
    return True


def _same_value(a, b, rtol, atol) -> bool:
    """Hyperparameters and data of templates: operators by :func:`compare`, numbers and
    arrays to ``rtol``/``atol``, sequences item by item, anything else by ``==``."""
    if isinstance(a, (Operation, Observable, GateSequence)) or isinstance(b, (Operation, Observable, GateSequence)):
        return type(a) is type(b) and compare(a, b, rtol=rtol, atol=atol) is True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and not (
            _numeric(a) and _numeric(b)):
        return len(a) == len(b) and all(_same_value(x, y, rtol, atol) for x, y in zip(a, b))
    if _numeric(a) and _numeric(b):
        x, y = np.asarray(a), np.asarray(b)
        return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=atol))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _numeric(v) -> bool:
    if isinstance(v, (str, bool)) or v is None:
        return False
    try:
        return np.asarray(v).dtype.kind in "iufc"
    except (TypeError, ValueError):
        return False


def _compare_templates(t1, t2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of operators in general (its templates): the same type, wires,
    data (to ``rtol``/``atol``) and hyperparameters."""
    if type(t1) is not type(t2):
        return f"op1 and op2 are of different types.  Got {type(t1)} and {type(t2)}."
    special = _TEMPLATE_COMPARISONS.get(type(t1).__name__)
    if special is not None:  # PennyLane's own comparisons (and messages) of these templates
        return special(t1, t2, check_interface, check_trainability, rtol, atol)
    if list(t1.wires) != list(t2.wires):
        return f"op1 and op2 have different wires. Got {list(t1.wires)} and {list(t2.wires)}."
    d1, d2 = tuple(getattr(t1, "data", ())), tuple(getattr(t2, "data", ()))
    if len(d1) != len(d2) or not all(_same_value(a, b, rtol, atol) for a, b in zip(d1, d2)):
        return f"op1 and op2 have different data.\nGot {d1} and {d2}"
    h1, h2 = getattr(t1, "hyperparameters", {}), getattr(t2, "hyperparameters", {})
    if set(h1) != set(h2) or not all(_same_value(h1[k], h2[k], rtol, atol) for k in h1):
        return f"The hyperparameters are not equal for op1 and op2.\nGot {h1}\n and {h2}."
    return True


def _compare_hilbert_schmidt(t1, t2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of two ``HilbertSchmidt`` operators: their data (values, then
    trainability, then interfaces) and the operators of ``U`` and of ``V`` (their
    hyperparameters, a tape's operations), one by one; not their wires."""
    d1, d2 = tuple(t1.data), tuple(t2.data)
    if not all(_same_value(a, b, rtol, atol) for a, b in zip(d1, d2)):
        return f"op1 and op2 have different data.\nGot {d1} and {d2}"
    for a, b in zip(d1, d2):
        why = parameters_differ(a, b, check_interface, check_trainability)
        if why is not None:
            return why
    for key in ("U", "V"):
        ops1, ops2 = (list(getattr(h, "operations", h)) for h in
                      (t1.hyperparameters[key], t2.hyperparameters[key]))
        if len(ops1) != len(ops2):
            return f"op1 and op2 have different numbers of {key} operators."
        for a, b in zip(ops1, ops2):
            why = compare(a, b, check_interface, check_trainability, rtol, atol)
            if why is not True:
                return f"op1 and op2 have different {key} operators: {why}"
    return True


def _compare_controlled_sequence(t1, t2, *args):
    if list(t1.wires) != list(t2.wires):
        return f"op1 and op2 have different wires. Got {t1.wires} and {t2.wires}."
    if t1.arithmetic_depth != t2.arithmetic_depth:
        return ("op1 and op2 have different arithmetic depths. Got "
                f"{t1.arithmetic_depth} and {t2.arithmetic_depth}")
    why = compare(t1.base, t2.base, *args)
    return True if why is True else f"op1 and op2 have different base operations because {why}"


def _compare_select(t1, t2, *args):
    h1, h2 = t1.hyperparameters, t2.hyperparameters
    if list(h1["control"]) != list(h2["control"]):
        return f"op1 and op2 have different control wires. Got {h1['control']} and {h2['control']}."
    if len(h1["ops"]) != len(h2["ops"]):
        return ("op1 and op2 have different number of target operators. Got "
                f"{len(h1['ops'])} and {len(h2['ops'])}.")
    for idx, (a, b) in enumerate(zip(h1["ops"], h2["ops"])):
        why = compare(a, b, *args)
        if why is not True:
            return f"got different operations at index {idx}: {a} and {b}. They differ because {why}."
    return True


def _compare_qsvt(t1, t2, *args):
    h1, h2 = t1.hyperparameters, t2.hyperparameters
    if compare(h1["UA"], h2["UA"], *args) is not True:
        return f"op1 and op2 have different block encodings UA. Got {h1['UA']} and {h2['UA']}."
    p1, p2 = list(h1["projectors"]), list(h2["projectors"])
    if len(p1) != len(p2):
        return f"op1 and op2 have a different number of projectors. Got {p1} and {p2}."
    for i, (a, b) in enumerate(zip(p1, p2)):
        why = compare(a, b, *args)
        if why is not True:
            return (f"op1 and op2 have different projectors at position {i}. Got {a} and {b}, "
                    f"which differ: {why}.")
    return True


def _argument_leaves(value) -> tuple[list, object]:
    """The leaves of a subroutine's dynamic argument (nested lists, tuples and dicts) and
    its structure (PennyLane's ``flatten`` of the argument's pytree)."""
    if isinstance(value, (list, tuple)):
        parts = [_argument_leaves(v) for v in value]
        return [x for p in parts for x in p[0]], (type(value), tuple(p[1] for p in parts))
    if isinstance(value, dict):
        parts = {k: _argument_leaves(v) for k, v in value.items()}
        return ([x for p in parts.values() for x in p[0]],
                (dict, tuple((k, p[1]) for k, p in parts.items())))
    return ([], None) if value is None else ([value], "leaf")


def _compare_subroutine_ops(t1, t2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of two ``SubroutineOp`` (``qml.templates.Subroutine`` applied):
    the same subroutine, equal static arguments and wire registers, and each dynamic
    argument of the same pytree structure with leaves of the same trainability and
    interface and values equal to ``rtol``/``atol``."""
    if t1.subroutine != t2.subroutine:
        return f"op1 is {t1.subroutine} and op2 is {t2.subroutine}"
    a1, a2 = t1.bound_args.arguments, t2.bound_args.arguments
    for names, what in ((t1.subroutine.static_argnames, "input"),
                        (t1.subroutine.wire_argnames, "register")):
        for name in names:
            if not _same_value(a1[name], a2[name], 0.0, 0.0):
                return f"op1 has value {a1[name]} and op2 has value {a2[name]} for {what} {name}"
    for name in t1.subroutine.dynamic_argnames:
        (vals1, tree1), (vals2, tree2) = _argument_leaves(a1[name]), _argument_leaves(a2[name])
        if tree1 != tree2:
            return f"op1 and op2 have different pytree structures for {name}."
        for v1, v2 in zip(vals1, vals2):
            (g1, i1), (g2, i2) = _trainability(v1), _trainability(v2)
            if check_trainability and g1 != g2:
                return f"{name} has different trainability for {v1} and {v2}."
            if check_interface and i1 != i2:
                return f"{name} has different interfaces for {v1} and {v2}."
            if not _same_value(v1, v2, rtol, atol):
                return f"{name} has different values {v1} and {v2}."
    return True


_TEMPLATE_COMPARISONS = {"HilbertSchmidt": _compare_hilbert_schmidt,
                         "SubroutineOp": _compare_subroutine_ops,
                         "LocalHilbertSchmidt": _compare_hilbert_schmidt,
                         "ControlledSequence": _compare_controlled_sequence,
                         "Select": _compare_select, "QSVT": _compare_qsvt}


def _is_tape(obj) -> bool:
    return hasattr(obj, "operations") and hasattr(obj, "measurements") and hasattr(obj, "shots")


def _compare_tapes(t1, t2, check_interface, check_trainability, rtol, atol):
    """PennyLane's comparison of tapes: the same gates and measurements in order (each as
    :func:`compare`), the same shots and trainable parameters."""
    if len(t1.operations) != len(t2.operations) or len(t1.measurements) != len(t2.measurements):
        return "op1 and op2 have different numbers of operations or measurements."
    for a, b in zip(t1.operations + t1.measurements, t2.operations + t2.measurements):
        why = compare(a, b, check_interface, check_trainability, rtol, atol)
        if why is not True:
            return f"op1 and op2 have different operations or measurements: {why}"
    if t1.shots != t2.shots:
        return f"op1 and op2 have different shots. Got {t1.shots} and {t2.shots}."
    if list(t1.trainable_params) != list(t2.trainable_params):
        return "op1 and op2 have different trainable parameters."
    return True


def equal(op1, op2, check_interface=True, check_trainability=True, rtol=1e-5, atol=1e-9) -> bool:
    """Whether two gates, observables or measurements are equal (PennyLane's
    ``qml.equal``): of the same type, on the same wires, with the same hyperparameters and
    parameters equal to ``rtol``/``atol``; with ``check_trainability``, the same
    ``requires_grad``; observables (``X(0) @ Y(1)``, Hamiltonians) term by term, so the
    order of factors and terms does not matter.

    >>> import qsym as qml
    >>> qml.equal(qml.RX(0.12, wires=0), qml.RX(0.12, wires=0)), qml.equal(qml.RX(0.12, 0), qml.RY(0.12, 0))
    (True, False)
    >>> qml.equal(qml.X(0) @ qml.Y(1), qml.Y(1) @ qml.X(0))
    True
    >>> H1 = qml.Hamiltonian([0.5, 0.5], [qml.Z(0) @ qml.Y(1), qml.Y(1) @ qml.Z(0)])
    >>> qml.equal(H1, qml.Hamiltonian([1], [qml.Z(0) @ qml.Y(1)]))
    True
    """
    return equal_dispatch(op1, op2, check_interface=check_interface,
                          check_trainability=check_trainability, atol=atol, rtol=rtol) is True


@functools.singledispatch
def equal_dispatch(op1, op2, check_interface=True, check_trainability=True, atol=1e-9,
                   rtol=1e-5):
    """PennyLane's ``_equal_dispatch`` (module ``qml.ops.functions.equal``): True, or why
    ``op1`` and ``op2`` differ (:func:`compare`), dispatched on ``type(op1)``; a function
    registered for a type (``@_equal_dispatch.register``) decides for it, and its False is
    ``assert_equal``'s "unspecified reason".

    >>> equal_dispatch(RX(0.1, wires=0), RX(0.1, wires=1))
    'op1 and op2 have different wires. Got [0] and [1].'
    """
    return compare(op1, op2, check_interface, check_trainability, rtol, atol)


def assert_equal(op1, op2, check_interface=True, check_trainability=True, rtol=1e-5,
                 atol=1e-9) -> None:
    """Raise ``AssertionError`` saying why, if :func:`equal` is False (PennyLane's
    ``qml.assert_equal``).

    >>> import qsym as qml
    >>> qml.assert_equal(qml.RX(0.12, wires=0), qml.RX(1.23, wires=0))
    Traceback (most recent call last):
        ...
    AssertionError: op1 and op2 have different data.
    Got (0.12,) and (1.23,)
    """
    result = equal_dispatch(op1, op2, check_interface=check_interface,
                            check_trainability=check_trainability, atol=atol, rtol=rtol)
    if isinstance(result, str):
        raise AssertionError(result)
    if not result:  # (a function registered with equal_dispatch said False)
        raise AssertionError(f"{op1} and {op2} are not equal for an unspecified reason.")


def _expanded_indices(rows, cols, wires, order, d):
    """The row and column indices on ``order`` of the entries ``(rows, cols)`` of a matrix
    on ``wires`` (``d`` levels each) times the identity on the other wires: each entry once
    per basis state of those wires (the entries' repeat count, ``d ** (n - k)``), its
    digits permuted to ``order``."""
    n, k = len(order), len(wires)
    held = list(wires) + [w for w in order if w not in wires]
    extra = np.arange(d ** (n - k))
    rows, cols = ((np.asarray(idx)[:, None] * d ** (n - k) + extra).ravel() for idx in (rows, cols))
    weights = d ** np.arange(n - 1, -1, -1)  # of each digit, the most significant first
    pick = [held.index(w) for w in order]

    def permuted(index):
        digits = (index[:, None] // weights) % d  # digit q belongs to wire held[q]
        return digits[:, pick] @ weights

    return permuted(rows), permuted(cols), len(extra)


def expand_sparse(mat, wires, order):
    """``expand_matrix`` of a SciPy sparse matrix (``qml.math.expand_matrix``'s, and
    ``op.sparse_matrix(wire_order=...)``'s): the entries of ``kron(mat, I)``, their row and
    column indices' digits permuted to ``order``, no dense matrix made (zeros dropped).

    >>> import scipy.sparse as sps
    >>> expand_sparse(sps.csr_matrix(np.diag([1.0, -1.0])), [1], [0, 1]).diagonal()
    array([ 1., -1.,  1., -1.])
    """
    import scipy.sparse as sps

    missing = [w for w in wires if w not in order]
    if missing or len(set(wires)) != len(wires):
        raise ValueError(f"expand_matrix: wire_order {order} must contain each of the "
                         f"operator's wires {wires} once; missing {missing}")
    coo = sps.coo_matrix(mat)
    n, k = len(order), len(wires)
    d = int(round(coo.shape[-1] ** (1 / k))) if k else 2  # (a wireless 1x1: a qubit's I)
    rows, cols, repeat = _expanded_indices(coo.row, coo.col, list(wires), order, d)
    out = sps.coo_matrix((np.repeat(coo.data, repeat), (rows, cols)),
                         shape=(d**n, d**n)).tocsr()
    out.eliminate_zeros()
    return out


def sparse_of(m: np.ndarray, format="csr"):  # noqa: A002  (PennyLane's name)
    """``m`` as a SciPy sparse matrix in ``format``; scipy is optional (not a dependency of
    qsym): without it, a :class:`~qsym.errors.GateError` says so."""
    try:
        from scipy import sparse
    except ImportError:
        raise GateError("sparse matrices need scipy, which qsym does not depend on: "
                        "pip install scipy, or use op.matrix() (dense)") from None
    if np.ndim(m) != 2:
        raise SparseMatrixUndefinedError(
            f"a broadcast matrix (shape {np.shape(m)}) has no sparse form (sparse matrices do "
            "not support broadcasting, as PennyLane's); give one parameter value at a time")
    return sparse.csr_matrix(np.asarray(m)).asformat(format)


def pauli_sum_sparse(terms: dict, order: list, format="csr"):  # noqa: A002
    """The sparse matrix on the wires ``order`` (the first most significant) of the Pauli
    sum ``terms`` (``{((wire, letter), ...): coefficient}``): each word maps basis state
    ``x`` to ``x`` with its X/Y bits flipped, times a phase. As PennyLane's
    ``PauliSentence.to_mat(format="csr")``: the words of one flip pattern (one sparse
    structure) are summed first, in their order, entry by entry (words of other patterns
    never share an entry), and entries of magnitude below ``1e-16`` are dropped, so the
    matrix stores what PennyLane's stores (no rounding residues of cancelling terms).

    >>> pauli_sum_sparse({((0, "Y"),): 1.0}, [0]).toarray()
    array([[0.+0.j, 0.-1.j],
           [0.+1.j, 0.+0.j]])
    >>> pauli_sum_sparse({((0, "Z"),): 0.5, ((0, "X"),): 1.0, (): -0.5}, [0]).nnz
    3
    """
    sparse = sparse_of(np.eye(1), "csr").__class__  # (scipy imported, or its GateError)
    n = len(order)
    dim = 2 ** n
    index = np.arange(dim)
    shift = {w: n - 1 - k for k, w in enumerate(order)}
    groups: dict = {}  # flip pattern -> its words, in order (one at a time: memory)
    for word, coeff in terms.items():
        flip = sum(1 << shift[w] for w, letter in word if letter in "XY")
        groups.setdefault(flip, []).append((word, coeff))
    rows, cols, data = [], [], []
    for flip, words in groups.items():
        values = np.zeros(dim, dtype=complex)  # the group's entries, column by column
        for word, coeff in words:
            phase = np.full(dim, complex(coeff))
            for w, letter in word:
                if letter in "ZY":
                    sign = 1 - 2 * ((index >> shift[w]) & 1)  # +1 on |0>, -1 on |1>
                    phase *= sign if letter == "Z" else 1j * sign  # Y|0> = i|1>, Y|1> = -i|0>
            values += phase
        keep = np.abs(values) >= 1e-16  # (PennyLane's cut: "sufficiently close to zero")
        rows.append(index[keep] ^ flip)
        cols.append(index[keep])
        data.append(values[keep])
    if not data:
        return sparse((dim, dim), dtype=complex).asformat(format)
    total = sparse((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                   shape=(dim, dim), dtype=complex)
    return total.asformat(format)


def _declares(cls, attr: str) -> bool:
    """Whether a user's class (below :class:`Operation`) sets ``attr`` itself."""
    return any(attr in vars(c) for c in cls.__mro__ if c is not Operation and issubclass(c, Operation))


def _yours(cls) -> bool:
    """A class written outside qsym with no gate-table row (``class MyOp(qml.operation.
    Operator)``): PennyLane's base-class defaults apply to it, not to qsym's own classes
    (``Adjoint``, ``Pow``, ... have their own)."""
    return cls._row is None and _user_operator(cls) and _users(cls)


def _user_operator(cls) -> bool:
    """A user's subclass of ``qml.operation.Operator`` (no gate-table row anywhere in it)."""
    return cls is not Operation and not any("_row" in vars(c) and vars(c)["_row"] is not None
                                            for c in cls.__mro__)


def user_declares(cls, *attrs: str) -> bool:
    """Whether a class the user wrote (outside qsym) in ``cls``'s bases sets one of
    ``attrs`` itself: a user's ``compute_decomposition``, ``compute_matrix``, ...

    >>> class MyRX(GATE_CLASSES["RX"]):
    ...     __module__ = "my_project"  # (a class a user writes lives in their module)
    ...     def decomposition(self):
    ...         return []
    >>> user_declares(MyRX, "decomposition"), user_declares(GATE_CLASSES["RX"], "decomposition")
    (True, False)
    """
    return any(a in vars(c) for c in cls.__mro__ if _users(c) for a in attrs)


def _users(cls) -> bool:
    # (a class of qsym's written as a user writes one, PennyLane's RotXZX, says so itself)
    return ((cls.__module__.split(".")[0] != "qsym" or vars(cls).get("AS_USER_CLASS", False))
            and issubclass(cls, Operation))


def table_gates(op, depth: int = 0) -> list:
    """The gates of qsym's table that apply ``op``: itself when it is one; an instance of
    a user's operator class by its decomposition (its ``compute_decomposition`` or
    ``decomposition``, expanded again until table gates are left), else by its matrix
    (``compute_matrix``: a ``QubitUnitary``, for numeric parameters only); a user's
    subclass of a table gate that keeps the gate's matrix is that gate (PennyLane's
    ``default.qubit`` applies its matrix), whatever its ``name``. Anything else is a
    :class:`~qsym.errors.DeviceError` (PennyLane's) naming what to define. Registered in
    :data:`qsym._trace.TAPE_REWRITES`, so a circuit function may use such classes with
    every differentiation method (their parameters are traced through the decomposition
    like any code).

    >>> class Twice(Operation):
    ...     __module__ = "my_project"
    ...     num_wires, num_params = 1, 1
    ...     @staticmethod
    ...     def compute_decomposition(x, wires):
    ...         return [GATE_CLASSES["RX"](x, wires=wires), GATE_CLASSES["RX"](x, wires=wires)]
    >>> with _no_recording():
    ...     table_gates(Twice(0.25, wires=0))
    [RX(0.25, wires=[0]), RX(0.25, wires=[0])]
    """
    cls = type(op)
    if _unapplied(op):
        return list(op.table_gates)  # a power of a gate with no gates (Rot ** 1.2): refused
    if not isinstance(op, Operation) or not _users(cls):
        return [op]
    if depth > 64:
        raise GateError(f"{op.name}'s decomposition does not end in qsym's gates (it contains "
                        f"{op.name} again): decompose it into gates of qsym's table")
    row = cls._row
    own_matrix = user_declares(cls, "compute_matrix", "matrix")
    if row is not None and not own_matrix:
        with _no_recording():
            return [GATE_CLASSES[row.name](*op.params, wires=op.wires, **dict(op.hyper))]
    if user_declares(cls, "compute_decomposition", "decomposition") or added_rules(cls, op):
        with _no_recording():
            gates = op.decomposition()
        return [g for d in gates for g in table_gates(d, depth + 1)]
    if own_matrix:
        if any(isinstance(p, (Traced, Box)) for p in op.params):
            raise GateError(
                f"{op.name} is defined by its matrix only (compute_matrix), and its "
                "parameters are circuit inputs: qsym traces circuits exactly and cannot "
                "differentiate a matrix it cannot see; give the class a "
                "compute_decomposition into qsym's gates, or make the gate with "
                "qml.define_gate(name, wires, generator=... | matrix=...)")
        with _no_recording():
            return [GATE_CLASSES["QubitUnitary"](np.asarray(op.matrix()), wires=op.wires)]
    raise DeviceError(
        f"Operator {op!r} not supported with default.qubit and does not provide a "
        "decomposition. (qsym: it has neither a decomposition nor a matrix: define "
        "compute_decomposition (gates of qsym's table) or compute_matrix in the class, or "
        "make it with qml.define_gate)")


def _unapplied(op) -> bool:
    """An operator qsym made of a table gate without writing gates for it (PennyLane's
    lazy ``Pow(Rot, 1.2)``, of a template ``Pow(QFT, 0.5)``): its ``table_gates`` say why a
    circuit refuses it."""
    if not (isinstance(op, Operation) and type(op)._row is None
            and vars(op).get("_gates", ()) is None):
        return False
    base = vars(op).get("_base")
    return getattr(base, "_row", None) is not None or isinstance(base, GateSequence)


def only_table_gates(items) -> bool:
    """Whether every entry of ``items`` is an instance of one of qsym's own table-gate
    classes (what :data:`GATE_CLASSES` makes: not a user's subclass, nor an operator a
    recording rewrites), told once per distinct class (issue #17: a recording's rewrites
    asked each of a 12x8 HEA's 288 gates the same questions, 1-2 ms a run; ``isinstance``
    against a class with a Python ``__instancecheck__`` costs microseconds). False is
    no verdict: the caller looks at the entries one by one.

    >>> import qsym as qml
    >>> only_table_gates([qml.RX(0.1, wires=0), qml.CNOT(wires=[0, 1])])
    True
    >>> only_table_gates([qml.RX(0.1, wires=0), qml.PauliZ(0) @ qml.PauliZ(1)])
    False
    """
    for kind in set(map(type, items)):
        if not (issubclass(kind, Operation) and kind._row is not None and not _users(kind)):
            return False
    return True


def expand_user_gates(items, result, device_wires=None):
    """A recording with every user's operator replaced by :func:`table_gates` (registered
    in :data:`qsym._trace.TAPE_REWRITES`).

    >>> expand_user_gates([], None)
    ([], None)
    """
    if only_table_gates(items) or not any(
            isinstance(op, Operation) and (_users(type(op)) or _unapplied(op))
            for op in items):
        return items, result
    return [g for op in items for g in table_gates(op)], result


TAPE_REWRITES.append(expand_user_gates)


def _stale_class(name: str, row) -> GateError:
    """The error for a gate class whose row is no longer the table's (or never was)."""
    if row is None or row.name != name:
        return GateError(f"unknown gate {name!r}: gate classes are made by qsym.define_gate")
    if name in GATES:
        return GateError(
            f"this {name} class belongs to an earlier definition of {name}, replaced since by "
            f"qsym.define_gate; use qml.{name} (the current definition) again"
        )
    return GateError(
        f"gate {name} was removed by qsym.undefine_gate; define it again with "
        "qsym.define_gate before using it"
    )


def _example_call(row) -> tuple[str, int]:
    """``(call, wires)``: a call of the gate with example arguments (the first variant the
    table lists for a gate on any number of wires), for its docstring's example."""
    num_wires, hyper = (row.examples or ((row.num_wires or 1, ()),))[0]
    num_wires = row.num_wires or num_wires
    if row.name == "MultiControlledX":  # at least one control
        num_wires = max(num_wires, 3)
    args = [f"{0.1 * (k + 1):.1f}" for k in range(row.num_params)]
    hyper = dict(hyper)
    if "U" in row.hyper and "U" not in hyper:  # QubitUnitary: the identity, for the example
        dim = 2 ** num_wires
        hyper["U"] = [[int(i == j) for j in range(dim)] for i in range(dim)]
    args += [f"{k}={v!r}" for k, v in hyper.items()]
    wires = list(range(num_wires))
    args.append(f"wires={wires[0] if num_wires == 1 and row.num_wires == 1 else wires}")
    return f"qml.{row.name}({', '.join(args)})", num_wires


def gate_docstring(row) -> str:
    """The docstring of a gate class, made from its row: what it is, its parameters (by
    PennyLane's names), wires and hyperparameters, where its matrix and proved shift rule
    are, and an example every gate shares (made from the row; the tests run each).

    >>> print(gate_docstring(GATES["RX"]).splitlines()[2])
    Parameters: phi (trainable). Wires: 1 wire. Hyperparameters: none.
    """
    pnames = PARAM_NAMES.get(row.name) or tuple(f"p{i}" for i in range(row.num_params))
    params = f"{', '.join(pnames)} (trainable)" if pnames else "none"
    wires = (f"{row.num_wires} wire{'s' if row.num_wires != 1 else ''}" if row.num_wires
             else "any number, given at use")
    call, num_wires = _example_call(row)
    dim = 2 ** num_wires
    what = f": {row.doc}" if row.doc and row.doc != row.name else ""
    return (
        f"The {row.name} gate, as PennyLane's ``qml.{row.name}``{what}.\n\n"
        f"Parameters: {params}. Wires: {wires}. "
        f"Hyperparameters: {', '.join(row.hyper) or 'none'}.\n\n"
        f"Its exact matrix (``qsym._gates.GATES[{row.name!r}]``) and the parameter-shift\n"
        f"rule derived and proved from it: the API reference's gate table, or\n"
        f"``qsym rules --gate {row.name}``.\n\n"
        f"Example (made from the gate table, as for every gate)::\n\n"
        f"    >>> import numpy as np\n"
        f"    >>> import qsym as qml\n"
        f"    >>> op = {call}\n"
        f"    >>> op.name, op.num_params, len(op.wires)\n"
        f"    ({row.name!r}, {DATA_PARAMS.get(row.name, row.num_params)}, {num_wires})\n"
        f"    >>> m = qml.matrix(op)  # unitary, on {num_wires} wire(s)\n"
        f"    >>> m.shape, bool(np.abs(m @ m.conj().T - np.eye({dim})).max() < 1e-12)\n"
        f"    (({dim}, {dim}), True)\n"
    )


SPARSE_GATES = frozenset({
    "CCZ", "CH", "CNOT", "CRX", "CRY", "CRZ", "CRot", "CSWAP", "CY", "CZ",
    "ControlledPhaseShift", "GlobalPhase", "Hadamard", "Identity", "MultiControlledX",
    "PauliX", "PauliY", "PauliZ", "RX", "RY", "RZ", "SWAP", "Toffoli"})
"""The gates whose class has ``has_sparse_matrix`` True: PennyLane 0.45's (those defining a
sparse matrix). Every gate's ``op.sparse_matrix()`` works (SciPy's, of the dense matrix).
A ``QubitUnitary`` has one where its matrix was given sparse (PennyLane's instance
property; ``QubitUnitary._given_sparse`` sets it), not of a dense matrix."""


def _work_wires(self):
    """The work wires its decomposition may use (PennyLane's ``op.work_wires``)."""
    return self._aux["work_wires"] if self._aux else Wires(())


def _work_wire_type(self) -> str:
    """``"zeroed"`` (the work wires start and end in ``|0>``) or ``"borrowed"`` (any state,
    restored), PennyLane's ``op.work_wire_type``."""
    return self._aux["work_wire_type"] if self._aux else "borrowed"


def _mcx_control_values(self) -> list:
    """The value each control wire is compared with (PennyLane's ``op.control_values``)."""
    values = dict(self.hyper).get("control_values")
    return [True] * (len(self.wires) - 1) if values is None else [bool(v) for v in values]


def _table_control_values(self) -> list:
    """A controlled gate of the table (``CNOT``, ``CRX``, ``Toffoli``, ...) is controlled on
    1 on each control wire: PennyLane's ``ControlledOp`` ``control_values``, ``[True]`` per
    control wire (a control on 0 is ``qml.ctrl``'s ``Controlled`` or ``MultiControlledX``)."""
    return [True] * CONTROLLED_LABELS[self.name][0]


def _no_work_wires(self):
    """PennyLane's ``work_wires`` of a controlled gate of the table: none (``qml.ctrl(RX,
    1, work_wires=[3])`` is a ``CRX`` without them in PennyLane too)."""
    return Wires(())


# PennyLane's ``num_params`` of table gates whose parameter the table holds as a
# hyperparameter (a QubitUnitary's matrix: its ``data``, one parameter in PennyLane; the
# table row has none, its derivative rules, kernels and grad recipes none)
DATA_PARAMS = {"QubitUnitary": 1}


def _make_gate_class(row) -> type:
    doc = gate_docstring(row)
    extra = ({"work_wires": property(_work_wires), "work_wire_type": property(_work_wire_type),
              "control_values": property(_mcx_control_values)}
             if row.name in _IGNORED_KEYWORDS else
             {"work_wires": property(_no_work_wires), "work_wire_type": "borrowed",
              "control_values": property(_table_control_values)}
             if row.name in CONTROLLED_LABELS else {})
    return type(
        row.name,
        (Operation,),
        {"num_params": DATA_PARAMS.get(row.name, row.num_params),
         "num_wires": row.num_wires or None, "__doc__": doc,
         "_row": row, "has_sparse_matrix": row.name in SPARSE_GATES,
         "resource_keys": _resource_keys(row), **extra},
    )


def _resource_keys(row) -> set:
    """PennyLane's class attribute ``resource_keys``: the names of the instances'
    ``resource_params`` (the hashable hyperparameters, ``num_wires`` of a gate on any number
    of wires but ``GlobalPhase``, ``Identity`` and ``PauliRot``; ``MultiControlledX``'s own).

    >>> sorted(_resource_keys(GATES["PCPhase"])), _resource_keys(GATES["CNOT"])
    (['dim', 'num_wires'], set())
    """
    if row.name == "MultiControlledX":
        return {"num_control_wires", "num_zero_control_values", "num_work_wires",
                "work_wire_type"}
    keys = {h for h in row.hyper if h != "U"}
    if not row.num_wires and row.name not in ("GlobalPhase", "Identity", "PauliRot"):
        keys.add("num_wires")
    return keys


GATE_CLASSES: dict[str, type] = {name: _make_gate_class(row) for name, row in GATES.items()}
"""One class per row of the gate table, by name: kept in step with the table by
:data:`qsym._gates.REGISTRY` (read it, do not write it)."""

# qsym's own gates are fixed for the life of the process: bound here once (qml.RX, and
# PauliZ in this module's doctests). User-defined gates come and go: they are looked up in
# the table at each use (__getattr__ below), never written into a module's namespace.
globals().update({name: GATE_CLASSES[name] for name in REGISTRY.builtin})


def _classes_changed(names) -> None:
    for name in names:
        row = GATES.get(name)
        if row is None:
            GATE_CLASSES.pop(name, None)
        elif getattr(GATE_CLASSES.get(name), "_row", None) is not row:
            GATE_CLASSES[name] = _make_gate_class(row)


REGISTRY.on_change(_classes_changed)


def user_gate_class(module_name: str, name: str) -> type:
    """A user-defined gate's class, for the ``__getattr__`` of :mod:`qsym` and of this
    module (PEP 562): ``qml.MyGate`` is the current definition of ``MyGate``."""
    cls = GATE_CLASSES.get(name)
    if cls is not None:
        return cls
    if REGISTRY.version(name):  # defined once, removed since
        raise RemovedGateError(
            f"gate {name} was removed by qsym.undefine_gate; define it again with "
            "qsym.define_gate before using it"
        )
    hint = ""
    if name[:1].isupper() and not name.startswith("__"):
        hint = (f"; if {name} is a gate of your own, define it first with "
                f"qsym.define_gate({name!r}, num_wires, generator=...)")
    raise AttributeError(f"module {module_name!r} has no attribute {name!r}{hint}")


def __getattr__(name: str):
    return user_gate_class(__name__, name)


def __dir__():
    return sorted(set(globals()) | set(GATE_CLASSES))


def _exact_matrix(value, what: str) -> sp.Matrix:
    """An exact sympy matrix from numbers (floats read as the decimals they print as)."""
    from .rules import exact_number

    if isinstance(value, Observable):
        raise GateError(f"{what}: give the generator on wires 0..k-1 as a matrix or Pauli sum")
    m = sp.Matrix(value)
    return m.applyfunc(
        lambda v: v if isinstance(v, sp.Basic) and v.is_number and not isinstance(v, sp.Float)
        else (exact_number(sp.re(v), what) + sp.I * exact_number(sp.im(v), what))
    )


def _pauli_sum_matrix(terms, num_wires: int) -> sp.Matrix:
    """``sum(c * word)`` for words given as strings of I, X, Y, Z (wire 0 first)."""
    from ._gates import pauli_matrix

    out = sp.zeros(2**num_wires)
    for c, word in terms:
        if len(word) != num_wires or set(word) - set("IXYZ"):
            raise GateError(f"Pauli word {word!r} is not a word of {num_wires} letters I, X, Y, Z")
        out += _exact_matrix([[c]], "a Pauli coefficient")[0] * pauli_matrix(word)
    return out


def _reserved(name: str) -> str | None:
    """What ``name`` already means in qsym's namespaces (None: free for a gate)."""
    package = sys.modules[__package__]  # read, not imported: qsym imports this module
    if name in vars(package):
        return f"qsym.{name} exists already"
    if name in vars(sys.modules[__name__]):
        return f"qsym._operations.{name} exists already"
    folder = Path(__file__).parent  # a module of qsym, public or internal (qsym/_x.py)
    if (folder / f"{name}.py").exists() or (folder / f"_{name}.py").exists():
        return f"qsym.{name} is a module of qsym"
    return None


def define_gate(name: str, num_wires: int, *, generator=None, matrix=None, doc: str = ""):
    """Add a one-parameter gate to qsym: ``U(t) = exp(-i t G)`` or ``U(t) = matrix(t)``.

    qsym finds its frequencies, derives its shift rule and proves it before the gate can be
    used; a gate with no exact rule (its matrix is not a trigonometric polynomial in
    ``t``) is refused with the reason. The gate then works like a built-in one:
    ``qml.<name>(t, wires=...)`` in circuits, gradients, ``qsym rules``.

    Defining a name again (a notebook cell run again) replaces the gate, as ``def``
    replaces a function: every QNode compiled with the old definition traces and compiles
    again at its next call, and every memo of the old gate (rules, printed code, exact
    derivatives) is dropped; records on disk are keyed by the exact matrix, so the old
    definition's are never read for the new one. The same definition again changes
    nothing (the same class is returned). A definition that is refused leaves the old
    one in place. Classes of an earlier definition (``G = qml.define_gate(...)`` kept
    across a redefinition) raise :class:`qsym.GateError` when used. qsym's own gates and
    names that qsym already uses (``qml.grad``...) cannot be (re)defined.

    Args:
        name: a gate name (a Python identifier).
        num_wires: the number of wires it acts on.
        generator: a Hermitian matrix (nested lists, NumPy or sympy), or a Pauli sum as a
            list of ``(coefficient, "XZ")`` pairs, for ``U(t) = exp(-i t G)``.
        matrix: or a function of one parameter returning the matrix. It is called with a
            sympy symbol, so write it with sympy functions (``sympy.cos``...).
        doc: one line for listings.

    Returns:
        The gate class (also available as ``qsym.<name>``).

    >>> import qsym as qml
    >>> XY = qml.define_gate("XYRotation", 2, generator=[(0.5, "XY")])
    >>> qml.rules.rule_for_gate("XYRotation", 0).frequencies
    (1,)
    >>> qml.define_gate("XYRotation", 2, generator=[(0.5, "XY")]) is XY  # the same again
    True
    >>> qml.undefine_gate("XYRotation")
    """
    from . import rules
    from .errors import RuleError
    from ._gates import GateDef, register

    _check_new_gate(name, num_wires, generator, matrix)
    t = sp.Symbol("t", real=True)
    exact, gen = _exact_gate_matrix(name, 2**num_wires, t, generator, matrix, num_wires)
    doc = doc or "user-defined"
    old = GATES.get(name)
    if old is not None and _same_definition(old, num_wires, exact, t, gen, doc):
        return GATE_CLASSES[name]  # the same gate again: nothing to invalidate
    row = GateDef(name, num_wires, 1, lambda p: exact.xreplace({t: p}), doc=doc,
                  generator=None if gen is None else (lambda: gen))
    try:  # before the row enters the table: a refused gate replaces nothing
        rules.rule_for_row(row, 0)
    except RuleError as exc:
        raise RuleError(f"{name} has no exact shift rule, so qsym will not differentiate it: {exc}") from None
    register(row)  # the registry tells every cache and QNode that depends on the name
    return GATE_CLASSES[name]


def _check_new_gate(name, num_wires, generator, matrix) -> None:
    """define_gate's arguments other than the matrix itself: a free name, a wire count,
    exactly one of ``generator`` and ``matrix``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise GateError(f"a gate name must be a Python identifier, got {name!r}")
    if name in REGISTRY.builtin:
        raise GateError(
            f"a gate named {name!r} exists already: it is one of qsym's own gates and cannot "
            "be redefined; choose another name"
        )
    clash = _reserved(name)
    if clash is not None:
        raise GateError(f"cannot name a gate {name!r}: {clash}; choose another name")
    if not isinstance(num_wires, numbers.Integral) or num_wires < 1:
        raise WireError(f"num_wires must be a positive int, got {num_wires!r}")
    if (generator is None) == (matrix is None):
        raise GateError("give exactly one of generator= or matrix=")


def _exact_gate_matrix(name, dim, t, generator, matrix, num_wires):
    """``(U(t), G)``: the exact matrix of a gate being defined, from its generator ``G``
    (Hermitian, checked exactly) or from its matrix function (``G`` None; unitarity
    checked at two points)."""
    if generator is not None:
        if isinstance(generator, (list, tuple)) and generator and isinstance(generator[0], tuple):
            gen = _pauli_sum_matrix(generator, num_wires)
        else:
            gen = _exact_matrix(generator, f"{name} generator")
        if gen.shape != (dim, dim):
            raise GateError(f"{name}: the generator must be {dim}x{dim}, got {gen.shape}")
        if (gen - gen.H).applyfunc(sp.simplify) != sp.zeros(dim):
            raise GateError(f"{name}: the generator is not Hermitian")
        return (-sp.I * t * gen).exp(), gen
    try:
        exact = sp.Matrix(matrix(t))
    except Exception as exc:
        raise GateError(
            f"{name}: the matrix function failed on a sympy symbol ({exc}); write it with "
            "sympy functions (sympy.cos, sympy.exp, sympy.I) so that qsym can find its "
            "shift rule exactly"
        ) from None
    if exact.shape != (dim, dim):
        raise GateError(f"{name}: the matrix must be {dim}x{dim}, got {exact.shape}")
    for value in (0.3, -1.7):
        num = np.array(exact.xreplace({t: value}).evalf(), dtype=complex)
        if not np.allclose(num.conj().T @ num, np.eye(dim), atol=1e-10):
            raise GateError(f"{name}: the matrix is not unitary at t = {value}")
    return exact, None


def _same_definition(row, num_wires, exact, t, gen, doc) -> bool:
    """Whether ``row`` is the gate that these arguments of define_gate would make."""
    if row.num_wires != num_wires or row.num_params != 1 or row.doc != doc:
        return False
    if (row.generator is None) != (gen is None):
        return False
    p0 = sp.Symbol("p0", real=True)
    try:
        return sp.srepr(row.sympy_matrix((p0,))) == sp.srepr(exact.xreplace({t: p0}))
    except Exception:
        return False


def undefine_gate(name: str) -> None:
    """Remove a gate added by :func:`define_gate` (qsym's own gates cannot be removed).

    QNodes compiled with it trace again at their next call (which raises
    :class:`qsym.GateError` or ``AttributeError`` if they still use it), and its
    memos are dropped (:data:`qsym._gates.REGISTRY`). Removing a name that is not defined
    does nothing.

    >>> import qsym as qml
    >>> MyZZ = qml.define_gate("MyZZ", 2, generator=[(0.5, "ZZ")])
    >>> hasattr(qml, "MyZZ")
    True
    >>> qml.undefine_gate("MyZZ")
    >>> hasattr(qml, "MyZZ")
    False
    """
    from ._gates import unregister

    unregister(name)


# --- Pauli algebra ---------------------------------------------------------------------
# product of single-qubit Paulis: (a, b) -> (phase, letter); "" is the identity
_PAULI_MUL = {
    ("X", "Y"): (1j, "Z"),
    ("Y", "Z"): (1j, "X"),
    ("Z", "X"): (1j, "Y"),
    ("Y", "X"): (-1j, "Z"),
    ("Z", "Y"): (-1j, "X"),
    ("X", "Z"): (-1j, "Y"),
}


def _mul_words(w1: tuple, w2: tuple):
    """Product of two Pauli words (tuples of (wire label, letter)): (phase, word)."""
    letters = dict(w1)
    order = [w for w, _ in w1]
    phase = 1
    for wire, b in w2:
        a = letters.get(wire)
        if a is None:
            letters[wire] = b
            order.append(wire)
        elif a == b:
            del letters[wire]
            order.remove(wire)
        else:
            ph, c = _PAULI_MUL[(a, b)]
            phase *= ph
            letters[wire] = c
    word = tuple(sorted(((w, letters[w]) for w in order), key=lambda t: repr(t[0])))
    return phase, word


def _scales(c) -> bool:
    """Whether ``c`` may scale an operator (a number, an array, a traced input or a
    sympy expression, an autograd value, a list of numbers: a batch): anything else gets
    Python's ``TypeError`` (PennyLane's ``"dummy" * qml.X(0)``)."""
    return (isinstance(c, (numbers.Number, np.ndarray, np.generic, Traced, sp.Basic, Box))
            or (isinstance(c, (list, tuple)) and batched_scalar(c)))


def _promoted_scalar(c):
    """A scalar product's number(s) as a NumPy array whose type promotes with a matrix as
    PennyLane's ``scalar * matrix`` does (int, float or complex kept; a batch: 1-D), or None
    for a scalar that is not numbers (a traced input, an autograd box)."""
    if batched_scalar(c):
        a = np.asarray(c)
    elif isinstance(c, (numbers.Number, np.generic)) or (
            isinstance(c, np.ndarray) and c.ndim == 0 and c.dtype != object):
        a = np.asarray(c)
    else:
        return None
    if a.dtype.kind not in "biufc":
        return None
    return np.asarray(a, dtype=np.result_type(a.dtype, np.int64))  # (bool: an integer)


def batched_scalar(c) -> bool:
    """Whether ``c`` is a batch of numbers scaling an operator (PennyLane's batched
    ``SProd``: an array or list of several numbers, one operator per element).

    >>> batched_scalar(np.array([0.5, 0.6])), batched_scalar(np.array([0.5])), batched_scalar(2.0)
    (True, False, False)
    """
    if isinstance(c, (list, tuple)):
        if not c or not all(isinstance(x, numbers.Number) for x in c):
            return False
        c = np.asarray(c)
    return (isinstance(c, np.ndarray) and c.ndim >= 1 and c.size > 1
            and c.dtype.kind in "biufc")


def _scalar(c):
    if (not isinstance(c, (np.ndarray, Box, Traced, sp.Basic, numbers.Number))
            and hasattr(c, "__array__") and getattr(c, "shape", None) == ()):
        try:  # another library's concrete 0-d array (a JAX Array): its number
            c = np.asarray(c)
        except Exception:  # noqa: BLE001 - a traced one (a JAX tracer) is no number here
            pass
    if isinstance(c, np.ndarray) and (c.ndim == 0 or (c.size == 1 and c.dtype != object)):
        # a one-element array is its number (PennyLane scales by it: ``core * I(0)`` with
        # the ``core`` constant of ``qml.qchem.electron_integrals``, shape (1,))
        c = c.reshape(())[()]
    if isinstance(c, Traced):
        c = c.expr
    if isinstance(c, sp.Basic) or isinstance(c, numbers.Number):
        return c
    if isinstance(c, Box) and np.ndim(c) == 0:
        # a trainable coefficient under autograd (a QNode's tape path under qml.grad):
        # kept; the tape is measured term by term (qsym._tapes.split_coefficients)
        return c
    raise MeasurementError(f"an observable can only be scaled by a number, got {c!r}")


class _Terms(dict):
    """An observable's ``{word: coefficient}`` dict that, called as ``H.terms()``, gives
    PennyLane's ``(coeffs, ops)``."""

    written = None  # a LinearCombination's terms as written: (coeffs, ops)
    structure = None  # a product or sum: PennyLane's terms() of it without a pauli_rep

    def __call__(self):
        if self.written is None and self.structure is not None:
            self.written = METHODS["structural_terms"](self.structure)
            self.structure = None
        if self.written is not None:
            return self.written
        return self.listed(identity_wires=[])  # PennyLane's: the identity word as I()

    def listed(self, identity_wires=(0,)) -> tuple:
        """``(coeffs, ops)`` of the merged words, the identity on ``identity_wires``."""
        coeffs, ops = [], []
        with _no_recording():
            for word, c in self.items():
                if isinstance(c, np.generic):
                    c = c.item()
                coeffs.append(float(c) if isinstance(c, numbers.Real) else c)
                if not word:
                    ops.append(GATE_CLASSES["Identity"](wires=identity_wires))
                elif len(word) == 1:
                    (w, p), = word
                    ops.append(GATE_CLASSES["Pauli" + p](wires=w))
                else:  # PennyLane's Pauli word as an operator: X(0) @ Y(1)
                    ops.append(Prod(*[GATE_CLASSES["Pauli" + p](wires=w) for w, p in word]))
        return coeffs, ops  # lists, as PennyLane's Sum.terms() / Prod.terms()


def _requires_grad(c) -> bool:
    """Whether ``c`` is an array marked trainable (``qsym.numpy.tensor`` with
    ``requires_grad=True``), read by its attribute (``numpy`` is imported later).

    >>> _requires_grad(np.array([0.5])), _requires_grad(0.5)
    (False, False)
    """
    return isinstance(c, np.ndarray) and bool(getattr(c, "requires_grad", False))


def _is_tensor(c) -> bool:
    """Whether ``c`` is a ``qsym.numpy.tensor`` array (it has a ``requires_grad`` flag,
    either value; read by its attribute: ``numpy`` is imported later).

    >>> _is_tensor(np.array([0.5])), _is_tensor(0.5)
    (False, False)
    """
    return isinstance(c, np.ndarray) and hasattr(c, "requires_grad")


def coefficient_array(coeffs) -> np.ndarray:
    """Coefficients as one array: float, else complex (complex numbers), else object
    (traced coefficients).

    >>> coefficient_array([1, 0.5]), coefficient_array([1j])
    (array([1. , 0.5]), array([0.+1.j]))
    """
    if any((isinstance(c, Traced) and getattr(c.expr, "free_symbols", None))
           or (isinstance(c, sp.Basic) and c.free_symbols)
           for c in (coeffs if isinstance(coeffs, (list, tuple)) else
                     coeffs.ravel() if isinstance(coeffs, np.ndarray) and coeffs.dtype == object
                     else ())):
        # traced coefficients: not converted (in a per-call trace float() of one is
        # answered, and would count as the input's number taken: no derivative by it)
        return np.array(coeffs if isinstance(coeffs, np.ndarray) else list(coeffs), dtype=object)
    for dtype in (float, complex):
        try:
            return np.array(coeffs, dtype=dtype)
        except (TypeError, ValueError):
            pass
    return np.array(coeffs, dtype=object)


def _no_recording():
    from ._trace import Tape, recording

    return recording(Tape())


def _outside_recordings():
    from ._trace import outside_recordings

    return outside_recordings()


matrix_in_data_interface(Operation)  # (its subclasses: in __init_subclass__)


class Observable:
    """A Hermitian observable as a sum of Pauli words: ``{word: coefficient}``.

    A word is a tuple of ``(wire label, "X" | "Y" | "Z")``; the empty word is the identity.
    Coefficients are numbers, or sympy expressions of traced inputs (a Hamiltonian whose
    coefficients are circuit arguments).

    >>> import qsym as qml
    >>> obs = 0.5 * qml.PauliZ(0) @ qml.PauliZ(1) + qml.PauliX(0)
    >>> obs  # PennyLane's classes (a Sum of a Prod and X(0)); measured as the merged sum
    (0.5 * Z(0)) @ Z(1) + X(0)
    >>> obs.terms
    {((0, 'Z'), (1, 'Z')): 0.5, ((0, 'X'),): 1}
    >>> isinstance(obs, qml.Observable)
    True
    """

    _name = _written_name_property()  # PennyLane's op._name

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queue_decompositions(cls)  # op.decomposition() queues its operators, as PennyLane's
        matrix_in_data_interface(cls)

    # the circuit's gates this observable was made from (see qsym._trace.Tape.observed)
    _gates: tuple = ()
    arithmetic_depth = 1

    def _pauli_ok(self) -> bool:
        """Whether the observable is a Pauli sum already (the arithmetic classes may hold
        operands without one)."""
        return True

    @property
    def pauli_rep(self):
        """The observable as a ``qml.pauli.PauliSentence`` (PennyLane's ``op.pauli_rep``)."""
        return METHODS["pauli_rep"](self.terms)

    def __eq__(self, other):
        """``qml.equal`` (PennyLane's ``op1 == op2``): the same Pauli words with the same
        coefficients, to PennyLane's default tolerance."""
        if not isinstance(other, OPERATORS):
            return NotImplemented
        try:
            return compare(self, other) is True
        except (GateError, MeasurementError):
            return False

    def __hash__(self):
        try:
            return hash(frozenset(self.terms))
        except TypeError:
            return id(self)

    def __init__(self, terms: dict):
        self.terms = _Terms(
            (w, c) for w, c in terms.items() if not (isinstance(c, numbers.Number) and c == 0)
        )

    @property
    def name(self) -> str:
        """PennyLane's ``obs.name``: the written operator's class (``expval(qml.Z(0)).obs``
        is ``PauliZ``), ``LinearCombination`` for a Pauli sum.

        >>> expval(PauliZ(0)).obs.name, Observable({((0, "X"),): 0.5}).name
        ('PauliZ', 'LinearCombination')
        """
        return getattr(self, "_source", None) or "LinearCombination"

    # --- PennyLane's Hamiltonian / LinearCombination interface -------------------------
    @property
    def coeffs(self) -> np.ndarray:
        """The coefficients, one per Pauli word (PennyLane's ``H.coeffs``).

        >>> (0.5 * PauliZ(0) - PauliX(1)).coeffs
        array([ 0.5, -1. ])
        """
        return coefficient_array(self.terms()[0])

    @property
    def ops(self) -> list:
        """The Pauli words, one per coefficient (PennyLane's ``H.ops``): a gate for a
        one-letter word, an :class:`Observable` for a product, ``Identity`` for the
        identity (on the observable's first wire, or wire 0)."""
        return self.terms()[1]

    def simplify(self) -> "Observable":
        """The observable itself: equal Pauli words are merged already."""
        return self

    grouping_indices = None

    def compute_grouping(self, grouping_type: str = "qwc", method: str = "lf") -> None:
        """Group the terms as PennyLane's ``H.compute_grouping()`` does: sets
        ``grouping_indices``, a tuple of tuples of term indices (in the order of ``ops``
        and ``coeffs``), each group's words pairwise ``"qwc"`` (qubit-wise commuting),
        ``"commuting"`` or ``"anticommuting"``: PennyLane's groups
        (:func:`qsym.pauli.compute_partition_indices`). It changes no
        result: qsym measures the terms exactly, or (with shots) samples one circuit per
        group of qubit-wise commuting words whatever this says.

        >>> H = Hamiltonian([1.0, 2.0, 3.0], [PauliX(0), PauliZ(0) @ PauliZ(1), PauliZ(1)])
        >>> H.compute_grouping()
        >>> H.grouping_indices
        ((0, 2), (1,))
        """
        if grouping_type not in ("qwc", "commuting", "anticommuting"):
            raise MeasurementError(
                f"grouping_type must be 'qwc', 'commuting' or 'anticommuting', got {grouping_type!r}")
        if method not in ("lf", "rlf", "dsatur", "gis"):
            raise MeasurementError(f"grouping method must be 'lf', 'rlf', 'dsatur' or 'gis', got {method!r}")
        # qsym.pauli.compute_partition_indices (registered by the module above this one),
        # on the terms as written: the indices _splitting and PennyLane read
        self.grouping_indices = METHODS["partition_indices"](list(self.terms()[1]),
                                                             grouping_type, method)

    def diagonalizing_gates(self) -> list:
        """The gates taking a Pauli word's or a ``qml.Hermitian``'s eigenbasis to the
        computational basis (PennyLane's ``diagonalizing_gates``), made as gates are (in
        a circuit, applied)."""
        return diagonalizing_gates(self)

    def eigvals(self) -> np.ndarray:
        """The value of each computational basis outcome of the observable's wires after its
        diagonalizing gates (PennyLane's ``eigvals``: a Pauli word's products of signs, a
        ``Hermitian``'s ascending eigenvalues).

        >>> (PauliX(0) @ PauliZ(1)).eigvals()
        array([ 1., -1., -1.,  1.])
        """
        return _basis_eigvals(self)[1]

    def matrix(self, wire_order=None) -> np.ndarray:
        """The numeric matrix on ``wire_order`` (default: the observable's wires in the
        order they appear), the first wire most significant (PennyLane's ``qml.matrix``).

        >>> (PauliZ(0) @ PauliX(1)).matrix().real.astype(int)
        array([[ 0,  1,  0,  0],
               [ 1,  0,  0,  0],
               [ 0,  0,  0, -1],
               [ 0,  0, -1,  0]])
        """
        if wire_order is None:
            order = [w for w in (getattr(self, "_order", None) or self.wires)]
        else:
            order = list(order_tuple(wire_order))
        if not order:
            order = [0]
        missing = [w for w in self.wires if w not in order]
        if missing:
            raise WireError(f"wire_order {order} misses the observable's wires {missing}")
        own = [w for w in order if w in self.wires]
        if own and len(own) < len(order):  # on its wires, then the identity on the others
            return expand_matrix(self.matrix(wire_order=own), own, order)
        out = np.zeros((2 ** len(order),) * 2, dtype=complex)
        for word, c in self.terms.items():
            letters = dict(word)
            m = np.array([[1.0 + 0j]])
            for w in order:
                m = np.kron(m, PAULI[letters.get(w, "I")])
            # an autograd value (a trainable coefficient under qml.grad) stays one
            out = out + c * m if isinstance(c, Box) else out + complex(c) * m
        return out

    @property
    def wires(self) -> tuple:
        seen = []
        for word in self.terms:
            for w, _ in word:
                if w not in seen:
                    seen.append(w)
        return tuple(seen)

    __array_priority__ = 1000  # NumPy's operators defer to it (``np.array(0.5) * obs``)

    def __matmul__(self, other):
        if not isinstance(other, OPERATORS):
            return NotImplemented
        return Prod(self, other, _flat=True)

    def __rmatmul__(self, other):
        if not isinstance(other, OPERATORS):
            return NotImplemented
        return Prod(other, self, _flat=True)

    def __mul__(self, other):
        if isinstance(other, OPERATORS):
            return self @ other
        if callable(other) and PARAMETRIZED_HAMILTONIAN:  # f(p, t) * op: qml.pulse's
            return PARAMETRIZED_HAMILTONIAN[0]([other], [self])
        if not _scales(other):  # Python's TypeError, or the other's own __rmul__
            return NotImplemented
        return SProd(other, self, _flat=True)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not _scales(other):
            return NotImplemented
        return SProd(1 / (np.asarray(other) if batched_scalar(other) else _scalar(other)), self,
                     _flat=True)

    def __add__(self, other):
        return _add_operator(self, other)

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:
            return self
        return _add_operator(other, self)

    def __sub__(self, other):
        if isinstance(other, (numbers.Number, np.ndarray, Traced, sp.Basic, Box)):
            return self + (-other)  # a multiple of the identity (PennyLane's op - 5)
        if not isinstance(other, OPERATORS):  # Python's TypeError, or the other's __rsub__
            return NotImplemented
        return self + SProd(-1, other, _flat=True)

    def __rsub__(self, other):
        if not isinstance(other, OPERATORS) and not _scales(other):
            return NotImplemented
        return SProd(-1, self, _flat=True) + other

    def __neg__(self):
        return SProd(-1, self, _flat=True)

    def __repr__(self):
        if not self.terms:
            return "Observable(0)"
        parts = []
        for word, c in self.terms.items():
            ops = " @ ".join(f"{p}({w!r})" for w, p in word) or "I"
            parts.append(f"{c} * {ops}")
        return "Observable(" + " + ".join(parts).replace("+ -", "- ") + ")"


OPERATORS = (Observable, Operation, GateSequence)  # the operands of operator arithmetic


def _box_defers_to_operators(method):
    """autograd's ``ArrayBox`` binary operator ``method``, deferring to an operator: ``box *
    op`` (``box + op``, ``box - op``) returns ``NotImplemented`` there, so Python calls the
    operator's reflected method (an ``SProd`` whose coefficient is the box), as NumPy's
    arrays defer to an operator's higher ``__array_priority__``. (autograd's own calls
    ``np.multiply`` on the box's value: a number times the operator, an ``SProd`` autograd
    cannot box, a ``TypeError``, under a second derivative through tapes.)"""
    @functools.wraps(method)
    def deferring(self, other):
        if isinstance(other, OPERATORS):
            return NotImplemented
        return method(self, other)
    return deferring


for _name in ("__mul__", "__add__", "__sub__"):
    setattr(ArrayBox, _name, _box_defers_to_operators(getattr(ArrayBox, _name)))


matrix_in_data_interface(Observable)  # (its subclasses: in __init_subclass__)


class OperatorRecord:
    """Base of PennyLane's operators that qsym keeps as records of a circuit, not gates
    (``qml.Snapshot``): like PennyLane's, they may be operands of operator arithmetic
    (``qml.Hamiltonian([1.0], [qml.Snapshot()])``, as a device's observable check meets
    them), but they have no matrix and no Pauli form: measuring such a sum is a
    :class:`~qsym.errors.MatrixUndefinedError`.

    >>> import qsym as qml
    >>> isinstance(qml.Snapshot(), OperatorRecord)
    True
    """

    _row = None  # (no gate-table row)

# ``f * op`` (and ``qml.dot``) with a function ``f(p, t)``: qsym._pulse registers its
# ParametrizedHamiltonian class here, and its ParametrizedEvolution (``qml.evolve(H)``)
PARAMETRIZED_HAMILTONIAN: list = []
PARAMETRIZED_EVOLUTION: list = []


def mark_used(op) -> None:
    """Mark the gates an operator was made of in a circuit (``qml.X(0) + qml.Z(1)``: off the
    tape, waiting for a measurement) as used: a template that reads the operator (a
    Hamiltonian given to ``qml.TrotterProduct``, ...) uses it, as a measurement does.

    >>> import qsym as qml
    >>> mark_used(qml.X(0) + qml.Z(1))  # outside a circuit: nothing to do
    """
    tape = active_tape()
    if tape is not None:
        tape.measured(getattr(op, "_gates", ()))
        for o in getattr(op, "operands", ()):
            mark_used(o)


class UnmeasuredOperator(Observable):
    """``qml.expval(op)`` / ``qml.var(op)`` of an operator qsym cannot measure (a gate
    without a Pauli form, ``RX``), made outside a circuit: PennyLane makes such a
    measurement and its device refuses it when it runs, and code (PennyLane's own tests)
    builds them as data. The measurement prints as written; running it (a tape, its
    ``terms``) raises the :class:`~qsym.errors.MeasurementError` a circuit raises at once,
    and a device's ``preprocess_transforms`` PennyLane's ``DeviceError``.

    >>> import qsym as qml
    >>> m = qml.expval(qml.RX(0.5, wires=0))
    >>> m
    expval(RX(0.5, wires=[0]))
    >>> try:
    ...     m.measured_obs.terms
    ... except qml.MeasurementError as exc:
    ...     print(str(exc).split(";")[0])
    RX cannot be used as an observable
    """

    def __init__(self, op, message: str):
        self.op, self.message = op, message

    @property
    def terms(self):
        """Refused: the operator has no Pauli form (see the class)."""
        raise MeasurementError(self.message)

    @property
    def wires(self):
        """The operator's wires."""
        return self.op.wires

    def _pauli_ok(self) -> bool:
        return False

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return isinstance(other, UnmeasuredOperator) and other.op == self.op

    def __repr__(self):
        return repr(self.op)


def measured_operator(obj) -> Observable:
    """:func:`as_observable`, except that outside a circuit an operator without a Pauli
    form is kept as an :class:`UnmeasuredOperator` (refused when the measurement runs),
    as PennyLane makes ``qml.expval(qml.RX(0.1, 0))`` and refuses it on the device.

    >>> measured_operator(GATE_CLASSES["RX"](0.5, wires=0))
    RX(0.5, wires=[0])
    """
    try:
        return as_observable(obj)
    except MeasurementError as exc:
        operator_like = isinstance(obj, Operation) or (  # an Exp, ...: an operator's interface
            hasattr(obj, "wires") and callable(getattr(obj, "matrix", None)))
        if active_tape() is None and operator_like:
            return UnmeasuredOperator(obj, str(exc))
        raise


def as_observable(obj) -> Observable:
    """Turn a gate with a Pauli form, or an Observable, into an Observable.

    A gate used this way is taken off the active tape: it is measured, not applied.
    """
    if isinstance(obj, Observable):
        return obj
    refusal = getattr(type(obj), "unsupported", None)
    if isinstance(refusal, str):  # a qutrit or CV record: a measurement of it made as data
        tape = active_tape()  # (a test's parameters; a CV circuit's), refused if a qubit device runs it
        if tape is None or (getattr(tape, "cv", False) or tape.log is not None) and hasattr(obj, "ev_order"):
            if tape is not None:
                tape.remove(obj)  # measured, not applied
            return UnmeasuredOperator(obj, refusal)
        raise MeasurementError(refusal)
    if isinstance(obj, Operation):
        try:
            row = gate_def(obj.name)
        except GateError:  # a user's operator: its Hermitian matrix, else not an observable
            hermitian = _hermitian_of(obj)
            if hermitian is not None:
                _measured_not_applied(obj)
                return hermitian
            raise MeasurementError(
                f"{obj.name} cannot be used as an observable: qsym knows no Pauli form of it "
                "and it is not a verified Hermitian matrix (write it as a qml.Hermitian or a "
                "sum of Pauli words)") from None
        if row.pauli is None:
            raise MeasurementError(
                f"{obj.name} cannot be used as an observable; qsym measures PauliX, PauliY, "
                "PauliZ, Identity and Hadamard, their tensor products (@), scalar multiples "
                "and sums (qml.Hamiltonian)"
            )
        tape = active_tape()
        taken = tape is not None and (tape.remove(obj) or id(obj) in tape.observed)
        terms = {}
        for coeff, letters in row.pauli:
            word = tuple(
                sorted(
                    ((w, p) for w, p in zip(obj.wires, letters) if p != "I"),
                    key=lambda t: repr(t[0]),
                )
            )
            terms[word] = terms.get(word, 0) + coeff
        if row.name == "Identity":
            terms = {(): 1}
        elif len(obj.wires) != 1:
            raise MeasurementError(f"{obj.name} on {len(obj.wires)} wires is not an observable")
        out = Observable(terms)
        out._source = obj.name  # qml.draw labels it as written (H, not a Pauli sum)
        out._source_wires = obj.wires
        if taken:  # a gate of the circuit became an observable: a measurement must use it
            tape.observe(obj)
            out._gates = (obj,)
        return out
    pauli = getattr(obj, "pauli_observable", None)  # (qml.exp(qml.Z(0), 0.5): a Pauli sum)
    if callable(pauli):
        tape = active_tape()
        if tape is not None:  # measured, not applied
            tape.remove(obj)
            tape.measured((obj,))
        out = pauli()
        if out is not None:
            return out
    hermitian = _hermitian_of(obj)
    if hermitian is not None:
        _measured_not_applied(obj)
        return hermitian
    raise MeasurementError(
        f"expected an observable (e.g. qml.PauliZ(0)), got {type(obj).__name__}: {obj!r}"
    )


def _measured_not_applied(obj) -> None:
    """``obj``, an operator made in the circuit and measured (as the :class:`Hermitian` of
    its matrix), leaves the tape with the gates it applied there (a symbolic operator's
    :attr:`table_gates`: ``qml.adjoint(qml.X(0) @ qml.Y(1))`` recorded ``Y``, ``X``):
    PennyLane's measurement takes its observable off the queue, so a later measurement
    must not see them applied."""
    tape = active_tape()
    if tape is None:
        return
    gates = vars(obj).get("_gates") if isinstance(obj, Operation) else None
    for g in (*(gates or ()), obj):
        tape.remove(g)


def _hermitian_of(obj):
    """A Hermitian operator of numbers without a Pauli form (``qml.exp(qml.Z(0), 3)``) as
    the :class:`Hermitian` of its matrix, which PennyLane's devices measure; None for
    anything else (not verified Hermitian, parameters that are circuit inputs, a batch)."""
    by_value = getattr(obj, "_hermitian_by_value", None)  # (a product of non-Pauli factors)
    hermitian = by_value() if by_value is not None else getattr(obj, "is_verified_hermitian", False)
    if not hermitian or not callable(getattr(obj, "matrix", None)):
        return None
    try:
        m = np.asarray(obj.matrix(), dtype=complex)
    except (TypeError, ValueError, AttributeError):  # symbolic parameters: no matrix of numbers
        return None
    if m.ndim != 2:
        return None
    with _no_recording():
        return Hermitian(m, wires=list(obj.wires))


# --- plain Pauli-sum arithmetic (merged words): what the kernels measure --------------------
def terms_product(t1: dict, t2: dict) -> dict:
    """The product of two Pauli sums given as ``{word: coefficient}``: words multiplied,
    equal words added (a word whose coefficients cancel stays, with its zero).

    >>> terms_product({((0, "X"),): 2.0}, {((0, "Y"),): 1.0, ((1, "Z"),): 0.5})
    {((0, 'Z'),): 2j, ((0, 'X'), (1, 'Z')): 1.0}
    """
    out: dict = {}
    for w1, c1 in t1.items():
        for w2, c2 in t2.items():
            phase, w = _mul_words(w1, w2)
            out[w] = out[w] + phase * c1 * c2 if w in out else phase * c1 * c2
    return out


def merge_matmul(a: Observable, b: Observable) -> Observable:
    """The product of two Pauli sums as one merged :class:`Observable` (words multiplied,
    equal words added); keeps the gates they were made from and the wire order."""
    result = Observable(terms_product(a.terms, b.terms))
    result._gates = a._gates + b._gates
    order = list(getattr(a, "_order", None) or a.wires)
    result._order = order + [w for w in (getattr(b, "_order", None) or b.wires) if w not in order]
    return result


def merge_add(a: Observable, b: Observable, scale=1) -> Observable:
    """``a + scale * b`` as one merged :class:`Observable`."""
    out = dict(a.terms)
    for w, c in b.terms.items():
        out[w] = out.get(w, 0) + scale * c
    result = Observable(out)
    result._gates = a._gates + b._gates
    return result


def merge_terms(forms, scales=None) -> Observable:
    """``sum(scale * form)`` of Pauli sums as one merged :class:`Observable`, in one pass
    (a sum of n operators costs n, not n^2, dictionary updates)."""
    out: dict = {}
    gates: tuple = ()
    for k, f in enumerate(forms):
        c0 = 1 if scales is None else scales[k]
        for w, c in f.terms.items():
            out[w] = out.get(w, 0) + (c if scales is None else c0 * c)
        gates += f._gates
    result = Observable(out)
    result._gates = gates
    return result


def _scaled(op) -> bool:
    """Whether ``op`` holds a scalar multiple or a linear combination (a coefficient)."""
    return isinstance(op, (SProd, LinearCombination)) or (
        isinstance(op, _Arithmetic) and any(map(_scaled, op.operands)))


def written_terms(op) -> dict | None:
    """``op``'s Pauli sum as written, ``{word: coefficient}`` (equal words added), where a
    word whose coefficient is a zero number stays (an :class:`Observable` drops it): what
    ``qml.exp`` of an operator built from circuit inputs applies is then the same words at
    every value (``excitation * x`` at ``x = 0``: a replay at zero). None where an operand
    has no Pauli form or a scalar is a batch.

    >>> import qsym as qml
    >>> written_terms(qml.sum(0.0 * qml.X(0), qml.s_prod(0.5, qml.Y(0) @ qml.Z(1))))
    {((0, 'X'),): 0.0, ((0, 'Y'), (1, 'Z')): 0.5}
    """
    if not _scaled(op):  # no coefficient to be 0 (gates, their products and sums)
        form = _pauli_form(op)
        return None if form is None else dict(form.terms)
    if isinstance(op, SProd):
        inner = None if batched_scalar(op.scalar) else written_terms(op.base)
        if inner is None:
            return None
        c = _scalar(op.scalar)
        return {w: c * v for w, v in inner.items()}
    if isinstance(op, LinearCombination) and op._ops:  # (its terms, no SProd made)
        parts = [written_terms(o) for o in op._ops]
        if any(p is None for p in parts):
            return None
        scales = [_scalar(c) for c in op._coeffs]
        parts = [{w: c * v for w, v in p.items()} for c, p in zip(scales, parts)]
    elif isinstance(op, (Sum, Prod)) and op.operands:
        parts = [written_terms(o) for o in op.operands]
        if any(p is None for p in parts):
            return None
    else:
        parts = None
    if parts is not None:
        out = dict(parts[0])
        for part in parts[1:]:
            if isinstance(op, Sum):
                for w, c in part.items():
                    out[w] = out[w] + c if w in out else c
                continue
            out = terms_product(out, part)
        return out
    form = _pauli_form(op)
    return None if form is None else dict(form.terms)


_PAULI_LETTERS = {"PauliX": "X", "PauliY": "Y", "PauliZ": "Z"}


def _operand_rep(op):
    """PennyLane's ``pauli_rep`` of a ``Prod`` (``Sum``): its operands' sentences multiplied
    (added) in order, so a word's letters follow the product's order (``X(1) @ Z(0)``, not
    wire order); None for other classes or an operand without one.

    >>> import qsym as qml
    >>> _operand_rep(qml.prod(qml.X(1), qml.Z(0))), _operand_rep(qml.s_prod(2, qml.X(0)))
    (1.0 * X(1) @ Z(0), None)
    """
    if type(op) not in (Prod, Sum) or not op.operands:
        return None
    if type(op) is Prod:
        letters = {}  # single-wire Paulis on distinct wires: one word, in order
        for o in op.operands:
            name = getattr(o, "name", None)
            if name not in _PAULI_LETTERS or len(o.wires) != 1 or o.wires[0] in letters:
                letters = None
                break
            letters[o.wires[0]] = _PAULI_LETTERS[name]
        if letters is not None:
            return METHODS["pauli_rep"]({tuple(letters.items()): 1.0})
    reps = [o.pauli_rep for o in op.operands]
    if any(r is None for r in reps):
        return None
    out = METHODS["pauli_rep"]({})
    if type(op) is Prod:
        out += reps[0]
        for rep in reps[1:]:
            out = out @ rep
        return out
    for rep in reps:
        for word, v in rep.items():
            out[word] += v
    return out


def _has_pauli_rep(op) -> bool:
    """Whether PennyLane gives ``op`` a ``pauli_rep`` (an arithmetic operator: each operand),
    without building the sentences."""
    if isinstance(op, _Arithmetic):
        return bool(op.operands or op._empty_is_zero) and all(map(_has_pauli_rep, op.operands))
    return getattr(op, "pauli_rep", None) is not None


def _depth(op) -> int:
    return getattr(op, "arithmetic_depth", 0)


def _operand(op):
    """An operand of PennyLane's operator arithmetic: a gate or an observable (or a qutrit
    operator's record, qsym._unsupported: kept as written, refused where its matrix is needed)."""
    if isinstance(op, (*OPERATORS, OperatorRecord)) or is_qutrit_record(op):
        return op
    raise MeasurementError(
        f"operator arithmetic takes gates and observables (e.g. qml.X(0)), got {op!r}")


def is_qutrit_record(op) -> bool:
    """A record of PennyLane's qutrit operator (``qml.THermitian``, ``qml.GellMann``, ...:
    qsym._unsupported's stand-ins, which refuse to be applied, measured or given a matrix)."""
    return isinstance(getattr(type(op), "unsupported", None), str) and callable(
        getattr(op, "matrix", None)) and not hasattr(op, "heisenberg_expand")


def _pauli_form(op):
    """``op`` as a merged Pauli sum, or None if it has no Pauli form (a rotation, CNOT, ...).
    A gate with a Pauli form is taken off the active tape (it is measured, not applied)."""
    if isinstance(op, Observable):
        return op if op._pauli_ok() else None
    if isinstance(op, GateSequence) or op._row is None:  # a template, a user's operator class
        return None
    row = gate_def(op.name)
    if row.pauli is None or (len(op.wires) != 1 and row.name != "Identity"):
        return None
    return as_observable(op)


def _recorded_gates(op) -> tuple:
    """The table gates ``op`` applies, or none where it has none (``qml.pow`` of a sum:
    an operand of arithmetic, never applied, so nothing of it is on a tape)."""
    try:
        return tuple(op.table_gates)
    except (GateError, PowUndefinedError):
        return ()


def _consume(op, operands) -> None:
    """A sum or scalar multiple ``op`` made of ``operands`` in a circuit: a product of gates
    among them, made as a statement, is its operand, not applied where it was made (a
    product's factors stay pended: the outer product is applied whole)."""
    tape = active_tape()
    if tape is not None and tape.pending and not isinstance(op, Prod):
        tape.consume(operands)


def _take_gates(ops) -> tuple:
    """Gates without a Pauli form made operands: off the active tape, as PennyLane takes
    an operator's operands off its queue (applied only through ``qml.apply``)."""
    tape, out = active_tape(), ()
    if tape is None:
        return out
    for gate in (g for op in ops if isinstance(op, (Operation, GateSequence))
                 for g in _recorded_gates(op)):
        if tape.remove(gate) or id(gate) in tape.observed:
            tape.observe(gate)
            out += (gate,)
    return out


def _expanded(op, order, keep_type=False) -> np.ndarray:
    """``op``'s matrix on ``order``: complex, or (``keep_type``) of its own number type."""
    if isinstance(op, OperatorRecord):
        raise MatrixUndefinedError(f"{op!r} has no matrix (PennyLane's MatrixUndefinedError): "
                                   "a sum or product holding it cannot be measured")
    m = op.matrix(wire_order=list(order))
    if isinstance(m, np.ndarray) and m.dtype == object:  # traced entries (a circuit's inputs)
        return m
    m = np.asarray(m)
    return m if keep_type and m.dtype.kind in "biufc" else np.asarray(m, dtype=complex)


def _union_wires(ops) -> tuple:
    seen: list = []
    for op in ops:
        own = op._wires if isinstance(op, _Arithmetic) else op.wires
        for w in own:
            if w not in seen:
                seen.append(w)
    return tuple(seen)


_NESTING_DUNDERS = frozenset({"__repr__", "__str__", "__hash__", "__eq__", "__len__"})
_NESTING_ADVICE = (
    "Maximum recursion depth reached! This is likely due to nesting too many levels of "
    "composite operators. Try setting lazy=False when calling qml.sum, qml.prod, and "
    "qml.s_prod, or use the +, @, and * operators instead. Alternatively, you can "
    "periodically call qml.simplify on your operators.")


def _nesting_guard(fn):
    """``fn`` with Python's ``RecursionError`` turned into :class:`NestingError`."""
    if getattr(fn, "_nesting_guarded", False):
        return fn

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RecursionError as exc:
            raise NestingError(_NESTING_ADVICE) from exc

    guarded._nesting_guarded = True
    return guarded


def guard_nesting(cls, inherited: bool = False) -> None:
    """PennyLane's ``handle_recursion_error`` on every method and property of ``cls``
    (its own; with ``inherited``, also those it inherits, set on ``cls``): a
    ``RecursionError`` from an operator nested thousands of levels deep becomes
    :class:`NestingError` (a ``RuntimeError``) saying what to do. Static and class
    methods, and dunder methods other than ``repr``, ``str``, ``hash``, ``==`` and ``len``,
    are left as they are."""
    for name in (dir(cls) if inherited else list(vars(cls))):
        if name.startswith("__") and name not in _NESTING_DUNDERS:
            continue
        attr = inspect.getattr_static(cls, name)
        if inspect.isfunction(attr):
            setattr(cls, name, _nesting_guard(attr))
        elif isinstance(attr, property) and attr.fget is not None:
            setattr(cls, name, property(_nesting_guard(attr.fget), attr.fset, attr.fdel,
                                        attr.__doc__))


def _adjoint_label(base, decimals, base_label, cache) -> str:
    """PennyLane's ``Adjoint.label``: the base's label and a dagger, the label in parentheses
    for an arithmetic base whose label is longer than one character."""
    text = base.label(decimals, base_label, cache)
    return f"({text})†" if _depth(base) > 0 and len(text) > 1 else f"{text}†"


def _adjoint_base_of(op):
    """``.base`` of a sum or product that ``qml.adjoint`` made (PennyLane's
    ``Adjoint(Sum).base``): the operator it is the adjoint of; other sums and products have
    none (``AttributeError``, as PennyLane's ``Sum`` has no ``base``)."""
    if op._adjoint_base is None:
        raise AttributeError(f"'{type(op).__name__}' object has no attribute 'base'")
    return op._adjoint_base


def operand_adjoint(op):
    """An operand's adjoint inside an arithmetic operator's: its own ``adjoint()``, or, for
    one without (a template such as ``BasisEmbedding``: ``AdjointUndefinedError``),
    ``qml.adjoint(op)``'s wrapper, as PennyLane's ``Prod.adjoint`` takes ``qml.adjoint``
    of each factor (``qml.adjoint(prod(BasisEmbedding(...), X(0))).decomposition()``
    raised)."""
    if not hasattr(op, "adjoint"):
        return op
    try:
        return op.adjoint()
    except AdjointUndefinedError:
        with _no_recording():
            return METHODS["qml_adjoint"](op)


class _Arithmetic(Observable):
    """The base of PennyLane's operator-arithmetic classes (:class:`Prod`, :class:`Sum`,
    :class:`SProd`, :class:`LinearCombination`): the operands as written (``repr``,
    ``operands``, ``terms()``), and the merged Pauli sum that qsym measures (``terms``), made
    from them. An operand without a Pauli form (a rotation, CNOT) keeps the operator usable
    for its matrix, eigenvalues and wires; measured, it is decomposed into Pauli words."""

    # qml.adjoint of a non-Hermitian sum or product: the conjugated operator, written and
    # given ``.base`` as PennyLane's Adjoint(op) until qml.simplify (:func:`_adjoint_base_of`)
    _adjoint_base = None


    _merged = None

    @property
    def arithmetic_depth(self) -> int:
        """PennyLane's ``CompositeOp.arithmetic_depth``: one more than the deepest operand's
        (``qml.prod(qml.prod(a, b), c)`` is 2, ``a @ b @ c`` 1)."""
        return 1 + max((_depth(o) for o in self.operands), default=0)

    @property
    def has_matrix(self) -> bool:
        """PennyLane's ``CompositeOp.has_matrix``: whether every operand has a matrix."""
        return all(bool(getattr(o, "has_matrix", True)) for o in self.operands)

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's: ``{"operands": ...}`` of a product or sum (a linear combination's
        as its terms ``c * o``), ``{"base": ...}`` of a scalar product; a new dict.

        >>> import qsym as qml
        >>> (qml.S(0) @ qml.S(1)).hyperparameters, (2 * qml.X(0)).hyperparameters
        ({'operands': (S(0), S(1))}, {'base': X(0)})
        """
        if isinstance(self, SProd):
            return {"base": self.base}
        return {"operands": tuple(self.operands)}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        guard_nesting(cls)  # PennyLane's: deep nesting raises a RuntimeError saying what to do
        # (its own members: what it inherits from here is guarded here, below the class)
    _empty_is_zero = False  # PennyLane's Sum() of no operands is the zero operator; Prod() has no Pauli form

    def _finish(self, operands, merge, forms=None):
        """Set ``operands``, the wires and the merged Pauli sum (``merge`` of the operands'
        Pauli forms, ``forms`` if the caller made them), or mark the operator matrix-only."""
        self.operands = operands = tuple(operands)
        if forms is None:
            forms = [_pauli_form(o) for o in operands]
        self._wires = _union_wires(operands)
        self.id = None
        # the gates taken off the tape as observables (a measurement or qml.apply uses them)
        self._gates = tuple(g for f in forms if f is not None for g in f._gates)
        self._gates += _take_gates(o for o, f in zip(operands, forms) if f is None)
        if all(f is not None for f in forms) and (operands or self._empty_is_zero):
            merged = merge(forms)
            self._merged = merged.terms
            self._order = list(self._wires)
        _consume(self, operands)
        take_over(self, operands)  # PennyLane's queue: the operands leave, the operator joins

    def _pauli_ok(self) -> bool:
        return self._merged is not None

    _eigs: dict = {}  # eigendecompositions by the operator's hash, as PennyLane's

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash``: equal for operators equal as written up to the order of
        commuting factors (the merged Pauli sum, coefficients included).

        >>> import qsym as qml
        >>> a, b = qml.X(0) @ qml.Y(1), qml.Y(1) @ qml.X(0)
        >>> a.hash == b.hash, (qml.X(0) @ qml.Y(0)).hash == (qml.Y(0) @ qml.X(0)).hash
        (True, False)
        """
        try:
            return hash((type(self).__name__, frozenset(self.terms.items())))
        except TypeError:  # (an unhashable coefficient)
            return id(self)

    @property
    def eigendecomposition(self) -> dict:
        """PennyLane's ``{"eigval": ..., "eigvec": ...}`` of the matrix (``eigh`` when
        verified Hermitian, else ``eig``), kept in ``_eigs`` by :attr:`hash`.

        >>> import qsym as qml
        >>> d = (qml.Z(0) @ qml.Z(1)).eigendecomposition
        >>> d["eigval"].tolist()
        [-1.0, -1.0, 1.0, 1.0]
        """
        key = self.hash
        if key not in _Arithmetic._eigs:
            m = np.asarray(self.matrix(), dtype=complex)
            w, u = (np.linalg.eigh if self._hermitian_by_value() else np.linalg.eig)(m)
            _Arithmetic._eigs[key] = {"eigvec": u, "eigval": w}
        return _Arithmetic._eigs[key]

    def generator(self):
        """PennyLane's ``Operator.generator``: an arithmetic operator has none.

        >>> import qsym as qml
        >>> try:
        ...     (1.0 * qml.X(0)).generator()
        ... except qml.operation.GeneratorUndefinedError as exc:
        ...     print(str(exc)[:40])
        SProd has no generator: an operator arit
        """
        raise GeneratorUndefinedError(
            f"{type(self).__name__} has no generator: an operator arithmetic object is not a "
            "gate of one parameter (PennyLane's GeneratorUndefinedError)")

    @property
    def terms(self):
        if self._merged is None:  # no Pauli form: the Pauli decomposition of the matrix
            m = self.matrix()
            if np.ndim(m) > 2:  # a batched scalar multiple among the operands
                raise MeasurementError(
                    f"{self!r} is batched (a matrix per scalar of a batched scalar multiple, "
                    "PennyLane's batched SProd): it has no Pauli sum to measure; measure each "
                    "element, or scale the result")
            self._merged = pauli_decomposition(m, self._wires).terms
        if type(self) in (Prod, Sum) and "structural_terms" in METHODS:  # terms(): PennyLane's
            view = self.__dict__.get("_terms_view")
            if view is None or view[0] is not self._merged:
                out = _Terms(self._merged)
                out.structure = self
                view = self._terms_view = (self._merged, out)
            return view[1]
        return self._merged

    @terms.setter
    def terms(self, value):
        self._merged = value

    @property
    def wires(self):
        return Wires(self._wires)

    @property
    def num_wires(self) -> int:
        return len(self._wires)

    @property
    def name(self) -> str:
        return type(self).__name__

    def __len__(self):
        return len(self.operands)

    def __iter__(self):
        return iter(self.operands)

    def __str__(self):
        return repr(self)

    @property
    def data(self) -> tuple:
        """The operands' parameters, in order (PennyLane's ``op.data``); set, each operand
        takes its share and the operator is made again from them.

        >>> import qsym as qml
        >>> S = qml.X(0) + qml.RX(0.1, wires=1)
        >>> S.data = (0.2,)
        >>> S
        X(0) + RX(0.2, wires=[1])
        """
        return tuple(p for o in self.operands for p in o.data)

    @data.setter
    def data(self, values) -> None:
        values, k = tuple(values), 0
        for o in self.operands:
            n = len(o.data)
            if n:
                o.data = values[k:k + n]
            k += n
        if k != len(values):
            raise ValueError(f"{self.name} has {k} parameter(s); op.data was given "
                             f"{len(values)}: give one value per parameter")
        self._remade()

    def _remade(self) -> None:
        """This operator made again from its operands (their parameters set since)."""
        with _no_recording():
            new = self._rebuild(self.operands)
        vars(self).update({k: v for k, v in vars(new).items() if k != "id"})

    def _hermitian_by_value(self) -> bool:
        """True if the operator is Hermitian: its Pauli words' coefficients are real (else
        its matrix equals its conjugate transpose)."""
        if self._merged is None and not all(_pauli_form(o) is not None for o in self.operands):
            m = self.matrix()
            return bool(np.allclose(m, m.conj().T))
        try:
            return all(complex(c).imag == 0 for c in self.terms.values())
        except TypeError:  # traced coefficients: real inputs
            return True

    @property
    def is_verified_hermitian(self) -> bool:
        """Whether the operator is known to be Hermitian (a sum's rule, PennyLane's: its
        Pauli words' coefficients are real; a product and a scalar product have their own)."""
        return self._hermitian_by_value()

    is_hermitian = property(_hermitian_by_value)

    def matrix(self, wire_order=None) -> np.ndarray:
        """The matrix on ``wire_order`` (default: the operands' wires in order of first use)."""
        if not self.operands:
            raise MatrixUndefinedError(f"{self!r} has no operands, so no matrix (PennyLane's "
                                       "neither): give it operators")
        order = list(self._wires) if wire_order is None else list(order_tuple(wire_order))
        missing = [w for w in self._wires if w not in order]
        if missing:
            raise WireError(f"wire_order {order} misses the operator's wires {missing}")
        if self._merged is not None and self._pauli_exact():
            return Observable.matrix(self, wire_order=order or [0])
        own = [w for w in order if w in self._wires]
        if own and len(own) < len(order):  # on its own wires, then the identity on the
            m = self._matrix_on(own)  # others once (not each operand on all of them)
            if not (isinstance(m, np.ndarray) and m.dtype == object):
                return expand_matrix(m, own, order)
        return self._matrix_on(order)

    def _pauli_exact(self) -> bool:
        return True

    def eigvals(self) -> np.ndarray:
        """The eigenvalues, as ``qml.eigvals`` gives them (PennyLane's order); of one Pauli
        word exactly (its signs, as PennyLane's product of the factors' eigenvalues); a
        sum of several operands on one wire by its matrix (``X(0) + X(0)``: ``[-2, 2]``,
        ascending, as PennyLane's eigendecomposition).

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.Z(1)).eigvals(), (qml.X(0) + qml.X(0)).eigvals()
        (array([ 1., -1., -1.,  1.]), array([-2.,  2.]))
        """
        if self._merged is not None and len(self.terms) == 1 and self._pauli_exact() and not (
                isinstance(self, Sum) and len(self.operands) > 1):
            return _basis_eigvals(self)[1]
        return METHODS["eigvals"](self)

    def map_wires(self, wire_map: dict):
        """The same operator on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``)."""
        return self._rebuild([o.map_wires(wire_map) for o in self.operands])

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """The matrix as a SciPy sparse matrix (needs scipy, not a dependency of qsym); a sum
        of Pauli words is built sparse, never dense (PennyLane's: a Hamiltonian on 20 wires).

        >>> import qsym as qml
        >>> qml.Hamiltonian([1.0, 2.0], [qml.Z(0), qml.X(1)]).sparse_matrix().nnz
        8
        """
        if self._merged is not None and self._pauli_exact() and self.operands:
            order = list(self._wires) if wire_order is None else list(order_tuple(wire_order))
            missing = [w for w in self._wires if w not in order]
            if missing:
                raise WireError(f"wire_order {order} misses the operator's wires {missing}")
            return pauli_sum_sparse(self.terms, order or [0], format)
        try:
            return sparse_of(self.matrix(wire_order=wire_order), format)
        except MatrixUndefinedError:
            for o in self.operands:  # an operand's own refusal first (PennyLane's
                o.sparse_matrix()  # SparseMatrixUndefinedError of a factor)
            raise

    @property
    def parameters(self) -> list:
        """The operands' parameters as a list (PennyLane's ``op.parameters``)."""
        return list(self.data)

    @property
    def num_params(self) -> int:
        """The number of the operands' parameters (PennyLane's ``op.num_params``)."""
        return len(self.data)

    @property
    def batch_size(self):
        """The first operand's broadcast batch size that is not None, else None
        (PennyLane's ``op.batch_size`` of a composite operator)."""
        return next((b for b in (getattr(o, "batch_size", None) for o in self.operands)
                     if b is not None), None)

    @property
    def _queue_category(self):
        """PennyLane's: ``"_ops"`` when every operand is an operation, else None."""
        cats = [getattr(o, "_queue_category", None) for o in self.operands]
        return "_ops" if all(c == "_ops" for c in cats) else None

    has_adjoint = True

    def adjoint(self):
        """The adjoint, operand by operand (a product's factors reversed)."""
        adj = [operand_adjoint(o) for o in self.operands]
        return self._rebuild(adj[::-1] if isinstance(self, Prod) else adj)

    @property
    def has_diagonalizing_gates(self) -> bool:
        """True for one Pauli word (its basis change is known)."""
        return self._merged is not None and len(self.terms) == 1

    @property
    def has_overlapping_wires(self) -> bool:
        """Whether two operands share a wire (PennyLane's ``CompositeOp`` property of a sum
        or product).

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.Y(0)).has_overlapping_wires, (qml.X(0) + qml.Z(1)).has_overlapping_wires
        (True, False)
        """
        wires = [w for o in self.operands for w in o.wires]
        return len(wires) != len(set(wires))

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: a product's factors' labels joined by ``@`` (a nested
        operator's in parentheses; ``base_label`` one label per factor); a sum's and a scalar
        multiple's: :meth:`Sum.label`, :meth:`SProd.label`.

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.RX(1.234, 1)).label(decimals=2), (qml.X(0) @ (qml.Y(1) + qml.Z(0))).label()
        ('X@RX\\n(1.23)', 'X@(𝓗)')
        """
        if self._adjoint_base is not None:  # PennyLane's Adjoint(Prod)
            return _adjoint_label(self._adjoint_base, decimals, base_label, cache)
        if base_label is None:
            base_label = [None] * len(self.operands)
        elif isinstance(base_label, str) or len(base_label) != len(self.operands):
            raise ValueError("Composite operator labels require ``base_label`` keyword to be "
                             "same length as operands.")
        parts = (o.label(decimals, b, cache) for o, b in zip(self.operands, base_label))
        return "@".join(f"({t})" if _depth(o) > 0 else t for o, t in zip(self.operands, parts))

    def _flatten(self):
        """PennyLane's pytree protocol: ``(operands, metadata)``."""
        return tuple(self.operands), ()

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data)

    def simplify(self):
        """Equal Pauli words merged (PennyLane's ``op.simplify()``): one word alone, ``c * P``,
        or their :class:`Sum`; an operator without a Pauli form as it is.

        >>> import qsym as qml
        >>> (qml.X(0) + qml.X(0) + qml.Z(1)).simplify()
        2.0 * X(0) + Z(1)
        """
        if not _has_pauli_rep(self):  # PennyLane's rule: the Pauli form only with a pauli_rep
            structural = METHODS.get("structural_simplify")
            return self if structural is None or not self.operands else structural(self)
        merged = dict(self.terms)
        coeffs, ops = _Terms(merged).listed()
        # PennyLane's PauliSentence.operation(wire_order=op.wires): the identity word acts on
        # the operator's wires (none for a wireless one), not on wire 0
        ops = [_identity_on(self.wires) if not word else o for word, o in zip(merged, ops)]
        coeffs = [float(c) if isinstance(c, numbers.Real) else c for c in coeffs]
        if all(map(_has_pauli_rep, self.operands)):  # PennyLane: pauli_rep.simplify(), tol 1e-8
            kept = [(c, o) for c, o in zip(coeffs, ops)
                    if not (isinstance(c, numbers.Number) and abs(c) <= 1e-8)]
            coeffs, ops = [c for c, _ in kept], [o for _, o in kept]
        terms = [o if isinstance(c, numbers.Number) and c == 1 else SProd(c, o)
                 for c, o in zip(coeffs, ops)]
        if not terms:  # PennyLane's empty PauliSentence: qml.s_prod(0, Identity(op.wires))
            return SProd(0, _identity_on(self.wires))
        return terms[0] if len(terms) == 1 else Sum(*terms)

    @property
    def pauli_rep(self):
        """The operator as a ``qml.pauli.PauliSentence``, or None without a Pauli form
        (PennyLane's order of words and letters, :func:`_operand_rep`); made once per
        merged Pauli sum (a new copy each read)."""
        if not _has_pauli_rep(self):
            return None  # PennyLane's: an operand without one (Hadamard, a rotation) has none
        kept = self.__dict__.get("_rep_view")
        if kept is None or kept[0] is not self._merged:
            rep = _operand_rep(self)
            if rep is None:
                # (every operand has one: the terms, of the operands' Pauli forms or, for
                # S, T, SX, ..., of the matrix; the same whether or not terms() ran before)
                rep = METHODS["pauli_rep"](self.terms)
            kept = self._rep_view = (self._merged, rep)
        return type(kept[1])(kept[1])

    @property
    def has_sparse_matrix(self) -> bool:
        """PennyLane's ``has_sparse_matrix`` of a sum, product or scalar multiple: True with a
        Pauli form, else when every operand has a sparse matrix (a template's is not computed
        sparse, so a product with ``QFT`` has none; PennyLane 0.45.1's rule, also for
        ``qml.adjoint`` / ``qml.pow`` of one, which read their base's).

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.Y(1)).has_sparse_matrix, (qml.H(0) + qml.RX(0.1, 1)).has_sparse_matrix
        (True, True)
        >>> qml.prod(qml.RX(0.3, 0), qml.QFT(wires=[1, 2])).has_sparse_matrix
        False
        """
        return _has_pauli_rep(self) or all(
            bool(getattr(o, "has_sparse_matrix", False)) for o in self.operands)


def swappable_ops(op1, op2, wire_map: dict | None = None) -> bool:
    """PennyLane's test for sorting a product's factors by wire (its private
    ``ops.op_math.prod._swappable_ops``): True when ``op1`` and ``op2`` act on no common wire
    and ``op1`` belongs after ``op2`` (an operator on no wires goes first), the wire labels
    compared as strings (``0`` and ``"a"`` alike), each operator's smallest; ``wire_map``
    relabels the wires first.

    >>> import qsym as qml
    >>> swappable_ops(qml.X(3), qml.Toffoli([0, 1, 2])), swappable_ops(qml.X(1), qml.Y(1))
    (True, False)
    """
    if not len(op1.wires):
        return True
    if not len(op2.wires):
        return False
    w1, w2 = (set(wire_map[w] if wire_map is not None else w for w in op.wires) for op in (op1, op2))
    return not (w1 & w2) and min(map(str, w1)) > min(map(str, w2))


guard_nesting(_Arithmetic, inherited=True)  # its members and Observable's


class Prod(_Arithmetic):
    """The product of operators, ``ops[0] @ ops[1] @ ...`` (PennyLane's ``qml.ops.Prod``, what
    ``qml.prod`` and ``@`` make): as a matrix, ``ops[0]``'s times ``ops[1]``'s ...; applied,
    the last factor first (:meth:`decomposition`).

    >>> import qsym as qml
    >>> P = qml.X(0) @ qml.Z(1)
    >>> P, isinstance(P, qml.ops.Prod), P.operands
    (X(0) @ Z(1), True, (X(0), Z(1)))
    >>> P.matrix().real.astype(int)
    array([[ 0,  0,  1,  0],
           [ 0,  0,  0, -1],
           [ 1,  0,  0,  0],
           [ 0, -1,  0,  0]])
    """

    base = property(_adjoint_base_of)

    @property
    def is_verified_hermitian(self) -> bool:
        """PennyLane's inconclusive check: factors on disjoint wires, each verified
        Hermitian (``X(0) @ Y(0)`` is not verified; ``qml.is_hermitian`` decides by the
        matrix).

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.Y(1)).is_verified_hermitian, (qml.X(0) @ qml.X(0)).is_verified_hermitian
        (True, False)
        """
        seen: set = set()
        for o in self.operands:
            wires = set(o.wires)
            if wires & seen:
                return False
            seen |= wires
        return all(bool(getattr(o, "is_verified_hermitian", False)) for o in self.operands)

    def simplify(self):
        """PennyLane's ``Prod.simplify``: by the Pauli form where every factor has one;
        else the factors simplified and grouped (Paulis multiplied per wire, equal factors
        as powers, ``RX``/``RY``/``RZ`` on one wire added, sums expanded).

        >>> import qsym as qml
        >>> qml.prod(qml.RX(1.0, 0), qml.RX(2.0, 0)).simplify()
        RX(3.0, wires=[0])
        """
        grouped = METHODS.get("prod_simplify")
        if grouped is None or _has_pauli_rep(self):
            return super().simplify()
        return grouped(self)

    resource_keys = frozenset({"resources"})  # PennyLane's: the factors' resource forms

    @property
    def resource_params(self) -> dict:
        """PennyLane's ``{"resources": {resource_rep: count}}`` of the factors (what its
        decomposition rule, the factors applied last first, costs).

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.Y(1) @ qml.X(2)).resource_params
        {'resources': {PauliX: 2, PauliY: 1}}
        """
        rep = METHODS["resource_rep"]  # qsym.decomposition's (registered there)
        counts: dict = {}
        for o in self.operands:
            key = rep(type(o), **(getattr(o, "resource_params", None) or {}))
            counts[key] = counts.get(key, 0) + 1
        return {"resources": counts}

    def __init__(self, *factors, id=None, _flat=False):
        ops = []
        for f in map(_operand, factors):
            ops.extend(f.operands if _flat and isinstance(f, Prod) else (f,))
        self._finish(ops, lambda forms: functools.reduce(merge_matmul, forms))
        take_over(self, factors)  # (the factors as given, a product flattened into this one)
        self.id = id
        tape = active_tape()
        if tape is not None and self.is_gate_product:  # a statement: applied unless used
            tape.pend(self, self.applied_gates())
            boxed = METHODS.get("product_box")  # (qsym._opmath's: drawn as one box, A@B)
            if boxed is not None:
                boxed(self)

    @classmethod
    def _sort(cls, op_list, wire_map: dict | None = None) -> list:
        """PennyLane's ``Prod._sort``: the factors by wire, an insertion sort that moves a
        factor before the ones it shares no wire with and whose smallest wire label (as a
        string) is larger (:func:`swappable_ops`), so factors on a common wire keep their
        order (they need not commute); ``wire_map`` relabels the wires for the comparison.

        >>> import qsym as qml
        >>> qml.ops.Prod._sort([qml.X(2), qml.Z(0), qml.Y(2), qml.X(1)])
        [Z(0), X(1), X(2), Y(2)]
        """
        out = list(op_list)
        for i in range(1, len(out)):
            key, j = out[i], i - 1
            while j >= 0 and swappable_ops(out[j], key, wire_map):
                out[j + 1] = out[j]
                j -= 1
            out[j + 1] = key
        return out

    @property
    def is_gate_product(self) -> bool:
        """Whether every factor is a gate (or a product of gates): then the product can be
        applied in a circuit (PennyLane's operator product as an operation).

        >>> (PauliX(0) @ RZ(0.3, wires=1)).is_gate_product, (PauliX(0) @ Hamiltonian([1.0], [PauliZ(1)])).is_gate_product
        (True, False)
        """
        return all(isinstance(o, (Operation, GateSequence))
                   or (isinstance(o, Prod) and o.is_gate_product)
                   for o in self.operands)

    def applied_gates(self) -> tuple:
        """The gates of the table that apply this product of gates, in order: the last
        factor first (a factor made by ``qml.adjoint``, ``qml.ctrl``, ``qml.pow``: its gates).

        >>> (PauliX(0) @ RZ(0.3, wires=1)).applied_gates()
        (RZ(0.3, wires=[1]), X(0))
        """
        return tuple(g for o in reversed(self.operands) for g in (
            o.applied_gates() if isinstance(o, Prod) else o.table_gates))

    def _pauli_exact(self) -> bool:
        return True

    def _matrix_on(self, order) -> np.ndarray:
        return functools.reduce(np.matmul, [_expanded(o, order) for o in self.operands])

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """PennyLane's ``Prod.sparse_matrix``: a Pauli word's from its Pauli form, else the
        product of the factors' sparse matrices on ``wire_order`` (no dense matrix: a
        ``MultiControlledX`` on 11 wires times a ``Projector`` on 2 more).

        >>> import qsym as qml
        >>> p = qml.prod(qml.Toffoli([0, 1, 2]), qml.Projector([0], wires=3))
        >>> p.sparse_matrix(wire_order=[3, 0, 1, 2]).nnz
        8
        """
        order = list(self.wires) if wire_order is None else order_list(wire_order)
        if (self._merged is not None and self._pauli_exact()) or not self.operands \
                or any(w not in order for w in self.wires) \
                or not all(getattr(o, "has_sparse_matrix", False) for o in self.operands):
            return _Arithmetic.sparse_matrix(self, wire_order=wire_order, format=format)
        mats = [o.sparse_matrix(wire_order=order) for o in self.operands]
        out = functools.reduce(lambda a, b: a @ b, mats)
        out.eliminate_zeros()
        return out.asformat(format)

    def _rebuild(self, operands):
        return Prod(*operands)

    def __getitem__(self, index):
        """The factor at ``index`` (PennyLane's ``CompositeOp.__getitem__``).

        >>> import qsym as qml
        >>> (qml.X(0) @ qml.Z(1))[0]
        X(0)
        """
        return self.operands[index]

    def remake(self, params=None) -> "Prod":
        """A copy with ``params`` (the factors' parameters, in order), made where it is
        called (a product of gates in a circuit: applied unless used, as written there).

        >>> (RX(0.1, wires=0) @ PauliZ(1)).remake([0.2])
        RX(0.2, wires=[0]) @ Z(1)
        """
        params = self.data if params is None else list(params)
        factors, k = [], 0
        with _no_recording():
            for o in self.operands:
                n = len(o.data)
                factors.append(o.remake(params[k:k + n]) if n else o)
                k += n
        return Prod(*factors)

    def decomposition(self) -> list:
        """The factors in the order they are applied: the last one first."""
        return list(reversed(self.operands))

    has_decomposition = True

    def __repr__(self):
        if self._adjoint_base is not None:  # qml.adjoint of a product: PennyLane's Adjoint(Prod)
            return f"Adjoint({self._adjoint_base!r})"
        if not self.operands:
            return "Prod()"
        return " @ ".join(f"({o})" if _depth(o) > 0 else f"{o}" for o in self.operands)


class Sum(_Arithmetic):
    """The sum of operators (PennyLane's ``qml.ops.Sum``, what ``qml.sum`` and ``+`` make);
    printed as PennyLane prints it, terms as written.

    >>> import qsym as qml
    >>> S = qml.X(0) + 0.5 * qml.Z(1)
    >>> S, S.operands, S.terms()
    (X(0) + 0.5 * Z(1), (X(0), 0.5 * Z(1)), ([1.0, np.float64(0.5)], [X(0), Z(1)]))
    """

    base = property(_adjoint_base_of)

    _empty_is_zero = True

    def simplify(self, cutoff=1.0e-12):
        """Equal Pauli words merged (:meth:`_Arithmetic.simplify`); a sum with an operand
        without a Pauli form (a rotation, ...) as PennyLane's ``Sum.simplify(cutoff)``: nested sums flattened,
        equal summands added, those of a coefficient at most ``cutoff`` dropped.

        >>> import qsym as qml
        >>> qml.sum(-0.9 * qml.RX(1, 0), qml.RX(1, 0), qml.RY(2, 1)).simplify(cutoff=0.2)
        RY(2, wires=[1])
        """
        # (structural only without a pauli_rep, the structural simplification's own test:
        # once the terms are computed, S or T among the operands gives the sum one, and
        # the two sent each other back and forth)
        if self.operands and "structural_simplify" in METHODS and not _has_pauli_rep(self):
            return METHODS["structural_simplify"](self, cutoff)
        return super().simplify()

    @classmethod
    def _sort(cls, op_list, wire_map: dict | None = None) -> list:
        """PennyLane's ``Sum._sort``: the summands ordered by their smallest wire label (as a
        string, so ``0`` and ``"a"`` compare), then by their number of wires, then by how
        they print; a summand on no wires first; ``wire_map`` relabels the wires first.

        >>> import qsym as qml
        >>> qml.ops.Sum._sort([qml.X(3), qml.CNOT([0, 2]), qml.Y("a"), qml.Z(0)])
        [Z(0), CNOT(wires=[0, 2]), X(3), Y('a')]
        """
        def key(op):
            if not len(op.wires):
                return ("", 0, str(op))
            wires = [wire_map[w] for w in op.wires] if wire_map is not None else op.wires
            return min(map(str, wires)), len(op.wires), str(op)

        return sorted(op_list, key=key)

    def __init__(self, *summands, grouping_type=None, method="rlf", id=None, _flat=False,
                 _grouping_indices=None):
        if _grouping_indices is not None and grouping_type is not None:
            raise ValueError("_grouping_indices and grouping_type cannot be specified at the same "
                             "time: give one")
        self._grouping_indices = _grouping_indices
        ops = []
        for f in map(_operand, summands):
            ops.extend(f.operands if _flat and type(f) is Sum else (f,))
        kept = _KeptForms.of(summands[0]) if _flat and summands else None
        self._finish_sum(ops, kept)
        take_over(self, summands)  # (the summands as given, a sum flattened into this one)
        self.id = id
        if grouping_type is not None:
            self.compute_grouping(grouping_type, method)

    def _finish_sum(self, operands, kept) -> None:
        """:meth:`_finish` with :func:`merge_terms` for a sum, the same operands, wires,
        merged terms (bit for bit, in the same order) and gates, that also keeps its
        operands' Pauli forms (:class:`_KeptForms`): a sum extended by ``+`` (``kept``,
        the first summand's, still valid) makes only the new operands' forms and adds only
        their words, so ``Z(0) + Z(1) + ... + Z(n-1)`` costs n forms and n tape look-ups,
        not n^2/2 of each."""
        self.operands = operands = tuple(operands)
        self.id = None
        k = 0 if kept is None else len(kept.forms)
        forms = [] if kept is None else list(kept.forms)
        for i in () if kept is None else kept.recheck:  # gates made off this tape: perhaps
            forms[i] = _pauli_form(operands[i])          # applied on it since
        forms += [_pauli_form(o) for o in operands[k:]]
        # the gates taken off the tape as observables (a measurement or qml.apply uses them)
        if kept is None or kept.recheck:
            gates = tuple(g for f in forms if f is not None for g in f._gates)
        else:
            gates = kept.gates + tuple(g for f in forms[k:] if f is not None for g in f._gates)
        self._gates = gates + _take_gates(o for o, f in zip(operands[k:], forms[k:]) if f is None)
        if kept is None:
            self._wires = _union_wires(operands)
        else:
            seen, wires = set(kept.wires), list(kept.wires)
            for w in _union_wires(operands[k:]):
                if w not in seen:
                    seen.add(w)
                    wires.append(w)
            self._wires = tuple(wires)
        _consume(self, operands)
        if any(f is None for f in forms[k:]):  # matrix-only (an operand without a Pauli
            take_over(self, operands)          # form): as _finish
            return
        raw = {} if kept is None else dict(kept.raw)
        zeros = set() if kept is None else set(kept.zeros)
        for f in forms[k:] if kept is not None else forms:
            for w, c in f.terms.items():
                raw[w] = v = raw.get(w, 0) + c
                if isinstance(v, numbers.Number) and v == 0:
                    zeros.add(w)
                else:
                    zeros.discard(w)
        # (as Observable(raw).terms: the words of a zero coefficient dropped)
        self._merged = _Terms((w, c) for w, c in raw.items() if w not in zeros) if zeros \
            else _Terms(raw)
        self._order = list(self._wires)
        self._kept = _KeptForms(self, forms, raw, zeros, gates, kept)
        take_over(self, operands)  # PennyLane's queue: the operands leave, the operator joins

    def _matrix_on(self, order) -> np.ndarray:
        return sum(_expanded(o, order) for o in self.operands)

    def _rebuild(self, operands):
        return Sum(*operands)

    def __getitem__(self, index):
        """The operand at ``index`` (PennyLane's ``CompositeOp.__getitem__``).

        >>> import qsym as qml
        >>> (qml.X(0) + 2 * qml.Z(1))[1]
        2 * Z(1)
        """
        return self.operands[index]

    @property
    def overlapping_ops(self) -> list:
        """The operands grouped by shared wires (PennyLane's ``CompositeOp.overlapping_ops``;
        operators of different groups act on different wires).

        >>> import qsym as qml
        >>> (qml.X(0) + qml.Y(1) + qml.Z(0)).overlapping_ops
        [[X(0), Z(0)], [Y(1)]]
        """
        return overlapping_groups(self.operands)

    @property
    def grouping_indices(self):
        """The groups of term indices (``compute_grouping``'s, or set), or None."""
        return self.__dict__.get("_grouping_indices")

    @grouping_indices.setter
    def grouping_indices(self, value):
        """Set groups of indices of ``terms()`` (PennyLane's: not checked to commute, each
        index checked to be a term's; kept as a tuple of tuples).

        >>> import qsym as qml
        >>> H = qml.sum(qml.X("a"), qml.X("b"), qml.Y("b"))
        >>> H.grouping_indices = [[0, 1], [2]]
        >>> H.grouping_indices
        ((0, 1), (2,))
        """
        if value is None:
            return
        n = len(self.terms()[1])
        try:
            ok = all(isinstance(i, numbers.Integral) and 0 <= i < n for group in value for i in group)
        except TypeError:  # not a nesting of iterables
            ok = False
        if not ok:
            raise ValueError("The grouped index value needs to be a tuple of tuples of integers between "
                             f"0 and the number of observables in the Sum; got {value}")
        self._grouping_indices = tuple(tuple(group) for group in value)

    def compute_grouping(self, grouping_type: str = "qwc", method: str = "lf") -> None:
        if self.pauli_rep is None:
            raise MeasurementError("Cannot compute grouping for Sums containing non-Pauli operators: "
                                   "group the Pauli words yourself, or measure the sum as it is")
        super().compute_grouping(grouping_type, method)

    compute_grouping.__doc__ = Observable.compute_grouping.__doc__

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label of a sum: ``𝓗``, with up to three parameters rounded to
        ``decimals``.

        >>> import qsym as qml
        >>> (qml.X(0) + qml.RX(1.2, 1)).label(decimals=2), (qml.X(0) + qml.Y(1)).label()
        ('𝓗\\n(1.20)', '𝓗')
        """
        if self._adjoint_base is not None:  # PennyLane's Adjoint(Sum)
            return _adjoint_label(self._adjoint_base, decimals, base_label, cache)
        params = self.data
        if decimals is None or not params or len(params) > 3:
            return base_label or "𝓗"
        try:
            shown = ",\n".join(label_number(p, decimals) for p in params)
        except TypeError:  # traced parameters: no numbers to show
            return base_label or "𝓗"
        return f"{base_label or '𝓗'}\n({shown})"

    def _flatten(self):
        """PennyLane's pytree protocol: ``(operands, (grouping_indices,))``."""
        return tuple(self.operands), (self.grouping_indices,)

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data, _grouping_indices=metadata[0])

    def __str__(self):
        if self._adjoint_base is not None:  # qml.adjoint of a sum: PennyLane's Adjoint(Sum)
            return f"Adjoint({self._adjoint_base})"
        return " + ".join(str(o) for o in self.operands)

    def __repr__(self):
        if self._adjoint_base is not None:
            return f"Adjoint({self._adjoint_base!r})"
        text = str(self)
        if not self.operands:
            return "Sum()"
        if len(text) > 50:  # PennyLane's long sums: one term a line
            return "(\n    " + text.replace(" + ", "\n  + ") + "\n)"
        return text


def _no_kept():
    return None


class _KeptForms:
    """What a :class:`Sum` whose operands all have Pauli forms keeps so that ``s + op``
    need not make them again (:meth:`Sum._finish_sum`): the forms (a gate's
    :func:`as_observable`, an observable operand itself), the merged words before the
    zeros are dropped (``raw``; ``zeros`` the words of a zero coefficient), the gates taken
    off the tape, the wires. They hold while the sum's operands and merged terms are the
    ones they were made with, each observable operand still has the terms and gates it
    had, and the recording is the same tape with no gate of an observable measured or
    applied again since (:attr:`qsym._trace.Tape.epoch`; a user's queue, which
    :func:`take_over` rewrites, never); a gate that was not on the tape (made outside
    it) is looked at again (``recheck``). Not copied (``copy.deepcopy``, pickling):
    a copy makes its forms again."""

    __slots__ = ("operands", "merged", "forms", "raw", "zeros", "gates", "wires", "tape",
                 "epoch", "watch", "recheck")

    def __init__(self, s, forms, raw, zeros, gates, prev):
        tape = active_tape()
        self.operands, self.merged, self.forms = s.operands, s._merged, tuple(forms)
        self.raw, self.zeros, self.gates, self.wires = raw, frozenset(zeros), gates, s._wires
        self.tape = None if tape is None else weakref.ref(tape)
        self.epoch = None if tape is None else tape.epoch
        k = 0 if prev is None else len(prev.forms)  # (the operands past prev's only)
        new = range(k, len(self.forms))
        self.watch = (() if prev is None else prev.watch) + tuple(
            (i, s.operands[i], _KeptForms._key(s.operands[i])) for i in new
            if isinstance(s.operands[i], Observable))
        self.recheck = () if tape is None else tuple(
            i for i in (*(() if prev is None else prev.recheck), *new)
            if not isinstance(s.operands[i], Observable) and not self.forms[i]._gates)

    @staticmethod
    def _key(o):
        return (o.__dict__.get("_merged") if isinstance(o, _Arithmetic) else o.terms), o._gates

    @staticmethod
    def of(s):
        """``s``'s kept forms if they still hold (see the class), else None."""
        kept = s.__dict__.get("_kept") if type(s) is Sum else None
        if kept is None or s.operands is not kept.operands or s._merged is not kept.merged:
            return None
        tape = active_tape()
        if tape is None:
            if kept.tape is not None:
                return None
        elif kept.tape is None or kept.tape() is not tape or tape.epoch != kept.epoch \
                or tape.log is not None:
            return None
        for _, o, (terms, gates) in kept.watch:
            now, now_gates = _KeptForms._key(o)
            if now is not terms or now_gates is not gates:
                return None
        return kept

    def __reduce__(self):
        return _no_kept, ()

    def __deepcopy__(self, memo):
        return None


def _add_operator(a, b):
    """``a + b`` as PennyLane adds: a number is that multiple of the identity on ``a``'s
    wires, 0 is nothing; sums are flattened (``lazy=False``). Anything else is
    ``NotImplemented``: its own ``__radd__`` answers (a ``qml.pauli.PauliSentence``'s
    ``TypeError``, as in PennyLane)."""
    if not all(isinstance(x, (*OPERATORS, numbers.Number, np.ndarray, Traced, sp.Basic, Box))
               for x in (a, b)):
        return NotImplemented
    scalar = (numbers.Number, np.ndarray, Traced, sp.Basic, Box)  # (Box: an autograd value)
    if isinstance(b, scalar) and not isinstance(b, Observable):
        if isinstance(b, numbers.Number) and b == 0:
            return a
        return Sum(a, SProd(b, _identity_on(a.wires)), _flat=True)
    if isinstance(a, scalar):
        return _add_operator(b, a)
    return Sum(a, b, _flat=True)


def _identity_on(wires):
    from ._trace import Tape, recording

    with recording(Tape()):
        return GATE_CLASSES["Identity"](wires=list(wires))  # none for a wireless operator


class SProd(_Arithmetic):
    """A scalar times an operator (PennyLane's ``qml.ops.SProd``, what ``qml.s_prod`` and
    ``c * op`` make); the scalar may be complex, or a traced input.

    >>> import qsym as qml
    >>> S = 0.5 * (qml.X(0) @ qml.Z(1))
    >>> S, S.scalar, S.base
    (0.5 * (X(0) @ Z(1)), 0.5, X(0) @ Z(1))
    """

    @property
    def is_verified_hermitian(self) -> bool:
        """PennyLane's rule: a verified Hermitian base and a scalar that is not complex
        (``1j * (X(0) @ Y(0))`` is not verified, though Hermitian; a traced scalar: real).

        >>> import qsym as qml
        >>> (2 * qml.X(0)).is_verified_hermitian, (1j * (qml.X(0) @ qml.Y(0))).is_verified_hermitian
        (True, False)
        """
        if not getattr(self.base, "is_verified_hermitian", False):
            return False
        try:
            return complex(np.asarray(self.scalar)).imag == 0
        except TypeError:  # traced (an autograd box): real inputs
            return True

    def __init__(self, scalar, base, id=None, _flat=False):
        base = _operand(base)
        # a 0-d tensor as given in op.data, with its requires_grad (PennyLane's: a tape's
        # trainable_params count it), as a gate keeps its tensors (Operation.data)
        self._scalar_tensor = scalar if getattr(scalar, "requires_grad", None) is not None and \
            np.ndim(scalar) == 0 and not (_flat and isinstance(base, SProd)) else None
        scalar = scalar[()] if isinstance(scalar, np.ndarray) and scalar.ndim == 0 else scalar
        if batched_scalar(scalar):  # PennyLane's batched SProd: a matrix per scalar
            self.scalar, self.base = scalar, base
            self._finish([base], lambda forms: forms[0])
            self._merged = None  # no Pauli sum: not measured (terms)
            self.operands, self.id = (base,), id
            return
        c = _scalar(scalar)
        given = base
        if _flat and isinstance(base, SProd):
            scalar, base = scalar * base.scalar, base.base
            c = _scalar(scalar)
        # PennyLane keeps the scalar as given: a 0-d tensor stays that object (``op.scalar is
        # s``), its number read by _scalar wherever qsym computes with it
        self.scalar = self._scalar_tensor if given is base and self._scalar_tensor is not None \
            else scalar
        self.base = base
        form = _pauli_form(base)  # (made once: its gates are the multiple's)
        self._finish([base], lambda forms: Observable({w: c * v for w, v in forms[0].terms.items()}),
                     [form])
        self.operands = (base,)
        take_over(self, (given,))  # (the operand as given, a multiple folded into this one)
        self.id = id

    arithmetic_depth = property(lambda self: 1 + _depth(self.base))

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label of a scalar multiple: ``c*`` and its base's label.

        >>> import qsym as qml
        >>> (2 * (qml.X(0) @ qml.Y(1))).label()
        '2*X@Y'
        """
        c = self.scalar if decimals is None else format(np.asarray(self.scalar), f".{decimals}f")
        return base_label or f"{c}*{self.base.label(decimals=decimals, cache=cache)}"

    @property
    def pauli_rep(self):
        """PennyLane's: the base's ``pauli_rep`` times the scalar (a zero scalar keeps the
        words), or None.

        >>> (0 * PauliX(1)).pauli_rep
        0.0 * X(1)
        """
        rep = getattr(self.base, "pauli_rep", None)
        if rep is None or batched_scalar(self.scalar):
            return None
        out = METHODS["pauli_rep"]({})
        for word, v in rep.items():
            out[word] = v * _scalar(self.scalar)
        return out

    @property
    def terms(self):
        """The merged Pauli sum (measured); called, PennyLane's ``terms()``: the base's terms
        scaled when the base is an arithmetic operator, else ``([scalar], [base])``.

        >>> import qsym as qml
        >>> qml.s_prod(1.5, qml.CNOT([0, 1])).terms()
        ([1.5], [CNOT(wires=[0, 1])])
        >>> qml.s_prod(2, qml.X(0) + 0.5 * qml.Z(1)).terms()
        ([2.0, np.float64(1.0)], [X(0), Z(1)])
        >>> qml.s_prod(2, qml.X(0) + qml.Hadamard(1)).terms()
        ([2.0, 2.0], [X(0), H(1)])
        """
        if batched_scalar(self.scalar):
            raise MeasurementError(
                f"an observable can only be scaled by a number, got {self.scalar!r}: a batched "
                "scalar multiple (PennyLane's batched SProd) has a matrix per scalar, no Pauli "
                "sum to measure; measure each multiple, or scale the result")
        merged = _Arithmetic.terms.fget(self)
        out = _Terms(merged)
        if isinstance(self.base, _Arithmetic):  # the base's terms() scaled (PennyLane's
            # SProd.terms: its types too, 0.5 * (X(0) + 0.5 * Z(1)): [0.5, np.float64(0.25)])
            coeffs, ops = self.base.terms()
            out.written = ([self.scalar * c for c in coeffs], list(ops))
            return out
        out.written = ([self.scalar], [self.base])
        return out

    @terms.setter
    def terms(self, value):
        self._merged = value

    @property
    def data(self) -> tuple:
        """``(scalar, *base.data)`` (PennyLane's); set, the scalar first, then the base's.

        >>> import qsym as qml
        >>> S = qml.s_prod(2.0, qml.RX(0.1, wires=0))
        >>> S.data = (3.0, 0.2)
        >>> S
        3.0 * RX(0.2, wires=[0])
        """
        given = getattr(self, "_scalar_tensor", None)
        return (self.scalar if given is None else given, *self.base.data)

    @data.setter
    def data(self, values) -> None:
        values = tuple(values)
        if len(values) != 1 + len(self.base.data):
            raise ValueError(f"SProd has {1 + len(self.base.data)} parameter(s) (the scalar, "
                             f"then the base's); op.data was given {len(values)}")
        if len(values) > 1:
            self.base.data = values[1:]
        c = values[0]
        self._scalar_tensor = c if getattr(c, "requires_grad", None) is not None and np.ndim(c) == 0 else None
        self.scalar = c if self._scalar_tensor is not None else \
            c[()] if isinstance(c, np.ndarray) and c.ndim == 0 else c
        self._remade()

    def matrix(self, wire_order=None) -> np.ndarray:
        """PennyLane's ``SProd.matrix``: the scalar times the base's matrix, by NumPy's type
        promotion (a real scalar of a real matrix stays real, ``qml.dot([nan], [qml.X(0)])``
        a real NaN as PennyLane's; a complex scalar or base: complex); a batch of scalars
        gives a batch of matrices.

        >>> import qsym as qml
        >>> (0.5 * qml.X(0)).matrix()
        array([[0. , 0.5],
               [0.5, 0. ]])
        >>> (0.5j * qml.Z(0)).matrix().dtype
        dtype('complex128')
        """
        order = list(self._wires) if wire_order is None else list(order_tuple(wire_order))
        missing = [w for w in self._wires if w not in order]
        if missing or not self._wires or not isinstance(_promoted_scalar(self.scalar), np.ndarray):
            return _Arithmetic.matrix(self, wire_order=wire_order)
        return self._matrix_on(order)

    def _matrix_on(self, order) -> np.ndarray:
        c = _promoted_scalar(self.scalar)
        if c is None:  # (a traced scalar: the complex number of its value, as before)
            c = np.asarray(complex(self.scalar))
        m = _expanded(self.base, order, keep_type=True)
        if m.dtype == object:  # traced entries (a circuit's inputs)
            c = c.astype(complex)
            return c.reshape(c.shape + (1, 1)) * m if c.ndim else complex(c) * m
        if c.ndim:  # one matrix per scalar, (batch, 2**n, 2**n)
            return c.reshape(c.shape + (1, 1)) * m
        return c * m

    def _rebuild(self, operands):
        given = getattr(self, "_scalar_tensor", None)
        return SProd(self.scalar if given is None else given, operands[0])

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """PennyLane's ``SProd.sparse_matrix``: the Pauli sum's with a ``pauli_rep``, else the
        scalar times the base's sparse matrix, zeros not stored (a batched scalar: the dense
        matrices' stack is refused by SciPy, as PennyLane's).

        >>> import qsym as qml
        >>> (2.5 * qml.Hadamard(0)).sparse_matrix().toarray()[0, 0] == 2.5 * qml.Hadamard(0).matrix()[0, 0]
        np.True_
        """
        if batched_scalar(self.scalar) or not isinstance(self.scalar, numbers.Number) \
                or self.pauli_rep is not None:
            return _Arithmetic.sparse_matrix(self, wire_order=wire_order, format=format)
        m = self.base.sparse_matrix(wire_order=wire_order).multiply(self.scalar)
        m.eliminate_zeros()
        return m.asformat(format)

    @property
    def batch_size(self):
        """The number of scalars of a batched scalar (PennyLane's batched ``SProd``), else
        the base's batch size.

        >>> import qsym as qml
        >>> (qml.X(0) * np.array([0.5, 0.6, 0.7])).batch_size, (2 * qml.X(0)).batch_size
        (3, None)

        A batched scalar and a base broadcast over another number of values do not match
        (PennyLane's ``ValueError``, a :class:`GateError`).
        """
        base = _Arithmetic.batch_size.fget(self)
        if not batched_scalar(self.scalar):
            return base
        size = int(np.shape(self.scalar)[0])
        if base is not None and base != size:
            raise GateError("Broadcasting was attempted but the broadcasted dimensions do not "
                            f"match: {size}, {base}.")
        return size

    @property
    def has_matrix(self) -> bool:
        """The base's (PennyLane's rule)."""
        return bool(getattr(self.base, "has_matrix", True))

    @property
    def has_diagonalizing_gates(self) -> bool:
        """The base's: a multiple shares its base's eigenbasis (PennyLane's rule)."""
        return bool(getattr(self.base, "has_diagonalizing_gates", False))

    @property
    def has_decomposition(self) -> bool:
        """PennyLane's: a numeric scalar of modulus 1 (a global phase times the base).

        >>> import qsym as qml
        >>> qml.s_prod(1j, qml.X(0)).has_decomposition, qml.s_prod(2, qml.X(0)).has_decomposition
        (True, False)
        """
        c = self.scalar
        return isinstance(c, numbers.Number) and bool(np.isclose(abs(complex(c)), 1.0))

    @queues_result
    def decomposition(self) -> list:
        """``[GlobalPhase(-arg(scalar)), base]`` for a scalar of modulus 1 (PennyLane's),
        else ``DecompositionUndefinedError``.

        >>> import qsym as qml
        >>> qml.s_prod(1j, qml.X(0)).decomposition()
        [GlobalPhase(-1.5707963267948966, wires=[]), X(0)]
        """
        if not self.has_decomposition:
            raise DecompositionUndefinedError(
                f"{self!r} has no decomposition: only a scalar of modulus 1 (a global phase) "
                "times an operator has one (PennyLane's rule)")
        phase = GATE_CLASSES["GlobalPhase"](-float(np.angle(complex(self.scalar))))
        base = self.base  # applied where called too (a circuit function, qml.matrix of it)
        if active_tape() is not None and isinstance(base, Operation):
            base = base.remake()
        return [phase, base]

    def pow(self, z) -> list:
        """``[scalar**z * base**z]`` (PennyLane's ``SProd.pow``).

        >>> import qsym as qml
        >>> qml.s_prod(3, qml.RX(0.5, wires=0)).pow(2)
        [9 * RX(0.5, wires=[0])**2]
        """
        with _no_recording():
            return [SProd(self.scalar ** z, METHODS["qml_pow"](self.base, z))]

    def adjoint(self):
        """``conj(scalar) * adjoint(base)``."""
        b = operand_adjoint(self.base)
        c = self.scalar
        if isinstance(c, numbers.Number):
            c = np.conj(c)
        elif isinstance(c, np.ndarray) and np.iscomplexobj(c):  # a 0-d tensor kept as given
            c = c.conj()
        return SProd(c, b)

    def _flatten(self):
        return (self.scalar, self.base), ()

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data)

    def __repr__(self):
        if isinstance(self.base, (Sum, Prod)) or type(self.base) is Observable:
            return f"{self.scalar} * ({self.base})"
        return f"{self.scalar} * {self.base}"


class LinearCombination(Sum):
    """``sum(c * o for c, o in zip(coeffs, observables))``: PennyLane's
    ``qml.ops.LinearCombination``, what ``qml.Hamiltonian`` and ``qml.dot`` make. The terms
    stay as written (``H.terms()``, ``repr``); measured, equal Pauli words are merged.
    ``grouping_type`` and ``method`` are accepted (see :meth:`compute_grouping`).

    >>> H = Hamiltonian([0.5, -1.0], [PauliZ(0), PauliX(0) @ PauliX(1)])
    >>> H
    0.5 * Z(0) + -1.0 * (X(0) @ X(1))
    >>> H.terms()
    ([0.5, -1.0], [Z(0), X(0) @ X(1)])
    >>> isinstance(H, Hamiltonian), isinstance(PauliZ(0) @ PauliZ(1), Hamiltonian)
    (True, False)
    """

    def __init__(self, coeffs, observables, grouping_type=None, method="lf", id=None, _pauli_rep=None,
                 _grouping_indices=None):
        # PennyLane keeps the coefficients as given: a list stays a list (``H.coeffs``,
        # ``H.terms()``), an array (``pauli_decompose``'s) an array
        if isinstance(observables, OPERATORS):  # (PennyLane's check)
            raise MeasurementError("observables must be an Iterable of Operator's, and not an "
                                   f"Operator itself: write [{observables!r}]")
        self._given = type(coeffs) if isinstance(coeffs, (list, tuple)) else None
        # a qsym.numpy tensor (``pnp.array(...)``, trainable or ``requires_grad=False``) is
        # kept as given and its elements stay 0-d tensors with its flag: PennyLane's
        # ``H.coeffs``, ``H.data``, tape parameters
        self._trainable = coeffs if _is_tensor(coeffs) else None
        if self._trainable is not None:
            coeffs = list(coeffs.ravel())
        else:
            if not isinstance(coeffs, list):
                coeffs = list(np.asarray(coeffs, dtype=object).ravel())
            coeffs = [c[()] if isinstance(c, np.ndarray) and c.ndim == 0 and not _requires_grad(c)
                      else c for c in coeffs]
        observables = [_operand(o) for o in observables]
        if len(coeffs) != len(observables):
            raise MeasurementError(
                "Could not create valid LinearCombination; number of coefficients and operators "
                f"does not match ({len(coeffs)} coefficients, {len(observables)} operators)")
        scal = [_scalar(c) for c in coeffs]
        self._coeffs, self._ops = coeffs, observables

        self._finish(observables, lambda forms: merge_terms(forms, scal))
        self.id = id
        if _grouping_indices is not None and grouping_type is not None:
            raise ValueError("_grouping_indices and grouping_type cannot be specified at the same "
                             "time (PennyLane's): give one")
        if _grouping_indices is not None:  # as given, unchecked (PennyLane's)
            self._grouping_indices = _grouping_indices
        elif grouping_type is not None:
            self.compute_grouping(grouping_type, method)

    arithmetic_depth = property(lambda self: 1 + max([_depth(o) for o in self._ops] + [0]) + 1)

    @property
    def operands(self) -> tuple:
        """The terms as PennyLane's ``SProd`` operators ``c * o``."""
        with not_recording():  # (looked at, not made: nothing queued)
            return tuple(SProd(c, o) for c, o in zip(self._coeffs, self._ops))

    @operands.setter
    def operands(self, value):
        pass  # the written coefficients and operators are the operands

    @property
    def terms(self):
        terms = _Terms(_Arithmetic.terms.fget(self))
        terms.written = (self.coeffs, list(self._ops))
        return terms

    @terms.setter
    def terms(self, value):
        self._merged = value

    @property
    def coeffs(self):
        """The coefficients as written (PennyLane's ``H.coeffs``): a list or tuple if they
        were given so, else an array.

        >>> Hamiltonian([0.5, 1.0], [PauliZ(0), PauliX(0)]).coeffs
        [0.5, 1.0]
        >>> Hamiltonian(np.array([0.5, 1.0]), [PauliZ(0), PauliX(0)]).coeffs
        array([0.5, 1. ])
        """
        given = getattr(self, "_given", None)
        if given is not None:
            return given(self._coeffs)
        if getattr(self, "_trainable", None) is not None:
            return self._trainable
        return coefficient_array(self._coeffs)

    @property
    def ops(self) -> list:
        """The operators as written (PennyLane's ``H.ops``)."""
        return list(self._ops)

    @property
    def data(self) -> tuple:
        return tuple(self._coeffs)

    @property
    def pauli_rep(self):
        """PennyLane's: the sum of ``c * op.pauli_rep`` over the terms as written (a zero
        coefficient keeps its word), or None if a term has none.

        >>> Hamiltonian([0.0, 1.0], [PauliX(0), PauliX(1)]).pauli_rep
        0.0 * X(0)
        + 1.0 * X(1)
        """
        reps = [getattr(o, "pauli_rep", None) for o in self._ops]
        if any(r is None for r in reps):
            return None
        out = METHODS["pauli_rep"]({})
        for c, rep in zip(self._coeffs, reps):
            for word, v in rep.items():
                out[word] = out[word] + v * c if word in out else v * c
        return out

    def _matrix_on(self, order) -> np.ndarray:
        return sum(complex(c) * _expanded(o, order) for c, o in zip(self._coeffs, self._ops))

    def _rebuild(self, operands):
        return LinearCombination(list(self._coeffs), operands)

    def map_wires(self, wire_map: dict):
        """The same combination on the wires ``wire_map`` gives; its grouping kept (the
        indices are the terms', which keep their order).

        >>> H = Hamiltonian([1.0, 2.0], [PauliX(0), PauliY(0)], grouping_type="qwc")
        >>> G = H.map_wires({0: "a"})
        >>> G, G.grouping_indices
        (1.0 * X('a') + 2.0 * Y('a'), ((0,), (1,)))
        """
        new = LinearCombination(list(self._coeffs), [o.map_wires(wire_map) for o in self._ops])
        new.grouping_indices = self.grouping_indices
        return new

    def adjoint(self):
        """``sum(conj(c) * adjoint(o))``."""
        return LinearCombination([np.conj(c) if isinstance(c, numbers.Number) else c for c in self._coeffs],
                                 [operand_adjoint(o) for o in self._ops])

    def _flatten(self):
        """PennyLane's pytree protocol: ``((coeffs, ops), (grouping_indices,))``.

        >>> H = Hamiltonian([0.5, 1.0], [PauliX(0), PauliX(1)], grouping_type="qwc")
        >>> data, meta = H._flatten()
        >>> meta, LinearCombination._unflatten(data, meta).grouping_indices
        ((((0, 1),),), ((0, 1),))
        """
        return (self._coeffs, self._ops), (self.grouping_indices,)

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(list(data[0]), list(data[1]), _grouping_indices=metadata[0] if metadata else None)

    def queue(self, context=None):
        """PennyLane's ``op.queue()``: a Hamiltonian is an observable, nothing is applied."""
        return self

    def __len__(self):
        return len(self._ops)

    def __iter__(self):
        return iter(self.operands)

    def __str__(self):
        return " + ".join(str(o) for o in self.operands)

    def simplify(self):
        """Equal Pauli words merged (PennyLane's ``H.simplify()``). Of Pauli words, in
        order of first appearance, a zero sum kept, as PennyLane's Pauli representation
        keeps it; with other operators, zero terms dropped (PennyLane's ``Sum.simplify``).

        >>> import qsym as qml
        >>> qml.Hamiltonian([1.0, -1.0, 0.5], [qml.Z(0), qml.Z(0), qml.X(1)]).simplify()
        0.0 * Z(0) + 0.5 * X(1)
        """
        if self._ops and not _has_pauli_rep(self) and "structural_simplify" in METHODS:
            # PennyLane's: qml.dot(coeffs, ops).simplify(), its terms (Hadamard kept, not
            # its Pauli words with symbolic coefficients)
            with not_recording():
                out = METHODS["structural_simplify"](Sum(*(SProd(c, o) for c, o in zip(self._coeffs, self._ops))))
                if isinstance(out, SProd):
                    return LinearCombination([out.scalar], [out.base])
                ops = list(out.operands) if isinstance(out, Sum) else [out]
                return LinearCombination([o.scalar if isinstance(o, SProd) else 1.0 for o in ops],
                                         [o.base if isinstance(o, SProd) else o for o in ops])
        merged = {}
        for c, o in zip(self._coeffs, self._ops):
            form = _pauli_form(o)
            if form is None or len(form.terms) != 1 or list(form.terms.values()) != [1]:
                ops = _Terms(_Arithmetic.terms.fget(self))()  # not a Pauli word
                return LinearCombination(list(ops[0]), ops[1])
            for word, c0 in form.terms.items():
                merged[word] = merged[word] + c * c0 if word in merged else c * c0
        coeffs, ops = _Terms(merged)()
        return LinearCombination(coeffs, ops)

    # PennyLane's LinearCombination arithmetic: the result is again a LinearCombination
    def __add__(self, other):
        if isinstance(other, numbers.Number) and other == 0:
            return self
        if isinstance(other, LinearCombination):  # PennyLane concatenates the coefficients
            return LinearCombination(_joined(self._coeffs, other._coeffs), self._ops + other._ops)
        if isinstance(other, OPERATORS):
            return LinearCombination(_joined(self._coeffs, [1.0]), self._ops + [other])
        return _add_operator(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, OPERATORS):
            return self + SProd(-1.0, other)
        if not _scales(other):  # Python's TypeError, or the other's __rsub__
            return NotImplemented
        return self + (-other)

    def __mul__(self, other):
        if isinstance(other, OPERATORS):
            return self @ other
        if callable(other) and PARAMETRIZED_HAMILTONIAN:  # f(p, t) * op: qml.pulse's
            return PARAMETRIZED_HAMILTONIAN[0]([other], [self])
        if not _scales(other):  # Python's TypeError, or the other's own __rmul__
            return NotImplemented
        if isinstance(other, numbers.Number) and all(isinstance(c, numbers.Number) for c in self._coeffs):
            return LinearCombination(list(np.multiply(other, self._coeffs)), self._ops)
        return LinearCombination([c * other for c in self._coeffs], self._ops)

    __rmul__ = __mul__

    def __matmul__(self, other):
        if isinstance(other, LinearCombination):
            if set(self.wires) & set(other.wires):
                raise MeasurementError("LinearCombinations can only be multiplied together if "
                                       "they act on different sets of wires")
            out = LinearCombination([a * b for a in self._coeffs for b in other._coeffs],
                                    [Prod(a, b, _flat=True) for a in self._ops for b in other._ops])
            take_over(out, (self, other))  # PennyLane's queue: the factors leave, the product joins
            return out
        if isinstance(other, OPERATORS) and _depth(other) == 0:
            out = LinearCombination(list(self._coeffs), [Prod(o, other, _flat=True) for o in self._ops])
            take_over(out, (self, other))
            return out
        if not isinstance(other, OPERATORS):  # Python's TypeError, or the other's __rmatmul__
            return NotImplemented
        return Observable.__matmul__(self, other)


def _joined(a: list, b: list):
    """Two coefficient lists joined as PennyLane joins them (``qml.math.concatenate``: one
    NumPy array, integers and floats giving floats, so the sum's ``coeffs`` and
    ``terms()`` coefficients are an array); traced coefficients as they are (a list).

    >>> _joined([0.5, 1], [1.0])
    array([0.5, 1. , 1. ])
    """
    if all(isinstance(c, numbers.Number) for c in a + b):
        return np.concatenate([np.asarray(a), np.asarray(b)])
    return list(a) + list(b)


Hamiltonian = LinearCombination

# (shape, matrix bytes, wires) -> Pauli terms of the matrices decomposed last: a circuit
# traced at every call (a random observable drawn from a fixed seed, PennyLane's general
# parameter-shift demo) writes the same qml.Hermitian at each call, and its 4^k terms cost
# 12 ms on 5 wires; matrices on at most 6 wires, the 64 used last (at most 4 MB)
_DECOMPOSED = Memo(64)


def pauli_decomposition(M: np.ndarray, wires: tuple) -> Observable:
    """``M = sum_P tr(P M) / 2^k  P`` over the 4^k Pauli words on ``wires`` (the terms of
    the 64 matrices decomposed last are kept: the same matrix again is not recomputed).

    >>> pauli_decomposition(np.diag([1.0, 0.0]).astype(complex), (0,))
    Observable(0.5 * I + 0.5 * Z(0))
    """
    key = None
    if len(wires) <= 6:
        try:
            key = (M.shape, M.dtype.str, M.tobytes(), tuple(wires))
            terms = _DECOMPOSED.get(key)
        except TypeError:  # an unhashable wire label: not kept
            key = terms = None
        if terms is not None:
            return Observable(dict(terms))
    terms = _pauli_terms(M, wires)
    if key is not None:
        _DECOMPOSED.put(key, dict(terms))
    return Observable(terms)


# a matrix observable (Hermitian, Projector, SparseHamiltonian) is measured as its Pauli sum:
# on up to 8 wires any matrix; on 9 to MATRIX_WIRES wires one whose sum has at most
# MATRIX_WORDS words (a dense 8-wire matrix's 4^8; a dense 10-wire one has ~4^10, and the
# decomposition of 11 wires' 4^11 coefficients is 64 MB, 1-2 s)
MATRIX_WIRES = 11
MATRIX_WORDS = 4**8


def matrix_observable_terms(M: np.ndarray, wires: tuple, name: str) -> dict:
    """The Pauli terms qsym measures for the matrix observable ``name`` (``M`` on ``wires``);
    a ``MeasurementError`` saying what to do beyond :data:`MATRIX_WIRES` wires or
    :data:`MATRIX_WORDS` words.

    >>> M = np.kron(np.diag([1.0, -1.0]), np.eye(2**8))  # Z on the first of 9 wires
    >>> matrix_observable_terms(M.astype(complex), tuple(range(9)), "Hermitian")
    {((0, 'Z'),): 1.0}
    """
    k = len(wires)
    if k <= 8:
        return pauli_decomposition(M, wires).terms
    if k > MATRIX_WIRES:
        raise MeasurementError(
            f"{name} on {k} wires: qsym measures a matrix observable as its Pauli sum, "
            f"decomposed from the dense matrix on at most {MATRIX_WIRES} wires; write it "
            "as a Pauli sum (qml.pauli_decompose of smaller blocks, or the Hamiltonian it "
            "came from)")
    coeffs = np.asarray(pauli_coefficients(M, k))
    n = int(np.count_nonzero(np.abs(coeffs) > 1e-15))
    if n > MATRIX_WORDS:
        raise MeasurementError(
            f"{name} on {k} wires is a sum of {n} Pauli words, more than the {MATRIX_WORDS} "
            f"qsym measures in a matrix observable on more than 8 wires: write it as a "
            "Pauli sum, or measure it on fewer wires")
    return _pauli_terms(M, wires, coeffs)


_PAULI_ROWS = np.stack([PAULI[p].T.reshape(4) for p in "IXYZ"]).astype(complex)


def pauli_coefficients(M, k: int):
    """``tr(P M) / 2^k`` for the ``4^k`` Pauli words ``P`` on ``k`` wires, in the order of
    ``itertools.product("IXYZ", repeat=k)`` (the first wire's letter most significant). A
    transform over one wire at a time: ``M``'s row and column index of wire ``q`` form one
    axis of 4, mapped by ``L[a, (r, c)] = P_a[c, r]``: ``k 4^(k+1)`` operations, not a
    ``2^k x 2^k`` product per word (``16^k``: minutes on 6 wires). Written in autograd's
    NumPy, so an autograd array's coefficients are differentiable.

    >>> pauli_coefficients(np.array([[1.0, 2.0], [2.0, -1.0]]), 1).real
    array([0., 2., 0., 1.])
    """
    # axes r_1, c_1, r_2, c_2, ...: one axis of 4 per wire
    T = anp.transpose(anp.reshape(M, (2,) * (2 * k)), [a for q in range(k) for a in (q, k + q)])
    T = anp.reshape(T, (4,) * k)
    for q in range(k):
        T = anp.moveaxis(anp.tensordot(_PAULI_ROWS, T, axes=([1], [q])), 0, q)
    return anp.reshape(T, (-1,)) / 2**k


def _pauli_terms(M: np.ndarray, wires: tuple, coeffs=None) -> dict:
    """The terms of :func:`pauli_decomposition`: all ``tr(P M)`` at once
    (:func:`pauli_coefficients`, or ``coeffs`` computed already), the nonzero ones kept."""
    k = len(wires)
    coeffs = np.asarray(pauli_coefficients(M, k) if coeffs is None else coeffs)
    if np.all(np.abs(coeffs.imag) <= 1e-12):  # Hermitian: real coefficients
        coeffs = coeffs.real
    terms = {}
    for index in np.nonzero(np.abs(coeffs) > 1e-15)[0]:
        letters = [(int(index) >> (2 * (k - 1 - q))) & 3 for q in range(k)]
        word = tuple(sorted(((w, "IXYZ"[a]) for w, a in zip(wires, letters) if a),
                            key=lambda t: repr(t[0])))
        c = coeffs[index]
        terms[word] = terms.get(word, 0) + (float(c) if np.isrealobj(coeffs) else complex(c))
    return terms


class _MatrixObservable(Observable):
    """An observable given by numbers (a matrix or a state), kept as written: PennyLane's
    ``name``, ``data``/``parameters``, ``wires`` and ``label``, measured as its exact Pauli sum."""

    plain_matrix = True  # PennyLane's Hermitian, Projector: matrix() a plain array (like_data)

    num_params = 1
    _value = None
    arithmetic_depth = 0  # PennyLane's: an operator of its own, not an arithmetic one
    has_matrix = True
    is_verified_hermitian = True  # PennyLane's Hermitian, SparseHamiltonian, Projector
    has_sparse_matrix = False  # (PennyLane's: Hermitian, BasisStateProjector and
    # SparseHamiltonian compute one)

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """The matrix as a SciPy sparse matrix (``format``), on ``wire_order`` (its own
        matrix made sparse, then the identity on the other wires: no dense matrix there)."""
        own = list(self.wires)
        if wire_order is None or order_list(wire_order) == own:
            return sparse_of(self.matrix(wire_order=wire_order), format)
        return expand_sparse(sparse_of(self.matrix(wire_order=own)), own,
                             order_list(wire_order)).asformat(format)

    @property
    def pauli_rep(self):
        """None, as PennyLane's ``Hermitian``, ``Projector`` and ``SparseHamiltonian``: an
        observable given by numbers has no ``pauli_rep`` (``qml.pauli_decompose(op.matrix())``
        is its Pauli sum; qsym measures that sum)."""
        return None

    name = _ClassReadableName(lambda self: self._written_name,
                              class_name=lambda cls: cls._written_name)

    @property
    def data(self) -> tuple:
        return (self._value,)

    @property
    def parameters(self) -> list:
        return [self._value]

    @property
    def wires(self) -> Wires:
        return Wires(self._mwires)

    @property
    def num_wires(self) -> int:
        return len(self._mwires)

    def map_wires(self, wire_map: dict):
        """The same observable on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``).

        >>> Hermitian(np.diag([1.0, -1.0]), wires=1).map_wires({1: "b"})
        Hermitian(array([[ 1.,  0.],
               [ 0., -1.]]), wires=['b'])
        """
        with _no_recording():
            return type(self)(self._value, wires=[wire_map.get(w, w) for w in self._mwires])

    @property
    def hash(self) -> int:
        return hash((self.name, tuple(self._mwires), np.asarray(self._value).tobytes()))

    def __hash__(self):
        return self.hash

    def __repr__(self):
        return f"{self.name}({self._value!r}, wires={list(self._mwires)})"


def _check_hermitian_shape(M, k: int) -> None:
    """PennyLane's checks of a ``Hermitian`` matrix on ``k`` wires, in its words."""
    if k == 0:
        raise MeasurementError("Hermitian: wrong number of wires. At least one wire has to be "
                               "given.")
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise MeasurementError(f"Observable must be a square matrix (Hermitian on {k} wire(s) "
                               f"takes a {2**k}x{2**k} matrix), got shape {M.shape}")
    if M.shape[0] != 2**k:
        raise MeasurementError(f"Expected input matrix to have shape {2**k}x{2**k}, but a matrix "
                               f"with shape {M.shape[0]}x{M.shape[0]} was passed (Hermitian on "
                               f"{k} wire(s))")


TRACED_HERMITIAN_WIRES = 4
"""A ``qml.Hermitian`` whose matrix is computed from a QNode's inputs is measured as its
Pauli sum of traced coefficients on up to this many wires (``4^k`` words, each a sum of
``4^k`` entries)."""


def _traced_entries(A):
    """``A`` as an object array when an entry is a traced value of a circuit's inputs
    (a QNode's trainable matrix, or one computed from its inputs); else None."""
    if isinstance(A, np.ndarray) and A.dtype != object:
        return None
    try:
        arr = np.asarray(A, dtype=object)
    except ValueError:  # ragged: the numeric checks say so
        return None
    if not any(isinstance(e, Traced) for e in arr.flat):
        return None
    return arr


def _traced_hermitian(obs, A, wires) -> bool:
    """Make ``obs`` the ``qml.Hermitian`` of a matrix of traced inputs (True), else False.

    It is measured as its Pauli sum ``sum_P Re tr(P A) / 2^k P``, whose coefficients are
    expressions of the inputs (as a Hamiltonian's trainable coefficients are), so every
    method differentiates it; by an entry ``A_ij`` the derivative of ``<A>`` is
    ``Re(rho_ji)``, autograd's derivative of ``Re(psi^dagger A psi)`` with each entry its
    own real input, as PennyLane's backpropagation gives it. That ``A`` is Hermitian is
    checked on every call's numbers. What needs its eigenbasis (``probs(op=...)``,
    samples) needs its numbers: refused at the trace (:meth:`Hermitian.eigendecomposition`)."""
    arr = _traced_entries(A)
    if arr is None:
        return False
    k = len(wires)
    _check_hermitian_shape(arr, k)
    if k > TRACED_HERMITIAN_WIRES:  # its numbers (a per-call trace), not differentiated
        obs._set_matrix(_traced_numbers(arr, (
            f"qml.Hermitian of the inputs on {k} wires (qsym differentiates one on up to "
            f"{TRACED_HERMITIAN_WIRES}: write it as a qml.Hamiltonian of trainable "
            "coefficients)")), wires)
        return True
    exprs = [sp.sympify(e.expr if isinstance(e, Traced) else e) for e in arr.flat]
    add_check("Hermitian", exprs, functools.partial(_check_traced_hermitian, 2**k))
    coeffs = pauli_coefficients(np.array(exprs, dtype=object).reshape(arr.shape), k)
    terms = {}
    for index, c in enumerate(coeffs):
        c = sp.re(sp.expand(sp.sympify(c)))
        if c == 0:
            continue
        letters = [(index >> (2 * (k - 1 - q))) & 3 for q in range(k)]
        word = tuple(sorted(((w, "IXYZ"[a]) for w, a in zip(wires, letters) if a),
                            key=lambda t: repr(t[0])))
        terms[word] = terms.get(word, 0) + (float(c) if c.is_number else c)
    Observable.__init__(obs, terms)
    obs._matrix, obs._mwires = arr, wires
    obs._value = obs._given = A if isinstance(A, np.ndarray) else arr
    return True


EIGENBASIS = ("qml.Hermitian's eigenbasis (probs(op=...), samples, diagonalizing gates), not "
              "differentiated: measure qml.expval or qml.var of it to differentiate by its "
              "matrix")


def _traced_numbers(M: np.ndarray, what: str = EIGENBASIS) -> np.ndarray:
    """A traced ``Hermitian`` matrix's numbers, for what needs them (its eigenbasis:
    ``probs(op=...)``, samples, its diagonalizing gates): at a per-call trace's numbers
    (noted as ``what``: no derivative by those inputs); traced once, a ``TracingError``
    that makes the QNode trace at every call."""
    looks = known()
    if looks is None:
        syms = set().union(*[e.expr.free_symbols for e in M.flat if isinstance(e, Traced)])
        err = TracingError(f"{what.split(', not')[0]} needs the numbers of the traced "
                           f"input(s) {', '.join(sorted(map(str, syms)))}: the QNode traces "
                           "it at every call")
        err.symbols = frozenset(syms)
        raise err
    return np.asarray(looks.numeric(M, what), dtype=complex)


def _check_traced_hermitian(dim: int, values: np.ndarray) -> None:
    """A traced ``Hermitian`` matrix's numbers at a call: finite and Hermitian."""
    M = values.reshape(dim, dim)
    if not np.all(np.isfinite(M)):
        raise MeasurementError("Hermitian: the matrix has NaN or infinite entries")
    if not np.allclose(M, M.conj().T, atol=1e-10):
        raise MeasurementError("Hermitian: the matrix is not Hermitian (A != A^dagger)")


class Hermitian(_MatrixObservable):
    """A Hermitian matrix as an observable (PennyLane's ``qml.Hermitian``).

    It is measured as its exact decomposition into Pauli words (4^k of them on k wires), so
    expectation values and all gradient methods work on it like on any Pauli sum.

    >>> h = Hermitian([[1, 0], [0, 0]], wires=0)  # |0><0| = (I + Z) / 2
    >>> h.terms, h.name, h.label()
    ({(): 0.5, ((0, 'Z'),): 0.5}, 'Hermitian', '𝓗')
    """

    has_sparse_matrix = True  # (PennyLane's)
    has_diagonalizing_gates = True  # (its eigenvectors' conjugate transpose)

    _written_name = "Hermitian"
    _eigs: dict = {}
    """PennyLane's cache of eigendecompositions: a matrix's entries (a tuple) ->
    ``{"eigval": ..., "eigvec": ...}`` (``numpy.linalg.eigh``), shared by all instances."""

    @property
    def _matrix(self):
        """The matrix as numbers (complex); one of a circuit's traced inputs at this
        call's numbers (:func:`_traced_numbers`: its eigenbasis is taken at them)."""
        M = self.__dict__.get("_matrix_given")
        return _traced_numbers(M) if self.traced else M

    @_matrix.setter
    def _matrix(self, M) -> None:
        self.__dict__["_matrix_given"] = M

    @property
    def traced(self) -> bool:
        """Whether the matrix is computed from a circuit's traced inputs (in a QNode's
        trace: a trainable matrix argument, or one computed from the inputs)."""
        M = self.__dict__.get("_matrix_given")
        return isinstance(M, np.ndarray) and M.dtype == object

    def __init__(self, A, wires, id=None):
        wires = wires_tuple(wires)
        if len(set(wires)) != len(wires):
            raise WireError(f"Hermitian got duplicate wires {list(wires)}")
        self._set_matrix(A, wires)
        self.id = id
        take_over(self)  # PennyLane's queue: made here (a measurement of it takes it off)

    def _set_matrix(self, A, wires) -> None:
        """Check the matrix ``A`` on ``wires`` (PennyLane's checks) and make it this
        observable's: its matrix as given, its Pauli sum (what is measured)."""
        def refuse(why=""):
            return MeasurementError(f"Hermitian takes a square matrix of numbers, got "
                                    f"{str(A)[:60]!r}{why}")

        try:  # text ("x", or "1" that complex() would read) or None is not a matrix
            text = np.asarray(A).dtype.kind in "USV"
        except (TypeError, ValueError):
            text = False  # (a ragged list: refused below)
        if text:
            raise refuse()
        k = len(wires)
        if _traced_hermitian(self, A, wires):
            return
        if isinstance(A, Box):  # (autograd differentiating the matrix where no trace is)
            raise DifferentiationError(
                "Hermitian's matrix is being differentiated (a trainable argument) on a path "
                "that differentiates gate parameters only (diff_method='spsa', a gradient "
                "transform's tapes): pass the matrix with requires_grad=False (or leave it out "
                "of argnum), or use diff_method='parameter-shift', 'adjoint' or 'backprop', "
                "which differentiate an observable's matrix exactly")
        try:
            M = np.asarray(A, dtype=complex)
        except (TypeError, ValueError) as exc:  # (NumPy's reason, PennyLane's error: a
            raise refuse(f" ({exc})") from None  # ragged list's "inhomogeneous shape")
        _check_hermitian_shape(M, k)
        if not np.all(np.isfinite(M)):
            raise MeasurementError("Hermitian: the matrix has NaN or infinite entries")
        if not np.allclose(M, M.conj().T, atol=1e-10):
            raise MeasurementError("Hermitian: the matrix is not Hermitian (A != A^dagger)")
        Observable.__init__(self, matrix_observable_terms(M, wires, "Hermitian"))
        self._matrix, self._mwires = M, wires  # for probs(op=...): its eigenbasis
        # as written (qml.draw's show_matrices); a qsym tensor stays itself (trainable)
        self._value = self._given = A if isinstance(A, np.ndarray) else np.asarray(A)

    @property
    def data(self) -> tuple:
        """PennyLane's ``op.data``: ``(matrix,)``. Assigning ``h.data = [A]`` replaces the
        matrix (checked as at construction); its eigenvalues, Pauli sum and what a
        measurement of it measures follow.

        >>> h = Hermitian(np.diag([1.0, 2.0]), wires=0)
        >>> h.data = [np.diag([5.0, 7.0])]
        >>> h.eigvals(), h.terms
        (array([5., 7.]), {(): 6.0, ((0, 'Z'),): -1.0})
        """
        return (self._value,)

    @data.setter
    def data(self, value):
        if len(value) != 1:
            raise MeasurementError(f"Hermitian.data takes one matrix, got {len(value)} entries")
        self._set_matrix(value[0], self._mwires)

    @staticmethod
    def compute_matrix(A) -> np.ndarray:
        """The matrix itself (PennyLane's ``Hermitian.compute_matrix``)."""
        return np.asarray(A)

    @property
    def eigendecomposition(self) -> dict:
        """``{"eigval": ascending eigenvalues, "eigvec": eigenvectors as columns}``
        (``numpy.linalg.eigh``), computed once per matrix and kept in :attr:`_eigs`.

        >>> Hermitian([[0, 1], [1, 0]], wires=0).eigendecomposition["eigval"]
        array([-1.,  1.])
        """
        given = self._given
        if isinstance(given, np.ndarray) and given.dtype == object:  # traced: its numbers
            given = self._matrix
        key = tuple(np.asarray(given).flatten().tolist())
        if key not in Hermitian._eigs:
            val, vec = np.linalg.eigh(self._matrix)
            Hermitian._eigs[key] = {"eigval": val, "eigvec": vec}
        return Hermitian._eigs[key]

    def eigvals(self) -> np.ndarray:
        """The ascending eigenvalues (from :attr:`eigendecomposition`)."""
        return self.eigendecomposition["eigval"]

    def diagonalizing_gates(self) -> list:
        """``[QubitUnitary(eigvec^dagger)]`` on its wires (PennyLane's), from the cached
        :attr:`eigendecomposition`; made as gates are (in a circuit, applied)."""
        vecs = self.eigendecomposition["eigvec"]
        return Hermitian.compute_diagonalizing_gates(vecs, self._mwires)

    @staticmethod
    def compute_diagonalizing_gates(eigenvectors, wires) -> list:
        """``[QubitUnitary(eigenvectors^dagger, wires)]`` (PennyLane's static method).

        >>> Hermitian.compute_diagonalizing_gates(np.eye(2)[[1, 0]], wires=[0])[0].name
        'QubitUnitary'
        """
        U = np.asarray(eigenvectors).conj().T
        return [GATE_CLASSES["QubitUnitary"](U, wires=list(wires_tuple(wires)))]

    @staticmethod
    def compute_decomposition(A, wires) -> list:
        """``[its Pauli decomposition]`` (a ``LinearCombination`` of Pauli words on every
        wire, PennyLane's ``qml.pauli_decompose(A, wire_order=wires)``), with PennyLane's
        warning above 7 wires.

        >>> Hermitian.compute_decomposition(np.array([[1, 1], [1, -1]]), wires=0)
        [1.0 * X(0) + 1.0 * Z(0)]
        """
        w = wires_tuple(wires)
        M = np.asarray(A)
        _check_hermitian_shape(M, len(w))
        if len(w) > 7:
            warnings.warn("Decomposition may be inefficient for this large of a matrix.",
                          UserWarning, stacklevel=2)
        return [METHODS["pauli_decompose"](M, wire_order=list(w))]

    def decomposition(self) -> list:
        """:meth:`compute_decomposition` of its matrix on its wires."""
        return Hermitian.compute_decomposition(self._given, self._mwires)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: ``"𝓗"``, with a matrix cache ``"𝓗\\n(M0)"``.

        >>> Hermitian([[0, 1], [1, 0]], wires=0).label(cache={"matrices": []})
        '𝓗\\n(M0)'
        """
        return matrix_label(base_label or "𝓗", self._given, cache)


class SparseHamiltonian(_MatrixObservable):
    """PennyLane's ``qml.SparseHamiltonian(H, wires)``: an observable given as a SciPy
    ``csr_matrix`` (``2**k x 2**k`` on ``k`` wires). qsym keeps the sparse matrix as given
    (``sparse_matrix()`` returns it, in any SciPy format) and measures it as its exact Pauli
    decomposition, as :class:`Hermitian` (made when first measured on more than 8 wires);
    scipy is needed only to make the
    matrix (qsym does not depend on it). A non-Hermitian matrix is accepted, as PennyLane
    does, and refused when measured (``MeasurementError``).

    >>> from scipy.sparse import csr_matrix   # doctest: +SKIP
    >>> SparseHamiltonian(csr_matrix(np.diag([1.0, -1.0])), wires=0).terms   # doctest: +SKIP
    {((0, 'Z'),): 1.0}
    """

    _written_name = "SparseHamiltonian"
    has_sparse_matrix = True

    def __init__(self, H, wires, id=None):
        if getattr(H, "format", None) != "csr" or not hasattr(H, "toarray"):
            raise ArgumentError(
                f"Observable must be a scipy sparse csr_matrix; got {type(H).__name__} "
                "(make one with scipy.sparse.csr_matrix(M), or use qml.Hermitian(M, wires))")
        wires = wires_tuple(wires)
        k = len(wires)
        if tuple(H.shape) != (2**k, 2**k):
            raise MeasurementError(
                f"Sparse Matrix must be of shape ({2**k}, {2**k}). Got {tuple(H.shape)}.")
        if len(set(wires)) != k:
            raise WireError(f"SparseHamiltonian got duplicate wires {list(wires)}")
        self._mwires, self._value, self.id = wires, H, id
        if k > 8:  # kept as the sparse matrix (its eigenvalues, matrices, drawing): no
            self._matrix = None  # Pauli decomposition of 4^k words (refused when measured)
            return
        M = np.asarray(H.toarray(), dtype=complex)
        Observable.__init__(self, pauli_decomposition(M, wires).terms)
        self._matrix = M

    @property
    def terms(self):
        """Its Pauli decomposition (what qsym measures); on more than 8 wires made when
        first read, as :class:`Hermitian`'s (:func:`matrix_observable_terms`: up to
        :data:`MATRIX_WIRES` wires and :data:`MATRIX_WORDS` words, else a
        ``MeasurementError``)."""
        terms = self.__dict__.get("_pauli_terms")
        if terms is None:
            if len(self._mwires) > MATRIX_WIRES:
                raise MeasurementError(
                    f"SparseHamiltonian on {len(self._mwires)} wires: qsym measures it as its "
                    f"Pauli decomposition (4^k words), made up to {MATRIX_WIRES} wires; write "
                    "it as a Pauli sum (qml.eigvals, sparse_matrix() and matrix() of it work)")
            M = np.asarray(self._value.toarray(), dtype=complex)
            Observable.__init__(self, matrix_observable_terms(M, self._mwires,
                                                              "SparseHamiltonian"))
            terms = self.__dict__["_pauli_terms"]
        return terms

    @terms.setter
    def terms(self, value):
        self.__dict__["_pauli_terms"] = value

    @staticmethod
    def compute_matrix(H) -> np.ndarray:
        """The dense matrix of ``H`` (PennyLane's ``SparseHamiltonian.compute_matrix``)."""
        return np.asarray(H.toarray())

    @staticmethod
    def compute_sparse_matrix(H, format="csr"):  # noqa: A002
        """``H`` in the SciPy sparse ``format`` (PennyLane's ``compute_sparse_matrix``)."""
        return H.asformat(format)

    def matrix(self, wire_order=None) -> np.ndarray:
        """The dense matrix on ``wire_order`` (default: its wires)."""
        if wire_order is None or order_list(wire_order) == list(self._mwires):
            return np.asarray(self._value.toarray())
        return Observable.matrix(self, wire_order=wire_order)

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """The matrix as given (a SciPy sparse matrix, converted to ``format``), or on
        ``wire_order``."""
        if wire_order is None or order_list(wire_order) == list(self._mwires):
            return self._value.asformat(format)
        return sparse_of(self.matrix(wire_order=wire_order), format)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label, ``"𝓗"``."""
        return base_label or "𝓗"

    def __mul__(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"Scalar value must be an int or float. Got {type(value)}")
        return SparseHamiltonian(self._value * value, wires=self._mwires)

    __rmul__ = __mul__

    @property
    def hash(self) -> int:
        H = self._value
        return hash((self.name, tuple(self._mwires), H.data.tobytes(), H.indices.tobytes(),
                     H.indptr.tobytes()))

    def __hash__(self):
        return self.hash


class Projector(_MatrixObservable):
    """The projector on a basis state (a list of 0/1, one per wire) or on a state vector
    (2^k amplitudes), as PennyLane's ``qml.Projector`` (a ``BasisStateProjector`` or a
    ``StateVectorProjector``).

    >>> p = Projector([1], wires=0)  # |1><1| = (I - Z) / 2
    >>> p.terms, p.label(), type(p).__name__
    ({(): 0.5, ((0, 'Z'),): -0.5}, '|1⟩⟨1|', 'BasisStateProjector')
    """

    # (PennyLane's Projector makes a BasisStateProjector or a StateVectorProjector: the
    # class itself has no matrix)
    has_matrix = has_sparse_matrix = False
    has_diagonalizing_gates = True  # (PennyLane's: a basis-state projector needs none)

    _written_name = "Projector"

    def __new__(cls, state=None, wires=None, id=None):
        if cls is Projector and state is not None:  # PennyLane's rule: one number per wire
            k, shape = len(wires_tuple(wires)), np.shape(state)
            if len(shape) != 1:
                raise MeasurementError(f"Input state must be one-dimensional; got shape {shape}.")
            if shape[0] not in (k, 2**k):
                raise MeasurementError(
                    "Input state should have the same length as the wires in the case of a basis "
                    f"state, or 2**len(wires) in case of a state vector. The lengths for the input "
                    f"state and wires are {shape[0]} and {k}, respectively.")
            cls = BasisStateProjector if shape[0] == k else StateVectorProjector
        return object.__new__(cls)

    def __getnewargs__(self):  # pickling: the class is chosen again from the state
        return (self._value, self._mwires)

    def pow(self, z) -> list:
        """PennyLane's power of a projector: itself for a positive integer ``z`` (it is
        idempotent), nothing for ``z = 0``.

        >>> Projector([1], wires=0).pow(3)
        [Projector(array([1]), wires=[0])]
        """
        if isinstance(z, (int, np.integer)) and not isinstance(z, bool) and z >= 0:
            with not_recording():  # a copy (PennyLane's): nothing queued
                return [type(self)(self._value, wires=self._mwires)] if z else []
        raise PowUndefinedError(f"Projector ** {z} is not defined (PennyLane's "
                                "PowUndefinedError): a projector has non-negative integer powers")

    def map_wires(self, wire_map: dict):
        """The same projector on the wires ``wire_map`` gives (a copy: nothing queued)."""
        with not_recording():
            return type(self)(self._value, wires=[wire_map.get(w, w) for w in self._mwires])

    def __init__(self, state, wires, id=None):
        wires = wires_tuple(wires)
        v = np.asarray(state)
        k = len(wires)
        if len(set(wires)) != k:
            raise WireError(f"Projector got duplicate wires {list(wires)}")
        if isinstance(self, BasisStateProjector):
            _check_basis_state(v)
            obs = Observable({(): 1})
            for w, b in zip(wires, v.tolist()):
                sign = 1 if b == 0 else -1
                obs = merge_matmul(obs, Observable({(): 0.5, ((w, "Z"),): 0.5 * sign}))
            Observable.__init__(self, obs.terms)
        elif v.shape == (2**k,):
            vc = v.astype(complex)
            norm = np.linalg.norm(vc)
            if not np.isclose(norm, 1.0, atol=1e-10):
                raise MeasurementError(f"Projector: the state vector has norm {norm}, not 1")
            M = np.outer(vc, vc.conj()) if k <= MATRIX_WIRES else None
            Observable.__init__(self, matrix_observable_terms(M, wires, "Projector"))
            self._matrix = self._given = M  # for probs(op=...): its eigenbasis
        else:
            raise MeasurementError(
                f"Projector on {k} wire(s) takes a basis state of {k} bits or a state vector "
                f"of {2**k} amplitudes, got shape {v.shape}"
            )
        self._mwires, self._value, self.id = wires, v, id
        take_over(self)  # PennyLane's queue: made here (a measurement of it takes it off)


def _householder(state_vector) -> np.ndarray:
    """``2 v v^dagger - 1`` with ``v`` the unit vector along ``psi' + |0>``, ``psi'`` the state
    with ``<0|psi'>`` real and >= 0: Hermitian and unitary, it exchanges ``|0>`` and ``psi'``."""
    psi = np.asarray(state_vector, dtype=complex)
    psi = psi * np.exp(-1j * np.angle(psi[0]))
    v = psi.copy()
    v[0] += 1.0
    v /= np.linalg.norm(v)
    return 2 * np.outer(v, v.conj()) - np.eye(len(v))


def _check_basis_state(v) -> None:
    if not set(np.unique(np.asarray(v)).tolist()) <= {0, 1}:
        raise MeasurementError(f"Basis state must only consist of 0s and 1s; got "
                               f"{np.asarray(v).tolist()}")


class BasisStateProjector(Projector):
    """``qml.Projector`` on a computational basis state (PennyLane's class of that name).

    >>> p = BasisStateProjector([1, 0], wires=[0, 1])
    >>> p.has_sparse_matrix, p.sparse_matrix(wire_order=[1, 0]).toarray().real.diagonal()
    (True, array([0., 1., 0., 0.]))
    """

    has_matrix = has_sparse_matrix = True

    @staticmethod
    def compute_matrix(basis_state) -> np.ndarray:
        """``|s><s|`` as a dense matrix.

        >>> BasisStateProjector.compute_matrix([1]).real
        array([[0., 0.],
               [0., 1.]])
        """
        _check_basis_state(basis_state)
        bits = [int(b) for b in np.ravel(basis_state)]
        m = np.zeros((2 ** len(bits),) * 2)
        k = int("".join(map(str, bits)), 2) if bits else 0
        m[k, k] = 1.0
        return m

    @staticmethod
    def compute_sparse_matrix(basis_state, format="csr"):  # noqa: A002
        """``|s><s|`` as a SciPy sparse matrix in ``format`` (scipy needed)."""
        return sparse_of(BasisStateProjector.compute_matrix(basis_state), format)

    @staticmethod
    def compute_eigvals(basis_state) -> np.ndarray:
        """The diagonal of ``|s><s|``: 1 at the basis state's index, 0 elsewhere
        (PennyLane's ``BasisStateProjector.compute_eigvals``).

        >>> BasisStateProjector.compute_eigvals([0, 1])
        array([0., 1., 0., 0.])
        """
        return np.diagonal(BasisStateProjector.compute_matrix(basis_state)).copy()

    @staticmethod
    def compute_diagonalizing_gates(basis_state, wires) -> list:
        """None: it is diagonal in the computational basis.

        >>> BasisStateProjector.compute_diagonalizing_gates([0], wires=[0])
        []
        """
        return []

    def diagonalizing_gates(self) -> list:
        """None (PennyLane's: diagonal in the computational basis)."""
        return []

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``"|101⟩⟨101|"`` (PennyLane's label)."""
        if base_label is not None:
            return base_label
        bits = "".join(str(int(b)) for b in np.asarray(self._value).tolist())
        return f"|{bits}⟩⟨{bits}|"


class StateVectorProjector(Projector):
    """``qml.Projector`` on a state vector (PennyLane's class of that name)."""

    has_matrix = True

    @staticmethod
    def compute_matrix(state_vector) -> np.ndarray:
        """``|psi><psi|``.

        >>> StateVectorProjector.compute_matrix([0, 1j]).real
        array([[0., 0.],
               [0., 1.]])
        """
        v = np.asarray(state_vector, dtype=complex)
        return np.outer(v, v.conj())

    @staticmethod
    def compute_eigvals(state_vector) -> np.ndarray:
        """``[1, 0, ..., 0]``: the order of :meth:`compute_diagonalizing_gates` (PennyLane's)."""
        w = np.zeros(np.shape(state_vector))
        w[0] = 1.0
        return w

    def eigvals(self) -> np.ndarray:
        """``[1, 0, ..., 0]`` (outcome 0 after the diagonalizing gate is the state)."""
        return StateVectorProjector.compute_eigvals(self._value)

    @staticmethod
    def compute_diagonalizing_gates(state_vector, wires) -> list:
        """``[QubitUnitary(u)]``, ``u`` the Householder reflection exchanging ``|0>`` and the
        state (its phase taken off): ``u^dagger |psi><psi| u = |0><0|`` (PennyLane's).

        >>> g = StateVectorProjector.compute_diagonalizing_gates([0, 1], wires=[0])[0]
        >>> np.round(g.matrix().real, 12) + 0.0
        array([[0., 1.],
               [1., 0.]])
        """
        U = _householder(state_vector)
        return [GATE_CLASSES["QubitUnitary"](U, wires=list(wires_tuple(wires)))]

    def diagonalizing_gates(self) -> list:
        """:meth:`compute_diagonalizing_gates` of its state on its wires."""
        return StateVectorProjector.compute_diagonalizing_gates(self._value, self._mwires)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``"P"``, with a matrix cache ``"P(M0)"`` (appended, as PennyLane's label does); a
        basis state written as a vector: ``"|01⟩⟨01|"``."""
        if base_label is not None:
            return base_label
        nonzero = np.flatnonzero(self._value)
        if len(nonzero) == 1:
            bits = format(int(nonzero[0]), f"0{len(self._mwires)}b")
            return f"|{bits}⟩⟨{bits}|"
        mats = cache.get("matrices") if isinstance(cache, dict) else None
        if not isinstance(mats, list):
            return "P"
        mats.append(self._value)
        return f"P(M{len(mats) - 1})"


def observable_label(op) -> str:
    """PennyLane's name of an observable in ``qml.specs`` measurement labels: the class
    name (``PauliZ``, ``Hermitian``, ``Identity``), ``Prod``, ``Sum`` and ``Hamiltonian``
    with their wires and operands, a scalar product as its base.

    >>> observable_label(PauliZ(0) @ PauliX(1)), observable_label(2.0 * PauliY(3))
    ('Prod(num_wires=2, num_terms=2)', 'PauliY')
    """
    name = getattr(op, "_written_name", None)
    if name is not None:
        return name
    if hasattr(op, "_matrix"):
        return "Hermitian"
    if type(op).__name__ == "Observable":  # a Pauli sum made by qsym: as PennyLane's sum
        terms = getattr(op, "terms", {})
        if len(terms) == 1:
            (word,) = terms
            if len(word) == 1:
                return {"X": "PauliX", "Y": "PauliY", "Z": "PauliZ"}[word[0][1]]
            if not word:
                return "Identity"
        return f"Hamiltonian(num_wires={len(op.wires)}, num_terms={len(terms)})"
    name = getattr(op, "name", type(op).__name__)
    if name in ("Hamiltonian", "LinearCombination", "Sum", "Prod"):
        name = "Hamiltonian" if name == "LinearCombination" else name
        return f"{name}(num_wires={len(op.wires)}, num_terms={len(op.operands)})"
    if name == "SProd":
        return observable_label(op.base)
    if name == "Exp":
        return f"Exp({observable_label(op.base)})"
    return name


# --- measurements ----------------------------------------------------------------------
# statistics of mid-circuit measurement values (qml.expval(m), qml.probs(op=[m0, m1])):
# qsym._mcm registers "init", the function that makes a measurement process one of them
MID_MEASURE: dict = {}


def is_measurement_value(obj) -> bool:
    """Whether ``obj`` is a mid-circuit measurement value (or a non-empty list of them):
    what the measurement functions hand to :data:`MID_MEASURE` (``qsym._mcm``).

    >>> is_measurement_value(PauliZ(0))
    False
    """
    if isinstance(obj, (list, tuple)) and obj:
        return all(getattr(o, "is_measurement_value", False) for o in obj)
    return getattr(obj, "is_measurement_value", False) is True


def _of_values(kind, obs, **options):
    """A statistic of measurement values, or None when ``obs`` is not one (a list that mixes
    them with operators: PennyLane's ``QuantumFunctionError``)."""
    if not is_measurement_value(obs):
        if isinstance(obs, (list, tuple)) and any(is_measurement_value(o) for o in obs):
            which = "single" if kind == "sample" else "unprocessed"  # PennyLane's texts
            raise QuantumFunctionError(
                f"Only sequences of {which} MeasurementValues can be passed with the op "
                "argument. MeasurementValues manipulated using arithmetic operators cannot be "
                "used when collecting statistics for a sequence of mid-circuit measurements. "
                f"(got {list(obs)!r}: measure the operators separately)")
        return None
    mp = object.__new__(MP_CLASSES[kind])
    MID_MEASURE["init"](mp, kind, obs, **options)
    return mp


class MeasurementProcess(Measured):
    """What a circuit returns: ``kind`` ``"expval"`` or ``"var"`` of an
    :class:`Observable`, or ``"probs"`` on ``wires`` (None: every wire of the device).

    >>> import qsym as qml
    >>> m = qml.expval(qml.PauliZ(0))
    >>> isinstance(m, qml.MeasurementProcess), m.kind
    (True, 'expval')
    >>> qml.probs(wires=[0, 1])
    probs(wires=[0, 1])
    """

    def __new__(cls, *args, **kwargs):
        # MeasurementProcess("expval", ...) makes PennyLane's class of that kind
        if cls is MeasurementProcess and args and isinstance(args[0], str):
            cls = MP_CLASSES.get(args[0], cls)
        return object.__new__(cls)

    reduce: tuple = ()  # a quantity of the state (density_matrix, vn_entropy, ...)
    _eigvals = None  # PennyLane's eigvals= (ExpectationMP(eigvals=[...], wires=...))
    _wires = None  # the wires as given (None: every wire, or the observable's); see wires

    _kind = ""  # PennyLane's class of a kind (ExpectationMP, ...); "": a class of the user's own

    def __init__(self, *args, **kwargs):
        if not args or not isinstance(args[0], str):  # PennyLane's (obs, wires, eigvals, id)
            _PLMeasurement.__init__(self, *args, **kwargs)  # (a class of the user's own)
            return
        self._init_kind(*args, **kwargs)

    def eigvals(self):
        """PennyLane's ``mp.eigvals()``: the eigenvalues given, else the observable's (in
        the computational basis after its diagonalizing gates), else None.

        >>> import qsym as qml
        >>> qml.measurements.MeasurementProcess(obs=qml.X(1)).eigvals()
        array([ 1., -1.])
        """
        return _PLMeasurement.eigvals(self)

    def _init_kind(self, kind: str, obs: Observable | None = None, wires=None, diag=()):
        """A measurement of ``kind`` (qsym's own signature), recorded on the active tape."""
        self.kind = kind
        self.measured_obs = obs
        tape = active_tape()
        if tape is not None and obs is not None:
            tape.measured(getattr(obs, "_gates", ()))
        if tape is not None and hasattr(tape, "add_measurement"):  # a QuantumTape records it
            tape.add_measurement(self)
            take_over(self, (obs,) if obs is not None else ())  # its observable leaves the queue
        if tape is not None and hasattr(tape, "made"):  # a traced circuit: their order
            tape.made.append(self)
        self.wires = wires
        # gates rotating an observable's eigenbasis to the computational one
        # (probs(op=...)); applied after the circuit's gates, to its wires only
        self.diag = tuple(diag)

    @property
    def wires(self) -> Wires:
        """The wires measured, as PennyLane's ``mp.wires``: the wires given, else the
        observable's (as written), else ``Wires([])`` (every wire of the device; the
        wires as given, None for every wire, are :attr:`raw_wires`).

        >>> import qsym as qml
        >>> qml.probs(wires=[1, 0]).wires, qml.expval(qml.Z(0) @ qml.Z(2)).wires, qml.state().wires
        (Wires([1, 0]), Wires([0, 2]), Wires([]))
        """
        raw = self._wires
        if raw is not None:
            return Wires(raw)
        written = self.written_obs
        own = getattr(written, "wires", None) if written is not None else None
        return Wires(own) if own is not None else Wires(())

    @wires.setter
    def wires(self, value):
        self._wires = value

    @property
    def raw_wires(self):
        """The wires as given (PennyLane's ``mp.raw_wires``): None for a measurement of
        every wire of the device, or of an observable.

        >>> import qsym as qml
        >>> qml.probs(wires=[0]).raw_wires, qml.probs().raw_wires is None
        (Wires([0]), True)
        """
        return None if self._wires is None else Wires(self._wires)

    def diagonalizing_gates(self) -> list:
        """PennyLane's ``mp.diagonalizing_gates()``: the gates rotating what is measured to
        the computational basis (the observable's, as written; ``probs(op=...)``'s basis
        change; none for computational-basis measurements).

        >>> expval(PauliX(0)).diagonalizing_gates(), probs(wires=[0]).diagonalizing_gates()
        ([H(0)], [])
        """
        if self.measured_obs is None:
            return list(self.diag)
        with _no_recording():
            return list(self.written_obs.diagonalizing_gates())

    @property
    def written_obs(self):
        """The observable as the user wrote it (``qml.expval(qml.Z(0))``: ``Z(0)``;
        ``.measured_obs`` holds qsym's measured form), or None.

        >>> expval(PauliZ(0)).written_obs
        Z(0)
        """
        written = getattr(self, "_written", None)
        return self.measured_obs if written is None else written

    #: qsym's measured form of the observable (a Pauli sum :class:`Observable`, a matrix
    #: observable, ...), what qsym's stages read; None for a computational-basis measurement
    measured_obs = None
    _written = None  # the observable (or measurement value) as the user wrote it

    @property
    def obs(self):
        """The operator measured, as the user passed it (PennyLane's ``mp.obs``:
        ``qml.expval(qml.X(0)).obs`` is ``X(0)``), or None for a measurement of wires, of
        eigenvalues or of mid-circuit measurement values (those are :attr:`mv`). qsym's own
        form, which its stages measure, is :attr:`measured_obs`.

        >>> import qsym as qml
        >>> m = qml.expval(qml.X(0) @ qml.Z(1))
        >>> m.obs, type(m.obs).__name__, m.obs == qml.X(0) @ qml.Z(1)
        (X(0) @ Z(1), 'Prod', True)
        >>> qml.probs(wires=[0]).obs is None, qml.probs(op=qml.Y(2)).obs
        (True, Y(2))
        """
        written = self._written
        if written is not None and not is_measurement_value(written):
            return written
        if written is None and self.measured_obs is None:
            return getattr(self, "op", None)  # probs(op=...): PennyLane's obs is the operator
        return self.measured_obs

    @obs.setter
    def obs(self, value):
        # PennyLane's plain attribute (mp.obs = op): the operator as written and qsym's form
        self._written = value
        if value is None or isinstance(value, Observable) or is_measurement_value(value):
            self.measured_obs = value
        else:
            with _no_recording():
                self.measured_obs = as_observable(value)

    @property
    def sampling(self) -> tuple:
        """How PennyLane samples this measurement's observable (:func:`sampling_form` of
        the observable as written; ``()`` without one)."""
        if self.measured_obs is None:
            return ()
        written = getattr(self, "_written", None)
        written = self.measured_obs if written is None else written
        if not isinstance(written, (Observable, Operation)):  # mid-circuit measurement values
            return ("values",)
        return sampling_form(written)

    @property
    def numeric_type(self) -> type:
        """The Python type of the result's entries (PennyLane's ``numeric_type``):
        ``float`` for expval, var, probs and samples of an observable, ``int`` for
        computational-basis samples and counts, ``complex`` for the state.

        >>> expval(PauliZ(0)).numeric_type, sample(wires=0).numeric_type
        (<class 'float'>, <class 'int'>)
        """
        if not self.kind:  # a class of the user's own defines it (PennyLane's error)
            raise MeasurementError(
                f"The numeric type of the measurement {type(self).__name__} is not defined.")
        if self.kind == "state":
            return float if self.reduce[:1] not in ((), ("density_matrix",)) else complex
        if self.kind == "counts" or (self.kind == "sample" and self.measured_obs is None):
            return int
        return float

    def shape(self, shots=None, num_device_wires: int = 0) -> tuple:
        """The result's shape for ``shots`` (an int or None) on a device of
        ``num_device_wires`` wires (PennyLane's ``MeasurementProcess.shape``).

        >>> probs(wires=[0, 1]).shape(None, 3), probs().shape(None, 3), expval(PauliZ(0)).shape()
        ((4,), (8,), ())
        >>> sample(wires=[0, 1]).shape(10, 3), sample(PauliZ(0)).shape(10)
        ((10, 2), (10,))
        """
        if not self.kind:  # a class of the user's own defines it (PennyLane's error)
            raise MeasurementError(
                f"The shape of the measurement {type(self).__name__} is not defined")
        n_wires = len(self.wires) if self.wires else num_device_wires
        if isinstance(getattr(self, "mv", None), (list, tuple)):
            n_wires = len(self.mv)  # probs(op=[m0, m1]): a bit per value (two of one wire too)
        if self.reduce:
            return (2**n_wires, 2**n_wires) if self.reduce[0] == "density_matrix" else ()
        if self.kind in ("expval", "var"):
            return ()
        if self.kind in ("probs", "state"):
            return (2 ** (n_wires if self.kind == "probs" else num_device_wires),)
        if self.kind == "sample":
            if not shots:
                raise MeasurementShapeError(
                    "Shots are required to obtain the shape of the measurement SampleMP.")
            return (shots,) if self.measured_obs is not None else (shots, n_wires)
        raise MeasurementError(f"The shape of the measurement {type(self).__name__} is not "
                               f"defined ({self.kind}: a dict of outcomes)")

    @property
    def resource_label(self) -> tuple:
        """The parts of PennyLane's label of this measurement in ``qml.specs`` and
        ``qml.Tracker`` resources (:func:`qsym.resource.measurement_label`): ``(name,
        observable label or "", number of wires given (0: none, i.e. all), number of
        basis-change gates it appends, the observable's wires as written)``.

        >>> import qsym as qml
        >>> qml.expval(qml.Z(0) @ qml.Identity(2)).resource_label
        ('expval', 'Prod(num_wires=2, num_terms=2)', 0, 0, (0, 2))
        >>> qml.probs(wires=[1]).resource_label, qml.probs(op=qml.X(0)).resource_label
        (('probs', '', 1, 0, ()), ('probs', 'PauliX', 0, 1, (0,)))
        """
        # (a class of the user's own, no kind: PennyLane's _shortname, else its class name)
        name = self.kind or getattr(self, "_shortname", None) or type(self).__name__
        if self.kind == "state" and self.reduce:
            name = {"vn_entropy": "vnentropy", "density_matrix": "state",
                    "mutual_info": "mutualinfo"}.get(self.reduce[0], self.reduce[0])
        elif self.kind == "counts" and getattr(self, "all_outcomes", False):
            name = "allcounts"
        written = getattr(self, "_written", None)
        if written is None:
            written = getattr(self, "op", None)
        if written is None and self.measured_obs is not None:
            written = self.measured_obs
        if written is not None:
            wires = tuple(getattr(written, "_mwires", None)  # a Hermitian's matrix wires
                          or getattr(written, "wires", None) or getattr(self.measured_obs, "wires", ()))
            return (name, observable_label(written), 0, len(self.diag), wires)
        return (name, "", len(self.wires or ()), 0, ())

    def __eq__(self, other):
        # PennyLane's: measurements are equal by kind, observable and wires (qml.equal)
        if not isinstance(other, MeasurementProcess):
            return NotImplemented
        mine, theirs = getattr(self, "mv", None), getattr(other, "mv", None)
        if mine is not None or theirs is not None:  # statistics of measurement values
            return self is other or (type(self) is type(other) and _same_values(mine, theirs))
        return self is other or equal(self, other)

    @property
    def hash(self) -> int:
        """An integer that tells measurements apart (PennyLane's ``mp.hash``): from the
        class, the observable, the measurement values, the given eigenvalues and the
        wires; equal measurements have equal hashes.

        >>> expval(PauliZ(0)).hash == expval(PauliZ(0)).hash != expval(PauliZ(1)).hash
        True
        """
        return hash((type(self).__name__, self._structure_hash(), str(self._eigvals),
                     getattr(self, "all_outcomes", None), self.reduce))

    def _flatten(self):
        """PennyLane's ``(data, metadata)``: the observable (or measurement values) and
        the given eigenvalues; the wires and options, hashable (``_unflatten`` remakes it)."""
        mv = getattr(self, "mv", None)
        written = getattr(self, "_written", None)
        obs = mv if mv is not None else (written if written is not None else self.measured_obs)
        if self.reduce[:1] == ("mutual_info",):
            meta = [("wires", (tuple(self.reduce[1]), tuple(self.reduce[2]))),
                    ("log_base", self.reduce[3])]
        else:
            meta = [] if obs is not None else [("wires", None if self.raw_wires is None
                                                else tuple(self.raw_wires))]
            if self.reduce[:1] == ("vn_entropy",):
                meta.append(("log_base", self.reduce[2]))
        if self.kind == "counts":
            meta.append(("all_outcomes", getattr(self, "all_outcomes", False)))
        return (obs, self._eigvals), tuple(meta)

    @classmethod
    def _unflatten(cls, data, metadata):
        """The measurement :meth:`_flatten` took apart (PennyLane's)."""
        kwargs = dict(metadata)
        if data[0] is not None:
            return cls(obs=data[0], **kwargs)
        if data[1] is not None:
            return cls(eigvals=data[1], **kwargs)
        return cls(**kwargs)

    def __copy__(self):
        """A new measurement of the same kind, the observable copied (PennyLane's)."""
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        if self.measured_obs is not None:
            new.measured_obs = copy.copy(self.measured_obs)
        written = getattr(self, "_written", None)
        if written is not None:
            new._written = copy.copy(written)
        return new

    def map_wires(self, wire_map: dict) -> "MeasurementProcess":
        """The same measurement on the wires ``wire_map`` gives (PennyLane's
        ``mp.map_wires``; wires it does not name stay), not recorded on any tape.

        >>> import qsym as qml
        >>> qml.probs(wires=[0, 1]).map_wires({1: "b"}), qml.expval(qml.Z(0)).map_wires({0: 2})
        (probs(wires=[0, 'b']), expval(Z(2)))
        """
        (obs, eigvals), meta = self._flatten()
        meta = dict(meta)
        op = getattr(self, "op", None)
        with _no_recording():
            if obs is None and op is not None:  # probs(op=...)
                return probs(op=_map_observable_wires(op, wire_map))
            if obs is not None:
                obs = _map_observable_wires(obs, wire_map)
            wires = meta.get("wires")
            if wires is not None and self.reduce[:1] == ("mutual_info",):
                meta["wires"] = tuple(tuple(wire_map.get(w, w) for w in part) for part in wires)
            elif wires is not None:
                meta["wires"] = tuple(wire_map.get(w, w) for w in wires)
            return type(self)._unflatten((obs, eigvals), tuple(meta.items()))

    def __hash__(self):  # PennyLane's: hash(mp) is mp.hash
        return self.hash

    def _structure_hash(self) -> int:
        """The hash of the kind, wires and observable's words (or measurement values)."""
        if getattr(self, "mv", None) is not None:
            return hash((self.kind, repr(self.mv)))
        obs = self.measured_obs
        terms = None if obs is None else tuple(sorted(map(repr, obs.terms)))
        return hash((self.kind, self.wires, terms))

    def __repr__(self):  # PennyLane's forms: expval(Z(0)), probs(wires=[0, 1]), ...
        mv = getattr(self, "mv", None)
        counts = self.kind == "counts"
        if self.kind == "state" and self.reduce:
            if self.reduce[:1] == ("mutual_info",):  # PennyLane's reprs
                return (f"MutualInfo(wires0={list(self.reduce[1])}, wires1={list(self.reduce[2])}, "
                        f"log_base={self.reduce[3]})")
            name = {"vn_entropy": "vnentropy", "density_matrix": "state"}.get(
                self.reduce[0], self.reduce[0])
            return f"{name}(wires={list(self.wires)})"
        written = getattr(self, "_written", None)
        written = getattr(self, "op", None) if written is None else written
        written = self.measured_obs if written is None else written
        if mv is not None:
            inner = repr(mv)
        elif written is not None:
            inner = repr(written)
        elif self._eigvals is not None:
            inner = f"eigvals={self._eigvals}, wires={list(self.wires or ())}"
        else:
            inner = f"wires={list(self.wires or ())}"
        if counts:
            return f"CountsMP({inner}, all_outcomes={getattr(self, 'all_outcomes', False)})"
        if not self.kind:  # a class of the user's own: PennyLane's name, its _shortname
            plain = mv is None and written is None and self._eigvals is None
            name = getattr(self, "_shortname", None) or ("None" if plain else type(self).__name__)
            return f"{name}({inner})"
        return f"{self.kind}({inner})"

    @property
    def samples_computational_basis(self) -> bool:
        """Whether this measures in the computational basis (no observable, not a
        classical shadow, which samples random Pauli bases; PennyLane's).

        >>> counts(wires=0).samples_computational_basis, sample(PauliX(0)).samples_computational_basis
        (True, False)
        """
        return self.measured_obs is None and getattr(self, "shadow", None) is None


def _map_observable_wires(obs, wire_map: dict):
    """``obs`` (an operator, a measurement value, a list of them or a plain Pauli-sum
    :class:`Observable`) on the wires ``wire_map`` gives."""
    if isinstance(obs, list):  # measurement values (qml.sample(op=[m0, m1]))
        return [_map_observable_wires(o, wire_map) for o in obs]
    if hasattr(obs, "map_wires"):
        return obs.map_wires(wire_map)
    if isinstance(obs, Observable):
        return Observable({tuple((wire_map.get(w, w), p) for w, p in word): c
                           for word, c in obs.terms.items()})
    return obs


def _same_values(a, b) -> bool:
    """Whether two measurement values (or lists of them) have the same measurements and
    the same value on every outcome."""
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(map(_same_values, a, b)))
    if a is None or b is None:
        return False
    return a.measurements == b.measurements and all(
        bool(np.all(x == y)) for x, y in zip(a.branches.values(), b.branches.values()))


def _term_coefficient(c):
    """A Pauli term's coefficient as an eigenvalue factor: a real number, complex only where
    it is (``1j * Z(0)`` has complex eigenvalues, as in PennyLane); autograd's value as it
    is (``qml.grad`` by a Hamiltonian's coefficients through ``qml.devices.qubit.measure``).

    >>> _term_coefficient(2), _term_coefficient(1j)
    (2.0, 1j)
    """
    if isinstance(c, Box):
        return c
    c = complex(c)
    return c.real if c.imag == 0 else c


def _basis_eigvals(obs):
    """``(wires, eigenvalues)``: the observable's eigenvalue for each computational basis
    state of its wires after its diagonalizing gates (PennyLane's ``eigvals`` order: a
    Pauli word's product of signs, a Hermitian's ascending eigenvalues); autograd's values
    where a coefficient is one."""
    matrix = getattr(obs, "_matrix", None)
    if matrix is not None:
        return tuple(obs._mwires), np.linalg.eigvalsh(matrix)
    wires = tuple(obs.wires)
    k = len(wires)
    bits = (np.arange(2**k)[:, None] >> np.arange(k - 1, -1, -1)[None, :]) & 1
    if len(obs.terms) == 1:
        (word, c), = obs.terms.items()
        on = [wires.index(w) for w, _ in word]
        return wires, _term_coefficient(c) * np.prod(1 - 2 * bits[:, on], axis=1)
    if all(p == "Z" for word in obs.terms for _, p in word):
        return wires, np.real(np.diag(obs.matrix(wire_order=list(wires))))
    letters: dict = {}
    if all(letters.setdefault(w, p) == p for word in obs.terms for w, p in word):
        # qubit-wise commuting words (X(0) + Y(1)): after the diagonalizing gates every
        # letter reads as Z, each word's value the product of its wires' signs
        values = sum(_term_coefficient(c) * np.prod(
            1 - 2 * bits[:, [wires.index(w) for w, _ in word]], axis=1) for word, c in obs.terms.items())
        if isinstance(values, Box):
            return wires, values
        return wires, (values.real if not np.any(np.imag(values)) else values)
    raise MeasurementError(
        f"{obs!r} is a sum of non-commuting terms: it has no eigenvalues per sample "
        "(measure each term, or process a state)")


def _sample_index(samples, wire_order, wires):
    cols = [order_list(wire_order).index(w) for w in wires]
    sub = np.asarray(samples)[..., cols].astype(int)
    return sub @ (1 << np.arange(len(cols) - 1, -1, -1)) if cols else np.zeros(len(sub), int)


def _state_on(psi, order: list, wires):
    """PennyLane's ``StateMP.process_state``: the state on ``order`` as a complex array,
    its wires put in the order ``wires`` asks (None or the same: as given); wires of
    ``wires`` not in ``order`` are added in ``|0>``; a wire of ``order`` not in ``wires``
    cannot be traced out (``WireError``)."""
    cast = np.complex64 if psi.dtype in (np.float32, np.complex64) else np.complex128
    if not wires or list(wires) == order:
        return psi.astype(np.result_type(psi.dtype, cast))
    bad = [w for w in order if w not in wires]
    if bad:
        raise WireError(f"State wire order has wires {bad} not present in measurement with "
                        f"wires {list(wires)}. StateMP.process_state cannot trace out wires.")
    n = len(order)
    batched = psi.size != 2**n
    t = psi.reshape(((-1,) if batched else ()) + (2,) * n)
    for w in wires:
        if w not in order:  # a wire in |0>
            t = np.stack([t, np.zeros_like(t)], axis=-1)
            order = order + [w]
    axes = [order.index(w) + batched for w in wires]
    t = np.transpose(t, ([0] if batched else []) + axes)
    return t.reshape(((t.shape[0],) if batched else ()) + (-1,)).astype(
        np.result_type(psi.dtype, cast))


class _PLMeasurement(MeasurementProcess):
    """PennyLane's ``*MP`` classes: ``ExpectationMP(obs=..., wires=...)``, and the
    post-processing methods ``process_state``, ``process_samples``, ``process_counts``."""

    _kind = ""

    def __init__(self, *args, **kwargs):
        if args and isinstance(args[0], str) and args[0] == self._kind:
            MeasurementProcess.__init__(self, *args, **kwargs)
            return
        obs = args[0] if args else kwargs.pop("obs", None)
        if is_measurement_value(obs):  # ExpectationMP(obs=m): a statistic of m (unchecked,
            MID_MEASURE["init"](self, self._kind, obs, check=False, **kwargs)  # PennyLane's)
            return
        wires = args[1] if len(args) > 1 else kwargs.pop("wires", None)
        eigvals = args[2] if len(args) > 2 else kwargs.pop("eigvals", None)
        options = {k: kwargs.pop(k) for k in ("all_outcomes", "dtype", "id") if k in kwargs}
        if options.get("id") is not None:  # PennyLane 0.45's deprecation (the id is unused)
            from .exceptions import PennyLaneDeprecationWarning

            warnings.warn("The 'id' argument is deprecated and will be removed in v0.46.",
                          PennyLaneDeprecationWarning, stacklevel=3)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments "
                            f"{sorted(kwargs)}; it takes obs, wires, eigvals")
        if wires is not None and not wires_tuple(wires):  # PennyLane's checks and texts
            raise MeasurementError("Cannot set an empty list of wires.")
        if wires is not None and obs is not None:
            raise MeasurementError("Cannot set the wires if an observable is provided.")
        if eigvals is not None and obs is not None:
            raise MeasurementError("Cannot set the eigenvalues if an observable is provided.")
        MeasurementProcess.__init__(
            self, self._kind, None if obs is None else as_observable(obs),
            None if wires is None else wires_tuple(wires))
        if obs is not None:
            self._written = obs  # printed and labelled as written
        if eigvals is not None:  # PennyLane's eigvals=: outcome i of the wires has value i
            self._eigvals = np.asarray(eigvals)
        if self._kind == "counts":
            self.all_outcomes = bool(options.get("all_outcomes", False))
        if self._kind == "sample":
            dtype = options.get("dtype")
            self.dtype = None if dtype is None else np.dtype(dtype)

    def eigvals(self):
        """The value of each computational basis outcome of the measured wires (after the
        observable's diagonalizing gates), or None for bit strings.

        >>> ExpectationMP(PauliX(0) @ PauliZ(1)).eigvals()
        array([ 1., -1., -1.,  1.])
        """
        if self._eigvals is not None:
            return self._eigvals
        mv = getattr(self, "mv", None)
        if mv is not None and self.measured_obs is None:  # PennyLane's: each branch's value
            if isinstance(mv, list):
                return np.arange(2 ** len(self.wires))
            return np.asarray([mv[i] for i in range(2 ** len(mv.measurements))])
        if isinstance(self.measured_obs, UnmeasuredOperator):  # PennyLane's obs.eigvals()
            return self.measured_obs.op.eigvals()
        return None if self.measured_obs is None else _basis_eigvals(self.measured_obs)[1]

    def _wires_in(self, wire_order):
        if self.measured_obs is not None:
            return _basis_eigvals(self.measured_obs)[0]
        return tuple(self.wires) if self.wires else tuple(wire_order)

    def _valued(self) -> bool:
        return self.measured_obs is not None or self._eigvals is not None

    def _eigvals_of_samples(self, samples, wire_order):
        eig = self.eigvals()
        return eig[_sample_index(samples, wire_order, self._wires_in(wire_order))]

    def _probs_on(self, p, wire_order):
        """The marginal probabilities of this measurement's wires (in their order) from
        the probabilities ``p`` of every basis state of ``wire_order`` (flat, or a batch
        ``(b, 2**n)``; the batch axis kept)."""
        order = order_list(wire_order)
        n = len(order)
        xp = anp if isinstance(p, Box) else np  # autograd's values: differentiated by it
        p = p if xp is anp else np.asarray(p)
        batched = xp.size(p) != 2**n
        p = xp.reshape(p, (-1,) + (2,) * n if batched else (2,) * n)
        wires = self._wires_in(order)
        missing = [w for w in wires if w not in order]
        if missing:
            raise WireError(f"the measurement's wires {missing} are not in wire_order {order}")
        keep = [order.index(w) + batched for w in wires]
        drop = tuple(i + batched for i in range(n) if i + batched not in keep)
        p = xp.sum(p, axis=drop) if drop else p
        rest = sorted(keep)
        p = xp.transpose(p, ([0] if batched else []) + [rest.index(k) + batched for k in keep])
        return xp.reshape(p, (xp.shape(p)[0], -1) if batched else (-1,))

    def _from_probs(self, probs, wire_order):
        """expval, var or probs from the probabilities of the basis states of
        ``wire_order``, the state already rotated to the observable's eigenbasis
        (PennyLane's ``process_state``: outcome ``i`` of the wires has eigenvalue ``i``)."""
        if self.kind in ("expval", "var") and not self._wires_in(wire_order):
            return np.squeeze(self.eigvals())  # an observable on no wires: its value
        p = self._probs_on(probs, wire_order)
        if self.kind == "probs":
            return p
        if self.kind not in ("expval", "var"):
            raise MeasurementError(f"{type(self).__name__} is not computed from a state; "
                                   "use process_samples or process_counts")
        eig = self.eigvals()
        if self.kind == "var":
            eig = eig if isinstance(eig, Box) else np.asarray(eig, dtype=float)
            return p @ eig**2 - (p @ eig) ** 2
        return p @ eig

    def _own_method(self, name: str) -> None:
        """PennyLane's abstract ``process_*`` methods: a measurement class of the user's
        own (no kind of qsym's) that does not define ``name`` raises NotImplementedError."""
        if not self.kind:
            raise NotImplementedError(f"{type(self).__name__} does not define {name}: a "
                                      "measurement class of your own computes its result there")

    def process_state(self, state, wire_order):
        """The result from a state vector on ``wire_order`` (first wire most significant;
        a batch ``(b, 2**n)`` gives one result per state), as PennyLane's: the state is
        the one measured, already rotated to the observable's eigenbasis (its
        diagonalizing gates applied), so expval is ``sum_i p_i * eigvals()[i]``.

        >>> ExpectationMP(PauliZ(0)).process_state(np.array([0.6, 0.8]), wire_order=[0]).round(6)
        np.float64(-0.28)
        """
        self._own_method("process_state")
        if self.kind == "state" and self.reduce and isinstance(state, Box):
            # autograd's values (qml.devices.qubit.simulate under qml.jacobian): by autograd
            n = len(wire_order)
            flat = anp.reshape(state, (-1, 2**n))
            rho = anp.einsum("bi,bj->bij", flat, anp.conj(flat))
            return self.process_density_matrix(rho if anp.ndim(state) > 1 else rho[0],
                                               wire_order)
        if isinstance(state, Box) and self.kind != "state":  # autograd's: kept for it
            return self._from_probs(anp.real(state * anp.conj(state)), wire_order)
        psi = np.asarray(state)
        if self.kind == "state" and self.reduce:
            n = len(wire_order)
            flat = psi.reshape(-1, 2**n)
            rho = np.einsum("bi,bj->bij", flat, flat.conj())
            return self.process_density_matrix(rho if psi.ndim > 1 else rho[0], wire_order)
        if self.kind == "state":
            # wire_order None: PennyLane returns the state of a measurement of every wire
            return _state_on(psi, None if wire_order is None else order_list(wire_order), self.wires)
        return self._from_probs(np.abs(psi) ** 2, wire_order)

    def process_density_matrix(self, density_matrix, wire_order):
        """The result from a density matrix on ``wire_order`` (``(2**n, 2**n)``, or a batch
        ``(b, 2**n, 2**n)``), as PennyLane's: expval, var and probs from its diagonal (the
        state rotated to the observable's eigenbasis), quantities of the state
        (``qml.density_matrix``, ``qml.purity``, ``qml.vn_entropy``, ``qml.mutual_info``)
        of it; ``qml.state()`` has none (``ValueError``).

        >>> ExpectationMP(PauliZ(0)).process_density_matrix(np.diag([0.75, 0.25]), [0])
        np.float64(0.5)
        """
        self._own_method("process_density_matrix")
        boxed = isinstance(density_matrix, Box)  # autograd's values: differentiated by it
        rho = density_matrix if boxed else np.asarray(density_matrix)
        if self.kind == "state" and not self.reduce:
            raise ValueError("Processing from density matrix to state is not supported.")
        if self.kind != "state":  # (autograd's values: its real part, PennyLane's math.real,
            # taken first so the diagonal's derivative is real, no ComplexWarning; the
            # diagonal with its last two axes named the way autograd's derivative takes)
            xp = anp if boxed else np
            return self._from_probs(xp.diagonal(xp.real(rho), axis1=-1, axis2=-2), wire_order)
        order = order_list(wire_order)
        index = [order.index(w) for w in self.reduce[1]]
        reduce = (self.reduce[0], tuple(index), *self.reduce[2:])
        if self.reduce[0] == "mutual_info":
            reduce = (self.reduce[0], tuple(index), tuple(order.index(w) for w in self.reduce[2]),
                      self.reduce[3])
        if boxed:
            if anp.ndim(rho) == 3:
                return anp.stack([state_quantity(reduce, rho[i], len(order), xp=anp)
                                  for i in range(anp.shape(rho)[0])])
            return state_quantity(reduce, rho, len(order), xp=anp)
        if rho.ndim == 3:  # a batch
            return np.stack([state_quantity(reduce, r, len(order)) for r in rho])
        return state_quantity(reduce, rho, len(order))

    def process_samples(self, samples, wire_order, shot_range=None, bin_size=None):
        """The result from computational-basis samples (rows of 0/1 on ``wire_order``,
        taken after the observable's diagonalizing gates), as PennyLane's.

        >>> ExpectationMP(PauliZ(0)).process_samples(np.array([[0], [1], [1], [1]]), [0])
        np.float64(-0.5)
        """
        self._own_method("process_samples")
        if self.kind == "state":  # (PennyLane's class has no such method: AttributeError)
            what = f"qml.{self.reduce[0]}" if self.reduce else "qml.state()"
            raise MeasurementError(
                f"{what} cannot be computed from samples: it is a function of the state, "
                "which finite shots do not give (measure it with shots=None, or measure "
                "qml.sample, qml.probs or qml.expval with shots)")
        if isinstance(self.measured_obs, UnmeasuredOperator):
            try:
                self.eigvals()
            except EigvalsUndefinedError as exc:  # PennyLane's text
                raise EigvalsUndefinedError(
                    f"Cannot compute samples of {self.measured_obs.op.name}. (it has no "
                    "eigenvalues: define its compute_eigvals or compute_matrix)") from exc
        samples = np.asarray(samples)
        if samples.ndim == 3:  # a batch of sample sets
            return [self.process_samples(s, wire_order, shot_range, bin_size) for s in samples]
        if shot_range is not None:
            samples = samples[slice(*shot_range)]
        if self.kind == "counts" and bin_size is not None:  # PennyLane's: one dict per bin
            return [self.process_samples(samples[i:i + bin_size], wire_order)
                    for i in range(0, len(samples), bin_size)]
        mv = getattr(self, "mv", None)
        if self.kind in ("sample", "counts") and hasattr(mv, "processing_fn"):
            return self._values_of_samples(samples, wire_order, mv)
        if self.kind in ("sample", "counts") and not self._valued():
            cols = [order_list(wire_order).index(w) for w in self._wires_in(wire_order)]
            picked = samples[..., cols]
            if self.kind == "sample":
                return picked if getattr(self, "dtype", None) is None else picked.astype(self.dtype)
            rows = picked[~np.isnan(picked).any(axis=1)] if picked.dtype.kind == "f" else picked
            keys = ["".join(str(int(b)) for b in row) for row in rows]
            every = ([format(i, f"0{len(cols)}b") for i in range(2 ** len(cols))]
                     if getattr(self, "all_outcomes", False) else ())
            return self._count(keys, every)
        if self.kind == "probs":
            idx = _sample_index(samples, wire_order, self._wires_in(wire_order))
            k = len(self._wires_in(wire_order))
            if bin_size is not None:  # PennyLane's: (2**k, number of bins), a column per bin
                return np.stack([np.bincount(b, minlength=2**k) / len(b)
                                 for b in idx.reshape(-1, bin_size)], axis=-1)
            return np.bincount(idx, minlength=2**k) / len(idx)
        eig = self._eigvals_of_samples(samples, wire_order)
        if self.kind == "sample":
            return eig if getattr(self, "dtype", None) is None else eig.astype(self.dtype)
        if self.kind == "counts":
            every = (sorted({float(e) for e in self.eigvals()})
                     if getattr(self, "all_outcomes", False) else ())
            return self._count([float(e) for e in eig], every)
        if bin_size is not None:
            eig = eig.reshape(-1, bin_size)
            return eig.var(axis=1) if self.kind == "var" else eig.mean(axis=1)
        return np.float64(eig.var() if self.kind == "var" else eig.mean())

    def _values_of_samples(self, samples, wire_order, mv):
        """A mid-circuit measurement value's sample or counts from rows of bits on
        ``wire_order``: its classical function of the bits on its wires, per row (PennyLane's:
        counts keyed by the values, every value of its outcomes with ``all_outcomes``)."""
        cols = [order_list(wire_order).index(w) for w in mv.wires]
        values = [mv.processing_fn(*(int(b) for b in row)) for row in samples[:, cols]]
        if self.kind == "sample":
            return np.asarray(values)
        every = (sorted({v for _, v in mv.items()}) if getattr(self, "all_outcomes", False)
                 else ())
        return self._count(values, every)

    def _count(self, outcomes, every=()):
        out: dict = {k: 0 for k in every}
        for o in outcomes:
            out[o] = out.get(o, 0) + 1
        return {k: np.int64(out[k]) for k in sorted(out)}

    def process_counts(self, counts: dict, wire_order):
        """The result from a dict of bit strings (on ``wire_order``) to counts.

        >>> ExpectationMP(PauliZ(0)).process_counts({"0": 3, "1": 1}, wire_order=[0])
        np.float64(0.5)
        """
        self._own_method("process_counts")
        rows = np.array([[int(b) for b in k] for k in counts])
        weights = np.array([counts[k] for k in counts], dtype=float)
        if self.kind == "probs":
            idx = _sample_index(rows, wire_order, self._wires_in(wire_order))
            k = len(self._wires_in(wire_order))
            return np.bincount(idx, weights=weights, minlength=2**k) / weights.sum()
        if self.kind in ("counts", "sample"):
            return self._counts_on(counts, wire_order)
        eig = self._eigvals_of_samples(rows, wire_order)
        mean = np.dot(eig, weights) / weights.sum()
        if self.kind == "var":
            return np.float64(np.real(np.dot(eig**2, weights) / weights.sum() - mean**2))
        return mean if np.iscomplexobj(mean) else np.float64(mean)


    def _counts_on(self, counts: dict, wire_order):
        """PennyLane's ``CountsMP`` / ``SampleMP.process_counts``: the bit strings (on
        ``wire_order``) cut to this measurement's wires and merged; all outcomes (zeros
        included) with ``all_outcomes``, else the observed ones; an observable's (or the
        given) eigenvalues as keys; for samples, each outcome repeated its count."""
        order = order_list(wire_order)
        index = [order.index(w) for w in self._wires_in(order)]
        mapped: dict = {}
        for outcome, n in counts.items():
            key = "".join(outcome[i] for i in index)
            mapped[key] = mapped.get(key, 0) + n
        eig = self.eigvals() if self._valued() else None
        if self.kind == "sample":
            rows = [[eig[int(k, 2)]] if eig is not None else [int(b) for b in k]
                    for k in mapped]
            out = [row[0] if len(row) == 1 else row
                   for row, n in zip(rows, mapped.values()) for _ in range(n)]
            return np.array(out)
        if getattr(self, "all_outcomes", False):
            for i in range(2 ** len(index)):
                mapped.setdefault(format(i, f"0{len(index)}b"), 0)
        else:
            mapped = {k: n for k, n in mapped.items() if n}
        if eig is None:
            return mapped
        by_value = {v: np.int64(0) for v in eig}
        for outcome, n in mapped.items():
            by_value[eig[int(outcome, 2)]] += n
        if not getattr(self, "all_outcomes", False):
            by_value = {v: n for v, n in by_value.items() if n}
        return by_value


class SampleMeasurement(_PLMeasurement):
    """PennyLane's base class of measurements computed from samples.

    >>> isinstance(expval(PauliZ(0)), SampleMeasurement), isinstance(state(), SampleMeasurement)
    (True, False)
    """


class StateMeasurement(_PLMeasurement):
    """PennyLane's base class of measurements computed from the state.

    >>> isinstance(probs(wires=0), StateMeasurement), isinstance(sample(wires=0), StateMeasurement)
    (True, False)
    """


class ExpectationMP(SampleMeasurement, StateMeasurement):
    """PennyLane's class of ``qml.expval``.

    >>> isinstance(expval(PauliZ(0)), ExpectationMP)
    True
    """
    _kind = "expval"
    _shortname = "expval"  # PennyLane's name of the kind (its tests compare by it)


class VarianceMP(SampleMeasurement, StateMeasurement):
    """PennyLane's class of ``qml.var``.

    >>> isinstance(var(PauliZ(0)), VarianceMP)
    True
    """
    _kind = "var"
    _shortname = "var"  # PennyLane's name of the kind (its tests compare by it)


class ProbabilityMP(SampleMeasurement, StateMeasurement):
    """PennyLane's class of ``qml.probs``.

    >>> ProbabilityMP(wires=[0]).process_state(np.array([0.6, 0.8]), [0]).round(2)
    array([0.36, 0.64])
    """
    _kind = "probs"
    _shortname = "probs"  # PennyLane's name of the kind (its tests compare by it)


class SampleMP(SampleMeasurement):
    """PennyLane's class of ``qml.sample``.

    >>> isinstance(sample(wires=0), SampleMP)
    True
    """
    _kind = "sample"
    _shortname = "sample"  # PennyLane's name of the kind (its tests compare by it)


class CountsMP(SampleMeasurement):
    """PennyLane's class of ``qml.counts``.

    >>> CountsMP(wires=[0]).process_samples(np.array([[0], [1], [1]]), [0])
    {'0': np.int64(1), '1': np.int64(2)}
    """
    _kind = "counts"
    _shortname = "counts"  # PennyLane's name of the kind (its tests compare by it)


class StateMP(StateMeasurement):
    """PennyLane's class of ``qml.state``.

    >>> isinstance(state(), StateMP)
    True
    """
    _kind = "state"
    _shortname = "state"  # PennyLane's name of the kind (its tests compare by it)


class _StateQuantityMP(StateMP):
    """A state measurement reduced to a quantity of the pure final state (``reduce``):
    PennyLane's classes of ``qml.density_matrix``, ``qml.purity``, ``qml.vn_entropy`` and
    ``qml.mutual_info``, made by those functions or directly (``PurityMP(wires=[0])``)."""

    _quantity = ""

    def __init__(self, *args, **kwargs):
        if args and args[0] == "state":  # made as a state measurement (_state_quantity)
            StateMP.__init__(self, *args, **kwargs)
            return
        if self._quantity == "mutual_info":  # PennyLane's MutualInfoMP(wires=(w0, w1), ...)
            w0, w1 = args[0] if args else kwargs.pop("wires")
            made = mutual_info(w0, w1, **kwargs)
        else:
            made = globals()[self._quantity](*args, **kwargs)
        vars(self).update(vars(made))


class DensityMatrixMP(_StateQuantityMP):
    """PennyLane's class of ``qml.density_matrix(wires)``: the reduced density matrix of
    ``wires`` of the pure final state, and its ``process_state`` for a state you have.

    >>> DensityMatrixMP(wires=[0]).process_state(np.array([0.6, 0, 0, 0.8]), [0, 1]).real
    array([[0.36, 0.  ],
           [0.  , 0.64]])
    >>> isinstance(density_matrix(wires=[0]), DensityMatrixMP)
    True
    """

    _quantity = "density_matrix"


class PurityMP(_StateQuantityMP):
    """PennyLane's class of ``qml.purity(wires)``.

    >>> isinstance(purity(wires=[0]), PurityMP), PurityMP(wires=[0]).reduce[0]
    (True, 'purity')
    """

    _quantity = "purity"
    _shortname = "purity"


class VnEntropyMP(_StateQuantityMP):
    """PennyLane's class of ``qml.vn_entropy(wires, log_base)``.

    >>> isinstance(vn_entropy(wires=[0]), VnEntropyMP)
    True
    """

    _quantity = "vn_entropy"
    _shortname = "vn_entropy"


class MutualInfoMP(_StateQuantityMP):
    """PennyLane's class of ``qml.mutual_info(wires0, wires1, log_base)``.

    >>> isinstance(MutualInfoMP(wires=([0], [1])), MutualInfoMP)
    True
    """

    _quantity = "mutual_info"
    _shortname = "mutual_info"

    @property
    def raw_wires(self):
        """PennyLane's: the two subsystems' wires, ``[Wires(wires0), Wires(wires1)]``.

        >>> MutualInfoMP(wires=([0], [1, 2])).raw_wires
        [Wires([0]), Wires([1, 2])]
        """
        return [Wires(self.reduce[1]), Wires(self.reduce[2])]


QUANTITY_CLASSES = {c._quantity: c for c in (DensityMatrixMP, PurityMP, VnEntropyMP, MutualInfoMP)}


MP_CLASSES = {c._kind: c for c in (ExpectationMP, VarianceMP, ProbabilityMP, SampleMP, CountsMP,
                                   StateMP)}


def _check_one_observable(kind: str, obs) -> None:
    """PennyLane's refusal of a sequence given to ``qml.expval`` / ``qml.var``."""
    if isinstance(obs, (list, tuple)):
        raise MeasurementError(
            f"qp.{kind} does not support measuring sequences of measurements or observables "
            f"(qsym: return one qml.{kind} per observable, e.g. a tuple of them)")


def var(obs=None, op=None) -> MeasurementProcess:
    """The variance ``<O^2> - <O>^2`` of an observable (PennyLane's ``qml.var``).

    Computed from two Pauli sums measured on the same state, ``O^2`` and ``O``; its
    derivative is ``d<O^2> - 2 <O> d<O>``.

    >>> var(PauliZ(0))
    var(Z(0))
    """
    obs = op if obs is None else obs  # PennyLane's name for it: qml.var(op=...)
    mp = _of_values("var", obs)
    if mp is not None:
        return mp
    _check_one_observable("var", obs)
    mp = MeasurementProcess("var", measured_operator(obs))
    mp._written = obs
    return mp


def state() -> MeasurementProcess:
    """The final state vector (PennyLane's ``qml.state``): complex, ``2**n`` amplitudes,
    wire 0 most significant. A value only: it has no gradient.

    >>> state()
    state(wires=[])
    """
    return MeasurementProcess("state")


def _state_quantity(name: str, *parts, base=None) -> MeasurementProcess:
    """A ``"state"`` measurement reduced to a quantity of the pure final state
    (``mp.reduce``: the name, the wire tuples, the log base)."""
    for p in parts:
        if not p:
            raise MeasurementError(f"qml.{name} needs at least one wire; got wires={list(p)}")
    try:
        log_base(base)  # one rule for every entropy's base (qsym._ir.log_base)
    except ValueError as exc:
        raise MeasurementError(f"qml.{name}: {exc} (log_base)") from None
    mp = MeasurementProcess("state", wires=tuple(w for p in parts for w in p))
    mp.__class__ = QUANTITY_CLASSES[name]  # (StateMP subclasses with no fields of their own)
    mp.reduce = (name, *parts, base) if name in ("vn_entropy", "mutual_info") else (name, *parts)
    if name in ("vn_entropy", "mutual_info"):
        mp.log_base = base  # PennyLane's attribute
    return mp


def density_matrix(wires) -> MeasurementProcess:
    """The reduced density matrix of ``wires`` (PennyLane's ``qml.density_matrix``):
    ``Tr_rest |psi><psi|`` of the pure final state, complex ``(2**k, 2**k)``, the first
    of ``wires`` most significant. Its Jacobian is exact (from the state's), complex.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def bell():
    ...     qml.Hadamard(0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.density_matrix(wires=[0])
    >>> bell().real   # the half of a Bell pair: maximally mixed
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    return _state_quantity("density_matrix", wires_tuple(wires))


def purity(wires) -> MeasurementProcess:
    """The purity ``Tr rho^2`` of the reduced state of ``wires`` (PennyLane's
    ``qml.purity``): 1 for a pure reduced state, ``1 / 2**k`` for a maximally mixed one.
    Differentiable (exact, from the state's Jacobian).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def half(x):
    ...     qml.RY(x, wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.purity(wires=[0])
    >>> bool(round(half(0.8), 12) == round(1 - np.sin(0.8) ** 2 / 2, 12))   # cos^4 + sin^4
    True
    """
    return _state_quantity("purity", wires_tuple(wires))


def vn_entropy(wires, log_base=None) -> MeasurementProcess:
    """The von Neumann entropy ``-Tr rho log rho`` of the reduced state of ``wires``
    (PennyLane's ``qml.vn_entropy``), natural log unless ``log_base`` is given; zero
    eigenvalues contribute 0. Differentiable: ``dS = -Tr(log(rho) drho)``, exact, from
    the state's Jacobian.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def bell():
    ...     qml.Hadamard(0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.vn_entropy(wires=[0], log_base=2)
    >>> type(bell()).__name__, round(float(bell()), 12)   # one bit (a NumPy float, as PennyLane's)
    ('float64', 1.0)
    """
    return _state_quantity("vn_entropy", wires_tuple(wires), base=log_base)


def mutual_info(wires0, wires1, log_base=None) -> MeasurementProcess:
    """The mutual information ``S(A) + S(B) - S(AB)`` of the subsystems ``wires0`` and
    ``wires1`` (PennyLane's ``qml.mutual_info``), natural log unless ``log_base`` is given.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def bell():
    ...     qml.Hadamard(0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.mutual_info(wires0=[0], wires1=[1])
    >>> bool(np.isclose(bell(), 2 * np.log(2)))
    True
    """
    a, b = wires_tuple(wires0), wires_tuple(wires1)
    if set(a) & set(b):
        raise MeasurementError(
            f"Subsystems for computing mutual information must not overlap; got wires0={list(a)} "
            f"and wires1={list(b)}")
    return _state_quantity("mutual_info", a, b, base=log_base)


def probs(wires=None, op=None) -> MeasurementProcess:
    """Probabilities of the computational basis states of ``wires`` (PennyLane's
    ``qml.probs``): an array of ``2**len(wires)`` values, the first wire most significant.
    With no wires, every wire of the device.

    >>> probs(wires=[0, 1])
    probs(wires=[0, 1])
    """
    mp = _of_values("probs", op) if op is not None and wires is None else None
    if mp is not None:
        return mp
    if op is not None:
        if wires is not None:
            raise MeasurementError(
                "Cannot specify the wires to probs if an observable is provided. The wires "
                "for probs will be determined directly from the observable. (qml.probs: give "
                "wires= or op=, not both)")
        if isinstance(op, LinearCombination):  # PennyLane's refusal (a Sum is allowed)
            raise MeasurementError(
                "Hamiltonians are not supported for rotating probabilities. (qsym: "
                "probs(op=...) of a qml.Hamiltonian; give the sum as qml.sum(...) or X(0) + "
                "Z(1), or its qml.Hermitian matrix)")
        if isinstance(op, Hermitian):  # PennyLane warns for Hermitian only
            warnings.warn(HERMITIAN_PROBS, UserWarning, stacklevel=2)
        if isinstance(op, Operation) and op.name not in _DIAGONALIZING:  # PennyLane's text
            raise MeasurementError(
                f"{op} does not define diagonalizing gates : cannot be used to rotate the "
                f"probability (qsym: {op.name} is not an observable; give PauliX, PauliY, "
                "PauliZ, Hadamard, Identity, their @ products or a qml.Hermitian)")
        diag, on = _diagonalizing(op)
        mp = MeasurementProcess("probs", wires=on, diag=diag)
        mp.op = op  # for qml.draw: Probs[X]
        tape = active_tape()
        if tape is not None:
            tape.measured(getattr(op, "_gates", ()))
            if not isinstance(op, Operation):  # a product or sum: it leaves the user's queue
                take_over(mp, (op,))
        return mp
    if wires is not None and not wires_tuple(wires):
        raise MeasurementError("Cannot set an empty list of wires. (qml.probs(): every wire)")
    return MeasurementProcess("probs", wires=None if wires is None else wires_tuple(wires))


HERMITIAN_PROBS = (
    "Using qml.probs with a Hermitian observable might return different results than expected "
    "as the lexicographical ordering of eigenvalues is not guaranteed. (qsym: outcome i is "
    "the i-th eigenvalue in ascending order, numpy.linalg.eigh's; PennyLane 0.45 words it "
    "'Using qp.probs with a Hermitian observable might return different results than expected')"
)


# PennyLane's ``basis`` of each gate that has one (controlled gates: their target's)
_BASIS = {**dict.fromkeys(("PauliX", "SX", "RX", "CNOT", "CRX", "Toffoli", "MultiControlledX"), "X"),
          **dict.fromkeys(("PauliY", "RY", "CY", "CRY"), "Y"),
          **dict.fromkeys(("PauliZ", "S", "T", "RZ", "PhaseShift", "PCPhase", "CZ", "CRZ",
                           "ControlledPhaseShift", "CCZ"), "Z")}

# gates U with U P U^dagger = Z for a one-wire observable P (PennyLane's diagonalizing gates)
# gates PennyLane gives diagonalizing gates though they are not observables: GlobalPhase
# (``e^{-i phi} I``, diagonal already: none, PennyLane's ``[]``)
_DIAGONAL_GATES = frozenset({"GlobalPhase"})
_DIAGONALIZING = {
    "PauliZ": (),
    "Identity": (),
    "PauliX": (("Hadamard", ()),),
    "PauliY": (("PauliZ", ()), ("S", ()), ("Hadamard", ())),
    "Hadamard": (("RY", (-sp.pi / 4,)),),
}


def _diagonalizing(op, take_off_tape=True) -> tuple:
    """``(gates, wires)``: the gates taking ``op``'s eigenbasis to the computational basis
    of ``wires`` (PennyLane's ``diagonalizing_gates``; outcome ``i`` of ``probs(op=op)`` is
    the ``i``-th basis state after them), made without recording them."""
    wires: tuple
    with _no_recording():
        if isinstance(op, Operation):
            if op.name not in _DIAGONALIZING:
                raise MeasurementError(
                    f"probs(op={op.name}(...)): {op.name} is not an observable; give PauliX, "
                    "PauliY, PauliZ, Hadamard, Identity, their @ products or a qml.Hermitian"
                )
            letters = [(op.wires[0] if op.wires else 0, op.name)]
        elif isinstance(op, Observable):
            if isinstance(op, BasisStateProjector):  # diagonal already
                return (), tuple(op._mwires)
            if isinstance(op, StateVectorProjector):  # PennyLane's reflection: outcome 0 is it
                U = _householder(op._value)
                return (GATE_CLASSES["QubitUnitary"](U, wires=list(op._mwires)),), tuple(op._mwires)
            if getattr(op, "_matrix", None) is not None:  # qml.Hermitian: its eigenvectors
                vecs = (op.eigendecomposition["eigvec"] if isinstance(op, Hermitian)
                        else np.linalg.eigh(op._matrix)[1])
                wires = op._mwires
                U = vecs.conj().T
                return (GATE_CLASSES["QubitUnitary"](U, wires=list(wires)),), wires
            if (isinstance(op, Prod) and len(op.terms) != 1 and len(op.operands) > 1
                    and len({w for o in op.operands for w in o.wires})
                    == sum(len(o.wires) for o in op.operands)):
                # factors on separate wires (H(0) @ Y(1)): each factor's gates (PennyLane's)
                parts = [_diagonalizing(o, take_off_tape) for o in op.operands]
                return (tuple(g for gates, _ in parts for g in gates),
                        tuple(w for _, on in parts for w in on))
            if isinstance(op, SProd):  # PennyLane's: the base's gates
                return _diagonalizing(op.base, take_off_tape)
            if isinstance(op, (Sum, Prod)) and len(op.operands) > 1:
                return _composite_diagonalizing(op, take_off_tape), tuple(op.wires)
            if len(op.terms) != 1 or next(iter(op.terms.values())) != 1:
                raise MeasurementError(
                    "Hamiltonians are not supported for rotating probabilities. "
                    f"probs(op=...) needs a single Pauli word (e.g. X(0) @ Z(1)), Hadamard or "
                    f"a qml.Hermitian, got the sum {op!r}; give its qml.Hermitian matrix"
                )
            (word,) = op.terms
            names = {"X": "PauliX", "Y": "PauliY", "Z": "PauliZ"}
            by_wire = dict(word)
            order = getattr(op, "_order", None) or [w for w, _ in word]
            letters = [(w, names[by_wire[w]]) for w in order if w in by_wire]
            if not letters:
                raise MeasurementError("probs(op=...) of the identity: give probs(wires=...)")
        else:
            raise MeasurementError(f"probs(op=...) takes an observable, got {op!r}")
        gates = tuple(
            GATE_CLASSES[g](*pars, wires=w) for w, name in letters for g, pars in _DIAGONALIZING[name]
        )
    if isinstance(op, Operation) and take_off_tape:
        tape = active_tape()
        if tape is not None:
            tape.remove(op)  # measured, not applied
    return gates, tuple(w for w, _ in letters)


def overlapping_groups(operands) -> list:
    """``operands`` grouped by shared wires (PennyLane's ``CompositeOp.overlapping_ops``):
    lists of operators, in order of first appearance, such that no two lists share a wire.

    >>> overlapping_groups([PauliX(0), PauliY(1), PauliZ(0)])
    [[X(0), Z(0)], [Y(1)]]
    """
    groups: list = []  # [ops, wires]
    for o in operands:
        hit = [g for g in groups if set(g[1]) & set(o.wires)]
        if not hit:
            groups.append([[o], list(o.wires)])
            continue
        first = hit[0]
        for g in hit[1:]:
            first[0].extend(g[0])
            first[1].extend(w for w in g[1] if w not in first[1])
            groups.remove(g)
        first[0].append(o)
        first[1].extend(w for w in o.wires if w not in first[1])
    return [ops for ops, _ in groups]


def _composite_diagonalizing(op, take_off_tape) -> tuple:
    """A sum's or product's diagonalizing gates (PennyLane's ``CompositeOp``'s): each
    operand on wires no other one touches by its own gates, each group sharing wires by
    one ``QubitUnitary`` of the conjugate transpose of its eigenvectors (``eigh`` when
    Hermitian, else ``eig``; the group's wires in their order)."""
    gates = []
    for group in overlapping_groups(op.operands):
        if len(group) == 1:
            gates.extend(_diagonalizing(group[0], take_off_tape)[0])
            continue
        whole = (Prod if isinstance(op, Prod) else Sum)(*group)
        wires = list(whole.wires)
        m = np.asarray(whole.matrix(wire_order=wires), dtype=complex)
        vecs = (np.linalg.eigh(m)[1] if np.allclose(m, m.conj().T) else np.linalg.eig(m)[1])
        gates.append(GATE_CLASSES["QubitUnitary"](vecs.conj().T, wires=wires))
    return tuple(gates)


def diagonalizing_gates(op) -> list:
    """``op.diagonalizing_gates()``: the gates :func:`_diagonalizing` finds for ``op``,
    made again where the caller is (recorded on an active tape, as PennyLane queues them).
    A gate that is not an observable: PennyLane's ``DiagGatesUndefinedError``."""
    if isinstance(op, Operation) and CONTROLLED_TARGETS.get(op.name) in _DIAGONALIZING:
        # a controlled Pauli, Hadamard (CNOT, CY, CZ, CH, Toffoli, CCZ, MultiControlledX):
        # |0><0| (x) I + |1><1| (x) B shares B's eigenbasis on the target (PennyLane's
        # Controlled.diagonalizing_gates: the base's)
        return op.base.diagonalizing_gates()
    if isinstance(op, Operation) and op.name in _DIAGONAL_GATES:
        return []
    if isinstance(op, Operation) and op.name not in _DIAGONALIZING:
        raise DiagGatesUndefinedError(f"{op.name} has no diagonalizing gates (PennyLane's "
                                      "DiagGatesUndefinedError): it is not an observable")
    gates, _ = _diagonalizing(op, take_off_tape=False)
    return [type(g)(*g.params, wires=list(g.wires), **dict(g.hyper)) for g in gates]


_PAULI_NAMES = frozenset(("PauliX", "PauliY", "PauliZ", "Identity"))


def _is_pauli_word(op) -> bool:
    """PennyLane's ``qml.pauli.is_pauli_word``: a Pauli operator, a product of them, a
    scalar times one, or a one-term Hamiltonian of one (a plain ``Observable`` of one
    word too)."""
    if isinstance(op, Operation):
        return op.name in _PAULI_NAMES
    if isinstance(op, LinearCombination):
        return len(op._ops) == 1 and _is_pauli_word(op._ops[0])
    if isinstance(op, Prod):
        return all(_is_pauli_word(f) for f in op.operands)
    if isinstance(op, SProd):
        return _is_pauli_word(op.base)
    return type(op) is Observable and len(op.terms) <= 1


def _single_word(op):
    """``(scalar, word)`` of a Pauli word operator (word of wire labels, sorted as in
    ``terms``); the identity: ``(scalar, ())``."""
    terms = as_observable(op).terms if isinstance(op, Operation) else op.terms
    if not terms:
        return 0, ()
    (word, c), = terms.items()
    return c, word


def sampling_form(op) -> tuple:
    """How PennyLane's ``default.qubit`` samples the observable ``op`` with finite shots
    (what :class:`qsym._ir.Measurement` keeps as ``sampling``, words of wire labels):
    ``("pauli",)``, ``("lincomb" | "sum", ((coeff | None, scalar, word), ...))`` (an expval
    measured term by term, as written), ``("hadamard", scalar, ((wire, "H"),))`` (rotated
    by ``RY(-pi/4)``, eigenvalues ``scalar * [1, -1]``), ``("basis", wires, bits)`` (a
    basis-state projector: not rotated), ``("eigen", wires, matrix)`` (``eigh`` of the
    matrix on the wires as written) or ``("matrix",)`` (its eigenbasis).

    >>> sampling_form(PauliZ(0) @ PauliX(1))
    ('pauli',)
    >>> sampling_form(Hamiltonian([0.5, 0.2], [PauliZ(0), PauliX(1)]))[0]
    'lincomb'
    """
    if _is_pauli_word(op) and not (isinstance(op, LinearCombination) and len(op._ops) == 1
                                   and not _is_pauli_word(op._ops[0])):
        return ("pauli",)
    if isinstance(op, BasisStateProjector):  # no rotation, eigenvalue 1 at the state
        return ("basis", tuple(op._mwires), tuple(int(b) for b in np.ravel(op._value)))
    if isinstance(op, Hermitian) and op.traced:  # its Pauli sum of the inputs' expressions
        return ("matrix",)
    if isinstance(op, (Hermitian, StateVectorProjector)) and op._matrix is not None:
        return ("eigen", tuple(op._mwires), np.asarray(op._matrix))  # eigh, wires as written
    base, scalar = (op.base, op.scalar) if isinstance(op, SProd) else (op, 1)
    if isinstance(base, Operation) and base.name == "Hadamard":  # its RY(-pi/4)
        return ("hadamard", scalar, ((base.wires[0], "H"),))
    if isinstance(op, LinearCombination):
        if all(_is_pauli_word(o) for o in op._ops):
            return ("lincomb", tuple((c, *_single_word(o)) for c, o in zip(op._coeffs, op._ops)))
    elif isinstance(op, Sum) and all(_is_pauli_word(o) for o in op.operands):
        return ("sum", tuple((None, *_single_word(o)) for o in op.operands))
    return ("matrix",)


def _sampled(kind, op, wires):
    if op is not None and wires is not None:
        raise MeasurementError(  # PennyLane's text (its qml.counts says "sample" too)
            "Cannot specify the wires to sample if an observable is provided. The wires to "
            f"sample will be determined directly from the observable. (qml.{kind}: give an "
            "observable or wires, not both)")
    if wires is not None and not wires_tuple(wires):
        raise MeasurementError(f"Cannot set an empty list of wires. (qml.{kind}(): every wire)")
    if isinstance(op, (numbers.Number, str, np.generic)) and not isinstance(op, bool):
        # PennyLane keeps a literal given as the observable (qml.counts(0)) and fails where
        # the measurement is used: the same here, with what to write instead
        return MeasurementProcess(kind, LiteralObservable(kind, op))
    if op is not None:
        mp = MeasurementProcess(kind, measured_operator(op))
        mp._written = op
        return mp
    return MeasurementProcess(kind, wires=None if wires is None else wires_tuple(wires))


class LiteralObservable:
    """A literal given as a measurement's observable (PennyLane's ``qml.counts(0)`` or
    ``qml.sample(1.5)``): as in PennyLane the measurement is made, so that it can be passed
    around (its class is the measurement's), but every use of its observable raises
    :class:`MeasurementError` saying to give wires instead.

    >>> import qsym as qml
    >>> mp = qml.counts(0)
    >>> type(mp).__name__, mp.measured_obs
    ('CountsMP', LiteralObservable(0))
    >>> mp.measured_obs.wires
    Traceback (most recent call last):
    ...
    qsym.errors.MeasurementError: qml.counts(0): 0 is not an observable; write qml.counts(wires=0) for the outcomes of wire 0, or give an operator (qml.Z(0))
    """

    __slots__ = ("kind", "value")

    def __init__(self, kind, value):
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", value)

    def __getattr__(self, name):
        raise MeasurementError(
            f"qml.{self.kind}({self.value!r}): {self.value!r} is not an observable; write "
            f"qml.{self.kind}(wires={self.value!r}) for the outcomes of wire {self.value!r}, "
            "or give an operator (qml.Z(0))")

    def __repr__(self):
        return f"LiteralObservable({self.value!r})"


def sample(op=None, wires=None, dtype=None) -> MeasurementProcess:
    """Samples (PennyLane's ``qml.sample``; needs a device or QNode with ``shots``): of an
    observable, its eigenvalues, shape ``(shots,)``; else the computational-basis outcomes
    of ``wires`` (all wires if None), integers 0/1 of shape ``(shots, len(wires))``.
    ``dtype`` (PennyLane's): the NumPy type of the samples (``"int8"``, ``"float32"``, ...).

    >>> sample(PauliZ(0)), sample(wires=[0, 1])
    (sample(Z(0)), sample(wires=[0, 1]))
    """
    mp = _of_values("sample", op, dtype=dtype) if wires is None else None
    if mp is not None:
        return mp
    mp = _sampled("sample", op, wires)
    mp.dtype = None if dtype is None else np.dtype(dtype)
    return mp


def counts(op=None, wires=None, all_outcomes=False) -> MeasurementProcess:
    """Outcome counts (PennyLane's ``qml.counts``; needs shots): a dict from bit strings
    (``"01"``, first wire first) or from observable eigenvalues to how often each was seen;
    observed outcomes only, sorted.

    With ``all_outcomes=True`` (PennyLane's), every possible outcome is a key, those
    never seen with count 0: every bit string of the wires, or every eigenvalue of the
    observable.

    >>> counts(wires=[1])
    CountsMP(wires=[1], all_outcomes=False)
    """
    mp = _of_values("counts", op, all_outcomes=all_outcomes) if wires is None else None
    if mp is not None:
        return mp
    mp = _sampled("counts", op, wires)
    mp.all_outcomes = bool(all_outcomes)
    return mp


class _Expval:
    """``qml.expval(obs)``; also the old spelling ``qml.expval.PauliZ(0)``.

    >>> import qsym as qml
    >>> qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    expval(Z(0) @ Z(1))
    >>> qml.expval.PauliX(0)  # PennyLane's old spelling
    expval(X(0))
    """

    def __call__(self, obs=None, op=None) -> MeasurementProcess:
        """The expectation value of an observable.

        >>> expval(PauliZ(0))
        expval(Z(0))
        """
        if obs is None:  # PennyLane's name for it: qml.expval(op=...)
            obs = op
        mp = _of_values("expval", obs)
        if mp is not None:
            return mp
        _check_one_observable("expval", obs)
        if isinstance(obs, Operation) and obs.name == "Identity" and not len(obs.wires):
            raise NotImplementedError(  # PennyLane's refusal and text
                "Expectation values of qp.Identity() without wires are currently not allowed. "
                "(qsym: give the identity a wire, qml.Identity(0))")
        mp = MeasurementProcess("expval", measured_operator(obs))
        mp._written = obs  # printed as written: expval(Z(0)), as PennyLane prints it
        return mp

    def __getattr__(self, name):
        row = GATES.get(name)
        if row is None or row.pauli is None:
            raise AttributeError(
                f"qml.expval.{name}: no such observable; use qml.expval(qml.{name}(...))"
                if row is None
                else f"{name} is not an observable"
            )
        cls = GATE_CLASSES[name]

        def make(*args, **kwargs):
            return self(cls(*args, **kwargs))

        make.__name__ = name
        return make

    def __repr__(self):
        return "<qsym.expval>"


expval = _Expval()
