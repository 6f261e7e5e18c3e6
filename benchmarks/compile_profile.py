"""Where a cold compile of qsym's kernel library goes (issue #17): CPU per numba function,
per compiler pass and per LLVM phase, exclusive of nested compiles (thread CPU, one stack
per thread).

    QSYM_CACHE_DIR=/tmp/fresh python benchmarks/compile_profile.py OUT.json KERNEL [KERNEL ...]
    python benchmarks/compile_profile.py --show OUT.json [ROWS]

KERNEL: a ``qsym warmup`` step's kernel (``_cli._WARMUP_STEPS``, ``_WARMUP_EXTRA_STEPS``),
compiled as ``qsym warmup`` compiles it; use a fresh ``QSYM_CACHE_DIR`` (an empty folder) so
that nothing is loaded. Measured with ``time.thread_time`` (the total:
``time.process_time``): a listener on numba's ``numba:compile`` and ``numba:run_pass``
events, and numba's ``CPUCodeLibrary`` ``_optimize_functions`` (LLVM function passes), ``_optimize_final_module`` (module passes,
after the callees' IR is linked in), ``finalize`` and ``JITCodeLibrary._finalize_specific``
(machine code) wrapped. ``nsig``: the number of signatures a function was compiled for (more
than one in the library is a specialisation leak: tests/test_kernels.py). ``KSIZE=1`` also
records each library's linked module size (slower). Results:
benchmarks/results/suite-time-2026-12-06.md (stop 59).
"""

import json
import os
import sys
import threading
import time
import types
from collections import defaultdict

from numba.core import codegen as cg
from numba.core import event as ev

clock = time.thread_time  # per thread: a background thread's loads keep their own stack
_local = threading.local()


class _Stack:
    """The calling thread's frames: [kind, name, t0, child] (numba's events of two threads,
    a compile and the warm-up thread's loads, interleave: one stack broke, stop 67)."""

    def __getattr__(self, attr):
        if not hasattr(_local, "frames"):
            _local.frames = []
        return getattr(_local.frames, attr)

    def __bool__(self):
        return bool(getattr(_local, "frames", None))

    def __len__(self):
        return len(getattr(_local, "frames", ()))

    def __getitem__(self, i):
        return _local.frames[i]

    def __reversed__(self):
        return reversed(getattr(_local, "frames", []))


stack = _Stack()
excl = defaultdict(float)      # (kind, name) -> exclusive
incl_fn = defaultdict(float)   # function -> inclusive compile
fn_phase = defaultdict(float)  # (function, phase) -> exclusive
nsig = defaultdict(int)
sizes = {}

def cur_fn():
    for f in reversed(stack):
        if f[0] == "compile":
            return f[1]
    return "-"

def push(kind, name):
    stack.append([kind, name, clock(), 0.0])

def pop():
    kind, name, t0, child = stack.pop()
    dt = clock() - t0
    e = dt - child
    excl[(kind, name)] += e
    fn_phase[(cur_fn() if kind != "compile" else name, kind if kind != "pass" else name)] += e
    if kind == "compile":
        incl_fn[name] += dt
    if stack:
        stack[-1][3] += dt

class L(ev.Listener):
    def on_start(self, event):
        if event.kind == "numba:compile":
            d = event.data["dispatcher"]
            # (a function made by types.FunctionType, as _kernels._named's, has no module)
            module = getattr(d.py_func, "__module__", None) or "?"
            name = module.split(".")[-1] + "." + d.py_func.__qualname__
            nsig[name] += 1
            push("compile", name)
        elif event.kind == "numba:run_pass":
            push("pass", event.data["name"])
    def on_end(self, event):
        if event.kind in ("numba:compile", "numba:run_pass"):
            pop()

def wrap(cls, meth, kind):
    orig = getattr(cls, meth)
    def w(self, *a, **k):
        push(kind, meth)
        try:
            return orig(self, *a, **k)
        finally:
            pop()
    setattr(cls, meth, w)

wrap(cg.CPUCodeLibrary, "_optimize_functions", "llvm_fpm")
wrap(cg.CPUCodeLibrary, "_optimize_final_module", "llvm_module_opt")
wrap(cg.JITCodeLibrary, "_finalize_specific", "llvm_codegen")
wrap(cg.CPUCodeLibrary, "finalize", "llvm_finalize_other")
if os.environ.get("KSIZE"):
    orig_opt = cg.CPUCodeLibrary._optimize_final_module
    def o2(self):
        n = sum(1 for f in self._final_module.functions if not f.is_declaration)
        b = len(str(self._final_module))
        sizes[self.name] = (n, b)
        return orig_opt(self)
    cg.CPUCodeLibrary._optimize_final_module = o2

_l = L()
ev.register("numba:compile", _l)
ev.register("numba:run_pass", _l)

def show(path, top=25):
    with open(path) as fh:
        r = json.load(fh)
    print("total", round(r["total_cpu"], 1))
    ph = defaultdict(float)
    for k, v in r["fn_phase"].items():
        f, p = k.split("|"); ph[p.split(" [")[0]] += v
    print("phases:", ", ".join(f"{p} {v:.1f}" for p, v in sorted(ph.items(), key=lambda x: -x[1])[:14]))
    fn = defaultdict(lambda: defaultdict(float))
    for k, v in r["fn_phase"].items():
        f, p = k.split("|"); fn[f][p.split(" [")[0]] += v
    rows = sorted(fn.items(), key=lambda x: -sum(x[1].values()))
    print(f"{'function':55s} {'excl':>6s} {'incl':>6s} nsig typ  lower fpm  modopt codegen")
    for f, d in rows[:top]:
        typ = d.get("nopython_type_inference", 0) + d.get("partial_type_inference", 0)
        print(f"{f:55s} {sum(d.values()):6.1f} {r['compile_incl'].get(f, 0):6.1f} {r['nsig'].get(f, 0):3d} {typ:5.1f} {d.get('native_lowering', 0):5.1f} {d.get('llvm_fpm', 0):4.1f} {d.get('llvm_module_opt', 0):6.1f} {d.get('llvm_codegen', 0):6.1f}")


if len(sys.argv) > 2 and sys.argv[1] == "--show":
    show(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 25)
    sys.exit(0)

from qsym import _cli

if len(sys.argv) < 3 or sys.argv[1].startswith("-"):
    sys.exit(__doc__)
out, steps = sys.argv[1], sys.argv[2:]
t0 = time.process_time(); w0 = time.perf_counter()
warm = tuple(s for s in _cli._WARMUP_STEPS if s[1] in steps)
if warm:
    _cli._WARMUP_STEPS = warm
    _cli.cmd_warmup(types.SimpleNamespace(target=None, batch=True, extra=()))
for k in steps:
    if k not in {s[1] for s in warm}:
        _cli.warmup_extra(k)
total = time.process_time() - t0
res = {"total_cpu": total, "wall": time.perf_counter() - w0,
       "compile_incl": dict(incl_fn), "nsig": dict(nsig),
       "excl": {f"{k}|{n}": v for (k, n), v in excl.items()},
       "fn_phase": {f"{f}|{p}": v for (f, p), v in fn_phase.items()}, "sizes": sizes}
with open(out, "w") as fh:
    json.dump(res, fh, indent=1)
print(f"total CPU {total:.1f}s wall {res['wall']:.1f}s", file=sys.stderr)
