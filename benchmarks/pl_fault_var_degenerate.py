"""PennyLane 0.45.1's fault: the backprop Hessian of ``qml.var`` of an observable with
trainable coefficients whose spectrum is degenerate (``pennylane_oracle.py``'s
``pl_hessian_fault``; found by its ``coeffs`` family, seed 65, case 9).

``H = a X0 X1 + b Y0`` has anticommuting terms, so ``H^2 = (a^2 + b^2) 1``: on |00>,
``Var H = a^2 + b^2`` exactly, Hessian ``[[2, 0], [0, 2]]``. PennyLane measures a variance
by diagonalising the observable (``eigh`` of its matrix, eigenvalues ``+-r`` each twice) and
differentiates through that eigendecomposition, whose derivative divides by differences of
eigenvalues: zero (nan) or rounding (arbitrary finite values). Its values are right.

    /work/plvenv/bin/python benchmarks/pl_fault_var_degenerate.py

prints, for a few points, PennyLane's value and backprop Hessian beside the exact ones
(a, b = 1.304, 0.94708: [[2.0, 0.5], [0.125, 1.5]]; other points give nan or are right).
"""

import warnings

import numpy as onp
import pennylane as qml
from pennylane import numpy as np


def main():
    warnings.simplefilter("ignore")  # autograd's divide-by-zero warnings of the nan points

    @qml.qnode(qml.device("default.qubit"), diff_method="backprop")
    def var(c):
        return qml.var(qml.dot([c[0], c[1]], [qml.X(0) @ qml.X(1), qml.Y(0)]))

    for a, b in ((1.304, 0.94708), (-0.62327, 0.04133), (-0.93214962, 0.00127346)):
        c = np.array([a, b], requires_grad=True)
        hess = onp.asarray(qml.jacobian(qml.jacobian(var))(c))
        print(f"a, b = {a}, {b}: value {float(var(c)):.12f} (exact {a * a + b * b:.12f}), "
              f"Hessian {onp.round(hess, 5).tolist()} (exact [[2, 0], [0, 2]])")


if __name__ == "__main__":
    main()
