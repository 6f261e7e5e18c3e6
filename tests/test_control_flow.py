"""qml.for_loop and qml.while_loop run by Python (PennyLane's behaviour without qml.qjit):
loop-carried values, the gates a loop records, and the refusal of a body that returns a
value it does not take."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml


def test_for_loop_bounds_and_state():
    assert qml.for_loop(5)(lambda i, acc: acc + [i])([]) == [0, 1, 2, 3, 4]
    assert qml.for_loop(10, 0, -3)(lambda i, acc: acc + [i])([]) == [10, 7, 4, 1]
    assert qml.for_loop(2, 2)(lambda i, x: x + 1)(7) == 7  # no iteration: the initial state
    pair = qml.for_loop(1, 4)(lambda i, a, b: (a + i, b * i))(0, 1)
    assert pair == (6, 6)


def test_for_loop_refuses_a_value_from_an_index_only_body():
    with pytest.raises(ValueError, match="should not return anything"):
        qml.for_loop(3)(lambda i: 2)()


def test_while_loop_state():
    assert qml.while_loop(lambda n: n < 100)(lambda n: 3 * n)(1) == 243
    assert qml.while_loop(lambda i, s: i < 4)(lambda i, s: (i + 1, s + i))(0, 0) == (4, 6)
    assert qml.while_loop(lambda n: n < 0)(lambda n: n + 1)(5) == 5


def test_loops_record_gates_in_a_circuit():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x, n):
        @qml.for_loop(n)
        def rotate(i, angle):
            qml.RX(angle, wires=i)
            return 2 * angle

        rotate(x)

        @qml.while_loop(lambda k: k < 2)
        def flip(k):
            qml.PauliX(wires=2)
            return k + 1

        flip(0)
        return qml.expval(qml.Z(0) @ qml.Z(1) @ qml.Z(2))

    ops = qml.workflow.construct_tape(circuit)(0.3, 3).operations
    assert [(o.name, list(o.wires)) for o in ops] == [
        ("RX", [0]), ("RX", [1]), ("RX", [2]), ("PauliX", [2]), ("PauliX", [2])]
    assert np.allclose([float(o.parameters[0]) for o in ops[:3]], [0.3, 0.6, 1.2])
    # <Z> of RX(t)|0> is cos(t); the two X on wire 2 cancel
    assert np.isclose(circuit(0.3, 3), np.cos(0.3) * np.cos(0.6) * np.cos(1.2))
    assert np.isclose(circuit(0.3, 2), np.cos(0.3) * np.cos(0.6))
