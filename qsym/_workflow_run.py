"""PennyLane's developer-facing execution of tapes (``qml.workflow.run``,
``pennylane.workflow.run``) and the transform programs it is given
(``pennylane.workflow._setup_transform_program``), on qsym's resolution (``_resolution``)
and Jacobian product calculators (``_jacobian_products``):

- :func:`transform_programs` (``qml.workflow._setup_transform_program``): the ``(outer,
  inner)`` programs of a resolved configuration, the inner one with PennyLane's cache of
  results (:func:`cache_transform`, ``qml.workflow._cache_transform``) when asked;
- :func:`run`: the tapes through the inner program on the device, with NumPy values, or
  differentiable by autograd (:func:`autograd_execute`, PennyLane's
  ``qml.workflow.interfaces.autograd.autograd_execute``): a primitive whose vector-Jacobian
  product asks the calculator the configuration names (a gradient transform, the
  device's derivatives or its own products). Backpropagation runs the device's autograd
  simulation as it is. qsym differentiates with autograd only: the Torch, JAX and
  TensorFlow interfaces are refused by name.

>>> import numpy as np
>>> import qsym as qml
>>> dev = qml.device("default.qubit")
>>> config = qml.devices.ExecutionConfig(interface="autograd",
...                                      gradient_method=qml.gradients.param_shift)
>>> def cost(x):
...     tape = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0))])
...     _, inner = transform_programs(dev, config)
...     return run([tape], dev, config, inner)[0]
>>> x = qml.numpy.array(0.4, requires_grad=True)
>>> bool(np.isclose(qml.grad(cost)(x), -np.sin(0.4)))
True
"""

from __future__ import annotations

import functools
import warnings

import autograd
import autograd.numpy as anp
from autograd.extend import defvjp, primitive
from autograd.numpy.numpy_boxes import ArrayBox

from . import math as qmath
from . import workflow
from ._jacobian_products import (DeviceDerivatives, DeviceJacobianProducts, NoGradients,
                                 TransformJacobianProducts, lru_cache)
from ._resolution import setup_transform_program
from ._runtime import CACHED_SHOTS_WARNING
from ._transform import transform
from .errors import QuantumFunctionError
from .math import Interface
from .transforms import module_path

__all__ = ["transform_programs", "cache_transform", "run", "autograd_execute"]


@transform
def cache_transform(tape, cache):
    """PennyLane's ``_cache_transform``: a tape whose ``hash`` is in ``cache`` is not run
    (its result comes from the mapping when the batch is postprocessed; PennyLane's warning
    when it has shots, as its samples repeat); another is run and its result kept under its
    hash, which is reserved at once (None), so an identical tape later in the same batch
    runs once; a hit whose result is still missing raises PennyLane's ``RuntimeError``.

    >>> import qsym as qml
    >>> cache = {}
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    >>> (first,), keep = cache_transform(t, cache=cache)
    >>> _ = keep([0.995])
    >>> cache_transform(t, cache=cache)[0], len(cache)
    ([], 1)
    """
    key = tape.hash

    def cached(_):
        result = cache[key]
        if result is None:  # reserved by a tape of the same batch, not run yet
            raise RuntimeError("Result for tape is missing from the execution cache. This is "
                               "likely the result of a race condition.")
        if tape.shots:
            warnings.warn(CACHED_SHOTS_WARNING, UserWarning, stacklevel=2)
        return result

    if key in cache:
        return [], cached

    def keep(results):
        cache[key] = results[0]
        return results[0]

    cache[key] = None  # (PennyLane's: the same tape later in the batch is a hit)
    return [tape], keep


def transform_programs(device, resolved_execution_config, cache=None, cachesize=10000) -> tuple:
    """PennyLane's ``_setup_transform_program(device, resolved_execution_config, cache=None,
    cachesize=10000)``: the ``(outer, inner)`` :class:`~qsym.transforms.core.CompilePipeline`
    of a resolved configuration, outside and inside the differentiation: the gradient
    method's expansion; the device's ``preprocess_transforms`` (outer when the device
    differentiates, else inner); NumPy conversion of the parameters (inner, unless the
    configuration keeps interface data); then :func:`cache_transform` (inner) with
    ``cache`` a mapping, ``True`` (an LRU cache of ``cachesize`` results), or ``"auto"``
    (one for higher-order derivatives); ``None`` and ``False``: no cache.

    >>> import qsym as qml
    >>> config = qml.devices.ExecutionConfig(gradient_method="backprop")
    >>> outer, inner = transform_programs(qml.device("default.qubit"), config, cache=True)
    >>> len(outer), inner[-1].tape_transform.__name__, inner[-1].kwargs["cache"].maxsize
    (0, 'cache_transform', 10000)
    """
    outer, inner = setup_transform_program(device, resolved_execution_config)
    if isinstance(cache, str):
        if cache != "auto":
            raise ValueError(f"cache={cache!r} is not an option: give a mapping, True, False, "
                             "None or 'auto'.")
        cache = resolved_execution_config.derivative_order > 1
    if cache is True:
        cache = lru_cache(cachesize)
    if cache is not None and cache is not False:
        inner.add_transform(cache_transform, cache=cache)
    return outer, inner


def inner_executor(device, inner_transform_program, execution_config=None):
    """PennyLane's ``_make_inner_execute``: a function of a batch of tapes that applies the
    inner program, runs the tapes it makes on the device (none: no device call) and
    post-processes their results.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    >>> inner_executor(qml.device("default.qubit"), qml.CompilePipeline())([t])
    (np.float64(-1.0),)
    """
    def inner_execute(tapes):
        transformed, post = inner_transform_program(tuple(tapes))
        results = (device.execute(tuple(transformed), execution_config=execution_config)
                   if transformed else ())
        return post(results)

    return inner_execute


# --- the autograd boundary -------------------------------------------------------------------
def _as_autograd(result):
    """Nested tuples of autograd arrays (dicts, counts' results, as they are)."""
    if isinstance(result, dict):
        return result
    if isinstance(result, (list, tuple)):
        return tuple(_as_autograd(r) for r in result)
    return anp.array(result)


@primitive
def _execute(parameters, tapes, execute_fn, jpc):
    """The results of ``tapes`` (whose trainable parameters are ``parameters``)."""
    return _as_autograd(execute_fn(tapes))


def _execute_vjp(ans, parameters, tapes, execute_fn, jpc):
    def vjp(dy):
        vjps = jpc.compute_vjp(tapes, dy)
        return tuple(qmath.to_numpy(v, max_depth=1) if isinstance(v, ArrayBox) else v
                     for v in vjps)

    return vjp


defvjp(_execute, _execute_vjp, argnums=[0])


def autograd_execute(tapes, execute_fn, jpc, device=None):
    """PennyLane's ``autograd_execute``: the results of ``execute_fn(tapes)`` as an autograd
    primitive of the tapes' trainable parameters (those that are ``requires_grad``
    tensors or traced values), its vector-Jacobian product ``jpc.compute_vjp``.

    >>> import numpy as np
    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> jpc = qml.workflow.jacobian_products.TransformJacobianProducts(
    ...     dev.execute, qml.gradients.param_shift)
    >>> def f(x):
    ...     tape = qml.tape.QuantumScript([qml.RY(x, 0)], [qml.expval(qml.Z(0))])
    ...     return autograd_execute((tape,), dev.execute, jpc)[0]
    >>> bool(np.isclose(qml.grad(f)(qml.numpy.array(0.3)), -np.sin(0.3)))
    True
    """
    tapes = tuple(tapes)
    for tape in tapes:
        tape.trainable_params = qmath.get_trainable_indices(
            tape.get_parameters(trainable_only=False))
    parameters = autograd.builtins.tuple(
        [autograd.builtins.list(t.get_parameters()) for t in tapes])
    return _execute(parameters, tapes, execute_fn, jpc)


def _calculator(config, device, inner_execute) -> tuple:
    """PennyLane's ``_construct_ml_execution_pipeline``: the Jacobian product calculator
    and the execution function the configuration names (nested for higher orders)."""
    if config.gradient_method is None:
        return NoGradients(), inner_execute
    if config.use_device_jacobian_product:
        return DeviceJacobianProducts(device, config), inner_execute
    if config.use_device_gradient:
        jpc = DeviceDerivatives(device, config)
        return jpc, (jpc.execute_and_cache_jacobian if config.grad_on_execution
                     else inner_execute)
    if config.grad_on_execution is True:
        raise ValueError("Gradient transforms cannot be used with grad_on_execution=True")
    if not callable(config.gradient_method):
        raise QuantumFunctionError(
            f"gradient_method={config.gradient_method!r} is not a gradient transform: resolve "
            "the configuration first (qml.workflow._resolve_execution_config(config, device, "
            "tapes)), which turns method names into transforms.")
    method, kwargs = config.gradient_method, config.gradient_keyword_arguments
    execute_fn = inner_execute
    jpc = TransformJacobianProducts(execute_fn, method, kwargs,
                                    cache_full_jacobian=Interface(config.interface)
                                    == Interface.AUTOGRAD)
    for _ in range(1, config.derivative_order):
        execute_fn = functools.partial(autograd_execute, execute_fn=execute_fn, jpc=jpc,
                                       device=device)
        jpc = TransformJacobianProducts(execute_fn, method, kwargs)
    return jpc, execute_fn


def run(tapes, device, config, inner_transform_program):
    """PennyLane's ``qml.workflow.run(tapes, device, config, inner_transform_program)``
    (developer-facing): execute a batch of tapes with a resolved
    :class:`~qsym.devices.ExecutionConfig` (``qml.workflow._resolve_execution_config``)
    and its inner program (``qml.workflow._setup_transform_program``). With the NumPy
    interface or ``"backprop"`` the tapes run through the program on the device as they
    are; with ``"autograd"`` the results are an autograd primitive differentiated by the
    configuration's method: a gradient transform, the device's derivatives
    (``use_device_gradient``) or its products (``use_device_jacobian_product``); nested
    for ``derivative_order > 1``. A gradient transform with ``grad_on_execution=True`` is
    PennyLane's ``ValueError``; Torch, JAX and TensorFlow are a
    :class:`~qsym.errors.QuantumFunctionError` (qsym differentiates with autograd).

    >>> import numpy as np
    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> config = qml.devices.ExecutionConfig(interface="autograd",
    ...                                      gradient_method=qml.gradients.param_shift)
    >>> def cost(a):
    ...     tape = qml.tape.QuantumScript([qml.RY(a, 0)], [qml.expval(qml.Z(0))])
    ...     _, inner = qml.workflow._setup_transform_program(dev, config)
    ...     return qml.workflow.run([tape], dev, config, inner)[0]
    >>> a = qml.numpy.array(0.1, requires_grad=True)
    >>> bool(np.isclose(cost(a), np.cos(0.1))), bool(np.isclose(qml.grad(cost)(a), -np.sin(0.1)))
    (True, True)
    """
    inner_execute = inner_executor(device, inner_transform_program, config)
    interface = Interface(config.interface)
    if interface == Interface.NUMPY or config.gradient_method == "backprop":
        return inner_execute(tapes)
    if interface == Interface.AUTO:
        raise QuantumFunctionError(
            "qml.workflow.run takes a resolved configuration, got interface='auto': resolve "
            "it first with qml.workflow._resolve_execution_config(config, device, tapes).")
    jpc, execute_fn = _calculator(config, device, inner_execute)
    if interface != Interface.AUTOGRAD:
        raise QuantumFunctionError(
            f"qml.workflow.run: the {interface.value!r} interface is not supported by qsym, "
            "which differentiates with autograd: use interface='autograd' (qml.numpy "
            "parameters) or 'numpy'.")
    return autograd_execute(tuple(tapes), execute_fn, jpc, device=device)


# installed in qml.workflow, and at PennyLane's module paths
workflow.run = run
setattr(workflow, "_setup_transform_program", transform_programs)  # PennyLane's private names
setattr(workflow, "_cache_transform", cache_transform)
workflow.__all__ += ["run"]
module_path(workflow.__name__, "run", "PennyLane's module of qml.workflow.run", run=run)
module_path(workflow.__name__, "_setup_transform_program",
            "PennyLane's module of _setup_transform_program",
            _setup_transform_program=transform_programs)
module_path(workflow.__name__, "_cache_transform", "PennyLane's module of _cache_transform",
            _cache_transform=cache_transform)
module_path(workflow.__name__, "interfaces", "PennyLane's interface boundaries (autograd)")
module_path(workflow.__name__, "interfaces.autograd", "PennyLane's autograd boundary",
            autograd_execute=autograd_execute)
