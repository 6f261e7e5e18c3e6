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
   each measurement is a loop of N calls sized to take ~0.3 s (at least one call),
   repeated 7 times; reports the median and min per call, and the ratio peer / qsym.
   All three circuits, except PennyLane ``default.qubit`` on the 12-wire one (~8 s per
   gradient; ``--steady-skip``).
4. First call: in a FRESH subprocess per measurement, times the framework import, the
   qnode construction and the first ``qml.grad(circuit)(params)`` separately. qsym runs in
   three modes, each with its own new ``NUMBA_CACHE_DIR`` / ``QSYM_CACHE_DIR``:
   "first use" (both empty: numba compiles qsym's kernel library, once per machine),
   "new circuit" (numba cache pre-filled by a separate process running OTHER circuits,
   qsym cache empty: the cost of each new circuit; the 2 s target is judged on it) and
   "cached circuit" (the next fresh process on the new-circuit run's caches).
5. Prints a markdown report (machine, checks, tables, targets) and writes it to --out.

qsym is benchmarked from a copy of the working tree's ``qsym/`` taken at start (it is
edited while benchmarks run), in this process and in every child process.

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
import resource  # noqa: E402
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
# Benchmark the working tree's qsym, not some older installed copy. The parent process
# copies qsym/ to a temp dir at start and benchmarks that snapshot everywhere (QSYM_SRC_ENV
# tells its child processes), since qsym is edited while benchmarks run.
QSYM_SRC_ENV = "QSYM_BENCH_SRC"


def _pythonpath_qsym():
    """The first ``PYTHONPATH`` folder holding a ``qsym`` package (a snapshot to measure,
    ``PYTHONPATH=/tmp/before python benchmarks/...``): without this the working tree's
    qsym, put first on ``sys.path`` below, shadowed it, and a before/after comparison of
    scripts importing this module measured the same code twice."""
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and os.path.isfile(os.path.join(entry, "qsym", "__init__.py")):
            return os.path.abspath(entry)
    return None


_QSYM_SRC = os.environ.get(QSYM_SRC_ENV) or _pythonpath_qsym() or str(REPO)
if _QSYM_SRC not in sys.path:
    sys.path.insert(0, _QSYM_SRC)

GRAD_TOL = 1e-8
TARGET_SEED_GRAD_S = 10e-6     # seed qml.grad(circuit)(params) median per call
TARGET_HEA12_COMPILE_S = 2.0   # 12 wires x 8 layers traced + compiled, fresh process
CHILD_MARK = "BENCH_JSON:"
# qsym's fresh-process modes (see main): kernel library not yet compiled on this machine;
# library compiled (by other circuits), this circuit new; this circuit run before.
QSYM_MODES = ("first use", "new circuit", "cached circuit")


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


def qsym_fingerprint(pkg_dir: Path | None = None) -> str:
    """Short hash of qsym's source files (``pkg_dir``, default the working tree's
    ``qsym/``): qsym is edited while benchmarks run."""
    h = __import__("hashlib").sha256()
    for f in sorted(Path(pkg_dir or REPO / "qsym").glob("*.py")):
        try:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:12]


def kernel_cache_state(numba_dir: Path) -> dict:
    """name -> (mtime, size) of numba's cache files for qsym's kernel library
    (``kernels.*.nbi`` / ``.nbc``) under ``numba_dir``: a change means the library was
    (re)compiled."""
    out = {}
    for f in Path(numba_dir).rglob("kernels.*"):
        try:
            st = f.stat()
        except OSError:
            continue
        out[str(f.relative_to(numba_dir))] = (st.st_mtime_ns, st.st_size)
    return out


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
        # qsym only: its own split of the first call (private attributes, so optional):
        # trace = trace + checks + gradient plan; codegen = emit the module source, write
        # it to QSYM_CACHE_DIR and import it. numba compiles (or loads) at the first run.
        if fw.module == "qsym":
            out["qsym_fingerprint"] = qsym_fingerprint(Path(qml.__file__).parent)
        entry = getattr(qnode, "_last", None)
        for key, attr in (("trace_s", "trace_seconds"), ("codegen_s", "compile_seconds")):
            v = getattr(entry, attr, None)
            if isinstance(v, float):
                out[key] = v
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=8))
    sys.stdout.flush()
    print(CHILD_MARK + json.dumps(out), flush=True)


def build_warmup_qnodes(qml):
    """The circuits that pre-warm numba's cache for the "new circuit" mode: circuits a
    user might have run before, different from every benchmark circuit (other wire
    counts, gates, observables), and small enough to run on qsym's fused path.
    Returns ``[(name, qnode, params), ...]``."""
    dev3 = qml.device("default.qubit", wires=3)

    def warm3(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.RX(p[2], wires=2)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        qml.RY(p[3], wires=0)
        return qml.expval(qml.PauliZ(2))

    dev2 = qml.device("default.qubit", wires=2)

    def warm2(p):
        qml.RY(p[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RX(p[1], wires=1)
        return qml.expval(qml.PauliZ(1))

    return [("3 wires RX/RY/CNOT, <Z2>",
             qml.qnode(dev3, diff_method="parameter-shift")(warm3),
             make_params(qml, np.array([0.1, 0.2, 0.3, 0.4]))),
            ("2 wires RY/CNOT/RX, <Z1>",
             qml.qnode(dev2, diff_method="parameter-shift")(warm2),
             make_params(qml, np.array([0.5, 0.6])))]


def warmup_main() -> None:
    """Child mode ``--child warmup``: run the warm-up circuits with qsym (value, then
    gradient), so that the NUMBA_CACHE_DIR of this process holds qsym's compiled kernel
    library; print the timings as JSON."""
    out = {}
    warnings.simplefilter("ignore")
    try:
        t0 = time.perf_counter()
        qml = importlib.import_module("qsym")
        out["import_s"] = time.perf_counter() - t0
        out["circuits"] = {}
        for name, qnode, params in build_warmup_qnodes(qml):
            t0 = time.perf_counter()
            qnode(params)
            qml.grad(qnode)(params)
            out["circuits"][name] = time.perf_counter() - t0
        out["qsym_fingerprint"] = qsym_fingerprint(Path(qml.__file__).parent)
        out["ok"] = True
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=8))
    print(CHILD_MARK + json.dumps(out), flush=True)


class OtherLoad:
    """Average number of cores that processes OTHER than this one and its children kept
    busy between ``__init__`` and :meth:`cores` (system-wide busy time from /proc/stat
    minus our own CPU time, over the wall time): the noise from the shared machine."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.busy0 = self._busy()
        self.own0 = self._own()

    @staticmethod
    def _busy() -> float | None:
        try:
            with open("/proc/stat") as fh:
                v = [int(x) for x in fh.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait

    @staticmethod
    def _own() -> float:
        a = resource.getrusage(resource.RUSAGE_SELF)
        b = resource.getrusage(resource.RUSAGE_CHILDREN)
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

    def cores(self) -> float | None:
        busy = self._busy()
        wall = time.perf_counter() - self.t0
        if busy is None or self.busy0 is None or wall <= 0:
            return None
        return max(0.0, (busy - self.busy0) - (self._own() - self.own0)) / wall


QUIET = {"max_wait_s": 60.0, "waited_s": 0.0, "gates": 0, "timeouts": 0}
QUIET_BUDGET_FACTOR = 10  # never wait more than 10 x max_wait_s over a whole run


def wait_for_free_core(sample_s: float = 0.5) -> None:
    """Before a measurement: wait (at most QUIET["max_wait_s"], and at most
    QUIET_BUDGET_FACTOR times that over the whole run) until other processes leave at
    least one core free, i.e. keep at most cpu_count - 1 (+ 0.15 slack) cores busy over
    a ``sample_s`` sample. The benchmark runs single-threaded, so one free core is what
    it needs; the machine is shared (test suites run alongside)."""
    if QUIET["max_wait_s"] <= 0:
        return
    QUIET["gates"] += 1
    max_wait = min(QUIET["max_wait_s"],
                   QUIET_BUDGET_FACTOR * QUIET["max_wait_s"] - QUIET["waited_s"])
    limit = (os.cpu_count() or 1) - 1 + 0.15
    t0 = time.perf_counter()
    logged = False
    while True:
        meter = OtherLoad()
        time.sleep(sample_s)
        c = meter.cores()
        waited = time.perf_counter() - t0 - sample_s
        if c is None or c <= limit:
            break
        if waited >= max_wait:
            QUIET["timeouts"] += 1
            log(f"[bench]   still {c:.1f} cores busy after {waited:.0f} s: measuring anyway")
            break
        if not logged:
            log(f"[bench]   other processes keep {c:.1f} cores busy: waiting for a free core")
            logged = True
    QUIET["waited_s"] += max(0.0, time.perf_counter() - t0 - sample_s)


def run_child(framework: str | None, circuit: str | None, form: str | None,
              env_extra: dict, timeout: float) -> dict:
    """One fresh process: a measurement, or (``framework=None``) the qsym warm-up."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in env_extra.items()})
    if framework is None:
        spec = "warmup"
    else:
        spec = json.dumps({"framework": framework, "circuit": circuit, "form": form})
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", spec]
    if framework is not None:
        wait_for_free_core()
    t0 = time.perf_counter()
    meter = OtherLoad()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    other = meter.cores()
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(CHILD_MARK):
            res = json.loads(line[len(CHILD_MARK):])
            res["process_wall_s"] = wall
            res["other_cores"] = other
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
    other_cores: float | None = None  # cores kept busy by other processes meanwhile


WARMUP_MIN_CALLS = 2000   # qsym switches a small circuit to fused code after 1000 calls
WARMUP_MAX_S = 5.0        # ... but never warm up longer than this for the call count


def time_steady(fn, repeats: int, target_s: float, warmup_s: float) -> SteadyResult:
    # Warm-up: at least 3 calls and at least warmup_s; and at least WARMUP_MIN_CALLS calls
    # unless that takes more than WARMUP_MAX_S. A JIT that recompiles a hot function after
    # N calls (qsym's tiered compilation: fused code after 1000 calls, ~1 s compile)
    # must do so here, not inside a measurement.
    t0 = time.perf_counter()
    t_end = t0 + warmup_s
    for i in range(10000000):
        fn()
        if i < 2:
            continue
        now = time.perf_counter()
        if now >= t_end and (i + 1 >= WARMUP_MIN_CALLS or now - t0 >= WARMUP_MAX_S):
            break
    # Calibrate N so one measurement takes about target_s (>= 1 call).
    n = 1
    while True:
        t = _run_loop(fn, n) / 1e9
        if t >= target_s:
            break
        grow = target_s / t * 1.2 if t > 0 else 10
        n = max(n + 1, min(int(math.ceil(n * grow)), n * 100))
    meter = OtherLoad()
    per_call = [_run_loop(fn, n) / 1e9 / n for _ in range(repeats)]
    return SteadyResult(statistics.median(per_call), min(per_call), max(per_call), n, repeats,
                        per_call, meter.cores())


# --------------------------------------------------------------------------------------
# Machine description
# --------------------------------------------------------------------------------------
def _pkg_version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001
        return "not installed"


def _proc_cpu_ticks() -> dict[int, tuple[str, int]]:
    """pid -> (process name, utime + stime in clock ticks), from /proc (Linux)."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        lpar, rpar = stat.find("("), stat.rfind(")")
        fields = stat[rpar + 2:].split()
        try:
            out[int(d.name)] = (stat[lpar + 1:rpar], int(fields[11]) + int(fields[12]))
        except (IndexError, ValueError):
            continue
    return out


def other_busy_processes(interval: float = 2.0, threshold: float = 0.10) -> str:
    """Processes other than this one that used more than ``threshold`` of a core during
    ``interval`` seconds (sampled from /proc), as "name pid (NN% of a core)"; the
    benchmark's own child processes are not running when this is called."""
    try:
        hz = os.sysconf("SC_CLK_TCK")
        a = _proc_cpu_ticks()
        time.sleep(interval)
        b = _proc_cpu_ticks()
    except (OSError, ValueError, AttributeError):
        return "unknown (no /proc)"
    me = os.getpid()
    busy = []
    for pid, (name, ticks) in b.items():
        if pid == me or pid not in a:
            continue
        frac = (ticks - a[pid][1]) / hz / interval
        if frac > threshold:
            busy.append((frac, f"{name} {pid} ({frac:.0%} of a core)"))
    busy.sort(reverse=True)
    return ", ".join(x for _, x in busy) or f"none above {threshold:.0%} of a core"


def load_snapshot() -> tuple[str, str]:
    """(``uptime`` output, other busy processes) right now."""
    try:
        up = subprocess.run(["uptime"], capture_output=True, text=True,
                            timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001 - no uptime binary: fall back to os.getloadavg
        up = ""
    if not up:
        up = "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"`{up}`", other_busy_processes()


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
    up, busy = load_snapshot()
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
        ("`uptime` at start", up),
        ("other processes > 10% CPU at start (2 s sample)", busy),
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


def fmt_cores(c: float | None) -> str:
    return "—" if c is None else f"{c:.1f} cores"


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
    p.add_argument("--steady-circuits", default=None,
                   help="circuits timed in steady state (default seed,hea4,hea12; "
                        "seed,hea4 with --quick)")
    p.add_argument("--steady-skip", default="pl-default-ps:hea12",
                   help="framework:circuit pairs NOT timed in steady state (default "
                        "pl-default-ps:hea12: PennyLane default.qubit takes ~8 s per "
                        "gradient there); '' times every pair")
    p.add_argument("--fresh-circuits", default="seed,hea4,hea12",
                   help="circuits timed in fresh processes (first call / compile)")
    p.add_argument("--repeats", type=int, default=None,
                   help="steady-state repeats (default 7; 3 with --quick)")
    p.add_argument("--target-time", type=float, default=None,
                   help="seconds per steady-state measurement (default 0.3; 0.05 with --quick)")
    p.add_argument("--fresh-repeats", type=int, default=None,
                   help="fresh processes per case (default 3; 1 with --quick)")
    p.add_argument("--max-wait-quiet", type=float, default=60.0,
                   help="before each measurement, wait up to this many seconds for other "
                        "processes to leave a core free, and at most 10 times this over "
                        "the run (0: never wait; default 60)")
    p.add_argument("--child-timeout", type=float, default=900.0)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.steady_circuits = args.steady_circuits or ("seed,hea4" if args.quick
                                                    else "seed,hea4,hea12")
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


_T_START = time.perf_counter()


def log(msg: str) -> None:
    print(f"{time.perf_counter() - _T_START:7.1f}s {msg}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child == "warmup":
        warmup_main()
        return 0
    if args.child is not None:
        child_main(args.child)
        return 0

    QUIET["max_wait_s"] = args.max_wait_quiet
    fw_names = _split(args.frameworks, FRAMEWORKS)
    if REFERENCE not in fw_names:
        fw_names.insert(0, REFERENCE)
    steady_circuits = _split(args.steady_circuits, CIRCUITS)
    steady_skip = set()
    for pair in (x.strip() for x in args.steady_skip.split(",") if x.strip()):
        fw_, _, c_ = pair.partition(":")
        _split(fw_, FRAMEWORKS)
        _split(c_, CIRCUITS)
        steady_skip.add((fw_, c_))
    fresh_circuits = _split(args.fresh_circuits, CIRCUITS)
    check_circuits = list(dict.fromkeys(steady_circuits + [c for c in ("seed", "hea4")
                                                           if c in fresh_circuits]))

    # In-process caches go to a temp dir, so the run leaves nothing in the work tree.
    session_tmp = Path(tempfile.mkdtemp(prefix="qsym-bench-"))
    os.environ.setdefault("QSYM_CACHE_DIR", str(session_tmp / "inproc-qsym-cache"))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(session_tmp / "inproc-numba-cache"))

    # Snapshot of the working tree's qsym/, benchmarked by this process and every child:
    # edits made to qsym during the run (another engineer, an editor) do not leak into it.
    snapshot = session_tmp / "qsym-src"
    shutil.copytree(REPO / "qsym", snapshot / "qsym",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    os.environ[QSYM_SRC_ENV] = str(snapshot)
    sys.path.insert(0, str(snapshot))
    fp_start = qsym_fingerprint(snapshot / "qsym")

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
                              f"from {Path(getattr(mod, '__file__', '?') or '?').parent} "
                              f"(temp snapshot of {REPO / 'qsym'})")
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
            if (name, cname) not in qnodes or (name, cname) in steady_skip:
                continue
            qnode, params, form = qnodes[(name, cname)]
            fn = grad_callable(modules[name], qnode, params, form)
            log(f"[bench] steady {cname} / {name}")
            wait_for_free_core()
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
    # qsym runs in three modes, each in fresh processes with its own fresh NUMBA_CACHE_DIR
    # (so one mode never warms the cache of another):
    #   first use      - NUMBA_CACHE_DIR and QSYM_CACHE_DIR empty: numba compiles qsym's
    #                    kernel library (once per machine), then the circuit;
    #   new circuit    - NUMBA_CACHE_DIR is a copy of one that a separate warm-up process
    #                    filled by running OTHER circuits (build_warmup_qnodes);
    #                    QSYM_CACHE_DIR empty: what each new circuit costs a user;
    #   cached circuit - the next fresh process on the new-circuit run's two dirs.
    load_mid = load_snapshot()
    fresh: dict[tuple[str, str, str], list[dict]] = {}
    warmups: dict[int, dict] = {}
    excluded: list[dict] = []

    all_warmups: list[dict] = []

    def warm_numba_dir(r: int) -> Path | None:
        """numba cache dir filled by warm-up process #r (made on first need)."""
        if r not in warmups:
            d = session_tmp / f"warmup-{len(all_warmups)}"
            log(f"[bench] qsym warm-up process for repeat #{r + 1} (fills a numba cache "
                f"with other circuits)")
            res = run_child(None, None, None, {"NUMBA_CACHE_DIR": d / "numba",
                                               "QSYM_CACHE_DIR": d / "qsym"},
                            args.child_timeout)
            res["numba_cache_dir"] = d / "numba"
            warmups[r] = res
            all_warmups.append(res)
            if not res.get("ok"):
                notes.append(f"qsym warm-up process failed: `{res.get('error', '?')[:300]}`")
        res = warmups[r]
        return res["numba_cache_dir"] if res.get("ok") else None

    def run_qsym_mode(cname, form, label, env, r) -> dict | None:
        """One qsym fresh process in mode ``label``; None if the warm-up failed. In the
        modes where the kernel library must come from numba's cache, a run in which numba
        recompiled it (qsym's source changed after the warm-up: qsym is edited while
        benchmarks run) is marked ``excluded``; "new circuit" then gets one more try
        after a new warm-up."""
        for attempt in (1, 2):
            if label == QSYM_MODES[1]:
                warm = warm_numba_dir(r)
                if warm is None:
                    return None
                shutil.rmtree(env["NUMBA_CACHE_DIR"], ignore_errors=True)
                shutil.copytree(warm, env["NUMBA_CACHE_DIR"])
            before = kernel_cache_state(env["NUMBA_CACHE_DIR"])
            log(f"[bench] fresh process {cname} / qsym / {label} #{r + 1}/"
                f"{args.fresh_repeats}")
            res = run_child("qsym", cname, form, env, args.child_timeout)
            if label == QSYM_MODES[0] or not res.get("ok") or \
                    kernel_cache_state(env["NUMBA_CACHE_DIR"]) == before:
                return res
            res["excluded"] = "numba recompiled the kernel library (stale cache)"
            excluded.append(dict(res, circuit=cname, mode=label, repeat=r + 1))
            if label == QSYM_MODES[2] or attempt == 2:
                notes.append(f"qsym fresh process on {cname} ({label}, #{r + 1}): numba "
                             f"recompiled the kernel library (qsym source changed during "
                             f"the run?); excluded from the medians")
                return res
            log("[bench]   numba recompiled the kernel library (qsym source changed "
                "since the warm-up?): new warm-up, then measuring again")
            warmups.pop(r, None)
        return res

    def check_fresh(name, cname, label, r, res):
        g = np.asarray(res.pop("grad"), dtype=float)
        grads.setdefault((name, cname, "fresh"), g)
        ref = grads.get((REFERENCE, cname)) if (REFERENCE, cname) in grads \
            else grads.get((REFERENCE, cname, "fresh"))
        if ref is None:
            return
        diff = float(np.max(np.abs(g - ref)))
        assert diff <= GRAD_TOL, (
            f"{name} (fresh process, {label}) disagrees with {REFERENCE} on {cname}: "
            f"max |Δgrad| = {diff:.3e}")
        if cname not in check_circuits and r == 0 and label in ("—", QSYM_MODES[0]):
            check_rows.append([f"{cname} (fresh process)", FRAMEWORKS[name].title,
                               f"{diff:.1e}", "ok"])

    for cname in fresh_circuits:
        for name in [REFERENCE] + [n for n in fw_names if n != REFERENCE]:
            if name not in modules:
                continue
            if cname in check_circuits and (name, cname) not in grads:
                continue  # already failed in process; reported above
            form = forms.get(name)
            for r in range(args.fresh_repeats):
                if name == "qsym":
                    base = session_tmp / f"fresh-{cname}-{r}"
                    first_env = {"QSYM_CACHE_DIR": base / "first" / "qsym",
                                 "NUMBA_CACHE_DIR": base / "first" / "numba"}
                    new_env = {"QSYM_CACHE_DIR": base / "new" / "qsym",
                               "NUMBA_CACHE_DIR": base / "new" / "numba"}
                    cases = [(QSYM_MODES[0], first_env), (QSYM_MODES[1], new_env),
                             (QSYM_MODES[2], new_env)]
                else:
                    cases = [("—", {})]
                for label, env in cases:
                    if name == "qsym":
                        res = run_qsym_mode(cname, form, label, env, r)
                        if res is None:
                            break  # warm-up failed, reported in notes
                        if res.get("excluded"):
                            continue
                    else:
                        log(f"[bench] fresh process {cname} / {name} #{r + 1}/"
                            f"{args.fresh_repeats}")
                        res = run_child(name, cname, form, env, args.child_timeout)
                    fresh.setdefault((name, cname, label), []).append(res)
                    if res.get("ok"):
                        check_fresh(name, cname, label, r, res)
                    else:
                        notes.append(f"{FRAMEWORKS[name].title} fresh process on {cname} "
                                     f"({label}) failed: `{res.get('error', '?')[:300]}`")
                        if label != QSYM_MODES[0]:
                            break  # "cached circuit" needs the "new circuit" run
    raw["qsym_warmup"] = [dict(w, numba_cache_dir=str(w.get("numba_cache_dir")))
                          for w in all_warmups]
    for res in excluded:
        res.pop("grad", None)
    raw["qsym_excluded_runs"] = excluded
    prints = {r.get("qsym_fingerprint") for runs in fresh.values() for r in runs} \
        | {w.get("qsym_fingerprint") for w in all_warmups} | {fp_start}
    prints.discard(None)
    if len(prints) > 1:  # cannot happen with the snapshot, unless something edits it
        notes.append(f"qsym's source changed during the run: {len(prints)} versions seen "
                     f"({', '.join(sorted(prints))}); numbers may come from different "
                     f"versions of qsym")
    shutil.rmtree(session_tmp, ignore_errors=True)

    # ---- report ------------------------------------------------------------------------
    out: list[str] = []
    mode = "quick (CI smoke: few repeats, numbers are rough)" if args.quick else "full"
    out.append("# qsym core benchmark: gradients per call and compile time\n")
    out.append(f"Command: `python benchmarks/bench_core.py {' '.join(argv or sys.argv[1:])}`"
               f" — mode: {mode}.\n")
    out.append("## Machine\n")
    load_end = load_snapshot()
    fp_end = qsym_fingerprint()
    info += [("`uptime` before the fresh-process runs", load_mid[0]),
             ("other processes > 10% CPU before the fresh-process runs", load_mid[1]),
             ("`uptime` at end", load_end[0]),
             ("other processes > 10% CPU at end (2 s sample)", load_end[1]),
             ("waiting for a free core before measurements",
              f"{QUIET['waited_s']:.0f} s in total over {QUIET['gates']} measurements; "
              f"{QUIET['timeouts']} started without one (after waiting "
              f"{QUIET['max_wait_s']:g} s, or with the run's "
              f"{QUIET_BUDGET_FACTOR * QUIET['max_wait_s']:g} s budget used up)"
              if QUIET["max_wait_s"] > 0 else "off (`--max-wait-quiet 0`)"),
             ("qsym benchmarked", f"snapshot of the working tree's `qsym/` taken at "
                                  f"start, fingerprint {fp_start} (sha256 of qsym/*.py)"),
             ("working tree `qsym/` at end", fp_end if fp_end == fp_start else
              f"{fp_end}: edited during the run (not benchmarked)")]
    raw["machine"] = dict(info)
    out.append(md_table(["", ""], [[k, v] for k, v in info]) + "\n")

    out.append("## Gradient check\n")
    out.append(f"Every framework's gradient vs PennyLane default.qubit (parameter-shift); "
               f"asserted ≤ {GRAD_TOL:g} before any timing is reported.\n")
    out.append(md_table(["circuit", "framework", "max abs diff", "status"], check_rows) + "\n")

    out.append("## Steady state: `qml.grad(circuit)(params)` per call\n")
    out.append(f"In one process after warm-up; each measurement is a loop of N calls "
               f"(`time.perf_counter_ns`, gc off) sized to ≈{args.target_time:g} s; "
               f"median and min over {args.repeats} measurements. "
               f"ratio = peer median / qsym median (> 1: qsym is faster). other load = "
               f"cores kept busy by other processes on this shared machine during the "
               f"measurements ({os.cpu_count()} cores in all).\n")
    rows = []
    raw["steady"] = []
    for cname in steady_circuits:
        q = steady.get(("qsym", cname))
        for name in fw_names:
            s = steady.get((name, cname))
            if s is None:
                why = "unavailable" if name in unavailable else \
                    "skipped (`--steady-skip`)" if (name, cname) in steady_skip else \
                    "failed (see notes)"
                rows.append([CIRCUITS[cname].title, FRAMEWORKS[name].title, why, "", "", "",
                             "", ""])
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
                         fmt_time(s.min_s), f"{s.calls} × {s.repeats}", ratio,
                         fmt_cores(s.other_cores), target])
            raw["steady"].append({"circuit": cname, "framework": name,
                                  "median_s": s.median_s, "min_s": s.min_s,
                                  "max_s": s.max_s, "calls": s.calls, "repeats": s.repeats,
                                  "per_call_s": s.per_call_s,
                                  "other_cores": s.other_cores})
    out.append(md_table(["circuit", "framework", "median / call", "min / call",
                         "calls × repeats", "ratio peer/qsym", "other load", "target"], rows)
               + "\n")

    def fresh_runs(name, cname, label):
        return [r for r in fresh.get((name, cname, label), []) if r.get("ok")]

    def to_first_grad(runs):
        return _median([r["build_s"] + r["first_grad_s"] for r in runs]) if runs else None

    out.append("## First call in a fresh process (trace + compile)\n")
    out.append(
        f"Each value is the median over {args.fresh_repeats} fresh `python` processes "
        "(numpy imported first; the framework import is timed separately, see *Import "
        "time* below). build = `qml.device` + `qml.qnode` + parameters; first grad = the "
        "first `qml.grad(circuit)(params)` (for qsym: trace + code generation + numba "
        "compile or cache load + one gradient run); **build + first** = time from import "
        "to the first gradient; second grad = the next call, i.e. the run time alone; "
        "process = wall time of the whole process incl. interpreter start-up and import; "
        "other load = cores kept busy by other processes on this shared machine while the "
        f"process ran ({os.cpu_count()} cores in all; median over the processes).\n")
    out.append(
        "qsym runs in three modes, each in its own fresh `NUMBA_CACHE_DIR` so that no mode "
        "warms another's cache:\n\n"
        "- **first use** (on a machine): `NUMBA_CACHE_DIR` and `QSYM_CACHE_DIR` empty, so "
        "numba compiles qsym's kernel library (once per machine; normally cached next to "
        "`qsym/_kernels.py`) before the circuit;\n"
        "- **new circuit**: `NUMBA_CACHE_DIR` is a copy of a cache that a separate warm-up "
        "process filled by running *other* qsym circuits (value and gradient of a 3-wire "
        "RX/RY/CNOT circuit and a 2-wire circuit), `QSYM_CACHE_DIR` is empty: what a user "
        "pays for each new circuit;\n"
        "- **cached circuit**: the next fresh process on the new-circuit run's two "
        "directories (kernel library and this circuit's module both cached).\n")

    qrows = []
    for cname in fresh_circuits:
        circuit = CIRCUITS[cname]
        vals = [to_first_grad(fresh_runs("qsym", cname, m)) for m in QSYM_MODES]
        if all(v is None for v in vals):
            continue
        all_runs = [r for m in QSYM_MODES for r in fresh_runs("qsym", cname, m)]
        run_t = _median([r.get("second_grad_s") for r in all_runs])
        other = _median([r.get("other_cores") for r in all_runs])
        qrows.append([f"{circuit.title} ({circuit.num_gates} gates)"]
                     + [f"**{fmt_time(v)}**" if m == QSYM_MODES[1] else fmt_time(v)
                        for m, v in zip(QSYM_MODES, vals)]
                     + [fmt_time(run_t), fmt_cores(other)])
    if qrows:
        out.append("### qsym: build + first gradient, by mode\n")
        out.append(md_table(["circuit"] + list(QSYM_MODES) +
                            ["one gradient run (second call)", "other load"], qrows) + "\n")

    out.append("### All frameworks\n")
    out.append("trace / codegen (qsym only, from its `Compiled` record): trace = tracing, "
               "checks and gradient plan; codegen = generate the module, write it to "
               "`QSYM_CACHE_DIR` and import it. The rest of *first grad* is numba "
               "(compile, or load from its cache) plus one gradient run.\n")
    rows = []
    raw["fresh"] = []
    for cname in fresh_circuits:
        circuit = CIRCUITS[cname]
        for name in fw_names:
            labels = list(QSYM_MODES) if name == "qsym" else ["—"]
            for label in labels:
                runs = fresh_runs(name, cname, label)
                title = f"{circuit.title} ({circuit.num_gates} gates, " \
                        f"{circuit.param_values().size} params)"
                if not runs:
                    why = "unavailable" if name in unavailable else "failed (see notes)"
                    if name not in unavailable or label in (QSYM_MODES[0], "—"):
                        rows.append([title, FRAMEWORKS[name].title, label, why, "", "", "",
                                     "", "", "", ""])
                    continue
                med = {k: _median([r.get(k) for r in runs])
                       for k in ("import_s", "build_s", "first_grad_s", "second_grad_s",
                                 "process_wall_s", "trace_s", "codegen_s",
                                 "other_cores")}
                to_grad = to_first_grad(runs)
                split = "" if med["trace_s"] is None else \
                    f"{fmt_time(med['trace_s'])} / {fmt_time(med['codegen_s'])}"
                target = ""
                if cname == "hea12" and name == "qsym" and label == QSYM_MODES[1]:
                    ok = to_grad <= TARGET_HEA12_COMPILE_S
                    target = f"≤ {TARGET_HEA12_COMPILE_S:g} s: {'PASS' if ok else 'FAIL'}"
                rows.append([title, FRAMEWORKS[name].title, label, fmt_time(med["build_s"]),
                             fmt_time(med["first_grad_s"]), split,
                             f"**{fmt_time(to_grad)}**", fmt_time(med["second_grad_s"]),
                             fmt_time(med["process_wall_s"]), fmt_cores(med["other_cores"]),
                             target])
                raw["fresh"].append({"circuit": cname, "framework": name, "mode": label,
                                     "runs": runs, "median": med,
                                     "build_plus_first_s": to_grad})
    out.append(md_table(["circuit", "framework", "qsym mode", "build", "first grad",
                         "trace / codegen", "build + first", "second grad", "process",
                         "other load", "target"], rows) + "\n")

    if all_warmups:
        ws = [w for w in all_warmups if w.get("ok")]
        if ws:
            parts = [f"{c}: {fmt_time(_median([w['circuits'][c] for w in ws]))}"
                     for c in ws[0]["circuits"]]
            out.append(f"The qsym warm-up processes (not part of any number above; median "
                       f"of {len(ws)}; value + gradient, empty caches, so the first circuit "
                       f"includes the kernel-library compile): {'; '.join(parts)}.\n")

    out.append("## Import time (fresh process)\n")
    out.append("`import qsym` / `import pennylane` after numpy, in the fresh processes "
               "above, all circuits pooled.\n")
    irows = []
    raw["import"] = []
    for name in fw_names:
        for label in (QSYM_MODES if name == "qsym" else ["—"]):
            xs = [r["import_s"] for cname in fresh_circuits
                  for r in fresh_runs(name, cname, label)]
            if not xs:
                continue
            irows.append([FRAMEWORKS[name].title, label, fmt_time(statistics.median(xs)),
                          fmt_time(min(xs)), fmt_time(max(xs)), str(len(xs))])
            raw["import"].append({"framework": name, "mode": label,
                                  "median_s": statistics.median(xs), "runs_s": xs})
    out.append(md_table(["framework", "qsym mode", "median", "min", "max", "processes"],
                        irows) + "\n")

    out.append("## Targets\n")
    out.append("The fresh-process rows also give every process's value and the cores kept "
               "busy by other processes meanwhile (the machine is shared).\n")

    def runs_detail(runs):
        return ", ".join(f"{fmt_time(r['build_s'] + r['first_grad_s'])} "
                         f"({fmt_cores(r.get('other_cores'))})" for r in runs)

    trows = []
    s = steady.get(("qsym", "seed"))
    trows.append(["seed `qml.grad(circuit)(params)` median per call (steady state)",
                  f"≤ {fmt_time(TARGET_SEED_GRAD_S)}",
                  fmt_time(s.median_s) if s else "n/a",
                  ("PASS" if s.median_s <= TARGET_SEED_GRAD_S else "FAIL") if s
                  else "n/a (qsym not measured)",
                  f"min {fmt_time(s.min_s)} (other load {fmt_cores(s.other_cores)})" if s
                  else ""])
    runs = fresh_runs("qsym", "hea12", QSYM_MODES[1])
    v = to_first_grad(runs)
    trows.append(["12 wires × 8 layers traced + compiled in a fresh process: build + first "
                  "grad, **new circuit** (kernel library already compiled on the machine)",
                  f"≤ {TARGET_HEA12_COMPILE_S:g} s", fmt_time(v),
                  ("PASS" if v <= TARGET_HEA12_COMPILE_S else "FAIL") if v is not None
                  else "n/a (qsym not measured)", runs_detail(runs)])
    for m, what in ((QSYM_MODES[0], "first use on a machine (incl. the one-time kernel-"
                                    "library compile)"),
                    (QSYM_MODES[2], "cached circuit (second fresh process)")):
        runs = fresh_runs("qsym", "hea12", m)
        trows.append([f"same, {what}, for information", "—", fmt_time(to_first_grad(runs)),
                      "", runs_detail(runs)])
    out.append(md_table(["target", "goal", "qsym", "status", "details (each process)"],
                        trows) + "\n")

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
