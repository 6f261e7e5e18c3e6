"""``qml.jacobian`` of ``qml.metric_tensor`` (issue #18): the tensor is computed with
autograd from the exact gate matrices when its arguments are differentiated; checked
against central finite differences of the tensor and against a hand-written tensor."""

import autograd
import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

dev = qml.device("default.qubit", wires=3)


@qml.qnode(dev)
def circuit(w):
    qml.RX(w[0], wires=0)
    qml.RY(w[1] * w[0], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRZ(w[2], wires=[1, 2])
    qml.RY(np.sin(w[1]), wires=2)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))


W = np.array([0.3, 0.7, -0.4])


@pytest.mark.parametrize("approx", [None, "block-diag", "diag"])
def test_jacobian_of_metric_tensor_matches_finite_differences(approx):
    mt = qml.metric_tensor(circuit, approx=approx)
    jac = qml.jacobian(mt)(W)
    h = 1e-6
    fd = onp.stack([(onp.asarray(mt(W + h * e)) - onp.asarray(mt(W - h * e))) / (2 * h)
                    for e in onp.eye(3)], axis=-1)
    assert jac.shape == (3, 3, 3)
    assert onp.allclose(jac, fd, atol=1e-8)


def test_traced_value_equals_the_numpy_value():
    seen = []

    def cost(w):
        g = qml.metric_tensor(circuit)(w)
        seen.append(autograd.tracer.getval(g))
        return g

    qml.jacobian(cost)(W)
    assert onp.allclose(seen[0], qml.metric_tensor(circuit)(W), atol=1e-14)


@qml.qnode(qml.device("default.qubit", wires=1))
def single(x):
    qml.RY(x, wires=0)
    qml.RX(x ** 2, wires=0)
    return qml.expval(qml.PauliZ(0))


def test_derivative_of_a_closed_form():
    # |psi> = RX(x^2) RY(x)|0>: in the frame of phi = RY(x)|0> the generator of d/dx is
    # (Y + 2x X)/2, so g = Var_phi(Y + 2x X)/4 = (1 + 4x^2 - 4x^2 sin(x)^2)/4
    def g(x):
        return 0.25 * (1 + 4 * x ** 2 * onp.cos(x) ** 2)
    x = np.array(0.8)
    assert onp.isclose(qml.metric_tensor(single)(x), g(0.8))
    dg = 0.25 * (8 * 0.8 * onp.cos(0.8) ** 2 - 8 * 0.8 ** 2 * onp.cos(0.8) * onp.sin(0.8))
    assert onp.isclose(qml.jacobian(qml.metric_tensor(single))(x), dg)
