"""A QNode's options: PennyLane's keywords checked, their defaults, what they make run.

:class:`qsym._runtime.QNode` takes its keywords here: :func:`resolve` checks
``diff_method`` (PennyLane's names and aliases, a gradient transform), ``interface``,
``gradient_kwargs`` and the finite-difference and shift options, and PennyLane's execution
options (``grad_on_execution``, ``cache``, ``max_diff``, ``mcm_method``, ...), and gives
the :class:`Options` a QNode holds (``method``: the derivative method that runs);
:func:`check_trace`, :func:`static_arguments` and :func:`qnode_shots` check the rest of
its keywords; :func:`call_shots` reads PennyLane's per-call ``shots=`` keyword;
:func:`updated_arguments` is ``QNode.update``'s merge of new options into the old. A device's own options are checked by :mod:`qsym.devices`.

>>> opts = resolve(diff_method="finite-diff", gradient_kwargs={"h": 1e-4})
>>> opts.method, opts.h, opts.approx_order
('finite-diff', 0.0001, 1)
>>> static_arguments("n", 2, ("x", "n", "m"))[2]
frozenset({1, 2})
"""

from __future__ import annotations

import inspect
import numbers
import types
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import rules, _shots as shots_mod
from .errors import ArgumentError, DifferentiationError, QNodeError
from ._gates import gate_def
from ._shapes import DEFAULT_STEP, check_num_directions, check_stencil

TRACE_MODES = ("auto", "per-call", "once")  # QNode(trace=...)
UNSET = "unset"  # PennyLane's marker for "shots not given on the QNode"


class OptionsError(ArgumentError, ValueError):
    """Bad QNode options where PennyLane raises a ``ValueError`` (``QNode.update()``
    without options): an :class:`~qsym.errors.ArgumentError` that is also a
    ``ValueError``.

    >>> issubclass(OptionsError, ValueError)
    True
    """


class DefaultMethod(str):
    """``diff_method`` not given: it reads ``"best"`` (PennyLane's default, what
    ``qnode.diff_method`` and the QNode's repr show), and runs qsym's parameter shift
    (``Options.method``), where PennyLane's ``"best"`` is backpropagation on
    ``default.qubit`` (which decides the results' type: :func:`qsym._runtime.result_types`).
    Code that must tell it from an explicit ``"best"`` tests ``is DEFAULT_DIFF_METHOD``.

    >>> DEFAULT_DIFF_METHOD == "best", type(DEFAULT_DIFF_METHOD).__name__
    (True, 'DefaultMethod')
    >>> resolve().method, resolve(diff_method="best").method
    ('parameter-shift', 'adjoint')
    """


DEFAULT_DIFF_METHOD = DefaultMethod("best")

DIFF_METHODS = ("parameter-shift", "adjoint", "finite-diff", "best", "backprop", "device",
                "hadamard", "spsa")


def check_diff_method(diff_method, device_supports=None) -> None:
    """PennyLane's checks of ``diff_method=`` (a name of :data:`DIFF_METHODS`, a gradient
    transform, or None), with its messages and a :class:`~qsym.errors.QNodeError`. Another
    name is accepted where ``device_supports(name)`` (the QNode's device's
    ``supports_derivatives`` of that ``gradient_method``) says yes: PennyLane's device
    derivatives under a name of the device's own (:func:`is_device_method`).

    >>> check_diff_method("adjoint") is None
    True
    >>> check_diff_method("hello", device_supports=lambda name: name == "hello") is None
    True
    """
    if diff_method is None or diff_method in DIFF_METHODS:
        return
    if isinstance(diff_method, str) and device_supports is not None and device_supports(
            diff_method):
        return
    if isinstance(diff_method, str):
        raise QNodeError(
            f"Differentiation method {diff_method} not recognized. Allowed options are "
            f"{DIFF_METHODS}, or a gradient transform such as qml.gradients.param_shift.")
    raise QNodeError(
        f"Differentiation method {diff_method!r} must be a str, Transform, or None: one of "
        f"{DIFF_METHODS}, or a gradient transform such as qml.gradients.param_shift.")


def is_device_method(diff_method) -> bool:
    """Whether ``diff_method`` names a derivative method of the device's own (a name not in
    :data:`DIFF_METHODS` that its ``supports_derivatives`` accepted): the device's
    ``compute_derivatives`` differentiates, as with ``"device"``.

    >>> is_device_method("hello"), is_device_method("device"), is_device_method(None)
    (True, False, False)
    """
    return isinstance(diff_method, str) and diff_method not in DIFF_METHODS


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
# hadamard_grad's own options (diff_method="hadamard" only): its mode and auxiliary wire
HADAMARD_KWARGS = ("mode", "aux_wire", "device_wires")
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


def check_executor_backend(backend) -> None:
    """PennyLane's ``executor_backend``: None or a ``qml.concurrency`` backend (an
    ``ExecBackends`` member, its name, an executor class or instance). PennyLane's device
    uses it to spread a batch of circuits over workers when the device has ``max_workers``;
    the numbers do not depend on it, and qsym runs its circuits in-process (its own threads
    with ``max_workers``). Anything else is refused with the names.

    >>> check_executor_backend("cf_threadpool")
    >>> check_executor_backend("threads")
    Traceback (most recent call last):
    ...
    qsym.errors.ArgumentError: executor_backend must be None, a qml.concurrency.executors.ExecBackends member, an executor class or one of ['cf_procpool', 'cf_threadpool', 'dask', 'mp_pool', 'mpi4py_comm', 'mpi4py_pool', 'serial'], got 'threads'
    """
    if backend is None:  # (qml.concurrency is loaded only when a backend is given)
        return
    from .concurrency import ExecBackends, RemoteExec, get_supported_backends

    names = get_supported_backends()
    if (isinstance(backend, (ExecBackends, RemoteExec))
            or (isinstance(backend, type) and issubclass(backend, RemoteExec))
            or (isinstance(backend, str) and backend in names)):
        return
    raise ArgumentError("executor_backend must be None, a qml.concurrency.executors.ExecBackends "
                        f"member, an executor class or one of {sorted(names)}, got {backend!r}")


def check_pennylane_options(grad_on_execution, cache, cachesize, max_diff, device_vjp, gradient_kwargs,
                   postselect_mode, mcm_method, executor_backend, autograph) -> dict:
    """PennyLane's QNode options: each is accepted where it means something for qsym (or
    changes nothing it computes: docs/pennylane.md), refused with a reason otherwise."""
    if grad_on_execution not in ("best", True, False):
        raise ArgumentError(f"grad_on_execution must be 'best', True or False, got {grad_on_execution!r}")
    if not (cache in ("auto", True, False, None) or (
            hasattr(cache, "__getitem__") and not isinstance(cache, (str, bytes)))):
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
    check_executor_backend(executor_backend)
    if autograph not in (True, False):
        raise ArgumentError(f"autograph must be True or False, got {autograph!r}")
    if gradient_kwargs is None:
        return {}
    if not isinstance(gradient_kwargs, dict):
        raise ArgumentError(f"gradient_kwargs must be a dict, got {type(gradient_kwargs).__name__}")
    bad = sorted(k for k in gradient_kwargs
                 if k not in GRADIENT_KWARGS and k not in NEUTRAL_GRADIENT_KWARGS
                 and k not in SPSA_KWARGS and k not in HADAMARD_KWARGS)
    if bad:
        raise ArgumentError(
            f"unsupported gradient_kwargs {bad}; qsym understands {', '.join(GRADIENT_KWARGS)} "
            "(finite-difference step, order and strategy, custom shifts, the trainable tape "
            "parameters differentiated), "
            f"{', '.join(SPSA_KWARGS)} (diff_method='spsa'), {', '.join(HADAMARD_KWARGS)} "
            "(diff_method='hadamard'), and accepts "
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
    shifts: dict | float
    gradient_kwargs: dict
    max_diff: int
    grad_on_execution: Any
    cache: Any
    device_vjp: Any
    # PennyLane would differentiate by backpropagation (diff_method not given, "best" or
    # "backprop"): what decides the results' types (qsym._runtime.result_types)
    pl_backprop: bool = False
    # the diff_method and gradient_kwargs as the user gave them (what qnode.diff_method and
    # qnode.gradient_kwargs show, as PennyLane's: "direct-hadamard" and no "mode"); the
    # fields above are what qsym dispatches on (diff_method "hadamard", "mode" added)
    given_method: Any = None
    given_kwargs: dict | None = None


# PennyLane 0.45's names of hadamard_grad's modes as methods (its _resolve_hadamard)
HADAMARD_ALIASES = {"reversed-hadamard": "reversed", "direct-hadamard": "direct",
                    "reversed-direct-hadamard": "reversed-direct"}


def hadamard_alias(diff_method, gradient_kwargs):
    """``diff_method="reversed-hadamard"`` (``"direct-hadamard"``,
    ``"reversed-direct-hadamard"``) as PennyLane resolves it: ``"hadamard"`` with that
    ``mode`` in the gradient options; a ``mode`` given too raises PennyLane's error (an
    :class:`~qsym.errors.ArgumentError`, a ``ValueError``). Other methods are returned as
    they are.

    >>> hadamard_alias("direct-hadamard", {"aux_wire": 3})
    ('hadamard', {'aux_wire': 3, 'mode': 'direct'})
    >>> hadamard_alias("adjoint", None)
    ('adjoint', None)
    """
    if not (isinstance(diff_method, str) and diff_method in HADAMARD_ALIASES):
        return diff_method, gradient_kwargs
    given = dict(gradient_kwargs or {})
    if "mode" in given:
        raise ArgumentError(f"diff_method={diff_method} cannot be provided with a 'mode' in "
                            "the gradient_kwargs.")
    return "hadamard", {**given, "mode": HADAMARD_ALIASES[diff_method]}


def resolve(diff_method=DEFAULT_DIFF_METHOD, h=None, approx_order=1, interface="auto",
            shifts=None, *, strategy="forward", grad_on_execution="best", cache="auto", cachesize=10000,
            max_diff=1, device_vjp=False, gradient_kwargs=None, postselect_mode=None,
            mcm_method=None, executor_backend=None, autograph=True,
            device_supports=None) -> Options:
    """Check a QNode's keywords; the :class:`Options` they give (``device_supports``: the
    device's answer to a ``diff_method`` name of its own, :func:`check_diff_method`).

    >>> resolve(diff_method="best").method, resolve(diff_method="best", shifts={"RX": 0.5}).method
    ('adjoint', 'parameter-shift')
    """
    pl_backprop = diff_method is DEFAULT_DIFF_METHOD or diff_method in ("best", "backprop")
    if isinstance(diff_method, str) and diff_method in ALL_INTERFACES:
        # PennyLane's third positional argument is the interface
        interface, diff_method = diff_method, "parameter-shift"
    # a gradient transform (qml.gradients.param_shift, finite_diff) names its method
    diff_method = getattr(diff_method, "qsym_diff_method", diff_method)
    given_method = diff_method
    diff_method, gradient_kwargs = hadamard_alias(diff_method, gradient_kwargs)
    check_diff_method(diff_method, device_supports)
    interface = check_interface(interface)
    gkw = check_pennylane_options(grad_on_execution, cache, cachesize, max_diff, device_vjp,
                                  gradient_kwargs, postselect_mode, mcm_method,
                                  executor_backend, autograph)
    spsa_only = sorted(k for k in gkw if k in SPSA_KWARGS)
    if spsa_only and diff_method != "spsa":
        raise ArgumentError(f"gradient_kwargs {spsa_only} are options of diff_method='spsa' "
                            f"(qml.gradients.spsa_grad), not of {diff_method!r}")
    hadamard_only = sorted(k for k in gkw if k in HADAMARD_KWARGS)
    if hadamard_only and diff_method != "hadamard":
        raise ArgumentError(f"gradient_kwargs {hadamard_only} are options of "
                            "diff_method='hadamard' (qml.gradients.hadamard_grad), not of "
                            f"{diff_method!r}")
    if "num_directions" in gkw:
        check_num_directions(gkw["num_directions"])
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
    check_stencil(approx_order, strategy)  # PennyLane's checks of approx_order and strategy
    try:
        step = DEFAULT_STEP if h is None else float(h)
    except (TypeError, ValueError):  # ("a", [1e-3]: Python's bare conversion error)
        step = float("nan")
    if isinstance(h, (bool, str, bytes)) or not (np.isfinite(step) and step > 0):
        raise DifferentiationError(f"the finite-difference step h must be a finite number > 0 "
                                   f"(e.g. h=1e-7), got {h!r}")
    shifts = check_shifts(shifts)
    # "best": the fastest exact method on a simulator (the adjoint method's cost does not
    # grow with the parameters; custom shifts ask for parameter shift); "backprop": the
    # exact derivative of the simulation, which the adjoint method computes; None: never
    # differentiated (PennyLane)
    # "device": the device's own method (default.qubit's, lightning's: adjoint); "hadamard":
    # the Hadamard test's exact derivative, which parameter shift computes; "spsa": the
    # QNode's tapes differentiated by qml.gradients.spsa_grad (qsym._tapes.tape_gradient);
    # a device's own name: as "device"
    method = "parameter-shift" if diff_method is DEFAULT_DIFF_METHOD else "adjoint" if (
        is_device_method(diff_method)) else {
              "best": "parameter-shift" if shifts else "adjoint", "backprop": "adjoint",
              "device": "adjoint", "hadamard": "parameter-shift", "spsa": "parameter-shift",
              None: "parameter-shift"}.get(diff_method, diff_method)
    given_kwargs = ({k: v for k, v in gkw.items() if k != "mode"}
                    if given_method is not diff_method else dict(gkw))
    return Options(diff_method, method, interface, step,
                   int(approx_order), strategy, shifts, dict(gkw), max_diff, grad_on_execution, cache,
                   device_vjp, pl_backprop, given_method, given_kwargs)


def check_shifts(shifts):
    """Validate ``shifts``: ``{gate name: shifts}`` (rules of fixed-wire gates are derived
    and proved now, so that bad shifts fail when the QNode is made, not at its first call),
    or one real number ``s``: the shift of every parameter (each has one frequency ``w``:
    the exact two-term rule ``w (f(x+s) - f(x-s)) / (2 sin(w s))``). PennyLane accepts a
    number here too but fails with a TypeError when it differentiates.

    >>> check_shifts(0.5), check_shifts({"RX": 0.25})
    (0.5, {'RX': 0.25})
    """
    if shifts is None:
        return {}
    if isinstance(shifts, (numbers.Real, np.ndarray)) and not isinstance(shifts, bool) \
            and np.ndim(shifts) == 0:
        value = float(shifts)
        if not np.isfinite(value):
            raise DifferentiationError(f"the shift must be a finite number, got {shifts!r}")
        rules.derive_rule([1], shifts=[value])  # positive, and not a multiple of pi
        return value
    if not isinstance(shifts, dict):
        raise DifferentiationError(
            "shifts must be one positive number (the shift of every parameter, e.g. "
            "shifts=np.pi / 4) or a dict {gate name: shifts}, e.g. shifts={'RX': np.pi / 4}; "
            f"got {type(shifts).__name__} (one tuple per trainable parameter is "
            "qml.gradients.param_shift(tape, shifts=[...])'s form)"
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


def check_trace(trace: str) -> str:
    """``QNode(trace=...)``: one of :data:`TRACE_MODES`.

    >>> check_trace("per-call")
    'per-call'
    """
    if trace not in TRACE_MODES:
        raise ArgumentError(f"trace must be one of {', '.join(map(repr, TRACE_MODES))}, "
                            f"got {trace!r}")
    return trace


def parameter_names(func) -> tuple:
    """The names of ``func``'s parameters, in the order of ``inspect.signature(func)``
    (``()`` if it has none). A plain function (not wrapped, no ``__signature__`` of its
    own) is read from its code object, as ``inspect`` reads it: a new QNode's first
    ``inspect.signature`` was 0.05-0.09 ms of a new process's first answer (issue #17).

    >>> def f(a, b=1, *rest, c, **more): pass
    >>> parameter_names(f)
    ('a', 'b', 'rest', 'c', 'more')
    """
    if type(func) is types.FunctionType:
        own = func.__dict__
        if "__wrapped__" not in own and "__signature__" not in own:
            code = func.__code__
            names, n, k = code.co_varnames, code.co_argcount, code.co_kwonlyargcount
            out, at = names[:n], n + k
            if code.co_flags & inspect.CO_VARARGS:
                out += (names[at],)
                at += 1
            out += names[n:n + k]
            if code.co_flags & inspect.CO_VARKEYWORDS:
                out += (names[at],)
            return out
    try:
        return tuple(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return ()


def static_arguments(static_argnames, static_argnums, param_names) -> tuple:
    """``(names, argnums, positions)`` of a QNode's static arguments: the keyword names
    (``static_argnames``, a name or names), the positions given (``static_argnums``, an
    int or ints) and every position that is static (the given ones and those of the
    circuit function's parameters ``param_names`` named static).

    >>> static_arguments(("n",), (), ("x", "n"))
    (frozenset({'n'}), frozenset(), frozenset({1}))
    """
    try:
        names = frozenset([static_argnames] if isinstance(static_argnames, str)
                          else static_argnames)
    except TypeError:
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        raise ArgumentError(
            f"static_argnames must be an argument name or names (str), got {static_argnames!r}"
            "; positions go to static_argnums (e.g. static_argnums=1)")
    if isinstance(static_argnums, numbers.Integral):
        static_argnums = (static_argnums,)
    try:
        argnums = frozenset(int(i) for i in static_argnums)
    except (TypeError, ValueError):
        raise ArgumentError(f"static_argnums must be an int or ints, got {static_argnums!r}") from None
    positions = frozenset(i for i, n in enumerate(param_names) if n in names) | argnums
    return names, argnums, positions


def qnode_shots(shots, param_names) -> tuple:
    """``(set, shots, own)`` of a QNode's ``shots=``: whether shots were set on the QNode
    (not :data:`UNSET`), the shots checked (:func:`qsym._shots.check_shots`; None when not
    set) and whether the circuit function has its own ``shots`` parameter (PennyLane then
    leaves the keyword to it, and warns).

    >>> qnode_shots(UNSET, ("x",)), qnode_shots(100, ("x",))
    ((False, None, False), (True, 100, False))
    """
    given = shots is not UNSET
    checked = shots_mod.check_shots(shots if given else None)
    own = "shots" in param_names
    if own:
        warnings.warn(
            "Detected 'shots' as an argument to the given quantum function. The 'shots' "
            "argument name is reserved for overriding the number of shots taken by the "
            "device. Its use outside of this context should be avoided.", UserWarning,
            stacklevel=3)
    return given, checked, own


def call_shots(kwargs: dict, own: bool, shots_set: bool) -> tuple:
    """PennyLane's deprecated per-call keyword ``circuit(x, shots=N)``: ``(shots, kwargs)``,
    the shots this call runs with (:data:`UNSET`: the QNode's own; shots set on the QNode,
    ``shots_set``, take precedence, with a warning) and the keywords without ``shots``. A
    circuit function with its own ``shots`` parameter (``own``) keeps the keyword.

    >>> import warnings; warnings.simplefilter("ignore")
    >>> call_shots({"shots": 3, "w": 0.5}, False, False), call_shots({"shots": 3}, True, False)
    ((3, {'w': 0.5}), ('unset', {'shots': 3}))
    """
    if own or "shots" not in kwargs:
        return UNSET, kwargs
    from .exceptions import PennyLaneDeprecationWarning
    warnings.warn(
        "Specifying 'shots' when executing a QNode is deprecated and will be removed in "
        "v0.44. Please set shots on QNode initialization, or use qml.set_shots instead.",
        PennyLaneDeprecationWarning, stacklevel=4)
    kwargs = dict(kwargs)
    shots = kwargs.pop("shots")
    if shots_set:
        warnings.warn(
            "Both 'shots=' parameter and 'set_shots' transform are specified. The "
            f"transform will take precedence over 'shots={shots}.'", UserWarning,
            stacklevel=4)
        return UNSET, kwargs
    return shots, kwargs


# PennyLane's execution options of a QNode (``qnode.execute_kwargs``)
EXECUTE_KWARGS = ("grad_on_execution", "cache", "cachesize", "max_diff", "device_vjp",
                  "postselect_mode", "mcm_method", "executor_backend")


def updated_arguments(init_args: dict, changes: dict, shots=UNSET, device_shots=None) -> dict:
    """``QNode.update``'s keywords for the new QNode: the old QNode's ``init_args`` with
    ``changes``; ``gradient_kwargs`` merged into the old ones (a new value of one given
    before as a keyword, ``h=...``, wins). Shots set on the old QNode (``shots``, not
    :data:`UNSET`) stay unless ``changes`` has ``shots``; a new device whose shots differ
    from the old device's (``device_shots``) warns, and the new QNode keeps the old
    shots, as PennyLane's does.

    >>> old = {"diff_method": "parameter-shift", "h": 0.1, "gradient_kwargs": None}
    >>> updated_arguments(old, {"gradient_kwargs": {"h": 1e-3}})
    {'diff_method': 'parameter-shift', 'h': None, 'gradient_kwargs': {'h': 0.001}}
    """
    if not changes:
        raise OptionsError(
            "Must specify at least one configuration property to update. Valid "
            f"properties are: {sorted(init_args)} and gradient_kwargs' keys "
            f"{list(GRADIENT_KWARGS)}.")
    changes = dict(changes)
    args = dict(init_args)
    merged = dict(args.get("gradient_kwargs") or {})
    merged.update(changes.pop("gradient_kwargs", None) or {})
    for name in merged:  # given before as a keyword (h=...): the new value wins
        if name in args and name != "gradient_kwargs":
            args[name] = None if name in ("h", "shifts") else args[name]
    args["gradient_kwargs"] = merged or None
    if "shots" not in changes and shots is not UNSET:
        args["shots"] = shots
    elif ("device" in changes and "shots" not in changes
          and getattr(changes["device"], "given_shots", None) != device_shots):
        warnings.warn(
            "The device's shots value does not match the QNode's shots value. This may "
            "lead to unexpected behaviour. Use `set_shots` to update the QNode's shots.",
            UserWarning, stacklevel=3)
        args["shots"] = device_shots  # PennyLane: the QNode keeps its shots
    args.update(changes)
    return args
