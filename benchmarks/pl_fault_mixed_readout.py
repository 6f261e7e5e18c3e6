"""PennyLane 0.45.1's fault: ``default.mixed(readout_prob=p)`` fails or is ignored. Every
measurement that goes through ``qubit_mixed.measure.state_diagonalizing_gates`` (expval,
var and probs of Pauli words, ``density_matrix``, ``state``, sums, products, projectors)
raises ``TypeError: 'float' object is not iterable`` (it iterates over ``readout_errors``,
which is the float ``p`` there); an expectation value of a ``qml.Hamiltonian`` or a
``qml.Hermitian`` answers **without** the readout error (the value of the device without
``readout_prob``). The readout error is a ``BitFlip(p)`` on each measured wire after the
observable's diagonalizing gates (PennyLane's own documentation of ``readout_prob``):
worked out by hand below, and qsym's values equal it. Found by the oracle's ``mixednoise``
family (stop 68, seed 6820); the oracle compares qsym's readout values with PennyLane's
circuit with the error written out (``pl_readout_values``).

    /work/plvenv/bin/python benchmarks/pl_fault_mixed_readout.py
"""

import numpy as np
import pennylane as qml

p = 0.1
dev = qml.device("default.mixed", wires=2, readout_prob=p)
plain = qml.device("default.mixed", wires=2)
H = qml.Hamiltonian([0.5, 0.2], [qml.X(0), qml.Z(0) @ qml.Z(1)])
A = np.array([[1, 2j], [-2j, 0.5]])


def prep():
    qml.RY(0.7, 0)
    qml.RX(0.3, 1)
    qml.CNOT([0, 1])


def by_hand():
    """<H> and <A on wire 0> with the readout error, from the state vector."""
    def ry(t):
        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])

    def rx(t):
        return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    psi = cnot @ np.kron(ry(0.7), rx(0.3)) @ np.array([1, 0, 0, 0])
    rho = np.outer(psi, psi.conj())
    X, Z = np.array([[0, 1], [1, 0]]), np.diag([1, -1])
    x0 = np.real(np.trace(rho @ np.kron(X, np.eye(2))))
    zz = np.real(np.trace(rho @ np.kron(Z, Z)))
    ham = 0.5 * x0 * (1 - 2 * p) + 0.2 * zz * (1 - 2 * p) ** 2  # each measured wire flipped
    lam, V = np.linalg.eigh(A)
    rho0 = rho.reshape(2, 2, 2, 2).trace(axis1=1, axis2=3)
    P = np.real(np.diag(V.conj().T @ rho0 @ V))
    herm = sum(P[i] * ((1 - p) * lam[i] + p * lam[1 - i]) for i in range(2))
    return ham, herm


for name, meas in [("expval(Z(0))", lambda: qml.expval(qml.Z(0))),
                   ("probs(wires=[0])", lambda: qml.probs(wires=[0])),
                   ("density_matrix([0])", lambda: qml.density_matrix(wires=[0]))]:
    try:
        print(name, qml.QNode(lambda: (prep(), meas())[1], dev)())
    except TypeError as exc:
        print(name, "raises TypeError:", exc)
ham, herm = by_hand()
print("expval(H): with readout_prob", qml.QNode(lambda: (prep(), qml.expval(H))[1], dev)(),
      "without", qml.QNode(lambda: (prep(), qml.expval(H))[1], plain)(), "by hand", ham)
print("expval(Hermitian): with readout_prob",
      qml.QNode(lambda: (prep(), qml.expval(qml.Hermitian(A, wires=0)))[1], dev)(),
      "by hand", herm)
