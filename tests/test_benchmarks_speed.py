"""benchmarks/bench_speed.py and bench_redesign.py: their qsym cases on the seed, against
the seed's exact gradient, and the compiled peers' table entries. Cheap (the seed is
compiled by many tests); no test asserts a timing; the peers themselves (JAX, Catalyst,
tensorcircuit-ng) are not needed."""

import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _import(name):
    """A benchmark module, imported without leaving its thread settings or its sys.path
    entries behind."""
    env, path = dict(os.environ), list(sys.path)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        os.environ.clear()
        os.environ.update(env)
        sys.path[:] = path


@pytest.fixture(scope="module")
def bench():
    return _import("bench_speed")


@pytest.mark.parametrize("method", ["qsym-ps", "qsym-adjoint"])
def test_qsym_case_on_the_seed_is_the_exact_gradient(bench, method):
    case = bench.make_case(method, bench.ROWS["seed"])
    assert type(case.params).__name__ == "tensor" and case.params.requires_grad is True
    a, b = 0.54, 0.12
    exact = [-np.sin(a) * np.cos(b), -np.cos(a) * np.sin(b)]
    assert np.allclose(bench.flat_grad(case.grad()), exact, atol=1e-12, rtol=0)


def test_compiled_peers_are_rows_with_their_own_processes(bench):
    compiled = {"catalyst-adjoint", "catalyst-ps", "jax-bp", "jax-lightning-adjoint",
                "tc-jax"}
    assert set(bench.COMPILED) == compiled
    assert all(bench.METHODS[m].compiled for m in compiled)
    assert "peer" in bench.CHILDREN
    # qsym's and issue #5's methods are not compiled peers
    assert not any(bench.METHODS[m].compiled for m in bench.QSYM_METHODS + tuple(bench.PL))


def test_redesign_child_times_and_returns_the_gradient():
    mod = _import("bench_redesign")
    out = mod.child({"rows": ["seed"], "repeats": 1, "target_time": 0.001, "warmup": 0.001,
                     "warm_only": True})
    g = out["rows"]["seed/parameter-shift"]["grad"]
    assert np.allclose(g, out["rows"]["seed/adjoint"]["grad"], atol=1e-12, rtol=0)
    assert np.allclose(g, [-np.sin(0.54) * np.cos(0.12), -np.cos(0.54) * np.sin(0.12)])
