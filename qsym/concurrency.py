"""``qml.concurrency``: PennyLane 0.45's task-based executors (``submit``, ``map``,
``starmap``, ``shutdown``) over the standard library and, where installed, Dask and mpi4py.

The same classes, names and behaviour as PennyLane's ``pennylane.concurrency``, at its
module paths (``from qsym.concurrency.executors.native import ThreadPoolExec``, ...):

* ``executors.backends``: :class:`ExecBackends` (an enum whose values are the executor
  classes), :func:`get_supported_backends` (``{"mp_pool": MPPoolExec, ...}``),
  :func:`get_executor` and :func:`create_executor` (by enum member or name);
* ``executors.base``: :class:`ExecBackendConfig`, :class:`RemoteExec`, :class:`IntExec`,
  :class:`ExtExec`;
* ``executors.native``: :class:`SerialExec` (in the calling thread), :class:`ThreadPoolExec`
  and :class:`ProcPoolExec` (``concurrent.futures``; processes spawned), :class:`MPPoolExec`
  (``multiprocessing.Pool``, spawned), all :class:`PyNativeExec`;
* ``executors.external``: :class:`DaskExec`, :class:`MPIPoolExec`, :class:`MPICommExec`
  (a ``RuntimeError`` naming the package to install where Dask or mpi4py is missing).

Every call is synchronous: ``submit`` returns the function's result, ``map`` and
``starmap`` a list. An executor is a context manager; with ``persist=True`` its pool lives
until :meth:`~RemoteExec.shutdown`.

>>> from qsym.concurrency.executors import create_executor
>>> with create_executor("cf_threadpool", max_workers=2) as ex:
...     ex.map(pow, [1, 2, 3], [2, 2, 2])
[1, 4, 9]
>>> create_executor("serial").starmap(divmod, [(7, 2), (9, 4)])
[(3, 1), (2, 1)]
>>> create_executor("serial")("submit", abs, -3)
3
"""
from __future__ import annotations

import abc
import inspect
import os
import sys
import types
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from functools import partial
from itertools import starmap as _starmap
from multiprocessing import get_context


@dataclass
class ExecBackendConfig:
    """Which method of the backend serves each call of the executor API, whether arguments
    are unpacked (``*args``) or passed as one tuple, and whether the backend's results are
    final (``blocking``) or futures."""

    submit_fn: str | None = None
    map_fn: str | None = None
    starmap_fn: str | None = None
    shutdown_fn: str | None = None
    submit_unpack: bool | None = None
    map_unpack: bool | None = None
    blocking: bool | None = None


class RemoteExec(abc.ABC):
    """The executor API (PennyLane's ``RemoteExec``): ``submit(fn, *args, **kwargs)``,
    ``map(fn, *iterables, **kwargs)``, ``starmap(fn, tuples, **kwargs)``, ``shutdown()``;
    ``executor("map", fn, ...)`` dispatches by name; ``size`` is the pool's size,
    ``persist`` whether the pool is kept between calls."""

    def __init__(self, max_workers: int | None = None, persist: bool = False, **kwargs):
        self._size = max_workers
        self._persist = persist
        self._inputs = kwargs
        self._cfg = ExecBackendConfig()
        self._persistent_backend = None

    def __call__(self, dispatch: str, fn: Callable, *args, **kwargs):
        return getattr(self, dispatch)(fn, *args, **kwargs)

    @property
    def size(self):
        """The size of the worker pool."""
        return self._size

    @property
    def persist(self):
        """Whether the executor keeps its pool between calls."""
        return self._persist

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception_value, traceback):
        if not self._persist:
            self.shutdown()

    @abc.abstractmethod
    def submit(self, fn: Callable, *args, **kwargs):
        """``fn(*args, **kwargs)`` run on the backend."""

    @abc.abstractmethod
    def map(self, fn: Callable, *args, **kwargs):
        """``fn`` over the items of the iterables ``args`` (one each), ``kwargs`` to every call."""

    @abc.abstractmethod
    def starmap(self, fn: Callable, args: Sequence, **kwargs):
        """``fn(*t, **kwargs)`` for each tuple ``t`` of ``args``."""

    @abc.abstractmethod
    def shutdown(self):
        """Release the backend's resources."""

    def _submit_fn(self, backend):
        return getattr(backend, self._cfg.submit_fn)

    def _map_fn(self, backend):
        return getattr(backend, self._cfg.map_fn)

    def _starmap_fn(self, backend):
        return getattr(backend, self._cfg.starmap_fn)

    def _shutdown_fn(self, backend):
        return getattr(backend, self._cfg.shutdown_fn)

    def _get_backend(self):
        """The kept pool (``persist``), else a new one of the executor's size."""
        if self._persist:
            return self._persistent_backend
        return self._exec_backend()(self._size)

    @classmethod
    @abc.abstractmethod
    def _exec_backend(cls):
        """The backend's class (or factory), called with the pool's size."""

    @staticmethod
    def _get_system_core_count():
        if sys.version_info >= (3, 13):
            return os.process_cpu_count()  # pylint: disable=no-member
        return os.cpu_count()


class IntExec(RemoteExec, abc.ABC):
    """The parent of executors over Python's standard library."""


class ExtExec(RemoteExec, abc.ABC):
    """The parent of executors over external packages (Dask, mpi4py)."""


class PyNativeExec(IntExec, abc.ABC):
    """A standard-library executor: the pool's size is ``max_workers`` (default: the
    machine's cores); ``persist=True`` makes the pool once and keeps it until
    :meth:`shutdown` (which then sets ``persist`` to False)."""

    def __init__(self, max_workers: int | None = None, persist: bool = False, **kwargs):
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        self._size = max_workers if max_workers else self._get_system_core_count()
        self._persist = persist
        if self._persist:
            self._persistent_backend = self._exec_backend()(self._size)
        self._cfg = ExecBackendConfig()

    def shutdown(self):
        """Shut the kept pool down, if any."""
        if self._persist:
            self._shutdown_fn(self._persistent_backend)()
            self._persistent_backend = None
            self._persist = False

    def __del__(self):
        try:
            self.shutdown()
        except Exception:  # noqa: BLE001  (at interpreter exit the pool may be gone)
            pass

    def submit(self, fn: Callable, *args, **kwargs):
        backend = self._get_backend()
        if self._cfg.submit_unpack:
            output = self._submit_fn(backend)(fn, *args, **kwargs)
        else:
            output = self._submit_fn(backend)(fn, args, **kwargs)
        return output if self._cfg.blocking else output.result()

    def map(self, fn: Callable, *args: Sequence, **kwargs):
        backend = self._get_backend()
        fn_p = partial(fn, **kwargs)
        if self._cfg.map_unpack and len(inspect.signature(fn).parameters) > 1:
            return list(self._map_fn(backend)(fn_p, *args))
        return list(self._map_fn(backend)(fn_p, args))

    def starmap(self, fn: Callable, args: Sequence[tuple], **kwargs):
        backend = self._get_backend()
        if not hasattr(backend, "starmap"):
            return list(self.map(fn, *list(zip(*args)), **kwargs))
        return list(backend.starmap(partial(fn, **kwargs), args))


class StdLibBackend:
    """The serial backend: every call runs in the calling thread."""

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def submit(cls, fn: Callable, *args, **kwargs):
        return fn(*args, **kwargs)

    @classmethod
    def map(cls, fn: Callable, *args: Sequence, **kwargs):
        return list(map(partial(fn, **kwargs), *args))

    @classmethod
    def starmap(cls, fn: Callable, data: Sequence[tuple], **kwargs):
        return list(_starmap(partial(fn, **kwargs), data))

    def shutdown(self):
        """Nothing to release."""


_UNPACKED = dict(submit_fn="submit", map_fn="map", starmap_fn="starmap", shutdown_fn="shutdown",
                 submit_unpack=True, map_unpack=True)


class SerialExec(PyNativeExec):
    """Every call in the calling thread, one at a time (one worker: more is a
    ``RuntimeError``)."""

    def __init__(self, max_workers: int | None = 1, persist: bool = False, **kwargs):
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        if max_workers is not None and max_workers > 1:
            raise RuntimeError("The serial executor backend cannot have more than 1 worker.")
        self._cfg = ExecBackendConfig(**_UNPACKED, blocking=True)

    @classmethod
    def _exec_backend(cls):
        return StdLibBackend


class ProcPoolExec(PyNativeExec):
    """``concurrent.futures.ProcessPoolExecutor`` with spawned processes (the functions and
    their arguments must pickle)."""

    def __init__(self, max_workers: int | None = None, persist: bool = False, **kwargs):
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        self._cfg = ExecBackendConfig(**_UNPACKED, blocking=False)

    @classmethod
    def _exec_backend(cls):
        from concurrent.futures import ProcessPoolExecutor  # (at first use: ~20 ms to import)

        return partial(ProcessPoolExecutor, mp_context=get_context("spawn"))


class ThreadPoolExec(PyNativeExec):
    """``concurrent.futures.ThreadPoolExecutor``."""

    def __init__(self, max_workers: int | None = None, persist: bool = False, **kwargs):
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        self._cfg = ExecBackendConfig(**_UNPACKED, blocking=False)

    @classmethod
    def _exec_backend(cls):
        return ThreadPoolExecutor


class MPPoolExec(PyNativeExec):
    """``multiprocessing.Pool`` with spawned processes; ``map`` of a function of several
    arguments goes through ``starmap`` (the pool's ``map`` takes one)."""

    def __init__(self, max_workers: int | None = None, persist: bool = False, **kwargs):
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        self._cfg = ExecBackendConfig(submit_fn="apply", map_fn="map", starmap_fn="starmap",
                                      shutdown_fn="close", submit_unpack=False,
                                      map_unpack=False, blocking=True)

    @classmethod
    def _exec_backend(cls):
        return get_context("spawn").Pool

    def map(self, fn: Callable, *args: Sequence, **kwargs):
        if len(inspect.signature(fn).parameters) > 1:
            try:
                return self.starmap(fn, zip(*args), **kwargs)
            except Exception as e:
                raise ValueError(
                    "Python's `multiprocessing.Pool` does not support `map` calls with multiple "
                    "arguments. Consider a different backend, or use `starmap` instead.") from e
        return super().map(fn, *args, **kwargs)


def _needs(module: str, name: str, install: str):
    """``module`` imported, else PennyLane's ``RuntimeError`` naming what to install."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        raise RuntimeError(f"{name} cannot be found.\nPlease install via ``{install}``") from e


class DaskExec(ExtExec):
    """Dask distributed (``client_provider``: a cluster, a scheduler's address, or None for a
    local cluster of processes); ``starmap`` is not available (``NotImplementedError``)."""

    def __init__(self, max_workers: int | None = None, persist: bool = False,
                 client_provider=None, **kwargs):
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        distributed = _needs("dask.distributed", "Dask Distributed", "pip install dask distributed")
        if client_provider is None:
            self._cluster = distributed.LocalCluster(
                n_workers=max_workers or self._get_system_core_count(), processes=True,
                threads_per_worker=int(os.getenv("OMP_NUM_THREADS", "1")))
            self._client = distributed.Client(self._cluster)
        elif isinstance(client_provider, str):
            self._client = distributed.Client(client_provider)
        else:
            self._client = client_provider.get_client()

    def map(self, fn: Callable, *args: Sequence, **kwargs):
        return [o.result() for o in self._client.map(fn, *args, **kwargs)]

    def starmap(self, fn: Callable, args: Sequence, **kwargs):
        raise NotImplementedError("Please use another backend for access to ``starmap``")

    def submit(self, fn, *args, **kwargs):
        return self._client.submit(fn, *args, **kwargs).result()

    def shutdown(self):
        self._client.shutdown()
        if getattr(self, "_cluster", None) is not None:
            self._cluster.close()

    @property
    def size(self):
        return len(self._client.scheduler_info()["workers"])

    @classmethod
    def _exec_backend(cls):
        return _needs("dask.distributed", "Dask Distributed", "pip install dask distributed").Client


class _MPIExec(ExtExec):
    """The mpi4py executors' calls: a pool made per call (``persist`` is refused)."""

    def __init__(self, max_workers: int | None = None, persist: bool = False, **kwargs):
        if persist:
            raise RuntimeError(f"The {type(self).__name__} backend does not currently support "
                               "persistence.")
        super().__init__(max_workers=max_workers, persist=persist, **kwargs)
        mpi = _needs("mpi4py.MPI", "mpi4py", "pip install mpi4py")
        self._size = max_workers or mpi.COMM_WORLD.Get_size()
        self._cfg = ExecBackendConfig(**_UNPACKED, blocking=False)

    def submit(self, fn: Callable, *args, **kwargs):
        with self._pool() as pool:
            return pool.submit(fn, *args, **kwargs).result()

    def map(self, fn: Callable, *args: Sequence, **kwargs):
        with self._pool() as pool:
            return list(pool.map(partial(fn, **kwargs), *args))

    def starmap(self, fn: Callable, args: Sequence[tuple], **kwargs):
        with self._pool() as pool:
            return list(pool.starmap(partial(fn, **kwargs), args))

    def shutdown(self):
        """Each call's pool is closed when the call returns."""

    def _pool(self):
        return self._exec_backend()(max_workers=self._size)


class MPIPoolExec(_MPIExec):
    """mpi4py's ``MPIPoolExecutor`` (workers spawned by MPI)."""

    @classmethod
    def _exec_backend(cls):
        return _needs("mpi4py.futures", "mpi4py", "pip install mpi4py").MPIPoolExecutor


class MPICommExec(_MPIExec):
    """mpi4py's ``MPICommExecutor`` (the ranks of an ``mpirun`` as workers)."""

    @classmethod
    def _exec_backend(cls):
        futures = _needs("mpi4py.futures", "mpi4py", "pip install mpi4py")
        return lambda max_workers=None: futures.MPICommExecutor()


class ExecBackends(Enum):
    """The executor backends: each member's value is its executor class."""

    MP_Pool = MPPoolExec
    CF_ProcPool = ProcPoolExec
    CF_ThreadPool = ThreadPoolExec
    Serial = SerialExec
    Dask = DaskExec
    MPI_PoolEx = MPIPoolExec
    MPI_CommEx = MPICommExec


_BY_NAME = {"mp_pool": MPPoolExec, "cf_procpool": ProcPoolExec, "cf_threadpool": ThreadPoolExec,
            "serial": SerialExec, "dask": DaskExec, "mpi4py_pool": MPIPoolExec,
            "mpi4py_comm": MPICommExec}


def get_supported_backends():
    """The backends by name (``{"serial": SerialExec, ...}``; Dask and mpi4py ones need their
    packages to be made)."""
    return _BY_NAME


def get_executor(backend: ExecBackends | str = ExecBackends.MP_Pool):
    """The executor class of ``backend`` (an :class:`ExecBackends` member or its name)."""
    if isinstance(backend, ExecBackends):
        return backend.value
    try:
        return _BY_NAME[backend]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown executor backend {backend!r}: one of {sorted(_BY_NAME)} or "
                         "a qml.concurrency.executors.ExecBackends member") from None


def create_executor(backend: ExecBackends | str = ExecBackends.MP_Pool, **kwargs):
    """An executor of ``backend``, made with ``kwargs`` (``max_workers``, ``persist``, ...)."""
    return get_executor(backend)(**kwargs)


def _namespace(path: str, doc: str, **names) -> types.ModuleType:
    module = types.ModuleType(f"{__name__}.{path}", doc)
    vars(module).update(names, __all__=[n for n in names if not isinstance(
        names[n], types.ModuleType)])
    sys.modules.setdefault(module.__name__, module)
    return sys.modules[module.__name__]


# PennyLane's module paths (pennylane.concurrency.executors.native.serial.SerialExec, ...)
_native_names = dict(PyNativeExec=PyNativeExec, SerialExec=SerialExec, MPPoolExec=MPPoolExec,
                     ProcPoolExec=ProcPoolExec, ThreadPoolExec=ThreadPoolExec)
_base_names = dict(ExecBackendConfig=ExecBackendConfig, RemoteExec=RemoteExec, IntExec=IntExec,
                   ExtExec=ExtExec)
_backend_names = dict(ExecBackends=ExecBackends, create_executor=create_executor,
                      get_executor=get_executor, get_supported_backends=get_supported_backends)
base = _namespace("executors.base", "Executor API base classes.", **_base_names)
backends = _namespace("executors.backends", "Executor backends by name.", **_backend_names)
native = _namespace(
    "executors.native", "Standard-library executors.", **_native_names,
    api=_namespace("executors.native.api", "PyNativeExec.", PyNativeExec=PyNativeExec),
    serial=_namespace("executors.native.serial", "SerialExec.", SerialExec=SerialExec,
                      StdLibBackend=StdLibBackend),
    conc_futures=_namespace("executors.native.conc_futures", "concurrent.futures executors.",
                            ProcPoolExec=ProcPoolExec, ThreadPoolExec=ThreadPoolExec),
    multiproc=_namespace("executors.native.multiproc", "MPPoolExec.", MPPoolExec=MPPoolExec))
external = _namespace(
    "executors.external", "Dask and mpi4py executors.", DaskExec=DaskExec,
    MPIPoolExec=MPIPoolExec, MPICommExec=MPICommExec,
    dask=_namespace("executors.external.dask", "DaskExec.", DaskExec=DaskExec),
    mpi=_namespace("executors.external.mpi", "mpi4py executors.", MPIPoolExec=MPIPoolExec,
                   MPICommExec=MPICommExec))
executors = _namespace("executors", "Executors for task-based workloads.", **_backend_names,
                       **_base_names, **_native_names, backends=backends, base=base,
                       native=native, external=external)
__all__ = ["native", "external", "backends", "base"]
