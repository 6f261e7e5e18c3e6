"""PennyLane 0.45's legacy device API: ``qml.devices.LegacyDevice`` (PennyLane's
``pennylane.devices._legacy_device.Device``), ``qml.devices.QubitDevice`` and
``qml.devices.LegacyDeviceFacade``, with PennyLane's semantics (its classes are Apache 2.0,
Xanadu; this is a reimplementation of their documented behaviour on qsym's measurements,
tapes and transforms).

A legacy device simulates by itself: a subclass of :class:`QubitDevice` defines ``apply``
(the circuit's operations and the diagonalizing rotations) and ``analytic_probability``
(or ``generate_samples``); the base class computes the statistics of each measurement
from those probabilities or samples, runs batches (``batch_execute``), expands a tape to
what the device supports (``expand_fn``, ``batch_transform``) and gives the adjoint
method's Jacobian (``adjoint_jacobian``, from the device's ``_apply_operation`` and
``_apply_unitary``). A QNode or ``qml.execute`` given such a device wraps it in a
:class:`LegacyDeviceFacade` (a device of the current API whose ``execute`` sends the
tapes to the legacy device's ``batch_execute``): the numbers are the legacy device's own;
QNodes differentiate by parameter shift on it, or by its ``adjoint_jacobian``
(``diff_method="adjoint"``) or its ``jacobian`` (``"device"``, if its capabilities say
``provides_jacobian``).

>>> import numpy as np
>>> import qsym as qml
>>> class Tiny(QubitDevice):
...     name = short_name = "tiny.qubit"
...     pennylane_requires = version = "0.45"
...     author = "me"
...     operations = {"RX"}
...     observables = {"PauliZ"}
...     def apply(self, operations, rotations=None, **kwargs):
...         state = np.array([1.0, 0.0], dtype=complex)
...         for op in list(operations) + list(rotations or []):
...             state = qml.matrix(op) @ state
...         self._state = state
...     def analytic_probability(self, wires=None):
...         return self.marginal_prob(np.abs(self._state) ** 2, wires)
...     def reset(self):
...         self._state = None
>>> dev = Tiny(wires=1)
>>> @qml.qnode(dev)
... def circuit(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.Z(0))
>>> round(float(circuit(0.3)), 12)   # cos(0.3)
0.955336489126
>>> type(circuit.device).__name__, isinstance(circuit.device, QubitDevice)
('LegacyDeviceFacade', True)
"""

from __future__ import annotations

import abc
import contextlib
import copy
import dataclasses
import functools
import itertools
import threading
import warnings
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from . import devices, math
from ._capabilities import DeviceCapabilities
from ._compilation import decompose
from ._deferral import defer_measurements
from ._device_api import validate_measurements
from ._locks import new_lock, new_rlock
from ._mcm import MeasurementValue, MidMeasure
from ._noise_models import BooleanFn
from ._operations import (GATE_CLASSES, CountsMP, ExpectationMP, LinearCombination,
                          MeasurementProcess, MutualInfoMP, Operation, ProbabilityMP,
                          Projector, Prod, PurityMP, SampleMeasurement, SampleMP, SProd,
                          StateMeasurement, StateMP, StatePrepBase, Sum, VarianceMP,
                          VnEntropyMP)
from ._opmath import Operator, X, Y, Z, adjoint, operation_derivative
from ._preprocess import no_sampling, validate_adjoint_trainable_params
from ._shadows import ClassicalShadowMP, MeasurementTransform, ShadowExpvalMP
from ._shapes import adjoint_jacobian_tuples
from ._shots import Shots
from ._splitting import broadcast_expand, split_non_commuting
from ._tapes import QuantumScript
from ._transform import CompilePipeline, transform
from .devices import ExecutionConfig
from .errors import (DecompositionUndefinedError, DeviceError, EigvalsUndefinedError,
                     QuantumFunctionError, WireError)
from .exceptions import PennyLaneDeprecationWarning
from .wires import Wires


class _LegacyMeta(abc.ABCMeta):
    """``isinstance(facade, LegacyDevice)`` is whether its legacy device is one (PennyLane's
    rule: a QNode's ``device`` is the facade, tests ask for the legacy class)."""

    def __instancecheck__(cls, instance):
        if isinstance(instance, LegacyDeviceFacade):
            return isinstance(instance.target_device, cls)
        return super().__instancecheck__(instance)


def _abstract_property(doc):
    def undefined(self):
        """(abstract)"""
    undefined.__doc__ = doc
    return property(abc.abstractmethod(undefined))


class LegacyDevice(abc.ABC, metaclass=_LegacyMeta):
    """PennyLane's legacy base class of devices (``qml.devices.LegacyDevice``): wires,
    shots, the supported operations and observables by name, ``execute`` of an operation
    queue and measurements (a subclass defines ``apply``, ``expval``, ``reset``, ...), and
    the preprocessing a :class:`LegacyDeviceFacade` applies (``expand_fn``,
    ``batch_transform``). ``shots=None`` gives analytic results."""

    _capabilities = {"model": None, "supports_broadcasting": False}
    _circuits = {}
    _asarray = staticmethod(np.asarray)

    def __init__(self, wires=1, shots=1000, *, analytic=None):
        self.shots = shots
        if analytic is not None:
            raise DeviceError("The analytic argument has been replaced by shots=None. Please "
                              "use shots=None instead of analytic=True.")
        if not isinstance(wires, Iterable):
            wires = range(wires)
        self._wires = Wires(wires)
        self.num_wires = len(self._wires)
        self._wire_map = self.define_wire_map(self._wires)
        self._num_executions = 0
        self._op_queue = self._obs_queue = self._parameters = None
        self.tracker = devices.Tracker()

    def __repr__(self):
        return (f"<{self.__class__.__name__} device (wires={self.num_wires}, "
                f"shots={self.shots}) at {hex(id(self))}>")

    def __str__(self):
        package = self.__module__.split(".")[0]
        return (f"{self.name}\nShort name: {self.short_name}\nPackage: {package}\n"
                f"Plugin version: {self.version}\nAuthor: {self.author}\n"
                f"Wires: {self.num_wires}\nShots: {self.shots}")

    # PennyLane's abstract properties: a device class sets each (a class attribute will do)
    name = _abstract_property("The device's name.")
    short_name = _abstract_property("The name qml.device knows the device by.")
    pennylane_requires = _abstract_property("The PennyLane versions the device supports.")
    version = _abstract_property("The device's version.")
    author = _abstract_property("The device's author.")
    operations = _abstract_property("The names of the operations the device applies.")
    observables = _abstract_property("The names of the observables the device measures.")

    @property
    def shots(self):
        """The number of shots (None: analytic; the total of a shot vector)."""
        return self._shots

    @shots.setter
    def shots(self, shots):
        if shots is None:
            self._shots, self._shot_vector, self._raw_shot_sequence = None, None, None
        elif isinstance(shots, int):
            if shots < 1:
                raise DeviceError(
                    f"The specified number of shots needs to be at least 1. Got {shots}.")
            self._shots, self._shot_vector = shots, None
        elif isinstance(shots, Sequence) and not isinstance(shots, str):
            shot_obj = Shots(shots)
            self._shots, self._shot_vector = shot_obj.total_shots, list(shot_obj.shot_vector)
            self._raw_shot_sequence = shots
        else:
            raise DeviceError("Shots must be a single non-negative integer or a sequence of "
                              "non-negative integers.")

    analytic = property(lambda self: self._shots is None)
    wires = property(lambda self: self._wires)
    wire_map = property(lambda self: self._wire_map)
    num_executions = property(lambda self: self._num_executions)
    shot_vector = property(lambda self: self._shot_vector)

    def _has_partitioned_shots(self):
        return self._shot_vector is not None and (
            len(self._shot_vector) > 1 or self._shot_vector[0].copies > 1)

    def define_wire_map(self, wires):
        """The map of the device's wire labels to consecutive integers."""
        return OrderedDict(zip(wires, Wires(range(self.num_wires))))

    def order_wires(self, subset_wires):
        """``subset_wires`` in the device's order."""
        try:
            ordered = sorted(subset_wires.tolist(), key=lambda label: self.wire_map[label])
        except KeyError as e:
            raise ValueError(f"Could not find some or all subset wires {subset_wires} in "
                             f"device wires {self.wires}") from e
        return Wires(ordered)

    @functools.lru_cache
    def map_wires(self, wires):
        """The device's consecutive integer wires of the labels ``wires`` (memoized, as
        PennyLane's: ``map_wires.cache_info()``)."""
        try:
            return Wires(wires).map(self.wire_map)
        except WireError as e:
            raise WireError(f"Did not find some of the wires {wires} on device with wires "
                            f"{self.wires}.") from e

    @classmethod
    def capabilities(cls):
        """The device's capabilities (a dictionary)."""
        return cls._capabilities

    def execute(self, queue, observables, parameters=None, **kwargs):
        """Apply the operations of ``queue`` and measure ``observables`` (PennyLane's
        per-operation legacy protocol: ``apply(name, wires, params)``, ``expval``, ...)."""
        self.check_validity(queue, observables)
        self._op_queue, self._obs_queue = queue, observables
        self._parameters = dict(parameters or {})
        if self._shot_vector is not None:
            warnings.warn("Specifying a list of shots is only supported for QubitDevice based "
                          "devices. Falling back to executions using all shots in the shot "
                          "list.")
        with self.execution_context():
            self.pre_apply()
            for operation in queue:
                self.apply(operation.name, operation.wires, operation.parameters)
            self.post_apply()
            self.pre_measure()
            results = [self._legacy_statistic(mp) for mp in observables]
            self.post_measure()
            self._op_queue = self._obs_queue = self._parameters = None
            self._num_executions += 1
            if self.tracker.active:
                self.tracker.update(executions=1, shots=self._shots,
                                    results=self._asarray(results))
                self.tracker.record()
            if all(isinstance(mp, SampleMP) for mp in observables):
                return self._asarray(results)
            if any(isinstance(mp, SampleMP) for mp in observables):
                return self._asarray(results, dtype="object")
            return self._asarray(results)

    def _legacy_statistic(self, mp):
        obs = mp.obs if isinstance(mp, MeasurementProcess) and mp.obs is not None else mp
        if isinstance(mp, ExpectationMP):
            return self.expval(obs.name, obs.wires, obs.parameters)
        if isinstance(mp, VarianceMP):
            return self.var(obs.name, obs.wires, obs.parameters)
        if isinstance(mp, SampleMP):
            return np.array(self.sample(obs.name, obs.wires, obs.parameters))
        if isinstance(mp, ProbabilityMP):
            return list(self.probability(wires=obs.wires).values())
        if isinstance(mp, StateMP):
            raise QuantumFunctionError("Returning the state is not supported")
        raise QuantumFunctionError(
            f"Unsupported return type specified for observable {obs.name}")

    def batch_execute(self, circuits):
        """Each circuit's result (the device reset before each)."""
        results = []
        for circuit in circuits:
            self.reset()
            results.append(self.execute(circuit.operations, circuit.measurements))
        if self.tracker.active:
            self.tracker.update(batches=1, batch_len=len(circuits))
            self.tracker.record()
        return results

    def execute_and_gradients(self, circuits, method="jacobian", **kwargs):
        """Each circuit's result and its Jacobian by the device's method ``method``."""
        if self.tracker.active:
            self.tracker.update(execute_and_derivative_batches=1, derivatives=len(circuits))
            self.tracker.record()
        gradient_method = getattr(self, method)
        res, jacs = [], []
        for circuit in circuits:
            res.append(self.batch_execute([circuit])[0])
            jacs.append(gradient_method(circuit, **kwargs))
        return res, jacs

    def gradients(self, circuits, method="jacobian", **kwargs):
        """Each circuit's Jacobian by the device's method ``method``."""
        if self.tracker.active:
            self.tracker.update(derivatives=len(circuits))
            self.tracker.record()
        gradient_method = getattr(self, method)
        return [gradient_method(circuit, **kwargs) for circuit in circuits]

    @property
    def stopping_condition(self):
        """The operators the device runs as they are (a ``BooleanFn``)."""
        return BooleanFn(lambda obj: not isinstance(obj, QuantumScript) and (
            isinstance(obj, MeasurementProcess) or self.supports_operation(obj.name)))

    def default_expand_fn(self, circuit, max_expansion=10):
        """``circuit`` with the operations the device does not support decomposed."""
        if max_expansion == 0:
            return circuit
        if any(isinstance(op, StatePrepBase) for op in circuit.operations[1:]):
            [circuit], _ = decompose(
                circuit, stopping_condition=lambda op: not isinstance(op, StatePrepBase))
        [circuit], _ = decompose(circuit, max_expansion=max_expansion,
                                 stopping_condition=self.stopping_condition)
        return circuit

    def expand_fn(self, circuit, max_expansion=10):
        """The device's expansion of a circuit (:meth:`default_expand_fn` unless
        overridden)."""
        return self.default_expand_fn(circuit, max_expansion=max_expansion)

    def batch_transform(self, circuit: QuantumScript):
        """``(circuits, postprocessing)``: ``circuit`` split into circuits the device
        measures (observables sharing wires, sums it does not support, broadcasting it
        does not do), as PennyLane's legacy devices."""
        finite_shots = self.shots is not None
        has_shadow = any(isinstance(m, ShadowExpvalMP) for m in circuit.measurements)
        all_obs_usable = self._all_multi_term_obs_supported(circuit)
        multi_term = any(isinstance(m.obs, (Sum, Prod, SProd)) for m in circuit.measurements)
        overlapping = len(circuit.obs_sharing_wires) > 0
        single_hamiltonian = (len(circuit.measurements) == 1
                              and isinstance(circuit.measurements[0].obs, Sum))
        grouping_known = single_hamiltonian and getattr(
            circuit.measurements[0].obs, "grouping_indices", None) is not None
        if ((not getattr(self, "use_grouping", True) and single_hamiltonian and all_obs_usable)
                or (not multi_term and not overlapping)
                or ((not finite_shots or has_shadow) and all_obs_usable and not overlapping)):
            circuits, processing_fn = [circuit], _first
        elif grouping_known:
            circuits, processing_fn = split_non_commuting(circuit, "qwc")
        elif any(isinstance(m.obs, LinearCombination) for m in circuit.measurements):
            circuits, processing_fn = split_non_commuting(circuit, "wires")
        else:
            circuits, processing_fn = split_non_commuting(circuit)
        if circuit.batch_size is None or self.capabilities().get("supports_broadcasting"):
            return circuits, processing_fn
        expanded_tapes, expanded_fn = broadcast_expand(circuits)
        return expanded_tapes, lambda results: processing_fn(expanded_fn(results))

    def _all_multi_term_obs_supported(self, circuit):
        for mp in circuit.measurements:
            if mp.obs is None:
                continue
            if mp.obs.name == "LinearCombination" and not (
                    self.supports_observable("Hamiltonian")
                    or self.supports_observable("LinearCombination")):
                return False
            if mp.obs.name in ("Sum", "Prod", "SProd") and not self.supports_observable(
                    mp.obs.name):
                return False
        return True

    def _queue(self, attr, what):
        value = getattr(self, attr)
        if value is None:
            raise ValueError(f"Cannot access the {what} outside of the execution context!")
        return value

    op_queue = property(lambda self: self._queue("_op_queue", "operation queue"))
    obs_queue = property(lambda self: self._queue("_obs_queue", "observable value queue"))
    parameters = property(lambda self: self._queue("_parameters", "free parameter mapping"))

    def pre_apply(self):
        """Called before the operations are applied."""

    def post_apply(self):
        """Called after the operations are applied."""

    def pre_measure(self):
        """Called before the measurements."""

    def post_measure(self):
        """Called after the measurements."""

    def execution_context(self):
        """The context of one execution (none by default)."""
        return contextlib.nullcontext()

    def supports_operation(self, operation):
        """Whether the device runs ``operation`` (a class or a name)."""
        return self._supports(operation, self.operations, Operation, "pennylane.Operation")

    def supports_observable(self, observable):
        """Whether the device measures ``observable`` (a class or a name)."""
        return self._supports(observable, self.observables, Operator,
                              "pennylane.operation.Operator")

    @staticmethod
    def _supports(what, names, base, label):
        if isinstance(what, type) and issubclass(what, base):
            return what.__name__ in names
        if isinstance(what, str):
            return what in names
        kind = "operation" if base is Operation else "observable"
        raise ValueError(f"The given {kind} must either be a {label} class or a string.")

    def check_validity(self, queue, observables):
        """Raise ``DeviceError`` for an operation or observable the device does not
        support."""
        for o in queue:
            if isinstance(o, MidMeasure) and not self.capabilities().get(
                    "supports_mid_measure", False):
                raise DeviceError(
                    f"Mid-circuit measurements are not natively supported on device "
                    f"{self.short_name}. Apply the @qp.defer_measurements decorator to your "
                    "quantum function to simulate the application of mid-circuit "
                    "measurements on this device.")
            if isinstance(o, Projector):
                raise ValueError(f"Postselection is not supported on the {self.name} device.")
            if not self.stopping_condition(o):
                raise DeviceError(f"Gate {o.name} not supported on device {self.short_name}")
        for o in observables:
            if isinstance(o, MeasurementProcess):
                o = o.obs
                if o is None:
                    continue
            names = [o.name]
            if isinstance(o, Prod) and self.supports_observable(o.name):
                simplified = o.simplify()
                names = [i.name for i in simplified.operands] if isinstance(
                    simplified, Prod) else []
            for name in names:
                if not self.supports_observable(name):
                    raise DeviceError(
                        f"Observable {name} not supported on device {self.short_name}")

    @abc.abstractmethod
    def apply(self, operation, wires, par):
        """Apply an operation."""

    @abc.abstractmethod
    def expval(self, observable, wires, par):
        """The expectation value of an observable."""

    def var(self, observable, wires, par):
        """The variance of an observable."""
        raise NotImplementedError(
            f"Returning variances from QNodes not currently supported by {self.short_name}")

    def sample(self, observable, wires, par):
        """Samples of an observable."""
        raise NotImplementedError(
            f"Returning samples from QNodes not currently supported by {self.short_name}")

    def probability(self, wires=None):
        """The probabilities of the computational basis states."""
        raise NotImplementedError(
            f"Returning probability not currently supported by {self.short_name}")

    @abc.abstractmethod
    def reset(self):
        """Reset the device's state."""


LegacyDevice.__name__ = LegacyDevice.__qualname__ = "Device"  # PennyLane's class name


def _first(results):
    return results[0]


def _sample_to_str(sample):
    return "".join(map(str, sample))


class QubitDevice(LegacyDevice):
    """PennyLane's ``qml.devices.QubitDevice``: the legacy base class of qubit simulators
    and hardware. A subclass defines ``apply(operations, rotations=None, **kwargs)`` and
    ``analytic_probability`` (a simulator) or ``generate_samples`` (hardware); this class
    computes every measurement from them (``statistics``), with shot vectors, and the
    adjoint method's Jacobian (``adjoint_jacobian``) for a device with ``_apply_operation``
    and ``_apply_unitary`` on its state."""

    _asarray = staticmethod(np.asarray)
    _dot = staticmethod(np.dot)
    _abs = staticmethod(np.abs)
    _reduce_sum = staticmethod(lambda array, axes: np.sum(array, axis=tuple(axes)))
    _reshape = staticmethod(np.reshape)
    _flatten = staticmethod(lambda array: array.flatten())
    _gather = staticmethod(
        lambda array, indices, axis=0: array[:, indices] if axis == 1 else array[indices])
    _einsum = staticmethod(np.einsum)
    _cast = staticmethod(np.asarray)
    _transpose = staticmethod(np.transpose)
    _tensordot = staticmethod(np.tensordot)
    _conj = staticmethod(np.conj)
    _imag = staticmethod(np.imag)
    _roll = staticmethod(np.roll)
    _stack = staticmethod(np.stack)
    _outer = staticmethod(np.outer)
    _diag = staticmethod(np.diag)
    _real = staticmethod(np.real)
    _size = staticmethod(np.size)
    _ndim = staticmethod(np.ndim)

    @staticmethod
    def _scatter(indices, array, new_dimensions):
        new_array = np.zeros(new_dimensions, dtype=array.dtype.type)
        new_array[indices] = array
        return new_array

    @staticmethod
    def _const_mul(constant, array):
        """Data type preserving multiply operation."""
        return math.multiply(constant, array, dtype=array.dtype)

    observables = {"PauliX", "PauliY", "PauliZ", "Hadamard", "Hermitian", "Identity",
                   "Projector", "Sum", "SProd", "Prod"}

    # a measurement class -> the name of a device method that measures it instead
    measurement_map = defaultdict(str)

    def __init__(self, wires=1, shots=None, *, r_dtype=np.float64, c_dtype=np.complex128,
                 analytic=None):
        super().__init__(wires=wires, shots=shots, analytic=analytic)
        if "float" not in str(r_dtype):
            raise DeviceError("Real datatype must be a floating point type.")
        if "complex" not in str(c_dtype):
            raise DeviceError("Complex datatype must be a complex floating point type.")
        self.C_DTYPE, self.R_DTYPE = c_dtype, r_dtype
        self._samples = None

    @classmethod
    def capabilities(cls):
        capabilities = super().capabilities().copy()
        capabilities.update(model="qubit", supports_broadcasting=False,
                            supports_finite_shots=True, supports_tensor_observables=True,
                            returns_probs=True)
        return capabilities

    def reset(self):
        """Forget the samples."""
        self._samples = None

    def execute(self, circuit, **kwargs):
        """The results of ``circuit``: its operations applied (``apply``), samples drawn if
        it has shots or sample measurements, then each measurement's statistic."""
        self.check_validity(circuit.operations, circuit.observables)
        has_mcm = any(isinstance(op, MidMeasure) for op in circuit.operations)
        if has_mcm and "mid_measurements" not in kwargs:
            results, aux_circ, shots_copy = [], circuit.copy(shots=[1]), self.shots
            self.shots = 1
            for _ in circuit.shots:
                kwargs["mid_measurements"] = {}
                self.reset()
                results.append(self.execute(aux_circ, **kwargs))
            self.shots = shots_copy
            return tuple(results)
        self.apply(circuit.operations, rotations=self._get_diagonalizing_gates(circuit),
                   **kwargs)
        sample_type = (SampleMP, CountsMP, ClassicalShadowMP, ShadowExpvalMP)
        if self.shots is not None or any(isinstance(m, sample_type)
                                         for m in circuit.measurements):
            self._samples = self.generate_samples()
        stat_circuit = circuit
        if has_mcm:
            mid_measurements = kwargs["mid_measurements"]
            stat_circuit = QuantumScript(
                circuit.operations, circuit.measurements[0:-len(mid_measurements)], shots=1,
                trainable_params=circuit.trainable_params)
        if self._shot_vector is not None:
            results = self.shot_vec_statistics(stat_circuit)
        else:
            results = self.statistics(stat_circuit)
            if has_mcm:
                results.extend(list(mid_measurements.values()))
            results = results[0] if len(circuit.measurements) == 1 else tuple(results)
        self._num_executions += 1
        if self.tracker.active:
            self.tracker.update(executions=1, shots=self._shots, results=results,
                                resources=circuit.specs["resources"])
            self.tracker.record()
        return results

    def shot_vec_statistics(self, circuit: QuantumScript):
        """The statistics of each part of the shot vector (a tuple)."""
        results, s1 = [], 0
        measurements = circuit.measurements
        counts_exist = any(isinstance(m, CountsMP) for m in measurements)
        single_measurement = len(measurements) == 1
        for shot_tuple in self._shot_vector:
            s2 = s1 + np.prod(shot_tuple)
            r = self.statistics(circuit, shot_range=[s1, s2], bin_size=shot_tuple.shots)
            if single_measurement:
                r = r[0]
            elif shot_tuple.copies == 1:
                r = tuple(r_[0] if isinstance(r_, list) else r_.T for r_ in r)
            elif counts_exist:
                r = self._multi_meas_with_counts_shot_vec(circuit, shot_tuple, r)
            else:
                r = [tuple(self._asarray(r_.T[idx]) for r_ in r)
                     for idx in range(shot_tuple.copies)]
            if isinstance(r, np.ndarray):
                if shot_tuple.copies > 1:
                    results.extend([self._asarray(r_) for r_ in math.unstack(r.T)])
                else:
                    results.append(r.T)
            elif single_measurement and counts_exist:
                results.extend(r)
            elif not single_measurement and shot_tuple.copies > 1:
                results.extend([tuple(e if isinstance(e, dict) else e.T for e in r_)
                                for r_ in r])
            else:
                results.append(r)
            s1 = s2
        return tuple(results)

    def _multi_meas_with_counts_shot_vec(self, circuit: QuantumScript, shot_tuple, r):
        new_r = []
        for idx in range(shot_tuple.copies):
            result_group = []
            for idx2, r_ in enumerate(r):
                mp = circuit.measurements[idx2]
                if isinstance(mp, ProbabilityMP) or (isinstance(mp, SampleMP) and mp.obs):
                    result = r_[:, idx]
                else:
                    result = r_[idx]
                if not isinstance(mp, CountsMP):
                    result = self._asarray(result.T)
                result_group.append(result)
            new_r.append(tuple(result_group))
        return new_r

    def batch_execute(self, circuits, **kwargs):
        """Each circuit's result (the device reset before each)."""
        if self.capabilities().get("supports_mid_measure", False):
            kwargs.setdefault("postselect_mode", None)
        results = []
        for circuit in circuits:
            self.reset()
            results.append(self.execute(circuit, **kwargs))
        if self.tracker.active:
            self.tracker.update(batches=1, batch_len=len(circuits))
            self.tracker.record()
        return results

    @abc.abstractmethod
    def apply(self, operations, **kwargs):
        """Apply ``operations`` (and the ``rotations`` keyword's gates) to the state."""

    @staticmethod
    def active_wires(operators):
        """The wires the operators act on."""
        return Wires.all_wires([op.wires for op in operators])

    def _measure(self, measurement, shot_range=None, bin_size=None):
        if self.shots is None:
            if isinstance(measurement, StateMeasurement):
                return measurement.process_state(state=self.state, wire_order=self.wires)
            raise ValueError("Shots must be specified in the device to compute the "
                             f"measurement {measurement.__class__.__name__}")
        if isinstance(measurement, StateMeasurement):
            warnings.warn(
                f"Requested measurement {measurement.__class__.__name__} with finite shots; "
                "the returned state information is analytic and is unaffected by sampling. "
                "To silence this warning, set shots=None on the device.", UserWarning)
            return measurement.process_state(state=self.state, wire_order=self.wires)
        return measurement.process_samples(samples=self._samples, wire_order=self.wires,
                                           shot_range=shot_range, bin_size=bin_size)

    def statistics(self, circuit: QuantumScript, shot_range=None, bin_size=None):
        """The statistic of each measurement of ``circuit`` (a list), from the device's
        state, probabilities or samples after ``execute`` applied it."""
        results = []
        for m in circuit.measurements:
            result = self._statistic(m, circuit, shot_range, bin_size)
            if isinstance(m, (ExpectationMP, VarianceMP, ProbabilityMP, VnEntropyMP,
                              MutualInfoMP, ShadowExpvalMP)):
                result = self._asarray(result, dtype=self.R_DTYPE)
            if self._shot_vector is not None and isinstance(result, np.ndarray):
                result = math.squeeze(result)
            if result is not None:
                results.append(result)
        return results

    def _analytic_warning(self, what, shot_vector=False):
        if self.wires.labels != tuple(range(self.num_wires)):
            raise QuantumFunctionError(
                f"Returning the {what} is not supported when using custom wire labels")
        if shot_vector and self._shot_vector is not None:
            raise NotImplementedError(
                f"Returning the {what} is not supported with shot vectors.")
        if self.shots is not None:
            warnings.warn(f"Requested {what} with finite shots; the returned result is "
                          "analytic and is unaffected by sampling. To silence this warning, "
                          "set shots=None on the device.", UserWarning)

    def _alone(self, circuit, what):
        if len(circuit.measurements) > 1:
            raise QuantumFunctionError(f"{what} cannot be returned in combination with other "
                                       "return types")

    def _statistic(self, m, circuit, shot_range, bin_size):
        if isinstance(getattr(m, "mv", None), list):
            obs = m
        else:
            obs = m.obs or getattr(m, "mv", None)
            obs = m if obs is None else obs
        method = getattr(self, self.measurement_map[type(m)], False)
        if method:
            if isinstance(m, MeasurementTransform):
                return method(tape=circuit)
            return method(m, shot_range=shot_range, bin_size=bin_size)
        if isinstance(m, ExpectationMP):
            return self.expval(obs, shot_range=shot_range, bin_size=bin_size)
        if isinstance(m, VarianceMP):
            return self.var(obs, shot_range=shot_range, bin_size=bin_size)
        if isinstance(m, SampleMP):
            samples = self.sample(obs, shot_range=shot_range, bin_size=bin_size, counts=False)
            return self._asarray(samples, dtype=int if isinstance(obs, SampleMP) else None)
        if isinstance(m, CountsMP):
            return self.sample(m, shot_range=shot_range, bin_size=bin_size, counts=True)
        if isinstance(m, ProbabilityMP):
            return self.probability(wires=m.wires, shot_range=shot_range, bin_size=bin_size)
        if isinstance(m, VnEntropyMP):
            self._analytic_warning("Von Neumann entropy", shot_vector=True)
            return self.vn_entropy(wires=obs.wires, log_base=obs.log_base)
        if isinstance(m, MutualInfoMP):
            self._analytic_warning("mutual information", shot_vector=True)
            wires0, wires1 = obs.raw_wires
            return self.mutual_info(wires0=wires0, wires1=wires1, log_base=obs.log_base)
        if isinstance(m, StateMP) and not isinstance(m, PurityMP):  # (a state or density matrix)
            self._alone(circuit, "The state or density matrix")
            if self.shots is not None:
                warnings.warn("Requested state or density matrix with finite shots; the "
                              "returned state information is analytic and is unaffected by "
                              "sampling. To silence this warning, set shots=None on the "
                              "device.", UserWarning)
            return self._asarray(self.access_state(wires=obs.wires), dtype=self.C_DTYPE)
        if isinstance(m, ClassicalShadowMP):
            self._alone(circuit, "Classical shadows")
            return self.classical_shadow(obs, circuit)
        if isinstance(m, ShadowExpvalMP):
            self._alone(circuit, "Classical shadows")
            return self.shadow_expval(obs, circuit=circuit)
        if isinstance(m, MeasurementTransform):
            return m.process(tape=circuit, device=self)
        if isinstance(m, (SampleMeasurement, StateMeasurement)):
            return self._measure(m, shot_range=shot_range, bin_size=bin_size)
        name = obs.name if isinstance(obs, Operator) else type(obs).__name__
        raise QuantumFunctionError(f"Unsupported return type specified for observable {name}")

    def access_state(self, wires=None):
        """The device's state (the reduced density matrix of ``wires`` if given)."""
        if not self.capabilities().get("returns_state"):
            raise QuantumFunctionError("The current device is not capable of returning the "
                                       "state")
        state = getattr(self, "state", None)
        if state is None:
            raise QuantumFunctionError("The state is not available in the current device")
        return self.density_matrix(wires) if wires else state

    def generate_samples(self):
        """Computational basis samples of the (rotated) state: one row per shot."""
        number_of_states = 2**self.num_wires
        samples = self.sample_basis_states(number_of_states, self.analytic_probability())
        return self.states_to_binary(samples, self.num_wires)

    def sample_basis_states(self, number_of_states, state_probability):
        """``shots`` indices of basis states drawn with NumPy's global generator."""
        if self.shots is None:
            raise QuantumFunctionError("The number of shots has to be explicitly set on the "
                                       "device when using sample-based measurements.")
        basis_states = np.arange(number_of_states)
        state_probs = math.unwrap(state_probability)
        if self._ndim(state_probability) == 2:
            return np.array([np.random.choice(basis_states, self.shots, p=prob)
                             for prob in state_probs])
        return np.random.choice(basis_states, self.shots, p=state_probs)

    @staticmethod
    def generate_basis_states(num_wires, dtype=np.uint32):
        """Every computational basis state of ``num_wires`` wires, as rows of bits."""
        if 2 < num_wires < 32:
            return QubitDevice.states_to_binary(np.arange(2**num_wires, dtype=dtype),
                                                num_wires, dtype=dtype)
        states = itertools.product((0, 1), repeat=num_wires)
        return np.fromiter(itertools.chain(*states), dtype=int).reshape(-1, num_wires)

    @staticmethod
    def states_to_binary(samples, num_wires, dtype=np.int64):
        """Basis-state indices as rows of bits (the first wire the most significant)."""
        powers_of_two = 1 << np.arange(num_wires, dtype=dtype)
        return ((samples[..., None] & powers_of_two) > 0).astype(dtype)[..., ::-1]

    @property
    def circuit_hash(self):
        raise NotImplementedError

    @property
    def state(self):
        raise NotImplementedError

    def density_matrix(self, wires):
        """The reduced density matrix of ``wires``."""
        state = getattr(self, "state", None)
        return math.reduce_statevector(state, indices=self.map_wires(wires),
                                       c_dtype=self.C_DTYPE)

    def _full_density_matrix(self, what):
        try:
            return self.density_matrix(wires=self.wires)
        except (QuantumFunctionError, NotImplementedError) as e:
            raise NotImplementedError(
                f"Cannot compute the {what} with device {self.name} that is not capable of "
                "returning the state. ") from e

    def vn_entropy(self, wires, log_base):
        """The Von Neumann entropy of ``wires``."""
        state = self._full_density_matrix("Von Neumman entropy")
        return math.vn_entropy(state, indices=wires.tolist(), c_dtype=self.C_DTYPE,
                               base=log_base)

    def mutual_info(self, wires0, wires1, log_base):
        """The mutual information of ``wires0`` and ``wires1``."""
        state = self._full_density_matrix("mutual information")
        return math.mutual_info(state, indices0=wires0.tolist(), indices1=wires1.tolist(),
                                c_dtype=self.C_DTYPE, base=log_base)

    def classical_shadow(self, obs, circuit):
        """PennyLane's classical shadow: one random Pauli basis per shot and wire, the
        circuit re-run for each."""
        if circuit is None:
            raise ValueError("Circuit must be provided when measuring classical shadows")
        wires, n_snapshots = obs.wires, self.shots
        original_shots, original_shot_vector = self.shots, self._shot_vector
        try:
            self.shots = 1
            mapped_wires = np.array(self.map_wires(wires))
            recipes = np.random.RandomState(obs.seed).randint(0, 3, size=(n_snapshots,
                                                                         len(wires)))
            obs_list = [X, Y, Z]
            outcomes = np.zeros((n_snapshots, len(wires)))
            for t in range(n_snapshots):
                rotations = [rot for i, wire in enumerate(wires)
                             for rot in obs_list[recipes[t][i]].compute_diagonalizing_gates(
                                 wires=wire)]
                self.reset()
                self.apply(circuit.operations,
                           rotations=self._get_diagonalizing_gates(circuit) + rotations)
                outcomes[t] = self.generate_samples()[0][mapped_wires]
        finally:
            self.shots, self._shot_vector = original_shots, original_shot_vector
        return self._cast(self._stack([outcomes, recipes]), dtype=np.int8)

    def shadow_expval(self, obs, circuit):
        """The expectation value estimated from a classical shadow."""
        from .shadows import ClassicalShadow
        bits, recipes = self.classical_shadow(obs, circuit)
        shadow = ClassicalShadow(bits, recipes, wire_map=obs.wires.tolist())
        return shadow.expval(obs.H, obs.k)

    def analytic_probability(self, wires=None):
        raise NotImplementedError

    def estimate_probability(self, wires=None, shot_range=None, bin_size=None):
        """The probabilities of ``wires``' basis states estimated from the samples."""
        device_wires = self.map_wires(Wires(wires or self.wires))
        num_wires = len(device_wires)
        if shot_range is None:
            samples = self._samples[..., device_wires]
        else:
            samples = self._samples[..., slice(*shot_range), device_wires]
        indices = samples @ (2 ** np.arange(num_wires)[::-1])
        batch_size = self._samples.shape[0] if np.ndim(self._samples) == 3 else None
        dim = 2**num_wires
        if bin_size is not None:
            prob = self._count_binned_samples(indices, batch_size, dim, bin_size,
                                              samples.shape[-2] // bin_size)
        else:
            prob = self._count_unbinned_samples(indices, batch_size, dim)
        return self._asarray(prob, dtype=self.R_DTYPE)

    @staticmethod
    def _count_unbinned_samples(indices, batch_size, dim):
        rows = [indices] if batch_size is None else indices
        prob = np.zeros((len(rows), dim), dtype=np.float64)
        for i, idx in enumerate(rows):
            basis_states, counts = np.unique(idx, return_counts=True)
            prob[i, basis_states] = counts / len(idx)
        return prob[0] if batch_size is None else prob

    @staticmethod
    def _count_binned_samples(indices, batch_size, dim, bin_size, num_bins):
        rows = indices.reshape((batch_size or 1, num_bins, bin_size))
        prob = np.zeros((batch_size or 1, dim, num_bins), dtype=np.float64)
        for i, bins in enumerate(rows):
            for b, idx in enumerate(bins):
                basis_states, counts = np.unique(idx, return_counts=True)
                prob[i, basis_states, b] = counts / bin_size
        return prob[0] if batch_size is None else prob

    def probability(self, wires=None, shot_range=None, bin_size=None):
        """Exact probabilities (no shots) or estimated ones (shots) of ``wires``."""
        wires = wires or self.wires
        if self.shots is None:
            return self.analytic_probability(wires=wires)
        return self.estimate_probability(wires=wires, shot_range=shot_range,
                                         bin_size=bin_size)

    @staticmethod
    def _get_batch_size(tensor, expected_shape, expected_size):
        return None

    def marginal_prob(self, prob, wires=None):
        """The marginal probabilities of ``wires`` (in their order) from the probabilities
        of all the device's wires."""
        dim = 2**self.num_wires
        batch_size = self._get_batch_size(prob, (dim,), dim)
        if wires is None:
            return prob
        wires = Wires(wires)
        inactive_device_wires = self.map_wires(Wires.unique_wires([self.wires, wires]))
        device_wires = self.map_wires(wires)
        if isinstance(inactive_device_wires, Wires):
            inactive_device_wires = inactive_device_wires.labels
        shape = [2] * self.num_wires
        desired_axes = np.argsort(np.argsort(device_wires))
        flat_shape = (-1,)
        if batch_size is not None:
            shape.insert(0, batch_size)
            inactive_device_wires = [idx + 1 for idx in inactive_device_wires]
            desired_axes = np.insert(desired_axes + 1, 0, 0)
            flat_shape = (batch_size, -1)
        prob = self._reduce_sum(self._reshape(prob, shape), inactive_device_wires)
        return self._reshape(self._transpose(prob, desired_axes), flat_shape)

    def _eigvals(self, observable, what):
        try:
            if isinstance(observable, MeasurementValue):
                values = [observable[i] for i in range(2 ** len(observable.measurements))]
            else:
                values = observable.eigvals()
            return self._asarray(values, dtype=self.R_DTYPE)
        except EigvalsUndefinedError as e:
            raise EigvalsUndefinedError(f"Cannot compute {what} of {observable.name}.") from e

    def expval(self, observable, shot_range=None, bin_size=None):
        """The expectation value: exact from the probabilities, or the samples' mean."""
        if self.shots is None:
            eigvals = self._eigvals(observable, "analytic expectations")
            return self._dot(self.probability(wires=observable.wires), eigvals)
        samples = self.sample(observable, shot_range=shot_range, bin_size=bin_size)
        return np.squeeze(np.mean(samples, axis=-1 if bin_size is None else -2))

    def var(self, observable, shot_range=None, bin_size=None):
        """The variance: exact from the probabilities, or the samples' variance."""
        if self.shots is None:
            eigvals = self._eigvals(observable, "analytic variance")
            prob = self.probability(wires=observable.wires)
            return self._dot(prob, eigvals**2) - self._dot(prob, eigvals) ** 2
        samples = self.sample(observable, shot_range=shot_range, bin_size=bin_size)
        return np.squeeze(np.var(samples, axis=-1 if bin_size is None else -2))

    def _samples_to_counts(self, samples, mp, num_wires):
        outcomes, batched_ndims, shape = [], 2, samples.shape
        if mp.obs is None and not isinstance(getattr(mp, "mv", None), MeasurementValue):
            samples = np.array([s for s in samples if not np.any(np.isnan(s))])
            samples = np.apply_along_axis(_sample_to_str, -1, samples.astype(np.int8))
            batched_ndims = 3
            if mp.all_outcomes:
                outcomes = list(map(_sample_to_str, self.generate_basis_states(num_wires)))
        elif mp.all_outcomes:
            outcomes = mp.eigvals()
        batched = len(shape) == batched_ndims
        if not batched:
            samples = samples[None]
        outcome_dicts = [{k: np.int64(0) for k in outcomes} for _ in range(shape[0])]
        for batch, outcome_dict in zip(samples, outcome_dicts):
            for state, count in zip(*np.unique(batch, return_counts=True)):
                outcome_dict[state] = count
        return outcome_dicts if batched else outcome_dicts[0]

    def sample(self, observable, shot_range=None, bin_size=None, counts=False):
        """The samples of an observable (its eigenvalues), of wires (bits), or their
        counts."""
        mp, no_observable_provided = observable, False
        if isinstance(mp, MeasurementProcess):
            if mp.obs is not None:
                observable = mp.obs
            elif isinstance(getattr(mp, "mv", None), MeasurementValue):
                observable = mp.mv
            else:
                no_observable_provided = True
        device_wires = self.map_wires(observable.wires)
        sub_samples = (self._samples if shot_range is None
                       else self._samples[..., slice(*shot_range), :])
        if no_observable_provided:
            samples = (sub_samples[..., np.array(device_wires)] if len(observable.wires) != 0
                       else sub_samples)
        else:
            eigvals = self._eigvals(observable, "samples")
            if np.array_equal(eigvals, [1.0, -1.0]):
                samples = 1.0 - 2 * sub_samples[..., device_wires[0]]
            else:
                bits = sub_samples[..., np.array(device_wires)]
                samples = eigvals[np.array(bits @ (2 ** np.arange(bits.shape[-1])[::-1]))]
        num_wires = len(device_wires) if len(device_wires) > 0 else self.num_wires
        if bin_size is None:
            return self._samples_to_counts(samples, mp, num_wires) if counts else samples
        if counts:
            shape = (-1, bin_size, num_wires) if no_observable_provided else (-1, bin_size)
            return [self._samples_to_counts(b, mp, num_wires) for b in samples.reshape(shape)]
        if no_observable_provided:
            return samples.T.reshape((num_wires, bin_size, -1))
        return samples.reshape((bin_size, -1))

    def adjoint_jacobian(self, tape: QuantumScript, starting_state=None,
                         use_device_state=False):
        """The Jacobian of the expectation values of ``tape`` by the adjoint method, from
        the device's state (``_apply_operation`` and ``_apply_unitary`` on it): a number,
        a tuple per measurement, or a tuple of tuples, as PennyLane's."""
        self._check_adjoint(tape)
        if starting_state is not None:
            ket = self._reshape(starting_state, [2] * self.num_wires)
        else:
            if not use_device_state:
                self.reset()
                self.execute(tape)
            ket = self._pre_rotated_state
        n_obs = len(tape.observables)
        bras = np.empty([n_obs] + [2] * self.num_wires, dtype=np.complex128)
        for kk in range(n_obs):
            bras[kk, ...] = self._apply_operation(ket, tape.observables[kk])
        trainable_params = self._adjoint_trainable(tape)
        jac = np.zeros((n_obs, len(trainable_params)))
        param_number = len(tape.get_parameters(trainable_only=False, operations_only=True)) - 1
        trainable_param_number = len(trainable_params) - 1
        sum_axes = tuple(range(1, self.num_wires + 1))
        for op in self._adjoint_expanded(tape):
            adj_op = adjoint(op)
            ket = self._apply_operation(ket, adj_op)
            if op.num_params == 1:
                if param_number in trainable_params:
                    ket_temp = self._apply_unitary(ket, operation_derivative(op), op.wires)
                    jac[:, trainable_param_number] = 2 * self._real(
                        math.sum(self._conj(bras) * ket_temp, axis=sum_axes))
                    trainable_param_number -= 1
                param_number -= 1
            for kk in range(n_obs):
                bras[kk, ...] = self._apply_operation(bras[kk, ...], adj_op)
        return self._adjoint_jacobian_processing(jac)

    def _check_adjoint(self, tape):
        if tape.batch_size is not None:
            raise QuantumFunctionError("Parameter broadcasting is not supported with adjoint "
                                       "differentiation")
        for m in tape.measurements:
            if not isinstance(m, ExpectationMP):
                raise QuantumFunctionError("Adjoint differentiation method does not support "
                                           f"measurement {m.__class__.__name__}")
            if not m.obs.has_matrix:
                raise QuantumFunctionError("Adjoint differentiation method does not support "
                                           "Hamiltonian observables.")
        if self.shot_vector is not None:
            raise QuantumFunctionError("Adjoint does not support shot vectors.")
        if self.shots is not None:
            warnings.warn("Requested adjoint differentiation to be computed with finite shots. "
                          "The derivative is always exact when using the adjoint "
                          "differentiation method.", UserWarning)

    @staticmethod
    def _adjoint_expanded(tape):
        expanded_ops = []
        for op in reversed(tape.operations):
            if op.num_params > 1:
                if not isinstance(op, GATE_CLASSES["Rot"]):
                    raise QuantumFunctionError(f'The {op.name} operation is not supported '
                                               'using the "adjoint" differentiation method')
                expanded_ops.extend(reversed(op.decomposition()))
            elif op.name not in ("StatePrep", "BasisState", "Snapshot"):
                expanded_ops.append(op)
        return expanded_ops

    @staticmethod
    def _adjoint_trainable(tape):
        trainable_params = []
        for k in tape.trainable_params:
            mp_or_op = tape[tape.par_info[k]["op_idx"]]
            if isinstance(mp_or_op, MeasurementProcess):
                warnings.warn(
                    f"Differentiating with respect to the input parameters of "
                    f"{mp_or_op.obs.name} is not supported with the adjoint differentiation "
                    "method. Gradients are computed only with regards to the trainable "
                    "parameters of the circuit.\n\n Mark the parameters of the measured "
                    "observables as non-trainable to silence this warning.", UserWarning)
            else:
                trainable_params.append(k)
        return trainable_params

    _adjoint_jacobian_processing = staticmethod(adjoint_jacobian_tuples)

    def _get_diagonalizing_gates(self, circuit: QuantumScript) -> list:
        return circuit.diagonalizing_gates

    def _is_lightning_device(self):
        return False


# --- the facade: a legacy device as a device of the current API ----------------------------
_DEVICE_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNHASHABLE_LOCK = new_rlock()  # (a device class with __eq__ and no __hash__: one for all)
_LOCKS_LOCK = new_lock()


def device_lock(device):
    """The reentrant lock that the facade holds while ``device`` (a legacy device) runs.

    A legacy device keeps the circuit it simulates in itself (``apply`` stores a state,
    ``analytic_probability`` or ``generate_samples`` reads it; its ``shots`` are set per
    tape): two threads running QNodes on one device would read each other's states and
    get each other's numbers, so every call of the facade into the device (execution,
    derivatives, expansion, shots set and restored) holds the device's lock.

    >>> lock = device_lock(object())
    >>> with lock:
    ...     pass
    """
    try:
        lock = _DEVICE_LOCKS.get(device)
        if lock is None:
            with _LOCKS_LOCK:
                lock = _DEVICE_LOCKS.setdefault(device, new_rlock())
        return lock
    except TypeError:  # unhashable (or not weakly referable): one lock for all of them
        return _UNHASHABLE_LOCK


# id(device) -> (the thread that set a tape's shots on it, the device's own shots as
# qsym's runtime reads them, :func:`_given_shots`), while :func:`_shots_set` holds them
_RESTING: dict = {}


def _given_shots(device):
    """The legacy ``device``'s shots as qsym's runtime reads them (a shot vector as given)."""
    if device._shot_vector:
        return Shots(device._raw_shot_sequence)
    return device.shots


def resting_shots(device):
    """The legacy ``device``'s shots as the calling thread's QNodes see them: its own, also
    while another thread runs a tape with other shots on it (:func:`_shots_set`; a QNode
    without shots built then ran sampled on that thread's shots).

    >>> class Device:
    ...     shots, _shot_vector = None, None
    >>> resting_shots(Device()) is None
    True
    """
    rest = _RESTING.get(id(device))
    if rest is not None and rest[0] != threading.get_ident():
        return rest[1]
    return _given_shots(device)


@contextlib.contextmanager
def _shots_set(device, shots):
    """Inside, the legacy ``device`` has ``shots`` (a tape's ``Shots``) and is this
    thread's alone (:func:`device_lock`); other threads still read its own shots
    (:func:`resting_shots`)."""
    shots = Shots(shots)
    shots = shots.shot_vector if shots.has_partitioned_shots else shots.total_shots
    with device_lock(device):
        if shots == device.shots:
            yield
            return
        original_shots, original_shot_vector = device.shots, device._shot_vector
        key = id(device)
        mine = key not in _RESTING
        if mine:
            _RESTING[key] = (threading.get_ident(), _given_shots(device))
        try:
            device.shots = shots
            yield
        finally:
            device.shots = original_shots
            device._shot_vector = original_shot_vector
            if mine:
                del _RESTING[key]


def _with_shots(device, shots, function):
    def run(*args, **kwargs):
        with _shots_set(device, shots):
            return function(*args, **kwargs)
    return run


@transform
def legacy_device_expand_fn(tape, device):
    """The legacy device's ``expand_fn`` as a transform."""
    return (_with_shots(device, tape.shots, device.expand_fn)(tape),), _first


@transform
def legacy_device_batch_transform(tape, device):
    """The legacy device's ``batch_transform`` as a transform."""
    return _with_shots(device, tape.shots, device.batch_transform)(tape)


def adjoint_ops(op) -> bool:
    """Whether the adjoint method of a legacy device takes ``op`` as it is."""
    from .math import requires_grad
    if op.name == "QubitUnitary" and not any(requires_grad(d) for d in op.data):
        return True
    return not isinstance(op, MidMeasure) and (
        op.num_params == 0 or (op.num_params == 1 and op.has_generator))


def _add_adjoint_transforms(pipeline, name="adjoint"):
    pipeline.add_transform(no_sampling, name=name)
    pipeline.add_transform(decompose, stopping_condition=adjoint_ops)
    pipeline.add_transform(validate_measurements,
                           analytic_measurements=lambda mp: isinstance(mp, ExpectationMP),
                           name=name)
    pipeline.add_transform(broadcast_expand)
    pipeline.add_transform(validate_adjoint_trainable_params)


def _requests_adjoint(config) -> bool:
    return config.gradient_method == "adjoint" or (
        config.gradient_method == "device"
        and config.gradient_keyword_arguments.get("method", None) == "adjoint_jacobian")


class LegacyDeviceFacade(devices.Device):
    """PennyLane's ``qml.devices.LegacyDeviceFacade``: a legacy device (a
    :class:`LegacyDevice`, e.g. a :class:`QubitDevice` subclass) as a device of the
    current API. Its ``execute`` runs the tapes on the legacy device's ``batch_execute``
    (with each tape's shots set on it); its preprocessing is the legacy device's
    ``batch_transform`` and ``expand_fn``; derivatives: ``"adjoint"`` by the legacy
    device's ``adjoint_jacobian``, ``"device"`` by its ``jacobian`` (capability
    ``provides_jacobian``), else a gradient transform. Any other attribute is the legacy
    device's. QNodes and ``qml.execute`` wrap a legacy device in one."""

    def __init__(self, device):  # pylint: disable=super-init-not-called
        if isinstance(device, type(self)):
            raise RuntimeError("An already-facaded device can not be wrapped in a facade "
                               "again.")
        if not isinstance(device, LegacyDevice):
            raise ValueError("The LegacyDeviceFacade only accepts a device of type "
                             "qp.devices.LegacyDevice.")
        self.__dict__["_device"] = device
        self.capabilities = None  # (a TOML file's, if the legacy device names one)
        if getattr(device, "config_filepath", None):
            self.capabilities = DeviceCapabilities.from_toml_file(device.config_filepath)
            self.config_filepath = device.config_filepath
        self.mixed, self.readout_prob, self.seed = False, None, None
        self._prng_key, self._max_workers = None, None
        self.num_executions = self.num_calls = 0
        if device.shots:
            warnings.warn("Setting shots on device is deprecated. Please use the `set_shots` "
                          "transform on the respective QNode instead.",
                          PennyLaneDeprecationWarning)

    capabilities = None  # PennyLane's: no TOML capabilities (the legacy device's dict)
    wraps_legacy_device = True  # (what qsym's QNode and qml.execute ask: PennyLane's
    # isinstance(device, LegacyDeviceFacade), without importing this module)

    def __getattr__(self, name):
        if name.startswith("__") or "_device" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["_device"], name)

    def __repr__(self):
        return f"<LegacyDeviceFacade: {self._device!r}>"

    def __copy__(self):
        return type(self)(copy.copy(self.target_device))

    def __deepcopy__(self, memo):
        return type(self)(copy.deepcopy(self.target_device, memo))

    target_device = property(lambda self: self._device, doc="The legacy device wrapped.")
    name = property(lambda self: self._device.short_name)
    short_name = property(lambda self: self._device.short_name)

    @property
    def tracker(self):
        """The legacy device's tracker (it records its own executions)."""
        return self._device.tracker

    @tracker.setter
    def tracker(self, new_tracker):
        self._device.tracker = new_tracker

    # qsym's trackers of a device: none (the legacy device records to its own tracker)
    trackers = property(lambda self: [], lambda self, value: None)

    @property
    def wires(self):
        return self._device.wires

    @wires.setter
    def wires(self, _):
        raise AttributeError("a device's wires cannot be set after it is made")

    @property
    def given_shots(self):
        """The legacy device's shots as qsym's runtime reads them (its own, while another
        thread runs a tape with other shots on it: :func:`resting_shots`)."""
        return resting_shots(self._device)

    @property
    def shots(self):
        return Shots(self.given_shots)

    _shots = property(lambda self: self._device._shots, doc="The legacy device's ``_shots``.")

    @property
    def _debugger(self):
        return getattr(self._device, "_debugger", None)

    @_debugger.setter
    def _debugger(self, new_debugger):
        self._device._debugger = new_debugger

    def preprocess_transforms(self, execution_config=None):
        """Deferred mid-circuit measurements, the legacy device's ``batch_transform`` and
        ``expand_fn``, and the adjoint method's checks when it is requested."""
        execution_config = execution_config or ExecutionConfig()
        pipeline = CompilePipeline()
        method = execution_config.mcm_config.mcm_method
        if method == "deferred" or method is None and not self._native_mcms():
            pipeline.add_transform(defer_measurements, allow_postselect=False)
        pipeline.add_transform(legacy_device_batch_transform, device=self._device)
        pipeline.add_transform(legacy_device_expand_fn, device=self._device)
        if _requests_adjoint(execution_config):
            _add_adjoint_transforms(pipeline, name=f"{self.name} + adjoint")
        return pipeline

    def setup_execution_config(self, config=None, circuit=None):
        """The configuration PennyLane's facade sets up: ``"best"`` is the device's own
        Jacobian if it provides one, else backpropagation where its capabilities name a
        ``passthru_interface``/``passthru_devices`` for the parameters' interface."""
        config = config or ExecutionConfig()
        if config.gradient_method == "best":
            if self._validate_device_method(circuit):
                return self.setup_execution_config(
                    dataclasses.replace(config, gradient_method="device"), circuit)
            if self._validate_backprop_method(circuit):
                config = dataclasses.replace(config, gradient_method="backprop")
        updates = {}
        if config.gradient_method == "backprop":
            if not self._validate_backprop_method(circuit):
                raise DeviceError("device does not support backprop.")
        elif _requests_adjoint(config):
            if not self._validate_adjoint_method(circuit):
                raise DeviceError("device does not support device derivatives")
            updates["gradient_keyword_arguments"] = {"use_device_state": True,
                                                     "method": "adjoint_jacobian"}
        elif config.gradient_method == "device":
            if not self._validate_device_method(circuit):
                raise DeviceError("device does not support device derivatives")
        else:
            shots_present = bool(circuit and circuit.shots)
            self._validate_mcm_method(config.mcm_config.mcm_method, shots_present)
            if config.mcm_config.mcm_method is None:
                method = "one-shot" if shots_present and self._native_mcms() else "deferred"
                updates["mcm_config"] = dataclasses.replace(config.mcm_config,
                                                            mcm_method=method)
            return dataclasses.replace(config, **updates) if updates else config
        if config.use_device_gradient is None:
            updates["use_device_gradient"] = True
        if config.grad_on_execution is None and config.gradient_method != "backprop":
            updates["grad_on_execution"] = True
        return dataclasses.replace(config, **updates) if updates else config

    def _native_mcms(self) -> bool:
        """Whether the legacy device measures mid-circuit itself (its capabilities, or a
        TOML file's ``supported_mcm_methods``)."""
        if self.capabilities is not None:
            return "one-shot" in self.capabilities.supported_mcm_methods
        return bool(self._device.capabilities().get("supports_mid_measure", False))

    def _validate_mcm_method(self, mcm_method, shots_present):
        if mcm_method in (None, "deferred"):
            return
        if mcm_method == "one-shot" and not shots_present:
            raise QuantumFunctionError('mcm_method="one-shot" is only supported with finite '
                                       "shots.")
        supported = ("deferred", "one-shot") if self._native_mcms() else ("deferred",)
        if mcm_method not in supported:
            raise QuantumFunctionError(
                f'The requested MCM method "{mcm_method}" unsupported by the device. '
                f"Supported methods are: {supported}.")

    def supports_derivatives(self, execution_config=None, circuit=None) -> bool:
        circuit = QuantumScript([], [], shots=self.shots) if circuit is None else circuit
        if execution_config is None or execution_config.gradient_method == "best":
            return (self._validate_backprop_method(circuit)
                    or self._validate_device_method(circuit))
        if execution_config.gradient_method == "backprop":
            return self._validate_backprop_method(circuit)
        if _requests_adjoint(execution_config):
            return self._validate_adjoint_method(circuit)
        if execution_config.gradient_method == "device":
            return self._validate_device_method(circuit)
        return False

    def _validate_backprop_method(self, tape):
        """PennyLane's rule: the device's capabilities name a ``passthru_interface`` or
        ``passthru_devices`` for the parameters' interface (qsym differentiates such a
        device's tapes by parameter shift on it: the same exact derivative)."""
        tape = QuantumScript() if tape is None else tape
        if tape.shots or any(getattr(m.obs, "name", None) == "SparseHamiltonian"
                             for m in tape.measurements):
            return False
        capabilities = self._device.capabilities()
        interface = math.get_interface(*tape.get_parameters(trainable_only=False))
        if capabilities.get("passthru_interface") is not None:
            return interface in (capabilities["passthru_interface"], "numpy")
        devices_ = capabilities.get("passthru_devices")
        return devices_ is not None and (interface in devices_ or interface == "numpy")

    def _validate_adjoint_method(self, tape):
        required = ("_apply_operation", "_apply_unitary", "adjoint_jacobian")
        if not (all(hasattr(self._device, a) for a in required)
                and self._device.capabilities().get("returns_state")):
            return False
        tape = QuantumScript() if tape is None else tape
        if tape.shots:
            return False
        pipeline = CompilePipeline()
        _add_adjoint_transforms(pipeline)
        try:
            pipeline((tape,))
        except (DecompositionUndefinedError, DeviceError, AttributeError):
            return False
        return True

    def _validate_device_method(self, _):
        return self._device.capabilities().get("provides_jacobian", False)

    def execute(self, circuits, execution_config=None):
        """The legacy device's ``batch_execute`` of the tapes, each with its shots."""
        execution_config = execution_config or ExecutionConfig()
        single = isinstance(circuits, QuantumScript)
        circuits = (circuits,) if single else tuple(circuits)
        dev = self._device
        kwargs = {}
        if dev.capabilities().get("supports_mid_measure", False):
            kwargs["postselect_mode"] = execution_config.mcm_config.postselect_mode
        first_shot = circuits[0].shots
        if all(t.shots == first_shot for t in circuits):
            results = tuple(_with_shots(dev, first_shot, dev.batch_execute)(circuits, **kwargs))
        else:
            results = tuple(_with_shots(dev, t.shots, dev.batch_execute)((t,), **kwargs)[0]
                            for t in circuits)
        return results[0] if single else results

    def _legacy_derivatives(self, circuits, execution_config, method_name):
        execution_config = execution_config or ExecutionConfig(gradient_method="device")
        single = isinstance(circuits, QuantumScript)
        circuits = (circuits,) if single else tuple(circuits)
        dev = self._device
        kwargs = execution_config.gradient_keyword_arguments
        if all(t.shots == circuits[0].shots for t in circuits):
            out = _with_shots(dev, circuits[0].shots, getattr(dev, method_name))(circuits,
                                                                                 **kwargs)
        else:
            parts = [_with_shots(dev, t.shots, getattr(dev, method_name))((t,), **kwargs)
                     for t in circuits]
            out = ([p[0][0] for p in parts], [p[1][0] for p in parts]) if (
                method_name == "execute_and_gradients") else [p[0] for p in parts]
        if method_name == "execute_and_gradients":
            res, jacs = tuple(out[0]), tuple(out[1])
            return (res[0], jacs[0]) if single else (res, jacs)
        return tuple(out)[0] if single else tuple(out)

    def compute_derivatives(self, circuits, execution_config=None):
        """The legacy device's ``gradients`` of the tapes."""
        return self._legacy_derivatives(circuits, execution_config, "gradients")

    def execute_and_compute_derivatives(self, circuits, execution_config=None):
        """The legacy device's ``execute_and_gradients`` of the tapes."""
        return self._legacy_derivatives(circuits, execution_config, "execute_and_gradients")


def facade(device):
    """``device`` as a device of the current API: a :class:`LegacyDeviceFacade` of a legacy
    device, any other object as it is (QNodes and ``qml.execute`` call this)."""
    if isinstance(device, LegacyDevice) and not isinstance(device, LegacyDeviceFacade):
        return LegacyDeviceFacade(device)
    return device


# PennyLane's names of the classes in their modules (pennylane.devices._legacy_device.Device)
Device = LegacyDevice

devices.register_legacy_facade(facade)
