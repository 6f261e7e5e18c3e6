"""PennyLane's functional state-vector simulator, ``qml.devices.qubit`` (``pennylane/devices/
qubit/``): a NumPy reference simulator on PennyLane's state layout, outside qsym's compiled
pipeline.

A state of ``n`` wires is a complex tensor of shape ``(2,) * n`` (wire ``i`` is axis ``i``; a
batch of states has its batch axis first). Operators act by their matrices (``op.matrix()``,
``einsum`` or ``tensordot``; a sparse matrix by ``scipy``), with PennyLane's special cases: the
Paulis, ``CNOT`` and phase gates move or scale slices of the state, ``GlobalPhase`` multiplies
it, ``Snapshot`` records a measurement on a debugger, ``MidMeasure`` samples a branch and
collapses to it, a ``Conditional`` applies its operator when its measurement value holds.
Measurements use qsym's measurement classes (``process_state``/``process_samples``); samples
are drawn as PennyLane draws them (``np.random.default_rng(rng).choice`` over the basis
states), so a seed gives PennyLane's samples. ``adjoint_jacobian``/``adjoint_vjp``/
``adjoint_jvp`` are PennyLane's adjoint method (Jones and Gacon, arXiv:2009.02823).

The module is importable by PennyLane's paths (``qml.devices.qubit.apply_operation``,
``...measure``, ``...sampling``, ``...simulate``, ``...initialize_state``,
``...adjoint_jacobian`` are this module).
"""

from __future__ import annotations

import sys

import string
from functools import singledispatch, wraps

import autograd.numpy as anp
import numpy as np
from autograd.extend import Box

from ._drawing import Snapshot
from ._mcm import Conditional, MidMeasure, find_post_processed_mcms
from ._one_shot import combine_measurements_core, measurement_with_no_shots
from ._operations import (
    CNOT, ExpectationMP, GlobalPhase, Identity, LinearCombination, MultiControlledX, PauliX,
    PauliZ, PhaseShift, Prod, Projector, QubitUnitary, S, SProd, StateMeasurement, StateMP,
    StatePrepBase, Sum, T, probs, sample)
from ._shadows import ClassicalShadowMP, ShadowExpvalMP
from ._opmath import adjoint, dot, operation_derivative, simplify
from ._shapes import adjoint_jacobian_tuples
from ._shots import ShotCopies, Shots, choice
from . import _tapes, math as qmath, numpy as qnp, pauli, templates
from .wires import Wires

__all__ = [
    "apply_operation", "apply_operation_einsum", "apply_operation_tensordot",
    "apply_operation_csr_matrix", "create_initial_state", "measure", "measure_with_samples",
    "sample_state", "sample_probs", "simulate", "get_final_state", "measure_final_state",
    "adjoint_jacobian", "adjoint_jvp", "adjoint_vjp"]

EINSUM_OP_WIRECOUNT_PERF_THRESHOLD = 3
EINSUM_STATE_WIRECOUNT_PERF_THRESHOLD = 13
alphabet = string.ascii_letters


# ---------------------------------------------------------------------------- initial state

def _issparse(x) -> bool:
    """Whether ``x`` is a SciPy sparse matrix (SciPy is optional: if ``scipy.sparse`` was
    never imported, nothing is one; ``import qsym`` does not load SciPy)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(x)


def _same_interface(out, state):
    """``out`` in the framework of ``state``, as PennyLane's ``apply_operation`` keeps it: a
    qsym (autograd) tensor for a qsym tensor state, a NumPy array for a NumPy state; a value
    autograd traces (a box) is left as it is.

    >>> import qsym as qml
    >>> type(_same_interface(np.ones(2), qml.numpy.array([1.0, 0.0]))).__name__
    'tensor'
    >>> type(_same_interface(qml.numpy.array([1.0, 0.0]), np.ones(2))).__name__
    'ndarray'
    """
    if isinstance(out, Box) or _issparse(out):
        return out
    if qmath.get_interface(state) == "autograd":
        return out if isinstance(out, qnp.tensor) else qmath.asarray(out, like="autograd")
    return np.asarray(out) if isinstance(out, qnp.tensor) else out


def create_initial_state(wires, prep_operation=None, like=None):
    """The state of ``wires`` before a circuit: ``|0...0>``, or the state ``prep_operation``
    (a state preparation, e.g. ``qml.StatePrep``) prepares on them (PennyLane's
    ``qml.devices.qubit.create_initial_state``); shape ``(2,) * len(wires)``.

    >>> import qsym as qml
    >>> create_initial_state([0, 1]).reshape(-1)
    array([1.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])
    >>> create_initial_state([0, 1], qml.BasisState([1, 0], wires=[0, 1])).reshape(-1)
    array([0.+0.j, 0.+0.j, 1.+0.j, 0.+0.j])
    """
    if like not in (None, "numpy", "autograd"):
        raise ValueError(f"create_initial_state makes NumPy states (like={like!r} is not "
                         "supported by qsym): pass like=None")
    if not prep_operation:
        state = np.zeros((2,) * len(wires), dtype=complex)
        state[(0,) * len(wires)] = 1
        return state
    vec = prep_operation.state_vector(wire_order=list(wires))
    if isinstance(vec, Box):  # autograd's amplitudes (a tape differentiated by backprop)
        return vec * (1.0 + 0.0j)
    if _issparse(vec):
        batch = [prep_operation.batch_size] if prep_operation.batch_size else []
        vec = vec.toarray().reshape(batch + [2] * len(wires))
    vec = np.asarray(vec)
    single = vec.dtype in (np.float32, np.complex64)
    return vec.astype(np.complex64 if single else np.complex128)


# ---------------------------------------------------------------------------- operators

def _op_matrix(op):
    """The matrix of ``op`` as a complex array, and its batch size (None if unbatched);
    sets ``op``'s batch size when it has none yet."""
    mat = op.matrix()
    mat = mat if isinstance(mat, Box) else np.asarray(mat) + 0j  # (a box: autograd traces it)
    if len(op.wires) == 0:  # a global phase on no wires: a number
        return (qmath.reshape(mat, (-1,)) if isinstance(mat, Box) else mat.reshape(-1))[0], None
    dim = 2 ** len(op.wires)
    ndim, size = np.ndim(mat), np.size(mat)
    batch = np.shape(mat)[0] if ndim == 3 or size == dim ** 2 * 2 and ndim > 2 else None
    if batch is not None and getattr(op, "batch_size", 0) is None:
        try:
            op._batch_size = batch  # noqa: SLF001 (PennyLane sets it here too)
        except AttributeError:
            pass
    shape = ([batch] if batch is not None else []) + [2] * (2 * len(op.wires))
    return qmath.reshape(mat, shape) if isinstance(mat, Box) else mat.reshape(shape), batch


def apply_operation_einsum(op, state, is_state_batched: bool = False):
    """``op`` applied to ``state`` by ``np.einsum`` with its matrix (PennyLane's choice for
    few wires).

    >>> import qsym as qml
    >>> apply_operation_einsum(qml.X(1), np.array([[1, 0], [0, 0]], dtype=complex))
    array([[0.+0.j, 1.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    mat, _ = _op_matrix(op)
    total = np.ndim(state) - is_state_batched
    k = len(op.wires)
    state_idx = alphabet[:total]
    affected = "".join(alphabet[w] for w in op.wires)
    new = alphabet[total:total + k]
    out = state_idx
    for old, nw in zip(affected, new):
        out = out.replace(old, nw)
    # through qml.math, as PennyLane's (its dispatch keeps an autograd state's framework)
    return _same_interface(
        qmath.einsum(f"...{new}{affected},...{state_idx}->...{out}", mat, state), state)


def apply_operation_tensordot(op, state, is_state_batched: bool = False):
    """``op`` applied to ``state`` by ``np.tensordot`` with its matrix (PennyLane's choice
    for many wires).

    >>> import qsym as qml
    >>> apply_operation_tensordot(qml.X(0), np.array([[1, 0], [0, 0]], dtype=complex))
    array([[0.+0.j, 0.+0.j],
           [1.+0.j, 0.+0.j]])
    """
    mat, batch = _op_matrix(op)
    total = np.ndim(state) - is_state_batched
    k = len(op.wires)
    wires = [int(w) for w in op.wires]
    tdot = qmath.tensordot(mat, state,
                           axes=(list(range(-k, 0)), [w + is_state_batched for w in wires]))
    # tensordot puts the operator's axes (and the matrix's batch axis) first
    perm = wires + [i for i in range(total) if i not in wires]
    if batch is not None:
        perm = [0] + [i + 1 for i in perm]
    if is_state_batched:
        perm.insert(k + (batch is not None), -1)
    return _same_interface(qmath.transpose(tdot, np.asarray(qmath.argsort(perm))), state)


def apply_operation_csr_matrix(op, state, is_state_batched: bool = False):
    """``op`` applied to a dense ``state`` by its sparse matrix (``op.sparse_matrix``).

    >>> import qsym as qml
    >>> apply_operation_csr_matrix(qml.X(0), np.array([1, 0], dtype=complex))
    array([0.+0.j, 1.+0.j])
    """
    if _issparse(state):
        raise TypeError("State should not be sparse in default qubit pipeline: pass the "
                        "state as a dense array of shape (2,) * num_wires")
    shape = np.shape(state)
    n = len(shape) - int(is_state_batched)
    flat = np.reshape(state, (-1, 2 ** n))
    out = flat @ op.sparse_matrix(wire_order=range(n)).T
    return np.reshape(np.asarray(out), shape)


def _is_sparse_op(op) -> bool:
    return any(_issparse(d) for d in getattr(op, "data", ())) or (
        getattr(op, "has_sparse_matrix", False) and not getattr(op, "has_matrix", True))


def _apply_operation_default(op, state, is_state_batched, debugger=None):
    if _is_sparse_op(op):
        return apply_operation_csr_matrix(op, state, is_state_batched=is_state_batched)
    if (len(op.wires) < EINSUM_OP_WIRECOUNT_PERF_THRESHOLD
            and np.ndim(state) < EINSUM_STATE_WIRECOUNT_PERF_THRESHOLD) or (
            getattr(op, "batch_size", None) and is_state_batched):
        return apply_operation_einsum(op, state, is_state_batched=is_state_batched)
    return apply_operation_tensordot(op, state, is_state_batched=is_state_batched)


@singledispatch
def apply_operation(op, state, is_state_batched: bool = False, debugger=None, **_):
    """``op`` applied to ``state`` (shape ``(2,) * num_wires``, a batch axis first when
    ``is_state_batched``), PennyLane's ``qml.devices.qubit.apply_operation``: a
    ``functools.singledispatch`` function (register a kernel for an operator class with
    ``@apply_operation.register``). The wires of ``op`` are the state's axes ``0..n-1``.

    Keyword arguments: ``mid_measurements`` (a dict a ``MidMeasure`` records its sample in),
    ``rng`` (its random generator), ``tape_shots`` (the shots of a ``Snapshot``).

    >>> import qsym as qml
    >>> state = np.zeros((2, 2)); state[0, 0] = 1
    >>> apply_operation(qml.X(0), state)
    array([[0., 0.],
           [1., 0.]])
    """
    return _same_interface(_apply_operation_default(op, state, is_state_batched), state)


def _xp(state):
    """autograd's NumPy for a state autograd traces (NumPy's would make an object array of
    its values), else NumPy's (faster: autograd's ``stack`` is twice NumPy's time)."""
    return anp if isinstance(state, Box) else np


def _kernel(func):
    """``func`` registered as ``apply_operation``'s kernel for the class its ``op`` is
    annotated with; its result keeps the state's framework."""
    @wraps(func)
    def kernel(op, state, is_state_batched: bool = False, debugger=None, **kwargs):
        return _same_interface(func(op, state, is_state_batched, debugger, **kwargs), state)
    return apply_operation.register(kernel)


@_kernel
def _apply_identity(op: Identity, state, is_state_batched: bool = False, debugger=None, **_):
    return state


@_kernel
def _apply_global_phase(op: GlobalPhase, state, is_state_batched: bool = False, debugger=None,
                        **_):
    phase = np.exp(-1j * np.asarray(op.data[0], dtype=complex))
    if phase.ndim > 0:
        if not is_state_batched:
            state = np.reshape(state, (1,) + np.shape(state))
        phase = phase.reshape((-1,) + (1,) * (np.ndim(state) - 1))
    return phase * state


@_kernel
def _apply_paulix(op: PauliX, state, is_state_batched: bool = False, debugger=None, **_):
    return _xp(state).roll(state, 1, op.wires[0] + is_state_batched)


def _slices(axis, ndim):
    zero, one = [slice(None)] * ndim, [slice(None)] * ndim
    zero[axis], one[axis] = 0, 1
    return tuple(zero), tuple(one)


@_kernel
def _apply_pauliz(op: PauliZ, state, is_state_batched: bool = False, debugger=None, **_):
    axis = op.wires[0] + is_state_batched
    s0, s1 = _slices(axis, np.ndim(state))
    return _xp(state).stack([state[s0], -state[s1]], axis=axis)


def _apply_phase(op, state, is_state_batched, phase):
    axis = op.wires[0] + is_state_batched
    s0, s1 = _slices(axis, np.ndim(state))
    return _xp(state).stack([state[s0], state[s1] * phase], axis=axis)


@_kernel
def _apply_phaseshift(op: PhaseShift, state, is_state_batched: bool = False, debugger=None,
                      **_):
    if op.batch_size is not None or isinstance(op.data[0], Box):  # a batch of angles, or
        # one autograd traces: its matrices
        return _apply_operation_default(op, state, is_state_batched)
    return _apply_phase(op, state, is_state_batched, np.exp(1j * complex(op.data[0])))


@_kernel
def _apply_t(op: T, state, is_state_batched: bool = False, debugger=None, **_):
    return _apply_phase(op, state, is_state_batched, np.exp(0.25j * np.pi))


@_kernel
def _apply_s(op: S, state, is_state_batched: bool = False, debugger=None, **_):
    return _apply_phase(op, state, is_state_batched, 1j)


@_kernel
def _apply_cnot(op: CNOT, state, is_state_batched: bool = False, debugger=None, **_):
    control, target = (int(w) for w in op.wires)
    target_axis = (target - 1 if target > control else target) + is_state_batched
    s0, s1 = _slices(control + is_state_batched, np.ndim(state))
    xp = _xp(state)
    return xp.stack([state[s0], xp.roll(state[s1], 1, target_axis)],
                    axis=control + is_state_batched)


@_kernel
def _apply_multicontrolledx(op: MultiControlledX, state, is_state_batched: bool = False,
                            debugger=None, **_):
    if len(op.wires) < 9:
        return _apply_operation_default(op, state, is_state_batched)
    b = int(is_state_batched)
    wires = [int(w) for w in op.wires]
    flips = [w + b for w, v in zip(wires[:-1], op.control_values) if not v]
    for ax in flips:  # controls on 0: X before and after
        state = np.roll(state, 1, ax)
    n = np.ndim(state) - b
    # axes (batch, others, target, controls): X on the target where every control is 1
    order = ([0] if b else []) + [i + b for i in range(n) if i not in wires] + [
        wires[-1] + b] + [w + b for w in wires[:-1]]
    moved = np.transpose(state, order)
    flat = moved.reshape(-1, 2, 2 ** (len(wires) - 1)).copy()
    flat[:, :, -1] = flat[:, ::-1, -1]
    state = np.transpose(flat.reshape(moved.shape), np.argsort(order))
    for ax in flips:
        state = np.roll(state, 1, ax)
    return state


@_kernel
def _apply_grover(op: templates.GroverOperator, state, is_state_batched: bool = False,
                  debugger=None, **_):
    if len(op.wires) < 9:
        return _apply_operation_default(op, state, is_state_batched)
    # 2|+><+| - 1 on the operator's wires: the sum over them, spread back, minus the state
    k = len(op.wires)
    axes = tuple(int(w) + is_state_batched for w in op.wires)
    total = np.sum(state, axis=axes, keepdims=True)
    return 2 ** (1 - k) * np.broadcast_to(total, np.shape(state)) - state


@_kernel
def _apply_snapshot(op: Snapshot, state, is_state_batched: bool = False, debugger=None,
                    **execution_kwargs):
    if debugger is None or not debugger.active:
        return state
    measurement = op.hyperparameters["measurement"]
    shots = op.hyperparameters["shots"]
    if shots == "workflow":
        shots = execution_kwargs.get("tape_shots")
    if shots:
        snapshot = measure_with_samples([measurement], state, Shots(shots), is_state_batched,
                                        execution_kwargs.get("rng"))[0]
    else:
        snapshot = measure(measurement, state, is_state_batched)
    snaps = debugger.snapshots
    if op.tag is None:
        snaps[len(snaps)] = snapshot
    elif op.tag not in snaps:
        snaps[op.tag] = snapshot
    elif isinstance(snaps[op.tag], list):
        snaps[op.tag].append(snapshot)
    else:
        snaps[op.tag] = [snaps[op.tag], snapshot]
    return state


@_kernel
def _apply_conditional(op: Conditional, state, is_state_batched: bool = False, debugger=None,
                       **execution_kwargs):
    mid = execution_kwargs.get("mid_measurements")
    if op.meas_val.concretize(mid):
        return apply_operation(op.base, state, is_state_batched=is_state_batched,
                               debugger=debugger, mid_measurements=mid,
                               rng=execution_kwargs.get("rng"))
    return state


@_kernel
def _apply_mid_measure(op: MidMeasure, state, is_state_batched: bool = False, debugger=None,
                       **execution_kwargs):
    if is_state_batched:
        raise ValueError("MidMeasure cannot be applied to batched states.")
    mid = execution_kwargs.get("mid_measurements")
    rng = execution_kwargs.get("rng")
    axis = int(op.wires[0])
    s0, _ = _slices(axis, np.ndim(state))
    prob0 = float(np.linalg.norm(state[s0]) ** 2)
    if prob0 - 1 > 10 * np.finfo(state.dtype).eps:
        raise ValueError(f"probabilities greater than 1. Got norm {prob0}.")
    prob0 = min(prob0, 1.0)
    sample = (np.random.binomial if rng is None else rng.binomial)(1, 1 - prob0)
    if mid is None:
        raise ValueError("apply_operation of a MidMeasure needs mid_measurements=dict() to "
                         "record its sample in")
    mid[op] = sample
    keep = QubitUnitary(np.diag([1.0 - sample, float(sample)]), op.wires)
    state = apply_operation(keep, state)
    state = state / np.linalg.norm(state)
    flip = bool(op.reset and sample == 1)
    return apply_operation(QubitUnitary(np.array([[1 - flip, flip], [flip, 1 - flip]], float),
                                        op.wires), state)


# ---------------------------------------------------------------------------- measure

def flatten_state(state, num_wires):
    """``state`` as a vector of length ``2**num_wires`` (a batch of them: a matrix).

    >>> flatten_state(np.ones((3, 2, 2)), 2).shape
    (3, 4)
    """
    dim = 2 ** num_wires
    size = np.size(state)
    return np.reshape(state, (size // dim, dim) if size > dim else (dim,))


def state_diagonalizing_gates(measurementprocess, state, is_state_batched: bool = False):
    """``measurementprocess`` of ``state``, read after its observable's diagonalizing gates.

    >>> import qsym as qml
    >>> state_diagonalizing_gates(qml.expval(qml.X(0)), np.array([1, 1]) / np.sqrt(2))
    np.float64(...)
    """
    for op in measurementprocess.diagonalizing_gates():
        state = apply_operation(op, state, is_state_batched=is_state_batched)
    n = np.ndim(state) - is_state_batched
    return measurementprocess.process_state(flatten_state(state, n), Wires(range(n)))


def csr_dot_products(measurementprocess, state, is_state_batched: bool = False):
    """``<state|H|state>`` of an expectation value by the observable's sparse matrix.

    >>> import qsym as qml
    >>> float(csr_dot_products(qml.expval(qml.Z(0) + qml.Z(1)), np.array([[1, 0], [0, 0]])))
    2.0
    """
    n = np.ndim(state) - is_state_batched
    h = measurementprocess.measured_obs.sparse_matrix(wire_order=list(range(n)))
    kets = np.reshape(np.asarray(state), (-1, 2 ** n))
    res = np.sum(np.conj(kets) * np.asarray((h @ kets.T).T), axis=1)
    return np.real(np.squeeze(res))


def full_dot_products(measurementprocess, state, is_state_batched: bool = False):
    """``<state|H|state>`` of an expectation value by the observable's matrix.

    >>> import qsym as qml
    >>> float(full_dot_products(qml.expval(qml.Z(0)), np.array([0, 1])))
    -1.0
    """
    ket = apply_operation(measurementprocess.measured_obs, state, is_state_batched=is_state_batched)
    axes = tuple(range(int(is_state_batched), np.ndim(state)))
    return np.real(np.sum(np.conj(state) * ket, axis=axes))


def sum_of_terms_method(measurementprocess, state, is_state_batched: bool = False):
    """The expectation value of a sum of observables, term by term.

    >>> import qsym as qml
    >>> float(sum_of_terms_method(qml.expval(qml.Z(0) + qml.Z(0)), np.array([1, 0])))
    2.0
    """
    return sum(measure(ExpectationMP(term), state, is_state_batched=is_state_batched)
               for term in measurementprocess.measured_obs)


def get_measurement_function(measurementprocess, state):
    """Which of this module's methods measures ``measurementprocess`` on ``state``
    (PennyLane's choice); ``NotImplementedError`` for a sample-based measurement.

    >>> import qsym as qml
    >>> get_measurement_function(qml.expval(qml.Hermitian(np.eye(2), 0)), np.ones(2)).__name__
    'full_dot_products'
    """
    mp = measurementprocess
    if isinstance(mp, StateMeasurement):
        obs = mp.measured_obs
        if isinstance(mp, ExpectationMP) and obs is not None:
            name = getattr(obs, "name", None)
            if name == "SparseHamiltonian":
                return csr_dot_products
            if name == "Hermitian":
                return full_dot_products
            if isinstance(obs, (LinearCombination, Sum)):
                # (the written operators: terms() would build the matrix of a term
                # that has none to find its Pauli form)
                terms = list(obs.ops) if isinstance(obs, LinearCombination) else list(obs)
                # (PennyLane's: the state's and the observable's data, so trainable
                # coefficients are measured term by term, autograd's values kept)
                backprop = qmath.get_interface(state, *getattr(obs, "data", ())) not in (
                    "numpy", "scipy")
                if backprop or not all(getattr(t, "has_sparse_matrix", True) for t in terms):
                    return sum_of_terms_method
                overlapping = len(obs.wires) < sum(len(t.wires) for t in terms)
                if isinstance(obs, LinearCombination) or (overlapping and len(obs.wires) > 7):
                    return csr_dot_products
        if obs is None or getattr(obs, "has_diagonalizing_gates", True):
            return state_diagonalizing_gates
        if isinstance(mp, ExpectationMP) and isinstance(obs, (LinearCombination, Sum)):
            return sum_of_terms_method  # terms without one shared eigenbasis
        if isinstance(mp, ExpectationMP) and getattr(obs, "has_matrix", False):
            return full_dot_products  # (a matrix without diagonalizing gates; PennyLane's
            # NotImplementedError)
    raise NotImplementedError(f"{mp} is not measured on a state by qml.devices.qubit.measure "
                              "(a sample-based measurement: use measure_with_samples)")


def measure(measurementprocess, state, is_state_batched: bool = False):
    """``measurementprocess`` (``qml.expval``, ``var``, ``probs``, ``state``,
    ``density_matrix``, ...) of ``state`` exactly, PennyLane's
    ``qml.devices.qubit.measure``.

    >>> import qsym as qml
    >>> measure(qml.probs(wires=[0]), np.array([[1, 0], [1, 0]]) / np.sqrt(2))
    array([0.5, 0.5])
    """
    return get_measurement_function(measurementprocess, state)(
        measurementprocess, state, is_state_batched)


# ---------------------------------------------------------------------------- sampling

def group_measurements(mps):
    """PennyLane's groups of sample measurements: qubit-wise commuting Pauli words together,
    those without an observable together, every other one alone; and their indices (one
    draw of samples per group; also :mod:`qsym._functional_mixed`'s).

    >>> import qsym as qml
    >>> group_measurements([qml.expval(qml.Z(0)), qml.probs(wires=0), qml.expval(qml.Z(1))])[1]
    [[0, 2], [1]]
    """
    if len(mps) == 1:
        return [mps], [[0]]
    words, others, other_idx, bare, bare_idx = [], [], [], [], []
    for i, mp in enumerate(mps):
        if isinstance(mp.measured_obs, (Sum, SProd, Prod)):
            mp.measured_obs = simplify(mp.measured_obs)
        if isinstance(mp, (ClassicalShadowMP, ShadowExpvalMP)):
            others.append([mp]), other_idx.append([i])
        elif mp.measured_obs is None:
            bare.append(mp), bare_idx.append(i)
        elif pauli.is_pauli_word(mp.measured_obs):
            words.append((i, mp))
        else:
            others.append([mp]), other_idx.append([i])
    groups, indices = [], []
    if words:
        parts = pauli.compute_partition_indices([mp.measured_obs for _, mp in words])
        indices = [[words[j][0] for j in part] for part in parts]
        groups = [[words[j][1] for j in part] for part in parts]
    return (groups + ([bare] if bare else []) + others,
            indices + ([bare_idx] if bare else []) + other_idx)


_group_measurements = group_measurements  # PennyLane's name (its sampling module's)


def _apply_diagonalizing_gates(mps, state, is_state_batched=False):
    if len(mps) == 1:
        gates = mps[0].diagonalizing_gates()
    elif all(mp.measured_obs for mp in mps):
        gates = pauli.diagonalize_qwc_pauli_words([mp.measured_obs for mp in mps])[0]
    else:
        gates = []
    for op in gates:
        state = apply_operation(op, state, is_state_batched=is_state_batched)
    return state


def sample_probs(probs, shots, num_wires, is_state_batched, rng, prng_key=None):
    """``shots`` samples (bits, one row per shot, wire 0 first) of the basis states with
    probabilities ``probs`` (a batch of them: one array per row), drawn as PennyLane draws
    them: ``np.random.default_rng(rng).choice(2**num_wires, shots, p=probs)``.

    >>> sample_probs(np.array([0, 0, 1, 0]), 2, 2, False, 7)
    array([[1, 0],
           [1, 0]])
    """
    if prng_key is not None:
        raise ValueError("qsym samples with NumPy's generator only (prng_key is JAX's): pass "
                         "rng=seed instead")
    rng = np.random.default_rng(rng)
    probs = np.asarray(probs, dtype=float)
    norm = np.sum(probs, axis=-1)
    if np.any(np.abs(norm - 1.0) > 1e-6):
        raise ValueError("probabilities do not sum to 1")
    if is_state_batched:
        probs = probs / (norm[:, None] if np.ndim(norm) else norm)
        drawn = np.stack([choice(rng, p, shots) for p in probs])
    else:
        drawn = choice(rng, probs / norm, shots)
    powers = 1 << np.arange(num_wires, dtype=np.int64)[::-1]
    return ((np.asarray(drawn, dtype=np.int64)[..., None] & powers) > 0).astype(np.int64)


def sample_state(state, shots: int, is_state_batched: bool = False, wires=None, rng=None,
                 prng_key=None):
    """``shots`` samples of ``wires`` (all the state's wires by default) of ``state``: an
    integer array of shape ``(shots, len(wires))`` (a batch first).

    >>> sample_state(np.array([[0, 1], [0, 0]]), 3, rng=1)
    array([[0, 1],
           [0, 1],
           [0, 1]])
    """
    total = np.ndim(state) - is_state_batched
    state_wires = Wires(range(total))
    wires = Wires(wires) if wires else state_wires
    probabilities = probs(wires=wires).process_state(flatten_state(state, total), state_wires)
    return sample_probs(probabilities, shots, len(wires), is_state_batched, rng, prng_key)


def _process_samples(mp, samples, wires, is_state_batched):
    """``mp`` of ``samples`` (of each state of a batch: stacked)."""
    if not is_state_batched:
        return mp.process_samples(samples, wires)
    res = [mp.process_samples(s, wires) for s in samples]
    return tuple(res) if isinstance(res[0], dict) else np.stack(res)


def _measure_group(mps, state, shots, is_state_batched=False, rng=None, prng_key=None):
    state = _apply_diagonalizing_gates(mps, state, is_state_batched)
    wires = Wires(range(np.ndim(state) - is_state_batched))
    try:
        samples = sample_state(state, shots.total_shots, is_state_batched, wires, rng, prng_key)
    except ValueError as exc:
        if "probabilities contain nan" not in str(exc).lower():
            raise
        samples = np.zeros((shots.total_shots, len(wires)), dtype=int)
    out = [tuple(_process_samples(mp, samples[..., lo:hi, :], wires, is_state_batched)
                 for mp in mps) for lo, hi in shots.bins()]
    return tuple(zip(*out)) if shots.has_partitioned_shots else out[0]


def _measure_terms(terms, coeffs, state, shots, is_state_batched, rng):
    """An expectation value of a sum from each term's, one shot copy at a time."""
    per_copy = []
    for copy in shots:
        res = measure_with_samples([ExpectationMP(t) for t in terms], state, Shots(copy),
                                   is_state_batched=is_state_batched, rng=rng)
        per_copy.append(sum(c * r for c, r in zip(coeffs, res)))
    return [tuple(per_copy)] if shots.has_partitioned_shots else [per_copy[0]]


def _measure_shadow(mps, state, shots, is_state_batched=False, rng=None):
    mp = mps[0]
    n = np.ndim(state) - is_state_batched
    wires = Wires(range(n))
    if shots.has_partitioned_shots:
        return [tuple(mp.process_state_with_shots(state, wires, s, rng=rng) for s in shots)]
    return [mp.process_state_with_shots(state, wires, shots.total_shots, rng=rng)]


def measure_with_samples(measurements, state, shots, is_state_batched: bool = False, rng=None,
                         prng_key=None, mid_measurements: dict | None = None):
    """The sample measurements ``measurements`` of ``state`` with ``shots``, PennyLane's
    ``qml.devices.qubit.measure_with_samples``: a tuple with one result per measurement (per
    shot copy first with a shot vector); a seed ``rng`` gives PennyLane's samples.

    >>> import qsym as qml
    >>> measure_with_samples([qml.expval(qml.Z(0))], np.array([0, 1]), qml.measurements.Shots(10))
    (np.float64(-1.0),)
    """
    shots = Shots(shots)
    mps = measurements[:-len(mid_measurements)] if mid_measurements else list(measurements)
    groups, indices = group_measurements(mps)
    results = []
    for group in groups:
        obs = getattr(group[0], "measured_obs", None)
        if isinstance(group[0], ExpectationMP) and isinstance(obs, LinearCombination):
            coeffs, terms = obs.terms()
            results.extend(_measure_terms(terms, coeffs, state, shots, is_state_batched, rng))
        elif isinstance(group[0], ExpectationMP) and isinstance(obs, Sum):
            results.extend(_measure_terms(list(obs), [1] * len(obs), state, shots,
                                          is_state_batched, rng))
        elif isinstance(group[0], (ClassicalShadowMP, ShadowExpvalMP)):
            results.extend(_measure_shadow(group, state, shots, is_state_batched, rng))
        else:
            results.extend(_measure_group(group, state, shots, is_state_batched, rng, prng_key))
    flat = [i for idx in indices for i in idx]
    ordered = tuple(r for _, r in sorted(enumerate(results), key=lambda r: flat[r[0]]))
    if mid_measurements:
        ordered += tuple(mid_measurements.values())
    return tuple(zip(*ordered)) if shots.has_partitioned_shots else ordered


# ---------------------------------------------------------------------------- simulate

class _FlexShots(Shots):
    """PennyLane's ``Shots`` that may count zero shots (a branch no shot reached)."""

    __slots__ = ()

    def __init__(self, shots=None):
        if isinstance(shots, Shots):
            return
        if isinstance(shots, (int, np.integer)) and shots == 0:
            shots = [0]
        if isinstance(shots, (list, tuple)) and any(
                (s[0] if isinstance(s, (list, tuple)) else s) == 0 for s in shots):
            vector = []  # consecutive equal counts as one ShotCopies, as Shots does
            for item in shots:
                count, copies = item if isinstance(item, (list, tuple)) else (item, 1)
                if count < 0 or copies < 1:
                    raise ValueError(f"_FlexShots: {item!r} is not a count of shots >= 0 "
                                     "(or a (shots, copies) pair)")
                if vector and vector[-1].shots == count:
                    vector[-1] = ShotCopies(count, vector[-1].copies + copies)
                else:
                    vector.append(ShotCopies(int(count), int(copies)))
            object.__setattr__(self, "total_shots", sum(v.shots * v.copies for v in vector))
            object.__setattr__(self, "shot_vector", tuple(vector))
            return
        super().__init__(shots)


def get_final_state(circuit, debugger=None, **execution_kwargs):
    """The state ``circuit``'s operations leave (its wires ``0..n-1``), and whether it is a
    batch, PennyLane's ``qml.devices.qubit.get_final_state``.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.X(0)], [qml.state()])
    >>> get_final_state(tape)
    (array([0.+0.j, 1.+0.j]), False)
    """
    if execution_kwargs.pop("prng_key", None) is not None:
        raise ValueError("qsym samples with NumPy's generator only (prng_key is JAX's): pass "
                         "rng=seed instead")
    execution_kwargs.pop("interface", None)
    postselect = {"postselect_mode": execution_kwargs.pop("postselect_mode", None)}
    prep = circuit[0] if len(circuit) > 0 and isinstance(circuit[0], StatePrepBase) else None
    state = create_initial_state(sorted(circuit.op_wires), prep)
    batched = bool(prep and prep.batch_size is not None)
    for op in circuit.operations[bool(prep):]:
        state = apply_operation(op, state, is_state_batched=batched, debugger=debugger,
                                tape_shots=circuit.shots, **execution_kwargs)
        if isinstance(op, Projector):  # a postselection: renormalized, the shots drawn
            norm = _norm_of(state, batched)
            state = _postselected(state, batched, circuit.shots, postselect)
            if circuit.shots and postselect["postselect_mode"] != "fill-shots":
                # PennyLane's: the shots that keep the outcome, a binomial draw per count
                # (with the sampling's generator), become the tape's shots ("hw-like")
                circuit._shots = _FlexShots(_kept_shots(circuit.shots, norm,
                                                        execution_kwargs.get("rng")))
        batched = batched or getattr(op, "batch_size", None) is not None
    for _ in range(circuit.num_wires - len(circuit.op_wires)):
        state = np.stack([state, np.zeros_like(state)], axis=-1)
    return state, batched


def _norm_of(state, batched) -> float:
    """The norm of a projected state (0 for a batch: refused by :func:`_postselected`)."""
    return 0.0 if batched else float(np.linalg.norm(state))


def _kept_shots(shots, norm, rng) -> list:
    """PennyLane's ``_postselection_postprocess``: each count of ``shots`` replaced by a
    binomial draw of it with the kept outcome's probability ``norm**2`` (0 for a norm
    that is numerically 0), from ``rng`` (a ``numpy.random.Generator``; a seed makes one;
    None: NumPy's global generator, as PennyLane's ``np.random.binomial``)."""
    p = 0.0 if np.isclose(norm, 0.0) else min(norm**2, 1.0)
    if rng is None:
        draw = np.random.binomial
    else:
        draw = (rng if isinstance(rng, np.random.Generator)
                else np.random.default_rng(rng)).binomial
    return [int(draw(s, p)) for s in shots]


def _postselected(state, batched, shots, execution_kwargs):
    """The state after a postselection's projector, renormalized as PennyLane's: NaN when
    the kept outcome has probability 0 (``postselect_mode="fill-shots"`` with shots: its
    ``RuntimeError``); a broadcast state is refused (PennyLane's ``ValueError``)."""
    if batched:
        raise ValueError(
            "Cannot postselect on circuits with broadcasting. Use the "
            "qml.transforms.broadcast_expand transform to split a broadcasted tape into "
            "multiple non-broadcasted tapes before executing if postselection is used.")
    norm = np.linalg.norm(state)
    if np.isclose(norm, 0.0):
        if execution_kwargs.get("postselect_mode") == "fill-shots" and shots:
            raise RuntimeError(
                "The probability of the postselected mid-circuit measurement outcome is 0. "
                "This leads to invalid results when using postselect_mode='fill-shots'.")
        return np.full_like(state, np.nan)
    return state / norm


def measure_final_state(circuit, state, is_state_batched, **execution_kwargs):
    """``circuit``'s measurements of its final ``state``: exact without shots, sampled (with
    ``rng``) with them; one result, or a tuple of them.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    >>> float(measure_final_state(tape, np.array([0, 1]), False))
    -1.0
    """
    mid = execution_kwargs.get("mid_measurements")
    if not circuit.shots:
        if mid is not None:
            raise TypeError("Native mid-circuit measurements are only supported with finite shots.")
        res = tuple(measure(mp, state, is_state_batched=is_state_batched)
                    for mp in circuit.measurements)
        return res[0] if len(res) == 1 else res
    rng = np.random.default_rng(execution_kwargs.get("rng"))
    res = measure_with_samples(circuit.measurements, state, circuit.shots, is_state_batched,
                               rng=rng, mid_measurements=mid)
    if len(circuit.measurements) == 1:
        return tuple(r[0] for r in res) if circuit.shots.has_partitioned_shots else res[0]
    return res


def simulate(circuit, debugger=None, state_cache: dict | None = None, **execution_kwargs):
    """The results of the tape ``circuit`` simulated on a state vector, PennyLane's
    ``qml.devices.qubit.simulate``; ``rng`` seeds its samples, ``state_cache`` (a dict)
    receives the final state under the tape's hash. A tape with mid-circuit measurements
    runs by ``default.qubit``'s methods (``mcm_method``, ``postselect_mode``): the tape's
    results, or with ``"one-shot"`` (the default with shots) PennyLane's per-shot results of
    ``qml.dynamic_one_shot``'s auxiliary tape, whose processing keeps the postselected shots.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.H(0)], [qml.probs(wires=0)])
    >>> simulate(tape)
    array([0.5, 0.5])
    """
    mapped = circuit.map_to_standard_wires()
    # (a copy: a postselection sets its shots, those kept, as PennyLane's get_final_state)
    circuit = mapped.copy() if mapped is circuit else mapped
    if any(isinstance(op, MidMeasure) for op in circuit.operations):
        return _simulate_mcms(circuit, debugger, **execution_kwargs)
    execution_kwargs.pop("mcm_method", None)
    state, batched = get_final_state(circuit, debugger=debugger, **execution_kwargs)
    if state_cache is not None:
        state_cache[circuit.hash] = state
    return measure_final_state(circuit, state, batched, **execution_kwargs)


_tapes.BACKPROP["simulate"] = simulate  # (qml.grad of a tape holding autograd's matrix)


def branch_state(state, branch, mcm):
    """``state`` collapsed on outcome ``branch`` of the mid-circuit measurement ``mcm``
    (normalized; reset to 0 when ``mcm.reset``).

    >>> import qsym as qml
    >>> branch_state(np.array([1, 1]) / np.sqrt(2), 1, qml.ops.MidMeasure(0))
    array([0., 1.])
    """
    state = np.array(state, copy=True)
    idx = [slice(None)] * np.ndim(state)
    idx[int(mcm.wires[0])] = int(not branch)
    state[tuple(idx)] = 0.0
    state = state / np.linalg.norm(state)
    if mcm.reset and branch == 1:
        state = apply_operation(PauliX(mcm.wires), state)
    return state


def samples_to_counts(samples):
    """The counts ``{0: ..., 1: ...}`` of an array of 0/1 samples (integer keys and values).

    >>> samples_to_counts(np.array([0, 1, 1]))
    {0: 1, 1: 2}
    """
    ones = int(np.count_nonzero(samples))
    return {0: int(np.size(samples)) - ones, 1: ones}


def counts_to_probs(counts):
    """The frequencies of ``counts`` (a dict of outcome: count).

    >>> counts_to_probs({0: 1, 1: 3})
    {0: np.float64(0.25), 1: np.float64(0.75)}
    """
    values = np.array(list(counts.values()))
    return dict(zip(counts.keys(), values / np.sum(values)))


# ---------------------------------------------------------------------------- adjoint

def _dot_product_real(bras, ket, num_wires):
    axes = tuple(range(1, num_wires + 1))
    return np.real(np.sum(np.conj(bras) * ket, axis=axes))


def _standard(tape):
    """``tape`` on wires ``0..n-1`` (in the order of its wires)."""
    return tape.map_to_standard_wires()


def _held(op, first, trainable) -> int:
    """How many parameters ``op`` holds on its tape (its ``data``: a ``QubitUnitary``'s
    matrix too, PennyLane's ``num_params`` 1), so that the adjoint methods' count of the
    tape's parameters stays aligned with ``trainable_params``; ``first`` is the index of its
    first one. A trainable parameter of an operation of several is refused (the adjoint
    method differentiates one-parameter gates: decompose it first)."""
    k = len(op.data)
    if k > 1 and any(first + j in trainable for j in range(k)):
        raise ValueError(
            f"the adjoint method differentiates operations of one parameter; {op.name} has "
            f"{k} and one is trainable: decompose the tape first (qml.devices.qubit "
            "adjoint methods take default.qubit's preprocessed tapes)")
    return k


def _derivative_applied(op, ket):
    return apply_operation(QubitUnitary(operation_derivative(op), wires=op.wires), ket)


def _adjoint_jacobian_state(tape):
    """The Jacobian of ``qml.state()``: each trainable gate's derivative carried forward."""
    has_prep = isinstance(tape[0], StatePrepBase)
    state = create_initial_state(tape.wires, tape[0] if has_prep else None)
    jac, param_idx = [], int(has_prep)
    for op in tape.operations[has_prep:]:
        jac = [apply_operation(op, j) for j in jac]
        k = _held(op, param_idx, tape.trainable_params)
        if k == 1 and param_idx in tape.trainable_params:
            jac.append(_derivative_applied(op, state))
        param_idx += k
        state = apply_operation(op, state)
    return tuple(j.flatten() for j in jac)


def adjoint_jacobian(tape, state=None):
    """The Jacobian of ``tape``'s expectation values (or of its ``qml.state()``) by the
    adjoint method, PennyLane's ``qml.devices.qubit.adjoint_jacobian``: one backward sweep
    with the observables applied to the final state. Every trainable operation has one
    parameter and a generator. One array per observable and parameter (nested tuples).

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    >>> adjoint_jacobian(tape)  # d cos(x) / dx = -sin(0.5)
    array(-0.47942554)
    """
    tape = _standard(tape)
    if isinstance(tape.measurements[0], StateMP):
        return _adjoint_jacobian_state(tape)
    ket = state if state is not None else get_final_state(tape)[0]
    n = len(tape.wires)
    bras = np.stack([2 * apply_operation(obs, ket) for obs in tape.observables]).astype(complex)
    jac = np.zeros((len(tape.observables), len(tape.trainable_params)))
    param = len(tape.get_parameters(trainable_only=False, operations_only=True)) - 1
    trainable = len(tape.trainable_params) - 1
    for op in reversed(tape.operations[tape.num_preps:]):
        if isinstance(op, Snapshot):
            continue
        adj = adjoint(op)
        ket = apply_operation(adj, ket)
        k = _held(op, param - len(op.data) + 1, tape.trainable_params)
        if k == 1 and param in tape.trainable_params:
            jac[:, trainable] = _dot_product_real(bras, _derivative_applied(op, ket), n)
            trainable -= 1
        param -= k
        bras = np.stack([apply_operation(adj, b) for b in bras])
    return adjoint_jacobian_tuples(jac)


def adjoint_jvp(tape, tangents, state=None):
    """The Jacobian-vector product of ``tape``'s expectation values with ``tangents`` (one
    per trainable parameter) by the adjoint method.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    >>> adjoint_jvp(tape, (2.0,))
    array(-0.95885108)
    """
    tape = _standard(tape)
    ket = state if state is not None else get_final_state(tape)[0]
    n = len(tape.wires)
    bras = np.stack([apply_operation(obs, ket) for obs in tape.observables]).astype(complex)
    param = len(tape.get_parameters(trainable_only=False, operations_only=True)) - 1
    trainable = len(tape.trainable_params) - 1
    out = np.zeros(len(tape.observables))
    for op in reversed(tape.operations[tape.num_preps:]):
        adj = adjoint(op)
        ket = apply_operation(adj, ket)
        k = _held(op, param - len(op.data) + 1, tape.trainable_params)
        if k == 1 and param in tape.trainable_params:
            if not np.allclose(tangents[trainable], 0):
                out += 2 * _dot_product_real(bras, _derivative_applied(op, ket), n) * \
                    tangents[trainable]
            trainable -= 1
        param -= k
        bras = np.stack([apply_operation(adj, b) for b in bras])
    if len(out) == 1:
        return np.array(out[0])
    return tuple(np.array(t) for t in out)


def _state_vjp_bras(cotangents, ket):
    batched = np.ndim(cotangents) == 2
    bras = np.conj(np.reshape(cotangents, (-1, *np.shape(ket))))
    return (bras if batched else np.squeeze(bras, 0)), (np.shape(cotangents)[0] if batched
                                                        else None), []


def _vjp_bras(tape, cotangents, ket):
    """The bras ``2 sum_i c_i O_i |ket>`` of the cotangents (one per batch entry), the batch
    size, and the batch entries whose cotangents are all zero."""
    if isinstance(tape.measurements[0], StateMP):
        return _state_vjp_bras(cotangents, ket)
    single = len(tape.measurements) == 1
    if not single:
        inner = next((np.shape(c) for c in cotangents if np.shape(c) != ()), None)
        if inner is not None:
            cotangents = [np.zeros(inner) if np.shape(c) == () and np.allclose(c, 0.0) else c
                          for c in cotangents]
    cotangents = np.array(cotangents)
    if single:
        cotangents = np.expand_dims(cotangents, 0)
    batched = np.ndim(cotangents) == 2
    batch = cotangents.shape[1] if batched else None
    if np.allclose(cotangents, 0.0):
        return None, batch, []
    observables, nulls = [], []
    for i, cots in enumerate(cotangents.T if batched else [cotangents]):
        kept = [(c, o) for c, o in zip(cots, tape.observables) if not np.allclose(c, 0.0)]
        if kept:
            observables.append(dot([c for c, _ in kept], [o for _, o in kept]))
        else:
            nulls.append(i)
    bras = np.stack([2 * apply_operation(obs, ket) for obs in observables]).astype(ket.dtype)
    return (bras if batched else np.squeeze(bras, 0)), batch, nulls


def adjoint_vjp(tape, cotangents, state=None):
    """The vector-Jacobian product of ``tape``'s expectation values (or ``qml.state()``)
    with ``cotangents`` (one per measurement; a batch of them along a second axis) by the
    adjoint method: one value per trainable parameter.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    >>> adjoint_vjp(tape, 2.0)
    (np.float64(-0.95885107720840...),)
    """
    tape = _standard(tape)
    ket = state if state is not None else get_final_state(tape)[0]
    bras, batch, nulls = _vjp_bras(tape, cotangents, ket)
    n_train = len(tape.trainable_params)
    if bras is None:
        return tuple(0.0 for _ in range(n_train)) if batch is None else tuple(
            np.zeros((n_train, batch)))
    is_state = isinstance(tape.measurements[0], StateMP)
    param = len(tape.get_parameters(trainable_only=False, operations_only=True)) - 1
    trainable = n_train - 1
    out = np.empty((n_train,) if batch is None else (n_train, batch),
                   dtype=complex if is_state else float)
    axes = None if batch is None else tuple(range(1, np.ndim(bras)))
    for op in reversed(tape.operations[tape.num_preps:]):
        adj = adjoint(op)
        ket = apply_operation(adj, ket)
        k = _held(op, param - len(op.data) + 1, tape.trainable_params)
        if k == 1 and param in tape.trainable_params:
            val = np.sum(np.conj(bras) * _derivative_applied(op, ket), axis=axes)
            val = val if is_state else np.real(val)
            for i in nulls:
                val = np.insert(val, i, 0.0)
            out[trainable] = val
            trainable -= 1
        param -= k
        bras = apply_operation(adj, bras, is_state_batched=bool(batch))
    return tuple(out)


def _refused(name):
    def refused(*args, **kwargs):
        raise NotImplementedError(
            f"qml.devices.qubit.simulate's {name} (PennyLane's mid-circuit measurement "
            "simulation by tree traversal or one shot at a time) is not provided by qsym: "
            "execute the tape with qml.device('default.qubit', shots=...).execute(tape)")

    refused.__name__ = name
    refused.__doc__ = f"Not provided: PennyLane's ``{name}`` (raises NotImplementedError)."
    return refused


def _simulate_mcms(circuit, debugger=None, mcm_method=None, postselect_mode=None, rng=None,
                   interface=None, prng_key=None, **unused):
    """A tape with mid-circuit measurements, simulated by ``default.qubit``'s own
    mid-circuit measurement methods: the tape's results as ``dev.execute`` gives them;
    with ``"one-shot"`` (or no method and shots), ``qml.dynamic_one_shot``'s auxiliary
    tape (:func:`_is_one_shot_tape`) gives PennyLane's per-shot results instead
    (:func:`_simulate_one_shots`: its processing keeps the postselected shots). (Another
    tape is not split into shots: PennyLane's would read its last measurements as the
    mid-circuit measurements' samples.)"""
    from .devices import DefaultQubit, ExecutionConfig, MCMConfig
    if debugger is not None or prng_key is not None:
        raise NotImplementedError(
            "qml.devices.qubit.simulate of a tape with mid-circuit measurements and a "
            f"{'debugger' if debugger is not None else 'JAX prng_key'} is not provided by "
            "qsym: use qml.snapshots on a QNode, or a tape without mid-circuit measurements")
    if mcm_method not in (None, "tree-traversal", "one-shot", "deferred"):
        raise ValueError(f"mcm_method {mcm_method!r} of qml.devices.qubit.simulate: use "
                         "'tree-traversal', 'one-shot' or 'deferred'")
    if mcm_method is None:  # PennyLane's: one shot at a time (tree traversal analytically)
        mcm_method = "one-shot" if circuit.shots else "tree-traversal"
    if mcm_method == "one-shot" and _is_one_shot_tape(circuit):
        return _simulate_one_shots(circuit, postselect_mode, rng)
    config = ExecutionConfig(mcm_config=MCMConfig(mcm_method=mcm_method,
                                                  postselect_mode=postselect_mode))
    dev = DefaultQubit(seed=rng)
    return dev.execute([circuit], config)[0]


def _is_one_shot_tape(circuit) -> bool:
    """Whether ``circuit`` is ``qml.dynamic_one_shot``'s auxiliary tape: its last
    measurements are a ``qml.sample`` of each mid-circuit measurement's own outcome, in the
    order of the operations (the form PennyLane's one-shot simulation appends the outcomes
    to).

    >>> import qsym as qml
    >>> m = qml.measure(0)
    >>> tape = qml.tape.QuantumScript([*m.measurements], [qml.expval(qml.Z(0))], shots=2)
    >>> _is_one_shot_tape(tape), _is_one_shot_tape(qml.dynamic_one_shot(tape)[0][0])
    (False, True)
    """
    mcms = [op for op in circuit.operations if isinstance(op, MidMeasure)]
    tail = list(circuit.measurements[len(circuit.measurements) - len(mcms):])
    if not mcms or len(tail) != len(mcms):
        return False
    for op, m in zip(mcms, tail):
        mv = getattr(m, "mv", None)
        if (m.kind != "sample" or mv is None or isinstance(mv, (list, tuple))
                or list(mv.measurements) != [op]
                or [mv.concretize({op: 0}), mv.concretize({op: 1})] != [0, 1]):
            return False
    return True


def _simulate_one_shots(circuit, postselect_mode=None, rng=None):
    """PennyLane's ``simulate(circuit, mcm_method="one-shot")``: the results of
    ``circuit.shots.total_shots`` single shots, a tuple with one per shot, each the
    circuit's measurements of one shot with each mid-circuit measurement sampled from its
    own probabilities (a postselected one too: keeping only the postselected shots is
    ``qml.dynamic_one_shot``'s processing, as PennyLane's; its auxiliary tape ends with a
    sample of each mid-circuit measurement, which reads the shot's outcomes). One
    generator, ``numpy.random.default_rng(rng)``, draws every shot's outcomes and samples.

    >>> import qsym as qml
    >>> m = qml.measure(0, postselect=1)
    >>> tape = qml.tape.QuantumScript([qml.X(0), *m.measurements],
    ...                               [qml.expval(qml.Z(0)), qml.sample(m)], shots=2)
    >>> _simulate_one_shots(tape, rng=1)
    ((np.float64(-1.0), 1), (np.float64(-1.0), 1))
    """
    if not circuit.shots:
        raise TypeError("Native mid-circuit measurements are only supported with finite "
                        "shots: give the tape shots, or use mcm_method='tree-traversal'")
    single = circuit.copy(shots=[1])
    gen = np.random.default_rng(rng)
    return tuple(simulate_one_shot_native_mcm(single, rng=gen, postselect_mode=postselect_mode)
                 for _ in range(circuit.shots.total_shots))


def simulate_one_shot_native_mcm(circuit, debugger=None, **execution_kwargs):
    """One shot of ``qml.dynamic_one_shot``'s auxiliary tape ``circuit`` (PennyLane's
    ``simulate_one_shot_native_mcm``): each mid-circuit measurement's outcome drawn from
    its probabilities (a postselected one too: keeping the postselected shots is the
    transform's processing), then the measurements of the final state with the outcomes
    appended (its last measurements are their samples). ``rng`` (a generator or a seed)
    draws them; ``postselect_mode`` and ``interface`` are accepted; JAX's ``prng_key`` is
    refused.

    >>> import qsym as qml
    >>> m = qml.measure(0, postselect=0)
    >>> tape = qml.tape.QuantumScript([qml.X(0), *m.measurements],
    ...                               [qml.expval(qml.Z(0)), qml.sample(m)], shots=[1])
    >>> simulate_one_shot_native_mcm(tape, rng=1)  # outcome 1: discarded by the processing
    (np.float64(-1.0), 1)
    """
    rng = np.random.default_rng(execution_kwargs.get("rng"))
    mid: dict = {}
    state, batched = get_final_state(
        circuit, debugger=debugger, mid_measurements=mid, rng=rng,
        postselect_mode=execution_kwargs.get("postselect_mode"),
        prng_key=execution_kwargs.get("prng_key"))
    return measure_final_state(circuit, state, batched, mid_measurements=mid, rng=rng)


def simulate_tree_mcm(circuit, debugger=None, **execution_kwargs):
    """PennyLane's ``simulate_tree_mcm``: a tape with mid-circuit measurements simulated
    with ``mcm_method="tree-traversal"`` (``default.qubit``'s; keywords ``rng`` and
    ``postselect_mode``).

    >>> import qsym as qml
    >>> m = qml.measure(0, postselect=1)
    >>> tape = qml.tape.QuantumScript([qml.X(0), *m.measurements], [qml.expval(qml.Z(0))])
    >>> float(simulate_tree_mcm(tape))
    -1.0
    """
    execution_kwargs["mcm_method"] = "tree-traversal"
    return _simulate_mcms(circuit.map_to_standard_wires(), debugger, **execution_kwargs)


# PennyLane's mid-circuit measurement internals of its simulate module: importable, refused
TreeTraversalStack = _refused("TreeTraversalStack")


def split_circuit_at_mcms(circuit):
    """PennyLane's ``split_circuit_at_mcms``: ``circuit`` cut at its mid-circuit
    measurements, one tape per segment before each (its gates since the previous one,
    measuring the wire measured: ``qml.sample`` with shots, ``qml.probs`` without), then
    the gates after the last with the circuit's measurements of wires and observables (the
    statistics of measurement values dropped).

    >>> import qsym as qml
    >>> m = qml.measure(0)
    >>> tape = qml.tape.QuantumScript([qml.H(0), *m.measurements, qml.X(1)],
    ...                               [qml.probs(wires=[1]), qml.expval(m)])
    >>> [(t.operations, t.measurements) for t in split_circuit_at_mcms(tape)]
    [([H(0)], [probs(wires=[0])]), ([X(1)], [probs(wires=[1])])]
    """
    out, first = [], 0
    for last, op in enumerate(circuit.operations):
        if isinstance(op, MidMeasure):
            measured = sample(wires=op.wires) if circuit.shots else probs(wires=op.wires)
            out.append(circuit.copy(operations=circuit.operations[first:last],
                                    measurements=[measured]))
            first = last + 1
    kept = [m for m in circuit.measurements if getattr(m, "mv", None) is None]
    out.append(type(circuit)(circuit.operations[first:], kept, shots=circuit.shots))
    return out
_find_post_processed_mcms = find_post_processed_mcms  # (PennyLane's name there)
