"""Trace: run the user's circuit function once with symbols as inputs.

The inputs are :class:`Traced` values wrapping sympy symbols. Arithmetic on them, and
NumPy's elementwise functions (:data:`UFUNCS`), build exact sympy expressions, so
``RX(2*x[0] + np.sin(x[1]))`` records an exact expression. Gates record themselves on the
active :class:`Tape` (one per thread); the recorded tape becomes a
:class:`qsym._ir.Circuit`.

Python control flow that depends on the *value* of a traced input cannot be traced: a
:class:`Traced` value refuses ``bool()``, comparisons, ``int()``, ``float()``, ``round()``
and use as an index with a :class:`qsym.errors.TracingError` that says what to do, for
every value (not only the traced one). A numeric replay of the function at the traced
point is a second net for what the tracer cannot see (a test on the type of an argument).

>>> import sympy as sp
>>> from qsym import _operations as ops
>>> x = sp.Symbol("x", real=True)
>>> tape = Tape()
>>> with recording(tape):
...     _ = ops.RX(2 * x, wires=0)
>>> tape.items
[RX(2*x, wires=[0])]
"""

from __future__ import annotations

import functools
import sys
import math
import numbers
import random as pyrandom
import threading
from contextlib import contextmanager

import numpy as np
import sympy as sp

from ._ir import symbol_text
from ._locks import new_lock
from ._shapes import tree_spec
from .errors import (ClosureDerivativeError, CustomMeasurementError, GateError, MeasurementError, TracingError,
                     WireError)

_UNSET = object()  # (thread_setting: no value before the block)


@contextmanager
def thread_setting(local: threading.local, name: str, value):
    """Inside the ``with`` block, ``local.name`` is ``value`` on this thread only (``local``
    a ``threading.local``); after it, however the block ends, the value before (or none)
    is back. Other threads see their own value throughout.

    >>> where = threading.local()
    >>> with thread_setting(where, "on", True):
    ...     where.on
    True
    >>> hasattr(where, "on")
    False
    """
    previous = getattr(local, name, _UNSET)
    setattr(local, name, value)
    try:
        yield value
    finally:
        if previous is _UNSET:
            delattr(local, name)
        else:
            setattr(local, name, previous)


# this thread's stack of tapes being recorded (active_tape)
LOCAL = threading.local()
# every tape being recorded, on any thread: grad's short path (qsym._runtime) reads it,
# one truth test where LOCAL's per-thread lookup costs a few times more; while anything
# is recorded anywhere it leaves the call to the full path, which asks LOCAL
RECORDING: list = []


# functions ``(items, result, device_wires) -> (items, result)`` applied to every recording
# once the circuit function has returned (device_wires None: not known, a replay): the
# deferral of mid-circuit measurements (qsym._mcm) registers itself here, so this stage
# takes what a higher one records without importing it
TAPE_REWRITES: list = []


def rewritten(items, result, device_wires=None):
    """``(items, result)`` after every rewrite of :data:`TAPE_REWRITES`.

    >>> rewritten([], None)
    ([], None)
    """
    for rewrite in TAPE_REWRITES:
        items, result = rewrite(items, result, device_wires)
    return items, result


class IdCountedList(list):
    """A list that also counts the ids it holds (``ids``), kept by every method that
    changes it, so asking whether an object is there, or taking off one that is not, costs
    no scan (a ``qml.ctrl`` of a template made thousands of gates on a long tape, each
    taken off a tape it was never on: a scan of the whole tape each time).

    >>> xs = IdCountedList([a := object(), b := object()])
    >>> xs[1:] = [a]; del xs[0]; xs.insert(0, b)
    >>> len(xs), id(a) in xs.ids, xs.ids[id(b)]
    (2, True, 1)
    """

    def __init__(self, items=()):
        super().__init__()
        self.ids: dict = {}
        self.extend(items)

    def _add(self, xs) -> None:
        ids = self.ids
        for x in xs:
            ids[id(x)] = ids.get(id(x), 0) + 1

    def _drop(self, xs) -> None:
        ids = self.ids
        for x in xs:
            k = id(x)
            if ids[k] == 1:
                del ids[k]
            else:
                ids[k] -= 1

    def append(self, x) -> None:
        list.append(self, x)
        ids = self.ids
        ids[id(x)] = ids.get(id(x), 0) + 1

    def extend(self, xs) -> None:
        xs = list(xs)
        super().extend(xs)
        self._add(xs)

    def __iadd__(self, xs):
        self.extend(xs)
        return self

    def insert(self, i, x) -> None:
        super().insert(i, x)
        self._add((x,))

    def pop(self, i=-1):
        x = super().pop(i)
        self._drop((x,))
        return x

    def remove(self, x) -> None:
        del self[self.index(x)]

    def clear(self) -> None:
        super().clear()
        self.ids = {}

    def __delitem__(self, i) -> None:
        gone = self[i] if isinstance(i, slice) else (self[i],)
        super().__delitem__(i)
        self._drop(gone)

    def __setitem__(self, i, value) -> None:
        gone = self[i] if isinstance(i, slice) else (self[i],)
        value = list(value) if isinstance(i, slice) else value
        super().__setitem__(i, value)
        self._drop(gone)
        self._add(value if isinstance(i, slice) else (value,))

    def __imul__(self, n):
        super().__imul__(n)
        self.ids = {}
        self._add(self)
        return self


class QueueLog(IdCountedList):
    """A user's queue (:attr:`Tape.log`): a list that also counts the ids it holds, so that
    taking an object off that is not there costs no scan."""

    def pop_at(self, i: int) -> None:
        """Delete the entry at ``i``."""
        del self[i]

    def keep(self, test) -> None:
        """Keep the entries ``test`` accepts, in order."""
        kept = [x for x in self if test(x)]
        self.clear()
        self.extend(kept)


class Tape:
    """The gates recorded while a circuit function runs, in order."""

    def __init__(self):
        self.items: list = IdCountedList()  # (remove: no scan for a gate not on it)
        # gates taken off the tape to become (part of) an observable, until a measurement
        # uses that observable: any left at the end were neither applied nor measured
        self.observed: dict = {}
        self.unapplied: dict = {}  # operators only a measurement can use (:meth:`hold`)
        # products of gates made here as statements: (the gate before them, the product,
        # its gates in the order they apply); applied there unless measured or used
        self.pending: list = []
        self.made: list = []  # the measurements made here, in order
        # ``(the item before, wires, trainable)``: a template PennyLane's device applies
        # whole (its tape keeps it, so all its wires are the circuit's, even those its gates
        # leave alone: ``BasisState``'s zero bits; :func:`qsym._stages.circuit_wires` reads
        # them), and whether its data hold a trainable tensor (a tape parameter: results
        # are autograd's, qsym._runtime._reads_arguments)
        self.claims: list = []

    # PennyLane's queue of a user's recording (qml.queuing.AnnotatedQueue, qml.tape.QuantumTape):
    # a list of the operators as PennyLane queues them (a template, Adjoint(...), Controlled(...)
    # as one entry, operands taken off by the operator using them); None for every other tape,
    # whose ``items`` are the table gates a circuit applies
    log = None
    # True for a tape a template records its gates on when no circuit is being recorded
    # (:func:`aside_tape`): its gates may hold autograd boxes, as gates made outside any
    # circuit do (qsym._operations.check_param)
    aside = False
    # True for the numeric run ``qml.draw`` records (never executed): operators no device
    # runs (a Pauli product measurement) may be recorded there to be drawn
    drawn_only = False
    # on that run: ``(number of gates recorded before it, Barrier)`` per qml.Barrier made
    # in the circuit function itself (qsym records no gate for it; qml.draw draws it);
    # None on other tapes
    barriers: list | None = None
    # True for the recording of a branch of ``qml.cond`` on measurement values: a measurement
    # made there is refused by ``qml.cond`` itself (PennyLane's ConditionalTransformError)
    branch = False
    # Counts the events after which a gate taken off as (part of) an observable may be
    # back on the tape or no longer waiting for a measurement (:attr:`observed` loses it,
    # or it is appended again): a sum's kept Pauli forms (qsym._operations._KeptForms) are
    # what its operands would make again only while this is unchanged
    epoch = 0

    @property
    def queue(self) -> list:
        """PennyLane's ``QueuingManager.active_context().queue``: a user's queue's operators
        as queued there; in a circuit, the gates recorded so far (qsym records the table
        gates a template or ``qml.ctrl`` applies, not the operator itself), as a new list.

        >>> import qsym as qml
        >>> seen = []
        >>> @qml.qnode(qml.device("default.qubit", wires=1))
        ... def c():
        ...     qml.Hadamard(0)
        ...     seen.append(qml.QueuingManager.active_context().queue)
        ...     return qml.expval(qml.Z(0))
        >>> _ = c()
        >>> seen[-1]
        [H(0)]
        """
        return list(self.log if self.log is not None else self.items)

    # (count, callback): a template's own tape calls callback() (which raises) before its
    # count-th gate (qsym.templates.MAX_TEMPLATE_GATES); None on a circuit's tape
    limit = None

    def append(self, op) -> None:
        if self.limit is not None and len(self.items) >= self.limit[0]:
            self.limit[1]()
        self.items.append(op)
        if self.observed and id(op) in self.observed:  # an observable's gate applied again
            self.epoch += 1
        if self.log is not None and not (self.log and self.log[-1] is op):
            self.log.append(op)

    def remove(self, op) -> bool:
        """Take ``op`` off the tape (and off its queue); whether it was there. A
        ``QubitUnitary`` of a matrix of the inputs takes its derivative's carriers along
        (the operator using it, ``qml.adjoint(op)``, applies the matrix only): a derivative
        by those inputs is then refused (:meth:`Looks.number`'s ``by_value``)."""
        if self.log is not None:
            self.unqueue((op,))
        if id(op) not in self.items.ids:
            return False
        for i in range(len(self.items) - 1, -1, -1):
            if self.items[i] is op:
                del self.items[i]
                self._drop_carriers(op)
                return True
        return False

    def _drop_carriers(self, op) -> None:
        looks = known()
        for carrier in getattr(op, "_carriers", None) or ():
            self.remove(carrier)
            for sym in (looks is not None and carrier.params[0].free_symbols) or ():
                if not symbol_text(sym).startswith(CARRIER):
                    looks.by_value.setdefault(sym, f"{op.name} of a matrix of the inputs "
                                              "used by another operator (pass the class "
                                              f"instead: qml.adjoint(qml.{op.name})(U, wires))")

    def unqueue(self, objs) -> None:
        """Take ``objs`` off the queue (PennyLane's ``QueuingManager.remove``); no-op without one."""
        log = self.log
        if not log:
            return
        left = {id(o) for o in objs if id(o) in log.ids}
        for i in range(len(log) - 1, -1, -1):  # from the end: operands are made just before
            if not left:
                return
            if id(log[i]) in left:
                left.discard(id(log[i]))
                log.pop_at(i)

    def observe(self, op) -> None:
        """``op`` left the tape to become part of an observable."""
        self.observed[id(op)] = op

    def check_order(self, result) -> None:
        """PennyLane's rule: the measurements made here are returned in the order they
        were made (those made elsewhere are not checked)."""
        made = {id(m) for m in self.made}
        _, returned = tree_spec(result, lambda m: isinstance(m, Measured))
        returned = [m for m in returned if id(m) in made]
        ids = {id(m) for m in returned}
        if [id(m) for m in returned] != [id(m) for m in self.made if id(m) in ids]:
            raise MeasurementError(
                "All measurements must be returned in the order they are measured: make "
                "the measurements in the order the circuit function returns them")

    def measured(self, ops) -> None:
        """The observable made of ``ops`` is measured."""
        self.epoch += 1
        for op in ops:
            self.observed.pop(id(op), None)
            self.unapplied.pop(id(op), None)

    def used(self, op, gates=()) -> None:
        """``op`` (made of ``gates``) was used whole, not applied (``qml.matrix`` of it): its
        gates and those of a product of gates made as a statement (:meth:`pend`) are
        neither applied nor left waiting for a measurement."""
        made = tuple(g for _, o, gs in self.pending if o is op for g in gs)
        self.pending = [p for p in self.pending if p[1] is not op]
        self.measured((op, *gates, *made, *getattr(op, "_gates", ())))

    def hold(self, op, refusal: str) -> None:
        """``op`` was made here but cannot be applied (a Hermitian ``qml.exp(qml.Z(0),
        0.5)``): a measurement may take it as its observable (:meth:`measured`); else
        :meth:`check_observed` raises ``GateError(refusal)``."""
        self.unapplied[id(op)] = (op, refusal)

    def pend(self, op, gates) -> None:
        """``op`` (a product of ``gates``, taken off the tape as operands) was made here: if no
        measurement or other operator uses it, it is applied here, ``gates`` in order (as
        PennyLane applies an operator product written as a statement). Gates made outside
        this circuit (operands made before the QNode ran) are its operands as if made here."""
        gates = tuple(gates)
        here = {id(item) for item in self.items}
        outside = tuple(g for g in gates if id(g) not in self.observed and id(g) not in here)
        for g in outside:
            self.observe(g)
        if outside and hasattr(op, "_gates"):  # an operator using op uses these gates too
            op._gates = tuple(op._gates) + outside
        self.pending.append((self.items[-1] if self.items else None, op, gates))

    def consume(self, ops) -> None:
        """Products made here as statements (:meth:`pend`) became operands of a sum or a
        scalar multiple: not applied where they were made (PennyLane's queue: the operands
        leave it, the sum joins); their gates wait for a measurement of the sum, or
        :meth:`check_observed` refuses them, as it refuses a sum of plain gates."""
        ids = {id(op) for op in ops}
        self.pending = [entry for entry in self.pending if id(entry[1]) not in ids]

    def hand_over(self, old, old_gates, new, new_gates, applied) -> None:
        """``new``, made of the gates ``new_gates`` off the tape, takes the place of ``old``, an
        operator made of this circuit's gates ``old_gates`` (``qml.simplify`` in a circuit, as
        PennyLane's replaces its input in the queue): ``old``'s gates are used, ``new``'s wait
        for a measurement; where ``old`` was a statement, ``applied`` (``new``'s gates in order,
        or None when ``new`` cannot be applied) is applied in its place."""
        self.measured(old_gates)
        for g in new_gates:
            self.observe(g)
        entries = []
        for anchor, op, gates in self.pending:
            if op is new:
                continue  # (made as a statement here: its place is old's)
            if op is old:
                if applied is None:
                    continue
                op, gates = new, tuple(applied)
            entries.append((anchor, op, gates))
        self.pending = entries

    def hand_off(self, op) -> None:
        """``op``, a product made here as a statement (:meth:`pend`), is given to another
        recording (a branch of ``qml.cond`` takes its arguments): it is not applied here, and
        its gates are used; off the queue too (PennyLane's ``qml.cond`` dequeues its
        arguments: ``qml.cond(m, qml.prod)(qml.T(0), qml.X(1) @ qml.Z(2))`` queues one
        ``Conditional``)."""
        if self.log is not None:
            self.unqueue((op,))
        for _anchor, pended, gates in self.pending:
            if pended is op:
                self.measured(gates)
        self.pending = [entry for entry in self.pending if entry[1] is not op]

    def apply_pending(self, whole=False, since=0) -> None:
        """Apply the products of gates made as statements (:meth:`pend`) where they were made
        (``whole=True``: each product as one operation, as PennyLane's queue holds it);
        ``since``: only those pended since ``len(self.pending)`` was ``since`` (the ones made
        by a function run on this tape), the earlier ones left pending."""
        later, self.pending = self.pending[since:], self.pending[:since]
        for anchor, op, gates in reversed(later):  # an outer product before its factors
            if not gates or not all(id(g) in self.observed for g in gates):
                continue  # measured, or an operand of a later operator
            at = next((i + 1 for i in range(len(self.items) - 1, -1, -1)
                       if self.items[i] is anchor), 0 if anchor is None else None)
            if at is None:  # the gate before it was taken off since: keep the error below
                continue
            self.epoch += 1
            for g in gates:
                self.observed.pop(id(g), None)
            self.items[at:at] = [op] if whole else gates

    def check_observed(self) -> None:
        """Apply the products of gates made as statements (:meth:`pend`), then refuse gates that became an observable which no measurement used: PennyLane
        applies such a product or sum as an operation; qsym would silently drop it."""
        self.apply_pending()
        for _, refusal in self.unapplied.values():
            raise GateError(refusal)
        if self.observed:
            names = ", ".join(f"{type(op).__name__}(wires={list(op.wires)})"
                              for op in self.observed.values())
            raise TracingError(
                f"the gates {names} were combined into an operator (with +, * or "
                "qml.sum / qml.s_prod / qml.dot) that is neither measured nor applied: qsym "
                "applies products of gates written as statements, not sums or scalar "
                "multiples of gates. Apply the gates one after the other, or measure the "
                "operator (qml.expval(...))"
            )


def active_tape() -> Tape | None:
    """The tape being recorded on this thread, or None."""
    stack = getattr(LOCAL, "stack", None)
    return stack[-1] if stack else None


def aside_tape() -> Tape:
    """A fresh tape for a template's own gates: marked :attr:`Tape.aside` when nothing
    records on this thread (a template made outside any circuit, e.g. by a decomposition
    under ``qml.grad``), so that its gates keep autograd-boxed parameters and the gradient
    flows through them; inside a circuit's recording, a plain tape.

    >>> aside_tape().aside
    True
    """
    tape = Tape()
    tape.aside = outer_tape() is None
    return tape


def outer_tape() -> Tape | None:
    """The first tape of this thread's recordings (a QNode's trace, or a user's
    ``QuantumTape``, under any template being built), or None."""
    stack = getattr(LOCAL, "stack", None)
    return stack[0] if stack else None


def recording_root() -> Tape | None:
    """The tape this thread's current recording started on: the first tape since the last
    :func:`not_recording` block (a QNode's trace, or a user's queue: its ``log`` is not
    None), or None.

    >>> t = Tape()
    >>> with recording(t):
    ...     with recording(Tape()):
    ...         recording_root() is t
    True
    """
    tapes = recording_tapes()
    return tapes[-1] if tapes else None


def recording_tapes() -> list:
    """The tapes of this thread's current recording, innermost first, back to its root
    (:func:`recording_root`): an operator made on an outer tape and used by a function
    ``qml.adjoint`` / ``qml.ctrl`` records on a tape of its own is used on each.

    >>> t, u = Tape(), Tape()
    >>> with recording(t):
    ...     with recording(u):
    ...         recording_tapes() == [u, t]
    True
    """
    out = []
    for tape in reversed(getattr(LOCAL, "stack", None) or ()):
        if tape is None:
            break
        out.append(tape)
    return out


@contextmanager
def recording(tape: Tape):
    """Record gates created in this block (on this thread) on ``tape``."""
    stack = getattr(LOCAL, "stack", None)
    if stack is None:
        stack = LOCAL.stack = []
    stack.append(tape)
    RECORDING.append(tape)
    try:
        yield tape
    finally:
        stack.pop()
        RECORDING.remove(tape)


@contextmanager
def recording_for(device):
    """The device a QNode records its circuit function for, on this thread, inside the
    block: PennyLane's QNode makes it the debugger's active device while the function
    runs (``qml.debugging.PLDB`` reads it with :func:`recording_device`).

    >>> with recording_for("dev"):
    ...     recording_device()
    'dev'
    >>> recording_device() is None
    True
    """
    before = getattr(LOCAL, "device", None)
    LOCAL.device = device
    try:
        yield device
    finally:
        LOCAL.device = before


def recording_device():
    """The device of the QNode recording on this thread (:func:`recording_for`), or None."""
    return getattr(LOCAL, "device", None)


def recording_for(device):
    """Make ``device`` the device of the QNode whose circuit function runs on this thread
    (None: no QNode's) and return the one before, to be given back when the run ends:
    PennyLane's QNode makes its device the debugger's active device while its function
    runs (``qml.debugging.PLDB`` reads it with :func:`recording_device`).

    >>> before = recording_for("dev")
    >>> recording_device()
    'dev'
    >>> recording_for(before)
    'dev'
    >>> recording_device() is None
    True
    """
    before = getattr(LOCAL, "device", None)
    LOCAL.device = device
    return before


def recording_device():
    """The device of the QNode whose circuit function runs on this thread
    (:func:`recording_for`), or None."""
    return getattr(LOCAL, "device", None)


@contextmanager
def not_recording():
    """Run a block with no tape recording on this thread (a QNode called inside a user's
    ``qml.queuing.AnnotatedQueue``: its gates are not queued there, as PennyLane's)."""
    stack = getattr(LOCAL, "stack", None)
    if stack is None:
        stack = LOCAL.stack = []
    stack.append(None)
    try:
        yield
    finally:
        stack.pop()


@contextmanager
def outside_recordings():
    """Run a block outside this thread's recordings, on an aside tape (:func:`aside_tape`):
    gates made there are not queued in a circuit and keep autograd-boxed parameters (a
    gradient transform's expansion of a tape under ``qml.grad``, inside a QNode's trace);
    the recordings are back afterwards.

    >>> with outside_recordings():
    ...     outer_tape().aside
    True
    """
    saved = getattr(LOCAL, "stack", None)
    tape = Tape()
    tape.aside = True
    LOCAL.stack = [tape]
    try:
        yield
    finally:
        LOCAL.stack = saved


def take_over(obj, parts=(), again=False) -> None:
    """PennyLane's queuing of an operator made of others: ``parts`` (its operands, the table
    gates it wrote) leave the active queue, ``obj`` joins it at its end (``again``: even if
    it is in it already, as ``qml.apply`` queues). No-op unless a user's queue records
    (:attr:`Tape.log`).

    >>> t = Tape(); t.log = QueueLog()
    >>> with recording(t):
    ...     t.append("a"); t.append("g"); take_over("op", ["g"])
    >>> t.log, t.items
    (['a', 'op'], ['a', 'g'])
    """
    tape = active_tape()
    if tape is None or tape.log is None:
        return
    tape.unqueue(tuple(parts) if again else (*parts, obj))
    tape.log.append(obj)


def _operators(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def queues_result(method, drop_args=False):
    """``method`` (an operator's ``decomposition``, ``compute_decomposition``) made to queue
    what it returns, as PennyLane's does: called while a user's queue records, the queue
    holds the returned operators in order afterwards (and nothing else it made).

    >>> @queues_result
    ... def parts():
    ...     active_tape().append("scratch")
    ...     return ["a", "b"]
    >>> t = Tape(); t.log = QueueLog()
    >>> with recording(t):
    ...     _ = parts()
    >>> t.log
    ['a', 'b']
    """
    if getattr(method, "_queues_result", False):
        return method

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        tape = active_tape()
        if tape is None:
            return method(*args, **kwargs)
        if tape.log is None:
            return _applies_result(tape, method, args, kwargs, sys._getframe(1))
        before = {id(x) for x in tape.log}
        out = method(*args, **kwargs)
        if drop_args:  # operators given to compute_decomposition become operands of its own
            before -= {id(x) for v in (*args, *kwargs.values())
                       for x in (v if isinstance(v, (list, tuple)) else (v,))}
        tape.log.keep(lambda x: id(x) in before)
        tape.log.extend(_operators(out) if out is not None else ())
        return out

    wrapper._queues_result = True
    return wrapper


def _applies_result(tape, method, args, kwargs, caller):
    """A circuit function's own call of ``op.decomposition()`` applies the operators it
    returns, as PennyLane's queue does (the operator itself stays applied too: PennyLane
    applies both); a call that recorded gates itself (``compute_decomposition``), and
    qsym's own calls (which read a decomposition), apply nothing more."""
    start = len(tape.items)
    out = method(*args, **kwargs)
    caller_module = caller.f_globals.get("__name__", "")
    if out is None or len(tape.items) > start or caller_module.split(".")[0] == "qsym":
        return out
    for op in _operators(out):
        for gate in getattr(op, "table_gates", ()):
            gate.remake()
    return out


def queue_decompositions(cls) -> None:
    """:func:`queues_result` on the ``decomposition`` and ``compute_decomposition`` a class
    defines (functions, static or class methods); its base classes' ``__init_subclass__``
    call it for every operator class."""
    for name in ("decomposition", "compute_decomposition"):
        attr = cls.__dict__.get(name)
        drop = name == "compute_decomposition"
        if isinstance(attr, (staticmethod, classmethod)):
            setattr(cls, name, type(attr)(queues_result(attr.__func__, drop)))
        elif callable(attr):
            setattr(cls, name, queues_result(attr, drop))


def in_circuit() -> bool:
    """True while a circuit function is being traced on this thread."""
    return active_tape() is not None


# --- symbols for the inputs ---------------------------------------------------------------
class TracedSymbol(sp.Symbol):
    """A circuit input's sympy symbol (real). The circuit function never sees it bare: it
    gets a :class:`Traced` wrapping it, which refuses every look at its value."""

    def __new__(cls, name, **assumptions):
        make = _SYMBOL_MAKERS.get(cls)
        return (make if make is not None else _symbol_maker(cls))(name)


# class -> how its instances are made (:func:`_symbol_maker`)
_SYMBOL_MAKERS: dict = {}


def _symbol_maker(cls):
    """How a :class:`TracedSymbol` (class ``cls``) named ``name`` is made: sympy's
    ``Symbol.__new__(cls, name, real=True)`` sets the object's name and the three
    assumption fields of its (cached) real assumptions, after sanitizing the assumptions
    and a look-up in sympy's cache keyed by them: 5-7 us a symbol in a new process, about
    1 ms of a 12x8 HEA's first gradient for its 192 inputs (issue #17). The maker writes
    the same fields directly (the assumption objects sympy made for a probe symbol, shared
    as sympy shares them), once checked on that probe: every field of the directly made
    object equals sympy's, and the two compare and hash equal; else (another sympy) the
    maker is sympy's own. Not through sympy's cache: two symbols of one name are equal
    objects, not one (sympy's cache is bounded, so identity never held).

    >>> x = TracedSymbol("x")
    >>> x == TracedSymbol("x"), hash(x) == hash(TracedSymbol("x")), x.is_real, sp.srepr(x)
    (True, True, True, "TracedSymbol('x', real=True)")
    """

    def sympys(name):
        return sp.Symbol.__new__(cls, name, real=True)

    maker = sympys
    try:
        probe = sympys("_qsym_probe")
        kb, orig, a0 = probe._assumptions, probe._assumptions_orig, probe._assumptions0
        new = sp.Expr.__new__

        def direct(name):
            if type(name) is not str:  # (sympy's message)
                return sympys(name)
            obj = new(cls)
            obj.name = name
            obj._assumptions = kb
            obj._assumptions_orig = orig
            obj._assumptions0 = a0
            return obj

        made = direct("_qsym_probe")
        slots = {s for k in type(probe).__mro__ for s in getattr(k, "__slots__", ())
                 if s != "__dict__"}
        if (type(made) is type(probe) and made == probe and hash(made) == hash(probe)
                and getattr(made, "__dict__", None) == getattr(probe, "__dict__", None)
                and all(getattr(made, s, _UNSET) == getattr(probe, s, _UNSET)
                        for s in slots)):
            maker = direct
    except Exception:  # noqa: BLE001 (another sympy's internals: its own constructor)
        maker = sympys
    _SYMBOL_MAKERS[cls] = maker
    return maker


_CHECKS = threading.local()  # .stack: lists collecting the checks of the circuits traced now


@contextmanager
def collecting_checks():
    """Collect the checks :func:`add_check` registers while a circuit function is traced:
    ``(what, expressions, test)``, run on the expressions' values at every call
    (:func:`qsym._executors.execute`), e.g. a state preparation's norm."""
    stack = getattr(_CHECKS, "stack", None)
    if stack is None:
        stack = _CHECKS.stack = []
    found: list = []
    stack.append(found)
    try:
        yield found
    finally:
        stack.pop()


def add_check(what: str, exprs, test, derivative: bool = False) -> None:
    """Register ``test(values)`` (raises on bad values) of ``exprs`` (expressions of the
    traced inputs) to run at every call of the circuit being traced; ``derivative=True``:
    only when the call differentiates by an input the expressions use."""
    stack = getattr(_CHECKS, "stack", None)
    if stack:
        stack[-1].append((what, tuple(exprs), test, derivative))


_TRACE_HINT = (
    "qsym traces the circuit function once, with symbols standing for its numeric inputs, and "
    "compiles one program for every later value, so Python cannot look at an input's value "
    "(if/while, ==, <, bool(), int(), float(), round(), math.*, use as an index). To let a "
    "value decide the circuit's structure, pass it as a static argument: an int, or a float "
    "marked static with qml.qnode(dev, static_argnames=[...]) (passed by keyword; each new "
    "value traces and compiles again); use qsym.numpy (from qsym import numpy as np) for math "
    "on inputs instead of math/float(); or move the decision outside the circuit."
)


def _refusal(what: str, *exprs) -> TracingError:
    syms = set().union(*[e.free_symbols for e in exprs if isinstance(e, sp.Basic)])
    names = ", ".join(sorted(str(s) for s in syms)) or "?"
    err = TracingError(
        f"{what} needs the value of the traced input(s) {names}, which the compiled "
        f"circuit cannot follow. {_TRACE_HINT}"
    )
    err.symbols = frozenset(syms)  # which inputs (qsym._runtime makes data ones static)
    return err


# --- per-call traces: the call's numbers known ------------------------------------------
_KNOWN = threading.local()  # .looks: the Looks of the per-call trace running on this thread


CARRIER = "_carrier"
"""The name prefix of :meth:`Looks.constant`'s coefficients of gates only a trace makes."""


class Looks:
    """What a circuit function traced at one call's numbers (a *per-call* trace,
    :func:`values_known`) looked at: every look at a traced value is answered with its
    number at the call instead of refused, and noted here. ``by_value``: inputs whose
    number left the trace (``float(x)``, ``x.item()``, ``int(x)``, a library that converts
    to floats: a gate then holds a number, not the input, so no derivative by it exists);
    ``decided``: inputs whose number chose the circuit's structure only (``if x > 0:``,
    comparisons: the gates still hold the input, differentiable for this call's branch,
    as PennyLane's autograd differentiates the branch it ran); ``first_order``: inputs
    that a gate holds exactly to first order only (``qml.SpecialUnitary``: its matrix at the
    call's numbers and Pauli rotations by zero that carry the exact gradient; the Hessian
    is refused). Each maps an input's symbol to the first construct that looked.

    >>> x = TracedSymbol("x")
    >>> with values_known({x: 0.25}) as looks:
    ...     v = Traced(2 * x)
    ...     bigger, number = v > 0.4, float(v)
    >>> bigger, number, looks.by_value, looks.decided
    (True, 0.5, {x: 'float(2*x) (also math.* functions)'}, {x: '`2*x > 0.4`'})
    """

    def __init__(self, values: dict):
        self.values = values  # symbol -> number (sympy Floats made at the first look)
        self._exact = None
        self.by_value: dict = {}
        self.decided: dict = {}
        self.first_order: dict = {}
        self.constants: list = []  # (symbol, number): per-call numbers made runtime data
        self.failed = False  # the function failed on the stand-ins and ran on numbers

    def number(self, expr, what: str, decides: bool = False):
        """``expr`` at the call's numbers (a sympy number), noting the look ``what``."""
        if not isinstance(expr, sp.Basic) or not expr.free_symbols:
            return expr
        notes = self.decided if decides else self.by_value
        for sym in expr.free_symbols:
            notes.setdefault(sym, what)
        if self._exact is None:
            self._exact = {s: sp.Float(float(v)) for s, v in self.values.items()}
        return expr.xreplace(self._exact).evalf(30)

    def constant(self, value: float, carrier: bool = False) -> sp.Symbol:
        """A data symbol standing for ``value``, a number this call's trace computed from
        the inputs' numbers (``qml.SpecialUnitary``'s effective generators): runtime data of
        the circuit (``Circuit.constants``), so the structure, and its compiled code, serve
        every call's numbers. ``carrier``: a coefficient of a gate that only the trace
        makes (a ``QubitUnitary`` of a matrix of the inputs carries its derivative by
        rotations by zero, which a run on numbers does not make: :func:`replay_check`
        leaves such gates out), named ``_carrier<k>``.

        >>> looks = Looks({})
        >>> looks.constant(0.5), looks.constant(2.0, carrier=True), looks.constants
        (_constant0, _carrier1, [(_constant0, 0.5), (_carrier1, 2.0)])
        """
        sym = TracedSymbol(f"{CARRIER if carrier else '_constant'}{len(self.constants)}")
        self.constants.append((sym, float(value)))
        return sym

    def numeric(self, v, what: str, decides: bool = False):
        """``v`` (a traced value, an object array or list of them, a number) as plain
        NumPy numbers at the call."""
        if isinstance(v, Traced):
            n = self.number(v.expr, what, decides)
            shadow = _python_number(v, self)  # (as Python's arithmetic rounded it)
            if shadow is not None:
                return float(shadow)
            return complex(n) if not n.is_real else float(n)
        if isinstance(v, np.ndarray) and v.dtype == object or isinstance(v, (list, tuple)):
            arr = np.asarray(v, dtype=object)
            flat = [self.numeric(e, what, decides) for e in arr.flat]
            return np.asarray(flat).reshape(arr.shape)
        return v


@contextmanager
def values_known(values: dict):
    """Trace with the inputs' numbers known (``values``: symbol -> number): a look at a
    traced value is answered at these numbers and noted in the :class:`Looks` yielded,
    never refused. qsym's per-call mode (:meth:`qsym._runtime.QNode.compiled`) traces so,
    once per call, where tracing once per signature cannot follow the function."""
    previous = getattr(_KNOWN, "looks", None)
    looks = _KNOWN.looks = Looks(values)
    try:
        yield looks
    finally:
        _KNOWN.looks = previous


def known() -> Looks | None:
    """The :class:`Looks` of the per-call trace running on this thread, or None."""
    return getattr(_KNOWN, "looks", None)


def _operand(v):
    """``v`` as a sympy expression for arithmetic with a traced value, or NotImplemented."""
    if isinstance(v, Traced):
        return v.expr
    if isinstance(v, (bool, np.bool_)):
        return sp.Integer(int(v))
    if isinstance(v, numbers.Number):
        return sp.sympify(v)
    if isinstance(v, sp.Expr):
        return v
    return NotImplemented


def _is_constant(*exprs) -> bool:
    return all(isinstance(e, sp.Expr) and not e.free_symbols for e in exprs)


def _python_number(v, looks):
    """The number ``v`` (a traced value or a number) has at a per-call trace's numbers as
    Python computes it, operation by operation with its float rounding (a traced value
    made by arithmetic follows it: :attr:`Traced.num`); None where it is not followed
    (made by a NumPy function, ...). ``T / 0.1`` is ``10.0 * T`` to sympy: at ``T =
    0.7000000000000001`` that is 7.000000000000001, Python's quotient is 7.0, and
    ``math.ceil`` of the two differs.

    >>> t = TracedSymbol("t")
    >>> with values_known({t: 0.7000000000000001}) as looks:
    ...     v = Traced(t) / 0.1
    ...     _python_number(v, looks), math.ceil(v), float(looks.number(v.expr, "probe"))
    (7.0, 7, 7.000000000000001)
    """
    if isinstance(v, Traced):
        if v.num is not None:
            return v.num
        v = looks.values.get(v.expr) if isinstance(v.expr, sp.Symbol) else None
    if v is None or isinstance(v, (Traced, sp.Basic)):
        return None
    if type(v) in (int, float):
        return v
    try:  # a NumPy scalar, a 0-d (qsym.numpy) array of a real number: its Python number
        a = np.asarray(v)
    except Exception:  # noqa: BLE001 - anything else is not followed
        return None
    if a.ndim or a.dtype.kind not in "biuf":
        return None
    return float(a) if a.dtype.kind == "f" else int(a)


def _shadowed(result, fn, a, b):
    """``result`` (a new traced value) with its Python number ``fn(a, b)`` where a per-call
    trace follows both operands' numbers (:func:`_python_number`)."""
    looks = known()
    if looks is not None:
        x, y = _python_number(a, looks), _python_number(b, looks)
        if x is not None and y is not None:
            try:
                n = fn(x, y)
            except (ArithmeticError, ValueError, OverflowError):
                n = None
            result.num = n if isinstance(n, (int, float)) else None
    return result


def _binary(fn):
    def op(self, other):
        o = _operand(other)
        if o is NotImplemented:
            return NotImplemented
        return _shadowed(Traced(fn(self.expr, o)), fn, self, other)

    def rop(self, other):
        o = _operand(other)
        if o is NotImplemented:
            return NotImplemented
        return _shadowed(Traced(fn(o, self.expr)), fn, other, self)

    return op, rop


def _comparison(symbol, pyop):
    def cmp(self, other):
        o = _operand(other)
        if o is NotImplemented:
            # a non-numeric object (None, a string, an observable) never equals a number,
            # whatever the value; arrays come back through numpy's ufuncs
            return NotImplemented
        if _is_constant(self.expr, o):
            return pyop(complex(self.expr), complex(o)) if symbol in ("==", "!=") else pyop(
                float(self.expr), float(o))
        looks = known()
        if looks is not None:  # a per-call trace: the structure is this call's
            what = f"`{self} {symbol} {other}`"
            a, b = looks.number(self.expr, what, True), looks.number(o, what, True)
            x, y = _python_number(self, looks), _python_number(other, looks)  # (its rounding)
            a, b = (a if x is None else x), (b if y is None else y)
            return pyop(complex(a), complex(b)) if symbol in ("==", "!=") else pyop(
                float(a), float(b))
        raise _refusal(f"`{self} {symbol} {other}`", self.expr, o)

    return cmp


class Traced:
    """A value of the circuit function while it is traced: an input, or anything computed
    from inputs (by arithmetic, by ``qsym.numpy`` or NumPy functions, as an element of an
    object array). It holds the exact sympy expression (``expr``).

    Arithmetic and NumPy's elementwise functions give new traced values; gates take the
    expression. Everything that would need the *value* (``bool()``, ``if``, ``==``, ``<``,
    ``int()``, ``float()``, ``round()``, ``math.*``, use as an index) raises
    :class:`~qsym.errors.TracingError`, at every value: the compiled circuit holds one
    branch-free program, so a branch taken at the traced point would be silently wrong
    elsewhere. (A traced value with no inputs in it, such as ``0 * x``, is a constant and
    converts normally.)

    >>> x = Traced(TracedSymbol("x"))
    >>> 2 * x + 1
    2*x + 1
    >>> if x - 1 == 0:
    ...     pass
    Traceback (most recent call last):
    ...
    qsym.errors.TracingError: `x - 1 == 0` needs the value of the traced input(s) x, ...
    """

    # num: in a per-call trace, the number Python's own arithmetic gives this value at the
    # call's numbers (its float rounding, operation by operation: :func:`_python_number`),
    # None where not followed; a look at the value answers with it
    __slots__ = ("expr", "num")

    def __init__(self, expr):
        self.expr = sp.sympify(expr)
        self.num = None

    def _sympy_(self):
        return self.expr

    def __repr__(self):
        return str(self.expr)

    __str__ = __repr__

    def __format__(self, spec):
        if not spec:
            return str(self)
        return self._value(f"formatting {self} with {spec!r}", lambda e: format(float(e), spec))

    def __hash__(self):
        # a set or dict lookup compares values: `x in {0.5, 1.0}` would be False at every x
        return self._value(f"using {self} as a set member or dict key", lambda e: hash(float(e)))

    # arithmetic: new traced values
    __add__, __radd__ = _binary(lambda a, b: a + b)
    __sub__, __rsub__ = _binary(lambda a, b: a - b)
    __mul__, __rmul__ = _binary(lambda a, b: a * b)
    __truediv__, __rtruediv__ = _binary(lambda a, b: a / b)
    __pow__, __rpow__ = _binary(lambda a, b: a**b)

    def __neg__(self):
        out = Traced(-self.expr)
        out.num = None if self.num is None else -self.num
        return out

    def __pos__(self):
        return self

    def __abs__(self):
        return Traced(sp.Abs(self.expr))

    @property
    def real(self):
        return self

    @property
    def imag(self):
        return 0.0

    def conjugate(self):
        return self

    conj = conjugate
    shape = ()
    ndim = 0
    size = 1

    # anything that looks at the value: refused (a constant converts)
    def _value(self, what, convert, decides=False):
        if _is_constant(self.expr):
            return convert(self.expr)
        looks = known()
        if looks is not None:  # a per-call trace: the number at this call, noted
            number = looks.number(self.expr, what, decides)
            shadow = _python_number(self, looks)  # (as Python's arithmetic rounded it)
            return convert(number if shadow is None else sp.Float(shadow))
        raise _refusal(what, self.expr)

    def __bool__(self):
        return self._value(f"`if {self}:` (a truth test)", bool, decides=True)

    def item(self):
        """NumPy's ``.item()`` (a Python number): needs the value, refused while traced."""
        return self._value(f"`({self}).item()`", lambda e: complex(e) if not e.is_real else float(e))

    def __float__(self):
        return self._value(f"float({self}) (also math.* functions)", float)

    def __complex__(self):
        return self._value(f"complex({self})", complex)

    def __int__(self):
        return self._value(f"int({self})", int)

    def __index__(self):
        return self._value(f"using {self} as an index or a count", int)

    def __round__(self, ndigits=None):
        return self._value(f"round({self})", lambda e: round(float(e), ndigits))

    def __trunc__(self):
        return self._value(f"math.trunc({self})", lambda e: math.trunc(float(e)))

    def __floor__(self):
        return self._value(f"math.floor({self})", lambda e: math.floor(float(e)))

    def __ceil__(self):
        return self._value(f"math.ceil({self})", lambda e: math.ceil(float(e)))

    def _refuse(what: str, fn):  # a binary operator that rounds: refused (a per-call
        # trace: computed on the numbers, the inputs used by value); {a} self, {b} other
        def method(self, other):
            looks = known()
            if looks is None:
                raise _refusal(what.format(a=self, b=other), self.expr)
            text = what.format(a=self, b=other)
            return fn(looks.numeric(self, text), looks.numeric(other, text))
        return method

    __floordiv__ = _refuse("`{a} // {b}` (rounds the value)", lambda a, b: a // b)
    __rfloordiv__ = _refuse("`{b} // {a}` (rounds the value)", lambda a, b: b // a)
    __mod__ = _refuse("`{a} % {b}` (rounds the value)", lambda a, b: a % b)
    __rmod__ = _refuse("`{b} % {a}` (rounds the value)", lambda a, b: b % a)
    __divmod__ = _refuse("divmod({a}, {b})", divmod)
    __rdivmod__ = _refuse("divmod({b}, {a})", lambda a, b: divmod(b, a))
    del _refuse

    __eq__ = _comparison("==", lambda a, b: a == b)
    __ne__ = _comparison("!=", lambda a, b: a != b)
    __lt__ = _comparison("<", lambda a, b: a < b)
    __le__ = _comparison("<=", lambda a, b: a <= b)
    __gt__ = _comparison(">", lambda a, b: a > b)
    __ge__ = _comparison(">=", lambda a, b: a >= b)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":  # reduce, accumulate, outer, at: NumPy's object loops,
            # which call this class's operators and methods (that refuse what they must)
            arrays = [np.asarray(a, dtype=object) if has_traced(a) else a for a in inputs]
            out = getattr(ufunc, method)(*arrays, **kwargs)
            return out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out
        return apply_ufunc(ufunc.__name__, inputs, kwargs)



def looked_at(values) -> np.ndarray:
    """The numbers of values that hold circuit inputs (sympy expressions, :class:`Traced`),
    where Python needs them (PennyLane's Möttönen gates of a state preparation after gates,
    or inverted or controlled; the Kraus matrices of a ``qml.QubitChannel`` made of inputs):
    a look at each input (:class:`Traced`), so qsym traces such a circuit at every call's
    numbers, the inputs used by value (no derivative by them). Real where no value has an
    imaginary part.

    >>> looked_at([0.5, 1j]).tolist(), looked_at([[0.5, 0.25]]).shape
    ([(0.5+0j), 1j], (1, 2))
    """
    arr = np.asarray(values, dtype=object)
    flat = [complex(Traced(v)) if isinstance(v, sp.Basic) else complex(v) for v in arr.ravel()]
    out = np.array(flat).reshape(arr.shape)
    return out.real if not np.any(out.imag) else out


def _cbrt(a):
    third = sp.Rational(1, 3)
    return sp.Piecewise((-((-a) ** third), a < 0), (a**third, True))


def _conj(a):
    # traced inputs are real and NumPy's real functions stay real (or NaN) on them
    return a if a.is_real is not False else sp.conjugate(a)


# NumPy's elementwise functions on traced values: (number of inputs, sympy form). Every
# entry is checked against NumPy and its derivative against finite differences in
# tests/test_trace.py.
UFUNCS = {
    "negative": (1, lambda a: -a),
    "positive": (1, lambda a: a),
    "absolute": (1, sp.Abs),
    "fabs": (1, sp.Abs),
    "conjugate": (1, _conj),
    "sqrt": (1, sp.sqrt),
    "cbrt": (1, _cbrt),
    "square": (1, lambda a: a**2),
    "reciprocal": (1, lambda a: 1 / a),
    "exp": (1, sp.exp),
    "exp2": (1, lambda a: 2**a),
    "expm1": (1, lambda a: sp.exp(a) - 1),
    "log": (1, sp.log),
    "log2": (1, lambda a: sp.log(a) / sp.log(2)),
    "log10": (1, lambda a: sp.log(a) / sp.log(10)),
    "log1p": (1, lambda a: sp.log(1 + a)),
    "sin": (1, sp.sin),
    "cos": (1, sp.cos),
    "tan": (1, sp.tan),
    "arcsin": (1, sp.asin),
    "arccos": (1, sp.acos),
    "arctan": (1, sp.atan),
    "sinh": (1, sp.sinh),
    "cosh": (1, sp.cosh),
    "tanh": (1, sp.tanh),
    "arcsinh": (1, sp.asinh),
    "arccosh": (1, sp.acosh),
    "arctanh": (1, sp.atanh),
    "deg2rad": (1, lambda a: a * sp.pi / 180),
    "rad2deg": (1, lambda a: a * 180 / sp.pi),
    "add": (2, lambda a, b: a + b),
    "subtract": (2, lambda a, b: a - b),
    "multiply": (2, lambda a, b: a * b),
    "divide": (2, lambda a, b: a / b),
    "power": (2, lambda a, b: a**b),
    "float_power": (2, lambda a, b: a**b),
    "arctan2": (2, sp.atan2),
    "hypot": (2, lambda a, b: sp.sqrt(a**2 + b**2)),
    "logaddexp": (2, lambda a, b: sp.log(sp.exp(a) + sp.exp(b))),
    "logaddexp2": (2, lambda a, b: sp.log(2**a + 2**b) / sp.log(2)),
}
UFUNC_ALIASES = {
    "abs": "absolute", "conj": "conjugate", "true_divide": "divide", "pow": "power",
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
    "acosh": "arccosh", "atanh": "arctanh", "atan2": "arctan2", "radians": "deg2rad",
    "degrees": "rad2deg",
}
# array operations whose object loops are sums of products: NumPy runs them on traced values
_ARRAY_UFUNCS = ("matmul", "vecdot", "matvec", "vecmat")
# refused, and why
_BRANCHING = (
    "equal not_equal less less_equal greater greater_equal logical_and logical_or logical_xor "
    "logical_not isfinite isinf isnan isnat signbit sign floor ceil trunc rint heaviside "
    "maximum minimum fmax fmin fmod mod remainder floor_divide divmod modf copysign"
).split()

# of those, the ones whose result is a truth value (a per-call trace: a decision)
_DECIDING = frozenset(
    "equal not_equal less less_equal greater greater_equal logical_and logical_or "
    "logical_xor logical_not isfinite isinf isnan isnat signbit".split())


def _expr_of(v):
    if isinstance(v, Traced):
        return v.expr
    if isinstance(v, sp.Basic):
        return v
    if isinstance(v, (bool, np.bool_)):
        return sp.Integer(int(v))
    if isinstance(v, numbers.Number):
        return sp.sympify(v)
    raise TracingError(f"cannot combine {type(v).__name__} {v!r} with a traced circuit input")


def has_traced(v) -> bool:
    """True if ``v`` is a :class:`Traced` value or holds one (object arrays, lists,
    tuples): what decides whether a NumPy function must return a traced result."""
    if isinstance(v, Traced):
        return True
    if isinstance(v, np.ndarray) and v.dtype == object:
        return any(isinstance(e, Traced) for e in v.flat)
    if isinstance(v, (list, tuple)):
        return any(has_traced(e) for e in v)
    return False


def apply_ufunc(name: str, inputs, kwargs=None):
    """NumPy's elementwise function ``name`` on traced values (or sympy expressions):
    the exact sympy form, element by element. Traced inputs give traced results (plain
    sympy inputs give sympy). Functions without a sympy form here raise
    :class:`~qsym.errors.TracingError` naming them.

    >>> x = Traced(TracedSymbol("x"))
    >>> apply_ufunc("expm1", [x]), apply_ufunc("hypot", [x, 2.0])
    (exp(x) - 1, sqrt(x**2 + 4.0))
    """
    kwargs = {k: v for k, v in (kwargs or {}).items() if v is not None}
    if kwargs.get("dtype") in (object, float, np.float64):
        del kwargs["dtype"]
    if kwargs:
        raise TracingError(
            f"numpy.{name}: keyword arguments {sorted(kwargs)} are not supported on traced "
            "circuit inputs"
        )
    key = UFUNC_ALIASES.get(name, name)
    if key in _ARRAY_UFUNCS:
        return getattr(np, key)(*[np.asarray(a, dtype=object) for a in inputs])
    if key not in UFUNCS and known() is not None and hasattr(np, key):
        # a per-call trace: NumPy's function on the call's numbers (a comparison decides
        # the structure; anything else takes the inputs' numbers)
        decides = key in _DECIDING
        what = f"numpy.{name}"
        return getattr(np, key)(*[known().numeric(a, what, decides) for a in inputs], **kwargs)
    if key not in UFUNCS:
        if key in _BRANCHING:
            why = ("its result depends on comparing or rounding the value (a branch the "
                   "compiled circuit cannot follow)")
        else:
            why = "it has no exact symbolic form in qsym"
        err = TracingError(
            f"numpy.{name} on a traced circuit input is not supported: {why}. {_TRACE_HINT}"
        )
        if hasattr(np, key):  # the inputs it needs the values of (a per-call trace has them)
            err.symbols = frozenset().union(*[
                sp.sympify(e).free_symbols for a in inputs
                for e in np.ravel(np.asarray(unwrap(a), dtype=object))
                if isinstance(e, sp.Basic)])
        raise err
    nin, fn = UFUNCS[key]
    if len(inputs) != nin:
        raise TracingError(f"numpy.{name} takes {nin} argument(s), got {len(inputs)}")
    wrap = any(has_traced(a) for a in inputs)

    def one(*vals):
        out = fn(*[_expr_of(v) for v in vals])
        return Traced(out) if wrap else out

    arrays = [np.asarray(a, dtype=object) for a in inputs]
    out = np.vectorize(one, otypes=[object])(*arrays)
    return out[()] if out.ndim == 0 else out


def _method(name):
    def m(self, *others):
        return apply_ufunc(name, [self, *others])

    m.__name__ = name
    return m


# NumPy's object loops call the element's method of the ufunc's name (``np.sin`` and
# ``np.arctan2`` on object arrays of traced values); the refused ones refuse there too
for _name in [*UFUNCS, *UFUNC_ALIASES, *_BRANCHING]:
    if not hasattr(Traced, _name):
        setattr(Traced, _name, _method(_name))


def unwrap(value):
    """``value`` with every :class:`Traced` replaced by its sympy expression (object
    arrays element by element)."""
    if isinstance(value, Traced):
        return value.expr
    if isinstance(value, np.ndarray) and value.dtype == object:
        out = np.empty(value.shape, dtype=object)
        for idx, v in np.ndenumerate(value):
            out[idx] = unwrap(v)
        return out
    return value


class EmptyInput(np.ndarray):
    """The stand-in of an input with no numbers (``np.zeros((0, 2))``, a template's weights
    for zero layers): an empty array that says it is an argument. PennyLane's tape holds
    such a tensor as a template's data, so the results are autograd's tensors although no
    gate reads a number of it (``Tape.claims``, qsym.templates)."""


def symbols_like(name: str, shape: tuple) -> tuple[object, list]:
    """Stand-ins for an input of the given shape: (the traced value to pass, the flat list
    of its sympy symbols); an :class:`EmptyInput` for a shape without numbers.

    >>> v, flat = symbols_like("w", (2,))
    >>> v, flat
    (array([w[0], w[1]], dtype=object), [w[0], w[1]])
    >>> type(symbols_like("w", (0, 2))[0]).__name__
    'EmptyInput'
    """
    if 0 in shape:
        return np.empty(shape, dtype=object).view(EmptyInput), []
    if shape == ():
        s = TracedSymbol(name)
        return Traced(s), [s]
    flat = [TracedSymbol(f"{name}[{', '.join(map(str, idx))}]") for idx in np.ndindex(*shape)]
    arr = np.empty(len(flat), dtype=object)
    arr[:] = [Traced(s) for s in flat]
    return arr.reshape(shape), flat


class MatrixArgument:
    """A complex matrix argument's stand-in while a circuit function is traced to learn
    whether it only hands the argument to ``qml.QubitUnitary`` (issue #17: then every new
    matrix of that shape is runtime data of one compiled circuit, with no trace). It has a
    ``shape`` and ``ndim`` and nothing else: every other use (arithmetic, NumPy, indexing,
    truth, conversion) fails, and the argument stays static by value, as before.

    >>> m = MatrixArgument(1, (4, 4))
    >>> m.shape, m.ndim, m.what
    ((4, 4), 2, 1)
    >>> m + 1
    Traceback (most recent call last):
        ...
    TypeError: unsupported operand type(s) for +: 'MatrixArgument' and 'int'
    """

    __slots__ = ("what", "shape")
    __array_ufunc__ = None  # NumPy's operators return NotImplemented: a TypeError
    __array_function__ = None

    def __init__(self, what, shape: tuple):
        self.what = what  # the argument's position, or its keyword's name
        self.shape = tuple(shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __bool__(self):
        raise TypeError("a matrix argument has no truth value while it is traced")

    def __eq__(self, other):  # (no comparison of values either)
        raise TypeError("a matrix argument is not compared while it is traced")

    __ne__ = __eq__
    __hash__ = object.__hash__

    def __repr__(self):
        return f"MatrixArgument({self.what!r}, {self.shape})"


# The choices of gates templates made from what they saw in the traced run (a StatePrep of
# numbers: one matrix, of inputs: rotations), in order: the replays of the same signature
# (replay_check) make the same ones on their numbers, so that both record the same gates.
_CHOICES = threading.local()  # .log: the last traced run's; .pos: a replay's place in it


def choice(made: bool) -> bool:
    """A template's choice of gates, ``made`` from what it sees: as made in a traced run
    (and logged) or outside one; in a replay (:func:`replay_check`), the traced run's
    choice at the same place, whatever the replay's numbers suggest.

    >>> choice(True)  # (outside a trace: as made)
    True
    """
    pos = getattr(_CHOICES, "pos", None)
    if pos is not None:
        log = getattr(_CHOICES, "log", ())
        if pos < len(log):
            _CHOICES.pos = pos + 1
            return log[pos]
        return made
    if getattr(_CHOICES, "recording", False):
        _CHOICES.log.append(made)
    return made


def run_traced(fn, args, kwargs, device_wires: tuple, claims: list | None = None):
    """Call ``fn(*args, **kwargs)`` on a fresh tape; return (tape items, returned value);
    ``claims`` (a list) receives the tape's :attr:`Tape.claims`."""
    if in_circuit():
        raise TracingError(
            "a QNode was called inside another QNode's circuit function; call its circuit "
            "function directly, or combine the QNodes' results outside the circuits"
        )
    tape = Tape()
    _CHOICES.log, _CHOICES.recording = [], True
    before_run()
    try:
        with recording(tape):
            result = fn(*args, **kwargs)
    except TracingError:
        raise
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
            err = TracingError(
                f"circuit function {getattr(fn, '__name__', fn)!r} used the value of a traced "
                f"input ({msg}). {_TRACE_HINT}"
            )
            err.per_call = f"it uses the value of an input ({msg})"
            raise err from exc
        raise
    finally:
        _CHOICES.recording = False
    tape.check_observed()
    tape.check_order(result)
    if claims is not None:
        claims.extend(tape.claims)
    return rewritten(tape.items, result, device_wires)


class Measured:
    """The base of what a circuit function returns (:class:`qsym.MeasurementProcess`):
    declared here so that this stage recognises a measurement without importing the front
    end, which imports this module."""

    __slots__ = ()


def projector(kept: dict, wire_index) -> tuple:
    """The projector onto the outcomes ``kept`` (wire label -> 0 or 1) as Z words of device
    indices: ``prod (1 + (-1)^v Z_w) / 2`` expanded (:attr:`qsym._ir.Measurement.post`).

    >>> projector({"a": 1}, lambda wire, what: {"a": 0}[wire])
    ((1/2, ()), (-1/2, ((0, 'Z'),)))
    """
    items = sorted((wire_index(w, "a postselection"), v) for w, v in kept.items())
    out = []
    for subset in range(2 ** len(items)):
        chosen = [items[i] for i in range(len(items)) if (subset >> i) & 1]
        sign = (-1) ** sum(v for _, v in chosen)
        out.append((sp.Rational(sign, 2 ** len(items)), tuple((w, "Z") for w, _ in chosen)))
    return tuple(out) if items else ()


def outer_box_error(what: str) -> ClosureDerivativeError:
    """The error for a value being differentiated outside a QNode (an autograd box) that the
    QNode reads from its closure, not from its arguments: PennyLane 0.45.1 differentiates
    through it; qsym compiles a QNode's derivatives in its arguments only, so it refuses
    rather than return a zero derivative.

    >>> print(str(outer_box_error("RX's angle"))[:62])
    qml.grad/qml.jacobian differentiate RX's angle, which the QNod
    """
    return ClosureDerivativeError(
        f"qml.grad/qml.jacobian differentiate {what}, which the QNode reads from outside "
        "(a closure) rather than from its arguments: qsym differentiates a QNode in its "
        "arguments only. Pass the value to the QNode as an argument and build the gate or "
        "observable inside it (e.g. def circuit(c): ... return qml.expval(c * qml.Z(0))).")


def _coefficient(coeff):
    """An observable's coefficient as sympy; an autograd box of an outer derivative, which
    the QNode cannot differentiate, refused (:func:`outer_box_error`)."""
    if type(coeff).__module__.startswith("autograd"):
        raise outer_box_error("a coefficient of the measured observable")
    return sp.sympify(coeff)


def output_kind(result) -> tuple:
    """``(output, measurements)`` of what a circuit function returned: ``"scalar"``,
    ``"tuple"``, ``"list"`` or ``("tree", spec)`` (:func:`qsym._shapes.tree_spec`), and
    its measurements in order; anything else is refused with PennyLane's message."""
    if isinstance(result, Measured):
        return "scalar", [result]
    if isinstance(result, (tuple, list)) and result and all(
            isinstance(r, Measured) for r in result):
        return ("tuple" if isinstance(result, tuple) else "list"), list(result)
    # nested tuples, lists, dicts of measurements (PennyLane's pytrees)
    spec, results = tree_spec(result, lambda r: isinstance(r, Measured))
    if spec is None or not results:
        raise MeasurementError(
            "A quantum function must return either a single measurement, or a nonempty "
            "sequence of measurements: a circuit function must return a measurement such "
            "as qml.expval(qml.PauliZ(0)), or tuples, lists or dicts of them; it returned "
            f"{type(result).__name__}: {result!r}"
        )
    return ("tree", spec), results


def rotation_gates(results) -> list:
    """The basis changes of the ``probs(op=...)`` measurements among ``results``, in
    order, after every gate; a wire an earlier one rotated is rotated once (two that share
    a wire rotate it alike: :func:`to_ir` checks)."""
    out, done = [], set()
    for m in results:
        diag = getattr(m, "diag", ()) or ()
        out.extend(op for op in diag if not done & set(op.wires))
        done |= {w for op in diag for w in op.wires}
    return out


def _rotations(m):
    """``{wire: [gate, ...]}``: the one-wire gates of a ``probs(op=...)``'s basis change on
    each wire, or None if one acts on several wires (two measurements sharing a wire may
    both rotate it only alike: the standard Hadamard test's ``Y`` of its auxiliary wire)."""
    out: dict = {}
    for op in m.diag:
        if len(op.wires) != 1:
            return None
        out.setdefault(op.wires[0], []).append((op.name, tuple(str(p) for p in op.params)))
    return out


# the one-wire rotations of PennyLane's diagonalizing gates of X, Y, Z (by gate names)
_ROTATED_LETTER = {(): "Z", ("Hadamard",): "X", ("PauliZ", "S", "Hadamard"): "Y"}


def _measured_alike(other, shared, mine):
    """``{wire: letter}`` if the observable measured by ``other`` uses the ``shared``
    wires only with the Pauli letter each is rotated from there (``mine``: a
    ``probs(op=...)``'s rotations; measured after them as ``Z``), else None."""
    obs = getattr(other, "measured_obs", None)
    terms = getattr(obs, "terms", None)
    if not shared or mine is None or getattr(other, "diag", ()) or not isinstance(terms, dict):
        return None
    letters = {}
    for w in shared:
        gates = mine.get(w, [])
        if any(params for _, params in gates):
            return None
        letters[w] = _ROTATED_LETTER.get(tuple(name for name, _ in gates))
        if letters[w] is None:
            return None
    if all(p == letters[w] for word in terms for w, p in word if w in letters):
        return letters
    return None


def _values_dtype(m):
    """The NumPy type of a measurement's values: ``qml.sample(dtype=...)``'s, or the keys'
    type of ``qml.counts`` of a mid-circuit measurement value (its processed values',
    PennyLane's; Python ``float`` or ``str`` as PennyLane's one-shot processing keys
    counts); None for the defaults."""
    dtype = getattr(m, "dtype", None)
    return getattr(m, "_outcome_dtype", None) if dtype is None else dtype


def _check_compiled(m) -> None:
    """Refuse a measurement qsym does not compute in a compiled circuit: one it refuses by
    name (``refusal``), or a class of the user's own (:mod:`qsym._custom_measurements`
    computes it from a run's samples or state; the QNode catches the error and runs its
    tape)."""
    if getattr(m, "refusal", None):
        raise MeasurementError(m.refusal)
    if m.kind == "":
        raise CustomMeasurementError(
            f"{type(m).__name__} is a measurement class of your own: qsym computes it by "
            "running the circuit and handing its process_* method the samples or state "
            "(a QNode call, dev.execute, qml.execute), not in a compiled circuit; it has "
            "no derivative")


def _reads_inputs(value, inputs) -> bool:
    """Whether a template's parameter (a number, an expression or an array of them) reads
    one of the symbols ``inputs``."""
    try:
        return bool(sp.sympify(value).free_symbols & inputs)
    except (sp.SympifyError, TypeError, ValueError, AttributeError):
        return any(bool(getattr(v, "free_symbols", set()) & inputs)
                   for v in np.asarray(value, dtype=object).flat)


def _template_groups(items, inputs) -> tuple:
    """``((op index, template number, trainable parameters, shifted circuits), ...)`` of
    the gates written by a template PennyLane's gradient transforms keep whole (its
    ``grad_method`` ``"A"``, ``pl_template`` of its gates: ``FermionicSingleExcitation``,
    ``FermionicDoubleExcitation``): how many of its parameters read a differentiated input
    (PennyLane's trainable tape parameters, one finite-difference step each) and the
    shifted circuits its parameter-shift rule runs for them (two per frequency of each,
    PennyLane's ``generate_shift_rule`` of its ``parameter_frequencies``). For
    ``qml.Tracker``'s counts only, not compiled code."""
    inputs = set(inputs)
    numbers: dict = {}
    out = []
    for i, op in enumerate(items):
        template = getattr(op, "pl_template", None)
        if template is None:
            continue
        if id(template) not in numbers:
            read = [k for k, p in enumerate(template.data) if _reads_inputs(p, inputs)]
            freqs = template.parameter_frequencies  # (marked only where it has them)
            numbers[id(template)] = (len(numbers), len(read),
                                     sum(2 * len(freqs[k]) for k in read))
        out.append((i, *numbers[id(template)]))
    return tuple(out)


def _conditional_groups(items, inputs, index) -> tuple:
    """``((op index, group, trainable parameters, graph wires, where), ...)`` of the gates a
    deferred ``qml.cond`` wrote (their ``pl_conditional``, :class:`qsym._mcm._CondGroup`):
    PennyLane's ``Conditional`` by number, how many of its base's parameters read a
    differentiated input, and the wires of its node in PennyLane's circuit graph (device
    indices): its wires as written and those holding the outcomes it reads (the graph
    joins each measurement to it); () for a wireless one (every wire there). ``where`` is 0
    for the gates it wrote; a ``Conditional`` that wrote none (a postselection rules its
    branch out, a phase on a measured wire's copy) is still a node of PennyLane's graph,
    kept just before op ``i`` (``where`` -1) or after it (1, the last op)."""
    inputs = set(inputs)
    numbers: dict = {}
    out = []

    def entry(i, group, where):
        if id(group) not in numbers:
            trainable = sum(1 for p in group.params if _reads_inputs(p, inputs))
            written = tuple(group.wires)
            labels = written + tuple(getattr(group, "controls", ())) if written else ()
            # (wires the circuit does not have: -1, a wire no gate reaches)
            wires = tuple(dict.fromkeys(index[w] for w in labels if w in index)) or (
                (-1,) if labels else ())
            numbers[id(group)] = (len(numbers), trainable, wires)
        number, trainable, wires = numbers[id(group)]
        out.append((i, number, trainable, wires, where))

    for i, op in enumerate(items):
        for group in getattr(op, "pl_conditional_before", None) or ():
            entry(i, group, -1)
        group = getattr(op, "pl_conditional", None)
        if hasattr(group, "params"):
            entry(i, group, 0)
        for group in getattr(op, "pl_conditional_after", None) or ():
            entry(i, group, 1)
    return tuple(out)


def to_ir(items, result, device_wires: tuple, inputs, data, constants=()):
    """Turn recorded gates and the returned measurement(s) into a Circuit."""
    from ._ir import Circuit, Measurement, Op

    index = {w: i for i, w in enumerate(device_wires)}

    def wire_index(w, what):
        try:
            return index[w]
        except (KeyError, TypeError):
            raise WireError(
                f"{what} uses wire {w!r}, which is not on the device (its wires are "
                f"{list(device_wires)}); create the device with more wires"
            ) from None

    def index_or_none(w):
        try:
            return index[w]
        except (KeyError, TypeError):
            return None

    ir_ops = []
    for op in items:
        wires = tuple(wire_index(w, op.name) for w in op.wires) or (0,)  # GlobalPhase()
        params = tuple(sp.sympify(p) for p in op.params)
        ir_ops.append(Op(op.name, wires, params, op.hyper))

    kinds, results = output_kind(result)
    frame: dict = {}  # wire -> the Pauli letter a probs(op=...) rotated to Z there
    for m in results:  # probs(op=...): its basis change, after every gate
        if not getattr(m, "diag", ()):
            continue
        mine = _rotations(m)
        for other in results:
            if other is m:
                continue
            used = (set(device_wires) if other.kind == "state" or (
                        other.measured_obs is None and not other.wires)
                    else set(other.wires) if other.measured_obs is None else set(other.measured_obs.wires))
            theirs = _rotations(other) if getattr(other, "diag", ()) else {}
            shared = used & set(m.wires)
            letters = _measured_alike(other, shared, mine)
            if letters is not None:  # an observable of the rotated wires' Pauli letters
                frame.update(letters)
                continue
            if shared and (mine is None or theirs is None or any(
                    mine.get(w, []) != theirs.get(w, []) for w in shared)):
                raise MeasurementError(
                    f"probs(op=...) on wires {list(m.wires)} changes their basis, so no other "
                    "measurement of the same circuit can use them (unless it measures them in "
                    "the same basis); measure it in a separate QNode"
                )
    for op in rotation_gates(results):
        wires = tuple(wire_index(w, op.name) for w in op.wires)
        ir_ops.append(Op(op.name, wires, tuple(sp.sympify(p) for p in op.params), op.hyper))
    measurements = []
    for m in results:
        _check_compiled(m)
        post = projector(getattr(m, "postselect", None) or {}, wire_index)
        label = getattr(m, "resource_label", ())
        if len(label) > 4:  # the observable's wires as written (with its identities): indices
            label = label[:4] + (tuple(i for i in map(index_or_none, label[4]) if i is not None),)
        if m.kind == "state":
            measurements.append(Measurement("state", reduce=_reduce(m, wire_index), label=label,
                                            post=post))
            continue
        if m.kind == "probs" or (m.kind in ("sample", "counts") and m.measured_obs is None):
            on = m.wires or device_wires
            measurements.append(
                Measurement(m.kind, (), tuple(wire_index(w, m.kind) for w in on),
                            all_outcomes=getattr(m, "all_outcomes", False),
                            dtype=_values_dtype(m), label=label, post=post,
                            shadow=_shadow(m, wire_index),
                            of_values=getattr(m, "of_values", False))
            )
            continue
        terms = []
        for word, coeff in m.measured_obs.terms.items():
            w = tuple(sorted((wire_index(wire, "an observable"), "Z" if wire in frame else p)
                             for wire, p in word))
            terms.append((_coefficient(coeff), w))
        grouping = getattr(m.measured_obs, "grouping_indices", None)
        measurements.append(Measurement(m.kind, tuple(terms), groups=len(grouping or ()),
                                        split=_split_form(getattr(m, "obs", None), index_or_none),
                                        sampling=_sampling(getattr(m, "sampling", ()), wire_index),
                                        all_outcomes=getattr(m, "all_outcomes", False),
                                        dtype=_values_dtype(m), label=label, post=post,
                                        pl_squared=m.kind == "var" and _pl_squares(m),
                                        pl_trainable_matrices=_trainable_matrices(m)))
    return Circuit(
        num_wires=len(device_wires),
        conditional_groups=_conditional_groups(items, inputs, index),
        template_groups=_template_groups(items, inputs), ops=tuple(ir_ops),
        measurements=tuple(measurements),
        inputs=tuple(inputs),
        data=tuple(data),
        output=kinds,
        wire_labels=tuple(device_wires), constants=tuple(constants),
    )


# NumPy's global generator read from memory (issue #17): ``np.random.get_state`` copies
# its 624-word key one word at a time (0.5 M instructions a read; a new circuit's build
# reads it twice: 8 % of the seed's first value). The same key, position and cached
# Gaussian are read here as bytes from the generator's own structs (numpy's
# ``mt19937_state`` and ``aug_bitgen_t``), located once per process by the two pointers
# that name them: the RandomState's ``bitgen_t.state`` (into its MT19937 object) and its
# ``aug_bitgen_t.bit_generator`` (back to that ``bitgen_t``). A generator not found so (a
# RandomState or bit generator of another class, ``np.random.get_state`` replaced, another
# layout) is read by ``get_state`` as before.
_MT_WORDS = 624
_MT_BYTES = 4 * _MT_WORDS + 4  # (the key, then ``int pos``)
_np_view: tuple | None = None  # (RandomState, MT19937, key address, aug_bitgen_t address)


def _locate_numpy_global(rs) -> tuple | None:
    """``(rs, its MT19937, address of the key, address of aug_bitgen_t)``, or None."""
    import ctypes

    if type(rs) is not np.random.RandomState:
        return None
    bg = rs._bit_generator
    if type(bg) is not np.random.MT19937:
        return None
    size, base = type(rs).__basicsize__, id(rs)
    lo, hi = id(bg), id(bg) + type(bg).__basicsize__
    words = memoryview(ctypes.string_at(base, size - size % 8)).cast("Q").tolist()
    keys = [i for i, w in enumerate(words) if lo < w <= hi - _MT_BYTES]
    if len(keys) != 1:
        return None
    back = base + 8 * keys[0]  # (aug_bitgen_t.bit_generator: the bitgen_t's address)
    if words.count(back) != 1 or words.index(back) <= keys[0] or (
            8 * words.index(back) + 24 > size):
        return None
    view = (rs, bg, words[keys[0]], base + 8 * words.index(back))
    mt, aug = _read_numpy_global(view)
    pos = int.from_bytes(mt[-4:], sys.byteorder, signed=True)
    if not 0 <= pos <= _MT_WORDS or int.from_bytes(aug[:4], sys.byteorder) > 1:
        return None
    return view


def _read_numpy_global(view) -> tuple:
    """The key and position's bytes, and ``has_gauss`` (4 bytes) with ``gauss`` (8), under
    the generator's lock (a draw in another thread holds it without the GIL; NumPy's
    ``get_state`` takes it too)."""
    import ctypes

    with view[1].lock:
        mt = ctypes.string_at(view[2], _MT_BYTES)
        aug = ctypes.string_at(view[3] + 8, 4) + ctypes.string_at(view[3] + 16, 8)
    return mt, aug


def numpy_global_state():
    """NumPy's global generator's state now: a ``(key and position, cached Gaussian)``
    pair of bytes, or ``np.random.get_state()``'s tuple where the generator cannot be read
    directly (:func:`numpy_global_changed` compares two, :func:`set_numpy_global` puts
    one back).

    >>> before = numpy_global_state()
    >>> first = np.random.random()
    >>> numpy_global_changed(before, numpy_global_state())
    True
    >>> set_numpy_global(before)
    >>> bool(np.random.random() == first)
    True
    """
    global _np_view
    view, rs = _np_view, getattr(np.random.get_state, "__self__", None)
    bg = getattr(rs, "_bit_generator", None)
    # (not found: ``(rs, None, its bit generator)``, looked for again when that changes)
    if view is None or view[0] is not rs or (view[1] or view[2]) is not bg:
        view = _np_view = _locate_numpy_global(rs) or (rs, None, bg)
    if view[1] is not None:
        return _read_numpy_global(view)
    if isinstance(rs, np.random.RandomState) and not isinstance(bg, np.random.MT19937):
        # (``np.random.set_bit_generator``: its legacy tuple does not exist; asked for
        # one, NumPy warns at every read, and an error under ``-W error``)
        return rs.get_state(legacy=False)
    return np.random.get_state()


def numpy_global_changed(before, after) -> bool:
    """Whether the generator drew between the states ``before`` and ``after``
    (:func:`numpy_global_state`): its key or position moved."""
    if type(before) is tuple and type(after) is tuple and len(before) == len(after) == 2:
        return before[0] != after[0]
    if isinstance(before, dict) or isinstance(after, dict):
        return not _same_state(before, after)
    before, after = _legacy_state(before), _legacy_state(after)
    return before[2] != after[2] or not np.array_equal(before[1], after[1])


def _same_state(a, b) -> bool:
    """Whether two bit generators' states (``get_state(legacy=False)``'s dicts of ints
    and arrays) are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_state(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    return type(a) is type(b) and a == b


def set_numpy_global(state) -> None:
    """Put NumPy's global generator back to ``state`` (:func:`numpy_global_state`); one
    read as bytes, and equal to the generator's state now, is left as it is."""
    if type(state) is tuple and len(state) == 2:
        if numpy_global_state() == state:
            return
        state = _legacy_state(state)
    np.random.set_state(state)


def _legacy_state(state) -> tuple:
    """``np.random.get_state()``'s tuple of a :func:`numpy_global_state` state."""
    if not (type(state) is tuple and len(state) == 2):
        return state
    mt, aug = state
    key = np.frombuffer(mt, dtype=np.uint32, count=_MT_WORDS).copy()
    return ("MT19937", key, int.from_bytes(mt[-4:], sys.byteorder, signed=True),
            int.from_bytes(aug[:4], sys.byteorder, signed=True),
            float(np.frombuffer(aug, dtype=np.float64, offset=4)[0]))


class RandomState:
    """The state, now, of the random generators a circuit function can draw from: NumPy's
    global generator, Python's ``random``, and ``numpy.random.Generator``,
    ``RandomState`` and ``random.Random`` objects the function names (module-level names
    its code reads, its closure cells). :meth:`restore` puts them back, so that a per-call
    trace, its replays and a retry all draw the same numbers, and the generators end as
    after one run of the function, as PennyLane runs it once per call.

    >>> state = RandomState(lambda: np.random.random())
    >>> first = np.random.random()
    >>> state.restore()
    >>> bool(np.random.random() == first)
    True
    """

    def __init__(self, fn=None):
        self.fn = fn  # (an Attempt on the same function may share it: before_run)
        sources = [(numpy_global_state, set_numpy_global),
                   (pyrandom.getstate, pyrandom.setstate)]
        for obj in _named_objects(fn):
            if isinstance(obj, np.random.Generator):
                bits = obj.bit_generator
                sources.append((lambda b=bits: b.state,
                                lambda st, b=bits: setattr(b, "state", st)))
            elif isinstance(obj, (np.random.RandomState, pyrandom.Random)):
                get = obj.get_state if isinstance(obj, np.random.RandomState) else obj.getstate
                put = obj.set_state if isinstance(obj, np.random.RandomState) else obj.setstate
                sources.append((get, put))
        self.saved = [(put, get()) for get, put in sources]

    def restore(self) -> None:
        for put, state in self.saved:
            put(state)


def _named_objects(fn) -> list:
    """The objects ``fn``'s code names at module level and its closure cells hold."""
    fn = getattr(fn, "__wrapped__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    space = getattr(fn, "__globals__", {})
    out = [space[n] for n in code.co_names if n in space]
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            out.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    return out


class OneRun:
    """Runs of a circuit function that PennyLane makes once: ``qml.draw`` and ``qml.specs``
    record the circuit and trace it, ``construct_batch`` records the tape and resolves the
    configuration from it. Each further run starts from the random state of this moment
    (:meth:`again`: the same draws, the same circuit), and :meth:`done` leaves the
    generators as after the first run, as PennyLane's one recording leaves them.

    >>> runs = OneRun(None)
    >>> first = np.random.random()
    >>> runs.again(); second = np.random.random(); runs.done()
    >>> bool(first == second), bool(np.random.random() != first)
    (True, True)
    """

    def __init__(self, fn):
        self.fn, self.start, self.end = fn, RandomState(fn), None

    def again(self) -> None:
        """Before a further run: the generators back where the first run started."""
        if self.end is None:
            self.end = RandomState(self.fn)
        self.start.restore()

    def done(self) -> None:
        """The generators as after the first run."""
        if self.end is not None:
            self.end.restore()


_ATTEMPT = threading.local()  # .current: the innermost Attempt on this thread


class Attempt:
    """A try at an answer that may be abandoned and answered another way (``qml.grad`` first
    tries the compiled Jacobian): the random state before the first run of a circuit function
    inside it (:func:`before_run`; taken only then: a snapshot costs about 10 us), so that
    :meth:`restore` leaves the generators as if the abandoned try had not run.

    >>> attempt = Attempt(None)
    >>> first = np.random.random()
    >>> with attempt:
    ...     before_run()
    ...     drawn = np.random.random()
    >>> attempt.restore()
    >>> bool(np.random.random() == drawn)
    True
    """

    __slots__ = ("fn", "state", "outer")

    def __init__(self, fn):
        self.fn, self.state, self.outer = fn, None, None

    def __enter__(self):
        self.outer = getattr(_ATTEMPT, "current", None)
        _ATTEMPT.current = self
        return self

    def __exit__(self, *exc):
        _ATTEMPT.current = self.outer

    def restore(self) -> None:
        if self.state is not None:
            self.state.restore()


def before_run(taken: RandomState | None = None) -> None:
    """A circuit function is about to run: the random state for each enclosing
    :class:`Attempt` that has none yet; ``taken``, a :class:`RandomState` of this moment
    (a build's, taken before its trace), is the state of an Attempt on the same function
    (not read again: ``qml.grad``'s first call read NumPy's 624-word key twice in a row)."""
    attempt = getattr(_ATTEMPT, "current", None)
    while attempt is not None and attempt.state is None:
        attempt.state = (taken if taken is not None and taken.fn is attempt.fn
                         else RandomState(attempt.fn))
        attempt = attempt.outer


def rerunnable(fn):
    """``fn`` wrapped so that every run starts from the random state of this moment
    (:class:`RandomState`): a per-call trace and its replays see the same draws."""
    import functools

    before_run()
    state = RandomState(fn)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        state.restore()
        return fn(*args, **kwargs)

    run.random_state = state
    return run


def _sampling(form: tuple, wire_index) -> tuple:
    """A measurement's ``sampling`` form (``qsym._operations.sampling_form``) with its
    words on device indices and its coefficients sympified."""
    if form[:1] in (("basis",), ("eigen",)):
        return (form[0], tuple(wire_index(w, "an observable") for w in form[1]), form[2])
    if form[:1] == ("hadamard",):
        try:
            return ("hadamard", sp.sympify(form[1]), ((wire_index(form[2][0][0], "an observable"), "H"),))
        except (sp.SympifyError, TypeError, ValueError):
            return ()
    if form[:1] not in (("lincomb",), ("sum",)):
        return tuple(form)
    terms = []
    for coeff, scalar, word in form[1]:
        w = tuple(sorted((wire_index(wire, "an observable"), p) for wire, p in word))
        try:
            terms.append((None if coeff is None else sp.sympify(coeff), sp.sympify(scalar), w))
        except (sp.SympifyError, TypeError, ValueError):  # a coefficient qsym traces
            return ()
    return (form[0], tuple(terms))


# PennyLane's NONINVOLUTORY_OBS (gradients/parameter_shift.py): observables whose square
# its parameter shift of a variance measures by shifted tapes of their own
_PL_NONINVOLUTORY = ("Hermitian", "SparseHamiltonian", "Projector")


def _trainable_matrices(m) -> int:
    """How many ``Hermitian`` factors or terms of ``m``'s observable (as written) hold a
    ``qsym.numpy`` tensor with ``requires_grad=True`` (the default of ``qml.numpy.array``):
    PennyLane's tape counts each as a trainable parameter of ``grad_method`` "F"."""
    obs = getattr(m, "_written", None)
    if obs is None:
        obs = getattr(m, "obs", None)
    count, todo = 0, [obs]
    while todo:
        op = todo.pop()
        if op is None:
            continue
        if getattr(op, "name", None) == "Hermitian":
            data = getattr(op, "data", ())
            count += sum(1 for d in data[:1] if getattr(d, "requires_grad", False) is True)
            continue
        todo.extend(getattr(op, "operands", None) or getattr(op, "ops", None) or ())
        base = getattr(op, "base", None)
        if base is not None and not getattr(op, "operands", None):
            todo.append(base)
    return count


def _pl_squares(m) -> bool:
    """Whether PennyLane's ``var_param_shift`` squares the observable of the variance ``m``
    (``_get_non_involuntory_indices``: its name in ``NONINVOLUTORY_OBS``, or a product with
    such a factor; a sum or a scalar product is not, even where its square is no constant)."""
    obs = getattr(m, "_written", None)
    if obs is None:
        obs = getattr(m, "obs", None)
    name = getattr(obs, "name", None)
    if name == "Prod":
        return any(getattr(o, "name", None) in _PL_NONINVOLUTORY
                   for o in getattr(obs, "operands", ()))
    return name in _PL_NONINVOLUTORY


def _reduce(m, wire_index) -> tuple:
    """A state measurement's reduction (``m.reduce``: name, wire labels..., base) with its
    wires as device indices (:attr:`qsym._ir.Measurement.reduce`)."""
    spec = getattr(m, "reduce", ())
    if not spec:
        return ()
    return tuple(tuple(wire_index(w, spec[0]) for w in part) if isinstance(part, tuple) else part
                 for part in spec)


def _shadow(m, wire_index) -> tuple:
    """A classical shadow's spec (``m.shadow``) with its observables' wires as device
    indices (:attr:`qsym._ir.Measurement.shadow`)."""
    spec = getattr(m, "shadow", ())
    if not spec or spec[0] != "shadow_expval":
        return tuple(spec)
    name, seed, k, single, hs = spec
    return (name, seed, k, single, tuple(
        tuple((c, tuple(sorted((wire_index(w, "qml.shadow_expval"), p) for w, p in word)))
              for c, word in h) for h in hs))


def _split_form(obs, index_or_none) -> tuple:
    """:attr:`qsym._ir.Measurement.split` of an observable as written: PennyLane's
    ``split_non_commuting`` splits a ``Sum`` by its flattened terms and a
    ``LinearCombination`` by its own operands (Identity operands left out: an offset);
    any other observable (``2 * (X + Z)``, an
    ``SProd`` of a sum, a product) is measured as one."""
    name = getattr(obs, "name", None)
    if name == "Sum":
        return ("sum",)
    if name in ("LinearCombination", "Hamiltonian"):
        ops = getattr(obs, "ops", None)
        if ops is None:
            return ()
        # an Identity operand is a constant offset, measured by no circuit (PennyLane's
        # _split_all_multi_term_obs_mps); a product of identities is not one; equal
        # operands (Z(2) @ Z(3) and Z(3) @ Z(2)) are measured once
        seen, wires = set(), []
        for op in ops:
            if getattr(op, "name", None) == "Identity":
                continue
            try:
                key = hash(op)
            except TypeError:
                key = id(op)
            if key not in seen:
                seen.add(key)
                wires.append(tuple(i for i in map(index_or_none, getattr(op, "wires", ()))
                                   if i is not None))
        return ("hamiltonian", tuple(wires))
    return ("one",) if obs is not None else ()


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    """``np.isclose(a, b, rtol=tol, atol=tol)`` for two floats, without NumPy's per-call
    cost (about 30 us; a replay compares every gate parameter)."""
    if a == b:
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= tol + tol * abs(b)


def replay_tolerance(value, depth: int = 0) -> float:
    """How closely a replay's gate parameters must equal the trace's (evaluated in float64
    at the inputs' values): 1e-9, or 64 machine epsilons of the least precise floating
    NumPy input in ``value`` (arguments, nested in lists, tuples and dicts): a float32
    input's classical processing (``x[0] * x[1]``) runs in float32 in the replay.

    >>> replay_tolerance(([0.5], {"w": np.ones(2)})), replay_tolerance(np.float32(0.5)) > 1e-6
    (1e-09, True)
    """
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind in "fc" and dtype.itemsize < (8 if dtype.kind == "f" else 16):
        return max(1e-9, 64 * float(np.finfo(dtype).eps))
    if depth < 4 and isinstance(value, (list, tuple, dict)):
        items = value.values() if isinstance(value, dict) else value
        return max((replay_tolerance(v, depth + 1) for v in items), default=1e-9)
    return 1e-9


def _traced_value(expr, values: dict, floats: dict | None = None):
    """The traced parameter ``expr`` at ``values`` as a float, or None where sympy gives no
    finite real number (``atan2(0, 0)`` is NaN to sympy and 0 to NumPy; a singular point
    is no evidence of a branch). ``floats``: the same values as Python floats, for a
    parameter that is one input (the usual case: the same number without sympy's
    ``evalf``, 20-40 us a parameter)."""
    if floats is not None and expr.is_Symbol and expr in floats:
        v = floats[expr]
        return v if math.isfinite(v) else None
    try:
        v = complex(expr.xreplace(values).evalf())
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if v.imag != 0 or not math.isfinite(v.real):
        return None
    return v.real


def _numeric_run(fn, args, kwargs) -> list:
    """The operations ``fn`` records when run on numbers (with ``probs(op=...)``'s
    diagonalizing gates, as in :func:`to_ir`)."""
    tape = Tape()
    _CHOICES.pos = 0  # the traced run's choices of gates (choice)
    before_run()
    try:
        with recording(tape), np.errstate(all="ignore"):  # (the replay at zero: log(0), 1/0)
            result = fn(*args, **kwargs)
    finally:
        _CHOICES.pos = None
    tape.apply_pending()
    numeric, result = rewritten(list(tape.items), result)
    numeric = list(numeric)
    numeric.extend(rotation_gates(result if isinstance(result, (tuple, list)) else [result]))
    return numeric


def global_random_state(taken: RandomState | None = None) -> tuple:
    """The state of NumPy's global generator and of Python's ``random`` (compared by
    :func:`random_state_changed`); ``taken``: a :class:`RandomState` made just now, whose
    saved states these are (not read again).

    >>> taken = RandomState()
    >>> random_state_changed(global_random_state(taken))
    False
    """
    if taken is not None:
        return taken.saved[0][1], taken.saved[1][1]
    return numpy_global_state(), pyrandom.getstate()


def restore_global_random(before: tuple) -> None:
    """Put NumPy's global generator and Python's ``random`` back to ``before``
    (:func:`global_random_state`: their states before a look at the circuit function, so
    that the call draws once, as PennyLane's). Always, with other threads alive too: a
    notebook's or pytest-xdist's threads are alive in most processes, and a
    ``np.random.seed`` script must draw PennyLane's numbers there; the cost (a number
    another thread draws during the look is handed out again) is documented in
    docs/pennylane.md, as for a per-call trace's runs.

    >>> before = global_random_state()
    >>> first = np.random.random()
    >>> restore_global_random(before)
    >>> bool(np.random.random() == first)
    True
    """
    set_numpy_global(before[0])
    pyrandom.setstate(before[1])


def random_state_changed(before: tuple) -> bool:
    """Whether NumPy's global generator or Python's ``random`` drew since
    :func:`global_random_state` gave ``before``."""
    (state, py_state) = before
    return (numpy_global_changed(state, numpy_global_state())
            or pyrandom.getstate() != py_state)


def draws_when_run(fn, args, kwargs, tries: int = 3) -> bool:
    """Whether ``fn`` draws from NumPy's global generator or Python's ``random`` when run
    on ``args``: each of ``tries`` runs on the numbers (silenced, as a replay) changes
    their state. For a trace that saw the state change while other threads ran: one of
    them may have drawn (a device made without a seed draws its seed; a data loader), and
    a function that draws changes the state at every run, so one run without a change
    clears it. A run that raises is not a clearance."""
    for _ in range(tries):
        before = global_random_state()
        try:
            with silenced():
                _numeric_run(fn, args, kwargs)
        except Exception:  # noqa: BLE001 - undecided: a draw, as before
            return True
        if not random_state_changed(before):
            return False
    return True


def _gates_of(items) -> list:
    """Names, wires and parameters (as floats where they are numbers) of recorded gates."""
    out = []
    for g in items:
        params = []
        for p in getattr(g, "params", ()):
            try:
                params.append(float(p))
            except (TypeError, ValueError):
                params.append(repr(p))
        out.append((getattr(g, "name", type(g).__name__), repr(getattr(g, "wires", None)),
                    tuple(params)))
    return out


def compared_gates(circuit) -> tuple:
    """``circuit``'s gates as a replay compares them (:func:`_matches`), worked out once
    for a circuit's replays (:func:`qsym._stages.check` runs two): per gate that is not
    only a derivative's carrier (:func:`carries`), ``(name, wire indices, wire labels
    (None for a circuit without labels; False for a gate on a wire past them),
    parameters)``, each parameter ``(0, number)``
    (a sympy number as a float), ``(1, symbol)`` (an input's symbol, its float at the
    replay) or ``(2, expression)`` (evaluated at the replay's numbers) (issue #17: the 12x8 HEA's two replays asked each
    of 288 gates whether it carries, and mapped every wire, per replay).

    >>> from qsym._ir import Circuit, Op, Measurement
    >>> a = sp.Symbol("a", real=True)
    >>> c = Circuit(2, (Op("RX", (1,), (a,)), Op("RZ", (0,), (sp.Float(0.5),))),
    ...             (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),), inputs=(a,),
    ...             wire_labels=("q", "r"))
    >>> list(compared_gates(c))
    [('RX', (1,), ('r',), ((1, a),)), ('RZ', (0,), ('q',), ((0, 0.5),))]
    """
    labels = tuple(circuit.wire_labels)
    out = []
    for op in circuit.ops:
        params = []
        for tp in op.params:  # (what carries(op) asks, on the way)
            if isinstance(tp, sp.Symbol):
                if symbol_text(tp).startswith(CARRIER):
                    break
                params.append((1, tp))  # (an input: its float, else sympy's value)
            elif tp.is_Number and tp.is_real and tp.is_finite:
                params.append((0, float(tp)))
            elif isinstance(tp, sp.Basic) and any(symbol_text(f).startswith(CARRIER)
                                                  for f in tp.free_symbols):
                break
            else:
                params.append((2, tp))
        else:
            wires = tuple(op.wires)
            named = (None if not labels else False if any(w >= len(labels) for w in wires)
                     else tuple(labels[w] for w in wires))  # (False: compared by index)
            out.append((op.name, wires, named, tuple(params)))
    return tuple(out)


def _matches(numeric, circuit, floats: dict, compared: tuple | None = None,
             tol: float = 1e-9) -> bool:
    """Whether the gates of a numeric run are the traced circuit's at the inputs
    ``floats`` (symbol -> float), parameters within ``tol`` (:func:`replay_tolerance`);
    sympy Floats of them are made only for a parameter that is not one input (an
    expression). ``compared``: :func:`compared_gates` of ``circuit`` (made here if not
    given)."""
    ops = compared_gates(circuit) if compared is None else compared
    if len(numeric) != len(ops):
        return False
    # the wires too, in order: a wire chosen by Python the tracer cannot see (`w = 0 if
    # isinstance(x, float) else 1`) records the same gate on another wire (as to_ir numbers
    # them: a gate on no wires, GlobalPhase(), on wire 0). Two runs of one program record
    # the same gates in the same order: mid-circuit measurements are numbered as they are
    # made (_mcm.new_meas_uid; random ids ordered a conditioned gate's controls anew)
    index = None
    exact = None
    for got, (name, wires, labels, params) in zip(numeric, ops):
        got_params = got.params
        if got.name != name or len(got_params) != len(params):
            return False
        # (the labels themselves first: equal labels are the same wires; else, as
        # to_ir numbers them, by index)
        if labels is not None and (labels is False
                                   or not tuple.__eq__(tuple(got.wires), labels)):
            if index is None:
                index = {label: i for i, label in enumerate(circuit.wire_labels)}
            if (tuple(index.get(w, -1) for w in got.wires) or (0,)) != wires:
                return False
        for gp, (how, tp) in zip(got_params, params):
            if how == 0:
                want = tp
            elif how == 1 and tp in floats:
                want = floats[tp]
                if not math.isfinite(want):
                    continue
            else:
                if exact is None:
                    exact = {k: sp.Float(v) for k, v in floats.items()}
                want = _traced_value(tp, exact)
                if want is None:
                    continue
            got_value = float(gp)
            if got_value != want and not _close(got_value, want, tol):
                return False
    return True


def carries(op) -> bool:
    """Whether ``op`` carries a derivative only (a gate only the trace makes: its
    parameters hold :meth:`Looks.constant` coefficients named ``_carrier<k>``).

    >>> from types import SimpleNamespace
    >>> looks, x = Looks({}), TracedSymbol("x")
    >>> carries(SimpleNamespace(params=(looks.constant(0.5, carrier=True) * x,)))
    True
    >>> carries(SimpleNamespace(params=(2 * x,)))
    False
    """
    for p in op.params:
        if isinstance(p, sp.Symbol):  # (its free symbols: itself; a traced input's usual
            if symbol_text(p).startswith(CARRIER):  # parameter, two replays' 2 x 288 ops)
                return True
        elif isinstance(p, sp.Basic) and any(symbol_text(s).startswith(CARRIER)
                                             for s in p.free_symbols):
            return True
    return False


def without_carriers(circuit):
    """``circuit`` without the gates that only carry a derivative (:func:`carries`): what
    PennyLane's tape holds, so what is drawn and counted (``qml.draw``, ``qml.specs``, a
    tracker's resources); ``circuit`` itself when it has none.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(ops=[SimpleNamespace(params=())])
    >>> without_carriers(c) is c
    True
    """
    if not any(carries(op) for op in circuit.ops):
        return circuit
    from dataclasses import replace

    return replace(circuit, ops=[op for op in circuit.ops if not carries(op)])


# the threads replaying a circuit function now (silenced): a replay's prints are dropped
_SILENT = threading.local()
# the one pair of wrappers installed while any thread is silenced: {"stdout": (wrapper,
# the stream it wraps)}, the number of threads inside (stop 61: each block wrapped the
# streams it found, so two threads whose blocks overlapped, the first leaving first, left
# the first's wrapper installed for good, one more layer per such overlap)
_SILENCE_LOCK = new_lock()  # (fork-safe: qsym._locks)
# ("print": the ``builtins.print`` replaced, kept after the last thread leaves: another
# thread may have looked up ``_silenced_print`` just before and call it after; "print on":
# ours is installed)
_SILENCE = {"threads": 0, "installed": {}, "print on": False}


class _SilencedStream:
    """A stream that drops what a thread in :func:`silenced` writes and passes on what
    any other thread writes (``sys.stdout`` / ``sys.stderr`` are shared by the threads);
    its ``buffer`` (binary writes) likewise."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        if getattr(_SILENT, "on", False):
            return len(text)
        return self._stream.write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    @property
    def buffer(self):
        return _SilencedStream(self._stream.buffer)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _silenced_print(*args, **kwargs):
    """``print`` while a thread is silenced: dropped in that thread whatever its ``file``
    (a ``contextlib.redirect_stdout(buf)`` in the function sets ``sys.stdout`` to the
    user's own stream, past the wrappers), passed on in the others."""
    if getattr(_SILENT, "on", False):
        return None
    return _SILENCE["print"](*args, **kwargs)


def _silence_enter():
    import builtins

    with _SILENCE_LOCK:
        _SILENCE["threads"] += 1
        if not _SILENCE["print on"]:
            # (ours still there with none of our threads inside: put back by a user's
            # block that replaced ``print`` while a replay ran and restored what it saw
            # after the replay ended; taken as ours, restored when this replay ends)
            if builtins.print is not _silenced_print:
                _SILENCE["print"] = builtins.print
                builtins.print = _silenced_print
            _SILENCE["print on"] = True
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is None:
                continue
            if isinstance(stream, _SilencedStream):
                if name in _SILENCE["installed"]:
                    continue  # (ours, installed by a thread still inside: no second layer)
                # a wrapper put back by a user's block (``contextlib.redirect_stdout``)
                # that began while a replay ran and ended after it: taken as ours, the
                # stream under it restored when this replay ends
                inner = stream
                while isinstance(inner, _SilencedStream):
                    inner = inner._stream
                _SILENCE["installed"][name] = (stream, inner)
                continue
            wrapper = _SilencedStream(stream)
            setattr(sys, name, wrapper)
            _SILENCE["installed"][name] = (wrapper, stream)


def _silence_exit():
    import builtins

    with _SILENCE_LOCK:
        _SILENCE["threads"] -= 1
        if _SILENCE["threads"]:
            return
        if _SILENCE["print on"]:
            _SILENCE["print on"] = False
            if builtins.print is _silenced_print:
                builtins.print = _SILENCE["print"]  # (kept: see _SILENCE)
        for name, (wrapper, stream) in _SILENCE["installed"].items():
            # (restored unless something else replaced it meanwhile: the user's stream
            # then stays, and a wrapper it holds passes every write on)
            if getattr(sys, name) is wrapper:
                setattr(sys, name, stream)
        _SILENCE["installed"].clear()


@contextmanager
def silenced():
    """Inside the block, what this thread prints (``sys.stdout``, ``sys.stderr``: the
    circuit function's ``print``, a warning shown) is dropped; other threads print as
    before. The replays of a circuit function (:func:`replay_check`) run in it: PennyLane
    runs the function once per call, so its prints appear once, from the trace, not once
    more per replay. One wrapper of each stream is installed while any thread is inside,
    and the streams are restored when the last one leaves.

    >>> with silenced():
    ...     print("dropped")
    >>> print("shown")
    shown
    """
    if getattr(_SILENT, "on", False):
        yield
        return
    _silence_enter()
    try:
        _SILENT.on = True
        yield
    finally:
        _SILENT.on = False
        _silence_exit()


def replay_check(fn, args, kwargs, circuit, values: dict, compared: tuple | None = None) -> None:
    """Run ``fn`` once more on numbers and compare with the traced circuit at those numbers.

    A second safety net behind :class:`Traced` for value-dependent Python the tracer
    cannot see (``if isinstance(x, float):``, global state): if the numeric run records
    other gates than the trace evaluated at the same numbers, the trace was not faithful.
    A parameter sympy cannot evaluate to a finite real number there (a singular point of
    the classical processing) is not compared.
    """
    floats = {s: float(v) for s, v in values.items()}
    tol = replay_tolerance((args, kwargs))
    with silenced():  # (the trace printed what the function prints)
        numeric = _numeric_run(fn, args, kwargs)
    if not _matches(numeric, circuit, floats, compared, tol):
        # the same numbers again (at most three more runs, only on this failing path): a
        # function whose gates differ between runs on the same inputs draws random numbers
        # (or reads state that changes) while traced, which the first replay may not show
        first = _gates_of(numeric)
        for _ in range(3):
            with silenced():
                again = _numeric_run(fn, args, kwargs)
            if _gates_of(again) != first or _matches(again, circuit, floats, compared, tol):
                err = TracingError(
                    f"circuit function {getattr(fn, '__name__', fn)!r} is not deterministic: "
                    "run again on the same inputs it records different gates (it draws "
                    "random numbers, e.g. numpy.random or random, or reads state that "
                    "changes between calls). qsym traces the function once and would reuse "
                    "the first draw at every call, where PennyLane runs it anew each time: "
                    "draw the numbers outside the QNode and pass them as an argument (a "
                    "keyword argument is data: new values never recompile), or let qsym "
                    "trace it at every call (QNode(..., trace='auto' or 'per-call'))."
                )
                err.per_call = "it records different gates on each run"
                raise err
        raise TracingError(
            f"circuit function {getattr(fn, '__name__', fn)!r} records different gates when "
            f"run on numbers than when traced: its Python control flow depends on its inputs "
            f"in a way the tracer cannot see (e.g. `if isinstance(x, float):`), or it reads "
            f"something that changes from run to run (numpy.random or random draws, the "
            f"clock: draw such numbers outside the circuit and pass them as an argument). "
            f"{_TRACE_HINT}"
        )
