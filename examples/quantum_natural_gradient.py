"""PennyLane's "Quantum natural gradient" tutorial, run with qsym.

A 3-wire circuit with two layers of parametrized rotations; its cost <Y_0> is minimized
from the same start with plain gradient descent and with the quantum natural gradient
(``qml.QNGOptimizer``: each step is preconditioned by the pseudo-inverse of the
block-diagonal metric tensor). Both use step size 0.01. Run it with

    python examples/quantum_natural_gradient.py
"""

import qsym as qml
from qsym import numpy as np

dev = qml.device("default.qubit", wires=3)


@qml.qnode(dev)
def circuit(params):
    # non-parametrized gates
    qml.RY(np.pi / 4, wires=0)
    qml.RY(np.pi / 3, wires=1)
    qml.RY(np.pi / 7, wires=2)
    # parametrized layer 1
    qml.RZ(params[0], wires=0)
    qml.RZ(params[1], wires=1)
    # non-parametrized gates
    qml.CNOT(wires=[0, 1])
    qml.CNOT(wires=[1, 2])
    # parametrized layer 2
    qml.RY(params[2], wires=1)
    qml.RX(params[3], wires=2)
    # non-parametrized gates
    qml.CNOT(wires=[0, 1])
    qml.CNOT(wires=[1, 2])
    return qml.expval(qml.PauliY(0))


init_params = np.array([0.432, -0.123, 0.543, 0.233], requires_grad=True)
print("block-diagonal metric tensor at the start:")
print(np.round(qml.metric_tensor(circuit, approx="block-diag")(init_params), 8) + 0.0)

steps = 200
results = {}
for name, opt in [("gradient descent", qml.GradientDescentOptimizer(0.01)),
                  ("quantum natural gradient", qml.QNGOptimizer(0.01))]:
    theta = init_params
    costs = []
    for _ in range(steps):
        theta = opt.step(circuit, theta)
        costs.append(float(circuit(theta)))
    results[name] = costs
    print(f"{name:>24}: cost after 10 steps {costs[9]:+.6f}, after {steps} steps "
          f"{costs[-1]:+.8f}")

qng, gd = results["quantum natural gradient"], results["gradient descent"]
assert all(q < g for q, g in zip(qng[9:], gd[9:]))  # QNG ahead from step 10 on
print("QNG lower than gradient descent at every step from the 10th: checks passed")
