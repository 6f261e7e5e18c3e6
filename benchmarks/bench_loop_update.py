"""The compiled loop's step time and bits, before/after a change of the loop template
(issue #17, stop 69: the optimizer update compiled once, ``qsym/_loop_update.py``).

    PYTHONPATH=. [BENCH_ROWS=seed] python benchmarks/bench_loop_update.py BASE_MINIMIZE_PY [ROUNDS]
    PYTHONPATH=. BENCH_COMPILE=5 python benchmarks/bench_loop_update.py BASE_MINIMIZE_PY

``BASE_MINIMIZE_PY``: the other tree's ``qsym/_minimize.py`` (e.g. ``git show
main:qsym/_minimize.py > /tmp/m.py``), loaded as a sibling module of this qsym so that its
loop texts import this tree's circuit modules and kernels. For bench_optimize's seed (from
(0.54, 0.12), 10 000 steps: the two-parameter rotation, both methods) and the 4x4 HEA
adjoint (2000 steps), every optimizer: both loop modules compiled (their compile's thread
CPU printed), then ``run`` timed in interleaved rounds (thread CPU per step, medians),
the final point and both histories compared bit for bit (an ``assert``).
"""

import hashlib
import importlib.util
import os
import statistics
import sys
import time

os.environ.setdefault("QSYM_TIER", "compiled")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import qsym as qml  # noqa: E402
from qsym import _cache as cache  # noqa: E402
from qsym import _minimize as after  # noqa: E402
from qsym import _tiers as tiers  # noqa: E402

# hp: stepsize, momentum, decay, eps, beta1, beta2 (bench_optimize's loop rows)
HP = np.array([0.01, 0.9, 0.9, 1e-8, 0.9, 0.99])
KINDS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def _base(path):
    spec = importlib.util.spec_from_file_location("qsym._minimize_base", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _problems():
    dev1 = qml.device("default.qubit", wires=1)
    out = []
    for method in ("parameter-shift", "adjoint"):
        @qml.qnode(dev1, diff_method=method)
        def seed(x):
            qml.RX(x[0], wires=0)
            qml.RY(x[1], wires=0)
            return qml.expval(qml.PauliZ(0))
        out.append((f"seed {method}", seed, method, np.array([0.54, 0.12]), 10000))
    dev4 = qml.device("default.qubit", wires=4)

    @qml.qnode(dev4, diff_method="adjoint")
    def hea(x):
        for layer in range(4):
            for w in range(4):
                qml.RY(x[8 * layer + 2 * w], wires=w)
                qml.RZ(x[8 * layer + 2 * w + 1], wires=w)
            for w in range(3):
                qml.CNOT(wires=[w, w + 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    out.append(("hea4x4 adjoint", hea, "adjoint", np.linspace(0.1, 1.2, 32), 2000))
    return out


def _compiled(text, entry):
    tiers.loaded(entry.module)
    t = time.thread_time()
    mod = cache.load_module(text)
    mod._q_compile()
    return mod, time.thread_time() - t


def _run(mod, x0, kind, steps):
    x, s1, s2 = x0.copy(), np.zeros(x0.shape[0]), np.zeros(x0.shape[0])
    cost, gn = np.zeros(steps + 1), np.zeros(steps + 1)
    t = time.thread_time()
    mod.run(x, np.zeros((1, 0)), np.zeros(1), 0, kind, HP, s1, s2, 0, steps, True, 0.0,
            cost, gn)
    dt = time.thread_time() - t
    return dt / steps * 1e9, hashlib.sha256(x.tobytes() + cost.tobytes() + gn.tobytes()).hexdigest()


def compile_times(base, count):
    """Thread CPU of compiling ``count`` new circuits' loop modules (a one-wire circuit with
    a different constant gate each), with each tree's template, alternating, per method;
    the update compiled (or loaded) first."""
    dev1 = qml.device("default.qubit", wires=1)
    salt = time.time() % 1.0  # (new circuits: nothing of an earlier run in the cache)
    for method in ("parameter-shift", "adjoint"):
        times = {"before": [], "after": []}
        for i in range(count + 1):
            @qml.qnode(dev1, diff_method=method)
            def node(x, c=0.05 * (i + 1) + (0.5 if method == "adjoint" else 0.0) + salt):
                qml.RX(x[0], wires=0)
                qml.RZ(c, wires=0)
                qml.RY(x[1], wires=0)
                return qml.expval(qml.PauliZ(0))
            entry = node.compiled((np.array([0.54, 0.12]),), {}, diff=(0,))[0]
            for tag, which in (("before", base), ("after", after)):
                sec = _compiled(which.loop_source(entry, method), entry)[1]
                if i:  # (the first: numba's and the update's first compiles)
                    times[tag].append(sec)
        print(f"{method}: loop module compile, thread CPU s, before "
              f"{sorted(round(t, 2) for t in times['before'])}, after "
              f"{sorted(round(t, 2) for t in times['after'])}; medians "
              f"{statistics.median(times['before']):.2f} -> {statistics.median(times['after']):.2f}",
              flush=True)


def main():
    base = _base(sys.argv[1])
    if os.environ.get("BENCH_COMPILE"):  # BENCH_COMPILE=N: compile times of N new circuits
        compile_times(base, int(os.environ["BENCH_COMPILE"]))
        return
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    only = os.environ.get("BENCH_ROWS")  # e.g. "seed": the rows whose name starts so
    for name, node, method, x0, steps in _problems():
        if only and not name.startswith(only):
            continue
        entry = node.compiled((x0,), {}, diff=(0,))[0]
        mods = {}
        for tag, which in (("before", base), ("after", after)):
            mods[tag], sec = _compiled(which.loop_source(entry, method), entry)
            print(f"{name}: {tag} loop module compile (or load) {sec:.2f} s of thread CPU")
        for kind, kname in enumerate(KINDS):
            times = {"before": [], "after": []}
            digests = set()
            for _ in range(rounds):
                for tag in ("before", "after"):
                    ns, digest = _run(mods[tag], x0, kind, steps)
                    times[tag].append(ns)
                    digests.add(digest)
            assert len(digests) == 1, f"{name} {kname}: the bits differ"
            b, a = (statistics.median(times[t]) for t in ("before", "after"))
            print(f"{name} {kname}: before {b:.1f} ns, after {a:.1f} ns a step "
                  f"(after/before {a / b:.3f}); bits equal", flush=True)


if __name__ == "__main__":
    main()
