"""A variational quantum classifier, trained as one compiled loop over its data set.

Synthetic data: points in the square [-1, 1]^2, labelled +1 inside the circle of radius
0.7 and -1 outside. The model re-uploads the point's coordinates before each trainable
layer (Perez-Salinas et al., "Data re-uploading for a universal quantum classifier",
Quantum 4, 226 (2020)) on two qubits; its prediction is <Z0> plus a trained bias (the
bias enters as a trained coefficient of the measured Hamiltonian, so the whole model is
one QNode). Training minimizes the mean squared error between predictions and labels
with Adam: ``qml.minimize(classifier, w0, data={"x": X}, targets=y)``, every step (over
every data row) inside compiled code. Run it with

    python examples/classifier.py
"""

import numpy as onp

import qsym as qml
from qsym import numpy as np

LAYERS = 3
N_WEIGHTS = LAYERS * 2 * 3 + 1  # a Rot (3 angles) per wire and layer, and the bias


def make_data(n, rng):
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = onp.where(onp.sum(X**2, axis=1) < 0.7**2, 1.0, -1.0)
    return X, y


rng = onp.random.default_rng(0)
X_train, y_train = make_data(120, rng)
X_test, y_test = make_data(200, rng)
print(f"{len(X_train)} training points, {int(onp.sum(y_train > 0))} inside the circle")

dev = qml.device("default.qubit", wires=2)


@qml.qnode(dev, diff_method="adjoint")
def classifier(w, x=None):
    for layer in range(LAYERS):
        for wire in range(2):
            qml.RY(np.pi * x[0], wires=wire)  # re-upload the data point
            qml.RZ(np.pi * x[1], wires=wire)
            k = 6 * layer + 3 * wire
            qml.Rot(w[k], w[k + 1], w[k + 2], wires=wire)
        qml.CNOT(wires=[0, 1])
    bias = w[N_WEIGHTS - 1]
    return qml.expval(qml.Hamiltonian([1.0, bias], [qml.PauliZ(0), qml.Identity(0)]))


def accuracy(w, X, y):
    predictions = onp.array([float(classifier(w, x=x)) for x in X])
    return float(onp.mean(onp.sign(predictions) == y))


w0 = onp.random.default_rng(1).normal(0.0, 0.5, size=N_WEIGHTS)
print(f"before training: train accuracy {accuracy(w0, X_train, y_train):.3f}")
res = qml.minimize(classifier, w0, data={"x": X_train}, targets=y_train, loss="square",
                   optimizer=qml.AdamOptimizer(stepsize=0.05), steps=300)
print(res)
print(f"square loss {res.cost_history[0]:.4f} -> {res.fun:.4f} in {res.nit} steps "
      f"({res.steps_per_second:,.0f} steps/s over {len(X_train)} rows each)")
train_acc = accuracy(res.x, X_train, y_train)
test_acc = accuracy(res.x, X_test, y_test)
print(f"after training: train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")

assert res.compiled
assert res.fun < 0.5 * res.cost_history[0]
assert train_acc >= 0.9 and test_acc >= 0.85
print("checks passed")
