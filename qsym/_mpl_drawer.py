"""PennyLane's matplotlib drawing kit: ``qml.drawer.MPLDrawer`` and the drawer styles.

``MPLDrawer`` is PennyLane 0.45.1's low-level canvas (``pennylane.drawer.mpldrawer``): a
figure with one horizontal line per wire (wire ``i`` at ``y = i``, layer ``j`` at ``x = j``,
the y axis inverted) and methods that add one gate's artists: ``box_gate``, ``ctrl``,
``CNOT``, ``SWAP``, ``measure``, ``pauli_measure``, ``cond``, ``classical_wire``,
``cwire_join``, ``erase_wire``, ``label``. The geometry (sizes, paddings, z-orders) is
PennyLane's, so code that places its own artists next to them lines up.

The styles (``pennylane.drawer.style``) are PennyLane's ``rcParams`` settings by name;
``_set_style(name)`` applies one, ``_set_style()`` the one ``use_style`` chose.

matplotlib is optional: it is imported when a drawing or a style is made, never when qsym
is imported; without it these raise an ``ImportError`` that says how to install it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._drawing import convert_wire_order, cwire_connections, default_bit_map, unwrap_controls
from ._mcm import Conditional, MidMeasure, PauliMeasure
from ._operations import GlobalPhase, Identity
from ._text_drawer import drawable_layers, operator_label
from .wires import order_list

__all__ = ["MPLDrawer", "available_styles", "use_style", "tape_mpl", "draw_mpl"]


def _mpl():
    """``(pyplot, patches, patheffects)``, or an ImportError saying how to get them."""
    try:
        import matplotlib.patheffects as path_effects
        import matplotlib.pyplot as plt
        from matplotlib import patches
    except ImportError as err:  # pragma: no cover - matplotlib is optional
        raise ImportError("Module matplotlib is required for ``MPLDrawer`` class (and "
                          "qml.draw_mpl, qml.drawer.tape_mpl). You can install matplotlib via "
                          "\n\n   pip install matplotlib\n\nor qsym's optional extra: "
                          "pip install 'qsym[plot]'") from err
    return plt, patches, path_effects


# ------------------------------------------------------------------------------------ styles

_ALMOST_BLACK = "#151515"
_RC = ("savefig.facecolor", "figure.facecolor", "axes.facecolor", "patch.facecolor",
       "patch.edgecolor", "lines.color", "text.color")
# per style: the colours of _RC (None: left as is), then the other rcParams it sets
_STYLES = {
    "black_white": (("white", "white", "white", "white", "black", "black", "black"),
                    {"patch.linewidth": 3.0, "path.sketch": None, "font.weight": "normal",
                     "lines.linewidth": 1.5}),
    "black_white_dark": ((_ALMOST_BLACK, _ALMOST_BLACK, _ALMOST_BLACK, _ALMOST_BLACK, "white",
                          "white", "white"), {"path.sketch": None}),
    "sketch": (("white", "white", "#D6F5E2", "#FFEED4", "black", "black", "black"),
               {"patch.linewidth": 3.0, "font.weight": "bold", "path.sketch": (1, 100, 2)}),
    "pennylane": (("white", "white", "#FFB5F1", "#D5F0FD", _ALMOST_BLACK, "black", "black"),
                  {"patch.linewidth": 2.0, "font.weight": "bold", "path.sketch": None}),
    "pennylane_sketch": (("white", "white", "#FFB5F1", "#D5F0FD", _ALMOST_BLACK, "black",
                          "black"), {"patch.linewidth": 2.0, "font.weight": "bold",
                                     "path.sketch": (1, 250, 1)}),
    "sketch_dark": ((_ALMOST_BLACK, _ALMOST_BLACK, "#EBAAC1", "#B0B5DC", "white", "white",
                     "white"), {"patch.linewidth": 3.0, "font.weight": "bold",
                                "path.sketch": (1, 100, 2)}),
    "solarized_light": (("#fdf6e3", "#fdf6e3", "#eee8d5", "#eee8d5", "#93a1a1", "#657b83",
                         "#586e75"), {"patch.linewidth": 3.0, "path.sketch": None}),
    "solarized_dark": (("#002b36", "#002b36", "#002b36", "#073642", "#268bd2", "#839496",
                        "#2aa198"), {"patch.linewidth": 3.0, "path.sketch": None}),
    "default": None,  # matplotlib's own defaults
}
_CURRENT = {"style": "black_white"}  # use_style's choice: what _set_style() applies


def _apply_style(name: str) -> None:
    plt = _mpl()[0]
    if _STYLES[name] is None:
        plt.style.use("default")
        return
    colours, rest = _STYLES[name]
    plt.rcParams.update({k: v for k, v in zip(_RC, colours, strict=True)})
    plt.rcParams["patch.force_edgecolor"] = True
    plt.rcParams.update(rest)
    if name.startswith("pennylane"):
        from matplotlib import font_manager

        if "Quicksand" in {f.name for f in font_manager.FontManager().ttflist}:
            plt.rcParams["font.family"] = "Quicksand"  # pragma: no cover - font installed


def available_styles() -> tuple:
    """PennyLane's ``qml.drawer.available_styles()``: the style names ``use_style`` takes.

    >>> available_styles()[:3]
    ('black_white', 'black_white_dark', 'sketch')
    """
    return tuple(_STYLES)


def use_style(style: str) -> None:
    """PennyLane's ``qml.drawer.use_style``: the style ``qml.draw_mpl`` and
    ``qml.drawer.tape_mpl`` use when given none (a name of :func:`available_styles`; an
    unknown name raises a ``TypeError`` listing them).

    >>> use_style("black_white")
    """
    if style not in _STYLES:
        raise TypeError(f"style '{style}' provided to ``qp.drawer.use_style`` does not exist.  "
                        f"Available options are {available_styles()}")
    _CURRENT["style"] = style


def _set_style(style: str | None = None) -> None:
    """Apply style ``style`` to matplotlib's ``rcParams`` (PennyLane's
    ``pennylane.drawer.style._set_style``); ``None``: the one :func:`use_style` chose."""
    if not style:
        _apply_style(_CURRENT["style"])
    elif style in _STYLES:
        _apply_style(style)
    else:
        raise TypeError(f"style '{style}' provided to ``_set_style`` does not exist.  "
                        f"Available options are {available_styles()}")


# -------------------------------------------------------------------------------- the canvas

def _to_tuple(a) -> tuple:
    if a is None:
        return ()
    return tuple(a) if isinstance(a, Iterable) else (a,)


def _open_circ_options(options) -> dict:
    """The options of an open circle (control on zero, CNOT target): the axes' face colour
    inside, the line colour (or ``color``) around, the lines' width, z-order 3."""
    plt = _mpl()[0]
    new = dict(options or {})
    new["facecolor"] = plt.rcParams["axes.facecolor"]
    if "color" in new:
        new["edgecolor"], new["color"] = new["color"], None
    else:
        new["edgecolor"] = plt.rcParams["lines.color"]
    new.setdefault("linewidth", plt.rcParams["lines.linewidth"])
    new.setdefault("zorder", 3)
    return new


class MPLDrawer:
    """PennyLane's ``qml.drawer.MPLDrawer``: a matplotlib canvas for circuit drawings,
    ``n_layers`` columns by the wires of ``wire_map`` (label -> row) and ``c_wires``
    classical wires below them; ``wire_options`` (matplotlib ``Line2D`` options, or per
    wire label a dict of them) style the wire lines; ``fig`` reuses a figure.

    >>> drawer = MPLDrawer(n_layers=2, wire_map={0: 0, 1: 1})  # doctest: +SKIP
    >>> drawer.box_gate(0, 0, "X"); drawer.CNOT(1, (0, 1))      # doctest: +SKIP
    >>> drawer.label(["0", "1"]); drawer.fig.savefig("cnot.png")  # doctest: +SKIP
    """

    _box_length = 0.75  # width and height of a one-wire box
    _circ_rad = 0.3  # radius of the CNOT target
    _ctrl_rad = 0.1  # radius of a control on one
    _octrl_rad = 0.1  # radius of a control on zero
    _swap_dx = 0.2  # half the size of a SWAP cross
    _fontsize = 14
    _pad = 0.2  # padding of the rounded boxes
    _boxstyle = f"round, pad={_pad}"
    _notch_width = 0.04
    _notch_height = 0.25
    _notch_pad = 0.05
    _notch_style = f"round, pad={_notch_pad}"
    _cond_shift = 0.03  # half the gap of a classical double line
    _cwire_scaling = 0.25  # distance between classical wires

    def __init__(self, n_layers, wire_map, c_wires=0, *, wire_options=None, figsize=None,
                 fig=None, starting_dots: bool = False):
        plt = _mpl()[0]
        self.n_layers = n_layers
        self.n_wires = len(wire_map)
        self._starting_dots = starting_dots
        c_height = self._cwire_scaling * c_wires + 0.5 * (c_wires > 0)
        if figsize is None:
            figsize = (self.n_layers + 3, self.n_wires + 1 + c_height)
        if fig is None:
            self._fig = plt.figure(figsize=figsize)
        else:
            fig.clear()
            fig.set_figwidth(figsize[0])
            fig.set_figheight(figsize[1])
            self._fig = fig
        self._ax = self._fig.add_axes(
            [0, 0, 1, 1], xlim=(-2.5 if starting_dots else -2, self.n_layers + 1),
            ylim=(-1, self.n_wires + c_height), xticks=[], yticks=[])
        self._ax.axis("off")
        self._ax.invert_yaxis()
        wire_options = wire_options or {}
        shared = {k: v for k, v in wire_options.items() if not isinstance(v, dict)}
        self._wire_lines = [
            plt.Line2D((-1, self.n_layers), (row, row), zorder=1,
                       **{**shared, **(wire_options.get(label) if isinstance(
                           wire_options.get(label), dict) else {})})
            for label, row in wire_map.items()]
        for line in self._wire_lines:
            self._ax.add_line(line)

    @property
    def fig(self):
        """The matplotlib figure."""
        return self._fig

    @property
    def ax(self):
        """The matplotlib axes."""
        return self._ax

    @property
    def fontsize(self):
        """The font size of the text drawn (14 by default)."""
        return self._fontsize

    @fontsize.setter
    def fontsize(self, value):
        self._fontsize = value

    def label(self, labels, text_options=None):
        """Write the wire labels left of the wires (after ``···`` with ``starting_dots``)."""
        if text_options is None:
            text_options = {"ha": "center", "va": "center", "fontsize": self.fontsize}
        for wire, text in enumerate(labels):
            self._ax.text(-1.5 - 0.5 * self._starting_dots, wire, text, **text_options)
        if self._starting_dots:
            for wire in range(self.n_wires):
                self.ax.text(-1.5, wire, s="···", ha="center", va="center_baseline",
                             fontsize=21)

    def erase_wire(self, layer: int, wire: int, length: int) -> None:
        """Hide ``length`` layers of a wire from ``layer`` on (a rectangle of the figure's
        face colour)."""
        plt, patches, _ = _mpl()
        face = plt.rcParams["figure.facecolor"]
        self.ax.add_patch(patches.Rectangle((layer, wire - 0.1), length, 0.2, facecolor=face,
                                            edgecolor=face, zorder=1.1))

    def box_gate(self, layer, wires, text="", box_options=None, text_options=None, **kwargs):
        """A rounded box across ``wires`` at ``layer`` with ``text`` in it (``extra_width``
        widens it; ``autosize`` shrinks or turns the text to fit; ``active_wire_notches``
        marks the wires it acts on when it covers others)."""
        patches = _mpl()[1]
        extra = kwargs.get("extra_width", 0)
        box_options = box_options if box_options is not None else {}
        box_options.setdefault("zorder", 2)
        txt_options = {"zorder": 3, "ha": "center", "va": "center", "fontsize": self.fontsize}
        txt_options.update(text_options or {})
        wires = _to_tuple(wires)
        low, high = min(wires), max(wires)
        width = self._box_length + extra - 2 * self._pad
        height = high - low + self._box_length - 2 * self._pad
        corner = (layer - self._box_length / 2.0 - extra / 2.0 + self._pad,
                  low - self._box_length / 2.0 + self._pad)
        self._ax.add_patch(patches.FancyBboxPatch(corner, width, height,
                                                  boxstyle=self._boxstyle, **box_options))
        text_obj = self._ax.text(layer, (high + low) / 2.0, text, **txt_options)
        if kwargs.get("active_wire_notches", True) and len(wires) != high - low + 1:
            notch_options = {**box_options, "zorder": box_options["zorder"] - 1}
            for wire in wires:
                self._add_notch(layer, wire, extra, notch_options)
        if kwargs.get("autosize", True):
            self._fit_text(text_obj, width, height, low != high)

    def _fit_text(self, text_obj, box_width, box_height, multi_wire) -> None:
        """Turn a wide text upright on a multi-wire box, then shrink it until it fits."""
        margin = 0.1
        max_w, max_h = box_width - margin + 2 * self._pad, box_height - 2 * margin + 2 * self._pad
        w, h = self._text_dims(text_obj)
        if multi_wire and w > max_w and w > h:
            text_obj.set_rotation(90)
            w, h = self._text_dims(text_obj)
        for size in range(int(text_obj.get_fontsize()), 1, -1):
            if w < max_w and h < max_h:
                break
            text_obj.set_fontsize(size)
            w, h = self._text_dims(text_obj)

    def _add_notch(self, layer, wire, extra_width, box_options):
        patches = _mpl()[1]
        y = wire - self._notch_height / 2
        for x in (layer - self._box_length / 2.0 - extra_width / 2.0 - self._notch_width,
                  layer + self._box_length / 2.0 + extra_width / 2.0):
            self._ax.add_patch(patches.FancyBboxPatch(
                (x, y), self._notch_width, self._notch_height, boxstyle=self._notch_style,
                **box_options))

    def _text_dims(self, text_obj):
        """The width and height of a text in data coordinates."""
        bbox = text_obj.get_window_extent(self._fig.canvas.get_renderer())
        corners = self._ax.transData.inverted().transform(bbox)
        return abs(corners[1][0] - corners[0][0]), abs(corners[0][1] - corners[1][1])

    def ctrl(self, layer, wires, wires_target=None, control_values=None, options=None):
        """Control dots on ``wires`` (open where ``control_values`` is False) and a line
        from them through ``wires_target``."""
        plt = _mpl()[0]
        options = options if options is not None else {}
        wires_ctrl, wires_target = _to_tuple(wires), _to_tuple(wires_target)
        everything = wires_ctrl + wires_target
        if len(wires_target) > 1 and any(
                min(wires_target) < w < max(wires_target) for w in wires_ctrl):
            warnings.warn("Some control indicators are hidden behind an operator. Consider "
                          "re-ordering your circuit wires to ensure all control indicators "
                          "are visible.", UserWarning)
        self._ax.add_line(plt.Line2D((layer, layer), (min(everything), max(everything)),
                                     **options))
        if control_values is None:
            control_values = (True,) * len(wires_ctrl)
        control_values = _to_tuple(control_values)
        if len(control_values) != len(wires_ctrl):
            raise ValueError("`control_values` must be the same length as `wires`")
        for wire, on in zip(wires_ctrl, control_values, strict=True):
            (self._ctrl_circ if on else self._ctrlo_circ)(layer, wire, options=options)

    def _ctrl_circ(self, layer, wires, options=None):
        plt = _mpl()[0]
        options = options if options is not None else {}
        options.setdefault("color", plt.rcParams["lines.color"])
        options.setdefault("zorder", 3)
        self._ax.add_patch(plt.Circle((layer, wires), radius=self._ctrl_rad, **options))

    def _ctrlo_circ(self, layer, wires, options=None):
        plt = _mpl()[0]
        self._ax.add_patch(plt.Circle((layer, wires), radius=self._octrl_rad,
                                      **_open_circ_options(options)))

    def CNOT(self, layer, wires, control_values=None, options=None):
        """Controls on ``wires[:-1]``, the ``⊕`` target on ``wires[-1]``."""
        self.ctrl(layer, wires[:-1], wires[-1], control_values=control_values, options=options)
        self._target_x(layer, wires[-1], options=options)

    def _target_x(self, layer, wires, options=None):
        plt = _mpl()[0]
        options = options if options is not None else {}
        circ_options = _open_circ_options(options)
        options["zorder"] = circ_options["zorder"] + 1
        r = self._circ_rad
        self._ax.add_patch(plt.Circle((layer, wires), radius=r, **circ_options))
        self._ax.add_line(plt.Line2D((layer, layer), (wires - r, wires + r), **options))
        self._ax.add_line(plt.Line2D((layer - r, layer + r), (wires, wires), **options))

    def SWAP(self, layer, wires, options=None):
        """A line between the two ``wires`` with a cross on each."""
        plt = _mpl()[0]
        options = options if options is not None else {}
        self._ax.add_line(plt.Line2D((layer, layer), wires, **options))
        for wire in wires:
            self._swap_x(layer, wire, options)

    def _swap_x(self, layer, wire, options=None):
        plt = _mpl()[0]
        options = options if options is not None else {}
        options.setdefault("zorder", 2)
        d = self._swap_dx
        self._ax.add_line(plt.Line2D((layer - d, layer + d), (wire - d, wire + d), **options))
        self._ax.add_line(plt.Line2D((layer - d, layer + d), (wire + d, wire - d), **options))

    def measure(self, layer, wires, text=None, box_options=None, lines_options=None):
        """A measurement box (an arc and an arrow) across ``wires`` (classical wires
        numbered after the quantum ones), ``text`` at its lower right."""
        patches = _mpl()[1]
        box_options = box_options if box_options is not None else {}
        box_options.setdefault("zorder", 2)
        lines_options = lines_options if lines_options is not None else {}
        lines_options.setdefault("zorder", 3)
        wires = tuple(self._y(w) for w in (wires if isinstance(wires, Sequence) else (wires,)))
        low, high = min(wires), max(wires)
        center, size = (high + low) / 2.0, self._box_length
        self._ax.add_patch(patches.FancyBboxPatch(
            (layer - size / 2.0 + self._pad, low - size / 2.0 + self._pad),
            size - 2 * self._pad, high - low + size - 2 * self._pad,
            boxstyle=self._boxstyle, **box_options))
        self._ax.add_patch(patches.Arc((layer, center + 0.15 * size), 0.6 * size, 0.55 * size,
                                       theta1=180, theta2=0, **lines_options))
        lines_options["zorder"] += 1
        self.ax.arrow(layer - 0.15 * size, center + 0.3 * size, 0.3 * size, -0.5 * size,
                      head_width=size / 8.0, **lines_options)
        if text:
            self._ax.text(layer + 0.05 * size, center + 0.225, text, fontsize=self.fontsize - 2)

    def pauli_measure(self, layer, pauli_word, wires, postselect=None, **kwargs):
        """A Pauli product measurement: a box with the word's letters on ``wires`` and a
        notch holding a small meter (``postselect`` written by it)."""
        patches = _mpl()[1]
        box_options = kwargs.get("box_options", {})
        lines_options = kwargs.get("lines_options", {})
        wires = _to_tuple(wires)
        low, high = min(wires), max(wires)
        center, size = (low + high) / 2, self._box_length
        main_ratio = 4 / 5  # the box's share of the width (the notch has the rest)
        main_w = size * main_ratio - 2 * self._pad
        main_h = high - low + size - 2 * self._pad
        notch_w, notch_h = size * (1 - main_ratio) - 2 * self._notch_pad, size / 3 - 2 * self._notch_pad
        main_x, main_y = layer - size / 2 + self._pad, low - size / 2 + self._pad
        notch_x = main_x + main_w + self._pad
        self._ax.add_patch(patches.FancyBboxPatch((notch_x, center - notch_h / 2), notch_w,
                                                  notch_h, boxstyle=self._boxstyle,
                                                  **box_options))
        self._ax.add_patch(patches.FancyBboxPatch((main_x, main_y), main_w, main_h,
                                                  boxstyle=self._boxstyle, **box_options))
        text_options = {"zorder": 3, "ha": "center", "va": "center", "fontsize": (
            self.fontsize if isinstance(self.fontsize, str) else self.fontsize * 1.1)}
        text_options.update(kwargs.get("text_options", {}))
        for symbol, wire in zip(pauli_word, wires, strict=True):
            self._ax.text(main_x + main_w / 2, wire, symbol, **text_options)
        icon_x = notch_x + notch_w / 2 + self._notch_pad
        lines_options.setdefault("zorder", 3)
        lines_options["linewidth"] = 1.5
        self._ax.add_patch(patches.Arc(
            (icon_x, center), notch_w + self._notch_pad * 2, notch_h + self._notch_pad * 2,
            theta1=270 if postselect is None else 320, theta2=90, **lines_options))
        if postselect is not None:
            self._ax.text(icon_x - self._notch_pad / 2, center - notch_h / 2, str(postselect),
                          fontsize=self.fontsize * 0.7)
        self.ax.arrow(icon_x, center, notch_w + self._notch_pad, notch_h / 2,
                      head_width=notch_w / 6, **lines_options)

    @property
    def ppm_offset(self) -> float:
        """How far right of its layer a Pauli product measurement's classical wire starts."""
        return self._box_length / 10

    def _y(self, wire):
        """The height of wire ``wire`` (classical wires numbered after the quantum ones)."""
        if wire < self.n_wires:
            return wire
        return self.n_wires + self._cwire_scaling * (wire - self.n_wires)

    def classical_wire(self, layers, wires) -> None:
        """A classical (double) wire through the points ``(layers[i], wires[i])``."""
        plt, _, path_effects = _mpl()
        width = plt.rcParams["lines.linewidth"]
        strokes = [path_effects.Stroke(linewidth=5 * width, foreground=plt.rcParams["lines.color"]),
                   path_effects.Stroke(linewidth=3 * width,
                                       foreground=plt.rcParams["figure.facecolor"])]
        self.ax.add_line(plt.Line2D(layers, [self._y(w) for w in wires], path_effects=strokes,
                                    zorder=1))

    def cwire_join(self, layer, wire, erase_right=False):
        """Erase the inner line of a classical wire where another joins it at ``layer``."""
        plt = _mpl()[0]
        xs = (layer - 0.2, layer + 0.2) if erase_right else (layer - 0.2, layer)
        self.ax.add_line(plt.Line2D(xs, (self._y(wire),) * 2, zorder=2,
                                    color=plt.rcParams["figure.facecolor"],
                                    linewidth=3 * plt.rcParams["lines.linewidth"]))

    def cond(self, layer, measured_layer, wires, wires_target, options=None):
        """Double lines from the measurements on ``wires`` (measured at ``measured_layer``)
        to the operator on ``wires_target`` at ``layer``; the measured wires must all be
        above or all below the target's."""
        plt = _mpl()[0]
        options = options if options is not None else {}
        ctrl, target = _to_tuple(sorted(wires)), _to_tuple(sorted(wires_target))
        start, s = measured_layer + self._box_length / 2.0, self._cond_shift

        def line(xs, ys):
            return plt.Line2D(xs, ys, **options)

        if ctrl[-1] < target[0]:
            lines = [line((start, layer + s), (ctrl[0] - s,) * 2),
                     line((start, layer - s), (ctrl[0] + s,) * 2),
                     line((layer + s,) * 2, (ctrl[0] - s, target[0])),
                     line((layer - s,) * 2, (ctrl[-1] + s, target[0]))]
            for prev, wire in zip(ctrl, ctrl[1:]):
                lines += [line((layer - s,) * 2, (prev + s, wire - s)),
                          line((start, layer - s), (wire - s,) * 2),
                          line((start, layer - s), (wire + s,) * 2)]
        elif target[-1] < ctrl[0]:
            lines = [line((start, layer + s), (ctrl[-1] + s,) * 2),
                     line((start, layer - s), (ctrl[-1] - s,) * 2),
                     line((layer + s,) * 2, (ctrl[-1] + s, target[-1])),
                     line((layer - s,) * 2, (ctrl[0] - s, target[-1]))]
            for wire, nxt in zip(ctrl, ctrl[1:]):
                lines += [line((layer - s,) * 2, (wire + s, nxt - s)),
                          line((start, layer - s), (wire - s,) * 2),
                          line((start, layer - s), (wire + s,) * 2)]
        else:
            raise ValueError(
                "Cannot draw interspersed mid-circuit measurements and conditional operations. "
                "Consider providing a wire order such that all measurement wires precede all "
                "wires for the operator being controlled, or vice versa.")
        for ln in lines:
            self._ax.add_line(ln)

    def crop_wire_labels(self):
        """Cut the wire labels' margin off the figure."""
        xlim = self._ax.get_xlim()
        self._ax.set_xlim((-1, xlim[1]))
        self._fig.set_figwidth(self._fig.get_figwidth() * (self.n_layers + 2) / (self.n_layers + 3))


# ---------------------------------------------------------------------------------- tape_mpl

@dataclass
class _MplConfig:
    """What drawing one object needs: wire positions, decimals, notches, classical wires."""

    pos: dict
    decimals: int | None
    active_wire_notches: bool
    bit_map: dict
    cwire_layers: dict
    cwire_wires: dict

    def at(self, wires) -> list:
        return [self.pos[w] for w in wires]


def _draw_gate(op, drawer, layer, config) -> None:
    """An operator: controls (dots) and a box with its label; PennyLane's symbols for
    SWAP, CSWAP, CNOT, Toffoli, MultiControlledX, CZ, CCZ, Barrier and WireCut."""
    name, wires = getattr(op, "name", None), config.at(getattr(op, "wires", None) or ())
    if name in ("CNOT", "Toffoli"):
        return drawer.CNOT(layer, wires)
    if name == "MultiControlledX":
        return drawer.CNOT(layer, wires, control_values=op.hyperparameters["control_values"])
    if name in ("CZ", "CCZ"):
        return drawer.ctrl(layer, wires)
    if name == "SWAP":
        return drawer.SWAP(layer, wires)
    if name == "CSWAP":
        drawer.ctrl(layer, wires=wires[0], wires_target=wires[1:])
        return drawer.SWAP(layer, wires=wires[1:])
    if name in ("Barrier", "WireCut"):
        return _draw_barrier(name, wires or list(range(drawer.n_wires)), drawer, layer)
    control_wires, control_values, base = unwrap_controls(op)
    control_wires = config.at(control_wires)
    is_global = isinstance(base, (GlobalPhase, Identity))
    op_wires = list(range(drawer.n_wires)) if not wires or is_global else wires
    targets = [w for w in op_wires if w not in control_wires]
    if is_global and not targets:
        raise ValueError("Can't draw controlled global gate with unknown non-control wires.")
    if control_wires:
        drawer.ctrl(layer, control_wires, wires_target=targets,
                    control_values=control_values or [True] * len(control_wires))
    label = operator_label(op, decimals=config.decimals)
    drawer.box_gate(layer, targets, label, box_options={"zorder": 4},
                    text_options={"zorder": 5}, active_wire_notches=config.active_wire_notches)
    return None


def _draw_barrier(name, wires, drawer, layer) -> None:
    plt = _mpl()[0]
    low, high = min(wires) - 0.5, max(wires) + 0.5
    if name == "WireCut":
        drawer.ax.text(layer - 0.35, y=max(wires), s="✂", fontsize=40)
        drawer.ax.vlines(layer, ymin=low, ymax=high, linestyle="--")
        return
    for x in (layer - 0.05, layer + 0.05):
        drawer.ax.vlines(x, ymin=low, ymax=high, color=plt.rcParams["lines.color"])


def _draw_object(op, drawer, layer, config) -> None:
    """One operation of a layer: a gate, a mid-circuit or Pauli product measurement (and
    its reset), or a conditional operator (its box, joining its classical wires)."""
    if isinstance(op, MidMeasure):
        wire = config.pos[op.wires[0]]
        drawer.measure(layer, wire, text=None if op.postselect is None else str(int(op.postselect)))
        if op.reset:
            drawer.erase_wire(layer, wire, 1)
            drawer.box_gate(layer + 1, wire, "|0⟩", box_options={"zorder": 4},
                            text_options={"zorder": 5})
    elif isinstance(op, PauliMeasure):
        drawer.pauli_measure(layer, op.pauli_word, config.at(op.wires), op.postselect)
    elif isinstance(op, Conditional):
        drawer.box_gate(layer, config.at(op.wires), op.base.label(decimals=config.decimals),
                        box_options={"zorder": 4}, text_options={"zorder": 5})
        bits = sorted(config.bit_map[m] for m in op.meas_val.measurements)
        for b in bits[:-1]:
            drawer.cwire_join(layer, b + drawer.n_wires,
                              erase_right=layer < config.cwire_layers[b][-1][-1])
    else:
        _draw_gate(op, drawer, layer, config)


def _ppm_controlled(layer, pos) -> bool:
    """Whether the object reaching lowest in ``layer`` is a Pauli product measurement."""
    lowest = max(layer, key=lambda o: max((pos[w] for w in (getattr(o, "wires", None) or ())),
                                          default=-1))
    return isinstance(lowest, PauliMeasure)


def _add_classical_wires(drawer, layers, config) -> None:
    for cwire, stretches in config.cwire_layers.items():
        bottom = cwire + drawer.n_wires
        for layer_ids, wires in zip(stretches, config.cwire_wires[cwire], strict=True):
            wires = list(wires) + [bottom] * (len(layer_ids) - len(wires))
            xs, ys = [], []
            for lay, w in zip(layer_ids, wires, strict=True):
                if lay < len(layers) and _ppm_controlled(layers[lay], config.pos):
                    lay -= drawer.ppm_offset
                xs += [lay, lay, lay]
                ys += [bottom, w, bottom]
            drawer.classical_wire(xs, ys)


def _measured(measurements, config, n_wires) -> tuple:
    """The wire positions measured at the end (all for a measurement of every wire) and
    the classical wires (after the quantum ones) whose statistics are collected."""
    wires, bits = set(), []
    for m in measurements:
        mv = getattr(m, "mv", None)
        if mv is None:
            if len(m.wires) == 0:
                wires = set(range(n_wires))
                break
            wires |= set(config.at(m.wires))
    for m in measurements:
        mv = getattr(m, "mv", None)
        for v in (mv if isinstance(mv, list) else [mv] if mv is not None else []):
            bits += [config.bit_map[mcm] + n_wires for mcm in v.measurements]
    return wires, bits


def _draw_layers(layers, measurements, wire_map, config, starting_dots=False, **kwargs):
    """One figure: the wires of ``wire_map``, the classical wires, the layers' objects,
    then the terminal measurements (``"dots"``: ``···`` where a wrapped drawing goes on)."""
    n_layers, n_wires = len(layers), len(wire_map)
    drawer = MPLDrawer(n_layers=n_layers, wire_map=wire_map, c_wires=len(config.bit_map),
                       wire_options=kwargs.get("wire_options"), fig=kwargs.get("fig"),
                       starting_dots=starting_dots)
    if n_wires == 0:
        return drawer.fig, drawer.ax
    if kwargs.get("fontsize") is not None:
        drawer.fontsize = kwargs["fontsize"]
    if kwargs.get("show_wire_labels", True):
        drawer.label(list(wire_map), text_options=kwargs.get("label_options"))
    else:
        drawer.crop_wire_labels()
    _add_classical_wires(drawer, layers, config)
    for layer, objs in enumerate(layers):
        for op in objs:
            _draw_object(op, drawer, layer, config)
    if isinstance(measurements, str):  # "dots"
        for wire in wire_map.values():
            drawer.ax.text(n_layers + 0.25, wire, s="···", ha="center", va="center_baseline",
                           fontsize=21)
        return drawer.fig, drawer.ax
    wires, bits = _measured(measurements, config, n_wires)
    for wire in wires:
        drawer.measure(n_layers, wire)
    if bits:
        drawer.measure(n_layers, bits)
    return drawer.fig, drawer.ax


def _without_unmeasured_stats(tape):
    """Statistics of measurement values in a tape with no mid-circuit measurement (deferred
    measurements) are drawn as the same statistic of their wires (PennyLane's)."""
    if any(isinstance(op, (MidMeasure, PauliMeasure)) for op in tape.operations) or not any(
            getattr(m, "mv", None) is not None for m in tape.measurements):
        return tape
    return tape.copy(measurements=[type(m)(wires=m.wires) if getattr(m, "mv", None) is not None
                                   else m for m in tape.measurements])


def _tape_mpl(tape, wire_order=None, show_all_wires=False, max_length=None, **kwargs):
    full_map, used_map = convert_wire_order(tape, wire_order=wire_order,
                                            show_all_wires=show_all_wires)
    tape = _without_unmeasured_stats(tape)
    bit_map = default_bit_map(tape)
    layers = drawable_layers(tape.operations, wire_map=full_map, bit_map=bit_map)
    for i in range(len(layers) - 1, -1, -1):  # a reset takes the next layer too
        if any(isinstance(o, MidMeasure) and o.reset for o in layers[i]):
            layers.insert(i + 1, [])
    bit_map, cwire_layers, cwire_wires = cwire_connections(
        layers + [list(tape.measurements)], bit_map, wire_map=full_map)
    config = _MplConfig(full_map, kwargs.get("decimals"), kwargs.get("active_wire_notches", True),
                        bit_map, cwire_layers, cwire_wires)
    if max_length is None:
        return _draw_layers(layers, tape.measurements, used_map, config, **kwargs)
    return [_draw_layers(layers[i:i + max_length],
                         tape.measurements if i + max_length >= len(layers) else "dots",
                         used_map, config, starting_dots=i > 0, **kwargs)
            for i in range(0, len(layers), max_length)]


def tape_mpl(tape, wire_order: Sequence | None = None, show_all_wires: bool = False,
             decimals: int | None = None, style: str | None = None, *, fig=None,
             max_length: int | None = None, **kwargs):
    """PennyLane's ``qml.drawer.tape_mpl``: a matplotlib drawing of a tape, ``(fig, ax)``
    (a list of them, one per ``max_length`` layers, when given). ``style`` is a name of
    :func:`available_styles` (None: :func:`use_style`'s, ``"rcParams"``: matplotlib's
    current settings), applied for this drawing only; ``wire_order``/``show_all_wires``
    as :func:`~qsym._text_drawer.tape_text`; keywords ``fontsize``, ``wire_options``,
    ``label_options``, ``active_wire_notches`` and ``show_wire_labels`` as PennyLane's.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.CNOT(wires=[0, 1])], [qml.probs(wires=0)])
    >>> fig, ax = tape_mpl(tape)  # doctest: +SKIP
    """
    wire_order = order_list(wire_order)
    update = style != "rcParams"
    if update:
        import matplotlib as mpl

        restore = mpl.rcParams.copy()
        _set_style(style)
    try:
        return _tape_mpl(tape, wire_order=wire_order, show_all_wires=show_all_wires,
                         decimals=decimals, fig=fig, max_length=max_length, **kwargs)
    finally:
        if update:
            restore["interactive"] = mpl.rcParams["interactive"]
            mpl.rcParams.update(restore)


# ---------------------------------------------------------------------------------- draw_mpl

_DRAW_MPL_OPTIONS = ("fontsize", "wire_options", "label_options", "active_wire_notches",
                     "show_wire_labels")


def _sorted_wires(tape):
    try:
        return sorted(tape.wires)
    except TypeError:  # labels that do not compare
        return list(tape.wires)


def _check_draw_mpl_args(decimals, style, kwargs) -> None:
    from .errors import ArgumentError

    unknown = sorted(set(kwargs) - set(_DRAW_MPL_OPTIONS))
    if unknown:
        raise ArgumentError(f"qml.draw_mpl got unexpected keyword argument(s) {unknown}; it "
                            f"takes wire_order, show_all_wires, decimals, style, max_length, "
                            f"fig, level and {', '.join(_DRAW_MPL_OPTIONS)}")
    if style is not None and style != "rcParams" and style not in _STYLES:
        raise ArgumentError(f"qml.draw_mpl: style {style!r} is not one of "
                            f"{list(available_styles())}, 'rcParams' (or None)")
    if decimals is not None and (not isinstance(decimals, int) or decimals < 0):
        raise ArgumentError(f"qml.draw_mpl: decimals must be None or an int >= 0, "
                            f"not {decimals!r}")


def draw_mpl(qnode, wire_order=None, show_all_wires: bool = False, decimals=None, style=None,
             *, max_length=None, fig=None, level="gradient", **kwargs):
    """PennyLane's ``qml.draw_mpl``: a function of the QNode's (or quantum function's)
    arguments that draws its circuit with :func:`tape_mpl` and returns ``(fig, ax)`` (a
    list of them with ``max_length``). The tape is the QNode's at ``level`` (PennyLane's
    ``construct_batch``; the first one, with a warning, when a transform splits it); the
    wires in ``wire_order``, else the device's, else sorted. Keywords: ``fontsize``,
    ``wire_options``, ``label_options``, ``active_wire_notches``, ``show_wire_labels``
    (any other is an :class:`qsym.errors.ArgumentError`, where PennyLane ignores it).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.expval(qml.PauliZ(1))
    >>> fig, ax = qml.draw_mpl(c, decimals=2)(0.5)
    >>> sorted(t.get_text().replace(chr(10), " ") for t in ax.texts)  # PennyLane's labels
    ['0', '1', 'RX (0.50)']
    """
    wire_order = order_list(wire_order)
    from .tape import make_qscript
    from .workflow import QNode, construct_batch

    _check_draw_mpl_args(decimals, style, kwargs)
    _mpl()  # matplotlib is needed: say so now, not at the first call
    options = dict(show_all_wires=show_all_wires, decimals=decimals, style=style, fig=fig,
                   max_length=max_length, **kwargs)
    if isinstance(qnode, QNode):
        def draw_qnode(*args, **kw):
            tapes, _ = construct_batch(qnode, level=level)(*args, **kw)
            if len(tapes) > 1:
                warnings.warn("Multiple tapes constructed, but only displaying the first one.",
                              UserWarning)
            device_wires = getattr(qnode.device, "wires", None)
            order = wire_order or (device_wires if device_wires else _sorted_wires(tapes[0]))
            return tape_mpl(tapes[0], wire_order=order, **options)

        return draw_qnode
    if level not in {"gradient", 0, "top"}:
        warnings.warn("When the input to qp.draw is not a QNode, the level argument is ignored.",
                      UserWarning)

    def draw_qfunc(*args, **kw):
        tape = make_qscript(qnode)(*args, **kw)
        return tape_mpl(tape, wire_order=wire_order or _sorted_wires(tape), **options)

    return draw_qfunc
