"""Adversarial round of stop 63 (benchmarks/results/adversarial-2026-12-07b.md): each test is
a probe of a mechanism stop 62 landed (or a defect it left) that raised, used foreign state
or gave another answer than PennyLane before its fix."""

import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

REPO = Path(__file__).resolve().parent.parent


# --- numba's runtime kept as a signed blob ----------------------------------------------------
RUNTIME_CHILD = r"""
import sys
import qsym._cache as cache
from numba.core.registry import cpu_target
ctx = cpu_target.target_context
cache._runtime_ready(ctx)  # (what loading a cached kernel does first)
if sys.argv[1] == "keep":  # (what a process that compiled code does)
    cache._runtime_kept = False
    cache.keep_runtime(ctx)
print(cache.runtime_from_blob)
"""


def _runtime_child(how, folder, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_DEBUG")}
    full.update(QSYM_CACHE_DIR=str(folder), QSYM_WARMUP="0", **env,
                PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", RUNTIME_CHILD, how], env=full,
                          capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()[-1]


def test_a_runtime_kept_under_other_numba_settings_is_not_installed(tmp_path):
    # a process with NUMBA_DEBUG_NRT=1 (and a stack limit) kept numba's runtime library
    # compiled for its settings; a process without them installed it: every reference
    # count printed "*** NRT_Decref ..." on stdout, through a second argument
    # NRT_decref's callers never pass (a pointer read from a stale register: "(null)"
    # here, a crash elsewhere). The blob is keyed by the settings the generator reads.
    debug = {"NUMBA_DEBUG_NRT": "1", "NUMBA_DEBUG_NRT_STACK_LIMIT": "3"}
    assert _runtime_child("keep", tmp_path, **debug) == "False"  # (compiled, then kept)
    assert _runtime_child("use", tmp_path) == "False"  # another runtime: numba compiles it
    assert _runtime_child("use", tmp_path, **debug) == "True"  # the same settings: used
