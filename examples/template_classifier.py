"""A variational classifier written with PennyLane's templates, unchanged but for the imports.

The data point is encoded by ``AngleEmbedding`` and processed by
``StronglyEntanglingLayers``; the prediction is ``<Z0>`` plus a trained bias. The data are
made here: points in [0, pi]^2, labelled +1 above the diagonal and -1 below. A few steps of
Nesterov momentum on the square loss, as in PennyLane's variational classifier demo.
Run it with

    python examples/template_classifier.py
"""

import numpy as onp

import qsym as qml
from qsym import numpy as np

N_WIRES, N_LAYERS = 2, 2

dev = qml.device("default.qubit", wires=N_WIRES)


@qml.qnode(dev)
def circuit(weights, x):
    qml.AngleEmbedding(x, wires=range(N_WIRES), rotation="Y")
    qml.StronglyEntanglingLayers(weights, wires=range(N_WIRES))
    return qml.expval(qml.PauliZ(0))


def variational_classifier(weights, bias, x):
    return circuit(weights, x) + bias


def square_loss(labels, predictions):
    return sum((l - p) ** 2 for l, p in zip(labels, predictions)) / len(labels)


def cost(weights, bias, X, Y):
    predictions = [variational_classifier(weights, bias, x) for x in X]
    return square_loss(Y, predictions)


def accuracy(weights, bias, X, Y):
    return onp.mean([onp.sign(variational_classifier(weights, bias, x)) == y for x, y in zip(X, Y)])


rng = onp.random.default_rng(1)
X = np.array(rng.uniform(0, onp.pi, size=(16, 2)), requires_grad=False)
Y = np.array(onp.where(X[:, 1] > X[:, 0], 1.0, -1.0), requires_grad=False)

weights = np.array(0.1 * rng.normal(size=qml.StronglyEntanglingLayers.shape(N_LAYERS, N_WIRES)),
                   requires_grad=True)
bias = np.array(0.0, requires_grad=True)
opt = qml.NesterovMomentumOptimizer(0.1)

costs = [float(cost(weights, bias, X, Y))]
print(f"step  0: cost {costs[0]:.6f}  accuracy {accuracy(weights, bias, X, Y):.2f}")
for step in range(1, 8):
    weights, bias = opt.step(cost, weights, bias, X=X, Y=Y)
    costs.append(float(cost(weights, bias, X, Y)))
    print(f"step {step:2d}: cost {costs[-1]:.6f}  accuracy {accuracy(weights, bias, X, Y):.2f}")

assert costs[-1] < 0.7 * costs[0], costs
print("cost went down:", f"{costs[0]:.4f} -> {costs[-1]:.4f}")
