"""PennyLane's ``qml.debugging``: :func:`snapshots` (the state, or a measurement of it, at
each ``qml.Snapshot`` of a QNode; sampled with shots, from the device's random stream) and
the debugger, :class:`PLDB` with :func:`breakpoint`, :func:`debug_state`,
:func:`debug_expval`, :func:`debug_probs` and :func:`debug_tape`.

>>> import qsym as qml
>>> qml.debugging.snapshots is qml.snapshots
True
"""
from __future__ import annotations

import functools
import numbers
import pdb
import sys
import types
import warnings
from contextlib import contextmanager

import numpy as np

from ._drawing import Snapshot, one_shot, rng_of, snapshot_states, snapshot_value, tree_traversal
from ._functional_qubit import measure_with_samples
from ._shots import Shots
from ._tapes import QuantumScript
from .errors import DeviceError, MeasurementError, MethodError

__all__ = ["snapshots", "breakpoint", "PLDB", "pldb_device_manager", "debug_state",
           "debug_expval", "debug_probs", "debug_tape"]


_SAMPLED = ("expval", "var", "probs", "sample", "counts")  # what shots can estimate
_EXACT_ONLY = ("sample", "counts")  # what only shots can give


def _sampled(m, state, order, shots, rng):
    """The measurement ``m`` of ``state`` (over ``order``) estimated from ``shots`` samples
    drawn from ``rng``: PennyLane's finite-shot snapshot."""
    if m.kind not in _SAMPLED:
        raise DeviceError(
            f"qml.snapshots: a snapshot of {m!r} cannot be sampled (it is not estimated from "
            "shots); give the snapshot shots=None (qml.Snapshot(tag, measurement, "
            "shots=None)) for its exact value")
    index = {w: i for i, w in enumerate(order)}
    missing = [w for w in m.wires if w not in index]
    if missing:
        raise MeasurementError(f"qml.snapshots: the snapshot {m!r} measures wires {missing} "
                               f"the device does not have ({order})")
    local = m.map_wires(index) if m.wires else m
    psi = np.asarray(state).reshape((2,) * len(order))
    return measure_with_samples([local], psi, Shots(shots), rng=rng)[0]


def _store(out: dict, key, value) -> None:
    """PennyLane's: a tag met again collects its values in a list."""
    if key not in out:
        out[key] = value
    elif isinstance(out[key], list):
        out[key].append(value)
    else:
        out[key] = [out[key], value]


def snapshots(qnode):
    """PennyLane's ``qml.snapshots(qnode)``: a function of the QNode's arguments returning
    a dict of the value at each ``qml.Snapshot`` (keyed by its tag, or its index among the
    snapshots when it has none) and ``"execution_results"``, the QNode's result. A snapshot
    records the state vector (over the device's wires, the first most significant) or its
    ``measurement``; with shots (the snapshot's own ``shots=``, else the QNode's when it is
    ``"workflow"``) the measurement is sampled, as PennyLane's: estimated from that many
    samples of the state at that point, drawn from the device's random stream (so a seeded
    device repeats them). A state snapshot is always exact (on ``default.mixed``, the
    density matrix); a state snapshot given shots,
    or ``qml.sample``/``qml.counts`` without shots, raises ``MeasurementError``.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1, seed=3))
    ... def c():
    ...     qml.Hadamard(wires=0)
    ...     qml.Snapshot("superposed")
    ...     qml.Snapshot("counts", qml.counts(), shots=100)
    ...     return qml.probs(wires=0)
    >>> out = qml.snapshots(c)()
    >>> out["superposed"].round(6), out["execution_results"].round(6)
    (array([0.707107+0.j, 0.707107+0.j]), array([0.5, 0.5]))
    >>> sum(out["counts"].values())
    np.int64(100)
    """
    if isinstance(qnode, QuantumScript):
        return _snapshot_tapes(qnode)
    if not snapshot._is_snapshot_compatible(qnode.device):
        return snapshots.default_qnode_transform(qnode, (), {})
    return _snapshot_run(qnode)


def _default_qnode_transform(qnode, targs, tkwargs):
    """PennyLane's ``qml.snapshots.default_qnode_transform``, its path for a device without
    snapshot support: a warning that each snapshot is a circuit of its own; qsym computes the
    same values (the gates before each snapshot, sampled in turn from the device's stream)."""
    warnings.warn("Snapshots are not supported for the given device. Therefore, a tape will "
                  "be created for each snapshot, resulting in a total of n_snapshots + 1 "
                  "executions.", UserWarning)
    return _snapshot_run(qnode, per_tape=True)


def _check_tapes_method(qnode, marks) -> None:
    """PennyLane's path of one tape per snapshot on ``lightning.qubit``: its tapes' method
    must run them; a ``qml.state()`` snapshot (a ``Snapshot()`` without a measurement) with
    ``diff_method="adjoint"``, or ``"backprop"`` at all, raises PennyLane's
    ``QuantumFunctionError`` (:class:`~qsym.errors.MethodError`)."""
    method = getattr(qnode, "resolved_method", getattr(qnode, "diff_method", None))
    if getattr(qnode.device, "name", None) != "lightning.qubit":
        return
    if method == "backprop" or (method == "adjoint" and any(
            getattr(mark[3], "kind", None) == "state" for mark in marks)):
        raise MethodError(
            f"Device {qnode.device} does not support {method} with requested circuit. "
            "(qml.snapshots on lightning.qubit runs a tape per snapshot; a snapshot of the "
            "state needs diff_method='parameter-shift' or None there)")


def _snapshot_run(qnode, per_tape=False):
    """The function of the QNode's arguments :func:`snapshots` returns (``per_tape``:
    PennyLane's path of one tape per snapshot, whose method is checked)."""
    def run(*args, **kwargs):
        if not per_tape and getattr(qnode.device, "_max_workers", None) is not None:
            # PennyLane's device debugger cannot run in worker processes
            raise DeviceError("Debugging with ``Snapshots`` is not available with "
                              "multiprocessing. (qsym: make the device without max_workers)")
        order, marks = snapshot_states(qnode, args, kwargs)
        _check_tags(mark[0] for mark in marks)
        if per_tape:
            _check_tapes_method(qnode, marks)
        workflow = 1 if one_shot(qnode) else qnode.configured_shots()  # (a shot's own)
        mixed = getattr(qnode.device, "name", None) == "default.mixed"
        rng = rng_of(qnode.device) if marks else None
        out = {}
        for tag, index, state, m, shots in marks:
            key = index if tag is None else tag
            if isinstance(shots, str):  # "workflow": the QNode's
                shots = workflow
            if isinstance(shots, Shots) and not shots:
                shots = None
            if shots is not None and not (isinstance(shots, numbers.Integral) and shots == 0):
                _store(out, key, _sampled(m, state, order, shots, rng))
            elif m.kind in _EXACT_ONLY:
                raise DeviceError(
                    f"qml.snapshots: a snapshot of {m!r} needs shots and it has none; give it "
                    "shots (qml.Snapshot(tag, measurement, shots=N)) or the QNode shots")
            else:
                value = snapshot_value(m, state, order)
                if mixed and value is state:  # default.mixed's state is its density matrix
                    value = np.outer(state, state.conj())
                _store(out, key, value)
        if tree_traversal(qnode):  # PennyLane's: every snapshot's values a list there
            out = {k: v if isinstance(v, list) else [v] for k, v in out.items()}
        out["execution_results"] = qnode(*args, **kwargs)
        return out

    return run


snapshots.default_qnode_transform = _default_qnode_transform


def _check_tags(tags) -> None:
    """PennyLane's: a snapshot's own tag is a string (an int would clash with the indices
    of the snapshots without one)."""
    if any(isinstance(t, int) for t in tags):
        raise ValueError("User provided Snapshot tags can only be of type 'str'. Got int.")


def _collect(results, snapshot_tags):
    return dict(zip(snapshot_tags, results))


def _snapshot_tapes(tape):
    """PennyLane's ``qml.snapshots(tape)``: one tape per snapshot (the gates before it, its
    measurement, its shots or the tape's when ``"workflow"``), then the tape's own gates and
    measurements if it has any; and the function making their results the dict."""
    tapes, tags, gates = [], [], []
    for op in tape.operations:
        if not isinstance(op, Snapshot):
            gates.append(op)
            continue
        _check_tags([op.tag])
        tags.append(len(tapes) if op.tag is None else op.tag)
        shots = op.hyperparameters["shots"]
        tapes.append(tape.copy(operations=list(gates), measurements=[op.measurement],
                               shots=tape.shots if isinstance(shots, str) else shots))
    if tape.measurements:
        tags.append("execution_results")
        tapes.append(tape.copy(operations=gates))
    return tapes, functools.partial(_collect, snapshot_tags=tags)


def _is_snapshot_compatible(dev) -> bool:
    """Whether ``dev`` takes snapshots as it simulates (PennyLane's test of a device's
    snapshot support: ``default.qubit``, ``default.mixed``; ``lightning.qubit`` and
    ``reference.qubit`` have none, so their snapshots take PennyLane's path of one tape each: the same values, a warning)."""
    return getattr(dev, "name", None) in ("default.qubit", "default.mixed", "qsym.qubit")


snapshot = types.ModuleType(f"{__name__}.snapshot", "PennyLane's module path "
                            "``qml.debugging.snapshot`` (``snapshots``).")
snapshot.snapshots = snapshots
snapshot._is_snapshot_compatible = _is_snapshot_compatible
snapshot.Snapshot = Snapshot
sys.modules[snapshot.__name__] = snapshot


class PLDB(pdb.Pdb):
    """PennyLane's debugger: Python's ``pdb.Pdb`` (prompt ``[pldb] ``) holding the device
    the ``debug_*`` measurements run on (set by :func:`pldb_device_manager`).

    >>> import qsym as qml
    >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=1)):
    ...     qml.debugging.PLDB.get_active_device().name
    'default.qubit'
    >>> qml.debugging.PLDB.has_active_dev()
    False
    """

    __active_dev = None  # (PennyLane's private name: PLDB._PLDB__active_dev)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prompt = "[pldb] "

    @classmethod
    def valid_context(cls) -> None:
        """Raise unless a circuit is being recorded with an active device (RuntimeError)
        that simulates states (TypeError), as PennyLane's."""
        from ._trace import active_tape

        if active_tape() is None or not cls.has_active_dev():
            raise RuntimeError("Can't call breakpoint outside of a qnode execution.")
        if cls.get_active_device().name not in ("default.qubit", "lightning.qubit"):
            raise TypeError("Breakpoints not supported on this device.")

    @classmethod
    def _execute(cls, batch_tapes):
        """PennyLane's: the tapes run on the active device (outside any recording), the
        first tape's result.

        >>> import qsym as qml
        >>> tape = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
        >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=1)):
        ...     float(qml.debugging.PLDB._execute((tape,)))
        -1.0
        """
        from ._trace import not_recording

        dev = cls.get_active_device()
        with not_recording():
            return dev.execute(tuple(batch_tapes))[0]

    @classmethod
    def add_device(cls, dev) -> None:
        """Make ``dev`` the active device."""
        cls.__active_dev = dev

    @classmethod
    def get_active_device(cls):
        """The active device (RuntimeError when there is none): while a QNode records its
        circuit function, the QNode's device (PennyLane's QNode makes it active there),
        else the one :func:`pldb_device_manager` set."""
        from ._trace import recording_device

        dev = recording_device()
        if dev is not None:
            return dev
        if not cls.has_active_dev():
            raise RuntimeError("No active device to get")
        return cls.__active_dev

    @classmethod
    def has_active_dev(cls) -> bool:
        """Whether a device is active."""
        from ._trace import recording_device

        return cls.__active_dev is not None or recording_device() is not None

    @classmethod
    def reset_active_dev(cls) -> None:
        """Clear the active device."""
        cls.__active_dev = None


@contextmanager
def pldb_device_manager(device):
    """PennyLane's: ``device`` is :class:`PLDB`'s active device inside the ``with``.

    >>> import qsym as qml
    >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=1)):
    ...     qml.debugging.PLDB.has_active_dev()
    True
    """
    try:
        PLDB.add_device(device)
        yield
    finally:
        PLDB.reset_active_dev()


def breakpoint():  # noqa: A001  (PennyLane's name)
    """PennyLane's ``qml.breakpoint()``: stop the circuit function here in the
    :class:`PLDB` prompt (``list``, ``next``, ``continue``, ``quit``; ``debug_state()`` and
    the other ``debug_*`` show the circuit so far). Outside a circuit recorded with an
    active device it raises ``RuntimeError``.

    >>> import qsym as qml
    >>> qml.breakpoint()
    Traceback (most recent call last):
    ...
    RuntimeError: Can't call breakpoint outside of a qnode execution.
    """
    PLDB.valid_context()
    PLDB(skip=["qsym.*"]).set_trace(sys._getframe().f_back)


def debug_tape():
    """PennyLane's: the circuit recorded so far, as a tape (inside a circuit function: its
    gates; in a user's queue, its operators and measurements, PennyLane's ``from_queue``).

    >>> import qsym as qml
    >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=1)):
    ...     with qml.queuing.AnnotatedQueue() as q:
    ...         _ = qml.X(0)
    ...         t = qml.debugging.debug_tape()
    >>> t.operations
    [X(0)]
    """
    from ._trace import active_tape
    from ._tapes import QuantumScript

    tape = active_tape()
    if tape is None:
        raise RuntimeError("Can't call breakpoint outside of a qnode execution.")
    owner = getattr(tape, "owner", None)
    if tape.log is not None and owner is not None:  # a user's queue: PennyLane's from_queue
        return QuantumScript.from_queue(owner)
    return QuantumScript([o for o in tape.items if hasattr(o, "matrix")], [])


def _debug_measure(m):
    """PennyLane's ``_measure``: the circuit recorded so far with the measurement ``m``
    added, as a tape (without shots: exact, as PennyLane's) run by :meth:`PLDB._execute` on
    the active device; the recording is left as it was."""
    from ._trace import active_tape

    tape = active_tape()
    if tape is None:
        raise RuntimeError("Can't call breakpoint outside of a qnode execution.")
    items = list(tape.items)
    owner = getattr(tape, "owner", None)
    if tape.log is not None and owner is not None:  # a user's queue: its operators, measurements
        recorded = QuantumScript.from_queue(owner)
        ops, measured = recorded.operations, recorded.measurements
    else:
        ops, measured = [o for o in items if hasattr(o, "matrix")], []
    try:
        return PLDB._execute((QuantumScript(ops, [*measured, m]),))
    finally:
        tape.items[:] = items


def debug_state():
    """PennyLane's: the state of the circuit recorded so far (over the active device's
    wires, the first most significant); the circuit is left as it was.

    >>> import qsym as qml
    >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=1)):
    ...     with qml.queuing.AnnotatedQueue():
    ...         _ = qml.X(0)
    ...         s = qml.debugging.debug_state()
    >>> s.real
    array([0., 1.])
    """
    from ._operations import state

    return _debug_measure(_quiet(state))


def debug_expval(op):
    """PennyLane's: the expectation of ``op`` in the circuit recorded so far (exact).

    >>> import qsym as qml
    >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=1)):
    ...     with qml.queuing.AnnotatedQueue():
    ...         _ = qml.X(0)
    ...         e = qml.debugging.debug_expval(qml.Z(0))
    >>> float(e)
    -1.0
    """
    from ._opmath import QueuingManager
    from ._operations import expval

    QueuingManager.remove(op)  # the observable is the measurement's, not a gate
    return _debug_measure(_quiet(expval, op))


def debug_probs(wires=None, op=None):
    """PennyLane's: the probabilities of ``wires`` (all by default) in the circuit recorded
    so far (exact).

    >>> import qsym as qml
    >>> with qml.debugging.pldb_device_manager(qml.device("default.qubit", wires=2)):
    ...     with qml.queuing.AnnotatedQueue():
    ...         _ = qml.X(1)
    ...         p = qml.debugging.debug_probs(wires=[1])
    >>> p
    array([0., 1.])
    """
    from ._operations import probs

    return _debug_measure(_quiet(probs, wires=wires, op=op))


def _quiet(make, *args, **kwargs):
    """A measurement made without being recorded in the circuit."""
    from ._trace import not_recording

    with not_recording():
        return make(*args, **kwargs)


debugger = types.ModuleType(f"{__name__}.debugger", "PennyLane's module path "
                            "``qml.debugging.debugger`` (the debugger; ``_measure``).")
for _name in ("PLDB", "pldb_device_manager", "breakpoint", "debug_state", "debug_expval",
              "debug_probs", "debug_tape"):
    setattr(debugger, _name, globals()[_name])
debugger._measure = _debug_measure
sys.modules[debugger.__name__] = debugger
