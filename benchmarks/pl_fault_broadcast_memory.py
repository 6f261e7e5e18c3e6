"""PennyLane 0.45.1's fault (the class of pl_fault_broadcast_rows.py, at 12 wires): a
hardware-efficient layer on 12 wires (RY and RZ on every wire, each of its 24 angles
broadcast over 2 rows, then a CNOT ladder) needs over 4 GB of memory through
``default.qubit``'s broadcast simulation (``apply_operation_tensordot`` of an ``RY`` on the
broadcast state: the state grows with each broadcast gate), where each row alone takes
0.26 GB and the state is 2 x 4096 amplitudes. Two oracle runs were OOM-killed at 18-19 GB
RSS (stop 68, seed 6830 circuit 1 `hea 12x1` and the tier-0 run of seed 6800). qsym's
broadcast values equal PennyLane's row by row; the oracle compares with the rows from 12
wires. This script caps the address space at 3 GB and reports PennyLane's MemoryError.

    /work/plvenv/bin/python benchmarks/pl_fault_broadcast_memory.py
"""

import resource

import numpy as onp
import pennylane as qml

N = 12
dev = qml.device("default.qubit", wires=N)


@qml.qnode(dev, diff_method="backprop")
def layer(w):
    for j in range(N):
        qml.RY(w[..., 2 * j], wires=j)
        qml.RZ(w[..., 2 * j + 1], wires=j)
    for j in range(N - 1):
        qml.CNOT(wires=[j, j + 1])
    return qml.probs(wires=[0, 1])


rng = onp.random.default_rng(0)
w = qml.numpy.array(rng.uniform(-3, 3, size=(2, 2 * N)))
rows = onp.stack([layer(r) for r in w])
print("rows one by one:", onp.round(rows, 4).tolist())
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
try:
    print("broadcast:", onp.round(layer(w), 4).tolist())
except MemoryError as exc:
    print("broadcast: MemoryError under a 3 GB cap:", str(exc)[:100])
