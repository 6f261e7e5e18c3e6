"""adv70 probe: one thread defines gate GG again and again (RX-like / RY(2x)-like) while
three threads take values and gradients of one QNode using it; every answer must be one
definition's closed form (<X+Y>: -sin x, d -cos x; or sin 2x, d 2 cos 2x), and after the
storm the QNode and a fresh one must follow the definition in force.
Run: QSYM_TIER=python python adv70-2026-12-07-storm.py parameter-shift|adjoint SECONDS"""
import threading, warnings, sys, time, numpy as onp
import qsym as qml
from qsym import numpy as np
warnings.simplefilter("ignore")
A = dict(generator=[(0.5, "X")])        # RX(x): <X>+<Y> = -sin x, d = -cos x
B = dict(generator=[(1.0, "Y")])        # RY(2x): <X>+<Y> = sin 2x, d = 2 cos 2x
qml.define_gate("GG", 1, **A)
dev = qml.device("default.qubit", wires=1)
method = sys.argv[1] if len(sys.argv) > 1 else "parameter-shift"
@qml.qnode(dev, diff_method=method)
def c(x):
    qml.GG(x, wires=0)
    return qml.expval(qml.X(0) + qml.Y(0))
stop = False; bad = []; errs = []; n = [0]
def redef():
    i = 0
    while not stop:
        qml.define_gate("GG", 1, **(A if i % 2 else B)); i += 1
        time.sleep(0.001)
def worker(seed):
    rng = onp.random.default_rng(seed)
    while not stop:
        x = float(rng.uniform(0.1, 1.4))
        try:
            v = float(c(np.array(x)))
            g = float(qml.grad(c)(np.array(x, requires_grad=True)))
        except Exception as e:
            if type(e).__name__ != "GateError" or "earlier definition" not in str(e):
                errs.append(repr(e)[:200])
            continue
        n[0] += 1
        okv = min(abs(v + onp.sin(x)), abs(v - onp.sin(2*x))) < 1e-9
        okg = min(abs(g + onp.cos(x)), abs(g - 2*onp.cos(2*x))) < 1e-9
        if not (okv and okg): bad.append((x, v, g))
ts = [threading.Thread(target=redef)] + [threading.Thread(target=worker, args=(s,)) for s in range(3)]
[t.start() for t in ts]; time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 20); stop = True; [t.join() for t in ts]
print(method, "calls", n[0], "bad", len(bad), bad[:5], "errors", len(errs), sorted(set(errs))[:5])
# after the storm: no thread runs; the current definition is the registry's
from qsym._gates import GATES
cur = GATES["GG"]
import sympy as sp
m = onp.array(sp.Matrix(cur.sympy_matrix((0.7,))).evalf(), dtype=complex)
isA = abs(m[0,1].real) < 1e-12  # RX(0.7): off-diagonal -i sin; RY(1.4): real
badafter = 0
for x in onp.linspace(0.2, 1.3, 12):
    v = float(c(np.array(x))); g = float(qml.grad(c)(np.array(x, requires_grad=True)))
    ev, eg = ((-onp.sin(x), -onp.cos(x)) if isA else (onp.sin(2*x), 2*onp.cos(2*x)))
    if abs(v-ev) > 1e-9 or abs(g-eg) > 1e-9: badafter += 1
print("after storm (current def", "A" if isA else "B", ") bad", badafter, "of 12")
@qml.qnode(dev, diff_method=method)
def c2(x):
    qml.GG(x, wires=0)
    return qml.expval(qml.X(0) + qml.Y(0))
bad2 = 0
for x in onp.linspace(0.2, 1.3, 12):
    v = float(c2(np.array(x))); g = float(qml.grad(c2)(np.array(x, requires_grad=True)))
    ev, eg = ((-onp.sin(x), -onp.cos(x)) if isA else (onp.sin(2*x), 2*onp.cos(2*x)))
    if abs(v-ev) > 1e-9 or abs(g-eg) > 1e-9: bad2 += 1
print("fresh qnode after storm bad", bad2, "of 12")
