"""Ahead of time, step 1: compile the seed circuit's gradient and export it as a module.

    python examples/aot_export.py        # writes examples/build/seed_grad.py
    python examples/aot_use.py           # uses it, without qsym

The exported module needs only numpy and numba: ship it to a machine without qsym.
"""

from pathlib import Path

import qsym as qml

dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def circuit(params):
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    return qml.expval(qml.PauliZ(0))


compiled = qml.compile(circuit, [0.54, 0.12])
print(compiled)
print(compiled.listing)
print("rules:", compiled.rules)
path = compiled.export(Path(__file__).resolve().parent / "build" / "seed_grad.py")
print("exported", path, "circuit hash", compiled.circuit_hash[:12])
print("sha256 (for qml.load(path, expected_hash=...)):", compiled.export_sha256)
print("grad at [0.54, 0.12]:", compiled.grad([0.54, 0.12]).tolist())
