"""A QNode's arguments (differentiated, data or static) and options.

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
or arrays); with nothing to differentiate they warn as PennyLane does and return ``()``. A QNode's keywords are checked by :func:`resolve` (:class:`Options`; the
method that runs: ``"best"`` is the adjoint method, or parameter shift with custom shifts).

>>> key, xs, ds = classify((0.5, [0.1, 0.2], 3), {"w": 0.25}, None, frozenset())
>>> key
(('x', ()), ('x', (2,)), ('s', ('int', 3)), ('w', 'd', ()))
>>> len(xs), len(ds)
(2, 1)
>>> resolve(diff_method="best").method, resolve(diff_method="best", shifts={"RX": 0.5}).method
('adjoint', 'parameter-shift')
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import rules
from ._autodiff import Boxed, has_box
from .errors import ArgumentError, DifferentiationError, QNodeError
from ._gates import gate_def
from .numpy import tensor
from ._shapes import DEFAULT_STEP, stencil

# the kinds of an argument in a signature
STATIC, DATA, TRAIN = "s", "d", "x"
F64 = np.dtype(np.float64)




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
    if kind == "O":
        raise ArgumentError(
            f"{what} is not numeric (an array of {type(arr.flat[0]).__name__ if arr.size else 'objects'}); "
            "pass real numbers"
        )
    return None


# the top-level modules of other frameworks' array types (PennyLane's other interfaces)
_FOREIGN_ARRAYS = {"jax": "JAX", "jaxlib": "JAX", "torch": "PyTorch", "tensorflow": "TensorFlow"}


def static_key(value, what):
    """A hashable key of a static argument's value, compared by content."""
    if isinstance(value, np.ndarray):
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
    except TypeError:
        raise ArgumentError(
            f"{what} of type {type(value).__name__} is neither numeric nor hashable; qsym "
            "must compare it between calls to know whether to trace again"
        ) from None
    return (type(value).__name__, value)


def is_number_container(value) -> bool:
    """A non-empty (nested) list or tuple of real numbers."""
    if isinstance(value, (list, tuple)):
        return all(is_number_container(v) for v in value) and len(value) > 0
    if isinstance(value, np.ndarray):  # e.g. [x[0], x[1]] of a tensor: 0-d tensors
        return value.ndim == 0 and value.dtype.kind in "iuf"
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
    if isinstance(value, np.ndarray):
        return as_float_array(value, what)
    if isinstance(value, (list, tuple)) and is_number_container(value):
        return as_float_array(value, what)
    return None


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
        elif t is list and type(a[0] if a else None) is float and (arr := np.asarray(a)).dtype == F64:
            shape = arr.shape
        else:
            what = f"argument {i}"
            arr = numeric(a, what)
            if arr is None and diff is not None and i in diff and promotable(a):
                arr = np.asarray(a, dtype=np.float64)  # an int tensor, differentiated
            if arr is None:
                if has_box(a):  # inside a hybrid derivative: autograd's path
                    raise Boxed
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


# --- a QNode's options ---------------------------------------------------------------------
DIFF_METHODS = ("parameter-shift", "adjoint", "finite-diff", "best", "backprop", "device",
                "hadamard", "spsa")


def check_diff_method(diff_method) -> None:
    """PennyLane's checks of ``diff_method=`` (a name of :data:`DIFF_METHODS`, a gradient
    transform, or None), with its messages and a :class:`~qsym.errors.QNodeError`.

    >>> check_diff_method("adjoint") is None
    True
    """
    if diff_method is None or diff_method in DIFF_METHODS:
        return
    if isinstance(diff_method, str):
        raise QNodeError(
            f"Differentiation method {diff_method} not recognized. Allowed options are "
            f"{DIFF_METHODS}, or a gradient transform such as qml.gradients.param_shift.")
    raise QNodeError(
        f"Differentiation method {diff_method!r} must be a str, Transform, or None: one of "
        f"{DIFF_METHODS}, or a gradient transform such as qml.gradients.param_shift.")
INTERFACES = ("auto", "autograd", "numpy", None)
UNSUPPORTED_INTERFACES = ("jax", "jax-jit", "jax-python", "JAX", "torch", "pytorch", "tf",
                           "tensorflow", "tf-autograph", "tensorflow-autograph")
ALL_INTERFACES = frozenset(i for i in INTERFACES + UNSUPPORTED_INTERFACES if i)


def check_interface(interface):
    """PennyLane's ``interface=``: qsym's QNodes take and return NumPy (autograd) values."""
    if interface in INTERFACES:
        return "auto" if interface is None else interface
    if interface in UNSUPPORTED_INTERFACES:
        raise ArgumentError(
            f"interface={interface!r} is not supported: qsym has no bridge to JAX, PyTorch or "
            "TensorFlow; use interface='auto' (NumPy/autograd values, qml.grad) or drop it"
        )
    raise ArgumentError(
        f"'{interface}' is not a valid Interface. Please use one of the supported interfaces: "
        f"{list(INTERFACES) + list(UNSUPPORTED_INTERFACES)}. qsym accepts {', '.join(map(repr, INTERFACES))} "
        "(PennyLane's 'jax', 'torch' and 'tf' are known but not supported)"
    )


GRADIENT_KWARGS = ("h", "approx_order", "strategy", "shifts", "argnum")
# spsa_grad's own options (diff_method="spsa" only): its random directions
SPSA_KWARGS = ("num_directions", "sampler", "sampler_rng")
# PennyLane's gradient options that change no number qsym computes: parameter shift's
# tolerance for zero coefficients (qsym's rules are exact), its broadcasting of the shifted
# circuits, and the check of the parameters (accepted, kept in ``gradient_kwargs``)
NEUTRAL_GRADIENT_KWARGS = ("atol", "broadcast", "use_broadcasting", "validate_params")


# PennyLane's options for mid-circuit measurements: accepted, they change no number qsym
# computes (it defers every measurement, docs/pennylane.md "Mid-circuit measurements")
MCM_METHODS = (None, "deferred", "one-shot", "tree-traversal", "single-branch-statistics",
               "device")
POSTSELECT_MODES = (None, "hw-like", "fill-shots", "pad-invalid-samples", "device")


def check_mcm_options(mcm_method, postselect_mode) -> None:
    """PennyLane's checks of ``mcm_method`` and ``postselect_mode`` (its messages, an
    :class:`~qsym.errors.ArgumentError`, which is a ``ValueError``).

    >>> check_mcm_options("deferred", "hw-like") is None
    True
    """
    if mcm_method not in MCM_METHODS:
        raise ArgumentError(
            f"'{mcm_method}' is not a valid mcm_method. Please use one of the supported "
            f"mid-circuit measurement methods available: {list(MCM_METHODS)} (qsym defers "
            "every mid-circuit measurement: the methods give the same statistics)")
    if postselect_mode not in POSTSELECT_MODES:
        raise ArgumentError(
            f"'{postselect_mode}' is not a valid postselect_mode. Please use one of the "
            f"supported postselection modes available: {list(POSTSELECT_MODES)}")


def check_mcm_call(mcm_method, shots) -> None:
    """PennyLane's checks of ``mcm_method`` when a QNode runs: ``"one-shot"`` needs finite
    shots, ``"single-branch-statistics"`` needs ``qml.qjit`` (which qsym does not have).

    >>> check_mcm_call("one-shot", 100) is None
    True
    """
    if mcm_method == "one-shot" and not shots:
        raise ArgumentError(
            "Cannot use the 'one-shot' method for mid-circuit measurements with analytic "
            "mode. Set shots (qml.set_shots(qnode, shots=N)) or use mcm_method='deferred'.")
    if mcm_method == "single-branch-statistics":
        raise ArgumentError(
            "Cannot use mcm_method='single-branch-statistics' without qml.qjit or capture "
            "enabled (qsym has neither); use mcm_method='deferred' or None.")


def check_pennylane_options(grad_on_execution, cache, cachesize, max_diff, device_vjp, gradient_kwargs,
                   postselect_mode, mcm_method, executor_backend, autograph) -> dict:
    """PennyLane's QNode options: each is accepted where it means something for qsym (or
    changes nothing it computes: docs/pennylane.md), refused with a reason otherwise."""
    if grad_on_execution not in ("best", True, False):
        raise ArgumentError(f"grad_on_execution must be 'best', True or False, got {grad_on_execution!r}")
    if not (cache in ("auto", True, False, None) or hasattr(cache, "__getitem__")):
        raise ArgumentError(f"cache must be 'auto', True, False, None or a dict, got {cache!r}")
    if isinstance(cachesize, bool) or not isinstance(cachesize, numbers.Integral) or cachesize < 0:
        raise ArgumentError(f"cachesize must be a non-negative int, got {cachesize!r}")
    if isinstance(max_diff, bool) or not isinstance(max_diff, numbers.Integral) or max_diff < 1:
        raise ArgumentError(f"max_diff must be a positive int, got {max_diff!r}")
    if max_diff > 2:
        raise DifferentiationError(
            f"max_diff={max_diff}: qsym computes first and second derivatives (qml.hessian) "
            "exactly, not third or higher; use max_diff=1 or 2"
        )
    if device_vjp not in (True, False, None):
        raise ArgumentError(f"device_vjp must be True or False, got {device_vjp!r}")
    check_mcm_options(mcm_method, postselect_mode)
    if executor_backend is not None:
        raise ArgumentError("executor_backend is not supported: qsym runs circuits in-process")
    if autograph not in (True, False):
        raise ArgumentError(f"autograph must be True or False, got {autograph!r}")
    if gradient_kwargs is None:
        return {}
    if not isinstance(gradient_kwargs, dict):
        raise ArgumentError(f"gradient_kwargs must be a dict, got {type(gradient_kwargs).__name__}")
    bad = sorted(k for k in gradient_kwargs if k not in GRADIENT_KWARGS
                 and k not in NEUTRAL_GRADIENT_KWARGS and k not in SPSA_KWARGS)
    if bad:
        raise ArgumentError(
            f"unsupported gradient_kwargs {bad}; qsym understands {', '.join(GRADIENT_KWARGS)} "
            "(finite-difference step, order and strategy, custom shifts, the trainable tape "
            "parameters differentiated), and accepts "
            f"{', '.join(NEUTRAL_GRADIENT_KWARGS)} (they change nothing qsym computes)"
        )
    if "argnum" in gradient_kwargs:
        gradient_kwargs = dict(gradient_kwargs, argnum=check_tape_argnum(gradient_kwargs["argnum"]))
    return dict(gradient_kwargs)


def check_tape_argnum(argnum):
    """PennyLane's ``gradient_kwargs={"argnum": ...}``: the positions among a tape's
    trainable parameters to differentiate (the others get zero derivatives); None: all.

    >>> check_tape_argnum(1), check_tape_argnum([0, 2]), check_tape_argnum(None)
    ((1,), (0, 2), None)
    """
    if argnum is None:
        return None
    items = [argnum] if isinstance(argnum, numbers.Integral) else argnum
    try:
        items = tuple(items)
    except TypeError:
        items = (argnum,)
    if any(isinstance(a, bool) or not isinstance(a, numbers.Integral) or a < 0 for a in items):
        raise ArgumentError(f"gradient_kwargs' argnum must be an int or a list of non-negative "
                            f"ints (positions among the tape's trainable parameters), got {argnum!r}")
    return tuple(int(a) for a in items)

@dataclass(frozen=True)
class Options:
    """A QNode's checked options (see :class:`qsym._runtime.QNode` for their meaning)."""

    diff_method: str | None  # as given (after PennyLane's aliases)
    method: str  # what runs: "parameter-shift", "adjoint" or "finite-diff"
    interface: str
    h: float
    approx_order: int
    strategy: str
    shifts: dict
    gradient_kwargs: dict
    max_diff: int
    grad_on_execution: Any
    cache: Any
    device_vjp: Any


def resolve(diff_method="parameter-shift", h=None, approx_order=1, interface="auto",
            shifts=None, *, strategy="forward", grad_on_execution="best", cache="auto", cachesize=10000,
            max_diff=1, device_vjp=False, gradient_kwargs=None, postselect_mode=None,
            mcm_method=None, executor_backend=None, autograph=True) -> Options:
    """Check a QNode's keywords; the :class:`Options` they give."""
    if isinstance(diff_method, str) and diff_method in ALL_INTERFACES:
        # PennyLane's third positional argument is the interface
        interface, diff_method = diff_method, "parameter-shift"
    # a gradient transform (qml.gradients.param_shift, finite_diff) names its method
    diff_method = getattr(diff_method, "qsym_diff_method", diff_method)
    check_diff_method(diff_method)
    interface = check_interface(interface)
    gkw = check_pennylane_options(grad_on_execution, cache, cachesize, max_diff, device_vjp,
                                  gradient_kwargs, postselect_mode, mcm_method,
                                  executor_backend, autograph)
    spsa_only = sorted(k for k in gkw if k in SPSA_KWARGS)
    if spsa_only and diff_method != "spsa":
        raise ArgumentError(f"gradient_kwargs {spsa_only} are options of diff_method='spsa' "
                            f"(qml.gradients.spsa_grad), not of {diff_method!r}")
    if "h" in gkw:
        if h is not None:
            raise ArgumentError("give h= or gradient_kwargs={'h': ...}, not both")
        h = gkw["h"]
    approx_order = gkw.get("approx_order", approx_order)
    strategy = gkw.get("strategy", strategy)
    if "shifts" in gkw:
        if shifts is not None:
            raise ArgumentError("give shifts= or gradient_kwargs={'shifts': ...}, not both")
        shifts = gkw["shifts"]
    stencil(approx_order, strategy)  # PennyLane's checks of approx_order and strategy
    step = DEFAULT_STEP if h is None else float(h)
    if not (np.isfinite(step) and step > 0):
        raise DifferentiationError(f"the finite-difference step h must be > 0, got {h!r}")
    shifts = check_shifts(shifts)
    # "best": the fastest exact method on a simulator (the adjoint method's cost does not
    # grow with the parameters; custom shifts ask for parameter shift); "backprop": the
    # exact derivative of the simulation, which the adjoint method computes; None: never
    # differentiated (PennyLane)
    # "device": the device's own method (default.qubit's, lightning's: adjoint); "hadamard":
    # the Hadamard test's exact derivative, which parameter shift computes; "spsa": the
    # QNode's tapes differentiated by qml.gradients.spsa_grad (qsym._tapes.tape_gradient)
    method = {"best": "parameter-shift" if shifts else "adjoint", "backprop": "adjoint",
              "device": "adjoint", "hadamard": "parameter-shift", "spsa": "parameter-shift",
              None: "parameter-shift"}.get(diff_method, diff_method)
    return Options(diff_method, method, interface, step,
                   int(approx_order), strategy, shifts, dict(gkw), max_diff, grad_on_execution, cache,
                   device_vjp)


def check_shifts(shifts) -> dict:
    """Validate ``shifts={gate: shifts}``; rules of fixed-wire gates are derived (and
    proved) now, so that bad shifts fail when the QNode is made, not at its first call."""
    if shifts is None:
        return {}
    if not isinstance(shifts, dict):
        raise DifferentiationError(
            "shifts must be a dict {gate name: shifts}, e.g. shifts={'RX': np.pi / 4}"
        )
    for name, spec in shifts.items():
        row = gate_def(name)
        if row.num_params == 0:
            raise DifferentiationError(f"{name} has no parameters to shift")
        per_param = spec if isinstance(spec, dict) else {p: spec for p in range(row.num_params)}
        for pos, value in per_param.items():
            if not isinstance(pos, int) or not 0 <= pos < row.num_params:
                raise DifferentiationError(f"{name} has no parameter {pos!r}")
            if row.num_wires:  # fixed gate: derive and prove now
                rules.rule_for_gate(name, pos, shifts=value)
    return dict(shifts)
