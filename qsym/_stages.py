"""Building one signature of a QNode, stage by stage (:meth:`qsym._runtime.QNode.build`
calls them in this order): :func:`make_symbols` → :func:`record` (trace; the two as
:func:`record_signature`) → :func:`to_circuit` (IR) → :func:`check` → :func:`make_plan` →
:func:`make_module` (the program lowered and interpreted, or :func:`make_program` → :func:`load`: the module's text). A broadcast circuit is recorded twice,
the second time with its batch axes shared (:func:`collapse`, :mod:`qsym._broadcast`). See docs/design.md, "The
QNode's stages and executors".
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import sympy as sp

from ._lambdify import lambdify
from . import _broadcast as broadcast, _cache as cache, _emit as emit, _interp as interp, _ir as ir, _plan as plan, _tiers as tiers, _trace as trace
from . import _kernels as kernels, _mcm as mcm
from ._arguments import DATA, STATIC, TRAIN, numeric
from ._branches import copy_wires
from ._channels import is_channel
from ._mixed import MixedEntry
from .devices import check_memory
from .errors import ArgumentError, DeviceError, TracingError, WireError
from ._program import lower
from .wires import Wires


@dataclass(frozen=True)
class Target:
    """What a build needs from its QNode."""

    func: Callable
    wires: object  # the device's Wires, or None: the circuit's own
    method: str  # the derivative method that runs (memory of the adjoint method)
    static_names: frozenset  # keyword arguments that are static
    param_names: tuple  # the circuit function's parameter names
    rule_of: Callable  # (op, parameter index) -> shift rule
    # how its mid-circuit measurements are deferred (_mcm.deferring_by_transform): None, or
    # the QNode's resolved method and shots
    deferral: dict | None = None

    def arg_name(self, i: int) -> str:
        """The name of positional argument ``i`` (``arg{i}`` past the signature)."""
        return self.param_names[i] if i < len(self.param_names) else f"arg{i}"


@dataclass
class Symbols:
    """The traced stand-ins of one call's arguments, and where their numbers go."""

    args: list = field(default_factory=list)  # positional arguments (traced or static)
    kwargs: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)  # symbols of the differentiated inputs
    data: list = field(default_factory=list)  # symbols of the data inputs
    values: dict = field(default_factory=dict)  # symbol -> the call's number
    diff_args: list = field(default_factory=list)  # differentiated argument positions
    blocks: list = field(default_factory=list)  # (first column, size, shape) of each
    arrays: dict = field(default_factory=dict)  # argument -> its sympy symbols
    axes: dict | None = None  # argument -> batch axis (a broadcast signature)
    size: int | None = None  # batch size
    literals: list = field(default_factory=list)  # (symbol, values) broadcast numbers
    parts: list = field(default_factory=list)  # (argument, kind, shape), numeric ones
    checks: list = field(default_factory=list)  # (what, exprs, test): run at every call
    claims: list = field(default_factory=list)  # trace.Tape.claims of the recording
    constants: list = field(default_factory=list)  # (symbol, number): Looks.constants
    one_shot: bool = False  # recorded with one-shot mid-circuit measurements (Circuit.one_shot)
    mid_measured: bool = False  # a mid-circuit measurement was deferred (Circuit.mid_measured)
    # the input symbols a broadcast parameter of the first recording used (a batch of one
    # has no batch axis: these say which parameters a drawing shows as PennyLane's M<i>)
    batched: frozenset = frozenset()

    def add(self, what, name, arr, kind):
        """Symbols for argument ``what`` named ``name`` of kind ``kind`` with the numbers
        ``arr`` (the traced stand-in is returned)."""
        axis = None if self.axes is None else self.axes.get(what)
        if axis is None:
            v, flat = trace.symbols_like(name, arr.shape)
            numbers = arr.ravel()
        else:
            v, flat = broadcast.collapsed_symbols(trace.symbols_like, name, arr.shape, axis,
                                                  self.size)
            numbers = np.take(arr, 0, axis=axis).ravel()
        finite = np.isfinite(numbers)  # (one test an argument, not one a number: issue #17)
        if not finite.all():
            i = int(np.argmin(finite))
            raise ArgumentError(f"input {flat[i]} is {numbers[i]}; circuit inputs must be finite")
        self.values.update(zip(flat, numbers))
        self.arrays[what] = trace.unwrap(v)  # sympy symbols, for the batch-axis search
        self.parts.append((what, kind, arr.shape))
        if kind == TRAIN:
            self.diff_args.append(what)
            self.blocks.append((len(self.inputs), len(flat), arr.shape))
            self.inputs.extend(flat)
        else:
            self.data.extend(flat)
        return v


def make_symbols(target: Target, args, kwargs, key, axes=None, size=None) -> Symbols:
    """Stage 1: symbols for the numeric arguments (``key`` is their signature)."""
    s = Symbols(axes=axes, size=size)
    for i, a in enumerate(args):
        kind = key[i][0]
        s.args.append(a if kind == STATIC else
                      s.add(i, target.arg_name(i), np.asarray(a, dtype=float), kind))
    for name in sorted(kwargs):
        a = kwargs[name]
        arr = None if name in target.static_names else numeric(a, name)
        s.kwargs[name] = a if arr is None else s.add(name, name, arr, DATA)
    return s


def record(target: Target, s: Symbols):
    """Stage 2: ``(items, result, wires)``: the circuit function run on the symbols; the
    state vectors must fit in memory (refused before anything is compiled)."""
    wires = target.wires
    if wires is not None:
        check_memory(len(wires), target.method)
    claims: list = []
    with trace.collecting_checks() as checks, mcm.deferring_by_transform(target.deferral):
        items, result = trace.run_traced(target.func, s.args, s.kwargs, wires, claims)
        s.one_shot = mcm.one_shot_wires()
        s.mid_measured = mcm.mid_measured()
        if wires is not None and mcm.one_shot_wires():  # the deferral's own wires, after
            extra = [w for op in items for w in getattr(op, "wires", ()) if w not in wires]
            if extra:
                wires = Wires(list(wires) + list(dict.fromkeys(extra)))
    s.checks = checks
    s.claims = claims
    items = split_matrix_batches(items)
    if wires is None:  # a device without wires: the circuit's own
        wires = circuit_wires(items, result, claims)
        # (one-shot: the deferral's copies of measured wires may be drawn branch by branch,
        # not held in the state: qsym._shots.native_plan refuses what fits neither way)
        copies = copy_wires(items) & set(wires) if s.one_shot else set()
        check_memory(len(wires) - len(copies), target.method)
    tiers.kernels_needed_soon(len(wires), len(items), target.method == "adjoint")
    return items, result, wires


def split_matrix_batches(items: list) -> list:
    """A broadcast ``QubitUnitary`` (a stack of ``B`` matrices) in a circuit: on one wire,
    its exact decomposition ``RZ RY RZ`` and a global phase with broadcast angles (each
    element's, :func:`qsym._opmath.one_qubit_decomposition`), so it broadcasts as any
    gate does (the angles are numbers: runtime data of the one compiled circuit); on more
    wires refused with what to do (PennyLane's own decomposition refuses them too)."""
    if not any(getattr(op, "name", None) == "QubitUnitary"
               and getattr(op, "batch_size", None) is not None for op in items):
        return items
    out = []
    for op in items:
        if getattr(op, "name", None) != "QubitUnitary" or op.batch_size is None:
            out.append(op)
            continue
        if len(op.wires) != 1:
            raise ArgumentError(
                f"a broadcast QubitUnitary ({op.batch_size} matrices) on {len(op.wires)} wires "
                "cannot be applied in one circuit (qsym broadcasts a batch of matrices on one "
                "wire); apply qml.transforms.broadcast_expand to the QNode (one circuit per "
                "matrix), or loop over the batch")
        with trace.recording(trace.Tape()):
            out.extend(op.decomposition())
    return out


def record_per_call(target: Target, s: Symbols, args, kwargs, numbers=False):
    """Stage 2 of a per-call build (the function traced at one call's numbers):
    ``(items, result, wires, looks)``. The function runs on the traced stand-ins with
    their numbers known (:func:`qsym._trace.values_known`): a look at an input's value is
    answered and noted in ``looks`` (:class:`qsym._trace.Looks`), so the gates hold the
    inputs wherever the values flowed through arithmetic. A function that cannot run on
    stand-ins at all (a library that takes only numbers: ``scipy.linalg.expm`` of an
    array holding inputs) runs on the numbers themselves; every differentiated input is
    then used by value, with the library's error as the reason (``target.func`` restores
    the random state at each run: :func:`qsym._trace.rerunnable`); ``looks.failed`` says
    so. ``numbers``: run on the numbers directly (a value of a function known to fail)."""
    failure = "on an earlier call"
    if not numbers:
        try:
            with trace.values_known(s.values) as looks:
                items, result, wires = record(target, s)
            return items, result, wires, looks
        except Exception as exc:  # noqa: BLE001 (the numeric run raises the user's own)
            failure = f"{type(exc).__name__}: {str(exc).split('. ')[0][:160]}"
    numeric = Symbols(args=list(args), kwargs=dict(kwargs), inputs=s.inputs, data=s.data,
                      values=s.values, diff_args=s.diff_args, blocks=s.blocks,
                      arrays=s.arrays, parts=s.parts)
    items, result, wires = record(target, numeric)
    s.checks, s.claims = numeric.checks, numeric.claims
    looks = trace.Looks(s.values)
    looks.failed = True
    why = (f"the circuit function failed on qsym's traced stand-ins ({failure}) and ran on "
           "the numbers themselves")
    looks.by_value.update((sym, why) for sym in s.inputs)
    return items, result, wires, looks


@dataclass
class Recording:
    """Stages 1-2 of one signature: the symbols and what the circuit function recorded on
    them (``size``: the batch size of a broadcast signature, recorded twice; ``looks``: a
    per-call trace's :class:`qsym._trace.Looks`, else None)."""

    items: list
    result: object
    wires: object
    syms: Symbols
    size: int | None = None
    looks: object = None


def record_signature(target: Target, args, kwargs, key, per_call=False,
                     numbers=False) -> Recording:
    """Stages 1-2 of the signature ``key``: symbols (:func:`make_symbols`), the recording
    (:func:`record`; ``per_call``: :func:`record_per_call`, ``numbers`` there); a broadcast
    circuit is recorded again with its batch axes shared (:func:`collapse`). A tracing
    error of the first recording says which arguments' values it needed
    (``exc.arguments``: what :meth:`qsym._runtime.QNode.compiled` makes static)."""
    syms = make_symbols(target, args, kwargs, key)
    looks = None
    if per_call:
        items, result, wires, looks = record_per_call(target, syms, args, kwargs, numbers)
    else:
        try:
            items, result, wires = record(target, syms)
        except TracingError as exc:
            used = getattr(exc, "symbols", None)
            exc.arguments = None if used is None else frozenset(
                what for what, arr in syms.arrays.items()
                if used & set(np.ravel(np.asarray(arr, dtype=object)).tolist()))
            raise
    size = broadcast.batch_size(items)
    last = looks
    if size is not None:  # broadcast: record again with the batch axes shared
        first = (items, syms)
        axes = broadcast.find_axes(items, size, syms.arrays)
        syms = make_symbols(target, args, kwargs, key, axes, size)
        if per_call:
            items, result, wires, last = record_per_call(target, syms, args, kwargs, numbers)
            for sym, what in last.by_value.items():
                looks.by_value.setdefault(sym, what)
        else:
            items, result, wires = record(target, syms)
        items = collapse(items, first, syms)
        syms.batched = broadcast.batched_symbols(first[0])
    if last is not None and last.constants:  # per-call numbers made data: the last of d
        syms.constants = list(last.constants)  # (after a broadcast's literals)
        syms.data.extend(sym for sym, _ in last.constants)
        syms.values.update(last.constants)
    return Recording(items, result, wires, syms, size, looks)


def collapse(items, first, s: Symbols):
    """Stage 2 of a broadcast signature: the shared-axes recording ``items`` with every
    broadcast parameter replaced by its one expression, proved equal to the first
    recording (``first``: its items and symbols) element by element."""
    first_items, first_symbols = first
    subst = []
    for b in range(s.size):
        sub = {}
        for what, axis in s.axes.items():
            red = np.asarray(broadcast.element(s.arrays[what], axis, 0), dtype=object)
            el = np.asarray(broadcast.element(first_symbols.arrays[what], axis, b),
                            dtype=object)
            sub.update(zip(red.ravel(), el.ravel()))
        subst.append(sub)
    items = broadcast.collapse(items, first_items, s.size, subst, s.literals)
    s.data.extend(sym for sym, _ in s.literals)
    return items


def to_circuit(items, result, wires, s: Symbols) -> ir.Circuit:
    """Stage 3: the IR of the recording, with PennyLane's order of its wires for sampling
    (:attr:`qsym._ir.Circuit.sample_order`, :func:`sample_order`)."""
    circuit = trace.to_ir(items, result, wires, s.inputs, s.data,
                          [number for _, number in s.constants])
    order = sample_order(items, result, s.claims, tuple(wires))
    if s.one_shot:
        circuit = replace(circuit, one_shot=True, mid_measured=s.mid_measured)
    return replace(circuit, sample_order=order) if order else circuit


def check(target: Target, circuit, args, kwargs, key, s: Symbols, at_zero=True) -> None:
    """Stage 4: the IR is valid, and the circuit function records the same gates on the
    call's numbers and at zero (a branch the tracer cannot see shows there; the replays of
    a broadcast signature ran on its first recording). A per-call trace (``at_zero``
    False) is used at its call's numbers only: the replay there is its check."""
    ir.validate(circuit)
    if s.axes is not None:
        return
    replaying = None if target.deferral is None else {**target.deferral, "replay": True}
    compared = trace.compared_gates(circuit)  # (once for both replays)
    with mcm.deferring_by_transform(replaying):  # (deferred as the recording was)
        trace.replay_check(target.func, args, kwargs, circuit, s.values, compared)
        if at_zero:
            replay_at_zero(target, circuit, args, kwargs, key, s.values, compared)


def replay_at_zero(target: Target, circuit, args, kwargs, key, values,
                   compared: tuple | None = None) -> None:
    """Replay with every numeric input at 0: a branch the tracer cannot see (``if
    isinstance(x, float) and x:``; every look at a traced value is refused while tracing,
    qsym._trace.Traced) may take the other way there, and the replay sees it."""
    zero_args = [
        np.zeros(key[i][1]) if key[i][0] != STATIC else a for i, a in enumerate(args)
    ]
    zero_kwargs = {
        k: (np.zeros(np.shape(v))
            if k not in target.static_names and numeric(v, k) is not None else v)
        for k, v in kwargs.items()
    }
    try:
        trace.replay_check(target.func, zero_args, zero_kwargs, circuit,
                           {sym: 0.0 for sym in values}, compared)
    except TracingError:
        raise
    except Exception:  # the function may not accept zeros (log(0), ...): no verdict
        pass


def refuse_channels(circuit, device_name: str, values: dict) -> None:
    """A noise channel on a pure-state device: PennyLane's ``DeviceError`` and words (its
    parameters at the call's numbers ``values``), and where channels run."""
    for op in circuit.ops:
        if is_channel(op.name):
            pars = ", ".join(f"{float(sp.sympify(p).xreplace(values)):g}" for p in op.params)
            wires = [circuit.wire_labels[w] if circuit.wire_labels else w for w in op.wires]
            raise DeviceError(
                f"Operator {op.name}({pars + ', ' if pars else ''}wires={wires}) not supported "
                f"with {device_name} and does not provide a decomposition. (qsym: noise "
                "channels run on qml.device('default.mixed', ...), the density-matrix "
                "simulator)")


def mixed_entry(target: Target, circuit, s: Symbols, size, readout=None):
    """Stages 5-7 on a density-matrix device (``default.mixed``): the circuit's
    :class:`qsym._mixed.MixedEntry` (no plan, no generated module: NumPy on the density
    matrix), its per-call checks, broadcast like a compiled signature. The density matrix
    and one tangent per input must fit in memory (a state of twice the wires)."""
    check_memory(2 * circuit.num_wires, "parameter-shift", len(circuit.inputs) + 2,
                 density_wires=circuit.num_wires)
    entry = MixedEntry(circuit, tuple(s.diff_args), tuple(s.blocks), target.rule_of, readout)
    entry.checks = make_checks(circuit, s.checks)
    return broadcast_entry(entry, s) if size is not None else entry


def make_plan(target: Target, circuit, derivatives: bool = True) -> plan.GradientPlan:
    """Stage 5: the gradient plan (``derivatives=False``: of the values only, no chain
    rule); the adjoint method keeps a state per output, which must fit in memory.

    A value call of a circuit whose module for values is written out
    (:func:`values_written_out`) plans no derivatives even when its chain rule
    is cheap: no gate's shift rule is looked up for a value (the shipped index, a rule per
    gate kind: about 0.5 ms of a new process's first value, issue #17); its first
    gradient makes the full module anyway (``QNode._with_derivatives``), planning there.
    A larger circuit's value plan keeps a cheap chain rule, so that its module serves the
    gradients too (no second module)."""
    cheap = derivatives or not values_written_out(circuit)
    gplan = plan.make_plan(circuit, target.rule_of, derivatives, cheap_chain=cheap)
    if target.method == "adjoint" and gplan.num_outputs > 1:
        check_memory(circuit.num_wires, target.method, gplan.num_outputs)
    return gplan


def values_written_out(circuit) -> bool:
    """:func:`qsym._emit.writable`'s cheap bounds for ``circuit``'s program of values only
    (one circuit run, no shifted ones; its one-wire Z words as the plan lists them,
    :func:`qsym._ir.linear_rows`): whether a value call's module is likely written out
    for values only (``emit_module(values_only=True)``), so that a gradient makes a module
    of its own (:func:`make_plan` then plans no shift rules for the value). Only a cost
    trade: either answer gives the same numbers.

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> z = lambda w: (sp.S(1), ((w, "Z"),))
    >>> values_written_out(Circuit(1, (Op("RX", (0,), (sp.S(1),)),),
    ...                            (Measurement("expval", (z(0),)),)))
    True
    >>> values_written_out(Circuit(4, (Op("RX", (0,), (sp.S(1),)),),
    ...                            (Measurement("expval", tuple(map(z, range(4)))),)))
    False
    """
    singles = {w for m in circuit.measurements if not ir.kernel_probs(m)
               for row in ir.linear_rows(m) for _, w in row
               if len(w) == 1 and w[0][1] == "Z"}
    return (circuit.num_wires < kernels.FUSE_MIN_WIRES and len(singles) < kernels.SINGLE_Z_TREE
            and (1 << circuit.num_wires) * len(circuit.ops) <= emit.UNROLL_MAX_OPS)


def make_program(circuit, gplan, values_only: bool = False) -> str:
    """Stage 6: the generated module's source (``values_only``: for value calls, a tiny
    circuit's gradients not written out: :func:`qsym._emit.emit_module`)."""
    return emit.emit_module(circuit, gplan, ir.structural_hash(circuit),
                            values_only=values_only)


def make_module(circuit, gplan, values_only: bool = False):
    """Stages 6-7: the program lowered (:func:`qsym._program.lower`) and, where the
    interpreter runs it (:func:`qsym._interp.module`; ``QSYM_INTERP=0`` turns it off), its
    :class:`qsym._interp.InterpretedModule`: no text made or run for the first calls (the
    text is made when something needs it). Else the module's text (:func:`make_program`)
    loaded as before (:func:`load`). Either way a :class:`qsym._tiers.LazyModule`."""
    if interp.enabled():
        program = lower(circuit, gplan)
        key = _hash_when_needed(circuit)  # (the interpreter's first answer needs none)

        def make_source():
            return emit.emit_module(circuit, gplan, key(), program=program,
                                    values_only=values_only)

        module = interp.module(circuit, program, key, make_source, values_only)
        if module is not None:
            return module
        return load(make_source())[0]
    return load(emit.emit_module(circuit, gplan, ir.structural_hash(circuit),
                                 values_only=values_only))[0]


def _hash_when_needed(circuit):
    """A function giving ``circuit``'s structural hash (:func:`qsym._ir.structural_hash`),
    made at its first call and kept (about 0.7 ms for a 12x8 HEA: issue #17)."""
    made: list = []

    def key() -> str:
        if not made:
            made.append(ir.structural_hash(circuit))
        return made[0]

    return key


def load(source: str, report: bool = False):
    """Stage 7: ``(module, on_disk)``: the generated module as a
    :class:`qsym._tiers.LazyModule`: the source run once as plain Python (what tier 0
    calls), the numba module (the file in the cache folder, imported; numba compiles each
    function at its first call) made only when something needs it. ``on_disk`` (only with
    ``report``; else None) says whether an earlier process left it in the cache folder."""
    module = tiers.LazyModule(source, cache.module_name(source),
                              tiers.python_namespace(source, cache.module_name(source)))
    return module, (module.on_disk() if report else None)


def broadcast_entry(element, s: Symbols):
    """A broadcast signature: the compiled single-element circuit ``element``, and where
    each batch element's inputs are in the full (batched) inputs."""
    x_shapes, x_axes, d_shapes, d_axes, full_blocks = [], [], [], [], []
    at = 0
    for what, kind, shape in s.parts:
        if kind == TRAIN:
            x_shapes.append(shape)
            x_axes.append(s.axes.get(what))
            n = int(np.prod(shape, dtype=np.int64))
            full_blocks.append((at, n, shape))
            at += n
        else:
            d_shapes.append(shape)
            d_axes.append(s.axes.get(what))
    return broadcast.Broadcast(element, s.size, x_shapes, x_axes, d_shapes, d_axes,
                               tuple(full_blocks), element.diff_args,
                               [v for _, v in s.literals], batched=s.batched)


def _used_wires(items, claims) -> list:
    """The wires of the recorded gates in order of first use, a template the device
    applies whole (``claims``) by all its wires where it stands."""
    order: list = []
    seen: set = set()

    def add(ws):
        for w in ws:
            if w not in seen:
                seen.add(w)
                order.append(w)

    after: dict = {}
    for anchor, ws, _trainable in claims:
        after.setdefault(None if anchor is None else id(anchor), []).append(ws)
    for ws in after.pop(None, ()):
        add(ws)
    for op in items:
        add(op.wires)
        for ws in after.pop(id(op), ()):
            add(ws)
    for left in after.values():  # an item a rewrite replaced: after the gates
        for ws in left:
            add(ws)
    return order


def _measurements(result) -> list:
    """The measurements of a returned pytree (tuples, lists, dicts), in order."""
    from ._operations import MeasurementProcess

    results: list = []

    def collect(r):
        if isinstance(r, MeasurementProcess):
            results.append(r)
        elif isinstance(r, (tuple, list)):
            for x in r:
                collect(x)
        elif isinstance(r, dict):
            for x in r.values():
                collect(x)

    collect(result)
    return results


def _measured_wires(result, device_wires=()) -> list:
    """The wires of the returned measurements, in order (a measurement of no wires:
    ``device_wires``)."""
    out: list = []
    for m in _measurements(result):
        ws = m.measured_obs.wires if m.measured_obs is not None else m.wires
        out.extend(ws if len(ws) else device_wires)
    return out


def _postselected_wires(result) -> list:
    """The wires of the postselected mid-circuit measurements the returned measurements
    are conditioned on (qsym applies them as projectors, not as recorded gates)."""
    out: list = []
    for m in _measurements(result):
        out.extend(w for w in (getattr(m, "postselect", None) or {}) if w not in out)
    return out


def sample_order(items, result, claims, device_wires: tuple) -> tuple:
    """The device's wire indices in the order PennyLane's ``default.qubit`` numbers the
    basis states it samples (``QuantumScript.map_to_standard_wires``): the gates' wires
    in order of first use (:func:`_used_wires`), then the wires only measured (as
    PennyLane takes them: a Python set's order), unless those are already the integers
    ``0..n-1`` in two blocks (then in numeric order); the device's other wires, not in
    PennyLane's state (``|0>``: zero probabilities, which change no draw wherever they
    are), last. ``()`` where the wires in PennyLane's state are in index order: the
    draws are then those of the basis states in index order.

    >>> from qsym import _operations as ops
    >>> sample_order([ops.RX(0.1, wires=2), ops.CNOT(wires=[2, 0])],
    ...              ops.expval(ops.PauliZ(1)), [], (0, 1, 2, 3))
    (2, 0, 1, 3)
    >>> sample_order([ops.RX(0.1, wires=1)], ops.expval(ops.PauliZ(3)), [], (0, 1, 2, 3))
    ()
    >>> sample_order([ops.RX(0.1, wires=1), ops.RX(0.1, wires=0)], ops.probs(wires=[2]),
    ...              [], (0, 1, 2))
    ()
    """
    index = {w: i for i, w in enumerate(device_wires)}
    op_wires = _used_wires(items, claims)
    meas_only = set(_measured_wires(result, device_wires)) - set(op_wires)
    k, m = len(op_wires), len(meas_only)
    ints = all(isinstance(w, numbers.Integral) and not isinstance(w, bool)
               for w in (*op_wires, *meas_only))
    if ints and set(op_wires) == set(range(k)) and meas_only == set(range(k, k + m)):
        labels = list(range(k + m))  # PennyLane maps nothing: the numeric order
    else:
        labels = op_wires + list(meas_only)
    order = [index[w] for w in labels if w in index]
    if order == sorted(order):
        return ()
    return tuple(order + [i for i in range(len(device_wires)) if i not in set(order)])


def circuit_wires(items, result, claims=()) -> Wires:
    """The wires of a traced circuit on a device made without ``wires=`` (PennyLane's
    rule, ``QuantumScript.map_to_standard_wires``): the gates' wires in order of first use,
    then the wires only measured; if those are the integers ``0..n-1`` (gates on
    ``0..k-1``, measured-only ``k..n-1``) they stay in numeric order. ``claims``
    (:attr:`qsym._trace.Tape.claims`): the wires of a template the device applies whole,
    used where it stands (after the item it follows), as PennyLane's tape keeps it.

    >>> from qsym import _operations as ops
    >>> circuit_wires([ops.RX(0.1, wires="b"), ops.CNOT(wires=["b", "a"])],
    ...               ops.expval(ops.PauliZ("c")))
    Wires(['b', 'a', 'c'])
    >>> circuit_wires([ops.RX(0.1, wires=1), ops.RX(0.1, wires=0)], ops.probs(wires=[2]))
    Wires([0, 1, 2])
    >>> circuit_wires([ops.RX(0.1, wires=0)], {"a": ops.sample(wires=[1]), "b": [ops.probs(wires=[2])]})
    Wires([0, 1, 2])
    """
    order = _used_wires(items, claims)
    seen = set(order)
    for w in _postselected_wires(result):  # PennyLane's tape keeps the mid-circuit measurement
        if w not in seen:
            seen.add(w)
            order.append(w)
    n_ops = len(order)
    for w in _measured_wires(result):
        if w not in seen:
            seen.add(w)
            order.append(w)
    if not order:  # no operations and no wires: the empty state [1], as PennyLane's
        sampled = [m.kind for m in _measurements(result) if m.kind in ("sample", "counts")]
        if items or sampled:
            raise WireError(
                "the circuit uses no wires, so a device made without wires= has nothing to "
                f"{'sample' if sampled else 'apply its operations to'}; give the device "
                "wires=, or apply a gate or measure a wire"
            )
    ints = all(isinstance(w, numbers.Integral) and not isinstance(w, bool) for w in order)
    if (ints and set(order[:n_ops]) == set(range(n_ops))
            and set(order[n_ops:]) == set(range(n_ops, len(order)))):
        return Wires(range(len(order)))
    return Wires(order)


def make_checks(circuit, raw) -> tuple:
    """The per-call checks of a circuit (:func:`qsym._trace.add_check`) as functions of its
    flat inputs ``(x, d)``; checks whose expressions use symbols the circuit does not have
    (a broadcast recording's) are left to the trace-time check."""
    syms = tuple(circuit.inputs) + tuple(circuit.data)
    known = set(syms)
    inputs = set(circuit.inputs)
    out = []
    for what, exprs, test, derivative in raw:
        exprs = [sp.sympify(e) for e in exprs]
        used = set().union(*(e.free_symbols for e in exprs))
        if not used <= known or (derivative and not used & inputs):
            continue
        f = lambdify(syms, exprs)

        def check(x, d, f=f, test=test, n=len(circuit.data)):  # (d's matrix data after n)
            test(np.asarray(f(*x, *d[:n]), dtype=complex))

        check.derivative = derivative
        check.test = test
        check.what, check.exprs = what, tuple(exprs)  # (an export writes it: qsym._aot)
        out.append(check)
    return tuple(out)


# --- matrix arguments as runtime data (issue #17) ----------------------------------------
MATRIX_CALLS = 64  # derived signatures a QNode keeps for matrix arguments (the oldest go)


def matrix_arguments(key) -> tuple:
    """The static arguments of signature ``key`` that are complex matrices (a 2-D complex
    array: a ``QubitUnitary``'s ``U`` passed as an argument), by position or keyword name."""
    out = []
    for i, part in enumerate(key):
        what, kind, sk = (i, part[0], part[1]) if len(part) == 2 else part
        if (kind == STATIC and isinstance(sk, tuple) and len(sk) == 4 and sk[0] == "array"
                and "c" in sk[1] and len(sk[2]) == 2):
            out.append(what)
    return tuple(out)


def matrix_template_key(key, whats) -> tuple:
    """``key`` with the matrix arguments ``whats`` by dtype and shape, not by value."""
    out = []
    for i, part in enumerate(key):
        if len(part) == 2 and i in whats:
            part = (part[0], ("matrix",) + part[1][1:3])
        elif len(part) == 3 and part[0] in whats:
            part = (part[0], part[1], ("matrix",) + part[2][1:3])
        out.append(part)
    return tuple(out)


def _argument(args, kwargs, what):
    return args[what] if isinstance(what, int) else kwargs[what]


def matrix_hyper(value) -> tuple:
    """A matrix argument as a ``QubitUnitary`` records it (nested tuples of complex)."""
    return tuple(tuple(complex(v) for v in row) for row in np.asarray(value, dtype=complex))


def with_matrices(circuit, uses, args, kwargs):
    """``circuit`` with the matrices of ops ``uses`` (``(op index, argument)`` pairs) taken
    from these arguments, checked as a traced circuit's are (:func:`qsym._ir.validate`:
    unitary)."""
    ops = list(circuit.ops)
    for k, what in uses:
        U = matrix_hyper(_argument(args, kwargs, what))
        ops[k] = replace(ops[k], hyper=tuple((h, U if h == "U" else v) for h, v in ops[k].hyper))
    return ir.validate(replace(circuit, ops=tuple(ops)))


def matrix_uses(target: Target, args, kwargs, key, circuit, whats):
    """``((op index, argument), ...)`` if the circuit function hands the matrix arguments
    ``whats`` to ``QubitUnitary`` as they are and uses them for nothing else, else None.

    The function is traced once more with each matrix replaced by a stand-in
    (:class:`qsym._trace.MatrixArgument`: a shape and nothing else, so any other use of it,
    a look at its numbers included, fails); its circuit, with the stand-ins replaced by this
    call's matrices, must be the traced ``circuit`` exactly. Then every matrix of the same
    shape gives the same circuit with its own numbers, which the compiled code reads as
    runtime data (:func:`qsym._ir.matrix_data`)."""
    sargs = [trace.MatrixArgument(i, np.shape(a)) if i in whats else a
             for i, a in enumerate(args)]
    skwargs = {k: trace.MatrixArgument(k, np.shape(v)) if k in whats else v
               for k, v in kwargs.items()}
    try:
        s = make_symbols(target, sargs, skwargs, key)
        items, result, wires = record(target, s)
        stand_in = to_circuit(items, result, wires, s)
    except Exception:  # the function used a matrix otherwise: static by value, as before
        return None
    uses = []
    for k, op in enumerate(stand_in.ops):
        for h, v in op.hyper:
            if isinstance(v, trace.MatrixArgument):
                if op.name not in ir.MATRIX_DATA_GATES or h != "U":
                    return None  # a matrix compiled as a constant (a gate of the user's)
                uses.append((k, v.what))
    if not uses:
        return None
    try:
        same = with_matrices(stand_in, uses, args, kwargs) == circuit
    except Exception:
        return None
    return tuple(uses) if same else None


class MatrixCall:
    """A compiled signature with other matrix arguments (issue #17): its circuit (the
    traced one with this call's matrices) and data tail are its own, everything else
    (the generated module, its tier, the plan) is the signature's ``entry``."""

    def __init__(self, entry, circuit):
        self.entry = entry  # the learned signature
        self.circuit = circuit
        self.data_tail = ir.matrix_data(circuit)

    def __getattr__(self, name):
        if name == "entry" or name.startswith("__"):  # (copy, pickle: not delegated)
            raise AttributeError(name)
        return getattr(self.entry, name)
