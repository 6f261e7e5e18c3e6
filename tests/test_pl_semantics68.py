"""PennyLane 0.45.1's semantics left from stop 67 (issue #18): ``qml.ctrl`` / ``qml.adjoint``
of a gate-less ``qml.pow(op, 0)`` drawn as PennyLane draws them, ``qml.concurrency``'s
executors. Every expected text and number was printed by PennyLane 0.45.1 in /work/plvenv
(the same code with ``import pennylane as qml``), or is worked out by hand."""
import numpy as np
import pytest

import qsym as qml


def _controlled_zeroth_powers(x):
    qml.RY(x, wires=3)
    qml.ctrl(qml.pow(qml.Hadamard(wires=2), 0), control=[0, 3], control_values=[0, 1])
    qml.adjoint(qml.ctrl(qml.pow(qml.T(wires=1), 0), control=0))
    qml.ctrl(qml.adjoint(qml.pow(qml.SWAP(wires=[1, 2]), 0)), control=3)
    qml.adjoint(qml.adjoint(qml.pow(qml.X(0), 0)))
    qml.CNOT([0, 1])
    return qml.expval(qml.Z(3))


# PennyLane 0.45.1's qml.draw of the circuit above at 0.3 (the same at level="device")
PL_CONTROLLED_POWERS = (
    "0: ───────────╭○──╭(T⁰)†──((X⁰)†)†─╭●─┤     \n"
    "1: ───────────│───╰(T⁰)†─╭(SWAP⁰)†─╰X─┤     \n"
    "2: ───────────├H⁰────────├(SWAP⁰)†────┤     \n"
    "3: ──RY(0.30)─╰●─────────╰●───────────┤  <Z>")


@pytest.mark.parametrize("level", ["gradient", "device"])
def test_ctrl_and_adjoint_of_zeroth_powers_are_drawn_as_pennylane(level):
    node = qml.QNode(_controlled_zeroth_powers, qml.device("default.qubit", wires=4))
    assert qml.draw(node, level=level)(0.3) == PL_CONTROLLED_POWERS
    assert np.isclose(node(0.3), np.cos(0.3))  # by hand: every zeroth power is the identity


def test_ctrl_of_a_rotations_zeroth_power_beside_a_gateless_one():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.ctrl(qml.pow(qml.RX(x, wires=0), 0), control=1)
        qml.adjoint(qml.pow(qml.S(wires=2), 0))
        qml.ctrl(qml.pow(qml.Hadamard(wires=0), 0), control=[1, 2])
        return qml.expval(qml.Z(0))

    assert qml.draw(circuit)(0.3) == ("0: ─╭RX(0.30)⁰─╭H⁰─┤  <Z>\n"
                                      "1: ─╰●─────────├●──┤     \n"
                                      "2: ──(S⁰)†─────╰●──┤     ")
