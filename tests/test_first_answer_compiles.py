"""Issue #17: no user waits for the compiler. Every entry point a new circuit's first call
can take (values, parameter-shift and adjoint gradients, broadcasting, a batch of one,
finite shots, Hessians, the metric tensor, ``qml.jacobian`` of several measurements, the
state, ``default.mixed``, finite differences, a Hamiltonian, samples and counts) runs in a fresh process with an empty cache folder (nothing of qsym or its kernel
library compiled: a new machine) while numba's compile events are watched: no compile
may start on the calling thread before the first answer. A sampled circuit promoted to
the compiled tiers must not compile the sampling kernels in the caller either.

Independent checks: the answers against closed forms (cos a cos b and its derivatives,
the metric tensor of two first-layer rotations, probabilities cos^2(a/2)), shots within
a few standard deviations; the batch that tier 0 runs row by row against the kernel
library's batch kernel, bit for bit.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import qsym as qml
from qsym import _kernels as kernels, _tiers as tiers

# promotion and the background compile, in this process and in fresh ones: under the
# default setting (auto) (tests/conftest.py, FIRST_TIER)
pytestmark = pytest.mark.compiled_tier


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Watches numba's compile events; run() calls each scenario and prints, per scenario,
# "name ok" or "name COMPILED <function>" (a compile on the calling thread).
_HARNESS = '''
import sys, threading
from numba.core import event as ev
MAIN = threading.get_ident()
seen = []

class Watch(ev.Listener):
    def on_start(self, e):
        if threading.get_ident() == MAIN:
            d = e.data.get("dispatcher")
            seen.append(d.py_func.__qualname__ if d is not None else "?")

    def on_end(self, e):
        pass

ev.register("numba:compile", Watch())
import numpy as onp
import qsym as qml
from qsym import numpy as np

def run(name, fn, check):
    del seen[:]
    out = fn()
    compiled = list(seen)
    ok = bool(check(out))
    print(name, "COMPILED " + ",".join(compiled) if compiled else ("ok" if ok else "WRONG"),
          flush=True)
'''

_SCENARIOS = '''
A, B = 0.4, -0.7
x = np.array([A, B], requires_grad=True)
ab = np.array([0.1, 0.2, -0.5], requires_grad=True)
f = onp.cos(A) * onp.cos(B)
grad = [-onp.sin(A) * onp.cos(B), -onp.cos(A) * onp.sin(B)]
hess = [[-f, onp.sin(A) * onp.sin(B)], [onp.sin(A) * onp.sin(B), -f]]

def circ(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))

def bcirc(a, b):
    qml.RX(a, wires=0)
    qml.RY(b, wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))

def multi(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])

def state(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    return qml.state()

def multi_s(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    return qml.sample(wires=[0, 1]), qml.counts(wires=[0, 1])

def node(fn, method="parameter-shift", shots=None, seed=None):
    dev = qml.device("default.qubit", wires=2, seed=seed)
    n = qml.QNode(fn, dev, diff_method=method)
    return qml.set_shots(n, shots) if shots else n

close = lambda a, b, tol=1e-12: onp.allclose(onp.asarray(a, dtype=float), b, atol=tol)
b = onp.cos(B)
bval = onp.cos(onp.asarray(ab)) * b
bjac = onp.diag(-onp.sin(onp.asarray(ab)) * b)
run("value", lambda: node(circ)(x), lambda r: close(r, f))
run("grad parameter-shift", lambda: qml.grad(node(circ))(x), lambda r: close(r, grad))
run("grad adjoint", lambda: qml.grad(node(circ, "adjoint"))(x), lambda r: close(r, grad))
run("grad best", lambda: qml.grad(node(circ, "best"))(x), lambda r: close(r, grad))
run("broadcast value", lambda: node(bcirc)(ab, B), lambda r: close(r, bval))
for m in ("parameter-shift", "adjoint", "best"):
    run("broadcast jacobian " + m, lambda: qml.jacobian(node(bcirc, m), argnum=0)(ab, B),
        lambda r: close(r, bjac))
run("broadcast batch of one", lambda: qml.jacobian(node(bcirc), argnum=0)(ab[:1], B),
    lambda r: close(r, bjac[:1, :1]))
run("broadcast both arguments", lambda: qml.jacobian(node(bcirc, "adjoint"))(ab, ab),
    lambda r: close(r[1], onp.diag(-onp.cos(onp.asarray(ab)) * onp.sin(onp.asarray(ab)))))
sd = 4 / onp.sqrt(4000)  # four standard deviations of a +-1 mean (at most)
run("shots value", lambda: node(circ, shots=4000, seed=1)(x), lambda r: close(r, f, sd))
run("shots grad", lambda: qml.grad(node(circ, shots=4000, seed=2))(x),
    lambda r: close(r, grad, 2 * sd))
run("shots broadcast", lambda: node(bcirc, shots=4000, seed=3)(ab, B),
    lambda r: close(r, bval, sd))
run("hessian", lambda: qml.hessian(node(circ))(x), lambda r: close(r, hess, 1e-10))
run("hessian shots", lambda: qml.hessian(node(circ, shots=4000, seed=4))(x),
    lambda r: close(r, hess, 4 * sd))
run("metric tensor", lambda: qml.metric_tensor(node(circ))(x),
    lambda r: close(r, onp.diag([0.25, 0.25])))
p0 = [onp.cos(A / 2) ** 2, onp.sin(A / 2) ** 2]
dp0 = [[-onp.sin(A) / 2, 0.0], [onp.sin(A) / 2, 0.0]]
run("jacobian of several measurements",
    lambda: qml.jacobian(lambda v: qml.math.hstack(node(multi)(v)))(x),
    lambda r: close(r, onp.vstack([grad, dp0])))
run("jacobian of several measurements, shots",
    lambda: qml.jacobian(lambda v: qml.math.hstack(node(multi, shots=4000, seed=5)(v)))(x),
    lambda r: close(r, onp.vstack([grad, dp0]), 2 * sd))
run("state", lambda: node(state)(x),
    lambda r: close(onp.abs(r) ** 2, onp.kron(p0, [onp.cos(B / 2) ** 2, onp.sin(B / 2) ** 2])))
run("default.mixed grad", lambda: qml.grad(qml.QNode(circ, qml.device("default.mixed", wires=2)))(x),
    lambda r: close(r, grad))
run("finite-diff grad", lambda: qml.grad(node(circ, "finite-diff"))(x),
    lambda r: close(r, grad, 1e-6))

def ham(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.Hamiltonian([0.3, 0.5], [qml.PauliZ(0) @ qml.PauliX(1), qml.PauliY(1)]))

hps = []
run("hamiltonian grad parameter-shift", lambda: hps.append(qml.grad(node(ham))(x)) or hps[0],
    lambda r: onp.all(onp.isfinite(r)))
run("hamiltonian grad adjoint", lambda: qml.grad(node(ham, "adjoint"))(x),
    lambda r: close(r, hps[0]))  # a second method
run("samples and counts", lambda: node(multi_s, shots=100, seed=6)(x),
    lambda r: r[0].shape == (100, 2) and sum(r[1].values()) == 100)
'''

_PROMOTED = '''
import qsym._tiers as t
t.COMPILE_AFTER_CALLS = 3
A, B = 0.4, -0.7
x = np.array([A, B], requires_grad=True)

def multi(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1) @ qml.PauliX(0)), qml.probs(wires=[0])

dev = qml.device("default.qubit", wires=2, seed=7)
c = qml.set_shots(qml.QNode(multi, dev, diff_method="parameter-shift"), 4000)
jac = qml.jacobian(lambda v: qml.math.hstack(c(v)))
for _ in range(5):
    first = jac(x)
entry, _, _ = c.compiled((x,), {})
entry.wait()
print("tier", entry.tier, flush=True)
sd = 4 / onp.sqrt(4000)
want = onp.array([[0.0, 0.0], [-onp.sin(A) / 2, 0.0], [onp.sin(A) / 2, 0.0]])
run("promoted shots jacobian", lambda: jac(x), lambda r: onp.allclose(r, want, atol=2 * sd))
'''


def _fresh(script, folder, **env_vars):
    """``script`` (after the compile watch) in a new process with the cache folder
    ``folder`` (empty unless seeded): its output lines."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "QSYM_TIER", "QSYM_WARMUP")}
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    env.update(QSYM_CACHE_DIR=str(folder), QSYM_QUIET="1", **env_vars)
    out = subprocess.run([sys.executable, "-c", _HARNESS + script], env=env,
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.splitlines()


@pytest.mark.parametrize("tier", ["python", "auto"])
def test_no_first_answer_compiles_on_the_calling_thread(tmp_path, tier):
    """A new machine (empty cache folder): every scenario's first answer comes without
    numba compiling on the calling thread, and is right (closed forms). Before: a
    broadcast circuit's first gradient compiled ``batch_value_and_grad`` (and with it most
    of the kernel library, 30-100 s) in the caller, under ``QSYM_TIER=python`` and on tier
    0 of the default tier alike."""
    lines = _fresh(_SCENARIOS, tmp_path / "cache", QSYM_TIER=tier)
    assert len(lines) == 24, lines
    bad = [line for line in lines if not line.endswith(" ok")]
    assert not bad, bad


def test_a_promoted_sampled_circuit_does_not_compile_in_the_caller(tmp_path):
    """A sampled circuit used enough to be promoted on a new machine: its background
    compile also compiles the kernel library overloads its sampled answers ran as twins
    (``program_state``, ``pauli_expvals``, ...), so the compiled tiers load them from the
    disk cache; before, its first sampled answer after the swap compiled them in the
    caller. (The kernel library is seeded from this process's cache but for
    ``program_state``, the one kernel this circuit's sampled answers call: a machine that
    compiled everything else, so that the test compiles one kernel, not the library.)"""
    from conftest import seed_kernel_cache

    from qsym import _cache as cache

    seed_kernel_cache(tmp_path / "cache")
    for f in cache.kernel_cache_dir(tmp_path / "cache").glob("_kernels.program_state-*"):
        f.unlink()
    lines = _fresh(_PROMOTED, tmp_path / "cache")
    assert lines[0] in ("tier fused", "tier module"), lines
    assert lines[1:] == ["promoted shots jacobian ok"], lines


def _bcirc(a, b):
    qml.RX(a, wires=0)
    qml.RY(b, wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRX(a * b, wires=[1, 2])
    qml.Rot(b, a ** 2, 0.3, wires=2)
    return qml.expval(qml.PauliZ(2) @ qml.PauliX(0)), qml.var(qml.PauliY(1))


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_tier_0_rows_give_the_batch_kernels_bits(monkeypatch, method):
    """Tier 0 runs a batch row by row when the batch kernel is not compiled in the process
    (``qsym._tiers.batch_kernel_deferred``): values and Jacobians bit for bit those of the
    kernel library's batch kernel (serial and on numba's threads), and the batch kernel's
    rows the single calls' values (closed form checked for one row against finite
    differences)."""
    monkeypatch.setenv("QSYM_TIER", "python")
    node = qml.QNode(_bcirc, qml.device("default.qubit", wires=3), diff_method=method)
    a = qml.numpy.array(np.linspace(-1.3, 1.1, 7), requires_grad=True)
    b = qml.numpy.array(0.37, requires_grad=True)
    entry = node.compiled((a, b), {})[0].element
    assert entry.tier == "python"
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(9, entry.module.NUM_INPUTS))
    name = "batch_value_and_grad" if method == "parameter-shift" else \
        "batch_value_and_grad_adjoint"

    def both():
        out = [entry.batch_value(X, None), *getattr(entry, name)(X, None)]
        return [np.ascontiguousarray(o).tobytes() for o in out], out

    monkeypatch.setattr(tiers, "batch_kernel_deferred", lambda n: True)
    rows, values = both()
    monkeypatch.setattr(tiers, "batch_kernel_deferred", lambda n: False)
    assert both()[0] == rows
    # a batch large enough for numba's threads: the same bits
    big = rng.uniform(-2, 2, size=(1000, entry.module.NUM_INPUTS))
    assert 1000 * entry.module.WORK >= kernels.PARALLEL_MIN_WORK  # (rows on threads)
    kernel_out = getattr(entry, name)(big, None)
    monkeypatch.setattr(tiers, "batch_kernel_deferred", lambda n: True)
    row_out = getattr(entry, name)(big, None)
    assert [o.tobytes() for o in row_out] == [o.tobytes() for o in kernel_out]
    # the Jacobian is the derivative of the values (central differences)
    h = 1e-6
    for j in range(X.shape[1]):
        step = np.zeros_like(X)
        step[:, j] = h
        fd = (entry.batch_value(X + step, None) - entry.batch_value(X - step, None)) / (2 * h)
        assert np.allclose(values[2][:, :, j], fd, atol=1e-6)


# A circuit promoted by its parameter-shift Jacobian, then used for the first time in every
# other way (the adjoint method, values, a Hessian, batches, shots, broadcasting) and a
# state circuit promoted by its states: each "use" prints the harness's verdict and, at the
# end, a digest of its numbers' bits (compared with the same script run on tier 0 alone).
_LATE = '''
import hashlib
import qsym._tiers as t
t.COMPILE_AFTER_CALLS = 3
A, B = 0.4, -0.7
x = np.array([A, B], requires_grad=True)
xx = onp.array([A, B])
got = {}

def use(name, fn, check):
    run(name, lambda: got.setdefault(name, fn()), check)

def digest(out):
    h = hashlib.sha256()
    for a in (out if isinstance(out, (tuple, list)) else [out]):
        h.update(onp.ascontiguousarray(onp.asarray(a, dtype=complex)).tobytes())
    return h.hexdigest()[:16]

def circ(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRX(x[0] * x[1], wires=[1, 2])
    return qml.expval(qml.PauliZ(1)), qml.var(qml.PauliX(2))

def state(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    return qml.state()

dev = qml.device("default.qubit", wires=3, seed=8)
c = qml.QNode(circ, dev, diff_method="parameter-shift")
jac = qml.jacobian(lambda v: qml.math.hstack(c(v)))
for _ in range(5):
    jac(x)
entry, _, _ = c.compiled((x,), {})
s = qml.QNode(state, dev)
for _ in range(5):
    s(x)
s_entry = s.compiled((x,), {}, derivatives=False)[0]
print("tiers", entry.wait(), s_entry.wait(), flush=True)
f = onp.cos(A) * onp.cos(B)
g = [-onp.sin(A) * onp.cos(B), -onp.cos(A) * onp.sin(B)]
h = [[-f, onp.sin(A) * onp.sin(B)], [onp.sin(A) * onp.sin(B), -f]]
close = lambda a, b, tol=1e-12: onp.allclose(onp.asarray(a, dtype=float), b, atol=tol)
d = onp.zeros(entry.module.NUM_DATA)
X = onp.array([xx, -xx])
assert close(entry.value_and_grad(xx, d)[0][:1], [f])
rows = [entry.value_and_grad(v, d) for v in X]  # (the compiled rows: a second method)
same = lambda r, b: close(r[0], rows[b][0]) and close(r[1], rows[b][1])
use("adjoint after promotion", lambda: entry.value_and_grad_adjoint(xx, d),
    lambda r: same(r, 0))
use("value after promotion", lambda: c(x), lambda r: close(r, [f, 1]))
use("hessian after promotion", lambda: qml.hessian(lambda v: c(v)[0])(x),
    lambda r: close(r, h, 1e-10))
use("batch after promotion", lambda: entry.batch_value_and_grad(X, d),
    lambda r: all(same((r[0][b], r[1][b]), b) for b in (0, 1)))
use("adjoint batch after promotion", lambda: entry.batch_value_and_grad_adjoint(X, d),
    lambda r: all(same((r[0][b], r[1][b]), b) for b in (0, 1)))
use("broadcast after promotion", lambda: c(np.array([[A, -A], [B, B]])),
    lambda r: close(r[0], [f, f]))
sd = 4 / onp.sqrt(4000)
use("shots after promotion", lambda: qml.set_shots(c, 4000)(x),
    lambda r: close(r[0], f, sd))
use("shots jacobian after promotion",
    lambda: qml.jacobian(lambda v: qml.set_shots(c, 4000)(v)[0])(x),
    lambda r: close(r, g, 2 * sd))
p = onp.kron([onp.cos(A / 2) ** 2, onp.sin(A / 2) ** 2], [onp.cos(B / 2) ** 2, onp.sin(B / 2) ** 2])
use("state after promotion", lambda: s(x),
    lambda r: close(onp.abs(r) ** 2, onp.kron(p, [1, 0])))
for name, out in got.items():
    print("bits", name, digest(out), flush=True)
'''


def test_first_uses_after_promotion_do_not_compile_in_the_caller(tmp_path):
    """Issue #17: a use a promoted circuit had not made on tier 0 (the adjoint method, a
    value, a Hessian, batches, broadcasting, shots; a state circuit's states) never compiles
    in the caller: it runs tier 0's code (``prepare``'s twin, the kernels' twins) until a
    later background compile adds it. The kernel library is seeded but for the kernels
    these uses call (``program_state``, the Hessian's and the sampled gradient's
    shift-term kernels, the batch kernels, the adjoint kernel): before, each compiled on
    the calling thread (the state: ``program_state``, not noted on tier 0). The numbers
    are bit for bit those of the same script on tier 0 alone (``QSYM_TIER=python``), and
    right (closed forms)."""
    from conftest import seed_kernel_cache

    from qsym import _cache as cache

    for folder in ("auto", "python"):
        seed_kernel_cache(tmp_path / folder)
        for name in ("program_state", "program_gate_gradient", "accumulate_terms",
                     "shift_finish", "pauli_expvals", "batch_value",
                     "batch_value_and_grad", "batch_value_and_grad_adjoint",
                     "program_value_and_grad_adjoint_into"):
            for f in cache.kernel_cache_dir(tmp_path / folder).glob(f"_kernels.{name}-*"):
                f.unlink()
    lines = _fresh(_LATE, tmp_path / "auto")
    assert lines[0] in {f"tiers {a} {b}" for a in ("fused", "module")
                        for b in ("fused", "module")}, lines
    verdicts = [line for line in lines[1:] if not line.startswith("bits ")]
    assert len(verdicts) == 9 and all(v.endswith(" ok") for v in verdicts), lines
    reference = _fresh(_LATE, tmp_path / "python", QSYM_TIER="python")
    assert reference[0] == "tiers python python", reference
    bits = [line for line in lines if line.startswith("bits ")]
    assert len(bits) == 9 and bits == [line for line in reference if line.startswith("bits ")]
