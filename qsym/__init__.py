"""qsym: a compiler for gradients of parameterized quantum circuits.

Write circuits as in PennyLane; qsym traces them once into exact symbolic gate
expressions, takes each gate's parameter-shift rule from a proved rule table, and emits
numba-compiled statevector code for the value and the gradient.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(params):
...     qml.RX(params[0], wires=0)
...     qml.RY(params[1], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> qml.grad(circuit, argnum=0)([0.54, 0.12])  # by a list: a list, as PennyLane's
[array(-0.51043865), array(-0.1026782)]

Pipeline: :mod:`qsym._trace` (circuit function -> :class:`qsym._ir.Circuit`) ->
:mod:`qsym._plan` (gradient plan, with the proved rules of :mod:`qsym.rules` for the rows of
the gate table :mod:`qsym._gates`) -> :mod:`qsym._program` (the lowered program) ->
:mod:`qsym._emit` (generated module, cached by :mod:`qsym._cache`) -> :mod:`qsym._runtime`
(QNodes calling the kernels of :mod:`qsym._kernels`); :mod:`qsym._symbolic` gives exact
results and checks. docs/design.md has every module, in import order.
"""

from ._version import __version__  # noqa: E402

import typing as _typing
import logging as _logging  # noqa: E402

# the library's logger: silent unless the application configures logging
# (logging.basicConfig(level=logging.DEBUG) shows traces, compiles, cache use, timings)
_logging.getLogger(__name__).addHandler(_logging.NullHandler())

import os as _os  # noqa: E402

# numba's parallel kernels run on GNU OpenMP where it is installed, whose idle worker
# threads spin before they sleep: on a machine whose cores other processes wait for, the
# spinning takes the CPU the working thread needs, at every barrier (the 2-thread blocked
# adjoint of a 16-wire HEA: 6x slower than one thread with spinning, 1.7x faster without,
# at a load average of about 50). So they wait passively unless the user has chosen
# (OpenMP reads this when it starts, at numba's first parallel launch; docs/design.md,
# "Two threads on one large gradient, measured").
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# first: qsym.cache registers numba's cache locator for qsym's own files (kernels/)
from . import _cache as _cache  # noqa: E402
# the public modules (docs/api/index.md): PennyLane's namespaces and the rule table; every
# other module is internal (docs/design.md, "Public and internal modules")
from . import errors, exceptions, numpy, resource, rules  # noqa: E402
from . import _gates as _gates  # noqa: E402
from .errors import (  # noqa: E402
    ArgumentError,
    MethodError,
    QNodeError,
    DeviceError,
    QuantumFunctionError,
    DifferentiationError,
    GateError,
    MatrixUndefinedError,
    MeasurementError,
    NonDifferentiableError,
    QsymError,
    RemovedGateError,
    RuleError,
    TracingError,
    WireError,
)
from ._operations import (  # noqa: E402
    GATE_CLASSES,
    Hamiltonian,
    Hermitian,
    SparseHamiltonian,
    LinearCombination,
    Projector,
    MeasurementProcess,
    Observable,
    Operation,
    define_gate,
    expval,
    probs,
    sample,
    counts,
    state,
    undefine_gate,
    var,
)
from ._opmath import H, I, X, Y, Z, adjoint, ctrl, dot, generator, ops, prod, s_prod, simplify  # noqa: E402
ops.H, ops.I, ops.X, ops.Y, ops.Z = H, I, X, Y, Z  # PennyLane's qml.ops aliases
from ._opmath import pow  # noqa: E402,A004  (PennyLane's qml.pow)
from ._opmath import ControlledQubitUnitary, ControlledSequence, QuantumPhaseEstimation  # noqa: E402
from ._operations import assert_equal, equal, equal_dispatch as _equal_dispatch  # noqa: E402
from ._opmath import sum  # noqa: E402,A004  (PennyLane's qml.sum)
from ._opmath import evolve, exp  # noqa: E402
from ._opmath import ChangeOpBasis, change_op_basis  # noqa: E402
from . import pauli  # noqa: E402
from .pauli import pauli_decompose  # noqa: E402
from ._opfunctions import check_decomposition_rule as _check_decomposition_rule  # noqa: E402
from ._opfunctions import assert_valid as _assert_valid, commutator, eigvals, is_commuting, map_wires  # noqa: E402

comm = commutator  # PennyLane's alias, qml.comm
from ._opfunctions import is_hermitian, is_unitary  # noqa: E402
from . import _opfunctions as _opfunctions_mod  # noqa: E402
from ._operations import Prod as _Prod, SProd as _SProd, Sum as _Sum  # noqa: E402
from ._operations import swappable_ops as _swappable_ops  # noqa: E402
from ._opmath import Adjoint as _Adjoint, Controlled as _Controlled, Evolution as _Evolution  # noqa: E402
from ._opmath import ControlledOp as _ControlledOp  # noqa: E402
from ._opmath import PennyLaneAdjointOperation as _AdjointOperation  # noqa: E402
from ._opmath import Exp as _Exp, Pow as _Pow, PennyLanePowOperation as _PowOperation  # noqa: E402
from ._opbase import CompositeOp as _CompositeOp, ScalarSymbolicOp as _ScalarSymbolicOp  # noqa: E402
from ._opbase import SymbolicOp as _SymbolicOp  # noqa: E402

# PennyLane's operator-arithmetic classes in qml.ops and qml.ops.op_math, its operator
# functions in qml.ops.functions
ops.op_math = type(ops)(
    Prod=_Prod, Sum=_Sum, SProd=_SProd, LinearCombination=LinearCombination, Adjoint=_Adjoint,
    Controlled=_Controlled, ControlledOp=_ControlledOp, Pow=_Pow, Exp=_Exp, Evolution=_Evolution,
    prod=prod, sum=sum, s_prod=s_prod, dot=dot, adjoint=adjoint, ctrl=ctrl, exp=exp,
    evolve=evolve, ChangeOpBasis=ChangeOpBasis, change_op_basis=change_op_basis)
for _name in ("Prod", "Sum", "SProd", "Adjoint", "Controlled", "ControlledOp", "Pow", "Exp",
              "Evolution", "ChangeOpBasis"):
    setattr(ops, _name, getattr(ops.op_math, _name))
# PennyLane's module paths (``from pennylane.ops.op_math.prod import Prod``): the names
# each holds; as attributes (qml.ops.op_math.sprod.SProd) and as import paths (sys.modules)
_OP_MATH_MODULES = {
    "prod": dict(Prod=_Prod, prod=prod, _swappable_ops=_swappable_ops), "sum": dict(Sum=_Sum, sum=sum),
    "sprod": dict(SProd=_SProd, s_prod=s_prod),
    "adjoint": dict(Adjoint=_Adjoint, adjoint=adjoint, AdjointOperation=_AdjointOperation),
    "controlled": dict(Controlled=_Controlled, ControlledOp=_ControlledOp, ctrl=ctrl),
    "pow": dict(Pow=_Pow, pow=pow, PowOperation=_PowOperation), "exp": dict(Exp=_Exp, exp=exp),
    "evolution": dict(Evolution=_Evolution),
    "change_op_basis": dict(ChangeOpBasis=ChangeOpBasis, change_op_basis=change_op_basis),
    "linear_combination": dict(LinearCombination=LinearCombination),
    "decompositions": dict(one_qubit_decomposition=ops.one_qubit_decomposition,
                           two_qubit_decomposition=ops.two_qubit_decomposition,
                           multi_qubit_decomposition=ops.multi_qubit_decomposition),
    # PennyLane's module of the controlled gates (its private Toffoli rule: _unsupported)
    "controlled_ops": dict(ControlledQubitUnitary=ControlledQubitUnitary,
                           CPhase=GATE_CLASSES["ControlledPhaseShift"],
                           **{n: GATE_CLASSES[n] for n in (
                               "CH", "CY", "CZ", "CSWAP", "CCZ", "CNOT", "Toffoli",
                               "MultiControlledX", "CRX", "CRY", "CRZ", "CRot",
                               "ControlledPhaseShift")}),
}
ops.qubit = type(ops)(**GATE_CLASSES)  # PennyLane's qml.ops.qubit: the gates
ops.qubit.__all__ = sorted(GATE_CLASSES)
ops.functions = type(ops)(
    assert_valid=_assert_valid, is_commuting=is_commuting, commutator=commutator,
    map_wires=map_wires, eigvals=eigvals, equal=equal, assert_equal=assert_equal,
    dot=dot, simplify=simplify, generator=generator, evolve=evolve,
    is_hermitian=is_hermitian, is_unitary=is_unitary)
from . import templates  # noqa: E402
from . import _template_core  # noqa: E402
from ._template_core import AbstractArray as _AbstractArray, Subroutine as _Subroutine  # noqa: E402
from ._template_core import SubroutineOp as _SubroutineOp  # noqa: E402
from ._template_core import CollectedSubroutine as _CollectedSubroutine  # noqa: E402
# PennyLane 0.45's qml.templates.Subroutine, SubroutineOp, AbstractArray (module qml.templates.core)
templates.Subroutine, templates.SubroutineOp, templates.AbstractArray = _Subroutine, _SubroutineOp, _AbstractArray
templates.core = __import__("sys").modules[f"{__name__}.templates.core"] = _template_core
templates.CollectedSubroutine = _CollectedSubroutine
from .templates import layer  # noqa: E402
from .templates import (  # noqa: E402
    QubitCarry,
    IntegerComparator,
    QubitSum,
    AmplitudeEmbedding,
    AngleEmbedding,
    ApproxTimeEvolution,
    BasicEntanglerLayers,
    BasisEmbedding,
    BasisState,
    FlipSign,
    GroverOperator,
    IQPEmbedding,
    MottonenStatePreparation,
    QAOAEmbedding,
    QFT,
    AQFT,
    TwoLocalSwapNetwork,
    SimplifiedTwoDesign,
    StatePrep,
    StronglyEntanglingLayers,
    Barrier,
    QubitDensityMatrix,
    WireCut,
    Permute,
    RandomLayers,
    ArbitraryUnitary,
    ArbitraryStatePreparation,
    FermionicSingleExcitation,
    FermionicDoubleExcitation,
    AllSinglesDoubles,
    UCCSD,
    kUpCCGSD,
    GateFabric,
    ParticleConservingU1,
    ParticleConservingU2,
    DiagonalQubitUnitary,
    SelectPauliRot,
    MPS,
    TTN,
    MERA,
    TrotterProduct,
    CommutingEvolution,
    SpecialUnitary,
    TrotterizedQfunc,
    trotterize,
)
ops.qubit.SpecialUnitary = SpecialUnitary  # PennyLane's qml.ops.qubit.special_unitary
# PennyLane's modules of the parametric gates (qml.ops.qubit.parametric_ops_single_qubit.RX)
ops.qubit.parametric_ops_single_qubit = type(ops)(**{n: GATE_CLASSES[n] for n in (
    "RX", "RY", "RZ", "PhaseShift", "Rot", "U1", "U2", "U3")})
ops.qubit.parametric_ops_multi_qubit = type(ops)(**{n: GATE_CLASSES[n] for n in (
    "MultiRZ", "PauliRot", "PCPhase", "IsingXX", "IsingYY", "IsingZZ", "IsingXY", "PSWAP",
    "CPhaseShift00", "CPhaseShift01", "CPhaseShift10")})
# PennyLane's qml.ops.qubit.observables (from pennylane.ops.qubit.observables import ...)
from ._operations import BasisStateProjector as _BSP, StateVectorProjector as _SVP  # noqa: E402
ops.qubit.observables = type(ops)(
    Hermitian=Hermitian, Projector=Projector, BasisStateProjector=_BSP, StateVectorProjector=_SVP,
    SparseHamiltonian=SparseHamiltonian)
ops.qubit.Hermitian, ops.qubit.Projector = Hermitian, Projector
ops.qubit.BasisStateProjector, ops.qubit.StateVectorProjector = _BSP, _SVP
ops.qubit.SparseHamiltonian = SparseHamiltonian
ops.qubit.special_unitary = type(ops)(
    SpecialUnitary=SpecialUnitary, TmpPauliRot=templates.TmpPauliRot, pauli_basis_strings=templates.pauli_basis_strings,
    pauli_basis_matrices=templates.pauli_basis_matrices, _pauli_letters="IXYZ",
    _pauli_matrices=templates.pauli_matrices())
from . import _attributes as _attributes_mod  # noqa: E402
ops.qubit.attributes = _attributes_mod  # PennyLane's qml.ops.qubit.attributes (Attribute, sets)
from ._subroutines import (  # noqa: E402
    SUBROUTINES as _SUBROUTINES,
    AmplitudeAmplification,
    BlockEncode,
    CosineWindow,
    HilbertSchmidt,
    LocalHilbertSchmidt,
    PrepSelPrep,
    QDrift,
    QROM,
    Qubitization,
    Reflection,
    Select,
)
for _n, _cls in _SUBROUTINES.items():  # PennyLane's qml.templates.subroutines.<name> too
    setattr(templates.subroutines, _n, _cls)
    setattr(templates, _n, _cls)
from ._subroutines import time_evolution as _time_evolution  # noqa: E402
templates.subroutines.time_evolution = _time_evolution
from ._arithmetic import (  # noqa: E402
    ARITHMETIC as _ARITHMETIC,
    Adder,
    ModExp,
    Multiplier,
    OutAdder,
    OutMultiplier,
    OutPoly,
    PhaseAdder,
    SemiAdder,
    TemporaryAND,
)
from ._qsvt import GQSP, QSVT, poly_to_angles, qsvt, transform_angles  # noqa: E402
from . import _select  # noqa: E402,F401  (Select's decomposition rules)
from ._qram import BBQRAM, HybridQRAM, SelectOnlyQRAM  # noqa: E402
for _cls in (BBQRAM, HybridQRAM, SelectOnlyQRAM):  # qml.templates(.subroutines).<name>
    setattr(templates.subroutines, _cls.__name__, _cls)
    setattr(templates, _cls.__name__, _cls)
templates.subroutines.qram = __import__("sys").modules[f"{__name__}.templates.subroutines.qram"]
Elbow = TemporaryAND  # PennyLane's alias
for _n, _cls in _ARITHMETIC.items():  # qml.templates.subroutines.<name> and .arithmetic
    setattr(templates.subroutines, _n, _cls)
    setattr(templates, _n, _cls)
templates.subroutines.arithmetic = __import__("sys").modules[f"{__name__}.templates.subroutines.arithmetic"]
templates.subroutines.QSVT = templates.QSVT = QSVT
templates.subroutines.GQSP = templates.GQSP = GQSP
templates.subroutines.qsvt = __import__("sys").modules[f"{__name__}.templates.subroutines.qsvt"]
from ._sum_of_slaters import SumOfSlatersPrep  # noqa: E402
templates.state_preparations.SumOfSlatersPrep = templates.SumOfSlatersPrep = SumOfSlatersPrep
templates.state_preparations.sum_of_slaters = __import__("sys").modules[
    f"{__name__}.templates.state_preparations.sum_of_slaters"]
from ._state_preparations import (  # noqa: E402
    STATE_PREPARATIONS as _STATE_PREPARATIONS,
    MPSPrep,
    MultiplexerStatePreparation,
    QROMStatePreparation,
    Superposition,
)
from ._encodings import ENCODINGS as _ENCODINGS, FABLE, IQP, BasisRotation, QuantumMonteCarlo  # noqa: E402
for _n, _cls in _STATE_PREPARATIONS.items():  # qml.templates.state_preparations.<name>
    setattr(templates.state_preparations, _n, _cls)
    setattr(templates, _n, _cls)
from ._state_preparations import order_states as _order_states  # noqa: E402
templates.state_preparations.order_states = templates.order_states = _order_states  # (PennyLane's)
particle_conserving_u2 = templates.layers.particle_conserving_u2  # (PennyLane's qml.<module>)
for _n, _cls in _ENCODINGS.items():  # qml.templates.subroutines.<name>
    setattr(templates.subroutines, _n, _cls)
    setattr(templates, _n, _cls)
del _n, _cls
from ._runtime import QNode, Tracker, device, grad, hessian, jacobian, qnode, set_shots  # noqa: E402
from ._runtime import jvp, value_and_grad, vjp  # noqa: E402
from . import devices, math, measurements, optimize, wires  # noqa: E402
from .wires import registers  # noqa: E402
from . import qaoa  # noqa: E402
from . import spin  # noqa: E402
from . import fermi  # noqa: E402
# (qml.qchem, qml.liealg, qml.estimator: loaded at first use, __getattr__ below)
from .fermi import FermiA, FermiC, FermiSentence, FermiWord, bravyi_kitaev, jordan_wigner, parity_transform  # noqa: E402
from . import bose  # noqa: E402
from .bose import BoseSentence, BoseWord, binary_mapping, christiansen_mapping, unary_mapping  # noqa: E402
from ._unsupported import CHANNELS as _CHANNELS  # noqa: E402
from ._noise import CHANNEL_CLASSES as _CHANNEL_CLASSES, Channel as _Channel  # noqa: E402
from ._mcm import cond, iterative_qpe, measure, pauli_measure  # noqa: E402
from ._deferral import defer_measurements  # noqa: E402
from ._one_shot import dynamic_one_shot  # noqa: E402
from . import _mcm as _mcm  # noqa: E402

# PennyLane's mid-circuit measurement classes in qml.ops (and qml.ops.mid_measure)
ops.mid_measure = type(ops)(
    MidMeasure=_mcm.MidMeasure, MeasurementValue=_mcm.MeasurementValue, measure=measure,
    get_mcm_predicates=_mcm.get_mcm_predicates, PauliMeasure=_mcm.PauliMeasure)
for _name in ("MidMeasure", "MeasurementValue", "measure", "get_mcm_predicates", "PauliMeasure"):
    setattr(ops, _name, getattr(ops.mid_measure, _name))
ops.Conditional = ops.op_math.Conditional = _mcm.Conditional
ops.cond = ops.op_math.cond = cond
_OP_MATH_MODULES["condition"] = dict(Conditional=_mcm.Conditional, cond=cond)  # its module path
from ._opmath import PennyLaneOperation as _PennyLaneOperation  # noqa: E402
ops.Operation = _PennyLaneOperation  # PennyLane's qml.ops.Operation (isinstance checks)
from ._operations import density_matrix, mutual_info, purity, vn_entropy  # noqa: E402
from ._shadows import ClassicalShadow, classical_shadow, shadow_expval  # noqa: E402
from . import _unsupported as _unsupported  # noqa: E402
from . import _cv as _cv  # noqa: E402
from ._drawing import Snapshot, draw, matrix, specs  # noqa: E402
ops.functions.matrix = matrix


def _register_device_paths():
    import sys as _sys

    # PennyLane's functional simulator qml.devices.qubit (create_initial_state,
    # apply_operation, measure, measure_with_samples, simulate, adjoint_jacobian, ...), and
    # its modules pennylane.devices.qubit.{apply_operation, measure, sampling, simulate,
    # initialize_state, adjoint_jacobian}: each is qsym._functional_qubit (one module, so a
    # patch of a helper there reaches its callers); simulate's module keeps
    # combine_measurements_core and measurement_with_no_shots (qsym._one_shot's)
    from . import _functional_qubit as _fq
    devices.qubit = type(ops)(**{_n: getattr(_fq, _n) for _n in _fq.__all__})
    _sys.modules[f"{__name__}.devices.qubit"] = devices.qubit
    for _m in ("apply_operation", "measure", "sampling", "simulate", "initialize_state",
               "adjoint_jacobian"):
        _sys.modules[f"{__name__}.devices.qubit.{_m}"] = _fq
        if not hasattr(devices.qubit, _m):  # qml.devices.qubit.sampling (a module there too)
            setattr(devices.qubit, _m, _fq)
    # PennyLane's functional density-matrix simulator qml.devices.qubit_mixed and its modules
    # pennylane.devices.qubit_mixed.{apply_operation, ...}: each is qsym._functional_mixed
    from . import _functional_mixed as _fm
    # default.mixed's preprocessing decomposes what is not in its gate set (PennyLane's)
    devices.DefaultMixed.gate_stopping_condition = staticmethod(_fm.stopping_condition)
    devices.qubit_mixed = type(ops)(**{_n: getattr(_fm, _n) for _n in _fm.__all__})
    _sys.modules[f"{__name__}.devices.qubit_mixed"] = devices.qubit_mixed
    for _m in ("apply_operation", "measure", "sampling", "simulate", "initialize_state"):
        _sys.modules[f"{__name__}.devices.qubit_mixed.{_m}"] = _fm
    devices.default_mixed = transforms.module_path(
        "qsym.devices", "default_mixed", "PennyLane's qml.devices.default_mixed",
        DefaultMixed=devices.DefaultMixed, simulate=_fm.simulate,
        **{_n: getattr(_fm, _n) for _n in ("stopping_condition", "observable_stopping_condition",
                                            "DEFAULT_MIXED_GATES", "observables", "operations")})


def _register_op_paths():
    import sys as _sys

    from . import _controlled_decompositions as _cdec
    from . import _gridsynth, _linalg, _opmath

    # PennyLane's controlled decompositions: qml.ops.ctrl_decomp_zyz, ..., and both module
    # paths of them (the module itself: its functions look each other up there)
    for _n in ("ctrl_decomp_zyz", "ctrl_decomp_bisect"):
        setattr(ops, _n, getattr(_cdec, _n))
        setattr(ops.op_math, _n, getattr(_cdec, _n))
    _OP_MATH_MODULES["controlled"]["_is_single_qubit_special_unitary"] = \
        _cdec.is_single_qubit_special_unitary
    _OP_MATH_MODULES["decompositions"].update(ctrl_decomp_zyz=_cdec.ctrl_decomp_zyz,
                                              ctrl_decomp_bisect=_cdec.ctrl_decomp_bisect)
    # Ross-Selinger Clifford+T synthesis: qml.ops.rs_decomposition and PennyLane's modules
    # pennylane.ops.op_math.decompositions.{rings, norm_solver, grid_problems, ...}
    ops.rs_decomposition = ops.op_math.rs_decomposition = _gridsynth.rs_decomposition
    _OP_MATH_MODULES["decompositions"]["rs_decomposition"] = _gridsynth.rs_decomposition
    for _mod, _names in _OP_MATH_MODULES.items():
        _holder = getattr(ops.op_math, _mod, None)
        if _holder is None or isinstance(_holder, type):
            _holder = type(ops)()
            setattr(ops.op_math, _mod, _holder)
        for _n, _v in _names.items():
            setattr(_holder, _n, _v)  # on qml.prod itself too: qml.ops.op_math.prod.Prod
        _sys.modules[f"{__name__}.ops.op_math.{_mod}"] = type(ops)(**_names)
    # pennylane.ops.op_math.decompositions.unitary_decompositions (its _compute_num_cnots
    # is qsym's compute_num_cnots)
    ops.op_math.decompositions.unitary_decompositions = _sys.modules[
        f"{__name__}.ops.op_math.decompositions.unitary_decompositions"] = type(ops)(
        one_qubit_decomposition=ops.one_qubit_decomposition,
        two_qubit_decomposition=ops.two_qubit_decomposition,
        multi_qubit_decomposition=ops.multi_qubit_decomposition,
        _compute_num_cnots=_linalg.compute_num_cnots, compute_num_cnots=_linalg.compute_num_cnots,
        _compute_udv=_linalg.demultiplex)
    ops.op_math.controlled_decompositions = ops.op_math.decompositions.controlled_decompositions = _cdec
    for _mod, _names in _gridsynth.PENNYLANE_MODULES.items():
        _holder = type(ops)(**_names)
        setattr(ops.op_math.decompositions, _mod, _holder)
        _sys.modules[f"{__name__}.ops.op_math.decompositions.{_mod}"] = _holder
    _sys.modules[f"{__name__}.ops.op_math.controlled_decompositions"] = _cdec
    _sys.modules[f"{__name__}.ops.op_math.decompositions.controlled_decompositions"] = _cdec
    _sys.modules[f"{__name__}.ops"] = ops
    _sys.modules[f"{__name__}.ops.op_math"] = ops.op_math
    _sys.modules[f"{__name__}.ops.functions"] = ops.functions
    # from pennylane.ops.functions.equal import assert_equal, ...: PennyLane's module of
    # qml.equal; its _equal_dispatch (True, or why two operators differ; types can register)
    _sys.modules[f"{__name__}.ops.functions.equal"] = type(ops)(
        equal=equal, assert_equal=assert_equal, _equal_dispatch=_equal_dispatch,
        OPERANDS_MISMATCH_ERROR_MESSAGE="op1 and op2 have different operands because ",
        BASE_OPERATION_MISMATCH_ERROR_MESSAGE="op1 and op2 have different base operations because ")
    # from pennylane.ops.functions.is_commuting import _check_mat_commutation, _get_target_name
    _sys.modules[f"{__name__}.ops.functions.is_commuting"] = type(ops)(
        is_commuting=is_commuting, _check_mat_commutation=_opfunctions_mod.matrices_commute,
        _get_target_name=_opfunctions_mod.target_name)
    _sys.modules[f"{__name__}.ops.mid_measure"] = ops.mid_measure
    # from pennylane.ops.functions.assert_valid import _test_decomposition_rule
    _sys.modules[f"{__name__}.ops.functions.assert_valid"] = type(ops)(
        assert_valid=_assert_valid, _test_decomposition_rule=_check_decomposition_rule)
    _sys.modules[f"{__name__}.ops.qubit"] = ops.qubit
    _sys.modules[f"{__name__}.ops.qubit.special_unitary"] = ops.qubit.special_unitary
    _sys.modules[f"{__name__}.ops.qubit.observables"] = ops.qubit.observables
    _sys.modules[f"{__name__}.ops.qubit.attributes"] = ops.qubit.attributes
    # from pennylane.ops.qubit.matrix_ops import QubitUnitary, _walsh_hadamard_transform, ...
    _sys.modules[f"{__name__}.ops.qubit.matrix_ops"] = ops.qubit.matrix_ops = type(ops)(
        QubitUnitary=QubitUnitary, DiagonalQubitUnitary=DiagonalQubitUnitary,
        BlockEncode=BlockEncode, _walsh_hadamard_transform=_opmath.walsh_hadamard_transform,
        fractional_matrix_power=_opmath.fractional_matrix_power)
    _sys.modules[f"{__name__}.queuing"] = queuing  # from pennylane.queuing import AnnotatedQueue
    _sys.modules[f"{__name__}.operation"] = operation
    # from pennylane.noise.insert_ops import insert; PennyLane's modules of the noise
    # models (pennylane.noise.conditionals, .noise_model, .add_noise, pennylane.boolean_fn)
    _sys.modules[f"{__name__}.noise"] = noise
    _sys.modules[f"{__name__}.noise.insert_ops"] = type(ops)(insert=transforms.insert)
    _sys.modules[f"{__name__}.noise.conditionals"] = _noise_models
    _sys.modules[f"{__name__}.noise.noise_model"] = type(ops)(NoiseModel=NoiseModel)
    _sys.modules[f"{__name__}.noise.add_noise"] = type(ops)(
        add_noise=add_noise, _get_transform_program=_resolution.transform_program_at)
    _sys.modules[f"{__name__}.noise.mitigate"] = type(ops)(**_MITIGATION, _polyfit=_mitigate.polyfit)
    _sys.modules[f"{__name__}.boolean_fn"] = type(ops)(**{
        _n: getattr(_noise_models, _n) for _n in ("BooleanFn", "And", "Or", "Xor", "Not")})
    # from pennylane.decomposition.reconstruct import get_decomp_kwargs
    decomposition.reconstruct = type(ops)(get_decomp_kwargs=decomposition.get_decomp_kwargs)
    _sys.modules[f"{__name__}.decomposition.reconstruct"] = decomposition.reconstruct
    # from pennylane.devices.execution_config import ExecutionConfig, MCMConfig, ...
    devices.execution_config = type(ops)(**{_n: getattr(devices, _n) for _n in (
        "ExecutionConfig", "MCMConfig", "FrozenMapping", "MCM_METHOD", "POSTSELECT_MODE")})
    _sys.modules[f"{__name__}.devices.execution_config"] = devices.execution_config
    # pennylane.devices.capabilities (DeviceCapabilities from TOML, ...): qsym._capabilities
    from . import _capabilities
    devices.capabilities = _sys.modules[f"{__name__}.devices.capabilities"] = _capabilities
    # from pennylane.optimize.qng import QNGOptimizer, _flatten_np, _unflatten_np
    optimize.qng.QNGOptimizer = QNGOptimizer
    _sys.modules[f"{__name__}.optimize.qng"] = optimize.qng

from . import _drawing as _drawing_mod  # noqa: E402
from . import _text_drawer as _tape_text_mod  # noqa: E402
from . import _mpl_drawer  # noqa: E402
from ._mpl_drawer import draw_mpl  # noqa: E402

# PennyLane's qml.drawer: draw, draw_mpl, tape_text (its layered text drawer), tape_mpl and
# MPLDrawer with the styles, utils (its other internals are not provided: qml.drawer.<name>
# raises an AttributeError that says so); importable by PennyLane's module paths
# (pennylane.drawer.tape_text, .drawable_layers, ._add_obj: qsym._text_drawer holds all
# three; .mpldrawer, .style, .tape_mpl: qsym._mpl_drawer)
drawer = _unsupported.partial_namespace(
    "drawer", draw=draw, draw_mpl=draw_mpl, use_style=_mpl_drawer.use_style,
    available_styles=_mpl_drawer.available_styles, tape_text=_tape_text_mod.tape_text,
    drawable_layers=_tape_text_mod, tape_mpl=_mpl_drawer.tape_mpl,
    MPLDrawer=_mpl_drawer.MPLDrawer, style=_mpl_drawer, mpldrawer=_mpl_drawer,
    utils=_unsupported.partial_namespace("drawer.utils", **{
        n: getattr(_drawing_mod, n) for n in ("default_wire_map", "convert_wire_order",
                                              "unwrap_controls", "default_bit_map",
                                              "cwire_connections")}))
__import__("sys").modules[f"{__name__}.drawer"] = drawer
__import__("sys").modules[f"{__name__}.drawer.utils"] = drawer.utils
for _m in ("tape_text", "drawable_layers", "_add_obj"):
    __import__("sys").modules[f"{__name__}.drawer.{_m}"] = _tape_text_mod
for _m in ("style", "mpldrawer", "tape_mpl"):
    __import__("sys").modules[f"{__name__}.drawer.{_m}"] = _mpl_drawer
from . import _labelled_ops  # noqa: E402
# qml.drawer.label (the function) and PennyLane's module path qml.drawer.label.LabelledOp
drawer.label = _labelled_ops.label
_label_path = __import__("types").ModuleType(f"{__name__}.drawer.label", "PennyLane's qml.drawer.label")
_label_path.LabelledOp, _label_path.label = _labelled_ops.LabelledOp, _labelled_ops.label
__import__("sys").modules[_label_path.__name__] = _label_path
# PennyLane's qml.tape, qml.queuing and qml.operation: the names qsym provides (for
# inspecting gates and decompositions); their other names raise an AttributeError
from ._opmath import AnnotatedQueue as _AnnotatedQueue, QueuingManager, WrappedObj as _WrappedObj  # noqa: E402
from . import tape  # noqa: E402
from ._tapes import UNSET_BATCH_SIZE as _UNSET, apply, user_execute as execute  # noqa: E402
from ._tapes import process_queue as _process_queue  # noqa: E402
from ._tapes import bind_new_parameters as _bind_new_parameters  # noqa: E402
from . import _operator_checks  # noqa: E402,F401  (assert_valid of operator classes users write)
from ._circuit_graph import CircuitGraph  # noqa: E402
from . import _circuit_graph as _circuit_graph  # noqa: E402
ops.functions.bind_new_parameters = _bind_new_parameters  # qml.ops.functions.bind_new_parameters
queuing = _unsupported.partial_namespace("queuing", AnnotatedQueue=_AnnotatedQueue,
                                         QueuingManager=QueuingManager, WrappedObj=_WrappedObj,
                                         apply=apply, process_queue=_process_queue)
# qml.capture: enabled() is False; its entry points are refused (PennyLane's tests import them)
capture = _unsupported.partial_namespace("capture", enabled=_unsupported.capture_enabled,
                                         run_autograph=_unsupported.capture_refused,
                                         enable=_unsupported.capture_refused)
__import__("sys").modules[f"{__name__}.capture"] = capture
from ._opmath import Operator as _Operator  # noqa: E402
from ._operations import StatePrepBase as _StatePrepBase, classproperty as _classproperty  # noqa: E402
from ._opmath import operation_derivative as _operation_derivative, is_trainable as _is_trainable  # noqa: E402
operation = _unsupported.partial_namespace(
    "operation", Operation=_PennyLaneOperation, Operator=_Operator, Channel=_Channel,
    CV=_cv.CVOperator, CVOperation=_cv.CVOperation, CVObservable=_cv.CVObservable,
    StatePrepBase=_StatePrepBase,
    classproperty=_classproperty,
    operation_derivative=_operation_derivative, is_trainable=_is_trainable,
    expand_matrix=math.expand_matrix,  # (PennyLane's qml.operation.expand_matrix is it)
    PowUndefinedError=exceptions.PowUndefinedError,
    DecompositionUndefinedError=exceptions.DecompositionUndefinedError,
    AdjointUndefinedError=exceptions.AdjointUndefinedError,
    MatrixUndefinedError=exceptions.MatrixUndefinedError,
    SparseMatrixUndefinedError=exceptions.SparseMatrixUndefinedError,
    EigvalsUndefinedError=exceptions.EigvalsUndefinedError,
    ParameterFrequenciesUndefinedError=exceptions.ParameterFrequenciesUndefinedError,
    GeneratorUndefinedError=exceptions.GeneratorUndefinedError,
    DiagGatesUndefinedError=exceptions.DiagGatesUndefinedError,
    TermsUndefinedError=exceptions.TermsUndefinedError,
    _UNSET_BATCH_SIZE=_UNSET)  # PennyLane's sentinel of a batch size not computed yet
from ._symbolic import check, expectation, gradient  # noqa: E402
from ._aot import (  # noqa: E402
    CompiledCircuit, ExportError, compile, file_sha256, load, read_metadata,
)
from .optimize import (  # noqa: E402
    AdagradOptimizer,
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    NesterovMomentumOptimizer,
    RMSPropOptimizer,
    SPSAOptimizer,
    RotosolveOptimizer,
    RotoselectOptimizer,
)
from ._minimize import OptimizeResult, minimize  # noqa: E402
from ._distributed import WorkerError, sweep  # noqa: E402
from ._about import about  # noqa: E402


def _register_about_path():
    """PennyLane's module path: ``importlib.import_module("qsym.about")`` is the module (its
    ``about()``, ``catalyst_version``), while ``qml.about`` stays the function, as in PennyLane."""
    import sys as _sys

    _sys.modules[f"{__name__}.about"] = _sys.modules[f"{__name__}._about"]


_register_about_path()
from ._natural_gradient import MomentumQNGOptimizer, QNGOptimizer  # noqa: E402
from ._metric_tapes import metric_tensor  # noqa: E402
from ._qnspsa import QNSPSAOptimizer  # noqa: E402
optimize.QNGOptimizer = QNGOptimizer  # PennyLane's qml.optimize.QNGOptimizer
optimize.MomentumQNGOptimizer = MomentumQNGOptimizer
optimize.QNSPSAOptimizer = QNSPSAOptimizer
from . import gradients  # noqa: E402
from .gradients import adjoint_metric_tensor  # noqa: E402
from ._riemannian import RiemannianGradientOptimizer  # noqa: E402
optimize.RiemannianGradientOptimizer = RiemannianGradientOptimizer
from . import _adaptive  # noqa: E402
from ._adaptive import AdaptiveOptimizer  # noqa: E402
optimize.AdaptiveOptimizer = AdaptiveOptimizer
optimize.adaptive = _adaptive  # (PennyLane's module qml.optimize.adaptive: append_gate)
from . import _shot_adaptive  # noqa: E402
from ._shot_adaptive import ShotAdaptiveOptimizer  # noqa: E402
optimize.ShotAdaptiveOptimizer = ShotAdaptiveOptimizer
optimize.shot_adaptive = _shot_adaptive  # (PennyLane's module qml.optimize.shot_adaptive)
from . import _device_api as _device_api  # noqa: E402  (the device API methods on Device)
from . import _null_qubit as _null_qubit  # noqa: E402  (qml.device("null.qubit"))
# default.gaussian (qsym._gaussian): PennyLane's device module, qml.gradients.param_shift_cv
from . import _gaussian as _gaussian  # noqa: E402
devices.default_gaussian = __import__("sys").modules[f"{__name__}.devices.default_gaussian"] = _gaussian
gradients.parameter_shift_cv = __import__("sys").modules.setdefault(
    f"{__name__}.gradients.parameter_shift_cv", _gaussian)
from . import _device_modifiers as _device_modifiers  # noqa: E402
# PennyLane's qml.devices.modifiers (single_tape_support, simulator_tracking)
devices.modifiers = __import__("sys").modules[f"{__name__}.devices.modifiers"] = _device_modifiers
from . import _resolution as _resolution  # noqa: E402  (qml.workflow's resolution functions)
from . import _jacobian_products as _jacobian_products  # noqa: E402  (qml.workflow.jacobian_products)
from . import _workflow_run as _workflow_run  # noqa: E402  (qml.workflow.run, _setup_transform_program)
from . import _preprocess as _preprocess  # noqa: E402
from . import workflow  # noqa: E402
from .workflow import marker  # noqa: E402  (qml.marker: a named level of a QNode's pipeline)
from . import transforms  # noqa: E402
# qml.simplify and qml.map_wires of tapes, QNodes and circuit functions too (PennyLane's)
from ._op_transforms import eigvals, map_wires, simplify  # noqa: E402
ops.functions.map_wires, ops.functions.simplify, ops.functions.eigvals = map_wires, simplify, eigvals
from . import allocation  # noqa: E402  (qml.allocate: dynamic wires)
from .allocation import allocate, deallocate  # noqa: E402
transforms.rz_phase_gradient = __import__("sys").modules[f"{__name__}.transforms.rz_phase_gradient"].rz_phase_gradient
# PennyLane's qml.noise: the noise models (qsym._noise_models), insert
from . import _noise_models as _noise_models  # noqa: E402
from . import _legacy_device as _legacy_device  # noqa: E402  (qml.devices.QubitDevice & co)
from ._noise_models import BooleanFn, NoiseModel, add_noise  # noqa: E402
from . import _mitigate as _mitigate  # noqa: E402
_MITIGATION = {_n: getattr(_mitigate, _n) for _n in (
    "mitigate_with_zne", "fold_global", "poly_extrapolate", "richardson_extrapolate",
    "exponential_extrapolate")}
noise = _unsupported.partial_namespace(
    "noise", insert=transforms.insert, NoiseModel=NoiseModel, add_noise=add_noise,
    **_MITIGATION, **{_n: getattr(_noise_models, _n) for _n in (
        "wires_in", "wires_eq", "op_in", "op_eq", "meas_eq", "partial_wires")})
for _n, _v in _MITIGATION.items():  # PennyLane's qml.transforms.mitigate_with_zne, ...
    setattr(transforms, _n, _v)
from .transforms import (  # noqa: E402
    CompilePipeline, apply_controlled_Q, batch_input, batch_params, batch_partial,
    clifford_t_decomposition, commutation_dag, decomp_inspector, decompose, pattern_matching,
    pattern_matching_optimization, quantum_monte_carlo, transform,
)
from . import pytrees  # noqa: E402  (qml.fourier, qml.kernels: loaded at first use)
# qml.compile (ahead of time, or PennyLane's compile transform without example arguments)
# stands for the transform where a pipeline takes one (pipeline.add_transform(qml.compile))
compile.pennylane_transform = transforms.compile
compile.tape_transform = transforms.compile.tape_transform  # (PennyLane's compile's)
from . import _pulse, _pulse_hardware  # noqa: E402


def _register_pulse():
    """``qml.pulse``: PennyLane's pulse objects (their evolution's matrix integrated; circuits
    refuse pulses) and its module paths ``qml.pulse.parametrized_hamiltonian``, ..."""
    import sys as _sys
    hw = {n: getattr(_pulse_hardware, n) for n in _pulse_hardware.__all__}
    hw.update(_reorder_parameters=vars(_pulse_hardware)["_reorder_parameters"],
              _reorder_AmpPhaseFreq=vars(_pulse_hardware)["_reorder_AmpPhaseFreq"])
    names = {n: hw[n] for n in (
        "HardwareHamiltonian", "HardwarePulse", "drive", "rydberg_interaction",
        "rydberg_drive", "transmon_interaction", "transmon_drive", "rect", "pwc",
        "pwc_from_function")}
    ns = _unsupported.partial_namespace(
        "pulse", ParametrizedHamiltonian=_pulse.ParametrizedHamiltonian,
        ParametrizedEvolution=_pulse.ParametrizedEvolution, constant=_pulse.constant, **names)
    _sys.modules[f"{__name__}.pulse"] = ns
    parts = {
        "parametrized_hamiltonian": dict(ParametrizedHamiltonian=_pulse.ParametrizedHamiltonian),
        "parametrized_evolution": dict(ParametrizedEvolution=_pulse.ParametrizedEvolution),
        "convenience_functions": {n: hw.get(n, _pulse.constant) for n in (
            "constant", "rect", "pwc", "pwc_from_function")},
        "hardware_hamiltonian": {n: hw[n] for n in (
            "HardwareHamiltonian", "HardwarePulse", "AmplitudeAndPhase", "amplitude_and_phase",
            "drive", "_reorder_parameters")},
        "rydberg": {n: hw[n] for n in ("rydberg_interaction", "rydberg_drive",
                                       "RydbergSettings")},
        "transmon": {n: hw[n] for n in (
            "transmon_interaction", "transmon_drive", "TransmonSettings",
            "AmplitudeAndPhaseAndFreq", "_reorder_AmpPhaseFreq", "a", "ad",
            "callable_freq_to_angular")},
    }
    for mod, held in parts.items():
        object.__setattr__(ns, mod, transforms.module_path(
            f"{__name__}.pulse", mod, f"PennyLane's qml.pulse.{mod}", **held))
    return ns


pulse = _register_pulse()
from . import shadows  # noqa: E402
# (qml.qcut, PennyLane's circuit cutting: loaded at first use, __getattr__ below)
from . import debugging  # noqa: E402  (PennyLane's qml.debugging: snapshots, the debugger)
from .debugging import breakpoint, debug_expval, debug_probs, debug_state, debug_tape, snapshots  # noqa: E402
from . import typing  # noqa: E402  (PennyLane's qml.typing)
from . import decomposition  # noqa: E402
gate_sets = decomposition.gate_sets  # PennyLane's qml.gate_sets
from .decomposition import (  # noqa: E402
    add_decomps, list_decomps, register_condition, register_resources, resource_rep,
)

# one class per gate-table row: qml.RX, qml.CNOT, ... qsym's own gates are fixed, bound
# here once; gates of your own (qml.define_gate) are looked up at each use (__getattr__),
# so a gate defined again is the new definition everywhere (qsym._gates.REGISTRY)
globals().update({_name: GATE_CLASSES[_name] for _name in _gates.BUILTIN_GATES})
# PennyLane's other names of table gates
CPhase = GATE_CLASSES["ControlledPhaseShift"]
SQISW = GATE_CLASSES["SISWAP"]


def _operator_named(name: str):
    """The operator class ``qml.<name>`` (a gate, channel, template, ...), or None: the
    names the noise conditionals take (``qml.noise.op_eq("RX")``)."""
    value = globals().get(name, GATE_CLASSES.get(name))
    return value if isinstance(value, type) else None


_noise_models.OPERATOR_LOOKUP["lookup"] = _operator_named


# Rarely used subpackages load at their first use (PEP 562; issue #17: ``import qsym``'s
# time): ``qml.qchem``, ``qml.liealg``, ``qml.qcut``, ``qml.estimator``, ``qml.fourier``,
# ``qml.kernels`` and the names qsym's namespace takes from them. ``import qsym.qchem`` and ``from qsym import taper``
# work as before; ``dir(qsym)`` and ``__all__`` list them.
_LAZY_MODULES = ("qchem", "liealg", "qcut", "estimator", "fourier", "kernels", "configuration",
                 "concurrency")
_LAZY_NAMES = {
    "paulix_ops": "qchem", "symmetry_generators": "qchem", "taper": "qchem",
    "taper_operation": "qchem", "center": "liealg", "lie_closure": "liealg",
    "structure_constants": "liealg", "cut_circuit": "qcut", "cut_circuit_mc": "qcut",
    "Configuration": "configuration", "default_config": "configuration",
}


if _typing.TYPE_CHECKING:  # what static tools (the API reference's mkdocstrings, IDEs) see
    from . import configuration, estimator, fourier, kernels, liealg, qchem, qcut  # noqa: F401
    from .configuration import Configuration, default_config  # noqa: F401
    from .liealg import center, lie_closure, structure_constants  # noqa: F401
    from .qchem import paulix_ops, symmetry_generators, taper, taper_operation  # noqa: F401
    from .qcut import cut_circuit, cut_circuit_mc  # noqa: F401


def _load_lazy(name: str):
    """``qsym.<name>`` for a lazily loaded subpackage or a name taken from one: the module
    imported (once; Python's import lock), the value bound here for later lookups."""
    import importlib

    home = _LAZY_NAMES.get(name, name)
    module = importlib.import_module(f"{__name__}.{home}")
    value = module if home == name else getattr(module, name)
    globals()[name] = value
    return value


def __getattr__(name: str):
    if name in _LAZY_NAMES or name in _LAZY_MODULES:
        return _load_lazy(name)
    # a PennyLane name qsym does not provide (qml.kernels, qml.broadcast, ...): an
    # AttributeError naming it as unsupported
    error = _unsupported.namespace_error(name)
    if error is not None:
        raise error
    from ._operations import user_gate_class

    return user_gate_class(__name__, name)


def __dir__():
    return sorted(set(globals()) | set(GATE_CLASSES) | set(_LAZY_MODULES) | set(_LAZY_NAMES))


# PennyLane's noise channels (qsym._noise: run on default.mixed); other channel names raise
# GateError when used (qsym._unsupported)
globals().update(_CHANNEL_CLASSES)
ops.channel = type(ops)(**_CHANNEL_CLASSES)  # PennyLane's qml.ops.channel
for _name, _cls in _CHANNEL_CLASSES.items():
    setattr(ops, _name, _cls)
# PennyLane's qml.ops.__all__ (a gate set of "every operator": ``{*qml.ops.__all__}``): the
# operator classes qml.ops holds
ops.__all__ = sorted(_n for _n, _v in vars(ops).items() if isinstance(_v, type) and _n[0] != "_")
globals().update({_n: getattr(_unsupported, _n) for _n in _CHANNELS if _n not in GATE_CLASSES})

from . import _cache as _cache, _kernels as _kernels, _tiers as _tiers  # noqa: E402

# the kernel library's numba cache files get the same integrity checks as generated
# modules' (before any kernel runs, i.e. before numba first reads them)
_cache.guard_numba_caches(_kernels)
_tiers.warm_kernels_in_background()  # loads the kernels' cached code (qsym.tiers)
from ._cache import cache_info, clear_cache  # noqa: E402
from ._openqasm import to_openqasm  # noqa: E402  (PennyLane's qml.to_openqasm)
from . import io  # noqa: E402  (PennyLane's qml.io: converter plugins, entry points 'qsym.io')
from .io import (from_pyquil, from_qasm, from_qiskit, from_qiskit_noise,  # noqa: E402
                 from_qiskit_op, from_quil, from_quil_file)
from . import ftqc  # noqa: E402  (PennyLane's qml.ftqc: measurements in other bases, MBQC)
from . import logging  # noqa: E402  (PennyLane's qml.logging on the 'qsym' loggers)
from ._control_flow import for_loop, while_loop  # noqa: E402  (Python loops, as PennyLane's without qjit)
from .errors import CacheWarning, TransformError  # noqa: E402

# the names of a star import: the public API (qsym.sum is left out: it would shadow the
# builtin), every template and every gate of the table
__all__ = [
    "QNode", "Tracker", "qnode", "device", "grad", "hessian", "jacobian", "expval",
    "value_and_grad", "vjp", "jvp",
    "var", "probs", "sample", "counts", "state", "Hamiltonian", "Hermitian", "SparseHamiltonian",
    "Projector", "define_gate", "undefine_gate", "rules", "LinearCombination",
    "Observable", "Operation", "MeasurementProcess", "compile", "clifford_t_decomposition",
    "quantum_monte_carlo", "apply_controlled_Q",
    "GradientDescentOptimizer", "MomentumOptimizer", "NesterovMomentumOptimizer",
    "AdagradOptimizer", "RMSPropOptimizer", "AdamOptimizer", "SPSAOptimizer", "RotosolveOptimizer", "RotoselectOptimizer", "minimize", "set_shots",
    "devices", "math", "wires", "registers", "allocate", "deallocate", "allocation", "measure", "pauli_measure", "cond", "defer_measurements", "dynamic_one_shot", "density_matrix", "vn_entropy", "mutual_info", "purity", "classical_shadow", "shadow_expval", "ClassicalShadow", "X", "Y", "Z", "I",
    "OptimizeResult", "sweep", "WorkerError", "about", "metric_tensor", "adjoint_metric_tensor", "QNGOptimizer", "MomentumQNGOptimizer", "QNSPSAOptimizer", "RiemannianGradientOptimizer", "AdaptiveOptimizer", "ShotAdaptiveOptimizer",
    "exceptions", "typing", "QueuingManager", "apply", "execute", "gradients", "tape", "workflow", "marker", "transforms", "transform",
    "BooleanFn", "NoiseModel", "add_noise",
    "CompilePipeline", "decompose", "decomp_inspector", "commutation_dag", "pattern_matching", "pattern_matching_optimization", "batch_input", "batch_params", "batch_partial", "TransformError", "kernels", "fourier", "ftqc", "logging", "concurrency", "shadows", "qcut", "cut_circuit", "cut_circuit_mc", "pytrees", "load", "read_metadata", "file_sha256", "CompiledCircuit", "ExportError", "draw", "draw_mpl", "specs", "matrix", "snapshots", "Snapshot", "debugging", "breakpoint", "debug_state", "debug_expval", "debug_probs", "debug_tape", "check",
    "expectation", "gradient", "numpy", "errors", "measurements", "optimize", "QsymError", "QuantumFunctionError", "QNodeError", "MethodError", "TracingError",
    "GateError", "RemovedGateError", "WireError", "MeasurementError", "ArgumentError", "DeviceError",
    "DifferentiationError", "NonDifferentiableError", "RuleError", "MatrixUndefinedError", "H", "adjoint", "ctrl", "ControlledQubitUnitary", "ControlledSequence", "QuantumPhaseEstimation", "s_prod", "dot",
    "templates", "layer", "trotterize", "ops", "qaoa", "spin", "fermi", "qchem", "estimator", "FermiC", "FermiA", "FermiWord", "FermiSentence", "jordan_wigner", "parity_transform", "bravyi_kitaev", "bose", "BoseWord", "BoseSentence", "binary_mapping", "unary_mapping", "christiansen_mapping", "symmetry_generators", "paulix_ops", "taper", "taper_operation", "pauli", "pauli_decompose", "liealg", "lie_closure", "structure_constants", "center", "exp", "evolve", "change_op_basis", "ChangeOpBasis", "QSVT", "GQSP", "qsvt", "BBQRAM", "HybridQRAM", "SelectOnlyQRAM", "SumOfSlatersPrep", "poly_to_angles", "transform_angles", "apply", "is_commuting", "is_hermitian", "is_unitary", "iterative_qpe",
    "commutator", "comm", "map_wires", "eigvals", "equal", "assert_equal", "generator", "simplify", "CPhase", "SQISW", "CacheWarning", "cache_info", "clear_cache",
    "decomposition", "list_decomps", "add_decomps", "register_resources", "register_condition",
    "resource_rep",
    *templates.TEMPLATES, *_SUBROUTINES, *_ARITHMETIC, *_STATE_PREPARATIONS, *_ENCODINGS, *GATE_CLASSES, *_CHANNEL_CLASSES,
]

_register_op_paths()
_register_device_paths()


def _register_sk_paths():
    """``qml.ops.sk_decomposition``; PennyLane's module path
    ``...ops.op_math.decompositions.solovay_kitaev`` is qsym's module itself."""
    import sys as _sys

    from . import _solovay_kitaev as _sk
    ops.sk_decomposition = ops.op_math.sk_decomposition = _sk.sk_decomposition
    for holder in (ops.op_math.decompositions,
                   _sys.modules[f"{__name__}.ops.op_math.decompositions"]):
        holder.sk_decomposition, holder.solovay_kitaev = _sk.sk_decomposition, _sk
    _sys.modules[f"{__name__}.ops.op_math.decompositions.solovay_kitaev"] = _sk


_register_sk_paths()


def _register_decomposition_paths():
    """PennyLane's module paths of the device preprocessing and the graph-based
    decomposition system: ``qml.devices.preprocess``, ``qml.devices.default_qubit``,
    ``qml.decomposition.utils``, ``.gate_set``, ``.decomposition_graph``."""
    from ._compilation import decomposition_gen
    path = transforms.module_path
    devices.preprocess = path(
        "qsym.devices", "preprocess", "PennyLane's qml.devices.preprocess",
        validate_device_wires=_device_api.validate_device_wires,
        validate_measurements=_device_api.validate_measurements,
        **{n: getattr(_preprocess, n) for n in (
            "decompose", "validate_multiprocessing_workers", "validate_adjoint_trainable_params",
            "validate_observables", "no_sampling", "no_analytic", "null_postprocessing",
            "measurements_from_samples", "measurements_from_counts")},
        _operator_decomposition_gen=decomposition_gen,  # (PennyLane's private name)
        device_resolve_dynamic_wires=allocation.device_resolve_dynamic_wires,
        **{n.rsplit(".", 1)[1]: _unsupported.unsupported_function(n)
           for n in _unsupported.FUNCTIONS if n.startswith("devices.preprocess.")})
    devices.default_qubit = path(
        "qsym.devices", "default_qubit", "PennyLane's qml.devices.default_qubit",
        DefaultQubit=devices.DefaultQubit, ALL_DQ_GATES=_preprocess.ALL_DQ_GATES,
        **{n: getattr(_preprocess, n) for n in (
            "stopping_condition", "allow_mcms_stopping_condition", "no_mcms_stopping_condition",
            "adjoint_ops", "adjoint_observables")})
    decomposition.utils = path(
        "qsym.decomposition", "utils", "PennyLane's qml.decomposition.utils",
        to_name=decomposition.to_name, translate_op_alias=decomposition.translate_op_alias,
        OP_NAME_ALIASES=decomposition.OP_NAME_ALIASES, enabled_graph=decomposition.enabled_graph,
        enable_graph=decomposition.enable_graph, disable_graph=decomposition.disable_graph,
        toggle_graph_ctx=decomposition.toggle_graph_ctx)
    decomposition.gate_set = path("qsym.decomposition", "gate_set",
                                  "PennyLane's qml.decomposition.gate_set",
                                  GateSet=decomposition.GateSet)
    decomposition.decomposition_graph = path(
        "qsym.decomposition", "decomposition_graph",
        "PennyLane's qml.decomposition.decomposition_graph",
        DecompositionGraph=decomposition.DecompositionGraph,
        DecompGraphSolution=decomposition.DecompGraphSolution)
    decomposition.decomposition_rule = path(
        "qsym.decomposition", "decomposition_rule",
        "PennyLane's qml.decomposition.decomposition_rule",
        **{n: getattr(decomposition, n) for n in (
            "DecompositionRule", "WorkWireSpec", "Resources", "add_decomps", "has_decomp",
            "list_decomps", "local_decomps", "null_decomp", "register_condition",
            "register_resources", "resource_rep", "get_decomp_kwargs", "to_name")})
    # PennyLane's symbolic rules, reconstructors and resource forms (qsym._symbolic_decomposition)
    from . import _symbolic_decomposition as _symd
    import sys as _sys
    _sys.modules["qsym.decomposition.symbolic_decomposition"] = decomposition.symbolic_decomposition = _symd
    for _n in ("auto_wrap", "DecompCollection", "_decompositions_private"):
        setattr(decomposition.decomposition_rule, _n, getattr(_symd, _n.lstrip("_")))
    for _n in ("adjoint_resource_rep", "pow_resource_rep", "custom_ctrl_op_to_base", "auto_wrap"):
        setattr(decomposition.resources, _n, getattr(_symd, _n))
        setattr(decomposition, _n, getattr(_symd, _n))
    decomposition.resources.change_op_basis_resource_rep = decomposition.change_op_basis_resource_rep
    decomposition.decomposition_graph.list_decomps = decomposition.list_decomps  # (a patch point)
    decomposition.inspect_decomps = _symd.inspect_decomps
    globals()["inspect_decomps"] = _symd.inspect_decomps  # qml.inspect_decomps
    decomposition.get_decomp_kwargs = _symd.get_decomp_kwargs  # PennyLane's (reconstructors)
    for _n in ("has_reconstructor", "reconstruct", "register_reconstructor", "get_decomp_kwargs"):
        setattr(decomposition.reconstruct, _n, getattr(_symd, _n))
    _sys.modules["qsym.ops.identity"] = type(ops)(
        _controlled_g_phase_decomp=_symd.controlled_global_phase_decomp, Identity=Identity,
        GlobalPhase=GlobalPhase)
    _sys.modules["qsym.ops.qubit.non_parametric_ops"] = type(ops)(
        _controlled_x_decomp=_symd.controlled_x_decomp,
        _controlled_hadamard=_symd.controlled_hadamard,
        **{_n: GATE_CLASSES[_n] for _n in ("Hadamard", "PauliX", "PauliY", "PauliZ", "S", "T",
                                         "SX", "CNOT", "CZ", "CY", "CH", "SWAP", "ISWAP")})
    from ._compilation import resolve_gate_set, solve_graph
    vars(__import__("sys").modules["qsym.transforms.decompose"]).update(
        _resolve_gate_set=resolve_gate_set, _construct_and_solve_decomp_graph=solve_graph)


_register_decomposition_paths()


def _register_class_paths():
    """PennyLane's module paths of classes: ``qml.templates.subroutines.ControlledSequence``,
    ``qml.ops.op_math.SymbolicOp``, ``qml.measurements.<kind>`` (``probs``: ``ProbabilityMP``,
    ...); the classes and functions qsym does not provide (``_unsupported.CLASSES``,
    ``FUNCTIONS``), importable, each raising an error naming it when made or called."""
    path = transforms.module_path
    templates.subroutines.ControlledSequence = ControlledSequence
    templates.QuantumPhaseEstimation = QuantumPhaseEstimation  # qml.templates.<subroutine>
    templates.subroutines.QuantumPhaseEstimation = QuantumPhaseEstimation
    for name, cls in (("SymbolicOp", _SymbolicOp), ("ScalarSymbolicOp", _ScalarSymbolicOp),
                      ("CompositeOp", _CompositeOp)):
        setattr(ops.op_math, name, cls)
        setattr(ops, name, cls)
    for kind, names in (("probs", ("ProbabilityMP", "probs")), ("expval", ("ExpectationMP", "expval")),
                        ("var", ("VarianceMP", "var")), ("sample", ("SampleMP", "sample")),
                        ("counts", ("CountsMP", "counts")),
                        ("state", ("StateMP", "DensityMatrixMP", "state", "density_matrix"))):
        path("qsym.measurements", kind, f"PennyLane's qml.measurements.{kind}",
             **{n: getattr(measurements, n) for n in names})
    path("qsym.ops.op_math", "condition", "PennyLane's qml.ops.op_math.condition",
         Conditional=_mcm.Conditional, cond=cond, CondCallable=_mcm.CondCallable)
    path("qsym.numpy", "tensor", "PennyLane's qml.numpy.tensor", tensor=numpy.tensor,
         tensor_to_arraybox=numpy.tensor_to_arraybox,
         NonDifferentiableError=numpy.NonDifferentiableError)
    # PennyLane's modules of the mid-circuit measurement classes (ops.mid_measure.<module>)
    for module, name in (("measurement_value", "MeasurementValue"), ("mid_measure", "MidMeasure"),
                         ("pauli_measure", "PauliMeasure")):
        path(f"{__name__}.ops.mid_measure", module, f"PennyLane's qml.ops.mid_measure.{module}",
             **{name: getattr(ops.mid_measure, name)})
    # PennyLane's legacy device API (qsym._legacy_device) at its module paths: the module
    # itself (a test spies on qml.devices._legacy_device.split_non_commuting)
    for _name in ("LegacyDevice", "QubitDevice", "LegacyDeviceFacade"):
        setattr(devices, _name, getattr(_legacy_device, _name))
    for _module in ("_legacy_device", "_qubit_device", "legacy_facade"):
        setattr(devices, _module, _legacy_device)
        __import__("sys").modules[f"{__name__}.devices.{_module}"] = _legacy_device
    # from pennylane.circuit_graph import CircuitGraph, Layer, LayerData
    path(__name__, "circuit_graph", "PennyLane's qml.circuit_graph", CircuitGraph=CircuitGraph,
         Layer=_circuit_graph.Layer, LayerData=_circuit_graph.LayerData)
    stand_ins = {**{d: _unsupported.unsupported_class(d) for d in _unsupported.CLASSES},
                 **{d: _unsupported.cv_class(d, "qutrit") for d in _unsupported.QUTRIT_NAMES},
                 **{d: _unsupported.unsupported_function(d) for d in _unsupported.FUNCTIONS}}
    for dotted, stand_in in stand_ins.items():
        if "." not in dotted:  # qml.<name> itself
            globals()[dotted] = stand_in
            continue
        module, name = dotted.rsplit(".", 1)
        holder = __import__("sys").modules.get(f"{__name__}.{module}")
        if holder is None:
            package, last = f"{__name__}.{module}".rsplit(".", 1)
            holder = path(package, last, f"PennyLane's qml.{module}")
            if module in _unsupported.NAMESPACES:  # qml.pulse: its other names refused
                holder.__getattr__ = _unsupported.partial_namespace(module).__getattr__
        if not hasattr(holder, name):
            setattr(holder, name, stand_in)
    # from pennylane.ops.mid_measure.pauli_measure import PauliMeasure (a stand-in above)
    # PennyLane's qml.ops.cv and its classes as qml.<name> (qsym._cv: records, Heisenberg math)
    ops.cv = __import__("sys").modules.setdefault(f"{__name__}.ops.cv", _cv)
    ops._cv__ops__, ops._cv__obs__ = _cv.__ops__, _cv.__obs__  # PennyLane's private names
    for _n in (*_cv.OPS, *_cv.OBSERVABLES):  # qml.ops.PolyXP & co, as PennyLane's
        if not hasattr(ops, _n):
            setattr(ops, _n, getattr(_cv, _n))
    globals().update({n: getattr(_cv, n) for n in (*_cv.OPS, *_cv.OBSERVABLES)})
    from . import _cv_templates as _cv_templates  # qml.Interferometer & co (on default.gaussian)
    globals().update({n: getattr(_cv_templates, n) for n in _cv_templates.TEMPLATES})
    path("qsym.ops.mid_measure", "pauli_measure", "PennyLane's qml.ops.mid_measure.pauli_measure",
         PauliMeasure=ops.PauliMeasure)


_register_class_paths()

# PennyLane's qml.resource functions on tapes and QNodes (resources_from_tape, algo_error,
# the Trotter error bounds) and its module paths qml.resource.resource, .specs, .error.error,
# .error.trotter_error
from . import _resource_paths as _resource_paths  # noqa: E402

_resource_paths.register()


def version() -> str:
    """qsym's version (PennyLane's ``qml.version()`` returns PennyLane's).

    >>> import qsym as qml
    >>> qml.version() == qml.__version__
    True
    """
    return __version__


_TOP = __import__("sys").modules[__name__]
# PennyLane's names for what qsym defines elsewhere: every operator class and operator
# function in qml.ops, every template in qml.templates, the error-mitigation functions at the
# top level, the queuing helpers; (holder, {name: object}) rows (tests/test_pl_import_names.py).
_PENNYLANE_ALIASES = (
    (ops, {n: globals()[n] for n in (
        "Barrier", "BasisState", "BlockEncode", "ControlledQubitUnitary", "DiagonalQubitUnitary",
        "IntegerComparator", "QubitCarry", "QubitDensityMatrix", "QubitSum", "Snapshot",
        "SparseHamiltonian", "SpecialUnitary", "StatePrep", "WireCut", "adjoint",
        "change_op_basis", "ctrl", "exp", "pow", "prod", "s_prod", "sum", "pauli_measure",
        "add_decomps", "register_resources", *_unsupported.QUTRIT_NAMES)}),
    (ops, {"SparseMatrixUndefinedError": exceptions.SparseMatrixUndefinedError,
           "null_decomp": decomposition.null_decomp,
           "controlled_resource_rep": decomposition.controlled_resource_rep,
           "CVObservable": _cv.CVObservable}),
    (templates, {n: globals()[n] for n in (
        "CVNeuralNetLayers", "ControlledSequence", "DisplacementEmbedding", "Elbow",
        "Interferometer", "SqueezingEmbedding", "poly_to_angles", "qsvt", "transform_angles")}),
    (_TOP, {n: getattr(transforms, n) for n in (
        "fold_global", "mitigate_with_zne", "richardson_extrapolate", "poly_extrapolate",
        "exponential_extrapolate", "insert", "gridsynth")}),
    (_TOP, {"order_states": templates.order_states}),
    (workflow, {"execute": execute}),
    (queuing, {"QueuingError": exceptions.QueuingError,
               "PennyLaneDeprecationWarning": exceptions.PennyLaneDeprecationWarning}),
    (operation, {"AnnotatedQueue": _AnnotatedQueue, "QueuingManager": QueuingManager,
                 "Wires": wires.Wires,
                 "PennyLaneDeprecationWarning": exceptions.PennyLaneDeprecationWarning}),
)
for _holder, _names in _PENNYLANE_ALIASES:
    for _name, _value in _names.items():
        setattr(_holder, _name, _value)
# PennyLane 0.45's qml.ops.__all__ (a gate set of "every operator", {*qml.ops.__all__}): the
# operator classes qml.ops holds, without the arithmetic, symbolic and base classes it holds
# besides (a Prod in that gate set was taken as solved: PennyLane decomposes it), and its
# functions measure and pauli_measure
_OPS_NOT_IN_ALL = frozenset({
    "Adjoint", "CVObservable", "ChangeOpBasis", "CompositeOp", "Conditional", "Controlled",
    "ControlledOp", "Evolution", "Exp", "Hamiltonian", "I", "LinearCombination",
    "MeasurementValue", "MidMeasure", "Operation", "PauliMeasure", "Pow", "Prod", "SProd",
    "ScalarSymbolicOp", "SparseMatrixUndefinedError", "Sum", "SymbolicOp"})
ops.__all__ = sorted([_n for _n, _v in vars(ops).items() if isinstance(_v, type) and _n[0] != "_"
                      and _n not in _OPS_NOT_IN_ALL] + ["measure", "pauli_measure"])

# The import's objects out of the cycle collector's full passes (issue #17). Importing qsym
# (sympy, numba, NumPy, SciPy) leaves about 120 thousand tracked objects in the oldest
# generation, and the collector owes a full pass over them (45-50 ms of CPU on this
# machine) at its next middle-generation collection: it fell inside whatever the user ran
# first once that allocated a few thousand objects (the 12x8 HEA's first adjoint gradient:
# 90 ms instead of 44), and again every time a quarter as many objects had survived since.
# gc.freeze() moves every object tracked now into the collector's permanent generation:
# reference counting still frees them, only a reference cycle among them is never
# collected (they are modules, classes, functions and their tables). QSYM_GC_FREEZE=0
# leaves the collector as it was (docs/design.md, "The import's objects frozen").
def _freeze_import(environ=_os.environ, freeze=None) -> bool:
    """``gc.freeze()`` unless ``QSYM_GC_FREEZE`` is ``0``/``false``/``no``/``off``; whether it
    froze (``freeze``: the function to call instead of ``gc.freeze``).

    >>> _freeze_import({"QSYM_GC_FREEZE": "0"})
    False
    >>> _freeze_import({}, freeze=lambda: None)
    True
    """
    if environ.get("QSYM_GC_FREEZE", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if freeze is None:
        import gc

        freeze = getattr(gc, "freeze", None)  # (CPython 3.7+; not every Python has it)
        if freeze is None:
            return False
    freeze()
    return True


_freeze_import()
