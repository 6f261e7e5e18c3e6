"""PennyLane's ``qml.ftqc`` (fault-tolerant and measurement-based workloads): mid-circuit
measurements in other bases than the computational one, and the classical bookkeeping
measurement-based programs use.

* :class:`ParametricMidMeasure` (a measurement along an axis at ``angle`` in the plane
  ``"XY"``, ``"ZX"`` or ``"YZ"`` of the Bloch sphere), :class:`XMidMeasure`,
  :class:`YMidMeasure`, made by :func:`measure_arbitrary_basis`, :func:`measure_x`,
  :func:`measure_y` (:func:`measure_z` is ``qml.measure``). Each is a ``MidMeasure`` whose
  ``diagonalizing_gates()`` rotate its basis onto the computational basis; qsym's deferral
  applies them before the ``Z`` measurement, so a circuit measures in the basis it names
  with or without :func:`diagonalize_mcms` (PennyLane's devices need the transform; the
  numbers are the same).
* :func:`diagonalize_mcms`: PennyLane's transform writing that rotation into the tape.
* :func:`parity`, :class:`QubitMgr` (``pennylane.ftqc.utils``).

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def f(x):
...     qml.RY(x, wires=0)
...     m = qml.ftqc.measure_x(0)      # outcome 1 with probability (1 - sin x) / 2
...     return qml.expval(m)
>>> bool(np.isclose(f(0.3), (1 - np.sin(0.3)) / 2))
True
"""

from __future__ import annotations

import copy
import functools
import hashlib
import operator
import sys

import numpy as np

from ._locks import new_rlock
from . import _operations as ops_mod
from ._mcm import Conditional, MeasurementValue, MidMeasure, cond, measure, new_meas_uid
from ._opmath import AnnotatedQueue, Operator, PennyLaneOperation, adjoint
from ._qubit_graph import (MAX_TRAVERSAL_DEPTH,  # noqa: F401 - pennylane.ftqc.qubit_graph's
                           Lattice, QubitGraph, generate_lattice)
from ._compilation import decompose
from ._linalg import xzx_rotation_angles
from .decomposition import add_decomps, enabled_graph, gate_sets, register_resources
from ._trace import Tape, not_recording, recording
from ._tapes import QuantumScript
from ._transform import transform
from .exceptions import QuantumFunctionError
from .wires import Wires

__all__ = [
    "ParametricMidMeasure", "XMidMeasure", "YMidMeasure", "measure_arbitrary_basis",
    "measure_x", "measure_y", "measure_z", "diagonalize_mcms", "cond_measure", "QubitMgr",
    "parity", "RotXZX", "pauli_to_xz", "xz_to_pauli", "pauli_prod", "commute_clifford_op",
    "get_byproduct_corrections", "GraphStatePrep", "make_graph_state", "QubitGraph",
    "Lattice", "generate_lattice", "convert_to_mbqc_formalism",
    "convert_to_mbqc_gateset", "ppr_to_mbqc",
]

_PLANES = ("XY", "ZX", "YZ")
_SUPERSCRIPTS = {"X": "ˣ", "Y": "ʸ", "Z": "ᶻ"}


def _gate(name: str, *params, wires):
    """Table gate ``name`` made without recording it."""
    with not_recording():
        return ops_mod.GATE_CLASSES[name](*params, wires=wires)


def _outcome_label(mp, head: str) -> str:
    """The drawing label's tail PennyLane writes: postselected value, then reset or not."""
    out = head + {None: "", 0: "₀", 1: "₁"}[mp.postselect]
    return out + ("│  │0⟩" if mp.reset else "├")


class ParametricMidMeasure(MidMeasure):
    """PennyLane's ``ParametricMidMeasure``: a mid-circuit measurement of one wire in the
    basis at ``angle`` in ``plane`` of the Bloch sphere, outcome 0 for the state

    * ``"XY"``: ``(|0> + e^{i angle}|1>) / sqrt(2)`` (``angle`` 0: ``X``, ``pi/2``: ``Y``),
    * ``"ZX"``: ``cos(angle/2)|0> + sin(angle/2)|1>`` (0: ``Z``, ``pi/2``: ``X``),
    * ``"YZ"``: ``cos(angle/2)|0> - i sin(angle/2)|1>`` (0: ``Z``, ``pi/2``: ``-Y``),

    and 1 for the orthogonal state. ``diagonalizing_gates()`` map that basis onto
    ``|0>, |1>`` (``PhaseShift(-angle)`` then ``H``; ``RY(-angle)``; ``RX(-angle)``); the
    deferral applies them before measuring ``Z``. After the measurement the wire holds the
    computational basis state of its outcome (PennyLane's diagonalized circuit).

    >>> mp = ParametricMidMeasure([0], angle=0.5, plane="ZX", meas_uid="a")
    >>> mp, mp.diagonalizing_gates()
    (measure_zx(wires=[0], angle=0.5), [RY(-0.5, wires=[0])])
    >>> mp.label(decimals=2)
    '┤↗ᶻˣ(0.50)├'
    """

    name = "ParametricMidMeasure"
    _shortname = "measure"
    has_diagonalizing_gates = True

    def __init__(self, wires, *, angle, plane, reset=False, postselect=None, meas_uid=None,
                 id=None):  # noqa: A002 (PennyLane's keyword)
        super().__init__(wires=Wires(wires), reset=reset, postselect=postselect,
                         meas_uid=meas_uid, id=id)
        self._hyperparameters["plane"] = plane
        self._hyperparameters["angle"] = angle

    @property
    def plane(self) -> str:
        """The plane of the measurement axis: ``"XY"``, ``"ZX"`` or ``"YZ"``."""
        return self.hyperparameters["plane"]

    @property
    def angle(self):
        """The angle of the measurement axis in its plane (radians)."""
        return self.hyperparameters["angle"]

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash``: class, plane, angle, wires and ``meas_uid``."""
        if isinstance(self.angle, (int, float, np.number, np.ndarray)):
            angle = np.ascontiguousarray(np.asarray(self.angle, dtype=float)).tobytes()
        else:  # (a traced input of a circuit: its expression, as PennyLane's abstract angle)
            angle = repr(self.angle).encode()
        digest = hashlib.sha256(angle).hexdigest()
        return hash((type(self).__name__, self.plane, digest, tuple(self.wires.tolist()),
                     self.meas_uid))

    def __eq__(self, other):
        return (type(other) is type(self) and self.hash == other.hash
                and self.reset == other.reset and self.postselect == other.postselect)

    def __hash__(self):
        return self.hash

    def _flatten(self):
        meta = (("reset", self.reset), ("postselect", self.postselect),
                ("meas_uid", self.meas_uid), ("plane", self.plane))
        return (self.angle,), (self.wires, meta)

    @classmethod
    def _unflatten(cls, data, metadata):
        wires, meta = metadata
        with recording(Tape()):
            if cls is ParametricMidMeasure:
                return cls(wires, angle=data[0], **dict(meta))
            return cls(wires, **dict(meta))

    def _same_on(self, wires):
        """This measurement (same ``meas_uid``) on ``wires``, unrecorded."""
        data, (_, meta) = self._flatten()
        return type(self)._unflatten(data, (Wires(wires), meta))

    def map_wires(self, wire_map: dict):
        """The same measurement on ``wire_map[wire]``.

        >>> XMidMeasure(0, meas_uid="a").map_wires({0: 2})
        measure_x(wires=[2])
        """
        w = self.wires[0]
        return self._same_on([wire_map.get(w, w)])

    def __repr__(self):
        return (f"{self._shortname}_{self.plane.lower()}(wires={self.wires.tolist()}, "
                f"angle={self.angle})")

    def diagonalizing_gates(self) -> list:
        """The gates that rotate the measurement basis onto the computational basis
        (unrecorded; a plane other than XY, ZX, YZ is a ``NotImplementedError``)."""
        w = list(self.wires)
        if self.plane == "XY":
            return [_gate("PhaseShift", -self.angle, wires=w), _gate("Hadamard", wires=w)]
        if self.plane == "ZX":
            return [_gate("RY", -self.angle, wires=w)]
        if self.plane == "YZ":
            return [_gate("RX", -self.angle, wires=w)]
        raise NotImplementedError(f"{self.plane} plane not implemented. Available plans are "
                                  "'XY' 'ZX' and 'YZ'.")

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: ``┤↗ˣʸ├`` with the angle when ``decimals`` is given."""
        head = "┤↗" + "".join(_SUPERSCRIPTS[c] for c in self.plane)
        if decimals is not None:
            head += f"({float(self.angle):.{decimals}f})"
        return _outcome_label(self, head)


class XMidMeasure(ParametricMidMeasure):
    """PennyLane's ``XMidMeasure``: a mid-circuit measurement in the ``X`` basis (outcome 0
    for ``|+>``), the ``"XY"`` measurement at angle 0 diagonalized by ``H``.

    >>> XMidMeasure(0).diagonalizing_gates()
    [H(0)]
    """

    name = "XMidMeasure"
    _shortname = "measure_x"
    _angle = 0.0
    _head = "┤↗ˣ"

    def __init__(self, wires, reset=False, postselect=None, meas_uid=None, id=None):  # noqa: A002
        super().__init__(wires, angle=self._angle, plane="XY", reset=reset,
                         postselect=postselect, meas_uid=meas_uid, id=id)

    def _flatten(self):
        meta = (("reset", self.reset), ("postselect", self.postselect),
                ("meas_uid", self.meas_uid))
        return (), (self.wires, meta)

    def __repr__(self):
        return f"{self._shortname}(wires={self.wires.tolist()})"

    def diagonalizing_gates(self) -> list:
        """``[H]``."""
        return [_gate("Hadamard", wires=list(self.wires))]

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label ``┤↗ˣ├``."""
        return _outcome_label(self, self._head)


class YMidMeasure(XMidMeasure):
    """PennyLane's ``YMidMeasure``: a mid-circuit measurement in the ``Y`` basis (outcome 0
    for ``(|0> + i|1>)/sqrt(2)``), the ``"XY"`` measurement at ``pi/2``, diagonalized by
    ``adjoint(S)`` then ``H``.

    >>> YMidMeasure(0).angle == np.pi / 2
    True
    """

    name = "YMidMeasure"
    _shortname = "measure_y"
    _angle = np.pi / 2
    _head = "┤↗ʸ"

    def diagonalizing_gates(self) -> list:
        """``[adjoint(S), H]``."""
        w = list(self.wires)
        with recording(Tape()):
            return [adjoint(ops_mod.GATE_CLASSES["S"](wires=w)), _gate("Hadamard", wires=w)]


def _single_wire(wires) -> Wires:
    wires = Wires(wires)
    if len(wires) > 1:
        raise QuantumFunctionError(
            "Only a single qubit can be measured in the middle of the circuit")
    return wires


def _measured(cls, wires, **kwargs) -> MeasurementValue:
    """A ``cls`` measurement of ``wires`` (recorded), with a fresh ``meas_uid``, as a value."""
    return MeasurementValue([cls(wires=wires, meas_uid=new_meas_uid(), **kwargs)])


def measure_arbitrary_basis(wires, angle, plane, reset=False, postselect=None):
    """Measure one wire in the middle of a circuit in the basis at ``angle`` in ``plane``
    (``"XY"``, ``"ZX"``, ``"YZ"``; see :class:`ParametricMidMeasure`); outcomes 0 and 1.
    Returns the ``MeasurementValue`` (for ``qml.cond`` and measurement statistics).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> @qml.qnode(dev)
    ... def f():
    ...     m = measure_arbitrary_basis(0, angle=np.pi / 3, plane="ZX")  # on |0>
    ...     return qml.expval(m)
    >>> bool(np.isclose(f(), np.sin(np.pi / 6) ** 2))
    True
    """
    return _measured(ParametricMidMeasure, _single_wire(wires), angle=angle, plane=plane,
                     reset=reset, postselect=postselect)


def measure_x(wires, reset=False, postselect=None):
    """Measure one wire in the ``X`` basis in the middle of a circuit (outcome 0: ``|+>``).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> @qml.qnode(dev)
    ... def f():
    ...     qml.Hadamard(0)
    ...     return qml.expval(measure_x(0))
    >>> round(float(f()), 12)
    0.0
    """
    return _measured(XMidMeasure, _single_wire(wires), reset=reset, postselect=postselect)


def measure_y(wires, reset=False, postselect=None):
    """Measure one wire in the ``Y`` basis in the middle of a circuit (outcome 0:
    ``(|0> + i|1>)/sqrt(2)``).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> @qml.qnode(dev)
    ... def f():
    ...     qml.RX(-np.pi / 2, wires=0)    # (|0> + i|1>)/sqrt(2)
    ...     return qml.expval(measure_y(0))
    >>> round(float(f()), 12)
    0.0
    """
    return _measured(YMidMeasure, _single_wire(wires), reset=reset, postselect=postselect)


def measure_z(wires, reset=False, postselect=None):
    """Measure one wire in the computational basis: ``qml.measure``.

    >>> type(measure_z(0).measurements[0]).__name__
    'MidMeasure'
    """
    return measure(wires, reset=reset, postselect=postselect)


def cond_measure(condition, true_fn, false_fn):
    """PennyLane's ``cond_measure``: measure in the basis ``true_fn`` measures when
    ``condition`` (a ``MeasurementValue``) is true, else in ``false_fn``'s. Both must be
    measurement functions (``measure_x``, ``partial(measure_arbitrary_basis, angle=...,
    plane=...)``, ...) of the same wire, reset and postselection. Returns a function of their
    arguments that records both measurements conditioned on their branch and returns the
    outcome (a value over both measurements: the one made). A ``condition`` that is not a
    measurement value picks the branch at once.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit")
    >>> @qml.qnode(dev)
    ... def f():
    ...     qml.Hadamard(1)
    ...     m = qml.measure(0)                            # 0
    ...     m2 = cond_measure(m, measure_y, measure_x)(1)  # X basis: outcome 0
    ...     return qml.expval(m2)
    >>> round(float(f()), 12)
    0.0
    """
    if not isinstance(condition, MeasurementValue):
        return true_fn if condition else false_fn
    if not (callable(true_fn) and callable(false_fn)) or any(
            isinstance(fn, Operator) for fn in (true_fn, false_fn)):
        raise ValueError(
            "Only measurement functions can be applied conditionally by `cond_measure`.")

    @functools.wraps(true_fn)
    def wrapper(*args, **kwargs):
        with recording(Tape()):
            made = [getattr(fn(*args, **kwargs), "measurements", [None])[0]
                    for fn in (true_fn, false_fn)]
        _check_branches(*made)
        Conditional(condition, made[0])
        Conditional(~condition, made[1])
        return MeasurementValue(made, lambda v1, v2: v1 or v2)

    return wrapper


def _check_branches(true_meas, false_meas) -> None:
    if not (isinstance(true_meas, MidMeasure) and isinstance(false_meas, MidMeasure)):
        raise ValueError("Only measurement functions that return a measurement value can be "
                         "used in `cond_measure`")
    if not (true_meas.wires == false_meas.wires and true_meas.reset == false_meas.reset
            and true_meas.postselect == false_meas.postselect):
        raise ValueError(
            "When applying a mid-circuit measurement in `cond_measure`, the `wire`, "
            "`postselect` and `reset` behaviour must be consistent for both branches of the "
            "conditional. Only the basis of the measurement (defined by measurement type or "
            "by `plane` and `angle`) can vary.")


def _plain(mp) -> MidMeasure:
    """The computational-basis measurement replacing ``mp`` (same wire, uid, reset,
    postselection), unrecorded."""
    with recording(Tape()):
        return MidMeasure(mp.wires, reset=mp.reset, postselect=mp.postselect,
                          meas_uid=mp.meas_uid)


def _remapped(mv, mapping):
    """Measurement value(s) ``mv`` over the measurements ``mapping`` replaces."""
    if isinstance(mv, MeasurementValue):
        return MeasurementValue([mapping.get(m, m) for m in mv.measurements],
                                mv._processing_fn if mv.has_processing else None)
    return [_remapped(v, mapping) for v in mv]


def _conditioned(expr, gates) -> list:
    with recording(Tape()):
        return [Conditional(expr, g) for g in gates]


def _diagonalized_pair(true_cond, false_cond, mapping) -> list:
    """A ``cond_measure`` pair (conditional measurements of one wire): each branch's
    rotation conditioned on its expression, then one computational-basis measurement."""
    out = []
    for c in (true_cond, false_cond):
        expr = _remapped(c.meas_val, mapping)
        out.extend(_conditioned(expr, c.base.diagonalizing_gates()
                                if getattr(c.base, "has_diagonalizing_gates", False) else []))
    new = _plain(true_cond.base)
    mapping[true_cond.base] = mapping[false_cond.base] = new
    return out + [new]


@transform
def diagonalize_mcms(tape):
    """PennyLane's transform: each :class:`ParametricMidMeasure` becomes its diagonalizing
    gates and a computational-basis ``MidMeasure`` (same wire, ``meas_uid``, reset and
    postselection), conditionals and statistics of its value refer to the new measurement;
    a pair of conditional measurements (``cond_measure``) becomes both branches' rotations,
    conditioned, and one measurement. qsym's circuits measure in the named basis without
    it: the transform changes the tape, not the numbers.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.ftqc.XMidMeasure(0, meas_uid="a")])
    >>> (new,), _ = qml.ftqc.diagonalize_mcms(tape)
    >>> new.operations
    [H(0), MidMeasure(wires=[0], postselect=None, reset=False)]
    """
    ops, mapping, i = list(tape.operations), {}, 0
    new_ops = []
    while i < len(ops):
        op = ops[i]
        if isinstance(op, ParametricMidMeasure):
            new = _plain(op)
            new_ops.extend(op.diagonalizing_gates() + [new])
            mapping[op] = new
        elif isinstance(op, Conditional) and isinstance(op.base, MidMeasure):
            if i + 1 >= len(ops) or not isinstance(ops[i + 1], Conditional):
                raise QuantumFunctionError(
                    "a conditional mid-circuit measurement must be followed by the one of "
                    "the other branch (as cond_measure records them)")
            new_ops.extend(_diagonalized_pair(op, ops[i + 1], mapping))
            i += 1
        elif isinstance(op, Conditional):
            with recording(Tape()):
                new_ops.append(Conditional(_remapped(op.meas_val, mapping), op.base))
        else:
            new_ops.append(op)
        i += 1
    measurements = []
    for mp in tape.measurements:
        if getattr(mp, "mv", None) is not None:
            mp = copy.copy(mp)
            mp.mv = _remapped(mp.mv, mapping)
        measurements.append(mp)
    return (tape.copy(operations=new_ops, measurements=measurements),), _first


def _first(results):
    return results[0]


# --- pennylane.ftqc.utils --------------------------------------------------------------------
def parity(*args):
    """The parity (XOR) of bits, or of mid-circuit measurement values (a new value over all
    their measurements; constants enter its processing).

    >>> parity(0, 1, 1), parity(1, 1, 1)
    (0, 1)
    >>> m0 = MeasurementValue([MidMeasure(0, meas_uid="a")])
    >>> m1 = MeasurementValue([MidMeasure(1, meas_uid="b")])
    >>> int(parity(m0, m1, 1).processing_fn(1, 0))
    0
    """
    if args and isinstance(args[0], MeasurementValue):
        return functools.reduce(operator.xor, args)
    return int(np.bitwise_xor.reduce(np.asarray(args).astype(int)))


class QubitMgr:
    """PennyLane's ``QubitMgr``: the wire indices ``start_idx .. start_idx + num_qubits - 1``
    split into ``active`` (in use) and ``inactive`` (free, assumed reset to ``|0>``), for
    programs that recycle measured and reset wires. Acquiring takes the smallest free index.
    Thread-safe (one re-entrant lock).

    >>> mgr = QubitMgr(num_qubits=3, start_idx=5)
    >>> mgr.acquire_qubits(2), mgr.inactive
    ([5, 6], {7})
    >>> mgr.release_qubit(5); sorted(mgr.inactive)
    [5, 7]
    """

    def __init__(self, num_qubits: int = 0, start_idx: int = 0):
        self._lock = new_rlock()
        ok = [isinstance(x, int) and not isinstance(x, bool) and x >= 0
              for x in (num_qubits, start_idx)]
        if not all(ok):
            raise TypeError("Index counts and starting values must be positive integers. "
                            f"Received {num_qubits} and {start_idx}.")
        self._num_qubits = num_qubits
        self._active = set()
        self._inactive = set(range(start_idx, start_idx + num_qubits))

    def __repr__(self):
        return (f"QubitMgr(num_qubits={self.num_qubits}, active={self.active}, "
                f"inactive={self.inactive})")

    @property
    def num_qubits(self) -> int:
        """How many wire indices are tracked."""
        return self._num_qubits

    @property
    def active(self) -> set:
        """The wire indices in use."""
        with self._lock:
            return self._active

    @property
    def inactive(self) -> set:
        """The free wire indices (in ``|0>``)."""
        with self._lock:
            return self._inactive

    @property
    def all_qubits(self) -> set:
        """Active and inactive indices."""
        with self._lock:
            return self._active | self._inactive

    def acquire_qubit(self) -> int:
        """Take the smallest free index and make it active (``RuntimeError`` if none)."""
        with self._lock:
            if not self._inactive:
                raise RuntimeError(
                    "Cannot allocate any additional wire indices. Execution aborted.")
            idx = min(self._inactive)
            self._inactive.remove(idx)
            self._active.add(idx)
            return idx

    def acquire_qubits(self, num_qubits: int) -> list:
        """Take ``num_qubits`` free indices (``RuntimeError`` if there are fewer; none
        taken then)."""
        with self._lock:
            if num_qubits > len(self._inactive):
                raise RuntimeError(
                    "Cannot allocate any additional wire indices. Execution aborted.")
            return [self.acquire_qubit() for _ in range(max(num_qubits, 0))]

    def release_qubit(self, idx: int) -> None:
        """Make active index ``idx`` free again (``RuntimeError`` if it is not active)."""
        with self._lock:
            if idx not in self._active:
                raise RuntimeError(
                    f"Wire index {idx} not found in active set. Execution aborted.")
            self._active.remove(idx)
            self._inactive.add(idx)

    def release_qubits(self, indices) -> None:
        """:meth:`release_qubit` of each index."""
        with self._lock:
            for idx in indices:
                self.release_qubit(idx)

    def reserve_qubit(self, idx: int) -> None:
        """Make the free index ``idx`` active (``RuntimeError`` if it is not free)."""
        with self._lock:
            if idx not in self._inactive:
                raise RuntimeError(
                    f"Qubit index {idx} not found in inactive set. Execution aborted.")
            self._inactive.remove(idx)
            self._active.add(idx)


# --- RotXZX (pennylane.ftqc.operations) ----------------------------------------------------
def _rx(t):
    c, s_ = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s_], [-1j * s_, c]])


class RotXZX(PennyLaneOperation):
    """PennyLane's ``RotXZX(phi, theta, omega, wires)``: ``RX(omega) RZ(theta) RX(phi)``
    (``RX(phi)`` applied first), the one-qubit rotation of the MBQC gate set; in a circuit
    its decomposition (three table gates, each differentiated by its shift rule).

    >>> op = RotXZX(0.1, 0.2, 0.3, wires=0)
    >>> op.decomposition()
    [RX(0.1, wires=[0]), RZ(0.2, wires=[0]), RX(0.3, wires=[0])]
    >>> op.adjoint()
    RotXZX(-0.3, -0.2, -0.1, wires=[0])
    """

    AS_USER_CLASS = True  # applied as a user's decomposing class (qsym._operations._users)
    num_wires = 1
    num_params = 3
    ndim_params = (0, 0, 0)
    grad_method = "A"
    parameter_frequencies = [(1,), (1,), (1,)]

    def __init__(self, phi, theta, omega, wires, id=None):  # noqa: A002
        super().__init__(phi, theta, omega, wires=wires, id=id)

    @property
    def resource_params(self) -> dict:
        """No resource parameters (PennyLane's)."""
        return {}

    @staticmethod
    def compute_matrix(phi, theta, omega):  # noqa: D102
        """``RX(omega) @ RZ(theta) @ RX(phi)``."""
        rz = np.diag([np.exp(-0.5j * theta), np.exp(0.5j * theta)])
        return _rx(omega) @ rz @ _rx(phi)

    @staticmethod
    def compute_decomposition(phi, theta, omega, wires):  # noqa: D102
        """``[RX(phi), RZ(theta), RX(omega)]``."""
        return [ops_mod.GATE_CLASSES["RX"](phi, wires=wires),
                ops_mod.GATE_CLASSES["RZ"](theta, wires=wires),
                ops_mod.GATE_CLASSES["RX"](omega, wires=wires)]

    def adjoint(self):
        """``RotXZX(-omega, -theta, -phi)``."""
        phi, theta, omega = self.parameters
        return RotXZX(-omega, -theta, -phi, wires=self.wires)

    def single_qubit_rot_angles(self) -> tuple:
        """``(phi, theta, omega)``."""
        return tuple(self.data)


@register_resources({ops_mod.GATE_CLASSES["RX"]: 2, ops_mod.GATE_CLASSES["RZ"]: 1})
def _xzx_decompose(phi, theta, omega, wires, **_):
    RotXZX.compute_decomposition(phi, theta, omega, wires)


add_decomps(RotXZX, _xzx_decompose)


# --- graph states (pennylane.ftqc.graph_state_preparation) ---------------------------------
_H, _CZ = ops_mod.GATE_CLASSES["Hadamard"], ops_mod.GATE_CLASSES["CZ"]


class GraphStatePrep(PennyLaneOperation):
    """PennyLane's ``GraphStatePrep``: the graph state of ``graph`` (a networkx graph or a
    :class:`QubitGraph`) on ``wires``: ``one_qubit_ops`` (``H``) on every wire, then
    ``two_qubit_ops`` (``CZ``) on every edge. The graph's sorted node labels are matched to
    ``wires`` in order (so the state does not depend on the order the graph stores its
    nodes); a ``QubitGraph`` without ``wires`` acts on its children.

    >>> import qsym as qml
    >>> import networkx as nx
    >>> GraphStatePrep(nx.path_graph(3), wires=["a", "b", "c"]).decomposition()
    [H('a'), H('b'), H('c'), CZ(wires=['a', 'b']), CZ(wires=['b', 'c'])]
    """

    AS_USER_CLASS = True  # applied by its decomposition (qsym._operations._users)
    has_matrix = False
    num_wires = None
    num_params = 0
    grad_method = None

    def __init__(self, graph, one_qubit_ops=_H, two_qubit_ops=_CZ, wires=None):
        if isinstance(graph, QubitGraph):
            if wires is not None and len(set(wires)) != len(set(graph.node_labels)):
                raise ValueError("Please ensure the length of wires objects match the number "
                                 "of children in QubitGraph.")
            wires = wires if wires is not None else list(graph.children)
        else:
            if wires is None:
                raise ValueError("Please ensure wires is specified.")
            if len(wires) != len(set(graph.nodes)):
                raise ValueError("Please ensure the length of wires objects match that of "
                                 "labels in graph.")
        super().__init__(wires=list(wires))
        self.hyperparameters.update(graph=graph, one_qubit_ops=one_qubit_ops,
                                    two_qubit_ops=two_qubit_ops)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``GraphStatePrep(Hadamard, CZ)``."""
        return repr(self)

    def __repr__(self):
        one = self.hyperparameters["one_qubit_ops"]
        with recording(Tape()):
            one_name = one(wires=0).name
        return f"GraphStatePrep({one_name}, {self.hyperparameters['two_qubit_ops'].__name__})"

    @staticmethod
    def compute_decomposition(wires, graph, one_qubit_ops=_H, two_qubit_ops=_CZ):  # noqa: D102
        """The one-qubit gates on ``wires``, then the two-qubit gates on the edges."""
        qubit_graph = isinstance(graph, QubitGraph)
        nodes = graph.node_labels if qubit_graph else graph.nodes
        try:
            ordered = sorted(nodes)
        except TypeError as exc:
            raise TypeError("GraphStatePrep requires the node labels of the input graph to be "
                            "sortable") from exc
        wire_of = dict(zip(ordered, wires))
        edges = graph.edge_labels if qubit_graph else graph.edges
        return ([one_qubit_ops(wires=w) for w in wires]
                + [two_qubit_ops(wires=[wire_of[a], wire_of[b]]) for a, b, *_ in edges])


def make_graph_state(graph, wires, one_qubit_ops=_H, two_qubit_ops=_CZ) -> None:
    """Prepare ``graph``'s graph state on ``wires``: a :class:`GraphStatePrep`.

    >>> import qsym as qml
    >>> import networkx as nx
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def f():
    ...     make_graph_state(nx.path_graph(2), wires=[0, 1])
    ...     return qml.state()
    >>> (f() * 2).real.round(12).tolist()      # (|00> + |01> + |10> - |11>) / 2
    [1.0, 1.0, 1.0, -1.0]
    """
    GraphStatePrep(graph=graph, wires=wires, one_qubit_ops=one_qubit_ops,
                   two_qubit_ops=two_qubit_ops)


# --- the MBQC formalism (pennylane.ftqc.decomposition) -----------------------------------------
# one-qubit gates by measurement patterns on a chain of 4 graph qubits after the input
# (Raussendorf, Browne and Briegel 2003): the bases of the input and the first three graph
# qubits; an angle ("a", k) is the gate's k-th angle, its sign chosen by earlier outcomes
# (_ADAPTIVE: which outcomes' parity flips it)
_PATTERNS = {
    "RZ": ("X", "X", ("a", 0), "X"),
    "RotXZX": ("X", ("a", 0), ("a", 1), ("a", 2)),
    "Hadamard": ("X", "Y", "Y", "Y"),
    "S": ("X", "X", "Y", "X"),
}
_ADAPTIVE = {("RZ", 2): (1,), ("RotXZX", 1): (0,), ("RotXZX", 2): (1,), ("RotXZX", 3): (0, 2)}
# CNOT: a 13-qubit graph (_CNOT_EDGES) joined to the control (at node 0) and target (node 7);
# the bases of control, nodes 0-4, 6, target, nodes 7-11; outputs on nodes 5 and 12
_CNOT_BASES = ("X", "Y", "Y", "Y", "Y", "Y", "Y", "X", "X", "X", "Y", "X", "X")
_CNOT_EDGES = ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (2, 6), (6, 9), (7, 8), (8, 9), (9, 10),
               (10, 11), (11, 12))


def _measure_in(basis, wire, diagonalize: bool, condition=None, angle=None):
    """One pattern measurement with reset: ``"X"``, ``"Y"``, or the XY-plane angle
    ``+angle`` when ``condition`` (a measurement value or a bit) is true, else ``-angle``;
    as a measurement in that basis or (``diagonalize``) its rotation and ``qml.measure``."""
    if basis == "X":
        if not diagonalize:
            return measure_x(wire, reset=True)
        ops_mod.GATE_CLASSES["Hadamard"](wires=wire)
    elif basis == "Y":
        if not diagonalize:
            return measure_y(wire, reset=True)
        adjoint(ops_mod.GATE_CLASSES["S"](wires=wire))
        ops_mod.GATE_CLASSES["Hadamard"](wires=wire)
    else:
        plus = functools.partial(measure_arbitrary_basis, angle=angle)
        minus = functools.partial(measure_arbitrary_basis, angle=-angle)
        if not diagonalize:
            return cond_measure(condition, plus, minus)(plane="XY", wires=wire, reset=True)
        shift = ops_mod.GATE_CLASSES["PhaseShift"]
        cond(condition, functools.partial(shift, phi=-angle),
             functools.partial(shift, phi=angle))(wires=wire)
        ops_mod.GATE_CLASSES["Hadamard"](wires=wire)
    return measure(wire, reset=True)


def queue_measurements(op, wires, diagonalize_mcms=False) -> list:
    """Record the measurement pattern of one-qubit gate ``op`` (``RZ``, :class:`RotXZX`,
    ``H``, ``S``) on ``wires`` (the input, then the graph qubits); its four outcomes."""
    name = getattr(op, "__name__", None) or type(op).__name__
    if name not in _PATTERNS or isinstance(op, type):
        raise NotImplementedError(f"Received unsupported gate of type {op}")
    out = []
    for k, basis in enumerate(_PATTERNS[name]):
        angle = condition = None
        if isinstance(basis, tuple):
            angle = op.parameters[basis[1]]
            flips = [out[i] for i in _ADAPTIVE[(name, k)]]
            condition = flips[0] if len(flips) == 1 else parity(*flips)
        out.append(_measure_in(basis, wires[k], diagonalize_mcms, condition, angle))
    return out


def queue_single_qubit_gate(q_mgr, op, in_wire, diagonalize_mcms=False) -> tuple:
    """Gate ``op`` on ``in_wire`` in the MBQC formalism: a 4-qubit chain graph state on
    wires from ``q_mgr``, joined to the input by ``CZ``, the gate's measurement pattern
    (measured wires reset and released); ``(output wire, outcomes)``."""
    graph_wires = q_mgr.acquire_qubits(4)
    wires = [in_wire] + graph_wires
    chain = Lattice("chain", nodes=range(4), edges=[(i, i + 1) for i in range(3)]).graph
    make_graph_state(chain, wires=graph_wires)
    ops_mod.GATE_CLASSES["CZ"](wires=wires[:2])
    outcomes = queue_measurements(op, wires, diagonalize_mcms)
    q_mgr.release_qubits(wires[:-1])
    return wires[-1], outcomes


def queue_corrections(op, measurements):
    """A function of a wire recording ``op``'s byproduct corrections (``Z`` then ``X``,
    conditioned on the pattern's outcomes)."""
    x_corr, z_corr = _single_xz_corrections(op, *measurements)

    def corrections(wire):
        cond(z_corr, ops_mod.GATE_CLASSES["PauliZ"])(wire)
        cond(x_corr, ops_mod.GATE_CLASSES["PauliX"])(wire)

    return corrections


def cnot_measurements(wires, diagonalize_mcms=False) -> list:
    """Record the CNOT pattern's 13 measurements; ``wires`` is ``(control, target, the
    13 graph wires)``."""
    ctrl, target, graph = wires
    order = [ctrl] + list(graph[0:5]) + [graph[6], target] + list(graph[7:12])
    return [_measure_in(b, w, diagonalize_mcms) for b, w in zip(_CNOT_BASES, order)]


def cnot_corrections(measurements):
    """A function ``(ctrl_wire, target_wire)`` recording the CNOT pattern's byproducts."""
    (xc, zc), (xt, zt) = _cnot_xz_corrections(measurements)

    def corrections(ctrl_wire, target_wire):
        for bit, gate, wire in ((zc, "PauliZ", ctrl_wire), (xc, "PauliX", ctrl_wire),
                                (zt, "PauliZ", target_wire), (xt, "PauliX", target_wire)):
            cond(bit, ops_mod.GATE_CLASSES[gate])(wire)

    return corrections


def queue_cnot(q_mgr, ctrl_idx, target_idx, diagonalize_mcms=False) -> tuple:
    """``CNOT`` in the MBQC formalism: the 13-qubit graph state, ``CZ`` to control and
    target, the pattern; ``(output control wire, output target wire, outcomes)``."""
    graph_wires = q_mgr.acquire_qubits(13)
    graph = Lattice("cnot", nodes=range(13), edges=_CNOT_EDGES).graph
    make_graph_state(graph, wires=graph_wires)
    ops_mod.GATE_CLASSES["CZ"](wires=[ctrl_idx, graph_wires[0]])
    ops_mod.GATE_CLASSES["CZ"](wires=[target_idx, graph_wires[7]])
    outcomes = cnot_measurements((ctrl_idx, target_idx, graph_wires), diagonalize_mcms)
    q_mgr.release_qubit(ctrl_idx)
    q_mgr.release_qubit(target_idx)
    q_mgr.release_qubits(graph_wires[0:5] + graph_wires[6:-1])
    return graph_wires[5], graph_wires[12], outcomes


@transform
def convert_to_mbqc_formalism(tape, diagonalize_mcms=False):
    """PennyLane's transform: a tape of the MBQC gate set (``RZ``, :class:`RotXZX`, ``H``,
    ``S``, ``CNOT``, Paulis, ``Identity``, ``GlobalPhase``) ending in one ``qml.sample``
    rewritten as graph states, measurement patterns and online byproduct corrections;
    wires are recycled (reset after measurement) and each logical qubit moves to the output
    wire of its last gate. ``diagonalize_mcms=True`` writes the measurements as rotations
    and computational-basis measurements.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.H(0)], [qml.sample(wires=[0])], shots=10)
    >>> (new,), _ = qml.ftqc.convert_to_mbqc_formalism(tape)
    >>> [type(o).__name__ for o in new.operations][:3], new.measurements[0].wires
    (['GraphStatePrep', 'CZ', 'XMidMeasure'], Wires([4]))
    """
    if len(tape.measurements) != 1 or tape.measurements[0].kind != "sample" or getattr(
            tape.measurements[0], "measured_obs", None) is not None:
        raise NotImplementedError(
            "Transforming to the MBQC formalism is not implemented for circuits where the "
            "final measurements have not been converted to a single samples measurement")
    mp = tape.measurements[0]
    meas_wires = mp.wires if mp.wires else tape.wires
    q_mgr = QubitMgr(num_qubits=len(tape.wires) + 13, start_idx=0)
    wire_map = {w: q_mgr.acquire_qubit() for w in tape.wires}
    with AnnotatedQueue() as q:
        for op in tape.operations:
            name = type(op).__name__
            if name == "GlobalPhase":
                ops_mod.GATE_CLASSES["GlobalPhase"](*op.data)
            elif name == "CNOT":
                c, t = op.wires
                wire_map[c], wire_map[t], outcomes = queue_cnot(
                    q_mgr, wire_map[c], wire_map[t], diagonalize_mcms)
                cnot_corrections(outcomes)(wire_map[c], wire_map[t])
            elif name in _XZ:
                type(op)(wires=[wire_map[w] for w in op.wires])
            elif name in _PATTERNS:
                w = op.wires[0]
                wire_map[w], outcomes = queue_single_qubit_gate(
                    q_mgr, op, wire_map[w], diagonalize_mcms)
                queue_corrections(op, outcomes)(wire_map[w])
            else:
                raise NotImplementedError(f"Received unsupported gate of type {op}")
    ops = QuantumScript.from_queue(q).operations
    new = tape.copy(operations=ops, measurements=[
        _unrecorded_sample([wire_map[w] for w in meas_wires])])
    return (new,), _first


@register_resources({RotXZX: 1})
def _rot_to_xzx(phi, theta, omega, wires, **_):
    """``Rot(phi, theta, omega)`` as one :class:`RotXZX` (its X-Z-X Euler angles; equal up
    to a global phase)."""
    matrix = np.asarray(ops_mod.GATE_CLASSES["Rot"].compute_matrix(phi, theta, omega))
    RotXZX(*xzx_rotation_angles(matrix), wires)


@transform
def convert_to_mbqc_gateset(tape):
    """PennyLane's transform: decompose a tape to the MBQC gate set
    (``qml.decomposition.gate_sets.MBQC_GATES``: ``CNOT``, ``H``, ``S``, :class:`RotXZX`,
    ``RZ``, Paulis, ``Identity``, ``GlobalPhase``, mid-circuit measurements), ``Rot`` by its
    X-Z-X angles. Needs the graph-based decompositions (``qml.decomposition.enable_graph()``).

    >>> import qsym as qml
    >>> qml.decomposition.enable_graph()
    >>> tape = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, 0), qml.CZ([0, 1])])
    >>> [type(o).__name__ for o in qml.ftqc.convert_to_mbqc_gateset(tape)[0][0].operations]
    ['RotXZX', 'Hadamard', 'CNOT', 'Hadamard']
    >>> qml.decomposition.disable_graph()
    """
    if not enabled_graph():
        raise RuntimeError("Using `convert_to_mbqc_gateset` requires the graph-based "
                           "decomposition method. This can be toggled by calling "
                           "`qp.decomposition.enable_graph()`")
    return decompose(tape, gate_set=gate_sets.MBQC_GATES,
                     alt_decomps={ops_mod.GATE_CLASSES["Rot"]: [_rot_to_xzx]})


#: PennyLane's ``ppr_to_mbqc``: a compiler pass (Catalyst's ``ppr-to-mbqc``) with no tape
#: implementation; applied to a tape or run without ``qjit`` it raises ``NotImplementedError``
ppr_to_mbqc = transform(pass_name="ppr-to-mbqc")


def _unrecorded_sample(wires):
    with recording(Tape()):
        return ops_mod.sample(wires=wires)


# --- the Pauli tracker (pennylane.ftqc.pauli_tracker) ----------------------------------------
# a Pauli as its bits (x, z): P = X^x Z^z up to a phase
_XZ = {"Identity": (0, 0), "PauliX": (1, 0), "PauliY": (1, 1), "PauliZ": (0, 1)}
_PAULI_OF = {xz: name for name, xz in _XZ.items()}


def pauli_to_xz(op) -> tuple:
    """The bits ``(x, z)`` of a Pauli operator or class (``I``, ``X``, ``Y``, ``Z``).

    >>> import qsym as qml
    >>> pauli_to_xz(qml.Y(0)), pauli_to_xz(qml.Z)
    ((1, 1), (0, 1))
    """
    cls = op if isinstance(op, type) else type(op)
    name = cls.__name__
    if name not in _XZ or ops_mod.GATE_CLASSES.get(name) is not cls:
        raise NotImplementedError(f"{cls} gate does not support xz encoding.")
    return _XZ[name]


def xz_to_pauli(x: int, z: int):
    """The Pauli class of bits ``(x, z)``.

    >>> xz_to_pauli(1, 1).__name__
    'PauliY'
    """
    if x in (0, 1) and z in (0, 1):
        return ops_mod.GATE_CLASSES[_PAULI_OF[(int(x), int(z))]]
    raise ValueError("x and z should either 0 or 1.")


def pauli_prod(ops) -> tuple:
    """The bits ``(x, z)`` of the product of Pauli operators (up to a phase).

    >>> import qsym as qml
    >>> pauli_prod([qml.X(0), qml.Z(0)])     # XZ = -iY
    (1, 1)
    """
    if len(ops) == 0:
        raise ValueError("Please ensure that a valid list of operators are passed to the "
                         "method.")
    x, z = 0, 0
    for op in ops:
        ox, oz = pauli_to_xz(op)
        x, z = x ^ ox, z ^ oz
    return x, z


def commute_clifford_op(clifford_op, xz) -> list:
    """Move Paulis (bits ``xz``, one pair per wire of ``clifford_op``) from before the
    Clifford gate ``H``, ``S`` or ``CNOT`` to after it: ``C P = P' C`` (up to a phase);
    returns ``P'``'s bits.

    >>> import qsym as qml
    >>> commute_clifford_op(qml.H(0), [(1, 0)])          # H X = Z H
    [(0, 1)]
    >>> commute_clifford_op(qml.CNOT([0, 1]), [(1, 0), (0, 0)])   # X on the control spreads
    [(1, 0), (1, 0)]
    """
    if len(xz) != clifford_op.num_wires:
        raise ValueError("Please ensure that the length of xz matches the number of wires of "
                         "the clifford_op.")
    if not all(len(e) == 2 for e in xz):
        raise ValueError("Please ensure there are 2 elements instead of in each tuple in the "
                         "xz list.")
    if not all(b in (0, 1) for e in xz for b in e):
        raise ValueError("Please ensure xz are either 0 or 1.")
    name = type(clifford_op).__name__
    if name == "Hadamard":  # H X H = Z, H Z H = X
        (x, z), = xz
        return [(z, x)]
    if name == "S":  # S X S^dagger = Y, S Z S^dagger = Z
        (x, z), = xz
        return [(x, x ^ z)]
    if name == "CNOT":  # X_c -> X_c X_t, Z_t -> Z_c Z_t
        (xc, zc), (xt, zt) = xz
        return [(xc, zc ^ zt), (xc ^ xt, zt)]
    raise NotImplementedError("Only qp.H, qp.S and qp.CNOT are supported.")


# the byproduct Paulis of the measurement patterns of one gate (Raussendorf, Browne and
# Briegel, PRA 68, 022312 (2003)): (x, z) as parities of the pattern's outcomes, for
# integers or mid-circuit measurement values alike
def _single_xz_corrections(op, m1, m2, m3, m4) -> tuple:
    name = type(op).__name__
    if name in ("RZ", "RotXZX"):
        return m2 ^ m4, m1 ^ m3
    if name == "Hadamard":
        return parity(m1, m3, m4), m2 ^ m3
    if name == "S":
        return m2 ^ m4, parity(m1, m2, m3, 1)
    raise NotImplementedError(f"Received unsupported gate of type {op}")


def _cnot_xz_corrections(measurements) -> list:
    m1, m2, m3, m4, m5, m6, m8, m9, m10, m11, m12, m13, m14 = measurements
    return [(parity(m2, m3, m5, m6), parity(m1, m3, m4, m5, m8, m9, m11, 1)),
            (parity(m2, m3, m8, m10, m12, m14), parity(m9, m11, m13))]


_CLIFFORDS = ("Hadamard", "S", "CNOT")
_ROTATIONS = ("RZ", "RotXZX")


def _parse_mid_measurements(tape, mid_meas) -> list:
    """The byproducts of each gate of ``tape`` from the flat list of pattern outcomes
    ``mid_meas`` (4 per one-qubit gate, 13 per ``CNOT``; Paulis take none), last gate
    first."""
    out, offset, used = [], 0, {}
    for op in tape.operations:
        name = type(op).__name__
        for w in op.wires:
            used[w] = used.get(w, 0) + 1
        if name in _XZ:
            continue
        n = 4 if op.num_wires == 1 else 13
        ms = list(mid_meas[offset:offset + n])
        if name == "CNOT":
            out.append(_cnot_xz_corrections(ms))
        elif name in ("Hadamard", "S") or name in _ROTATIONS:
            if name in _ROTATIONS and used[op.wires[0]] > 1:
                raise NotImplementedError(
                    "The current implementation requires that only a single non-Clifford "
                    "gate comes before Clifford and Pauli gates for each wire.")
            out.append([_single_xz_corrections(op, *ms)])
        else:
            raise NotImplementedError(f"{op.name} is not supported.")
        offset += n
    return out[::-1]


def _xz_record(tape, by_ops) -> tuple:
    """The Pauli frame ``(x bits, z bits)`` per wire after the tape's gates: each gate's
    byproducts, earlier frames moved through Cliffords, Paulis of the tape added."""
    n = max(tape.wires) + 1
    x, z = np.zeros(n, dtype=np.uint8), np.zeros(n, dtype=np.uint8)
    for op in tape.operations:
        wires, name = list(op.wires), type(op).__name__
        frame = [(int(x[w]), int(z[w])) for w in wires]
        if name in _ROTATIONS:
            new = [by_ops.pop()[0]]
        elif name in _CLIFFORDS:
            moved = commute_clifford_op(op, frame)
            new = [(a ^ c, b ^ d) for (a, b), (c, d) in zip(by_ops.pop(), moved)]
        else:
            px, pz = pauli_to_xz(op)
            new = [(frame[0][0] ^ px, frame[0][1] ^ pz)]
        for w, (a, b) in zip(wires, new):
            x[w], z[w] = int(a), int(b)
    return x, z


def get_byproduct_corrections(tape, mid_meas, measurement_vals):
    """PennyLane's offline Pauli-frame correction: the computational-basis samples
    ``measurement_vals`` of the tape's (one) sample measurement, corrected by the X
    byproducts that the gates' measurement patterns (outcomes ``mid_meas``) leave on the
    measured wires. Supports ``H``, ``S``, ``CNOT``, Paulis and, first on its wire, ``RZ``
    or :class:`RotXZX`.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.H(0)], [qml.sample(wires=[0])])
    >>> get_byproduct_corrections(tape, [1, 0, 0, 0], [0])   # x = m1 ^ m3 ^ m4 = 1
    array([1])
    """
    by_ops = _parse_mid_measurements(tape, mid_meas)
    x, _ = _xz_record(tape, by_ops)
    wires = tape.measurements[0].wires
    return np.bitwise_xor(np.array(measurement_vals), np.array([x[w] for w in wires]))


# PennyLane's module paths (pennylane.ftqc.utils, .pauli_tracker, ...): this module
for _path in ("utils", "parametric_midmeasure", "conditional_measure", "operations",
              "pauli_tracker", "graph_state_preparation", "qubit_graph", "lattice",
              "decomposition"):
    sys.modules.setdefault(f"{__name__}.{_path}", sys.modules[__name__])
    globals()[_path] = sys.modules[__name__]
