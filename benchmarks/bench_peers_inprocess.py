#!/usr/bin/env python
"""qsym's adjoint gradient and the compiled peers' side by side in ONE process (issue #19).

``bench_speed.py`` times each peer in its own process; on a loaded machine the ratios of
separate processes drift with the load. Here every side is built by ``bench_speed``'s
``make_case`` (the same circuits, the same gradient checks) in one process, the gradients
are checked equal to 1e-8 first, and the repeats are interleaved, timed in process CPU
time and wall time (medians); each peer's first call (trace + compile + one run) is
reported apart. One thread each: ``NUMBA_NUM_THREADS=1``, XLA without its thread pool.

Usage (a Python with qsym's dependencies and the peers: the ``.[bench]`` extras)::

    ROWS=hea16,hea20 PEERS=catalyst-adjoint,jax-lightning-adjoint \\
        python benchmarks/bench_peers_inprocess.py [--repeats 7]

``ROWS`` among bench_speed's rows (seed, hea4, hea8, hea12, hea16, hea20, crx6), ``PEERS``
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
        for m in peers:
            t0, w0 = time.process_time(), time.perf_counter()
            case = B.make_case(m, row)
            g = np.ravel(np.asarray(case.grad()))
            cpu, wall = time.process_time() - t0, time.perf_counter() - w0
            assert np.allclose(g, reference, atol=1e-8), (m, float(np.abs(g - reference).max()))
            cases[m] = case
            print(f"{rn} {m}: first call {cpu:.2f} s CPU, {wall:.2f} s wall", flush=True)
        times = {k: [] for k in cases}
        for _ in range(a.repeats):
            for k, case in cases.items():
                t0, w0 = time.process_time(), time.perf_counter()
                r = case.grad()
                if hasattr(r, "block_until_ready"):
                    r.block_until_ready()
                times[k].append((time.process_time() - t0, time.perf_counter() - w0))
        q = statistics.median(c for c, _ in times["qsym-adjoint"])
        for k, v in times.items():
            cpu = statistics.median(c for c, _ in v)
            wall = statistics.median(w for _, w in v)
            print(f"{rn} {k}: median {1e3 * cpu:.2f} ms CPU, {1e3 * wall:.2f} ms wall"
                  f" ({cpu / q:.2f}x qsym's CPU time)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
