"""Where a new circuit's first answer spends the calling thread's CPU, stage by stage, in
a fresh process (issue #17; docs/design.md, "A symbol's text, constant gates once, and
what is left"). No profiler: each listed function of qsym is wrapped with
``time.thread_time`` (cProfile's default clock is the wall clock, which on a shared
machine charges the waits for a core to whatever runs; ``--profile`` runs cProfile on
the thread clock instead). Nested functions are counted in each of their callers, so the
rows do not add up; garbage collections are listed apart.

    PYTHONPATH=<qsym tree> QSYM_CACHE_DIR=<a copy of a warm cache folder> \\
        python benchmarks/lazy/first_answer_stages.py seed:value
    ... hea12x8:grad:adjoint     (circuits of benchmarks/bench_latency.py; grad:adjoint
                                  for the adjoint method, else parameter shift)
    ... seed:grad --profile 40   (cProfile on the thread clock, the 40 largest own times)
"""
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
CLOCK = time.thread_time
case = sys.argv[1] if len(sys.argv) > 1 else "seed:value"
profile = "--profile" in sys.argv

import bench_latency as bl

import qsym as qml

before = set(sys.modules)
spent: dict = {}


def wrap(owner, name, label=None):
    fn = getattr(owner, name)
    label = label or f"{getattr(owner, '__name__', owner).split('.')[-1]}.{name}"

    def timed(*args, **kwargs):
        t = CLOCK()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + CLOCK() - t

    setattr(owner, name, timed)


if not profile:
    from qsym import (
        _cache,
        _executors,
        _guards,
        _interp,
        _ir,
        _program,
        _runtime,
        _stages,
        _tiers,
        _trace,
    )

    for name in ("make_symbols", "record", "record_signature", "to_circuit", "check",
                 "make_plan", "lower", "make_module", "make_checks"):
        wrap(_stages, name)
    for owner, name in ((_trace, "symbols_like"), (_trace, "replay_check"),
                        (_trace, "_numeric_run"), (_trace, "_matches"), (_ir, "validate"),
                        (_ir, "structural_hash"), (_program, "_op_tables"),
                        (_cache, "_read_index"), (_interp, "module"),
                        (_interp, "namespace"), (_guards, "make"),
                        (_tiers, "_kernel_twins"), (_executors, "execute")):
        wrap(owner, name)
    for name in ("build", "complete"):
        wrap(_runtime.QNode, name, f"QNode.{name}")

collections = []


def gc_clock(phase, info):
    if phase == "start":
        collections.append([CLOCK(), info["generation"]])
    else:
        collections[-1][0] = CLOCK() - collections[-1][0]


circuit, what = case.split(":")[:2]
diff = "adjoint" if case.endswith(":adjoint") else "parameter-shift"
if profile:
    import cProfile
    import pstats

    prof = cProfile.Profile(CLOCK)
    prof.enable()
gc.callbacks.append(gc_clock)
t0, p0, w0 = CLOCK(), time.process_time(), time.perf_counter()
node = bl.build_qnode(qml, circuit, "default.qubit", diff)
p = qml.numpy.array(bl.CIRCUITS[circuit].param_values(), requires_grad=True)
t1 = CLOCK()
answer = node(p) if what == "value" else qml.grad(node)(p)
t2, p2, w2 = CLOCK(), time.process_time(), time.perf_counter()
gc.callbacks.remove(gc_clock)
if profile:
    prof.disable()
    top = next((int(a) for a in sys.argv[2:] if a.isdigit()), 40)
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)
report = {"case": case, "device and QNode": 1e3 * (t1 - t0), "first call": 1e3 * (t2 - t1),
          "first answer (thread)": 1e3 * (t2 - t0), "first answer (process)": 1e3 * (p2 - p0), "first answer (wall)": 1e3 * (w2 - w0),
          **{k: 1e3 * v for k, v in spent.items()},
          "garbage collections (generation, ms)": " ".join(
              f"{g}:{1e3 * s:.2f}" for s, g in collections),
          "modules the first answer imported": sorted(set(sys.modules) - before)}
report = {k: round(v, 2) if isinstance(v, float) else v for k, v in report.items()}
report["answer (sum)"] = float(sum(bl._flat(answer)))
print(json.dumps(report, indent=1))
