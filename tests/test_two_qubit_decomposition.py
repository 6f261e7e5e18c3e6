"""qml.ops.two_qubit_decomposition (and QubitUnitary.decomposition() on two wires): the
product of the gates equals the matrix exactly (global phase included), on random unitaries
made by QR here, local products, and CNOT/SWAP; the local factors and the interaction
checked against Pauli matrices written here."""

import numpy as onp
import pytest

import qsym as qml
from qsym._opmath import kak, su2su2_to_tensor_products
from qsym.errors import GateError

X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0 + 0j, -1.0])


def random_unitary(rng, n):
    Q, R = onp.linalg.qr(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
    return Q * (onp.diag(R) / abs(onp.diag(R)))


def product(ops, wires):
    return qml.matrix(qml.tape.QuantumScript(ops), wire_order=wires)


def cases():
    rng = onp.random.default_rng(2026)
    out = [random_unitary(rng, 4) for _ in range(12)]
    out += [onp.kron(random_unitary(rng, 2), random_unitary(rng, 2)) for _ in range(3)]
    out += [onp.eye(4)[[0, 1, 3, 2]], onp.eye(4)[[0, 2, 1, 3]], onp.eye(4), 1j * onp.eye(4)]
    return out


@pytest.mark.parametrize("k", range(19))
def test_product_is_the_matrix(k):
    U = cases()[k]
    for wires in ([0, 1], ["b", "a"]):
        ops = qml.ops.two_qubit_decomposition(U, wires=wires)
        assert onp.abs(product(ops, wires) - U).max() < 1e-10


def test_qubit_unitary_decomposition_and_kak_parts():
    U = cases()[0]
    ops = qml.QubitUnitary(U, wires=[3, 1]).decomposition()
    assert onp.abs(product(ops, [3, 1]) - U).max() < 1e-10
    phase, L1, (a, b, c), L2 = kak(U)
    H = a * onp.kron(X, X) + b * onp.kron(Y, Y) + c * onp.kron(Z, Z)
    lam, V = onp.linalg.eigh(H)
    N = (V * onp.exp(1j * lam)) @ V.conj().T
    assert onp.allclose(onp.exp(1j * phase) * L1 @ N @ L2, U, atol=1e-10)
    for L in (L1, L2):
        A, B = su2su2_to_tensor_products(L)
        assert onp.allclose(onp.kron(A, B), L, atol=1e-10)


def test_bad_input_is_refused():
    with pytest.raises(GateError, match="4x4"):
        qml.ops.two_qubit_decomposition(onp.eye(2), wires=[0, 1])
    with pytest.raises(GateError, match="not unitary"):
        qml.ops.two_qubit_decomposition(2 * onp.eye(4), wires=[0, 1])
