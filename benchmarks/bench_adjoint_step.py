#!/usr/bin/env python
"""The loop's written-out steps (adjoint and parameter shift) with and without their
products by zero folded away (issue #19; ``qsym._emit.fold_zero_terms``).

Usage::

    python benchmarks/bench_adjoint_step.py

For the seed (RX RY, <Z>), a one-wire circuit of three gates with a two-term observable
and a two-wire circuit of four gates (CNOT, CRX), the loop module's ``_q_step`` is built
twice per method in this process (the lines whole, ``fold_zero_terms`` replaced by
``list``, and folded, as qsym makes them; parameter shift where it is written out); each runs in a numba loop of dependent gradient-descent steps (``x -= 0.01 * jac``,
restarted every 5000 steps, as ``qml.minimize`` chains them). Each method's two forms'
iterates are checked equal to every bit first. Prints this thread's CPU ns per step,
median (min) of 9 interleaved repeats of 100 000 steps.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QSYM_TIER", "compiled")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as onp  # noqa: E402

import qsym as qml  # noqa: E402
from qsym import _cache as cache, _emit as emit, _minimize as mm, _tiers as tiers  # noqa: E402

dev1, dev2 = qml.device("default.qubit", wires=1), qml.device("default.qubit", wires=2)
H1 = qml.Hamiltonian([0.5, 0.7], [qml.PauliZ(0), qml.PauliY(0)])


def seed(p):
    qml.RX(p[0], wires=0)
    qml.RY(p[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def one_wire(p):
    qml.RX(2.0 * p[0], wires=0)
    qml.RY(p[1], wires=0)
    qml.Rot(p[2], 0.3, -0.4, wires=0)
    return qml.expval(H1)


def two_wires(p):
    qml.RX(p[0], wires=0)
    qml.CNOT(wires=[0, 1])
    qml.CRX(p[1], wires=[1, 0])
    qml.RZ(p[2], wires=1)
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))


def chain_of(step):
    @numba.njit
    def chain(x0, n, out, jac, d):
        x = x0.copy()
        for k in range(n):
            if k % 5000 == 0:
                x[:] = x0
            step(x, d, out, jac)
            for j in range(x.shape[0]):
                x[j] -= 0.01 * jac[0, j]
        return x
    return chain


def main():
    fold = emit.fold_zero_terms
    for name, fn, dev, n in (("seed", seed, dev1, 2), ("one wire, three gates", one_wire, dev1, 3),
                             ("two wires, four gates", two_wires, dev2, 3)):
        x0 = onp.array([0.54, 0.12, -0.3][:n])
        loops = {}
        for method, short in (("adjoint", "adjoint"), ("parameter-shift", "shift")):
            for how in ("whole", "folded"):
                emit.fold_zero_terms = list if how == "whole" else fold
                try:
                    entry, _, _ = qml.qnode(dev, diff_method=method)(fn).compiled(
                        (x0,), {}, diff=(0,))
                    if mm.step_form(entry, method)[0] != "written out":
                        continue
                    tiers.loaded(entry.module)
                    mod = cache.load_module(mm._make_loop_source(entry, method))
                finally:
                    emit.fold_zero_terms = fold
                loops[f"{short}, {how}"] = chain_of(mod._q_step)
        d, out, jac = onp.zeros(0), onp.empty(1), onp.empty((1, n))
        ends = {k: f(x0, 20000, out, jac, d) for k, f in loops.items()}
        for short in ("adjoint", "shift"):
            if f"{short}, whole" in ends:
                assert ends[f"{short}, whole"].tobytes() == ends[f"{short}, folded"].tobytes()
        times = {k: [] for k in loops}
        for _ in range(9):
            for k, f in loops.items():
                t0 = time.thread_time_ns()
                f(x0, 100000, out, jac, d)
                times[k].append((time.thread_time_ns() - t0) / 100000)
        print(f"| {name} | " + " | ".join(
            f"{k}: {statistics.median(v):.1f} ({min(v):.1f})" for k, v in times.items()) + " |")
    print(f"\nload average (1 min) {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
