"""qml.RiemannianGradientOptimizer (PennyLane's): the gradient's Pauli coefficients against
Tr([rho, H] P) computed with NumPy from the state, and one exact step against the matrix
exponential of the commutator written by hand."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml

X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0 + 0j, -1.0])
I2 = onp.eye(2, dtype=complex)


def _setup():
    dev = qml.device("default.qubit", wires=1)
    H = qml.Hamiltonian([0.7, -0.4], [qml.PauliX(0), qml.PauliZ(0)])

    def prep():
        qml.RY(0.3, wires=0)
        qml.RZ(0.2, wires=0)

    @qml.qnode(dev)
    def circuit():
        prep()
        return qml.expval(H)

    @qml.qnode(dev)
    def state():
        prep()
        return qml.state()

    h = 0.7 * X - 0.4 * Z
    return circuit, onp.asarray(state()), h


def test_omegas_are_the_commutator_coefficients_in_the_pauli_basis():
    circuit, psi, h = _setup()
    rho = onp.outer(psi, psi.conj())
    opt = qml.RiemannianGradientOptimizer(circuit)
    assert opt.lie_algebra_basis_names == ["I", "Z", "X", "Y"]  # PennyLane's order
    comm = h @ rho - rho @ h
    expected = [onp.real(1j * onp.trace(comm @ p)) for p in (I2, Z, X, Y)]
    onp.testing.assert_allclose(opt.get_omegas(), expected, atol=1e-12)


def test_an_exact_step_is_the_flow_of_the_commutator():
    circuit, psi, h = _setup()
    rho = onp.outer(psi, psi.conj())
    comm = h @ rho - rho @ h  # anti-Hermitian: exp(-t * 2**n * comm) is unitary
    w, v = onp.linalg.eig(-0.1 * comm * 2)
    after = (v @ onp.diag(onp.exp(w)) @ onp.linalg.inv(v)) @ psi
    opt = qml.RiemannianGradientOptimizer(circuit, stepsize=0.1, exact=True)
    new, cost = opt.step_and_cost()
    assert cost == pytest.approx(onp.real(psi.conj() @ h @ psi), abs=1e-12)
    assert new() == pytest.approx(onp.real(after.conj() @ h @ after), abs=1e-10)


def test_bad_input_is_refused_in_pennylanes_words():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def state():
        qml.RY(0.5, wires=0)
        return qml.state()

    with pytest.raises(TypeError, match="circuit must be a QNode"):
        qml.RiemannianGradientOptimizer(lambda: None)
    with pytest.raises(TypeError, match="expectation value of a Hamiltonian"):
        qml.RiemannianGradientOptimizer(state)


def test_pauli_group_order_and_binary_words():
    words = [qml.pauli.pauli_word_to_string(w, wire_map={0: 0, 1: 1})
             for w in qml.pauli.pauli_group(2)]
    assert words[:8] == ["II", "IZ", "ZI", "ZZ", "IX", "IY", "ZX", "ZY"]
    assert len(set(words)) == 16
    assert qml.pauli.pauli_word_to_string(qml.pauli.binary_to_pauli([1, 0, 1, 1])) == "YZ"
    with pytest.raises(ValueError, match="strictly binary"):
        qml.pauli.binary_to_pauli([2, 0])


def test_pauli_group_and_binary_words_refuse_bad_input():
    with pytest.raises(ValueError, match="must be even"):
        qml.pauli.binary_to_pauli([1, 0, 1])
    with pytest.raises(ValueError, match="values of wire_map"):
        qml.pauli.binary_to_pauli([1, 0], wire_map={"a": 3})
    with pytest.raises(TypeError, match="integer number of qubits"):
        next(qml.pauli.pauli_group("2"))
    with pytest.raises(ValueError, match="at least 1"):
        next(qml.pauli.pauli_group(0))
    assert qml.pauli.pauli_word_to_string(next(qml.pauli.pauli_group(2.0)),
                                          wire_map={0: 0, 1: 1}) == "II"


def test_a_restriction_that_is_not_a_hamiltonian_is_refused():
    circuit, _, _ = _setup()
    with pytest.raises(TypeError, match="restriction must be a Hamiltonian"):
        qml.RiemannianGradientOptimizer(circuit, restriction="not_a_hamiltonian")
