#!/usr/bin/env python
"""Where the microseconds of the seed's ``qml.grad(circuit)(params)`` go, step by step.

Usage::

    python benchmarks/bench_callpath.py            # ~1 min; prints a Markdown table
    PYTHONPATH=. /work/benchenv/bin/python benchmarks/bench_callpath.py --jax   # + JAX
    python benchmarks/bench_callpath.py --values   # value, grad, jacobian, minimize per step
    python benchmarks/bench_callpath.py --steps    # grad's and jacobian's full path, per step
    python benchmarks/bench_callpath.py --pennylane   # the seed against PennyLane default.qubit
    python benchmarks/bench_callpath.py --callgrind   # instructions a call (valgrind; ~15 min)

With ``--jax`` (JAX and PennyLane importable) it also times, side by side in this
process and interleaved repeat by repeat, ``qml.grad(circuit)(params)`` against
``jax.jit(jax.grad(qnode))(x).block_until_ready()`` of a PennyLane default.qubit
backprop QNode of the same circuit (issue #19's peer; gradients checked equal first), in
wall time and in the process's CPU time (all threads: JAX computes on its own threads),
medians of 21 repeats of 5000 calls, and prints the ratios (target >= 3x), for the
tensor and for a list with ``argnum=0`` (against JAX given an array, and given the list),
and for the tensor with ``diff_method="adjoint"``.

The seed (1 wire, RX RY, <Z0>, parameter shift), ``params`` a trainable ``qsym.numpy``
tensor, the compiled tier (``QSYM_TIER=compiled``: the fused entry point from the first
call). Each line times one callable that does one step more than the line before, so the
differences are the steps' costs. Times are this thread's CPU time
(``time.thread_time_ns``), min and median over 21 loops of 20000 calls: on a shared,
loaded machine, CPU time is far steadier than wall time (waiting for a core is not
counted), which is what a per-step breakdown needs; the wall-time comparison with the
peers is bench_speed.py's.

With ``--callgrind`` (valgrind installed) it counts instead of timing: for each call of
:data:`COUNTED` it runs this script twice under ``valgrind --tool=callgrind
--instr-atstart=no`` (``--count N CASE``: 300 warm-up calls, then the instrumentation
switched on with ``callgrind_control -i on`` around N calls), N = 1000 and 3000, and
prints the difference over 2000: one call's instructions, the same at any load (a
shared machine's timers cannot resolve a cut of 50 ns; these counts can); and, for the
first case, where they go (:data:`PARTS`: callgrind_annotate's inclusive counts of the C
functions that make the derivative, call it, call the kernel, read attributes).
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


def versus_jax(qml, circuit, p, reps=21, n=5000):
    """Lines of the side-by-side timing against ``jax.jit(jax.grad)`` (see the docstring);
    the seed with ``diff_method="adjoint"`` beside it (its written-out adjoint)."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as onp
    import pennylane as pl

    @pl.qnode(pl.device("default.qubit", wires=1), diff_method="backprop", interface="jax")
    def peer(params):
        pl.RX(params[0], wires=0)
        pl.RY(params[1], wires=0)
        return pl.expval(pl.PauliZ(0))

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="adjoint")
    def adjoint(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    gfn = jax.jit(jax.grad(peer))
    x = jnp.asarray(onp.asarray(p), dtype=jnp.float64)
    lst = [float(v) for v in p]
    diff = float(onp.max(onp.abs(onp.asarray(gfn(x)) - qml.grad(circuit)(p))))
    diff = max(diff, float(onp.max(onp.abs(onp.asarray(gfn(x)) - onp.asarray(
        qml.grad(circuit, argnum=0)(lst))))))
    diff = max(diff, float(onp.max(onp.abs(onp.asarray(gfn(x)) - qml.grad(adjoint)(p)))))
    assert diff < 1e-12, diff
    assert onp.allclose(onp.asarray(gfn(lst)), onp.asarray(gfn(x)), rtol=0, atol=1e-15)
    cases = {"qsym `qml.grad(circuit)(params)`": lambda: qml.grad(circuit)(p),
             "qsym `qml.grad(circuit, argnum=0)(a_list)`":
                 lambda: qml.grad(circuit, argnum=0)(lst),
             "JAX `jax.jit(jax.grad(qnode))(x).block_until_ready()`":
                 lambda: gfn(x).block_until_ready(),
             "JAX `jax.block_until_ready(jax.jit(jax.grad(qnode))(a_list))`":
                 lambda: jax.block_until_ready(gfn(lst)),
             "qsym `qml.grad(circuit)(params)`, `diff_method=\"adjoint\"`":
                 lambda: qml.grad(adjoint)(p)}
    for fn in cases.values():
        for _ in range(2000):
            fn()
    wall = {k: [] for k in cases}
    cpu = {k: [] for k in cases}
    for _ in range(reps):
        for k, fn in cases.items():
            w0, c0 = time.perf_counter_ns(), time.process_time_ns()
            for _ in range(n):
                fn()
            cpu[k].append((time.process_time_ns() - c0) / n)
            wall[k].append((time.perf_counter_ns() - w0) / n)
    load = os.getloadavg()[0]
    lines = [f"\nSide by side with JAX {jax.__version__} (PennyLane {pl.__version__}), "
             f"gradients equal to {diff:.0e}; load average (1 min) {load:.1f}; medians of "
             f"{reps} interleaved repeats of {n} calls:\n",
             "| call | wall ns (median) | wall ns (min) | process CPU ns (median) |",
             "|---|---|---|---|"]
    for k in cases:
        lines.append(f"| {k} | {statistics.median(wall[k]):.0f} | {min(wall[k]):.0f} | "
                     f"{statistics.median(cpu[k]):.0f} |")
    (q, ql, j, jl, qa) = cases
    lines.append("")
    for qk, jk, what in ((q, j, "a trainable tensor"), (ql, j, "a list, argnum=0"),
                         (ql, jl, "a list, argnum=0, against JAX given the list"),
                         (qa, j, "a trainable tensor, adjoint")):
        ratio_w = statistics.median(wall[jk]) / statistics.median(wall[qk])
        ratio_c = statistics.median(cpu[jk]) / statistics.median(cpu[qk])
        ratio_m = min(wall[jk]) / min(wall[qk])
        lines.append(f"- JAX / qsym, {what}: {ratio_w:.2f}x wall (medians), {ratio_m:.2f}x "
                     f"wall (best repeats), {ratio_c:.2f}x process CPU (target >= 3x)")
    return lines


def versus_pennylane(qml, np, reps=15, n=300):
    """``--pennylane``: the seed's ``qml.grad(circuit)(params)`` and
    ``qml.jacobian(circuit)(params)`` against PennyLane's default.qubit (backprop, its
    default; autograd) in this process, interleaved repeat by repeat (results checked
    equal first): this thread's CPU time per call, medians (min) of ``reps`` repeats.
    With JAX absent this is the peer measured beside qsym; issue #19's JAX figure
    (13.8 µs wall for ``jax.jit(jax.grad)``, measured when it was filed) is quoted."""
    import numpy as onp
    import pennylane as pl

    def body(lib, p):
        lib.RX(p[0], wires=0)
        lib.RY(p[1], wires=0)

    @pl.qnode(pl.device("default.qubit", wires=1))
    def peer(p):
        body(pl, p)
        return pl.expval(pl.PauliZ(0))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def seed(p):
        body(qml, p)
        return qml.expval(qml.PauliZ(0))

    @pl.qnode(pl.device("default.qubit", wires=1))
    def peer_probs(p):
        body(pl, p)
        return pl.probs(wires=0)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def seed_probs(p):
        body(qml, p)
        return qml.probs(wires=0)

    x, px = np.array([0.54, 0.12]), pl.numpy.array([0.54, 0.12])
    for mine, theirs in ((qml.grad(seed)(x), pl.grad(peer)(px)),
                         (qml.jacobian(seed)(x), pl.jacobian(peer)(px)),
                         (qml.jacobian(seed_probs)(x), pl.jacobian(peer_probs)(px))):
        assert onp.allclose(mine, theirs, rtol=0, atol=1e-12)
    cases = {"qsym `qml.grad(circuit)(params)`": lambda: qml.grad(seed)(x),
             "PennyLane `qml.grad(circuit)(params)`": lambda: pl.grad(peer)(px),
             "qsym `qml.jacobian(circuit)(params)`": lambda: qml.jacobian(seed)(x),
             "PennyLane `qml.jacobian(circuit)(params)`": lambda: pl.jacobian(peer)(px),
             "qsym `qml.jacobian(probs_circuit)(params)`": lambda: qml.jacobian(seed_probs)(x),
             "PennyLane `qml.jacobian(probs_circuit)(params)`":
                 lambda: pl.jacobian(peer_probs)(px)}
    for fn in cases.values():
        for _ in range(100):
            fn()
    cpu = {k: [] for k in cases}
    for _ in range(reps):
        for k, fn in cases.items():
            m = n if k.startswith("PennyLane") else 20 * n
            t0 = time.thread_time_ns()
            for _ in range(m):
                fn()
            cpu[k].append((time.thread_time_ns() - t0) / m / 1000)
    lines = [f"\nSide by side with PennyLane {pl.__version__} default.qubit (backprop, "
             f"autograd), results equal to 1e-12; load average (1 min) "
             f"{os.getloadavg()[0]:.1f}; medians (min) of {reps} interleaved repeats:\n",
             "| call | thread CPU µs (median) | min |", "|---|---|---|"]
    for k in cases:
        lines.append(f"| {k} | {statistics.median(cpu[k]):.2f} | {min(cpu[k]):.2f} |")
    keys = list(cases)
    lines.append("")
    for q, peer_key in zip(keys[::2], keys[1::2]):
        lines.append(f"- {peer_key.split(' ', 1)[1]}: PennyLane / qsym "
                     f"{statistics.median(cpu[peer_key]) / statistics.median(cpu[q]):.0f}x")
    return lines


def _values_circuits(qml, np):
    """The ``--values`` circuits: ``{name: (qnode factory by diff_method, parameters)}``."""
    def seed(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    def hea4(w):  # HEA 4 wires x 4 layers, <sum Z>
        for layer in range(4):
            for i in range(4):
                qml.RY(w[layer, i, 0], wires=i)
                qml.RZ(w[layer, i, 1], wires=i)
            for i in range(3):
                qml.CNOT(wires=[i, i + 1])
        return qml.expval(qml.Hamiltonian([1.0] * 4, [qml.PauliZ(i) for i in range(4)]))

    def three(p):  # three outputs
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliX(1))

    wires = {"seed": 1, "hea4": 4, "three": 2}
    params = {"seed": np.array([0.54, 0.12]),
              "hea4": np.array(__import__("numpy").random.default_rng(7).uniform(
                  -3, 3, (4, 4, 2))),
              "three": np.array([0.54, 0.12])}
    return {name: ((lambda m, f=f, name=name: qml.qnode(qml.device(
        "default.qubit", wires=wires[name]), diff_method=m)(f)), params[name])
        for name, f in (("seed", seed), ("hea4", hea4), ("three", three))}


def values_table(qml, np, reps=15, n=2000):
    """``--values``: per-call CPU time of this thread (medians of ``reps`` repeats of ``n``
    calls, warm, compiled) of the value call ``circuit(params)`` (a trainable tensor; for
    the seed also a list and an ndarray), ``qml.grad`` (one-output circuits) and
    ``qml.jacobian``; and ``qml.minimize``'s compiled loop per step (gradient descent)
    with each method. Only the public API: the same script times any commit."""
    import numpy as onp
    rows = []
    # (this thread's CPU time: numba's kernel library may compile on another thread, a
    # first call's warm-up, which the process's CPU time would count)
    for name, (make, p) in _values_circuits(qml, np).items():
        for method in ("parameter-shift", "adjoint"):
            c = make(method)
            cases = {"value": lambda c=c, p=p: c(p)}
            if name == "seed":
                lst, arr = [float(v) for v in p], onp.asarray(p)
                cases["value (list)"] = lambda c=c, lst=lst: c(lst)
                cases["value (ndarray)"] = lambda c=c, arr=arr: c(arr)
            if name != "three":
                cases["grad"] = lambda c=c, p=p: qml.grad(c)(p)
            cases["jacobian"] = lambda c=c, p=p: qml.jacobian(c)(p)
            for what, fn in cases.items():
                for _ in range(300):
                    fn()
                xs = []
                for _ in range(reps):
                    t0 = time.thread_time_ns()
                    for _ in range(n // (10 if name == "hea4" and what != "value" else 1)):
                        fn()
                    xs.append((time.thread_time_ns() - t0)
                              / (n // (10 if name == "hea4" and what != "value" else 1)))
                rows.append(f"| {name} | {method} | {what} | {statistics.median(xs):.0f} | "
                            f"{min(xs):.0f} |")
    for name in ("seed", "hea4"):
        make, p = _values_circuits(qml, np)[name]
        for method in ("parameter-shift", "adjoint"):
            c = make(method)
            steps = 10000 if name == "seed" else (200 if method == "parameter-shift" else 2000)
            x0 = onp.asarray(p)
            qml.minimize(c, x0, optimizer=qml.GradientDescentOptimizer(0.01), steps=10,
                         progress=False)
            xs = []
            for _ in range(7):
                t0 = time.thread_time_ns()
                res = qml.minimize(c, x0, optimizer=qml.GradientDescentOptimizer(0.01),
                                   steps=steps, progress=False)
                xs.append((time.thread_time_ns() - t0) / steps)
                assert res.compiled
            rows.append(f"| {name} | {method} | `qml.minimize` per step ({steps} steps) | "
                        f"{statistics.median(xs):.0f} | {min(xs):.0f} |")
    return (["| circuit | diff_method | call | thread CPU ns (median) | min |",
             "|---|---|---|---|---|"] + rows)


def steps_table(qml, np, reps=7):
    """``--steps``: where the microseconds of ``qml.grad(circuit)(params)`` and
    ``qml.jacobian(circuit)(params)`` go, per step of the full path (cumulative callables,
    each one step more than the line before, so the differences are the steps), on the seed
    and the HEA 4x4 with each method: this thread's CPU time per call, median (min) of
    ``reps`` repeats, warm, compiled. The last lines are the public calls (short paths where
    they apply)."""
    from qsym import _runtime as runtime
    rows = []
    for name in ("seed", "hea4"):
        make, p = _values_circuits(qml, np)[name]
        n = 5000 if name == "seed" else 300
        for method in ("parameter-shift", "adjoint"):
            c = make(method)
            jac = qml.jacobian(c)
            args = (p,)
            diff = jac._diff_indices(args)
            c.compiled(args, {}, diff)

            def full_jacobian(c=c, jac=jac):
                c._jac_fast = None  # (absent before issue #19's jacobian short path)
                return jac(p)

            def full_grad(c=c, g=qml.grad(c)):
                c._grad_fast = None
                return g(p)
            cases = [
                ("`classify`: the signature key and the flat inputs", lambda: runtime.classify(
                    args, {}, diff, c.static_argnames, c.static_positions)),
                ("+ the signature's lookup (`QNode.compiled`)", lambda c=c: c.compiled(
                    args, {}, diff)),
                ("+ the method's checks, `execute` (the executor, counts, Tracker): "
                 "`QNode.value_and_jacobian`", lambda c=c: c.value_and_jacobian(
                     args, {}, diff)),
                ("+ which arguments (`_diff_indices`), the per-measurement split, `forward`: "
                 "`jacobian._jacobian`", lambda jac=jac: jac._jacobian(args, {})),
                ("+ the result shapes (`pick`, 0-d arrays): `jacobian.__call__`, full path",
                 full_jacobian),
                ("`qml.jacobian(circuit)(params)` (public call)", lambda c=c: qml.jacobian(c)(p)),
                ("`qml.grad(circuit)(params)`, full path (derivative reused)", full_grad),
                ("`qml.grad(circuit)(params)` (public call)", lambda c=c: qml.grad(c)(p)),
            ]
            for what, fn in cases:
                # the full path alone: no short path remembered at each call (patched
                # around the timing, not per call: a class attribute set per call would
                # invalidate CPython's attribute caches)
                full = fn in (full_jacobian, full_grad)
                saved = runtime.grad._remember, getattr(runtime, "_jacobian_path", None)
                if full:
                    runtime.grad._remember = lambda *a: None
                    runtime._jacobian_path = lambda *a: None
                try:
                    for _ in range(min(n, 1000)):
                        fn()
                    xs = []
                    for _ in range(reps):
                        t0 = time.thread_time_ns()
                        for _ in range(n):
                            fn()
                        xs.append((time.thread_time_ns() - t0) / n / 1000)
                finally:
                    runtime.grad._remember, runtime._jacobian_path = saved
                rows.append(f"| {name} | {method} | {what} | {statistics.median(xs):.2f} | "
                            f"{min(xs):.2f} |")
    return (["| circuit | diff_method | step (cumulative) | thread CPU µs (median) | min |",
             "|---|---|---|---|---|"] + rows)


# the calls --callgrind counts (``--count N CASE``)
COUNTED = ("grad", "list", "adjoint")


def count_calls(n: int, case: str) -> int:
    """``--count N CASE``: warm the seed up, then make N calls of ``case`` with callgrind's
    instrumentation on (``callgrind_control -i on`` / ``off`` for this process)."""
    import subprocess

    import qsym as qml
    from qsym import numpy as np

    def seed(method):
        @qml.qnode(qml.device("default.qubit", wires=1), diff_method=method)
        def circuit(params):
            qml.RX(params[0], wires=0)
            qml.RY(params[1], wires=0)
            return qml.expval(qml.PauliZ(0))
        return circuit

    ps, adj = seed("best"), seed("adjoint")
    p, lst = np.array([0.54, 0.12], requires_grad=True), [0.54, 0.12]
    fn = {"grad": lambda: qml.grad(ps)(p), "list": lambda: qml.grad(ps, argnum=0)(lst),
          "adjoint": lambda: qml.grad(adj)(p)}[case]
    for _ in range(300):
        fn()
    control = ["callgrind_control", "-i", None, str(os.getpid())]
    subprocess.run(control[:2] + ["on"] + control[3:], capture_output=True, check=False)
    for _ in range(n):
        fn()
    subprocess.run(control[:2] + ["off"] + control[3:], capture_output=True, check=False)
    return 0


# where one call's instructions go (``--callgrind``): C functions of CPython and numba
# whose inclusive counts (callgrind_annotate's) are one part of the seed's call each
PARTS = (
    ("the derivative made: `qml.grad(circuit)` (type_call, its `__init__`)", ("type_call",)),
    ("the derivative freed (subtype_dealloc)", ("subtype_dealloc",)),
    ("`grad.__call__` and all below it (slot_tp_call)", ("slot_tp_call",)),
    ("the kernel's call: numba's entry point, its four arrays (cfunction_call)",
     ("cfunction_call",)),
    (("of which numba's per-array MemInfo: made (NRT_adapt_ndarray_from_python) and "
      "released (NRT_MemInfo_call_dtor)"), ("NRT_adapt_ndarray_from_python",
                                            "NRT_MemInfo_call_dtor")),
    (("attribute reads CPython 3.11 does not specialize (PyObject_GenericGetAttr: an "
      "array's `flags`, `dtype`, `shape`, a tensor's `requires_grad`, `dev.execute`, the "
      "entry point)"), ("PyObject_GenericGetAttr",)),
    (("`qml.grad` read from the package (module_getattro: a module with `__getattr__` is "
      "not specialized)"), ("module_getattro",)),
    ("bytecode (_PyEval_EvalFrameDefault's own instructions)", ("=_PyEval_EvalFrameDefault",)),
)


def _inclusive(path: str, exclusive: bool = False) -> dict:
    """``{function: instructions}`` of a callgrind output file (callgrind_annotate's
    inclusive counts, or its own with ``exclusive``; the largest where a function is
    listed under several source files)."""
    import re
    import subprocess
    text = subprocess.run(["callgrind_annotate", f"--inclusive={'no' if exclusive else 'yes'}",
                           path], capture_output=True, text=True, check=True).stdout
    found = {}
    for m in re.finditer(r"^\s*([\d,]+) \([^)]*\)\s+\S*?:([\w.]+)", text, re.MULTILINE):
        v = int(m[1].replace(",", ""))
        found[m[2]] = max(found.get(m[2], 0), v)
    return found


def callgrind_table() -> list[str]:
    """``--callgrind``: instructions per call of each :data:`COUNTED` case (see the
    module's docstring), and for the first case where they go (:data:`PARTS`)."""
    import re
    import subprocess
    import tempfile

    env = dict(os.environ, PYTHONHASHSEED="0")
    rows = ["| call | instructions a call |", "|---|---|"]
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in COUNTED:
            total, incl, own = {}, {}, {}
            for n in (1000, 3000):
                out = subprocess.run(
                    ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                     f"--callgrind-out-file={tmp}/cg{n}.out", sys.executable,
                     os.path.abspath(__file__), "--count", str(n), case],
                    capture_output=True, text=True, env=env, check=True)
                total[n] = int(re.search(r"refs:\s+([\d,]+)", out.stderr)[1].replace(",", ""))
                if not parts:
                    incl[n] = _inclusive(f"{tmp}/cg{n}.out")
                    own[n] = _inclusive(f"{tmp}/cg{n}.out", exclusive=True)
            per_call = (total[3000] - total[1000]) / 2000
            rows.append(f"| {case} | {per_call:.0f} |")
            if not parts:
                parts = [(f"\nWhere `{case}`'s {per_call:.0f} instructions go (inclusive "
                          "counts of the C functions named, per call):\n"),
                         "| part | instructions a call | share |", "|---|---|---|"]
                for what, names in PARTS:
                    v = sum((own if name[0] == "=" else incl)[3000].get(name.lstrip("="), 0)
                            - (own if name[0] == "=" else incl)[1000].get(name.lstrip("="), 0)
                            for name in names) / 2000
                    parts.append(f"| {what} | {v:.0f} | {v / per_call:.0%} |")
    return rows + parts


def main() -> int:
    if "--count" in sys.argv[1:]:
        i = sys.argv.index("--count")
        return count_calls(int(sys.argv[i + 1]), sys.argv[i + 2])
    if "--callgrind" in sys.argv[1:]:
        print("\n".join(callgrind_table()))
        return 0
    import numpy as onp

    import qsym as qml
    from qsym import numpy as np
    from qsym import _runtime as runtime

    if "--pennylane" in sys.argv[1:]:
        print(f"qsym {qml.__file__}")
        print("\n".join(versus_pennylane(qml, np)))
        return 0
    if "--steps" in sys.argv[1:]:
        print(f"qsym {qml.__file__}; load average (1 min) {os.getloadavg()[0]:.1f}\n")
        print("\n".join(steps_table(qml, np)))
        print(f"\nload average (1 min) at the end {os.getloadavg()[0]:.1f}")
        return 0
    if "--values" in sys.argv[1:]:
        print(f"qsym {qml.__file__}; load average (1 min) {os.getloadavg()[0]:.1f}\n")
        print("\n".join(values_table(qml, np)))
        print(f"\nload average (1 min) at the end {os.getloadavg()[0]:.1f}")
        return 0

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
    short = fast[1]
    g = qml.grad(circuit)
    x = p.view(onp.ndarray)
    d = onp.zeros(0)
    vg = entry.value_and_grad
    into = getattr(vg, "fused", None)
    out, jac = onp.empty(1), onp.empty((1, 2))
    # the compiled entry point the short path calls (no dispatcher: runtime._entry_point)
    ep = runtime._entry_point(into, x, d, out, jac) if into is not None else None
    lst = [0.54, 0.12]

    def full_path():
        circuit._grad_fast = None
        return g(p)

    empty = onp.empty

    def made():  # the kernel into new arrays, the gradient row (the short path's body)
        o, j = empty(1), empty((1, 2))
        ep(x, d, o, j)
        return j[0]

    steps = [
        ("kernel: the fused compiled call into given arrays, its entry point", lambda: ep(
            x, d, out, jac) if ep is not None else None),
        ("+ two result arrays made, the gradient row `jac[0]`", made),
        ("+ short path: the remembered signature's checks, device counts, `forward` "
         "(`circuit._grad_fast[1]`; the derivative reused, so `out` is made anew, `jac` "
         "kept)", lambda: short(g, p)),
        ("+ `grad.__call__` (derivative object reused; since stop 61 it answers this case "
         "itself, the closure's checks and steps in its own frame, not through the line "
         "above)", lambda: g(p)),
        ("+ `qml.grad(circuit)`: a new derivative object per call (the seed's spelling)",
         lambda: qml.grad(circuit)(p)),
    ]
    rows = []
    prev = 0.0
    for name, fn in steps:
        mn, md = timed(fn)
        rows.append(f"| {name} | {mn:.0f} | {md:.0f} | {mn - prev:+.0f} |")
        prev = mn
    mn, md = timed(lambda: into(x, d, out, jac))
    rows.append(f"| (the same kernel call through numba's dispatcher) | {mn:.0f} | {md:.0f} | |")
    mn, md = timed(lambda: qml.grad(circuit, argnum=0)(lst))
    rows.append(f"| `qml.grad(circuit, argnum=0)(a_list)`: the list on the short path | {mn:.0f} "
                f"| {md:.0f} | |")
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
    if "--jax" in sys.argv[1:]:
        print("\n".join(versus_jax(qml, circuit, p)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
