#!/usr/bin/env python
"""Exported modules on a fresh machine (issue #17, "Exported modules"): time from a new
process to the first gradient of ``qml.compile(...).export(path)``, imported where qsym
cannot be imported, cold (a new copy of the file in a new folder, an empty
``NUMBA_CACHE_DIR``) and warm (a second process on the same file and cache folder).

Usage::

    python benchmarks/bench_export.py                # seed, 12x8 HEA, both methods, 3 samples
    python benchmarks/bench_export.py --rows seed --samples 1 --out-dir /tmp/x
    python benchmarks/bench_export.py --modes auto,numba # also the compile-first mode (slow)

Writes ``export.md`` and ``export.json`` to ``--out-dir`` (default ``benchmarks/results``).

Per module:

cold
    ``--samples`` new processes, each on a new copy of the file in a new folder and an
    empty ``NUMBA_CACHE_DIR``: ``import numpy, numba`` (reported apart), ``import`` of
    the module, the first ``grad``. The first one (mode ``auto``) then waits for the
    background compile and the swap to numba (``wait_for_numba``) and checks that the
    compiled gradient has the same bits as the first one; the others stop after the first
    gradient and run with ``QSYM_EXPORT_TIER=python`` (the same first call: the background
    process starts after it; this leaves no process compiling behind);
warm
    ``--samples`` processes on the first cold process's file and cache folder: import, first ``grad`` (a small
    circuit's in plain Python while a thread loads the cached code, a large one's
    compiled), then, once the module runs compiled, numba's ``cache_misses`` /
    ``cache_hits`` summed over the module's jitted functions (0 misses: nothing compiled).

Modes (``QSYM_EXPORT_TIER``): ``auto`` (the default: the plain-Python tier first, numba
compiled in a background process), ``numba`` (compile at the first call, in the caller:
what exports did before the tiers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

SHAPES = {"seed": (2,), "hea12": (8, 12, 2)}
METHODS = ("parameter-shift", "adjoint")

# the child: no qsym; times from its own start; prints one JSON line
CHILD = r'''
import sys, time, json
t0 = time.perf_counter()
sys.modules["qsym"] = None
import numpy as np
import numba
t1 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import importlib
m = importlib.import_module(sys.argv[2])
t2 = time.perf_counter()
shape = tuple(json.loads(sys.argv[3]))
x = np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape)
g = m.grad(x)
t3 = time.perf_counter()
out = {"numpy_numba_s": t1 - t0, "import_s": t2 - t1, "first_grad_s": t3 - t2,
       "to_first_grad_s": t3 - t0, "tier": m.tier(), "grad": np.ravel(g).tolist()}
if sys.argv[4] == "wait" and m.tier() == "python":
    ok = m.wait_for_numba()
    t4 = time.perf_counter()
    g2 = m.grad(x)
    out.update(swap_s=t4 - t0, swapped=ok, tier_after=m.tier(),
               same_bits=bool(np.array_equal(np.ravel(g2), np.ravel(g))))
jitted = [f for f in vars(m).values() if hasattr(f, "stats")]
out["misses"] = sum(sum(f.stats.cache_misses.values()) for f in jitted)
out["hits"] = sum(sum(f.stats.cache_hits.values()) for f in jitted)
print(json.dumps(out))
'''


def export_modules(rows, out: Path) -> dict:
    import qsym as qml
    from bench_speed import ROWS, build_qnode

    paths = {}
    for row in rows:
        for method in METHODS:
            node = build_qnode(qml, ROWS[row], "default.qubit", method)
            x = np.linspace(0.1, 0.9, int(np.prod(SHAPES[row]))).reshape(SHAPES[row])
            name = f"{row}_{method.replace('-', '_')}"
            paths[(row, method)] = qml.compile(node, x).export(out / f"{name}.py")
    return paths


def run_child(folder: str, name: str, shape, wait: bool, env: dict) -> dict:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CHILD, folder, name, json.dumps(list(shape)),
                        "wait" if wait else "no"], capture_output=True, text=True, env=env,
                       timeout=3600)
    if r.returncode != 0:
        raise RuntimeError(f"{name}: {r.stderr[-3000:]}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    res["wall_s"] = time.perf_counter() - t
    return res


def case(path: Path, row: str, mode: str, samples: int, cold_only: bool = False) -> list:
    """``samples`` cold processes, each on a new copy of the file and an empty cache folder
    (the first one waits for the swap: mode ``auto``; the others stop after the first
    gradient, with the background compile left out (``QSYM_EXPORT_TIER=python``: the same
    first call, no process left compiling); then ``samples`` warm processes on the first
    one's file and cache folder."""
    folders = []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = []
    try:
        for i in range(samples):
            folder = tempfile.mkdtemp(prefix="qsym-export-bench-")
            cache = tempfile.mkdtemp(prefix="qsym-export-numba-")
            folders += [folder, cache]
            shutil.copy(path, folder)
            tier = mode if (i == 0 and not cold_only or mode != "auto") else "python"
            e = dict(env, NUMBA_CACHE_DIR=cache, QSYM_EXPORT_TIER=tier)
            cold = run_child(folder, path.stem, SHAPES[row], tier == "auto", e)
            out.append({"cold": cold})
            if i == 0:
                first_env, first_folder = e, folder
        for i in range(0 if cold_only else samples):
            warm = run_child(first_folder, path.stem, SHAPES[row], mode == "auto", first_env)
            out[i]["warm"] = warm
            if warm["grad"] != out[0]["cold"]["grad"]:
                raise RuntimeError(f"{path.stem}: a warm gradient differs from the cold one")
    finally:
        for f in folders:
            shutil.rmtree(f, ignore_errors=True)
    return out


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def report(results, args) -> str:
    lines = [
        "# Exported modules: cold and warm start (issue #17)", "",
        f"`python benchmarks/bench_export.py --rows {args.rows} --samples {args.samples} "
        f"--modes {args.modes}{' --cold-only' if args.cold_only else ''}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, "
        f"{os.cpu_count()} cores, load average at start {args.load}; numba "
        f"{__import__('numba').__version__}, numpy {np.__version__}; qsym at commit "
        f"{args.commit}; load average at the end {args.load_end}.", "",
        "Each sample: a new copy of the exported file in a new folder and an empty "
        "`NUMBA_CACHE_DIR`, imported in a process where `import qsym` fails. Seconds, "
        f"medians of {args.samples} samples (min-max in brackets). *To first grad*: from the "
        "process's start (numpy and numba imports included) to the first gradient returned. "
        "*Swap* (first sample only): from the process's start until the background compile has "
        "finished and the module runs compiled. *Warm*: later processes on the first "
        "sample's file and cache folder.", "",
        "| module | mode | cold: import | cold: first grad | cold: to first grad | tier | "
        "swap | same bits after swap | warm: to first grad | warm: misses / hits |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(vals):
        vals = [v for v in vals if v is not None]
        if not vals:
            return "-"
        return f"{med(vals):.2f} [{min(vals):.2f}-{max(vals):.2f}]" if len(vals) > 1 else \
            f"{vals[0]:.2f}"

    def same(cold):
        checked = [c["same_bits"] for c in cold if "same_bits" in c]
        return "-" if not checked else ("yes" if all(checked) else "NO")

    for (row, method, mode), samples in results.items():
        cold = [s["cold"] for s in samples]
        warm = [s["warm"] for s in samples if "warm" in s]
        lines.append(
            f"| {row} {method} | {mode} | {cell([c['import_s'] for c in cold])} | "
            f"{cell([c['first_grad_s'] for c in cold])} | "
            f"{cell([c['to_first_grad_s'] for c in cold])} | "
            f"{'/'.join(sorted({c['tier'] for c in cold}))} | "
            f"{cell([c.get('swap_s') for c in cold])} | "
            f"{same(cold)} | "
            f"{cell([w['to_first_grad_s'] for w in warm])} | "
            + (f"{max(w['misses'] for w in warm)} / {min(w['hits'] for w in warm)} |" if warm
               else "- |"))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="seed,hea12", help="seed, hea12 (comma-separated)")
    p.add_argument("--modes", default="auto", help="auto, numba (comma-separated)")
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--out-dir", default=str(HERE / "results"))
    p.add_argument("--cold-only", action="store_true",
                   help="cold processes only (no swap, no warm processes: minutes less)")
    args = p.parse_args(argv)
    args.load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    rows = [r for r in args.rows.split(",") if r]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    src = Path(tempfile.mkdtemp(prefix="qsym-export-src-"))
    paths = export_modules(rows, src)
    results = {}
    for mode in [m for m in args.modes.split(",") if m]:
        for (row, method), path in paths.items():
            samples = case(path, row, mode, args.samples, args.cold_only)
            for i, s in enumerate(samples):
                warm = s.get("warm", {})
                print(f"{row} {method} {mode} #{i}: cold {s['cold']['to_first_grad_s']:.2f} s "
                      f"({s['cold']['tier']}), swap {s['cold'].get('swap_s', float('nan')):.1f} s, "
                      f"warm {warm.get('to_first_grad_s', float('nan')):.2f} s, misses "
                      f"{warm.get('misses')}", flush=True)
            results[(row, method, mode)] = samples
    args.load_end = " ".join(f"{v:.1f}" for v in os.getloadavg())
    args.commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip() or "?"
    def drop_grads(s):  # the gradients were compared above; the figures are what is kept
        return {k: {f: v for f, v in d.items() if f != "grad"} for k, d in s.items()}

    (out / "export.json").write_text(json.dumps(
        [{"row": r, "method": m, "mode": mo, "samples": [drop_grads(x) for x in s]}
         for (r, m, mo), s in results.items()], indent=1))
    (out / "export.md").write_text(report(results, args))
    print((out / "export.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
