"""stop 69 (plant69, issue #17): a kernel library entry point whose numba cache file does
not load (damaged, truncated, removed, planted: qsym's checked cache refuses it) is not
compiled on the first answer's path; its call runs the kernel's plain-Python twin (the same
bits) while a background process compiles it. References: numba's own compile events (a
listener on ``numba:compile``, independent of qsym) and the twin's bits."""
import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, types
import numpy as np
from numba.core import event
import qsym as qml
from qsym import _kernels as kernels, _tiers as tiers

name = "program_value_and_grad_into"
parallel = "program_value_and_grad_parallel"  # (a later gradient's, on numba's threads)
tree = [name, parallel] + kernels.cells_reached(name)  # entry points, their cells' kernels
attempts, listed = [], {}
real_cached = tiers.cached_signatures


def refused(sig, ctx):  # numba's cache load of a file the checked cache refuses
    return None


def compile_here(*a, **k):
    attempts.append(1)
    raise RuntimeError("a compile on the first answer's path")


for k in tree:
    disp = getattr(kernels, k)
    disp._cache.load_overload = refused
    disp._compiler.compile = compile_here
tiers.cached_signatures = lambda disp: list(listed.get(id(disp), ())) or real_cached(disp)


recording = event.install_recorder("numba:compile")  # numba's own record of its compiles
recorder = recording.__enter__()


def layers(w):
    for layer in range(2):
        for i in range(3):
            qml.RX(w[layer, i], wires=i)
        qml.CZ(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
    qml.CRY(w[0, 0] * w[1, 2], wires=[2, 0])
    return qml.expval(qml.PauliX(0) @ qml.PauliZ(2) - 0.3 * qml.PauliY(1))


node = qml.QNode(layers, qml.device("default.qubit", wires=3), diff_method="parameter-shift")
w = np.linspace(-1.1, 0.9, 6).reshape(2, 3)
e = node.compiled((w,), {})[0]
w = w.reshape(-1)  # (the entry takes its inputs flat)
d = np.zeros(0)
twin = types.SimpleNamespace(**{name: tiers._kernel_twins()[name]})
seen = []
real = twin.__dict__[name]


def spy(*args):  # the call's arguments: their plain signature is "listed on disk"
    seen.append(args)
    return real(*args)


e._k_grad = types.SimpleNamespace(**{name: spy})
ref = e.value_and_grad(w, d)
disp = getattr(kernels, name)
listed[id(disp)] = [tiers.plain_signature(seen[0])]
out = {}
for how, k in (("plain", tiers.PLAIN_KERNELS),
               ("guarded", types.SimpleNamespace(**{name: tiers._Guarded(disp, name)}))):
    before = tiers.twin_calls
    e._k_grad = k
    got = e.value_and_grad(w, d)
    out[how] = {"same": all(np.array_equal(np.asarray(a), np.asarray(b)) and
                            np.asarray(a).tobytes() == np.asarray(b).tobytes()
                            for a, b in zip(ref, got)),
                "twin_calls": tiers.twin_calls - before}
from numba.core import types as nbtypes
listed[id(getattr(kernels, parallel))] = [(nbtypes.int64,)]
parallel_runs = tiers.loads_without_compiling(parallel)
jobs = sorted(str(key[0]) for key in tiers._kernel_jobs)
compiles = [str(ev.data.get("dispatcher")) for _, ev in recorder.buffer]
print(json.dumps({"out": out, "attempts": len(attempts), "compiles": compiles,
                  "jobs": jobs, "loaded": bool(disp.overloads), "parallel_runs": parallel_runs}))
"""


def test_an_entry_kernel_whose_cache_file_does_not_load_runs_its_twin_not_a_compile():
    """adv69 #20: a damaged cache file of ``program_value_and_grad_into`` (numba's index
    lists the signature, its data file is refused) made the first parameter-shift gradient
    compile the kernel in the caller's thread (``_Plain``, and ``_Guarded`` on tier 0:
    numba's ``Dispatcher.compile`` compiles when the load fails): 4.8 s where 0.07 s is
    expected. Now no numba compile event is raised in that process (numba's own event
    recorder), the gradient is the twin's bit for bit, and the kernel is handed to a
    background compile (the refused file is never run: nothing is loaded). So for the
    parallel parameter-shift kernel a later gradient runs on tier 0."""
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QSYM_WARMUP="0", QSYM_TIER="python",
               PYTHONPATH=os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, text=True,
                          capture_output=True, timeout=600, cwd=str(repo))
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["attempts"] == 0 and got["compiles"] == [], got
    for how in ("plain", "guarded"):
        assert got["out"][how] == {"same": True, "twin_calls": 1}, got
    assert "program_value_and_grad_into" in got["jobs"] and not got["loaded"], got
    # a later gradient's parallel kernel (numba's threads) whose file does not load: not
    # run (the serial kernel is), compiled in the background
    assert got["parallel_runs"] is False and "program_value_and_grad_parallel" in got["jobs"]
