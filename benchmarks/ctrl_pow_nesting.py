"""Random nestings of qml.ctrl (random control values), qml.adjoint and qml.pow of the
one-parameter gates, run by qsym or PennyLane (trust68, stop 68): each case's value,
parameter-shift gradient and its Tracker executions, adjoint gradient and
``parameter_frequencies``, as JSON on stdout. Compare the two runs' files.

    QSYM_TIER=python PYTHONPATH=. python benchmarks/ctrl_pow_nesting.py qsym 68 80 > q.json
    /work/plvenv/bin/python benchmarks/ctrl_pow_nesting.py pl 68 80 > p.json
"""
import sys, json, random
mod = sys.argv[1]
if mod == "qsym":
    import qsym as qml
    from qsym import numpy as np
else:
    import pennylane as qml
    from pennylane import numpy as np
W = 5
dev = qml.device("default.qubit", wires=W)
rng = random.Random(int(sys.argv[2]))
GATES = [("RX", 1), ("RY", 1), ("RZ", 1), ("PhaseShift", 1), ("IsingXX", 2), ("IsingZZ", 2),
         ("IsingYY", 2)]
def build_spec():
    g, nw = rng.choice(GATES)
    tw = rng.sample(range(W), nw)
    layers = []
    free = [w for w in range(W) if w not in tw]
    for _ in range(rng.randint(1, 3)):
        k = rng.choice(["ctrl", "adj", "pow"])
        if k == "ctrl" and free:
            n = rng.randint(1, min(3, len(free)))
            cw = rng.sample(free, n); free = [w for w in free if w not in cw]
            layers.append(["ctrl", cw, [rng.randint(0, 1) for _ in cw]])
        elif k == "pow":
            layers.append(["pow", rng.choice([2, -1, 3, -2])])
        else:
            layers.append(["adj"])
    return [g, tw, layers]
def make_op(spec, x):
    g, tw, layers = spec
    op = getattr(qml, g)(x, wires=tw)
    for l in layers:
        if l[0] == "ctrl": op = qml.ctrl(op, control=l[1], control_values=l[2])
        elif l[0] == "pow": op = qml.pow(op, l[1])
        else: op = qml.adjoint(op)
    return op
out = {}
for i in range(int(sys.argv[3])):
    spec = build_spec()
    def circ(x, spec=spec):
        for w in range(W): qml.RY(0.3 + 0.2 * w, wires=w)
        for w in range(W - 1): qml.CNOT([w, w + 1])
        make_op(spec, x)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(W - 1) + 0.5 * qml.PauliY(W // 2))
    x = np.array(0.7, requires_grad=True)
    r = {"spec": spec}
    try:
        c = qml.QNode(circ, dev, diff_method="parameter-shift")
        r["val"] = float(c(x))
        with qml.Tracker(dev) as t:
            r["ps"] = float(qml.grad(c)(x))
        r["ex"] = t.totals.get("executions")
        ca = qml.QNode(circ, dev, diff_method="adjoint")
        r["adj"] = float(qml.grad(ca)(x))
    except Exception as e:
        r["err"] = type(e).__name__ + ": " + str(e)[:100]
    try:
        r["freq"] = [list(map(float, f)) for f in make_op(spec, 0.4).parameter_frequencies]
    except Exception as e:
        r["freq"] = type(e).__name__
    out[i] = r
print(json.dumps(out))
