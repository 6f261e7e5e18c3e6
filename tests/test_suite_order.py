"""The suite's own scheduling (tests/conftest.py, issue #17): the slow-first order keeps
every test exactly once, keeps a slow file's tests together on one worker's part, and
shares the slow blocks between the parts by cost; the compile processes a script leaves
running are stopped, and nothing else is."""

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from itertools import pairwise

import pytest
from conftest import (FIRST_EXPORT_TIER, FIRST_TIER, SESSION_EXPORT_TIER, SESSION_TIER, SLOW_FILES,
                      SLOW_TESTS, SLOW_WITH, run_script, slow_first)


class _Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid


def _collection():
    """Plain tests around every slow file and test of the tables, in collection order (a
    SLOW_WITH test before the file whose block it joins)."""
    ids = [f"tests/test_a.py::t{i}" for i in range(30)]
    ids += list(SLOW_WITH)
    for path in SLOW_FILES:
        ids += [f"{path}::f{i}" for i in range(4)]
    for key in SLOW_TESTS:
        ids += [f"{key}e{i}" for i in range(7)] if key.endswith("::") else [key, key + "_not"]
    ids += [f"tests/test_z.py::t{i}" for i in range(60)]
    return [_Item(i) for i in ids]


def _cost(part):
    """The slow cost a part carries, by the tables (worked out here, not by slow_first)."""
    total, files = 0, set()
    for item in part:
        path = SLOW_WITH.get(item.nodeid) or item.nodeid.split("::")[0]
        if path in SLOW_FILES:
            if path not in files:
                total += SLOW_FILES[path]
            files.add(path)
        elif item.nodeid in SLOW_TESTS:
            total += SLOW_TESTS[item.nodeid]
        elif path + "::" in SLOW_TESTS:
            total += SLOW_TESTS[path + "::"]
    return total


def test_slow_first_keeps_every_test_and_puts_the_slow_ones_first_in_each_part():
    items = _collection()
    for parts in (2, 3):
        out = slow_first(items, parts)
        assert sorted(id(i) for i in out) == sorted(id(i) for i in items)  # each once
        n = len(out)
        bounds = [0]
        for k in range(parts):  # xdist's worksteal split: len(pending) // nodes left
            bounds.append(bounds[-1] + (n - bounds[-1]) // (parts - k))
        chunks = [out[a:b] for a, b in pairwise(bounds)]
        for path in SLOW_FILES:  # a slow file's tests: all in one part, in their order
            holders = [c for c in chunks if any(i.nodeid.startswith(path) for i in c)]
            assert len(holders) == 1
            where = [items.index(i) for i in holders[0] if i.nodeid.startswith(path)]
            assert where == sorted(where) and len(where) == sum(
                i.nodeid.startswith(path) for i in items)
        for chunk in chunks:  # slow tests first, then the others in collection order
            slow = [_cost([i]) > 0 for i in chunk]
            assert slow == sorted(slow, reverse=True)
            rest = [items.index(i) for i in chunk if _cost([i]) == 0]
            assert rest == sorted(rest)
        costs = [_cost(c) for c in chunks]
        biggest = max([*SLOW_FILES.values(), *SLOW_TESTS.values()])
        assert max(costs) - min(costs) <= biggest, costs  # shared by cost
    assert slow_first(items, 1) == items


def test_a_test_that_reuses_a_slow_files_compiles_runs_after_it_in_its_part():
    """SLOW_WITH: the test is in the part of the file it names, after every test of that
    file (here collected before them), and moves with no block of its own."""
    items = _collection()
    assert SLOW_WITH and all(path in SLOW_FILES for path in SLOW_WITH.values())
    for parts in (2, 3):
        out = slow_first(items, parts)
        for test, path in SLOW_WITH.items():
            at = [k for k, i in enumerate(out) if i.nodeid == test]
            mine = [k for k, i in enumerate(out) if i.nodeid.startswith(path + "::")]
            assert len(at) == 1 and len(mine) == 4
            # right after the file's last test: the same block, so the same part
            assert at[0] == max(mine) + 1 and max(mine) - min(mine) == 3, (at, mine)
        assert test not in SLOW_TESTS


# stand-ins for qsym's background compile process (tiers.Job's command line) and for any
# other process: both only sleep
_JOB = ("import time; time.sleep(120)  # from qsym._tiers import _worker; _worker()")
_OTHER = "import time; time.sleep(120)"


def test_a_scripts_leftover_compile_processes_are_stopped_and_nothing_else():
    """A script that starts a compile process and another process and exits at once:
    run_script stops the compile process (in the script's process group, by id) and
    leaves the other one running, and a compile process of this process's own group too."""
    mine = subprocess.Popen([sys.executable, "-c", _JOB])
    script = (f"import subprocess, sys, time\n"
              f"for code in ({_JOB!r}, {_OTHER!r}):\n"
              f"    p = subprocess.Popen([sys.executable, '-c', code],\n"
              f"                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
              f"    while b'sleep' not in open(f'/proc/{{p.pid}}/cmdline', 'rb').read():\n"
              f"        time.sleep(0.01)  # started (its command line is its own)\n"
              f"    print(p.pid, flush=True)\n")
    other = None
    try:
        while b"sleep" not in open(f"/proc/{mine.pid}/cmdline", "rb").read():
            time.sleep(0.01)  # started
        done = run_script([sys.executable, "-c", script], timeout=120)
        assert done.returncode == 0, done.stderr
        job, other = (int(v) for v in done.stdout.split())
        # both were reparented: the job is gone, the other one is not
        with open(f"/proc/{other}/cmdline", "rb") as f:
            assert b"sleep(120)" in f.read()
        for _ in range(1000):  # SIGKILL was sent: gone (or a zombie) within moments
            try:
                with open(f"/proc/{job}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                state = "gone"
            if state in ("gone", "Z"):
                break
            time.sleep(0.01)
        assert state in ("gone", "Z"), state
        assert mine.poll() is None  # another group's compile process: running
    finally:
        if other is not None:
            os.kill(other, signal.SIGKILL)
        mine.kill()
        mine.wait()


def test_the_kernel_compile_is_waited_for_and_its_marker_made_whatever_the_outcome(tmp_path):
    """The workers start while the controller's kernel compile runs and wait for its
    marker file before their first test (tests/conftest.py, issue #17): the marker is made
    only once every compile process has ended, also when one fails, and a stopped compile
    (an interrupted session) ends its processes."""
    from conftest import Precompile, wait_for_kernels

    ready = str(tmp_path / "ready")
    assert not wait_for_kernels(ready, timeout=0.3)  # not there: False after the timeout
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
             for code in ("import time; time.sleep(1.0)",
                          "import sys; sys.stderr.write('boom'); sys.exit(3)")]
    thread = Precompile(procs, ready)
    thread.start()
    assert wait_for_kernels(ready, timeout=120)
    assert [p.returncode for p in procs] == [0, 3]  # made after both ended, not before
    thread.join()

    ready2 = str(tmp_path / "ready2")
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                            stderr=subprocess.PIPE, text=True)
    thread = Precompile([slow], ready2)
    thread.start()
    time.sleep(0.2)
    assert not os.path.exists(ready2)  # still compiling: the workers wait
    thread.stop()  # the session's end: the process stopped, the marker made
    assert slow.returncode is not None and os.path.exists(ready2)


def test_a_deferred_compile_starts_when_the_shared_kernels_are_cached(monkeypatch, tmp_path):
    """The second kernel group's process starts when the first has compiled the kernels
    both use (conftest.SHARED_KERNELS are then loaded, not compiled twice at once), or
    when every earlier process has ended (a kernel that never shows up makes it wait, not
    hang), and never after the session's end stopped the compile."""
    import conftest

    cached = threading.Event()
    monkeypatch.setattr(conftest, "_kernels_missing",
                        lambda names: [] if cached.is_set() else list(names))
    started = []

    def start(code="pass"):
        started.append(time.monotonic())
        return subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)

    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                             stderr=subprocess.PIPE, text=True)
    thread = conftest.Precompile([first], str(tmp_path / "ready"), [(("run_ops",), start)])
    thread.start()
    time.sleep(0.5)
    assert not started  # the shared kernels are not cached yet: waiting
    cached.set()
    end = time.monotonic() + 60
    while not started and time.monotonic() < end:
        time.sleep(0.05)
    assert started and first.poll() is None  # started beside the running first group
    first.kill()
    thread.join(120)
    assert os.path.exists(tmp_path / "ready") and thread.procs[1].returncode == 0

    # never cached: started once the first process has ended
    cached.clear()
    started.clear()
    quick = subprocess.Popen([sys.executable, "-c", "pass"], stderr=subprocess.PIPE, text=True)
    thread = conftest.Precompile([quick], str(tmp_path / "ready2"), [(("run_ops",), start)])
    thread.start()
    thread.join(120)
    assert len(started) == 1 and quick.returncode == 0 and os.path.exists(tmp_path / "ready2")

    # stopped while waiting: nothing started
    started.clear()
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                            stderr=subprocess.PIPE, text=True)
    thread = conftest.Precompile([slow], str(tmp_path / "ready3"), [(("run_ops",), start)])
    thread.start()
    time.sleep(0.3)
    thread.stop()
    assert not started and slow.returncode is not None and os.path.exists(tmp_path / "ready3")


def test_shared_kernels_are_kernels_every_group_calls():
    """conftest.SHARED_KERNELS, which the second group waits for: each a cached numba
    function of the library that an entry point of every group reaches (else the second
    group would wait for a kernel the first does not compile, until the first ends)."""
    from conftest import KERNEL_GROUPS, SHARED_KERNELS

    from qsym import _kernels as kernels

    for name in SHARED_KERNELS:
        fn = getattr(kernels, name)
        assert type(fn).__name__ == "CPUDispatcher", name
        assert type(fn._cache).__name__ != "NullCache", name  # njit(cache=True)
        for group in KERNEL_GROUPS:
            assert any(name in _kernel_calls(entry) for entry in group), (name, group)


def _kernel_calls(entry) -> set:
    """The kernel library's functions ``entry`` reaches by calls (read from the source
    here: its ``def``s and the ``name = njit(...)(function)`` aliases)."""
    callees, alias = _kernel_graph()
    seen, todo = set(), [entry]
    while todo:
        name = todo.pop()
        name = alias.get(name, name)
        if name in seen or name not in callees:
            continue
        seen.add(name)
        todo += callees[name]
    return seen - {entry}


@functools.cache
def _kernel_graph() -> tuple[dict, dict]:
    """``(callees, alias)`` of qsym/_kernels.py, read once: each function's called names
    (in the order ``ast.walk`` meets them) and the ``name = njit(...)(function)`` aliases.
    (Parsing the 4,500 lines took about 50 ms, and the tests below ask for some hundred
    entry points' calls: 10 s of CPU a session, issue #17.)"""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[1] / "qsym" / "_kernels.py").read_text())
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    alias = {}
    for n in tree.body:
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call):
            named = [a.id for a in ast.walk(n.value) if isinstance(a, ast.Name) and a.id in funcs]
            for t in n.targets:
                if isinstance(t, ast.Name) and named:
                    alias[t.id] = named[0]
    callees = {name: [c.func.id for c in ast.walk(fn)
                      if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)]
               for name, fn in funcs.items()}
    return callees, alias


def test_kernel_groups_cover_the_library_and_keep_callers_with_their_callees():
    """The controller's kernel compile (KERNEL_GROUPS, one process per group): every entry
    point of ``qsym warmup`` once, and an entry point that calls another one in that one's
    group, else both processes compile the callee (the blocked adjoint, called by the batch
    adjoint, was compiled twice: issue #17)."""
    from conftest import KERNEL_GROUPS

    from qsym import _cli

    entries = [name for group in KERNEL_GROUPS for name in group]
    assert sorted(entries) == sorted(k for _, k in _cli._WARMUP_STEPS)
    # (the batch kernels call the entry points' _into forms, which those call: the same
    # callees, so the same group; stop 60). The batch adjoint of small circuits does not
    # reach the blocked adjoint (its large circuits' kernel does: LATE_KERNELS; stop 61)
    calls = _kernel_calls("batch_value_and_grad_adjoint")
    assert "program_value_and_grad_adjoint_into" in calls
    assert not calls & {"program_value_and_grad_adjoint_blocked_into", "_adjoint_blocked"}
    assert "program_value_and_grad_adjoint_blocked_into" in _kernel_calls(
        "batch_value_and_grad_adjoint_blocked")

    def own(names):  # entry points and their _into forms (the warmup steps name the _into
        return set(names) | {f"{name}_into" for name in names}  # forms since stop 61)

    for group in KERNEL_GROUPS:
        for name in group:
            assert not (_kernel_calls(name) & own(entries)) - own(group), name


def test_qsyms_bytecode_is_kept_and_no_test_writes_any():
    """Where the environment says to write no bytecode, the session still keeps the .pyc
    files of qsym's modules (every subprocess and compile job reads them instead of
    compiling 115 000 lines again), and a test itself writes none (a module a test writes
    and changes is never run from a stale .pyc)."""
    import importlib.util

    import conftest
    import qsym
    from qsym import _about

    if sys.pycache_prefix and not conftest.WRITE_BYTECODE_AT_IMPORT:
        import pytest

        pytest.skip("a bytecode prefix chosen by the environment: where it writes is its own")
    for module in (qsym, _about):
        assert os.path.exists(importlib.util.cache_from_source(module.__file__)), module
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        assert conftest.WRITE_BYTECODE_AT_IMPORT and sys.dont_write_bytecode


def test_the_kernels_outside_warmup_are_placed_by_what_they_call():
    """conftest.EXTRA_KERNELS (compiled in the second group's process) reach none of the
    kernels only the first group compiles (else two processes compile them at once) but
    through an entry point they wait for (EXTRA_WAITS: a first-group entry point that
    reaches every such kernel they reach); the LATE_KERNELS reach some (so they wait, in a
    third process, for the blocked adjoint: LATE_WAITS); none is a warmup entry point
    (those are KERNEL_GROUPS')."""
    from conftest import EXTRA_KERNELS, EXTRA_WAITS, KERNEL_GROUPS, LATE_KERNELS, LATE_WAITS

    from qsym import _kernels as kernels

    def reach(group):
        return set().union(*(_kernel_calls(name) | {name} for name in group))

    first, rest = reach(KERNEL_GROUPS[0]), reach(KERNEL_GROUPS[1])
    entries = {name for group in KERNEL_GROUPS for name in group}
    assert LATE_WAITS[0] in KERNEL_GROUPS[0]
    for name in EXTRA_KERNELS + LATE_KERNELS:
        fn = getattr(kernels, name)
        assert type(fn).__name__ == "CPUDispatcher" and name not in entries, name
        assert type(fn._cache).__name__ != "NullCache", name  # njit(cache=True)
    for name in EXTRA_KERNELS:
        waits = EXTRA_WAITS.get(name, ())
        assert set(waits) <= set(KERNEL_GROUPS[0]), name
        assert not _kernel_calls(name) & (first - rest) - reach(waits), name
    assert set(EXTRA_WAITS) <= set(EXTRA_KERNELS)
    assert "_adjoint_into" in _kernel_calls("adjoint_step_into") & (first - rest)
    for name in LATE_KERNELS:
        assert _kernel_calls(name) & (first - rest), name


def test_the_session_compiles_the_kernels_outside_warmup(monkeypatch, tmp_path):
    """With nothing cached, precompile_kernel_library starts the first group at once, then
    the second group with the EXTRA_KERNELS (deferred: when the SHARED_KERNELS are
    cached) and a third process for the LATE_KERNELS (when the LATE_WAITS are); with only
    the late kernels missing, their process alone, at once. (The processes are recorded,
    not run.)"""
    import conftest

    from qsym import _cache as cache

    missing = {}
    monkeypatch.setattr(conftest, "_kernels_missing",
                        lambda names: [n for n in names if n in missing])
    monkeypatch.setattr(cache, "enabled", lambda: True)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    started = []

    envs = []

    class Recorded:
        def __init__(self, argv, env, **kwargs):
            started.append(argv[3:])
            envs.append(env.get("QSYM_PRECOMPILE_FIRST"))
            self.pid = 1000 + len(started)

    class Thread:
        def __init__(self, procs, ready, deferred=()):
            self.procs, self.deferred = procs, deferred

        def start(self):
            pass

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    monkeypatch.setattr(conftest, "Precompile", Thread)
    everything = [n for g in conftest.KERNEL_GROUPS for n in g]
    missing.update(dict.fromkeys(everything + list(conftest.EXTRA_KERNELS + conftest.LATE_KERNELS)))
    thread = conftest.precompile_kernel_library(str(tmp_path / "ready"))
    assert started == [list(conftest.KERNEL_GROUPS[0])]
    assert [waits for waits, _ in thread.deferred] == [conftest.SHARED_KERNELS,
                                                        conftest.LATE_WAITS]
    for _, start in thread.deferred:
        start()
    assert started[1:] == [list(conftest.KERNEL_GROUPS[1] + conftest.EXTRA_KERNELS),
                           list(conftest.LATE_KERNELS)]
    # the later processes know the first (EXTRA_WAITS end when it has ended)
    assert envs == [None, "1001", "1001"]

    started.clear()
    envs.clear()
    monkeypatch.setenv("QSYM_PRECOMPILE_FIRST", "7")  # another session's: not passed on
    missing.clear()
    missing.update(dict.fromkeys(conftest.LATE_KERNELS))
    thread = conftest.precompile_kernel_library(str(tmp_path / "ready2"))
    assert started == [list(conftest.LATE_KERNELS)] and thread.deferred == []
    assert envs == [None]


def test_a_test_runs_on_tier_0_and_starts_no_background_compile():
    """Unmarked, this test runs with QSYM_TIER=python (conftest.FIRST_TIER): a circuit
    called past the promotion threshold stays on tier 0 and starts no ``tiers.Job``."""
    if SESSION_TIER is not None:
        pytest.skip(f"the session sets QSYM_TIER={SESSION_TIER!r}: left as it is")
    import qsym as qml
    from qsym import _tiers as tiers

    assert os.environ.get("QSYM_TIER") == FIRST_TIER == "python"
    node = qml.QNode(lambda x: (qml.RX(x, 0), qml.expval(qml.PauliZ(0)))[1],
                     qml.device("default.qubit", wires=1))
    for k in range(tiers.COMPILE_AFTER_CALLS + 1):
        node(0.1 * k)
    (entry,) = node._compiled.values()
    assert entry.tier == "python" and entry._job is None


@pytest.mark.compiled_tier
def test_a_compiled_tier_test_runs_under_the_sessions_setting():
    """Marked ``compiled_tier``: QSYM_TIER and QSYM_EXPORT_TIER are the session's (unset:
    auto, as users run)."""
    assert os.environ.get("QSYM_TIER") == SESSION_TIER
    assert os.environ.get("QSYM_EXPORT_TIER") == SESSION_EXPORT_TIER


def test_a_loaded_export_answers_in_python_and_starts_no_background_compile(tmp_path):
    """Unmarked, an exported module loaded back (qml.load) runs with QSYM_EXPORT_TIER=python
    (conftest.FIRST_EXPORT_TIER): its calls answer on its plain-Python tier, the numbers
    of the closed form, and no background process compiles the module (under the default,
    auto, the first call started one that nothing waited for or stopped)."""
    if SESSION_EXPORT_TIER is not None:
        pytest.skip(f"the session sets QSYM_EXPORT_TIER={SESSION_EXPORT_TIER!r}: left as it is")
    import math

    import qsym as qml

    assert os.environ.get("QSYM_EXPORT_TIER") == FIRST_EXPORT_TIER == "python"

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliY(0))  # -sin(x)

    compiled = qml.compile(circuit, 0.3)
    mod = qml.load(compiled.export(tmp_path / "ry.py"), expected_hash=compiled.export_sha256)
    for x in (0.3, -1.1):
        assert float(mod.value(x)) == pytest.approx(-math.sin(x), abs=1e-14)
        assert float(mod.grad(x)) == pytest.approx(-math.cos(x), abs=1e-14)
    assert mod.tier() == "python" and mod._T.get("job") is None


def test_the_per_test_settings_reach_the_doctests(request):
    """The per-test fixtures (the tier settings, the cancel of a test's background
    compiles) are a plugin's (conftest.EveryTest), not this folder's conftest's: they reach
    every item of the session, the doctests of qsym's modules (--doctest-modules) too; a
    conftest's fixtures reach only the items under its folder."""
    manager = request.session._fixturemanager
    for name in ("_tier_that_answers_first", "_cancel_the_tests_compile_jobs"):
        # fixtures visible from the session's root node: those of every item
        assert manager.getfixturedefs(name, request.session), name
        assert name in request.node.fixturenames


def _worker_session(workerid, ready):
    """A stand-in for an xdist worker's session (what pytest_collection reads)."""
    from types import SimpleNamespace

    config = SimpleNamespace(workerinput={"workerid": workerid, "qsym_kernels_ready": ready})
    return SimpleNamespace(config=config)


def _collect(session):
    """Run tests/conftest.py's pytest_collection wrapper around a collection that does
    nothing; the moment the collection ran."""
    import conftest

    gen = conftest.pytest_collection(session)
    next(gen)  # (the wrapper's wait is before this yield)
    collected_at = time.monotonic()
    with pytest.raises(StopIteration):
        gen.send(["items"])
    return collected_at


def test_the_other_workers_collect_after_the_first_while_the_kernels_compile(tmp_path):
    """While the kernel library compiles, a worker other than gw0 collects only after
    gw0 has collected (its .pyc files are then there to read), or once the kernel library
    is ready; gw0 collects at once and then makes the marker (tests/conftest.py,
    COLLECTION_WAIT; issue #17). Nobody waits outside an xdist worker, nor when the
    kernel library was ready before the collection, nor where no .pyc files are written."""
    import conftest
    from types import SimpleNamespace

    ready = str(tmp_path / "ready")
    marker = conftest.first_collection_marker(_worker_session("gw1", ready).config)
    assert marker == str(tmp_path / "collected")
    assert conftest.first_collection_marker(SimpleNamespace()) is None  # one process
    assert conftest.first_collection_marker(_worker_session("gw1", None).config) is None

    # gw1 waits for gw0's marker (made here by a thread, as gw0's collection ends)
    made_at = []

    def gw0_collects():
        time.sleep(0.5)
        made_at.append(time.monotonic())
        _collect(_worker_session("gw0", ready))

    thread = threading.Thread(target=gw0_collects)
    thread.start()
    collected_at = _collect(_worker_session("gw1", ready))
    thread.join()
    assert os.path.exists(marker) and collected_at >= made_at[0]

    # the kernel library ready (no marker from gw0): gw1 collects at once; so does gw0
    os.remove(marker)
    start = time.monotonic()
    with open(ready, "w"):
        pass
    assert conftest.first_collection_marker(_worker_session("gw1", ready).config) is None
    _collect(_worker_session("gw1", ready))
    _collect(_worker_session("gw0", ready))
    assert time.monotonic() - start < 5 and not os.path.exists(marker)


def test_no_worker_waits_where_no_bytecode_is_written(tmp_path, monkeypatch):
    """Without .pyc files (Python told to write none and the session not writing them
    either) a later worker would compile every module again anyway: nobody waits."""
    import conftest

    monkeypatch.setattr(conftest, "WRITE_BYTECODE_AT_IMPORT", False)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert conftest.first_collection_marker(
        _worker_session("gw1", str(tmp_path / "ready")).config) is None
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert conftest.first_collection_marker(
        _worker_session("gw1", str(tmp_path / "ready")).config) == str(tmp_path / "collected")


def test_every_slow_entry_names_a_test_that_exists():
    """The scheduling tables name files and test functions that are there (a renamed or
    removed test left in SLOW_TESTS would only be scheduled no more, silently)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in SLOW_FILES:
        assert (root / path).is_file(), path
    for key in SLOW_TESTS:
        path, _, name = key.partition("::")
        text = (root / path).read_text()
        if name:
            function = re.match(r"\w+", name).group(0)
            assert re.search(rf"^(async )?def {function}\(", text, re.M), key


def test_the_collection_ran_without_the_cycle_collector_and_left_its_objects_frozen(request):
    """tests/conftest.py's pytest_collection (issue #17, stop 70): the cycle collector is on
    again for the tests, and what the collection made (this test's item, its module) is
    frozen, out of the full passes (a cold collection spent 14.4 of its 36.4 s of CPU in 82
    of them; 0.8 of 21.8 s after, load ~15)."""
    import gc

    assert gc.isenabled()
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert gc.is_tracked(request.node) and id(request.node) not in oldest
    assert id(vars(request.module)) not in oldest
    assert gc.get_freeze_count() > 10_000
