#!/usr/bin/env python
"""qsym on Dask: one process against a 2-worker local cluster (issue 20).

Usage::

    pip install -e ".[distributed]"
    python benchmarks/bench_distributed.py [--repeats 5] [--steps 100] [--sweep 10000] \\
        [--out benchmarks/results/distributed.md]

Two workloads on the 8 x 8 hardware-efficient ansatz of bench_optimize.py (RY and RZ on
every wire, then a CNOT chain; H = sum_i Z_i; 128 parameters; adjoint gradients):

- **64 starts**: ``qml.minimize(hea, starts, multistart=True, steps=N,
  optimizer=AdamOptimizer(0.01))``, in one process on one thread (``threads=1``), in one
  process on two threads (``threads=2``, the default on 2 cores) and on a
  ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``
  (``executor=client``: 8 tasks of 8 starts);
- **a sweep of 10,000 parameter sets**: ``qml.sweep(hea, params)`` (values and
  gradients) in one process and with ``executor=client``.

Before any timing, the cluster's results must equal the one-process results exactly
(``np.array_equal``: the same compiled code runs), else the script stops. The workers'
first run (writing, importing and compiling the exported module, or loading numba's
cache for it) is timed and reported on its own; then the repeats are interleaved (each
repeat times every variant once) and the report gives medians. The overhead per task is
measured with tasks that do almost nothing: 64 one-step starts (in 8 tasks) and a
sweep of 64 parameter sets with one set per task (64 tasks), against the same work in
one process: (cluster - one process) / tasks x 2 workers. Everything runs with one numba thread per process.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as onp  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import qsym as qml  # noqa: E402

WIRES, LAYERS = 8, 8


def hea_qnode():
    dev = qml.device("default.qubit", wires=WIRES)
    H = qml.Hamiltonian([1.0] * WIRES, [qml.PauliZ(i) for i in range(WIRES)])

    @qml.qnode(dev, diff_method="adjoint")
    def hea(w):
        for layer in range(LAYERS):
            for i in range(WIRES):
                qml.RY(w[layer, i, 0], wires=i)
                qml.RZ(w[layer, i, 1], wires=i)
            for i in range(WIRES - 1):
                qml.CNOT(wires=[i, i + 1])
        return qml.expval(H)

    return hea


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--starts", type=int, default=64)
    ap.add_argument("--sweep", type=int, default=10_000)
    ap.add_argument("--out", default=str(HERE / "results" / "distributed.md"))
    a = ap.parse_args(argv)

    import distributed

    hea = hea_qnode()
    rng = onp.random.default_rng(7)
    starts = rng.uniform(-onp.pi, onp.pi, (a.starts, LAYERS, WIRES, 2))
    params = rng.uniform(-onp.pi, onp.pi, (a.sweep, LAYERS, WIRES, 2))
    opt = qml.AdamOptimizer(0.01)

    def ms(**kw):
        return qml.minimize(hea, starts, multistart=True, steps=a.steps, optimizer=opt,
                            progress=False, **kw)

    t_local_first, ref = timed(lambda: ms(threads=1))
    ref_v, ref_g = qml.sweep(hea, params)
    rows = {}
    t_cluster = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        t_cluster = time.perf_counter() - t_cluster
        t_first, res = timed(lambda: ms(executor=client))
        assert onp.array_equal(res.x, ref.x), "cluster multistart differs from one process"
        assert all(onp.array_equal(p, q) for p, q in zip(res.cost_history, ref.cost_history))
        t_sweep_first, (v, g) = timed(lambda: qml.sweep(hea, params, executor=client))
        assert onp.array_equal(v, ref_v) and onp.array_equal(g, ref_g), "sweep differs"
        variants = {
            "multistart, 1 process, threads=1": lambda: ms(threads=1),
            "multistart, 1 process, threads=2": lambda: ms(threads=2),
            "multistart, 2-worker cluster": lambda: ms(executor=client),
            "sweep, 1 process": lambda: qml.sweep(hea, params),
            "sweep, 2-worker cluster": lambda: qml.sweep(hea, params, executor=client),
            "overhead: 64 one-step starts on the cluster (8 tasks)": lambda: qml.minimize(
                hea, starts, multistart=True, steps=1, optimizer=opt, executor=client),
            "overhead: 64 one-step starts, 1 process": lambda: qml.minimize(
                hea, starts, multistart=True, steps=1, optimizer=opt, threads=1),
            "overhead: sweep of 64 sets, 1 per task (64 tasks), cluster": lambda: qml.sweep(
                hea, params[:64], executor=client, chunk=1),
            "overhead: sweep of 64 sets, 1 process": lambda: qml.sweep(hea, params[:64]),
        }
        times = {k: [] for k in variants}
        for _ in range(a.repeats):
            for k, fn in variants.items():
                times[k].append(timed(fn)[0])
        load = os.getloadavg()
    med = {k: statistics.median(v) for k, v in times.items()}
    for k in med:
        rows[k] = (med[k], min(times[k]), max(times[k]))
    write(a, rows, med, t_cluster, t_first, t_sweep_first, t_local_first, load)


def write(a, rows, med, t_cluster, t_first, t_sweep_first, t_local_first, load):
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    ms1, ms2 = med["multistart, 1 process, threads=1"], med["multistart, 2-worker cluster"]
    msT = med["multistart, 1 process, threads=2"]
    sw1, sw2 = med["sweep, 1 process"], med["sweep, 2-worker cluster"]
    ov_ms = (med["overhead: 64 one-step starts on the cluster (8 tasks)"]
             - med["overhead: 64 one-step starts, 1 process"]) / 8 * 2  # 8 tasks
    ov_sw = (med["overhead: sweep of 64 sets, 1 per task (64 tasks), cluster"]
             - med["overhead: sweep of 64 sets, 1 process"]) / 64 * 2
    lines = [
        "# qsym on Dask: one process against a 2-worker local cluster",
        "",
        f"`python benchmarks/bench_distributed.py` (qsym {qml.__version__}, commit {commit}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, dask "
        f"{__import__('dask').__version__}; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (a shared machine: other jobs ran).",
        "",
        f"8 x 8 HEA (128 parameters, adjoint), {a.starts} starts x {a.steps} Adam steps; "
        f"a sweep of {a.sweep} parameter sets (value and gradient). Medians of "
        f"{a.repeats} interleaved repeats (min, max). The cluster's results were checked "
        "equal to the one-process results (`np.array_equal`) before timing.",
        "",
        "| run | median s | min s | max s |",
        "|---|---|---|---|",
    ]
    for k, (m, lo, hi) in rows.items():
        lines.append(f"| {k} | {m:.3f} | {lo:.3f} | {hi:.3f} |")
    lines += [
        "",
        f"- **64 starts**: cluster vs one process on one thread: **{ms1 / ms2:.2f}x**; vs one "
        f"process on two threads (`threads=2`): {msT / ms2:.2f}x.",
        f"- **sweep of {a.sweep}**: cluster vs one process: **{sw1 / sw2:.2f}x**.",
        f"- **overhead per task** (two workers in parallel: (cluster - one process) / tasks "
        f"x 2): multistart {ov_ms * 1e3:.1f} ms, sweep chunk {ov_sw * 1e3:.1f} ms.",
        f"- once per cluster: starting it {t_cluster:.1f} s; the workers' first multistart "
        f"run (module written, imported, numba's cache loaded or compiled) {t_first:.1f} s, "
        f"the first sweep {t_sweep_first:.1f} s (one process's first run, same work: "
        f"{t_local_first:.1f} s).",
        "",
    ]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
