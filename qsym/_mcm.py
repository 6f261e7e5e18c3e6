"""Mid-circuit measurements, deferred (PennyLane's ``qml.measure``, ``qml.cond``,
``qml.defer_measurements``).

qsym simulates a pure state, so a measurement in the middle of a circuit is *deferred*
(the deferred-measurement principle, PennyLane's ``defer_measurements`` transform): the
measured wire is copied onto a wire that nothing touches afterwards with a ``CNOT``, and
every operation conditioned on the outcome becomes that operation controlled by the copy.
A measured wire that no later gate uses is its own copy (no new wire); a wire used again,
measured again or reset gets a fresh one, numbered after the largest integer wire of the
circuit (as PennyLane numbers them). Statistics of the outcomes (``qml.expval(m)``,
``qml.probs(op=m)``, ``qml.sample(m)``, of arithmetic of outcomes) are then measurements of
the copies: a function of the outcome bits is a diagonal observable, a sum of ``Z`` words
(its Walsh-Hadamard expansion), so it is exact, traced and differentiated like any other.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def f(x):
...     qml.RY(x, wires=0)
...     m = qml.measure(0)
...     qml.cond(m, qml.PauliX)(wires=1)
...     return qml.expval(qml.PauliZ(1))
>>> round(float(f(0.7)), 6) == round(float(np.cos(0.7)), 6)
True
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import uuid

import numpy as np

from . import _operations as ops_mod
from ._opmath import OPERATOR_CLASSES, Operator, ctrl
from ._shapes import format_values, tree_spec
from ._trace import TAPE_REWRITES, QueueLog, Tape, active_tape, recording, thread_setting
from .errors import ConditionalTransformError, GateError, MeasurementError, WireError
from .exceptions import QuantumFunctionError
from .wires import Wires


class MidMeasure:
    """PennyLane's ``MidMeasure`` (``qml.ops.MidMeasure``, ``qml.measurements.MidMeasureMP``):
    a measurement of one wire in the computational basis in the middle of a circuit, made
    by :func:`measure`; ``reset`` puts the wire back to ``|0>``, ``postselect`` (0 or 1) keeps
    only that outcome. Made inside a circuit or a tape, it records itself there.

    >>> MidMeasure(0, reset=True, meas_uid="a")
    MidMeasure(wires=[0], postselect=None, reset=True)
    """

    name = "MidMeasureMP"
    num_wires = 1
    num_params = 0
    batch_size = None
    data = ()
    params = ()

    def __init__(self, wires=None, reset=False, postselect=None, meas_uid=None, id=None):
        self.wires = Wires(wires)
        if len(self.wires) != 1:
            raise QuantumFunctionError(
                "Only a single qubit can be measured in the middle of the circuit")
        if id is not None:
            import warnings

            from .exceptions import PennyLaneDeprecationWarning

            warnings.warn("The 'id' argument has been renamed to 'meas_uid'. Access through "
                          "'id' will be removed in v0.46.", PennyLaneDeprecationWarning,
                          stacklevel=2)
        if postselect not in (None, 0, 1):
            raise MeasurementError(f"postselect must be None, 0 or 1, got {postselect!r}")
        self._hyperparameters = {"reset": bool(reset), "postselect": postselect,
                                 "meas_uid": meas_uid if meas_uid is not None else id}
        tape = active_tape()
        if tape is not None:
            tape.append(self)

    @property
    def hyperparameters(self) -> dict:
        """``reset``, ``postselect``, ``meas_uid`` (PennyLane's)."""
        return self._hyperparameters

    @property
    def reset(self) -> bool:
        """Whether the wire is put back to ``|0>`` after the measurement."""
        return self.hyperparameters["reset"]

    @property
    def postselect(self):
        """The outcome kept (0 or 1), or None."""
        return self.hyperparameters["postselect"]

    @property
    def meas_uid(self):
        """The measurement's identifier (a fresh UUID for :func:`measure`)."""
        return self.hyperparameters["meas_uid"]

    id = meas_uid

    @property
    def hyper(self) -> tuple:
        """What distinguishes two measurements of one wire (a tape's structure)."""
        return (("reset", self.reset), ("postselect", self.postselect), ("id", id(self)))

    def remake(self, params=()) -> MidMeasure:
        """The same measurement recorded again where it is called (a tape re-run as a
        circuit function: the measurement values keep referring to it)."""
        tape = active_tape()
        if tape is not None:
            tape.append(self)
        return self

    def map_wires(self, wire_map: dict) -> MidMeasure:
        """The same measurement (same ``meas_uid``) on ``wire_map[wire]``.

        >>> MidMeasure(0, meas_uid="a").map_wires({0: 3}).wires
        Wires([3])
        """
        w = self.wires[0]
        return _unrecorded(MidMeasure, wire_map.get(w, w), reset=self.reset,
                           postselect=self.postselect, meas_uid=self.meas_uid)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: ``┤↗├``, with the postselected value and the reset."""
        out = "┤↗" + {None: "", 0: "₀", 1: "₁"}[self.postselect]
        return out + ("│  │0⟩" if self.reset else "├")

    def __repr__(self):
        return (f"MidMeasure(wires={list(self.wires)}, postselect={self.postselect}, "
                f"reset={self.reset})")

    def __eq__(self, other):
        return (isinstance(other, MidMeasure) and self.wires == other.wires
                and self.meas_uid == other.meas_uid and self.reset == other.reset
                and self.postselect == other.postselect)

    def __hash__(self):
        return hash(("MidMeasure", tuple(self.wires), self.meas_uid))

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash``."""
        return hash(self)


def _unrecorded(cls, *args, **kwargs):
    """``cls(*args, **kwargs)`` made without recording it on an active tape."""
    with recording(Tape()):
        return cls(*args, **kwargs)


def no_processing(*results):
    """A measurement value's processing when there is none: the outcome itself."""
    return results[0] if len(results) == 1 else results


class MeasurementValue:
    """The unknown outcome of mid-circuit measurements (PennyLane's ``MeasurementValue``):
    what :func:`measure` returns. Arithmetic and comparisons (``m0 & m1``, ``m0 == 1``,
    ``~m``, ``m0 + m1``, ``2 * m0``) make new values over the union of the measurements,
    with ``processing_fn`` the classical function of the outcome bits. Use it in
    :func:`cond` or in a measurement (``qml.expval(m)``, ``qml.probs(op=m)``, ...).

    >>> m0 = MeasurementValue([MidMeasure(0, meas_uid="a")])
    >>> m1 = MeasurementValue([MidMeasure(1, meas_uid="b")])
    >>> (m0 + 2 * m1).branches
    {(0, 0): 0, (0, 1): 2, (1, 0): 1, (1, 1): 3}
    >>> (m0 & m1).wires
    Wires([0, 1])
    """

    name = "MeasurementValue"
    is_measurement_value = True

    def __init__(self, measurements, processing_fn=None):
        self.measurements = list(measurements)
        self._processing_fn = processing_fn

    @property
    def has_processing(self) -> bool:
        """Whether a classical function is applied to the outcomes."""
        return self._processing_fn is not None

    @property
    def processing_fn(self):
        """The classical function of the outcome bits (one argument per measurement)."""
        return no_processing if self._processing_fn is None else self._processing_fn

    def items(self):
        """``(bits, value)`` for every outcome of the measurements, in binary order."""
        k = len(self.measurements)
        for bits in itertools.product((0, 1), repeat=k):
            yield bits, self.processing_fn(*bits)

    def postselected_items(self):
        """:meth:`items` with the postselected measurements fixed to their value: the bits
        of the others only (PennyLane's)."""
        ps = {i: m.postselect for i, m in enumerate(self.measurements) if m.postselect is not None}
        free = [i for i in range(len(self.measurements)) if i not in ps]
        for bits in itertools.product((0, 1), repeat=len(free)):
            full = dict(ps)
            full.update(zip(free, bits))
            yield bits, self.processing_fn(*(full[i] for i in range(len(self.measurements))))

    @property
    def branches(self) -> dict:
        """``{bits: value}`` for every outcome."""
        return dict(self.items())

    @property
    def wires(self) -> Wires:
        """The measured wires, in the order of :attr:`measurements`."""
        return Wires.all_wires([m.wires for m in self.measurements])

    def map_wires(self, wire_map: dict) -> MeasurementValue:
        """The same value over the measurements moved to ``wire_map``'s wires.

        >>> measure(0).map_wires({0: 5}).wires
        Wires([5])
        """
        return MeasurementValue([m.map_wires(wire_map) for m in self.measurements],
                                self._processing_fn)

    def concretize(self, measurements: dict):
        """The value for given outcomes: ``measurements`` maps each :class:`MidMeasure` to 0/1.

        >>> m = measure(0)
        >>> (1 - m).concretize({m.measurements[0]: 1})
        0
        """
        return self.processing_fn(*(measurements[m] for m in self.measurements))

    def _apply(self, fn):
        base = self.processing_fn
        return MeasurementValue(self.measurements, lambda *x: fn(base(*x)))

    def _merge(self, other):
        merged = list(dict.fromkeys(self.measurements + other.measurements))
        merged.sort(key=lambda m: str(m.meas_uid))
        mine = [merged.index(m) for m in self.measurements]
        theirs = [merged.index(m) for m in other.measurements]
        f, g = self.processing_fn, other.processing_fn

        def merged_fn(*x):
            return f(*(x[i] for i in mine)), g(*(x[i] for i in theirs))

        return MeasurementValue(merged, merged_fn)

    def _binary(self, fn, other):
        if isinstance(other, MeasurementValue):
            return self._merge(other)._apply(lambda t: fn(t[0], t[1]))
        return self._apply(lambda v: fn(v, other))

    def __invert__(self):
        return self._apply(np.logical_not)

    def __bool__(self):
        raise ValueError(
            "The truth value of a MeasurementValue is undefined. To condition on a "
            "MeasurementValue, please use qml.cond instead.")

    def __eq__(self, other):
        return self._binary(lambda a, b: a == b, other)

    def __ne__(self, other):
        return self._binary(lambda a, b: a != b, other)

    __hash__ = object.__hash__

    def __add__(self, other):
        return self._binary(lambda a, b: a + b, other)

    def __radd__(self, other):
        return self._apply(lambda v: other + v)

    def __sub__(self, other):
        return self._binary(lambda a, b: a - b, other)

    def __rsub__(self, other):
        return self._apply(lambda v: other - v)

    def __mul__(self, other):
        return self._binary(lambda a, b: a * b, other)

    def __rmul__(self, other):
        return self._apply(lambda v: other * v)

    def __truediv__(self, other):
        return self._binary(lambda a, b: a / b, other)

    def __rtruediv__(self, other):
        return self._apply(lambda v: other / v)

    def __lt__(self, other):
        return self._binary(lambda a, b: a < b, other)

    def __le__(self, other):
        return self._binary(lambda a, b: a <= b, other)

    def __gt__(self, other):
        return self._binary(lambda a, b: a > b, other)

    def __ge__(self, other):
        return self._binary(lambda a, b: a >= b, other)

    def __and__(self, other):
        return self._binary(np.logical_and, other)

    def __or__(self, other):
        return self._binary(np.logical_or, other)

    def __xor__(self, other):
        return self._binary(np.logical_xor, other)

    def __mod__(self, other):
        return self._binary(np.mod, other)

    def __getitem__(self, i):
        bits = tuple(int(b) for b in f"{i:0{len(self.measurements)}b}")
        return self.processing_fn(*bits)

    def __str__(self):
        return "\n".join(
            "if " + ",".join(f"{m.meas_uid}={b}" for m, b in zip(self.measurements, bits))
            + f" => {value}" for bits, value in self.items())

    def __repr__(self):
        return f"MeasurementValue(wires={self.wires.tolist()})"


OPERATOR_CLASSES.append(MidMeasure)  # isinstance(m, qml.operation.Operator), as PennyLane's

_MEASUREMENT_IDS = itertools.count(1)


def new_meas_uid() -> str:
    """A fresh ``meas_uid``: a UUID string numbered in the order the measurements are made
    (PennyLane's are random UUIDs). Merged values order their measurements by id, so with
    random ids a circuit recorded its conditioned gates' controls in another order on each
    run; numbered, every run of the same program records the same gates.

    >>> a, b = new_meas_uid(), new_meas_uid()
    >>> a < b, len(a)
    (True, 36)
    """
    return str(uuid.UUID(int=next(_MEASUREMENT_IDS)))


class PauliMeasure(Operator):
    """PennyLane's ``qml.ops.PauliMeasure``: a measurement of the Pauli product
    ``pauli_word`` (letters X, Y, Z, one per wire) in the middle of a circuit, with an
    optional ``postselect`` (0 or 1) and ``meas_uid``. A record for analysing programs:
    PennyLane executes it on no device, and a qsym circuit refuses it with what to do
    (rotate the word to Z and use :func:`measure`).

    >>> op = PauliMeasure("XY", wires=[0, 2])
    >>> op, op.pauli_word, op.label(), op.label(wire=2)
    (PauliMeasure('XY', wires=[0, 2]), 'XY', '┤↗XY├', '┤↗Y├')
    """

    num_params = 0

    def __init__(self, pauli_word: str, wires, postselect=None, id=None, meas_uid=None):  # noqa: A002
        if id is not None:
            import warnings

            from .exceptions import PennyLaneDeprecationWarning

            warnings.warn("The 'id' argument has been renamed to 'meas_uid'. Access through "
                          "'id' will be removed in v0.46.", PennyLaneDeprecationWarning,
                          stacklevel=2)
            meas_uid = id if meas_uid is None else meas_uid
        if not isinstance(pauli_word, str) or not all(c in "XYZ" for c in pauli_word):
            raise ValueError(f'The given Pauli word "{pauli_word}" contains characters that '
                             "are not allowed. Allowed characters are X, Y and Z.")
        wires = Wires(wires)
        if len(pauli_word) != len(wires):
            raise ValueError(
                "The number of wires must be equal to the length of the Pauli word. The "
                f"Pauli word {pauli_word} has length {len(pauli_word)} and {len(wires)} "
                f"wires were given: {wires}.")
        tape = active_tape()
        if tape is not None and tape.log is None and not (tape.drawn_only or tape.branch):
            raise MeasurementError(
                f"qml.ops.PauliMeasure('{pauli_word}') in a circuit: a Pauli product "
                "measurement runs on no device (PennyLane's neither); rotate each wire's "
                "Pauli to Z (H for X; S^dagger then H for Y), measure the parity with "
                "CNOTs onto one wire and qml.measure it")
        super().__init__(wires=wires, pauli_word=pauli_word, postselect=postselect,
                         meas_uid=meas_uid)

    @property
    def pauli_word(self) -> str:
        """The Pauli word measured."""
        return dict(self.hyper)["pauli_word"]

    @property
    def postselect(self):
        """The outcome kept (0, 1) or None."""
        return dict(self.hyper)["postselect"]

    @property
    def meas_uid(self):
        """The measurement's own id."""
        return dict(self.hyper)["meas_uid"]

    def __repr__(self):
        return f"PauliMeasure('{self.pauli_word}', wires={self.wires.tolist()})"

    def label(self, decimals=None, base_label=None, cache=None, wire=None) -> str:
        post = "" if self.postselect is None else ("₁" if self.postselect == 1 else "₀")
        word = self.pauli_word if wire is None else self.pauli_word[self.wires.index(wire)]
        return f"┤↗{post}{word}├"

    @property
    def hash(self) -> int:
        return hash((type(self).__name__, self.pauli_word, tuple(self.wires.tolist()),
                     self.meas_uid))

    def __hash__(self):
        return self.hash


def pauli_measure(pauli_word: str, wires, postselect=None) -> MeasurementValue:
    """PennyLane's ``qml.pauli_measure``: a :class:`PauliMeasure` of ``pauli_word`` on
    ``wires``, queued, and the value of its outcome (a :class:`MeasurementValue`). As in
    PennyLane no device runs it; a qsym circuit refuses it with what to do.

    >>> from qsym import queuing
    >>> with queuing.AnnotatedQueue() as q:
    ...     m = pauli_measure("XY", wires=[0, 1])
    >>> q.queue, m.measurements[0] is q.queue[0]
    ([PauliMeasure('XY', wires=[0, 1])], True)
    """
    return MeasurementValue([PauliMeasure(pauli_word, wires, postselect,
                                          meas_uid=new_meas_uid())])


def measure(wires, reset=False, postselect=None) -> MeasurementValue:
    """A mid-circuit measurement of one wire in the computational basis (PennyLane's
    ``qml.measure``): returns its :class:`MeasurementValue`. ``reset=True`` puts the wire
    back to ``|0>`` afterwards; ``postselect`` (0 or 1) keeps only that outcome (qsym: not
    yet supported in execution, a :class:`~qsym.errors.MeasurementError` names it).

    >>> m = measure(0, reset=True)
    >>> m.measurements[0].reset, m.wires
    (True, Wires([0]))
    """
    mp = MidMeasure(wires, reset=reset, postselect=postselect, meas_uid=new_meas_uid())
    return MeasurementValue([mp])


def find_post_processed_mcms(circuit) -> set:
    """PennyLane's ``_find_post_processed_mcms`` (``qml.devices.qubit.simulate``; also
    ``qml.measurements.find_post_processed_mcms``): the mid-circuit measurements of a tape
    that its results need, those postselected and those a terminal measurement collects
    statistics of.

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     m0, m1, m2 = qml.measure(0, postselect=1), qml.measure(1), qml.measure(2)
    ...     _ = qml.expval(m2)
    >>> tape = qml.tape.QuantumScript.from_queue(q)
    >>> sorted(op.wires[0] for op in find_post_processed_mcms(tape))
    [0, 2]
    """
    found = {op for op in circuit.operations
             if isinstance(op, MidMeasure) and op.postselect is not None}
    for m in circuit.measurements:
        mv = getattr(m, "mv", None)
        for value in (mv if isinstance(mv, list) else [] if mv is None else [mv]):
            found |= set(value.measurements)
    return found


def get_mcm_predicates(conditions) -> list:
    """PennyLane's: the exclusive predicates of an if/elif/else chain on measurement values:
    ``[c0, ~c0 & c1, ..., ~c0 & ~c1 & ...]`` (one more than given).

    >>> m = measure(0)
    >>> [[bool(v) for v in p.branches.values()] for p in get_mcm_predicates([m == 1])]
    [[False, True], [True, False]]
    """
    out = [conditions[0]]
    false = ~conditions[0]
    for c in conditions[1:]:
        out.append(false & c)
        false = false & ~c
    out.append(false)
    return out


class Conditional:
    """PennyLane's ``Conditional``: the operation ``base`` applied when the measurement value
    ``meas_val`` is true (made by :func:`cond`; deferred, it is ``base`` controlled by the
    measured wires).

    >>> from qsym import _operations as o
    >>> c = Conditional(measure(0), _unrecorded(o.GATE_CLASSES["PauliX"], wires=1))
    >>> c.name, c.base.name, c.wires
    ('Conditional(PauliX)', 'PauliX', Wires([1]))
    """

    def __init__(self, expr, then_op, id=None):
        self.hyperparameters = {"meas_val": expr, "base": then_op}
        self.name = f"Conditional({then_op.name})"
        self.id = id
        tape = active_tape()
        if tape is not None:
            tape.append(self)

    @property
    def base(self):
        """The conditioned operation."""
        return self.hyperparameters["base"]

    @property
    def meas_val(self) -> MeasurementValue:
        """The condition."""
        return self.hyperparameters["meas_val"]

    @property
    def wires(self) -> Wires:
        """The conditioned operation's wires."""
        return Wires(self.base.wires)

    @property
    def data(self):
        """The conditioned operation's parameters."""
        return getattr(self.base, "data", ())

    @property
    def params(self):
        """The conditioned operation's parameters."""
        return getattr(self.base, "params", ())

    @property
    def hyper(self) -> tuple:
        """What distinguishes two conditioned operations (a tape's structure): the base's
        kind and the condition."""
        return (("base", type(self.base).__name__, getattr(self.base, "hyper", ())),
                ("condition", id(self.meas_val)))

    @data.setter
    def data(self, value):
        self.base.data = value

    # PennyLane's Conditional is a symbolic operator: these are its base's
    num_params = property(lambda self: self.base.num_params, doc="The base's number of parameters.")
    ndim_params = property(lambda self: self.base.ndim_params, doc="The base's parameter dimensions.")
    batch_size = property(lambda self: self.base.batch_size, doc="The base's batch size.")
    has_matrix = property(lambda self: self.base.has_matrix, doc="Whether the base has a matrix.")
    has_adjoint = property(lambda self: self.base.has_adjoint, doc="Whether the base has an adjoint.")
    has_diagonalizing_gates = property(lambda self: self.base.has_diagonalizing_gates,
                                       doc="Whether the base has diagonalizing gates.")

    def label(self, decimals=None, base_label=None, cache=None):
        """The base's label (``qml.draw`` marks the condition by its wires)."""
        return self.base.label(decimals=decimals, base_label=base_label, cache=cache)

    def matrix(self, wire_order=None):
        """The base's matrix (the operation applied when the condition holds)."""
        return self.base.matrix(wire_order=wire_order)

    def eigvals(self):
        """The base's eigenvalues."""
        return self.base.eigvals()

    def diagonalizing_gates(self):
        """The base's diagonalizing gates."""
        return self.base.diagonalizing_gates()

    def adjoint(self) -> Conditional:
        """The base's adjoint under the same condition (not recorded)."""
        with recording(Tape()):
            base = self.base.adjoint()
            return Conditional(self.meas_val, base)

    def controlled(self, control, control_values=None) -> Conditional:
        """The base controlled by ``control`` under the same condition, recorded where it is
        called (``qml.ctrl`` of a conditioned function: both conditions must hold).

        >>> from qsym import _operations as o
        >>> c = Conditional(measure(0), _unrecorded(o.GATE_CLASSES["RX"], 0.5, wires=1))
        >>> c.controlled([2]).base
        CRX(0.5, wires=[2, 1])
        """
        with recording(Tape()):
            base = ctrl(self.base, control=list(control), control_values=(
                None if control_values is None else list(control_values)))
        out = Conditional(self.meas_val, base)
        # (PennyLane's is a Controlled(Conditional): in its circuit graph not joined to the
        # measurements, qml.Tracker's count: _CondGroup)
        out.pl_controlled = True
        return out

    def map_wires(self, wire_map: dict) -> Conditional:
        """The conditioned operation on the mapped wires, under the same condition (not
        recorded)."""
        with recording(Tape()):  # (the condition's measurements too, PennyLane's)
            return Conditional(self.meas_val.map_wires(wire_map), self.base.map_wires(wire_map))

    def remake(self, params=()) -> Conditional:
        """The conditioned operation with ``params``, recorded where it is called."""
        if not hasattr(self.base, "remake"):  # recorded as written in a user's queue only
            with recording(Tape()):  # (qml.exp of a base without a Pauli form): its refusal
                self.base.decomposition()
            raise GateError(f"{self!r} cannot be applied in a circuit: qsym remakes the gates "
                            "of its table under qml.cond")
        with recording(Tape()):
            base = self.base.remake(params)
        return Conditional(self.meas_val, base)

    def __repr__(self):  # PennyLane's operator form: Conditional(RX)(0.3, wires=[0])
        params = [repr(p) for p in self.data] + [f"wires={list(self.wires)}"]
        return f"{self.name}({', '.join(params)})"


class CondCallable:
    """PennyLane's ``qml.cond`` on a classical (non-measurement) condition: calling it runs
    the branch whose predicate holds (``else_if``, ``otherwise`` add branches).

    >>> cond(True, lambda: "yes", lambda: "no")()
    'yes'
    """

    def __init__(self, condition, true_fn, false_fn=None, elifs=()):
        self.preds = [condition]
        self.branch_fns = [true_fn]
        self.otherwise_fn = false_fn
        if len(elifs) == 2 and not isinstance(elifs[0], (tuple, list)) and callable(elifs[1]):
            elifs = (elifs,)
        for pred, fn in elifs:
            self.preds.append(pred)
            self.branch_fns.append(fn)

    @property
    def true_fn(self):
        """The first branch (PennyLane's)."""
        return self.branch_fns[0]

    @property
    def false_fn(self):
        """The ``else`` branch, or None (PennyLane's)."""
        return self.otherwise_fn

    @property
    def condition(self):
        """The first predicate (PennyLane's)."""
        return self.preds[0]

    @property
    def elifs(self) -> list:
        """The ``elif`` branches as ``(predicate, function)`` pairs (PennyLane's)."""
        return list(zip(self.preds[1:], self.branch_fns[1:]))

    def else_if(self, pred):
        """A decorator adding an ``elif`` branch."""
        def decorator(fn):
            self.preds.append(pred)
            self.branch_fns.append(fn)
            return self
        return decorator

    def otherwise(self, fn):
        """A decorator setting the ``else`` branch."""
        self.otherwise_fn = fn
        return self

    def __call__(self, *args, **kwargs):
        dequeue_arguments(args, kwargs)  # (PennyLane's: a branch applies them, or not)
        for pred, fn in zip(self.preds, self.branch_fns):
            if pred:
                return fn(*args, **kwargs)
        if self.otherwise_fn is not None:
            return self.otherwise_fn(*args, **kwargs)
        return None


def dequeue_arguments(args, kwargs) -> None:
    """Take the gates passed as arguments to a conditioned function off the active tape
    (PennyLane's ``qml.cond``: the branch applies them, or not).

    >>> from qsym import _operations as o
    >>> t = Tape()
    >>> with recording(t):
    ...     x = o.GATE_CLASSES["PauliX"](wires=0)
    ...     dequeue_arguments((x,), {})
    >>> t.items
    []
    """
    tape = active_tape()
    if tape is None:
        return
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, ops_mod.Operation):
            tape.remove(a)
        elif getattr(a, "is_gate_product", False):  # a product of gates made as a statement
            tape.hand_off(a)


_COND_MEASURED = "Only quantum functions that contain no measurements can be applied conditionally."


def _conditioned(condition, fn, args, kwargs) -> None:
    """Record ``fn(*args, **kwargs)``'s gates on the active tape as :class:`Conditional`
    on ``condition``; on a user's queue (``qml.queuing.AnnotatedQueue``, a tape), each
    operator the function queues is conditioned as PennyLane queues it (a template, a
    product: one entry), the recorded gates as before."""
    outer = active_tape()
    inner = Tape()
    inner.branch = True
    if outer is not None and outer.log is not None:
        inner.log = QueueLog()
    with recording(inner):
        result = fn(*args, **kwargs)
    inner.apply_pending(whole=True)  # (a product of gates: one conditioned operation)
    if isinstance(result, ops_mod.MeasurementProcess) or any(
            isinstance(op, (MidMeasure, Conditional, PauliMeasure, ops_mod.MeasurementProcess))
            for op in list(inner.items) + list(inner.log or ())):
        raise ConditionalTransformError(_COND_MEASURED)
    if not inner.items and hasattr(result, "wires") and hasattr(result, "matrix"):
        # an operator the function made without recording anything (qml.simplify, qml.prod
        # of operators given as arguments): PennyLane's queue holds it, so it is conditioned
        inner.append(result)
    if inner.log is None:
        for op in inner.items:
            Conditional(condition, op)
        return
    with recording(Tape()):  # (made here, placed below)
        gates = [Conditional(condition, op) for op in inner.items]
        queued = [Conditional(condition, op) for op in inner.log]
    outer.items.extend(gates)
    outer.log.extend(queued)


def cond(condition, true_fn=None, false_fn=None, elifs=()):
    """PennyLane's ``qml.cond``: apply ``true_fn`` (a gate class or a function of gates)
    when ``condition`` holds, else ``false_fn``. On a :class:`MeasurementValue` (or an
    expression of them) the gates are recorded conditioned on the outcomes, and deferred as
    gates controlled by the measured wires; on anything else it is Python's ``if``
    (:class:`CondCallable`).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def f():
    ...     qml.Hadamard(0)
    ...     m = qml.measure(0)
    ...     qml.cond(m == 0, qml.PauliX, qml.Hadamard)(wires=1)
    ...     return qml.probs(wires=1)
    >>> f().round(6)
    array([0.25, 0.75])
    """
    if not isinstance(condition, MeasurementValue):
        if true_fn is None:
            return lambda fn: CondCallable(condition, fn)
        return CondCallable(condition, true_fn, false_fn, elifs)
    if true_fn is None:
        raise TypeError(
            "cond missing 1 required positional argument: 'true_fn'.\nNote that if the "
            "conditional includes a mid-circuit measurement, qml.cond cannot be used as a "
            "decorator.\nInstead, please use the form qml.cond(condition, true_fn, false_fn).")
    if elifs:
        raise ConditionalTransformError(
            "'elif' branches are not supported when not using @qjit and with "
            "qml.capture.disabled()\nif the conditional includes mid-circuit measurements.")
    if not callable(true_fn):
        raise ConditionalTransformError(
            "Only operations and quantum functions with no measurements can be applied "
            "conditionally.")

    def wrapper(*args, **kwargs):
        dequeue_arguments(args, kwargs)
        _conditioned(condition, true_fn, args, kwargs)
        if false_fn is not None:
            _conditioned(~condition, false_fn, args, kwargs)

    return wrapper


# --- statistics of measurement values (qml.expval(m), qml.probs(op=[m0, m1]), ...) ----------
_ARITHMETIC_LIST = (
    "Only sequences of unprocessed MeasurementValues can be passed with the op argument. "
    "MeasurementValues manipulated using arithmetic operators cannot be used when "
    "collecting statistics for a sequence of mid-circuit measurements.")


def _check_statistic(kind: str, mv) -> None:
    if isinstance(mv, MeasurementValue):
        if kind == "probs" and len(mv.measurements) > 1:
            raise MeasurementError(  # PennyLane's ValueError and text
                "Cannot use qp.probs() when measuring multiple mid-circuit measurements "
                "collected using arithmetic operators. To collect probabilities for multiple "
                "mid-circuit measurements, use a list of mid-circuit measurements with "
                "qp.probs().")
        return
    if kind in ("expval", "var"):
        raise MeasurementError(  # PennyLane's ValueError and text
            f"qp.{kind} does not support measuring sequences of measurements or observables "
            "(qsym: give one MeasurementValue; an expression of several measurements is one "
            "value: m0 + m1)")
    if kind == "sample":
        if not all(len(m.measurements) == 1 for m in mv):
            raise QuantumFunctionError(
                "Only sequences of single MeasurementValues can be passed with the op "
                "argument. MeasurementValues manipulated using arithmetic operators cannot be "
                "used when collecting statistics for a sequence of mid-circuit measurements.")
    elif any(m.has_processing for m in mv):
        raise QuantumFunctionError(_ARITHMETIC_LIST)


def init_statistic(mp, kind: str, mv, all_outcomes=False, dtype=None, check=True) -> None:
    """Make ``mp`` (a measurement process of ``kind``) a statistic of the measurement value
    ``mv`` (or a list of them): PennyLane's ``mp.mv``; its wires are the measured wires.
    The measurement functions of :mod:`qsym._operations` call this for a measurement value
    (:data:`qsym._operations.MID_MEASURE`).

    >>> from qsym import _operations as o
    >>> mp = o.expval(measure(0))
    >>> mp.mv.wires, mp.measured_obs, mp.wires
    (Wires([0]), None, Wires([0]))

    ``check=False`` (a measurement class made directly, ``ProbabilityMP(obs=...)``, as
    PennyLane's, which only its measurement functions check) skips the refusals of
    processed values in lists and of ``probs`` of an expression.
    """
    if check:
        _check_statistic(kind, mv)
    ops_mod.MeasurementProcess.__init__(mp, kind)
    mp.mv = mv if isinstance(mv, MeasurementValue) else list(mv)
    mp.wires = (mv.wires if isinstance(mv, MeasurementValue)
                else Wires.all_wires([m.wires for m in mv]))
    if kind == "counts":
        mp.all_outcomes = bool(all_outcomes)
    if kind == "sample":
        mp.dtype = None if dtype is None else np.dtype(dtype)


ops_mod.MID_MEASURE["init"] = init_statistic


def diagonal_terms(mv: MeasurementValue) -> dict:
    """The measurement value as a diagonal observable of its measured wires: ``{Pauli
    word: coefficient}`` with ``Z`` words only, the Walsh-Hadamard expansion of the
    processing function (``f(b) = sum_S c_S prod_{i in S} (-1)^b_i``).

    >>> m0 = MeasurementValue([MidMeasure(0, meas_uid="a")])
    >>> m1 = MeasurementValue([MidMeasure(1, meas_uid="b")])
    >>> diagonal_terms(m0 & m1)
    {(): 0.25, ((1, 'Z'),): -0.25, ((0, 'Z'),): -0.25, ((0, 'Z'), (1, 'Z')): 0.25}
    """
    wires = [m.wires[0] for m in mv.measurements]
    k = len(wires)
    values = np.array([float(v) for _, v in mv.items()])  # bits in binary order, first high
    # the fast Walsh-Hadamard transform, one wire (axis) at a time: k 2^k operations
    v = values.reshape((2,) * k)
    for axis in range(k):
        a, b = np.take(v, 0, axis=axis), np.take(v, 1, axis=axis)
        v = np.stack((a + b, a - b), axis=axis)
    coeffs = np.reshape(v, -1) / 2**k  # subset S's at its bits' index, first wire high
    return {tuple((w, "Z") for i, w in enumerate(wires) if (s >> (k - 1 - i)) & 1):
            float(coeffs[s]) for s in np.flatnonzero(np.abs(coeffs) > 1e-15).tolist()}


def _executable_statistic(mp):
    """The measurement qsym computes for a statistic of measurement values whose
    measurements sit on their control wires (after :func:`defer`)."""
    kind, mv = mp.kind, mp.mv
    if isinstance(mv, list) or kind == "probs":
        wires = list(mp.wires)
        if kind == "probs":
            out = ops_mod.probs(wires=wires)
            out.of_values = True  # (what one-shot returns when no shot is kept)
            return out
        if kind == "counts":
            out = ops_mod.counts(wires=wires, all_outcomes=getattr(mp, "all_outcomes", False))
            if _one_shot_counts():  # (PennyLane's one-shot keys: Python strings)
                out._outcome_dtype = str
            return out
        return ops_mod.sample(wires=wires, dtype=getattr(mp, "dtype", None))
    obs = ops_mod.Observable(diagonal_terms(mv))
    out = _observable_statistic(mp, kind, mv, obs)
    out._written = mv  # labelled as PennyLane labels it (qml.draw: <None>, Sample, ...)
    return out


def _observable_statistic(mp, kind, mv, obs):
    # PennyLane's type of the values (its mp.eigvals(): an array of the processed values of
    # every branch): bool for comparisons, int64 for sums of bits, float64 once a float enters
    values_dtype = np.asarray([v for _, v in mv.items()]).dtype
    if kind == "counts":
        out = ops_mod.counts(obs, all_outcomes=getattr(mp, "all_outcomes", False))
        # the keys' type (np.True_, np.int64(2), ...), as PennyLane's deferred counts; its
        # one-shot processing (mcm_method unset with shots) keys them by Python floats
        out._outcome_dtype = float if _one_shot_counts() else values_dtype
        return out
    if kind == "sample":
        dtype = getattr(mp, "dtype", None)
        return ops_mod.sample(obs, dtype=values_dtype if dtype is None else dtype)
    return ops_mod.expval(obs) if kind == "expval" else ops_mod.var(obs)


# --- native methods (mcm_method="one-shot" or "tree-traversal"): their refusals ------------
#: the measurement classes native mid-circuit measurement methods combine from shots
NATIVE_CLASSES = ("CountsMP", "ExpectationMP", "ProbabilityMP", "SampleMP", "VarianceMP")
_NATIVE = threading.local()


def check_native_measurements(measurements) -> None:
    """PennyLane's refusal of the measurements one-shot and tree-traversal cannot combine
    from shots (a :class:`TypeError` naming the class: states, entropies, shadows, ...).

    >>> import qsym as qml
    >>> check_native_measurements([qml.state()])
    Traceback (most recent call last):
    ...
    TypeError: Native mid-circuit measurement mode does not support StateMP measurements.
    """
    for m in measurements:
        if type(m).__name__ not in NATIVE_CLASSES:
            raise TypeError(f"Native mid-circuit measurement mode does not support "
                            f"{type(m).__name__} measurements.")


def native_method() -> bool:
    """Whether a QNode of ``mcm_method="one-shot"`` or ``"tree-traversal"`` is running.

    >>> native_method()
    False
    """
    return getattr(_NATIVE, "active", False)


@contextlib.contextmanager
def running_natively():
    """The recordings made inside run with a native method's refusals (qsym still defers:
    the statistics are the same).

    >>> with running_natively():
    ...     native_method()
    True
    """
    with thread_setting(_NATIVE, "active", True):
        yield


# --- the deferral (PennyLane's defer_measurements, tape form) --------------------------------
def _check_deferrable(measurements) -> None:
    for mp in measurements:
        name = type(mp).__name__
        if mp.kind == "state" and not mp.reduce:
            raise MeasurementError(
                "Cannot use StateMP as a measurement when using qml.defer_measurements. "
                "Deferred measurements can occur automatically when using mid-circuit "
                "measurements on a device that does not support them.")
        if (mp.kind in ("probs", "sample", "counts") and mp.measured_obs is None and not mp.wires
                and getattr(mp, "mv", None) is None):
            raise MeasurementError(
                f"Cannot use {name} as a measurement without specifying wires when using "
                "qml.defer_measurements. Deferred measurements can occur automatically when "
                "using mid-circuit measurements on a device that does not support them.")


def _reuse(operations, measurements):
    """PennyLane's bookkeeping: the measured wires in order, the wires used again after a
    measurement (or reset; a final measurement of the wire too), whether a wire is
    measured twice, whether any postselects."""
    measured, reused, repeated, post = [], set(), False, False
    for op in list(operations) + list(measurements):
        if isinstance(op, MidMeasure):
            post = post or op.postselect is not None
            if op.reset:
                reused.add(op.wires[0])
            repeated = repeated or op.wires[0] in measured
            measured.append(op.wires[0])
        else:
            reused |= set(measured) & set(_wires_of(op))
        # a Conditional's condition does not use its measured wires
    return measured, reused, repeated, post


def _wires_of(op) -> tuple:
    """The wires an operation or a final measurement uses (a measurement's observable's)."""
    if getattr(op, "wires", None):
        return tuple(op.wires)
    obs = getattr(op, "measured_obs", None)
    return tuple(getattr(obs, "wires", None) or ())


def _all_wires(operations, measurements) -> list:
    out = []
    for op in list(operations) + list(measurements):
        for w in _wires_of(op):
            if w not in out:
                out.append(w)
    return out


class _CondGroup:
    """What PennyLane's gradient transforms see of one ``Conditional`` the deferral wrote as
    several gates (a branch each, a gate's decomposition): its base's parameters and its
    wires as written (``qml.cond(m, qml.GlobalPhase)(x, wires=1)`` is on wire 1, though
    the deferred phase acts on the measured wire's copy). Truthy, one object per
    ``Conditional`` (``pl_conditional`` of its gates)."""

    __slots__ = ("controls", "params", "wires")

    def __init__(self, params, wires, controls=()):
        # controls: the wires holding the outcomes it is conditioned on (PennyLane's circuit
        # graph joins each measurement to the Conditional; none for a qml.ctrl of one, which
        # is a Controlled operator there, not a Conditional)
        self.params, self.wires, self.controls = params, wires, controls


def _mark_groups(tape, start: int, group, pending: list) -> None:
    """Give the gates ``tape.items[start:]`` (one deferred ``Conditional``'s) its ``group``;
    if it wrote none (a branch a postselection rules out, a phase on the measured wire's
    copy: nothing to apply), PennyLane's ``Conditional`` is still in its circuit graph, so
    the group waits in ``pending`` for the next gate (:func:`_place_pending`)."""
    made = tape.items[start:]
    for gate in made:
        _mark(gate, "pl_conditional", group)
    if not made:
        pending.append(group)


def _mark(gate, name: str, value) -> None:
    try:
        setattr(gate, name, value)
    except (AttributeError, TypeError):  # (an operator without attributes of its own)
        pass


# whether a deferral ever marked an operator with the groups of Conditionals that wrote no
# gate (:func:`_place_pending`): a recording without a deferral then clears the marks its
# operators carry from an earlier circuit (:func:`clear_stale_marks`)
_PENDING_MARKED = [False]


def _place_pending(tape, start: int, pending: list) -> None:
    """The groups that wrote no gate, kept on the first gate recorded after them
    (``pl_conditional_before``; after the circuit's last gate: ``pl_conditional_after``);
    a stale mark of an earlier deferral on a reused operator is cleared."""
    for gate in tape.items[start:]:
        if getattr(gate, "pl_conditional_after", None):
            _mark(gate, "pl_conditional_after", ())
        if pending:
            _PENDING_MARKED[0] = True
            _mark(gate, "pl_conditional_before", tuple(pending))
            pending.clear()
        elif getattr(gate, "pl_conditional_before", None):
            _mark(gate, "pl_conditional_before", ())


def clear_stale_marks(items) -> None:
    """Clear the marks of Conditionals that wrote no gate (``pl_conditional_before`` /
    ``_after``) that ``items``, a recording nothing is deferred in, carry from an earlier
    circuit's deferral (an operator object the user applies again, ``qml.apply``): else
    ``qml.Tracker`` would count a forward difference of a Conditional this circuit lacks."""
    for op in items:
        for name in ("pl_conditional_before", "pl_conditional_after"):
            if getattr(op, name, None):
                _mark(op, name, ())


def _controlled(op: Conditional, control_wires: dict, reduce_postselected: bool) -> list:
    """The gates of a deferred :class:`Conditional`: its base controlled by the control
    wires of its measurements, one per true branch (recorded on the active tape)."""
    mv = by_control_wire(op.meas_val, control_wires)
    if reduce_postselected:
        control = [control_wires[m.meas_uid] for m in mv.measurements if m.postselect is None]
        items = list(mv.postselected_items())
    else:
        control = [control_wires[m.meas_uid] for m in mv.measurements]
        items = list(mv.items())
    out = []
    for branch, value in items:
        if not value:
            continue
        base = _copy(op.base)
        if branch == ():
            tape = active_tape()
            tape.append(base)
            out.append(base)
        else:
            out.append(ctrl(base, control=control, control_values=list(branch)))
    return out


def _copy(op):
    """A fresh, unrecorded copy of gate ``op`` (a deferred branch applies it once per true
    branch)."""
    if isinstance(op, ops_mod.Operation) and type(op).__name__ in ops_mod.GATE_CLASSES:
        # (a QubitUnitary's data is its matrix, a hyperparameter here: its parameters then)
        args = op.data if len(op.data) == len(op.params) else op.params
        return _unrecorded(type(op), *args, wires=list(op.wires), **dict(op.hyper))
    return op


def _is_conditional_measurement(op) -> bool:
    return isinstance(op, Conditional) and isinstance(op.base, MidMeasure)


def unconditioned_measurements(operations) -> tuple:
    """``operations`` with each conditional mid-circuit measurement (the pair of
    ``Conditional``s of measurements of one wire that ``qml.ftqc.cond_measure`` records:
    which basis is measured depends on earlier outcomes) written as each branch's basis
    rotation (its ``diagonalizing_gates()``) conditioned on its branch, then one
    computational-basis measurement carrying the first branch's ``meas_uid``; and
    ``{second meas_uid: first meas_uid}``, the measurements that read the same outcome.

    >>> from qsym import _operations as o
    >>> m = MidMeasure(0, meas_uid="a")
    >>> t = _unrecorded(Conditional, MeasurementValue([m]), MidMeasure(1, meas_uid="b"))
    >>> f = _unrecorded(Conditional, ~MeasurementValue([m]), MidMeasure(1, meas_uid="c"))
    >>> unconditioned_measurements([m, t, f])
    ([MidMeasure(wires=[0], postselect=None, reset=False), MidMeasure(wires=[1], postselect=None, reset=False)], {'c': 'b'})
    """
    if not any(_is_conditional_measurement(op) for op in operations):
        return list(operations), {}
    out, aliases, ops, i = [], {}, list(operations), 0
    while i < len(ops):
        op = ops[i]
        if not _is_conditional_measurement(op):
            out.append(op)
            i += 1
            continue
        other = ops[i + 1] if i + 1 < len(ops) else None
        if not (_is_conditional_measurement(other) and other.base.wires == op.base.wires
                and other.base.reset == op.base.reset
                and other.base.postselect == op.base.postselect):
            raise ConditionalTransformError(
                "a conditional mid-circuit measurement must be one of a pair measuring one "
                "wire (qml.ftqc.cond_measure records both branches): " + repr(op))
        for branch in (op, other):
            base = branch.base
            for gate in (base.diagonalizing_gates()
                         if getattr(base, "has_diagonalizing_gates", False) else []):
                out.append(_unrecorded(Conditional, branch.meas_val, gate))
        out.append(_unrecorded(MidMeasure, op.base.wires, reset=op.base.reset,
                               postselect=op.base.postselect, meas_uid=op.base.meas_uid))
        aliases[other.base.meas_uid] = op.base.meas_uid
        i += 2
    return out, aliases


def by_control_wire(mv: MeasurementValue, control_wires: dict) -> MeasurementValue:
    """``mv`` over its distinct outcome bits: measurements whose outcome sits on one control
    wire (the branches of a conditional measurement, one measurement listed twice) are one
    argument of the processing function.

    >>> a, b = MidMeasure(0, meas_uid="a"), MidMeasure(0, meas_uid="b")
    >>> v = by_control_wire(MeasurementValue([a, b], lambda x, y: 2 * x + y), {"a": 3, "b": 3})
    >>> v.measurements == [a], v.processing_fn(1)
    (True, 3)
    """
    wires = [control_wires.get(m.meas_uid, m.wires[0]) for m in mv.measurements]
    distinct = list(dict.fromkeys(wires))
    if len(distinct) == len(wires):
        return mv
    keep = [mv.measurements[wires.index(w)] for w in distinct]
    pos = [distinct.index(w) for w in wires]
    fn = mv.processing_fn
    return MeasurementValue(keep, lambda *x: fn(*(x[i] for i in pos)))


def defer(operations, measurements, reduce_postselected=True, allow_postselect=True):
    """PennyLane's ``defer_measurements`` on a circuit's operations and measurements:
    ``(operations, measurements, gates, postselected)``. ``operations`` and
    ``measurements`` are PennyLane's deferred tape (``CNOT`` copies, ``Controlled``
    operations, statistics of the values on their control wires, a ``Projector`` before a
    postselected measurement); ``gates`` are the table gates qsym runs and
    ``postselected`` ``{control wire: value}``.

    >>> from qsym import _operations as o
    >>> X = o.GATE_CLASSES["PauliX"]
    >>> m = MidMeasure(0, meas_uid="a")
    >>> ops, ms, gates, post = defer([m, X(1), Conditional(MeasurementValue([m]), X(1))],
    ...                              [o.probs(wires=[1])])
    >>> ops
    [X(1), CNOT(wires=[0, 1])]
    """
    _check_deferrable(measurements)
    operations, aliases = unconditioned_measurements(operations)
    measured, reused, repeated, post = _reuse(operations, measurements)
    if post and not allow_postselect:
        raise MeasurementError(
            "Postselection is not allowed on the device with deferred measurements. The "
            "device must support the Projector gate to apply postselection.")
    integers = [w for w in _all_wires(operations, measurements)
                if isinstance(w, (int, np.integer)) and not isinstance(w, bool)]
    cur = (max(integers) + 1 if integers else 0) if (reused or repeated) else None
    control_wires, new_ops, postselected = {}, [], {}
    tape = Tape()
    pending: list = []  # Conditionals that wrote no gate (_mark_groups)
    with recording(tape):
        for op in operations:
            placed = len(tape.items)
            if isinstance(op, MidMeasure):
                measured.pop(0)
                w = op.wires[0]
                if getattr(op, "has_diagonalizing_gates", False):  # another basis (qml.ftqc's)
                    for gate in op.diagonalizing_gates():  # its rotation onto Z, then Z
                        gate.queue()
                        new_ops.append(gate)
                if op.postselect is not None:
                    new_ops.append(_unrecorded(ops_mod.Projector, [op.postselect], wires=[w]))
                if w in reused or w in measured:
                    control_wires[op.meas_uid] = cur
                    new_ops.append(ops_mod.GATE_CLASSES["CNOT"](wires=[w, cur]))
                    if op.reset:  # (postselected: the same, on the kept branch)
                        if op.postselect is None:
                            new_ops.append(ops_mod.GATE_CLASSES["CNOT"](wires=[cur, w]))
                        elif op.postselect == 1:  # (the other branch is discarded)
                            new_ops.append(ops_mod.GATE_CLASSES["PauliX"](wires=w))
                    cur += 1
                else:
                    control_wires[op.meas_uid] = w
                if op.meas_uid in aliases.values():  # (the other branch's measurement)
                    control_wires.update({k: control_wires[op.meas_uid]
                                          for k, v in aliases.items() if v == op.meas_uid})
                if op.postselect is not None:
                    postselected[control_wires[op.meas_uid]] = op.postselect
            elif isinstance(op, Conditional):
                start = len(tape.items)
                new_ops.extend(_controlled(op, control_wires, reduce_postselected))
                # (qml.Tracker counts their derivatives' circuits as PennyLane's Conditional's:
                # by its own parameters and written wires, whatever gates the branches make)
                controls = () if getattr(op, "pl_controlled", False) else tuple(
                    dict.fromkeys(control_wires[m.meas_uid] for m in op.meas_val.measurements
                                  if m.meas_uid in control_wires))
                _mark_groups(tape, start, _CondGroup(tuple(getattr(op.base, "params", ()) or ()),
                                                     tuple(getattr(op.base, "wires", ()) or ()),
                                                     controls), pending)
            elif isinstance(getattr(op, "base", None), Conditional):  # ctrl of a conditional
                with recording(Tape()):
                    inner = op.base.controlled(op.control_wires, op.control_values)
                start = len(tape.items)
                new_ops.extend(_controlled(inner, control_wires, reduce_postselected))
                # (PennyLane's Controlled(Conditional): differentiated as a Conditional, by a
                # forward difference, on its written wires, not joined to the measurements)
                base = op.base.base
                _mark_groups(tape, start, _CondGroup(
                    tuple(getattr(base, "params", ()) or ()),
                    tuple(op.control_wires) + tuple(getattr(base, "wires", ()) or ())), pending)
            else:
                tape.append(op)
                new_ops.append(op)
            _place_pending(tape, placed, pending)
    if pending and tape.items:  # (after the last gate)
        _PENDING_MARKED[0] = True
        _mark(tape.items[-1], "pl_conditional_after", tuple(pending))
    new_ms = [_moved_statistic(mp, control_wires) for mp in measurements]
    return new_ops, new_ms, list(tape.items), postselected


def _moved_statistic(mp, control_wires: dict):
    mv = getattr(mp, "mv", None)
    if mv is None:
        return mp

    def moved(v):
        v = by_control_wire(v, control_wires)
        return MeasurementValue(
            [m.map_wires({m.wires[0]: control_wires.get(m.meas_uid, m.wires[0])})
             for m in v.measurements],  # (a measurement not on this tape: deferred already)
            v._processing_fn)

    new = moved(mv) if isinstance(mv, MeasurementValue) else [moved(v) for v in mv]
    with recording(Tape()):
        out = type(mp)(new)
    if mp.kind == "counts":
        out.all_outcomes = getattr(mp, "all_outcomes", False)
    if mp.kind == "sample":
        out.dtype = getattr(mp, "dtype", None)
    return out


def postselecting(mp, kept: dict):
    """A copy of measurement ``mp`` that is taken on the state projected onto ``kept``
    (control wire -> outcome) and renormalised.

    >>> from qsym import _operations as o
    >>> postselecting(o.probs(wires=[1]), {2: 1}).postselect
    {2: 1}
    """
    import copy

    out = copy.copy(mp)
    out.postselect = dict(kept)
    return out


def _execution_form(deferral, device_wires):
    """The table gates and measurements qsym runs for a recording with mid-circuit
    measurements (``deferral``: :func:`defer`'s ``(operations, measurements, gates,
    postselected)``; then each statistic of values as a measurement of the control wires)."""
    _, ms, gates, postselected = deferral
    if device_wires is not None and not one_shot_wires():
        missing = [w for w in _all_wires(gates, []) if w not in device_wires]
        if missing:
            name = (getattr(_BY_TRANSFORM, "options", None) or {}).get("device") or "the device"
            raise WireError(
                f"Cannot run circuit(s) on {name} as they contain wires not found on "
                f"the device: {set(missing)} (the deferred mid-circuit measurements copy a "
                "measured wire that is used again, reset or measured again onto a new wire: "
                "create the device with more wires, or without wires=)")
    with recording(Tape()):
        ms = [_executable_statistic(m) if getattr(m, "mv", None) is not None
              else _one_shot_observable_counts(m) for m in ms]
    if postselected and any(m.kind == "sample" for m in ms) and any(
            getattr(g, "batch_size", None) is not None for g in gates):
        raise MeasurementError("Returning qp.sample is not supported when postselecting "
                               "mid-circuit measurements with broadcasting")  # (PennyLane's)
    if postselected:  # measured on the projected, renormalised state (qsym._ir.Measurement.post)
        ms = [postselecting(m, postselected) for m in ms]
    return gates, ms


def _one_shot_counts() -> bool:
    """Whether counts are keyed as PennyLane's one-shot processing keys them (Python
    floats, and strings for lists of values): its method runs the recording's mid-circuit
    measurements (not ``qml.defer_measurements`` applied to the QNode)."""
    options = getattr(_BY_TRANSFORM, "options", None) or {}
    return one_shot_wires() and not options.get("user")


def _one_shot_observable_counts(mp):
    """``mp``, or, counts of an observable under one-shot semantics, a copy keyed by Python
    floats (PennyLane's one-shot processing)."""
    if mp.kind != "counts" or mp.measured_obs is None or not _one_shot_counts():
        return mp
    import copy

    out = copy.copy(mp)
    out._outcome_dtype = float
    return out


def rewrite_recording(items, result, device_wires=None):
    """The recording of a circuit function with its mid-circuit measurements deferred
    (registered in :data:`qsym._trace.TAPE_REWRITES`): unchanged without any.

    >>> from qsym import _operations as o
    >>> m = MidMeasure(0, meas_uid="a")
    >>> gates, res = rewrite_recording([o.GATE_CLASSES["RX"](0.5, wires=0), m],
    ...                                o.expval(MeasurementValue([m])))
    >>> gates, res, res.measured_obs
    ([RX(0.5, wires=[0]), CNOT(wires=[0, 1])], expval(MeasurementValue(wires=[1])), Observable(0.5 * I - 0.5 * Z(1)))
    """
    # the measurements of a returned pytree (nested tuples, lists, dicts), rebuilt after
    spec, results = tree_spec(result, lambda m: isinstance(m, ops_mod.MeasurementProcess))
    if spec is None or not results:
        return items, result  # (refused by the next stage, with its message)
    if not any(isinstance(op, (MidMeasure, Conditional)) for op in items) and not any(
            getattr(m, "mv", None) is not None for m in results):
        if _PENDING_MARKED[0]:
            clear_stale_marks(items)
        for user in (True, False):  # (each returns the tape)
            if by_transform(user) and TAPE_DEFERRAL:
                TAPE_DEFERRAL[0](items, results, _BY_TRANSFORM.options,
                                 *([_BY_TRANSFORM.options["user"]] if user else []))
        return items, result
    if any(isinstance(op, MidMeasure) for op in items):
        if hasattr(_BY_TRANSFORM, "measured"):
            _BY_TRANSFORM.measured = True
        if native_method():
            check_native_measurements(results)
    if one_shot_wires():  # (a replay has no device wires: the QNode's)
        own = device_wires if device_wires is not None else _BY_TRANSFORM.options.get("wires")
        if own is None:  # a device without wires: the circuit's, before the deferral's copies
            own = Wires.all_wires([getattr(op, "wires", ()) for op in items]
                                  + [m.wires for m in results])
        results = [_on_device_wires(m, own) for m in results]
    # by qml.defer_measurements's tape function where the QNode runs it, else directly
    deferral = _transformed(items, results) or defer(items, results)
    gates, ms = _execution_form(deferral, device_wires)
    return gates, format_values(("tree", spec), ms)


def _transformed(items, results):
    """:func:`defer`'s four lists for a recording, from the tapes of the
    ``qml.defer_measurements`` calls a QNode makes (:func:`by_transform`): the user's
    transform on the recording, then the device's on its deferred tape, or the device's on
    the recording; None where none is made or nothing was deferred (no ``MidMeasure``)."""
    if not TAPE_DEFERRAL:
        return None
    options = getattr(_BY_TRANSFORM, "options", None)
    if by_transform(user=True):
        deferral = getattr(TAPE_DEFERRAL[0](items, results, options, options["user"]),
                           "deferral", None)
        if deferral is not None and by_transform():  # the device's, on the deferred tape
            TAPE_DEFERRAL[0](deferral[0], deferral[1], options)  # (none left: unchanged)
        return deferral
    if by_transform():
        return getattr(TAPE_DEFERRAL[0](items, results, options), "deferral", None)
    return None


TAPE_REWRITES.append(rewrite_recording)

#: ``qml.defer_measurements``'s tape transform as a QNode's execution runs it on its
#: recording (PennyLane's device preprocessing, when the mid-circuit measurement method is
#: ``"deferred"``, and the user's ``qml.defer_measurements(qnode)``):
#: ``(operations, measurements, options[, (reduce_postselected, allow_postselect)]) ->
#: deferred tape`` (its
#: ``deferral``: :func:`defer`'s four lists, None without mid-circuit measurements); set
#: by :mod:`qsym._deferral`, which makes the transform object above the tapes
TAPE_DEFERRAL: list = []
_BY_TRANSFORM = threading.local()


@contextlib.contextmanager
def deferring_by_transform(options):
    """How the recordings made inside defer their mid-circuit measurements: ``options``
    ``{"method": ..., "shots": ..., "wires": ...}``, a QNode's resolved method, shots and
    device wires (``"replay": True``: a replay of its recording, which calls no
    transform). ``"deferred"``: by
    ``qml.defer_measurements``'s tape transform (:data:`TAPE_DEFERRAL`, the tape with these
    shots); ``"one-shot"`` or ``"tree-traversal"``: by :func:`defer` directly, with
    PennyLane's one-shot semantics on the device's wires (the copies of measured wires are
    qsym's own wires, a measurement without wires is of the device's wires:
    :func:`one_shot_wires`); ``None``: by :func:`defer`, on the device's wires.

    >>> with deferring_by_transform({"method": "one-shot", "shots": 10}):
    ...     by_transform(), one_shot_wires()
    (False, True)
    """
    with thread_setting(_BY_TRANSFORM, "options", options), \
            thread_setting(_BY_TRANSFORM, "measured", False):
        yield


def mid_measured() -> bool:
    """Whether a recording inside :func:`deferring_by_transform` deferred a mid-circuit
    measurement (PennyLane's one-shot method then samples each one: ``qml.Tracker``).

    >>> mid_measured()
    False
    """
    return bool(getattr(_BY_TRANSFORM, "measured", False))


def by_transform(user=False) -> bool:
    """Whether the recording is deferred by ``qml.defer_measurements``'s tape transform
    (:func:`deferring_by_transform`): as the device's preprocessing, or (``user``) as the
    transform applied to the QNode (its options ``(reduce_postselected,
    allow_postselect)`` are ``options["user"]``).

    >>> by_transform(), by_transform(user=True)
    (False, False)
    """
    options = getattr(_BY_TRANSFORM, "options", None) or {}
    if options.get("replay"):
        return False
    return bool(options.get("user")) if user else options.get("method") == "deferred"


def one_shot_wires() -> bool:
    """Whether the recording has PennyLane's one-shot semantics on the device's wires
    (:func:`deferring_by_transform`): the deferral may copy measured wires onto wires the
    device does not have (qsym's own, not returned), as one-shot execution needs none.

    >>> one_shot_wires()
    False
    """
    options = getattr(_BY_TRANSFORM, "options", None) or {}
    method = options.get("method")  # (analytic tree-traversal needs no wire per copy either)
    return method == "tree-traversal" or method == "one-shot" and bool(options.get("shots"))


def _on_device_wires(mp, device_wires):
    """``mp``, or, a sample, counts or probabilities of no wires (all of them), the same of
    the device's wires (one-shot semantics: the copies the deferral adds are not measured)."""
    if (mp.kind not in ("probs", "sample", "counts") or mp.measured_obs is not None or mp.wires
            or getattr(mp, "mv", None) is not None):
        return mp
    wires = list(device_wires)
    with recording(Tape()):
        if mp.kind == "probs":
            return ops_mod.probs(wires=wires)
        if mp.kind == "sample":
            return ops_mod.sample(wires=wires, dtype=getattr(mp, "dtype", None))
        return ops_mod.counts(wires=wires, all_outcomes=getattr(mp, "all_outcomes", False))


def defer_measurements(tape=None, reduce_postselected=True, allow_postselect=True,
                       num_wires=None):
    """PennyLane's ``qml.defer_measurements``: on a tape, ``([deferred tape], fn)`` (``fn``
    takes the list of results and returns the first); on a QNode or a circuit function,
    the same function with its measurements deferred (qsym defers every mid-circuit
    measurement anyway: the results are the same).

    >>> import qsym as qml
    >>> m = MidMeasure(0, meas_uid="a")
    >>> tape = qml.tape.QuantumScript([qml.Hadamard(0), m], [qml.expval(MeasurementValue([m]))])
    >>> (new,), fn = qml.defer_measurements(tape)
    >>> new.operations, new.measurements
    ([H(0), CNOT(wires=[0, 1])], [expval(MeasurementValue(wires=[1]))])
    """
    from functools import partial

    if tape is None:
        return partial(defer_measurements, reduce_postselected=reduce_postselected,
                       allow_postselect=allow_postselect, num_wires=num_wires)
    if callable(tape) and not hasattr(tape, "operations"):
        return _deferring(tape, reduce_postselected, allow_postselect)
    operations = list(tape.operations)
    if not any(isinstance(op, MidMeasure) for op in operations):
        return [tape], _first
    check_deferrable(tape)
    ops, ms, gates, postselected = defer(operations, list(tape.measurements),
                                         reduce_postselected, allow_postselect)
    if postselected and getattr(tape, "batch_size", None) is not None and any(
            m.kind == "sample" for m in tape.measurements):
        raise MeasurementError("Returning qp.sample is not supported when postselecting "
                               "mid-circuit measurements with broadcasting")  # (PennyLane's)
    with recording(Tape()):
        new = type(tape)(ops, ms, shots=getattr(tape, "shots", None))
    # what qsym runs for it (a QNode's execution reads it: rewrite_recording): the four
    # lists of defer (the table gates the deferral recorded, the postselected control wires)
    new.deferral = (ops, ms, gates, postselected)
    return [new], _first


def check_deferrable(tape) -> None:
    """PennyLane's refusal of ``qml.defer_measurements`` for a tape with continuous-variable
    operations or observables (``qml.Rotation``, ``qml.NumberOperator``, ...): a
    ``MeasurementError`` (PennyLane's ``ValueError``).

    >>> import qsym as qml
    >>> check_deferrable(qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))]))
    >>> check_deferrable(qml.tape.QuantumScript([qml.Rotation(0.1, 0)]))
    Traceback (most recent call last):
        ...
    qsym.errors.MeasurementError: Continuous variable operations and observables are not supported.
    """
    from ._cv import CVObservable, CVOperation

    observed = [getattr(m, "written_obs", None) if getattr(m, "measured_obs", None) is not None else None
                for m in tape.measurements]
    observed += [getattr(m, "measured_obs", None) for m in tape.measurements]
    if any(isinstance(op, CVOperation) for op in tape.operations) or any(
            isinstance(getattr(o, "op", o), CVObservable) for o in observed):
        raise MeasurementError("Continuous variable operations and observables are not "
                               "supported.")


def _deferring(fn, reduce_postselected, allow_postselect):
    """``qml.defer_measurements`` of a QNode or a circuit function. qsym defers every
    measurement when it traces, so the results are the same; what changes is the tape PennyLane
    shows (``qml.workflow.construct_tape``): the deferred one. A QNode is marked
    (``defers_measurements``): a copy of it with its own compiled signatures, as PennyLane's
    transforms return a new QNode and leave the one given unchanged; a circuit function recorded on a tape records its deferred
    operations there."""
    if hasattr(fn, "func") and hasattr(fn, "device"):  # a QNode
        import copy

        marked = copy.copy(fn)
        marked.defers_measurements = (reduce_postselected, allow_postselect)
        # its own compiled signatures: its trace defers as PennyLane's transform, not as the
        # device's one-shot method (the wires it may add, the types of counts' keys)
        marked._compiled = {}
        return marked

    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        outer = active_tape()
        if outer is None or not hasattr(outer, "add_measurement"):  # traced: deferred anyway
            if outer is not None:  # (qml.draw draws the deferred circuit, as PennyLane's)
                outer.defers_measurements = True
            return fn(*args, **kwargs)
        inner = Tape()
        if outer.log is not None:  # a user's queue: operators as queued (a template: one),
            inner.log = QueueLog()  # measurements taking their observables off it
            inner.add_measurement = inner.items.append
        with recording(inner):
            result = fn(*args, **kwargs)
        results = list(result) if isinstance(result, (tuple, list)) else [result]
        written = [op for op in (inner.items if inner.log is None else inner.log)
                   if not isinstance(op, ops_mod.MeasurementProcess)]
        ops, ms, gates, _ = defer(written, results, reduce_postselected, allow_postselect)
        if inner.log is None:
            for op in ops:
                outer.append(op)
        else:  # (the gates qsym runs recorded, the deferred operators queued)
            outer.items.extend(gates)
            outer.log.extend(ops)
        for m in ms:
            outer.add_measurement(m)
        return type(result)(ms) if isinstance(result, (tuple, list)) else ms[0]

    return wrapper


def _first(results):
    """The processing of :func:`defer_measurements`: the one tape's result."""
    return results[0]


def iterative_qpe(base, aux_wire, iters: int) -> list:
    """Iterative quantum phase estimation (PennyLane's ``qml.iterative_qpe``): ``iters``
    rounds on one auxiliary wire, the most significant bit last. Round ``i`` applies
    ``Hadamard``, ``base`` to the power ``2**(iters - i - 1)`` controlled by the auxiliary
    wire, the phase corrections of the bits measured so far (``PhaseShift(-2 pi / 2**(j + 2))``
    conditioned on each), ``Hadamard``, and measures and resets the wire. Returns the
    measured values (``MeasurementValue``), least significant bit last, as PennyLane's.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit"))
    ... def circuit():
    ...     qml.PauliX(wires=0)
    ...     bits = qml.iterative_qpe(qml.RZ(2.0, wires=[0]), aux_wire=1, iters=3)
    ...     return qml.probs(op=bits)
    >>> int(circuit().argmax())  # 2.0 / (4 pi) = 0.159 ~ 0.001 (binary): phase of RZ's |1>
    1
    """
    from ._opmath import pow as op_pow

    with recording(Tape()):
        hadamard, phase = ops_mod.GATE_CLASSES["Hadamard"], ops_mod.GATE_CLASSES["PhaseShift"]
    bits: list = [0] * iters
    for i in range(iters):
        hadamard(wires=aux_wire)
        ctrl(op_pow(base, z=2 ** (iters - i - 1)), control=aux_wire)
        for j in range(i):
            cond(bits[iters - i + j], phase)(-2.0 * np.pi / 2 ** (j + 2), wires=aux_wire)
        hadamard(wires=aux_wire)
        bits[iters - i - 1] = measure(aux_wire, reset=True)
    return bits
