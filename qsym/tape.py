"""PennyLane's ``qml.tape``: :class:`QuantumScript`, :class:`QuantumTape` and
:func:`make_qscript` (:mod:`qsym._tapes`); tapes run with ``qml.execute`` or
``dev.execute`` through qsym's compiled circuits, and ``qml.gradients`` differentiates them.

>>> import qsym as qml
>>> from qsym.tape import QuantumScript
>>> QuantumScript([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))]).num_params
1
"""

from collections.abc import Sequence as _Sequence

from ._tapes import QuantumScript, QuantumTape, expand_tape_state_prep, make_qscript

# PennyLane's type names: a batch of tapes
QuantumScriptBatch = _Sequence[QuantumScript]
QuantumTapeBatch = _Sequence[QuantumScript]
QuantumScriptOrBatch = QuantumScript | QuantumScriptBatch  # one tape or a batch

__all__ = ["QuantumScript", "QuantumTape", "make_qscript", "expand_tape_state_prep"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    from ._unsupported import NAMESPACES

    raise AttributeError(
        f"qml.tape.{name} is not supported by qsym: {NAMESPACES['tape']} (the PennyLane names "
        "qsym does not provide: docs/pennylane.md, 'Not supported')")
