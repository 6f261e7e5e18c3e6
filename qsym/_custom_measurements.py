"""Measurement classes of the user's own (PennyLane's ``SampleMeasurement``,
``StateMeasurement`` and ``MeasurementTransform`` subclasses) on a tape.

qsym compiles its own measurement kinds; a class of the user's own is computed as
PennyLane's ``default.qubit`` computes it: the circuit runs with a *carrier* measurement
of the tape's wires (with finite shots ``qml.sample`` of them, else ``qml.state()``, on
``default.mixed`` ``qml.density_matrix``), taken after the measurement's
``diagonalizing_gates()``, and the class's own ``process_samples(samples, wire_order)``,
``process_state(state, wire_order)`` or ``process_density_matrix(rho, wire_order)`` is
handed that result, the wires numbered ``0 .. n-1`` as PennyLane's standard wires (the
gates' wires, then those only measured; a measurement without wires measures the
device's) and the measurement's own wires mapped alike: PennyLane's shapes and order. The
measurement's class decides what a device accepts, as PennyLane's
``validate_measurements``: with shots a ``SampleMeasurement``, without a
``StateMeasurement`` (else :class:`~qsym.errors.DeviceError`). Such a result has no
derivative (:class:`~qsym.errors.DifferentiationError`).

>>> import qsym as qml
>>> from qsym.measurements import StateMeasurement
>>> class Norm(StateMeasurement):
...     def process_state(self, state, wire_order):
...         return float(abs(state @ state.conj()))
>>> t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [Norm(wires=[0])])
>>> round(qml.device("default.qubit", wires=1).execute(t), 12)
1.0
"""

from __future__ import annotations

import copy

from .errors import DeviceError, DifferentiationError
from ._operations import SampleMeasurement, StateMeasurement, density_matrix, sample, state
from ._trace import Tape, recording
from .wires import Wires


def is_custom(m) -> bool:
    """Whether ``m`` is a measurement of a class of the user's own: one qsym has no kind of
    (a ``SampleMeasurement``, ``StateMeasurement`` or ``MeasurementTransform`` subclass
    without one of qsym's kinds).

    >>> import qsym as qml
    >>> from qsym.measurements import SampleMeasurement
    >>> class Mine(SampleMeasurement):
    ...     def process_samples(self, samples, wire_order, shot_range=None, bin_size=None):
    ...         return samples.sum()
    >>> is_custom(Mine(wires=[0])), is_custom(qml.expval(qml.Z(0)))
    (True, False)
    """
    return getattr(m, "kind", None) == ""


def _measured(m, device) -> list:
    """A measurement's wires as PennyLane's device fills them: its own, else (no wires: all
    of them) the device's."""
    own = list(m.wires) if len(m.wires) else []
    return own or list(getattr(device, "wires", None) or ())


def _wire_order(tape, device) -> list:
    """The wires the state and samples are on, in their order, as PennyLane's
    ``default.qubit`` simulates them (``map_to_standard_wires`` after its preprocessing gave
    a measurement without wires the device's): the gates' wires, then the wires only
    measured; integers ``0 .. n-1`` already standard stay in order. A tape without wires
    on a device without wires: one wire."""
    ops = list(tape.op_wires)
    measured = [w for m in tape.measurements for w in _measured(m, device)]
    only = list(dict.fromkeys(w for w in measured if w not in ops))
    n, k = len(ops), len(ops) + len(only)
    if set(ops) == set(range(n)) and set(only) == set(range(n, k)):
        return list(range(k)) or [0]
    return ops + only


def _checked(m, shots, device) -> None:
    """PennyLane's ``validate_measurements`` of one measurement of the user's class."""
    name = getattr(device, "name", "the device")
    if shots and not isinstance(m, SampleMeasurement):
        raise DeviceError(f"Measurement {m} not accepted with finite shots on {name}")
    if not shots and not isinstance(m, StateMeasurement):
        raise DeviceError(f"Measurement {m} not accepted for analytic simulation on {name}.")


def _carrier(order, shots, device):
    """The measurement whose result is handed to the user's class: samples of every wire,
    the state, or (``default.mixed``) the density matrix of every wire."""
    with recording(Tape()):
        if shots:
            return sample(wires=order)
        if getattr(device, "mixed", False):
            return density_matrix(wires=order)
        return state()


def _mapped(m, wire_map: dict, device_wires=()):
    """A copy of ``m`` on the integer wires the carrier's wire order numbers (its observable
    too), as PennyLane's device maps a tape's wires before measuring."""
    from ._opfunctions import map_wires

    new = copy.copy(m)
    for name in ("measured_obs", "_written"):  # qsym's form, and ``self.obs`` as passed
        obs = getattr(m, name, None)
        if obs is not None and hasattr(obs, "wires"):
            setattr(new, name, map_wires(obs, wire_map))
    raw = getattr(m, "_wires", None)
    if raw is not None:
        new._wires = tuple(wire_map[w] for w in raw)
    elif getattr(m, "measured_obs", None) is None:  # every wire: the device's (PennyLane's preprocessing)
        new._wires = tuple(wire_map[w] for w in device_wires if w in wire_map) or None
    return new


def _processed(m, raw, n: int, shots, device):
    """The user's method on the carrier's result ``raw``."""
    order = Wires(range(n))
    if shots:
        return m.process_samples(raw, order)
    if getattr(device, "mixed", False):
        return m.process_density_matrix(raw, order)
    return m.process_state(raw, order)


def _values(result, count: int, partitioned: bool):
    """A tape's result as ``[per shot partition][per measurement]``."""
    parts = result if partitioned else (result,)
    return [list(p) if count > 1 else [p] for p in parts]


def split_custom(tape, device):
    """``(runs, combine)``: ``tape``'s measurements of the user's classes replaced by
    carriers, as ``(tape, device)`` pairs to run (the tape of its other measurements on
    ``device``; one carrier tape for every such measurement without diagonalizing gates,
    one more per measurement with them, its gates appended, on the device rewired to the
    carrier's wires, :func:`_wire_order`), and the function that makes the tape's result
    from theirs; ``(None, None)`` when it has none.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    >>> split_custom(t, qml.device("default.qubit", wires=1))
    (None, None)
    """
    mps = list(tape.measurements)
    if not any(map(is_custom, mps)):
        return None, None
    shots = tape.shots
    for m in mps:
        if is_custom(m):
            _checked(m, shots, device)
    order = _wire_order(tape, device)
    wire_map = {w: i for i, w in enumerate(order)}
    on_order = device.rewired(order) if hasattr(device, "rewired") else device
    plain = [m for m in mps if not is_custom(m)]
    custom = [m for m in mps if is_custom(m)]
    groups: dict = {}  # the diagonalizing gates (their reprs) -> one carrier tape
    for m in custom:
        groups.setdefault(repr(m.diagonalizing_gates()), []).append(m)
    runs = [(tape.copy(measurements=plain, trainable_params=tape._trainable), device)] if plain else []
    where = {}  # id(m) -> index of its carrier's run
    for members in groups.values():
        gates = list(members[0].diagonalizing_gates())
        runs.append((tape.copy(operations=list(tape.operations) + gates,
                               measurements=[_carrier(order, shots, device)],
                               trainable_params=tape._trainable), on_order))
        where.update({id(m): len(runs) - 1 for m in members})
    partitioned = bool(getattr(shots, "has_partitioned_shots", False))

    def combine(results):
        values = [_values(r, len(plain) if (plain and i == 0) else 1, partitioned)
                  for i, r in enumerate(results)]
        out = []
        for p in range(len(values[0])):
            row, k = [], 0
            for m in mps:
                if not is_custom(m):
                    row.append(values[0][p][k])
                    k += 1
                    continue
                raw = values[where[id(m)]][p][0]
                mapped = _mapped(m, wire_map, list(getattr(device, "wires", None) or ()))
                row.append(_processed(mapped, raw, len(order), shots, device))
            out.append(tuple(row) if len(mps) > 1 else row[0])
        return tuple(out) if partitioned else out[0]

    return runs, combine


def refuse_derivative(tape) -> None:
    """A :class:`~qsym.errors.DifferentiationError` naming the tape's measurements of the
    user's classes: qsym computes them from the result of a run, not differentiably."""
    names = sorted({type(m).__name__ for m in tape.measurements if is_custom(m)})
    raise DifferentiationError(
        f"the measurement class{'es' if len(names) > 1 else ''} {', '.join(names)} of your "
        "own is computed by its process_* method from a run's samples or state, which qsym "
        "does not differentiate; return qml.expval, qml.var or qml.probs to differentiate")
