"""PennyLane's state preparations and templates, as decompositions into qsym's gates.

A template called inside a circuit records its gates like any other code, so parameters
stay exact sympy expressions of the inputs (gradients are exact, by the proved rules of
the gates it uses). The gates are PennyLane's, in PennyLane's order, so results match
PennyLane's to rounding. ``template.decomposition()`` lists them.

- state preparation: :class:`StatePrep`, :class:`AmplitudeEmbedding` (a state vector, at
  the start of the circuit), :class:`BasisState`, :class:`BasisEmbedding` (a bit string);
- embeddings: :class:`AngleEmbedding`, :class:`IQPEmbedding`, :class:`QAOAEmbedding`;
- layers: :class:`BasicEntanglerLayers`, :class:`StronglyEntanglingLayers`,
  :class:`SimplifiedTwoDesign`, each with PennyLane's ``shape`` static method.

>>> import qsym as qml
>>> qml.StronglyEntanglingLayers.shape(n_layers=2, n_wires=3)
(2, 3, 3)
>>> qml.AngleEmbedding([0.1, 0.2], wires=[0, 1], rotation="Y").decomposition()
[RY(np.float64(0.1), wires=[0]), RY(np.float64(0.2), wires=[1])]
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import itertools
import math
import numbers
import sys
import threading
import types
import warnings
from types import SimpleNamespace

import numpy as np
from autograd.tracer import Box, getval
import sympy as sp

from .exceptions import ParameterFrequenciesUndefinedError
from .errors import (AdjointUndefinedError, ArgumentError, DecompositionUndefinedError, DifferentiationError, GateError, PowUndefinedError, SparseMatrixUndefinedError,
                     TracingError, WireError, MatrixUndefinedError)
from ._operations import (GATE_CLASSES, METHODS, GateSequence, Observable, Operation, Prod, StatePrepBase,
                          expand_matrix, wires_tuple)
from ._ir import apply_matrix
from . import _shapes as shapes
from . import rules
from ._trace import EmptyInput, Tape, active_tape, add_check, aside_tape, choice, known, looked_at, not_recording, recording, take_over, unwrap
from .wires import Wires, order_list
from ._lambdify import lambdify


def _unwrapped(x):
    """Traced circuit inputs (:class:`qsym._trace.Traced`) as their sympy expressions, in
    lists and object arrays too: templates compute with them symbolically."""
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrapped(v) for v in x)
    return unwrap(x)


def _array(x, what: str) -> np.ndarray:
    """Template input as an array (numbers or traced sympy expressions)."""
    x = _unwrapped(x)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple)):
        arr = np.asarray(x, dtype=object)
        try:
            return np.asarray(arr, dtype=float) if not _symbolic(arr) else arr
        except (TypeError, ValueError):
            if any(isinstance(v, (list, tuple, np.ndarray)) for v in arr.flat):
                raise GateError(f"{what} is a ragged nest of lists (rows of different "
                                f"lengths, or numbers beside lists: {x!r}): give an array of "
                                "one shape") from None
            return arr
    if isinstance(x, (numbers.Number, sp.Basic)):
        return np.asarray(x, dtype=object if isinstance(x, sp.Basic) else float)
    if isinstance(x, Box) and isinstance(getval(x), (np.ndarray, numbers.Number)):
        # autograd's array on a tape (a QNode's tape path under qml.grad): its elements,
        # each a box autograd follows into the gates
        out = np.empty(np.shape(x), dtype=object)
        for idx in np.ndindex(*out.shape):
            out[idx] = x[idx]
        return out
    if isinstance(x, Box) and isinstance(getval(x), (tuple, list)):
        # a tuple autograd follows (the results of a QNode on its tape path, passed on to
        # another QNode): its elements, each a box or a number
        out = np.empty(len(getval(x)), dtype=object)
        for i in range(out.shape[0]):
            out[i] = x[i]
        return out
    raise GateError(f"{what} must be an array of numbers, got {type(x).__name__}")


def _as_given(kept, given):
    """A template's parameter as PennyLane's ``op.data`` holds it: the array autograd traces
    where the template kept its elements (:func:`_array`: one box per element, which no
    tape counts as a trainable parameter: ``qml.RandomLayers`` of a differentiated argument
    under ``diff_method="spsa"`` had a Jacobian of zeros), else what it kept."""
    if (isinstance(given, Box) and isinstance(kept, np.ndarray) and kept.dtype == object
            and kept.shape == np.shape(given)):
        return given
    return kept


def _symbolic(arr: np.ndarray) -> bool:
    return arr.dtype == object and any(
        isinstance(v, sp.Basic) and not v.is_number for v in arr.ravel()
    )


# the template modules below this one (state preparations, encodings) read inputs alike
template_array, is_symbolic, unwrapped = _array, _symbolic, _unwrapped


def _gate(name, *params, wires, **hyper) -> Operation:
    return GATE_CLASSES[name](*params, wires=_label_wires(wires), **hyper)


def _label_wires(wires):
    """``wires`` as a template's gate takes them: one of the template's wire labels that
    is a tuple (``("t", 1)``) is that one wire, not a sequence of two (PennyLane's templates
    pass ``Wires`` objects)."""
    building = _building()
    if isinstance(wires, tuple) and building:
        labels = building[-1].wires
        if wires in labels and not all(w in labels for w in wires):
            return [wires]
    return wires


_LOCAL = threading.local()  # .building: the templates this thread is building, innermost last


def _building() -> list:
    stack = getattr(_LOCAL, "building", None)
    if stack is None:
        stack = _LOCAL.building = []
    return stack


def _traced_gates_matrix(gates, mats, order, state):
    """:func:`gates_matrix` with matrices autograd traces (a gate's matrix of a boxed
    parameter, ``Operation.matrix``): the same steps (each matrix applied on its wires'
    axes by tensordot) in ``autograd.numpy``, so the derivative flows through."""
    import autograd.numpy as anp

    n = len(order)
    for g, m in zip(gates, mats):
        if not g.wires:
            state = anp.reshape(m, (-1,))[0] * state
            continue
        axes = [order.index(w) for w in g.wires]
        k = len(axes)
        out = anp.tensordot(anp.reshape(m, (2,) * (2 * k)), state,
                            axes=(list(range(k, 2 * k)), axes))
        state = anp.moveaxis(out, list(range(k)), axes)
    return anp.reshape(state, (2 ** n, -1))


def gates_matrix(gates, order, columns=None) -> np.ndarray:
    """The unitary of ``gates`` (applied in order) on the wires ``order``, or only its
    ``columns``: each gate's own matrix applied on its wires' axes (``apply_matrix``), not a
    full-size product per gate.

    >>> gates_matrix([GATE_CLASSES["PauliX"](wires=1)], [0, 1]).real
    array([[0., 1., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 1.],
           [0., 0., 1., 0.]])
    """
    n = len(order)
    cols = np.eye(2 ** n, dtype=complex)
    if columns is not None:
        cols = cols[:, list(columns)]
    state = cols.reshape((2,) * n + (cols.shape[1],))
    mats = [g.matrix() for g in gates]
    if any(isinstance(m, Box) for m in mats):  # inside qml.grad: autograd's operations
        return _traced_gates_matrix(gates, mats, order, state)
    for g, m in zip(gates, mats):
        m = np.asarray(m, dtype=complex)
        if not g.wires:
            state = m.reshape(-1)[0] * state
            continue
        state = apply_matrix(state, m, tuple(order.index(w) for w in g.wires))
    return state.reshape(2 ** n, -1)


# qml.draw's boxes: while a drawing runs a circuit function (``drawing_run``), each gate a
# template (or a controlled template) applies records the boxes it is drawn in, outermost
# first (``add_draw_group``, read back with ``draw_groups``); outside a drawing nothing is
# recorded, so gates shared between calls gather nothing
_DRAWING = threading.local()  # .stamp: the current drawing run's number, or None


class BoxKey:
    """The key of one drawn box: the object the box stands for (a template, a controlled
    or powered operator), compared by identity and *held*. A bare ``id()`` is not a key:
    once the object is freed (``qml.ctrl(template)`` written as a statement returns an
    operator nobody keeps) CPython gives its address to the next object, and a later
    template's box took the freed one's key, so the drawing dropped it as already drawn.

    >>> a, b = object(), object()
    >>> BoxKey(a) == BoxKey(a), BoxKey(a) == BoxKey(b), len({BoxKey(a), BoxKey(a)})
    (True, False, 1)
    """

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return isinstance(other, BoxKey) and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)

    def __repr__(self):
        return f"BoxKey({type(self.obj).__name__})"


@contextlib.contextmanager
def drawing_run():
    """The numeric run of a circuit function ``qml.draw`` makes: templates record their
    boxes on their gates (``draw_groups``) inside the block. Yields the run's stamp.

    >>> with drawing_run() as stamp:
    ...     t = QFT(wires=[0, 1])
    >>> [g[1].name for g in draw_groups(t.gates()[0], stamp)]
    ['QFT']
    """
    prev = getattr(_DRAWING, "stamp", None)
    _DRAWING.count = stamp = getattr(_DRAWING, "count", 0) + 1
    _DRAWING.stamp = stamp
    try:
        yield stamp
    finally:
        _DRAWING.stamp = prev


def add_draw_group(op, key, labeller, wires, controls=(), values=()) -> None:
    """Inside a :func:`drawing_run`: record that ``op`` is drawn as part of a box of
    ``labeller`` (its ``label(decimals, cache=...)``) on ``wires``, with control dots on
    ``controls`` (``values``: 1 filled, 0 open); outside the boxes recorded before.
    ``key`` tells boxes apart: a :class:`BoxKey` or a tuple holding one (never an ``id()``)."""
    stamp = getattr(_DRAWING, "stamp", None)
    if stamp is None:
        return
    inner = draw_groups(op, stamp)
    op._draw_groups = (stamp, ((key, labeller, tuple(wires), tuple(controls), tuple(values)),)
                       + inner)


def clear_draw_groups(op) -> None:
    """Forget the boxes recorded on ``op`` (a gate PennyLane draws as itself)."""
    op.__dict__.pop("_draw_groups", None)


def current_draw_groups(op) -> tuple:
    """The boxes ``op`` is drawn in, as recorded in the drawing run under way (none
    outside a :func:`drawing_run`)."""
    stamp = getattr(_DRAWING, "stamp", None)
    return () if stamp is None else draw_groups(op, stamp)


def draw_groups(op, stamp) -> tuple:
    """The boxes ``op`` is drawn in (outermost first) as the drawing run ``stamp`` recorded
    them: ``(key, labeller, wires, control wires, control values)`` each."""
    held = getattr(op, "_draw_groups", None)
    return held[1] if held is not None and held[0] == stamp else ()


def _apply_entries(ops) -> None:
    """Record the gates of the operators ``ops`` on the active tape (if any), in order: a
    product of gates (``ChangeOpBasis``, ...) its gates, a template its gates."""
    tape = active_tape()
    if tape is not None:
        for op in ops:
            gates = op.applied_gates() if hasattr(op, "applied_gates") else tuple(
                getattr(op, "table_gates", (op,)))  # (Adjoint(PhaseShift): its gate)
            for g in gates:
                tape.append(g)


def pennylane_entries(make) -> list:
    """The operators of a PennyLane ``compute_decomposition`` that ``make()`` returns
    (``ChangeOpBasis``, ``ControlledSequence``, ``Adjoint(QFT)`` ... kept whole, one level
    as PennyLane's), made aside and then applied where it is called (PennyLane queues
    them): the device decomposes them further.

    >>> pennylane_entries(lambda: [QFT(wires=[0])])
    [QFT(wires=[0])]
    """
    with recording(Tape()):
        ops = list(make())
    _apply_entries(ops)
    return ops


def _data_key(d):
    """A parameter as PennyLane's ``op.hash`` reads it: numbers rounded to 10 decimals."""
    try:
        a = np.round(np.asarray(d, dtype=complex), 10)
    except (TypeError, ValueError):
        return repr(d)
    return a.shape, a.tobytes()


# qsym builds a template's gates when it is made (about 0.5 KB and 20-80 us each; PennyLane
# decomposes when asked): a template that would write more is refused before it is built
# (its gate_count) or at this many gates (any other), never built until memory runs out
MAX_TEMPLATE_GATES = 1_000_000


def refuse_size(template, count: int | None, of: str = ""):
    """Raise: ``template`` would write ``count`` gates (None: it has written
    :data:`MAX_TEMPLATE_GATES` and is not done); ``of``: what repeats it (``qml.pow``)."""
    what = "more than" if count is None else f"{count:,} gates, more than"
    raise ArgumentError(
        f"{of}{type(template).__name__} on {len(template.wires):,} wires would write {what} "
        f"qsym.templates.MAX_TEMPLATE_GATES = {MAX_TEMPLATE_GATES:,} (qsym builds a "
        "template's gates when it is made, about 0.5 KB each): use fewer wires or steps, "
        "or raise qsym.templates.MAX_TEMPLATE_GATES if you mean a circuit this large")


class _InstanceDefault:
    """A property computed from the instance unless the instance (or a subclass) sets the
    attribute itself (a non-data descriptor): PennyLane's ``Operator`` defaults that some
    templates assign in ``__init__``."""

    def __init__(self, fn):
        self.fn, self.__doc__, self.__name__ = fn, fn.__doc__, fn.__name__

    def __get__(self, obj, cls=None):
        return self if obj is None else self.fn(obj)


class Template(GateSequence):
    """Base class: ``__init__`` checks the arguments and records :meth:`_build`'s gates on
    the active tape (if any); :meth:`decomposition` returns them. A template takes part in
    operator arithmetic as its gates (``qml.GlobalPhase(0.3) @ qml.QFT(wires=[0, 1])``)."""

    _box = None  # PennyLane's fixed label ("|Ψ⟩" for state preparations), else its generic one
    # PennyLane's flags: a template decomposes, has no adjoint method of its own and (but for
    # QFT, GroverOperator, QSVT, TemporaryAND, BlockEncode) no matrix of its own; qsym's
    # ``matrix()`` still gives the product of its gates
    has_matrix = False
    has_adjoint = False
    has_decomposition = True
    has_diagonalizing_gates = False
    has_generator = False
    # PennyLane's Operator defaults for its templates (tests/test_pl_suite62c.py compares
    # every template class with PennyLane's values): any number of wires, and no gradient
    # method of their own (PennyLane's templates set ``grad_method = None``: differentiated
    # through their decomposition; a class PennyLane gives another sets it)
    num_wires = None
    grad_method = None

    @_InstanceDefault
    def num_params(self) -> int:
        """PennyLane's default ``num_params``: ``len(op.data)``.

        >>> AngleEmbedding([0.1, 0.2], wires=[0, 1]).num_params
        1
        """
        return len(self.data)

    @_InstanceDefault
    def ndim_params(self) -> tuple:
        """PennyLane's default ``ndim_params``: the number of dimensions of each parameter
        as given.

        >>> StronglyEntanglingLayers(np.ones((1, 2, 3)), wires=[0, 1]).ndim_params
        (3,)
        """
        return tuple(int(np.ndim(getval(p) if isinstance(p, Box) else p)) for p in self.data)

    @_InstanceDefault
    def grad_recipe(self) -> list:
        """PennyLane's default ``grad_recipe``: None for each parameter."""
        return [None] * self.num_params

    @property
    def parameter_frequencies(self) -> list:
        """PennyLane's default for a template: none (``ParameterFrequenciesUndefinedError``,
        as its ``Operation.parameter_frequencies`` for an operation without a generator).

        >>> AngleEmbedding([0.1], wires=[0]).parameter_frequencies
        Traceback (most recent call last):
        ...
        qsym.exceptions.ParameterFrequenciesUndefinedError: Operation AngleEmbedding does not ...
        """
        raise ParameterFrequenciesUndefinedError(
            f"Operation {self.name} does not have parameter frequencies defined, and parameter "
            "frequencies can not be computed as no generator is defined.")

    def gate_count(self) -> int | None:
        """How many gates :meth:`_build` writes (at least), when that is known before it
        runs and can be far more than the arguments' size (a QFT's ``n(n+1)/2``, a Trotter
        product's steps times terms); None otherwise. :meth:`_record` refuses a template of
        more than :data:`MAX_TEMPLATE_GATES` before building it.

        >>> QFT(wires=range(4)).gate_count()  # 4 Hadamards, 6 phases, 2 SWAPs
        12
        """
        return None

    def device_applies(self) -> bool:
        """Whether PennyLane's ``default.qubit`` applies this template as one matrix (it
        has a matrix) rather than decomposing it: ``qml.draw(..., level="device")`` keeps
        its box then.

        >>> QFT(wires=[0, 1]).device_applies(), FlipSign([1], wires=[0]).device_applies()
        (True, False)

        PennyLane's stopping condition is ``op.has_matrix`` (but for the sizes of a few,
        which override this): ``QSVT``, ``QubitSum``, ``IntegerComparator`` are kept whole.
        """
        return bool(type(self).has_matrix)

    def label_data(self) -> tuple:
        """The parameters PennyLane's label shows (its ``data``): :attr:`parameters`."""
        return tuple(self.parameters)

    @property
    def batch_size(self):
        """PennyLane's ``batch_size``: the number of parameter sets the template was given
        (features or weights with a leading batch axis), which its gates broadcast over;
        None if it was given one. Read off the gates it applies.

        >>> import numpy as np
        >>> AngleEmbedding(np.ones((5, 3)), wires=[0, 1, 2]).batch_size
        5
        >>> AngleEmbedding(np.ones(3), wires=[0, 1, 2]).batch_size is None
        True
        """
        ops = self.__dict__.get("_ops") or self.decomposition()  # the gates it applies
        sizes = {size for g in ops if (size := getattr(g, "batch_size", None)) is not None}
        if len(sizes) > 1:
            raise ArgumentError(
                f"{type(self).__name__}: its broadcast parameters have different batch sizes "
                f"{sorted(sizes)}; give every parameter the same leading batch size")
        return sizes.pop() if sizes else None

    def draw_controls(self) -> tuple:
        """``(control wires, control values)`` qml.draw marks with dots on the template's
        box (none: the box spans all its wires)."""
        return (), ()

    def __init_subclass__(cls, **kwargs):
        """Each template keeps the arguments it was made with (``_init_args``, filled in by
        the outermost ``__init__``): its PennyLane data and hyperparameters, ``_flatten``,
        ``map_wires`` and ``qml.equal`` read them."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        sig = inspect.signature(init)

        @functools.wraps(init)
        def __init__(self, *args, **kw):
            if "_init_args" not in self.__dict__:
                try:
                    bound = sig.bind(self, *args, **kw)
                except TypeError:
                    pass
                else:
                    bound.apply_defaults()
                    self._init_args = _bound_arguments(bound)
                    self._init_varargs = _var_positional(bound)
            init(self, *args, **kw)

        cls.__init__ = __init__

    def _record(self):
        if not isinstance(self.wires, Wires):  # PennyLane's Wires (a tuple of labels)
            self.wires = Wires(self.wires)
        count = self.gate_count()
        if count is not None and count > MAX_TEMPLATE_GATES:
            refuse_size(self, count)
        outer = active_tape()
        building = _building()
        # first in the circuit (not inside another template): PennyLane's StatePrepBase there
        # (in qml.draw's run, after no gate-less template either: BasisState(0) is one entry)
        self._first_op = (outer is not None and not outer.items and not building
                          and not getattr(outer, "barriers", None))
        tape = aside_tape()
        tape.limit = (MAX_TEMPLATE_GATES, lambda: refuse_size(self, None))
        self._children = []  # (start, length, template): templates this one applies
        building.append(self)
        self._tape = tape  # what _build records on: a template made there is one entry of it
        try:
            with recording(tape):
                self._build()
        finally:
            building.pop()
            del self._tape
        self._ops = list(tape.items)
        if not self._ops and not building:  # no gate (BasisState(0)): drawn all the same
            self.mark_drawn(outer)
        run = tuple(self._ops)  # one tuple for all: a tuple per gate was n^2 memory and time
        for op in self._ops:  # qml.adjoint of a function takes the template whole
            op._made_by = (self, run)  # (qsym._opmath.owned_runs)
        if self.grad_method == "A" and self._frequencies_known():
            # PennyLane's gradient transforms keep an operator of a gradient method whole
            # (its parameter shifted by its parameter_frequencies' rule, or stepped once):
            # the outermost such template, for qml.Tracker's counts (qsym._trace). Not
            # SpecialUnitary: "A" only in qsym (its own rule), PennyLane expands it
            for op in self._ops:
                op.pl_template = self
        controls, values = self.draw_controls()
        for op in self._ops:
            add_draw_group(op, BoxKey(self), self, self.wires, controls, values)
        outer = active_tape()
        if outer is not None:
            start = len(outer.items)
            before = outer.items[-1] if outer.items else None
            if self.device_applies():  # its wires are the circuit's (Tape.claims)
                outer.claims.append((before, tuple(self.wires), self._trainable_data()))
            elif any(isinstance(v, EmptyInput) for v in self.__dict__.get("_init_args", {}).values()):
                # an argument without numbers (weights of zero layers): PennyLane's tape holds
                # it, a trainable tensor, so its results are autograd's; no wire claimed
                outer.claims.append((before, (), True))
            outer.claims.extend((before if a is None else a, w, t) for a, w, t in tape.claims)
            for op in self._ops:
                outer.append(op)
            building = _building()
            if building and outer is building[-1].__dict__.get("_tape"):
                # applied by another template: one entry of its decomposition (one made
                # aside, on a tape of its own, is not)
                building[-1]._children.append((start, len(self._ops), self))
            # PennyLane's queue: the template is one entry; the gates it wrote and the
            # operators it takes (Select's ops, Reflection's U, ...) leave it
            take_over(self, (*self._ops, *_operator_arguments(self)))

    def mark_drawn(self, tape) -> None:
        """In ``qml.draw``'s run (a tape keeping drawn marks), where a template that applies no
        gate stands (``BasisState`` of zeros, ``BasisEmbedding(0)``): PennyLane's tape holds
        it and draws its box (``|Ψ⟩``) on its wires, as the drawing of :class:`Barrier`.

        >>> import qsym as qml
        >>> dev = qml.device("default.qubit", wires=3)
        >>> @qml.qnode(dev)
        ... def c():
        ...     qml.BasisState([0, 0], wires=[0, 1])
        ...     qml.X(2)
        ...     return qml.probs()
        >>> print(qml.draw(c)())
        0: ─╭|Ψ⟩─┤  Probs
        1: ─╰|Ψ⟩─┤  Probs
        2: ──X───┤  Probs
        """
        if tape is not None and getattr(tape, "barriers", None) is not None:
            tape.barriers.append((len(tape.items), self))

    def _frequencies_known(self) -> bool:
        """Whether the template has ``parameter_frequencies`` (PennyLane's shift rule of it:
        ``FermionicSingleExcitation``'s ``[(0.5, 1.0)]``); templates without raise."""
        try:
            self.parameter_frequencies
        except Exception:  # noqa: BLE001 - PennyLane's ParameterFrequenciesUndefinedError
            return False
        return True

    def queue(self, context=None):
        """PennyLane's ``op.queue()``: record the template (again) where it is called, its
        gates applied in a circuit, the template one entry of a queue; returns it.

        >>> import qsym as qml
        >>> t = QFT(wires=[0, 1])
        >>> with qml.queuing.AnnotatedQueue() as q:
        ...     _ = t.queue()
        >>> q.queue == [t]
        True
        """
        tape = active_tape()
        if tape is not None:
            controls, values = self.draw_controls()
            call, again = object(), []  # this application: its own box when drawn
            for op in self._ops:
                g = copy.copy(op)
                clear_draw_groups(g)
                add_draw_group(g, (BoxKey(self), call), self, self.wires, controls, values)
                again.append(g)
                tape.append(g)
            take_over(self, tuple(again))
        return self

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash``: the same for templates of one name, wires,
        hyperparameters and data (numbers compared to 10 decimals); ``hash(op)`` is it, so
        templates that ``==`` finds equal hash equal (a set holds them once, as PennyLane's).

        >>> QFT(wires=[0, 1]).hash == QFT(wires=[0, 1]).hash != QFT(wires=[1, 0]).hash
        True
        >>> len({QFT(wires=[0]), QFT(wires=[0])})
        1
        """
        return hash((self.name, tuple(self.wires), str(list(self.hyperparameters.values())),
                     tuple(_data_key(d) for d in self.data)))

    def _trainable_data(self) -> bool:
        """Whether a parameter holds a trainable ``qsym.numpy`` tensor: applied whole by
        the device, the template is then a trainable tape parameter in PennyLane, whose
        results are autograd's (a plain number or array is not: NumPy's results).

        >>> from qsym import numpy as pnp
        >>> BasisState(pnp.array([1]), wires=[0])._trainable_data(), BasisState([1], wires=[0])._trainable_data()
        (True, False)
        """
        from .numpy import extract_tensors

        given = [v for k, v in self.__dict__.get("_init_args", {}).items() if k != "wires"]
        return any(t.requires_grad for t in extract_tensors(given + list(self.parameters)))

    def _build(self):  # pragma: no cover - every template defines it
        raise NotImplementedError

    def adjoint(self):
        """PennyLane's ``op.adjoint()`` of an operator without an adjoint method of its own
        (``has_adjoint`` False): ``AdjointUndefinedError``; ``qml.adjoint(template)``
        applies its gates' inverses in reverse order.

        >>> StatePrep([1.0, 0.0], wires=0).adjoint()
        Traceback (most recent call last):
            ...
        qsym.errors.AdjointUndefinedError: StatePrep has no adjoint method: use qml.adjoint(op), which applies the inverse of its gates in reverse order
        """
        raise AdjointUndefinedError(f"{self.name} has no adjoint method: use qml.adjoint(op), "
                                    "which applies the inverse of its gates in reverse order")

    def _one_entry(self, make):
        """Inside :meth:`_build`: the gates ``make()`` records are one entry of the
        decomposition, the operator it returns (``qml.adjoint(qml.QFT(...))`` as
        PennyLane's ``Adjoint(QFT)``)."""
        tape = active_tape()
        start = len(tape.items)
        op = make()
        self._children.append((start, len(tape.items) - start, op))
        return op

    def release(self) -> None:
        """Taken off the tape by an operation on it (``qml.adjoint``, ``qml.ctrl``, an
        operand of ``qml.Select``): no longer an entry of the decomposition of the template
        applying it, nor drawn where it was made (:meth:`mark_drawn`)."""
        building = _building()
        if building:
            kids = building[-1]._children
            kids[:] = [c for c in kids if c[2] is not self]
        marks = getattr(active_tape(), "barriers", None)
        if marks:
            marks[:] = [(k, m) for k, m in marks if m is not self]

    _params: tuple = ()  # the attributes that are PennyLane's parameters (op.data), in order

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the template's trainable data (weights, angle,
        state), in PennyLane's order: the attributes ``_params`` names, else the numeric
        arguments before ``wires`` (PennyLane's convention: ``AngleEmbedding``'s features).

        >>> FermionicSingleExcitation(0.5, wires=[0, 1]).parameters
        [0.5]
        >>> AngleEmbedding([0.1, 0.2], wires=[0, 1]).parameters
        [[0.1, 0.2]]
        """
        args = self.__dict__.get("_init_args", {})
        if self._params:
            return [_as_given(getattr(self, name), args.get(name)) for name in self._params]
        return [args[name] for name in _data_names(type(self), args)]

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters``: the arguments the template was made with
        that are neither its data nor its wires (as given).

        >>> AngleEmbedding([0.1, 0.2], wires=[0, 1], rotation="Z").hyperparameters
        {'rotation': 'Z'}
        """
        if "_hyperparameters" in self.__dict__:  # set by the template itself
            return self._hyperparameters
        args = self.__dict__.get("_init_args", {})
        data = set(self._params) | set(_data_names(type(self), args))
        return {k: v for k, v in args.items() if k not in data and k not in ("wires", "id")}

    @hyperparameters.setter
    def hyperparameters(self, value: dict) -> None:
        self._hyperparameters = value

    @property
    def _hyperparameters(self) -> dict:
        """PennyLane's ``op._hyperparameters`` (the attribute behind ``op.hyperparameters``,
        which PennyLane's own tests and operator code read): the ones the template set, else
        :attr:`hyperparameters`.

        >>> QFT(wires=[0, 1])._hyperparameters == QFT(wires=[0, 1]).hyperparameters
        True
        """
        own = self.__dict__.get("_hyperparameters")
        return own if own is not None else self.hyperparameters

    @_hyperparameters.setter
    def _hyperparameters(self, value: dict) -> None:
        self.__dict__["_hyperparameters"] = value

    def _flatten(self):
        """PennyLane's ``op._flatten()``: ``(data, (wires, hyperparameters as pairs))``,
        the metadata hashable (lists as tuples).

        >>> AngleEmbedding([0.1], wires=[0], rotation="Z")._flatten()
        (([0.1],), (Wires([0]), (('rotation', 'Z'),)))
        """
        hyper = tuple((k, _hashable(v)) for k, v in self.hyperparameters.items())
        return tuple(self.data), (Wires(self.wires), hyper)

    @classmethod
    def _unflatten(cls, data, metadata):
        """The template again from :meth:`_flatten`'s output (PennyLane's
        ``type(op)._unflatten(*op._flatten())``), made where it is called.

        >>> op = AngleEmbedding([0.1], wires=[0])
        >>> type(op)._unflatten(*op._flatten()).features
        array([0.1])
        """
        wires, hyper = metadata
        names = list(inspect.signature(cls.__init__).parameters)[1:]
        kw = dict(hyper)
        if "wires" in names:
            kw["wires"] = wires
        data_names = cls._params if cls._params and set(cls._params) <= set(names) \
            else [n for n in names if n not in kw][:len(data)]
        kw.update(zip(data_names, data))
        return cls(**{k: v for k, v in kw.items() if k in names})

    def remake(self, params=None):
        """A copy with ``params`` (its :attr:`data`; default: its own), made where it is
        called, as a tape re-runs its operations (what ``qml.batch_params`` and
        ``bind_new_parameters`` use): :meth:`_unflatten` of the new data.

        >>> AngleEmbedding([0.1, 0.2], wires=[0, 1]).remake([[0.3, 0.4]]).features
        array([0.3, 0.4])
        """
        data, metadata = self._flatten()
        params = data if params is None else tuple(params)
        if len(params) != len(data):
            raise GateError(f"{self.name} takes {len(data)} parameters (its data), got "
                            f"{len(params)}")
        return type(self)._unflatten(params, metadata)

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``): the
        template made again with its wires (and any ``*_wires`` argument) mapped.

        >>> AngleEmbedding([0.1, 0.2], wires=[0, 1]).map_wires({0: "a", 1: "b"}).wires
        Wires(['a', 'b'])
        """
        args = dict(self.__dict__.get("_init_args") or {})
        labels = [k for k, v in args.items()
                  if (k in ("wires", "control") or k.endswith("_wires")) and v is not None]
        operators = [k for k, v in args.items() if k not in labels and not isinstance(v, type)
                     and callable(getattr(v, "map_wires", None))]
        if not labels and not operators:
            raise GateError(f"{self.name}.map_wires: the template's wires are not an argument "
                            "qsym can map; make it again on the new wires")
        with recording(Tape()):
            for k in labels:  # wire labels: mapped; operators (a base, a Hamiltonian): theirs
                args[k] = [wire_map.get(w, w) for w in wires_tuple(args[k])]
            for k in operators:
                args[k] = args[k].map_wires(wire_map)
            return _call_again(type(self), args, self.__dict__.get("_init_varargs", ()))

    @property
    def data(self) -> tuple:
        """PennyLane's ``op.data``: :attr:`parameters` as a tuple."""
        return tuple(self.parameters)

    def __deepcopy__(self, memo):
        """A deep copy whose parameters are the same objects (PennyLane's
        ``Operator.__deepcopy__``: everything is copied but the data, which frameworks such
        as PyTorch cannot deep-copy).

        >>> import copy
        >>> op = BasisState(np.array([1, 0]), wires=[0, 1])
        >>> new = copy.deepcopy(op)
        >>> new is not op, new.data[0] is op.data[0], new.wires is op.wires
        (True, True, False)
        """
        for p in self.parameters:
            memo.setdefault(id(p), p)  # shared, not copied
        new = object.__new__(type(self))
        memo[id(self)] = new
        for key, value in vars(self).items():
            vars(new)[key] = copy.deepcopy(value, memo)
        return new

    @classmethod
    def compute_decomposition(cls, *args, **kwargs) -> list:
        """PennyLane's ``Template.compute_decomposition(...)``: the decomposition of the
        template made from these arguments (its constructor's), recorded where it is
        called, as PennyLane queues it.

        >>> QFT.compute_decomposition(wires=[0])
        [H(0)]
        """
        with recording(Tape()):
            ops = cls(*args, **kwargs).decomposition()
        _apply_entries(ops)
        return ops

    @property
    def params(self) -> tuple:
        """:attr:`parameters` as a tuple (what ``qml.ctrl``/``qml.adjoint`` of a template
        keep, as of a gate)."""
        return tuple(self.parameters)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: ``|Ψ⟩`` for a state preparation, else the template's
        name with its parameters (:meth:`label_data`: numbers with ``decimals`` digits,
        arrays as ``M<i>`` of a drawing cache), as PennyLane's ``Operator.label``.

        >>> QFT(wires=[0, 1]).label()
        'QFT'
        >>> AngleEmbedding([0.1, 0.2], wires=[0, 1]).label(2, cache={"matrices": []})
        'AngleEmbedding\\n(M0)'
        """
        from ._operations import operator_label

        if self._box is not None and base_label is None:
            return self._box
        ident = getattr(self, "id", None)
        return operator_label(base_label or self.name, self.label_data(), decimals, cache,
                              ident if isinstance(ident, str) else None)

    def gates(self) -> list:
        """The gates this template applies, in order (templates it applies opened up)."""
        return list(self._ops)

    def operator_gates(self) -> list:
        """The gates of this template as an operator that ``qml.adjoint``, ``qml.ctrl``
        and powers act on (PennyLane's decomposition): :meth:`gates`."""
        return self.gates()

    @property
    def table_gates(self) -> tuple:
        """The gates this template applies, as a tuple (what operator arithmetic applies).

        >>> QFT(wires=[0]).table_gates
        (H(0),)
        """
        return tuple(self._ops)

    def decomposition(self) -> list:
        """PennyLane's decomposition: the gates this template applies, in order, with a
        template it applies (``BasisEmbedding`` in ``GateFabric``, ...) as one entry."""
        out, i = [], 0
        for start, n, child in sorted(self._children, key=lambda c: c[0]):
            out.extend(self._ops[i:start])
            out.append(child)
            i = start + n
        return out + self._ops[i:]

    @property
    def name(self) -> str:
        return type(self).__name__

    def matrix(self, wire_order=None) -> np.ndarray:
        """The unitary of the template's gates on ``wire_order`` (default: its wires).

        >>> QFT(wires=[0]).matrix().round(6).real
        array([[ 0.707107,  0.707107],
               [ 0.707107, -0.707107]])
        """
        order = list(self.wires) if wire_order is None else order_list(wire_order)
        used = {w for g in self._ops for w in g.wires}
        own = [w for w in order if w in used]
        if len(own) < len(order) and used <= set(order):  # the gates' wires, then the
            # identity on the others (not every gate applied to the whole identity)
            return expand_matrix(gates_matrix(self._ops, own), own, order)
        return gates_matrix(self._ops, order)

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """PennyLane's ``op.sparse_matrix()``: a template has none (``has_sparse_matrix``
        is False; PennyLane's ``SparseMatrixUndefinedError``): use :meth:`matrix`.

        >>> QFT(wires=[0]).has_sparse_matrix
        False
        """
        raise SparseMatrixUndefinedError(
            f"{self.name} has no sparse matrix (PennyLane's templates compute none); use "
            "op.matrix() or qml.matrix(op), dense")

    def __repr__(self):
        """PennyLane's: the data, then the wires.

        >>> BasicEntanglerLayers(np.array([[0.5, 0.25]]), wires=[0, 1])
        BasicEntanglerLayers(array([[0.5 , 0.25]]), wires=[0, 1])
        """
        params = "".join(f"{p!r}, " for p in self.data)
        return f"{self.name}({params}wires={list(self.wires)})"

    def __eq__(self, other):
        """PennyLane's ``op1 == op2``: ``qml.equal`` (the same class, wires, data and
        hyperparameters); an operator of another kind is not equal.

        >>> QFT(wires=[0, 1]) == QFT(wires=[0, 1]), QFT(wires=[0, 1]) == QFT(wires=[1, 0])
        (True, False)
        """
        from ._operations import compare

        if other is self:
            return True
        if not isinstance(other, (GateSequence, Operation, Observable)):
            return NotImplemented
        try:
            return compare(self, other) is True
        except (GateError, TypeError, ValueError):
            return False

    def __hash__(self):
        return self.hash


def _operator_arguments(template) -> list:
    """The operators a template was made with (an argument that is one, or a list of them):
    the operands PennyLane's queue drops when the template is queued."""
    out = []
    for v in (template.__dict__.get("_init_args") or {}).values():
        for x in (v if isinstance(v, (list, tuple)) else (v,)):
            if isinstance(x, (Operation, GateSequence, Observable)):
                out.append(x)
    return out


def _var_positional(bound) -> tuple:
    """The values a constructor's ``*args`` took (none: ``()``)."""
    return next((tuple(v) for k, v in bound.arguments.items()
                 if bound.signature.parameters[k].kind is inspect.Parameter.VAR_POSITIONAL), ())


def _call_again(cls, args: dict, varargs: tuple):
    """``cls`` made again from its constructor's named arguments and its ``*args`` values
    (the parameters before ``*args`` passed by position, as they must be)."""
    if not varargs:
        return cls(**args)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    lead = []
    for p in params:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            break
        lead.append(args.pop(p.name))
    return cls(*lead, *varargs, **args)


def _bound_arguments(bound) -> dict:
    """A template's constructor arguments by name (``**kwargs`` spread out), ``self`` left out."""
    out = {}
    for i, (k, v) in enumerate(bound.arguments.items()):
        kind = bound.signature.parameters[k].kind
        if i == 0:
            continue
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(v)
        elif kind is not inspect.Parameter.VAR_POSITIONAL:
            out[k] = v
    return out


def _is_data(v) -> bool:
    if v is None or isinstance(v, (str, bool, Operation, GateSequence, type)) or callable(v):
        return False
    if isinstance(v, Box):  # traced by autograd (qml.grad, a gradient transform's chain rule)
        return _is_data(getval(v))
    try:
        return np.asarray(v).dtype.kind in "iufcb" or isinstance(v, sp.Basic)
    except Exception:  # noqa: BLE001 - ragged or object data: not numbers
        return False


def _data_names(cls, args: dict) -> list:
    """PennyLane's data of a template without ``_params``: the numeric arguments before
    ``wires``."""
    names = list(args)
    if "wires" not in names:
        return []
    return [n for n in names[:names.index("wires")] if _is_data(args[n])]


def _hashable(v):
    if isinstance(v, (list, tuple)):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, np.ndarray):
        return tuple(_hashable(x) for x in v.tolist())
    if isinstance(v, dict):
        return tuple((k, _hashable(x)) for k, x in v.items())
    return v


# --- state preparation ---------------------------------------------------------------------
def _first_on(wires: tuple):
    """The first gate recorded so far on any of ``wires`` (None: they are fresh)."""
    tape = active_tape()
    for op in (tape.items if tape is not None else ()):
        if isinstance(op, Operation) and set(op.wires) & set(wires):
            return op
    return None


def state_on_wires(vector, wires, wire_order, name: str) -> np.ndarray:
    """PennyLane's ``state_vector(wire_order)`` of a state preparation: ``vector`` (on
    ``wires``, the first most significant) as a tensor of shape ``(2,) * len(wire_order)``,
    the wires it does not prepare in ``|0>``.

    >>> state_on_wires([0, 1, 0, 0], [0, 1], [1, 0, 2], "StatePrep")[1, 0, 0]
    np.complex128(1+0j)
    """
    wires = tuple(wires_tuple(wires))
    ket = np.reshape(np.asarray(vector), (2,) * len(wires))
    if wire_order is None or tuple(order_list(wire_order)) == wires:
        return ket
    order = tuple(order_list(wire_order))
    if not set(wires) <= set(order):
        raise WireError(f"Custom wire_order must contain all {name} wires")
    full = np.zeros((2,) * len(order), dtype=np.complex128)
    rest = [w for w in order if w not in wires]
    full[tuple([slice(None)] * len(wires) + [0] * len(rest))] = ket
    return full.transpose([(list(wires) + rest).index(w) for w in order])


def _check_fresh(wires: tuple, what: str, extra: str = "") -> None:
    """A state preparation must come before any gate on its wires."""
    op = _first_on(wires)
    if op is not None:
        raise GateError(
            f"{what} must come before any gate on its wires {list(wires)} (it prepares "
            f"the state from |0...0>), but {op.name} acts on {list(op.wires)} first; "
            "put it at the start of the circuit" + extra
        )


class _ZeroIndicator(sp.Function):
    """1 where the argument (a sum of squares) is exactly 0, else 0: a guard whose
    derivative is 0, so that neither the angles nor their derivatives divide by zero.

    An opaque function rather than ``Piecewise((1, Eq(S, 0)), (0, True))``: the same
    numbers, but sympy differentiates a product of them without canonicalising relations
    of large sums (a 16-amplitude ``AmplitudeEmbedding`` spent seconds there)."""

    nargs = 1

    @classmethod
    def eval(cls, a):
        if a.is_number:
            return sp.S.One if a.is_zero else sp.S.Zero  # (Float(0.0) == 0 is False)
        return None

    def _eval_is_real(self):
        return True

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _pythoncode(self, printer):
        return f"(1.0 if ({printer._print(self.args[0])}) == 0 else 0.0)"

    def _numpycode(self, printer):
        return f"numpy.where(({printer._print(self.args[0])}) == 0, 1.0, 0.0)"

    _lambdacode = _pythoncode


class _NanWhereZero(sp.Function):
    """``v`` where ``c`` is not 0, NaN where it is: the derivative of a state angle where
    the tree of angles is not differentiable (never a wrong number)."""

    nargs = 2

    @classmethod
    def eval(cls, c, v):
        if c.is_number:
            return sp.nan if c.is_zero else v
        return None

    def _eval_is_real(self):
        return self.args[1].is_real

    def fdiff(self, argindex=1):
        c = self.args[0]
        return _NanWhereZero(c, sp.S.Zero) if argindex == 1 else _NanWhereZero(c, sp.S.One)

    def _pythoncode(self, printer):
        c, v = (printer._print(a) for a in self.args)
        return f"(math.nan if ({c}) == 0 else ({v}))"

    def _numpycode(self, printer):
        c, v = (printer._print(a) for a in self.args)
        return f"numpy.where(({c}) == 0, numpy.nan, ({v}))"

    _lambdacode = _pythoncode


_is_zero = _ZeroIndicator


class _StateAngle(sp.Function):
    """``2 atan2(y, x)`` for traced amplitudes: 0 where ``x = y = 0`` (as ``math.atan2``),
    and a derivative that is exact where the tree of angles is differentiable and NaN
    where it is not (:meth:`_degenerate`), never a wrong number: there the prepared state
    is a smooth function of the amplitudes, but not through these angles."""

    nargs = 2

    @classmethod
    def eval(cls, y, x):
        if y.is_number and x.is_number:
            return sp.Float(2.0 * float(np.arctan2(float(y), float(x))))
        return None

    def _eval_is_real(self):
        return True

    @staticmethod
    def _degenerate(y, x):
        """An expression that is 0 exactly where the derivative is not defined."""
        return x**2 + y**2

    def fdiff(self, argindex=1):
        y, x = self.args
        r2 = x**2 + y**2
        safe = r2 + _is_zero(r2)
        d = 2 * x / safe if argindex == 1 else -2 * y / safe
        return _NanWhereZero(self._degenerate(y, x), d)

    def _pythoncode(self, printer):
        y, x = (printer._print(a) for a in self.args)
        return f"(2.0 * math.atan2({y}, {x}))"

    def _numpycode(self, printer):
        y, x = (printer._print(a) for a in self.args)
        return f"(2.0 * numpy.arctan2({y}, {x}))"

    _lambdacode = _pythoncode


class _NormAngle(_StateAngle):
    """:class:`_StateAngle` of two block norms: a norm is not differentiable where its
    block is zero, so the derivative is NaN where either is 0."""

    @staticmethod
    def _degenerate(y, x):
        return x * y


class _NormYAngle(_StateAngle):
    """:class:`_StateAngle` of a block norm ``y`` and a signed amplitude ``x`` (a block
    with one amplitude that is not a constant 0): NaN where the norm is 0."""

    @staticmethod
    def _degenerate(y, x):
        return y


class _NormXAngle(_StateAngle):
    """:class:`_StateAngle` of a signed amplitude ``y`` and a block norm ``x``."""

    @staticmethod
    def _degenerate(y, x):
        return x


class _Pad(float):
    """A padded zero amplitude (``pad_with=0``): a constant 0 whether the state is traced
    or numbers (a replay on numbers must record the same angles as the trace)."""


def _mark_padding(values: list, given: int, pad_with) -> list:
    """``values`` with the padded zeros (positions ``given`` on) marked as :class:`_Pad`."""
    if given < len(values) and not isinstance(pad_with, sp.Basic) and pad_with is not None:
        try:
            zero = complex(pad_with) == 0
        except TypeError:
            zero = False
        if zero:
            values = values[:given] + [_Pad(0.0)] * (len(values) - given)
    return values


def _zero(v) -> bool:
    """A padded zero amplitude (:class:`_Pad`): a constant 0, not an input."""
    return isinstance(v, _Pad)


def _single(block):
    """The position of the only amplitude of ``block`` that is not a constant 0, or None:
    such a block is prepared as that basis state, with the amplitude itself (its sign
    included) as the block's weight, so that the weight is smooth where it is 0 (a norm
    is not differentiable there)."""
    live = [i for i, v in enumerate(block) if not _zero(v)]
    return live[0] if len(live) == 1 else None


def _weight(block):
    """``(weight, is_norm)``: the block's signed single amplitude (:func:`_single`), or
    its norm."""
    k = _single(block)
    if k is not None:
        return block[k], False
    return _norm(block), True


def _split_angle(block, leaf):
    """The RY angle splitting ``block`` between its halves: for a block inside a single
    amplitude's block, 0 or pi (all weight on the half holding it, the sign carried by
    the enclosing weight); else from the halves' weights (:func:`_angle`)."""
    half = len(block) // 2
    k = _single(block)
    if k is not None:
        symbolic = isinstance(block[k], sp.Basic) and not block[k].is_number
        return (sp.pi if symbolic else float(np.pi)) if k >= half else 0.0
    if leaf:
        return _angle(block[1], block[0], leaf=True)
    (n1, norm1), (n0, norm0) = _weight(block[half:]), _weight(block[:half])
    return _angle(n1, n0, leaf=False, norms=(norm1, norm0))


def _angle(n1, n0, leaf, norms=(True, True)):
    """``2 atan2(n1, n0)``: the RY angle taking |0> to ``(n0|0> + n1|1>) / r``; 0 for a
    zero block (any angle prepares it). Numbers give a float; traced amplitudes an exact
    expression (:class:`_StateAngle`)."""
    # numbers: a signed zero (``0.0 * -0.3`` is -0.0) made unsigned (``+ 0.0``), as the
    # traced expression's zero is: atan2(0, -0.0) is pi, atan2(0, 0.0) is 0, and the replay
    # of the circuit on numbers must record the traced angles
    if not isinstance(n1, sp.Basic) and not isinstance(n0, sp.Basic):
        return 2.0 * float(np.arctan2(float(n1) + 0.0, float(n0) + 0.0))
    n1, n0 = sp.sympify(n1), sp.sympify(n0)
    if n1.is_number and n0.is_number:
        return 2.0 * float(np.arctan2(float(n1) + 0.0, float(n0) + 0.0))
    # (is_zero, not == 0: sympy's Float(0.0) == 0 is False, a block of float zeros took
    # the general angle below, whose derivative is NaN where a norm is 0)
    if not leaf and n1.is_number and n1.is_zero:  # a zero half: all weight on the left
        return 0.0
    if not leaf and n0.is_number and n0.is_zero:
        if not norms[0]:  # a signed amplitude: its sign is the state's global phase
            return sp.pi
        return sp.Piecewise((0, sp.Eq(n1, 0)), (sp.pi, True))
    if leaf or norms == (False, False):
        return _StateAngle(n1, n0)
    return {(True, True): _NormAngle, (True, False): _NormYAngle,
            (False, True): _NormXAngle}[norms](n1, n0)


def _norm(block):
    """The Euclidean norm of a block of amplitudes; for traced ones written as
    ``sqrt(S + [S = 0]) - [S = 0]`` (``S`` the sum of squares): exact, and with a finite
    derivative on a zero block."""
    if any(isinstance(v, sp.Basic) and not v.is_number for v in block):
        S = sp.Add(*[sp.sympify(v) ** 2 for v in block])
        z = _is_zero(S)
        return sp.sqrt(S + z) - z
    return float(np.sqrt(np.sum(np.asarray(block, dtype=float) ** 2)))


def _uniform_ry(angles: list, controls: tuple, target, keep_zeros: bool = False) -> None:
    """RY(angles[p]) on ``target`` for each basis state ``p`` of ``controls`` (the first
    control most significant), as 2^k RY and 2^k CNOT gates (Mottonen et al. 2004,
    Gray-code order). An RY whose angle is a number (numerically) zero is left out, as
    PennyLane's ``_apply_uniform_rotation_dagger`` leaves it (angles of traced amplitudes
    are all kept, and all are with ``keep_zeros``: the rows of a batch need one structure)."""
    k = len(controls)
    n = 2**k
    gray = [i ^ (i >> 1) for i in range(n)]
    for i in range(n):
        # phi_i = 2^-k sum_p (-1)^(p . g_i) theta_p
        terms = [(-1) ** bin(p & gray[i]).count("1") * angles[p] for p in range(n)]
        if any(isinstance(t, sp.Basic) and not t.is_number for t in terms):
            phi, keep = sp.Add(*terms) / n, True
        else:
            phi = float(np.sum(np.asarray(terms, dtype=float))) / n
            keep = keep_zeros or abs(phi) > np.finfo(float).eps
        if choice(keep):  # a replay on numbers keeps what the traced run kept
            _gate("RY", phi, wires=target)
        if k == 0:
            return
        changed = gray[i] ^ gray[(i + 1) % n]
        bit = changed.bit_length() - 1  # 0: the least significant bit: the last control
        _gate("CNOT", wires=[controls[k - 1 - bit], target])


def _real_state_gates(x: list, wires: tuple, keep_zeros: bool = False,
                      unnormalized: bool = False) -> None:
    """RY and CNOT gates taking |0...0> to the real vector ``x / |x|`` (wire 0 most
    significant): at level j, the RY of wire j under each pattern of wires 0..j-1 splits
    the block's norm between its two halves (the last level keeps the signs); with
    ``keep_zeros`` every RY is kept, also of a zero angle (one gate structure for every
    row of a batch). ``unnormalized``: a ``StatePrep`` (a PennyLane ``StatePrepBase``)
    of traced amplitudes first in the circuit, marked for PennyLane's backpropagation
    (:class:`UnnormalizedPrep`)."""
    n = len(wires)
    prep = _Prep(x)
    tape = active_tape()
    start = len(tape.items) if tape is not None else 0
    if unnormalized:
        add_check("StatePrep", prep.values, UnnormalizedPrep(prep.values), derivative=True)
    only = _single(x)  # one amplitude not a padded zero: the state is sign(x[only]) |only>
    for j in range(n):
        size = 2 ** (n - j)
        angles = []
        for p in range(2**j):
            block = x[p * size : (p + 1) * size]
            angles.append(_split_angle(block, leaf=size == 2))
            if j > 0 and sum(not _zero(v) for v in block) > 1:
                add_check("StatePrep", block, functools.partial(_check_split, prep),
                          derivative=True)
        if only is not None and size == 2:  # its sign: RY(angle + 2 pi) is -RY(angle)
            angles[only // 2] = angles[only // 2] + _sign_turn(x[only])
        _uniform_ry(angles, wires[:j], wires[j], keep_zeros)
    if tape is not None:  # the gate parameters this preparation made
        prep.params = frozenset(sp.sympify(p) for op in tape.items[start:] for p in op.params)


def _sign_turn(a):
    """``2 pi`` where the amplitude ``a`` is negative, else 0 (a traced ``a``: a piecewise
    constant, derivative 0): the leaf RY's extra turn that gives a state of one non-zero
    amplitude its sign, as PennyLane's normalized ``a / |a|`` has it.

    >>> _sign_turn(-0.7), _sign_turn(0.7)
    (6.283185307179586, 0.0)
    """
    if isinstance(a, sp.Basic) and not a.is_number:
        return sp.Piecewise((2 * sp.pi, a < 0), (0, True))
    return 2.0 * float(np.pi) if float(sp.re(a) if isinstance(a, sp.Basic) else a) < 0 else 0.0


def mottonen_gates(state, wires) -> None:
    """Record the gates of Möttönen et al.'s state preparation of the unit vector ``state``
    (numbers; wire 0 most significant) on ``wires``, as PennyLane's
    ``MottonenStatePreparation`` decomposes it: uniformly controlled ``RY`` rotations for
    the magnitudes, then ``RZ`` rotations and a ``GlobalPhase`` for the phases (left out
    for a real non-negative state), each uniformly controlled rotation as single rotations
    and CNOTs along a Gray code. This is the unitary PennyLane applies for a ``StatePrep``
    that does not start the circuit (or is inverted, controlled). A 2-D ``state`` is a
    batch of states (one per row): the same gates, broadcast.

    >>> tape = Tape()
    >>> with recording(tape):
    ...     mottonen_gates([0.6, 0.8], (0,))
    >>> tape.items
    [RY(1.8545904360032246, wires=[0])]
    """
    psi = np.asarray(state, dtype=complex)
    a, omega = np.abs(psi), np.angle(psi)
    n, rev = len(wires), tuple(wires)[::-1]
    for k in range(n, 0, -1):
        _uniform_rotation("RY", mottonen_alpha_y(a, n, k), rev[k:], rev[k - 1])
    if not np.allclose(omega, 0):
        for k in range(n, 0, -1):
            _uniform_rotation("RZ", mottonen_alpha_z(omega, n, k), rev[k:], rev[k - 1])
        phase = -np.sum(omega, axis=-1) / psi.shape[-1]  # (a batch: one per state)
        _gate("GlobalPhase", float(phase) if np.ndim(phase) == 0 else phase, wires=list(wires))


def mottonen_alpha_y(a, n, k):
    """The RY angles of level ``k``: ``2 arcsin sqrt(|second half|^2 / |block|^2)`` of each
    block of ``2**k`` magnitudes (0 for an empty block)."""
    half = 2 ** (k - 1)
    blocks = a.reshape(a.shape[:-1] + (2 ** (n - k), 2, half)) ** 2  # (a batch: leading axes)
    num, den = blocks[..., 1, :].sum(axis=-1), blocks.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den != 0.0, num / den, 0.0)
    return 2 * np.arcsin(np.sqrt(ratio))


def mottonen_alpha_z(omega, n, k):
    """The RZ angles of level ``k``: the mean phase of each block's second half minus its
    first half's."""
    half = 2 ** (k - 1)
    blocks = omega.reshape(omega.shape[:-1] + (2 ** (n - k), 2, half))
    return (blocks[..., 1, :] - blocks[..., 0, :]).sum(axis=-1) / half


def _uniform_rotation(name, alpha, controls, target) -> None:
    """A rotation by ``alpha[..., j]`` on ``target`` for each basis state ``j`` of
    ``controls`` (bit ``b`` of ``j`` is ``controls[b]``), as single rotations by
    ``theta = M^-1 alpha`` (``M[j, i] = (-1)**(i . g_j)``, ``g`` the Gray code) each followed
    by a CNOT from the control whose bit the code flips next (Mottonen and Vartiainen 2005,
    Fig. 7a; PennyLane's ``_apply_uniform_rotation_dagger``). ``alpha``'s last axis is the
    index (a batch before it: each rotation broadcast); angles that are circuit inputs are
    all kept, numbers (numerically) zero for every batch entry left out unless none is."""
    rank = len(controls)
    size = 2**rank
    gray = [i ^ (i >> 1) for i in range(size)]
    signs = np.array([[(-1) ** bin(i & g).count("1") for i in range(size)] for g in gray])
    obj = np.asarray(alpha, dtype=object)
    # (circuit inputs, or autograd's boxes on a tape path: spsa, argnum, transforms)
    if any(isinstance(v, Box) or (isinstance(v, sp.Basic) and not v.is_number)
           for v in obj.ravel()):
        cols = list(np.moveaxis(obj, -1, 0))
        theta = [sum(int(signs[i, p]) * cols[p] for p in range(size)) / size for i in range(size)]
        keep = [True] * size
    else:
        t = np.tensordot(np.asarray(alpha, dtype=float), signs, axes=([-1], [1])) / size
        theta = [float(v) if np.ndim(v) == 0 else v for v in np.moveaxis(t, -1, 0)]
        big = [bool(np.any(np.abs(v) > np.finfo(float).eps)) for v in theta]
        keep = big if rank == 0 or not all(big) else [True] * size
    for i in range(size):
        if choice(keep[i]):  # a replay on numbers keeps what the traced run kept
            _gate(name, theta[i], wires=[target])
        if rank:
            flipped = gray[i] ^ gray[(i + 1) % size]
            _gate("CNOT", wires=[controls[flipped.bit_length() - 1], target])


def real_state_gates(x: list, wires: tuple) -> None:
    """Record RY and CNOT gates taking ``|0...0>`` to the real unit vector ``x`` (wire 0
    most significant; Mottonen et al.'s uniformly controlled rotations): the state
    preparation of ``qml.StatePrep`` for real states, usable anywhere in a circuit.

    >>> tape = Tape()
    >>> with recording(tape):
    ...     real_state_gates([0.6, 0.8], (0,))
    >>> tape.items
    [RY(1.8545904360032246, wires=[0])]
    """
    _real_state_gates(x, wires)


# a StatePrep of real numbers on 3 to 10 wires is one QubitUnitary (a dense matrix of 4^n
# entries, 16 MB at 10 wires; a new state needs no new trace of 2^(n+1) gates: a QGRNN-style
# 8-wire preparation took 0.7 s to trace), on fewer or more the RY tree of real_state_gates
DENSE_PREP_WIRES = (3, 10)


def _real_state_unitary(psi: np.ndarray) -> np.ndarray:
    """A real orthogonal matrix whose first column is the real unit vector ``psi``: the
    sign ``s`` of ``psi[0]`` times the Householder reflection taking ``s e0`` to ``psi``.

    >>> _real_state_unitary(np.array([0.6, -0.8]))[:, 0]
    array([ 0.6, -0.8])
    """
    s = -1.0 if psi[0] < 0 else 1.0
    v = -psi
    v[0] += s
    vv = float(v @ v)
    if vv < 1e-30:
        return s * np.eye(len(psi))
    return s * (np.eye(len(psi)) - (2.0 / vv) * np.outer(v, v))


def _complex_state_unitary(psi: np.ndarray) -> np.ndarray:
    """A unitary whose first column is ``psi`` (a unit vector): a Householder reflection
    times a phase."""
    d = len(psi)
    alpha = np.angle(psi[0]) if abs(psi[0]) > 0 else 0.0
    e0 = np.zeros(d, dtype=complex)
    e0[0] = np.exp(1j * alpha)
    v = e0 - psi
    if np.linalg.norm(v) < 1e-15:
        return np.exp(1j * alpha) * np.eye(d, dtype=complex)
    Hh = np.eye(d, dtype=complex) - 2 * np.outer(v, v.conj()) / np.vdot(v, v)
    return np.exp(1j * alpha) * Hh


class _Prep:
    """A real state preparation with traced amplitudes: the amplitudes (``values``, the
    padding included) and the gate parameters it made (``params``), for
    :func:`zero_block_jacobian`."""

    def __init__(self, values):
        self.values = [sp.sympify(v) for v in values]
        self.params = frozenset()


class UnnormalizedPrep:
    """The mark (a per-call check that checks nothing) of a state preparation of traced
    real amplitudes ``a`` that is the circuit's first operation. PennyLane's
    ``default.qubit`` (and ``default.mixed``) starts the simulation from ``a`` itself
    there, not from ``a / |a|`` (``StatePrep._preprocess`` normalizes only a state whose
    norm is not within 1e-10 of 1), so its backpropagation differentiates the
    unnormalized amplitudes: every expectation (a row) is ``|a|^2`` times the normalized
    state's, which qsym's gates prepare (:func:`unnormalized_rows`)."""

    def __init__(self, values):
        self.values = list(values)
        self._derivatives = {}

    def __call__(self, values) -> None:
        """Nothing to check (the norm check is the preparation's own)."""

    def squared_norm(self, inputs: tuple, syms: tuple, x, d, order: int) -> tuple:
        """``(N, dN, d2N)``: ``N = |a|^2`` at the call's numbers and its derivatives by
        the flat ``inputs`` (``d2N`` None for ``order`` 1); ``syms`` the circuit's
        symbols (inputs, then data) the numbers ``x, d`` stand for."""
        key = (syms, order)
        f = self._derivatives.get(key)
        if f is None:
            N = sp.Add(*[v**2 for v in self.values])
            exprs = [N] + [sp.diff(N, s) for s in inputs]
            if order > 1:
                exprs += [sp.diff(N, s, t) for s in inputs for t in inputs]
            f = self._derivatives[key] = lambdify(syms, exprs)
        k = len(inputs)
        values = np.real(np.asarray(f(*x, *d[:len(syms) - len(inputs)]), dtype=complex))
        hess = values[1 + k:].reshape(k, k) if order > 1 else None
        return float(values[0]), values[1:1 + k], hess


def _squared_norm_at(entry, x, d, order: int):
    """``(N, dN, d2N)`` of :meth:`UnnormalizedPrep.squared_norm` for ``entry``'s mark at the
    call's numbers, or None where there is no mark or ``|a|`` is not within 1e-10 of 1
    (PennyLane prepares ``a / |a|`` there too: nothing to change)."""
    marks = [c.test for c in entry.checks if isinstance(getattr(c, "test", None), UnnormalizedPrep)]
    if not marks:
        return None
    inputs = tuple(entry.circuit.inputs)
    N, dN, d2N = marks[0].squared_norm(inputs, inputs + tuple(entry.circuit.data), x, d, order)
    return (N, dN, d2N) if _unit_norm(float(np.sqrt(N))) else None


def unnormalized_rows(entry, x, d, result) -> tuple:
    """``result`` (``(rows, jac)`` or ``(rows, jac, hess)`` of the normalized state's
    expectations by the flat inputs) as PennyLane's backpropagation differentiates a
    first state preparation's unnormalized amplitudes (:class:`UnnormalizedPrep`): the
    rows times ``N = |a|^2`` by the product rule, where ``|a|`` is within 1e-10 of 1
    (elsewhere PennyLane too prepares ``a / |a|``: ``result`` unchanged). The rows keep
    their values (``N`` is 1 to within 2e-10 there)."""
    order = len(result) - 1
    norm = _squared_norm_at(entry, x, d, order)
    if norm is None:
        return result
    N, dN, d2N = norm
    rows, jac = np.asarray(result[0], dtype=float), np.asarray(result[1], dtype=float)
    new_jac = N * jac + np.outer(rows, dN)
    if order == 1:
        return rows, new_jac
    hess = np.asarray(result[2], dtype=float)
    new_hess = (N * hess + rows[:, None, None] * d2N
                + jac[:, :, None] * dN[None, None, :] + dN[None, :, None] * jac[:, None, :])
    return rows, new_jac, new_hess


def unnormalized_state(entry, x, d, psi, dpsi, mixed: bool):
    """The state's Jacobian ``dpsi`` (``psi.shape + (inputs,)``) as PennyLane's
    backpropagation differentiates a first state preparation's unnormalized amplitudes
    (:class:`UnnormalizedPrep`): the state is ``|a|`` times the normalized one (a density
    matrix ``|a|^2`` times), so ``dpsi + psi dN / 2`` (``+ rho dN``) where ``N = |a|^2``
    is 1 to 1e-10; elsewhere unchanged."""
    norm = _squared_norm_at(entry, x, d, 1)
    if norm is None:
        return dpsi
    _, dN, _ = norm
    psi, dpsi = np.asarray(psi), np.asarray(dpsi)
    if dpsi.shape != psi.shape + dN.shape:
        raise DifferentiationError(
            "the derivative of the state of a circuit whose first state preparation's "
            "amplitudes are differentiated by PennyLane's backpropagation is not supported "
            "here; use diff_method='parameter-shift' (the normalized state's derivative)")
    return dpsi + (1.0 if mixed else 0.5) * np.multiply.outer(psi, dN)


def unnormalized_state2(entry, x, d, psi, dpsi, d2psi) -> tuple:
    """``(dpsi, d2psi)`` of a pure state as :func:`unnormalized_state` makes its Jacobian:
    the state ``r psi`` (``r = |a|``, 1 to 1e-10 here) differentiated twice by the product
    rule, ``dr = dN / 2``, ``d2r = d2N / 2 - dN dN / 4``."""
    norm = _squared_norm_at(entry, x, d, 2)
    if norm is None:
        return dpsi, d2psi
    _, dN, d2N = norm
    psi, dpsi, d2psi = np.asarray(psi), np.asarray(dpsi), np.asarray(d2psi)
    dr, d2r = dN / 2, d2N / 2 - np.outer(dN, dN) / 4
    new_d2 = (d2psi + np.multiply.outer(dpsi, dr) + np.einsum("...j,k->...kj", dpsi, dr)
              + np.multiply.outer(psi, d2r))
    return dpsi + np.multiply.outer(psi, dr), new_d2


class ZeroBlock(DifferentiationError):
    """A block of two or more input amplitudes of a state preparation is all zero: the RY
    angles are not differentiable there (polar coordinates at the origin), though the
    state is. Raised by the per-call check; the Jacobian is then computed by
    :func:`zero_block_jacobian`, or this error reaches the user where that cannot be
    done."""

    def __init__(self, message, prep):
        super().__init__(message)
        self.prep = prep


def _check_split(prep, v: np.ndarray) -> None:
    """A block of two or more input amplitudes that is all zero: the state's derivative
    exists, but not through the RY angles (polar coordinates at the origin)."""
    if not np.any(v):
        raise ZeroBlock(
            f"the derivative of a state preparation (StatePrep, AmplitudeEmbedding, ...) "
            f"where a block of {len(v)} input amplitudes is all zero is computed only "
            "without shots, for a QNode that is not broadcast, as a first derivative, and "
            "for inputs that enter the circuit only through the (affine) amplitudes of one "
            "state preparation (its RY angles are not differentiable there, and qsym does "
            "not return NaN): move the amplitudes off zero (e.g. by 1e-9), or keep constant "
            "zeros as constants (pad_with=0.0, or not differentiated)", prep)


def zero_block_jacobian(node, entry, executor, x, d, exc: ZeroBlock):
    """``(rows, jac)`` of ``entry`` at a point where a state preparation has a zero block
    of input amplitudes (``exc``). The columns of the other inputs are the executor's; the
    columns of each input ``s`` that enters the circuit only through the amplitudes ``a``
    of one preparation, affinely (``a(s + t) = a + t c``), are exact from two more
    evaluations: the preparation makes ``a / |a|``, so every row (an expectation of the
    prepared state) times ``|a|^2`` is a quadratic ``Q(t) = a(t)^T M a(t)`` in ``t``;
    ``Q'(0) = (Q(h) - Q(-h)) / (2h)`` exactly, and ``d row / ds = (Q'(0) - row 2 a.c) /
    |a|^2``. Anything else raises ``exc``."""
    if entry.broadcast or node.current_shots():
        raise exc
    preps = []
    for check in entry.checks:  # the other checks still apply; collect every zero block
        try:
            check(x, d)
        except ZeroBlock as z:
            if all(z.prep is not p for p in preps):
                preps.append(z.prep)
    (out, jac), _ = executor(node, entry, x, d)
    out, jac = np.array(out, dtype=float), np.array(jac, dtype=float)
    # finite differences return their finished rows (qsym._shapes.finished_rows): the
    # exact columns below are of the circuit's own rows, then finished by the chain rule
    finished = getattr(node, "method", None) == "finite-diff"
    rows = np.array(entry.value(x, d), dtype=float) if finished else out
    circuit = entry.circuit
    inputs = tuple(circuit.inputs)
    syms = inputs + tuple(circuit.data)
    at = dict(zip(syms, list(x) + list(d)))
    coefficient_syms = set()
    for m in circuit.measurements:
        for coeff, _ in m.terms:
            coefficient_syms |= sp.sympify(coeff).free_symbols
    for prep in preps:
        for s in sorted(set().union(*(v.free_symbols for v in prep.values)) & set(inputs),
                        key=inputs.index):
            j = inputs.index(s)
            elsewhere = s in coefficient_syms or any(
                s in sp.sympify(p).free_symbols and sp.sympify(p) not in prep.params
                for op in circuit.ops for p in op.params)
            c = [sp.diff(v, s) for v in prep.values]
            if elsewhere or any(sp.diff(ci, s) != 0 for ci in c):
                raise exc
            a = np.array([float(v.xreplace(at)) for v in prep.values])
            cv = np.array([float(ci.xreplace(at)) for ci in c])
            if not cv.any():
                continue
            A = float(a @ a)
            h = np.sqrt(A / float(cv @ cv))

            def Q(t):
                y = np.array(x, dtype=float)
                y[j] += t
                return entry.value(y, d) * float((a + t * cv) @ (a + t * cv))

            q_plus, q_minus = Q(h), Q(-h)
            q0 = rows * A
            # a quadratic: checked at a third point (a failed check is a bug, not a number)
            q2 = (q_plus + q_minus - 2 * q0) / (2 * h * h)
            q1 = (q_plus - q_minus) / (2 * h)
            if not np.allclose(Q(h / 3), q0 + q1 * h / 3 + q2 * h * h / 9,
                               atol=1e-9 * (1 + np.abs(q0).max())):
                raise exc
            column = (q1 - rows * 2 * float(a @ cv)) / A
            jac[:, j] = (shapes.finished_jacobian(entry.post, rows, column[:, None])[:, 0]
                         if finished else column)
    return out, jac


def _check_nonzero(name: str, v: np.ndarray) -> None:
    """``normalize=True`` needs a state that is not the zero vector, with finite values."""
    if not np.all(np.isfinite(v)):
        raise GateError(f"{name}: the state has NaN or infinite amplitudes")
    if not np.any(v):
        raise GateError(f"{name}: the state is the zero vector, which cannot be normalized")


def _finite_norm(name: str, v: np.ndarray) -> float:
    """The norm of a state's amplitudes, which must be finite."""
    if not np.all(np.isfinite(v)):
        raise GateError(f"{name}: the state has NaN or infinite amplitudes")
    return float(np.linalg.norm(v))


def _unit_norm(norm: float) -> bool:
    """Whether ``norm`` is 1 within 1e-10 (PennyLane's ``TOLERANCE``), with no relative
    part: NumPy's ``isclose`` adds 1e-5 relative, which let a state of norm ``1 + 1e-6``
    (or a single-precision unit vector, ``1 + 2.4e-8``) pass as one of norm 1."""
    return abs(norm - 1.0) <= 1e-10


def _check_norm(name: str, v: np.ndarray) -> float:
    """A state's amplitudes must have norm 1 (PennyLane's check, with its message and its
    tolerance: ``allclose(norm, 1, atol=1e-10)``, so 1e-5 relative too); the norm."""
    norm = _finite_norm(name, v)
    if not np.isclose(norm, 1.0, atol=1e-10):
        raise GateError(
            f"{name}: The state must be a vector of norm 1.0; got norm {norm}. "
            "Use 'normalize=True' to automatically normalize."
        )
    return norm


def _as_given_message(name: str, norm: float) -> str:
    return (f"{name}: a state of norm {norm!r}, not 1 within 1e-10 (a single-precision unit "
            "vector is one): PennyLane's check lets it pass (it allows 1e-5 relative) and its "
            "device starts a circuit from the vector as given, unnormalized (every value "
            "|v|^2 times the normalized state's), where qsym's gates prepare unit vectors "
            "only: normalize it in double precision (v = np.asarray(v, dtype=complex); "
            "v = v / np.linalg.norm(v)) or pass normalize=True")


def _check_norm_as_given(name: str, v: np.ndarray) -> None:
    """:func:`_check_norm` for a preparation PennyLane's device starts the circuit from
    (the first operation): a norm PennyLane's check passes but not 1 within 1e-10 is
    refused too, as the state would be prepared normalized, not as given."""
    norm = _check_norm(name, v)  # (a per-call check: the norm computed once)
    if not _unit_norm(norm):
        raise GateError(_as_given_message(name, norm))


def _check_unvalidated_norm(name: str, v: np.ndarray) -> None:
    """``validate_norm=False``: a state of norm other than 1 (within 1e-10) is refused in a
    circuit. PennyLane's ``default.qubit`` then starts from the unnormalized vector (its
    values ``|v|^2`` times the normalized state's, its shots refused); qsym's gates prepare
    only unit vectors, and the normalized state's numbers would differ silently."""
    norm = _finite_norm(name, v)
    if not _unit_norm(norm):
        raise GateError(
            f"{name}: validate_norm=False with a state of norm {norm}: qsym prepares unit "
            "vectors only (PennyLane's device would start from the unnormalized vector, "
            "every expectation |v|^2 times the normalized state's); pass normalize=True, "
            "or a state of norm 1.")


def _is_sparse(x) -> bool:
    """Whether ``x`` is a SciPy sparse matrix or array (SciPy imported only if loaded)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(x)


def _sparse_embed(state, wires, wire_order):
    """PennyLane's sparse ``state_vector(wire_order)``: the ``(1, 2**n)`` sparse state on
    ``wires`` with its amplitudes moved to their indices on ``wire_order`` (its other wires
    in ``|0>``), as a SciPy ``csr_array``.

    >>> from scipy.sparse import csr_matrix
    >>> _sparse_embed(csr_matrix([0.0, 1.0]), ["a"], ["a", "b"]).toarray()
    array([[0., 0., 1., 0.]])
    """
    from scipy.sparse import csr_array

    wires = list(wires)
    order = wires if wire_order is None else order_list(wire_order)
    if not set(wires) <= set(order):
        raise WireError(f"wire_order must contain all wires. Got wires {wires} and "
                        f"wire_order {order}")
    state = state.tocoo()
    n = len(wires)
    index = np.zeros(state.nnz, dtype=np.int64)
    for k, w in enumerate(wires):  # bit k (from the most significant) of wire w
        bit = (state.col.astype(np.int64) >> (n - 1 - k)) & 1
        index |= bit << (len(order) - 1 - order.index(w))
    return csr_array((state.data, (np.zeros_like(index), index)), shape=(1, 2 ** len(order)))


def state_tensor(v, wires, wire_order, name: str) -> np.ndarray:
    """PennyLane's ``state_vector(wire_order)`` of a state preparation: the amplitudes ``v``
    on ``wires`` (a batch: one row each) as a tensor of one axis of size 2 per wire, on
    ``wire_order`` (which must hold ``wires``; its other wires in ``|0>``), batch axis first.

    >>> state_tensor(np.array([0.0, 1.0]), ["a"], ["b", "a"], "StatePrep").tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    if isinstance(v, Box):  # autograd's amplitudes (a state differentiated on a tape)
        import autograd.numpy as xp
    else:
        xp, v = np, np.asarray(v)
    wires = list(wires)
    batched = xp.ndim(v) == 2
    t = xp.reshape(v, ((xp.shape(v)[0],) if batched else ()) + (2,) * len(wires))
    if wire_order is None or order_list(wire_order) == wires:
        return t
    wire_order = order_list(wire_order)
    if not set(wires) <= set(wire_order):
        raise WireError(f"Custom wire_order must contain all {name} wires")
    extra = [w for w in wire_order if w not in wires]
    for _ in extra:  # a wire in |0>: amplitude 0 where it is 1
        t = xp.stack([t, xp.zeros(xp.shape(t))], axis=-1)
    current = wires + extra
    axes = [current.index(w) + batched for w in wire_order]
    return xp.transpose(t, ([0] if batched else []) + axes)


class QubitDensityMatrix(Template):
    """PennyLane's ``qml.QubitDensityMatrix(state, wires)``: the preparation of a density
    matrix (``2**n x 2**n``) on ``wires``, for mixed-state simulation. qsym makes it (its
    label, data, wires are PennyLane's) but does not apply it: recorded in a circuit or a
    queue it raises ``GateError`` (prepare the state with gates, or with ``qml.StatePrep`` for
    a pure state; docs/pennylane.md, "Not supported").

    >>> rho = np.diag([1.0, 0.0])
    >>> QubitDensityMatrix(rho, wires=0).label(), QubitDensityMatrix(rho, wires=0).data[0].shape
    ('QubitDensityMatrix', (2, 2))
    """

    _params = ("state",)
    has_decomposition = False  # PennyLane's: no gates prepare a mixed state
    decomposition_undefined = True  # (so its Adjoint's decomposition() raises too)

    def decomposition(self):
        """PennyLane's ``DecompositionUndefinedError``: a density matrix is no gates."""
        raise DecompositionUndefinedError(
            "qml.QubitDensityMatrix has no decomposition into gates (a mixed state): "
            "prepare a pure state with qml.StatePrep")

    def __init__(self, state, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        self.state = np.asarray(state) if isinstance(state, (list, tuple)) else state  # PennyLane's
        shape = np.shape(state)
        if shape != (2 ** len(self.wires),) * 2:
            raise GateError(f"QubitDensityMatrix: the state must be a density matrix of shape "
                            f"{(2 ** len(self.wires),) * 2} for {len(self.wires)} wire(s), got "
                            f"shape {shape}")
        if active_tape() is not None:
            raise GateError("qml.QubitDensityMatrix is not supported in qsym's circuits: "
                            "prepare the state with gates (qml.StatePrep for a pure state)")
        self._record()

    def _build(self):
        pass


def _stored_state(state, dim: int, pad_with, normalize: bool, checked: bool):
    """A state of numbers as PennyLane's ``StatePrep`` stores it (its ``data[0]``): an
    array (a list converted, a trainable tensor kept one), padded to ``dim`` with
    ``pad_with`` (which means normalize), as floats where ``normalize`` or ``checked``,
    divided by its norm (per row) where normalizing and the norm is not within 1e-10 of 1.

    >>> _stored_state([1, 1, 1], 4, 1, False, False).tolist()
    [0.5, 0.5, 0.5, 0.5]
    >>> _stored_state([0, 1], 2, None, False, False).dtype.kind
    'i'
    """
    x = np.asarray(state) if isinstance(state, (list, tuple)) else state
    if not isinstance(x, np.ndarray):  # an autograd box, or another array type: as given
        return state
    if pad_with is not None:
        normalize = True
        if x.shape[-1] < dim:
            x = np.concatenate([x, np.full(x.shape[:-1] + (dim - x.shape[-1],), pad_with)],
                               axis=-1)
    if normalize or checked:
        if x.dtype.kind in "biu":
            x = x.astype(float)
        norm = np.linalg.norm(x, axis=-1)
        if normalize and not np.allclose(norm, 1.0, atol=1e-10):
            x = np.asarray(x) / np.reshape(norm, np.shape(norm) + (1,))
    if x is not state and hasattr(state, "requires_grad"):  # a tensor stays one, as trainable
        x = x.view(type(state))
        x.requires_grad = state.requires_grad
    return x


class StatePrep(Template):
    """Prepare a state vector on ``wires`` (PennyLane's ``qml.StatePrep``), at the start
    of the circuit: ``2**len(wires)`` amplitudes, the first wire most significant.

    Args:
        state: the amplitudes (numbers, or real circuit inputs).
        wires: the wires.
        pad_with: pad a shorter vector with this number up to ``2**len(wires)``.
        normalize: divide by the norm; otherwise the norm must be 1.

    A real vector is prepared by RY and CNOT gates whose angles are exact functions of
    the amplitudes (so they may be circuit inputs, and are differentiable away from zero
    blocks); a complex vector of numbers by one ``QubitUnitary``. With inputs as
    amplitudes, the norm is checked at every call (``normalize=False``: a
    :class:`~qsym.errors.GateError`, PennyLane's message; ``normalize=True`` divides by
    it). Its wires must not have been acted on before.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c():
    ...     qml.StatePrep([0.6, 0.0, 0.0, -0.8], wires=[0, 1])
    ...     return qml.probs(wires=[0, 1])
    >>> c().round(12)
    array([0.36, 0.  , 0.  , 0.64])
    """

    def device_applies(self) -> bool:
        """``default.qubit`` applies it as a matrix."""
        return True

    def device_draws(self) -> bool:
        """Whether ``qml.draw(..., level="device")`` keeps its box: where it opens the
        circuit (PennyLane's preprocessing skips the initial state preparation; elsewhere
        it decomposes it)."""
        return bool(self.__dict__.get("_first_op", False))

    _box = "|Ψ⟩"
    resource_keys = frozenset({"num_wires"})  # PennyLane's
    _device_prepares = True  # PennyLane's device starts from it when first (not Mottonen)

    def _unnormalized_first(self) -> bool:
        """Whether PennyLane's backpropagation differentiates its amplitudes unnormalized:
        the circuit's first operation, one PennyLane's device prepares itself
        (:class:`UnnormalizedPrep`)."""
        return self._device_prepares and self.__dict__.get("_first_op", False)

    @property
    def resource_params(self) -> dict:
        """PennyLane's ``resource_params``: the number of wires.

        >>> StatePrep([0, 0, 0, 1], wires=(0, 1)).resource_params
        {'num_wires': 2}
        """
        return {"num_wires": len(self.wires)}

    def __init__(self, state, wires, pad_with=None, normalize=False, validate_norm=True, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        if len(set(self.wires)) != len(self.wires):
            raise WireError(f"{self.name} got duplicate wires {list(self.wires)}")
        if self._device_prepares and holds_box(state) and not _is_sparse(state):
            self._init_boxed_prep(state, pad_with, normalize, validate_norm)
            return
        self.is_sparse = _is_sparse(state)
        self._sparse = None  # a SciPy sparse state: PennyLane's csr_matrix, (1, 2**n)
        if self.is_sparse:
            self._sparse = StatePrep._preprocess_csr(state.tocsr(), self.wires, pad_with,
                                                     normalize, validate_norm)
            state, pad_with = self._sparse.toarray()[0], None
        x = _array(state, f"{self.name}: the state")
        if x.ndim not in (1, 2):
            raise GateError(
                self._texts["ndim"].format(shape=x.shape)
                + f" ({self.name}: a 1-D state, or one state per row to broadcast)"
            )
        rows = [self._row(r, pad_with, normalize, validate_norm) for r in (x if x.ndim == 2 else [x])]
        by_mottonen = self._by_mottonen(rows)
        if x.ndim == 2 and any(u is not None for u, _ in rows) and not by_mottonen:
            # a batch with a complex state: PennyLane's Möttönen gates, broadcast angles
            if any(u is None and _symbolic(np.asarray(v, dtype=object)) for u, v in rows):
                raise GateError(f"{self.name}: broadcasting complex states with other states "
                                "of circuit inputs is not supported (give them as numbers)")
            by_mottonen = True
        self.state = x
        self._rows = rows
        self._unitary = rows[0][0] if x.ndim == 1 else None
        self._batched = x.ndim == 2
        self._mottonen = None  # after gates on its wires: the state PennyLane's gates prepare
        if by_mottonen:
            self._mottonen = self._numeric_states()
        elif _first_on(self.wires) is not None:
            self._mottonen = self._mid_circuit_state()
        self._record()

    def _init_boxed_prep(self, state, pad_with, normalize, validate_norm) -> None:
        """A state of autograd's values (a tape made or rebound under ``qml.grad``:
        ``qml.execute``, ``bind_new_parameters``, a gradient transform's tape): held as
        they are (padded and normalized as asked, with autograd). As PennyLane's: first
        in a tape run by backpropagation the device starts from the vector itself
        (:func:`qsym._tapes.boxed_prep_first`); elsewhere, and for the gradient
        transforms, it is Möttönen's gates with autograd angles
        (:func:`mottonen_gates_boxed`)."""
        import autograd.numpy as anp

        self.is_sparse, self._sparse = False, None
        psi = anp.array(state) if isinstance(state, (list, tuple)) else state
        shape, dim = np.shape(getval(psi)), 2 ** len(self.wires)
        if len(shape) != 1:
            raise GateError(f"{self.name}: a state of autograd's values must be one vector of "
                            f"amplitudes, got shape {shape}")
        pad_with = _unwrapped(pad_with)
        if pad_with is not None and shape[0] < dim:
            psi = anp.concatenate([psi, pad_with * anp.ones(dim - shape[0])])
            normalize = True
        if np.shape(getval(psi))[0] != dim:
            raise GateError(f"{self.name}: " + self._texts["length"].format(
                dim=dim, n=len(self.wires), got=np.shape(getval(psi))[0]))
        norm = float(np.linalg.norm(getval(psi)))
        if normalize:
            psi = psi / anp.sqrt(anp.sum(anp.abs(psi) ** 2))
        elif validate_norm and not np.isclose(norm, 1.0, atol=1e-10):
            raise GateError(f"{self.name}: " + self._texts["norm"].format(norm=norm))
        self.state = psi
        self._boxed_state = psi  # (Möttönen's gates of it: gates_after_gates, _build)
        self._boxed_prep = True
        self._rows = [(None, list(np.asarray(getval(psi))))]
        self._unitary, self._batched, self._mottonen = None, False, None
        self._record()

    def _by_mottonen(self, rows) -> bool:
        """Whether states of numbers are prepared by PennyLane's Möttönen gates wherever
        the preparation stands (:class:`MottonenStatePreparation`); a ``StatePrep`` at the
        start of a circuit is applied as one matrix (PennyLane's device applies it)."""
        return False

    def _numeric_states(self) -> np.ndarray:
        """The unit vectors prepared (a batch: one per row), from the rows of numbers."""
        states = [self._row_numbers(i, u, values) for i, (u, values) in enumerate(self._rows)]
        psi = np.array(states, dtype=complex if any(np.iscomplexobj(v) for v in states)
                       else float)
        psi = psi / np.linalg.norm(psi, axis=-1, keepdims=True)
        return psi if self._batched else psi[0]

    def state_vector(self, wire_order=None) -> np.ndarray:
        """PennyLane's ``op.state_vector(wire_order=None)``: the prepared amplitudes (padded
        and normalized as asked) as a tensor of shape ``(2,) * n`` (a batch first), on
        ``wire_order`` if given (its other wires in ``|0>``).

        >>> StatePrep([0.6, 0.8], wires=[1]).state_vector(wire_order=[0, 1]).tolist()
        [[0.6, 0.8], [0.0, 0.0]]
        """
        if self._sparse is not None:
            return _sparse_embed(self._sparse, self.wires, wire_order)
        if self.__dict__.get("_boxed_prep"):  # autograd's amplitudes, as they are
            return state_tensor(self.state, self.wires, wire_order, self.name)
        x = self.state
        if _symbolic(np.asarray(x, dtype=object)):
            raise GateError(f"{self.name}.state_vector() needs numbers: the state is a circuit "
                            "input here")
        x = np.asarray(x)
        if x.dtype == object:  # numbers kept as objects (a complex list): as complex
            x = x.astype(complex)
        args = self.__dict__.get("_init_args", {})
        pad_with, dim = _unwrapped(args.get("pad_with")), 2 ** len(self.wires)
        if pad_with is not None and x.shape[-1] < dim:
            x = np.concatenate([x, np.full(x.shape[:-1] + (dim - x.shape[-1],), pad_with)], axis=-1)
        if pad_with is not None or args.get("normalize"):
            x = x / np.linalg.norm(x, axis=-1, keepdims=True)
        return state_tensor(x, self.wires, wire_order, self.name)

    def decomposition(self) -> list:
        """PennyLane's decomposition of a state preparation: one
        :class:`MottonenStatePreparation` of the prepared state (padded and normalized as
        asked; a trainable state as given), which the device decomposes further. A state
        of circuit inputs (while qsym traces) decomposes into its gates.

        >>> StatePrep([0.0, 3.0], wires=0, normalize=True).decomposition()
        [MottonenStatePreparation(array([0., 1.]), wires=[0])]
        >>> StatePrep([0.0, 3.0], wires=0, normalize=True).decomposition()[0].state.tolist()
        [0.0, 1.0]
        """
        if isinstance(self, MottonenStatePreparation) or (
                self._sparse is None and _symbolic(np.asarray(self.state, dtype=object))):
            return super().decomposition()
        with recording(Tape()):  # made aside, as the gates of a decomposition are
            return [MottonenStatePreparation(self._prepared_state(), self.wires)]

    def _prepared_state(self):
        """The amplitudes prepared, as PennyLane's ``StatePrep.data[0]`` (:attr:`parameters`;
        a sparse state as a dense row)."""
        if self._sparse is not None:
            return self._sparse.toarray()[0]
        return self.parameters[0]

    @property
    def parameters(self) -> list:
        """PennyLane's ``[state]`` as its ``StatePrep`` stores it: a list as an array,
        padded with ``pad_with``, integers as floats where the norm is checked or made 1
        (``normalize``, ``validate_norm``), and divided by its norm (per row) where
        ``normalize`` or ``pad_with`` is given and the norm is not within 1e-10 of 1; a
        trainable tensor stays one. A state of circuit inputs (while qsym traces) as given;
        a sparse state: the checked, padded, normalized ``csr_matrix``.

        >>> StatePrep([3, 4], wires=0, normalize=True).parameters
        [array([0.6, 0.8])]
        >>> StatePrep([3.0], wires=0, pad_with=4.0).data
        (array([0.6, 0.8]),)
        """
        if self._sparse is not None:
            return [self._sparse]
        args = self.__dict__.get("_init_args", {})
        given = args.get("state", args.get("state_vector", self.state))
        pad_with = _unwrapped(args.get("pad_with"))
        if (_symbolic(np.asarray(self.state, dtype=object))
                or _symbolic(np.asarray([pad_with], dtype=object))):
            return [given]
        return [_stored_state(given, 2 ** len(self.wires), pad_with, bool(args.get("normalize")),
                              bool(args.get("validate_norm")))]

    def operator_gates(self) -> list:
        """As an operator (inverted, controlled, powered) a state preparation is PennyLane's
        Möttönen unitary (:func:`mottonen_gates`), also where it starts the circuit: the
        unitary whose first column is the state that PennyLane's decomposition gives.

        >>> [op.name for op in StatePrep(np.array([0.6, 0.8j]), wires=0).operator_gates()]
        ['RY', 'RZ', 'GlobalPhase']
        """
        if self._mottonen is not None or self._batched or "_boxed_state" in self.__dict__:
            return self.gates()  # (autograd's amplitudes: Möttönen's gates of them, boxed)
        self._refuse_unchecked_norm()  # (a state of circuit inputs: its numbers, looked at)
        tape = Tape()
        with recording(tape):
            mottonen_gates(self._mid_circuit_state(), self.wires)
        return list(tape.items)

    def gates_after_gates(self) -> list:
        """The gates that apply it where gates on its wires come before it in a tape
        (a tape made by hand, or rebound by ``bind_new_parameters``: its position decides,
        not where it was made): PennyLane's device decomposes it there into Möttönen's
        gates, which act on the current state, not a matrix whose first column is the state.

        >>> import qsym as qml
        >>> op = qml.StatePrep(np.array([0.6, 0.8j]), wires=0)
        >>> [g.name for g in op.gates_after_gates()]
        ['RY', 'RZ', 'GlobalPhase']
        """
        if self._mottonen is not None or "_boxed_state" in self.__dict__:
            return self.gates()  # made after gates, or Möttönen's already (autograd's too)
        if any(u is None and _symbolic(np.asarray(values, dtype=object))
               for u, values in self._rows):
            raise GateError(f"{self.name} after gates on its wires {list(self.wires)}: only a "
                            "state of numbers, not circuit inputs, is applied there "
                            "(PennyLane's Möttönen gates); put it at the start of the circuit")
        self._refuse_unchecked_norm()
        tape = Tape()
        with recording(tape):  # a batch: the same gates, broadcast angles (PennyLane's)
            mottonen_gates(self._numeric_states(), self.wires)
        return list(tape.items)

    def _mid_circuit_state(self) -> np.ndarray:
        """The unit vector a ``StatePrep`` after gates on its wires prepares with
        PennyLane's gates (Möttönen's, :func:`mottonen_gates`, acting on the current
        state): numbers only, one state."""
        u, values = self._rows[0]
        if self._batched:
            _check_fresh(self.wires, self.name, " (after other gates only one state, not a "
                         "batch, is applied: PennyLane's Möttönen gates)")
        if u is None and _symbolic(np.asarray(values, dtype=object)):
            psi = looked_at(values)  # (Möttönen's angles need its numbers)
        else:
            psi = self._row_numbers(0, u, values)
        return psi / np.linalg.norm(psi)

    # PennyLane's error texts (MottonenStatePreparation has its own)
    _texts = {"ndim": "State must be a one-dimensional tensor, or two-dimensional with "
                      "batching; got shape {shape}.",
              "length": "State must be of length {dim}; got length {got}.",
              "norm": "The state must be a vector of norm 1.0; got norm {norm}. Use "
                      "'normalize=True' to automatically normalize."}

    @staticmethod
    def _preprocess_csr(state, wires, pad_with, normalize, validate_norm):
        """PennyLane's checks of a sparse state (a SciPy ``csr_matrix`` of one row): no
        ``pad_with`` (zeros are padded, with a warning), at most ``2**len(wires)`` entries,
        norm 1 unless ``normalize`` (then divided by it). Returns the ``(1, 2**n)`` matrix.

        >>> from scipy.sparse import csr_matrix
        >>> StatePrep._preprocess_csr(csr_matrix([0, 3, 0, 4]), [0, 1], None, True, True).toarray()
        array([[0. , 0.6, 0. , 0.8]])
        """
        if pad_with:
            raise ValueError("Non-zero Padding is not supported for sparse states; pass the "
                             "full state, or a dense array with pad_with")
        if len(state.shape) == 1:  # a 1-D SciPy sparse array: one row
            state = state.reshape((1, state.shape[0]))
        if state.shape[0] != 1:
            raise NotImplementedError(
                "StatePrep does not yet support parameter broadcasting with sparse state "
                "vectors; prepare one state (one row) at a time")
        dim, got = 2 ** len(wires_tuple(wires)), state.shape[1]
        if got > dim:
            raise ValueError(f"State must be of length {dim} or smaller to be padded; got "
                             f"length {got}.")
        state = state.copy()
        if got < dim:
            warnings.warn(f"State must be of length {dim}; got length {got}. Automatically "
                          "padding with zeros.", UserWarning, stacklevel=3)
            state.resize((1, dim))
        if not (validate_norm or normalize):
            return state
        if state.dtype.kind in "biu":
            state = state.astype(float)
        norm = float(np.sqrt(np.sum(np.abs(state.data) ** 2)))
        if normalize:
            return state / norm
        if not np.isclose(norm, 1.0, atol=1e-10):
            raise ValueError(f"The state must be a vector of norm 1.0; got norm {norm}. Use "
                             "'normalize=True' to automatically normalize.")
        return state

    def _row(self, x, pad_with, normalize, validate_norm):
        """``(unitary or None, real amplitudes)`` for one state vector. As PennyLane's
        ``StatePrep._preprocess``: ``pad_with`` given means normalized (the padded vector
        is divided by its norm); ``pad_with`` may be a circuit input (a traced value)."""
        dim = 2 ** len(self.wires)
        pad_with = _unwrapped(pad_with)
        if pad_with is not None:
            normalize = True
            if len(x) > dim:
                raise GateError(f"{self.name}: Input state must be of length {dim} or smaller "
                                f"to be padded; got length {len(x)}.")
        if len(x) > dim or (len(x) < dim and pad_with is None):
            raise GateError(
                f"{self.name}: " + self._texts["length"].format(dim=dim, n=len(self.wires), got=len(x))
                + (" Use the 'pad_with' argument for automated padding." if len(x) < dim
                   else f" ({len(self.wires)} wire(s) hold {dim} amplitudes.)")
            )
        given = len(x)
        if len(x) < dim:
            x = np.concatenate([np.asarray(x, dtype=object), np.full(dim - len(x), pad_with, dtype=object)])
        values = _mark_padding(list(x), given, pad_with)
        if any(isinstance(a, Box) for a in x):  # on a tape under autograd ("spsa", "hadamard")
            if any(np.iscomplexobj(getval(a)) for a in x if isinstance(a, Box)):
                raise DifferentiationError(
                    f"{self.name}: complex trainable amplitudes are not differentiated (qsym "
                    "differentiates a state's real amplitudes): pass a real state vector, or "
                    "make the state requires_grad=False")
            raise DifferentiationError(
                f"{self.name}: trainable amplitudes on a QNode's tape (diff_method='spsa' "
                "and 'hadamard' differentiate gate parameters; a state is not one) are not "
                "supported: use diff_method='backprop', 'parameter-shift' or 'adjoint', or "
                "make the state requires_grad=False")
        if not _symbolic(np.asarray(x, dtype=object)):
            try:
                v = np.asarray(x, dtype=complex)
            except (TypeError, ValueError):
                raise GateError(f"{self.name}: the state must hold numbers, got "
                                f"{list(x)!r}") from None
            if not np.all(np.isfinite(v)):
                raise GateError(f"{self.name}: the state has NaN or infinite amplitudes")
            norm = float(np.linalg.norm(v))
            if norm == 0 and (normalize or not validate_norm):
                raise GateError(f"{self.name}: the state is the zero vector")
            if not normalize and validate_norm and not np.isclose(norm, 1.0, atol=1e-10):
                raise GateError(f"{self.name}: " + self._texts["norm"].format(norm=norm))
            if not normalize and not _unit_norm(norm):
                if validate_norm:  # (within PennyLane's 1e-5: refused where it starts a circuit)
                    self._as_given_norm = norm
                else:  # validate_norm=False: refused where applied
                    self._unchecked_norm = norm
            # (a replay of a trace of real inputs with complex constants among them takes
            # the trace's route: the moduli's real state, then the phases' diagonal; the
            # complex numbers kept for Möttönen's gates after gates: _row_numbers)
            if np.any(np.abs(v.imag) > 0):
                self.__dict__.setdefault("_complex_rows", {})[len(self._seen_rows())] = v
            self._seen_rows().append(True)
            if choice(bool(np.any(np.abs(v.imag) > 0))):
                return _complex_state_unitary(v / norm), None
            v = np.asarray(self._constant_phases(list(x)), dtype=complex)
            return None, _mark_padding([float(a) for a in v.real], given, pad_with)
        if any(isinstance(a, sp.Basic) and a.has(sp.I) for a in values):
            # complex amplitudes of circuit inputs (plain NumPy's `1j * np.sin(t)`): the
            # real RY tree cannot give their phases, so Python looks at their numbers
            # (the circuit traced at every call, the inputs used by value) and the state's
            # unitary is made of them, as the numbers' complex route above does
            psi = looked_at(values)
            choice(True)  # (the numbers' complex route, for a replay)
            return _complex_state_unitary(psi / np.linalg.norm(psi)), None
        choice(False)  # (the place of the numbers' choice above, for a replay)
        self._seen_rows().append(False)
        values = self._constant_phases(values)
        if not normalize:  # checked on every call's numbers
            outer = active_tape()
            first = (self._device_prepares and outer is not None and not outer.items
                     and not _building())  # (as _record's _first_op)
            add_check(self.name, values, functools.partial(
                (_check_norm_as_given if first else _check_norm) if validate_norm
                else _check_unvalidated_norm, self.name))
        elif normalize:  # a zero vector has no normalized state (not |0...0>)
            add_check(self.name, values, functools.partial(_check_nonzero, self.name))
        return None, values

    def _seen_rows(self) -> list:
        """The rows :meth:`_row` has taken so far (in order; ``_complex_rows`` maps a row
        of complex numbers to them)."""
        return self.__dict__.setdefault("_row_order", [])

    def _row_numbers(self, i: int, u, values) -> np.ndarray:
        """Row ``i``'s amplitudes as numbers (not normalized): the unitary's first column,
        or the row's complex numbers (a replay on numbers of a trace whose amplitudes were
        expressions takes the real route of :meth:`_row`, which keeps only the moduli
        and the phases' diagonal: Möttönen's gates need the phases), or its real values."""
        if u is not None:
            return u[:, 0]
        kept = self.__dict__.get("_complex_rows", {}).get(i)
        return kept if kept is not None else np.asarray(values, dtype=float)

    def _constant_phases(self, values: list) -> list:
        """A state of circuit inputs (real) with complex constants among its amplitudes
        (PennyLane's ``pad_with=0.1+0.1j``): the real state of the amplitudes' moduli
        there, then a diagonal of the constants' phases (``DiagonalQubitUnitary``) after
        its gates, which gives the state exactly (norm and per-call checks unchanged: the
        moduli have the constants' sizes). The phases are kept per row
        (``self._row_phases``); an input that is itself complex is refused."""
        phases = [float(np.angle(a)) if isinstance(a, (complex, np.complexfloating))
                  and a.imag != 0 else 0.0 for a in values]
        self.__dict__.setdefault("_row_phases", []).append(phases)
        if not any(phases):
            return values
        return [abs(a) if phase else a for a, phase in zip(values, phases)]

    def _phase_diagonal(self) -> None:
        """The diagonal of :meth:`_constant_phases` (none where every phase is 0)."""
        rows = self.__dict__.get("_row_phases") or []
        if not any(any(p) for p in rows):
            return
        if len(rows) != len(self._rows):  # (a row of numbers among them: refused before)
            raise GateError(f"{self.name}: complex constants in a batch of states of circuit "
                            "inputs need every row to be of inputs")
        D = np.exp(1j * np.array(rows if self._batched else rows[0]))
        DiagonalQubitUnitary(D, wires=list(self.wires))

    def _refuse_unchecked_norm(self) -> None:
        """``validate_norm=False`` and a state whose norm is not 1 (within 1e-10) applied in
        a circuit: refused (:func:`_check_unvalidated_norm`). Made outside any recording
        it is kept (PennyLane's constructor takes it: ``state_vector()`` is the vector as
        given) and refused where its gates are used (:meth:`queue`, :meth:`gates`)."""
        norm = self.__dict__.get("_unchecked_norm")
        if norm is not None:
            _check_unvalidated_norm(self.name, np.array([norm]))

    def queue(self, context=None):
        self._refuse_unchecked_norm()
        return super().queue(context)

    queue.__doc__ = Template.queue.__doc__

    def gates(self) -> list:
        """The gates this preparation applies (refused for an unnormalized state given
        with ``validate_norm=False``: :meth:`_refuse_unchecked_norm`).

        >>> StatePrep([0.0, 1.0], wires=0).gates()
        [RY(3.141592653589793, wires=[0])]
        """
        self._refuse_unchecked_norm()
        return super().gates()

    @property
    def table_gates(self) -> tuple:
        """:meth:`gates` as a tuple (what operator arithmetic applies)."""
        self._refuse_unchecked_norm()
        return tuple(self._ops)

    def matrix(self, wire_order=None) -> np.ndarray:
        """The unitary of the preparation's gates (``qml.matrix(op)``; refused, as
        PennyLane's, for an unnormalized state given with ``validate_norm=False``)."""
        self._refuse_unchecked_norm()
        return super().matrix(wire_order)

    def _build(self):
        if self.__dict__.get("_boxed_prep"):  # autograd's amplitudes: Möttönen's gates
            mottonen_gates_boxed(self.state, self.wires)
            return
        if not getattr(self._tape, "aside", False):  # (recorded: in a circuit or a queue)
            self._refuse_unchecked_norm()
            norm = self.__dict__.get("_as_given_norm")
            if norm is not None and self._device_prepares and self.__dict__.get("_first_op"):
                # PennyLane's device starts from the vector as given (elsewhere it applies
                # Möttönen's gates, which prepare the normalized state, as qsym's)
                raise GateError(_as_given_message(self.name, norm))
        if self._mottonen is not None:
            mottonen_gates(self._mottonen, self.wires)
            return
        if self._unitary is not None:
            _gate("QubitUnitary", self._unitary, wires=list(self.wires))
            return
        if not self._batched:
            values = self._rows[0][1]
            if choice(DENSE_PREP_WIRES[0] <= len(self.wires) <= DENSE_PREP_WIRES[1]
                      and not _symbolic(np.asarray(values, dtype=object))):
                # a state of numbers: one real matrix whose first column it is (a
                # Householder reflection), not the 2^(n+1) gates of the RY tree
                psi = np.asarray(values, dtype=float)
                _gate("QubitUnitary", _real_state_unitary(psi / np.linalg.norm(psi)),
                      wires=list(self.wires))
                return
            _real_state_gates(values, self.wires, unnormalized=self._unnormalized_first())
            self._phase_diagonal()
            return
        per_row = []  # the same gates for every row; their angles differ
        for _, values in self._rows:
            tape = Tape()
            with recording(tape):
                _real_state_gates(values, self.wires, keep_zeros=True,
                                  unnormalized=self._unnormalized_first())
            per_row.append(tape.items)
        for ops in zip(*per_row):
            if ops[0].params:
                _gate(ops[0].name, [op.params[0] for op in ops], wires=list(ops[0].wires))
            else:
                _gate(ops[0].name, wires=list(ops[0].wires))
        self._phase_diagonal()


class AmplitudeEmbedding(StatePrep):
    """Amplitudes of ``features`` as the state of ``wires`` (PennyLane's
    ``qml.AmplitudeEmbedding``): :class:`StatePrep` with ``pad_with`` and ``normalize``.

    >>> AmplitudeEmbedding([1.0, 1.0], wires=0, normalize=True).decomposition()
    [MottonenStatePreparation(array([0.70710678, 0.70710678]), wires=[0])]
    >>> AmplitudeEmbedding([1.0, 1.0], wires=0, normalize=True).gates()
    [RY(1.5707963267948966, wires=[0])]
    """

    def __init__(self, features, wires, pad_with=None, normalize=False, id=None,
                 validate_norm=True):
        super().__init__(features, wires, pad_with=pad_with, normalize=normalize,
                         validate_norm=validate_norm, id=id)


def _bits(state, n: int, what: str):
    """A basis state as ``n`` bits (first wire first): from an int, or 0/1 values (which
    may be traced inputs)."""
    if isinstance(state, (numbers.Integral, np.integer)) and not isinstance(state, bool):
        s = int(state)
        if not 0 <= s < 2**n:
            raise GateError(f"{what}: Integer state must be < {2 ** n} to have a feasible binary "
                            f"representation, got {s} (it does not fit on {n} wire(s))")
        return [(s >> (n - 1 - i)) & 1 for i in range(n)]
    if isinstance(state, str):
        state = [int(c) for c in state]
    arr = np.asarray(state, dtype=object)
    if arr.ndim == 0 and isinstance(arr.item(), (numbers.Integral, np.integer)):
        return _bits(arr.item(), n, what)  # a 0-d integer array: the integer
    if arr.ndim != 1:
        raise GateError(f"{what}: State must be one-dimensional; got shape {arr.shape}.")
    if len(arr) != n:
        shown = "[" + ", ".join(str(b) for b in arr) + "]"
        raise GateError(f"{what}: State must be of length {n}; got length {len(arr)} "
                        f"(state={shown}). Give one bit per wire.")
    out = []
    for b in arr:
        if isinstance(b, sp.Basic) and not b.is_number:
            out.append(b)
            continue
        if b not in (0, 1):
            # (autograd's values named by their numbers, as PennyLane's message does)
            raise GateError(f"{what}: Basis state must only consist of 0s and 1s; got "
                            f"{[getattr(v, '_value', v) for v in arr]}")
        out.append(b)
    return out


def _check_bits(name: str, v: np.ndarray) -> None:
    """Bits given as circuit inputs must be 0 or 1 at every call (PennyLane's check)."""
    v = np.real(v)
    if not np.all((v == 0) | (v == 1)):
        raise GateError(f"{name}: Basis state must only consist of 0s and 1s; got {v.tolist()}")


class BasisState(Template):
    """Prepare the computational basis state ``state`` (bits, first wire first, or an int)
    on ``wires`` (PennyLane's ``qml.BasisState``): an X gate on every wire whose bit is 1.

    Bits given as float circuit inputs (traced) become ``RX(pi b)`` and a global phase
    ``exp(i pi b / 2)``, which is X for ``b = 1`` and the identity for ``b = 0``.

    After gates on its wires it is PennyLane's decomposition, the same X gates applied to
    the current state (PennyLane's ``default.qubit`` prepares only a state preparation that
    opens the circuit and decomposes any other): no reset.

    >>> BasisState([1, 0, 1], wires=[0, 1, 2]).decomposition()
    [X(0), X(2)]
    """

    def device_applies(self) -> bool:
        """``default.qubit`` applies it as a matrix."""
        return True

    def device_draws(self) -> bool:
        """Whether ``qml.draw(..., level="device")`` keeps its box: where it opens the
        circuit (PennyLane's preprocessing skips the initial state preparation; elsewhere
        it decomposes it)."""
        return bool(self.__dict__.get("_first_op", False))

    _box = "|Ψ⟩"

    _params = ("state",)

    def __init__(self, state, wires, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        if len(set(self.wires)) != len(self.wires):
            raise WireError(f"{self.name} got duplicate wires {list(self.wires)}")
        state = _unwrapped(state)
        self._traced = isinstance(state, np.ndarray) and state.dtype.kind in "fO" or (
            isinstance(state, (list, tuple)) and any(isinstance(b, (float, sp.Basic)) for b in state)
        )
        self.state = _bits(state, len(self.wires), self.name)
        traced = [b for b in self.state if isinstance(b, sp.Basic) and not b.is_number]
        if traced:  # checked on every call's numbers: RX(pi b) is a basis state only at 0, 1
            add_check(self.name, traced, functools.partial(_check_bits, self.name))
        self._record()

    @property
    def parameters(self) -> list:
        """PennyLane's ``[state]``: the bits as an integer array (an integer array given:
        as given; floats, a list or an integer: cast), the traced bits inside a circuit.

        >>> BasisState(np.array([1.0, 0.0]), wires=[0, 1]).parameters
        [array([1, 0])]
        """
        if any(isinstance(b, sp.Basic) and not b.is_number for b in self.state):
            return [self.state]
        cached = self.__dict__.get("_bits_array")
        if cached is None or cached[0] is not self.state:
            given = self.__dict__.get("_init_args", {}).get("state")
            arr = given if isinstance(given, np.ndarray) and given.dtype.kind in "iu" \
                and given.ndim == 1 else np.array([int(b) for b in self.state], dtype=np.int64)
            cached = self._bits_array = (self.state, arr)
        return [cached[1]]

    def state_vector(self, wire_order=None) -> np.ndarray:
        """PennyLane's ``op.state_vector(wire_order=None)``: the basis state as a tensor of
        shape ``(2,) * n`` (1.0 at the bits), on ``wire_order`` if given (its other wires
        in ``|0>``).

        >>> BasisState([1, 0], wires=[0, 1]).state_vector().tolist()
        [[0.0, 0.0], [1.0, 0.0]]
        """
        if any(isinstance(b, sp.Basic) and not b.is_number for b in self.state):
            raise GateError(f"{self.name}.state_vector() needs numbers: the bits are a circuit "
                            "input here")
        v = np.zeros(2 ** len(self.wires))
        v[int("".join(str(int(b)) for b in self.state) or "0", 2)] = 1.0
        return state_tensor(v, self.wires, wire_order, self.name)

    @property
    def resource_params(self) -> dict:
        """PennyLane's resource parameters: the number of wires.

        >>> BasisState([1, 0], wires=[0, 1]).resource_params
        {'num_wires': 2}
        """
        return {"num_wires": len(self.wires)}

    def _build(self):
        for w, b in zip(self.wires, self.state):
            if self._traced:  # the same gates for every value: traced and numeric runs agree
                _gate("RX", sp.pi * b if isinstance(b, sp.Basic) else np.pi * float(b), wires=w)
                _gate("GlobalPhase", -(sp.pi * b if isinstance(b, sp.Basic) else np.pi * float(b)) / 2, wires=w)
            elif b == 1:
                _gate("PauliX", wires=w)


class BasisEmbedding(BasisState):
    """``features`` (bits or an int) as a basis state of ``wires`` (PennyLane's
    ``qml.BasisEmbedding``; the same as :class:`BasisState`).

    >>> BasisEmbedding(2, wires=[0, 1]).decomposition()
    [X(0)]
    """

    def __init__(self, features, wires, id=None):
        super().__init__(features, wires, id=id)


# --- embeddings ------------------------------------------------------------------------------
_ROTATIONS = {"X": "RX", "Y": "RY", "Z": "RZ"}


def _rotation_name(rotation, what: str, default: str) -> str:
    if rotation is None:
        return default
    if isinstance(rotation, str):
        if rotation in _ROTATIONS:
            return _ROTATIONS[rotation]
        if rotation in ("RX", "RY", "RZ"):
            return rotation
    if isinstance(rotation, type) and issubclass(rotation, Operation):
        if rotation.num_params == 1 and rotation.num_wires == 1:
            return rotation.__name__
    raise GateError(
        f"Rotation option {rotation} not recognized. {what}: rotation must be 'X', 'Y', 'Z' "
        f"or a one-parameter one-wire gate such as qml.RX; got {rotation!r}"
    )


def _columns(x: np.ndarray):
    """``x[..., i]`` for each ``i``: one value, or a 1-D array to broadcast."""
    return [x[..., i] for i in range(x.shape[-1])]


class AngleEmbedding(Template):
    """Features as rotation angles, one per wire (PennyLane's ``qml.AngleEmbedding``):
    ``RX(features[i])`` on ``wires[i]`` (``rotation="X"``, ``"Y"`` or ``"Z"``). Fewer
    features than wires leave the last wires alone; a 2-D array broadcasts.

    >>> AngleEmbedding([0.5], wires=[0, 1]).decomposition()
    [RX(np.float64(0.5), wires=[0])]
    """

    def __init__(self, features, wires, rotation="X", id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        self.rotation = _rotation_name(rotation, "AngleEmbedding", "RX")
        x = _array(features, "AngleEmbedding features")
        if x.ndim not in (1, 2):
            raise GateError("AngleEmbedding: Features must be a one-dimensional tensor, or "
                            f"two-dimensional when broadcasting; got shape {x.shape}.")
        if x.shape[-1] > len(self.wires):
            raise GateError(
                f"AngleEmbedding: Features must be of length {len(self.wires)} or less; "
                f"got length {x.shape[-1]}."
            )
        self.features = x
        self._record()

    def __repr__(self):
        """PennyLane's: the features as NumPy prints them, the wires, the rotation's axis.

        >>> AngleEmbedding([1, 2, 3], wires=range(3), rotation="Z")
        AngleEmbedding([1 2 3], wires=[0, 1, 2], rotation=Z)
        """
        x = self.data[0]
        x = x if hasattr(x, "shape") else np.asarray(x)
        return f"AngleEmbedding({x}, wires={list(self.wires)}, rotation={self.rotation[1:]})"

    def _build(self):
        for i, f in enumerate(_columns(self.features)):
            _gate(self.rotation, f, wires=self.wires[i])


class IQPEmbedding(Template):
    """PennyLane's ``qml.IQPEmbedding``: ``n_repeats`` times, ``Hadamard`` then
    ``RZ(features[i])`` on each wire, then ``MultiRZ(features[i] * features[j])`` on each
    wire pair of ``pattern`` (default: all pairs, in order).

    >>> [op.name for op in IQPEmbedding([1.0, 2.0], wires=[0, 1]).decomposition()]
    ['Hadamard', 'RZ', 'Hadamard', 'RZ', 'MultiRZ']
    """

    def __init__(self, features, wires, n_repeats=1, pattern=None, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        x = _array(features, "IQPEmbedding features")
        if x.ndim not in (1, 2):
            raise GateError("IQPEmbedding: Features must be a one-dimensional tensor, or "
                            f"two-dimensional when broadcasting; got shape {x.shape}.")
        if x.shape[-1] != len(self.wires):
            raise GateError(
                f"IQPEmbedding: Features must be of length {len(self.wires)}; got length {x.shape[-1]}."
            )
        self.features = x
        if (isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer))
                or n_repeats < 0):
            raise ArgumentError(f"IQPEmbedding: n_repeats must be a non-negative integer (the "
                                f"number of times the encoding is applied), got {n_repeats!r}")
        self.n_repeats = int(n_repeats)
        self.pattern = (
            list(itertools.combinations(self.wires, 2)) if pattern is None
            else [tuple(wires_tuple(p)) for p in pattern]
        )
        self._record()

    def _build(self):
        f = _columns(self.features)
        index = {w: i for i, w in enumerate(self.wires)}
        for _ in range(self.n_repeats):
            for i, w in enumerate(self.wires):
                _gate("Hadamard", wires=w)
                _gate("RZ", f[i], wires=w)
            for a, b in self.pattern:
                _gate("MultiRZ", f[index[a]] * f[index[b]], wires=[a, b])


class QAOAEmbedding(Template):
    """PennyLane's ``qml.QAOAEmbedding``: layers of ``RX(features)`` (``Hadamard`` on wires
    without a feature), ``MultiRZ(weights)`` on neighbouring wires (a ring for 3 or more
    wires) and local fields (``local_field="Y"``, ``"X"`` or ``"Z"``), then the feature
    layer once more. ``shape(n_layers, n_wires)`` gives the weights' shape.

    >>> QAOAEmbedding.shape(n_layers=2, n_wires=3)
    (2, 6)
    """

    def __init__(self, features, weights, wires, local_field="Y", id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        try:
            self.local_field = _rotation_name(local_field, "QAOAEmbedding local_field", "RY")
        except GateError as exc:  # PennyLane's words first
            raise GateError(f"did not recognize local field {local_field}: {exc}") from None
        x = _array(features, "QAOAEmbedding features")
        w = _array(weights, "QAOAEmbedding weights")
        if x.ndim not in (1, 2):
            raise GateError("Features must be a one-dimensional tensor or two-dimensional with "
                            f"broadcasting; got shape {x.shape}.")
        if x.shape[-1] > len(self.wires):
            raise GateError(
                f"Features must be of length {len(self.wires)} or less; got length {x.shape[-1]}."
            )
        if w.ndim not in (2, 3):
            raise GateError("Weights must be a two-dimensional tensor or three-dimensional with "
                            f"broadcasting; got shape {w.shape}.")
        expected = self.shape(w.shape[-2], len(self.wires))
        if w.shape[-2:] != expected:
            raise GateError(f"Weights tensor must be of shape {expected}; got {w.shape}")
        if x.ndim == 2 and w.ndim == 3 and len(x) != len(w):
            raise GateError(f"QAOAEmbedding: the features' batch ({len(x)}) and the weights' "
                            f"batch ({len(w)}) must have one size")
        self.features, self.weights = x, w
        self._hyperparameters = {"local_field": GATE_CLASSES[self.local_field]}
        self._record()

    def _features(self):
        x = self.features
        for i, w in enumerate(self.wires):
            if i < x.shape[-1]:
                _gate("RX", x[..., i], wires=w)
            else:
                _gate("Hadamard", wires=w)

    def _build(self):
        n, w = len(self.wires), self.weights
        for layer in range(w.shape[-2]):
            p = [w[..., layer, k] for k in range(w.shape[-1])]  # a batch: one array each
            self._features()
            if n == 1:
                _gate(self.local_field, p[0], wires=self.wires[0])
            elif n == 2:
                _gate("MultiRZ", p[0], wires=list(self.wires))
                _gate(self.local_field, p[1], wires=self.wires[0])
                _gate(self.local_field, p[2], wires=self.wires[1])
            else:
                for i in range(n):
                    _gate("MultiRZ", p[i], wires=[self.wires[i], self.wires[(i + 1) % n]])
                for i in range(n):
                    _gate(self.local_field, p[n + i], wires=self.wires[i])
        self._features()

    @property
    def batch_size(self):
        """The batch of the features (2-D) or weights (3-D), or None (PennyLane's)."""
        return (len(self.features) if self.features.ndim == 2
                else len(self.weights) if self.weights.ndim == 3 else None)

    @staticmethod
    def shape(n_layers, n_wires, n_broadcast=None):
        """The shape of the weights: ``(n_layers, 1 | 3 | 2 * n_wires)``, with a leading
        ``n_broadcast`` for a batch.

        >>> QAOAEmbedding.shape(2, 3, n_broadcast=5)
        (5, 2, 6)
        """
        shape = (n_layers, 1 if n_wires == 1 else 3 if n_wires == 2 else 2 * n_wires)
        return (n_broadcast, *shape) if n_broadcast else shape


# --- layers ----------------------------------------------------------------------------------
class BasicEntanglerLayers(Template):
    """PennyLane's ``qml.BasicEntanglerLayers``: per layer, ``rotation(weights[l, i])`` on
    each wire, then a CNOT ring (one CNOT for 2 wires, none for 1).

    >>> BasicEntanglerLayers.shape(n_layers=2, n_wires=3)
    (2, 3)
    >>> [op.name for op in BasicEntanglerLayers([[0.1, 0.2]], wires=[0, 1]).decomposition()]
    ['RX', 'RX', 'CNOT']
    """

    def __init__(self, weights, wires=None, rotation=None, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        self.rotation = _rotation_name(rotation, "BasicEntanglerLayers", "RX")
        w = _array(weights, "BasicEntanglerLayers weights")
        if w.ndim not in (2, 3):
            raise GateError(
                f"BasicEntanglerLayers: Weights tensor must be 2-dimensional or 3-dimensional if "
                f"batching; got shape {w.shape}"
            )
        if w.shape[-1] != len(self.wires):
            raise GateError(
                f"BasicEntanglerLayers: Weights tensor must have last dimension of length "
                f"{len(self.wires)}; got {w.shape[-1]}"
            )
        self.weights = w
        self._record()

    def _build(self):
        w, n = self.weights, len(self.wires)
        for layer in range(w.shape[-2]):
            for i in range(n):
                _gate(self.rotation, w[..., layer, i], wires=self.wires[i])
            if n == 2:
                _gate("CNOT", wires=list(self.wires))
            elif n > 2:
                for i in range(n):
                    _gate("CNOT", wires=[self.wires[i], self.wires[(i + 1) % n]])

    @staticmethod
    def shape(n_layers, n_wires):
        """The shape of the weights: ``(n_layers, n_wires)``."""
        return (n_layers, n_wires)


class StronglyEntanglingLayers(Template):
    """PennyLane's ``qml.StronglyEntanglingLayers``: per layer ``l``,
    ``Rot(*weights[l, i])`` on each wire ``i``, then (for 2 or more wires)
    ``imprimitive(wires=[wires[i], wires[(i + r) % n]])`` for each ``i``, with range
    ``r = ranges[l]`` (default ``l % (n - 1) + 1``) and ``imprimitive`` CNOT by default.

    >>> StronglyEntanglingLayers.shape(n_layers=1, n_wires=2)
    (1, 2, 3)
    >>> [op.name for op in StronglyEntanglingLayers(np.zeros((1, 2, 3)), wires=[0, 1]).decomposition()]
    ['Rot', 'Rot', 'CNOT', 'CNOT']
    """

    def __init__(self, weights, wires, ranges=None, imprimitive=None, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        n = len(self.wires)
        w = _array(weights, "StronglyEntanglingLayers weights")
        if w.ndim not in (3, 4):
            raise GateError(
                f"StronglyEntanglingLayers: Weights tensor must be 3-dimensional (4 to broadcast); got shape {w.shape}"
            )
        if w.shape[-2] != n:
            raise GateError(
                f"StronglyEntanglingLayers: Weights tensor must have second dimension of length {n}; "
                f"got {w.shape[-2]}"
            )
        if w.shape[-1] != 3:
            raise GateError(
                f"StronglyEntanglingLayers: Weights tensor must have third dimension of length 3; got {w.shape[-1]}"
            )
        n_layers = w.shape[-3]
        if ranges is None:
            ranges = tuple((l % (n - 1)) + 1 for l in range(n_layers)) if n > 1 else (0,) * n_layers
        else:
            ranges = tuple(int(r) for r in ranges)
            if len(ranges) != n_layers:
                raise GateError(f"StronglyEntanglingLayers: Range sequence must be of length {n_layers}; got {len(ranges)}")
            for r in ranges:
                if n > 1 and r % n == 0:
                    raise GateError(
                        f"StronglyEntanglingLayers: Ranges must not be zero nor divisible by the "
                        f"number of wires; got {r}"
                    )
        if imprimitive is None:
            imprimitive = GATE_CLASSES["CNOT"]
        elif isinstance(imprimitive, str):
            imprimitive = GATE_CLASSES.get(imprimitive)
        if not (isinstance(imprimitive, type) and issubclass(imprimitive, Operation)
                and imprimitive.num_wires == 2 and imprimitive.num_params == 0):
            raise GateError(
                f"StronglyEntanglingLayers: imprimitive must be a two-wire gate without "
                f"parameters such as qml.CNOT or qml.CZ; got {imprimitive!r}"
            )
        self.weights, self.ranges, self.imprimitive = w, ranges, imprimitive
        self._record()

    def _build(self):
        w, n = self.weights, len(self.wires)
        for layer in range(w.shape[-3]):
            for i in range(n):
                _gate("Rot", w[..., layer, i, 0], w[..., layer, i, 1], w[..., layer, i, 2],
                      wires=self.wires[i])
            if n > 1:
                for i in range(n):
                    self.imprimitive(
                        wires=[self.wires[i], self.wires[(i + self.ranges[layer]) % n]]
                    )

    @staticmethod
    def shape(n_layers, n_wires):
        """The shape of the weights: ``(n_layers, n_wires, 3)``."""
        return (n_layers, n_wires, 3)


class SimplifiedTwoDesign(Template):
    """PennyLane's ``qml.SimplifiedTwoDesign``: ``RY(initial_layer_weights[i])`` on each
    wire, then per layer a CZ on each even pair ``(0, 1), (2, 3), ...`` followed by two RY,
    and the same on the odd pairs ``(1, 2), (3, 4), ...``.

    >>> SimplifiedTwoDesign.shape(n_layers=2, n_wires=3)
    [(3,), (2, 2, 2)]
    """

    def __init__(self, initial_layer_weights, weights, wires, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        n = len(self.wires)
        w0 = _array(initial_layer_weights, "SimplifiedTwoDesign initial_layer_weights")
        w = _array(weights, "SimplifiedTwoDesign weights")
        if w0.shape != (n,):
            raise GateError(f"SimplifiedTwoDesign: Initial layer weights must be of shape {(n,)}; got {w0.shape}")
        if n > 1 and (w.ndim != 3 or w.shape[1:] != (n - 1, 2)):
            which = ("" if w.ndim != 3 else  # (PennyLane's words for the dimension that is off)
                     f"have second dimension of length {n - 1}; got {w.shape[1]}: it must "
                     if w.shape[1] != n - 1 else
                     f"have third dimension of length 2; got {w.shape[2]}: it must ")
            raise GateError(f"SimplifiedTwoDesign: Weights tensor must {which}be of shape "
                            f"(n_layers, {n - 1}, 2); got {w.shape}")
        self.initial_layer_weights, self.weights = w0, w
        self._record()

    def _build(self):
        wires, n = self.wires, len(self.wires)
        for i in range(n):
            _gate("RY", self.initial_layer_weights[i], wires=wires[i])
        if n == 1:
            return
        for layer in range(self.weights.shape[0]):
            even = [wires[i : i + 2] for i in range(0, n - 1, 2)]
            for i, pair in enumerate(even):
                _gate("CZ", wires=list(pair))
                _gate("RY", self.weights[layer, i, 0], wires=pair[0])
                _gate("RY", self.weights[layer, i, 1], wires=pair[1])
            odd = [wires[i : i + 2] for i in range(1, n - 1, 2)]
            for i, pair in enumerate(odd):
                _gate("CZ", wires=list(pair))
                _gate("RY", self.weights[layer, n // 2 + i, 0], wires=pair[0])
                _gate("RY", self.weights[layer, n // 2 + i, 1], wires=pair[1])

    @staticmethod
    def shape(n_layers, n_wires):
        """The shapes of the two weight arrays: ``[(n_wires,), (n_layers, n_wires - 1, 2)]``."""
        if n_wires == 1:
            return [(n_wires,), (n_layers,)]
        return [(n_wires,), (n_layers, n_wires - 1, 2)]


class QFT(Template):
    """PennyLane's ``qml.QFT``: the quantum Fourier transform on ``wires`` (the first wire
    most significant), as ``Hadamard`` and ``ControlledPhaseShift(pi / 2**k)`` gates,
    then SWAPs reversing the wires.

    >>> [op.name for op in QFT(wires=[0, 1]).decomposition()]
    ['Hadamard', 'ControlledPhaseShift', 'Hadamard', 'SWAP']
    """

    has_matrix = True  # PennyLane's: a matrix of its own

    def device_applies(self) -> bool:
        """``default.qubit`` applies a QFT of fewer than 6 wires as its matrix."""
        return len(self.wires) < 6

    def __init__(self, wires, id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        self._record()

    @staticmethod
    def compute_matrix(n_wires) -> np.ndarray:
        """The QFT's matrix on ``n_wires`` wires: ``exp(2 pi i j k / 2^n) / sqrt(2^n)``.

        >>> np.allclose(QFT.compute_matrix(2), np.exp(2j * np.pi * np.outer(range(4), range(4)) / 4) / 2)
        True
        """
        with recording(Tape()):
            return QFT(wires=range(n_wires)).matrix()

    def gate_count(self) -> int:
        """Its ``n`` Hadamards, ``n(n-1)/2`` phases and ``n//2`` SWAPs."""
        return _fourier_count(len(self.wires), len(self.wires) - 1)

    def _build(self):
        _fourier_gates(self.wires, len(self.wires) - 1)


def _fourier_count(n: int, order: int) -> int:
    """The gates :func:`_fourier_gates` writes: ``sum over m < n of min(m, order)`` phases."""
    order = max(0, min(order, n - 1))
    phases = order * (order + 1) // 2 + (n - 1 - order) * order if n else 0
    return n + phases + n // 2


def _fourier_gates(w: tuple, order: int) -> None:
    """The (approximate) QFT's gates: after each ``Hadamard``, at most ``order``
    ``ControlledPhaseShift(pi / 2**k)`` from the next wires, then SWAPs reversing the wires."""
    n = len(w)
    for i in range(n):
        _gate("Hadamard", wires=w[i])
        for j in range(i + 1, min(n, i + 1 + order)):
            # pi / 2**k exactly (a power of two), 0.0 past the floats' range as PennyLane's
            # 2**-k (np.pi / 2**k of an int 2**k past 1024 wires was an OverflowError)
            _gate("ControlledPhaseShift", math.ldexp(np.pi, i - j), wires=[w[j], w[i]])
    for i in range(n // 2):
        _gate("SWAP", wires=[w[i], w[n - i - 1]])


class AQFT(Template):
    """PennyLane's ``qml.AQFT(order, wires)``: the approximate quantum Fourier transform,
    :class:`QFT` with at most ``order`` ``ControlledPhaseShift`` gates after each
    ``Hadamard`` (the largest angles, ``pi/2``, ``pi/4``, ...), then the SWAPs. An ``order``
    of ``len(wires) - 1`` or more is the QFT (PennyLane warns and uses that order); a float
    is rounded with a warning; ``order=0`` warns that only Hadamards (and SWAPs) apply.

    >>> [op.name for op in AQFT(order=1, wires=[0, 1, 2]).decomposition()]
    ['Hadamard', 'ControlledPhaseShift', 'Hadamard', 'ControlledPhaseShift', 'Hadamard', 'SWAP']
    """

    num_params = 0  # PennyLane's: no data (the order is a hyperparameter)

    def label_data(self) -> tuple:
        """No data in PennyLane (the order is a hyperparameter)."""
        return ()

    def __init__(self, order, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        if not isinstance(order, numbers.Integral):
            warnings.warn(f"The order must be an integer. Using order = {round(order)}.")
            order = round(order)
        if order >= n - 1:
            warnings.warn(f"The order ({order}) is >= to the number of wires - 1 ({n - 1}). "
                          "Using the QFT class is recommended in this case.")
            order = n - 1
        if order < 0:
            raise GateError("Order can not be less than 0")
        if order == 0:
            warnings.warn("order=0, applying Hadamard transform")
        self.order = int(order)
        self._hyperparameters = {"order": self.order}
        self._record()

    @property
    def parameters(self) -> list:
        """None: the order is a hyperparameter (PennyLane's ``data`` is empty).

        >>> AQFT(1, wires=[0, 1, 2]).data
        ()
        """
        return []

    @staticmethod
    def compute_decomposition(wires, order) -> list:
        """PennyLane's ``AQFT.compute_decomposition(wires, order)``: the gates, recorded
        where it is called.

        >>> AQFT.compute_decomposition([0, 1, 2], order=1)[1]
        ControlledPhaseShift(1.5707963267948966, wires=Wires([1, 0]))
        """
        return Template.compute_decomposition.__func__(AQFT, order=order, wires=wires)

    def gate_count(self) -> int:
        return _fourier_count(len(self.wires), self.order)

    def _build(self):
        _fourier_gates(self.wires, self.order)


def _flip_sign_gates(template, bits: list, wires: tuple) -> None:
    """``I - 2 |bits><bits|``: the last wire's Z, controlled by the others being ``bits``
    (``X`` around it where its own bit is 0), as PennyLane's ``FlipSign`` decomposes: the
    controlled Z is ``qml.ctrl``'s (qsym._opmath: ``CZ``, ``CCZ`` or a ``Controlled``), one
    entry of the decomposition."""
    target = wires[-1]
    if bits[-1] == 0:
        _gate("PauliX", wires=target)
    controls, values = list(wires[:-1]), list(bits[:-1])
    if len(wires) == 1:
        _gate("PauliZ", wires=target)
    elif len(controls) <= 2:
        template._one_entry(lambda: METHODS["ctrl"](
            _gate("PauliZ", wires=target), control=controls, control_values=values))
    else:  # (qml.ctrl of Z on 3+ controls writes its 2^n x 2^n matrix: applied as H MCX H)
        def controlled_z():
            with not_recording():
                z = _gate("PauliZ", wires=target)
            gates = [_gate("Hadamard", wires=target),
                     _gate("MultiControlledX", wires=list(wires), control_values=tuple(values)),
                     _gate("Hadamard", wires=target)]
            made = METHODS["controlled_op"](z, gates, controls, values)
            for g in gates:  # drawn as PennyLane's controlled Z (level="device")
                add_draw_group(g, BoxKey(made), made, wires, controls, values)
            return made

        template._one_entry(controlled_z)
    if bits[-1] == 0:
        _gate("PauliX", wires=target)


def bit_map_matrix(num_wires: int, bit_map) -> np.ndarray:
    """The permutation matrix of a reversible classical map of ``num_wires`` bits (first wire
    most significant): column ``n`` has its 1 in row ``bit_map(bits of n)``.

    >>> bit_map_matrix(2, lambda a, b: (a, a ^ b)).astype(int).tolist()  # CNOT
    [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
    """
    m = np.zeros((2 ** num_wires,) * 2)
    for n in range(2 ** num_wires):
        out = bit_map(*(int(b) for b in format(n, f"0{num_wires}b")))
        m[int("".join(str(int(b)) for b in out), 2), n] = 1.0
    return m


class QubitSum(Template):
    """PennyLane's ``qml.QubitSum(wires)``: ``|a, b, c> -> |a, b, a XOR b XOR c>``, applied
    as PennyLane decomposes it, ``CNOT(wires[1], wires[2])`` then ``CNOT(wires[0], wires[2])``.

    >>> QubitSum(wires=[0, 1, 2]).decomposition()
    [CNOT(wires=[1, 2]), CNOT(wires=[0, 2])]
    """

    num_wires = 3  # PennyLane's
    has_adjoint = True  # PennyLane's: its own inverse

    def __init__(self, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        if len(self.wires) != 3:
            raise WireError(f"QubitSum acts on 3 wires, got {len(self.wires)}")
        self._record()

    def adjoint(self) -> "QubitSum":
        """Itself again (PennyLane's: the sum is its own inverse).

        >>> QubitSum(wires=[0, 1, 2]).adjoint()
        QubitSum(wires=[0, 1, 2])
        """
        return QubitSum(wires=list(self.wires))

    has_matrix = True

    def _build(self):
        w = self.wires
        _gate("CNOT", wires=[w[1], w[2]])
        _gate("CNOT", wires=[w[0], w[2]])

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``Σ`` (PennyLane's label)."""
        return base_label or "Σ"

    @staticmethod
    def compute_matrix(**kwargs) -> np.ndarray:
        """The 8x8 permutation ``|a, b, c> -> |a, b, a XOR b XOR c>`` (PennyLane's
        ``QubitSum.compute_matrix()``).

        >>> int(QubitSum.compute_matrix()[3, 2])  # |010> -> |011>
        1
        """
        return bit_map_matrix(3, lambda a, b, c: (a, b, a ^ b ^ c))


class QubitCarry(Template):
    """PennyLane's ``qml.QubitCarry(wires)``: ``|a, b, c, d> -> |a, b, b XOR c,
    d XOR (b AND c) XOR (a AND (b XOR c))>``, applied as PennyLane decomposes it: a Toffoli,
    a CNOT, a Toffoli.

    >>> [g.name for g in QubitCarry(wires=[0, 1, 2, 3]).decomposition()]
    ['Toffoli', 'CNOT', 'Toffoli']
    """

    num_wires = 4  # PennyLane's

    def __init__(self, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        if len(self.wires) != 4:
            raise WireError(f"QubitCarry acts on 4 wires, got {len(self.wires)}")
        self._record()

    has_matrix = True

    def _build(self):
        w = self.wires
        _gate("Toffoli", wires=list(w[1:]))
        _gate("CNOT", wires=[w[1], w[2]])
        _gate("Toffoli", wires=[w[0], w[2], w[3]])

    @staticmethod
    def compute_matrix(**kwargs) -> np.ndarray:
        """The 16x16 permutation ``|a, b, c, d> -> |a, b, b XOR c, d XOR (b AND c) XOR
        (a AND (b XOR c))>`` (PennyLane's ``QubitCarry.compute_matrix()``).

        >>> int(QubitCarry.compute_matrix()[6, 4])  # |0100> -> |0110>
        1
        """
        return bit_map_matrix(4, lambda a, b, c, d: (a, b, b ^ c, d ^ (b & c) ^ (a & (b ^ c))))


def _comparator_args(value, wires, the: str = "") -> tuple:
    """IntegerComparator's checks, PennyLane's messages (ValueErrors): the value an int,
    wires given, at least two."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise GateError(f"The compared value must be an int. Got {type(value)}.")
    if wires is None:
        raise WireError(f"Must specify {the}wires that the operation acts on.")
    wires = wires_tuple(wires)
    if len(wires) < 2:
        raise WireError(f"IntegerComparator: wrong number of wires. {len(wires)} wire(s) "
                        "given. Need at least 2.")
    return int(value), wires


def comparator_flips(value: int, geq: bool, num_controls: int) -> list:
    """The control patterns (bit prefixes, first control first) under which
    ``IntegerComparator`` flips its target: disjoint prefixes whose completions are exactly
    the integers ``n >= value`` (``geq``) or ``n < value``.

    >>> comparator_flips(2, True, 2), comparator_flips(2, False, 2)
    ([(1,)], [(0,)])
    """
    bits = [int(b) for b in format(value, f"0{num_controls}b")] if value < 2 ** num_controls \
        else None
    if bits is None:  # value above every n: all flip (n < value) or none
        return [] if geq else [()]
    if value == 0:  # every n >= 0 (the target's X), none < 0
        return [()] if geq else []
    if geq:  # value's trailing zeros decide nothing: compare up to its last 1
        bits = bits[:len(bits) - bits[::-1].index(1)]
    # n differs from value first at bit i: n > value where value's bit is 0, n < value where 1
    first = [tuple(bits[:i]) + (1 - b,) for i, b in enumerate(bits) if b == (0 if geq else 1)]
    return first + [tuple(bits)] if geq else first


class IntegerComparator(Template):
    """PennyLane's ``qml.IntegerComparator(value, wires, geq=True, work_wires=None)``: flips
    the last wire where the integer of the other wires (first wire most significant) is
    ``>= value`` (``geq=False``: ``< value``); applied as one ``MultiControlledX`` per
    prefix of bits that decides the comparison (:func:`comparator_flips`).

    >>> op = IntegerComparator(2, wires=[0, 1, 2])
    >>> op.label(), op.decomposition()
    ('>=2', [MultiControlledX(wires=[0, 2], control_values=[True])])
    """

    has_adjoint = True  # PennyLane's: adjoint() is itself again

    has_matrix = True
    is_self_inverse = True

    def __init__(self, value, wires, geq=True, work_wires=None, id=None):
        self.value, self.wires = _comparator_args(value, wires)
        self.geq, self.id = bool(geq), id
        self.work_wires = Wires(wires_tuple(work_wires) if work_wires is not None else ())
        if set(self.work_wires) & set(self.wires):
            raise WireError("The work wires must be different from the control and target wires")
        self._record()

    def _build(self):
        w = self.wires
        for prefix in comparator_flips(self.value, self.geq, len(w) - 1):
            if prefix:
                _gate("MultiControlledX", wires=[*w[:len(prefix)], w[-1]],
                      control_values=[bool(b) for b in prefix])
            else:
                _gate("PauliX", wires=w[-1])

    @property
    def parameters(self) -> list:
        """None: the value is a hyperparameter (PennyLane's ``num_params`` 0)."""
        return []

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's: control and target wires, work wires, value, geq."""
        return {"control_wires": Wires(self.wires[:-1]), "target_wires": Wires(self.wires[-1:]),
                "work_wires": self.work_wires, "value": self.value, "geq": self.geq}

    @property
    def control_wires(self) -> Wires:
        return Wires(self.wires[:-1])

    def _flatten(self):
        """PennyLane's: no data; the wires and ``(work_wires, value, geq)``."""
        return (), (Wires(self.wires), (("work_wires", self.work_wires), ("value", self.value),
                                        ("geq", self.geq)))

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(wires=metadata[0], **dict(metadata[1]))

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``>=value`` or ``<value`` (PennyLane's)."""
        return base_label or (f">={self.value}" if self.geq else f"<{self.value}")

    def adjoint(self) -> "IntegerComparator":
        """Itself again (a permutation that is its own inverse)."""
        return IntegerComparator(self.value, self.wires, self.geq, self.work_wires)

    def pow(self, z) -> list:
        """``[]`` for an even integer ``z``, ``[op]`` for an odd one (PennyLane's)."""
        if not float(z).is_integer():
            raise PowUndefinedError(f"IntegerComparator ** {z}: only integer powers")
        return [] if int(z) % 2 == 0 else [self.adjoint()]

    @staticmethod
    def compute_matrix(control_wires=None, value=None, geq=True, **kwargs) -> np.ndarray:
        """The permutation matrix on ``control_wires`` and one target wire (PennyLane's
        ``IntegerComparator.compute_matrix``).

        >>> IntegerComparator.compute_matrix([0], value=1).astype(int).tolist()
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
        """
        if value is None:
            raise GateError("The value to compare to must be specified.")
        if control_wires is None:
            raise WireError("Must specify the control wires.")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise GateError(f"The compared value must be an int. Got {type(value)}.")
        k = len(wires_tuple(control_wires))
        m = np.zeros((2 ** (k + 1),) * 2)
        for n in range(2 ** k):
            flip = n >= value if geq else n < value
            for t in (0, 1):
                m[2 * n + (t ^ flip), 2 * n + t] = 1.0
        return m

    @classmethod
    def compute_decomposition(cls, value, wires=None, geq=True, work_wires=None, **kwargs) -> list:
        """The gates for these arguments (PennyLane's ``compute_decomposition``), recorded
        where it is called."""
        _comparator_args(value, wires, "the ")
        return super().compute_decomposition(value, wires=wires, geq=geq, work_wires=work_wires)


class FlipSign(Template):
    """PennyLane's ``qml.FlipSign(n, wires)``: flips the sign of the basis state ``n`` (an
    int, or a list of bits, one per wire, the first wire most significant):
    ``I - 2 |n><n|``.

    >>> FlipSign([0, 0], wires=[0, 1]).decomposition()
    [X(1), Controlled(Z(1), control_wires=[0], control_values=[False]), X(1)]
    >>> FlipSign([1, 1, 1], wires=[0, 1, 2]).decomposition()
    [CCZ(wires=[0, 1, 2])]
    """

    def label_data(self) -> tuple:
        """No data in PennyLane (the state or permutation is a hyperparameter)."""
        return ()

    def __init__(self, n, wires, id=None):
        if not isinstance(wires, numbers.Integral) and len(wires) == 0:  # ([], (), "")
            raise WireError("FlipSign: At least one valid wire is required.")
        self.wires = wires_tuple(wires)
        self.id = id
        if isinstance(n, numbers.Integral) and not isinstance(n, bool):
            if n < 0:
                raise GateError("FlipSign: The given basis state cannot be a negative integer "
                                "number. Give a state 0 <= n < 2**len(wires), or its bits.")
            if n >= 2 ** len(self.wires):
                raise GateError(f"FlipSign: Cannot encode basis state {n} on "
                                f"{len(self.wires)} wires. Give more wires, or a smaller n.")
            bits = [int(b) for b in format(int(n), f"0{len(self.wires)}b")]
        else:
            bits = [int(b) for b in np.asarray(unwrap(n)).ravel().tolist()]
            if len(bits) != len(self.wires):
                shown = [wires] if isinstance(wires, numbers.Integral) else wires
                raise GateError(f"FlipSign: The basis state {tuple(bits)} and wires {shown} "
                                "must be of equal length. Give one bit per wire.")
            if any(b not in (0, 1) for b in bits):
                raise GateError(f"FlipSign: the state must be one bit (0 or 1) per wire, got "
                                f"{n!r}")
        self.n = tuple(bits)
        self._hyperparameters = {"n": self.n}
        self._record()

    @property
    def parameters(self) -> list:
        """None: the basis state is a hyperparameter (PennyLane's ``data`` is empty).

        >>> FlipSign([1, 0], wires=[0, 1]).data
        ()
        """
        return []

    def __repr__(self):
        """PennyLane's: the bits, then the wires (``FlipSign((0, 1), wires=['a', 'b'])``)."""
        return f"FlipSign({self.n}, wires={list(self.wires)})"

    def _build(self):
        _flip_sign_gates(self, list(self.n), self.wires)


class GroverOperator(Template):
    """PennyLane's ``qml.GroverOperator(wires, work_wires=())``: Grover's diffusion operator
    ``2 |s><s| - I`` (``|s>``: the uniform superposition) on two or more wires, as
    PennyLane decomposes it: Hadamards on all wires but the last, a sign flip of
    ``|0...0>`` (``Z``, ``MultiControlledX`` on the zeros of the other wires with the
    ``work_wires``, ``Z`` on the last wire), the Hadamards again and a global phase of pi.

    >>> [op.name for op in GroverOperator(wires=[0, 1]).decomposition()]
    ['Hadamard', 'PauliZ', 'MultiControlledX', 'PauliZ', 'Hadamard', 'GlobalPhase']
    """

    has_matrix = True  # PennyLane's: a matrix of its own
    resource_keys = frozenset({"num_wires", "num_work_wires"})  # PennyLane's

    def device_applies(self) -> bool:
        """``default.qubit`` applies a Grover operator of fewer than 13 wires as its matrix."""
        return len(self.wires) < 13

    def __init__(self, wires=None, work_wires=(), id=None):
        self.wires = wires_tuple(wires)
        self.id = id
        self.work_wires = Wires(() if work_wires is None else wires_tuple(work_wires))
        if len(self.wires) < 2:
            raise WireError("GroverOperator must have at least two wires provided (it "
                            f"reflects about the uniform superposition of them); got "
                            f"{list(self.wires)}")
        self._hyperparameters = {"n_wires": len(self.wires), "work_wires": self.work_wires}
        self._record()

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the numbers of wires and of work wires.

        >>> GroverOperator(wires=[0, 1, 2], work_wires=[3]).resource_params
        {'num_wires': 3, 'num_work_wires': 1}
        """
        return {"num_wires": len(self.wires), "num_work_wires": len(self.work_wires)}

    def __repr__(self):
        """PennyLane's: ``GroverOperator(wires=[0, 1, 2], work_wires=[3, 4])``."""
        return f"GroverOperator(wires={list(self.wires)}, work_wires={list(self.work_wires)})"

    @staticmethod
    def compute_matrix(n_wires, work_wires=None) -> np.ndarray:
        """``2 |s><s| - I`` on ``n_wires`` wires.

        >>> (GroverOperator.compute_matrix(2).real.round(12) + 0.0) * 2
        array([[-1.,  1.,  1.,  1.],
               [ 1., -1.,  1.,  1.],
               [ 1.,  1., -1.,  1.],
               [ 1.,  1.,  1., -1.]])
        """
        with recording(Tape()):
            return GroverOperator(wires=range(n_wires)).matrix()

    def _build(self):
        *rest, last = self.wires
        for w in rest:
            _gate("Hadamard", wires=w)
        _gate("PauliZ", wires=last)
        _gate("MultiControlledX", wires=list(self.wires), control_values=(0,) * len(rest),
              work_wires=list(self.work_wires))
        _gate("PauliZ", wires=last)
        for w in rest:
            _gate("Hadamard", wires=w)
        _gate("GlobalPhase", sp.pi, wires=list(self.wires))


class MottonenStatePreparation(StatePrep):
    """PennyLane's ``qml.MottonenStatePreparation(state_vector, wires)``: a normalized state
    vector prepared by RY rotations and CNOTs (:class:`StatePrep`).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def prepared():
    ...     qml.MottonenStatePreparation([0.6, 0.8], wires=0)
    ...     return qml.probs(wires=0)
    >>> prepared()  # |0.6|^2, |0.8|^2
    array([0.36, 0.64])
    """

    _box = None  # PennyLane's generic label: MottonenStatePreparation(M0)
    _texts = {"ndim": "state_vector must be one-dimensional, or two-dimensional if "
                      "broadcasted; has shape {shape}.",
              "length": "state_vector must have a last axis of size {dim} for {n} wires; "
                        "got {got}.",
              "norm": "state_vector has to be of norm 1.0, got norm(s) {norm}: normalize it "
                      "first"}

    _device_prepares = False  # PennyLane's: an operation, decomposed by the device
    resource_keys = frozenset({"num_wires"})  # PennyLane's

    @property
    def resource_params(self) -> dict:
        """PennyLane's ``resource_params``: the number of wires.

        >>> MottonenStatePreparation([0, 0, 0, 1], wires=(0, 1)).resource_params
        {'num_wires': 2}
        """
        return {"num_wires": len(self.wires)}

    def device_applies(self) -> bool:
        """Decomposed by ``default.qubit`` (not one of its state preparations)."""
        return False

    def _by_mottonen(self, rows) -> bool:
        """States of numbers (a batch too, complex ones too): PennyLane's decomposition,
        :func:`mottonen_gates` (``RY`` cascade, then ``RZ`` cascade and ``GlobalPhase``
        for a state with phases); states of circuit inputs: the ``RY`` tree of
        :class:`StatePrep` (real, differentiable)."""
        return choice(not any(u is None and _symbolic(np.asarray(values, dtype=object))
                              for u, values in rows))  # (a replay on numbers: as traced)

    def __init__(self, state_vector, wires, id=None):
        if holds_box(state_vector):  # autograd's values (a complex state differentiated)
            self._init_boxed(state_vector, wires, id)
            return
        super().__init__(state_vector, wires, id=id)

    def _init_boxed(self, state_vector, wires, id) -> None:
        """A state vector of autograd's values (``qml.grad`` of a QNode by a complex
        state: the circuit function runs on them, its tape is differentiated): PennyLane's
        Möttönen gates with autograd angles (:func:`mottonen_gates_boxed`)."""
        import autograd.numpy as anp

        self.wires, self.id = wires_tuple(wires), id
        self.is_sparse, self._sparse = False, None
        psi = anp.array(state_vector) if isinstance(state_vector, (list, tuple)) else state_vector
        shape, dim = np.shape(getval(psi)), 2 ** len(self.wires)
        if len(shape) != 1 or shape[0] != dim:
            raise GateError(f"{self.name}: a state of autograd's values must be one vector of "
                            f"{dim} amplitudes for {len(self.wires)} wire(s), got shape {shape}")
        norm = float(np.linalg.norm(getval(psi)))
        if not np.isclose(norm, 1.0, atol=1e-10):
            raise GateError(f"{self.name}: " + self._texts["norm"].format(norm=norm))
        self.state = psi
        self._boxed_state = psi
        self._rows = [(None, list(np.asarray(getval(psi))))]
        self._unitary, self._batched, self._mottonen = None, False, None
        self._record()

    def _build(self):
        psi = self.__dict__.get("_boxed_state")
        if psi is None:
            return super()._build()
        mottonen_gates_boxed(psi, self.wires)


def holds_box(x) -> bool:
    """Whether ``x`` (an array, a list) holds autograd's values.

    >>> holds_box([0.6, 0.8])
    False
    """
    if isinstance(x, Box):
        return True
    if isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.dtype == object):
        return any(holds_box(v) for v in (x if isinstance(x, (list, tuple)) else x.ravel()))
    return False


def mottonen_gates_boxed(psi, wires, zeros=None) -> None:
    """:func:`mottonen_gates` of a unit vector of autograd's values: the same ``RY``
    cascade, ``RZ`` cascade and ``GlobalPhase`` with angles written in ``autograd.numpy``
    (their derivatives autograd's). Every rotation is kept, the phases' too where they are
    0 at these numbers (their derivative, by an imaginary part, need not be). ``zeros``
    marks amplitudes that are constant zeros (a padding): their phase and their share of
    an angle are constants, not ``angle(0)`` / ``sqrt(0)``, whose derivatives are NaN."""
    import autograd.numpy as anp

    psi = anp.array(psi) if isinstance(psi, (list, tuple)) else psi
    dim = np.shape(getval(psi))[0]
    zeros = np.zeros(dim, dtype=bool) if zeros is None else np.asarray(zeros, dtype=bool)
    a = anp.abs(anp.where(zeros, 1.0, psi)) * (~zeros)
    omega = anp.where(zeros, 0.0, anp.angle(anp.where(zeros, 1.0, psi)))
    n, rev = len(wires), tuple(wires)[::-1]

    def alpha_y(k):
        half = 2 ** (k - 1)
        blocks = anp.reshape(a, (2 ** (n - k), 2, half)) ** 2
        fixed = np.reshape(zeros, (2 ** (n - k), 2, half))
        num, den = anp.sum(blocks[:, 1, :], axis=-1), anp.sum(blocks, axis=(-2, -1))
        # a block whose second half (or all) is constant zeros: the angle 0, a constant
        const = fixed[:, 1, :].all(axis=-1) | (getval(den) == 0.0)
        ratio = num / anp.where(const, 1.0, den)
        return anp.where(const, 0.0, 2 * anp.arcsin(anp.sqrt(anp.where(const, 0.5, ratio))))

    def alpha_z(k):
        half = 2 ** (k - 1)
        blocks = anp.reshape(omega, (2 ** (n - k), 2, half))
        return anp.sum(blocks[:, 1, :] - blocks[:, 0, :], axis=-1) / half

    def uniform(name, alpha, controls, target):
        rank, size = len(controls), 2 ** len(controls)
        gray = [i ^ (i >> 1) for i in range(size)]
        for i in range(size):
            signs = np.array([(-1) ** bin(p & gray[i]).count("1") for p in range(size)])
            _gate(name, anp.sum(alpha * signs) / size, wires=[target])
            if rank:
                flipped = gray[i] ^ gray[(i + 1) % size]
                _gate("CNOT", wires=[controls[flipped.bit_length() - 1], target])

    for k in range(n, 0, -1):
        uniform("RY", alpha_y(k), rev[k:], rev[k - 1])
    for k in range(n, 0, -1):
        uniform("RZ", alpha_z(k), rev[k:], rev[k - 1])
    _gate("GlobalPhase", -anp.sum(omega) / 2 ** n, wires=list(wires))


def pauli_terms(hamiltonian, what: str) -> list:
    """The ``(letters, wires, coefficient)`` of each Pauli word of ``hamiltonian`` (an
    observable: a gate, a product, a sum), the identity left out, in the order of its
    terms (PennyLane's ``pauli_rep``: equal words merged)."""
    from ._operations import as_observable, mark_used

    mark_used(hamiltonian)
    try:
        obs = as_observable(hamiltonian)
    except Exception as exc:  # noqa: BLE001 - say which template was given what
        raise GateError(
            f"{what}: hamiltonian must be a linear combination of pauli words (a "
            f"qml.Hamiltonian or a Pauli observable), got {hamiltonian!r}"
        ) from exc
    terms = [("".join(p for _, p in word), tuple(w for w, _ in word), c)
             for word, c in obs.terms.items() if word]
    return _with_zero_words(hamiltonian, terms)


def _with_zero_words(hamiltonian, terms: list) -> list:
    """``terms`` with the Pauli words of ``hamiltonian`` whose coefficient is exactly 0
    put back where its ``pauli_rep`` has them (PennyLane keeps them: ``ApproxTimeEvolution``
    of ``[1.0, 0.0]``, ``[X0, Y0]`` applies ``PauliRot(0.0, 'Y')``, so a coefficient that is
    0 on some inputs gives the same gates as on others)."""
    try:
        rep = hamiltonian.pauli_rep
        items = list(rep.items()) if rep is not None else []
    except Exception:  # noqa: BLE001  (no numeric Pauli form: the terms as they are)
        return terms
    zero = [(pw, c) for pw, c in items if len(pw) and isinstance(c, numbers.Number) and c == 0]
    if not zero:
        return terms
    by_word = {frozenset(zip(ws, letters)): (letters, ws, c) for letters, ws, c in terms}
    out = []
    for pw, c in items:
        key = frozenset(pw.items())
        if key in by_word:
            out.append(by_word.pop(key))
        elif len(pw) and isinstance(c, numbers.Number) and c == 0:
            out.append(("".join(pw.values()), tuple(pw.keys()), c))
    return out + list(by_word.values())


def operator_params(op, params, inner, time=None) -> tuple:
    """``(inner operator, time)`` of template ``op`` remade with ``params`` in PennyLane's
    data order: the data of ``inner`` (a Hamiltonian's coefficients, then its operators'
    data), with the time first (``time="first"``), last (``"last"``) or none (None); the
    operator's own data bound through ``bind_new_parameters`` (so a tape's new parameters
    reach the gates, as ``finite_diff`` and ``param_shift`` need).

    >>> import qsym as qml
    >>> op = qml.ApproxTimeEvolution(qml.Hamiltonian([1.0, 0.5], [qml.X(0), qml.Z(0)]), 0.3, 1)
    >>> operator_params(op, [2.0, 0.5, 0.1], op.hamiltonian, time="last")
    (2.0 * X(0) + 0.5 * Z(0), 0.1)
    """
    data = tuple(op.data)
    params = data if params is None else tuple(params)
    if len(params) != len(data):
        raise GateError(f"{op.name} takes {len(data)} parameters (its data), got {len(params)}")
    t = None
    if time == "first":
        t, params = params[0], params[1:]
    elif time == "last":
        t, params = params[-1], params[:-1]
    if not inner.data:
        return inner, t
    return METHODS["bind_new_parameters"](inner, list(params)), t


class ApproxTimeEvolution(Template):
    """PennyLane's ``qml.ApproxTimeEvolution(hamiltonian, time, n)``: the first-order
    Trotter product of ``exp(-i H t)``, ``n`` rounds of ``PauliRot(2 * c * t / n, word)``
    over the Hamiltonian's Pauli words (identity terms are a global phase: left out), in
    PennyLane's order. ``time`` and the coefficients may be circuit arguments.

    >>> import qsym as qml
    >>> H = qml.Hamiltonian([1.0, 0.5], [qml.PauliX(0), qml.PauliZ(0) @ qml.PauliZ(1)])
    >>> ops = qml.ApproxTimeEvolution(H, 0.3, 2).decomposition()  # two rounds of two
    >>> len(ops), ops[0], ops[1]
    (4, PauliRot(0.3, X, wires=[0]), PauliRot(0.15, ZZ, wires=[0, 1]))
    """

    def label_data(self) -> tuple:
        """PennyLane's data: the Hamiltonian's coefficients, then the time."""
        return tuple(self.hamiltonian.terms()[0]) + (self.time,)


    def __init__(self, hamiltonian, time, n, id=None):
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise GateError(
                f"ApproxTimeEvolution: the number of Trotter steps n must be a positive int, "
                f"got {n!r}"
            )
        if getattr(hamiltonian, "pauli_rep", None) is None:  # (PennyLane's check)
            raise GateError(
                "ApproxTimeEvolution: hamiltonian must be a linear combination of pauli words, "
                f"got {type(hamiltonian).__name__} without a Pauli form: write it with "
                "qml.PauliX/Y/Z and qml.Identity terms")
        self.terms = pauli_terms(hamiltonian, "ApproxTimeEvolution")
        self.hamiltonian, self.time, self.n, self.id = hamiltonian, time, int(n), id
        seen = []
        for _, ws, _ in self.terms:
            seen.extend(w for w in ws if w not in seen)
        self.wires = tuple(seen)
        self._record()

    def _flatten(self):
        """PennyLane's: ``((hamiltonian, time), (n,))``.

        >>> import qsym as qml
        >>> H = 2.0 * qml.X(0)
        >>> data, meta = ApproxTimeEvolution(H, 0.1, n=20)._flatten()
        >>> data[0] is H, data[1], meta
        (True, 0.1, (20,))
        """
        return (self.hamiltonian, self.time), (self.n,)

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(data[0], data[1], n=metadata[0])

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the Hamiltonian's data, then the time.

        >>> import qsym as qml
        >>> qml.ApproxTimeEvolution(qml.Hamiltonian([1.0, 0.5], [qml.X(0), qml.Z(0)]), 0.3, 2).data
        (1.0, 0.5, 0.3)
        """
        return [*self.hamiltonian.data, self.time]

    def remake(self, params=None):
        """A copy with ``params`` (the Hamiltonian's data, then the time), made where it is
        called (what ``bind_new_parameters`` and the gradient transforms use).

        >>> import qsym as qml
        >>> op = qml.ApproxTimeEvolution(qml.Hamiltonian([1.0, 0.5], [qml.X(0), qml.Z(0)]), 0.3, 2)
        >>> op.remake([2.0, 0.5, 0.1]).decomposition()[0]
        PauliRot(0.2, X, wires=[0])
        """
        hamiltonian, time = operator_params(self, params, self.hamiltonian, time="last")
        return type(self)(hamiltonian, time, self.n)

    def gate_count(self) -> int:
        return self.n * len(self.terms)

    def _build(self):
        for _ in range(self.n):
            for letters, ws, c in self.terms:
                _gate("PauliRot", 2 * self.time * c / self.n, pauli_word=letters, wires=list(ws))

    @classmethod
    def compute_decomposition(cls, *coeffs_and_time, wires=None, hamiltonian=None, n=1) -> list:
        """PennyLane's signature ``(*coeffs_and_time, wires, hamiltonian, n)`` and rule: one
        round of ``PauliRot(2 t c / n)`` per Pauli word of ``hamiltonian`` that is not the
        identity (``c``: the Hamiltonian's own coefficient, as PennyLane 0.45 reads it; ``t``:
        the last argument), repeated ``n`` times, recorded where it is called.

        >>> import qsym as qml
        >>> H = qml.Hamiltonian([0.1, 0.2], [qml.Z(0) @ qml.Z(1), qml.X(0)])
        >>> ApproxTimeEvolution.compute_decomposition(0.1, 0.2, 0.5, wires=[0, 1],
        ...                                           hamiltonian=H, n=1)
        [PauliRot(0.1, ZZ, wires=[0, 1]), PauliRot(0.2, X, wires=[0])]
        """
        time = coeffs_and_time[-1]
        tape = Tape()
        with recording(tape):
            for letters, ws, c in pauli_terms(hamiltonian, "ApproxTimeEvolution"):
                if letters:
                    _gate("PauliRot", 2 * time * c / n, pauli_word=letters, wires=list(ws))
        ops = list(tape.items) * n
        _apply_entries(ops)
        return ops


def _sum_operands(hamiltonian, what: str) -> list:
    """The terms of a sum of operators as ``(coefficient, operator)`` pairs, in order:
    a ``LinearCombination``'s ``terms()``, a ``Sum``'s operands, an ``SProd`` of a sum
    distributed (PennyLane simplifies it)."""
    from ._operations import LinearCombination, SProd, Sum, mark_used

    mark_used(hamiltonian)
    if isinstance(hamiltonian, LinearCombination):
        coeffs, ops = hamiltonian.terms()
        return [(unwrap(c), o) for c, o in zip(coeffs, ops)]
    if isinstance(hamiltonian, Sum):
        return [(1, o) for o in hamiltonian.operands]
    if isinstance(hamiltonian, SProd) and isinstance(hamiltonian.base, Sum):
        return [(unwrap(hamiltonian.scalar) * c, o)
                for c, o in _sum_operands(hamiltonian.base, what)]
    if isinstance(hamiltonian, (Operation, SProd)):  # one term
        return [(1, hamiltonian)]
    raise GateError(f"{what}: the Hamiltonian must be a sum of Pauli words (qml.Hamiltonian, "
                    f"qml.dot, X(0) + Z(1), ...), got {hamiltonian!r}")


def _word_term(coeff, op, what: str) -> tuple:
    """One term ``coeff * op`` as ``(letters, wires, coefficient)`` of its one Pauli word
    (letters ``""`` for the identity)."""
    from ._operations import as_observable

    try:
        terms = as_observable(op).terms
    except Exception as exc:  # noqa: BLE001 - say which template was given what
        raise GateError(f"{what}: each term must be a Pauli word, got {op!r}") from exc
    if len(terms) != 1:
        raise GateError(f"{what}: each term must be one Pauli word times a number, got {op!r}: "
                        "split it into its words")
    ((word, c),) = terms.items()
    return "".join(p for _, p in word), tuple(w for w, _ in word), coeff * c


def _evolution_gate(x, term, wires) -> None:
    """``exp(-i x c P)`` for the term ``(P, wires, c)``: ``PauliRot(2 x c, P)``; the identity
    is the global phase ``exp(-i x c)``."""
    letters, ws, c = term
    if letters:
        _gate("PauliRot", 2 * x * c, pauli_word=letters, wires=list(ws))
    else:
        _gate("GlobalPhase", x * c, wires=list(wires))


def trotter_sequence(x, order: int, terms: list) -> list:
    """PennyLane's recursive Suzuki-Trotter expression: ``(time, term)`` pairs of
    ``exp(-i time term)`` as a product, the first factor leftmost."""
    if order == 1:
        return [(x, t) for t in terms]
    if order == 2:
        return [(x / 2, t) for t in terms + terms[::-1]]
    s1 = 1 / (4 - 4 ** (1 / (order - 1)))
    part1 = trotter_sequence(s1 * x, order - 2, terms)
    part2 = trotter_sequence((1 - 4 * s1) * x, order - 2, terms)
    return 2 * part1 + part2 + 2 * part1


class TrotterProduct(Template):
    """PennyLane's ``qml.TrotterProduct(hamiltonian, time, n=1, order=1)``: the Suzuki-Trotter
    product approximating ``exp(i H time)`` (PennyLane's sign: the opposite of
    :class:`ApproxTimeEvolution`'s) with ``n`` steps of order ``order`` (1 or an even
    number; PennyLane's recursion), each factor ``exp(i c P s)`` applied as
    ``PauliRot(-2 c s, P)`` (an identity term as a ``GlobalPhase``) and listed in the
    decomposition as PennyLane's entry ``qml.evolve(c P, -s)``. ``time`` and the
    coefficients may be circuit arguments: gradients are exact.

    >>> import qsym as qml
    >>> H = qml.dot([1.0, 0.5], [qml.X(0), qml.Z(0)])
    >>> op = qml.TrotterProduct(H, 0.2, n=1, order=2)
    >>> op.decomposition()
    [Evolution(0.1j PauliX), Evolution(0.1j 0.5 * Z(0)), Evolution(0.1j 0.5 * Z(0)), Evolution(0.1j PauliX)]
    >>> [str(g) for g in op.gates()]
    ['PauliRot(-0.2, X, wires=[0])', 'PauliRot(-0.1, Z, wires=[0])', 'PauliRot(-0.1, Z, wires=[0])', 'PauliRot(-0.2, X, wires=[0])']
    """

    def label_data(self) -> tuple:
        """PennyLane's data: the Hamiltonian's coefficients, then the time."""
        return tuple(self.hamiltonian.terms()[0]) + (self.time,)


    def __init__(self, hamiltonian, time, n=1, order=1, check_hermitian=True, id=None):
        from ._operations import LinearCombination, SProd, Sum

        if not isinstance(order, numbers.Integral) or order <= 0 or (order != 1 and order % 2):
            raise GateError(f"The order of a TrotterProduct must be 1 or a positive even "
                            f"integer, got {order}.")
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise GateError(f"TrotterProduct: the number of steps n must be a positive int, got {n!r}")
        if not isinstance(hamiltonian, (LinearCombination, Sum, SProd)):
            raise ArgumentError(f"The given operator must be a PennyLane ~.Sum or ~.SProd, got "
                                f"{hamiltonian}: write the Hamiltonian as a sum of terms "
                                "(qml.dot, qml.Hamiltonian, X(0) + Z(1)); one term is qml.exp's")
        pairs = _sum_operands(hamiltonian, "TrotterProduct")
        if len(pairs) < 2:
            raise GateError("There should be at least 2 terms in the Hamiltonian. Otherwise use `qml.exp`")
        self.hamiltonian, self.time, self.n, self.order, self.id = hamiltonian, time, int(n), order, id
        self.check_hermitian = check_hermitian
        self.wires = tuple(hamiltonian.wires)
        # PennyLane's entries: exp(i x op) per operand ``op`` of the Hamiltonian
        with not_recording():  # (made aside: not queued)
            self._operands = [o if _is_one(c) else SProd(c, o) for c, o in pairs]
        # what qsym cannot apply (the object exists: its wires, parameters, decomposition)
        self._refusal = None
        try:
            self.terms = [_word_term(c, o, "TrotterProduct") for c, o in pairs]
        except GateError as exc:  # a term that is no Pauli word (RY(1.23, 0), ...)
            self.terms, self._refusal = None, str(exc)
        hermitian = self.terms is not None and all(_real(t[2]) for t in self.terms)
        if check_hermitian and not hermitian:
            raise GateError("One or more of the terms in the Hamiltonian are not verified to be "
                            "Hermitian. Please consider verifying the Hamiltonian manually using "
                            "qml.is_hermitian and provide `check_hermitian=False` to the "
                            "`TrotterProduct` constructor (qsym applies Pauli words with real "
                            "coefficients only).")
        if self._refusal is None and not hermitian:
            self._refusal = (f"TrotterProduct: the Hamiltonian {hamiltonian!r} has complex "
                             "coefficients (not Hermitian, the product is not unitary): qsym "
                             "cannot apply or decompose it; give real coefficients")
        if self._refusal is None and _complex_number(time):
            self._refusal = _IMAGINARY_TROTTER.format(time=time)
        if self._refusal is not None and active_tape() is not None:
            raise GateError(self._refusal)
        self._record()

    @classmethod
    def compute_decomposition(cls, *args, **kwargs) -> list:
        """PennyLane's ``TrotterProduct.compute_decomposition(*op.parameters,
        **op.hyperparameters)``: the time is the last parameter, the Hamiltonian the
        hyperparameter ``base`` (its coefficients come from it); the entries are
        ``qml.evolve`` of its terms, recorded where it is called.

        >>> import qsym as qml
        >>> op = qml.TrotterProduct(qml.X(0) + qml.Z(0), 0.5, order=1)
        >>> op.compute_decomposition(*op.parameters, **op.hyperparameters)
        [Evolution(0.5j PauliZ), Evolution(0.5j PauliX)]
        """
        if "base" not in kwargs or not args:
            raise ArgumentError("TrotterProduct.compute_decomposition takes the parameters "
                                "(the time last) and the hyperparameters (base, n, order): "
                                "compute_decomposition(*op.parameters, **op.hyperparameters)")
        keep = {k: kwargs[k] for k in ("n", "order", "check_hermitian") if k in kwargs}
        return super().compute_decomposition(kwargs["base"], args[-1], **keep)

    def resources(self):
        """PennyLane's ``op.resources()``: the counts of the decomposition's entries (one
        ``Evolution`` per factor) as a :class:`qsym.resource.Resources`, nothing recorded.

        >>> import qsym as qml
        >>> r = qml.TrotterProduct(qml.X(0) + qml.Z(1), 0.5, n=2, order=2).resources()
        >>> r.num_gates, r.gate_types, r.depth
        (8, {'Evolution': 8}, 4)
        """
        from .resource import ops_resources

        with recording(Tape()):
            ops = self.decomposition()
        return ops_resources(ops, len(self.wires))

    def decomposition(self) -> list:
        """PennyLane's decomposition (:meth:`Template.decomposition`); a Hamiltonian qsym
        cannot apply has none in qsym (:class:`qsym.errors.GateError`)."""
        if self._refusal is not None:
            raise GateError(self._refusal)
        if not self._children and self._factors:  # the entries PennyLane lists, made once
            with not_recording():
                self._children = [(start, n, METHODS["evolve"](op, t))
                                  for start, n, op, t in self._factors]
        return super().decomposition()

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the Hamiltonian's coefficients, then the time."""
        return [*self.hamiltonian.data, self.time]

    def remake(self, params=None):
        """A copy with ``params`` (the Hamiltonian's data, then the time), made where it is
        called (what ``bind_new_parameters`` and the gradient transforms use).

        >>> import qsym as qml
        >>> op = qml.TrotterProduct(qml.dot([1.0, 0.5], [qml.X(0), qml.Z(0)]), 0.2)
        >>> op.parameters, op.remake([0.25, 0.1]).parameters  # X + 0.5 * Z: one coefficient
        ([0.5, 0.2], [0.25, 0.1])
        """
        hamiltonian, time = operator_params(self, params, self.hamiltonian, time="last")
        return type(self)(hamiltonian, time, self.n, self.order, self.check_hermitian)

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"n": self.n, "order": self.order, "base": self.hamiltonian,
                "check_hermitian": self.check_hermitian}

    def error(self, method: str = "commutator-bound", fast: bool = True):
        """PennyLane's upper bound on the spectral-norm error ``||exp(iHt) - S_p(t/n)^n||``
        as a ``qml.resource.SpectralNormError``: ``"one-norm-bound"`` (Childs et al. 2021,
        Lemma 6, Eqs. 22-23) or ``"commutator-bound"`` (their Appendix C, Eq. 189); the
        norm of a Pauli sentence is its coefficients' 1-norm (``fast=True``) or its
        matrix's spectral norm (``fast=False``).

        >>> import qsym as qml
        >>> H = qml.dot([1.0, 0.5, -0.25], [qml.X(0), qml.Y(0), qml.Z(0)])
        >>> op = qml.TrotterProduct(H, time=0.01, order=2)
        >>> round(op.error(method="one-norm-bound").error, 15)  # PennyLane's documented numbers
        8.0390625e-06
        >>> round(op.error(method="commutator-bound").error, 15)
        6.166666667e-06
        """
        from .resource import SpectralNormError

        ops = [op.pauli_rep for op in self.hamiltonian.operands]
        t, p, n = float(np.real(unwrap(self.time))), self.order, self.n
        if method == "one-norm-bound":
            return SpectralNormError(trotter_one_norm_error(ops, t, p, n, fast))
        if method == "commutator-bound":
            return SpectralNormError(trotter_commutator_error(ops, t, p, n, fast))
        raise GateError(f"The '{method}' method is not supported for computing the error. Please "
                        "select a valid method for computing the error.")

    def gate_count(self) -> int | None:
        """At least one gate per factor: ``n`` steps of ``2 * 5**(order/2 - 1)`` rounds (one
        at order 1) over the terms."""
        if self._refusal is not None or not self.terms:
            return None
        rounds = 1 if self.order == 1 else 2 * 5 ** (self.order // 2 - 1)
        return self.n * rounds * len(self.terms)

    def _build(self):
        if self._refusal is not None:
            return
        x = -unwrap(self.time) / self.n  # exp(i H t): exp(-i x H) with x = -t
        indexed = list(zip(self.terms, self._operands))
        seq = trotter_sequence(x, self.order, indexed)[::-1]  # applied: last factor first
        tape = active_tape()
        self._factors = []  # (start, length, operator, t): exp(-i t op), an entry when asked
        for _ in range(self.n):
            for t, (term, op) in seq:
                start = len(tape.items)
                _evolution_gate(t, term, self.wires)
                self._factors.append((start, len(tape.items) - start, op, t))


def sentence_norm(sentence, fast: bool) -> float:
    """PennyLane's ``_spectral_norm`` of a Pauli sentence: its coefficients' 1-norm when
    ``fast`` (or for one word), else its matrix's largest singular value.

    >>> import qsym as qml
    >>> sentence_norm((qml.X(0) + qml.Z(0)).pauli_rep, fast=False)  # sqrt(2)
    1.414213562373095...
    """
    values = [abs(complex(c)) for c in dict(sentence).values()]
    if fast or len(values) <= 1:
        return float(sum(values))
    wires = sorted({w for word in dict(sentence) for w in word.wires}, key=str)
    return float(np.linalg.svd(sentence.to_mat(wire_order=wires), compute_uv=False)[0])


def trotter_repetitions(order: int) -> int:
    """The number of first-order stages of an order-``order`` Suzuki formula, ``upsilon``
    (PennyLane's ``_compute_repetitions``).

    >>> [trotter_repetitions(p) for p in (1, 2, 4, 6)]
    [1, 2, 10, 50]
    """
    return 1 if order == 1 else 2 * 5 ** (order // 2 - 1)


def trotter_one_norm_error(terms, t: float, order: int, n: int, fast: bool = True,
                           norm=sentence_norm) -> float:
    """The one-norm bound on a Suzuki-Trotter product's error (Childs et al. 2021, Lemma 6):
    ``(sum_j ||H_j|| t)^(p+1) / ((p+1)! n^p) (upsilon^(p+1) + 1)`` for Pauli sentences
    ``terms`` (other terms with their ``norm(term, fast)``).

    >>> import qsym as qml
    >>> round(trotter_one_norm_error([qml.X(0).pauli_rep, qml.Y(0).pauli_rep], 0.05, 4, 1), 9)
    0.008333417
    """
    total = sum(norm(h, fast) for h in terms)
    c = (total * t) ** (order + 1) / (math.factorial(order + 1) * n**order)
    return c * (trotter_repetitions(order) ** (order + 1) + 1)


def trotter_stages(num_ops: int, order: int, scale: float = 1.0) -> tuple:
    """``(term indices, step sizes)`` of the stages of one Suzuki step of ``num_ops`` terms
    (PennyLane's ``_recursive_flatten``), first to last.

    >>> trotter_stages(2, 2, 8.0)
    ([0, 1, 1, 0], [4.0, 4.0, 4.0, 4.0])
    """
    idx = list(range(num_ops))
    if order == 1:
        return idx, [1 * scale] * num_ops
    if order == 2:
        return idx + idx[::-1], [0.5 * scale] * (2 * num_ops)
    s1 = suzuki_scalar(order)
    i1, c1 = trotter_stages(num_ops, order - 2, s1 * scale)
    i2, c2 = trotter_stages(num_ops, order - 2, (1 - 4 * s1) * scale)
    return 2 * i1 + i2 + 2 * i1, 2 * c1 + c2 + 2 * c1


def merge_stages(idx: list, coeffs: list) -> tuple:
    """Stages with each pair of neighbouring stages of one term merged into one (their step
    sizes added; PennyLane's ``_simplify``: a merged stage is not merged again).

    >>> merge_stages([0, 1, 1, 0], [1.5, -4, 5, 6.5])
    ([0, 1, 0], [1.5, 1, 6.5])
    """
    out_i, out_c, i = [], [], 0
    while i < len(coeffs):
        out_i.append(idx[i])
        out_c.append(coeffs[i])
        if i + 1 < len(coeffs) and idx[i] == idx[i + 1]:
            out_c[-1] += coeffs[i + 1]
            i += 1
        i += 1
    return out_i, out_c


def compositions(parts: int, total: int):
    """Every tuple of ``parts`` non-negative ints summing to ``total``, in PennyLane's order
    (``_generate_combinations``).

    >>> list(compositions(2, 2))
    [(0, 2), (1, 1), (2, 0)]
    """
    if parts == 0:
        return
    if parts == 1:
        yield (total,)
        return
    for i in range(total + 1):
        for rest in compositions(parts - 1, total - i):
            yield (i,) + rest


def trotter_commutator_error(terms, t: float, order: int, n: int, fast: bool = True,
                             norm=sentence_norm) -> float:
    """The commutator bound on a Suzuki-Trotter product's error (Childs et al. 2021,
    Eq. 189): ``2 upsilon t^(p+1) / ((p+1) n^p)`` times the sum over terms ``H_g`` and
    multi-indices ``alpha`` (``|alpha| = p``) of ``||ad_{H_s}^{alpha_s} ... ad_{H_1}^{alpha_1}
    H_g|| / alpha!``, the ``H_k`` the product's stages scaled by their step sizes. The terms
    are Pauli sentences (or operators, with their ``norm(term, fast)``).

    >>> import qsym as qml
    >>> round(trotter_commutator_error([qml.X(0).pauli_rep, qml.Y(0).pauli_rep], 0.05, 2, 10), 12)
    1.3333333e-05
    """
    idx, coeffs = merge_stages(*trotter_stages(len(terms), order))
    total = 0.0
    for h in terms:
        for alpha in compositions(len(coeffs), order):
            nested = h
            for k in range(len(coeffs) - 1, -1, -1):
                stage = coeffs[k] * terms[idx[k]]
                for _ in range(alpha[k]):
                    nested = stage @ nested - nested @ stage
            total += norm(nested, fast) / math.prod(math.factorial(a) for a in alpha)
    return 2 * trotter_repetitions(order) * t ** (order + 1) / ((order + 1) * n**order) * total


_IMAGINARY_TROTTER = ("TrotterProduct with the complex time {time!r} (imaginary-time evolution, "
                      "not unitary) cannot be applied or decomposed by qsym: give a real time")


def _complex_number(t) -> bool:
    """Whether ``t`` is a plain number with a nonzero imaginary part."""
    return isinstance(t, (complex, np.complexfloating)) and complex(t).imag != 0


def _is_one(c) -> bool:
    """Whether ``c`` is the plain number 1 (PennyLane's ``qml.dot`` leaves such a term's
    operator without a scalar)."""
    return isinstance(c, numbers.Number) and not isinstance(c, bool) and c == 1


def _real(c) -> bool:
    if isinstance(c, sp.Basic):
        return c.is_real is not False
    return complex(c).imag == 0


def _trainable(value) -> bool:
    """Whether a coefficient is differentiated: an autograd box, a tensor with
    ``requires_grad``, or a circuit input (a symbolic expression)."""
    if isinstance(value, Box):
        return True
    if isinstance(value, sp.Basic):
        return not value.is_number
    return bool(getattr(value, "requires_grad", False))


class CommutingEvolution(Template):
    """PennyLane's ``qml.CommutingEvolution(hamiltonian, time, frequencies=None,
    shifts=None)``: ``exp(-i H time)`` for a Hamiltonian of commuting Pauli words, applied
    as :class:`ApproxTimeEvolution` with one step, as PennyLane applies it (exact when the
    words commute, which PennyLane assumes and does not check; neither does qsym). qsym
    derives exact shift rules for its ``PauliRot`` gates, so a QNode needs no
    ``frequencies``; given (and the Hamiltonian's coefficients fixed), they make PennyLane's
    ``grad_recipe`` of the time (the shift rule of those frequencies, ``grad_method="A"``),
    which ``qml.gradients.param_shift`` of a tape holding the template uses.

    >>> import qsym as qml
    >>> H = qml.Hamiltonian([1.0, 0.5], [qml.X(0) @ qml.X(1), qml.Z(0) @ qml.Z(1)])
    >>> qml.CommutingEvolution(H, 0.3).decomposition()
    [ApproxTimeEvolution(1.0, 0.5, 0.3, wires=[0, 1])]
    """

    has_adjoint = True  # PennyLane's: adjoint() evolves backwards in time

    grad_method = None  # PennyLane's: "A" with frequencies and a fixed Hamiltonian

    def __init__(self, hamiltonian, time, frequencies=None, shifts=None, id=None):
        if getattr(hamiltonian, "pauli_rep", None) is None:  # PennyLane's check (a TypeError)
            raise ArgumentError(
                "CommutingEvolution: hamiltonian must be a linear combination of pauli words. "
                f"Got {type(hamiltonian).__name__} without a Pauli form: write it with "
                "qml.PauliX/Y/Z and qml.Identity terms")
        pauli_terms(hamiltonian, "CommutingEvolution")  # a sum of Pauli words, else GateError
        self.hamiltonian, self.time, self.id = hamiltonian, time, id
        self.frequencies, self.shifts = frequencies, shifts
        self.wires = tuple(hamiltonian.wires)
        n = len(hamiltonian.data)
        self.grad_recipe = [None] * (n + 1)
        if frequencies is not None and not any(_trainable(c) for c in hamiltonian.data):
            # PennyLane's recipe of the time: the shift rule of the frequencies (qsym's
            # proved rule; the frequencies are the caller's claim, as in PennyLane)
            rule = rules.derive_rule(list(frequencies), None if shifts is None else list(shifts))
            self.grad_recipe = (np.array(rule.numeric()),) + (None,) * n
            self.grad_method = "A"
        self._record()

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the time, then the Hamiltonian's coefficients."""
        return [self.time, *self.hamiltonian.data]

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"hamiltonian": self.hamiltonian, "frequencies": self.frequencies,
                "shifts": self.shifts}

    def _build(self):
        ApproxTimeEvolution(self.hamiltonian, self.time, 1)

    def remake(self, params=None):
        """A copy with ``params`` (the time, then the Hamiltonian's data), made where it is
        called (what ``bind_new_parameters`` and the gradient transforms use).

        >>> import qsym as qml
        >>> op = qml.CommutingEvolution(qml.Hamiltonian([1.0], [qml.X(0) @ qml.X(1)]), 0.3)
        >>> op.remake([0.3, 2.0]).hamiltonian
        2.0 * (X(0) @ X(1))
        """
        hamiltonian, time = operator_params(self, params, self.hamiltonian, time="first")
        return type(self)(hamiltonian, time, self.frequencies, self.shifts)

    def adjoint(self):
        """The evolution backwards in time (PennyLane's ``CommutingEvolution.adjoint``)."""
        return CommutingEvolution(self.hamiltonian, -unwrap(self.time), self.frequencies, self.shifts)


# --- layers and subroutines added for issue #18 ---------------------------------------------
def _weights(x, what: str, shape=None, ndim=None) -> np.ndarray:
    """Template weights as an array, checked against an expected ``shape`` or ``ndim``
    (PennyLane's messages, a :class:`GateError`, which is a ``ValueError`` as PennyLane's)."""
    w = _array(x, what)
    if ndim is not None and w.ndim not in ((ndim,) if isinstance(ndim, int) else ndim):
        raise GateError(f"{what}: Weights tensor must be {ndim}-dimensional; got shape {w.shape}")
    if shape is not None and tuple(w.shape) != tuple(shape):
        raise GateError(f"{what}: Weights tensor must be of shape {tuple(shape)}; got {w.shape}.")
    return w


class Barrier(Template):
    """PennyLane's ``qml.Barrier(wires)``: a marker that applies nothing (it only stops
    PennyLane's compilers from moving gates across it; qsym's results are the same).

    >>> Barrier(wires=[0, 1]).decomposition()
    []
    """

    def __init__(self, wires=(), only_visual=False, id=None):
        self.wires, self.only_visual, self.id = wires_tuple(wires), bool(only_visual), id
        self._record()  # (no gate: Template._record marks where it stands, drawn ``||``)

    def _build(self):
        pass

    def __eq__(self, other):
        """PennyLane's ``==`` (``qml.equal``): a barrier on the same wires, ``only_visual``
        alike.

        >>> Barrier(wires=[0, 1]) == Barrier(wires=[0, 1]), Barrier() == Barrier(wires=[0])
        (True, False)
        """
        return isinstance(other, Barrier) and tuple(other.wires) == tuple(self.wires) \
            and other.only_visual == self.only_visual

    def __hash__(self):
        return hash(("Barrier", tuple(self.wires), self.only_visual))

    hash = property(__hash__)  # PennyLane's op.hash: the same for equal barriers

    def _controlled(self, wire):
        """PennyLane's: a barrier controlled is the same barrier (it applies nothing).

        >>> Barrier(wires=[0, 1])._controlled("a")
        Barrier(wires=[0, 1])
        """
        return copy.copy(self)

    def pow(self, z) -> list:
        """``[Barrier]`` for any ``z`` (PennyLane's: a barrier's power is a barrier).

        >>> Barrier(wires=[0]).pow(0.3)
        [Barrier(wires=[0])]
        """
        return [Barrier(self.wires, self.only_visual)]

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``||`` (PennyLane's), or ``base_label``."""
        return base_label or "||"

    def adjoint(self) -> "Barrier":
        """A barrier again (PennyLane's: it applies nothing)."""
        return Barrier(self.wires, self.only_visual)

    has_matrix = False

    def matrix(self, wire_order=None):
        """PennyLane's ``MatrixUndefinedError`` (``qml.matrix(barrier)`` is the identity, of
        its empty decomposition)."""
        raise MatrixUndefinedError("Barrier has no matrix (PennyLane's MatrixUndefinedError); "
                                   "qml.matrix(op) gives the identity it applies")

    def simplify(self):
        """PennyLane's: an ``only_visual`` barrier is the identity (``Identity`` on its one
        wire, else the product of one per wire); any other barrier is itself.

        >>> Barrier(wires=[0, 1], only_visual=True).simplify()
        I(0) @ I(1)
        """
        if not self.only_visual:
            return self
        ids = [GATE_CLASSES["Identity"](wires=w) for w in self.wires]
        return ids[0] if len(ids) == 1 else Prod(*ids)


class WireCut(Template):
    """PennyLane's ``qml.WireCut(wires)``: the mark of a cut for PennyLane's circuit cutting
    (``qml.cut_circuit``, ``qml.qcut``); like PennyLane's, it applies nothing,
    so a circuit with it gives the uncut circuit's results. Drawn as ``//``.

    >>> WireCut(wires=[0, 1]).decomposition(), WireCut(wires=0).label()
    ([], '//')
    """

    def __init__(self, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        if not self.wires:
            raise WireError("WireCut: wrong number of wires. At least one wire has to be provided.")
        self._record()

    def _build(self):
        pass

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``//`` (PennyLane's), or ``base_label``."""
        return base_label or "//"

    def adjoint(self) -> "WireCut":
        """A cut again (PennyLane's: applying nothing, it is its own inverse)."""
        return WireCut(self.wires)

    has_matrix = False

    def matrix(self, wire_order=None):
        """PennyLane's ``MatrixUndefinedError`` (``qml.matrix(cut)`` is the identity)."""
        raise MatrixUndefinedError("WireCut has no matrix (PennyLane's MatrixUndefinedError); "
                                   "qml.matrix(op) gives the identity it applies")

    def pow(self, z) -> list:
        """``[WireCut]`` for any ``z`` (PennyLane's)."""
        return [WireCut(self.wires)]


class Permute(Template):
    """PennyLane's ``qml.Permute(permutation, wires)``: moves the state of ``wires[i]`` to
    where ``permutation[i]`` names, as PennyLane's SWAPs.

    >>> Permute([2, 0, 1], wires=[0, 1, 2]).decomposition()
    [SWAP(wires=[0, 2]), SWAP(wires=[1, 2])]
    """

    def label_data(self) -> tuple:
        """No data in PennyLane (the state or permutation is a hyperparameter)."""
        return ()

    @property
    def parameters(self) -> list:
        """None: the permutation is a hyperparameter (PennyLane's ``num_params`` 0), however
        it is given (a list of integers is not data).

        >>> Permute([2, 1, 0], (0, 1, 2)).parameters
        []
        """
        return []

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's: ``{"permutation": (...)}``, a tuple.

        >>> Permute([1, 0], wires=[0, 1]).hyperparameters
        {'permutation': (1, 0)}
        """
        return {"permutation": tuple(self.permutation)}

    def map_wires(self, wire_map: dict):
        """A copy on the mapped wires, its permutation's labels mapped too (PennyLane's).

        >>> Permute([1, 0], wires=[0, 1]).map_wires({0: "a", 1: "b"})
        Permute(('b', 'a'), wires=['a', 'b'])
        """
        with recording(Tape()):
            return Permute([wire_map.get(w, w) for w in self.permutation],
                           [wire_map.get(w, w) for w in self.wires])

    def __init__(self, permutation, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        perm = wires_tuple(permutation)
        if len(perm) <= 1 or len(self.wires) <= 1:
            raise WireError("Permutations must involve at least 2 qubits.")
        if len(perm) != len(self.wires):
            raise WireError("Permutation must specify outcome of all wires.")
        if len(set(perm)) != len(perm):
            raise WireError("Values in a permutation must all be unique.")
        present = set(self.wires)
        for label in perm:
            if label not in present:
                raise WireError(f"Cannot permute wire {label} not present in wire set.")
        self.permutation = perm
        self._record()

    def __repr__(self):
        """PennyLane's: the permutation, then the wires (``Permute((2, 1, 0), wires=[0, 1, 2])``)."""
        return f"Permute({tuple(self.permutation)}, wires={list(self.wires)})"

    def _build(self):
        order = list(self.wires)
        at = {label: i for i, label in enumerate(order)}  # (order.index: quadratic)
        for here, label in enumerate(self.permutation):
            if order[here] != label:
                there = at[label]
                _gate("SWAP", wires=[self.wires[here], self.wires[there]])
                order[here], order[there] = order[there], order[here]
                at[order[here]], at[order[there]] = here, there


class RandomLayers(Template):
    """PennyLane's ``qml.RandomLayers(weights, wires, ratio_imprim=0.3, imprimitive=CNOT,
    rotations=(RX, RY, RZ), seed=42)``: per layer, each weight goes to a rotation drawn at
    random on a random wire, with CNOTs between random wires in between (probability
    ``ratio_imprim``). The architecture is drawn with NumPy's ``default_rng(seed)`` exactly
    as PennyLane draws it, so the same seed gives PennyLane's circuit. ``seed=None`` draws
    a new architecture at each trace: qsym traces once, so pass a seed (or a
    ``static_argnames`` seed).

    >>> RandomLayers([[0.1, -2.1, 1.4]], wires=["a", "b"], ratio_imprim=0.3,
    ...              rotations=[GATE_CLASSES["RY"], GATE_CLASSES["RX"]]).decomposition()
    [RX(np.float64(0.1), wires=['a']), RY(np.float64(-2.1), wires=['b']), CNOT(wires=['a', 'b']), RX(np.float64(1.4), wires=['b'])]
    >>> RandomLayers.shape(n_layers=2, n_rotations=3)
    (2, 3)
    """

    _params = ("weights",)

    def __init__(self, weights, wires, ratio_imprim=0.3, imprimitive=None, rotations=None,
                 seed=42, id=None):
        self.wires, self.id = wires_tuple(wires), id
        self.weights = _weights(weights, "RandomLayers", ndim=2)
        self.ratio_imprim, self.seed = ratio_imprim, seed
        if self.weights.shape[1] and not ratio_imprim < 1:  # (PennyLane's loop never ends)
            raise GateError(f"RandomLayers: ratio_imprim must be below 1, got {ratio_imprim!r}: "
                            "at 1 no rotation is ever placed and the layer never ends")
        self.imprimitive = _gate_class(imprimitive or "CNOT", "RandomLayers imprimitive")
        self.rotations = tuple(_gate_class(r, "RandomLayers rotations")
                               for r in (rotations or ("RX", "RY", "RZ")))
        self._hyperparameters = {"ratio_imprim": ratio_imprim, "imprimitive": self.imprimitive,
                                 "rotations": self.rotations, "seed": seed}  # PennyLane's
        self._record()

    def _build(self):
        rng = np.random.default_rng(self.seed)
        w, n = self.weights, len(self.wires)
        for layer in range(w.shape[0]):
            i = 0
            while i < w.shape[1]:
                if rng.random() > self.ratio_imprim:
                    gate = self.rotations[rng.choice(len(self.rotations))]
                    wire = self.wires[rng.choice(n, size=1, replace=False)[0]]
                    gate(w[layer][i], wires=_label_wires(wire))
                    i += 1
                elif n > 1:
                    pair = rng.choice(n, size=2, replace=False)
                    self.imprimitive(wires=[self.wires[int(k)] for k in pair])

    @staticmethod
    def shape(n_layers, n_rotations):
        """The shape of the weights: ``(n_layers, n_rotations)``."""
        return n_layers, n_rotations


def _gate_class(g, what: str):
    """A gate class given as a class (``qml.RX``) or a name (``"RX"``)."""
    cls = GATE_CLASSES.get(g) if isinstance(g, str) else GATE_CLASSES.get(getattr(g, "__name__", None))
    if cls is None:
        raise GateError(f"{what}: {g!r} is not a qsym gate class such as qml.RX or qml.CNOT")
    return cls


def pauli_words_gray(n: int):
    """The Pauli words on ``n`` wires but the identity, in PennyLane's ``ArbitraryUnitary``
    order (a 4-ary Gray code: consecutive words differ in one letter).

    >>> list(pauli_words_gray(1))
    ['X', 'Y', 'Z']
    """
    for code in itertools.islice(n_k_gray_code(4, n), 1, None):
        yield "".join("IXYZ"[c] for c in code)


def n_k_gray_code(n: int, k: int):
    """The ``n``-ary Gray code of ``k`` digits, the first digit changing fastest
    (PennyLane's ``_n_k_gray_code``): consecutive codes differ in one digit.

    >>> list(n_k_gray_code(2, 2))
    [[0, 0], [1, 0], [1, 1], [0, 1]]
    """
    for i in range(n**k):
        digits = [(i // n**j) % n for j in range(k)]
        code, shift = [0] * k, 0
        for j in reversed(range(k)):
            code[j] = (digits[j] + shift) % n
            shift += n - code[j]
        yield code


class ArbitraryUnitary(Template):
    """PennyLane's ``qml.ArbitraryUnitary(weights, wires)``: ``PauliRot(weights[i], word_i)``
    over every Pauli word but the identity (``4**n - 1`` of them, Gray-code order).

    >>> ArbitraryUnitary.shape(1), [op.hyper for op in ArbitraryUnitary([0.1, 0.2, 0.3], wires=0).decomposition()][:1]
    ((3,), [(('pauli_word', 'X'),)])
    """

    _params = ("weights",)

    def __init__(self, weights, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        dim = 4 ** len(self.wires) - 1
        w = _array(weights, "ArbitraryUnitary weights")
        if w.ndim not in (1, 2) or w.shape[-1] != dim:
            raise GateError(f"Weights tensor must be of shape {(dim,)} or (batch_dim, {dim}); got {w.shape}.")
        self.weights = w
        self._record()

    def _build(self):
        for i, word in enumerate(pauli_words_gray(len(self.wires))):
            _gate("PauliRot", self.weights[..., i], pauli_word=word, wires=list(self.wires))

    @staticmethod
    def shape(n_wires):
        """The shape of the weights: ``(4**n_wires - 1,)``."""
        return (4**n_wires - 1,)


# --- SpecialUnitary: exp(i sum_m theta_m P_m), a matrix without a closed form ---------------
_PAULI_1 = {"I": np.eye(2, dtype=complex), "X": np.array([[0, 1], [1, 0]], dtype=complex),
            "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1.0 + 0j, -1.0])}


def pauli_basis_strings(num_wires: int) -> list:
    """PennyLane's ``pauli_basis_strings``: the ``4**n - 1`` Pauli words on ``n`` wires but
    the identity, in lexicographic order of ``"IXYZ"`` (the order of ``SpecialUnitary``'s
    ``theta``).

    >>> pauli_basis_strings(2)[:5]
    ['IX', 'IY', 'IZ', 'XI', 'XX']
    """
    return ["".join(w) for w in itertools.product("IXYZ", repeat=num_wires)][1:]


def _word_matrix(word: str) -> np.ndarray:
    m = np.ones((1, 1), dtype=complex)
    for letter in word:
        m = np.kron(m, _PAULI_1[letter])
    return m


def _basis_tensor(num_wires: int) -> np.ndarray:
    if num_wires < 1:
        raise GateError("Require at least one wire to compute the Pauli basis")
    if num_wires > 7:
        raise GateError(
            "Creating the Pauli basis tensor for more than 7 wires (expect >= 4^8 x 2^8 x 2^8 "
            "complex numbers) is deliberately not supported")
    return np.asarray([_word_matrix(w) for w in pauli_basis_strings(num_wires)])


@functools.lru_cache(maxsize=4)
def _pauli_basis(num_wires: int) -> np.ndarray:
    """The basis tensor, cached for up to 4 wires (16 MB at 4 wires)."""
    out = _basis_tensor(num_wires)
    out.setflags(write=False)
    return out


def pauli_matrices() -> np.ndarray:
    """``I, X, Y, Z`` as one array, shape ``(4, 2, 2)`` (PennyLane's ``_pauli_matrices``).

    >>> pauli_matrices()[3].real
    array([[ 1.,  0.],
           [ 0., -1.]])
    """
    return np.array([_PAULI_1[c] for c in "IXYZ"])


def pauli_basis_matrices(num_wires: int) -> np.ndarray:
    """The matrices of :func:`pauli_basis_strings`, shape ``(4**n - 1, 2**n, 2**n)`` (1 to
    7 wires, as PennyLane's: 7 wires are 4 GB).

    >>> pauli_basis_matrices(1)[2].real
    array([[ 1.,  0.],
           [ 0., -1.]])
    """
    return _pauli_basis(num_wires).copy() if 1 <= num_wires <= 4 else _basis_tensor(num_wires)


def _su_eigen(theta: np.ndarray, num_wires: int):
    """``H = sum_m theta_m P_m`` (Hermitian) diagonalised: eigenvalues, eigenvectors."""
    theta = np.asarray(theta, dtype=float)
    if num_wires <= 4:
        H = np.tensordot(theta, _pauli_basis(num_wires), axes=[[-1], [0]])
    else:  # term by term: no 4^n x 2^n x 2^n tensor
        words = pauli_basis_strings(num_wires)
        H = np.zeros(theta.shape[:-1] + (2**num_wires, 2**num_wires), dtype=complex)
        for m in np.flatnonzero(np.any(theta.reshape(-1, theta.shape[-1]) != 0, axis=0)):
            H = H + theta[..., m, None, None] * _word_matrix(words[m])
    return np.linalg.eigh(H)


def special_unitary_matrix(theta, num_wires: int) -> np.ndarray:
    """``exp(i sum_m theta_m P_m)`` for real ``theta`` (shape ``(4**n - 1,)`` or a batch
    ``(b, 4**n - 1)``), exactly through the eigendecomposition of the Hermitian exponent
    (``numpy.linalg.eigh``).

    >>> special_unitary_matrix([0.3, 0.0, 0.0], 1).round(6) + 0   # exp(0.3 i X)
    array([[0.955336+0.j     , 0.      +0.29552j],
           [0.      +0.29552j, 0.955336+0.j     ]])
    """
    lam, V = _su_eigen(theta, num_wires)
    return (V * np.exp(1j * lam)[..., None, :]) @ np.conj(np.swapaxes(V, -1, -2))


def special_unitary_generators(theta, num_wires: int):
    """``(U, omega)``: ``U = exp(i sum_m theta_m P_m)`` and the real coefficients of its
    *effective generators*: ``U^dagger dU/dtheta_l = i sum_m omega[l, m] P_m`` (PennyLane's
    ``SpecialUnitary.get_one_parameter_generators``, divided by ``i``). The derivative is
    the exact Fréchet derivative of the exponential of a Hermitian matrix (Daleckii-Krein:
    ``V (G * V^dagger (i P_l) V) V^dagger``, ``G_ab = e^{i(a+b)/2} sinc((a-b)/2)`` over the
    eigenvalues, stable where they are equal).

    >>> U, omega = special_unitary_generators([0.3, 0.0, 0.0], 1)
    >>> omega.round(6) + 0   # theta_X's generator is X; Y's and Z's turn about X
    array([[ 1.      ,  0.      ,  0.      ],
           [ 0.      ,  0.941071,  0.291107],
           [ 0.      , -0.291107,  0.941071]])
    """
    if num_wires > 4:
        raise GateError(
            f"SpecialUnitary on {num_wires} wires with circuit inputs: its effective generators "
            "need a 4^n x 2^n x 2^n tensor; qsym differentiates it on up to 4 wires")
    lam, V = _su_eigen(theta, num_wires)
    basis = _pauli_basis(num_wires)
    half = (lam[:, None] - lam[None, :]) / 2
    G = np.exp(0.5j * (lam[:, None] + lam[None, :])) * np.sinc(half / np.pi)
    Vh = V.conj().T
    inner = np.einsum("ai,lij,jb->lab", Vh, 1j * basis, V)  # V^dagger (i P_l) V
    dU = np.einsum("ia,lab,bj->lij", V, G * inner, Vh)
    U = (V * np.exp(1j * lam)) @ Vh
    omega_mats = np.einsum("ij,ljk->lik", U.conj().T, dU)  # U^dagger dU/dtheta_l
    # coefficients in the Pauli basis: tr(P_m Omega_l) / (i 2^n), real (Omega is anti-Hermitian)
    omega = np.einsum("mji,lij->lm", basis, omega_mats) / (1j * 2**num_wires)
    return U, omega.real


class SpecialUnitary(Template):
    """PennyLane's ``qml.SpecialUnitary(theta, wires)``: ``exp(i sum_m theta_m P_m)`` over the
    ``4**n - 1`` Pauli words ``P_m`` of :func:`pauli_basis_strings` (lexicographic order).

    Its matrix has no closed form in ``theta`` (the words do not commute), so no fixed
    shift rule holds for it. With numbers it is the ``QubitUnitary`` of its matrix. With
    circuit inputs in ``theta`` the QNode traces at every call (its per-call mode) and the
    gate is, as PennyLane's decomposition: ``PauliRot(phi_m, P_m)`` for each Pauli word, then
    ``QubitUnitary(U(theta0))`` at the call's numbers ``theta0``, where
    ``phi_m = -2 sum_l omega[l, m] (theta_l - theta0_l)`` is zero at the call
    (:func:`special_unitary_generators`). The value is exact and so is every first
    derivative (the rotations' proved two-term rules times the effective generators'
    coefficients); second derivatives of this form are not those of ``U`` and are refused
    (``DifferentiationError``). Each call traces again, but ``theta0`` and the coefficients
    are runtime data (:meth:`qsym._trace.Looks.constant`): every ``theta`` shares one
    structure and one compiled module.

    >>> op = SpecialUnitary([0.3, 0.0, 0.0], wires=0)
    >>> np.allclose(op.matrix(), GATE_CLASSES["RX"](-0.6, wires=0).matrix())
    True
    >>> op.decomposition()[0].name
    'QubitUnitary'
    """

    has_adjoint = True  # PennyLane's: adjoint() is SpecialUnitary(-theta)

    def device_applies(self) -> bool:
        """``default.qubit`` applies it as a matrix."""
        return True

    _params = ("theta",)
    grad_method = "A"

    def __init__(self, theta, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        dim = 4**n - 1
        th = _array(theta, "SpecialUnitary theta")
        if th.ndim not in (1, 2):
            raise GateError(
                "Expected the parameters to have one or two dimensions without or with "
                f"broadcasting, respectively. The parameters have shape {th.shape}")
        if th.shape[-1] != dim:
            raise GateError(
                f"Expected the parameters to have shape ({dim},) or (batch_size, {dim}). "
                f"The parameters have shape {th.shape}")
        self.theta = th
        self.hyperparameters = {"num_wires": n}
        if th.ndim == 2 and active_tape() is not None:
            # a batch outside circuits: its matrices, its decomposition (a batched QubitUnitary)
            raise GateError("SpecialUnitary with a batch of parameters (broadcasting) "
                            "is not supported in a circuit: call the QNode once per "
                            "parameter set")
        self._record()

    @property
    def num_wires(self) -> int:
        return len(self.wires)

    @staticmethod
    def compute_matrix(theta, num_wires):
        """PennyLane's ``SpecialUnitary.compute_matrix(theta, num_wires)``: the matrix of
        :func:`special_unitary_matrix`, batched over a leading axis of ``theta``.

        >>> SpecialUnitary.compute_matrix([0.0, 0.0, 0.2], 1).diagonal().round(6)
        array([0.980067+0.198669j, 0.980067-0.198669j])
        """
        return special_unitary_matrix(np.asarray(unwrap(theta), dtype=float), num_wires)

    def matrix(self, wire_order=None) -> np.ndarray:
        """The matrix on ``wire_order`` (default: its wires), at numeric ``theta``."""
        if _symbolic(np.asarray(self.theta, dtype=object)):
            raise GateError("SpecialUnitary.matrix() needs numbers for theta; it holds "
                            "circuit inputs here (call it outside the circuit)")
        if self.theta.ndim == 2:
            if wire_order is not None and order_list(wire_order) != list(self.wires):
                raise GateError("SpecialUnitary.matrix(wire_order=...) of a broadcast theta: "
                                "not supported; take the matrix on the gate's wires")
            return self.compute_matrix(self.theta, self.num_wires)
        return super().matrix(wire_order)

    def _build(self):
        th, n, wires = self.theta, self.num_wires, list(self.wires)
        looks = known()
        if any(isinstance(v, Box) for v in np.asarray(th, dtype=object).ravel()):
            raise DifferentiationError(
                "qml.SpecialUnitary of a differentiated argument is not differentiated on a "
                "tape (diff_method='spsa', gradient_kwargs={'argnum': ...}, a gradient "
                "transform of the QNode): autograd has no derivative of its matrix exponential "
                "(PennyLane raises NotImplementedError there); use diff_method='best', "
                "'parameter-shift' or 'adjoint', which differentiate it exactly")
        if not _symbolic(th) and looks is None:
            _gate("QubitUnitary", self.compute_matrix(np.asarray(th, dtype=float), n), wires=wires)
            return
        syms = set().union(*[e.free_symbols for e in th if isinstance(e, sp.Basic)])
        if looks is None:  # traced once: the matrix needs the numbers; the QNode switches
            err = TracingError(
                "qml.SpecialUnitary needs the values of the traced input(s) "
                f"{', '.join(sorted(map(str, syms)))} (its matrix has no closed form): the "
                "QNode traces it at every call (trace='per-call'; trace='once' refuses it)")
            err.symbols = frozenset(syms)
            raise err
        # a per-call trace (or its replay on the numbers: the same gates, rotations by 0)
        what = "qml.SpecialUnitary (exact first derivatives only)"
        theta0 = np.array([float(looks.number(e, what, decides=True)) for e in th])
        for sym in syms:
            looks.first_order.setdefault(sym, what)
        U, omega = special_unitary_generators(theta0, n)
        moving = [i for i, e in enumerate(th) if isinstance(e, sp.Basic) and e.free_symbols]
        coeff = -2 * omega[moving]  # phi_m = sum_l coeff[l, m] (theta_l - theta0_l)
        # theta0 and the coefficients are this call's numbers: runtime data (looks.constant),
        # so every theta gives the same structure and one compiled module serves them all
        at = [looks.constant(theta0[l]) for l in moving]
        for m, word in enumerate(pauli_basis_strings(n)):
            phi = sp.Add(*[looks.constant(coeff[i, m]) * (th[l] - at[i])
                           for i, l in enumerate(moving)]) if moving else 0.0
            _gate("PauliRot", phi, pauli_word=word, wires=wires)
        _gate("QubitUnitary", U, wires=wires)

    def adjoint(self) -> "SpecialUnitary":
        """The inverse, ``SpecialUnitary(-theta, wires)`` (PennyLane's ``adjoint()``).

        >>> SpecialUnitary([0.1, 0.2, 0.3], wires=0).adjoint().theta
        array([-0.1, -0.2, -0.3])
        """
        return SpecialUnitary(-self.theta, wires=list(self.wires))

    def _generator_coefficients(self, interface) -> np.ndarray:
        """``omega[l, m]`` of :func:`special_unitary_generators` at this gate's numbers,
        after PennyLane's checks (broadcasting first, then the interface)."""
        if np.ndim(self.theta) > 1:
            raise ValueError("Broadcasting is not supported.")
        if interface == "autograd":
            raise NotImplementedError(
                "The matrix exponential expm is not differentiable in Autograd. qsym computes "
                "the generators exactly (eigen-decomposition): pass interface=None")
        if interface not in (None, "numpy"):
            raise ValueError(f"The interface {interface} is not supported. qsym computes the "
                             "generators exactly without an autodiff framework: pass "
                             "interface=None (or 'numpy')")
        if _symbolic(np.asarray(self.theta, dtype=object)):
            raise GateError("SpecialUnitary's one-parameter generators need numbers for theta; "
                            "it holds circuit inputs here (call it outside the circuit)")
        return special_unitary_generators(np.asarray(self.theta, dtype=float),
                                          self.num_wires)[1]

    def get_one_parameter_generators(self, interface=None) -> np.ndarray:
        """PennyLane's ``get_one_parameter_generators``: ``Omega_l = U^dagger dU/dtheta_l``
        for each of the ``4**n - 1`` parameters, shape ``(4**n - 1, 2**n, 2**n)``
        (skew-Hermitian), exact (:func:`special_unitary_generators`). ``interface`` is None
        or ``"numpy"``; PennyLane's ``"autograd"`` raises ``NotImplementedError`` as there.

        >>> gens = SpecialUnitary([0.3, 0.0, 0.0], wires=0).get_one_parameter_generators()
        >>> np.allclose(gens[0], [[0, 1j], [1j, 0]])   # d/dtheta_X exp(i theta X) = U (iX)
        True
        """
        omega = self._generator_coefficients(interface)
        return np.tensordot(1j * omega, _pauli_basis(self.num_wires), axes=[[1], [0]])

    def get_one_parameter_coeffs(self, interface=None) -> np.ndarray:
        """PennyLane's ``get_one_parameter_coeffs``: ``c[m, l] = tr(P_m Omega_l) / 2**n``, the
        Pauli-basis coefficients (imaginary) of :meth:`get_one_parameter_generators`, shape
        ``(4**n - 1, 4**n - 1)``, the Pauli word first.

        >>> SpecialUnitary([0.3, 0.0, 0.0], wires=0).get_one_parameter_coeffs()[:, 0]
        array([0.+1.j, 0.+0.j, 0.+0.j])
        """
        return 1j * self._generator_coefficients(interface).T

    def __repr__(self):
        return f"SpecialUnitary({self.theta!r}, wires={list(self.wires)})"



class TmpPauliRot(Template):
    """PennyLane's ``TmpPauliRot(theta, pauli_word, wires)``: the Pauli rotation its
    ``SpecialUnitary`` decomposition inserts, ``PauliRot(theta, pauli_word)``, and nothing at
    a numeric ``theta`` of exactly 0 (no matrix of its own).

    >>> TmpPauliRot(0.0, "X", wires=0).decomposition(), TmpPauliRot(0.5, "X", wires=0).decomposition()
    ([], [PauliRot(0.5, X, wires=[0])])
    """

    has_matrix = False
    grad_method = "A"
    _params = ("theta",)

    def __init__(self, theta, pauli_word, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        self.theta, self.pauli_word = unwrap(theta), pauli_word
        self.hyperparameters = {"pauli_word": pauli_word}
        self._record()

    def _build(self):
        if isinstance(self.theta, numbers.Number) and self.theta == 0:
            return
        _gate("PauliRot", self.theta, pauli_word=self.pauli_word, wires=list(self.wires))

    @staticmethod
    def compute_decomposition(theta, wires, pauli_word) -> list:
        """PennyLane's order of arguments: ``(theta, wires, pauli_word)``; recorded where
        called.

        >>> TmpPauliRot.compute_decomposition(0.0, [0], "Z")
        []
        """
        with recording(Tape()):
            ops = TmpPauliRot(theta, pauli_word, wires).decomposition()
        tape = active_tape()
        for op in ops if tape is not None else ():
            tape.append(op)
        return ops

    def __repr__(self):
        return f"TmpPauliRot({self.theta}, {self.pauli_word}, wires={list(self.wires)})"


# --- qml.trotterize: a first-order step function expanded to a Suzuki-Trotter product ------
def suzuki_scalar(order: int) -> float:
    """Suzuki's ``p_m = 1 / (4 - 4**(1/(m-1)))`` of the order-``m`` recursion."""
    return 1.0 / (4 - 4 ** (1 / (order - 1)))


class TrotterizedQfunc(Template):
    """PennyLane's ``qml.trotterize(qfunc, n, order, reverse)(time, *args, wires=...,
    **kwargs)``: ``n`` steps of the order-``order`` Suzuki product built from the gates
    ``qfunc(t, *args, wires=wires, **kwargs)`` records (its first-order step ``S_1(t)``):
    ``S_2(t) = S_1(t/2) S_1(t/2)`` reversed, ``S_m(t) = S_{m-2}(p t)^2 S_{m-2}((1-4p) t)
    S_{m-2}(p t)^2`` with ``p = 1/(4 - 4^(1/(m-1)))``, each step at ``time / n``.
    ``reverse=True`` reverses the gates of each ``S_1``. Parameters stay exact
    expressions of the circuit's inputs (``time`` included).

    >>> def step(t, theta, wires):
    ...     GATE_CLASSES["RX"](t * theta, wires=wires[0])
    ...     GATE_CLASSES["CNOT"](wires=wires)
    >>> [str(g) for g in trotterize(step, n=1, order=2)(0.2, 0.5, wires=[0, 1]).decomposition()]
    ['RX(0.05, wires=[0])', 'CNOT(wires=[0, 1])', 'CNOT(wires=[0, 1])', 'RX(0.05, wires=[0])']
    """

    def __init__(self, time, *args, qfunc=None, n=1, order=2, reverse=False, id=None, **kwargs):
        if not callable(qfunc):
            raise GateError(f"The qfunc must be provided to be trotterized. Got {qfunc!r}: "
                            "pass qfunc=, a function that records the gates of one step")
        if not isinstance(order, numbers.Integral) or order <= 0 or (order != 1 and order % 2):
            raise GateError(f"The order must be 1 or a positive even integer, got {order}.")
        if not isinstance(n, numbers.Integral) or n < 1:
            raise GateError(f"The number of Trotter steps n must be a positive integer, got {n}.")
        if "wires" in kwargs:
            wires = kwargs.pop("wires")
        elif args:
            wires, args = args[-1], args[:-1]
        else:
            raise WireError("trotterize: give the wires as the last positional argument or "
                            "as wires=...")
        self.wires, self.id = wires_tuple(wires), id
        self.time, self.args, self.kwargs = time, args, kwargs
        self.qfunc, self.n, self.order, self.reverse = qfunc, int(n), int(order), bool(reverse)
        self._record()

    @property
    def parameters(self) -> list:
        return [self.time, *self.args]

    @property
    def hyperparameters(self) -> dict:
        return {"n": self.n, "order": self.order, "qfunc": self.qfunc,
                "reverse": self.reverse, **self.kwargs}

    def _step(self, t) -> list:
        with recording(Tape()) as tape:
            self.qfunc(t, *self.args, wires=list(self.wires), **self.kwargs)
        tape.apply_pending()  # (a product of gates written as a statement in the step)
        return list(tape.items)

    def _product(self, t, order: int) -> list:
        if order == 1:
            ops = self._step(t)
            return ops[::-1] if self.reverse else ops
        if order == 2:
            ops = self._step(t / 2)
            return (ops[::-1] + ops) if self.reverse else (ops + ops[::-1])
        p = suzuki_scalar(order)
        # each S_{m-2} recorded anew (fresh gate objects: a gate appears once on a tape)
        return (self._product(p * t, order - 2) + self._product(p * t, order - 2)
                + self._product((1 - 4 * p) * t, order - 2)
                + self._product(p * t, order - 2) + self._product(p * t, order - 2))

    def _build(self):
        tape = active_tape()
        for _ in range(self.n):
            for op in self._product(self.time / self.n, self.order):
                tape.append(op)


def trotterize(qfunc, n=1, order=2, reverse=False):
    """PennyLane's ``qml.trotterize``: a function ``(time, *args, wires=..., **kwargs)`` that
    applies :class:`TrotterizedQfunc` of ``qfunc`` (the first-order step; its first argument
    is the time).

    >>> def step(t, wires):
    ...     GATE_CLASSES["RZ"](t, wires=wires[0])
    >>> len(trotterize(step, n=2, order=4)(1.0, wires=[0]).decomposition())
    20
    """
    special = ("n", "order", "qfunc", "reverse")

    @functools.wraps(qfunc)
    def wrapper(time, *args, **kwargs):
        if any(k in kwargs for k in special):
            raise GateError(f"Cannot use any of the specailized names: {list(special)} as "
                            f"keyword arguments to the qfunc (PennyLane's message, its "
                            f"spelling): {kwargs}; rename the qfunc's keyword")
        return TrotterizedQfunc(time, *args, qfunc=qfunc, n=n, order=order, reverse=reverse,
                                **kwargs)

    return wrapper


@functools.lru_cache
def state_preparation_words(n: int) -> tuple:
    """PennyLane's ``ArbitraryStatePreparation`` Pauli words on ``n`` wires
    (``2**(n+1) - 2`` of them).

    >>> state_preparation_words(2)
    ('XI', 'YI', 'IX', 'IY', 'XX', 'XY')
    """
    if n == 1:
        return ("X", "Y")
    sub = state_preparation_words(n - 1)
    ident = "I" * (n - 1)
    return ("X" + ident, "Y" + ident, *("I" + w for w in sub), *("X" + w for w in sub))


class ArbitraryStatePreparation(Template):
    """PennyLane's ``qml.ArbitraryStatePreparation(weights, wires)``: ``PauliRot`` gates
    over :func:`state_preparation_words`, one weight each.

    >>> ArbitraryStatePreparation.shape(2)
    (6,)
    """

    _params = ("weights",)

    def __init__(self, weights, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        self.weights = _weights(weights, "ArbitraryStatePreparation", shape=(2 ** (n + 1) - 2,))
        self._record()

    def _build(self):
        for i, word in enumerate(state_preparation_words(len(self.wires))):
            _gate("PauliRot", self.weights[i], pauli_word=word, wires=list(self.wires))

    @staticmethod
    def shape(n_wires):
        """The shape of the weights: ``(2**(n_wires + 1) - 2,)``."""
        return (2 ** (n_wires + 1) - 2,)


def _init_bits(state, n: int, what: str, name="init_state") -> tuple:
    """A basis state given to a chemistry template: one 0/1 integer per wire."""
    arr = np.asarray(unwrap(state))
    if arr.shape != (n,):
        raise GateError(f"{what}: Expected length of '{name}' to match number of wires ({n}).")
    if arr.dtype.kind not in "iu":
        raise GateError(f"{what}: Elements of '{name}' must be integers; got {arr.dtype}")
    return tuple(int(b) for b in arr)


def fermionic_single_gates(weight, wires) -> None:
    """PennyLane's ``FermionicSingleExcitation(weight, wires)`` decomposition: the
    Jordan-Wigner single excitation from ``wires[0]`` to ``wires[-1]`` (CNOT ladders
    around ``RZ(±weight/2)`` in the XY and YX bases)."""
    r, p = wires[0], wires[-1]
    ladder = [list(wires[i : i + 2]) for i in range(len(wires) - 1)]
    for first, second, sign in (("Y", "X", 1), ("X", "Y", -1)):
        _basis_in(first, r)
        _basis_in(second, p)
        for cw in ladder:
            _gate("CNOT", wires=cw)
        _gate("RZ", sign * weight / 2, wires=p)
        for cw in reversed(ladder):
            _gate("CNOT", wires=cw)
        _basis_out(first, r)
        _basis_out(second, p)


def _basis_in(letter: str, wire) -> None:
    """Rotate ``wire`` from the ``letter`` basis to Z: Hadamard for X, RX(-pi/2) for Y."""
    if letter == "X":
        _gate("Hadamard", wires=wire)
    else:
        _gate("RX", -np.pi / 2, wires=wire)


def _basis_out(letter: str, wire) -> None:
    if letter == "X":
        _gate("Hadamard", wires=wire)
    else:
        _gate("RX", np.pi / 2, wires=wire)


# PennyLane's eight layers of FermionicDoubleExcitation: the bases of wires (s, r, q, p)
# and the sign of RZ(weight / 8) on p
_DOUBLE_LAYERS = (("XXYX", 1), ("YXYY", 1), ("XYYY", 1), ("XXXY", 1),
                  ("YXXX", -1), ("XYXX", -1), ("YYYX", -1), ("YYXY", -1))


def fermionic_double_gates(weight, wires1, wires2) -> None:
    """PennyLane's ``FermionicDoubleExcitation(weight, wires1, wires2)`` decomposition:
    eight layers of basis changes and CNOT ladders around ``RZ(±weight/8)``."""
    s, r, q, p = wires1[0], wires1[-1], wires2[0], wires2[-1]
    ladder = ([list(wires1[i : i + 2]) for i in range(len(wires1) - 1)] + [[r, q]]
              + [list(wires2[i : i + 2]) for i in range(len(wires2) - 1)])
    for bases, sign in _DOUBLE_LAYERS:
        for letter, w in zip(bases, (s, r, q, p)):
            _basis_in(letter, w)
        for cw in ladder:
            _gate("CNOT", wires=cw)
        _gate("RZ", sign * weight / 8, wires=p)
        for cw in reversed(ladder):
            _gate("CNOT", wires=cw)
        for letter, w in zip(bases, (s, r, q, p)):
            _basis_out(letter, w)


def _scalar_weight(weight, message: str):
    """One weight (a number or a traced input), else PennyLane's error."""
    w = _unwrapped(weight)
    shape = np.shape(w) if isinstance(w, (np.ndarray, list, tuple)) else ()
    if shape != ():
        raise GateError(f"{message}; got shape {shape}.")
    return w


class FermionicSingleExcitation(Template):
    """PennyLane's ``qml.FermionicSingleExcitation(weight, wires)``: the unitary
    ``exp(weight (c_p^dag c_r - c_r^dag c_p) / 2)`` (Jordan-Wigner) from ``wires[0]`` to
    ``wires[-1]``.

    >>> len(FermionicSingleExcitation(0.5, wires=[0, 1, 2]).decomposition())
    18
    """

    _params = ("weight",)

    grad_method = "A"  # PennyLane's: by its parameter frequencies

    @property
    def parameter_frequencies(self) -> list:
        """PennyLane's ``[(0.5, 1.0)]`` (the generator's eigenvalue differences).

        >>> FermionicSingleExcitation(0.5, wires=[0, 1]).parameter_frequencies
        [(0.5, 1.0)]
        """
        return [(0.5, 1.0)]

    def __init__(self, weight, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        if len(self.wires) < 2:
            raise WireError(f"expected at least two wires; got {len(self.wires)}")
        self.weight = _scalar_weight(weight, "Weight must be a scalar tensor ()")
        self._record()

    def _build(self):
        fermionic_single_gates(self.weight, self.wires)


class FermionicDoubleExcitation(Template):
    """PennyLane's ``qml.FermionicDoubleExcitation(weight, wires1, wires2)``: the
    Jordan-Wigner double excitation from the orbitals ``wires1[0], wires1[-1]`` to
    ``wires2[0], wires2[-1]``.

    >>> len(FermionicDoubleExcitation(0.5, wires1=[0, 1], wires2=[2, 3]).decomposition())
    120
    """

    _params = ("weight",)
    grad_method = "A"  # PennyLane's: by its parameter frequencies
    parameter_frequencies = FermionicSingleExcitation.parameter_frequencies

    def __init__(self, weight, wires1=None, wires2=None, id=None):
        self.wires1, self.wires2, self.id = wires_tuple(wires1), wires_tuple(wires2), id
        for ws, which in ((self.wires1, "occupied"), (self.wires2, "unoccupied")):
            if len(ws) < 2:
                raise WireError(
                    f"expected at least two wires representing the {which} orbitals; got {len(ws)}")
        self.wires = self.wires1 + self.wires2
        self.weight = _scalar_weight(weight, "Weight must be a scalar")
        self._record()

    def _build(self):
        fermionic_double_gates(self.weight, self.wires1, self.wires2)


class AllSinglesDoubles(Template):
    """PennyLane's ``qml.AllSinglesDoubles(weights, wires, hf_state, singles, doubles)``:
    the Hartree-Fock state, then a ``DoubleExcitation`` per entry of ``doubles`` (weights
    after the singles') and a ``SingleExcitation`` per entry of ``singles``.

    >>> ops = AllSinglesDoubles([0.1, 0.2], wires=[0, 1, 2, 3], hf_state=np.array([1, 1, 0, 0]),
    ...                         singles=[[0, 2]], doubles=[[0, 1, 2, 3]]).decomposition()
    >>> [op.name for op in ops][-2:]
    ['DoubleExcitation', 'SingleExcitation']
    """

    _params = ("weights",)

    def __init__(self, weights, wires, hf_state, singles=None, doubles=None, id=None):
        self.wires, self.id = wires_tuple(wires), id
        if len(self.wires) < 2:
            raise WireError(f"The number of qubits (wires) can not be less than 2; got len(wires) = {len(self.wires)}")
        if doubles is not None and any(len(d) != 4 for d in doubles):
            raise WireError("Expected all entries of 'doubles' to be of size 4.")
        if singles is not None and any(len(s) != 2 for s in singles):
            raise WireError("Expected all entries of 'singles' to be of size 2.")
        self.singles = tuple(tuple(s) for s in (singles or ()))
        self.doubles = tuple(tuple(d) for d in (doubles or ()))
        w = _array(weights, "AllSinglesDoubles weights")
        expected = self.shape(self.singles, self.doubles)
        if w.shape != expected:
            raise GateError(f"'weights' tensor must be of shape {expected}; got {w.shape}.")
        self.hf_state = _init_bits(hf_state, len(self.wires), "AllSinglesDoubles", "hf_state")
        self.weights = w
        self._record()

    def _build(self):
        BasisState(np.array(self.hf_state), wires=list(self.wires))
        for i, d in enumerate(self.doubles):
            _gate("DoubleExcitation", self.weights[len(self.singles) + i], wires=list(d))
        for j, s in enumerate(self.singles):
            _gate("SingleExcitation", self.weights[j], wires=list(s))

    @staticmethod
    def shape(singles, doubles):
        """The shape of the weights: ``(len(singles) + len(doubles),)``."""
        if not singles and not doubles:
            raise GateError(
                f"'singles' and 'doubles' lists can not be both empty; got singles = {singles}, doubles = {doubles}")
        return (len(singles or ()) + len(doubles or ()),)


class UCCSD(Template):
    """PennyLane's ``qml.UCCSD(weights, wires, s_wires, d_wires, init_state, n_repeats=1)``:
    the initial basis state, then per repetition a :class:`FermionicDoubleExcitation` per
    ``d_wires`` entry and a :class:`FermionicSingleExcitation` per ``s_wires`` entry.

    >>> UCCSD([0.1], wires=[0, 1, 2], s_wires=[[0, 1, 2]], init_state=np.array([1, 0, 0])).decomposition()
    [BasisState(array([1, 0, 0]), wires=[0, 1, 2]), FermionicSingleExcitation(np.float64(0.1), wires=[0, 1, 2])]
    """

    _params = ("weights",)

    def __init__(self, weights, wires, s_wires=None, d_wires=None, init_state=None,
                 n_repeats=1, id=None):
        self.wires, self.id = wires_tuple(wires), id
        if init_state is None:
            raise GateError("Requires `init_state` to be provided.")
        self.s_wires = tuple(tuple(w) for w in (s_wires or ()))
        self.d_wires = tuple(tuple(tuple(w) for w in dw) for dw in (d_wires or ()))
        if not self.s_wires and not self.d_wires:
            raise GateError(f"s_wires and d_wires lists can not be both empty; got ph={s_wires}, pphh={d_wires}")
        for dw in self.d_wires:
            if len(dw) != 2:
                raise GateError(f"expected entries of d_wires to be of size 2; got {dw} of length {len(dw)}")
        if n_repeats < 1:
            raise GateError(f"Requires n_repeats to be at least 1; got {n_repeats}.")
        w = _array(weights, "UCCSD weights")
        expected = (len(self.s_wires) + len(self.d_wires),)
        if w.ndim == 1 and (n_repeats != 1 or w.shape != expected):
            raise GateError(
                f"For one-dimensional weights tensor, the shape must be {expected}, and n_repeats "
                f"should be 1; got {w.shape} and {n_repeats}, respectively.")
        if w.ndim != 1 and w.shape != (n_repeats, *expected):
            raise GateError(f"Weights tensor must be of shape {(n_repeats, *expected)}; got {w.shape}.")
        self.init_state = _init_bits(init_state, len(self.wires), "UCCSD")
        self.weights, self.n_repeats = w, int(n_repeats)
        self._record()

    def _build(self):
        BasisState(np.array(self.init_state), wires=list(self.wires))
        w = self.weights
        _excitations(w[None] if w.ndim == 1 else w, self.s_wires, self.d_wires)


def _excitations(weights, s_wires, d_wires) -> None:
    """UCCSD's and kUpCCGSD's layers: per row of ``weights`` the fermionic doubles (weights
    after the singles'), then the singles."""
    for row in weights:
        for i, (w1, w2) in enumerate(d_wires):
            FermionicDoubleExcitation(row[len(s_wires) + i], wires1=list(w1), wires2=list(w2))
        for j, sw in enumerate(s_wires):
            FermionicSingleExcitation(row[j], wires=list(sw))


def generalized_singles(wires, delta_sz) -> list:
    """PennyLane's generalized single excitations of ``kUpCCGSD``: wire ranges from ``r``
    to ``p`` whose spin projections differ by ``delta_sz`` (even wires alpha, odd beta).

    >>> generalized_singles([0, 1, 2, 3], 0)
    [[0, 1, 2], [1, 2, 3], [2, 1, 0], [3, 2, 1]]
    """
    n = len(wires)
    sz = 0.5 * (-1) ** np.arange(n)
    out = []
    for r, p in itertools.product(range(n), repeat=2):
        if sz[p] - sz[r] == delta_sz and p != r:
            out.append(list(wires[r : p + 1]) if r < p else list(wires[p : r + 1][::-1]))
    return out


def generalized_pair_doubles(wires) -> list:
    """PennyLane's generalized pair doubles of ``kUpCCGSD``: pairs of neighbouring wires.

    >>> generalized_pair_doubles([0, 1, 2, 3])
    [[[0, 1], [2, 3]], [[2, 3], [0, 1]]]
    """
    return [[list(wires[r : r + 2]), list(wires[p : p + 2])]
            for r, p in itertools.product(range(0, len(wires) - 1, 2), repeat=2) if p != r]


class kUpCCGSD(Template):  # noqa: N801 - PennyLane's name
    """PennyLane's ``qml.kUpCCGSD(weights, wires, k=1, delta_sz=0, init_state)``: ``k``
    layers of generalized pair doubles and singles (fermionic excitations) after the
    initial basis state.

    >>> kUpCCGSD.shape(k=1, n_wires=4, delta_sz=0)
    (1, 6)
    """

    _params = ("weights",)

    def __init__(self, weights, wires, k=1, delta_sz=0, init_state=None, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        if n < 4:
            raise WireError(f"Requires at least four wires; got {n} wires.")
        if n % 2:
            raise WireError(f"Requires even number of wires; got {n} wires.")
        if k < 1:
            raise GateError(f"Requires k to be at least 1; got {k}.")
        if delta_sz not in (-1, 0, 1):
            raise GateError(f"Requires delta_sz to be one of ±1 or 0; got {delta_sz}.")
        if init_state is None:
            raise GateError("Requires `init_state` to be provided.")
        self.s_wires = generalized_singles(list(self.wires), delta_sz)
        self.d_wires = generalized_pair_doubles(list(self.wires))
        self.weights = _weights(weights, "kUpCCGSD", shape=(k, len(self.s_wires) + len(self.d_wires)))
        self.k, self.delta_sz = int(k), delta_sz
        self.init_state = _init_bits(init_state, n, "kUpCCGSD")
        self._record()

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's: the initial state, the singles' and pair doubles' wires, ``k``,
        ``delta_sz``.

        >>> op = kUpCCGSD(np.zeros((1, 6)), wires=range(4), init_state=[1, 1, 0, 0])
        >>> op.hyperparameters["d_wires"]
        [[[0, 1], [2, 3]], [[2, 3], [0, 1]]]
        """
        return {"init_state": self.init_state, "s_wires": self.s_wires,
                "d_wires": self.d_wires, "k": self.k, "delta_sz": self.delta_sz}

    def _flatten(self):
        """PennyLane's: the singles' and pair doubles' wires left out (made from the wires)."""
        hyper = tuple((key, self.hyperparameters[key]) for key in ("k", "delta_sz", "init_state"))
        return tuple(self.data), (Wires(self.wires), hyper)

    def _build(self):
        BasisEmbedding(np.array(self.init_state), wires=list(self.wires))
        _excitations(self.weights, self.s_wires, self.d_wires)

    @staticmethod
    def shape(k, n_wires, delta_sz):
        """The shape of the weights: ``(k, len(singles) + len(pair doubles))``."""
        if n_wires < 4:
            raise GateError(f"This template requires the number of wires to be greater than four; got 'n_wires' = {n_wires}")
        if n_wires % 2:
            raise GateError(f"This template requires an even number of wires; got 'n_wires' = {n_wires}")
        wires = list(range(n_wires))
        return k, len(generalized_singles(wires, delta_sz)) + len(generalized_pair_doubles(wires))


class GateFabric(Template):
    """PennyLane's ``qml.GateFabric(weights, wires, init_state, include_pi=False)``: the
    initial basis state, then per layer on each group of four wires (pattern ``0-3, 4-7,
    ...`` then ``2-5, 6-9, ...``) an optional ``OrbitalRotation(pi)``, a
    ``DoubleExcitation`` and an ``OrbitalRotation``.

    >>> GateFabric.shape(n_layers=2, n_wires=4)
    (2, 1, 2)
    """

    _params = ("weights",)

    def __init__(self, weights, wires, init_state, include_pi=False, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        if n < 4:
            raise WireError(f"This template requires the number of qubits to be greater than four; got wires {list(self.wires)}")
        if n % 2:
            raise WireError(f"This template requires an even number of qubits; got {n} wires")
        w = _weights(weights, "GateFabric", ndim=3)
        if w.shape[1] != n // 2 - 1:
            raise GateError(f"Weights tensor must have second dimension of length {n // 2 - 1}; got {w.shape[1]}")
        if w.shape[2] != 2:
            raise GateError(f"Weights tensor must have third dimension of length 2; got {w.shape[2]}")
        self.weights, self.include_pi = w, bool(include_pi)
        self.init_state = _init_bits(init_state, n, "GateFabric")
        self._record()

    def _pattern(self) -> list:
        """The groups of four wires a layer acts on: ``0-3, 4-7, ...``, then (more than
        four wires) ``2-5, 6-9, ...``."""
        ws = list(self.wires)
        pattern = [ws[i : i + 4] for i in range(0, len(ws), 4) if len(ws[i : i + 4]) == 4]
        if len(ws) > 4:
            pattern += [ws[i : i + 4] for i in range(2, len(ws), 4) if len(ws[i : i + 4]) == 4]
        return pattern

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the layers, the wires, the groups of four wires per layer and
        ``include_pi``.

        >>> GateFabric(np.zeros((2, 2, 2)), wires=range(6), init_state=[1, 1, 0, 0, 0, 0]).resource_params
        {'n_layers': 2, 'num_wires': 6, 'len_wire_pattern': 2, 'include_pi': False}
        """
        return {"n_layers": self.weights.shape[0], "num_wires": len(self.wires),
                "len_wire_pattern": len(self._pattern()), "include_pi": self.include_pi}

    def _build(self):
        BasisEmbedding(np.array(self.init_state), wires=list(self.wires))
        for layer in range(self.weights.shape[0]):
            for idx, four in enumerate(self._pattern()):
                if self.include_pi:
                    _gate("OrbitalRotation", np.pi, wires=four)
                _gate("DoubleExcitation", self.weights[layer, idx, 0], wires=four)
                _gate("OrbitalRotation", self.weights[layer, idx, 1], wires=four)

    @staticmethod
    def shape(n_layers, n_wires):
        """The shape of the weights: ``(n_layers, n_wires // 2 - 1, 2)``."""
        if n_wires < 4:
            raise GateError(f"This template requires the number of qubits to be at least four; got 'n_wires' = {n_wires}")
        if n_wires % 2:
            raise GateError(f"This template requires an even number of qubits; got 'n_wires' = {n_wires}")
        return n_layers, n_wires // 2 - 1, 2


def _u1_half(phi, n, m) -> None:
    """PennyLane's ``decompose_ua`` of ParticleConservingU1."""
    _gate("CZ", wires=[n, m])
    _gate("CRot", -phi, np.pi, phi, wires=[n, m])
    _gate("PhaseShift", -phi, wires=m)
    _gate("CNOT", wires=[n, m])
    _gate("PhaseShift", phi, wires=m)
    _gate("CNOT", wires=[n, m])
    _gate("PhaseShift", -phi, wires=n)


def _neighbour_pairs(wires) -> list:
    ws = list(wires)
    return ([ws[l : l + 2] for l in range(0, len(ws) - 1, 2)]
            + [ws[l : l + 2] for l in range(1, len(ws) - 1, 2)])


class ParticleConservingU1(Template):
    """PennyLane's ``qml.ParticleConservingU1(weights, wires, init_state=None)``: layers of
    particle-conserving two-qubit exchange gates ``U1(phi, theta)`` on even, then odd
    neighbouring pairs, after the initial basis state.

    >>> ParticleConservingU1.shape(n_layers=2, n_wires=3)
    (2, 2, 2)
    """

    _params = ("weights",)

    def __init__(self, weights, wires, init_state=None, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        if n < 2:
            raise WireError(f"Expected the number of qubits to be greater than one; got wires {list(self.wires)}")
        w = _weights(weights, "ParticleConservingU1", ndim=3)
        if w.shape[1] != n - 1:
            raise GateError(f"Weights tensor must have second dimension of length {n - 1}; got {w.shape[1]}")
        if w.shape[2] != 2:
            raise GateError(f"Weights tensor must have third dimension of length 2; got {w.shape[2]}")
        self.weights = w
        self.init_state = (0,) * n if init_state is None else _init_bits(init_state, n, "ParticleConservingU1")
        self._record()

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the number of wires and of layers.

        >>> ParticleConservingU1(np.zeros((2, 2, 2)), wires=[0, 1, 2]).resource_params
        {'num_wires': 3, 'n_layers': 2}
        """
        return {"num_wires": len(self.wires), "n_layers": self.weights.shape[0]}

    def _build(self):
        BasisEmbedding(np.array(self.init_state), wires=list(self.wires))
        for layer in range(self.weights.shape[0]):
            for i, (n, m) in enumerate(_neighbour_pairs(self.wires)):
                phi, theta = self.weights[layer, i, 0], self.weights[layer, i, 1]
                _u1_half(phi, n, m)
                _gate("CZ", wires=[m, n])
                _gate("CRot", 0, 2 * theta, 0, wires=[m, n])
                _u1_half(-phi, n, m)

    @staticmethod
    def shape(n_layers, n_wires):
        """The shape of the weights: ``(n_layers, n_wires - 1, 2)``."""
        if n_wires < 2:
            raise GateError(f"The number of qubits must be greater than one; got 'n_wires' = {n_wires}")
        return n_layers, n_wires - 1, 2


def u2_ex_gate(phi, wires=None) -> list:
    """PennyLane's ``u2_ex_gate(phi, wires)`` (module ``particle_conserving_u2``): the
    exchange gate ``U_2,ex(phi)`` of two wires, ``CNOT``, ``CRX(2 phi)`` on the wires
    reversed, ``CNOT``, recorded where it is called; returns the three gates. On ``|01>``,
    ``|10>`` it is ``[[cos phi, -i sin phi], [-i sin phi, cos phi]]``.

    >>> u2_ex_gate(0.3, wires=[0, 1])
    [CNOT(wires=[0, 1]), CRX(0.6, wires=[1, 0]), CNOT(wires=[0, 1])]
    """
    pair = list(wires_tuple(wires))
    if len(pair) != 2:
        raise WireError(f"u2_ex_gate acts on two wires, got {pair}")
    return [_gate("CNOT", wires=pair), _gate("CRX", 2 * phi, wires=pair[::-1]),
            _gate("CNOT", wires=pair)]


def particle_conserving_u2_gates(weights, wires, init_state) -> None:
    """Record PennyLane's decomposition of ``ParticleConservingU2`` (its rule's too): the
    basis state, then per layer ``RZ`` on each wire and :func:`u2_ex_gate` on the even,
    then odd neighbouring pairs."""
    wires = wires_tuple(wires)
    n = len(wires)
    BasisEmbedding(np.array(init_state), wires=list(wires))
    for layer in range(weights.shape[0]):
        for j, w in enumerate(wires):
            _gate("RZ", weights[layer, j], wires=w)
        for i, pair in enumerate(_neighbour_pairs(wires)):
            u2_ex_gate(weights[layer, n + i], wires=pair)


class ParticleConservingU2(Template):
    """PennyLane's ``qml.ParticleConservingU2(weights, wires, init_state=None)``: per layer
    ``RZ`` on each wire, then an exchange gate ``CNOT, CRX(2 phi), CNOT`` on even, then odd
    neighbouring pairs.

    >>> ParticleConservingU2.shape(n_layers=1, n_wires=3)
    (1, 5)
    """

    _params = ("weights",)

    def __init__(self, weights, wires, init_state=None, id=None):
        self.wires, self.id = wires_tuple(wires), id
        n = len(self.wires)
        if n < 2:
            raise WireError(f"This template requires the number of qubits to be greater than one;got a wire sequence with {n} elements")
        w = _weights(weights, "ParticleConservingU2", ndim=2)
        if w.shape[1] != 2 * n - 1:
            raise GateError(f"Weights tensor must have a second dimension of length {2 * n - 1}; got {w.shape[1]}")
        self.weights = w
        self.init_state = (0,) * n if init_state is None else _init_bits(init_state, n, "ParticleConservingU2")
        self._record()

    def _build(self):
        particle_conserving_u2_gates(self.weights, self.wires, self.init_state)

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the number of wires and of layers.

        >>> ParticleConservingU2(np.zeros((2, 3)), wires=[0, 1]).resource_params
        {'num_wires': 2, 'n_layers': 2}
        """
        return {"num_wires": len(self.wires), "n_layers": self.weights.shape[0]}

    @staticmethod
    def shape(n_layers, n_wires):
        """The shape of the weights: ``(n_layers, 2 * n_wires - 1)``."""
        if n_wires < 2:
            raise GateError(f"The number of qubits must be greater than one; got 'n_wires' = {n_wires}")
        return n_layers, 2 * n_wires - 1


def _phase_angle(d, k: int) -> sp.Expr:
    """The angle ``theta`` of a traced diagonal entry ``exp(1j * theta)`` (real theta)."""
    d = sp.sympify(d)
    if d.func == sp.exp:
        theta = sp.expand(d.args[0] / sp.I)
        if theta.is_real:  # the principal angle, as NumPy's np.angle of the number
            return sp.atan2(sp.sin(theta), sp.cos(theta))
    raise DifferentiationError(
        f"DiagonalQubitUnitary: entry {k} ({d}) depends on the circuit's inputs but is not "
        "written as exp(1j * angle) with a real angle; qsym differentiates a traced diagonal "
        "through its phases: write it as np.exp(1j * angle), or give numbers")


class DiagonalQubitUnitary(Template):
    """PennyLane's ``qml.DiagonalQubitUnitary(D, wires)``: the diagonal unitary
    ``diag(D)`` (``2**k`` entries of modulus 1, the first wire most significant); a batch
    of diagonals ``D`` of shape ``(B, 2**k)`` broadcasts (PennyLane's ``batch_size``).

    It decomposes as PennyLane's: on one wire ``GlobalPhase(-(t0 + t1) / 2)`` and
    ``RZ(t1 - t0)`` of the phases ``t_k``; on ``n`` wires a ``DiagonalQubitUnitary`` of the
    mean phases of each pair (the last wire 0 and 1) on the first ``n - 1`` wires and a
    :class:`SelectPauliRot` of the differences (Shende et al., Theorem 7). The matrix is
    exact; for a batch the angles broadcast. Entries that depend on the circuit's inputs
    must be phases ``exp(1j * phi_k)`` (``np.exp(1j * phi)``; ``t_k`` is then the principal
    angle ``atan2(sin phi_k, cos phi_k)``), so gradients are exact by the ``RZ``/``MultiRZ``
    rules.

    >>> [op.name for op in DiagonalQubitUnitary([1, 1j], wires=0).decomposition()]
    ['GlobalPhase', 'RZ']
    >>> [op.name for op in DiagonalQubitUnitary([1, 1j, 1, -1], wires=[0, 1]).decomposition()]
    ['DiagonalQubitUnitary', 'SelectPauliRot']
    >>> DiagonalQubitUnitary([[1, 1j], [1j, 1]], wires=0).batch_size
    2
    """

    has_adjoint = True  # PennyLane's: adjoint() is DiagonalQubitUnitary(conj(D))

    def device_applies(self) -> bool:
        """``default.qubit`` applies it as a matrix."""
        return True

    _params = ("D",)
    ndim_params = (1,)
    num_params = 1  # PennyLane's: the diagonal D
    grad_method = None  # (PennyLane's: differentiated through its decomposition)

    def __init__(self, D, wires, id=None):
        self.wires, self.id = wires_tuple(wires), id
        d = _array(D, "DiagonalQubitUnitary D")
        if not _symbolic(d):  # PennyLane's check comes first
            d = np.asarray(d, dtype=_complex_precision(d))
            _check_phases(d)
        if d.ndim not in (1, 2) or d.shape[-1] != 2 ** len(self.wires) or not d.size:
            raise GateError(
                f"DiagonalQubitUnitary: D must have {2 ** len(self.wires)} entries for "
                f"{len(self.wires)} wire(s) (or be a batch of such diagonals, batch first); "
                f"got shape {d.shape}")
        self.D = d
        self._record()

    @property
    def control_wires(self) -> Wires:
        """``Wires([])``: a diagonal unitary has no control wires (PennyLane's).

        >>> DiagonalQubitUnitary([1, 1], wires=1).control_wires
        Wires([])
        """
        return Wires([])

    @property
    def batch_size(self):
        """The number of diagonals of a batch ``D`` (PennyLane's ``batch_size``), or None."""
        return len(self.D) if np.ndim(self.D) == 2 else None

    def _controlled(self, control) -> "DiagonalQubitUnitary":
        """PennyLane's: the diagonal unitary with ``control`` as one more (first) wire, ones
        where the control is 0; made where it is called.

        >>> c = DiagonalQubitUnitary([1, -1], wires=0)._controlled(1)
        >>> c.wires, c.D
        (Wires([1, 0]), array([ 1.+0.j,  1.+0.j,  1.+0.j, -1.+0.j]))
        """
        D = np.concatenate([np.ones_like(self.D), self.D], axis=-1)
        return DiagonalQubitUnitary(D, wires=list(wires_tuple(control)) + list(self.wires))

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's label, ``"U"`` (with a drawing cache: the index of ``D`` in it)."""
        from ._operations import matrix_label

        return matrix_label(base_label or "U", self.D, cache)

    @staticmethod
    def compute_matrix(D) -> np.ndarray:
        """``diag(D)`` (PennyLane's ``DiagonalQubitUnitary.compute_matrix``); a batch of
        diagonals gives a stack of matrices. ``D`` must have entries of modulus 1.

        >>> DiagonalQubitUnitary.compute_matrix([1, -1])
        array([[ 1,  0],
               [ 0, -1]])
        """
        D = np.asarray(D)
        _check_phases(D)
        if D.ndim == 2:
            return np.stack([np.diag(d) for d in D])
        return np.diag(D)

    @staticmethod
    def compute_eigvals(D) -> np.ndarray:
        """The eigenvalues: ``D`` itself (entries of modulus 1)."""
        _check_phases(np.asarray(D))
        return np.asarray(D)

    def eigvals(self) -> np.ndarray:
        """The eigenvalues: the diagonal ``D``."""
        return np.asarray(self.D)

    def matrix(self, wire_order=None) -> np.ndarray:
        """``diag(D)`` (a stack for a batch), on ``wire_order`` if given.

        >>> DiagonalQubitUnitary([1, 1j], wires=1).matrix(wire_order=[0, 1]).diagonal()
        array([1.+0.j, 0.+1.j, 1.+0.j, 0.+1.j])
        """
        from ._operations import expand_matrix

        m = self.compute_matrix(np.asarray(self.D, dtype=complex))
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return m
        return expand_matrix(m, self.wires, wire_order)

    def adjoint(self):
        """``DiagonalQubitUnitary(conj(D))`` (PennyLane's ``op.adjoint()``)."""
        return DiagonalQubitUnitary(np.conj(self.D), wires=list(self.wires))

    def pow(self, z) -> list:
        """``[DiagonalQubitUnitary(D ** z)]`` (PennyLane's ``op.pow(z)``; principal powers)."""
        return [DiagonalQubitUnitary(self.D ** z, wires=list(self.wires))]

    def _build(self):
        if _symbolic(self.D):
            if self.D.ndim == 2:
                raise GateError("DiagonalQubitUnitary: a batch of diagonals must be numbers; "
                                "give the phases of one diagonal, or broadcast the angles")
            theta = [_phase_angle(v, k) for k, v in enumerate(self.D)]
        else:  # the same gates for numbers (the replay on numbers compares them)
            theta = list(np.moveaxis(np.angle(self.D), -1, 0))
            theta = [float(t) if np.ndim(t) == 0 else t for t in theta]
        _diagonal_gates(theta, list(self.wires), numbers=not _symbolic(self.D),
                        real=np.angle(self.D).dtype if self.D.dtype != object else float)


def _complex_precision(d: np.ndarray):
    """The complex dtype a numeric diagonal is kept in (PennyLane's casts): ``complex64`` for
    single-precision input (``float32``, ``complex64``, ``int8``/``int16``), else
    ``complex128``."""
    return np.result_type(d.dtype, np.complex64) if d.dtype.kind in "biufc" else complex


def _diagonal_gates(theta: list, wires: list, numbers: bool, real=float) -> None:
    """Apply ``diag(exp(1j * theta))`` as PennyLane decomposes it (Shende et al., Theorem
    7): each pair of entries (the last wire 0 and 1) is a mean phase on the other wires and
    a ``SelectPauliRot`` RZ of their difference; one wire is ``GlobalPhase`` and ``RZ``. For
    numbers the mean phases are a ``DiagonalQubitUnitary`` entry (PennyLane's decomposition);
    traced angles recurse directly (exact, no principal angle taken again). The numbers'
    angles are of dtype ``real`` (``float32`` for a single-precision diagonal, as
    PennyLane's), the mean phases of the matching complex dtype."""
    mean = [(theta[2 * k] + theta[2 * k + 1]) / 2 for k in range(len(theta) // 2)]
    diff = [theta[2 * k + 1] - theta[2 * k] for k in range(len(theta) // 2)]
    if len(wires) == 1:
        _gate("GlobalPhase", -mean[0], wires=wires)
        _gate("RZ", diff[0], wires=wires[0])
        return
    if numbers:
        DiagonalQubitUnitary(np.moveaxis(np.exp(1j * np.array(mean, dtype=real)), 0, -1),
                             wires=wires[:-1])
    else:
        _diagonal_gates(mean, wires[:-1], numbers)
    SelectPauliRot(np.moveaxis(np.array(diff, dtype=real if numbers else object), 0, -1),
                   control_wires=wires[:-1], target_wire=wires[-1])


def _check_phases(d: np.ndarray) -> None:
    """PennyLane's check of a diagonal unitary: every entry of modulus 1 (a ``GateError``,
    a ``ValueError``, with PennyLane's message)."""
    # single precision holds a phase to ~1e-7 (PennyLane's allclose: 1e-5 relative)
    atol = 1e-10 if d.dtype in (np.complex128, np.float64) else 1e-6
    if d.dtype != object and not np.allclose(np.abs(d), 1.0, atol=atol):
        raise GateError("DiagonalQubitUnitary: Operator must be unitary (every entry of D of "
                        "modulus 1).")


class SelectPauliRot(Template):
    """PennyLane's ``qml.SelectPauliRot(angles, control_wires, target_wire, rot_axis="Z")``:
    the rotation ``R_axis(angles[k])`` of the target wire when the control wires are in
    the basis state ``k`` (the first control wire most significant), a block-diagonal
    unitary on ``control_wires + [target_wire]``; a batch of angles of shape
    ``(B, 2**m)`` broadcasts.

    PennyLane's decomposition: ``RZ`` rotations by the Gray-code angles of ``angles``, each
    followed by a CNOT from the control whose bit the code flips next
    (:func:`_uniform_rotation`; rotations by numbers that are 0 for every batch entry are
    left out, as PennyLane's), for ``X`` and ``Y`` one ``change_op_basis`` of them (``H``,
    or ``H S^dagger``, around them). Gradients follow the ``RZ`` rule.

    >>> import numpy as np
    >>> op = SelectPauliRot([0.0, np.pi], control_wires=[0], target_wire=1, rot_axis="X")
    >>> np.round(op.matrix(), 6)[2:, 2:]   # RX(pi) = -iX when the control is 1
    array([[0.+0.j, 0.-1.j],
           [0.-1.j, 0.+0.j]])
    """

    _params = ("angles",)
    ndim_params = (1,)

    def __init__(self, angles, control_wires, target_wire, rot_axis="Z", id=None):
        control, target = wires_tuple(control_wires), wires_tuple(target_wire)
        a = _array(angles, "SelectPauliRot angles")
        if not a.ndim or a.shape[-1] != 2 ** len(control) or a.ndim > 2:
            raise GateError("SelectPauliRot: Number of angles must be 2^(len(control_wires)) "
                            f"({2 ** len(control)} for {len(control)} control wire(s), or a "
                            f"batch of such, batch first); got shape {a.shape}")
        if rot_axis not in ("X", "Y", "Z"):
            raise GateError(f"SelectPauliRot: 'rot_axis' can only take the values 'X', 'Y' and "
                            f"'Z'; got {rot_axis!r}")
        if len(target) != 1:
            raise WireError(f"SelectPauliRot: Only one target wire can be specified; got {target}")
        if set(control) & set(target):
            raise WireError(f"SelectPauliRot: the target wire {target[0]!r} is also a control "
                            "wire; give distinct wires")
        self.angles, self.rot_axis, self.id = a, rot_axis, id
        self._select, self._target = Wires(control), Wires(target)
        self.wires = control + target
        self._record()

    @property
    def control_wires(self) -> Wires:
        """``Wires([])``, as PennyLane's: the wires that select the rotation are
        ``hyperparameters["control_wires"]``, not controls of a controlled operation."""
        return Wires([])

    @property
    def batch_size(self):
        """The number of angle vectors of a batch ``angles`` (``B``), or None."""
        return len(self.angles) if np.ndim(self.angles) == 2 else None

    @staticmethod
    def compute_matrix(angles, rot_axis="Z") -> np.ndarray:
        """The block-diagonal matrix ``diag(R(angles[0]), R(angles[1]), ...)`` for numbers
        (a stack for a batch of angles).

        >>> SelectPauliRot.compute_matrix([0.0, np.pi]).round(6).diagonal()
        array([1.+0.j, 1.+0.j, 0.-1.j, 0.+1.j])
        """
        a = np.asarray(angles, dtype=float)
        c, s = np.cos(a / 2), np.sin(a / 2)
        z = np.zeros_like(c)
        blocks = {"X": [[c, -1j * s], [-1j * s, c]], "Y": [[c, -s], [s, c]],
                  "Z": [[c - 1j * s, z], [z, c + 1j * s]]}[rot_axis]
        blocks = np.moveaxis(np.array(blocks, dtype=complex), (0, 1), (-2, -1))  # (..., 2**m, 2, 2)
        n = 2 * a.shape[-1]
        out = np.zeros(a.shape[:-1] + (n, n), dtype=complex)
        for k in range(a.shape[-1]):
            out[..., 2 * k:2 * k + 2, 2 * k:2 * k + 2] = blocks[..., k, :, :]
        return out

    def matrix(self, wire_order=None) -> np.ndarray:
        """:meth:`compute_matrix` of the angles, on ``wire_order`` if given."""
        from ._operations import expand_matrix

        m = self.compute_matrix(self.angles, self.rot_axis)
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return m
        return expand_matrix(m, self.wires, wire_order)

    def _build(self):
        t = self._target[0]
        controls = tuple(self._select)[::-1]  # bit b of an angle's index: controls[b]

        def rotations():
            _uniform_rotation("RZ", self.angles, controls, t)

        if self.rot_axis == "Z":
            rotations()
            return
        # PennyLane's: change_op_basis(H, the RZ rotations, H); for Y, H S^dagger and S H
        change_op_basis, adjoint = METHODS["change_op_basis"], METHODS["qml_adjoint"]
        with recording(Tape()):
            if self.rot_axis == "X":
                compute, uncompute = _gate("Hadamard", wires=t), _gate("Hadamard", wires=t)
            else:
                compute = Prod(_gate("Hadamard", wires=t), adjoint(_gate("S", wires=t)))
                uncompute = Prod(_gate("S", wires=t), _gate("Hadamard", wires=t))
            inner = Tape()
            with recording(inner):
                rotations()
            gates = list(inner.items)
            target = gates[0] if len(gates) == 1 else Prod(*gates[::-1])
            op = change_op_basis(compute, target, uncompute)
        def apply():  # its gates recorded here, the operator one entry of the decomposition
            for g in op.applied_gates():
                active_tape().append(g)
            return op

        self._one_entry(apply)


# --- tensor-network templates: a block applied on PennyLane's wire patterns ------------------
def mps_wires(wires, n_block_wires, offset=None) -> tuple:
    """The wires of each block of PennyLane's ``qml.MPS``: windows of ``n_block_wires``
    consecutive wires, one every ``offset`` (default ``n_block_wires // 2``) wires.

    >>> mps_wires(range(4), 2)
    ((0, 1), (1, 2), (2, 3))
    """
    wires, n = tuple(wires), len(tuple(wires))
    if n_block_wires < 2:
        raise WireError(f"The number of wires in each block must be larger than or equal to 2; got n_block_wires = {n_block_wires}")
    if n_block_wires > n:
        raise WireError(f"n_block_wires must be smaller than or equal to the number of wires; got n_block_wires = {n_block_wires} and number of wires = {n}")
    if offset is None and not n_block_wires % 2 and n % (n_block_wires // 2):
        warnings.warn(f"The number of wires should be a multiple of {int(n_block_wires / 2)}; got {n}")
    step = n_block_wires // 2 if offset is None else offset
    if not 1 <= step <= n_block_wires - 1:
        raise WireError(f"Provided offset is outside the expected range; the expected range for n_block_wires = {n_block_wires} is range{1, n_block_wires - 1}")
    last = n - n % (n_block_wires // 2) - step
    return tuple(wires[j : j + n_block_wires] for j in range(0, last, step) if j + n_block_wires <= n)


def ttn_wires(wires, n_block_wires) -> tuple:
    """The wires of each block of PennyLane's ``qml.TTN``: a binary tree, each layer joining
    the halves of neighbouring blocks of the layer below.

    >>> ttn_wires(range(4), 2)
    ((0, 1), (2, 3), (1, 3))
    """
    wires = tuple(wires)
    if n_block_wires % 2:
        raise WireError(f"n_block_wires must be an even integer; got {n_block_wires}")
    if n_block_wires < 2:
        raise WireError(f"number of wires in each block must be larger than or equal to 2; got n_block_wires = {n_block_wires}")
    if n_block_wires > len(wires):
        raise WireError(f"n_block_wires must be smaller than or equal to the number of wires; got n_block_wires = {n_block_wires} and number of wires = {len(wires)}")
    if not np.log2(len(wires) / n_block_wires).is_integer():
        warnings.warn("The number of wires should be n_block_wires times 2^n; got "
                      f"n_wires/n_block_wires = {len(wires) / n_block_wires}")
    levels = int(np.log2(len(wires) / n_block_wires))
    n, half = 2**levels * n_block_wires, n_block_wires // 2
    out = []
    for layer in range(levels + 1):
        low, high = (2**layer - 1) * half, (2 ** (layer + 1) - 1) * half
        for start in range(0, n - half, 2**layer * n_block_wires):
            out.append(wires[start + low : start + low + half] + wires[start + high : start + high + half])
    return tuple(out)


class _BlockNetwork(Template):
    """A user ``block(weights, wires)`` (or ``block(wires)``) on each window of wires.
    PennyLane's data (``template_weights``, when given) and hyperparameters
    (``ind_gates``, the windows; ``block``; MPS's block keyword arguments)."""

    def _setup(self, wires, windows, block, n_params_block, template_weights, what):
        self.wires, self.block, self.windows = wires_tuple(wires), block, tuple(map(tuple, windows))
        self.n_params_block = n_params_block
        if template_weights is not None:
            w = _array(template_weights, f"{what} template_weights")
            if w.shape[0] != len(windows):
                raise GateError(f"Weights tensor must have first dimension of length {len(windows)}; got {w.shape[0]}")
            if w.shape[-1] != n_params_block:
                raise GateError(f"Weights tensor must have last dimension of length {n_params_block}; got {w.shape[-1]}")
        self.template_weights = template_weights if template_weights is None else w
        self._hyperparameters = {"ind_gates": self.windows, "block": block, **self.kwargs}
        self._record()

    @property
    def parameters(self) -> list:
        """``[template_weights]``, or ``[]`` without weights (PennyLane's data: autograd's
        array as given, :func:`_as_given`)."""
        given = self.__dict__.get("_init_args", {}).get("template_weights")
        return [] if self.template_weights is None else [_as_given(self.template_weights, given)]

    @classmethod
    def _unflatten(cls, data, metadata):
        """The network again from :meth:`_flatten`'s output (its windows, block, weights
        and keyword arguments), as PennyLane's ``_unflatten``."""
        wires, hyper = metadata
        hyper = dict(hyper)
        new = cls.__new__(cls)
        new.id, new.block = None, hyper.pop("block")
        new.kwargs = hyper
        new.windows = tuple(tuple(w) for w in hyper.pop("ind_gates"))
        weights = data[0] if data else None
        new.n_params_block = 0 if weights is None else np.shape(weights)[-1]
        new._setup(wires, new.windows, new.block, new.n_params_block, weights, cls.__name__)
        return new

    def _build(self):
        if self.block is None:  # PennyLane accepts one; it has nothing to apply
            return
        for k, ws in enumerate(self.windows):
            self._call_block(None if self.template_weights is None else self.template_weights[k],
                             list(ws))

    def _call_block(self, weights, wires):
        """MPS's rule (PennyLane's): ``block(weights=..., wires=..., **kwargs)``."""
        if weights is None:
            self.block(wires=wires, **self.kwargs)
        else:
            self.block(weights=weights, wires=wires, **self.kwargs)


class MPS(_BlockNetwork):
    """PennyLane's ``qml.MPS(wires, n_block_wires, block, n_params_block=0,
    template_weights=None, offset=None, **kwargs)``: ``block`` on windows of
    ``n_block_wires`` consecutive wires, a staircase (:func:`mps_wires`).

    >>> MPS.get_n_blocks(range(4), 2)
    3
    """

    def __init__(self, wires, n_block_wires, block, n_params_block=0, template_weights=None,
                 offset=None, id=None, **kwargs):
        self.id, self.kwargs = id, kwargs
        self._setup(wires, mps_wires(wires_tuple(wires), n_block_wires, offset), block,
                    n_params_block, template_weights, "MPS")

    @staticmethod
    def get_n_blocks(wires, n_block_wires, offset=None):
        """The number of blocks (PennyLane's ``MPS.get_n_blocks``)."""
        return len(mps_wires(wires_tuple(wires), n_block_wires, offset))


class TTN(_BlockNetwork):
    """PennyLane's ``qml.TTN(wires, n_block_wires, block, n_params_block,
    template_weights=None)``: ``block`` on a binary tree of windows (:func:`ttn_wires`).

    >>> TTN.get_n_blocks(range(8), 2)
    7
    """

    def __init__(self, wires, n_block_wires, block, n_params_block, template_weights=None,
                 id=None):
        self.id, self.kwargs = id, {}
        if template_weights is None and block is not None and block.__code__.co_argcount > 1:
            raise GateError("TTN: the block takes weights; give template_weights of shape "
                            f"({TTN.get_n_blocks(wires, n_block_wires)}, {n_params_block})")
        self._setup(wires, ttn_wires(wires_tuple(wires), n_block_wires), block,
                    n_params_block, template_weights, "TTN")

    def _call_block(self, weights, wires):
        """PennyLane's TTN rule: ``block(*weights, wires)``, ``block(weights, wires)`` or
        ``block(wires)`` as the block's number of arguments asks."""
        n_args = self.block.__code__.co_argcount
        if n_args > 2:
            self.block(*weights, wires=wires)
        elif n_args == 2:
            self.block(weights, wires=wires)
        else:
            self.block(wires=wires)

    @staticmethod
    def get_n_blocks(wires, n_block_wires):
        """The number of blocks (PennyLane's ``TTN.get_n_blocks``; it warns, as PennyLane
        does, when the wires are not ``n_block_wires`` times a power of 2)."""
        n = len(wires_tuple(wires))
        if not np.log2(n / n_block_wires).is_integer():
            warnings.warn(f"The number of wires should be n_block_wires times 2^n; got "
                          f"n_wires/n_block_wires = {n / n_block_wires}")
        if n_block_wires > n:
            raise GateError("n_block_wires must be smaller than or equal to the number of wires; "
                            f"got n_block_wires = {n_block_wires} and number of wires = {n}")
        return 2 ** int(np.log2(n / n_block_wires)) * 2 - 1


class TwoLocalSwapNetwork(Template):
    """PennyLane's ``qml.templates.TwoLocalSwapNetwork(wires, acquaintances=None,
    weights=None, fermionic=True, shift=False, **kwargs)``: the canonical 2-complete linear
    swap network (CCL2): ``len(wires)`` layers of neighbour swaps (even pairs, then odd ones;
    ``shift=True`` starts with the odd ones), ``FermionicSWAP(pi)`` (``fermionic=True``) or
    ``SWAP``, each after ``acquaintances(index=pair, wires=the logical wires now on the
    pair, param=next weight, **kwargs)``, so that every pair of logical wires meets once.

    >>> [g.name for g in TwoLocalSwapNetwork([0, 1, 2], fermionic=False).decomposition()]
    ['SWAP', 'SWAP', 'SWAP']
    """

    def __init__(self, wires, acquaintances=None, weights=None, fermionic=True, shift=False,
                 id=None, **kwargs):
        n = len(wires_tuple(wires))
        if n < 2:
            raise GateError(f"TwoLocalSwapNetwork requires at least 2 wires, got {n}")
        if acquaintances is not None and not callable(acquaintances):
            raise GateError(f"Acquaintances must either be a callable or None, got {acquaintances}")
        if weights is not None and acquaintances is None:
            warnings.warn("Weights are being provided without acquaintances")
        if weights is not None and acquaintances is not None and len(weights) != n * (n - 1) // 2:
            raise GateError(f"Weight tensor must be of length {n * (n - 1) // 2}, got {len(weights)}")
        self.wires, self.id, self.weights = Wires(wires_tuple(wires)), id, weights
        self._hyperparameters = {"acquaintances": acquaintances, "fermionic": fermionic,
                                 "shift": shift, **kwargs}
        self._record()

    @property
    def parameters(self) -> list:
        """The weights, when there are weights and acquaintances (PennyLane's data)."""
        h = self._hyperparameters
        return [self.weights] if h["acquaintances"] is not None and self.weights is not None else []

    @classmethod
    def _unflatten(cls, data, metadata):
        """The network again from :meth:`_flatten`'s output."""
        wires, hyper = metadata
        return cls(wires, weights=data[0] if data else None, **dict(hyper))

    @staticmethod
    def shape(n_wires) -> tuple:
        """The shape of the weights of parametrized acquaintances: ``(n (n - 1) / 2,)``."""
        if n_wires < 2:
            raise GateError(f"TwoLocalSwapNetwork requires at least 2 wires, got {n_wires}")
        return (n_wires * (n_wires - 1) // 2,)

    def _build(self):
        h, w = self._hyperparameters, tuple(self.wires)
        extra = {k: v for k, v in h.items() if k not in ("acquaintances", "fermionic", "shift")}
        acquaint = h["acquaintances"]
        weights = iter([]) if self.weights is None or acquaint is None else iter(self.weights)
        order = list(w)
        for layer in range(len(w)):
            for i in range((layer + int(h["shift"])) % 2, len(w) - 1, 2):
                if acquaint is not None:
                    acquaint(index=[w[i], w[i + 1]], wires=[order[i], order[i + 1]],
                             param=next(weights, None), **extra)
                if h["fermionic"]:
                    _gate("FermionicSWAP", np.pi, wires=[w[i], w[i + 1]])
                else:
                    _gate("SWAP", wires=[w[i], w[i + 1]])
                order[i], order[i + 1] = order[i + 1], order[i]


def mera_wires(wires, n_block_wires) -> tuple:
    """The windows of :class:`MERA`'s blocks (PennyLane's ``mera.compute_indices``): a tree
    of ``n_block_wires``-wire windows and disentanglers between them, in application order.

    >>> mera_wires(range(4), 2)
    ((1, 0), (2, 3), (3, 1), (0, 2), (0, 1))
    """
    wires, n = tuple(wires_tuple(wires)), len(wires_tuple(wires))
    half = n_block_wires // 2
    if n_block_wires % 2 != 0:
        raise GateError(f"n_block_wires must be an even integer; got {n_block_wires}")
    if n_block_wires < 2:
        raise GateError("number of wires in each block must be larger than or equal to 2; "
                        f"got n_block_wires = {n_block_wires}")
    if n_block_wires > n:
        raise GateError("n_block_wires must be smaller than or equal to the number of wires; "
                        f"got n_block_wires = {n_block_wires} and number of wires = {n}")
    if not np.log2(n / n_block_wires).is_integer():
        warnings.warn(f"The number of wires should be n_block_wires times 2^n; got "
                      f"n_wires/n_block_wires = {n / n_block_wires}")
    n_layers = int(np.floor(np.log2(n / n_block_wires))) * 2 + 1
    out, top = [list(wires[:n_block_wires])], n_block_wires
    for i in range(n_layers - 1):
        pre, size, new = 2 ** ((i + 1) // 2), len(out), []
        if i % 2 == 0:
            for j in range(size - pre, size):
                new.append(out[j][:half] + list(wires[top:top + half]))
                new.append(list(wires[top + half:top + 2 * half]) + out[j][half:])
                top += 2 * half
        else:
            for j in range(size - pre, size - 1):
                new.append(out[j][half:] + out[j + 1][:half])
            new.append(out[size - 1][half:] + out[size - pre][:half])
        out += new
    return tuple(tuple(w) for w in out[::-1])


class MERA(Template):
    """PennyLane's ``qml.MERA(wires, n_block_wires, block, n_params_block,
    template_weights=None)``: ``block`` on the windows of :func:`mera_wires` (the
    multi-scale entanglement renormalization ansatz); ``block(*weights, wires)``,
    ``block(weights, wires)`` or ``block(wires)`` as its signature asks (PennyLane's rule).

    >>> MERA.get_n_blocks(range(4), 2)
    5
    """

    def __init__(self, wires, n_block_wires, block, n_params_block, template_weights=None,
                 id=None):
        self.wires, self.block, self.id = wires_tuple(wires), block, id
        self.windows = mera_wires(self.wires, n_block_wires)
        self.n_params_block = n_params_block
        n_args = block.__code__.co_argcount if block is not None else 0
        if template_weights is None:
            if n_args > 1:
                raise GateError("MERA: the block takes weights; give template_weights of shape "
                                f"({len(self.windows)}, {n_params_block})")
        else:
            w = _array(template_weights, "MERA template_weights")
            if w.shape[0] != len(self.windows):
                raise GateError(f"Weights tensor must have first dimension of length {len(self.windows)}; got {w.shape[0]}")
            if w.shape[-1] != n_params_block:
                raise GateError(f"Weights tensor must have last dimension of length {n_params_block}; got {w.shape[-1]}")
            template_weights = w
        self.template_weights = template_weights
        self._record()

    _params = ("template_weights",)

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"ind_gates": self.windows, "block": self.block}

    @classmethod
    def _unflatten(cls, data, metadata):
        """The MERA again from :meth:`_flatten`'s output (its windows, block and weights),
        as PennyLane's ``_unflatten``."""
        wires, hyper = metadata
        hyper = dict(hyper)
        new = cls.__new__(cls)
        new.wires, new.block, new.id = wires_tuple(wires), hyper["block"], None
        new.windows = tuple(tuple(w) for w in hyper["ind_gates"])
        new.template_weights = _array(data[0], "MERA template_weights") if data else None
        new.n_params_block = 0 if new.template_weights is None else new.template_weights.shape[-1]
        new._record()
        return new

    def _build(self):
        if self.block is None:  # PennyLane accepts one; it has nothing to apply
            return
        n_args = self.block.__code__.co_argcount
        for k, ws in enumerate(self.windows):
            if n_args > 2:
                self.block(*self.template_weights[k], wires=list(ws))
            elif n_args == 2:
                self.block(self.template_weights[k], wires=list(ws))
            else:
                self.block(wires=list(ws))

    @staticmethod
    def get_n_blocks(wires, n_block_wires):
        """The number of blocks (PennyLane's ``MERA.get_n_blocks``)."""
        n = len(wires_tuple(wires))
        if n_block_wires > n:
            raise GateError("n_block_wires must be smaller than or equal to the number of wires; "
                            f"got n_block_wires = {n_block_wires} and number of wires = {n}")
        if not np.log2(n / n_block_wires).is_integer():
            warnings.warn(f"The number of wires should be n_block_wires times 2^n; got "
                          f"n_wires/n_block_wires = {n / n_block_wires}")
        return int(2 ** (np.floor(np.log2(n / n_block_wires)) + 2) - 3)


def layer(template, depth, *args, **kwargs):
    """PennyLane's ``qml.layer``: apply ``template`` ``depth`` times; the ``i``-th time with
    the ``i``-th entry of each positional argument (each must have ``depth`` entries) and
    the same keyword arguments.

    >>> def block(a, wires):
    ...     GATE_CLASSES["RX"](a, wires=wires[0])
    ...     GATE_CLASSES["CNOT"](wires=wires)
    >>> tape = Tape()
    >>> with recording(tape):
    ...     layer(block, 2, [0.1, 0.2], wires=[0, 1])
    >>> tape.items
    [RX(0.1, wires=[0]), CNOT(wires=[0, 1]), RX(0.2, wires=[0]), CNOT(wires=[0, 1])]
    """
    if not isinstance(depth, numbers.Integral) or depth < 0:
        raise GateError(f"qml.layer: depth must be a non-negative int, got {depth!r}")
    for k, arg in enumerate(args):
        if len(arg) != depth:
            raise GateError(
                f"Each positional argument must have length matching 'depth'; expected "
                f"{depth} got {len(arg)} (qml.layer: argument {k} needs one entry per layer)")
    for i in range(depth):
        template(*[arg[i] for arg in args], **kwargs)


embeddings = SimpleNamespace(
    AngleEmbedding=AngleEmbedding, AmplitudeEmbedding=AmplitudeEmbedding,
    BasisEmbedding=BasisEmbedding, IQPEmbedding=IQPEmbedding, QAOAEmbedding=QAOAEmbedding,
)
layers = SimpleNamespace(
    BasicEntanglerLayers=BasicEntanglerLayers, StronglyEntanglingLayers=StronglyEntanglingLayers,
    SimplifiedTwoDesign=SimplifiedTwoDesign, RandomLayers=RandomLayers, GateFabric=GateFabric,
    ParticleConservingU1=ParticleConservingU1, ParticleConservingU2=ParticleConservingU2,
)
state_preparations = SimpleNamespace(
    StatePrep=StatePrep, BasisStatePreparation=BasisState,
    MottonenStatePreparation=MottonenStatePreparation,
    ArbitraryStatePreparation=ArbitraryStatePreparation,
)
subroutines = SimpleNamespace(QFT=QFT, AQFT=AQFT, ApproxTimeEvolution=ApproxTimeEvolution,
                              TrotterProduct=TrotterProduct, CommutingEvolution=CommutingEvolution,
                              TrotterizedQfunc=TrotterizedQfunc, trotterize=trotterize,
                              FlipSign=FlipSign, GroverOperator=GroverOperator, Permute=Permute,
                              ArbitraryUnitary=ArbitraryUnitary, UCCSD=UCCSD, kUpCCGSD=kUpCCGSD,
                              AllSinglesDoubles=AllSinglesDoubles,
                              FermionicSingleExcitation=FermionicSingleExcitation,
                              FermionicDoubleExcitation=FermionicDoubleExcitation,
                              SelectPauliRot=SelectPauliRot)

tensornetworks = SimpleNamespace(
    MPS=MPS, TTN=TTN, MERA=MERA,  # and PennyLane's modules' index functions, which its tests import
    mera=SimpleNamespace(MERA=MERA, compute_indices=mera_wires),
    mps=SimpleNamespace(MPS=MPS, compute_indices_MPS=mps_wires),
    ttn=SimpleNamespace(TTN=TTN, compute_indices=ttn_wires),
)
# PennyLane's module of ParticleConservingU2 (also ``qml.particle_conserving_u2``)
layers.particle_conserving_u2 = SimpleNamespace(ParticleConservingU2=ParticleConservingU2,
                                                u2_ex_gate=u2_ex_gate)

# ``from pennylane.templates.layers import StronglyEntanglingLayers`` (and embeddings,
# state_preparations, subroutines): importable as modules, as PennyLane's are
for _name in ("embeddings", "layers", "state_preparations", "subroutines", "tensornetworks"):
    _sub = types.ModuleType(f"{__name__}.{_name}")
    _sub.__dict__.update(vars(globals()[_name]))
    _sub.__all__ = sorted(vars(globals()[_name]))
    globals()[_name] = sys.modules[_sub.__name__] = _sub
for _parent, _name in (("tensornetworks", "mps"), ("tensornetworks", "ttn"),
                       ("tensornetworks", "mera"), ("layers", "particle_conserving_u2")):
    # from pennylane.templates.tensornetworks.mera import ...
    _sub = types.ModuleType(f"{__name__}.{_parent}.{_name}")
    _sub.__dict__.update(vars(getattr(globals()[_parent], _name)))
    setattr(globals()[_parent], _name, _sub)
    sys.modules[_sub.__name__] = _sub
del _name, _sub, _parent

TEMPLATES = {
    cls.__name__: cls
    for cls in (StatePrep, QubitDensityMatrix, AmplitudeEmbedding, BasisState, BasisEmbedding, AngleEmbedding,
                IQPEmbedding, QAOAEmbedding, BasicEntanglerLayers, StronglyEntanglingLayers,
                SimplifiedTwoDesign, QFT, MottonenStatePreparation, ApproxTimeEvolution,
                FlipSign, GroverOperator, Barrier, WireCut, Permute, RandomLayers, ArbitraryUnitary,
                ArbitraryStatePreparation, FermionicSingleExcitation, FermionicDoubleExcitation,
                AllSinglesDoubles, UCCSD, kUpCCGSD, GateFabric, ParticleConservingU1,
                ParticleConservingU2, DiagonalQubitUnitary, SelectPauliRot, MPS, TTN, MERA, TrotterProduct,
                CommutingEvolution, SpecialUnitary, TrotterizedQfunc, QubitSum, QubitCarry, IntegerComparator, AQFT,
                TwoLocalSwapNetwork)
}
"""The templates and state preparations, by PennyLane name (all also ``qml.<name>``)."""

# the public names of qsym.templates (PennyLane's qml.templates): the templates, qml.layer and
# PennyLane's sub-namespaces; the rest of this module is how templates are recorded
# PennyLane's state preparations are StatePrepBase subclasses (AmplitudeEmbedding via StatePrep)
StatePrepBase.register(StatePrep)
StatePrepBase.register(BasisState)

__all__ = [*TEMPLATES, "layer", "embeddings", "layers", "state_preparations", "subroutines",
           "pauli_basis_strings", "pauli_basis_matrices", "special_unitary_matrix",
           "special_unitary_generators", "trotterize",
           "tensornetworks", "mps_wires", "ttn_wires", "mera_wires"]
