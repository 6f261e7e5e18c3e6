"""Steady state of the kernel library's calls through cells (issue #17, stop 68): median
wall time per call of repeated calls, compiled tier, kernels and circuit modules cached,
for bench_speed's rows (seed, HEA 4x4, 8x8, 12x8: parameter shift and adjoint) and two
batch rows, with a checksum of every result (the bits: equal between two trees' runs).

    PYTHONPATH=TREE QSYM_CACHE_DIR=DIR python benchmarks/bench_cells_steady.py [ROUNDS]

Prints one JSON line: {row: [median ms, checksum]}. Run it for two trees in turns
(interleaved rounds, each tree with its own cache folder) and compare the medians.
"""

import hashlib
import json
import os
import sys
import time

os.environ.setdefault("QSYM_TIER", "compiled")
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import qsym as qml  # noqa: E402
from bench_speed import ROWS, build_qnode  # noqa: E402
from qsym import _shapes as shapes  # noqa: E402


def _median_ms(fn, budget=1.5, most=400):
    fn()
    fn()
    times = []
    t_end = time.perf_counter() + budget
    while len(times) < most and (len(times) < 5 or time.perf_counter() < t_end):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def _digest(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=float)).tobytes())
    return h.hexdigest()[:12]


def main():
    out = {}
    for name in ("seed", "hea4", "hea8", "hea12"):
        row = ROWS[name]
        p = qml.numpy.array(row.param_values(), requires_grad=True)
        for method in ("parameter-shift", "adjoint"):
            node = build_qnode(qml, row, "default.qubit", method)
            grad = qml.grad(node)
            out[f"{name} {method}"] = [_median_ms(lambda: grad(p)), _digest(grad(p))]
    for name, B in (("hea4", 64), ("hea12", 4)):
        row = ROWS[name]
        p = qml.numpy.array(row.param_values(), requires_grad=True)
        for method, call in (("parameter-shift", "batch_value_and_grad"),
                             ("adjoint", "batch_value_and_grad_adjoint")):
            entry, xs, _ = build_qnode(qml, row, "default.qubit", method).compiled((p,), {})
            X = np.tile(shapes.flat(xs), (B, 1)) + 1e-3 * np.arange(B)[:, None]
            fn = getattr(entry, call)
            out[f"batch {name} B={B} {method}"] = [_median_ms(lambda: fn(X)), _digest(*fn(X))]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
