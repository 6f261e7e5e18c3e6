"""PennyLane's ``qml.workflow``: the names qsym provides. :func:`construct_tape` records the
tape a QNode's function makes at given arguments (``qml.workflow.construct_tape(qnode)(x)``),
after the QNode's transforms up to a ``level`` (:func:`construct_batch`: all the tapes);
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

from autograd.tracer import Box

from ._mcm import defer
from ._runtime import QNode, set_shots
from ._tapes import QuantumScript
from ._transform import level_slice, qnode_tape
from .errors import ArgumentError, TransformError

__all__ = ["construct_tape", "construct_batch", "set_shots"]


def _trainable_indices(params) -> list:
    """PennyLane's ``qml.math.get_trainable_indices`` under autograd: the positions of the
    values that are trainable (a ``qsym.numpy`` tensor with ``requires_grad=True``, or an
    autograd box); plain numbers and NumPy arrays are constants."""
    return [k for k, p in enumerate(params)
            if isinstance(p, Box) or getattr(p, "requires_grad", False) is True]


def construct_batch(qnode, level="user"):
    """``construct_batch(qnode, level)(*args, **kwargs)``: the tapes a QNode runs at these
    arguments after the transforms of its pipeline up to ``level`` (``"top"``: none;
    ``"user"``, ``"gradient"``, ``"device"``: all of them, qsym adds no gradient or device
    transforms; an int: that many; a slice; a marker's name), and their postprocessing
    function (PennyLane's ``qml.workflow.construct_batch``).

    >>> import qsym as qml
    >>> @qml.transforms.cancel_inverses
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.H(0)
    ...     qml.H(0)
    ...     qml.RX(x, 0)
    ...     return qml.expval(qml.Z(0))
    >>> (top,), _ = construct_batch(c, level="top")(0.5)
    >>> (user,), _ = construct_batch(c)(0.5)
    >>> len(top.operations), len(user.operations)
    (3, 1)
    """
    if not isinstance(qnode, QNode):
        raise ArgumentError(f"construct_batch takes a QNode, got {qnode!r}")

    def make(*args, **kwargs):
        node, kwargs = qnode.per_call_shots(kwargs)
        tape = qnode_tape(node, args, kwargs)
        deferring = getattr(qnode, "defers_measurements", None)
        if deferring:  # qml.defer_measurements(qnode): PennyLane's deferred tape
            ops, meas, _, _ = defer(tape.operations, list(tape.measurements), *deferring)
            tape = QuantumScript(ops, meas, shots=tape.shots)
        tape.trainable_params = _trainable_indices(tape.get_parameters(trainable_only=False))
        pipeline = qnode.compile_pipeline
        part = pipeline[level_slice(pipeline, level)]
        return part((tape,))

    return make


def construct_tape(qnode, level="user"):
    """``construct_tape(qnode)(*args, **kwargs)``: the :class:`~qsym.tape.QuantumScript` of
    the gates and measurements the QNode's function makes at these arguments (run on the
    numbers, as PennyLane does; the measurements are the returned ones, in order; the
    QNode's shots; trainable: the parameters that are ``qsym.numpy`` tensors with
    ``requires_grad=True``, as PennyLane's autograd interface marks them), after the
    QNode's transforms up to ``level`` (:func:`construct_batch`;
    a transform that makes several tapes raises :class:`~qsym.errors.TransformError`:
    use ``construct_batch``).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def g(a):
    ...     qml.RY(a, wires=1)
    ...     return qml.probs(wires=[1]), qml.expval(qml.PauliZ(1))
    >>> tape = construct_tape(g)(qml.numpy.array(0.1))
    >>> tape.num_params, len(tape.measurements)
    (1, 2)
    >>> construct_tape(g)(0.1).num_params  # a plain number is not trainable (PennyLane's)
    0
    """
    if not isinstance(qnode, QNode):
        raise ArgumentError(f"construct_tape takes a QNode, got {qnode!r}")

    def make(*args, **kwargs):
        tapes, _ = construct_batch(qnode, level)(*args, **kwargs)
        if len(tapes) != 1:
            raise TransformError(
                f"Level {level} contains {len(tapes)} tapes. construct_tape is only for "
                "levels with one tape: use qml.workflow.construct_batch")
        return tapes[0]

    return make


# PennyLane's module path: from pennylane.workflow.set_shots import set_shots
_path = _types.ModuleType(__name__ + ".set_shots", "PennyLane's path of qml.set_shots")
_path.set_shots = set_shots
_sys.modules.setdefault(_path.__name__, _path)
