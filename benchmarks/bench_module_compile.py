#!/usr/bin/env python
"""CPU seconds numba spends compiling a new circuit's fused entry points (issue #17).

Usage::

    python benchmarks/bench_module_compile.py [--cases seed,hea4x2,hea12x8] [--table 0|1]
    python benchmarks/bench_module_compile.py --speed --cases hea4x2,hea12x8 --repeat 5

Each case runs in a fresh process (``--one CASE``) with numba's disk cache of the kernel
library warm and a new, empty cache folder for the circuit module (every run compiles the
module, as a new circuit does): the kernels its entry points call are loaded first (not
counted), then each fused entry point's first call is timed (process CPU, which on a
loaded machine is steadier than wall time) and numba's ``numba:compile`` events give each
compiled function's own CPU. ``--table`` sets ``QSYM_KERNEL_TABLE`` (1: the kernels
through qsym._kernel_table's pointers; 0: linked into the module, as before stop 65).
With ``--speed``, the compiled calls' CPU per call instead (the two forms' modules cached
in ``QSYM_CACHE_DIR``, one fresh process per form, alternated). ``--lines 0,1`` sets
``QSYM_LINE_INTRINSIC`` (1: the written-out lines as one numba intrinsic each,
qsym._linecode; 0: as Python wrote them, before stop 67), alternated with the table forms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CASES = {"seed": (1, 1, "seed"), "hea2x1": (2, 1, "hea"), "hea2x2": (2, 2, "hea"),
         "hea4x2": (4, 2, "hea"), "h2": (4, 0, "h2"), "hea12x8": (12, 8, "hea")}
ENTRIES = ("fused_value_into", "fused_value_and_grad_into", "fused_value_and_grad_adjoint_into")


def circuit(kind, n, layers):
    """``(qnode, args)``: bench_core's circuit (the seed, or the HEA with H = sum_i Z_i)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import numpy

    import bench_core
    import qsym as qml

    if kind == "h2":  # bench_latency's H2 VQE (examples/vqe_h2.py)
        import bench_latency

        node = bench_latency.build_qnode(qml, "h2", "default.qubit", "parameter-shift")
        return node, (qml.numpy.array([0.2], requires_grad=True),)
    spec = bench_core.CircuitSpec(kind, kind, n, 0 if kind == "seed" else layers)
    node = bench_core.build_qnode(qml, spec, "default.qubit", "parameter-shift")
    if kind == "seed":
        values = numpy.array([0.54, 0.12])
    else:
        values = numpy.random.default_rng(1).uniform(-1, 1, (layers, n, 2))
    return node, (bench_core.make_params(qml, values),)


def one(case):
    import numpy
    from numba.core.event import install_recorder

    from qsym import _kernels as kernels

    n, layers, kind = CASES[case]
    node, args = circuit(kind, n, layers)
    entry, xs, ds = node.compiled(args, {})
    mod = entry.module
    src = entry.source
    x = numpy.asarray(xs, dtype=float).ravel() if not hasattr(xs, "shape") else xs
    d = numpy.asarray(ds, dtype=float)
    # the kernels the module names, loaded first (the same in both forms; not counted)
    for name in ("program_value_into", "program_value_small_into", "program_value_and_grad_into",
                 "program_value_and_grad_small_into", "program_value_and_grad_adjoint_into",
                 "program_value_and_grad_adjoint_blocked_into"):
        if f"import {name} " in src:
            from qsym import _kernel_table as table
            getattr(kernels, name).compile(table.ENTRIES[name])
    out = numpy.empty(mod.NUM_OUTPUTS)
    jac = numpy.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))
    res = {"case": case, "table": os.environ.get("QSYM_KERNEL_TABLE", "1"),
           "lines": os.environ.get("QSYM_LINE_INTRINSIC", "1"),
           "written_out": bool(getattr(mod, "UNROLLED", False)),
           "adjoint_written_out": bool(getattr(mod, "ADJOINT_UNROLLED", False)), "entries": {}}
    for name in ENTRIES:
        with install_recorder("numba:compile") as rec:
            t0 = time.process_time()
            f = getattr(mod, name)
            f(x, d, out) if name == "fused_value_into" else f(x, d, out, jac)
            cpu = time.process_time() - t0
        funcs = {}
        for _ts, ev in rec.buffer:
            if ev.is_end:
                funcs[ev.data["dispatcher"].py_func.__qualname__] = None
        res["entries"][name] = {"cpu": round(cpu, 3), "compiled": sorted(funcs)}
    print(json.dumps(res))


def speed(case, calls=2000, reps=15):
    """Median CPU per call (thread time, us) of the case's compiled fused gradient and
    adjoint entry points, called from Python into preallocated arrays (module cached)."""
    import statistics

    import numpy


    n, layers, kind = CASES[case]
    node, args = circuit(kind, n, layers)
    entry, xs, ds = node.compiled(args, {})
    mod = entry.module
    x = numpy.asarray(xs, dtype=float).ravel()
    d = numpy.asarray(ds, dtype=float).ravel()
    out = numpy.empty(mod.NUM_OUTPUTS)
    jac = numpy.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))
    res = {"case": case, "table": os.environ.get("QSYM_KERNEL_TABLE", "1"),
           "lines": os.environ.get("QSYM_LINE_INTRINSIC", "1")}
    for name in ("fused_value_and_grad_into", "fused_value_and_grad_adjoint_into"):
        f = getattr(mod, name)
        f(x, d, out, jac)
        k = 10 if n >= 10 else calls
        xs_ = []
        for _ in range(reps):
            t0 = time.thread_time_ns()
            for _ in range(k):
                f(x, d, out, jac)
            xs_.append((time.thread_time_ns() - t0) / k / 1000)
        res[name] = round(statistics.median(xs_), 2)
    print(json.dumps(res), flush=True)


def _forms(a):
    """The (table, lines) forms to run, alternated."""
    return [(t, n) for t in ([a.table] if a.table else ["0", "1"]) for n in a.lines.split(",")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--one")
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--table", default=None)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--lines", default="1", help="QSYM_LINE_INTRINSIC forms to run: 1, 0 or 0,1")
    p.add_argument("--speed", action="store_true",
                   help="time the compiled calls instead (QSYM_CACHE_DIR used as it is)")
    a = p.parse_args()
    if a.one:
        return speed(a.one) if a.speed else one(a.one)
    if a.speed:
        for _ in range(a.repeat):
            for case in a.cases.split(","):
                for table, lines in _forms(a):
                    env = dict(os.environ, QSYM_KERNEL_TABLE=table, QSYM_TIER="compiled",
                               NUMBA_NUM_THREADS="1", QSYM_LINE_INTRINSIC=lines)
                    r = subprocess.run([sys.executable, __file__, "--one", case, "--speed"],
                                       env=env, capture_output=True, text=True)
                    print(r.stdout.strip() or r.stderr[-2000:], flush=True)
        return None
    for _ in range(a.repeat):
        for case in a.cases.split(","):
            for table, lines in _forms(a):
                folder = tempfile.mkdtemp(prefix="qsym-modcompile-")
                base = os.environ.get("QSYM_CACHE_DIR")
                env = dict(os.environ, QSYM_KERNEL_TABLE=table, QSYM_TIER="compiled",
                           QSYM_LINE_INTRINSIC=lines)
                if base:  # the kernels' cache: a copy of the base folder's numba files
                    shutil.rmtree(folder)
                    shutil.copytree(base, folder, ignore=shutil.ignore_patterns("qsym_gen_*", "__pycache__", "loop-source", "module-names", "*.lock"))
                env["QSYM_CACHE_DIR"] = folder
                r = subprocess.run([sys.executable, __file__, "--one", case], env=env,
                                   capture_output=True, text=True)
                print(r.stdout.strip() or r.stderr[-2000:], flush=True)
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
