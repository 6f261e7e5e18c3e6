"""PennyLane 0.45.1's fault (oracle70, seed 7010 case 2): ``diff_method="spsa"`` with
``max_diff=2`` and several measurements: its first derivative (``qml.jacobian``) is an
object array of autograd ``ArrayBox`` (boxes leaked out of the derivative), and its
Hessian ``qml.jacobian(qml.jacobian(...))`` is exactly 0, while each measurement alone
gives the estimate (the same directions: the same ``sampler_rng``). qsym's Hessian of the
list is each measurement's, stacked.

    /work/plvenv/bin/python benchmarks/pl_fault_spsa_hessian_measurements.py
"""

import numpy as np
import pennylane as qml

dev = qml.device("default.qubit", wires=2)


def node(two):
    @qml.qnode(dev, diff_method="spsa", max_diff=2, gradient_kwargs={"sampler_rng": 3, "h": 1e-3})
    def c(x):
        qml.RX(x[0], wires=0)
        qml.CRY(x[1], wires=[0, 1])
        if two:
            return qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliX(0))
        return qml.expval(qml.PauliZ(1))
    return c


x = qml.numpy.array([0.3, 0.5], requires_grad=True)
two = node(True)
j = qml.jacobian(lambda v: qml.math.hstack(two(v)))(x)
print("first derivative's element type, two measurements:", type(np.asarray(j).ravel()[0]).__name__)
h2 = qml.jacobian(qml.jacobian(lambda v: qml.math.hstack(two(v))))(x)
h1 = qml.jacobian(qml.jacobian(node(False)))(x)
print("Hessian of the pair, first block:", np.round(np.asarray(h2, dtype=float)[0], 4).tolist())
print("Hessian of the first alone:      ", np.round(np.asarray(h1, dtype=float), 4).tolist())
