"""PennyLane's ``qml.tape``: :class:`QuantumScript`, :class:`QuantumTape` and
:func:`make_qscript` (:mod:`qsym._tapes`); tapes run with ``qml.execute`` or
``dev.execute`` through qsym's compiled circuits, and ``qml.gradients`` differentiates them.

>>> import qsym as qml
>>> from qsym.tape import QuantumScript
>>> QuantumScript([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))]).num_params
1
"""

import warnings as _warnings
from collections.abc import Sequence as _Sequence

from ._tapes import QuantumScript, QuantumTape, expand_tape_state_prep, make_qscript
from .exceptions import PennyLaneDeprecationWarning

# PennyLane's type names: a batch of tapes
QuantumScriptBatch = _Sequence[QuantumScript]
QuantumTapeBatch = _Sequence[QuantumScript]
QuantumScriptOrBatch = QuantumScript | QuantumScriptBatch  # one tape or a batch

__all__ = ["QuantumScript", "QuantumTape", "make_qscript", "expand_tape_state_prep", "expand_tape",
           "OperationRecorder"]


class OperationRecorder(QuantumTape):
    """PennyLane's ``qml.tape.OperationRecorder``: a :class:`QuantumTape` used as a context
    that records the operators applied inside it (``rec.operations``); ``rec.queue`` is the
    operators then the measurements, and it prints them.

    >>> import qsym as qml
    >>> with OperationRecorder() as rec:
    ...     qml.layer(lambda x, wires: qml.RX(x, wires=wires), 2, [0.1, 0.2], wires=0)
    >>> rec.operations
    [RX(0.1, wires=[0]), RX(0.2, wires=[0])]
    >>> print(rec)
    Operations
    ==========
    RX(0.1, wires=[0])
    RX(0.2, wires=[0])
    <BLANKLINE>
    Observables
    ===========
    <BLANKLINE>
    """

    @property
    def ops(self) -> list:
        """The recorded operators (PennyLane's ``rec.ops``)."""
        return self.operations

    @property
    def obs(self) -> list:
        """The recorded measurements' observables, a measurement without one as itself
        (PennyLane's ``rec.obs``, the tape's ``observables``)."""
        return [m.obs if getattr(m, "obs", None) is not None else m for m in self.measurements]

    @property
    def queue(self) -> list:
        """The recorded operators, then the observables (PennyLane's ``ops + obs``)."""
        return self.ops + self.obs

    def _queue_on(self, outer) -> None:
        """Inside another recording (a QNode's, a tape's) each recorded operator and
        measurement is queued there too, as PennyLane's recorder re-queues its items."""
        for item in self.operations + self.measurements:
            outer.append(item)

    def __str__(self) -> str:
        ops = "".join(f"{op!r}\n" for op in self.ops)
        obs = "".join(f"{o!r}\n" for o in self.obs)
        return f"Operations\n==========\n{ops}\nObservables\n===========\n{obs}"


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ._unsupported import NAMESPACES

    raise AttributeError(
        f"qml.tape.{name} is not supported by qsym: {NAMESPACES['tape']} (the PennyLane names "
        "qsym does not provide: docs/pennylane.md, 'Not supported')")


def expand_tape(tape, depth=1, stop_at=None, expand_measurements=False):
    """PennyLane's deprecated ``qml.tape.expand_tape``: :meth:`QuantumScript.expand` as a
    function (each gate replaced by its decomposition ``depth`` times, those for which
    ``stop_at(op)`` is true kept; observables sharing a wire rotated to their common basis),
    with PennyLane 0.45's deprecation warning.

    >>> import qsym as qml
    >>> with _warnings.catch_warnings():
    ...     _warnings.simplefilter("ignore")
    ...     expand_tape(QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)])).operations
    [RZ(0.1, wires=[0]), RY(0.2, wires=[0]), RZ(0.3, wires=[0])]
    """
    _warnings.warn("The expand_tape function is deprecated in PennyLane v0.45 and will be "
                   "removed in v0.46. Please use the qp.decompose function for decomposing "
                   "circuits.", PennyLaneDeprecationWarning, stacklevel=2)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", PennyLaneDeprecationWarning)  # (expand's own warning)
        return tape.expand(depth=depth, stop_at=stop_at, expand_measurements=expand_measurements)
