"""``qml.resource``: PennyLane 0.45.1's :class:`SpecsResources` (what one circuit uses:
gates by name and by size, measurements by PennyLane's labels, wire allocations, depth)
and :class:`CircuitSpecs` (what ``qml.specs`` returns), with their printed forms, their
``__getitem__`` and the ``KeyError`` messages PennyLane gives for keys it removed; the
:class:`Resources` record and its arithmetic (:func:`add_in_series`, ...); the algorithmic
errors (:class:`AlgorithmicError`, :class:`SpectralNormError`). ``resources_from_tape``,
``algo_error`` and PennyLane's module paths are set here by ``qsym._resource_paths``.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def c(x):
...     qml.RX(x, wires=0)
...     qml.CNOT(wires=[0, 1])
...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
>>> print(qml.specs(c)(0.1).resources)
Wire allocations: 2
Total gates: 2
Gate counts:
- RX: 1
- CNOT: 1
Measurements:
- expval(Prod(num_wires=2, num_terms=2)): 1
Depth: 2
"""

from __future__ import annotations

import abc
import copy
import sys
import types
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from string import ascii_lowercase
from typing import Any

import numpy as np

from .errors import GateError

__all__ = ["SpecsResources", "CircuitSpecs", "Resources", "measurement_label", "circuit_resources",
           "AlgorithmicError", "SpectralNormError", "add_in_series", "add_in_parallel",
           "mul_in_series", "mul_in_parallel", "substitute"]


class AlgorithmicError(abc.ABC):
    """PennyLane's ``qml.resource.AlgorithmicError``: the size of an approximation's error
    (``error``); a subclass must say how two errors of gates applied in series ``combine``
    (an abstract method: a subclass without it cannot be made), and may say how to
    ``get_error`` of an approximate operator.

    >>> class Additive(AlgorithmicError):
    ...     def combine(self, other):
    ...         return Additive(self.error + other.error)
    >>> Additive(0.25).combine(Additive(0.5)).error
    0.75
    """

    def __init__(self, error: float):
        self.error = error

    @abc.abstractmethod
    def combine(self, other):
        """The error of this approximation and ``other``'s applied in series."""

    @staticmethod
    def get_error(approximate_op, exact_op):
        """The error of ``approximate_op`` as an approximation of ``exact_op``: defined by
        the subclasses that can compute it (a ``NotImplementedError`` otherwise)."""
        raise NotImplementedError


class SpectralNormError(AlgorithmicError):
    """PennyLane's ``SpectralNormError``: the spectral-norm distance between the unitary
    applied and the one intended; errors in series add.

    >>> SpectralNormError(0.01).combine(SpectralNormError(0.02))
    SpectralNormError(0.03)
    >>> import qsym as qml
    >>> round(float(SpectralNormError.get_error(qml.RY(0.40, 0), qml.RY(0.41, 0))), 9)
    0.004999995
    """

    def __repr__(self):
        return f"SpectralNormError({self.error})"

    def combine(self, other: "SpectralNormError") -> "SpectralNormError":
        """The error of both approximations applied in series: the sum."""
        return type(self)(self.error + other.error)

    @staticmethod
    def get_error(approximate_op, exact_op) -> float:
        """The largest singular value of the difference of the two operators' matrices (on
        ``exact_op``'s wires)."""
        order = list(exact_op.wires)
        diff = _matrix(exact_op, order) - _matrix(approximate_op, order)
        return np.max(np.linalg.svd(diff, compute_uv=False))


def _matrix(op, order: list) -> np.ndarray:
    """``op``'s matrix on ``order``; for an operator with a decomposition but no matrix of its
    own (an ``ErrorOperation`` of your own), the product of its decomposition's matrices (as
    PennyLane's ``qml.matrix``)."""
    try:
        return np.asarray(op.matrix(wire_order=order))
    except GateError as exc:
        try:
            parts = op.decomposition()
        except Exception:  # noqa: BLE001 (no decomposition either: the matrix's error)
            raise exc from None
    m = np.eye(2 ** len(order), dtype=complex)
    for part in parts:
        m = _matrix(part, order) @ m
    return m


# The factory of ``Resources.shots``' default (PennyLane's ``Shots()``): qsym's Shots class
# lives above this module, which sets it here when qsym is imported (qsym._resource_paths)
DEFAULT_SHOTS: dict = {"factory": lambda: None}


def _default_shots():
    return DEFAULT_SHOTS["factory"]()


@dataclass(frozen=True)
class Resources:
    """PennyLane's ``qml.resource.Resources``, the record of resource counts an operator
    reports (``num_wires``, ``num_gates``, ``gate_types`` and ``gate_sizes`` by name and by
    number of wires, ``depth``, ``shots``, a :class:`~qsym.measurements.Shots`). ``r1 + r2``
    is :func:`add_in_series`, ``r * n`` (and ``n * r``) :func:`mul_in_series`; printed as
    PennyLane prints it.

    >>> r = Resources(num_wires=2, num_gates=2, gate_types={"Hadamard": 1, "CNOT": 1},
    ...               gate_sizes={1: 1, 2: 1}, depth=2)
    >>> print(r * 2)
    num_wires: 2
    num_gates: 4
    depth: 4
    shots: Shots(total=None)
    gate_types:
    {'Hadamard': 2, 'CNOT': 2}
    gate_sizes:
    {1: 2, 2: 2}
    """

    num_wires: int = 0
    num_gates: int = 0
    gate_types: dict = field(default_factory=dict)
    gate_sizes: dict = field(default_factory=dict)
    depth: int | None = 0
    shots: Any = field(default_factory=_default_shots)

    def __add__(self, other: "Resources") -> "Resources":
        return add_in_series(self, other)

    def __mul__(self, scalar: int) -> "Resources":
        return mul_in_series(self, scalar)

    __rmul__ = __mul__

    def __str__(self) -> str:
        types_ = ", ".join(f"'{name}': {n}" for name, n in self.gate_types.items())
        sizes = ", ".join(f"{k}: {n}" for k, n in self.gate_sizes.items())
        return (f"num_wires: {self.num_wires}\nnum_gates: {self.num_gates}\ndepth: {self.depth}\n"
                f"shots: {self.shots}\ngate_types:\n{{{types_}}}\ngate_sizes:\n{{{sizes}}}")

    def _ipython_display_(self):
        print(str(self))


def combine_dict(d1: dict, d2: dict) -> dict:
    """A copy of ``d1`` (of its type) with ``d2``'s counts added (PennyLane's
    ``_combine_dict``).

    >>> combine_dict({"a": 1, "b": 2}, {"b": 3, "c": 4})
    {'a': 1, 'b': 5, 'c': 4}
    """
    out = copy.copy(d1)
    for k, v in d2.items():
        out[k] = out[k] + v if k in out else v
    return out


def scale_dict(d: dict, scalar: int) -> dict:
    """A copy of ``d`` (of its type) with every count times ``scalar`` (PennyLane's
    ``_scale_dict``).

    >>> scale_dict({"a": 1, "b": 2}, 3)
    {'a': 3, 'b': 6}
    """
    out = copy.copy(d)
    for k in out:
        out[k] *= scalar
    return out


def _add_shots(s1, s2):
    if s1 is None or s2 is None:
        return s2 if s1 is None else s1
    return s1 + s2


def add_in_series(r1: Resources, r2: Resources) -> Resources:
    """The resources of two circuits run one after the other: the wider's wires, gates and
    shots added, depths added (PennyLane's ``qml.resource.add_in_series``).

    >>> r = Resources(2, 2, {"RX": 1, "CNOT": 1}, {1: 1, 2: 1}, 2)
    >>> s = add_in_series(r, Resources(3, 1, {"RX": 1}, {1: 1}, 1))
    >>> s.num_wires, s.num_gates, s.gate_types, s.depth
    (3, 3, {'RX': 2, 'CNOT': 1}, 3)
    """
    return Resources(max(r1.num_wires, r2.num_wires), r1.num_gates + r2.num_gates,
                     combine_dict(r1.gate_types, r2.gate_types),
                     combine_dict(r1.gate_sizes, r2.gate_sizes), r1.depth + r2.depth,
                     _add_shots(r1.shots, r2.shots))


def add_in_parallel(r1: Resources, r2: Resources) -> Resources:
    """The resources of two circuits run side by side on separate wires: wires, gates and
    shots added, the larger depth (PennyLane's ``qml.resource.add_in_parallel``).

    >>> r = Resources(2, 2, {"RX": 1, "CNOT": 1}, {1: 1, 2: 1}, 2)
    >>> s = add_in_parallel(r, Resources(3, 1, {"RX": 1}, {1: 1}, 1))
    >>> s.num_wires, s.num_gates, s.depth
    (5, 3, 2)
    """
    return Resources(r1.num_wires + r2.num_wires, r1.num_gates + r2.num_gates,
                     combine_dict(r1.gate_types, r2.gate_types),
                     combine_dict(r1.gate_sizes, r2.gate_sizes), max(r1.depth, r2.depth),
                     _add_shots(r1.shots, r2.shots))


def _scaled_shots(shots, scalar):
    return None if shots is None else scalar * shots


def mul_in_series(resources: Resources, scalar: int) -> Resources:
    """The resources of ``scalar`` copies of a circuit run one after the other: gates,
    depth and shots times ``scalar``, the same wires (PennyLane's
    ``qml.resource.mul_in_series``; also ``resources * scalar``).

    >>> r = mul_in_series(Resources(2, 2, {"RX": 1, "CNOT": 1}, {1: 1, 2: 1}, 2), 3)
    >>> r.num_wires, r.num_gates, r.gate_sizes, r.depth
    (2, 6, {1: 3, 2: 3}, 6)
    """
    return Resources(resources.num_wires, scalar * resources.num_gates,
                     scale_dict(resources.gate_types, scalar),
                     scale_dict(resources.gate_sizes, scalar), scalar * resources.depth,
                     _scaled_shots(resources.shots, scalar))


def mul_in_parallel(resources: Resources, scalar: int) -> Resources:
    """The resources of ``scalar`` copies of a circuit run side by side: wires, gates and
    shots times ``scalar``, the same depth (PennyLane's ``qml.resource.mul_in_parallel``).

    >>> r = mul_in_parallel(Resources(2, 2, {"RX": 1, "CNOT": 1}, {1: 1, 2: 1}, 2), 3)
    >>> r.num_wires, r.num_gates, r.depth
    (6, 6, 2)
    """
    return Resources(scalar * resources.num_wires, scalar * resources.num_gates,
                     scale_dict(resources.gate_types, scalar),
                     scale_dict(resources.gate_sizes, scalar), resources.depth,
                     _scaled_shots(resources.shots, scalar))


def substitute(initial_resources: Resources, gate_info: tuple, replacement: Resources) -> Resources:
    """``initial_resources`` with every gate named ``gate_info[0]`` (acting on
    ``gate_info[1]`` wires) replaced by ``replacement``'s gates (PennyLane's
    ``qml.resource.substitute``): its count times ``replacement``'s counts, the depth plus
    ``replacement``'s, wires widened to ``replacement``'s if it uses more.

    >>> r = Resources(2, 3, {"RZ": 2, "CNOT": 1}, {1: 2, 2: 1}, 2)
    >>> s = substitute(r, ("RZ", 1), Resources(1, 3, {"RX": 3}, {1: 3}, 3))
    >>> s.num_gates, s.gate_types, s.gate_sizes, s.depth
    (7, {'CNOT': 1, 'RX': 6}, {1: 6, 2: 1}, 5)
    """
    name, n_wires = gate_info
    if n_wires not in initial_resources.gate_sizes:
        raise ValueError(f"initial_resources does not contain a gate acting on {n_wires} wires.")
    count = initial_resources.gate_types.get(name, 0)
    if count > initial_resources.gate_sizes[n_wires]:
        raise ValueError(f"Found {count} gates of type {name}, but only "
                         f"{initial_resources.gate_sizes[n_wires]} gates act on {n_wires} wires "
                         "in initial_resources.")
    if count == 0:
        return initial_resources
    gate_types = combine_dict(initial_resources.gate_types, scale_dict(replacement.gate_types, count))
    gate_types.pop(name)
    sizes = copy.copy(initial_resources.gate_sizes)
    sizes[n_wires] -= count
    sizes = combine_dict(sizes, scale_dict(replacement.gate_sizes, count))
    wires = initial_resources.num_wires + max(replacement.num_wires - n_wires, 0)
    return Resources(wires, initial_resources.num_gates + count * (replacement.num_gates - 1),
                     gate_types, sizes, initial_resources.depth + replacement.depth,
                     initial_resources.shots)


def count_to_str(count: int) -> str:
    """A count as PennyLane's specs tables print it: scientific from 100 000 on.

    >>> count_to_str(12), count_to_str(123456)
    ('12', '1.235E+5')
    """
    return str(count) if count < 100_000 else f"{Decimal(count):.3E}"


def batch_letters(num: int) -> str:
    """The letters of batch number ``num`` (PennyLane's ``_batch_num_to_letters``): ``a``,
    ..., ``z``, ``aa``, ``ab``, ...

    >>> batch_letters(0), batch_letters(25), batch_letters(27)
    ('a', 'z', 'ab')
    """
    if num < 26:
        return ascii_lowercase[num]
    return batch_letters(num // 26 - 1) + ascii_lowercase[num % 26]


@dataclass(frozen=True)
class SpecsResources:
    """What one circuit uses (PennyLane's ``qml.resource.SpecsResources``): ``gate_types``
    and ``gate_sizes`` (counts by name and by number of wires), ``measurements`` (counts by
    PennyLane's labels: ``expval(PauliZ)``, ``probs(1 wires)``, ``state(all wires)``),
    ``num_allocs`` (the wires the circuit uses), ``depth``; ``num_gates`` and
    ``gate_counts`` (``gate_types``) are properties; ``res[key]`` reads them too.

    >>> res = SpecsResources({"Hadamard": 1, "CNOT": 1}, {1: 1, 2: 1},
    ...                      {"expval(PauliZ)": 1}, num_allocs=2, depth=2)
    >>> res["num_gates"], res.gate_counts
    (2, {'Hadamard': 1, 'CNOT': 1})
    >>> res["num_wires"]
    Traceback (most recent call last):
    ...
    KeyError: 'num_wires has been renamed to num_allocs to more accurate describe what it measures.'
    """

    gate_types: dict
    gate_sizes: dict
    measurements: dict
    num_allocs: int
    depth: int | None = None

    def __post_init__(self):
        if sum(self.gate_types.values()) != sum(self.gate_sizes.values()):
            raise ValueError("Inconsistent gate counts: `gate_types` and `gate_sizes` describe "
                             "different amounts of gates.")

    @property
    def num_gates(self) -> int:
        """The number of gates."""
        return sum(self.gate_types.values())

    @property
    def gate_counts(self) -> dict:
        """``gate_types`` (PennyLane's alias)."""
        return self.gate_types

    @property
    def num_wires(self) -> int:
        """``num_allocs`` (qsym's attribute of earlier versions; ``res["num_wires"]`` is
        PennyLane's ``KeyError``)."""
        return self.num_allocs

    def to_dict(self) -> dict:
        """The fields and ``num_gates`` as a dict.

        >>> SpecsResources({"RX": 1}, {1: 1}, {}, 1, 1).to_dict()["num_gates"]
        1
        """
        d = asdict(self)
        d["num_gates"] = self.num_gates
        return d

    def __getitem__(self, key):
        names = [f.name for f in fields(self)]
        if key in names:
            return getattr(self, key)
        if key == "shots":
            raise KeyError("shots is no longer included within specs's resources, check the "
                           "top-level object instead.")
        if key == "num_wires":
            raise KeyError("num_wires has been renamed to num_allocs to more accurate describe "
                           "what it measures.")
        if key in ("num_gates", "gate_counts"):
            return getattr(self, key)
        raise KeyError(f"key '{key}' not available. Options are {names}")

    def to_pretty_str(self, preindent: int = 0) -> str:
        """PennyLane's printed form, each line indented by ``preindent`` spaces.

        >>> print(SpecsResources({}, {}, {}, 0, 0).to_pretty_str(2))
          Wire allocations: 0
          Total gates: 0
          Gate counts:
          - No gates.
          Measurements:
          - No measurements.
          Depth: 0
        """
        p = " " * preindent
        lines = [f"{p}Wire allocations: {self.num_allocs}", f"{p}Total gates: {self.num_gates}",
                 f"{p}Gate counts:"]
        lines += [f"{p}- {g}: {n}" for g, n in self.gate_types.items()] or [f"{p}- No gates."]
        lines.append(f"{p}Measurements:")
        lines += ([f"{p}- {m}: {n}" for m, n in self.measurements.items()]
                  or [f"{p}- No measurements."])
        lines.append(f"{p}Depth: {self.depth if self.depth is not None else 'Not computed'}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_pretty_str()


_REMOVED_TOP = {
    "num_observables": "num_observables is no longer in top-level specs and has instead been "
                       "absorbed into the 'measurements' attribute of the specs's resources.",
    **{k: f"key '{k}' is no longer included in specs."
       for k in ("interface", "diff_method", "errors", "num_tape_wires")},
    **{k: f"key '{k}' is no longer included in specs, as specs no longer gathers gradient "
          "information."
       for k in ("gradient_fn", "gradient_options", "num_gradient_executions",
                 "num_trainable_params")},
}


@dataclass(frozen=True)
class CircuitSpecs:
    """What ``qml.specs(qnode)(*args)`` returns (PennyLane's ``qml.resource.CircuitSpecs``):
    ``device_name``, ``num_device_wires`` (None for a device made without ``wires=``),
    ``shots`` (a :class:`~qsym.measurements.Shots`), ``level`` and ``resources`` (a
    :class:`SpecsResources`); ``specs[key]`` reads them, and raises PennyLane's
    ``KeyError`` for keys PennyLane removed (``num_trainable_params``, ``diff_method``...).

    qsym's own counts are in ``qsym`` (a dict, also read by ``specs[key]``):
    ``executions`` (the circuits one gradient runs with each method),
    ``num_trainable_inputs``, ``num_trainable_gate_params``, ``num_pruned_gate_params``
    (gate parameters the light cone leaves out).

    >>> s = CircuitSpecs("default.qubit", 1, None, "gradient",
    ...                  SpecsResources({"RX": 1}, {1: 1}, {"expval(PauliZ)": 1}, 1, 1))
    >>> s["num_device_wires"], s["resources"]["num_gates"]
    (1, 1)
    >>> s["diff_method"]
    Traceback (most recent call last):
    ...
    KeyError: "key 'diff_method' is no longer included in specs."
    """

    device_name: str | None = None
    num_device_wires: int | None = None
    shots: Any = None
    level: Any = None
    resources: Any = None
    qsym: dict = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, key):
        names = [f.name for f in fields(self) if f.name != "qsym"]
        if key in names:
            return getattr(self, key)
        if key in self.qsym:
            return self.qsym[key]
        if key in _REMOVED_TOP:
            raise KeyError(_REMOVED_TOP[key])
        raise KeyError(f"key '{key}' not available. Options are {names}")

    def to_dict(self) -> dict:
        """The fields as a dict, each :class:`SpecsResources` (alone, in a list of batched
        tapes, or in a dict by level) as its ``to_dict()``.

        >>> CircuitSpecs("d", 1, None, "gradient", None).to_dict()["level"]
        'gradient'
        """
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "qsym"}
        if isinstance(self.resources, dict):
            d["resources"] = {k: _resources_dict(v) for k, v in self.resources.items()}
        elif self.resources is not None:
            d["resources"] = _resources_dict(self.resources)
        return d

    def _header(self) -> list:
        lines = [f"Device: {self.device_name}", f"Device wires: {self.num_device_wires}",
                 f"Shots: {self.shots}"]
        if isinstance(self.level, dict):
            lines += ["Levels:", *(f"- {k}: {v}" for k, v in self.level.items())]
        else:
            lines.append(f"Level: {self.level}")
        return lines + [""]

    def to_pretty_str(self, tabular: bool = True) -> str:
        """PennyLane's printed form: the device, its wires, the shots, the level(s), then the
        resources; resources by level (a dict) as one table (``tabular``) or level by level,
        a level's batched tapes lettered ``a``, ``b``, ...

        >>> print(CircuitSpecs("default.qubit", 1, "Shots(total=None)", "gradient",
        ...                    SpecsResources({}, {}, {}, 0, 0)).to_pretty_str())
        ... # doctest: +ELLIPSIS
        Device: default.qubit
        Device wires: 1
        Shots: Shots(total=None)
        Level: gradient
        <BLANKLINE>
        Wire allocations: 0
        ...
        """
        if tabular and isinstance(self.resources, dict):
            return "\n".join(self._header() + _table(self.level, self.resources)).rstrip("\n")
        lines = self._header()
        if isinstance(self.resources, dict):
            lines.append("")
            for level, res in self.resources.items():
                lines += [f"Level = {level}:", _resources_str(res, 4), "\n" + "-" * 60 + "\n"]
        elif self.resources is not None:
            lines.append(_resources_str(self.resources, 0))
        return "\n".join(lines).rstrip("\n-")

    def __str__(self) -> str:
        return self.to_pretty_str()


def _resources_dict(res):
    if isinstance(res, SpecsResources):
        return res.to_dict()
    return [r.to_dict() for r in res]


def _resources_str(res, preindent: int) -> str:
    """One :class:`SpecsResources`, or a list of batched tapes' (``Batched tape a:``, ...)."""
    if isinstance(res, SpecsResources):
        return res.to_pretty_str(preindent)
    lines = []
    for i, r in enumerate(res):
        lines += [f"{' ' * preindent}Batched tape {batch_letters(i)}:",
                  r.to_pretty_str(preindent + 4), ""]
    return "\n".join(lines)


def _table(levels: dict, resources: dict) -> list:
    """PennyLane's table of resources by level: one column per level (``2-a``, ``2-b``
    for a level's batched tapes), one row per metric, gate and measurement."""
    flat = {}
    for level, res in zip(levels, resources.values()):
        if isinstance(res, SpecsResources):
            flat[str(level)] = res
        else:
            flat.update((f"{level}-{batch_letters(i)}", r) for i, r in enumerate(res))
    gates = dict.fromkeys(g for r in flat.values() for g in r.gate_types)
    meas = dict.fromkeys(m for r in flat.values() for m in r.measurements)
    width = max([16] + [len(k) + 2 for k in (*gates, *meas)])
    col = max([len(k) + 2 for k in flat] + [len(count_to_str(n)) + 1 for r in flat.values()
                                            for n in (*r.gate_types.values(),
                                                      *r.measurements.values(), r.num_allocs,
                                                      r.num_gates)])

    def row(name, values):
        return name.ljust(width) + " |" + " |".join(count_to_str(v).rjust(col) for v in values)

    lines = ["↓Metric".ljust(width - 6) + "Level→ |" + " |".join(k.rjust(col) for k in flat),
             "-" * (width + len(flat) * (col + 2)),
             row("Wire allocations", [r.num_allocs for r in flat.values()]),
             row("Total gates", [r.num_gates for r in flat.values()]),
             "Gate counts:".ljust(width) + " |"]
    lines += [row(f"- {g}", [r.gate_types.get(g, 0) for r in flat.values()]) for g in gates]
    lines.append("Measurements:".ljust(width) + " |")
    lines += [row(f"- {m}", [r.measurements.get(m, 0) for r in flat.values()]) for m in meas]
    return lines


def measurement_label(m, num_wires: int) -> str:
    """PennyLane's label of a measurement in ``SpecsResources.measurements``, from an IR
    measurement (:class:`qsym._ir.Measurement`) whose ``label`` the trace set: ``(name,
    observable label or "", number of wires written, number of basis-change gates, the
    observable's wires)``; ``num_wires`` the circuit's wires
    in use (a measurement of all of them, or of no wires given, is ``(all wires)``).

    >>> from types import SimpleNamespace as M
    >>> measurement_label(M(label=("probs", "", 1)), 3), measurement_label(M(label=("state", "", 0)), 3)
    ('probs(1 wires)', 'state(all wires)')
    >>> measurement_label(M(label=("expval", "PauliZ", 1)), 3)
    'expval(PauliZ)'
    """
    label = getattr(m, "label", ())
    if label:
        name, obs, n = label[:3]
    else:  # an IR measurement built by hand: its kind and wires
        name, obs, n = m.kind, "", len(m.wires)
    if obs:
        return f"{name}({obs})"
    return f"{name}(all wires)" if n in (0, num_wires) else f"{name}({n} wires)"


def _gate_counts(ops) -> tuple:
    """``(gate types, gate sizes, layer of each wire)`` of operators applied in order: counts
    by name and by number of wires; each operator one layer after the last on its wires (an
    operator with ``counted_by`` resources, a ``ResourcesOperation``: by their gates and
    depth)."""
    types: dict = {}
    sizes: dict = {}
    level: dict = {}
    for op in ops:
        counted = getattr(op, "counted_by", None)
        if counted is None:
            types[op.name] = types.get(op.name, 0) + 1
            sizes[len(op.wires)] = sizes.get(len(op.wires), 0) + 1
        else:
            types = combine_dict(types, dict(counted.gate_types))
            sizes = combine_dict(sizes, dict(counted.gate_sizes))
        d = max((level.get(w, 0) for w in op.wires), default=0) + (
            1 if counted is None else counted.depth)
        level.update((w, d) for w in op.wires)
    return types, sizes, level


def ops_resources(ops, num_wires: int) -> Resources:
    """The :class:`Resources` of a list of operators (PennyLane's ``op.resources()`` of an
    operator from its decomposition): counts by name and size, the depth of the list.

    >>> import qsym as qml
    >>> ops_resources([qml.X(0), qml.CNOT([0, 1]), qml.Z(2)], 3).depth
    2
    """
    types, sizes, level = _gate_counts(ops)
    return Resources(num_wires, len(ops), types, sizes, max(level.values(), default=0))


def circuit_resources(circuit, depth: bool = True) -> SpecsResources:
    """The :class:`SpecsResources` of a traced circuit (:class:`qsym._ir.Circuit`), as
    PennyLane counts its tape: the gates the circuit function applied (not the basis
    changes of ``probs(op=...)``), the wires they and the measurements use, the depth of
    the gates (each one layer after the last gate on any of its wires).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=3))
    ... def c():
    ...     qml.Hadamard(0)
    ...     qml.CNOT([0, 1])
    ...     return qml.probs(wires=[1])
    >>> r = circuit_resources(c.compiled((), {})[0].circuit)
    >>> r.gate_sizes, r.num_allocs, r.measurements, r.depth
    ({1: 1, 2: 1}, 2, {'probs(1 wires)': 1}, 2)
    """
    basis_changes = sum(m.label[3] for m in circuit.measurements
                        if len(getattr(m, "label", ())) > 3)
    ops = circuit.ops[:len(circuit.ops) - basis_changes]
    types, sizes, level = _gate_counts(ops)
    used: set = {w for op in ops for w in op.wires}
    for m in circuit.measurements:
        label = getattr(m, "label", ())
        if len(label) > 4 and label[1]:  # an observable: its wires as written
            used.update(label[4])
        elif not label or label[2]:  # wires given (none: all wires, PennyLane adds none)
            used.update(_measured_wires(m))
    meas: dict = {}
    for m in circuit.measurements:
        key = measurement_label(m, len(used))
        meas[key] = meas.get(key, 0) + 1
    return SpecsResources(types, sizes, meas, len(used),
                          max(level.values(), default=0) if depth else None)


def _measured_wires(m) -> tuple:
    if m.kind == "state" and m.reduce:
        return tuple(w for part in m.reduce[1:] if isinstance(part, tuple) for w in part)
    return m.wires


# PennyLane's module path ``qml.resource.error`` (from pennylane.resource.error import ...)
error = types.ModuleType(f"{__name__}.error", "PennyLane's algorithmic errors")
error.AlgorithmicError, error.SpectralNormError = AlgorithmicError, SpectralNormError
sys.modules[error.__name__] = error


def __getattr__(name: str):
    # PennyLane's other resource-estimation names: an AttributeError that says so
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"qml.resource.{name} is not supported by qsym: PennyLane's resource estimation "
        "(qml.resource; SpecsResources and CircuitSpecs, what qml.specs returns, Resources "
        "and its arithmetic, resources_from_tape, algo_error and the error classes are "
        "provided) (the PennyLane names qsym does not provide: docs/pennylane.md, "
        "'Not supported')")
