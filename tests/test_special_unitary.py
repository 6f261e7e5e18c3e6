"""qml.SpecialUnitary: exp(i sum_m theta_m P_m) over the Pauli words, its matrix and its
exact gradient in a QNode (PennyLane's effective generators: Pauli rotations by zero before
the matrix at the call's numbers).

Independent references, written here: the Pauli matrices by hand, the matrix exponential
by a Taylor series with scaling and squaring, its derivative by the block-matrix exponential
``expm([[A, E], [0, A]])`` (top-right block: the Fréchet derivative of ``exp`` at ``A`` in
direction ``E``), the circuit's expectation value and gradient by plain state-vector algebra,
and central finite differences of the QNode.
"""

from __future__ import annotations

import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import DifferentiationError, GateError, TracingError

PAULI = {
    "I": onp.array([[1, 0], [0, 1]], dtype=complex),
    "X": onp.array([[0, 1], [1, 0]], dtype=complex),
    "Y": onp.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": onp.array([[1, 0], [0, -1]], dtype=complex),
}


def words(n):
    return ["".join(w) for w in itertools.product("IXYZ", repeat=n)][1:]


def word_matrix(word):
    m = onp.ones((1, 1), dtype=complex)
    for c in word:
        m = onp.kron(m, PAULI[c])
    return m


def expm(A):
    """exp(A) by scaling and squaring of a 30-term Taylor series."""
    norm = onp.linalg.norm(A, 1)
    s = max(0, int(onp.ceil(onp.log2(norm))) + 1) if norm > 0 else 0
    B = A / 2**s
    term = onp.eye(len(A), dtype=complex)
    out = term.copy()
    for k in range(1, 30):
        term = term @ B / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def generator(theta, n):
    return 1j * sum(t * word_matrix(w) for t, w in zip(theta, words(n)))


def dexpm(A, E):
    """The Fréchet derivative of exp at A in direction E (block-matrix exponential)."""
    d = len(A)
    big = onp.zeros((2 * d, 2 * d), dtype=complex)
    big[:d, :d] = A
    big[d:, d:] = A
    big[:d, d:] = E
    return expm(big)[:d, d:]


@pytest.mark.parametrize("n", [1, 2])
def test_matrix_is_the_exponential_of_the_pauli_sum(n):
    rng = onp.random.default_rng(7 + n)
    theta = rng.normal(size=4**n - 1)
    want = expm(generator(theta, n))
    assert onp.allclose(qml.SpecialUnitary(theta, wires=range(n)).matrix(), want, atol=1e-12)
    assert onp.allclose(qml.SpecialUnitary.compute_matrix(theta, n), want, atol=1e-12)
    batch = rng.normal(size=(3, 4**n - 1))
    got = qml.SpecialUnitary.compute_matrix(batch, n)
    assert got.shape == (3, 2**n, 2**n)
    for b in range(3):
        assert onp.allclose(got[b], expm(generator(batch[b], n)), atol=1e-12)


def test_matrix_special_cases_and_basis_order():
    # one word on: a Pauli rotation, PauliRot(-2x) (PennyLane's example)
    x = 0.412
    su = qml.SpecialUnitary(x * onp.array([1.0, 0, 0]), wires=0).matrix()
    assert onp.allclose(su, onp.cos(x) * PAULI["I"] + 1j * onp.sin(x) * PAULI["X"])
    assert qml.ops.qubit.special_unitary.pauli_basis_strings(2) == words(2)
    basis = qml.ops.qubit.special_unitary.pauli_basis_matrices(2)
    assert all(onp.array_equal(basis[i], word_matrix(w)) for i, w in enumerate(words(2)))


@pytest.mark.parametrize("n", [1, 2])
def test_effective_generators_against_the_frechet_derivative(n):
    rng = onp.random.default_rng(3)
    theta = rng.normal(size=4**n - 1)
    U, omega = qml.templates.special_unitary_generators(theta, n)
    A = generator(theta, n)
    for l, w in enumerate(words(n)):
        dU = dexpm(A, 1j * word_matrix(w))
        Omega = 1j * sum(omega[l, m] * word_matrix(v) for m, v in enumerate(words(n)))
        assert onp.allclose(U @ Omega, dU, atol=1e-11)


def test_equal_eigenvalues_are_stable():
    # theta on Z only: a degenerate pair of eigenvalues of the exponent (two wires: IZ)
    theta = onp.zeros(15)
    theta[2] = 0.7
    U, omega = qml.templates.special_unitary_generators(theta, 2)
    A = generator(theta, 2)
    for l, w in enumerate(words(2)):
        Omega = 1j * sum(omega[l, m] * word_matrix(v) for m, v in enumerate(words(2)))
        assert onp.allclose(U @ Omega, dexpm(A, 1j * word_matrix(w)), atol=1e-11)
    assert onp.all(onp.isfinite(omega))


def reference_value_and_grad(theta, x):
    """<Z0 X1> after RX(x) on wire 0 and SpecialUnitary(theta) on wires 0, 1."""
    rx = onp.array([[onp.cos(x / 2), -1j * onp.sin(x / 2)], [-1j * onp.sin(x / 2), onp.cos(x / 2)]])
    psi = onp.kron(rx, PAULI["I"]) @ onp.array([1, 0, 0, 0], dtype=complex)
    A = generator(theta, 2)
    U = expm(A)
    O = onp.kron(PAULI["Z"], PAULI["X"])
    value = onp.vdot(U @ psi, O @ U @ psi).real
    grad = [2 * onp.vdot(U @ psi, O @ dexpm(A, 1j * word_matrix(w)) @ psi).real for w in words(2)]
    return value, onp.array(grad)


DEV = qml.device("default.qubit", wires=2)


@qml.qnode(DEV)
def circuit(theta, x):
    qml.RX(x, wires=0)
    qml.SpecialUnitary(theta, wires=[0, 1])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))


def test_qnode_value_and_exact_gradient():
    rng = onp.random.default_rng(11)
    theta = pnp.array(rng.normal(size=15), requires_grad=True)
    x = pnp.array(0.4, requires_grad=False)
    value, grad = reference_value_and_grad(onp.asarray(theta), 0.4)
    assert onp.isclose(circuit(theta, x), value, atol=1e-12)
    g = qml.grad(circuit)(theta, x)
    assert onp.allclose(g, grad, atol=1e-10)
    # central finite differences of the QNode itself
    h = 1e-5
    for k in (0, 7, 14):
        e = onp.zeros(15)
        e[k] = h
        fd = (circuit(theta + e, x) - circuit(theta - e, x)) / (2 * h)
        assert abs(fd - g[k]) < 1e-7


def test_gradient_through_classical_processing_and_other_gates():
    # theta built from one input: the chain rule through the effective generators
    @qml.qnode(qml.device("default.qubit", wires=1))
    def one(a):
        qml.RY(a, wires=0)
        qml.SpecialUnitary(pnp.array([a, 2 * a, -a]), wires=0)
        return qml.expval(qml.PauliZ(0))

    a = pnp.array(0.3, requires_grad=True)
    h = 1e-6
    fd = (one(a + h) - one(a - h)) / (2 * h)
    assert abs(qml.grad(one)(a) - fd) < 1e-8

    def ref(a):
        ry = onp.array([[onp.cos(a / 2), -onp.sin(a / 2)], [onp.sin(a / 2), onp.cos(a / 2)]])
        psi = expm(generator([a, 2 * a, -a], 1)) @ ry @ onp.array([1, 0], dtype=complex)
        return onp.vdot(psi, PAULI["Z"] @ psi).real

    assert abs(one(a) - ref(0.3)) < 1e-12


def test_second_derivatives_are_refused():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def one(t):
        qml.SpecialUnitary(t, wires=0)
        return qml.expval(qml.PauliZ(0))

    t = pnp.array([0.1, 0.2, 0.3], requires_grad=True)
    with pytest.raises(DifferentiationError, match="first order"):
        qml.jacobian(qml.grad(one))(t)


def test_traced_once_is_refused_with_what_to_do():
    @qml.qnode(qml.device("default.qubit", wires=1), trace="once")
    def one(t):
        qml.SpecialUnitary(t, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(TracingError, match="per-call"):
        one(pnp.array([0.1, 0.2, 0.3], requires_grad=True))


def test_numbers_decompose_to_one_qubit_unitary_and_bad_shapes_are_refused():
    theta = onp.array([0.1, 0.2, 0.3])
    ops = qml.SpecialUnitary(theta, wires=0).decomposition()
    assert [op.name for op in ops] == ["QubitUnitary"]
    assert onp.allclose(ops[0].matrix(), expm(generator(theta, 1)))
    assert onp.allclose(qml.SpecialUnitary(theta, 0).adjoint().matrix(),
                        expm(generator(theta, 1)).conj().T)
    for bad, n in ((onp.ones(4), 1), (onp.ones((5, 16)), 2), (onp.ones((2, 2, 3)), 1)):
        with pytest.raises(GateError, match="Expected the parameters to have"):
            qml.SpecialUnitary(bad, wires=range(n))


def test_tmp_pauli_rot_and_broadcasting():
    TmpPauliRot = qml.ops.qubit.special_unitary.TmpPauliRot
    assert TmpPauliRot(0.0, "XY", wires=[0, 1]).decomposition() == []
    (rot,) = TmpPauliRot(0.4, "XY", wires=[0, 1]).decomposition()
    assert onp.allclose(rot.matrix(), expm(-0.2j * word_matrix("XY")))
    batch = onp.array([[0.1, 0.2, 0.3], [0.0, 0.5, 0.0]])
    mats = qml.SpecialUnitary(batch, wires=0).matrix()
    assert all(onp.allclose(mats[b], expm(generator(batch[b], 1))) for b in range(2))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def batched():
        qml.SpecialUnitary(batch, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(GateError, match="broadcasting"):
        batched()


def test_wire_limits_say_what_to_do():
    with pytest.raises(GateError, match="at least one wire"):
        qml.ops.qubit.special_unitary.pauli_basis_matrices(0)
    with pytest.raises(GateError, match="more than 7 wires"):
        qml.ops.qubit.special_unitary.pauli_basis_matrices(8)  # refused before any memory is used
    theta = onp.zeros(4**5 - 1)
    theta[[0, 100]] = 0.3, -0.2
    U = qml.SpecialUnitary.compute_matrix(theta, 5)  # five wires: term by term
    assert onp.allclose(U, expm(generator(theta, 5)), atol=1e-10)
    with pytest.raises(GateError, match="up to 4 wires"):
        qml.templates.special_unitary_generators(theta, 5)


@pytest.mark.parametrize("n", [1, 2])
def test_one_parameter_generators_and_coeffs_methods(n):
    # PennyLane's SpecialUnitary.get_one_parameter_generators: Omega_l = U^dagger dU/dtheta_l,
    # shape (4^n - 1, 2^n, 2^n); get_one_parameter_coeffs: tr(P_m Omega_l) / 2^n, [m, l]
    rng = onp.random.default_rng(11)
    theta = rng.normal(size=4**n - 1)
    op = qml.SpecialUnitary(theta, wires=list(range(n)))
    gens = op.get_one_parameter_generators()
    coeffs = op.get_one_parameter_coeffs()
    A = generator(theta, n)
    U = expm(A)
    assert gens.shape == (4**n - 1, 2**n, 2**n) and coeffs.shape == (4**n - 1, 4**n - 1)
    for l, w in enumerate(words(n)):
        dU = dexpm(A, 1j * word_matrix(w))
        assert onp.allclose(gens[l], U.conj().T @ dU, atol=1e-11)
        for m, v in enumerate(words(n)):
            assert onp.isclose(coeffs[m, l], onp.trace(word_matrix(v) @ gens[l]) / 2**n,
                               atol=1e-11)
    assert onp.allclose(coeffs.real, 0, atol=1e-12)
    assert onp.allclose(op.get_one_parameter_generators("numpy"), gens)


def test_one_parameter_generators_refusals_as_pennylane():
    op = qml.SpecialUnitary(pnp.ones(3), [0])
    with pytest.raises(NotImplementedError, match="expm is not differentiable in Autograd"):
        op.get_one_parameter_generators("autograd")
    with pytest.raises(NotImplementedError, match="expm is not differentiable in Autograd"):
        op.get_one_parameter_coeffs("autograd")
    with pytest.raises(ValueError, match="The interface test is not supported"):
        op.get_one_parameter_generators("test")
    with pytest.raises(ValueError, match="Broadcasting is not supported"):
        qml.SpecialUnitary(onp.ones((2, 3)), [0]).get_one_parameter_generators("dummy")


@pytest.mark.parametrize("n", [1, 2])
def test_broadcast_theta_decomposes_to_a_batched_qubit_unitary(n):
    # PennyLane 0.45: a batch of numbers decomposes into one QubitUnitary of the batch
    rng = onp.random.default_rng(5)
    batch = onp.outer([0.2, 1.0, -0.3], rng.normal(size=4**n - 1))
    (qu,) = qml.SpecialUnitary(batch, wires=list(range(n))).decomposition()
    assert qu.name == "QubitUnitary" and list(qu.wires) == list(range(n))
    assert onp.shape(qu.data[0]) == (3, 2**n, 2**n)
    for b in range(3):
        assert onp.allclose(qu.data[0][b], expm(generator(batch[b], n)), atol=1e-12)
