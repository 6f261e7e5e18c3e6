"""PennyLane's tapes (``qml.tape.QuantumScript`` / ``QuantumTape``), run through qsym's own
pipeline: a tape's gates and measurements become a circuit function of the tape's
parameters, which a :class:`~qsym.QNode` traces and compiles like any other (one compiled
circuit per tape structure, so the shifted tapes of a gradient share it), and
``qml.execute`` / ``dev.execute`` run tapes with it.

>>> import qsym as qml
>>> tape = qml.tape.QuantumScript([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
>>> round(float(qml.execute([tape], qml.device("default.qubit", wires=1))[0]), 12)  # cos(0.5)
0.87758256189
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import copy as _copy
import warnings
from collections.abc import MutableMapping
from types import SimpleNamespace

import autograd.numpy as anp
import numpy as np
from autograd.builtins import tuple as ag_tuple
from autograd.extend import defvjp, primitive
from autograd.tracer import Box, getval

from ._cache import Memo
from ._circuit_graph import RESOURCE_DEPTH_TYPES, CircuitGraph
from ._custom_measurements import refuse_derivative, split_custom
from ._mcm import Conditional, MidMeasure, PauliMeasure, postselecting
from ._operations import (UNSET_BATCH_SIZE, GATE_CLASSES, METHODS, GateSequence,
                          LinearCombination,
                          MeasurementProcess, Observable, Projector, SProd, Sum, as_observable,
                          counts, expval, merge_matmul, probs, sample, var)
from ._runtime import CACHED_SHOTS_WARNING
from ._opmath import Evolution, Exp, SymbolicOp, apply_operation, prod
from ._shots import Shots
from .numpy import tensor
from ._trace import QueueLog, Tape, active_tape, not_recording, recording
from . import devices
from .errors import (ArgumentError, DeviceError, DifferentiationError, GateError, MethodError,
                     QuantumFunctionError, WireError)
from .exceptions import PennyLaneDeprecationWarning
from .resource import circuit_resources

__all__ = ["QuantumScript", "QuantumTape", "make_qscript", "apply", "expand_tape_state_prep", "execute", "rebuild_op",
           "tape_gradient", "device_derivatives", "jacobian_rows",
           "device_execute", "light_cone_params", "install_device_execute", "tape_view",
           "tape_resources", "UNSET_BATCH_SIZE"]


def _expanded(ops, depth, stop_at):
    out = []
    for op in ops:
        if isinstance(op, QuantumScript) and depth >= 1 and not (stop_at and stop_at(op)):
            out.extend(_expanded(op.operations, depth - 1, stop_at))  # a tape in the tape
            continue
        keep = (depth < 1 or (stop_at is not None and stop_at(op))
                or not getattr(op, "has_decomposition", False))
        if keep:
            out.append(op)
            continue
        with recording(_Recorder()):
            try:
                parts = op.decomposition()
            except GateError:
                out.append(op)
                continue
        out.extend(_expanded(parts, depth - 1, stop_at))
    return out


_NOT_QWC = ("Only observables that are qubit-wise commuting Pauli words can be returned on the "
            "same wire, some of the following measurements do not commute:\n{}")


def _measured_op(m):
    """The operator a measurement reads (its observable as written, ``probs(op=...)``'s
    operator), None for the computational basis."""
    return m.written_obs if m.measured_obs is not None else getattr(m, "op", None)


def _check_basis_sampling(tape) -> None:
    """PennyLane's check before expanding a tape that samples the computational basis:
    every measured observable must commute qubit-wise with ``Z`` on the sampled wires."""
    from .pauli import are_pauli_words_qwc

    plain = [m for m in tape.measurements if getattr(m, "mv", None) is None]
    basis = [m for m in plain if _measured_op(m) is None]
    wires = [w for m in basis for w in m.wires]
    if any(len(m.wires) == 0 for m in basis):  # every wire
        wires = [w for m in tape.measurements for w in m.wires]
    wires = list(dict.fromkeys(wires))
    if not wires:
        return
    with recording(_Recorder()):
        z = prod(*[GATE_CLASSES["PauliZ"](w) for w in wires]) if len(wires) > 1 else \
            GATE_CLASSES["PauliZ"](wires[0])
    for m in plain:
        if _measured_op(m) is None:
            continue
        try:
            commuting = are_pauli_words_qwc([_measured_op(m), z])
        except (TypeError, ValueError):  # not a Pauli word
            commuting = False
        if not commuting:
            raise QuantumFunctionError(_NOT_QWC.format(tape.measurements))


_REMEASURE = {"expval": lambda m, o: expval(o), "var": lambda m, o: var(o),
              "sample": lambda m, o: sample(o),
              "counts": lambda m, o: counts(o, all_outcomes=m.all_outcomes),
              "probs": lambda m, o: probs(op=o)}


def _diagonalized(tape) -> tuple:
    """PennyLane's ``rotations_and_diagonal_measurements``: for observables sharing a
    wire, the rotations to their common eigenbasis and the measurements of the diagonal
    (``Z``) words; ``([], measurements)`` when no wire is shared."""
    from .pauli import diagonalize_qwc_pauli_words

    ids = tape.obs_sharing_wires_id
    if not ids:
        return [], list(tape.measurements)
    try:
        with recording(_Recorder()):
            rotations, diagonal = diagonalize_qwc_pauli_words(tape.obs_sharing_wires)
    except (TypeError, ValueError) as exc:
        if any(m.kind in ("probs", "sample", "counts") for m in tape.measurements):
            raise QuantumFunctionError(
                "Only observables that are qubit-wise commuting Pauli words can be returned "
                "on the same wire.\nTry removing all probability, sample and counts "
                "measurements this will allow for splitting of execution and separate "
                "measurements for each non-commuting observable.") from exc
        raise QuantumFunctionError(_NOT_QWC.format(tape.measurements)) from exc
    measurements = list(tape.measurements)
    with recording(_Recorder()):
        for o, i in zip(diagonal, ids):
            measurements[i] = _REMEASURE[measurements[i].kind](measurements[i], o)
    return rotations, measurements


def _eigvals_measurements(ops, measurements, depth, stop_at) -> tuple:
    """PennyLane's ``expand(expand_measurements=True)``: each measurement of an observable
    with diagonalizing gates becomes those gates (expanded ``depth - 1`` more times) and
    the same measurement of the observable's eigenvalues on its wires."""
    ops, out = list(ops), []
    for m in measurements:
        obs = getattr(m, "obs", None)
        if obs is None or (stop_at is not None and stop_at(m)):
            out.append(m)
            continue
        try:
            with recording(_Recorder()):
                gates = obs.diagonalizing_gates()
                new = type(m)(eigvals=obs.eigvals(), wires=obs.wires)
        except GateError:  # no diagonalizing gates or eigenvalues: measured as it is
            out.append(m)
            continue
        out.append(new)
        ops.extend(_expanded(gates, depth - 1, stop_at))
    return ops, out


def _first(seen: set, key) -> bool:
    """Whether ``key`` is new (and note it)."""
    if key in seen:
        return False
    seen.add(key)
    return True


class _Recorder(Tape):
    """A tape that also keeps the measurements made while it records."""

    def add_measurement(self, mp) -> None:
        self.items.append(mp)


# PennyLane's sentinel of a batch size not worked out yet (``qml.operation._UNSET_BATCH_SIZE``):
# UNSET_BATCH_SIZE, qsym._operations' (imported above)

# the operations PennyLane counts as state preparations (its StatePrepBase)
STATE_PREPARATIONS = frozenset({"StatePrep", "BasisState", "AmplitudeEmbedding",
                                "QubitDensityMatrix", "QubitStateVector"})


def measured_wires(m) -> tuple:
    """A measurement's wires (PennyLane's ``mp.wires``): its observable's as written,
    identity factors included (``var(I(3))`` is on wire 3: the internal observable
    ``measured_obs`` has no identity wire), else the wires given."""
    wires = getattr(m, "wires", None)
    if wires is not None:
        return tuple(wires)
    obs = getattr(m, "measured_obs", None)
    return tuple(obs.wires if obs is not None else ())


def _copied_measurement(m):
    """A copy of the measurement ``m`` with its own observable objects (PennyLane's
    ``copy(mp)``: the parameters themselves shared)."""
    new = _copy.copy(m)
    for name in ("measured_obs", "_written"):
        if getattr(m, name, None) is not None:
            setattr(new, name, _copy.copy(getattr(m, name)))
    return new


def mapped_measurement(m, wire_map: dict):
    """A copy of the measurement ``m`` on the wires ``wire_map`` gives."""
    from ._opfunctions import map_wires

    new = _copy.copy(m)
    if getattr(m, "measured_obs", None) is not None:
        new.measured_obs = map_wires(m.measured_obs, wire_map)
    if getattr(m, "_written", None) is not None:  # the observable as written (its printing)
        new._written = map_wires(m._written, wire_map)
    if getattr(m, "raw_wires", None) is not None:  # given wires (not an observable's)
        new.wires = tuple(wire_map.get(w, w) for w in m.raw_wires)
    return new


def rebuild_op(op, params):
    """A copy of gate ``op`` with other parameters (not recorded on any tape; PennyLane's
    ``qml.ops.functions.bind_new_parameters``).

    >>> import qsym as qml
    >>> rebuild_op(qml.RX(0.1, wires=0), [0.2])
    RX(0.2, wires=[0])
    """
    with recording(_Recorder()):  # made, not applied anywhere (autograd boxes kept)
        return op.remake(params)


def bind_new_parameters(op, params):
    """PennyLane's ``qml.ops.functions.bind_new_parameters``: a new operator of ``op``'s
    type with ``params`` in place of its data (``op`` unchanged, nothing recorded).
    Operators made of others take their parameters in PennyLane's order: a scalar product
    its scalar then its base's, an ``Exp`` its coefficient then its base's, a sum or a
    product its operands' in turn, a ``LinearCombination`` each coefficient followed by its
    operator's data.

    >>> import qsym as qml
    >>> bind_new_parameters(qml.s_prod(0.5, qml.RX(0.1, wires=0)), [2.0, 0.3])
    2.0 * RX(0.3, wires=[0])
    >>> bind_new_parameters(qml.Hamiltonian([1.0, 2.0], [qml.X(0), qml.Z(1)]), [3.0, 4.0])
    3.0 * X(0) + 4.0 * Z(1)
    """
    params = list(params)
    if isinstance(op, Exp) and not hasattr(op, "remake"):  # an operator, not applied
        with not_recording():
            return type(op)(bind_new_parameters(op.base, params[1:]), params[0],
                            num_steps=op.num_steps)
    with recording(_Recorder()):
        if isinstance(op, Evolution):  # PennyLane's data: the parameter, then the base's
            return Evolution(bind_new_parameters(op.base, params[1:]), params[0],
                             num_steps=op.num_steps, id=op.id)
        if isinstance(op, Projector):  # PennyLane's: Projector(state, wires), the class by
            return Projector(*params, wires=op.wires)  # the state (basis or vector)
        if hasattr(op, "remake") and not isinstance(op, (Sum, SProd)) and not hasattr(op, "operands"):
            return op.remake(params)
        if isinstance(op, SProd):
            return SProd(params[0], bind_new_parameters(op.base, params[1:]))
        if isinstance(op, LinearCombination):
            coeffs, ops, i = [], [], 0
            for o in op.ops:
                n = len(o.data)
                coeffs.append(params[i])
                ops.append(bind_new_parameters(o, params[i + 1:i + 1 + n]) if n else o)
                i += 1 + n
            new = LinearCombination(coeffs, ops)
            if op.grouping_indices is not None:
                new.grouping_indices = op.grouping_indices
            return new
        if hasattr(op, "operands"):
            new_ops = []
            for o in op.operands:
                n = len(o.data)
                new_ops.append(bind_new_parameters(o, params[:n]))
                params = params[n:]
            return type(op)(*new_ops)
        if getattr(op, "num_params", len(op.data)) == len(params) and hasattr(op, "wires"):
            try:  # PennyLane's default: the class made again with the new parameters
                return type(op)(*params, wires=op.wires,
                                **_copy.deepcopy(dict(getattr(op, "hyperparameters", {}))))
            except (TypeError, ValueError):
                pass
        new = _copy.deepcopy(op)
        new.data = tuple(params)
        return new


# a template holding an operator (a Hamiltonian) binds its data through it (qsym.templates)
METHODS["bind_new_parameters"] = bind_new_parameters


def gate_parameters(tape) -> list:
    """The gates' parameters of ``tape``, in order (its :attr:`QuantumScript.data`
    without the measured observables'; PennyLane's
    ``get_parameters(trainable_only=False, operations_only=True)``)."""
    return [p for op in tape.operations for p in op.data]


def measured_observable(m):
    """The observable measurement ``m`` reads, as written (None without one)."""
    return m.written_obs if getattr(m, "measured_obs", None) is not None else None


def observable_parameters(m) -> tuple:
    """The parameters of measurement ``m``'s observable as written (a ``Hamiltonian``'s
    coefficients, a scalar product's scalar, a ``Hermitian``'s matrix): PennyLane's tape
    parameters after the gates' (a CV observable's, ``PolyXP``'s matrix, are not)."""
    obs = measured_observable(m)
    if obs is None or getattr(m, "mv", None) is not None:  # (mid-circuit values: none)
        return ()
    if hasattr(obs, "heisenberg_obs"):  # a CV observable's: not counted (docs/pennylane.md)
        return ()
    return tuple(getattr(obs, "data", None) or ())


def remeasured(m, params):
    """The measurement ``m`` of its observable with parameters ``params`` (recorded
    nowhere): PennyLane's ``bind_new_parameters`` of a measurement's observable."""
    if m.kind not in _REMEASURE:
        raise ArgumentError(f"qsym cannot change the observable's parameters of {m!r} "
                            "(a measurement of kind expval, var, sample, counts or probs can)")
    obs = bind_new_parameters(measured_observable(m), params)
    with not_recording():  # (outside a circuit: a CV observable is measured as data)
        return _REMEASURE[m.kind](m, obs)


# PennyLane's ``tape.draw`` is ``qml.drawer.tape_text``: qsym._text_drawer sets it here
TAPE_TEXT: dict = {}


class QuantumScript:
    """PennyLane's ``qml.tape.QuantumScript``: gates, measurements and shots, executable
    with :func:`execute` or ``dev.execute`` and differentiable with ``qml.gradients``.

    Parameters are the gates' parameters, then the measured observables' (a Hamiltonian's
    coefficients: PennyLane's), in order (``tape.get_parameters()``);
    ``trainable_params`` (all of them unless set) are the ones gradient transforms
    differentiate, and ``get_parameters``/``set_parameters``/``num_params`` count them.

    >>> import qsym as qml
    >>> s = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)], [qml.expval(qml.Z(0))], shots=10)
    >>> s.num_params, s.get_parameters(), s.shots.total_shots
    (2, [0.1, 0.2], 10)
    >>> s.trainable_params = [1]
    >>> s.get_parameters(), s.get_parameters(trainable_only=False)
    ([0.2], [0.1, 0.2])
    """

    def __init__(self, ops=(), measurements=(), shots=None, trainable_params=None):
        self.operations = list(() if ops is None else ops)
        self.measurements = list(() if measurements is None else measurements)
        self._shots = Shots(shots)
        self._trainable = trainable_params  # as given (PennyLane's); the setter sorts
        # PennyLane's cached attributes (reset by _update); qsym computes them on demand
        self._graph = self._specs = None
        self._batch_size = UNSET_BATCH_SIZE
        self._obs_sharing_wires = self._obs_sharing_wires_id = None

    def _update(self) -> None:
        """PennyLane's ``_update``: forget what was worked out from the gates and
        measurements (the specs, which parameters are trainable: all again), after the
        lists were changed in place."""
        self._graph = self._specs = None
        self._trainable = None
        self._batch_size = UNSET_BATCH_SIZE
        self._obs_sharing_wires = self._obs_sharing_wires_id = None

    # PennyLane's pytree of a script: (gates, measurements), (shots, trainable indices)
    def _flatten(self):
        return (self.operations, self.measurements), (self.shots, tuple(self.trainable_params))

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data, shots=metadata[0], trainable_params=metadata[1])

    @classmethod
    def from_queue(cls, queue, shots=None) -> "QuantumScript":
        """The script of the gates and measurements an ``AnnotatedQueue`` (or a
        :class:`QuantumTape`) recorded."""
        items = list(queue.queue)
        _check_queue_order(items)
        return cls(*_split_queue(items), shots)

    @property
    def shots(self) -> Shots:
        """The shots, a :class:`~qsym.measurements.Shots` (``Shots(None)``: exact)."""
        return self._shots

    @property
    def circuit(self) -> list:
        return self.operations + self.measurements

    # PennyLane's private names of the two lists (tests and transforms edit or set them)
    _ops = property(lambda self: self.operations, lambda self, v: setattr(self, "operations", v),
                    doc="the gate list itself")
    _measurements = property(lambda self: self.measurements,
                             lambda self, v: setattr(self, "measurements", v),
                             doc="the measurement list itself")
    # PennyLane's attribute behind trainable_params: None until they are read or set
    _trainable_params = property(lambda self: self._trainable,
                                 lambda self, v: setattr(self, "_trainable",
                                                         None if v is None else list(v)),
                                 doc="the trainable indices, None until read or set")

    @property
    def wires(self):
        """The wires of the gates and measurements, in order of first use."""
        from .wires import Wires

        seen = {}
        for op in self.operations:
            for w in (getattr(op, "wires", None) or ()):
                seen.setdefault(w, None)
        for m in self.measurements:
            for w in measured_wires(m):
                seen.setdefault(w, None)
        return Wires(list(seen))

    @property
    def op_wires(self):
        """The wires of the gates, in order of first use (PennyLane's ``op_wires``)."""
        from .wires import Wires

        return Wires(list(dict.fromkeys(w for op in self.operations for w in op.wires)))

    @property
    def num_preps(self) -> int:
        """How many state preparations (``StatePrep``, ``BasisState``, ...) open the
        script: the index of its first other operation (PennyLane's ``num_preps``)."""
        k = 0
        while k < len(self.operations) and self.operations[k].name in STATE_PREPARATIONS:
            k += 1
        return k

    @property
    def samples_computational_basis(self) -> bool:
        """Whether a measurement samples the computational basis (one without an
        observable: ``probs``, ``sample``, ``counts`` of wires, ``state``; as PennyLane's,
        not a classical-shadow measurement, which samples random Pauli bases)."""
        return any(_measured_op(m) is None and getattr(m, "shadow", None) is None
                   for m in self.measurements)

    @property
    def obs_sharing_wires(self) -> list:
        """The observables that share a wire with another measured observable
        (PennyLane's ``obs_sharing_wires``)."""
        return [_measured_op(self.measurements[i]) for i in self.obs_sharing_wires_id]

    @property
    def obs_sharing_wires_id(self) -> list:
        """The indices of the measurements of :attr:`obs_sharing_wires`."""
        from collections import Counter

        # a measurement of an operator: an observable, or probs(op=...) (PennyLane's obs)
        used = Counter(w for m in self.measurements if _measured_op(m) is not None
                       for w in measured_wires(m))
        ids = [i for i, m in enumerate(self.measurements)
               if _measured_op(m) is not None
               and any(used[w] > 1 for w in measured_wires(m))]
        # PennyLane's cached attributes, set when read (qsym works them out each time)
        self._obs_sharing_wires_id = ids
        self._obs_sharing_wires = [_measured_op(self.measurements[i]) for i in ids]
        return ids

    def get_operation(self, idx: int) -> tuple:
        """``(operation, operation index, parameter index in it)`` of trainable parameter
        ``idx`` (PennyLane's ``get_operation``)."""
        info = self.par_info[self.trainable_params[idx]]
        return info["op"], info["op_idx"], info["p_idx"]

    def _get_standard_wire_map(self):
        """PennyLane's wire map to standard wires (gate wires, then measured-only wires,
        then work wires only, as ``0, 1, 2, ...``); None when they already are."""
        op_wires = list(self.op_wires)
        meas = [w for m in self.measurements for w in measured_wires(m)]
        meas_only = list(dict.fromkeys(w for w in meas if w not in op_wires))
        work = [w for op in self.operations for w in (getattr(op, "work_wires", None) or ())]
        work_only = list(dict.fromkeys(w for w in work if w not in op_wires + meas_only))
        n, k = len(op_wires), len(op_wires) + len(meas_only)
        if (set(op_wires) == set(range(n)) and set(meas_only) == set(range(n, k))
                and set(work_only) == set(range(k, k + len(work_only)))):
            return None
        return {w: i for i, w in enumerate(op_wires + meas_only + work_only)}

    def map_to_standard_wires(self) -> "QuantumScript":
        """The script on standard wires (:meth:`_get_standard_wire_map`), or itself when
        no mapping is needed (PennyLane's ``map_to_standard_wires``).

        >>> import qsym as qml
        >>> qml.tape.QuantumScript([qml.X("a")], [qml.expval(qml.Z("b"))]).map_to_standard_wires().circuit
        [X(0), expval(Z(1))]
        """
        wire_map = self._get_standard_wire_map()
        if wire_map is None:
            return self
        return self.copy(ops=[op.map_wires(wire_map) for op in self.operations],
                         measurements=[mapped_measurement(m, wire_map)
                                       for m in self.measurements])

    @property
    def num_wires(self) -> int:
        return len(self.wires)

    @property
    def par_info(self) -> list:
        """``[{"op": operator, "op_idx": k, "p_idx": j}, ...]``: where each parameter is,
        the gates' then the measured observables' (PennyLane's: ``op_idx`` of an
        observable's parameter is ``len(operations)`` plus its measurement's index).

        >>> import qsym as qml
        >>> t = QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Hamiltonian([0.5], [qml.Z(0)]))])
        >>> [(i["op_idx"], i["p_idx"]) for i in t.par_info]
        [(0, 0), (1, 0)]
        """
        info = [{"op": op, "op_idx": k, "p_idx": j}
                for k, op in enumerate(self.operations) for j in range(len(op.data))]
        n = len(self.operations)
        for k, m in enumerate(self.measurements):
            obs = measured_observable(m)
            info.extend({"op": obs, "op_idx": n + k, "p_idx": j}
                        for j in range(len(observable_parameters(m))))
        return info

    @property
    def data(self) -> list:
        """Every parameter (trainable or not), in order: the gates', then the measured
        observables' (PennyLane's ``tape.data``)."""
        return self.get_parameters(trainable_only=False)

    @property
    def trainable_params(self) -> list:
        """Indices (into :attr:`data`) of the parameters gradient transforms take."""
        if self._trainable is None:  # all of them, fixed from now on (PennyLane's)
            self._trainable = list(range(len(self.data)))
        return self._trainable

    @trainable_params.setter
    def trainable_params(self, indices):
        indices = sorted(set(indices))
        n = len(self.data)
        if any(not isinstance(i, (int, np.integer)) or i < 0 for i in indices):
            raise ArgumentError("Argument indices must be non-negative integers. (qsym: "
                                f"trainable_params are indices into tape.data, got {indices})")
        if any(i >= n for i in indices):
            raise ArgumentError(
                f"Quantum Script only has {n} parameters. (qsym: trainable_params must be "
                f"indices 0..{n - 1}; got {indices})")
        self._trainable = [int(i) for i in indices]

    def get_parameters(self, trainable_only=True, operations_only=False, **_) -> list:
        """The parameters, in order (the gates', then the measured observables' unless
        ``operations_only``): the trainable ones unless ``trainable_only=False``.

        >>> import qsym as qml
        >>> t = QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.s_prod(2.0, qml.Z(0)))])
        >>> t.get_parameters(), t.get_parameters(operations_only=True)
        ([0.1, 2.0], [0.1])
        """
        gates = gate_parameters(self)
        data = gates + [p for m in self.measurements for p in observable_parameters(m)]
        if not trainable_only:
            return gates if operations_only else data
        return [data[i] for i in self.trainable_params
                if not (operations_only and i >= len(gates))]

    def set_parameters(self, params, trainable_only=True) -> None:
        """Replace the (trainable) parameters, in order; the gates and measurements holding
        them are made again."""
        params = list(params)
        indices = self.trainable_params if trainable_only else list(range(len(self.data)))
        if len(params) != len(indices):
            raise ArgumentError(
                f"Number of provided parameters does not match ({len(params)} given, "
                f"{len(indices)} expected)")
        new = dict(zip(indices, params))
        ops, k = [], 0
        for op in self.operations:
            values = list(op.data)
            for j in range(len(values)):
                values[j] = new.get(k + j, values[j])
            ops.append(rebuild_op(op, values) if any(k + j in new for j in range(len(values)))
                       else op)
            k += len(values)
        self.operations = ops
        measurements = []
        for m in self.measurements:
            values = list(observable_parameters(m))
            given = [new.get(k + j, v) for j, v in enumerate(values)]
            if any(g is not v for g, v in zip(given, values)):  # (the same values: kept)
                m = remeasured(m, given)
            measurements.append(m)
            k += len(values)
        self.measurements = measurements

    def bind_new_parameters(self, params, indices) -> "QuantumScript":
        """A copy with the parameters at ``indices`` (into :attr:`data`) replaced."""
        new = self.copy()
        keep = new._trainable
        new._trainable = sorted(indices)
        new.set_parameters(params)
        new._trainable = keep
        return new

    @property
    def num_params(self) -> int:
        """The number of trainable parameters."""
        return len(self.trainable_params)

    @property
    def batch_size(self):
        """The common batch size of the broadcast gates (None: none is broadcast); gates
        broadcast over different sizes raise PennyLane's ``ValueError``."""
        sizes = list(dict.fromkeys(getattr(op, "batch_size", None) for op in self.operations
                                   if getattr(op, "batch_size", None) is not None))
        if len(sizes) > 1:
            raise ArgumentError(
                "The batch sizes of the quantum script operations do not match, they include "
                f"{sizes[0]} and {sizes[1]}.")
        self._batch_size = sizes[0] if sizes else None  # (PennyLane's cached attribute)
        return self._batch_size

    @property
    def observables(self) -> list:
        """PennyLane's ``tape.observables``: each measurement's observable as written (the
        measurement itself where it has none)."""
        return [m.written_obs if m.measured_obs is not None else m for m in self.measurements]

    @property
    def output_dim(self) -> int:
        """The number of values the measurements give (PennyLane's ``output_dim``)."""
        n = len(self.wires)
        return sum(2 ** len(m.wires or self.wires) if m.kind == "probs" else
                   2 ** n if m.kind == "state" else 1 for m in self.measurements)

    @property
    def hash(self) -> int:
        """Equal for tapes with the same gates, parameters, measurements, trainable
        parameters and shots (PennyLane's ``tape.hash``: parameters exactly, but rotation
        angles up to a global phase, modulo 2 pi (``RX``, ``RY``, ``RZ``, ``PhaseShift``,
        ``Rot``) or 4 pi (``CRX``, ``CRY``, ``CRZ``, ``CRot``), rounded to 10 decimals)."""
        return hash(_tape_key(self, _hash_key))

    @property
    def diagonalizing_gates(self) -> list:
        """The gates rotating the measured observables' eigenbases to the computational
        basis, in order (PennyLane's ``tape.diagonalizing_gates``)."""
        out, seen, late = [], set(), []
        with recording(_Recorder()):
            for m in self.measurements:
                if m.measured_obs is None:
                    out.extend(g for g in getattr(m, "diag", ()) if _first(seen, repr(g)))
                    continue
                for obs in _base_observables(getattr(m, "written_obs", None) or m.measured_obs, late):
                    if getattr(obs, "_matrix", None) is not None:
                        if _first(seen, ("H", tuple(obs._mwires), obs._matrix.tobytes())):
                            out.extend(obs.diagonalizing_gates())
                        continue
                    if not isinstance(obs, Observable):
                        if obs.name not in ("PauliX", "PauliY", "PauliZ", "Identity"):
                            if _first(seen, ("op", repr(obs))):
                                out.extend(obs.diagonalizing_gates())
                            continue
                        obs = as_observable(obs)
                    for word in obs.terms:  # each Pauli factor once (PennyLane's deduplication)
                        for w, p in word:
                            if _first(seen, (w, p)):
                                out.extend(GATE_CLASSES["Pauli" + p](w).diagonalizing_gates())
            for obs in late:  # PennyLane's: sums and products sharing wires, whole, last
                if _first(seen, ("late", repr(obs))):
                    out.extend(obs.diagonalizing_gates())
        return out

    def expand(self, depth=1, stop_at=None, expand_measurements=False):
        """PennyLane's deprecated ``tape.expand``: a new tape with each gate replaced by its
        decomposition, ``depth`` times (gates with none, or for which ``stop_at(op)`` is
        true, are kept; a tape recorded inside the tape is one level); warns as PennyLane
        0.45 does. As PennyLane's, observables sharing a wire must commute qubit-wise
        (else :class:`~qsym.errors.QuantumFunctionError`): the rotations to their common
        basis are appended and they are measured as ``Z`` words. Other measurements are
        kept; with ``expand_measurements=True``, as PennyLane's, a measurement of an
        observable with diagonalizing gates becomes those gates and a measurement of its
        eigenvalues on its wires.

        >>> import qsym as qml
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)]).expand().operations
        [RZ(0.1, wires=[0]), RY(0.2, wires=[0]), RZ(0.3, wires=[0])]
        """
        warnings.warn(
            "QuantumScript.expand is deprecated and will be removed in a future release "
            "(PennyLane 0.45; qml.devices.preprocess.decompose replaces it).",
            PennyLaneDeprecationWarning, stacklevel=2)
        if depth == 0:
            return self
        if self.samples_computational_basis and len(self.measurements) > 1:
            _check_basis_sampling(self)
        rotations, measurements = _diagonalized(self)
        ops = _expanded(self.operations + rotations, depth, stop_at)
        if expand_measurements:
            ops, measurements = _eigvals_measurements(ops, measurements, depth, stop_at)
        return type(self)(ops, measurements, shots=self.shots)

    def adjoint(self) -> "QuantumScript":
        """PennyLane's ``tape.adjoint()``: the state preparations that open the script,
        then the adjoint of every other gate in reverse order (``qml.adjoint(op,
        lazy=False)``: qsym's gives the inverse gate of the table, where PennyLane keeps
        ``Adjoint(S)``), the same measurements and shots.

        >>> import qsym as qml
        >>> QuantumScript([qml.RX(0.1, 0), qml.S(1)], [qml.probs()]).adjoint().operations
        [PhaseShift(-pi/2, wires=[1]), RX(-0.1, wires=[0])]
        """
        from ._opmath import adjoint

        k = self.num_preps
        with recording(_Recorder()):  # made, not applied anywhere
            ops = [adjoint(op, lazy=False) for op in reversed(self.operations[k:])]
        return type(self)(self.operations[:k] + ops, self.measurements, shots=self.shots)

    @property
    def graph(self) -> CircuitGraph:
        """PennyLane's ``tape.graph``: the :class:`~qsym._circuit_graph.CircuitGraph` of
        the gates and measurements on the tape's wires (made once; after changing the lists
        in place, ``_update()`` forgets it).

        >>> import qsym as qml
        >>> t = QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
        >>> t.graph.serialize(), t.graph.get_depth()
        ('RX!0.1![0]CNOT[0, 1]|||ExpectationMP!PauliZ[1]', 2)
        """
        if self._graph is None:
            self._graph = CircuitGraph(self.operations, self.measurements, self.wires,
                                       self.par_info, self.trainable_params)
        return self._graph

    @property
    def specs(self) -> dict:
        """PennyLane's ``tape.specs``: ``{"resources": SpecsResources, "shots": Shots,
        "errors": {name: error}}`` of the script's gates and measurements (the errors: of its
        ``TrotterProduct``, ``QuantumPhaseEstimation`` and ``ErrorOperation`` operators, by
        class, PennyLane's ``_compute_algo_error``; worked out once; after changing the lists
        in place, ``_update()`` forgets it).

        >>> import qsym as qml
        >>> t = QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))])
        >>> r = t.specs["resources"]
        >>> r.gate_types, r.gate_sizes, r.num_allocs, r.depth
        ({'Hadamard': 1, 'CNOT': 1}, {1: 1, 2: 1}, 2, 2)
        """
        if self._specs is None:
            # the algorithmic errors of its operators (PennyLane's _compute_algo_error:
            # qsym._resource_paths registers it; {} before that module is imported)
            errors = METHODS.get("algo_errors", lambda tape: {})(self)
            self._specs = {"resources": tape_resources(self), "shots": self.shots, "errors": errors}
        return self._specs

    def draw(self, wire_order=None, show_all_wires=False, decimals=None, max_length=100,
             show_matrices=True) -> str:
        """PennyLane's ``tape.draw``: the tape's text drawing,
        :func:`qsym._drawing.tape_text` (``qml.drawer.tape_text``).

        >>> import qsym as qml
        >>> print(qml.tape.QuantumScript([qml.Hadamard(0)], [qml.probs(wires=0)]).draw())
        0: ──H─┤  Probs
        """
        from ._drawing import tape_text

        text = TAPE_TEXT.get("tape_text") or tape_text  # qml.drawer.tape_text, once imported
        return text(self, wire_order, show_all_wires=show_all_wires, decimals=decimals,
                    max_length=max_length, show_matrices=show_matrices)

    def copy(self, copy_operations=False, **update) -> "QuantumScript":
        """A copy of the same class (the lists copied; the gates and measurements
        themselves too with ``copy_operations=True`` or any update, their parameters
        shared); ``ops=``/``operations=``, ``measurements=``, ``shots=``,
        ``trainable_params=`` replace those. As PennyLane's, new operations or
        measurements make every parameter trainable again unless ``trainable_params=`` is
        given (the old indices need not fit the new gates); another keyword is a
        ``TypeError``.

        >>> import qsym as qml
        >>> t = QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)], [qml.probs()], trainable_params=[1])
        >>> t.copy().trainable_params, t.copy(ops=[qml.RZ(0.3, 0)]).trainable_params
        ([1], [0])
        """
        if "ops" in update:
            update["operations"] = update.pop("ops")
        for key in update:
            if key not in ("operations", "measurements", "shots", "trainable_params"):
                raise TypeError(f"{type(self)}.copy() got an unexpected key '{key}' in update "
                                "dict (qsym: ops, operations, measurements, shots, "
                                "trainable_params)")
        ops, meas = update.get("operations"), update.get("measurements")
        deep = copy_operations or bool(update)
        if ops is None:
            ops = [_copy.copy(o) for o in self.operations] if deep else self.operations
        if meas is None:
            meas = ([_copied_measurement(m) for m in self.measurements] if deep
                    else self.measurements)
        renewed = "operations" in update or "measurements" in update  # (PennyLane's test)
        new = type(self)(list(ops), list(meas), update.get("shots", self.shots),
                         update.get("trainable_params", None if renewed else self._trainable))
        if "operations" not in update:  # the same gates: a batch size worked out is kept
            new._batch_size = self._batch_size
        return new

    def __copy__(self) -> "QuantumScript":
        return self.copy(copy_operations=True)  # (PennyLane's copy.copy of a script)

    def map_wires(self, wire_map: dict) -> "QuantumScript":
        """A copy on the wires ``wire_map`` gives, gates and measurements alike (PennyLane's
        ``tape.map_wires``; wires it does not name stay), recorded nowhere.

        >>> import qsym as qml
        >>> t = QuantumScript([qml.CNOT([0, 1])], [qml.probs(wires=[1])], shots=10)
        >>> new = t.map_wires({0: "a", 1: "b"})
        >>> new.operations, new.measurements, new.shots.total_shots
        ([CNOT(wires=['a', 'b'])], [probs(wires=['b'])], 10)
        """
        with recording(Tape()):  # a throwaway tape: the mapped objects are recorded nowhere
            ops = [op.map_wires(wire_map) for op in self.operations]
            meas = [m.map_wires(wire_map) for m in self.measurements]
        return self.copy(operations=ops, measurements=meas, trainable_params=self._trainable)

    def __iter__(self):
        return iter(self.circuit)

    def __len__(self):
        return len(self.circuit)

    def __getitem__(self, idx):
        return self.circuit[idx]

    def __repr__(self):
        return f"<{type(self).__name__}: wires={list(self.wires)}, params={len(self.data)}>"


class QuantumTape(QuantumScript):
    """PennyLane's ``qml.tape.QuantumTape``: a :class:`QuantumScript` that records the
    gates and measurements made inside its ``with`` block.

    >>> import qsym as qml
    >>> with qml.tape.QuantumTape() as tape:
    ...     _ = qml.RX(0.3, wires=0)
    ...     m = qml.expval(qml.PauliZ(0))
    >>> [op.name for op in tape.operations], tape.measurements == [m]
    (['RX'], True)
    """

    def __enter__(self):
        self._recorder = _Recorder()
        self._recorder.log = QueueLog()  # PennyLane's queue: operators as made (qsym._trace.Tape.log)
        self._ctx = recording(self._recorder)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        out = self._ctx.__exit__(*exc)
        items = list(self._recorder.log)
        del self._recorder, self._ctx  # (a recorded tape copies and deep-copies cleanly)
        any_order = self.__dict__.pop("_any_order", False)  # (qsym._transform.record)
        if exc[0] is None and not any_order:
            _check_queue_order(self.measurements + items)
        ops, meas = _split_queue(items)
        self.operations += ops
        self.measurements += meas
        self._update()
        outer = active_tape()
        if outer is not None:
            self._queue_on(outer)
        return out

    def _queue_on(self, outer) -> None:
        """A tape recorded inside another recording is queued on it as one item."""
        outer.append(self)

    def adjoint(self) -> "QuantumTape":
        """:meth:`QuantumScript.adjoint`, queued on the tape being recorded (PennyLane's)."""
        new = super().adjoint()
        outer = active_tape()
        if outer is not None:
            outer.append(new)
        return new

    @property
    def queue(self) -> list:
        return self.circuit


def _check_queue_order(items) -> None:
    """PennyLane's ``process_queue`` check: every gate before the first measurement."""
    measured = False
    for obj in items:
        if isinstance(obj, MeasurementProcess):
            measured = True
        elif measured:
            raise ArgumentError(
                f"ops operation {obj} must occur prior to measurements. Please place earlier "
                "in the queue. (qsym: a tape's gates come before its measurements)")


def process_queue(queue) -> tuple:
    """PennyLane's ``qml.queuing.process_queue``: ``(operations, measurements)`` of an
    ``AnnotatedQueue`` (or a tape) in queue order; an object that is neither an operator nor
    a measurement raises ``QueuingError``, an operator class with ``_queue_category = None``
    is left out with PennyLane's deprecation warning, a gate after a measurement raises.

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     _ = qml.RX(0.1, 0), qml.expval(qml.Z(0))
    >>> process_queue(q)
    ([RX(0.1, wires=[0])], [expval(Z(0))])
    """
    from .exceptions import QueuingError

    kept = []
    for obj, _ in (queue.items() if hasattr(queue, "items") else ((o, None) for o in queue.queue)):
        category = ("_measurements" if isinstance(obj, MeasurementProcess)
                    else getattr(obj, "_queue_category", "_ops" if hasattr(obj, "wires") and
                                 hasattr(obj, "name") else False))
        if category is False:
            raise QueuingError(
                f"{obj} encountered in AnnotatedQueue and is not an object that can be "
                "processed into a QuantumScript. Queues should contain Operator or "
                "MeasurementProcess objects only.")
        if category is None:
            warnings.warn("Preventing an object from being queued via `_queue_category=None` "
                          "is deprecated.", PennyLaneDeprecationWarning, stacklevel=2)
            continue
        kept.append(obj)
    _check_queue_order(kept)
    return _split_queue(kept)


def _split_queue(items) -> tuple:
    """``(operations, measurements)`` of a recorded queue."""
    return ([o for o in items if not isinstance(o, MeasurementProcess)],
            [o for o in items if isinstance(o, MeasurementProcess)])


def apply(op, context=None):
    """PennyLane's ``qml.apply``: record an existing gate or measurement again on the tape
    being recorded (a QNode's, or a ``QuantumTape``'s); returns it.

    >>> import qsym as qml
    >>> op = qml.RX(0.4, wires=0)
    >>> with qml.tape.QuantumTape() as tape:
    ...     _ = apply(op)
    >>> tape.operations
    [RX(0.4, wires=[0])]
    """
    if context is not None and hasattr(context, "append") and context is not active_tape():
        op = _copy.copy(op)  # another user's queue (qml.apply(op, q)): a copy there
        context.append(op)
        return op
    tape = active_tape()
    if tape is None:
        raise RuntimeError("No queuing context available to append operation to. (qml.apply "
                           "records an operator again inside a circuit function, a "
                           "qml.tape.QuantumTape or a qml.queuing.AnnotatedQueue)")
    if tape.log is not None:  # a user's queue: a copy queued (PennyLane's)
        op = _copy.copy(op)
        tape.log.append(op)
        return op
    if isinstance(op, (MidMeasure, Conditional)):  # recorded again as they are
        tape = active_tape()
        if tape is not None:
            tape.append(op)
        return op
    if not isinstance(op, MeasurementProcess):  # gates, templates, products of gates
        return apply_operation(op)
    tape = active_tape()
    if tape is not None and hasattr(tape, "add_measurement"):
        tape.add_measurement(op)
    return op


def _base_observables(obs, late) -> list:
    """``obs`` taken apart into the observables PennyLane's ``tape.diagonalizing_gates``
    diagonalizes one by one: the operands of sums and products whose operands share no
    wire, the bases of scalar multiples; a sum or product whose operands share wires is
    appended to ``late`` whole (its gates rotate them together)."""
    from ._operations import Prod, SProd, Sum, overlapping_groups
    if isinstance(obs, SProd):
        return _base_observables(obs.base, late)
    if isinstance(obs, (Sum, Prod)) and len(obs.operands) > 1:
        if any(len(g) > 1 for g in overlapping_groups(obs.operands)):
            late.append(obs)
            return []
        return [b for o in obs.operands for b in _base_observables(o, late)]
    return [obs]


def expand_tape_state_prep(tape, skip_first=True):
    """PennyLane's deprecated ``expand_tape_state_prep``: a copy of the tape with every
    state preparation (``StatePrep``, ``BasisState``, ...) replaced by its decomposition,
    except the first operation when ``skip_first`` (the state the circuit starts from);
    every parameter trainable. Warns as PennyLane 0.45 does.

    >>> import qsym as qml, warnings
    >>> t = QuantumScript([qml.RX(0.1, wires=0), qml.BasisState([1], wires=1)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     expand_tape_state_prep(t).operations
    [RX(0.1, wires=[0]), X(1)]
    """
    warnings.warn("expand_tape_state_prep is deprecated and will be removed in a future "
                  "release (PennyLane 0.45)", PennyLaneDeprecationWarning, stacklevel=2)
    ops = []
    for k, op in enumerate(tape.operations):
        if getattr(op, "name", None) in STATE_PREPARATIONS and not (skip_first and k == 0):
            with recording(_Recorder()):
                ops.extend(op.decomposition())
        else:
            ops.append(op)
    return type(tape)(ops, tape.measurements, shots=tape.shots)


def make_qscript(fn, shots=None):
    """PennyLane's ``qml.tape.make_qscript``: ``make_qscript(qfunc)(*args)`` is the
    :class:`QuantumScript` of the gates and measurements the function makes.

    >>> import qsym as qml
    >>> def f(x):
    ...     qml.RY(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> make_qscript(f)(0.2).operations
    [RY(0.2, wires=[0])]
    """
    def wrapper(*args, **kwargs):
        recorder = _Recorder()
        recorder.log = QueueLog()
        with recording(recorder):  # not recorded where make_qscript is called
            fn(*args, **kwargs)
        items = list(recorder.log)
        _check_queue_order(items)
        return QuantumScript(*_split_queue(items), shots=shots)

    return wrapper


# --- resources: a tape read as a traced circuit ---------------------------------------------
def _measurement_view(m, i):
    """A tape's measurement as :func:`qsym.devices.qpu_executions` and
    :func:`qsym.resource.circuit_resources` read an IR measurement."""
    obs = getattr(m, "measured_obs", None)
    terms = ()
    if obs is not None:
        written = getattr(obs, "terms", None)
        if isinstance(written, dict) and written:
            terms = tuple((c, tuple(sorted(word, key=str))) for word, c in written.items())
        else:  # no Pauli form: a group of its own
            terms = ((1.0, ((("unmeasured", i), "Z"),)),)
    grouping = getattr(obs, "grouping_indices", None)
    return SimpleNamespace(kind=m.kind, terms=terms, label=getattr(m, "resource_label", ()),
                           groups=len(grouping or ()), shadow=getattr(m, "shadow", None),
                           wires=tuple(getattr(m, "raw_wires", None) or ()), reduce=getattr(m, "reduce", ()))


def tape_view(tape):
    """``tape`` read as a traced circuit: its operators (name, wires; ``counted_by``: the
    ``resources()`` of a ``qml.resource.ResourcesOperation``, counted by them) and
    measurements."""
    counted = tuple(RESOURCE_DEPTH_TYPES)
    ops = [SimpleNamespace(name=getattr(op, "name", type(op).__name__), wires=tuple(op.wires),
                           counted_by=op.resources() if isinstance(op, counted) else None)
           for op in tape.operations]
    return SimpleNamespace(ops=ops, measurements=[_measurement_view(m, i) for i, m in
                                                  enumerate(tape.measurements)])


def tape_resources(tape):
    """PennyLane's ``tape.specs["resources"]``: the :class:`qsym.resource.SpecsResources`
    of a tape's operators and measurements.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))])
    >>> r = tape_resources(t)
    >>> r.gate_types, r.gate_sizes, r.measurements, r.num_allocs, r.depth
    ({'Hadamard': 1, 'CNOT': 1}, {1: 1, 2: 1}, {'expval(PauliZ)': 1}, 2, 2)
    """
    return circuit_resources(tape_view(tape))


# --- execution: a tape as a circuit function of its parameters --------------------------------
def _tape_key(tape, value_key) -> tuple:
    """A tape's gates (name, wires, hyperparameters, each parameter by ``value_key(op)``),
    measurements, trainable parameters and shots, as a hashable tuple."""
    ops = tuple((getattr(op, "name", type(op).__name__), tuple(op.wires),
                 repr(getattr(op, "hyper", None)), tuple(value_key(op)(p) for p in op.data))
                for op in tape.operations)
    return (ops, tuple(_mp_key(m) for m in tape.measurements), tuple(tape.trainable_params),
            tape.shots)


# the gates whose parameters PennyLane's operator hash takes modulo 2 pi (``_process_data``:
# up to a global phase) and modulo 4 pi (``Controlled.hash`` of RX, RY, RZ, Rot)
_PERIODIC = {name: 2 * np.pi for name in ("RX", "RY", "RZ", "PhaseShift", "Rot")}
_PERIODIC.update({name: 4 * np.pi for name in ("CRX", "CRY", "CRZ", "CRot")})


def _angle_key(period):
    """A rotation angle's key modulo ``period``, rounded to 10 decimals (PennyLane's)."""
    def key(p):
        v = np.round(np.real(np.asarray(getval(getattr(p, "_value", p)), dtype=complex))
                     % period, 10) + 0.0  # (+ 0.0: -0.0 and 0.0 are one key)
        return v.shape, v.tobytes()
    return key


_ANGLE_KEYS = {name: _angle_key(period) for name, period in _PERIODIC.items()}


def _hash_key(op):
    """How PennyLane's ``tape.hash`` keys ``op``'s parameters: rotation angles modulo their
    period up to a global phase (``RX(x + 2 pi) = -RX(x)``: one key), others exactly."""
    return _ANGLE_KEYS.get(getattr(op, "name", None), _value_key)


def cache_key(tape) -> int:
    """The key of ``tape``'s result in ``qml.execute``'s cache: PennyLane's ``tape.hash``
    (which its ``_cache_transform`` keys by: the angles of ``RX``, ``RY``, ``RZ``,
    ``PhaseShift``, ``Rot`` modulo 2 pi, of ``CRX``, ``CRY``, ``CRZ``, ``CRot`` modulo 4 pi,
    rounded to 10 decimals), so a parameter shifted by +pi and by -pi is one circuit (a
    second derivative's shifted tapes); but a tape returning the state is keyed by its
    exact parameters: ``RX(x + 2 pi)`` is ``-RX(x)``, and its state changes sign (where
    PennyLane's cache would answer the other sign).

    >>> import qsym as qml
    >>> import numpy as np
    >>> a = QuantumScript([qml.RX(0.3 + np.pi, 0)], [qml.expval(qml.Z(0))])
    >>> b = QuantumScript([qml.RX(0.3 - np.pi, 0)], [qml.expval(qml.Z(0))])
    >>> cache_key(a) == cache_key(b) == a.hash == b.hash
    True
    >>> s, t = (QuantumScript([qml.RX(x, 0)], [qml.state()]) for x in (0.3, 0.3 + 2 * np.pi))
    >>> cache_key(s) == cache_key(t), s.hash == t.hash
    (False, True)
    """
    if any(m.kind == "state" for m in tape.measurements):
        return hash(_tape_key(tape, lambda op: _value_key))
    return tape.hash


def execution_cache(cache="auto", cachesize=10000, max_diff=1):
    """The results cache of one ``qml.execute`` call, as PennyLane's ``cache`` option makes
    it: ``"auto"`` is ``True`` when ``max_diff > 1`` (second derivatives run many equal
    tapes; ``None``, any order, too) and else ``False``; ``True`` a new cache of ``cachesize`` results (the least
    recently used forgotten), shared by the call's tapes and every derivative of them;
    a mapping is used as given; ``False`` or ``None``: no cache.

    >>> execution_cache("auto", max_diff=2).maxsize, execution_cache("auto") is None
    (10000, True)
    """
    if isinstance(cache, str):
        if cache != "auto":
            raise ArgumentError(f"cache={cache!r} is not an option of qml.execute: give True, "
                                "False, 'auto' or a mapping")
        cache = max_diff is None or max_diff > 1
    if cache is True:
        return Memo(cachesize)
    return cache if isinstance(cache, MutableMapping) else None


def _value_key(p):
    """A parameter's exact value as a hashable key (its shape and every bit: the cache of
    ``qml.execute`` answers equal tapes only)."""
    v = getval(getattr(p, "_value", p))
    if isinstance(v, (float, int, complex, np.floating, np.integer)):
        return v  # a number is its own exact key
    a = np.asarray(v)
    if a.dtype == object:
        return repr(a)
    return a.shape, a.astype(complex).tobytes()


def _mp_key(m):
    obs = m.measured_obs
    if obs is None:
        okey = None
    elif getattr(obs, "_matrix", None) is not None:
        okey = ("H", np.asarray(obs._matrix).tobytes(), tuple(obs._mwires))
    else:
        try:
            okey = tuple(sorted(obs.terms.items(), key=repr))
            hash(okey)
        except TypeError:
            okey = ("id", id(obs))
    if getattr(m, "mv", None) is not None:  # a statistic of mid-circuit measurement values
        okey = ("mv", repr(m.mv), id(m.mv))
    # a classical shadow: its kind, seed, k, single/list and observables' terms (two
    # shadows on the same wires are different circuits: the recipes and the output shape)
    shadow = repr(getattr(m, "shadow", ()))
    # a quantity of the state (density_matrix, purity, vn_entropy and its log_base,
    # mutual_info and its two groups) is its class and ``reduce``: qml.purity([0]) and
    # qml.vn_entropy([0]), both of kind "state" on wire 0, are different circuits (one key
    # made a tape's hash, qml.execute's cache and the compiled node answer one for the other)
    return (type(m).__name__, m.kind, okey, m.wires, repr(m.diag),
            getattr(m, "all_outcomes", None), shadow, repr(getattr(m, "reduce", None)))


def _structure(tape, device):
    ops = tuple((type(op), tuple(op.wires), repr(op.hyper) if hasattr(op, "hyper") else repr(op),
                 len(op.data)) for op in tape.operations)  # (a product of gates: as written)
    return (id(device), ops, tuple(_mp_key(m) for m in tape.measurements),
            tape.shots.total_shots, tuple(tape.shots))


_NODES = Memo(512)  # structure -> (device, QNode): compiled once per structure


def _circuit_function(tape, split=False):
    """The tape as a circuit function of its parameters: one flat array, or (``split``)
    one argument per parameter, so that a batch of values broadcasts (a broadcast tape)."""
    ops = [(op, len(op.data)) for op in tape.operations]
    meas = list(tape.measurements)
    kept = postselected_wires(tape.operations)
    if kept:
        meas = [postselecting(m, kept) for m in meas]
    single = len(meas) == 1

    def circuit(*p):
        k = 0
        for op, n in ops:
            with_params = n and tuple(p[k:k + n] if split else p[0][k:k + n])
            k += n
            if isinstance(op, Projector):  # (a postselection: on the measurements)
                continue
            op.remake(with_params or ())
        return meas[0] if single else tuple(meas)

    return circuit


def postselected_wires(operations) -> dict:
    """``{wire: outcome}``: the postselections written as ``qml.Projector`` operations of a
    circuit (as ``qml.defer_measurements`` writes them). PennyLane's simulator projects the
    state there and renormalises it; qsym takes the same value on the final state projected
    onto these outcomes (its postselection of deferred measurements), which is the same
    where nothing after the projector changes the wire's computational-basis outcome (it is
    only a control after), or where the next gate copies it onto a fresh wire
    (``CNOT``) that is only a control after (the deferral's copy). Any other projector is
    refused (a state-vector projector, a wire changed after its projection).

    >>> import qsym as qml
    >>> postselected_wires([qml.H(0), qml.Projector([1], wires=0), qml.CNOT([0, 2]),
    ...                     qml.X(0), qml.CRY(0.3, wires=[2, 1])])
    {2: 1}
    """
    kept: dict = {}
    for i, op in enumerate(operations):
        if not isinstance(op, Projector):
            continue
        basis = np.asarray(getval(op.data[0]))
        if type(op).__name__ != "BasisStateProjector" or not np.isin(basis, (0, 1)).all():
            raise GateError(f"{op!r} cannot be applied in a circuit: qsym applies a Projector "
                            "operation as a postselection of computational-basis outcomes "
                            "(qml.Projector(basis_state, wires)); use qml.measure(wire, "
                            "postselect=...) or measure it (qml.expval(qml.Projector(...))).")
        for w, v in zip(op.wires, basis):
            end = _kept_wire(operations, i, w)
            if kept.get(end, int(v)) != int(v):
                raise GateError(f"the circuit postselects wire {end} on both 0 and 1: "
                                "no outcome is kept")
            kept[end] = int(v)
    return kept


def _kept_wire(operations, i, w):
    """The wire whose final outcome is the outcome wire ``w`` is projected on at operation
    ``i`` (``w`` itself, or its fresh copy), or a :class:`GateError`."""
    def only_control(ops, wire):
        return all(wire not in op.wires or isinstance(op, Projector)
                   or wire in getattr(op, "control_wires", ()) for op in ops)

    later = operations[i + 1:]
    if only_control(later, w):
        return w
    nxt = later[0] if later else None
    if (getattr(nxt, "name", None) == "CNOT" and nxt.wires[0] == w
            and all(nxt.wires[1] not in op.wires for op in operations[:i])
            and only_control(later[1:], nxt.wires[1])):
        return nxt.wires[1]
    raise GateError(f"a qml.Projector on wire {w} is followed by gates that change the wire's "
                    "outcome: qsym runs a projector operation as a postselection of the final "
                    "state; use qml.measure(wire, postselect=...) instead (qsym defers it)")


def tape_qnode(tape, device, split=False):
    """The QNode that runs ``tape`` on ``device``: a circuit function of the tape's
    parameters (one flat array of all of them, or with ``split`` one argument each, so that
    a batch broadcasts), compiled once per tape structure and device.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.PauliZ(0))])
    >>> node = tape_qnode(t, qml.device("default.qubit", wires=1))
    >>> round(float(node(np.array([0.0]))), 12)
    1.0
    """
    from ._runtime import QNode

    key = (_structure(tape, device), split)
    hit = _NODES.get(key)
    if hit is not None:
        return hit[1]
    shots = tape.shots.total_shots and (list(tape.shots) if tape.shots.has_partitioned_shots
                                        else tape.shots.total_shots)
    node = QNode(_circuit_function(tape, split), device, diff_method="parameter-shift",
                 shots=shots or None)
    node._runs_a_tape = True  # (qsym's exact shifts of a tape: any measurement, the state too)
    _NODES.put(key, (device, node))
    return node


def _plain(r):
    if isinstance(r, tuple):
        return tuple(_plain(x) for x in r)
    if isinstance(r, (dict, Box)):  # counts; a value autograd differentiates
        return r
    a = np.asarray(getattr(r, "unwrap", lambda: r)() if hasattr(r, "requires_grad") else r)
    return a[()] if a.ndim == 0 else a


# the tape gradients (``tape -> (tapes, fn)``) tapes run under autograd are differentiated
# with: qsym.gradients puts ``param_shift`` here under "param_shift" (a device's own
# ``execute``) and its transforms under the QNode method names they compute
# ("parameter-shift", "finite-diff", "spsa"): see :func:`tape_gradient`
DEVICE_GRADIENT: dict = {}

# the QNode/qml.execute options that are the tape gradient's own keywords; "argnum" is
# applied to the tape's trainable parameters before (qsym._transform.restrict_trainable)
_TAPE_GRADIENT_KWARGS = {
    "parameter-shift": ("shifts", "gradient_recipes", "broadcast"),
    "finite-diff": ("h", "approx_order", "strategy", "n"),
    "spsa": ("h", "approx_order", "strategy", "n", "num_directions", "sampler", "sampler_rng"),
    "hadamard": ("aux_wire", "device_wires", "mode"),
}


def tape_gradient(diff_method, gradient_kwargs=None):
    """``(transform, keywords)``: the gradient transform that differentiates tapes run
    under autograd for a QNode's (or ``qml.execute``'s) ``diff_method`` (a name or
    ``qml.gradients.<transform>``) and its ``gradient_kwargs``, as PennyLane does: the
    shifted tapes run on the device, their results combined by the transform. None for
    the exact methods qsym computes itself (adjoint, backprop, best, device, None).

    >>> import qsym as qml
    >>> fn, kw = tape_gradient("finite-diff", {"h": 1e-3, "argnum": [0]})
    >>> fn.__name__, kw
    ('_tape_finite_diff', {'h': 0.001})
    >>> tape_gradient("adjoint") is None
    True
    """
    name = getattr(diff_method, "qsym_diff_method", diff_method)
    if getattr(diff_method, "qsym_tape_gradient", False):  # device_derivatives
        return diff_method, {}
    if not isinstance(name, str) or name not in _TAPE_GRADIENT_KWARGS:
        return None
    keys = _TAPE_GRADIENT_KWARGS[name]
    return DEVICE_GRADIENT[name], {k: v for k, v in (gradient_kwargs or {}).items()
                                   if k in keys}


def device_derivatives(device, method="compute_derivatives", gradient_method=None):
    """A tape gradient (``tape -> ((), fn)``, for :func:`tape_gradient`) whose Jacobian is
    the device's own ``compute_derivatives`` (or the derivatives of its
    ``execute_and_compute_derivatives``): PennyLane's device derivatives, for a user's
    device class that defines them (:func:`qsym.devices.own_derivatives`). With
    ``gradient_method`` (the QNode's ``diff_method``) the device is passed PennyLane's
    execution config: that method, set up by the device's ``setup_execution_config``.

    >>> import qsym as qml
    >>> class Twice(qml.devices.DefaultQubit):
    ...     def compute_derivatives(self, circuits, execution_config=None):
    ...         return tuple(2.0 for _ in circuits)
    >>> t = QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    >>> tapes, fn = device_derivatives(Twice(wires=1))(t)
    >>> tapes, fn(())
    ((), 2.0)
    """
    def transform(tape, **_):
        def fn(_results):
            config = None if gradient_method is None else device.setup_execution_config(
                devices.ExecutionConfig(gradient_method=gradient_method), tape)
            out = getattr(device, method)((tape,), config)
            return (out[1] if method == "execute_and_compute_derivatives" else out)[0]
        return (), fn
    transform.qsym_tape_gradient = True
    return transform


class _ComplexShape(tuple):
    """The shape of a complex result in a :func:`_flat_result` spec (``qml.state()``,
    ``qml.density_matrix``): its real parts then its imaginary parts in the flat numbers."""


def _flat_result(result, spec):
    """The real numbers of a tape's result, flat (a complex result, a state: its real parts
    then its imaginary parts); ``spec`` gets its nesting and shapes."""
    if isinstance(result, tuple):
        parts = []
        for r in result:
            sub = []
            parts.append(_flat_result(r, sub))
            spec.append(sub)
        return np.concatenate(parts) if parts else np.zeros(0)
    a = np.asarray(result)
    if a.dtype == object:
        raise DifferentiationError(
            "a gradient transform differentiates numbers (expval, var, probs, state); this "
            "tape returns non-numeric values (samples, counts): use diff_method='backprop'")
    if np.iscomplexobj(a):  # (spsa_grad and finite_diff difference a state, PennyLane's)
        spec.append(_ComplexShape(a.shape))
        return np.concatenate([np.ravel(a.real), np.ravel(a.imag)]).astype(float)
    spec.append(a.shape)
    return np.ravel(a).astype(float)


def _spec_leaves(spec) -> list:
    """The shapes of a :func:`_flat_result` spec, in order."""
    if len(spec) == 1 and isinstance(spec[0], tuple):
        return [spec[0]]
    return [leaf for sub in spec for leaf in _spec_leaves(sub)]


def _unflatten(flat, spec, start=0):
    """``(value, end)``: ``flat[start:]`` in the nesting ``spec`` made (autograd sees it)."""
    if len(spec) == 1 and isinstance(spec[0], _ComplexShape):
        shape = tuple(spec[0])
        size = int(np.prod(shape))
        z = flat[start:start + size] + 1j * flat[start + size:start + 2 * size]
        return (z[0] if shape == () else anp.reshape(z, shape)), start + 2 * size
    if len(spec) == 1 and isinstance(spec[0], tuple):
        shape = spec[0]
        size = int(np.prod(shape))
        return (flat[start] if shape == () else anp.reshape(flat[start:start + size], shape),
                start + size)
    out = []
    for sub in spec:
        v, start = _unflatten(flat, sub, start)
        out.append(v)
    return tuple(out), start


def jacobian_rows(tape, jac, n, complex_rows=()) -> np.ndarray:
    """A transform's Jacobian (PennyLane's nesting: shot copies, measurements, parameters)
    as a matrix: rows the flat result, columns the ``n`` trainable parameters.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)],
    ...                   [qml.expval(qml.Z(0)), qml.probs(wires=0)])
    >>> jacobian_rows(t, ((1.0, 2.0), (np.array([3.0, 4.0]), np.array([5.0, 6.0]))), 2)
    array([[1., 2.],
           [3., 5.],
           [4., 6.]])
    """
    copies = tape.shots.num_copies if tape.shots.has_partitioned_shots else 0
    blocks = []
    for per_copy in (jac if copies else (jac,)):
        for per_meas in ((per_copy,) if len(tape.measurements) == 1 else tuple(per_copy)):
            cols = (per_meas,) if n == 1 else tuple(per_meas)
            # (autograd's NumPy: entries are autograd values for a second derivative)
            if len(complex_rows) > len(blocks) and complex_rows[len(blocks)]:
                # a complex result (a state): the rows of its real parts, then of its
                # imaginary parts (:func:`_flat_result`'s order)
                blocks.append(anp.stack([anp.concatenate([anp.ravel(anp.real(c)),
                                                          anp.ravel(anp.imag(c))])
                                         for c in cols], 1))
                continue
            blocks.append(anp.stack([anp.ravel(anp.real(c)) for c in cols], 1))
    return anp.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]


@primitive
def _transform_execute(params, tape, device, gradient, spec, cache=None, order=None,
                       batch=None):
    """The flat result of ``tape`` with its trainable parameters set to ``params``;
    differentiated by the gradient transform ``gradient`` (:func:`tape_gradient`);
    ``cache``, ``order`` and ``batch`` as :func:`_run`'s."""
    bound = tape.bind_new_parameters(list(params), tape.trainable_params)
    return _flat_result(_run(bound, device, cache=cache), spec)


def _transform_execute_vjp(ans, params, tape, device, gradient, spec, cache=None, order=None,
                           batch=None):
    # ``params`` are autograd values of an outer derivative (a Hessian): the transform's
    # tapes are run differentiably, by the same transform, while ``order`` (what is left of
    # ``max_diff``) allows
    # one job per derivative level of the call: ``params`` of an outer derivative are its
    # boxes (``_trace``), and the levels' Jacobians are asked for at different times
    job = {"tape": tape, "params": params, "level": getattr(params, "_trace", None),
           "complex": [isinstance(leaf, _ComplexShape) for leaf in _spec_leaves(spec)]}
    jobs = batch if batch is not None else []
    jobs.append(job)  # (made at the forward pass: every tape of the batch is there)

    def vjp(g):
        if "jac" not in job:  # one Jacobian for every row autograd asks for (qml.jacobian)
            _batch_jacobians([j for j in jobs if "jac" not in j and j["level"] == job["level"]],
                             device, gradient, cache, None if order is None else order - 1)
        return anp.dot(g, job["jac"])
    return vjp


def _batch_jacobians(jobs, device, gradient, cache, order) -> None:
    """The Jacobians of the tapes of ``jobs`` (one ``qml.execute`` batch), their gradient
    transform's tapes run as one batch, as PennyLane's Jacobian product calculator runs
    them; each job gets its ``"jac"`` (rows by :func:`jacobian_rows`)."""
    transform, kwargs = gradient
    made, inner = [], []  # inner: the batch of the tapes run here (their own derivatives)
    for job in jobs:
        bound = job["tape"].bind_new_parameters(list(job["params"]), job["tape"].trainable_params)
        made.append((job, bound) + tuple(transform(bound, **kwargs)))
    with devices.one_batch():
        for job, bound, tapes, fn in made:
            jac = fn(tuple(_run(t, device, gradient, cache, order, inner) for t in tapes))
            job["jac"] = jacobian_rows(bound, jac, len(job["params"]), job.get("complex", ()))


defvjp(_transform_execute, _transform_execute_vjp)


def _run_by_transform(tape, device, gradient, cache=None, order=None, batch=None):
    """A tape whose trainable parameters autograd differentiates, by ``gradient``: its
    result now, its Jacobian (the transform's tapes run on ``device``) when asked. A
    transform with an ``expand_tape`` (``spsa_grad``'s, PennyLane's expansion) has it
    applied first, to the tape autograd traces: its new parameters (``3x`` of
    ``qml.pow(RY(x), 3)``) are then the ones differentiated, and chained back to ``x``."""
    expand = getattr(gradient[0], "expand_tape", None)
    if expand is not None:
        tape = expand(tape)
    data = gate_parameters(tape)
    keep = set(tape.trainable_params)
    train = [i for i, d in enumerate(data) if isinstance(d, Box) and i in keep]
    plain = tape.bind_new_parameters([getval(d) for d in data], list(range(len(data))))
    plain.trainable_params = train
    if not train:
        return _run(plain, device, cache=cache)
    if len({anp.shape(data[i]) for i in train}) > 1:
        # a broadcast parameter beside plain ones (one flat vector cannot hold them): the
        # transform's own refusal of a derivative by a broadcast parameter (PennyLane's)
        gradient[0](plain, **gradient[1])
        raise DifferentiationError(
            "differentiating a broadcast parameter (a batch of angles) beside other "
            "parameters is not supported on this device: make the broadcast parameter "
            "requires_grad=False, or differentiate each batch element's circuit")
    spec: list = []
    flat = _transform_execute(anp.stack([anp.real(data[i]) for i in train]), plain, device,
                              gradient, spec, cache, order, batch)
    return _unflatten(flat, spec)[0]


def own_tapes(tapes) -> tuple:
    """``tapes`` as a user's device's own ``execute`` receives them: each with its own
    gates and measurements (``copy(copy_operations=True)``). A gradient transform's
    shifted tapes share the gates they do not shift, and a QNode runs them one by one; a
    device that changes what it is given (``op.data = ...`` after simulating) would
    otherwise change the tapes run after it, and the derivative (PennyLane's devices get
    fresh gates from its preprocessing).

    >>> import qsym as qml
    >>> t = QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    >>> (c,) = own_tapes((t,))
    >>> c.operations[0] is t.operations[0], c.operations[0] == t.operations[0]
    (False, True)
    """
    return tuple(t.copy(copy_operations=True) for t in tapes)


@primitive
def _own_execute(params, tape, device, indices=None):
    """The result of ``tape`` with ``params`` at its parameters ``indices`` (None: all, in
    order) by the device's own ``execute`` (a user's device class)."""
    return device.execute(own_tapes((_bound(params, tape, indices),)), None)[0]


def _bound(params, tape, indices):
    indices = list(range(len(params))) if indices is None else list(indices)
    return tape.bind_new_parameters([float(p) for p in params], indices)


def _own_execute_vjp(ans, params, tape, device, indices=None):
    bound = _bound(params, tape, indices)
    bound.trainable_params = list(range(len(params))) if indices is None else list(indices)
    tapes, fn = DEVICE_GRADIENT["param_shift"](bound)
    jac = fn(device.execute(own_tapes(tapes), None))
    parts = jac if isinstance(jac, tuple) else (jac,)
    jac = np.stack([np.asarray(j, dtype=float) for j in parts], axis=-1)  # (*result, n)
    return lambda g: np.tensordot(np.asarray(g, dtype=float), jac, axes=np.ndim(g))


defvjp(_own_execute, _own_execute_vjp)


def _run_own(tape, device):
    """A tape on a user's device class with its own ``execute``: run there; under autograd
    (``qml.grad``) differentiated by parameter shift in its trainable numbers (autograd
    values), the shifted tapes run there too; its other parameters (a constant matrix) as
    they are."""
    data = gate_parameters(tape)
    keep = set(tape.trainable_params)  # (a QNode's argnum: the others are constants)
    boxed = tuple(i for i, d in enumerate(data) if isinstance(d, Box) and i in keep)
    if not boxed:
        if any(isinstance(d, Box) for d in data):
            tape = tape.bind_new_parameters([getval(d) for d in data], list(range(len(data))))
        return device.execute(own_tapes((tape,)), None)[0]
    if len(tape.measurements) != 1:
        raise DifferentiationError(
            "differentiating a tape with several measurements on a device's own execute is not "
            "supported by qsym: return one measurement (or qml.math.stack them in one probs/expval)")
    if any(np.ndim(getval(data[i])) for i in boxed):
        raise DifferentiationError(
            "differentiating an array parameter (a trainable matrix) on a device's own execute "
            "is not supported by qsym: make the matrix requires_grad=False, or differentiate "
            "its numbers as gate angles")
    plain = tape.bind_new_parameters([getval(d) for d in data], list(range(len(data))))
    return _own_execute(anp.stack([anp.real(data[i]) for i in boxed]), plain, device, boxed)


def _shadow_run(tape, device, data):
    if len(tape.measurements) != 1 or tape.measurements[0].shadow[0] != "shadow_expval":
        raise DifferentiationError(
            "qml.shadow_expval is differentiated alone: return it as the only measurement "
            "(qml.classical_shadow has no derivative)")
    return _own_execute(anp.stack([anp.real(d) for d in data]), tape, device)


def _sequence(r):
    """A tape's tuple of results holding autograd boxes as one autograd sequence, as
    PennyLane's autograd interface returns it: ``anp.hstack`` of a list of such results then
    keeps the derivative (a plain tuple of boxes inside a list is read as constant numbers,
    a silent zero derivative)."""
    if not isinstance(r, tuple):
        return r
    items = tuple(_sequence(x) for x in r)
    return ag_tuple(items) if any(isinstance(x, Box) for x in items) else items


def _boxed_coefficients(m) -> bool:
    terms = getattr(getattr(m, "measured_obs", None), "terms", None)
    return isinstance(terms, dict) and any(isinstance(c, Box) for c in terms.values())


def split_coefficients(tape):
    """``(tape, combine)`` for a tape whose observables have coefficients autograd
    differentiates (a Hamiltonian's trainable ``coeffs``, PennyLane's trainable parameters
    of the measurement): each such expectation measured word by word (coefficient 1), and
    ``combine(results)`` the sums with the coefficients, which autograd follows
    (PennyLane's ``split_to_single_terms`` before a gradient transform); else
    ``(tape, None)``.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.PauliZ(0))])
    >>> split_coefficients(t)[1] is None
    True
    """

    if not any(_boxed_coefficients(m) for m in tape.measurements):
        return tape, None
    measurements, plan, index = [], [], {}
    n = len(gate_parameters(tape))
    moved = {i: i for i in range(n)}  # tape.data index -> the split tape's (the kept ones)
    old = new = n
    for m in tape.measurements:
        count = len(observable_parameters(m))
        if not _boxed_coefficients(m):
            moved.update((old + j, new + j) for j in range(count))
            new += count
        old += count

    def word_index(word):
        """The position of ``<word>`` among the new measurements (None: the identity)."""
        if not word:
            return None
        if word not in index:
            factors = [_pauli(p, w) for w, p in word]
            index[word] = len(measurements)
            measurements.append(expval(factors[0] if len(factors) == 1 else prod(*factors)))
        return index[word]

    for m in tape.measurements:
        if not _boxed_coefficients(m):
            plan.append(("plain", len(measurements)))
            measurements.append(m)
            continue
        if m.kind not in ("expval", "var"):
            raise DifferentiationError(
                "Can only differentiate Hamiltonian coefficients for expectations and "
                f"variances, not {tape.measurements}.")
        terms = list(m.measured_obs.terms.items())
        mean = [(c, word_index(word)) for word, c in terms]
        if m.kind == "expval":
            plan.append(("expval", mean))
            continue
        plan.append(("var", mean, _squared_terms(terms, word_index)))
    single = len(measurements) == 1

    def combine(results):
        results = (results,) if single else tuple(results)

        def total(pairs):
            return sum(c * (1.0 if i is None else results[i]) for c, i in pairs)

        out = []
        for kind, *parts in plan:
            if kind == "plain":
                out.append(results[parts[0]])
            elif kind == "expval":
                out.append(total(parts[0]))
            else:  # var(H) = <H^2> - <H>^2
                out.append(total(parts[1]) - total(parts[0]) ** 2)
        return out[0] if len(out) == 1 else tuple(out)

    trainable = (None if tape._trainable is None
                 else [moved[i] for i in tape._trainable if i in moved])
    return tape.copy(measurements=measurements, trainable_params=trainable), combine


def _squared_terms(terms, word_index) -> list:
    """``H^2 = sum_{w,v} c_w c_v P_w P_v`` of ``H = sum_w c_w P_w`` (``terms``) as
    ``(coefficient, measurement index)`` pairs: a pair of commuting words is ``+-`` one word
    (:func:`~qsym._operations.merge_matmul`); anticommuting pairs cancel with their
    mirror (``P_w P_v + P_v P_w = 0``) and are left out."""
    out = []
    with recording(Tape()):
        for w, cw in terms:
            for v, cv in terms:
                (u, phase), = merge_matmul(Observable({w: 1.0}), Observable({v: 1.0})).terms.items()
                if abs(complex(phase).imag) > 1e-12:
                    continue
                out.append((cw * cv * float(complex(phase).real), word_index(u)))
    return out


def _pauli(letter, wire):

    with recording(Tape()):
        return GATE_CLASSES["Pauli" + letter](wires=wire)


def _run(tape, device, gradient=None, cache=None, order=None, batch=None):
    """One tape's result on ``device``; under autograd differentiated by ``gradient`` (a
    :func:`tape_gradient`) if given, else by qsym's compiled parameter shift. With a
    ``gradient``, ``order`` is how many more derivatives its tapes support (PennyLane's
    ``max_diff``; None: any): at 0 the tape runs at its parameters' values, a constant to
    autograd; ``batch`` (a list shared by the tapes of one ``qml.execute``) gathers them,
    so that their Jacobians run as one batch (:func:`_batch_jacobians`). ``cache`` (a
    mapping or a :class:`~qsym._cache.Memo`, see :func:`execution_cache`) answers a tape
    run before (:func:`_cached_run`)."""
    if order is not None and order < 1 and gradient is not None:
        tape = _constant(tape)
    if cache is not None and not any(isinstance(d, Box) for d in gate_parameters(tape)):
        return _cached_run(tape, device, cache)
    if getattr(device, "run_qnode", None) is not None:  # default.gaussian runs its own tapes
        return device.execute((tape,))[0]
    _check_supported(tape)
    return _sequence(_run_one(tape, device, gradient, cache, order, batch))


def _constant(tape):
    """``tape`` at its parameters' values (autograd's boxes unwrapped), trainable parameters
    kept: beyond ``max_diff`` PennyLane runs the tapes of a derivative outside autograd."""
    if not any(isinstance(d, Box) for d in gate_parameters(tape)):
        return tape
    data = gate_parameters(tape)
    plain = tape.bind_new_parameters([getval(d) for d in data], list(range(len(data))))
    plain.trainable_params = list(tape.trainable_params)
    return plain


def _check_supported(tape) -> None:
    for op in tape.operations:  # a CV or qutrit record (qsym._cv): never dropped silently
        if isinstance(getattr(type(op), "unsupported", None), str):
            raise GateError(op.unsupported)


def _lowered_op(op) -> bool:
    """Whether the tape's circuit function applies ``op`` by its table gates (a template,
    a product of gates written as a statement, ``qml.adjoint``/``qml.ctrl`` of a template,
    as PennyLane's queue records them) rather than remaking it (a gate of the table)."""
    if isinstance(op, SymbolicOp):
        return _lowered_op(op.base)
    if isinstance(op, Exp):  # an Evolution is remade with its parameter (it may be traced)
        return not hasattr(op, "remake")
    return isinstance(op, GateSequence) or getattr(op, "is_gate_product", False)


def lowered(tape):
    """``tape`` with every operator the circuit function cannot remake (:func:`_lowered_op`)
    replaced by the table gates that apply it (its parameters then the gates'); the tape
    itself when there is none.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.QFT(wires=[0])], [qml.expval(qml.Z(0))])
    >>> lowered(t).operations
    [H(0)]
    """
    if not any(_lowered_op(op) for op in tape.operations):
        return tape
    # with trainable_params set, they are renumbered: a gate kept keeps its own; the gates
    # of a lowered operator are trainable if one of its parameters is (its gates'
    # parameters are functions of them)
    keep = None if tape._trainable is None else set(tape._trainable)
    ops, trainable, k = [], [], 0  # k: the parameter index in the tape; len(ops' data) so far
    count, touched = 0, set()  # touched: the wires of the operators so far
    for op in tape.operations:
        n = len(op.data)
        gates = [op]
        if _lowered_op(op):
            if touched.intersection(op.wires) and hasattr(op, "gates_after_gates"):
                # a state preparation after gates on its wires: as the tape orders it
                # (PennyLane decomposes it there), whatever the recording it was made in saw
                gates = list(op.gates_after_gates())
            else:
                gates = list(op.applied_gates() if hasattr(op, "applied_gates") else
                             op._rotations() if isinstance(op, Exp) else op.table_gates)
            m = sum(len(g.data) for g in gates)
            if keep is not None and keep.intersection(range(k, k + n)):
                trainable += range(count, count + m)
        else:
            m = n
            if keep is not None:
                trainable += [count + j for j in range(n) if k + j in keep]
        ops += gates
        touched.update(op.wires)
        k, count = k + n, count + m
    if keep is None:
        trainable = None
    else:  # the measured observables' parameters (after the gates'): moved along with them
        trainable += [count + i - k for i in sorted(keep) if i >= k]
    cls = type(tape) if type(tape) is QuantumScript else QuantumScript
    return cls(ops, tape.measurements, shots=tape.shots, trainable_params=trainable)


def eigvals_as_observables(tape):
    """``tape`` with every statistic of eigenvalues on wires (PennyLane's
    ``ExpectationMP(eigvals=..., wires=...)``, what ``diagonalize_measurements(to_eigvals=True)``
    makes) measured as the diagonal observable with those eigenvalues: ``Z`` words weighted
    by the Walsh-Hadamard transform of the eigenvalues (exact); the tape itself when there
    is none.

    >>> import qsym as qml
    >>> from qsym.measurements import ExpectationMP
    >>> t = QuantumScript([], [ExpectationMP(eigvals=[2.0, 0.0, 0.0, -2.0], wires=[0, 1])])
    >>> eigvals_as_observables(t).measurements[0].measured_obs
    Observable(1.0 * Z(1) + 1.0 * Z(0))
    """
    def of_eigvals(m):
        return (m.measured_obs is None and getattr(m, "_eigvals", None) is not None
                and m.kind in ("expval", "var", "sample", "counts"))

    if not any(map(of_eigvals, tape.measurements)):
        return tape
    from ._opmath import walsh_hadamard_transform
    new = []
    for m in tape.measurements:
        if not of_eigvals(m):
            new.append(m)
            continue
        wires, n = list(m.wires), len(m.wires)
        weights = walsh_hadamard_transform(np.real(np.asarray(m._eigvals, dtype=complex)), n)
        terms = {tuple((w, "Z") for j, w in enumerate(wires) if (s >> (n - 1 - j)) & 1): float(c)
                 for s, c in enumerate(weights) if c != 0}
        with recording(Tape()):
            out = type(m)(Observable(terms))
        if getattr(m, "all_outcomes", None) is not None:
            out.all_outcomes = m.all_outcomes
        new.append(out)
    return tape.copy(measurements=new)


BACKPROP = {}
"""``BACKPROP["simulate"]``: the NumPy state-vector simulator autograd differentiates through
(:func:`qsym._functional_qubit.simulate`; registered by that module, which is above this
one), ``BACKPROP["simulate_mixed"]`` the density-matrix one
(:func:`qsym._functional_mixed.simulate`), for tapes holding a matrix autograd computed
(:func:`_boxed_matrix_run`)."""


def boxed_matrix(op) -> bool:
    """Whether ``op`` applies a matrix that autograd computed from differentiated values (a
    ``QubitUnitary`` of such a matrix, itself or as the base or a factor of another
    operator): its derivative is not a shift rule of a gate parameter.

    >>> import qsym as qml
    >>> boxed_matrix(qml.QubitUnitary(np.eye(2), wires=0))
    False
    """
    if isinstance(op.__dict__.get("_u_given"), Box):
        return True  # (a template holding one, qml.BlockEncode(A): its lowered gates do)
    inner = ([op.base] if isinstance(op, SymbolicOp) else []) + list(
        getattr(op, "operands", None) or ())
    return any(o is not op and boxed_matrix(o) for o in inner)


def _boxed_matrix_run(tape, device):
    """The result of a tape that applies a matrix autograd computed (:func:`boxed_matrix`;
    ``qml.QubitUnitary(U)`` of ``U = f(x)``, ``qml.BlockEncode(A)`` of a trainable ``A``):
    the tape simulated on a NumPy state vector that autograd differentiates, so the
    derivative by ``x`` is the exact derivative of the simulation (PennyLane's backprop,
    which also gives its adjoint and parameter-shift numbers: those differentiate the same
    function). Sampled tapes and devices that run their own circuits are refused: no
    shift rule holds for a matrix's entries."""
    if tape.shots:
        raise DifferentiationError(
            "a gate matrix computed from differentiated inputs (qml.QubitUnitary of autograd's "
            "values, qml.BlockEncode of a trainable matrix) is differentiated exactly on "
            "analytic tapes only: use shots=None, or make the inputs gate parameters "
            "(qml.Rot(*p) instead of qml.QubitUnitary(qml.Rot.compute_matrix(*p)))")
    mixed = getattr(device, "mixed", False)  # default.mixed: its density matrix, the same way
    if devices.runs_own_execute(device) or mixed and getattr(device, "readout_prob", None):
        raise DifferentiationError(
            f"a gate matrix computed from differentiated inputs is differentiated by a "
            f"NumPy simulation autograd runs through; the device "
            f"{getattr(device, 'name', device)!r} runs its own circuits (or readout errors): "
            "use default.qubit or default.mixed, or make the inputs gate parameters")
    value = BACKPROP["simulate_mixed" if mixed else "simulate"](tape)
    for tracker in list(getattr(device, "trackers", None) or ()):  # one circuit, PennyLane's
        tracker.record(1, how="values", resources=tape_resources(tape), shots_each=None,
                       results=value)
    return value


def boxed_prep_first(tape) -> bool:
    """Whether ``tape`` opens with a state preparation holding autograd's amplitudes (a
    ``qml.StatePrep`` of a tape made or rebound under ``qml.grad``): run by backpropagation,
    PennyLane's device starts from that vector as it is (its derivative too, also off the
    unit sphere), not from Möttönen's gates of the normalized state."""
    ops = tape.operations
    return bool(ops) and bool(ops[0].__dict__.get("_boxed_prep"))


def _run_one(tape, device, gradient=None, cache=None, order=None, batch=None):
    if gradient is None and boxed_prep_first(tape):
        rest = lowered(tape.copy(operations=tape.operations[1:]))
        return _boxed_matrix_run(tape.copy(operations=[tape.operations[0], *rest.operations]),
                                 device)
    if any(isinstance(d, Box) for d in gate_parameters(tape)) and (
            any(boxed_matrix(op) for op in tape.operations)
            or any(boxed_matrix(op) for op in lowered(tape).operations)):
        return _boxed_matrix_run(lowered(tape), device)
    expand = None if gradient is None else getattr(gradient[0], "expand_tape", None)
    if expand is not None and any(isinstance(d, Box) for d in gate_parameters(tape)):
        tape = expand(tape)  # before lowering: Adjoint(template) as PennyLane's Adjoint(g)s
        if not any(isinstance(d, Box) for m in tape.measurements
                   for d in observable_parameters(m)):
            # the transform (spsa_grad) perturbs the parameters of its expansion's operators
            # as PennyLane's does: a template it keeps (grad_method "A", a
            # FermionicSingleExcitation) by its own parameter, not its gates'
            return _run_by_transform(tape, device, gradient, cache, order, batch)
    tape = eigvals_as_observables(lowered(tape))
    if not tape.measurements:  # nothing measured: no values (PennyLane's empty tuple)
        return ()
    split, combine = split_coefficients(tape)
    if combine is not None:
        return combine(_run_one(split, device, gradient, cache, order, batch))
    if gradient is not None and any(isinstance(d, Box) for d in gate_parameters(tape)):
        return _run_by_transform(tape, device, gradient, cache, order, batch)
    if devices.runs_own_execute(device):
        return _run_own(tape, device)
    carried, finish = split_custom(tape, device)  # measurement classes of the user's own
    if finish is not None:
        if any(isinstance(d, Box) for d in gate_parameters(tape)):
            refuse_derivative(tape)
        return _carried_run(tape, device, carried, finish)
    data = gate_parameters(tape)
    if tape._trainable is not None and any(isinstance(d, Box) for d in data):
        keep = set(tape._trainable)  # parameters not trainable (argnum): constants, a
        data = [d if i in keep else getval(d) for i, d in enumerate(data)]  # broadcast too
    if any(np.ndim(d) for d in data):  # a broadcast tape: one argument per parameter
        node = tape_qnode(tape, device, split=True)
        return _plain(node(*[d if isinstance(d, Box) or np.iscomplexobj(d)  # a Kraus matrix
                             else np.asarray(d, dtype=np.float64) for d in data]))
    node = tape_qnode(tape, device)
    if not data:
        return _plain(node())
    if any(isinstance(d, Box) for d in data) and any(
            getattr(m, "shadow", ()) for m in tape.measurements):
        # classical shadows: values by the device, derivatives by parameter shift with a
        # new shadow per shifted tape (PennyLane's)
        return _shadow_run(tape, device, data)
    if any(isinstance(d, Box) for d in data):  # under qml.grad: autograd sees the call
        return _plain(node(anp.stack([anp.real(d) for d in data])))
    return _plain(node(np.array([float(np.real(d)) for d in data], dtype=np.float64)))


def _carried_run(tape, device, carried, finish):
    """The result of a tape with measurements of the user's classes from its carrier runs
    (:func:`qsym._custom_measurements.split_custom`); a :class:`qsym.devices.Tracker` of
    the device records the tape as PennyLane's device does: one circuit, its own
    measurements' resources and its result (not the carriers')."""
    trackers = getattr(device, "trackers", None)
    if not trackers:
        return finish([_run_one(t, d) for t, d in carried])
    kept = list(trackers)
    trackers[:] = []  # (the list the carriers' rewired devices share)
    try:
        value = finish([_run_one(t, d) for t, d in carried])
    finally:
        trackers[:] = kept
    shots = tape.shots
    for tracker in kept:
        tracker.record(1, how="values", resources=tape_resources(tape), results=value,
                       shots_each=shots.total_shots if shots else None)
    return value


def _on_its_wires(device, tape):
    """``device``, or (a tape using wires the device has not) the device widened by them
    (:meth:`qsym.devices.Device.widened`): PennyLane's ``dev.execute`` simulates the tape's
    wires (its preprocessing, ``qml.execute`` and QNodes, refuses them)."""
    if getattr(device, "wires", None) is None or not hasattr(device, "widened"):
        return device
    extra = [w for w in tape.wires if w not in device.wires]
    return device.widened(extra) if extra else device


def device_execute(device, circuits, execution_config=None):
    """``dev.execute(tape)`` or ``dev.execute([tapes])``: the result of one tape, or a
    tuple of results (PennyLane's ``Device.execute``).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> t = qml.tape.QuantumScript([qml.RX(0.0, 0)], [qml.expval(qml.Z(0)), qml.probs(wires=0)])
    >>> dev.execute(t)
    (np.float64(1.0), array([1., 0.]))
    """
    if isinstance(circuits, QuantumScript):
        return _run(circuits, _on_its_wires(device, circuits))
    circuits = tuple(circuits)
    if device.wires is not None and any(set(t.wires) - set(device.wires) for t in circuits):
        return tuple(device_execute(device, t, execution_config) for t in circuits)
    options = getattr(execution_config, "device_options", None) or {}
    workers = devices.check_max_workers(options.get("max_workers",
                                                    getattr(device, "_max_workers", None)))
    with devices.one_batch():  # PennyLane's count: one batch of circuits
        if workers and workers > 1 and len(circuits) > 1:
            return _run_pooled(circuits, device, workers)
        return tuple(_run(t, device) for t in circuits)


def _run_pooled(circuits, device, workers):
    """The tapes of a batch run by a pool of ``workers`` threads (PennyLane's
    ``max_workers``; qsym's compiled kernels and caches are thread-safe). Tapes with shots
    run in the calling thread, in order, so that their samples are those of
    ``max_workers=None``; so does the first tape of each structure (it may trace and
    compile)."""
    results = [None] * len(circuits)
    pooled, seen = [], set()
    for i, t in enumerate(circuits):
        key = _structure(t, device)
        if t.shots or key not in seen or devices.runs_own_execute(device):
            seen.add(key)
            results[i] = _run(t, device)
        else:
            pooled.append(i)
    if pooled:
        scope = devices.batch_scope()  # the pool's tapes are of this thread's batch
        context = contextvars.copy_context()  # (devices.base_execute: the pool's threads too)

        def in_scope(i):
            with devices.one_batch(scope):
                return _run(circuits[i], device)

        def run(i):
            return context.copy().run(in_scope, i)

        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            for i, r in zip(pooled, pool.map(run, pooled)):
                results[i] = r
    return tuple(results)


def execute(tapes, device, diff_method=None, interface="auto", **kwargs):
    """PennyLane's ``qml.execute(tapes, device, diff_method=...)``: a tuple with each tape's
    result, computed by qsym's compiled circuit for the tape's structure; results are
    values, as PennyLane's for NumPy parameters. Under autograd (``qml.grad`` of a cost
    that executes tapes), a ``diff_method`` naming a gradient transform
    (``qml.gradients.param_shift``, ``finite_diff``, ``spsa_grad`` or their method names)
    differentiates the tapes, with its ``gradient_kwargs``: its shifted tapes run on the
    device (:func:`tape_gradient`); PennyLane's other options (``grad_on_execution``,
    ``cache``, ...) are accepted (``grad_on_execution=True`` with ``"adjoint"`` or
    ``"device"`` runs trainable tapes through ``execute_and_compute_derivatives``, as
    PennyLane's forward pass; under autograd its Jacobians are the backward pass's, the
    device not asked again). ``transform_program`` (a ``CompilePipeline``, e.g. a
    device's ``preprocess_transforms()``) transforms the tapes first and post-processes
    their results, as PennyLane's. Without a ``diff_method`` (PennyLane's default, None)
    the results are values without a derivative: under ``qml.grad`` the backward pass
    raises PennyLane's ``QuantumFunctionError`` ("Derivatives cannot be calculated with
    diff_method=None"), as PennyLane's does.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RY(0.5, 0)], [qml.probs(wires=0)])
    >>> execute([t], qml.device("default.qubit", wires=1))[0].round(6)
    array([0.938791, 0.061209])
    """
    if isinstance(tapes, QuantumScript):
        raise ArgumentError("qml.execute takes a list of tapes: qml.execute([tape], dev)")
    device = devices.current_api(device)  # a legacy device: PennyLane's LegacyDeviceFacade
    if kwargs.get("device_vjp") and getattr(type(device), "wraps_legacy_device", False):
        raise QuantumFunctionError(f"device_vjp=True is not supported for device {device}, "
                                   f"diff_method {diff_method}, and the provided circuit.")
    if not hasattr(device, "wires") or not hasattr(device, "shots"):
        raise DeviceError(f"qml.execute needs a device, e.g. qml.device('default.qubit'); got {device!r}")
    if diff_method is None:  # PennyLane's default: values, no derivatives (qsym's own calls
        diff_method = EXECUTE_NO_GRADIENTS  # pass EXACT: its compiled derivatives)
    if not kwargs.pop("method_checked", False):  # (once: not again on transformed tapes)
        _check_device_method(tapes, device, diff_method, kwargs.get("max_diff", 1))
    if isinstance(diff_method, _NoGradients):
        return _without_gradients(tapes, device, interface, kwargs, diff_method.message)
    program = kwargs.pop("transform_program", None)
    if program:
        tapes, post = program(list(tapes))
        return tuple(post(execute(tapes, device, diff_method, interface, method_checked=True,
                                  **kwargs)))
    if getattr(device, "applied_transforms", None):
        # a transformed device (qml.add_noise(dev, ...)): its preprocessing (which ends with
        # its transforms), then the device without them
        tapes, post = device.preprocess_transforms()(list(tapes))
        return tuple(post(execute(tapes, devices.untransformed_device(device), diff_method, interface,
                                  method_checked=True, **kwargs)))
    if devices.runs_own_execute(device) and not kwargs.pop("device_preprocessed", False):
        # a device's own execute (a user's class, a spy on it) gets its tapes after the
        # device's preprocess_transforms(), as PennyLane's qml.execute sends them
        tapes, post = device.preprocess_transforms()(list(tapes))
        return tuple(post(execute(tapes, device, diff_method, interface,
                                  device_preprocessed=True, method_checked=True, **kwargs)))
    results = _executed(tapes, device, diff_method, kwargs)
    if kwargs.get(AS_TENSORS):
        return tensor_results(tapes, results, device)
    return _autograd_arrays(results) if kwargs.get(AT_BOUNDARY) else results


# qml.execute's keywords for its innermost run: the tapes' results as PennyLane's autograd
# boundary returns them, or as its NumPy interface does (:func:`user_execute`)
AT_BOUNDARY = "_autograd_boundary"
AS_TENSORS = "_numpy_tensors"


def user_execute(tapes, device, diff_method=None, interface="auto", **kwargs):
    """PennyLane's ``qml.execute(tapes, device, diff_method=None, interface="auto", ...)``:
    :func:`execute`, at PennyLane's autograd boundary where the interface is autograd (given
    as ``interface="autograd"``, or ``"auto"`` and a parameter of a tape, an observable's
    too, is a ``qsym.numpy`` tensor, also one with ``requires_grad=False``): each result of
    the tapes the device runs is then a NumPy array (``array(0.99...)`` for an expectation
    value, a dictionary of counts as it is), as PennyLane's ``autograd.numpy.array`` makes
    it, before the post-processing of the transforms (``transform_program``, a transformed
    device's noise) acts on it.

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> dev = qml.device("default.qubit", wires=1)
    >>> t = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    >>> qml.execute([t], dev)
    (np.float64(0.87758256189037...),)
    >>> t = qml.tape.QuantumScript([qml.RX(pnp.array(0.5), 0)], [qml.expval(qml.Z(0))])
    >>> qml.execute([t], dev, diff_method=None)
    (array(0.87758256),)

    With ``interface="numpy"`` (or None) PennyLane's ``default.qubit`` computes on the
    tensors instead: each analytic result of a tape holding one (a gate's parameter or an
    observable's coefficient) is a ``qsym.numpy`` tensor with ``requires_grad=True``, as
    PennyLane's; a tape with shots gives NumPy values.

    >>> qml.execute([t], dev, interface="numpy")
    (tensor(0.87758256, requires_grad=True),)
    """
    if _autograd_interface(tapes, interface):
        kwargs[AT_BOUNDARY] = True
    elif interface in ("numpy", None) and not isinstance(tapes, QuantumScript):
        kwargs[AS_TENSORS] = True
    return execute(tapes, device, diff_method, interface, **kwargs)


def _autograd_interface(tapes, interface) -> bool:
    """Whether PennyLane's ``_resolve_interface`` makes ``interface`` autograd for
    ``tapes`` (``"auto"``: ``qml.math.get_interface`` of every parameter of the tapes)."""
    if interface != "auto":
        return interface == "autograd"

    if isinstance(tapes, QuantumScript):
        return False  # (execute refuses it)
    return _has_tensors(tapes)


def _has_tensors(tapes) -> bool:
    """Whether a parameter of ``tapes`` (a gate's, an observable's) is a ``qsym.numpy``
    tensor, ``requires_grad`` either way (``qml.math.get_interface``: autograd)."""
    from .math import get_interface

    params = [d for t in tapes for d in list(gate_parameters(t)) + [
        p for m in t.measurements for p in observable_parameters(m)]]
    return bool(params) and get_interface(*params) == "autograd"


def tensor_results(tapes, results, device) -> tuple:
    """``results`` of ``tapes`` on ``device`` as PennyLane's ``default.qubit`` gives them
    outside autograd (``dev.execute``, ``qml.execute(..., interface="numpy")``): it
    computes on the tapes' ``pennylane.numpy`` tensors, so each analytic result of a tape
    holding one (a gate's parameter or an observable's coefficient, ``requires_grad``
    either way) is a tensor with ``requires_grad=True``; a tape with shots, or another
    device (lightning's floats), as it is."""
    if getattr(device, "name", None) not in devices.TENSOR_DEVICES:
        return tuple(results)
    return tuple(_as_tensors(r) if not t.shots and _has_tensors([t]) else r
                 for t, r in zip(tapes, results))


def _as_tensors(result):
    """A tape's result as PennyLane's ``default.qubit`` computes it on ``pennylane.numpy``
    tensors: a sequence a tuple of its entries converted, a dictionary (counts) as it is,
    autograd's boxes as they are, any other value ``tensor(x, requires_grad=True)``."""
    if isinstance(result, dict) or isinstance(result, Box):
        return result
    if isinstance(result, (list, tuple)):
        return tuple(_as_tensors(r) for r in result)
    return tensor(result, requires_grad=True)


def _autograd_arrays(result):
    """PennyLane's ``_to_autograd``: a sequence a tuple of its entries converted, a
    dictionary (counts) as it is, any other value ``autograd.numpy.array`` of it (a NumPy
    float ``array(x)``); autograd's boxes (a derivative being taken) as they are."""
    if isinstance(result, dict) or isinstance(result, Box):
        return result
    if isinstance(result, (list, tuple)):
        return tuple(_autograd_arrays(r) for r in result)
    return np.array(result)


def _executed(tapes, device, diff_method, kwargs) -> tuple:
    """The results of ``tapes`` that :func:`execute` runs on ``device`` itself (no
    transforms left to apply)."""
    gradient = tape_gradient(diff_method, kwargs.get("gradient_kwargs"))
    max_diff = kwargs.get("max_diff", 1)
    cache = execution_cache(kwargs.get("cache", "auto"), kwargs.get("cachesize", 10000), max_diff)
    order = max_diff if gradient is not None else None  # (exact methods: any order)
    workers = getattr(device, "_max_workers", None)
    tapes = tuple(tapes)
    _check_device_wires(tapes, device)
    if _derivatives_on_execution(tapes, device, diff_method, kwargs):
        return _executed_with_derivatives(tapes, device, diff_method)
    with devices.one_batch():  # PennyLane's count: one batch of circuits
        if cache is None and workers and workers > 1 and len(tapes) > 1 and not any(
                isinstance(d, Box) for t in tapes for d in gate_parameters(t)):  # autograd: one thread
            return _run_pooled(tapes, device, workers)
        if cache is None and own_batch(tapes, device):
            return _run_own_batch(tapes, device)
        batch = [] if gradient is not None else None  # their Jacobians: one batch
        return tuple(_run(t, device, gradient, cache, order, batch) for t in tapes)


def _check_device_method(tapes, device, diff_method, max_diff) -> None:
    """PennyLane's ``_resolve_diff_method`` of ``qml.execute``: a device-only method
    (``"backprop"``, ``"adjoint"``, ``"device"``) the device does not support for the first
    tape (its ``supports_derivatives``; a user's device class without
    ``compute_derivatives`` supports none) raises, whether or not anything is
    differentiated; never another method's derivatives in its place."""
    if not isinstance(diff_method, str) or diff_method not in devices.DEVICE_ONLY_METHODS:
        return
    if devices.runs_own_execute(device) and isinstance(device, devices.DefaultQubit):
        return  # (PennyLane's DefaultQubit.supports_derivatives, kept by a subclass with
        # its own execute: qsym's device API answers for a base-class device there)
    supports = getattr(device, "supports_derivatives", None)
    tapes = list(tapes)
    if supports is None or supports(devices.ExecutionConfig(
            gradient_method=diff_method, derivative_order=max_diff or 1),
            tapes[0] if tapes else None):
        return
    raise devices.unsupported_method(device, diff_method, "qml.execute's")


class _NoGradients:
    """``diff_method`` of tapes whose results have no derivative: a QNode made with
    ``diff_method=None`` (:func:`qsym._transform.qnode_gradient`), or ``qml.execute``
    given no ``diff_method`` (PennyLane's default, None): values, and PennyLane's
    ``NoGradients`` error (``message``) in autograd's backward pass (never another
    method's derivatives)."""

    def __init__(self, message: str):
        self.message = message

    def __repr__(self):
        return "None"


NO_GRADIENTS_MESSAGE = (
    "Derivatives cannot be calculated with diff_method=None (qsym: this QNode was made "
    "with diff_method=None, not differentiable; give it a diff_method such as "
    "'parameter-shift' or 'adjoint' to differentiate it)")
NO_GRADIENTS = _NoGradients(NO_GRADIENTS_MESSAGE)
EXECUTE_NO_GRADIENTS = _NoGradients(
    "Derivatives cannot be calculated with diff_method=None (qsym: qml.execute(tapes, "
    "device) was given no diff_method, and PennyLane's default, None, does not "
    "differentiate; pass one, e.g. diff_method=qml.gradients.param_shift, 'adjoint' or "
    "'backprop')")


class _Exact:
    """``diff_method`` of qsym's own calls of :func:`execute` (a QNode's tapes, gradient
    transforms, the metric tensor): under autograd qsym's compiled derivatives of the
    tapes (where a user's ``qml.execute`` without ``diff_method`` has none, as
    PennyLane's)."""

    def __repr__(self):
        return "EXACT"


EXACT = _Exact()


@primitive
def _no_gradient(value, params, message):
    """``value``, computed at ``params`` (autograd's values) without a derivative."""
    return value


def _no_gradient_vjp(ans, value, params, message):
    def vjp(g):
        raise MethodError(message)
    return vjp


defvjp(_no_gradient, None, _no_gradient_vjp)


def _without_gradients(tapes, device, interface, kwargs, message) -> tuple:
    """The tapes' results at their parameters' values; under autograd each result of a
    tape with traced parameters raises PennyLane's ``NoGradients`` error (``message``)
    when differentiated."""
    tapes = list(tapes)
    boxed = [[d for d in list(gate_parameters(t)) + [p for m in t.measurements
                                                     for p in observable_parameters(m)]
              if isinstance(d, Box)] for t in tapes]
    plain = [_constant(t) if b else t for t, b in zip(tapes, boxed)]
    results = execute(plain, device, EXACT, interface, method_checked=True, **kwargs)

    def wrap(result, params):
        if isinstance(result, tuple):
            return _sequence(tuple(wrap(r, params) for r in result))
        return _no_gradient(result, params, message)

    return tuple(wrap(r, anp.concatenate([anp.ravel(anp.real(d)) for d in b])) if b else r
                 for r, b in zip(results, boxed))


def _derivatives_on_execution(tapes, device, diff_method, kwargs) -> bool:
    """Whether ``qml.execute`` runs the tapes as PennyLane's does with
    ``grad_on_execution=True`` and the device's derivatives (``"adjoint"``, ``"device"``):
    tapes with a parameter that requires grad (plain values, or under one autograd
    derivative: boxes of numbers, not boxes of boxes, and real results, not states), each
    such parameter a number, their measurements ones the adjoint method differentiates,
    their observables' parameters not differentiated (the device's Jacobians are by the
    gates' only), on a built-in device."""
    from .math import requires_grad

    params = [d for t in tapes for d in gate_parameters(t)]
    boxed = [d for d in params if isinstance(d, Box)]
    kinds = ("expval", "var", "probs") if boxed else ("expval", "var", "probs", "state")
    return (kwargs.get("grad_on_execution") is True and diff_method in ("adjoint", "device")
            and not devices.runs_own_execute(device)
            and not any(isinstance(getval(d), Box) or isinstance(d._value, Box) for d in boxed)
            and any(requires_grad(d) for d in params)
            and all(np.ndim(d) == 0 for d in params if isinstance(d, Box) or requires_grad(d))
            and all(getattr(m, "kind", None) in kinds and not getattr(m, "reduce", ())
                    for t in tapes for m in t.measurements)
            and not any(isinstance(d, Box) for t in tapes for m in t.measurements
                        for d in observable_parameters(m)))  # (coefficients: the general way)


def _executed_with_derivatives(tapes, device, diff_method) -> tuple:
    """PennyLane's forward pass with ``grad_on_execution=True``: one call of the device's
    ``execute_and_compute_derivatives`` (not the execution cache, which PennyLane's
    ``DeviceDerivatives.execute_and_cache_jacobian`` also bypasses). Under autograd the
    Jacobians it returns are the backward pass's (the derivative by each boxed parameter:
    the cotangent times those Jacobians; the device is not asked again); outside it the
    values only, as PennyLane's Jacobians then serve no backward pass."""
    from .devices import ExecutionConfig

    config = ExecutionConfig(gradient_method=diff_method, grad_on_execution=True)
    if not any(isinstance(d, Box) for t in tapes for d in gate_parameters(t)):
        return tuple(device.execute_and_compute_derivatives(_trainable_by_grad(tapes), config)[0])
    boxes, plain = [], []
    for t in tapes:
        data = gate_parameters(t)
        trainable = [i for i, d in enumerate(data) if isinstance(d, Box)]
        boxes += [data[i] for i in trainable]
        c = t.bind_new_parameters([getval(d) for d in data], list(range(len(data))))
        c.trainable_params = trainable
        plain.append(c)
    results, jacs = device.execute_and_compute_derivatives(plain, config)
    shapes, flat, rows, col = [], [], [], 0
    for tape, result, jac in zip(plain, results, jacs):
        n, many = len(tape.trainable_params), len(tape.measurements) > 1
        per_m = list(jac) if many and n else [jac] * len(tape.measurements)
        for value, j in zip(list(result) if many else [result], per_m):
            value = np.asarray(value, dtype=float)
            block = np.zeros((value.size, len(boxes)))  # these results by every boxed parameter
            for k, x in enumerate([] if n == 0 else [j] if n == 1 else list(j)):
                block[:, col + k] = np.asarray(x, dtype=float).ravel()
            shapes.append(value.shape)
            flat.append(value.ravel())
            rows.append(block)
        col += n
    matrix = np.concatenate(rows) if rows else np.zeros((0, len(boxes)))
    values = _with_jacobian(anp.stack(boxes), np.concatenate(flat) if flat else np.zeros(0), matrix)
    out, start = [], 0
    for tape in plain:
        parts = []
        for _ in range(len(tape.measurements)):
            shape = shapes.pop(0)
            size = int(np.prod(shape))
            parts.append(anp.reshape(values[start:start + size], shape))
            start += size
        out.append(parts[0] if len(parts) == 1 else ag_tuple(parts))
    return tuple(out)


@primitive
def _with_jacobian(params, values, matrix):
    """``values``, whose Jacobian by ``params`` is ``matrix`` (computed with them)."""
    return values


defvjp(_with_jacobian, lambda ans, params, values, matrix: lambda g: np.asarray(g) @ matrix)


def _trainable_by_grad(tapes) -> list:
    """Copies of ``tapes`` whose trainable parameters are those that require grad (what
    PennyLane's autograd interface sets before the device differentiates them)."""
    from .math import requires_grad

    out = []
    for t in tapes:
        c = t.copy()
        c.trainable_params = [i for i, d in enumerate(gate_parameters(t)) if requires_grad(d)]
        out.append(c)
    return out


def _check_device_wires(tapes, device) -> None:
    """PennyLane's ``validate_device_wires`` of ``qml.execute``: a device with wires runs
    no tape using others (``dev.execute`` itself does, :func:`_on_its_wires`)."""
    wires = getattr(device, "wires", None)
    if wires is None or devices.runs_own_execute(device):
        return
    extra = {w for t in tapes for w in t.wires if w not in wires}
    if extra:
        raise WireError(f"Cannot run circuit(s) on {device.name} as they contain wires not found "
                        f"on the device: {extra} (qml.execute checks the device's wires; "
                        "dev.execute(tape) runs a tape's wires)")


def own_batch(tapes, device) -> bool:
    """Whether ``tapes`` run as one batch on a user's device class with its own
    ``execute`` (PennyLane's one ``device.execute(tapes)`` call): not under autograd (a
    tape holding boxes runs alone, differentiated by parameter shift)."""
    return (devices.runs_own_execute(device) and getattr(device, "run_qnode", None) is None
            and not any(isinstance(d, Box) for t in tapes for d in gate_parameters(t)))


def _run_own_batch(tapes, device) -> tuple:
    """The tapes' results from one ``device.execute(tapes, execution_config=None)`` (each
    tape lowered as :func:`_run_one` lowers it; a tape measuring nothing gives ``()``). A
    ``preprocess`` assigned to the device instance decides alone what the device gets
    (PennyLane's: its pipeline's tapes, templates kept where it keeps them)."""
    plans = []
    own = "preprocess" in vars(device)
    for tape in tapes:
        _check_supported(tape)
        tape = eigvals_as_observables(tape if own else lowered(tape))
        split, combine = split_coefficients(tape) if tape.measurements else (None, None)
        plans.append((tape if combine is None else split, combine, bool(tape.measurements)))
    batch = tuple(t for t, _, measured in plans if measured)
    results = iter(device.execute(batch, execution_config=None) if batch else ())
    out = []
    for _, combine, measured in plans:
        r = next(results) if measured else ()
        out.append(combine(r) if combine is not None else r)
    return tuple(out)


def _cached_run(tape, device, cache):
    """PennyLane's cache of ``qml.execute`` (:func:`execution_cache`): a tape equal to one
    run before (:func:`cache_key`) is answered from ``cache`` (a mapping or a ``Memo``)
    without running, with PennyLane's warning when it has finite shots (its samples
    repeat). Only tapes of values (under ``qml.grad`` autograd must see the run)."""
    key = cache_key(tape)  # (PennyLane's key; a QNode's are tuples)
    if cache.get(key) is not None:
        if tape.shots:
            warnings.warn(CACHED_SHOTS_WARNING, UserWarning, stacklevel=3)
        return cache.get(key)
    result = _run(tape, device)
    if isinstance(cache, Memo):
        cache.put(key, result)
    else:
        cache[key] = result
    return result


def light_cone_params(tape, written: bool = True) -> set:
    """Indices (into ``tape.data``) of the parameters some measurement depends on: a gate
    reaches a measurement through a chain of later gates sharing wires (PennyLane's
    check of the circuit graph); the others have a zero derivative and need no circuit.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 1)], [qml.expval(qml.Z(0))])
    >>> sorted(light_cone_params(t))
    [0]

    A measurement is on its wires as PennyLane's graph puts it (``mp.wires``): an
    observable's identity factors count (``qml.Z(1) @ qml.I(0)`` is on wires 1 and 0, so a
    gate on wire 0 is reached, though its derivative is 0), as do a Hermitian's wires; a
    measurement of no wires (``qml.probs()``) is on every wire.

    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 1)],
    ...                            [qml.expval(qml.Z(1) @ qml.I(0))])
    >>> sorted(light_cone_params(t))
    [0, 1]

    ``written=False``: the measurements on the wires they measure (an observable's Pauli
    words, a Hermitian's wires, the wires given): the parameters whose derivative may be
    nonzero (the others' is exactly 0, where PennyLane computes rounding from its tapes).

    >>> sorted(light_cone_params(t, written=False))
    [1]

    A gate without wires (``qml.GlobalPhase(x)``) acts on every wire of the tape, as in
    PennyLane's graph: its parameter is reached, and it links the wires of the gates before
    it to all the others.

    A mid-circuit measurement reached this way reaches the operations conditioned on it
    (``qml.cond``), as PennyLane's circuit graph links a ``MidMeasureMP`` to each
    ``Conditional`` on it: a gate before ``qml.measure(1)`` reaches ``qml.cond(m, qml.RX)(y,
    wires=0)`` and so ``expval(Z(0))``.

    >>> def f():
    ...     qml.RY(0.3, wires=1)
    ...     qml.cond(qml.measure(1), qml.RX)(0.5, wires=0)
    >>> t = qml.tape.make_qscript(f)()
    >>> sorted(light_cone_params(t.copy(measurements=[qml.expval(qml.Z(0))])))
    [0, 1]
    """
    # a measurement's node sits on its wires (``mp.wires``: an observable's as written,
    # identity factors included: ``Z(1) @ I(0)`` is on wires 1 and 0; a statistic of
    # mid-circuit measurements on theirs), on every wire if it names none (``probs()``)
    everywhere = any(not m.wires for m in tape.measurements)
    measured = {w for m in tape.measurements for w in m.wires}
    if not written:
        everywhere = any(not m.wires and m.measured_obs is None for m in tape.measurements)
        measured = set()
        for m in tape.measurements:
            if m.measured_obs is not None:
                measured |= {w for word in m.measured_obs.terms for w, _ in word}
                measured |= set(getattr(m.measured_obs, "_mwires", ()) or ())
            measured |= set(m.raw_wires or ())
    out = set()
    for k, n, reach, post in _parameter_reach(tape):
        # (a postselection renormalises every measurement: not PennyLane's graph, whose
        # finite_diff and param_shift give 0 there, wrongly)
        if everywhere or post or reach & measured:
            out.update(range(k, k + n))
    k = sum(len(op.data) for op in tape.operations)  # (the observables' numbers after)
    # a measured observable's numbers (coefficients) reach its own measurement; an array
    # (a Hermitian's matrix) has PennyLane's zero derivative
    out.update(i for i, p in enumerate(tape.data[k:], start=k) if np.ndim(p) == 0)
    return out


def _parameter_reach(tape):
    """For each operation with parameters: ``(index of its first parameter in
    ``tape.data``, its parameter count, the wires it reaches, whether it reaches a
    postselecting mid-circuit measurement)``. An operation reaches the wires of every later
    one sharing a wire with what it reached (PennyLane's circuit graph); a gate without
    wires acts on every wire; a mid-circuit measurement reached reaches the operations
    conditioned on it (``qml.cond``)."""
    every = set(tape.wires)

    def wires_of(op):
        return set(op.wires) or every

    ops = tape.operations
    k = 0
    for i, op in enumerate(ops):
        n = len(op.data)
        if n:
            reach, mcms, post = wires_of(op), set(), False
            for later in ops[i + 1:]:
                if reach & wires_of(later) or (isinstance(later, Conditional) and any(
                        m in mcms for m in later.meas_val.measurements)):
                    reach |= wires_of(later)
                    if isinstance(later, (MidMeasure, PauliMeasure)):
                        mcms.add(later)
                        post = post or getattr(later, "postselect", None) is not None
            yield k, n, reach, post
        k += n


def postselected_params(tape) -> set:
    """Indices (into ``tape.data``) of the gate parameters that reach a postselecting
    mid-circuit measurement (``qml.measure(w, postselect=v)``) through later gates sharing
    wires: every measurement after it is renormalised by the postselection's probability,
    which these parameters change, so the value is a ratio of two trigonometric
    polynomials in each of them, and a shift rule applied to it gives a wrong number.

    >>> import qsym as qml
    >>> def f():
    ...     qml.RY(0.3, wires=0)
    ...     qml.CNOT([0, 1])
    ...     qml.measure(1, postselect=1)
    ...     qml.RX(0.5, wires=0)
    >>> sorted(postselected_params(qml.tape.make_qscript(f)()))
    [0]
    """
    return {j for k, n, _, post in _parameter_reach(tape) if post for j in range(k, k + n)}


def _dev_execute(self, circuits, execution_config=None):
    if not isinstance(circuits, QuantumScript):
        circuits = tuple(circuits)
    with devices.base_execute(self):  # (a user's class calling super().execute: simulated)
        results = device_execute(self, circuits, execution_config)
    if isinstance(circuits, QuantumScript):  # (PennyLane's tensors: tensor_results)
        return tensor_results((circuits,), (results,), self)[0]
    return tensor_results(circuits, results, self)


_dev_execute.__doc__ = device_execute.__doc__


def install_device_execute(device_class) -> None:
    """Give ``device_class`` PennyLane's ``execute(circuits)`` method (:func:`device_execute`)."""
    device_class.execute = _dev_execute


install_device_execute(devices.Device)
