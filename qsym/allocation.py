"""PennyLane's ``qml.allocation``: dynamic qubit allocation (``qml.allocate``,
``qml.deallocate``, ``qml.transforms.resolve_dynamic_wires``).

A circuit asks for work wires with :func:`allocate`: it gets a :class:`DynamicRegister` of
:class:`~qsym.wires.DynamicWire` labels (placeholders) and records an :class:`Allocate`;
:func:`deallocate` (or leaving the ``with`` block) records a :class:`Deallocate`. Before a
circuit runs, :func:`resolve_dynamic_wires` puts real wires in place of the placeholders,
last in, first out: a wire given back is reused by the next allocation. A wire asked for in
``state="zero"`` comes from the zeroed wires; one given back with ``restored=False`` may
hold anything, so it is reset (a mid-circuit measurement with ``reset=True``) before it is
reused as a zeroed one, or (``allow_resets=False``) a fresh wire is taken instead.

A QNode resolves its circuit's allocations when it is traced (:func:`resolve_recording`, in
:data:`qsym._trace.TAPE_REWRITES`, before the deferral of mid-circuit measurements), as
PennyLane's ``default.qubit`` does (``device_resolve_dynamic_wires``): on a device with
``wires=``, its wires the circuit does not name are the zeroed ones (too few: an
:class:`~qsym.exceptions.AllocationError`); without, new integer wires follow the
circuit's largest. qsym defers every mid-circuit measurement, so a reset would cost a wire
too: a QNode takes a fresh wire instead (PennyLane's ``mcm_method="deferred"`` does too).

>>> import qsym as qml
>>> @qml.qnode(qml.device("default.qubit", wires=4))  # wire 3: the work wire
... def and_gate(a, b):
...     qml.BasisState([a, b], wires=[0, 1])
...     with qml.allocate(1) as [work]:
...         qml.Toffoli(wires=[0, 1, work])
...         qml.CNOT(wires=[work, 2])
...         qml.Toffoli(wires=[0, 1, work])  # uncompute: the wire goes back zeroed
...     return qml.expval(qml.Z(2))
>>> float(and_gate(1, 1)), float(and_gate(1, 0))
(-1.0, 1.0)
"""

from __future__ import annotations

from contextlib import contextmanager
from enum import Enum

from ._mcm import MidMeasure, new_meas_uid, rewrite_recording
from ._opmath import Operator
from ._shapes import format_values, tree_spec
from ._trace import TAPE_REWRITES, not_recording
from ._transform import null_postprocessing, transform
from ._operations import MeasurementProcess, only_table_gates
from .exceptions import AllocationError
from .wires import DynamicWire, Wires

__all__ = ["AllocateState", "Allocate", "Deallocate", "DynamicRegister", "DynamicWire",
           "allocate", "deallocate", "resolve_dynamic_wires", "device_resolve_dynamic_wires",
           "resolve_recording", "resolve_operations", "wire_pool",
           "allocate_prim", "deallocate_prim"]

# PennyLane's program-capture primitives (JAX): None, as PennyLane's without JAX
allocate_prim = None
deallocate_prim = None


class AllocateState(str, Enum):
    """The state dynamically allocated wires start in: ``"zero"`` or ``"any"``.

    >>> from qsym.allocation import AllocateState
    >>> AllocateState("any") is AllocateState.ANY, AllocateState.ZERO == "zero"
    (True, True)
    """

    ZERO = "zero"
    ANY = "any"

    def __str__(self):
        return self.value


class Allocate(Operator):
    """The request for dynamic wires that :func:`allocate` records: ``wires`` (the
    :class:`~qsym.wires.DynamicWire` labels), ``state`` (``"zero"`` or ``"any"``) and
    ``restored`` (whether they are given back in the state they were given) as
    hyperparameters. It applies nothing: :func:`resolve_dynamic_wires` removes it.

    >>> from qsym.allocation import Allocate
    >>> op = Allocate.from_num_wires(2, state="any")
    >>> len(op.wires), op.state, op.restored
    (2, <AllocateState.ANY: 'any'>, False)
    """

    has_matrix = False
    has_decomposition = False

    def __init__(self, wires, state=AllocateState.ZERO, restored=False):
        super().__init__(wires=wires, state=AllocateState(state), restored=restored)

    @property
    def state(self) -> AllocateState:
        """The state the wires must start in."""
        return self.hyperparameters["state"]

    @property
    def restored(self) -> bool:
        """Whether the wires are given back in the state they started in."""
        return self.hyperparameters["restored"]

    @classmethod
    def from_num_wires(cls, num_wires: int, state=AllocateState.ZERO, restored=False) -> Allocate:
        """An ``Allocate`` of ``num_wires`` new dynamic wires.

        >>> from qsym.allocation import Allocate
        >>> len(Allocate.from_num_wires(3).wires)
        3
        """
        return cls(wires=tuple(DynamicWire() for _ in range(num_wires)), state=state,
                   restored=restored)


class Deallocate(Operator):
    """The end of dynamic wires' use that :func:`deallocate` records; applies nothing.

    >>> from qsym.allocation import Deallocate, DynamicWire
    >>> Deallocate([DynamicWire()]).name
    'Deallocate'
    """

    has_matrix = False
    has_decomposition = False

    def __init__(self, wires):
        super().__init__(wires=wires)


def deallocate(wires) -> Deallocate:
    """PennyLane's ``qml.deallocate(wires)``: gives back wires :func:`allocate` returned
    (one :class:`~qsym.wires.DynamicWire`, or several), so a later allocation may reuse
    them; records and returns a :class:`Deallocate`. Other wires are a ``ValueError``.

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     [w] = qml.allocate(1)
    ...     _ = qml.X(w)
    ...     _ = qml.deallocate(w)
    >>> [op.name for op in q.queue]
    ['Allocate', 'PauliX', 'Deallocate']
    """
    wires = Wires(tuple(wires) if isinstance(wires, Wires) else wires)
    others = [w for w in wires if not isinstance(w, DynamicWire)]
    if others:
        raise ValueError(f"deallocate only accepts DynamicWire wires. Got {others}: give it "
                         "the wires qml.allocate returned")
    return Deallocate(wires)


class DynamicRegister(Wires):
    """The wires :func:`allocate` returns: a :class:`~qsym.wires.Wires` of
    :class:`~qsym.wires.DynamicWire` labels; as a context manager it deallocates them at
    the end of the block. Not hashable (PennyLane's).

    >>> from qsym.allocation import DynamicRegister, DynamicWire
    >>> reg = DynamicRegister([DynamicWire(), DynamicWire()])
    >>> reg, reg[0]
    (<DynamicRegister: size=2>, <DynamicWire>)
    """

    def __new__(cls, wires=()):
        return super().__new__(cls, tuple(wires))

    def __repr__(self):
        return f"<DynamicRegister: size={len(self)}>"

    def __enter__(self):
        return self

    def __exit__(self, *_):
        deallocate(self)

    def __hash__(self):
        raise TypeError("unhashable type 'DynamicRegister'")


def allocate(num_wires: int, state="zero", restored: bool = False) -> DynamicRegister:
    """PennyLane's ``qml.allocate``: ``num_wires`` new work wires (a
    :class:`DynamicRegister` of :class:`~qsym.wires.DynamicWire` labels) in ``state``
    ``"zero"`` (``|0>``) or ``"any"``; ``restored=True`` promises to give them back in that
    state. Records an :class:`Allocate`. Use it as a context manager (the wires are given
    back at the end of the block) or call :func:`deallocate`. A QNode puts real wires in
    their place (the module's text).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit"))
    ... def copy_and_measure():
    ...     qml.H(0)
    ...     with qml.allocate(1, state="zero", restored=True) as wires:
    ...         qml.CNOT([0, wires[0]])
    ...         qml.CNOT([0, wires[0]])
    ...     return qml.probs(wires=0)
    >>> copy_and_measure()
    array([0.5, 0.5])
    """
    state = AllocateState(state)
    register = DynamicRegister(DynamicWire() for _ in range(num_wires))
    Allocate(register, state=state, restored=restored)
    return register


class _WirePool:
    """The wires dynamic wires may take: a stack of zeroed wires and one of wires in any
    state (last in, first out), new integer wires from ``min_int`` on when both are empty
    (None: none), and where each wire on loan goes back."""

    def __init__(self, zeroed=(), any_state=(), min_int=None, allow_resets=True):
        self.free = {AllocateState.ZERO: list(zeroed), AllocateState.ANY: list(any_state)}
        self.loaned: dict = {}
        self.min_int, self.allow_resets = min_int, allow_resets

    def _new_wire(self) -> None:
        if self.min_int is None:
            raise AllocationError("no wires left to allocate.")
        self.free[AllocateState.ZERO].append(self.min_int)
        self.min_int += 1

    def take(self, state, restored) -> tuple:
        """``(wire, ops)``: a wire for one dynamic wire asked for in ``state``, and the
        operations to apply first (a reset)."""
        zeroed, anything = self.free[AllocateState.ZERO], self.free[AllocateState.ANY]
        if not zeroed and not anything:
            self._new_wire()
        back = AllocateState.ZERO if restored else AllocateState.ANY
        if state == AllocateState.ANY:
            if anything:  # (it goes back in any state, whatever was promised)
                back = AllocateState.ANY
            wire = anything.pop() if anything else zeroed.pop()
            self.loaned[wire] = back
            return wire, []
        if not zeroed and not self.allow_resets:
            self._new_wire()
        if zeroed:
            wire, ops = zeroed.pop(), []
        else:  # a wire in any state, reset to |0> (a mid-circuit measurement, reset=True)
            wire = anything.pop()
            with not_recording():
                ops = [MidMeasure(wire, reset=True, meas_uid=new_meas_uid())]
        self.loaned[wire] = back
        return wire, ops

    def give_back(self, wire) -> None:
        """``wire`` is free again, zeroed or in any state as it was lent."""
        self.free[self.loaned.pop(wire)].append(wire)


def wire_pool(zeroed=(), any_state=(), min_int=None, allow_resets=True) -> _WirePool:
    """The wires :func:`resolve_operations` gives dynamic wires: ``zeroed`` and
    ``any_state`` (the last first), then new integers from ``min_int`` (None: none).

    >>> from qsym.allocation import wire_pool
    >>> wire_pool(zeroed=("a",)).take("zero", restored=True)
    ('a', [])
    """
    return _WirePool(zeroed, any_state, min_int, allow_resets)


def _deallocated_use(used: set, what) -> AllocationError:
    return AllocationError(
        f"Encountered deallocated wires {used} in {what}. Dynamic wires cannot be used after "
        "deallocation: allocate new wires (qml.allocate) instead")


def resolve_operations(operations, measurements, pool: _WirePool) -> tuple:
    """``(operations, measurements, changed)``: the circuit with the wires of ``pool`` in
    place of its dynamic wires, its ``Allocate`` and ``Deallocate`` gone (and resets
    added where ``pool`` needs them); ``changed``: whether it had any. A dynamic wire used
    after it is deallocated is an :class:`~qsym.exceptions.AllocationError`.

    >>> import qsym as qml
    >>> from qsym.allocation import Allocate, resolve_operations, wire_pool
    >>> op = Allocate.from_num_wires(1)
    >>> resolve_operations([op, qml.X(op.wires)], [], wire_pool(min_int=0))
    ([X(0)], [], True)
    """
    wire_map, deallocated, out = {}, set(), []
    for op in operations:
        name = getattr(op, "name", None)
        if name == "Allocate" and isinstance(op, Allocate):
            for w in op.wires:
                wire_map[w], resets = pool.take(op.state, op.restored)
                out.extend(resets)
        elif name == "Deallocate" and isinstance(op, Deallocate):
            for w in op.wires:
                deallocated.add(w)
                pool.give_back(wire_map.pop(w))
        else:
            if wire_map and any(w in wire_map for w in getattr(op, "wires", ())):
                with not_recording():
                    op = op.map_wires(wire_map)
            if deallocated and (used := deallocated.intersection(getattr(op, "wires", ()))):
                raise _deallocated_use(used, op)
            out.append(op)
    changed = bool(wire_map or deallocated or len(out) != len(operations))
    new_ms = []
    for m in measurements:
        if wire_map and any(w in wire_map for w in m.wires):
            with not_recording():
                m = m.map_wires(wire_map)
        if deallocated and (used := deallocated.intersection(m.wires)):
            raise _deallocated_use(used, m)
        new_ms.append(m)
    return out, new_ms, changed


@transform
def resolve_dynamic_wires(tape, zeroed=(), any_state=(), min_int=None, allow_resets=True):
    """PennyLane's ``qml.transforms.resolve_dynamic_wires``: the tape with real wires in
    place of its dynamic wires (:func:`allocate`), ``([tape], fn)``. Wires come from
    ``zeroed`` (known to be ``|0>``) and ``any_state`` (any state), the last first; with
    ``min_int``, new integer wires from it on when both are used up. A wire given back
    is reused; one in any state asked for zeroed gets a reset (a ``MidMeasure`` with
    ``reset=True``), or with ``allow_resets=False`` a fresh wire. No wire left: an
    :class:`~qsym.exceptions.AllocationError`.

    >>> import qsym as qml
    >>> def circuit():
    ...     with qml.allocate(1) as wires:
    ...         qml.X(wires)
    ...     with qml.allocate(1) as wires:
    ...         qml.Y(wires)
    >>> tape = qml.tape.make_qscript(circuit)()
    >>> qml.transforms.resolve_dynamic_wires(tape, zeroed=("a", "b"))[0][0].operations
    [X('b'), Y('a')]
    >>> qml.transforms.resolve_dynamic_wires(tape, min_int=0)[0][0].operations
    [X(0), MidMeasure(wires=[0], postselect=None, reset=True), Y(0)]
    """
    return _resolved_tape(tape, _WirePool(zeroed, any_state, min_int, allow_resets))


def _resolved_tape(tape, pool):
    """``((tape with its dynamic wires resolved from pool,), null_postprocessing)``: the
    tape itself when it allocates nothing."""
    ops, ms, changed = resolve_operations(tape.operations, tape.measurements, pool)
    if not changed:
        return (tape,), null_postprocessing
    return (tape.copy(ops=ops, measurements=ms, trainable_params=tape.trainable_params),), \
        null_postprocessing


@transform
def device_resolve_dynamic_wires(tape, wires=None, allow_resets=True):
    """PennyLane's ``qml.devices.preprocess.device_resolve_dynamic_wires``:
    :func:`resolve_dynamic_wires` with the device's ``wires`` the tape does not use as the
    zeroed wires (the last first); without device wires, new integers after the tape's
    largest. Too few: an :class:`~qsym.exceptions.AllocationError` naming the device wires.

    >>> import qsym as qml
    >>> def f():
    ...     qml.H(0)
    ...     with qml.allocate(1) as w:
    ...         qml.X(w)
    >>> tape = qml.tape.make_qscript(f)()
    >>> from qsym.devices.preprocess import device_resolve_dynamic_wires
    >>> device_resolve_dynamic_wires(tape, wires=(0, "a", "b"))[0][0].operations
    [H(0), X('a')]
    >>> device_resolve_dynamic_wires(tape)[0][0].operations
    [H(0), X(1)]
    """
    if wires:
        pool = _WirePool(zeroed=reversed([w for w in wires if w not in tape.wires]),
                         allow_resets=allow_resets)
    else:
        pool = _WirePool(min_int=max(_integer_wires(tape.operations, tape.measurements),
                                     default=-1) + 1, allow_resets=allow_resets)
    with _device_wires_named(wires):
        return _resolved_tape(tape, pool)


@contextmanager
def _device_wires_named(device_wires):
    """An :class:`~qsym.exceptions.AllocationError` for too few wires names the device's."""
    try:
        yield
    except AllocationError as exc:
        if "no wires left" not in str(exc):
            raise
        raise AllocationError(
            f"Not enough available wires on device with wires {device_wires} for requested "
            "dynamic wires: create the device with more wires, or without wires=, or give "
            "wires back (qml.deallocate) before allocating more") from exc


def _integer_wires(items, measurements) -> list:
    return [w for obj in (*items, *measurements) for w in getattr(obj, "wires", ())
            if isinstance(w, int) and not isinstance(w, bool)]


def resolve_recording(items, result, device_wires=None):
    """A QNode's recording with its dynamic wires resolved as PennyLane's ``default.qubit``
    resolves them (``device_resolve_dynamic_wires``; registered in
    :data:`qsym._trace.TAPE_REWRITES`, before the deferral of mid-circuit measurements):
    the device's wires the circuit does not use, the last first, else (no device wires)
    new integers after the circuit's largest; a fresh wire rather than a reset (qsym
    defers mid-circuit measurements). Too few wires: an
    :class:`~qsym.exceptions.AllocationError`. Unchanged without allocations.

    >>> from qsym.allocation import resolve_recording
    >>> resolve_recording([], None)
    ([], None)
    """
    if only_table_gates(items) or not any(isinstance(op, (Allocate, Deallocate))
                                          for op in items):
        return items, result  # (qsym's table gates: none is either, by their classes)
    spec, ms = tree_spec(result, lambda m: isinstance(m, MeasurementProcess))
    if spec is None:
        return items, result  # (refused by a later stage, with its message)
    used = {w for obj in (*items, *ms) for w in getattr(obj, "wires", ())}
    if device_wires:
        pool = _WirePool(zeroed=reversed([w for w in device_wires if w not in used]),
                         allow_resets=False)
    else:
        pool = _WirePool(min_int=max(_integer_wires(items, ms), default=-1) + 1,
                         allow_resets=False)
    with _device_wires_named(None if device_wires is None else Wires(device_wires)):
        items, ms, _ = resolve_operations(items, ms, pool)
    return items, format_values(("tree", spec), ms)


TAPE_REWRITES.insert(TAPE_REWRITES.index(rewrite_recording), resolve_recording)
