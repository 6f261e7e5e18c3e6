"""The on-disk cache of generated modules (and of a few derived results).

numba cannot cache functions made by ``exec`` of a string (numba issue 3501), so each
generated module is written to a real ``.py`` file named by the hash of its source, and
imported from there with ``@njit(cache=True)``: a new process that builds the same circuit
finds the file and numba's compiled code beside it, and compiles nothing.

Location: ``$QSYM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/qsym`` (``~/.cache/qsym``).
``QSYM_CACHE=0`` disables the disk cache (modules then go to a temporary folder that lives
as long as the process).

The source of every module names the versions of qsym, numba and numpy and a hash of the
kernel library (numba does not notice changes in functions a cached function calls, numba
issue 1833), so a change of any of them gives new files rather than stale code.

A damaged cache is never trusted (several processes may share it, and files can be
truncated or garbled):

- the ``.py`` file is compared byte for byte with the generated source before use, and
  rewritten if it differs or cannot be read; the module runs the source held in memory,
  not what the file holds at the time of import. A rewrite gives the file a new
  modification time, so numba's index (stamped with it) no longer matches: numba compiles
  again and rewrites its files.
- a new file is created without replacing one that appeared meanwhile (the first writer
  wins), so processes compiling the same circuit at once leave one file whose stamp
  matches the numba index they write;
- numba's own files beside it (``__pycache__/*.nbi`` and ``*.nbc``) are read through
  :class:`_CheckedCacheFile`: an unreadable index counts as empty, and every data file
  ends with a SHA-256 of its index key and contents, checked before numba unpickles it; a
  data file that fails the check (truncated, garbled, another function's) counts as
  missing. numba then compiles and rewrites it. (Plain numba still reads these files: the
  trailer follows the pickle, which ``pickle.loads`` ignores.)

Small derived results that cost sympy time in every new process are kept in the same
folder as JSON records (:func:`load_record`, :func:`save_record`): ``rules/`` holds the
derived shift rules (:mod:`qsym.rules`), ``gate-code/`` the gate-matrix code printed for
generated modules (:func:`qsym.emit.gate_body`). A record is named by the SHA-256 of its
key and holds the whole key (the qsym version, a hash of the code that computed it, the
sympy version and the exact sympy matrix it was computed from) and a SHA-256 of key and
contents; one that does not match in every respect is a miss, and the result is computed
again and the file rewritten. ``QSYM_CACHE=0`` reads and writes no records.

A numba cache hit of qsym's functions (the kernel library and generated modules) is loaded
without numba's compiler registries (:func:`_lazy_cache_class`): numba loads them before
every cache lookup, which imports some 160 modules and costs about 0.25 s in a new process
that only runs cached code. A compile still loads them (numba does it itself).
``QSYM_LAZY_NUMBA=0`` restores numba's own order; it is used only with the numba versions
it was checked with (``_LAZY_NUMBA_VERSIONS``).

>>> mod = load_module("X = 42\\n")
>>> mod.X
42
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_tmpdir: tempfile.TemporaryDirectory | None = None


def enabled() -> bool:
    """False if ``QSYM_CACHE`` turns the disk cache off (``0``, ``false``, ``no``, ``off``)."""
    return os.environ.get("QSYM_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    """The folder generated modules are written to (created if missing)."""
    global _tmpdir
    if not enabled():
        if _tmpdir is None:
            _tmpdir = tempfile.TemporaryDirectory(prefix="qsym-")
        path = Path(_tmpdir.name)
    elif os.environ.get("QSYM_CACHE_DIR"):
        path = Path(os.environ["QSYM_CACHE_DIR"])
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        path = Path(base) / "qsym"
    path.mkdir(parents=True, exist_ok=True)
    return path


def module_name(source: str) -> str:
    """The module name of a generated source: ``qsym_gen_<hash>``."""
    return "qsym_gen_" + hashlib.sha256(source.encode()).hexdigest()[:24]


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None if it cannot be read (missing, a folder, no permission)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_file(path: Path, data: bytes) -> None:
    """Make ``path`` hold ``data``, atomically: readers see the old file or the new one.

    A file that appeared meanwhile with the right contents (another process compiling the
    same circuit) is kept, not replaced, so its modification time, which numba's index
    records, stays the same for everyone.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file private (0600); a cache folder may be shared
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o644 & ~umask)
        try:
            os.link(tmp, path)  # creates path only if absent: the first writer wins
        except FileExistsError:
            if _read(path) != data:
                os.replace(tmp, path)  # damaged: replace it
        except OSError:  # no hard links on this file system
            os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def load_module(source: str):
    """Write ``source`` to the cache (once) and import it as a module."""
    name = module_name(source)
    with _lock:
        mod = sys.modules.get(name)
        if mod is not None:
            return mod
        path = cache_dir() / f"{name}.py"
        data = source.encode()
        if _read(path) != data:
            write_file(path, data)
            if _read(path) != data:
                raise OSError(
                    f"qsym cache: {path} does not hold the generated source after writing "
                    "it; check the file system, or set QSYM_CACHE=0"
                )
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        # numba's cache locates functions through sys.modules: register before executing
        sys.modules[name] = mod
        try:
            # run the source generated here, not the file (which another process or a
            # disk fault may have changed since it was checked); numba still finds the
            # file through the code's file name, and caches beside it
            exec(compile(source, str(path), "exec"), mod.__dict__)
            _guard_numba_caches(mod)
        except BaseException:
            del sys.modules[name]
            raise
        return mod


# --- small derived records (shift rules, printed gate code) --------------------------------
_file_digests: dict = {}


def file_digest(path) -> str:
    """SHA-256 of a file's bytes, read once per process (the code behind a record: a
    changed file gives new keys, never a stale record)."""
    path = str(path)
    digest = _file_digests.get(path)
    if digest is None:
        with open(path, "rb") as fh:
            digest = _file_digests[path] = hashlib.sha256(fh.read()).hexdigest()
    return digest


def _record_path(kind: str, key: str) -> Path:
    return cache_dir() / kind / (hashlib.sha256(key.encode()).hexdigest() + ".json")


def _record_digest(key: str, payload) -> str:
    body = json.dumps([key, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def load_record(kind: str, key: str):
    """The JSON payload saved under ``key`` in folder ``kind`` of the cache, or None.

    A record is used only if the file parses, holds exactly ``key`` (not only its hash:
    the file name is the key's SHA-256) and a SHA-256 of key and payload that matches;
    a missing, truncated, garbled or swapped file is a miss. Nothing is read when the
    disk cache is off (``QSYM_CACHE=0``).

    >>> save_record("doctest", "some key", [1, "two"])
    >>> load_record("doctest", "some key"), load_record("doctest", "another key")
    ([1, 'two'], None)
    """
    if not enabled():
        return None
    try:
        record = json.loads(_record_path(kind, key).read_bytes())
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        payload = record.get("payload")
        if record.get("sha256") != _record_digest(key, payload):
            return None
        return payload
    except Exception:  # missing, unreadable, not JSON: a miss
        return None


def save_record(kind: str, key: str, payload) -> None:
    """Save a JSON ``payload`` under ``key`` (atomically; first writer wins, a damaged
    file is replaced). Errors of the file system are ignored: a record only saves time."""
    if not enabled():
        return
    record = {"key": key, "payload": payload, "sha256": _record_digest(key, payload)}
    try:
        path = _record_path(kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, json.dumps(record, indent=1, sort_keys=True).encode())
    except OSError:
        pass


# --- numba's cache files, checked ----------------------------------------------------------
_TRAILER = b"\x00qsym-sha256:"
_DIGEST_SIZE = 32
_checked_class = None


def _digest(key, payload: bytes) -> bytes:
    """What a data file's trailer holds: its index key and contents, hashed. The key ties
    the file to one function and signature, so another function's file does not pass."""
    return hashlib.sha256(repr(key).encode() + b"\x00" + payload).digest()


def _checked_cache_file_class():
    """:class:`numba.core.caching.IndexDataCacheFile` with damaged files counted as
    missing (None if this numba's cache files are not laid out as expected)."""
    global _checked_class
    if _checked_class is not None:
        return _checked_class or None
    try:
        from numba.core.caching import IndexDataCacheFile
    except ImportError:  # pragma: no cover
        _checked_class = False
        return None
    needed = ("_load_index", "_save_index", "_dump", "_data_name", "_data_path",
              "_open_for_write", "load", "save")
    if not all(hasattr(IndexDataCacheFile, a) for a in needed):  # pragma: no cover
        _checked_class = False
        return None

    class _CheckedCacheFile(IndexDataCacheFile):
        """numba's index and data files, each checked before use."""

        def _load_index(self):
            try:
                overloads = super()._load_index()
            except Exception:  # garbled or truncated: as if there were none
                return {}
            return overloads if isinstance(overloads, dict) else {}

        def save(self, key, data):
            overloads = self._load_index()
            data_name = overloads.get(key)
            if data_name is None:
                used = set(overloads.values())
                data_name = next(
                    n for n in map(self._data_name, itertools.count(1)) if n not in used
                )
                overloads[key] = data_name
                self._save_index(overloads)
            payload = self._dump(data)
            with self._open_for_write(self._data_path(data_name)) as fh:
                fh.write(payload + _TRAILER + _digest(key, payload))

        def load(self, key):
            data_name = self._load_index().get(key)
            if data_name is None:
                return None
            try:
                with open(self._data_path(data_name), "rb") as fh:
                    raw = fh.read()
            except OSError:
                return None
            end = len(raw) - _DIGEST_SIZE - len(_TRAILER)
            if end < 0 or raw[end : end + len(_TRAILER)] != _TRAILER:
                return None
            payload = raw[:end]
            if raw[end + len(_TRAILER) :] != _digest(key, payload):
                return None
            try:
                return pickle.loads(payload)
            except Exception:  # pragma: no cover - the digest matched
                return None

    _checked_class = _CheckedCacheFile
    return _checked_class


# --- loading cached code without numba's compiler set-up -----------------------------------
# numba versions whose cache loading was checked to need only what _runtime_ready does
_LAZY_NUMBA_VERSIONS = ((0, 68),)
_lazy_class = None


def _runtime_ready(target_context) -> None:
    """What machine code loaded from numba's cache needs from the process: the runtime's
    (NRT) symbols and the hash secret's (the only symbols numba's optional modules add at
    import). The C helpers, math functions and exception objects are added when numba's
    CPU context is created; parallel code re-runs its own set-up (``reload_init``)."""
    from numba.core.runtime import rtsys

    rtsys.initialize(target_context)
    import numba.cpython.hashing  # noqa: F401  (adds _Py_HashSecret_* symbols)


def _lazy_cache_class():
    """:class:`numba.core.caching.FunctionCache` that loads a cached function without first
    loading numba's typing and lowering registries (None where not known to be safe).

    numba's ``Cache.load_overload`` calls ``target_context.refresh()`` before it looks in
    the cache: that imports some 160 modules (numba's implementations of NumPy, typed
    containers, random generators, and SciPy's BLAS wrappers) and installs their
    registries, about 0.25 s in a fresh process, all of it used only to *compile*. Here a
    cache hit gets only :func:`_runtime_ready`; on a miss, or if loading fails in any way,
    numba's own path runs (and a compile refreshes the context itself,
    ``CompilerBase.__init__``)."""
    global _lazy_class
    if _lazy_class is not None:
        return _lazy_class or None
    if os.environ.get("QSYM_LAZY_NUMBA", "1").strip().lower() in ("0", "false", "no", "off"):
        _lazy_class = False
        return None
    try:
        import numba
        from numba.core.caching import FunctionCache

        version = tuple(int(v) for v in numba.__version__.split(".")[:2])
    except Exception:  # pragma: no cover
        _lazy_class = False
        return None
    needed = ("load_overload", "_load_overload", "_guard_against_spurious_io_errors")
    if version not in _LAZY_NUMBA_VERSIONS or not all(
        hasattr(FunctionCache, a) for a in needed
    ):  # pragma: no cover
        _lazy_class = False
        return None

    class _LazyFunctionCache(FunctionCache):
        """numba's function cache; a hit is loaded without the compiler's registries."""

        def load_overload(self, sig, target_context):
            try:
                _runtime_ready(target_context)
                with self._guard_against_spurious_io_errors():
                    cres = self._load_overload(sig, target_context)
            except Exception:  # anything unexpected: numba's own way, from the start
                cres = None
            if cres is None:
                return super().load_overload(sig, target_context)
            return cres

    _lazy_class = _LazyFunctionCache
    return _lazy_class


def numba_cached_functions(mod) -> list:
    """The numba functions of module ``mod`` that have an on-disk cache (``cache=True``)."""
    return [value for value in list(vars(mod).values())
            if getattr(getattr(value, "_cache", None), "_cache_file", None) is not None]


def _guard_numba_caches(mod) -> None:
    """Read the numba cache files of ``mod``'s ``cache=True`` functions through
    :class:`_CheckedCacheFile`, and load them with :func:`_lazy_cache_class` (before their
    first call, when numba first reads them)."""
    cls = _checked_cache_file_class()
    lazy = _lazy_cache_class()
    for value in numba_cached_functions(mod):
        cache_obj = value._cache
        cache_file = cache_obj._cache_file
        if cls is not None and type(cache_file) is cls.__base__:
            cache_file.__class__ = cls
        if lazy is not None and type(cache_obj) is lazy.__base__:
            cache_obj.__class__ = lazy
