"""qml.trotterize: Suzuki-Trotter products of a first-order step function, checked against
the recursion written here with hand-made matrices, the exact exponential, and finite
differences of a QNode."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import GateError

X = onp.array([[0, 1], [1, 0]], dtype=complex)
Z = onp.diag([1.0 + 0j, -1.0])
I2 = onp.eye(2)
XI, ZZ = onp.kron(X, I2), onp.kron(Z, Z)


def eigexp(H, t):
    """exp(-i t H) of a Hermitian H."""
    lam, V = onp.linalg.eigh(H)
    return (V * onp.exp(-1j * t * lam)) @ V.conj().T


def step(t, a, wires):
    qml.RX(2 * a * t, wires=wires[0])            # exp(-i a t X0)
    qml.IsingZZ(2 * t, wires=[wires[0], wires[1]])  # exp(-i t Z0 Z1)


def s1(t, a):  # matrices: the first gate applies first
    return eigexp(ZZ, t) @ eigexp(a * XI, t)


def suzuki(t, a, order):
    if order == 1:
        return s1(t, a)
    if order == 2:
        return eigexp(a * XI, t / 2) @ eigexp(ZZ, t / 2) @ eigexp(ZZ, t / 2) @ eigexp(a * XI, t / 2)
    p = 1 / (4 - 4 ** (1 / (order - 1)))
    A, B = suzuki(p * t, a, order - 2), suzuki((1 - 4 * p) * t, a, order - 2)
    return A @ A @ B @ A @ A


@pytest.mark.parametrize("order, n", [(1, 1), (2, 3), (4, 2)])
def test_matrix_is_the_suzuki_product(order, n):
    t, a = 0.7, 0.4
    op = qml.trotterize(step, n=n, order=order)(t, a, wires=[0, 1])
    want = onp.linalg.matrix_power(suzuki(t / n, a, order), n)
    assert onp.allclose(op.matrix(), want, atol=1e-12)


def test_order_four_approaches_the_exponential():
    t, a = 0.3, 0.4
    exact = eigexp(a * XI + ZZ, t)
    err2 = onp.abs(qml.trotterize(step, n=4, order=2)(t, a, [0, 1]).matrix() - exact).max()
    err4 = onp.abs(qml.trotterize(step, n=4, order=4)(t, a, [0, 1]).matrix() - exact).max()
    assert err4 < err2 / 20 and err4 < 1e-5


def test_in_a_qnode_with_exact_gradient_by_time():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(t, a):
        qml.trotterize(step, n=2, order=2, reverse=True)(t, a, wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    t, a = pnp.array(0.5, requires_grad=True), pnp.array(0.8, requires_grad=True)
    # reversed, order 2, step t/2 = 0.25: S_1 reversed at 0.125 (ZZ first), then S_1 at 0.125
    step_matrix = eigexp(ZZ, 0.125) @ eigexp(0.8 * XI, 0.125) @ eigexp(0.8 * XI, 0.125) @ eigexp(ZZ, 0.125)
    U = onp.linalg.matrix_power(step_matrix, 2)
    psi = U @ onp.eye(4)[0]
    assert abs(circuit(t, a) - onp.vdot(psi, onp.kron(Z, I2) @ psi).real) < 1e-12
    g = qml.grad(circuit)(t, a)
    h = 1e-6
    assert abs(g[0] - (circuit(t + h, a) - circuit(t - h, a)) / (2 * h)) < 1e-8
    assert abs(g[1] - (circuit(t, a + h) - circuit(t, a - h)) / (2 * h)) < 1e-8


def test_bad_order_and_reserved_names():
    with pytest.raises(GateError, match="order"):
        qml.trotterize(step, order=3)(0.1, 0.2, wires=[0, 1])
    with pytest.raises(GateError, match="specailized names"):
        qml.trotterize(step)(0.1, 0.2, wires=[0, 1], n=2)
