"""PennyLane's Jacobian product calculators (``qml.workflow.jacobian_products``): the
objects PennyLane's execution pipeline asks for the results of a batch of tapes and their
Jacobian-vector products (forward mode), vector-Jacobian products (reverse mode) or whole
Jacobians, each computed one of three ways:

- :class:`TransformJacobianProducts`: a gradient transform (``qml.gradients.param_shift``,
  ``finite_diff``, ``hadamard_grad``, ``spsa_grad``) makes the tapes, an ``inner_execute``
  function runs them (``dev.execute``, or ``qml.execute``); differentiable when
  ``inner_execute`` is (autograd through qsym's ``dev.execute``);
- :class:`DeviceDerivatives`: the device's ``compute_derivatives`` /
  ``execute_and_compute_derivatives`` give whole Jacobians, kept per batch (LRU caches
  keyed by the batch's tape objects: equal-looking new tapes are not found), and the
  products are taken here;
- :class:`DeviceJacobianProducts`: the device's own ``execute_and_compute_jvp`` /
  ``compute_vjp``.

:class:`NoGradients` refuses every derivative (``diff_method=None``). PennyLane's
``LightningVJPs`` was removed in PennyLane 0.39: every lightning device follows the new
device interface, as every qsym device does, so :class:`DeviceJacobianProducts` takes
``qml.device("lightning.qubit")`` as it is; the name here raises that reason.

Shapes are PennyLane's: one entry per tape; per tape one entry per measurement (a bare
value for one measurement), per shot copy first for a shot vector; Jacobians with one
entry per trainable parameter after the measurement (a bare value for one parameter).

>>> import numpy as np
>>> import qsym as qml
>>> dev = qml.device("default.qubit")
>>> tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
>>> jpc = TransformJacobianProducts(dev.execute, qml.gradients.param_shift)
>>> results, jvps = jpc.execute_and_compute_jvp((tape,), ((2.0,),))
>>> bool(np.isclose(results[0], np.cos(0.5))), bool(np.isclose(jvps[0], -2 * np.sin(0.5)))
(True, True)
>>> jpc = DeviceDerivatives(dev, qml.devices.ExecutionConfig(gradient_method="adjoint"))
>>> bool(np.isclose(jpc.compute_vjp((tape,), (3.0,))[0][0], -3 * np.sin(0.5)))
True
"""

from __future__ import annotations

import abc
from collections import OrderedDict

import numpy as np

from . import math as qmath
from . import workflow
from ._splitting import convert_to_numpy_parameters
from ._transform import Transform
from .errors import DeviceError, QuantumFunctionError
from .gradients import (
    batch_jvp,
    batch_vjp,
    compute_jvp_multi,
    compute_jvp_single,
    compute_vjp_multi,
    compute_vjp_single,
)
from .transforms import module_path

__all__ = ["JacobianProductCalculator", "NoGradients", "TransformJacobianProducts",
           "DeviceDerivatives", "DeviceJacobianProducts", "LightningVJPs"]

CACHE_SIZE = 10  # batches kept by a calculator's caches (PennyLane's maxsize)


# --- the caches ----------------------------------------------------------------------------
class LRUCache(OrderedDict):
    """A mapping that keeps its ``maxsize`` most recently used entries (a stand-in for
    ``cachetools.LRUCache``, which :func:`lru_cache` uses when it is installed, as
    PennyLane does: the same ``maxsize``, ``currsize`` and mapping behaviour).

    >>> c = LRUCache(maxsize=2)
    >>> c["a"], c["b"] = 1, 2
    >>> _ = c["a"]          # "a" used: "b" is now the oldest
    >>> c["c"] = 3
    >>> sorted(c), c.currsize
    (['a', 'c'], 2)
    """

    def __init__(self, maxsize):
        super().__init__()
        self.maxsize = maxsize

    currsize = property(len, doc="how many entries are kept")

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)

    def __repr__(self):
        return f"LRUCache({dict(self)!r}, maxsize={self.maxsize}, currsize={len(self)})"


def lru_cache(maxsize=CACHE_SIZE):
    """An empty LRU cache of ``maxsize`` entries: ``cachetools.LRUCache`` (PennyLane's class:
    its tests check for it) when cachetools is installed, else :class:`LRUCache`.

    >>> len(lru_cache())
    0
    """
    try:
        from cachetools import LRUCache as cachetools_lru
    except ImportError:
        return LRUCache(maxsize)
    return cachetools_lru(maxsize=maxsize)


# --- products from whole Jacobians -------------------------------------------------------------
def vjps_from_jacobians(jacs, dys, tapes) -> tuple:
    """Each tape's vector-Jacobian product from its Jacobian (PennyLane's shape) and its
    cotangent ``dy`` (shaped as the tape's result): one number per trainable parameter; for
    a shot vector, the sum over its copies (each copy's ``dy`` and Jacobian).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)], [qml.expval(qml.Z(0))])
    >>> vjps_from_jacobians([(np.array(1.0), np.array(2.0))], [np.array(3.0)], [t])
    (array([3., 6.]),)
    """
    out = []
    for jac, dy, tape in zip(jacs, dys, tapes, strict=True):
        product = compute_vjp_multi if len(tape.measurements) > 1 else compute_vjp_single
        if tape.shots.has_partitioned_shots:
            parts = [product(d, j) for d, j in zip(dy, jac, strict=True)]
            out.append(qmath.sum(qmath.stack(parts), axis=0))
        else:
            out.append(product(dy, jac))
    return tuple(out)


def zero_jvp(tape):
    """The Jacobian-vector product of a tape without trainable parameters: zeros shaped as
    its results (per shot copy for a shot vector).

    >>> import qsym as qml
    >>> zero_jvp(qml.tape.QuantumScript([], [qml.probs(wires=[0]), qml.expval(qml.Z(0))]))
    (array([0., 0.]), array(0.))
    """
    def one(shots):
        zeros = tuple(np.zeros(m.shape(shots=shots), dtype=m.numeric_type)
                      for m in tape.measurements)
        return zeros[0] if len(zeros) == 1 else zeros

    if tape.shots.has_partitioned_shots:
        return tuple(one(s) for s in tape.shots)
    return one(tape.shots.total_shots)


def jvps_from_jacobians(jacs, tangents, tapes) -> tuple:
    """Each tape's Jacobian-vector product from its Jacobian and its tangent (one entry per
    trainable parameter): shaped as the tape's results.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)], [qml.expval(qml.Z(0))])
    >>> jvps_from_jacobians([(np.array(1.0), np.array(2.0))], [(3.0, 4.0)], [t])
    (array(11.),)
    """
    out = []
    for jac, tangent, tape in zip(jacs, tangents, tapes, strict=True):
        product = compute_jvp_multi if len(tape.measurements) > 1 else compute_jvp_single
        if not tape.trainable_params:
            out.append(zero_jvp(tape))
        elif tape.shots.has_partitioned_shots:
            out.append(tuple(product(tangent, j) for j in jac))
        else:
            out.append(product(tangent, jac))
    return tuple(out)


def numpy_tapes(tapes) -> tuple:
    """The tapes with their parameters as NumPy values (what a device takes).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(qml.numpy.array(0.1), 0)], [qml.expval(qml.Z(0))])
    >>> p = numpy_tapes((t,))[0].operations[0].data[0]
    >>> isinstance(p, qml.numpy.tensor), float(p)
    (False, 0.1)
    """
    converted, _ = convert_to_numpy_parameters(tuple(tapes))
    return tuple(converted)


# --- the calculators -------------------------------------------------------------------------
class JacobianProductCalculator(abc.ABC):
    """PennyLane's abstract base: what computes the results of a batch of tapes with their
    Jacobian-vector products (:meth:`execute_and_compute_jvp`), their vector-Jacobian
    products (:meth:`compute_vjp`) and their Jacobians (:meth:`compute_jacobian`,
    :meth:`execute_and_compute_jacobian`).

    >>> issubclass(DeviceDerivatives, JacobianProductCalculator)
    True
    """

    @abc.abstractmethod
    def execute_and_compute_jvp(self, tapes, tangents):
        """``(results, jvps)``: each tape's results and its Jacobian times its tangent
        (``tangents[i]``: one entry per trainable parameter of ``tapes[i]``)."""

    @abc.abstractmethod
    def compute_vjp(self, tapes, dy):
        """Each tape's cotangent (``dy[i]``, shaped as its results) times its Jacobian: one
        entry per trainable parameter."""

    @abc.abstractmethod
    def compute_jacobian(self, tapes):
        """Each tape's Jacobian by its trainable parameters (PennyLane's shapes)."""

    @abc.abstractmethod
    def execute_and_compute_jacobian(self, tapes):
        """``(results, jacobians)`` of the batch."""


class NoGradients(JacobianProductCalculator):
    """PennyLane's calculator of ``diff_method=None``: every derivative is a
    :class:`qsym.errors.QuantumFunctionError`.

    >>> try:
    ...     NoGradients().compute_jacobian(())
    ... except QuantumFunctionError as exc:
    ...     print(exc)
    Derivatives cannot be calculated with diff_method=None
    """

    error_msg = "Derivatives cannot be calculated with diff_method=None"

    def _refuse(self, *_):
        raise QuantumFunctionError(NoGradients.error_msg)

    compute_jacobian = compute_vjp = execute_and_compute_jvp = _refuse
    execute_and_compute_jacobian = _refuse


def transform_repr(gradient_transform) -> str:
    """How a calculator's repr names its gradient transform: PennyLane's
    ``<transform: name>`` (qsym's gradient transforms are functions with PennyLane's
    calling conventions, not :class:`qsym.transforms.core.Transform` objects).

    >>> import qsym as qml
    >>> transform_repr(qml.gradients.param_shift)
    '<transform: param_shift>'
    """
    if isinstance(gradient_transform, Transform) or not hasattr(gradient_transform, "__name__"):
        return repr(gradient_transform)
    return f"<transform: {gradient_transform.__name__}>"


class TransformJacobianProducts(JacobianProductCalculator):
    """PennyLane's calculator by a gradient transform: ``gradient_transform(tapes,
    **gradient_kwargs)`` makes the tapes, ``inner_execute(tapes)`` runs them (it returns
    their results); the results and the products come from one ``inner_execute`` call.
    With ``cache_full_jacobian=True`` the products are taken from whole Jacobians, kept per
    batch (keyed by its tape objects).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> jpc = TransformJacobianProducts(dev.execute, qml.gradients.param_shift)
    >>> t = qml.tape.QuantumScript([qml.RY(0.3, 0)], [qml.expval(qml.Z(0)), qml.expval(qml.X(0))])
    >>> [round(float(v), 6) for v in jpc.compute_jacobian((t,))[0]]   # -sin, cos
    [-0.29552, 0.955336]
    """

    def __init__(self, inner_execute, gradient_transform, gradient_kwargs=None,
                 cache_full_jacobian=False):
        self._inner_execute = inner_execute
        self._gradient_transform = gradient_transform
        self._gradient_kwargs = gradient_kwargs or {}
        self._cache_full_jacobian = cache_full_jacobian
        self._cache = lru_cache()

    def __repr__(self):
        return (f"TransformJacobianProducts({self._inner_execute}, gradient_transform="
                f"{transform_repr(self._gradient_transform)}, gradient_kwargs="
                f"{self._gradient_kwargs}, cache_full_jacobian={self._cache_full_jacobian})")

    def _run_with(self, tapes, extra_tapes):
        """The batch's results and the extra tapes' results, from one execution."""
        tapes = tuple(tapes)
        results = self._inner_execute(tapes + tuple(extra_tapes))
        return tuple(results[:len(tapes)]), results[len(tapes):]

    def execute_and_compute_jvp(self, tapes, tangents):
        if self._cache_full_jacobian:
            jvps = jvps_from_jacobians(self.compute_jacobian(tapes), tangents, tapes)
            return self._inner_execute(tapes), jvps
        jvp_tapes, processing = batch_jvp(tapes, tangents, self._gradient_transform,
                                          gradient_kwargs=self._gradient_kwargs)
        results, jvp_results = self._run_with(tapes, jvp_tapes)
        return results, tuple(processing(jvp_results))

    def compute_vjp(self, tapes, dy):
        if self._cache_full_jacobian:
            return vjps_from_jacobians(self.compute_jacobian(tapes), dy, tapes)
        vjp_tapes, processing = batch_vjp(tapes, dy, self._gradient_transform,
                                          gradient_kwargs=self._gradient_kwargs)
        return tuple(processing(self._inner_execute(tuple(vjp_tapes))))

    def execute_and_compute_jacobian(self, tapes):
        jac_tapes, processing = self._gradient_transform(tapes, **self._gradient_kwargs)
        results, jac_results = self._run_with(tapes, jac_tapes)
        return results, tuple(processing(jac_results))

    def compute_jacobian(self, tapes):
        if tapes in self._cache:
            return self._cache[tapes]
        jac_tapes, processing = self._gradient_transform(tapes, **self._gradient_kwargs)
        jacs = tuple(processing(self._inner_execute(tuple(jac_tapes))))
        self._cache[tapes] = jacs
        return jacs


class DeviceDerivatives(JacobianProductCalculator):
    """PennyLane's calculator by a device's Jacobians (``compute_derivatives``,
    ``execute_and_compute_derivatives`` with ``execution_config``), taken with NumPy
    parameters and kept per batch: ``_results_cache`` and ``_jacs_cache`` (LRU caches of
    10 batches, keyed by the tuple of tapes, whose tapes compare as objects: a batch of
    equal-looking new tapes is computed again, as PennyLane's, which spares a tape's hash).
    :meth:`execute_and_cache_jacobian` is the forward pass that fills both.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> jpc = DeviceDerivatives(dev, qml.devices.ExecutionConfig(gradient_method="adjoint"))
    >>> batch = (qml.tape.QuantumScript([qml.RX(1.0, 0)], [qml.expval(qml.Z(0))]),)
    >>> [round(float(r), 6) for r in jpc.execute_and_cache_jacobian(batch)]
    [0.540302]
    >>> with dev.tracker:
    ...     jac = jpc.compute_jacobian(batch)    # from the cache: the device is not asked
    >>> dev.tracker.totals, round(float(jac[0]), 6)
    ({}, -0.841471)
    """

    def __init__(self, device, execution_config=None):
        self._device = device
        self._execution_config = execution_config
        self._results_cache = lru_cache()
        self._jacs_cache = lru_cache()

    def __repr__(self):
        return f"<DeviceDerivatives: {self._device.name}, {self._execution_config}>"

    def _dev_execute_and_compute_derivatives(self, tapes):
        return self._device.execute_and_compute_derivatives(numpy_tapes(tapes),
                                                            self._execution_config)

    def _dev_execute(self, tapes):
        return self._device.execute(numpy_tapes(tapes), self._execution_config)

    def _dev_compute_derivatives(self, tapes):
        return self._device.compute_derivatives(numpy_tapes(tapes), self._execution_config)

    def execute_and_cache_jacobian(self, tapes):
        """The batch's results, its results and Jacobians kept for the products."""
        results, jacs = self._dev_execute_and_compute_derivatives(tapes)
        self._results_cache[tapes] = results
        self._jacs_cache[tapes] = jacs
        return results

    def execute_and_compute_jvp(self, tapes, tangents):
        results, jacs = self.execute_and_compute_jacobian(tapes)
        return results, jvps_from_jacobians(jacs, tangents, tapes)

    def compute_vjp(self, tapes, dy):
        return vjps_from_jacobians(self.compute_jacobian(tapes), dy, tapes)

    def compute_jacobian(self, tapes):
        if tapes in self._jacs_cache:
            return self._jacs_cache[tapes]
        jacs = self._dev_compute_derivatives(tapes)
        self._jacs_cache[tapes] = jacs
        return jacs

    def execute_and_compute_jacobian(self, tapes):
        if tapes not in self._jacs_cache:
            if tapes in self._results_cache:  # results are only ever kept with their jacobians
                raise NotImplementedError(
                    "No path to cache results without caching jac. This branch should not "
                    "occur. (qsym: the batch's results are cached without its Jacobians)")
            results, jacs = self._dev_execute_and_compute_derivatives(tapes)
            self._results_cache[tapes] = results
            self._jacs_cache[tapes] = jacs
            return results, jacs
        jacs = self._jacs_cache[tapes]
        if tapes in self._results_cache:
            return self._results_cache[tapes], jacs
        results = self._dev_execute(tapes)
        self._results_cache[tapes] = results
        return results, jacs


class DeviceJacobianProducts(JacobianProductCalculator):
    """PennyLane's calculator by a device's own products: ``execute_and_compute_jvp``,
    ``compute_vjp``, ``compute_derivatives``, ``execute_and_compute_derivatives`` with
    ``execution_config``, on NumPy parameters; nothing is cached.

    >>> import qsym as qml
    >>> dev = qml.device("lightning.qubit", wires=1)
    >>> jpc = DeviceJacobianProducts(dev, qml.devices.ExecutionConfig(gradient_method="adjoint"))
    >>> t = qml.tape.QuantumScript([qml.RX(0.2, 0)], [qml.expval(qml.Z(0))])
    >>> round(float(jpc.compute_vjp((t,), (1.0,))[0][0]), 6)   # -sin(0.2)
    -0.198669
    """

    def __init__(self, device, execution_config):
        self._device = device
        self._execution_config = execution_config

    def __repr__(self):
        return f"<DeviceJacobianProducts: {self._device.name}, {self._execution_config}>"

    def execute_and_compute_jvp(self, tapes, tangents):
        return self._device.execute_and_compute_jvp(numpy_tapes(tapes), qmath.unwrap(tangents),
                                                    self._execution_config)

    def compute_vjp(self, tapes, dy):
        vjps = self._device.compute_vjp(numpy_tapes(tapes), qmath.unwrap(dy),
                                        self._execution_config)
        # one trainable parameter: a tuple of one (a device may give a bare number)
        return [(v,) if len(t.trainable_params) == 1 and qmath.shape(v) == () else v
                for t, v in zip(tapes, vjps, strict=True)]

    def compute_jacobian(self, tapes):
        return self._device.compute_derivatives(numpy_tapes(tapes), self._execution_config)

    def execute_and_compute_jacobian(self, tapes):
        return self._device.execute_and_compute_derivatives(numpy_tapes(tapes),
                                                            self._execution_config)


class LightningVJPs:
    """Not provided: PennyLane removed ``LightningVJPs`` in 0.39 (its pull request 6420),
    since every lightning device follows the new device interface; qsym's
    ``qml.device("lightning.qubit")`` does too. Making one raises
    :class:`qsym.errors.DeviceError` naming :class:`DeviceJacobianProducts`, which takes it.

    >>> try:
    ...     LightningVJPs(None)
    ... except DeviceError as exc:
    ...     print(str(exc)[:44])
    LightningVJPs is not part of PennyLane 0.45:
    """

    def __init__(self, device, gradient_kwargs=None):
        raise DeviceError(
            "LightningVJPs is not part of PennyLane 0.45: PennyLane removed it in 0.39, as "
            "every lightning device now follows the new device interface (so does every "
            "qsym device, qml.device('lightning.qubit') included). Use DeviceJacobianProducts"
            "(device, qml.devices.ExecutionConfig(gradient_method='adjoint')), which calls the "
            "device's compute_vjp and execute_and_compute_jvp.")


# PennyLane's module path: from pennylane.workflow.jacobian_products import ...
workflow.jacobian_products = module_path(
    workflow.__name__, "jacobian_products", "PennyLane's Jacobian product calculators",
    JacobianProductCalculator=JacobianProductCalculator, NoGradients=NoGradients,
    TransformJacobianProducts=TransformJacobianProducts, DeviceDerivatives=DeviceDerivatives,
    DeviceJacobianProducts=DeviceJacobianProducts, LightningVJPs=LightningVJPs)
