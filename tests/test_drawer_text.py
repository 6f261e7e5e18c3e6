"""PennyLane's text drawer: ``qml.drawer.tape_text`` and its module paths (issue #18).

Every expected drawing here is worked out by hand from PennyLane 0.45.1's rules: a layer
holds objects whose covered wires (from first to last wire; to the bottom wire for one
joining a classical wire) do not overlap, each layer's strings are padded to the longest,
layers are joined by ``─`` (``═`` on a classical wire in use), ``─┤`` closes the
operations, measurements follow after a space, wrapped lines end with `` ···`` and go on
after ``··· ``.
"""

from __future__ import annotations

import pytest

import qsym as qml


def test_two_layers_and_a_measurement():
    tape = qml.tape.QuantumScript([qml.RX(1.234, wires="a"), qml.CNOT(wires=["a", 0])],
                                  [qml.expval(qml.PauliZ(0))])
    # labels "a: "/"0: "; layer 0 "─RX(1.23)" (9 wide), layer 1 "╭●"/"╰X", then "─┤";
    # the measurement layer " <Z>" (4 wide, blank on wire a)
    expected = ("a: ──RX(1.23)─╭●─┤     \n"
                "0: ───────────╰X─┤  <Z>")
    assert qml.drawer.tape_text(tape, decimals=2) == expected
    assert qml.drawer.tape_text(tape) == ("a: ──RX─╭●─┤     \n"
                                          "0: ─────╰X─┤  <Z>")


def test_wire_order_show_all_wires_and_hidden_labels():
    tape = qml.tape.QuantumScript([qml.PauliX(1)], [qml.probs(wires=[0, 1])])
    assert qml.drawer.tape_text(tape, wire_order=[1, 0]) == ("1: ──X─┤ ╭Probs\n"
                                                             "0: ────┤ ╰Probs")
    assert qml.drawer.tape_text(tape, wire_order=[1, "z", 0], show_all_wires=True) == (
        "1: ──X─┤ ╭Probs\n"
        "z: ────┤ │     \n"
        "0: ────┤ ╰Probs")
    assert qml.drawer.tape_text(tape, show_wire_labels=False) == ("──X─┤ ╭Probs\n"
                                                                  "────┤ ╰Probs")


def test_a_gate_is_blocked_by_a_gate_that_covers_its_wire():
    ops = [qml.PauliX(0), qml.PauliX(1), qml.CNOT(wires=[0, 2]), qml.PauliX(1)]
    layers = qml.drawer.drawable_layers.drawable_layers(ops)
    assert [[op.name for op in layer] for layer in layers] == [
        ["PauliX", "PauliX"], ["CNOT"], ["PauliX"]]
    # the CNOT's line crosses wire 1 (│), so the second X comes after it
    assert qml.drawer.tape_text(qml.tape.QuantumScript(ops)) == ("0: ──X─╭●────┤  \n"
                                                                 "1: ──X─│───X─┤  \n"
                                                                 "2: ────╰X────┤  ")


def test_long_drawings_wrap_at_max_length():
    tape = qml.tape.QuantumScript([qml.PauliX(0)] * 4, [qml.expval(qml.PauliZ(0))])
    # "0: ──X──X──X──X─┤" is 17 wide; " <Z>" would make 22 > 20: it goes on a new line
    assert qml.drawer.tape_text(tape, max_length=20) == ("0: ──X──X──X──X─┤ ···\n\n"
                                                         "0: ···   <Z>")


def test_mid_circuit_measurement_and_condition_draw_a_classical_wire():
    m = qml.measure(0)
    tape = qml.tape.QuantumScript([m.measurements[0], qml.ops.Conditional(m, qml.PauliX(1))],
                                  [qml.expval(qml.PauliZ(1))])
    # the measurement's ║ runs down wire 1 to the classical wire (╚), which the X's
    # condition reads in the next layer (╝, the wire's last use)
    expected = ("0: ──┤↗├────┤     \n"
                "1: ───║───X─┤  <Z>\n"
                "      ╚═══╝       ")
    assert qml.drawer.tape_text(tape) == expected


def test_nested_tapes_are_numbered_from_the_cache_offset():
    inner = qml.tape.QuantumScript([qml.PauliX(0)])
    cache = {"tape_offset": 3}
    assert qml.drawer.tape_text(qml.tape.QuantumScript([inner]), cache=cache) == (
        "0: ──Tape:3─┤  \n\nTape:3\n0: ──X─┤  ")
    assert cache["tape_offset"] == 4


def test_matrices_are_listed_after_the_drawing():
    H = qml.Hermitian([[1.0, 0.0], [0.0, -1.0]], wires=0)
    tape = qml.tape.QuantumScript([qml.PauliX(0)], [qml.expval(H)])
    assert qml.drawer.tape_text(tape, show_matrices=False) == "0: ──X─┤  <𝓗(M0)>"
    out = qml.drawer.tape_text(tape)
    assert out.startswith("0: ──X─┤  <𝓗(M0)>\nM0 = \n[[ 1.")


def test_helpers_on_their_module_paths():
    from qsym.drawer._add_obj import _add_grouping_symbols, _add_obj
    from qsym.drawer.drawable_layers import _recursive_find_layer
    from qsym.drawer.tape_text import _Config

    cfg = _Config(wire_map={0: 0, 1: 1, 2: 2}, bit_map={}, num_op_layers=1, cache={})
    assert _add_grouping_symbols([0, 2], ["─"] * 3, cfg) == ["╭", "│", "╰"]
    assert _add_obj(qml.Toffoli(wires=[0, 2, 1]), ["─"] * 3, cfg) == ["╭●", "├X", "╰●"]
    assert _add_obj(qml.ctrl(qml.PauliY(1), control=0, control_values=[0]),
                    ["─"] * 3, cfg) == ["╭○", "╰Y", "─"]
    # blocked at layer 1 -> the next; free all the way down -> layer 0
    assert _recursive_find_layer(1, {0}, [set(), {0}]) == 2
    assert _recursive_find_layer(1, {2}, [{0}, {1}]) == 0
    with pytest.raises(NotImplementedError, match="unable to draw"):
        _add_obj(object(), ["─"], cfg)
