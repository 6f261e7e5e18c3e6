"""CPU per value call of a transformed QNode (cancel_inverses, merge_rotations) beside the
same QNode untransformed, after its modules are compiled (issue #17;
benchmarks/results/lazy.md).

    PYTHONPATH=<qsym tree> python benchmarks/lazy/transformed_calls.py
"""
import sys, time
import qsym as qml
from qsym import numpy as np
dev = qml.device("default.qubit", wires=3)
def body(x):
    qml.RX(x[0], wires=0)
    qml.RX(x[1], wires=0)
    qml.Hadamard(wires=1); qml.Hadamard(wires=1)
    qml.CNOT(wires=[0, 1]); qml.RY(x[2], wires=2)
    return qml.expval(qml.PauliZ(1) @ qml.PauliX(2))
plain = qml.QNode(body, dev)
c = qml.transforms.merge_rotations(qml.transforms.cancel_inverses(qml.QNode(body, dev)))
x = np.array([0.1, 0.2, 0.3], requires_grad=True)
def settle(node):
    for i in range(300): node(x)
    for n in [node] + [v[3] for k, v in node.__dict__.items() if k == "_qsym_fused_pipeline" and v[3] is not None]:
        for e in n._compiled.values():
            if hasattr(e, "wait"): e.wait()
    for i in range(100): node(x)
out = {}
for node, name in ((c, "transformed"), (plain, "plain")):
    settle(node)
    ts = []
    for k in range(5):
        a, b = time.perf_counter(), time.process_time()
        for i in range(200):
            node(x)
        ts.append(((time.perf_counter() - a) / 200 * 1e6, (time.process_time() - b) / 200 * 1e6))
    ts.sort(key=lambda t: t[1])
    print(f"{name} value: per call wall {ts[2][0]:.1f} us cpu {ts[2][1]:.1f} us")
