"""PennyLane's layered text drawer (``qml.drawer.tape_text``) and the pieces its module paths name.

PennyLane 0.45.1 draws a tape in three steps, each importable on its own path:

* ``pennylane.drawer.drawable_layers``: :func:`drawable_layers` packs the operations
  (then, separately, the measurements) into the leftmost layer whose occupied wires they do
  not cross, never reordering two that share a wire;
* ``pennylane.drawer._add_obj``: :func:`_add_obj` appends one object's symbols (its label,
  the ``╭ ├ ╰`` brackets of a multi-wire object, ``●``/``○`` controls, the ``║ ╚ ╩`` of the
  classical wires) to the strings of the current layer;
* ``pennylane.drawer.tape_text``: :func:`tape_text` justifies each layer, joins them with
  ``─`` (``═`` on a classical wire that is in use), closes the operations with ``─┤``, wraps
  lines at ``max_length`` and lists nested tapes and matrices after the drawing.

The names with a leading underscore are PennyLane's own module-level helpers (its tests and
some user code import them from those paths); they keep PennyLane's signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._arithmetic import TemporaryAND
from ._drawing import (convert_wire_order, cwire_connections, default_bit_map,
                       subroutine_measurements, unwrap_controls)
from ._mcm import Conditional, MeasurementValue, MidMeasure, PauliMeasure
from ._operations import (CountsMP, DensityMatrixMP, ExpectationMP, GlobalPhase, Identity,
                          MeasurementProcess, ProbabilityMP, SampleMP, StateMP, VarianceMP)
from ._opmath import Adjoint
from ._tapes import TAPE_TEXT, QuantumScript
from ._template_core import SubroutineOp
from .wires import order_list

__all__ = ["tape_text", "drawable_layers", "operator_label"]


# ----------------------------------------------------------------------------------- layers

def _recursive_find_layer(layer_to_check, op_occupied_wires, occupied_wires_per_layer):
    """The layer an object covering ``op_occupied_wires`` (positions) goes in: the one after
    the last layer from ``layer_to_check`` down that already covers one of them (0 if none).

    >>> _recursive_find_layer(1, {0}, [{0}, {1}])
    1
    """
    layer = layer_to_check
    while layer >= 0:
        if occupied_wires_per_layer[layer] & op_occupied_wires:
            return layer + 1
        layer -= 1
    return 0


def _recursive_find_mcm_stats_layer(layer_to_check, op_occupied_cwires, used_cwires_per_layer):
    """:func:`_recursive_find_layer` for a statistic of mid-circuit measurements: the
    classical wires it reads (positions) against those read in each layer.

    >>> _recursive_find_mcm_stats_layer(1, {0}, [{0}, set()])
    1
    """
    return _recursive_find_layer(layer_to_check, op_occupied_cwires, used_cwires_per_layer)


def _occupied_wires(op, wire_map, bit_map) -> set:
    """The wire positions ``op`` covers in a drawing: from its first to its last wire, to
    the bottom wire when it joins a classical wire, all wires for wireless and global ops."""
    if isinstance(op, Conditional):
        low = min(wire_map[w] for w in op.base.wires)
        return set(range(low, max(wire_map.values()) + 1))
    base = unwrap_controls(op)[-1] if _operator_like(op) else op
    if not _wires(op) or isinstance(base, (GlobalPhase, Identity)):
        return set(wire_map.values())
    mapped = [wire_map[w] for w in op.wires]
    joins_bit = (op in bit_map if isinstance(op, (MidMeasure, PauliMeasure))
                 else isinstance(op, SubroutineOp) and any(m in bit_map for m in subroutine_measurements(op)))
    high = max(wire_map.values()) if joins_bit else max(mapped)
    return set(range(min(mapped), high + 1))


def _stat_reads(m) -> list:
    """The mid-circuit measurements a statistic ``m`` (``m.mv`` set) reads."""
    return [v.measurements[0] for v in m.mv] if isinstance(m.mv, list) else list(m.mv.measurements)


def drawable_layers(operations, wire_map=None, bit_map=None) -> list:
    """PennyLane's ``qml.drawer.drawable_layers.drawable_layers``: ``operations`` (or
    measurements) packed into layers for drawing, each pushed as far left as it goes without
    crossing a wire (position in ``wire_map``; the wires between a multi-wire object's ends
    count) that an earlier object covers; statistics of mid-circuit measurements are packed
    by the classical wires (``bit_map``) they read.

    >>> import qsym as qml
    >>> ops = [qml.PauliX(0), qml.PauliX(1), qml.CNOT(wires=[0, 2]), qml.PauliX(1)]
    >>> [[op.name for op in layer] for layer in drawable_layers(ops)]
    [['PauliX', 'PauliX'], ['CNOT'], ['PauliX']]
    """
    wire_map = wire_map or convert_wire_order(list(operations))[1]
    bit_map = bit_map or {}
    occupied, cwires, layers = [set()], [set()], [[]]
    for op in operations:
        if isinstance(op, MeasurementProcess) and getattr(op, "mv", None) is not None:
            bits = [bit_map[m] for m in _stat_reads(op)]
            op_wires, op_bits = set(), set(range(min(bits), max(bits) + 1))
            layer = _recursive_find_mcm_stats_layer(len(layers) - 1, op_bits, cwires)
        else:
            op_wires, op_bits = _occupied_wires(op, wire_map, bit_map), set()
            layer = _recursive_find_layer(len(layers) - 1, op_wires, occupied)
        if layer == len(layers):
            occupied.append(set())
            cwires.append(set())
            layers.append([])
        layers[layer].append(op)
        occupied[layer] |= op_wires
        cwires[layer] |= op_bits
    return [lay for lay in layers[:-1] if lay] + layers[-1:]


# ------------------------------------------------------------------------- drawing config

@dataclass
class _Config:
    """What drawing one layer needs (PennyLane's ``tape_text._Config``): the wire and bit
    positions, the number of operation layers, the layer being drawn, the layers each
    classical wire is used in, the decimals and the label cache.

    >>> cfg = _Config(wire_map={0: 0}, bit_map={}, num_op_layers=1, cur_layer=0)
    >>> cfg.wire_filler, cfg.n_wires, cfg.n_bits
    ('─', 1, 0)
    """

    wire_map: dict
    bit_map: dict
    num_op_layers: int
    cur_layer: int = -1
    cwire_layers: list = field(default_factory=list)
    decimals: int | None = None
    cache: dict | None = None

    @property
    def wire_filler(self) -> str:
        """``─`` within the operations, a space among the measurements."""
        return "─" if self.cur_layer < self.num_op_layers else " "

    def bit_filler(self, bit, next_layer: bool = False) -> str:
        """``═`` where classical wire ``bit`` is in use at this layer (or the next), else a
        space."""
        layer = self.cur_layer + 1 if next_layer else self.cur_layer
        if self.cur_layer >= self.num_op_layers:
            return " "
        return "═" if any(s[0] < layer <= s[-1] for s in self.cwire_layers[bit]) else " "

    @property
    def n_bits(self) -> int:
        """The number of classical wires drawn."""
        return len(set(self.bit_map.values()))

    @property
    def n_wires(self) -> int:
        """The number of quantum wires drawn."""
        return len(self.wire_map)


@dataclass
class _CurrentTotals:
    """The finished (wrapped) lines and the wire and bit lines being built."""

    finished_lines: list
    wire_totals: list
    bit_totals: list


def _operator_like(obj) -> bool:
    """Whether ``obj`` is drawn as an operator (not a nested tape nor a measurement)."""
    return not isinstance(obj, (QuantumScript, MeasurementProcess))


# ------------------------------------------------------------------- symbols of one object

def operator_label(obj, decimals=None, cache=None, **kwargs) -> str:
    """``obj.label(decimals, cache)``; for an operator without a ``label`` method (a
    continuous-variable gate, which qsym only names) PennyLane's default ``Operator.label``:
    its name, then its parameters rounded to ``decimals`` on a second line.

    >>> import qsym as qml
    >>> operator_label(qml.Kerr(1.234, wires=0), decimals=2)
    'Kerr\\n(1.23)'
    """
    if hasattr(obj, "label"):
        return obj.label(decimals=decimals, cache=cache, **kwargs)
    params = list(getattr(obj, "parameters", None) or ())
    if decimals is None or not params:
        return obj.name
    return f"{obj.name}\n({','.join(format(float(p), f'.{decimals}f') for p in params)})"


def _label(obj, config, **kwargs) -> str:
    return operator_label(obj, config.decimals, config.cache, **kwargs).replace("\n", "")


def _wires(obj) -> list:
    """The wires ``obj`` is drawn on (none for an object across all wires, e.g. a snapshot)."""
    return list(getattr(obj, "wires", None) or ())


def _add_grouping_symbols(op_wires, layer_str, config, closing=False):
    """The ``╭ ├ │ ╰`` bracket of an object on several wires (``closing``: ``╮ ┤ │ ╯``
    appended after it); nothing for one wire.

    >>> cfg = _Config(wire_map={0: 0, 1: 1, 2: 2}, bit_map={}, num_op_layers=1)
    >>> _add_grouping_symbols([0, 2], ["─", "─", "─"], cfg)
    ['╭', '│', '╰']
    """
    if len(op_wires) <= 1:
        return layer_str
    mapped = [config.wire_map[w] for w in op_wires]
    low, high = min(mapped), max(mapped)
    if closing:
        layer_str[low] += "╮"
        layer_str[high] += "╯"
    else:
        layer_str[low], layer_str[high] = "╭", "╰"
    for w in range(low + 1, high):
        if closing:
            layer_str[w] += "┤" if w in mapped else "│"
        else:
            layer_str[w] = "├" if w in mapped else "│"
    return layer_str


def _add_cond_grouping_symbols(op, layer_str, config):
    """The classical wires a conditional operator reads: ``║`` down from its last wire, ``╬``
    (``╣`` where the classical wire ends) on each bit it reads, ``╩`` (``╝``) on the last."""
    n_wires = len(config.wire_map)
    mapped_bits = [config.bit_map[m] for m in op.meas_val.measurements]
    max_w = max(config.wire_map[w] for w in op.wires)
    max_b = max(mapped_bits)

    def ends(b):
        return any(config.cur_layer == s[-1] for s in config.cwire_layers[b])

    layer_str[max_b + n_wires] = "═" + ("╝" if ends(max_b) else "╩")
    for w in range(max_w + 1, max(config.wire_map.values()) + 1):
        layer_str[w] = "─║"
    for b in range(max_b):
        if b in mapped_bits:
            layer_str[b + n_wires] = "═" + ("╣" if ends(b) else "╬")
        else:
            layer_str[b + n_wires] = (" " if layer_str[b + n_wires][-1] == " " else "═") + "║"
    return layer_str


def _add_mid_measure_grouping_symbols(op, layer_str, config):
    """A mid-circuit measurement others read: ``║`` from its wire down to its classical
    wire, which starts with ``╚``."""
    if op not in config.bit_map:
        return layer_str
    n_wires = len(config.wire_map)
    bit = config.bit_map[op] + n_wires
    layer_str[bit] += " ╚"
    for w in range(config.wire_map[op.wires[0]] + 1, n_wires):
        layer_str[w] += "─║"
    for b in range(n_wires, bit):
        layer_str[b] += (" " if layer_str[b][-1] == " " else "═") + "║"
    return layer_str


def _add_subroutine_mcm_grouping_symbols(op, layer_str, config):
    """A subroutine that returns mid-circuit measurements others read: ``║`` from its last
    wire down, ``╠`` on each of their classical wires but the last, ``╚`` on the last."""
    mcms = subroutine_measurements(op)
    bits = [config.bit_map[m] + len(config.wire_map) for m in mcms if m in config.bit_map]
    if not bits:
        return layer_str
    n_wires = len(config.wire_map)
    for bit in bits:
        layer_str[bit] += "╚" if bit == max(bits) else "╠"
    for w in range(max(config.wire_map[w] for w in op.wires) + 1, n_wires):
        layer_str[w] += "║"
    for b in range(n_wires, max(bits)):
        if b not in bits:
            layer_str[b] += "║"
    return layer_str


def _add_elbow(obj, layer_str, config, right=False, skip=False):
    """A ``TemporaryAND`` (left elbow, bracket before) or its adjoint (right elbow, bracket
    after): ``●``/``○`` on the two controls, ``⊕`` on the target."""
    if not (right or skip):
        layer_str = _add_grouping_symbols(obj.wires, layer_str, config)
    cvals = obj.hyperparameters["control_values"]
    mapped = [config.wire_map[w] for w in obj.wires]
    layer_str[mapped[0]] += "●" if cvals[0] else "○"
    layer_str[mapped[1]] += "●" if cvals[1] else "○"
    layer_str[mapped[2]] += "⊕"
    if not right:
        return layer_str
    for w in range(min(mapped) + 1, max(mapped)):
        if w not in mapped:
            layer_str[w] += "─"
    return _add_grouping_symbols(obj.wires, layer_str, config, closing=True)


def _add_op(obj, layer_str, config, tape_cache=None, skip_grouping_symbols=False):
    """An operator: its bracket (unless ``skip_grouping_symbols``) and its label on each of
    its wires (on every wire when it has none, e.g. a barrier or a snapshot)."""
    if not skip_grouping_symbols:
        layer_str = _add_grouping_symbols(_wires(obj), layer_str, config)
    label = _label(obj, config)
    wires = _wires(obj)
    if not wires:
        for i in range(len(config.wire_map)):
            layer_str[i] += label
    for w in wires:
        layer_str[config.wire_map[w]] += label
    return layer_str


def _add_global_op(obj, layer_str, config, skip_grouping_symbols=False):
    """A global phase or identity: its label on every wire, bracketed."""
    if not skip_grouping_symbols:
        layer_str = _add_grouping_symbols(list(config.wire_map), layer_str, config)
    label = _label(obj, config)
    for i in range(len(config.wire_map)):
        layer_str[i] += label
    return layer_str


def _add_mid_measure_op(op, layer_str, config):
    """A mid-circuit (or Pauli product) measurement: its classical wire, bracket and label."""
    layer_str = _add_mid_measure_grouping_symbols(op, layer_str, config)
    layer_str = _add_grouping_symbols(op.wires, layer_str, config)
    for w in op.wires:
        extra = {"wire": w} if isinstance(op, PauliMeasure) else {}
        layer_str[config.wire_map[w]] += _label(op, config, **extra)
    return layer_str


def _add_tape(obj, layer_str, config, tape_cache):
    """A nested tape: ``Tape:<n>`` on its wires (numbered after ``cache['tape_offset']``),
    remembered in ``tape_cache`` to be drawn after the outer drawing."""
    if tape_cache is None:
        raise ValueError("drawing a nested tape needs a tape_cache list to collect it in; "
                         "draw the outer tape with qml.drawer.tape_text")
    layer_str = _add_grouping_symbols(obj.wires, layer_str, config)
    label = f"Tape:{config.cache['tape_offset'] + len(tape_cache)}"
    for w in obj.wires:
        layer_str[config.wire_map[w]] += label
    tape_cache.append(obj)
    return layer_str


_MEASUREMENT_LABELS = (
    (ExpectationMP, lambda label: f"<{label}>"),
    (ProbabilityMP, lambda label: f"Probs[{label}]" if label else "Probs"),
    (SampleMP, lambda label: f"Sample[{label}]" if label else "Sample"),
    (CountsMP, lambda label: f"Counts[{label}]" if label else "Counts"),
    (VarianceMP, lambda label: f"Var[{label}]"),
    (StateMP, lambda label: "State"),
    (DensityMatrixMP, lambda label: "DensityMatrix"),
)


# PennyLane's str() of the measurements of quantities of the state
_STATE_QUANTITY_LABELS = {"PurityMP": "purity", "VnEntropyMP": "vnentropy",
                          "MutualInfoMP": "mutualinfo"}


def _measurement_label(m, obs_label) -> str:
    for cls, fmt in _MEASUREMENT_LABELS:
        if type(m) is cls:
            return fmt(obs_label)
    return _STATE_QUANTITY_LABELS.get(type(m).__name__, str(m))


def _written_observable(m):
    """The observable of measurement ``m`` as the user wrote it (``probs(op=Z(0))``'s ``Z``)."""
    obs = getattr(m, "written_obs", None)
    return getattr(m, "op", None) if obs is None else obs


def _add_cwire_measurement_grouping_symbols(mcms, layer_str, config):
    """The ``╭ ├ │ ╰`` bracket across the classical wires a statistic reads."""
    if len(mcms) > 1:
        n_wires = len(config.wire_map)
        mapped = [config.bit_map[m] for m in mcms]
        low, high = min(mapped) + n_wires, max(mapped) + n_wires
        layer_str[low], layer_str[high] = "╭", "╰"
        for b in range(low + 1, high):
            layer_str[b] = "├" if b - n_wires in mapped else "│"
    return layer_str


def _add_cwire_measurement(m, layer_str, config):
    """A statistic of mid-circuit measurements (``<MCM>``, ``Probs[MCM]``, ...; ``PPM`` for
    Pauli product measurements) on the classical wires it reads."""
    mcms = _stat_reads(m)
    layer_str = _add_cwire_measurement_grouping_symbols(mcms, layer_str, config)
    label = _measurement_label(m, "PPM" if isinstance(mcms[0], PauliMeasure) else "MCM")
    for mcm in mcms:
        layer_str[config.bit_map[mcm] + len(config.wire_map)] += label
    return layer_str


def _add_measurement(m, layer_str, config, tape_cache=None, skip_grouping_symbols=False):
    """A terminal measurement: ``<obs>``, ``Var[obs]``, ``Probs``, ... on its wires (on
    every wire when it has none), bracketed."""
    if getattr(m, "mv", None) is not None:
        return _add_cwire_measurement(m, layer_str, config)
    layer_str = _add_grouping_symbols(m.wires, layer_str, config)
    obs = _written_observable(m)
    label = _measurement_label(m, None if obs is None else _label(obs, config))
    if len(m.wires) == 0:
        for i in range(len(config.wire_map)):
            layer_str[i] += label
    for w in m.wires:
        layer_str[config.wire_map[w]] += label
    return layer_str


def _add_obj(obj, layer_str, config, tape_cache=None, skip_grouping_symbols=False):
    """PennyLane's ``qml.drawer._add_obj._add_obj``: ``layer_str`` (one string per wire,
    then per classical wire) with ``obj``'s symbols appended, by what ``obj`` is.

    >>> import qsym as qml
    >>> cfg = _Config(wire_map={0: 0, 1: 1}, bit_map={}, num_op_layers=1, cache={})
    >>> _add_obj(qml.CNOT(wires=[0, 1]), ["─", "─"], cfg)
    ['╭●', '╰X']
    """
    if isinstance(obj, Conditional):
        layer_str = _add_cond_grouping_symbols(obj, layer_str, config)
        return _add_obj(obj.base, layer_str, config)
    if isinstance(obj, MeasurementProcess):
        return _add_measurement(obj, layer_str, config)
    if isinstance(obj, QuantumScript):
        return _add_tape(obj, layer_str, config, tape_cache)
    if isinstance(obj, (MidMeasure, PauliMeasure)):
        return _add_mid_measure_op(obj, layer_str, config)
    if isinstance(obj, TemporaryAND):
        return _add_elbow(obj, layer_str, config, skip=skip_grouping_symbols)
    if isinstance(obj, Adjoint) and isinstance(obj.base, TemporaryAND):
        return _add_elbow(obj.base, layer_str, config, right=True)
    if isinstance(obj, (GlobalPhase, Identity)):
        return _add_global_op(obj, layer_str, config, skip_grouping_symbols)
    if len(unwrap_controls(obj)[0]):
        return _add_controlled(obj, layer_str, config)
    if isinstance(obj, SubroutineOp):
        layer_str = _add_subroutine_mcm_grouping_symbols(obj, layer_str, config)
    if not hasattr(obj, "label") and not hasattr(obj, "name"):
        raise NotImplementedError(f"unable to draw object {obj}")
    return _add_op(obj, layer_str, config, tape_cache, skip_grouping_symbols)


def _add_controlled(obj, layer_str, config):
    """A controlled operator: bracket, ``●``/``○`` on the controls, the base's symbols (a
    controlled global phase or identity: its label on every wire but the controls)."""
    control_wires, values, base = unwrap_controls(obj)
    values = values or [True] * len(control_wires)
    global_base = isinstance(base, (GlobalPhase, Identity))
    layer_str = _add_grouping_symbols(list(config.wire_map) if global_base else obj.wires,
                                      layer_str, config)
    for w, val in zip(control_wires, values, strict=True):
        layer_str[config.wire_map[w]] += "●" if val else "○"
    if not global_base:
        return _add_obj(base, layer_str, config, skip_grouping_symbols=True)
    label = _label(base, config)
    for w, pos in config.wire_map.items():
        if w not in control_wires:
            layer_str[pos] += label
    return layer_str


# ------------------------------------------------------------------------------ the drawing

def _initialize_wire_and_bit_totals(config, show_wire_labels, continuation=False) -> tuple:
    """The starts of the wire lines (right-justified ``label: ``, ``··· `` when continuing
    a wrapped drawing) and of the classical-wire lines (as wide, blank)."""
    prefix = "··· " if continuation else ""
    if not show_wire_labels:
        return [prefix] * config.n_wires, [prefix] * config.n_bits
    wires = [f"{w}: {prefix}" for w in config.wire_map]
    width = max(len(s) for s in wires)
    return [s.rjust(width) for s in wires], [" " * width] * config.n_bits


def _initialize_layer_str(config) -> list:
    return [config.wire_filler] * config.n_wires + [
        config.bit_filler(b) for b in range(config.n_bits)]


def _left_justify(layer_str, config) -> list:
    """Every string of the layer padded to the longest (wires with their filler, classical
    wires with the next layer's)."""
    width = max(len(s) for s in layer_str)
    for w in range(config.n_wires):
        layer_str[w] = layer_str[w].ljust(width, config.wire_filler)
    for b in range(config.n_bits):
        i = b + config.n_wires
        layer_str[i] = layer_str[i].ljust(width, config.bit_filler(b, next_layer=True))
    return layer_str


def _add_to_finished_lines(totals, config, show_wire_labels):
    """Wrap: the lines so far end with `` ···`` and new ones start."""
    totals.finished_lines += [line + " ···" for line in totals.wire_totals]
    totals.finished_lines += totals.bit_totals
    totals.finished_lines[-1] += "\n"
    totals.wire_totals, totals.bit_totals = _initialize_wire_and_bit_totals(
        config, show_wire_labels, continuation=True)
    return totals


def _add_layer_str_to_totals(totals, layer_str, config):
    n = config.n_wires
    totals.wire_totals = [config.wire_filler.join([t, s])
                          for t, s in zip(totals.wire_totals, layer_str[:n], strict=True)]
    totals.bit_totals = [config.bit_filler(j).join([t, s]) for j, (t, s) in enumerate(
        zip(totals.bit_totals, layer_str[n:n + config.n_bits], strict=True))]
    return totals


def _finalize_layers(totals, config):
    """``─┤`` after the operations; ``═╡`` on classical wires a statistic reads later."""
    totals.wire_totals = [f"{s}─┤" for s in totals.wire_totals]
    for b in range(config.n_bits):
        read_later = config.cwire_layers[b][-1][-1] >= config.num_op_layers
        totals.bit_totals[b] += "═╡" if read_later else "  "
    return totals


def _without_unmeasured_stats(tape):
    """PennyLane draws statistics of measurement values in a tape with no mid-circuit
    measurement (deferred measurements) as the same statistic of their wires."""
    ops = tape.operations
    if any(isinstance(op, (MidMeasure, PauliMeasure)) for op in ops) or not any(
            getattr(m, "mv", None) is not None for m in tape.measurements):
        return tape
    meas = [type(m)(wires=m.wires) if getattr(m, "mv", None) is not None else m
            for m in tape.measurements]
    return tape.copy(measurements=meas)


def _draw_layers(layers, config, show_wire_labels, max_length, tape_cache) -> str:
    totals = _CurrentTotals([], *_initialize_wire_and_bit_totals(config, show_wire_labels))
    for cur, layer in enumerate(layers):
        config.cur_layer = cur
        layer_str = _initialize_layer_str(config)
        for obj in layer:
            layer_str = _add_obj(obj, layer_str, config, tape_cache)
        layer_str = _left_justify(layer_str, config)
        limit = max_length - 4 if cur < len(layers) - 1 else max_length  # room for " ···"
        if len(totals.wire_totals[0]) + len(layer_str[0]) > limit - 1:
            totals = _add_to_finished_lines(totals, config, show_wire_labels)
        totals = _add_layer_str_to_totals(totals, layer_str, config)
        if cur == config.num_op_layers - 1:
            totals = _finalize_layers(totals, config)
    return "\n".join(totals.finished_lines + totals.wire_totals + totals.bit_totals)


def tape_text(tape, wire_order=None, *, show_all_wires=False, decimals=None, max_length=100,
              show_matrices=True, show_wire_labels=True, cache=None) -> str:
    """PennyLane's ``qml.drawer.tape_text``: the text drawing of a tape, in PennyLane's
    format character for character. Operations are packed into layers
    (:func:`drawable_layers`), closed by ``─┤``, then the measurements; wires in the tape's
    order unless ``wire_order`` says otherwise (unused ones only with ``show_all_wires``);
    ``decimals=None`` leaves parameters out; lines wrap at ``max_length``; nested tapes
    are drawn after as ``Tape:<n>``; matrix parameters are ``M0``, ``M1``, ... listed at
    the end (``show_matrices``), numbered after those ``cache["matrices"]`` holds.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RX(1.234, wires="a"), qml.CNOT(wires=["a", 0])],
    ...                               [qml.expval(qml.PauliZ(0))])
    >>> print(qml.drawer.tape_text(tape, decimals=2))
    a: ──RX(1.23)─╭●─┤
    0: ───────────╰X─┤  <Z>
    """
    wire_order = order_list(wire_order)
    tape = _without_unmeasured_stats(tape)
    cache = cache or {}
    cache.setdefault("tape_offset", 0)
    cache.setdefault("matrices", [])
    tape_cache = []
    wire_map = convert_wire_order(tape, wire_order=wire_order, show_all_wires=show_all_wires)[1]
    if not wire_map:
        return ""
    bit_map = default_bit_map(tape)
    layers = drawable_layers(tape.operations, wire_map=wire_map, bit_map=bit_map)
    num_op_layers = len(layers)
    layers += drawable_layers(tape.measurements, wire_map=wire_map, bit_map=bit_map)
    bit_map, cwire_layers, _ = cwire_connections(layers, bit_map)
    config = _Config(wire_map=wire_map, bit_map=bit_map, num_op_layers=num_op_layers,
                     cwire_layers=cwire_layers, decimals=decimals, cache=cache)
    out = _draw_layers(layers, config, show_wire_labels, max_length, tape_cache)
    offset = cache["tape_offset"]
    cache["tape_offset"] += len(tape_cache)
    for i, nested in enumerate(tape_cache):
        inner = tape_text(nested, wire_order, show_all_wires=show_all_wires, decimals=decimals,
                          max_length=max_length, show_matrices=False, cache=cache)
        out = "\n".join([out, f"\nTape:{i + offset}", inner])
    if show_matrices:
        out += "".join(f"\nM{i} = \n{mat}" for i, mat in enumerate(cache["matrices"]))
    return out


TAPE_TEXT["tape_text"] = tape_text  # tape.draw() draws as qml.drawer.tape_text (PennyLane's)
