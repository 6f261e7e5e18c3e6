"""Portability and diagnostics of the cache (issue #21): the default folder from
``platformdirs``, available memory from ``psutil``, numba's cache of qsym's kernel library
under the one folder that ``QSYM_CACHE_DIR`` moves and ``QSYM_CACHE=0`` turns off (not the
installed package's ``__pycache__``), and the ``qsym.cache`` logger (hits, misses, writes,
rejections, compiles with their times).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

import qsym as qml
from qsym import _cache as cache, _cli as cli, devices, _kernels as kernels, _runtime as runtime

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path(qml.__file__).resolve().parent


# --- the default cache folder ------------------------------------------------------------------
def test_default_folder_comes_from_platformdirs(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.delenv("QSYM_CACHE_DIR", raising=False)
    calls = []

    def fake(appname=None, appauthor=None, *args, **kwargs):
        calls.append((appname, appauthor))
        return str(tmp_path / "Library" / "Caches" / appname)  # as on macOS

    monkeypatch.setattr(platformdirs, "user_cache_dir", fake)
    assert cache.configured_dir() == tmp_path / "Library" / "Caches" / "qsym"
    assert calls == [("qsym", False)]
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.configured_dir() == tmp_path / "mine"  # the variable still wins


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's convention")
def test_default_folder_on_linux_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("QSYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.configured_dir() == tmp_path / "qsym"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.configured_dir() == Path.home() / ".cache" / "qsym"


# --- available memory ----------------------------------------------------------------------------
def test_available_memory_comes_from_psutil(monkeypatch):
    import psutil

    real = runtime.available_memory()
    assert 0 < real <= psutil.virtual_memory().total
    Memory = namedtuple("Memory", "total available")
    monkeypatch.setattr(psutil, "virtual_memory", lambda: Memory(8 << 30, 12345))
    assert runtime.available_memory() == 12345
    # the state-vector check uses it: 30 wires need 16 GiB, "12345 bytes" are too few
    with pytest.raises(qml.DeviceError, match="GiB"):
        devices.check_memory(30, "parameter-shift")


# --- the kernel library's numba cache ----------------------------------------------------------
def test_kernel_library_is_cached_in_the_cache_folder():
    functions = cache.numba_cached_functions(kernels)
    assert len(functions) > 10
    folders = {Path(f._cache._cache_path) for f in functions}
    assert len(folders) == 1
    (folder,) = folders
    # conftest sets QSYM_CACHE_DIR before qsym is imported: the kernels are cached there
    root = Path(os.environ["QSYM_CACHE_DIR"])
    assert folder.parent == root / "kernels" and folder.name.startswith("qsym_")
    assert PACKAGE not in folder.parents
    assert cache.kernel_cache_dirs() == [folder]
    assert qml.cache_info()["kernels"] == str(folder)
    # their files are still signed and checked (the folder's own key)
    checked = cache._checked_cache_file_class()
    assert all(type(f._cache._cache_file) is checked for f in functions)
    # every numba function with a disk cache in any of qsym's own modules: the same folder
    # (a copy in one C call: a thread importing meanwhile cannot change it under the loop)
    for name, module in sys.modules.copy().items():
        if name == "qsym" or name.startswith("qsym."):
            for f in cache.numba_cached_functions(module):
                assert Path(f._cache._cache_path) == folder, (name, f)


def test_cache_info_command_shows_the_kernel_library(capsys):
    assert cli.main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    (folder,) = cache.kernel_cache_dirs()
    assert f"kernels  {folder} (numba's cache of qsym's kernel library)" in out
    assert re.search(r"^kernel files \d+$", out, re.M)


def test_numba_files_are_written_even_if_the_folder_was_deleted(tmp_path):
    """``rm -r`` of the cache folder while a process runs: numba's next write makes the
    folder again instead of failing the compile."""
    target = tmp_path / "gone" / "kernels" / "f.nbi"
    with cache._private_writer(str(target)) as fh:
        fh.write(b"data")
    assert target.read_bytes() == b"data"
    assert (target.parent.stat().st_mode & 0o777) == 0o700


# one process: compile one small kernel (numba writes its cache files) and report where
KERNEL_SCRIPT = r'''
import json, sys
import qsym
from qsym import _cache as cache, _kernels as kernels
assert kernels._insert_zero(5, 1) == 9  # 0b101 with a 0 inserted at bit 1: 0b1001
print("RESULT " + json.dumps({
    "folders": [str(p) for p in cache.kernel_cache_dirs()],
    "path": kernels._insert_zero._cache._cache_path,
    "files": sorted(p.name for d in cache.kernel_cache_dirs() for p in d.iterdir()),
    "private": str(cache._private_dir()),
}))
'''


def _run_kernel_script(tmp_path, **env_vars):
    env = dict(os.environ)
    for name in ("QSYM_CACHE", "QSYM_CACHE_DIR", "NUMBA_CACHE_DIR"):
        env.pop(name, None)
    env.update({k: str(v) for k, v in env_vars.items()})
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]]
                                                      if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-c", KERNEL_SCRIPT], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def _kernel_files(folder: Path) -> list:
    return sorted(p for p in folder.rglob("_kernels._insert_zero-*") if p.is_file())


def test_new_process_writes_kernel_cache_under_qsym_cache_dir(tmp_path):
    """A new process with a new QSYM_CACHE_DIR: numba's files for qsym's kernels appear
    under it; cache_info counts them and clear_cache deletes them (the keys stay)."""
    folder = tmp_path / "cache"
    before = {p: p.stat().st_mtime_ns for p in _kernel_files(PACKAGE / "__pycache__")}
    out = _run_kernel_script(tmp_path, QSYM_CACHE_DIR=folder)
    (kernel_dir,) = out["folders"]
    assert Path(kernel_dir) == cache.kernel_cache_dir(folder) and out["path"] == kernel_dir
    written = _kernel_files(folder)
    assert {p.suffix for p in written} == {".nbi", ".nbc"}
    assert all(p.parent == Path(kernel_dir) for p in written)
    # nothing written beside the package (numba's default place)
    after = {p: p.stat().st_mtime_ns for p in _kernel_files(PACKAGE / "__pycache__")}
    assert after == before
    info = qml.cache_info(folder)
    assert info["entries"]["kernel files"] == len(list(Path(kernel_dir).glob("*.nb*")))
    assert info["entries"]["kernel files"] >= 2
    assert info["size"] >= sum(p.stat().st_size for p in written)
    done = qml.clear_cache(folder)
    assert done["files"] >= 2 and _kernel_files(folder) == []
    assert (Path(kernel_dir) / cache.KEY_NAME).exists()  # the folder's key stays


def test_qsym_cache_off_keeps_kernels_out_of_every_folder(tmp_path):
    """QSYM_CACHE=0: the kernels are cached in the process's temporary folder only."""
    folder = tmp_path / "cache"
    out = _run_kernel_script(tmp_path, QSYM_CACHE="0", QSYM_CACHE_DIR=folder)
    (kernel_dir,) = out["folders"]
    assert Path(out["private"]) in Path(kernel_dir).parents
    assert any(name.startswith("_kernels._insert_zero-") for name in out["files"])
    assert not folder.exists()
    assert not Path(kernel_dir).exists()  # removed with the process


def test_numba_cache_dir_is_numba_s_own_setting(tmp_path):
    """NUMBA_CACHE_DIR set by the user: numba's files go there, as numba documents."""
    numba_dir = tmp_path / "numba"
    out = _run_kernel_script(tmp_path, QSYM_CACHE_DIR=tmp_path / "cache",
                             NUMBA_CACHE_DIR=numba_dir)
    assert out["folders"] == []
    assert numba_dir in Path(out["path"]).parents
    assert _kernel_files(numba_dir) and not _kernel_files(tmp_path / "cache")


def test_eviction_never_deletes_the_kernel_library(fresh_folder):
    kernel_dir = cache.kernel_cache_dir(fresh_folder)
    kernel_dir.mkdir(parents=True)
    big = kernel_dir / "_kernels.f-1.py311.1.nbc"
    big.write_bytes(b"x" * (1 << 20))
    old = fresh_folder / "qsym_gen_000000000000000000000009.py"
    old.write_bytes(b"y" * 1000)
    os.utime(old, (1, 1))
    os.utime(big, (1, 1))
    # a bound of 500 bytes: the module goes; the kernel file (1 MiB, counted by
    # cache_info) is neither deleted nor counted against the bound
    assert cache.evict(fresh_folder, limit=500) == 1000
    assert big.exists() and not old.exists()
    assert qml.cache_info(fresh_folder)["entries"]["kernel files"] == 1


@pytest.fixture
def fresh_folder(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("QSYM_CACHE_DIR", str(folder))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    return folder


# --- the qsym.cache logger ---------------------------------------------------------------------
def _messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "qsym.cache"]


def test_cache_logs_modules_records_and_compiles(fresh_folder, caplog):
    caplog.set_level(logging.DEBUG, logger="qsym.cache")
    source = ("from numba import njit\n\n\n@njit(cache=True)\ndef plus_one(x):\n"
              "    return x + 1\n# test_cache_logs_modules_records_and_compiles\n")
    name = cache.module_name(source)
    mod = cache.load_module(source)
    assert mod.plus_one(41) == 42
    log = _messages(caplog)
    assert any(m.startswith(f"cache miss: module {name}") for m in log)
    assert any(m.startswith("cache write:") and f"{name}.py" in m for m in log)
    assert any(m.startswith(f"cache: module {name} imported in ") for m in log)
    assert any(m.startswith("cache miss: numba") and "plus_one" in m for m in log)
    compiled = [m for m in log if m.startswith(f"compiled {name}.plus_one(int64) in ")]
    assert len(compiled) == 1 and " s; cache write: " in compiled[0]
    assert float(compiled[0].split(" in ")[1].split(" s;")[0]) >= 0

    # a new process's view: the module again from disk, its code from numba's cache
    del sys.modules[name]
    caplog.clear()
    assert cache.load_module(source).plus_one(1) == 2
    log = _messages(caplog)
    assert any(m.startswith(f"cache hit: module {name}") for m in log)
    assert any(m.startswith("cache hit: numba") and "plus_one" in m for m in log)
    assert not any(m.startswith("compiled") for m in log)

    # damaged files are rejected (and rewritten / recompiled)
    del sys.modules[name]
    (fresh_folder / f"{name}.py").write_text("plus_one = None\n")
    for data in (fresh_folder / "__pycache__").glob(f"{name}.plus_one-*.nbc"):
        raw = data.read_bytes()  # its last byte changed (a fixed b"!" was that byte 1 in 256)
        data.write_bytes(raw[:-1] + bytes([raw[-1] ^ 0xFF]))
    caplog.clear()
    assert cache.load_module(source).plus_one(2) == 3
    log = _messages(caplog)
    assert any(m.startswith("cache rejected:") and f"{name}.py" in m for m in log)
    assert any(m.startswith("cache rejected: numba file") for m in log)
    assert any(m.startswith(f"compiled {name}.plus_one") for m in log)
    del sys.modules[name]

    # records: miss, write, hit, rejected
    caplog.clear()
    assert cache.load_record("logtest", "k") is None
    cache.save_record("logtest", "k", [1])
    assert cache.load_record("logtest", "k") == [1]
    (record,) = (fresh_folder / "logtest").glob("*.json")
    record.write_text(record.read_text().replace("[\n  1\n ]", "[\n  2\n ]"))
    assert cache.load_record("logtest", "k") is None
    log = _messages(caplog)
    kinds = [m.split(":")[0] for m in log if "logtest" in m or "record" in m]
    assert kinds[:3] == ["cache miss", "cache write", "cache hit"], log
    assert any(m.startswith("cache rejected:") and "signature" in m for m in log), log


def test_cache_logger_is_silent_by_default(fresh_folder, capsys):
    cache.save_record("quiet", "k", [1])
    assert cache.load_record("quiet", "k") == [1]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
