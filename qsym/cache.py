"""The on-disk cache of generated modules.

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

>>> mod = load_module("X = 42\\n")
>>> mod.X
42
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_tmpdir: tempfile.TemporaryDirectory | None = None


def cache_dir() -> Path:
    """The folder generated modules are written to (created if missing)."""
    global _tmpdir
    if os.environ.get("QSYM_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
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


def load_module(source: str):
    """Write ``source`` to the cache (once) and import it as a module."""
    name = module_name(source)
    with _lock:
        mod = sys.modules.get(name)
        if mod is not None:
            return mod
        path = cache_dir() / f"{name}.py"
        try:
            current = path.read_text() if path.exists() else None
        except OSError:
            current = None
        if current != source:
            # atomic: another process may be reading or writing the same file
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        # numba's cache locates functions through sys.modules: register before executing
        sys.modules[name] = mod
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del sys.modules[name]
            raise
        return mod
