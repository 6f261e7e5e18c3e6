#!/usr/bin/env python
"""Issue #16's speed check: bench_speed.py's qsym rows at two versions of qsym, interleaved.

Usage::

    git worktree add /tmp/wt-before dbe2875          # the version before the back-half redesign
    python benchmarks/bench_redesign.py --before /tmp/wt-before --after .   # ~10-20 min

For every row of ``bench_speed.py`` (the same circuits, built by its ``build_qnode``) and
both qsym methods (parameter shift, adjoint), each round starts one fresh process per
version, in the order A B A B ... (``--rounds`` pairs), so that both versions see the same
machine state; each process times every row with bench_speed's timing loop (one thread,
``qml.grad(circuit)(params)`` with a trainable ``qsym.numpy`` tensor, the compiled tier:
``QSYM_TIER=compiled``, which a version without tiers ignores). Before the rounds, one
untimed process per version fills its own qsym and numba caches (kept in ``--cache-dir``),
so no round compiles. Every gradient of every process must equal the first process's of
the other version to 1e-8 (an ``assert``: no time is reported for a wrong gradient). The
report gives, per row and method, the median over the rounds of each version's median, and
the ratio after / before (target: every row within 10%, ratio <= 1.10).

Writes ``redesign.md`` and ``redesign.json`` to ``--out-dir`` (default
``benchmarks/results``).
"""

from __future__ import annotations

import os
import sys

if "--child" not in sys.argv:  # before numpy / numba load; children inherit it
    for _v in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "MKL_NUM_THREADS"):
        os.environ[_v] = "1"

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
MARK = "BENCH_REDESIGN_JSON:"
TOL = 1e-8
LIMIT = 1.10
METHODS = ("parameter-shift", "adjoint")


def child(spec: dict) -> dict:
    """One process: every requested row, both methods, timed with bench_speed's loop."""
    import warnings
    from types import SimpleNamespace

    import bench_speed as bs
    warnings.simplefilter("ignore")
    qml = __import__("qsym")
    args = SimpleNamespace(repeats=spec["repeats"], target_time=spec["target_time"],
                           warmup=spec["warmup"], quick=False)
    out = {"qsym": str(Path(qml.__file__).parent), "rows": {}}
    for name in spec["rows"]:
        row = bs.ROWS[name]
        for dm in spec.get("methods", METHODS):
            node = bs.build_qnode(qml, row, "default.qubit", dm)
            p = qml.numpy.array(row.param_values(), requires_grad=True)
            t0 = time.perf_counter()
            g = bs.flat_grad(qml.grad(node)(p))
            first = time.perf_counter() - t0
            res = {"grad": g.tolist(), "first_s": first}
            if spec.get("cpu") and not spec.get("warm_only"):
                res.update(time_cpu(lambda node=node, p=p: qml.grad(node)(p), first, spec))
            elif not spec.get("warm_only"):
                t = bs.time_gradient(lambda node=node, p=p: qml.grad(node)(p), first, args)
                res.update(median_s=t.median_s, min_s=t.min_s, repeats=t.repeats,
                           calls=t.calls, other_cores=t.other_cores)
            out["rows"][f"{name}/{dm}"] = res
    return out


def time_cpu(fn, first_s: float, spec: dict) -> dict:
    """``--cpu``: process CPU time per call (``time.process_time``, which other processes on
    a shared machine disturb far less than wall time) beside the wall time: one untimed
    call, then ``repeats`` measurements of N calls each (N: about ``target_time`` s of
    calls, at least 1); ``median_s`` is the CPU median, ``wall_median_s`` the wall one."""
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(spec["target_time"] / one))
    cpu, wall = [], []
    for _ in range(spec["repeats"]):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            fn()
        cpu.append((time.process_time() - c0) / n)
        wall.append((time.perf_counter() - w0) / n)
    return {"median_s": statistics.median(cpu), "min_s": min(cpu), "cpu_s": cpu,
            "wall_median_s": statistics.median(wall), "wall_s": wall,
            "repeats": spec["repeats"], "calls": n}


def run(label: str, src: Path, cache: Path, spec: dict, timeout: float) -> dict:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(src), QSYM_CACHE_DIR=str(cache / label / "qsym"),
               NUMBA_CACHE_DIR=str(cache / label / "numba"), QSYM_TIER="compiled")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                           json.dumps(spec)], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd="/")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            res = json.loads(line[len(MARK):])
            res["wall_s"] = time.perf_counter() - t0
            return res
    raise SystemExit(f"{label} process failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def fmt(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, default=None,
                    help="source tree of version A (required)")
    ap.add_argument("--after", type=Path, default=HERE.parent, help="source tree of B")
    ap.add_argument("--before-label", default=None)
    ap.add_argument("--after-label", default=None)
    ap.add_argument("--rows", default="seed,hea4,hea8,hea12,hea16,hea20,crx6")
    ap.add_argument("--rounds", type=int, default=2, help="A B pairs (default 2: A B A B)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--target-time", type=float, default=0.2)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/qsym-redesign-cache"))
    ap.add_argument("--out-dir", type=Path, default=HERE / "results")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--no-warmup", action="store_true",
                    help="no untimed cache-filling process: round 1 compiles in its first "
                         "calls, which the timing excludes (saves minutes on a loaded machine)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help="comma list among parameter-shift,adjoint (default both)")
    ap.add_argument("--cpu", action="store_true",
                    help="time process CPU time per call (and wall time beside it): large "
                         "rows on a shared machine")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(MARK + json.dumps(child(json.loads(a.child))), flush=True)
        return 0
    if a.before is None:
        ap.error("--before is required: the source tree of the earlier version")

    def label(src, given):
        if given:
            return given
        rev = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "qsym"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (+ uncommitted qsym/ changes)" if dirty else "")

    versions = {"before": (a.before.resolve(), label(a.before, a.before_label)),
                "after": (a.after.resolve(), label(a.after, a.after_label))}
    rows = [r.strip() for r in a.rows.split(",") if r.strip()]
    spec = {"rows": rows, "repeats": a.repeats, "target_time": a.target_time, "warmup": 0.3,
            "cpu": a.cpu, "methods": [m.strip() for m in a.methods.split(",") if m.strip()]}
    up0 = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    t_start = time.perf_counter()
    ref = {}
    if not a.no_warmup:
        for v, (src, lab) in versions.items():  # untimed: fill the caches
            print(f"[redesign] warm-up {v} ({lab})", file=sys.stderr, flush=True)
            ref[v] = run(v, src, a.cache_dir, {**spec, "warm_only": True}, a.timeout)
    runs = {"before": [], "after": []}
    for k in range(a.rounds):
        for v, (src, lab) in versions.items():
            print(f"[redesign] round {k + 1}/{a.rounds}: {v}", file=sys.stderr, flush=True)
            runs[v].append(run(v, src, a.cache_dir, spec, a.timeout))
            ref.setdefault(v, runs[v][0])
    # every gradient against the other version's
    worst = 0.0
    for v, other in (("before", "after"), ("after", "before")):
        for r in runs[v]:
            for key, res in r["rows"].items():
                d = float(np.max(np.abs(np.array(res["grad"]) -
                                        np.array(ref[other]["rows"][key]["grad"]))))
                worst = max(worst, d)
                assert d <= TOL, f"{v} {key}: gradient differs from {other} by {d:.3e}"
    up1 = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    table, raw, fails = [], [], []
    for name in rows:
        for dm in spec["methods"]:
            key = f"{name}/{dm}"
            b = [r["rows"][key]["median_s"] for r in runs["before"]]
            f = [r["rows"][key]["median_s"] for r in runs["after"]]
            mb, mf = statistics.median(b), statistics.median(f)
            ratio = mf / mb
            ok = ratio <= LIMIT
            if not ok:
                fails.append(f"{name} {dm}")
            table.append(f"| {name} | {dm} | {fmt(mb)} | {fmt(mf)} | **{ratio:.2f}** | "
                         f"{'yes' if ok else '**no**'} | "
                         f"{' / '.join(fmt(x) for x in b)} | {' / '.join(fmt(x) for x in f)} |")
            raw.append({"row": name, "method": dm, "before_s": b, "after_s": f,
                        "ratio": ratio})
    lb, la = versions["before"][1], versions["after"][1]
    lines = [
        "# Issue #16's speed check: qsym before and after the back-half redesign\n",
        f"Command: `python benchmarks/bench_redesign.py {' '.join(sys.argv[1:])}`.\n",
        f"**before** = qsym at {lb}; **after** = qsym at {la}. bench_speed.py's rows, "
        "`qml.grad(circuit)(params)` (a trainable `qsym.numpy` tensor), one thread, "
        + (f"process CPU time (`--cpu`: {a.repeats} repeats of N calls of ≈ "
           f"{a.target_time:g} s after one untimed call; wall time in the JSON)"
           if a.cpu else
           f"bench_speed's timing loop ({a.repeats} repeats; a fast gradient is a loop of N "
           f"calls of ≈ {a.target_time:g} s after a warm-up of ≥ 2000 calls)")
        + ", the compiled "
        "tier (`QSYM_TIER=compiled`; *before* has no tiers). One fresh process per version "
        f"and round, interleaved A B A B ({a.rounds} rounds), "
        + ("caches filled beforehand by an untimed process per version" if not a.no_warmup
           else "no warm-up process (round 1 compiles in its first calls, not timed)")
        + ". Each cell: the median over the rounds of the "
        "process's median; ratio = after / before (< 1: after is faster; target ≤ "
        f"{LIMIT:.2f}). Every gradient equals the other version's to {TOL:g} (worst "
        f"{worst:.1e}).\n",
        "| row | method | before | after | after / before | within 10% | before, per round "
        "| after, per round |",
        "|---|---|---|---|---|---|---|---|",
        *table, "",
        ("Every row within 10%." if not fails else
         f"Outside 10%: {', '.join(fails)}."),
        "",
        f"Machine: `uptime` at start `{up0}`, at end `{up1}`; {os.cpu_count()} cores; run "
        f"time {(time.perf_counter() - t_start) / 60:.1f} min. The machine is shared: read "
        "the ratios (interleaved), not the times.\n",
    ]
    a.out_dir.mkdir(parents=True, exist_ok=True)
    (a.out_dir / "redesign.md").write_text("\n".join(lines))
    (a.out_dir / "redesign.json").write_text(json.dumps(
        {"before": lb, "after": la, "rows": raw, "runs": runs, "uptime": [up0, up1]},
        indent=1))
    print("\n".join(lines))
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
