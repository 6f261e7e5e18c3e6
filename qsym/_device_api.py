"""PennyLane 0.45's device API on qsym's devices: ``preprocess``, ``preprocess_transforms``,
``setup_execution_config``, ``supports_derivatives`` / ``supports_jvp`` / ``supports_vjp``,
``compute_derivatives``, ``compute_jvp``, ``compute_vjp`` and their ``execute_and_...``
forms, installed on :class:`qsym.devices.Device` (it sits above the devices: the
derivatives are the proved shift rules of :func:`qsym.gradients.param_shift`, the
executions ``dev.execute``).

On qsym's simulators (``default.qubit``, ``lightning.qubit``, ...) they follow PennyLane's
device of that name: ``default.qubit`` supports derivatives analytically (``"backprop"``,
``"adjoint"``, ``"best"``: ``"backprop"``), ``lightning.qubit`` by the adjoint method
(``"best"``: ``"adjoint"``), ``default.mixed`` by backpropagation, ``reference.qubit``
not at all (``"best"`` is parameter shift); a device's derivatives are exact
(qsym computes them by the proved parameter-shift rules of each gate, the same numbers as
PennyLane's adjoint method to rounding). On a user's subclass of ``qml.devices.Device``
(one that defines ``execute``) they follow PennyLane's base class: no derivatives unless
the subclass defines them.

>>> import qsym as qml
>>> dev = qml.device("default.qubit")
>>> program, config = dev.preprocess(qml.devices.ExecutionConfig(gradient_method="best"))
>>> config.gradient_method, config.use_device_gradient
('backprop', True)
>>> t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
>>> round(float(dev.compute_derivatives(t)), 12)   # -sin(0.3)
-0.295520206661
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import warnings

import numpy as np

from . import devices
from ._tapes import QuantumScript, device_execute, tape_resources
from ._shadows import ClassicalShadowMP, ShadowExpvalMP
from ._splitting import broadcast_expand
from .allocation import device_resolve_dynamic_wires
from ._capabilities import (DeviceCapabilities, observable_stopping_condition_factory,
                            validate_mcm_method)
from . import _operations as ops, transforms
from ._transform import CompilePipeline, transform
from .devices import Device, ExecutionConfig, MCMConfig
from ._operations import UnmeasuredOperator
from .errors import DeviceError, WireError
from .gradients import param_shift
from ._preprocess import (ALL_DQ_GATES, adjoint_observables, adjoint_ops,
                          allow_mcms_stopping_condition, decompose, no_mcms_stopping_condition,
                          no_sampling, validate_adjoint_trainable_params,
                          validate_multiprocessing_workers, validate_observables)

# PennyLane's DefaultQubit._device_options: what ExecutionConfig.device_options may name
DEVICE_OPTIONS = ("max_workers", "rng", "prng_key")
# the measurements PennyLane's adjoint method differentiates (default.qubit)
ADJOINT_KINDS = ("expval", "var", "probs", "state")


def _own(dev) -> bool:
    """A user's device class (its own ``execute``): PennyLane's base-class semantics (not
    a built-in device whose ``execute`` a test spies on or patches on the instance)."""
    return devices.runs_own_execute(dev) and type(dev).execute is not devices.Device.execute


# --- which derivatives a device gives -----------------------------------------------------
def supports_adjoint(circuit) -> bool:
    """Whether PennyLane's adjoint method takes ``circuit`` (None: any): exact (no shots),
    measurements of expectation values, variances, probabilities or the state, no
    mid-circuit measurement.

    >>> import qsym as qml
    >>> supports_adjoint(qml.tape.QuantumScript([], [qml.probs()]))
    True
    >>> supports_adjoint(qml.tape.QuantumScript([], [qml.sample()], shots=10))
    False
    """
    if circuit is None:
        return True
    if circuit.shots:
        return False
    if any(type(op).__name__ in ("MidMeasure", "MidMeasureMP") for op in circuit.operations):
        return False
    return all(getattr(m, "kind", None) in ADJOINT_KINDS and not getattr(m, "reduce", ())
               for m in circuit.measurements)


def supports_derivatives(self, execution_config=None, circuit=None) -> bool:
    """PennyLane's ``supports_derivatives``: qsym's simulators differentiate exactly by
    the methods PennyLane's device of that name has (:func:`qsym.devices.derivative_methods`:
    ``"backprop"`` analytic circuits; ``"adjoint"`` what :func:`supports_adjoint` takes,
    on ``lightning.qubit`` expectation values only; ``"best"`` either);
    a user's device class only if it defines ``compute_derivatives`` (``"device"`` or
    ``"best"``).

    >>> import qsym as qml
    >>> config = ExecutionConfig(gradient_method="backprop")
    >>> [qml.device(n, wires=1).supports_derivatives(config)
    ...  for n in ("default.qubit", "lightning.qubit", "reference.qubit")]
    [True, False, False]
    """
    if _own(self):
        defined = type(self).compute_derivatives is not Device.compute_derivatives
        if execution_config is None:
            return defined
        if (execution_config.gradient_method not in ("device", "best")
                or execution_config.derivative_order != 1):
            return False
        return defined
    if execution_config is None:
        return self.name != "reference.qubit"
    no_workers = execution_config.device_options.get("max_workers", self._max_workers) is None
    method = execution_config.gradient_method
    # "best": the first of the device's methods that takes the circuit (PennyLane's order)
    methods = devices.derivative_methods(self) if method == "best" else (method,)
    return any(m in devices.derivative_methods(self) and _takes(m, no_workers, circuit)
               and not (m == "adjoint" and self.name == "lightning.qubit" and circuit
                        is not None and any(k.kind != "expval" for k in circuit.measurements))
               for m in methods)


def _takes(method, no_workers, circuit) -> bool:
    """Whether ``method`` (``"backprop"`` or ``"adjoint"``) differentiates ``circuit``
    (None: any) on qsym's simulators (``lightning.qubit``'s adjoint method takes only
    expectation values: checked by the caller)."""
    if method == "backprop":
        if not no_workers:
            return False
        if circuit is None:
            return True
        return not circuit.shots and not any(
            type(getattr(m, "measured_obs", None)).__name__ == "SparseHamiltonian"
            for m in circuit.measurements)
    return method == "adjoint" and supports_adjoint(circuit)


def supports_jvp(self, execution_config=None, circuit=None) -> bool:
    """PennyLane's ``supports_jvp``: as :func:`supports_derivatives` on qsym's
    simulators; on a user's device class, whether it defines ``compute_jvp``."""
    if _own(self):
        return type(self).compute_jvp is not Device.compute_jvp
    # (the device's own supports_derivatives: a subclass of default.qubit may widen it)
    return self.supports_derivatives(execution_config, circuit)


def supports_vjp(self, execution_config=None, circuit=None) -> bool:
    """PennyLane's ``supports_vjp``: as :func:`supports_derivatives` on qsym's
    simulators; on a user's device class, whether it defines ``compute_vjp``."""
    if _own(self):
        return type(self).compute_vjp is not Device.compute_vjp
    # (the device's own supports_derivatives: a subclass of default.qubit may widen it)
    return self.supports_derivatives(execution_config, circuit)


# --- configuration and preprocessing ---------------------------------------------------------
def _mcm_config(mcm_config, circuit):
    """PennyLane's resolution of the mid-circuit measurement method on default.qubit."""
    method = mcm_config.mcm_method
    if method is None:
        method = "one-shot" if getattr(circuit, "shots", None) else "deferred"
    elif method == "device":
        method = "tree-traversal"
    supported = ("one-shot", "deferred", "tree-traversal")
    if method not in supported:
        raise DeviceError(f"mcm_method {method} not supported on default.qubit. "
                          f"Supported methods are {set(supported)}")
    if mcm_config.postselect_mode == "fill-shots" and method != "deferred":
        raise DeviceError("Using postselect_mode='fill-shots' is only supported with "
                          "mcm_method='deferred'.")
    return dataclasses.replace(mcm_config, mcm_method=method)


def default_mcm_method(capabilities, shots: bool) -> str:
    """PennyLane's mid-circuit measurement method of a device with declared capabilities
    when none is asked for: ``"device"`` if it supports it, else ``"one-shot"`` with shots
    if it supports that, else ``"deferred"``.

    >>> from qsym.devices import DeviceCapabilities
    >>> default_mcm_method(DeviceCapabilities(supported_mcm_methods=["one-shot"]), True)
    'one-shot'
    """
    if "device" in capabilities.supported_mcm_methods:
        return "device"
    if shots and "one-shot" in capabilities.supported_mcm_methods:
        return "one-shot"
    return "deferred"


def setup_execution_config(self, config=None, circuit=None):
    """PennyLane's ``setup_execution_config``: the options filled in for this device
    (``"best"`` → ``"backprop"``, or ``"adjoint"`` with ``max_workers`` and on
    ``lightning.qubit``, kept on ``reference.qubit``, which has no derivatives; the device's
    gradient used for ``"adjoint"`` and ``"backprop"``; its options in
    ``device_options``; the mid-circuit measurement method). An option the device does
    not have is a :class:`qsym.errors.DeviceError`."""
    if _own(self):
        if type(self).preprocess is not Device.preprocess:
            return self.preprocess(config)[1] if config else self.preprocess()[1]
        config = config or ExecutionConfig()
        if self.supports_derivatives(config) and config.gradient_method in ("best", None):
            return dataclasses.replace(config, gradient_method="device")
        shots = bool(circuit is not None and circuit.shots)
        # (a legacy device's capabilities() dict, default.gaussian's, declares no methods)
        capabilities = self.capabilities if isinstance(self.capabilities,
                                                       DeviceCapabilities) else None
        validate_mcm_method(capabilities, config.mcm_config.mcm_method, shots)
        if config.mcm_config.mcm_method is None and capabilities is not None:
            method = default_mcm_method(capabilities, shots)
            config = dataclasses.replace(config, mcm_config=dataclasses.replace(
                config.mcm_config, mcm_method=method))
        return config
    config = config or ExecutionConfig()
    for option in config.device_options:
        if option not in DEVICE_OPTIONS:
            raise DeviceError(f"device option {option} not present on {self}")
    updated = {"convert_to_numpy": True}
    method = config.gradient_method
    if method == "best" and devices.derivative_methods(self):
        no_workers = config.device_options.get("max_workers", self._max_workers) is None
        method = devices.derivative_methods(self)[0]
        method = updated["gradient_method"] = (
            "adjoint" if method == "backprop" and not no_workers else method)
    derivatives = {  # (reference.qubit, without derivatives, leaves them unset: PennyLane's)
        "use_device_gradient": method in ("adjoint", "backprop"),
        "use_device_jacobian_product": method == "adjoint",
        "grad_on_execution": method == "adjoint"} if devices.derivative_methods(self) else {}
    updated.update({k: v for k, v in derivatives.items() if getattr(config, k) is None})
    options = dict(config.device_options)
    for option in DEVICE_OPTIONS:
        options.setdefault(option, getattr(self, f"_{option}"))
    updated["device_options"] = options
    updated["mcm_config"] = _mcm_config(config.mcm_config, circuit)
    return dataclasses.replace(config, **updated)


@transform
def validate_device_wires(tape, wires=None, name="device"):
    """PennyLane's ``validate_device_wires``: a tape whose wires the device does not have is
    a :class:`qsym.errors.WireError`; a device without wires takes any.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.X(5)], [qml.expval(qml.Z(5))])
    >>> try:
    ...     validate_device_wires(t, qml.wires.Wires([0, 1]), name="default.qubit")
    ... except qml.WireError as exc:
    ...     print(str(exc)[:48])
    Cannot run circuit(s) on default.qubit as they c
    """
    if wires is not None:
        extra = [w for w in tape.wires if w not in wires]
        if extra:
            raise WireError(f"Cannot run circuit(s) on {name} as they contain wires not found "
                            f"on the device: {set(extra)}")
        measured = [_on_wires(m, wires) for m in tape.measurements]
        operations = [_snapshot_on_wires(op, wires) for op in tape.operations]
        if any(a is not b for a, b in zip(measured + operations,
                                          tape.measurements + tape.operations)):
            return (tape.copy(operations=operations, measurements=measured),), _first
    return (tape,), _first


def _snapshot_on_wires(op, wires):
    """A ``qml.Snapshot`` whose measurement has no wires made one of the device's
    ``wires`` (PennyLane's ``validate_device_wires`` fills them in); others as they are."""
    from ._drawing import Snapshot

    if not isinstance(op, Snapshot) or op.measurement.wires:
        return op
    new = _on_wires(op.measurement, wires)
    if new is op.measurement:
        return op
    out = copy.copy(op)  # (not made anew: inside qml.snapshots a new one is recorded)
    out.hyperparameters = {**op.hyperparameters, "measurement": new}
    return out


_WIRELESS = ("SampleMP", "CountsMP", "ProbabilityMP", "StateMP")


def _on_wires(m, wires):
    """A sample, counts, probability or state measurement of no wires made one of the
    device's ``wires`` (PennyLane's ``validate_device_wires`` swaps it out; counts keep
    ``all_outcomes``); others as they are."""
    if (type(m).__name__ in _WIRELESS and getattr(m, "measured_obs", None) is None
            and not getattr(m, "wires", None) and getattr(m, "mv", None) is None):
        new = type(m)(wires=list(wires))
        if hasattr(m, "all_outcomes"):
            new.all_outcomes = m.all_outcomes
        return new
    return m


@transform
def validate_measurements(tape, analytic_measurements=None, sample_measurements=None,
                          name="device"):
    """PennyLane's ``validate_measurements`` for qsym's simulators: a measurement the
    device cannot run on this tape is a :class:`qsym.errors.DeviceError` in PennyLane's
    words, before execution; ``analytic_measurements`` / ``sample_measurements`` (functions
    of a measurement, PennyLane's arguments) add a device's own rules. Refused: ``expval``/``var`` of an operator without a Pauli
    form (:class:`qsym._operations.UnmeasuredOperator`, e.g. ``qml.expval(qml.RX(0.1, 0))``);
    with finite shots the state and the quantities computed from it (``qml.state``,
    ``qml.density_matrix``, ``qml.vn_entropy``, ...); without shots classical shadows, samples
    and counts (PennyLane's default).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.state()], shots=100)
    >>> try:
    ...     validate_measurements(t, name="default.qubit")
    ... except qml.DeviceError as exc:
    ...     print(exc)
    Measurement state(wires=[]) not accepted with finite shots on default.qubit
    """
    shots = bool(tape.shots)
    for m in tape.measurements:
        obs = getattr(m, "measured_obs", None)
        refused = isinstance(obs, UnmeasuredOperator) or (
            m.kind == "state" if shots else bool(getattr(m, "shadow", None))) or (
            obs is not None and not observable_accepted(obs, m.kind == "expval" and not shots))
        if refused:
            how = "with finite shots" if shots else "for analytic simulation"
            raise DeviceError(f"Measurement {m!r} not accepted {how} on {name}")
    accepts = sample_measurements if shots else analytic_measurements
    # PennyLane's defaults: without shots, measurements of the state (no samples or counts);
    # with shots qsym's checks above, unless the device gives its own rule for either case
    if not shots or analytic_measurements is not None or sample_measurements is not None:
        accepts = accepts or (_sampled_kind if shots else _analytic_kind)
        for m in tape.measurements:  # a device's own rules (PennyLane's callables)
            if not accepts(m):
                raise DeviceError(f"Measurement {m!r} not accepted "
                                  + (f"with finite shots on {name}" if shots
                                     else f"for analytic simulation on {name}."))
    return (tape,), _first


def _analytic_kind(m) -> bool:
    """PennyLane's default for analytic simulation: measurements of the state (no samples,
    counts or shadows)."""
    return m.kind not in ("sample", "counts") and not getattr(m, "shadow", None)


def _sampled_kind(m) -> bool:
    """PennyLane's default with finite shots: measurements estimated from samples (not the
    state or the quantities computed from it)."""
    return m.kind in ("expval", "var", "probs", "sample", "counts") and not getattr(
        m, "shadow", None)


def observable_accepted(obs, exact_expval=False) -> bool:
    """Whether default.qubit measures ``obs`` (PennyLane's ``observable_accepts_analytic``
    and ``observable_accepts_sampling``): every operand of a product or sum, the base of a
    scaled operator, and each operator with diagonalizing gates (a ``SparseHamiltonian`` or
    ``Hermitian`` in an exact expectation value too).

    >>> import qsym as qml
    >>> observable_accepted(qml.X(0) @ qml.Y(1)), observable_accepted(qml.X(0) @ qml.RX(0.1, 1))
    (True, False)
    """
    operands = getattr(obs, "operands", None)
    if operands and type(obs).__name__ != "SparseHamiltonian":
        return all(observable_accepted(o, exact_expval) for o in operands)
    base = getattr(obs, "base", None)
    if base is not None and type(obs).__name__ in ("SProd", "Adjoint", "AdjointOperation"):
        return observable_accepted(base, exact_expval)
    if type(obs).__name__ in ("SparseHamiltonian", "Hermitian"):
        return exact_expval or type(obs).__name__ == "Hermitian"
    has = getattr(obs, "has_diagonalizing_gates", None)
    return True if has is None else bool(has)


def _first(results):
    return results[0]


@transform
def warn_readout_error_state(tape):
    """PennyLane's ``default.mixed`` transform: without shots, a ``UserWarning`` for each
    ``qml.state()`` or ``qml.density_matrix`` measured (readout errors do not change them);
    the tape as it is.

    >>> import warnings, qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.state()])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = warn_readout_error_state(t)
    >>> str(caught[0].message)
    'Measurement state(wires=[]) is not affected by readout error.'
    """
    if not tape.shots:
        for m in tape.measurements:
            if isinstance(m, (ops.StateMP, ops.DensityMatrixMP)) and type(m).__name__ in (
                    "StateMP", "DensityMatrixMP"):  # (not the entropies, PennyLane's)
                warnings.warn(f"Measurement {m} is not affected by readout error.", UserWarning)
    return (tape,), _first


def preprocess_transforms(self, execution_config=None):
    """PennyLane's ``preprocess_transforms``: the ``CompilePipeline`` run on tapes before
    ``execute``, PennyLane's ``DefaultQubit`` pipeline: ``decompose`` (operators without a
    matrix become their decomposition: :func:`qsym._preprocess.stopping_condition`),
    :func:`validate_device_wires`, :func:`validate_measurements`, with ``max_workers``
    ``validate_multiprocessing_workers``, for ``"backprop"`` ``no_sampling``, for
    ``"adjoint"`` PennyLane's adjoint transforms (decomposed to operators of one trainable
    parameter with a generator, one tape per parameter set). qsym's own executions do not
    need it (every table gate runs as it is). A user's device class gets an empty pipeline
    unless it defines ``preprocess``. A transformed device (``qml.add_noise(dev, ...)``)
    has its ``applied_transforms`` last."""
    program = _device_pipeline(self, execution_config)
    if getattr(self, "readout_prob", None) is not None and not _own(self):  # default.mixed's
        program.add_transform(warn_readout_error_state)
    applied = getattr(self, "applied_transforms", None)
    return program + applied if applied else program


def _device_pipeline(self, execution_config=None):
    if _own(self):
        if type(self).preprocess is not Device.preprocess:
            return self.preprocess(execution_config)[0] if execution_config else self.preprocess()[0]
        if not self.capabilities or not hasattr(self.capabilities, "observables"):
            # none declared, or a legacy device's capabilities method (default.gaussian's
            # dictionary): its own execute takes the tapes as they are
            return CompilePipeline()
        return capabilities_pipeline(self, execution_config or ExecutionConfig())
    config = execution_config or ExecutionConfig()
    method = config.mcm_config.mcm_method
    deferred = method == "deferred"
    program = CompilePipeline()
    if deferred:
        program.add_transform(transforms.defer_measurements, allow_postselect=True)
    stop = no_mcms_stopping_condition if deferred else allow_mcms_stopping_condition
    gates = getattr(type(self), "gate_stopping_condition", None)  # default.mixed's gate set
    if gates is not None:
        stop = functools.partial(_own_gates, gates, stop)
    program.add_transform(decompose, stopping_condition=stop, device_wires=self.wires,
                          target_gates=ALL_DQ_GATES, name=self.name)
    dq = self.name == "default.qubit"  # (PennyLane's DefaultQubit pipeline, in its order)
    if dq:
        program.add_transform(device_resolve_dynamic_wires, wires=self.wires,
                              allow_resets=not deferred)
    program.add_transform(validate_device_wires, self.wires, name=self.name)
    program.add_transform(validate_measurements, name=self.name)
    if dq:
        program.add_transform(_conditional_broadcast_expand)
        if method == "tree-traversal":
            program.add_transform(broadcast_expand)
        if method == "one-shot":
            program.add_transform(transforms.dynamic_one_shot,
                                  postselect_mode=config.mcm_config.postselect_mode)
    max_workers = config.device_options.get("max_workers", self._max_workers)
    if max_workers:
        program.add_transform(validate_multiprocessing_workers, max_workers, self)
    if config.gradient_method == "backprop":
        program.add_transform(no_sampling, name="backprop + default.qubit")
    if config.gradient_method == "adjoint":
        _add_adjoint_transforms(program, self.wires)
    return program


@transform
def _conditional_broadcast_expand(tape):
    """PennyLane's ``default.qubit`` transform: a broadcast tape measuring classical shadows
    (``classical_shadow``, ``shadow_expval``) becomes one tape per broadcast index
    (``broadcast_expand``); any other tape as it is.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX([0.1, 0.2], 0)], [qml.shadow_expval(qml.Z(0))],
    ...                            shots=10)
    >>> len(_conditional_broadcast_expand(t)[0])
    2
    """
    if any(isinstance(m, (ShadowExpvalMP, ClassicalShadowMP)) for m in tape.measurements):
        return broadcast_expand(tape)
    return (tape,), _first


def _own_gates(gates, stop, op) -> bool:
    """A device's stopping condition with its own gate set ``gates`` (PennyLane's
    ``default.mixed`` decomposes ``IsingZZ`` into ``CNOT RZ CNOT``, so noise inserted on the
    device follows each of them); mid-circuit measurements as ``stop`` says."""
    if type(op).__name__ in ("MidMeasure", "MidMeasureMP"):
        return stop(op)
    return gates(op)


# the observables diagonalize_measurements rotates to the computational basis
_BASE_OBSERVABLES = ("PauliZ", "PauliX", "PauliY", "Hadamard")


def _decompose_to(program, capabilities, name, by_name=False):
    analytic, sampled = capabilities.filter(finite_shots=False), capabilities.filter(True)
    if by_name:
        stop, stop_shots = (lambda o: analytic.supports_operation(o.name),
                            lambda o: sampled.supports_operation(o.name))
    else:
        stop, stop_shots = analytic.supports_operation, sampled.supports_operation
    program.add_transform(decompose, target_gates=analytic.gate_set() & sampled.gate_set(),
                          stopping_condition=stop, stopping_condition_shots=stop_shots,
                          name=name)


def capabilities_pipeline(dev, config):
    """PennyLane's default ``preprocess_transforms`` of a device class of your own that
    declares capabilities (its TOML file): the mid-circuit measurement method's transform,
    decomposition to the declared gates (per shots or not), splitting of the observables
    the device cannot measure together, diagonalization to the declared Pauli
    observables when it needs it, ``broadcast_expand``, and the checks of wires,
    measurements and observables."""
    caps = dev.capabilities
    program = CompilePipeline()
    method = config.mcm_config.mcm_method
    if method == "deferred":
        program.add_transform(transforms.defer_measurements,
                              allow_postselect=caps.supports_operation("Projector"))
    elif method == "one-shot":
        program.add_transform(transforms.dynamic_one_shot,
                              postselect_mode=config.mcm_config.postselect_mode)
    diagonalize = (not all(o in caps.observables for o in _BASE_OBSERVABLES)
                   and not caps.non_commuting_observables)
    if not diagonalize:
        _decompose_to(program, caps, dev.name)
    if not caps.overlapping_observables:
        program.add_transform(transforms.split_non_commuting, grouping_strategy="wires")
    elif not caps.non_commuting_observables:
        program.add_transform(transforms.split_non_commuting, grouping_strategy="qwc")
    elif not caps.supports_observable("Sum"):
        program.add_transform(transforms.split_to_single_terms)
    if diagonalize:
        classes = {"PauliZ": ops.PauliZ, "PauliX": ops.PauliX, "PauliY": ops.PauliY,
                   "Hadamard": ops.Hadamard}
        program.add_transform(transforms.diagonalize_measurements, supported_base_obs={
            classes[n] for n in _BASE_OBSERVABLES if n in caps.observables})
        _decompose_to(program, caps, dev.name, by_name=True)
    analytic, sampled = caps.filter(finite_shots=False), caps.filter(finite_shots=True)
    program.add_transform(broadcast_expand)
    program.add_transform(validate_device_wires, dev.wires, name=dev.name)
    program.add_transform(
        validate_measurements, name=dev.name,
        analytic_measurements=lambda m: type(m).__name__ in analytic.measurement_processes,
        sample_measurements=lambda m: type(m).__name__ in sampled.measurement_processes)
    program.add_transform(validate_observables, name=dev.name,
                          stopping_condition=observable_stopping_condition_factory(analytic),
                          stopping_condition_shots=observable_stopping_condition_factory(sampled))
    return program


def _add_adjoint_transforms(program, wires):
    """PennyLane's adjoint preprocessing: no shots, operators the adjoint method takes
    (:func:`qsym._preprocess.adjoint_ops`; a state preparation decomposed too), observables
    with a matrix, one parameter set per tape, no trainable state preparation."""
    name = "adjoint + default.qubit"
    program.add_transform(no_sampling, name=name)
    program.add_transform(decompose, stopping_condition=adjoint_ops, device_wires=wires,
                          target_gates=ALL_DQ_GATES, name=name, skip_initial_state_prep=False)
    program.add_transform(validate_observables, adjoint_observables, name=name)
    program.add_transform(validate_measurements, name=name)
    program.add_transform(adjoint_state_measurements)
    program.add_transform(broadcast_expand)
    program.add_transform(validate_adjoint_trainable_params)


@transform
def adjoint_state_measurements(tape):
    """PennyLane's check of the adjoint method's measurements: all expectation values, or
    only measurements without an observable (probabilities, the state), else a
    :class:`qsym.errors.DeviceError`.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.Z(0)), qml.probs(wires=0)])
    >>> try:
    ...     adjoint_state_measurements(t)
    ... except qml.DeviceError as exc:
    ...     print(str(exc)[:38])
    adjoint diff supports either all expec
    """
    kinds = [getattr(m, "kind", None) for m in tape.measurements]
    if all(k == "expval" for k in kinds):
        return (tape,), _first
    if any(getattr(m, "measured_obs", None) is not None or getattr(m, "diag", None)
           for m in tape.measurements):  # an observable, or a basis rotated into (probs(op=))
        raise DeviceError("adjoint diff supports either all expectation values or only "
                          "measurements without observables.")
    return (tape,), _first


def preprocess(self, execution_config=None):
    """PennyLane's ``preprocess``: ``(CompilePipeline, ExecutionConfig)``, the
    configuration from :func:`setup_execution_config` and the pipeline from
    :func:`preprocess_transforms`."""
    config = self.setup_execution_config(execution_config or ExecutionConfig())
    return self.preprocess_transforms(config), config


# --- derivatives ---------------------------------------------------------------------------
def _batch(circuits):
    single = isinstance(circuits, QuantumScript)
    return ((circuits,) if single else tuple(circuits)), single


def _arrays(result):
    """Jacobian entries as NumPy arrays (PennyLane's: a 0-d array, not a NumPy scalar)."""
    if isinstance(result, tuple):
        return tuple(_arrays(r) for r in result)
    return np.asarray(result)


def _jacobian(dev, tape):
    """The Jacobian of ``tape`` by its trainable parameters in PennyLane's shapes, by the
    proved shift rules, the shifted tapes run on ``dev``."""
    tapes, fn = param_shift(tape)
    return _arrays(fn(device_execute(dev, tapes)))


def _not_defined(self, what):
    raise NotImplementedError(f"{type(self).__name__} does not define {what}; qsym's "
                              "simulators (qml.device('default.qubit')) compute it")


# PennyLane's simulator tracking of the derivative methods (its ``simulator_tracking``): the
# keys of compute_<kind>'s batches, execute_and_compute_<kind>'s batches, and the circuits
TRACKED = {"derivatives": ("derivative_batches", "execute_and_derivative_batches", "derivatives"),
           "jvp": ("jvp_batches", "execute_and_jvp_batches", "jvps"),
           "vjp": ("vjp_batches", "execute_and_vjp_batches", "vjps")}


@contextlib.contextmanager
def tracked_as(dev, kind, circuits, executed=False):
    """Inside, ``dev``'s derivative method of ``kind`` (``"derivatives"``, ``"jvp"``,
    ``"vjp"``) runs; its trackers record it as PennyLane's ``default.qubit`` does (one
    update: the batch and its circuits, with ``executed`` its executions and each circuit's
    resources first), and nothing it runs inside is recorded (qsym's shifted circuits are
    how it computes the derivatives: PennyLane's adjoint method runs none).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    >>> with dev.tracker:
    ...     _ = dev.compute_derivatives((t, t))
    >>> dev.tracker.totals
    {'derivative_batches': 1, 'derivatives': 2}
    """
    batch, _ = _batch(circuits)
    alone, with_execution, count = TRACKED[kind]
    for tracker in list(dev.trackers):
        if executed:
            for c in batch:
                tracker.update(resources=tape_resources(c), errors={})
            tracker.update(**{with_execution: 1, "executions": len(batch), count: len(batch)})
        else:
            tracker.update(**{alone: 1, count: len(batch)})
        tracker.record()
    kept, dev.trackers = dev.trackers, []
    try:
        yield
    finally:
        dev.trackers = kept


def compute_derivatives(self, circuits, execution_config=None):
    """PennyLane's ``compute_derivatives``: each circuit's Jacobian by its trainable
    parameters (one tape: its Jacobian; a batch: a tuple), exact; tracked as PennyLane's
    (:func:`tracked_as`)."""
    if _own(self):
        _not_defined(self, "compute_derivatives")
    batch, single = _batch(circuits)
    with tracked_as(self, "derivatives", batch):
        jacs = tuple(_jacobian(self, t) for t in batch)
    return jacs[0] if single else jacs


def execute_and_compute_derivatives(self, circuits, execution_config=None):
    """PennyLane's ``execute_and_compute_derivatives``: ``(results, jacobians)``; tracked
    as PennyLane's (one update, :func:`tracked_as`)."""
    with (contextlib.nullcontext() if _own(self)  # PennyLane's base class: no tracking
          else tracked_as(self, "derivatives", circuits, executed=True)):
        return (self.execute(circuits, execution_config),
                self.compute_derivatives(circuits, execution_config))


def _per_entry(jac, n_meas, n_params):
    """``jac`` (PennyLane's shape) as a list per measurement of a list per parameter."""
    per_meas = [jac] if n_meas == 1 else list(jac)
    return [[j] if n_params == 1 else list(j) for j in per_meas]


def _real(values, what):
    """``values`` as a float array; a complex, text or ragged value is a DeviceError."""
    try:
        arr = np.asarray(values)
    except ValueError as exc:
        raise DeviceError(f"a {what} must be real numbers shaped as PennyLane's; got "
                          f"{values!r} ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise DeviceError(f"a {what} must be real numbers (a derivative of a real result "
                          f"is real); got {values!r} of dtype {arr.dtype}")
    return arr.astype(float)


def _partitions(tape, jac, per, what):
    """The Jacobian and the tangent/cotangent per part of a shot vector (one part without
    one): a shot vector's ``per`` is a tuple with one entry per part."""
    shots = getattr(tape, "shots", None)
    if not getattr(shots, "has_partitioned_shots", False):
        return [(jac, per)]
    parts = list(per) if isinstance(per, (tuple, list)) else [per]
    if len(parts) != len(jac):
        raise DeviceError(f"a tape with a shot vector of {len(jac)} parts needs one {what} "
                          f"per part (a tuple of {len(jac)}), got {len(parts)}")
    return list(zip(jac, parts))


def _jvp_one(jac, tape, tangent):
    n = len(tape.trainable_params)
    tangent = _real(tangent, "tangent").reshape(-1)
    if tangent.shape[0] != n and n:  # (no parameter: PennyLane's 0 whatever the tangent)
        raise DeviceError(f"a tangent needs one number per trainable parameter ({n}), got "
                          f"{tangent.shape[0]}")
    jac = _per_entry(jac, len(tape.measurements), n)
    out = tuple(np.asarray(sum((t * np.asarray(j) for t, j in zip(tangent, row)), 0.0))
                for row in jac)
    return out[0] if len(out) == 1 else out


def _jvp(dev, tape, tangent):
    out = tuple(_jvp_one(j, tape, t)
                for j, t in _partitions(tape, _jacobian(dev, tape), tangent, "tangent"))
    return out[0] if len(out) == 1 else out


def _vjp_one(jac, tape, cotangent):
    n = len(tape.trainable_params)
    n_meas = len(tape.measurements)
    jac = _per_entry(jac, n_meas, n)
    if n_meas == 1:
        cots = [cotangent]
    elif isinstance(cotangent, (tuple, list)) and len(cotangent) == n_meas:
        cots = list(cotangent)
    else:
        raise DeviceError(f"the tape has {n_meas} measurements: its cotangent is a tuple of "
                          f"{n_meas}, one shaped as each measurement's result; got "
                          f"{cotangent!r}")
    cots = [_real(c, "cotangent") for c in cots]
    for i, c in enumerate(cots):
        want = np.shape(jac[i][0]) if n else c.shape
        if c.size != int(np.prod(want)):
            raise DeviceError(f"the cotangent of measurement {i} ({tape.measurements[i]}) "
                              f"must have its result's shape {want}, got shape {c.shape}")
        cots[i] = c.reshape(want)
    return np.array([sum(np.sum(c * np.asarray(jac[i][k])) for i, c in enumerate(cots))
                     for k in range(n)])


def _vjp(dev, tape, cotangent):
    out = tuple(_vjp_one(j, tape, c)
                for j, c in _partitions(tape, _jacobian(dev, tape), cotangent, "cotangent"))
    return out[0] if len(out) == 1 else out


def _each(batch, single, per, what):
    """One tangent/cotangent per circuit of the batch (a DeviceError if the counts differ)."""
    if single:
        return (per,)
    per = tuple(per)
    if len(per) != len(batch):
        raise DeviceError(f"{len(batch)} circuits need {len(batch)} {what}s, one each; got "
                          f"{len(per)}")
    return per


def compute_jvp(self, circuits, tangents, execution_config=None):
    """PennyLane's ``compute_jvp``: each circuit's Jacobian times its tangent (one number
    per trainable parameter)."""
    if _own(self):
        _not_defined(self, "compute_jvp")
    batch, single = _batch(circuits)
    tangents = _each(batch, single, tangents, "tangent")
    with tracked_as(self, "jvp", batch):
        out = tuple(_jvp(self, t, v) for t, v in zip(batch, tangents))
    return out[0] if single else out


def compute_vjp(self, circuits, cotangents, execution_config=None):
    """PennyLane's ``compute_vjp``: each circuit's cotangent (shaped as its result) times
    its Jacobian, one number per trainable parameter."""
    if _own(self):
        _not_defined(self, "compute_vjp")
    batch, single = _batch(circuits)
    cotangents = _each(batch, single, cotangents, "cotangent")
    with tracked_as(self, "vjp", batch):
        out = tuple(_vjp(self, t, c) for t, c in zip(batch, cotangents))
    return out[0] if single else out


def execute_and_compute_jvp(self, circuits, tangents, execution_config=None):
    """PennyLane's ``execute_and_compute_jvp``: ``(results, jvps)``; tracked as
    PennyLane's (:func:`tracked_as`)."""
    with (contextlib.nullcontext() if _own(self)  # PennyLane's base class: no tracking
          else tracked_as(self, "jvp", circuits, executed=True)):
        return (self.execute(circuits, execution_config),
                self.compute_jvp(circuits, tangents, execution_config))


def execute_and_compute_vjp(self, circuits, cotangents, execution_config=None):
    """PennyLane's ``execute_and_compute_vjp``: ``(results, vjps)``; tracked as
    PennyLane's (:func:`tracked_as`)."""
    with (contextlib.nullcontext() if _own(self)  # PennyLane's base class: no tracking
          else tracked_as(self, "vjp", circuits, executed=True)):
        return (self.execute(circuits, execution_config),
                self.compute_vjp(circuits, cotangents, execution_config))


METHODS = {f.__name__: f for f in (
    supports_derivatives, supports_jvp, supports_vjp, setup_execution_config,
    preprocess_transforms, preprocess, compute_derivatives, execute_and_compute_derivatives,
    compute_jvp, compute_vjp, execute_and_compute_jvp, execute_and_compute_vjp)}


def install(device_class) -> None:
    """Give ``device_class`` PennyLane's device API methods (this module's functions)."""
    for name, f in METHODS.items():
        setattr(device_class, name, f)


install(Device)

__all__ = ["supports_adjoint", "validate_device_wires", "validate_measurements",
           "observable_accepted",
           "adjoint_state_measurements", "install", "MCMConfig"]
