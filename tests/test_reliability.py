"""Reliability: threads, concurrent processes, a corrupted cache, numerical health of deep
circuits, determinism and memory.

Every test checks correctness against something that shares no code with the compiled
path: closed forms (d/dx cos x = -sin x), ``qsym._symbolic.exact_jacobian`` (exact gate
derivatives, product rule) and ``qsym._ir.simulate`` / ``final_state`` (a NumPy tensordot
interpreter). Bit-for-bit comparisons use ``float.hex``.

Nothing here asserts a timing. Tests that need a *new* process or a *fresh* cache run
``python`` in a subprocess with ``QSYM_CACHE_DIR`` set to a temporary folder, seeded with
a copy of the kernel library's numba cache (``conftest.seed_kernel_cache``), so a
subprocess costs about the import plus the numba compile of one small generated module.
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import qsym as qml
from qsym import _cache as cache, _ir as ir, _kernels as kernels, _runtime as runtime
from qsym._symbolic import exact_jacobian

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # seconds per subprocess: a generous bound for a shared, noisy machine
# calls after which the runtime switches a small circuit to its fused entry points
FUSE_AFTER_CALLS = getattr(runtime, "FUSE_AFTER_CALLS", 1000)

# The circuits, as a module that both this process and the subprocesses import, so that
# every process traces exactly the same circuits (hence the same generated sources).
CIRCUITS_SRC = '''
import numpy as np
import qsym as qml


def seed(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def ent(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRX(x[2], wires=[1, 2])
    qml.RY(x[0] * x[1], wires=2)
    qml.RX(qml.numpy.sin(x[2]), wires=0)
    qml.CNOT(wires=[2, 0])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(2) + 0.5 * qml.PauliY(1))


FUNCS = {"seed": seed, "ent": ent}
WIRES = {"seed": 1, "ent": 3}
POINTS = {"seed": np.array([0.54, 0.12]), "ent": np.array([0.3, -1.1, 0.8])}


def make(name, diff_method="parameter-shift"):
    dev = qml.device("default.qubit", wires=WIRES[name])
    return qml.QNode(FUNCS[name], dev, diff_method=diff_method)
'''

# One subprocess run: build the named circuits in the given order, print values, gradients
# (float.hex) and numba's cache statistics for each generated module.
RUNNER_SRC = '''
import json
import sys

import numpy as np
import qsym as qml
import relcircuits as rc


def numba_stats(mod):
    hits = misses = 0
    for v in vars(mod).values():
        s = getattr(v, "stats", None)
        if s is not None and hasattr(s, "cache_hits"):
            hits += sum(s.cache_hits.values())
            misses += sum(s.cache_misses.values())
    return hits, misses


out = {}
for name in sys.argv[1].split(","):
    node = rc.make(name)
    x = rc.POINTS[name]
    g = qml.grad(node, argnum=0)(x)
    v = node(x)
    entry = node.compiled((x,), {})[0]
    hits, misses = numba_stats(entry.module)
    out[name] = {
        "grad": [float(t).hex() for t in np.ravel(g)],
        "value": float(v).hex(),
        "hits": hits,
        "misses": misses,
        "module": entry.module.__name__,
        "file": entry.module.__file__,
        "numba_cache": entry.module.prepare.stats.cache_path,
    }
print("RESULT " + json.dumps(out))
'''


# --- helpers -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def script_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("reliability_scripts")
    (d / "relcircuits.py").write_text(CIRCUITS_SRC)
    (d / "relrunner.py").write_text(RUNNER_SRC)
    return d


@pytest.fixture(scope="module")
def rc(script_dir):
    """The circuits module, imported in this process."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("relcircuits", script_dir / "relcircuits.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _env(cache_dir):
    from conftest import seed_kernel_cache

    seed_kernel_cache(cache_dir)  # the kernel library compiled once, not in every folder
    env = dict(os.environ)
    env.pop("QSYM_CACHE", None)
    env["QSYM_CACHE_DIR"] = str(cache_dir)
    # these processes test numba's compiled code and its cache files: compile at the first
    # call (qsym.tiers; tier 0, which compiles nothing, is tests/test_tiers.py's)
    env["QSYM_TIER"] = "compiled"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    return env


def start(script_dir, cache_dir, names):
    """Start a subprocess building circuits ``names`` (in that order) in ``cache_dir``."""
    return subprocess.Popen(
        [sys.executable, str(script_dir / "relrunner.py"), ",".join(names)],
        cwd=script_dir,
        env=_env(cache_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc):
    """Wait for a subprocess; ``(result dict or None, diagnostic text)``."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, f"timed out\n{err[-3000:]}"
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):]), err[-3000:]
    return None, f"exit status {proc.returncode}\nstdout: {out[-2000:]}\nstderr: {err[-3000:]}"


def oracle(rc, name):
    """Values and gradient of circuit ``name`` at its point from the reference interpreter
    and exact symbolic gate derivatives (no compiled code, no shift rule)."""
    x = rc.POINTS[name]
    circuit = rc.make(name).circuit(x)
    return ir.simulate(circuit, x)[0], exact_jacobian(circuit, x)[0]


def unhex(values):
    return np.array([float.fromhex(v) for v in values])


def hexes(values):
    return [float(v).hex() for v in np.ravel(values)]


def assert_correct(rc, name, res, tol=1e-10):
    value, grad = oracle(rc, name)
    np.testing.assert_allclose(float.fromhex(res["value"]), value, atol=tol, rtol=0)
    np.testing.assert_allclose(unhex(res["grad"]), grad, atol=tol, rtol=0)


# --- 1. concurrency ------------------------------------------------------------------------
N_THREADS = 8


def race_circuit(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))  # = cos(x0) cos(x1)


def test_first_call_races_from_threads_on_fresh_qnode(tmp_path, monkeypatch):
    """Trace, module write and numba compile of a QNode never seen before (fresh cache
    folder), started by 8 threads at once: one compiled entry, every result correct."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    node = qml.QNode(race_circuit, qml.device("default.qubit", wires=2))
    grad = qml.grad(node, argnum=0)
    rng = np.random.default_rng(5)
    points = [rng.uniform(-np.pi, np.pi, 2) for _ in range(N_THREADS)]
    barrier = threading.Barrier(N_THREADS)

    def first(i):
        barrier.wait()
        return grad(points[i]), node(points[i])

    with ThreadPoolExecutor(N_THREADS) as pool:
        results = list(pool.map(first, range(N_THREADS)))
    assert len(node._compiled) == 1
    # the module's file is written when it is first compiled (tier 0 writes none)
    assert len(list(tmp_path.glob("qsym_gen_*.py"))) <= 1
    assert not list(tmp_path.glob(".qsym_gen_*"))  # no temporary files left behind
    for (g, v), (a, b) in zip(results, points):
        np.testing.assert_allclose(g, [-math.sin(a) * math.cos(b), -math.cos(a) * math.sin(b)],
                                   atol=1e-12)
        assert abs(v - math.cos(a) * math.cos(b)) < 1e-12
        # bit-identical to the same call made alone afterwards
        assert hexes(g) == hexes(grad(np.array([a, b])))


@pytest.mark.compiled_tier  # across the switch to the compiled tiers
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_many_calls_from_threads_are_bit_identical(rc, method):
    """8 threads x many calls of a compiled gradient and value: each result is bit-for-bit
    the single-threaded one, which matches the exact Jacobian. Enough calls are made to
    cross the switch to the fused entry points (FUSE_AFTER_CALLS) while threads
    are calling."""
    node = rc.make("ent", diff_method=method)
    grad = qml.grad(node, argnum=0)
    rng = np.random.default_rng(11)
    points = [rng.uniform(-np.pi, np.pi, 3) for _ in range(12)]
    single = [(hexes(grad(p)), hexes(node(p))) for p in points]
    for p, (g, _) in zip(points, single):
        circuit = node.circuit(p)
        np.testing.assert_allclose(unhex(g), exact_jacobian(circuit, p)[0], atol=1e-12)
    rounds = 2 * FUSE_AFTER_CALLS // N_THREADS + 50

    def worker(t):
        mismatches = []
        for r in range(rounds):
            i = (t * 5 + r) % len(points)
            got = (hexes(grad(points[i])), hexes(node(points[i])))
            if got != single[i]:
                mismatches.append((t, r, i, got, single[i]))
        return mismatches

    with ThreadPoolExecutor(N_THREADS) as pool:
        mismatches = [m for ms in pool.map(worker, range(N_THREADS)) for m in ms]
    assert not mismatches, mismatches[:3]
    assert len(node._compiled) == 1


WARM_RACE = r'''
import json, sys, threading
import numpy as np
import qsym as qml, qsym._tiers as t

rounds = int(sys.argv[1])


def hea(w):
    for layer in range(2):
        for i in range(4):
            qml.RY(w[4 * layer + i], wires=i)
        for i in range(3):
            qml.CNOT(wires=[i, i + 1])
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(3))


dev = qml.device("default.qubit", wires=4)
ps = qml.QNode(hea, dev, diff_method="parameter-shift")
adj = qml.QNode(hea, dev, diff_method="adjoint")
pts = [qml.numpy.array(np.random.default_rng(i).uniform(-3, 3, 8), requires_grad=True)
       for i in range(4)]


def run(i):
    w = pts[i % 4]
    return [np.asarray(qml.grad(ps)(w)).tobytes().hex(),
            np.asarray(qml.grad(adj)(w)).tobytes().hex(),
            np.float64(ps(w)).tobytes().hex(),
            np.asarray(qml.jacobian(lambda v: qml.math.stack([ps(v), adj(v)]))(w)).tobytes().hex()]


first = run(0)  # the process's first answer, on the kernels' twins
twins = t.twin_calls
got, errors = [], []
start = threading.Barrier(5)


def worker(j):
    start.wait()
    try:
        for r in range(rounds):
            got.append(((j + r) % 4, run(j + r)))
    except BaseException as exc:  # noqa: BLE001 - reported, the test fails
        errors.append(repr(exc))


threads = [threading.Thread(target=worker, args=(j,)) for j in range(4)]
for th in threads:
    th.start()
start.wait()
t._warm_start.set()  # the kernel warm-up loads the compiled kernels while the threads call
for th in threads:
    th.join()
t._warm_thread.join()
with t.kernel_compiles_on_call():  # every kernel call compiled from here
    before = t.twin_calls
    ref = [run(i) for i in range(4)]
    compiled = t.twin_calls == before
print(json.dumps({"twins": twins, "compiled": compiled, "errors": errors,
                  "first": first == ref[0], "n": len(got),
                  "mismatches": sum(g != ref[i] for i, g in got)}))
'''


def test_threads_calling_while_the_kernel_warm_up_loads_get_the_same_bits(tmp_path):
    """A new process (``QSYM_TIER=python``: where two sessions once saw numba's
    ``no compiled object yet``): four threads take parameter-shift and adjoint gradients,
    values and a Jacobian of two QNodes while the warm-up thread loads the kernel library's
    compiled code under them (each call runs a kernel's plain-Python twin or its compiled
    code, whichever is loaded when it asks). No call raises, and every result is bit for
    bit the one computed afterwards with every kernel compiled. ``QSYM_STRESS=1``: 20 times
    the rounds."""
    rounds = 60 if os.environ.get("QSYM_STRESS", "").strip() in ("1", "true", "yes") else 3
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_WARMUP", "QSYM_TIER")}
    env["QSYM_TIER"] = "python"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    script = tmp_path / "warm_race.py"
    script.write_text(WARM_RACE)
    out = subprocess.run([sys.executable, str(script), str(rounds)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["errors"] == [], res["errors"]
    assert res["twins"] > 0 and res["compiled"], res  # both kinds of kernel call ran
    assert res["n"] == 4 * rounds and res["mismatches"] == 0 and res["first"], res
    assert "Exception ignored" not in out.stderr, out.stderr[-3000:]


COLD_RACE = r'''
import json, threading
import numpy as np
import qsym as qml

n = 12
dev = qml.device("default.qubit", wires=n)


@qml.qnode(dev)
def hea(w):
    for layer in range(4):
        for i in range(n):
            qml.RY(w[layer, i], wires=i)
        for i in range(n - 1):
            qml.CNOT(wires=[i, i + 1])
    return qml.expval(qml.PauliZ(0))


w = qml.numpy.array(np.random.default_rng(1).uniform(size=(4, n)), requires_grad=True)
got, errors = [], []


def worker():
    try:
        for _ in range(2):
            got.append((np.asarray(qml.grad(hea)(w)).tobytes().hex(),
                        np.float64(hea(w)).tobytes().hex()))
    except BaseException as exc:  # noqa: BLE001 - reported, the test fails
        errors.append(repr(exc))


threads = [threading.Thread(target=worker) for _ in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
print(json.dumps({"errors": errors, "results": sorted(set(got))}))
'''


@pytest.mark.skipif(os.environ.get("QSYM_STRESS", "").strip() not in ("1", "true", "yes"),
                    reason="minutes of numba compiles: set QSYM_STRESS=1")
def test_two_processes_on_an_empty_cache_folder_compile_the_kernels_at_once(tmp_path):
    """Two new processes on one empty ``QSYM_CACHE_DIR`` (``QSYM_TIER=python``), four
    threads each, a 12-wire gradient that needs the compiled kernel library: both compile
    it at once into the same folder. No call raises, and all eight threads of both
    processes get the same bits."""
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_WARMUP", "QSYM_TIER")}
    env.update(QSYM_TIER="python", QSYM_CACHE_DIR=str(tmp_path / "cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    script = tmp_path / "cold_race.py"
    script.write_text(COLD_RACE)
    procs = [subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=3 * TIMEOUT) for p in procs]
    results = []
    for p, (stdout, stderr) in zip(procs, outs):
        assert p.returncode == 0, stderr[-3000:]
        res = json.loads(stdout.strip().splitlines()[-1])
        assert res["errors"] == [], res["errors"]
        results.extend(tuple(r) for r in res["results"])
    assert len(set(results)) == 1, results


# --- 2. two processes compile the same new circuit at once ---------------------------------
@pytest.fixture(scope="module")
def shared_cache(script_dir, tmp_path_factory):
    """Two processes compile circuit ``ent`` at the same time into one fresh cache folder,
    then a third process runs on it. (The folder is then the template of test 3.)"""
    folder = tmp_path_factory.mktemp("shared") / "cache"
    pair = [finish(p) for p in [start(script_dir, folder, ["ent"]) for _ in range(2)]]
    third = finish(start(script_dir, folder, ["ent"])) if all(r for r, _ in pair) else None
    return folder, pair, third


def test_two_processes_compile_same_circuit_concurrently(rc, shared_cache):
    folder, pair, third = shared_cache
    for res, diag in pair:
        assert res is not None, diag
        assert_correct(rc, "ent", res["ent"])
    a, b = (res["ent"] for res, _ in pair)
    assert (a["grad"], a["value"]) == (b["grad"], b["value"])
    assert len(list(folder.glob("qsym_gen_*.py"))) == 1
    assert not list(folder.glob(".qsym_gen_*"))  # no temporary files left behind

    # a third process afterwards compiles nothing: everything comes from numba's cache
    res, diag = third
    assert res is not None, diag
    res = res["ent"]
    assert_correct(rc, "ent", res)
    assert (res["grad"], res["value"]) == (a["grad"], a["value"])
    assert res["misses"] == 0 and res["hits"] > 0, res


def test_late_writer_keeps_the_file_another_process_wrote(tmp_path, monkeypatch):
    """The race of test 2, made deterministic: this process looks for the file before the
    other process has written it, and writes after. The other's (correct) file must stay as
    it is: replacing it changes its modification time, which the other process's numba
    index records, and a third process would find that index stale and compile again."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    source = f"X = 7  # {tmp_path.name}\n"
    path = tmp_path / f"{cache.module_name(source)}.py"
    path.write_text(source)  # written by "the other process"
    before = path.stat()
    hidden = [True]  # the first look at the file finds nothing

    def look(real):
        def patched(self, *args, **kwargs):
            if self == path and hidden[0]:
                hidden[0] = False
                raise FileNotFoundError(str(path))
            return real(self, *args, **kwargs)
        return patched

    real_exists = Path.exists
    with monkeypatch.context() as m:
        m.setattr(Path, "exists", lambda self, *a, **k: False if self == path and hidden[0]
                  else real_exists(self, *a, **k))
        m.setattr(Path, "read_text", look(Path.read_text))
        m.setattr(Path, "read_bytes", look(Path.read_bytes))
        real_trusted = cache.read_trusted
        m.setattr(cache, "read_trusted", lambda p: None if Path(p) == path and hidden[0]
                  and not hidden.__setitem__(0, False) else real_trusted(p))
        assert cache.load_module(source).X == 7
    assert not hidden[0]  # the first look was hidden
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(tmp_path.glob(".qsym_gen_*"))


def test_module_runs_the_generated_source_not_a_changed_file(tmp_path, monkeypatch):
    """The file is checked, then imported: if it changes in between (another writer, a disk
    fault), the module must still be the generated source."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    source = f"X = 7  # {tmp_path.name}\n"
    path = tmp_path / f"{cache.module_name(source)}.py"
    path.write_text(source.replace("7", "8"))  # what the file holds at import time ...
    real_text, real_bytes = Path.read_text, Path.read_bytes
    with monkeypatch.context() as m:  # ... and what it held when it was checked
        m.setattr(Path, "read_text",
                  lambda self, *a, **k: source if self == path else real_text(self, *a, **k))
        m.setattr(Path, "read_bytes",
                  lambda self: source.encode() if self == path else real_bytes(self))
        real_trusted = cache.read_trusted
        m.setattr(cache, "read_trusted",
                  lambda p: source.encode() if Path(p) == path else real_trusted(p))
        assert cache.load_module(source).X == 7
    assert path.read_text() == source.replace("7", "8")  # the file was not used


# --- 3. a corrupted cache -------------------------------------------------------------------
def _py(case_dir):
    (path,) = case_dir.glob("qsym_gen_*.py")
    return path


def _numba_files(case_dir, pattern):
    files = sorted((case_dir / "__pycache__").glob(pattern))
    assert files, f"no numba cache files {pattern} in {case_dir}"
    return files


def _keep_stat(path, edit):
    """Apply ``edit(path)`` and restore the modification time, as a disk fault would leave
    it (if the size is unchanged too, numba's stamp of the file looks unchanged)."""
    st = path.stat()
    edit(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _garbage(n, seed=0):
    # starts with bytes that are neither valid UTF-8 nor a valid pickle
    return b"\xff\xfe\x00\x9c" + np.random.default_rng(seed).bytes(max(n - 4, 0))


def corrupt_py_garbage(d):
    """Truncated to half and garbled (not even UTF-8), modification time kept."""
    path = _py(d)
    _keep_stat(path, lambda p: p.write_bytes(_garbage(p.stat().st_size // 2)))


def corrupt_py_same_stat_edit(d):
    """Valid Python, same size and mtime, one constant of the program changed."""
    path = _py(d)

    def edit(p):
        text = p.read_text()
        i = text.index("PROGRAM_FLOATS")
        j = next(k for k in range(i, len(text)) if text[k] in "123456789")
        p.write_text(text[:j] + ("2" if text[j] == "1" else "1") + text[j + 1:])

    _keep_stat(path, edit)


def corrupt_nbi(d):
    """prepare's index garbled, the other indexes truncated."""
    for f in _numba_files(d, "*.nbi"):
        if ".prepare-" in f.name:
            f.write_bytes(_garbage(f.stat().st_size, 1))
        else:
            f.write_bytes(f.read_bytes()[:100])


def corrupt_nbc_unreadable(d):
    """prepare's data garbled, the other data files truncated."""
    for f in _numba_files(d, "*.nbc"):
        if ".prepare-" in f.name:
            f.write_bytes(_garbage(f.stat().st_size, 2))
        else:
            f.write_bytes(f.read_bytes()[:1000])


def corrupt_nbc_wrong_content(d):
    """Data files that still unpickle but hold the wrong code: prepare's replaced by a
    valid data file of another function; the others with a few bytes flipped (numba
    would load damaged machine code: a crash, or wrong numbers)."""
    (other,) = _numba_files(d, "*._q_gate-*.1.nbc")
    flipped = []
    for f in _numba_files(d, "*.nbc"):
        if ".prepare-" in f.name:
            continue
        data = bytearray(f.read_bytes())
        for k in range(256, len(data), 4099):
            data[k] ^= 0x20
        flipped.append((f, bytes(data)))
    for f in _numba_files(d, "*.prepare-*.nbc"):
        shutil.copyfile(other, f)
    for f, data in flipped:
        f.write_bytes(data)


CORRUPTIONS = {
    "intact": lambda d: None,
    "py_garbage": corrupt_py_garbage,
    "py_same_stat_edit": corrupt_py_same_stat_edit,
    "nbi": corrupt_nbi,
    "nbc_unreadable": corrupt_nbc_unreadable,
    "nbc_wrong_content": corrupt_nbc_wrong_content,
}
NUMBA_CASES = {"nbi", "nbc_unreadable", "nbc_wrong_content"}
HEAL_CASES = {"nbi", "nbc_wrong_content"}  # a second process runs on these


@pytest.fixture(scope="module")
def corrupted_runs(rc, script_dir, shared_cache, tmp_path_factory):
    """Copy the cache of test 2 per case (modification times kept, so each copy is a valid
    cache), damage each copy, and run a fresh process on it; on some, a second process
    afterwards shows whether the cache was repaired. Cases run concurrently."""
    template, pair, _ = shared_cache
    first, diag = pair[0]
    assert first is not None, diag
    first = first["ent"]
    if Path(first["numba_cache"]).resolve() != (template / "__pycache__").resolve():
        pytest.skip("numba caches elsewhere (NUMBA_CACHE_DIR is set)")
    source = _py(template).read_bytes()  # as the subprocesses generate it
    root = tmp_path_factory.mktemp("corrupt")
    dirs = {}
    for case, corrupt in CORRUPTIONS.items():
        dirs[case] = root / case
        shutil.copytree(template, dirs[case])
        corrupt(dirs[case])
    runs = {case: [] for case in CORRUPTIONS}
    for cases in (CORRUPTIONS, HEAL_CASES):
        procs = {case: start(script_dir, dirs[case], ["ent"]) for case in cases}
        for case, p in procs.items():
            runs[case].append(finish(p))
    return first, source, dirs, runs


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_corrupted_cache_is_detected(rc, corrupted_runs, case):
    first, source, dirs, runs = corrupted_runs
    res, diag = runs[case][0]
    assert res is not None, f"{case}: the process failed on the damaged cache\n{diag}"
    res = res["ent"]
    assert_correct(rc, "ent", res)
    assert (res["grad"], res["value"]) == (first["grad"], first["value"])
    # the generated file holds the generated source again
    assert _py(dirs[case]).read_bytes() == source
    if case == "intact":  # the control: copies are valid caches
        assert res["misses"] == 0 and res["hits"] > 0, res
    if case in NUMBA_CASES:
        assert res["misses"] > 0, f"{case}: damaged numba cache files were used: {res}"
    if case in HEAL_CASES:  # the next process finds a repaired cache and compiles nothing
        again, diag = runs[case][1]
        assert again is not None, f"{case}: second run failed\n{diag}"
        again = again["ent"]
        assert_correct(rc, "ent", again)
        assert again["misses"] == 0 and again["hits"] > 0, f"{case}: not repaired: {again}"


# --- 4. numerical health of a deep circuit --------------------------------------------------
N_DEEP_GATES = 1200
N_DEEP_PARAMS = 24


def _deep_spec():
    rng = np.random.default_rng(2024)
    spec = []
    for _ in range(N_DEEP_GATES):
        gate = ("RX", "RY", "RZ", "CNOT", "CRX")[rng.integers(5)]
        wires = [int(w) for w in rng.permutation(4)[:2]]
        spec.append((gate, wires, int(rng.integers(N_DEEP_PARAMS)), float(rng.uniform(-3, 3))))
    return spec


DEEP_SPEC = _deep_spec()


def deep_circuit(w):
    for gate, wires, j, c in DEEP_SPEC:
        if gate == "CNOT":
            qml.CNOT(wires=wires)
        elif gate == "CRX":
            qml.CRX(w[j] + c, wires=wires)
        else:
            getattr(qml, gate)(c * w[j], wires=wires[0])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(2) + 0.5 * qml.PauliY(3))


def test_deep_random_circuit_norm_and_gradients():
    """1200 random gates on 4 wires: the compiled state keeps norm 1 (checked every 100
    ops) and equals the reference interpreter's; parameter shift equals adjoint."""
    dev = qml.device("default.qubit", wires=4)
    adj = qml.QNode(deep_circuit, dev, diff_method="adjoint")
    w = np.random.default_rng(3).uniform(-1, 1, N_DEEP_PARAMS)
    g_adj = qml.grad(adj, argnum=0)(w)
    entry = adj.compiled((w,), {})[0]
    circuit = entry.circuit
    assert len(circuit.ops) >= 1000
    no_data = np.zeros(0)

    # the compiled kernels, run op by op from the packed program: the norm stays 1
    ints, _ = entry.module.PROGRAM
    mats = entry.module.prepare(w, no_data, 0)[0]
    op_wires, op_nw, op_kind, op_off = kernels.unpack_program(ints)[:4]
    n = int(ints[kernels.H_N])
    n_ops = op_nw.shape[0]
    assert n_ops == len(circuit.ops)
    state = kernels.zero_state(n)
    for start in range(0, n_ops, 100):
        kernels.run_ops(state, n, start, min(start + 100, n_ops), op_wires, op_nw, op_kind,
                        op_off, mats)
        assert abs(np.vdot(state, state).real - 1.0) < 1e-12
    # ... and equals the reference interpreter's final state
    np.testing.assert_allclose(state, ir.final_state(circuit, w), atol=1e-11, rtol=0)
    np.testing.assert_allclose(adj(w), ir.simulate(circuit, w)[0], atol=1e-11, rtol=0)

    # parameter shift (the same compiled circuit: what diff_method="parameter-shift" runs)
    # against the adjoint method
    value, jac = entry.value_and_grad(w, no_data)
    np.testing.assert_allclose(jac[0], g_adj, atol=1e-9, rtol=0)
    np.testing.assert_allclose(value[0], ir.simulate(circuit, w)[0], atol=1e-11, rtol=0)
    # ... and both against central differences of the reference interpreter (spot checks)
    h = 1e-5
    for j in (0, N_DEEP_PARAMS - 1):
        up, dn = w.copy(), w.copy()
        up[j] += h
        dn[j] -= h
        fd = (ir.simulate(circuit, up)[0] - ir.simulate(circuit, dn)[0]) / (2 * h)
        assert abs(g_adj[j] - fd) < 1e-6, (j, g_adj[j], fd)


# --- 5. determinism -------------------------------------------------------------------------
def test_compile_order_does_not_change_results(rc, script_dir, tmp_path):
    """Circuits built A then B in one process and B then A in another (each with a fresh
    cache, so each compiles) give bit-identical results, equal to this process's."""
    procs = [
        start(script_dir, tmp_path / "ab", ["seed", "ent"]),
        start(script_dir, tmp_path / "ba", ["ent", "seed"]),
    ]
    (ab, d1), (ba, d2) = (finish(p) for p in procs)
    assert ab is not None, d1
    assert ba is not None, d2
    for res in (ab, ba):  # each process compiled both circuits
        assert res["seed"]["misses"] > 0 and res["ent"]["misses"] > 0, res
    for name in ("seed", "ent"):
        assert json.dumps(ab[name]["grad"]) == json.dumps(ba[name]["grad"])
        assert ab[name]["value"] == ba[name]["value"]
        node = rc.make(name)
        x = rc.POINTS[name]
        assert hexes(qml.grad(node, argnum=0)(x)) == ab[name]["grad"]
        assert hexes(node(x)) == [ab[name]["value"]]
        assert_correct(rc, name, ab[name])
    a, b = rc.POINTS["seed"]
    np.testing.assert_allclose(
        unhex(ab["seed"]["grad"]),
        [-math.sin(a) * math.cos(b), -math.cos(a) * math.sin(b)],
        atol=1e-15,
    )


@pytest.mark.compiled_tier  # across the switch to the compiled tiers
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_repeated_calls_are_bit_identical(rc, method):
    """The same call many times, across the switch to the fused entry points."""
    node = rc.make("ent", diff_method=method)
    grad = qml.grad(node, argnum=0)
    x = rc.POINTS["ent"]
    ref_g, ref_v = hexes(grad(x)), hexes(node(x))
    for _ in range(2 * FUSE_AFTER_CALLS + 10):
        assert hexes(grad(x)) == ref_g
        assert hexes(node(x)) == ref_v
    assert_correct(rc, "ent", {"grad": ref_g, "value": ref_v[0]})


# --- 6. memory ------------------------------------------------------------------------------
def _rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    pytest.skip("no VmRSS in /proc/self/status")


@pytest.mark.compiled_tier  # across the switch to the compiled tiers
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_memory_flat_over_many_gradient_calls(rc):
    """100,000 gradient calls after warm-up: resident memory stays flat."""
    node = rc.make("seed")
    grad = qml.grad(node, argnum=0)
    x = [0.54, 0.12]
    expected = [-math.sin(0.54) * math.cos(0.12), -math.cos(0.54) * math.sin(0.12)]
    for _ in range(2 * FUSE_AFTER_CALLS):  # warm up, past the switch to fused code
        grad(x)
    gc.collect()
    before = _rss_mb()
    for i in range(100_000):
        g = grad(x)
        if i == 50_000:
            gc.collect()
            middle = _rss_mb()
    gc.collect()
    after = _rss_mb()
    np.testing.assert_allclose(g, expected, atol=1e-15)
    assert after - before < 20, (before, middle, after)
    assert after - middle < 10, (before, middle, after)


def test_kernel_library_cache_files_are_checked():
    """The kernel library's numba cache files are read through the checking class too."""
    from qsym import _cache as cache, _kernels as kernels

    cls = cache._checked_cache_file_class()
    if cls is None:
        pytest.skip("this numba's cache files are not laid out as qsym expects")
    checked = cache.numba_cached_functions(kernels)
    assert checked and all(type(f._cache._cache_file) is cls for f in checked)
