"""``qml.about()``: the versions and settings a bug report needs.

>>> import qsym as qml
>>> info = qml.about(show=False)
>>> {"qsym", "Python", "numpy", "numba", "sympy", "autograd", "cache", "kernels",
...  "threads"} <= set(info)
True
>>> info["qsym"] == qml.__version__
True
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["about"]

_PACKAGES = ("numpy", "numba", "sympy", "autograd", "tqdm", "platformdirs", "psutil")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        mod = sys.modules.get(name)
        return getattr(mod, "__version__", "not installed")


def _folder_size(path: Path) -> tuple[int, int]:
    """``(bytes, files)`` under ``path`` (files that vanish meanwhile are skipped)."""
    size = files = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                size += os.stat(os.path.join(root, n)).st_size
                files += 1
            except OSError:
                pass
    return size, files


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def about(show: bool = True) -> dict:
    """Print the versions of qsym, Python and its dependencies, the platform, the disk
    cache's location and size, where numba caches qsym's kernel library (``kernels``:
    inside the cache folder, or ``NUMBA_CACHE_DIR``'s folder if that is set) and its
    size, and numba's thread count, as PennyLane's ``qml.about()`` does; paste it into a
    bug report. Returns the same facts as a dict (``show=False`` only returns it).

    Example (the values depend on the machine)::

        >>> import qsym as qml
        >>> qml.about()  # doctest: +SKIP
        qsym:         0.1.0 (/path/to/qsym)
        Python:       3.12.7 (CPython)
        Platform:     Linux-6.8.0-x86_64-with-glibc2.39
        numpy:        2.4.6
        ...
        cache:        /home/me/.cache/qsym (31.4 MiB in 391 files)
        kernels:      /home/me/.cache/qsym/kernels/qsym_d9aa201679f2844a (19.1 MiB in 151 files)
        threads:      2 (numba; NUMBA_NUM_THREADS=2)
    """
    from . import _cache as cache
    from ._version import __version__

    info: dict = {"qsym": __version__}
    info["qsym location"] = str(Path(__file__).resolve().parent)
    info["Python"] = f"{platform.python_version()} ({platform.python_implementation()})"
    info["platform"] = platform.platform()
    for name in _PACKAGES:
        info[name] = _version(name)
    if cache.enabled():
        path = cache.cache_dir()
        size, files = _folder_size(path)
        info["cache"] = str(path)
        info["cache size"] = size
        cache_text = f"{path} ({_mib(size)} in {files} files)"
    else:
        info["cache"] = None
        info["cache size"] = 0
        cache_text = "off (QSYM_CACHE=0: a temporary folder per process)"
    kernels = cache.kernel_cache_dirs()
    if kernels:
        size, files = _folder_size(kernels[0])
        info["kernels"] = str(kernels[0])
        info["kernels size"] = size
        kernels_text = f"{kernels[0]} ({_mib(size)} in {files} files)"
        if not cache.enabled():
            kernels_text += " (QSYM_CACHE=0: compiled again in each process)"
    else:
        info["kernels"] = None
        info["kernels size"] = 0
        kernels_text = ("where numba puts it (NUMBA_CACHE_DIR="
                        f"{os.environ.get('NUMBA_CACHE_DIR') or 'unset'})")
    try:
        import numba

        info["threads"] = int(numba.get_num_threads())
        info["threads (max)"] = int(numba.config.NUMBA_NUM_THREADS)
    except Exception:  # pragma: no cover
        info["threads"] = info["threads (max)"] = os.cpu_count() or 1
    if show:
        rows = [("qsym", f"{info['qsym']} ({info['qsym location']})"),
                ("Python", info["Python"]), ("Platform", info["platform"])]
        rows += [(name, info[name]) for name in _PACKAGES]
        rows += [("cache", cache_text), ("kernels", kernels_text),
                 ("threads", f"{info['threads']} (numba; NUMBA_NUM_THREADS="
                             f"{info['threads (max)']})")]
        for key, value in rows:
            print(f"{key + ':':<14}{value}")
    return info
