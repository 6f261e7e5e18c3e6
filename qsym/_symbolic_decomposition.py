"""PennyLane's decomposition rules of symbolic operators (``pennylane.decomposition.
symbolic_decomposition``): ``Adjoint``, ``Pow`` and ``Controlled`` of any base, written on
the base's resource representation (``base_class``, ``base_params``) as PennyLane's are;
the resource forms of those operators (``adjoint_resource_rep``, ``pow_resource_rep``,
``auto_wrap``); PennyLane's reconstructors (``reconstruct``: an operator made again from
its data, wires and resource parameters); and the controlled rules PennyLane registers
for ``C(PauliX)``, ``C(Hadamard)`` and ``C(GlobalPhase)``.

Every rule is a :class:`qsym.decomposition.DecompositionRule`: called with an operator's
parameters, ``wires=`` and its hyperparameters (or, for the ``qjit_compatible_`` ones, its
resource parameters) it records its gates where it is called; ``compute_resources`` counts
them.

>>> import qsym as qml
>>> base = qml.RX(0.5, wires=0)
>>> with qml.queuing.AnnotatedQueue() as q:
...     adjoint_rotation(0.5, wires=[0], base=base)
>>> q.queue
[RX(-0.5, wires=[0])]
"""

from __future__ import annotations

import copy

import numpy as np

from .decomposition import (ADDED_RULES, GRAPH_RULE_SOURCES, add_decomps, list_decomps, null_decomp, wrap_resource_key, CompressedResourceOp, DecompCollection, DecompositionGraph, DecompositionRule, controlled_resource_rep,
                            register_condition, register_resources, resource_rep, to_name)
from ._operations import GATE_CLASSES
from ._trace import Tape, recording
from .allocation import allocate
from ._drawing import draw
from ._opmath import AnnotatedQueue, Adjoint, Pow, Controlled, adjoint, ctrl, pow as op_pow, reapply

__all__ = ["auto_wrap", "adjoint_resource_rep", "pow_resource_rep", "custom_ctrl_op_to_base",
           "register_reconstructor", "has_reconstructor", "reconstruct", "make_adjoint_decomp",
           "cancel_adjoint", "qjit_compatible_cancel_adjoint", "adjoint_rotation",
           "qjit_compatible_adjoint_rotation", "repeat_pow_base",
           "qjit_compatible_repeat_pow_base", "merge_powers", "qjit_compatible_merge_powers",
           "flip_pow_adjoint", "qjit_compatible_flip_pow_adjoint", "make_pow_decomp_with_period",
           "pow_involutory", "pow_involutory_no_reconstructor", "pow_rotation",
           "qjit_compatible_pow_rotation", "decompose_to_base", "qjit_compatible_decompose_to_base",
           "self_adjoint", "qjit_compatible_self_adjoint", "make_controlled_decomp",
           "flip_zero_control", "flip_control_adjoint", "controlled_x_decomp",
           "controlled_hadamard", "controlled_global_phase_decomp", "is_integer",
           "ctrl_single_work_wire", "to_controlled_qubit_unitary", "get_decomp_kwargs", "symbolic_graph_rules", "inspect_decomps", "rule_text",
           "DecompInspection"]


def _cls(op_type):
    """An operator class from a class, a name or a :class:`CompressedResourceOp`."""
    if isinstance(op_type, CompressedResourceOp):
        return op_type.op_type
    if isinstance(op_type, str):
        return GATE_CLASSES.get(to_name(op_type), op_type)
    return op_type


def auto_wrap(op_type) -> CompressedResourceOp:
    """An operator type as its resource form (PennyLane's ``auto_wrap``): a
    :class:`CompressedResourceOp` as it is, a class or name by ``resource_rep`` (a class
    that declares ``resource_keys`` needs ``resource_rep`` with them: a ``TypeError``).

    >>> import qsym as qml
    >>> auto_wrap(qml.CNOT), auto_wrap(resource_rep(qml.MultiRZ, num_wires=2))
    (CNOT, MultiRZ(num_wires=2))
    """
    return wrap_resource_key(op_type)


def adjoint_resource_rep(base_class, base_params=None) -> CompressedResourceOp:
    """The resource form of the adjoint of an operator type (PennyLane's).

    >>> import qsym as qml
    >>> adjoint_resource_rep(qml.RX).name
    'Adjoint(RX)'
    """
    base = resource_rep(base_class, **dict(base_params or {}))
    return CompressedResourceOp(Adjoint, {"base_class": base.op_type, "base_params": base.params})


def pow_resource_rep(base_class, base_params, z) -> CompressedResourceOp:
    """The resource form of a power of an operator type (PennyLane's).

    >>> import qsym as qml
    >>> pow_resource_rep(qml.H, {}, 2)
    Pow(Hadamard, z=2)
    """
    base = resource_rep(base_class, **dict(base_params or {}))
    return CompressedResourceOp(Pow, {"base_class": base.op_type, "base_params": base.params,
                                      "z": z})


def custom_ctrl_op_to_base() -> dict:
    """PennyLane's controlled gates and the gate each controls.

    >>> import qsym as qml
    >>> custom_ctrl_op_to_base()[qml.CRX] is qml.RX
    True
    """
    g = GATE_CLASSES
    return {g[c]: g[b] for c, b in (
        ("CNOT", "PauliX"), ("Toffoli", "PauliX"), ("CZ", "PauliZ"), ("CCZ", "PauliZ"),
        ("CY", "PauliY"), ("CSWAP", "SWAP"), ("CH", "Hadamard"), ("CRX", "RX"), ("CRY", "RY"),
        ("CRZ", "RZ"), ("CRot", "Rot"), ("ControlledPhaseShift", "PhaseShift"))}


_RECONSTRUCTORS: dict = {}


def register_reconstructor(op_type):
    """Register ``func(*data, wires=..., **resource_params)`` as the function that makes an
    ``op_type`` again (PennyLane's ``register_reconstructor``; a decorator).

    >>> @register_reconstructor("MyGate")
    ... def _make(*data, wires, **_):
    ...     return None
    >>> "MyGate" in _RECONSTRUCTORS
    True
    """

    def decorate(func):
        _RECONSTRUCTORS[op_type] = func
        return func

    return decorate


def _simple(op_class, op_params=None) -> bool:
    """A gate made from its data and wires alone (no resource keys but ``num_wires``; not
    ``QubitUnitary``, whose matrix qsym keeps as a hyperparameter, not as data)."""
    keys = set(getattr(op_class, "resource_keys", None) or ()) | set(op_params or ())
    return isinstance(op_class, type) and getattr(op_class, "_row", None) is not None \
        and not keys - {"num_wires"} and op_class.__name__ != "QubitUnitary"


def has_reconstructor(op_class, op_params) -> bool:
    """Whether :func:`reconstruct` can make an ``op_class`` of these resource parameters
    (PennyLane's): a table gate, a registered class, or the adjoint or a power of one.

    >>> import qsym as qml
    >>> has_reconstructor(qml.RX, {}), has_reconstructor(qml.ops.Adjoint, {"base_class": qml.RX, "base_params": {}})
    (True, True)
    """
    op_class = _cls(op_class)
    if op_class in (Adjoint, Pow):
        return has_reconstructor(op_params["base_class"], op_params["base_params"])
    return op_class in _RECONSTRUCTORS or _simple(op_class, op_params)


def reconstruct(data, wires, op_type, op_params):
    """An ``op_type`` made again from its data, wires and resource parameters (PennyLane's
    ``reconstruct``); recorded where it is called.

    >>> import qsym as qml
    >>> reconstruct((0.5,), [0], qml.ops.Pow, {"base_class": qml.RX, "base_params": {}, "z": 2})
    RX(0.5, wires=[0])**2
    """
    op_type = _cls(op_type)
    if op_type in _RECONSTRUCTORS:
        return _RECONSTRUCTORS[op_type](*data, wires=wires, **op_params)
    if op_type is Adjoint:
        return adjoint(_made(data, wires, op_params["base_class"], op_params["base_params"]))
    if op_type is Pow:
        return op_pow(_made(data, wires, op_params["base_class"], op_params["base_params"]),
                      z=op_params["z"])
    if _simple(op_type, op_params):
        return op_type(*data, wires=wires)
    raise NotImplementedError(f"{getattr(op_type, '__name__', op_type)} has no reconstructor: "
                              "register one with register_reconstructor")


def _again(op) -> None:
    """Record a fresh copy of ``op`` where a rule is called (a queue keeps one entry per
    operator object, so a rule applying its base twice needs two)."""
    reapply(copy.copy(op))


def _rule_name(rule) -> str:
    return getattr(rule, "name", None) or getattr(rule, "__name__", "rule")


def _base_rep_counts(counts) -> dict:
    return {auto_wrap(k): v for k, v in counts.gate_counts.items()}


def make_adjoint_decomp(base_decomposition, use_reconstructor=False) -> DecompositionRule:
    """The rule of ``Adjoint(U)`` from a rule of ``U``: its gates in reverse order, each
    adjoint (PennyLane's; with ``use_reconstructor`` it takes the resource parameters).

    >>> import qsym as qml
    >>> rule = make_adjoint_decomp(qml.list_decomps(qml.SWAP)[0])
    >>> rule.compute_resources(base_class=qml.SWAP, base_params={}).gate_counts
    {Adjoint(CNOT): 3}
    """

    def condition(base_class=None, base_params=None, **_):
        return base_decomposition.is_applicable(**dict(base_params or {}))

    def resources(base_class=None, base_params=None, **_):
        counts = base_decomposition.compute_resources(**dict(base_params or {}))
        return {adjoint_resource_rep(k.op_type, k.params): v for k, v in counts.gate_counts.items()}

    if use_reconstructor:
        def impl(*params, wires, base_params, **_):
            adjoint(base_decomposition.impl)(*params, wires=wires, **base_params)
    else:
        def impl(*params, wires, base, **_):
            adjoint(base_decomposition.impl)(*params, wires=wires, **base.hyperparameters)
    rule = register_resources(resources, work_wires=base_decomposition.work_wire_spec,
                              exact=base_decomposition.exact_resources,
                              name=f"adjoint({_rule_name(base_decomposition)})")(impl)
    return register_condition(condition)(rule)


def _cancel_adjoint_resource(base_class, base_params):
    return {resource_rep(base_params["base_class"], **dict(base_params["base_params"])): 1}


@register_resources(_cancel_adjoint_resource)
def cancel_adjoint(*params, wires, base):
    """``Adjoint(Adjoint(U))`` as ``U`` (PennyLane's)."""
    _again(base.base)


@register_resources(_cancel_adjoint_resource)
def qjit_compatible_cancel_adjoint(*params, wires, base_class, base_params):
    """``Adjoint(Adjoint(U))`` as ``U``, from the resource parameters (PennyLane's)."""
    reconstruct(params, wires, base_params["base_class"], base_params["base_params"])


def _one_base(base_class, base_params, **_):
    return {resource_rep(base_class, **dict(base_params or {})): 1}


@register_resources(_one_base)
def adjoint_rotation(phi, wires, base):
    """``Adjoint(U(phi))`` of a one-angle rotation as ``U(-phi)`` (PennyLane's)."""
    reapply(type(base)(-phi, wires=base.wires, **_extra_hyper(base)))


@register_resources(_one_base)
def qjit_compatible_adjoint_rotation(phi, wires, base_class, base_params):
    """``Adjoint(U(phi))`` as ``U(-phi)``, from the resource parameters (PennyLane's)."""
    reconstruct((-phi,), wires, base_class, base_params)


def _extra_hyper(op) -> dict:
    """An operator's hyperparameters a constructor takes again (not its wires' copies)."""
    return {k: v for k, v in getattr(op, "hyperparameters", {}).items()
            if k not in ("num_wires", "base")}


def is_integer(x) -> bool:
    """Whether ``x`` is an integer (a Python or NumPy one).

    >>> is_integer(2), is_integer(np.int64(2)), is_integer(2.0)
    (True, True, False)
    """
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) or \
        np.issubdtype(getattr(x, "dtype", np.float64), np.integer)


def _repeat_resources(base_class, base_params, z):
    return {resource_rep(base_class, **dict(base_params or {})): z} if z else {}


def _non_negative_integer(z=None, **_):
    return z is not None and is_integer(z) and z >= 0


@register_condition(_non_negative_integer)
@register_resources(_repeat_resources)
def repeat_pow_base(*params, wires, base, z, **_):
    """``Pow(U, z)`` for an integer ``z >= 0`` as ``U`` applied ``z`` times (PennyLane's)."""
    for _ in range(int(z)):
        _again(base)


@register_condition(_non_negative_integer)
@register_resources(_repeat_resources)
def qjit_compatible_repeat_pow_base(*params, wires, base_class, base_params, z, **_):
    """``U`` applied ``z`` times, from the resource parameters (PennyLane's)."""
    for _ in range(int(z)):
        reconstruct(params, wires, base_class, base_params)


def _merge_powers_resource(base_class, base_params, z):
    return {pow_resource_rep(base_params["base_class"], base_params["base_params"],
                             z * base_params["z"]): 1}


@register_resources(_merge_powers_resource)
def merge_powers(*params, wires, base, z, **_):
    """``Pow(Pow(U, a), z)`` as ``Pow(U, a * z)`` (PennyLane's)."""
    with _detached():
        inner = base.base
    op_pow(inner, z * base.z)


@register_resources(_merge_powers_resource)
def qjit_compatible_merge_powers(*params, wires, base_class, base_params, z, **_):
    """``Pow(U, a * z)``, from the resource parameters (PennyLane's)."""
    return reconstruct(params, wires, base_class, {**base_params, "z": z * base_params["z"]})


def _flip_pow_adjoint_resource(base_class, base_params, z):
    return {adjoint_resource_rep(Pow, {"base_class": base_params["base_class"],
                                       "base_params": base_params["base_params"], "z": z}): 1}


@register_resources(_flip_pow_adjoint_resource)
def flip_pow_adjoint(*params, wires, base, z, **_):
    """``Pow(Adjoint(U), z)`` as ``Adjoint(Pow(U, z))`` (PennyLane's)."""
    with _detached():
        inner = op_pow(base.base, z)
    adjoint(inner)


@register_resources(_flip_pow_adjoint_resource)
def qjit_compatible_flip_pow_adjoint(*params, wires, base_class, base_params, z, **_):
    """``Adjoint(Pow(U, z))``, from the resource parameters (PennyLane's)."""
    with _detached():
        inner = op_pow(_made(params, wires, base_params["base_class"],
                             base_params["base_params"]), z)
    adjoint(inner)


def _detached():
    return recording(Tape())  # what is made inside is not recorded where the rule is called


def _made(params, wires, base_class, base_params):
    with _detached():
        return reconstruct(params, wires, base_class, base_params)


def make_pow_decomp_with_period(period, use_reconstructor=False) -> DecompositionRule:
    """The rule of ``Pow(U, z)`` for a ``U`` with ``U**period = I``: ``Pow(U, z % period)``
    (``U`` itself when that is 1, nothing when 0); applicable to a scalar ``z`` outside
    ``[0, period)`` (PennyLane's).

    >>> import qsym as qml
    >>> pow_involutory.compute_resources(base_class=qml.X, base_params={}, z=3).gate_counts
    {PauliX: 1}
    """

    def condition(base_class=None, base_params=None, z=None, **_):
        return z is not None and np.ndim(z) == 0 and z % period != z

    def resources(base_class, base_params, z, **_):
        r = z % period
        if r == 0:
            return {}
        if r == 1:
            return {resource_rep(base_class, **dict(base_params or {})): 1}
        return {pow_resource_rep(base_class, base_params, r): 1}

    def apply(base, z):
        r = z % period
        if r == 1:
            _again(base)
        elif r != 0:
            op_pow(base, r)

    if use_reconstructor:
        def impl(*params, wires, base_class, base_params, z, **_):
            apply(_made(params, wires, base_class, base_params), z)
    else:
        def impl(*params, wires, base, z, **_):
            apply(base, z)
    return register_condition(condition)(register_resources(resources)(impl))


pow_involutory = make_pow_decomp_with_period(2, True)
pow_involutory_no_reconstructor = make_pow_decomp_with_period(2, False)


@register_resources(_one_base)
def pow_rotation(phi, wires, base, z, **_):
    """``Pow(U(phi), z)`` of a one-angle rotation as ``U(phi * z)`` (PennyLane's)."""
    reapply(type(base)(phi * z, wires=base.wires, **_extra_hyper(base)))


@register_resources(_one_base)
def qjit_compatible_pow_rotation(phi, wires, base_class, base_params, z, **_):
    """``U(phi * z)``, from the resource parameters (PennyLane's)."""
    reconstruct((phi * z,), wires, base_class, base_params)


@register_resources(_one_base)
def decompose_to_base(*params, wires, base, **_):
    """A symbolic operator as its base (PennyLane's; ``self_adjoint``: ``Adjoint(U)`` of a
    self-inverse ``U`` as ``U``)."""
    _again(base)


@register_resources(_one_base)
def qjit_compatible_decompose_to_base(*params, wires, base_class, base_params, **_):
    """A symbolic operator as its base, from the resource parameters (PennyLane's)."""
    reconstruct(params, wires, base_class, base_params)


self_adjoint = decompose_to_base
qjit_compatible_self_adjoint = qjit_compatible_decompose_to_base


def _flip_x(control_wires, control_values) -> None:
    for w, v in zip(control_wires, control_values):
        if not v:
            GATE_CLASSES["PauliX"](wires=w)


def make_controlled_decomp(base_decomposition) -> DecompositionRule:
    """The rule of ``C(U)`` from a rule of ``U``: every gate of it controlled, the zero
    controls flipped by ``PauliX`` before and after (PennyLane's).

    >>> import qsym as qml
    >>> rule = make_controlled_decomp(qml.list_decomps(qml.SWAP)[0])
    >>> rule.compute_resources(base_class=qml.SWAP, base_params={}, num_control_wires=1,
    ...     num_zero_control_values=1, num_work_wires=0, work_wire_type="borrowed").gate_counts
    {Toffoli: 3, PauliX: 2}
    """

    def condition(base_params=None, **_):
        return base_decomposition.is_applicable(**dict(base_params or {}))

    def resources(base_params, num_control_wires, num_zero_control_values, num_work_wires,
                  work_wire_type="borrowed", **_):
        counts = base_decomposition.compute_resources(**dict(base_params or {})).gate_counts
        out = {controlled_resource_rep(k.op_type, k.params, num_control_wires, 0,
                                       num_work_wires, work_wire_type): v
               for k, v in counts.items()}
        x = resource_rep(GATE_CLASSES["PauliX"])
        out[x] = out.get(x, 0) + 2 * num_zero_control_values
        return {k: v for k, v in out.items() if v}

    def impl(*params, wires, control_wires, control_values, work_wires=None,
             work_wire_type="borrowed", base, **_):
        n = len(control_wires)
        _flip_x(control_wires, control_values)
        ctrl(base_decomposition.impl, control=list(wires[:n]), work_wires=work_wires,
             work_wire_type=work_wire_type)(*params, wires=wires[n:], **base.hyperparameters)
        _flip_x(control_wires, control_values)

    rule = register_resources(resources, work_wires=base_decomposition.work_wire_spec,
                              exact=base_decomposition.exact_resources,
                              name=f"controlled({_rule_name(base_decomposition)})")(impl)
    return register_condition(condition)(rule)


def flip_zero_control(inner_decomp, name: str = "") -> DecompositionRule:
    """A rule of a controlled operator for all-one controls made to take zero controls: a
    ``PauliX`` on each zero control before and after (PennyLane's).

    >>> rule = flip_zero_control(controlled_x_decomp)
    >>> rule.compute_resources(num_control_wires=1, num_zero_control_values=1,
    ...     num_work_wires=0, work_wire_type="borrowed").gate_counts
    {CNOT: 1, PauliX: 2}
    """

    def condition(**params):
        return inner_decomp.is_applicable(**{**params, "num_zero_control_values": 0})

    def resources(**params):
        counts = dict(inner_decomp.compute_resources(
            **{**params, "num_zero_control_values": 0}).gate_counts)
        x = resource_rep(GATE_CLASSES["PauliX"])
        counts[x] = counts.get(x, 0) + 2 * params.get("num_zero_control_values", 0)
        return {k: v for k, v in counts.items() if v}

    def impl(*params, wires, control_wires, control_values, **kwargs):
        _flip_x(control_wires, control_values)
        inner_decomp(*params, wires=wires, control_wires=control_wires,
                     control_values=[1] * len(control_wires), **kwargs)
        _flip_x(control_wires, control_values)

    rule = register_resources(resources, work_wires=inner_decomp.work_wire_spec,
                              exact=inner_decomp.exact_resources,
                              name=name or f"flip_zero_ctrl_values({_rule_name(inner_decomp)})")
    return register_condition(condition)(rule(impl))


def _flip_control_adjoint_resource(base_class, base_params, num_control_wires,
                                   num_zero_control_values, num_work_wires,
                                   work_wire_type="borrowed"):
    inner = controlled_resource_rep(base_params["base_class"], base_params["base_params"],
                                    num_control_wires, num_zero_control_values, num_work_wires,
                                    work_wire_type)
    return {adjoint_resource_rep(inner.op_type, inner.params): 1}


@register_resources(_flip_control_adjoint_resource)
def flip_control_adjoint(*_, wires, control_wires, control_values, work_wires=None,
                         work_wire_type="borrowed", base, **__):
    """``C(Adjoint(U))`` as ``Adjoint(C(U))`` (PennyLane's)."""
    with _detached():
        inner = ctrl(base.base, control=list(wires[:len(control_wires)]),
                     control_values=control_values, work_wires=work_wires,
                     work_wire_type=work_wire_type)
    adjoint(inner)


def _controlled_x_resource(*_, num_control_wires, num_zero_control_values, num_work_wires=0,
                           work_wire_type="borrowed", **__):
    x = GATE_CLASSES["PauliX"]
    if num_control_wires == 1:
        return {GATE_CLASSES["CNOT"]: 1, x: num_zero_control_values}
    if num_control_wires == 2:
        return {GATE_CLASSES["Toffoli"]: 1, x: 2 * num_zero_control_values}
    return {resource_rep(GATE_CLASSES["MultiControlledX"], num_control_wires=num_control_wires,
                         num_zero_control_values=num_zero_control_values,
                         num_work_wires=num_work_wires, work_wire_type=work_wire_type): 1}


@register_resources(_controlled_x_resource)
def controlled_x_decomp(*_, wires, control_wires, control_values, work_wires=None,
                        work_wire_type="borrowed", **__):
    """PennyLane's rule of ``C(PauliX)``: ``CNOT`` (and ``PauliX`` on the target for one
    zero control), ``Toffoli`` between flips, else a ``MultiControlledX``."""
    g = GATE_CLASSES
    if len(control_wires) == 1:
        g["CNOT"](wires=wires)
        if not control_values[0]:
            g["PauliX"](wires=wires[1])
        return
    if len(control_wires) > 2:
        g["MultiControlledX"](wires=wires, control_values=control_values,
                              work_wires=work_wires or [], work_wire_type=work_wire_type)
        return
    _flip_x(control_wires, control_values)
    g["Toffoli"](wires=wires)
    _flip_x(control_wires, control_values)


def _controlled_h_resources(*_, num_control_wires, num_work_wires=0,
                            work_wire_type="borrowed", **__):
    if num_control_wires == 1:
        return {GATE_CLASSES["CH"]: 1}
    return {GATE_CLASSES["Hadamard"]: 2, GATE_CLASSES["RY"]: 2,
            controlled_resource_rep(GATE_CLASSES["PauliX"], {}, num_control_wires, 0,
                                    num_work_wires, work_wire_type): 1}


@register_resources(_controlled_h_resources)
def _controlled_hadamard(wires, control_wires, work_wires=None, work_wire_type="borrowed", **__):
    g = GATE_CLASSES
    if len(control_wires) == 1:
        g["CH"](wires=wires)
        return
    g["RY"](-np.pi / 4, wires=wires[-1])
    g["Hadamard"](wires=wires[-1])
    ctrl(g["PauliX"](wires=wires[-1]), control=list(wires[:-1]), work_wires=work_wires,
         work_wire_type=work_wire_type)
    g["Hadamard"](wires=wires[-1])
    g["RY"](np.pi / 4, wires=wires[-1])


controlled_hadamard = flip_zero_control(_controlled_hadamard, name="controlled_hadamard")
controlled_hadamard.__doc__ = """PennyLane's rule of ``C(Hadamard)``: ``CH`` for one control,
else ``H = RY(pi/4) X RY(-pi/4)`` up to the Hadamards' basis change, the ``X``
controlled; zero controls flipped."""


def _controlled_global_phase_resource(*_, num_control_wires, num_zero_control_values,
                                      num_work_wires=0, **__):
    g = GATE_CLASSES
    if num_control_wires == 1:
        return {g["PhaseShift"]: 1, **({g["GlobalPhase"]: 1} if num_zero_control_values else {})}
    if num_control_wires == 2:
        return {g["PauliX"]: 2 * num_zero_control_values, g["ControlledPhaseShift"]: 1}
    return {g["PauliX"]: 2 * num_zero_control_values,
            controlled_resource_rep(g["PhaseShift"], {}, num_control_wires - 1, 0,
                                    num_work_wires): 1}


@register_resources(_controlled_global_phase_resource)
def controlled_global_phase_decomp(*params, wires, control_wires, control_values,
                                   work_wires=None, **__):
    """PennyLane's rule of ``C(GlobalPhase)``: ``exp(-i phi)`` on the controls' all-one
    state is a ``PhaseShift(-phi)`` on the last control, controlled by the others."""
    g, phi, n = GATE_CLASSES, params[0], len(control_wires)
    if n == 1:
        g["PhaseShift"](-phi if control_values[0] else phi, wires=control_wires[0])
        if not control_values[0]:
            g["GlobalPhase"](phi)
        return
    _flip_x(control_wires, control_values)
    with _detached():
        phase = g["PhaseShift"](-phi, wires=wires[n - 1])
    ctrl(phase, control=list(wires[:n - 1]), work_wires=work_wires)
    _flip_x(control_wires, control_values)


DecompCollection = DecompCollection
decompositions_private = ADDED_RULES  # PennyLane's _decompositions_private: rules by name


def _ctrl_single_work_wire_resource(base_class, base_params, num_control_wires, **_):
    return {controlled_resource_rep(GATE_CLASSES["PauliX"], {}, num_control_wires): 2,
            controlled_resource_rep(base_class, base_params, 1): 1}


def _more_than_two_controls(num_control_wires=0, **_):
    return num_control_wires > 2


@register_condition(_more_than_two_controls)
@register_resources(_ctrl_single_work_wire_resource, work_wires={"zeroed": 1})
def _ctrl_single_work_wire(*params, wires, control_wires, base, **_):
    """One zeroed work wire: the controls' AND computed into it, the base controlled on it,
    the AND uncomputed (Barenco et al., Lemma 7.11)."""
    with allocate(1, state="zero", restored=True) as work:
        ctrl(GATE_CLASSES["PauliX"](wires=work[0]), control=list(control_wires))
        with _detached():
            again = reconstruct(tuple(base.data), base.wires, type(base), {}) \
                if _simple(type(base)) else base
        ctrl(again, control=work[0])
        ctrl(GATE_CLASSES["PauliX"](wires=work[0]), control=list(control_wires))


ctrl_single_work_wire = flip_zero_control(_ctrl_single_work_wire)
ctrl_single_work_wire.__doc__ = """PennyLane's rule of a controlled operator with more than two
controls and one zeroed work wire (zero controls flipped)."""


def _to_controlled_qu_condition(base_class=None, **_):
    cls = _cls(base_class)
    row = getattr(cls, "_row", None)
    return row is not None and (row.num_wires == 1) and getattr(cls, "has_matrix", True)


def _to_controlled_qu_resource(num_control_wires, num_zero_control_values, num_work_wires,
                               work_wire_type="borrowed", **_):
    return {controlled_resource_rep(GATE_CLASSES["QubitUnitary"], {"num_wires": 1},
                                    num_control_wires, num_zero_control_values, num_work_wires,
                                    work_wire_type): 1}


@register_condition(_to_controlled_qu_condition)
@register_resources(_to_controlled_qu_resource)
def to_controlled_qubit_unitary(*_, wires, control_values, work_wires=None,
                                work_wire_type="borrowed", base, **__):
    """A controlled one-wire gate as its matrix (a ``QubitUnitary``) under the same controls
    (PennyLane's, which makes a ``ControlledQubitUnitary``: qsym's form of it is
    ``qml.ctrl(qml.QubitUnitary(U, w), ...)``)."""
    n = len(wires) - 1
    with _detached():
        target = GATE_CLASSES["QubitUnitary"](base.matrix(), wires=wires[n:])
    ctrl(target, control=list(wires[:n]), control_values=control_values,
         work_wires=work_wires, work_wire_type=work_wire_type)


def _uses_reconstructor(op_class, op_params) -> bool:
    """PennyLane's ``decomps_use_reconstructor``: not for ``Controlled`` (yet), a power by
    its base, else whether there is a reconstructor."""
    op_class = _cls(op_class)
    if op_class is Controlled:
        return False
    if op_class is Pow:
        return _uses_reconstructor(op_params["base_class"], op_params["base_params"])
    return has_reconstructor(op_class, op_params)


def get_decomp_kwargs(op) -> dict:
    """The keyword arguments a rule takes for ``op`` besides its parameters and wires
    (PennyLane's): its resource parameters when it can be reconstructed from them (table
    gates, their adjoints and powers), else its hyperparameters.

    >>> import qsym as qml
    >>> get_decomp_kwargs(qml.adjoint(qml.RX(0.1, wires=0)))
    {'base_class': <class 'qsym._operations.RX'>, 'base_params': {}}
    >>> sorted(get_decomp_kwargs(qml.ctrl(qml.S(1), control=0, control_values=0)))
    ['base', 'control_values', 'control_wires', 'work_wire_type', 'work_wires']
    """
    params = dict(getattr(op, "resource_params", None) or {})
    kind = type(op).__name__
    cls = {"AdjointOperation": Adjoint, "PowOperation": Pow, "ControlledOp": Controlled}.get(
        kind, type(op))
    try:
        use = _uses_reconstructor(cls, params)
    except (KeyError, TypeError):
        use = False
    return params if use else dict(op.hyperparameters)


def _kind(node) -> str | None:
    head = node.name.split("(", 1)[0]
    return head if head in ("Adjoint", "Pow", "C") and "base_class" in node.params else None


def symbolic_graph_rules(graph, node, rules) -> list:
    """PennyLane's general rules of a symbolic operator in the graph (its
    ``_get_adjoint_decompositions``, ``_get_pow_decompositions``,
    ``_get_controlled_decompositions``): the adjoint of each rule of the base (unless the
    base is self-adjoint or a rotation with such a rule), nested adjoints cancelled; a
    power as nothing, the base, merged, flipped or repeated; every rule of the base
    controlled, ``C(Adjoint(U))`` flipped, a one-wire base as its controlled matrix, and
    one work wire for many controls.

    >>> import qsym as qml
    >>> g = qml.decomposition.DecompositionGraph([qml.pow(qml.S(0), 3)], {"S"})
    >>> [r.name for r in symbolic_graph_rules(g, pow_resource_rep(qml.S, {}, 3), [])]
    ['qjit_compatible_repeat_pow_base']
    """
    kind = _kind(node)
    if kind is None:
        return []
    params = node.params
    base_class, base_params = _cls(params["base_class"]), dict(params["base_params"] or {})
    base_node = resource_rep(base_class, **base_params)
    if kind == "Adjoint":
        if any(r in rules for r in (self_adjoint, qjit_compatible_self_adjoint,
                                    adjoint_rotation, qjit_compatible_adjoint_rotation)):
            return []
        if base_class is Adjoint:
            return [qjit_compatible_cancel_adjoint if _uses_reconstructor(Adjoint, params)
                    else cancel_adjoint]
        use = _uses_reconstructor(Adjoint, params)
        return [make_adjoint_decomp(r, use) for r in graph.rules_for(base_node)]
    if kind == "Pow":
        use, z = _uses_reconstructor(Pow, params), params["z"]
        if np.ndim(z) == 0 and z == 0:
            return [null_decomp]
        if np.ndim(z) == 0 and z == 1:
            return [qjit_compatible_decompose_to_base if use else decompose_to_base]
        if base_class is Pow:
            return [qjit_compatible_merge_powers if use else merge_powers]
        if base_class is Adjoint:
            return [qjit_compatible_flip_pow_adjoint if use else flip_pow_adjoint]
        return [qjit_compatible_repeat_pow_base if use else repeat_pow_base]
    if base_class is Adjoint:
        return [flip_control_adjoint]
    if base_node.name in ("GlobalPhase", "ChangeOpBasis"):
        return []
    out = [make_controlled_decomp(r) for r in graph.rules_for(base_node)]
    return out + [to_controlled_qubit_unitary, ctrl_single_work_wire]


def _mcx_rep(n, work, kind):
    return resource_rep(GATE_CLASSES["MultiControlledX"], num_control_wires=n,
                        num_zero_control_values=0, num_work_wires=work, work_wire_type=kind)


def _controlled_rotation_rule(one, around, name):
    """PennyLane's rule of ``C(<rotation>)`` with all-one controls (``flip_zero_control``
    of it is registered): ``one`` (``CRX``, ...) for one control, else the rotation split
    in two halves about two ``MultiControlledX`` (``around``: the gates before, between and
    after them, as ``(gate name, angle function)`` lists, and their counts)."""
    before, between, after, counts = around

    def resources(*_, num_control_wires, num_work_wires=0, work_wire_type="borrowed", **__):
        if num_control_wires == 1:
            return {GATE_CLASSES[one]: 1}
        return {**{GATE_CLASSES[g]: k for g, k in counts.items()},
                _mcx_rep(num_control_wires, num_work_wires, work_wire_type): 2}

    def rule(*params, wires, control_wires, work_wires=None, work_wire_type="borrowed", **__):
        g = GATE_CLASSES
        if len(control_wires) == 1:
            g[one](*params, wires=wires)
            return
        mcx = dict(wires=wires, work_wires=work_wires or [], work_wire_type=work_wire_type)
        for gates in (before, between, after):
            for gate, angle in gates:
                g[gate](*([] if angle is None else [angle(*params)]), wires=wires[-1])
            if gates is not after:
                g["MultiControlledX"](**mcx)

    rule.__name__ = name
    return flip_zero_control(register_resources(resources)(rule))


# PennyLane 0.45's rules of C(RX), C(RY), C(RZ), C(Rot) (parametric_ops_single_qubit.py)
controlled_rx_decomp = _controlled_rotation_rule("CRX", (
    [("Hadamard", None), ("RZ", lambda p: p / 2)], [("RZ", lambda p: -p / 2)],
    [("Hadamard", None)], {"Hadamard": 2, "RZ": 2}), "_controlled_rx_decomp")
controlled_ry_decomp = _controlled_rotation_rule("CRY", (
    [("RY", lambda p: p / 2)], [("RY", lambda p: -p / 2)], [], {"RY": 2}),
    "_controlled_ry_decomp")
controlled_rz_decomp = _controlled_rotation_rule("CRZ", (
    [("RZ", lambda p: p / 2)], [("RZ", lambda p: -p / 2)], [], {"RZ": 2}),
    "_controlled_rz_decomp")
controlled_rot_decomp = _controlled_rotation_rule("CRot", (
    [("RZ", lambda a, b, c: (a - c) / 2)],
    [("RZ", lambda a, b, c: -(a + c) / 2), ("RY", lambda a, b, c: -b / 2)],
    [("RY", lambda a, b, c: b / 2), ("RZ", lambda a, b, c: c)], {"RZ": 3, "RY": 2}),
    "_controlled_rot_decomp")


def _cphase_to_ppr_resource(*_, num_control_wires, **__):
    from math import comb

    counts = {resource_rep(GATE_CLASSES["PauliRot"], pauli_word="Z" * i):
              comb(num_control_wires + 1, i) for i in range(1, num_control_wires + 2)}
    counts[resource_rep(GATE_CLASSES["GlobalPhase"])] = 1
    return counts


@register_resources(_cphase_to_ppr_resource)
def _cphase_to_ppr(theta, wires, **_):
    """PennyLane's rule of ``C(PhaseShift)`` (all-one controls): the phase on the all-one
    state of ``n`` wires as Z-rotations of every subset of them and a global phase."""
    from itertools import combinations

    n = len(wires)
    for size in range(1, n + 1):
        for sub in combinations(wires, size):
            GATE_CLASSES["PauliRot"](-theta / 2 ** (n - 1) * (-1) ** size, "Z" * size,
                                     wires=list(sub))
    GATE_CLASSES["GlobalPhase"](-theta / 2 ** n)


controlled_phase_shift_decomp = flip_zero_control(_cphase_to_ppr)

GRAPH_RULE_SOURCES.append(symbolic_graph_rules)
add_decomps("C(RX)", controlled_rx_decomp)
add_decomps("C(RY)", controlled_ry_decomp)
add_decomps("C(RZ)", controlled_rz_decomp)
add_decomps("C(Rot)", controlled_rot_decomp)
add_decomps("C(PhaseShift)", controlled_phase_shift_decomp)
add_decomps("C(PauliX)", controlled_x_decomp)
add_decomps("C(Hadamard)", controlled_hadamard)
add_decomps("C(GlobalPhase)", controlled_global_phase_decomp)


def _gate_counts(op, rule) -> tuple:
    """The gates a rule makes for ``op`` by resource form, and its wire allocations."""
    with AnnotatedQueue() as queue:  # the operators as made (templates and ctrl unexpanded)
        rule(*op.data, wires=op.wires, **get_decomp_kwargs(op))
    counts, allocations = {}, {}
    for g in queue.queue:
        g = g.base if type(g).__name__ == "Conditional" else g
        kind = type(g).__name__
        if kind == "Allocate":
            state = str(getattr(g, "state", "zero"))
            allocations[state] = allocations.get(state, 0) + len(g.wires)
            continue
        if kind == "Deallocate":
            continue
        key = DecompositionGraph.node_of(g)
        counts[key] = counts.get(key, 0) + 1
    return counts, allocations


def rule_text(op, rule, num_work_wires, counts="Gate Count") -> tuple:
    """(applicable, the text of one rule of :func:`inspect_decomps`): "Not applicable", or
    too few work wires, or the rule's drawing on ``op``, its gates (``counts`` names them;
    estimated and actual when they differ) and its wire allocations.

    >>> import qsym as qml
    >>> from qsym.decomposition import list_decomps
    >>> print(rule_text(qml.SWAP(wires=[0, 1]), list_decomps(qml.SWAP)[0], 0)[1])
    0: ─╭●─╭X─╭●─┤
    1: ─╰X─╰●─╰X─┤
    Gate Count: {CNOT: 3}
    """
    params = getattr(op, "resource_params", None) or {}
    if not rule.is_applicable(**params):
        return False, ("Not applicable (provided operator instance does not meet all "
                       "conditions for this rule).")
    need = rule.get_work_wire_spec(**params).total
    if num_work_wires is not None and need > num_work_wires:
        return False, f"Insufficient work wires: requires {need} but only {num_work_wires} available."
    drawing = draw(rule)(*op.data, wires=op.wires, **get_decomp_kwargs(op))
    estimated = {k: v for k, v in rule.compute_resources(**params).gate_counts.items() if v > 0}
    actual, allocations = _gate_counts(op, rule)
    text = (f"{counts}: {estimated}" if estimated == actual else
            f"Estimated {counts}: {estimated}\nActual {counts}: {actual}")
    if allocations:
        text += f"\nWire Allocations: {allocations}"
    return True, drawing + "\n" + text


class DecompInspection:
    """What :func:`inspect_decomps` shows: each rule's title, drawing and gate counts."""

    def __init__(self, entries, total):
        self._entries, self._total = entries, total

    def __str__(self):
        if not self._total:
            return "No available decomposition rules."
        if not self._entries:
            return "No applicable decomposition rules (non-applicable rules are excluded)."
        return "\n\n".join(f"Decomposition {i} (name: {name})\n{text}"
                           for i, name, text in self._entries)

    __repr__ = __str__


def inspect_decomps(op, *rules, show_not_applicable=True, num_work_wires=None):
    """How an operator decomposes by each of its rules (PennyLane's ``qml.inspect_decomps``):
    for each rule (all of :func:`qsym.decomposition.list_decomps`, or those named or given),
    its drawing on the operator and its gate counts, estimated and actual when they differ.

    >>> import qsym as qml
    >>> print(inspect_decomps(qml.SWAP(wires=[0, 1])))
    Decomposition 0 (name: _swap_to_cnot)
    0: ─╭●─╭X─╭●─┤
    1: ─╰X─╰●─╰X─┤
    Gate Count: {CNOT: 3}
    """
    if isinstance(op, type):
        raise TypeError("The inspect_decomps function takes a concrete operator instance as "
                        "its first argument, not an operator type.")
    shown = list_decomps(op)
    if rules:
        shown = [shown[r] if isinstance(r, str) else r for r in rules]
    entries = []
    for i, rule in enumerate(shown):
        ok, text = rule_text(op, rule, num_work_wires)
        if ok or show_not_applicable:
            entries.append((i, rule.name, text))
    return DecompInspection(entries, len(shown))
