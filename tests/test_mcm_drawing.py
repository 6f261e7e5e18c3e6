"""qml.draw of mid-circuit measurements (issue #18): PennyLane's text drawing of
``qml.measure`` (``┤↗├``, ``┤↗₀├``/``┤↗₁├`` postselected, ``│0⟩`` reset), the classical
wires (``═``) from a measurement (``╚``) to the conditions that read it (``╩``, ``╬`` where
the wire goes on, ``╝``/``╣`` at its last use) and to statistics of measurement values
(``╡  <MCM>``).

The expected drawings below were worked out by hand from PennyLane's rules
(pennylane/drawer/tape_text.py, drawable_layers.py, _add_obj.py: layers, classical wires
reused once free, fillers) before running qsym, then checked against PennyLane 0.45.1
(the same circuits drawn by PennyLane give the same text; ``test_same_as_pennylane``
repeats that where PennyLane is installed).
"""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml


def _two_measurement_condition(qp):
    dev = qp.device("default.qubit", wires=3)

    @qp.qnode(dev)
    def c(x):
        qp.RY(x, wires=0)
        qp.Hadamard(wires=1)
        m0 = qp.measure(0)
        m1 = qp.measure(1)
        qp.cond(m0 & m1, qp.RX)(x, wires=2)
        return qp.expval(qp.PauliZ(2))

    return c


def test_a_condition_on_two_measurements():
    # each measurement read later gets a classical wire; the condition joins both: ╣ where
    # the first ends, ╝ at the last one
    assert qml.draw(_two_measurement_condition(qml))(0.5) == (
        "0: ──RY(0.50)──┤↗├────────────────┤     \n"
        "1: ──H──────────║───┤↗├───────────┤     \n"
        "2: ─────────────║────║───RX(0.50)─┤  <Z>\n"
        "                ╚════║═══╣              \n"
        "                     ╚═══╝              ")


def _reset_postselect_statistics(qp):
    @qp.qnode(qp.device("default.qubit"))
    def f(x):
        qp.RX(x, wires=0)
        m0 = qp.measure(0, reset=True)
        qp.RY(x, wires=0)
        m1 = qp.measure(0, postselect=1)
        return qp.expval(m0), qp.probs(op=[m0, m1])

    return f


def test_reset_postselection_and_statistics_of_measurement_values():
    # a reset measurement ┤↗│  │0⟩, a postselected one ┤↗₁├; the statistics on the
    # classical wires after ╡: <MCM> of m0, then Probs[MCM] of both (a layer of its own,
    # as it reads m0's wire too), grouped ╭ ╰ over the two wires
    assert qml.draw(_reset_postselect_statistics(qml))(0.5) == (
        "0: ──RX(0.50)──┤↗│  │0⟩──RY(0.50)──┤↗₁├─┤                   \n"
        "                ╚═══════════════════║═══╡  <MCM> ╭Probs[MCM]\n"
        "                                    ╚═══╡        ╰Probs[MCM]")


def test_measurements_nothing_reads_have_no_classical_wire():
    # no classical wire: each measurement occupies its own wire only, so the reset on
    # wire 1 goes in the first layer, beside H
    def f():
        qml.Hadamard(0)
        qml.measure(0, postselect=0)
        qml.PauliX(0)
        qml.measure(1, reset=True)
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(f)() == (
        "0: ──H─────────┤↗₀├──X─┤  <Z>\n"
        "1: ──┤↗│  │0⟩──────────┤     ")


def test_a_classical_wire_reused_once_free_and_a_wrapped_drawing():
    # m0's wire ends at the first X; m1 (measured later) takes the same classical wire
    def f():
        m0 = qml.measure(0)
        qml.cond(m0, qml.PauliX)(wires=1)
        m1 = qml.measure(0)
        qml.cond(m1, qml.PauliZ)(wires=1)
        return qml.expval(qml.PauliZ(1))

    assert qml.draw(f)() == (
        "0: ──┤↗├─────┤↗├────┤     \n"
        "1: ───║───X───║───Z─┤  <Z>\n"
        "      ╚═══╝   ╚═══╝       ")
    # wrapped before the second Z's layer; the classical wire goes on below ("══╝")
    assert qml.draw(f, max_length=20)() == (
        "0: ──┤↗├─────┤↗├ ···\n"
        "1: ───║───X───║─ ···\n"
        "      ╚═══╝   ╚═\n"
        "\n"
        "0: ··· ────┤     \n"
        "1: ··· ──Z─┤  <Z>\n"
        "       ══╝       ")


def test_controlled_gates_with_open_controls_under_a_condition():
    # qml.ctrl with a control on 0 is one box with an open dot (not X gates around it)
    def f():
        m0 = qml.measure(2)
        qml.cond(m0, qml.ctrl(qml.RZ, control=[0], control_values=[False]))(0.5, wires=1)
        return qml.probs(wires=[0, 1])

    assert qml.draw(f)() == (
        "0: ──────╭○────────┤ ╭Probs\n"
        "1: ──────╰RZ(0.50)─┤ ╰Probs\n"
        "2: ──┤↗├──║────────┤       \n"
        "      ╚═══╝                ")


def test_the_deferred_circuit_is_drawn_under_defer_measurements():
    f = _two_measurement_condition(qml)
    text = qml.draw(qml.defer_measurements(f))(0.5)
    assert "┤↗├" not in text and "═" not in text  # the gates qsym runs: copies, controls
    assert text.count("\n") >= 2


def _peer_circuits(qp):
    def teleport(x):
        qp.RY(x, wires="s")
        qp.Hadamard(wires="a")
        qp.CNOT(wires=["a", "b"])
        qp.CNOT(wires=["s", "a"])
        qp.Hadamard(wires="s")
        m0, m1 = qp.measure("s"), qp.measure("a")
        qp.cond(m1 == 1, qp.PauliX)(wires="b")
        qp.cond(m0 == 1, qp.PauliZ)(wires="b")
        return qp.expval(qp.PauliZ("b"))

    def branches(x):
        qp.Hadamard(0)
        m = qp.measure(0)
        qp.cond(m == 0, qp.RX, qp.RY)(x, wires=1)
        qp.CNOT(wires=[1, 2])
        m2 = qp.measure(2)
        return qp.sample(m), qp.counts(op=m), qp.var(m + 2 * m2)

    def many(x):
        ms = []
        for w in range(3):
            qp.RX(x * (w + 1), wires=w)
            ms.append(qp.measure(w, reset=w == 1, postselect=1 if w == 2 else None))
        qp.cond(ms[0] | ms[2], qp.CRZ)(x, wires=[1, 3])
        qp.cond(ms[1], qp.Toffoli)(wires=[0, 2, 3])
        return qp.expval(qp.PauliZ(3) @ qp.PauliX(0)), qp.probs(op=ms[:2])

    return [teleport, branches, many]


def test_same_as_pennylane():
    pl = pytest.importorskip("pennylane")
    for mine, theirs in zip(_peer_circuits(qml), _peer_circuits(pl)):
        for kw in ({}, {"max_length": 40}, {"decimals": None, "wire_order": [2, 1]}):
            if mine.__name__ == "teleport" and "wire_order" in kw:
                kw = {"wire_order": ["b", "a"]}
            assert qml.draw(mine, **kw)(0.3) == pl.draw(theirs, **kw)(0.3), (mine.__name__, kw)
    for build in (_two_measurement_condition, _reset_postselect_statistics):
        assert qml.draw(build(qml))(0.5) == pl.draw(build(pl))(0.5)


# ---- qml.drawer.tape_text: a tape drawn the same way ------------------------------------------
def _doc_tape():
    ops = [qml.QFT(wires=(0, 1, 2)), qml.RX(1.234, wires=0), qml.RY(1.234, wires=1),
           qml.RZ(1.234, wires=2), qml.Toffoli(wires=(0, 1, "aux"))]
    measurements = [qml.expval(qml.Z("aux")), qml.var(qml.Z(0) @ qml.Z(1)),
                    qml.probs(wires=(0, 1, 2, "aux"))]
    return qml.tape.QuantumScript(ops, measurements)


def test_tape_text_as_pennylanes_documentation_draws_it():
    # the drawings printed in PennyLane 0.45's tape_text documentation: the tape's wire
    # order (not sorted), no parameters by default
    tape = _doc_tape()
    assert qml.drawer.tape_text(tape) == (
        "  0: ─╭QFT──RX─╭●─┤ ╭Var[Z@Z] ╭Probs\n"
        "  1: ─├QFT──RY─├●─┤ ╰Var[Z@Z] ├Probs\n"
        "  2: ─╰QFT──RZ─│──┤           ├Probs\n"
        "aux: ──────────╰X─┤  <Z>      ╰Probs")
    assert qml.drawer.tape_text(tape, wire_order=["aux", 2, 1, 0], decimals=2) == (
        "aux: ────────────────╭X─┤  <Z>      ╭Probs\n"
        "  2: ─╭QFT──RZ(1.23)─│──┤           ├Probs\n"
        "  1: ─├QFT──RY(1.23)─├●─┤ ╭Var[Z@Z] ├Probs\n"
        "  0: ─╰QFT──RX(1.23)─╰●─┤ ╰Var[Z@Z] ╰Probs")
    assert qml.drawer.tape_text(qml.tape.QuantumScript()) == ""
    assert qml.drawer.tape_text(qml.tape.QuantumScript(), wire_order=["a", "b"],
                                show_all_wires=True) == "a: ───┤  \nb: ───┤  "


def test_tape_text_numbers_matrices_after_a_cache():
    tape = qml.tape.QuantumScript(
        [qml.QubitUnitary(np.eye(2), wires=0), qml.QubitUnitary(np.eye(2), wires=1)],
        [qml.expval(qml.Hermitian(np.eye(4), wires=(0, 1)))])
    cache = {"matrices": [-np.eye(3)]}
    text = qml.drawer.tape_text(tape, cache=cache, show_matrices=False)
    assert text == "0: ──U(M1)─┤ ╭<𝓗(M2)>\n1: ──U(M1)─┤ ╰<𝓗(M2)>"
    assert [m.shape for m in cache["matrices"]] == [(3, 3), (2, 2), (4, 4)]


def test_transformed_qnodes_and_the_device_level():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        qml.Hadamard(1)
        qml.Hadamard(1)
        m = qml.measure(0)
        qml.cond(m, qml.RY)(x, wires=1)
        return qml.expval(qml.PauliZ(1)), qml.probs(op=m)

    # the tape after the transform (the Hadamards cancelled), the measurement as written
    assert qml.draw(qml.transforms.cancel_inverses(c))(0.3) == (
        "0: ──RX(0.30)──┤↗├───────────┤            \n"
        "1: ─────────────║───RY(0.30)─┤  <Z>       \n"
        "                ╚═══╩════════╡  Probs[MCM]")
    # at the device level PennyLane's default.qubit has deferred it: the statistic reads
    # wire 0 after the measurement, so the outcome is copied to a new wire 2 (CNOT), the
    # condition is an RY controlled by the copy, the statistic Probs of wire 2
    assert qml.draw(qml.transforms.cancel_inverses(c), level="device")(0.3) == (
        "0: ──RX(0.30)─╭●───────────┤       \n"
        "1: ───────────│──╭RY(0.30)─┤  <Z>  \n"
        "2: ───────────╰X─╰●────────┤  Probs")


# ---- qml.drawer.utils: the bookkeeping the drawing uses, PennyLane's functions -------------
def test_drawer_utils_classical_wires():
    utils = qml.drawer.utils
    m0, m1 = qml.measure(0), qml.measure(1)
    cond_y = qml.ops.Conditional(m0 & m1, qml.PauliY(0))
    cond_s = qml.ops.Conditional(m0, qml.S(3))
    a, b = m0.measurements[0], m1.measurements[0]
    bit_map = utils.default_bit_map([a, b, cond_y, cond_s])
    assert bit_map == {a: 0, b: 1}
    # PennyLane's documented example: wire 0 read in layers 0, 2, 3 (joined at wires 0, 0,
    # 3), wire 1 in layers 1, 2
    new, layers, wires = utils.cwire_connections([[a], [b], [cond_y], [cond_s]], bit_map)
    assert (new, layers, wires) == (bit_map, {0: [[0, 2, 3]], 1: [[1, 2]]},
                                    {0: [[0, 0, 3]], 1: [[1, 0]]})
    # a classical wire free after layer 1 is used again by a measurement of layer 2
    c0, c1 = qml.ops.Conditional(m0, qml.PauliX(1)), qml.ops.Conditional(m1, qml.PauliX(2))
    new, layers, _ = utils.cwire_connections([[a], [c0], [b], [c1]], {a: 0, b: 1})
    assert new == {a: 0, b: 0} and layers == {0: [[0, 1], [2, 3]]}
    assert utils.cwire_connections([[a]], {}) == ({}, {}, {})


def test_drawer_utils_wire_maps_and_controls():
    utils = qml.drawer.utils
    ops = [qml.PauliX(0), qml.PauliX(2), qml.CNOT(wires=["a", 0])]
    assert utils.default_wire_map(ops) == ({0: 0, 2: 1, "a": 2}, {0: 0, 2: 1, "a": 2})
    assert utils.convert_wire_order(ops, ["a", "b"]) == ({"a": 0, 0: 1, 2: 2},) * 2
    assert utils.convert_wire_order(ops, ["b"], show_all_wires=True)[1] == {
        "b": 0, 0: 1, 2: 2, "a": 3}
    cw, cv, base = utils.unwrap_controls(
        qml.ctrl(qml.CRX(0.3, wires=["c", "e"]), control=["a", "d"], control_values=[1, 0]))
    assert (list(cw), cv, base.name) == (["a", "d", "c"], [True, False, True], "RX")
    assert utils.unwrap_controls(qml.PauliX("a"))[:2] == (qml.wires.Wires([]), None)


def test_a_deferred_quantum_function_is_drawn_deferred():
    # qml.defer_measurements of a quantum function inside a QNode: PennyLane draws the
    # deferred tape: m0 is reset, so copied to wire 3 (CNOT) and the reset a CNOT back;
    # m2 is wire 2 itself; each condition an RY controlled by its record
    def qfunc():
        m0 = qml.measure(0, reset=True)
        qml.cond(m0, qml.RY)(0.312, wires=1)
        m2 = qml.measure(2)
        qml.cond(m2, qml.RY)(0.312, wires=1)
        return qml.expval(qml.PauliZ(1))

    node = qml.QNode(qml.defer_measurements(qfunc), qml.device("default.qubit", wires=4))
    assert qml.draw(node)() == (
        "0: ─╭●─╭X─────────────────────┤     \n"
        "1: ─│──│──╭RY(0.31)─╭RY(0.31)─┤  <Z>\n"
        "2: ─│──│──│─────────╰●────────┤     \n"
        "3: ─╰X─╰●─╰●──────────────────┤     ")


def test_tape_draw_method():
    m = qml.measure(0)
    tape = qml.tape.QuantumScript([qml.Hadamard(0), *m.measurements,
                                   qml.ops.Conditional(m, qml.PauliX(1))], [qml.expval(m)])
    assert tape.draw() == qml.drawer.tape_text(tape) == (
        "0: ──H──┤↗├────┤       \n"
        "1: ──────║───X─┤       \n"
        "         ╚═══╩═╡  <MCM>")


@pytest.mark.parametrize("device, mcm_method, shots, method", [
    ("default.qubit", None, None, "deferred"),      # PennyLane's device: none given, no shots
    ("default.qubit", None, 10, "one-shot"),        # none given, shots
    ("default.qubit", "tree-traversal", 10, "tree-traversal"),
    ("default.qubit", "deferred", 10, "deferred"),
    ("default.mixed", None, 10, "deferred"),        # the mixed device always defers
])
def test_deferral_options_is_the_public_resolution_the_drawers_read(device, mcm_method, shots, method):
    """QNode.deferral_options() (public: the drawers and qml.snapshots read it; it was a
    private method called from another module) resolves PennyLane's mid-circuit
    measurement method as PennyLane's device does (the table above, from PennyLane's
    default.qubit / default.mixed preprocessing)."""
    dev = qml.device(device, wires=2)

    @qml.qnode(dev, mcm_method=mcm_method)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.measure(0)
        return qml.expval(qml.Z(0))

    node = qml.set_shots(circuit, shots=shots)
    options = node.deferral_options()
    assert options["method"] == method
    assert options["shots"] == shots and list(options["wires"]) == [0, 1]
    assert not hasattr(node, "_deferral_options")
    import qsym._drawing as drawing
    import inspect
    assert "._deferral_options" not in inspect.getsource(drawing)
