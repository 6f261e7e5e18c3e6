"""PennyLane's ``qml.transforms``: circuit transforms on tapes, quantum functions and QNodes
(:mod:`qsym._transform` is the mechanism, ``qml.transform`` makes your own).

>>> import qsym as qml
>>> @qml.transforms.merge_rotations
... @qml.qnode(qml.device("default.qubit", wires=1))
... def c(x):
...     qml.RX(x, wires=0)
...     qml.RX(2 * x, wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> qml.workflow.construct_tape(c)(0.1).operations
[RX(0.30000000000000004, wires=[0])]
"""

import sys as _sys
from collections.abc import Callable as _Callable
import types as _types

from ._compilation import (
    cancel_inverses, combine_global_phases, commute_controlled, compile, decompose, decomposition_gen,
    diagonalize_measurements, insert, merge_amplitude_embedding, merge_rotations, remove_barrier,
    single_qubit_fusion, undo_swaps, unitary_to_rot,
)
from . import _compilation as _compilation_mod
from . import _cnot_synthesis as _cnot_synthesis_mod
from ._cnot_synthesis import parity_matrix, phase_polynomial, rowcol, transpile
from . import _clifford_t as _clifford_t_mod
from ._commutation_dag import CommutationDAG, CommutationDAGNode, commutation_dag
from ._clifford_t import clifford_t_decomposition
from ._decomp_inspector import DecompGraphInspector, decomp_inspector
from . import _pattern_matching as _pattern_matching_mod
from ._pattern_matching import (
    match_controlled_iX_gate, match_relative_phase_toffoli, pattern_matching,
    pattern_matching_optimization,
)
from ._deferral import defer_measurements  # qml.defer_measurements, also here
from . import _one_shot as _one_shot_mod
from ._one_shot import dynamic_one_shot
from . import _qmc as _qmc_mod
from ._qmc import apply_controlled_Q, quantum_monte_carlo
from .allocation import resolve_dynamic_wires
from . import _splitting as _splitting_mod
from ._splitting import (
    batch_input, batch_params, batch_partial, broadcast_expand, convert_to_numpy_parameters,
    sign_expand, split_non_commuting, split_to_single_terms,
)
from ._tapes import make_qscript as make_tape
from . import _transform as _transform_mod
from ._transform import (
    BoundTransform, CompilePipeline, CotransformCache, ProtectedLevel, Transform,
    TransformContainer, TransformDispatcher, TransformProgram, apply_postprocessing_stack,
    batch_postprocessing, null_postprocessing, transform,
)
from .errors import TransformError


__all__ = ["transform", "CompilePipeline", "TransformError", "cancel_inverses",
           "combine_global_phases",
           "commute_controlled", "compile", "decompose", "merge_rotations", "remove_barrier",
           "single_qubit_fusion", "undo_swaps", "batch_input", "batch_params",
           "batch_partial", "broadcast_expand", "convert_to_numpy_parameters", "split_non_commuting",
           "split_to_single_terms", "make_tape", "core", "defer_measurements", "dynamic_one_shot", "insert",
           "unitary_to_rot", "diagonalize_measurements", "sign_expand", "parity_matrix",
           "phase_polynomial", "rowcol", "transpile", "intermediate_reps",
           "resolve_dynamic_wires", "create_expand_fn", "expand_multipar",
           "expand_trainable_multipar", "create_expand_trainable_multipar",
           "expand_nonunitary_gen", "expand_invalid_trainable",
           "clifford_t_decomposition", "decompositions", "apply_controlled_Q",
           "quantum_monte_carlo", "merge_amplitude_embedding", "commutation_dag", "gridsynth", "CommutationDAG",
           "CommutationDAGNode", "decomp_inspector", "DecompGraphInspector", "pattern_matching",
           "pattern_matching_optimization", "match_relative_phase_toffoli",
           "match_controlled_iX_gate"]


def module_path(package: str, name: str, doc: str, **names) -> _types.ModuleType:
    """A module ``<package>.<name>`` holding ``names``, importable by that path (PennyLane's
    module paths of names qsym keeps elsewhere: ``qml.transforms.core``,
    ``qml.gradients.parameter_shift``, ...).

    >>> m = module_path("qsym.transforms", "example_path", "an example", answer=42)
    >>> from qsym.transforms.example_path import answer
    >>> answer, m.__all__
    (42, ['answer'])
    """
    mod = _types.ModuleType(f"{package}.{name}", doc)
    vars(mod).update(names)
    mod.__all__ = sorted(names)
    _sys.modules.setdefault(mod.__name__, mod)
    return mod


def _module(name: str, doc: str, **names) -> _types.ModuleType:
    return module_path(__name__, name, doc, **names)


# PennyLane's module paths: qml.transforms.core (and .core.transform, .core.compile_pipeline)
core = _module("core", "PennyLane's qml.transforms.core: the transform mechanism",
               transform=transform, Transform=Transform, TransformDispatcher=TransformDispatcher,
               BoundTransform=BoundTransform, TransformContainer=TransformContainer,
               CompilePipeline=CompilePipeline, TransformProgram=TransformProgram,
               TransformError=TransformError)
_module("core.transform", "PennyLane's module path of the transform classes",
        Transform=Transform, TransformDispatcher=TransformDispatcher,
        BoundTransform=BoundTransform, TransformContainer=TransformContainer,
        TransformError=TransformError)
_module("core.compile_pipeline", "PennyLane's module path of CompilePipeline",
        CompilePipeline=CompilePipeline, TransformProgram=TransformProgram,
        null_postprocessing=_transform_mod.results_unchanged, ProtectedLevel=ProtectedLevel,
        CotransformCache=CotransformCache, _batch_postprocessing=batch_postprocessing,
        _apply_postprocessing_stack=apply_postprocessing_stack)
_module("core.cotransform_cache", "PennyLane's module path of CotransformCache",
        CotransformCache=CotransformCache)
# from pennylane.transforms.dynamic_one_shot import fill_in_value, gather_non_mcm, ...
_module("dynamic_one_shot", "PennyLane's module path of qml.transforms.dynamic_one_shot",
        **{_n: getattr(_one_shot_mod, _n) for _n in _one_shot_mod.__all__},
        _supports_one_shot=_one_shot_mod.supports_one_shot,
        null_postprocessing=null_postprocessing)
core.transform_module = _sys.modules[f"{__name__}.core.transform"]
core.compile_pipeline = _sys.modules[f"{__name__}.core.compile_pipeline"]
for _name in ("split_non_commuting", "split_to_single_terms", "broadcast_expand", "decompose",
              "compile", "batch_params", "batch_input", "convert_to_numpy_parameters"):
    _module(_name, f"PennyLane's module path of qml.transforms.{_name}",
            **{_name: globals()[_name], "null_postprocessing": null_postprocessing})
_module("diagonalize_measurements", "PennyLane's module path of "
        "qml.transforms.diagonalize_measurements", diagonalize_measurements=diagonalize_measurements,
        null_postprocessing=null_postprocessing,
        _check_if_diagonalizing=_compilation_mod.check_if_diagonalizing,
        _diagonalize_observable=_compilation_mod.diagonalize_observable,
        _diagonalize_all_pauli_obs=_compilation_mod.diagonalize_all_pauli_obs,
        _diagonalize_subset_of_pauli_obs=_compilation_mod.diagonalize_subset_of_pauli_obs,
        _default_supported_obs=_compilation_mod.DEFAULT_SUPPORTED_OBS)
vars(_sys.modules[f"{__name__}.decompose"])["_operator_decomposition_gen"] = decomposition_gen
vars(_sys.modules[f"{__name__}.convert_to_numpy_parameters"])[
    "_convert_op_to_numpy_data"] = _splitting_mod.convert_op_to_numpy_data
vars(_sys.modules[f"{__name__}.convert_to_numpy_parameters"])[
    "_convert_measurement_to_numpy_data"] = _splitting_mod.convert_measurement_to_numpy_data


class DecomposeInterpreter:
    """PennyLane's ``qml.transforms.decompose.DecomposeInterpreter`` works on captured
    programs (``qml.capture``), which qsym does not provide: importable (PennyLane's test
    modules import it), refused when made."""

    def __init__(self, *args, **kwargs):
        raise TransformError(
            "DecomposeInterpreter interprets PennyLane's captured programs (qml.capture), "
            "which qsym does not provide: decompose a circuit with qml.transforms.decompose")


vars(_sys.modules[f"{__name__}.decompose"])["DecomposeInterpreter"] = DecomposeInterpreter
vars(_sys.modules[f"{__name__}.split_non_commuting"])["ShotDistFunction"] = _Callable
_module("commutation_dag", "PennyLane's module path of qml.transforms.commutation_dag",
        commutation_dag=commutation_dag, CommutationDAG=CommutationDAG,
        CommutationDAGNode=CommutationDAGNode)
_module("qmc", "PennyLane's module path of the quantum Monte Carlo transforms",
        apply_controlled_Q=apply_controlled_Q, quantum_monte_carlo=quantum_monte_carlo,
        _apply_controlled_z=_qmc_mod.controlled_z, _apply_controlled_v=_qmc_mod.controlled_v)
_module("optimization", "PennyLane's qml.transforms.optimization",
        cancel_inverses=cancel_inverses, merge_rotations=merge_rotations,
        commute_controlled=commute_controlled, single_qubit_fusion=single_qubit_fusion,
        undo_swaps=undo_swaps, remove_barrier=remove_barrier,
        merge_amplitude_embedding=merge_amplitude_embedding, pattern_matching=pattern_matching,
        pattern_matching_optimization=pattern_matching_optimization,
        match_relative_phase_toffoli=match_relative_phase_toffoli,
        match_controlled_iX_gate=match_controlled_iX_gate)
optimization = _sys.modules[f"{__name__}.optimization"]
# from pennylane.transforms.optimization.pattern_matching import ForwardMatch, _update_qubits, ...
# (the attribute optimization.pattern_matching stays the function, as PennyLane's)
_module(
    "optimization.pattern_matching", "PennyLane's qml.transforms.optimization.pattern_matching",
    **{_n: getattr(_pattern_matching_mod, _n) for _n in _pattern_matching_mod.__all__
       if _n not in ("match_relative_phase_toffoli", "match_controlled_iX_gate", "update_qubits")},
    _update_qubits=_pattern_matching_mod.update_qubits)
optimization.relative_phases = _module(
    "optimization.relative_phases", "PennyLane's qml.transforms.optimization.relative_phases",
    match_relative_phase_toffoli=match_relative_phase_toffoli,
    match_controlled_iX_gate=match_controlled_iX_gate,
    pattern_matching_optimization=pattern_matching_optimization)
_module("decomp_inspector", "PennyLane's module path of qml.transforms.decomp_inspector",
        decomp_inspector=decomp_inspector, DecompGraphInspector=DecompGraphInspector)
_module("unitary_to_rot", "PennyLane's module path of qml.transforms.unitary_to_rot",
        unitary_to_rot=unitary_to_rot,
        _recursively_decompose_qubit_unitary=_compilation_mod.decompose_qubit_unitary)
optimization.optimization_utils = _module(
    "optimization.optimization_utils", "PennyLane's qml.transforms.optimization.optimization_utils",
    find_next_gate=_compilation_mod.find_next_gate, fuse_rot_angles=_compilation_mod.fuse_rot_angles,
    _fuse_global_phases=_compilation_mod.fuse_global_phases)

# PennyLane's qml.transforms.intermediate_reps (and its modules) and qml.transforms.transpile
intermediate_reps = _module(
    "intermediate_reps", "PennyLane's qml.transforms.intermediate_reps: CNOT-circuit "
    "intermediate representations", parity_matrix=parity_matrix, phase_polynomial=phase_polynomial,
    rowcol=rowcol, postorder_traverse=_cnot_synthesis_mod.postorder_traverse,
    preorder_traverse=_cnot_synthesis_mod.preorder_traverse)
_module("intermediate_reps.parity_matrix", "PennyLane's module path of parity_matrix",
        parity_matrix=parity_matrix)
_module("intermediate_reps.phase_polynomial", "PennyLane's module path of phase_polynomial",
        phase_polynomial=phase_polynomial)
_module("intermediate_reps.rowcol", "PennyLane's module path of rowcol", rowcol=rowcol,
        parity_matrix=parity_matrix, postorder_traverse=_cnot_synthesis_mod.postorder_traverse,
        preorder_traverse=_cnot_synthesis_mod.preorder_traverse,
        _rowcol_parity_matrix=_cnot_synthesis_mod.rowcol_parity_matrix)
_module("resolve_dynamic_wires", "PennyLane's module path of qml.transforms.resolve_dynamic_wires",
        resolve_dynamic_wires=resolve_dynamic_wires, null_postprocessing=null_postprocessing)
_module("transpile", "PennyLane's module path of qml.transforms.transpile", transpile=transpile,
        state_transposition=_cnot_synthesis_mod.state_transposition,
        null_postprocessing=null_postprocessing)

# PennyLane's qml.transforms.decompositions; its clifford_t_transform is qsym's module itself
# (PennyLane's tests set and read its _CLIFFORD_T_CACHE)
decompositions = _module("decompositions", "PennyLane's qml.transforms.decompositions",
                         clifford_t_decomposition=clifford_t_decomposition,
                         clifford_t_transform=_clifford_t_mod, gridsynth=_clifford_t_mod.gridsynth)
_module("decompositions.gridsynth", "PennyLane's module path of qml.transforms.gridsynth",
        gridsynth=_clifford_t_mod.gridsynth,
        gridsynth_setup_inputs=_clifford_t_mod.gridsynth_setup_inputs)
gridsynth = _clifford_t_mod.gridsynth
_sys.modules.setdefault(f"{__name__}.decompositions.clifford_t_transform", _clifford_t_mod)


# --- PennyLane's tape-expansion helpers (qml.transforms.tape_expand; deprecated in 0.45) ---
_EXPAND_DEPRECATION = (
    "The {} is deprecated in PennyLane v0.45 and will be removed in v0.46. Please use the "
    "qml.transforms.decompose function for decomposing circuits.")


def _deprecated_expand(name: str) -> None:
    import warnings
    from .exceptions import PennyLaneDeprecationWarning
    warnings.warn(_EXPAND_DEPRECATION.format(name), PennyLaneDeprecationWarning, stacklevel=3)


def create_expand_fn(depth, stop_at=None, device=None, docstring=None):
    """PennyLane's deprecated ``qml.transforms.create_expand_fn`` (it warns
    ``PennyLaneDeprecationWarning``, as PennyLane 0.45): a function ``expand_fn(tape,
    depth=depth)`` returning ``tape`` itself when ``stop_at(op)`` holds for each of its
    operations, else a new tape from :func:`decompose` with ``stopping_condition=stop_at``
    and ``max_expansion=depth``, its trainable parameters those that require a gradient.
    With ``device``, its ``stopping_condition`` must hold too (a device without one, such
    as qsym's, raises ``TypeError``: give ``stop_at`` alone).

    >>> import qsym as qml
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fn = create_expand_fn(depth=5, stop_at=lambda op: op.name != "Rot")
    >>> fn(qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)])).operations
    [RZ(0.1, wires=[0]), RY(0.2, wires=[0]), RZ(0.3, wires=[0])]
    """
    _deprecated_expand("create_expand_fn")
    if device is not None:
        device_stop = getattr(device, "stopping_condition", None)
        if not callable(device_stop):
            raise TypeError(
                f"create_expand_fn(device=...) needs a device with a stopping_condition "
                f"(PennyLane's legacy devices), got {device!r}: give stop_at alone, or use "
                "qml.transforms.decompose(gate_set=...) with the device's gates")
        user_stop = stop_at
        stop_at = device_stop if user_stop is None else (
            lambda obj: user_stop(obj) and device_stop(obj))
    if stop_at is None:
        raise TypeError("create_expand_fn needs stop_at (a function of an operator returning "
                        "True where expansion stops) or a device")
    condition = stop_at

    def expand_fn(tape, depth=depth, **kwargs):
        if all(condition(op) for op in tape.operations):
            return tape
        (new,), _ = decompose(tape, max_expansion=depth, stopping_condition=condition)
        from .math import get_trainable_indices
        new.trainable_params = get_trainable_indices(new.get_parameters(trainable_only=False))
        return new

    if docstring:
        expand_fn.__doc__ = docstring
    return expand_fn


def _trainable(op) -> bool:
    from .math import requires_grad
    return any(requires_grad(d) for d in op.data)


def _single_generator_term(op) -> bool:
    """Whether ``op`` has a generator of one term (stops PennyLane's multipar expansion);
    an operator whose generator cannot be written as terms stops it too."""
    try:
        return bool(op.has_generator) and _one_term(op.generator())
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return True


def _one_term(generator) -> bool:
    """PennyLane's ``len(generator.terms()[0]) == 1``: a projector or matrix observable
    (PennyLane's have no terms: the expansion stops) or a product or multiple with one
    as a factor is one term, whatever its Pauli expansion; else its Pauli terms count."""
    from ._operations import BasisStateProjector, Hermitian, Prod, SProd, StateVectorProjector
    opaque = (BasisStateProjector, StateVectorProjector, Hermitian)
    factors = [generator]
    while factors:
        f = factors.pop()
        if isinstance(f, opaque):
            return True
        if isinstance(f, Prod):
            factors.extend(f.operands)
        elif isinstance(f, SProd):
            factors.append(f.base)
    return len(generator.terms()[0]) == 1


def _multipar_stop(op) -> bool:
    return _is_measurement(op) or len(op.data) == 0 or _single_generator_term(op)


def _is_measurement(obj) -> bool:
    from ._operations import MeasurementProcess
    return isinstance(obj, MeasurementProcess)


def _expand_with(name, stop_at, args, kwargs):
    _deprecated_expand(name)
    import warnings
    with warnings.catch_warnings():  # create_expand_fn's own warning: given once, above
        warnings.simplefilter("ignore")
        fn = create_expand_fn(depth=None, stop_at=stop_at)
    return fn(*args, **kwargs)


def expand_multipar(tape, depth=None, **kwargs):
    """PennyLane's deprecated ``qml.transforms.expand_multipar``: ``tape`` with every
    operation that has parameters and no one-term generator (``Rot``, ...) decomposed,
    until none is left (or ``depth`` levels).

    >>> import qsym as qml
    >>> import warnings
    >>> t = qml.tape.QuantumScript([qml.RX(0.5, 0), qml.Rot(0.1, 0.2, 0.3, wires=1)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     [op.name for op in expand_multipar(t).operations]
    ['RX', 'RZ', 'RY', 'RZ']
    """
    return _expand_with("expand_multipar", _multipar_stop, (tape, depth), kwargs)


def _trainable_multipar_stop(op) -> bool:
    return _multipar_stop(op) or not _trainable(op)


def expand_trainable_multipar(tape, depth=None, **kwargs):
    """PennyLane's deprecated ``qml.transforms.expand_trainable_multipar``: as
    :func:`expand_multipar`, for the operations with a trainable parameter only.

    >>> import qsym as qml
    >>> import warnings
    >>> x = qml.numpy.array(0.2, requires_grad=True)
    >>> t = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0), qml.Rot(x, x, x, wires=1)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     [op.name for op in expand_trainable_multipar(t).operations]
    ['Rot', 'RZ', 'RY', 'RZ']
    """
    return _expand_with("expand_trainable_multipar", _trainable_multipar_stop, (tape, depth),
                        kwargs)


def create_expand_trainable_multipar(tape, use_tape_argnum=False):
    """PennyLane's deprecated ``qml.transforms.create_expand_trainable_multipar``:
    :func:`expand_trainable_multipar`, or with ``use_tape_argnum`` an expansion function
    (:func:`create_expand_fn`) of the multi-parameter operations holding one of ``tape``'s
    trainable parameters (``tape.trainable_params``).

    >>> import qsym as qml
    >>> import warnings
    >>> t = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0), qml.RX(0.4, wires=1)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fn = create_expand_trainable_multipar(t, use_tape_argnum=True)
    ...     [op.name for op in fn(t).operations]
    ['RZ', 'RY', 'RZ', 'RX']
    """
    _deprecated_expand("create_expand_trainable_multipar")
    if not use_tape_argnum:
        return expand_trainable_multipar
    trainable_ops = [tape.par_info[i]["op"] for i in tape.trainable_params]

    def stop(op):
        return _multipar_stop(op) or all(op is not t for t in trainable_ops)

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_expand_fn(depth=None, stop_at=stop)


def _unitary_generator_stop(op) -> bool:
    from ._attributes import has_unitary_generator
    return (_is_measurement(op) or len(op.data) == 0
            or (bool(op.has_generator) and op in has_unitary_generator))


def expand_nonunitary_gen(tape, depth=None, **kwargs):
    """PennyLane's deprecated ``qml.transforms.expand_nonunitary_gen``: ``tape`` with
    every parametrized operation whose generator is missing or not unitary (not in
    ``qml.ops.qubit.attributes.has_unitary_generator``: ``PhaseShift``, ``Rot``,
    ``IsingXY``, ...) decomposed until none is left (or ``depth`` levels).

    >>> import qsym as qml
    >>> import warnings
    >>> t = qml.tape.QuantumScript([qml.RX(0.5, 0), qml.PhaseShift(0.2, wires=1)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     expand_nonunitary_gen(t).operations
    [RX(0.5, wires=[0]), RZ(0.2, wires=[1]), GlobalPhase(-0.1, wires=[])]
    """
    return _expand_with("expand_nonunitary_gen", _unitary_generator_stop, (tape, depth), kwargs)


def _valid_trainable_stop(op) -> bool:
    return _is_measurement(op) or not _trainable(op) or op.grad_method is not None


def expand_invalid_trainable(tape, depth=None, **kwargs):
    """PennyLane's deprecated ``qml.transforms.expand_invalid_trainable``: ``tape`` with
    every trainable operation whose ``grad_method`` is None decomposed until each has
    one (or ``depth`` levels); ``tape`` itself when there is none.

    >>> import qsym as qml
    >>> import warnings
    >>> t = qml.tape.QuantumScript([qml.RX(qml.numpy.array(0.5), 0)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     expand_invalid_trainable(t) is t
    True
    """
    return _expand_with("expand_invalid_trainable", _valid_trainable_stop, (tape, depth), kwargs)


_module("tape_expand", "PennyLane's module path of the tape-expansion helpers",
        create_expand_fn=create_expand_fn, expand_multipar=expand_multipar,
        expand_trainable_multipar=expand_trainable_multipar,
        create_expand_trainable_multipar=create_expand_trainable_multipar,
        expand_nonunitary_gen=expand_nonunitary_gen,
        expand_invalid_trainable=expand_invalid_trainable)


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"qml.transforms.{name} is not supported by qsym: the transforms provided are "
        f"{', '.join(sorted(n for n in __all__ if n != 'core'))} (docs/pennylane.md, "
        "'Transforms')")
