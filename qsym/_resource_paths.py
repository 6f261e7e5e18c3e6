"""PennyLane's resource functions on tapes and QNodes, and its module paths of
``qml.resource``: ``qml.resource.resource`` (``Resources`` arithmetic, ``resources_from_tape``),
``qml.resource.specs``, ``qml.resource.error.error`` (``algo_error``: the algorithmic errors
of a circuit's ``ErrorOperation``'s) and ``qml.resource.error.trotter_error`` (the
Suzuki-Trotter error bounds of operators).

>>> import qsym as qml
>>> t = qml.tape.QuantumScript([qml.Hadamard(0), qml.ctrl(qml.IsingXX(0.5, [2, 3]), [0, 1])],
...                            [qml.probs()])
>>> r = count_resources(t)
>>> r.gate_types, r.gate_sizes, r.num_allocs, r.depth
({'Hadamard': 1, '2C(IsingXX)': 1}, {1: 1, 4: 1}, 4, 2)
"""

from __future__ import annotations

import sys
import warnings
from functools import partial

from collections import defaultdict

import numpy as np

from . import _circuit_graph, _drawing, _template_core, decomposition, pytrees, resource, templates
from ._drawing import matrix, specs
from ._mcm import Conditional, MidMeasure
from ._operations import METHODS, observable_label
from ._opfunctions import commutator
from ._opmath import Controlled, ControlledOp, ErrorOperation, QuantumPhaseEstimation, ResourcesOperation
from ._opmath import apply_operation
from ._runtime import QNode
from ._shots import Shots
from ._tapes import tape_resources
from ._trace import Tape, recording
from ._transform import qnode_tape
from .errors import MeasurementError
from .resource import SpecsResources
from .transforms import module_path
from .workflow import construct_batch

__all__ = ["count_resources", "resources_from_tape", "compute_algo_error", "algo_error",
           "spectral_norm", "nested_commutator", "one_norm_error", "commutator_error"]

resource.DEFAULT_SHOTS["factory"] = Shots  # PennyLane's Resources().shots: Shots(None)
_template_core.REAPPLY["apply"] = apply_operation
_template_core.RESOURCES.update(signature_key=lambda op: op_signature_key(op),
                                default=lambda *a, **k: default_subroutine_resources(*a, **k))  # SubroutineOp(..., decomposition=ops)

# PennyLane's TrotterProduct is a ResourcesOperation: a circuit's depth counts its gates' depth
_circuit_graph.RESOURCE_DEPTH_TYPES.append(templates.TrotterProduct)

# operators with an algorithmic error (PennyLane's ErrorOperation subclasses)
ERROR_OPERATIONS = (ErrorOperation, templates.TrotterProduct, QuantumPhaseEstimation)


def count_resources(tape, compute_depth: bool = True) -> SpecsResources:
    """PennyLane's ``_count_resources`` of a tape: gates by name (a controlled operator
    with ``k > 1`` control wires as ``kC(name)``) and by size, a
    ``qml.resource.ResourcesOperation`` by the counts of its ``resources()``; the
    measurements by PennyLane's labels, the tape's wires, its depth (``None`` without
    ``compute_depth``). Example: the module's.
    """
    types: dict = {}
    sizes: dict = {}
    for op in tape.operations:
        if isinstance(op, (ResourcesOperation, templates.TrotterProduct)):
            r = op.resources()
            types = resource.combine_dict(types, dict(r.gate_types))
            sizes = resource.combine_dict(sizes, dict(r.gate_sizes))
            continue
        name = op.name
        if type(op) in (Controlled, ControlledOp) and len(op.control_wires) > 1:
            name = f"{len(op.control_wires)}{name}"
        types[name] = types.get(name, 0) + 1
        sizes[len(op.wires)] = sizes.get(len(op.wires), 0) + 1
    try:
        if any(getattr(m, "mv", None) is not None for m in tape.measurements):
            raise MeasurementError("statistics of mid-circuit measurements")  # (mcm) labels
        measured = dict(tape_resources(tape).measurements)
    except MeasurementError:  # an operator qsym cannot measure: labelled from the record
        measured = {}
        for m in tape.measurements:
            key = _measurement_label(m, len(tape.wires))
            measured[key] = measured.get(key, 0) + 1
    return SpecsResources(types, sizes, measured, len(tape.wires),
                          tape.graph.get_depth() if compute_depth else None)


def _specs_tape_resources(qnode, args, kwargs, compute_depth, level=None):
    """``(resources, mcm)``: ``qml.specs``' counts of a QNode's tape, as PennyLane counts
    them (a template, ``Adjoint(...)``, ``C(...)`` one operator; ``MidMeasureMP``,
    ``Conditional(...)``), and whether it has mid-circuit measurements. At the default
    ``level`` (``"gradient"``) the tape after the gradient method's expansion (with
    ``diff_method="parameter-shift"`` a trainable template's gates). At
    ``level="device"`` the tape is the one the device's ``preprocess_transforms()`` make
    of it (templates decomposed into the gates the device runs); at an int or a slice
    the tape :func:`qsym.workflow.construct_batch` makes there (PennyLane's slices); None
    when they make several tapes (the caller counts the compiled circuit).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def c(w):
    ...     qml.BasicEntanglerLayers(w, wires=[0, 1])
    ...     return qml.expval(qml.Z(0))
    >>> w = np.ones((1, 2))
    >>> _specs_tape_resources(c, (w,), {}, True)[0].gate_types
    {'BasicEntanglerLayers': 1}
    >>> _specs_tape_resources(c, (w,), {}, True, "device")[0].gate_types
    {'RX': 2, 'CNOT': 1}
    """
    if isinstance(level, (int, slice)) and not isinstance(level, bool):
        # an int or a slice of the whole pipeline: PennyLane's tapes there (its slices of
        # the user's transforms and of the rest, the device's own among them)
        batch, _ = construct_batch(qnode, level=level)(*args, **kwargs)
        if len(batch) != 1:
            return None
        tape = batch[0]
        mcm = any(isinstance(op, (MidMeasure, Conditional)) for op in tape.operations)
        return count_resources(tape, compute_depth=compute_depth), mcm
    if level is None or level == "gradient" or device_level(level):
        # PennyLane's "gradient" level (the default) and the device's start from the tape
        # after the gradient method's expansion (parameter shift decomposes a trainable
        # template into gates it has rules for): one recording, the configuration resolved
        batch, _ = construct_batch(qnode, level="gradient")(*args, **kwargs)
        if len(batch) != 1:
            return None
        tape = batch[0]
    else:
        tape = qnode_tape(qnode, args, kwargs)
    mcm = any(isinstance(op, (MidMeasure, Conditional)) for op in tape.operations)
    if not mcm:
        tapes = _device_batch(qnode, (tape,), level)
        if len(tapes) != 1:
            return None
        tape = tapes[0]
    elif device_level(level):
        res = _mcm_device_resources(qnode, args, kwargs, compute_depth, level)
        return None if res is None else (res, mcm)
    return count_resources(tape, compute_depth=compute_depth), mcm


def _mcm_device_resources(qnode, args, kwargs, compute_depth, level):
    """PennyLane's device-level counts of a QNode with mid-circuit measurements: the tape
    its device runs for the method the QNode resolves (``"deferred"``: the measured wires
    copied onto new ones by ``CNOT``, each ``qml.cond`` a controlled gate, the new wires
    allocated; ``"one-shot"``: the measurements kept, the measurements as PennyLane's
    ``dynamic_one_shot`` writes them (a ``var`` a ``sample`` of its observable, statistics
    of measured values dropped, one ``sample(mcm)`` per mid-circuit measurement);
    ``"tree-traversal"``: the measurements kept)."""
    batch, _ = construct_batch(qnode, level=level)(*args, **kwargs)
    if len(batch) != 1:
        return None
    tape = batch[0]
    res = count_resources(tape, compute_depth=compute_depth)
    options = qnode.deferral_options() if hasattr(qnode, "deferral_options") else {}
    if options.get("method") == "one-shot" and options.get("shots"):
        n = sum(isinstance(op, MidMeasure) for op in tape.operations)
        if n:  # (its auxiliary tape: a variance sampled, statistics of the values dropped)
            measured = {}
            for key, count in res.measurements.items():
                if not key.endswith("(mcm)"):
                    key = "sample(" + key[4:] if key.startswith("var(") else key
                    measured[key] = measured.get(key, 0) + count
            measured["sample(mcm)"] = n
            res = SpecsResources(res.gate_types, res.gate_sizes, measured, res.num_allocs,
                                 res.depth)
    return res


def _specs_batch_resources(qnode, args, kwargs, compute_depth, level="gradient"):
    """``qml.specs``' counts of a transformed QNode whose transforms make several tapes at
    ``level`` (PennyLane's list: one ``SpecsResources`` per tape), else None.

    >>> import qsym as qml
    >>> @qml.transforms.split_non_commuting
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c():
    ...     qml.Hadamard(0)
    ...     return qml.expval(qml.X(0)), qml.expval(qml.Z(0))
    >>> [r.measurements for r in _specs_batch_resources(c, (), {}, True)]
    [{'expval(PauliX)': 1}, {'expval(PauliZ)': 1}]
    """
    batch, _ = construct_batch(qnode, level=level)(*args, **kwargs)
    batch = _device_batch(qnode, batch, level)
    if len(batch) == 1:
        return None
    return [count_resources(tape, compute_depth=compute_depth) for tape in batch]


_drawing.TAPE_RESOURCES["count"] = _specs_tape_resources
_drawing.TAPE_RESOURCES["batch"] = _specs_batch_resources


def _measurement_label(m, num_wires: int) -> str:
    """PennyLane's ``_mp_to_str`` of a measurement process."""
    kind = getattr(m, "_shortname", type(m).__name__)
    if getattr(m, "mv", None) is not None:
        return f"{kind}(mcm)"
    if m.measured_obs is None:
        n = len(m.wires)
        return f"{kind}(all wires)" if n in (0, num_wires) else f"{kind}({n} wires)"
    return f"{kind}({observable_label(getattr(m.measured_obs, 'op', m.measured_obs))})"  # PennyLane's _obs_to_str


def resources_from_tape(tape, compute_depth: bool = True, compute_errors: bool = False):
    """PennyLane's ``qml.resource.resources_from_tape``: :func:`count_resources`, with the
    algorithmic errors (:func:`compute_algo_error`) as a pair when ``compute_errors``.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
    >>> resources_from_tape(t).depth, resources_from_tape(t, compute_depth=False).depth
    (2, None)
    """
    res = count_resources(tape, compute_depth=compute_depth)
    return (res, compute_algo_error(tape)) if compute_errors else res


def compute_algo_error(tape) -> dict:
    """PennyLane's ``_compute_algo_error``: the errors of a tape's operators that have one
    (``ErrorOperation``'s, ``TrotterProduct``, ``QuantumPhaseEstimation``), by the name of
    their error class, those of one class combined in the order applied.

    >>> import qsym as qml
    >>> H = qml.dot([1.0, 0.5], [qml.X(0), qml.Y(0)])
    >>> t = qml.tape.QuantumScript([qml.TrotterProduct(H, 0.1, n=2, order=2)] * 2)
    >>> e = compute_algo_error(t)["SpectralNormError"].error
    >>> bool(np.isclose(e, 2 * qml.TrotterProduct(H, 0.1, n=2, order=2).error().error))
    True
    """
    errors: dict = {}
    for op in tape.operations:
        if isinstance(op, ERROR_OPERATIONS):
            err = op.error()
            name = type(err).__name__
            errors[name] = err if name not in errors else errors[name].combine(err)
    return errors


METHODS["algo_errors"] = compute_algo_error


def device_level(level) -> bool:
    """Whether ``level`` (of ``qml.specs``, ``algo_error``) is ``"device"``, whose tapes
    the device's own transforms make after the gradient level's (an int or a slice is a
    part of the whole pipeline: :func:`qsym.workflow.construct_batch` applies the device's
    transforms it takes in, as PennyLane's; ``slice(None, None, -1)`` is not the device's
    level although it runs to the end).

    >>> device_level("device"), device_level(slice(0, None)), device_level("gradient")
    (True, False, False)
    """
    return level == "device"


def _device_batch(qnode, batch, level):
    """``batch`` (tapes of ``qnode`` after its transforms up to ``level``), then at a
    :func:`device_level` the device's ``preprocess_transforms()`` (PennyLane's device
    level: templates decomposed into the gates the device runs)."""
    if not device_level(level):
        return tuple(batch)
    tapes, _ = qnode.device.preprocess_transforms()(tuple(batch))
    return tuple(tapes)


def _algo_error_qnode(qnode, level, *args, **kwargs):
    batch, _ = construct_batch(qnode, level=level)(*args, **kwargs)
    batch = _device_batch(qnode, batch, level)
    found = [compute_algo_error(tape) for tape in batch]
    return found[0] if len(found) == 1 else found


def algo_error(qnode, level="gradient"):
    """PennyLane's ``qml.resource.algo_error``: a function of the QNode's arguments
    returning the algorithmic errors (:func:`compute_algo_error`) of its tape at ``level``
    (``"user"``, ``"gradient"``, ``"device"``, an int or a slice; a list of dicts when the
    level has several tapes).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(t):
    ...     qml.TrotterProduct(qml.dot([1.0, 0.5], [qml.X(0), qml.Y(0)]), t, n=4, order=2)
    ...     return qml.state()
    >>> sorted(algo_error(c)(0.5))
    ['SpectralNormError']
    """
    if isinstance(qnode, QNode):
        return partial(_algo_error_qnode, qnode, level)
    raise ValueError("qp.resource.algo_error can only be applied to a QNode")


# --- the Suzuki-Trotter error bounds of operators (PennyLane's trotter_error module) ------------
def spectral_norm(op, fast: bool = True) -> float:
    """PennyLane's ``_spectral_norm`` of an operator: of its Pauli representation, the
    coefficients' 1-norm (``fast``, or one word); else of its matrix, the Frobenius norm
    (``fast``, an upper bound) or the largest singular value.

    >>> import qsym as qml
    >>> spectral_norm(qml.X(0) + qml.Z(0)), round(spectral_norm(qml.X(0) + qml.Z(0), False), 6)
    (2.0, 1.414214)
    """
    pr = op.pauli_rep
    if pr and (fast or len(pr) <= 1):
        return sum(abs(c) for c in pr.values())
    m = np.asarray(matrix(op))
    if pr is None and fast:
        return float(np.linalg.norm(m, ord="fro"))
    return float(np.max(np.linalg.svd(m, compute_uv=False)))


def nested_commutator(a, b, alpha: int):
    """``[a, [a, ... [a, b]]]`` with ``alpha`` commutators (``b`` for 0; PennyLane's
    ``_recursive_nested_commutator``).

    >>> import qsym as qml
    >>> nested_commutator(qml.X(0), qml.Y(0), 2).pauli_rep  # [X, [X, Y]] = 4 Y
    (4+0j) * Y(0)
    """
    return b if alpha == 0 else commutator(a, nested_commutator(a, b, alpha - 1))


def _terms(h_ops):
    """The operators as Pauli sentences with their norm when all have one, else as they
    are with :func:`spectral_norm`."""
    reps = [op.pauli_rep for op in h_ops]
    if all(r is not None for r in reps):
        return reps, templates.sentence_norm
    return list(h_ops), spectral_norm


def one_norm_error(h_ops, t: float, p: int, n: int, fast: bool) -> float:
    """PennyLane's ``_one_norm_error``: the one-norm bound on the error of ``n`` steps of the
    order-``p`` Suzuki product of the operators ``h_ops`` over time ``t``.

    >>> import qsym as qml
    >>> one_norm_error([qml.X(0), qml.Z(0)], 0.1, 1, 1, fast=True)  # (0.1 * 2)^2 / 2! * 2
    0.04000000000000001
    """
    terms, norm = _terms(h_ops)
    return templates.trotter_one_norm_error(terms, t, p, n, fast, norm=norm)


def commutator_error(h_ops, t: float, p: int, n: int, fast: bool) -> float:
    """PennyLane's ``_commutator_error``: the commutator bound on the error of ``n`` steps of
    the order-``p`` Suzuki product of the operators ``h_ops`` over time ``t``.

    >>> import qsym as qml
    >>> round(commutator_error([qml.X(0), qml.Z(0)], 0.1, 1, 1, fast=True), 12)  # 4 t^2
    0.04
    """
    terms, norm = _terms(h_ops)
    return templates.trotter_commutator_error(terms, t, p, n, fast, norm=norm)


def last_tape_transform_level(pipeline) -> int:
    """PennyLane's ``_get_last_tape_transform_level``: the level after the pipeline's last
    transform that is not a compiler pass (qsym's transforms are all tape transforms).

    >>> last_tape_transform_level([])
    0
    """
    for i, trans in reversed(list(enumerate(pipeline))):
        if getattr(trans, "pass_name", None) is None:
            return i + 1
    return 0


def unique_level_name(name: str, existing: set) -> str:
    """``name``, or ``name-2``, ``name-3``, ... the first not in ``existing`` (PennyLane's
    ``_make_level_name_unique``).

    >>> unique_level_name("foo", {"foo", "foo-2"})
    'foo-3'
    """
    unique, counter = name, 1
    while unique in existing:
        counter += 1
        unique = f"{name}-{counter}"
    return unique


def _level_list(level) -> list:
    if isinstance(level, (int, str)):
        return [level]
    if isinstance(level, slice):
        return list(range(level.start or 0, level.stop, level.step or 1))
    return list(level)


def level_numbers(level, marker_to_level: dict, pipeline_len: int, num_tape_levels: int) -> list:
    """PennyLane's ``_preprocess_level_input`` of ``qml.specs`` for compiled QNodes: the
    sorted level numbers of ``level`` (``"all"``, ``"all-mlir"``, ``"user"``, an int, a
    marker's name, a slice or a list of them).

    >>> level_numbers(["m", 2], {"m": 1}, 5, 4)
    [1, 2]
    """
    total = pipeline_len + 1 + (1 if num_tape_levels > 1 else 0)
    if level == "all":
        return list(range(total))
    if level == "all-mlir":
        return list(range(num_tape_levels, total))
    if level == "user":
        return [total - 1]
    levels = _level_list(level)
    for i, lvl in enumerate(levels):
        if isinstance(lvl, str):
            if lvl not in marker_to_level:
                raise ValueError(f"Marker name '{lvl}' not found in the compile pipeline.")
            levels[i] = marker_to_level[lvl]
        elif isinstance(lvl, int):
            if not 0 <= lvl < total:
                raise ValueError("The 'level' argument to qp.specs for QJIT'd QNodes is out of "
                                 f"bounds, got {lvl}.")
        else:
            raise ValueError(f"Invalid level '{lvl}' in level list, expected int or str.")
    ordered = sorted(set(levels))
    if levels != ordered:
        warnings.warn("The 'level' argument to qp.specs for QJIT'd QNodes has been sorted to be "
                      "in ascending order with no duplicate levels.", UserWarning)
    return ordered


# --- resource representations of subroutines (PennyLane's qml.templates.core helpers) ---------
def signature_key(subroutine, *args, **kwargs) -> tuple:
    """The arguments of a call of ``subroutine`` in its signature's order (defaults applied),
    each dynamic argument as ``(pytree structure, leaves)`` (PennyLane's
    ``_make_signature_key``): what decides the subroutine's resources.

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: None)
    >>> signature_key(S, [0.1, 0.2], wires=[0])[1]
    [0]
    """
    bound = subroutine.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    for name in subroutine.dynamic_argnames:
        leaves, struct = pytrees.flatten(bound.arguments[name])
        bound.arguments[name] = (struct, tuple(leaves))
    return tuple(bound.arguments.values())


def op_signature_key(op) -> tuple:
    """PennyLane's key of a ``SubroutineOp``'s arguments (its ``resource_params``): static
    arguments as they are, a wire register as ``AbstractArray((len,))``, a dynamic argument
    as its pytree structure and the ``AbstractArray`` (shape, dtype) of each leaf.

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: None)
    >>> op_signature_key(S.operator(np.zeros(3), wires=[0, 1]))[1]
    AbstractArray(shape=(2,), dtype=dtype('int64'))
    """
    sub, key = op.subroutine, []
    for name, value in op.bound_args.arguments.items():
        if name in sub.static_argnames:
            key.append(value)
        elif name in sub.wire_argnames:
            key.append(_template_core.AbstractArray((len(value),), int))
        else:
            leaves, struct = pytrees.flatten(value)
            key.append((struct, tuple(_template_core.AbstractArray(
                np.shape(x), getattr(x, "dtype", type(x))) for x in leaves)))
    return tuple(key)


def default_subroutine_resources(subroutine, *args, **kwargs):
    """PennyLane's fallback resources of a subroutine without ``compute_resources``: the
    operators its definition records on these arguments (a dynamic argument of
    ``AbstractArray`` leaves as empty arrays of their shapes, a wire register given as
    ``AbstractArray((n,))`` as wires ``0..n-1``), counted by resource representation.

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: [qml.RX(x, w) for w in wires])
    >>> dict(default_subroutine_resources(S, 0.5, qml.templates.AbstractArray((3,))))
    {RX: 3}
    """
    bound = subroutine.signature.bind(*args, **kwargs)
    for name in subroutine.dynamic_argnames:
        if name not in bound.arguments:
            continue
        leaves, struct = pytrees.flatten(bound.arguments[name])
        if leaves and isinstance(leaves[0], _template_core.AbstractArray):
            bound.arguments[name] = pytrees.unflatten(
                [np.empty(a.shape, a.dtype) for a in leaves], struct)
    for name in subroutine.wire_argnames:
        if isinstance(bound.arguments.get(name), _template_core.AbstractArray):
            bound.arguments[name] = list(range(bound.arguments[name].shape[0]))
    with recording(Tape()) as tape:
        subroutine.definition(**bound.arguments)
    counts = defaultdict(int)
    for op in tape.items:
        params = dict(getattr(op, "resource_params", {}) or {})
        counts[decomposition.resource_rep(type(op), **params)] += 1
    return counts


def subroutine_resource_rep(subroutine, *args, **kwargs):
    """PennyLane's ``qml.templates.subroutine_resource_rep``: the resource representation of a
    call of ``subroutine`` (arguments as values or :class:`~qsym.templates.AbstractArray`),
    a ``SubroutineOp`` keyed by the subroutine and :func:`signature_key`.

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: None)
    >>> subroutine_resource_rep(S, qml.templates.AbstractArray((2,), float), wires=[0]).name
    'SubroutineOp'
    """
    return decomposition.resource_rep(_template_core.SubroutineOp, subroutine=subroutine,
                                      signature_key=signature_key(subroutine, *args, **kwargs))


def _subroutine_resources(subroutine, signature_key):
    """The resources of a ``SubroutineOp`` node of the decomposition graph: the subroutine's
    ``compute_resources`` on its signature key (each dynamic argument rebuilt from its
    pytree structure and the ``AbstractArray`` of each leaf; PennyLane's
    ``_calculate_resources``)."""
    bound = subroutine.signature.bind(*signature_key)
    for name in subroutine.dynamic_argnames:
        struct, shapes = bound.arguments[name]
        bound.arguments[name] = pytrees.unflatten(list(shapes), struct)
    return subroutine.compute_resources(**bound.arguments)


@decomposition.register_resources(_subroutine_resources)
def _Subroutine_decomp(*_, wires, decomposition, **__):  # noqa: N802 pylint: disable=redefined-outer-name,invalid-name
    """PennyLane's rule of a ``SubroutineOp``: the operators its definition recorded, applied
    again (so the graph weighs a rule making a subroutine by the subroutine's resources).

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: qml.RY(x, wires[0]))
    >>> op = S.operator(0.25, wires=[1])
    >>> dict(_Subroutine_decomp.compute_resources(**op.resource_params).gate_counts)
    {RY: 1}
    """
    for op in decomposition:
        apply_operation(op)


decomposition.add_decomps(_template_core.SubroutineOp, _Subroutine_decomp)


def _adjoint_rep(rep):
    return decomposition.adjoint_resource_rep(rep.op_type, dict(rep.params))


def adjoint_subroutine_resource_rep(subroutine, *args, **kwargs):
    """PennyLane's ``adjoint_subroutine_resource_rep``: the resource representation of the
    adjoint of a call of ``subroutine`` (``Adjoint(SubroutineOp)``).

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: None)
    >>> adjoint_subroutine_resource_rep(S, 0.5, wires=[0]).name
    'Adjoint(SubroutineOp)'
    """
    return _adjoint_rep(subroutine_resource_rep(subroutine, *args, **kwargs))


def _operand_rep(x, adjoint: bool = False):
    """An operand of ``change_op_basis``: a resource representation, an operator, or a
    subroutine with its arguments bound (``functools.partial``)."""
    if isinstance(x, decomposition.CompressedResourceOp):
        rep = x
    elif isinstance(x, partial):
        rep = subroutine_resource_rep(x.func, *x.args, **x.keywords)
    else:
        rep = decomposition.resource_rep(type(x), **dict(getattr(x, "resource_params", {}) or {}))
    return _adjoint_rep(rep) if adjoint else rep


def change_op_basis_subroutine_resource_rep(compute, target, uncompute=None):
    """PennyLane's ``change_op_basis_subroutine_resource_rep``: the resource representation
    of ``qml.change_op_basis(compute, target, uncompute)`` whose operands are operators,
    resource representations or subroutines with bound arguments (``partial(S, ...)``);
    without ``uncompute``, the adjoint of ``compute``.

    >>> import qsym as qml
    >>> rep = change_op_basis_subroutine_resource_rep(qml.Z(0), qml.X(0))
    >>> rep.name, dict(rep.params)["uncompute_op"].name
    ('ChangeOpBasis', 'Adjoint(PauliZ)')
    """
    undo = _operand_rep(compute, adjoint=True) if not uncompute else _operand_rep(uncompute)
    return decomposition.resource_rep("ChangeOpBasis", compute_op=_operand_rep(compute),
                                      target_op=_operand_rep(target), uncompute_op=undo)


def register() -> None:
    """PennyLane's module paths of ``qml.resource`` (``from pennylane.resource.resource
    import add_in_series``, ...) and its names ``qml.resource.algo_error``, ``specs``,
    ``resources_from_tape``.

    >>> from qsym.resource.error.trotter_error import _compute_repetitions
    >>> _compute_repetitions(4)
    10
    """
    r = resource
    names = dict(
        Resources=r.Resources, ResourcesOperation=ResourcesOperation,
        SpecsResources=r.SpecsResources, CircuitSpecs=r.CircuitSpecs,
        **{n: getattr(r, n) for n in ("add_in_series", "add_in_parallel", "mul_in_series",
                                      "mul_in_parallel", "substitute")},
        resources_from_tape=resources_from_tape, _count_resources=count_resources,
        _combine_dict=r.combine_dict, _scale_dict=r.scale_dict,
        _batch_num_to_letters=r.batch_letters, _count_to_str=r.count_to_str)
    vars(r).update({k: v for k, v in names.items() if not k.startswith("_")},
                   algo_error=algo_error, specs=specs)
    r.resource = module_path("qsym.resource", "resource", "PennyLane's qml.resource.resource",
                             **names)
    module_path(
        "qsym.resource", "specs", "PennyLane's qml.resource.specs", specs=specs,
        CircuitSpecs=r.CircuitSpecs, SpecsResources=r.SpecsResources,
        resources_from_tape=resources_from_tape,
        _make_level_name_unique=unique_level_name, _preprocess_level_input=level_numbers,
        _get_last_tape_transform_level=last_tape_transform_level)
    trotter = module_path(
        "qsym.resource.error", "trotter_error", "PennyLane's qml.resource.error.trotter_error",
        _compute_repetitions=templates.trotter_repetitions, _spectral_norm=spectral_norm,
        _one_norm_error=one_norm_error, _commutator_error=commutator_error,
        _generate_combinations=lambda num, total: tuple(templates.compositions(num, total)),
        _recursive_nested_commutator=nested_commutator,
        _recursive_flatten=lambda order, num_ops, t: templates.trotter_stages(num_ops, order, t),
        _simplify=templates.merge_stages,
        _flatten_trotter=lambda num_ops, order: templates.merge_stages(
            *templates.trotter_stages(num_ops, order)))
    error_names = dict(AlgorithmicError=r.AlgorithmicError, SpectralNormError=r.SpectralNormError,
                       ErrorOperation=ErrorOperation, algo_error=algo_error)
    vars(r.error).update(error_names, _one_norm_error=one_norm_error,
                         _commutator_error=commutator_error, trotter_error=trotter)
    r.error.error = module_path("qsym.resource.error", "error", "PennyLane's qml.resource.error.error",
                                **error_names, _compute_algo_error=compute_algo_error,
                                _algo_error_qnode=_algo_error_qnode)
    sys.modules.setdefault("qsym.resource.error", r.error)
    subroutine_names = dict(subroutine_resource_rep=subroutine_resource_rep,
                            adjoint_subroutine_resource_rep=adjoint_subroutine_resource_rep,
                            change_op_basis_subroutine_resource_rep=change_op_basis_subroutine_resource_rep)
    vars(_template_core).update(subroutine_names, _make_signature_key=signature_key)
    templates.subroutine_resource_rep = subroutine_resource_rep
