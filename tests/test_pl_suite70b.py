"""Issue #18 (stop 70, pl70b): PennyLane 0.45.1 semantics its own test files in transforms/,
workflow/, devices/, drawer/, math/, optimize/, pauli/, fourier/, kernels/, resource/, tape/
and the top-level test_*.py reach.

Expected values are PennyLane 0.45.1's behaviour (run in /work/plvenv, said so where used)
or worked out by hand.
"""

import copy

import pytest

import qsym as qml


# --- a shadow measurement made outside the circuit, then qml.apply'd -------------------
@pytest.mark.parametrize("make, shape", [
    (lambda: qml.classical_shadow([1]), (2, 100, 1)),
    (lambda: qml.shadow_expval(qml.PauliZ(0)), ()),
    (lambda: qml.shadow_expval([qml.PauliZ(0), qml.PauliZ(1)]), (2,)),
])
@pytest.mark.parametrize("device", ["null.qubit", "default.qubit"])
def test_applied_shadow_measurement_is_recorded_once(make, shape, device):
    """PennyLane 0.45.1 (its devices/test_null_qubit.py::test_measurement_shape_matches_
    default_qubit[mp15..mp18], printed in /work/plvenv): qml.apply of a classical_shadow /
    shadow_expval made outside the circuit gives shape (2, 100, 1) / () / (2,) at 100 shots
    on null.qubit and default.qubit alike. qsym's copy of a shadow measurement recorded
    itself on the tape as well as being recorded by qml.apply: null.qubit refused the
    circuit ("All measurements must be returned in the order they are measured")."""
    mp = make()

    def circuit(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return qml.apply(mp)

    res = qml.set_shots(qml.QNode(circuit, qml.device(device)), shots=100)(1.1)
    assert qml.math.shape(res) == shape


@pytest.mark.parametrize("make", [lambda: qml.classical_shadow([0]),
                                  lambda: qml.shadow_expval(qml.X(0), k=2, seed=3)])
def test_copy_of_shadow_measurement_records_nothing(make):
    """PennyLane 0.45.1: copy.copy of a measurement inside a recording context queues
    nothing; qml.apply queues one copy (tape.measurements has one entry)."""
    mp = make()
    with qml.tape.QuantumTape() as tape:
        new = copy.copy(mp)
    assert tape.measurements == []
    assert new is not mp and type(new) is type(mp) and new.seed == mp.seed
    assert new.hash == mp.hash
    with qml.tape.QuantumTape() as tape:
        qml.RX(0.1, 0)
        qml.apply(mp)
    assert len(tape.measurements) == 1
