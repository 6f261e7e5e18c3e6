"""PennyLane 0.45's workflow resolution (``pennylane.workflow.resolution``) and the functions
of ``qml.workflow`` built on it: :func:`construct_execution_config` (a QNode's
:class:`~qsym.devices.ExecutionConfig`, resolved for its device and tapes),
:func:`get_best_diff_method` and :func:`get_compile_pipeline` (the transforms a QNode's
tapes go through, up to a ``level``: the user's, the gradient method's expansion, the
device's preprocessing). They sit on the device API (``_device_api``: the device's
``supports_derivatives``, ``setup_execution_config``, ``preprocess_transforms``) and the
gradient transforms, and are installed in :mod:`qsym.workflow` (also at PennyLane's module
paths ``qml.workflow.resolution``, ``qml.workflow.construct_execution_config``, ...).

qsym's QNodes run through their own compiled pipeline; these functions report what
PennyLane's workflow would resolve, with PennyLane's checks and errors.

>>> import qsym as qml
>>> @qml.qnode(qml.device("default.qubit", wires=1))
... def f(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.Z(0))
>>> qml.workflow.get_best_diff_method(f)(0.5)
'backprop'
"""

from __future__ import annotations

import dataclasses
import functools

from . import _cv as cv, gradients, workflow
from ._drawing import DRAWN_LEVELS, validate_level
from ._options import DEFAULT_DIFF_METHOD
from ._splitting import convert_to_numpy_parameters
from ._trace import OneRun
from ._transform import CompilePipeline, Transform, transform
from .devices import ExecutionConfig, MCMConfig
from .errors import ArgumentError, LevelError, QuantumFunctionError
from .math import Interface, get_interface
from .transforms import module_path

__all__ = ["construct_execution_config", "get_best_diff_method", "get_compile_pipeline"]

# PennyLane's SupportedDiffMethods, in its order (the text of its error)
DIFF_METHODS = ("best", "device", "backprop", "adjoint", "parameter-shift", "hadamard",
                "finite-diff", "spsa")
_GRADIENT_TRANSFORMS = {"finite-diff": "finite_diff", "spsa": "spsa_grad"}
_HADAMARD_MODES = {"hadamard": "standard", "reversed-hadamard": "reversed",
                   "direct-hadamard": "direct", "reversed-direct-hadamard": "reversed-direct"}


def _resolve_interface(interface, tapes) -> Interface:
    """PennyLane's ``_resolve_interface``: ``"auto"`` becomes the interface of the tapes'
    parameters (NumPy when none is recognised); others as given.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(qml.numpy.array(0.1), 0)])
    >>> _resolve_interface("auto", [t]), _resolve_interface("auto", [])
    (<Interface.AUTOGRAD: 'autograd'>, <Interface.NUMPY: 'numpy'>)
    """
    interface = Interface(interface)
    if interface == Interface.AUTO:
        params = [p for tape in tapes for p in tape.get_parameters(trainable_only=False)]
        try:
            interface = Interface(get_interface(*params))
        except ValueError:
            interface = Interface.NUMPY
    return interface


def _resolve_mcm_config(mcm_config: MCMConfig, interface, finite_shots: bool) -> MCMConfig:
    """PennyLane's ``_resolve_mcm_config``: no postselection mode without shots, and its
    refusals of ``"one-shot"`` in analytic mode and of ``"single-branch-statistics"``.

    >>> _resolve_mcm_config(MCMConfig(postselect_mode="hw-like"), Interface.NUMPY, False)
    MCMConfig(mcm_method=None, postselect_mode=None)
    """
    updated: dict = {}
    if not finite_shots:
        updated["postselect_mode"] = None
        if mcm_config.mcm_method == "one-shot":
            raise ValueError("Cannot use the 'one-shot' method for mid-circuit measurements "
                             "with analytic mode.")
    if mcm_config.mcm_method == "single-branch-statistics":
        raise ValueError("Cannot use mcm_method='single-branch-statistics' without qp.qjit or "
                         "capture enabled.")
    if interface == Interface.JAX_JIT and mcm_config.mcm_method == "deferred":
        if mcm_config.postselect_mode == "hw-like":
            raise ValueError("Using postselect_mode='hw-like' is not supported with jax-jit "
                             "when using mcm_method='deferred'.")
        updated["postselect_mode"] = "fill-shots"
    if (finite_shots and interface in (Interface.JAX, Interface.JAX_JIT)
            and mcm_config.mcm_method in (None, "one-shot")
            and mcm_config.postselect_mode in (None, "hw-like")):
        updated["postselect_mode"] = "pad-invalid-samples"
    return dataclasses.replace(mcm_config, **updated)


def _resolve_hadamard(config: ExecutionConfig, device) -> ExecutionConfig:
    """PennyLane's ``_resolve_hadamard``: the Hadamard-test gradient with its ``mode``."""
    method, kwargs = config.gradient_method, dict(config.gradient_keyword_arguments)
    if config.derivative_order > 1 and ("aux_wire" in kwargs or kwargs.get("mode") in
                                        ("standard", "reversed")):
        raise ValueError(
            "Higher order derivatives with hadamard gradients in standard and reversed modes "
            "are not possible. Instead please use direct or reversed-direct mode to perform a "
            "higher order derivative with a hadamard gradient.")
    if method != "hadamard" and "mode" in kwargs:
        raise ValueError(f"diff_method={method} cannot be provided with a 'mode' in the "
                         "gradient_kwargs.")
    kwargs.setdefault("mode", _HADAMARD_MODES[method])
    if "device_wires" not in kwargs and "aux_wire" not in kwargs:
        kwargs["device_wires"] = device.wires
    return dataclasses.replace(config, gradient_method=gradients.hadamard_grad,
                               gradient_keyword_arguments=kwargs)


def _resolve_diff_method(initial_config: ExecutionConfig, device, tape=None) -> ExecutionConfig:
    """PennyLane's ``_resolve_diff_method``: a method the device supports is set up by the
    device (``"best"`` on ``default.qubit``: ``"backprop"``); ``"backprop"``,
    ``"adjoint"``, ``"device"`` it does not support are a
    :class:`~qsym.errors.QuantumFunctionError`; the others become their gradient
    transforms (``"best"`` and ``"parameter-shift"``: ``qml.gradients.param_shift``, on a
    tape with CV operations ``qml.gradients.param_shift_cv`` with the device as ``dev``).

    >>> import qsym as qml
    >>> config = ExecutionConfig(gradient_method="parameter-shift")
    >>> _resolve_diff_method(config, qml.device("default.qubit")).gradient_method.__name__
    'param_shift'
    """
    method = initial_config.gradient_method
    if method is None:
        return initial_config
    if device.supports_derivatives(initial_config, circuit=tape):
        return device.setup_execution_config(initial_config, tape)
    if method in ("backprop", "adjoint", "device"):
        raise QuantumFunctionError(
            f"Device {device} does not support {method} with requested circuit.")
    if "hadamard" in str(method) and method in _HADAMARD_MODES:
        return _resolve_hadamard(initial_config, device)
    if method in ("best", "parameter-shift"):
        if tape is not None and any(isinstance(op, cv.CVOperator) and op.name != "Identity"
                                    for op in tape.operations):
            # a CV circuit: PennyLane's CV rules, with the device for its observables
            kwargs = {**initial_config.gradient_keyword_arguments, "dev": device}
            return dataclasses.replace(initial_config, gradient_method=gradients.param_shift_cv,
                                       gradient_keyword_arguments=kwargs)
        method = gradients.param_shift
    elif method in _GRADIENT_TRANSFORMS:
        method = getattr(gradients, _GRADIENT_TRANSFORMS[method])
    elif not callable(method):  # a gradient transform is kept as it is
        raise QuantumFunctionError(
            f"Differentiation method {method} not recognized. Allowed options are "
            f"{DIFF_METHODS}.")
    return dataclasses.replace(initial_config, gradient_method=method)


def _resolve_execution_config(execution_config: ExecutionConfig, device, tapes) -> ExecutionConfig:
    """PennyLane's ``_resolve_execution_config``: the gradient method
    (:func:`_resolve_diff_method`), the interface, the mid-circuit measurement options,
    then the device's ``setup_execution_config``."""
    tape = tapes[0] if tapes else None
    updated: dict = {}
    if (execution_config.interface in (Interface.JAX, Interface.JAX_JIT)
            and not callable(execution_config.gradient_method)):
        updated["grad_on_execution"] = False
    execution_config = _resolve_diff_method(execution_config, device, tape=tape)
    if (execution_config.use_device_jacobian_product
            and not device.supports_vjp(execution_config, tape)):
        raise QuantumFunctionError(
            f"device_vjp=True is not supported for device {device}, diff_method "
            f"{execution_config.gradient_method}, and the provided circuit.")
    interface = _resolve_interface(execution_config.interface, tapes)
    finite_shots = any(t.shots for t in tapes)
    mcm_interface = (_resolve_interface(Interface.AUTO, tapes)
                     if Interface(execution_config.interface) == Interface.NUMPY else interface)
    updated["interface"] = interface
    updated["mcm_config"] = _resolve_mcm_config(execution_config.mcm_config, mcm_interface,
                                                finite_shots)
    execution_config = dataclasses.replace(execution_config, **updated)
    return device.setup_execution_config(execution_config, tape)


def _qnode_config(qnode, diff_method) -> ExecutionConfig:
    """The unresolved configuration of a QNode's options (PennyLane's; ``diff_method`` not
    given is PennyLane's default ``"best"``)."""
    if diff_method is DEFAULT_DIFF_METHOD:
        diff_method = "best"
    options = qnode.execute_kwargs
    mcm = MCMConfig(mcm_method=options.get("mcm_method"),
                    postselect_mode=options.get("postselect_mode"))
    config = workflow.make_execution_config(qnode, diff_method, mcm)
    return dataclasses.replace(config, derivative_order=options.get("max_diff", 1))


def construct_execution_config(qnode, resolve=True):
    """``construct_execution_config(qnode, resolve=True)(*args, **kwargs)``: the QNode's
    :class:`~qsym.devices.ExecutionConfig` (PennyLane's
    ``qml.workflow.construct_execution_config``): its interface, gradient method and
    options, derivative order, mid-circuit measurement options; with ``resolve=True``
    resolved as PennyLane's workflow does for the device and the QNode's tapes at these
    arguments (:func:`_resolve_execution_config`).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    ... def f(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> config = qml.workflow.construct_execution_config(f)(0.5)
    >>> config.gradient_method.__name__, config.interface, config.use_device_gradient
    ('param_shift', <Interface.NUMPY: 'numpy'>, False)
    >>> qml.workflow.construct_execution_config(f, resolve=False)(0.5).gradient_method
    'parameter-shift'
    """
    @functools.wraps(qnode)
    def wrapper(*args, **kwargs) -> ExecutionConfig:
        config = _qnode_config(qnode, qnode.diff_method)
        if resolve:
            batch, _ = _USER_BATCH(qnode, level="user")(*args, **kwargs)
            config = _resolve_execution_config(config, qnode.device, batch)
        return config

    return wrapper


def get_best_diff_method(qnode):
    """``get_best_diff_method(qnode)(*args, **kwargs)``: the gradient method PennyLane's
    ``"best"`` resolves to for this QNode's device and tapes (PennyLane's
    ``qml.workflow.get_best_diff_method``): ``"backprop"`` on ``default.qubit``, ``"adjoint"``
    on ``lightning.qubit`` (expectation values), else ``"device"``, ``"parameter-shift"``
    (CV circuits too) or a gradient transform.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.mixed", wires=1))
    ... def f(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> qml.workflow.get_best_diff_method(f)(0.5)
    'backprop'
    """
    @functools.wraps(qnode)
    def wrapper(*args, **kwargs):
        batch, _ = _USER_BATCH(qnode, level="user")(*args, **kwargs)
        config = _resolve_execution_config(_qnode_config(qnode, "best"), qnode.device, batch)
        method = config.gradient_method
        return ("parameter-shift" if method in (gradients.param_shift, gradients.param_shift_cv)
                else method)

    return wrapper


def setup_transform_program(device, config: ExecutionConfig) -> tuple:
    """PennyLane's ``_setup_transform_program`` without its cache (``_workflow_run`` adds
    it): ``(outer, inner)``, the gradient method's expansion and the device's preprocessing
    (in ``outer``, outside the differentiation, when the device differentiates), NumPy
    conversion of the parameters in ``inner`` unless the configuration keeps interface data
    (``convert_to_numpy=False``, NumPy, backpropagation).

    >>> import qsym as qml
    >>> config = ExecutionConfig(interface="autograd", gradient_method="adjoint")
    >>> outer, inner = setup_transform_program(qml.device("default.qubit"), config)
    >>> len(outer), qml.transforms.convert_to_numpy_parameters in inner
    (0, True)
    """
    outer, inner = CompilePipeline(), CompilePipeline()
    expand = getattr(config.gradient_method, "expand_transform", None)
    if expand:
        outer.add_transform(_as_transform(expand), **config.gradient_keyword_arguments)
    device_pipeline = device.preprocess_transforms(config)
    if config.use_device_gradient:
        outer += device_pipeline
    else:
        inner += device_pipeline
    if not (not config.convert_to_numpy or Interface(config.interface) == Interface.NUMPY
            or config.gradient_method == "backprop"):
        inner.add_transform(convert_to_numpy_parameters)
    return outer, inner


def _as_transform(expand):
    """A gradient method's ``expand_transform`` (a tape function, as PennyLane's) as the
    transform a pipeline binds (``qml.transform(expand)``); a transform as it is."""
    return expand if isinstance(expand, Transform) else transform(expand)


def _level_slice(level, pipeline: CompilePipeline, num_user: int, config) -> slice:
    """PennyLane's ``_resolve_level``: a level as a slice of the full pipeline."""
    if isinstance(level, bool) or not isinstance(level, (str, int, slice)):
        raise ValueError(f"'level={level}' of type '{type(level)}' is not supported.")
    if level == "top":
        return slice(0, 0)
    if level == "user":
        return slice(0, num_user)
    if level == "gradient":
        return slice(0, num_user + int(bool(getattr(config.gradient_method,
                                                    "expand_transform", None))))
    if level == "device":
        return slice(0, None)
    if isinstance(level, str):
        found = pipeline.get_marker_level(level)
        if found is None:
            raise ValueError(
                f"level {level} not found in compile pipeline. Builtin options are 'top', "
                f"'user', 'device', and 'gradient'. Custom levels are {pipeline.markers}.")
        return slice(0, found)
    return slice(0, level) if isinstance(level, int) else level


def get_compile_pipeline(qnode, level="user"):
    """``get_compile_pipeline(qnode, level="user")(*args, **kwargs)``: the
    :class:`~qsym.transforms.core.CompilePipeline` of a QNode up to ``level`` (PennyLane's
    ``qml.workflow.get_compile_pipeline``): ``"top"`` none, ``"user"`` the transforms
    applied to the QNode, ``"gradient"`` with the gradient method's expansion
    (``param_shift``'s, ``finite_diff``'s, ``spsa_grad``'s ``expand_transform``; the others
    have none), ``"device"`` with the device's
    preprocessing for the resolved configuration (:func:`construct_execution_config`;
    none after an informative transform), a marker's name, an int, a slice.

    >>> import qsym as qml
    >>> @qml.transforms.cancel_inverses
    ... @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    ... def c(x):
    ...     qml.RX(x, 0)
    ...     return qml.expval(qml.Z(0))
    >>> len(qml.workflow.get_compile_pipeline(c)(0.1))
    1
    >>> [t.tape_transform.__name__ for t in qml.workflow.get_compile_pipeline(c, "device")(0.1)][:3]
    ['cancel_inverses', '_expand_transform_param_shift', 'defer_measurements']
    """
    if isinstance(level, bool) or not isinstance(level, (str, int, slice)):
        raise ValueError(f"'level={level}' of type '{type(level)}' is not supported.")

    @functools.wraps(qnode)
    def wrapper(*args, **kwargs) -> CompilePipeline:
        full = CompilePipeline()
        full += qnode.compile_pipeline
        if level == "user":
            return full
        config = construct_execution_config(qnode, resolve=True)(*args, **kwargs)
        if not qnode.compile_pipeline.is_informative:
            outer, inner = setup_transform_program(qnode.device, config)
            full += outer + inner
        return full[_level_slice(level, full, len(qnode.compile_pipeline), config)]

    return wrapper



def get_transform_program(qnode, level="device", gradient_fn="unset") -> CompilePipeline:
    """PennyLane 0.45's deprecated ``qml.workflow.get_transform_program(qnode, level="device",
    gradient_fn="unset")``: with its ``PennyLaneDeprecationWarning``, the QNode's
    :func:`get_compile_pipeline` at ``level`` for a call without arguments (``gradient_fn``
    is accepted and not read: the QNode's own method is resolved). A QNode whose function
    needs arguments is an ``ArgumentError`` beyond ``level="user"`` (PennyLane resolves
    without calling it): use ``get_compile_pipeline(qnode, level)(*args)``.

    >>> import warnings
    >>> import qsym as qml
    >>> @qml.transforms.cancel_inverses
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c():
    ...     return qml.state()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     print(get_transform_program(c, level="user"))
    CompilePipeline(
      [1] cancel_inverses()
    )
    """
    import warnings

    from .exceptions import PennyLaneDeprecationWarning

    warnings.warn("The 'get_transform_program' function is deprecated and will be removed in "
                  "v0.46. To retrieve the execution pipeline of a QNode, please consider using "
                  "'pennylane.workflow.get_compile_pipeline'.", PennyLaneDeprecationWarning,
                  stacklevel=2)
    import inspect

    func = getattr(qnode, "func", None) or getattr(getattr(qnode, "qnode", None), "func", None)
    try:
        if func is not None:
            inspect.signature(func).bind()
    except TypeError:
        if level != "user":
            raise ArgumentError(
                "get_transform_program resolves the QNode's configuration by calling its "
                "function without arguments, and this one needs arguments: use "
                "qml.workflow.get_compile_pipeline(qnode, level)(*args, **kwargs)") from None
    return get_compile_pipeline(qnode, level)()


def transform_program_at(qnode, level="device", gradient_fn="unset") -> CompilePipeline:
    """PennyLane's ``qml.noise.add_noise._get_transform_program``: the QNode's transforms,
    the gradient method's expansion (with the QNode's ``gradient_kwargs``) and the device's
    preprocessing for the QNode's options, resolved without calling its function (the
    gradient method as the device sets it up, no tape), up to ``level``: ``"top"`` none,
    ``"user"`` the QNode's own, ``"gradient"`` with the expansion, ``"device"`` all, an
    int the first so many, a slice that slice, a marker's name the transforms before it.
    ``gradient_fn`` given (not ``"unset"``) is taken as the resolved method.

    >>> import qsym as qml
    >>> @qml.transforms.cancel_inverses
    ... @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    ... def c():
    ...     return qml.state()
    >>> [t.tape_transform.__name__ for t in transform_program_at(c, "gradient")]
    ['cancel_inverses', '_expand_transform_param_shift']
    """
    if isinstance(level, bool) or not isinstance(level, (str, int, slice)):
        raise LevelError(f"level {level} not recognized. Acceptable types are int, str, and "
                         "slice.")
    if isinstance(gradient_fn, str) and gradient_fn == "unset":
        config = _qnode_config(qnode, qnode.diff_method)
        gradient_fn = _resolve_diff_method(config, qnode.device).gradient_method
    expand = getattr(gradient_fn, "expand_transform", None)
    full = CompilePipeline()
    full += qnode.compile_pipeline
    if expand:
        full.add_transform(_as_transform(expand), **qnode.resolved_kwargs)
    options = qnode.execute_kwargs
    mcm = MCMConfig(mcm_method=options.get("mcm_method"),
                    postselect_mode=options.get("postselect_mode"))
    config = qnode.device.setup_execution_config(
        workflow.make_execution_config(qnode, gradient_fn, mcm))
    full += qnode.device.preprocess_transforms(config)
    num_user = len(qnode.compile_pipeline)
    named = {"device": slice(0, None), "top": slice(0, 0), "user": slice(0, num_user),
             "gradient": slice(0, num_user + int(bool(expand)))}
    if isinstance(level, str) and level not in named:
        found = full.get_marker_level(level)
        if found is None:
            raise LevelError(
                f"Level {level} not found in transform program. Builtin options are 'top', "
                f"'user', 'device', and 'gradient'. Custom levels are {full.markers}.")
        return full[slice(0, found)]
    if isinstance(level, int):
        return full[slice(0, level)]
    return full[named[level] if isinstance(level, str) else level]


_USER_BATCH = workflow.construct_batch  # the QNode's own transforms (levels "top", "user")


def construct_batch(qnode, level="user"):
    """``construct_batch(qnode, level="user")(*args, **kwargs)``: a QNode's tapes at these
    arguments and their postprocessing (PennyLane's ``qml.workflow.construct_batch``) after
    its pipeline up to ``level``: ``"top"`` none, ``"user"`` (or a marker) the transforms
    applied to the QNode, ``"gradient"`` with the gradient method's expansion, ``"device"``
    with the device's preprocessing too (None, a bool: PennyLane's ``LevelError``), an int
    or a slice of that whole pipeline (:func:`get_compile_pipeline`).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift")
    ... def c(x):
    ...     qml.AngleEmbedding(x, wires=[0, 1])
    ...     return qml.expval(qml.Z(0))
    >>> x = qml.numpy.array([0.1, 0.2])
    >>> [t.operations for t in construct_batch(c, level="user")(x)[0]]
    [[AngleEmbedding([0.1 0.2], wires=[0, 1], rotation=X)]]
    >>> [t.operations for t in construct_batch(c, level="gradient")(x)[0]]
    [[RX(tensor(0.1, requires_grad=True), wires=[0]), RX(tensor(0.2, requires_grad=True), wires=[1])]]
    """
    validate_level(level)
    beyond_user = level in ("gradient", "device") or isinstance(level, (slice, int))
    if not (beyond_user and isinstance(qnode, workflow.QNode)):
        return _USER_BATCH(qnode, level)  # (its errors for a bad level, PennyLane's)
    user = _user_levels(level, len(qnode.compile_pipeline))
    if user is not None:  # (PennyLane's early return: none of the pipeline past them)
        def user_only(*args, **kwargs):
            (tape,), _ = _USER_BATCH(qnode, level="top")(*args, **kwargs)
            return qnode.compile_pipeline[user]((tape,))
        return user_only
    pipeline = _batch_pipeline(qnode, level)

    def make(*args, **kwargs):
        runs = OneRun(qnode.func)  # PennyLane records the tape once
        (tape,), _ = _USER_BATCH(qnode, level="top")(*args, **kwargs)
        runs.again()  # the configuration resolved from the same draws
        try:
            program = pipeline(*args, **kwargs)
        finally:
            runs.done()
        return program((tape,))

    return make


def _batch_pipeline(qnode, level):
    """The pipeline :func:`construct_batch` applies at an int or slice ``level`` past its
    early return: a slice is PennyLane's two (``_get_user_transform_slice``,
    ``_get_inner_transform_slice``): the slice of the user's transforms, then of the rest
    from ``start - n_user`` (at least 0) to ``stop - n_user``, with its step
    (``slice(-1, None)``: the last user transform and every later one, where a slice of the
    whole pipeline took its last transform alone; a step goes over each part on its
    own). An int ``level`` is the whole pipeline's first ``level``, the same either way."""
    if not isinstance(level, slice):
        return get_compile_pipeline(qnode, level)
    whole = get_compile_pipeline(qnode, "device")
    n_user = len(qnode.compile_pipeline)
    rest = slice(max(0, (level.start or 0) - n_user),
                 None if level.stop is None else max(0, level.stop - n_user), level.step)

    @functools.wraps(qnode)
    def wrapper(*args, **kwargs) -> CompilePipeline:
        full = whole(*args, **kwargs)
        out = CompilePipeline()
        out += full[:n_user][level]
        out += full[n_user:][rest]
        return out

    return wrapper


def _user_levels(level, n_user: int):
    """The slice of the user's transforms an int or slice ``level`` of
    :func:`construct_batch` stops within (PennyLane's ``_get_user_transform_slice`` and its
    early return: ``slice(0, level)`` of an int, the slice itself), else None. A negative
    stop counts from the end of the user's transforms, not of the whole pipeline
    (``level=-1``: all of them but the last; PennyLane 0.45.1's ``construct_batch``).

    >>> _user_levels(-1, 2), _user_levels(1, 2), _user_levels(3, 2), _user_levels("user", 2)
    (slice(0, -1, None), slice(0, 1, None), None, None)
    """
    if isinstance(level, bool) or not isinstance(level, (int, slice)):
        return None
    user = slice(0, level) if isinstance(level, int) else level
    return user if user.stop is not None and user.stop <= n_user else None


# the gradient methods whose PennyLane transform has an expansion (its "gradient" level)
_EXPANDING_METHODS = frozenset({"parameter-shift", "finite-diff", "spsa", "hadamard"})


def drawn_level(qnode, level, args, kwargs):
    """What ``qml.draw(qnode, level=level)`` draws past the user's transforms (PennyLane's
    levels of the whole pipeline, :func:`construct_batch`): None where the drawing of the
    user's tapes is it (a level within the user transforms, a gradient method without an
    expansion, an expansion or device transforms that change no operator); ``"device"`` for
    an int level reaching the end of the pipeline; else ``(tapes, node)``: the tapes at that
    level and a QNode without arguments that applies the one tape (None for several tapes,
    or one that measures nothing: drawn as tapes).

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> @qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift")
    ... def c(x):
    ...     qml.AngleEmbedding(x, wires=[0, 1])
    ...     return qml.expval(qml.Z(0))
    >>> tapes, node = drawn_level(c, "gradient", (pnp.array([0.1, 0.2]),), {})
    >>> tapes[0].operations
    [RX(tensor(0.1, requires_grad=True), wires=[0]), RX(tensor(0.2, requires_grad=True), wires=[1])]
    >>> drawn_level(c, "user", (pnp.array([0.1, 0.2]),), {}) is None
    True
    """
    if not isinstance(qnode, workflow.QNode) or level in ("top", "user", None):
        return None
    n_user = len(qnode.compile_pipeline)
    if level == "device":  # (qsym's trace draws what default.qubit runs)
        if not _rewriting_device(qnode.device):
            return None
    elif isinstance(level, str):  # "gradient" (a marker names a user level)
        method = qnode.resolved_method
        if level != "gradient" or (isinstance(method, str) and method not in _EXPANDING_METHODS):
            return None
    elif isinstance(level, int) and not isinstance(level, bool):
        if level <= n_user:
            return None
        if level >= len(get_compile_pipeline(qnode, "device")(*args, **kwargs)):
            return "device"
    elif not isinstance(level, slice):
        return None
    tapes = list(construct_batch(qnode, level)(*args, **kwargs)[0])
    user = list(construct_batch(qnode, "user")(*args, **kwargs)[0])
    if len(tapes) == len(user) and all(
            [(o.name, tuple(o.wires)) for o in a.operations]
            == [(o.name, tuple(o.wires)) for o in b.operations] for a, b in zip(tapes, user)):
        return None
    if len(tapes) != 1 or not tapes[0].measurements:
        return tapes, None
    return tapes, CompilePipeline().tape_qnode(qnode, args, kwargs, level, tapes)


def _rewriting_device(device) -> bool:
    """Whether ``device``'s own transforms change the operators of a tape that qsym's
    trace of ``default.qubit`` runs as they are: a gate set of its own (``default.mixed``
    decomposes ``IsingZZ`` and ``Adjoint(RY)`` into its gates) or transforms applied to it
    (``qml.add_noise(dev, noise_model)``): its ``level="device"`` drawing is then the tape
    :func:`construct_batch` makes, as PennyLane's.

    >>> import qsym as qml
    >>> dev = qml.device("default.mixed", wires=1)
    >>> _rewriting_device(dev), _rewriting_device(qml.device("default.qubit", wires=1))
    (True, False)
    """
    return (getattr(type(device), "gate_stopping_condition", None) is not None
            or bool(getattr(device, "applied_transforms", None)))


DRAWN_LEVELS["drawn_level"] = drawn_level  # (qml.draw's hook: qsym._drawing is below this module)

# installed in qml.workflow, and at PennyLane's module paths
for _f in (construct_batch, construct_execution_config, get_best_diff_method,
           get_compile_pipeline, get_transform_program):
    setattr(workflow, _f.__name__, _f)
    module_path(workflow.__name__, _f.__name__, f"PennyLane's path of qml.workflow.{_f.__name__}",
                **{_f.__name__: _f})
for _f in (_resolve_diff_method, _resolve_interface, _resolve_mcm_config,
           _resolve_execution_config):
    setattr(workflow, _f.__name__, _f)
module_path(workflow.__name__, "resolution", "PennyLane's workflow resolution",
            _resolve_diff_method=_resolve_diff_method, _resolve_interface=_resolve_interface,
            _resolve_mcm_config=_resolve_mcm_config,
            _resolve_execution_config=_resolve_execution_config)
workflow.__all__ += ["construct_execution_config", "get_best_diff_method", "get_compile_pipeline",
                     "get_transform_program"]
