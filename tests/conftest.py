"""Shared test setup: a private qsym cache directory, and random circuit builders."""

import gc
import os

# NumPy's BLAS on one thread (set before numpy is imported; the xdist workers and the
# tests' subprocesses inherit it): the suite runs two worker processes on two cores, and
# OpenBLAS's threads busy-wait between the dense reference products of the tests (the 8 to
# 256-dimensional matrices of the NumPy oracles). Measured on the 7-wire reference of
# tests/test_kernels_blocked.py at load 11: 19.9 s of CPU and 70 s wall with OpenBLAS's
# default threads, 1.3 s and 4.6 s with one. (numba's threads are not OpenBLAS's: the
# tests of qsym's parallel kernels still run them on 1 and 2 threads.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
import tempfile
import threading

# Bytecode. Where the environment says to write none (PYTHONDONTWRITEBYTECODE: set in the
# developers' shells; CI's environment may not have it) and qsym is an editable install (no
# .pyc files: pip writes them for an installed package only), every Python process of the
# suite compiled qsym's 150 sources (115 000 lines) again: each xdist worker, each
# subprocess test's interpreter, each background compile process (tiers.Job), each example
# script. `import qsym` in a fresh process took 2.7-3.3 s of CPU against 1.2-1.5 s with the
# .pyc files (load 16), and collecting the whole suite in one process 39 s of CPU against 11
# s with the test modules' rewritten .pyc files kept from the run before (load 20). So the
# test session's own processes write the .pyc files of what they import at two known
# moments, where Python keeps them (the __pycache__ folders beside the sources, as an
# installed package has them): this conftest's imports (numpy, sympy, numba, qsym) and a
# worker's collection (the test modules, rewritten by pytest, and qsym's modules, which the
# doctests import). Every other moment and process still writes none (the variable is left
# as it is for the children): a module a test writes, imports and changes (an export
# tampered in place) is never run from a .pyc of its old text.
WRITE_BYTECODE_AT_IMPORT = sys.dont_write_bytecode and not sys.pycache_prefix
if WRITE_BYTECODE_AT_IMPORT:
    sys.dont_write_bytecode = False

import numpy as np
import pytest

# keep the developer's own cache out of the tests (but reuse it across test files)
os.environ.setdefault("QSYM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "qsym-test-cache"))
# no "compiling qsym's kernel library" line on stderr (tests/test_tiers.py checks it)
os.environ.setdefault("QSYM_QUIET", "1")

import qsym as qml  # noqa: E402
from qsym._gates import GATES  # noqa: E402

if WRITE_BYTECODE_AT_IMPORT:
    sys.dont_write_bytecode = True  # no test writes bytecode (see WRITE_BYTECODE_AT_IMPORT)


def qsym_modules_naming(*names, folder=None):
    """``(path, tree)`` of each of qsym's modules whose text names one of ``names``, for the
    tests that look through qsym's source for a call of a name (``ast.walk``). A node that
    names ``x`` (a call ``x(...)``, an attribute ``a.x``) exists only where the text says
    ``x`` (an identifier is its NFKC-normal form: a module with text outside ASCII is
    searched normalized), so the modules that do not are not parsed: parsing all of qsym
    (150 modules, 130 000 lines) cost 3.2 s of CPU, and three tests did it for names that
    4 to 39 of the modules mention (issue #17). ``folder``: another folder's modules."""
    import ast
    import pathlib
    import unicodedata

    folder = folder or pathlib.Path(__file__).resolve().parent.parent / "qsym"
    for path in sorted(pathlib.Path(folder).glob("*.py")):
        text = path.read_text()
        searched = text if text.isascii() else unicodedata.normalize("NFKC", text)
        if any(name in searched for name in names):
            yield path, ast.parse(text, filename=str(path))


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """A worker's (or the single process's) collection writes the .pyc files of what it
    imports (see WRITE_BYTECODE_AT_IMPORT): the next process reads them. While the kernel
    library is compiled (:func:`pytest_sessionstart`), the xdist workers other than the
    first collect after it (:func:`first_collection_marker`)."""
    first = first_collection_marker(session.config)
    leader = first is not None and session.config.workerinput["workerid"] == "gw0"
    if first is not None and not leader:
        wait_for_any((first, session.config.workerinput["qsym_kernels_ready"]),
                     COLLECTION_WAIT)
    if WRITE_BYTECODE_AT_IMPORT:
        sys.dont_write_bytecode = False
    # The cycle collector off while collecting, then one pass and what is left frozen
    # (issue #17, stop 70): the collection's objects (the imported test and qsym modules,
    # some 10,000 test items, pytest's rewritten assertions) only grow, and the collector's
    # full passes over them were 12.3 of a cold collection's 30.6 s of CPU (82 passes; 1.0
    # of 6.1 s with the .pyc files; load ~30). Frozen (``gc.freeze``: reference counting
    # still frees them), they are not walked again by the full passes during the tests.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if collecting:
            gc.enable()
        gc.collect()
        gc.freeze()
        if WRITE_BYTECODE_AT_IMPORT:
            sys.dont_write_bytecode = True
        if leader:
            with open(first, "w"):
                pass


def kernel_returning(fn):
    """The kernel library's ``*_into`` entry point ``fn`` (``program_value_into``,
    ``program_value_and_grad_into``, ...: the library has no returning forms, issue #17) as
    a function of ``(ints, floats, *args)`` that returns new arrays: ``out``, or
    ``(out, jac)`` when ``fn`` takes both (the shapes from the program's header)."""
    from qsym import _kernels as kernels

    name = getattr(getattr(fn, "py_func", None), "__name__", None) or fn.__name__
    value = fn.__name__ == "program_value_into" or name == "program_value_into"
    # (the blocked adjoint's work memory: an empty array, allocated by the kernel)
    work = ((np.empty(0, dtype=np.complex128),)
            if name == "program_value_and_grad_adjoint_blocked_into" else ())

    def call(ints, floats, *args):
        n_out = ints[kernels.H_OUTPUTS]
        out = np.empty(n_out)
        if value:
            fn(ints, floats, *args, out)
            return out
        jac = np.empty((n_out, ints[kernels.H_INPUTS]))
        fn(ints, floats, *args, out, jac, *work)
        return out, jac

    return call


def seed_kernel_cache(folder) -> None:
    """Copy the kernel library's numba cache of this process into the cache folder
    ``folder`` (made if missing), so that a subprocess given ``QSYM_CACHE_DIR=folder``
    loads qsym's kernels instead of compiling them all again (about a minute: the kernel
    library is cached under ``QSYM_CACHE_DIR`` like everything else qsym writes)."""
    import shutil
    from pathlib import Path

    from qsym import _cache as cache


    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for source in cache.kernel_cache_dirs():
        target = cache.kernel_cache_dir(folder)
        if target.exists():  # seeded already (maybe in use by a running process)
            continue
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # copied aside, then renamed into place: a process never sees half a copy
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".seed-"))
        shutil.copytree(source, staging, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.tmp"))
        try:
            os.rename(staging, target)
        except OSError:  # another seeding won
            shutil.rmtree(staging, ignore_errors=True)



# A circuit called often on tier 0 is compiled by a background process (qsym._tiers.Job:
# a new interpreter that imports qsym and numba and compiles the circuit's module, some
# seconds of CPU). A test, an example script or a test process that ends while one runs
# leaves it running on its own: its result fills a cache folder that nothing reads again,
# and on CI's two cores it takes CPU from the tests still running. The tests stop them
# (by process id, only qsym's compile processes) where nothing can use them any more.
_JOB_MARK = b"from qsym._tiers import _worker"


def compile_jobs(pgid) -> list:
    """Process ids of qsym's background compile processes in the process group ``pgid``
    (Linux: read from /proc; elsewhere none)."""
    pids = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if _JOB_MARK not in f.read():
                    continue
            with open(f"/proc/{name}/stat") as f:
                group = int(f.read().rsplit(")", 1)[1].split()[2])
        except OSError:  # ended meanwhile
            continue
        if group == pgid:
            pids.append(int(name))
    return pids


def stop_compile_jobs(pgid) -> int:
    """Stop the compile processes :func:`compile_jobs` finds in group ``pgid``; how many."""
    import signal

    pids = compile_jobs(pgid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(pids)


def _running_jobs() -> set:
    """This process's background compiles still running (``tiers.Job`` threads)."""
    from qsym import _tiers as tiers

    return {t for t in threading.enumerate() if isinstance(t, tiers.Job) and t.is_alive()}


def run_script(cmd, timeout, **kwargs):
    """``subprocess.run(cmd, capture_output=True, text=True)`` in a new session, then the
    compile processes the script left running stopped (:func:`stop_compile_jobs`)."""
    import subprocess

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        stop_compile_jobs(pgid=proc.pid)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _cancel_the_tests_compile_jobs():
    """The background compiles a test started (its circuits called often on tier 0) and
    that still run when it ends are cancelled (``tiers.Job.cancel``: the process stopped,
    nothing handed over, nothing compiled here instead). A later test that calls the same
    circuit runs it on tier 0, with the same bits as compiled
    (``test_tiers.py::test_every_tier_gives_the_same_bits``); a test that needs the
    compiled tier waits for its own job or sets ``QSYM_TIER``. A module or session
    fixture's jobs started before the test and are kept."""
    before = _running_jobs()
    yield
    for job in _running_jobs() - before:
        job.cancel()


# The tier a test's circuits run on (issue #17). Tier 0 (QSYM_TIER=python) gives the
# compiled tiers' numbers bit for bit (tests/test_tiers.py::test_every_tier_gives_the_same_bits,
# written for it), so a test that checks what a circuit computes gets nothing from a
# promotion but its cost: under the default (auto) a circuit called 100 times, or for 0.2 s
# of Python, starts a background compile (tiers.Job: a new interpreter that imports qsym and
# numba and compiles the circuit's module, seconds of CPU on the suite's two cores) that the
# test almost never waits for (it is cancelled when the test ends:
# _cancel_the_tests_compile_jobs), and whether it ends in time to be swapped in depends on
# the machine's load (and a circuit whose module an earlier test compiled loads it from the
# disk cache in a thread: numba's load, for a test that compares numbers). So every test runs with QSYM_TIER=python (its subprocesses inherit it)
# unless it is marked ``compiled_tier`` (the tests written for promotion, the background
# compile, the swap and the compiled tiers: they run under the default, auto, as users
# do) or sets QSYM_TIER itself (monkeypatch.setenv / delenv, or its subprocesses' env).
# A test that calls a module's compiled functions itself (``entry.module.fused_value``,
# ``qml.export``) compiles them as before: the setting chooses only what the tiers do.
FIRST_TIER = "python"
# The same for an exported module (qml.load; issue #17, stop 59): under its default
# (QSYM_EXPORT_TIER=auto) its first call answers in plain Python (the same numbers: the
# module's "python" tier) and starts a background process that compiles the whole module
# with numba (2.6 s of CPU for a one-gate export, 84 s for the two two-wire exports of
# test_bad_inputs.py and test_matrix_data.py, load 13-20), which nothing in the test waits
# for and nothing stops: it ran on after the test (its CPU counted by no test; the loads of
# test_aot.py and qsym/_aot.py's doctests too). So QSYM_EXPORT_TIER=python
# too, under the same rule (marked ``compiled_tier``, or set by the test or the session:
# left alone); the tests of an export's compile and swap set it themselves or run it in
# a subprocess with their own environment.
FIRST_EXPORT_TIER = "python"
# QSYM_TIER as the session found it (set there, it is left alone: a developer's own choice)
SESSION_TIER = os.environ.get("QSYM_TIER")
SESSION_EXPORT_TIER = os.environ.get("QSYM_EXPORT_TIER")


def _tier_that_answers_first(request):
    """QSYM_TIER=python and QSYM_EXPORT_TIER=python for the test (see FIRST_TIER,
    FIRST_EXPORT_TIER) unless it is marked ``compiled_tier``; a variable the environment
    sets already is left as it is."""
    set_here = []
    if not request.node.get_closest_marker("compiled_tier"):
        for name, value in (("QSYM_TIER", FIRST_TIER), ("QSYM_EXPORT_TIER", FIRST_EXPORT_TIER)):
            if name not in os.environ:
                os.environ[name] = value
                set_here.append(name)
    try:
        yield
    finally:
        for name in set_here:
            os.environ.pop(name, None)


class EveryTest:
    """The per-test fixtures above, for every test of the session: the files under tests/
    and the doctests of qsym's modules (``--doctest-modules``; testpaths). A conftest's
    fixtures reach only the items under its own folder, so the doctests ran without them
    (their circuits promoted, their exports compiled in the background, nothing cancelled;
    issue #17, stop 59); a plugin's reach every item (registered: :func:`pytest_configure`)."""

    # (``@pytest.fixture`` above ``@staticmethod``: the order pytest 9.2 asks for)
    _cancel_the_tests_compile_jobs = pytest.fixture(autouse=True)(
        staticmethod(_cancel_the_tests_compile_jobs))
    _tier_that_answers_first = pytest.fixture(autouse=True)(
        staticmethod(_tier_that_answers_first))


def pytest_addoption(parser):
    parser.addoption("--cpu-profile", metavar="DIR", default=None,
                     help="write each test's process CPU (self, subprocesses, numba "
                          "compiles) into DIR; `python tests/cpu_profile.py DIR` sums them")


def pytest_configure(config):
    if config.getoption("cpu_profile", None):
        import cpu_profile

        cpu_profile.register(config)
    config.addinivalue_line(
        "markers", "compiled_tier: the test is about promotion, background compiles or the "
        "compiled tiers: it runs under QSYM_TIER's and QSYM_EXPORT_TIER's default (auto), "
        "not tier 0 alone (tests/conftest.py, FIRST_TIER)")
    if not config.pluginmanager.has_plugin("qsym-every-test"):
        config.pluginmanager.register(EveryTest(), "qsym-every-test")


def pytest_unconfigure(config):
    """A test process at its end (a worker, or the one process of ``-n 0``): its
    background compiles still running are cancelled."""
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        return  # the xdist controller runs no test
    for job in _running_jobs():
        job.cancel()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Two worker processes (``-n 2 --dist worksteal``: the suite compiles some hundreds of
    small circuits) unless the command line says otherwise: ``-n 0`` or ``-p no:xdist``
    run in one process, ``-n N`` on N."""
    if (config.pluginmanager.hasplugin("xdist")
            and getattr(config.option, "numprocesses", None) is None
            and "PYTEST_XDIST_WORKER" not in os.environ):
        config.option.numprocesses = 2
        config.option.dist = "worksteal"


# The kernel library's entry points, compiled by the controller as the session starts (the
# workers wait for them before their first test), in two processes (one per core; each
# group shares its helper kernels; the second starts when the first has compiled the
# SHARED_KERNELS): otherwise both workers compile the same kernels at
# the same time (about 55 s of CPU each, cold), and every subprocess test that seeds its
# cache folder from a half-compiled library (seed_kernel_cache) compiles the rest again.
# Warm (the files are there): nothing is run. An entry point that calls another is in that
# one's group (numba compiles a callee again in each process that has not got it yet):
# batch_value_and_grad_adjoint ran the blocked adjoint from BLOCK_MIN_WIRES wires (since stop
# 61 a kernel of its own does: LATE_KERNELS), so the adjoint entry points are one group (in two groups, the blocked adjoint, the largest part
# of the library, was compiled by both processes, issue #17). Measured cold at load about
# 20: 134 and 106 s of CPU (the old groups: 143 s for the second, the first stopped by the
# 1800 s bound; the whole library in one process: 215 s). With one signature per kernel
# (no constant or prange index passed on: tests/test_kernels.py), 121 and 100 s at load 20.
KERNEL_GROUPS = (
    ("program_value_and_grad_adjoint_into", "program_value_and_grad_adjoint_blocked_into",
     "batch_value_and_grad_adjoint"),
    ("program_value_into", "program_value_and_grad_into", "program_state", "batch_value",
     "batch_value_and_grad", "choice_into"),
)
# The kernels both groups call (the gate kernels, run_ops, the expectation values): the
# first group compiles them as it starts, the second group's process starts when they are
# in the cache (or the first has ended) and loads them instead of compiling them a second
# time at the same moment (issue #17: both processes compiled these 13, cold, 2026-12-03).
# The workers' start-up and collection use the second core meanwhile.
SHARED_KERNELS = (
    "unpack_program", "apply_cx", "apply_diag", "apply_pauli", "apply_real1", "apply_dense1",
    "apply_dense2", "apply_dense", "run_ops", "_word_value", "_z_marginals", "marginal_probs",
    "pauli_expvals",
)

# Kernels no warmup entry point compiles (``qsym warmup`` compiles them after those, its
# extra steps: _cli._WARMUP_EXTRA_STEPS, run here by name; issue #17: each was compiled
# inside the tests, by every worker that reached it first, often both at once, and again in
# the subprocess tests whose cache folder was seeded before: measured CPU cold, kernel
# library cached, load 10-100, so high; 2026-12-06): the fused small-circuit gradient
# (every small generated module's fused entry point links it, 3.5 s), the parameter shift on
# threads (7.6 s), the Hessian's gate gradient (2 s) and qsym.minimize's adjoint step (the
# kernels' step form, 6 s), compiled in the second group's process after its warmup steps;
# the adjoint step waits there for its callees of the first group (EXTRA_WAITS: compiled
# in two processes at once they were compiled twice; the first group has them long before).
# The blocked adjoint on threads (16 s) and the batch adjoint of large states (its rows run
# the blocked adjoint: a kernel of its own since stop 61), which call the blocked adjoint's
# kernels, in a third process started when that is cached (LATE_WAITS), beside the first
# group's last entry point (the batch adjoint, which no longer links the blocked one).
# tests/test_suite_order.py checks the placement.
EXTRA_KERNELS = ("program_value_and_grad_small_into", "program_value_and_grad_parallel",
                 "program_gate_gradient", "adjoint_step_into")
EXTRA_WAITS = {"adjoint_step_into": ("program_value_and_grad_adjoint_into",)}
LATE_KERNELS = ("program_value_and_grad_adjoint_parallel", "batch_value_and_grad_adjoint_blocked")
# (and the blocked adjoint's team member, which its entry point calls through a cell: compiled
# at that entry point's first call, after the entry point itself is cached; issue #17, stop 67)
LATE_WAITS = ("program_value_and_grad_adjoint_blocked_into", "_blocked_member")

_PRECOMPILE = """
import os, sys, types
os.environ["QSYM_TIER"] = "python"
from qsym import _cli
wanted = set(sys.argv[1:])
warmup = tuple(s for s in _cli._WARMUP_STEPS if s[1] in wanted)
if warmup:
    _cli._WARMUP_STEPS = warmup
    status = _cli.cmd_warmup(types.SimpleNamespace(target=None, batch=True, extra=()))
    if status:
        sys.exit(status)
extra = wanted - {s[1] for s in warmup}
if not extra:
    sys.exit(0)
WAITS = __WAITS__

# the kernels outside the warmup entry points (EXTRA_KERNELS, LATE_KERNELS): qsym warmup's
# extra steps (_cli.warmup_extra, the callers and argument types a first use has, so the
# same numba signatures); the adjoint step last, after its first-group callees are cached
# (WAITS: EXTRA_WAITS)
for name in [k for _, k in _cli._WARMUP_EXTRA_STEPS if k in extra and k != "adjoint_step_into"]:
    _cli.warmup_extra(name)
if "adjoint_step_into" in extra:
    import time
    from qsym import _cache as cache

    def running(pid):  # the first group's process (reaped by the session when it ends)
        try:
            os.kill(int(pid), 0)
        except (OSError, ValueError):
            return False
        return True

    folder, first = cache.kernel_cache_dir(), os.environ.get("QSYM_PRECOMPILE_FIRST", "")
    while (running(first)  # EXTRA_WAITS: its first-group callees cached
           and not all(list(folder.glob(f"_kernels.{n}-*.nbi")) for n in WAITS)):
        time.sleep(0.5)
    _cli.warmup_extra("adjoint_step_into")
"""
_PRECOMPILE = _PRECOMPILE.replace("__WAITS__", repr(EXTRA_WAITS["adjoint_step_into"]))


def _kernels_missing(names) -> list:
    """The kernel entry points among ``names`` with no numba index file in the cache."""
    from qsym import _cache as cache

    folder = cache.kernel_cache_dir()
    have = {p.name.split("-")[0] for p in folder.glob("_kernels.*.nbi")} if folder.is_dir() else set()
    return [n for n in names if f"_kernels.{n}" not in have]


class Precompile(threading.Thread):
    """The kernel library's compile processes (:data:`KERNEL_GROUPS`), waited for in this
    (daemon) thread; when they have ended (or failed, or were stopped), the file ``ready``
    is made: a worker waits for it before its first test (:func:`pytest_runtestloop`).
    ``deferred``: ``(names, start)`` pairs, in order: ``start()`` (it returns the new
    process) is called when the kernels ``names`` are in the cache
    (:func:`_kernels_missing`), or when every process started so far has ended."""

    def __init__(self, procs, ready, deferred=()):
        super().__init__(name="qsym-precompile", daemon=True)
        self.procs, self.ready, self.deferred = list(procs), ready, list(deferred)
        self._lock = threading.Lock()
        self._stopped = False

    def _start_deferred(self):
        import time

        for names, start in self.deferred:
            while (not self._stopped and _kernels_missing(names)
                   and any(p.poll() is None for p in self.procs)):
                time.sleep(0.2)
            with self._lock:  # not after stop(): it would be left running
                if self._stopped:
                    return
                self.procs.append(start())

    def run(self):
        import subprocess
        import time

        t = time.perf_counter()
        try:
            self._start_deferred()
            for p in self.procs:
                try:
                    _, err = p.communicate(timeout=1800)
                except subprocess.TimeoutExpired:  # a stuck compile: the tests compile instead
                    p.kill()
                    _, err = p.communicate()
                if p.returncode:
                    sys.stderr.write(f"conftest: compiling the kernel library ahead failed "
                                     f"(the tests compile it instead): {err[-1000:]}\n")
            sys.stderr.write(f"conftest: kernel library compiled into "
                             f"{os.environ['QSYM_CACHE_DIR']} in {time.perf_counter() - t:.0f} s\n")
        finally:
            with open(self.ready, "w"):
                pass

    def stop(self):
        """(the session's end) Stop the compile processes still running (and start no
        deferred one), then wait."""
        with self._lock:
            self._stopped = True
            for p in self.procs:
                if p.poll() is None:
                    p.kill()
        self.join()


def precompile_kernel_library(ready):
    """Start compiling the kernel library's entry points into the session's cache folder,
    in two processes (see KERNEL_GROUPS; the second, which also compiles the
    EXTRA_KERNELS, started when the first has compiled the SHARED_KERNELS) and a third for
    the LATE_KERNELS (started when the LATE_WAITS are cached, or the others have ended); a
    :class:`Precompile` thread (started) makes the file ``ready``
    when they have ended, or None (and ``ready`` made now) when there is nothing to
    compile. A failure is reported and ignored: the tests then compile what they use, as
    without this."""
    import subprocess

    from qsym import _cache as cache

    groups = [_kernels_missing(g) for g in KERNEL_GROUPS[:-1]]
    groups.append(_kernels_missing(KERNEL_GROUPS[-1] + EXTRA_KERNELS))
    late = _kernels_missing(LATE_KERNELS)
    groups = [g for g in groups if g]
    if not cache.enabled() or os.environ.get("NUMBA_CACHE_DIR") or not (groups or late):
        # nothing would be shared with the workers (or not where we look), or all cached
        with open(ready, "w"):
            pass
        return None
    env = dict(os.environ, QSYM_QUIET="1", QSYM_WARMUP="0")
    root = os.path.dirname(os.path.dirname(qml.__file__))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")

    def start(group):
        proc = subprocess.Popen([sys.executable, "-c", _PRECOMPILE, *group], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # the later processes' waits (EXTRA_WAITS) end when the first process has ended
        env.setdefault("QSYM_PRECOMPILE_FIRST", str(proc.pid))
        return proc

    env.pop("QSYM_PRECOMPILE_FIRST", None)  # (one of another session: not ours)

    if not groups:  # (only the late kernels are missing)
        groups, late = [late], []
    deferred = [(SHARED_KERNELS, lambda g=g: start(g)) for g in groups[1:]]
    if late:
        deferred.append((LATE_WAITS, lambda: start(late)))
    thread = Precompile([start(groups[0])], ready, deferred)
    thread.start()
    return thread


_precompile: Precompile | None = None
# how long a worker waits for the kernel library (the compile processes' own bound, 1800 s
# each, is what ends a stuck one; this only keeps a worker from waiting for ever)
READY_TIMEOUT = 4000.0


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """In the xdist controller: :func:`precompile_kernel_library` started, not waited for.
    The workers start meanwhile (start-up and collection, about 22 s of CPU for the first
    and 5 s for the others, which collect after it: :data:`COLLECTION_WAIT`; they overlap
    the compile: one of its two processes often ends well before the other) and wait for
    it before their first test (:func:`pytest_runtestloop`), so no test compiles a kernel
    the compile processes are compiling, and no subprocess test seeds its cache folder from
    a half-compiled library."""
    global _precompile
    config = session.config
    if (getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
            and not config.option.collectonly):
        folder = tempfile.mkdtemp(prefix="qsym-precompile-")
        config._qsym_kernels_ready = os.path.join(folder, "ready")
        _precompile = precompile_kernel_library(config._qsym_kernels_ready)


def pytest_sessionfinish(session):
    """In the controller: the compile processes stopped if still running (an interrupted
    session), and the marker's folder removed."""
    import shutil

    ready = getattr(session.config, "_qsym_kernels_ready", None)
    if _precompile is not None:
        _precompile.stop()
    if ready:
        shutil.rmtree(os.path.dirname(ready), ignore_errors=True)


def wait_for_kernels(ready, timeout=READY_TIMEOUT) -> bool:
    """Wait until the file ``ready`` exists (polling); whether it does."""
    import time

    end = time.monotonic() + timeout
    while not os.path.exists(ready):
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def wait_for_any(paths, timeout) -> bool:
    """Wait until one of the files ``paths`` exists (polling); whether one does."""
    import time

    end = time.monotonic() + timeout
    while not any(os.path.exists(p) for p in paths):
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


# The workers' collections, while the kernel library compiles (issue #17, stop 66). Each
# worker imports every test module (pytest rewrites its asserts) and qsym's modules (the
# doctests): without their .pyc files (a fresh clone, as CI's; an editable install has
# none) that is about 21 s of CPU each, with them about 4 s (measured with
# tests/cpu_profile.py, load 17). Started together, both workers compiled every module at
# the same moments, neither finding the other's .pyc files. So while the kernel library
# compiles (the workers wait for it before their first test in any case) the other
# workers collect after the first (gw0), reading its .pyc files; they start when it has
# collected or when the kernel library is ready, whichever comes first (or after
# COLLECTION_WAIT seconds). With the kernel library cached (nothing compiled: ``ready``
# made at once), or where no .pyc files are written, they collect together as before.
COLLECTION_WAIT = 300.0


def first_collection_marker(config):
    """The file the first xdist worker makes when it has collected, for the others to wait
    for; None where nobody waits (one process, no kernel compile started, no .pyc files
    written, or the kernel library ready already)."""
    worker = getattr(config, "workerinput", None)
    ready = worker.get("qsym_kernels_ready") if worker is not None else None
    if not ready or os.path.exists(ready):
        return None
    if sys.dont_write_bytecode and not WRITE_BYTECODE_AT_IMPORT:
        return None
    return os.path.join(os.path.dirname(ready), "collected")


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """In an xdist worker: wait for the controller's kernel compile before the first test."""
    worker = getattr(session.config, "workerinput", None)
    ready = worker.get("qsym_kernels_ready") if worker is not None else None
    if ready and not wait_for_kernels(ready):
        sys.stderr.write(f"conftest: the kernel library was not ready after "
                         f"{READY_TIMEOUT:.0f} s; the tests compile what they use\n")


# The slow tests, with their cold cost in seconds (issue #17). Refreshed at stop 66 (the
# kernel table of stop 65 cut the circuit modules' compiles two to four times, so the
# older costs were two to five times too high): a file's cost is its tests' process CPU
# with their subprocesses' in a cold two-worker run (tests/cpu_profile.py,
# ``--cpu-profile``; load 15-20, which inflates CPU somewhat), a test's the same where that
# run (or one process over tests/test_unrolled.py, as cold) reached it, else its duration
# in stop 65's CI emulation (quiet, cold: 25 slowest, the 25th 4.96 s). A test under about 5 s in both is not listed (stop 65's batch, first-answer,
# background-swap, cache-trust, fused-path and the other examples' entries). The xdist
# workers (``--dist worksteal``) each start
# with one contiguous part of the collection and then steal from the end of another's
# queue: a slow test collected late ends the run on one worker while the other idles. So
# the slow ones are moved to the front of the parts, shared between them by cost (the
# longest first); a file whose tests share a costly module fixture (a Dask cluster, an
# export) moves as one block and stays on one worker.
SLOW_FILES = {  # file: cost of the whole file (its tests stay together)
    "tests/test_minimize_loop.py": 82,  # written-out and compiled loops (73 s of numba)
    # a 2-process Dask cluster; a worker killed mid-run (54), then the distributed example
    # (SLOW_WITH: 15 after it, 24 alone; sub69, one process, load 15-19)
    "tests/test_distributed.py": 69,
    # exported modules, one compiled cold by numba in a subprocess without qsym (20 s)
    "tests/test_aot.py": 43,
    "tests/test_reliability.py": 37,  # module fixtures that run a dozen subprocesses
    "tests/test_kernels_blocked.py": 18,  # the blocked kernels for any chunk size; 14 wires
    "tests/test_oracle.py": 11,  # hypothesis against the NumPy oracle, every path
    # its module fixture parses every qsym module (about 6 s of CPU at load 17): as a
    # SLOW_TESTS entry its first test ran on one worker and the rest of the file on the
    # other, each parsing them (13.2 s for the file in the cold run of stop 68)
    "tests/test_architecture.py": 7,
    # written-out code compiled against the kernels (4-6 s a test); as SLOW_TESTS entries
    # its tests were spread over both workers, and two of them compiled the one-wire
    # module at the same moment (2.1 s twice, stop 68): in one block a later test loads it
    "tests/test_unrolled.py": 33,
}
# Tests run in a slow file's block, after its own tests, because they reuse what it
# compiled (counted in the file's cost). The distributed example's script (its own local
# Dask cluster of two processes) minimizes the circuit test_distributed.py's ``bloch`` is
# (the same generated module in QSYM_CACHE_DIR for its one-process check, the same
# exported payload in the Dask workers' folder under TMPDIR): after that file, its script
# loads both instead of compiling them, 15.4 s of CPU instead of 24.2 s (sub69, one
# process, load 15-19; stop 68's slow costs put it after that file on the same worker by
# chance; on the other worker it ran at the same time: each compiled them).
SLOW_WITH = {
    "tests/test_examples.py::test_distributed_multistart_on_a_local_cluster":
        "tests/test_distributed.py",
}
SLOW_TESTS = {  # test (or every test of a file, "file::"): cost of each
    # written-out code compiled against the kernels (its bodies: ~1 ms of numba per
    # arithmetic operation), and other compiling tests
    "tests/test_wide.py::test_written_out_probabilities_give_the_kernels_bits": 8,
    "tests/test_minimize.py::test_loop_module_is_cached_on_disk": 8,
    "tests/test_latency_cache.py::test_cache_hits_load_without_registries_and_give_the_same_bits":
        7,
    "tests/test_matrix_data.py::test_special_unitary_theta_is_runtime_data_one_module"
    "[parameter-shift]": 7,
    "tests/test_tiers.py::test_every_tier_gives_the_same_bits": 8,
    "tests/test_gradients.py::test_small_kernel_equals_the_serial_kernel_bit_for_bit[3-4]": 6,
    # a circuit module and its loop module compiled in a subprocess
    "tests/test_warmup_extras.py::test_after_warmup_a_first_use_compiles_no_kernel": 6,
    "tests/test_property.py::test_singular_points_of_the_classical_processing": 5,
    "tests/test_kernel_table.py::test_other_argument_types_link_the_kernel_with_the_same_bits": 5,
    "tests/test_kernels.py::test_one_wire_kernels_on_every_wire[1-1]": 5,
}


def _slow_key(nodeid):
    """``(block, cost)`` of a slow test, or None."""
    path = SLOW_WITH.get(nodeid) or nodeid.split("::", 1)[0]
    if path in SLOW_FILES:
        return path, SLOW_FILES[path]
    if nodeid in SLOW_TESTS:  # a test's own cost before its file's
        return nodeid, SLOW_TESTS[nodeid]
    for key, cost in SLOW_TESTS.items():
        if key.endswith("::") and nodeid.startswith(key):
            return nodeid, cost
    return None


def slow_first(items, parts):
    """``items`` reordered for ``parts`` workers that each take one contiguous part of
    about ``len(items) / parts`` tests: the slow blocks shared out longest first to the part
    with the least slow cost so far, each at the front of its part (a :data:`SLOW_WITH`
    test at the end of its file's block), in collection order otherwise. Every item is
    kept, once."""
    blocks, rest = {}, []
    for item in items:
        key = _slow_key(item.nodeid)
        if key is None:
            rest.append(item)
        else:
            blocks.setdefault(key[0], [key[1], []])[1].append(item)
    for _, group in blocks.values():  # a SLOW_WITH test after its block's own tests
        group.sort(key=lambda item: item.nodeid in SLOW_WITH)
    if not blocks or parts < 2:
        return items
    totals = {key: cost if key in SLOW_FILES else cost * len(group)
              for key, (cost, group) in blocks.items()}
    loads = [[0.0, []] for _ in range(parts)]
    for key in sorted(blocks, key=lambda k: -totals[k]):  # stable: ties in collection order
        target = min(loads, key=lambda lo: lo[0])
        target[0] += totals[key]
        target[1].extend(blocks[key][1])
    out, start, n = [], 0, len(items)
    for k, (_, slow) in enumerate(loads):
        size = (n - len(out)) // (parts - k)  # xdist's split: what is left // nodes left
        take = max(size - len(slow), 0)
        out.extend(slow + rest[start:start + take])
        start += take
    out.extend(rest[start:])
    assert sorted(map(id, out)) == sorted(map(id, items))
    return out


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """(xdist, in the controller) tell each worker how tests are distributed: a worker's own
    options do not say (pytest_cmdline_main sets them in the controller only)."""
    node.workerinput["qsym_dist"] = node.config.option.dist
    node.workerinput["qsym_kernels_ready"] = getattr(node.config, "_qsym_kernels_ready", None)


def pytest_collection_modifyitems(config, items):
    """In an xdist worker (every worker collects the same order): :func:`slow_first`."""
    worker = getattr(config, "workerinput", None)
    if worker is not None and worker.get("qsym_dist") == "worksteal":
        items[:] = slow_first(items, int(worker.get("workercount", 1)))


FIXED_WIRE_GATES = sorted(name for name, row in GATES.items() if row.num_wires)
ALL_GATES = sorted(GATES)


def random_gate_spec(rng, name, n_wires):
    """Random wires and hyperparameters for gate ``name`` on a device of ``n_wires``."""
    row = GATES[name]
    k = row.num_wires or int(rng.integers(2 if name == "MultiControlledX" else 1, n_wires + 1))
    wires = [int(w) for w in rng.permutation(n_wires)[:k]]
    hyper = {}
    if "pauli_word" in row.hyper:
        hyper["pauli_word"] = "".join("IXYZ"[i] for i in rng.integers(0, 4, size=k))
    if "dim" in row.hyper:
        hyper["dim"] = int(rng.integers(0, 2**k + 1))
    if "control_values" in row.hyper:
        hyper["control_values"] = [int(b) for b in rng.integers(0, 2, size=k - 1)]
    if "U" in row.hyper:
        z = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
        q, r = np.linalg.qr(z)
        hyper["U"] = q * (np.diag(r) / abs(np.diag(r)))
    return wires, hyper


def _param_expr(rng, x, y, data):
    """A random classical function of the inputs: what users write inside circuits."""
    i, j = rng.integers(0, len(x), size=2)
    k = rng.integers(0, len(data))
    choice = rng.integers(0, 8)
    if choice == 0:
        return x[i]
    if choice == 1:
        return 2.0 * x[i] + 0.3
    if choice == 2:
        return qml.numpy.sin(x[i]) * y
    if choice == 3:
        return x[i] * x[j]
    if choice == 4:
        return y
    if choice == 5:
        return 0.7  # a constant: not differentiated
    if choice == 6:
        return data[k] * x[i]  # data fed through a keyword argument
    return qml.numpy.cos(y) ** 2 - x[j] / 3


def random_circuit_function(seed, n_wires, n_ops, n_meas=1, gates=None, include=None):
    """A circuit function ``f(x, y, data=...)`` of random gates from the table.

    ``x`` is a float array of 3, ``y`` a float, ``data`` a keyword float array of 2.
    ``include``: a gate placed in the middle of the circuit, whatever the random choice.
    """
    gates = gates or FIXED_WIRE_GATES
    spec_rng = np.random.default_rng(seed)
    plan = []
    for _ in range(n_ops):
        fitting = [
            g for g in gates
            if GATES[g].num_wires <= n_wires and not (g == "MultiControlledX" and n_wires < 2)
        ]
        name = fitting[spec_rng.integers(0, len(fitting))]
        wires, hyper = random_gate_spec(spec_rng, name, n_wires)
        plan.append((name, wires, hyper, int(spec_rng.integers(0, 1 << 30))))
    if include is not None:
        wires, hyper = random_gate_spec(spec_rng, include, n_wires)
        plan.insert(len(plan) // 2, (include, wires, hyper, int(spec_rng.integers(0, 1 << 30))))
    letters = "XYZ"
    observables = []
    for _ in range(n_meas):
        terms = []
        for _ in range(int(spec_rng.integers(1, 3))):
            k = int(spec_rng.integers(1, n_wires + 1))
            ws = list(spec_rng.permutation(n_wires)[:k])
            word = [(int(w), letters[spec_rng.integers(0, 3)]) for w in ws]
            terms.append((float(spec_rng.normal()), word))
        observables.append(terms)

    def circuit(x, y, data=None):
        for name, wires, hyper, s in plan:
            rng = np.random.default_rng(s)
            params = [_param_expr(rng, x, y, data) for _ in range(GATES[name].num_params)]
            getattr(qml, name)(*params, wires=wires, **hyper)
        results = []
        for terms in observables:
            obs = None
            for c, word in terms:
                prod = None
                for w, p in word:
                    o = getattr(qml, "Pauli" + p)(w)
                    prod = o if prod is None else prod @ o
                obs = c * prod if obs is None else obs + c * prod
            results.append(qml.expval(obs))
        return results[0] if n_meas == 1 else tuple(results)

    return circuit


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
