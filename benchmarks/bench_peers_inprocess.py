#!/usr/bin/env python
"""qsym's adjoint gradient and the compiled peers' side by side in ONE process (issue #19).

``bench_speed.py`` times each peer in its own process; on a loaded machine the ratios of
separate processes drift with the load. Here every side is built by ``bench_speed``'s
``make_case`` (the same circuits, the same gradient checks) in one process, the gradients
are checked equal to 1e-8 first, and the repeats are interleaved, timed in process CPU
time and wall time (medians; each measurement as many calls as fill ``--min-time``);
each peer's first call (trace + compile + one run) is
reported apart. One thread each: ``NUMBA_NUM_THREADS=1``, XLA without its thread pool.

Usage (a Python with qsym's dependencies and the peers: the ``.[bench]`` extras)::

    ROWS=hea16,hea20 PEERS=catalyst-adjoint,jax-lightning-adjoint \\
        python benchmarks/bench_peers_inprocess.py [--repeats 7]

qsym's parameter-shift gradient is timed beside its adjoint (``QSYM_PS=0``: not), and
every ratio is to qsym's best method's median CPU time. ``ROWS`` among bench_speed's rows
(seed, hea4, hea8, hea12, hea16, hea20, crx6), ``PEERS``
among its compiled methods (catalyst-adjoint, catalyst-ps, jax-bp, jax-lightning-adjoint,
tc-jax). Results of 2026-12-05 are in README ("Speed", issue #19) and docs/design.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")


def main(argv=None) -> int:
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.2,
                   help="seconds per measurement (as many calls as fill it, at least one)")
    a = p.parse_args(argv)
    sys.argv = [sys.argv[0], "--threads", "1"]  # bench_speed's thread settings: one
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy as np
    import bench_speed as B

    rows = os.environ.get("ROWS", "hea16").split(",")
    peers = [m for m in os.environ.get("PEERS", "catalyst-adjoint").split(",") if m]
    for rn in rows:
        row = B.ROWS[rn]
        cases = {"qsym-adjoint": B.make_case("qsym-adjoint", row)}
        reference = np.ravel(cases["qsym-adjoint"].grad())
        if os.environ.get("QSYM_PS", "1") == "1":  # qsym's other method (the best of both:
            # every ratio's reference)
            cases["qsym-ps"] = B.make_case("qsym-ps", row)
            g = np.ravel(np.asarray(cases["qsym-ps"].grad()))
            assert np.allclose(g, reference, atol=1e-8), (
                "qsym-ps", float(np.abs(g - reference).max()))
        for m in peers:
            t0, w0 = time.process_time(), time.perf_counter()
            case = B.make_case(m, row)
            g = np.ravel(np.asarray(case.grad()))
            cpu, wall = time.process_time() - t0, time.perf_counter() - w0
            assert np.allclose(g, reference, atol=1e-8), (m, float(np.abs(g - reference).max()))
            cases[m] = case
            print(f"{rn} {m}: first call {cpu:.2f} s CPU, {wall:.2f} s wall", flush=True)
        # calls per measurement: enough for about --min-time s each (a fast gradient timed
        # one call at a time measures the caches the other frameworks left cold)
        calls = {}
        for k, case in cases.items():
            w0, n = time.perf_counter(), 0
            while time.perf_counter() - w0 < 0.02 or n < 1:
                r = case.grad()
                if hasattr(r, "block_until_ready"):
                    r.block_until_ready()
                n += 1
            calls[k] = max(1, int(n * a.min_time / (time.perf_counter() - w0)))
        times = {k: [] for k in cases}
        for _ in range(a.repeats):
            for k, case in cases.items():
                t0, w0 = time.process_time(), time.perf_counter()
                for _ in range(calls[k]):
                    r = case.grad()
                    if hasattr(r, "block_until_ready"):
                        r.block_until_ready()
                times[k].append(((time.process_time() - t0) / calls[k],
                                 (time.perf_counter() - w0) / calls[k]))
        q = min(statistics.median(c for c, _ in times[k]) for k in times if k.startswith("qsym"))
        for k, v in times.items():
            cpu = statistics.median(c for c, _ in v)
            wall = statistics.median(w for _, w in v)
            print(f"{rn} {k}: median {1e6 * cpu:.1f} us CPU, {1e6 * wall:.1f} us wall"
                  f" ({calls[k]} calls a measurement)"
                  f" ({cpu / q:.2f}x qsym's best CPU time)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
