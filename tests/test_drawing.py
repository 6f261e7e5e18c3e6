"""qml.draw in PennyLane's text format.

The expected strings are PennyLane's (its drawer's documented examples and tests:
``tests/drawer/test_draw.py``, ``pennylane/drawer/tape_text.py``), typed in here.
"""

import numpy as np
import pytest

import qsym as qml

DEV = qml.device("default.qubit", wires=(0, "a", 1.234))


@qml.qnode(DEV)
def circuit(x, y, z):
    qml.RX(x, wires=0)
    qml.RY(y, wires="a")
    qml.RZ(z, wires=1.234)
    return qml.expval(qml.PauliZ(0))


@pytest.mark.parametrize("decimals,expected", [
    (None, "    0: ──RX─┤  <Z>\n    a: ──RY─┤     \n1.234: ──RZ─┤     "),
    (1, "    0: ──RX(1.2)─┤  <Z>\n    a: ──RY(2.3)─┤     \n1.234: ──RZ(3.5)─┤     "),
    (0, "    0: ──RX(1)─┤  <Z>\n    a: ──RY(2)─┤     \n1.234: ──RZ(3)─┤     "),
])
def test_decimals_and_wire_labels(decimals, expected):
    assert qml.draw(circuit, decimals=decimals)(1.234, 2.345, 3.456) == expected


def test_wire_order_and_defaults():
    lines = qml.draw(circuit, wire_order=[1.234, "a", 0])(1.2, 2.3, 3.4).split("\n")
    assert [line[:6] for line in lines] == ["1.234:", "    a:", "    0:"]
    assert qml.draw(circuit)(1.0, 2.0, 3.0) == (
        "    0: ──RX(1.00)─┤  <Z>\n    a: ──RY(2.00)─┤     \n1.234: ──RZ(3.00)─┤     ")


def test_layers_controls_and_measurements():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def blocking():
        qml.PauliX(0)
        qml.IsingXX(1.234, wires=(0, 2))
        qml.PauliX(1)
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(blocking)() == (
        "0: ──X─╭IsingXX(1.23)────┤  <Z>\n"
        "1: ────│───────────────X─┤     \n"
        "2: ────╰IsingXX(1.23)────┤     ")

    @qml.qnode(dev)
    def adjacent():
        for i in range(3):
            qml.PauliX(i)
        return [qml.expval(qml.PauliZ(i)) for i in range(3)]

    assert qml.draw(adjacent)() == "0: ──X─┤  <Z>\n1: ──X─┤  <Z>\n2: ──X─┤  <Z>"

    @qml.qnode(qml.device("default.qubit", wires=[0]))
    def rot(x):
        qml.Rot(*x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(rot, decimals=1)([1.234, 2.345, 3.456]) == "0: ──Rot(1.2,2.3,3.5)─┤  <Z>"

    # tape_text's documented example, without QFT: Toffoli, Var[Z@Z], Probs
    dev4 = qml.device("default.qubit", wires=[0, 1, 2, "aux"])

    @qml.qnode(dev4)
    def doc():
        qml.RX(1.234, wires=0)
        qml.RY(1.234, wires=1)
        qml.RZ(1.234, wires=2)
        qml.Toffoli(wires=(0, 1, "aux"))
        return (qml.expval(qml.PauliZ("aux")), qml.var(qml.PauliZ(0) @ qml.PauliZ(1)),
                qml.probs(wires=(0, 1, 2, "aux")))

    assert qml.draw(doc)() == (
        "  0: ──RX(1.23)─╭●─┤ ╭Var[Z@Z] ╭Probs\n"
        "  1: ──RY(1.23)─├●─┤ ╰Var[Z@Z] ├Probs\n"
        "  2: ──RZ(1.23)─│──┤           ├Probs\n"
        "aux: ───────────╰X─┤  <Z>      ╰Probs")


def test_matrices_and_max_length():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def mats():
        qml.QubitUnitary(np.eye(2), wires=0)
        qml.QubitUnitary(np.eye(2), wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    assert qml.draw(mats)() == (
        "0: ──U(M0)─┤ ╭<Z@Z>\n1: ──U(M0)─┤ ╰<Z@Z>\n\nM0 = \n[[1. 0.]\n [0. 1.]]")
    assert qml.draw(mats, show_matrices=False)() == "0: ──U(M0)─┤ ╭<Z@Z>\n1: ──U(M0)─┤ ╰<Z@Z>"

    @qml.qnode(qml.device("default.qubit", wires=1))
    def long_circuit():
        for _ in range(100):
            qml.PauliX(0)
        return qml.expval(qml.PauliZ(0))

    out = qml.draw(long_circuit)()
    assert 95 <= max(len(s) for s in out.split("\n")) <= 100

    @qml.qnode(qml.device("default.qubit", wires=1))
    def short_circuit():  # PennyLane's test_setting_max_length
        for _ in range(10):
            qml.PauliX(0)
        return [qml.expval(qml.PauliZ(0)) for _ in range(4)]

    for ml in (25, 50, 75):
        out = qml.draw(short_circuit, max_length=ml)()
        assert max(len(s) for s in out.split("\n")) <= ml
    # a wrapped line ends with " ···" and continues after "··· " (PennyLane's drawer)
    assert qml.draw(short_circuit, max_length=25)().split("\n")[:3] == [
        "0: ──X──X──X──X──X──X ···", "", "0: ··· ──X──X──X──X─┤ ···"]


def test_a_circuit_without_gates():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circ():
        return qml.expval(qml.Z(0) @ qml.X(1))

    assert qml.draw(circ)() == "0: ───┤ ╭<Z@X>\n1: ───┤ ╰<Z@X>"


def test_controls_with_control_value_zero_draw_open_circles():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c():
        qml.ctrl(qml.PauliX(wires=2), control=[0, 1], control_values=[0, 1])
        qml.CRX(0.5, wires=[2, 0])
        return qml.probs(wires=[0, 1])

    assert qml.draw(c)() == (
        "0: ─╭○─╭RX(0.50)─┤ ╭Probs\n"
        "1: ─├●─│─────────┤ ╰Probs\n"
        "2: ─╰X─╰●────────┤       ")


def test_state_preparation_box_and_adjoint_dagger():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def matrices_circuit():  # PennyLane's test_matrix_parameters, measuring <Z> (not Hermitian)
        qml.StatePrep([1.0, 0.0, 0.0, 0.0], wires=(0, 1))
        qml.QubitUnitary(np.eye(2), wires=0)
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(matrices_circuit, show_matrices=False)() == (
        "0: ─╭|Ψ⟩──U(M0)─┤  <Z>\n1: ─╰|Ψ⟩────────┤     ")

    @qml.qnode(dev)
    def adj(x):
        qml.BasisState(np.array([1, 0]), wires=[0, 1])
        qml.adjoint(qml.RX(x, wires=0))
        qml.adjoint(qml.S(wires=1))
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(adj)(0.5) == "0: ─╭|Ψ⟩──RX(0.50)†─┤  <Z>\n1: ─╰|Ψ⟩──S†────────┤     "


def test_hermitian_matrices_and_probs_of_an_observable_are_labelled_as_written():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def matrices_circuit():  # PennyLane's test_matrix_parameters, exactly
        qml.StatePrep([1.0, 0.0, 0.0, 0.0], wires=(0, 1))
        qml.QubitUnitary(np.eye(2), wires=0)
        return qml.expval(qml.Hermitian(np.eye(2), wires=0))

    assert qml.draw(matrices_circuit, show_matrices=False)() == (
        "0: ─╭|Ψ⟩──U(M0)─┤  <𝓗(M0)>\n1: ─╰|Ψ⟩────────┤         ")
    assert qml.draw(matrices_circuit)() == (
        "0: ─╭|Ψ⟩──U(M0)─┤  <𝓗(M0)>\n"
        "1: ─╰|Ψ⟩────────┤         \n"
        "\n"
        "M0 = \n[[1. 0.]\n [0. 1.]]")

    @qml.qnode(dev)
    def rotated(x):
        qml.RX(x, wires=0)
        return qml.probs(op=qml.PauliX(0)), qml.var(qml.Hadamard(1))

    # the basis change of probs(op=X) is not drawn: PennyLane writes Probs[X]
    assert qml.draw(rotated)(0.3) == "0: ──RX(0.30)─┤  Probs[X]\n1: ───────────┤  Var[H]  "


def test_hiding_wire_labels():  # PennyLane's test_hiding_labels
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circ():
        return qml.expval(qml.Z(0) @ qml.X(1))

    lines = qml.draw(circ, show_wire_labels=False)().split("\n")
    assert lines[0].startswith("─") and lines[1].startswith("─")


# --- qml.draw_mpl ---------------------------------------------------------------------------
DEV2 = qml.device("default.qubit", wires=3)


@qml.qnode(DEV2)
def mpl_circuit(x):
    qml.RX(x, wires=0)
    qml.Hadamard(wires=2)  # same layer as RX: other wire
    qml.CNOT(wires=[0, 1])
    qml.SWAP(wires=[1, 2])
    return qml.expval(qml.PauliZ(1))


def _texts(ax):
    """``{text: (x, y)}`` of the axes' texts."""
    return {t.get_text(): t.get_position() for t in ax.texts}


def _mpl():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    return mpl


def test_draw_mpl_draws_the_circuit_in_layers():
    # PennyLane's draw_mpl (tape_mpl on MPLDrawer): wire i at y = i (y axis inverted),
    # layer j at x = j, labels "Name\n(params)", the measurement a box without text
    _mpl()
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyBboxPatch

    fig, ax = qml.draw_mpl(mpl_circuit, decimals=2)(0.54)
    try:
        assert isinstance(fig, Figure) and isinstance(ax, Axes) and ax.figure is fig
        texts = _texts(ax)
        assert {"0", "1", "2", "RX\n(0.54)", "H"} == set(texts)
        assert texts["0"] == (-1.5, 0) and texts["1"] == (-1.5, 1) and texts["2"] == (-1.5, 2)
        assert ax.get_ylim()[0] > ax.get_ylim()[1]
        # RX and H share layer 0 (other wires); CNOT is layer 1, SWAP layer 2
        assert texts["RX\n(0.54)"] == (0, 0) and texts["H"] == (0, 2)
        circles = sorted(p.center for p in ax.patches if isinstance(p, Circle))
        assert circles == [(1, 0), (1, 1)]  # CNOT's control dot and its target circle
        # boxes: RX, H and the measurement of wire 1 at x = 3 (after the 3 layers)
        boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        assert len(boxes) == 3
        assert boxes[-1].get_x() + boxes[-1].get_width() / 2 == pytest.approx(3)
        assert boxes[-1].get_y() + boxes[-1].get_height() / 2 == pytest.approx(1)
        # 3 wires + CNOT's line and its plus (2) + SWAP's line and two crosses (4)
        assert len(ax.lines) == 3 + 3 + 5
    finally:
        plt.close(fig)
    fig, ax = qml.draw_mpl(mpl_circuit)(0.54)  # PennyLane's default: no parameters
    try:
        assert "RX" in _texts(ax)
    finally:
        plt.close(fig)


def test_draw_mpl_options():
    _mpl()
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    fig, ax = qml.draw_mpl(mpl_circuit, wire_order=[2, 1, 0], decimals=1)(0.54)
    texts = _texts(ax)
    assert texts["2"][1] == 0 and texts["0"][1] == 2 and texts["RX\n(0.5)"][1] == 2
    plt.close(fig)

    @qml.qnode(DEV2)
    def one_wire(x):
        qml.RY(x, wires=1)
        return qml.expval(qml.PauliZ(1))

    fig, ax = qml.draw_mpl(one_wire)(0.1)
    assert set(_texts(ax)) == {"1", "RY"}  # wires without gates are left out
    plt.close(fig)
    mine = plt.figure()
    fig, ax = qml.draw_mpl(one_wire, show_all_wires=True, style="black_white_dark",
                           fig=mine, fontsize=10, wire_options={"color": "gray"})(0.1)
    assert fig is mine and {"0", "1", "2"} <= set(_texts(ax))
    assert _texts(ax)["1"] == (-1.5, 1) and ax.texts[-1].get_fontsize() == 10
    assert ax.lines[0].get_color() == "gray"
    plt.close(fig)
    fig, ax = qml.draw_mpl(one_wire, style="black_white_dark")(0.1)
    assert fig.patch.get_facecolor() == to_rgba("#151515")  # the style's almost-black
    plt.close(fig)
    assert plt.rcParams["figure.facecolor"] != "#151515"  # restored after drawing
    with pytest.raises(qml.ArgumentError, match="style"):
        qml.draw_mpl(one_wire, style="sketchy")
    with pytest.raises(qml.ArgumentError, match="colour"):
        qml.draw_mpl(one_wire, colour="red")


def test_draw_mpl_without_matplotlib_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'qsym\[plot\]'"):
        qml.draw_mpl(mpl_circuit)


# --- templates as boxes (PennyLane's labels), as PennyLane 0.45 draws them -------------------
# The expected texts below were written from PennyLane's drawing rules (Operator.label: the
# name, then each parameter: a number to `decimals` digits, an array as M<i> listed below;
# Controlled: control dots and the base's label; Adjoint: the base's label and a dagger) and
# checked against PennyLane 0.45.1's output for the same circuits.
def test_templates_are_boxes_with_pennylanes_labels():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(w):
        qml.StronglyEntanglingLayers(w, wires=[0, 1, 2])
        qml.FlipSign([1, 0], wires=[0, 1])
        qml.ctrl(qml.FlipSign([1, 0], wires=[1, 2]), control=0)
        qml.ctrl(qml.RX(0.2, 1), control=0)
        qml.QFT(wires=[0, 1])
        qml.AngleEmbedding([0.1, 0.2], wires=[0, 1])
        return qml.expval(qml.Z(0))

    assert qml.draw(c)(np.zeros((1, 3, 3))) == (
        "0: ─╭StronglyEntanglingLayers(M0)─╭FlipSign─╭●────────╭●────────╭QFT─╭AngleEmbedding(M1)─┤  <Z>\n"
        "1: ─├StronglyEntanglingLayers(M0)─╰FlipSign─├FlipSign─╰RX(0.20)─╰QFT─╰AngleEmbedding(M1)─┤     \n"
        "2: ─╰StronglyEntanglingLayers(M0)───────────╰FlipSign────────────────────────────────────┤     \n"
        "\n"
        "M0 = \n[[[0. 0. 0.]\n  [0. 0. 0.]\n  [0. 0. 0.]]]\n"
        "M1 = \n[0.1 0.2]")
    # at level="device" the templates default.qubit decomposes are drawn as their gates;
    # QFT (a matrix it applies) stays a box
    device_text = qml.draw(c, level="device")(np.zeros((1, 3, 3)))
    assert "╭QFT" in device_text and "FlipSign" not in device_text
    assert "StronglyEntanglingLayers" not in device_text and "Rot(0.00,0.00,0.00)" in device_text


def test_adjoint_and_controlled_templates_and_parameters_of_templates():
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def c(x):
        qml.adjoint(qml.QFT)(wires=[0, 1, 2])
        qml.adjoint(qml.AngleEmbedding([x, 0.2], wires=[0, 1]))
        qml.adjoint(qml.RX(x, 3))
        qml.QuantumPhaseEstimation(qml.RX(0.3, 0), estimation_wires=[1, 2])
        qml.ControlledQubitUnitary(np.array([[0, 1], [1, 0]]), wires=[0, 3, 1], control_values=[1, 0])
        qml.ctrl(qml.QFT(wires=[1, 2]), control=0, control_values=0)
        return qml.probs(wires=[0, 1])

    assert qml.draw(c, decimals=None)(0.5) == (
        "0: ─╭QFT†─╭AngleEmbedding(M0)†─╭QuantumPhaseEstimation─╭●─────╭○───┤ ╭Probs\n"
        "1: ─├QFT†─╰AngleEmbedding(M0)†─├QuantumPhaseEstimation─├U(M1)─├QFT─┤ ╰Probs\n"
        "2: ─╰QFT†──────────────────────╰QuantumPhaseEstimation─│──────╰QFT─┤       \n"
        "3: ──RX†───────────────────────────────────────────────╰○──────────┤       \n"
        "\n"
        "M0 = \n[0.5 0.2]\n"
        "M1 = \n[[0 1]\n [1 0]]")
    assert "QuantumPhaseEstimation(0.30)" in qml.draw(c)(0.5)  # the powered gate's parameter
    # the boxes change nothing that runs: the probabilities are those of the gates
    assert np.isclose(np.sum(c(0.5)), 1.0)


def test_a_quantum_function_is_drawn_on_sorted_wires_and_matrices_follow_directly():
    def f(x):
        qml.RX(x, wires=2)
        qml.CNOT(wires=[2, 0])
        qml.QubitUnitary(np.eye(2), wires=1)

    assert qml.draw(f)(0.3) == (
        "0: ───────────╭X────────┤  \n"
        "1: ───────────│───U(M0)─┤  \n"
        "2: ──RX(0.30)─╰●────────┤  \n"
        "M0 = \n[[1. 0.]\n [0. 1.]]")

    def g(x):
        qml.RX(x, wires=2)
        qml.CNOT(wires=[2, 0])
        return qml.expval(qml.Z(0))

    expected = "0: ───────────╭X─┤  <Z>\n2: ──RX(0.30)─╰●─┤     "
    assert qml.draw(g)(0.3) == expected
    # a QNode on a device without wires: sorted too; with wires, the device's order
    assert qml.draw(qml.QNode(g, qml.device("default.qubit")))(0.3) == expected
    assert qml.draw(qml.QNode(g, qml.device("default.qubit", wires=[2, 0])))(0.3) == (
        "2: ──RX(0.30)─╭●─┤     \n0: ───────────╰X─┤  <Z>")


def test_state_preparation_box_survives_mid_circuit_measurements():
    dev = qml.device("default.qubit", wires=["S", "A", "B"])
    state = np.array([1 / np.sqrt(2) + 0.3j, 0.4 - 0.5j])

    @qml.qnode(dev)
    def teleport(state):
        qml.StatePrep(state, wires=["S"])
        qml.Hadamard("A")
        m0 = qml.measure("S")
        qml.cond(m0, qml.PauliZ)("B")
        return qml.density_matrix(wires=["B"])

    # PennyLane 0.45.1 draws the measurement and its classical wire (not the deferred CZ)
    assert qml.draw(teleport)(state) == (
        "S: ──|Ψ⟩──┤↗├────┤               \n"
        "A: ──H─────║─────┤               \n"
        "B: ────────║───Z─┤  DensityMatrix\n"
        "           ╚═══╝                 ")


def test_powers_controlled_powers_and_controlled_adjoints_as_pennylane_draws_them():
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def c(x):
        qml.pow(qml.RX(x, 0), 2)
        qml.pow(qml.S(1), 2)
        qml.ctrl(qml.pow(qml.PhaseShift(0.3, 2), 4), control=3)
        qml.ctrl(qml.adjoint(qml.S(1)), control=0)
        qml.ControlledSequence(qml.PhaseShift(1.26, 0), control=[1, 2, 3])
        return qml.probs(wires=[0, 1])

    assert qml.draw(c)(0.5) == (
        "0: ──RX(0.50)²─╭●──╭ControlledSequence(1.26)─┤ ╭Probs\n"
        "1: ──S²────────╰S†─├ControlledSequence(1.26)─┤ ╰Probs\n"
        "2: ─╭Rϕ(0.30)⁴─────├ControlledSequence(1.26)─┤       \n"
        "3: ─╰●─────────────╰ControlledSequence(1.26)─┤       ")
    # default.qubit decomposes ControlledSequence into its controlled gates, powers applied
    assert qml.draw(c, level="device")(0.5) == (
        "0: ──RX(0.50)²─╭●──╭Rϕ(5.04)─╭Rϕ(2.52)─╭Rϕ(1.26)─┤ ╭Probs\n"
        "1: ──S²────────╰S†─╰●────────│─────────│─────────┤ ╰Probs\n"
        "2: ─╭Rϕ(0.30)⁴───────────────╰●────────│─────────┤       \n"
        "3: ─╰●─────────────────────────────────╰●────────┤       ")

    @qml.qnode(dev)
    def qpe():  # QuantumPhaseEstimation's powers stay powers at the device level
        qml.PauliX(0)
        qml.QuantumPhaseEstimation(qml.PhaseShift(1.26, 0), estimation_wires=[1, 2])
        return qml.probs(wires=[1, 2])

    text = qml.draw(qpe, level="device")()
    assert "╭Rϕ(1.26)²" in text and "╭Rϕ(1.26)¹" in text and "QFT†" in text


def test_wire_order_may_name_wires_the_circuit_does_not_use():
    """PennyLane's wire_order may list wires the circuit lacks: left out, or empty rows with
    show_all_wires=True (they raised ValueError)."""
    def f(x):
        qml.RX(x, wires=0)
        qml.RY(x, wires="a")
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(f, wire_order=["a", 0, "b"])(0.5) == (
        "a: ──RY(0.50)─┤     \n0: ──RX(0.50)─┤  <Z>")

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circ():
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(circ, wire_order=[0, "a"], show_all_wires=True)() == "0: ───┤  <Z>\na: ───┤     "


def test_a_template_after_a_discarded_controlled_template_keeps_its_box():
    # qml.ctrl(template) written as a statement returns an operator nobody keeps; its box was
    # keyed by id(), CPython gave the freed address to the next template, and the drawing
    # dropped that template's box as drawn already (CI saw AngleEmbedding vanish)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        for _ in range(4):
            qml.ctrl(qml.FlipSign([1, 0], wires=[1, 2]), control=0)
            qml.AngleEmbedding([x, 0.2], wires=[0, 1])
        return qml.expval(qml.Z(0))

    rows = qml.draw(c, max_length=1000)(0.1).split("\n")
    # four boxes of each template, each drawn on its two (FlipSign: controlled, on 1 and 2) rows
    assert rows[0].count("╭AngleEmbedding(M0)") == 4 and rows[1].count("╰AngleEmbedding(M0)") == 4
    assert rows[0].count("╭●") == 4 and rows[2].count("╰FlipSign") == 4


def test_measured_sums_are_labelled_with_their_coefficients_as_pennylanes():
    # PennyLane's Sum.label: 𝓗 with up to three parameters to `decimals` (none with
    # decimals=None or more than three); SProd's "2.00*Z"
    H = qml.Hamiltonian([1.0, 1.0, 1.0], [qml.PauliZ(0), qml.PauliY(0), qml.PauliZ(2)])

    def circuit():
        qml.Hadamard(wires=0)
        return qml.expval(H)

    dev = qml.device("default.qubit", wires=3)
    assert qml.draw(qml.QNode(circuit, dev))() == (
        "0: ──H─┤ ╭<𝓗(1.00,1.00,1.00)>\n2: ────┤ ╰<𝓗(1.00,1.00,1.00)>")
    assert qml.draw(qml.QNode(circuit, dev), decimals=None)() == "0: ──H─┤ ╭<𝓗>\n2: ────┤ ╰<𝓗>"
    four = qml.Hamiltonian([1.0, 2, 3, 4], [qml.Z(0), qml.X(0), qml.Y(0), qml.Z(1)])
    assert qml.draw(lambda: qml.expval(four))() == "0: ───┤ ╭<𝓗>\n1: ───┤ ╰<𝓗>"
    assert qml.draw(lambda: qml.expval(qml.s_prod(2.0, qml.Z(0))))() == "0: ───┤  <2.00*Z>"


def test_a_product_of_gates_written_as_a_statement_is_drawn_as_one_box():
    """PennyLane's queue holds a ``qml.prod`` / ``@`` statement as one ``Prod``, drawn as a box
    labelled ``RX(0.50)@RY(0.30)`` (stop 64: qsym drew its gates one by one)."""
    @qml.qnode(qml.device("default.qubit", wires=3))
    def c(x):
        qml.prod(qml.RX(x, 0), qml.RY(0.3, 1))
        qml.X(0) @ qml.Z(2)
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(0))

    expected = ("0: ─╭RX(0.50)@RY(0.30)─╭X@Z─╭●─┤  <Z>\n"
                "1: ─╰RX(0.50)@RY(0.30)─│────╰X─┤     \n"
                "2: ────────────────────╰X@Z────┤     ")  # PennyLane 0.45.1's text
    assert qml.draw(c)(0.5) == expected
    assert qml.draw(c, level="device")(0.5) == expected


def test_device_level_drawing_of_a_device_that_rewrites_its_tapes():
    # PennyLane 0.45.1 draws level="device" as the tape its device pipeline makes:
    # default.mixed decomposes what is not in its gate set (IsingZZ into CNOT RZ CNOT,
    # RY(x)† into RY(-x), S† into PhaseShift(-pi/2), CZ† into CZ), and a device made by
    # qml.add_noise shows the channels of its noise model; qsym drew its own trace (the
    # gates as written, no noise). Texts: PennyLane's for the same code
    def c(x):
        qml.RX(x, 0)
        qml.IsingZZ(x, [0, 1])
        qml.adjoint(qml.RY(x, 1))
        return qml.expval(qml.Z(0))

    dev = qml.device("default.mixed", wires=2)
    nm = qml.NoiseModel({qml.noise.op_eq("RX"): qml.noise.partial_wires(qml.BitFlip, 0.1)})
    noisy = qml.add_noise(dev, noise_model=nm)
    as_written = ("0: ──RX(0.30)─╭IsingZZ(0.30)────────────┤  <Z>\n"
                  "1: ───────────╰IsingZZ(0.30)──RY(0.30)†─┤     ")
    decomposed = ("0: ──RX(0.30)─╭●───────────╭●────────────┤  <Z>\n"
                  "1: ───────────╰X──RZ(0.30)─╰X──RY(-0.30)─┤     ")
    with_noise = ("0: ──RX(0.30)──BitFlip(0.10)─╭●───────────╭●────────────┤  <Z>\n"
                  "1: ──────────────────────────╰X──RZ(0.30)─╰X──RY(-0.30)─┤     ")
    assert qml.draw(qml.QNode(c, dev), level="device")(0.3) == decomposed
    assert qml.draw(qml.QNode(c, dev))(0.3) == as_written
    assert qml.draw(qml.QNode(c, noisy), level="device")(0.3) == with_noise
    assert qml.draw(qml.QNode(c, noisy))(0.3) == as_written
    # a QNode transformed by qml.add_noise: the device's decomposition at its last level
    transformed = qml.add_noise(qml.QNode(c, dev), noise_model=nm)
    assert qml.draw(transformed, level="device")(0.3) == with_noise
    # the values by hand: <Z0> = cos(0.3) (IsingZZ is diagonal), times 1 - 2p after BitFlip(p)
    assert qml.QNode(c, dev)(0.3) == pytest.approx(np.cos(0.3), abs=1e-14)
    assert qml.QNode(c, noisy)(0.3) == pytest.approx(0.8 * np.cos(0.3), abs=1e-14)

    def adjoints(x):
        qml.RY(x, 0)
        qml.adjoint(qml.RY(x, 1))
        qml.adjoint(qml.CZ([0, 1]))
        qml.adjoint(qml.S(0))
        qml.adjoint(qml.CRX(x, [0, 1]))
        return qml.expval(qml.Z(0))

    assert qml.draw(qml.QNode(adjoints, dev), level="device")(0.3) == (
        "0: ──RY(0.30)──╭●──Rϕ(-1.57)─╭●─────────┤  <Z>\n"
        "1: ──RY(-0.30)─╰Z────────────╰RX(-0.30)─┤     ")
    # default.qubit runs adjoints as they are: drawn so at every level (unchanged)
    on_qubit = qml.QNode(adjoints, qml.device("default.qubit", wires=2))
    assert qml.draw(on_qubit, level="device")(0.3) == (
        "0: ──RY(0.30)──╭Z†──S†─╭(RX(0.30))†─┤  <Z>\n"
        "1: ──RY(0.30)†─╰Z†─────╰(RX(0.30))†─┤     ")


def test_power_labels_write_an_exponent_sign_in_superscript_as_pennylane():
    """PennyLane's ``Pow.label`` maps ``+`` to ``⁺`` too (its table "0123456789.+-"): an exponent
    written with a sign (``format(1e21)`` is ``1e+21``) drew ``¹e+²¹`` in qsym, whose second
    table (without ``+``) replaced the first. The strings below are PennyLane 0.45.1's."""
    assert qml.pow(qml.PauliX(0), 1e21).label() == "X¹e⁺²¹"
    assert qml.pow(qml.RX(0.3, 0), 1e21).label(decimals=2) == "RX\n(0.30)¹e⁺²¹"

    def c(x):
        qml.pow(qml.RX(x, 0), 1e21)
        return qml.expval(qml.Z(0))

    drawn = qml.draw(qml.QNode(c, qml.device("default.qubit", wires=1)))(0.3)
    assert drawn == "0: ──RX(0.30)¹e⁺²¹─┤  <Z>"
