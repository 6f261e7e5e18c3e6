"""Gradient transforms of QNodes and tapes as PennyLane's tests use them (qsym issue #18):
differentiated again by ``qml.grad``, across templates and fixed state preparations, and
the names and errors of PennyLane's ``qml.grad`` family. Every derivative is checked against
a hand-derived value or central finite differences."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def ry_var_node():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.RY(x**2, wires=[1])
        qml.CNOT(wires=[0, 1])
        return qml.var(qml.PauliX(1))

    return circuit


def test_param_shift_of_a_qnode_is_differentiable():
    # Var(X) = 1 - sin^2(x^2) = cos^2(x^2): d/dx = -2x sin(2x^2), d2/dx2 by hand
    grad_fn = qml.gradients.param_shift(ry_var_node())
    x = np.array(-0.654, requires_grad=True)
    assert onp.isclose(grad_fn(x), -4 * x * onp.cos(x**2) * onp.sin(x**2))
    second = -2 * (4 * x**2 * onp.cos(2 * x**2) + onp.sin(2 * x**2))
    assert onp.isclose(qml.grad(grad_fn)(x), second, atol=1e-8)
    assert onp.isclose(second, central(lambda v: float(grad_fn(np.array(v))), float(x)),
                       atol=1e-6)


def test_hadamard_grad_of_a_qnode_inside_a_hybrid_cost():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x, y):
        qml.RY(x**2, wires=[1])
        qml.CNOT(wires=[0, 1])
        qml.RX(y * x, wires=[0])
        return qml.expval(qml.PauliX(1) @ qml.Z(0))

    for mode in ("standard", "reversed"):
        jac = qml.gradients.hadamard_grad(circuit, aux_wire=2, mode=mode)

        def cost(x, y, jac=jac):
            dx, dy = jac(x, y)
            return 2 * dx + dy**2

        x, y = np.array(-0.654, requires_grad=True), np.array(0.3, requires_grad=True)
        gx, gy = qml.grad(cost)(x, y)
        assert onp.isclose(gx, central(lambda v: float(cost(np.array(v), y)), float(x)),
                           atol=1e-6)
        assert onp.isclose(gy, central(lambda v: float(cost(x, np.array(v))), float(y)),
                           atol=1e-6)


@pytest.mark.parametrize("transform", [qml.gradients.finite_diff, qml.gradients.spsa_grad])
def test_inexact_transforms_refuse_an_outer_derivative(transform):
    grad_fn = transform(ry_var_node())
    with pytest.raises(qml.DifferentiationError, match="differentiate the QNode twice"):
        qml.grad(grad_fn)(np.array(0.3, requires_grad=True))


def test_param_shift_through_a_template_with_array_weights():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(weights):
        qml.templates.StronglyEntanglingLayers(weights, wires=[0, 1, 2])
        return qml.probs(wires=[0, 1])

    weights = np.array(onp.linspace(0.1, 1.7, 18).reshape(2, 3, 3), requires_grad=True)
    res = qml.gradients.param_shift(circuit)(weights)
    assert res.shape == (4, 2, 3, 3)
    for idx in [(0, 0, 0), (0, 1, 2), (1, 2, 0), (1, 1, 1)]:
        def f(v, idx=idx):
            w = onp.array(weights)
            w[idx] = v
            return onp.asarray(circuit(np.array(w, requires_grad=False)))

        assert onp.allclose(res[(slice(None),) + idx], central(f, weights[idx]), atol=1e-7)


def test_param_shift_with_a_fixed_state_preparation():
    # StatePrep(cos a, sin a) = RY(2a)|0>, then RY(x): <Z> = cos(2a + x)
    a = 0.35

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.StatePrep(np.array([onp.cos(a), onp.sin(a)], requires_grad=False), wires=0)
        qml.RY(x, wires=0)
        return qml.expval(qml.Z(0))

    x = np.array(0.4, requires_grad=True)
    assert onp.isclose(qml.gradients.param_shift(circuit)(x), -onp.sin(2 * a + x))


def test_hadamard_grad_of_a_tape_with_state_prep_and_rot():
    # Rot(a, b, c) = RZ(c) RY(b) RZ(a) on |0>: <Z> = cos(b), whatever a and c
    params = [0.3, 0.7, -1.1]
    tape = qml.tape.QuantumScript(
        [qml.StatePrep(np.array([1.0, 0.0], requires_grad=False), wires=0),
         qml.Rot(*params, wires=0)], [qml.expval(qml.PauliZ(0))])
    tape.trainable_params = [1, 2, 3]
    dev = qml.device("default.qubit", wires=2)
    tapes, fn = qml.gradients.hadamard_grad(tape, aux_wire=1)
    res = fn(dev.execute(tapes))
    assert len(res) == 3
    assert onp.allclose(res, [0.0, -onp.sin(params[1]), 0.0], atol=1e-10)


def test_derivative_names_are_pennylanes():
    def f(x):
        return x**2

    class A:
        def __repr__(self):
            return "A"

        def __call__(self, x):
            return x**2

    assert qml.grad(f).__name__ == "<grad: f>"
    assert qml.jacobian(f).__name__ == "<jacobian: f>"
    assert qml.grad(A()).__name__ == "<grad: A>"
    assert qml.value_and_grad(f).__name__ == "<value_and_grad: f>"
    assert qml.grad.__name__ == "grad"  # the class keeps its own name
    assert qml.grad(f)(np.array(3.0)) == 6.0


@pytest.mark.parametrize("call, what", [
    (lambda: qml.vjp(onp.sin, [0.1], [1.0]), "VJP"),
    (lambda: qml.jvp(onp.sin, [0.1], [1.0]), "JVP"),
    (lambda: qml.value_and_grad(onp.sin)(0.1), "value_and_grad")])
def test_catalyst_derivatives_need_qjit(call, what):
    with pytest.raises(qml.exceptions.CompileError,
                       match=f"PennyLane does not support the {what} function without QJIT"):
        call()


def test_grad_of_a_vector_result_is_a_type_error():
    def cost(x):
        return np.sin(x)

    x = np.array([0.0, 1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="only applies to real scalar-output functions"):
        qml.grad(cost, argnums=[0])(x)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.probs(wires=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(qml.DifferentiationError,
                           match="only applies to real scalar-output functions"):
            qml.grad(circuit)(np.array(0.2, requires_grad=True))


@pytest.mark.parametrize("transform", [qml.gradients.param_shift, qml.gradients.finite_diff,
                                       qml.gradients.spsa_grad])
def test_a_trainable_state_preparation_cannot_be_differentiated(transform):
    psi = np.array([1, 0, 1, 0], requires_grad=False) / onp.sqrt(2)
    tape = qml.tape.QuantumScript(
        [qml.StatePrep(psi, wires=[0, 1]), qml.RX(0.543, wires=[0]), qml.CNOT(wires=[0, 1])],
        [qml.probs(wires=[0, 1])])  # every parameter trainable, the state too
    with pytest.raises(ValueError, match=r"Cannot differentiate with respect to parameter"):
        transform(tape)


def test_param_shift_of_a_state_has_pennylanes_message():
    tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.state()])
    with pytest.raises(ValueError, match="return the state with the parameter-shift rule"):
        qml.gradients.param_shift(tape)


def test_param_shift_hessian_through_a_template():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(params):
        qml.StronglyEntanglingLayers(params, wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    params = np.array([[[0.37, 0.13, 0.53], [-0.37, 1.75, 0.38]]], requires_grad=True)
    hess = qml.gradients.param_shift_hessian(circuit)(params)
    assert hess.shape == (1, 2, 3, 1, 2, 3)

    def grad(p):
        return onp.asarray(qml.grad(circuit)(np.array(p, requires_grad=True)))

    for idx in [(0, 1, 1), (0, 0, 2)]:
        step = onp.zeros((1, 2, 3))
        step[idx] = 1e-5
        fd = (grad(onp.array(params) + step) - grad(onp.array(params) - step)) / 2e-5
        assert onp.allclose(hess[(Ellipsis,) + idx], fd, atol=1e-7)


def test_set_shots_on_a_gradient_transform_of_a_qnode():
    @qml.set_shots(shots=1000)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.543, requires_grad=True)
    grad_fn = qml.gradients.param_shift(circuit)
    assert onp.isclose(qml.set_shots(grad_fn, shots=None)(x), -onp.sin(0.543))  # exact
    assert len(qml.set_shots(shots=[(1, 5)])(grad_fn)(x)) == 5  # one Jacobian per copy
    assert circuit.configured_shots() == qml.set_shots(shots=1000)(circuit).configured_shots()
    with pytest.raises(qml.ArgumentError, match="set_shots can only be applied to QNodes"):
        qml.set_shots(shots=10)(lambda x: x)
