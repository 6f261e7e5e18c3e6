"""Exception types. Every error qsym raises on bad input is one of these, with a message
that says what to do.

>>> issubclass(WireError, QsymError) and issubclass(WireError, ValueError)
True
"""


class QsymError(Exception):
    """Base class of qsym's errors.

    >>> import qsym as qml
    >>> [issubclass(e, qml.QsymError) for e in (qml.GateError, qml.WireError, qml.TracingError)]
    [True, True, True]
    >>> try:  # one except clause for every error qsym raises on bad input
    ...     qml.RX(0.1, wires=[0, 1])
    ... except qml.QsymError as exc:
    ...     print(type(exc).__name__)
    WireError
    """


class QuantumFunctionError(QsymError):
    """PennyLane's ``QuantumFunctionError`` (an illegal operation in a quantum function):
    the base of :class:`TracingError` and :class:`MeasurementError`, so that code catching
    PennyLane's error catches qsym's.

    >>> import qsym as qml
    >>> issubclass(qml.MeasurementError, QuantumFunctionError), issubclass(qml.TracingError, QuantumFunctionError)
    (True, True)
    """


class TracingError(QuantumFunctionError, TypeError):
    """The circuit function could not be traced (e.g. a branch on a traced input, in a
    QNode made with ``trace="once"``; by default such a QNode is traced at every call).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1), trace="once")
    ... def branchy(x):
    ...     if x > 0:  # a Python branch on the traced input
    ...         qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> try:
    ...     branchy(0.5)
    ... except qml.TracingError as exc:
    ...     print(str(exc).split(",")[0])
    `x > 0` needs the value of the traced input(s) x
    """


class GateError(QsymError, ValueError):
    """Unknown gate, or a gate called with the wrong number or kind of parameters.

    >>> import qsym as qml
    >>> try:
    ...     qml.RX(0.1, 0.2, wires=0)
    ... except qml.GateError as exc:
    ...     print(exc)
    RX takes 1 parameter(s), got 2
    """


class PowUndefinedError(GateError):
    """PennyLane's ``PowUndefinedError``: ``op.pow(z)`` has no gates for this ``z`` (a
    non-integer power of an involution, say); ``qml.pow(op, z)`` still applies the matrix
    power.

    >>> import qsym as qml
    >>> try:
    ...     qml.Hadamard(0).pow(0.3)
    ... except PowUndefinedError as exc:
    ...     print(type(exc).__name__, isinstance(exc, qml.GateError))
    PowUndefinedError True
    """


class DecompositionUndefinedError(GateError):
    """PennyLane's ``DecompositionUndefinedError``: the gate has no decomposition into
    other gates (it is applied as it is).

    >>> import qsym as qml
    >>> try:
    ...     qml.RX(0.1, wires=0).decomposition()
    ... except DecompositionUndefinedError as exc:
    ...     print(type(exc).__name__)
    DecompositionUndefinedError
    """


class DecompositionError(GateError):
    """PennyLane's ``DecompositionError``: the graph-based decomposition system cannot
    give what was asked (an operator it found no rule for, a rule that is not one).

    >>> import qsym as qml
    >>> graph = qml.decomposition.DecompositionGraph([qml.CRX(0.1, wires=[0, 1])], {"CNOT", "RY", "RZ"})
    >>> try:
    ...     graph.solve().decomposition(qml.RX(0.1, wires=0))
    ... except DecompositionError as exc:
    ...     print(exc)
    Operator RX(0.1, wires=[0]) is unsolved in this decomposition graph.
    """


class AdjointUndefinedError(GateError):
    """PennyLane's ``AdjointUndefinedError``: the adjoint is not defined (of a power by a
    non-integer ``z``, whose branch cut makes it ambiguous).

    >>> import qsym as qml
    >>> try:
    ...     qml.pow(qml.X(0), 0.5).adjoint()
    ... except AdjointUndefinedError as exc:
    ...     print(type(exc).__name__)
    AdjointUndefinedError
    """


class GeneratorUndefinedError(GateError):
    """PennyLane's ``GeneratorUndefinedError``: the operator has no generator (an
    exponential whose coefficient is not imaginary or whose base is not Hermitian).

    >>> import qsym as qml
    >>> try:
    ...     qml.exp(qml.X(0), 2.0).generator()
    ... except GeneratorUndefinedError as exc:
    ...     print(type(exc).__name__)
    GeneratorUndefinedError
    """


class RotAnglesUndefinedError(GateError, NotImplementedError):
    """The operator has no ``single_qubit_rot_angles`` (PennyLane raises
    ``NotImplementedError``; this is one too): only PennyLane's one-wire gates that define
    them have them.

    >>> import qsym as qml
    >>> try:
    ...     qml.U3(0.1, 0.2, 0.3, wires=0).single_qubit_rot_angles()
    ... except NotImplementedError as exc:
    ...     print(type(exc).__name__)
    RotAnglesUndefinedError
    """


class ComparisonUndefinedError(GateError, NotImplementedError):
    """``qml.equal`` given objects it has no comparison for (PennyLane raises
    ``NotImplementedError`` "Comparison of ... not implemented"; this is one too): it
    compares operators, measurements, tapes and Pauli words or sentences.

    >>> import qsym as qml
    >>> try:
    ...     qml.equal(qml.device("default.qubit", wires=1), qml.device("default.qubit", wires=1))
    ... except NotImplementedError as exc:
    ...     print(type(exc).__name__)
    ComparisonUndefinedError
    """


class RemovedGateError(GateError, AttributeError):
    """``qml.<name>`` of a gate removed by :func:`qsym.undefine_gate`: a :class:`GateError`,
    and an ``AttributeError`` as for any missing attribute (``hasattr`` is False).

    >>> import qsym as qml
    >>> _ = qml.define_gate("Gone", 1, generator=[(1, "Z")])
    >>> qml.undefine_gate("Gone")
    >>> try:
    ...     qml.Gone(0.1, wires=0)
    ... except qml.RemovedGateError as exc:
    ...     print(exc)
    gate Gone was removed by qsym.undefine_gate; define it again with qsym.define_gate before using it
    >>> hasattr(qml, "Gone")
    False
    """


class MatrixUndefinedError(GateError):
    """PennyLane's ``MatrixUndefinedError``: the operator has no matrix, e.g. a noise
    channel given to ``qml.matrix`` (a channel has Kraus matrices:
    ``op.kraus_matrices()``).

    >>> import qsym as qml
    >>> try:
    ...     qml.matrix(qml.BitFlip(0.1, wires=0))
    ... except qml.MatrixUndefinedError as exc:
    ...     print(str(exc)[:30])
    Operator must define a matrix,
    """


class SparseMatrixUndefinedError(GateError):
    """PennyLane's ``SparseMatrixUndefinedError``: the operator has no sparse matrix (a
    template, a broadcast gate, a ``BlockEncode`` of a dense matrix: use ``op.matrix()``).

    >>> import qsym as qml
    >>> try:
    ...     qml.QFT(wires=[0, 1]).sparse_matrix()
    ... except qml.errors.SparseMatrixUndefinedError as exc:
    ...     print(str(exc)[:24])
    QFT has no sparse matrix
    """


class EigvalsUndefinedError(GateError):
    """PennyLane's ``EigvalsUndefinedError``: the operator has no eigenvalues qsym can give
    (one with neither a matrix nor a Pauli form), so it cannot be measured by its
    eigenvalues (``qml.sample(op).process_samples``, ``mp.eigvals()``).

    >>> issubclass(EigvalsUndefinedError, GateError)
    True
    """


class ShapeAssertionError(GateError, AssertionError):
    """A template's tensor of the wrong shape where PennyLane asserts the shape (``qml.MPSPrep``'s
    tensors): a :class:`GateError` that is also the ``AssertionError`` PennyLane raises.

    >>> issubclass(ShapeAssertionError, AssertionError) and issubclass(ShapeAssertionError, ValueError)
    True
    """


class WireError(QsymError, ValueError):
    """A wire that is not on the device, or a gate given duplicate wires.

    >>> import qsym as qml
    >>> try:
    ...     qml.CNOT(wires=[0, 0])
    ... except qml.WireError as exc:
    ...     print(exc)
    CNOT got duplicate wires [0, 0]
    """


class MeasurementError(QuantumFunctionError, ValueError):
    """The circuit returns something other than supported measurements.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def circuit(x):
    ...     qml.RY(x, wires=0)
    ...     return qml.expval(qml.RX(0.1, wires=0))
    >>> try:
    ...     circuit(0.3)
    ... except qml.MeasurementError as exc:
    ...     print(str(exc).split(";")[0])
    RX cannot be used as an observable
    """


class ConditionalTransformError(MeasurementError):
    """``qml.cond`` of a mid-circuit measurement value applied to what it cannot condition:
    a function that measures (a terminal measurement, ``qml.measure``), ``elifs``, or an
    argument that is neither a gate nor a function (PennyLane's
    ``qml.exceptions.ConditionalTransformError``, a ``ValueError``).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def circuit():
    ...     m = qml.measure(0)
    ...     qml.cond(m, qml.measure)(1)
    ...     return qml.probs()
    >>> try:
    ...     circuit()
    ... except qml.exceptions.ConditionalTransformError as exc:
    ...     print(str(exc)[:40])
    Only quantum functions that contain no m
    """


class CustomMeasurementError(MeasurementError):
    """A measurement of a class of the user's own (a PennyLane ``SampleMeasurement`` /
    ``StateMeasurement`` subclass with its own ``process_*`` method) where qsym compiles
    the circuit: a QNode call computes it by running the circuit's tape (its
    ``process_*`` method handed the samples or state), which nothing compiled does.

    >>> issubclass(CustomMeasurementError, MeasurementError)
    True
    """


class MeasurementShapeError(MeasurementError):
    """PennyLane's ``MeasurementShapeError``: a measurement's shape cannot be known (a
    sample or classical shadow without shots).

    >>> import qsym as qml
    >>> try:
    ...     qml.sample(wires=[0]).shape(None, 1)
    ... except MeasurementShapeError as exc:
    ...     print(str(exc)[:40])
    Shots are required to obtain the shape o
    """


class PostselectionError(MeasurementError, RuntimeError):
    """``postselect_mode="fill-shots"`` with finite shots and a postselected outcome of
    probability 0: no shot can be filled (PennyLane's ``RuntimeError``, its message).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2), shots=10, mcm_method="deferred",
    ...            postselect_mode="fill-shots")
    ... def circuit():
    ...     qml.measure(0, postselect=1)
    ...     return qml.expval(qml.Z(0))
    >>> try:
    ...     circuit()
    ... except RuntimeError as exc:
    ...     print(str(exc)[:60])
    The probability of the postselected mid-circuit measurement
    """


class ArgumentError(QsymError, TypeError, ValueError):
    """A circuit argument of the wrong kind (non-numeric, complex, NaN, ...). It is both a
    ``TypeError`` and a ``ValueError``: PennyLane raises one or the other for the same
    mistakes, and code written for it catches the one it raises.

    >>> import qsym as qml
    >>> def f(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> try:
    ...     qml.QNode(f, qml.device("default.qubit", wires=1), interface="jax")
    ... except qml.ArgumentError as exc:
    ...     print(str(exc)[:34])
    interface='jax' is not supported:
    """


class UnsupportedInputError(ArgumentError, NotImplementedError):
    """An input of a kind a function has no implementation for, where PennyLane raises
    ``NotImplementedError`` (``qml.qchem.molecular_hamiltonian`` of something that is
    neither a list of symbols nor a ``Molecule``).

    >>> import qsym as qml
    >>> try:
    ...     qml.qchem.molecular_hamiltonian(symbols=1, coordinates=[0.0, 0.0, 0.0])
    ... except NotImplementedError as exc:
    ...     print(str(exc)[:46])
    molecular_hamiltonian supports only list or mo
    """


class ConversionAssertionError(ArgumentError, AssertionError):
    """A conversion between two conventions that is not defined (``qml.transform_angles``
    between other routines than ``"QSP"`` and ``"QSVT"``): an :class:`ArgumentError`
    that is also the ``AssertionError`` PennyLane raises.

    >>> issubclass(ConversionAssertionError, AssertionError) and issubclass(ConversionAssertionError, ValueError)
    True
    """


class InputAssertionError(ArgumentError, AssertionError):
    """An input PennyLane checks with an ``assert`` (``qml.OutPoly``'s polynomial of
    non-integer coefficients): an :class:`ArgumentError` that is also the
    ``AssertionError`` PennyLane raises.

    >>> issubclass(InputAssertionError, AssertionError) and issubclass(InputAssertionError, ValueError)
    True
    """


class DeviceError(QsymError, ValueError):
    """Unknown device name or bad device options; a circuit run on a device qsym does not
    simulate (PennyLane's ``default.qutrit``, ``default.gaussian``, ...: made with a warning,
    so that code which only makes one still runs).

    >>> import qsym as qml
    >>> try:
    ...     qml.device("default.qubitt", wires=1)
    ... except qml.DeviceError as exc:
    ...     print(str(exc)[:36])
    Device default.qubitt does not exist
    """


class AnalyticSampleError(MeasurementError, DeviceError):
    """``qml.sample`` or ``qml.counts`` measured on a device without shots. PennyLane 0.45.1
    raises its ``DeviceError`` ("... not accepted for analytic simulation"); qsym's error is
    both that and a :class:`MeasurementError`, so either ``except`` catches it.

    >>> import qsym as qml
    >>> @qml.qnode(qml.devices.DefaultQubit())
    ... def circuit():
    ...     return qml.sample(wires=0)
    >>> try:
    ...     circuit()
    ... except qml.DeviceError as exc:
    ...     print(str(exc)[:62])
    Measurement sample not accepted for analytic simulation on def
    """


class DifferentiationError(QsymError, ValueError):
    """A gradient that cannot be computed as asked (no exact rule, bad argnum, ...).

    >>> import qsym as qml
    >>> try:
    ...     qml.grad(lambda x: x, argnum=3)(0.1)
    ... except qml.DifferentiationError as exc:
    ...     print(str(exc)[:27])
    argnum 3 is out of range: t
    """


class ByValueDerivative(DifferentiationError):
    """A compiled derivative by an input the circuit function used by its number
    (``float(x)``, ``numpy.linalg`` of it): ``qml.grad`` / ``qml.jacobian`` of the QNode
    differentiate it by autograd instead, the function run on autograd's boxes as PennyLane
    runs it; where it cannot run on them, a :class:`DifferentiationError` names the input
    and its use.

    >>> issubclass(ByValueDerivative, DifferentiationError)
    True
    """


class ClosureDerivativeError(DifferentiationError, GateError):
    """A gate parameter or observable coefficient being differentiated outside a QNode (an
    autograd box) that the QNode reads from its closure: qsym differentiates a QNode in its
    arguments only, so it refuses rather than return a zero derivative. Also a
    :class:`GateError` (what a gate given such a value raised before): code that catches a
    gate's refusal of a traced parameter (the metric tensor's expansion keeping a gate
    whole) still does.

    >>> import qsym as qml
    >>> issubclass(ClosureDerivativeError, qml.errors.GateError)
    True
    """


class IntegerArgumentError(DifferentiationError, TypeError):
    """An argument named by ``argnum``/``argnums`` that is a list or tuple holding an integer
    (``[0.3, 1]``): PennyLane's autograd differentiates each item of a list and raises its
    ``TypeError`` "Can't differentiate w.r.t. type <class 'int'>" there, so this is one
    (and a :class:`DifferentiationError`).

    >>> import qsym as qml
    >>> try:
    ...     qml.grad(lambda p: p[0] * p[1], argnums=0)([0.3, 1])
    ... except TypeError as exc:
    ...     print(type(exc).__name__, str(exc)[:52])
    IntegerArgumentError Can't differentiate w.r.t. type <class 'int'>: argum
    """


class ScalarOutputError(DifferentiationError, TypeError):
    """``qml.grad`` of a function whose result is not one real number: PennyLane's (its
    autograd's) ``TypeError`` "Grad only applies to real scalar-output functions", so it is
    one (and a :class:`DifferentiationError`); ``qml.jacobian`` differentiates such results.

    >>> import qsym as qml
    >>> try:
    ...     qml.grad(lambda x: qml.numpy.sin(x), argnum=0)(qml.numpy.array([0.1, 0.2]))
    ... except TypeError as exc:
    ...     print(type(exc).__name__, str(exc)[:50])
    ScalarOutputError grad only applies to real scalar-output functions
    """


class QNodeError(QuantumFunctionError, ArgumentError):
    """A QNode made with something that is not a device, or with a ``diff_method`` no one
    knows: PennyLane raises ``QuantumFunctionError`` there, so it is one (and an
    :class:`ArgumentError`, as every bad keyword of qsym's).

    >>> import qsym as qml
    >>> try:
    ...     qml.QNode(lambda: qml.state(), qml.device("default.qubit", wires=1), diff_method="hello")
    ... except qml.QuantumFunctionError as exc:
    ...     print(type(exc).__name__, str(exc)[:41])
    QNodeError Differentiation method hello not recogniz
    """


class MethodError(QuantumFunctionError, DifferentiationError):
    """A ``diff_method`` that cannot differentiate this circuit as it runs (the adjoint
    method with finite shots, which needs the exact state; ``diff_method=None``, which
    differentiates nothing): PennyLane raises
    ``QuantumFunctionError`` there, so it is one (and a :class:`DifferentiationError`).

    >>> import qsym as qml
    >>> c = qml.QNode(lambda: qml.expval(qml.Z(0)), qml.device("default.qubit", wires=1),
    ...               diff_method="adjoint")
    >>> try:
    ...     qml.set_shots(c, shots=1)()
    ... except qml.QuantumFunctionError as exc:
    ...     print(type(exc).__name__, str(exc)[:48])
    MethodError default.qubit does not support adjoint with requ
    """


class NonDifferentiableError(DifferentiationError):
    """A ``qsym.numpy`` tensor with ``requires_grad=False`` named by ``argnum``/``argnums``
    of ``qml.grad``, ``qml.jacobian`` or ``qml.hessian`` (PennyLane's
    ``NonDifferentiableError``, also ``qml.numpy.NonDifferentiableError``).

    >>> import qsym as qml
    >>> x = qml.numpy.array(0.3, requires_grad=False)
    >>> try:
    ...     qml.grad(lambda x: x * x, argnum=0)(x)
    ... except qml.NonDifferentiableError as exc:
    ...     print(str(exc)[:56])
    0.3 is non-differentiable. Set the requires_grad attribu
    """


class RuleError(QsymError, ValueError):
    """A shift rule could not be derived or failed its proof.

    >>> import qsym as qml
    >>> try:
    ...     qml.rules.derive_rule((1,), shifts=(0,))
    ... except qml.RuleError as exc:
    ...     print(exc)
    shifts must be positive (each is used as +s and -s), got 0
    """


class TransformError(QsymError):
    """A circuit transform (``qml.transform``, ``qml.transforms``) given bad input or
    combined wrongly (PennyLane's ``TransformError``).

    >>> import qsym as qml
    >>> try:
    ...     qml.transform(3)
    ... except TransformError as exc:
    ...     print(str(exc).split(",")[0])
    The function to register
    """


class LevelError(TransformError, ValueError):
    """A ``level`` of a QNode's pipeline that is not there or not a level (``construct_batch``,
    ``construct_tape``, ``qml.draw``, ...; PennyLane's ``ValueError``).

    >>> issubclass(LevelError, ValueError) and issubclass(LevelError, TransformError)
    True
    """


class NestingError(QsymError, RuntimeError):
    """An operator nested so deeply (``qml.prod``, ``qml.sum``, ``qml.s_prod`` of each other,
    thousands of levels) that a method walking it reached Python's recursion limit
    (PennyLane's ``RuntimeError`` "Maximum recursion depth reached!").

    >>> issubclass(NestingError, RuntimeError) and issubclass(NestingError, QsymError)
    True
    """


class KernelError(QsymError, ValueError):
    """Bad input to a ``qml.kernels`` function (an unknown noise-mitigation method, a
    kernel matrix whose diagonal is too small to estimate the noise from).

    >>> import qsym as qml
    >>> try:
    ...     qml.kernels.mitigate_depolarizing_noise(qml.numpy.eye(2), 1, "median")
    ... except qml.errors.KernelError as exc:
    ...     print(str(exc)[:59])
    Incorrect noise depolarization mitigation method specified:
    """


class SpectrumError(QsymError, ValueError):
    """Bad input to ``qml.fourier``: a gate parameter not linear in the input whose
    spectrum is asked, a measurement without a Fourier spectrum, an unknown argument name.

    >>> import qsym as qml
    >>> try:
    ...     qml.fourier.coefficients(lambda x: 0.0, 2, (1, 2, 3))
    ... except qml.errors.SpectrumError as exc:
    ...     print(str(exc)[:49])
    If multiple degrees are provided, their number ha
    """


class OperandError(MeasurementError, AttributeError):
    """An operand of operator arithmetic that is not an operator, among several
    (``qml.prod(qfunc, qml.X(0))``): a :class:`MeasurementError`, and PennyLane's
    ``AttributeError`` (it reads the operand's ``wires``). One quantum function alone is
    a product (``qml.prod(qfunc)()``).

    >>> import qsym as qml
    >>> def qfunc():
    ...     qml.X(0)
    >>> try:
    ...     qml.prod(qfunc, qml.Z(1))
    ... except AttributeError as exc:
    ...     print(str(exc)[:45])
    'function' object has no attribute 'wires': q
    """

class CacheWarning(UserWarning):
    """The on-disk cache cannot be used as configured (a folder or file that is not the
    current user's alone, or cannot be written): qsym uses a private folder or recomputes
    the file, and says so once.

    >>> import warnings
    >>> import qsym as qml
    >>> issubclass(qml.CacheWarning, UserWarning)
    True
    >>> with warnings.catch_warnings():  # make it an error in an application that must cache
    ...     warnings.simplefilter("error", qml.CacheWarning)
    """
