"""Adversarial round, stop 59 (benchmarks/results/adversarial-2026-12-06d.md): what the
last round left (locks at fork, huge templates, ``qml.draw(level=None)``, lightning's
options) and what changed since (the shipped gate-code table, boxed runs, the qchem entry
points, measurement keys, CNOT-run blocks, basis-set weights), threads and processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qsym as qml
from qsym import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# --- locks at fork ----------------------------------------------------------------------------
_FORK_WITH_EVERY_LOCK_HELD = """
import importlib, os, pkgutil, threading
import qsym
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
locks = {}
for info in pkgutil.iter_modules(qsym.__path__):
    if info.name in ("__main__", "_cli"):
        continue
    mod = importlib.import_module("qsym." + info.name)
    for name, value in vars(mod).items():
        if isinstance(value, LOCK_TYPES):
            locks.setdefault(id(value), (mod, name, value))
from qsym import _cache, _tiers
held, done = threading.Event(), threading.Event()
def hold():
    for _, _, lock in locks.values():
        if lock is not _cache._dir_lock and lock is not _tiers._load_lock:
            lock.acquire()  # (a fork waits for _load_lock: a numba load under way)
    held.set()
    done.wait()
t = threading.Thread(target=hold, daemon=True)
t.start()
held.wait()
with _cache._dir_lock:  # a reentrant lock the forking thread holds: it releases it there
    pid = os.fork()
if pid == 0:
    stuck = [mod.__name__ + "." + name for mod, name, _ in locks.values()
             if not getattr(mod, name).acquire(blocking=False)]  # (a lock made anew counts)
    print(" ".join(stuck) or "none", flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print(len(locks), os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_frees_every_module_lock_another_thread_held(tmp_path):
    """Every module-level lock of qsym (found by looking at every module's globals, not
    listed by hand) held by another thread at a fork is free in the child, and a reentrant
    lock the forking thread holds is released there by that thread without error. Before,
    ``_cache._dir_lock``, ``_cache._lock``, ``_interp._kinds_lock``, ``_kernels.LAUNCH_LOCK``,
    ``_minimize._loops_lock``, ... stayed held forever in the child (only five were remade)."""
    env = dict(os.environ, QSYM_WARMUP="0", QSYM_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", _FORK_WITH_EVERY_LOCK_HELD], capture_output=True,
                         text=True, timeout=120, env=env, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    child, parent = out.stdout.strip().splitlines()
    assert child == "none", "locks still held in the child: " + child
    count, code = parent.split()
    assert int(count) >= 15 and code == "0", out.stdout + out.stderr[-2000:]


def test_every_lock_of_qsym_is_made_by_the_fork_safe_registry():
    """A new ``threading.Lock()``/``RLock()`` in qsym/ would not be freed in a forked child:
    locks are made with ``qsym._locks.new_lock``/``new_rlock`` (``_worker.py`` runs on
    workers without qsym and is the one exception; the exported module's lock is in a
    string and re-inits itself)."""
    pattern = re.compile(r"(?<![\w.])threading\.R?Lock\b")
    bad = [f"{path.name}:{n}" for path in sorted((ROOT / "qsym").glob("*.py"))
           if path.name not in ("_locks.py", "_worker.py")
           for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert not bad, bad
