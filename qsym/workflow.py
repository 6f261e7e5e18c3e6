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


from ._drawing import validate_level
from ._mcm import defer
from ._operations import METHODS as OP_METHODS
from ._runtime import QNode, qnode, set_shots
from ._tapes import QuantumScript
from ._transform import level_slice, qnode_tape, trainable_positions
from .transforms import module_path
from .devices import ExecutionConfig, MCMConfig
from .errors import ArgumentError, LevelError
from .math import Interface

__all__ = ["construct_tape", "construct_batch", "set_shots", "marker"]


def construct_batch(qnode, level="user"):
    """``construct_batch(qnode, level)(*args, **kwargs)``: the tapes a QNode runs at these
    arguments after the QNode's own transforms up to ``level`` (``"top"``: none; ``"user"``:
    all of them; an int: that many; a slice; a marker's name), and their postprocessing
    function. ``qml.workflow.construct_batch`` (PennyLane's) is ``qsym._resolution``'s, which
    adds the gradient expansion and the device's preprocessing (``"gradient"``,
    ``"device"``) to this one.

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
    base = qnode if isinstance(qnode, QNode) else getattr(qnode, "qnode", None)
    if not isinstance(base, QNode) or not hasattr(qnode, "compile_pipeline"):
        raise ArgumentError(f"construct_batch takes a QNode, got {qnode!r}")
    # (a QNode's wrapper with its own pipeline, ``qml.metric_tensor(qnode)``: the QNode's
    # tape through the wrapper's pipeline)

    def make(*args, **kwargs):
        node, kwargs = base.per_call_shots(kwargs)
        tape = qnode_tape(node, args, kwargs)
        deferring = getattr(base, "defers_measurements", None)
        if deferring:  # qml.defer_measurements(qnode): PennyLane's deferred tape
            ops, meas, _, _ = defer(tape.operations, list(tape.measurements), *deferring)
            tape = QuantumScript(ops, meas, shots=tape.shots)
            tape.trainable_params = trainable_positions(tape.data)
        pipeline = qnode.compile_pipeline
        part = pipeline[level_slice(pipeline, level)]
        return part((tape,))

    return make


def marker(obj=None, label=None):
    """PennyLane's ``qml.marker``: name the level after the QNode's transforms so far
    (``qnode.compile_pipeline.add_marker(label)``, the QNode itself marked), usable as
    ``level=label`` in :func:`construct_batch`, ``qml.draw``, ``qml.specs``, ...; as a
    decorator ``@qml.marker("label")`` or ``@qml.marker(label="label")``.

    >>> import qsym as qml
    >>> @qml.marker("after-cancel")
    ... @qml.transforms.cancel_inverses
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.H(0)
    ...     qml.H(0)
    ...     qml.RX(x, 0)
    ...     return qml.expval(qml.Z(0))
    >>> c.compile_pipeline.markers
    ['after-cancel']
    >>> len(construct_tape(c, level="after-cancel")(0.5).operations)
    1
    """
    if isinstance(obj, QNode) and label is not None:
        obj.compile_pipeline.add_marker(label)
        return obj
    if isinstance(obj, str):
        obj, label = None, obj
    if obj is None and label is not None:
        def decorator(qnode):
            return marker(qnode, label)

        return decorator
    if obj is not None and not isinstance(obj, QNode):
        raise ValueError(f"Object to mark must be a QNode, got {obj!r}.")
    raise ValueError("marker requires a 'label' argument (qml.marker(qnode, label) or "
                     "@qml.marker(label)).")


def construct_tape(qnode, level="user"):
    """``construct_tape(qnode)(*args, **kwargs)``: the :class:`~qsym.tape.QuantumScript` of
    the gates and measurements the QNode's function makes at these arguments (run on the
    numbers, as PennyLane does; the measurements are the returned ones, in order; the
    QNode's shots; trainable: the parameters that are ``qsym.numpy`` tensors with
    ``requires_grad=True``, as PennyLane's autograd interface marks them), after the
    QNode's transforms up to ``level`` (:func:`construct_batch`; a transform that makes
    several tapes raises :class:`~qsym.errors.LevelError`, a ``ValueError``: use
    ``construct_batch``).

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
    validate_level(level)  # (PennyLane's construct_batch refuses None)

    def make(*args, **kwargs):
        tapes, _ = construct_batch(qnode, level)(*args, **kwargs)
        if len(tapes) != 1:
            raise LevelError(
                f"Level requested corresponds to more than one tape. (qsym: level {level} "
                f"makes {len(tapes)} tapes; construct_tape is only for levels with one tape: "
                "use qml.workflow.construct_batch)")
        return tapes[0]

    return make


def make_execution_config(circuit, diff_method=None, mcm_config=None) -> ExecutionConfig:
    """The :class:`~qsym.devices.ExecutionConfig` of a QNode's options (PennyLane's
    ``pennylane.workflow.qnode._make_execution_config``, also importable by that path):
    its interface, ``gradient_kwargs``, ``grad_on_execution`` (``"best"`` is ``None``;
    ``False`` under JAX) and ``device_vjp``, the given gradient method and
    :class:`~qsym.devices.MCMConfig`. ``circuit=None`` gives the defaults (NumPy, no
    gradient options).

    >>> import qsym as qml
    >>> node = qml.QNode(lambda: qml.probs(), qml.device("default.qubit"), interface="autograd")
    >>> config = make_execution_config(node, "best")
    >>> config.interface, config.gradient_method, config.grad_on_execution
    (<Interface.AUTOGRAD: 'autograd'>, 'best', None)
    >>> make_execution_config(None).interface
    <Interface.NUMPY: 'numpy'>
    """
    interface = getattr(circuit, "interface", Interface.NUMPY.value)
    execute_kwargs = getattr(circuit, "execute_kwargs", {})
    grad_on_execution = execute_kwargs.get("grad_on_execution")
    if interface in (Interface.JAX.value, Interface.JAX_JIT.value):
        grad_on_execution = False
    elif grad_on_execution == "best":
        grad_on_execution = None
    return ExecutionConfig(
        interface=interface, gradient_keyword_arguments=getattr(circuit, "gradient_kwargs", {}),
        gradient_method=diff_method, grad_on_execution=grad_on_execution,
        use_device_jacobian_product=execute_kwargs.get("device_vjp", False),
        mcm_config=mcm_config or MCMConfig())


# PennyLane's module paths: from pennylane.workflow.set_shots import set_shots; from
# pennylane.workflow.qnode import QNode, qnode, _make_execution_config
module_path(__name__, "set_shots", "PennyLane's path of qml.set_shots", set_shots=set_shots)
module_path(__name__, "qnode", "PennyLane's module of the QNode", QNode=QNode, qnode=qnode,
            _make_execution_config=make_execution_config)
# QNode.construct(args, kwargs) (PennyLane's): the tape before the QNode's transforms
OP_METHODS["qnode_construct"] = lambda qnode, args, kwargs: construct_tape(qnode, level=0)(
    *args, **kwargs)
