"""PennyLane 0.45.1's fault: its ``diff_method="adjoint"`` Jacobian of ``qml.probs`` on
``default.qubit`` can be wrong, even complex (``pennylane_oracle.py``'s ``layered`` family
compares PennyLane's own adjoint Jacobian with its backprop one; found at seed 6605, case 8:
a 12-wire circuit of FermionicSWAPs, probs of 3 wires; RX, IsingXX, CRX, PhaseShift,
SingleExcitation alike).

One wire: ``RX(x)`` after a fixed preparation, ``probs(wires=0)``, at x = 0.7. After ``|0>``
(``dp0/dx = -sin(x)/2``) and after ``H S`` (``p0 = (1 + sin x)/2``, ``dp0/dx = cos(x)/2``)
PennyLane's adjoint is right; after ``RY(0.4)`` (``p0 = (1 + cos 0.4 cos x)/2``,
``dp0/dx = -cos(0.4) sin(x)/2 = -0.296682``) it returns ``-0.492725 - 0.322109j``. Its
backprop, parameter shift and finite differences are right, and so are expectation values
by adjoint. qsym's adjoint Jacobian of probs is compared with PennyLane's backprop.

    /work/plvenv/bin/python benchmarks/pl_fault_adjoint_probs.py
"""

import warnings

import numpy as onp
import pennylane as qml
from pennylane import numpy as np


def main():
    warnings.simplefilter("ignore")  # autograd's ComplexWarning of the complex Jacobian
    dev = qml.device("default.qubit", wires=1)
    x = 0.7
    for name, prep in (("|0>", []), ("H S |0>", [qml.Hadamard, qml.S]), ("RY(0.4) |0>", ["RY"])):
        def circuit(v, prep=prep):
            for g in prep:
                qml.RY(0.4, wires=0) if g == "RY" else g(wires=0)
            qml.RX(v, wires=0)
            return qml.probs(wires=0)
        jac = {m: onp.asarray(qml.jacobian(qml.QNode(circuit, dev, diff_method=m))(
            np.array(x, requires_grad=True))) for m in ("adjoint", "backprop", "parameter-shift")}
        exact = {"|0>": -onp.sin(x) / 2, "H S |0>": onp.cos(x) / 2,
                 "RY(0.4) |0>": -onp.cos(0.4) * onp.sin(x) / 2}[name]
        print(f"{name}: adjoint {onp.round(jac['adjoint'], 6).tolist()}, backprop "
              f"{onp.round(jac['backprop'], 6).tolist()}, parameter-shift "
              f"{onp.round(jac['parameter-shift'], 6).tolist()}"
              + f" (exact dp0/dx {exact:.6f})")


if __name__ == "__main__":
    main()
