"""A pytest plugin: each test's process CPU, its reaped children's CPU and numba's compiles
(issue #17: where the suite's CPU goes, per test).

    CPUPROF_OUT=/tmp/prof.jsonl PYTHONPATH=.:benchmarks python -m pytest -p cpu_profile_plugin \\
        tests/test_batch.py -n 0
    python benchmarks/cpu_profile_plugin.py /tmp/prof.jsonl [--compiles]

One JSON line per test (setup, call and teardown together): ``wall``, ``cpu`` (user +
system of the process), ``child`` (of its children reaped meanwhile: subprocess tests,
background compile processes waited for) and ``compiles``: numba's ``numba:compile``
events as ``[function, exclusive thread CPU, nesting depth]`` (a caller's own time, its
callees' compiles apart). Load hardly moves CPU figures; compare runs with the same
module cache state (a fresh copy of a cache folder holding only the kernel library:
otherwise a circuit compiled by an earlier run is loaded). Used for
benchmarks/results/suite64-2026-12-07.md.
"""

import json
import os
import resource
import sys
import time

import pytest

OUT = os.environ.get("CPUPROF_OUT", "cpu_profile.jsonl")
_compiles: list = []
_stack: list = []


def _install():
    from numba.core import event

    class Listener(event.Listener):
        def on_start(self, ev):
            _stack.append([ev.data.get("dispatcher"), time.thread_time(), 0.0])

        def on_end(self, ev):
            if not _stack:
                return
            disp, t0, inner = _stack.pop()
            spent = time.thread_time() - t0
            if _stack:
                _stack[-1][2] += spent
            fn = getattr(disp, "py_func", None)
            name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', disp)}"
            _compiles.append([name, round(spent - inner, 3), len(_stack)])

    event.register("numba:compile", Listener())


def _cpu():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def pytest_configure(config):
    _install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    del _compiles[:]
    w0, (s0, c0) = time.perf_counter(), _cpu()
    yield
    (s1, c1), w1 = _cpu(), time.perf_counter()
    with open(OUT, "a") as f:
        f.write(json.dumps({"id": item.nodeid, "wall": round(w1 - w0, 3),
                            "cpu": round(s1 - s0, 3), "child": round(c1 - c0, 3),
                            "compiles": list(_compiles)}) + "\n")


def main(argv):
    rows = [json.loads(line) for line in open(argv[0])]
    for r in rows:
        print(f"{r['cpu']:8.2f} {r['child']:8.2f}  {r['id']}")
        if "--compiles" in argv:
            for name, spent, depth in r["compiles"]:
                print(f"{'':20}{'  ' * depth}{spent:6.2f} {name}")
    print(f"{sum(r['cpu'] for r in rows):8.2f} {sum(r['child'] for r in rows):8.2f}  total")


if __name__ == "__main__":
    main(sys.argv[1:])
