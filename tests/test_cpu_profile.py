"""The suite's CPU profile (tests/cpu_profile.py, ``--cpu-profile=DIR``; issue #17): what
it attributes to numba's compiles and how it sums a run's records."""

import json
import time

import numba
import pytest

cpu_profile = pytest.importorskip("cpu_profile")


def test_numba_compile_clock_counts_a_compile_once_by_kind():
    """A compile is counted once in all (its callee's compile is inside its caller's) and
    by the kind of each function, the callee's own time once (the kinds sum to the total);
    a kernel of the library is of the kind "kernel library", a function of this file
    "other"."""
    clock = cpu_profile._NumbaCompileClock()
    clock.install()
    try:
        _compile_and_count(clock)
    finally:
        clock.uninstall()


def _compile_and_count(clock):
    from qsym import _kernels as kernels

    assert cpu_profile._kind_of(kernels.apply_cx) == "kernel library"

    @numba.njit
    def callee(x):
        s = 0.0
        for i in range(x.shape[0]):
            s += x[i] * x[i]
        return s

    @numba.njit
    def caller(x):
        return callee(x) + 1.0

    import numpy as np

    start = time.thread_time()
    assert caller(np.arange(3.0)) == 6.0
    spent = time.thread_time() - start
    assert 0.0 < clock.total <= spent
    assert set(clock.kinds) == {"other"}
    # function by function: the callee (nested in its caller's compile) ends first
    names = [(name.rsplit(".", 1)[-1], depth) for name, _, depth in clock.compiles]
    assert names == [("callee", 1), ("caller", 0)]
    # by kind, the callee's time is not counted twice: the kinds sum to the outermost total
    assert sum(clock.kinds.values()) == pytest.approx(clock.total, rel=1e-6, abs=1e-6)
    caller(np.arange(3.0))  # compiled: nothing more
    assert sum(clock.kinds.values()) == pytest.approx(clock.total, rel=1e-6, abs=1e-6)


def test_summary_sums_per_process_file_and_kind(tmp_path):
    """The report's sums, from records worked out by hand."""
    def write(name, records):
        with open(tmp_path / f"{name}.jsonl", "w") as f:
            for r in records:
                f.write(json.dumps(dict(r, process=name)) + "\n")

    base = dict(numba=0.0, t=100.0)
    write("gw0-1", [dict(base, kind="start", self_cpu=1.0, children_cpu=0.0),
                    dict(base, kind="collected", self_cpu=3.0, children_cpu=0.5, t=110.0),
                    dict(kind="test", nodeid="tests/test_a.py::t1", self_cpu=2.0,
                         children_cpu=4.0, numba=1.5, wall=6.0, t=126.0, hypothesis=False,
                         numba_kinds={"written-out": 1.0, "kernel library": 0.5},
                         compiles=[["m.callee", 0.5, 1], ["m.caller", 1.0, 0]]),
                    dict(kind="test", nodeid="tests/test_b.py::t2", self_cpu=0.5,
                         children_cpu=0.0, numba=0.0, wall=1.0, t=127.0, hypothesis=True),
                    dict(base, kind="end", self_cpu=7.0, children_cpu=4.5, numba=1.5)])
    write("gw1-2", [dict(kind="test", nodeid="tests/test_a.py::t3", self_cpu=1.0,
                         children_cpu=0.0, numba=0.25, wall=1.0, t=130.0, hypothesis=False,
                         numba_kinds={"written-out": 0.25})])
    text = cpu_profile.summary(str(tmp_path), top=5)
    # gw0: start-up 1.0, collection 3.5 - 1.0, tests 6.5, end 11.5; first test at 120
    assert "gw0-1: 1.0 | 2.5 | 6.5 | 11.5 (children 4.5, numba 1.5), first test 10 s" in text
    assert "tests: 3; CPU 7.5 s = in process 3.5 (numba compiles 1.8) + subprocesses 4.0" in text
    assert "hypothesis tests 0.5" in text
    assert "numba compiles by kind: written-out 1.2, kernel library 0.5" in text
    lines = text.splitlines()
    first = lines.index(next(x for x in lines if x.startswith("top 5 files"))) + 1
    assert lines[first].split() == ["7.0", "(", "1.8,", "4.0)", "2", "7.0", "tests/test_a.py"]
    assert lines[first + 1].split() == ["0.5", "(", "0.0,", "0.0)", "1", "1.0",
                                        "tests/test_b.py"]
    listed = cpu_profile.summary(str(tmp_path), top=1, compiles=True).splitlines()
    at = listed.index(next(x for x in listed if x.endswith("tests/test_a.py::t1")))
    assert [x.strip() for x in listed[at + 1:at + 3]] == ["0.50 m.callee", "1.00 m.caller"]
    assert listed[at + 1].index("0.50") == listed[at + 2].index("1.00") + 2  # (indented)
