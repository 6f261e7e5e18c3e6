"""An adversarial review of the kernel table (qsym._kernel_table, issue #17, rev65).

Compiled code holds the addresses of the table's cells and its look-up callback: a cell
freed or refilled under it, or a kernel whose compiled signature is not the one the caller
calls with, is a segfault or a silent wrong number. Checked here: a module called after
``importlib.reload`` of the table (IPython's autoreload) gives the same bits as before (it
crashed: the reload freed the cells and the callback), and a kernel that does not compile
to its table entry's exact signature is refused by the look-up, not called.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import textwrap

import numba
import numpy
import pytest

import qsym as qml
from qsym import _kernel_table as table, _kernels as kernels
from qsym import numpy as np

N, L = 4, 3  # enough operations that the kernels run (not written out)


def hea(w):
    for layer in range(L):
        for i in range(N):
            qml.RY(w[layer, i, 0], wires=i)
            qml.RZ(w[layer, i, 1], wires=i)
        for i in range(N - 1):
            qml.CNOT(wires=[i, i + 1])
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(N - 1))


def test_a_module_survives_a_reload_of_the_table():
    # a fresh process: before the fix the second call read freed cells (a segfault)
    w = numpy.random.default_rng(651).uniform(-1.0, 1.0, (L, N, 2))
    node = qml.QNode(hea, qml.device("default.qubit", wires=N))
    entry, _, _ = node.compiled((np.array(w),), {})
    assert entry.module.UNROLLED is False and "_q_through_table" in entry.source
    script = textwrap.dedent(f"""
        import ctypes, gc, importlib, json, numpy
        from qsym import _cache as cache, _kernel_table as table
        mod = cache.load_module({entry.source!r})
        x = numpy.array({w.ravel().tolist()!r}); d = numpy.zeros(mod.NUM_DATA)
        def call():
            out = numpy.empty(mod.NUM_OUTPUTS)
            jac = numpy.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))
            mod.fused_value_and_grad_into(x, d, out, jac)
            return out.tolist(), jac.tolist()
        first = call()
        importlib.reload(table)
        gc.collect()
        junk = [ctypes.c_void_p(8) for _ in range(100000)]  # take the freed cells' blocks
        print(json.dumps({{"first": first, "again": call()}}))
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=dict(os.environ), timeout=900)
    assert res.returncode == 0, (res.returncode, res.stderr[-3000:])
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["again"] == got["first"]
    # and the numbers are right: the value and central finite differences of it, both from
    # the plain-Python tier (no kernel, no table)
    out, jac = numpy.array(got["first"][0]), numpy.array(got["first"][1])
    h = 1e-6
    for j in (0, 9, w.size - 1):
        up, dn = w.ravel().copy(), w.ravel().copy()
        up[j] += h
        dn[j] -= h
        fd = (float(node(np.array(up.reshape(w.shape)))) - float(node(np.array(dn.reshape(w.shape))))) / (2 * h)
        assert abs(jac[0, j] - fd) < 1e-6
    assert abs(out[0] - float(node(np.array(w)))) < 1e-12


@numba.njit(cache=False)
def _returns_a_number(ints, floats, mats, C, out):
    out[0] = 1.0
    return 2.5


def test_a_kernel_not_compiled_to_its_entrys_signature_is_refused(monkeypatch):
    # a kernel that returns a value: the caller's code calls it as returning nothing (its
    # result would be written past the caller's slot); the look-up refuses it
    name = "program_value_small_into"
    monkeypatch.setattr(kernels, name, _returns_a_number)
    monkeypatch.setitem(table._cells, name, ctypes.c_void_p(0))
    with pytest.raises(RuntimeError, match="ENTRIES must list its exact signature"):
        table.address(name)
    assert not table._cells[name].value


_value = table.through_table(kernels.program_value_into)


@numba.njit
def _call_value(ints, floats, mats, C, out):
    _value(ints, floats, mats, C, out)


def _empty_cell_call(monkeypatch, raised):
    """Call the value kernel through an emptied cell whose look-up raises ``raised`` (the
    kernel itself never runs: the arguments only need the table's types)."""
    name = "program_value_into"
    cell = table._cells[name]
    saved = cell.value

    def look_up(cell, name, sig):
        raise raised

    monkeypatch.setattr(table, "_fill", look_up)
    cell.value = None  # as at a process's first call
    try:
        _call_value(numpy.zeros(1, numpy.int64), numpy.zeros(1), numpy.zeros(1, complex),
                    numpy.zeros((1, 1)), numpy.zeros(1))
    finally:
        cell.value = saved


def test_a_ctrl_c_during_the_first_look_up_stays_a_keyboard_interrupt(monkeypatch):
    # before: the caller raised RuntimeError("... could not be loaded"), so a user's
    # ``except KeyboardInterrupt`` (stopping an optimization loop) never saw it
    with pytest.raises(KeyboardInterrupt, match="interrupted while loading"):
        _empty_cell_call(monkeypatch, KeyboardInterrupt())
    assert isinstance(table.errors[-1], KeyboardInterrupt)
    with pytest.raises(RuntimeError, match="could not be loaded"):  # any other error
        _empty_cell_call(monkeypatch, OSError("cannot load"))
