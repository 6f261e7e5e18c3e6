"""qml.noise.insert: the noise follows each operation of the tape on its wires (a template
or an adjoint counts as one: PennyLane opens them first, qsym does not, docs/pennylane.md),
a first state preparation and BasisState stay without noise; ``partial_wires`` of a
measurement moves all its wires."""

from __future__ import annotations

import numpy as np

import qsym as qml


def _names(tape):
    return [(op.name, list(op.wires)) for op in tape.operations]


def test_noise_after_each_operation_of_the_tape():
    ops = [qml.adjoint(qml.S(0)), qml.BasicEntanglerLayers([[0.5, 0.7]], wires=[0, 1]),
           qml.Barrier(1)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
    [new], _ = qml.noise.insert(tape, qml.PhaseDamping, 0.1)
    expected = []
    for op in ops:  # each operation, then one PhaseDamping(0.1) per wire it acts on
        expected += [(op.name, list(op.wires))] + [("PhaseDamping", [w]) for w in op.wires]
    assert _names(new) == expected
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
