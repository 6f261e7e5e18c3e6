"""PennyLane's noise models: ``qml.BooleanFn`` (functions of boolean value combined with
``&``, ``|``, ``^``, ``~``), the conditionals of ``qml.noise`` (``wires_in``, ``wires_eq``,
``op_in``, ``op_eq``, ``meas_eq``) and ``partial_wires``, ``qml.NoiseModel`` and the
``qml.add_noise`` transform, which inserts a model's noise after (or around) the gates and
before the measurements its conditionals select, as PennyLane orders them.

>>> import qsym as qml
>>> cond = qml.noise.op_eq(qml.RX) & qml.noise.wires_in([0, 1])
>>> model = qml.NoiseModel({cond: qml.noise.partial_wires(qml.PhaseDamping, 0.4)})
>>> tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 1)], [qml.expval(qml.Z(0))])
>>> (noisy,), _ = qml.add_noise(tape, model)
>>> noisy.operations
[RX(0.1, wires=[0]), PhaseDamping(0.4, wires=[0]), RY(0.2, wires=[1])]
"""

from __future__ import annotations

import functools
import inspect
import numbers
from inspect import isclass

import numpy as np

from ._channels import CHANNELS, channel_def
from ._compilation import PL_ALL_OPS
from ._gates import GATES
from ._mcm import MeasurementValue, MidMeasure, measure
from ._noise import Channel
from ._operations import (GATE_CLASSES, PARAM_NAMES, CountsMP, DensityMatrixMP, ExpectationMP,
                          MeasurementProcess, Operation, MutualInfoMP, ProbabilityMP, PurityMP, SampleMP,
                          StateMP, VarianceMP, VnEntropyMP, counts, density_matrix, equal,
                          expval, mutual_info, probs, purity, sample, state, var, vn_entropy)
from ._opfunctions import map_wires
from ._opmath import Adjoint, Controlled, Exp, adjoint, ctrl, simplify
from ._resolution import transform_program_at
from ._shadows import ClassicalShadowMP, ShadowExpvalMP, classical_shadow, shadow_expval
from ._tapes import STATE_PREPARATIONS, make_qscript, mapped_measurement, measured_wires
from ._trace import active_tape
from ._transform import BoundTransform, apply_op, detached, \
    null_postprocessing, transform, with_transform
from .decomposition import translate_op_alias
from .errors import ArgumentError, WireError
from .templates import Template
from .wires import Wires


# --- BooleanFn: qml.BooleanFn and its bitwise combinations ------------------------------------
class BooleanFn:
    """PennyLane's ``qml.BooleanFn``: a function of boolean value that combines with ``&``
    (and), ``|`` (or), ``^`` (xor) and ``~`` (not) into another one, evaluated from left
    to right.

    >>> import qsym as qml
    >>> big = qml.BooleanFn(lambda x: x > 4, "big")
    >>> is_int = qml.BooleanFn(lambda x: isinstance(x, int), "is_int")
    >>> both = big & is_int
    >>> both(5), both(5.5), (~big)(2), repr(both), str(big | is_int)
    (True, False, True, 'And(big, is_int)', 'big | is_int')
    """

    def __init__(self, fn, name=None):
        self.fn = fn
        self.name = name or fn.__name__
        functools.update_wrapper(self, fn)

    def __and__(self, other):
        return And(self, other)

    def __or__(self, other):
        return Or(self, other)

    def __xor__(self, other):
        return Xor(self, other)

    def __invert__(self):
        return Not(self)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return self.name if (self.bitwise or self.conditional) else f"BooleanFn({self.name})"

    @property
    def bitwise(self) -> bool:
        """Whether this is a bitwise combination of other functions (it has ``operands``)."""
        return bool(getattr(self, "operands", ()))

    @property
    def conditional(self) -> bool:
        """Whether this is a noise conditional (it has a ``condition``)."""
        return bool(getattr(self, "condition", None))


class _Bitwise(BooleanFn):
    """A bitwise combination of :class:`BooleanFn` operands: PennyLane's ``And``, ``Or``,
    ``Xor``, ``Not``; its ``condition`` is the tuple of its operands' conditions."""

    symbol = ""

    def __init__(self, *operands):
        self.operands = operands
        if any(getattr(o, "condition", None) for o in operands):
            self.condition = tuple(getattr(o, "condition", ()) for o in operands)
        names = ", ".join(o.name for o in operands)
        super().__init__(lambda *args, **kwargs: self._evaluate(*args, **kwargs),
                         f"{type(self).__name__}({names})")

    def _evaluate(self, *args, **kwargs):  # pragma: no cover - every combination defines it
        raise NotImplementedError

    def __str__(self):
        if len(self.operands) == 1:
            return f"{self.symbol}{self.operands[0].name}"
        return f"{self.operands[0].name} {self.symbol} {self.operands[1].name}"


class And(_Bitwise):
    """``left & right``: true where both are (the right one not called where the left is
    false)."""

    symbol = "&"

    def _evaluate(self, *args, **kwargs):
        left, right = self.operands
        return left(*args, **kwargs) and right(*args, **kwargs)


class Or(_Bitwise):
    """``left | right``: true where either is (the right one not called where the left is
    true)."""

    symbol = "|"

    def _evaluate(self, *args, **kwargs):
        left, right = self.operands
        return left(*args, **kwargs) or right(*args, **kwargs)


class Xor(_Bitwise):
    """``left ^ right``: true where exactly one is."""

    symbol = "^"

    def _evaluate(self, *args, **kwargs):
        left, right = self.operands
        return left(*args, **kwargs) ^ right(*args, **kwargs)


class Not(_Bitwise):
    """``~fn``: true where ``fn`` is false."""

    symbol = "~"

    def _evaluate(self, *args, **kwargs):
        return not self.operands[0](*args, **kwargs)


# --- wires and operator classes of what a conditional is given --------------------------------
def _labels(item) -> list:
    """The wire labels of one item: an operator's or measurement's wires, else the item as
    a label (an int, a string, ...)."""
    if isclass(item) or callable(item):
        raise TypeError(f"{item!r} has no wires")
    if isinstance(item, MeasurementProcess):
        return list(measured_wires(item))
    wires = getattr(item, "wires", None)
    if wires is not None:
        return list(wires)
    return Wires(item).tolist()


def _get_wires(val) -> set:
    """The set of wires of ``val``: a label, a sequence of labels, ``Wires``, an operator
    or measurement (its wires) or a sequence of them; else PennyLane's ``ValueError``.

    >>> import qsym as qml
    >>> sorted(_get_wires([qml.CNOT([0, 1]), 3]))
    [0, 1, 3]
    """
    items = val if isinstance(val, (list, tuple, set, Wires)) else [val]
    try:
        return set().union(*(_labels(item) for item in items))
    except (TypeError, WireError) as exc:
        raise ValueError(f"Wires cannot be computed for {val}") from exc


class WiresIn(BooleanFn):
    """True for an object whose wires (:func:`_get_wires`) are among ``wires``
    (:func:`wires_in` makes it)."""

    def __init__(self, wires):
        self._cond = set(wires)
        self.condition = self._cond
        super().__init__(lambda x: _get_wires(x).issubset(self._cond), f"WiresIn({list(wires)})")


class WiresEq(BooleanFn):
    """True for an object whose wires (:func:`_get_wires`) are exactly ``wires``
    (:func:`wires_eq` makes it)."""

    def __init__(self, wires):
        self._cond = set(wires)
        self.condition = self._cond
        shown = list(wires) if len(wires) > 1 else list(wires)[0]
        super().__init__(lambda x: _get_wires(x) == self._cond, f"WiresEq({shown})")


def wires_in(wires) -> WiresIn:
    """PennyLane's ``qml.noise.wires_in``: a conditional true for an operator, measurement,
    wire or wires whose wires are all among ``wires`` (labels, ``Wires``, an operator or a
    measurement, whose wires are taken).

    >>> import qsym as qml
    >>> cond = qml.noise.wires_in([0, 1])
    >>> cond(qml.X(0)), cond(qml.CNOT([1, 2])), str(cond)
    (True, False, 'WiresIn([0, 1])')
    """
    return WiresIn(_get_wires(wires))


def wires_eq(wires) -> WiresEq:
    """PennyLane's ``qml.noise.wires_eq``: a conditional true for an operator, measurement,
    wire or wires whose set of wires equals that of ``wires``.

    >>> import qsym as qml
    >>> cond = qml.noise.wires_eq(qml.RX(1.0, "dino"))
    >>> cond(qml.RZ(1.2, wires="dino")), cond("eve"), str(cond)
    (True, False, 'WiresEq(dino)')
    """
    return WiresEq(_get_wires(wires))


# operator names a conditional may be given as strings: set by the package (qsym.__init__)
# to its namespace lookup, ``name -> class or None``
OPERATOR_LOOKUP: dict = {"lookup": lambda name: None}


def _observable(mp):
    """A measurement's observable as written (a shadow expectation's ``H``), or None."""
    obs = mp.written_obs
    return obs if obs is not None else getattr(mp, "H", None)


def _get_ops(val) -> tuple:
    """The operator classes of ``val`` (a name, class, operator, measurement (its
    observable's class), mid-circuit measurement (``"MidMeasure"`` or ``"Reset"``), or a
    sequence of them), as PennyLane's conditionals compare them."""
    vals = val if isinstance(val, (list, tuple, set)) else [val]
    out = []
    for item in vals:
        if isinstance(item, str):
            out.append(OPERATOR_LOOKUP["lookup"](item))
        elif isclass(item) and not issubclass(item, MeasurementProcess):
            out.append(item)
        elif isinstance(item, (MeasurementValue, MidMeasure)):
            mid = item if isinstance(item, MidMeasure) else item.measurements[0]
            out.append("Reset" if getattr(mid, "reset", False) else "MidMeasure")
        elif isinstance(item, MeasurementProcess):
            names = _get_ops(_observable(item))
            out.append(names[0] if len(names) == 1 else names)
        else:
            out.append(type(item))
    return tuple(out)


def _as_observable(x):
    return _observable(x) if isinstance(x, MeasurementProcess) else x


def _depth(x) -> int:
    return 0 if isclass(x) else getattr(x, "arithmetic_depth", 0)


def _term_classes(op) -> list:
    coeffs, terms = op.terms()
    return list(coeffs), [_get_ops(getattr(t, "operands", t)) for t in terms]


def _same_arithmetic(op1, op2) -> bool:
    """Whether two arithmetic operators have the same structure: an adjoint or controlled
    operator the same kind of base; an exponential the same coefficient and base; a sum or
    product the same operator classes (irrespective of wires) and coefficients in each of
    ``op2``'s terms, found among ``op1``'s (PennyLane's ``_check_arithmetic_ops``)."""
    if isinstance(op1, (Adjoint, Controlled)) or isinstance(op2, (Adjoint, Controlled)):
        return (isinstance(op1, type(op2)) and op1.arithmetic_depth == op2.arithmetic_depth
                and _get_ops(op1.base) == _get_ops(op2.base))
    if isinstance(op1, Exp) or isinstance(op2, Exp):
        if (not isinstance(op1, type(op2)) or _depth(op1.base) != _depth(op2.base)
                or not np.allclose(op1.coeff, op2.coeff)):
            return False
        if _depth(op1.base):
            return _same_arithmetic(op1.base, op2.base)
        return _get_ops(op1.base) == _get_ops(op2.base)
    op1, op2 = simplify(op1), simplify(op2)
    if _depth(op1) != _depth(op2):
        return False
    coeffs, classes = _term_classes(op1)
    for coeff, cls in zip(*_term_classes(op2)):
        hit = next((i for i, (c, k) in enumerate(zip(coeffs, classes))
                    if k == cls and np.allclose(coeff, c)), None)
        if hit is None:
            return False
        del coeffs[hit], classes[hit]
    return True


class OpIn(BooleanFn):
    """True for an operator (or measurement: its observable) of one of the classes of
    ``ops``, or a sequence of them all in it (:func:`op_in` makes it)."""

    def __init__(self, ops):
        ops_ = ops if isinstance(ops, (list, tuple, set)) else [ops]
        self._cond = [_as_observable(op) for op in ops_]
        self._cops = _get_ops(ops)
        self.condition = self._cops
        super().__init__(self._check_in_ops,
                         f"OpIn({[getattr(op, '__name__', op) for op in self._cops]})")

    def _matches(self, x, cls) -> bool:
        if not _depth(x):
            return cls in self._cops
        return any(_same_arithmetic(op, x) if isinstance(op, cp) and _depth(op)
                   else cp == _get_ops(x)[0] for op, cp in zip(self._cond, self._cops))

    def _check_in_ops(self, operation) -> bool:
        xs = operation if isinstance(operation, (list, tuple, set)) else [operation]
        xs = [_as_observable(x) for x in xs]
        return all(self._matches(x, c) for x, c in zip(xs, _get_ops(xs)))


class OpEq(BooleanFn):
    """True for an operator (or measurement: its observable), or a sequence of them, of the
    same classes as ``ops`` in the same order (:func:`op_eq` makes it)."""

    def __init__(self, ops):
        ops_ = ops if isinstance(ops, (list, tuple, set)) else [ops]
        self._cond = [_as_observable(op) for op in ops_]
        self._cops = _get_ops(ops)
        self.condition = self._cops
        names = [getattr(op, "__name__", op) for op in self._cops]
        super().__init__(self._check_eq_ops, f"OpEq({names if len(names) > 1 else names[0]})")

    def _check_eq_ops(self, operation) -> bool:
        if not any(_depth(op) for op in self._cond):
            return _get_ops(operation) == self._cops
        xs = operation if isinstance(operation, (list, tuple, set)) else [operation]
        xs = [_as_observable(x) for x in xs]
        return (len(xs) == len(self._cond) and _get_ops(xs) == self._cops
                and all(_same_arithmetic(op, x) for op, x in zip(self._cond, xs) if _depth(x)))


def op_in(ops) -> OpIn:
    """PennyLane's ``qml.noise.op_in``: a conditional true for an operator whose class is
    one of ``ops`` (names, classes, operators, measurements: their observables), or a list
    of operators all so; wires are not compared (arithmetic operators by their terms).

    >>> import qsym as qml
    >>> cond = qml.noise.op_in(["RX", qml.RY(2.0, "rhino")])
    >>> cond(qml.RX(1.23, wires=[0])), cond(qml.RZ(1.23, wires=[0])), str(cond)
    (True, False, "OpIn(['RX', 'RY'])")
    """
    return OpIn(ops if isinstance(ops, (list, tuple, set)) else [ops])


def op_eq(ops) -> OpEq:
    """PennyLane's ``qml.noise.op_eq``: a conditional true for an operator of the class of
    ``ops`` (a name, class, operator or measurement: its observable), or a list of
    operators of the classes of the list ``ops``, in order; wires are not compared.

    >>> import qsym as qml
    >>> cond = qml.noise.op_eq(qml.RX(1.0, "dino"))
    >>> cond(qml.RX(1.23, wires=["eve"])), cond(qml.RY(1.23, wires=["dino"])), str(cond)
    (True, False, 'OpEq(RX)')
    """
    return OpEq(ops)


# PennyLane's measurement functions and the classes of what they make
_MEAS_FUNC_MAP = {
    expval: ExpectationMP, var: VarianceMP, state: StateMP, density_matrix: DensityMatrixMP,
    counts: CountsMP, sample: SampleMP, probs: ProbabilityMP, vn_entropy: VnEntropyMP,
    mutual_info: MutualInfoMP, purity: PurityMP, classical_shadow: ClassicalShadowMP,
    shadow_expval: ShadowExpvalMP, measure: MidMeasure,
}


def _meas_class(mp):
    """The measurement class ``mp`` stands for (a class, a measurement function, an
    instance), or None for anything else."""
    if isclass(mp):
        return mp if issubclass(mp, MeasurementProcess) else None
    if callable(mp):
        return _MEAS_FUNC_MAP.get(mp)
    return type(mp)


class MeasEq(BooleanFn):
    """True for a measurement (or list of them) of the same classes as ``mps``, in order
    (:func:`meas_eq` makes it)."""

    def __init__(self, mps):
        self._cond = mps if isinstance(mps, (list, tuple, set)) else [mps]
        self.condition, self._cmps = [], []
        for mp in self._cond:
            cls = _meas_class(mp)
            if cls is None:
                raise ValueError(f"MeasEq should be initialized with a MeasurementProcess, got {mp}")
            kept = cls if callable(mp) and not isclass(mp) else mp
            self.condition.append(kept)
            self._cmps.append(cls)
        names = [repr(getattr(c, "__name__", type(c).__name__)) for c in self.condition]
        super().__init__(self._check_meas, f"MeasEq({names if len(names) > 1 else names[0]})")

    def _check_meas(self, mp) -> bool:
        items = mp if isinstance(mp, (list, tuple, set)) else [mp]
        classes = [_meas_class(m) for m in items]
        return len(classes) == len(self._cmps) and all(
            c is not None and c == k for c, k in zip(classes, self._cmps))


def meas_eq(mps) -> MeasEq:
    """PennyLane's ``qml.noise.meas_eq``: a conditional true for a measurement of the same
    class as ``mps`` (a measurement, a measurement function such as ``qml.expval``, or a
    list of them); wires and observables are not compared.

    >>> import qsym as qml
    >>> cond = qml.noise.meas_eq(qml.expval)
    >>> cond(qml.expval(qml.X(0))), cond(qml.probs(wires=[0, 1])), str(cond)
    (True, False, "MeasEq('ExpectationMP')")
    """
    return MeasEq(mps)


# --- partial_wires -----------------------------------------------------------------------------
def _new_wires(wires):
    """The wires a partial function is called with: an operator's or measurement's wires,
    a label, or a sequence of labels (None: none given)."""
    if wires is None:
        return None
    if isinstance(wires, MeasurementProcess):
        return list(measured_wires(wires))
    own = getattr(wires, "wires", None)
    if own is not None:
        return list(own)
    if isinstance(wires, (numbers.Integral, str)):
        return [wires]
    return list(wires)


def _argument_names(cls) -> tuple:
    """The names of an operator class's arguments before ``wires``, in order: a table gate's
    parameters then hyperparameters, a channel's hyperparameters then parameters, else the
    named parameters of its ``__init__``."""
    name = cls.__name__
    if issubclass(cls, Channel) and name in CHANNELS:
        row = channel_def(name)
        return tuple(row.hyper) + tuple(row.params)
    row = GATES.get(name) if issubclass(cls, Operation) else None
    if row is not None and GATE_CLASSES.get(name) is cls:
        named = tuple(PARAM_NAMES.get(name, ()))
        if len(named) != row.num_params:  # no PennyLane names known: positions only
            named = tuple(f"<{i}>" for i in range(row.num_params))
        return named + tuple(row.hyper)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = []
    for p in params:
        if p.name in ("wires", "id") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            break
        names.append(p.name)
    return tuple(names)


def _instance_arguments(op) -> dict:
    """An operator's arguments by name (:func:`_argument_names`), to remake it with some
    changed; a :class:`qsym.errors.ArgumentError` where qsym does not know the names."""
    cls = type(op)
    names = _argument_names(cls)
    values = dict(op.hyperparameters)
    known = [n for n in names if n not in values]
    if len(known) != len(op.parameters) or any(n.startswith("<") for n in known):
        raise ArgumentError(
            f"partial_wires cannot change the keyword arguments of {cls.__name__} instances in "
            f"qsym: give the class and all its arguments, e.g. partial_wires({cls.__name__}, ...)")
    values.update(zip(known, op.parameters))
    return {n: values[n] for n in names if n in values}


def _single_wire_class(cls) -> bool:
    if issubclass(cls, Channel) and cls.__name__ in CHANNELS:
        return channel_def(cls.__name__).num_wires == 1
    return isinstance(cls, type) and issubclass(cls, Operation) \
        and getattr(cls, "num_wires", None) == 1


def _name(title: str, arguments: dict) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in arguments.items())
    return f"{title}({shown})" if shown else title


def _renamed(name: str):
    def decorate(fn):
        fn.__name__ = fn.__qualname__ = name
        return fn

    return decorate


def _queued(op, wire_map: dict):
    """``op`` moved by ``wire_map``, recorded on the tape being recorded (if any)."""
    with detached():
        moved = map_wires(op, wire_map) if isinstance(op, Operation) else op.map_wires(wire_map)
    return apply_op(moved) if active_tape() is not None else moved


def _partial_instance(operation, kwargs):
    """``partial_wires`` of an operator or measurement instance."""
    if isinstance(operation, MeasurementProcess):
        if kwargs:
            raise ArgumentError(
                "partial_wires of a measurement instance takes no keyword arguments in qsym: "
                "give the measurement function and its arguments, e.g. "
                "partial_wires(qml.expval, op=qml.Z(0))")
        old = list(measured_wires(operation))
        move = getattr(operation, "map_wires", None)  # its own (mutual_info's two groups)
        move = move if callable(move) else lambda wmap: mapped_measurement(operation, wmap)
        return _renamed(f"{type(operation).__name__}")(
            lambda wires=None, **_: move(dict(zip(old, _new_wires(wires)))))
    cls = type(operation)
    if kwargs:
        arguments = {**_instance_arguments(operation), **kwargs}
        return _partial_class(cls, (), arguments, list(operation.wires))
    old = list(operation.wires)

    try:
        shown = _instance_arguments(operation)
    except ArgumentError:  # names unknown: the hyperparameters only
        shown = dict(operation.hyperparameters)

    @_renamed(_name(cls.__name__, shown))
    def _partial(wires=None, **_):
        new = _new_wires(wires) or old
        if len(new) > len(old) == 1 and _single_wire_class(cls):
            return tuple(_queued(operation, {old[0]: w}) for w in new)
        return _queued(operation, dict(zip(old, new)))

    return _partial


def _partial_class(cls, args, kwargs, default_wires=None):
    """``partial_wires`` of an operator class with these arguments (positional wires after
    the arguments are the default wires)."""
    names = _argument_names(cls)
    args = list(args)
    if len(args) > len(names):
        default_wires = args[len(names)]
        args = args[:len(names)] + args[len(names) + 1:]
    kwargs = dict(kwargs)
    default_wires = kwargs.pop("wires", default_wires)
    shown = {**dict(zip(names, args)), **kwargs}

    @_renamed(_name(cls.__name__, shown))
    def _partial(wires=None, **_):
        new = _new_wires(wires) if wires is not None else _new_wires(default_wires)
        if new is not None and len(new) > 1 and _single_wire_class(cls):
            return tuple(cls(*args, wires=w, **kwargs) for w in new)
        return cls(*args, wires=new, **kwargs)

    return _partial


def _mapped_onto(op, new):
    return op if not new else map_wires(op, dict(zip(op.wires, new)))


def _partial_measurement(fn, args, kwargs):
    """``partial_wires`` of a measurement function: its observable moved onto the wires
    given, else the wires given measured."""
    params = list(inspect.signature(fn).parameters)
    bound = {**dict(zip(params, args)), **kwargs}
    key = "H" if fn is shadow_expval else "op"
    if "obs" in bound and key == "op":
        bound["op"] = bound.pop("obs")
    default_wires = bound.pop("wires", None)
    shown = {("obs" if k == "op" else k): v for k, v in bound.items()}

    @_renamed(_name(_MEAS_FUNC_MAP[fn].__name__, shown))
    def _partial(wires=None, **call):
        new = _new_wires(wires)
        arguments = dict(bound)
        if arguments.get(key) is None and call.get("op") is not None:
            arguments[key] = call["op"]
        obs = arguments.get(key)
        if obs is not None:
            arguments[key] = _mapped_onto(obs, new)
            return fn(**arguments)
        if "wires" in params:
            arguments["wires"] = new if new is not None else default_wires
        return fn(**arguments)

    return _partial


def _partial_meta(fn, args, kwargs):
    """``partial_wires`` of ``qml.adjoint`` or ``qml.ctrl``: the base operator (``op``)
    moved onto the wires given."""
    params = list(inspect.signature(fn).parameters)
    bound = {**dict(zip(params, args)), **kwargs}
    key = params[0]  # adjoint's fn, ctrl's op
    if "op" in bound and key != "op":
        bound[key] = bound.pop("op")
    title = "Adjoint" if fn is adjoint else "Controlled"

    @_renamed(_name(title, {("base" if k == key else k): v for k, v in bound.items()}))
    def _partial(wires=None, **call):
        arguments = dict(bound)
        if arguments.get(key) is None and call.get("op") is not None:
            arguments[key] = call["op"]
        if arguments.get(key) is None:
            raise ArgumentError(f"partial_wires of qml.{fn.__name__} needs the operator: "
                                f"partial_wires(qml.{fn.__name__}, op=...)")
        arguments[key] = _mapped_onto(arguments[key], _new_wires(wires))
        return fn(**arguments)

    return _partial


def partial_wires(operation, *args, **kwargs):
    """PennyLane's ``qml.noise.partial_wires``: a function of wires (or of an operator or
    measurement, whose wires are taken) making ``operation`` on those wires, every other
    argument fixed: an operator or measurement instance (moved onto the wires; keyword
    arguments replace an operator's), an operator class with its arguments (a one-wire
    class on several wires: one per wire), a measurement function (``qml.expval``, ...;
    its observable moved) or ``qml.adjoint`` / ``qml.ctrl``. The noise functions of a
    :class:`NoiseModel`.

    >>> import qsym as qml
    >>> qml.noise.partial_wires(qml.RX(1.2, [12]))(qml.RY(1.0, ["wires"]))
    RX(1.2, wires=['wires'])
    >>> qml.noise.partial_wires(qml.AmplitudeDamping, 0.4)(qml.CNOT([0, 1]))
    (AmplitudeDamping(0.4, wires=[0]), AmplitudeDamping(0.4, wires=[1]))
    >>> qml.noise.partial_wires(qml.expval(qml.Z(0)))(qml.RX(1.2, wires=[9]))
    expval(Z(9))
    """
    if not callable(operation):
        if args:
            raise ValueError("Args cannot be provided when operation is an instance, "
                             f"got operation = {operation} and args = {args}.")
        return _partial_instance(operation, kwargs)
    if not isclass(operation) and operation in _MEAS_FUNC_MAP:
        return _partial_measurement(operation, args, kwargs)
    if operation is adjoint or operation is ctrl:
        return _partial_meta(operation, args, kwargs)
    if isclass(operation):
        return _partial_class(operation, args, kwargs)
    names = list(inspect.signature(operation).parameters)

    @_renamed(_name(getattr(operation, "__name__", "partial"), {**dict(zip(names, args)), **kwargs}))
    def _partial(wires=None, **_):
        return operation(*args, wires=_new_wires(wires), **kwargs)

    return _partial


# --- NoiseModel ----------------------------------------------------------------------------------
class NoiseModel:
    """PennyLane's ``qml.NoiseModel(model_map, meas_map=None, **metadata)``: noise to add to
    circuits, as ``{conditional: noise_fn}`` maps: ``model_map`` for gates (``noise_fn(op,
    **metadata)`` queues the noise operations, in order; queuing ``op`` itself, e.g. by
    ``qml.apply(op)``, places noise before it too), ``meas_map`` for readout errors
    (``noise_fn(mp, **metadata)``, applied before the measurement ``mp``). Models combine
    with ``+`` (a model or a dict, whose string keys are metadata and ``"meas_map"`` its
    readout map) and ``-``; :func:`add_noise` applies one.

    >>> import qsym as qml
    >>> c0 = qml.noise.op_eq(qml.PauliX) | qml.noise.op_eq(qml.PauliY)
    >>> def n0(op, **kwargs):
    ...     qml.ThermalRelaxationError(0.4, kwargs["t1"], 0.2, 0.6, op.wires)
    >>> model = qml.NoiseModel({c0: n0}, t1=0.04)
    >>> model += {qml.noise.op_eq(qml.H): qml.noise.partial_wires(qml.AmplitudeDamping, 0.4)}
    >>> print(model)
    NoiseModel({
        OpEq(PauliX) | OpEq(PauliY): n0
        OpEq(Hadamard): AmplitudeDamping(gamma=0.4)
    }, t1 = 0.04)
    """

    def __init__(self, model_map, meas_map=None, **kwargs):
        self.check_model(model_map)
        if meas_map is not None:
            self.check_model(meas_map)
        self._model_map = model_map
        self._meas_map = meas_map or {}
        self._metadata = kwargs

    model_map = property(lambda self: self._model_map, doc="the gates' ``{conditional: noise}``")
    meas_map = property(lambda self: self._meas_map,
                        doc="the measurements' ``{conditional: noise}`` (readout errors)")
    metadata = property(lambda self: self._metadata,
                        doc="the keyword arguments every noise function is called with")

    @staticmethod
    def _split(data: dict):
        """A dict added to (or taken from) a model: its conditionals, its ``"meas_map"``,
        its metadata (the other string keys)."""
        data = dict(data)
        meas = data.pop("meas_map", {})
        meta = {k: data.pop(k) for k in [k for k in data if isinstance(k, str)]}
        return data, meas, meta

    def __add__(self, data):
        if isinstance(data, NoiseModel):
            model, meas, meta = data.model_map, data.meas_map, data.metadata
        else:
            model, meas, meta = self._split(data)
        return NoiseModel({**self.model_map, **model}, {**self.meas_map, **meas},
                          **{**self.metadata, **meta})

    def __radd__(self, data):
        return self.__add__(data)

    def __sub__(self, data):
        if isinstance(data, NoiseModel):  # PennyLane's: the readout map is dropped
            return NoiseModel({k: v for k, v in self.model_map.items() if k not in data.model_map},
                              **{k: v for k, v in self.metadata.items() if k not in data.metadata})
        model, meas, meta = self._split(data)
        return NoiseModel({k: v for k, v in self.model_map.items() if k not in model},
                          meas_map={k: v for k, v in self.meas_map.items() if k not in meas},
                          **{k: v for k, v in self.metadata.items() if k not in meta})

    def __eq__(self, other):
        if not isinstance(other, NoiseModel):
            return NotImplemented
        for key in ("model_map", "meas_map"):
            for (f1, n1), (f2, n2) in zip(getattr(self, key).items(), getattr(other, key).items()):
                if getattr(f1, "condition", f1.fn) != getattr(f2, "condition", f2.fn) or n1 != n2:
                    return False
        return self.metadata == other.metadata

    __hash__ = None

    def __repr__(self):
        text = "NoiseModel({\n" + "".join(f"    {k}: {v.__name__}\n" for k, v in self.model_map.items())
        if self.meas_map:
            text += "},\nmeas_map = {\n" + "".join(
                f"    {k}: {v.__name__}\n" for k, v in self.meas_map.items())
        text += "}"
        text += "".join(f", {k} = {v}" for k, v in self.metadata.items())
        return text + ")"

    @staticmethod
    def check_model(model: dict) -> None:
        """PennyLane's checks of a ``{conditional: noise_fn}`` map: every key a
        :class:`BooleanFn`, every noise function taking ``**kwargs`` last."""
        for condition, noise in model.items():
            if not isinstance(condition, BooleanFn):
                raise ValueError(f"{condition} must be a boolean conditional, i.e., an instance "
                                 "of BooleanFn or one of its subclasses.")
            params = list(inspect.signature(noise).parameters.values())
            if not params or params[-1].kind != inspect.Parameter.VAR_KEYWORD:
                raise ValueError(f"{noise} provided for {condition} must accept **kwargs as the "
                                 "last argument in its signature.")


# --- add_noise -----------------------------------------------------------------------------------
_KEPT_PREPARATIONS = frozenset({"StatePrep", "BasisState", "QubitDensityMatrix",
                                "QubitStateVector"})


def _expanded(op) -> list:
    """``op``, a template or an adjoint decomposed (recursively) into what it applies, as
    PennyLane's ``add_noise`` does at the ``"user"`` level; state preparations kept, and
    what PennyLane's ``ALL_OPS`` names (a ``Barrier``, a ``WireCut``: PennyLane's are
    operations, not templates).

    >>> import qsym as qml
    >>> _expanded(qml.Barrier(wires=[0, 1]))
    [Barrier(wires=[0, 1])]
    """
    unfold = (isinstance(op, Template) and op.name not in _KEPT_PREPARATIONS
              and translate_op_alias(op.name) not in PL_ALL_OPS) or isinstance(op, Adjoint)
    if not unfold or not getattr(op, "has_decomposition", False):
        return [op]
    parts = op.decomposition()
    if len(parts) == 1 and type(parts[0]) is type(op):
        return [op]
    return [g for p in parts for g in _expanded(p)]


def _noisy_operations(operations, noise_model) -> list:
    """The operations with the model's gate noise inserted: for each operation, each
    conditional true of it, in the model's order, adds its noise function's operations
    after it (or around it, where the function queues the operation itself)."""
    pairs = [(cond, make_qscript(noise)) for cond, noise in noise_model.model_map.items()]
    out = []
    for op in operations:
        current = [op]
        for cond, noise in pairs:
            if not cond(op):
                continue
            made = noise(op, **noise_model.metadata).operations
            at = next((i for i, o in enumerate(made) if equal(op, o)), None)
            current = current + made if at is None else made[:at] + current + made[at + 1:]
        out.extend(current)
    return out


def _same_operations(a, b) -> bool:
    return len(a) == len(b) and all(x is y or equal(x, y) for x, y in zip(a, b))


def _readout_tapes(tape, operations, noise_model):
    """One tape per distinct set of readout errors: each measurement's conditionals of the
    model's ``meas_map`` add their noise before it; measurements with the same noise share
    a tape. Returns the tapes and, per tape, the positions of its measurements."""
    pairs = [(cond, make_qscript(noise)) for cond, noise in noise_model.meas_map.items()]
    groups: list = []  # (operations, [(position, measurement)])
    for k, mp in enumerate(tape.measurements):
        ops = list(operations)
        for cond, noise in pairs:
            if cond(mp):
                ops.extend(noise(mp, **noise_model.metadata).operations)
        group = next((g for g in groups if _same_operations(g[0], ops)), None)
        if group is None:
            groups.append((ops, [(k, mp)]))
        else:
            group[1].append((k, mp))
    tapes = [tape.copy(operations=ops, measurements=[m for _, m in ms]) for ops, ms in groups]
    return tapes, [[k for k, _ in ms] for _, ms in groups]


def _expanding(level) -> bool:
    """Whether ``add_noise`` at this level sees templates and adjoints decomposed: at the
    ``"user"`` level (PennyLane's) and past it (PennyLane's device decomposes them; qsym's
    pipeline has no device transforms)."""
    return level is None or (isinstance(level, str) and level in ("user", "gradient", "device"))


@transform
def add_noise(tape, noise_model, level="user"):
    """PennyLane's ``qml.add_noise`` (``qml.noise.add_noise``): insert a
    :class:`NoiseModel`'s noise into a circuit (a tape, a quantum function or a QNode):
    after each gate, the noise of every conditional of ``model_map`` true of it, in the
    model's order (templates and adjoints decomposed first, state preparations kept);
    before each measurement, the readout noise of ``meas_map`` (measurements with
    different readout noise become separate tapes, their results put back in order).

    For a QNode, ``level`` says where in its compile pipeline the transform goes:
    ``"top"`` (before every transform), ``"user"`` (default), ``"gradient"``, ``"device"``
    (after all of them: qsym adds no device transforms), an int or a slice (those
    transforms, then ``add_noise``).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> model = qml.NoiseModel({qml.noise.op_eq(qml.RX): qml.noise.partial_wires(qml.BitFlip, 0.1)})
    >>> @qml.add_noise(noise_model=model)
    ... @qml.qnode(qml.device("default.mixed", wires=1))
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> bool(abs(circuit(0.5) - 0.8 * np.cos(0.5)) < 1e-14)  # (1 - 2p) cos(x)
    True
    """
    if not hasattr(noise_model, "model_map") or not hasattr(noise_model, "metadata"):
        raise ValueError("Provided noise model object must define model_map and metatadata "
                         f"attributes, got {noise_model}.")
    operations = list(tape.operations)
    if _expanding(level):
        first = operations[:1] if operations and operations[0].name in STATE_PREPARATIONS else []
        operations = first + [g for op in operations[len(first):] for g in _expanded(op)]
    operations = _noisy_operations(operations, noise_model)
    if not getattr(noise_model, "meas_map", None):
        return [tape.copy(operations=operations)], null_postprocessing
    tapes, positions = _readout_tapes(tape, operations, noise_model)
    order = np.argsort([k for ks in positions for k in ks])

    def put_back(results):
        flat = []
        for tape_, result in zip(tapes, results):
            flat.extend(result if len(tape_.measurements) > 1 else [result])
        out = [flat[i] for i in order]
        return tuple(out) if len(out) > 1 else out[0]

    return tapes, put_back


@add_noise.custom_qnode_transform
def _add_noise_to_qnode(self, qnode, targs, tkwargs):
    """A QNode's ``add_noise`` (PennyLane's): the QNode's pipeline up to ``level``
    (:func:`qsym._resolution.transform_program_at`: with ``"gradient"`` or ``"device"``
    the gradient method's expansion and the device's preprocessing too, run before the
    noise and again by the execution), then ``add_noise``."""
    kept = transform_program_at(qnode, level=tkwargs.get("level", "user"))
    new = with_transform(qnode, BoundTransform(self, targs, tkwargs))
    kept.append(BoundTransform(self, targs, tkwargs))
    new.compile_pipeline = kept
    return new
