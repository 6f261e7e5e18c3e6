"""Generated modules call the kernel library through its table of pointers (qsym._kernel_table).

What is checked, each against a reference that does not go through the table: the numbers
(the kernel called from Python, bit for bit; central finite differences for the gradient),
that a module's compiled code names the table's cell and holds no copy of the kernel (the
point of issue #17: its compile no longer links the kernels), that a module's cached code
finds the table in a new process (addresses differ there), that a kernel's exception and a
failed look-up reach the caller, that other argument types still link the kernel, and that
the switch ``QSYM_KERNEL_TABLE=0`` gives modules that link, as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numba
import numpy
import pytest

import qsym as qml
from qsym import _emit as emit, _kernel_table as table, _kernels as kernels
from qsym import numpy as np

N, L = 4, 3  # 4 wires x 3 layers: too many operations to be written out, so the kernels run


def hea(w):
    for layer in range(L):
        for i in range(N):
            qml.RY(w[layer, i, 0], wires=i)
            qml.RZ(w[layer, i, 1], wires=i)
        for i in range(N - 1):
            qml.CNOT(wires=[i, i + 1])
    return qml.expval(qml.Hamiltonian([0.5, -0.25, 1.0, 0.75], [qml.PauliZ(i) for i in range(N)]))


W = numpy.random.default_rng(65).uniform(-1.0, 1.0, (L, N, 2))


@pytest.fixture(scope="module")
def entry():
    node = qml.QNode(hea, qml.device("default.qubit", wires=N))
    entry, xs, ds = node.compiled((np.array(W),), {})
    assert entry.module.UNROLLED is False and "_q_through_table" in entry.source
    return entry


def _arrays(mod):
    out = numpy.empty(mod.NUM_OUTPUTS)
    return out, numpy.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))


def _kernel_direct(mod, x, d):
    """The value and gradient by the kernel called from Python (no table, no module code
    compiled): ``prepare`` as plain Python, then the kernel's own dispatcher."""
    mats, smats, ch, C, cc, _ = mod.prepare.py_func(x, d, numpy.int64(1))
    out, jac = _arrays(mod)
    kernels.program_value_and_grad_into(mod.PROGRAM_INTS.copy(), mod.PROGRAM_FLOATS.copy(),
                                        mats, smats, ch, C, cc, out, jac)
    return out, jac


def test_a_modules_kernel_call_goes_through_the_table_with_the_kernels_bits(entry):
    mod = entry.module
    x, d = W.ravel().copy(), numpy.zeros(mod.NUM_DATA)
    out, jac = _arrays(mod)
    mod.fused_value_and_grad_into(x, d, out, jac)
    ref_out, ref_jac = _kernel_direct(mod, x, d)
    assert numpy.array_equal(out, ref_out) and numpy.array_equal(jac, ref_jac)
    value = numpy.empty(mod.NUM_OUTPUTS)
    mod.fused_value_into(x, d, value)
    assert numpy.array_equal(value, ref_out)
    h = 1e-6  # an independent check of the gradient itself
    for j in (0, 7, x.shape[0] - 1):
        up, dn = x.copy(), x.copy()
        up[j] += h
        dn[j] -= h
        vu, vd = numpy.empty(1), numpy.empty(1)
        mod.fused_value_into(up, d, vu)
        mod.fused_value_into(dn, d, vd)
        assert abs((vu[0] - vd[0]) / (2 * h) - jac[0, j]) < 1e-7
    # the compiled code names the cell and holds no copy of the kernel (compiled again
    # here, not loaded from the cache, to read its code)
    fresh = numba.njit(mod.fused_value_and_grad_into.py_func)
    fresh(x, d, out, jac)
    ir = fresh.inspect_llvm(fresh.signatures[0])
    assert table.symbol("program_value_and_grad_into") in ir
    assert "8_kernels27program_value_and_grad_into" not in ir  # the kernel's mangled name
    assert numpy.array_equal(out, ref_out) and numpy.array_equal(jac, ref_jac)


def test_a_cached_module_finds_the_table_in_a_new_process(entry):
    mod = entry.module
    x, d = W.ravel().copy(), numpy.zeros(mod.NUM_DATA)
    out, jac = _arrays(mod)
    mod.fused_value_and_grad_into(x, d, out, jac)  # compiled (or loaded) and cached here
    script = textwrap.dedent(f"""
        import json, numpy
        from qsym import _cache as cache
        mod = cache.load_module({entry.source!r})
        x = numpy.array({x.tolist()!r}); d = numpy.zeros({mod.NUM_DATA})
        out = numpy.empty(mod.NUM_OUTPUTS)
        jac = numpy.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))
        mod.fused_value_and_grad_into(x, d, out, jac)
        f = mod.fused_value_and_grad_into
        print(json.dumps({{"out": out.tolist(), "jac": jac.tolist(),
                          "hits": sum(f.stats.cache_hits.values()),
                          "misses": sum(f.stats.cache_misses.values())}}))
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=dict(os.environ), timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["hits"] == 1 and got["misses"] == 0  # numba's cached code, not a compile
    assert got["out"] == out.tolist() and got["jac"] == jac.tolist()


def _probs_program():
    """A program the small value kernel refuses (it measures probabilities)."""
    def probs(a):
        qml.RX(a, wires=0)
        return qml.probs(wires=[0])

    node = qml.QNode(probs, qml.device("default.qubit", wires=1))
    entry, xs, ds = node.compiled((np.array(0.3),), {})
    mod = entry.module
    mats, _, _, C, _, _ = mod.prepare.py_func(numpy.array([0.3]), numpy.zeros(0), numpy.int64(0))
    return mod, mats, C


_small = table.through_table(kernels.program_value_small_into)
_value = table.through_table(kernels.program_value_into)


@numba.njit
def _call_small(ints, floats, mats, C, out):
    _small(ints, floats, mats, C, out)


@numba.njit
def _call_value(ints, floats, mats, C, out):
    _value(ints, floats, mats, C, out)


def test_a_kernels_exception_reaches_the_caller_through_the_table():
    mod, mats, C = _probs_program()
    out = numpy.empty(mod.NUM_OUTPUTS)
    with pytest.raises(ValueError, match="not a program for the small value kernel"):
        _call_small(mod.PROGRAM_INTS.copy(), mod.PROGRAM_FLOATS.copy(), mats, C, out)
    # and the same call of the kernel that runs it: cos^2(a/2), sin^2(a/2)
    _call_value(mod.PROGRAM_INTS.copy(), mod.PROGRAM_FLOATS.copy(), mats, C, out)
    assert numpy.allclose(out, [numpy.cos(0.15) ** 2, numpy.sin(0.15) ** 2], atol=1e-15, rtol=0)


def test_other_argument_types_link_the_kernel_with_the_same_bits():
    def expval(a):
        qml.RX(a, wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(expval, qml.device("default.qubit", wires=1))
    entry, _, _ = node.compiled((np.array(0.3),), {})
    mod = entry.module
    mats, _, _, C, _, _ = mod.prepare.py_func(numpy.array([0.3]), numpy.zeros(0), numpy.int64(0))
    ints, floats = mod.PROGRAM_INTS.copy(), mod.PROGRAM_FLOATS.copy()
    out = numpy.empty(1)
    _call_small(ints, floats, mats, C, out)
    assert abs(out[0] - numpy.cos(0.3)) < 1e-15
    strided = numpy.repeat(mats, 2)[::2]  # the matrices, not C-contiguous: not the cell's type
    assert not strided.flags.c_contiguous and numpy.array_equal(strided, mats)
    again = numpy.empty(1)
    _call_small(ints, floats, strided, C, again)
    assert again[0] == out[0]
    assert {sig[2].layout for sig in _call_small.signatures} == {"C", "A"}


def test_a_failed_look_up_raises_in_the_caller(monkeypatch):
    mod, mats, C = _probs_program()
    out = numpy.empty(mod.NUM_OUTPUTS)
    _call_value(mod.PROGRAM_INTS.copy(), mod.PROGRAM_FLOATS.copy(), mats, C, out)  # compiled
    cell = table._cells["program_value_into"]
    saved = cell.value

    def broken(cell, name, sig):
        raise OSError(f"cannot load {name}")

    monkeypatch.setattr(table, "_fill", broken)  # (what the callback runs: address's body)
    cell.value = None  # as in a new process: the caller looks it up
    try:
        with pytest.raises(RuntimeError, match="program_value_into could not be loaded"):
            _call_value(mod.PROGRAM_INTS.copy(), mod.PROGRAM_FLOATS.copy(), mats, C, out)
        assert isinstance(table.errors[-1], OSError)
    finally:
        cell.value = saved


def test_the_switch_off_gives_a_module_that_links(monkeypatch):
    node = qml.QNode(hea, qml.device("default.qubit", wires=N))
    entry, _, _ = node.compiled((np.array(W),), {})
    monkeypatch.setenv("QSYM_KERNEL_TABLE", "0")
    assert not table.enabled()
    text = emit.emit_module(entry.circuit, entry.plan, key="k")
    assert "_q_through_table" not in text and "from qsym._kernel_table" not in text
    monkeypatch.setenv("QSYM_KERNEL_TABLE", "1")
    text = emit.emit_module(entry.circuit, entry.plan, key="k")
    assert "_q_program_value_into = _q_through_table(_q_program_value_into)" in text
    assert table.SOURCE_HASH in text



def test_two_modules_compiled_in_the_background_call_their_own_kernels():
    """Two QNodes on the same gates (a constant angle drawn here: modules no cache holds),
    the first measuring the state (its module calls ``program_value_small_into``), the
    second ``probs(op=...)`` (``program_value_into``), each compiled in a background process
    and fused: the second's values after promotion are its first answer. numba names
    compiled code by qualified name and a counter of the compiling process, and the table's
    code for two entry points of one signature had one name, so the module loaded second ran
    the first one's kernel: "not a program for the small value kernel" (oracle67, found by
    the oracle's --promote-all; benchmarks/repro_fused_small_value.py). Reference: the first
    answer, on tier 0 (the kernels' Python twins)."""
    angle = float(numpy.random.default_rng().uniform(0.1, 3.0))
    script = textwrap.dedent(f"""
        import json, threading
        import numpy
        import qsym as qml
        from qsym import _tiers
        _tiers.COMPILE_AFTER_CALLS = 2
        H = numpy.array([[1.3, 0.2 - 1j, 0.7j, 0.1], [0.2 + 1j, -0.5, 0.8, -1.1],
                         [-0.7j, 0.8, 2.5, 0.4], [0.1, -1.1, 0.4, -0.4]])

        def make(measure):
            @qml.qnode(qml.device("default.qubit", wires=5))
            def circuit(x):
                qml.RY({angle!r}, wires=2)
                qml.exp(qml.prod(qml.PauliY(3), qml.PauliX(0), qml.PauliY(4)), 1j * x[0])
                qml.RX(x[1], wires=1)
                return measure()
            return circuit

        out = []
        x = qml.numpy.array([-5.91, -3.97])
        for m in (qml.state, lambda: qml.probs(op=qml.Hermitian(H, wires=[4, 0]))):
            node = make(m)
            first = numpy.asarray(node(x))
            for _ in range(3):
                node(x)
            for t in threading.enumerate():
                if isinstance(t, _tiers.Job):
                    t.join(600)
            node(x)
            again = numpy.asarray(node(x))
            out.append([bool(numpy.allclose(first, again, atol=1e-12)),
                        [e.tier for e in node._compiled.values()]])
        print(json.dumps(out))
    """)
    env = {k: v for k, v in os.environ.items() if k != "QSYM_TIER"}
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got == [[True, ["fused"]], [True, ["fused"]]]


def compiled_symbols(fn, sig) -> set:
    """The symbols a tiny caller of ``fn`` (arguments ``sig``) defines, calls or inlines for
    ``fn``'s compiled form, numba's per-process counter (``B..v<k>B``) removed (the caller's
    own, its environment's and its CPython wrapper's left out). Compiled only: no cell is
    filled, no kernel compiled."""
    import re

    params = ", ".join(f"a{k}" for k in range(len(sig)))
    ns = {"fn": fn}
    exec(f"def caller({params}):\n    fn({params})\n", ns)
    caller = numba.njit(ns["caller"])
    caller.compile(sig)
    found = set(re.findall(r"(_ZN[0-9A-Za-z_]*)", caller.inspect_llvm(sig)))
    return {re.sub(r"B\d+v\d+B", "B_v_B", s) for s in found
            if not any(w in s for w in ("caller", "NumbaEnv", "cpython"))}


def _called_symbols(name):
    """:func:`compiled_symbols` of entry point ``name``'s table form (its table signature)."""
    return compiled_symbols(table.through_table(getattr(kernels, name)), table.ENTRIES[name])


def test_entry_points_of_one_signature_compile_to_symbols_of_their_own():
    """Two entry points with one signature (the value kernels; the gradient kernels) must
    not compile to one symbol name: numba names a function by its module, qualified name,
    argument types and a per-process counter, and a process loading two cached modules
    compiled in two other processes (the background compiles) links every call of that
    name to the first one loaded. Stop 67's oracle met it: after a module calling
    ``program_value_small_into`` was loaded, another module's ``program_value_into`` call
    reached the small kernel (ValueError; two gradient kernels could have swapped silently).
    The names without the counter must differ, and each name its entry point."""
    by_sig = {}
    for name, sig in table.ENTRIES.items():
        by_sig.setdefault(sig, []).append(name)
    shared = [names for names in by_sig.values() if len(names) > 1]
    assert shared  # the value kernels and three gradient kernels share a signature
    for names in shared:
        symbols = {name: _called_symbols(name) for name in names}
        for name, syms in symbols.items():
            assert syms and all(name in s for s in syms), (name, syms)
        for a in names:
            for b in names:
                if a < b:
                    assert not symbols[a] & symbols[b], (a, b, symbols[a] & symbols[b])
