"""``qml.simplify`` and ``qml.map_wires`` on everything PennyLane takes: an operator or a
measurement (made at once; inside a queue the result takes the input's place, as
PennyLane's), and a tape, a batch of tapes, a QNode or a circuit function (as the
transforms ``simplify`` and ``map_wires`` of :func:`qsym.transform`: every operation and
measured observable simplified or moved).

>>> import qsym as qml
>>> (t,), _ = simplify(qml.tape.QuantumScript([qml.X(0) @ qml.X(0) @ qml.Z(1)], [qml.probs()]))
>>> t.operations
[Z(1)]
>>> (t,), _ = map_wires(qml.tape.QuantumScript([qml.CNOT([0, 1])]), {0: "a"})
>>> t.operations
[CNOT(wires=['a', 1])]
"""

from __future__ import annotations

import copy

from ._operations import MeasurementProcess, Observable, Operation, counts, expval, sample, var
from ._opfunctions import map_wires as _map_operator
from ._opmath import Exp, QueuingManager, simplify as _simplify_operator
from ._tapes import apply
from ._trace import active_tape, not_recording
from ._transform import transform
from .errors import GateError
from .pauli import PauliSentence, PauliWord

__all__ = ["simplify", "map_wires"]

_OPERATORS = (Operation, Observable, Exp)
_REMEASURE = {"expval": expval, "var": var, "sample": sample, "counts": counts}


def _results_unchanged_first(results):
    return results[0]


def _measured_again(m, change):
    """The measurement ``m`` of its observable (as written) changed by ``change``; other
    measurements as they are."""
    obs = getattr(m, "written_obs", None)
    make = _REMEASURE.get(getattr(m, "kind", None))
    if obs is None or make is None or getattr(m, "mv", None) is not None:
        return m
    return make(change(obs))


@transform
def _simplify_tape(tape):
    """Every operation and measured observable of ``tape`` simplified."""
    with not_recording():
        ops = [copy.copy(_simplify_operator(op)) if isinstance(op, _OPERATORS) else op
               for op in tape.operations]
        meas = [_measured_again(m, _simplify_operator) for m in tape.measurements]
    return [tape.copy(operations=ops, measurements=meas)], _results_unchanged_first


@transform
def _map_wires_tape(tape, wire_map=None, queue=False):
    """``tape`` on the wires ``wire_map`` gives."""
    return [tape.map_wires(wire_map)], _results_unchanged_first


def simplify(input):  # noqa: A002  (PennyLane's name)
    """PennyLane's ``qml.simplify``: an operator or measurement simplified (a product,
    sum or linear combination with its equal Pauli words merged; inside a queue it
    replaces ``input``); a tape, batch, QNode or circuit function with every operation and
    measured observable simplified (a transform).

    >>> import qsym as qml
    >>> simplify(qml.X(0) + qml.X(0))
    2.0 * X(0)
    """
    if isinstance(input, MeasurementProcess):
        return _measured_again(input, _simplify_operator)
    if isinstance(input, _OPERATORS):
        tape = active_tape()
        if tape is None or tape.log is None:  # no queue, or a circuit being traced
            return _simplify_operator(input)
        with not_recording():  # a user's queue: the result takes the input's place
            new = copy.copy(_simplify_operator(input))
        QueuingManager.remove(input)
        return apply(new)
    if _transformable(input):
        return _simplify_tape(input)
    raise GateError(f"Cannot simplify the object {input!r} of type {type(input)}: qml.simplify "
                    "takes an operator, a measurement, a tape, a QNode or a circuit function")


def map_wires(input, wire_map: dict, queue=False, replace=False):  # noqa: A002
    """PennyLane's ``qml.map_wires``: an operator, Pauli word or sentence or measurement
    on the wires ``wire_map`` gives (queued only with ``queue=True``, replacing ``input``
    with ``replace=True``); a tape, batch, QNode or circuit function with every operation
    and measurement moved (a transform).

    >>> import qsym as qml
    >>> map_wires(qml.X(0) @ qml.Y(1), {0: "a"})
    X('a') @ Y(1)
    """
    if isinstance(input, (PauliWord, PauliSentence, MeasurementProcess, *_OPERATORS)):
        tape = active_tape()
        if tape is None or (tape.log is None and not queue):
            return _map_operator(input, wire_map)
        with not_recording():
            new = _map_operator(input, wire_map)
        if queue:
            if replace:
                QueuingManager.remove(input)
            return apply(new)  # (what the queue holds)
        return new
    if _transformable(input):
        return _map_wires_tape(input, wire_map=wire_map, queue=queue)
    raise GateError(f"qml.map_wires takes an operator, a measurement, a tape, a QNode or a "
                    f"circuit function, got {input!r}")


def _transformable(obj) -> bool:
    """A tape, a batch (list or tuple) of tapes, a QNode or a circuit function."""
    if isinstance(obj, (list, tuple)):
        return bool(obj) and all(hasattr(t, "operations") for t in obj)
    return hasattr(obj, "operations") and hasattr(obj, "measurements") or callable(obj)
