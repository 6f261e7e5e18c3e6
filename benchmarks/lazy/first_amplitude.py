"""First value / first gradient of a QNode holding a traced AmplitudeEmbedding, in a fresh
process (issue #17, lazy derivatives; benchmarks/results/lazy.md).

    PYTHONPATH=<qsym tree> python benchmarks/lazy/first_amplitude.py value|grad|both [wires]
"""
import sys, time
t0w, t0c = time.perf_counter(), time.process_time()
import qsym as qml
from qsym import numpy as np
mode = sys.argv[1]  # value / grad / both
n = int(sys.argv[2]) if len(sys.argv) > 2 else 3
dev = qml.device("default.qubit", wires=n)
@qml.qnode(dev)
def circuit(f):
    qml.AmplitudeEmbedding(f, wires=range(n), normalize=True, pad_with=0.)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(n-1))
f = np.array([0.1*(k+1) for k in range(2**n - 1)], requires_grad=True)
ti = (time.perf_counter()-t0w, time.process_time()-t0c)
out = []
if mode in ("value", "both"):
    a, b = time.perf_counter(), time.process_time()
    v = circuit(f)
    out.append(("value", time.perf_counter()-a, time.process_time()-b, float(v)))
if mode in ("grad", "both"):
    a, b = time.perf_counter(), time.process_time()
    g = qml.grad(circuit)(f)
    out.append(("grad", time.perf_counter()-a, time.process_time()-b, float(np.sum(g))))
for name, w, c, v in out:
    print(f"{name}: wall {w*1e3:.1f} ms cpu {c*1e3:.1f} ms -> {v!r}")
