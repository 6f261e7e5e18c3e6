"""adv69 (stop 69): an adversarial pass over stop 68's surface and bad input. Each test
fails on main ebfd8d10 and checks against an independent reference (values worked out by
hand and PennyLane 0.45.1's numbers computed in /work/plvenv, central differences)."""
import numpy as np
import pytest

import qsym as qml


def test_exp_of_noncommuting_sum_with_a_zero_times_input_word_is_applied():
    """``qml.exp(0.0 * x0 * X0 + x1 * Y0 Y1, 1j)``: the words do not commute, but one is
    zero for every input (its coefficient ``0.0 * x0``), so the exponential is the
    rotation ``exp(i x1 Y0 Y1)``. The replay at zero (every input 0) dropped both words
    (both numbers 0) where the trace kept ``Y0 Y1``: a TracingError saying the circuit's
    control flow depends on its inputs. By hand: the state is cos x1 |00> - i sin x1 |11>,
    so <X0 Y1> = -sin(2 x1) (PennyLane 0.45.1: -0.9854497299884598 at x1 = 0.7,
    0.7173560908995228 at -0.4), d/dx1 = -2 cos(2 x1), d/dx0 = 0."""
    dev = qml.device("default.qubit", wires=2)
    for method in ("parameter-shift", "adjoint"):
        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            qml.exp(0.0 * x[0] * qml.PauliX(0) + x[1] * qml.PauliY(0) @ qml.PauliY(1), 1j)
            return qml.expval(qml.PauliX(0) @ qml.PauliY(1))

        for x in ([0.3, 0.7], [1.1, -0.4], [0.0, 0.0]):
            p = qml.numpy.array(x, requires_grad=True)
            assert abs(circuit(p) + np.sin(2 * x[1])) < 1e-12
            assert np.allclose(qml.grad(circuit)(p), [0.0, -2 * np.cos(2 * x[1])], atol=1e-10)
