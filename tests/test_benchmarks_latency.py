"""benchmarks/bench_latency.py: its in-process measurement on the seed, its result check and
its H2 Hamiltonian. Cheap (the seed is compiled by many tests; the rest is plain Python);
no test asserts a timing."""

import ast
import importlib
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    """The benchmark module, imported without leaving its thread settings (it sets
    NUMBA_NUM_THREADS=1 etc. for its own runs) or its sys.path entries behind."""
    env, path = dict(os.environ), list(sys.path)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        mod = importlib.import_module("bench_latency")
    finally:
        os.environ.clear()
        os.environ.update(env)
        sys.path[:] = path
    return mod


def test_measure_seed_in_process(bench):
    a, b = 0.54, 0.12  # the benchmark's seed parameters
    g = bench.measure({"fw": "qsym", "circuit": "seed", "what": "grad",
                       "diff": "parameter-shift"})
    # d/da, d/db of cos(a) cos(b): by hand, not by qsym
    assert np.allclose(g["result"], [-math.sin(a) * math.cos(b), -math.cos(a) * math.sin(b)],
                       atol=1e-12, rtol=0)
    for key in ("import_s", "first_s", "second_s", "import_cpu_s", "first_cpu_s",
                "second_cpu_s", "first_thread_s"):
        assert g[key] >= 0.0
    # the process's CPU holds the calling thread's (clock ticks apart)
    assert g["first_cpu_s"] + 0.02 >= g["first_thread_s"]
    assert set(g["numba"]) == {"lib_compiled", "lib_loaded", "circ_compiled", "circ_loaded"}
    v = bench.measure({"fw": "qsym", "circuit": "seed", "what": "value",
                       "diff": "parameter-shift"})
    assert np.allclose(v["result"], [math.cos(a) * math.cos(b)], atol=1e-12, rtol=0)


def test_check_rejects_a_wrong_answer(bench):
    ref = [1.0, 2.0]
    ok = {"ok": True, "result": [1.0, 2.0 + 1e-10]}
    bench.check(ok, ref)
    assert ok["ok"] and ok["max_abs_diff"] <= 1e-8
    wrong = {"ok": True, "result": [1.0, 2.0 + 1e-6]}
    bench.check(wrong, ref)
    assert not wrong["ok"] and wrong["wrong"]
    shape = {"ok": True, "result": [1.0]}
    bench.check(shape, ref)
    assert not shape["ok"] and "shape" in shape["error"]
    nan = {"ok": True, "result": [float("nan"), 2.0]}
    bench.check(nan, ref)
    assert not nan["ok"]
    # a wrong sample never gives a time: the cell says so, the median skips it
    assert bench.cell([wrong]) == "wrong result"
    assert bench.med([wrong, {"ok": True, "first_s": 2.0}], "first_s") == 2.0


def test_h2_hamiltonian_is_the_example_s(bench):
    """The benchmark's H2 terms are those of examples/vqe_h2.py (read, not run)."""
    tree = ast.parse((ROOT / "examples" / "vqe_h2.py").read_text())
    terms = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "TERMS")
    assert [tuple(t) for t in terms] == [tuple(t) for t in bench.H2_TERMS]
    assert len(bench.H2_TERMS) == 15


def test_cases_cover_value_and_both_gradients(bench):
    keys = [c.key for c in bench.make_cases(list(bench.CIRCUITS))]
    assert "seed:value" in keys and "h2:grad:ps" in keys
    assert "hea12x8:grad:ps" in keys and "hea12x8:grad:adjoint" in keys
    assert bench.ratio(3.0, 1.5) == "2×" and bench.ratio(None, 1.0) == "—"


def test_constant_angle_and_sampled_rows(bench):
    """The seed with a constant-angle RZ(0.3) (closed form: <Z> = cos a cos b -
    sin a sin c sin b, and its gradient) and the sampled seed: its first value is the mean
    of NumPy's draw of 100 shots from the device's seed (PennyLane default.qubit's draws,
    written out here); it has no gradient case, and no lightning row (its own draws)."""
    a, b, c = 0.54, 0.12, 0.3
    v = bench.measure({"fw": "qsym", "circuit": "seed_rz", "what": "value",
                       "diff": "parameter-shift"})
    want = math.cos(a) * math.cos(b) - math.sin(a) * math.sin(c) * math.sin(b)
    assert np.allclose(v["result"], [want], atol=1e-12, rtol=0)
    g = bench.measure({"fw": "qsym", "circuit": "seed_rz", "what": "grad",
                       "diff": "parameter-shift"})
    da = -math.sin(a) * math.cos(b) - math.cos(a) * math.sin(c) * math.sin(b)
    db = -math.cos(a) * math.sin(b) - math.sin(a) * math.sin(c) * math.cos(b)
    assert np.allclose(g["result"], [da, db], atol=1e-12, rtol=0)
    s = bench.measure({"fw": "qsym", "circuit": "seed_shots", "what": "value",
                       "diff": "parameter-shift"})
    p0 = (1.0 + math.cos(a) * math.cos(b)) / 2.0
    draws = np.random.default_rng(bench.SHOTS_SEED).choice(2, 100, p=[p0, 1.0 - p0])
    assert s["result"] == [float(np.mean(1 - 2 * draws))]
    keys = [k.key for k in bench.make_cases(["seed_rz", "seed_shots"])]
    assert keys == ["seed_rz:value", "seed_rz:grad:ps", "seed_shots:value"]
    assert "lightning-adjoint" not in bench.SAMPLED_FRAMEWORKS


def test_children_cpu_counts_a_finished_child(bench):
    """children_cpu: after a child that burnt CPU until its own ``process_time`` passed
    0.05 s (printed by the child), the children's CPU grew by at least that much."""
    import subprocess

    before = bench.children_cpu()
    out = subprocess.run([sys.executable, "-c", "import time\nwhile time.process_time() < 0.05: pass\n"
                          "print(time.process_time())"], capture_output=True, text=True,
                         check=True).stdout
    assert bench.children_cpu() - before >= float(out) - 1e-3
