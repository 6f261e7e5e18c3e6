"""PennyLane 0.45 semantics (issue #18): a first ``StatePrep``'s unnormalized derivative
under backpropagation, ``qml.exp`` observables, ... Expected values are closed forms
written here (NumPy matrices), finite differences or a second method."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import DifferentiationError

Z = onp.diag([1.0, -1.0])
X = onp.array([[0.0, 1.0], [1.0, 0.0]])
Y = onp.array([[0.0, -1j], [1j, 0.0]])


def rx(t):
    return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])


# --- 1. StatePrep differentiated by its amplitudes -----------------------------------------
def _prep_circuit(diff_method, measure, wires=1, after=None, **kw):
    @qml.qnode(qml.device("default.qubit", wires=wires), diff_method=diff_method)
    def c(a):
        qml.StatePrep(a, wires=range(wires), **kw)
        if after:
            after(a)
        return measure()
    return c


@pytest.mark.parametrize("method", ["backprop", "best", None])
def test_first_stateprep_backprop_differentiates_unnormalized_amplitudes(method):
    # PennyLane's default.qubit starts from a itself: <Z> = a0^2 - a1^2, gradient 2 Z a
    kw = {} if method is None else {"diff_method": method}
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, **kw)
    def c(a):
        qml.StatePrep(a, wires=0)
        return qml.expval(qml.Z(0))

    for a in ([1.0, 0.0], [0.6, 0.8], [-0.28, 0.96]):
        g = qml.grad(c)(np.array(a, requires_grad=True))
        assert onp.allclose(g, 2 * Z @ onp.array(a), atol=1e-12)


def test_unnormalized_derivative_with_gates_after_and_argument_reuse():
    # f(a) = a^T M a with M = Re(U^dag O U), U = RX(a0): the product rule by hand
    a = onp.array([0.6, 0.8])
    c = _prep_circuit("backprop", lambda: qml.expval(qml.Y(0)), after=lambda a: qml.RX(a[0], 0))

    def f(v):
        psi = rx(v[0]) @ v.astype(complex)
        return float(onp.real(psi.conj() @ Y @ psi))

    h = 1e-6
    expected = [(f(a + h * e) - f(a - h * e)) / (2 * h) for e in onp.eye(2)]
    assert onp.allclose(qml.grad(c)(np.array(a, requires_grad=True)), expected, atol=1e-8)


def test_unnormalized_probs_var_identity_and_two_wires():
    a = onp.array([0.6, 0.8])
    probs = _prep_circuit("backprop", lambda: qml.probs(wires=0))
    assert onp.allclose(qml.jacobian(probs)(np.array(a, requires_grad=True)), onp.diag(2 * a))
    # var(X) = |a|^2 - (2 a0 a1)^2 unnormalized
    var = _prep_circuit("backprop", lambda: qml.var(qml.X(0)))
    expected = 2 * a - 2 * (2 * a[0] * a[1]) * onp.array([2 * a[1], 2 * a[0]])
    assert onp.allclose(qml.grad(var)(np.array(a, requires_grad=True)), expected)
    # an identity term scales with |a|^2 too: 0.5 I + X -> 0.5 * 2a + (2 a1, 2 a0)
    ham = _prep_circuit("backprop", lambda: qml.expval(0.5 * qml.I(0) + qml.X(0)))
    assert onp.allclose(qml.grad(ham)(np.array(a, requires_grad=True)), a + 2 * a[::-1])
    # two wires, CNOT after: grad = 2 M b with M = CNOT^T (Z x X) CNOT
    b = onp.array([0.1, 0.2, 0.3, 0.0]) / onp.sqrt(0.14)
    cnot = onp.eye(4)[[0, 1, 3, 2]]
    M = cnot.T @ onp.kron(Z, X) @ cnot
    c2 = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0) @ qml.X(1)), wires=2,
                       after=lambda a: qml.CNOT([0, 1]))
    assert onp.allclose(qml.grad(c2)(np.array(b, requires_grad=True)), 2 * M @ b)


def test_unnormalized_hessian_and_default_mixed():
    a = np.array([0.6, 0.8], requires_grad=True)
    c = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0)))
    assert onp.allclose(qml.jacobian(qml.grad(c))(a), 2 * Z)

    @qml.qnode(qml.device("default.mixed", wires=1))
    def m(a):
        qml.StatePrep(a, wires=0)
        return qml.expval(qml.Z(0))
    assert onp.allclose(qml.grad(m)(a), 2 * Z @ a)


def test_normalized_state_derivative_where_pennylane_differentiates_it():
    a = onp.array([0.6, 0.8])
    sphere = (onp.eye(2) - onp.outer(a, a)) @ (2 * Z @ a)   # d <Z>(a/|a|) at |a| = 1
    # parameter shift and adjoint: the normalized state's derivative (PennyLane's too)
    for method in ("parameter-shift", "adjoint"):
        c = _prep_circuit(method, lambda: qml.expval(qml.Z(0)))
        assert onp.allclose(qml.grad(c)(np.array(a, requires_grad=True)), sphere)
    # not the first operation: PennyLane decomposes it (Mottonen's rotations)

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="backprop")
    def late(a):
        qml.RX(0.2, 1)
        qml.StatePrep(a, wires=0)
        return qml.expval(qml.Z(0))
    assert onp.allclose(qml.grad(late)(np.array(a, requires_grad=True)), sphere)
    # normalize=True of a state whose norm is not 1: PennyLane divides by it
    far = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0)), normalize=True)
    assert onp.allclose(qml.grad(far)(np.array(2 * a, requires_grad=True)), sphere / 2)


def test_unnormalized_batch_of_states_is_refused():
    c = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0)))
    with pytest.raises(DifferentiationError, match="batch of state vectors"):
        qml.jacobian(c)(np.array([[0.6, 0.8], [1.0, 0.0]], requires_grad=True))
