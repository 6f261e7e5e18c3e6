"""The on-disk cache of generated modules (and of a few derived results).

numba cannot cache functions made by ``exec`` of a string (numba issue 3501), so each
generated module is written to a real ``.py`` file named by the hash of its source, and
imported from there with ``@njit(cache=True)``: a new process that builds the same circuit
finds the file and numba's compiled code beside it, and compiles nothing.

Location: ``$QSYM_CACHE_DIR`` if set, else the platform's user cache folder from
``platformdirs`` (Linux: ``$XDG_CACHE_HOME/qsym``, i.e. ``~/.cache/qsym``; macOS:
``~/Library/Caches/qsym``; Windows: ``%LOCALAPPDATA%\\qsym\\Cache``). ``QSYM_CACHE=0``
disables the disk cache (modules then go to a temporary folder that lives as long as the
process). Everything qsym writes is under that one folder, numba's cache of qsym's own
kernel library included (``kernels/``, :class:`_QsymCacheLocator`; numba would put it in
the installed package's ``__pycache__``), unless ``NUMBA_CACHE_DIR`` is set: numba's own
setting then holds numba's files, as numba documents.

Logging: the ``qsym.cache`` logger reports, at debug level, every module, record and
numba file found (hit), missing (miss), refused (damaged, foreign or unsigned: rejected)
and written, and each numba compile with its time.

The source of every module names the versions of qsym, numba and numpy and a hash of the
kernel library (numba does not notice changes in functions a cached function calls, numba
issue 1833), so a change of any of them gives new files rather than stale code.

Trust (docs/reliability.md, "The cache's threat model"): the folder is made 0o700 and
used only if it belongs to the current user and no one else can write it (else one
:class:`qsym.errors.CacheWarning` and a private temporary folder, :func:`cache_dir`); a
file is read only if it is a regular file of the user that others cannot write
(:func:`read_trusted`); everything qsym writes is 0o600 and signed with HMAC-SHA256
under the folder's secret key (:func:`folder_key`), checked before anything is used or
unpickled. A damaged, planted or foreign file is never trusted:

- the ``.py`` file is compared byte for byte with the generated source before use, and
  rewritten if it differs or cannot be read; the module runs the source held in memory,
  not what the file holds at the time of import;
- a new file is created without replacing one that appeared meanwhile with the same
  contents (the first writer wins);
- numba's own files beside it (``__pycache__/*.nbi`` and ``*.nbc``) are read and written
  through :class:`_CheckedCacheFile`: each ends with a signature of its name, its index
  key and contents; a file that fails the check counts as missing, and numba compiles
  and rewrites it. (Plain numba still reads these files: the trailer follows the
  pickle, which ``pickle.loads`` ignores.)

Small derived results that cost sympy time in every new process are kept in the same
folder as JSON records (:func:`load_record`, :func:`save_record`): ``rules/`` holds the
derived shift rules (:mod:`qsym.rules`), ``gate-code/`` the gate-matrix code printed for
generated modules (:func:`qsym._emit.gate_body`), ``module-names/`` the name of a program's
generated module once written (:class:`qsym._interp.InterpretedModule`). A record is named by the SHA-256 of its
key and holds the whole key (the qsym version, a hash of the code that computed it, the
sympy version and the exact sympy matrix it was computed from) and its signature; the
callers also check its contents against the gate's matrix
(:func:`qsym._emit.gate_code_matches`, :func:`qsym.rules.rule_matches_gate`). One that
does not match in every respect is a miss, and the result is computed again and the
file rewritten. ``QSYM_CACHE=0`` reads and writes no records.

Size: the folder is kept under ``QSYM_CACHE_MAX_MB`` (default 1024) by least-recently
used eviction when a module is written (:func:`evict`); :func:`cache_info` and
:func:`clear_cache` (``qsym cache info|clear``) inspect and empty it. Memory: a module
leaves ``sys.modules`` when the last QNode entry using it is dropped (:func:`hold`).

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

import atexit
import contextlib
import functools
import hashlib
import hmac
import importlib.util
import io
import itertools
import json
import logging
import marshal
import os
import pickle
import re
import stat
import sys
import tempfile
import threading
import time
import warnings
import weakref
from pathlib import Path

from ._locks import new_lock, new_rlock
from .errors import CacheWarning, QsymError

logger = logging.getLogger("qsym.cache")
_lock = new_lock()
_dir_lock = new_rlock()
_tmpdir: tempfile.TemporaryDirectory | None = None
_resolved: dict = {}  # configured folder -> the folder used (itself, or the private one)
_warned: set = set()


class Memo:
    """A bounded in-memory map that forgets the entry used least recently, safe to share
    between threads (every qsym memo of built objects is one: a process that builds many
    circuits holds at most ``maxsize`` of each kind).

    >>> m = Memo(2)
    >>> m.put("a", 1); m.put("b", 2); m.get("a"); m.put("c", 3)
    1
    >>> sorted(m.keys())
    ['a', 'c']
    """

    def __init__(self, maxsize: int):
        from collections import OrderedDict

        self.maxsize = maxsize
        self._items = OrderedDict()
        self._lock = new_lock()

    def get(self, key, default=None):
        with self._lock:
            value = self._items.get(key, default)
            if key in self._items:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def keys(self) -> list:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def enabled() -> bool:
    """False if ``QSYM_CACHE`` turns the disk cache off (``0``, ``false``, ``no``, ``off``)."""
    return os.environ.get("QSYM_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _warn_once(tag, message: str) -> None:
    if tag not in _warned:
        _warned.add(tag)
        warnings.warn(message, CacheWarning, stacklevel=3)


def _private_dir() -> Path:
    """A folder only this process uses (0o700, removed at exit)."""
    global _tmpdir
    with _dir_lock:
        if _tmpdir is None or not os.path.isdir(_tmpdir.name):
            _tmpdir = tempfile.TemporaryDirectory(prefix="qsym-")
            # removed at exit explicitly: the finalizer's removal warns (ResourceWarning)
            atexit.register(_tmpdir.cleanup)
        return Path(_tmpdir.name)


def default_dir() -> Path:
    """The platform's user cache folder for qsym, from ``platformdirs`` (Linux:
    ``$XDG_CACHE_HOME/qsym``, i.e. ``~/.cache/qsym``; macOS: ``~/Library/Caches/qsym``;
    Windows: ``%LOCALAPPDATA%\\qsym\\Cache``)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("qsym", appauthor=False))


def configured_dir() -> Path:
    """The cache folder as configured: ``$QSYM_CACHE_DIR``, else :func:`default_dir`.
    :func:`cache_dir` is the folder actually used."""
    given = os.environ.get("QSYM_CACHE_DIR")
    if given:
        # absolute: a relative folder was another folder for the background compile
        # process, which runs in qsym's own folder (it wrote there, and the compile was
        # redone in this process); made once per setting (and working folder, if
        # relative): a first answer asks 9 times (issue #17)
        key = given if os.path.isabs(given) else (given, os.getcwd())
        path = _configured.get(key)
        if path is None:
            path = _configured[key] = Path(os.path.abspath(given))
        return path
    return default_dir()


_configured: dict = {}  # QSYM_CACHE_DIR (and the working folder if relative) -> its Path


def _owner_problem(st) -> str | None:
    """Why a file or folder with this ``os.stat`` result cannot be trusted, or None:
    it must belong to the current user and not be writable by group or others."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"belongs to another user (uid {st.st_uid}, you are {os.getuid()})"
    if os.name == "posix" and st.st_mode & 0o022:
        return f"can be written by other users (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _dir_problem(path: Path, create: bool = True) -> str | None:
    """Why ``path`` cannot be the cache folder, or None (then it exists, is ours, is
    private, and a file can be created in it). A folder qsym creates is made 0o700."""
    try:
        if create:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(path)
    except FileExistsError:
        return "is not a folder"
    except OSError as exc:
        return f"cannot be created ({exc.strerror or exc})"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a folder"
    problem = _owner_problem(st)
    if problem:
        return problem
    if os.name == "posix":
        if not st.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK | os.X_OK):
            return "is read-only"
        if st.st_mode & 0o077:  # ours and not writable by others: make it private
            try:
                os.chmod(path, 0o700)
            except OSError:
                pass
    try:
        tempfile.TemporaryFile(dir=path).close()
    except OSError as exc:
        return f"cannot be written ({exc.strerror or exc})"
    return None


def makedirs_private(path) -> None:
    """``os.makedirs(path, exist_ok=True)`` with every folder it creates mode 0o700
    (``os.makedirs`` gives its ``mode`` to the last folder only: ``kernels/`` and
    ``exports/`` of the cache folder were made 0o755 while the rest is private), and an
    existing folder between the cache folder and ``path`` that is ours but readable by
    others (made so by an earlier qsym) made private too, as :func:`_dir_problem` does."""
    path = os.path.abspath(path)
    missing, p = [], path
    while not os.path.isdir(p):
        missing.append(p)
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
    if missing or os.name != "posix":
        return
    for folder in (path, os.path.dirname(path)):  # kernels/qsym_<hash> and kernels/
        try:
            st = os.lstat(folder)  # (a link is left alone: its target may be anywhere)
            if (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077
                    and _below_cache(folder)):
                os.chmod(folder, stat.S_IMODE(st.st_mode) & 0o700)
        except OSError:
            pass


def _below_cache(folder: str) -> bool:
    """``folder`` is inside the cache folder in use (qsym never changes modes elsewhere)."""
    tops = [str(p).rstrip(os.sep) + os.sep for p in list(_resolved.values())]
    return any(folder.startswith(top) for top in tops)


def _refuse_dir(path: Path, problem: str) -> Path:
    """Warn (once per folder) and give the private folder instead of ``path``."""
    what = "QSYM_CACHE_DIR" if os.environ.get("QSYM_CACHE_DIR") else "the default cache folder"
    _warn_once(("dir", str(path), problem),
               f"qsym cache: {what} {path} {problem}; this process uses a private temporary "
               "folder instead (nothing is cached across processes). Use a folder that "
               "belongs to you and only you can write (mode 700), set QSYM_CACHE_DIR to "
               "one, or set QSYM_CACHE=0 to turn the disk cache off.")
    return _private_dir()


def cache_dir() -> Path:
    """The folder generated modules and records are written to (created 0o700 if missing).

    It is the configured folder (:func:`configured_dir`) if that can be used: it must be a
    folder (or creatable), belong to the current user, not be writable by other users,
    and be writable. Otherwise qsym warns once (:class:`qsym.errors.CacheWarning`) and
    uses a private temporary folder for the rest of the process. ``QSYM_CACHE=0``: a
    private temporary folder, without a warning.
    """
    if not enabled():
        return _private_dir()
    configured = configured_dir()
    key = str(configured)
    path = _resolved.get(key)
    if path is not None and os.path.isdir(path):
        return path
    with _dir_lock:
        problem = _dir_problem(configured)
        path = configured if problem is None else _refuse_dir(configured, problem)
        _resolved[key] = path
        for folder in (path, path / "__pycache__"):  # a folder made again: its key too
            _keys.pop(str(folder), None)
            _numba_dirs.pop(str(folder), None)
        return path


def _fall_back(path: Path, exc: OSError) -> Path:
    """After a failed write in ``path``: use the private folder from now on."""
    with _dir_lock:
        private = _refuse_dir(path, f"cannot be written ({exc.strerror or exc})")
        for key, used in list(_resolved.items()):
            if used == path:
                _resolved[key] = private
        return private


def module_name(source: str) -> str:
    """The module name of a generated source: ``qsym_gen_<hash>``."""
    return "qsym_gen_" + hashlib.sha256(source.encode()).hexdigest()[:24]


def _read(path) -> bytes | None:
    """The file's bytes, or None if it cannot be read (missing, a folder, no permission)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def read_trusted(path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link) that belongs to the
    current user and that other users cannot write; else None. A file refused for its
    owner or mode is reported once per folder (:class:`qsym.errors.CacheWarning`)."""
    try:
        # not blocking: a FIFO planted in the cache would wait for a writer forever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        problem = _owner_problem(st)
        if problem:
            folder = os.path.dirname(os.path.abspath(path))
            _warn_once(("file", folder),
                       f"qsym cache: ignoring {path}: it {problem}; qsym computes it again "
                       "(files in the cache must belong to you and not be writable by "
                       "others; this warning is shown once per folder)")
            return None
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _touch(path) -> None:
    """Mark ``path`` as used now (its access time; the modification time, which numba's
    index and the eviction's grace period read, stays)."""
    try:
        st = os.stat(path)
        os.utime(path, ns=(time.time_ns(), st.st_mtime_ns))
    except OSError:
        pass


_soon = None  # queue of paths to mark as used, served by one daemon thread
_soon_lock = new_lock()
# paths read before the thread may start (start_touching): a new process's first answer
# reads a few records and blobs, and starting the thread there cost it 0.05-0.1 ms of its
# own CPU and the thread's first run beside it (issue #17)
_soon_pending: list = []
_soon_go = False


def _touch_soon(path) -> None:
    """:func:`_touch` off the caller's path: a daemon thread marks ``path`` as used. A
    metadata write (``stat`` and ``utime``) took 2-5 ms a file on the loaded machine, and
    a new circuit reads a few records; eviction reads the mark only to order files by use.
    Until :func:`start_touching` (the process's first answer, or its kernel warm-up), the
    path waits in a list; whatever still waits at exit is marked then."""
    q = _soon
    if q is None:
        with _soon_lock:
            if _soon is None and not _soon_go:
                if not _soon_pending:
                    atexit.register(_touch_left)
                _soon_pending.append(path)
                return
            q = _soon if _soon is not None else _start_touch_thread()
    q.put(path)


def _start_touch_thread():
    """The queue of a new daemon thread that marks its paths (``_soon_lock`` held)."""
    global _soon
    import queue

    q = queue.SimpleQueue()
    threading.Thread(target=_touch_pending, args=(q,), name="qsym cache touch",
                     daemon=True).start()
    _soon = q
    return q


def start_touching() -> None:
    """From now on a daemon thread marks read files as used (:func:`_touch_soon`), the
    paths that waited first. Called after the process's first answer
    (:func:`qsym._tiers.first_answer`) or when its kernel warm-up starts."""
    global _soon_go
    with _soon_lock:
        _soon_go = True
        if not _soon_pending:
            return
        q = _soon if _soon is not None else _start_touch_thread()
        for path in _soon_pending:
            q.put(path)
        _soon_pending.clear()


def save_blob_soon(kind: str, key: str, data: bytes) -> None:
    """:func:`save_blob` off the caller's path: by the thread that marks files as used
    (:func:`_touch_soon`), so after the process's first answer (a write, about 0.3-0.5 ms
    of CPU, is more than what a small blob saves the next process), or at exit."""
    if enabled():
        _touch_soon(functools.partial(save_blob, kind, key, data))


def _do(item) -> None:
    """A waiting item: a path to mark as used, or a write (:func:`save_blob_soon`)."""
    if callable(item):
        try:
            item()
        except Exception:  # (a blob only saves time)
            logger.debug("a deferred cache write failed", exc_info=True)
    else:
        _touch(item)


def _touch_left() -> None:
    """At exit: mark the paths still waiting, and write the blobs (no thread was started)."""
    with _soon_lock:
        left = list(_soon_pending)
        _soon_pending.clear()
    for item in left:
        _do(item)


def _touch_pending(q) -> None:
    while True:
        _do(q.get())


def _no_touch_thread() -> None:  # a forked child has no thread serving the queue
    global _soon
    _soon = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_no_touch_thread)


def write_file(path: Path, data: bytes) -> None:
    """Make ``path`` hold ``data``, atomically: readers see the old file or the new one.
    The file is private (0o600).

    A file that appeared meanwhile with the right contents (another process compiling the
    same circuit) is kept, not replaced, so its modification time, which numba's index
    records, stays the same for everyone; one that is not trusted (:func:`read_trusted`)
    or differs is replaced.
    """
    _write_first(path, data, lambda old: old == data)


def _write_first(path, data: bytes, keep) -> None:
    """Write ``data`` to ``path`` through a private temporary file linked into place: the
    first writer wins; a file already there stays if ``keep(its trusted bytes)`` (None if
    not trusted), else it is replaced (also where the file system has no hard links)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp makes the file 0o600
            fh.write(data)
        try:
            os.link(tmp, path)  # creates path only if absent
        except FileExistsError:
            if not keep(read_trusted(path)):
                os.replace(tmp, path)  # damaged or not ours: replace it
        except OSError:  # no hard links on this file system
            os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def load_module(source: str):
    """Write ``source`` to the cache (once) and import it as a module.

    The module stays in ``sys.modules`` (numba finds its functions there when it compiles
    or loads them) until the last owner given to :func:`hold` is dropped, or for the life
    of the process if none is.
    """
    name = module_name(source)
    with _lock:
        _process_releases()
        mod = sys.modules.get(name)
        if mod is not None:
            return mod
        data = source.encode()
        folder = cache_dir()
        path = folder / f"{name}.py"
        start = time.perf_counter()
        try:
            found = read_trusted(path)
            if found == data:
                logger.debug("cache hit: module %s in %s", name, folder)
            else:
                if found is None:
                    logger.debug("cache miss: module %s not in %s", name, folder)
                else:
                    logger.debug("cache rejected: %s differs from the generated source "
                                 "(damaged or not qsym's); rewriting it", path)
                write_file(path, data)
                logger.debug("cache write: %s (%d bytes)", path, len(data))
                if _read(path) != data:
                    raise OSError(0, "the file does not hold the generated source after "
                                     "writing it")
                evict(folder, keep=(name,))
        except OSError as exc:
            if path.is_dir() and not path.is_symlink():
                # a folder in the way of this one module: the cache folder itself is fine
                _warn_once(("in-the-way", str(path)),
                           f"qsym cache: {path} is a folder where qsym keeps a generated "
                           "module; this circuit's module goes to a private temporary "
                           "folder instead (remove that folder)")
                folder = _private_dir()
            else:
                folder = _fall_back(folder, exc)
            path = folder / f"{name}.py"
            try:
                write_file(path, data)
            except OSError as again:
                raise QsymError(
                    f"qsym cache: cannot write the generated module {path.name} to "
                    f"{path.parent} either ({again.strerror or again}); free disk space or "
                    "set TMPDIR to a writable folder") from again
        _touch(path)
        try:  # numba's cache folder beside it, private like the folder
            (path.parent / "__pycache__").mkdir(mode=0o700, exist_ok=True)
        except OSError:
            pass
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        # numba's cache locates functions through sys.modules: register before executing
        sys.modules[name] = mod
        try:
            # run the source generated here, not the file (which another process or a
            # disk fault may have changed since it was checked); numba still finds the
            # file through the code's file name, and caches beside it
            try:
                exec(compile(source, str(path), "exec"), mod.__dict__)
            except RuntimeError:
                if path.exists():
                    raise
                # evicted by another process between the check and numba's look at it
                # (numba needs the file to cache beside it): write it again, once
                write_file(path, data)
                mod.__dict__.clear()
                mod.__dict__.update(importlib.util.module_from_spec(spec).__dict__)
                exec(compile(source, str(path), "exec"), mod.__dict__)
            guard_numba_caches(mod)
        except BaseException:
            del sys.modules[name]
            raise
        logger.debug("cache: module %s imported in %.3f s", name, time.perf_counter() - start)
        return mod


# --- releasing modules -----------------------------------------------------------------------
_holders: dict = {}  # module name -> number of live owners
_pending: list = []  # (name, weakref to module) of owners collected, not yet counted


def hold(module, owner) -> None:
    """Keep ``module`` (from :func:`load_module`) in ``sys.modules`` while ``owner`` lives.

    When the last owner of a module is garbage collected, qsym drops the module from
    ``sys.modules``, so that qsym holds nothing of it (numba keeps its compiled code, see
    docs/getting-started.md); a later build of the same circuit loads it again, from
    numba's disk cache. A module never given an owner stays for the life of the process.
    """
    name = module.__name__
    with _lock:
        _process_releases()
        _holders[name] = _holders.get(name, 0) + 1
        if name not in sys.modules:  # released meanwhile: numba needs it there
            sys.modules[name] = module
    weakref.finalize(owner, _release, name, weakref.ref(module))


def _release(name: str, module_ref) -> None:
    # runs from the garbage collector, possibly inside load_module in this very thread:
    # never wait for the lock (the release is counted at the next load or hold)
    _pending.append((name, module_ref))
    if _lock.acquire(blocking=False):
        try:
            _process_releases()
        finally:
            _lock.release()


def _process_releases() -> None:
    """Count the collected owners (with ``_lock`` held)."""
    while _pending:
        name, module_ref = _pending.pop()
        count = _holders.get(name, 0) - 1
        if count > 0:
            _holders[name] = count
            continue
        _holders.pop(name, None)
        module = module_ref()
        if module is not None and sys.modules.get(name) is module:
            del sys.modules[name]


# --- small derived records (shift rules, printed gate code) --------------------------------
_file_digests: dict = {}


# The digests of qsym's own files, kept across processes (issue #17: a new process hashed
# about 0.5 MB of qsym's sources, 0.7-0.8 ms of the seed's first answer): a signed blob in
# the cache folder maps a file's path to its size, modification time, inode and device as
# ``os.fstat`` gave them and its SHA-256; a file whose ``fstat`` still gives the same four
# is not read again (an edit, a checkout or a reinstall changes them; numba 0.68 hashes a
# source file in each process, keyed by its modification time and size in memory only).
# At most DIGEST_MEMO_MAX files (the oldest dropped). Two holes of a stamp closed as git
# closes them in its index ("racy git"): the status-change time is in the stamp too (a write in place with the
# modification time set back, ``os.utime``/``touch -d``, changes it, and no call sets it
# back), and a file changed less than DIGEST_RACY_NS before it was hashed is not kept (an
# edit of the same size within the file system's timestamp tick, 1-2 s on some, 4 ms on
# Linux before 6.13, would keep the old stamp).
DIGEST_MEMO = "digests"
# v3: the table in marshal's form (a signed blob, as the code blobs: marshal.loads of a
# trusted dict of lists, 0.01 ms, where v2's JSON took 0.03-0.08 ms of a first answer)
DIGEST_MEMO_KEY = "qsym file digests v3"
DIGEST_MEMO_MAX = 256
DIGEST_RACY_NS = 3_000_000_000
_digest_memo: dict | None = None
_digest_lock = new_lock()  # free again in a forked child (_locks)


def _stat_key(st) -> list:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _digest_memo_table() -> dict:
    global _digest_memo
    if _digest_memo is None:
        memo = {}
        raw = load_blob(DIGEST_MEMO, DIGEST_MEMO_KEY)
        if raw is not None:
            try:
                table = marshal.loads(raw)
                if isinstance(table, dict):
                    memo = {k: v for k, v in table.items()
                            if isinstance(k, str) and isinstance(v, list) and len(v) == 6
                            and all(type(x) is int for x in v[:5]) and isinstance(v[5], str)}
            except (ValueError, EOFError, TypeError):
                pass
        _digest_memo = memo
    return _digest_memo


def file_digest(path) -> str:
    """SHA-256 of a file's bytes (hex), read once per process (the code behind a record: a
    changed file gives new keys, never a stale record), and across processes not read
    again while ``os.stat`` gives its size, modification and status-change times, inode
    and device as when it was hashed, if these were older than :data:`DIGEST_RACY_NS`
    then (:data:`DIGEST_MEMO`)."""
    path = str(path)
    digest = _file_digests.get(path)
    if digest is None:
        try:  # the memo's stamp first (a stat, no open: 7 files in a first answer)
            where = os.path.abspath(path)
            st = os.stat(where)
            with _digest_lock:
                known = _digest_memo_table().get(where)
            if known is not None and known[:5] == _stat_key(st):
                _file_digests[path] = known[5]
                return known[5]
        except OSError:
            pass
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            stamp = _stat_key(st)
            with _digest_lock:
                memo = _digest_memo_table()
                known = memo.get(os.path.abspath(path))
            if known is not None and known[:5] == stamp:
                digest = known[5]
            else:
                digest = hashlib.sha256(fh.read()).hexdigest()
                if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < DIGEST_RACY_NS:
                    _file_digests[path] = digest  # changed just now: not kept on disk
                    return digest
                with _digest_lock:
                    memo[os.path.abspath(path)] = stamp + [digest]
                    while len(memo) > DIGEST_MEMO_MAX:
                        memo.pop(next(iter(memo)))
                    data = marshal.dumps(memo)
                save_blob(DIGEST_MEMO, DIGEST_MEMO_KEY, data)
        _file_digests[path] = digest
    return digest


# --- blobs with a tail: the signature over a small part (issue #17) ---------------------------
# A blob of kernel twins' code is 50 KB, and its HMAC (SHA-256 over every byte) was 0.14 ms
# of a new process's first answer, which runs a few of its 39 functions. A blob with a tail
# signs only its ``data``; the caller puts there the SHA-256 of each part of the tail it
# will take (:func:`tail_part`) and checks a part when it takes it, so each byte used is
# as trusted as a signed one, and the bytes never used are never hashed. Layout: ``<length
# of the signed section, 8 bytes><the section as save_blob writes a file: key, data,
# trailer, HMAC with context "blob+tail"><tail>``; its own context, so neither kind of
# file reads as the other.


def save_blob_tail(kind: str, key: str, data: bytes, tail: bytes) -> None:
    """:func:`save_blob` of ``data`` with ``tail`` after it, unsigned (see above: the caller
    signs its parts' digests inside ``data``)."""
    _save_blob(kind, key, data, b"blob+tail", tail)


def load_blob_tail(kind: str, key: str):
    """``(data, tail)`` as :func:`save_blob_tail` saved them under ``key``, or None (missing,
    foreign, truncated, swapped, unsigned). Only ``data`` is checked here: a part of
    ``tail`` is used through :func:`tail_part` with the digest ``data`` gives for it.

    >>> import hashlib
    >>> tail = b"some code"
    >>> save_blob_tail("doctest", "tail key", hashlib.sha256(tail).digest(), tail)
    >>> data, got = load_blob_tail("doctest", "tail key")
    >>> tail_part(got, 0, len(tail), data)
    b'some code'
    """
    if not enabled():
        return None
    try:
        secret = folder_key(cache_dir())
        if secret is None:
            return None
        path = _blob_path(kind, key)
        raw = read_trusted(path)
        if raw is None or len(raw) < 8:
            return None
        end = 8 + int.from_bytes(raw[:8], "little")
        if end > len(raw):
            return None
        body = _signed(raw[8:end], secret, b"blob+tail", kind.encode())
        if body is None:
            return None
        data = _blob_data(body, key)
        if data is None:
            return None
        _touch_soon(path)
        return data, memoryview(raw)[end:]
    except Exception:  # noqa: BLE001 - unreadable: a miss
        return None


def tail_part(tail, offset: int, length: int, digest: bytes) -> bytes | None:
    """Bytes ``offset`` to ``offset + length`` of a blob's tail (:func:`load_blob_tail`) if
    their SHA-256 is ``digest`` (which the caller read from the signed data), else None."""
    if not (isinstance(offset, int) and isinstance(length, int) and 0 <= offset
            and 0 <= length and offset + length <= len(tail)):
        return None
    part = bytes(tail[offset:offset + length])
    if not isinstance(digest, bytes) or not hmac.compare_digest(
            hashlib.sha256(part).digest(), digest):
        return None
    return part


# --- the per-folder secret key ----------------------------------------------------------------
KEY_NAME = "qsym-cache.key"
_KEY_SIZE = 32
_keys: dict = {}


def folder_key(folder) -> bytes | None:
    """The secret key that signs (HMAC-SHA256) what qsym writes in ``folder``: 32 random
    bytes in ``folder/qsym-cache.key`` (0o600), made by the first process that needs it
    (None if it can be neither read nor made). A file in the folder is used only with a
    valid signature: a file qsym did not write (planted or copied there, even by the same
    user, unless they read the key) or a damaged one is never unpickled or used."""
    folder = str(folder)
    key = _keys.get(folder)
    if key is not None:
        return key
    path = os.path.join(folder, KEY_NAME)
    key = _secret_in(path)
    if key is None:
        try:  # the first process's key is everyone's
            _write_first(path, os.urandom(_KEY_SIZE), lambda old: _secret_in(path) is not None)
        except OSError:
            return None
        key = _secret_in(path)
        if key is None:
            return None
    _keys[folder] = key
    return key


def _secret_in(path) -> bytes | None:
    """The key in ``path`` if it can be one: a trusted file (:func:`read_trusted`) of
    32 bytes that no other user can read either (on POSIX: mode 600, as qsym writes it).
    A key others could read (a folder restored or copied with other modes) may have been
    read: it is replaced by a new one, and what it signed is computed again."""
    key = read_trusted(path)
    if key is None or len(key) != _KEY_SIZE:
        return None
    if os.name == "posix":
        try:
            if os.lstat(path).st_mode & 0o077:
                return None
        except OSError:
            return None
    return key


def _mac(key: bytes, *parts: bytes) -> bytes:
    h = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()


# --- records ----------------------------------------------------------------------------------
# the kinds of record qsym keeps (a folder each): shift rules (qsym.rules), printed gate
# code (qsym._emit), a program's module name (qsym._interp), an optimization loop's source
# (qsym._minimize); cache_info counts each (records of any other folder are counted,
# evicted and cleared as well)
RECORD_KINDS = ("rules", "gate-code", "module-names", "loop-source")


def _record_path(kind: str, key: str) -> Path:
    return cache_dir() / kind / (hashlib.sha256(key.encode()).hexdigest() + ".json")


def record_mac(kind: str, key: str, payload, folder=None) -> str | None:
    """The signature of a record: HMAC-SHA256 of its kind, key and payload under the cache
    folder's key (:func:`folder_key`); None if there is no key."""
    secret = folder_key(cache_dir() if folder is None else folder)
    if secret is None:
        return None
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return _mac(secret, b"record", kind.encode(), key.encode(), body.encode()).hex()


def load_record(kind: str, key: str):
    """The JSON payload saved under ``key`` in folder ``kind`` of the cache, or None.

    A record is used only if the file is ours (:func:`read_trusted`), parses, holds
    exactly ``key`` (not only its hash: the file name is the key's SHA-256) and a valid
    signature (:func:`record_mac`); a missing, truncated, garbled, swapped or planted
    file is a miss. The callers also check what they read against the truth (a rule by
    its identities and against the gate's matrix, printed code by evaluating it).
    Nothing is read when the disk cache is off (``QSYM_CACHE=0``).

    >>> save_record("doctest", "some key", [1, "two"])
    >>> load_record("doctest", "some key"), load_record("doctest", "another key")
    ([1, 'two'], None)
    """
    if not enabled():
        return None
    path = None
    try:
        path = _record_path(kind, key)
        raw = read_trusted(path)
        if raw is None:
            logger.debug("cache miss: %s record %s", kind, path.name)
            return None
        record = json.loads(raw)
        if not isinstance(record, dict) or record.get("key") != key:
            logger.debug("cache rejected: %s holds another key", path)
            return None
        payload = record.get("payload")
        mac = record_mac(kind, key, payload)
        if mac is None or not isinstance(record.get("mac"), str):
            logger.debug("cache rejected: %s is not signed", path)
            return None
        if not hmac.compare_digest(record["mac"], mac):
            logger.debug("cache rejected: %s has a wrong signature", path)
            return None
        _touch_soon(path)
        logger.debug("cache hit: %s record %s", kind, path.name)
        return payload
    except Exception:  # missing, unreadable, not JSON: a miss
        logger.debug("cache rejected: %s record %s cannot be read", kind,
                     getattr(path, "name", key))
        return None


# --- blobs: signed bytes (issue #17) ----------------------------------------------------------
# What a record holds as JSON, a blob holds as bytes (marshal's form of a code object:
# qsym._tiers.stored_code), with no JSON or base64 around it: ``<key length, 8 bytes><key>
# <data><trailer><HMAC of the kind, the key and the data>``, in ``<kind>/<SHA-256 of the
# key>.bin``. Counted, evicted and cleared as the records are.


def _blob_path(kind: str, key: str) -> Path:
    return cache_dir() / kind / (hashlib.sha256(key.encode()).hexdigest() + ".bin")


def save_blob(kind: str, key: str, data: bytes) -> None:
    """Save ``data`` under ``key`` in folder ``kind`` (atomically, signed: :func:`load_blob`).
    Errors of the file system are ignored: a blob only saves time."""
    _save_blob(kind, key, data, b"blob")


def _save_blob(kind: str, key: str, data: bytes, context: bytes, tail=None) -> None:
    """Write ``<key length><key><data><trailer><HMAC of context, kind, key, data>`` to the
    blob's file; with a ``tail`` (:func:`save_blob_tail`), that signed section's length
    first and the unsigned tail after it."""
    if not enabled():
        return
    try:
        secret = folder_key(cache_dir())
        if secret is None:
            return
        k = key.encode()
        body = len(k).to_bytes(8, "little") + k + data
        raw = body + _TRAILER + _mac(secret, context, kind.encode(), body)
        if tail is not None:
            raw = len(raw).to_bytes(8, "little") + raw + tail
        path = _blob_path(kind, key)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        write_file(path, raw)
        _note_written(path.parent.parent, len(raw))
    except OSError:
        pass


def _blob_data(body: bytes, key: str):
    """The data of a signed blob section ``body`` if it was saved under ``key``, else None
    (another key's blob in this key's file: swapped)."""
    k = key.encode()
    if int.from_bytes(body[:8], "little") != len(k) or body[8:8 + len(k)] != k:
        return None
    return body[8 + len(k):]


def load_blob(kind: str, key: str) -> bytes | None:
    """The bytes :func:`save_blob` saved under ``key`` in folder ``kind``, or None: a
    missing, foreign (:func:`read_trusted`), truncated, swapped or unsigned file is a miss.

    >>> save_blob("doctest", "some key", b"\\x00\\x01")
    >>> load_blob("doctest", "some key"), load_blob("doctest", "another key")
    (b'\\x00\\x01', None)
    """
    if not enabled():
        return None
    try:
        secret = folder_key(cache_dir())
        if secret is None:
            return None
        path = _blob_path(kind, key)
        body = _signed(read_trusted(path), secret, b"blob", kind.encode())
        if body is None:
            return None
        data = _blob_data(body, key)
        if data is not None:
            _touch_soon(path)
        return data
    except Exception:  # noqa: BLE001 - unreadable: a miss
        return None


# --- records shipped with qsym ----------------------------------------------------------------
SHIPPED_RECORDS = Path(__file__).with_name("gate_records.json")
_shipped: dict | None = None
# the lines of a record key that say which build computed it, not what it is
_BUILD_LINES = ("qsym ", "rules.py ", "_emit.py ", "sympy ")


def shipped_key(kind: str, key: str) -> str:
    """The name of a record in the shipped table: SHA-256 of its kind and of ``key``
    without the lines that name qsym's version, the digest of the file that computes it
    and sympy's version (what the record is computed from stays: the gate's exact matrix,
    the parameter, shifts, storage)."""
    lines = [line for line in key.split("\n") if not line.startswith(_BUILD_LINES)]
    return hashlib.sha256("\n".join([kind] + lines).encode()).hexdigest()


def set_shipped(table):
    """Replace the shipped table for this process (``{}``: none, every miss is derived
    again; None: read the file again at the next miss); the old one.
    :func:`qsym._emit.ship_records` derives the table with ``{}``. The index by name
    (:func:`shipped_by_name`) serves only the table read from the file."""
    global _shipped
    old, _shipped = _shipped, table
    return old


class _FileTable(dict):
    """The table read from the file: its rows parsed when asked for (by the index's byte
    ranges, :func:`shipped_by_name`) or all at once (:func:`_shipped_table`). Its bytes
    are read at the first row asked for (a plan's shift rules need the index alone,
    :func:`shipped_numbers`: the seed's first gradient read the 130 KB file for nothing,
    issue #17), and only if the file's ``stat`` still gives ``stamp`` (size, modification
    and status-change times, inode, device: :func:`_stat_key`), the one it had when its
    digest chose the index; else no row (each miss derived)."""

    def __init__(self, path, stamp):
        super().__init__()
        self._path, self._stamp, self._raw = path, stamp, None
        self.complete = False

    @property
    def raw(self) -> bytes:
        raw = self._raw
        if raw is None:
            raw = b""
            if self._stamp is not None:
                try:
                    with open(self._path, "rb") as fh:
                        if _stat_key(os.fstat(fh.fileno())) == self._stamp:
                            raw = fh.read()
                except OSError:
                    pass
            self._raw = raw
        return raw


def _read_shipped() -> dict:
    """The shipped table as set for this process, else the file's (:class:`_FileTable`,
    read once per process), and the index by name with it."""
    global _shipped, _index, _index_table
    table = _shipped
    if table is None:
        try:  # (its stamp, then its SHA-256, as the index names it: the bytes later)
            stamp = _stat_key(os.stat(SHIPPED_RECORDS))
            digest = file_digest(SHIPPED_RECORDS)
        except OSError:
            stamp, digest = None, hashlib.sha256(b"").hexdigest()
        _index = _read_index(digest)
        table = _shipped = _index_table = _FileTable(SHIPPED_RECORDS, stamp)
    return table


def _shipped_table() -> dict:
    """The shipped table, every row (the file parsed once per process)."""
    table = _read_shipped()
    if isinstance(table, _FileTable) and not table.complete:
        try:
            rows = json.loads(table.raw)
        except ValueError:
            rows = {}
        table.update(rows if isinstance(rows, dict) else {})
        table.complete = True
    return table


def shipped_record(kind: str, key: str):
    """The payload qsym ships for the record ``key`` of ``kind`` (``rules``, ``gate-code``),
    or None: ``gate_records.json`` beside this file holds what qsym derives for the gate
    table's built-in gates (their shift rules and printed matrix code), made when qsym is
    built (:func:`qsym._emit.ship_records`), so that a gate's first use on a machine does
    not wait for sympy (0.05-1.5 s a gate kind). The callers check a shipped payload as
    they check a record read from the cache (a rule's identities and its derivative
    through the gate's exact matrix; code by evaluating it against that matrix) and save
    it to the cache as if derived. Read once per process, at the first miss."""
    return _shipped_table().get(shipped_key(kind, key))


# --- the shipped table by gate name (issue #17, third round) ----------------------------------
SHIPPED_INDEX = Path(__file__).with_name("gate_index.json")
# the files the shipped records are computed from: the index by name holds only while
# they (and sympy's version) are the ones it was made with
INDEX_SOURCES = ("_gates.py", "rules.py", "_emit.py")
_index: dict = {}
_index_table: dict | None = None


def index_sources_digest() -> str:
    """SHA-256 of what a built-in gate's records are computed from, by name: the gate
    table, the rule derivation and the printer (their files' bytes) and sympy's version."""
    import sympy

    h = hashlib.sha256(f"sympy {sympy.__version__}\n".encode())
    for name in INDEX_SOURCES:
        h.update(f"{name} {file_digest(Path(__file__).with_name(name))}\n".encode())
    return h.hexdigest()


# The index as ship_records writes it (index_text): its two digests on the first lines,
# then each section with one entry a line, so that a lookup parses its entry's line alone
# (issue #17: ``json.loads`` of the whole 36 KB file was 0.4-0.5 ms of a new process's
# first answer, which reads a few entries). Any other layout of the same JSON (written by
# hand, by json.dumps) is parsed whole, as before.
_INDEX_HEAD = '{\n"sources":'


def index_text(index: dict) -> str:
    """``index`` (``sources`` and ``table``: strings, every other key a section: a dict)
    written as JSON for :class:`_IndexText`: the digests first, then each section's
    entries one a line (compact, keys sorted).

    The third line is the SHA-256 of the text after it (``"body"``): a line damaged or
    edited since (its JSON still valid: an entry naming another record, a byte range of
    another row) makes the index unused (:func:`_read_index`), not a wrong record.

    >>> text = index_text({"sources": "s", "table": "t", "rules": {"b": [1, 2], "a": 3}})
    >>> print(text, end="")
    {
    "sources":"s",
    "table":"t",
    "body":"...",
    "rules":{
    "a":3,
    "b":[1,2]
    }
    }
    >>> body = hashlib.sha256(text[text.index('"rules"'):].encode()).hexdigest()
    >>> json.loads(text) == {"sources": "s", "table": "t", "body": body,
    ...                      "rules": {"b": [1, 2], "a": 3}}
    True
    """
    def dumps(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    parts = []
    for section in sorted(k for k in index if k not in ("sources", "table", "body")):
        rows = ",\n".join(f"{dumps(k)}:{dumps(v)}" for k, v in sorted(index[section].items()))
        parts.append(f"{dumps(section)}:{{\n{rows}\n}}" if rows else f"{dumps(section)}:{{\n}}")
    body = (",\n".join(parts) + "\n}\n") if parts else "}\n"
    head = [f'"sources":{dumps(index["sources"])}', f'"table":{dumps(index["table"])}',
            f'"body":{dumps(hashlib.sha256(body.encode()).hexdigest())}']
    return "{\n" + ",\n".join(head) + (",\n" if parts else "\n") + body


def _index_body_intact(text: str) -> bool:
    """Whether the text after the third line (``"body"``) of an :func:`index_text` layout
    has the SHA-256 that line names (about 30 us for the shipped 35 KB)."""
    start = text.find('\n"body":"')
    if start < 0:
        return False
    end = text.find("\n", start + 1)
    line = text[start + 1:end]
    digest = line[len('"body":"'):].removesuffix(",").removesuffix('"')
    return hashlib.sha256(text[end + 1:].encode()).hexdigest() == digest


class _IndexText:
    """The index file in :func:`index_text`'s layout, read as ``json.loads`` of it would
    be (``index.get("table")``, ``index.get(section, {}).get(key)``) but parsing only the
    lines asked for: a key's line is found by its exact JSON text at a line's start within
    its section (no value spans lines: compact JSON escapes line breaks)."""

    def __init__(self, text: str):
        self.text = text
        self._sections: dict = {}

    def _value(self, key, start: int, end: int):
        needle = "\n" + json.dumps(key) + ":"
        at = self.text.find(needle, start, end)
        if at < 0:
            return None
        at += len(needle)
        line = self.text[at:self.text.find("\n", at)]
        try:
            return json.loads(line.removesuffix(","))
        except ValueError:  # a damaged line: not found (the caller's checked path)
            logger.debug("gate index: entry %r unreadable; not used", key)
            return None

    def get(self, key, default=None):
        if key in ("sources", "table"):
            head_end = self.text.find("\n", self.text.find("\n", len(_INDEX_HEAD)) + 1)
            found = self._value(key, 0, head_end)  # (the first three lines)
            return default if found is None else found
        section = self._sections.get(key)
        if section is None:
            head = "\n" + json.dumps(key) + ":{\n"
            at = self.text.find(head)
            if at < 0:
                return default
            section = self._sections[key] = _IndexSection(self, at + len(head) - 1,
                                                          self.text.find("\n}", at + 1) + 1)
        return section


class _IndexSection:
    """One section of an :class:`_IndexText`: ``get(key)`` parses that entry's line."""

    def __init__(self, index: _IndexText, start: int, end: int):
        self.index, self.start, self.end = index, start, end

    def get(self, key, default=None):
        if not isinstance(key, str):
            return default
        found = self.index._value(key, self.start, self.end)
        return default if found is None else found


def _read_index(table_digest: str):
    """The index by name if it was made from these sources and this very table, else
    ``{}`` (then every record is found by its full key and checked, as before): an
    :class:`_IndexText` in ship_records' layout, else the file parsed whole."""
    try:
        text = SHIPPED_INDEX.read_bytes().decode()
        layout = text.startswith(_INDEX_HEAD)
        if layout and not _index_body_intact(text):  # (a line damaged or edited: stop 61)
            raise ValueError("the index's body digest does not match")
        index = _IndexText(text) if layout else json.loads(text)
        if (isinstance(index, (dict, _IndexText)) and index.get("table") == table_digest
                and index.get("sources") == index_sources_digest()):
            return index
    except (OSError, ValueError):
        pass
    logger.debug("the shipped index by gate name is missing or stale: not used")
    return {}


def shipped_sources_key() -> str | None:
    """What a built-in gate's shipped code by name (:func:`shipped_by_name`, ``gate-code``)
    is made from, as one string: the SHA-256 of the shipped table, of its index by name and
    of the index's sources (:func:`index_sources_digest`), each from the digest memo (a
    ``stat``, no file read: :func:`file_digest`); or None while this process reads a table
    set for it (:func:`set_shipped`), or a file is missing. A key of what is derived from a
    built-in gate's code (its kind function's compiled code, :func:`qsym._interp.kind_function`)
    without reading either file: an edit of any of them gives other keys.

    >>> key = shipped_sources_key()
    >>> key is None or len(key.split()) == 3
    True
    """
    global _sources_key
    if _shipped is not None and _shipped is not _index_table:
        return None
    files = (str(SHIPPED_RECORDS), str(SHIPPED_INDEX))
    if _sources_key is None or _sources_key[0] != files:  # (once per process and files,
        try:  # as each file's digest: file_digest)
            _sources_key = (files, f"{file_digest(SHIPPED_RECORDS)} "
                            f"{file_digest(SHIPPED_INDEX)} {index_sources_digest()}")
        except OSError:
            return None
    return _sources_key[1]


_sources_key: tuple | None = None  # ((table path, index path), shipped_sources_key())


def shipped_by_name(kind: str, name_key: str):
    """The shipped payload of a built-in gate variant's record by ``name_key`` (its gate
    name, parameter, wire count, hyperparameters: :func:`qsym.rules.rule_for_gate`,
    :func:`qsym._emit.gate_body`), or None. Made with the table (:func:`qsym._emit.ship_records`,
    ``gate_index.json``), from the same derivation whose exact matrix keys the table, and
    used only while its sources' digest (:func:`index_sources_digest`) and the table file's
    SHA-256 are the ones it was made with: the lookup needs no sympy key (the gate's exact
    matrix printed, 2-6 ms a gate kind) and no check against that matrix (the table is the
    installed package's, compared with a fresh derivation by tests/test_latency_records.py;
    the callers still run the checks that need no sympy). Built-in gates only: their rows
    cannot be redefined (:class:`qsym._gates.GateRegistry`).

    The row is parsed alone, from the byte range the index gives for it (``offsets``,
    written with the table; the index holds only for the table file whose SHA-256 it
    names): parsing the whole 130 KB table was half of a new process's first plan of a
    one-gate-kind circuit (issue #17)."""
    table = _read_shipped()
    if table is not _index_table:  # a table set for this process (tests, ship_records)
        return None
    name = _index.get(kind, {}).get(name_key)
    if name is None:
        return None
    row = table.get(name)
    if row is None and not table.complete:
        span = _index.get("offsets", {}).get(name)
        row = _row_at(table.raw, name, span)
        if row is None:  # (no range, or not this record's: the table parsed whole)
            return _shipped_table().get(name)
        table[name] = row
    return row


def _row_at(raw: bytes, name: str, span):
    """The table's row ``name`` from the byte range ``span`` of ``raw``, or None where the
    range is not a pair of ints that starts right after ``"name":`` and holds JSON."""
    if not (isinstance(span, list) and len(span) == 2
            and all(type(i) is int and 0 <= i <= len(raw) for i in span)):
        return None
    key = json.dumps(name).encode() + b":"
    if raw[max(0, span[0] - len(key)):span[0]] != key:
        return None
    try:
        return json.loads(raw[span[0]:span[1]])
    except ValueError:
        return None


def shipped_numbers(name_key: str):
    """The float form of a built-in gate variant's shift rule by ``name_key``
    (:func:`qsym.rules.rule_name_key`): ``{"terms": [[c, m, s], ...], "frequencies": [...]}``
    from the index's ``rule-numbers`` (written with the table by
    :func:`qsym._emit.ship_records` from the exact rule it ships), or None. Used only while
    the index is (:func:`shipped_by_name`: its sources' digest and the table file's
    SHA-256): a plan needs these floats only, so a rule's first use in a process parses no
    sympy text (issue #17); the exact form is the table's record, read when asked for."""
    if _read_shipped() is not _index_table:  # a table set for this process
        return None
    return _index.get("rule-numbers", {}).get(name_key)


def save_record(kind: str, key: str, payload) -> None:
    """Save a JSON ``payload`` under ``key`` (atomically; first writer wins, a damaged
    file is replaced). Errors of the file system are ignored: a record only saves time."""
    if not enabled():
        return
    try:
        mac = record_mac(kind, key, payload)
        if mac is None:
            return
        record = {"key": key, "payload": payload, "mac": mac}
        path = _record_path(kind, key)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        data = json.dumps(record, indent=1, sort_keys=True).encode()
        write_file(path, data)
        logger.debug("cache write: %s record %s (%d bytes)", kind, path.name, len(data))
        _note_written(path.parent.parent, len(data))
    except OSError:
        pass


# --- numba's cache files, checked ----------------------------------------------------------
_TRAILER = b"\x00qsym-hmac:"
_DIGEST_SIZE = 32
_checked_class = None


def _signed(raw: bytes | None, secret: bytes, *context: bytes) -> bytes | None:
    """The body of ``raw`` (body + trailer + HMAC of context and body), or None if the
    trailer or the signature does not match."""
    if raw is None:
        return None
    end = len(raw) - _DIGEST_SIZE - len(_TRAILER)
    if end < 0 or raw[end : end + len(_TRAILER)] != _TRAILER:
        return None
    body = raw[:end]
    if not hmac.compare_digest(raw[end + len(_TRAILER) :], _mac(secret, *context, body)):
        return None
    return body


# The methods of the checked cache file class (made by _checked_cache_file_class, whose
# base class, numba's IndexDataCacheFile, is imported only when numba caches are guarded).
def _cf_secret(self):
    return folder_key(self._cache_path)


def _cf_load_index(self):
    secret = self._secret()
    if secret is None:
        return {}
    raw = read_trusted(self._index_path)
    body = _signed(raw, secret, b"index", self._index_name.encode())
    if body is None:
        if raw is not None:
            logger.debug("cache rejected: numba index %s (damaged or unsigned)",
                         self._index_path)
        return {}
    try:
        stream = io.BytesIO(body)
        if pickle.load(stream) != self._version:
            return {}
        stamp, overloads = pickle.loads(stream.read())
    except Exception:  # pragma: no cover - the signature matched
        return {}
    if stamp != self._source_stamp or not isinstance(overloads, dict):
        return {}
    return overloads


def _cf_save_index(self, overloads):
    secret = self._secret()
    if secret is None:
        return
    body = pickle.dumps(self._version, protocol=-1) + self._dump(
        (self._source_stamp, overloads))
    mac = _mac(secret, b"index", self._index_name.encode(), body)
    with self._open_for_write(self._index_path) as fh:
        fh.write(body + _TRAILER + mac)


def _cf_save(self, key, data):
    """Save ``data`` (numba's compiled code for ``key``): its data file first, then the
    index entry that names it, so that whatever moment the writer is killed at, the
    index never lists code that is not on disk (numba's own order, index first, left an
    entry whose load failed: the next process found the signature "cached" and compiled
    it in the thread that was to load it). The data file is created under a name no
    other file has (:func:`_claim_data_file`): a process saving another signature of the
    same function at the same time never replaces this one's code with its own, which
    an index entry written by this process would then name."""
    secret = self._secret()
    if secret is None:
        return
    payload = self._dump(data)
    overloads = self._load_index()
    data_name = _claim_data_file(self, key, overloads, payload, secret)
    if data_name is None:
        return
    overloads = self._load_index()  # again: another process may have added its entries
    if overloads.get(key) != data_name:
        overloads[key] = data_name
        try:
            self._save_index(overloads)
        except BaseException:  # no index names it: the data file is not left behind
            try:
                os.unlink(self._data_path(data_name))
            except OSError:
                pass
            raise
    _compile_done(self._index_name, key, self._data_path(data_name), len(payload))
    _note_written(os.path.dirname(os.path.abspath(self._cache_path)), len(payload))


def _claim_data_file(self, key, overloads, payload, secret) -> str | None:
    """Write ``key``'s signed data file and return its name: the name the index gives
    ``key`` if it has one, else the first ``<function>.<n>.nbc`` that the index does not
    list and no file holds (created exclusively; a file of that name, another process's
    code not yet in the index or left by one killed before writing it, is never
    replaced unless it holds this very key's signed code). None if nothing could be
    written."""
    used = set(overloads.values())
    names = itertools.chain(
        [overloads[key]] if isinstance(overloads.get(key), str) else [],
        (n for n in map(self._data_name, itertools.count(1)) if n not in used))
    for tries, data_name in enumerate(names):
        if tries > 64:  # pragma: no cover - a folder full of other files
            return None
        path = self._data_path(data_name)
        mac = _mac(secret, b"data", self._index_name.encode(), data_name.encode(),
                   repr(key).encode(), payload)
        signed = payload + _TRAILER + mac
        context = (b"data", self._index_name.encode(), data_name.encode(), repr(key).encode())
        mine = tries == 0 and data_name == overloads.get(key)
        try:
            with _private_writer(path, exclusive=not mine,
                                 keep=lambda old: _signed(old, secret, *context) is not None
                                 ) as fh:
                fh.write(signed)
        except FileExistsError:
            continue  # another key's file: the next free name
        return data_name
    return None  # pragma: no cover


def _cf_load(self, key):
    secret = self._secret()
    if secret is None:
        return None
    data_name = self._load_index().get(key)
    if not isinstance(data_name, str):
        if _compile_started(self._index_name, key):
            logger.debug("cache miss: numba %s%s", self._index_name, _sig(key))
            say_kernel_compile(self._index_name, self._cache_path)
        return None
    payload = _signed(read_trusted(self._data_path(data_name)), secret, b"data",
                      self._index_name.encode(), data_name.encode(),
                      repr(key).encode())
    if payload is None:
        if _compile_started(self._index_name, key):
            logger.debug("cache rejected: numba file %s (missing, damaged or "
                         "unsigned)", self._data_path(data_name))
        return None
    try:
        data = pickle.loads(payload)
    except Exception:  # pragma: no cover - the signature matched
        return None
    logger.debug("cache hit: numba %s%s", self._index_name, _sig(key))
    return data


def _checked_cache_file_class():
    """:class:`numba.core.caching.IndexDataCacheFile` whose files are signed with the
    folder's key (:func:`folder_key`) and checked before numba unpickles them (None if
    this numba's cache files are not laid out as expected)."""
    global _checked_class
    if _checked_class is not None:
        return _checked_class or None
    try:
        from numba.core.caching import IndexDataCacheFile
    except ImportError:  # pragma: no cover
        _checked_class = False
        return None
    needed = ("_load_index", "_save_index", "_dump", "_data_name", "_data_path",
              "_open_for_write", "load", "save", "_index_path", "_index_name",
              "_source_stamp", "_version", "_cache_path")
    probe = IndexDataCacheFile.__new__(IndexDataCacheFile)
    try:
        IndexDataCacheFile.__init__(probe, "", "probe", None)
    except Exception:  # pragma: no cover
        _checked_class = False
        return None
    if not all(hasattr(probe, a) for a in needed):  # pragma: no cover
        _checked_class = False
        return None

    class _CheckedCacheFile(IndexDataCacheFile):
        """numba's index and data files, signed; each checked before it is unpickled.

        A file that is not ours (:func:`read_trusted`), unsigned, signed with another key,
        truncated, garbled or another function's counts as missing: numba compiles and
        rewrites it."""

        _secret = _cf_secret
        _load_index = _cf_load_index
        _save_index = _cf_save_index
        save = _cf_save
        load = _cf_load

        def _open_for_write(self, filepath):
            return _private_writer(filepath)

    _checked_class = _CheckedCacheFile
    return _checked_class


_compile_starts: dict = {}  # (index name, signature) -> when numba found no cached code
_said_kernel_compile = False
_say_lock = new_lock()


def kernel_function_name(index_name: str) -> str | None:
    """The kernel library function a numba index file name is of (``kernels.<name>-<line>``
    ...), or None for any other module's function.

    >>> kernel_function_name("_kernels.program_value-812.py312.nbi")
    'program_value'
    >>> kernel_function_name("_kernels.program_value-812.py312.nbi")  # a private module file
    'program_value'
    >>> kernel_function_name("qsym_gen_ab12.prepare-40.py312.nbi") is None
    True
    """
    # numba names the index after the module file: "kernels." or, private, "_kernels."
    module, dot, rest = index_name.partition(".")
    if not dot or module.lstrip("_") != KERNELS:
        return None
    return rest.split("-", 1)[0]


def kernel_compile_said() -> None:
    """Mark the kernel-library compile line as said: a command that prints its own progress
    (``qsym warmup``) calls this first."""
    global _said_kernel_compile
    with _say_lock:
        _said_kernel_compile = True


def say_kernel_compile(index_name: str, where) -> None:
    """One line on stderr, once per process, when numba finds no cached code of a kernel
    library function (:mod:`qsym._kernels`): compiling it takes seconds (the library's big
    entry points about 10-40 s each on a 2-core machine), once per machine and qsym
    version. Silent with ``QSYM_QUIET=1`` (``qsym warmup`` prints its own progress)."""
    global _said_kernel_compile
    name = kernel_function_name(index_name)
    if name is None or os.environ.get("QSYM_QUIET", "").strip().lower() in (
            "1", "true", "yes", "on"):
        return
    with _say_lock:
        if _said_kernel_compile:
            return
        _said_kernel_compile = True
    sys.stderr.write(
        f"qsym: first use on this machine: numba is compiling qsym's kernel library "
        f"(starting with {name}: about 10-60 s, once per machine and qsym version, cached "
        f"in {where}); `qsym warmup` does it ahead of time\n")
    sys.stderr.flush()


def _sig(key) -> str:
    """A numba cache key's signature, short, for the log: ``(complex128[:], int64)``."""
    def short(t):
        if hasattr(t, "dtype") and hasattr(t, "ndim"):
            return f"{t.dtype}[{', '.join([':'] * t.ndim)}]"
        return str(t)

    try:
        return "(" + ", ".join(short(t) for t in key[0]) + ")"
    except Exception:  # pragma: no cover
        return repr(key)[:80]


def _compile_started(index_name: str, key) -> bool:
    """Note when numba found no cached code for ``key`` (False if already noted)."""
    tag = (index_name, repr(key))
    if tag in _compile_starts:
        return False
    _compile_starts[tag] = time.perf_counter()
    return True


def _compile_done(index_name: str, key, path, nbytes: int) -> None:
    """Log numba's write of compiled code, with the compile time (since the miss)."""
    start = _compile_starts.pop((index_name, repr(key)), None)
    if start is None:
        logger.debug("cache write: numba %s%s (%d bytes)", path, _sig(key), nbytes)
    else:
        logger.debug("compiled %s%s in %.3f s; cache write: %s (%d bytes)",
                     index_name.rsplit("-", 1)[0], _sig(key), time.perf_counter() - start,
                     path, nbytes)


class _private_writer:
    """Write ``path`` through a private (0o600) temporary file, then rename it. With
    ``exclusive``, a file already at ``path`` is replaced only if ``keep(its trusted
    bytes)`` is true; else :class:`FileExistsError` is raised after the ``with`` block
    (and nothing is replaced)."""

    def __init__(self, path, exclusive=False, keep=None):
        self.path = path
        self.exclusive = exclusive
        self.keep = keep

    def __enter__(self):
        folder = os.path.dirname(self.path) or "."
        # the folder may have been deleted meanwhile (rm -r of the cache folder while a
        # process runs): make it again rather than fail numba's compile
        makedirs_private(folder)
        fd, self.tmp = tempfile.mkstemp(dir=folder, prefix=".nb.", suffix=".tmp")
        self.fh = os.fdopen(fd, "wb")
        return self.fh

    def __exit__(self, kind, value, tb):
        self.fh.close()
        try:
            if kind is None and not self.exclusive:
                os.replace(self.tmp, self.path)
            elif kind is None:
                try:
                    os.link(self.tmp, self.path)  # creates path only if absent
                except FileExistsError:
                    if not self.keep(read_trusted(self.path)):
                        raise
                    os.replace(self.tmp, self.path)  # this key's own file: rewritten
                except OSError:  # no hard links on this file system
                    if os.path.exists(self.path) and not self.keep(read_trusted(self.path)):
                        raise FileExistsError(self.path) from None
                    os.replace(self.tmp, self.path)
        finally:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass
        return False


# --- saving compiled code: never the call's failure ---------------------------------------
_saving_class = None


def _save_overload(self, sig, data):
    """numba's ``save_overload``; a failure to write the disk cache is logged and warned
    about once, never raised: the function is compiled and installed before numba saves
    it, so the call has its machine code either way (only the next process compiles it
    again). numba raised ``RuntimeError: no compiled object yet for <Library ...>`` here
    when the object code of a fresh compile had not been recorded, failing a call whose
    result was ready; a full disk or a folder removed meanwhile raised ``OSError``."""
    try:
        _saving_class.__base__.save_overload(self, sig, data)  # numba's FunctionCache
        keep_runtime(getattr(data, "target_context", None))  # (data: the compile result)
    except Exception as exc:  # noqa: BLE001 - the cache is an optimization
        logger.debug("cache: numba could not save %s%s", self._name, sig, exc_info=True)
        _warn_once(("numba-save", type(exc).__name__),
                   f"qsym cache: numba could not write the compiled code of {self._name} to "
                   f"its disk cache ({type(exc).__name__}: {exc}); it runs compiled in this "
                   "process and is compiled again in the next (shown once per process)")


def _saving_cache_class():
    """:class:`numba.core.caching.FunctionCache` whose ``save_overload`` never fails the
    call that compiled (:func:`_save_overload`); None if numba has no such class."""
    global _saving_class
    if _saving_class is None:
        try:
            from numba.core.caching import FunctionCache
        except ImportError:  # pragma: no cover
            FunctionCache = None
        _saving_class = hasattr(FunctionCache, "save_overload") and type(
            "_SavingFunctionCache", (FunctionCache,), {
                "__doc__": "numba's function cache; a failed save is a warning, not an error.",
                "save_overload": _save_overload})
    return _saving_class or None


# --- loading cached code without numba's compiler set-up -----------------------------------
# numba versions whose cache loading was checked to need only what _runtime_ready does
_LAZY_NUMBA_VERSIONS = ((0, 68),)
_lazy_class = None


def _runtime_ready(target_context) -> None:
    """What machine code loaded from numba's cache needs from the process: the runtime's
    (NRT) symbols, and the hash secret's (the only symbols numba's optional modules add at
    import) for code that names them (:func:`_hash_secret_for`). The C helpers, math
    functions and exception objects are added when numba's CPU context is created; parallel
    code re-runs its own set-up (``reload_init``). The runtime's functions come from the
    cache folder when a process kept them (:func:`_runtime_from_blob`)."""
    from numba.core.runtime import rtsys

    if not getattr(rtsys, "_init", True):
        _runtime_from_blob(target_context, rtsys)
    rtsys.initialize(target_context)


def _hash_secret_for(kind: str, data) -> None:
    """Import ``numba.cpython.hashing`` (it adds the ``_numba_hashsecret_*`` symbols, with
    numba's random and bytes support: 3 ms) before a cached library of ``kind`` is loaded,
    unless it is object code that does not name them (qsym's kernels hash nothing)."""
    if kind != "object" or b"_numba_hashsecret_" in data[0]:
        import numba.cpython.hashing  # noqa: F401


# --- numba's runtime functions, kept (issue #17) ----------------------------------------------
# numba compiles its runtime's LLVM functions (NRT: reference counts, atomics, the
# unresolved-symbol abort; ``rtsys.initialize``) in every process, with LLVM: 20 ms of CPU
# before a loaded kernel's first call (the 12x8 HEA's first parameter-shift gradient, whose
# kernel cannot run as a twin). A process that compiled numba code keeps that library's
# object code in the cache folder (signed, as every blob; keyed by numba's and llvmlite's
# versions, Python's and numba's target: triple, CPU and features), and a process that loads
# cached kernels installs it instead of compiling it: as numba installs a cached function's
# library (object code, and bitcode for linking into later compiles).
_RUNTIME_KIND = "numba-runtime"
_runtime_kept = False  # this process has looked at (and if need be saved) the blob
runtime_from_blob = False  # this process's runtime functions came from the blob (tests)


def _runtime_key(target_context) -> str:
    """The runtime blob's key: what its code depends on. Besides the versions and the
    target, numba's settings that its runtime generator reads (``nrtdynmod``): a process
    with ``NUMBA_DEBUG_NRT=1`` writes code printing every reference count, and with
    ``NUMBA_DEBUG_NRT_STACK_LIMIT`` too, ``NRT_incref``/``NRT_decref`` taking a second
    argument (loaded by a process without them, they printed through a pointer never
    passed)."""
    import llvmlite
    import numba
    from numba.core import config
    from numba.core.runtime import nrtdynmod

    settings = sorted((k, repr(v)) for k, v in vars(config).items() if "NRT" in k)
    return (f"numba runtime\n{numba.__version__}\n{llvmlite.__version__}\n{sys.version}\n"
            f"{target_context.codegen().magic_tuple()}\n{settings}\n"
            f"{getattr(nrtdynmod, 'print_nrt_stack', None)!r} {config.MACHINE_BITS}")


def _runtime_from_blob(target_context, rtsys) -> None:
    """``rtsys.initialize`` with the runtime's library unserialized from the kept blob (its
    C helpers' symbols registered first, by numba, as for a compile); without a usable blob,
    or if it fails to load, numba compiles it as before."""
    global runtime_from_blob
    from numba.core.runtime import nrtdynmod

    try:
        data = load_blob(_RUNTIME_KIND, _runtime_key(target_context))
    except Exception:  # noqa: BLE001 - no key: numba's own way
        data = None
    if data is None:  # compiled by numba (kept by the next process that compiles code:
        return  # LLVM work in a background thread here could hold its lock across a fork)
    compile_ = nrtdynmod.compile_nrt_functions

    def from_blob(ctx):
        global runtime_from_blob
        try:
            library = ctx.codegen().unserialize_library(pickle.loads(data))
        except Exception:  # noqa: BLE001 - a blob numba cannot load: compiled here
            logger.debug("cache: the kept numba runtime did not load", exc_info=True)
            return compile_(ctx)
        runtime_from_blob = True
        return library

    nrtdynmod.compile_nrt_functions = from_blob  # (under numba's compiler lock: a load)
    try:
        rtsys.initialize(target_context)
    finally:
        nrtdynmod.compile_nrt_functions = compile_


def keep_runtime(target_context) -> None:
    """Save numba's runtime library in the cache folder if no process has (once per
    process; a compiling process calls it when numba saves a function): its object code
    emitted from a copy of its final module by numba's target machine, its bitcode for
    linking. Errors are ignored: the blob only saves time."""
    global _runtime_kept
    if _runtime_kept:
        return
    _runtime_kept = True
    try:
        from numba.core.runtime import rtsys

        if target_context is None or not enabled() or not getattr(rtsys, "_init", False):
            return
        key = _runtime_key(target_context)
        if load_blob(_RUNTIME_KIND, key) is not None:
            return
        import llvmlite.binding as ll

        library = rtsys.library
        module = ll.parse_bitcode(library._final_module.as_bitcode())
        obj = target_context.codegen()._tm.emit_object(module)
        state = (library.name, "object", (obj, library._get_module_for_linking().as_bitcode()))
        save_blob(_RUNTIME_KIND, key, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - the cache is an optimization
        logger.debug("cache: numba's runtime not kept", exc_info=True)


# --- what a loaded function's first call does not need, deferred (issue #17) -----------------
# Loading a cached kernel cost a new process 43-49 ms of CPU (the 12x8 HEA's parameter-shift
# kernel), a third of it for what its calls never use: (1) numba rebuilds the Environment
# of every function the library holds (61 for that kernel) with the globals of the module
# that defined it, importing numba's array, unicode, sorting and slicing implementations
# (14-16 ms); nopython code reads only an environment's constants, never its globals (those
# are object mode's, which numba's own modules do not use); (2) it parses the library's
# bitcode (365 KB: 13 ms) and walks it for the engine's table of defined symbols: both
# serve only a later compile that links the library, or a symbol look-up by name. Here a
# numba module not yet imported gets an Environment whose globals name the module (the
# constants are the cached ones; ``can_cache`` still sees ``__name__``), and the bitcode is
# parsed when first needed: the library's module for linking, or the engine asked about a
# symbol it does not know yet. The machine code is numba's object code, as before.
_deferred_lock = new_lock()


def _stand_in_env(modname, consts, env_name):
    """``numba.core.environment._rebuild_env`` without importing a numba module that is
    not imported yet (its globals: only ``__name__``); every other module as numba does."""
    from numba.core import environment

    if modname in sys.modules or not str(modname).startswith("numba."):
        return _numba_rebuild_env(modname, consts, env_name)
    env = environment.lookup_environment(env_name)
    if env is not None:
        return env
    env = environment.Environment({"__name__": modname})
    env.consts[:] = consts
    env.env_name = env_name
    environment.Environment._memo[env_name] = env
    return env


_numba_rebuild_env = None
_lazy_library = None


def _lazy_library_class(codegen):
    """numba's JIT code library whose bitcode for linking is parsed at its first use (None
    for a codegen whose libraries are of another class)."""
    global _lazy_library
    import llvmlite.binding as ll
    from numba.core.codegen import JITCodeLibrary

    base = codegen._library_class
    if base is not JITCodeLibrary:
        return None
    if _lazy_library is not None:
        return _lazy_library

    class _DeferredLinkLibrary(base):
        _bitcode = None  # the bitcode not parsed yet (then _shared_module is None)

        @property
        def _shared_module(self):
            if self._bitcode is not None:
                self._parse()
            return self.__dict__.get("_shared")

        @_shared_module.setter
        def _shared_module(self, module):
            self.__dict__["_shared"] = module

        def _parse(self):
            with _deferred_lock:
                data = self._bitcode
                if data is None:
                    return
                module = ll.parse_bitcode(data)
                self.__dict__["_shared"] = module
                engine = self._codegen._engine
                type(engine)._load_defined_symbols(engine, module)
                self._bitcode = None
                _unparsed(engine).discard(self)

        def get_pointer_to_function(self, name):
            # the entry points numba looks up right after loading: the engine's own look-up
            # (0 for a name no loaded code defines), then numba's way once parsed
            if self._bitcode is not None:
                self._ensure_finalized()
                address = self._codegen._engine.get_function_address(name)
                if address:
                    return address
                self._parse()
            return super().get_pointer_to_function(name)

    _lazy_library = _DeferredLinkLibrary
    return _lazy_library


def _unparsed(engine) -> weakref.WeakSet:
    """The libraries of numba's JIT ``engine`` whose symbols it does not know yet; the
    engine's ``is_symbol_defined`` parses them before it answers no (installed once)."""
    pending = engine.__dict__.get("_qsym_pending")
    if pending is None:
        pending = engine.__dict__["_qsym_pending"] = weakref.WeakSet()
        known = type(engine).is_symbol_defined

        def is_symbol_defined(name):
            if known(engine, name):
                return True
            with _deferred_lock:  # (the set changes under this lock only)
                libraries = list(pending)
            for library in libraries:
                library._parse()
            return known(engine, name)

        engine.is_symbol_defined = is_symbol_defined
    return pending


def _unserialize_deferred(codegen, state):
    """``codegen.unserialize_library`` with an object-code library's bitcode parsed later
    (numba's own ``_unserialize`` otherwise)."""
    name, kind, data = state
    _hash_secret_for(kind, data)
    cls = _lazy_library_class(codegen)
    if kind != "object" or cls is None:
        return type(codegen).unserialize_library(codegen, state)
    object_code, shared_bitcode = data
    library = cls(codegen, name)
    library.enable_object_caching()
    library._set_compiled_object(object_code)
    library._bitcode = shared_bitcode
    pending = _unparsed(codegen._engine)
    with _deferred_lock:
        pending.add(library)
    library._finalize_final_module()
    return library


# numba broadcasts a ``numba:llvm_lock`` event pair around every call into LLVM's C API
# (a callback pair it registers with llvmlite's lock). A cached load makes 100-300 such
# calls (its environments set, symbols looked up): about 1.5 ms of GIL-held Python a
# kernel, 2.7 ms of the 12x8 HEA's first parameter-shift gradient (four libraries: issue
# #17, stop 69), for timers that record nothing then (``Dispatcher.compile`` charges the
# lock's time to a compile result, which a load has not made yet). numba's pair is wrapped
# once per process so that a thread inside :func:`_deferred_load` skips it; every other
# call, thread and compile broadcasts as before.
_quiet_load = threading.local()  # .depth: this thread is inside _deferred_load
_lock_events_wrapped: bool | None = None  # numba's pair wrapped (False: not found)


def _numba_lock_callbacks(lock) -> list:
    """The positions of numba's ``llvm_lock`` callback pair in llvmlite ``lock``'s list."""
    found = []
    for k, pair in enumerate(getattr(lock, "_cblist", None) or ()):
        acq = pair[0] if isinstance(pair, tuple) and len(pair) == 2 else None
        if (getattr(acq, "__module__", None) == "numba.core.base" and getattr(
                acq, "__qualname__", "") == "_initialize_llvm_lock_event.<locals>.enter_fn"):
            found.append(k)
    return found


def quiet_lock_events() -> bool:
    """Wrap numba's ``llvm_lock`` event callbacks (once; see ``_quiet_load``) so that a
    thread loading a cached function does not broadcast them; whether they are wrapped
    (False where llvmlite's lock or numba's pair is not as known: nothing changed).

    >>> quiet_lock_events() in (True, False)
    True
    """
    global _lock_events_wrapped
    if _lock_events_wrapped is not None:
        return _lock_events_wrapped
    from llvmlite.binding import ffi

    lock = getattr(ffi.lib, "_lock", None)
    raw = getattr(lock, "_lock", None)
    if raw is None or not isinstance(getattr(lock, "_cblist", None), list):
        _lock_events_wrapped = False
        return False
    with raw:  # (no thread is between a pair's two calls: each holds this lock between)
        if _lock_events_wrapped is None:
            places = _numba_lock_callbacks(lock)
            for k in places:
                lock._cblist[k] = _quiet_pair(*lock._cblist[k])
            _lock_events_wrapped = bool(places)
    return _lock_events_wrapped


def _quiet_pair(acq, rel) -> tuple:
    """numba's callback pair, skipped on a thread inside :func:`_deferred_load`."""
    def quiet_acq():
        if not getattr(_quiet_load, "depth", 0):
            acq()

    def quiet_rel():
        if not getattr(_quiet_load, "depth", 0):
            rel()

    return quiet_acq, quiet_rel


@contextlib.contextmanager
def _deferred_load(target_context):
    """While numba loads a cached function (under its compiler lock): environments and
    bitcode deferred as above, numba's ``llvm_lock`` events not broadcast by this thread
    (:func:`quiet_lock_events`)."""
    global _numba_rebuild_env
    from numba.core import environment
    from numba.core.compiler_lock import global_compiler_lock

    quiet_lock_events()
    with global_compiler_lock:
        codegen = target_context.codegen()
        if _numba_rebuild_env is None:
            _numba_rebuild_env = environment._rebuild_env
        environment._rebuild_env = _stand_in_env
        codegen.unserialize_library = functools.partial(_unserialize_deferred, codegen)
        # (changed between LLVM calls only: each pair's two callbacks see one value)
        _quiet_load.depth = getattr(_quiet_load, "depth", 0) + 1
        try:
            yield
        finally:
            _quiet_load.depth -= 1
            environment._rebuild_env = _numba_rebuild_env
            codegen.__dict__.pop("unserialize_library", None)


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
    saving = _saving_cache_class()
    if saving is None or version not in _LAZY_NUMBA_VERSIONS or not all(
        hasattr(FunctionCache, a) for a in needed
    ):  # pragma: no cover
        _lazy_class = False
        return None

    class _LazyFunctionCache(saving):
        """numba's function cache; a hit is loaded without the compiler's registries."""

        def load_overload(self, sig, target_context):
            try:
                with self._guard_against_spurious_io_errors(), _deferred_load(target_context):
                    _runtime_ready(target_context)  # (its bitcode deferred too)
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


_numba_dirs: dict = {}  # numba cache folder -> None (usable) or why not


def _numba_dir_problem(path) -> str | None:
    """Why numba's cache folder ``path`` cannot be trusted, or None. A folder of ours
    that others could write is made private (``chmod go-w``; its files are still checked
    one by one, :func:`read_trusted`, and by their signatures)."""
    path = str(path)
    if path in _numba_dirs:
        return _numba_dirs[path]
    try:
        st = os.stat(path)
    except OSError:
        problem = None  # numba creates it when it first saves (inside a checked folder)
    else:
        problem = _owner_problem(st)
        # ours, and others may write it ("can be written by other users"): made private
        if problem and (not hasattr(os, "getuid") or st.st_uid == os.getuid()):
            try:
                os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
                problem = _owner_problem(os.stat(path))
            except OSError:
                pass
            if problem is None:
                _warn_once(("numba-dir", path),
                           f"qsym cache: numba's cache folder {path} could be written by "
                           "other users; qsym made it writable by you only (chmod go-w)")
    _numba_dirs[path] = problem
    return problem


def guard_numba_caches(mod) -> None:
    """Read the numba cache files of ``mod``'s ``cache=True`` functions through
    :class:`_CheckedCacheFile`, and load them with :func:`_lazy_cache_class` (before their
    first call, when numba first reads them).

    If the files cannot be checked (a numba whose cache is laid out otherwise, or a cache
    folder that belongs to another user), numba's disk cache is turned off for these
    functions, with a warning: numba would unpickle whatever the folder holds."""
    cls = _checked_cache_file_class()
    lazy = _lazy_cache_class()
    for value in numba_cached_functions(mod):
        cache_obj = value._cache
        cache_file = cache_obj._cache_file
        if cls is None:
            problem = "cannot be checked with this numba version"
        elif type(cache_file) is cls:
            problem = None
        elif type(cache_file) is cls.__base__:
            problem = _numba_dir_problem(cache_file._cache_path)
            if problem is None:
                cache_file.__class__ = cls
        else:  # pragma: no cover
            problem = f"is read by {type(cache_file).__name__}, which qsym cannot check"
        if problem is not None:
            cache_obj.disable()
            _warn_once(("numba-off", str(cache_file._cache_path)),
                       f"qsym cache: numba's cache folder {cache_file._cache_path} {problem}; "
                       f"the functions of {mod.__name__} are compiled in memory instead (fix "
                       "the folder's owner and mode, or set NUMBA_CACHE_DIR)")
            continue
        saving = _saving_cache_class()
        if saving is not None and type(cache_obj) is saving.__base__:
            cache_obj.__class__ = saving
        if lazy is not None and type(cache_obj) is lazy.__base__:
            cache_obj.__class__ = lazy


# --- where numba caches qsym's own functions ------------------------------------------------
KERNELS = "kernels"  # the cache folder's subfolder for numba's files of qsym's kernel library
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_kernel_dirs: list = []  # numba cache folders this process's qsym functions use
_locator = None


def _install_name() -> str:
    """This copy of qsym's subfolder name in ``kernels/``: named by where it is installed,
    as numba names its folders, so that two copies (a checkout and an installed wheel)
    sharing one cache folder do not overwrite each other's numba index."""
    return "qsym_" + hashlib.sha1(_PACKAGE_DIR.encode()).hexdigest()[:16]


def kernel_cache_dir(folder=None) -> Path:
    """The folder numba caches qsym's kernel library in: ``kernels/qsym_<hash>`` in the
    cache folder (default :func:`cache_dir`, as it is when the kernels are imported; with
    ``QSYM_CACHE=0`` the process's temporary folder, compiled again in each process).

    >>> kernel_cache_dir("/some/cache").parent == Path("/some/cache/kernels")
    True
    """
    folder = cache_dir() if folder is None else Path(folder)
    return folder / KERNELS / _install_name()


def _is_package_file(py_file) -> bool:
    try:
        path = os.path.abspath(py_file)
    except (TypeError, ValueError):
        return False
    return os.path.dirname(path) == _PACKAGE_DIR or path.startswith(_PACKAGE_DIR + os.sep)


def _locator_class():
    """numba's cache locator for functions defined in qsym's own files (the kernel
    library): their cache goes to :func:`kernel_cache_dir`, under the one folder that
    ``QSYM_CACHE_DIR`` moves and ``QSYM_CACHE=0`` turns off, instead of the installed
    package's ``__pycache__`` (numba's :class:`numba.core.caching.InTreeCacheLocator`).
    Not used when ``NUMBA_CACHE_DIR`` is set (numba's own setting), nor for other files
    (generated modules are cached beside their file in the cache folder, as before)."""
    global _locator
    if _locator is not None:
        return _locator or None
    try:
        from numba.core import caching, config

        bases = (caching._SourceFileBackedLocatorMixin, caching._CacheLocator)
    except (ImportError, AttributeError):  # pragma: no cover - another numba's layout
        _locator = False
        return None

    class _QsymCacheLocator(*bases):
        """numba's cache of a function in qsym's package: in :func:`kernel_cache_dir`."""

        def __init__(self, py_func, py_file, path):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(path)

        def ensure_cache_path(self):
            makedirs_private(self._cache_path)
            tempfile.TemporaryFile(dir=self._cache_path).close()

        def get_cache_path(self):
            return self._cache_path

        @classmethod
        def from_function(cls, py_func, py_file):
            moved = _relocated.get(os.path.abspath(py_file)) if py_file else None
            if moved is not None:  # an export run by qsym.load: in its own folder, always
                self = cls(py_func, py_file, moved)
                try:
                    self.ensure_cache_path()
                except OSError as exc:
                    logger.debug("cache: numba cannot cache in %s (%s)", moved, exc)
                    return None  # guard_export_caches turns numba's cache off then
                return self
            if config.CACHE_DIR or not _is_package_file(py_file):
                return None
            if not os.path.exists(py_file):
                return None
            # the private folder only if the cache folder cannot be written (made lazily)
            for where in (kernel_cache_dir, lambda: kernel_cache_dir(_private_dir())):
                path = where()
                self = cls(py_func, py_file, path)
                try:
                    self.ensure_cache_path()
                except OSError as exc:
                    logger.debug("cache: numba cannot cache in %s (%s)", path, exc)
                    if where is kernel_cache_dir and enabled():
                        _warn_kernel_dir(path, exc)
                    continue
                if self._cache_path not in _kernel_dirs:
                    _kernel_dirs.append(self._cache_path)
                    logger.debug("cache: numba caches qsym's kernel library in %s",
                                 self._cache_path)
                return self
            return None  # pragma: no cover - not even a temporary folder can be written

    _locator = _QsymCacheLocator
    return _locator


def _warn_kernel_dir(path, exc) -> None:
    """Once per folder: numba cannot keep qsym's kernel library in ``path`` (e.g.
    ``kernels`` in the cache folder is a file or cannot be written), so every process
    compiles it again (tens of seconds) in a private folder."""
    _warn_once(("kernels", str(path)),
               f"qsym cache: numba cannot keep qsym's kernel library in {path} "
               f"({exc.strerror or exc}); it is compiled again in every process (10-60 s) "
               "in a private temporary folder. Remove or fix what is in the way (the "
               f"'{KERNELS}' entry of the cache folder must be a folder you own and can "
               "write), or set QSYM_CACHE_DIR to another folder.")


def _register_locator() -> None:
    """Put :func:`_locator_class` first in numba's list of cache locators (it declines
    every function that is not qsym's, and everything when ``NUMBA_CACHE_DIR`` is set).
    Runs when this module is imported, which qsym's kernel library does before it
    defines its functions (numba picks a function's locator when it is decorated)."""
    cls = _locator_class()
    try:
        from numba.core.caching import CacheImpl

        classes = CacheImpl._locator_classes
    except (ImportError, AttributeError):  # pragma: no cover - another numba's layout
        logger.debug("cache: this numba has no cache locator list; qsym's kernel library "
                     "is cached where numba puts it")
        return
    if cls is not None and cls not in classes:
        classes.insert(0, cls)  # the list object is shared by numba's subclasses


EXPORTS = "exports"  # the cache folder's subfolder for numba's files of loaded exports
_relocated: dict = {}  # an exported file run by qsym.load -> the folder numba caches it in


def export_cache_dir(digest: str, name: str, folder=None) -> Path:
    """The folder numba caches an exported module run by :func:`qsym.load` in:
    ``exports/<hash>`` in the cache folder (default :func:`cache_dir`), never the
    ``__pycache__`` beside the file, whose files numba would unpickle whoever wrote them.

    The hash is of the file's SHA-256 ``digest`` and the module's name ``name``
    (:func:`qsym._aot.module_name`, which depends on where the file is): numba's index is
    keyed by the file's contents, but its data files name the module they were compiled
    in, so a copy of the same bytes elsewhere cannot use them (it would find the index,
    fail to load the code and compile in a thread instead of a background process).

    >>> a = export_cache_dir("ab" * 32, "qsym_export_1", "/some/cache")
    >>> b = export_cache_dir("ab" * 32, "qsym_export_2", "/some/cache")
    >>> a.parent == b.parent == Path("/some/cache/exports"), a == b
    (True, False)
    """
    folder = cache_dir() if folder is None else Path(folder)
    key = hashlib.sha256(f"{digest}\0{name}".encode()).hexdigest()
    return folder / EXPORTS / key[:32]


def relocate_numba_cache(py_file, folder) -> None:
    """numba's cache of the ``cache=True`` functions that the code compiled with file name
    ``py_file`` defines from now on goes to ``folder`` (checked and signed there by
    :func:`guard_export_caches`), whatever the file system holds beside ``py_file``."""
    _relocated[os.path.abspath(str(py_file))] = str(folder)


def guard_export_caches(mod, folder) -> None:
    """:func:`guard_numba_caches` for an exported module run by :func:`qsym.load`: its
    functions' numba caches must be in ``folder`` (:func:`relocate_numba_cache`); one that
    is anywhere else (the folder not writable, ``NUMBA_CACHE_LOCATOR_CLASSES`` replacing
    numba's locators) is turned off, and compiles in memory."""
    for value in numba_cached_functions(mod):
        cache_file = value._cache._cache_file
        if os.path.abspath(str(cache_file._cache_path)) != os.path.abspath(str(folder)):
            value._cache.disable()
    guard_numba_caches(mod)


def kernel_cache_dirs() -> list:
    """The folders numba caches qsym's kernel library in for this process (normally one:
    :func:`kernel_cache_dir` when the library was imported; none if ``NUMBA_CACHE_DIR``
    holds it)."""
    return [Path(p) for p in _kernel_dirs]


# --- size bound, eviction, inspection ----------------------------------------------------------
DEFAULT_MAX_MB = 1024
GRACE_SECONDS = 0  # entries used or written this recently are never evicted (see evict)
TEMP_GRACE_SECONDS = 3600  # a writer's temporary file is garbage only after this long
_estimates: dict = {}  # cache folder -> its bytes at the last scan + what was written since


def max_bytes() -> int | None:
    """The size bound of the cache folder: ``$QSYM_CACHE_MAX_MB`` megabytes (MiB; default
    1024), or None for no bound (``QSYM_CACHE_MAX_MB=unlimited``). A value that is not a
    positive number gets a warning and the default."""
    text = os.environ.get("QSYM_CACHE_MAX_MB", "").strip().lower()
    if not text:
        return DEFAULT_MAX_MB << 20
    if text in ("unlimited", "none", "inf", "off"):
        return None
    try:
        value = float(text)
        if not value > 0 or value == float("inf"):
            raise ValueError
    except ValueError:
        _warn_once(("max", text),
                   f"qsym cache: QSYM_CACHE_MAX_MB={text!r} is not a positive number of "
                   f"megabytes (or 'unlimited'); using the default, {DEFAULT_MAX_MB}")
        return DEFAULT_MAX_MB << 20
    return int(value * (1 << 20))


_RECORD_NAME = re.compile(r"(?:[0-9a-f]{64}\.(?:json|bin)|\.[0-9a-f]{64}\..*\.tmp)\Z")


def _is_temp(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def _entries(folder: Path) -> dict:
    """The cache's files, grouped into entries that are evicted together:
    ``{(kind, name): [(path, size, last_used, mtime), ...]}``. A generated module is one
    entry with numba's files for it; a record is one entry; a writer's leftover temporary
    file is kind ``"temp"``; numba's files of the kernel library are one entry
    ``("kernels", "qsym_<hash>")`` per copy of qsym; numba's files of an export run by
    ``qsym.load`` are one entry ``("exports", "<hash>")`` (:func:`export_cache_dir`);
    anything else (the keys, unknown files) is not listed."""
    groups: dict = {}

    def add(kind, name, path):
        try:
            st = os.lstat(path)
        except OSError:
            return
        if not stat.S_ISREG(st.st_mode):
            return
        groups.setdefault((kind, name), []).append(
            (path, st.st_size, max(st.st_atime, st.st_mtime), st.st_mtime))

    def scan(sub):
        try:
            return list(os.scandir(sub))
        except OSError:
            return []

    for entry in scan(folder):
        name = entry.name
        if _is_temp(name):
            add("temp", name, entry.path)
        elif name.startswith("qsym_gen_") and name.endswith(".py"):
            add("modules", name[:-3], entry.path)
    for entry in scan(folder / "__pycache__"):
        name = entry.name
        if _is_temp(name) or ".tmp." in name:
            add("temp", name, entry.path)
        elif name.startswith("qsym_gen_"):
            add("modules", name.split(".", 1)[0], entry.path)
    # records (save_record): every folder of the cache's top level but numba's, whatever
    # its kind (RECORD_KINDS and any other), so no kind escapes the bound, info or clear
    for sub in scan(folder):
        if sub.name in ("__pycache__", KERNELS, EXPORTS) or not sub.is_dir(follow_symlinks=False):
            continue
        known = sub.name in RECORD_KINDS
        for entry in scan(sub.path):
            # another folder's files only if named as save_record names them (a record's
            # key digest): QSYM_CACHE_DIR may be a shared folder (~/.cache), whose other
            # programs' .json files (matplotlib/fontlist.json) are not qsym's to evict
            if not known and not _RECORD_NAME.match(entry.name):
                continue
            if _is_temp(entry.name):
                add("temp", entry.name, entry.path)
            elif entry.name.endswith((".json", ".bin")):  # (a record, a blob)
                add(sub.name, entry.name, entry.path)
    # numba's files: one folder per copy of qsym (kernels), one per loaded export
    for kind, top in (("kernels", KERNELS), ("exports", EXPORTS)):
        for sub in scan(folder / top):
            if not sub.is_dir(follow_symlinks=False):
                continue
            for entry in scan(sub.path):
                if _is_temp(entry.name) or ".tmp." in entry.name:
                    add("temp", entry.name, entry.path)
                elif entry.name.endswith((".nbi", ".nbc")):
                    add(kind, sub.name, entry.path)
    return groups


def _remove(files, keep_if_used_since=None) -> int:
    """Delete the files of one entry (first checking, if asked, that none was used since
    the given time); returns the bytes freed."""
    if keep_if_used_since is not None:
        for path, *_ in files:
            try:
                st = os.stat(path)
            except OSError:
                continue
            if max(st.st_atime, st.st_mtime) >= keep_if_used_since:
                return 0
    freed = 0
    # the module file first: a process that checks it meanwhile writes it again
    for path, size, *_ in sorted(files, key=lambda f: not f[0].endswith(".py")):
        try:
            os.unlink(path)
            freed += size
        except OSError:
            pass
    return freed


def evict(folder=None, limit: int | None = -1, keep=()) -> int:
    """Delete the least recently used entries of the cache folder until it holds at most
    90% of ``limit`` bytes (default :func:`max_bytes`); returns the bytes freed. Runs when
    a module is written, and when what this process wrote since takes the folder over
    the bound.

    Never deleted, nor counted against the bound: the kernel library's numba files
    (``kernels/``: every process needs them; :func:`clear_cache` deletes them). Never
    deleted: the entries named in ``keep`` (the module being loaded), entries used or
    written in the last ``GRACE_SECONDS``, and writers' temporary files younger than
    ``TEMP_GRACE_SECONDS`` (a file being written). Everything else is safe to delete: all
    writes go through a temporary file and a rename, a process that has a file open keeps
    reading it (POSIX), and a file found missing later is computed again and rewritten
    (numba needs a module's file when the module is executed: :func:`load_module` writes
    it again if another process deleted it in between)."""
    folder = cache_dir() if folder is None else Path(folder)
    if limit == -1:
        limit = max_bytes()
    groups = {k: v for k, v in _entries(folder).items() if k[0] != "kernels"}
    total = sum(size for files in groups.values() for _, size, _, _ in files)
    _estimates[os.path.abspath(folder)] = total
    if limit is None or total <= limit:
        return 0
    now = time.time()
    freed = 0
    order = sorted(groups.items(), key=lambda kv: max(f[2] for f in kv[1]))
    for (kind, name), files in order:
        if total - freed <= 0.9 * limit:
            break
        grace = TEMP_GRACE_SECONDS if kind == "temp" else GRACE_SECONDS
        if name in keep or max(f[2] for f in files) >= now - grace:
            continue
        gone = _remove(files, keep_if_used_since=now - grace)
        if gone:
            logger.debug("cache evict: %s %s (%d bytes, least recently used)", kind, name,
                         gone)
        freed += gone
    _estimates[os.path.abspath(folder)] = total - freed
    return freed


def _note_written(folder, nbytes: int) -> None:
    """Count ``nbytes`` written in the cache folder ``folder``; evict if that takes it over
    the bound (folders never scanned, e.g. the kernel library's, are not counted)."""
    key = os.path.abspath(folder)
    if key not in _estimates:
        return
    _estimates[key] += nbytes
    limit = max_bytes()
    if limit is not None and _estimates[key] > limit:
        try:
            evict(folder, limit)
        except Exception:  # pragma: no cover - eviction only saves space
            pass


def cache_info(folder=None) -> dict:
    """What the cache folder (default: the configured one) holds: ``path``, ``size``
    (bytes, everything qsym wrote there), ``max_size`` (bytes, or None), ``entries`` per
    kind (generated ``modules``, numba's ``numba files`` for them and for exports run by
    ``qsym.load``, derived ``rules``,
    printed ``gate-code``, ``module-names`` (a program's generated module, by the key of
    :mod:`qsym._interp`), ``loop-source`` (an optimization loop's text,
    :mod:`qsym._minimize`), numba's ``kernel files`` of qsym's kernel library, writers'
    leftover ``temp`` files), ``kernels`` (the folder this process's kernel library is
    cached in, or None: :func:`kernel_cache_dirs`) and ``problem`` (why qsym does not use
    the folder, or None).

    >>> info = cache_info()
    >>> sorted(info)
    ['entries', 'kernels', 'max_size', 'path', 'problem', 'size']
    >>> sorted(info["entries"])
    ['gate-code', 'kernel files', 'loop-source', 'module-names', 'modules', 'numba files',
     'rules', 'temp']
    """
    if folder is not None:
        folder = Path(folder)
    else:
        folder = configured_dir() if enabled() else _private_dir()
    problem = _dir_problem(folder, create=False) if folder.exists() else None
    counts = {"modules": 0, "numba files": 0, "kernel files": 0, "temp": 0,
              **{kind: 0 for kind in RECORD_KINDS}}
    size = 0
    if problem is None:
        for (kind, _), files in _entries(folder).items():
            size += sum(f[1] for f in files)
            if kind == "modules":
                pys = sum(1 for f in files if f[0].endswith(".py"))
                counts["modules"] += pys
                counts["numba files"] += len(files) - pys
            elif kind == "kernels":
                counts["kernel files"] += len(files)
            elif kind == "exports":  # numba's files of exports run by qsym.load
                counts["numba files"] += len(files)
            elif kind in counts:  # a record kind of RECORD_KINDS, or leftover temp files
                counts[kind] += len(files)
            # records of another folder (a test's): in the size, evicted and cleared
    kernels = kernel_cache_dirs()
    return {"path": str(folder), "size": size, "max_size": max_bytes(),
            "entries": counts, "kernels": str(kernels[0]) if kernels else None,
            "problem": problem}


def clear_cache(folder=None) -> dict:
    """Delete everything qsym keeps in the cache folder (default: the configured one):
    generated modules, numba's files for them, records, numba's files of the kernel
    library (the next process compiles it again, about 30 s), leftover temporary files;
    not the folders' keys. Returns ``{"path", "files", "bytes"}`` removed. Safe while
    other processes run: they keep what they loaded, and compile again what they find
    missing. Raises :class:`qsym.errors.QsymError` for a folder qsym does not trust (it
    deletes nothing there).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     clear_cache(folder)["files"]
    0
    """
    if folder is not None:
        folder = Path(folder)
    else:
        folder = configured_dir() if enabled() else _private_dir()
    if not folder.exists():
        return {"path": str(folder), "files": 0, "bytes": 0}
    problem = _dir_problem(folder, create=False)
    if problem is not None:
        raise QsymError(f"qsym cache: {folder} {problem}; qsym deletes nothing there "
                        "(remove it yourself if it is yours)")
    files = freed = 0
    for group in _entries(folder).values():
        files += len(group)
        freed += _remove(group)
    return {"path": str(folder), "files": files, "bytes": freed}


_register_locator()  # before qsym's kernel library defines its functions


def load_compiled_only(disp, sig) -> bool:
    """Whether numba dispatcher ``disp`` has compiled code for the argument types ``sig``
    in this process, loaded from numba's disk cache now if it was not: never compiled (a
    cache file refused, damaged or gone: False, and nothing of it is run). numba's own
    ``Dispatcher.compile`` compiles when the load fails: on a first answer's path that is
    seconds in the caller's thread (a kernel library entry point, 4.8 s; a cell bundle,
    50-85 s: stop 69). The load runs under numba's compiler lock, as numba's does."""
    from numba.core.compiler_lock import global_compiler_lock

    if sig in disp.overloads:  # (loaded: no wait for a load or compile elsewhere)
        return True
    with global_compiler_lock:
        if sig in disp.overloads:
            return True
        try:
            cres = disp._cache.load_overload(sig, disp.targetctx)
        except Exception:  # noqa: BLE001 - an unreadable file: not loaded (compiled elsewhere)
            logger.debug("loading %s%s from numba's cache failed", disp, sig, exc_info=True)
            return False
        if cres is None:
            return False
        disp._cache_hits[sig] += 1  # (as numba's Dispatcher.compile counts a hit)
        disp.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        disp.add_overload(cres)
        return True
