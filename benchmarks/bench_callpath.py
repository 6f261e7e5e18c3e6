#!/usr/bin/env python
"""Where the microseconds of the seed's ``qml.grad(circuit)(params)`` go, step by step.

Usage::

    python benchmarks/bench_callpath.py            # ~1 min; prints a Markdown table

The seed (1 wire, RX RY, <Z0>, parameter shift), ``params`` a trainable ``qsym.numpy``
tensor, the compiled tier (``QSYM_TIER=compiled``: the fused entry point from the first
call). Each line times one callable that does one step more than the line before, so the
differences are the steps' costs. Times are this thread's CPU time
(``time.thread_time_ns``), min and median over 21 loops of 20000 calls: on a shared,
loaded machine, CPU time is far steadier than wall time (waiting for a core is not
counted), which is what a per-step breakdown needs; the wall-time comparison with the
peers is bench_speed.py's.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QSYM_TIER", "compiled")
for _v in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_v, "1")


def timed(fn, n=20000, reps=21):
    xs = []
    for _ in range(reps):
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        xs.append((time.thread_time_ns() - t0) / n)
    return min(xs), statistics.median(xs)


def main() -> int:
    import numpy as onp

    import qsym as qml
    from qsym import numpy as np
    from qsym import _runtime as runtime

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    p = np.array([0.54, 0.12], requires_grad=True)
    for _ in range(3000):
        qml.grad(circuit)(p)
    entry = circuit._last
    fast = circuit._grad_fast
    assert fast is not None, "the short path is not in use"
    run = fast[4]
    g = qml.grad(circuit)
    x = p.view(onp.ndarray)
    d = onp.zeros(0)
    vg = entry.value_and_grad
    into = getattr(vg, "fused", None)
    out, jac = onp.empty(1), onp.empty((1, 2))

    def full_path():
        circuit._grad_fast = None
        return g(p)

    steps = [
        ("kernel: the fused numba call into given arrays", lambda: into(x, d, out, jac)
         if into is not None else None),
        ("+ entry point: two result arrays made (`entry.value_and_grad`)",
         lambda: vg(x, d)),
        ("+ dispatch: tensor to ndarray view, device counts (the short path's direct call)",
         lambda: run(p)),
        ("+ short path: remembered-signature checks, `forward`, `jac[0]` (`grad._fast`)",
         lambda: g._fast(circuit, fast, p)),
        ("+ `grad.__call__` (derivative object reused)", lambda: g(p)),
        ("+ `qml.grad(circuit)`: a new derivative object per call (the seed's spelling)",
         lambda: qml.grad(circuit)(p)),
    ]
    rows = []
    prev = 0.0
    for name, fn in steps:
        mn, md = timed(fn)
        rows.append(f"| {name} | {mn:.0f} | {md:.0f} | {mn - prev:+.0f} |")
        prev = mn
    mn, md = timed(lambda: qml.grad(circuit))
    rows.append(f"| (of which `qml.grad(circuit)` alone: object made and dropped) | {mn:.0f} | "
                f"{md:.0f} | |")
    mn, md = timed(lambda: runtime.classify((p,), {}, None, (), ()))
    rows.append(f"| the full path's argument classification (`classify`), not on the short "
                f"path | {mn:.0f} | {md:.0f} | |")
    mn, md = timed(full_path, n=5000)
    rows.append(f"| the full path, `g(p)` (classify, cache lookup, execute), for comparison "
                f"| {mn:.0f} | {md:.0f} | |")
    print(f"qsym {qml.__file__}; tier {entry.tier}; numba {__import__('numba').__version__}; "
          f"python {sys.version.split()[0]}\n")
    print("| step (cumulative) | min ns | median ns | step (min) |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
