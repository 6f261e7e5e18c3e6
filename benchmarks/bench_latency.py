#!/usr/bin/env python
"""Latency benchmark for issue #17: time to the first value and to the first gradient of a
NEW circuit, each in a fresh process, qsym beside PennyLane default.qubit, lightning.qubit
(adjoint), Catalyst ``qjit`` and JAX-jitted default.qubit (each peer only if installed).

Usage::

    python benchmarks/bench_latency.py            # full run, ~30-45 min on the shared 2-core machine
    python benchmarks/bench_latency.py --quick    # smoke run: seed and 4x2 HEA, 2 samples, ~5 min

Writes ``latency.md`` (report) and ``latency.json`` (every sample) to ``--out-dir``
(default ``benchmarks/results``; with ``--quick`` a temp dir unless given).

Circuits: the seed (1 wire, ``RX RY``, ``<Z0>``), the seed with a constant-angle
``RZ(0.3)`` between them, the seed sampled (100 shots on a seeded device: its first value
only, against PennyLane default.qubit's draws with the same seed), a 4-wire 2-layer HEA (``RY RZ`` on every
wire, then a CNOT ring, ``<Z0 + ... + Z3>``), the H2 VQE of ``examples/vqe_h2.py`` (4
wires, Hartree-Fock state and a DoubleExcitation, ``<H>`` with 15 Pauli terms), and a
12-wire 8-layer HEA (gradient by parameter shift and by adjoint).

Every measurement is one new ``python`` process: ``import`` of the framework is timed and
reported apart; each time is taken as wall time and as process CPU time (every thread, and
the processes the child started and waited for), so that a run on a loaded machine still
compares the work done; the *first answer* runs from after the import to the first value
(``circuit(params)``) or the first gradient (``qml.grad(circuit)(params)``), building the
device and QNode included. Every answer is checked against PennyLane default.qubit
(computed in this process) to 1e-8 before its time counts.

qsym scenarios:

(a) *new circuit*: qsym's kernel library already compiled (by a warm-up process that ran
    other circuits), this circuit never seen: a copy of the warm-up's ``NUMBA_CACHE_DIR``
    and ``QSYM_CACHE_DIR`` per sample;
(b) *cached circuit*: a second process on the same two folders right after (a);
(c) *fresh machine*: everything cold (a new copy of qsym's sources, empty
    ``NUMBA_CACHE_DIR`` and ``QSYM_CACHE_DIR``), the seed's first gradient only;
(d) *exported module*: ``qml.compile(...).export(path)`` imported in a process in which
    ``qsym`` cannot be imported; first import and call cold (no numba cache), then a
    second process (numba's cache-miss counters recorded).

qsym is benchmarked from a snapshot of the working tree's ``qsym/`` taken at start (as
``bench_core.py`` and ``bench_speed.py``); the report gives its fingerprint.
"""

from __future__ import annotations

import os
import sys

# Thread settings before numpy / numba / lightning / jax load (children inherit them).
_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS")
if "--child" not in sys.argv:
    _threads = "1"
    for _i, _a in enumerate(sys.argv):
        if _a == "--threads" and _i + 1 < len(sys.argv):
            _threads = sys.argv[_i + 1]
        elif _a.startswith("--threads="):
            _threads = _a.split("=", 1)[1]
    if _threads != "inherit":
        for _v in _THREAD_VARS:
            os.environ[_v] = _threads

import argparse  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core as core  # noqa: E402  (stdlib + numpy only: nothing heavy before timing)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TOL = 1e-8
CHILD_MARK = "BENCH_LATENCY_JSON:"
log = core.log
fmt_time = core.fmt_time
md_table = core.md_table


# --------------------------------------------------------------------------------------
# Circuits
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Circuit:
    name: str
    title: str
    wires: int
    layers: int = 0
    shots: int = 0      # > 0: a sampled circuit (``qml.set_shots``, a seeded device)

    def param_values(self) -> np.ndarray:
        if self.name in ("seed", "seed_rz", "seed_shots"):
            return np.array([0.54, 0.12])
        if self.name == "h2":
            return np.array([0.2])
        rng = np.random.default_rng(17_000 + 100 * self.wires + self.layers)
        return rng.uniform(-np.pi, np.pi, size=(self.layers, self.wires, 2))


CIRCUITS = {c.name: c for c in (
    Circuit("seed", "seed (1 wire, RX RY, ⟨Z0⟩)", 1),
    Circuit("seed_rz", "seed + a constant-angle gate (RX, RZ(0.3), RY, ⟨Z0⟩)", 1),
    Circuit("seed_shots", "seed, sampled (100 shots, seeded device, ⟨Z0⟩)", 1, shots=100),
    Circuit("hea4x2", "HEA 4 wires × 2 layers (RY RZ, CNOT ring, ⟨ΣZ⟩)", 4, 2),
    Circuit("h2", "H2 VQE (4 wires, HF + DoubleExcitation, ⟨H⟩ 15 terms)", 4),
    Circuit("hea12x8", "HEA 12 wires × 8 layers (RY RZ, CNOT ring, ⟨ΣZ⟩)", 12, 8),
)}

# A sampled circuit's device seed: qsym draws PennyLane default.qubit's samples for it, so
# the first sampled value is checked against PennyLane's with the same seed.
SHOTS_SEED = 1234
# Frameworks whose sampled values are PennyLane default.qubit's for a seed (lightning draws
# its own samples: no reference to check its answer against).
SAMPLED_FRAMEWORKS = ("qsym", "pl-default")

# The H2 Hamiltonian of examples/vqe_h2.py (coefficients in Hartree, Jordan-Wigner, STO-3G).
H2_TERMS = [
    (-0.04207897647782276, ""),
    (0.17771287465139946, "Z0"),
    (0.1777128746513994, "Z1"),
    (-0.24274280513140462, "Z2"),
    (-0.24274280513140462, "Z3"),
    (0.17059738328801052, "Z0 Z1"),
    (0.12293305056183798, "Z0 Z2"),
    (0.1676831945771896, "Z0 Z3"),
    (0.1676831945771896, "Z1 Z2"),
    (0.12293305056183798, "Z1 Z3"),
    (0.17627640804319591, "Z2 Z3"),
    (-0.04475014401535161, "Y0 Y1 X2 X3"),
    (-0.04475014401535161, "X0 X1 Y2 Y3"),
    (0.04475014401535161, "Y0 X1 X2 Y3"),
    (0.04475014401535161, "X0 Y1 Y2 X3"),
]


def build_qnode(qml, name: str, device: str, diff_method: str, **qnode_kwargs):
    """The circuit ``name`` as a QNode, built with the framework module ``qml`` (qsym or
    pennylane): the same code for both."""
    c = CIRCUITS[name]
    dev = (qml.device(device, wires=c.wires, seed=SHOTS_SEED) if c.shots else
           qml.device(device, wires=c.wires))
    n, layers = c.wires, c.layers
    if name in ("seed", "seed_shots"):
        def fn(p):
            qml.RX(p[0], wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))
    elif name == "seed_rz":
        def fn(p):
            qml.RX(p[0], wires=0)
            qml.RZ(0.3, wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))
    elif name == "h2":
        pauli = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}

        def word(w):
            if not w:
                return qml.Identity(0)
            ops = [pauli[x[0]](int(x[1:])) for x in w.split()]
            out = ops[0]
            for op in ops[1:]:
                out = out @ op
            return out

        H = qml.Hamiltonian([cf for cf, _ in H2_TERMS], [word(w) for _, w in H2_TERMS])

        def fn(theta):
            qml.PauliX(wires=0)
            qml.PauliX(wires=1)
            qml.DoubleExcitation(theta[0], wires=[0, 1, 2, 3])
            return qml.expval(H)
    else:
        def fn(w):
            for layer in range(layers):
                for i in range(n):
                    qml.RY(w[layer, i, 0], wires=i)
                    qml.RZ(w[layer, i, 1], wires=i)
                for i in range(n):
                    qml.CNOT(wires=[i, (i + 1) % n])
            obs = qml.PauliZ(0)
            for i in range(1, n):
                obs = obs + qml.PauliZ(i)
            return qml.expval(obs)
    fn.__name__ = name
    if c.shots:  # (backprop does not sample: parameter shift, as qsym)
        diff_method = "parameter-shift" if diff_method == "backprop" else diff_method
        return qml.set_shots(qml.QNode(fn, dev, diff_method=diff_method, **qnode_kwargs),
                             c.shots)
    return qml.QNode(fn, dev, diff_method=diff_method, **qnode_kwargs)


# --------------------------------------------------------------------------------------
# Frameworks and cases
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    imports: tuple      # modules imported (and timed) before the first answer
    needs: tuple        # distributions that must be installed


FRAMEWORKS = {f.key: f for f in (
    Framework("qsym", "qsym", ("qsym",), ()),
    Framework("pl-default", "PennyLane default.qubit (backprop)", ("pennylane",),
              ("pennylane",)),
    Framework("lightning-adjoint", "lightning.qubit (adjoint)",
              ("pennylane", "pennylane_lightning.lightning_qubit"),
              ("pennylane", "pennylane_lightning")),
    Framework("catalyst", "Catalyst qjit (lightning.qubit, adjoint)",
              ("pennylane", "catalyst"), ("pennylane", "catalyst")),
    Framework("jax-default", "default.qubit jax.jit (backprop)", ("pennylane", "jax"),
              ("pennylane", "jax")),
)}
PEERS = [k for k in FRAMEWORKS if k != "qsym"]


@dataclass(frozen=True)
class Case:
    circuit: str
    what: str           # "value" | "grad"
    qsym_diff: str      # qsym's diff_method for this case

    @property
    def key(self) -> str:
        tag = {"parameter-shift": "ps", "adjoint": "adjoint"}[self.qsym_diff]
        return f"{self.circuit}:{self.what}" + (f":{tag}" if self.what == "grad" else "")

    @property
    def peer_key(self) -> str:
        return f"{self.circuit}:{self.what}"


def make_cases(circuits: list[str]) -> list[Case]:
    out = []
    for c in circuits:
        out.append(Case(c, "value", "parameter-shift"))
        if CIRCUITS[c].shots:  # a sampled circuit: its first value (a new draw each call)
            continue
        out.append(Case(c, "grad", "parameter-shift"))
        if c == "hea12x8":
            out.append(Case(c, "grad", "adjoint"))
    return out


# --------------------------------------------------------------------------------------
# The measurement (runs in a fresh child process; importable for the test)
# --------------------------------------------------------------------------------------
def _flat(r) -> list:
    return np.asarray(r, dtype=float).ravel().tolist()


def numba_counts(pkg_dir: str | None, gen_dir: str | None) -> dict:
    """numba's compile counters in this process, for the dispatchers of qsym's kernel
    library (functions defined in files under ``pkg_dir``) and of generated circuit modules
    (files under ``gen_dir``): ``compiled`` = cache misses (signatures compiled here),
    ``loaded`` = cache hits (loaded from numba's disk cache)."""
    try:
        from numba.core.dispatcher import Dispatcher
    except ImportError:
        return {}
    seen, out = set(), {"lib_compiled": 0, "lib_loaded": 0, "circ_compiled": 0,
                        "circ_loaded": 0}
    for mod in list(sys.modules.values()):
        for obj in list(getattr(mod, "__dict__", {}).values()):
            if not isinstance(obj, Dispatcher) or id(obj) in seen:
                continue
            seen.add(id(obj))
            try:
                fname = os.path.realpath(obj.py_func.__code__.co_filename)
                st = obj.stats
            except Exception:  # noqa: BLE001
                continue
            if pkg_dir and fname.startswith(pkg_dir + os.sep):
                kind = "lib"
            elif gen_dir and fname.startswith(gen_dir + os.sep):
                kind = "circ"
            else:
                continue
            out[kind + "_compiled"] += sum(st.cache_misses.values())
            out[kind + "_loaded"] += sum(st.cache_hits.values())
    return out


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's children that ended and were waited
    for (``resource.getrusage(RUSAGE_CHILDREN)``; 0.0 where there is no ``resource``)."""
    try:
        import resource
    except ImportError:  # (Windows)
        return 0.0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(spec: dict) -> dict:
    """One measurement: import the framework (timed apart), then build the circuit and
    compute its first value or first gradient (timed: the *first answer*), then the same
    call again (the run time once everything is loaded). ``spec``: ``fw`` (a FRAMEWORKS
    key), ``circuit``, ``what`` (``value``/``grad``), ``diff`` (qsym's diff_method)."""
    fw, name, what = spec["fw"], spec["circuit"], spec["what"]
    warnings.simplefilter("ignore")
    out: dict = {}
    c0, k0 = time.process_time(), children_cpu()
    t0 = time.perf_counter()
    mods = [importlib.import_module(m) for m in FRAMEWORKS[fw].imports]
    t1 = time.perf_counter()
    c1, h1, k1 = time.process_time(), time.thread_time(), children_cpu()
    qml = mods[0]
    values = CIRCUITS[name].param_values()
    if fw == "qsym":
        node = build_qnode(qml, name, "default.qubit", spec.get("diff", "parameter-shift"))
        p = qml.numpy.array(values, requires_grad=True)
        call = (lambda: node(p)) if what == "value" else (lambda: qml.grad(node)(p))
    elif fw in ("pl-default", "lightning-adjoint"):
        dev, dm = (("default.qubit", "backprop") if fw == "pl-default"
                   else ("lightning.qubit", "adjoint"))
        node = build_qnode(qml, name, dev, dm)
        p = qml.numpy.array(values, requires_grad=True)
        call = (lambda: node(p)) if what == "value" else (lambda: qml.grad(node)(p))
    elif fw == "catalyst":
        catalyst = mods[1]
        node = build_qnode(qml, name, "lightning.qubit", "adjoint")
        f = qml.qjit(node) if what == "value" else qml.qjit(catalyst.grad(node))
        p = np.array(values)

        def call():
            return f(p)
    elif fw == "jax-default":
        jax = mods[1]
        node = build_qnode(qml, name, "default.qubit", "backprop", interface="jax")
        f = jax.jit(node) if what == "value" else jax.jit(jax.grad(node))
        p = jax.numpy.array(values)

        def call():
            return f(p)
    else:
        raise ValueError(f"unknown framework {fw!r}")
    r = call()
    t2 = time.perf_counter()
    c2, h2, k2 = time.process_time(), time.thread_time(), children_cpu()
    call()
    t3 = time.perf_counter()
    c3, k3 = time.process_time(), children_cpu()
    out.update(import_s=t1 - t0, first_s=t2 - t1, second_s=t3 - t2, result=_flat(r),
               # CPU time (issue #17: comparable on a loaded machine, where the wall time
               # holds the waits for a core): the process's (all its threads), plus the
               # processes it started and waited for; the calling thread's alone
               import_cpu_s=(c1 - c0) + (k1 - k0), first_cpu_s=(c2 - c1) + (k2 - k1),
               second_cpu_s=(c3 - c2) + (k3 - k2), first_thread_s=h2 - h1)
    if fw == "qsym":
        pkg = os.path.realpath(os.path.dirname(qml.__file__))
        gen = os.environ.get("QSYM_CACHE_DIR")
        out["qsym_file"] = qml.__file__
        out["qsym_fingerprint"] = core.qsym_fingerprint(Path(pkg))
        out["numba"] = numba_counts(pkg, os.path.realpath(gen) if gen else None)
    return out


EXPORT_CHILD = r'''
import importlib, importlib.abc, json, sys, time, os
class _NoQsym(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "qsym" or name.startswith("qsym."):
            raise ModuleNotFoundError("qsym is blocked in this process", name=name)
        return None
sys.meta_path.insert(0, _NoQsym())
sys.path[:] = [p for p in sys.path if not os.path.isdir(os.path.join(p or ".", "qsym"))]
sys.path.insert(0, os.getcwd())
import numpy as np
spec = json.loads(sys.argv[1])
out = {}
try:
    import qsym  # noqa: F401
    out["qsym_importable"] = True
except ImportError:
    out["qsym_importable"] = False
t0 = time.perf_counter()
mod = importlib.import_module(spec["module"])
t1 = time.perf_counter()
p = np.array(spec["params"], dtype=float).reshape(spec["shape"])
g = mod.grad(p)
t2 = time.perf_counter()
mod.grad(p)
t3 = time.perf_counter()
from numba.core.dispatcher import Dispatcher
miss = hit = 0
for m in list(sys.modules.values()):
    if not getattr(m, "__name__", "").startswith(("qsym_export_", spec["module"])):
        continue
    for obj in vars(m).values():
        if isinstance(obj, Dispatcher):
            miss += sum(obj.stats.cache_misses.values())
            hit += sum(obj.stats.cache_hits.values())
out.update(ok=True, import_s=t1 - t0, first_s=t2 - t1, second_s=t3 - t2,
           result=np.asarray(g, dtype=float).ravel().tolist(), cache_misses=miss,
           cache_hits=hit, sympy_loaded="sympy" in sys.modules,
           qsym_loaded=any(k == "qsym" or k.startswith("qsym.") for k in sys.modules))
print("''' + CHILD_MARK + r'''" + json.dumps(out), flush=True)
'''


def child_warmup(spec: dict) -> dict:
    """Fill NUMBA_CACHE_DIR / QSYM_CACHE_DIR with qsym's kernel library by running circuits
    unlike every benchmark circuit: value, parameter-shift and adjoint gradients of a small
    one and of a 10-wire one with a Hamiltonian (so size-dependent kernels are compiled
    too)."""
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    qml = importlib.import_module("qsym")
    t1 = time.perf_counter()

    def small(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RX(p[2], wires=2)
        qml.CNOT(wires=[1, 2])
        return qml.expval(qml.PauliZ(2))

    def big(p):
        for i in range(10):
            qml.RX(p[i], wires=i)
        for i in range(9):
            qml.CZ(wires=[i, i + 1])
        for i in range(10):
            qml.RY(p[10 + i], wires=i)
        H = qml.Hamiltonian([0.5, -0.3, 0.2], [qml.PauliX(0) @ qml.PauliX(1), qml.PauliZ(5),
                                               qml.PauliY(9)])
        return qml.expval(H)

    for fn, wires, n in ((small, 3, 3), (big, 10, 20)):
        p = qml.numpy.array(np.linspace(0.1, 0.9, n), requires_grad=True)
        for dm in ("parameter-shift", "adjoint"):
            node = qml.QNode(fn, qml.device("default.qubit", wires=wires), diff_method=dm)
            node(p)
            qml.grad(node)(p)
    # the kernel library's cell bundles, as `qsym warmup` and a circuit's background compile
    # leave them (issue #17, stop 69; a tree without them: nothing)
    try:
        bundles = importlib.import_module("qsym._cell_bundles")
    except ImportError:
        bundles = None
    if bundles is not None:
        kernels = importlib.import_module("qsym._kernels")
        for name in bundles.BUNDLED:  # (loaded from the cache the circuits filled)
            getattr(kernels, name).compile(kernels.CELL_SIGNATURES[name])
        bundles.compile_bundles()
    pkg = os.path.realpath(os.path.dirname(qml.__file__))
    gen = os.environ.get("QSYM_CACHE_DIR")
    return {"import_s": t1 - t0, "seconds": time.perf_counter() - t0,
            "qsym_fingerprint": core.qsym_fingerprint(Path(pkg)),
            "numba": numba_counts(pkg, os.path.realpath(gen) if gen else None)}


def child_export(spec: dict) -> dict:
    """Compile and export each circuit of ``spec["exports"]`` (name, circuit, diff)."""
    warnings.simplefilter("ignore")
    qml = importlib.import_module("qsym")
    out = {}
    for name, circuit, diff in spec["exports"]:
        node = build_qnode(qml, circuit, "default.qubit", diff)
        values = CIRCUITS[circuit].param_values()
        t0 = time.perf_counter()
        compiled = qml.compile(node, values)
        path = compiled.export(Path(spec["dir"]) / f"{name}.py")
        out[name] = {"path": str(path), "sha256": compiled.export_sha256,
                     "compile_export_s": time.perf_counter() - t0,
                     "module_diff_method": compiled.diff_method,
                     "executions": compiled.executions}
    return out


CHILDREN = {"measure": measure, "warmup": child_warmup, "export": child_export}


def child_main(kind: str, spec_json: str) -> None:
    try:
        out = CHILDREN[kind](json.loads(spec_json))
        out["ok"] = True
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:600],
               "traceback": traceback.format_exc(limit=8)}
    sys.stdout.flush()
    print(CHILD_MARK + json.dumps(out), flush=True)


# --------------------------------------------------------------------------------------
# Parent: running children
# --------------------------------------------------------------------------------------
def _parse_child(proc, wall: float, other) -> dict:
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(CHILD_MARK):
            res = json.loads(line[len(CHILD_MARK):])
            res["process_wall_s"] = wall
            res["other_cores"] = other
            return res
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-4:]
    return {"ok": False, "error": f"child exited {proc.returncode}: " + " | ".join(tail),
            "process_wall_s": wall}


def run_child(cmd: list[str], env_extra: dict, timeout: float, cwd: str | None = None,
              env_drop: tuple = (), gate: bool = True) -> dict:
    env = dict(os.environ)
    for k in env_drop:
        env.pop(k, None)
    env.update({k: str(v) for k, v in env_extra.items()})
    if gate:
        core.wait_for_free_core()
    meter = core.OtherLoad()
    t0, k0 = time.perf_counter(), children_cpu()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=cwd or str(REPO), check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    res = _parse_child(proc, time.perf_counter() - t0, meter.cores())
    # the child's CPU from start to exit (interpreter start, import, answers, what it
    # waited for; a background process it left running is not in it)
    res["process_cpu_s"] = children_cpu() - k0
    return res


def run_script_child(kind: str, spec: dict, env_extra: dict, timeout: float,
                     gate: bool = True) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(spec)]
    return run_child(cmd, env_extra, timeout, gate=gate)


def qsym_env(root: Path) -> dict:
    """Cache folders under ``root`` for a qsym child: numba's (the kernel library, wherever
    numba puts it today: with NUMBA_CACHE_DIR set, never in the package's __pycache__),
    qsym's (circuit modules; perhaps the kernel library too, later) and XDG_CACHE_HOME."""
    return {"NUMBA_CACHE_DIR": root / "numba", "QSYM_CACHE_DIR": root / "qsym",
            "XDG_CACHE_HOME": root / "xdg"}


def fresh_dirs(root: Path, warm: Path | None) -> Path:
    """A new sample folder: a copy of the warm-up's cache folders, or empty ones."""
    if warm is not None:
        shutil.copytree(warm, root, symlinks=True)
    else:
        root.mkdir(parents=True)
    for sub in ("numba", "qsym", "xdg"):
        (root / sub).mkdir(mode=0o700, exist_ok=True)
    return root


def compile_bytecode(pkg: Path) -> None:
    """Write ``pkg``'s ``.pyc`` files, as ``pip install`` does (the peers' are there): with
    PYTHONDONTWRITEBYTECODE set, as on this machine, every import would compile the sources
    again and count that in qsym's import time."""
    import compileall
    compileall.compile_dir(str(pkg), quiet=1)


def kernel_cache_files(*dirs: Path) -> list[str]:
    out = []
    for d in dirs:
        if d.exists():
            out += [str(f) for f in d.rglob("*kernels.*.nbi")]  # _kernels.<fn>-<line>.pyXY.nbi
    return out


# --------------------------------------------------------------------------------------
# Reference values (PennyLane default.qubit, in this process)
# --------------------------------------------------------------------------------------
def reference(circuits: list[str]) -> tuple[dict, str]:
    try:
        import pennylane as pl
    except ImportError:
        return {}, "PennyLane is not installed: no independent reference, results unchecked"
    warnings.simplefilter("ignore")
    ref = {}
    for name in circuits:
        node = build_qnode(pl, name, "default.qubit", "backprop")
        p = pl.numpy.array(CIRCUITS[name].param_values(), requires_grad=True)
        ref[f"{name}:value"] = _flat(node(p))
        if not CIRCUITS[name].shots:
            ref[f"{name}:grad"] = _flat(pl.grad(node)(p))
    return ref, "PennyLane default.qubit (backprop), in the parent process"


def check(res: dict, ref: list | None) -> None:
    """Mark ``res`` wrong (``ok`` False) if its result differs from ``ref`` by > TOL."""
    if not res.get("ok") or ref is None:
        return
    got = np.asarray(res.get("result", []), dtype=float)
    want = np.asarray(ref, dtype=float)
    if got.shape != want.shape:
        res.update(ok=False, wrong=True,
                   error=f"wrong result shape {got.shape} (reference {want.shape})")
        return
    diff = float(np.max(np.abs(got - want))) if got.size else 0.0
    res["max_abs_diff"] = diff
    if not diff <= TOL:
        res.update(ok=False, wrong=True, error=f"wrong result: max abs diff {diff:.2e}")


# --------------------------------------------------------------------------------------
# Summaries and report
# --------------------------------------------------------------------------------------
def med(samples: list[dict], key: str):
    xs = [s[key] for s in samples if s.get("ok") and s.get(key) is not None]
    return statistics.median(xs) if xs else None


def cell(samples: list[dict] | None, key: str = "first_s", skipped: str | None = None) -> str:
    if skipped:
        return skipped
    if not samples:
        return "—"
    m = med(samples, key)
    n_ok = sum(1 for s in samples if s.get("ok"))
    if m is None:
        err = next((s.get("error", "") for s in samples if not s.get("ok")), "")
        return "wrong result" if any(s.get("wrong") for s in samples) else \
            f"failed: `{err[:90]}`"
    return f"{fmt_time(m)} ({n_ok})"


def ratio(a, b) -> str:
    if a is None or b is None or b <= 0:
        return "—"
    r = a / b
    return f"{r:.0f}×" if r >= 10 else f"{r:.2g}×"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: seed and hea4x2, 2 samples, export of the seed once, "
                        "no fresh-machine run unless --cold-samples is given")
    p.add_argument("--out-dir", type=Path, default=None,
                   help="where latency.md / latency.json go (default benchmarks/results; "
                        "a temp dir with --quick)")
    p.add_argument("--circuits", default=None,
                   help=f"comma list among {','.join(CIRCUITS)} (default all; quick "
                        "seed,hea4x2)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help=f"comma list among {','.join(FRAMEWORKS)} (peers that are not "
                        "installed are skipped with a note)")
    p.add_argument("--samples", type=int, default=None,
                   help="fresh processes per case (default 5; quick 2)")
    p.add_argument("--slow-s", type=float, default=8.0,
                   help="a case whose median first answer exceeds this after 3 samples "
                        "stops at 3 samples")
    p.add_argument("--cold-samples", type=int, default=None,
                   help="fresh-machine samples (scenario c; default 2, quick 0)")
    p.add_argument("--export-samples", type=int, default=None,
                   help="exported-module samples per circuit (scenario d; default 2, quick 1)")
    p.add_argument("--export-circuits", default=None,
                   help="exported circuits: seed,hea12x8 (default; quick seed)")
    p.add_argument("--threads", default="1",
                   help="NUMBA_NUM_THREADS/OMP_NUM_THREADS/... (default 1; 'inherit')")
    p.add_argument("--max-wait-quiet", type=float, default=20.0,
                   help="wait up to S s for a free core before each measurement, at most "
                        "10 times that over the run (0: never)")
    p.add_argument("--baseline", default=None,
                   help="a git ref (e.g. int, main): its qsym/ is measured in scenario (a) "
                        "too, interleaved with the working tree's, with its own warm-up: "
                        "before/after in one run")
    p.add_argument("--child-timeout", type=float, default=900.0)
    p.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    a.circuits = a.circuits or ("seed,hea4x2" if a.quick else ",".join(CIRCUITS))
    a.samples = a.samples or (2 if a.quick else 5)
    if a.cold_samples is None:
        a.cold_samples = 0 if a.quick else 2
    if a.export_samples is None:
        a.export_samples = 1 if a.quick else 2
    a.export_circuits = a.export_circuits if a.export_circuits is not None else (
        "seed" if a.quick else "seed,hea12x8")
    return a


def split(s: str, allowed) -> list[str]:
    names = [x.strip() for x in s.split(",") if x.strip()]
    bad = [x for x in names if x not in allowed]
    if bad:
        raise SystemExit(f"unknown name(s) {bad}; choose among {list(allowed)}")
    return names


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv=None) -> int:  # noqa: C901 - one linear run
    args = parse_args(argv)
    if args.child:
        child_main(*args.child)
        return 0
    t_run0 = time.perf_counter()
    core.QUIET["max_wait_s"] = args.max_wait_quiet
    circuits = split(args.circuits, CIRCUITS)
    frameworks = split(args.frameworks, FRAMEWORKS)
    exports = split(args.export_circuits, CIRCUITS)
    cases = make_cases(circuits)
    out_dir = args.out_dir or (Path(tempfile.mkdtemp(prefix="qsym-latency-quick-"))
                               if args.quick else HERE / "results")
    tmp = Path(tempfile.mkdtemp(prefix="qsym-latency-"))
    notes: list[str] = []

    # ---- qsym snapshot, fingerprint, machine ---------------------------------------------
    snap_root = tmp / "src"
    shutil.copytree(REPO / "qsym", snap_root / "qsym",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compile_bytecode(snap_root / "qsym")
    os.environ[core.QSYM_SRC_ENV] = str(snap_root)
    fp = core.qsym_fingerprint(snap_root / "qsym")
    git = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                         capture_output=True, text=True, check=False).stdout.strip()
    head = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %cI %s"],
                          capture_output=True, text=True, check=False).stdout.strip()
    info = core.machine_info()
    for k in ("pennylane-catalyst", "jax", "jaxlib"):
        info.insert(10, (k, core._pkg_version(k)))
    info = [(k, f"snapshot of {REPO / 'qsym'} at start, fingerprint {fp} (sha256 of "
                f"qsym/*.py); git {git or '?'} ({head})") if k == "qsym" else (k, v)
            for k, v in info]
    base_root, base_fp = None, None
    if args.baseline:
        base_root = tmp / "base-src"
        base_root.mkdir()
        tar = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "qsym"],
                             capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_root)], input=tar, check=True)
        compile_bytecode(base_root / "qsym")
        base_fp = core.qsym_fingerprint(base_root / "qsym")
        info.append(("qsym baseline", f"git {args.baseline} "
                     f"({subprocess.run(['git', '-C', str(REPO), 'log', '-1', '--format=%h %s', args.baseline], capture_output=True, text=True, check=False).stdout.strip()}), "
                     f"fingerprint {base_fp}"))
    load_start = loadavg()
    log(f"[latency] qsym fingerprint {fp}, git {git}; load average {load_start}")

    # ---- peers available? ----------------------------------------------------------------
    unavailable: dict[str, str] = {}
    for fw in frameworks:
        missing = [m for m in FRAMEWORKS[fw].needs if importlib.util.find_spec(m) is None]
        if missing:
            unavailable[fw] = f"not installed ({', '.join(missing)})"
            notes.append(f"**{FRAMEWORKS[fw].title}** skipped: {unavailable[fw]}.")
    peers = [fw for fw in frameworks if fw != "qsym" and fw not in unavailable]
    do_qsym = "qsym" in frameworks

    log("[latency] reference values (PennyLane default.qubit, in-process)")
    ref, ref_note = reference(sorted(set(circuits) | set(exports)))
    raw: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "qsym_fingerprint": fp,
                 "git": git, "head": head, "reference": ref_note, "load_start": load_start,
                 "machine": dict(info), "cases": {}, "peers": {}, "cold": [], "export": {}}

    # ---- warm-up: the kernel library, compiled by other circuits -------------------------
    warm = None
    if do_qsym:
        warm = tmp / "warm"
        fresh_dirs(warm, None)
        log("[latency] warm-up process (compiles qsym's kernel library with other circuits)")
        w = run_script_child("warmup", {}, qsym_env(warm), args.child_timeout, gate=False)
        raw["warmup"] = w
        if not w.get("ok"):
            notes.append(f"qsym warm-up failed: `{w.get('error')}`; qsym not measured.")
            do_qsym = False
        else:
            where = kernel_cache_files(warm / "numba", warm / "qsym", warm / "xdg")
            pkg_cache = kernel_cache_files(snap_root / "qsym")
            raw["kernel_cache_files"] = where + pkg_cache
            loc = ("NUMBA_CACHE_DIR" if any(str(warm / "numba") in f for f in where) else
                   "QSYM_CACHE_DIR" if any(str(warm / "qsym") in f for f in where) else
                   "the package's __pycache__" if pkg_cache else "not found")
            raw["kernel_cache_location"] = loc
            log(f"[latency]   {w['seconds']:.1f} s; kernel library cache in {loc}")

    warm_base = None
    if do_qsym and base_root is not None:
        warm_base = tmp / "warm-base"
        fresh_dirs(warm_base, None)
        log(f"[latency] warm-up process of the baseline ({args.baseline})")
        w = run_script_child("warmup", {}, {**qsym_env(warm_base),
                                            core.QSYM_SRC_ENV: base_root},
                             args.child_timeout, gate=False)
        raw["warmup_baseline"] = w
        if not w.get("ok"):
            notes.append(f"baseline warm-up failed: `{w.get('error')}`; baseline not measured.")
            warm_base = None

    # ---- scenarios (a), (b) and the peers, in rounds -------------------------------------
    results: dict[str, dict[str, list]] = {c.key: {"a": [], "b": [], "base": []}
                                           for c in cases}
    peer_res: dict[str, dict[str, list]] = {}
    peer_cases = []
    for c in cases:
        if c.peer_key not in peer_res:
            peer_res[c.peer_key] = {fw: [] for fw in peers}
            peer_cases.append(c)
    stopped: set = set()
    cold: list = []
    export_res: dict[str, dict] = {}
    raw.update(cases=results, peers=peer_res, cold=cold, export=export_res)
    notes0 = notes

    def write_report(stage: str, final: bool = False) -> str:
        """The report from what has been measured so far (written after every round, so
        that an interrupted run leaves one)."""
        notes = list(notes0)
        load_end = loadavg()
        raw["load_end"] = load_end
        up_end, busy_end = core.load_snapshot() if final else ("—", "—")
        run_s = time.perf_counter() - t_run0
        fp_end = core.qsym_fingerprint(REPO / "qsym")
        if fp_end != fp:
            notes.append(f"the working tree's qsym changed during the run ({fp} → {fp_end}); "
                         "the snapshot taken at start was measured.")
        for samples in [s for v in results.values() for k, s in v.items() if k != "base"] + [cold]:
            for s in samples:
                if s.get("ok") and s.get("qsym_fingerprint") not in (None, fp):
                    notes.append(f"a qsym child imported fingerprint {s['qsym_fingerprint']}, "
                                 f"not the snapshot's {fp}: {s.get('qsym_file')}")
                    break

        # ---- report --------------------------------------------------------------------------
        md = ["# Latency: time to the first answer of a new circuit (issue #17)\n",
              f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"`python benchmarks/bench_latency.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
              f", {run_s / 60:.1f} min. qsym: fingerprint `{fp}`, git `{git}` ({head}). "
              f"Load average (1, 5, 15 min) at start `{load_start}`, at end `{load_end}` "
              f"(2 cores, shared).\n" + ("" if final else
              f"\n**Partial report** ({stage}): the run has not finished.\n"),
              "Each number is the median over fresh `python` processes (sample count in "
              "parentheses) of the time from after `import` to the first answer: building the "
              "device and QNode, then `circuit(params)` (value) or `qml.grad(circuit)(params)` "
              "(gradient; Catalyst: `qjit(catalyst.grad(circuit))(params)`, JAX: "
              "`jax.jit(jax.grad(circuit))(params)`). Imports are in their own table. Every "
              f"answer was checked against {ref_note} to {TOL:g}.\n"]
        hdr = ["circuit", "answer", "qsym (a) new circuit", "qsym (b) cached circuit"] + \
            ([f"qsym {args.baseline} (a), before"] if warm_base is not None else []) + \
            [FRAMEWORKS[fw].title for fw in peers]
        ratio_peers = [fw for fw in ("pl-default", "lightning-adjoint") if fw in peers]
        hdr += [f"(a) / {FRAMEWORKS[fw].title.split(' (')[0]}" for fw in ratio_peers]
        if warm_base is not None:
            hdr += [f"{args.baseline} (a) / (a): speed-up"]
        def first_rows(key: str) -> list:
            """The table's rows for the samples' ``key`` (``first_s``: wall time;
            ``first_cpu_s``: process CPU time)."""
            rows = []
            for c in cases:
                ans = c.what if c.what == "value" else f"gradient ({c.qsym_diff})"
                r = [CIRCUITS[c.circuit].title, ans]
                if do_qsym:
                    r += [cell(results[c.key]["a"], key), cell(results[c.key]["b"], key)]
                else:
                    r += ["—", "—"]
                if warm_base is not None:
                    r += [cell(results[c.key]["base"], key)]
                r += [cell(peer_res[c.peer_key][fw], key) for fw in peers]
                a = med(results[c.key]["a"], key) if do_qsym else None
                r += [ratio(a, med(peer_res[c.peer_key][fw], key)) for fw in ratio_peers]
                if warm_base is not None:
                    r += [ratio(med(results[c.key]["base"], key), a)]
                rows.append(r)
            return rows

        md += ["## First answer, import excluded\n",
               "(a): qsym's kernel library already compiled on this machine (a warm-up process "
               "ran other circuits), this circuit new: a copy of the warm-up's numba and qsym "
               "cache folders per sample. (b): a second process on the same folders. Ratio > 1: "
               "qsym slower.\n", md_table(hdr, first_rows("first_s")), ""]
        md += ["## First answer, process CPU time, import excluded\n",
               "The same samples' CPU time (user + system) from after the import to the "
               "first answer: every thread of the process, and any process it started and "
               "waited for (`time.process_time`, `getrusage(RUSAGE_CHILDREN)`). On a "
               "loaded machine the wall times above hold the waits for a core; these do "
               "not (they still hold the slower caches of a shared core).\n",
               md_table(hdr, first_rows("first_cpu_s")), ""]

        # imports
        imp_rows = []
        if do_qsym:
            allq = [s for v in results.values() for s in v["a"] + v["b"]]
            if warm_base is not None:
                based = [s for v in results.values() for s in v["base"]]
                imp_rows.append([f"qsym {args.baseline} (`import qsym`)",
                                 cell(based, "import_s"), cell(based, "import_cpu_s")])
            imp_rows.append(["qsym (`import qsym`)", cell(allq, "import_s"),
                             cell(allq, "import_cpu_s")])
        for fw in peers:
            alls = [s for v in peer_res.values() for s in v[fw]]
            imp_rows.append([f"{FRAMEWORKS[fw].title} (`import "
                             f"{', '.join(FRAMEWORKS[fw].imports)}`)", cell(alls, "import_s"),
                             cell(alls, "import_cpu_s")])
        md += ["## Import (after numpy), every fresh process of the table above\n",
               md_table(["framework", "median import", "median import, process CPU"],
                        imp_rows), ""]

        # second call and numba counters
        if do_qsym:
            det = []
            for c in cases:
                a, b = results[c.key]["a"], results[c.key]["b"]
                na = [s.get("numba", {}) for s in a if s.get("ok")]
                nb = [s.get("numba", {}) for s in b if s.get("ok")]

                def mx(ns, k):
                    vals = [n.get(k) for n in ns if n.get(k) is not None]
                    return str(max(vals)) if vals else "—"
                det.append([c.key, cell(a, "second_s"), cell(a, "second_cpu_s"),
                            cell(a, "first_thread_s"), mx(na, "lib_compiled"),
                            mx(na, "circ_compiled"), mx(nb, "lib_compiled"),
                            mx(nb, "circ_compiled"), mx(nb, "circ_loaded"),
                            cell(a, "process_wall_s"), cell(a, "process_cpu_s")])
            md += ["## qsym details\n",
                   "Second call: the same call again in the same process (the run alone). "
                   "numba counters: signatures compiled in the process (cache misses) for "
                   "qsym's kernel library and for the circuit's generated module, max over "
                   "samples; in (b) the circuit module should load (hits), not compile.\n",
                   md_table(["case", "(a) second call", "(a) second call, CPU",
                             "(a) first answer, calling thread's CPU", "(a) lib compiled",
                             "(a) circuit compiled", "(b) lib compiled", "(b) circuit compiled",
                             "(b) circuit loaded", "(a) process wall",
                             "(a) process CPU (start to exit)"], det), ""]

        if cold:
            md += ["## (c) Fresh machine: the seed's first gradient, everything cold\n",
                   "A new copy of qsym's sources (their `.pyc` written first, as `pip install` "
                   "does; no numba cache), empty `NUMBA_CACHE_DIR` and `QSYM_CACHE_DIR`: "
                   "numba compiles the kernel library and the circuit.\n",
                   md_table(["import", "first gradient (import excluded)",
                             "first gradient, process CPU", "process wall",
                             "process CPU (start to exit)",
                             "kernel library signatures compiled"],
                            [[cell(cold, "import_s"), cell(cold, "first_s"),
                              cell(cold, "first_cpu_s"), cell(cold, "process_wall_s"),
                              cell(cold, "process_cpu_s"),
                              str(max((s.get("numba", {}).get("lib_compiled", 0) for s in cold
                                       if s.get("ok")), default="—"))]]), ""]
        if export_res:
            er = []
            for c, e in export_res.items():
                for sc in ("cold", "second"):
                    s = e[sc]
                    tot = [dict(ok=True, t=x["import_s"] + x["first_s"]) for x in s if x.get("ok")]
                    miss = [x["cache_misses"] for x in s if x.get("ok")]
                    how = e["diff"] if e.get("module_diff", e["diff"]) == e["diff"] else \
                        f"QNode {e['diff']}, module {e['module_diff']}"
                    er.append([f"{CIRCUITS[c].title}, {how}", sc, cell(s, "import_s"),
                               cell(s, "first_s"), cell(tot, "t"), cell(s, "second_s"),
                               str(max(miss)) if miss else "—"])
            md += ["## (d) Exported module in a process without qsym\n",
                   "`qml.compile(circuit, params).export(path)`, then a new process in which "
                   "`import qsym` fails imports the file and calls `grad(params)`. *cold*: a new "
                   "folder (no numba cache beside the file); *second*: the next process on the "
                   "same folder. numba cache misses: signatures compiled in that process.\n",
                   md_table(["circuit", "process", "import", "first call", "import + first call",
                             "second call", "numba cache misses"], er), ""]

        if raw.get("warmup", {}).get("ok"):
            w = raw["warmup"]
            notes.append(f"warm-up process (kernel library compiled by other circuits, value + "
                         f"parameter-shift + adjoint of a 3-wire and a 10-wire circuit): "
                         f"{w['seconds']:.1f} s; the kernel library's numba cache was found in "
                         f"{raw.get('kernel_cache_location')}.")
        if stopped:
            notes.append("stopped after 3 samples (median first answer > "
                         f"{args.slow_s:g} s): " + ", ".join(f"{a} {b}" for a, b in sorted(stopped)))
        wrong = [(k, fw) for k, v in peer_res.items() for fw, ss in v.items()
                 if any(s.get("wrong") for s in ss)]
        wrong += [(k, "qsym") for k, v in results.items() for ss in v.values()
                  if any(s.get("wrong") for s in ss)]
        if wrong:
            notes.append("**WRONG results** (excluded from the medians): " +
                         ", ".join(f"{fw} {k}" for k, fw in wrong))
        others = [s.get("other_cores") for v in results.values() for ss in v.values() for s in ss]
        others += [s.get("other_cores") for v in peer_res.values() for ss in v.values() for s in ss]
        others = [x for x in others if x is not None]
        info_r = info + [("load average at start / end", f"{load_start} / {load_end}"),
                 ("`uptime` at end", up_end), ("other processes > 10% CPU at end", busy_end),
                 ("other load during the measurements", (
                     f"median {statistics.median(others):.2f} cores, max {max(others):.2f} "
                     f"(busy cores outside the measured process)") if others else "—"),
                 ("waited for a free core", f"{core.QUIET['waited_s']:.0f} s over "
                                            f"{core.QUIET['gates']} measurements, "
                                            f"{core.QUIET['timeouts']} measured without one"),
                 ("run time", f"{run_s / 60:.1f} min")]
        md += ["## Machine\n", md_table(["what", "value"], [[k, str(v)] for k, v in info_r]), ""]
        if notes:
            md += ["## Notes\n"] + [f"- {n}" for n in notes] + [""]
        report = "\n".join(md)
        raw["notes"] = notes
        raw["run_s"] = run_s
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "latency.md").write_text(report)
        (out_dir / "latency.json").write_text(json.dumps(raw, indent=1, default=str))
        log(f"[latency] wrote {out_dir / 'latency.md'} and latency.json ({stage})")
        return report


    def enough(key: str, samples: list) -> bool:
        done = [s for s in samples if s.get("ok")]
        if len(samples) >= 3 and (not done or statistics.median(
                s["first_s"] for s in done) > args.slow_s):
            stopped.add(key)
            return True
        return False

    # ---- (c) fresh machine ---------------------------------------------------------------
    if do_qsym and args.cold_samples > 0 and "seed" in CIRCUITS:
        for i in range(args.cold_samples):
            root = tmp / f"cold{i}"
            src = root / "src"
            shutil.copytree(snap_root / "qsym", src / "qsym",
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            compile_bytecode(src / "qsym")  # as pip install does
            fresh_dirs(root / "caches", None)
            env = qsym_env(root / "caches")
            env[core.QSYM_SRC_ENV] = src
            log(f"[latency] (c) fresh machine, sample {i + 1}/{args.cold_samples}")
            r = run_script_child("measure", {"fw": "qsym", "circuit": "seed", "what": "grad",
                                             "diff": "parameter-shift"}, env,
                                 args.child_timeout)
            check(r, ref.get("seed:grad"))
            if r.get("ok") and r.get("numba", {}).get("lib_loaded"):
                notes.append(f"(c) sample {i + 1}: numba loaded {r['numba']['lib_loaded']} "
                             "kernel-library functions from a cache: not cold.")
            cold.append(r)
            log("[latency]   " + (f"import {fmt_time(r['import_s'])}, first gradient "
                                  f"{fmt_time(r['first_s'])}, process "
                                  f"{fmt_time(r['process_wall_s'])}"
                                  if r.get("ok") else f"FAILED {r.get('error')}"))
            shutil.rmtree(root, ignore_errors=True)
    write_report("after the fresh-machine samples")

    # ---- (d) exported modules ------------------------------------------------------------
    if do_qsym and exports and args.export_samples > 0:
        ex_dir = tmp / "exports"
        ex_dir.mkdir()
        specs = [(f"lat_{c}", c, "adjoint" if c == "hea12x8" else "parameter-shift")
                 for c in exports]
        d = fresh_dirs(tmp / "export-build", warm)
        log("[latency] (d) compiling and exporting " + ", ".join(exports))
        made = run_script_child("export", {"exports": specs, "dir": str(ex_dir)},
                                qsym_env(d), args.child_timeout, gate=False)
        if not made.get("ok"):
            notes.append(f"(d) export failed: `{made.get('error')}`")
        else:
            for mod, c, diff in specs:
                export_res[c] = {"diff": diff, "module": mod, "cold": [], "second": [],
                                 "sha256": made[mod]["sha256"],
                                 "module_diff": made[mod].get("module_diff_method", diff)}
                if export_res[c]["module_diff"] != diff:
                    notes.append(
                        f"(d) {c}: the QNode has diff_method={diff!r}, but `qml.compile` "
                        f"made a module that computes by {export_res[c]['module_diff']!r} "
                        f"({made[mod].get('executions')} circuits per gradient): its times "
                        "are of that method.")
                values = CIRCUITS[c].param_values()
                for i in range(args.export_samples):
                    sd = tmp / f"export-{c}-{i}"
                    sd.mkdir()
                    shutil.copy2(made[mod]["path"], sd / f"{mod}.py")
                    spec = json.dumps({"module": mod, "params": values.ravel().tolist(),
                                       "shape": list(values.shape)})
                    for sc in ("cold", "second"):
                        log(f"[latency]   export {c} ({sc}) sample {i + 1}")
                        r = run_child([sys.executable, "-c", EXPORT_CHILD, spec], {},
                                      args.child_timeout, cwd=str(sd),
                                      env_drop=("NUMBA_CACHE_DIR", "PYTHONPATH",
                                                core.QSYM_SRC_ENV, "QSYM_CACHE_DIR"))
                        check(r, ref.get(f"{c}:grad"))
                        if r.get("ok") and (r.get("qsym_importable") or r.get("qsym_loaded")):
                            r.update(ok=False, error="qsym was importable in the export child")
                        export_res[c][sc].append(r)
                        log("[latency]     " + (
                            f"import {fmt_time(r['import_s'])}, first call "
                            f"{fmt_time(r['first_s'])}, numba cache misses "
                            f"{r['cache_misses']}" if r.get("ok")
                            else f"FAILED {r.get('error')}"))
                    shutil.rmtree(sd, ignore_errors=True)
        write_report("after the exported modules")

    for i in range(args.samples):
        log(f"[latency] round {i + 1}/{args.samples}")
        if do_qsym:
            for c in cases:
                key = ("qsym", c.key)
                if key in stopped or enough(key, results[c.key]["a"]):
                    continue
                d = fresh_dirs(tmp / f"s{i}-{c.key.replace(':', '-')}", warm)
                spec = {"fw": "qsym", "circuit": c.circuit, "what": c.what,
                        "diff": c.qsym_diff}
                for sc in ("a", "b"):
                    r = run_script_child("measure", spec, qsym_env(d), args.child_timeout)
                    check(r, ref.get(c.peer_key))
                    results[c.key][sc].append(r)
                    log(f"[latency]   qsym ({sc}) {c.key}: " + (
                        f"import {fmt_time(r['import_s'])}, first {fmt_time(r['first_s'])} "
                        f"(CPU {fmt_time(r['first_cpu_s'])})"
                        if r.get("ok") else f"FAILED {r.get('error')}"))
                shutil.rmtree(d, ignore_errors=True)
                if warm_base is not None:
                    d = fresh_dirs(tmp / f"s{i}-{c.key.replace(':', '-')}-base", warm_base)
                    r = run_script_child("measure", spec, {**qsym_env(d),
                                                           core.QSYM_SRC_ENV: base_root},
                                         args.child_timeout)
                    check(r, ref.get(c.peer_key))
                    results[c.key]["base"].append(r)
                    log(f"[latency]   qsym {args.baseline} (a) {c.key}: " + (
                        f"import {fmt_time(r['import_s'])}, first {fmt_time(r['first_s'])} "
                        f"(CPU {fmt_time(r['first_cpu_s'])})"
                        if r.get("ok") else f"FAILED {r.get('error')}"))
                    shutil.rmtree(d, ignore_errors=True)
        for c in peer_cases:
            for fw in peers:
                key = (fw, c.peer_key)
                if key in stopped or enough(key, peer_res[c.peer_key][fw]) or (
                        CIRCUITS[c.circuit].shots and fw not in SAMPLED_FRAMEWORKS):
                    continue
                spec = {"fw": fw, "circuit": c.circuit, "what": c.what}
                d = tmp / "peer-cache"
                r = run_script_child("measure", spec,
                                     {"JAX_ENABLE_X64": "1", "JAX_PLATFORMS": "cpu",
                                      "XDG_CACHE_HOME": d}, args.child_timeout)
                check(r, ref.get(c.peer_key))
                peer_res[c.peer_key][fw].append(r)
                log(f"[latency]   {fw} {c.peer_key}: " + (
                    f"import {fmt_time(r['import_s'])}, first {fmt_time(r['first_s'])} "
                    f"(CPU {fmt_time(r['first_cpu_s'])})"
                    if r.get("ok") else f"FAILED {r.get('error')}"))
        write_report(f"after round {i + 1} of {args.samples}")

    print(write_report("complete", final=True))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
