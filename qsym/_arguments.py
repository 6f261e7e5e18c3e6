"""A QNode's arguments: differentiated, data or static.

:func:`classify` runs on every QNode call: it turns the arguments into the signature
(the key of the QNode's compiled signatures: kinds, shapes, static values) and the
numeric inputs (flat float64 arrays). The kinds:

- :data:`TRAIN`, differentiated: the arguments a derivative asks for (``diff``); with
  ``diff=None`` (a plain call) every positional float and float array (and list of
  floats) except ``qsym.numpy`` tensors with ``requires_grad=False``;
- :data:`DATA`, inputs of the compiled code never differentiated: the other numeric
  positional arguments and numeric keyword arguments;
- :data:`STATIC`: ints, bools, strings and other objects, whose values are baked into the
  trace (a new value traces again) and cannot be differentiated; except integer
  ``qsym.numpy`` tensors, which a derivative asked for by ``argnum`` takes promoted to
  float, as NumPy promotes ints.

Which arguments ``grad`` and ``jacobian`` differentiate without ``argnum`` is PennyLane's
rule (:func:`qsym._autodiff.trainable_indices`: ``requires_grad`` tensors, not plain floats
or arrays); with nothing to differentiate they warn as PennyLane does and return ``()``. A QNode's keywords are
checked by :mod:`qsym._options`.

>>> key, xs, ds = classify((0.5, [0.1, 0.2], 3), {"w": 0.25}, None, frozenset())
>>> key
(('x', ()), ('x', (2,)), ('s', ('int', 3)), ('w', 'd', ()))
>>> len(xs), len(ds)
(2, 1)
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from ._autodiff import Boxed, has_box
from .errors import ArgumentError, ByValueDerivative, DifferentiationError, QsymError
from .numpy import tensor

# the kinds of an argument in a signature
STATIC, DATA, TRAIN = "s", "d", "x"
F64 = np.dtype(np.float64)




def _real_constant(v) -> bool:
    """Whether ``v`` is a float or a real sympy number (``-pi/2``; not a symbol)."""
    if isinstance(v, (float, np.floating)):
        return True
    return getattr(v, "is_number", False) is True and getattr(v, "is_real", False) is True


def as_float_array(value, what):
    """A float64 array from a numeric input, or None if it is not floating point."""
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except ValueError as exc:
            raise ArgumentError(f"{what}: cannot be made into an array ({exc})") from None
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype != np.float64:
            arr = arr.astype(np.float64)
        return arr
    if kind == "c":  # a state vector, a matrix: data PennyLane never differentiates
        return None  # static: its values are constants of the trace
    if kind == "O" and arr.size and all(_real_constant(v) for v in arr.flat):
        return arr.astype(np.float64)  # floats and exact constants (a gate's -pi/2 in a tape)
    if kind == "O" and arr.size and all(hasattr(v, "wires") for v in arr.flat):
        # an array of operators (the GQE demo's ``op_pool[indices]``): static, as a list of
        # them is (:func:`static_key` compares its items)
        return None
    if kind == "O":
        held = sorted({type(v).__name__ for v in arr.flat}) if arr.size else []
        raise ArgumentError(  # (it said "not numeric (an array of int)" of ints in an object array)
            f"{what} is an array of dtype=object (holding {', '.join(held) or 'nothing'}), not of "
            "real numbers; pass a numeric array, e.g. np.asarray(x, dtype=float)"
        )
    return None


# the top-level modules of other frameworks' array types (PennyLane's other interfaces)
_FOREIGN_ARRAYS = {"jax": "JAX", "jaxlib": "JAX", "torch": "PyTorch", "tensorflow": "TensorFlow"}


def static_key(value, what):
    """A hashable key of a static argument's value, compared by content."""
    if isinstance(value, memoryview):  # (hash() of a writable one is a ValueError)
        return ("memoryview", static_key(buffer_array(value, what), what))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":  # (its bytes are the items' addresses: by content)
            return ("objects", value.shape, tuple(static_key(v, what) for v in value.flat))
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, list):
        return ("list", tuple(static_key(v, what) for v in value))
    # containers of structure (a dict of gate choices, ...): compared by content, so an
    # equal dict reuses the compiled circuit and a changed one traces again
    if isinstance(value, dict):
        items = [(static_key(k, what), static_key(v, what)) for k, v in value.items()]
        return ("dict", tuple(sorted(items, key=repr)))
    if isinstance(value, tuple) and type(value) is tuple:
        return ("tuple", tuple(static_key(v, what) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((static_key(v, what) for v in value), key=repr)))
    framework = _FOREIGN_ARRAYS.get(type(value).__module__.split(".")[0])
    if framework is not None:  # PennyLane would take it with that interface
        raise ArgumentError(
            f"{what} is a {framework} array ({type(value).__name__}): the {framework} "
            "interface is not supported by qsym (NumPy and autograd only); pass a NumPy "
            "array or a qsym.numpy tensor (from qsym import numpy as np), and use "
            "qml.grad / qml.jacobian for derivatives")
    try:
        hash(value)
    except QsymError:  # (an object's own specific refusal, a batched SProd's MeasurementError)
        raise
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{what} of type {type(value).__name__} is neither numeric nor hashable; qsym "
            "must compare it between calls to know whether to trace again"
        ) from None
    return (type(value).__name__, value)


def buffer_array(value: memoryview, what) -> np.ndarray:
    """A memoryview argument as the NumPy array of its buffer (a copy: the buffer may change
    after the call), as PennyLane's autograd NumPy reads it (``x[0]`` of it is a number);
    qsym hashed it, NumPy's bare "cannot hash writable memoryview"."""
    try:
        return np.array(value)
    except (TypeError, ValueError, NotImplementedError) as exc:
        raise ArgumentError(f"{what} is a memoryview NumPy cannot read as an array ({exc}): "
                            "pass np.asarray(...) of the numbers") from None


def is_number_container(value) -> bool:
    """A non-empty (nested) list or tuple of real numbers or real arrays (``[x[0], x[1]]``
    of a tensor: 0-d tensors; ``[np.array([0.0])]``: the differentiable Hartree-Fock
    demo's circuit parameters, a list autograd differentiates as its array)."""
    if isinstance(value, (list, tuple)):
        return all(is_number_container(v) for v in value) and len(value) > 0
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iuf" and (value.ndim == 0 or value.size > 0)
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def promotable(value) -> bool:
    """An integer ``qsym.numpy`` tensor: differentiated as floats when it is chosen (by
    ``argnum``, or by default with ``requires_grad=True``), as NumPy promotes ints."""
    return isinstance(value, tensor) and value.dtype.kind in "iu"


def numeric(value, what):
    """A float64 array for a floating-point input; None for anything else (static).

    Complex numbers and arrays (a state vector for ``StatePrep``, a matrix) are static:
    their values are constants of the trace, and a new value traces again. Non-numeric
    object arrays are refused.
    """
    if isinstance(value, float) or isinstance(value, np.floating):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, memoryview):
        value = buffer_array(value, what)
    if isinstance(value, np.ndarray):
        if type(value) is not np.ndarray and _masked(value):
            # (its masked entries' numbers were used as if unmasked; PennyLane gives
            # another number again, from NumPy's masked constant)
            raise ArgumentError(
                f"{what} is a masked array with masked entries, which have no value to "
                "run the circuit at: pass value.filled(x) (x in their place) or the "
                "entries you mean, e.g. value.compressed()")
        return as_float_array(value, what)
    if isinstance(value, (list, tuple)) and is_number_container(value):
        try:
            return as_float_array(value, what)
        except ArgumentError:
            if _rectangular(value) and not _holds_array(value):
                raise
            # no array, e.g. wires of excitations [[0, 2], [0, 1, 2, 3]] or arrays of two
            # shapes: static (PennyLane does not differentiate it either)
            return None
    return None


def _holds_bool(value) -> bool:
    """Whether a (nested) list or tuple holds a bool.

    >>> _holds_bool([0.3, [0.1, True]]), _holds_bool((0.3, 1))
    (True, False)
    """
    return any(_holds_bool(v) if isinstance(v, (list, tuple)) else isinstance(v, (bool, np.bool_))
               for v in value)


def _rectangular(value) -> bool:
    """Whether a nested list or tuple of numbers has an array's shape (every level's
    items all numbers, or all containers of one shape)."""
    if not isinstance(value, (list, tuple)):
        return True
    kids = [isinstance(v, (list, tuple)) for v in value]
    if not any(kids):
        return True
    if not all(kids) or len({len(v) for v in value}) != 1:
        return False
    return all(_rectangular(v) for v in value)


def _masked(value) -> bool:
    """Whether ``value`` is a NumPy masked array with masked entries, found by its class
    (no import of the lazily loaded ``numpy.ma``: a masked array exists only once it was
    loaded, and ``sys.modules`` may hold it partly initialized while the kernels'
    background warm-up imports it in another thread)."""
    for cls in type(value).__mro__:
        if cls.__name__ == "MaskedArray" and cls.__module__ in ("numpy.ma", "numpy.ma.core"):
            return bool(sys.modules["numpy.ma.core"].is_masked(value))
    return False


def _holds_array(value) -> bool:
    """Whether a nested list or tuple holds an array of one dimension or more."""
    if isinstance(value, (list, tuple)):
        return any(_holds_array(v) for v in value)
    return isinstance(value, np.ndarray) and value.ndim > 0


def _complex(value) -> bool:
    """Whether ``value`` is a complex number or an array (or nested list) of complex
    numbers."""
    try:
        return np.asarray(value).dtype.kind == "c"
    except (ValueError, TypeError):  # ragged
        return False


def _float_list(value):
    """A list starting with a float as a float64 array; None when it is none (other items,
    a ragged nesting such as ``[0.1, [0.2, 0.3]]``: :func:`numeric` decides)."""
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged
        return None
    return arr if arr.dtype == F64 else None


def classify(args, kwargs, diff, static_names, static_positions=frozenset()):
    """Split call arguments into the signature and the numeric inputs.

    This runs on every call, so plain floats and float64 arrays take a short path.
    Finiteness is checked inside the compiled code (see :func:`qsym._executors.raise_nonfinite`).

    Args:
        diff: indices of the positional arguments to differentiate, or None for the
            default (every trainable float argument).

    Returns ``(key, xs, ds)``: the signature (per positional argument ``(kind, shape)``
    or ``(kind, static key)``, then the keyword arguments), the arrays to differentiate
    (in order) and the data arrays.
    """
    if len(args) == 1 and not kwargs and not static_positions and diff in (None, (0,)):
        a = args[0]  # the common call: one float64 array, differentiated
        if type(a) is np.ndarray and a.dtype == F64:
            return ((TRAIN, a.shape),), [a], []
    key = []
    xs = []
    ds = []
    for i, a in enumerate(args):
        t = type(a)
        if i in static_positions:
            if diff is not None and i in diff:
                raise DifferentiationError(f"argument {i} is static (static_argnames)")
            key.append((STATIC, static_key(a, f"argument {i}")))
            continue
        if t is float:
            arr, shape = a, ()
        elif t is np.ndarray and a.dtype == F64:
            arr, shape = a, a.shape
        elif t is list and type(a[0] if a else None) is float and (arr := _float_list(a)) is not None:
            shape = arr.shape
        else:
            what = f"argument {i}"
            arr = numeric(a, what)
            if arr is None and diff is not None and i in diff and promotable(a):
                arr = np.asarray(a, dtype=np.float64)  # an int tensor, differentiated
            if arr is None:
                if has_box(a):  # inside a hybrid derivative: autograd's path
                    raise Boxed
                if diff is not None and i in diff and _complex(a):
                    # PennyLane's autograd differentiates a complex input (its gradient
                    # df/dRe - i df/dIm): the function runs on autograd's boxes (qml.grad,
                    # qml.jacobian catch this), the compiled circuits take real inputs
                    raise ByValueDerivative(
                        f"{what} is complex ({type(a).__name__} of dtype "
                        f"{np.asarray(a).dtype}): qsym's compiled derivatives take real "
                        "inputs; qml.grad and qml.jacobian of a QNode differentiate it by "
                        "autograd (the function run on its values, as PennyLane runs it). "
                        "Elsewhere, pass its real and imaginary parts as float arguments")
                if diff is not None and i in diff:
                    raise DifferentiationError(
                        f"{what} ({type(a).__name__} {a!r}) cannot be differentiated: only "
                        "floats and float arrays can; pass e.g. np.array([...], dtype=float)"
                    )
                key.append((STATIC, static_key(a, what)))
                continue
            shape = arr.shape
        if diff is None:
            trainable = not (t is tensor and not a.requires_grad)
        else:
            trainable = i in diff
            if trainable and (t is list or t is tuple) and _holds_bool(a):
                raise DifferentiationError(  # (PennyLane's autograd: a TypeError)
                    f"argument {i} ({t.__name__} {a!r}) holds a bool, which is not "
                    "differentiated (a gate angle True is the number 1.0 in a value, as "
                    "in PennyLane): pass floats, e.g. [0.3, 1.0]")
        if trainable:
            key.append((TRAIN, shape))
            xs.append(arr)
        else:
            key.append((DATA, shape))
            ds.append(arr)
    if kwargs:
        for name in sorted(kwargs):
            a = kwargs[name]
            what = f"keyword argument {name!r}"
            arr = None if name in static_names else numeric(a, what)
            if arr is None:
                if has_box(a):
                    raise Boxed
                key.append((name, STATIC, static_key(a, what)))
                continue
            key.append((name, DATA, arr.shape))
            ds.append(arr)
    return tuple(key), xs, ds


def normalize_argnum(argnum, argnums):
    """``(indices or None, single)`` from a derivative's ``argnum`` / ``argnums``."""
    if argnum is not None and argnums is not None and argnum != argnums:
        raise DifferentiationError("give argnum or argnums, not both")
    a = argnums if argnums is not None else argnum
    if a is None:
        return None, False
    if isinstance(a, numbers.Integral) and not isinstance(a, bool):
        return (int(a),), True
    try:
        items = tuple(a)
    except TypeError:
        raise DifferentiationError(f"argnum must be an int or a list of ints, got {a!r}") from None
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in items):
        raise DifferentiationError(f"argnum must be an int or a list of ints, got {a!r}")
    if len(set(items)) != len(items):
        raise DifferentiationError(f"argnum {list(items)} repeats an argument")
    return tuple(int(i) for i in items), False
