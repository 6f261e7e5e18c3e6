"""PennyLane's matplotlib drawer: ``MPLDrawer``, ``tape_mpl``, the styles (issue #18).

Expected geometry worked out by hand from PennyLane 0.45.1's constants: layer ``j`` at
``x = j``, wire ``i`` at ``y = i``; a box is 0.75 wide minus a 0.2 rounding pad on each
side; a control dot has radius 0.1, a CNOT target 0.3; the figure is
``(n_layers + 3) x (n_wires + 1)`` inches.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import qsym as qml

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402


def test_matplotlib_is_not_imported_with_qsym():
    code = "import sys, qsym; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_canvas_box_and_cnot_geometry():
    from qsym.drawer import MPLDrawer

    drawer = MPLDrawer(n_layers=2, wire_map={"a": 0, "b": 1})
    try:
        assert tuple(drawer.fig.get_size_inches()) == (5, 3)
        assert [tuple(ln.get_xdata()) for ln in drawer.ax.lines] == [(-1, 2), (-1, 2)]
        drawer.box_gate(0, 0, "X")
        box = drawer.ax.patches[0]
        assert isinstance(box, FancyBboxPatch)
        # x = 0 - 0.375 + 0.2, width 0.75 - 0.4, same vertically around wire 0
        assert box.get_x() == pytest.approx(-0.175) and box.get_width() == pytest.approx(0.35)
        assert box.get_y() == pytest.approx(-0.175) and box.get_height() == pytest.approx(0.35)
        drawer.CNOT(1, (0, 1))
        dot, target = drawer.ax.patches[1:3]
        assert isinstance(dot, Circle) and dot.center == (1, 0) and dot.radius == 0.1
        assert isinstance(target, Circle) and target.center == (1, 1) and target.radius == 0.3
        # the control line from wire 0 to wire 1, then the target's two strokes
        assert [tuple(ln.get_ydata()) for ln in drawer.ax.lines[2:]] == [
            (0, 1), (0.7, 1.3), (1, 1)]
        with pytest.raises(ValueError, match="same length"):
            drawer.ctrl(1, [0], control_values=[True, False])
    finally:
        plt.close(drawer.fig)


def test_tape_mpl_draws_controls_boxes_and_measurements():
    tape = qml.tape.QuantumScript(
        [qml.Hadamard(0), qml.CNOT(wires=[0, 1]), qml.RX(0.5, wires=1)],
        [qml.expval(qml.PauliZ(1))])
    fig, ax = qml.drawer.tape_mpl(tape, decimals=1)
    try:
        texts = {t.get_text(): t.get_position() for t in ax.texts}
        assert texts == {"0": (-1.5, 0), "1": (-1.5, 1), "H": (0, 0), "RX\n(0.5)": (2, 1)}
        circles = sorted(p.center for p in ax.patches if isinstance(p, Circle))
        assert circles == [(1, 0), (1, 1)]
        boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        assert len(boxes) == 3  # H, RX and the measurement of wire 1 after layer 2
        meas = boxes[-1]
        assert meas.get_x() + meas.get_width() / 2 == pytest.approx(3)
        assert meas.get_y() + meas.get_height() / 2 == pytest.approx(1)
    finally:
        plt.close(fig)


def test_styles_set_pennylanes_rcparams_and_tape_mpl_restores_them():
    from qsym.drawer.style import _set_style

    before = plt.rcParams["axes.facecolor"]
    fig, _ = qml.drawer.tape_mpl(qml.tape.QuantumScript([qml.PauliX(0)]), style="sketch")
    try:
        assert plt.rcParams["axes.facecolor"] == before
    finally:
        plt.close(fig)
    try:
        _set_style("solarized_dark")
        assert plt.rcParams["patch.facecolor"] == "#073642"
        assert plt.rcParams["path.sketch"] is None
        qml.drawer.use_style("sketch_dark")
        _set_style()
        assert plt.rcParams["axes.facecolor"] == "#EBAAC1"
        assert plt.rcParams["path.sketch"] == (1, 100, 2)
    finally:
        qml.drawer.use_style("black_white")
        _set_style("black_white")
    assert qml.drawer.available_styles()[-1] == "default"
    with pytest.raises(TypeError, match="does not exist"):
        qml.drawer.use_style("neon")
