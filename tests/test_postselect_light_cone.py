"""A gate that reaches only a postselected wire changes the measured value (the projected
state is renormalised), so its derivative is not 0 (stop 64: the plan's light cone took only
the measured wires, and every method gave 0 there while the value was right; found by the
circuit oracle at 9 wires). References: central differences of the value, and PennyLane
0.45.1's backprop derivatives (default.qubit, computed in a PennyLane venv, pasted; its
parameter-shift and finite-diff transforms give 0.0 here, the same light-cone slip)."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

METHODS = ["parameter-shift", "adjoint", "backprop", "finite-diff"]
STATE = onp.array([0.1, 0.3 + 0.2j, -0.5, 0.2, 0.4j, 0.3, -0.1, 0.45])
STATE = STATE / onp.linalg.norm(STATE)


def _central(f, x, h=1e-6):
    return (onp.asarray(f(x + h)) - onp.asarray(f(x - h))) / (2 * h)


@pytest.mark.parametrize("method", METHODS)
def test_a_gate_on_the_postselected_wire_only_has_its_derivative(method):
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method=method)
    def circuit(x):
        qml.StatePrep(STATE, wires=[0, 1, 2])
        qml.RY(x, wires=1)
        qml.measure(1, postselect=1)
        return qml.probs(wires=[0])

    x = np.array(0.7, requires_grad=True)
    jac = qml.jacobian(circuit)(x)
    pennylane_backprop = [-0.13110693, 0.13110693]
    assert onp.allclose(jac, pennylane_backprop, atol=1e-6 if method == "finite-diff" else 1e-8)
    assert onp.allclose(jac, _central(circuit, 0.7), atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_gates_behind_the_postselection_keep_their_zero(method):
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method=method)
    def circuit(x, y):
        qml.RY(0.3, 0); qml.RX(1.1, 1); qml.CNOT([0, 1]); qml.RY(0.8, 2); qml.CNOT([1, 2])
        qml.RX(0.2, 0)
        qml.RY(x, wires=1)
        qml.RX(y, wires=2)  # on neither the measured nor the postselected wire: 0
        qml.measure(1, postselect=1)
        return qml.expval(qml.PauliZ(0))

    gx, gy = qml.grad(circuit)(np.array(0.7, requires_grad=True), np.array(-0.4, requires_grad=True))
    tol = 1e-6 if method == "finite-diff" else 1e-9
    assert abs(gx - (-0.01945652)) < max(tol, 1e-8)  # PennyLane's backprop: -0.01945652
    assert abs(gx - _central(lambda v: circuit(v, -0.4), 0.7)) < 1e-6
    assert abs(gy) < 1e-9
