"""PennyLane's ``dynamic_one_shot`` (``qml.dynamic_one_shot``, the ``"one-shot"`` method of
mid-circuit measurements) as a tape transform, and the gathering of one-shot results
(``pennylane.transforms.dynamic_one_shot``, ``pennylane.devices.qubit.simulate``'s
``combine_measurements_core``, ``measurement_with_no_shots``).

The transform turns a tape of ``N`` shots into one tape of ``N`` single shots whose
measurements are the tape's own (a variance becomes the samples of its observable; the
statistics of measurement values are dropped) followed by one ``qml.sample`` of each
mid-circuit measurement. Its processing keeps the shots whose postselected measurements
have their value and combines them into the tape's measurements. (qsym's QNodes do not
need it: they defer the measurements and sample the deferred circuit, whose outcomes have
the same joint distribution as one-shot execution.)

>>> import qsym as qml
>>> from qsym.ops import MidMeasure
>>> tape = qml.tape.QuantumScript([qml.H(0), MidMeasure(0)], [qml.expval(qml.Z(0))], shots=3)
>>> (aux,), fn = dynamic_one_shot(tape)
>>> aux.shots.total_shots, [m.kind for m in aux.measurements]
(3, ['expval', 'sample'])
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter

import numpy as np

from ._mcm import NATIVE_CLASSES, MeasurementValue, MidMeasure, check_native_measurements
from ._splitting import broadcast_expand
from ._tapes import QuantumScript
from ._transform import null_postprocessing, transform
from .errors import MeasurementError, TransformError
from .exceptions import QuantumFunctionError

__all__ = ["dynamic_one_shot", "fill_in_value", "is_mcm", "init_auxiliary_tape",
           "parse_native_mid_circuit_measurements", "gather_mcm", "gather_non_mcm",
           "measurement_with_no_shots", "combine_measurements_core", "check_native_measurements",
           "get_legacy_capabilities", "supports_one_shot", "NATIVE_CLASSES"]

#: the value of a discarded shot's sample with ``postselect_mode="pad-invalid-samples"``
fill_in_value = np.iinfo(np.int32).min



def is_mcm(op) -> bool:
    """Whether ``op`` is a mid-circuit measurement.

    >>> is_mcm(MidMeasure(0)), is_mcm("RX")
    (True, False)
    """
    return isinstance(op, MidMeasure)


def _expand(tape, postselect_mode=None, **_):
    if not any(is_mcm(o) for o in tape.operations):
        return (tape,), null_postprocessing
    samples = any(m.kind == "sample" for m in tape.measurements)
    post = any(o.postselect is not None for o in tape.operations if is_mcm(o))
    if post and samples and tape.batch_size is not None:
        raise ValueError("Returning qp.sample is not supported when postselecting mid-circuit "
                         "measurements with broadcasting")
    return broadcast_expand(tape)


def init_auxiliary_tape(circuit):
    """The tape of single shots: ``circuit``'s measurements of wires and observables (a
    variance as the samples of its observable), then a sample of each mid-circuit
    measurement, with ``total_shots`` shots of one.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([MidMeasure(0)], [qml.var(qml.Z(0))], shots=2)
    >>> [type(m).__name__ for m in init_auxiliary_tape(t).measurements]
    ['SampleMP', 'SampleMP']
    """
    from . import _operations as o

    kept = []
    for m in circuit.measurements:
        if getattr(m, "mv", None) is None:
            kept.append(o.sample(m.measured_obs) if m.kind == "var" else m)
    with _detached():
        kept += [o.sample(MeasurementValue([op])) for op in circuit.operations if is_mcm(op)]
    return QuantumScript(circuit.operations, kept, shots=[1] * circuit.shots.total_shots,
                         trainable_params=circuit.trainable_params)


def _detached():
    from ._transform import detached

    return detached()


def _with_shot_vector(fn, shots):
    def new_fn(results):
        results = results[0]
        return tuple(fn((results[slice(*sl)],)) for sl in shots.bins())

    return new_fn


@functools.partial(transform, pass_name="dynamic-one-shot", expand_transform=_expand)
def dynamic_one_shot(tape, postselect_mode=None, **_):
    """PennyLane's ``qml.dynamic_one_shot`` (the ``"one-shot"`` mid-circuit measurement
    method) on a tape: ``([tape of single shots], processing)``; a broadcast tape is split
    first (one tape per batch element). The processing takes the single shots' results
    (the tape's measurements, then a sample of each mid-circuit measurement) and returns
    the tape's, from the shots whose postselected measurements have their value
    (``postselect_mode="pad-invalid-samples"``: samples of the others are
    :data:`fill_in_value`). A QNode is refused (use ``mcm_method="one-shot"``).

    >>> import qsym as qml
    >>> from qsym.ops import MidMeasure
    >>> m = MidMeasure(0, postselect=1)
    >>> tape = qml.tape.QuantumScript([qml.H(0), m], [qml.expval(qml.Z(1))], shots=2)
    >>> (aux,), fn = qml.dynamic_one_shot(tape)
    >>> [type(mp).__name__ for mp in aux.measurements]
    ['ExpectationMP', 'SampleMP']
    >>> float(fn(([(1.0, 0), (-1.0, 1)],)))  # the shot that measured 0 is discarded
    -1.0
    """
    if not any(is_mcm(o) for o in tape.operations):
        return (tape,), null_postprocessing
    check_native_measurements(tape.measurements)
    if not tape.shots:
        raise QuantumFunctionError("dynamic_one_shot is only supported with finite shots.")
    aux = init_auxiliary_tape(tape)
    n = len(aux.measurements)

    def processing_fn(results):
        results = results[0]
        if n == 1:
            results = [tuple(results)]
        else:
            results = [tuple(r[i] for r in results) for i in range(n)]
        return parse_native_mid_circuit_measurements(tape, results=results,
                                                     postselect_mode=postselect_mode)

    if tape.shots.has_partitioned_shots:
        processing_fn = _with_shot_vector(processing_fn, tape.shots)
    return [aux], processing_fn


@dynamic_one_shot.custom_qnode_transform
def _refuse_qnode(self, qnode, targs, tkwargs):
    raise TransformError("The dynamic_one_shot transform cannot be applied directly on a QNode. "
                         "Use mcm_method='one-shot' instead.")


def get_legacy_capabilities(dev) -> dict:
    """The capabilities dictionary of a legacy device (its ``capabilities()``)."""
    target = getattr(dev, "target_device", dev)
    return target.capabilities()


def supports_one_shot(dev) -> bool:
    """Whether device ``dev`` runs mid-circuit measurements one shot at a time (PennyLane's
    ``_supports_one_shot``).

    >>> import qsym as qml
    >>> supports_one_shot(qml.device("default.qubit"))
    True
    """
    if hasattr(dev, "target_device"):
        return bool(get_legacy_capabilities(dev).get("supports_mid_measure", False))
    caps = getattr(dev, "capabilities", None)
    return dev.name in ("default.qubit", "lightning.qubit") or (
        caps is not None and not callable(caps)
        and "one-shot" in getattr(caps, "supported_mcm_methods", ()))


def measurement_with_no_shots(measurement):
    """NaN of the measurement's shape: the result when no shot is kept.

    >>> import qsym as qml
    >>> measurement_with_no_shots(qml.probs(wires=[0, 1]))
    array([nan, nan, nan, nan])
    """
    if measurement.kind == "probs":
        n = len(measurement.wires) or len(getattr(measurement.measured_obs, "wires", ()) or ())
        return np.nan * np.ones(2 ** max(n, 1))
    return np.nan


def _is_discarded(r) -> bool:
    """Whether one shot's result is NaN: a device that postselects itself (qsym's
    ``default.qubit`` running the auxiliary tape as a shot vector of single shots) returns
    NaN in every result of a shot it discarded."""
    if isinstance(r, dict):
        return False
    a = np.asarray(r)
    return a.size > 0 and a.dtype.kind == "f" and bool(np.all(np.isnan(a)))


def _discarded_shots(circuit, results):
    """The shots a device discarded (NaN in every one of their results), checked to be the
    same in every result: a shot NaN in some results and not in others is refused (its
    values would be counted with another shot's outcome)."""
    if not results:
        return np.zeros(0, dtype=bool)
    per = [np.array([_is_discarded(r) for r in res], dtype=bool) for res in results]
    first = per[0]
    for res, flags in zip(results, per):
        if len(flags) != len(first) or np.any(flags != first):
            raise MeasurementError(
                "dynamic_one_shot's processing: the results of one shot are NaN (a shot the "
                "device discarded) in some measurements and not in others; give it one "
                "result per shot with every measurement of the same shot (e.g. "
                "qml.devices.qubit.simulate(tape, mcm_method='one-shot'))")
    return first


def _mcm_samples(circuit, results, discarded=None):
    mcms = [op for op in circuit.operations if is_mcm(op)]
    columns = results[len(results) - len(mcms):] if mcms else []
    cols = [np.reshape(np.asarray([np.asarray(r) for r in res]), (-1, 1)) for res in columns]
    samples = np.hstack(cols) if cols else np.zeros((0, 0))
    has_post = np.array([[op.postselect is not None for op in mcms]])
    post = np.array([[op.postselect or 0 for op in mcms]])
    is_valid = np.all(samples * has_post == post, axis=1)
    if discarded is not None and len(discarded):
        is_valid &= ~discarded
    return mcms, samples, is_valid


def _kept_placeholder(res, discarded):
    """One measurement's per-shot results with each discarded shot's NaN replaced by a
    kept shot's result (masked out by the processing: never counted)."""
    if not np.any(discarded) or np.all(discarded):
        return res
    keep = next(r for r, d in zip(res, discarded) if not d)
    return [keep if d else r for r, d in zip(res, discarded)]


def _one_shot_no_shots(m):
    """What PennyLane's one-shot processing gives a measurement when no shot is kept
    (``dynamic_one_shot``'s ``_measurement_with_no_shots``, NaN times ``ones_like`` of the
    eigenvalues): NaN per eigenvalue for ``probs`` of an observable or of measurement
    values, a scalar NaN otherwise (``probs`` of wires, which have no eigenvalues, too).

    >>> import qsym as qml
    >>> _one_shot_no_shots(qml.probs(wires=[0, 1])), _one_shot_no_shots(qml.probs(op=qml.X(0)))
    (nan, array([nan, nan]))
    """
    if m.kind == "probs" and (m.measured_obs is not None or getattr(m, "op", None) is not None
                              or getattr(m, "mv", None) is not None):
        return np.full(2 ** len(m.wires), np.nan)
    return np.nan


def parse_native_mid_circuit_measurements(circuit, _removed_arg=None, results=None,
                                          postselect_mode=None):
    """The tape's results from one-shot results: ``results[i]`` are the shots of the
    auxiliary tape's ``i``-th measurement (the mid-circuit measurements' samples last);
    the shots whose postselected measurements have another value are discarded."""
    check_native_measurements(circuit.measurements)
    discarded = _discarded_shots(circuit, results)
    results = [_kept_placeholder(res, discarded) for res in results]
    mcms, samples, is_valid = _mcm_samples(circuit, results, discarded)
    by_mcm = {op: samples[:, i:i + 1] for i, op in enumerate(mcms)}
    out, k = [], 0
    for m in circuit.measurements:
        mv = getattr(m, "mv", None)
        if not np.any(is_valid):
            out.append(_one_shot_no_shots(m))
        elif mv is not None:
            out.append(gather_mcm(m, by_mcm, is_valid, postselect_mode))
        else:
            out.append(gather_non_mcm(m, results[k], is_valid, postselect_mode))
        k += int(mv is None)
    return tuple(out) if len(out) > 1 else out[0]


def gather_non_mcm(measurement, samples, is_valid, postselect_mode=None):
    """One measurement of wires or an observable combined over the kept shots
    (``samples``: one result per shot).

    >>> import qsym as qml
    >>> float(gather_non_mcm(qml.expval(qml.Z(0)), [1.0, -1.0, -1.0], np.array([1, 1, 0], bool)))
    0.0
    """
    kind = getattr(measurement, "kind", None)
    valid = np.asarray(is_valid)
    if kind == "counts":
        return _gather_counts(measurement, samples, valid)
    if kind == "sample":
        s = np.concatenate([np.atleast_1d(np.asarray(x)) for x in samples]) if isinstance(
            samples, (list, tuple)) else np.asarray(samples)
        if postselect_mode == "pad-invalid-samples":
            return np.where(valid.reshape((-1,) + (1,) * (s.ndim - 1)), s, fill_in_value)
        return s[valid]
    if kind == "probs":
        s = np.stack([np.asarray(x, dtype=float) for x in samples])
        return np.sum(s * valid.reshape(-1, 1), axis=0) / np.sum(valid)
    if kind in ("expval", "var"):
        s = np.squeeze(np.stack([np.asarray(x, dtype=float) for x in samples]))
        mean = np.sum(s * valid) / np.sum(valid)
        if kind == "expval":
            return mean
        return np.sum((s - mean) ** 2 * valid) / np.sum(valid)
    raise TypeError(f"Native mid-circuit measurement mode does not support "
                    f"{type(measurement).__name__}")


def _gather_counts(measurement, samples, valid):
    tmp = Counter()
    if getattr(measurement, "all_outcomes", False) and getattr(measurement, "mv", None) is not None:
        mv = measurement.mv
        if isinstance(mv, (list, tuple)):
            values = itertools.product(*[list(v.branches.values()) for v in mv])
            tmp = Counter({"".join(str(int(x)) for x in v): 0 for v in values})
        else:
            tmp = Counter({float(v): 0 for v in mv.branches.values()})
    for i, d in enumerate(samples):
        tmp.update({k if isinstance(k, str) else float(k): v * valid[i]
                    for k, v in dict(d).items()})
    if not getattr(measurement, "all_outcomes", False):
        tmp = Counter({k: v for k, v in tmp.items() if v > 0})
    return dict(sorted(tmp.items()))


def gather_mcm(measurement, samples: dict, is_valid, postselect_mode=None):
    """A statistic of measurement values over the kept shots (``samples``: each
    mid-circuit measurement's column of outcomes)."""
    mv = measurement.mv
    kind = measurement.kind
    valid = np.asarray(is_valid)
    if kind in ("counts", "probs", "sample") and isinstance(mv, (list, tuple)):
        cols = np.concatenate([np.reshape(v.concretize(samples), (-1, 1)) for v in mv], axis=1)
        if kind == "probs":
            values = itertools.product(*[list(v.branches.values()) for v in mv])
            counts = np.array([np.count_nonzero(np.all(cols == np.array(v), axis=1) & valid)
                               for v in values], dtype=float)
            return counts / np.sum(counts)
        if kind == "counts":
            return _gather_counts(measurement, [{"".join(str(int(x)) for x in row): 1}
                                                for row in cols], valid)
        return gather_non_mcm(measurement, cols, valid, postselect_mode)
    values = np.asarray(mv.concretize(samples)).reshape(-1)
    if kind == "probs":
        counts = np.array([np.count_nonzero((values == v) & valid)
                           for v in mv.branches.values()], dtype=float)
        return counts / np.sum(counts)
    if kind == "counts":
        return _gather_counts(measurement, [{float(s): 1} for s in values], valid)
    out = gather_non_mcm(measurement, list(values), valid, postselect_mode)
    return np.squeeze(out) if kind == "sample" else out


def combine_measurements_core(original_measurement, measures):
    """PennyLane's combination of a measurement over the branches of tree-traversal:
    ``measures`` maps each branch to ``(shots, value)`` (refused for the measurements
    native modes do not support).

    >>> import qsym as qml
    >>> float(combine_measurements_core(qml.expval(qml.Z(0)), {0: (3, 1.0), 1: (1, -1.0)}))
    0.5
    """
    kind = getattr(original_measurement, "kind", None)
    # (a variance is not combined from the branches' values: PennyLane's refuses it too)
    if type(original_measurement).__name__ not in NATIVE_CLASSES or kind == "var":
        raise TypeError(f"Native mid-circuit measurement mode does not support "
                        f"{type(original_measurement).__name__}")
    kept = [v for v in measures.values() if v[0] and not (isinstance(v[1], tuple) and not v[1])]
    if kind == "counts":
        total = Counter()
        for _, c in kept:
            total.update(c)
        return dict(sorted(total.items()))
    if kind == "sample":
        return np.concatenate([np.atleast_1d(np.asarray(v)) for _, v in kept])
    return sum(c * np.asarray(v, dtype=float) for c, v in kept) / sum(c for c, _ in kept)
