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


def test_aux_wire_in_pennylanes_words():
    from qsym.gradients.metric_tensor import _get_aux_wire

    t = qml.tape.QuantumScript([qml.RX(0.2, 0), qml.RX(0.1, "one")], [qml.expval(qml.Z(0))])
    assert _get_aux_wire(None, t, qml.wires.Wires([0, "aux", "one"])) == "aux"
    with pytest.raises(qml.wires.WireError, match="already in use by the circuit"):
        _get_aux_wire("one", t, None)
    with pytest.raises(qml.wires.WireError, match="no free wire"):
        _get_aux_wire(None, t, qml.wires.Wires([0, "one"]))
    with pytest.raises(qml.wires.WireError, match="does not exist on the used device"):
        qml.metric_tensor(single, aux_wire=404)(np.array(0.5))
    # the block-diagonal tensor needs no auxiliary wire (PennyLane's neither)
    assert onp.allclose(qml.metric_tensor(circuit, approx="block-diag", aux_wire=404)(W),
                        qml.metric_tensor(circuit, approx="block-diag")(W))


@pytest.mark.parametrize("approx", [True, "Invalid", 2])
def test_invalid_approx_is_refused_before_the_argument_check(approx):
    t = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.X(0))])
    with pytest.raises(ValueError, match="keyword argument approx"):
        qml.metric_tensor(t, approx=approx)


def test_aux_wire_not_checked_for_a_single_layer():
    # one layer of commuting gates: PennyLane runs no Hadamard test, so needs no aux wire
    d = qml.device("default.qubit", wires=["a", "b"])

    @qml.qnode(d)
    def one_layer(x, z):
        qml.RX(x, wires="a")
        qml.RZ(z, wires="b")
        qml.CNOT(wires=["a", "b"])
        return qml.expval(qml.PauliZ("b"))

    x, z = np.array(0.5), np.array(0.1)
    got = qml.metric_tensor(one_layer, aux_wire="missing")(x, z)
    assert onp.allclose([got[0], got[1]], [0.25, 0.0])  # Var(X/2) in |0>, Var(Z/2) in RX|0>
