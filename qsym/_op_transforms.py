"""``qml.simplify``, ``qml.map_wires`` and ``qml.eigvals`` on everything PennyLane takes: an
operator or a measurement (made at once; inside a queue the result takes the input's
place, as PennyLane's), and a tape, a batch of tapes, a QNode or a circuit function (as
transforms of :func:`qsym.transform`: every operation and measured observable simplified
or moved; the eigenvalues of the gates a circuit applies).

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
import functools
import warnings

import numpy as np

from ._drawing import matrix
from ._operations import (GateSequence, MeasurementProcess, Observable, Operation, counts, expval,
                          is_qutrit_record, sample, var)
from ._opfunctions import eigvals as _eigvals_operator, map_wires as _map_operator
from ._opmath import Exp, QueuingManager, simplify as _simplify_operator
from ._tapes import QuantumScript, apply
from ._trace import active_tape, not_recording
from ._transform import null_postprocessing, transform
from .errors import DecompositionUndefinedError, EigvalsUndefinedError, GateError, TransformError
from .pauli import PauliSentence, PauliWord

__all__ = ["simplify", "map_wires", "eigvals"]

_OPERATORS = (Operation, Observable, Exp)
_REMEASURE = {"expval": expval, "var": var, "sample": sample, "counts": counts}


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
    return [tape.copy(operations=ops, measurements=meas)], null_postprocessing


@transform
def _map_wires_tape(tape, wire_map=None, queue=False):
    """``tape`` on the wires ``wire_map`` gives."""
    return [tape.map_wires(wire_map)], null_postprocessing


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
        if tape is None:
            return _simplify_operator(input)
        if tape.log is None:  # a circuit being traced: the result takes the input's place
            out = _simplify_operator(input)
            if out is not input:
                _take_place(tape, input, out)
            return out
        with not_recording():  # a user's queue: the result takes the input's place
            new = copy.copy(_simplify_operator(input))
        QueuingManager.remove(input)
        return apply(new)
    if _transformable(input):
        return _simplify_tape(input)
    raise GateError(f"Cannot simplify the object {input!r} of type {type(input)}: qml.simplify "
                    "takes an operator, a measurement, a tape, a QNode or a circuit function")


def _made_of(op) -> tuple:
    """The circuit's gates an operator was made of (its and its operands' ``_gates``)."""
    inner = (*getattr(op, "operands", ()), *([op.base] if isinstance(getattr(op, "base", None), _OPERATORS) else []))
    return tuple(getattr(op, "_gates", ())) + tuple(g for o in inner for g in _made_of(o))


def _leaf_gates(op) -> tuple:
    """The table gates of the operators an operator is made of."""
    if isinstance(op, Operation):
        return tuple(op.table_gates)
    inner = (*getattr(op, "operands", ()), *([op.base] if isinstance(getattr(op, "base", None), _OPERATORS) else []))
    return tuple(g for o in inner for g in _leaf_gates(o))


def _take_place(tape, old, new) -> None:
    """In a traced circuit, ``new`` (``old`` simplified) takes ``old``'s place: measured, it is
    ``new`` that is measured, not ``old``'s gates applied; written as a statement, ``new``'s
    gates are applied where ``old`` was made (a product of gates), or refused as an unused
    operator (a sum)."""
    old_gates = [g for g in _made_of(old) if id(g) in tape.observed]
    if not old_gates:  # made outside the circuit: nothing of the circuit's is used
        return
    applied = None
    if isinstance(new, Operation):
        applied = tuple(new.table_gates)
    elif getattr(new, "is_gate_product", False):
        applied = new.applied_gates()
    new_gates = applied if applied is not None else _leaf_gates(new)
    tape.hand_over(old, old_gates, new, new_gates, applied)
    if isinstance(new, Observable):  # a measurement of it uses them
        new._gates = tuple(new_gates)


def map_wires(input=None, wire_map: dict | None = None, queue=False, replace=False):  # noqa: A002
    """PennyLane's ``qml.map_wires``: an operator, Pauli word or sentence or measurement
    on the wires ``wire_map`` gives (queued only with ``queue=True``, replacing ``input``
    with ``replace=True``); a tape, batch, QNode or circuit function with every operation
    and measurement moved (a transform). Without ``input``, the decorator
    (``@qml.map_wires(wire_map={0: 1})`` above a QNode, as PennyLane's transform).

    >>> import qsym as qml
    >>> map_wires(qml.X(0) @ qml.Y(1), {0: "a"})
    X('a') @ Y(1)
    >>> map_wires(wire_map={0: "a"})(qml.X(0))
    X('a')
    """
    if input is None:
        if wire_map is None:
            raise TypeError("map_wires() missing 1 required positional argument: 'wire_map'")
        return functools.partial(map_wires, wire_map=wire_map, queue=queue, replace=replace)
    if wire_map is None:
        raise TypeError("map_wires() missing 1 required positional argument: 'wire_map'")
    if isinstance(input, (PauliWord, PauliSentence, MeasurementProcess, GateSequence, *_OPERATORS)):
        tape = active_tape()
        if tape is None or (tape.log is None and not queue):
            return _mapped(input, wire_map)
        with not_recording():
            new = _mapped(input, wire_map)
        if queue:
            if replace:
                QueuingManager.remove(input)
            return apply(new)  # (what the queue holds)
        return new
    if _transformable(input):
        return _map_wires_tape(input, wire_map=wire_map, queue=queue)
    raise GateError(f"qml.map_wires takes an operator, a measurement, a tape, a QNode or a "
                    f"circuit function, got {input!r}")


def _mapped(op, wire_map: dict):
    """``op`` on the wires ``wire_map`` gives; a template (a :class:`GateSequence`) made
    again on them (its ``map_wires``: PennyLane's, wires and wire arguments mapped)."""
    if isinstance(op, GateSequence) and not isinstance(op, _OPERATORS):
        return op.map_wires(wire_map)
    return _map_operator(op, wire_map)


def _transformable(obj) -> bool:
    """A tape, a batch (list or tuple) of tapes, a QNode or a circuit function."""
    if isinstance(obj, (list, tuple)):
        return bool(obj) and all(hasattr(t, "operations") for t in obj)
    return hasattr(obj, "operations") and hasattr(obj, "measurements") or callable(obj)


@functools.partial(transform, is_informative=True)
def _eigvals_tape(tape, k=1, which="SA"):
    """The eigenvalues of the gates of ``tape`` (PennyLane's): of gates on separate wires,
    the Kronecker product of each one's; of gates sharing a wire, those of their matrix,
    computed numerically (with PennyLane's warning)."""
    def eigenvalues(results):
        (qs,) = results
        wires = [w for op in qs.operations for w in op.wires]
        if len(wires) != len(set(wires)):
            warnings.warn("For multiple operations, the eigenvalues will be computed "
                          "numerically. This may be computationally intensive for a large "
                          "number of wires.", UserWarning, stacklevel=2)
            return np.linalg.eigvals(matrix(qs, wire_order=list(qs.wires)))
        values = [eigvals(op, k=k, which=which) for op in qs.operations]
        return functools.reduce(np.kron, values) if len(values) > 1 else values[0]

    return [tape], eigenvalues


def eigvals(op, k=1, which="SA"):
    """PennyLane's ``qml.eigvals``: an operator's eigenvalues (a template's: those of the
    gates it applies); of a tape, QNode or circuit function, those of the gates it applies
    (see :func:`_eigvals_tape`).

    >>> import qsym as qml
    >>> eigvals(qml.Hamiltonian([1.0, 2.0], [qml.X(0), qml.Z(1)]))
    array([ 3., -1.,  1., -3.])
    >>> def f():
    ...     qml.PauliZ(0)
    ...     qml.PauliX(1)
    >>> eigvals(f)()  # on separate wires: the Kronecker product of each gate's
    array([ 1., -1., -1.,  1.])
    """
    if isinstance(op, GateSequence) and not isinstance(op, _OPERATORS):  # a template
        return _eigvals_tape(QuantumScript(list(op.decomposition())), k=k, which=which)
    if is_qutrit_record(op):  # (PennyLane's qutrit operators: refused, naming them)
        return op.eigvals()
    if isinstance(op, _OPERATORS):
        try:
            return _eigvals_operator(op, k, which)
        except EigvalsUndefinedError as exc:  # PennyLane's: its decomposition's gates' (an
            if not isinstance(op, Operation):  # operator of your own made of templates: their
                raise  # matrix, with the warning); operator arithmetic: its operands' refusal
            try:
                with not_recording():
                    gates = list(op.decomposition())
            except DecompositionUndefinedError:
                raise exc from None
            return _eigvals_tape(QuantumScript(gates), k=k, which=which)
    if isinstance(op, type):  # an operator class: the function that makes one (PennyLane's)
        cls = op

        def op(*args, **kwargs):
            cls(*args, **kwargs)
    if _transformable(op):
        return _eigvals_tape(op, k=k, which=which)
    raise TransformError(f"Input is not an Operator, tape, QNode, or quantum function (qml.eigvals "
                         f"got {op!r})")
