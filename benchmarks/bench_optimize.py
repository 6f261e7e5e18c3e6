#!/usr/bin/env python
"""Optimization benchmark: steps per second for the same optimization, four ways.

Usage::

    python benchmarks/bench_optimize.py [--quick] [--repeats 7] \\
        [--out benchmarks/results/optimize.md]

The same problem (circuit, optimizer, starting point) runs, in one process, in:

- **qsym compiled loop**: ``qsym.minimize(qnode, x0, optimizer=opt, steps=N)``, every step
  inside compiled code (the whole call is timed, setup included);
- **qsym Python step**: ``for _ in range(N): x = opt.step(qnode, x)`` with qsym;
- **PennyLane default.qubit**: the same loop with PennyLane's optimizer, on
  ``default.qubit`` with its default differentiation (``"best"``: backpropagation through
  autograd) and with parameter shift;
- **lightning.qubit**: the same loop on ``lightning.qubit`` with ``diff_method="adjoint"``.

Problems: the qubit-rotation tutorial (1 wire, RX RY, <Z>; gradient descent, step size
0.4, from [0.011, 0.012]) and a hardware-efficient ansatz of 8 wires x 8 layers (RY and
RZ on every wire, then a CNOT chain; H = sum_i Z_i; Adam, step size 0.01; 128 parameters).

Before any timing, every framework runs 5 steps from the same start and its iterates must
equal qsym's Python ``step`` to 1e-8 (an ``assert``: no time is ever reported for a
different optimization). Each timing runs N steps (N chosen per framework so that a run
takes roughly 0.05-1 s; steps per second do not depend on N once the loop is warm) after
a warm-up; the repeats are interleaved (each repeat times every framework once, so a
change in the machine's load falls on all alike); the report gives the median steps per
second over the repeats and the ratios. Everything runs on one thread (``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS`` = 1).
Targets (issue 7): compiled loop >= 1000x PennyLane default.qubit on the qubit rotation,
>= 20x lightning.qubit adjoint on the 8 x 8 HEA.

``--problems loops`` (or a list that includes it) adds the compiled loops against JAX
(issue 19): ``qsym.minimize`` with each method against a ``jax.lax.fori_loop`` over a
jitted default.qubit backprop gradient, gradient descent and Adam (written by hand in
JAX; ``--optimizers`` adds momentum, nesterov, rmsprop, adagrad), on the seed and the
4 x 4 HEA (``--loop-problems``); iterates checked equal to 1e-10 first; each timed
call right after an untimed short call of the same loop (``--cold``: right after the
other framework's, whose caches it then inherits). Needs JAX
and PennyLane (run with the benchmark environment's Python)::

    PYTHONPATH=. /work/benchenv/bin/python benchmarks/bench_optimize.py --problems loops
"""

from __future__ import annotations

import os
import sys

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as onp  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# the working tree's qsym (or the copy named by QSYM_BENCH_SRC: qsym is edited while
# benchmarks run, and a frozen copy keeps one run on one version)
_SRC = os.environ.get("QSYM_BENCH_SRC") or str(REPO)
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)

# problem: (peer, required ratio, compiled variants judged). Parameter shift on the HEA runs
# 257 circuits per step against the adjoint method's three sweeps: listed, not judged.
TARGETS = {"rotation": ("PennyLane default.qubit", 1000.0,
                        ("qsym compiled loop (parameter-shift)", "qsym compiled loop (adjoint)")),
           "hea8": ("lightning.qubit (adjoint)", 20.0, ("qsym compiled loop (adjoint)",))}


# --- problems -------------------------------------------------------------------------
def build(qml, problem, device, diff_method):
    """The problem's QNode, written once for both frameworks (``qml`` is the module)."""
    if problem == "rotation":
        dev = qml.device(device, wires=1)

        def rotation(p):
            qml.RX(p[0], wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))

        fn = rotation
    else:
        n = layers = 8
        dev = qml.device(device, wires=n)
        H = qml.Hamiltonian([1.0] * n, [qml.PauliZ(i) for i in range(n)])

        def hea(w):
            for layer in range(layers):
                for i in range(n):
                    qml.RY(w[layer, i, 0], wires=i)
                    qml.RZ(w[layer, i, 1], wires=i)
                for i in range(n - 1):
                    qml.CNOT(wires=[i, i + 1])
            return qml.expval(H)

        fn = hea
    if diff_method is None:
        return qml.qnode(dev)(fn)
    return qml.qnode(dev, diff_method=diff_method)(fn)


def start(problem):
    if problem == "rotation":
        return onp.array([0.011, 0.012])
    return onp.random.default_rng(7).uniform(-onp.pi, onp.pi, size=(8, 8, 2))


def optimizer(qml, problem):
    if problem == "rotation":
        return qml.GradientDescentOptimizer(stepsize=0.4)
    return qml.AdamOptimizer(stepsize=0.01)


# --- runners: each returns a function steps -> (final params, seconds) -------------------
def compiled_loop(node, x0):
    """The steady state: minimize's loop module compiled before any timing (a new loop's
    first steps run as plain Python until a background compile swaps it in)."""
    mm = sys.modules["qsym._minimize"]
    if hasattr(mm, "Loop"):
        entry, _, _ = node.compiled((onp.asarray(x0, dtype=float),), {}, diff=(0,))
        mm._loop_module(entry, node.method)


def qsym_compiled(qsym, problem, method):
    node = build(qsym, problem, "default.qubit", method)
    compiled_loop(node, start(problem))

    def run(steps):
        t0 = time.perf_counter()
        res = qsym.minimize(node, start(problem), optimizer=optimizer(qsym, problem),
                            steps=steps, progress=False)
        dt = time.perf_counter() - t0
        assert res.compiled, res.message
        return onp.asarray(res.x), dt

    return run


def step_loop(qml, problem, device, method, params):
    node = build(qml, problem, device, method)

    def run(steps):
        opt = optimizer(qml, problem)
        x = params(start(problem))
        t0 = time.perf_counter()
        for _ in range(steps):
            x = opt.step(node, x)
        dt = time.perf_counter() - t0
        return onp.asarray(x), dt

    return run


# --- measuring ------------------------------------------------------------------------
def fmt_rate(r):
    if r >= 1e6:
        return f"{r / 1e6:.2f} M"
    if r >= 1e3:
        return f"{r / 1e3:.1f} k"
    return f"{r:.3g}"


def fingerprint(path):
    h = hashlib.sha256()
    for f in sorted(Path(path).glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


def git_state():
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "qsym"],
                               capture_output=True, text=True).stdout.strip()
        return commit, bool(dirty)
    except OSError:
        return "?", False


# --- compiled loops: qsym.minimize against a JAX fori_loop (issue 19) ------------------
# The same optimization, every step inside one compiled call: qsym.minimize (each of its
# methods) and a jax.lax.fori_loop over jax.grad of a default.qubit backprop QNode
# (interface "jax", float64), jitted once; the optimizer's update written by hand in JAX
# (optax is not a dependency), PennyLane's formulas (Adam's bias correction as
# qsym.optimize computes it). Per step = the whole call's wall time / steps.
LOOP_PROBLEMS = {"seed": "seed (1 wire, RX RY, <Z>)",
                 "hea4": "HEA 4 wires x 4 layers (32 parameters, H = sum Z_i)"}
LOOP_OPTIMIZERS = {"gd": "gradient descent, step size 0.01",
                   "adam": "Adam, step size 0.01 (beta1 0.9, beta2 0.99, eps 1e-8)",
                   "momentum": "momentum, step size 0.01, momentum 0.9",
                   "nesterov": "Nesterov momentum, step size 0.01, momentum 0.9",
                   "rmsprop": "RMSProp, step size 0.01, decay 0.9, eps 1e-8",
                   "adagrad": "Adagrad, step size 0.01, eps 1e-8"}
# the optimizers timed (``--optimizers``; the default: gradient descent and Adam)
LOOP_RUN_OPTIMIZERS = ["gd", "adam"]
# steps per timed call; parameter shift on the HEA runs 65 circuits a step
LOOP_STEPS = {("seed", "parameter-shift"): 10000, ("seed", "adjoint"): 10000,
              ("seed", "jax"): 10000, ("hea4", "parameter-shift"): 200,
              ("hea4", "adjoint"): 2000, ("hea4", "jax"): 2000}
LOOP_CHECK_STEPS = 20
# Adam divides by sqrt(v) + eps: a gradient that is zero in exact arithmetic (the HEA's
# last RZ layer commutes with H) is rounding noise (1e-17) in every method, and Adam moves
# its parameter by about eta * noise / eps (1e-11) per step, differently per method
LOOP_CHECK_TOL = {"gd": 1e-10, "adam": 1e-8, "momentum": 1e-10, "nesterov": 1e-10,
                  "rmsprop": 1e-8, "adagrad": 1e-8}  # (RMSProp, Adagrad: eps as Adam's)
LOOP_TARGET = 2.0


def loop_build(qml, problem, diff_method, interface=None):
    """The loop problem's QNode (the same code for qsym and PennyLane)."""
    n = 1 if problem == "seed" else 4
    dev = qml.device("default.qubit", wires=n)
    kw = {} if interface is None else {"interface": interface}
    if problem == "seed":
        def seed(p):
            qml.RX(p[0], wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))

        return qml.qnode(dev, diff_method=diff_method, **kw)(seed)
    H = qml.Hamiltonian([1.0] * n, [qml.PauliZ(i) for i in range(n)])

    def hea(w):
        for layer in range(4):
            for i in range(n):
                qml.RY(w[layer, i, 0], wires=i)
                qml.RZ(w[layer, i, 1], wires=i)
            for i in range(n - 1):
                qml.CNOT(wires=[i, i + 1])
        return qml.expval(H)

    return qml.qnode(dev, diff_method=diff_method, **kw)(hea)


def loop_start(problem):
    if problem == "seed":
        return onp.array([0.54, 0.12])
    return onp.random.default_rng(7).uniform(-onp.pi, onp.pi, size=(4, 4, 2))


def loop_optimizer(qsym, opt):
    """The optimizer ``opt`` (a LOOP_OPTIMIZERS key) with the settings described there."""
    return {"gd": lambda: qsym.GradientDescentOptimizer(0.01),
            "adam": lambda: qsym.AdamOptimizer(0.01),
            "momentum": lambda: qsym.MomentumOptimizer(0.01, momentum=0.9),
            "nesterov": lambda: qsym.NesterovMomentumOptimizer(0.01, momentum=0.9),
            "rmsprop": lambda: qsym.RMSPropOptimizer(0.01, decay=0.9, eps=1e-8),
            "adagrad": lambda: qsym.AdagradOptimizer(0.01, eps=1e-8)}[opt]()


def loop_qsym(qsym, problem, method, opt):
    node = loop_build(qsym, problem, method)
    compiled_loop(node, loop_start(problem))

    def run(steps):
        optimizer = loop_optimizer(qsym, opt)
        x0 = loop_start(problem)
        c0, h0, t0 = time.process_time(), time.thread_time(), time.perf_counter()
        res = qsym.minimize(node, x0, optimizer=optimizer, steps=steps, progress=False)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        own = time.thread_time() - h0  # one start: the whole loop runs on this thread
        assert res.compiled, res.message
        return onp.asarray(res.x), dt, res.run_time, cpu, own

    return run


def loop_jax(pl, jax, problem, opt):
    """``run(steps)``: a jitted fori_loop of ``steps`` optimizer steps (the trip count is
    an argument: one compile for every length)."""
    jnp = jax.numpy
    grad = jax.grad(loop_build(pl, problem, "backprop", interface="jax"))
    eta, b1, b2, eps = 0.01, 0.9, 0.99, 1e-8
    if opt == "gd":
        def body(i, x):
            return x - eta * grad(x)

        loop = jax.jit(lambda x, n: jax.lax.fori_loop(0, n, body, x))

        def call(x0, steps):
            return loop(x0, steps)
    else:
        if opt == "adam":
            def body(i, state):
                x, m, v = state
                g = grad(x)
                t = (i + 1).astype(jnp.float64)
                eta_t = eta * jnp.sqrt(1.0 - b2**t) / (1.0 - b1**t)
                m = b1 * m + (1.0 - b1) * g
                v = b2 * v + (1.0 - b2) * (g * g)
                return x - eta_t * m / (jnp.sqrt(v) + eps), m, v
        elif opt in ("momentum", "nesterov"):  # PennyLane's: a = m a + eta g; x - a
            def body(i, state):
                x, a, _ = state
                g = grad(x - 0.9 * a if opt == "nesterov" else x)
                a = 0.9 * a + eta * g
                return x - a, a, a
        elif opt == "rmsprop":  # a = decay a + (1 - decay) g^2; x - eta / sqrt(a + eps) g
            def body(i, state):
                x, a, _ = state
                g = grad(x)
                a = 0.9 * a + (1.0 - 0.9) * (g * g)
                return x - (eta / jnp.sqrt(a + eps)) * g, a, a
        else:  # Adagrad: a = a + g^2; x - eta / sqrt(a + eps) g
            def body(i, state):
                x, a, _ = state
                g = grad(x)
                a = a + g * g
                return x - (eta / jnp.sqrt(a + eps)) * g, a, a

        loop = jax.jit(lambda x, n: jax.lax.fori_loop(
            0, n, body, (x, jnp.zeros_like(x), jnp.zeros_like(x)))[0])

        def call(x0, steps):
            return loop(x0, steps)

    def run(steps):
        x0 = jnp.asarray(loop_start(problem))
        c0, t0 = time.process_time(), time.perf_counter()
        x = call(x0, steps).block_until_ready()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        return onp.asarray(x), dt, dt, cpu, cpu  # (XLA's threads run the loop: all of them)

    return run


def loops_report(repeats, quick, cold=False):
    """The loop comparison: checks, timings, and the report's lines."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import pennylane as pl
    import qsym

    rows = []
    load0 = os.getloadavg()[0]
    for problem in LOOP_PROBLEMS:
        for opt in LOOP_RUN_OPTIMIZERS:
            entries = [("JAX fori_loop, default.qubit backprop", loop_jax(pl, jax, problem, opt),
                        "jax"),
                       ("qsym.minimize, parameter shift",
                        loop_qsym(qsym, problem, "parameter-shift", opt), "parameter-shift"),
                       ("qsym.minimize, adjoint", loop_qsym(qsym, problem, "adjoint", opt),
                        "adjoint")]
            group = []
            ref = None
            for label, run, key in entries:
                t0 = time.perf_counter()
                x = run(LOOP_CHECK_STEPS)[0]  # first call: compile; then the check
                setup = time.perf_counter() - t0
                if ref is None:
                    ref, diff = x, 0.0
                else:
                    diff = float(onp.max(onp.abs(x - ref)))
                tol = LOOP_CHECK_TOL[opt]
                assert diff < tol, f"{problem}/{opt}/{label}: iterates differ by {diff}"
                steps = LOOP_STEPS[(problem, key)]
                if quick:
                    steps = max(20, steps // 10)
                run(steps)  # warm
                group.append(dict(problem=problem, opt=opt, label=label, run=run,
                                  steps=steps, check=diff, setup=setup, wall=[], loop=[],
                                  cpu=[], own=[]))
                print(f"[loops] {problem}/{opt}/{label}: ready ({setup:.1f} s), iterates "
                      f"agree ({diff:.1e})", file=sys.stderr, flush=True)
            for rep in range(repeats):  # interleaved
                for r in group:
                    if not cold:
                        # an untimed short call of the same loop first: a call timed right
                        # after another framework's (or after any pause) otherwise pays for
                        # caches made cold by it, outside its loop (measured 2026-12-05:
                        # qsym's seed call 0.3 ms of CPU more, on 10000 steps of 35 ns); the
                        # same for every framework
                        r["run"](LOOP_CHECK_STEPS)
                    _, wall, loop, cpu, own = r["run"](r["steps"])
                    r["wall"].append(wall / r["steps"])
                    r["loop"].append(loop / r["steps"])
                    r["cpu"].append(cpu / r["steps"])
                    r["own"].append(own / r["steps"])
            for r in group:
                r["median"] = statistics.median(r["wall"])
                r["loop_median"] = statistics.median(r["loop"])
                r["cpu_median"] = statistics.median(r["cpu"])
                r["own_median"] = statistics.median(r["own"])
                print(f"[loops] {problem}/{opt}/{r['label']}: {r['median'] * 1e6:.3f} us/step",
                      file=sys.stderr, flush=True)
            rows += group
    lines = ["## Compiled loops: qsym.minimize against a JAX fori_loop", "",
             f"One process, one thread, float64. Per step: the whole call's wall time over its "
             f"steps, median of {repeats} interleaved repeats, "
             + ("each timed call right after another framework's (`--cold`) " if cold else
                f"each timed call right after an untimed {LOOP_CHECK_STEPS}-step call of the "
                "same loop (warm caches; `--cold` times it right after another framework's) ")
             + "(the best repeat beside it, and "
             "qsym's loop alone, the median of `result.run_time`). Every qsym row's iterates after "
             f"{LOOP_CHECK_STEPS} steps equal the JAX loop's to 1e-10 (gradient descent) or "
             "1e-8 (Adam, whose eps = 1e-8 divides the rounding noise of gradients that are "
             "exactly zero: the HEA's last RZ layer), checked before timing; the largest "
             "difference is listed. Ratio: the JAX loop's time per step over this row's "
             f"(target >= {LOOP_TARGET:g}x, issue 19). JAX {jax.__version__}, PennyLane "
             f"{pl.__version__}; load average (1 min) {load0:.1f} at the start, "
             f"{os.getloadavg()[0]:.1f} at the end (2 cores). CPU: CPU time over the steps, "
             "median; on a loaded machine far steadier than wall time (waiting for a core is "
             "not counted). JAX's is the process's (XLA runs the loop on its own threads); "
             "qsym's the calling thread's, where one start's whole loop runs (the process's, "
             "beside it, also counts threads that outlive the JAX call just before: XLA's "
             "workers and qsym's background loader). The verdicts use CPU time.", "",
             "| problem | optimizer | loop | steps per call | us per step (median) | best | "
             "loop only | CPU us per step (median) | process CPU | JAX / this (wall) | "
             "JAX / this (CPU) | check |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for problem in LOOP_PROBLEMS:
        for opt in LOOP_RUN_OPTIMIZERS:
            group = [r for r in rows if r["problem"] == problem and r["opt"] == opt]
            peer = group[0]
            for r in group:
                ratio = peer["median"] / r["median"]
                ratio_cpu = peer["own_median"] / r["own_median"]
                lines.append(
                    f"| {problem} | {opt} | {r['label']} | {r['steps']} | "
                    f"**{r['median'] * 1e6:.3g}** | {min(r['wall']) * 1e6:.3g} | "
                    f"{r['loop_median'] * 1e6:.3g} | {r['own_median'] * 1e6:.3g} | "
                    f"{r['cpu_median'] * 1e6:.3g} | "
                    f"{'—' if r is peer else f'{ratio:.2f}x'} | "
                    f"{'—' if r is peer else f'**{ratio_cpu:.2f}x**'} | {r['check']:.0e} |")
                if r is not peer:
                    verdicts.append(
                        f"- {problem}, {opt}, {r['label']}: {ratio_cpu:.2f}x by CPU time "
                        f"({'PASS' if ratio_cpu >= LOOP_TARGET else 'MISS'}); {ratio:.2f}x "
                        "by wall time")
    lines += ["", "Targets (JAX fori_loop / qsym.minimize per step >= "
              f"{LOOP_TARGET:g}x, medians of CPU time):", ""] + verdicts + [""]
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats (CI smoke)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None, help="write the markdown report here")
    ap.add_argument("--problems", default="rotation,hea8")
    ap.add_argument("--optimizers", default="gd,adam",
                    help="loops: comma list among " + ",".join(LOOP_OPTIMIZERS))
    ap.add_argument("--loop-problems", default=",".join(LOOP_PROBLEMS),
                    help="loops: comma list among " + ",".join(LOOP_PROBLEMS))
    ap.add_argument("--cold", action="store_true",
                    help="loops: time each call right after another framework's (no untimed "
                         "warm call of the same loop before it)")
    args = ap.parse_args(argv)
    LOOP_RUN_OPTIMIZERS[:] = [o for o in args.optimizers.split(",") if o]
    for o in LOOP_RUN_OPTIMIZERS:
        if o not in LOOP_OPTIMIZERS:
            ap.error(f"--optimizers: {o!r} is not among {', '.join(LOOP_OPTIMIZERS)}")
    for p in list(LOOP_PROBLEMS):
        if p not in args.loop_problems.split(","):
            del LOOP_PROBLEMS[p]
    repeats = 3 if args.quick else args.repeats
    scale = 0.2 if args.quick else 1.0
    warnings.filterwarnings("ignore")

    import qsym

    import pennylane as pl
    from pennylane import numpy as pnp

    def pl_params(x):
        return pnp.array(x, requires_grad=True)

    def qsym_params(x):
        return qsym.numpy.array(x, requires_grad=True)

    load0 = os.getloadavg()
    t_start = time.time()
    # (label, runner factory, steps per timed run) per problem
    plan = {
        "rotation": [
            ("qsym compiled loop (parameter-shift)",
             lambda: qsym_compiled(qsym, "rotation", "parameter-shift"), 20000),
            ("qsym compiled loop (adjoint)",
             lambda: qsym_compiled(qsym, "rotation", "adjoint"), 20000),
            ("qsym Python step (parameter-shift)",
             lambda: step_loop(qsym, "rotation", "default.qubit", "parameter-shift",
                               qsym_params), 3000),
            ("PennyLane default.qubit",
             lambda: step_loop(pl, "rotation", "default.qubit", None, pl_params), 100),
            ("PennyLane default.qubit (parameter-shift)",
             lambda: step_loop(pl, "rotation", "default.qubit", "parameter-shift",
                               pl_params), 100),
            ("lightning.qubit (adjoint)",
             lambda: step_loop(pl, "rotation", "lightning.qubit", "adjoint", pl_params), 100),
        ],
        "hea8": [
            ("qsym compiled loop (adjoint)",
             lambda: qsym_compiled(qsym, "hea8", "adjoint"), 1000),
            ("qsym Python step (adjoint)",
             lambda: step_loop(qsym, "hea8", "default.qubit", "adjoint", qsym_params), 500),
            ("qsym compiled loop (parameter-shift)",
             lambda: qsym_compiled(qsym, "hea8", "parameter-shift"), 20),
            ("PennyLane default.qubit",
             lambda: step_loop(pl, "hea8", "default.qubit", None, pl_params), 5),
            ("lightning.qubit (adjoint)",
             lambda: step_loop(pl, "hea8", "lightning.qubit", "adjoint", pl_params), 40),
        ],
    }
    titles = {
        "rotation": "Qubit rotation (1 wire, 2 parameters; gradient descent, step size 0.4)",
        "hea8": "HEA 8 wires x 8 layers (128 parameters, H = sum Z_i; Adam, step size 0.01)",
    }
    results = {}
    for problem in args.problems.split(","):
        if problem == "loops":  # the JAX comparison: its own section (loops_report)
            continue
        rows = []
        runners = []
        ref = step_loop(qsym, problem, "default.qubit", "adjoint", qsym_params)(5)[0]
        for label, factory, steps in plan[problem]:
            steps = max(2, int(steps * scale))
            print(f"[{problem}] {label}: building", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            run = factory()
            x5, _ = run(5)  # first call: compile; then the trajectory check
            setup = time.perf_counter() - t0
            diff = float(onp.max(onp.abs(x5 - ref)))
            assert diff < 1e-8, f"{problem} / {label}: iterates differ from qsym's by {diff}"
            print(f"[{problem}] {label}: iterates agree ({diff:.1e})", file=sys.stderr,
                  flush=True)
            run(min(steps, 3))  # warm-up
            run(steps)
            runners.append(run)
            rows.append(dict(label=label, steps=steps, rates=[], check=diff, setup=setup))
        # interleaved: each repeat times every framework once, so that a change in the
        # machine's load falls on all of them alike
        for rep in range(repeats):
            for run, row in zip(runners, rows):
                _, dt = run(row["steps"])
                row["rates"].append(row["steps"] / dt)
            print(f"[{problem}] repeat {rep + 1}/{repeats}: " + ", ".join(
                f"{fmt_rate(r['rates'][-1])}" for r in rows), file=sys.stderr, flush=True)
        for row in rows:
            row["median"] = statistics.median(row["rates"])
            row["min"], row["max"] = min(row["rates"]), max(row["rates"])
        results[problem] = rows
    load1 = os.getloadavg()

    commit, dirty = git_state()
    qsym_dir = Path(qsym.__file__).resolve().parent
    if qsym_dir == (REPO / "qsym").resolve():
        where = f"the working tree, git {commit}{' + uncommitted changes' if dirty else ''}"
    else:
        where = f"a copy at `{qsym_dir}` (QSYM_BENCH_SRC; the repository is at git {commit})"
    lines = [
        "# Optimization benchmark: steps per second",
        "",
        f"`python benchmarks/bench_optimize.py{' --quick' if args.quick else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M', time.localtime(t_start))}), one process, one "
        "thread. Steps per second for the same optimization (circuit, optimizer, start); "
        f"median of {repeats} timed runs after warm-up, interleaved across frameworks (min "
        "and max beside it). Every "
        "framework's iterates after 5 steps equal qsym's Python `step` to 1e-8 (checked "
        "before timing; the largest difference is listed).",
        "",
        "| | |",
        "|---|---|",
        f"| machine | {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()} |",
        f"| load average (1 min) at start / end | {load0[0]:.2f} / {load1[0]:.2f} |",
        f"| qsym | {qsym.__version__} from {where}; fingerprint of its qsym/*.py "
        f"{fingerprint(qsym_dir)} |",
        f"| PennyLane | {pl.__version__} |",
        "",
    ]
    verdicts = []
    for problem, rows in results.items():
        compiled = next(r for r in rows if r["label"].startswith("qsym compiled loop"))
        lines += [f"## {titles[problem]}", "",
                  f"Ratio: steps per second of the {compiled['label']} divided by this row's.",
                  "",
                  "| framework | steps per run | steps/s (median) | min - max | ratio | check |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            ratio = compiled["median"] / r["median"]
            lines.append(
                f"| {r['label']} | {r['steps']} | **{fmt_rate(r['median'])}** | "
                f"{fmt_rate(r['min'])} - {fmt_rate(r['max'])} | "
                f"{'—' if r is compiled else f'{ratio:,.{0 if ratio >= 10 else 2}f}x'} | "
                f"{r['check']:.0e} |"
            )
        peer, target, judged = TARGETS[problem]
        row = next((r for r in rows if r["label"] == peer), None)
        if row is not None:
            for c in rows:
                if c["label"] not in judged:
                    continue
                ratio = c["median"] / row["median"]
                verdicts.append(
                    f"- {titles[problem].split(' (')[0]}: {c['label']} / {peer} = "
                    f"**{ratio:,.0f}x** (target >= {target:g}x): "
                    f"{'PASS' if ratio >= target else 'FAIL'}")
        lines.append("")
    if "loops" in args.problems.split(","):
        lines += loops_report(repeats, args.quick, args.cold)
    if results:  # the steps-per-second problems (not --problems loops alone)
        lines += ["## Targets", ""] + verdicts + [""]
    notes = []
    for problem, rows in results.items():
        c = next(r for r in rows if r["label"].startswith("qsym compiled loop"))
        py = next((r for r in rows if r["label"].startswith("qsym Python step")), None)
        if py is not None:
            notes.append(
                f"- {titles[problem].split(' (')[0]}: {1e6 / c['median']:.3g} us per step "
                f"compiled, {1e6 / py['median']:.3g} us with the Python `step` "
                f"({c['median'] / py['median']:.2f}x): the difference is the Python step's "
                "overhead (argument handling, `qml.grad`, the update in NumPy).")
    if not results:
        notes = None
    lines += [] if notes is None else ["## Notes", ""] + notes + [
        "- The compiled loop's step is written out for tiny circuits and runs the kernels, "
        "their memory made once per run, otherwise (docs/optimization.md, \"The compiled "
        "step\"); at 8 wires the step is the simulation itself, so compiling the loop gains little over qsym's own "
        "Python `step` there, and the ratio to PennyLane is the simulator's.",
        "- The machine is shared with other work (see the load average): absolute numbers "
        "move between runs by up to 2x, the interleaved ratios much less.", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
