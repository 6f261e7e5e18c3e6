"""adv70 probe (the residual, left): 3 threads alternate parameter-shift and adjoint gradients of two QNodes while a fourth defines the gate N times (argv[1]); prints the gradients of neither definition (method, x, g, g / cos(x/2))."""
import threading, warnings, sys, numpy as onp
import qsym as qml
from qsym import numpy as pnp
warnings.simplefilter("ignore")
A = dict(generator=[(0.5, "X")]); B = dict(generator=[(1.0, "Y")])
qml.define_gate("AdvKGate", 1, **A)
def mk(m):
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=m)
    def c(x):
        qml.AdvKGate(x, wires=0)
        return qml.expval(qml.X(0) + qml.Y(0))
    return c
nodes = {m: mk(m) for m in ("parameter-shift", "adjoint")}
stop = threading.Event(); bad = []
def redefine():
    for i in range(int(sys.argv[1])):
        qml.define_gate("AdvKGate", 1, **(A if i % 2 else B))
    stop.set()
def work(seed):
    rng = onp.random.default_rng(seed); k = 0
    while not stop.is_set():
        x = float(rng.uniform(0.1, 1.4)); m = "adjoint" if k % 2 else "parameter-shift"; k += 1
        c = nodes[m]
        g = float(qml.grad(c)(pnp.array(x, requires_grad=True)))
        if min(abs(g + onp.cos(x)), abs(g - 2*onp.cos(2*x))) > 1e-9:
            bad.append((m, x, g, g / onp.cos(x/2)))
ts = [threading.Thread(target=work, args=(s,)) for s in range(3)]
ch = threading.Thread(target=redefine); ch.start(); [t.start() for t in ts]; ch.join(); [t.join() for t in ts]
print("bad", bad)
