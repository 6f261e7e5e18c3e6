"""A variational quantum eigensolver for the hydrogen molecule, as one compiled loop.

H2 in the minimal (STO-3G) basis, Jordan-Wigner encoded on 4 qubits: the 15 Pauli terms
and coefficients (in Hartree) that PennyLane's quantum chemistry module prints in its
VQE tutorial (H-H distance 1.3228 bohr, about 0.70 angstrom). The exact ground energy
comes from diagonalizing the 16 x 16 Hamiltonian matrix with numpy, below; the VQE must
come within chemical accuracy (1.6e-3 Ha) of it.

Ansatz: the Hartree-Fock state |1100> (two electrons in the lowest spin orbitals) and a
DoubleExcitation, as in the tutorial: first gradient descent from theta = 0 (the
tutorial's optimizer), then Adam from 8 random starting angles at once. Run it with

    python examples/vqe_h2.py
"""

import numpy as onp

import qsym as qml
from qsym import numpy as np

# --- the Hamiltonian ----------------------------------------------------------------
TERMS = [
    (-0.04207897647782276, ""),
    (0.17771287465139946, "Z0"),
    (0.1777128746513994, "Z1"),
    (-0.24274280513140462, "Z2"),
    (-0.24274280513140462, "Z3"),
    (0.17059738328801052, "Z0 Z1"),
    (0.12293305056183798, "Z0 Z2"),
    (0.1676831945771896, "Z0 Z3"),
    (0.1676831945771896, "Z1 Z2"),
    (0.12293305056183798, "Z1 Z3"),
    (0.17627640804319591, "Z2 Z3"),
    (-0.04475014401535161, "Y0 Y1 X2 X3"),
    (-0.04475014401535161, "X0 X1 Y2 Y3"),
    (0.04475014401535161, "Y0 X1 X2 Y3"),
    (0.04475014401535161, "X0 Y1 Y2 X3"),
]
PAULI = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}


def observable(word):
    """``"Y0 X1"`` -> ``qml.PauliY(0) @ qml.PauliX(1)`` (the empty word: the identity)."""
    if not word:
        return qml.Identity(0)
    ops = [PAULI[w[0]](int(w[1:])) for w in word.split()]
    out = ops[0]
    for op in ops[1:]:
        out = out @ op
    return out


H = qml.Hamiltonian([c for c, _ in TERMS], [observable(w) for _, w in TERMS])

# the same Hamiltonian as a matrix, with numpy alone, and its exact ground energy
MATRICES = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]),
            "Y": onp.array([[0, -1j], [1j, 0]]), "Z": onp.diag([1.0, -1.0])}
H_matrix = onp.zeros((16, 16), dtype=complex)
for c, word in TERMS:
    letters = ["I"] * 4
    for w in word.split():
        letters[int(w[1:])] = w[0]
    m = onp.ones((1, 1))
    for letter in letters:  # wire 0 is the most significant qubit, as in PennyLane
        m = onp.kron(m, MATRICES[letter])
    H_matrix += c * m
E_exact = onp.linalg.eigvalsh(H_matrix)[0]
print(f"exact ground energy (numpy diagonalization): {E_exact:.10f} Ha")

# --- the ansatz: Hartree-Fock state and a double excitation -----------------------------
dev = qml.device("default.qubit", wires=4)


@qml.qnode(dev)  # parameter shift: 3 circuits per gradient for the one angle
def energy(theta):
    qml.PauliX(wires=0)  # Hartree-Fock: |1100>
    qml.PauliX(wires=1)
    qml.DoubleExcitation(theta[0], wires=[0, 1, 2, 3])
    return qml.expval(H)


print(f"Hartree-Fock energy: {float(energy(np.array([0.0]))):.10f} Ha")
res = qml.minimize(energy, [0.0], optimizer=qml.GradientDescentOptimizer(stepsize=0.4),
                   steps=100, tol=1e-8)
print(res)
print(f"VQE energy {res.fun:.10f} Ha at theta = {res.x[0]:.6f}; "
      f"error {res.fun - E_exact:.2e} Ha after {res.nit} steps")
assert res.compiled
assert abs(res.fun - E_exact) < 1.6e-3  # chemical accuracy
assert abs(res.fun - E_exact) < 1e-8  # in fact exact: the ansatz holds the ground state


# --- many starting points at once --------------------------------------------------------
# the same circuit from 8 random angles, optimized together (on threads) with Adam;
# each start's own result is many[i], the best one many.best
starts = onp.random.default_rng(2024).uniform(-onp.pi, onp.pi, size=(8, 1))
many = qml.minimize(energy, starts, multistart=True, steps=1000, tol=1e-8,
                    optimizer=qml.AdamOptimizer(stepsize=0.1))
print(many)
for i in range(len(many)):
    print(f"start {i}: theta0 = {starts[i, 0]: .3f} -> {many.x[i, 0]: .6f} after "
          f"{many.nit[i]:4d} steps, E = {many.fun[i]:.10f} Ha")
print(f"best: E = {many.best.fun:.10f} Ha (exact {E_exact:.10f})")
assert onp.all(onp.abs(many.fun - E_exact) < 1.6e-3)  # every start, chemical accuracy
print("checks passed")
