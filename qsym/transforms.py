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
    diagonalize_measurements, insert, merge_rotations, remove_barrier, single_qubit_fusion, undo_swaps, unitary_to_rot,
)
from . import _compilation as _compilation_mod
from . import _cnot_synthesis as _cnot_synthesis_mod
from ._cnot_synthesis import parity_matrix, phase_polynomial, rowcol, transpile
from . import _clifford_t as _clifford_t_mod
from ._clifford_t import clifford_t_decomposition
from ._mcm import defer_measurements  # qml.defer_measurements, also here
from . import _splitting as _splitting_mod
from ._splitting import (
    batch_input, batch_params, batch_partial, broadcast_expand, convert_to_numpy_parameters,
    sign_expand, split_non_commuting, split_to_single_terms,
)
from ._tapes import make_qscript as make_tape
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
           "split_to_single_terms", "make_tape", "core", "defer_measurements", "insert",
           "unitary_to_rot", "diagonalize_measurements", "sign_expand", "parity_matrix",
           "phase_polynomial", "rowcol", "transpile", "intermediate_reps",
           "clifford_t_decomposition", "decompositions"]


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
        null_postprocessing=null_postprocessing, ProtectedLevel=ProtectedLevel,
        CotransformCache=CotransformCache, _batch_postprocessing=batch_postprocessing,
        _apply_postprocessing_stack=apply_postprocessing_stack)
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
_module("optimization", "PennyLane's qml.transforms.optimization",
        cancel_inverses=cancel_inverses, merge_rotations=merge_rotations,
        commute_controlled=commute_controlled, single_qubit_fusion=single_qubit_fusion,
        undo_swaps=undo_swaps, remove_barrier=remove_barrier)
optimization = _sys.modules[f"{__name__}.optimization"]
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
_module("transpile", "PennyLane's module path of qml.transforms.transpile", transpile=transpile,
        state_transposition=_cnot_synthesis_mod.state_transposition,
        null_postprocessing=null_postprocessing)

# PennyLane's qml.transforms.decompositions; its clifford_t_transform is qsym's module itself
# (PennyLane's tests set and read its _CLIFFORD_T_CACHE)
decompositions = _module("decompositions", "PennyLane's qml.transforms.decompositions",
                         clifford_t_decomposition=clifford_t_decomposition,
                         clifford_t_transform=_clifford_t_mod)
_sys.modules.setdefault(f"{__name__}.decompositions.clifford_t_transform", _clifford_t_mod)


def create_expand_trainable_multipar(tape, use_tape_argnum=False):
    """PennyLane's deprecated ``create_expand_trainable_multipar`` (an expansion of the
    trainable multi-parameter gates of a tape): importable, not provided; calling it raises
    ``NotImplementedError`` naming it.

    >>> try:
    ...     create_expand_trainable_multipar(None)
    ... except NotImplementedError as exc:
    ...     print(str(exc)[:50])
    qml.transforms.create_expand_trainable_multipar is
    """
    raise NotImplementedError(
        "qml.transforms.create_expand_trainable_multipar is not provided by qsym (deprecated in "
        "PennyLane): decompose the tape with qml.transforms.decompose instead")


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"qml.transforms.{name} is not supported by qsym: the transforms provided are "
        f"{', '.join(sorted(n for n in __all__ if n != 'core'))} (docs/pennylane.md, "
        "'Transforms')")
