"""The seed document, "Executing Quantum Gradients", run with qsym.

It is PennyLane's tutorial unchanged except for the two imports (and it keeps its old
spellings: ``qml.expval.PauliZ(0)`` and ``argnum``). Run it with

    python examples/executing_quantum_gradients.py
"""

# first we import the essentials
import qsym as qml
from qsym import numpy as np

dev1 = qml.device("default.qubit", wires=1)


@qml.qnode(dev1)
def circuit(params):
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    return qml.expval.PauliZ(0)


dcircuit = qml.grad(circuit, argnum=0)
print("dcircuit([0.54, 0.12]) =", [float(g) for g in dcircuit([0.54, 0.12])])
# the seed prints [-0.5104386525165021, -0.10267819945693196]


@qml.qnode(dev1)
def circuit2(phi1, phi2):
    qml.RX(phi1, wires=0)
    qml.RY(phi2, wires=0)
    return qml.expval.PauliZ(0)


dcircuit2 = qml.grad(circuit2, argnum=[0, 1])
print("dcircuit2(0.54, 0.12) =", dcircuit2(0.54, 0.12))
# the seed prints (array(-0.51043865), array(-0.1026782))

# what qsym adds: the traced circuit, the exact formula, and a check of the compiled gradient
print()
print(circuit.listing([0.54, 0.12]))
print("exact <Z> =", qml.expectation(circuit, [0.54, 0.12]))
print("exact gradient =", qml.gradient(circuit, [0.54, 0.12]))
print(qml.check(circuit, [0.54, 0.12]))
print(qml.draw(circuit)([0.54, 0.12]))
