"""PennyLane's ``qml.devices.preprocess`` transforms that decide what a device runs:
``decompose`` (an operator the device does not accept becomes its decomposition, until
every operator is accepted: :class:`qsym.errors.DeviceError` "not supported with <name>"
when one cannot be), ``validate_multiprocessing_workers``, ``validate_adjoint_trainable_params``,
``validate_observables``, ``no_sampling``, ``no_analytic``; and ``default.qubit``'s
acceptance tests (PennyLane's ``qml.devices.default_qubit.stopping_condition``,
``adjoint_ops``, ``adjoint_observables``).

qsym's simulators accept every operator with a matrix, so a circuit of table gates goes
through ``decompose`` unchanged; what it decomposes are operators without one (your own
``Operation`` classes, templates such as ``AngleEmbedding``, ``Barrier``), exactly as
PennyLane's ``default.qubit`` does.

>>> import qsym as qml
>>> def stopping_condition(op):
...     return op.name in {"CNOT", "RX", "RZ"}
>>> t = qml.tape.QuantumScript([qml.IsingXX(1.2, wires=(0, 1))], [qml.expval(qml.Z(0))])
>>> decompose(t, stopping_condition)[0][0].operations
[CNOT(wires=[0, 1]), RX(1.2, wires=[0]), CNOT(wires=[0, 1])]
"""

from __future__ import annotations

import os
import warnings
from functools import partial

import numpy as np

from . import math as qmath
from .decomposition import GateSet, enabled_graph
from .errors import DecompositionUndefinedError, DeviceError, QuantumFunctionError
from ._compilation import decomposition_gen, solve_graph
from ._operations import GATE_CLASSES
from ._transform import detached, null_postprocessing, transform

__all__ = ["decompose", "stopping_condition", "allow_mcms_stopping_condition",
           "no_mcms_stopping_condition", "adjoint_ops", "adjoint_observables",
           "validate_multiprocessing_workers", "validate_adjoint_trainable_params",
           "validate_observables", "no_sampling", "no_analytic", "null_postprocessing",
           "measurements_from_samples", "measurements_from_counts",
           "ALL_DQ_GATES", "STATE_PREPS"]

# the operators a state preparation at the start of a tape is (PennyLane's StatePrepBase, its
# subclasses AmplitudeEmbedding and BasisEmbedding included)
STATE_PREPS = frozenset(["StatePrep", "BasisState", "QubitStateVector", "QubitDensityMatrix",
                         "AmplitudeEmbedding", "BasisEmbedding"])

# default.qubit's gate set for the graph-based system: qsym's table
ALL_DQ_GATES = GateSet(sorted(GATE_CLASSES), name="All DefaultQubit Gates")

# operators default.qubit accepts by a condition of their own (PennyLane's
# _special_operator_support): matrices too large to be worth building are decomposed
SPECIAL_OPERATOR_SUPPORT = {
    "QFT": lambda op: len(op.wires) < 6,
    "GroverOperator": lambda op: len(op.wires) < 13,
    "FromBloq": lambda op: len(op.wires) < 4 and getattr(op, "has_matrix", False),
    "IQP": lambda op: len(op.wires) < 6,
    "Snapshot": lambda _: True,
    "Allocate": lambda _: True,
    "Deallocate": lambda _: True,
}


def _name(op) -> str:
    return getattr(op, "name", None) or type(op).__name__


def _trainable_data(op) -> bool:
    return any(qmath.requires_grad(d) for d in getattr(op, "data", ()) or ())


def stopping_condition(op, allow_mcms=True) -> bool:
    """Whether ``default.qubit`` runs ``op`` as it is (PennyLane's
    ``qml.devices.default_qubit.stopping_condition``): an operator with a (sparse) matrix,
    a mid-circuit measurement if ``allow_mcms``; not a power with trainable data (it is
    decomposed, so its derivative is its gates'); ``QFT`` below 6 wires, ...

    >>> import qsym as qml
    >>> stopping_condition(qml.CRX(0.1, wires=[0, 1])), stopping_condition(qml.Barrier())
    (True, False)
    """
    constraint = SPECIAL_OPERATOR_SUPPORT.get(_name(op))
    if constraint is not None:
        return bool(constraint(op))
    if type(op).__name__.startswith("Pow") and _trainable_data(op):
        return False
    if type(op).__name__ in ("MidMeasure", "MidMeasureMP"):
        return allow_mcms
    return bool(getattr(op, "has_matrix", False) or getattr(op, "has_sparse_matrix", False))


allow_mcms_stopping_condition = partial(stopping_condition, allow_mcms=True)
no_mcms_stopping_condition = partial(stopping_condition, allow_mcms=False)


def adjoint_ops(op) -> bool:
    """Whether the adjoint method takes ``op`` as it is (PennyLane's ``adjoint_ops``): no
    parameters, no trainable ones, or one parameter and a generator; not a mid-circuit
    measurement or a conditional.

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> adjoint_ops(qml.RX(pnp.array(0.1), 0)), adjoint_ops(qml.Rot(*pnp.array([0.1, 0.2, 0.3]), wires=0))
    (True, False)
    """
    if type(op).__name__ in ("Conditional", "MidMeasure", "MidMeasureMP"):
        return False
    data = getattr(op, "data", ()) or ()
    return (len(data) == 0 or not _trainable_data(op)
            or (len(data) == 1 and bool(getattr(op, "has_generator", False))))


def adjoint_observables(obs) -> bool:
    """Whether the adjoint method measures ``obs`` (PennyLane's: it has a matrix).

    >>> import qsym as qml
    >>> adjoint_observables(qml.Z(0))
    True
    """
    has = getattr(obs, "has_matrix", None)
    return bool(has) if has is not None else callable(getattr(obs, "matrix", None))


def _graph_for(tape, stopping_condition, target_gates, device_wires, num_work_wires,
               fixed_decomps, alt_decomps, strict):
    """The graph-based system's solution for the operators of ``tape`` not accepted."""
    if target_gates is None or not enabled_graph():
        return None, None
    free = None if device_wires is None else len(set(device_wires) - set(tape.wires))
    if free is None:
        free = num_work_wires
    todo = [op for op in tape.operations if not stopping_condition(op)]
    return solve_graph(todo, target_gates, fixed_decomps, alt_decomps, strict, free), free


@transform
def decompose(tape, stopping_condition, stopping_condition_shots=None,
              skip_initial_state_prep=True, decomposer=None, device_wires=None,
              num_work_wires=None, target_gates=None, fixed_decomps=None, alt_decomps=None,
              name="device", error=None, strict=True):
    """PennyLane's ``qml.devices.preprocess.decompose``: every operator for which
    ``stopping_condition(op)`` is false (``stopping_condition_shots`` instead when the
    tape has shots) is replaced by its decomposition (``decomposer(op)`` if given, else
    ``op.decomposition()``; with the graph-based system on and ``target_gates`` given, the
    cheapest rule to ``target_gates``), again until every operator is accepted. A state
    preparation first in the tape is kept (``skip_initial_state_prep``). An operator that
    is not accepted and has no decomposition raises ``error`` (default
    :class:`qsym.errors.DeviceError`) "Operator ... not supported with <name> and does not
    provide a decomposition."; a decomposition that never ends, the same error.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.IsingXX(1.2, wires=(0, 1))], [qml.expval(qml.Z(0))])
    >>> try:
    ...     decompose(t, lambda op: op.name == "S", name="my.device")
    ... except qml.DeviceError as exc:
    ...     print(exc)
    Operator CNOT(wires=[0, 1]) not supported with my.device and does not provide a decomposition.
    """
    error = error or DeviceError
    if stopping_condition_shots is not None and tape.shots:
        stopping_condition = stopping_condition_shots
    graph, free = _graph_for(tape, stopping_condition, target_gates, device_wires,
                             num_work_wires, fixed_decomps, alt_decomps, strict)
    ops = list(tape.operations)
    keep = 1 if ops and skip_initial_state_prep and _name(ops[0]) in STATE_PREPS else 0
    if all(stopping_condition(op) for op in ops[keep:]):
        return (tape,), null_postprocessing
    try:
        new_ops = [g for op in ops[keep:]
                   for g in decomposition_gen(op, stopping_condition, num_work_wires=free,
                                              graph_solution=graph,
                                              custom_decomposer=decomposer, strict=True)]
    except RecursionError as exc:
        raise error("Reached recursion limit trying to decompose operations. Operator "
                    "decomposition may have entered an infinite loop.") from exc
    except DecompositionUndefinedError as exc:
        raise error(str(exc).replace("not supported", f"not supported with {name}")) from exc
    return (tape.copy(operations=ops[:keep] + new_ops),), null_postprocessing


def _oversubscribed(max_workers):
    """PennyLane's warning when ``max_workers`` times the threads per worker exceeds the
    logical cores."""
    cores = os.cpu_count() or 1
    threads, var = cores, "OMP_NUM_THREADS"
    for name in ("MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.getenv(name):
            threads, var = int(os.getenv(name)), name
            break
    if threads * max_workers > cores:
        warnings.warn(
            f"The device requested {threads * max_workers} threads ({max_workers} processes "
            f"times {threads} threads per process), but the processor only has {cores} "
            "logical cores. The processor is likely oversubscribed, which may lead to "
            "performance deterioration. Consider decreasing the number of processes, setting "
            f"the device or execution config argument `max_workers={max(1, cores // threads)}` "
            "for example, or decreasing the number of threads per process by setting the "
            f"environment variable `{var}={max(1, cores // max_workers)}`.", UserWarning)


@transform
def validate_multiprocessing_workers(tape, max_workers, device):
    """PennyLane's ``validate_multiprocessing_workers``: with ``max_workers``, a warning if
    the processor is oversubscribed, and a ``Snapshot`` in the tape is refused (a
    ``RuntimeError``, as PennyLane's: workers cannot hand a snapshot back).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    >>> validate_multiprocessing_workers(t, None, None)[0][0] is t
    True
    """
    if max_workers is not None:
        _oversubscribed(max_workers)
        debugger = getattr(device, "_debugger", None)
        if debugger is not None and getattr(debugger, "active", False):
            raise DeviceError("Debugging with ``Snapshots`` is not available with "
                              "multiprocessing.")
        if any(type(op).__name__ == "Snapshot" for op in tape.operations):
            raise RuntimeError(
                "ProcessPoolExecutor cannot execute a QuantumScript with a ``Snapshot`` "
                "operation. Change the value of ``max_workers`` to ``None`` or execute the "
                "QuantumScript separately.")
    return (tape,), null_postprocessing


@transform
def validate_adjoint_trainable_params(tape):
    """PennyLane's ``validate_adjoint_trainable_params``: trainable parameters of a state
    preparation are refused (a ``QuantumFunctionError``), trainable observable
    parameters warned about (the adjoint method does not differentiate them).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    >>> validate_adjoint_trainable_params(t)[0][0] is t
    True
    """
    ops = list(tape.operations)
    preps = 1 if ops and _name(ops[0]) in STATE_PREPS else 0
    for op in ops[:preps]:
        if _trainable_data(op):
            raise QuantumFunctionError(
                "Differentiating with respect to the input parameters of state-prep "
                "operations is not supported with the adjoint differentiation method.")
    for m in tape.measurements:
        obs = getattr(m, "measured_obs", None)
        if obs is not None and _trainable_data(obs):
            warnings.warn(
                f"Differentiating with respect to the input parameters of {obs.name} is not "
                "supported with the adjoint differentiation method. Gradients are computed "
                "only with regards to the trainable parameters of the circuit.\n\n Mark the "
                "parameters of the measured observables as non-trainable to silence this "
                "warning.", UserWarning)
    return (tape,), null_postprocessing


@transform
def validate_observables(tape, stopping_condition, stopping_condition_shots=None,
                         name="device"):
    """PennyLane's ``validate_observables``: every observable measured must satisfy
    ``stopping_condition`` (``stopping_condition_shots`` with shots), else a
    :class:`qsym.errors.DeviceError`.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    >>> validate_observables(t, adjoint_observables)[0][0] is t
    True
    """
    if stopping_condition_shots is not None and tape.shots:
        stopping_condition = stopping_condition_shots
    for m in tape.measurements:
        obs = getattr(m, "measured_obs", None)
        if obs is not None and not stopping_condition(obs):
            raise DeviceError(f"Observable {obs!r} not supported on {name}")
    return (tape,), null_postprocessing


@transform
def no_sampling(tape, name="device"):
    """PennyLane's ``no_sampling``: a tape with shots is refused.

    >>> import qsym as qml
    >>> try:
    ...     no_sampling(qml.tape.QuantumScript([], [qml.sample(wires=0)], shots=5), name="backprop")
    ... except qml.DeviceError as exc:
    ...     print(exc)
    Finite shots are not supported with backprop
    """
    if tape.shots:
        raise DeviceError(f"Finite shots are not supported with {name}")
    return (tape,), null_postprocessing


@transform
def no_analytic(tape, name="device"):
    """PennyLane's ``no_analytic``: a tape without shots is refused.

    >>> import qsym as qml
    >>> try:
    ...     no_analytic(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]), name="hw")
    ... except qml.DeviceError as exc:
    ...     print(exc)
    Analytic execution is not supported with hw
    """
    if not tape.shots:
        raise DeviceError(f"Analytic execution is not supported with {name}")
    return (tape,), null_postprocessing


def _measured_bases(tape, name: str) -> list:
    """The wires a tape's measurements read (in order of first appearance), each read in one
    basis: a Pauli letter of the observables' words (``Z`` for a measurement of wires), or a
    matrix observable's eigenbasis. A wire read in two bases (non-commuting measurements)
    raises, as PennyLane's ``diagonalize_measurements`` does."""
    basis: dict = {}
    for m in tape.measurements:
        obs = m.measured_obs
        if obs is None and not m.wires:
            raise RuntimeError(f"Please apply validate_device_wires transform before {name}: "
                               f"{m} measures no wires")
        if obs is None:
            pairs = [(w, "Z") for w in m.wires]
        elif getattr(obs, "_matrix", None) is not None:  # Hermitian, a state projector
            key = ("matrix", tuple(obs._mwires), obs._matrix.tobytes())
            pairs = [(w, key) for w in obs._mwires]
        else:
            pairs = [(w, p) for word in obs.terms for w, p in word]
        for w, b in [*pairs, *((w, None) for w in m.wires)]:
            known = basis.setdefault(w, b)
            if b is not None and known is None:
                basis[w] = b
            elif None not in (b, known) and known != b:
                raise DeviceError(
                    f"{name}: the measurements read wire {w} in two bases (they do not "
                    "commute); split the tape first with qml.transforms.split_non_commuting")
    return list(basis)


def _from_one_measurement(tape, name: str, measure, process: str):
    """A tape's measurements taken from one ``measure(wires=...)`` of all its measured wires
    after its observables' diagonalizing gates (PennyLane's ``measurements_from_samples`` /
    ``measurements_from_counts``); the processing function gives each original measurement
    from it (its ``process_samples`` / ``process_counts``), per shot copy."""
    if not tape.shots:
        return (tape,), null_postprocessing
    wires = _measured_bases(tape, name)
    with detached():
        new = tape.copy(operations=[*tape.operations, *tape.diagonalizing_gates],
                        measurements=[measure(wires=wires)])
    originals = list(tape.measurements)

    def one_copy(result):
        if process == "process_samples":
            result = np.reshape(np.asarray(result), (-1, len(wires)))
        out = [getattr(m, process)(result, wires) for m in originals]
        return out[0] if len(out) == 1 else out

    def postprocessing(results):
        if tape.shots.has_partitioned_shots:
            return [one_copy(r) for r in results[0]]
        return one_copy(results[0])

    return [new], postprocessing


@transform
def measurements_from_samples(tape):
    """PennyLane's ``measurements_from_samples``: with shots, the tape's measurements become
    one ``qml.sample`` of every measured wire after the observables' diagonalizing gates, and
    the processing function computes each original measurement from those samples (without
    shots, the tape is kept). Measurements reading a wire in two bases raise a
    ``DeviceError``: split them first (``qml.transforms.split_non_commuting``).

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Y(1)), qml.probs(wires=0)],
    ...                               shots=10)
    >>> (new,), fn = measurements_from_samples(tape)
    >>> new.operations, new.measurements
    ([X(0), Z(1), S(1), H(1)], [sample(wires=[1, 0])])
    >>> fn([np.array([[0, 1]] * 10)])
    [np.float64(1.0), array([0., 1.])]
    """
    from ._operations import sample

    return _from_one_measurement(tape, "measurements_from_samples", sample, "process_samples")


@transform
def measurements_from_counts(tape):
    """PennyLane's ``measurements_from_counts``: as :func:`measurements_from_samples`, with one
    ``qml.counts`` of the measured wires, each original measurement computed from the counts.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))], shots=10)
    >>> (new,), fn = measurements_from_counts(tape)
    >>> new.measurements, fn([{"0": 7, "1": 3}])
    ([CountsMP(wires=[0], all_outcomes=False)], np.float64(0.4))
    """
    from ._operations import counts

    return _from_one_measurement(tape, "measurements_from_counts", counts, "process_counts")
