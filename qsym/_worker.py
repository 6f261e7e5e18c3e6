"""The code that runs on a worker of :mod:`qsym._distributed`: Python's standard library,
numpy and numba only; it never imports qsym (nor anything from this package).

A worker (a Dask worker, a thread or a process of a ``concurrent.futures`` executor)
receives a *payload*: the circuit's exported module (:meth:`qsym.CompiledCircuit.export`,
as text, with its SHA-256) and the source of the compiled loops that call its
value-and-gradient function (the optimization loop of :mod:`qsym._minimize`). :func:`load` writes them into the worker's folder, checks the
export's hash, imports them and compiles them (numba, cached on disk next to the files);
once per payload and process: the loaded modules stay in ``sys.modules`` under names made
from the payload's hash, the process-wide cache. The task functions (:func:`run_starts`,
:func:`shard_matrix`, :func:`shard_value_and_grad`, :func:`sweep_block`) take the payload
and plain NumPy arrays and return plain NumPy arrays and numbers.

:mod:`qsym._distributed` ships these functions to Dask workers *by value* (their code, not
a reference to this module), so a Dask worker needs no qsym. Every error on a worker is
a ``RuntimeError`` whose message starts with ``"qsym worker "``, names the worker (address,
host, process id) and the cause; the driver turns it into :class:`qsym.WorkerError`.

>>> who().startswith("host ") or who().startswith("tcp://")
True
"""

import hashlib
import os
import socket
import stat
import sys
import tempfile
import threading
import types

import numpy as np

PREFIX = "qsym worker "
DATA_ROW = "refused data row"  # (shard_matrix: the driver raises it as an ArgumentError)
MODULE_PLACEHOLDER = "__QSYM_CIRCUIT_MODULE__"
_STATE = "_qsym_worker_state"

def who() -> str:
    """This worker, for messages: its Dask address if it is a Dask worker, its host and
    process id."""
    where = f"host {socket.gethostname()}, pid {os.getpid()}"
    try:
        from distributed import get_worker

        return f"{get_worker().address} ({where})"
    except Exception:  # not in a Dask worker (a thread or process pool)
        return where


def fail(what: str, exc: BaseException) -> RuntimeError:
    """The error a worker raises: names the worker and the cause."""
    return RuntimeError(f"{PREFIX}{who()}: {what}: {type(exc).__name__}: {exc}")


def _state():
    """This process's record of loaded payloads (a module in ``sys.modules``: the task
    functions arrive by value, so a global of theirs would not outlive one task)."""
    st = sys.modules.get(_STATE)
    if st is None:
        st = sys.modules.setdefault(_STATE, types.ModuleType(_STATE))
    st.__dict__.setdefault("lock", threading.Lock())
    st.__dict__.setdefault("loaded", {})
    return st


def folder() -> str:
    """Where a worker writes the modules it receives (numba caches their machine code
    next to them): ``$QSYM_WORKER_DIR``, else ``<temp>/qsym-worker-<user id>``.

    numba unpickles the cache files it finds there without checking who wrote them, so
    the folder must be ours and writable by no one else (:func:`_folder_problem`): a
    ``$QSYM_WORKER_DIR`` that is not is an error; a default folder that is not (made in
    the shared temporary folder by another user first, or a link) is replaced by a
    private folder of this process."""
    chosen = os.environ.get("QSYM_WORKER_DIR")
    path = chosen or os.path.join(
        tempfile.gettempdir(), f"qsym-worker-{os.getuid() if hasattr(os, 'getuid') else 0}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    problem = _folder_problem(path, follow=bool(chosen))
    if problem is None:
        return path
    if chosen:
        raise PermissionError(f"QSYM_WORKER_DIR {path} {problem}; numba would load machine "
                              "code others could have planted there: use a folder that "
                              "belongs to you and only you can write (mode 700)")
    st = _state()
    private = st.__dict__.get("private")
    if private is None or not os.path.isdir(private):
        private = st.private = tempfile.mkdtemp(prefix="qsym-worker-")
    return private


def _folder_problem(path, follow: bool):
    """Why the worker folder ``path`` cannot be trusted, or None: it must be a folder
    (not a link, unless ``follow``), belong to this user and be writable by no one else."""
    st = os.stat(path) if follow else os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        return "is not a folder (a link or a file)"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"belongs to another user (uid {st.st_uid})"
    if os.name == "posix" and st.st_mode & 0o022:
        return f"can be written by other users (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _write(path, data: bytes):
    """Write ``data`` to ``path`` unless it holds them already (atomically: workers on one
    machine share the folder)."""
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return
    except FileNotFoundError:
        pass
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _exec_file(name, path, data: bytes):
    """Run the bytes ``data`` (those written at ``path``) as the module ``name``."""
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    try:
        exec(compile(data, path, "exec", dont_inherit=True), module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _load_new(payload):
    """Write, check, import and compile one payload (see :func:`load`)."""
    key = payload["key"]
    base = folder()
    data = payload["export"]
    if hashlib.sha256(data).hexdigest() != payload["sha256"]:
        raise ValueError("the exported module received does not have the SHA-256 sent with it")
    path = os.path.join(base, f"qsym_circuit_{payload['sha256'][:16]}.py")
    _write(path, data)
    circuit = _exec_file(f"qsym_circuit_{key}", path, data)  # renames itself MODULE_NAME
    mods = {"circuit": circuit}
    if payload["loop"] is not None:  # a sweep ships no loop
        text = payload["loop"].replace(MODULE_PLACEHOLDER, circuit.MODULE_NAME).encode()
        name = f"qsym_loop_{hashlib.sha256(text).hexdigest()[:16]}"
        p = os.path.join(base, name + ".py")
        _write(p, text)
        mods["loop"] = sys.modules.get(name) or _exec_file(name, p, text)
    # compile now (or load numba's cache), on arrays of the types the tasks pass
    x = np.zeros(1)
    if "loop" in mods:
            mods["loop"].run(x, np.zeros((1, 0)), np.zeros(1), 0, 0, np.zeros(6), x, x, 0, 0,
                         False, 0.0, x, x)
    return mods


class _FolderLock:
    """An exclusive lock on the worker folder (``fcntl.flock``; none where there is no
    fcntl): workers on one machine compile a module one at a time, the others then load
    numba's cache of it instead of compiling it again."""

    def __init__(self, base):
        self.path, self.fh = os.path.join(base, ".lock"), None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # pragma: no cover (Windows)
            return self
        self.fh = open(self.path, "a")
        fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()  # releases the lock
        return False


def load(payload) -> dict:
    """The payload's modules, ``{"circuit", "loop"}``: loaded on this process's
    first task with this payload, then taken from the process's record. A payload that
    holds ``"modules"`` (a thread pool of the driver's process) is used as it is."""
    if "modules" in payload:
        return payload["modules"]
    st = _state()
    mods = st.loaded.get(payload["key"])
    if mods is not None:
        return mods
    with st.lock:
        mods = st.loaded.get(payload["key"])
        if mods is None:
            try:
                with _FolderLock(folder()):
                    mods = _load_new(payload)
            except Exception as exc:
                raise fail(f"cannot import or compile the circuit module "
                           f"(folder {os.environ.get('QSYM_WORKER_DIR') or 'default'})",
                           exc) from None
            st.loaded[payload["key"]] = mods
    return mods


def run_starts(payload, D, Y, loss, kind, hp, starts, steps, tol):
    """The whole compiled optimization loop from each row of ``starts`` (one after the
    other). Returns ``[(x, nit, converged, costs, grad norms)]`` and the seconds spent."""
    import time

    mods = load(payload)
    t0 = time.perf_counter()
    out = []
    try:
        for s in starts:
            x = np.array(s, dtype=np.float64).reshape(-1)
            s1, s2 = np.zeros_like(x), np.zeros_like(x)
            cost, gnorm = np.zeros(steps + 1), np.zeros(steps + 1)
            done, conv = mods["loop"].run(x, D, Y, loss, kind, hp, s1, s2, 0, steps, True,
                                          tol, cost, gnorm)
            n = int(done)
            out.append((x, n, bool(conv), cost[: n + 1].copy(), gnorm[: n + 1].copy()))
    except Exception as exc:
        raise fail("the compiled optimization loop failed", exc) from None
    return out, time.perf_counter() - t0


def _rows_of(columns, i):
    return {k: v[i] for k, v in columns.items()}


def shard_matrix(payload, x_like, args, kwargs, columns, n_rows, first=0):
    """The data matrix of one shard (row ``i``: the circuit's flat data inputs for row
    ``i`` of ``columns``, ``{keyword: array}``), made on the worker by the exported module's
    own argument layout, each row checked as the one-process loop checks it: its shape and
    finiteness (the module's ``_inputs``) and the QNode's per-call checks of its inputs
    (``_checks``: a state's norm, ``BasisState`` bits, ...). A refused row (``first + i``
    of the whole data) is a :data:`DATA_ROW` failure, which the driver raises as the
    ``ArgumentError`` of bad data."""
    mods = load(payload)
    mod = mods["circuit"]
    checks = getattr(mod, "_checks", None)
    rows = []
    for i in range(n_rows):
        try:
            kw = dict(kwargs)
            kw.update({k: np.asarray(v, dtype=np.float64)
                       if np.asarray(v).dtype.kind in "iub" else v
                       for k, v in _rows_of(columns, i).items()})
            x, d = mod._inputs((x_like,) + tuple(args), kw)
            if checks is not None:
                checks(x, d, True)
        except Exception as exc:
            raise fail(f"{DATA_ROW} {first + i}", exc) from None
        rows.append(d)
    try:
        D = np.ascontiguousarray(np.array(rows, dtype=np.float64).reshape(n_rows, -1))
    except Exception as exc:
        raise fail("the data rows do not make one matrix", exc) from None
    return D


def shard_value_and_grad(payload, D, Y, loss, x):
    """``(mean over the shard's rows of the objective's terms, mean of their gradients,
    rows)``: one step of the optimization loop's own code (momentum 0, step size 1, so
    that its velocity is the gradient, bit for bit; the circuit's only compiled caller
    stays that loop, which a worker compiles once)."""
    mods = load(payload)
    x = np.array(x, dtype=np.float64).reshape(-1)
    s1, s2 = np.zeros_like(x), np.zeros_like(x)
    cost, gnorm = np.zeros(2), np.zeros(2)
    hp = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    try:
        mods["loop"].run(x, D, np.ascontiguousarray(Y, dtype=np.float64), loss, 1, hp, s1, s2,
                         0, 1, False, 0.0, cost, gnorm)
    except Exception as exc:
        raise fail("the compiled optimization loop failed", exc) from None
    return float(cost[0]), s1, int(D.shape[0])


def sweep_block(payload, X, args, kwargs, grad):
    """The circuit's value (and Jacobian, with ``grad``) at every row of ``X`` (its first
    argument), by the exported module's ``value`` and ``jacobian`` (the circuit's own
    return shapes), stacked: ``(values, jacobians or None)``."""
    mod = load(payload)["circuit"]
    values, jacs = [], []
    try:
        for x in X:
            values.append(np.asarray(mod.value(x, *args, **kwargs), dtype=np.float64))
            if grad:
                jacs.append(np.asarray(mod.jacobian(x, *args, **kwargs), dtype=np.float64))
    except Exception as exc:
        raise fail("evaluating the circuit failed", exc) from None
    return np.array(values), (np.array(jacs) if grad else None)


def identity(value):
    """The value itself (a Dask task holding the payload, recomputed if its worker dies)."""
    return value
