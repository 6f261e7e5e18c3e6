"""Beyond one process: many starts, data-parallel training and sweeps on an executor.

``qml.minimize(..., executor=...)`` and :func:`sweep` run on any
``concurrent.futures.Executor``, a Dask ``Client`` or ``client.get_executor()``
(``pip install "qsym[distributed]"`` for Dask; docs/distributed.md). What a worker gets is
the circuit's **exported module** (:meth:`qsym.CompiledCircuit.export`: numpy and numba
only) with the source of the compiled loops that call it, as one *payload*, and plain
NumPy arrays; the code that runs there is :mod:`qsym._worker`, shipped to Dask workers by
value, so a Dask worker needs numpy, numba and dask's ``distributed``, not qsym. A worker
loads a payload once per process (its modules stay in ``sys.modules`` under names made
from the payload's hash) and numba caches their machine code in the worker's folder.

- **Many starts** (``multistart=True``): tasks of consecutive starts (at most four per
  worker thread), each start the whole compiled optimization loop of
  :mod:`qsym._minimize` (the same source, the same arithmetic): the results equal the
  one-process run's, start by start, bit for bit.
- **Data-parallel training** (``data=``, ``targets=`` without ``multistart``): the rows
  are cut into contiguous shards, one per worker (or ``shards=``); each step, every shard's
  task returns the mean over its rows of the objective's terms and of their gradients,
  computed by the optimization loop's own compiled code (one step of it: rows added in
  row order, as one process adds them); the driver combines them (one shard: as they are;
  several: ``sum_s(rows_s * mean_s) / rows``, in shard order) and takes the optimizer's
  step (:mod:`qsym.optimize`, the same update rules as the compiled loop). The iterates
  equal the one-process run's to about 1e-15 relative (the tests check 1e-12). Data given
  as Dask arrays are cut into shards on the workers and never gathered on the driver.
- **Sweeps** (:func:`sweep`): values and Jacobians over a batch of parameter sets, in
  chunks; NumPy arrays back, or lazy Dask arrays for a Dask array of parameter sets.

Faults: a Dask worker lost mid-run has its tasks rerun elsewhere (Dask's own recovery: the
payload and the shards are tasks, recomputed if lost) with the same results; a task that
fails on a worker (its module cannot be written, imported or compiled there, a worker
killed again and again) raises :class:`WorkerError` naming the worker and the cause;
``timeout=`` bounds the wait (no result in time: :class:`WorkerError`, the tasks
cancelled).

>>> import qsym as qml
>>> from concurrent.futures import ThreadPoolExecutor
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def bloch(x):
...     qml.RY(x[0], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> import numpy as np
>>> with ThreadPoolExecutor(2) as pool:
...     values, grads = qml.sweep(bloch, np.array([[0.0], [np.pi / 2]]), executor=pool)
>>> print(values.round(12) + 0.0, grads.ravel().round(12) + 0.0)
[1. 0.] [ 0. -1.]
"""

from __future__ import annotations

import builtins
import concurrent.futures as cf
import hashlib
import math
import os
import tempfile
import time
import types
from pathlib import Path

import numpy as np

from ._locks import new_lock
from . import _aot as aot, _worker as worker
from .errors import ArgumentError, QsymError
from ._runtime import QNode

__all__ = ["WorkerError", "is_dask_collection", "sweep"]


class WorkerError(QsymError, RuntimeError):
    """A task failed on a worker (its module could not be written, imported or compiled
    there, the worker died repeatedly) or no result came within ``timeout``: the message
    names the worker and the cause.

    >>> import qsym as qml
    >>> issubclass(qml.WorkerError, qml.QsymError), issubclass(qml.WorkerError, RuntimeError)
    (True, True)
    """


_TASKS = ("identity", "run_starts", "shard_matrix", "shard_value_and_grad", "sweep_block")
_by_value = None
_by_value_lock = new_lock()


def _detached_tasks():
    """:mod:`qsym._worker`'s task functions run again from its source under a module name
    that cannot be imported: pickled by value (cloudpickle), they need no qsym where they
    run."""
    global _by_value
    with _by_value_lock:
        if _by_value is None:
            path = worker.__file__
            ns = {"__name__": "qsym_worker_by_value", "__builtins__": builtins}
            exec(builtins.compile(Path(path).read_text(), path, "exec"), ns)
            _by_value = types.SimpleNamespace(**{name: ns[name] for name in _TASKS})
    return _by_value


def is_dask_collection(value) -> bool:
    """Whether ``value`` is a Dask collection (a Dask array: not computed by qsym)."""
    return hasattr(value, "__dask_graph__") and callable(value.__dask_graph__)


def _dask_client(executor):
    """The Dask client behind ``executor`` (a ``Client`` or ``client.get_executor()``),
    or None."""
    if not type(executor).__module__.startswith("distributed"):
        return None
    if hasattr(executor, "submit") and hasattr(executor, "scheduler_info"):
        return executor
    client = getattr(executor, "_client", None)  # distributed.cfexecutor.ClientExecutor
    return client if client is not None and hasattr(client, "scheduler_info") else None


class Backend:
    """An executor as qsym uses it: submit a task of :mod:`qsym._worker`, hold a value
    where the tasks run, gather results with a timeout and errors turned into
    :class:`WorkerError`."""

    def __init__(self, executor, timeout=None):
        self.executor = executor
        self.client = _dask_client(executor)
        if self.client is not None:
            self.tasks = _detached_tasks()
        elif isinstance(executor, cf.Executor):
            self.tasks = worker  # a thread runs it here; a process imports qsym.worker
        else:
            raise ArgumentError(
                "executor= takes a concurrent.futures.Executor (ThreadPoolExecutor, "
                "ProcessPoolExecutor), a dask.distributed Client or client.get_executor(); "
                f"got {type(executor).__name__}"
            )
        if timeout is not None and not (float(timeout) > 0):
            raise ArgumentError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        self.timeout = None if timeout is None else float(timeout)

    @property
    def workers(self) -> int:
        """How many tasks run at once (Dask: the workers' threads)."""
        if self.client is not None:
            info = self.client.scheduler_info()
            n = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
            return max(1, n)
        return max(1, int(getattr(self.executor, "_max_workers", 0) or os.cpu_count() or 1))

    def put(self, value, key=None):
        """``value`` where the tasks run: with Dask, a task returning it (kept on a
        worker, fetched by the others, recomputed if its worker dies; ``key``: its name,
        made from the value's hash, else a new one); else the value."""
        if self.client is None:
            return value
        if key is None:
            return self.client.submit(self.tasks.identity, value, pure=False)
        return self.client.submit(self.tasks.identity, value, key=key, pure=False)

    def submit(self, name, *args):
        fn = getattr(self.tasks, name)
        if self.client is not None:
            return self.client.submit(fn, *args, pure=False)
        return self.executor.submit(fn, *args)

    def gather(self, futures, what):
        """The futures' results in order, within ``timeout`` seconds in all."""
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        out = []
        try:
            for f in futures:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                out.append(f.result(timeout=left))
        except BaseException as exc:
            for f in futures:
                f.cancel()
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt: the tasks are cancelled
            raise self._error(exc, what) from exc
        return out

    def _error(self, exc, what):
        text = str(exc)
        if isinstance(exc, (TimeoutError, cf.TimeoutError)):
            return WorkerError(
                f"{what}: no result within timeout={self.timeout:g} s (are the workers "
                "running and reachable? client.scheduler_info() lists them); the tasks "
                "were cancelled"
            )
        if worker.PREFIX in text and f": {worker.DATA_ROW} " in text:  # the user's data
            return ArgumentError(f"{what}: {text[text.index(worker.PREFIX):]} (the "
                                 "one-process loop refuses the same row)")
        if worker.PREFIX in text:
            return WorkerError(f"{what}: {text[text.index(worker.PREFIX):]}")
        if type(exc).__name__ == "KilledWorker":
            return WorkerError(
                f"{what}: a task's worker died each time it ran it (Dask's "
                f"distributed.scheduler.allowed-failures): {text}"
            )
        return WorkerError(f"{what}: a task failed: {type(exc).__name__}: {text}")


# --- the payload: the exported module and the loops' sources ---------------------------
_payloads: dict = {}


def payload(node: QNode, example_args, example_kwargs, function,
            loop_text: str | None) -> dict:
    """What a worker receives: the circuit's export for this signature (carrying
    ``function``: a name or names of the generated module or the kernels), its SHA-256, and the source of the optimization loop (``loop_text``,
    the circuit module's name left as :data:`qsym._worker.MODULE_PLACEHOLDER`; None for
    a sweep). Built once per compiled signature and process."""
    compiled = aot.compile(node, *example_args, argnum=aot.EVERY_FLOAT, **example_kwargs)
    key0 = (compiled.source, compiled.diff_method, repr(compiled.layout), function, loop_text)
    got = _payloads.get(key0)
    if got is not None:
        return got
    with tempfile.TemporaryDirectory() as d:
        carry = (function,) if isinstance(function, str) else tuple(function)
        data = compiled.export(os.path.join(d, "qsym_shipped.py"), carry=carry).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    key = hashlib.sha256(data + b"\0" + (loop_text or "").encode()).hexdigest()[:24]
    got = {"key": key, "sha256": sha, "export": data, "loop": loop_text, "function": function}
    _payloads[key0] = got
    return got


def loop_payload(executor, node, example_args, example_kwargs, function, loop_text,
                 loop_module) -> dict:
    """The payload of a minimize run: for a ``ThreadPoolExecutor`` (its tasks run in this
    process) the loop module compiled here (``loop_module``, or a function that compiles or
    loads it), used as it is (nothing exported); else :func:`payload`."""
    Backend(executor)  # a bad executor is refused before anything is exported
    if isinstance(executor, cf.ThreadPoolExecutor):
        mod = loop_module() if callable(loop_module) else loop_module
        return {"key": f"local-{mod.__name__}", "modules": {"loop": mod}}
    return payload(node, example_args, example_kwargs, function, loop_text)


# --- many starts ----------------------------------------------------------------------
def run_starts(executor, pay, D, Y, loss, rule, starts, steps, tol, timeout=None):
    """The starts' whole compiled loops, in tasks of consecutive starts (at most four
    tasks per worker thread: fewer round trips, still balanced when starts converge at
    different steps); ``([(x, nit, converged, costs, norms)] in the starts' order,
    number of tasks)``."""
    be = Backend(executor, timeout)
    kind, hp = rule
    ref = be.put(pay, f"qsym-payload-{pay['key']}")
    D = np.ascontiguousarray(D, dtype=np.float64)
    Y = np.array(Y, dtype=np.float64)
    hp = np.array(hp, dtype=np.float64)
    groups = _bounds(len(starts), 4 * be.workers)
    futures = [be.submit("run_starts", ref, D, Y, int(loss), int(kind), hp,
                         np.array(starts[a:b], dtype=np.float64), int(steps), float(tol))
               for a, b in groups]
    results = be.gather(futures, f"minimize on {type(executor).__name__}")
    return [o for r in results for o in r[0]], len(groups)


# --- data-parallel training -----------------------------------------------------------
def _bounds(n_rows, shards):
    """Contiguous shards ``[(start, stop)]``: as equal as possible, in row order."""
    shards = max(1, min(int(shards), n_rows))
    edges = [round(i * n_rows / shards) for i in range(shards + 1)]
    return list(zip(edges[:-1], edges[1:]))


class ShardedObjective:
    """The data-set objective of ``minimize`` computed shard by shard on an executor: a
    ``grad_fn`` for the optimizers (``obj(x)`` returns the gradient, ``obj.forward`` the
    objective at the same point), as :mod:`qsym._minimize`'s Python loop takes it.

    Per call: each shard's task returns the means over its rows (added in row order, then
    divided by its number of rows, by the optimization loop's own code) of the
    objective's terms and of their gradients. One shard's means are the result as they
    are (bit for bit the one-process loop's); several shards' are weighted by their rows,
    added in shard order and divided by the number of rows:
    ``sum_s(rows_s * mean_s) / rows``."""

    def __init__(self, executor, pay, loss, n_rows, shards, timeout=None):
        self.be = Backend(executor, timeout)
        self.pay, self.loss, self.n_rows = pay, int(loss), int(n_rows)
        self.ref = self.be.put(pay, f"qsym-payload-{pay['key']}")
        self.shards = []  # [(D ref, Y ref)]
        self.forward = None
        self.calls = 0

    @classmethod
    def from_matrix(cls, executor, pay, D, Y, loss, shards=None, timeout=None):
        """Shards of a data matrix built on the driver (NumPy data)."""
        obj = cls(executor, pay, loss, D.shape[0], 1, timeout)
        n = obj.be.workers if shards is None else shards
        for a, b in _bounds(D.shape[0], n):
            Ys = np.zeros(1) if Y is None else np.ascontiguousarray(Y[a:b], dtype=np.float64)
            Ds = np.ascontiguousarray(D[a:b])
            obj.shards.append((obj.be.put(Ds), obj.be.put(Ys)))
        return obj

    @classmethod
    def from_dask(cls, executor, pay, x_like, args, kwargs, columns, targets, loss,
                  shards=None, timeout=None):
        """Shards of Dask arrays, made into data matrices on the workers (the data never
        reach the driver). Needs a Dask client."""
        import dask

        n_rows = int(next(iter(columns.values())).shape[0])
        obj = cls(executor, pay, loss, n_rows, 1, timeout)
        if obj.be.client is None:
            raise ArgumentError("data= as Dask arrays needs a Dask executor (a Client or "
                                "client.get_executor()); compute them first for another one")
        n = obj.be.workers if shards is None else shards
        bounds = _bounds(n_rows, n)
        chunks = tuple(b - a for a, b in bounds)
        cols = {k: _row_blocks(v, chunks) for k, v in columns.items()}
        ys = None if targets is None else _row_blocks(targets.reshape(-1), chunks)
        task = dask.delayed(obj.be.tasks.shard_matrix, pure=True)
        x_like = np.zeros(np.shape(x_like))
        mats = [task(obj.ref, x_like, tuple(plain(a) for a in args),
                     {k: plain(v) for k, v in kwargs.items()},
                     {k: blocks[i] for k, blocks in cols.items()}, b - a, a)
                for i, (a, b) in enumerate(bounds)]
        futs = obj.be.client.compute(mats)
        yfuts = (obj.be.client.compute(ys) if ys is not None
                 else [np.zeros(1)] * len(bounds))
        obj.shards = list(zip(futs, yfuts))
        return obj

    def values_and_grads(self, x):
        """The shard means ``[(f, g, rows)]`` at ``x``, in shard order."""
        x = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
        futures = [self.be.submit("shard_value_and_grad", self.ref, D, Y, self.loss, x)
                   for D, Y in self.shards]
        return self.be.gather(futures, f"data-parallel step on {type(self.be.executor).__name__}")

    def __call__(self, x):
        shape = np.shape(x)
        parts = self.values_and_grads(x)
        if len(parts) == 1:
            f, g = parts[0][0], parts[0][1]
        else:
            f = 0.0
            g = np.zeros(parts[0][1].shape)
            for fs, gs, rows in parts:  # shard order
                f += rows * fs
                g += rows * gs
            f /= self.n_rows
            g /= self.n_rows
        self.forward = f
        self.calls += 1
        return g.reshape(shape)


def _row_blocks(arr, chunks):
    """A Dask array cut along its first axis into ``chunks`` rows each (other axes whole),
    as a list of one Delayed per block."""
    arr = arr.rechunk((chunks,) + tuple(-1 for _ in arr.shape[1:]))
    return list(arr.to_delayed().reshape(-1))


# --- sweeps ---------------------------------------------------------------------------
def sweep(circuit, params, *, args=(), kwargs=None, executor=None, grad: bool = True,
          chunk: int | None = None, timeout: float | None = None):
    """The circuit's value and Jacobian at every parameter set of a batch.

    Args:
        circuit: a QNode (compiled here for the first parameter set's signature) or a
            :class:`qsym.CompiledCircuit`; its first argument is what varies.
        params: the parameter sets, shape ``(n, *shape of the first argument)``: a NumPy
            array (or list), or a Dask array (the result is then lazy).
        args, kwargs: the circuit's other arguments, the same for every parameter set.
        executor: None (this process), a ``concurrent.futures.Executor``, a Dask
            ``Client`` or ``client.get_executor()``: the batch runs there in chunks of
            ``chunk`` rows (default: about four chunks per worker).
        grad: also the Jacobians (``qml.jacobian(circuit)`` at each row; for a circuit
            returning one expectation value, ``qml.grad``).
        timeout: seconds to wait for all chunks (None: no limit); else
            :class:`WorkerError`.

    Returns:
        ``(values, jacobians)``: NumPy arrays with the parameter sets first (the circuit's
        own return shape after it), ``jacobians`` None without ``grad``. For a Dask array
        ``params``, two lazy Dask arrays (computed where you compute them; errors of a
        worker then come as Dask raises them, a ``RuntimeError`` naming the worker).
        Results are bit for bit those of ``compiled.value`` / ``compiled.jacobian`` (the
        exported module on a worker runs the same code).

    >>> import qsym as qml, numpy as np
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RX(x[0], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> values, grads = qml.sweep(circuit, np.array([[0.0], [np.pi / 2], [np.pi]]))
    >>> print(values.round(12) + 0.0, grads.ravel().round(12) + 0.0)
    [ 1.  0. -1.] [ 0. -1.  0.]
    """
    kwargs = {k: plain(v) for k, v in dict(kwargs or {}).items()}
    args = tuple(plain(a) for a in args)
    lazy = is_dask_collection(params)
    X = params if lazy else np.asarray(params, dtype=np.float64)
    if X.ndim < 1 or X.shape[0] == 0:
        raise ArgumentError(f"params must have shape (n, ...) with n >= 1; got {X.shape}")
    if not lazy and not np.isfinite(X).all():
        rows = np.flatnonzero(~np.isfinite(X.reshape(X.shape[0], -1)).all(axis=1))
        raise ArgumentError(
            f"params has NaN or infinite values in {len(rows)} parameter set(s) (rows "
            f"{rows[:5].tolist()}{'...' if len(rows) > 5 else ''}); circuit inputs must be finite"
        )
    be = None if executor is None else Backend(executor, timeout)
    first = np.asarray(X[0].compute() if lazy else X[0], dtype=np.float64)
    compiled = _compiled(circuit, first, args, kwargs)
    if executor is None and not lazy:
        return _sweep_here(compiled, X, args, kwargs, grad)
    if lazy:
        pay = payload(compiled.qnode, (first,) + args, kwargs, _vg_name(compiled), None)
        return _sweep_lazy(compiled, pay, X, first, args, kwargs, grad)
    if isinstance(executor, cf.ThreadPoolExecutor):  # tasks in this process: as compiled
        pay = {"key": f"local-{id(compiled)}", "modules": {"circuit": compiled}}
    else:
        pay = payload(compiled.qnode, (first,) + args, kwargs, _vg_name(compiled), None)
    n = X.shape[0]
    size = chunk or max(1, math.ceil(n / (4 * be.workers)))
    ref = be.put(pay, f"qsym-payload-{pay['key']}")
    futures = [be.submit("sweep_block", ref, np.ascontiguousarray(X[a:a + size]), args,
                         kwargs, bool(grad)) for a in range(0, n, size)]
    parts = be.gather(futures, f"sweep on {type(executor).__name__}")
    values = np.concatenate([p[0] for p in parts])
    return values, (np.concatenate([p[1] for p in parts]) if grad else None)


def plain(value):
    """An array as a plain ``numpy.ndarray`` (a ``qsym.numpy`` tensor would need qsym to
    unpickle on a worker); anything else unchanged."""
    return np.asarray(value) if isinstance(value, np.ndarray) else value


def _compiled(circuit, first, args, kwargs):
    if isinstance(circuit, aot.CompiledCircuit):
        compiled = circuit
    elif isinstance(circuit, QNode):
        compiled = aot.compile(circuit, first, *args, argnum=aot.EVERY_FLOAT, **kwargs)
    else:
        raise ArgumentError(
            f"sweep takes a QNode or a CompiledCircuit (qml.compile), got {type(circuit).__name__}")
    trainable = [i for i, item in enumerate(compiled.layout)
                 if len(item) == 2 and item[0] == "trainable"]
    if trainable != [0]:
        raise ArgumentError(
            "sweep varies the circuit's first argument and differentiates by it alone: the "
            f"first argument must be trainable and the others data (got trainable arguments "
            f"{trainable}); pass the others with requires_grad=False or as keyword arguments"
        )
    return compiled


def _vg_name(compiled):
    return ("fused_value_and_grad_adjoint" if compiled.diff_method == "adjoint"
            else "fused_value_and_grad")


def _sweep_here(compiled, X, args, kwargs, grad):
    values = np.array([np.asarray(compiled.value(x, *args, **kwargs), dtype=np.float64)
                       for x in X])
    if not grad:
        return values, None
    jacs = np.array([np.asarray(compiled.jacobian(x, *args, **kwargs), dtype=np.float64)
                     for x in X])
    return values, jacs


def _sweep_lazy(compiled, pay, X, first, args, kwargs, grad):
    import dask
    import dask.array as da

    v0 = np.asarray(compiled.value(first, *args, **kwargs), dtype=np.float64)
    j0 = np.asarray(compiled.jacobian(first, *args, **kwargs), dtype=np.float64) if grad else None
    X = X.rechunk((X.chunks[0],) + tuple(-1 for _ in X.shape[1:]))
    ref = dask.delayed(_detached_tasks().identity, pure=True)(pay)
    task = dask.delayed(_detached_tasks().sweep_block, pure=True, nout=2)
    vs, js = [], []
    for block, rows in zip(X.to_delayed().reshape(-1), X.chunks[0]):
        v, j = task(ref, block, args, kwargs, bool(grad))
        vs.append(da.from_delayed(v, shape=(rows,) + v0.shape, dtype=np.float64))
        if grad:
            js.append(da.from_delayed(j, shape=(rows,) + j0.shape, dtype=np.float64))
    return da.concatenate(vs), (da.concatenate(js) if grad else None)
