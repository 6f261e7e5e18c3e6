"""The QNode and its derivatives: :class:`QNode`, :func:`qnode`, :func:`set_shots`,
:class:`grad`, :class:`jacobian`, :class:`hessian`; and :class:`Compiled`, one compiled
signature of a QNode.

A QNode's options are checked and defaulted by :mod:`qsym._options`. It compiles once per
*input signature* (:mod:`qsym._arguments`: kinds and shapes of the arguments, values of
the static ones, which are differentiated); numeric values never enter it, so new
parameters or new keyword data reuse the compiled code. Building a signature is the list
of stages of :mod:`qsym._stages` (:meth:`QNode.build`); running it goes through the
executors of :mod:`qsym._executors`. Devices and trackers: :mod:`qsym.devices`.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import math
import operator
import sys
import threading
import time
import types
import warnings
import weakref
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from autograd.tracer import Box

from ._locks import new_lock, new_rlock, no_other_threads
from . import _autodiff as autodiff, _cache as cache, _executors as executors, _ir as ir, _kernels as kernels, _plan as plan, rules
from . import _second_order as second_order, _stages as stages, templates, _tiers as tiers, _trace as trace
from . import _guards as guards, _mcm as mcm, _shots as shots_mod, devices
from ._cache import Memo
from ._arguments import (  # classify: looked up here at each call (tests count its calls)
    DATA,
    F64,
    STATIC,
    TRAIN,
    classify,
    normalize_argnum,
)
from . import _options as options
from ._options import DEFAULT_DIFF_METHOD, UNSET, check_interface, check_mcm_call
from ._autodiff import Boxed
from .exceptions import CompileError
from .numpy import tensor
from .errors import (ArgumentError, ByValueDerivative, CustomMeasurementError, DeviceError,
                     DifferentiationError, MethodError, QNodeError, QsymError,
                     QuantumFunctionError, ScalarOutputError, TracingError)
from ._executors import execute, pl_backpropagates
from ._gates import REGISTRY as GATE_REGISTRY
from ._operations import METHODS as OP_METHODS  # (qnode_construct: set by qsym.workflow)
from ._program import Prepared, lowered
from ._shapes import flat, format_rows, format_values, measurements, parameter_differences, pick
from .devices import (  # noqa: F401  (qsym.runtime's names)
    DEVICE_NAMES,
    Device,
    ExecutionConfig,
    Tracker,
    available_memory,
    check_device_options,
    device,
    own_derivatives,
    defines_execute,
    execute_set_on,
    current_api,
    runs_own_execute,
    state_memory,
)
from ._stages import circuit_wires  # noqa: F401  (qsym._runtime.circuit_wires)

logger = logging.getLogger("qsym.runtime")

_NO_DATA = np.zeros(0)  # shared: the compiled code never writes its inputs
PER_CALL_STRUCTURES = 64  # compiled structures a per-call QNode keeps (least recently used go)
# signatures a QNode keeps once data arguments became static by their values (QNode.
# _learn_static: a time t of expm(-1j H t), a new value at every call): the oldest go
LEARNED_STATIC_SIGNATURES = 64
_TWIN_LOCK = new_lock()  # a signature's plain-Python twin made once (_twin_ns)
_PER_CALL_LOCK = new_rlock()  # one per-call trace at a time (they restore random states)

_LAUNCHING = threading.local()  # .held: this thread holds kernels.LAUNCH_LOCK (Compiled._launch)
_SHOT_COUNT = threading.local()  # .active: (QNode, the shot count it evaluates now)
# diff_method -> check(qnode, entry, args, kwargs, diff, data) run before a compiled
# derivative: a method PennyLane computes with circuits of its own whose exact answer the
# compiled derivative gives ("hadamard": qsym.gradients registers its checks, warnings and
# circuit count there)
DERIVATIVE_CHECKS: dict = {}


# Tiers (qsym.tiers; docs/design.md "Tiers: the first answer without a compile"): tier
# "python" runs the generated prepare() as plain Python with the compiled-once kernels;
# a circuit used often is compiled in the background ("module"), a small one (work per
# gradient at most FUSED_MAX_WORK) then as one compiled call ("fused"), after
# FUSE_AFTER_CALLS more calls when compiled in this process. Numbers: docs/design.md,
# "Measurements behind the design".
FUSED_MAX_WORK = 1 << 16
FUSE_AFTER_CALLS = 1000
_ENTRY_POINTS = ("value", "value_and_grad", "value_and_grad_adjoint")
_FUSED_FOR = {0: "fused_value", 1: "fused_value_and_grad"}
_USE_OF = {"value": 0, "value_and_grad": 1, "value_and_grad_adjoint": "adjoint"}


class _TimedKernels:
    """:data:`qsym._tiers.KERNELS` for one circuit's sampled answers and second derivatives
    (:attr:`Compiled.sampling_kernels`): each call of a plain-Python twin timed and put on
    the circuit's promotion clock (:meth:`Compiled._twin_seconds`); a loaded kernel is
    returned as it is."""

    __slots__ = ("entry",)

    def __init__(self, entry):
        self.entry = entry

    def __getattr__(self, name):
        fn = getattr(tiers.KERNELS, name)
        if not getattr(fn, "twin", False):
            return fn
        entry, clock = self.entry, tiers.clock

        def call(*args):
            tiers.note_kernel_call(entry._kernel_sigs, name, args)
            t = clock()
            out = fn(*args)
            entry._twin_seconds(clock() - t)
            return out

        return call


# a batch entry point -> the single call that gives each of its rows (Compiled._rows)
_BATCH_ROW = {"batch_value": "value", "batch_value_and_grad": "value_and_grad",
              "batch_value_and_grad_adjoint": "value_and_grad_adjoint"}


# the blocked adjoint's work memory is kept between an entry's calls up to this size (20
# wires, one output: 64 MiB with the spare lambda; 22 wires, one or two outputs: four states
# of 64 MiB and the matrices, up to 16 MiB of them; larger memories are allocated and freed
# at each call, as before), at most ADJOINT_KEPT_MAX of them per entry
# (Compiled._adjoint_memory)
ADJOINT_KEEP_BYTES = (256 + 16) << 20
ADJOINT_KEPT_MAX = 2
_NO_WORK = np.empty(0, dtype=np.complex128)  # (the kernel allocates its own)


@dataclass
class Compiled:
    """One compiled signature of a QNode: circuit, plan, generated module and entry points.

    ``blocks`` says where each differentiated argument sits in the flat input vector:
    ``(first column, size, shape)``. ``tier`` is where the calls run now: ``"python"``
    (the generated code as plain Python, nothing compiled for this circuit), ``"module"``
    or ``"fused"`` (:mod:`qsym._tiers`); every tier gives the same bits.
    """

    circuit: ir.Circuit
    plan: plan.GradientPlan
    # the generated module's text: made at first use for a module on the interpreter tier
    # (None given: the module's, qsym._interp.InterpretedModule.source); a property below
    source: str = field(repr=False, compare=False)
    module: object
    diff_args: tuple
    blocks: tuple
    trace_seconds: float = 0.0
    compile_seconds: float = 0.0
    # the exact second derivatives of the gate parameters (qsym.second_order), made at first use
    second: Any = field(default=None, init=False, repr=False, compare=False)
    # checks of the inputs run at every call (a StatePrep's norm: qsym._trace.add_check)
    checks: tuple = field(default=(), init=False, repr=False, compare=False)
    # built for values only (no chain rule, QNode.compiled(derivatives=False)): False, or
    # what the first call that needs a derivative plans again (QNode._with_derivatives)
    value_only: Any = field(default=False, init=False, repr=False, compare=False)
    # what the circuit function read besides its arguments (qsym._guards): None, or
    # a check run at every call; False there means trace and compile again
    guard: Any = field(default=None, init=False, repr=False, compare=False)
    # set by the build (QNode.build, QNode._build_per_call): the circuit holds constants
    # from trainable tensors (its results are tensors: result_types); traced at one call's
    # numbers (per call); the inputs whose numbers that trace used, and those a gate holds
    # to first order only ({symbol: why}: no derivative, no second derivative by them)
    tensor_constants: bool = field(default=False, init=False, repr=False, compare=False)
    # whether a gate parameter or coefficient reads the arguments (_reads_arguments: a
    # tensor argument nothing reads gives NumPy's results); None until the first call
    reads_arguments: Any = field(default=None, init=False, repr=False, compare=False)
    # finite differences: (the inputs stepped, the parameters counted), found at the first
    # such gradient (qsym._executors.fd_inputs)
    fd_inputs: Any = field(default=None, init=False, repr=False, compare=False)
    per_call: bool = field(default=False, init=False, repr=False, compare=False)
    # built for one value of an argument the circuit function read (QNode._learn_static:
    # ``time=dt`` drawn anew at each call): a signature most likely used a few times, so
    # tier 0 compiles it after COMPILE_AFTER_CALLS calls only, not after its seconds (a
    # background compile per new value was never used again)
    one_value: bool = field(default=False, init=False, repr=False, compare=False)
    by_value: Any = field(default=None, init=False, repr=False, compare=False)
    first_order: Any = field(default=None, init=False, repr=False, compare=False)
    # the circuit's structural hash, made at the first call with cache=<a dict>
    # (QNode._cached_values)
    cache_key: Any = field(default=None, init=False, repr=False, compare=False)
    # its qsym._shots.Sampler, made at the first sampled call (sampler)
    _sampler: Any = field(default=None, init=False, repr=False, compare=False)
    # the tier state (qsym.tiers): changed only under _lock, by _enter
    tier: str = field(default="python", init=False, compare=False)
    _lock: Any = field(default_factory=new_lock, init=False, repr=False, compare=False)
    _twin: Any = field(default=None, init=False, repr=False, compare=False)
    _ns: Any = field(default=None, init=False, repr=False, compare=False)
    _prepare: Any = field(default=None, init=False, repr=False, compare=False)
    _prepare_adjoint: Any = field(default=None, init=False, repr=False, compare=False)
    _used: set = field(default_factory=set, init=False, repr=False, compare=False)
    _calls: int = field(default=0, init=False, repr=False, compare=False)
    _python_seconds: float = field(default=0.0, init=False, repr=False, compare=False)
    _promoted: bool = field(default=False, init=False, repr=False, compare=False)
    # the cache folder not yet asked whether an earlier process compiled it
    # (_look_for_cached: after the process's first answer)
    _cache_unseen: bool = field(default=False, init=False, repr=False, compare=False)
    _fusing: bool = field(default=False, init=False, repr=False, compare=False)
    _prepared: bool = field(default=False, init=False, repr=False, compare=False)
    _late_calls: int = field(default=0, init=False, repr=False, compare=False)
    _job: Any = field(default=None, init=False, repr=False, compare=False)
    _holds: int = field(default=0, init=False, repr=False, compare=False)
    # the inputs of tier 0's last prepare: where the promotion clock of a sampled answer's
    # kernel twins (sampling_kernels), which see no inputs, starts the background compile
    _last_inputs: Any = field(default=None, init=False, repr=False, compare=False)
    _timed_k: Any = field(default=None, init=False, repr=False, compare=False)
    # (kernel name, numba signature) of the kernel twins its sampled answers and second
    # derivatives ran on tier 0: the background compile compiles them too (issue #17)
    _kernel_sigs: set = field(default_factory=set, init=False, repr=False, compare=False)
    _fused_names: frozenset = field(default=frozenset(), init=False, repr=False,
                                    compare=False)
    # what the compiled tiers have compiled code for (the names of qsym._tiers.calls_for
    # a background compile or a load from the disk cache ran), or None: everything, compiled
    # at its first call in this process (QSYM_TIER=compiled, no disk cache, a singular
    # point). A use outside it after a swap runs on tier 0 until a later background
    # compile adds it (Compiled._late): no compile in the caller (issue #17)
    _ready: Any = field(default=None, init=False, repr=False, compare=False)
    # the blocked adjoint kernels' work memories not in use (:meth:`_adjoint_memory`)
    _adjoint_kept: list = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.post = ir.post_layout(self.circuit)
        # only expectation values: one row per measurement, nothing to post-process
        self.simple = all(m.kind == "expval" and not m.post for m in self.circuit.measurements)
        # qml.state() alone (no compiled rows), or with other measurements
        self.is_state = all(m.kind == "state" for m in self.circuit.measurements)
        self.has_state = any(m.kind == "state" for m in self.circuit.measurements)
        # drawn from samples (finite shots only)
        self.drawn = any(m.kind in ("sample", "counts") for m in self.circuit.measurements)
        self.broadcast = False  # see qsym._broadcast.Broadcast
        self._ints, self._floats = self.module.PROGRAM
        # the matrices of matrix-data gates (QubitUnitary): the end of d (qsym._ir.matrix_data)
        self.data_tail = ir.matrix_data(self.circuit)
        self.fused = self.module.WORK <= FUSED_MAX_WORK
        # one gradient's shifted circuits on several threads: large circuits only
        self._shift_parallel = (self.module.WORK >= kernels.PARALLEL_SHIFT_MIN_WORK
                                and self.plan.executions > 2)
        self._shift_once = False  # (a first gradient on tier 0: _parallel_shift_ready)
        # one large adjoint gradient's blocked passes on several threads (the same bits)
        n = self.circuit.num_wires
        self._adjoint_parallel = (n >= kernels.PARALLEL_BLOCK_MIN_WIRES
                                  and len(self.circuit.ops) << n
                                  >= kernels.PARALLEL_SHIFT_MIN_WORK)
        # the kernel calls: their plain-Python twins until the kernels' compiled code is
        # loaded, where that is cheap (qsym._tiers.KERNELS; the same bits)
        # (tier 0: a kernel not compiled on this machine yet runs as its twin too, and the
        # background compile compiles it: qsym._tiers._Kernels; _enter switches them)
        self._k_python = (tiers.kernels_for(self.module, "_q_WORK_VALUE"),
                          tiers.kernels_for(self.module, "WORK"),
                          tiers.kernels_for(self.module, "_q_WORK_ADJOINT"))
        self._k_value, self._k_grad, self._k_adjoint = self._k_python
        how = tiers.mode()
        with self._lock:
            if how == "compiled":
                self._enter_compiled(set(_ENTRY_POINTS))
            else:
                self._enter("python")
                # QSYM_TIER=python: never promoted (a singular point still runs compiled)
                self._promoted = how == "python"
                # whether an earlier process compiled it: looked up after the process's
                # first answer (_look_for_cached), not before this circuit's
                self._cache_unseen = how == "auto"

    # --- the tier state ----------------------------------------------------------------
    def _enter(self, tier, fused=frozenset(), prepared=True):
        """Switch every entry point to ``tier`` (under ``_lock``); ``fused``: the entry
        points that take the fused form on the ``fused`` tier; ``prepared``: the
        compiled ``prepare`` is there (else the other uses of ``prepare`` stay on tier 0
        until they are used often: a small circuit's background compile first compiles
        only the fused entry points it has used, which do not call it)."""
        if tier == "python" or not prepared:
            ns = self._twin_ns()
            late = tier != "python"
            self._prepare = self._late_prepare if late else self._python_prepare
            self._prepare_adjoint = (self._late_prepare_adjoint if late
                                     else self._python_prepare_adjoint)
        else:
            ns = tiers.loaded(self.module)
            self._prepare = ns.prepare
            self._prepare_adjoint = (ns.prepare_adjoint if self._has_compiled("prepare_adjoint")
                                     else self._late_prepare_adjoint)
        self._prepared = tier != "python" and prepared
        self._ns = ns
        self._k_value, self._k_grad, self._k_adjoint = (
            self._k_python if tier == "python" else
            (tiers.COMPILED_KERNELS if k is tiers.KERNELS and self._has_compiled(name) else k
             for k, name in zip(self._k_python, tiers.KERNEL_CALLS)))
        self._fused_names = frozenset(fused) if tier == "fused" else frozenset()
        for name in _ENTRY_POINTS:
            if name in self._fused_names:
                setattr(self, name, self._fused(name))
            elif tier == "python" and self._written_out(name):
                setattr(self, name, self._python_unrolled(name))
            elif tier == "module" and self.fused and not self._promoted_fused():
                setattr(self, name, self._counting(name))
            else:
                self.__dict__.pop(name, None)  # the class's method
        self.tier = tier
        if logger.isEnabledFor(logging.DEBUG):  # (the name of a new circuit's module is
            logger.debug("%s: tier %s%s", self.module.__name__, tier,  # made when needed)
                         f" (fused: {', '.join(sorted(fused))})" if fused else "")

    def _twin_ns(self):
        """The module's plain-Python twin (tier 0's functions), made at first use, once: two
        threads making it at once wrapped a shared namespace's ``prepare`` twice (the second
        twin had none)."""
        twin = self._twin
        if twin is None:
            with _TWIN_LOCK:
                twin = self._twin
                if twin is None:
                    twin = self._twin = self._make_twin()
        return twin

    def _make_twin(self):
        """A new plain-Python twin of the module (a LazyModule's is its namespace's: no
        source needed)."""
        return tiers.python_twin(self.module, None if isinstance(self.module, tiers.LazyModule)
                                 else self.source, self._counted)

    def _has_compiled(self, name) -> bool:
        """The compiled tiers have compiled code for ``name`` (a name of
        :func:`qsym._tiers.calls_for`: ``prepare_adjoint``, ``batch``, ``kernel_value``,
        ...): compiled by a background process or found on disk (:attr:`_ready`), or
        compiled at its first call in this process (``_ready`` None)."""
        ready = self._ready  # (read once: a tier swap in another thread sets it to None)
        return ready is None or name in ready

    def _load_cached(self):
        """Compiled by an earlier process: tier 0 answers while a thread finds what numba's
        disk cache holds (``prepare``, the fused entry points: :func:`qsym._tiers.has_cached`,
        which loads the numba module), loads it (:func:`qsym._tiers.load_in_background`:
        numba's runtime and the entry points, 30-50 ms in a new process, more than a new
        circuit's whole first answer) and moves the calls to it; :meth:`wait` waits for
        it. The same bits on either side. Nothing cached after all: tier 0 as for a new
        circuit."""
        found = []

        def names():
            prepared = tiers.has_cached(self.module, "prepare")
            fused = {name for name in _ENTRY_POINTS
                     if self.fused and tiers.has_cached(self.module, f"fused_{name}")}
            wanted = (["prepare"] if prepared else []) + [f"fused_{n}" for n in sorted(fused)]
            # on disk too, loaded at their first call (milliseconds, no compile)
            on_disk = [n for n in ("prepare_adjoint", "batch", "batch_adjoint")
                       if prepared and tiers.has_cached(self.module, n)]
            on_disk += [n for n in tiers.BATCH_CALLS if tiers.kernel_on_disk(n) and (
                "batch_adjoint" if n.endswith("adjoint") else "batch") in on_disk]
            found[:] = [fused, prepared, set(wanted + on_disk)]
            return wanted

        def done():
            fused, prepared, ready = found or (set(), False, set())
            with self._lock:
                if self.tier != "python":
                    return
                if fused or prepared:
                    self._ready = ready
                    self._enter_compiled(fused, prepared)
                else:
                    self._promoted = False

        x, d = np.zeros(self.module.NUM_INPUTS), np.zeros(self.module.NUM_DATA)
        self._job = tiers.load_in_background(self.module, names, x, d, done)

    def _look_for_cached(self):
        """Whether an earlier process compiled this circuit (the module's file in the cache
        folder: it is written only then; numba's index is read in the loading thread):
        then its compiled code is loaded in the background (:meth:`_load_cached`) instead
        of compiled. Looked up once, after the process's first answer (at a tier-0 call
        from the second on, before any promotion, at :meth:`wait` and
        :meth:`join_compile`): the look needs
        the module's key, a hash of the circuit and its program that a new circuit's first
        answer does not (about 1 ms of a 12x8 HEA's, issue #17)."""
        if not self._cache_unseen:
            return
        on_disk = tiers.maybe_cached(self.module)  # (outside the lock: it may hash)
        with self._lock:
            if not self._cache_unseen:
                return
            self._cache_unseen = False
            if on_disk and self.tier == "python" and not self._promoted:
                self._promoted = True
                self._load_cached()

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
        clock = tiers.clock

        def prepare(x, d, mode):
            t = clock()
            out = fn(x, d, mode)
            self._tick(clock() - t, x, d)
            return out

        return prepare

    def _tick(self, seconds, x, d):
        """One more call on tier 0, which took ``seconds`` of Python time (not counted
        while :meth:`held`)."""
        if self._holds:
            return
        self._calls += 1
        self._python_seconds += seconds
        if self._calls == tiers.TEXT_AFTER_CALLS:
            self._to_text()
        self._check_promotion(x, d)

    def _kernel_seconds(self, seconds, x, d):
        """A tier-0 kernel call ran as Python for ``seconds`` (its twin, qsym._tiers.KERNELS:
        the kernel library not compiled on this machine yet, or not loaded yet): time that
        compiling removes, so it counts on the promotion clock beside ``prepare``'s."""
        if self._holds:
            return
        if self.tier != "python":  # a kernel not compiled with the circuit's code
            self._late(x, d)
            return
        self._python_seconds += seconds
        self._check_promotion(x, d)

    def _check_promotion(self, x, d):
        if not self._promoted and (self._calls >= tiers.COMPILE_AFTER_CALLS or (
                not self.one_value and self._python_seconds >= tiers.COMPILE_AFTER_SECONDS)):
            self._look_for_cached()  # (compiled before: loaded, not compiled again)
            self._promote(x, d)
        elif self._cache_unseen and self._calls > 1 and tiers.answered():
            self._look_for_cached()  # (not in a circuit's first answer either)

    def _to_text(self):
        """A tiny circuit on the interpreter (:mod:`qsym._interp`) moves to its written-out
        code run as Python (its module's text made now; the same bits, faster calls)."""
        module = self.module
        if not (isinstance(module, tiers.LazyModule) and module.interpreted()
                and module.written_out):
            return
        module.to_text()
        with self._lock:
            if self.tier == "python":
                # the new twin made before it replaces the old one: another thread's call
                # on tier 0 reads self._twin meanwhile (set to None first, it read None)
                self._twin = self._make_twin()
                self._enter("python")

    def _written_out(self, name) -> bool:
        """Whether the module holds entry point ``name`` written out (qsym._emit:
        ``UNROLLED`` for the value and parameter shift, ``ADJOINT_UNROLLED`` for the
        adjoint method; a module exported by an older qsym has no such flag; a module for
        values, ``emit_module(values_only=True)``, says ``VALUE_UNROLLED`` for the value)."""
        if isinstance(self.module, tiers.LazyModule) and self.module.interpreted():
            return False  # (qsym._interp: nothing written out, its text not made)
        flag = "ADJOINT_UNROLLED" if name == "value_and_grad_adjoint" else "UNROLLED"
        if name == "value":
            # (a LazyModule's constants are its namespace's: an absent one is no load)
            ns = (self.module.namespace if isinstance(self.module, tiers.LazyModule)
                  else vars(self.module))
            flag = "VALUE_UNROLLED" if "VALUE_UNROLLED" in ns else flag
        return bool(getattr(self.module, flag, False))

    def _python_unrolled(self, name):
        """Tier 0's ``name`` for a tiny circuit: its written-out fused code as plain Python
        (straight-line arithmetic, the same operations as the compiled code: 5-6 times
        faster than Python's ``prepare`` and a kernel call for the seed)."""
        into = self._twin.raw[f"fused_{name}_into"]
        n_out, n_in = self.module.NUM_OUTPUTS, self.module.NUM_INPUTS
        use = _USE_OF[name]
        clock = tiers.clock
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
        self._last_inputs = (x, d)
        try:
            return self._twin.prepare(x, d, mode)
        except Exception as exc:
            if not tiers.is_python_semantics_error(exc):
                raise
        return self._compile_now("a singular point of the classical processing").prepare(
            x, d, mode)

    def _python_prepare_adjoint(self, x, d):
        self._used.add("adjoint")
        self._last_inputs = (x, d)
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
        self._late(x, d)
        return self._python_prepare(x, d, mode)

    def _late_prepare_adjoint(self, x, d):
        """``prepare_adjoint`` on a compiled tier whose background compile did not compile
        it (the adjoint method first used after the swap): tier 0's, as ``_late_prepare``."""
        self._late(x, d)
        return self._python_prepare_adjoint(x, d)

    def _late(self, x, d):
        """One call on a compiled tier ran code of tier 0 (``prepare``, ``prepare_adjoint``,
        a batch function or a kernel library entry point its background compile did not
        compile: first used after the swap); after ``COMPILE_AFTER_CALLS`` such calls, a
        background compile of everything the circuit has used (:meth:`_promote_late`)."""
        if self._holds:
            return
        self._late_calls += 1
        if self._late_calls >= tiers.COMPILE_AFTER_CALLS:
            self._promote_late(x, d)

    def _promote_late(self, x, d):
        """A compiled tier's background compile of what the circuit has used since
        (:meth:`_wanted`, the kernel twins it noted), unless one is running: its uses run on
        tier 0's code until the swap, never compiled in the caller. Without a disk cache to
        hand it over, the fused entry points and ``prepare`` compile here, as before."""
        with self._lock:
            job = self._job
            if self.tier == "python" or (job is not None and job.is_alive()):
                return
            self._late_calls = 0
            self._fusing = True
            if tiers.background_possible(self.module):
                self._start_job(x, d, need_prepare=True)
            else:
                self._ready = None
                self._enter("fused" if self.fused else "module", _ENTRY_POINTS)

    def _compile_now(self, why):
        """Leave tier 0 for the module compiled in this process (numba compiles at the next
        call); the module."""
        with self._lock:
            self._promoted = True
            if self.tier == "python":
                tiers.say_compiling_here(why)
                self._ready = None
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
        names += [n for n in ("batch", "batch_adjoint", *tiers.BATCH_CALLS) if n in used]
        if not fused_only:  # the kernels the compiled tier calls, ready before the swap
            names += [name for name, use, k in zip(
                ("kernel_value", "kernel_grad", "kernel_adjoint"), (0, 1, "adjoint"),
                self._k_python) if use in used and k is tiers.KERNELS]
        if self.fused:
            names += [_FUSED_FOR[m] for m in (0, 1) if m in used]
            if "adjoint" in used:
                names.append("fused_value_and_grad_adjoint")
        return names

    @contextlib.contextmanager
    def held(self):
        """Calls made inside do not count towards this circuit's own background compile:
        for a caller that compiles a module importing this one when its own clock says so,
        and hands the circuit's compile to that job (:meth:`join_compile`;
        qsym.minimize's loop on its tier 0), so that one compile serves both.

        >>> import qsym as qml
        >>> from qsym import numpy as np
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def c(x):
        ...     qml.RX(x[0], wires=0)
        ...     return qml.expval(qml.PauliZ(0))
        >>> entry, _, _ = c.compiled((np.array([0.3]),), {}, diff=(0,))
        >>> with entry.held():  # (these calls do not count)
        ...     out, jac = entry.value_and_grad(np.array([0.3]), np.zeros(0))
        >>> round(float(jac[0, 0]), 6)  # -sin(0.3)
        -0.29552
        """
        with self._lock:
            self._holds += 1
        try:
            yield self
        finally:
            with self._lock:
                self._holds -= 1

    def join_compile(self, x, d):
        """This circuit's background compile, handed to another job (:meth:`held`):
        ``(names, done)``, the entry points the circuit has used (what
        :class:`qsym._tiers.Job` compiles in the module, here at inputs ``x`` and data
        ``d``) and the function the job's thread calls with ``(ok, err)`` to move the
        circuit to them; None where the circuit is not on tier 0 or its own compile has
        started (the job then compiles only its own module)."""
        self._look_for_cached()
        with self._lock:
            if self._promoted or self.tier != "python":
                return None
            self._promoted = True
            names = self._wanted()
        x = np.array(x, dtype=np.float64)
        d = np.array(d, dtype=np.float64)
        return names, lambda ok, err: self._swap(ok, err, names, x, d)

    def _promote(self, x, d):
        """Tier 0 is used enough: compile the module, in the background if the disk cache
        can hand it over, else here."""
        with self._lock:
            if self._promoted or self.tier != "python":
                return
            self._promoted = True
            too_large = tiers.too_large_to_compile(self.source)
            if too_large is not None:  # (minutes of numba: it stays on tier 0, same bits)
                logger.info("%s stays on tier 0, not compiled: %s", self.module.__name__,
                            too_large)
                return
            if tiers.background_possible(self.module):
                self._start_job(x, d)
                return
            tiers.say_compiling_here(
                "the disk cache is off or not writable (QSYM_CACHE=0, QSYM_CACHE_DIR), so "
                "it cannot be compiled in the background")
            self._ready = None
            self._enter("module")

    def _swap(self, ok, err, names, x, d, kernel_sigs=()):
        """In the background job's thread: load what the other process compiled (numba's
        disk cache, about 15 ms; ``kernel_sigs``: the kernel library overloads its sampled
        answers ran as twins, :func:`qsym._tiers.note_kernel_call`) and move the calls to
        it."""
        if not ok:
            logger.warning("qsym: the background compile of %s failed; compiling in this "
                           "process instead: %s", self.module.__name__, err)
        # loads from the disk cache (or compiles here, in this thread, if it failed)
        tiers.run_calls(self.module, tiers.calls_for(names, self.module, x, d))
        tiers.compile_kernels(kernel_sigs)  # loaded from the disk cache the job filled
        fused = {name for name in _ENTRY_POINTS if f"fused_{name}" in names}
        with self._lock:
            if self._ready is not None or self.tier == "python":
                # (None on a compiled tier: everything compiles at its call here already)
                self._ready = (self._ready or set()) | set(names) | set(kernel_sigs)
            self._enter_compiled(fused | self._fused_names, "prepare" in names or self._prepared)

    def _counting(self, name):
        """``name`` on the module tier of a small circuit: fused after FUSE_AFTER_CALLS
        calls (compiled in the background if the disk cache can hand it over, else here)."""
        slow = getattr(type(self), name).__get__(self)
        use = _USE_OF[name]

        def call(x, d):
            self._used.add(use)
            if self._holds:
                return slow(x, d)
            self._calls += 1
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
                self._ready = None
                self._enter("fused", _ENTRY_POINTS)  # numba compiles each at its next call

    def _start_job(self, x, d, need_prepare=False):
        """The background compile of what this circuit has used (under ``_lock``)."""
        names = self._wanted(need_prepare)
        x = np.array(x, dtype=np.float64)
        d = np.array(d, dtype=np.float64)
        sigs = sorted(list(self._kernel_sigs), key=repr)  # (a copy: one C call, atomic)
        self._job = tiers.Job(self.module, self.source, names, x, d,
                              lambda ok, err: self._swap(ok, err, names, x, d, sigs),
                              kernel_sigs=sigs)
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
        self._look_for_cached()
        job = self._job
        if job is not None:
            job.join(timeout)
        return self.tier

    def prepare(self, x, d, mode):
        """The generated module's ``prepare`` on the current tier (plain Python on tier 0,
        compiled after the swap; the same bits), as a :class:`qsym._program.Prepared`. Shots,
        second order and the state use it, so they never compile a circuit that the entry
        points do not."""
        return Prepared._make(self._prepare(x, d, mode))

    def sampler(self) -> shots_mod.Sampler:
        """This signature's :class:`qsym._shots.Sampler` (finite shots), made at its first
        use."""
        s = self._sampler
        if s is None:
            s = self._sampler = shots_mod.Sampler(self)
        return s

    def gate_entries(self, t, p, out, off):
        """The generated ``gate_entries`` on the current tier: gate type ``t``'s stored
        entries at parameters ``p``, written into ``out[off:]``."""
        return self._ns.gate_entries(t, p, out, off)

    @property
    def value_kernels(self):
        """The kernel library as this circuit's value calls run it on its current tier
        (:data:`qsym._tiers.KERNELS` on tier 0: the kernels' plain-Python twins until their
        compiled code is loaded, where a circuit run is cheap in Python; the same bits):
        the state and the shot draws use it too."""
        return self._k_value

    @property
    def sampling_kernels(self):
        """:attr:`value_kernels` as the sampled answers and second derivatives call them
        (:class:`qsym._shots.Sampler`, :mod:`qsym._second_order`): on tier 0, a call that
        runs a kernel's plain-Python twin puts its time on the promotion clock, as the
        exact entry points' twin calls do (:meth:`_timed`), at the inputs of the last
        ``prepare``; the compiled kernels as they are. On a compiled tier the same (a
        circuit whose kernel calls are cheap in Python): a kernel its background compile
        did not compile (a sampled answer, the state, a Hessian first asked after the
        swap) runs as its twin and is compiled by a later one (:meth:`_late`), not in the
        caller (issue #17); a kernel loaded or on disk runs compiled."""
        return self._timed_kernels(self._k_python[0])

    @property
    def gradient_kernels(self):
        """:attr:`sampling_kernels` for calls the size of a parameter-shift gradient (an
        exact Hessian's gate-level gradients, :mod:`qsym._second_order`): the kernels the
        gradient entry point runs on tier 0, a twin's time on the promotion clock."""
        return self._timed_kernels(self._k_python[1])

    def _timed_kernels(self, k):
        if k is not tiers.KERNELS:
            return k
        timed = self._timed_k
        if timed is None:
            timed = self._timed_k = _TimedKernels(self)
        return timed

    def _twin_seconds(self, seconds):
        """A kernel twin called through :attr:`sampling_kernels` or :attr:`gradient_kernels`
        ran for ``seconds``: on the promotion clock, at the last ``prepare``'s inputs."""
        inputs = self._last_inputs
        if inputs is None:  # (a compiled prepare ran: any point makes the compile)
            inputs = np.zeros(self.module.NUM_INPUTS), np.zeros(self.module.NUM_DATA)
        self._kernel_seconds(seconds, *inputs)

    def value(self, x, d):
        """Measured values at flat inputs ``x`` and data ``d``."""
        mats, _, _, C, _, _ = self._prepare(x, d, 0)
        out = np.empty(self.module.NUM_OUTPUTS)
        if self._k_value is tiers.KERNELS:
            self._timed(x, d, tiers.KERNELS.program_value_into, self._ints, self._floats,
                        mats, C, out)
        else:
            self._k_value.program_value_into(self._ints, self._floats, mats, C, out)
        return out

    def _timed(self, x, d, fn, *args):
        """``fn(*args)``, a kernel call on tier 0; its time goes on the promotion clock if
        it ran as Python (a twin: compiling removes that time, not a compiled kernel's)."""
        if not getattr(fn, "twin", False):
            return fn(*args)
        t = tiers.clock()
        out = fn(*args)
        self._kernel_seconds(tiers.clock() - t, x, d)
        return out

    def value_and_grad(self, x, d):
        """Values and Jacobian ``jac[m, j]`` by parameter shift. Large circuits share the
        shifted circuits among numba's threads (same bits as the serial kernel)."""
        mats, smats, ch, C, cc, _ = self._prepare(x, d, 1)
        if self._shift_parallel and self._parallel_shift_ready():
            threads = self._parallel_threads()
            if threads > 1:
                # a few runs of shifted circuits per thread, handed out one at a time
                return self._launch(kernels.call_dynamic, kernels.program_value_and_grad_parallel,
                                    self._ints, self._floats, mats, smats, ch, C, cc,
                                    4 * threads)
        out, jac = self._outputs()
        if self._k_grad is tiers.KERNELS:
            self._timed(x, d, tiers.KERNELS.program_value_and_grad_into, self._ints,
                        self._floats, mats, smats, ch, C, cc, out, jac)
        else:
            self._k_grad.program_value_and_grad_into(self._ints, self._floats, mats, smats, ch,
                                                     C, cc, out, jac)
        return out, jac

    def _parallel_shift_ready(self) -> bool:
        """A parameter-shift gradient may run on numba's threads: on a compiled tier, or
        once the parallel kernel is loaded, or from this circuit's second gradient on. A
        first gradient on tier 0 runs the serial kernel (the same bits), which the warm-up
        thread loads beside the circuit's build (``tiers.kernels_needed_soon``), and does
        not wait for the parallel one and the launch of numba's threads (45-50 ms of CPU
        in a new process: the warm-up does both after the first answer). On tier 0 the
        parallel kernel runs only if it and its cells' kernels load without compiling (a
        cache file that does not load: the serial kernel, while it is compiled elsewhere)."""
        if self.tier != "python":
            return True
        if not self._shift_once:
            self._shift_once = True
            if not kernels.program_value_and_grad_parallel.overloads:
                return False
        return tiers.loads_without_compiling("program_value_and_grad_parallel")

    def _outputs(self):
        """Fresh ``out`` and ``jac`` arrays for a kernel library ``*_into`` entry point."""
        n_out = self.module.NUM_OUTPUTS
        return np.empty(n_out), np.empty((n_out, self.module.NUM_INPUTS))

    def _parallel_threads(self) -> int:
        """numba's thread count, or 1 without memory for two states per thread."""
        threads = tiers.threads_now()
        need = 32 * (2**self.circuit.num_wires) * threads
        if threads > 1 and need >= (1 << 30) and need >= available_memory() // 2:
            return 1
        return threads

    @staticmethod
    def _launch(fn, *args):
        """Call a parallel kernel (under ``kernels.LAUNCH_LOCK`` where numba needs it). A
        launch inside another of the same thread runs under the lock that thread holds: a
        batch whose batch kernel is not compiled in the process runs its rows one by one
        inside the batch's launch (:meth:`_rows`), and a row may launch a parallel kernel
        of its own (a parameter-shift gradient on threads, the parallel adjoint), from
        Python, never inside a running parallel region. (Taking the lock again hung: 12
        wires, two broadcast rows, parameter shift on tier 0; stop 68.)"""
        if kernels.launch_needs_lock() and not getattr(_LAUNCHING, "held", False):
            with kernels.LAUNCH_LOCK, trace.thread_setting(_LAUNCHING, "held", True):
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
        """The batch function ``name`` of the current tier (noting its use on tier 0). On a
        compiled tier, a batch whose code was not compiled with the circuit's (first used
        after the swap) runs as on tier 0 and starts a background compile of it
        (:meth:`_promote_late`): numba never compiles it in the caller (issue #17)."""
        ns = self._ns
        if tiers.parallel_regions_unsafe():  # a forked child: row by row (serial, same bits)
            return self._rows(name)
        if ns is not self._twin and self._has_compiled(used) and self._has_compiled(name):
            return getattr(ns, name)
        self._used.update((used, name))
        fn = getattr(self._twin_ns(), name)
        if self.tier != "python":  # a batch first used after the swap
            self._promote_late(np.zeros(self.module.NUM_INPUTS),
                               np.zeros(self.module.NUM_DATA))

        kernel = (kernels.batch_adjoint_kernel(self.circuit.num_wires)
                  if name == "batch_value_and_grad_adjoint" else name)
        if tiers.batch_kernel_deferred(kernel):
            fn = self._rows(name)

        def run(X, D):
            try:
                return fn(X, D)
            except Exception as exc:
                if not tiers.is_python_semantics_error(exc):
                    raise
            return getattr(self._compile_now("a singular point of the classical processing"),
                           name)(X, D)

        return run

    def _rows(self, name):
        """Tier 0's batch ``name`` when the kernel library's batch kernel is not compiled in
        this process (:func:`qsym._tiers.batch_kernel_deferred`: it would be loaded or
        compiled before the answer, issue #17): row by row through the single call's
        kernel path (this class's ``value`` / ``value_and_grad`` /
        ``value_and_grad_adjoint``: the twin's ``prepare``, then the kernel or its twin
        where :func:`qsym._tiers.kernels_for` finds that cheap). The batch kernel runs
        the same kernel on each row of the same ``prepare``'s arrays: the same bits."""
        single = getattr(type(self), _BATCH_ROW[name])
        n_out, n_in = self.module.NUM_OUTPUTS, self.module.NUM_INPUTS

        def rows(X, D):
            B = X.shape[0]
            out = np.empty((B, n_out))
            if name == "batch_value":
                for b in range(B):
                    out[b] = single(self, X[b], D[b])
                return out
            jac = np.empty((B, n_out, n_in))
            for b in range(B):
                out[b], jac[b] = single(self, X[b], D[b])
            return out, jac

        return rows

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

    def value_and_grad_adjoint(self, x, d, kernel=None):
        """Values and Jacobian ``jac[m, j]`` by the adjoint method, run by the kernel
        library's entry point ``kernel`` (default: :meth:`adjoint_kernel`'s choice; the
        three give the same values, the two blocked ones the same bits)."""
        mats, dmats, ch, C, cc, _ = self._prepare_adjoint(x, d)
        args = (self._ints, self._floats, mats, dmats, ch, C, cc)
        kernel = kernel or self.adjoint_kernel()
        if (kernel == "program_value_and_grad_adjoint_parallel"
                and tiers.parallel_regions_unsafe()):  # (its serial form: the same bits)
            kernel = "program_value_and_grad_adjoint_blocked_into"
        if kernel == "program_value_and_grad_adjoint_parallel":
            work = self._adjoint_memory(mats)
            try:
                return self._launch(kernels.program_value_and_grad_adjoint_parallel, *args,
                                    work)
            finally:
                self._adjoint_return(work)
        out, jac = self._outputs()
        if kernel == "program_value_and_grad_adjoint_into":
            if self._k_adjoint is tiers.KERNELS:
                self._timed(x, d, tiers.KERNELS.program_value_and_grad_adjoint_into, *args,
                            out, jac)
            else:
                self._k_adjoint.program_value_and_grad_adjoint_into(*args, out, jac)
        elif kernel == "program_value_and_grad_adjoint_blocked_into":
            work = self._adjoint_memory(mats)
            try:
                kernels.program_value_and_grad_adjoint_blocked_into(*args, out, jac, work)
            finally:
                self._adjoint_return(work)
        else:
            raise ValueError(f"unknown adjoint kernel {kernel!r}: one of "
                             "'program_value_and_grad_adjoint_into', "
                             "'program_value_and_grad_adjoint_blocked_into', "
                             "'program_value_and_grad_adjoint_parallel'")
        return out, jac

    def _adjoint_memory(self, mats):
        """The blocked adjoint kernels' complex work memory for this circuit (``mats``: its
        prepared matrices): one this entry kept from an earlier call and no other call is
        using (taken from :attr:`_adjoint_kept`: a list's pop, atomic under the GIL, so
        two threads never share one), else a new one; an empty array (the kernel
        allocates its own, freed when it returns) above :data:`ADJOINT_KEEP_BYTES`.
        Reusing it spares the new pages' faults at every call (20 wires, one output: 64
        MiB with the spare lambda, about 16,400 faults a call); the kernel writes all it reads (the same bits). Freed with
        the entry (its QNode)."""
        n_out = self.module.NUM_OUTPUTS
        size = kernels.adjoint_work_size(self.circuit.num_wires, n_out, mats.shape[0])
        if size * 16 > ADJOINT_KEEP_BYTES:
            return _NO_WORK
        kept = self._adjoint_kept
        while kept:
            try:
                work = kept.pop()
            except IndexError:  # (another thread took the last one)
                break
            if work.shape[0] == size:
                return work
        return np.empty(size, dtype=np.complex128)

    def _adjoint_return(self, work):
        """``work`` (from :meth:`_adjoint_memory`) kept for a later call, at most
        :data:`ADJOINT_KEPT_MAX` of them (calls at once on several threads made more)."""
        if work.shape[0] and len(self._adjoint_kept) < ADJOINT_KEPT_MAX:
            self._adjoint_kept.append(work)

    def adjoint_kernel(self) -> str:
        """The entry point an adjoint gradient runs: op by op
        (``"program_value_and_grad_adjoint_into"``) below ``kernels.BLOCK_MIN_WIRES`` wires,
        blocked passes from there (``"..._blocked_into"``), on numba's threads
        (``"program_value_and_grad_adjoint_parallel"``)
        from ``kernels.PARALLEL_BLOCK_MIN_WIRES`` wires when there are several and a
        forward sweep's work (amplitudes x ops) is at least
        ``kernels.PARALLEL_SHIFT_MIN_WORK`` (docs/design.md, "Large states"). On tier 0's
        twins (``tiers.KERNELS``) op by op below ``kernels.BLOCK_TWIN_MIN_WIRES`` wires
        (their whole-state NumPy steps: the first answer loads no compiled kernel)."""
        n = self.circuit.num_wires
        if n < kernels.BLOCK_MIN_WIRES or (n < kernels.BLOCK_TWIN_MIN_WIRES
                                           and self._k_adjoint is tiers.KERNELS):
            return "program_value_and_grad_adjoint_into"
        if self._adjoint_parallel and tiers.threads_now() > 1:
            return "program_value_and_grad_adjoint_parallel"
        return "program_value_and_grad_adjoint_blocked_into"

    def value_and_grad_fd(self, x, d, h, order, strategy="forward", columns=None):
        """Values and Jacobian by finite differences as PennyLane's ``finite_diff`` takes
        them on the tape: each gate parameter stepped alone by ``h`` (PennyLane's
        stencils), chained to the inputs by the exact ``d theta / d x``; an observable
        coefficient's inputs stepped in the coefficients; the measurements' finished
        values differenced (a variance's, a postselected ratio's). The finished rows are
        returned (:func:`qsym._shapes.parameter_differences`). ``columns``: the inputs
        whose columns are computed (the others' exactly 0; default all)."""
        chain, coefficients, moved = self.fd_steps(x, d, columns)
        k, ints, floats = self._k_value, self._ints, self._floats
        n_out = self.module.NUM_OUTPUTS

        def value(step):
            out = np.empty(n_out)
            k.program_value_into(ints, floats, *moved(step), out)
            return out

        return parameter_differences(value,
                                     x.shape[0], chain, h, order, strategy, self.post,
                                     coefficients, self.negated_slots())

    def negated_slots(self) -> frozenset:
        """The slots whose angle is a negated parameter (:func:`qsym._plan.negated_angle`:
        an adjoint folded in), found once per signature."""
        held = self.__dict__.get("_negated")
        if held is None:
            p = lowered(self)
            held = self.__dict__["_negated"] = frozenset(
                p.op_poff[s.op] + s.pos for s in self.plan.slots if plan.negated_angle(s.expr))
        return held

    def fd_steps(self, x, d, columns=None, state=False):
        """``(chain, coefficients, moved)`` of a finite difference in the gate parameters
        (:func:`qsym._shapes.parameter_differences`): ``chain`` holds ``(slot, input,
        d theta / d x)`` for the inputs ``columns`` (default all) and the slots the plan
        differentiates (inside the measured wires' light cone), ``coefficients`` the inputs
        an observable coefficient reads (none with ``state``), and ``moved(step)`` the
        ``(mats, C)`` the kernels run with a step applied (``None``, ``("slot", a, t)``,
        ``("input", j, t)`` in the coefficients only)."""
        p = lowered(self)
        mats, _, ch, C, _, th = self._prepare(x, d, 0)
        wanted = set(range(x.shape[0]) if columns is None else columns)
        # (the plan's chain holds the slots inside the light cone: qsym._plan.make_plan)
        chain = [(s, j, ch[k]) for k, (s, j) in enumerate(zip(p.ch_slot, p.ch_x))
                 if j in wanted]
        coefficients = [] if state else sorted({j for j in p.cc_x if j in wanted})
        op_of = self.__dict__.get("_op_of")  # (gate-parameter slot -> op: once per signature)
        if op_of is None:
            op_of = self.__dict__["_op_of"] = {p.op_poff[k] + i: k for k in range(len(p.op_np))
                                               for i in range(p.op_np[k])}

        def moved(step):
            if step is None:
                return mats, C
            kind, key, t = step
            if kind == "slot":
                k = op_of[key]
                q = th[p.op_poff[k]: p.op_poff[k] + p.op_np[k]].copy()
                q[key - p.op_poff[k]] += t
                m = mats.copy()
                self.gate_entries(p.op_type[k], q, m, p.op_off[k])
                return m, C
            at = x.copy()
            at[key] += t
            return mats, self._prepare(at, d, 0)[3]

        return chain, coefficients, moved

    @property
    def executions(self) -> int:
        """Circuit executions per parameter-shift gradient."""
        return self.plan.executions


def _entry_source(self) -> str:
    """The generated module's text (a module on the interpreter tier makes it now)."""
    text = self.__dict__.get("_source_text")
    if text is None:
        text = self.module.source()
    return text


def _set_entry_source(self, text) -> None:
    self.__dict__["_source_text"] = text


# (after the dataclass: its __init__ assigns the field through the property)
Compiled.source = property(_entry_source, _set_entry_source)


def _supports_method(device, name) -> bool:
    """Whether ``device`` differentiates by the method ``name`` (its ``supports_derivatives``
    of that ``gradient_method``): a ``diff_method`` name of the device's own."""
    return device.supports_derivatives(devices.ExecutionConfig(gradient_method=name))


def _method_on(device, diff_method, method) -> str:
    """The method a QNode runs on ``device`` for ``diff_method``, where qsym's own
    resolution (:func:`qsym._options.resolve`: ``method``) gave its exact adjoint method
    to ``"best"`` or ``"backprop"``: parameter shift on a device that does not
    backpropagate (PennyLane's "best" on lightning.qubit, reference.qubit: its adjoint
    method or parameter shift by the circuit, run as the default does, recorded as
    PennyLane's: ``executors.pl_best_is_adjoint``), and on a legacy device, which
    simulates by itself (qsym's exact methods cannot run its circuits: its "best" without
    a device Jacobian and a passthru device's "backprop" by parameter shift on it, the
    same exact derivative; stop 65: was "adjoint", refused at the first call).

    >>> import qsym as qml
    >>> _method_on(qml.device("lightning.qubit", wires=1), "best", "adjoint")
    'parameter-shift'
    >>> _method_on(qml.device("default.qubit", wires=1), "best", "adjoint")
    'adjoint'
    """
    if method != "adjoint":
        return method
    if diff_method == "best" and not devices.derivative_methods(device)[:1] == ("backprop",):
        return "parameter-shift"
    if diff_method in ("best", "backprop") and getattr(type(device), "wraps_legacy_device",
                                                       False):
        return "parameter-shift"
    return method


def _check_device_method(dev, diff_method) -> None:
    """PennyLane's check when a QNode is made (``_validate_diff_method``): a device-only
    method (``"backprop"``, ``"adjoint"``, ``"device"``) that the device's
    ``supports_derivatives`` refuses raises ``QuantumFunctionError`` (``"device"`` on
    ``default.qubit``, ``"adjoint"`` on ``default.mixed``, ``"backprop"`` on
    ``lightning.qubit``). qsym's own devices and PennyLane's legacy-device facade answer
    as PennyLane's; a user's device class is left to its call (qsym runs its own
    derivatives there, :func:`qsym.devices.own_derivatives`), and a device qsym does not
    simulate to its own refusal.

    >>> import qsym as qml
    >>> _check_device_method(qml.device("default.mixed", wires=1), "adjoint")
    Traceback (most recent call last):
        ...
    qsym.errors.QuantumFunctionError: Device <qsym device 'default.mixed', wires=[0]> does not support adjoint with requested circuit. ...
    """
    if not isinstance(diff_method, str) or diff_method not in devices.DEVICE_ONLY_METHODS:
        return
    if (not type(dev).__module__.startswith("qsym.")
            or getattr(dev, "name", None) in devices.UNSIMULATED_DEVICES):
        return
    if not dev.supports_derivatives(devices.ExecutionConfig(gradient_method=diff_method)):
        raise devices.unsupported_method(dev, diff_method, "a QNode's")


class _Reresolved:
    """``qnode.diff_method = ...`` after the QNode was made (PennyLane's QNode reads its
    attribute at each call): the QNode's options resolved again as if it had been made
    with it (:meth:`QNode._assign_diff_method`). Reads find the instance's own value (a
    descriptor with ``__set__`` and no ``__get__``: no cost on the call path)."""

    def __set__(self, node, value) -> None:
        if "diff_method" not in vars(node):  # (never: __init__ writes the dict directly)
            vars(node)["diff_method"] = value
            return
        node._assign_diff_method(value)



# a QNode's options resolved again (a diff_method or gradient_kwargs change: :meth:`QNode.
# _reresolve`) one change at a time: each reads the options the last one left, so two
# threads' changes are both kept (each read the old ones and the last write won)
_RERESOLVE_LOCK = new_rlock()


class _ReresolvedKwargs:
    """``qnode.gradient_kwargs = {...}`` after the QNode was made (PennyLane's QNode passes
    its attribute to each execution): the options resolved again with them
    (:meth:`QNode._reresolve`), as :class:`_Reresolved` for ``diff_method``."""

    def __set__(self, node, value) -> None:
        if "gradient_kwargs" not in vars(node):  # (never: _take_options writes the dict)
            vars(node)["gradient_kwargs"] = value
            return
        node._reresolve(gradient_kwargs=value)


class _WatchedKwargs(dict):
    """A QNode's ``gradient_kwargs``: PennyLane's QNode passes this dict to each execution,
    so a change in place (``qnode.gradient_kwargs["h"] = 0.1``) resolves the QNode's
    options again as if it had been made with it (:meth:`QNode._reresolve`; a bad value
    raises there and leaves the dict as it was; adv67: it was ignored). Copies (``copy``,
    ``deepcopy``, pickle) are plain dicts. (The dict given to the QNode is copied, not
    kept: changing the caller's own dict afterwards is not seen; PennyLane keeps it.)

    >>> import qsym as qml
    >>> node = qml.QNode(lambda x: (qml.RX(x, 0), qml.expval(qml.Z(0)))[1],
    ...                  qml.device("default.qubit", wires=1), diff_method="finite-diff")
    >>> node.gradient_kwargs["h"] = 0.5  # a forward difference of cos: (cos 1 - cos 0.5) / 0.5
    >>> node.h, round(float(qml.grad(node)(qml.numpy.array(0.5))), 6)
    (0.5, -0.674561)
    """

    __slots__ = ("_node",)

    def __init__(self, node, items) -> None:
        dict.__init__(self, items)
        self._node = weakref.ref(node)

    def _edit(self, edit):
        with _RERESOLVE_LOCK:  # (two threads' edits: both kept, not the last one only)
            new = dict(self)
            out = edit(new)
            node = self._node()
            if node is None:
                dict.clear(self)
                dict.update(self, new)
            else:
                node._reresolve(kept=self, gradient_kwargs=new)
        return out

    def __setitem__(self, key, value) -> None:
        self._edit(lambda d: d.__setitem__(key, value))

    def __delitem__(self, key) -> None:
        self._edit(lambda d: d.__delitem__(key))

    def update(self, *args, **kwargs) -> None:
        self._edit(lambda d: d.update(*args, **kwargs))

    def __ior__(self, other):
        self._edit(lambda d: d.update(other))
        return self

    def pop(self, *args):
        return self._edit(lambda d: d.pop(*args))

    def popitem(self):
        return self._edit(lambda d: d.popitem())

    def setdefault(self, key, default=None):
        return self._edit(lambda d: d.setdefault(key, default))

    def clear(self) -> None:
        self._edit(lambda d: d.clear())

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo) -> dict:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self):
        return (dict, (dict(self),))


class QNode:
    """A circuit function bound to a device, compiled on first call for each signature.

    Args:
        func: the circuit function; it applies gates and returns measurement(s).
        device: a :class:`Device`.
        diff_method: not given: parameter shift runs (exact, what runs on hardware) and
            ``qnode.diff_method`` reads ``"best"`` (PennyLane's default);
            ``"parameter-shift"``,
            ``"adjoint"`` (exact; one forward and one backward sweep, Jones & Gacon 2020),
            ``"finite-diff"`` (step ``h``, ``approx_order``, ``strategy``) or
            ``"best"`` (PennyLane's default: the fastest exact method, adjoint, or
            parameter shift when custom ``shifts`` are given or with finite shots).
        static_argnames: arguments whose values decide the circuit's structure (traced
            again for each new value) rather than being fed in as numbers.
        h, approx_order, strategy: finite differences as PennyLane's (defaults
            ``h=1e-7``, ``approx_order=1``, ``strategy="forward"``: a forward difference,
            error about 1e-8; ``approx_order=4, strategy="center", h=1e-3`` agrees with
            the exact methods to about 1e-12); ``strategy`` ``"forward"``,
            ``"backward"`` or ``"center"`` (an even order).
        shifts: other shifts for some gates' rules, ``{gate name: shifts}``: one positive
            shift per frequency of the gate (``{"RX": np.pi / 4}``; ``{"CRX": (a, b)}``),
            or ``{gate name: {parameter index: shifts}}``, or one number ``s``: the shift of
            every parameter (each must have one frequency: the exact two-term rule).
            qsym derives the coefficients and proves the rule before use
            (:func:`qsym.rules.rule_for_gate`).
        shots: sample every circuit this many times (overrides the device's ``shots``;
            ``None`` given here means exact; :mod:`qsym._shots`; also ``qml.set_shots``);
            a shot vector (``[100, (10, 3)]``, :class:`qsym._shots.Shots`) makes every call
            return a tuple, one result per count.
        interface: ``"auto"`` (default), ``"autograd"``, ``"numpy"`` or None: NumPy values
            and autograd; ``"jax"``, ``"torch"``, ``"tf"`` raise :class:`ArgumentError`.
        trace: ``"auto"`` (default): trace the circuit function once per signature, and
            switch this QNode to tracing it at every call when it cannot be traced once
            (it draws random numbers, or needs the number of a trainable input:
            ``float(x)``, ``x.item()``, ``if x > 0:``, a library of numbers such as
            ``scipy.linalg.expm``); ``"per-call"``: trace at every call from the start, as
            PennyLane runs the function (each call's circuit compiled once per structure);
            ``"once"``: never switch (such functions raise :class:`TracingError`).
            docs/pennylane.md, "Circuit functions traced at every call".

    PennyLane's other options, by keyword (docs/pennylane.md): ``gradient_kwargs`` (``h``,
    ``approx_order``, ``strategy``, ``shifts``), ``max_diff`` (1 or 2), ``static_argnums``, and
    ``grad_on_execution``, ``cache``, ``cachesize``, ``device_vjp`` (accepted; they change
    nothing qsym computes), ``postselect_mode`` and ``mcm_method`` (accepted: qsym defers
    every mid-circuit measurement), ``executor_backend`` only None. ``diff_method="backprop"`` or ``"device"`` is the adjoint method (the exact
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

    # the circuit transforms applied at each call (``qml.transform``, ``qml.transforms``):
    # None, or a pipeline whose ``run(qnode, args, kwargs)`` records the function as a tape,
    # transforms it and executes the tapes (qsym._transform sets it; compiled derivatives
    # then go through autograd: compiled_directly)
    pipeline = None
    # compiled_directly's part decided by the options and the device's class, once: (the
    # device it was decided for, whether the device leaves execution and derivatives to
    # qsym, the class's execute then: a class-level spy or patch decides again);
    # diff_method and grad_on_execution are fixed when the QNode is made (update() makes a
    # new QNode)
    _route = (None, None, False, False, None)  # (device, diff_method, answer, own class, execute)
    _value_fast = None  # the value call's short path (_value_path)
    _jac_fast = None  # jacobian's short path: (key, call) (_jacobian_path)
    _runs_a_tape = False  # qsym._tapes.tape_qnode's QNode (its parameter shift is qsym's)
    _last_key = None

    def __init__(
        self,
        func: Callable[..., Any],
        device: Device,
        diff_method: str | None = DEFAULT_DIFF_METHOD,
        static_argnames: str | Sequence[str] = (),
        h: float | None = None,
        approx_order: int = 1,
        interface: str | None = "auto",
        shifts: Mapping[str, Any] | None = None,
        shots: int | Sequence | None = UNSET,
        *,
        strategy: str = "forward",
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
        trace: str = "auto",
    ) -> None:
        # the arguments as given, for update() (PennyLane's ``_init_args``)
        self._init_args = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        if shots is UNSET:
            del self._init_args["shots"]
        if not isinstance(device := current_api(device), Device):  # (legacy: its facade)
            raise QNodeError(
                "Invalid device. Device must be a valid PennyLane device: a qsym device "
                f"(qml.device('default.qubit', ...)), got {type(device).__name__}")
        if not callable(func):
            raise ArgumentError(
                f"QNode needs a circuit function (a Python function that applies gates and "
                f"returns measurements), got {type(func).__name__}: {func!r:.60}"
            )
        if isinstance(func, QNode):
            # PennyLane's QNode(qnode, dev): the inner QNode's circuit function (PennyLane's
            # update_wrapper copies the inner QNode's attributes, ``func`` among them), its
            # shots when none are given here; not a QNode called inside a circuit
            if shots is UNSET and func._shots_set:
                shots = func._qnode_shots
            func = func.func
        opts = options.resolve(
            diff_method, h, approx_order, interface, shifts, strategy=strategy,
            grad_on_execution=grad_on_execution, cache=cache, cachesize=cachesize,
            max_diff=max_diff, device_vjp=device_vjp, gradient_kwargs=gradient_kwargs,
            postselect_mode=postselect_mode, mcm_method=mcm_method,
            executor_backend=executor_backend, autograph=autograph,
            device_supports=functools.partial(_supports_method, device))
        _check_device_method(device, opts.diff_method)
        self.func, self.device = func, device
        self.trace = options.check_trace(trace)
        # why this QNode traces at every call (None: once per signature; _switch_per_call)
        self.per_call = "trace='per-call'" if trace == "per-call" else None
        self._per_call_cache = Memo(PER_CALL_STRUCTURES)  # (key, structure) -> Compiled
        self._stand_ins_fail = False  # a per-call trace failed on stand-ins: run on numbers
        self._take_options(opts)
        self._interface = vars(self).pop("interface")  # read and set as ``interface``
        self._param_names = options.parameter_names(func)
        self.static_argnames, self.static_argnums, self.static_positions = (
            options.static_arguments(static_argnames, static_argnums, self._param_names))
        # the shots set on this QNode (``shots=``, ``qml.set_shots``; ``shots`` reads them);
        # PennyLane: a circuit function with its own ``shots`` parameter keeps the keyword
        self._shots_set, self._qnode_shots, self._qfunc_uses_shots_arg = options.qnode_shots(
            shots, self._param_names)
        # caches, all this QNode's own; signature -> Compiled (or broadcast.Broadcast)
        self._compiled: dict = {}
        self._lock = new_lock()  # one build at a time
        self._last: Compiled | None = None  # the last signature called
        self._grad_fast = None  # grad's short path: (key, call) (see grad._remember)
        self._value_fast = None  # the value call's short path (see _value_path)
        self.pipeline = None  # (the class's, here too: a read the short paths' CPython specializes)
        self._divert = self._diversion()  # a call not on the pipeline as it is (see there)
        self._jac_fast = None  # jacobian's short path: (key, call) (see _jacobian_path)
        self._last_key = None  # the signature compiled() last answered (_value_path's)
        self._derivative_attrs = None  # the attributes a derivative copies (_Derivative)
        self._autograd_args = False  # the last call had trainable tensors (Tracker results)
        self._autograd_interface = False  # the last call's interface was autograd (Tracker)
        self._values_needed = None  # data arguments whose values tracing needed (_learn_static)
        self.autodiff_memo: dict = {}  # the last Jacobian / Hessian autograd asked for
        # autograd's backward pass is asking for the Jacobian (its forward pass drew the
        # value): parameter shift with shots draws only the shifted circuits then
        self.backward_pass = False
        self.shot_stash: dict = {}  # a shot vector's values, drawn at its first count
        functools.update_wrapper(self, func, updated=())
        # a gate defined again or removed drops the signatures that use it (no check on
        # the call path: see _gates_changed)
        GATE_REGISTRY.watch(self)

    diff_method = _Reresolved()
    gradient_kwargs = _ReresolvedKwargs()

    def construct(self, args, kwargs):
        """PennyLane's ``qnode.construct(args, kwargs)``: the tape (a
        :class:`~qsym.tape.QuantumScript`) the circuit function records at these arguments,
        before the QNode's transforms (``qml.workflow.construct_tape(qnode, level=0)``;
        trainable: the ``requires_grad`` tensors, as PennyLane's autograd interface).

        >>> import qsym as qml
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def c(x):
        ...     qml.RX(x, 0)
        ...     return qml.expval(qml.Z(0))
        >>> tape = c.construct((qml.numpy.array(0.3),), {})
        >>> tape.operations, tape.trainable_params
        ([RX(tensor(0.3, requires_grad=True), wires=[0])], [0])
        """
        return OP_METHODS["qnode_construct"](self, tuple(args), dict(kwargs))

    def _take_options(self, opts, kept=None) -> None:
        """The fields of :class:`qsym._options.Options` (``method``: what runs) as this
        QNode's attributes; ``gradient_kwargs`` a :class:`_WatchedKwargs` (``kept``, the
        one changed in place, refilled)."""
        if kept is None:
            kept = _WatchedKwargs(self, opts.given_kwargs)
        else:
            dict.clear(kept)
            dict.update(kept, opts.given_kwargs)
        # (never the options' plain dict in between: another thread's
        # qnode.gradient_kwargs[k] = v on it would be lost)
        fields = dict(vars(opts))
        given_method = fields.pop("given_method")
        del fields["given_kwargs"]  # (``kept`` holds them)
        vars(self).update(fields, gradient_kwargs=kept, diff_method=given_method,
                          resolved_method=opts.diff_method, resolved_kwargs=opts.gradient_kwargs)
        self.method = _method_on(self.device, self.resolved_method, self.method)

    def _assign_diff_method(self, value) -> None:
        """``qnode.diff_method = value`` (PennyLane's QNode uses the method assigned at its
        next call): the options resolved again as :class:`QNode` resolves them, with
        PennyLane's checks (an unknown name, a device-only method the device does not
        support: raised here, at the assignment), and what this QNode compiled or decided
        for the old method dropped, as for a new circuit function. The interface stays.

        >>> import qsym as qml
        >>> node = qml.QNode(lambda x: (qml.RX(x, 0), qml.expval(qml.Z(0)))[1],
        ...                  qml.device("default.qubit", wires=1), diff_method="parameter-shift")
        >>> node.diff_method = "finite-diff"
        >>> node.method, round(float(qml.grad(node)(qml.numpy.array(0.5))), 6)
        ('finite-diff', -0.479426)
        """
        self._reresolve(diff_method=value)

    def _reresolve(self, kept=None, **changes) -> None:
        """The options resolved again with ``changes`` to the QNode's arguments
        (``diff_method``, ``gradient_kwargs``: :meth:`_assign_diff_method`,
        :class:`_WatchedKwargs`), and what this QNode compiled or decided for the old ones
        dropped; a bad value raises here and changes nothing."""
        with _RERESOLVE_LOCK:
            self._reresolve_locked(kept, changes)

    def _reresolve_locked(self, kept, changes) -> None:
        init = dict(self._init_args, **changes)
        gkw = init["gradient_kwargs"]
        opts = options.resolve(
            init["diff_method"], init["h"], init["approx_order"], init["interface"],
            init["shifts"], strategy=init["strategy"],
            grad_on_execution=init["grad_on_execution"],
            cache=init["cache"], cachesize=init["cachesize"], max_diff=init["max_diff"],
            device_vjp=init["device_vjp"], gradient_kwargs=gkw,
            postselect_mode=init["postselect_mode"], mcm_method=init["mcm_method"],
            executor_backend=init["executor_backend"], autograph=init["autograph"],
            device_supports=functools.partial(_supports_method, self.device))
        _check_device_method(self.device, opts.diff_method)
        with self._lock:
            interface = self._interface
            self._take_options(opts, kept)
            vars(self).pop("interface", None)
            self._interface = interface
            self._init_args = init
            vars(self).pop("_route", None)  # (decided again for the new method)
            self._forget_function()

    @property
    def func(self) -> Callable:
        """The circuit function. Assigning another one (PennyLane's ``qnode.func = f``, as
        its ``ShotAdaptiveOptimizer`` does on a copy) makes the QNode trace the new function
        at its next call: the signatures compiled from the old one are not this QNode's any
        more (a copy that shared them keeps them).

        >>> import qsym as qml
        >>> node = qml.QNode(lambda: qml.expval(qml.Z(0)), qml.device("default.qubit", wires=1))
        >>> float(node())
        1.0
        >>> node.func = lambda: (qml.X(0), qml.expval(qml.Z(0)))[1]
        >>> float(node())
        -1.0
        """
        return self._func

    @func.setter
    def func(self, func) -> None:
        if not callable(func):
            raise ArgumentError(
                f"QNode needs a circuit function (a Python function that applies gates and "
                f"returns measurements), got {type(func).__name__}: {func!r:.60}"
            )
        if "_func" not in vars(self):  # __init__
            self._func = func
            return
        if func is self._func:
            return
        with self._lock:
            self._func = func
            self._forget_function()

    def _forget_function(self) -> None:
        """What this QNode learned from its circuit function, dropped (a new function was
        assigned): new empty caches (not cleared: a copy may share the old ones), the
        parameter names and static positions read again."""
        init = self._init_args
        self._param_names = options.parameter_names(self._func)
        self.static_argnames, self.static_argnums, self.static_positions = (
            options.static_arguments(init.get("static_argnames", ()),
                                     init.get("static_argnums", ()), self._param_names))
        self._qfunc_uses_shots_arg = "shots" in self._param_names  # (the shots set stay)
        self.per_call = "trace='per-call'" if self.trace == "per-call" else None
        self._per_call_cache = Memo(PER_CALL_STRUCTURES)
        self._stand_ins_fail = False
        self._compiled = {}
        self._last = self._last_key = None
        self._grad_fast = self._value_fast = self._jac_fast = None
        self._derivative_attrs = None
        self._values_needed = None
        self.autodiff_memo = {}
        self.shot_stash = {}
        functools.update_wrapper(self, self._func, updated=())

    def _gates_changed(self, names) -> None:
        """Called by :data:`qsym._gates.REGISTRY` when the gates ``names`` were defined,
        redefined or removed: the compiled signatures whose circuit uses one of them are
        dropped (their next call traces and compiles again, with the gate's current
        definition), and so is the gradient's short path."""
        # (not under self._lock: a circuit function that defines a gate while it is
        # traced holds it)
        for key, entry in list(self._compiled.items()):
            if any(op.name in names for op in entry.circuit.ops):
                self._compiled.pop(key, None)
                if self._last is entry:
                    self._last = None
        # after the signatures: grad's short path, remembered by a call in another thread
        # after this, sees its signature gone (grad._remember) and is dropped
        self._grad_fast = self._value_fast = self._jac_fast = None
        self.autodiff_memo.clear()

    def __copy__(self) -> "QNode":
        """A shallow copy (PennyLane's): it shares the compiled signatures, and has its own
        ``gradient_kwargs`` dict and its own copy of the compile pipeline."""
        new = type(self).__new__(type(self))
        vars(new).update(vars(self))
        vars(new)["gradient_kwargs"] = _WatchedKwargs(new, self.gradient_kwargs)
        if self.pipeline is not None:
            new.pipeline = copy.copy(self.pipeline)
        GATE_REGISTRY.watch(new)  # (its short paths forget a gate defined again, as self's)
        return new

    # what a deep copy makes anew: the compiled signatures (modules, locks) and everything
    # that refers to them or to the old device (the short paths, memos, the route)
    _FRESH_IN_A_DEEP_COPY = ("_compiled", "_lock", "_last", "_grad_fast", "_value_fast",
                             "_jac_fast", "_last_key", "_per_call_cache", "autodiff_memo",
                             "shot_stash", "_derivative_attrs", "_route")

    def __deepcopy__(self, memo) -> "QNode":
        """A deep copy (PennyLane's ``copy.deepcopy(qnode)``): its own device, options and
        transforms (deep copies), the same circuit function; its code is compiled again at
        its first call (compiled modules and locks are not copied).

        >>> import copy
        >>> import qsym as qml
        >>> node = qml.QNode(lambda: qml.expval(qml.Z(0)), qml.device("default.qubit", wires=1))
        >>> twin = copy.deepcopy(node)
        >>> float(twin()), twin.device is node.device
        (1.0, False)
        """
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        fresh = self._FRESH_IN_A_DEEP_COPY
        for key, value in vars(self).items():
            if key not in fresh:
                vars(new)[key] = copy.deepcopy(value, memo)
        new._compiled, new._lock, new._last = {}, new_lock(), None
        new._grad_fast = new._value_fast = new._jac_fast = new._last_key = None
        vars(new)["gradient_kwargs"] = _WatchedKwargs(new, vars(new)["gradient_kwargs"])
        new._per_call_cache = Memo(PER_CALL_STRUCTURES)
        new.autodiff_memo, new.shot_stash, new._derivative_attrs = {}, {}, None
        GATE_REGISTRY.watch(new)
        return new

    def __repr__(self):
        # PennyLane's (a legacy device's facade: its wires and short name)
        device = f"device='{self.device}'"
        if getattr(type(self.device), "wraps_legacy_device", False):
            device = f"wires={len(self.device.wires)}, device='{self.device.short_name}'"
        return (f"<QNode: {device}, interface='{self.interface}', "
                f"diff_method='{self.diff_method}', shots='{self.shots}'>")

    @property
    def interface(self) -> str:
        """The interface (PennyLane's ``qnode.interface``): ``"auto"``, ``"autograd"`` or
        ``"numpy"``; assigning checks it as ``interface=`` does.

        >>> import qsym as qml
        >>> qml.QNode(lambda: qml.state(), qml.device("default.qubit", wires=1)).interface
        'auto'
        """
        return self._interface

    @interface.setter
    def interface(self, value):
        self._interface = check_interface(value)

    @property
    def shots(self) -> shots_mod.Shots:
        """The shots this QNode runs with (PennyLane's ``qnode.shots``): those set on it
        (``shots=``, ``qml.set_shots``), else the device's, as a ``Shots``. It cannot be
        assigned: ``qml.set_shots`` makes a QNode with other shots.

        >>> import qsym as qml
        >>> qml.set_shots(qml.QNode(lambda: qml.state(), qml.device("default.qubit", wires=1)), 5).shots
        Shots(total_shots=5, shot_vector=(ShotCopies(5 shots x 1),))
        """
        return shots_mod.Shots(self.configured_shots())

    @shots.setter
    def shots(self, _):
        raise AttributeError(
            "Shots cannot be set on a qnode instance. You can set shots with `qml.set_shots`.")

    @property
    def _shots(self) -> shots_mod.Shots:
        """PennyLane's ``qnode._shots`` (tests read it): the shots this QNode runs with,
        as a :class:`qsym.measurements.Shots`."""
        return shots_mod.Shots(self.configured_shots())

    @property
    def _shots_override_device(self) -> bool:
        """PennyLane's name: whether shots were set on the QNode (``shots=``,
        ``qml.set_shots``), over the device's."""
        return self._shots_set

    @property
    def execute_kwargs(self) -> dict:
        """PennyLane's execution options of this QNode (a new dict each time):
        ``grad_on_execution``, ``cache``, ``cachesize``, ``max_diff``, ``device_vjp``,
        ``postselect_mode``, ``mcm_method``, ``executor_backend``, as given.

        >>> import qsym as qml
        >>> node = qml.QNode(lambda: qml.state(), qml.device("default.qubit", wires=1))
        >>> node.execute_kwargs["device_vjp"], node.execute_kwargs["max_diff"]
        (False, 1)
        """
        return {name: self._init_args[name] for name in options.EXECUTE_KWARGS}

    def update(self, **kwargs) -> "QNode":
        """A new QNode with some options changed (PennyLane's ``QNode.update``): every
        keyword of :class:`QNode` (``func``, ``device``, ``diff_method``, ``interface``,
        ``shots``, ...) not given keeps this QNode's value; ``gradient_kwargs`` are merged
        into this QNode's. Shots set on this QNode (``shots=``, ``qml.set_shots``) stay
        unless ``shots`` is given; a new device whose shots differ from this QNode's warns,
        and the new QNode keeps this one's shots, as PennyLane's does. The new QNode compiles its own code at its first call.

        >>> import qsym as qml
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def c(x):
        ...     qml.RX(x, wires=0)
        ...     return qml.expval(qml.PauliZ(0))
        >>> fd = c.update(diff_method="finite-diff", gradient_kwargs={"h": 1e-6})
        >>> fd.diff_method, fd.gradient_kwargs, c.diff_method
        ('finite-diff', {'h': 1e-06}, 'best')
        """
        args = options.updated_arguments(
            self._init_args, kwargs, self._qnode_shots if self._shots_set else UNSET,
            self.device.given_shots)
        new = QNode(**args)
        if self.pipeline:  # its transforms too (a copy: the two pipelines are independent)
            new.pipeline = copy.copy(self.pipeline)
        return new

    def update_shots(self, shots) -> "QNode":
        """A copy of this QNode with other shots (PennyLane's ``QNode.update_shots``; the
        same as ``qml.set_shots(qnode, shots=shots)``).

        >>> import qsym as qml
        >>> @qml.qnode(qml.device("default.qubit", wires=1, seed=2))
        ... def c():
        ...     qml.Hadamard(wires=0)
        ...     return qml.sample(qml.PauliZ(0))
        >>> c.update_shots(7)().shape
        (7,)
        """
        return _with_shots(self, shots)

    def per_call_shots(self, kwargs) -> tuple["QNode", dict]:
        """PennyLane's deprecated per-call keyword ``circuit(x, shots=N)``: ``(node,
        kwargs)``, the QNode that runs this call (a copy with those shots, or this one when
        shots were set on it, which take precedence, with a warning) and the keywords
        without ``shots``. A circuit function with its own ``shots`` parameter keeps it.

        >>> import qsym as qml
        >>> c = qml.QNode(lambda: qml.sample(qml.PauliZ(0)), qml.device("default.qubit", wires=1))
        >>> import warnings; warnings.simplefilter("ignore")
        >>> node, rest = c.per_call_shots({"shots": 3}); node.shots, rest
        (Shots(total_shots=3, shot_vector=(ShotCopies(3 shots x 1),)), {})
        """
        shots, kwargs = options.call_shots(kwargs, self._qfunc_uses_shots_arg, self._shots_set)
        return (self, kwargs) if shots is UNSET else (_with_shots(self, shots), kwargs)

    def configured_shots(self):
        """The shots set: the QNode's (``shots=``, ``qml.set_shots``; ``None`` set there
        means exact), else the device's; a :class:`qsym._shots.Shots` for a shot vector."""
        return self._qnode_shots if self._shots_set else self.device.given_shots

    def tape_argnum(self):
        """``gradient_kwargs["argnum"]`` where PennyLane 0.45 uses it, else None. PennyLane
        hands the QNode's ``gradient_kwargs`` to a gradient transform only (parameter
        shift, finite differences, SPSA, the Hadamard test): with ``"backprop"``,
        ``"adjoint"``, ``"device"`` (or a device's own method), and with ``"best"`` (or no
        ``diff_method``) where that is one of them (no shots, a device that
        backpropagates or differentiates itself), every trainable parameter is
        differentiated and ``argnum`` is ignored, without a warning. qsym follows it.

        >>> import qsym as qml
        >>> f = lambda x, y: (qml.RX(x, 0), qml.RY(y, 0), qml.expval(qml.Z(0)))[2]
        >>> dev = qml.device("default.qubit", wires=1)
        >>> [qml.QNode(f, dev, diff_method=m, gradient_kwargs={"argnum": [1]}).tape_argnum()
        ...  for m in ("parameter-shift", "adjoint", "best")]
        [(1,), None, None]
        """
        gkw = self.gradient_kwargs
        argnum = gkw.get("argnum") if gkw else None
        if argnum is None:
            return None
        method = self.resolved_method
        if method in ("parameter-shift", "finite-diff", "spsa", "hadamard"):
            return argnum
        if method == "best":  # (given or not: PennyLane's get_best_diff_method)
            if self.configured_shots() or not devices.derivative_methods(self.device):
                return argnum  # (its parameter shift)
            return None
        return None  # backprop, adjoint, device, a device's own method; None (no derivative)

    def current_shots(self):
        """The shots one circuit run uses now: :meth:`configured_shots`, or, for a shot
        vector, the count being evaluated (:meth:`__call__` runs one count at a time).
        Outside that (a derivative) a shot vector raises :class:`DifferentiationError`."""
        shots = self.configured_shots()
        if isinstance(shots, shots_mod.Shots):
            active = getattr(_SHOT_COUNT, "active", None)
            if active is not None and active[0] is self:
                return active[1]
            raise DifferentiationError(
                f"a QNode with a shot vector ({list(shots)} shots) returns a tuple, one "
                "result per count: differentiate a function that stacks it, e.g. "
                "qml.jacobian(lambda x: qml.math.stack(qnode(x))) (a Jacobian per count, "
                "as in PennyLane), or one count, "
                f"qml.set_shots(qnode, shots={shots.total_shots})"
            )
        return shots

    def _call_shot_vector(self, shots, args, kwargs):
        """One result per count of the shot vector (PennyLane's tuple), each sampled with
        that many shots."""
        shots_mod.check_copies(shots)
        try:
            node, _ = self.pin(args, kwargs)  # (traced at every call: one trace, one draw)
        except CustomMeasurementError:  # a measurement class of the user's own: its tape
            return self.compile_pipeline.run(self, args, kwargs)
        except Boxed:  # inside qml.grad / qml.jacobian of a hybrid cost: one QNode per
            # count, so that each count's derivative is sampled with its own shots
            return autodiff.call_boxed_counts([_with_shots(self, n) for n in shots], args,
                                              kwargs)
        results = []
        previous = getattr(_SHOT_COUNT, "active", None)
        counts = list(shots)
        try:
            for k, n in enumerate(counts):
                _SHOT_COUNT.active = (node, n, counts, k)
                results.append(node(*args, **kwargs))
        finally:
            _SHOT_COUNT.active = previous
            node.shot_stash.clear()
        return tuple(results)

    def shot_vector_position(self):
        """``(counts, k)`` while :meth:`__call__` evaluates count ``k`` of a shot vector
        (PennyLane draws them all at once and bins them: the sampled executors draw at
        ``k == 0`` and keep the other counts' values in ``shot_stash``), else None."""
        active = getattr(_SHOT_COUNT, "active", None)
        if active is not None and active[0] is self and len(active) == 4:
            return active[2], active[3]
        return None


    # --- compile -----------------------------------------------------------------------
    def compiled(self, args, kwargs, diff=None, derivatives=True):
        """``(entry, xs, ds)``: the compiled signature for these arguments (tracing and
        compiling it if new) and the numeric inputs split as it expects them.

        ``derivatives=False`` (a call for values only) may answer with a signature built
        without the chain rule (``entry.value_only``); a later call that needs
        derivatives (the default) builds the signature again with them, in its place.

        While it runs, the QNode's device is the one its circuit function is recorded for
        (PennyLane's QNode makes it the debugger's active device: ``qml.debugging``)."""
        before = trace.recording_for(self.device)
        try:
            return self._compiled_for(args, kwargs, diff, derivatives)
        finally:
            trace.recording_for(before)

    def _compiled_for(self, args, kwargs, diff=None, derivatives=True):
        """:meth:`compiled` (its device made the recording's)."""
        if self.per_call is not None:
            return self._compiled_per_call(args, kwargs, diff)
        names, positions = self.static_argnames, self.static_positions
        if self._values_needed is not None:
            names, positions = self._needing_values(args, kwargs, diff)
        key, xs, ds = classify(args, kwargs, diff, names, positions)
        entry = self._compiled.get(key)
        if entry is None and self.__dict__.get("_matrix_templates"):
            entry = self._matrix_call(args, kwargs, key, derivatives)
        if (entry is None or (entry.guard is not None and not entry.guard())
                or (derivatives and entry.value_only)):
            learned = switched = False
            with self._lock:
                entry = self._compiled.get(key)
                if entry is not None and entry.guard is not None and not entry.guard():
                    self._stale(key, entry)
                    entry = None
                if derivatives and entry is not None and entry.value_only:
                    entry = self._with_derivatives(key, entry)
                if entry is None:
                    try:
                        entry = self._build_current(args, kwargs, key, derivatives)
                        self._learn_matrices(args, kwargs, key, entry)
                    except TracingError as exc:
                        if self._learn_static(exc, key, args, kwargs):
                            learned = True
                        elif self._switch_per_call(exc):
                            switched = True
                        else:
                            raise
                    except QsymError:
                        raise
                    except Exception as exc:  # a library refused the traced inputs
                        kept = self._traced_state()
                        if not self._switch_per_call(exc, failed=True):
                            raise
                        switched = "tentative"
            if switched == "tentative":  # kept only if the function runs per call
                try:
                    return self.compiled(args, kwargs, diff, derivatives)
                except Exception:
                    # the function fails on these arguments (a wrong shape, a bad call):
                    # the QNode stays as it was, its signatures too
                    self._restore_traced(kept)
                    raise
            if learned or switched:  # (outside the lock: the build takes it again)
                return self.compiled(args, kwargs, diff, derivatives)
        check = getattr(entry, "sum_check", None)
        if check is not None and not derivatives:  # (the same signature for a float and a
            # trainable tensor: PennyLane's refusal follows the call's tensors)
            _check_trainable_sums(self, check[0], check[1], _tensor_inputs(check[2], args))
        self._last = entry
        self._last_key = key
        return entry, xs, with_matrix_data(entry, ds)

    def _learn_matrices(self, args, kwargs, key, entry) -> None:
        """Issue #17: if signature ``key`` has complex matrix arguments that the circuit
        function only hands to ``QubitUnitary`` (:func:`qsym._stages.matrix_uses`), later
        calls with other matrices of the same shapes reuse ``entry`` with their numbers as
        runtime data (:meth:`_matrix_call`): no trace, no new module. Looked for when a
        second signature differs from the first only in its matrices (a QNode called
        with one matrix pays nothing)."""
        whats = stages.matrix_arguments(key)
        if not whats or entry.broadcast or not isinstance(entry, Compiled):
            return
        templates = self.__dict__.setdefault("_matrix_templates", {})
        tkey = stages.matrix_template_key(key, whats)
        if tkey not in templates:  # the first matrices: learned at the second (one more
            templates[tkey] = False  # trace, about 15 ms, only where matrices change)
            return
        if templates[tkey] is None:
            return  # tried: the function uses a matrix otherwise
        names = self.static_argnames if self._values_needed is None else (
            self.static_argnames | self._values_needed[0])
        target = stages.Target(self.func, self.device.wires, self.method, names,
                               self._param_names, self.rule_of)
        uses = stages.matrix_uses(target, args, kwargs, key, entry.circuit, whats)
        templates[tkey] = None if uses is None else (key, entry, uses)

    def _matrix_call(self, args, kwargs, key, derivatives):
        """The signature learned by :meth:`_learn_matrices` with this call's matrices (kept
        for the last :data:`qsym._stages.MATRIX_CALLS` keys), or None: none learned, or
        its function read a changed global (:mod:`qsym._guards`) or was planned for values
        only and this call needs derivatives (then built as any new signature)."""
        whats = stages.matrix_arguments(key)
        if not whats:
            return None
        tkey = stages.matrix_template_key(key, whats)
        learned = self._matrix_templates.get(tkey)
        if not learned:
            return None
        first, entry, uses = learned
        if self._compiled.get(first) is not entry:  # dropped since (a gate redefined, ...)
            return None
        if (entry.guard is not None and not entry.guard()) or (
                derivatives and getattr(entry, "value_only", False)):
            return None
        with self._lock:
            calls = self.__dict__.setdefault("_matrix_calls", {})
            call = calls.pop(key, None)
            if call is None or call.entry is not entry:
                call = stages.MatrixCall(entry, stages.with_matrices(entry.circuit, uses, args,
                                                                     kwargs))
            calls[key] = call  # (last used last)
            while len(calls) > stages.MATRIX_CALLS:
                old = calls.pop(next(iter(calls)))
                self.samplers.pop(id(old), None)
        return call

    def _learn_static(self, exc, key, args, kwargs) -> bool:
        """PennyLane runs the circuit function on the call's numbers, so Python may use the
        value of an argument that is not trained (``float(t)``, ``int(t / dt)`` gates,
        ``scipy.linalg.expm(-1j * H * t)``). When tracing needed the value of such data
        arguments (keyword arguments, tensors with ``requires_grad=False``), they become
        static for this QNode: each new value traces and compiles again (the error is kept
        for a later call that trains them). Positional floats stay traced (they may be
        differentiated with ``argnum``): the error says to make them static. True if there
        were such arguments to make static."""
        data = {name for name, *rest in key[len(args):] if rest and rest[0] == DATA}
        data |= {i for i, part in enumerate(key[:len(args)]) if part[0] == DATA}
        used = getattr(exc, "arguments", None)
        if used is not None:
            data &= set(used)
        if not data or (used is not None and not set(used) <= data):
            return False
        if self._values_needed is None:
            self._values_needed = (frozenset(), frozenset(), exc)
        old_names, old_positions, _ = self._values_needed
        self._values_needed = (old_names | {d for d in data if isinstance(d, str)},
                               old_positions | {d for d in data if not isinstance(d, str)}, exc)
        logger.debug("%s: the circuit function needs the values of %s: static from now on",
                     self, sorted(map(str, data)))
        return True

    def _needing_values(self, args, kwargs, diff):
        """The static arguments with those :meth:`_learn_static` found; their error again
        if this call trains one of them (it cannot be traced)."""
        extra_names, extra_positions, exc = self._values_needed
        for i in extra_positions:
            if i < len(args) and ((diff is not None and i in diff) or (
                    diff is None and type(args[i]) is tensor and args[i].requires_grad)):
                raise exc
        return self.static_argnames | extra_names, self.static_positions | extra_positions

    def _stale(self, key, entry) -> None:
        """Drop the signature ``key``: a value its circuit function read besides its
        arguments (a module-level variable, a closure's, a mutable default: qsym._guards)
        changed since it was traced. The next build traces the function again, as
        PennyLane runs it at every call; the tenth time, a warning says how to avoid it."""
        changed = entry.guard.changed()
        self._compiled.pop(key, None)
        self._grad_fast = self._value_fast = self._jac_fast = None
        self.autodiff_memo.clear()
        if self._last is entry:
            self._last = None
        self._retraces = getattr(self, "_retraces", 0) + 1
        logger.debug("%s: %s changed since the circuit function was traced: tracing again",
                     self, ", ".join(changed))
        if self._retraces == 10:
            warnings.warn(
                f"qsym traced circuit function {getattr(self.func, '__name__', '?')!r} again "
                f"10 times because {', '.join(changed) or 'a value it reads'} changed between "
                "calls (each change traces and compiles the circuit again); pass such a value "
                "as an argument of the circuit function instead (numeric arguments never "
                "recompile)", UserWarning, stacklevel=4)

    def _traced_state(self):
        """The signatures traced once, which :meth:`_switch_per_call` drops (for
        :meth:`_restore_traced`)."""
        return GATE_REGISTRY.redefinitions, dict(self._compiled)

    def _restore_traced(self, kept) -> None:
        """Undo a tentative :meth:`_switch_per_call` whose per-call run failed too: the
        QNode traces once again, with the signatures it had (unless a gate was defined
        again meanwhile: then they may hold its old definition and stay dropped). The
        short paths are made again at the next call."""
        generation, compiled = kept
        with self._lock:
            self.per_call = None
            GATE_REGISTRY.keep_if_unchanged(generation, lambda: [
                self._compiled.setdefault(key, entry) for key, entry in compiled.items()])

    def _switch_per_call(self, exc, failed=False) -> bool:
        """Whether this QNode now traces its circuit function at every call (``trace``
        ``"auto"``): the function could not be traced once (``exc``) because it draws
        random numbers (NumPy's global generator, seen while tracing; or gates that
        differ between runs on the same numbers) or needs the number of an input that
        could not be made static (a trainable one, or a positional float), or (``failed``)
        a library it calls refused the traced inputs (``numpy.linalg`` of an array of them:
        kept only if the function then runs per call). The random generators are put back
        as they were before the failed trace, so the call draws once, as PennyLane's does.
        Other tracing errors (a bad circuit) are raised."""
        why = getattr(exc, "per_call", None)
        if failed:
            why = f"it fails on traced inputs ({type(exc).__name__}: {str(exc)[:80]})"
        if why is None and getattr(exc, "symbols", None):
            why = "it needs the value of " + ", ".join(sorted(map(str, exc.symbols)))
        if self.trace != "auto" or why is None:
            return False
        state = getattr(exc, "random_state", None)
        if state is not None:
            state.restore()
        self.per_call = why
        self._compiled.clear()
        self._grad_fast = self._value_fast = self._jac_fast = None
        self.autodiff_memo.clear()
        logger.debug("%s: traced at every call from now on (%s)", self, why)
        return True

    def _compiled_per_call(self, args, kwargs, diff):
        """:meth:`compiled` of a QNode that traces at every call (:attr:`per_call`): this
        call's circuit, traced at its numbers (:meth:`_build_per_call`), compiled once per
        structure."""
        key, xs, ds = classify(args, kwargs, diff, self.static_argnames, self.static_positions)
        with _PER_CALL_LOCK:  # one per-call trace at a time: it restores random states
            entry = self._build_per_call(args, kwargs, key, numbers=diff is None)
        self._last = entry
        return entry, xs, with_matrix_data(entry, ds)

    def _build_per_call(self, args, kwargs, key, numbers=False):
        """Trace the circuit function at this call's numbers, as PennyLane runs it: a look
        at an input's value is answered (:class:`qsym._trace.Looks`), random draws are
        this call's (every run of the build starts from the same random state:
        :func:`qsym._trace.rerunnable`, so the replay at the call's numbers checks the
        trace, and the generators move on as after one run). The circuit is compiled once
        per structure (its structural hash: gates, constants, measurements, with the
        inputs used by value); a structure seen before reuses its compiled code. Once the
        function failed on traced stand-ins, a call that differentiates nothing
        (``numbers``) runs it on the numbers directly (the same circuit, without the
        failing attempt: ``scipy.linalg.expm`` of an object array is slow)."""
        t0 = time.perf_counter()
        target = stages.Target(trace.rerunnable(self.func), self.device.wires, self.method,
                               self.static_argnames, self._param_names, self.rule_of,
                               self.deferral_options())
        rec = stages.record_signature(target, args, kwargs, key, per_call=True,
                                      numbers=numbers and self._stand_ins_fail)
        items, syms, size, looks = rec.items, rec.syms, rec.size, rec.looks
        self._stand_ins_fail = self._stand_ins_fail or looks.failed
        # PennyLane's QNode._qfunc_output: what the circuit function returned (its
        # measurement processes, as returned), here at its latest trace
        self._qfunc_output = rec.result
        circuit = stages.to_circuit(items, rec.result, rec.wires, syms)
        with trace.values_known(syms.values):  # (draws allowed in the replay too)
            stages.check(target, circuit, args, kwargs, key, syms, at_zero=False)
        _check_trainable_sums(self, rec.result, circuit)
        inputs = set(syms.inputs)
        by_value = {sym: what for sym, what in looks.by_value.items() if sym in inputs}
        structure = (key, ir.structural_hash(circuit), tuple(sorted(map(str, by_value))),
                     ir.measurement_details(circuit))
        memo = self._per_call_cache
        entry = memo.get(structure)
        if entry is not None and entry.circuit == circuit:
            return entry
        if (entry is not None and size is None and not getattr(self.device, "mixed", False)
                and ir.same_structure(entry.circuit, circuit)):
            return stages.MatrixCall(entry, circuit)  # new runtime data only (issue #17)
        if getattr(self.device, "mixed", False):
            entry = stages.mixed_entry(target, circuit, syms, size,
                                       getattr(self.device, "readout_prob", None))
        else:
            stages.refuse_channels(circuit, self.device.name, syms.values)
            gplan = stages.make_plan(target, circuit)
            entry = self.complete(circuit, gplan, syms, size, t0, time.perf_counter(),
                                  guard=False)  # (traced again at every call: no guard)
        entry.tensor_constants = _tensor_constants(items)
        entry.whole_templates = any(trainable for _, _, trainable in syms.claims)
        entry.per_call = True
        entry.by_value = by_value
        entry.first_order = {sym: what for sym, what in looks.first_order.items()
                             if sym in inputs}
        memo.put(structure, entry)
        return entry

    def pin(self, args, kwargs, diff=None):
        """``(node, entry)`` for one call inside a hybrid derivative
        (:func:`qsym._autodiff.call_boxed`): the compiled signature, and the QNode whose
        values, Jacobian and Hessian autograd asks for. For a QNode traced at every call
        that is a copy of it holding this call's trace, so the forward pass and every
        derivative autograd asks for later are of the same draw (PennyLane differentiates
        the tape it ran); otherwise the QNode itself."""
        entry, _, _ = self.compiled(args, kwargs, diff)
        if not entry.per_call:
            return self, entry
        node = copy.copy(self)
        node.autodiff_memo = {}
        names, positions = self.static_argnames, self.static_positions

        def compiled(args, kwargs, diff=None, derivatives=True):
            _, xs, ds = classify(args, kwargs, diff, names, positions)
            node._last = entry
            return entry, xs, with_matrix_data(entry, ds)

        node.compiled = compiled
        return node, entry

    def run_boxed_tape(self, args, kwargs, entry):
        """A call inside ``qml.grad`` / ``qml.jacobian`` whose circuit function uses a
        differentiated input by its number (``entry.by_value``: ``numpy.linalg`` of it,
        ``qml.qchem.molecular_hamiltonian(..., args=...)``), so no traced gate or
        coefficient holds it: the function runs on autograd's boxes, as PennyLane runs it,
        and its tape is executed and differentiated (gate parameters and observable
        coefficients that are boxes: the chain rule through the function's own
        arithmetic). Where the function cannot run on boxes (``float(x)``, ``x.item()``,
        ``scipy.linalg.expm``: PennyLane's autograd fails there too), the refusal names the
        input and its use (:func:`_refuse_by_value`), the run's own error kept as its
        cause (``__cause__``) and named at the message's end.
        Any other error (qsym's but a ``DifferentiationError``: a wire, a measurement, a
        device; the function's own exception classes) is raised as it was, as PennyLane
        raises it. ``entry`` None: a complex input differentiated (compiled circuits take
        real inputs; :func:`qsym._autodiff.call_boxed`), the same run, its refusals naming
        the complex input."""
        if (entry is not None and self.resolved_method == "parameter-shift"
                and not self._runs_a_tape and entry.has_state):
            _refuse_shifted_state(entry)
        try:
            return self.compile_pipeline.run(self, args, kwargs)
        except Exception as exc:
            # (a qsym error but a DifferentiationError is raised as it was, for a complex
            # input too: PennyLane's own error there, e.g. a basis state of complex values,
            # a wire not on the device; its message was once read for "Box", which a wire
            # label or the user's message could hold: stop 61)
            # (a TracingError: the run on boxes met a traced input, e.g. qml.evolve's input
            # coefficients past 7 wires with its time traced: the refusal names the input)
            if not isinstance(exc, _BOX_FAILURES) or (isinstance(exc, QsymError) and not
                                                      isinstance(exc, (DifferentiationError,
                                                                       TracingError))):
                raise
            if entry is None:  # a complex input (qsym._autodiff.call_boxed)
                raise DifferentiationError(
                    "cannot differentiate by a complex input: the circuit function does "
                    "not run on autograd's values of it (it raised "
                    f"{type(exc).__name__}: {exc}); compute with qsym.numpy functions, or "
                    "pass its real and imaginary parts as float arguments") from exc
            try:
                _refuse_by_value(entry)
            except ByValueDerivative as refusal:
                raise DifferentiationError(
                    f"{refusal} (on autograd's values the function raised "
                    f"{type(exc).__name__}: {exc})") from exc
            raise

    def reads_arguments(self, entry) -> bool:
        """Whether a gate parameter or an observable coefficient of ``entry``'s circuit may
        be an expression of the arguments (:func:`_reads_arguments`): where none is, a call
        inside a derivative gives plain values, as PennyLane's tape without trainable
        parameters does (:func:`qsym._autodiff.call_boxed`)."""
        return _reads_arguments(entry)

    def _build_current(self, args, kwargs, key, derivatives=True, held=False):
        """Build a signature (``derivatives=False``: for values only, :meth:`build`) and
        keep it, unless a gate was redefined or removed meanwhile (another thread, or the
        circuit function itself): then it may mix definitions, and is built again. Gates
        only added meanwhile (the controlled rows a ``qml.ctrl`` in the function registers
        on its first trace) cannot mix definitions: the build is kept, not made twice."""
        for _ in range(3):
            generation = GATE_REGISTRY.redefinitions
            state = trace.RandomState(self.func) if self.trace == "auto" else None
            before = trace.global_random_state(state)
            if state is not None:  # (an enclosing qml.grad's Attempt: the same snapshot)
                trace.before_run(state)
            try:
                entry = self.build(args, kwargs, key, derivatives)
                # (with other threads running, the state may have changed by their draws:
                # the function's own draws confirmed by running it again)
                _check_no_global_draws(before, lambda: no_other_threads()
                                       or trace.draws_when_run(self.func, args, kwargs))
            except Exception as exc:  # the random state before it (_switch_per_call)
                try:
                    exc.random_state = state
                except AttributeError:
                    pass
                raise
            if GATE_REGISTRY.keep_if_unchanged(
                    generation, lambda: self._compiled.__setitem__(key, entry)):
                if self._values_needed is not None:
                    self._forget_oldest(key)
                return entry
        if held:  # the circuit function itself redefines a gate at each trace (rev70: this
            return entry  # recursed for ever): used once, not kept, as before adv70
        # the gates keep changing (another thread): built once more with the registry held,
        # so that the entry cannot mix two definitions of a gate
        with GATE_REGISTRY.holding():
            return self._build_current(args, kwargs, key, derivatives, held=True)

    def _forget_oldest(self, keep) -> None:
        """Keep at most :data:`LEARNED_STATIC_SIGNATURES` signatures once data arguments
        are static by value (each new value of a continuous one is a new signature, which
        would otherwise be kept for ever: memory grew by about 0.1 MB a call); the oldest
        go as :meth:`_stale` drops one (a call with an old value traces it again)."""
        while len(self._compiled) > LEARNED_STATIC_SIGNATURES:
            oldest = next(k for k in self._compiled if k != keep)
            entry = self._compiled.pop(oldest)
            self._grad_fast = self._value_fast = self._jac_fast = None
            self.autodiff_memo.clear()
            if self._last is entry:
                self._last = None

    def build(self, args, kwargs, key, derivatives=True):
        """Trace and compile the signature ``key`` (from :func:`classify`) of these
        arguments: the stages of :mod:`qsym._stages`, in order. ``derivatives=False``
        plans the values only (no chain rule: :func:`qsym._plan.make_plan`); the entry
        is then ``value_only`` if the circuit has inputs to differentiate."""
        t0 = time.perf_counter()
        names = self.static_argnames if self._values_needed is None else (
            self.static_argnames | self._values_needed[0])
        target = stages.Target(self.func, self.device.wires, self.method, names,
                               self._param_names, self.rule_of, self.deferral_options())
        # 1-2: symbols, the recording (a TracingError says which arguments' values it
        # needed: compiled makes them static)
        rec = stages.record_signature(target, args, kwargs, key)
        syms, size = rec.syms, rec.size
        self._qfunc_output = rec.result  # (PennyLane's QNode._qfunc_output: see _build_per_call)
        circuit = stages.to_circuit(rec.items, rec.result, rec.wires, syms)  # 3: the IR
        stages.check(target, circuit, args, kwargs, key, syms)  # 4: replays, validation
        _check_backprop(self, circuit)
        # (a value call: PennyLane's trainable inputs are requires_grad tensors' only; a
        # later derivative of this signature checks all of them: _with_derivatives)
        _check_trainable_sums(self, rec.result, circuit,
                              None if derivatives else _tensor_inputs(syms, args))
        if getattr(self.device, "mixed", False):  # the density-matrix executor (qsym._mixed)
            entry = stages.mixed_entry(target, circuit, syms, size,
                                       getattr(self.device, "readout_prob", None))
            entry.guard = guards.make(self.func)
        else:
            stages.refuse_channels(circuit, self.device.name, syms.values)
            gplan = stages.make_plan(target, circuit, derivatives)  # 5: the plan
            t1 = time.perf_counter()
            entry = self.complete(circuit, gplan, syms, size, t0, t1,  # 6-7: program, module
                                  values_only=not derivatives)
        entry.tensor_constants = _tensor_constants(rec.items)
        # a value-only signature whose check depends on which arguments are trainable
        # tensors: checked again at each value call (:meth:`_compiled_for`)
        entry.sum_check = None if derivatives else _sum_check(self, rec.result, circuit, syms)
        # a template applied whole with trainable tensor data (PennyLane's tape parameters)
        entry.whole_templates = any(trainable for _, _, trainable in syms.claims)
        entry.one_value = self._values_needed is not None
        if not getattr(self.device, "mixed", False) and (
                not gplan.derivatives or _values_only_module(entry)):
            # what _with_derivatives plans (if not planned) and emits again
            entry.value_only = (target, circuit, syms, size, rec.result)
        elif not derivatives:  # (used for derivatives as it is: checked as for them)
            _check_trainable_sums(self, rec.result, circuit)
        return entry

    def _with_derivatives(self, key, entry):
        """The value-only signature ``entry`` (:meth:`build` with ``derivatives=False``)
        with its derivatives: the same traced and checked circuit planned again with the
        chain rule, its module emitted and loaded; kept in its place. None if a gate was
        defined or removed meanwhile, or ``entry`` dropped (another thread): the plan may
        then mix two definitions, and the caller builds the signature afresh."""
        generation = GATE_REGISTRY.redefinitions
        target, circuit, syms, size, result = entry.value_only
        _check_trainable_sums(self, result, circuit)  # (every input trainable now)
        t0 = time.perf_counter()
        gplan = entry.plan if entry.plan.derivatives else stages.make_plan(target, circuit)
        full = self.complete(circuit, gplan, syms, size, t0, time.perf_counter())
        full.tensor_constants = entry.tensor_constants
        full.one_value = entry.one_value

        def keep():
            if self._compiled.get(key) is not entry:  # dropped: a gate defined again
                return False
            self._compiled[key] = full
            return True

        if not GATE_REGISTRY.keep_if_unchanged(generation, keep):
            return None  # a gate was defined again meanwhile: built afresh by the caller
        # a learned matrix signature (_learn_matrices) follows it: the same circuit,
        # so later matrices reuse the full entry (not a new trace per matrix)
        for tkey, learned in (self.__dict__.get("_matrix_templates") or {}).items():
            if learned and learned[0] == key and learned[1] is entry:
                self._matrix_templates[tkey] = (key, full, learned[2])
        return full

    def complete(self, circuit, gplan, syms, size, t0, t1, guard=True, values_only=False):
        """The rest of :meth:`build` from a planned circuit: the generated module (its text,
        run as Python: tier 0) and the signature's entry (``guard``: with the guard of what
        the function reads, :mod:`qsym._guards`; a per-call entry needs none;
        ``values_only``: a module for value calls, :func:`qsym._emit.emit_module`)."""
        t2 = time.perf_counter()
        # 6-7: the program, interpreted (its text made only when needed) or printed and run
        module = stages.make_module(circuit, gplan, values_only)
        debug = logger.isEnabledFor(logging.DEBUG)
        on_disk = module.on_disk() if debug else None
        entry = Compiled(circuit, gplan, None, module, tuple(syms.diff_args),
                         tuple(syms.blocks))
        entry.checks = stages.make_checks(circuit, syms.checks)
        module.own(entry)  # once loaded: dropped from sys.modules with the last entry using it
        entry.trace_seconds = t1 - t0
        entry.compile_seconds = time.perf_counter() - t2
        if debug:
            logger.debug(
                "%s: traced and planned %d operations on %d wires in %.3f s; module %s "
                "(%s) emitted and loaded in %.3f s", self, len(circuit.ops), circuit.num_wires,
                entry.trace_seconds, module.__name__,
                "cache hit: on disk" if on_disk else "cache miss: new", entry.compile_seconds)
        if size is not None:
            entry = stages.broadcast_entry(entry, syms)
        entry.guard = guards.make(self.func) if guard else None  # after the replays
        return entry

    def rule_of(self, op, pos):
        """The shift rule of parameter ``pos`` of ``op``: the table's, or custom shifts."""
        spec = self.shifts.get(op.name) if isinstance(self.shifts, dict) else self.shifts
        if isinstance(spec, dict):
            spec = spec.get(pos)
        return rules.rule_for_op(op, pos, shifts=spec)

    rule_of.by_kind = True  # (the op's name, wire count, hyperparameters: plan.shift_terms)

    # --- evaluate (qsym.executors) ---------------------------------------------------------
    @property
    def compiled_directly(self) -> bool:
        """Whether calls run this QNode's own compiled circuit (no transforms): then
        ``qml.grad`` and ``qml.jacobian`` use its compiled derivatives; a transformed QNode
        is differentiated by autograd through its transforms' tapes (so is one with
        ``gradient_kwargs={"argnum": ...}`` or ``diff_method="spsa"``: the method's gradient
        transform differentiates its tape, :func:`qsym._tapes.tape_gradient`), and one
        whose device class defines its own derivatives (:func:`qsym.devices.own_derivatives`).

        >>> import qsym as qml
        >>> qml.QNode(lambda: qml.state(), qml.device("default.qubit", wires=1)).compiled_directly
        True

        A QNode on a device class of the user's own with its own ``execute``
        (:func:`qsym.devices.runs_own_execute`) is not: its tapes run there.
        """
        if (self.pipeline or getattr(self.device, "applied_transforms", None)
                or getattr(self.device, "run_qnode", None) is not None):  # default.gaussian
            return False
        route, dev = self._route, self.device  # (the device, method, class's execute it was
        execute = getattr(type(dev), "execute", None)  # decided for, the answer)
        if route[0] is not dev or route[1] is not self.resolved_method or route[4] is not execute:
            route = self._route = (dev, self.resolved_method, self.resolved_method != "spsa"
                                   and own_derivatives(dev, self.resolved_method,
                                                       self.grad_on_execution) is None,
                                   defines_execute(dev), execute)
        gkw = self.gradient_kwargs
        if self.resolved_method == "hadamard" and (self.device.trackers or self.configured_shots()):
            return False  # PennyLane's Hadamard tapes: a tracker records them, shots sample them
        # a user's class with its own execute: run there, unless its base execute is running
        own = route[3] or execute_set_on(self.device)  # (a spy on it)
        return (route[2] and (not own or not runs_own_execute(self.device))
                and (not gkw or self.tape_argnum() is None))

    def _diversion(self):
        """Whether a call runs something else than qsym's pipeline, decided once
        (``__call__`` then tests one attribute; copies keep it, and :meth:`_diverted`
        reads the copy's own device and options): ``"run_qnode"``, a device that runs
        QNodes itself (``default.gaussian``, :mod:`qsym._gaussian`); ``"fill-shots"``,
        ``postselect_mode="fill-shots"`` (:meth:`_filling_shots`); else None."""
        if getattr(self.device, "run_qnode", None) is not None:
            return "run_qnode"
        if self._init_args["postselect_mode"] == "fill-shots":
            return "fill-shots"
        return None

    def _diverted(self, args, kwargs):
        """A call of a diverted QNode (:meth:`_diversion`), or ``_MISS``: the call inside
        ``filling_shots`` takes the pipeline."""
        run = getattr(self.device, "run_qnode", None)
        if run is not None:
            return run(self, args, kwargs)
        if self._init_args["postselect_mode"] == "fill-shots" and not shots_mod.fills_shots():
            return self._filling_shots(args, kwargs)
        return _MISS

    def _filling_shots(self, args, kwargs):
        """A call with ``postselect_mode="fill-shots"``: postselected measurements take
        every shot (:func:`qsym._shots.filling_shots`); as PennyLane's device, only where
        the mid-circuit measurements are deferred (not one-shot or tree-traversal)."""
        if "shots" in kwargs and not self._qfunc_uses_shots_arg:  # (the copy's call fills)
            node, kwargs = self.per_call_shots(kwargs)
            return node(*args, **kwargs)
        if self.deferral_options()["method"] != "deferred":
            raise DeviceError("Using postselect_mode='fill-shots' is only supported with "
                              "mcm_method='deferred'.")
        with shots_mod.filling_shots():
            return self(*args, **kwargs)

    def _discards_natively(self) -> bool:
        """Whether this call with shots resolves to PennyLane's one-shot or tree-traversal
        method (not yet in :func:`qsym._shots.discarding_as` for it): its postselected
        measurements that keep no shot then give what that method gives
        (:func:`qsym._shots.discarded_value`)."""
        options = self.deferral_options()
        method = options["method"]
        return (method in ("one-shot", "tree-traversal") and options["user"] is None
                and shots_mod.discarding_method() != method)

    def deferral_options(self) -> dict:
        """``{"method": ..., "shots": ..., "wires": ..., "device": name}``: the mid-circuit measurement
        method PennyLane's device resolves for this QNode (its shots, its device's wires) (:func:`qsym._mcm.deferring_by_transform`).
        ``"deferred"`` on ``default.mixed``, with ``mcm_method="deferred"``, or unset without
        shots: its trace runs ``qml.defer_measurements``'s tape function on the recording
        (:mod:`qsym._deferral`); ``"one-shot"`` unset with shots; otherwise the one given
        (qsym defers those as well, by :func:`qsym._mcm.defer` directly: the same
        statistics); ``"user"``: the options of ``qml.defer_measurements`` applied to the
        QNode, whose tape function the trace then runs first. (qsym's own: what the
        drawers and ``qml.snapshots`` read to show the deferred operations.)

        >>> import qsym as qml
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     return qml.expval(qml.Z(0))
        >>> circuit.deferral_options()["method"]
        'deferred'
        >>> qml.set_shots(circuit, shots=10).deferral_options()["method"]
        'one-shot'
        """
        method, shots = self._init_args["mcm_method"], self.configured_shots()
        if getattr(self.device, "mixed", False) or method == "deferred" or (
                method is None and not shots):
            method = "deferred"
        elif method is None:
            method = "one-shot"
        # qml.defer_measurements(qnode): the user's transform runs first, with its options
        return {"method": method, "shots": shots, "wires": self.device.wires,
                "user": getattr(self, "defers_measurements", None),
                "device": getattr(self.device, "name", None)}

    def _check_device_vjp(self) -> None:
        """PennyLane's check of ``device_vjp=True`` at a call: the device must compute
        vector-Jacobian products by the QNode's method (``dev.supports_vjp``): on
        ``default.qubit`` ``"adjoint"``, ``"backprop"``, ``"best"``, not parameter shift or
        finite differences; a user's device class by its own ``supports_vjp``."""
        method = "best" if self.pl_backprop and self.resolved_method in (
            "parameter-shift", "best", "backprop") else self.resolved_method
        config = ExecutionConfig(gradient_method=method, use_device_jacobian_product=True)
        if not self.device.supports_vjp(config, None):
            raise QNodeError(f"device_vjp=True is not supported for device {self.device}, "
                             f"diff_method {method}, and the provided circuit.")

    def __call__(self, *args, **kwargs):
        if self._divert is not None:  # (None for QNodes on qsym's pipeline: one test a call)
            result = self._diverted(args, kwargs)
            if result is not _MISS:
                return result
        fast = self._value_fast  # the last call's signature again: _value_path
        if fast is not None:
            result = fast(self, args, kwargs)
            if result is not _MISS:
                return result
        if "shots" in kwargs and not self._qfunc_uses_shots_arg:
            node, kwargs = self.per_call_shots(kwargs)
            return node(*args, **kwargs)
        if getattr(trace.active_tape(), "user_queue", False):  # in qml.queuing.AnnotatedQueue
            with trace.not_recording():
                return self(*args, **kwargs)
        if self._init_args["device_vjp"] and self.resolved_method is not None:
            self._check_device_vjp()
        if not self.compiled_directly:  # transforms, or a device's own execute
            return self.compile_pipeline.run(self, args, kwargs)
        if self.resolved_method in ("adjoint", "device") and self.configured_shots():
            shots_mod.refuse("adjoint", self.device.name)
        if (self.resolved_method == "backprop" and self.configured_shots()
                and not getattr(self.device, "mixed", False)):
            shots_mod.refuse("backprop", self.device.name)  # (PennyLane's, at the call)
        if self._init_args["mcm_method"] is not None:
            check_mcm_call(self._init_args["mcm_method"], self.configured_shots())
            if (self._init_args["mcm_method"] in ("one-shot", "tree-traversal")
                    and not mcm.native_method()):
                with mcm.running_natively():  # (their refusals of measurements)
                    return self(*args, **kwargs)
        if trace.in_circuit():
            raise TracingError(
                "a QNode was called inside another QNode's circuit function; call the inner "
                "circuit function directly, or combine QNode results outside the circuits"
            )
        shots = self.configured_shots()
        if shots and self._discards_natively():  # no shot kept: as PennyLane's method
            with shots_mod.discarding_as(self.deferral_options()["method"]):
                return self(*args, **kwargs)
        if (isinstance(shots, shots_mod.Shots)
                and (getattr(_SHOT_COUNT, "active", None) or (None,))[0] is not self):
            return self._call_shot_vector(shots, args, kwargs)
        try:  # values only: a new signature is built without the chain rule
            entry, xs, ds = self.compiled(args, kwargs, derivatives=False)
        except CustomMeasurementError:  # a measurement class of the user's own: its tape
            return self.compile_pipeline.run(self, args, kwargs)
        except Boxed:  # called inside qml.grad of a hybrid cost: an autograd primitive
            if self.method == "finite-diff" and _nested_boxes(args):
                # a second derivative of finite differences: finite differences of them
                # (PennyLane's), not the exact Hessian: its tape, by qml.gradients.finite_diff
                return self.compile_pipeline.run(self, args, kwargs)
            if self.configured_shots() and self._estimates_by_shadow(args, kwargs):
                # qml.shadow_expval: parameter shift on tapes, a new shadow per shifted circuit
                return self.compile_pipeline.run(self, args, kwargs)
            return autodiff.call_boxed(self, args, kwargs)
        if self.device.trackers:  # what PennyLane's tracker records (the results; the
            # adjoint derivative it computes with the values under autograd)
            self._autograd_args = any(type(a) is tensor and a.requires_grad for a in args)
            self._autograd_interface = self._interface == "autograd" or (
                self._interface == "auto" and _has_tensor(args, kwargs))
        store = self.cache
        if isinstance(store, MutableMapping):
            values = self._cached_values(store, entry, xs, ds)
        else:
            values = execute(self, entry, executors.values_executor(self, entry), flat(xs),
                             flat(ds), (xs, ds))
        values = result_types(self, values, self.interface == "autograd" or entry.tensor_constants
                              or (_has_tensor(args, kwargs) and _reads_arguments(entry)))
        self._value_fast = _value_path(self, entry, self._last_key, args, kwargs)
        return format_values(entry.circuit.output, values)

    # the random state a call inside a derivative keeps to put back
    # (qsym._autodiff.call_boxed: a look at the circuit function before its tape is run)
    global_random_state = staticmethod(trace.global_random_state)
    restore_global_random = staticmethod(trace.restore_global_random)

    def _estimates_by_shadow(self, args, kwargs) -> bool:
        """Whether the circuit (at these arguments' values) returns ``qml.shadow_expval``:
        PennyLane differentiates it by parameter shift, each shifted circuit a new shadow,
        which the QNode's tape path does (:func:`qsym._tapes.execute`)."""
        from autograd.tracer import getval

        plain = [getval(a) for a in args]
        before = trace.global_random_state()  # a look, not a run: a circuit
        try:  # run per call draws (shadow_expval's seed); the tape path draws as PennyLane's
            entry = self.compiled(plain, {k: getval(v) for k, v in kwargs.items()},
                                  derivatives=False)[0]
        finally:
            trace.restore_global_random(before)
        circuit = getattr(entry, "circuit", None) or getattr(entry.element, "circuit", None)
        return any(m.shadow and m.shadow[0] == "shadow_expval" for m in circuit.measurements)

    def _cached_values(self, cache, entry, xs, ds):
        """PennyLane's ``cache=<a dict>``: an evaluation (exact, or sampled: then a hit
        repeats its samples, with PennyLane's warning) is stored in the user's
        mapping under the circuit's structural hash and its input values, and the same
        circuit at the same values (from any QNode given that mapping) is answered from it,
        running nothing (so ``qml.Tracker`` records nothing)."""
        x, d = flat(xs), flat(ds)
        circuit_key = entry.cache_key
        if circuit_key is None:
            circuit_key = entry.cache_key = ir.structural_hash(entry.circuit)
        shots = self.configured_shots()
        key = ("qsym", circuit_key, x.tobytes(), d.tobytes(), shots)
        hit = cache.get(key)
        if hit is not None:
            if shots:  # PennyLane's warning: the samples repeat
                warnings.warn(CACHED_SHOTS_WARNING, UserWarning, stacklevel=3)
            return [np.copy(v) if isinstance(v, np.ndarray) else v for v in hit]
        values = execute(self, entry, executors.values_executor(self, entry), x, d, (xs, ds))
        cache[key] = [np.copy(v) if isinstance(v, np.ndarray) else v for v in values]
        return values

    def _differentiable(self, what="differentiated"):
        if trace.in_circuit():
            raise TracingError(f"a QNode cannot be {what} inside another QNode's circuit")
        if self.resolved_method is None:  # (PennyLane's QuantumFunctionError)
            raise MethodError(
                "Derivatives cannot be calculated with diff_method=None (qsym: this QNode's "
                "diff_method is None, not differentiable; give it a diff_method such as "
                "'parameter-shift' or 'adjoint' to differentiate it)"
            )
        if self.resolved_method == "spsa":
            raise MethodError(
                "diff_method='spsa' (a stochastic estimate of the gradient) is not computed by "
                "qsym's QNode; use diff_method='parameter-shift' (exact) or 'finite-diff', or "
                "qml.gradients.spsa_grad on the QNode's tape (qml.workflow.construct_tape)")

    def value_and_jacobian(self, args, kwargs, diff=None):
        """``(values, jac, entry)``: values and the Jacobian over the flat differentiated
        inputs (``jac[m, j]``), by this QNode's ``diff_method``; for a broadcast
        signature, per-measurement values and Jacobians, batch first."""
        self._differentiable()
        entry, xs, ds = self.compiled(args, kwargs, diff)
        if entry.by_value:  # a template's own refusal of this derivative comes first
            _derivative_checks(entry, xs, ds)
        _refuse_by_value(entry)
        check = DERIVATIVE_CHECKS.get(self.resolved_method)
        if check is not None:  # the method's own errors, warnings and circuit count
            check(self, entry, args, kwargs, diff, flat(ds))
        if entry.has_state:
            if self.resolved_method == "parameter-shift" and not self._runs_a_tape:
                _refuse_shifted_state(entry)  # (the user's choice, not a tape's QNode)
            return executors.state_jacobian(self, entry, xs, ds) + (entry,)
        return executors.rows_jacobian(self, entry, xs, ds) + (entry,)

    # --- flat forms, for the autograd primitives (qsym.autodiff) ------------------------
    def flat_values(self, args, kwargs, diff):
        """``(values, entry)``: every measured value, flattened and concatenated."""
        entry, xs, ds = self.compiled(args, kwargs, diff)
        if entry.drawn:
            raise DifferentiationError(executors.NO_GRADIENT)
        values = execute(self, entry, executors.values_executor(self, entry), flat(xs),
                         flat(ds), (xs, ds))
        return flat_concat(values), entry

    def flat_jacobian(self, args, kwargs, diff):
        """``(values, jac, entry)``: flat values and ``jac[v, c]`` over the flat inputs of
        the arguments ``diff``, by this QNode's ``diff_method``."""
        out, jac, entry = self.value_and_jacobian(args, kwargs, diff)
        if entry.broadcast:
            n = entry.nx
            return flat_concat(out), flat_concat(jac, n), entry
        if entry.has_state:  # per measurement already
            return flat_concat(out), flat_concat(jac, jac[0].shape[-1]), entry
        values, jacs = measurements(entry.post, out, jac)
        return flat_concat(values), flat_concat(jacs, jac.shape[1]), entry

    def flat_hessian(self, args, kwargs, diff):
        """``(values, jac, hess, entry)``: as :meth:`flat_jacobian`, plus the exact Hessian
        ``hess[v, c, k]`` by second-order parameter shift (:mod:`qsym._second_order`)."""
        self._differentiable()
        entry, xs, ds = self.compiled(args, kwargs, diff)
        _refuse_by_value(entry)
        if getattr(entry, "mixed", False) or getattr(getattr(entry, "element", None),
                                                     "mixed", False):
            raise DifferentiationError(
                "second derivatives on default.mixed (qml.hessian, or a derivative of "
                "qml.grad / qml.jacobian) are not supported by qsym yet; default.qubit "
                "gives exact second derivatives of circuits without noise")
        _refuse_first_order(entry)
        if entry.drawn:
            raise DifferentiationError(
                "qml.sample and qml.counts have no derivatives; differentiate expval, var, "
                "probs or qml.state() twice"
            )
        if entry.broadcast:
            raise DifferentiationError(
                "second derivatives of a broadcast QNode are not supported; call the Hessian "
                "once per parameter set"
            )
        sampled = bool(self.current_shots())
        if sampled:
            if self.resolved_method == "finite-diff":
                return self._sampled_fd_hessian(args, kwargs, diff)
            if self.resolved_method not in ("parameter-shift", "best") or entry.has_state:
                raise DifferentiationError(
                    "second derivatives with finite shots are not supported for diff_method="
                    f"{self.resolved_method!r}; use shots=None (exact), diff_method="
                    "'parameter-shift' (sampled shifted circuits) or 'finite-diff' "
                    "(differences of sampled Jacobians)")
        if entry.has_state and not sampled:  # exact, per measurement already
            values, jacs, hessians = executors.state_hessian(self, entry, xs, ds)
            n = jacs[0].shape[-1]
        else:
            out, jac, hess = execute(
                self, entry, executors.sampled_hessian if sampled else executors.exact_hessian,
                flat(xs), flat(ds), (xs, ds))
            values, jacs, hessians = second_order.measurements2(entry.post, out, jac, hess)
            n = jac.shape[1]
        return (flat_concat(values), flat_concat(jacs, n), flat_concat(hessians, n, n),
                entry)

    def _sampled_fd_hessian(self, args, kwargs, diff):
        """:meth:`flat_hessian` with shots and ``diff_method="finite-diff"``, as PennyLane
        differentiates a sampled finite-difference Jacobian: finite differences again
        (step ``h``, ``strategy``), of the Jacobians sampled at the inputs moved one at a
        time, ``hess[v, c, k] = (J(x + h e_k) - J(x))[v, c] / h`` (forward)."""
        values, jac, entry = self.flat_jacobian(args, kwargs, diff)
        h, strategy = self.h, self.strategy

        def moved(i, idx, step):
            shifted = list(args)
            a = np.array(args[i], dtype=float)
            a[idx] += step
            shifted[i] = a
            return self.flat_jacobian(shifted, kwargs, diff)[1]

        columns = []
        for i in diff:
            for idx in np.ndindex(*np.shape(args[i])):
                if strategy == "center":
                    columns.append((moved(i, idx, h) - moved(i, idx, -h)) / (2 * h))
                elif strategy == "backward":
                    columns.append((jac - moved(i, idx, -h)) / h)
                else:
                    columns.append((moved(i, idx, h) - jac) / h)
        return values, jac, np.stack(columns, axis=-1), entry

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


def with_matrix_data(entry, ds) -> list:
    """The data arrays ``ds`` of a call, followed by the signature's matrix data (the
    numbers of its ``QubitUnitary`` matrices, which its compiled code reads from the end of
    ``d``: :func:`qsym._ir.matrix_data`), if it has any.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.QubitUnitary(np.array([[0, 1], [1, 0]]), wires=0)
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> entry, xs, ds = c.compiled((0.5,), {})
    >>> [d.tolist() for d in ds]
    [[0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    tail = getattr(entry, "data_tail", None)
    return ds if tail is None or not tail.size else [*ds, tail]


def flat_concat(arrays, *tail):
    """Concatenate per-measurement arrays over their value axes: ``(values, *tail)`` (an
    input without numbers, ``tail`` holding a 0: the value axes read from each array's
    shape, where ``-1`` cannot be inferred).

    >>> flat_concat([np.zeros((2, 0)), np.zeros((1, 3, 0))], 0).shape
    (5, 0)
    """
    if 0 not in tail:
        return np.concatenate([np.reshape(a, (-1,) + tail) for a in arrays])
    k = len(tail)
    return np.concatenate([np.reshape(a, (int(np.prod(np.shape(a)[:np.ndim(a) - k])),) + tail)
                           for a in arrays])


def qnode(
    device: Device, diff_method: str = DEFAULT_DIFF_METHOD, **kwargs: Any
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

# PennyLane's warning when a finite-shot result is answered from a user's ``cache=``
CACHED_SHOTS_WARNING = (
    "Cached execution with finite shots detected!\nNote that samples as well as all noisy "
    "quantities computed via sampling will be identical across executions. This situation "
    "arises where tapes are executed with identical operations, measurements, and "
    "parameters.\nTo avoid this behaviour, provide 'cache=False' to the QNode or execution "
    "function.")


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
    # PennyLane's argument patterns: (shots=) and (shots) decorate, (qnode, shots=) and
    # (qnode, shots) apply; anything else is refused
    if not args and shots is not _NOT_GIVEN:
        return _shots_decorator(shots)
    if len(args) == 1 and shots is _NOT_GIVEN:
        return _shots_decorator(args[0])
    if len(args) == 1 or (len(args) == 2 and shots is _NOT_GIVEN):
        return _apply_shots(args[0], args[1] if len(args) == 2 else shots)
    raise ArgumentError(
        f"Invalid arguments to set_shots: args={args!r}, shots={shots!r}; write "
        "qml.set_shots(qnode, shots=N), or @qml.set_shots(N) above @qml.qnode(...)"
    )


def _shots_decorator(shots):
    shots_mod.check_shots(shots)  # refuse bad values where they are written
    return functools.partial(_apply_shots, shots=shots)


def _apply_shots(node, shots):
    if not isinstance(node, QNode) and isinstance(getattr(node, "qnode", None), QNode):
        # a gradient transform of a QNode (qml.gradients.param_shift(circuit)): the same
        # transform of the QNode with these shots, as PennyLane's transformed QNode
        return node.with_qnode(_with_shots(node.qnode, shots))
    if not isinstance(node, QNode):
        hint = (" (put @qml.set_shots(...) above @qml.qnode(...), not on the circuit "
                "function)" if callable(node) else "")
        raise ArgumentError(
            f"set_shots can only be applied to QNodes, not {type(node)} provided{hint}"
        )
    return _with_shots(node, shots)


def _with_shots(node, shots):
    new = copy.copy(node)  # shares the compiled signatures
    new._qnode_shots = shots_mod.check_shots(shots)
    new._shots_set = True
    new._grad_fast = new._value_fast = new._jac_fast = None
    new.autodiff_memo = {}
    GATE_REGISTRY.watch(new)  # its own short paths follow a gate defined again, too
    return new


# --- grad, jacobian and hessian ---------------------------------------------------------
_WRAPPERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # fun -> attributes


def _wrapper_attributes(fun) -> dict:
    """What ``functools.update_wrapper(derivative, fun, updated=())`` copies from ``fun``."""
    return {name: getattr(fun, name) for name in functools.WRAPPER_ASSIGNMENTS
            if hasattr(fun, name)}


# functools.WRAPPER_ASSIGNMENTS as Python 3.11 has them: a QNode whose function has all
# five keeps their values as a tuple, set on a derivative by five plain assignments (a
# dictionary copy assigned to ``__dict__`` took twice as long; see _Derivative)
_FIVE = ("__module__", "__name__", "__qualname__", "__doc__", "__annotations__")


def _qnode_wrapper_attributes(node):
    """A QNode's ``_derivative_attrs``: the values of :data:`_FIVE` as a tuple where
    they are exactly what ``update_wrapper`` copies, else the dictionary."""
    attrs = _wrapper_attributes(node)
    if tuple(attrs) == _FIVE and tuple(functools.WRAPPER_ASSIGNMENTS) == _FIVE:
        return tuple(attrs.values())
    return attrs


def _node_attributes(node):
    """The five attributes a derivative of QNode ``node`` copies (:data:`_FIVE`), as a
    tuple, or None (no QNode, or its function's attributes are a dictionary: set on the
    derivative when made)."""
    if node is None:
        return None
    base = node._derivative_attrs
    if base is None:
        base = node._derivative_attrs = _qnode_wrapper_attributes(node)
    return base if type(base) is tuple else None


class _FromNode:
    """``__doc__`` of a derivative class (its own docstring) that, read on a derivative of
    a QNode, is its QNode's (``functools.update_wrapper``'s copy), read when asked, not
    stored per derivative made: the seed's ``qml.grad(circuit)(p)`` makes one per call
    (issue #19). ``__module__``, ``__annotations__`` and ``__qualname__`` are stored: the
    class's own must stay a plain ``str`` and a dictionary (pickle,
    ``typing.get_type_hints`` read them raw), and no class attribute can be named
    ``__qualname__`` (the type's own; a ``__getattr__`` for it slowed every attribute
    read of a derivative: see ``_Derivative``). Not a data
    descriptor: a derivative of any other function keeps its own values (in its
    ``__dict__``), which come first. Installed on every subclass of ``_Derivative``
    (``__init_subclass__``), whose class body's values it keeps for the class."""

    __slots__ = ("index", "value")

    def __init__(self, index, value):
        self.index, self.value = index, value

    def __get__(self, obj, cls=None):
        if obj is not None:
            base = _node_attributes(obj._node)
            if base is not None:
                return base[self.index]
        return self.value

    @staticmethod
    def install(derivative_class):
        own = derivative_class.__dict__
        # (the type calls __get__ for it: ``grad.__doc__`` is the class's docstring)
        derivative_class.__doc__ = _FromNode(3, own.get("__doc__"))


class _TheNode:
    """``fun`` and ``__wrapped__`` of a derivative of a QNode (``qml.grad(circuit)``):
    its ``_node``, read when asked, not stored per derivative made (two stores of its
    0.25 us; the seed's spelling makes one per call). Not a data descriptor: a derivative
    of any other function keeps its own values, which come first. On the class: no such
    attribute (``inspect.unwrap`` of the class stops there)."""

    __slots__ = ("name",)

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, cls=None):
        node = None if obj is None else obj._node
        if node is None:
            raise AttributeError(self.name)
        return node


# what grad.__call__'s first positional parameter holds when no argument was given
_NO_ARGUMENT = object()

# ``_key`` of ``argnum=0`` and ``argnum=1`` and of none given (one tuple each: the short
# paths compare keys by identity before equality)
_INT_KEYS = {0: ((0,), True), 1: ((1,), True)}
_NO_KEY = (None, False)


class _Derivative:
    # the defaults (no argnum, no Catalyst options, not called yet); __init__ sets others
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _FromNode.install(cls)

    # No ``__getattr__`` here (it served ``__qualname__`` lazily): a class with one loses
    # CPython 3.11's specialized attribute reads for every attribute of its instances
    # (``slot_tp_getattr_hook``: two type lookups and the generic lookup per read, about
    # 300 instructions each, counted by callgrind), and the short path reads ``_node``
    # and ``_key`` at each call. ``__qualname__`` is stored with ``__module__`` instead.

    _key = _NO_KEY  # (argnum, _single), one attribute: also grad's short path's key
    argnum = property(lambda self: self._key[0], doc="the differentiated arguments' "
                      "indices (a tuple), or None: the trainable ones")
    _single = property(lambda self: self._key[1])  # one argnum given as an int
    _forward = None
    _qjit_only = None
    _node = None  # the QNode, for grad's short path (None: another function, or options)
    fun = __wrapped__ = _TheNode()  # (a QNode's derivative: _node; any other: its own)

    @property
    def __name__(self) -> str:
        """PennyLane's name of a derivative: ``"<grad: f>"`` for ``qml.grad(f)`` (the
        function's ``__name__``, else its ``repr``)."""
        fun = self.fun
        return f"<{type(self).__name__}: {getattr(fun, '__name__', None) or repr(fun)}>"

    def __init__(
        self,
        fun: Callable[..., Any],
        argnum: int | Sequence[int] | None = None,
        argnums: int | Sequence[int] | None = None,
        h: float | None = None,
        method: str | None = None,
    ) -> None:
        # ``qml.grad(circuit)(params)`` makes one of these per call: a QNode's copy of
        # its function's attributes (functools.update_wrapper's) is kept on the QNode,
        # made once (no weak-key lookup, no memo that could keep anything alive), set by
        # plain assignments, and the common argnums (none, an int) skip normalize_argnum.
        # Whether the QNode's compiled derivatives answer (``compiled_directly``) is not
        # decided here but at each call: by the full path (``_direct``), or by the short
        # paths' own checks of what it reads (_short_path, _jacobian_path), which a
        # derivative kept and called again needs too.
        if type(fun) is QNode and h is None and method is None:
            base = fun._derivative_attrs
            if base is None:  # (argnum, _single, _key, _forward, _qjit_only: the class's)
                base = fun._derivative_attrs = _qnode_wrapper_attributes(fun)
            if type(base) is tuple:  # (__name__ is the class's property: PennyLane's;
                # __doc__ read from _node when asked: _FromNode)
                self.__module__, self.__annotations__ = base[0], base[4]
                self.__qualname__ = base[2]
            else:
                self.__dict__.update(base)
            self._node = fun  # (``fun`` and ``__wrapped__``: _TheNode reads it)
            # ``_key`` always in the instance's dictionary (grad.__call__ reads it at each
            # call; CPython 3.11 specializes that read only where the instance holds it)
            if argnum is None and argnums is None:
                self._key = _NO_KEY
            elif argnums is None and type(argnum) is int:
                self._key = _INT_KEYS.get(argnum) or ((argnum,), True)
            else:
                self._key = normalize_argnum(argnum, argnums)
            return
        if not callable(fun):
            raise DifferentiationError(
                f"{type(self).__name__} needs a function (a QNode, or a Python function "
                f"calling QNodes); got {type(fun).__name__}"
            )
        self.fun = fun
        self._key = normalize_argnum(argnum, argnums)
        self._forward = None
        # PennyLane's Catalyst options (qml.qjit only): refused at the call, as PennyLane does
        self._qjit_only = (method, h) if method or h else None
        # grad's short path: a QNode without Catalyst options (see grad.__call__)
        self._node = fun if _direct(fun) and self._qjit_only is None else None
        # functools.update_wrapper(self, fun, updated=()), the attributes copied once per
        # function (qml.grad(f)(x) makes a grad per call)
        try:
            wrapper = _WRAPPERS[fun]
        except (KeyError, TypeError):
            wrapper = _wrapper_attributes(fun)  # (nothing that refers to fun: a weak key)
            try:
                _WRAPPERS[fun] = wrapper
            except TypeError:  # not hashable or not weakly referable: copied each time
                pass
        self.__dict__.update(wrapper)
        self.__wrapped__ = fun

    @property
    def forward(self):
        """The function's value at the point of the last call (PennyLane's ``forward``)."""
        f = self._forward
        if f is None:
            return None
        if type(f) is np.ndarray:  # grad's short path: a QNode's one value, ``out``
            return _pl_forward_type(self.fun, f[0])
        if f[0] != "qnode":
            return f[1]
        value = format_values(*f[1])
        return _pl_forward_type(self.fun, value) if f[1][0] == "scalar" else value

    def _refuse_qjit_options(self):
        method, h = self._qjit_only
        if method:
            raise DifferentiationError(
                f"method = '{method}' unsupported without QJIT. Must be `None`. (qsym has no "
                "qml.qjit: its derivatives are the QNodes' own exact methods)")
        raise DifferentiationError(
            f"h = {h} unsupported without QJIT. Must be ``None``. (For finite differences "
            "give the QNode diff_method='finite-diff', h=...)")

    def _diff_indices(self, args):
        """Which arguments to differentiate, as indices: ``argnum``'s, or without it
        PennyLane's trainable arguments (:func:`qsym._autodiff.trainable_indices`:
        ``requires_grad`` tensors and autograd boxes; not plain floats, lists or plain
        NumPy arrays)."""
        diff = self.argnum
        if diff is None:
            return autodiff.trainable_indices(args, getattr(self.fun, "static_positions", ()))
        n = len(args)
        autodiff.check_argnum(diff, n)
        diff = diff if all(i >= 0 for i in diff) else tuple(i % n for i in diff)
        autodiff.check_named(args, diff)
        return diff

    def _blocks(self, entry, diff):
        blocks = entry.blocks
        if diff is not None and diff != entry.diff_args:  # argnum order, e.g. [1, 0]
            blocks = tuple(blocks[entry.diff_args.index(i)] for i in diff)
        if not blocks:  # PennyLane warns and returns () (callers check)
            return (), False
        single = self._single or (self.argnum is None and len(blocks) == 1)
        return blocks, single

    def _nothing(self, args, kwargs):
        """No trainable argument: PennyLane's warning and ``()``; ``forward`` is the
        function's value (as PennyLane's ``grad``)."""
        result = autodiff.no_trainable()
        self._forward = ("plain", self.fun(*args, **kwargs))
        return result

    def _jacobian(self, args, kwargs):
        diff = self._diff_indices(args)
        if not diff:
            return None, None, (), False
        out, jac, entry = self.fun.value_and_jacobian(args, kwargs, diff)
        blocks, single = self._blocks(entry, diff)
        return self._per_measurement(entry, out, jac), entry, blocks, single

    def _per_measurement(self, entry, out, jac):
        """The Jacobians per measurement of ``value_and_jacobian``'s ``out`` and ``jac``
        (the rows as they are for a broadcast or simple signature), ``forward`` set to the
        values (jacobian's short path, :func:`_jacobian_path`, runs this too)."""
        if entry.broadcast or entry.simple:
            self._forward = ("qnode", (entry.circuit.output, out))
            return jac
        values, jacs = (out, jac) if entry.has_state else measurements(entry.post, out, jac)
        self._forward = ("qnode", (entry.circuit.output, values))
        return jacs

    def _hybrid(self, how, args, kwargs):
        """Any other function (or a QNode called inside an outer derivative): autograd."""
        result, ans = how(self.fun, args, kwargs, self.argnum, self._single)
        self._forward = ("plain", ans)
        return result


def _pl_forward_type(node, value):
    """``value`` (a QNode's one expectation value or variance, the ``forward`` of its
    gradient) as PennyLane 0.45.1's ``grad.forward`` holds it: autograd's unboxed answer,
    a 0-d ndarray from a device's derivatives (``lightning.qubit``, parameter shift,
    adjoint, shots), and from ``default.qubit``'s backpropagation too, except where its
    measurement is a dot product or a sum (``np.float64``): the expectation of a
    ``Hermitian``, ``SparseHamiltonian``, ``Sum`` or ``Hamiltonian``, and a variance."""
    if not isinstance(node, QNode) or np.ndim(value) != 0:
        return value
    found = getattr(getattr(getattr(node, "_last", None), "circuit", None), "measurements", None)
    if not found or len(found) != 1 or found[0].kind not in ("expval", "var"):
        return value
    m = found[0]
    if pl_backpropagates(node) and (m.kind == "var" or m.split[0] in ("sum", "hamiltonian")
                                    or m.label[1] in ("Hermitian", "SparseHamiltonian")):
        return np.float64(value)
    return np.asarray(value)


def _direct(fun) -> bool:
    """Whether ``fun`` is a QNode whose compiled derivatives answer (not transformed)."""
    return isinstance(fun, QNode) and fun.compiled_directly


def _has_tensor(args, kwargs) -> bool:
    """Whether an argument is a ``qsym.numpy`` tensor (PennyLane's autograd interface),
    also inside a list or tuple argument (``circuit([x[0], x[1]])`` with ``x`` a tensor:
    PennyLane reads the interface from the gates' parameters, which are those tensors)."""
    for a in args:
        if isinstance(a, tensor) or (type(a) in (list, tuple) and _holds_tensor(a)):
            return True
    if kwargs:
        for a in kwargs.values():
            if isinstance(a, tensor) or (type(a) in (list, tuple) and _holds_tensor(a)):
                return True
    return False


def _reads_arguments(entry) -> bool:
    """Whether a gate parameter or an observable's coefficient of the entry's circuit is
    an expression of the arguments, or may hold a tensor (a template the device applies
    whole whose data hold a trainable tensor, PennyLane's parameters; an observable with
    coefficients or a matrix: always). A per-call trace's input used by value
    (``x.item()``, ``float(x)``) is a number in the gate, as in PennyLane's tape; a gate
    that holds a tensor made from it is a tensor constant (``entry.tensor_constants``).
    PennyLane takes its interface from the tape's parameters: a tensor argument no gate
    uses leaves them NumPy's (``np.float64`` results). Kept on the entry after the
    first call.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.Hadamard(wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> type(c(np.array(0.3))).__name__           # x is not a gate's parameter
    'float64'
    """
    held = getattr(entry, "reads_arguments", None)
    if held is None:
        c = getattr(getattr(entry, "element", entry), "circuit", None)
        held = (c is None or getattr(entry, "whole_templates", True)
                or any(getattr(p, "free_symbols", None) for op in c.ops for p in op.params)
                or any(len(m.terms) > 1 or m.sampling[:1] not in ((), ("pauli",))
                       or any(cf != 1 for cf, _ in m.terms) for m in c.measurements))
        try:
            entry.reads_arguments = held
        except AttributeError:  # (a frozen or slotted entry: asked again next time)
            pass
    return held


def _values_only_module(entry) -> bool:
    """The entry's module was made for values only (``VALUE_UNROLLED``,
    :func:`qsym._emit.emit_module`): its gradients are not written out, so a gradient
    makes the full module (:meth:`QNode._with_derivatives`)."""
    module = getattr(getattr(entry, "element", entry), "module", None)  # (a Broadcast's)
    if isinstance(module, tiers.LazyModule) and module.interpreted():
        return module.values_only  # (its text not made: qsym._interp.InterpretedModule)
    return isinstance(module, tiers.LazyModule) and "VALUE_UNROLLED" in module.namespace


def _tensor_constants(items) -> bool:
    """Whether a recorded gate has a ``qsym.numpy`` tensor as a constant parameter (a
    module-level or closure tensor, a template's weights made with ``qsym.numpy``):
    PennyLane takes its interface from the gates' parameters, so its results are then
    autograd's, whatever the arguments."""
    return any(t is not None for op in items for t in getattr(op, "_tensors", ()) or ())


def _holds_tensor(seq) -> bool:
    """Whether a (nested) list or tuple holds a ``qsym.numpy`` tensor."""
    for a in seq:
        if isinstance(a, tensor) or (type(a) in (list, tuple) and _holds_tensor(a)):
            return True
    return False


def typed_results(node, out, args, kwargs):
    """A result ``out`` of ``node`` called with ``args`` and ``kwargs`` (a value, or a
    tuple or list of them) with the types :func:`result_types` gives the QNode's own
    results (a transformed QNode's results, :mod:`qsym._transform`).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> c = qml.QNode(lambda x: qml.expval(qml.PauliZ(0)), qml.device("default.qubit", wires=1))
    >>> typed_results(c, (0.5, np.float64(1.0)), (np.array(0.1),), {})
    (tensor(0.5, requires_grad=True), tensor(1., requires_grad=True))
    """
    autograd = node.interface == "autograd" or _has_tensor(args, kwargs)
    if isinstance(out, (tuple, list)) and any(isinstance(o, (tuple, list)) for o in out):
        return type(out)(typed_results(node, o, args, kwargs) for o in out)  # a shot vector's
    if isinstance(out, (tuple, list)):
        return type(out)(result_types(node, list(out), autograd))
    return result_types(node, [out], autograd)[0]


def result_types(node, values, autograd: bool) -> list:
    """The types PennyLane 0.45 gives a QNode's results. With the autograd interface
    (``interface="autograd"`` or a ``qsym.numpy`` tensor argument): ``qsym.numpy`` tensors
    (``requires_grad=True``) where PennyLane backpropagates (``default.qubit`` or
    ``default.mixed``, no shots, ``diff_method`` ``"best"``, ``"backprop"`` or not
    given), plain NumPy arrays (0-d for
    a scalar) for every other method or device (its autograd primitive's output).
    Without it: NumPy scalars and arrays, but a Python ``float`` for an exact
    (no shots) ``expval`` or ``var`` of ``lightning.qubit`` (as PennyLane-Lightning returns;
    its quantities of the state and every sampled value are NumPy's). Counts (dicts) stay as they are.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> dev = qml.device("default.qubit", wires=1)
    >>> for method in ("best", "parameter-shift"):
    ...     c = qml.QNode(lambda x: (qml.RX(x, wires=0), qml.expval(qml.PauliZ(0)))[1], dev,
    ...                   diff_method=method)
    ...     print(type(c(np.array(0.5))).__name__)
    tensor
    ndarray
    """
    if autograd:
        if pl_backpropagates(node) or (node.resolved_method == "adjoint"
                                       and node.device.name == "default.qubit"
                                       and not node.configured_shots()):
            scalar = _state_scalars(node, len(values))
            if any(scalar):  # (default.qubit's own measurement code: NumPy's float)
                return [np.float64(v) if s and np.ndim(v) == 0 else
                        (np.asarray(v) if not pl_backpropagates(node) and isinstance(
                            v, (np.ndarray, np.generic, float, int)) else
                         _as_tensor(v) if pl_backpropagates(node) else v)
                        for s, v in zip(scalar, values)]
        if pl_backpropagates(node):
            return [_as_tensor(v) for v in values]
        return [np.asarray(v) if isinstance(v, (np.ndarray, np.generic, float, int)) else v
                for v in values]
    if node.device.name == "lightning.qubit" and not node.current_shots():
        entry = node._last  # the signature just run: its measurements' kinds
        kinds = ([p[0] for p in entry.post] if entry is not None
                 and len(entry.post) == len(values) else ["expval"] * len(values))
        return [float(v) if kind in ("expval", "var") and (
            isinstance(v, (np.floating, float)) or (
                isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind == "f")) else v
            for kind, v in zip(kinds, values)]
    return values


_STATE_SCALARS = ("purity", "vn_entropy", "mutual_info")


def _state_scalars(node, n) -> list:
    """Per result of the signature just run (``node._last``), whether it is a number
    computed from the state (``qml.purity``, ``qml.vn_entropy``, ``qml.mutual_info``): on
    ``default.qubit`` and ``default.mixed`` PennyLane 0.45.1 returns those as NumPy's
    ``float64`` under the autograd interface (backpropagation, and default.qubit's adjoint
    method), not as a trainable tensor or a 0-d array."""
    entry = node._last
    circuit = getattr(entry, "circuit", None) or getattr(getattr(entry, "element", None),
                                                         "circuit", None)
    found = getattr(circuit, "measurements", ())
    if len(found) != n:
        return [False] * n
    return [m.kind == "state" and bool(m.reduce) and m.reduce[0] in _STATE_SCALARS
            for m in found]


def _as_tensor(value):
    """A result as PennyLane's autograd interface returns it: a ``qsym.numpy`` tensor
    (``requires_grad=True``); counts (a dict) as they are."""
    if isinstance(value, (np.ndarray, np.generic, float, int)) and not isinstance(value, tensor):
        # tensor(value, requires_grad=True) without its keyword call (1.3 us of 2.8): a
        # view of a plain array is trainable (tensor.__array_finalize__)
        return _as_ndarray(value).view(tensor)
    return value


_as_ndarray = np.asarray


class grad(_Derivative):
    """The gradient of a scalar-valued function, as a function of the same arguments.

    Args:
        fun: a QNode returning one expectation value, or any Python function of floats
            and arrays that calls QNodes and combines their results with
            ``qsym.numpy`` arithmetic (a hybrid cost, differentiated with autograd:
            :mod:`qsym._autodiff`).
        argnum / argnums: which positional argument(s) to differentiate: an int (the
            gradient has that argument's shape), a list (a tuple of gradients), or None:
            PennyLane's trainable arguments, those with ``requires_grad=True``
            (``qsym.numpy`` tensors, by default) or autograd boxes, one gradient if there
            is one, else a tuple. Plain Python floats, lists and plain NumPy arrays are
            not trainable (give ``argnum``, or make them ``qsym.numpy`` tensors); with no
            trainable argument, PennyLane's ``UserWarning`` and ``()``; a trainable
            integer tensor raises :class:`DifferentiationError` (a ``ValueError``,
            PennyLane's "Autograd does not support differentiation of ints.").

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
    >>> from qsym import numpy as np
    >>> qml.grad(circuit2)(np.array(0.54), 0.12)   # only the tensor is trainable
    tensor(-0.51043865, requires_grad=True)
    """

    def __call__(self, first: Any = _NO_ARGUMENT, /, *args: Any, **kwargs: Any) -> Any:
        # (the first argument apart: the short path's case; a failed check returns at once:
        # no jump spans the body, which CPython 3.11 reads with an EXTENDED_ARG past 255)
        node = self._node
        if node is None or args or kwargs or first is _NO_ARGUMENT:
            return self._general(first, args, kwargs)
        fast = node._grad_fast
        if fast is None or not ((key := fast[0]) is self._key or key == self._key):
            return self._general(first, args, kwargs)
        hot = fast[2]
        if hot is None:
            return self._closure(fast, first)
        # the short path's common cases written out: one frame fewer (the closure's: 6% of
        # the seed's call). ``call``'s checks and steps for a trainable tensor, or with
        # argnum a list of floats, through the fused entry point it saw, no Tracker
        # (``call.hot``); any other case or failed check is ``call``'s, before any effect
        (device, method, recording, guard, bound, own, entry, fields, name, seen, held,
         rc, wrc, alone_row, alone_out, no_data, runs, empty, n_out, jac_shape, n, step,
         lists) = hot  # (_HOT_NAMES)
        arr = first
        if type(first) is not tensor:
            arr = _NOT_TAKEN
            if lists is not None and type(first) is list and len(items := tuple(first)) == n:
                # floats only (else _floats_array's), read at one instant (another thread
                # may change the list: its items copied), written into _list_input's array
                (views, listed, kept, put, alone_put, alone_lout, alone_ljac,
                 alone_view) = lists
                if put is None:  # (a long list: converted by NumPy)
                    arr = _floats_array(first, True, _NOT_TAKEN, n)
                else:
                    if rc(put) != alone_put:
                        put = memoryview(kept := empty(n))
                    i = 0
                    for v in items:
                        if type(v) is not float:
                            arr = _floats_array(first, True, _NOT_TAKEN, n)
                            break
                        put[i] = v
                        i += 1
                    else:
                        arr = kept
        elif first.requires_grad is not True:
            arr = _NOT_TAKEN
        dev = node.device
        # the array as the entry point takes it: float64, 1-D of the remembered length,
        # contiguous (strides and len read no flags object); any alignment and
        # writeability (the entry point only reads it, an element at a time: an unaligned
        # or read-only array reads the same numbers; the dispatcher would compile it anew).
        # A list's array is that by construction (n floats: the kept array, or NumPy's)
        if not ((arr is first and arr.dtype is F64 and arr.strides == step and len(arr) == n
                 or arr is not first and arr is not _NOT_TAKEN)
                and node.method == method and dev is device
                and not (node._qnode_shots if node._shots_set else dev.given_shots)
                and not recording and (guard is None or guard())
                and not node.pipeline  # (diff_method, gradient_kwargs changed: _grad_fast None)
                and type(ex := dev.execute) is bound and ex == own
                and fields.get(name, _NOT_TAKEN) is seen[0]  # (the entry point now)
                and not dev.trackers):
            return self._closure(fast, first)
        if arr is first:
            out, jac, row = held  # (``call``'s: kept, or new where referred to)
            # (``row`` owns the memory, ``jac`` is its view: only ``row`` can be reached).
            # Each count read, then ``held`` checked to hold it still: a call switched in
            # before the count (a tracer's or profiler's Python code runs there) may have
            # replaced ``held``, its reference then missing, made up for by a caller's
            if row is None or rc(row) != alone_row or wrc(row) or held[2] is not row:
                row = empty(n)
                jac = row[None]
                if rc(out) != alone_out or held[0] is not out:
                    out = empty(n_out)
                held[:] = out, jac, row
            elif rc(out) != alone_out or held[0] is not out:  # (a kept ``forward``)
                out = held[0] = empty(n_out)
        else:
            # a list: its kept arrays and row views, a new list (_unshared_list_counts)
            out, jac, row = listed  # (``listed`` checked after the counts: as ``held``)
            if row is not None and rc(jac) == alone_ljac and not wrc(jac) and (
                    listed[1] is jac):
                for v in row:
                    if rc(v) != alone_view or wrc(v):
                        row = None
                        break
            else:
                row = None
            if rc(out) != alone_lout or listed[0] is not out:
                out = None  # (referred to elsewhere: a new one)
            if row is None or out is None:
                out, jac, row = _listed_anew(listed, views, jac_shape, out, row)
        try:
            seen[1](arr, no_data, out, jac)
        except ValueError:  # (non-finite input: ``call`` raises the full path's error)
            return self._closure(fast, first)
        dev.num_executions += runs
        dev.num_calls += 1
        node._last = entry
        self._forward = out
        return row if arr is first else [*row]

    def _closure(self, fast, first):
        """A call of one argument ``first`` that grad.__call__ does not answer itself:
        the short path's closure ``fast[1]`` (:func:`_short_path`), else the full path."""
        result = fast[1](self, first)
        if result is not None:
            return result
        return self._general(first, (), {})

    def _general(self, first, args, kwargs):
        """A call the short path does not answer (``args`` all but ``first``)."""
        if first is not _NO_ARGUMENT:
            args = (first, *args)
        if self._qjit_only is not None:
            self._refuse_qjit_options()
        fun = self.fun
        if _direct(fun):
            attempt = trace.Attempt(getattr(fun, "func", None))  # (undone if abandoned)
            try:
                with attempt:
                    jac, entry, blocks, single = self._jacobian(args, kwargs)
            except Boxed:  # inside an outer derivative (qml.jacobian(qml.grad(f)))
                attempt.restore()
                return self._hybrid(autodiff.grad, args, kwargs)
            except (executors.ShadowDerivative, ByValueDerivative):  # on its tapes
                attempt.restore()  # PennyLane runs the function once: one shadow seed drawn
                return self._typed(args, self._structured(args, self._hybrid(
                    autodiff.grad, args, kwargs)))
            if not blocks:
                return self._nothing(args, kwargs)
            reduce = entry.circuit.measurements[0].reduce
            one_number = entry.circuit.output == "scalar" and entry.post[0][3] == () and not (
                entry.has_state and reduce[:1] in ((), ("density_matrix",)))
            if one_number and entry.broadcast and entry.size == 1:
                # a batch of one parameter set: one number of shape (1,), as autograd's
                # grad under PennyLane takes it (qml.RX(np.array([0.3]), 0)): the one row
                # of the Jacobian just computed (the circuit runs once); PennyLane's
                # backpropagation gives it as a trainable tensor (its output's type)
                result = self._typed(args, self._structured(args, pick(jac[0][0], blocks, single)),
                                     fun)
                if isinstance(fun, QNode) and pl_backpropagates(fun) and type(result) is np.ndarray:
                    result = tensor(result, requires_grad=True)
                return result
            if not one_number or entry.broadcast:
                what = ', '.join(m.kind for m in entry.circuit.measurements)
                if entry.broadcast:
                    what += f" for a batch of {entry.size} parameter sets"
                raise ScalarOutputError(
                    "grad only applies to real scalar-output functions (one number); this "
                    f"QNode returns {what} "
                    "(not one scalar): use qml.jacobian"
                )
            if not kwargs and len(args) == 1 and self._node is fun:
                self._remember(fun, args[0], entry, blocks, single)
            return self._typed(args, self._structured(args, pick(jac[0], blocks, single)),
                               fun)
        return self._typed(args, self._structured(args, self._hybrid(autodiff.grad, args,
                                                                     kwargs)),
                           fun if isinstance(fun, QNode) else None)

    def _typed(self, args, result, node=None):
        """PennyLane's types: the gradient by a 0-d ``qsym.numpy`` tensor is a 0-d tensor
        (``requires_grad=True``; autograd keeps a scalar argument's type), by anything
        else an array (or, for a list argument, a list); inside an outer derivative the
        boxes as they are. The gradient of a QNode ``node`` itself that PennyLane does not
        backpropagate is its autograd primitive's: a NumPy float for a 0-d argument."""
        if not any(type(a) is tensor and a.ndim == 0 for a in args) or any(
                autodiff.has_box(a) for a in args):
            return result
        idx = self._diff_indices(args)
        scalar = _tensor_if_scalar
        if node is not None and not pl_backpropagates(node):
            scalar = _float_if_scalar
        if not isinstance(result, tuple) or len(idx) == 1 and (
                self._single or self.argnum is None):
            return scalar(args[idx[0]], result)
        return tuple(scalar(args[i], r) for i, r in zip(idx, result))

    def _structured(self, args, result):
        """A gradient by a list or tuple argument in that container (a list of 0-d
        arrays), as autograd (PennyLane's ``qml.grad``) returns it; arrays as they are."""
        if self.argnum is None or isinstance(result, tuple) and not result:
            return result  # only tensors are trainable: arrays; or nothing trainable
        if self._single:
            return _like_container(args[self.argnum[0]], result)
        return tuple(_like_container(args[k], r) for k, r in zip(self.argnum, result))

    # The common case, the gradient of a QNode of one float64 array (a qsym.numpy tensor
    # with requires_grad=True; with argnum=0 also a plain ndarray or a list of floats),
    # again and again, on a short path (docs/design.md, "Tiny circuits written out"). The
    # QNode remembers the last such call's compiled signature; a call takes this path only
    # when nothing can differ from that call: one argument, a C-contiguous float64 array
    # (or a list of floats making one) of the same shape, no keyword arguments, the same
    # argnum, no shots, not inside a circuit trace, an exact method. Anything else (nested
    # lists, tensors not trainable, autograd boxes, other shapes or dtypes) goes the full
    # way, which gives the same results.
    def _remember(self, node, a, entry, blocks, single):
        path = _gradient_path(self.argnum, node, a, entry, blocks, single)
        node._grad_fast = None if path is None else (self._key, path, path.hot)
        if path is not None and node._compiled.get(((TRAIN, np.shape(a)),)) is not entry:
            # the signature was dropped meanwhile (a gate defined again by another thread:
            # QNode._gates_changed drops signatures, then short paths): a path remembered
            # after that would answer with the old definition at every later call
            node._grad_fast = None


def _gradient_path(argnum, node, a, entry, blocks, single):
    """grad's short path (:func:`_short_path`) for a call of ``node`` with the one
    argument ``a`` that was just answered by ``entry`` (differentiated by ``argnum``,
    the result split by ``blocks``, ``single``), or None where it does not apply."""
    if type(a) is list and argnum is not None and a and type(a[0]) is float:
        a = np.asarray(a)  # (the full path took it: classify's list of floats)
    if (not _plain_trainable(a, argnum) or a.dtype is not F64 or a.ndim < 1
            or not a.flags.c_contiguous or not entry.simple or node.current_shots()
            or node.method not in ("parameter-shift", "adjoint")
            or node.resolved_method == "hadamard"  # (its check at each call: value_and_jacobian)
            or getattr(entry, "mixed", False) or node._route[3]  # (a user's own execute)
            # (the first answer is counted by the full path: the flag never comes back)
            or executors.waiting_for_first_answer
            or node._compiled.get(((TRAIN, a.shape),)) is not entry):
        return None
    # a 1-D argument differentiated alone: the gradient is row 0 of the Jacobian (of
    # an n-D array, its flat order: row 0 reshaped by pick; the kernel takes it flat)
    whole = single and a.ndim == 1 and blocks == ((0, a.shape[0], a.shape),)
    return _short_path(node, entry, a.shape, argnum is not None, whole, blocks, single)


def _short_path(node, entry, shape, any_ndarray, whole, blocks, single):
    """grad's short path for one remembered signature: ``call(derivative, a)``, the
    gradient at ``a`` (and the derivative's ``forward`` set), or None where the path does
    not apply (the full path then computes it). Every check of the full path that can
    differ between two calls is made here, at each call, its constants bound: the
    argument's type and trainability (with ``argnum``, a list of floats as ``classify``
    takes it), dtype, shape and layout, the QNode's method and shots, no circuit being
    traced, what :attr:`QNode.compiled_directly` reads; the compiled code refuses a
    non-finite input (the full path's error). Signature: :meth:`grad._remember`."""
    method, device, diff_method = node.method, node.device, node.resolved_method
    bound = types.MethodType  # own: ``dev.execute`` now; unequal to one a spy replaced
    own = bound(type(device).execute, device)  # (on the device or its class)
    executor, name, runs = _direct_call(entry, method, node)
    circuit, empty, n_out = entry.circuit, np.empty, entry.module.NUM_OUTPUTS
    seen = [None, None]  # the fused entry point last seen (Compiled._fused), its entry point
    jac_shape = (n_out, entry.module.NUM_INPUTS)
    ndarray, as_ndarray = np.ndarray, np.ndarray.view
    recording = trace.RECORDING  # empty: no circuit traced on any thread
    no_data = with_matrix_data(entry, [_NO_DATA])[-1]  # (the key has no data arguments)
    guard = entry.guard  # what the circuit read besides its arguments (qsym._guards)
    contiguous, typed, rc = _C_CONTIGUOUS, _TYPED_AS_PLAIN, sys.getrefcount
    wrc = weakref.getweakrefcount  # (a weak reference to a result: it is not reused)
    # the fused tier's last out, jac, jac[0], written again while only this path has them
    held, (alone_row, alone_jac, alone_out), reuse = _unshared_counts(n_out, jac_shape)
    fresh = _fresh_gradient
    views, read_entry, flat_size = _path_getters(shape, name)
    listed, alone_list = _unshared_list_counts(n_out, jac_shape, views, reuse)

    def call(g, a):
        t, arr = type(a), a
        if t is tensor:
            if a.requires_grad is not True:
                return None
        elif t is not ndarray or not any_ndarray:
            if t is not list or not any_ndarray or (arr := _floats_array(a)) is None:
                return None
        flags = arr.flags.num
        dev = node.device
        if (arr.dtype is not F64 or arr.shape != shape or not flags & contiguous
                or node.method != method or dev is not device
                or (node._qnode_shots if node._shots_set else dev.given_shots)
                or recording
                or (guard is not None and not guard())
                # compiled_directly's parts that can change (not the device's class, its
                # run_qnode, applied_transforms: fixed per device object) and a spy
                or node.pipeline or node.resolved_method is not diff_method
                or (node.gradient_kwargs and node.tape_argnum() is not None)
                or type(ex := dev.execute) is not bound or ex != own):
            return None
        row = None
        if flat_size is not None:  # an n-D array: its C-order flat view (the full path's)
            arr, t = as_ndarray(arr, ndarray).reshape(flat_size), ndarray
        try:
            if name is None:
                x = arr if t is not tensor else as_ndarray(a, ndarray)
                out, jac = execute(node, entry, executor, x, no_data, ((x,), ()))
            else:
                try:
                    vg = read_entry(entry)  # the entry point now (the tiers swap it)
                    if vg is seen[0] and flags & typed == typed:  # fused: its body, inline
                        out, jac, row = held  # reused where nothing else refers to them
                        if (row is None or rc(row) != alone_row or rc(jac) != alone_jac
                                or wrc(row) or wrc(jac)):
                            jac, row = fresh(jac_shape)
                            if rc(out) != alone_out or held[0] is not out:
                                out = empty(n_out)
                            if reuse:
                                held[:] = out, jac, row
                        elif rc(out) != alone_out or held[0] is not out:  # (grad.__call__'s)
                            out = held[0] = empty(n_out)
                        seen[1](arr, no_data, out, jac)  # (a tensor as it is: see above)
                    else:
                        x = arr if t is not tensor else as_ndarray(a, ndarray)
                        into = getattr(vg, "fused", None)
                        out, jac = vg(x, no_data)
                        ep = None if into is None else _entry_point(into, x, no_data, out, jac)
                        seen[:] = (None, None) if ep is None else (vg, ep)
                except ValueError as exc:
                    executors.raise_nonfinite(circuit, (as_ndarray(
                        arr if flat_size is None else a, ndarray),), (), exc)
                if dev.trackers:  # (waiting_for_first_answer is False: _gradient_path)
                    executors.count(node, entry, executor, (out, jac), runs)
                else:  # executors.count's counters, inline
                    dev.num_executions += runs
                    dev.num_calls += 1
        except templates.ZeroBlock:
            return None  # the full path computes it
        node._last = entry
        g._forward = out  # (``forward``: ``("qnode", ("scalar", out))`` made lazily)
        row = jac[0] if row is None else row
        if t is list:  # whole: _structured's list of 0-d arrays (here views of the row)
            return (([*views(row)] if shape[0] != 1 else [views(row)]) if whole
                    else g._structured((a,), pick(row, blocks, single)))
        return row if whole else pick(row, blocks, single)

    call.hot = (_hot_constants(call, listed=listed, alone_list=alone_list)
                if name and flat_size is None and whole and reuse  # (argnum: read once;
                and node.tape_argnum() is None else None)  # _WatchedKwargs)
    return call


# the constants of _short_path's ``call`` that grad.__call__ reads to answer the common
# cases itself (a trainable tensor, or with argnum a list of floats, of a 1-D signature,
# its gradient the whole row, through the fused entry point ``call`` saw, into the kept
# arrays or new ones as ``call`` makes them), in its unpacking order: the closure's
# variables of these names (``name``: the entry point's), and ``fields`` (the entry's
# ``__dict__``, where the tiers set its entry points: a dictionary read, where the
# attribute read is CPython 3.11's generic lookup, the class having a method of that
# name), ``n`` (the length), ``step`` (the strides of a contiguous float64 array of one
# dimension), ``lists`` (where ``call`` takes a list: _list_input's tuple; else None).
# Not ``diff_method``: assigning it drops the QNode's ``_grad_fast`` (_forget_function)
_HOT_NAMES = ("device", "method", "recording", "guard", "bound", "own",
              "entry", "fields", "name", "seen", "held", "rc", "wrc", "alone_row",
              "alone_out", "no_data", "runs", "empty", "n_out", "jac_shape", "n", "step",
              "lists")


def _hot_constants(call, **more) -> tuple | None:
    """The objects ``call``'s closure holds under :data:`_HOT_NAMES` (the same objects:
    the lists ``seen`` and ``held`` are shared, so both read what either wrote), those
    given in ``more`` (the list form's kept arrays, which only grad.__call__ uses), and
    the derived ones named there; None for an entry point other than the fused
    gradients' (:data:`qsym._executors.DIRECT`: ``call`` then answers)."""
    cells = {k: c.cell_contents for k, c in zip(call.__code__.co_freevars, call.__closure__)}
    cells.update(more)
    name = cells["name"]
    n = cells["shape"][0]
    # (grad.__call__ makes and checks the kept arrays of one row: _fresh_gradient's)
    fields = getattr(cells["entry"], "__dict__", None)  # (where the tiers set entry points)
    if (name not in ("value_and_grad", "value_and_grad_adjoint") or cells["jac_shape"] != (1, n)
            or type(fields) is not dict):
        return None
    cells.update(fields=fields, n=n, step=(F64.itemsize,),
                 lists=_list_input(cells["views"], cells["listed"], cells["alone_list"], n)
                 if cells["any_ndarray"] else None)
    return tuple(cells[k] for k in _HOT_NAMES)


def _list_input(views, listed, alone_list, n) -> tuple:
    """grad.__call__'s constants for a list argument of ``n`` floats: ``(views, listed,
    kept, put, alone_put, *alone_list)``, ``views``, ``listed`` and the three counts
    ``alone_list`` :func:`_short_path`'s, ``put`` a memoryview of ``kept``, a float64
    array of length ``n`` (the array the entry point reads) that the list's floats are
    written into, ``alone_put`` the count
    ``sys.getrefcount`` gives it at grad.__call__'s check while no call holds it (a call
    in progress on another thread holds it in a local name until it returns: its input
    is then not written over, a new array is). Above :data:`LIST_WRITE_MAX` floats
    ``put`` is None (the list converted by NumPy: a Python loop's item writes cost more
    there than the conversion)."""
    if n > LIST_WRITE_MAX:
        return (views, listed, None, None, -1, *alone_list)
    kept = np.empty(n)
    lists = (views, listed, kept, memoryview(kept))
    put = lists[3]  # (the tuple's reference and a local name, as in grad.__call__)
    alone = sys.getrefcount(put)
    del put
    return (*lists, alone, *alone_list)


# grad.__call__ writes a list of at most this many floats into a kept array (above, NumPy
# converts it: its own loop, a copy and a new array, against about 900 instructions an item
# written in place: benchmarks/results/call68-2026-12-07.md measured both at 2, 3 and 6 floats)
LIST_WRITE_MAX = 8


# what grad.__call__'s short path does not take (a dtype no array has)
_NOT_TAKEN = types.SimpleNamespace(dtype=None)




def _floats_array(a, taken=True, refused=None, n=None):
    """``classify``'s array of ``a``, a list taken as a list of floats (not empty, its
    first item a Python float): ``np.asarray(a)``; ``refused`` where NumPy refuses it, for
    anything else, or where ``taken`` is None (lists not taken). With ``n``, also where
    the array is not float64 of shape ``(n,)`` (the list changed while it was read:
    grad.__call__ gives it to the entry point unchecked). The items are read once
    (``tuple(a)``): another thread changing the list between the check and the conversion
    would have made an array of items never checked (an int where PennyLane raises; adv67)."""
    if type(a) is not list or taken is None:
        return refused
    a = tuple(a)
    if not a or type(a[0]) is not float:
        return refused
    for v in a:  # (a bool or an int: the full path's refusal by argnum, not its number)
        if not isinstance(v, float):
            return refused
    try:
        arr = _as_ndarray(a)
    except ValueError:
        return refused
    return arr if n is None or arr.dtype is F64 and arr.shape == (n,) else refused


def _no_views(row) -> tuple:
    return ()


def _path_getters(shape, name):
    """grad's short path's two getters (C calls, no frame of their own) for an argument
    of ``shape``: the 0-d views ``row[i, ...]`` of a gradient row of length ``n =
    shape[0]``, for a list argument (a tuple of them for ``n > 1``, else the one view;
    none for ``n = 0``, an empty argument), and the entry point ``name`` of a compiled
    signature (None for None); and the size of an n-D argument's flat view (None for a
    1-D one)."""
    n = shape[0]
    views = operator.itemgetter(*((i, Ellipsis) for i in range(n))) if n else _no_views
    return (views, None if name is None else operator.attrgetter(name),
            None if len(shape) == 1 else math.prod(shape))


def _direct_call(entry, method, node):
    """``(executor, entry point name or None, circuits run per call)`` of the short
    path: the executor's entry point called directly (``executors.DIRECT``), or None
    where the executor table's way is kept (input checks at each call: a StatePrep's
    norm). The circuits are those PennyLane counts: one where its ``"best"`` is the
    adjoint method (:func:`qsym._executors.pl_best_is_adjoint`, as ``executors.count``)."""
    executor = executors.JACOBIANS["exact", method]
    direct = None if (entry.broadcast or entry.checks) else executors.DIRECT.get(executor)
    if direct is None:
        return executor, None, 0
    name, runs = direct
    runs = entry.plan.counted_executions if runs is None else runs
    return executor, name, 1 if runs > 1 and executors.pl_best_is_adjoint(node) else runs


# what a short path answers when it does not apply (the full path then runs)
_MISS = object()
# the static arguments the value call's short path compares itself: their static_key
# is (type name, value)
_PLAIN_STATIC = {int: "int", bool: "bool", str: "str", float: "float", type(None): "NoneType"}


def _check_backprop(node, circuit) -> None:
    """PennyLane's ``default.qubit`` refuses backpropagation through a ``SparseHamiltonian``
    expectation (``supports_derivatives``: its resolution raises at the call)."""
    if (node.resolved_method == "backprop" and getattr(node.device, "name", None) == "default.qubit"
            and any(m.label[1:2] == ("SparseHamiltonian",) for m in circuit.measurements)):
        raise QuantumFunctionError(
            f"Device {node.device} does not support backprop with requested circuit. (qsym: "
            "PennyLane's default.qubit cannot backpropagate through a SparseHamiltonian; use "
            "diff_method='parameter-shift' or 'adjoint')")


def _splits_trainable_terms(node) -> bool:
    """Whether PennyLane's gradient transform for ``node`` expands a tape whose measured
    observables have trainable data into single terms (``split_to_single_terms``): its
    parameter shift (``diff_method="parameter-shift"``, or ``"best"`` with shots or on a
    device that does not backpropagate) and its Hadamard gradient."""
    method = node.resolved_method
    if method in ("parameter-shift", "hadamard") or method in options.HADAMARD_ALIASES:
        return True
    return method == "best" and (node.configured_shots() is not None or not (
        devices.derivative_methods(node.device)[:1] == ("backprop",)))


def _trainable_observable(obs, inputs) -> bool:
    """Whether the observable ``obs`` holds trainable data: a ``qsym.numpy`` tensor with
    ``requires_grad=True`` or a traced value of the differentiable ``inputs``."""
    for d in getattr(obs, "data", None) or ():
        if getattr(d, "requires_grad", False) is True:
            return True
        items = d.ravel() if isinstance(d, np.ndarray) and d.dtype == object else (d,)
        if any(isinstance(v, trace.Traced) and v.expr.free_symbols & inputs for v in items):
            return True
    return False


def _tensor_inputs(syms, args) -> set:
    """The input symbols of the positional arguments that are tensors with
    ``requires_grad=True``: what PennyLane's value call takes as trainable (a plain float
    is not, where qsym's signature keeps it differentiable for a later derivative)."""
    out = set()
    for i, a in enumerate(args):
        if getattr(a, "requires_grad", False) and i in syms.arrays:  # (truthy, as qml.grad)
            out.update(np.ravel(np.asarray(syms.arrays[i], dtype=object)).tolist())
    return out


def _check_trainable_sums(node, result, circuit, trainable=None) -> None:
    """PennyLane's ``ValueError`` where its gradient transform splits trainable observables
    into terms (:func:`_splits_trainable_terms`) and a sum is measured other than by its
    expectation value (a variance of a Hamiltonian with trainable coefficients): raised at
    every call, a value call too, as PennyLane's transform program runs it. ``trainable``:
    the input symbols that count as trainable (default: all of the circuit's inputs)."""
    if getattr(node, "_runs_a_tape", False) or not _splits_trainable_terms(node):
        return  # (a tape's own QNode: qsym._tapes checks the tape)
    from ._opmath import check_splittable

    measured = trace.output_kind(result)[1]
    inputs = set(circuit.inputs) if trainable is None else set(circuit.inputs) & trainable
    if not any(_trainable_observable(m.written_obs if m.measured_obs is not None
                                     else getattr(m, "op", None), inputs) for m in measured):
        return
    try:
        check_splittable(types.SimpleNamespace(measurements=measured))
    except RuntimeError as exc:
        raise DifferentiationError(
            f"Can only differentiate Hamiltonian coefficients for expectations, not "
            f"{list(measured)}. (qsym: as PennyLane's {node.resolved_method!r} gradient; make the "
            "coefficients requires_grad=False (or a keyword argument), or measure the "
            "expectation value)") from exc


def _sum_check(node, result, circuit, syms):
    """``(result, circuit, syms)`` where :func:`_check_trainable_sums` refuses the circuit
    once every input is trainable (a value call answers or refuses by which arguments are
    ``requires_grad=True`` tensors, not by its signature), else None."""
    try:
        _check_trainable_sums(node, result, circuit)
    except DifferentiationError:
        return result, circuit, syms
    return None


def _value_path_applies(node, entry, key, n, names) -> bool:
    """Whether signature ``key`` (of ``n`` positional arguments and keyword arguments
    ``names``, sorted) gets :func:`_value_path`'s short path: not for calls whose full
    path does more than the short path repeats (per-call tracing, data static by value,
    matrix arguments, shots, a cache mapping, ``device_vjp``, Hadamard's tapes,
    transforms), nor for static arguments other than plain numbers, strings and None."""
    if (key is None or node.configured_shots() is not None or node.per_call is not None
            or node._values_needed is not None or len(key) != n + len(names)
            or node.__dict__.get("_matrix_templates") or node._init_args["device_vjp"]
            or node.resolved_method == "hadamard" or getattr(entry, "per_call", None)
            or node._compiled.get(key) is not entry or trace.RECORDING
            or isinstance(node.cache, MutableMapping) or not node.compiled_directly
            or getattr(entry, "sum_check", None) is not None):
        return False
    return all(spec[0] == name for spec, name in zip(key[n:], names)) and not any(
        k[-2] == STATIC and k[-1][0] not in _PLAIN_STATIC.values() for k in key)


def _changed_since(node, entry, key):
    """``changed(node, dev, diff_method, interface, gradient_kwargs, store)``: whether
    ``node`` is no longer as it was when a short path for signature ``key`` (compiled as
    ``entry``) was remembered with those values of its options (:func:`_value_path`,
    :func:`_jacobian_path`): another device, ``diff_method``, interface
    or cache object (``gradient_kwargs`` changed in place or assigned drops the short
    paths: :class:`_WatchedKwargs`), transforms, per-call tracing, shots, the
    signature dropped or rebuilt, or its guard failing (what the circuit read besides its
    arguments changed), its ``execute`` replaced on it or on its class. Each is decided again
    by the full path."""
    compiled, guard = node._compiled, entry.guard
    bound, own_execute = types.MethodType, getattr(type(node.device), "execute", None)

    def changed(node, dev, diff_method, interface, gradient_kwargs, store):
        return (node.device is not dev or node.resolved_method is not diff_method
                or node._interface is not interface or node.pipeline
                or node.per_call is not None or node._values_needed is not None
                or node.cache is not store  # (gradient_kwargs changed: short paths dropped)
                or (node._qnode_shots if node._shots_set else dev.given_shots) is not None
                or getattr(dev, "applied_transforms", None)
                # replaced on the instance or on its class (a spy)
                or type(ex := dev.execute) is not bound or ex.__func__ is not own_execute
                or ex.__self__ is not dev
                or compiled.get(key) is not entry or (guard is not None and not guard()))

    return changed


def _value_path(node, entry, key, args, kwargs):
    """The value call's short path for signature ``key`` (the one ``node.compiled`` just
    answered with ``entry`` for ``args``, ``kwargs``): ``call(node, args, kwargs)``, the
    QNode's result, or :data:`_MISS` where it does not apply (the full path then runs).
    None where the signature is not for it (the full path keeps running).

    The full path classifies the arguments (:func:`qsym._arguments.classify`), looks the
    signature up and checks the QNode's options at every call. Here what decides the
    signature is checked against ``key`` argument by argument, for the types a loop passes
    (a Python float, a float64 ndarray or ``qsym.numpy`` tensor of the same shape and
    trainability, a list of Python floats, the same plain static values); the QNode's
    options and state (its device, method, interface, transforms, shots, cache, the
    signature still compiled and its guard, no tape recording) are compared with those
    of the call that made it. Then the full path's own steps run: :func:`execute` (input
    checks, the executor, the error of a non-finite input, the device's counts and
    Tracker records), :func:`result_types` and :func:`format_values`."""
    n = len(args)
    names = tuple(sorted(kwargs))
    if not _value_path_applies(node, entry, key, n, names):
        return None
    # per argument: (kind, shape or static key, the name of a keyword argument or None)
    specs = tuple((k[0], k[1], None) for k in key[:n]) + tuple(
        (k[1], k[2], k[0]) for k in key[n:])
    executor = executors.values_executor(node, entry)
    dev, diff_method, interface = node.device, node.resolved_method, node._interface
    gradient_kwargs, store = node.gradient_kwargs, node.cache
    changed = _changed_since(node, entry, key)
    tail = getattr(entry, "data_tail", None)
    tail = None if tail is None or not tail.size else tail
    output, recording = entry.circuit.output, trace.RECORDING
    ndarray, as_array, float_ = np.ndarray, np.asarray, float

    def call(node, args, kwargs):
        if (len(args) != n or len(kwargs) != len(names) or recording
                or changed(node, dev, diff_method, interface, gradient_kwargs, store)):
            return _MISS
        xs, ds = [], []
        has_tensor = False
        for (kind, spec, name), a in zip(specs, args if not names else (
                *args, *(kwargs.get(k, _MISS) for k in names))):
            t = type(a)
            if kind == STATIC:
                plain = _PLAIN_STATIC.get(t)
                if plain is None or (plain, a) != spec:
                    return _MISS
                continue
            if t is float_:
                if spec != ():
                    return _MISS
                arr = a if name is None else as_array(a, dtype=F64)
            elif t is ndarray or t is tensor:
                if a.dtype != F64 or a.shape != spec:
                    return _MISS
                arr = a
                if t is tensor:
                    has_tensor = True
                    if name is None and (kind == TRAIN) is not bool(a.requires_grad):
                        return _MISS
                    if kind == DATA:  # (a tensor with requires_grad=False)
                        ds.append(arr)
                        continue
            elif t is list:
                if len(spec) != 1 or len(a) != spec[0] or not a:
                    return _MISS
                for v in a:
                    if type(v) is not float_:
                        return _MISS
                arr = as_array(a)
            else:
                return _MISS
            if name is not None:  # keyword arguments: data
                ds.append(arr)
            elif kind == TRAIN:  # a positional float, array or list: differentiable
                xs.append(arr)
            else:
                return _MISS
        if tail is not None:
            ds.append(tail)
        if dev.trackers:  # what PennyLane's tracker records (as QNode.__call__)
            node._autograd_args = any(type(a) is tensor and a.requires_grad for a in args)
            node._autograd_interface = interface == "autograd" or (
                interface == "auto" and _has_tensor(args, kwargs))
        values = execute(node, entry, executor, flat(xs), flat(ds), (xs, ds))
        node._last = entry
        values = result_types(node, values, interface == "autograd" or entry.tensor_constants
                              or (has_tensor and _reads_arguments(entry)))
        return format_values(output, values)

    return call


def _jacobian_path(node, entry, derivative, args, blocks, single):
    """jacobian's short path for the signature of the call ``derivative`` was just given
    (``args``, no keyword arguments, compiled as ``entry``):
    ``call(derivative, args)``, the Jacobian, or :data:`_MISS` where it does not apply
    (the full path then runs); None where the signature is not for it.

    The full path classifies the arguments (:func:`qsym._arguments.classify`), finds the
    trainable ones (:meth:`_Derivative._diff_indices`), looks the signature up and runs
    the method's checks at every call. Here each argument is checked against the call
    that made the path: the same type (a Python float, a float64 ndarray or
    ``qsym.numpy`` tensor of the same shape and ``requires_grad``, a list of Python
    floats of the same length, the same plain static value), so the differentiated
    arguments and the signature are the same; the QNode's state as the value call's
    short path checks it (:func:`_changed_since`), its method, no tape recorded anywhere.
    Then the full path's own steps run, unchanged:
    :func:`qsym._executors.rows_jacobian` (the executor's input checks, the error of a
    non-finite input, the device's counts and Tracker records),
    :meth:`_Derivative._per_measurement` and :func:`_jacobian_rows`. A scalar output
    of one 1-D array is its gradient: grad's short path (:func:`_gradient_path`) first,
    where it applies, else the above. Not for broadcast
    signatures, ``qml.state()``, ``default.mixed``, shots, a method other than parameter
    shift and adjoint, or a method with its own checks (``DERIVATIVE_CHECKS``)."""
    n = len(args)
    if (entry.broadcast or entry.has_state or getattr(entry, "mixed", False)
            or entry.value_only or node.method not in ("parameter-shift", "adjoint")
            or DERIVATIVE_CHECKS.get(node.resolved_method) is not None
            or node._route[3]):  # (a user's class with its own execute)
        return None
    diff = derivative._diff_indices(args)
    key = classify(args, {}, diff, node.static_argnames, node.static_positions)[0]
    if not _value_path_applies(node, entry, key, n, ()):
        return None
    # per argument: (its exact type, kind, shape or static key, a tensor's requires_grad)
    specs = tuple((type(a), k[0], k[1], bool(a.requires_grad) if type(a) is tensor else None)
                  for k, a in zip(key, args))
    if any(t is list and not all(type(v) is float for v in a)
           for (t, *_), a in zip(specs, args)):
        return None  # (a list classify takes that is not all floats: the full path's)
    dev, diff_method, interface = node.device, node.resolved_method, node._interface
    gradient_kwargs, store, method = node.gradient_kwargs, node.cache, node.method
    changed = _changed_since(node, entry, key)
    tail = getattr(entry, "data_tail", None)
    tail = None if tail is None or not tail.size else tail
    recording, rows_jacobian = trace.RECORDING, executors.rows_jacobian
    ndarray, as_array, float_ = np.ndarray, np.asarray, float

    def call(g, args):
        if (len(args) != n or recording or node.method is not method
                or changed(node, dev, diff_method, interface, gradient_kwargs, store)
                # the rest of what QNode.compiled_directly reads
                or getattr(dev, "run_qnode", None) is not None
                or (gradient_kwargs and node.tape_argnum() is not None)):
            return _MISS
        xs, ds = [], []
        for (t0, kind, spec, grad), a in zip(specs, args):
            t = type(a)
            if t is not t0:
                return _MISS
            if kind == STATIC:
                if (_PLAIN_STATIC.get(t), a) != spec:
                    return _MISS
                continue
            if t is ndarray or t is tensor:
                if a.dtype != F64 or a.shape != spec or (
                        grad is not None and bool(a.requires_grad) is not grad):
                    return _MISS
            elif t is list:
                if len(a) != spec[0]:
                    return _MISS
                for v in a:
                    if type(v) is not float_:
                        return _MISS
                a = as_array(a)
            elif t is not float_:
                return _MISS
            (xs if kind == TRAIN else ds).append(a)
        if tail is not None:
            ds.append(tail)
        out, jac = rows_jacobian(node, entry, xs, ds)
        node._last = entry
        return _jacobian_rows(entry, g._per_measurement(entry, out, jac), blocks, single)

    if n == 1 and entry.circuit.output == "scalar" and type(args[0]) is not list:
        # one output, one array: the Jacobian is the gradient (the same bits, shape and
        # type), grad's short path's (the compiled entry point called directly) where it
        # applies; ``call`` where it does not (another tier, input checks)
        gradient = _gradient_path(derivative.argnum, node, args[0], entry, blocks, single)
        if gradient is not None:
            def one_array(g, args):
                if len(args) != 1 or type(args[0]) is list:
                    return _MISS
                result = gradient(g, args[0])
                return call(g, args) if result is None else result
            return one_array
    return call


def _unshared_counts(n_out, jac_shape):
    """The short path's kept outputs ``[out, jac, row]`` and the reference counts
    ``sys.getrefcount`` gives each of them at its check while only the path refers to
    them (the list and one local name each, ``row`` as ``jac``'s base): measured here,
    the same way, on fresh arrays. An array whose count is higher is referred to from
    elsewhere (the returned gradient kept, any view of it, whose base is ``jac``; a
    derivative's ``forward``; another thread's call), or that has a weak reference
    (``weakref.ref``, ``weakref.finalize``, a ``WeakValueDictionary``: a dropped result
    must not come back changed), is not written again: new arrays are made, as before.
    NumPy elides temporaries on the same rule. Off (counts that never match, new arrays
    at every call) where reference counts do not say that (other Pythons, free-threaded
    builds)."""
    reuse = (sys.implementation.name == "cpython" and sys.version_info < (3, 14)
             and getattr(sys, "_is_gil_enabled", lambda: True)())
    if not reuse:
        return [None, None, None], (-1, -1, -1), False
    rc = sys.getrefcount
    held = [None, None, None]
    held[:] = out, jac, row = (np.empty(n_out), *_fresh_gradient(jac_shape))
    out, jac, row = held
    alone = (rc(row), rc(jac), rc(out))
    held[:] = None, None, None
    return held, alone, True


def _fresh_gradient(jac_shape):
    """New ``(jac, row)`` for grad's short path: the Jacobian of shape ``jac_shape`` and
    its first row, the gradient handed out. For one output ``row`` owns the memory and
    ``jac`` is its view (``row[None]``): a caller holding the gradient cannot reach
    ``jac`` (``row.base`` is None), so ``row``'s reference and weak-reference counts
    alone say whether anything outside the path holds them (grad.__call__ checks only
    those); else ``row`` is ``jac[0]``, a view of ``jac``."""
    if jac_shape[0] == 1:
        row = np.empty(jac_shape[1])
        return row[None], row
    jac = np.empty(jac_shape)
    return jac, jac[0]


def _listed_anew(listed, views, jac_shape, out, row) -> tuple:
    """grad.__call__'s list form's kept arrays ``listed`` made anew where they are
    referred to elsewhere (:func:`_unshared_list_counts`): ``out`` a new value array where
    None, ``jac`` and its row's 0-d views new where ``row`` is None; returns ``(out, jac,
    views)``, the arrays now kept."""
    if out is None:
        out = np.empty(jac_shape[0])
    if row is None:
        jac = np.empty(jac_shape)
        row = views(jac[0])
        listed[:] = out, jac, row if isinstance(row, tuple) else (row,)
    else:
        listed[0] = out
    return tuple(listed)


def _unshared_list_counts(n_out, jac_shape, views, reuse):
    """grad's short path's kept outputs for a list argument, ``[out, jac, vs]`` (``vs``
    the tuple of the 0-d views of ``jac[0]`` that the call returns in a new list), and
    the counts ``sys.getrefcount`` gives ``out``, ``jac`` and each of ``vs`` at
    grad.__call__'s check while only the path refers to them (each view holds ``jac``
    as its base), measured the same way on fresh arrays, as :func:`_unshared_counts`. A
    view kept by the caller (the returned list, one of its items, anything made from
    them) raises its count (a weak reference to one is seen by
    ``weakref.getweakrefcount``), and ``jac`` and the views are made anew: a gradient
    handed out is never written again. Counts that never match where ``reuse`` is off."""
    listed = [None, None, None]
    if not reuse or not jac_shape[1]:
        return listed, (-1, -1, -1)
    rc = sys.getrefcount
    jac = np.empty(jac_shape)
    row = views(jac[0])  # (a tuple for a first dimension above 1, else the one view)
    listed[:] = np.empty(n_out), jac, row if isinstance(row, tuple) else (row,)
    del row
    del jac
    out, jac, row = listed
    for v in row:
        alone = (rc(out), rc(jac), rc(v))
        break
    listed[:] = None, None, None
    return listed, alone


# ndarray.flags.num bits (NumPy's NPY_ARRAY_*): an array numba types as a plain
# C-contiguous array is C-contiguous, aligned and writeable
_C_CONTIGUOUS = 0x0001
_TYPED_AS_PLAIN = 0x0001 | 0x0100 | 0x0400


def _entry_point(dispatcher, *args):
    """The compiled entry point of ``dispatcher`` (a numba function) for these arguments'
    types (plain C-contiguous arrays), or None if numba has not compiled it (or it is no
    numba dispatcher). Calling it skips the dispatcher's typing of the arguments: only
    for arguments of exactly these types. :func:`_short_path` checks them at each call,
    as the dispatcher would (the exact array type, float64, one dimension of the
    remembered length, C-contiguous, aligned and writeable), so the dispatcher would only
    repeat them (0.1 us of the seed's call); and a trainable tensor goes in as it is (the
    dispatcher types an ndarray subclass slowly: it needed an ndarray view, 0.1 us)."""
    overloads = getattr(dispatcher, "overloads", None)
    if not isinstance(overloads, Mapping):
        return None
    import numba  # (loaded with the kernels: qsym._kernels)
    result = overloads.get(tuple(numba.typeof(v) for v in args))
    return getattr(result, "entry_point", None)


# what a function that takes an input's number raises on autograd's boxes (float() of an
# ArrayBox, .item(), a compiled routine given objects: TypeError, AttributeError,
# ValueError; autograd's own "VJP of ... not defined": NotImplementedError)
_BOX_FAILURES = (TypeError, ValueError, AttributeError, NotImplementedError)


def _derivative_checks(entry, xs, ds) -> None:
    """Run ``entry``'s checks that only a derivative runs (:func:`qsym._trace.add_check`
    with ``derivative=True``: a template's refusal of a derivative by an input, PennyLane's
    error, e.g. ``qml.QDrift``'s coefficients), as the compiled derivative would run them:
    before a derivative by an input used by its number is refused
    (:func:`_refuse_by_value`), whose message would hide the template's."""
    checks = [c for c in (entry.element.checks if entry.broadcast else entry.checks) or ()
              if c.derivative]
    if not checks:
        return
    x, d = flat(xs), flat(ds)
    if entry.broadcast:
        X, D = entry.inputs(x, d)
        for b in range(X.shape[0]):
            for check in checks:
                check(X[b], D[b])
        return
    for check in checks:
        check(x, d)


def _refuse_by_value(entry) -> None:
    """A derivative of a per-call circuit by an input whose number was used (``float(x)``,
    ``x.item()``, ``scipy.linalg.expm`` of it): refused, naming the input and the use
    (PennyLane's autograd raises there too: ``float()`` of an ``ArrayBox``)."""
    by_value = entry.by_value
    if by_value:
        uses = "; ".join(f"{sym}: {what}" for sym, what in sorted(
            by_value.items(), key=lambda kv: str(kv[0])))
        raise ByValueDerivative(
            f"cannot differentiate by {', '.join(sorted(map(str, by_value)))}: the circuit "
            f"function used the number of that input, not the input ({uses}), so no gate "
            "holds it and no derivative by it exists (a number taken out of an input is "
            "a constant to autograd too, docs/pennylane.md). Compute with the input itself (qsym.numpy "
            "arithmetic and functions, gates taking it as a parameter), or do not "
            "differentiate it (requires_grad=False, or argnum= naming the others)")


def _refuse_shifted_state(entry) -> None:
    """PennyLane's ``assert_no_state_returns``: a QNode with ``diff_method="parameter-shift"``
    measuring the state, a density matrix, a von Neumann entropy or a mutual information
    has no derivative there (parameter shift is a hardware method: it shifts expectation
    values), a ``DifferentiationError`` (a ``ValueError``) with PennyLane's words."""
    for m in entry.circuit.measurements:
        if m.kind == "state" and (not m.reduce or m.reduce[0] in (
                "density_matrix", "vn_entropy", "mutual_info")):
            raise DifferentiationError(
                "Computing the gradient of circuits that return the state with the "
                "parameter-shift rule gradient transform is not supported, as it is a "
                "hardware-compatible method. (qsym: diff_method='backprop' or 'best' "
                "differentiates the state exactly)")


def _refuse_first_order(entry) -> None:
    """A second derivative of a per-call circuit by an input a gate holds exactly to first
    order only (``qml.SpecialUnitary``: Pauli rotations by zero carry its exact gradient,
    not its curvature): refused, naming the input and the gate."""
    first = entry.first_order
    if first:
        names = ", ".join(sorted(map(str, first)))
        raise DifferentiationError(
            f"cannot take second derivatives by {names}: {next(iter(first.values()))} "
            "holds them to first order only (its matrix has no closed form; the gradient "
            "is exact). Differentiate once (qml.grad, qml.jacobian), or take the Hessian by "
            "finite differences of the gradient")


def _check_no_global_draws(before, confirm=None) -> None:
    """Refuse a circuit function that drew from NumPy's global generator or Python's
    ``random`` while it was traced (``numpy.random.choice`` in the circuit, the doubly
    stochastic demo): the trace keeps the numbers of that one draw for every later call,
    where PennyLane draws again at each call. (With ``trace="auto"`` the QNode then
    traces at every call instead: :meth:`QNode._switch_per_call`.) ``before``:
    :func:`qsym._trace.global_random_state`; ``confirm()``, if given, decides a changed
    state (another thread may have drawn: stop 62)."""
    if trace.random_state_changed(before) and (confirm is None or confirm()):
        err = TracingError(
            "the circuit function drew random numbers from NumPy's global generator "
            "(np.random.*) while qsym traced it: qsym traces the function once per signature, "
            "so the numbers would be drawn once and reused at every call (PennyLane draws new "
            "ones each call). Draw them outside the QNode and pass them as an argument (e.g. "
            "a keyword argument, or an argument not differentiated), or let qsym trace it at "
            "every call (QNode(..., trace='auto' or 'per-call'))")
        err.per_call = "it draws random numbers while traced"
        raise err


def _tensor_if_scalar(arg, g):
    """``g`` as a 0-d trainable tensor where ``arg`` is a 0-d tensor (PennyLane's
    gradient type), else as it is."""
    if type(arg) is tensor and arg.ndim == 0 and np.ndim(g) == 0:
        return tensor(g, requires_grad=True)
    return g


def _float_if_scalar(arg, g):
    """``g`` as a NumPy float where ``arg`` is a 0-d tensor (the gradient PennyLane's
    autograd primitive of a QNode returns), else as it is. A complex ``g`` (the argument
    went through complex arithmetic in the circuit function, say a state of ``x``; the
    primitive's real vector-Jacobian product flows back through it) is the complex 0-d
    trainable tensor PennyLane's autograd gives, not its real part."""
    if type(arg) is tensor and arg.ndim == 0 and np.ndim(g) == 0 and not isinstance(g, Box):
        if isinstance(g, tensor):  # autograd's own: the argument went through arithmetic
            return g
        if np.iscomplexobj(g) and np.imag(g) != 0:
            return tensor(g, requires_grad=True)
        return np.float64(np.real(g))
    return g


def _zero_d_arrays(result):
    """NumPy scalars as 0-d arrays, in tuples too (PennyLane's Jacobians are arrays)."""
    if isinstance(result, tuple):
        return tuple(_zero_d_arrays(r) for r in result)
    return np.asarray(result) if isinstance(result, np.generic) else result


def _like_container(arg, g):
    """``g`` (an array of ``arg``'s shape) shaped as ``arg``: nested lists/tuples of 0-d
    arrays where ``arg`` is a list or tuple."""
    if not isinstance(arg, (list, tuple)):
        return g
    g = np.asarray(g)
    out = [_like_container(a, g[i]) if isinstance(a, (list, tuple)) else np.asarray(g[i])
           for i, a in enumerate(arg)]
    return tuple(out) if isinstance(arg, tuple) else out


def _nested_boxes(args) -> bool:
    """Whether the arguments carry autograd values of two derivatives or more (a Hessian).

    >>> _nested_boxes((0.1, [0.2]))
    False
    """
    traces = set()
    for a in args:
        for item in (a if isinstance(a, (list, tuple)) else (a,)):
            while isinstance(item, Box):
                traces.add(item._trace)
                item = item._value
    return len(traces) > 1


def _plain_trainable(a, argnum) -> bool:
    """The short path's condition on the argument: a qsym.numpy tensor marked trainable,
    or (``argnum`` given: differentiated whatever it is) a plain ndarray. Without
    ``argnum`` a plain ndarray is not trainable (PennyLane's rule): the full path warns."""
    t = type(a)
    return (t is tensor and a.requires_grad is True) or (t is np.ndarray and argnum is not None)


class jacobian(_Derivative):
    """The Jacobian of a QNode or a hybrid function: for one result, shaped
    ``(*result shape, *argument shape)``; for several results, one per result.

    For a QNode returning a tuple of measurements the result is a tuple (one entry per
    measurement), each shaped like :class:`grad`'s result. ``qml.jacobian(qml.grad(f))``
    is the exact Hessian (second-order parameter shift, :mod:`qsym._second_order`).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.RX(x[0], wires=0)
    ...     qml.RY(x[1], wires=1)
    ...     return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))
    >>> x = qml.numpy.array([0.1, 0.2])  # trainable (requires_grad=True)
    >>> [np.round(j, 6) + 0.0 for j in qml.jacobian(c)(x)]
    [array([-0.099833,  0.      ]), array([ 0.      , -0.198669])]
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        node = self._node
        if node is not None and not kwargs:
            fast = node._jac_fast  # the last call's signature again: _jacobian_path
            if fast is not None and fast[0] == self._key:
                result = fast[1](self, args)
                if result is not _MISS:
                    return result
        if self._qjit_only is not None:
            self._refuse_qjit_options()
        fun = self.fun
        if _direct(fun):
            attempt = trace.Attempt(getattr(fun, "func", None))  # (undone if abandoned)
            try:
                with attempt:
                    jac, entry, blocks, single = self._jacobian(args, kwargs)
            except (Boxed, executors.ShadowDerivative, ByValueDerivative):  # (on tapes)
                attempt.restore()  # PennyLane runs the function once: one shadow seed drawn
                return self._hybrid(autodiff.jacobian, args, kwargs)
            if not blocks:
                return self._nothing(args, kwargs)
            if not kwargs and fun is node:
                path = _jacobian_path(node, entry, self, args, blocks, single)
                node._jac_fast = None if path is None else (self._key, path)
            return _jacobian_rows(entry, jac, blocks, single)
        return self._hybrid(autodiff.jacobian, args, kwargs)


def _jacobian_rows(entry, jacs, blocks, single):
    """jacobian's result from the per-measurement Jacobians ``jacs``: each measurement's
    split into the differentiated arguments' shapes (:func:`qsym._shapes.pick`, NumPy
    scalars as 0-d arrays), one for a scalar output, else a tuple (one per measurement)."""
    rows = [_zero_d_arrays(pick(jacs[m], blocks, single)) for m in range(len(entry.post))]
    return format_rows(entry.circuit.output, rows)


class hessian(_Derivative):
    """The Hessian: second derivatives of a QNode or a hybrid function, exact (for a
    QNode with ``diff_method="finite-diff"``: its finite differences differentiated by
    finite differences again, as PennyLane's nested derivatives).

    For a QNode, by second-order parameter shift (:mod:`qsym._second_order`): the shift rule of
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
    >>> h = qml.hessian(c, argnum=[0, 1])(0.5, 0.25)   # <Z> = cos(x) cos(y)
    >>> print(f"{h[0][1]:.12f} {np.sin(0.5) * np.sin(0.25):.12f}")
    0.118611776418 0.118611776418
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._qjit_only is not None:
            self._refuse_qjit_options()
        # (a finite-difference QNode: finite differences of its finite differences, as
        # PennyLane's nested derivatives, through autograd; not the exact Hessian)
        if _direct(self.fun) and self.fun.method == "finite-diff":
            return self._packed_hessian(args, kwargs)
        if _direct(self.fun):
            try:
                return self._qnode_hessian(args, kwargs)
            except Boxed:
                pass
        return self._hybrid(_hybrid_hessian, args, kwargs)

    def _packed_hessian(self, args, kwargs):
        """The Hessian by autograd's nested Jacobians of the QNode of the differentiated
        arguments packed in one vector (each QNode call: its tape by the method's
        gradient transform), cut into PennyLane's blocks."""
        import autograd
        import autograd.numpy as anp

        diff = self._diff_indices(args)
        if not diff:
            return self._nothing(args, kwargs)
        shapes = [np.shape(args[i]) for i in diff]
        sizes = [int(np.prod(s)) for s in shapes]
        cuts = np.cumsum([0] + sizes)

        def f(v, m=None):
            full = list(args)
            for i, s, a, b in zip(diff, shapes, cuts[:-1], cuts[1:]):
                full[i] = anp.reshape(v[a:b], s)
            out = self.fun(*full, **kwargs)
            return out if m is None else out[m]

        v0 = np.concatenate([np.ravel(np.asarray(args[i], dtype=float)) for i in diff])
        out0 = self.fun(*[getattr(a, "unwrap", lambda a=a: a)() for a in args], **kwargs)
        several = isinstance(out0, (tuple, list))
        hs = [np.asarray(autograd.jacobian(autograd.jacobian(f))(v0, m))
              for m in (range(len(out0)) if several else [None])]
        self._forward = ("plain", out0)
        single = self._single or (self.argnum is None and len(diff) == 1)
        out = []
        for h in hs:
            lead = h.shape[:-2]
            blocks = tuple(tuple(h[..., cuts[i]:cuts[i + 1], cuts[j]:cuts[j + 1]].reshape(
                lead + shapes[i] + shapes[j]) for j in range(len(diff)))
                for i in range(len(diff)))
            out.append(blocks[0][0] if single else blocks)
        return tuple(out) if several else out[0]

    def _qnode_hessian(self, args, kwargs):
        diff = self._diff_indices(args)
        if not diff:
            return self._nothing(args, kwargs)
        node, entry = self.fun.pin(args, kwargs, diff)  # (per call: one trace for both)
        blocks, single = self._blocks(entry, diff)
        if not blocks:
            self._forward = ("plain", None)
            return autodiff.no_trainable()
        if diff is None:
            diff = entry.diff_args
        values, jac, hess, entry = node.flat_hessian(args, kwargs, tuple(sorted(diff)))
        if tuple(sorted(diff)) != entry.diff_args:
            raise DifferentiationError("internal: differentiated arguments do not match")
        self._forward = ("plain", None)
        out, at = [], 0
        for (kind, _, _, shape), m in zip(entry.post, entry.circuit.measurements):
            if kind == "state" and not m.reduce:  # qml.state(): its amplitudes
                shape = (2**entry.circuit.num_wires,)
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
        return format_rows(entry.circuit.output, out)


def _hybrid_hessian(fun, args, kwargs, argnum, single):
    def first(*a):
        return autodiff.jacobian(fun, a, kwargs, argnum, single)[0]

    result, _ = autodiff.jacobian(first, args, kwargs, argnum, single)
    return result, None


# Catalyst's differentiation entry points: PennyLane has them only under ``qml.qjit`` and
# raises CompileError without it; qsym has no qml.qjit, so they always do, saying what to use
_NO_QJIT = (" (qsym has no qml.qjit: use qml.grad or qml.jacobian, and "
            "qml.gradients.jvp / qml.gradients.vjp on tapes)")


def vjp(f, params, cotangents, method=None, h=None, argnums=None):
    """PennyLane's ``qml.vjp`` (Catalyst's vector-Jacobian product): only under
    ``qml.qjit``, which qsym does not have, so it raises
    :class:`~qsym.exceptions.CompileError` as PennyLane does without ``qjit``.

    >>> import qsym as qml
    >>> try:
    ...     qml.vjp(lambda x: x**2, [1.0], [1.0])
    ... except qml.exceptions.CompileError as exc:
    ...     print(str(exc)[:57])
    PennyLane does not support the VJP function without QJIT.
    """
    raise CompileError("PennyLane does not support the VJP function without QJIT." + _NO_QJIT)


def jvp(f, params, tangents, method=None, h=None, argnums=None):
    """PennyLane's ``qml.jvp`` (Catalyst's Jacobian-vector product): only under
    ``qml.qjit``, which qsym does not have, so it raises
    :class:`~qsym.exceptions.CompileError` as PennyLane does without ``qjit``.

    >>> import qsym as qml
    >>> try:
    ...     qml.jvp(lambda x: x**2, [1.0], [1.0])
    ... except qml.exceptions.CompileError as exc:
    ...     print(str(exc)[:57])
    PennyLane does not support the JVP function without QJIT.
    """
    raise CompileError("PennyLane does not support the JVP function without QJIT." + _NO_QJIT)


class value_and_grad:
    """PennyLane's ``qml.value_and_grad(func, argnums=0, method=None, h=None)`` (Catalyst's):
    named ``"<value_and_grad: func>"``; calling it needs ``qml.qjit``, which qsym does not
    have, so it raises :class:`~qsym.exceptions.CompileError` as PennyLane does without
    ``qjit`` (``qml.grad(f)`` gives the gradient and ``.forward`` the value).

    >>> import qsym as qml
    >>> def f(x):
    ...     return x**2
    >>> qml.value_and_grad(f).__name__
    '<value_and_grad: f>'
    >>> try:
    ...     qml.value_and_grad(f)(1.0)
    ... except qml.exceptions.CompileError as exc:
    ...     print(str(exc)[:68])
    PennyLane does not support the value_and_grad function without QJIT.
    """

    def __init__(self, func, argnums=0, method=None, h=None):
        self._func, self._argnums, self._method, self._h = func, argnums, method, h
        self.__name__ = f"<value_and_grad: {getattr(func, '__name__', None) or repr(func)}>"

    def __call__(self, *args, **kwargs):
        raise CompileError("PennyLane does not support the value_and_grad function without "
                           "QJIT." + _NO_QJIT)
