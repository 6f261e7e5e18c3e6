"""PennyLane's ``qml.decomposition``: the decomposition rules registered for each operator
type, listed by :func:`list_decomps` (also ``qml.list_decomps``). A rule is a
:class:`DecompositionRule`: called as ``rule(*params, wires=..., **hyperparameters)`` it
makes (and so records where it is called: in a circuit, a queue) the gates of the
decomposition; ``compute_resources`` counts them.

qsym registers, for every gate of the table with a decomposition (``op.decomposition()``),
that decomposition as a rule under the gate's name; and under ``"Pow(<name>)"``, the rules
for powers of a gate: the gates of ``op.pow(z)`` (where PennyLane defines them), and for
a gate that is one rotation and a global phase (``PauliX`` is ``RX(pi)`` with
``GlobalPhase(-pi/2)``; ``PauliZ``, ``S``, ``T`` are phase shifts), that decomposition
with every angle multiplied by ``z``, which also takes a broadcast ``z``. Your own rules
are added with :func:`add_decomps` (made with :func:`register_resources`).

For ``"Adjoint(<gate>)"`` the rules are the gate's inverse in the table (``RX(-t)``) and
its decomposition reversed, each gate adjoint.

qsym simulates every gate of its table as it is and never needs a rule to run a circuit:
the rules are there to inspect, to apply by hand, and for PennyLane's graph-based
decomposition system (:func:`enable_graph`, off by default): with it on,
``qml.transforms.decompose(..., gate_set=...)`` and the devices' ``decompose`` choose
each operator's rule of least total weight to the gate set (:class:`DecompositionGraph`)
instead of applying ``op.decomposition()``.

>>> import qsym as qml
>>> [rule.name for rule in qml.list_decomps(qml.CZ)]  # PennyLane's rules (names, order)
['_cz_to_cps', '_cz_to_cnot']
>>> with qml.queuing.AnnotatedQueue() as q:
...     qml.list_decomps("Pow(PauliX)")[-1](wires=[0], z=0.5)
>>> q.queue
[RX(1.5707963267948966, wires=[0]), GlobalPhase(-0.7853981633974483, wires=[0])]
"""

from __future__ import annotations

import contextlib
import inspect
import math
import re
import textwrap
import contextvars
import sys
import types
from collections.abc import Mapping, Set
from dataclasses import dataclass, field

import numpy as np

import warnings

from .errors import DecompositionError, GateError, PowUndefinedError
from .exceptions import DecompositionWarning
from ._operations import GATE_CLASSES, METHODS
from ._trace import QueueLog, Tape, recording
from ._mcm import MidMeasure
from ._opmath import adjoint, change_op_basis, ctrl, reapply, rotation_and_phase, scaled_pow
from ._opmath import Adjoint as _Adjoint, Controlled as _Controlled, Pow as _Pow
from ._unitary_decompositions import QUBIT_UNITARY_RULES
from . import templates

__all__ = ["DecompCollection", "DecompositionRule", "CompressedResourceOp", "Resources", "WorkWireSpec",
           "list_decomps", "has_decomp", "add_decomps", "register_resources",
           "register_condition", "null_decomp", "resource_rep", "enabled_graph", "enable_graph",
           "disable_graph", "toggle_graph_ctx", "get_decomp_kwargs", "local_decomps", "GateSet",
           "DecompositionGraph", "DecompGraphSolution", "translate_op_alias", "to_name",
           "controlled_resource_rep", "adjoint_resource_rep", "pow_resource_rep",
           "change_op_basis_resource_rep",
           "wrap_resource_key", "resolve_work_wire_type"]


def _make_hashable(v):
    """A hashable form of a resource parameter (PennyLane's): dicts as sorted pairs, lists
    and arrays as tuples, classes by name."""
    if isinstance(v, dict):
        return tuple(sorted(((_make_hashable(k), _make_hashable(x)) for k, x in v.items()),
                            key=lambda kv: repr(kv[0])))
    if isinstance(v, CompressedResourceOp):
        return (v.name, v.hash_key)
    if isinstance(v, type):
        return _type_name(v) if getattr(v, "_row", None) is not None else v.__name__
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return tuple(_make_hashable(x) for x in v)
    return v if _hashable(v) else repr(v)


_SYMBOLIC_KINDS = {"Adjoint": "Adjoint", "AdjointOperation": "Adjoint", "Pow": "Pow",
                   "PowOperation": "Pow", "Controlled": "C", "ControlledOp": "C"}


class CompressedResourceOp:
    """An operator type and the parameters that decide its resources (PennyLane's
    ``CompressedResourceOp``, what :func:`resource_rep` makes): a key of
    :attr:`Resources.gate_counts`. ``op_type`` is a class or a name, ``params`` a dict;
    two are equal when their names and parameters are. Of ``Adjoint``, ``Pow`` and
    ``Controlled`` with PennyLane's ``base_class``/``base_params``, the name is
    ``Adjoint(<base>)``, ``Pow(<base>)``, ``C(<base>)``.

    >>> import qsym as qml
    >>> CompressedResourceOp(qml.MultiRZ, {"num_wires": 3})
    MultiRZ(num_wires=3)
    >>> CompressedResourceOp(qml.ops.Adjoint, {"base_class": qml.RX, "base_params": {}}).name
    'Adjoint(RX)'
    """

    def __init__(self, op_type, params=None):
        if not isinstance(op_type, (type, str)):
            raise TypeError(f"op_type must be an Operator type, got {type(op_type)}")
        self._op_type = op_type
        self.params = dict(params or {})
        self.hash_key = _make_hashable(self.params)
        kind = _SYMBOLIC_KINDS.get(op_type if isinstance(op_type, str) else op_type.__name__)
        if kind and "base_class" in self.params:
            base = resource_rep(self.params["base_class"], **dict(self.params["base_params"] or {}))
            self.name = f"{kind}({base.name})"
        else:
            self.name = _type_name(op_type)

    @property
    def op_type(self):
        """The operator class (looked up by name for a rep made from a name)."""
        if isinstance(self._op_type, type):
            return self._op_type
        return GATE_CLASSES.get(self.name, self._op_type)

    def __hash__(self) -> int:
        return hash((self.name, self.hash_key))

    def __eq__(self, other) -> bool:
        return (isinstance(other, CompressedResourceOp) and self.name == other.name
                and self.hash_key == other.hash_key)

    def __repr__(self):
        kind = self.name.split("(", 1)[0] if "base_class" in self.params else None
        if kind in ("Adjoint", "Pow", "C"):
            params = dict(self.params)
            base = resource_rep(params.pop("base_class"), **dict(params.pop("base_params") or {}))
            if kind == "Adjoint":
                return f"Adjoint({base!r})"
            if kind == "Pow":
                return f"Pow({base!r}, z={params.get('z')})"
            rest = "".join(f", {k}={v}" for k, v in sorted(params.items()))
            return f"Controlled({base!r}{rest})"
        shown = _REPR_NAMES.get(self.name, self.name)
        if not self.params:
            return shown
        return f"{shown}({', '.join(f'{k}={v}' for k, v in sorted(self.params.items()))})"


_REPR_NAMES = {"MidMeasureMP": "MidMeasure"}
"""Where PennyLane's ``repr`` of a resource form (its class name) differs from its ``name``:
a mid-circuit measurement is named ``MidMeasureMP`` (gate sets use it) and shown as its
class, ``MidMeasure`` (PennyLane 0.45's ``qml.ops.MidMeasure``)."""


@dataclass(frozen=True)
class WorkWireSpec:
    """The work wires a rule needs (PennyLane's ``WorkWireSpec``): qsym's rules need none.

    >>> WorkWireSpec().total
    0
    """

    zeroed: int = 0
    borrowed: int = 0
    burnable: int = 0
    garbage: int = 0

    @property
    def total(self) -> int:
        """All the work wires together."""
        return self.zeroed + self.borrowed + self.burnable + self.garbage


@dataclass
class Resources:
    """The gates of a decomposition by type (PennyLane's ``Resources``): ``gate_counts``
    maps a :class:`CompressedResourceOp` to how many times it is applied.

    >>> Resources({resource_rep("CNOT"): 2}).num_gates
    2
    """

    gate_counts: dict = field(default_factory=dict)
    weighted_cost: float | None = None

    def __post_init__(self):
        if any(v <= 0 for v in self.gate_counts.values()):
            raise AssertionError(f"gate counts must be positive, got {self.gate_counts}")
        if self.weighted_cost is None:  # PennyLane's default: every gate weighs 1
            self.weighted_cost = float(sum(self.gate_counts.values()))
        if self.weighted_cost < 0:
            raise AssertionError(f"weighted_cost must be non-negative, got {self.weighted_cost}")

    @property
    def num_gates(self) -> int:
        """The number of gates."""
        return sum(self.gate_counts.values())

    def __add__(self, other):
        counts = dict(self.gate_counts)
        for k, v in other.gate_counts.items():
            counts[k] = counts.get(k, 0) + v
        return Resources(counts, self.weighted_cost + other.weighted_cost)

    def __mul__(self, scalar):
        return Resources({k: scalar * v for k, v in self.gate_counts.items()},
                         self.weighted_cost * scalar)

    __rmul__ = __mul__

    def __repr__(self):
        return (f"<num_gates={self.num_gates}, gate_counts={self.gate_counts}, "
                f"weighted_cost={self.weighted_cost}>")


# PennyLane's short names of operators (``decomposition.utils.OP_NAME_ALIASES``)
OP_NAME_ALIASES = {"X": "PauliX", "Y": "PauliY", "Z": "PauliZ", "I": "Identity",
                   "H": "Hadamard", "measure": "MidMeasureMP", "MidMeasure": "MidMeasureMP",
                   "MidCircuitMeasure": "MidMeasureMP", "ppm": "PauliMeasure",
                   "pauli_measure": "PauliMeasure", "Elbow": "TemporaryAND",
                   "BasisStateProjector": "Projector", "StateVectorProjector": "Projector",
                   "BasisEmbedding": "BasisState"}


def translate_op_alias(name: str) -> str:
    """An operator name with PennyLane's aliases resolved, inside ``Adjoint(...)``,
    ``C(...)`` (or ``Controlled(...)``) and ``Pow(...)`` too.

    >>> translate_op_alias("Adjoint(X)"), translate_op_alias("Controlled(H)")
    ('Adjoint(PauliX)', 'C(Hadamard)')
    """
    for outer, inner in (("Controlled(", "C("), ("C(", "C("), ("Adjoint(", "Adjoint("),
                         ("Pow(", "Pow("), ("Conditional(", "Conditional(")):
        if name.startswith(outer) and name.endswith(")"):
            return f"{inner}{translate_op_alias(name[len(outer):-1])})"
    head = re.fullmatch(r"(\w+)\(\w+\)", name)
    if head:
        raise ValueError(f"'{head.group(1)}' is not a valid name for a symbolic operator. "
                         'Supported names include: "Adjoint", "C", "Controlled", "Pow".')
    return OP_NAME_ALIASES.get(name, name)


def _type_name(op_type) -> str:
    """The name rules are registered under: a class's name (``qml.X`` is ``PauliX``), a
    string with PennyLane's aliases resolved (``"Pow(X)"`` is ``"Pow(PauliX)"``), an
    operator's name."""
    if isinstance(op_type, str):
        return translate_op_alias(op_type)
    if isinstance(op_type, type):
        row = getattr(op_type, "_row", None)  # a gate class's table row (a GateDef)
        name = getattr(row, "name", None)
        return translate_op_alias(name if isinstance(name, str) else op_type.__name__)
    if isinstance(getattr(op_type, "name", None), str) and hasattr(op_type, "wires"):
        return translate_op_alias(op_type.name)  # an operator: its name
    raise GateError(f"list_decomps takes an operator type or its name (qml.CNOT, "
                    f"'Pow(PauliX)'), got {op_type!r}")


def to_name(op) -> str:
    """The name an operator type goes by in rules and gate sets (PennyLane's
    ``decomposition.utils.to_name``): of a class, an operator or a name (aliases resolved).

    >>> import qsym as qml
    >>> to_name(qml.X), to_name(qml.RX(0.1, 0)), to_name("H")
    ('PauliX', 'RX', 'Hadamard')
    """
    return _type_name(op)


def resource_rep(op_type, **params) -> CompressedResourceOp:
    """The compact form of an operator type and its resource parameters (PennyLane's
    ``qml.resource_rep``).

    >>> resource_rep(GATE_CLASSES["RX"])
    RX
    """
    if isinstance(op_type, CompressedResourceOp):
        return CompressedResourceOp(op_type.op_type, {**op_type.params, **params}) if params \
            else op_type
    if isinstance(op_type, type) and not _operator_class(op_type):
        raise TypeError(f"op_type must be a type of Operator, got {op_type}")
    _check_resource_keys(op_type, params)
    kind = _SYMBOLIC_KINDS.get(op_type if isinstance(op_type, str) else op_type.__name__)
    if kind == "Adjoint" and "base_class" in params:  # the base's own form, flattened
        return adjoint_resource_rep(params["base_class"], params["base_params"])
    if kind == "Pow" and "base_class" in params:
        return pow_resource_rep(params["base_class"], params["base_params"], params["z"])
    if kind == "C" and "base_class" in params:
        return controlled_resource_rep(
            params["base_class"], params["base_params"], params["num_control_wires"],
            params.get("num_zero_control_values", 0), params.get("num_work_wires", 0),
            params.get("work_wire_type", "borrowed"))
    return CompressedResourceOp(op_type, params)


# PennyLane's operators for a base gate under controls (``base_to_custom_ctrl_op``), and the
# base and number of controls of each of them
_CUSTOM_CONTROLLED = {("PauliZ", 1): "CZ", ("PauliZ", 2): "CCZ", ("PauliY", 1): "CY",
                      ("CZ", 1): "CCZ", ("SWAP", 1): "CSWAP", ("Hadamard", 1): "CH",
                      ("RX", 1): "CRX", ("RY", 1): "CRY", ("RZ", 1): "CRZ", ("Rot", 1): "CRot",
                      ("PhaseShift", 1): "ControlledPhaseShift"}
_CONTROLLED_BASE = {op: (base, n) for (base, n), op in _CUSTOM_CONTROLLED.items() if op != "CCZ"}
_CONTROLLED_BASE["CCZ"] = ("PauliZ", 2)
_CONTROLLED_X = {"PauliX": 0, "CNOT": 1, "Toffoli": 2}


def controlled_resource_rep(base_class, base_params, num_control_wires, num_zero_control_values=0,
                            num_work_wires=0, work_wire_type="borrowed") -> CompressedResourceOp:
    """The resource form of ``qml.ctrl(base, ...)`` (PennyLane's
    ``qml.decomposition.resources.controlled_resource_rep``): as ``qml.ctrl`` dispatches, a
    gate PennyLane has for it (``CNOT``, ``Toffoli``, ``CZ``, ``CRX``, ...), a
    ``MultiControlledX``, else ``Controlled`` of the base; nested controls flattened.

    >>> controlled_resource_rep(GATE_CLASSES["PauliX"], {}, 1)
    CNOT
    >>> controlled_resource_rep(GATE_CLASSES["PauliZ"], {}, 1, num_zero_control_values=1)
    Controlled(PauliZ, num_control_wires=1, num_work_wires=0, num_zero_control_values=1, work_wire_type=borrowed)
    """
    if isinstance(base_class, CompressedResourceOp):
        base_class, base_params = base_class.op_type, {**base_class.params, **(base_params or {})}
    name, params = _type_name(base_class), dict(base_params or {})
    _check_resource_keys(base_class, params)
    if name in ("Controlled", "ControlledOp") or name.startswith("C("):  # flattened
        return controlled_resource_rep(
            params["base_class"], params["base_params"],
            num_control_wires + params["num_control_wires"],
            num_zero_control_values + params["num_zero_control_values"],
            num_work_wires + params["num_work_wires"], work_wire_type)
    custom = _CUSTOM_CONTROLLED.get((name, num_control_wires))
    if num_zero_control_values == 0 and custom:
        return resource_rep(custom)
    if name in _CONTROLLED_BASE:  # a controlled gate: its base, its controls added
        name, extra = _CONTROLLED_BASE[name]
        num_control_wires += extra
    elif name in ("CNOT", "Toffoli"):
        name, num_control_wires = "PauliX", num_control_wires + _CONTROLLED_X[name]
    if name in ("PauliX", "MultiControlledX"):
        return _controlled_x_rep(params, num_control_wires, num_zero_control_values,
                                 num_work_wires, work_wire_type, name == "MultiControlledX")
    if name in ("QubitUnitary", "ControlledQubitUnitary"):
        return _controlled_qubit_unitary_rep(params, num_control_wires, num_zero_control_values,
                                             num_work_wires, work_wire_type,
                                             name == "ControlledQubitUnitary")
    return CompressedResourceOp(_Controlled, {
        "base_class": GATE_CLASSES.get(name, base_class), "base_params": dict(params),
        "num_control_wires": num_control_wires, "num_zero_control_values": num_zero_control_values,
        "num_work_wires": num_work_wires, "work_wire_type": work_wire_type})


def resolve_work_wire_type(base_work_wires, base_work_wire_type, work_wires,
                           work_wire_type) -> str:
    """The work wires' type of a controlled operator whose base has work wires too
    (PennyLane's): borrowed if any are, zeroed if there are some and none is borrowed.

    >>> resolve_work_wire_type(1, "zeroed", 2, "zeroed"), resolve_work_wire_type(0, "zeroed", 0, "zeroed")
    ('zeroed', 'borrowed')
    """
    if (base_work_wires and base_work_wire_type == "borrowed") or (
            work_wires and work_wire_type == "borrowed") or not (work_wires or base_work_wires):
        return "borrowed"
    return "zeroed"


def _controlled_x_rep(params, n, zeros, work, work_type, nested) -> CompressedResourceOp:
    """PennyLane's controlled X: CNOT, Toffoli (no work wires), else a MultiControlledX
    (a controlled MultiControlledX: the controls and work wires joined)."""
    if nested:
        n += params["num_control_wires"]
        zeros += params["num_zero_control_values"]
        work_type = resolve_work_wire_type(params["num_work_wires"], params["work_wire_type"],
                                           work, work_type)
        work += params["num_work_wires"]
    elif zeros == 0 and (n == 1 or (n == 2 and work == 0)):
        return resource_rep("CNOT" if n == 1 else "Toffoli")
    return resource_rep("MultiControlledX", num_control_wires=n, num_zero_control_values=zeros,
                        num_work_wires=work, work_wire_type=work_type)


def _controlled_qubit_unitary_rep(params, n, zeros, work, work_type, nested) -> CompressedResourceOp:
    """PennyLane's controlled ``QubitUnitary``: a ``ControlledQubitUnitary`` (of a
    ``ControlledQubitUnitary``: the controls and work wires joined).

    >>> controlled_resource_rep(GATE_CLASSES["QubitUnitary"], {"num_wires": 1}, 2)
    ControlledQubitUnitary(num_control_wires=2, num_target_wires=1, num_work_wires=0, num_zero_control_values=0, work_wire_type=borrowed)
    """
    if not nested:
        return resource_rep("ControlledQubitUnitary", num_target_wires=params["num_wires"],
                            num_control_wires=n, num_zero_control_values=zeros,
                            num_work_wires=work, work_wire_type=work_type)
    work_type = resolve_work_wire_type(params["num_work_wires"], params["work_wire_type"], work,
                                       work_type)
    return resource_rep("ControlledQubitUnitary", num_target_wires=params["num_target_wires"],
                        num_control_wires=n + params["num_control_wires"],
                        num_zero_control_values=zeros + params["num_zero_control_values"],
                        num_work_wires=work + params["num_work_wires"], work_wire_type=work_type)


def _check_resource_keys(op_type, params) -> None:
    """PennyLane's check of a class that declares its ``resource_keys``: the parameters
    given are exactly those."""
    keys = getattr(op_type, "resource_keys", None) if isinstance(op_type, type) else None
    if keys is None or isinstance(keys, property):
        return
    if not isinstance(keys, (Set, frozenset, set)):
        raise TypeError(f"{op_type.__name__}.resource_keys must be a set, not a {type(keys)}")
    unexpected, missing = set(params) - set(keys), set(keys) - set(params)
    if unexpected:
        raise TypeError(f"Unexpected keyword arguments for resource_rep({op_type.__name__}): "
                        f"{sorted(unexpected)}. Expected: {sorted(keys)}")
    if missing:
        raise TypeError(f"Missing keyword arguments for resource_rep({op_type.__name__}): "
                        f"{sorted(missing)}. Expected: {sorted(keys)}")


def _operator_class(t) -> bool:
    """Whether ``t`` is an operator class (qsym's gates, templates, symbolic classes, the
    mid-circuit measurement)."""
    return isinstance(t, type) and (t.__name__ in _SYMBOLIC_KINDS or issubclass(t, MidMeasure)
                                    or any(hasattr(t, a) for a in (
                                        "compute_decomposition", "decomposition",
                                        "compute_matrix")))


def wrap_resource_key(op_type) -> CompressedResourceOp:
    """A key of a resource function's dict as a :class:`CompressedResourceOp` (PennyLane's
    ``auto_wrap``): a rep as it is, an operator class or name by :func:`resource_rep`.

    >>> wrap_resource_key(GATE_CLASSES["CNOT"])
    CNOT
    """
    if isinstance(op_type, CompressedResourceOp):
        return op_type
    if not (isinstance(op_type, str) or _operator_class(op_type)):
        raise TypeError("The keys of the dictionary returned by the resource function must be "
                        "a subclass of Operator or a CompressedResourceOp constructed with "
                        "qml.resource_rep")
    try:
        return resource_rep(op_type)
    except TypeError as exc:
        raise TypeError(f"Operator {getattr(op_type, '__name__', op_type)} has non-empty "
                        "resource_keys. A resource representation must be explicitly "
                        "constructed using qml.resource_rep") from exc


def _hashable(v) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


class DecompositionRule:
    """A decomposition of an operator type (PennyLane's ``DecompositionRule``). Called as
    ``rule(*params, wires=..., **hyperparameters)``, it makes the gates of the
    decomposition (recorded where it is called) and returns what its function returns, as
    PennyLane's rules do (None for most; ``Select``'s unary iterator returns its operators).

    >>> import qsym as qml
    >>> rule = list_decomps(qml.SWAP)[0]
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     rule(wires=[0, 1])
    >>> q.queue
    [CNOT(wires=[0, 1]), CNOT(wires=[1, 0]), CNOT(wires=[0, 1])]
    >>> rule.compute_resources().gate_counts
    {CNOT: 3}
    """

    def __init__(self, func, resources=None, *, exact=True, condition=None, name=None):
        self._func, self._resources, self._condition = func, resources, condition
        if getattr(func, "__doc__", None):  # a rule made from a documented function keeps it
            self.__doc__ = func.__doc__
        self.exact_resources = exact
        self.name = name or getattr(func, "__name__", "rule")

    @property
    def impl(self):
        """The function the rule was made from (PennyLane's ``_impl``)."""
        return self._func

    @property
    def work_wire_spec(self):
        """The work wires as declared (a :class:`WorkWireSpec` or a function)."""
        return getattr(self, "_work_wires", None) or WorkWireSpec()

    def __call__(self, *args, **kwargs):  # (*params, wires, **hyperparameters); wires may be positional
        return self._func(*args, **kwargs)  # what the function returns, as PennyLane's

    def __repr__(self):
        return f"DecompositionRule(name={self.name})"

    def __str__(self):
        """The rule's source code (PennyLane's), its decorators included."""
        source = getattr(self, "source", None)
        if source is None:
            try:
                source = inspect.getsource(self._func)
            except (OSError, TypeError):
                source = "Unable to retrieve source code."
        return textwrap.dedent(source).strip()

    def set_resources(self, resources, exact_resources=True) -> None:
        """Give the rule new resources (a dict of operator types to counts, or a function
        of the resource parameters giving one), exact or an upper bound."""
        self._resources, self.exact_resources = resources, exact_resources

    def is_applicable(self, *args, **resource_params) -> bool:
        """Whether the rule applies to an operator with these ``resource_params``."""
        return bool(self._condition(*args, **resource_params)) if self._condition else True

    def compute_resources(self, *args, **resource_params) -> Resources:
        """The gates the rule makes, by type (from the resource function it was registered
        with, given the resource parameters as PennyLane passes them, by position or name;
        for qsym's rules, counted by running the rule)."""
        if self._resources is None:
            raise NotImplementedError(f"No resource estimation found for the decomposition rule "
                                      f"{self.name}: give one with qml.register_resources")
        counts = (self._resources(*args, **resource_params) if callable(self._resources)
                  else self._resources)
        gate_counts: dict = {}
        for k, v in (counts or {}).items():
            if v > 0:
                key = wrap_resource_key(k)
                gate_counts[key] = gate_counts.get(key, 0) + int(v)
        return Resources(gate_counts)

    def get_work_wire_spec(self, **resource_params) -> WorkWireSpec:
        """The work wires the rule declared it needs (``register_resources(...,
        work_wires=...)``: a dict of ``zeroed``, ``borrowed``, ``burnable``, ``garbage``
        counts, or a function of the resource parameters giving one); qsym's own rules
        need none. The graph-based system does not choose a rule that needs more than
        are free."""
        spec = getattr(self, "_work_wires", None) or WorkWireSpec()
        if callable(spec) and not isinstance(spec, WorkWireSpec):
            spec = spec(**resource_params)
        return spec if isinstance(spec, WorkWireSpec) else WorkWireSpec(**spec)


def register_resources(ops, qfunc=None, *, work_wires=None, exact=True, name=None):
    """A decomposition rule from a function of ``(*params, wires, **hyperparameters)`` that
    applies gates, with its resources ``ops`` (a dict of operator types to counts, or a
    function of the resource parameters giving one); used as a decorator (PennyLane's
    ``qml.register_resources``).

    >>> @register_resources({GATE_CLASSES["CNOT"]: 3})
    ... def my_swap(wires, **_):
    ...     for a, b in ((0, 1), (1, 0), (0, 1)):
    ...         GATE_CLASSES["CNOT"](wires=[wires[a], wires[b]])
    >>> my_swap.compute_resources().gate_counts
    {CNOT: 3}
    """
    spec = work_wires if isinstance(work_wires, WorkWireSpec) or callable(work_wires) \
        else WorkWireSpec(**(work_wires or {}))

    def make(func):
        if isinstance(func, DecompositionRule):  # stacked on register_condition: keep it
            func.set_resources(ops, exact_resources=exact)
            func.name = name or func.name
            func._work_wires = spec
            return func
        rule = DecompositionRule(func, ops, exact=exact, name=name)
        rule._work_wires = spec
        return rule

    return make if qfunc is None else make(qfunc)


def register_condition(condition, qfunc=None):
    """A rule that applies only when ``condition(**resource_params)`` is true (PennyLane's
    ``qml.register_condition``); stack it on :func:`register_resources`.

    >>> rule = register_condition(lambda **p: p.get("z") == 2)(list_decomps("Pow(PauliX)")[0])
    >>> rule.is_applicable(z=2), rule.is_applicable(z=3)
    (True, False)
    """

    def make(rule):
        if not isinstance(rule, DecompositionRule):
            rule = DecompositionRule(rule)
        previous = rule._condition
        rule._condition = condition if previous is None else (
            lambda *a, **k: bool(previous(*a, **k)) and bool(condition(*a, **k)))
        return rule

    return make if qfunc is None else make(qfunc)


@register_resources({})
def null_decomp(*_, **__):
    """The rule that decomposes an operator to nothing (PennyLane's
    ``qml.decomposition.null_decomp``, also importable from
    ``qsym.decomposition.decomposition_rule``): no gates, no resources. Give it to
    :func:`add_decomps`, or as an operator's rule in ``fixed_decomps`` of
    ``qml.transforms.decompose``, to drop that operator.

    >>> import qsym as qml
    >>> from qsym.decomposition import null_decomp
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     null_decomp(0.5, wires=[0])
    >>> q.queue, null_decomp.compute_resources().gate_counts
    ([], {})
    """


class DecompCollection(list):
    """The rules of an operator type, in order (PennyLane's ``DecompCollection``, what
    :func:`list_decomps` returns): a list whose rules are also found by name
    (``rules["name"]``, ``"name" in rules``); :meth:`append` and :meth:`extend` refuse a
    name already there. A copy: changing it does not change the registered rules.

    >>> import qsym as qml
    >>> rules = list_decomps(qml.SWAP)
    >>> rules["_swap_to_cnot"] is rules[0], "_swap_to_cnot" in rules
    (True, True)
    >>> print(rules)
    Available Decomposition Rules:
    0: _swap_to_cnot
    """

    def __getitem__(self, key):
        if isinstance(key, str):
            for rule in self:
                if rule.name == key:
                    return rule
            raise KeyError(f"Cannot find a decomposition with the given name: {key}.")
        return super().__getitem__(key)

    def __contains__(self, other) -> bool:
        if isinstance(other, str):
            return any(rule.name == other for rule in self)
        return any(rule is other for rule in self)

    def append(self, rule) -> None:
        """Add a rule (a ``ValueError`` if one of its name is there)."""
        if rule.name in self:
            raise ValueError(f"A decomposition of the name: {rule.name} already exists!")
        super().append(rule)

    def extend(self, rules) -> None:
        """Add rules (a ``ValueError`` if one of their names is there)."""
        rules = list(rules)
        names = [rule.name for rule in rules]
        dup = next((n for i, n in enumerate(names) if n in self or n in names[i + 1:]), None)
        if dup is not None:
            raise ValueError(f"A decomposition of the name: {dup} already exists!")
        super().extend(rules)

    def __iadd__(self, other):
        self.extend(other)
        return self

    def __add__(self, other):
        return DecompCollection(list(self) + list(other))

    def __radd__(self, other):
        return DecompCollection(list(other) + list(self))

    def copy(self):
        """A copy of the collection."""
        return DecompCollection(self)

    def __str__(self) -> str:
        return "Available Decomposition Rules:\n" + "\n".join(
            f"{i}: {rule.name}" for i, rule in enumerate(self))

    def __repr__(self) -> str:
        inner = ",\n".join("    " + repr(rule) for rule in self)
        return f"DecompCollection([{chr(10) + inner + chr(10) if inner else ''}])"


_ADDED: dict = {}  # name -> the rules added with add_decomps, in order
ADDED_RULES = _ADDED
"""The rules added with :func:`add_decomps`, by operator name (PennyLane's
``_decompositions_private``)."""


def add_decomps(op_type, *rules) -> None:
    """Register decomposition rules for an operator type (PennyLane's ``qml.add_decomps``);
    :func:`list_decomps` lists them after qsym's own.

    >>> @register_resources({GATE_CLASSES["RZ"]: 1})
    ... def rz_of_z(wires, **_):
    ...     GATE_CLASSES["RZ"](np.pi, wires=wires)
    >>> add_decomps("MyZ", rz_of_z)
    >>> list_decomps("MyZ")[0]
    DecompositionRule(name=rz_of_z)
    """
    for rule in rules:
        if not isinstance(rule, DecompositionRule):
            raise TypeError("A decomposition rule must be a qfunc with a resource estimate "
                            f"registered using qml.register_resources, got {rule!r}")
    names = [rule.name for rule in rules]
    dup = next((n for i, n in enumerate(names) if n in names[i + 1:]), None)
    if dup is not None:
        raise ValueError("Decomposition rules in the same collection must have unique names. "
                         f"Found multiple decompositions with the same name: '{dup}'.")
    registered = _ADDED.setdefault(_type_name(op_type), [])
    for rule in rules:
        if any(r.name == rule.name and r is not rule for r in registered):
            raise ValueError(f"A decomposition of the name: {rule.name} already exists!")
    registered.extend(r for r in rules if not any(r is q for q in registered))


@contextlib.contextmanager
def local_decomps():
    """Rules added with :func:`add_decomps` inside the block are forgotten when it ends
    (PennyLane's ``qml.decomposition.local_decomps``); the rules added before stay.

    >>> @register_resources({GATE_CLASSES["RY"]: 1})
    ... def ry_of_y(wires, **_):
    ...     GATE_CLASSES["RY"](np.pi, wires=wires)
    >>> with local_decomps():
    ...     add_decomps("MyY", ry_of_y)
    ...     print(list_decomps("MyY"))
    Available Decomposition Rules:
    0: ry_of_y
    >>> len(list_decomps("MyY"))
    0
    """
    saved = {name: list(rules) for name, rules in _ADDED.items()}
    try:
        yield
    finally:
        _ADDED.clear()
        _ADDED.update(saved)


def _counted(make):
    """A resource function that counts the gates ``make(**resource_params)`` applies."""

    def count(**resource_params):
        tape = Tape()
        tape.log = QueueLog()  # PennyLane's queue: Adjoint(T) is one entry, not its gate
        with recording(tape):
            make(**resource_params)
        counts: dict = {}
        for g in tape.log:  # (by resource form: MultiRZ(num_wires=3), as PennyLane counts)
            key = resource_rep(g.name, **(getattr(g, "resource_params", None) or {}))
            counts[key] = counts.get(key, 0) + 1
        return counts

    return count


def _example_call(name: str, resource_params: dict) -> tuple:
    """``(params, wires, hyperparameters)`` of an example gate ``name`` of these resource
    parameters: on wires ``0..n-1``, its parameters 0.1; a ``MultiControlledX`` (PennyLane's
    keys) with its controls on 0 first and its work wires after its wires."""
    row = GATE_CLASSES[name]._row
    rp = dict(resource_params)
    if "num_control_wires" in rp:
        n, zeros = rp["num_control_wires"], rp.get("num_zero_control_values", 0)
        return [], list(range(n + 1)), {
            "control_values": [0] * zeros + [1] * (n - zeros),
            "work_wires": list(range(n + 1, n + 1 + rp.get("num_work_wires", 0))),
            "work_wire_type": rp.get("work_wire_type", "borrowed")}
    n = rp.pop("num_wires", None) or row.num_wires or len(rp.get("pauli_word", "")) or 1
    if name == "QubitUnitary" and "U" not in rp:  # (its matrix is no resource parameter)
        rp["U"] = np.eye(2 ** n)
    return [0.1] * row.num_params, list(range(n)), rp


# PennyLane 0.45's name of the rule that applies the gates of the gate's own decomposition
# (the same gates, counted alike), and its place among PennyLane's rules qsym also has
# (:func:`_pennylane_gate_rules`); None: PennyLane has no such rule (its rules of the gate,
# in :func:`_pennylane_gate_rules`, are the gate's only ones); a gate not listed keeps its
# own name (qsym's rule)
_PENNYLANE_RULE_NAMES = {
    "Hadamard": None, "CRZ": None, "ControlledPhaseShift": None, "SX": None,
    "MultiControlledX": None,  # its twelve rules: _controlled_decompositions adds them
    "GlobalPhase": None,  # decomposition() is [] but PennyLane's graph has no rule for it
    "CCZ": "_ccz", "CH": "_ch_to_ry_cz_ry", "CPhaseShift00": "_cphaseshift00",
    "CPhaseShift01": "_cphaseshift01", "CPhaseShift10": "_cphaseshift10",
    "CRX": ("_crx_to_rz_ry", 1), "CRY": "_cry", "CRot": "_crot", "CSWAP": "_cswap",
    "CY": "_cy", "CZ": "_cz_to_cps", "DoubleExcitation": "_doublexcit",
    "ECR": "_ecr_decomp", "FermionicSWAP": "_fermionic_swap_decomp",
    "ISWAP": "_iswap_decomp", "Identity": "null_decomp",
    "IsingXX": "_isingxx_to_cnot_rx_cnot", "IsingXY": "_isingxy_to_h_cy",
    "IsingYY": "_isingyy_to_cy_ry_cy", "IsingZZ": "_isingzz_to_cnot_rz_cnot",
    "MultiRZ": "_multi_rz_decomposition", "OrbitalRotation": "_orbital_rotation_decomp",
    "PSWAP": "_pswap_to_swap_cnot_phaseshift_cnot", "PauliRot": "_pauli_rot_decomposition",
    "PauliX": "_paulix_to_rx", "PauliY": "_pauliy_to_ry_gp", "PauliZ": "_pauliz_to_ps",
    "PhaseShift": "_phaseshift_to_rz_gp", "Rot": "_rot_to_rz_ry_rz", "S": "_s_phaseshift",
    "SISWAP": "_siswap_decomp", "SWAP": "_swap_to_cnot",
    "SingleExcitation": "_single_excitation_decomp",
    "SingleExcitationMinus": "_single_excitation_minus_decomp",
    "SingleExcitationPlus": "_single_excitation_plus_decomp", "T": "_t_phaseshift",
    "Toffoli": "_toffoli", "U1": "_u1_phaseshift", "U2": "_u2_phaseshift_rot",
    "U3": "_u3_phaseshift_rot",
}


def _pennylane_rule_name(name: str) -> tuple:
    """``(rule name, place)`` of gate ``name``'s own decomposition among its rules
    (:data:`_PENNYLANE_RULE_NAMES`; not listed: the gate's name, first; None: not a rule).

    >>> _pennylane_rule_name("PauliRot"), _pennylane_rule_name("CRX"), _pennylane_rule_name("PCPhase")
    (('_pauli_rot_decomposition', 0), ('_crx_to_rz_ry', 1), ('PCPhase', 0))
    >>> _pennylane_rule_name("Hadamard") is None  # (PennyLane's rules only)
    True
    """
    entry = _PENNYLANE_RULE_NAMES.get(name, name)
    return entry if isinstance(entry, tuple) or entry is None else (entry, 0)


def _gate_rule(name: str) -> DecompositionRule:
    """The gate's own decomposition (``op.decomposition()``) as a rule, named as
    PennyLane's rule of the same gates (:func:`_pennylane_rule_name`)."""

    row = GATE_CLASSES[name]._row
    keep = set(row.hyper if row is not None else ()) | (
        {"work_wires", "work_wire_type"} if name == "MultiControlledX" else set())

    def rule(*params, wires, **hyper):
        hyper.pop("control_wires", None)  # MultiControlledX's: its wires but the last
        hyper.pop("num_wires", None)  # a resource parameter, not the gate's
        for key in ("base", "control_values", "work_wires", "work_wire_type"):
            if key not in keep:  # a controlled gate's (PennyLane's ControlledOp keys)
                hyper.pop(key, None)
        with recording(Tape()):
            op = GATE_CLASSES[name](*params, wires=wires, **hyper)
        op.decomposition()  # recorded where the rule is called

    def example(**resource_params):
        params, wires, hyper = _example_call(name, resource_params)
        return rule(*params, wires=wires, **hyper)

    return DecompositionRule(rule, _counted(example), name=_pennylane_rule_name(name)[0])


def _base_of(base_class, params, wires):
    with recording(Tape()):
        return base_class(*params, wires=wires)


def _pow_gates_rule(name: str) -> DecompositionRule:
    """``Pow(U, z)`` as the gates of ``U.pow(z)`` (PennyLane's powers of each gate)."""

    def rule(*params, wires, z, base=None, **_):
        base = base if base is not None else _base_of(GATE_CLASSES[name], params, wires)
        base.pow(z)  # its gates are recorded where the rule is called

    def applicable(z=None, base_params=None, **_):
        row = GATE_CLASSES[name]._row
        if z is None or np.ndim(z):
            return z is not None and row.generator is not None
        params, wires, hyper = _example_call(name, base_params or {})
        try:
            with recording(Tape()):
                GATE_CLASSES[name](*params, wires=wires, **hyper).pow(z)
        except PowUndefinedError:
            return False
        return True

    def example(base_class=None, base_params=None, z=None, **_):
        if z is None or np.ndim(z):
            raise DecompositionError(f"the gates of Pow({name}) are counted for one power z")
        params, wires, hyper = _example_call(name, base_params or {})
        rule(*params, wires=wires, z=z, base=_base_of(
            lambda *p, wires: GATE_CLASSES[name](*p, wires=wires, **hyper), params, wires))

    return DecompositionRule(rule, _counted(example), exact=False, condition=applicable,
                             name=f"pow_{name}")


def _pow_scaled_rule(name: str, parts) -> DecompositionRule:
    """``Pow(U, z)`` for ``U`` = one rotation and global phases: every angle times ``z``
    (:func:`qsym._opmath.scaled_pow`, which also takes a broadcast ``z``)."""

    def rule(*params, wires, z, base=None, **_):
        base = base if base is not None else _base_of(GATE_CLASSES[name], params, wires)
        scaled_pow(base, z)  # recorded where the rule is called

    counts = {resource_rep(g): sum(1 for p in parts if p[0] == g) for g, _, _ in parts}
    return DecompositionRule(rule, counts, name=f"pow_{name}_scaled")


def _adjoint_base(name, params, wires, hyper):
    hyper = {k: v for k, v in hyper.items()
             if k not in ("base", "num_wires", "control_wires", "base_class", "base_params")}
    return _base_of(lambda *p, wires: GATE_CLASSES[name](*p, wires=wires, **hyper), params, wires)


def _adjoint_example(rule, name):
    """A resource function counting ``rule``'s gates on an example of ``Adjoint(name)``."""

    def example(base_class=None, base_params=None, **resource_params):
        # PennyLane's resource parameters of an Adjoint: the base's are base_params
        params, wires, hyper = _example_call(name, {**resource_params, **(base_params or {})})
        rule(*params, wires=wires, **hyper)

    return _counted(example)


def _adjoint_rules(name: str) -> list:
    """``Adjoint(U)`` for a table gate ``U``: the gate ``U.adjoint()`` gives (its inverse in
    the table: ``RX(-t)``, ``PhaseShift(-pi/2)`` for ``S``; applicable when there is one),
    and ``U``'s decomposition reversed with every gate adjoint (PennyLane's
    ``adjoint_rotation``, ``self_adjoint`` and adjoint-of-decomposition rules)."""
    from ._opmath import adjoint, AdjointOperation

    def inverse(*params, wires, base=None, **hyper):
        base = base if base is not None else _adjoint_base(name, params, wires, hyper)
        with recording(Tape()):
            inv = base.adjoint()
        reapply(inv)

    def reversed_decomposition(*params, wires, base=None, **hyper):
        base = base if base is not None else _adjoint_base(name, params, wires, hyper)
        with recording(Tape()):
            parts = list(base.decomposition())
        for g in parts[::-1]:
            adjoint(g)

    def has_inverse(base_class=None, base_params=None, **resource_params):
        # an example of the base of these resource parameters (a QubitUnitary's matrix, a
        # PauliRot's word: the gate needs them)
        params, wires, hyper = _example_call(name, {**resource_params, **(base_params or {})})
        with recording(Tape()):
            base = GATE_CLASSES[name](*params, wires=wires, **hyper)
            return not isinstance(base.adjoint(), AdjointOperation)

    rules = [DecompositionRule(inverse, _adjoint_example(inverse, name), condition=has_inverse,
                               name=f"adjoint_{name}")]
    if name in METHODS.get("decompositions", ()) and name != "GlobalPhase":
        # (GlobalPhase's empty decomposition is no rule of PennyLane's: its adjoint's would
        # drop the phase under a control)
        rules.append(DecompositionRule(reversed_decomposition,
                                       _adjoint_example(reversed_decomposition, name),
                                       name=f"adjoint_{name}_decomposition"))
    return rules


def _qubit_unitary_rule(name, func, resources, condition) -> DecompositionRule:
    """One of PennyLane's rules of ``QubitUnitary`` (``_unitary_decompositions``), its
    resources an upper bound (PennyLane's: a phase or a CNOT may be left out)."""

    def counts(num_wires=1, **_):
        return {resource_rep(k[0], num_wires=k[1]) if isinstance(k, tuple) else resource_rep(k): v
                for k, v in resources(num_wires).items()}

    def rule(U, wires, **hyper):
        func(U, wires, **hyper)  # its gates are recorded where the rule is called

    return DecompositionRule(rule, counts, exact=False, condition=condition, name=name)


def _pennylane_gate_rules() -> dict:
    """PennyLane 0.45's own rules of some gates, besides the gate's decomposition (qsym's
    rule): which one the graph takes depends on the gate set and its weights, as in
    PennyLane (``CNOT`` as ``H CZ H`` where ``CZ`` is cheap, ``CRX`` as ``RX CZ RX CZ``,
    ``Hadamard`` as ``RZ RX RZ`` or ``RZ RY`` and a global phase)."""
    if _GATE_RULES:
        return _GATE_RULES
    G = GATE_CLASSES

    @register_resources({G["Hadamard"]: 2, G["CZ"]: 1}, name="_cnot_to_cz_h")
    def cnot_to_cz_h(wires, **_):
        G["Hadamard"](wires[1]), G["CZ"](wires=wires), G["Hadamard"](wires[1])

    @register_resources({G["Hadamard"]: 2, G["CNOT"]: 1}, name="_cz_to_cnot")
    def cz_to_cnot(wires, **_):
        G["Hadamard"](wires[1]), G["CNOT"](wires=wires), G["Hadamard"](wires[1])

    @register_resources({G["RX"]: 2, G["CZ"]: 2}, name="_crx_to_rx_cz")
    def crx_to_rx_cz(phi, wires, **_):
        G["RX"](phi / 2, wires=wires[1]), G["CZ"](wires=wires)
        G["RX"](-phi / 2, wires=wires[1]), G["CZ"](wires=wires)

    @register_resources({G["Hadamard"]: 2, G["CRZ"]: 1}, name="_crx_to_h_crz")
    def crx_to_h_crz(phi, wires, **_):
        G["Hadamard"](wires[1]), G["CRZ"](phi, wires=wires), G["Hadamard"](wires[1])

    @register_resources({G["RZ"]: 2, G["RX"]: 1, G["GlobalPhase"]: 1}, name="_hadamard_to_rz_rx")
    def hadamard_to_rz_rx(wires, **_):
        G["RZ"](np.pi / 2, wires=wires), G["RX"](np.pi / 2, wires=wires)
        G["RZ"](np.pi / 2, wires=wires), G["GlobalPhase"](-np.pi / 2, wires=wires)

    @register_resources({G["RZ"]: 1, G["RY"]: 1, G["GlobalPhase"]: 1}, name="_hadamard_to_rz_ry")
    def hadamard_to_rz_ry(wires, **_):
        G["RZ"](np.pi, wires=wires), G["RY"](np.pi / 2, wires=wires)
        G["GlobalPhase"](-np.pi / 2)

    @register_resources({G["RZ"]: 2, G["CNOT"]: 2}, name="_crz")
    def crz_to_rz_cnot(phi, wires, **_):
        G["RZ"](phi / 2, wires=wires[1]), G["CNOT"](wires=wires)
        G["RZ"](-phi / 2, wires=wires[1]), G["CNOT"](wires=wires)

    @register_resources({G["RZ"]: 3, G["CNOT"]: 2, G["GlobalPhase"]: 1}, name="_cphase_to_rz_cnot")
    def cphase_to_rz_cnot(phi, wires, **_):
        G["RZ"](phi / 2, wires=wires[0]), G["CNOT"](wires=wires)
        G["RZ"](-phi / 2, wires=wires[1]), G["CNOT"](wires=wires)
        G["RZ"](phi / 2, wires=wires[1]), G["GlobalPhase"](-phi / 4)

    @register_resources({G["RX"]: 1, G["GlobalPhase"]: 1}, name="_sx_to_rx")
    def sx_to_rx(wires, **_):
        G["RX"](np.pi / 2, wires=wires), G["GlobalPhase"](-np.pi / 4, wires=wires)

    _GATE_RULES.update(CNOT=[cnot_to_cz_h], CZ=[cz_to_cnot], CRX=[crx_to_rx_cz, crx_to_h_crz],
                       Hadamard=[hadamard_to_rz_rx, hadamard_to_rz_ry], CRZ=[crz_to_rz_cnot],
                       ControlledPhaseShift=[cphase_to_rz_cnot], SX=[sx_to_rx],
                       **_rotation_rules())
    return _GATE_RULES


def _rotation_rules() -> dict:
    """PennyLane 0.45's rules of ``RX``, ``RY`` and ``RZ`` (named as its functions): as a
    ``Rot``, as the other two rotations, as a ``PauliRot``, as a ``PhaseShift`` (``RZ``), and
    as the other rotations in a Clifford-changed basis (a ``ChangeOpBasis``)."""
    G = GATE_CLASSES
    H, S, rot = G["Hadamard"], G["S"], G["Rot"]
    adj_s_rep = adjoint_resource_rep(S)
    hs = {"H S": resource_rep("Prod", resources={adj_s_rep: 1, resource_rep(H): 1}),
          "S H": resource_rep("Prod", resources={resource_rep(S): 1, resource_rep(H): 1})}

    def rules(axis, to_rot, others, cliff):
        """The rules of ``R<axis>``: ``to_rot(phi)`` its Rot angles; ``others`` the two
        rotations (outer, inner) it is made of (with the outer's angles at each side);
        ``cliff`` per other rotation its basis change (compute, uncompute: functions of the
        wires, and their resource forms)."""
        made = []

        @register_resources({rot: 1}, name=f"_r{axis}_to_rot")
        def to_rot_rule(phi, wires, **_):
            rot(*to_rot(phi), wires=wires)

        made.append(to_rot_rule)
        (outer, sign), inner = others
        r_out, r_in = G["R" + outer.upper()], G["R" + inner.upper()]

        @register_resources({r_out: 2, r_in: 1}, name=f"_r{axis}_to_r{outer}_r{inner}")
        def other_rule(phi, wires, **_):
            r_out(sign * np.pi / 2, wires=wires)
            r_in(phi, wires=wires)
            r_out(-sign * np.pi / 2, wires=wires)

        made.append(other_rule)
        ppr = resource_rep("PauliRot", pauli_word=axis.upper())

        @register_resources({ppr: 1}, name=f"_r{axis}_to_ppr")
        def ppr_rule(phi, wires, **_):
            G["PauliRot"](phi, axis.upper(), wires=wires)

        made.append(ppr_rule)
        for target, (compute, uncompute, reps) in cliff.items():
            made.append(_basis_change_rule(f"_r{axis}_to_r{target}_cliff",
                                           G["R" + target.upper()], compute, uncompute, reps))
        return made

    def adj_s(w):
        return adjoint(S(w))

    rx = rules("x", lambda phi: (np.pi / 2, phi, 3.5 * np.pi), (("z", 1), "y"), {
        "y": (lambda w: S(w), None, (S, None)),
        "z": (lambda w: H(w), lambda w: H(w), (H, H))})
    ry = rules("y", lambda phi: (0, phi, 0), (("z", -1), "x"), {
        "x": (adj_s, lambda w: S(w), (adj_s_rep, S)),
        "z": (lambda w: H(w) @ adj_s(w), lambda w: S(w) @ H(w), (hs["H S"], hs["S H"]))})

    @register_resources({G["PhaseShift"]: 1, G["GlobalPhase"]: 1}, name="_rz_to_ps")
    def rz_to_ps(phi, wires, **_):
        G["PhaseShift"](phi, wires), G["GlobalPhase"](phi / 2)

    rz = [rz_to_ps] + rules("z", lambda phi: (0, 0, phi), (("y", 1), "x"), {
        "x": (lambda w: H(w), lambda w: H(w), (H, H)),
        "y": (lambda w: S(w) @ H(w), lambda w: H(w) @ adj_s(w), (hs["S H"], hs["H S"]))})
    return {"RX": rx, "RY": ry, "RZ": rz}


def _basis_change_rule(name, target, compute, uncompute, reps):
    """A rule ``change_op_basis(compute(wires), target(phi, wires), uncompute(wires))``
    (``uncompute`` None: the compute operator's adjoint), ``reps`` the resource forms of
    compute and uncompute (None: the adjoint's)."""

    @register_resources({change_op_basis_resource_rep(reps[0], target, reps[1]): 1}, name=name)
    def rule(phi, wires, **_):
        change_op_basis(compute(wires), target(phi, wires=wires),
                        None if uncompute is None else uncompute(wires))

    return rule


_GATE_RULES: dict = {}  # name -> PennyLane's rules of the gate (made on first use)


def list_decomps(op_type) -> list:
    """The decomposition rules registered for an operator type or name (PennyLane's
    ``qml.list_decomps``): qsym's, then those added with :func:`add_decomps`.

    >>> [r.name for r in list_decomps(GATE_CLASSES["Hadamard"])]  # PennyLane's
    ['_hadamard_to_rz_rx', '_hadamard_to_rz_ry']
    >>> [r.name for r in list_decomps(GATE_CLASSES["PCPhase"])]  # the gate's (qsym's)
    ['PCPhase']
    >>> [rule.name for rule in list_decomps("Pow(PauliZ)")]
    ['pow_PauliZ', 'pow_PauliZ_scaled']
    """
    name = _type_name(op_type)
    rules = []
    if name == "QubitUnitary":
        rules += [_qubit_unitary_rule(*row) for row in QUBIT_UNITARY_RULES]
    rules += _pennylane_gate_rules().get(name, [])
    if name != "QubitUnitary" and name in GATE_CLASSES and GATE_CLASSES[name]._row is not None \
            and name in METHODS.get("decompositions", ()) and _pennylane_rule_name(name):
        rules.insert(_pennylane_rule_name(name)[1], _gate_rule(name))  # in PennyLane's place
    if name.startswith("Adjoint(") and name.endswith(")") and name[8:-1] in GATE_CLASSES:
        rules += _adjoint_rules(name[8:-1])
    if name.startswith("Pow(") and name.endswith(")") and name[4:-1] in GATE_CLASSES:
        base = name[4:-1]
        rules.append(_pow_gates_rule(base))
        parts = rotation_and_phase(base)
        if parts is not None:
            rules.append(_pow_scaled_rule(base, parts))
    return DecompCollection(rules + list(_ADDED.get(name, ())))


def has_decomp(op_type) -> bool:
    """Whether :func:`list_decomps` has a rule for the operator type.

    >>> has_decomp(GATE_CLASSES["CNOT"]), has_decomp(GATE_CLASSES["DoubleExcitationPlus"])
    (True, False)
    """
    return bool(list_decomps(op_type))


def get_decomp_kwargs(op) -> dict:
    """The keyword arguments a rule takes for ``op`` besides its parameters and wires: its
    hyperparameters (PennyLane's ``get_decomp_kwargs``; qsym has no reconstructors).

    >>> import qsym as qml
    >>> get_decomp_kwargs(qml.pow(qml.PauliX(0), 0.5))["z"]
    0.5
    """
    return dict(op.hyperparameters)


_GRAPH = contextvars.ContextVar("qsym_graph_decomposition", default=False)


def enabled_graph() -> bool:
    """Whether the graph-based decomposition system is on (PennyLane's
    ``qml.decomposition.enabled_graph``; off by default). On, ``qml.transforms.decompose``
    and the devices' ``decompose`` choose each operator's cheapest rule to the gate set
    (:class:`DecompositionGraph`) instead of applying ``op.decomposition()``.

    >>> enabled_graph()
    False
    """
    return _GRAPH.get()


def enable_graph() -> None:
    """Turn the graph-based decomposition system on (PennyLane's
    ``qml.decomposition.enable_graph``; a ``contextvars`` setting, as PennyLane's).

    >>> enable_graph(); print(enabled_graph()); disable_graph()
    True
    """
    _GRAPH.set(True)


def disable_graph() -> None:
    """Turn the graph-based decomposition system off (the default).

    >>> disable_graph(); enabled_graph()
    False
    """
    _GRAPH.set(False)


@contextlib.contextmanager
def toggle_graph_ctx(enable: bool):
    """The graph-based system on (``enable=True``) or off inside the block, as before
    after it (PennyLane's ``qml.decomposition.toggle_graph_ctx``).

    >>> with toggle_graph_ctx(True):
    ...     print(enabled_graph())
    True
    >>> enabled_graph()
    False
    """
    token = _GRAPH.set(bool(enable))
    try:
        yield
    finally:
        _GRAPH.reset(token)


def _change_op_basis_resources(compute_op, target_op, uncompute_op) -> dict:
    counts: dict = {}
    for rep in (compute_op, target_op, uncompute_op):
        counts[rep] = counts.get(rep, 0) + 1
    return counts


def _change_op_basis_decomp(*_, wires=None, operands, **__) -> None:
    """PennyLane's rule for ``ChangeOpBasis``: its operands applied, the last first."""
    for op in operands[::-1]:
        reapply(op)


def _prod_decomp(*_, wires=None, operands, **__) -> None:
    """PennyLane's rule for ``Prod``: its factors applied, the last first."""
    for op in operands[::-1]:
        reapply(op)


def _controlled_change_op_basis_resources(*_, num_control_wires, num_zero_control_values=0,
                                          num_work_wires=0, work_wire_type="borrowed",
                                          base_params, **__) -> dict:
    """PennyLane's counts for ``C(ChangeOpBasis)``: the compute and uncompute operators
    once each, the controlled target once (so the graph can choose the rule)."""
    target = base_params["target_op"]
    counts: dict = {base_params["compute_op"]: 1}
    rep = controlled_resource_rep(target.op_type, target.params, num_control_wires,
                                  num_zero_control_values, num_work_wires, work_wire_type)
    counts[rep] = counts.get(rep, 0) + 1
    counts[base_params["uncompute_op"]] = counts.get(base_params["uncompute_op"], 0) + 1
    return counts


def _controlled_change_op_basis_decomp(*_, control_wires, control_values=None, work_wires=None,
                                       work_wire_type="borrowed", base, **__) -> None:
    """PennyLane's rule for ``C(ChangeOpBasis)``: only the target operator controlled."""
    reapply(base[2])
    ctrl(base[1], control=control_wires, control_values=control_values,
         work_wires=work_wires, work_wire_type=work_wire_type)
    reapply(base[0])


def _particle_conserving_u2_resources(num_wires: int, n_layers: int) -> dict:
    """PennyLane's counts: the basis state, an ``RZ`` per wire and layer, an exchange gate
    (two ``CNOT``, one ``CRX``) per neighbouring pair and layer."""
    pairs = (num_wires - 1) * n_layers
    return {resource_rep(templates.BasisEmbedding, num_wires=num_wires): 1,
            resource_rep(GATE_CLASSES["RZ"]): n_layers * num_wires,
            resource_rep(GATE_CLASSES["CNOT"]): 2 * pairs, resource_rep(GATE_CLASSES["CRX"]): pairs}


@register_resources(_particle_conserving_u2_resources)
def _particle_conserving_u2_decomposition(weights, wires, init_state=None, **_):
    w = templates.template_array(weights, "ParticleConservingU2 weights")
    templates.particle_conserving_u2_gates(w, wires, (0,) * len(wires) if init_state is None
                                           else init_state)


add_decomps("ParticleConservingU2", _particle_conserving_u2_decomposition)


def _template_rule(cls, resources, *, name: str, exact: bool = True) -> DecompositionRule:
    """A template's own decomposition as a rule of :func:`list_decomps` (PennyLane registers
    one for each template): called as ``rule(*op.data, op.wires, **op.hyperparameters)``
    (the wires by position or name), it makes the template off the tape and records its
    gates where it is called; ``resources`` is PennyLane's count (a function of the
    template's ``resource_params``).

    >>> import qsym as qml
    >>> rule = list_decomps(qml.BasisState)[0]
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     rule(np.array([1, 0, 1]), [0, 1, 2])
    >>> q.queue, rule.compute_resources(num_wires=3).gate_counts
    ([X(0), X(2)], {PauliX: 2})
    """

    def rule(*args, wires=None, **hyper):
        params = args
        if wires is None:  # PennyLane's rules take the wires after the data, by position
            if not args:
                raise TypeError(f"{name}: the rule needs the template's wires")
            params, wires = args[:-1], args[-1]
        with recording(Tape()):
            op = cls(*params, wires=wires, **hyper)
        op.decomposition()  # recorded where the rule is called

    rule.__name__ = name
    return DecompositionRule(rule, resources, exact=exact, name=name)


def _basis_state_resources(num_wires: int) -> dict:
    """PennyLane's (an estimate: a ``PauliX`` for half the wires, rounded up)."""
    return {GATE_CLASSES["PauliX"]: num_wires - num_wires // 2}


def _mottonen_resources(num_wires: int) -> dict:
    """PennyLane's count for a complex state: ``2**n - 1`` ``RY`` and ``RZ`` each, twice as
    many ``CNOT`` less two, one ``GlobalPhase`` (an upper bound)."""
    n = 2 ** num_wires - 1
    return {GATE_CLASSES["GlobalPhase"]: 1, GATE_CLASSES["RY"]: n, GATE_CLASSES["RZ"]: n,
            GATE_CLASSES["CNOT"]: 2 * (n - 1)}


def _particle_conserving_u1_resources(n_layers: int, num_wires: int) -> dict:
    """PennyLane's counts: the basis state, then per neighbouring pair and layer two
    ``U_A`` halves (each ``CZ``, ``CRot``, three ``PhaseShift``, two ``CNOT``) and a
    ``CZ``, ``CRot`` between them."""
    pairs = (num_wires - 1) * n_layers
    return {resource_rep(templates.BasisEmbedding, num_wires=num_wires): 1,
            resource_rep(GATE_CLASSES["CZ"]): 3 * pairs, resource_rep(GATE_CLASSES["CRot"]): 3 * pairs,
            resource_rep(GATE_CLASSES["PhaseShift"]): 6 * pairs,
            resource_rep(GATE_CLASSES["CNOT"]): 4 * pairs}


def _gate_fabric_resources(n_layers: int, num_wires: int, len_wire_pattern: int,
                           include_pi: bool) -> dict:
    """PennyLane's counts: the basis state, per group of four wires and layer a
    ``DoubleExcitation`` and one ``OrbitalRotation`` (two with ``include_pi``)."""
    groups = n_layers * len_wire_pattern
    return {resource_rep(templates.BasisEmbedding, num_wires=num_wires): 1,
            resource_rep(GATE_CLASSES["DoubleExcitation"]): groups,
            resource_rep(GATE_CLASSES["OrbitalRotation"]): (2 if include_pi else 1) * groups}


_BASIS_STATE_RULE = _template_rule(templates.BasisState, _basis_state_resources,
                                  name="_basis_state_decomp", exact=False)
add_decomps("BasisState", _BASIS_STATE_RULE)
add_decomps("BasisEmbedding", _BASIS_STATE_RULE)  # PennyLane's: BasisState's rules
_MOTTONEN_RULE = _template_rule(templates.MottonenStatePreparation, _mottonen_resources,
                                name="mottonen_decomp", exact=False)
add_decomps("MottonenStatePreparation", _MOTTONEN_RULE)
# PennyLane's module path of the rule (qml.templates.state_preparations.mottonen)
templates.state_preparations.mottonen.mottonen_decomp = _MOTTONEN_RULE


def _state_prep_decomp(state, wires, **_):
    """PennyLane's rule of ``StatePrep``: one ``MottonenStatePreparation`` of the state as
    given, recorded where the rule is called."""
    templates.MottonenStatePreparation(state, wires)


add_decomps("StatePrep", DecompositionRule(
    _state_prep_decomp,
    lambda num_wires: {resource_rep(templates.MottonenStatePreparation, num_wires=num_wires): 1},
    name="_state_prep_decomp"))
add_decomps("ParticleConservingU1", _template_rule(
    templates.ParticleConservingU1, _particle_conserving_u1_resources,
    name="_particle_conserving_u1_decomposition"))
add_decomps("GateFabric", _template_rule(templates.GateFabric, _gate_fabric_resources,
                                        name="_gate_fabric_decomposition"))
METHODS["resource_rep"] = resource_rep  # for ChangeOpBasis.resource_params (qsym._opmath)
# the rules a user's operator class falls back on (qsym._operations.added_rules)
METHODS["added_rules"] = lambda cls: tuple(_ADDED.get(_type_name(cls), ()))
add_decomps("Prod", DecompositionRule(_prod_decomp, lambda resources: dict(resources),
                                      name="_prod_decomp"))
add_decomps("ChangeOpBasis", DecompositionRule(_change_op_basis_decomp,
                                               _change_op_basis_resources))
add_decomps("C(ChangeOpBasis)", DecompositionRule(_controlled_change_op_basis_decomp,
                                                  _controlled_change_op_basis_resources,
                                                  name="_controlled_change_op_basis_decomposition"))


class GateSet(Mapping):
    """PennyLane's ``GateSet``: the names of the operators a decomposition may stop at
    (``qml.transforms.decompose(..., gate_set=...)``), each with a weight (its cost; default
    1), sorted by weight then name, and a ``name``; immutable; ``|`` joins two, ``-`` removes
    operators. Made from names, operator classes, or a mapping of them to weights.

    >>> gs = GateSet({GATE_CLASSES["RZ"]: 100, "CNOT": 1}, name="mine")
    >>> sorted(gs), gs["RZ"], str(gs)
    (['CNOT', 'RZ'], 100, 'mine')
    >>> GateSet({"X": 1, "CNOT": 3})
    GateSet({PauliX, CNOT=3})
    """

    def __init__(self, gate_set=(), name=""):
        if isinstance(gate_set, (type, str)):
            gate_set = [gate_set]
        if not isinstance(gate_set, Mapping):
            gate_set = {op: 1.0 for op in gate_set}
        if any(w < 0 for w in gate_set.values()):
            raise ValueError("Negative weights are not supported in the gate_set.")
        self.name = name or ""
        named = ((_type_name(op), w) for op, w in gate_set.items())
        self._gate_set = dict(sorted(named, key=lambda item: (item[1], item[0])))

    @property
    def weights(self) -> dict:
        """The weight of each operator, by name."""
        return dict(self._gate_set)

    def __eq__(self, other) -> bool:
        return isinstance(other, GateSet) and self._gate_set == other._gate_set

    def __ne__(self, other) -> bool:
        return not self == other

    __hash__ = None

    def __len__(self) -> int:
        return len(self._gate_set)

    def __iter__(self):
        return iter(self._gate_set)

    def __contains__(self, op) -> bool:
        """An operator, its class or its name (PennyLane's aliases too) is in the set."""
        try:
            return _type_name(op) in self._gate_set
        except (GateError, TypeError):
            return False

    def __getitem__(self, op):
        return self._gate_set[_type_name(op)]

    def __setitem__(self, key, value):
        raise TypeError("The GateSet is immutable.")

    def get(self, key, default=None):
        """The weight of an operator, or ``default``."""
        return self._gate_set.get(_type_name(key), default)

    def __or__(self, other):
        if not isinstance(other, (Mapping, Set, frozenset, set)):
            return NotImplemented
        return GateSet({**self._gate_set, **GateSet(other)._gate_set})

    def __ror__(self, other):
        if not isinstance(other, (Mapping, Set, frozenset, set)):
            return NotImplemented
        return GateSet({**GateSet(other)._gate_set, **self._gate_set})

    def __sub__(self, other):
        if isinstance(other, (type, str)):
            other = GateSet([other])
        if not isinstance(other, (Mapping, Set, frozenset, set)):
            return NotImplemented
        drop = other if isinstance(other, GateSet) else GateSet(other)
        return GateSet({k: w for k, w in self._gate_set.items() if k not in drop})

    def _items_text(self) -> str:
        return ", ".join(k if w == 1 else f"{k}={w}" for k, w in self._gate_set.items())

    def __str__(self):
        return self.name or f"{{{self._items_text()}}}"

    def __repr__(self):
        name = f", name='{self.name}'" if self.name else ""
        return f"GateSet({{{self._items_text()}}}{name})"


def _gate_sets() -> types.SimpleNamespace:
    """PennyLane's ``qml.decomposition.gate_sets`` (also ``qml.gate_sets``), importable by
    its path."""
    clifford = GateSet(["PauliX", "PauliY", "PauliZ", "Hadamard", "S", "SX", "T", "CNOT", "CY",
                        "CZ", "SWAP", "ISWAP"])
    clifford = clifford | GateSet(f"Adjoint({n})" for n in clifford)
    identity = GateSet({"Identity": 0.0, "GlobalPhase": 0.0}, name="Identity")
    mid = GateSet(["MidMeasure"])
    sets = {
        "IDENTITY": identity,
        "CLIFFORD_T": GateSet(clifford | identity | mid, name="Clifford+T"),
        "CLIFFORD_T_PLUS_RZ": GateSet(clifford | identity | mid | GateSet({"RZ": 100}),
                                      name="Clifford+T+RZ"),
        "ROTATIONS_PLUS_CNOT": GateSet(GateSet(["RX", "RY", "RZ", "CNOT"]) | identity | mid,
                                       name="Rotations+CNOT"),
        "PYZX": GateSet(["PauliZ", "PauliX", "PauliY", "Hadamard", "RX", "RY", "RZ", "U2", "U3",
                         "S", "T", "SX", "SWAP", "CNOT", "CY", "CZ", "CRX", "CRY", "CRZ",
                         "ControlledPhaseShift", "CSWAP", "Toffoli", "CCZ"], name="PYZX"),
        "MBQC_GATES": GateSet(GateSet(["CNOT", "Hadamard", "S", "RotXZX", "RZ", "PauliX",
                                       "PauliY", "PauliZ"]) | identity | mid, name="MBQC"),
        "ALL_QUBIT_OPS": GateSet(sorted(GATE_CLASSES), name="All Qubit Gates"),
        "ALL_OPS": GateSet(sorted(GATE_CLASSES), name="All PennyLane Gates"),
    }
    space = types.SimpleNamespace(**sets, GateSet=GateSet)
    space.__doc__ = "PennyLane's gate sets (GateSet): CLIFFORD_T, ROTATIONS_PLUS_CNOT, ..."
    return sys.modules.setdefault(f"{__name__}.gate_sets", space)


gate_sets = _gate_sets()
# PennyLane's module path of the resource forms
resources = sys.modules.setdefault(f"{__name__}.resources", types.SimpleNamespace(
    CompressedResourceOp=CompressedResourceOp, Resources=Resources, resource_rep=resource_rep,
    controlled_resource_rep=controlled_resource_rep,
    __doc__="PennyLane's qml.decomposition.resources: resource_rep, controlled_resource_rep"))


def _node_of(op) -> CompressedResourceOp:
    """The graph node of an operator (its name and resource parameters; of ``Adjoint``,
    ``Pow`` and ``Controlled``, PennyLane's: the base's class and resource parameters) or of
    a :class:`CompressedResourceOp` (itself, its name's aliases resolved)."""
    if isinstance(op, CompressedResourceOp):
        if op.name == translate_op_alias(op.name):
            return op
        return CompressedResourceOp(translate_op_alias(op.name), op.params)
    base = getattr(op, "base", None)
    if type(op).__name__ == "Conditional" and base is not None:
        op = base  # a classically controlled operator: its base is decomposed
    kind = _SYMBOLIC_KINDS.get(type(op).__name__)
    if kind is not None and base is not None:
        inner = _node_of(base)
        if kind == "Adjoint":
            return adjoint_resource_rep(inner)
        if kind == "Pow":
            return pow_resource_rep(inner, None, op.hyperparameters["z"])
        hyper = op.hyperparameters
        return controlled_resource_rep(
            inner, None, len(hyper["control_wires"]),
            sum(1 for v in hyper["control_values"] if not v), len(hyper.get("work_wires") or ()),
            hyper.get("work_wire_type", "borrowed"))
    params = getattr(op, "resource_params", None) or {}
    return resource_rep(_type_name(op), **params)


def adjoint_resource_rep(base_class, base_params=None) -> CompressedResourceOp:
    """The resource form of the adjoint of an operator type (PennyLane's
    ``qml.decomposition.adjoint_resource_rep``).

    >>> adjoint_resource_rep(GATE_CLASSES["RX"]).name
    'Adjoint(RX)'
    """
    base = resource_rep(base_class, **dict(base_params or {}))
    return CompressedResourceOp(_Adjoint, {"base_class": base.op_type, "base_params": base.params})


def pow_resource_rep(base_class, base_params, z) -> CompressedResourceOp:
    """The resource form of a power of an operator type (PennyLane's
    ``qml.decomposition.pow_resource_rep``).

    >>> pow_resource_rep(GATE_CLASSES["Hadamard"], {}, 2)
    Pow(Hadamard, z=2)
    """
    base = resource_rep(base_class, **dict(base_params or {}))
    return CompressedResourceOp(_Pow, {"base_class": base.op_type, "base_params": base.params,
                                        "z": z})


def change_op_basis_resource_rep(compute_op, target_op, uncompute_op=None) -> CompressedResourceOp:
    """The resource form of a :func:`qsym.change_op_basis` of operator types (PennyLane's
    ``qml.decomposition.change_op_basis_resource_rep``): each a class, a name or a resource
    form; the uncompute operator defaults to the compute operator's adjoint.

    >>> rep = change_op_basis_resource_rep(GATE_CLASSES["S"], GATE_CLASSES["RY"])
    >>> rep.name, rep.params["uncompute_op"].name
    ('ChangeOpBasis', 'Adjoint(S)')
    """
    compute_op, target_op = wrap_resource_key(compute_op), wrap_resource_key(target_op)
    if uncompute_op is None:
        uncompute_op = adjoint_resource_rep(compute_op.op_type, compute_op.params)
    return resource_rep("ChangeOpBasis", compute_op=compute_op, target_op=target_op,
                        uncompute_op=wrap_resource_key(uncompute_op))


class DecompGraphSolution:
    """What :meth:`DecompositionGraph.solve` found (PennyLane's ``DecompGraphSolution``):
    for each operator reached, the rule of least total weight to the gate set with the work
    wires free where the operator is decomposed (``num_work_wires``, as PennyLane's
    ``decompose`` asks: the top level's budget less what the rules above it allocate).

    >>> import qsym as qml
    >>> sol = DecompositionGraph([qml.CRX(0.5, wires=[0, 1])], {"RY", "RZ", "CNOT"}).solve()
    >>> sol.decomposition(qml.CRX(0.5, wires=[0, 1])).name, sol.resource_estimate(qml.CRX(0.5, wires=[0, 1])).gate_counts
    ('_crx_to_rz_ry', {RZ: 2, RY: 2, CNOT: 2})
    """

    def __init__(self, graph, num_work_wires=0):
        self._graph, self.num_work_wires = graph, num_work_wires

    def is_solved_for(self, op, num_work_wires=0) -> bool:
        """Whether a rule to the gate set using at most ``num_work_wires`` work wires (None:
        any number) was found for ``op``."""
        return self._graph.best_at(_node_of(op), num_work_wires) is not None

    def decomposition(self, op, num_work_wires=0) -> DecompositionRule:
        """The chosen rule for ``op`` with ``num_work_wires`` work wires free (a
        ``DecompositionError`` if there is none)."""
        found = self._graph.best_at(_node_of(op), num_work_wires)
        if found is None:
            raise DecompositionError(f"Operator {op} is unsolved in this decomposition graph.")
        return found[2]

    def resource_estimate(self, op, num_work_wires=0) -> Resources:
        """The gates of the gate set ``op`` becomes by the chosen rules (with
        ``num_work_wires`` work wires free), counted, and their total weight."""
        node = _node_of(op)
        found = self._graph.best_at(node, num_work_wires)
        if found is None:
            raise DecompositionError(f"Operator {op} is unsolved in this decomposition graph.")
        return Resources(self._graph.expand(node, num_work_wires), found[0])


GRAPH_RULE_SOURCES: list = []
"""Functions ``(graph, node, rules) -> [more rules]`` the graph asks for each operator after
its registered rules (``qsym._symbolic_decomposition`` adds PennyLane's general rules of
``Adjoint``, ``Pow`` and ``Controlled`` of any base)."""

UNSUPPORTED_COST = 1e12
"""The cost of an operator without a decomposition rule when ``strict=False`` (PennyLane's
infinite weight): a rule making one is chosen only if no other rule reaches the gate set."""


class DecompositionGraph:
    """PennyLane's ``DecompositionGraph``: the operators given, the rules of each
    (:func:`list_decomps`, ``fixed_decomps`` replacing them, ``alt_decomps`` added) and the
    operators those rules make, recursively; :meth:`solve` finds for every operator the
    rule whose gates, decomposed in turn, weigh least in ``gate_set`` (names, classes or a
    dict of them to weights; a :class:`GateSet`). Rules are compared by the resources they
    declare (:meth:`DecompositionRule.compute_resources`).

    >>> import qsym as qml
    >>> g = DecompositionGraph([qml.CRX(0.5, wires=[0, 1])], {"RY", "RZ", "CNOT"})
    >>> g.solve().is_solved_for(qml.CRX(0.1, wires=[1, 2]))
    True
    """

    MAX_NODES = 5000  # a bound on the operators explored (rules that grow without end)

    def __init__(self, operations, gate_set, fixed_decomps=None, alt_decomps=None,
                 strict=True):
        self.gate_set = gate_set if isinstance(gate_set, GateSet) else GateSet(gate_set)
        self._fixed = {_type_name(k): v for k, v in (fixed_decomps or {}).items()}
        self._alt = {_type_name(k): list(v) for k, v in (alt_decomps or {}).items()}
        for rule in [*self._fixed.values(), *(r for rs in self._alt.values() for r in rs)]:
            # a rule, or an object standing in for one (a wrapper that counts its calls)
            if not isinstance(rule, DecompositionRule) and not (
                    callable(rule) and callable(getattr(rule, "compute_resources", None))):
                raise DecompositionError(
                    f"{rule!r} is not a decomposition rule: make one with "
                    "qml.register_resources")
        self.strict = strict
        self.unsupported: set = set()  # strict=False: names of operators without a rule
        self.roots = [_node_of(op) for op in operations]
        self.edges: dict = {}  # node -> [(rule, {child node: count})]
        self.best: dict = {}  # of the budget solved with (solve's num_work_wires)
        self.cost: dict = {}
        self._top, self._levels, self._unlimited, self._min_work = 0, [], None, None
        self._explore(self.roots)

    @staticmethod
    def node_of(op) -> CompressedResourceOp:
        """The graph's node of an operator: its resource form (of ``Adjoint``, ``Pow`` and
        ``Controlled``, made from the base's).

        >>> import qsym as qml
        >>> DecompositionGraph.node_of(qml.adjoint(qml.RX(0.5, wires=0))).name
        'Adjoint(RX)'
        """
        return _node_of(op)

    def rules_for(self, node) -> list:
        """The rules the graph considers for ``node``: the fixed one, or qsym's and those
        added with :func:`add_decomps`, then the alternatives."""
        if node.name in self._fixed:
            return [self._fixed[node.name]]
        # looked up on PennyLane's module path qml.decomposition.decomposition_graph, so that
        # a patch of list_decomps there (as PennyLane's tests do) reaches the graph
        lookup = getattr(sys.modules.get(f"{__name__}.decomposition_graph"), "list_decomps",
                         list_decomps)
        rules = self._alt.get(node.name, []) + list(lookup(node.name))
        for extend in GRAPH_RULE_SOURCES:  # PennyLane's general rules of symbolic operators
            rules += [r for r in extend(self, node, rules) if not any(r is q for q in rules)]
        return rules

    def _get_decompositions(self, node) -> list:
        """PennyLane's name of :meth:`rules_for`."""
        return self.rules_for(_node_of(node))

    def _edges_of(self, node) -> list:
        params = dict(node.params)
        edges = []
        for rule in self.rules_for(node):
            try:
                if not rule.is_applicable(**params):
                    continue
                counts = rule.compute_resources(**params).gate_counts
            except Exception:  # noqa: BLE001 - a rule that cannot count these parameters is skipped
                continue
            edges.append((rule, {_node_of(k): v for k, v in counts.items()},
                          rule.get_work_wire_spec(**params).total))
        return edges

    def _explore(self, roots) -> None:
        todo = list(roots)
        while todo:
            node = todo.pop()
            if node in self.edges or node.name in self.gate_set:
                continue
            if len(self.edges) >= self.MAX_NODES:
                raise DecompositionError(f"the decomposition graph grew beyond {self.MAX_NODES} "
                                         "operators: a rule makes ever new operators")
            self.edges[node] = self._edges_of(node)
            if not self.strict and not self.rules_for(node):
                self.unsupported.add(node.name)  # kept as it is, at a prohibitive cost
            todo.extend(c for _, counts, _ in self.edges[node] for c in counts)

    def solve(self, num_work_wires=0, lazy=True, minimize_work_wires=False) -> DecompGraphSolution:
        """Each operator's cheapest rule (least total weight of the gate-set operators it
        finally makes; ties: fewer work wires, then the first rule listed) for each work-wire
        budget, as PennyLane's graph keeps a node per budget left: a rule allocating ``w``
        work wires is open to an operator with at least ``w`` free, and what it makes is
        decomposed with ``w`` fewer (``num_work_wires`` at the top level; None: no limit;
        ``minimize_work_wires``: the fewest the operators given need). Operators given that
        reach no gate of the set: PennyLane's ``DecompositionWarning``; a budget below what
        they need: PennyLane's ``DecompositionError``."""
        self._levels, self._unlimited = [], None
        self._min_work = None
        least = self._min_work_wires
        if num_work_wires is not None and num_work_wires < least:
            raise DecompositionError(
                f"The circuit requires at least {least} work wires to decompose, the graph "
                f"cannot be solved with {num_work_wires} available work wires.")
        if minimize_work_wires:
            num_work_wires = least
        top = self._solution(num_work_wires)
        self.best = {n: r for n, (_, _, r) in top.items()}
        self.cost = {n: c for n, (c, _, _) in top.items()}
        self._top = num_work_wires
        unsolved = {n.name for n in self.roots if n.name not in self.gate_set
                    and n not in self.best} - {"GlobalPhase", "MidMeasureMP", "Conditional",
                                               "Allocate", "Deallocate"}
        unsolved -= self.unsupported
        if unsolved:
            warnings.warn(f"The graph-based decomposition system is unable to find a "
                          f"decomposition for {unsolved} to the target gate set "
                          f"{set(self.gate_set)}.", DecompositionWarning)
        if lazy:  # PennyLane's: only what the operators given need is solved
            self._keep_needed()
        return DecompGraphSolution(self, num_work_wires)

    def min_work_wires(self, node) -> float:
        """The fewest work wires ``node`` needs free to be decomposed to the gate set (a
        rule's own allocation plus the most any operator it makes needs; inf: none does)."""
        if self._min_work is None:
            least: dict = {}
            changed = True
            while changed:  # relaxed until no count falls (rules may make each other)
                changed = False
                for n, edges in self.edges.items():
                    for _, counts, work in edges:
                        need = work + max((self._least_of(c, least) for c in counts), default=0)
                        if need < least.get(n, math.inf):
                            least[n], changed = need, True
            self._min_work = least
        return self._least_of(node, self._min_work)

    @property
    def _min_work_wires(self) -> int:
        """PennyLane's attribute: the fewest work wires the operators given need (those no
        rule brings to the gate set left out)."""
        needs = [self.min_work_wires(n) for n in self.roots]
        return max((int(n) for n in needs if not math.isinf(n)), default=0)

    def _least_of(self, node, least) -> float:
        if node.name in self.gate_set or node.name in self.unsupported:
            return 0
        return least.get(node, math.inf)

    def _relax(self, budget_of) -> dict:
        """One budget's solution ``{node: (cost, work wires used, rule)}``: ``budget_of(work)``
        is the solution the operators a rule allocating ``work`` wires makes are decomposed
        with (None: the rule does not fit; ``...``, and always for ``work == 0``: the
        solution being made)."""
        sol: dict = {}
        changed = True
        while changed:  # relaxing the costs until none falls (weights are non-negative)
            changed = False
            for node, edges in self.edges.items():
                for rule, counts, work in edges:
                    below = sol if work == 0 else budget_of(work)
                    if below is ...:  # no limit: the solution being made
                        below = sol
                    if below is None:
                        continue  # a rule needing more work wires than are free
                    c, used = 0.0, 0
                    for child, n in counts.items():
                        c += n * self._cost_in(child, below)
                        used = max(used, self._used_in(child, below))
                    if math.isinf(c) or math.isnan(c):
                        continue
                    old = sol.get(node)
                    if old is None or c < old[0] or (c == old[0] and work + used < old[1]):
                        sol[node] = (c, work + used, rule)
                        changed = True
        return sol

    def _cost_in(self, node, sol) -> float:
        if node.name in self.gate_set:
            return self.gate_set.weights[node.name]
        if node.name in self.unsupported:  # PennyLane's: chosen only when nothing else is
            return UNSUPPORTED_COST
        found = sol.get(node)
        return math.inf if found is None else found[0]

    def _used_in(self, node, sol) -> int:
        found = None if node.name in self.gate_set else sol.get(node)
        return 0 if found is None else found[1]

    def _solution(self, budget) -> dict:
        """The solution with ``budget`` work wires free (None: no limit), made once per
        budget; budgets above the point where the solution stops changing share it."""
        if budget is None:
            if self._unlimited is None:
                self._unlimited = self._relax(lambda work: ...)
            return self._unlimited
        widest = max((w for es in self.edges.values() for _, _, w in es), default=0)
        while len(self._levels) <= budget:
            b = len(self._levels)
            if widest and b > widest + 1 and all(
                    self._levels[b - k] == self._levels[b - 1] for k in range(2, widest + 2)):
                return self._levels[-1]  # no larger budget changes anything
            levels = self._levels
            self._levels.append(self._relax(
                lambda work, b=b: levels[b - work] if work <= b else None))
        return self._levels[budget]

    def best_at(self, node, num_work_wires=0):
        """``(cost, work wires used, rule)`` of ``node`` with ``num_work_wires`` free (None:
        no limit), or None if no rule brings it to the gate set within that budget."""
        top = self._top
        if top is None or num_work_wires is None or num_work_wires > top:
            # PennyLane's: solved without a limit, every rule fits anywhere; no point of the
            # graph has more free than the top level
            num_work_wires = top
        if num_work_wires == self._top:
            rule = self.best.get(node)
            return None if rule is None else (self.cost[node], self._used_top(node), rule)
        return self._solution(num_work_wires).get(node)

    def _used_top(self, node) -> int:
        found = self._solution(self._top).get(node)
        return 0 if found is None else found[1]

    def _keep_needed(self) -> None:
        """Keep the chosen rules of the operators given and of what those rules make."""
        needed, todo = set(), [n for n in self.roots if n in self.best]
        while todo:
            node = todo.pop()
            if node in needed or node not in self.best:
                continue
            needed.add(node)
            todo.extend(self._counts_of(node))
        self.best = {n: r for n, r in self.best.items() if n in needed}
        self.cost = {n: c for n, c in self.cost.items() if n in needed}

    def expand(self, node, num_work_wires=...) -> dict:
        """The gate-set operators ``node`` becomes by the chosen rules (with
        ``num_work_wires`` work wires free; default: the budget the graph was solved with),
        counted."""
        if num_work_wires is ...:
            num_work_wires = self._top
        if node.name in self.gate_set or node.name in self.unsupported:
            return {node: 1}
        found = self.best_at(node, num_work_wires)
        if found is None:
            raise DecompositionError(f"Operator {node} is unsolved in this decomposition graph.")
        work, counts = next((w, c) for r, c, w in self.edges[node] if r is found[2])
        below = None if num_work_wires is None else num_work_wires - work
        out: dict = {}
        for child, n in dict(counts).items():
            for leaf, m in self.expand(child, below).items():
                out[leaf] = out.get(leaf, 0) + n * m
        return out

    def _counts_of(self, node) -> dict:
        rule = self.best[node]
        return next(counts for r, counts, _ in self.edges[node] if r is rule)
