"""PennyLane 0.45.1's fault: a QNode holding ``qml.MPS`` of trainable ``template_weights``
cannot be differentiated by its gradient transforms (``diff_method="parameter-shift"``,
``"finite-diff"``, ``"spsa"``: ``ValueError: cannot reshape array of size 1 into shape
(4,)``; with ``gradient_kwargs={"argnum": ...}``: ``IndexError: list index out of range``),
while its backprop answers (``pennylane_oracle.py``'s ``tmpl2`` family, seed 6940, cases 4
and 5). ``qml.TTN`` of the same block differentiates. qsym's Jacobians of the MPS circuit
are compared with PennyLane's backprop (and, by hand here, with central differences of
PennyLane's values).

    /work/plvenv/bin/python benchmarks/pl_fault_mps_gradient.py
"""

import warnings

import numpy as onp
import pennylane as qml
from pennylane import numpy as np


def block(weights, wires):
    qml.RY(weights[0], wires=wires[0])
    qml.RX(weights[1], wires=wires[1])
    qml.CNOT(wires=wires)


def main():
    warnings.simplefilter("ignore")
    dev = qml.device("default.qubit", wires=3)

    def body(x):
        qml.MPS([0, 1, 2], 2, block, 2, template_weights=qml.math.reshape(x, (2, 2)))
        return qml.expval(qml.Z(0) + qml.Y(1) + qml.X(2))

    x = onp.linspace(0.3, 1.4, 4)
    f = qml.QNode(body, dev)
    h = 1e-6
    central = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in onp.eye(4)]
    print("central differences:", onp.round(central, 6).tolist())
    print("backprop:", onp.round(qml.jacobian(f)(np.array(x, requires_grad=True)), 6).tolist())
    for method, kw in (("parameter-shift", {}), ("finite-diff", {}), ("spsa", {"sampler_rng": 7}),
                       ("parameter-shift", {"argnum": [0, 2]})):
        node = qml.QNode(body, dev, diff_method=method, gradient_kwargs=kw)
        try:
            print(method, kw, qml.jacobian(node)(np.array(x, requires_grad=True)))
        except Exception as exc:  # noqa: BLE001 - the fault shown
            print(method, kw, f"raised {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
