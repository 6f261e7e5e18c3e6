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


def _probs_after_postselection(x):
    qml.StatePrep(STATE, wires=[0, 1, 2])
    qml.RY(x, wires=1)
    qml.measure(1, postselect=1)
    return qml.probs(wires=[0])


def test_finite_diff_transform_steps_a_gate_on_the_postselected_wire():
    """The tape path (``qml.gradients.*`` applied to a QNode, and the second derivatives,
    which run the first ones' tapes) decides by ``qsym._tapes.light_cone_params``: a gate
    reaching a postselecting mid-circuit measurement reaches every measurement (PennyLane
    0.45.1's finite_diff gives [0, 0] here)."""
    circuit = qml.QNode(_probs_after_postselection, qml.device("default.qubit", wires=3))
    jac = qml.gradients.finite_diff(circuit)(np.array(0.7, requires_grad=True))
    onp.testing.assert_allclose(onp.asarray(jac).reshape(-1), [-0.13110693, 0.13110693],
                                atol=1e-6)


def test_the_shift_rule_transforms_refuse_a_parameter_reaching_a_postselection():
    """The value is a ratio (renormalised by the postselection's probability): a shift rule
    on it is wrong. PennyLane 0.45.1's param_shift gives 0.4596923 for d<X0>/dx below where
    backprop, finite differences and qsym's QNode (the ratio differentiated) give
    -0.6965234: refused, with the methods that work."""
    dev = qml.device("default.qubit", wires=3)

    def f(x):
        qml.RY(0.4, 1)
        qml.RY(x, wires=0)
        qml.CNOT([0, 1])
        qml.measure(1, postselect=1)
        return qml.expval(qml.PauliX(0))

    x = np.array(0.7, requires_grad=True)
    for method in ("backprop", "parameter-shift", "adjoint"):
        assert abs(qml.grad(qml.QNode(f, dev, diff_method=method))(x) - (-0.6965234030243637)) < 1e-9
    fd = qml.gradients.finite_diff(qml.QNode(f, dev))(x)
    assert abs(fd - (-0.6965234030243637)) < 1e-6
    for transform in (qml.gradients.param_shift, qml.gradients.hadamard_grad):
        with pytest.raises(qml.DifferentiationError, match="postselect"):
            transform(qml.QNode(f, dev))(x)
    circuit = qml.QNode(_probs_after_postselection, dev)
    with pytest.raises(qml.DifferentiationError, match="backprop"):
        qml.gradients.param_shift(circuit)(np.array(0.7, requires_grad=True))


def test_the_second_derivative_by_finite_differences_is_not_zero_there():
    dev = qml.device("default.qubit", wires=3)

    def circuit(x):
        qml.StatePrep(STATE, wires=[0, 1, 2])
        qml.RY(x[0], wires=1)
        qml.RX(x[1], wires=0)
        qml.measure(1, postselect=1)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.7, 0.3], requires_grad=True)
    exact = qml.jacobian(qml.jacobian(qml.QNode(circuit, dev, diff_method="backprop")))(x)
    # PennyLane 0.45.1's backprop Hessian of this circuit: [[0.1606, -0.26706], [-0.26706,
    # 0.13825]] (rounded)
    onp.testing.assert_allclose(exact, [[0.1606, -0.26706], [-0.26706, 0.13825]], atol=1e-5)
    fd = qml.jacobian(qml.jacobian(qml.QNode(circuit, dev, diff_method="finite-diff",
                                             max_diff=2, gradient_kwargs={"h": 1e-4})))(x)
    onp.testing.assert_allclose(fd, exact, atol=1e-3)
