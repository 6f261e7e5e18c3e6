"""PennyLane's ``qml.workflow``: the names qsym provides. :func:`construct_tape` records the
tape a QNode's function makes at given arguments (``qml.workflow.construct_tape(qnode)(x)``);
``set_shots`` is :func:`qsym.set_shots` (also ``from qsym.workflow.set_shots import
set_shots``, PennyLane's module path).

>>> import qsym as qml
>>> @qml.qnode(qml.device("default.qubit", wires=1))
... def f(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> qml.workflow.construct_tape(f)(0.5).operations
[RX(0.5, wires=[0])]
"""

import sys as _sys
import types as _types

from ._mcm import defer
from ._runtime import QNode, set_shots
from ._shots import Shots
from ._tapes import QuantumScript, QuantumTape
from .errors import ArgumentError

__all__ = ["construct_tape", "set_shots"]


def construct_tape(qnode, level="user"):
    """``construct_tape(qnode)(*args, **kwargs)``: the :class:`~qsym.tape.QuantumScript` of
    the gates and measurements the QNode's function makes at these arguments (run on the
    numbers, as PennyLane does; the measurements are the returned ones, in order; the
    QNode's shots). ``level`` is accepted (qsym does not transform tapes).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def g(a):
    ...     qml.RY(a, wires=1)
    ...     return qml.probs(wires=[1]), qml.expval(qml.PauliZ(1))
    >>> tape = construct_tape(g)(0.1)
    >>> tape.num_params, len(tape.measurements)
    (1, 2)
    """
    if not isinstance(qnode, QNode):
        raise ArgumentError(f"construct_tape takes a QNode, got {qnode!r}")

    def make(*args, **kwargs):
        with QuantumTape() as recorded:
            result = qnode.func(*args, **kwargs)
        returned = list(result) if isinstance(result, (tuple, list)) else [result]
        shots = qnode.configured_shots()
        shots = shots if isinstance(shots, Shots) else Shots(shots)
        operations = recorded.operations
        deferring = getattr(qnode, "defers_measurements", None)
        if deferring:  # qml.defer_measurements(qnode): PennyLane's deferred tape
            operations, returned, _, _ = defer(operations, returned, *deferring)
        return QuantumScript(operations, returned, shots=shots)

    return make


# PennyLane's module path: from pennylane.workflow.set_shots import set_shots
_path = _types.ModuleType(__name__ + ".set_shots", "PennyLane's path of qml.set_shots")
_path.set_shots = set_shots
_sys.modules.setdefault(_path.__name__, _path)
