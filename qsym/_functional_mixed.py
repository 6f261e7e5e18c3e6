"""PennyLane's functional density-matrix simulator, ``qml.devices.qubit_mixed``
(``pennylane/devices/qubit_mixed/``): a NumPy reference on PennyLane's layout, outside qsym's
compiled pipeline (``default.mixed``'s QNodes run on :mod:`qsym._mixed`).

A density matrix of ``n`` wires is a complex tensor of shape ``(2,) * 2n``: row axes
``0..n-1`` (wire ``i`` is axis ``i``), then column axes ``n..2n-1``; a batch of them has its
batch axis first (the ``(2**n, 2**n)`` matrix form is accepted where PennyLane accepts it).
An operator maps ``rho`` to ``sum_k K rho K^dagger``: a gate's one matrix, a noise
channel's Kraus matrices (``op.kraus_matrices()``, qsym's channel table
:mod:`qsym._channels`), contracted by ``einsum`` (few wires, batched operators) or
``tensordot``; with PennyLane's special cases: ``PauliX`` rolls both axes of its wire,
diagonal gates scale by their eigenvalues, ``Identity`` and ``GlobalPhase`` leave ``rho``,
large real gates (``MultiControlledX``, ``GroverOperator``, ...) are applied as
:mod:`qsym._functional_qubit` applies them to a state, once on the rows and once on the
columns; ``QubitDensityMatrix`` replaces the state of its wires (the rest kept as its
partial trace); ``Snapshot`` records a measurement on a debugger. Measurements read
``rho`` through the measurement classes' ``process_density_matrix``; samples are drawn from
its diagonal as :func:`qsym._functional_qubit.sample_probs` draws them (a seed gives
PennyLane's samples). ``readout_errors`` (functions of a wire returning a channel) act on
the measured wires before a measurement, as in PennyLane's ``default.mixed``.

The module is importable by PennyLane's paths (``qml.devices.qubit_mixed.apply_operation``,
``...measure``, ``...sampling``, ``...simulate``, ``...initialize_state`` are this module).
"""

from __future__ import annotations

import string
from functools import singledispatch

import autograd.numpy as anp
import numpy as np
from autograd.extend import Box

from ._drawing import Snapshot
from ._noise import Channel
from ._attributes import diagonal_in_z_basis
from ._channels import CHANNELS
from ._operations import (
    CH, CNOT, CSWAP, CZ, SWAP, DensityMatrixMP, ExpectationMP, GlobalPhase, Identity,
    LinearCombination, MultiControlledX, PauliX, StateMeasurement, StateMP, StatePrepBase,
    Sum, Toffoli, probs)
from ._shadows import ClassicalShadowMP, ShadowExpvalMP
from ._opfunctions import map_wires
from ._shots import Shots
from . import _functional_qubit as fq
from . import _tapes, math as qmath, pauli, templates
from .wires import Wires

__all__ = [
    "apply_operation", "apply_operation_einsum", "apply_operation_tensordot",
    "apply_diagonal_unitary", "create_initial_state", "measure", "get_measurement_function",
    "state_diagonalizing_gates", "csr_dot_products_density_matrix",
    "full_dot_products_density_matrix", "sum_of_terms_method", "measure_with_samples",
    "sample_state", "simulate", "get_final_state", "measure_final_state"]

TENSORDOT_STATE_NDIM_PERF_THRESHOLD = 9
alphabet = string.ascii_letters


def _num_wires(state, is_state_batched=False) -> int:
    """The number of wires of a density matrix (tensor or matrix form, batched or not)."""
    shape = np.shape(state)
    size = int(np.prod(shape[int(bool(is_state_batched)):]))
    return int(round(np.log2(size) / 2))


# ---------------------------------------------------------------------------- initial state

def _like(state, like):
    if like not in (None, "numpy", "autograd"):
        raise ValueError(f"create_initial_state makes NumPy density matrices (like={like!r} is "
                         "not supported by qsym): pass like=None")
    return qmath.asarray(state, like=like) if like == "autograd" else state


def create_initial_state(wires, prep_operation=None, like=None):
    """The density matrix of ``wires`` before a circuit, PennyLane's
    ``qml.devices.qubit_mixed.create_initial_state``: ``|0...0><0...0|``, the projector on
    the state ``prep_operation`` prepares (``qml.StatePrep``, ``qml.BasisState``, ...), or
    the matrix of a ``qml.QubitDensityMatrix``; shape ``(2,) * 2 len(wires)`` (a batch of
    prepared states: a batch axis first).

    >>> import qsym as qml
    >>> create_initial_state([0]).tolist()
    [[(1+0j), 0j], [0j, 0j]]
    >>> rho = create_initial_state([0], qml.StatePrep(np.array([1, 1]) / np.sqrt(2), wires=0))
    >>> rho.real.round(3).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    n = len(wires)
    if not prep_operation:
        state = np.zeros((2,) * (2 * n), dtype=complex)
        state[(0,) * (2 * n)] = 1
        return _like(state, like)
    if isinstance(prep_operation, templates.QubitDensityMatrix):
        rho = np.asarray(prep_operation.data[0])
        batched = rho.size > 4 ** n
    else:
        vec = np.asarray(prep_operation.state_vector(wire_order=list(wires)))
        batched = vec.size > 2 ** n
        flat = vec.reshape(-1, 2 ** n)
        rho = np.einsum("bi,bj->bij", flat, flat.conj())
    single = rho.dtype in (np.float32, np.complex64)
    rho = rho.reshape(((-1,) if batched else ()) + (2,) * (2 * n))
    return _like(rho.astype(np.complex64 if single else np.complex128), like)


# ---------------------------------------------------------------------------- kernels

def _contract(fn, state, *args, **kwargs):
    """``qml.math``'s ``einsum``/``tensordot`` (PennyLane's, so its dispatch is observable):
    a NumPy result for a NumPy ``state``, an autograd one for an autograd ``state``."""
    out = fn(*args, **kwargs)
    return out if isinstance(out, Box) or qmath.get_interface(state) == "autograd" \
        else np.asarray(out)


def _kraus(op):
    """The Kraus matrices of ``op`` stacked ``(K, d, d)`` (a gate: its matrix, ``K = 1``;
    a batched gate: ``(b, 1, d, d)``) and the gate's batch size (None if unbatched);
    autograd's values where the parameters are (``qml.grad`` through this module, as
    PennyLane's)."""
    dim = 2 ** len(op.wires)
    if isinstance(op, Channel):
        ks = [k if isinstance(k, Box) else np.asarray(k, dtype=complex)
              for k in op.kraus_matrices()]
        return (anp.stack(ks) if any(isinstance(k, Box) for k in ks) else np.stack(ks)), None
    mat = op.matrix()
    mat = mat if isinstance(mat, Box) else np.asarray(mat, dtype=complex)
    batch = anp.shape(mat)[0] if anp.ndim(mat) == 3 else None
    if batch is not None and getattr(op, "batch_size", 0) is None:
        try:
            op._batch_size = batch  # noqa: SLF001 (PennyLane sets it when it is missing)
        except AttributeError:
            pass
    return anp.reshape(mat, ((batch,) if batch else ()) + (1, dim, dim)), batch


def _einsum_indices(wires, num_wires, is_state_batched):
    """PennyLane's index string of ``K rho K^dagger`` on ``wires`` (PennyLane's
    ``get_einsum_mapping``): Kraus, state and conjugate Kraus, broadcast over a batch."""
    total = 2 * num_wires
    state = alphabet[:total]
    rows = "".join(alphabet[w] for w in wires)
    cols = "".join(alphabet[w + num_wires] for w in wires)
    k = len(wires)
    new_rows, new_cols = alphabet[total:total + k], alphabet[total + k:total + 2 * k]
    kraus = alphabet[total + 2 * k]
    out = state
    for old, new in zip(rows + cols, new_rows + new_cols):
        out = out.replace(old, new)
    return f"...{kraus}{new_rows}{rows},...{state},...{kraus}{cols}{new_cols}->...{out}"


def apply_operation_einsum(op, state, is_state_batched: bool = False, debugger=None, **_):
    """``op`` (a gate, a batch of gates, or a channel) applied to the density matrix
    ``state`` by ``einsum``: ``sum_k K rho K^dagger``.

    >>> import qsym as qml
    >>> rho = np.array([[1, 0], [0, 0]], dtype=complex)
    >>> apply_operation_einsum(qml.BitFlip(0.25, wires=0), rho).real.round(12).tolist()
    [[0.75, 0.0], [0.0, 0.25]]
    """
    kraus, _ = _kraus(op)
    k = len(op.wires)
    shape = anp.shape(kraus)[:-2] + (2,) * (2 * k)
    dagger = anp.reshape(anp.conj(anp.swapaxes(kraus, -1, -2)), shape)
    n = _num_wires(state, is_state_batched)
    state = qmath.reshape(state, ((-1,) if is_state_batched else ()) + (2,) * (2 * n))
    idx = _einsum_indices([int(w) for w in op.wires], n, is_state_batched)
    return _contract(qmath.einsum, state, idx, anp.reshape(kraus, shape), state, dagger)


def apply_operation_tensordot(op, state, is_state_batched: bool = False, debugger=None, **_):
    """``op`` (a gate or a channel, unbatched) applied to the density matrix ``state`` by
    ``tensordot``: ``sum_k K rho K^dagger``.

    >>> import qsym as qml
    >>> rho = np.array([[1, 0], [0, 0]], dtype=complex)
    >>> apply_operation_tensordot(qml.X(0), rho).real.tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    kraus, batch = _kraus(op)
    if batch is not None:
        return apply_operation_einsum(op, state, is_state_batched)
    k = len(op.wires)
    n = _num_wires(state, is_state_batched)
    b = int(bool(is_state_batched))
    state = qmath.reshape(state, ((-1,) if b else ()) + (2,) * (2 * n))
    kraus = anp.reshape(kraus, (len(kraus),) + (2,) * (2 * k))
    rows = [int(w) + b for w in op.wires]
    cols = [r + n for r in rows]
    inner = list(range(k + 1, 2 * k + 1))
    # (K, new rows, rest...) then contract the columns with conj(K) over the same Kraus index
    left = _contract(qmath.tensordot, state, kraus, state, axes=(inner, rows))
    col_axes = [1 + k + sum(1 for a in range(2 * n + b) if a not in rows and a < c)
                for c in cols]
    out = _contract(qmath.tensordot, state, left, anp.conj(kraus),
                    axes=([0] + col_axes, [0] + inner))
    # axes now: new rows (k), the untouched axes in order, new columns (k)
    rest = [a for a in range(2 * n + b) if a not in rows and a not in cols]
    order = rows + rest + cols
    return anp.transpose(out, np.argsort(order))


def apply_diagonal_unitary(op, state, is_state_batched: bool = False, **_):
    """A gate diagonal in the computational basis applied to ``state`` by its eigenvalues
    (``rho_ij -> d_i rho_ij conj(d_j)``).

    >>> import qsym as qml
    >>> rho = np.full((2, 2), 0.5, dtype=complex)
    >>> apply_diagonal_unitary(qml.Z(0), rho).real.tolist()
    [[0.5, -0.5], [-0.5, 0.5]]
    """
    wires = [int(w) for w in op.wires]
    n = _num_wires(state, is_state_batched)
    eig = np.asarray(op.eigvals(), dtype=complex)
    batch = op.batch_size
    eig = eig.reshape(((-1,) if batch is not None else ()) + (2,) * len(wires))
    state = qmath.reshape(state, ((-1,) if is_state_batched else ()) + (2,) * (2 * n))
    if batch is not None and not is_state_batched:  # (the state's framework kept)
        state = qmath.stack([state] * batch)
        is_state_batched = True
    b = int(bool(is_state_batched))
    idx = alphabet[:2 * n + b]
    rows = "".join(idx[w + b] for w in wires)
    cols = "".join(idx[w + b + n] for w in wires)
    lead = idx[0] if batch is not None else ""
    return _contract(qmath.einsum, state, f"{lead}{rows},{idx},{lead}{cols}->{idx}", eig, state,
                     np.conj(eig))


def _apply_operation_default(op, state, is_state_batched, debugger=None, **_):
    if op in diagonal_in_z_basis:
        return apply_diagonal_unitary(op, state, is_state_batched)
    k = len(op.wires)
    if op.batch_size is None and k > 2:
        return apply_operation_tensordot(op, state, is_state_batched)
    return apply_operation_einsum(op, state, is_state_batched)


@singledispatch
def apply_operation(op, state, is_state_batched: bool = False, debugger=None, **_):
    """``op`` applied to the density matrix ``state`` (shape ``(2,) * 2n``, a batch axis
    first when ``is_state_batched``), PennyLane's ``qml.devices.qubit_mixed.apply_operation``:
    a ``functools.singledispatch`` function (register a kernel for an operator class with
    ``@apply_operation.register``). The wires of ``op`` are the wires ``0..n-1``.

    Keyword arguments: ``rng`` (a ``Snapshot``'s samples), ``tape_shots`` (the shots of a
    ``Snapshot`` taken with the workflow's shots).

    >>> import qsym as qml
    >>> rho = np.zeros((2, 2)); rho[0, 0] = 1
    >>> apply_operation(qml.AmplitudeDamping(0.5, wires=0), apply_operation(qml.X(0), rho)).real
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    return _apply_operation_default(op, state, is_state_batched, debugger)


@apply_operation.register
def _apply_identity(op: Identity, state, is_state_batched: bool = False, debugger=None, **_):
    return state


@apply_operation.register
def _apply_global_phase(op: GlobalPhase, state, is_state_batched: bool = False, debugger=None,
                        **_):
    if op.batch_size is not None and not is_state_batched:  # one copy per phase
        return qmath.stack([state] * op.batch_size)
    return state  # e^{-i phi} rho e^{i phi} = rho


def _tensor(state, n, is_state_batched):
    """``state`` in tensor form ``(2,) * 2n`` (a batch axis first)."""
    return qmath.reshape(state, ((-1,) if is_state_batched else ()) + (2,) * (2 * n))


@apply_operation.register
def _apply_paulix(op: PauliX, state, is_state_batched: bool = False, debugger=None, **_):
    n = _num_wires(state, is_state_batched)
    state = _tensor(state, n, is_state_batched)
    row = int(op.wires[0]) + bool(is_state_batched)
    return np.roll(np.roll(state, 1, row), 1, row + n)


def _apply_on_rows_and_columns(op, state, is_state_batched=False, debugger=None, **_):
    """A real gate as :mod:`qsym._functional_qubit` applies it to a state: on the row axes,
    then (its conjugate is itself) on the column axes."""
    if len(op.wires) < TENSORDOT_STATE_NDIM_PERF_THRESHOLD:
        return _apply_operation_default(op, state, is_state_batched, debugger)
    n = _num_wires(state, is_state_batched)
    state = fq.apply_operation(op, _tensor(state, n, is_state_batched),
                               is_state_batched=is_state_batched)
    shifted = map_wires(op, {w: w + n for w in op.wires})
    return fq.apply_operation(shifted, state, is_state_batched=is_state_batched)


for _cls in (CNOT, MultiControlledX, Toffoli, SWAP, CSWAP, CZ, CH, templates.GroverOperator):
    apply_operation.register(_cls)(_apply_on_rows_and_columns)


@apply_operation.register
def _apply_snapshot(op: Snapshot, state, is_state_batched: bool = False, debugger=None,
                    **execution_kwargs):
    if debugger is None or not debugger.active:
        return state
    measurement = op.hyperparameters["measurement"]
    shots = op.hyperparameters["shots"]
    if shots == "workflow":
        shots = execution_kwargs.get("tape_shots")
    if isinstance(measurement, StateMP) or not shots:
        snapshot = measure(measurement, state, is_state_batched)
    else:
        snapshot = measure_with_samples([measurement], state, Shots(shots), is_state_batched,
                                        execution_kwargs.get("rng"))[0]
    debugger.snapshots[op.tag if op.tag else len(debugger.snapshots)] = snapshot
    return state


def _partial_trace_keep(state, n, keep, batched):
    """The reduced density matrix (``(b,) d x d``) of ``state`` on the wires ``keep``."""
    rho = np.reshape(state, ((-1,) if batched else ()) + (2,) * (2 * n))
    b = int(batched)
    drop = [w for w in range(n) if w not in keep]
    idx = list(alphabet[:2 * n + b])
    for w in drop:
        idx[w + b + n] = idx[w + b]
    out = (idx[:1] if b else []) + [idx[w + b] for w in keep] + [idx[w + b + n] for w in keep]
    red = np.einsum("".join(idx) + "->" + "".join(out), rho)
    dim = 2 ** len(keep)
    return red.reshape(((-1,) if b else ()) + (dim, dim))


@apply_operation.register
def _apply_density_matrix(op: templates.QubitDensityMatrix, state, is_state_batched: bool = False,
                          debugger=None, **_):
    n = _num_wires(state, is_state_batched)
    wires = [int(w) for w in op.wires]
    b = int(bool(is_state_batched))
    dm = np.asarray(op.data[0], dtype=complex).reshape(2 ** len(wires), 2 ** len(wires))
    lead = np.shape(state)[:b]
    if len(wires) == n:
        return np.broadcast_to(dm.reshape((2,) * (2 * n)), lead + (2,) * (2 * n)).astype(complex)
    rest = [w for w in range(n) if w not in wires]
    sigma = _partial_trace_keep(state, n, rest, b)
    rho = np.einsum("...ij,kl->...ikjl", sigma, dm).reshape(lead + (2,) * (2 * n))
    # axes: rest wires, op wires (rows), then the same for the columns: back to 0..n-1
    now = rest + wires
    perm = list(range(b)) + [now.index(w) + b for w in range(n)] + [
        now.index(w) + b + n for w in range(n)]
    return np.transpose(rho, perm)


# ---------------------------------------------------------------------------- measure

def _as_matrix(state, num_wires):
    """``state`` as a ``(2**n, 2**n)`` matrix (a batch of them: ``(b, 2**n, 2**n)``)."""
    dim = 2 ** num_wires
    size = np.size(state)
    return np.reshape(state, (size // dim ** 2, dim, dim) if size > dim ** 2 else (dim, dim))


def _with_readout_errors(state, wires, is_state_batched, readout_errors):
    for error in readout_errors or ():
        for w in wires:
            state = apply_operation(error(w), state, is_state_batched=is_state_batched)
    return state


def state_diagonalizing_gates(measurementprocess, state, is_state_batched: bool = False,
                              readout_errors=None):
    """``measurementprocess`` of the density matrix ``state``, read from its diagonal after
    the observable's diagonalizing gates (and ``readout_errors`` on the measured wires);
    ``qml.state()`` is the density matrix.

    >>> import qsym as qml
    >>> rho = np.full((2, 2), 0.5)
    >>> round(float(state_diagonalizing_gates(qml.expval(qml.X(0)), rho)), 12)
    1.0
    """
    mp = measurementprocess
    for op in mp.diagonalizing_gates():
        state = apply_operation(op, state, is_state_batched=is_state_batched)
    if readout_errors and mp.wires is not None:
        state = _with_readout_errors(state, mp.wires, is_state_batched, readout_errors)
    n = _num_wires(state, is_state_batched)
    wires = Wires(range(n))
    if isinstance(mp, StateMP) and not getattr(mp, "reduce", None):  # qml.state(): rho
        mp = DensityMatrixMP(wires=getattr(mp, "raw_wires", None) or wires)
    return mp.process_density_matrix(_as_matrix(state, n), wires)


def csr_dot_products_density_matrix(measurementprocess, state, is_state_batched: bool = False,
                                    readout_errors=None):
    """``Tr(rho H)`` of an expectation value by the observable's sparse matrix (SciPy).

    >>> import qsym as qml
    >>> H = qml.SparseHamiltonian(qml.Hamiltonian([2.0], [qml.Z(0)]).sparse_matrix(), wires=[0])
    >>> float(csr_dot_products_density_matrix(qml.expval(H), np.diag([0.75, 0.25])))
    1.0
    """
    n = _num_wires(state, is_state_batched)
    obs = measurementprocess.measured_obs
    if pauli.is_pauli_sentence(obs):
        h = pauli.pauli_sentence(obs).to_mat(wire_order=range(n), format="csr")
    else:
        h = obs.sparse_matrix(wire_order=list(range(n)))
    rho = _as_matrix(np.asarray(state), n)
    # Tr(rho H) = sum_ij rho_ij H_ji
    traces = [np.sum(h.T.multiply(r)) for r in (rho if is_state_batched else [rho])]
    res = np.real(np.array(traces if is_state_batched else traces[0]))
    return res


def full_dot_products_density_matrix(measurementprocess, state, is_state_batched: bool = False,
                                     readout_errors=None):
    """``Tr(rho H)`` of an expectation value by the observable's matrix.

    >>> import qsym as qml
    >>> float(full_dot_products_density_matrix(qml.expval(qml.Hermitian(np.diag([1, 3]), 0)),
    ...                                        np.diag([0.5, 0.5])))
    2.0
    """
    n = _num_wires(state, is_state_batched)
    rho = _as_matrix(state, n)
    h = np.asarray(measurementprocess.measured_obs.matrix(wire_order=list(range(n))))
    return np.real(np.einsum("...ij,ji->...", rho, h))


def sum_of_terms_method(measurementprocess, state, is_state_batched: bool = False,
                        readout_errors=None):
    """The expectation value of a sum of observables, term by term.

    >>> import qsym as qml
    >>> float(sum_of_terms_method(qml.expval(qml.Z(0) + qml.X(0)), np.diag([1.0, 0.0])))
    1.0
    """
    return sum(measure(ExpectationMP(term), state, is_state_batched=is_state_batched,
                       readout_errors=readout_errors) for term in measurementprocess.measured_obs)


def get_measurement_function(measurementprocess, state):
    """Which of this module's methods measures ``measurementprocess`` on a density matrix
    (PennyLane's choice); ``NotImplementedError`` for a sample-based measurement.

    >>> import qsym as qml
    >>> get_measurement_function(qml.expval(qml.Hermitian(np.eye(2), 0)), np.eye(2)).__name__
    'full_dot_products_density_matrix'
    """
    mp = measurementprocess
    if isinstance(mp, StateMeasurement):
        if getattr(mp, "mv", None) is not None:
            return state_diagonalizing_gates
        obs = mp.measured_obs
        if isinstance(mp, ExpectationMP):
            name = getattr(obs, "name", None)
            if name == "SparseHamiltonian":
                return csr_dot_products_density_matrix
            if name == "Hermitian":
                return full_dot_products_density_matrix
            backprop = qmath.get_interface(state, *getattr(obs, "data", ())) != "numpy"
            if isinstance(obs, (LinearCombination, Sum)):
                terms = list(obs.ops) if isinstance(obs, LinearCombination) else list(obs)
                if backprop or not all(getattr(t, "has_sparse_matrix", True) for t in terms):
                    return sum_of_terms_method
                overlapping = len(obs.wires) < sum(len(t.wires) for t in terms)
                if isinstance(obs, LinearCombination) or (overlapping and len(obs.wires) > 7):
                    return csr_dot_products_density_matrix
        if obs is None or getattr(obs, "has_diagonalizing_gates", True):
            return state_diagonalizing_gates
        if isinstance(mp, ExpectationMP) and isinstance(obs, (LinearCombination, Sum)):
            return sum_of_terms_method  # terms without one shared eigenbasis
        if isinstance(mp, ExpectationMP) and getattr(obs, "has_matrix", False):
            return full_dot_products_density_matrix  # (no diagonalizing gates)
    raise NotImplementedError(
        f"{mp} is not measured on a density matrix by qml.devices.qubit_mixed.measure (a "
        "sample-based measurement: use measure_with_samples)")


def measure(measurementprocess, state, is_state_batched: bool = False, readout_errors=None):
    """``measurementprocess`` (``qml.expval``, ``var``, ``probs``, ``state``,
    ``density_matrix``, ``purity``, ...) of the density matrix ``state`` exactly, PennyLane's
    ``qml.devices.qubit_mixed.measure``; ``readout_errors``: functions of a wire giving a
    channel, applied to the measured wires first.

    >>> import qsym as qml
    >>> measure(qml.probs(wires=[0]), np.diag([0.25, 0.75]))
    array([0.25, 0.75])
    >>> round(float(measure(qml.expval(qml.Z(0)), np.diag([1.0, 0.0]),
    ...                     readout_errors=[lambda w: qml.BitFlip(0.1, wires=w)])), 12)
    0.8
    """
    res = get_measurement_function(measurementprocess, state)(
        measurementprocess, state, is_state_batched=is_state_batched,
        readout_errors=readout_errors)
    if isinstance(res, (np.ndarray, np.generic)) and qmath.get_interface(state) == "autograd":
        return qmath.asarray(res, like="autograd")  # the state's interface (PennyLane's)
    return res


# ---------------------------------------------------------------------------- sampling

def sample_state(state, shots: int, is_state_batched: bool = False, wires=None, rng=None,
                 prng_key=None, readout_errors=None):
    """``shots`` samples of ``wires`` (all by default) of the density matrix ``state``, drawn
    from its diagonal as PennyLane draws them: an integer array ``(shots, len(wires))`` (a
    batch first).

    >>> sample_state(np.diag([0.0, 1.0]), 3, rng=1)
    array([[1],
           [1],
           [1]])
    """
    n = _num_wires(state, is_state_batched)
    wires = Wires(wires) if wires else Wires(range(n))
    p = measure(probs(wires=wires), state, is_state_batched, readout_errors)
    return fq.sample_probs(p, shots, len(wires), is_state_batched, rng, prng_key)


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


def _processed(mp, samples, wires, is_state_batched):
    if not is_state_batched:
        return mp.process_samples(samples, wires)
    res = [mp.process_samples(s, wires) for s in samples]
    return tuple(res) if isinstance(res[0], dict) else np.stack(res)


def _measure_group(mps, state, shots, is_state_batched, rng, readout_errors):
    state = _apply_diagonalizing_gates(mps, state, is_state_batched)
    wires = Wires(range(_num_wires(state, is_state_batched)))
    samples = sample_state(state, shots.total_shots, is_state_batched, wires, rng,
                           readout_errors=readout_errors)
    out = [tuple(_processed(mp, samples[..., lo:hi, :], wires, is_state_batched) for mp in mps)
           for lo, hi in shots.bins()]
    return tuple(zip(*out)) if shots.has_partitioned_shots else out[0]


def _measure_terms(terms, coeffs, state, shots, is_state_batched, rng, readout_errors):
    """An expectation value of a sum from each term's, one shot copy at a time."""
    per_copy = []
    for copy in shots:
        res = measure_with_samples([ExpectationMP(t) for t in terms], state, Shots(copy),
                                   is_state_batched=is_state_batched, rng=rng,
                                   readout_errors=readout_errors)
        per_copy.append(sum(c * r for c, r in zip(coeffs, res)))
    return [tuple(per_copy)] if shots.has_partitioned_shots else [per_copy[0]]


def _measure_shadow(mp, state, shots, is_state_batched, rng):
    n = _num_wires(state, is_state_batched)
    wires, rho = Wires(range(n)), _as_matrix(state, n)
    if shots.has_partitioned_shots:
        return [tuple(mp.process_density_matrix_with_shots(rho, wires, s, rng=rng)
                      for s in shots)]
    return [mp.process_density_matrix_with_shots(rho, wires, shots.total_shots, rng=rng)]


def measure_with_samples(measurements, state, shots, is_state_batched: bool = False, rng=None,
                         prng_key=None, readout_errors=None):
    """The sample measurements ``measurements`` of the density matrix ``state`` with
    ``shots``, PennyLane's ``qml.devices.qubit_mixed.measure_with_samples``: a tuple with one
    result per measurement (per shot copy first with a shot vector); grouped and drawn as
    PennyLane groups and draws them.

    >>> import qsym as qml
    >>> measure_with_samples([qml.expval(qml.Z(0))], np.diag([0.0, 1.0]), qml.measurements.Shots(10))
    (np.float64(-1.0),)
    """
    if prng_key is not None:
        raise ValueError("qsym samples with NumPy's generator only (prng_key is JAX's): pass "
                         "rng=seed instead")
    shots = Shots(shots)
    groups, indices = fq.group_measurements(list(measurements))
    results = []
    for group in groups:
        obs = getattr(group[0], "measured_obs", None)
        if isinstance(group[0], ExpectationMP) and isinstance(obs, LinearCombination):
            coeffs, terms = obs.terms()
            results.extend(_measure_terms(terms, coeffs, state, shots, is_state_batched, rng,
                                          readout_errors))
        elif isinstance(group[0], ExpectationMP) and isinstance(obs, Sum):
            results.extend(_measure_terms(list(obs), [1] * len(obs), state, shots,
                                          is_state_batched, rng, readout_errors))
        elif isinstance(group[0], (ClassicalShadowMP, ShadowExpvalMP)):
            results.extend(_measure_shadow(group[0], state, shots, is_state_batched, rng))
        else:
            results.extend(_measure_group(group, state, shots, is_state_batched, rng,
                                          readout_errors))
    flat = [i for idx in indices for i in idx]
    ordered = tuple(r for _, r in sorted(enumerate(results), key=lambda r: flat[r[0]]))
    return tuple(zip(*ordered)) if shots.has_partitioned_shots else ordered


# ---------------------------------------------------------------------------- simulate

def get_final_state(circuit, debugger=None, **execution_kwargs):
    """The density matrix ``circuit``'s operations leave (its wires ``0..n-1``), and whether
    it is a batch, PennyLane's ``qml.devices.qubit_mixed.get_final_state``.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.X(0)], [qml.state()])
    >>> get_final_state(tape)[0].real.tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    if execution_kwargs.pop("prng_key", None) is not None:
        raise ValueError("qsym samples with NumPy's generator only (prng_key is JAX's): pass "
                         "rng=seed instead")
    interface = execution_kwargs.pop("interface", None)
    like = "autograd" if str(interface) in ("autograd", "Interface.AUTOGRAD") else None
    prep = circuit[0] if len(circuit) > 0 and isinstance(
        circuit[0], (StatePrepBase, templates.QubitDensityMatrix)) else None
    state = create_initial_state(sorted(circuit.op_wires), prep, like=like)
    batched = bool(prep and prep.batch_size is not None)
    for op in circuit.operations[bool(prep):]:
        state = apply_operation(op, state, is_state_batched=batched, debugger=debugger,
                                tape_shots=circuit.shots, **execution_kwargs)
        batched = batched or op.batch_size is not None
    operated = len(circuit.op_wires)
    for i in range(circuit.num_wires - operated):  # unused wires: |0><0| on each
        state = np.stack([state, np.zeros_like(state)], axis=operated + i + batched)
        state = np.stack([state, np.zeros_like(state)], axis=-1)
    return state, batched


def measure_final_state(circuit, state, is_state_batched, **execution_kwargs):
    """``circuit``'s measurements of its final density matrix ``state``: exact without
    shots, sampled (with ``rng``) with them; ``readout_errors`` as :func:`measure`'s.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    >>> float(measure_final_state(tape, np.diag([0.0, 1.0]), False))
    -1.0
    """
    readout = execution_kwargs.get("readout_errors")
    if not circuit.shots:
        res = tuple(measure(mp, state, is_state_batched=is_state_batched, readout_errors=readout)
                    for mp in circuit.measurements)
        return res[0] if len(res) == 1 else res
    rng = np.random.default_rng(execution_kwargs.get("rng"))
    res = measure_with_samples(circuit.measurements, state, circuit.shots, is_state_batched,
                               rng=rng, prng_key=execution_kwargs.get("prng_key"),
                               readout_errors=readout)
    if len(circuit.measurements) == 1:
        return tuple(r[0] for r in res) if circuit.shots.has_partitioned_shots else res[0]
    return res


def simulate(circuit, debugger=None, state_cache: dict | None = None, **execution_kwargs):
    """The results of the tape ``circuit`` simulated on a density matrix, PennyLane's
    ``qml.devices.qubit_mixed.simulate``: noise channels act by their Kraus matrices;
    ``rng`` seeds its samples, ``readout_errors`` flip measured wires, ``state_cache`` (a
    dict) receives the final state under the tape's hash.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.X(0), qml.AmplitudeDamping(0.25, wires=0)],
    ...                               [qml.expval(qml.Z(0))])
    >>> round(float(simulate(tape)), 12)
    -0.5
    """
    if execution_kwargs.pop("prng_key", None) is not None:
        raise ValueError("qsym samples with NumPy's generator only (prng_key is JAX's): pass "
                         "rng=seed instead")
    circuit = circuit.map_to_standard_wires()
    state, batched = get_final_state(circuit, debugger=debugger, **execution_kwargs)
    if state_cache is not None:
        state_cache[circuit.hash] = state
    return measure_final_state(circuit, state, batched, **execution_kwargs)


_tapes.BACKPROP["simulate_mixed"] = simulate  # (qml.grad of a tape holding autograd's matrix)


# ---------------------------------------------------------------------------- default.mixed

# PennyLane's default.mixed gate and observable sets (its module pennylane.devices.default_mixed)
observables = frozenset({
    "Hadamard", "Hermitian", "Identity", "PauliX", "PauliY", "PauliZ", "Prod", "Projector",
    "SparseHamiltonian", "SProd", "Sum"})
operations = frozenset({
    "Identity", "Snapshot", "BasisState", "StatePrep", "QubitDensityMatrix", "QubitUnitary",
    "ControlledQubitUnitary", "BlockEncode", "MultiControlledX", "DiagonalQubitUnitary",
    "SpecialUnitary", "PauliX", "PauliY", "PauliZ", "MultiRZ", "Hadamard", "S", "T", "SX",
    "CNOT", "SWAP", "ISWAP", "CSWAP", "Toffoli", "CCZ", "CY", "CZ", "CH", "PhaseShift",
    "PCPhase", "ControlledPhaseShift", "CPhaseShift00", "CPhaseShift01", "CPhaseShift10", "RX",
    "RY", "RZ", "Rot", "CRX", "CRY", "CRZ", "CRot", "SingleExcitation", "SingleExcitationPlus",
    "SingleExcitationMinus", "DoubleExcitation", "DoubleExcitationPlus",
    "DoubleExcitationMinus", "QubitCarry", "QubitSum", "OrbitalRotation", "FermionicSWAP", "QFT",
    "ECR", "ParametrizedEvolution", "GlobalPhase"}) | frozenset(CHANNELS)
DEFAULT_MIXED_GATES = operations


def observable_stopping_condition(obs) -> bool:
    """Whether ``default.mixed`` measures the observable ``obs`` as it is (PennyLane's
    ``observables`` set; a sum, product or scaled observable by its parts).

    >>> import qsym as qml
    >>> observable_stopping_condition(qml.X(0) @ qml.Z(1)), observable_stopping_condition(qml.RX(0.1, 0))
    (True, False)
    """
    name = getattr(obs, "name", type(obs).__name__)  # (a qml.Snapshot: its class's)
    if name in ("Prod", "Sum"):
        return all(observable_stopping_condition(o) for o in obs.operands)
    if name == "LinearCombination":  # the operators as written (no matrix is made)
        return all(observable_stopping_condition(o) for o in obs.ops)
    if name == "SProd":
        return observable_stopping_condition(obs.base)
    return name in observables


def stopping_condition(op) -> bool:
    """Whether ``default.mixed`` applies ``op`` without decomposing it (PennyLane's
    ``DEFAULT_MIXED_GATES``: its gates and the noise channels).

    >>> import qsym as qml
    >>> stopping_condition(qml.BitFlip(0.1, wires=0)), stopping_condition(qml.IsingXX(0.1, [0, 1]))
    (True, False)
    """
    return getattr(op, "name", type(op).__name__) in DEFAULT_MIXED_GATES
