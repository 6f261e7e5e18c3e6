#!/usr/bin/env python
"""Core benchmark: gradients of small parameterized circuits, qsym next to PennyLane.

Usage::

    python benchmarks/bench_core.py [--quick] [--out benchmarks/results/core.md]

What it does, in one run (see ``benchmarks/README.md`` for details):

1. Loads each framework (qsym, PennyLane ``default.qubit`` with parameter-shift,
   ``lightning.qubit`` with parameter-shift and adjoint). One that cannot be imported is
   reported as unavailable and skipped; the run goes on.
2. Checks that every available framework gives the same gradient as PennyLane
   ``default.qubit`` to 1e-8 (``assert``; a mismatch aborts the run, so no number is ever
   reported for a wrong gradient).
3. Steady state: times ``qml.grad(circuit)(params)`` in this process after warm-up;
   each measurement is a loop of N calls sized to take ~0.2-1 s, repeated >= 5 times;
   reports the median and min per call, and the ratio peer / qsym.
4. First call: in a FRESH subprocess per measurement, times the framework import, the
   qnode construction and the first ``qml.grad(circuit)(params)`` (for qsym: tracing +
   numba compile + first run) separately. For qsym it does so with an empty cache
   (``QSYM_CACHE_DIR`` and ``NUMBA_CACHE_DIR`` in a new temp dir) and again in a second
   fresh process reusing that cache.
5. Prints a markdown report (machine, checks, tables, targets) and writes it to --out.

The circuits are built by ONE function, :func:`build_qnode`, which takes the framework
module (``qsym`` or ``pennylane``) as its ``qml`` argument: the same code runs on both.
"""

from __future__ import annotations

import os
import sys


# --------------------------------------------------------------------------------------
# Thread settings must be in the environment before numpy / numba / lightning load.
# A child process (``--child``) inherits its parent's environment unchanged.
# --------------------------------------------------------------------------------------
_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS")


def _early_thread_setup(argv: list[str]) -> None:
    if "--child" in argv:
        return
    threads = "1"
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            threads = argv[i + 1]
        elif a.startswith("--threads="):
            threads = a.split("=", 1)[1]
    if threads == "inherit":
        return
    for var in _THREAD_VARS:
        os.environ[var] = threads


_early_thread_setup(sys.argv[1:])

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

_T_NUMPY0 = time.perf_counter()
import numpy as np  # noqa: E402

_T_NUMPY_IMPORT = time.perf_counter() - _T_NUMPY0

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Benchmark the working tree's qsym, not some older installed copy.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GRAD_TOL = 1e-8
TARGET_SEED_GRAD_S = 10e-6     # seed qml.grad(circuit)(params) median per call
TARGET_HEA12_COMPILE_S = 2.0   # 12 wires x 8 layers traced + compiled, fresh process
CHILD_MARK = "BENCH_JSON:"


# --------------------------------------------------------------------------------------
# Circuits and frameworks
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CircuitSpec:
    name: str
    title: str
    wires: int
    layers: int  # 0 for the seed circuit

    @property
    def num_gates(self) -> int:
        if self.layers == 0:
            return 2
        return self.layers * (2 * self.wires + self.wires - 1)

    def param_values(self) -> np.ndarray:
        if self.layers == 0:
            return np.array([0.54, 0.12])
        rng = np.random.default_rng(20240607 + 1000 * self.wires + self.layers)
        return rng.uniform(-np.pi, np.pi, size=(self.layers, self.wires, 2))


CIRCUITS = {
    "seed": CircuitSpec("seed", "seed: 1 wire, RX RY, <Z0>", 1, 0),
    "hea4": CircuitSpec("hea4", "HEA 4 wires x 4 layers, <sum Z>", 4, 4),
    "hea12": CircuitSpec("hea12", "HEA 12 wires x 8 layers, <sum Z>", 12, 8),
}


@dataclass(frozen=True)
class FrameworkSpec:
    name: str
    module: str
    device: str
    diff_method: str
    title: str


FRAMEWORKS = {
    "qsym": FrameworkSpec("qsym", "qsym", "default.qubit", "parameter-shift",
                          "qsym (parameter-shift)"),
    "pl-default-ps": FrameworkSpec("pl-default-ps", "pennylane", "default.qubit",
                                   "parameter-shift", "PennyLane default.qubit (param-shift)"),
    "lightning-ps": FrameworkSpec("lightning-ps", "pennylane", "lightning.qubit",
                                  "parameter-shift", "lightning.qubit (param-shift)"),
    "lightning-adjoint": FrameworkSpec("lightning-adjoint", "pennylane", "lightning.qubit",
                                       "adjoint", "lightning.qubit (adjoint)"),
}
REFERENCE = "pl-default-ps"


def build_qnode(qml, circuit: CircuitSpec, device: str, diff_method: str):
    """Build the benchmark qnode with the framework module ``qml`` (qsym or pennylane)."""
    dev = qml.device(device, wires=circuit.wires)

    if circuit.layers == 0:
        def seed(p):
            qml.RX(p[0], wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))

        fn = seed
    else:
        n, layers = circuit.wires, circuit.layers

        def hea(w):
            for layer in range(layers):
                for i in range(n):
                    qml.RY(w[layer, i, 0], wires=i)
                    qml.RZ(w[layer, i, 1], wires=i)
                for i in range(n - 1):
                    qml.CNOT(wires=[i, i + 1])
            obs = qml.PauliZ(0)
            for i in range(1, n):
                obs = obs + qml.PauliZ(i)
            return qml.expval(obs)

        fn = hea

    return qml.qnode(dev, diff_method=diff_method)(fn)


def make_params(qml, values: np.ndarray):
    """Trainable parameters: ``qml.numpy.array(..., requires_grad=True)`` where the
    framework has that (PennyLane needs it), a plain float array otherwise."""
    qnp = getattr(qml, "numpy", None)
    if qnp is not None and hasattr(qnp, "array"):
        try:
            return qnp.array(values, requires_grad=True)
        except TypeError:
            pass
    return np.array(values, dtype=float)


# The forms of the gradient call tried, in order. The benchmarked form is the first one;
# the others only exist so that a qsym whose grad needs an explicit argnum still runs.
GRAD_FORMS = ("qml.grad(f)(p)", "qml.grad(f, argnum=0)(p)", "qml.grad(f, argnums=0)(p)")


def grad_callable(qml, qnode, params, form: str):
    """A zero-argument function doing one full ``qml.grad(circuit)(params)`` call."""
    grad = qml.grad
    if form == GRAD_FORMS[0]:
        return lambda: grad(qnode)(params)
    if form == GRAD_FORMS[1]:
        return lambda: grad(qnode, argnum=0)(params)
    if form == GRAD_FORMS[2]:
        return lambda: grad(qnode, argnums=0)(params)
    raise ValueError(form)


def as_flat(g) -> np.ndarray:
    if isinstance(g, (tuple, list)) and len(g) == 1:
        g = g[0]
    return np.asarray(g, dtype=float).ravel()


def first_working_form(qml, qnode, params, size: int):
    """Find the gradient form that works; returns (form, gradient, errors)."""
    errors = []
    for form in GRAD_FORMS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = as_flat(grad_callable(qml, qnode, params, form)())
        except Exception as exc:  # noqa: BLE001 - report and try the next form
            errors.append(f"{form}: {type(exc).__name__}: {exc}")
            continue
        if g.size != size:
            errors.append(f"{form}: gradient has {g.size} entries, expected {size}")
            continue
        return form, g, errors
    return None, None, errors


# --------------------------------------------------------------------------------------
# Child mode: one fresh-process first-call measurement, printed as JSON.
# --------------------------------------------------------------------------------------
def child_main(spec_json: str) -> None:
    spec = json.loads(spec_json)
    fw = FRAMEWORKS[spec["framework"]]
    circuit = CIRCUITS[spec["circuit"]]
    form = spec.get("form") or GRAD_FORMS[0]
    out = {"numpy_import_s": _T_NUMPY_IMPORT}
    warnings.simplefilter("ignore")
    try:
        t0 = time.perf_counter()
        qml = importlib.import_module(fw.module)
        t1 = time.perf_counter()
        qnode = build_qnode(qml, circuit, fw.device, fw.diff_method)
        params = make_params(qml, circuit.param_values())
        t2 = time.perf_counter()
        call = grad_callable(qml, qnode, params, form)
        g = call()
        t3 = time.perf_counter()
        call()
        t4 = time.perf_counter()
        out.update(ok=True, import_s=t1 - t0, build_s=t2 - t1, first_grad_s=t3 - t2,
                   second_grad_s=t4 - t3, grad=as_flat(g).tolist(), form=form)
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=8))
    sys.stdout.flush()
    print(CHILD_MARK + json.dumps(out), flush=True)


def run_child(framework: str, circuit: str, form: str | None, env_extra: dict,
              timeout: float) -> dict:
    env = dict(os.environ)
    env.update(env_extra)
    spec = json.dumps({"framework": framework, "circuit": circuit, "form": form})
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", spec]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(CHILD_MARK):
            res = json.loads(line[len(CHILD_MARK):])
            res["process_wall_s"] = wall
            return res
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"ok": False, "error": f"child exited {proc.returncode}: " + " | ".join(tail)}


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------
def _run_loop(fn, n: int) -> int:
    """Nanoseconds for n calls of fn, with the garbage collector off (as timeit does)."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        return time.perf_counter_ns() - t0
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class SteadyResult:
    median_s: float
    min_s: float
    max_s: float
    calls: int
    repeats: int
    per_call_s: list = field(default_factory=list)


def time_steady(fn, repeats: int, target_s: float, warmup_s: float) -> SteadyResult:
    # Warm-up: at least 3 calls and at least warmup_s.
    t_end = time.perf_counter() + warmup_s
    for i in range(1000000):
        fn()
        if i >= 2 and time.perf_counter() >= t_end:
            break
    # Calibrate N so one measurement takes about target_s (>= 1 call).
    n = 1
    while True:
        t = _run_loop(fn, n) / 1e9
        if t >= target_s:
            break
        grow = target_s / t * 1.2 if t > 0 else 10
        n = max(n + 1, min(int(math.ceil(n * grow)), n * 100))
    per_call = [_run_loop(fn, n) / 1e9 / n for _ in range(repeats)]
    return SteadyResult(statistics.median(per_call), min(per_call), max(per_call), n, repeats,
                        per_call)


# --------------------------------------------------------------------------------------
# Machine description
# --------------------------------------------------------------------------------------
def _pkg_version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001
        return "not installed"


def machine_info() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        git = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        git = ""
    threads = ", ".join(f"{v}={os.environ.get(v, '(unset)')}" for v in _THREAD_VARS)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        ("date (UTC)", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())),
        ("CPU", cpu),
        ("cores", f"{os.cpu_count()} logical, {affinity} usable by this process"),
        ("memory", mem),
        ("OS", platform.platform()),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("numpy", np.__version__),
        ("numba", _pkg_version("numba")),
        ("sympy", _pkg_version("sympy")),
        ("pennylane", _pkg_version("pennylane")),
        ("pennylane-lightning", _pkg_version("pennylane_lightning")),
        ("qsym", f"{_pkg_version('qsym')} (working tree {REPO}, git {git or 'no commit'})"),
        ("threads", threads),
        ("load average at start", load),
    ]


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
def fmt_time(s: float | None) -> str:
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "—"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs" if s < 1e-5 else f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms" if s < 1e-2 else f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="CI smoke run: 3 repeats of ~0.05 s, one fresh process per case")
    p.add_argument("--out", type=Path, default=None,
                   help="also write the markdown report here (e.g. benchmarks/results/core.md)")
    p.add_argument("--json", type=Path, default=None, help="also write raw numbers as JSON")
    p.add_argument("--threads", default="1",
                   help="value for NUMBA_NUM_THREADS/OMP_NUM_THREADS/...; 'inherit' leaves "
                        "the environment as it is (default: 1)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help=f"comma list among {','.join(FRAMEWORKS)} (the reference "
                        f"{REFERENCE} is always loaded for the gradient check)")
    p.add_argument("--steady-circuits", default="seed,hea4",
                   help="circuits timed in steady state (add hea12 for the big one: "
                        "PennyLane default.qubit takes ~8 s per gradient there)")
    p.add_argument("--fresh-circuits", default="seed,hea4,hea12",
                   help="circuits timed in fresh processes (first call / compile)")
    p.add_argument("--repeats", type=int, default=None,
                   help="steady-state repeats (default 7; 3 with --quick)")
    p.add_argument("--target-time", type=float, default=None,
                   help="seconds per steady-state measurement (default 0.3; 0.05 with --quick)")
    p.add_argument("--fresh-repeats", type=int, default=None,
                   help="fresh processes per case (default 3; 1 with --quick)")
    p.add_argument("--child-timeout", type=float, default=900.0)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.repeats = args.repeats or (3 if args.quick else 7)
    args.target_time = args.target_time or (0.05 if args.quick else 0.3)
    args.fresh_repeats = args.fresh_repeats or (1 if args.quick else 3)
    args.warmup = 0.05 if args.quick else 0.3
    return args


def _split(s: str, allowed) -> list[str]:
    names = [x.strip() for x in s.split(",") if x.strip()]
    bad = [x for x in names if x not in allowed]
    if bad:
        raise SystemExit(f"unknown name(s) {bad}; choose among {list(allowed)}")
    return names


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        child_main(args.child)
        return 0

    fw_names = _split(args.frameworks, FRAMEWORKS)
    if REFERENCE not in fw_names:
        fw_names.insert(0, REFERENCE)
    steady_circuits = _split(args.steady_circuits, CIRCUITS)
    fresh_circuits = _split(args.fresh_circuits, CIRCUITS)
    check_circuits = list(dict.fromkeys(steady_circuits + [c for c in ("seed", "hea4")
                                                           if c in fresh_circuits]))

    # In-process caches go to a temp dir, so the run leaves nothing in the work tree.
    session_tmp = Path(tempfile.mkdtemp(prefix="qsym-bench-"))
    os.environ.setdefault("QSYM_CACHE_DIR", str(session_tmp / "inproc-qsym-cache"))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(session_tmp / "inproc-numba-cache"))

    info = machine_info()
    notes: list[str] = []
    raw: dict = {"machine": dict(info), "args": {k: str(v) for k, v in vars(args).items()}}

    # ---- load frameworks ---------------------------------------------------------------
    modules: dict[str, object] = {}
    unavailable: dict[str, str] = {}
    for name in fw_names:
        fw = FRAMEWORKS[name]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = importlib.import_module(fw.module)
                mod.device(fw.device, wires=1)  # probes the device plugin too
            modules[name] = mod
        except Exception as exc:  # noqa: BLE001 - half-written qsym may raise anything
            unavailable[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            log(f"[bench] {name} unavailable: {unavailable[name]}")
    if REFERENCE not in modules:
        raise SystemExit(f"the reference {REFERENCE} (PennyLane) is required: "
                         f"{unavailable.get(REFERENCE)}")
    if "qsym" in modules:
        mod = modules["qsym"]
        for i, (k, _) in enumerate(info):
            if k == "qsym":
                info[i] = (k, f"{getattr(mod, '__version__', _pkg_version('qsym'))} "
                              f"from {Path(getattr(mod, '__file__', '?') or '?').parent}")
    for name, why in unavailable.items():
        notes.append(f"**{FRAMEWORKS[name].title}** unavailable, skipped: `{why}`")

    # ---- gradient check (in process) ---------------------------------------------------
    forms: dict[str, str] = {}
    grads: dict[tuple[str, str], np.ndarray] = {}
    qnodes: dict[tuple[str, str], tuple] = {}
    broken: dict[tuple[str, str], str] = {}
    check_rows = []
    for cname in check_circuits:
        circuit = CIRCUITS[cname]
        size = circuit.param_values().size
        for name in [REFERENCE] + [n for n in fw_names if n != REFERENCE]:
            if name not in modules:
                continue
            fw, qml = FRAMEWORKS[name], modules[name]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    qnode = build_qnode(qml, circuit, fw.device, fw.diff_method)
                    params = make_params(qml, circuit.param_values())
            except Exception as exc:  # noqa: BLE001
                broken[(name, cname)] = f"build: {type(exc).__name__}: {exc}"
                continue
            log(f"[bench] check {cname} / {name}")
            form, g, errors = first_working_form(qml, qnode, params, size)
            if form is None:
                broken[(name, cname)] = "; ".join(errors)[:400]
                continue
            if errors:
                notes.append(f"{fw.title}: `{GRAD_FORMS[0]}` failed "
                             f"({errors[0][:200]}); timed `{form}` instead")
            forms.setdefault(name, form)
            grads[(name, cname)] = g
            qnodes[(name, cname)] = (qnode, params, form)
        ref = grads.get((REFERENCE, cname))
        if ref is None:
            raise SystemExit(f"reference gradient failed on {cname}: "
                             f"{broken.get((REFERENCE, cname))}")
        for name in fw_names:
            if (name, cname) in grads:
                diff = float(np.max(np.abs(grads[(name, cname)] - ref)))
                check_rows.append([cname, FRAMEWORKS[name].title, f"{diff:.1e}",
                                   "ok" if diff <= GRAD_TOL else "**MISMATCH**"])
                assert diff <= GRAD_TOL, (
                    f"{name} disagrees with {REFERENCE} on {cname}: max |Δgrad| = {diff:.3e} "
                    f"> {GRAD_TOL}\n{name}: {grads[(name, cname)]}\nreference: {ref}")
            elif name in modules:
                check_rows.append([cname, FRAMEWORKS[name].title, "—",
                                   f"error: {broken.get((name, cname), '?')[:160]}"])
    for (name, cname), why in broken.items():
        notes.append(f"{FRAMEWORKS[name].title} failed on {cname}: `{why[:300]}`")

    # ---- steady state ------------------------------------------------------------------
    steady: dict[tuple[str, str], SteadyResult] = {}
    for cname in steady_circuits:
        for name in fw_names:
            if (name, cname) not in qnodes:
                continue
            qnode, params, form = qnodes[(name, cname)]
            fn = grad_callable(modules[name], qnode, params, form)
            log(f"[bench] steady {cname} / {name}")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    steady[(name, cname)] = time_steady(fn, args.repeats, args.target_time,
                                                        args.warmup)
            except Exception as exc:  # noqa: BLE001
                notes.append(f"{FRAMEWORKS[name].title} steady-state on {cname} failed: "
                             f"`{type(exc).__name__}: {exc}`")
    del qnodes

    # ---- fresh processes ---------------------------------------------------------------
    fresh: dict[tuple[str, str, str], list[dict]] = {}
    for cname in fresh_circuits:
        circuit = CIRCUITS[cname]
        for name in [REFERENCE] + [n for n in fw_names if n != REFERENCE]:
            if name not in modules:
                continue
            if cname in check_circuits and (name, cname) not in grads:
                continue  # already failed in process; reported above
            form = forms.get(name)
            for r in range(args.fresh_repeats):
                if name == "qsym":
                    cache = session_tmp / f"fresh-{cname}-{r}"
                    env = {"QSYM_CACHE_DIR": str(cache / "qsym"),
                           "NUMBA_CACHE_DIR": str(cache / "numba")}
                    cases = [("cold", env), ("warm", env)]
                else:
                    cases = [("—", {})]
                for label, env in cases:
                    log(f"[bench] fresh process {cname} / {name} / cache {label} "
                        f"#{r + 1}/{args.fresh_repeats}")
                    res = run_child(name, cname, form, env, args.child_timeout)
                    fresh.setdefault((name, cname, label), []).append(res)
                    if res.get("ok"):
                        g = np.asarray(res.pop("grad"), dtype=float)
                        grads.setdefault((name, cname, "fresh"), g)
                        ref = grads.get((REFERENCE, cname)) \
                            if (REFERENCE, cname) in grads \
                            else grads.get((REFERENCE, cname, "fresh"))
                        if ref is not None:
                            diff = float(np.max(np.abs(g - ref)))
                            assert diff <= GRAD_TOL, (
                                f"{name} (fresh process, cache {label}) disagrees with "
                                f"{REFERENCE} on {cname}: max |Δgrad| = {diff:.3e}")
                            if cname not in check_circuits and r == 0 and label != "warm":
                                check_rows.append([f"{cname} (fresh process)",
                                                   FRAMEWORKS[name].title, f"{diff:.1e}",
                                                   "ok"])
                    else:
                        notes.append(f"{FRAMEWORKS[name].title} fresh process on {cname} "
                                     f"(cache {label}) failed: `{res.get('error', '?')[:300]}`")
                        break
    shutil.rmtree(session_tmp, ignore_errors=True)

    # ---- report ------------------------------------------------------------------------
    out: list[str] = []
    mode = "quick (CI smoke: few repeats, numbers are rough)" if args.quick else "full"
    out.append("# qsym core benchmark: gradients per call and compile time\n")
    out.append(f"Command: `python benchmarks/bench_core.py {' '.join(argv or sys.argv[1:])}`"
               f" — mode: {mode}.\n")
    out.append("## Machine\n")
    info.append(("load average at end", ", ".join(f"{x:.2f}" for x in os.getloadavg())))
    out.append(md_table(["", ""], [[k, v] for k, v in info]) + "\n")

    out.append("## Gradient check\n")
    out.append(f"Every framework's gradient vs PennyLane default.qubit (parameter-shift); "
               f"asserted ≤ {GRAD_TOL:g} before any timing is reported.\n")
    out.append(md_table(["circuit", "framework", "max abs diff", "status"], check_rows) + "\n")

    out.append("## Steady state: `qml.grad(circuit)(params)` per call\n")
    out.append(f"In one process after warm-up; each measurement is a loop of N calls "
               f"(`time.perf_counter_ns`, gc off) sized to ≈{args.target_time:g} s; "
               f"median and min over {args.repeats} measurements. "
               f"ratio = peer median / qsym median (> 1: qsym is faster).\n")
    rows = []
    raw["steady"] = []
    for cname in steady_circuits:
        q = steady.get(("qsym", cname))
        for name in fw_names:
            s = steady.get((name, cname))
            if s is None:
                why = "unavailable" if name in unavailable else "failed (see notes)"
                rows.append([CIRCUITS[cname].title, FRAMEWORKS[name].title, why, "", "", "",
                             ""])
                continue
            if name == "qsym":
                ratio = "1 (qsym)"
            elif q is not None:
                ratio = f"{s.median_s / q.median_s:.3g}×"
            else:
                ratio = "n/a (no qsym)"
            target = ""
            if cname == "seed" and name == "qsym":
                ok = s.median_s <= TARGET_SEED_GRAD_S
                target = f"≤ {fmt_time(TARGET_SEED_GRAD_S)}: {'PASS' if ok else 'FAIL'}"
            rows.append([CIRCUITS[cname].title, FRAMEWORKS[name].title, fmt_time(s.median_s),
                         fmt_time(s.min_s), f"{s.calls} × {s.repeats}", ratio, target])
            raw["steady"].append({"circuit": cname, "framework": name,
                                  "median_s": s.median_s, "min_s": s.min_s,
                                  "max_s": s.max_s, "calls": s.calls, "repeats": s.repeats,
                                  "per_call_s": s.per_call_s})
    out.append(md_table(["circuit", "framework", "median / call", "min / call",
                         "calls × repeats", "ratio peer/qsym", "target"], rows) + "\n")

    out.append("## First call in a fresh process (trace + compile)\n")
    out.append(f"Each value is the median over {args.fresh_repeats} fresh `python` processes. "
               "import = `import qsym` / `import pennylane` (numpy already imported); "
               "build = `qml.device` + `qml.qnode` + parameters; first grad = the first "
               "`qml.grad(circuit)(params)` (for qsym: trace + numba compile + run); "
               "build + first = time to the first gradient after import; second grad = the "
               "next call, for scale; process = whole process wall time incl. interpreter "
               "start-up. qsym cache **cold**: `QSYM_CACHE_DIR` and `NUMBA_CACHE_DIR` in a new "
               "empty temp dir; **warm**: a second fresh process reusing that dir.\n")
    rows = []
    raw["fresh"] = []
    for cname in fresh_circuits:
        circuit = CIRCUITS[cname]
        for name in fw_names:
            labels = ["cold", "warm"] if name == "qsym" else ["—"]
            for label in labels:
                runs = [r for r in fresh.get((name, cname, label), []) if r.get("ok")]
                title = f"{circuit.title} ({circuit.num_gates} gates, " \
                        f"{circuit.param_values().size} params)"
                if not runs:
                    why = "unavailable" if name in unavailable else "failed (see notes)"
                    if name not in unavailable or label in ("cold", "—"):
                        rows.append([title, FRAMEWORKS[name].title, label, why, "", "", "",
                                     "", "", ""])
                    continue
                med = {k: _median([r.get(k) for r in runs])
                       for k in ("import_s", "build_s", "first_grad_s", "second_grad_s",
                                 "process_wall_s")}
                to_grad = _median([r["build_s"] + r["first_grad_s"] for r in runs])
                target = ""
                if cname == "hea12" and name == "qsym":
                    ok = to_grad <= TARGET_HEA12_COMPILE_S
                    target = f"≤ {TARGET_HEA12_COMPILE_S:g} s: {'PASS' if ok else 'FAIL'}"
                rows.append([title, FRAMEWORKS[name].title, label, fmt_time(med["import_s"]),
                             fmt_time(med["build_s"]), fmt_time(med["first_grad_s"]),
                             f"**{fmt_time(to_grad)}**", fmt_time(med["second_grad_s"]),
                             fmt_time(med["process_wall_s"]), target])
                raw["fresh"].append({"circuit": cname, "framework": name, "cache": label,
                                     "runs": runs, "median": med,
                                     "build_plus_first_s": to_grad})
    out.append(md_table(["circuit", "framework", "qsym cache", "import", "build",
                         "first grad", "build + first", "second grad", "process",
                         "target"], rows) + "\n")

    out.append("## Targets\n")
    trows = []
    s = steady.get(("qsym", "seed"))
    trows.append(["seed `qml.grad(circuit)(params)` median per call",
                  f"≤ {fmt_time(TARGET_SEED_GRAD_S)}",
                  fmt_time(s.median_s) if s else "n/a",
                  ("PASS" if s.median_s <= TARGET_SEED_GRAD_S else "FAIL") if s
                  else "n/a (qsym not measured)"])
    runs = [r for r in fresh.get(("qsym", "hea12", "cold"), []) if r.get("ok")]
    v = _median([r["build_s"] + r["first_grad_s"] for r in runs]) if runs else None
    trows.append(["12 wires × 8 layers traced + compiled (build + first grad, fresh process, "
                  "cold cache)", f"≤ {TARGET_HEA12_COMPILE_S:g} s", fmt_time(v),
                  ("PASS" if v <= TARGET_HEA12_COMPILE_S else "FAIL") if v is not None
                  else "n/a (qsym not measured)"])
    runs = [r for r in fresh.get(("qsym", "hea12", "warm"), []) if r.get("ok")]
    v = _median([r["build_s"] + r["first_grad_s"] for r in runs]) if runs else None
    trows.append(["same, warm cache (for information)", "—", fmt_time(v), ""])
    out.append(md_table(["target", "goal", "qsym", "status"], trows) + "\n")

    if notes:
        out.append("## Notes\n")
        out.extend(f"- {n}" for n in dict.fromkeys(notes))
        out.append("")

    report = "\n".join(out)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
        log(f"[bench] wrote {args.out}")
    if args.json:
        raw["notes"] = notes
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(raw, indent=1, default=str))
        log(f"[bench] wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
