"""PennyLane's ``qml.exceptions`` names, as qsym's error classes: ``QuantumFunctionError``
(the base of :class:`~qsym.errors.MeasurementError` and :class:`~qsym.errors.TracingError`),
``DeviceError``, ``WireError``, ``PowUndefinedError``,
``DecompositionUndefinedError``, ``DecompositionError``, ``AdjointUndefinedError``; and PennyLane's warning classes (qsym emits none of them).

>>> from qsym.exceptions import QuantumFunctionError
>>> import qsym as qml
>>> @qml.qnode(qml.device("default.qubit", wires=1))
... def circuit(x):
...     qml.RY(x, wires=0)
...     return qml.expval(qml.RX(0.1, wires=0))
>>> try:
...     circuit(0.3)
... except QuantumFunctionError as exc:
...     print(type(exc).__name__)
MeasurementError
"""

from .errors import (AdjointUndefinedError, DecompositionError, DecompositionUndefinedError, DeviceError, DifferentiationError, GateError, QsymError,
                     EigvalsUndefinedError, MatrixUndefinedError, MeasurementShapeError,
                     SparseMatrixUndefinedError,
                     PowUndefinedError, QuantumFunctionError, TransformError, WireError)

__all__ = ["QuantumFunctionError", "DeviceError", "MatrixUndefinedError", "WireError", "TransformError", "PennyLaneDeprecationWarning",
           "DecompositionWarning",
           "PowUndefinedError", "DecompositionUndefinedError", "DecompositionError", "AdjointUndefinedError",
           "SparseMatrixUndefinedError", "OperatorPropertyUndefined", "ParameterFrequenciesUndefinedError", "EigvalsUndefinedError",
           "MeasurementShapeError", "QueuingError"]


class OperatorPropertyUndefined(DifferentiationError):
    """PennyLane's error for an operator property it cannot give: a parameter of an
    operation with no ``grad_recipe``, ``parameter_frequencies`` or generator, so no
    parameter-shift rule (a :class:`~qsym.errors.DifferentiationError` here).

    >>> issubclass(OperatorPropertyUndefined, DifferentiationError)
    True
    """


class ParameterFrequenciesUndefinedError(OperatorPropertyUndefined):
    """PennyLane's error for an operator whose parameter has no frequencies (an ``Exp``
    with no generator: a real coefficient, or a base with parameters of its own).

    >>> import qsym as qml
    >>> try:
    ...     qml.exp(qml.X(0), 1.0).parameter_frequencies
    ... except ParameterFrequenciesUndefinedError as exc:
    ...     print(type(exc).__name__)
    ParameterFrequenciesUndefinedError
    """


class PennyLaneDeprecationWarning(UserWarning):
    """PennyLane's warning for deprecated features (a ``UserWarning``, as PennyLane's).

    >>> issubclass(PennyLaneDeprecationWarning, UserWarning)
    True
    """


class DecompositionWarning(UserWarning):
    """PennyLane's warning from its graph decomposition system (an operator it found no
    rule to the gate set for: :class:`qsym.decomposition.DecompositionGraph`).

    >>> issubclass(DecompositionWarning, UserWarning)
    True
    """


from .errors import GeneratorUndefinedError  # noqa: E402  (PennyLane's name)
from .errors import ConditionalTransformError, NonDifferentiableError  # noqa: E402

__all__ += ["GeneratorUndefinedError", "ConditionalTransformError", "NonDifferentiableError"]


class DiagGatesUndefinedError(GateError, OperatorPropertyUndefined):
    """PennyLane's error for an operator without diagonalizing gates (not an observable):
    a :class:`~qsym.errors.GateError` here, as qsym raised before.

    >>> import qsym as qml
    >>> try:
    ...     qml.RX.compute_diagonalizing_gates(0.1, wires=[0])
    ... except DiagGatesUndefinedError as exc:
    ...     print(str(exc)[:35])
    RX has no diagonalizing gates (Penn
    """


class TermsUndefinedError(OperatorPropertyUndefined):
    """PennyLane's error for an operator with no representation as a sum of terms.

    >>> issubclass(TermsUndefinedError, OperatorPropertyUndefined)
    True
    """


class CompileError(QsymError):
    """PennyLane's error for a function that needs ``qml.qjit`` (Catalyst).

    >>> issubclass(CompileError, Exception)
    True
    """


class AllocationError(QsymError, RuntimeError):
    """PennyLane's error of dynamic qubit allocation (``qml.allocate``): no wire left for an
    allocation, or a dynamic wire used after it was given back.

    >>> issubclass(AllocationError, RuntimeError)
    True
    """


class CaptureError(QsymError):
    """PennyLane's error of program capture (``qml.capture``; not in qsym).

    >>> issubclass(CaptureError, Exception)
    True
    """


class AutoGraphError(QsymError):
    """PennyLane's error of AutoGraph (with program capture; not in qsym).

    >>> issubclass(AutoGraphError, Exception)
    True
    """


class ResourcesUndefinedError(QsymError):
    """PennyLane's error for an operator without resource estimates.

    >>> issubclass(ResourcesUndefinedError, Exception)
    True
    """


class InvalidCapabilitiesError(QsymError):
    """PennyLane's error for a device's invalid capabilities (TOML) file.

    >>> issubclass(InvalidCapabilitiesError, Exception)
    True
    """


class ExperimentalWarning(UserWarning):
    """PennyLane's warning for experimental features.

    >>> issubclass(ExperimentalWarning, UserWarning)
    True
    """


class AutoGraphWarning(Warning):
    """PennyLane's warning of AutoGraph.

    >>> issubclass(AutoGraphWarning, Warning)
    True
    """


class CaptureWarning(Warning):
    """PennyLane's warning of program capture.

    >>> issubclass(CaptureWarning, Warning)
    True
    """


__all__ += ["DiagGatesUndefinedError", "TermsUndefinedError", "CompileError", "AllocationError",
            "CaptureError", "AutoGraphError", "ResourcesUndefinedError",
            "InvalidCapabilitiesError", "ExperimentalWarning", "AutoGraphWarning",
            "CaptureWarning"]


class QueuingError(Exception):
    """PennyLane's error for a queue lookup that fails (``AnnotatedQueue.get_info`` of an
    object not in the queue).

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     pass
    >>> try:
    ...     q.get_info(qml.X(0))
    ... except QueuingError as exc:
    ...     print(exc)
    Object X(0) not in the queue.
    """
