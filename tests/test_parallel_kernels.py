"""qsym's parallel kernels really are parallel: every ``prange`` loop of every kernel
compiled with ``parallel=True`` becomes one of numba's parallel loops (a parfor).

numba leaves a ``prange`` it cannot convert as a plain serial loop, with at most a
performance warning, and the result is the same bits, so no test of values notices: the
blocked adjoint's passes were once silently serial because a loop's count was a
conditional expression (docs/design.md, "Two threads on one large gradient, measured").
Each kernel is typed again here with numba's own pipeline up to its parfor conversion
(no code generation), and the parallel loops it made are compared with the ``prange``
calls in its source, line by line. No timing is involved."""

import ast
import inspect
import textwrap
import warnings

import numba
import numpy as np
import pytest
from numba import prange
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.registry import CPUDispatcher
from numba.core.typed_passes import ParforPass
from numba.parfors.parfor import Parfor

from qsym import _kernels as kernels


class _Parfors(Exception):
    """Carries the parfors' source lines out of the cut pipeline."""


@register_pass(mutates_CFG=False, analysis_only=True)
class _CollectParfors(FunctionPass):
    _name = "qsym_test_collect_parfors"

    def __init__(self):
        FunctionPass.__init__(self)

    def run_pass(self, state):
        lines = []
        stack = list(state.func_ir.blocks.values())
        while stack:
            for inst in stack.pop().body:
                if isinstance(inst, Parfor):
                    if any(isinstance(p, tuple) and p[:2] == ("prange", "user")
                           for p in inst.patterns):
                        lines.append(inst.loc.line)
                    stack.extend(inst.loop_body.values())
        raise _Parfors(sorted(lines))


class _UpToParfors(CompilerBase):
    """numba's nopython pipeline up to and including the conversion to parfors."""

    def define_pipelines(self):
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        cut = [p for p, _ in pm.passes].index(ParforPass)
        del pm.passes[cut + 1 :]
        pm.add_pass(_CollectParfors, "collect the parfors")
        pm.finalize()
        return [pm]


def parfor_lines(dispatcher, sig):
    """The source lines of the ``prange`` loops numba made parallel in ``dispatcher``
    typed with ``sig``."""
    probe = numba.njit(parallel=True, pipeline_class=_UpToParfors)(dispatcher.py_func)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the performance warning of a serial prange)
        try:
            probe.compile(sig)
        except _Parfors as e:
            return e.args[0]
    raise AssertionError("the parfor pass did not run")


def prange_lines(fn):
    """The source lines of the ``prange(...)`` calls in ``fn``."""
    src, start = inspect.getsourcelines(fn)
    tree = ast.parse(textwrap.dedent("".join(src)))
    return sorted(start - 1 + node.lineno for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "prange")


def parallel_kernels():
    return {name: f for name, f in vars(kernels).items()
            if isinstance(f, CPUDispatcher) and f.targetoptions.get("parallel")}


def _run_every_parallel_kernel():
    """Call each parallel kernel once (a small adjoint circuit), so that each has the
    signature qsym calls it with."""
    import qsym as qml
    from qsym._shapes import flat

    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        qml.RZ(p[2], wires=2)
        return qml.expval(qml.PauliZ(2) + 0.5 * qml.PauliZ(0) + 0.25 * qml.PauliZ(1))

    p = qml.numpy.array([0.1, 0.2, 0.3], requires_grad=True)
    entry, xs, ds = circuit.compiled((p,), {})
    x = np.asarray(flat(xs), dtype=float).ravel()
    d = np.asarray(flat(ds), dtype=float).ravel()
    for parallel in (False, True):
        F = np.bool_(parallel)
        mats, smats, ch, C, cc, _ = entry._prepare(x, d, 1)
        kernels.batch_value(entry._ints, entry._floats, mats[None], C[None], F)
        kernels.batch_value_and_grad(entry._ints, entry._floats, mats[None], smats[None],
                                     ch[None], C[None], cc[None], F)
        amats, dmats, ach, aC, acc, _ = entry._prepare_adjoint(x, d)
        kernels.batch_value_and_grad_adjoint(entry._ints, entry._floats, amats[None],
                                             dmats[None], ach[None], aC[None], acc[None], F)
        kernels.batch_value_and_grad_adjoint_blocked(entry._ints, entry._floats, amats[None],
                                                     dmats[None], ach[None], aC[None],
                                                     acc[None], F)
    kernels.program_value_and_grad_parallel(entry._ints, entry._floats, mats, smats, ch, C,
                                            cc, 2)
    from conftest import kernel_returning

    ref = kernel_returning(kernels.program_value_and_grad_adjoint_blocked_into)(
        entry._ints, entry._floats, amats, dmats, ach, aC, acc)
    got = kernels.program_value_and_grad_adjoint_parallel(entry._ints, entry._floats, amats,
                                                          dmats, ach, aC, acc,
                                                          np.empty(0, dtype=np.complex128))
    assert all(np.array_equal(a, b) for a, b in zip(ref, got))
    if not kernels._adjoint_blocked_into_parallel.signatures:  # (its caller came from a cache)
        from test_kernels_blocked import _random_ops, _run, _tables, _words

        rng = np.random.default_rng(0)
        words, _ = _words(6, rng)
        C = rng.normal(size=(1, words[0].shape[0]))
        _run(kernels._adjoint_blocked_into_parallel, 6, _tables(6, _random_ops(rng, 6, 30)),
             words, C, 5, np.int64(2), np.int64(2))


def test_the_parallel_kernels_are_known():
    """The kernels compiled with ``parallel=True``: a new one is added here (and gets
    the check below by being called in ``_run_every_parallel_kernel``)."""
    assert sorted(parallel_kernels()) == sorted([
        "program_value_and_grad_parallel", "_adjoint_blocked_into_parallel",
        "program_value_and_grad_adjoint_parallel", "batch_value", "batch_value_and_grad",
        "batch_value_and_grad_adjoint", "batch_value_and_grad_adjoint_blocked"])


@pytest.mark.parametrize("name", sorted(parallel_kernels()))
def test_every_prange_of_a_parallel_kernel_is_a_parallel_loop(name):
    """Each ``prange`` in the kernel's source is one of numba's parallel loops, at its
    line (the blocked adjoint's driver has one: its team's members, one per thread, each
    running the whole sweep)."""
    f = parallel_kernels()[name]
    if not f.signatures:
        _run_every_parallel_kernel()
    assert f.signatures, f"{name} was not called"
    want = prange_lines(f.py_func)
    if name == "_adjoint_blocked_into_parallel":
        assert len(want) == 1
    assert parfor_lines(f, f.signatures[0]) == want


def test_a_prange_numba_leaves_serial_is_caught():
    """The check itself: a ``prange`` whose count is a conditional expression stays a
    serial loop in numba (what happened to the blocked passes), one with a plain count
    becomes parallel."""
    def serial(a, n, g):
        for c in prange(n if g == 0 else 2 * n):
            a[c] += 1.0

    def parallel(a, n, g):
        for c in prange(n + g * n):
            a[c] += 1.0

    a = np.zeros(8)
    for fn, want in ((serial, []), (parallel, prange_lines(parallel))):
        f = numba.njit(parallel=True)(fn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f(a, 4, 0)
        assert len(prange_lines(fn)) == 1
        assert parfor_lines(f, f.signatures[0]) == want
