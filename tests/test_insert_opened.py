"""qml.noise.insert opens templates and adjoints first, as PennyLane's does: the noise
follows each gate they are made of (expected lists written by hand from the gates'
definitions), while a first state preparation, BasisState and Barrier stay whole;
``partial_wires`` of a measurement moves all its wires."""

from __future__ import annotations

import numpy as np

import qsym as qml


def _names(tape):
    return [(op.name, list(op.wires)) for op in tape.operations]


def test_noise_after_each_gate_of_a_template_and_an_adjoint():
    tape = qml.tape.QuantumScript([qml.adjoint(qml.S(0)), qml.BasicEntanglerLayers([[0.5, 0.7]], wires=[0, 1]),
                                   qml.Barrier(1)], [qml.expval(qml.Z(0))])
    [new], _ = qml.noise.insert(tape, qml.PhaseDamping, 0.1)
    # S^dagger = PhaseShift(-pi/2); one BasicEntanglerLayers layer on 2 wires: RX, RX, CNOT
    assert _names(new) == [
        ("PhaseShift", [0]), ("PhaseDamping", [0]),
        ("RX", [0]), ("PhaseDamping", [0]), ("RX", [1]), ("PhaseDamping", [1]),
        ("CNOT", [0, 1]), ("PhaseDamping", [0]), ("PhaseDamping", [1]),
        ("Barrier", [1]), ("PhaseDamping", [1])]
    assert np.isclose(float(new.operations[0].parameters[0]), -np.pi / 2)
    assert all(float(o.parameters[0]) == 0.1 for o in new.operations if o.name == "PhaseDamping")


def test_a_first_state_preparation_stays_without_noise():
    tape = qml.tape.QuantumScript([qml.StatePrep(np.array([0, 1, 0, 0]), wires=[0, 1]),
                                   qml.BasisState(np.array([1]), wires=[2]), qml.H(0)])
    [new], _ = qml.noise.insert(tape, qml.PhaseDamping, 0.2)
    assert _names(new) == [("StatePrep", [0, 1]), ("BasisState", [2]), ("Hadamard", [0]),
                           ("PhaseDamping", [0])]


def test_partial_wires_of_a_measurement_moves_all_its_wires():
    moved = qml.noise.partial_wires(qml.mutual_info(1, 2))([2, 3])
    assert dict(moved._flatten()[1])["wires"] == ((2,), (3,))
    assert repr(qml.noise.partial_wires(qml.probs(wires=[0, 1]))(["a", "b"])) == "probs(wires=['a', 'b'])"
