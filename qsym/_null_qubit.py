"""PennyLane's ``null.qubit``: a device that runs nothing and returns zeros of the shapes
and types its simulators would return (``qml.device("null.qubit", wires=...)``,
``qml.devices.NullQubit``), for counting resources and timing everything but simulation.

Every measurement gives zeros of PennyLane's shape and type (``mp.shape(shots, wires)``,
``mp.numeric_type``): ``expval``, ``var`` and the state quantities ``0.0``; ``probs`` and
``state`` the basis state ``|0...0>`` (``[1, 0, ...]``); ``sample`` zeros; ``counts`` all
shots on the first outcome (``"00"``, or an observable's least eigenvalue);
``classical_shadow`` zeros of type ``int8``. A shot vector gives one result per part, a
broadcast tape one per parameter set. Derivatives (``compute_derivatives``,
``compute_jvp``, ``compute_vjp`` and their ``execute_and_...`` forms) are zeros too, and
``dev.tracker`` records what PennyLane's simulators record (``simulator_tracking``:
batches, executions, resources, derivatives, jvps, vjps).

>>> import qsym as qml
>>> dev = qml.device("null.qubit", wires=2)
>>> t = qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1])],
...                            [qml.expval(qml.Z(0)), qml.probs()])
>>> dev.execute(t)
(array(0.), array([1., 0., 0., 0.]))
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import devices
from ._preprocess import decompose
from ._tapes import QuantumScript, tape_resources, tape_view
from .decomposition import enabled_graph, has_decomp
from .devices import Device, ExecutionConfig, qpu_executions, shadow_measurements

NAME = "null.qubit"
# the gradient methods null.qubit gives (zero) derivatives for
DEVICE_METHODS = ("device", "backprop", "adjoint")


# --- zeros of each measurement ------------------------------------------------------------
def zero_measurement(mp, num_device_wires: int, shots, batch_size):
    """The result ``null.qubit`` gives for the measurement ``mp`` (PennyLane's
    ``zero_measurement``): zeros of ``mp.shape(shots, num_device_wires)`` and its
    ``numeric_type``, with a leading axis of ``batch_size`` for a broadcast tape;
    ``probs`` and ``state``: ``|0...0>``; ``counts``: every shot on the first outcome.

    >>> import qsym as qml
    >>> zero_measurement(qml.probs(wires=[0]), 2, None, None)
    array([1., 0.])
    >>> zero_measurement(qml.counts(wires=[0, 1], all_outcomes=True), 2, 3, None)
    {'00': array(3), '01': array(0), '10': array(0), '11': array(0)}
    >>> zero_measurement(qml.sample(wires=[0]), 2, 3, 2).shape
    (2, 3, 1)
    """
    kind = getattr(mp, "kind", None)
    if getattr(mp, "shadow", None) and mp.shadow[0] == "classical_shadow":
        if batch_size is not None:
            raise ValueError("Parameter broadcasting is not supported with null.qubit and "
                             "qml.classical_shadow")
        return np.zeros(mp.shape(shots, num_device_wires), dtype=np.int8)
    if kind == "counts":
        return _zero_counts(mp, num_device_wires, shots, batch_size)
    if kind == "probs" or (kind == "state" and not getattr(mp, "reduce", ())[:1]):
        n = len(mp.wires or ()) or num_device_wires
        state = [1.0] + [0.0] * (2**n - 1)
        return np.asarray(state if batch_size is None else [state] * batch_size)
    shape = mp.shape(shots, num_device_wires)
    if batch_size is not None:
        shape = (batch_size,) + tuple(shape)
    return np.zeros(shape, dtype=mp.numeric_type)


def _zero_counts(mp, num_device_wires, shots, batch_size):
    if getattr(mp, "measured_obs", None) is None and getattr(mp, "mv", None) is None:
        n = len(mp.wires or ()) or num_device_wires
        outcomes = [f"{x:0{n}b}" for x in range(2**n)]
    else:  # an observable's (or a mid-circuit value's) eigenvalues: the least gets the shots
        outcomes = sorted(np.real(mp.eigvals()))
    results = {outcomes[0]: np.asarray(shots)}
    if mp.all_outcomes:
        results.update((v, np.asarray(0)) for v in outcomes[1:])
    return results if batch_size is None else tuple(results for _ in range(batch_size))


def _device_wires(dev, circuit) -> int:
    return len(dev.wires) if dev.wires else len(circuit.wires)


def zero_results(dev, circuit):
    """The results of ``circuit`` on the null device ``dev``: one per measurement (the
    value itself for one), one such per part of a shot vector."""
    n = _device_wires(dev, circuit)
    shots = circuit.shots
    results = []
    for s in (list(shots) if shots else [None]):
        r = tuple(zero_measurement(mp, n, s, circuit.batch_size) for mp in circuit.measurements)
        results.append(r[0] if len(r) == 1 else r)
    return tuple(results) if shots.has_partitioned_shots else results[0]


def zero_derivatives(dev, circuit):
    """The Jacobian of ``circuit`` on ``dev``: zeros shaped as each measurement's result,
    one per trainable parameter (PennyLane's nesting: the entry itself for one parameter,
    the measurement's entry itself for one measurement)."""
    n_wires = _device_wires(dev, circuit)
    shots = circuit.shots.total_shots if circuit.shots else None
    n = len(circuit.trainable_params)
    out = tuple((np.zeros_like(zero_measurement(mp, n_wires, shots, circuit.batch_size)),) * n
                for mp in circuit.measurements)
    if n == 1:
        out = tuple(d[0] for d in out)
    return out[0] if len(out) == 1 else out


def _zero_vjp(circuit):
    n = len(circuit.trainable_params)
    return np.zeros((n,) if circuit.batch_size is None else (n, circuit.batch_size))


def _zero_jvp(circuit):
    out = (np.asarray(0.0),) * len(circuit.measurements)
    return out[0] if len(out) == 1 else out


# --- what a tracker records of a tape --------------------------------------------------------
def tape_executions(tape) -> tuple:
    """PennyLane's ``get_num_shots_and_executions``: the circuits hardware would run for
    ``tape`` and the shots they take (groups of commuting measurements, a shadow's
    snapshots, times the batch size)."""
    view = tape_view(tape)
    total = tape.shots.total_shots if tape.shots else 0
    shadows = shadow_measurements(view)
    groups = (qpu_executions(view) if len(view.measurements) > shadows else 0)
    executions = groups + shadows * total
    size = tape.batch_size or 1
    return executions * size, (groups + shadows) * total * size


def _batch(circuits):
    return (circuits,) if isinstance(circuits, QuantumScript) else tuple(circuits)


def _one_or_all(circuits, results):
    return results[0] if isinstance(circuits, QuantumScript) else results


# --- the device -------------------------------------------------------------------------------
class NullQubit(Device):
    """PennyLane's ``null.qubit`` (``qml.device("null.qubit", wires=...)``): runs no
    circuit; every result and derivative is zeros of PennyLane's shapes and types, and
    ``dev.tracker`` records the circuits (resources, executions, shots) as PennyLane's
    simulators do. ``target_device`` (a device) lends its preprocessing (default:
    ``default.qubit``'s), with operators that have no decomposition accepted as they are.

    >>> import qsym as qml
    >>> dev = qml.devices.NullQubit(wires=2)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.Z(0)), qml.probs(wires=[0, 1])
    >>> circuit(0.5)
    (array(0.), array([1., 0., 0., 0.]))
    >>> with qml.Tracker(dev) as tracker:
    ...     _ = circuit(0.5)
    >>> tracker.latest["resources"].gate_types
    {'RX': 1}
    """

    @property
    def name(self):
        return NAME

    @property
    def short_name(self):
        return NAME

    def __init__(self, wires=None, shots=None, track_resources=False, resources_filename=None,
                 compute_depth=None, target_device=None):
        super().__init__(NAME, wires=wires, shots=shots, seed=None)
        self._debugger = None
        if isinstance(target_device, NullQubit):
            target_device = target_device._target_device
        self._target_device = target_device
        # PennyLane's options for Catalyst's resource tracking (kept, not used by qsym)
        self.device_kwargs = {"track_resources": track_resources}
        if resources_filename is not None:
            self.device_kwargs["resources_filename"] = resources_filename
        if compute_depth is not None:
            self.device_kwargs["compute_depth"] = compute_depth
        if target_device is not None:
            self.config_filepath = target_device.config_filepath

    def __repr__(self):
        wires = None if self.wires is None else list(self.wires)
        return f"<qsym device 'null.qubit', wires={wires}>"

    # --- configuration ---------------------------------------------------------------------
    def preprocess(self, execution_config=None):
        """The target device's preprocessing (``default.qubit``'s if none), its ``decompose``
        accepting every operator without a decomposition (``strict=False``); ``"best"`` and
        ``"adjoint"`` become ``"device"`` (PennyLane's NullQubit)."""
        config = execution_config or ExecutionConfig()
        target = self._target_device or devices.DefaultQubit(wires=self.wires, seed=None)
        program, _ = target.preprocess(config)
        for bound in program:
            if bound.tape_transform is decompose.tape_transform:
                _accept_undecomposable(bound.kwargs)
        method = config.gradient_method
        updated = {}
        if method in ("best", "adjoint"):
            updated["gradient_method"] = "device"
        if config.use_device_gradient is None:
            updated["use_device_gradient"] = method in ("best", "device", "adjoint", "backprop")
        if config.use_device_jacobian_product is None:
            updated["use_device_jacobian_product"] = method == "device"
        if config.grad_on_execution is None:
            updated["grad_on_execution"] = method == "device"
        return program, dataclasses.replace(config, **updated)

    def supports_derivatives(self, execution_config=None, circuit=None):
        return execution_config is None or execution_config.gradient_method in DEVICE_METHODS

    supports_jvp = supports_vjp = supports_derivatives

    # --- executions and derivatives (PennyLane's simulator tracking) --------------------------
    def execute(self, circuits, execution_config=None):
        batch = _batch(circuits)
        results = tuple(zero_results(self, c) for c in batch)
        tracker = self.tracker
        if tracker.active:
            tracker.update(batches=1)
            tracker.record()
            for r, c in zip(results, batch):
                executions, shots = tape_executions(c)
                record = {"simulations": 1, "executions": executions, "results": r}
                if c.shots:
                    record["shots"] = shots
                tracker.update(**record, resources=tape_resources(c), errors=c.specs["errors"])
                tracker.record()
        return _one_or_all(circuits, results)

    # PennyLane's tracker keys of each derivative kind: (batches of compute_<kind>, of
    # execute_and_compute_<kind>, circuits), and the zeros each circuit gets
    _KINDS = {"derivatives": ("derivative_batches", "execute_and_derivative_batches",
                              "derivatives"),
              "jvp": ("jvp_batches", "execute_and_jvp_batches", "jvps"),
              "vjp": ("vjp_batches", "execute_and_vjp_batches", "vjps")}

    def _zeros(self, kind, c):
        if kind == "derivatives":
            return zero_derivatives(self, c)
        return _zero_jvp(c) if kind == "jvp" else _zero_vjp(c)

    def _compute(self, kind, circuits):
        """``compute_<kind>``: the zeros of each circuit, tracked as PennyLane's."""
        batch = _batch(circuits)
        batches, _, count = self._KINDS[kind]
        if self.tracker.active:
            self.tracker.update(**{batches: 1, count: len(batch)})
            self.tracker.record()
        return _one_or_all(circuits, tuple(self._zeros(kind, c) for c in batch))

    def _execute_and(self, kind, circuits):
        """``execute_and_compute_<kind>``: the results and the zeros, tracked as
        PennyLane's (each circuit's resources, then one record of the batch)."""
        batch = _batch(circuits)
        _, batches, count = self._KINDS[kind]
        if self.tracker.active:
            for c in batch:
                self.tracker.update(resources=tape_resources(c), errors=c.specs["errors"])
            self.tracker.update(**{batches: 1, "executions": len(batch), count: len(batch)})
            self.tracker.record()
        results = tuple(zero_results(self, c) for c in batch)
        zeros = tuple(self._zeros(kind, c) for c in batch)
        return _one_or_all(circuits, results), _one_or_all(circuits, zeros)

    def compute_derivatives(self, circuits, execution_config=None):
        return self._compute("derivatives", circuits)

    def execute_and_compute_derivatives(self, circuits, execution_config=None):
        return self._execute_and("derivatives", circuits)

    def compute_jvp(self, circuits, tangents, execution_config=None):
        return self._compute("jvp", circuits)

    def execute_and_compute_jvp(self, circuits, tangents, execution_config=None):
        return self._execute_and("jvp", circuits)

    def compute_vjp(self, circuits, cotangents, execution_config=None):
        return self._compute("vjp", circuits)

    def execute_and_compute_vjp(self, circuits, cotangents, execution_config=None):
        return self._execute_and("vjp", circuits)


def _op_has_decomp(op) -> bool:
    """Whether ``op`` has a decomposition (with the graph-based system on, a rule)."""
    return has_decomp(type(op)) if enabled_graph() else bool(op.has_decomposition)


def _accept_undecomposable(kwargs: dict) -> None:
    """A ``decompose`` transform's options changed so that operators without a
    decomposition are kept (``strict=False``; PennyLane's NullQubit.preprocess)."""
    original = kwargs["stopping_condition"]
    kwargs["stopping_condition"] = lambda op: not _op_has_decomp(op) or original(op)
    kwargs["strict"] = False
    shots_condition = kwargs.get("stopping_condition_shots")
    if shots_condition is not None:
        kwargs["stopping_condition_shots"] = (
            lambda op: not op.has_decomposition or shots_condition(op))


devices.register_device_class(NullQubit)

__all__ = ["NullQubit", "zero_measurement", "tape_resources", "tape_executions"]
