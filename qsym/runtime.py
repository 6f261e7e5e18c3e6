"""Stage 6, runtime: devices, QNodes, ``grad`` and ``jacobian``.

A :class:`QNode` compiles once per *input signature*: the kinds and shapes of its
arguments, the values of its static arguments, and which arguments are differentiated.
Numeric values never enter the signature, so new parameter values or new keyword data
reuse the compiled code; a new shape or a new static value traces again.

How arguments are treated (as in PennyLane with autograd):

- positional floats and float arrays (and lists of floats) are trainable;
- ``qsym.numpy`` tensors with ``requires_grad=False`` and numeric keyword arguments are
  data: inputs of the compiled code that are never differentiated;
- ints, bools, strings and other objects are static: their values are baked into the
  trace (a new value traces again), and they cannot be differentiated; except integer
  ``qsym.numpy`` tensors, which a derivative takes (by default when ``requires_grad=True``,
  or by ``argnum``) promoted to float, as NumPy promotes ints;
- with nothing to differentiate, ``grad`` and ``jacobian`` warn as PennyLane does and
  return ``()``.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(params):
...     qml.RX(params[0], wires=0)
...     qml.RY(params[1], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> qml.grad(circuit, argnum=0)([0.54, 0.12])
array([-0.51043865, -0.1026782 ])
"""

from __future__ import annotations

import functools
import inspect
import logging
import numbers
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from . import autodiff, broadcast, cache, emit, ir, kernels, plan, rules, tiers, trace
from . import second_order
from .gates import REGISTRY as _GATE_REGISTRY
from . import shots as shots_mod
from .autodiff import Boxed, has_box
from .wires import Wires
from .errors import (
    ArgumentError,
    DeviceError,
    DifferentiationError,
    MeasurementError,
    TracingError,
    WireError,
)
from .numpy import tensor
from .shapes import (
    _EMPTY,
    DEFAULT_STEPS,
    STENCILS,
    finite_differences,
    flat,
    format_values,
    measurements,
    pick,
)

logger = logging.getLogger(__name__)

DEVICE_NAMES = ("default.qubit", "lightning.qubit", "qsym.qubit")
DIFF_METHODS = ("parameter-shift", "adjoint", "finite-diff", "best", "backprop")
# PennyLane device names qsym does not simulate, with what is missing
_UNSIMULATED_DEVICES = {
    "default.mixed": "mixed states and noise channels (a density-matrix simulator)",
    "lightning.gpu": "GPU simulation",
    "lightning.kokkos": "Kokkos simulation",
    "lightning.tensor": "tensor-network simulation",
    "default.qutrit": "qutrits",
    "default.qutrit.mixed": "qutrits and noise channels",
    "default.gaussian": "continuous-variable (photonic) circuits",
    "default.clifford": "the stabilizer (Clifford) simulator",
    "default.tensor": "tensor-network simulation",
    "null.qubit": "the null device",
    "default.qubit.legacy": "the legacy device API",
}


def _global_seed():
    """PennyLane's ``seed="global"``: one draw from NumPy's global generator at device
    creation, so ``np.random.seed(42)`` before the device makes its samples reproducible."""
    return np.random.randint(0, high=10000000)


class Device:
    """A statevector simulator: qsym's compiled kernels, exact, or sampled with ``shots``.

    The names ``"default.qubit"`` and ``"lightning.qubit"`` are accepted so that
    PennyLane code runs unchanged; both select qsym's own simulator. ``wires`` is a number
    of wires, a list of labels, or None (PennyLane's default: the wires are those the
    circuit uses, found when it is traced). ``shots=N`` estimates every measurement from
    ``N`` samples of the simulated state (:mod:`qsym.shots`); ``seed`` (an int, a NumPy
    generator, None for fresh entropy, or ``"global"``, the default: a seed drawn from
    NumPy's global generator, as PennyLane does) makes the samples reproducible.

    >>> Device("default.qubit", wires=["a", "b"]).wires
    Wires(['a', 'b'])
    >>> Device("default.qubit").wires is None
    True
    """

    def __init__(self, name: str = "default.qubit", wires=None, shots=None, seed="global"):
        if name in _UNSIMULATED_DEVICES:
            raise DeviceError(
                f"device {name!r} needs {_UNSIMULATED_DEVICES[name]}, which qsym does not "
                f"simulate; qsym provides {', '.join(DEVICE_NAMES)} (exact or sampled "
                "pure-state simulation)"
            )
        if name not in DEVICE_NAMES:
            raise DeviceError(f"unknown device {name!r}; qsym provides {', '.join(DEVICE_NAMES)}")
        if wires is None:
            labels = None
        elif isinstance(wires, bool) or not isinstance(
            wires, (numbers.Integral, list, tuple, range, np.ndarray)
        ):
            raise DeviceError(
                f"wires must be a number of wires, a list of labels or None, got {wires!r}"
            )
        elif isinstance(wires, numbers.Integral):
            if wires < 1:
                raise DeviceError(f"a device needs at least one wire, got wires={wires}")
            labels = Wires(range(int(wires)))
        else:
            if len(wires) == 0:
                raise DeviceError("a device needs at least one wire")
            try:
                labels = Wires(wires)
            except WireError:
                raise DeviceError(f"duplicate wire labels {list(wires)}") from None
        self.name = name
        self.short_name = name
        self.wires = labels
        self.shots = shots_mod.check_shots(shots)
        if isinstance(seed, str) and seed == "global":
            seed = _global_seed()
        elif not (seed is None or isinstance(seed, (numbers.Integral, np.random.Generator,
                                                     np.random.SeedSequence))):
            raise DeviceError(
                f"seed must be an int, None, \"global\" or a numpy Generator, got {seed!r}"
            )
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.num_executions = 0  # circuits run on this device (see qsym.Tracker)
        self._num_calls = 0
        self._recorded = 0  # executions already reported to trackers
        self._trackers: list = []

    @property
    def num_calls(self) -> int:
        """QNode evaluations and gradients run on this device."""
        return self._num_calls

    @num_calls.setter
    def num_calls(self, value):
        # every path adds its executions, then one call: report the pair to active trackers
        if self._trackers and value > self._num_calls:
            runs = self.num_executions - self._recorded
            for t in self._trackers:
                t._update(runs)
        self._recorded = self.num_executions
        self._num_calls = value

    @property
    def num_wires(self) -> int | None:
        return None if self.wires is None else len(self.wires)

    def __repr__(self):
        wires = None if self.wires is None else list(self.wires)
        return f"<qsym device {self.name!r}, wires={wires}>"


class Tracker:
    """Counts what a device ran inside a ``with`` block (PennyLane's ``qml.Tracker``).

    ``totals["executions"]`` is the number of circuits run (a parameter-shift gradient runs
    the value circuit and one per shift term; an adjoint gradient counts one);
    ``totals["calls"]`` and ``totals["batches"]`` the number of QNode evaluations and
    gradients (each is one batch of circuits); ``totals["simulations"]`` equals
    ``executions``. ``history`` holds, per key, the list of the values of each batch, and
    ``latest`` the last batch's values, as PennyLane's tracker does.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> with qml.Tracker(dev) as tracker:
    ...     _ = qml.grad(c)(0.3)
    ...     _ = c(0.3)
    >>> tracker.totals
    {'executions': 4, 'calls': 2, 'batches': 2, 'simulations': 4}
    >>> tracker.history["executions"], tracker.latest
    ([3, 1], {'executions': 1, 'calls': 1, 'batches': 1, 'simulations': 1})
    """

    def __init__(self, dev: Device = None, callback=None, persistence: bool = False):
        if not isinstance(dev, Device):
            raise DeviceError(f"Tracker needs a qsym device, got {type(dev).__name__}")
        if callback is not None and not callable(callback):
            raise ArgumentError("Tracker callback must be callable, e.g. callback(totals, history, latest)")
        self.device = dev
        self.callback = callback
        self.persistence = bool(persistence)
        self.active = False
        self.reset()

    def reset(self):
        """Forget everything recorded."""
        self.totals = {"executions": 0, "calls": 0, "batches": 0, "simulations": 0}
        self.history = {k: [] for k in self.totals}
        self.latest = {}

    def _update(self, runs: int):
        self.latest = {"executions": runs, "calls": 1, "batches": 1, "simulations": runs}
        for k, v in self.latest.items():
            self.totals[k] += v
            self.history[k].append(v)
        if self.callback is not None:
            self.callback(totals=self.totals, history=self.history, latest=self.latest)

    def __enter__(self):
        if not self.persistence:
            self.reset()
        self.active = True
        dev = self.device
        dev._recorded = dev.num_executions
        dev._trackers.append(self)
        return self

    def __exit__(self, *exc):
        self.active = False
        if self in self.device._trackers:
            self.device._trackers.remove(self)
        return False


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable``), or the physical total."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import os

    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def state_memory(num_wires: int, method: str, num_outputs: int = 1) -> int:
    """Bytes of state vectors a gradient needs: 16 bytes per amplitude, times the states
    kept at once (parameter shift: the state before the current gate, the shifted copy and
    the value circuit's; adjoint: the state, a work vector and one per measured row)."""
    states = 2 + num_outputs if method == "adjoint" else 3
    return 16 * (2**num_wires) * states


def _check_memory(num_wires: int, method: str, num_outputs: int = 1) -> None:
    need = state_memory(num_wires, method, num_outputs)
    have = available_memory()
    if need > have:
        if num_outputs > 1 and method == "adjoint":  # one backward state per output
            raise DeviceError(
                f"the adjoint method keeps one {num_wires}-wire state per output and this "
                f"circuit has {num_outputs} (probabilities count one each): about "
                f"{need / 2**30:.3g} GiB, and this machine has {have / 2**30:.3g} GiB "
                "available: use diff_method='parameter-shift' (its memory does not grow "
                "with the outputs), or measure fewer wires"
            )
        raise DeviceError(
            f"a {num_wires}-wire state vector needs {16 * 2**num_wires / 2**30:.3g} GiB, and a "
            f"gradient about {need / 2**30:.3g} GiB; this machine has {have / 2**30:.3g} GiB "
            "available: use fewer wires"
        )


def check_device_options(kwargs: dict) -> None:
    """Device options PennyLane's simulators take: accepted where qsym does the same."""
    known = ("max_workers", "c_dtype")
    bad = sorted(k for k in kwargs if k not in known)
    if bad:
        raise DeviceError(f"unsupported device options: {', '.join(bad)}")
    if kwargs.get("max_workers") not in (None, 1):
        raise DeviceError(
            "max_workers (process pools) is not supported: qsym runs one process; "
            "its kernels use numba threads (NUMBA_NUM_THREADS)"
        )
    if "c_dtype" in kwargs and np.dtype(kwargs["c_dtype"]) != np.complex128:
        raise DeviceError("qsym simulates in complex128 only; drop c_dtype")


def device(
    name: str = "default.qubit",
    wires: int | Sequence[Hashable] | None = None,
    shots: int | None = None,
    seed: int | str | None = "global",
    **kwargs: Any,
) -> Device:
    """Create a device, as ``qml.device`` does.

    ``wires=None`` (the default, as in PennyLane) lets each circuit use the wires it
    names: they are found when the circuit is traced (PennyLane's order: the gates' wires
    in order of first use, then wires only measured; integer wires ``0..n-1`` in numeric
    order), and ``qml.state()`` / ``qml.probs()`` cover exactly those wires.
    ``"lightning.qubit"`` is an alias of qsym's simulator; devices qsym does not simulate
    (``"default.mixed"``, ...) are refused with what is missing.

    >>> device("default.qubit", wires=2)
    <qsym device 'default.qubit', wires=[0, 1]>
    >>> device("default.qubit")
    <qsym device 'default.qubit', wires=None>
    """
    check_device_options(kwargs)
    return Device(name, wires=wires, shots=shots, seed=seed)


# --- messages shared by several paths ---------------------------------------------------
_NEEDS_SHOTS = (
    "qml.sample and qml.counts need finite shots: create the device with "
    "qml.device(..., shots=N) or the QNode with shots=N"
)
_NO_GRADIENT = "qml.sample and qml.counts have no gradient; differentiate expval, var or probs"
_STATE_WITH_SHOTS = (
    "qml.state() is not available with finite shots (a sampled device has no state to "
    "return); use shots=None, or qml.sample / qml.probs"
)


# --- argument handling ---------------------------------------------------------------------
_STATIC, _DATA, _TRAIN = "s", "d", "x"


def _as_float_array(value, what):
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
    if kind == "c":
        raise ArgumentError(
            f"{what} is complex ({arr.dtype}); circuit arguments must be real numbers"
        )
    if kind == "O":
        raise ArgumentError(
            f"{what} is not numeric (an array of {type(arr.flat[0]).__name__ if arr.size else 'objects'}); "
            "pass real numbers"
        )
    return None


def _static_key(value, what):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, list):
        return ("list", tuple(_static_key(v, what) for v in value))
    # containers of structure (a dict of gate choices, ...): compared by content, so an
    # equal dict reuses the compiled circuit and a changed one traces again
    if isinstance(value, dict):
        items = [(_static_key(k, what), _static_key(v, what)) for k, v in value.items()]
        return ("dict", tuple(sorted(items, key=repr)))
    if isinstance(value, tuple) and type(value) is tuple:
        return ("tuple", tuple(_static_key(v, what) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((_static_key(v, what) for v in value), key=repr)))
    try:
        hash(value)
    except TypeError:
        raise ArgumentError(
            f"{what} of type {type(value).__name__} is neither numeric nor hashable; qsym "
            "must compare it between calls to know whether to trace again"
        ) from None
    return (type(value).__name__, value)


def _is_number_container(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_is_number_container(v) for v in value) and len(value) > 0
    if isinstance(value, np.ndarray):  # e.g. [x[0], x[1]] of a tensor: 0-d tensors
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _promotable(value) -> bool:
    """An integer ``qsym.numpy`` tensor: differentiated as floats when it is chosen (by
    ``argnum``, or by default with ``requires_grad=True``), as NumPy promotes ints."""
    return isinstance(value, tensor) and value.dtype.kind in "iu"


def _default_diff(args, static_positions=frozenset()):
    """The arguments a derivative takes by default, when an integer tensor asks for one:
    trainable floats (as :func:`classify`) and integer tensors with ``requires_grad``."""
    out = []
    for i, a in enumerate(args):
        if i in static_positions:
            continue
        if isinstance(a, tensor):
            if a.requires_grad and a.dtype.kind in "iuf":
                out.append(i)
        elif _numeric(a, f"argument {i}") is not None:
            out.append(i)
    return tuple(out)


def _needs_default_diff(args) -> bool:
    return any(type(a) is tensor and a.requires_grad and a.dtype.kind in "iu" for a in args)


def _numeric(value, what):
    """A float64 array for a floating-point input; None for anything else (static).

    Complex and non-numeric object arrays are refused: they are never a circuit input.
    """
    if isinstance(value, float) or isinstance(value, np.floating):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, np.ndarray):
        return _as_float_array(value, what)
    if isinstance(value, complex) or isinstance(value, np.complexfloating):
        raise ArgumentError(f"{what} is complex ({value!r}); circuit arguments must be real")
    if isinstance(value, (list, tuple)) and _is_number_container(value):
        return _as_float_array(value, what)
    return None


def _finite(arr, what):
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.isnan(arr).any() else "infinite"
        raise ArgumentError(f"{what} contains {bad} values: {arr!r}")


def classify(args, kwargs, diff, static_names, static_positions=frozenset()):
    """Split call arguments into the signature and the numeric inputs.

    This runs on every call, so plain floats and float64 arrays take a short path.
    Finiteness is checked inside the compiled code (see :func:`_raise_nonfinite`).

    Args:
        diff: indices of the positional arguments to differentiate, or None for the
            default (every trainable float argument).

    Returns ``(key, xs, ds)``: the signature (per positional argument ``(kind, shape)``
    or ``(kind, static key)``, then the keyword arguments), the arrays to differentiate
    (in order) and the data arrays.
    """
    key = []
    xs = []
    ds = []
    for i, a in enumerate(args):
        t = type(a)
        if i in static_positions:
            if diff is not None and i in diff:
                raise DifferentiationError(f"argument {i} is static (static_argnames)")
            key.append((_STATIC, _static_key(a, f"argument {i}")))
            continue
        if t is float:
            arr, shape = a, ()
        elif t is np.ndarray and a.dtype == _F64:
            arr, shape = a, a.shape
        elif t is list and type(a[0] if a else None) is float and (arr := np.asarray(a)).dtype == _F64:
            shape = arr.shape
        else:
            what = f"argument {i}"
            arr = _numeric(a, what)
            if arr is None and diff is not None and i in diff and _promotable(a):
                arr = np.asarray(a, dtype=np.float64)  # an int tensor, differentiated
            if arr is None:
                if has_box(a):  # inside a hybrid derivative: autograd's path
                    raise Boxed
                if diff is not None and i in diff:
                    raise DifferentiationError(
                        f"{what} ({type(a).__name__} {a!r}) cannot be differentiated: only "
                        "floats and float arrays can; pass e.g. np.array([...], dtype=float)"
                    )
                key.append((_STATIC, _static_key(a, what)))
                continue
            shape = arr.shape
        if diff is None:
            trainable = not (t is tensor and not a.requires_grad)
        else:
            trainable = i in diff
        if trainable:
            key.append((_TRAIN, shape))
            xs.append(arr)
        else:
            key.append((_DATA, shape))
            ds.append(arr)
    if kwargs:
        for name in sorted(kwargs):
            a = kwargs[name]
            what = f"keyword argument {name!r}"
            arr = None if name in static_names else _numeric(a, what)
            if arr is None:
                if has_box(a):
                    raise Boxed
                key.append((name, _STATIC, _static_key(a, what)))
                continue
            key.append((name, _DATA, arr.shape))
            ds.append(arr)
    return tuple(key), xs, ds


_F64 = np.dtype(np.float64)


def _raise_nonfinite(circuit, xs, ds, exc):
    """The compiled code refused a NaN or infinite input: say which argument had it."""
    for kind, arrays in (("differentiated argument", xs), ("data argument", ds)):
        for k, a in enumerate(arrays):
            arr = np.asarray(a, dtype=float)
            if not np.all(np.isfinite(arr)):
                bad = "NaN" if np.isnan(arr).any() else "infinite"
                raise ArgumentError(
                    f"{kind} number {k} contains {bad} values ({arr!r}); circuit inputs must "
                    "be finite"
                ) from None
    if "gate parameter" in str(exc):
        x, d = flat(xs), flat(ds)
        values = ir.input_values(circuit, x, d)
        for k, op in enumerate(circuit.ops):
            for p in op.params:
                v = complex(sp.sympify(p).xreplace(values).evalf())
                if not (np.isfinite(v) and v.imag == 0):
                    raise ArgumentError(
                        f"op {k}, {op.name}({p}), has a non-real or non-finite parameter ({v}) "
                        "at these inputs (e.g. sqrt or log of a negative number): check the "
                        "classical processing in the circuit"
                    ) from None
        # finite at the inputs: finite differences stepped out of the domain
        raise ArgumentError(
            "a gate parameter is not finite at a point finite differences evaluate next to "
            "these inputs (x +- h): the classical processing in the circuit is undefined "
            "there (e.g. arcsin beyond 1, sqrt or log below 0); use diff_method="
            "'parameter-shift' or 'adjoint' (exact, evaluated at the inputs only)"
        ) from None
    raise exc




# Tiers (qsym.tiers; docs/design.md "Tiers: the first answer without a compile"): a
# circuit's first calls run its generated prepare() as plain Python feeding the
# compiled-once kernels (tier "python": no per-circuit compile); once it is used often,
# its module is compiled in a background process and swapped in ("module": compiled
# prepare(), then the kernels; "fused": one compiled call, about 2.5 us less per call on
# the seed circuit; tiny circuits are written out, qsym.emit.unrolled_functions: 0.8 us a
# raw call). Fused: small circuits only, work per gradient (amplitudes x ops x circuits)
# at most FUSED_MAX_WORK; above it the call overhead does not matter. Without a usable
# disk cache the module is compiled in this process instead, and a small circuit is fused
# after FUSE_AFTER_CALLS more calls (measured 1.1-1.2 s of compile, 14 ms when cached).
FUSED_MAX_WORK = 1 << 16
FUSE_AFTER_CALLS = 1000
_ENTRY_POINTS = ("value", "value_and_grad", "value_and_grad_adjoint")
_FUSED_FOR = {0: "fused_value", 1: "fused_value_and_grad"}
_USE_OF = {"value": 0, "value_and_grad": 1, "value_and_grad_adjoint": "adjoint"}


@dataclass
class Compiled:
    """One compiled signature of a QNode: circuit, plan, generated module and entry points.

    ``blocks`` says where each differentiated argument sits in the flat input vector:
    ``(first column, size, shape)``. ``tier`` is where the calls run now: ``"python"``
    (the generated code as plain Python, nothing compiled for this circuit), ``"module"``
    or ``"fused"`` (:mod:`qsym.tiers`); every tier gives the same bits.
    """

    circuit: ir.Circuit
    plan: plan.GradientPlan
    source: str
    module: object
    diff_args: tuple
    blocks: tuple
    trace_seconds: float = 0.0
    compile_seconds: float = 0.0
    # caches other modules keep on the entry: qsym.shots.Sampler, qsym.second_order
    _sampler: Any = field(default=None, init=False, repr=False, compare=False)
    _second: Any = field(default=None, init=False, repr=False, compare=False)
    # the tier state (qsym.tiers): changed only under _lock, by _enter
    tier: str = field(default="python", init=False, compare=False)
    _lock: Any = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _twin: Any = field(default=None, init=False, repr=False, compare=False)
    _ns: Any = field(default=None, init=False, repr=False, compare=False)
    _prepare: Any = field(default=None, init=False, repr=False, compare=False)
    _prepare_adjoint: Any = field(default=None, init=False, repr=False, compare=False)
    _used: set = field(default_factory=set, init=False, repr=False, compare=False)
    _calls: int = field(default=0, init=False, repr=False, compare=False)
    _python_seconds: float = field(default=0.0, init=False, repr=False, compare=False)
    _promoted: bool = field(default=False, init=False, repr=False, compare=False)
    _fusing: bool = field(default=False, init=False, repr=False, compare=False)
    _prepared: bool = field(default=False, init=False, repr=False, compare=False)
    _late_calls: int = field(default=0, init=False, repr=False, compare=False)
    _job: Any = field(default=None, init=False, repr=False, compare=False)
    _fused_names: frozenset = field(default=frozenset(), init=False, repr=False,
                                    compare=False)

    def __post_init__(self):
        self.post = ir.post_layout(self.circuit)
        # only expectation values: one row per measurement, nothing to post-process
        self.simple = all(m.kind == "expval" for m in self.circuit.measurements)
        self.is_state = self.circuit.measurements[0].kind == "state"
        # drawn from samples (finite shots only)
        self.drawn = any(m.kind in ("sample", "counts") for m in self.circuit.measurements)
        self.broadcast = False  # see qsym.broadcast.Broadcast
        self._ints, self._floats = self.module.PROGRAM
        self.fused = self.module.WORK <= FUSED_MAX_WORK
        # one gradient's shifted circuits on several threads: large circuits only
        self._shift_parallel = (self.module.WORK >= kernels.PARALLEL_SHIFT_MIN_WORK
                                and self.plan.executions > 2)
        how = tiers.mode()
        prepared, cached = False, set()
        if how == "auto":  # compiled by an earlier process? (numba's checked index)
            prepared = tiers.has_cached(self.module, "prepare")
            cached = {name for name in _ENTRY_POINTS
                      if self.fused and tiers.has_cached(self.module, f"fused_{name}")}
        with self._lock:
            if how == "compiled":
                self._enter_compiled(set(_ENTRY_POINTS))
            elif prepared or cached:
                # load it (about 15 ms), fused where cached
                self._enter_compiled(cached, prepared)
            else:
                self._enter("python")
                # QSYM_TIER=python: never promoted (a singular point still runs compiled)
                self._promoted = how == "python"

    # --- the tier state ----------------------------------------------------------------
    def _enter(self, tier, fused=frozenset(), prepared=True):
        """Switch every entry point to ``tier`` (under ``_lock``); ``fused``: the entry
        points that take the fused form on the ``fused`` tier; ``prepared``: the
        compiled ``prepare`` is there (else the other uses of ``prepare`` stay on tier 0
        until they are used often: a small circuit's background compile first compiles
        only the fused entry points it has used, which do not call it)."""
        if tier == "python" or not prepared:
            if self._twin is None:
                self._twin = tiers.python_twin(self.module, self.source, self._counted)
            ns = self._twin
            late = tier != "python"
            self._prepare = self._late_prepare if late else self._python_prepare
            self._prepare_adjoint = (self._late_prepare_adjoint if late
                                     else self._python_prepare_adjoint)
        else:
            ns = self.module
            self._prepare = ns.prepare
            self._prepare_adjoint = ns.prepare_adjoint
        self._prepared = tier != "python" and prepared
        self._ns = ns
        self._fused_names = frozenset(fused) if tier == "fused" else frozenset()
        for name in _ENTRY_POINTS:
            if name in self._fused_names:
                setattr(self, name, self._fused(name))
            elif tier == "python" and self.module.UNROLLED and name != "value_and_grad_adjoint":
                setattr(self, name, self._python_unrolled(name))
            elif tier == "module" and self.fused and not self._promoted_fused():
                setattr(self, name, self._counting(name))
            else:
                self.__dict__.pop(name, None)  # the class's method
        self.tier = tier
        logger.debug("%s: tier %s%s", self.module.__name__, tier,
                     f" (fused: {', '.join(sorted(fused))})" if fused else "")

    def _promoted_fused(self) -> bool:
        return self._calls >= FUSE_AFTER_CALLS + tiers.COMPILE_AFTER_CALLS

    def _enter_compiled(self, fused_names, prepared=True):
        if self.fused and fused_names:
            self._enter("fused", fused_names, prepared)
        else:
            self._enter("module")

    def _counted(self, name, fn):
        """The twin's ``prepare``, counting calls and Python seconds (the promotion clock)."""
        if name != "prepare":
            return fn
        clock = time.perf_counter

        def prepare(x, d, mode):
            t = clock()
            out = fn(x, d, mode)
            self._tick(clock() - t, x, d)
            return out

        return prepare

    def _tick(self, seconds, x, d):
        """One more call on tier 0, which took ``seconds`` of Python time."""
        self._calls += 1
        self._python_seconds += seconds
        if not self._promoted and (self._calls >= tiers.COMPILE_AFTER_CALLS or
                                   self._python_seconds >= tiers.COMPILE_AFTER_SECONDS):
            self._promote(x, d)

    def _python_unrolled(self, name):
        """Tier 0's ``name`` for a tiny circuit: its written-out fused code as plain Python
        (straight-line arithmetic, the same operations as the compiled code: 5-6 times
        faster than Python's ``prepare`` and a kernel call for the seed)."""
        into = self._twin.raw[f"fused_{name}_into"]
        n_out, n_in = self.module.NUM_OUTPUTS, self.module.NUM_INPUTS
        use = _USE_OF[name]
        clock = time.perf_counter
        slow = getattr(type(self), name)
        empty = np.empty

        def call(x, d):
            self._used.add(use)
            t = clock()
            out = empty(n_out)
            try:
                if use == 0:
                    into(x, d, out)
                    result = out
                else:
                    jac = empty((n_out, n_in))
                    into(x, d, out, jac)
                    result = out, jac
            except Exception as exc:
                if not tiers.is_python_semantics_error(exc):
                    raise
                self._compile_now("a singular point of the classical processing")
                return slow(self, x, d)
            self._tick(clock() - t, x, d)
            return result

        call.__name__ = call.__qualname__ = name
        return call

    def _python_prepare(self, x, d, mode):
        """Tier 0's ``prepare``; a call Python cannot run as numba does runs compiled."""
        self._used.add(mode)
        try:
            return self._twin.prepare(x, d, mode)
        except Exception as exc:
            if not tiers.is_python_semantics_error(exc):
                raise
        return self._compile_now("a singular point of the classical processing").prepare(
            x, d, mode)

    def _python_prepare_adjoint(self, x, d):
        self._used.add("adjoint")
        try:
            return self._twin.prepare_adjoint(x, d)
        except Exception as exc:
            if not tiers.is_python_semantics_error(exc):
                raise
        return self._compile_now("a singular point of the classical processing"
                                 ).prepare_adjoint(x, d)

    def _late_prepare(self, x, d, mode):
        """``prepare`` on the fused tier before it is compiled (shots, the state, an entry
        point not fused): tier 0's, compiled in the background once used often."""
        self._late_calls += 1
        if self._late_calls >= tiers.COMPILE_AFTER_CALLS and not self._fusing:
            self._promote_fused(x, d)
        return self._python_prepare(x, d, mode)

    def _late_prepare_adjoint(self, x, d):
        self._late_calls += 1
        if self._late_calls >= tiers.COMPILE_AFTER_CALLS and not self._fusing:
            self._promote_fused(x, d)
        return self._python_prepare_adjoint(x, d)

    def _compile_now(self, why):
        """Leave tier 0 for the module compiled in this process (numba compiles at the next
        call); the module."""
        with self._lock:
            self._promoted = True
            if self.tier == "python":
                tiers.say_compiling_here(why)
                self._enter("module")
        return self.module

    def _wanted(self, need_prepare=False):
        """What the background compile compiles: what this circuit has used. A small
        circuit that used only entry points with a fused form gets those alone (they do
        not call ``prepare``: a third less to compile for the seed)."""
        used = set(self._used)
        fused_only = (self.fused and not need_prepare and used
                      and used <= {0, 1, "adjoint"})
        names = [] if fused_only else ["prepare"]
        if "adjoint" in used and not fused_only:
            names.append("prepare_adjoint")
        names += [n for n in ("batch", "batch_adjoint") if n in used]
        if self.fused:
            names += [_FUSED_FOR[m] for m in (0, 1) if m in used]
            if "adjoint" in used:
                names.append("fused_value_and_grad_adjoint")
        return names

    def _promote(self, x, d):
        """Tier 0 is used enough: compile the module, in the background if the disk cache
        can hand it over, else here."""
        with self._lock:
            if self._promoted or self.tier != "python":
                return
            self._promoted = True
            if tiers.background_possible(self.module):
                self._start_job(x, d)
                return
            tiers.say_compiling_here(
                "the disk cache is off or not writable (QSYM_CACHE=0, QSYM_CACHE_DIR), so "
                "it cannot be compiled in the background")
            self._enter("module")

    def _swap(self, ok, err, names, x, d):
        """In the background job's thread: load what the other process compiled (numba's
        disk cache, about 15 ms) and move the calls to it."""
        if not ok:
            logger.warning("qsym: the background compile of %s failed; compiling in this "
                           "process instead: %s", self.module.__name__, err)
        # loads from the disk cache (or compiles here, in this thread, if it failed)
        tiers.run_calls(self.module, tiers.calls_for(names, self.module, x, d))
        fused = {name for name in _ENTRY_POINTS if f"fused_{name}" in names}
        prepared = "prepare" in names
        with self._lock:
            if self.tier in ("python", "module") or not self._prepared:
                self._enter_compiled(fused | self._fused_names, prepared)

    def _counting(self, name):
        """``name`` on the module tier of a small circuit: fused after FUSE_AFTER_CALLS
        calls (compiled in the background if the disk cache can hand it over, else here)."""
        slow = getattr(type(self), name).__get__(self)
        use = _USE_OF[name]

        def call(x, d):
            self._calls += 1
            self._used.add(use)
            if self._promoted_fused() and not self._fusing:
                self._promote_fused(x, d)
            return slow(x, d)

        return call

    def _promote_fused(self, x, d):
        """From the module tier to fused, or (fused tier) to the compiled ``prepare``."""
        with self._lock:
            if self._fusing or self.tier == "python":
                return
            self._fusing = True
            if tiers.background_possible(self.module):
                self._start_job(x, d, need_prepare=not self._prepared)
            else:
                self._enter("fused", _ENTRY_POINTS)  # numba compiles each at its next call

    def _start_job(self, x, d, need_prepare=False):
        """The background compile of what this circuit has used (under ``_lock``)."""
        names = self._wanted(need_prepare)
        x = np.array(x, dtype=np.float64)
        d = np.array(d, dtype=np.float64)
        self._job = tiers.Job(self.module, self.source, names, x, d,
                              lambda ok, err: self._swap(ok, err, names, x, d))
        self._job.start()
        logger.debug("%s: background compile of %s started", self.module.__name__,
                     ", ".join(names))

    def _fused(self, name):
        """The fused entry point ``name``: one compiled call into new output arrays made
        here (numba takes about 0.4 us to hand over each array it makes, NumPy 0.1 us to
        make one: see qsym.kernels)."""
        into = getattr(self.module, f"fused_{name}_into")
        n_out, n_in = self.module.NUM_OUTPUTS, self.module.NUM_INPUTS
        empty = np.empty
        if name == "value":
            def value(x, d):
                out = empty(n_out)
                into(x, d, out)
                return out

            value.fused = into
            return value
        shape = (n_out, n_in)

        def value_and_jacobian(x, d):
            out = empty(n_out)
            jac = empty(shape)
            into(x, d, out, jac)
            return out, jac

        value_and_jacobian.__name__ = value_and_jacobian.__qualname__ = name
        value_and_jacobian.fused = into
        return value_and_jacobian

    def wait(self, timeout=None) -> str:
        """Wait for a background compile started for this circuit (if any) to be swapped
        in; the tier."""
        job = self._job
        if job is not None:
            job.join(timeout)
        return self.tier

    def value(self, x, d):
        """Measured values at flat inputs ``x`` and data ``d``."""
        mats, _, _, C, _, _ = self._prepare(x, d, 0)
        return kernels.program_value(self._ints, self._floats, mats, C)

    def value_and_grad(self, x, d):
        """Values and Jacobian ``jac[m, j]`` by parameter shift. Large circuits share the
        shifted circuits among numba's threads (same bits as the serial kernel)."""
        mats, smats, ch, C, cc, _ = self._prepare(x, d, 1)
        if self._shift_parallel:
            threads = self._parallel_threads()
            if threads > 1:
                # a few runs of shifted circuits per thread, handed out one at a time
                return self._launch(kernels.call_dynamic, kernels.program_value_and_grad_parallel,
                                    self._ints, self._floats, mats, smats, ch, C, cc,
                                    4 * threads)
        return kernels.program_value_and_grad(self._ints, self._floats, mats, smats, ch, C, cc)

    def _parallel_threads(self) -> int:
        """numba's thread count, or 1 without memory for two states per thread."""
        threads = kernels.num_threads()
        need = 32 * (2**self.circuit.num_wires) * threads
        if threads > 1 and need >= (1 << 30) and need >= available_memory() // 2:
            return 1
        return threads

    @staticmethod
    def _launch(fn, *args):
        """Call a parallel kernel (under ``kernels.LAUNCH_LOCK`` where numba needs it)."""
        if kernels.launch_needs_lock():
            with kernels.LAUNCH_LOCK:
                return fn(*args)
        return fn(*args)

    # --- batches: B parameter sets at once, rows on numba's threads when it pays ---------
    def _batch_args(self, X, D):
        """``X`` as C-contiguous float64 ``(B, n_inputs)``; ``D`` as ``(B, n_data)`` (a
        single row, or None when there is no data, is used for every row)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        n_in, n_data = self.module.NUM_INPUTS, self.module.NUM_DATA
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ValueError(f"batch inputs must have shape (B, {n_in}), got {X.shape}")
        B = X.shape[0]
        if D is None:
            D = np.zeros((0,))
        D = np.asarray(D, dtype=np.float64)
        if D.ndim == 1 and D.shape[0] == n_data:
            D = np.broadcast_to(D, (B, n_data))
        if D.shape != (B, n_data):
            raise ValueError(f"batch data must have shape ({B}, {n_data}), got {D.shape}")
        return X, np.ascontiguousarray(D)

    def _batch(self, used, name):
        """The batch function ``name`` of the current tier (noting its use on tier 0)."""
        ns = self._ns
        if ns is not self._twin:
            return getattr(ns, name)
        self._used.add(used)
        fn = getattr(ns, name)
        if self.tier != "python" and not self._fusing:  # a batch after a fused-only swap
            self._promote_fused(np.zeros(self.module.NUM_INPUTS),
                                np.zeros(self.module.NUM_DATA))

        def run(X, D):
            try:
                return fn(X, D)
            except Exception as exc:
                if not tiers.is_python_semantics_error(exc):
                    raise
            return getattr(self._compile_now("a singular point of the classical processing"),
                           name)(X, D)

        return run

    def batch_value(self, X, D=None):
        """Values ``(B, n_out)`` at each row of ``X`` (inputs) and ``D`` (data)."""
        return self._launch(self._batch("batch", "batch_value"), *self._batch_args(X, D))

    def batch_value_and_grad(self, X, D=None):
        """Values ``(B, n_out)`` and Jacobians ``(B, n_out, n_inputs)`` by parameter
        shift, row ``b`` bit for bit ``value_and_grad(X[b], D[b])``."""
        return self._launch(self._batch("batch", "batch_value_and_grad"),
                            *self._batch_args(X, D))

    def batch_value_and_grad_adjoint(self, X, D=None):
        """As ``batch_value_and_grad``, by the adjoint method."""
        return self._launch(self._batch("batch_adjoint", "batch_value_and_grad_adjoint"),
                            *self._batch_args(X, D))

    def value_and_grad_adjoint(self, x, d):
        """Values and Jacobian ``jac[m, j]`` by the adjoint method."""
        mats, dmats, ch, C, cc, _ = self._prepare_adjoint(x, d)
        return kernels.program_value_and_grad_adjoint(
            self._ints, self._floats, mats, dmats, ch, C, cc
        )

    def value_and_grad_fd(self, x, d, h, order):
        """Values and Jacobian by finite differences (order 1 forward, 2 and 4 central;
        :func:`qsym.shapes.finite_differences`)."""
        return finite_differences(lambda v: self.value(v, d), x, h, order)

    @property
    def executions(self) -> int:
        """Circuit executions per parameter-shift gradient."""
        return self.plan.executions


_UNSET = "unset"  # PennyLane's marker for "shots not given on the QNode"
INTERFACES = ("auto", "autograd", "numpy", None)
_UNSUPPORTED_INTERFACES = ("jax", "jax-jit", "jax-python", "JAX", "torch", "pytorch", "tf",
                           "tensorflow", "tf-autograph", "tensorflow-autograph")
_ALL_INTERFACES = frozenset(i for i in INTERFACES + _UNSUPPORTED_INTERFACES if i)


def _check_interface(interface):
    """PennyLane's ``interface=``: qsym's QNodes take and return NumPy (autograd) values."""
    if interface in INTERFACES:
        return "auto" if interface is None else interface
    if interface in _UNSUPPORTED_INTERFACES:
        raise ArgumentError(
            f"interface={interface!r} is not supported: qsym has no bridge to JAX, PyTorch or "
            "TensorFlow; use interface='auto' (NumPy/autograd values, qml.grad) or drop it"
        )
    raise ArgumentError(
        f"unknown interface {interface!r}; qsym accepts {', '.join(map(repr, INTERFACES))} "
        "(PennyLane's 'jax', 'torch' and 'tf' are known but not supported)"
    )


_GRADIENT_KWARGS = ("h", "approx_order", "shifts")


def _check_options(grad_on_execution, cache, cachesize, max_diff, device_vjp, gradient_kwargs,
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
    if postselect_mode is not None or mcm_method is not None:
        raise ArgumentError(
            "postselect_mode and mcm_method configure mid-circuit measurements "
            "(qml.measure), which qsym does not support; drop them"
        )
    if executor_backend is not None:
        raise ArgumentError("executor_backend is not supported: qsym runs circuits in-process")
    if autograph not in (True, False):
        raise ArgumentError(f"autograph must be True or False, got {autograph!r}")
    if gradient_kwargs is None:
        return {}
    if not isinstance(gradient_kwargs, dict):
        raise ArgumentError(f"gradient_kwargs must be a dict, got {type(gradient_kwargs).__name__}")
    bad = sorted(k for k in gradient_kwargs if k not in _GRADIENT_KWARGS)
    if bad:
        raise ArgumentError(
            f"unsupported gradient_kwargs {bad}; qsym understands {', '.join(_GRADIENT_KWARGS)} "
            "(finite-difference step and order, custom shifts)"
        )
    return dict(gradient_kwargs)


def circuit_wires(items, result) -> Wires:
    """The wires of a traced circuit on a device made without ``wires=`` (PennyLane's
    rule, ``QuantumScript.map_to_standard_wires``): the gates' wires in order of first use,
    then the wires only measured; if those are the integers ``0..n-1`` (gates on
    ``0..k-1``, measured-only ``k..n-1``) they stay in numeric order.

    >>> from qsym import operations as ops
    >>> circuit_wires([ops.RX(0.1, wires="b"), ops.CNOT(wires=["b", "a"])],
    ...               ops.expval(ops.PauliZ("c")))
    Wires(['b', 'a', 'c'])
    >>> circuit_wires([ops.RX(0.1, wires=1), ops.RX(0.1, wires=0)], ops.probs(wires=[2]))
    Wires([0, 1, 2])
    """
    from .operations import MeasurementProcess

    order: list = []
    seen: set = set()

    def add(ws):
        for w in ws:
            if w not in seen:
                seen.add(w)
                order.append(w)

    for op in items:
        add(op.wires)
    n_ops = len(order)
    if isinstance(result, MeasurementProcess):
        results = [result]
    elif isinstance(result, (tuple, list)):
        results = [r for r in result if isinstance(r, MeasurementProcess)]
    else:
        results = []
    for m in results:
        if m.obs is not None:
            add(m.obs.wires)
        elif m.wires is not None:
            add(m.wires)
    if not order:
        raise WireError(
            "the circuit uses no wires, so a device made without wires= has nothing to "
            "simulate; give the device wires=, or apply a gate or measure a wire"
        )
    ints = all(isinstance(w, numbers.Integral) and not isinstance(w, bool) for w in order)
    if (ints and set(order[:n_ops]) == set(range(n_ops))
            and set(order[n_ops:]) == set(range(n_ops, len(order)))):
        return Wires(range(len(order)))
    return Wires(order)


class QNode:
    """A circuit function bound to a device, compiled on first call for each signature.

    Args:
        func: the circuit function; it applies gates and returns measurement(s).
        device: a :class:`Device`.
        diff_method: ``"parameter-shift"`` (default; exact, what runs on hardware),
            ``"adjoint"`` (exact; one forward and one backward sweep, Jones & Gacon 2020),
            ``"finite-diff"`` (step ``h``, ``approx_order`` 1 forward, 2 or 4 central) or
            ``"best"`` (the fastest exact method: adjoint, or parameter shift when custom
            ``shifts`` are given).
        static_argnames: arguments whose values decide the circuit's structure (traced
            again for each new value) rather than being fed in as numbers.
        h: finite-difference step (default by order: 1e-7, 1e-5, 1e-3 for orders 1, 2,
            4). approx_order: 1 (forward), 2 or 4 (central; default 4: agrees with the
            exact methods to about 1e-12).
        shifts: other shifts for some gates' rules, ``{gate name: shifts}``: one positive
            shift per frequency of the gate (``{"RX": np.pi / 4}``; ``{"CRX": (a, b)}``),
            or ``{gate name: {parameter index: shifts}}``. qsym derives the coefficients
            and proves the rule before use (:func:`qsym.rules.rule_for_gate`).
        shots: sample every circuit this many times (overrides the device's ``shots``;
            ``None`` given here means exact; :mod:`qsym.shots`; also ``qml.set_shots``).
        interface: ``"auto"`` (default), ``"autograd"``, ``"numpy"`` or None: NumPy values
            and autograd; ``"jax"``, ``"torch"``, ``"tf"`` raise :class:`ArgumentError`.

    PennyLane's other options, by keyword (docs/pennylane.md): ``gradient_kwargs`` (``h``,
    ``approx_order``, ``shifts``), ``max_diff`` (1 or 2), ``static_argnums``, and
    ``grad_on_execution``, ``cache``, ``cachesize``, ``device_vjp`` (accepted; they change
    nothing qsym computes); ``postselect_mode``, ``mcm_method``, ``executor_backend`` only
    None. ``diff_method="backprop"`` or ``"device"`` is the adjoint method (the exact
    derivative of the simulation); ``diff_method=None`` a QNode that is not differentiated.
    An unknown keyword raises ``TypeError``.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> def f(x):
    ...     qml.RY(x, wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.expval(qml.PauliZ(1))
    >>> node = qml.QNode(f, dev)
    >>> print(f"{node(0.3):.12f}")  # cos(0.3)
    0.955336489126
    """

    def __init__(
        self,
        func: Callable[..., Any],
        device: Device,
        diff_method: str | None = "parameter-shift",
        static_argnames: str | Sequence[str] = (),
        h: float | None = None,
        approx_order: int = 4,
        interface: str | None = "auto",
        shifts: Mapping[str, Any] | None = None,
        shots: int | None = _UNSET,
        *,
        grad_on_execution: bool | str = "best",
        cache: bool | str | Any = "auto",
        cachesize: int = 10000,
        max_diff: int = 1,
        device_vjp: bool | None = False,
        gradient_kwargs: Mapping[str, Any] | None = None,
        static_argnums: int | Sequence[int] = (),
        postselect_mode: str | None = None,
        mcm_method: str | None = None,
        executor_backend: Any = None,
        autograph: bool = True,
    ) -> None:
        if not isinstance(device, Device):
            raise DeviceError(f"QNode needs a qsym device, got {type(device).__name__}")
        if isinstance(diff_method, str) and diff_method in _ALL_INTERFACES:
            # PennyLane's third positional argument is the interface
            interface, diff_method = diff_method, "parameter-shift"
        if diff_method == "device":  # PennyLane: the device's own method (lightning: adjoint)
            diff_method = "adjoint"
        if diff_method not in DIFF_METHODS and diff_method is not None:
            raise DifferentiationError(
                f"unknown diff_method {diff_method!r}; qsym supports {', '.join(DIFF_METHODS)}"
            )
        self.interface = _check_interface(interface)
        gkw = _check_options(grad_on_execution, cache, cachesize, max_diff, device_vjp,
                             gradient_kwargs, postselect_mode, mcm_method, executor_backend,
                             autograph)
        if "h" in gkw:
            if h is not None:
                raise ArgumentError("give h= or gradient_kwargs={'h': ...}, not both")
            h = gkw["h"]
        approx_order = gkw.get("approx_order", approx_order)
        if "shifts" in gkw:
            if shifts is not None:
                raise ArgumentError("give shifts= or gradient_kwargs={'shifts': ...}, not both")
            shifts = gkw["shifts"]
        self.gradient_kwargs = dict(gkw)
        self.max_diff = max_diff
        self.grad_on_execution = grad_on_execution
        self.cache = cache
        self.device_vjp = device_vjp
        if approx_order not in STENCILS:
            raise DifferentiationError(
                f"approx_order must be 1 (forward), 2 or 4 (central), got {approx_order!r}"
            )
        self.func = func
        self.device = device
        self.diff_method = diff_method
        self.static_argnames = frozenset(
            [static_argnames] if isinstance(static_argnames, str) else static_argnames
        )
        self.h = DEFAULT_STEPS[int(approx_order)] if h is None else float(h)
        if not (np.isfinite(self.h) and self.h > 0):
            raise DifferentiationError(f"the finite-difference step h must be > 0, got {h!r}")
        self.approx_order = int(approx_order)
        self.shifts = _check_shifts(shifts)
        self._shots_set = shots is not _UNSET
        self.shots = shots_mod.check_shots(None if shots is _UNSET else shots)
        # "best": the fastest exact method on a simulator. The adjoint method costs about
        # three sweeps over the gates whatever the number of parameters; parameter shift
        # runs two circuits per parameter. Custom shifts ask for parameter shift.
        # "backprop": the exact derivative of the simulation, which is what the adjoint
        # method computes (without storing every intermediate state).
        self._method = diff_method
        if diff_method == "best":
            self._method = "parameter-shift" if self.shifts else "adjoint"
        elif diff_method == "backprop":
            self._method = "adjoint"
        elif diff_method is None:  # PennyLane: a QNode that is evaluated, never differentiated
            self._method = "parameter-shift"
        self._compiled: dict = {}
        self._lock = threading.Lock()
        self._last: Compiled | None = None
        self._grad_fast = None  # see grad.__call__
        functools.update_wrapper(self, func, updated=())
        try:
            self._param_names = list(inspect.signature(func).parameters)
        except (TypeError, ValueError):
            self._param_names = []
        if isinstance(static_argnums, numbers.Integral):
            static_argnums = (static_argnums,)
        try:
            argnums = frozenset(int(i) for i in static_argnums)
        except (TypeError, ValueError):
            raise ArgumentError(f"static_argnums must be an int or ints, got {static_argnums!r}") from None
        self.static_argnums = argnums
        self._static_positions = frozenset(
            i for i, n in enumerate(self._param_names) if n in self.static_argnames
        ) | argnums
        # a gate defined again or removed drops the signatures that use it (no check on
        # the call path: see _gates_changed)
        _GATE_REGISTRY.watch(self)

    def _gates_changed(self, names) -> None:
        """Called by :data:`qsym.gates.REGISTRY` when the gates ``names`` were defined,
        redefined or removed: the compiled signatures whose circuit uses one of them are
        dropped (their next call traces and compiles again, with the gate's current
        definition), and so is the gradient's short path."""
        # (not under self._lock: a circuit function that defines a gate while it is
        # traced holds it)
        self._grad_fast = None
        for key, entry in list(self._compiled.items()):
            if any(op.name in names for op in entry.circuit.ops):
                self._compiled.pop(key, None)
                if self._last is entry:
                    self._last = None

    def __repr__(self):
        return f"<QNode {getattr(self.func, '__name__', '?')} on {self.device!r}>"

    # --- compile -----------------------------------------------------------------------
    def _arg_name(self, i):
        return self._param_names[i] if i < len(self._param_names) else f"arg{i}"

    def compiled(self, args, kwargs, diff=None):
        """``(entry, xs, ds)``: the compiled signature for these arguments (tracing and
        compiling it if new) and the numeric inputs split as it expects them."""
        key, xs, ds = classify(args, kwargs, diff, self.static_argnames, self._static_positions)
        entry = self._compiled.get(key)
        if entry is None:
            with self._lock:
                entry = self._compiled.get(key)
                if entry is None:
                    entry = self._build_current(args, kwargs, key)
        self._last = entry
        return entry, xs, ds

    def _build_current(self, args, kwargs, key):
        """Build a signature and keep it, unless a gate was defined or removed meanwhile
        (another thread, or the circuit function itself): then it may mix definitions,
        and is built again."""
        for _ in range(3):
            generation = _GATE_REGISTRY.generation
            entry = self._build(args, kwargs, key)
            if generation == _GATE_REGISTRY.generation:
                self._compiled[key] = entry
                return entry
        return entry  # the gates keep changing: this entry is used once, not kept

    def _build(self, args, kwargs, key, axes=None, size=None, original=None):
        """Trace and compile one signature. A circuit with broadcast gate parameters is
        traced a second time with its batch axes shared (``axes``: argument -> batch axis,
        ``original``: the first trace and its symbols; :mod:`qsym.broadcast`)."""
        t0 = time.perf_counter()
        sym_args = []
        inputs, data = [], []
        values = {}
        diff_args = []
        blocks = []
        arrays = {}  # argument -> its symbols (object array), for the batch-axis search

        def symbols(what, name, arr):
            axis = None if axes is None else axes.get(what)
            if axis is None:
                v, flat = trace.symbols_like(name, arr.shape)
                values.update(zip(flat, arr.ravel()))
            else:
                v, flat = broadcast.collapsed_symbols(trace.symbols_like, name, arr.shape,
                                                      axis, size)
                values.update(zip(flat, np.take(arr, 0, axis=axis).ravel()))
            arrays[what] = trace.unwrap(v)  # sympy symbols, for the batch-axis search
            return v, flat

        for i, a in enumerate(args):
            kind, shape = key[i]
            if kind == _STATIC:
                sym_args.append(a)
                continue
            v, flat = symbols(i, self._arg_name(i), np.asarray(a, dtype=float))
            sym_args.append(v)
            if kind == _TRAIN:
                diff_args.append(i)
                blocks.append((len(inputs), len(flat), shape))
                inputs.extend(flat)
            else:
                data.extend(flat)
        sym_kwargs = {}
        for name in sorted(kwargs):
            a = kwargs[name]
            arr = None if name in self.static_argnames else _numeric(a, name)
            if arr is None:
                sym_kwargs[name] = a
                continue
            v, flat = symbols(name, name, arr)
            sym_kwargs[name] = v
            data.extend(flat)
        for sym, v in values.items():
            if not np.isfinite(v):
                raise ArgumentError(f"input {sym} is {v}; circuit inputs must be finite")
        wires = self.device.wires
        if wires is not None:
            _check_memory(len(wires), self._method)
        items, result = trace.run_traced(self.func, sym_args, sym_kwargs, wires)
        if wires is None:  # a device without wires: the circuit's own
            wires = circuit_wires(items, result)
            _check_memory(len(wires), self._method)
        found = broadcast.batch_size(items)
        if found is not None and axes is None:  # broadcast: trace again with shared axes
            return self._build(args, kwargs, key, broadcast.find_axes(items, found, arrays),
                               found, (items, arrays))
        if axes is not None:
            orig_items, orig_arrays = original
            subst = []
            for b in range(size):
                sub = {}
                for what, axis in axes.items():
                    red = np.asarray(broadcast.element(arrays[what], axis, 0), dtype=object)
                    el = np.asarray(broadcast.element(orig_arrays[what], axis, b), dtype=object)
                    sub.update(zip(red.ravel(), el.ravel()))
                subst.append(sub)
            literals = []
            items = broadcast.collapse(items, orig_items, size, subst, literals)
            data.extend(sym for sym, _ in literals)
        circuit = trace.to_ir(items, result, wires, inputs, data)
        ir.validate(circuit)
        if axes is None:
            trace.replay_check(self.func, args, kwargs, circuit, values)
            self._replay_at_zero(args, kwargs, key, circuit, values)
        gplan = plan.make_plan(circuit, self._rule_of)
        if self._method == "adjoint" and gplan.num_outputs > 1:  # a state per output
            _check_memory(self.device.num_wires, self._method, gplan.num_outputs)
        t1 = time.perf_counter()
        source = emit.emit_module(circuit, gplan, ir.structural_hash(circuit))
        name = cache.module_name(source)
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:  # a cache hit: the module's file is there (numba's cache files beside it)
            on_disk = cache.enabled() and (cache.cache_dir() / f"{name}.py").is_file()
        module = cache.load_module(source)
        entry = Compiled(circuit, gplan, source, module, tuple(diff_args), tuple(blocks))
        cache.hold(module, entry)  # dropped from sys.modules with the last entry using it
        # numba compiles (or loads from its cache) each function at its first call
        entry.trace_seconds = t1 - t0
        entry.compile_seconds = time.perf_counter() - t1
        if debug:
            logger.debug(
                "%s: traced and planned %d operations on %d wires in %.3f s; module %s "
                "(%s) emitted and loaded in %.3f s", self, len(circuit.ops),
                self.device.num_wires, entry.trace_seconds, name,
                "cache hit: on disk" if on_disk else "cache miss: new", entry.compile_seconds)
        if axes is not None:
            entry = self._broadcast_entry(entry, args, kwargs, key, axes, size,
                                          [v for _, v in literals])
        return entry

    def _broadcast_entry(self, element, args, kwargs, key, axes, size, literals=()):
        x_shapes, x_axes, d_shapes, d_axes, full_blocks = [], [], [], [], []
        at = 0
        for i, a in enumerate(args):
            kind, shape = key[i]
            if kind == _STATIC:
                continue
            if kind == _TRAIN:
                x_shapes.append(shape)
                x_axes.append(axes.get(i))
                n = int(np.prod(shape, dtype=np.int64))
                full_blocks.append((at, n, shape))
                at += n
            else:
                d_shapes.append(shape)
                d_axes.append(axes.get(i))
        for name in sorted(kwargs):
            if name in self.static_argnames or _numeric(kwargs[name], name) is None:
                continue
            d_shapes.append(np.shape(kwargs[name]))
            d_axes.append(axes.get(name))
        return broadcast.Broadcast(element, size, x_shapes, x_axes, d_shapes, d_axes,
                                   tuple(full_blocks), element.diff_args, list(literals))

    def _rule_of(self, op, pos):
        """The shift rule of parameter ``pos`` of ``op``: the table's, or custom shifts."""
        spec = self.shifts.get(op.name)
        if isinstance(spec, dict):
            spec = spec.get(pos)
        return rules.rule_for_op(op, pos, shifts=spec)

    def _replay_at_zero(self, args, kwargs, key, circuit, values):
        """Replay with every numeric input at 0: a branch the tracer cannot see (``if
        isinstance(x, float) and x:``; every look at a traced value is refused while tracing,
        qsym.trace.Traced) may take the other way there, and the replay sees it."""
        zero_args = [
            np.zeros(key[i][1]) if key[i][0] != _STATIC else a for i, a in enumerate(args)
        ]
        zero_kwargs = {
            k: (np.zeros(np.shape(v)) if k not in self.static_argnames and _numeric(v, k) is not None else v)
            for k, v in kwargs.items()
        }
        try:
            trace.replay_check(
                self.func, zero_args, zero_kwargs, circuit, {s: 0.0 for s in values}
            )
        except TracingError:
            raise
        except Exception:  # the function may not accept zeros (log(0), ...): no verdict
            pass

    # --- evaluate ----------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if trace.in_circuit():
            raise TracingError(
                "a QNode was called inside another QNode's circuit function; call the inner "
                "circuit function directly, or combine QNode results outside the circuits"
            )
        try:
            entry, xs, ds = self.compiled(args, kwargs)
        except Boxed:  # called inside qml.grad of a hybrid cost: an autograd primitive
            return autodiff.call_boxed(self, args, kwargs)
        if entry.broadcast:
            return format_values(entry.circuit.output, self._broadcast_values(entry, xs, ds))
        if self._shots():
            return self._sampled_call(entry, xs, ds)
        if entry.is_state:
            try:
                return self._state(entry, xs, ds)
            except ValueError as exc:
                _raise_nonfinite(entry.circuit, xs, ds, exc)
        if entry.drawn:
            raise MeasurementError(_NEEDS_SHOTS)
        try:
            out = entry.value(flat(xs), flat(ds))
        except ValueError as exc:
            _raise_nonfinite(entry.circuit, xs, ds, exc)
        dev = self.device
        dev.num_executions += 1
        dev.num_calls += 1
        if not entry.simple:
            out = measurements(entry.post, out)[0]
        return format_values(entry.circuit.output, out)

    # --- broadcasting (qsym.broadcast) --------------------------------------------------
    def _broadcast_values(self, entry, xs, ds):
        """Every batch element's measured values, one array per measurement, batch first."""
        el = entry.element
        X, D = entry.inputs(flat(xs), flat(ds))
        B = entry.size
        try:
            if self._shots():
                if el.is_state:
                    raise MeasurementError(_STATE_WITH_SHOTS)
                sampler, n, rng = self._sampler(el), self._shots(), self.device.rng
                per = [sampler.values(X[b], D[b], n, rng) for b in range(B)]
            elif el.is_state:
                per = [[self._state_flat(el, X[b], D[b])] for b in range(B)]
            elif el.drawn:
                raise MeasurementError(_NEEDS_SHOTS)
            else:
                out = _batched(el, "value", X, D)
                per = [measurements(el.post, out[b])[0] for b in range(B)]
        except ValueError as exc:
            _raise_nonfinite(el.circuit, xs, ds, exc)
        self.device.num_executions += B
        self.device.num_calls += 1
        return entry.stack(per)

    def _broadcast_jacobian(self, entry, x, d, xs, ds):
        el = entry.element
        if el.drawn:
            raise DifferentiationError(_NO_GRADIENT)
        X, D = entry.inputs(x, d)
        B = entry.size
        try:
            if self._shots():
                rows = [self._sampled_jacobian(el, X[b], D[b]) for b in range(B)]
                out = np.stack([r[0] for r in rows])
                jac = np.stack([r[1] for r in rows])
                runs = B * rows[0][2]
            elif self._method == "adjoint":
                out, jac = _batched(el, "value_and_grad_adjoint", X, D)
                runs = B
            elif self._method == "finite-diff":
                rows = [el.value_and_grad_fd(X[b], D[b], self.h, self.approx_order)
                        for b in range(B)]
                out = np.stack([r[0] for r in rows])
                jac = np.stack([r[1] for r in rows])
                runs = B * (1 + X.shape[1] * self.approx_order)
            else:
                out, jac = _batched(el, "value_and_grad", X, D)
                runs = B * el.plan.executions
        except ValueError as exc:
            _raise_nonfinite(el.circuit, xs, ds, exc)
        self.device.num_executions += runs
        self.device.num_calls += 1
        full = entry.scatter(jac)
        per = [measurements(el.post, out[b], full[b]) for b in range(B)]
        values = entry.stack([p[0] for p in per])
        jacs = entry.stack([p[1] for p in per])
        return values, jacs

    def _state_flat(self, entry, x, d):
        mats = entry._prepare(x, d, 0)[0]  # (mats, ..., th)
        return kernels.program_state(entry._ints, entry._floats, mats)

    # --- finite shots --------------------------------------------------------------------
    def _shots(self):
        """The shots in force: the QNode's (``shots=``, ``qml.set_shots``; ``None`` set
        there means exact), else the device's."""
        if self._shots_set:
            return self.shots
        return self.device.shots

    def _sampler(self, entry):
        s = entry.__dict__.get("_sampler")
        if s is None:
            s = entry._sampler = shots_mod.Sampler(entry)
        return s

    def _sampled_call(self, entry, xs, ds):
        if entry.is_state:
            raise MeasurementError(_STATE_WITH_SHOTS)
        try:
            values = self._sampler(entry).values(flat(xs), flat(ds), self._shots(),
                                                 self.device.rng)
        except ValueError as exc:
            _raise_nonfinite(entry.circuit, xs, ds, exc)
        self.device.num_executions += 1
        self.device.num_calls += 1
        return format_values(entry.circuit.output, values)

    def _sampled_jacobian(self, entry, x, d):
        if entry.drawn:
            raise DifferentiationError(_NO_GRADIENT)
        sampler, n, rng = self._sampler(entry), self._shots(), self.device.rng
        if self.diff_method in ("adjoint", "backprop"):
            shots_mod.refuse(self.diff_method)
        if self._method == "finite-diff":
            out, jac = sampler.finite_differences(x, d, n, rng, self.h, self.approx_order)
            return out, jac, 1 + x.shape[0] * self.approx_order
        out, jac = sampler.parameter_shift(x, d, n, rng)  # also for "best"
        return out, jac, entry.plan.executions

    def _state(self, entry, xs, ds):
        return self._state_flat(entry, flat(xs), flat(ds))

    def value_and_jacobian(self, args, kwargs, diff=None):
        """``(values, jac, entry)``: values and the Jacobian over the flat differentiated
        inputs (``jac[m, j]``), by this QNode's ``diff_method``."""
        if trace.in_circuit():
            raise TracingError("a QNode cannot be differentiated inside another QNode's circuit")
        if self.diff_method is None:
            raise DifferentiationError(
                "this QNode was made with diff_method=None (not differentiable); give it a "
                "diff_method such as 'parameter-shift' or 'adjoint' to differentiate it"
            )
        entry, xs, ds = self.compiled(args, kwargs, diff)
        if entry.is_state:
            raise DifferentiationError(
                "qml.state() has no gradient in qsym (it is complex and not an expectation "
                "value); differentiate expval, var or probs instead"
            )
        x = flat(xs)
        d = flat(ds)
        if entry.broadcast:  # per-measurement values and Jacobians, batch first
            return (*self._broadcast_jacobian(entry, x, d, xs, ds), entry)
        try:
            if self._shots():
                out, jac, runs = self._sampled_jacobian(entry, x, d)
            elif self._method == "adjoint":
                out, jac = entry.value_and_grad_adjoint(x, d)
                runs = 1
            elif self._method == "finite-diff":
                out, jac = entry.value_and_grad_fd(x, d, self.h, self.approx_order)
                runs = 1 + x.shape[0] * self.approx_order
            else:
                out, jac = entry.value_and_grad(x, d)
                runs = entry.plan.executions
        except ValueError as exc:
            _raise_nonfinite(entry.circuit, xs, ds, exc)
        dev = self.device
        dev.num_executions += runs
        dev.num_calls += 1
        return out, jac, entry

    # --- flat forms, for the autograd primitives (qsym.autodiff) ------------------------
    def flat_values(self, args, kwargs, diff):
        """``(values, entry)``: every measured value, flattened and concatenated."""
        entry, xs, ds = self.compiled(args, kwargs, diff)
        if entry.drawn:
            raise DifferentiationError(_NO_GRADIENT)
        if entry.broadcast:
            return _flat_concat(self._broadcast_values(entry, xs, ds)), entry
        if self._shots():
            values = self._sampler(entry).values(flat(xs), flat(ds), self._shots(),
                                                 self.device.rng)
            self.device.num_executions += 1
            self.device.num_calls += 1
            return _flat_concat(values), entry
        try:
            out = entry.value(flat(xs), flat(ds))
        except ValueError as exc:
            _raise_nonfinite(entry.circuit, xs, ds, exc)
        self.device.num_executions += 1
        self.device.num_calls += 1
        values, _ = measurements(entry.post, out)
        return _flat_concat(values), entry

    def flat_jacobian(self, args, kwargs, diff):
        """``(values, jac, entry)``: flat values and ``jac[v, c]`` over the flat inputs of
        the arguments ``diff``, by this QNode's ``diff_method``."""
        out, jac, entry = self.value_and_jacobian(args, kwargs, diff)
        if entry.broadcast:
            n = entry.nx
            return _flat_concat(out), _flat_concat(jac, n), entry
        values, jacs = measurements(entry.post, out, jac)
        return _flat_concat(values), _flat_concat(jacs, jac.shape[1]), entry

    def flat_hessian(self, args, kwargs, diff):
        """``(values, jac, hess, entry)``: as :meth:`flat_jacobian`, plus the exact Hessian
        ``hess[v, c, k]`` by second-order parameter shift (:mod:`qsym.second_order`)."""
        if trace.in_circuit():
            raise TracingError("a QNode cannot be differentiated inside another QNode's circuit")
        if self.diff_method is None:
            raise DifferentiationError(
                "this QNode was made with diff_method=None (not differentiable); give it a "
                "diff_method such as 'parameter-shift' to differentiate it"
            )
        entry, xs, ds = self.compiled(args, kwargs, diff)
        if entry.is_state or entry.drawn:
            raise DifferentiationError(
                "qml.state(), qml.sample and qml.counts have no derivatives; differentiate "
                "expval, var or probs"
            )
        if self._shots():
            raise DifferentiationError(
                "second derivatives with finite shots are not supported; use shots=None"
            )
        if entry.broadcast:
            raise DifferentiationError(
                "second derivatives of a broadcast QNode are not supported; call the Hessian "
                "once per parameter set"
            )
        try:
            out, jac, hess = second_order.rows_hessian(entry, flat(xs), flat(ds))
        except ValueError as exc:
            _raise_nonfinite(entry.circuit, xs, ds, exc)
        shifted = sum(1 for t in entry.plan.terms if not t.zero)
        self.device.num_executions += entry.plan.executions * (1 + shifted)
        self.device.num_calls += 1
        values, jacs, hessians = second_order.measurements2(entry.post, out, jac, hess)
        n = jac.shape[1]
        return (_flat_concat(values), _flat_concat(jacs, n), _flat_concat(hessians, n, n),
                entry)

    # --- inspection --------------------------------------------------------------------
    def circuit(self, *args, **kwargs) -> ir.Circuit:
        """The traced circuit (IR) for these arguments."""
        return self.compiled(args, kwargs)[0].circuit

    def source(self, *args, **kwargs) -> str:
        """The generated Python source of the value and gradient kernels."""
        return self.compiled(args, kwargs)[0].source

    def listing(self, *args, **kwargs) -> str:
        """The traced circuit as a readable listing, one op per line."""
        return ir.format_circuit(self.circuit(*args, **kwargs))


def _batched(entry, name, X, D):
    """``entry.batch_<name>(X, D)``: every row of a batch in one compiled call (threads
    across rows); one call per row where a compiled entry has no batched form."""
    fn = getattr(entry, "batch_" + name, None)
    if fn is not None:
        return fn(X, D)
    rows = [getattr(entry, name)(X[b], D[b]) for b in range(X.shape[0])]
    if isinstance(rows[0], tuple):
        return tuple(np.stack(part) for part in zip(*rows))
    return np.stack(rows)


def _check_shifts(shifts) -> dict:
    """Validate ``shifts={gate: shifts}``; rules of fixed-wire gates are derived (and
    proved) now, so that bad shifts fail when the QNode is made, not at its first call."""
    from .gates import gate_def

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


def qnode(
    device: Device, diff_method: str = "parameter-shift", **kwargs: Any
) -> Callable[[Callable[..., Any]], QNode]:
    """Decorator: turn a circuit function into a :class:`QNode` on ``device``.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> float(c(0.0))
    1.0
    """

    def wrap(func):
        return QNode(func, device, diff_method=diff_method, **kwargs)

    return wrap


_NOT_GIVEN = object()


def set_shots(*args, shots=_NOT_GIVEN):
    """A copy of a QNode that runs with other shots (PennyLane's ``qml.set_shots``).

    ``qml.set_shots(qnode, shots=100)`` (or ``qml.set_shots(qnode, 100)``) returns a new
    QNode; ``@qml.set_shots(100)``, ``@qml.set_shots(shots=100)`` or
    ``@partial(qml.set_shots, shots=100)`` above ``@qml.qnode(...)`` are the decorator
    forms. ``shots=None`` makes the QNode exact even on a device with shots. The copy
    shares the original's compiled code.

    >>> import qsym as qml
    >>> @qml.set_shots(20)
    ... @qml.qnode(qml.device("default.qubit", wires=1, seed=1))
    ... def c():
    ...     qml.Hadamard(wires=0)
    ...     return qml.sample(qml.PauliZ(0))
    >>> c().shape, qml.set_shots(c, shots=5)().shape
    ((20,), (5,))
    """
    if len(args) > 2:
        raise TypeError(f"set_shots takes a QNode and shots, got {len(args)} positional arguments")
    if args and isinstance(args[0], QNode):
        node = args[0]
        if len(args) == 2:
            if shots is not _NOT_GIVEN:
                raise TypeError("set_shots got shots twice (positionally and by keyword)")
            shots = args[1]
        if shots is _NOT_GIVEN:
            raise TypeError("set_shots(qnode, shots=N): give the shots (an int, or None for exact)")
        return _with_shots(node, shots)
    if args and callable(args[0]):
        raise ArgumentError(
            "qml.set_shots applies to a QNode: put @qml.set_shots(...) above @qml.qnode(...), "
            f"not on the circuit function {getattr(args[0], '__name__', args[0])!r}"
        )
    if len(args) == 2:
        raise TypeError("set_shots(qnode, shots): the first argument must be a QNode")
    if args:
        if shots is not _NOT_GIVEN:
            raise TypeError("set_shots got shots twice (positionally and by keyword)")
        shots = args[0]
    if shots is _NOT_GIVEN:
        raise TypeError("set_shots needs shots=: an int, or None for exact results")
    shots_mod.check_shots(shots)  # refuse bad values where they are written

    def decorator(node):
        if not isinstance(node, QNode):
            raise ArgumentError(
                "qml.set_shots applies to a QNode: put @qml.set_shots(...) above "
                "@qml.qnode(...)"
            )
        return _with_shots(node, shots)

    return decorator


def _with_shots(node, shots):
    import copy

    new = copy.copy(node)
    new.shots = shots_mod.check_shots(shots)
    new._shots_set = True
    new._grad_fast = None
    _GATE_REGISTRY.watch(new)  # its own short paths follow a gate defined again, too
    return new


# --- grad and jacobian ---------------------------------------------------------------------
def _normalize_argnum(argnum, argnums):
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


def _flat_concat(arrays, *tail):
    """Concatenate per-measurement arrays over their value axes: ``(values, *tail)``."""
    return np.concatenate([np.reshape(a, (-1,) + tail) for a in arrays])


_WRAPPER_ASSIGNMENTS = functools.WRAPPER_ASSIGNMENTS
_MISSING = object()


class _Derivative:
    def __init__(
        self,
        fun: Callable[..., Any],
        argnum: int | Sequence[int] | None = None,
        argnums: int | Sequence[int] | None = None,
    ) -> None:
        if not callable(fun):
            raise DifferentiationError(
                f"{type(self).__name__} needs a function (a QNode, or a Python function "
                f"calling QNodes); got {type(fun).__name__}"
            )
        self.fun = fun
        self.argnum, self._single = _normalize_argnum(argnum, argnums)
        self._forward = None
        # functools.update_wrapper(self, fun, updated=()) (not fun.__dict__), without its
        # try/except per attribute: 0.2 instead of 0.9 us, and qml.grad(f)(x) makes one
        # per call
        d = self.__dict__
        for name in _WRAPPER_ASSIGNMENTS:
            value = getattr(fun, name, _MISSING)
            if value is not _MISSING:
                d[name] = value
        d["__wrapped__"] = fun

    @property
    def forward(self):
        """The function's value at the point of the last call (PennyLane's ``forward``)."""
        f = self._forward
        if f is None:
            return None
        return format_values(*f[1]) if f[0] == "qnode" else f[1]

    def _diff_indices(self, args):
        """Which arguments to differentiate: ``None`` (the default) or their indices."""
        diff = self.argnum
        if diff is None:
            if _needs_default_diff(args):  # an int tensor with requires_grad: promoted
                return _default_diff(args, getattr(self.fun, "_static_positions", ()))
            return None
        n = len(args)
        for i in diff:
            if not -n <= i < n:
                raise DifferentiationError(
                    f"argnum {i} is out of range: the function was called with {n} "
                    "positional argument(s)"
                )
        return diff if all(i >= 0 for i in diff) else tuple(i % n for i in diff)

    def _blocks(self, entry, diff):
        blocks = entry.blocks
        if diff is not None and diff != entry.diff_args:  # argnum order, e.g. [1, 0]
            blocks = tuple(blocks[entry.diff_args.index(i)] for i in diff)
        if not blocks:  # PennyLane warns and returns () (callers check)
            return (), False
        single = self._single or (self.argnum is None and len(blocks) == 1)
        return blocks, single

    def _jacobian(self, args, kwargs):
        diff = self._diff_indices(args)
        out, jac, entry = self.fun.value_and_jacobian(args, kwargs, diff)
        blocks, single = self._blocks(entry, diff)
        if entry.broadcast:
            self._forward = ("qnode", (entry.circuit.output, out))
            return jac, entry, blocks, single
        if entry.simple:
            self._forward = ("qnode", (entry.circuit.output, out))
            return jac, entry, blocks, single
        values, jacs = measurements(entry.post, out, jac)
        self._forward = ("qnode", (entry.circuit.output, values))
        return jacs, entry, blocks, single

    def _hybrid(self, how, args, kwargs):
        """Any other function (or a QNode called inside an outer derivative): autograd."""
        result, ans = how(self.fun, args, kwargs, self.argnum, self._single)
        self._forward = ("plain", ans)
        return result


class grad(_Derivative):
    """The gradient of a scalar-valued function, as a function of the same arguments.

    Args:
        fun: a QNode returning one expectation value, or any Python function of floats
            and arrays that calls QNodes and combines their results with
            ``qsym.numpy`` arithmetic (a hybrid cost, differentiated with autograd:
            :mod:`qsym.autodiff`).
        argnum / argnums: which positional argument(s) to differentiate: an int (the
            gradient has that argument's shape), a list (a tuple of gradients), or None
            (every trainable argument: one gradient if there is one, else a tuple).

    After a call, ``forward`` holds the function's value at that point.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit2(phi1, phi2):
    ...     qml.RX(phi1, wires=0)
    ...     qml.RY(phi2, wires=0)
    ...     return qml.expval.PauliZ(0)
    >>> qml.grad(circuit2, argnum=[0, 1])(0.54, 0.12)
    (array(-0.51043865), array(-0.1026782))
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fun = self.fun
        if isinstance(fun, QNode):
            if not kwargs and len(args) == 1:
                fast = fun._grad_fast
                if fast is not None and fast[0] == self.argnum and fast[1] == self._single:
                    result = self._fast(fun, fast, args[0])
                    if result is not None:
                        return result
            try:
                jac, entry, blocks, single = self._jacobian(args, kwargs)
            except Boxed:  # inside an outer derivative (qml.jacobian(qml.grad(f)))
                return self._hybrid(autodiff.grad, args, kwargs)
            if not blocks:
                return autodiff.no_trainable()
            if entry.circuit.output != "scalar" or entry.post[0][3] != () or entry.broadcast:
                what = ', '.join(m.kind for m in entry.circuit.measurements)
                if entry.broadcast:
                    what += f" for a batch of {entry.size} parameter sets"
                raise DifferentiationError(
                    f"grad needs a function with one scalar result; this QNode returns {what} "
                    "(not one scalar): use qml.jacobian"
                )
            if not kwargs and len(args) == 1:
                self._remember(fun, args[0], entry, blocks, single)
            return pick(jac[0], blocks, single)
        return self._hybrid(autodiff.grad, args, kwargs)

    # The common case, the gradient of a QNode of one float64 array, again and again, on
    # a short path (measured on the seed: about 2 us less per call than the full path
    # through classify, compiled and value_and_jacobian). The QNode remembers the last
    # such call's compiled signature; a call takes this path only when nothing can differ
    # from that call: one argument, a plain C-contiguous float64 ndarray of the same
    # shape, no keyword arguments, the same argnum, no shots, not inside a circuit trace,
    # an exact method. Anything else (lists, qsym.numpy tensors, autograd boxes, other
    # shapes or dtypes) goes the full way, which gives the same results.
    def _remember(self, node, a, entry, blocks, single):
        if (type(a) is not np.ndarray or a.dtype is not _F64 or a.ndim != 1
                or not a.flags.c_contiguous or not entry.simple or node._shots()
                or node._method not in ("parameter-shift", "adjoint")
                or node._compiled.get(((_TRAIN, a.shape),)) is not entry):
            node._grad_fast = None
            return
        # a 1-D argument differentiated alone: the gradient is row 0 of the Jacobian
        whole = single and blocks == ((0, a.shape[0], a.shape),)
        runs = 1 if node._method == "adjoint" else entry.plan.executions
        name = "value_and_grad_adjoint" if node._method == "adjoint" else "value_and_grad"
        node._grad_fast = (self.argnum, self._single, a.shape, entry, name, runs, whole,
                           blocks, single, node._method)

    def _fast(self, node, fast, a):
        """The gradient on the short path, or None where it does not apply."""
        (_, _, shape, entry, name, runs, whole, blocks, single, method) = fast
        if (type(a) is not np.ndarray or a.dtype is not _F64 or a.shape != shape
                or not a.flags.c_contiguous or node._shots()
                or node._method != method or getattr(trace._local, "stack", None)):
            return None
        try:
            out, jac = getattr(entry, name)(a, _EMPTY)
        except ValueError as exc:
            _raise_nonfinite(entry.circuit, [a], [], exc)
        dev = node.device
        dev.num_executions += runs
        if dev._trackers:  # the property reports to trackers; skip it when none listens
            dev.num_calls += 1
        else:
            dev._num_calls += 1
        node._last = entry
        self._forward = ("qnode", ("scalar", out))
        return jac[0] if whole else pick(jac[0], blocks, single)


class jacobian(_Derivative):
    """The Jacobian of a QNode or a hybrid function: for one result, shaped
    ``(*result shape, *argument shape)``; for several results, one per result.

    For a QNode returning a tuple of measurements the result is a tuple (one entry per
    measurement), each shaped like :class:`grad`'s result. ``qml.jacobian(qml.grad(f))``
    is the exact Hessian (second-order parameter shift, :mod:`qsym.second_order`).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.RX(x[0], wires=0)
    ...     qml.RY(x[1], wires=1)
    ...     return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))
    >>> [np.round(j, 6) + 0.0 for j in qml.jacobian(c)(np.array([0.1, 0.2]))]
    [array([-0.099833,  0.      ]), array([ 0.      , -0.198669])]
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.fun, QNode):
            try:
                jac, entry, blocks, single = self._jacobian(args, kwargs)
            except Boxed:
                return self._hybrid(autodiff.jacobian, args, kwargs)
            if not blocks:
                return autodiff.no_trainable()
            rows = [pick(jac[m], blocks, single) for m in range(len(entry.post))]
            if entry.circuit.output == "scalar":
                return rows[0]
            return tuple(rows)
        return self._hybrid(autodiff.jacobian, args, kwargs)


class hessian(_Derivative):
    """The Hessian: second derivatives of a QNode or a hybrid function, exact.

    For a QNode, by second-order parameter shift (:mod:`qsym.second_order`): the shift rule of
    each parameter applied to the compiled gradient, then the exact chain rule through the
    gate parameters' and coefficients' expressions. For a hybrid function, autograd's
    Jacobian of its gradient, with the same QNode second derivatives inside.

    Shapes: one differentiated argument of shape ``S`` and a result of shape ``R`` give
    ``(*R, *S, *S)``; several arguments give a tuple of tuples ``H[i][j]`` shaped
    ``(*R, *S_i, *S_j)``; a QNode returning a tuple gives one such entry per measurement.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def c(x, y):
    ...     qml.RX(x, wires=0)
    ...     qml.RY(y, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> h = qml.hessian(c)(0.5, 0.25)   # <Z> = cos(x) cos(y)
    >>> print(f"{h[0][1]:.12f} {np.sin(0.5) * np.sin(0.25):.12f}")
    0.118611776418 0.118611776418
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.fun, QNode):
            try:
                return self._qnode_hessian(args, kwargs)
            except Boxed:
                pass
        return self._hybrid(_hybrid_hessian, args, kwargs)

    def _qnode_hessian(self, args, kwargs):
        diff = self._diff_indices(args)
        entry, xs, ds = self.fun.compiled(args, kwargs, diff)
        blocks, single = self._blocks(entry, diff)
        if not blocks:
            self._forward = ("plain", None)
            return autodiff.no_trainable()
        if diff is None:
            diff = entry.diff_args
        values, jac, hess, entry = self.fun.flat_hessian(args, kwargs, tuple(sorted(diff)))
        if tuple(sorted(diff)) != entry.diff_args:
            raise DifferentiationError("internal: differentiated arguments do not match")
        self._forward = ("plain", None)
        out, at = [], 0
        for _, _, _, shape in entry.post:
            size = int(np.prod(shape))
            h = hess[at : at + size].reshape(shape + hess.shape[1:])
            at += size
            if single:
                c, n, s = blocks[0]
                out.append(h[..., c : c + n, c : c + n].reshape(shape + s + s))
            else:
                out.append(tuple(
                    tuple(h[..., ci : ci + ni, cj : cj + nj].reshape(shape + si + sj)
                          for cj, nj, sj in blocks)
                    for ci, ni, si in blocks
                ))
        if entry.circuit.output == "scalar":
            return out[0]
        return tuple(out)


def _hybrid_hessian(fun, args, kwargs, argnum, single):
    def first(*a):
        return autodiff.jacobian(fun, a, kwargs, argnum, single)[0]

    result, _ = autodiff.jacobian(first, args, kwargs, argnum, single)
    return result, None
