"""PennyLane's ``qml.defer_measurements`` as a transform object (``qml.transform`` of a tape
function, so ``qml.defer_measurements.tape_transform`` is its tape form), and the call a
QNode's execution makes of it: when PennyLane's device would defer the mid-circuit
measurements (``mcm_method="deferred"``, or unset without shots, on ``default.qubit``;
always on ``default.mixed``), the QNode's trace runs this transform's tape function on the
tape it recorded and runs the deferred tape (:data:`qsym._mcm.TAPE_DEFERRAL`). The trace
is made once per circuit structure, so the transform runs once per structure, not at every
call (PennyLane runs it at every call; the results are the same).

>>> import qsym as qml
>>> from qsym.ops import MidMeasure
>>> m = MidMeasure(0)
>>> tape = qml.tape.QuantumScript([qml.H(0), m], [qml.expval(qml.Z(0))])
>>> (new,), fn = qml.defer_measurements(tape)
>>> new.operations  # (wire 0 is measured again at the end: its outcome is copied first)
[H(0), CNOT(wires=[0, 1])]
"""

from __future__ import annotations

import types

from . import _mcm as mcm
from ._tapes import QuantumScript
from ._trace import Tape, recording
from ._transform import transform

__all__ = ["defer_measurements", "deferred_recording"]


@transform
def defer_measurements(tape, reduce_postselected=True, allow_postselect=True, num_wires=None):
    """PennyLane's ``qml.defer_measurements``: on a tape, ``([deferred tape], fn)`` (``fn``
    takes the list of results and returns the first); on a QNode or a circuit function,
    the same function with its measurements deferred (qsym defers every mid-circuit
    measurement anyway: the results are the same; ``qml.workflow.construct_tape`` shows the
    deferred tape). A QNode whose device PennyLane would make defer runs this transform's
    tape function on its recorded tape (:func:`deferred_recording`).

    >>> import qsym as qml
    >>> from qsym._mcm import MeasurementValue, MidMeasure
    >>> m = MidMeasure(0, meas_uid="a")
    >>> tape = qml.tape.QuantumScript([qml.Hadamard(0), m], [qml.expval(MeasurementValue([m]))])
    >>> (new,), fn = qml.defer_measurements(tape)
    >>> new.operations, new.measurements
    ([H(0), CNOT(wires=[0, 1])], [expval(MeasurementValue(wires=[1]))])
    >>> qml.defer_measurements.tape_transform is not None
    True
    """
    return mcm.defer_measurements(tape, reduce_postselected=reduce_postselected,
                                  allow_postselect=allow_postselect, num_wires=num_wires)


@defer_measurements.custom_qnode_transform
def _on_qnode(self, qnode, targs, tkwargs):
    """A copy of the QNode marked to show its deferred tape (qsym defers when it traces)."""
    return mcm.defer_measurements(qnode, *targs, **tkwargs)


@defer_measurements.register(types.FunctionType)
def _on_function(fn, *targs, **tkwargs):
    """A circuit function: deferred where it is recorded on a tape, unchanged when traced
    (qsym's trace defers it)."""
    return mcm.defer_measurements(fn, *targs, **tkwargs)


def deferred_recording(operations, measurements, options, user=None):
    """The tape of a QNode's recording (its gates and returned measurements, with
    ``options["shots"]``) after ``qml.defer_measurements``'s tape function, called as the
    device's preprocessing calls it, or (``user``: ``(reduce_postselected,
    allow_postselect)``) as ``qml.defer_measurements(qnode)`` does (looked up at each call:
    a wrapper sees the call). Its ``deferral`` holds what qsym runs (None: nothing
    deferred).

    >>> import qsym as qml
    >>> from qsym._mcm import MeasurementValue, MidMeasure
    >>> m = MidMeasure(0, meas_uid="a")
    >>> new = deferred_recording([qml.H(0), m], [qml.probs(op=MeasurementValue([m]))], {})
    >>> new.operations == new.deferral[2]  # (the gates qsym runs: here the same)
    True
    """
    with recording(Tape()):
        tape = QuantumScript(operations, measurements, shots=options.get("shots"))
    if user is None:
        (new,), _ = defer_measurements.tape_transform(tape)
    else:
        (new,), _ = defer_measurements.tape_transform(tape, reduce_postselected=user[0],
                                                      allow_postselect=user[1])
    return new


mcm.TAPE_DEFERRAL[:] = [deferred_recording]
