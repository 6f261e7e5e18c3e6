"""``qml.about()``: the versions and settings a bug report needs. Also PennyLane's module
path ``pennylane.about`` (``importlib.import_module("qsym.about")`` is this module, whose
``about`` prints PennyLane's fields first, and ``catalyst_version``).

>>> import importlib
>>> import qsym as qml
>>> info = qml.about(show=False)
>>> {"qsym", "Python", "numpy", "scipy", "numba", "sympy", "autograd", "cache", "kernels",
...  "threads", "devices"} <= set(info)
True
>>> info["qsym"] == qml.__version__
True
>>> importlib.import_module("qsym.about").about is qml.about
True
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

__all__ = ["about", "catalyst_version"]

# the packages printed after PennyLane's fields (numpy and scipy are among those, by
# PennyLane's labels "Numpy version" / "Scipy version")
_PACKAGES = ("numba", "sympy", "autograd", "tqdm", "platformdirs", "psutil")


def _version(name: str) -> str:
    try:
        return metadata.Distribution.from_name(name).version
    except PackageNotFoundError:
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


def _pkg_location() -> str:
    """The folder of the qsym package this process imported (PennyLane's ``Location``;
    with an editable install or ``PYTHONPATH`` it is the checkout's, not site-packages')."""
    return str(Path(__file__).resolve().parent)


def catalyst_version() -> str | None:
    """The version of the installed Catalyst package (``pennylane_catalyst``), or ``None``
    without one, as PennyLane's ``qml.about.catalyst_version``; qsym does not use Catalyst
    (``qml.qjit`` is not supported), the function answers for a bug report.

    >>> import importlib
    >>> about = importlib.import_module("qsym.about")
    >>> about.catalyst_version() is None or isinstance(about.catalyst_version(), str)
    True
    """
    if find_spec("catalyst"):
        return version("pennylane_catalyst")
    return None


def _distribution_fields() -> dict:
    """PennyLane's first fields of ``qml.about()`` from qsym's distribution metadata:
    ``Name``, ``Summary``, ``Editable project location`` (PEP 610's ``direct_url.json``
    of an editable install); empty where qsym runs from a checkout without metadata."""
    try:
        dist = metadata.distribution("qsym")
    except PackageNotFoundError:
        return {}
    meta = dist.metadata
    fields = {"Name": meta.get("Name", "qsym"), "Summary": meta.get("Summary", "")}
    try:
        raw = dist.read_text("direct_url.json")
        direct = json.loads(raw) if raw is not None else {}
    except (OSError, json.JSONDecodeError):
        direct = {}
    if direct.get("dir_info", {}).get("editable"):
        url = direct.get("url", "")
        fields["Editable project location"] = url.removeprefix("file://")
    return fields


def about(show: bool = True) -> dict:
    """Print the versions of qsym, Python and its dependencies, the platform, the disk
    cache's location and size, where numba caches qsym's kernel library (``kernels``:
    inside the cache folder, or ``NUMBA_CACHE_DIR``'s folder if that is set) and its
    size, numba's thread count and the devices, as PennyLane's ``qml.about()`` does, its
    fields first under its labels (``Name``, ``Version``, ``Summary``, ``Location``, the
    editable install's ``Editable project location``, ``Platform info``, ``Python
    version``, ``Numpy version``, ``Scipy version``); paste it into a bug report. Returns
    the same facts as a dict (``show=False`` only returns it).

    Example (the values depend on the machine)::

        >>> import qsym as qml
        >>> qml.about()  # doctest: +SKIP
        Name:           qsym
        Version:        0.1.0
        Summary:        A compiler for gradients of parameterized quantum circuits: ...
        Location:       /path/to/qsym
        Platform info:  Linux-6.8.0-x86_64-with-glibc2.39
        Python version: 3.12.7 (CPython)
        Numpy version:  2.4.6
        Scipy version:  1.17.1
        numba:          0.68.1
        ...
        cache:          /home/me/.cache/qsym (31.4 MiB in 391 files)
        kernels:        /home/me/.cache/qsym/kernels/qsym_d9aa201679f2844a (19.1 MiB in 151 files)
        threads:        2 (numba; NUMBA_NUM_THREADS=2)
        Installed devices: default.qubit, lightning.qubit, ...
    """
    from . import _cache as cache
    from . import devices
    from ._version import __version__

    fields = _distribution_fields()
    info: dict = {"qsym": __version__}
    info["name"] = fields.get("Name", "qsym")
    info["summary"] = fields.get("Summary", "")
    info["qsym location"] = _pkg_location()
    info["editable location"] = fields.get("Editable project location")
    info["Python"] = f"{platform.python_version()} ({platform.python_implementation()})"
    info["platform"] = platform.platform(aliased=True)
    for name in ("numpy", "scipy", *_PACKAGES):
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
    info["devices"] = list(dict.fromkeys((*devices.DEVICE_NAMES, *devices.DEVICE_CLASSES)))
    if show:
        rows = [("Name", info["name"]), ("Version", info["qsym"]),
                ("Summary", info["summary"]), ("Location", info["qsym location"])]
        if info["editable location"]:
            rows.append(("Editable project location", info["editable location"]))
        rows += [("Platform info", info["platform"]), ("Python version", info["Python"]),
                 ("Numpy version", info["numpy"]), ("Scipy version", info["scipy"])]
        rows += [(name, info[name]) for name in _PACKAGES]
        rows += [("cache", cache_text), ("kernels", kernels_text),
                 ("threads", f"{info['threads']} (numba; NUMBA_NUM_THREADS="
                             f"{info['threads (max)']})"),
                 ("Installed devices", ", ".join(info["devices"]))]
        for key, value in rows:
            print(f"{(key + ':').ljust(15)} {value}")
    return info
