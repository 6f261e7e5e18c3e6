"""Where two threads lose time on one large adjoint gradient: each step of the blocked
adjoint's team (a pass, the measurement, a serial step) timed per member, one thread
against two (issue #19; benchmarks/results/par67-2026-12-07.md).

A copy of ``qsym/_kernels.py`` (and ``_locks.py``) is written to a temporary package and
instrumented there (qsym itself is not changed): every member's entry into and exit from
``_wait`` (the end of its share of a step, the end of the step) is stamped with the cycle
counter (``llvm.readcyclecounter``) into spare slots of the team's ``sync`` array, which
the driver copies into the spare lambda of the caller's work memory after the parallel
region. The HEA rows' prepared arrays come from a qsym QNode (tier 0: no kernel library
needed); the copy's parallel entry point compiles once (a few minutes on a loaded machine,
cached in the copy's folder).

    python benchmarks/adjoint_step_timeline.py --rows hea16 --repeats 60 [--tsc-ghz 2.55]

(run it under ``chrt -f 10`` for the emulated free cores of the reports). Per step: one
thread's time, each of two members' work and wait, and the step's speed-up (one thread's
time over the slower member's work + wait). The instrumented copy checks its results
bit for bit on one and two threads, and against the QNode's gradient, first. The patch is a set of
exact text replacements: if ``_kernels.py`` has changed under them, the script says which
one no longer matches."""
from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
_SLOTS = 100_000  # where the stamps start in the team's sync array
_PATCH = [
    ("@_compiled_as(lambda: lambda: _threads_now())", '''@intrinsic
def _tsc(typingctx):
    def codegen(context, builder, signature, args):
        fn = _cgutils.get_or_insert_function(
            builder.module, _llvm_ir.FunctionType(_llvm_ir.IntType(64), []),
            "llvm.readcyclecounter")
        return builder.call(fn, [])
    return _nbtypes.int64(), codegen


@_compiled_as(lambda: lambda: _threads_now())'''),
    ('''    spins = 0
    while team_read(sync, 5 + 4 * s) < count:''', f'''    spins = 0
    sync[{_SLOTS} + 1024 * numba.get_thread_id() + 512 + s] = _tsc()
    while team_read(sync, 5 + 4 * s) < count:'''),
    ('''            spins = 0
    return True


@njit(cache=True)
def _permute_step(''', f'''            spins = 0
    sync[{_SLOTS} + 1024 * numba.get_thread_id() + s] = _tsc()
    return True


@njit(cache=True)
def _permute_step('''),
    ("    sync = np.zeros(2 + 4 * (4 + plan[0].shape[0] * (6 + 2 * n_out)), dtype=np.int64)",
     f"    sync = np.zeros({_SLOTS} + 2049, dtype=np.int64)"),
    ('''    for t in prange(team):
        _blocked_member(sync, np.int64(t), prog, work, plan, meas)''', f'''    sync[{_SLOTS} + 2048] = _tsc()
    for t in prange(team):
        _blocked_member(sync, np.int64(t), prog, work, plan, meas)
    for i in range(2049):
        lother[0, i] = sync[{_SLOTS} + i] - sync[{_SLOTS} + 2048]'''),
]


def instrumented_copy(folder: Path):
    """The instrumented kernels module, written into ``folder`` (a package of its own)."""
    pkg = folder / "qsym_timeline"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    shutil.copy(ROOT / "qsym" / "_locks.py", pkg / "_locks.py")
    src = (ROOT / "qsym" / "_kernels.py").read_text()
    for old, new in _PATCH:
        if src.count(old) != 1:
            raise SystemExit(f"adjoint_step_timeline: qsym/_kernels.py no longer has (once): "
                             f"{old.splitlines()[0]!r}; update _PATCH")
        src = src.replace(old, new)
    if (pkg / "_kernels.py").exists() and (pkg / "_kernels.py").read_text() == src:
        pass  # (unchanged: numba's cache in the folder stays valid)
    else:
        (pkg / "_kernels.py").write_text(src)
    sys.path.insert(0, str(folder))
    return importlib.import_module("qsym_timeline._kernels")


def prepared(row_name: str):
    """The HEA row's prepared arrays for the adjoint kernels (bench_speed's QNode)."""
    os.environ.setdefault("QSYM_TIER", "python")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    argv = sys.argv
    sys.argv = [argv[0], "--child"]  # (bench_speed parses nothing on import as a child)
    try:
        import bench_speed as bs
    finally:
        sys.argv = argv
    import qsym as qml
    from qsym._shapes import flat as qflat

    row = bs.ROWS[row_name]
    node = bs.build_qnode(qml, row, "default.qubit", "adjoint")
    p = qml.numpy.array(row.param_values(), requires_grad=True)
    grad = np.asarray(qml.grad(node)(p), dtype=float).ravel()
    entry, xs, ds = node.compiled((p,), {})
    x = np.asarray(qflat(xs), dtype=float).ravel()
    d = np.asarray(qflat(ds), dtype=float).ravel()
    mats, dmats, ch, C, cc, _ = entry._prepare_adjoint(x, d)
    return (row.wires, entry.module.NUM_OUTPUTS, grad,
            (entry._ints, entry._floats, mats, dmats, ch, C, cc))


def steps(stamps, member, tsc_hz):
    """Member ``member``'s (work, wait) per step, in seconds."""
    leave = stamps[1024 * member : 1024 * member + 512]
    enter = stamps[1024 * member + 512 : 1024 * member + 1024]
    n = int(np.nonzero(leave > 0)[0].max()) + 1 if (leave > 0).any() else 0
    work, wait, prev = [], [], 0.0
    for s in range(n):
        work.append((enter[s] - prev) / tsc_hz)
        wait.append((leave[s] - enter[s]) / tsc_hz)
        prev = leave[s]
    return np.array(work), np.array(wait)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="hea16")
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--tsc-ghz", type=float, default=2.55, help="the cycle counter's rate")
    ap.add_argument("--folder", default=str(Path(tempfile.gettempdir()) / "qsym_timeline"))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import numba

    K = instrumented_copy(Path(args.folder))
    hz = args.tsc_ghz * 1e9
    for rn in args.rows.split(","):
        n, n_out, grad, arrays = prepared(rn)
        dim = 1 << n
        work = np.empty(K.adjoint_work_size(n, n_out, arrays[2].shape[0]), dtype=complex)
        out = (2 + n_out) * dim  # the spare lambda (one output)
        if n_out != 1:
            raise SystemExit("adjoint_step_timeline: rows of one output only (the stamps "
                             "are copied into the spare lambda)")
        runs, first = {1: [], 2: []}, {}
        for r in range(args.repeats + 1):
            for threads in (1, 2):
                numba.set_num_threads(threads)
                t0 = time.perf_counter()
                got = K.program_value_and_grad_adjoint_parallel(*arrays, work)
                wall = time.perf_counter() - t0
                if r == 0:  # (the first: compiles; checked)
                    first[threads] = [np.array(a) for a in got]
                    continue
                runs[threads].append((wall, work[out : out + 2049].real.copy()))
        # two threads bit for bit one; the gradient the QNode's (tier 0's kernels)
        assert all(np.array_equal(a, b) for a, b in zip(first[1], first[2])), "bits differ"
        np.testing.assert_allclose(first[1][1].ravel(), grad, rtol=0, atol=1e-10)
        w1 = np.median([steps(s, 0, hz)[0] for _, s in runs[1]], axis=0)
        two = [[steps(s, m, hz) for m in (0, 1)] for _, s in runs[2]]
        print(f"{rn}: wall 1 thread {statistics.median(w for w, _ in runs[1]) * 1e3:.3f} ms, "
              f"2 threads {statistics.median(w for w, _ in runs[2]) * 1e3:.3f} ms "
              f"({args.repeats} repeats, medians per step, microseconds)")
        print("| step | 1 thread | member 0: work / wait | member 1: work / wait | speed-up |")
        print("|---|---|---|---|---|")
        for s in range(len(w1)):
            m = [(np.median([t[i][0][s] for t in two]), np.median([t[i][1][s] for t in two]))
                 for i in (0, 1)]
            slow = max(m[0][0] + m[0][1], m[1][0] + m[1][1])
            print(f"| {s} | {w1[s] * 1e6:.1f} | {m[0][0] * 1e6:.1f} / {m[0][1] * 1e6:.1f} | "
                  f"{m[1][0] * 1e6:.1f} / {m[1][1] * 1e6:.1f} | {w1[s] / slow:.2f}× |")


if __name__ == "__main__":
    main()
