"""PennyLane 0.45.1's fault: ``qml.exp`` of a sum (also ``qml.evolve`` of a Hamiltonian)
with a trainable autograd argument is not unitary (``pennylane_oracle.py``'s ``evolve``
family, seed 120, case 0).

``U = exp(-i t (0.7 X0 + Y0 Z1))`` is unitary for every real t: ``U U^dagger = 1`` and the
state's norm stays 1. PennyLane's matrix of the ``Exp`` operator is right for a plain array
``t`` and wrong (``U U^dagger = 2.22 * 1`` at t = 0.4, the norm 1.49) for a trainable
``pennylane.numpy`` tensor; its ``finite-diff`` values (computed on plain arrays) are right,
its ``backprop`` values wrong.

    /work/plvenv/bin/python benchmarks/pl_fault_exp_sum.py
"""

import warnings

import numpy as onp
import pennylane as qml
from pennylane import numpy as np


def main():
    warnings.simplefilter("ignore")

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="backprop")
    def state(t):
        qml.Hadamard(0)
        qml.RY(0.3, 1)
        qml.exp(qml.sum(qml.s_prod(0.7, qml.X(0)), qml.Z(1) @ qml.Y(0)), -1j * t)
        return qml.state()

    for t in (0.4, 1.1):
        plain = onp.linalg.norm(state(np.array(t, requires_grad=False)))
        trained = onp.linalg.norm(state(np.array(t, requires_grad=True)))
        print(f"t = {t}: norm of the state, plain {plain:.6f}, trainable {trained:.6f} (exact 1)")


if __name__ == "__main__":
    main()
