"""The compiled-once statevector kernel library (numba, cached on disk).

Circuits reach these kernels as a packed program (:data:`PROGRAM_SECTIONS`, written by
:meth:`qsym._program.Program.pack`): per op its wire count, wires, storage kind (one of
``DENSE``, ``DIAGONAL``, ``CONTROLLED_X``, ``REAL``, ``PAULI``, ``PCPHASE``) and the offset
of its matrix in one flat complex array; the measured words; the shift terms and the
chain-rule tables. The kernels own the parameter-shift walk (``shift_values``,
``accumulate_terms``) and its chain-rule finish (``shift_finish``). The generated module's
``prepare`` fills the matrices from the gate parameters, so a new circuit compiles only
its small glue, not the simulator.

Conventions: wire ``w`` of an ``n``-wire state is bit ``n - 1 - w`` of the basis index (wire
0 most significant, as in PennyLane). A gate's own matrix has its first wire most
significant. A Pauli word is measured from three masks over the index bits: ``flip`` (X or
Y), ``zmask`` (Y or Z, the sign) and ``ny`` (the number of Y, for the phase ``i**ny``).

This module imports only numpy and numba (and numba's llvmlite), so that exported modules
(ahead-of-time use) can carry it along.

>>> import numpy as np
>>> psi = np.array([1, 0], dtype=np.complex128)
>>> apply_op(psi, 1, np.array([0]), 1, 0, np.array([0, 1, 1, 0], dtype=np.complex128), 0)
>>> psi.real
array([0., 1.])
"""

import ctypes
import functools
import hashlib
import sys
import types
from pathlib import Path

import llvmlite.binding as _ll
import numba
import numpy as np
from llvmlite import ir as _llvm_ir
from numba import njit, prange
from numba.core import cgutils as _cgutils
from numba.core import types as _nbtypes
from numba.extending import intrinsic, overload

from ._locks import new_lock

DENSE = 0
DIAGONAL = 1
CONTROLLED_X = 2  # CNOT, Toffoli: a permutation (the stored dense matrix is not read)
REAL = 3  # a dense matrix that is real: real arithmetic on the float64 view (vectorizes)
# gates on many wires (qsym._gates.STRUCTURED_MIN_WIRES), a few numbers instead of 4^k:
PAULI = 4  # a I + b P on the states whose control wires hold their values (apply_pauli)
PCPHASE = 5  # e^{it} on the first dim basis states of the gate, e^{-it} on the others

# The Pauli matrices (NumPy, complex), for the modules that need them as numbers
PAULI_MATRICES = {
    "I": np.eye(2, dtype=np.complex128),
    "X": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "Z": np.array([[1, 0], [0, -1]], dtype=np.complex128),
}

# Reductions (inner products) are summed in source order: no fastmath (its summation
# order depends on the call site: docs/design.md, "Measurements behind the design").

# Threads only where they pay (numba's threads). Work is counted in amplitudes x ops x
# circuits (state updates): a batch (rows on threads, see qsym.emit) goes parallel from
# PARALLEL_MIN_WORK in all, one parameter-shift gradient shares its shifted circuits among
# threads (program_value_and_grad_parallel) from PARALLEL_SHIFT_MIN_WORK. The thresholds
# are measured: docs/design.md, "Batches and threads" and "Measurements behind the design".
PARALLEL_MIN_WORK = 1 << 14
PARALLEL_SHIFT_MIN_WORK = 1 << 22

# numba's "workqueue" threading layer (used when neither TBB nor OpenMP is installed)
# aborts the process if two threads launch parallel kernels at once: launches from Python
# then take this lock. (Before the first launch the layer is not known yet: locked too.)
LAUNCH_LOCK = new_lock()


def launch_needs_lock() -> bool:
    """Whether parallel kernels must be launched one at a time (see ``LAUNCH_LOCK``)."""
    try:
        return numba.threading_layer() == "workqueue"
    except ValueError:  # no parallel kernel has run yet
        return True


def num_threads() -> int:
    """The number of threads numba's parallel kernels use now (``numba.set_num_threads``)."""
    return numba.get_num_threads()


def call_dynamic(fn, *args):
    """Call the parallel kernel ``fn`` with its prange iterations handed out one at a time
    (numba's chunk size 1) instead of split evenly in advance: on a machine shared with
    other work, a thread that gets less CPU then takes fewer rows rather than holding up
    the others (docs/design.md, "Measurements behind the design"). The setting is
    numba's, per thread, and is restored."""
    old = numba.set_parallel_chunksize(1)
    try:
        return fn(*args)
    finally:
        numba.set_parallel_chunksize(old)


# --- a team of threads on one gradient (the blocked adjoint's parallel form) ---------------
# One parallel region per gradient instead of one per pass: each of numba's threads runs the
# whole sweep, and the passes' chunks are claimed one at a time from a shared counter per
# step (team_add); a thread that has claimed nothing more waits until every chunk of the
# step is done (_wait) before the next step. A thread never waits for another to
# start, only for work another has claimed (so is running): a member that starts late, or
# runs after the others (fewer threads than members), finds every step done and passes
# through. What writes shared memory outside the chunks runs once, by the member that
# claims it. In plain Python (tier 0's twins) these are ordinary reads and writes, and a
# team has one member. Measured: docs/design.md, "Two threads on one large gradient".
def _compiled_as(impl):
    """Register ``impl`` (an ``@overload`` implementation: it returns the compiled form) for
    the plain-Python function it decorates, which it returns: Python runs the function,
    numba's compiled code the form (bound by name, so that an export carries both only
    where they are used). Each form is a function named after its kernel, never a lambda:
    numba names compiled code by module, qualified name, argument types and a per-process
    counter, so two lambda forms of one argument list compiled in two processes and loaded
    into one were one symbol (the kernel table's crash of stop 67)."""
    def register(py):
        overload(py)(impl)  # (compiled into each caller's code, cached with it)
        return py
    return register


@intrinsic
def _atomic_add(typingctx, a, i, v):
    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = context.cast(builder, args[1], signature.args[1], _nbtypes.intp)
        ptr = _cgutils.get_item_pointer(context, builder, aryty, ary, [idx])
        val = context.cast(builder, args[2], signature.args[2], _nbtypes.int64)
        return builder.atomic_rmw("add", ptr, val, "seq_cst")
    return _nbtypes.int64(a, i, v), codegen


@intrinsic
def _atomic_read(typingctx, a, i):
    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = context.cast(builder, args[1], signature.args[1], _nbtypes.intp)
        ptr = _cgutils.get_item_pointer(context, builder, aryty, ary, [idx])
        return builder.load_atomic(ptr, "acquire", 8)
    return _nbtypes.int64(a, i), codegen


@intrinsic
def _yield_cpu(typingctx):
    def codegen(context, builder, signature, args):
        if sys.platform != "win32":  # (POSIX; on Windows a waiting member only spins)
            fn = _cgutils.get_or_insert_function(
                builder.module, _llvm_ir.FunctionType(_llvm_ir.IntType(32), []), "sched_yield")
            builder.call(fn, [])
        return context.get_dummy_value()
    return _nbtypes.void(), codegen


@intrinsic
def _threads_now(typingctx):
    """numba's thread count (its threading layer's own symbol, as its parfors read it):
    only in code compiled with ``parallel=True`` (a process that loads it from the cache
    starts numba's threads first). Typing it starts them, as numba's own form does: the
    symbol exists from then on."""
    from numba.np.ufunc.parallel import _launch_threads

    _launch_threads()

    def codegen(context, builder, signature, args):
        fn = _cgutils.get_or_insert_function(
            builder.module, _llvm_ir.FunctionType(_cgutils.intp_t, []), "get_num_threads")
        return builder.call(fn, [])
    return _nbtypes.intp(), codegen


def _team_add_form(a, i, v):
    def team_add_compiled(a, i, v):
        return _atomic_add(a, i, v)
    return team_add_compiled


@_compiled_as(_team_add_form)
def team_add(a, i, v):
    """``a[i] += v``, returning the old ``a[i]``: in compiled code one atomic
    read-modify-write (sequentially consistent) on an int64 array."""
    old = a[i]
    a[i] = old + v
    return old


def _team_read_form(a, i):
    def team_read_compiled(a, i):
        return _atomic_read(a, i)
    return team_read_compiled


@_compiled_as(_team_read_form)
def team_read(a, i):
    """``a[i]``, in compiled code an atomic read (acquire: what its writer wrote before
    its :func:`team_add` is seen after it)."""
    return a[i]


def _team_pause_form():
    def team_pause_compiled():
        _yield_cpu()
    return team_pause_compiled


@_compiled_as(_team_pause_form)
def team_pause():
    """A waiting member's pause: in compiled code ``sched_yield`` (on a machine busy with
    other work, the thread being waited for may need this core), nothing in Python."""
    return None


def _team_threads_form():
    def team_threads_compiled():
        return _threads_now()
    return team_threads_compiled


@_compiled_as(_team_threads_form)
def team_threads():
    """The members of a team: numba's thread count in compiled code (its parallel form),
    1 in Python."""
    return 1


TEAM_SPINS = 2000  # reads of a step's count before each pause (a few microseconds)


# One signature per kernel (issue #17: the library's cold compile). numba compiles a
# kernel again for every new argument type, and a constant argument has its own type
# (``Literal[int](0)``, ``Literal[bool](True)``), as has a prange index (uint64): a call
# ``run_ops(psi, n, 0, ...)`` beside ``run_ops(psi, n, k, ...)`` compiles run_ops, and
# everything it calls, twice. So kernels are called with ``np.int64(0)`` / ``np.bool_(True)``
# for constants and ``np.int64(b)`` for a prange index (LLVM still sees the constant);
# tests/test_kernels.py checks that the library compiles each kernel once.
@njit(cache=True, inline="always")
def _insert_zero(i, b):
    low = i & ((1 << b) - 1)
    return ((i >> b) << (b + 1)) | low


@njit(cache=True)
def apply_dense1(state, n, w, mats, off):
    """A dense complex 2x2 matrix on wire ``w``, on the float64 view of the state: wire
    ``n-1`` (adjacent pairs) one group of 4 floats at a time, other wires by blocks of
    contiguous runs (0-based loops over views: no index-sign checks, fewer shuffles)."""
    b = n - 1 - w
    ar = mats[off].real
    ai = mats[off].imag
    br = mats[off + 1].real
    bi = mats[off + 1].imag
    cr = mats[off + 2].real
    ci = mats[off + 2].imag
    dr = mats[off + 3].real
    di = mats[off + 3].imag
    s = state.view(np.float64)
    size = s.shape[0]
    if b == 0:
        for g in range(size >> 2):
            p = 4 * g
            x0 = s[p]
            y0 = s[p + 1]
            x1 = s[p + 2]
            y1 = s[p + 3]
            s[p] = ar * x0 - ai * y0 + br * x1 - bi * y1
            s[p + 1] = ar * y0 + ai * x0 + br * y1 + bi * x1
            s[p + 2] = cr * x0 - ci * y0 + dr * x1 - di * y1
            s[p + 3] = cr * y0 + ci * x0 + dr * y1 + di * x1
        return
    F = 2 << b
    for base in range(0, size, 2 * F):
        lo = s[base : base + F]
        hi = s[base + F : base + 2 * F]
        for j in range(F >> 1):
            p = 2 * j
            x0 = lo[p]
            y0 = lo[p + 1]
            x1 = hi[p]
            y1 = hi[p + 1]
            lo[p] = ar * x0 - ai * y0 + br * x1 - bi * y1
            lo[p + 1] = ar * y0 + ai * x0 + br * y1 + bi * x1
            hi[p] = cr * x0 - ci * y0 + dr * x1 - di * y1
            hi[p + 1] = cr * y0 + ci * x0 + dr * y1 + di * x1


@njit(cache=True)
def apply_real1(state, n, w, mats, off):
    """A real 2x2 matrix (the real parts of ``mats[off:off+4]``) on wire ``w``: the same
    real arithmetic on real and imaginary parts, so on the float64 view it acts on
    contiguous runs of ``2 << b`` floats, which LLVM vectorizes (4-5x the complex
    kernel's speed on 16 wires)."""
    b = n - 1 - w
    m00 = mats[off].real
    m01 = mats[off + 1].real
    m10 = mats[off + 2].real
    m11 = mats[off + 3].real
    s = state.view(np.float64)
    size = s.shape[0]
    if b == 0:
        for g in range(size >> 2):
            p = 4 * g
            x0 = s[p]
            y0 = s[p + 1]
            x1 = s[p + 2]
            y1 = s[p + 3]
            s[p] = m00 * x0 + m01 * x1
            s[p + 1] = m00 * y0 + m01 * y1
            s[p + 2] = m10 * x0 + m11 * x1
            s[p + 3] = m10 * y0 + m11 * y1
        return
    if b == 1:  # runs of 4 floats: a 3-d view (a flat index here ran 4-8x slower)
        t = s.reshape((size >> 3, 2, 4))
        for g in range(t.shape[0]):
            for x in range(4):
                u = t[g, 0, x]
                v = t[g, 1, x]
                t[g, 0, x] = m00 * u + m01 * v
                t[g, 1, x] = m10 * u + m11 * v
        return
    F = 2 << b
    for base in range(0, size, 2 * F):
        lo = s[base : base + F]
        hi = s[base + F : base + 2 * F]
        for j in range(F):
            u = lo[j]
            v = hi[j]
            lo[j] = m00 * u + m01 * v
            hi[j] = m10 * u + m11 * v


@njit(cache=True)
def apply_diag1(state, n, w, mats, off):
    b = n - 1 - w
    d0 = mats[off]
    d1 = mats[off + 1]
    for i in range(state.shape[0]):
        if (i >> b) & 1:
            state[i] *= d1
        else:
            state[i] *= d0


@njit(cache=True)
def apply_dense2(state, n, w0, w1, mats, off):
    b0 = n - 1 - w0
    b1 = n - 1 - w1
    lo = min(b0, b1)
    hi = max(b0, b1)
    s0 = 1 << b0
    s1 = 1 << b1
    m = mats[off : off + 16]
    for i in range(state.shape[0] >> 2):
        base = _insert_zero(_insert_zero(i, lo), hi)
        i0 = base
        i1 = base | s1
        i2 = base | s0
        i3 = base | s0 | s1
        a0 = state[i0]
        a1 = state[i1]
        a2 = state[i2]
        a3 = state[i3]
        state[i0] = m[0] * a0 + m[1] * a1 + m[2] * a2 + m[3] * a3
        state[i1] = m[4] * a0 + m[5] * a1 + m[6] * a2 + m[7] * a3
        state[i2] = m[8] * a0 + m[9] * a1 + m[10] * a2 + m[11] * a3
        state[i3] = m[12] * a0 + m[13] * a1 + m[14] * a2 + m[15] * a3


@njit(cache=True)
def apply_cnot(state, n, c, t):
    """CNOT: swap the target's amplitude pairs where the control is 1 (half the state is
    read and written; no arithmetic), block by block over the two bits."""
    bc = n - 1 - c
    bt = n - 1 - t
    lo = min(bc, bt)
    hi = max(bc, bt)
    cbit = 1 << bc
    tbit = 1 << bt
    slo = 1 << lo
    shi = 1 << hi
    dim = state.shape[0]
    for a in range(0, dim, 2 * shi):
        for base in range(a, a + shi, 2 * slo):
            for j in range(base, base + slo):
                i0 = j | cbit
                i1 = i0 | tbit
                x = state[i0]
                state[i0] = state[i1]
                state[i1] = x


@njit(cache=True)
def apply_cx(state, n, wires, k):
    """X on wire ``wires[k-1]`` where every wire ``wires[:k-1]`` is 1 (CNOT, Toffoli)."""
    if k == 2:
        apply_cnot(state, n, wires[0], wires[1])
        return
    bits = np.empty(k, dtype=np.int64)
    mask = 0
    for q in range(k):
        bits[q] = n - 1 - wires[q]
        if q < k - 1:
            mask |= 1 << bits[q]
    tbit = 1 << bits[k - 1]
    sorted_bits = np.sort(bits)
    for i in range(state.shape[0] >> k):
        i0 = i
        for q in range(k):
            i0 = _insert_zero(i0, sorted_bits[q])
        i0 |= mask
        i1 = i0 | tbit
        a = state[i0]
        state[i0] = state[i1]
        state[i1] = a


@njit(cache=True)
def _local_index(i, n, wires, k):
    """The gate-local index (first wire most significant) of basis index ``i``."""
    j = 0
    for t in range(k):
        j = (j << 1) | ((i >> (n - 1 - wires[t])) & 1)
    return j


@njit(cache=True)
def apply_diag(state, n, wires, k, mats, off):
    for i in range(state.shape[0]):
        state[i] *= mats[off + _local_index(i, n, wires, k)]


@njit(cache=True)
def apply_dense(state, n, wires, k, mats, off):
    """Any k-wire dense matrix: gather 2^k amplitudes, multiply, scatter."""
    dim = 1 << k
    bits = np.empty(k, dtype=np.int64)
    for t in range(k):
        bits[t] = n - 1 - wires[t]
    sorted_bits = np.sort(bits)
    idx = np.empty(dim, dtype=np.int64)
    for j in range(dim):
        v = 0
        for t in range(k):
            if (j >> (k - 1 - t)) & 1:
                v |= 1 << bits[t]
        idx[j] = v
    vec = np.empty(dim, dtype=np.complex128)
    for i in range(state.shape[0] >> k):
        base = i
        for t in range(k):
            base = _insert_zero(base, sorted_bits[t])
        for j in range(dim):
            vec[j] = state[base | idx[j]]
        for r in range(dim):
            acc = 0j
            row = off + r * dim
            for j in range(dim):
                acc += mats[row + j] * vec[j]
            state[base | idx[r]] = acc


@njit(cache=True, inline="always")
def _state_mask(local, n, wires, k):
    """A mask over the gate's own ``k`` bits (first wire most significant) as a mask over
    the state's index bits."""
    m = 0
    for q in range(k):
        if (local >> (k - 1 - q)) & 1:
            m |= 1 << (n - 1 - wires[q])
    return m


@njit(cache=True)
def apply_pauli(state, n, wires, k, mats, off):
    """``a I + b P`` (a Pauli word ``P``) on the basis states whose control wires hold their
    values, the identity on the others: stored as ``a, b, flip + i z, ny + i zero, cmask +
    i cval`` (masks over the gate's wires, see qsym.gates). ``P|j> = i^ny (-1)^|j & z| |j ^
    flip>``, so each pair ``(i, i ^ flip)`` is a 2x2 update and a diagonal word (flip 0) a
    sign: PauliRot and MultiRZ on any number of wires in one pass, no 2^k x 2^k matrix.
    ``zero`` 1: zero, not the identity, on the other states (the derivative of a controlled
    rotation, ``qml.ctrl``'s rows: its controlled block's derivative, 0 elsewhere)."""
    if mats[off + 3].imag != 0.0:
        cm0 = _state_mask(int(mats[off + 4].real), n, wires, k)
        cv0 = _state_mask(int(mats[off + 4].imag), n, wires, k)
        for i in range(state.shape[0]):
            if (i & cm0) != cv0:
                state[i] = 0j
    a = mats[off]
    b = mats[off + 1]
    f = _state_mask(int(mats[off + 2].real), n, wires, k)
    z = _state_mask(int(mats[off + 2].imag), n, wires, k)
    r = int(mats[off + 3].real) & 3
    cm = _state_mask(int(mats[off + 4].real), n, wires, k)
    cv = _state_mask(int(mats[off + 4].imag), n, wires, k)
    if r == 0:  # bp = i^ny b
        bp = b
    elif r == 1:
        bp = complex(-b.imag, b.real)
    elif r == 2:
        bp = -b
    else:
        bp = complex(b.imag, -b.real)
    dim = state.shape[0]
    if f == 0:  # diagonal: (a + sign * b) per amplitude
        dp = a + bp
        dm = a - bp
        for i in range(dim):
            if (i & cm) == cv:
                if _parity(i & z):
                    state[i] *= dm
                else:
                    state[i] *= dp
        return
    for i in range(dim):
        j = i ^ f
        if i < j and (i & cm) == cv:
            x = state[i]
            y = state[j]
            bj = -bp if _parity(j & z) else bp
            bi = -bp if _parity(i & z) else bp
            state[i] = a * x + bj * y
            state[j] = a * y + bi * x


@njit(cache=True)
def apply_pcphase(state, n, wires, k, mats, off):
    """PCPhase: ``mats[off]`` on the gate's first ``dim`` basis states (gate-local index,
    first wire most significant), ``mats[off + 1]`` on the others; ``dim`` in
    ``mats[off + 2]``."""
    d0 = mats[off]
    d1 = mats[off + 1]
    dim = int(mats[off + 2].real)
    for i in range(state.shape[0]):
        if _local_index(i, n, wires, k) < dim:
            state[i] *= d0
        else:
            state[i] *= d1


@njit(cache=True)
def apply_op(state, n, wires, k, kind, mats, off):
    """Apply one op (wires ``wires[:k]``, storage ``kind``) with its matrix at ``mats[off:]``."""
    apply_row(state, n, wires.reshape((1, wires.shape[0])), 0, k, kind, mats, off)


@njit(cache=True, inline="always")
def apply_row(state, n, op_wires, q, k, kind, mats, off):
    """``apply_op`` for op ``q`` of the op table, its wires read from ``op_wires[q]``."""
    if kind == CONTROLLED_X:
        if k == 2:
            apply_cnot(state, n, op_wires[q, 0], op_wires[q, 1])
        else:
            apply_cx(state, n, op_wires[q], k)
    elif kind == DIAGONAL:
        if k == 1:
            apply_diag1(state, n, op_wires[q, 0], mats, off)
        else:
            apply_diag(state, n, op_wires[q], k, mats, off)
    elif kind == PAULI:
        apply_pauli(state, n, op_wires[q], k, mats, off)
    elif kind == PCPHASE:
        apply_pcphase(state, n, op_wires[q], k, mats, off)
    elif k == 1:
        if kind == REAL:
            apply_real1(state, n, op_wires[q, 0], mats, off)
        else:
            apply_dense1(state, n, op_wires[q, 0], mats, off)
    elif k == 2:
        apply_dense2(state, n, op_wires[q, 0], op_wires[q, 1], mats, off)
    else:
        apply_dense(state, n, op_wires[q], k, mats, off)


# apply_row is inlined (numba IR) into the loops over ops: no call, no reference counts
# per op (numba counts references for every array argument of a non-leaf call).
@njit(cache=True)
def run_ops(state, n, start, stop, op_wires, op_nw, op_kind, op_off, mats):
    """Apply ops ``start .. stop-1`` of the op table to ``state`` in place."""
    for q in range(start, stop):
        apply_row(state, n, op_wires, q, op_nw[q], op_kind[q], mats, op_off[q])


# Runs of one-wire ops, as a whole: ops on different wires commute, so a run is applied
# layer by layer (the first op of every wire, then the second ...), and the diagonal ops
# of a layer (RZ, PhaseShift ...) are multiplied into the state together, in one pass.
# Used where only the final state counts (the shifted circuits' tails).
FUSE_MIN_RUN = 4
FUSE_MIN_WIRES = 8  # below, op by op (the tables would cost more than they save)
_CHUNK = 8  # index bits per lookup table of a fused diagonal


@njit(cache=True)
def run_ops_fused(state, work, n, start, stop, op_wires, op_nw, op_kind, op_off, mats, ks,
                  smats, soff, drop):
    """``run_ops``, with every run of at least ``FUSE_MIN_RUN`` one-wire ops applied layer
    by layer and each layer's one-wire diagonals in one pass (``apply_diag_layer``), and
    every run of at least ``FUSE_MIN_RUN`` CNOTs as one permutation (``gather_cnot_run``,
    through the work state ``work``). Op ``ks`` (if in the range; -1 for none) takes its
    matrix from ``smats[soff:]`` instead: a shifted gate joins its layer (no pass of its
    own). Ops with ``drop[r]`` (``droppable_diagonals``; ``drop`` may be empty) are left
    out: they change no measured value. The same state up to
    rounding (the diagonal products are formed in another order), or with the dropped
    diagonals left out, the same measured values. Returns the array that holds the final
    state: a CNOT run gathers from one of ``state`` and ``work`` into the other (no copy
    back), so it may be either; the other one is left as scratch. (:func:`run_tail` does
    the same with a :func:`tail_plan`: the same bits.)"""
    at, steps, ctab, rtab, gtab = _no_plan(n)
    return run_tail(state, work, n, start, stop, op_wires, op_nw, op_kind, op_off, mats, ks,
                    smats, soff, drop, at, steps, ctab, rtab, gtab)


@njit(cache=True, inline="always")
def _no_plan(n):
    """An empty :func:`tail_plan` (every run made as the tail reaches it)."""
    return _plan_arrays(np.zeros((0, 5), dtype=np.int64), np.int64(0), np.int64(0),
                        np.int64(0), np.int64(0), n)


# A tail's segments (run_tail, tail_plan): a run of two-wire CNOTs, one op on several
# wires, a run of one-wire ops.
TAIL_CNOTS = 0
TAIL_OP = 1
TAIL_ONE_WIRE = 2


@njit(cache=True, inline="always")
def _tail_segment(q, stop, op_nw, op_kind):
    """The segment of a tail that starts at op ``q``: its end and its kind (TAIL_*)."""
    if op_kind[q] == CONTROLLED_X and op_nw[q] == 2:
        e = q
        while e < stop and op_kind[e] == CONTROLLED_X and op_nw[e] == 2:
            e += 1
        return e, TAIL_CNOTS
    if op_nw[q] != 1:
        return q + 1, TAIL_OP
    e = q
    while e < stop and op_nw[e] == 1:
        e += 1
    return e, TAIL_ONE_WIRE


@njit(cache=True, inline="always")  # (in its two callers: one library fewer, issue #17)
def run_tail(state, work, n, start, stop, op_wires, op_nw, op_kind, op_off, mats, ks, smats,
             soff, drop, at, steps, ctab, rtab, gtab):
    """:func:`run_ops_fused`, taking the runs that :func:`tail_plan` made (``at`` ...
    ``gtab``; empty: none) from the plan instead of making them again: the same passes in
    the same order, the same bits. A run is taken from the plan only if it starts and ends
    where the plan's does and does not hold the shifted op ``ks``."""
    if n < FUSE_MIN_WIRES or work.shape[0] != state.shape[0]:
        for r in range(start, stop):
            if not _dropped(r, drop):
                apply_row(state, n, op_wires, r, op_nw[r], op_kind[r],
                          _mats_of(r, ks, mats, smats), _off_of(r, ks, op_off, soff))
        return state
    cur = state
    other = work
    q = start
    # an unplanned run's step and tables: the plan's last row and last tables (_plan_arrays)
    s1 = steps.shape[0] - 1
    c1 = ctab.shape[0] - _layer_table_size(n)
    r1 = rtab.shape[0] - 2 * min(state.shape[0], 1 << _CHUNK)
    while q < stop:
        e, seg = _tail_segment(q, stop, op_nw, op_kind)
        planned = q < at.shape[0] and at[q, 0] == e and (ks < q or ks >= e)
        if seg == TAIL_CNOTS:
            if e - q >= FUSE_MIN_RUN:
                if planned:
                    gather_with_tables(cur, other, n, gtab, at[q, 1])
                else:
                    gather_cnot_run(cur, other, n, op_wires[q:e])
                cur, other = other, cur
            else:
                for r in range(q, e):
                    apply_cnot(cur, n, op_wires[r, 0], op_wires[r, 1])
        elif seg == TAIL_OP:
            if not _dropped(q, drop):
                apply_row(cur, n, op_wires, q, op_nw[q], op_kind[q],
                          _mats_of(q, ks, mats, smats), _off_of(q, ks, op_off, soff))
        elif e - q < FUSE_MIN_RUN:
            for r in range(q, e):
                if not _dropped(r, drop):
                    apply_row(cur, n, op_wires, r, np.int64(1), op_kind[r],
                              _mats_of(r, ks, mats, smats), _off_of(r, ks, op_off, soff))
        elif planned:
            for i in range(at[q, 1], at[q, 2]):
                _run_step(cur, n, steps, i, op_wires, op_kind, op_off, mats, ks, smats, soff,
                          ctab, rtab)
        else:
            _one_wire_steps(cur, n, q, e, op_wires, op_kind, op_off, mats, ks, smats, soff,
                            drop, steps, s1, ctab, c1, rtab, r1)
        q = e
    return cur


# The budget of one tail_plan's tables (beyond it, the later runs are made per tail).
TAIL_PLAN_MAX_BYTES = 1 << 22


@njit(cache=True, inline="always")
def _layer_table_size(n):
    """The complex entries of one diagonal layer's tables (:func:`diag_layer_tables`)."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    return n_chunks * (1 << _CHUNK) + 2 * n_chunks * _CHUNK


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def tail_plan(n, op_wires, op_nw, op_kind, op_off, mats, drop):
    """The runs of every fused tail of a circuit, made once (per gradient): the steps of
    each run of at least ``FUSE_MIN_RUN`` one-wire ops from its first op (``drop``'s
    diagonals left out) with its diagonal layers' tables, and the tables of each run of
    at least ``FUSE_MIN_RUN`` CNOTs: ``at[q]`` (end op, then rows of ``steps`` or the offset
    in ``gtab``, then the offsets in ``ctab``/``rtab``; end -1: none), ``steps``, ``ctab``,
    ``rtab``, ``gtab``. A shifted circuit's tail runs these (:func:`run_tail`) after its
    own first run, which holds the shifted gate. Runs past ``TAIL_PLAN_MAX_BYTES`` of
    tables are left out (made per tail, as before); below ``FUSE_MIN_WIRES`` wires, none."""
    n_ops = op_nw.shape[0]
    if n < FUSE_MIN_WIRES:  # (no fused tails: small arrays, one gradient at a time)
        return _no_plan(n)
    at = np.full((n_ops, 5), -1, dtype=np.int64)
    tsize = _layer_table_size(n)
    B = min(1 << n, 1 << _CHUNK)
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    gsize = n_chunks * (1 << _CHUNK) + n_chunks * _CHUNK
    seen = np.zeros(n, dtype=np.int64)
    ns = nc = nr = ng = 0
    q = 0
    while q < n_ops:  # sizes, within the budget
        e, seg = _tail_segment(q, n_ops, op_nw, op_kind)
        if e - q >= FUSE_MIN_RUN and seg != TAIL_OP:
            if seg == TAIL_CNOTS:
                c_, r_, s_, g_ = 0, 0, 0, gsize
            else:
                seen[:] = 0
                depth = 0
                for r in range(q, e):
                    w = op_wires[r, 0]
                    seen[w] += 1
                    depth = max(depth, seen[w])
                c_, r_, s_, g_ = depth * tsize, depth * 2 * B, e - q + depth, 0
            if 16 * (nc + c_) + 8 * (nr + r_ + ng + g_ + 3 * (ns + s_)) <= TAIL_PLAN_MAX_BYTES:
                at[q, 0] = e
                at[q, 1] = ng if seg == TAIL_CNOTS else ns
                at[q, 3] = nc
                at[q, 4] = nr
                nc += c_
                nr += r_
                ns += s_
                ng += g_
        q = e
    at_, steps, ctab, rtab, gtab = _plan_arrays(at, ns, nc, nr, ng, n)
    none = np.zeros(0, dtype=np.complex128)
    for q in range(n_ops):  # the runs
        e = at[q, 0]
        if e < 0:
            continue
        if op_nw[q] == 2:
            t = cnot_tables(n, op_wires[q:e], np.bool_(False))
            gtab[at[q, 1] : at[q, 1] + gsize] = t
            at[q, 2] = at[q, 1] + gsize
        else:
            at[q, 2] = at[q, 1] + _one_wire_steps(
                none, n, q, e, op_wires, op_kind, op_off, mats, np.int64(-1), mats,
                np.int64(0), drop, steps, at[q, 1], ctab, at[q, 3], rtab, at[q, 4])
    return at_, steps, ctab, rtab, gtab


@njit(cache=True, inline="always")
def _plan_arrays(at, ns, nc, nr, ng, n):
    """A plan's arrays for ``ns`` steps, ``nc``, ``nr`` and ``ng`` table entries, and one
    more step and one more layer's tables at the end: where the runs that are not the
    plan's are made as they run (no allocation per tail)."""
    spare = n >= FUSE_MIN_WIRES  # (below, the tails run op by op)
    return (at, np.empty((ns + 1, 3), dtype=np.int64),
            np.empty(nc + (_layer_table_size(n) if spare else 0), dtype=np.complex128),
            np.empty(nr + (2 * min(1 << n, 1 << _CHUNK) if spare else 0)),
            np.empty(ng, dtype=np.uint64))


@njit(cache=True, inline="always")
def _mats_of(r, ks, mats, smats):
    """The matrix array of op ``r``: ``smats`` for the shifted op ``ks``."""
    return smats if r == ks else mats


@njit(cache=True, inline="always")
def _off_of(r, ks, op_off, soff):
    return soff if r == ks else op_off[r]


@njit(cache=True, inline="always")
def _unit_diagonal(m, o, size):
    """Whether the diagonal ``m[o:o+size]`` is unitary (to 1e-12)."""
    for i in range(size):
        a = m[o + i]
        if abs(a.real * a.real + a.imag * a.imag - 1.0) > 1e-12:
            return False
    return True


@njit(cache=True, inline="always")
def _dropped(r, drop):
    """Op ``r`` is left out of a fused tail (``drop`` may be empty: none)."""
    return r < drop.shape[0] and drop[r]


@njit(cache=True)
def droppable_diagonals(n, op_wires, op_nw, op_kind, op_off, mats, word_flip):
    """``drop[q]``: op ``q`` is a unitary diagonal that changes no measured value. So it
    is when every word is diagonal (Z and I only) and the ops after ``q`` keep the op's
    image diagonal: pushed through them to the end, ``D`` meets only ops on other wires
    (they commute), diagonals (they commute) and permutations (CNOT, Toffoli: ``P D P^-1``
    is diagonal on the wires of both); then ``|A D psi|^2 = |A psi|^2`` amplitude by
    amplitude. (The final RZ layer of a hardware-efficient ansatz before its CNOT chain
    and a Z measurement.) All false from 63 wires, or with any non-diagonal word."""
    n_ops = op_nw.shape[0]
    drop = np.zeros(n_ops, dtype=np.bool_)
    if n > 62:
        return drop
    for t in range(word_flip.shape[0]):
        if word_flip[t] != 0:
            return drop
    for q in range(n_ops):
        if op_kind[q] != DIAGONAL or not _unit_diagonal(mats, op_off[q], 1 << op_nw[q]):
            continue
        reach = 0  # the wires of D's image so far
        for i in range(op_nw[q]):
            reach |= 1 << op_wires[q, i]
        ok = True
        for r in range(q + 1, n_ops):
            touch = 0
            for i in range(op_nw[r]):
                touch |= 1 << op_wires[r, i]
            if touch & reach == 0 or op_kind[r] == DIAGONAL:
                continue
            if op_kind[r] == CONTROLLED_X:
                reach |= touch
                continue
            ok = False
            break
        drop[q] = ok
    return drop


# The steps of a fused one-wire run (_one_wire_steps): rows (kind, a, b)
ST_PAIR = 0  # apply_real_pair of ops a and b
ST_REAL1 = 1  # apply_real1 of op a
ST_ROW = 2  # op a by apply_row
ST_DIAG1 = 3  # apply_diag1 on wire a, its diagonal at ctab[b:b+2]
ST_LAYER = 4  # a diagonal layer: its tables at ctab[a:], rtab[b:] (diag_layer_apply)


@njit(cache=True)
def _one_wire_steps(state, n, q, e, op_wires, op_kind, op_off, mats, ks, smats, soff, drop,
                    steps, s0, ctab, c0, rtab, r0):
    """Ops ``q .. e-1`` (one wire each), layer by layer (see ``run_ops_fused``), as steps:
    with a state (``state`` not empty), each step runs on it as it is made (row ``s0``
    of ``steps`` and one layer's tables at ``ctab[c0:]``, ``rtab[r0:]``, used again);
    without, the steps are written to ``steps[s0:]`` and the diagonal tables to
    ``ctab[c0:]``, ``rtab[r0:]`` (:func:`tail_plan`). Returns the number of steps written."""
    scratch = np.zeros(4 * n + 1 + (e - q), dtype=np.int64)  # one allocation
    count = scratch[:n]
    start = scratch[n : 2 * n + 1]
    fill = scratch[2 * n + 1 : 3 * n + 1]
    dwires = scratch[3 * n + 1 : 4 * n + 1]
    order = scratch[4 * n + 1 :]  # ops grouped by wire, in circuit order
    for r in range(q, e):
        count[op_wires[r, 0]] += 1
    depth = 0
    for w in range(n):
        start[w + 1] = start[w] + count[w]
        fill[w] = start[w]
        depth = max(depth, count[w])
    for r in range(q, e):
        w = op_wires[r, 0]
        order[fill[w]] = r
        fill[w] += 1
    run = state.shape[0] > 0
    tsize = _layer_table_size(n)
    B = min(1 << n, 1 << _CHUNK)
    dmats = np.empty(2 * n, dtype=np.complex128)  # the layer's diagonals, copied
    ns = 0
    pending = -1  # a real op (bit >= 2) waiting for a partner: two in one pass
    nd = 0
    # per layer: each wire's op (slots 0 .. n-1), then the real op left waiting (slot n),
    # then the layer's diagonals (slot n + 1); every step through one place (_run_step is
    # inlined there: no call per step)
    for j in range(depth):
        for slot in range(n + 2):
            kind = -1
            a = 0
            b = 0
            if slot < n:
                w = slot
                if count[w] <= j:
                    continue
                r = order[start[w] + j]
                if _dropped(r, drop):
                    continue
                if op_kind[r] == DIAGONAL:
                    m = _mats_of(r, ks, mats, smats)
                    o = _off_of(r, ks, op_off, soff)
                    dwires[nd] = w
                    dmats[2 * nd] = m[o]
                    dmats[2 * nd + 1] = m[o + 1]
                    nd += 1
                elif op_kind[r] == REAL and n - 1 - w >= 2:
                    if pending < 0:
                        pending = r
                    else:
                        kind, a, b = ST_PAIR, pending, r
                        pending = -1
                else:
                    kind, a = ST_ROW, r
            elif slot == n:
                if pending >= 0:
                    kind, a = ST_REAL1, pending
                    pending = -1
            elif nd == 1:
                ctab[c0] = dmats[0]
                ctab[c0 + 1] = dmats[1]
                kind, a, b = ST_DIAG1, dwires[0], c0
                c0 += 0 if run else 2
                nd = 0
            elif nd > 1:
                diag_layer_tables(n, dwires, np.int64(nd), dmats, ctab, c0, rtab, r0)
                kind, a, b = ST_LAYER, c0, r0
                c0 += 0 if run else tsize
                r0 += 0 if run else 2 * B
                nd = 0
            if kind < 0:
                continue
            i = s0 + ns
            steps[i, 0] = kind
            steps[i, 1] = a
            steps[i, 2] = b
            if run:
                _run_step(state, n, steps, i, op_wires, op_kind, op_off, mats, ks, smats, soff,
                          ctab, rtab)
            else:
                ns += 1
    return ns


@njit(cache=True, inline="always")  # (one place in each caller: no call, no reference counts)
def _run_step(state, n, steps, i, op_wires, op_kind, op_off, mats, ks, smats, soff, ctab, rtab):
    """Step ``steps[i]`` of a one-wire run (ST_*) on ``state``."""
    kind = steps[i, 0]
    a = steps[i, 1]
    b = steps[i, 2]
    if kind == ST_LAYER:
        diag_layer_apply(state, n, ctab, a, rtab, b)
    elif kind == ST_DIAG1:
        apply_diag1(state, n, a, ctab, b)
    elif kind == ST_PAIR:
        apply_real_pair(state, n, op_wires[a, 0], op_wires[b, 0], _mats_of(a, ks, mats, smats),
                        _off_of(a, ks, op_off, soff), _mats_of(b, ks, mats, smats),
                        _off_of(b, ks, op_off, soff))
    elif kind == ST_REAL1:
        apply_real1(state, n, op_wires[a, 0], _mats_of(a, ks, mats, smats),
                    _off_of(a, ks, op_off, soff))
    else:
        apply_row(state, n, op_wires, a, np.int64(1), op_kind[a], _mats_of(a, ks, mats, smats),
                  _off_of(a, ks, op_off, soff))


@njit(cache=True)
def apply_real_pair(state, n, wa, wb, ma, offa, mb, offb):
    """Real one-wire matrices on two wires (bits >= 2) in one pass, ``ma[offa:]`` on
    ``wa`` and ``mb[offb:]`` on ``wb``: on the float64 view, four contiguous runs per
    block, the two 2x2 updates in registers."""
    ba = n - 1 - wa
    bb = n - 1 - wb
    if ba < bb:
        ba, bb = bb, ba
        offa, offb = offb, offa
        ma, mb = mb, ma
    # offa: the gate on the high bit ba, offb: on the low bit bb
    h00 = ma[offa].real
    h01 = ma[offa + 1].real
    h10 = ma[offa + 2].real
    h11 = ma[offa + 3].real
    l00 = mb[offb].real
    l01 = mb[offb + 1].real
    l10 = mb[offb + 2].real
    l11 = mb[offb + 3].real
    s = state.view(np.float64)
    size = s.shape[0]
    F = 2 << bb
    H = 2 << ba
    for a in range(0, size, 2 * H):
        for c in range(a, a + H, 2 * F):
            v00 = s[c : c + F]
            v01 = s[c + F : c + 2 * F]
            v10 = s[c + H : c + H + F]
            v11 = s[c + H + F : c + H + 2 * F]
            for x in range(F):
                u00 = v00[x]
                u01 = v01[x]
                u10 = v10[x]
                u11 = v11[x]
                t00 = l00 * u00 + l01 * u01
                t01 = l10 * u00 + l11 * u01
                t10 = l00 * u10 + l01 * u11
                t11 = l10 * u10 + l11 * u11
                v00[x] = h00 * t00 + h01 * t10
                v10[x] = h10 * t00 + h11 * t10
                v01[x] = h00 * t01 + h01 * t11
                v11[x] = h10 * t01 + h11 * t11


@njit(cache=True)
def gather_cnot_run(state, work, n, cnots):
    """The CNOTs ``cnots[r] = (control, target)``, in order, as one permutation of the
    amplitudes, from ``state`` into ``work`` (one pass instead of one per CNOT): a CNOT
    maps basis index ``x`` to ``x ^ (bit t if bit c)``, linear over GF(2), so the whole
    run maps ``y`` back to ``P^-1(y)``, the XOR of table entries (one table per 8 index
    bits: :func:`cnot_tables`), and ``work[y] = state[P^-1(y)]``."""
    gather_with_tables(state, work, n, cnot_tables(n, cnots, np.bool_(False)), np.int64(0))


@njit(cache=True)
def gather_with_tables(state, work, n, tables, t0):
    """``work[y] = state[P^-1(y)]`` from the :func:`cnot_tables` at ``tables[t0:]``."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    # unsigned: numba checks a signed index for wraparound (a select per amplitude; its
    # cost: docs/design.md, "Measurements behind the design")
    # blocks of W amplitudes: the higher chunks' part of P^-1(y) once per block
    B = min(state.shape[0], W)
    t_0 = tables[t0 : t0 + B]
    for blk in range(state.shape[0] // B):
        vh = np.uint64(0)
        for c in range(1, n_chunks):
            vh ^= tables[t0 + c * W + ((blk >> ((c - 1) * _CHUNK)) & (W - 1))]
        dst = work[blk * B : (blk + 1) * B]
        for x in range(B):
            dst[x] = state[t_0[x] ^ vh]


@njit(cache=True)
def apply_diag_layer(state, n, wires, dmats):
    """One-wire diagonals on distinct ``wires`` (wire ``wires[t]`` gets
    ``dmats[2t:2t+2]``) in one pass: their product on each basis index is read from small
    tables, one per 8 index bits (``T_c[x]``: the product over the wires whose bit lies in
    chunk ``c``, built by doubling: :func:`diag_layer_tables`). Blocks of 256 amplitudes:
    the low chunk's factor from ``T_0`` (real and imaginary parts apart, real arithmetic on
    the float64 view: it vectorizes), then the block's factor from the higher chunks (one
    complex number per block: :func:`diag_layer_apply`)."""
    tab = np.empty(_layer_table_size(n), dtype=np.complex128)
    rr = np.empty(2 * min(state.shape[0], 1 << _CHUNK))
    diag_layer_tables(n, wires, wires.shape[0], dmats, tab, np.int64(0), rr, np.int64(0))
    diag_layer_apply(state, n, tab, np.int64(0), rr, np.int64(0))


@njit(cache=True)
def diag_layer_tables(n, wires, nd, dmats, tab, c0, rr, r0):
    """The tables of :func:`apply_diag_layer` for the diagonals on ``wires[:nd]``:
    ``_layer_table_size(n)`` entries at ``tab[c0:]`` (``T_c`` per chunk, then a factor
    pair per index bit) and the low chunk's real and imaginary parts at ``rr[r0:]``
    (``2 B`` floats, ``B = min(2^n, 256)``)."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    nb = n_chunks * _CHUNK
    d = tab[c0 + n_chunks * W : c0 + n_chunks * W + 2 * nb]  # per index bit: d[2b], d[2b+1]
    d[:] = 1.0  # (1, 1 for a bit without gate)
    for t in range(nd):
        b = n - 1 - wires[t]
        d[2 * b] = dmats[2 * t]
        d[2 * b + 1] = dmats[2 * t + 1]
    for c in range(n_chunks):
        tc = tab[c0 + c * W : c0 + (c + 1) * W]
        tc[0] = 1.0
        for lb in range(_CHUNK):  # entries below 2**lb hold the bits below lb
            h = 1 << lb
            b = c * _CHUNK + lb
            d0 = d[2 * b]
            d1 = d[2 * b + 1]
            if d0 == 1.0 and d1 == 1.0:
                for x in range(h):
                    tc[x + h] = tc[x]
            else:
                for x in range(h):
                    tc[x + h] = tc[x] * d1
                    tc[x] *= d0
    B = min(1 << n, W)
    for x in range(B):
        rr[r0 + x] = tab[c0 + x].real
        rr[r0 + B + x] = tab[c0 + x].imag


@njit(cache=True)
def diag_layer_apply(state, n, tab, c0, rr, r0):
    """The pass of :func:`apply_diag_layer`, from the :func:`diag_layer_tables` at
    ``tab[c0:]`` and ``rr[r0:]``."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    B = min(state.shape[0], W)
    re = rr[r0 : r0 + B]
    ri = rr[r0 + B : r0 + 2 * B]
    s = state.view(np.float64)
    for blk in range(state.shape[0] // B):
        f = 1.0 + 0.0j
        for c in range(1, n_chunks):
            f *= tab[c0 + c * W + ((blk >> ((c - 1) * _CHUNK)) & (W - 1))]
        fr = f.real
        fi = f.imag
        v = s[2 * B * blk : 2 * B * (blk + 1)]
        for x in range(B):
            a = v[2 * x]
            y = v[2 * x + 1]
            u = a * re[x] - y * ri[x]
            w = a * ri[x] + y * re[x]
            v[2 * x] = u * fr - w * fi
            v[2 * x + 1] = u * fi + w * fr


@njit(cache=True, inline="always")
def _parity(v):
    """The parity of the bits of ``v >= 0`` (branch-free: vectorizes inside loops)."""
    v ^= v >> 32
    v ^= v >> 16
    v ^= v >> 8
    v ^= v >> 4
    v ^= v >> 2
    v ^= v >> 1
    return v & 1


@njit(cache=True)
def pauli_expvals(state, word_flip, word_z, word_ny, out):
    """``out[t] = <state| P_t |state>`` for every Pauli word ``t`` (real by Hermiticity)."""
    _measure_words(state, word_flip, word_z, word_ny, out.reshape((1, out.shape[0])), np.int64(0))


@njit(cache=True)
def pauli_expvals_row(state, word_flip, word_z, word_ny, out, row):
    """``pauli_expvals`` into ``out[row]`` (no view)."""
    _measure_words(state, word_flip, word_z, word_ny, out, row)


# --- Samples as NumPy's Generator.choice(k, size, p=p) draws them ---------------------
# NumPy's choice with p (numpy/random/_generator.pyx, replace=True) checks p (its Kahan
# sum: NaN, negative entries, |sum - 1| > sqrt(eps)), then does ``cdf = p.cumsum();
# cdf /= cdf[-1]; idx = cdf.searchsorted(rng.random(size), side="right")``. Given the
# same uniform draws, choice_into gives the same indices (cumsum is a running sum, the
# division is elementwise, and on a nondecreasing cdf searchsorted "right" is the number
# of entries <= u); qsym._shots.choice draws u with rng.random, as choice does.
CHOICE_OK, CHOICE_NAN, CHOICE_NEGATIVE, CHOICE_SUM = 0, 1, 2, 3
CHOICE_COUNT_MAX = 16  # up to this many outcomes a count, beyond a binary search


@njit(cache=True)
def choice_check(p, atol):
    """NumPy's checks of ``p`` in ``Generator.choice``, in its order: ``CHOICE_NAN`` (its
    Kahan sum is NaN), ``CHOICE_NEGATIVE``, ``CHOICE_SUM`` (the sum is off 1 by more than
    ``atol``), else ``CHOICE_OK``."""
    total = p[0]
    c = 0.0
    for i in range(1, p.shape[0]):
        y = p[i] - c
        t = total + y
        c = (t - total) - y
        total = t
    if np.isnan(total):
        return CHOICE_NAN
    for i in range(p.shape[0]):
        if p[i] < 0.0:
            return CHOICE_NEGATIVE
    if abs(total - 1.0) > atol:
        return CHOICE_SUM
    return CHOICE_OK


@njit(cache=True)
def choice_into(p, u, out):
    """``out[j]``: the outcome NumPy's ``Generator.choice(len(p), p=p)`` draws from the
    uniform number ``u[j]`` (``p`` checked by :func:`choice_check`)."""
    k = p.shape[0]
    cdf = np.empty(k)
    s = 0.0
    for i in range(k):
        s += p[i]
        cdf[i] = s
    last = cdf[k - 1]
    for i in range(k):
        cdf[i] = cdf[i] / last
    if k <= CHOICE_COUNT_MAX:  # few outcomes: count the entries <= x (no branch)
        for j in range(u.shape[0]):
            x = u[j]
            idx = 0
            for i in range(k - 1):  # (cdf[k - 1] is 1.0 > x)
                idx += cdf[i] <= x
            out[j] = idx
        return
    for j in range(u.shape[0]):
        x = u[j]
        lo, hi = 0, k
        while lo < hi:  # the first index whose cdf exceeds x
            mid = (lo + hi) >> 1
            if cdf[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        out[j] = lo


@njit(cache=True)
def odd_parity_count(samples, mask):
    """How many of the basis-state indices ``samples`` (``>= 0``) have an odd number of
    bits set in ``mask`` (the shots whose Pauli word on those wires gave ``-1``)."""
    odd = 0
    for j in range(samples.shape[0]):
        odd += _parity(samples[j] & mask)
    return odd


# From this many single-Z words on, one pass and a halving tree (``_z_marginals``) measure
# all of them instead of one pass each.
SINGLE_Z_TREE = 3
_ZBLOCK = 1 << 12


@njit(cache=True, inline="always")
def _measure_words(state, word_flip, word_z, word_ny, out, row):
    tree, n_prob = _single_z_tree(word_flip, word_z)
    if not tree and n_prob == 0:  # one pass per word (no allocation)
        for t in range(word_flip.shape[0]):
            out[row, t] = _word_value(state, word_flip[t], word_z[t], word_ny[t])
        return
    _measure_words_given(state, word_flip, word_z, word_ny, out, row, tree,
                         _z_marginals(state) if tree else np.zeros(1))


@njit(cache=True, inline="always")
def _single_z_tree(word_flip, word_z):
    """Whether the single-Z words are measured together (``_z_marginals``: from
    SINGLE_Z_TREE of them on), and the number of probability words."""
    n_single = 0
    n_prob = 0
    for t in range(word_flip.shape[0]):
        z = word_z[t]
        if word_flip[t] == 0 and z != 0 and (z & (z - 1)) == 0:
            n_single += 1
        elif word_flip[t] < 0:
            n_prob += 1
    return n_single >= SINGLE_Z_TREE, n_prob


@njit(cache=True)
def _measure_words_given(state, word_flip, word_z, word_ny, out, row, tree, marg):
    """:func:`_measure_words` with the single-Z words' values in ``marg`` (with ``tree``:
    :func:`_z_marginals` of ``state``, or the same sums taken elsewhere)."""
    hist = np.zeros(1)
    hz = -1
    for t in range(word_flip.shape[0]):
        z = word_z[t]
        if word_flip[t] < 0:  # a probability: one pass per group of outcomes on the same wires
            if z != hz:
                hist = marginal_probs(state, z)
                hz = z
            out[row, t] = hist[word_ny[t]]
        elif tree and word_flip[t] == 0 and z != 0 and (z & (z - 1)) == 0:
            b = 0
            while (z >> b) != 1:
                b += 1
            out[row, t] = marg[b]
        else:
            out[row, t] = _word_value(state, word_flip[t], word_z[t], word_ny[t])


# Probabilities (qml.probs) are measured as words too: a word with flip PROB_WORD is the
# probability of one outcome on the wires of the mask z, its index (bits of z from the
# lowest, as marginal_probs orders them) in ny. The outcomes of a measurement are
# consecutive words with the same z, all read from one pass (marginal_probs), and they
# are the circuit's last words and last outputs: they need no rows of C (a 2^k x 2^k
# identity), so nothing grows like 4^k (qsym.plan, docs/design.md).
PROB_WORD = -1


@njit(cache=True)
def marginal_probs(state, z):
    """``h[j] = sum |state_i|^2`` over the basis states ``i`` whose bits in mask ``z`` are
    ``j`` (the bits of ``z`` from the lowest), summed in index order."""
    dim = state.shape[0]
    bits = np.empty(64, dtype=np.int64)
    k = 0
    for b in range(63):
        if (z >> b) & 1:
            bits[k] = b
            k += 1
    hist = np.zeros(1 << k)
    if z == dim - 1:  # every wire, in order: |amplitude|^2
        for i in range(dim):
            a = state[i]
            hist[i] = a.real * a.real + a.imag * a.imag
        return hist
    for i in range(dim):
        a = state[i]
        j = 0
        for q in range(k):
            j |= ((i >> bits[q]) & 1) << q
        hist[j] += a.real * a.real + a.imag * a.imag
    return hist


@njit(cache=True, inline="always")
def _deposit(j, z):
    """The basis-index bits of outcome ``j`` on the mask ``z`` (the inverse of the
    numbering in ``marginal_probs``)."""
    v = 0
    q = 0
    for b in range(63):
        if (z >> b) & 1:
            if (j >> q) & 1:
                v |= 1 << b
            q += 1
    return v


@njit(cache=True)
def _z_marginals(state):
    """``m[b] = sum_i |state_i|^2 (-1)^(bit b of i)`` for every bit ``b``: the expectation
    of Z on the wire of bit ``b``, all of them from one pass over the state. Blocks of
    ``_ZBLOCK`` amplitudes (:func:`_z_block`), their sums added in block order."""
    dim = state.shape[0]
    nb = 0
    while (1 << nb) < dim:
        nb += 1
    m = np.zeros(max(nb, 1))
    if dim == 1:
        return m
    B = min(dim, _ZBLOCK)
    q = np.empty(B >> 1)  # small: no page faults, no contention between threads
    for base in range(0, dim, B):
        _z_block(state, base, B, nb, q, m)
    return m


@njit(cache=True)
def _z_block(state, base, B, nb, q, m):
    """Block ``state[base : base + B]``'s part of :func:`_z_marginals`, added to ``m``
    (``B`` a power of two from 2, ``nb`` the state's index bits, ``q`` scratch of
    ``B / 2``): the low bits by a tree of halving sums, the high bits (constant in a
    block) from the block's total."""
    lb = 0
    while (1 << lb) < B:
        lb += 1
    blk = state.view(np.float64)[2 * base : 2 * (base + B)]
    acc = 0.0
    for j in range(B >> 1):
        p0 = blk[4 * j] * blk[4 * j] + blk[4 * j + 1] * blk[4 * j + 1]
        p1 = blk[4 * j + 2] * blk[4 * j + 2] + blk[4 * j + 3] * blk[4 * j + 3]
        acc += p0 - p1
        q[j] = p0 + p1
    m[0] += acc
    size = B >> 1
    for b in range(1, lb):
        size >>= 1
        acc = 0.0
        for j in range(size):
            p0 = q[2 * j]
            p1 = q[2 * j + 1]
            acc += p0 - p1
            q[j] = p0 + p1
        m[b] += acc
    total = q[0]
    for b in range(lb, nb):
        m[b] += -total if (base >> b) & 1 else total


@njit(cache=True)
def _word_value(state, f, z, ny):
    """``<state| P |state>`` for the Pauli word with masks ``f``, ``z`` and ``ny`` Y's."""
    if f == 0:  # Z and I only: signed probabilities
        acc = 0.0
        for i in range(state.shape[0]):
            a = state[i]
            prob = a.real * a.real + a.imag * a.imag
            acc += -prob if _parity(i & z) else prob
        return acc
    acc = 0j
    for i in range(state.shape[0]):
        term = np.conj(state[i ^ f]) * state[i]
        if _parity(i & z):
            acc -= term
        else:
            acc += term
    ny = ny & 3
    # multiply by i**ny and keep the real part
    if ny == 0:
        return acc.real
    elif ny == 1:
        return -acc.imag
    elif ny == 2:
        return -acc.real
    return acc.imag


@njit(cache=True)
def zero_state(n):
    state = np.zeros(1 << n, dtype=np.complex128)
    state[0] = 1.0
    return state


@njit(cache=True, inline="always")
def reset_state(state):
    """``state = |0..0>`` in place (public: qsym.minimize's generated loops call it)."""
    state[:] = 0.0
    state[0] = 1.0


@njit(cache=True)
def expvals(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny):
    """Run the whole circuit from |0..0> and measure every word."""
    state = zero_state(n)
    _ops(state, n, np.int64(0), op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    out = np.empty(word_flip.shape[0])
    _expvals_into(state, word_flip, word_z, word_ny, out)
    return out


# A shifted circuit by linearity (issue #17). A tail is linear in its first op's matrix:
# when a term's shifted matrix S2 is a S1 + b M (S1 an earlier term's of the same op, M the
# op's own), its final state is a (S1's final state) + b (the circuit's final state), one
# pass instead of a tail. So it is for the two terms of every two-term shift rule of a
# gate whose generator has two eigenvalues (RX ... RZ, PhaseShift, IsingXX ... ZZ,
# PauliRot, MultiRZ: U(t +- s) = U(+-s) U(t), and U(+-s) and I span the same plane), and
# for any other rule whose matrices happen to be so related (checked on the numbers, to
# 1e-14: span_pair). Only for kinds whose action is linear in the stored numbers
# (DENSE, DIAGONAL, REAL; not PAULI or PCPHASE, which hold an identity part or an angle).
# Every shifted circuit's values are still measured on its own final state.
# span_pair's limits: the squared sine of the angle between the two matrices (1e-4: a
# rotation's shift from about 0.02), and |a|^2 + |b|^2 (a rotation's at most 5)
SPAN_MIN_SINE = 1e-4
SPAN_MAX_COEFF = 16.0
SPAN_MAX_REST = 1e-14


@njit(cache=True)
def span_pair(kind, nw, mats, om, smats, o1, o2):
    """``(ok, ar, ai, br, bi)``: ``smats[o2]``'s block is ``a smats[o1] + b mats[om]``
    (least squares on the stored numbers, real arithmetic; ``ok`` when the rest is below
    ``SPAN_MAX_REST`` (1e-14) of the block's norm, the two far from parallel,
    ``SPAN_MIN_SINE``, and ``a``, ``b`` small: a rotation's ``a = -1``, ``|b| = 2 cos(s/2)``).

    The rest bounds the shifted state's error (the rest of the circuit is unitary): a
    table rotation's at the default shift pi/2 is below 2e-15 (rounding); a matrix only
    *nearly* in the span (a user's gate) or a small shift (the rest grows as 1e-16 / s^2:
    ~1e-14 at s = 0.3) runs its tail instead (adv67).

    Far from parallel: ``a`` and ``b`` are found to ``1e-16 / SPAN_MIN_SINE``; a shift so
    small that the two matrices are nearly parallel (below about 0.02 for a rotation) runs
    its tail, as its own numbers would lose more than that to the combination."""
    if kind != DENSE and kind != DIAGONAL and kind != REAL:
        return False, 0.0, 0.0, 0.0, 0.0
    size = (1 << nw) if kind == DIAGONAL else (1 << nw) * (1 << nw)
    g11 = 0.0
    g22 = 0.0
    g12r = 0.0
    g12i = 0.0
    r1r = 0.0
    r1i = 0.0
    r2r = 0.0
    r2i = 0.0
    s2 = 0.0
    for i in range(size):
        pr = smats[o1 + i].real
        pi_ = smats[o1 + i].imag
        mr = mats[om + i].real
        mi = mats[om + i].imag
        qr = smats[o2 + i].real
        qi = smats[o2 + i].imag
        g11 += pr * pr + pi_ * pi_
        g22 += mr * mr + mi * mi
        g12r += pr * mr + pi_ * mi  # <p, m> = sum conj(p) m
        g12i += pr * mi - pi_ * mr
        r1r += pr * qr + pi_ * qi  # <p, q>
        r1i += pr * qi - pi_ * qr
        r2r += mr * qr + mi * qi  # <m, q>
        r2i += mr * qi - mi * qr
        s2 += qr * qr + qi * qi
    det = g11 * g22 - (g12r * g12r + g12i * g12i)
    if not det > SPAN_MIN_SINE * g11 * g22:
        return False, 0.0, 0.0, 0.0, 0.0
    ar = (g22 * r1r - (g12r * r2r - g12i * r2i)) / det
    ai = (g22 * r1i - (g12r * r2i + g12i * r2r)) / det
    br = (g11 * r2r - (g12r * r1r + g12i * r1i)) / det
    bi = (g11 * r2i - (g12r * r1i - g12i * r1r)) / det
    res = 0.0
    for i in range(size):
        pr = smats[o1 + i].real
        pi_ = smats[o1 + i].imag
        mr = mats[om + i].real
        mi = mats[om + i].imag
        er = smats[o2 + i].real - (ar * pr - ai * pi_) - (br * mr - bi * mi)
        ei = smats[o2 + i].imag - (ar * pi_ + ai * pr) - (br * mi + bi * mr)
        res += er * er + ei * ei
    if not res <= SPAN_MAX_REST * SPAN_MAX_REST * s2 or not ar * ar + ai * ai + br * br + bi * bi <= SPAN_MAX_COEFF:
        return False, 0.0, 0.0, 0.0, 0.0
    return True, ar, ai, br, bi


@njit(cache=True)
def combine_states(x, y, ar, ai, br, bi, out):
    """``out = a x + b y`` amplitude by amplitude (real arithmetic, in this order)."""
    xv = x.view(np.float64)
    yv = y.view(np.float64)
    ov = out.view(np.float64)
    for i in range(x.shape[0]):
        xr = xv[2 * i]
        xi = xv[2 * i + 1]
        yr = yv[2 * i]
        yi = yv[2 * i + 1]
        ov[2 * i] = (ar * xr - ai * xi) + (br * yr - bi * yi)
        ov[2 * i + 1] = (ar * xi + ai * xr) + (br * yi + bi * yr)


@njit(cache=True)
def linear_partner(term_op, term_zero, term_off, op_nw, op_kind, op_off, mats, smats, t):
    """Whether a later term of term ``t``'s op is a combination of ``t``'s matrix and the
    op's own (:func:`span_pair`): then ``t``'s final state is kept for it."""
    k = term_op[t]
    for u in range(t + 1, term_op.shape[0]):
        if term_op[u] != k:
            break
        if not term_zero[u]:
            ok, _, _, _, _ = span_pair(op_kind[k], op_nw[k], mats, op_off[k], smats,
                                       term_off[t], term_off[u])
            if ok:
                return True
    return False


@njit(cache=True)
def any_linear_pair(term_op, term_zero, term_off, op_nw, op_kind, op_off, mats, smats):
    """Whether some term is another's combination (:func:`linear_partner`), over all terms
    (not a thread's run of them: every run decides the same)."""
    for t in range(term_op.shape[0]):
        if not term_zero[t] and linear_partner(term_op, term_zero, term_off, op_nw, op_kind,
                                               op_off, mats, smats, t):
            return True
    return False


@njit(cache=True)
def shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                 term_op, term_zero, term_off, smats, t0, t1, vals, psi, phi, fin):
    """``vals[t]``: the word values of the shifted circuit of each term ``t0 <= t < t1``
    that has a shift (``term_zero`` false; the others are left as they are).

    Terms are sorted by op. ``psi`` walks the circuit from |0..0> and holds the state
    *before* the current op, so a shifted circuit costs only the ops from the shifted one
    to the end; ``phi`` is the work state. A run of terms needs only the ops up to its
    own, so disjoint runs can go to different threads and give the same bits (runs cut
    between ops: ``_term_chunks``). ``fin``: the circuit's final state (op by op), from
    which, from ``FUSE_MIN_WIRES`` wires, a term that is a combination of an earlier one
    of its op and the op itself gets its final state (:func:`span_pair`) instead of a
    tail; diagonals are then never left out (both states must be the same circuit's).
    """
    reset_state(psi)
    if t0 >= t1:
        return
    fuse = n >= FUSE_MIN_WIRES  # small states run op by op (no work state, no call)
    work = np.empty(psi.shape[0], dtype=np.complex128) if fuse else phi[:0]
    n_ops = op_nw.shape[0]
    linear = fuse and fin.shape[0] == psi.shape[0] and any_linear_pair(
        term_op, term_zero, term_off, op_nw, op_kind, op_off, mats, smats)
    drop = (droppable_diagonals(n, op_wires, op_nw, op_kind, op_off, mats, word_flip)
            if fuse and not linear else np.zeros(0, dtype=np.bool_))
    # every tail's runs after its first, made once (the same for every shifted circuit)
    at, steps, ctab, rtab, gtab = tail_plan(n, op_wires, op_nw, op_kind, op_off, mats, drop)
    k0 = term_op[t0]
    _ops(psi, n, np.int64(0), k0, op_wires, op_nw, op_kind, op_off, mats)
    t = t0
    dim = psi.shape[0]
    for k in range(k0, n_ops):
        nw = op_nw[k]
        lead = -1  # the term of op k whose final state ``kept`` holds
        kept = phi
        spare = work
        while t < t1 and term_op[t] == k:
            if not term_zero[t]:
                ok = False
                if lead >= 0:
                    ok, ar, ai, br, bi = span_pair(op_kind[k], nw, mats, op_off[k], smats,
                                                   term_off[lead], term_off[t])
                    if ok:
                        combine_states(kept, fin, ar, ai, br, bi, spare)
                        pauli_expvals_row(spare, word_flip, word_z, word_ny, vals, t)
                if ok:
                    pass
                elif fuse:  # the shifted op runs in the fused tail (it joins its layer)
                    for i in range(dim):
                        phi[i] = psi[i]
                    keep = _dropped(k, drop)  # a droppable op's shifted diagonal: unitary too
                    if keep:
                        drop[k] = _unit_diagonal(smats, term_off[t], 1 << nw)
                    out = run_tail(phi, work, n, k, n_ops, op_wires, op_nw, op_kind, op_off,
                                   mats, k, smats, term_off[t], drop, at, steps, ctab, rtab,
                                   gtab)
                    if keep:
                        drop[k] = keep
                    pauli_expvals_row(out, word_flip, word_z, word_ny, vals, t)
                    if linear and linear_partner(term_op, term_zero, term_off, op_nw,
                                                 op_kind, op_off, mats, smats, t):
                        lead = t
                        kept = out
                        spare = work if out.ctypes.data == phi.ctypes.data else phi
                    else:
                        lead = -1
                else:
                    for i in range(dim):
                        phi[i] = psi[i]
                    apply_row(phi, n, op_wires, k, nw, op_kind[k], smats, term_off[t])
                    for r in range(k + 1, n_ops):
                        apply_row(phi, n, op_wires, r, op_nw[r], op_kind[r], mats, op_off[r])
                    pauli_expvals_row(phi, word_flip, word_z, word_ny, vals, t)
            t += 1
        if t >= t1:
            break
        apply_row(psi, n, op_wires, k, nw, op_kind[k], mats, op_off[k])


@njit(cache=True)
def accumulate_terms(term_slot, term_coeff, term_zero, e, vals, de):
    """``de[s] += c * values`` for every term, in term order (the same sums, in the same
    order, whichever thread computed ``vals``)."""
    n_words = e.shape[0]
    for t in range(term_slot.shape[0]):
        s = term_slot[t]
        c = term_coeff[t]
        if term_zero[t]:
            for w in range(n_words):
                de[s, w] += c * e[w]
        else:
            for w in range(n_words):
                de[s, w] += c * vals[t, w]


@njit(cache=True, inline="always")
def _split_values(fl, n_words, n_terms, n_slots):
    """``e``, ``vals`` and ``de`` as views of one array of ``n_words * (1 + n_terms +
    n_slots)`` (``de`` must start zeroed)."""
    e = fl[:n_words]
    o = n_words
    vals = fl[o : o + n_terms * n_words].reshape((n_terms, n_words))
    o += n_terms * n_words
    de = fl[o : o + n_slots * n_words].reshape((n_slots, n_words))
    return e, vals, de


# --- programs: a circuit's tables packed into two arrays --------------------------------
# A program is (ints, floats); two arrays instead of twenty keep the Python-side call of
# the kernels cheap (numba's dispatch costs per argument). ints is a header of sizes
# (HEADER_FIELDS), then where each section starts (and where the last ends), then the
# sections of PROGRAM_SECTIONS in that order; floats holds the shift-rule coefficients.
# This declaration is the layout's only statement: qsym._program.Program.pack writes the
# arrays from it, the kernels read a section by its number (_section), and
# tests/test_program.py checks both against it.
HEADER_FIELDS = ("n", "ops", "maxw", "words", "terms", "chain", "cc", "slots", "inputs",
                 "outputs", "adj")
(H_N, H_OPS, H_MAXW, H_WORDS, H_TERMS, H_CHAIN, H_CC, H_SLOTS, H_INPUTS, H_OUTPUTS,
 H_ADJ) = range(11)
PROGRAM_SECTIONS = (  # (name, the header fields whose product is its length)
    ("op_wires", (H_OPS, H_MAXW)),  # rows of maxw wires (padded)
    ("op_nw", (H_OPS,)),  # wire count
    ("op_kind", (H_OPS,)),  # DENSE ... PCPHASE
    ("op_off", (H_OPS,)),  # the offset of the op's stored matrix in mats
    ("word_flip", (H_WORDS,)),  # measured words: X|Y mask (PROB_WORD: a probability)
    ("word_z", (H_WORDS,)),  # Y|Z mask
    ("word_ny", (H_WORDS,)),  # number of Y
    ("term_op", (H_TERMS,)),  # shift terms, sorted by op
    ("term_slot", (H_TERMS,)),
    ("term_zero", (H_TERMS,)),  # 1: the unshifted circuit (nothing runs)
    ("term_off", (H_TERMS,)),  # the offset of the shifted matrix in smats
    ("ch_slot", (H_CHAIN,)),  # chain rule: d slot / d input, factor ch[k]
    ("ch_x", (H_CHAIN,)),
    ("cc_m", (H_CC,)),  # coefficient chain: d C[m, w] / d input, factor cc[k]
    ("cc_w", (H_CC,)),
    ("cc_x", (H_CC,)),
    ("adj_op", (H_ADJ,)),  # adjoint: differentiated slots (by op), their dmats offsets
    ("adj_slot", (H_ADJ,)),
    ("adj_off", (H_ADJ,)),
)
FLOAT_SECTIONS = ("term_coeff",)
(S_OP_WIRES, S_OP_NW, S_OP_KIND, S_OP_OFF, S_WORD_FLIP, S_WORD_Z, S_WORD_NY, S_TERM_OP,
 S_TERM_SLOT, S_TERM_ZERO, S_TERM_OFF, S_CH_SLOT, S_CH_X, S_CC_M, S_CC_W, S_CC_X, S_ADJ_OP,
 S_ADJ_SLOT, S_ADJ_OFF) = range(len(PROGRAM_SECTIONS))
HEADER = len(HEADER_FIELDS) + len(PROGRAM_SECTIONS) + 1  # sizes, then section starts


@njit(cache=True, inline="always")
def _start(ints, s):
    """Where section ``s`` (its number in PROGRAM_SECTIONS) starts in ``ints``."""
    return ints[len(HEADER_FIELDS) + s]


@njit(cache=True, inline="always")
def _section(ints, s):
    return ints[_start(ints, s) : _start(ints, s + 1)]


@njit(cache=True)
def unpack_program(ints):
    """The sections of a packed program's ``ints`` (views, no copies), in
    PROGRAM_SECTIONS order."""
    op_wires = _section(ints, S_OP_WIRES).reshape((ints[H_OPS], ints[H_MAXW]))
    return (op_wires, _section(ints, S_OP_NW), _section(ints, S_OP_KIND),
            _section(ints, S_OP_OFF), _section(ints, S_WORD_FLIP), _section(ints, S_WORD_Z),
            _section(ints, S_WORD_NY), _section(ints, S_TERM_OP), _section(ints, S_TERM_SLOT),
            _section(ints, S_TERM_ZERO), _section(ints, S_TERM_OFF), _section(ints, S_CH_SLOT),
            _section(ints, S_CH_X), _section(ints, S_CC_M), _section(ints, S_CC_W),
            _section(ints, S_CC_X), _section(ints, S_ADJ_OP), _section(ints, S_ADJ_SLOT),
            _section(ints, S_ADJ_OFF))


@njit(cache=True)
def combine_into(C, e, out):
    """``out = C @ e``, each row summed in word order."""
    n_lin = C.shape[0]
    for m in range(n_lin):
        acc = 0.0
        for t in range(e.shape[0]):
            acc += C[m, t] * e[t]
        out[m] = acc
    # probabilities: the last outputs are the last words (PROB_WORD)
    n_prob = out.shape[0] - n_lin
    o = e.shape[0] - n_prob
    for q in range(n_prob):
        out[n_lin + q] = e[o + q]


@njit(cache=True)
def program_value_into(ints, floats, mats, C, out):
    """Measured values into ``out``: ``C @ <words>`` of the circuit with gate matrices
    ``mats``, then the probabilities."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, _, _, _, _,
     _, _, _, _) = unpack_program(ints)
    e = expvals(ints[H_N], op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny)
    combine_into(C, e, out)


def small_value_runs(word_flip, word_z) -> bool:
    """Whether :func:`program_value_small_into` runs a program measuring the words
    ``word_flip``, ``word_z`` (its sections): fewer than ``SINGLE_Z_TREE`` single-Z words and
    no probabilities (``PROB_WORD``); the others are :func:`program_value_into`'s.

    >>> small_value_runs([0, 1], [1, 0]), small_value_runs([0, PROB_WORD], [1, 1])
    (True, False)
    """
    return small_gradient_runs(0, word_flip, word_z)


@njit(cache=True)
def program_value_small_into(ints, floats, mats, C, out):
    """:func:`program_value_into`, bit for bit, for the programs :func:`small_value_runs`
    accepts (others: ``ValueError``): each word measured in one pass (what
    :func:`pauli_expvals` does for them), so that a small circuit's generated value entry
    point does not link the single-Z tree and the probabilities (issue #17)."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, _, _, _, _,
     _, _, _, _) = unpack_program(ints)
    tree, n_prob = _single_z_tree(word_flip, word_z)
    if tree or n_prob:
        raise ValueError("qsym: not a program for the small value kernel (kernels.small_"
                         "value_runs); call program_value_into for this one")
    n = ints[H_N]
    state = zero_state(n)
    _ops(state, n, np.int64(0), op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    e = np.empty(word_flip.shape[0])
    for t in range(word_flip.shape[0]):
        e[t] = _word_value(state, word_flip[t], word_z[t], word_ny[t])
    combine_into(C, e, out)


@njit(cache=True)
def program_state(ints, floats, mats):
    """The final state vector of the circuit (wire 0 most significant)."""
    (op_wires, op_nw, op_kind, op_off, _, _, _, _, _, _, _, _, _, _, _, _, _, _,
     _) = unpack_program(ints)
    state = zero_state(ints[H_N])
    _ops(state, ints[H_N], np.int64(0), op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    return state


@njit(cache=True)
def shift_finish(ints, ch, C, cc, e, de, g, out, jac):
    """Values ``out`` and Jacobian ``jac`` (written, shapes ``(n_out,)`` and ``(n_out,
    n_inputs)``) from the word values ``e`` and their slot derivatives ``de``: the chain
    rule (``g``: zeroed work array, inputs x words), the observable coefficients and their
    derivatives."""
    ch_slot, ch_x = _section(ints, S_CH_SLOT), _section(ints, S_CH_X)
    cc_m, cc_w, cc_x = _section(ints, S_CC_M), _section(ints, S_CC_W), _section(ints, S_CC_X)
    n_words = e.shape[0]
    n_inputs = ints[H_INPUTS]
    n_out = ints[H_OUTPUTS]
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for t in range(n_words):
            g[j, t] += ch[k] * de[s, t]
    n_lin = C.shape[0]
    for m in range(n_lin):
        # combine_into written out: a function that calls none is cheaper to call
        acc = 0.0
        for t in range(n_words):
            acc += C[m, t] * e[t]
        out[m] = acc
    for m in range(n_lin):
        for j in range(n_inputs):
            acc = 0.0
            for t in range(n_words):
                acc += C[m, t] * g[j, t]
            jac[m, j] = acc
    o = n_words - (n_out - n_lin)  # probabilities: the last words are the last outputs
    for m in range(n_lin, n_out):
        out[m] = e[o + m - n_lin]
        for j in range(n_inputs):
            jac[m, j] = g[j, o + m - n_lin]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]


@njit(cache=True)
def _outputs(ints):
    """Fresh ``out`` and ``jac`` arrays for the ``*_into`` kernels."""
    return np.empty(ints[H_OUTPUTS]), np.empty((ints[H_OUTPUTS], ints[H_INPUTS]))


# Entry points write into arrays the caller made (``program_X_into(..., out, jac)``; the
# runtime allocates them in Python): a returning form per entry point was a library of its
# own that numba optimized and compiled again with the whole call tree (1-3 s each), and
# only Python called it (issue #17). The parallel adjoint, entered from Python through its
# own dispatcher, returns its arrays.
@njit(cache=True)
def program_value_and_grad_into(ints, floats, mats, smats, ch, C, cc, out, jac):
    """Values and the Jacobian by parameter shift, with the chain rule applied.

    ``smats`` holds the matrices of the shifted gates (one block per term), ``ch`` the
    chain-rule factors, ``C`` the observable coefficients and ``cc`` their derivatives.
    """
    e, de, g = _gate_gradient(ints, floats, mats, smats, ints[H_INPUTS])
    shift_finish(ints, ch, C, cc, e, de, g, out, jac)


@njit(cache=True)
def program_gate_gradient(ints, floats, mats, smats):
    """The serial parameter shift before the chain rule: the word values ``e`` and their
    derivatives ``de[slot, word]`` by every gate-parameter slot (what qsym.second_order
    differentiates once more)."""
    e, de, _ = _gate_gradient(ints, floats, mats, smats, 0)
    return e, de


@njit(cache=True, inline="always")  # in the entry points: no call, no reference counts
def _gate_gradient(ints, floats, mats, smats, n_rows):
    """:func:`program_gate_gradient`, and ``n_rows`` zeroed rows of words from the same
    allocation (the chain rule's work array).

    Terms are sorted by op; ``shift_values`` keeps the state *before* each op, so a shifted
    circuit costs only the ops from the shifted one to the end; a term with ``term_zero``
    (shift 0, multiplier 1) reuses the unshifted value and runs nothing. Memory: two states
    (one allocation) and one array of word values; from ``FUSE_MIN_WIRES`` wires a third
    for the fused tails (``run_ops_fused``) and a fourth, the final state, for the terms
    ``shift_values`` makes by linearity (``span_pair``).
    """
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
     term_zero, term_off, _, _, _, _, _, _, _, _) = unpack_program(ints)
    n = ints[H_N]
    dim = 1 << n
    n_words = word_flip.shape[0]
    n_terms = term_op.shape[0]
    fuse = n >= FUSE_MIN_WIRES  # the final state kept for shift_values' combinations
    work = np.empty((3 if fuse else 2) * dim, dtype=np.complex128)
    fl = np.zeros(n_words * (1 + n_terms + ints[H_SLOTS] + n_rows))
    e, vals, de = _split_values(fl, n_words, n_terms, ints[H_SLOTS])
    rows = fl[n_words * (1 + n_terms + ints[H_SLOTS]) :].reshape((n_rows, n_words))
    fin = work[2 * dim :]
    psi = fin if fuse else work[:dim]
    reset_state(psi)
    _ops(psi, n, np.int64(0), op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    _expvals_into(psi, word_flip, word_z, word_ny, e)
    _shifts(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
            term_op, term_zero, term_off, smats, np.int64(0), n_terms, vals, work[:dim],
            work[dim : 2 * dim], fin)
    accumulate_terms(term_slot, floats, term_zero, e, vals, de)
    return e, de, rows


# Small circuits: their fused entry points call this kernel (tiny ones are written out
# instead: qsym._emit.unrolled_functions). It is program_value_and_grad_into in one function,
# for a seed-sized circuit's machinery rather than its arithmetic: the sections read in
# place, shift_values' loop inlined, each shifted circuit's words added into the
# derivatives as they are measured (the same sums in the same term order: the same bits),
# shift_finish written out on flat offsets. Fused tails (FUSE_MIN_WIRES), the single-Z tree
# (SINGLE_Z_TREE) and probabilities are the serial kernel's (docs/design.md, "Measurements
# behind the design"): the generated module links that one instead for such a program
# (small_gradient_runs, decided when the module is written). This kernel does not call it:
# a caller linked the serial kernel's whole call tree with it, optimized and compiled to
# machine code again in every small circuit's module (issue #17: about 2 s a circuit).
def small_gradient_runs(num_wires: int, word_flip, word_z) -> bool:
    """Whether :func:`program_value_and_grad_small_into` runs a program of ``num_wires``
    wires measuring the words ``word_flip``, ``word_z`` (its sections): below
    ``FUSE_MIN_WIRES`` wires, fewer than ``SINGLE_Z_TREE`` single-Z words, no
    probabilities (``PROB_WORD``); the others are :func:`program_value_and_grad_into`'s.

    >>> small_gradient_runs(3, [0, 1], [1, 0]), small_gradient_runs(FUSE_MIN_WIRES, [1], [0])
    (True, False)
    """
    singles = 0
    for f, z in zip(word_flip, word_z):
        f, z = int(f), int(z)
        if f < 0:
            return False
        if f == 0 and z != 0 and z & (z - 1) == 0:
            singles += 1
    return num_wires < FUSE_MIN_WIRES and singles < SINGLE_Z_TREE


@njit(cache=True)
def program_value_and_grad_small_into(ints, floats, mats, smats, ch, C, cc, out, jac):
    """:func:`program_value_and_grad_into` with fewer views and calls, bit for bit, for the
    programs :func:`small_gradient_runs` accepts (others: ``ValueError``)."""
    n = ints[H_N]
    n_ops = ints[H_OPS]
    maxw = ints[H_MAXW]
    nw = ints[H_WORDS]
    # the sections of ints, read in place at their starts (PROGRAM_SECTIONS)
    o_nw = _start(ints, S_OP_NW)
    o_kind = _start(ints, S_OP_KIND)
    o_off = _start(ints, S_OP_OFF)
    o_wf = _start(ints, S_WORD_FLIP)
    o_wz = _start(ints, S_WORD_Z)
    o_wy = _start(ints, S_WORD_NY)
    n_single = 0
    for w in range(nw):
        z = ints[o_wz + w]
        if ints[o_wf + w] == 0 and z != 0 and (z & (z - 1)) == 0:
            n_single += 1
        elif ints[o_wf + w] < 0:  # probabilities (PROB_WORD)
            n_single = SINGLE_Z_TREE
    if n >= FUSE_MIN_WIRES or n_single >= SINGLE_Z_TREE:
        # fused tails, the single-Z tree or probabilities: the serial kernel's programs
        raise ValueError("qsym: not a program for the small kernel (kernels.small_gradient_"
                         "runs); call program_value_and_grad_into for this one")
    nt = ints[H_TERMS]
    nch = ints[H_CHAIN]
    ncc = ints[H_CC]
    n_slots = ints[H_SLOTS]
    n_inputs = ints[H_INPUTS]
    n_out = ints[H_OUTPUTS]
    op_wires = _section(ints, S_OP_WIRES).reshape((n_ops, maxw))
    o_top = _start(ints, S_TERM_OP)
    o_tslot = _start(ints, S_TERM_SLOT)
    o_tzero = _start(ints, S_TERM_ZERO)
    o_toff = _start(ints, S_TERM_OFF)
    o_chs = _start(ints, S_CH_SLOT)
    o_chx = _start(ints, S_CH_X)
    o_ccm = _start(ints, S_CC_M)
    o_ccw = _start(ints, S_CC_W)
    o_ccx = _start(ints, S_CC_X)
    dim = 1 << n
    psi = np.empty(dim, dtype=np.complex128)
    phi = np.empty(dim, dtype=np.complex128)
    # flat: e (the value circuit's words), v (one shifted circuit's), de (slots x words),
    # g (inputs x words)
    fl = np.zeros(nw * (2 + n_slots + n_inputs))
    o_de = 2 * nw
    o_g = o_de + n_slots * nw
    reset_state(psi)
    for q in range(n_ops):
        apply_row(psi, n, op_wires, q, ints[o_nw + q], ints[o_kind + q], mats, ints[o_off + q])
    for w in range(nw):
        fl[w] = _word_value(psi, ints[o_wf + w], ints[o_wz + w], ints[o_wy + w])
    reset_state(psi)
    t = 0
    for k in range(n_ops):
        nwk = ints[o_nw + k]
        while t < nt and ints[o_top + t] == k:
            ds = o_de + ints[o_tslot + t] * nw
            c = floats[t]
            if ints[o_tzero + t]:
                for w in range(nw):
                    fl[ds + w] += c * fl[w]
            else:
                for i in range(dim):
                    phi[i] = psi[i]
                apply_row(phi, n, op_wires, k, nwk, ints[o_kind + k], smats, ints[o_toff + t])
                for r in range(k + 1, n_ops):
                    apply_row(phi, n, op_wires, r, ints[o_nw + r], ints[o_kind + r], mats,
                              ints[o_off + r])
                for w in range(nw):
                    fl[nw + w] = _word_value(phi, ints[o_wf + w], ints[o_wz + w], ints[o_wy + w])
                for w in range(nw):
                    fl[ds + w] += c * fl[nw + w]
            t += 1
        if t >= nt:
            break
        apply_row(psi, n, op_wires, k, nwk, ints[o_kind + k], mats, ints[o_off + k])
    # shift_finish on flat offsets
    for k in range(nch):
        ds = o_de + ints[o_chs + k] * nw
        dg = o_g + ints[o_chx + k] * nw
        for w in range(nw):
            fl[dg + w] += ch[k] * fl[ds + w]
    for m in range(n_out):
        acc = 0.0
        for w in range(nw):
            acc += C[m, w] * fl[w]
        out[m] = acc
    for m in range(n_out):
        for j in range(n_inputs):
            acc = 0.0
            for w in range(nw):
                acc += C[m, w] * fl[o_g + j * nw + w]
            jac[m, j] = acc
    for k in range(ncc):
        jac[ints[o_ccm + k], ints[o_ccx + k]] += cc[k] * fl[ints[o_ccw + k]]


@njit(cache=True)
def _term_chunks(term_op, term_zero, n_ops, n_chunks):
    """Cut the (sorted) terms into ``n_chunks`` runs of about equal work: a shifted circuit
    at op ``k`` costs the ops from ``k`` to the end; zero-shift terms cost nothing."""
    n_terms = term_op.shape[0]
    total = 0
    for t in range(n_terms):
        if term_zero[t] == 0:
            total += n_ops - term_op[t]
    bounds = np.empty(n_chunks + 1, dtype=np.int64)
    bounds[0] = 0
    c = 1
    acc = 0
    for t in range(n_terms):
        if term_zero[t] == 0:
            acc += n_ops - term_op[t]
        if t + 1 < n_terms and term_op[t + 1] == term_op[t]:
            continue  # an op's terms in one run (shift_values combines them)
        while c < n_chunks and acc * n_chunks >= total * c:
            bounds[c] = t + 1
            c += 1
    while c <= n_chunks:
        bounds[c] = n_terms
        c += 1
    return bounds


@njit(cache=True, parallel=True)
def program_value_and_grad_parallel(ints, floats, mats, smats, ch, C, cc, n_chunks):
    """:func:`program_value_and_grad_into` with the shifted circuits of one gradient shared
    among numba's threads, bit for bit the same result for any ``n_chunks``.

    The terms are cut into ``n_chunks`` runs of about equal work (a few per thread, for
    ``call_dynamic`` to balance); each run walks the circuit from |0..0> to its own first
    op (at most one extra circuit per run) and then as the serial kernel does; runs are cut
    between ops. The value circuit runs first, its final state read by every run. The
    word values of every shifted circuit are kept and summed in term order afterwards, as
    the serial kernel sums them. Memory: two states per thread (three from
    ``FUSE_MIN_WIRES`` wires) and the final state.
    """
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
     term_zero, term_off, _, _, _, _, _, _, _, _) = unpack_program(ints)
    n = ints[H_N]
    dim = 1 << n
    n_ops = op_nw.shape[0]
    n_words = word_flip.shape[0]
    n_terms = term_op.shape[0]
    n_slots = ints[H_SLOTS]
    n_inputs = ints[H_INPUTS]
    fl = np.zeros(n_words * (1 + n_terms + n_slots + n_inputs))
    e, vals, de = _split_values(fl, n_words, n_terms, n_slots)
    g = fl[n_words * (1 + n_terms + n_slots) :].reshape((n_inputs, n_words))
    zero = term_zero
    n_chunks = max(1, min(n_chunks, n_terms))
    bounds = _term_chunks(term_op, term_zero, n_ops, n_chunks)
    # the value circuit's state, op by op (the serial kernel's), read by every run
    fin = zero_state(n)
    _ops(fin, n, np.int64(0), n_ops, op_wires, op_nw, op_kind, op_off, mats)
    _expvals_into(fin, word_flip, word_z, word_ny, e)
    _shifts_ready()  # (shift_values' cell filled here, not on a thread)
    for c in prange(n_chunks):
        psi = np.empty(dim, dtype=np.complex128)
        phi = np.empty(dim, dtype=np.complex128)
        t0 = bounds[c]
        t1 = bounds[c + 1]
        _shifts(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                term_op, zero, term_off, smats, t0, t1, vals, psi, phi, fin)
    accumulate_terms(term_slot, floats, zero, e, vals, de)
    out, jac = _outputs(ints)
    shift_finish(ints, ch, C, cc, e, de, g, out, jac)
    return out, jac


# --- adjoint differentiation (Jones & Gacon 2020) ---------------------------------------
@njit(cache=True)
def _add_signed(lam, psi, c, z):
    """``lam[i] += (-1)**parity(i & z) * c * psi[i]`` (a loop of its own: 3x faster)."""
    for i in range(psi.shape[0]):
        lam[i] += (-c if _parity(i & z) else c) * psi[i]


@njit(cache=True)
def add_pauli_word(lam, psi, c, flip, z, ny):
    """``lam += c P psi`` for the Pauli word with masks ``flip``, ``z`` and ``ny`` Y's, in
    one pass (the adjoint method's starting ``lambda = O psi``)."""
    r = ny & 3
    phase = 1.0 + 0j if r == 0 else (1j if r == 1 else (-1.0 + 0j if r == 2 else -1j))
    if flip == 0:  # diagonal: a real sign per amplitude (ny is 0)
        _add_signed(lam, psi, c, z)
        return
    cp = c * phase
    for i in range(psi.shape[0]):
        v = cp * psi[i]
        if _parity(i & z):
            v = -v
        lam[i ^ flip] += v


@njit(cache=True)
def adjoint_mats_into(mats, op_nw, op_kind, op_off, amats):
    """``amats``: the conjugate transposes (inverses) of every op's stored matrix."""
    for k in range(op_nw.shape[0]):
        dim = 1 << op_nw[k]
        off = op_off[k]
        if op_kind[k] == DIAGONAL:
            for r in range(dim):
                amats[off + r] = np.conj(mats[off + r])
        elif op_kind[k] == PAULI or op_kind[k] == PCPHASE:
            # (a I + b P)^+ = a* I + b* P; the phases conjugated; the masks as they are
            amats[off] = np.conj(mats[off])
            amats[off + 1] = np.conj(mats[off + 1])
            for r in range(2, 5 if op_kind[k] == PAULI else 3):
                amats[off + r] = mats[off + r]
        else:
            for r in range(dim):
                for c in range(dim):
                    amats[off + r * dim + c] = np.conj(mats[off + c * dim + r])


@njit(cache=True)
def overlap1(lam, psi, n, w, diag, dmats, off):
    """``Re <lam| D |psi>`` for a one-wire matrix ``D`` (dense, or its diagonal) on wire
    ``w``, without forming ``D |psi>``: the adjoint method's inner product, in one pass.
    Public: qsym.minimize's generated loops call it."""
    b = n - 1 - w
    step = 1 << b
    if diag:
        d00 = dmats[off]
        d11 = dmats[off + 1]
        d01 = 0j
        d10 = 0j
    else:
        d00 = dmats[off]
        d01 = dmats[off + 1]
        d10 = dmats[off + 2]
        d11 = dmats[off + 3]
    acc = 0.0
    for i in range(psi.shape[0] >> 1):
        i0 = _insert_zero(i, b)
        i1 = i0 | step
        p0 = psi[i0]
        p1 = psi[i1]
        v = np.conj(lam[i0]) * (d00 * p0 + d01 * p1) + np.conj(lam[i1]) * (d10 * p0 + d11 * p1)
        acc += v.real
    return acc


@njit(cache=True)
def _step1_real(psi, lam, n, w, amats, aoff, dmats, doff):
    """One backward step of the adjoint method over a one-wire op with a real matrix, in
    one pass over both states: ``psi <- A psi`` (``A = U^+``), the overlap
    ``Re <lam| D |psi>`` with the new ``psi`` (``D = dU``, real), then ``lam <- A lam``.
    On the float64 views, real and imaginary parts alike (contiguous runs)."""
    b = n - 1 - w
    a00 = amats[aoff].real
    a01 = amats[aoff + 1].real
    a10 = amats[aoff + 2].real
    a11 = amats[aoff + 3].real
    d00 = dmats[doff].real
    d01 = dmats[doff + 1].real
    d10 = dmats[doff + 2].real
    d11 = dmats[doff + 3].real
    ps = psi.view(np.float64)
    ls = lam.view(np.float64)
    size = ps.shape[0]
    if b < 2:  # runs of 2 or 4 floats: 3-d views with a constant inner length
        if b == 0:
            return _step1_real_short(ps.reshape((size >> 2, 2, 2)), ls.reshape((size >> 2, 2, 2)),
                                     a00, a01, a10, a11, d00, d01, d10, d11)
        return _step1_real_short(ps.reshape((size >> 3, 2, 4)), ls.reshape((size >> 3, 2, 4)),
                                 a00, a01, a10, a11, d00, d01, d10, d11)
    F = 2 << b
    acc = 0.0
    for base in range(0, size, 2 * F):
        p0 = ps[base : base + F]
        p1 = ps[base + F : base + 2 * F]
        l0 = ls[base : base + F]
        l1 = ls[base + F : base + 2 * F]
        for x in range(F):
            u = p0[x]
            v = p1[x]
            nu = a00 * u + a01 * v
            nv = a10 * u + a11 * v
            p0[x] = nu
            p1[x] = nv
            e = l0[x]
            f = l1[x]
            acc += e * (d00 * nu + d01 * nv) + f * (d10 * nu + d11 * nv)
            l0[x] = a00 * e + a01 * f
            l1[x] = a10 * e + a11 * f
    return acc


@njit(cache=True)
def _step1_real_short(pt, lt, a00, a01, a10, a11, d00, d01, d10, d11):
    """``_step1_real`` on ``(groups, 2, F)`` views for the wires of the lowest two bits."""
    acc = 0.0
    F = pt.shape[2]
    for g in range(pt.shape[0]):
        for x in range(F):
            u = pt[g, 0, x]
            v = pt[g, 1, x]
            nu = a00 * u + a01 * v
            nv = a10 * u + a11 * v
            pt[g, 0, x] = nu
            pt[g, 1, x] = nv
            e = lt[g, 0, x]
            f = lt[g, 1, x]
            acc += e * (d00 * nu + d01 * nv) + f * (d10 * nu + d11 * nv)
            lt[g, 0, x] = a00 * e + a01 * f
            lt[g, 1, x] = a10 * e + a11 * f
    return acc


@njit(cache=True)
def adjoint_step1_diag(psi, lam, n, w, amats, aoff, dmats, doff):
    """One backward step of the adjoint method over a diagonal one-wire op (``A = U^+``
    and ``D = dU`` diagonal, complex), in one pass: ``psi <- A psi``, the overlap
    ``Re <lam| D |psi>`` returned, ``lam <- A lam``. Public: qsym.minimize's generated
    loops call it (``qsym._minimize``)."""
    b = n - 1 - w
    a0 = amats[aoff]
    a1 = amats[aoff + 1]
    d0 = dmats[doff]
    d1 = dmats[doff + 1]
    acc = 0.0
    for i in range(psi.shape[0]):
        h = (i >> b) & 1
        a = a1 if h else a0
        d = d1 if h else d0
        p = a * psi[i]
        psi[i] = p
        l = lam[i]
        q = d * p
        acc += l.real * q.real + l.imag * q.imag
        lam[i] = a * l
    return acc


@njit(cache=True)
def adjoint_step1_dense(psi, lam, n, w, amats, aoff, dmats, doff):
    """One backward step of the adjoint method over a dense complex one-wire op, in one
    pass: ``psi <- A psi`` (``A = U^+``), the overlap ``Re <lam| D |psi>`` (``D = dU``)
    returned, ``lam <- A lam``. Public: qsym.minimize's generated loops call it."""
    b = n - 1 - w
    step = 1 << b
    a00 = amats[aoff]
    a01 = amats[aoff + 1]
    a10 = amats[aoff + 2]
    a11 = amats[aoff + 3]
    d00 = dmats[doff]
    d01 = dmats[doff + 1]
    d10 = dmats[doff + 2]
    d11 = dmats[doff + 3]
    acc = 0.0
    for i in range(psi.shape[0] >> 1):
        i0 = _insert_zero(i, b)
        i1 = i0 | step
        u = psi[i0]
        v = psi[i1]
        nu = a00 * u + a01 * v
        nv = a10 * u + a11 * v
        psi[i0] = nu
        psi[i1] = nv
        e = lam[i0]
        f = lam[i1]
        q0 = d00 * nu + d01 * nv
        q1 = d10 * nu + d11 * nv
        acc += e.real * q0.real + e.imag * q0.imag + f.real * q1.real + f.imag * q1.imag
        lam[i0] = a00 * e + a01 * f
        lam[i1] = a10 * e + a11 * f
    return acc


@njit(cache=True, inline="always")
def _step1(psi, lam, n, w, kind, amats, aoff, dmats, doff):
    if kind == REAL:
        return _step1_real(psi, lam, n, w, amats, aoff, dmats, doff)
    if kind == DIAGONAL:
        return adjoint_step1_diag(psi, lam, n, w, amats, aoff, dmats, doff)
    return adjoint_step1_dense(psi, lam, n, w, amats, aoff, dmats, doff)


# --- large states: the adjoint method in blocked passes (issue #19) ------------------------
# From BLOCK_MIN_WIRES wires the adjoint method makes far fewer passes over its states. The
# index bits are split in two: the low bits (the last wires) below k, and the high bits. An
# op whose wires are all low, or all high, is "local": a run of local ops ("block
# segment") is applied in two passes, the low ops in chunks of 2^k contiguous amplitudes
# (each chunk a small state of its own, every op applied while it is in cache) and the high
# ops on gathered buffers (for a fixed offset of the low bits, every value of the high bits,
# with 2^lL contiguous amplitudes per row). Ops on disjoint wires commute, so the low ops and
# the high ops may be applied in either order; each group keeps its circuit order. A run of
# CNOTs that crosses the split is one permutation pass (gather_cnot_run); any other op runs
# as before. Forward, only the final state is needed; backward (un-applying each op to psi
# and lambda, with each differentiated op's overlap 2 Re <lambda| dU |psi> taken in its
# chunk), the overlaps are summed per chunk and then over chunks in chunk order, so the
# result does not depend on the number of threads (the chunks are the same for any). The
# parallel form (program_value_and_grad_adjoint_parallel) is the same driver compiled with
# parallel=True: one parallel region per gradient, a member of its team on each of numba's
# threads claiming each pass's chunks (see "a team of threads"), the same sums, the same
# bits. The runtime chooses it as it does its other parallel kernels
# (Compiled.adjoint_kernel).
# Measurements: docs/design.md, "Large states: blocked adjoint passes".
_BLOCK_BITS = 12  # 2^12 amplitudes (64 KiB) per chunk and per high buffer
# From a state of one chunk on (12 wires): there the whole state is one chunk and every op
# is low, so the blocked driver is the op-by-op sweep with a block segment's one-wire
# diagonals applied and differentiated one pass per group (diag_flush_plan) and its
# one-wire rotations' backward steps in one pass over psi and lambda. Measured (issue #19,
# one thread, process CPU medians of 7-9, load 9-15): HEA 12x8 3.66 -> 2.18 ms, 11x6
# 1.21 -> 0.79, 10x8 0.73 -> 0.53 but 8x8 0.169 -> 0.191 ms; CRX/IsingZZ/RX 12x4 and 10x4,
# StronglyEntanglingLayers and a mixed circuit at 10 and 12 wires 0.94-1.07x (the loss on
# two outputs): docs/design.md, "Large states".
BLOCK_MIN_WIRES = _BLOCK_BITS
# the parallel form (one gradient's chunks on numba's threads) from 14 wires, as before
# (four chunks; not measured below), given enough work (PARALLEL_SHIFT_MIN_WORK)
PARALLEL_BLOCK_MIN_WIRES = 14
# on tier 0 (a circuit's adjoint on the kernels' plain-Python twins, before the compiled
# code is loaded) the op-by-op sweep below 14 wires: its twins' whole-state NumPy steps
# (qsym._aot_numpy.FAST_STEPS, 10-13 wires) answer first without loading the compiled
# blocked kernel (issue #17's first answer)
BLOCK_TWIN_MIN_WIRES = 14
SEG_BLOCK = 0
SEG_CNOT = 1
SEG_OP = 2


@njit(cache=True)
def block_geometry(n, bits):
    """``(k, lL)``: the low index bits (chunks of ``2^k`` amplitudes) and the contiguous
    low bits per row of a high buffer (``2^(n - k + lL)`` amplitudes), for chunks of about
    ``2^bits`` amplitudes (``_BLOCK_BITS``; the tests take fewer, to split small states)."""
    k = max(min(n, bits), (n + 1) // 2)
    lL = min(k, max(2, bits - (n - k)))
    return k, lL


@njit(cache=True)
def block_plan(n, op_wires, op_nw, op_kind, adj_op, bits):
    """The segments of the blocked adjoint: ``seg`` rows ``(kind, start, stop)``
    (SEG_BLOCK, SEG_CNOT, SEG_OP); per op its group ``grp`` (0 low, 1 high, -1 neither) and
    its wires in its group's small state ``loc``; the differentiated slots of op ``q`` are
    ``a_lo[q] .. a_hi[q] - 1`` (adj_op is sorted)."""
    n_ops = op_nw.shape[0]
    k, _ = block_geometry(n, bits)
    grp = np.full(n_ops, -1, dtype=np.int64)
    loc = op_wires.copy()
    for q in range(n_ops):
        lo = True
        hi = True
        for i in range(op_nw[q]):
            if n - 1 - op_wires[q, i] < k:
                hi = False
            else:
                lo = False
        if lo:
            grp[q] = 0
            for i in range(op_nw[q]):
                loc[q, i] = op_wires[q, i] - (n - k)
        elif hi:
            grp[q] = 1  # a high buffer's wires are the state's wires (see block_geometry)
    a_lo = np.zeros(n_ops, dtype=np.int64)
    a_hi = np.zeros(n_ops, dtype=np.int64)
    a = 0
    for q in range(n_ops):
        a_lo[q] = a
        while a < adj_op.shape[0] and adj_op[a] == q:
            a += 1
        a_hi[q] = a
    seg = np.empty((n_ops, 3), dtype=np.int64)
    ns = 0
    q = 0
    while q < n_ops:
        e = q + 1
        kind = SEG_OP
        if grp[q] >= 0:
            while e < n_ops and grp[e] >= 0:
                e += 1
            kind = SEG_BLOCK
        elif op_kind[q] == CONTROLLED_X and op_nw[q] == 2:
            while e < n_ops and op_kind[e] == CONTROLLED_X and op_nw[e] == 2:
                e += 1
            kind = SEG_CNOT if e - q >= 2 else SEG_OP
        seg[ns, 0] = kind
        seg[ns, 1] = q
        seg[ns, 2] = e
        ns += 1
        q = e
    return seg[:ns], grp, loc, a_lo, a_hi


@njit(cache=True)
def _groups_in(grp, q0, q1):
    """Whether ops ``q0 .. q1-1`` have a low op, and a high op."""
    lo = False
    hi = False
    for q in range(q0, q1):
        if grp[q] == 0:
            lo = True
        elif grp[q] == 1:
            hi = True
    return lo, hi


@njit(cache=True, inline="always")
def _high_index(hi, j, n, k, lL):
    """The state index of row ``hi`` of high buffer ``j`` (its first amplitude)."""
    return (hi << k) | (j << lL)


@njit(cache=True)
def _gather_high(src, buf, j, n, k, lL):
    L = 1 << lL
    for hi in range(1 << (n - k)):
        s = _high_index(hi, j, n, k, lL)
        d = hi << lL
        for x in range(L):
            buf[d + x] = src[s + x]


@njit(cache=True)
def _scatter_high(buf, dst, j, n, k, lL):
    L = 1 << lL
    for hi in range(1 << (n - k)):
        s = _high_index(hi, j, n, k, lL)
        d = hi << lL
        for x in range(L):
            dst[s + x] = buf[d + x]


# The blocked passes' backward steps: the overlap summed in four running sums (fixed
# lanes, added at the end in a fixed order) instead of one: a single sum is a chain of
# dependent additions (no fastmath), about 4 cycles per float, and bounded the step at
# 2.3 ns per amplitude in cache (the unblocked kernels' _step1_*); four chains run at once.
@njit(cache=True)
def _bstep_real(psi, lam, n, w, amats, aoff, dmats, doff):
    """:func:`_step1_real` with four running sums (see above)."""
    b = n - 1 - w
    if b == 0:
        return _bstep_real0(psi, lam, amats, aoff, dmats, doff)
    if b >= 3:
        return _bstep_real_wide(psi, lam, b, amats, aoff, dmats, doff)
    a00 = amats[aoff].real
    a01 = amats[aoff + 1].real
    a10 = amats[aoff + 2].real
    a11 = amats[aoff + 3].real
    d00 = dmats[doff].real
    d01 = dmats[doff + 1].real
    d10 = dmats[doff + 2].real
    d11 = dmats[doff + 3].real
    ps = psi.view(np.float64)
    ls = lam.view(np.float64)
    size = ps.shape[0]
    F = 2 << b  # a multiple of 4
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for base in range(0, size, 2 * F):
        p0 = ps[base : base + F]
        p1 = ps[base + F : base + 2 * F]
        l0 = ls[base : base + F]
        l1 = ls[base + F : base + 2 * F]
        for g in range(F >> 2):
            x = 4 * g
            u0 = p0[x]
            u1 = p0[x + 1]
            u2 = p0[x + 2]
            u3 = p0[x + 3]
            v0 = p1[x]
            v1 = p1[x + 1]
            v2 = p1[x + 2]
            v3 = p1[x + 3]
            nu0 = a00 * u0 + a01 * v0
            nu1 = a00 * u1 + a01 * v1
            nu2 = a00 * u2 + a01 * v2
            nu3 = a00 * u3 + a01 * v3
            nv0 = a10 * u0 + a11 * v0
            nv1 = a10 * u1 + a11 * v1
            nv2 = a10 * u2 + a11 * v2
            nv3 = a10 * u3 + a11 * v3
            p0[x] = nu0
            p0[x + 1] = nu1
            p0[x + 2] = nu2
            p0[x + 3] = nu3
            p1[x] = nv0
            p1[x + 1] = nv1
            p1[x + 2] = nv2
            p1[x + 3] = nv3
            e0 = l0[x]
            e1 = l0[x + 1]
            e2 = l0[x + 2]
            e3 = l0[x + 3]
            f0 = l1[x]
            f1 = l1[x + 1]
            f2 = l1[x + 2]
            f3 = l1[x + 3]
            s0 += e0 * (d00 * nu0 + d01 * nv0) + f0 * (d10 * nu0 + d11 * nv0)
            s1 += e1 * (d00 * nu1 + d01 * nv1) + f1 * (d10 * nu1 + d11 * nv1)
            s2 += e2 * (d00 * nu2 + d01 * nv2) + f2 * (d10 * nu2 + d11 * nv2)
            s3 += e3 * (d00 * nu3 + d01 * nv3) + f3 * (d10 * nu3 + d11 * nv3)
            l0[x] = a00 * e0 + a01 * f0
            l0[x + 1] = a00 * e1 + a01 * f1
            l0[x + 2] = a00 * e2 + a01 * f2
            l0[x + 3] = a00 * e3 + a01 * f3
            l1[x] = a10 * e0 + a11 * f0
            l1[x + 1] = a10 * e1 + a11 * f1
            l1[x + 2] = a10 * e2 + a11 * f2
            l1[x + 3] = a10 * e3 + a11 * f3
    return (s0 + s1) + (s2 + s3)


@njit(cache=True)
def _bstep_real_wide(psi, lam, b, amats, aoff, dmats, doff):
    """:func:`_bstep_real` on index bit ``b >= 3``: the overlap's terms written to a buffer
    in a loop without a running sum (which LLVM vectorizes: the sums kept it scalar), then
    summed in the same four lanes in the same order: the same bits, 12 -> 7-9 us per gate
    on 4096 amplitudes (docs/design.md, "Large states")."""
    a00 = amats[aoff].real
    a01 = amats[aoff + 1].real
    a10 = amats[aoff + 2].real
    a11 = amats[aoff + 3].real
    d00 = dmats[doff].real
    d01 = dmats[doff + 1].real
    d10 = dmats[doff + 2].real
    d11 = dmats[doff + 3].real
    ps = psi.view(np.float64)
    ls = lam.view(np.float64)
    size = ps.shape[0]
    F = 2 << b  # a multiple of 16
    T = np.empty(size >> 1)
    t = 0
    for base in range(0, size, 2 * F):
        p0 = ps[base : base + F]
        p1 = ps[base + F : base + 2 * F]
        l0 = ls[base : base + F]
        l1 = ls[base + F : base + 2 * F]
        tb = T[t : t + F]
        for x in range(F):
            u = p0[x]
            v = p1[x]
            nu = a00 * u + a01 * v
            nv = a10 * u + a11 * v
            p0[x] = nu
            p1[x] = nv
            e = l0[x]
            f = l1[x]
            tb[x] = e * (d00 * nu + d01 * nv) + f * (d10 * nu + d11 * nv)
            l0[x] = a00 * e + a01 * f
            l1[x] = a10 * e + a11 * f
        t += F
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for g in range(T.shape[0] >> 2):  # the running sums' lanes and order
        s0 += T[4 * g]
        s1 += T[4 * g + 1]
        s2 += T[4 * g + 2]
        s3 += T[4 * g + 3]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True)
def _bstep_real0(psi, lam, amats, aoff, dmats, doff):
    """:func:`_bstep_real` on the lowest bit (adjacent amplitude pairs)."""
    a00 = amats[aoff].real
    a01 = amats[aoff + 1].real
    a10 = amats[aoff + 2].real
    a11 = amats[aoff + 3].real
    d00 = dmats[doff].real
    d01 = dmats[doff + 1].real
    d10 = dmats[doff + 2].real
    d11 = dmats[doff + 3].real
    ps = psi.view(np.float64)
    ls = lam.view(np.float64)
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for g in range(ps.shape[0] >> 3):  # two pairs: u0 u1 v0 v1 | u2 u3 v2 v3 (re, im)
        x = 8 * g
        u0 = ps[x]
        u1 = ps[x + 1]
        v0 = ps[x + 2]
        v1 = ps[x + 3]
        u2 = ps[x + 4]
        u3 = ps[x + 5]
        v2 = ps[x + 6]
        v3 = ps[x + 7]
        nu0 = a00 * u0 + a01 * v0
        nu1 = a00 * u1 + a01 * v1
        nu2 = a00 * u2 + a01 * v2
        nu3 = a00 * u3 + a01 * v3
        nv0 = a10 * u0 + a11 * v0
        nv1 = a10 * u1 + a11 * v1
        nv2 = a10 * u2 + a11 * v2
        nv3 = a10 * u3 + a11 * v3
        ps[x] = nu0
        ps[x + 1] = nu1
        ps[x + 2] = nv0
        ps[x + 3] = nv1
        ps[x + 4] = nu2
        ps[x + 5] = nu3
        ps[x + 6] = nv2
        ps[x + 7] = nv3
        e0 = ls[x]
        e1 = ls[x + 1]
        f0 = ls[x + 2]
        f1 = ls[x + 3]
        e2 = ls[x + 4]
        e3 = ls[x + 5]
        f2 = ls[x + 6]
        f3 = ls[x + 7]
        s0 += e0 * (d00 * nu0 + d01 * nv0) + f0 * (d10 * nu0 + d11 * nv0)
        s1 += e1 * (d00 * nu1 + d01 * nv1) + f1 * (d10 * nu1 + d11 * nv1)
        s2 += e2 * (d00 * nu2 + d01 * nv2) + f2 * (d10 * nu2 + d11 * nv2)
        s3 += e3 * (d00 * nu3 + d01 * nv3) + f3 * (d10 * nu3 + d11 * nv3)
        ls[x] = a00 * e0 + a01 * f0
        ls[x + 1] = a00 * e1 + a01 * f1
        ls[x + 2] = a10 * e0 + a11 * f0
        ls[x + 3] = a10 * e1 + a11 * f1
        ls[x + 4] = a00 * e2 + a01 * f2
        ls[x + 5] = a00 * e3 + a01 * f3
        ls[x + 6] = a10 * e2 + a11 * f2
        ls[x + 7] = a10 * e3 + a11 * f3
    return (s0 + s1) + (s2 + s3)


@njit(cache=True)
def _bstep_diag(psi, lam, n, w, amats, aoff, dmats, doff):
    """:func:`adjoint_step1_diag` by runs of ``2^b`` amplitudes with the same bit ``b`` (the
    factors constant along a run; real arithmetic on the float64 views), four running
    sums."""
    b = n - 1 - w
    ps = psi.view(np.float64)
    ls = lam.view(np.float64)
    a0 = amats[aoff]
    a1 = amats[aoff + 1]
    d0 = dmats[doff]
    d1 = dmats[doff + 1]
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    if b == 0:  # alternating factors: one pair of amplitudes (4 floats) at a time
        for g in range(ps.shape[0] >> 2):
            x = 4 * g
            u0 = ps[x]
            v0 = ps[x + 1]
            u1 = ps[x + 2]
            v1 = ps[x + 3]
            p0r = a0.real * u0 - a0.imag * v0
            p0i = a0.real * v0 + a0.imag * u0
            p1r = a1.real * u1 - a1.imag * v1
            p1i = a1.real * v1 + a1.imag * u1
            ps[x] = p0r
            ps[x + 1] = p0i
            ps[x + 2] = p1r
            ps[x + 3] = p1i
            e0 = ls[x]
            f0 = ls[x + 1]
            e1 = ls[x + 2]
            f1 = ls[x + 3]
            s0 += e0 * (d0.real * p0r - d0.imag * p0i)
            s1 += f0 * (d0.real * p0i + d0.imag * p0r)
            s2 += e1 * (d1.real * p1r - d1.imag * p1i)
            s3 += f1 * (d1.real * p1i + d1.imag * p1r)
            ls[x] = a0.real * e0 - a0.imag * f0
            ls[x + 1] = a0.real * f0 + a0.imag * e0
            ls[x + 2] = a1.real * e1 - a1.imag * f1
            ls[x + 3] = a1.real * f1 + a1.imag * e1
        return (s0 + s1) + (s2 + s3)
    F = 2 << b  # floats per run, a multiple of 4
    for base in range(0, ps.shape[0], F):
        h = (base // F) & 1
        a = a1 if h else a0
        d = d1 if h else d0
        ar = a.real
        ai = a.imag
        dr = d.real
        di = d.imag
        pv = ps[base : base + F]
        lv = ls[base : base + F]
        for g in range(F >> 2):
            x = 4 * g
            u0 = pv[x]
            v0 = pv[x + 1]
            u1 = pv[x + 2]
            v1 = pv[x + 3]
            p0r = ar * u0 - ai * v0
            p0i = ar * v0 + ai * u0
            p1r = ar * u1 - ai * v1
            p1i = ar * v1 + ai * u1
            pv[x] = p0r
            pv[x + 1] = p0i
            pv[x + 2] = p1r
            pv[x + 3] = p1i
            e0 = lv[x]
            f0 = lv[x + 1]
            e1 = lv[x + 2]
            f1 = lv[x + 3]
            s0 += e0 * (dr * p0r - di * p0i)
            s1 += f0 * (dr * p0i + di * p0r)
            s2 += e1 * (dr * p1r - di * p1i)
            s3 += f1 * (dr * p1i + di * p1r)
            lv[x] = ar * e0 - ai * f0
            lv[x + 1] = ar * f0 + ai * e0
            lv[x + 2] = ar * e1 - ai * f1
            lv[x + 3] = ar * f1 + ai * e1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True)
def diag_flush_plan(seg, grp, loc, op_nw, op_kind):
    """Where a block segment's one-wire diagonals are applied: ``fl[q]``, the op of its
    group before which diagonal ``q`` is applied together with the other diagonals pending
    then (one pass for all: :func:`_diag_flush_forward`), the segment's end ``q1`` for
    those still pending there; -1 for every other op (and for a diagonal that would be
    applied alone). ``fb[q, g]``: whether diagonals of group ``g`` are applied right before
    op ``q`` (``q = q1``: at the segment's end). Ops on other wires commute with a
    diagonal, so it waits until an op of its group touches a pending wire."""
    n_ops = op_nw.shape[0]
    fl = np.full(n_ops, -1, dtype=np.int64)
    fb = np.zeros((n_ops + 1, 2), dtype=np.bool_)
    pend = np.empty(n_ops, dtype=np.int64)
    for s in range(seg.shape[0]):
        if seg[s, 0] != SEG_BLOCK:
            continue
        q0 = seg[s, 1]
        q1 = seg[s, 2]
        for g in range(2):
            npend = 0
            for q in range(q0, q1 + 1):
                if q < q1:
                    if grp[q] != g:
                        continue
                    if op_nw[q] == 1 and op_kind[q] == DIAGONAL:
                        pend[npend] = q
                        npend += 1
                        continue
                hit = q == q1
                for i in range(npend):
                    for j in range(op_nw[q] if q < q1 else 0):
                        hit = hit or loc[pend[i], 0] == loc[q, j]
                if not hit:
                    continue
                if npend >= 2:
                    for i in range(npend):
                        fl[pend[i]] = q
                    fb[q, g] = True
                npend = 0
    return fl, fb


@njit(cache=True)
def _diag_tables(nloc, q0, q1, at, g, grp, fl, loc, op_off, mats):
    """The product of the diagonals of group ``g`` applied before op ``at`` on a small
    state of ``nloc`` wires: ``T[x]`` over the low ``B = min(nloc, 8)`` index bits, ``H[y]``
    over the others (the factor of amplitude ``y 2^B + x`` is ``T[x] H[y]``)."""
    B = min(nloc, _CHUNK)
    T = np.ones(1 << B, dtype=np.complex128)
    H = np.ones(1 << (nloc - B), dtype=np.complex128)
    for r in range(q0, q1):
        if grp[r] != g or fl[r] != at:
            continue
        b = nloc - 1 - loc[r, 0]
        d0 = mats[op_off[r]]
        d1 = mats[op_off[r] + 1]
        if b < B:
            for x in range(T.shape[0]):
                T[x] *= d1 if (x >> b) & 1 else d0
        else:
            for y in range(H.shape[0]):
                H[y] *= d1 if (y >> (b - B)) & 1 else d0
    return T, H


@njit(cache=True)
def _diag_flush_forward(st, T, H):
    """``st[y 2^B + x] *= T[x] H[y]`` (:func:`_diag_tables`)."""
    W = T.shape[0]
    for y in range(H.shape[0]):
        h = H[y]
        v = st[y * W : (y + 1) * W]
        for x in range(W):
            v[x] *= T[x] * h


@njit(cache=True)
def _diag_flush_backward(ps, lam, lo, nloc, q0, q1, at, g, grp, fl, loc, op_off, amats,
                         a_lo, a_hi, adj_off, dmats, part, c):
    """The backward step of the diagonals of group ``g`` applied before op ``at`` (see
    :func:`diag_flush_plan`), in one pass over ``ps`` and ``lam[:, lo : lo + len(ps)]``.
    A unitary diagonal leaves ``w[i] = conj(lam[i]) psi[i]`` as it is, so every overlap
    of the group comes from the same ``w``: ``Re <lam| dU |U^+ psi> = Re sum_v g_v W_v``
    with ``g_v = dU_v (U^+)_v`` and ``W_v`` the sum of ``w`` where the op's bit is ``v``.
    ``w`` is summed per value of the low ``B`` bits (``S[m, 0]``) and, for each higher
    bit, over the rows where it is set (``S[m, 1 + j]``); then psi and lambda are
    multiplied by the product of the inverses."""
    n_out = lam.shape[0]
    B = min(nloc, _CHUNK)
    W = 1 << B
    nh = nloc - B
    T, H = _diag_tables(nloc, q0, q1, at, g, grp, fl, loc, op_off, amats)
    S = np.zeros((n_out, nh + 1, W), dtype=np.complex128)
    wr = np.empty(W, dtype=np.complex128)
    for y in range(1 << nh):
        h = H[y]
        pv = ps[y * W : (y + 1) * W]
        for m in range(n_out):
            lv = lam[m, lo + y * W : lo + (y + 1) * W]
            s0 = S[m, 0]
            for x in range(W):
                f = T[x] * h
                w = np.conj(lv[x]) * pv[x]
                wr[x] = w
                s0[x] += w
                lv[x] *= f
            for j in range(nh):
                if (y >> j) & 1:
                    sj = S[m, 1 + j]
                    for x in range(W):
                        sj[x] += wr[x]
        for x in range(W):
            pv[x] *= T[x] * h
    for r in range(q0, q1):
        if grp[r] != g or fl[r] != at:
            continue
        b = nloc - 1 - loc[r, 0]
        for m in range(n_out):
            tot = 0j
            one = 0j
            for x in range(W):
                tot += S[m, 0, x]
                if b < B and (x >> b) & 1:
                    one += S[m, 0, x]
                elif b >= B:
                    one += S[m, 1 + b - B, x]
            for a in range(a_lo[r], a_hi[r]):
                g0 = dmats[adj_off[a]] * amats[op_off[r]]
                g1 = dmats[adj_off[a] + 1] * amats[op_off[r] + 1]
                part[c, a, m] += (g0 * (tot - one) + g1 * one).real


@njit(cache=True)
def chunk_cnot_runs(n, k, lL, seg, grp, loc, op_nw, op_kind, a_lo, a_hi, fl, fb):
    """The runs of at least ``FUSE_MIN_RUN`` CNOTs of one group in a block segment, each
    applied to a chunk (or a high buffer) as one permutation (:func:`_permute_chunk`)
    instead of a half-pass per CNOT: ``cr[q, 0]``, at a run's first op ``q``, the op after
    its last (0 elsewhere); ``cr[q, 1]``, at each of its ops, its row of ``ct`` (-1
    elsewhere): ``ct[r, 0]`` the :func:`cnot_tables` of run ``r`` on its group's small
    state, ``ct[r, 1]`` of its inverse. A run's CNOTs are consecutive among their group's
    ops (the other group's ops between them act on other wires) with no diagonals applied
    between them (:func:`diag_flush_plan`). The amplitudes are moved, not computed: the
    same bits as the CNOTs one by one."""
    n_ops = op_nw.shape[0]
    cr = np.zeros((n_ops, 2), dtype=np.int64)
    cr[:, 1] = -1
    mem = np.empty(n_ops + 1, dtype=np.int64)
    first = np.empty(n_ops, dtype=np.int64)  # per run: its first op, its group
    rg = np.empty(n_ops, dtype=np.int64)
    runs = 0
    for s in range(seg.shape[0]):
        if seg[s, 0] != SEG_BLOCK:
            continue
        for g in range(2):
            cnt = 0
            for q in range(seg[s, 1], seg[s, 2] + 1):
                if q < seg[s, 2] and grp[q] != g:
                    continue
                cx = (q < seg[s, 2] and op_kind[q] == CONTROLLED_X and op_nw[q] == 2
                      and a_hi[q] == a_lo[q] and fl[q] < 0)
                if cx and not (cnt > 0 and fb[q, g]):
                    mem[cnt] = q
                    cnt += 1
                    continue
                if cnt >= FUSE_MIN_RUN:
                    cr[mem[0], 0] = mem[cnt - 1] + 1
                    for i in range(cnt):
                        cr[mem[i], 1] = runs
                    first[runs] = mem[0]
                    rg[runs] = g
                    runs += 1
                cnt = 0
                if cx:  # (a run ends at a flush, the next one starts with this CNOT)
                    mem[0] = q
                    cnt = 1
    big = max(k, n - k + lL)
    nc = (big + _CHUNK - 1) // _CHUNK
    ct = np.zeros((runs, 2, nc * (1 << _CHUNK) + nc * _CHUNK), dtype=np.uint64)
    cn = np.empty((n_ops, 2), dtype=np.int64)
    for r in range(runs):
        nloc = k if rg[r] == 0 else n - k + lL
        cnt = 0
        for q in range(first[r], n_ops):
            if cr[q, 1] == r:
                cn[cnt, 0] = loc[q, 0]
                cn[cnt, 1] = loc[q, 1]
                cnt += 1
        for inv in range(2):
            t = cnot_tables(nloc, cn[:cnt], np.bool_(inv == 1))
            ct[r, inv, : t.shape[0]] = t
    return cr, ct


@njit(cache=True)
def _permute_chunk(st, nloc, tables, work):
    """A CNOT run on a small state of ``nloc`` wires: ``st[y] = st[P^-1(y)]``
    (:func:`gather_block` from :func:`cnot_tables`), through ``work``."""
    for blk in range(max(1, st.shape[0] >> _CHUNK)):
        gather_block(st, work, nloc, tables, np.int64(blk))
    for i in range(st.shape[0]):
        st[i] = work[i]


@njit(cache=True)
def _chunk_forward(st, nloc, g, q0, q1, grp, loc, op_nw, op_kind, op_off, mats, fl, fb, cr,
                   ct):
    """The ops ``q0 .. q1-1`` of group ``g``, in order, on a small state ``st``; the
    one-wire diagonals where :func:`diag_flush_plan` puts them, the CNOT runs that
    :func:`chunk_cnot_runs` finds as one permutation each."""
    work = np.empty(0, dtype=np.complex128)
    skip = np.int64(-1)  # the ops of group g before it: a run already applied
    for q in range(q0, q1 + 1):
        if fb[q, g]:
            T, H = _diag_tables(nloc, q0, q1, q, g, grp, fl, loc, op_off, mats)
            _diag_flush_forward(st, T, H)
        if q < q1 and grp[q] == g and fl[q] < 0 and q >= skip:
            if cr[q, 0] > 0:
                if work.shape[0] == 0:
                    work = np.empty(st.shape[0], dtype=np.complex128)
                _permute_chunk(st, nloc, ct[cr[q, 1], 0], work)
                skip = cr[q, 0]
                continue
            apply_row(st, nloc, loc, q, op_nw[q], op_kind[q], mats, op_off[q])


@njit(cache=True)
def _chunk_backward(ps, lam, lo, nloc, g, q0, q1, grp, loc, op_nw, op_kind, op_off, amats,
                    a_lo, a_hi, adj_off, dmats, part, c, fl, fb, cr, ct):
    """The adjoint's backward step over ops ``q1-1 .. q0`` of group ``g`` on a small state
    ``ps`` and ``lam[:, lo : lo + len(ps)]`` (:func:`_op_backward`), the one-wire diagonals
    that :func:`diag_flush_plan` groups in one step each (:func:`_diag_flush_backward`):
    the forward order of :func:`_chunk_forward`, reversed (a CNOT run's inverse
    permutation on ``ps`` and every ``lambda``)."""
    work = np.empty(0, dtype=np.complex128)
    done = np.int64(-1)  # the CNOT run last un-applied
    B = ps.shape[0]
    for q in range(q1, q0 - 1, -1):
        if q < q1 and grp[q] == g and fl[q] < 0:
            r = cr[q, 1]
            if r < 0:
                _op_backward(ps, lam, lo, nloc, q, loc, op_nw, op_kind, op_off, amats, a_lo,
                             a_hi, adj_off, dmats, part, c)
            elif r != done:
                if work.shape[0] == 0:
                    work = np.empty(B, dtype=np.complex128)
                _permute_chunk(ps, nloc, ct[r, 1], work)
                for m in range(lam.shape[0]):
                    _permute_chunk(lam[m, lo : lo + B], nloc, ct[r, 1], work)
                done = r
        if fb[q, g]:
            _diag_flush_backward(ps, lam, lo, nloc, q0, q1, q, g, grp, fl, loc, op_off, amats,
                                 a_lo, a_hi, adj_off, dmats, part, c)


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _op_backward(ps, lam, lo, nloc, q, loc, op_nw, op_kind, op_off, amats, a_lo, a_hi, adj_off,
                 dmats, part, c):
    """Op ``q``'s backward step on a small state ``ps`` and ``lam[:, lo : lo + len(ps)]``:
    ``psi <- U^+ psi``, each differentiated slot's ``Re <lambda| dU |psi>`` on this chunk
    into ``part[c, slot, output]``, ``lambda <- U^+ lambda``."""
    B = ps.shape[0]
    n_out = lam.shape[0]
    nw = op_nw[q]
    kind = op_kind[q]
    off = op_off[q]
    a0 = a_lo[q]
    a1 = a_hi[q]
    if n_out == 1 and nw == 1 and a1 - a0 == 1:
        if kind == DIAGONAL:
            part[c, a0, 0] += _bstep_diag(ps, lam[0, lo : lo + B], nloc, loc[q, 0], amats,
                                          off, dmats, adj_off[a0])
        elif kind == REAL:
            part[c, a0, 0] += _bstep_real(ps, lam[0, lo : lo + B], nloc, loc[q, 0], amats,
                                          off, dmats, adj_off[a0])
        else:
            part[c, a0, 0] += _step1(ps, lam[0, lo : lo + B], nloc, loc[q, 0], kind,
                                     amats, off, dmats, adj_off[a0])
        return
    apply_row(ps, nloc, loc, q, nw, kind, amats, off)
    for a in range(a0, a1):
        if nw == 1:
            for m in range(n_out):
                part[c, a, m] += overlap1(lam[m, lo : lo + B], ps, nloc, loc[q, 0],
                                           kind == DIAGONAL, dmats, adj_off[a])
            continue
        phi = ps.copy()
        apply_row(phi, nloc, loc, q, nw, kind, dmats, adj_off[a])
        for m in range(n_out):
            acc = 0.0
            for i in range(B):
                v = np.conj(lam[m, lo + i]) * phi[i]
                acc += v.real
            part[c, a, m] += acc
    for m in range(n_out):
        apply_row(lam[m, lo : lo + B], nloc, loc, q, nw, kind, amats, off)


@njit(cache=True)
def gather_run(src, dst, d0, n, tables, y0, count):
    """``dst[d0 + i] = src[P^-1(y0 + i)]`` for ``i < count``: :func:`gather_block` over
    any run of indices (the tables of :func:`cnot_tables`)."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    y = y0
    end = y0 + count
    o = d0 - y0
    while y < end:
        vh = np.uint64(0)
        for c in range(1, n_chunks):
            vh ^= tables[c * W + ((y >> (c * _CHUNK)) & (W - 1))]
        e = min(end, (y | (W - 1)) + 1)
        for x in range(y, e):
            dst[o + x] = src[tables[x & (W - 1)] ^ vh]
        y = e


@njit(cache=True)
def _gather_high_p(src, buf, j, n, k, lL, tables, perm):
    """:func:`_gather_high`, through the permutation of ``tables`` with ``perm`` (a CNOT
    run taken along by the pass: :func:`gather_run`)."""
    if not perm:
        _gather_high(src, buf, j, n, k, lL)
        return
    L = 1 << lL
    for hi in range(1 << (n - k)):
        gather_run(src, buf, hi << lL, n, tables, _high_index(hi, j, n, k, lL), L)


@njit(cache=True, inline="always")  # (in _pass_*: one library fewer)
def _low_forward(src, dst, c, n, k, tables, perm, q0, q1, grp, loc, op_nw, op_kind, op_off,
                 mats, fl, fb, cr, ct):
    """The low ops of a block segment on chunk ``c`` of ``src`` in place, or with ``perm``
    on chunk ``c`` of ``dst``, gathered from ``src`` through the permutation first."""
    lo = c << k
    B = 1 << k
    st = src[lo : lo + B]
    if perm:
        gather_run(src, dst, lo, n, tables, lo, B)
        st = dst[lo : lo + B]
    _chunk_forward(st, k, np.int64(0), q0, q1, grp, loc, op_nw, op_kind, op_off, mats, fl, fb,
                   cr, ct)


@njit(cache=True, inline="always")  # (in _pass_*: one library fewer)
def _low_backward(psrc, pdst, lsrc, ldst, c, n, k, tables, perm, q0, q1, grp, loc, op_nw,
                  op_kind, op_off, amats, a_lo, a_hi, adj_off, dmats, part, fl, fb, cr, ct):
    """:func:`_chunk_backward` on chunk ``c`` of psi and lambda in place, or with ``perm``
    on the chunk of ``pdst`` and ``ldst`` gathered through the permutation (one output)."""
    lo = c << k
    B = 1 << k
    ps = psrc[lo : lo + B]
    lam = lsrc
    if perm:
        gather_run(psrc, pdst, lo, n, tables, lo, B)
        gather_run(lsrc[0], ldst[0], lo, n, tables, lo, B)
        ps = pdst[lo : lo + B]
        lam = ldst
    _chunk_backward(ps, lam, lo, k, np.int64(0), q0, q1, grp, loc, op_nw, op_kind, op_off,
                    amats, a_lo, a_hi, adj_off, dmats, part, c, fl, fb, cr, ct)


@njit(cache=True, inline="always")  # (in _pass_*: one library fewer)
def _high_backward(psrc, pdst, lsrc, ldst, j, n, k, lL, tables, perm, q0, q1, grp, loc, op_nw,
                   op_kind, op_off, amats, a_lo, a_hi, adj_off, dmats, part, fl, fb, cr, ct):
    """:func:`_chunk_backward` on high buffer ``j`` (gathered, through the permutation with
    ``perm``, stepped, scattered back into ``pdst`` and ``ldst``)."""
    n_out = lsrc.shape[0]
    Bh = 1 << (n - k + lL)
    buf = np.empty((1 + n_out) * Bh, dtype=np.complex128)
    bp = buf[:Bh]
    bl = buf[Bh:].reshape((n_out, Bh))
    _gather_high_p(psrc, bp, j, n, k, lL, tables, perm)
    for m in range(n_out):
        _gather_high_p(lsrc[m], bl[m], j, n, k, lL, tables, perm)
    _chunk_backward(bp, bl, np.int64(0), n - k + lL, np.int64(1), q0, q1, grp, loc, op_nw,
                    op_kind, op_off, amats, a_lo, a_hi, adj_off, dmats, part, j, fl, fb, cr, ct)
    _scatter_high(bp, pdst, j, n, k, lL)
    for m in range(n_out):
        _scatter_high(bl[m], ldst[m], j, n, k, lL)


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _pass_forward(g, src, dst, c, n, k, lL, tables, perm, q0, q1, grp, loc, op_nw, op_kind,
                  op_off, mats, fl, fb, cr, ct):
    """Chunk ``c`` of a block segment's low pass (``g = 0``) or high buffer ``c`` of its
    high pass, in place or, with ``perm``, gathered through the permutation into ``dst``."""
    if g == 0:
        _low_forward(src, dst, c, n, k, tables, perm, q0, q1, grp, loc, op_nw, op_kind, op_off,
                     mats, fl, fb, cr, ct)
    else:
        _high_forward(src, dst if perm else src, c, n, k, lL, tables, perm, q0, q1, grp, loc,
                      op_nw, op_kind, op_off, mats, fl, fb, cr, ct)


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _pass_backward(g, psrc, pdst, lsrc, ldst, c, n, k, lL, tables, perm, q0, q1, grp, loc,
                   op_nw, op_kind, op_off, amats, a_lo, a_hi, adj_off, dmats, part, fl, fb, cr,
                   ct):
    """:func:`_pass_forward`'s backward step (psi and lambda)."""
    if g == 0:
        _low_backward(psrc, pdst, lsrc, ldst, c, n, k, tables, perm, q0, q1, grp, loc, op_nw,
                      op_kind, op_off, amats, a_lo, a_hi, adj_off, dmats, part, fl, fb, cr, ct)
    else:
        _high_backward(psrc, pdst if perm else psrc, lsrc, ldst if perm else lsrc, c, n, k, lL,
                       tables, perm, q0, q1, grp, loc, op_nw, op_kind, op_off, amats, a_lo,
                       a_hi, adj_off, dmats, part, fl, fb, cr, ct)


@njit(cache=True, inline="always")  # (in _pass_*: one library fewer)
def _high_forward(src, dst, j, n, k, lL, tables, perm, q0, q1, grp, loc, op_nw, op_kind, op_off,
                  mats, fl, fb, cr, ct):
    Bh = 1 << (n - k + lL)
    buf = np.empty(Bh, dtype=np.complex128)
    _gather_high_p(src, buf, j, n, k, lL, tables, perm)
    _chunk_forward(buf, n - k + lL, np.int64(1), q0, q1, grp, loc, op_nw, op_kind, op_off, mats,
                   fl, fb, cr, ct)
    _scatter_high(buf, dst, j, n, k, lL)


@njit(cache=True)
def cnot_tables(n, cnots, inverse):
    """The tables of :func:`gather_cnot_run` for the CNOT run ``cnots`` (rows control,
    target), or for its inverse (the run reversed) with ``inverse``: ``T_c[x]`` per 8 index
    bits, the XOR of the images under ``P^-1`` of ``x``'s bits."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    tables = np.empty(n_chunks * W + n_chunks * _CHUNK, dtype=np.uint64)
    col = tables[n_chunks * W :]
    r = cnots.shape[0]
    for b in range(n_chunks * _CHUNK):
        x = 1 << b if b < n else 0
        for i in range(r):  # P^-1: the run's CNOTs in reverse (each its own inverse)
            s = i if inverse else r - 1 - i
            if (x >> (n - 1 - cnots[s, 0])) & 1:
                x ^= 1 << (n - 1 - cnots[s, 1])
        col[b] = x
    for c in range(n_chunks):
        tc = tables[c * W : (c + 1) * W]
        tc[0] = np.uint64(0)
        for lb in range(_CHUNK):
            h = 1 << lb
            v = col[c * _CHUNK + lb]
            for x in range(h):
                tc[x + h] = tc[x] ^ v
    return tables


@njit(cache=True)
def gather_block(state, work, n, tables, blk):
    """Block ``blk`` (``2^8`` amplitudes, or all of a smaller state) of
    ``work[y] = state[P^-1(y)]`` from :func:`cnot_tables`."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    B = min(state.shape[0], W)
    vh = np.uint64(0)
    for c in range(1, n_chunks):
        vh ^= tables[c * W + ((blk >> ((c - 1) * _CHUNK)) & (W - 1))]
    dst = work[blk * B : (blk + 1) * B]
    for x in range(B):
        dst[x] = state[tables[x] ^ vh]


@njit(cache=True)
def lam_weights(n, C, word_flip, word_z):
    """``w[m, b]``: the coefficient of output ``m`` on the words that are one Z, on index
    bit ``b``, summed in word order; and ``T[m, x]`` for the low 8 bits: ``sum_b
    (-1)^(bit b of x) w[m, b]``, the part of ``lambda_m = (sum w Z) psi``'s factor from
    them."""
    n_lin = C.shape[0]
    w = np.zeros((n_lin, max(n, _CHUNK)))
    for t in range(word_flip.shape[0]):
        if _single_z(word_flip, word_z, t):
            b = 0
            while (word_z[t] >> b) != 1:
                b += 1
            for m in range(n_lin):
                w[m, b] += C[m, t]
    W = 1 << _CHUNK
    T = np.zeros((n_lin, W))
    for m in range(n_lin):
        for x in range(W):
            f = 0.0
            for b in range(_CHUNK):
                f += -w[m, b] if (x >> b) & 1 else w[m, b]
            T[m, x] = f
    return w, T


@njit(cache=True)
def lam_start_block(lam, psi, w, T, blk):
    """``lambda_m = (sum_t C[m, t] Z_t) psi`` over the one-Z words, on block ``blk`` of
    ``2^8`` amplitudes (or all of a smaller state): one pass for all of them."""
    W = min(psi.shape[0], 1 << _CHUNK)
    base = blk * W
    for m in range(w.shape[0]):
        h = 0.0
        for b in range(_CHUNK, w.shape[1]):
            h += -w[m, b] if (base >> b) & 1 else w[m, b]
        for x in range(W):
            lam[m, base + x] = (T[m, x] + h) * psi[base + x]


@njit(cache=True, inline="always")
def _single_z(word_flip, word_z, t):
    z = word_z[t]
    return word_flip[t] == 0 and z != 0 and (z & (z - 1)) == 0


@njit(cache=True)
def _lam_rest(lam, psi, C, word_flip, word_z, word_ny, n_lin):
    """The rest of ``lambda``: the words that are not one Z, and the probabilities
    (lambda = the projector on the outcome times psi), as :func:`_adjoint_into` does."""
    dim = psi.shape[0]
    n_words = word_flip.shape[0]
    n_out = lam.shape[0]
    for t in range(n_words):
        if word_flip[t] < 0 or _single_z(word_flip, word_z, t):
            continue
        for m in range(n_lin):
            c = C[m, t]
            if c != 0.0:
                add_pauli_word(lam[m], psi, c, word_flip[t], word_z[t], word_ny[t])
    o = n_words - (n_out - n_lin)
    for m in range(n_lin, n_out):
        z = word_z[o + m - n_lin]
        v = _deposit(word_ny[o + m - n_lin], z)
        for i in range(dim):
            if (i & z) == v:
                lam[m, i] = psi[i]


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _apply_seg_op_backward(psi, phi, lam, n, q, op_wires, op_nw, op_kind, op_off, amats, a_lo,
                           a_hi, adj_slot, adj_off, dmats, de):
    """One op outside the blocks, backward (as :func:`_adjoint_into`)."""
    dim = psi.shape[0]
    n_out = lam.shape[0]
    apply_row(psi, n, op_wires, q, op_nw[q], op_kind[q], amats, op_off[q])
    for a in range(a_lo[q], a_hi[q]):
        if op_nw[q] == 1:
            for m in range(n_out):
                de[adj_slot[a], m] += 2.0 * overlap1(lam[m], psi, n, op_wires[q, 0],
                                                      op_kind[q] == DIAGONAL, dmats, adj_off[a])
            continue
        for i in range(dim):
            phi[i] = psi[i]
        apply_row(phi, n, op_wires, q, op_nw[q], op_kind[q], dmats, adj_off[a])
        for m in range(n_out):
            acc = 0.0
            for i in range(dim):
                v = np.conj(lam[m, i]) * phi[i]
                acc += v.real
            de[adj_slot[a], m] += 2.0 * acc
    for m in range(n_out):
        apply_row(lam[m], n, op_wires, q, op_nw[q], op_kind[q], amats, op_off[q])


@njit(cache=True)
def _block_sums(part, adj_slot, de):
    """``de[slot, m] += 2 * sum_c part[c, a, m]``, summed in chunk order."""
    for a in range(part.shape[1]):
        for m in range(part.shape[2]):
            acc = 0.0
            for c in range(part.shape[0]):
                acc += part[c, a, m]
            de[adj_slot[a], m] += 2.0 * acc


@njit(cache=True)
def _blocked_setup(n, op_wires, op_nw, op_kind, adj_op, n_out, bits):
    seg, grp, loc, a_lo, a_hi = block_plan(n, op_wires, op_nw, op_kind, adj_op, bits)
    k, lL = block_geometry(n, bits)
    n_chunks = max(1 << (n - k), 1 << (k - lL))
    part = np.zeros((n_chunks, adj_op.shape[0], n_out))
    fl, fb = diag_flush_plan(seg, grp, loc, op_nw, op_kind)
    cr, ct = chunk_cnot_runs(n, k, lL, seg, grp, loc, op_nw, op_kind, a_lo, a_hi, fl, fb)
    return seg, grp, loc, a_lo, a_hi, k, lL, part, fl, fb, cr, ct


# the team's shared counts (kernels.team_add): members done, a member failed, then per step
# of the sweep four counts: its units claimed, those taken from the front and from the back
# (even members take a pass's chunks in order from the front, odd ones from the back, so
# that on two threads each streams through its own part of the state, as an even split
# would, and the two meet wherever the work has made them meet), and its units done
_TEAM_DONE = 0
_TEAM_FAILED = 1


@njit(cache=True, inline="always")
def _claim(sync, t, s, count):
    """Member ``t``'s next unit of step ``s`` (of ``count`` units), -1 when all are
    claimed. (At most ``count`` claims succeed, so the front and the back never cross.)"""
    if team_add(sync, 2 + 4 * s, 1) >= count:
        return np.int64(-1)
    if t % 2 == 0:
        return team_add(sync, 3 + 4 * s, 1)
    return count - 1 - team_add(sync, 4 + 4 * s, 1)


@njit(cache=True, inline="always")
def _mine(sync, s):
    """Whether this member runs step ``s``, a task done once (the first to claim it)."""
    return team_add(sync, 2 + 4 * s, 1) == 0


@njit(cache=True, inline="always")
def _unit_done(sync, s):
    team_add(sync, 5 + 4 * s, 1)


@njit(cache=True)
def _wait(sync, s, count):
    """Until the ``count`` units of step ``s`` are done (each claimed by a running member):
    True; False if a member failed (the others stop)."""
    spins = 0
    while team_read(sync, 5 + 4 * s) < count:
        if team_read(sync, _TEAM_FAILED) != 0:
            return False
        spins += 1
        if spins >= TEAM_SPINS:
            team_pause()
            spins = 0
    return True


@njit(cache=True)
def _permute_step(sync, t, s, src, dst, n, tables, nb):
    """Step ``s`` of member ``t``: ``dst`` is ``src`` through the permutation ``tables``
    (:func:`gather_block`'s ``nb`` blocks, claimed as a pass's chunks); False if a member
    failed."""
    blk = _claim(sync, t, s, nb)
    while blk >= 0:
        gather_block(src, dst, n, tables, blk)
        _unit_done(sync, s)
        blk = _claim(sync, t, s, nb)
    return _wait(sync, s, nb)


def _adjoint_blocked(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                     C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats, lother,
                     bits, team):
    """:func:`_adjoint_into` in blocked passes (large states; BLOCK_MIN_WIRES), chunks of
    about ``2^bits`` amplitudes, ``lam`` of any contents, on a team of ``team`` members
    (:func:`_blocked_sweep`). ``lother``: with one output, a spare lambda of shape
    ``(1, 2^n)``, any contents (a CNOT run taken along backward gathers lambda into it),
    else or if smaller allocated here. One driver for both forms: compiled plainly
    (``_adjoint_blocked_into``: ``prange`` is ``range``, one member) and with
    ``parallel=True`` (``_adjoint_blocked_into_parallel``: a member per thread, one
    parallel region). The overlaps are summed per chunk, then in chunk order: the same
    bits for any team."""
    n_out = lam.shape[0]
    n_lin = C.shape[0]
    dim = psi.shape[0]
    plan = _blocked_setup(n, op_wires, op_nw, op_kind, adj_op, n_out, bits)
    meas = _measure_plan(n, dim, C[:n_lin], word_flip, word_z)
    if n_out == 1 and lother.shape[1] < dim:
        lother = np.empty((1, dim), dtype=np.complex128)
    sync = np.zeros(2 + 4 * (4 + plan[0].shape[0] * (6 + 2 * n_out)), dtype=np.int64)
    prog = (n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C, adj_op,
            adj_slot, adj_off, dmats)
    work = (e, de, psi, phi, lam, amats, lother)
    _member_ready()  # (the member's cell filled here, not on a thread)
    for t in prange(team):
        _member(sync, np.int64(t), prog, work, plan, meas)
    if sync[_TEAM_FAILED] != 0:
        raise MemoryError("qsym: a thread of the blocked adjoint kernel failed (out of "
                          "memory?); numba.set_num_threads(1) runs it on one thread")
    _block_sums(plan[7], adj_slot, de)


@njit(cache=True)
def _blocked_member(sync, t, prog, work, plan, meas):
    """Member ``t``'s :func:`_blocked_sweep`; an error in it (numba does not carry one out
    of a parallel loop) is flagged, so that the others stop waiting and the driver raises."""
    try:
        _sweep(sync, t, prog, work, plan, meas)
    except Exception:  # noqa: BLE001 - flagged, raised by the driver
        team_add(sync, _TEAM_FAILED, 1)
    team_add(sync, _TEAM_DONE, 1)


@njit(cache=True)
def _blocked_sweep(sync, t, prog, work, plan, meas):
    """The blocked adjoint's sweep, as one member of a team (see "a team of threads"
    above): every member walks the same steps; a pass's chunks or buffers are claimed one
    at a time, a serial step is run by the member that claims it, and before the next
    step each waits until the step is done. ``prog``: the circuit's tables, ``work``: the
    outputs and states, ``plan``: :func:`_blocked_setup`'s, ``meas``:
    :func:`_measure_plan`'s. ``perm``: a CNOT run to take along; ``start``: 1 while the
    first pass writes |0..0>, 2 while the high pass starts from ``seed``. In three steps
    (forward, measurement, backward), each ``go`` False where a member failed."""
    if t > 0 and team_read(sync, _TEAM_DONE) > 0:
        return  # (a member that starts after another finished: nothing is left)
    go, st, cur, other, tables, perm = _sweep_forward(sync, t, prog, work, plan)
    if go:
        go, st, cur, other, perm = _sweep_measure(sync, t, st, prog, work, meas, cur, other,
                                                  tables, perm)
    if go and prog[10].shape[0] > 0:  # (adj_op)
        _sweep_backward(sync, t, st, prog, work, plan, cur, other, tables, perm)


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _sweep_forward(sync, t, prog, work, plan):
    """:func:`_blocked_sweep`'s forward passes: ``(go, step, cur, other, tables, perm)``,
    ``go`` False where a member failed (stop)."""
    (n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C, adj_op,
     adj_slot, adj_off, dmats) = prog
    e, de, psi, phi, lam, amats, lother = work
    seg, grp, loc, a_lo, a_hi, k, lL, part, fl, fb, cr, ct = plan
    dim = psi.shape[0]
    nb = dim >> _CHUNK if dim >= (1 << _CHUNK) else 1
    n_seg = seg.shape[0]
    st = np.int64(-1)  # the step
    cur, other, tables, perm = psi, phi, np.zeros(1, dtype=np.uint64), np.bool_(False)
    start = np.int64(1) if n_seg > 0 and seg[0, 0] == SEG_BLOCK else np.int64(0)
    if start == 0:
        st += 1
        if _mine(sync, st):
            reset_state(psi)
            _unit_done(sync, st)
        if not _wait(sync, st, np.int64(1)):
            return False, st, cur, other, tables, perm
    seed = np.zeros(1, dtype=np.complex128)
    for s in range(n_seg):
        if perm and seg[s, 0] != SEG_BLOCK:  # no block pass to take it
            st += 1
            if not _permute_step(sync, t, st, cur, other, n, tables, nb):
                return False, st, cur, other, tables, perm
            cur, other, perm = other, cur, np.bool_(False)
        q0, q1 = seg[s, 1], seg[s, 2]
        if seg[s, 0] == SEG_BLOCK:
            lo, hi = _groups_in(grp, q0, q1)
            for g in range(2):  # the low ops' pass, then the high ops'
                if not (lo if g == 0 else hi):
                    continue
                if start == 1 and g == 0 and hi:  # from |0..0> only chunk 0 is not zero
                    seed = _seed_chunk(k, q0, q1, grp, loc, op_nw, op_kind, op_off, mats, fl,
                                       fb, cr, ct)
                    start = 2  # (the high pass starts from it: one pass fewer)
                    continue
                # 2^(n-k) chunks or 2^(k-lL) buffers
                count = np.int64(1) << (n - k - g * (n - 2 * k + lL))
                st += 1
                c = _claim(sync, t, st, count)
                while c >= 0:
                    _start_part(cur, seed, start, g, c, n, k, lL)
                    _pass_forward(g, cur, other, c, n, k, lL, tables, perm, q0, q1, grp, loc,
                                  op_nw, op_kind, op_off, mats, fl, fb, cr, ct)
                    _unit_done(sync, st)
                    c = _claim(sync, t, st, count)
                if not _wait(sync, st, count):
                    return False, st, cur, other, tables, perm
                start = 0
                if perm:
                    cur, other, perm = other, cur, np.bool_(False)
        elif seg[s, 0] == SEG_CNOT:
            tables = cnot_tables(n, op_wires[q0:q1], np.bool_(False))
            perm = np.bool_(True)
        else:
            st += 1
            if _mine(sync, st):
                apply_row(cur, n, op_wires, q0, op_nw[q0], op_kind[q0], mats, op_off[q0])
                _unit_done(sync, st)
            if not _wait(sync, st, np.int64(1)):
                return False, st, cur, other, tables, perm
    return True, st, cur, other, tables, perm


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _sweep_measure(sync, t, st, prog, work, meas, cur, other, tables, perm):
    """:func:`_blocked_sweep`'s measurement: one pass for a CNOT run still pending,
    lambda's single-Z words and their values; ``(go, step, cur, other, perm)``."""
    (n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C, adj_op,
     adj_slot, adj_off, dmats) = prog
    e, de, psi, phi, lam, amats, lother = work
    w, T, tree, B, zpart = meas
    n_lin = C.shape[0]
    dim = psi.shape[0]
    # one pass for a CNOT run still pending, lambda's single-Z words and their values
    st += 1
    count = np.int64(dim // B)
    zb = _claim(sync, t, st, count)
    while zb >= 0:
        _measure_block(cur, other, lam, n, tables, perm, w, T, tree, zpart, zb, B)
        _unit_done(sync, st)
        zb = _claim(sync, t, st, count)
    if not _wait(sync, st, count):
        return False, st, cur, other, perm
    if perm:
        cur, other, perm = other, cur, np.bool_(False)
    st += 1
    if _mine(sync, st):
        _measure_finish(cur, lam, zpart, tree, C, word_flip, word_z, word_ny, e, n_lin)
        if adj_op.shape[0] > 0:
            adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)
        _unit_done(sync, st)
    if not _wait(sync, st, np.int64(1)):
        return False, st, cur, other, perm
    return True, st, cur, other, perm


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _sweep_backward(sync, t, st, prog, work, plan, cur, other, tables, perm):
    """:func:`_blocked_sweep`'s backward passes (``adj_op`` not empty)."""
    (n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C, adj_op,
     adj_slot, adj_off, dmats) = prog
    e, de, psi, phi, lam, amats, lother = work
    seg, grp, loc, a_lo, a_hi, k, lL, part, fl, fb, cr, ct = plan
    n_out = lam.shape[0]
    dim = psi.shape[0]
    nb = dim >> _CHUNK if dim >= (1 << _CHUNK) else 1
    n_seg = seg.shape[0]
    first = adj_op[0]
    lcur = lam
    for s in range(n_seg - 1, -1, -1):
        q0, q1 = seg[s, 1], seg[s, 2]
        if q1 <= first:
            break  # (a permutation still pending: psi and lambda are not read any more)
        if perm and seg[s, 0] != SEG_BLOCK:
            st += 1
            blk = _claim(sync, t, st, nb)
            while blk >= 0:
                gather_block(cur, other, n, tables, blk)
                gather_block(lcur[0], lother[0], n, tables, blk)
                _unit_done(sync, st)
                blk = _claim(sync, t, st, nb)
            if not _wait(sync, st, nb):
                return
            cur, other, lcur, lother, perm = other, cur, lother, lcur, np.bool_(False)
        if seg[s, 0] == SEG_BLOCK:
            lo, hi = _groups_in(grp, q0, q1)
            for g in range(1, -1, -1):  # the high ops' pass, then the low ops'
                if not (lo if g == 0 else hi):
                    continue
                count = np.int64(1) << (n - k - g * (n - 2 * k + lL))
                st += 1
                c = _claim(sync, t, st, count)
                while c >= 0:
                    _pass_backward(g, cur, other, lcur, lother, c, n, k, lL, tables, perm, q0,
                                   q1, grp, loc, op_nw, op_kind, op_off, amats, a_lo, a_hi,
                                   adj_off, dmats, part, fl, fb, cr, ct)
                    _unit_done(sync, st)
                    c = _claim(sync, t, st, count)
                if not _wait(sync, st, count):
                    return
                if perm:
                    cur, other, lcur, lother, perm = other, cur, lother, lcur, np.bool_(False)
        elif seg[s, 0] == SEG_CNOT:
            tables = cnot_tables(n, op_wires[q0:q1], np.bool_(True))
            if n_out == 1:
                perm = np.bool_(True)  # taken along by the next pass (one lambda: one spare)
                continue
            st += 1
            if not _permute_step(sync, t, st, cur, other, n, tables, nb):
                return
            cur, other = other, cur
            for m in range(n_out):
                st += 1
                if not _permute_step(sync, t, st, lcur[m], other, n, tables, nb):
                    return
                st += 1
                if _mine(sync, st):
                    _copy(other, lcur[m])
                    _unit_done(sync, st)
                if not _wait(sync, st, np.int64(1)):
                    return
        else:
            st += 1
            if _mine(sync, st):
                _apply_seg_op_backward(cur, other, lcur, n, q0, op_wires, op_nw, op_kind,
                                       op_off, amats, a_lo, a_hi, adj_slot, adj_off, dmats, de)
                _unit_done(sync, st)
            if not _wait(sync, st, np.int64(1)):
                return


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _seed_chunk(k, q0, q1, grp, loc, op_nw, op_kind, op_off, mats, fl, fb, cr, ct):
    """Chunk 0 of the state after the low ops ``q0 .. q1-1`` from |0..0> (the other chunks
    stay zero)."""
    seed = np.zeros(1 << k, dtype=np.complex128)
    seed[0] = 1.0
    _chunk_forward(seed, k, np.int64(0), q0, q1, grp, loc, op_nw, op_kind, op_off, mats, fl,
                   fb, cr, ct)
    return seed


@njit(cache=True)
def _start_part(state, seed, start, g, c, n, k, lL):
    """What chunk or buffer ``c`` of the first passes reads: with ``start == 1`` written
    as in |0..0> (:func:`_reset_part`), with ``start == 2`` from ``seed``
    (:func:`_seed_high`)."""
    if start == 1:
        _reset_part(state, g, c, n, k, lL)
    elif start == 2:
        _seed_high(state, seed, c, n, k, lL)


@njit(cache=True)
def _measure_plan(n, dim, C, word_flip, word_z):
    """The tables of :func:`_measure_block` (:func:`lam_weights`), whether the single-Z
    words are measured there, its block size and the blocks' sums."""
    w, T = lam_weights(n, C, word_flip, word_z)
    tree, _ = _single_z_tree(word_flip, word_z)
    B = min(dim, _ZBLOCK)
    return w, T, tree, B, np.zeros((dim // B if tree else 0, max(n, 1)))


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _measure_finish(cur, lam, zpart, tree, C, word_flip, word_z, word_ny, e, n_lin):
    """The word values (the single-Z ones from the blocks' sums, added in block order as
    :func:`_z_marginals` adds them) and the rest of lambda (:func:`_lam_rest`)."""
    marg = np.zeros(zpart.shape[1])
    for zb in range(zpart.shape[0]):
        for b in range(zpart.shape[1]):
            marg[b] += zpart[zb, b]
    _measure_words_given(cur, word_flip, word_z, word_ny, e.reshape((1, e.shape[0])),
                         np.int64(0), tree, marg)
    _lam_rest(lam, cur, C, word_flip, word_z, word_ny, n_lin)


@njit(cache=True)
def _reset_part(state, g, c, n, k, lL):
    """The amplitudes of chunk ``c`` (``g = 0``) or high buffer ``c`` (``g = 1``) set as
    in ``|0..0>``: the first pass of a forward sweep writes the start state where it reads
    it (no serial pass before it)."""
    if g == 0:
        st = state[c << k : (c + 1) << k]
        st[:] = 0.0
    else:
        L = 1 << lL
        for hi in range(1 << (n - k)):
            s = _high_index(hi, c, n, k, lL)
            state[s : s + L] = 0.0
    if c == 0:
        state[0] = 1.0


@njit(cache=True)
def _seed_high(state, seed, j, n, k, lL):
    """The rows of high buffer ``j`` set as in a state that is ``seed`` on chunk 0 and
    zero elsewhere (the forward's first low pass done on chunk 0 alone)."""
    L = 1 << lL
    for hi in range(1 << (n - k)):
        s = _high_index(hi, j, n, k, lL)
        if hi == 0:
            for x in range(L):
                state[s + x] = seed[s + x]
        else:
            state[s : s + L] = 0.0


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _measure_block(cur, other, lam, n, tables, perm, w, T, tree, zpart, zb, B):
    """Block ``zb`` of ``B`` amplitudes at the end of the forward sweep: gathered through
    the pending CNOT run into ``other`` (with ``perm``), lambda's single-Z words
    (:func:`lam_start_block`) and, with ``tree``, the block's single-Z sums into
    ``zpart[zb]`` (:func:`_z_block`)."""
    gb = max(B >> _CHUNK, 1)  # blocks of lam_start_block / gather_block
    src = other if perm else cur
    for m in range(w.shape[0], lam.shape[0]):  # the probabilities' rows (set by _lam_rest)
        lam[m, zb * B : (zb + 1) * B] = 0.0
    for blk in range(zb * gb, (zb + 1) * gb):
        if perm:
            gather_block(cur, other, n, tables, blk)
        lam_start_block(lam, src, w, T, blk)
    if tree:
        _z_block(src, zb * B, B, n, np.empty(B >> 1), zpart[zb])


def _named(fn, name):
    """``fn`` under another name: numba keys its disk cache by a function's qualified name
    (not by its compile flags), so a second dispatcher of the same code needs its own."""
    g = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    g.__qualname__ = name
    g.__doc__ = fn.__doc__
    return g


# (the serial form inlined into its one caller, program_value_and_grad_adjoint_blocked_into:
# a library of its own cost a third LLVM pass over the whole blocked adjoint, issue #17)
_adjoint_blocked_into = njit(cache=True, inline="always")(_adjoint_blocked)
_adjoint_blocked_into_parallel = njit(cache=True, parallel=True)(
    _named(_adjoint_blocked, "_adjoint_blocked_into_parallel"))


@njit(cache=True)
def _copy(src, dst):
    for i in range(src.shape[0]):
        dst[i] = src[i]


@njit(cache=True)
def program_value_and_grad_adjoint_blocked_into(ints, floats, mats, dmats, ch, C, cc, out, jac,
                                                work):
    """:func:`program_value_and_grad_adjoint_into` in blocked passes
    (:func:`_adjoint_blocked_into`): the entry point of circuits from ``BLOCK_MIN_WIRES``
    wires (the runtime and the generated module choose it, so that smaller circuits' code
    does not link it: it about doubles the adjoint kernel's compile time). ``work``: the
    caller's complex work memory (:func:`adjoint_work_size` items, any contents: kept
    between calls, a large state's pages are not faulted in again), or an empty array
    (allocated here)."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, ch_slot, ch_x,
     cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off) = unpack_program(ints)
    n = ints[H_N]
    n_out = ints[H_OUTPUTS]
    n_words = word_flip.shape[0]
    n_slots = ints[H_SLOTS]
    psi, phi, lam, amats, lother = _adjoint_work_in(work, n, n_out, mats.shape[0])
    fl = np.zeros(n_words + n_slots * n_out)
    e = fl[:n_words]
    de = fl[n_words:].reshape((n_slots, n_out))
    _adjoint_blocked_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z,
                          word_ny, C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam,
                          amats, lother, np.int64(_BLOCK_BITS), np.int64(1))
    _adjoint_finish(ch, C, cc, ch_slot, ch_x, cc_m, cc_w, cc_x, e, de, out, jac)


@njit(cache=True, parallel=True)
def program_value_and_grad_adjoint_parallel(ints, floats, mats, dmats, ch, C, cc, work):
    """:func:`program_value_and_grad_adjoint_blocked_into` with the chunks of each blocked pass
    on numba's threads: bit for bit its result, for any number of threads (``work`` as
    there). Entered from Python (a parallel kernel is entered through its own dispatcher:
    docs/design.md, "Batches and threads")."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, ch_slot, ch_x,
     cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off) = unpack_program(ints)
    n = ints[H_N]
    n_out = ints[H_OUTPUTS]
    n_words = word_flip.shape[0]
    n_slots = ints[H_SLOTS]
    psi, phi, lam, amats, lother = _adjoint_work_in(work, n, n_out, mats.shape[0])
    fl = np.zeros(n_words + n_slots * n_out)
    e = fl[:n_words]
    de = fl[n_words:].reshape((n_slots, n_out))
    _adjoint_blocked_into_parallel(n, op_wires, op_nw, op_kind, op_off, mats, word_flip,
                                   word_z, word_ny, C, adj_op, adj_slot, adj_off, dmats, e, de,
                                   psi, phi, lam, amats, lother, np.int64(_BLOCK_BITS),
                                   np.int64(team_threads()))
    out, jac = _outputs(ints)
    _adjoint_finish(ch, C, cc, ch_slot, ch_x, cc_m, cc_w, cc_x, e, de, out, jac)
    return out, jac


@njit(cache=True)
def _adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                  adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats):
    """The adjoint sweeps of :func:`adjoint_jacobian` into given arrays: ``e``, ``de``
    (zeroed), work states ``psi`` and ``phi``, ``lam`` (zeroed, one row per output: the
    rows of ``C``, then one per probability) and ``amats`` (the size of ``mats``)."""
    n_ops = op_nw.shape[0]
    dim = psi.shape[0]
    reset_state(psi)
    _ops(psi, n, np.int64(0), n_ops, op_wires, op_nw, op_kind, op_off, mats)
    n_words = word_flip.shape[0]
    _expvals_into(psi, word_flip, word_z, word_ny, e)
    n_lin = C.shape[0]
    n_out = lam.shape[0]
    for t in range(n_words):
        for m in range(n_lin):
            c = C[m, t]
            if c != 0.0:
                add_pauli_word(lam[m], psi, c, word_flip[t], word_z[t], word_ny[t])
    # probabilities (the last outputs, the last words): lambda = the projector on the
    # outcome times psi
    o = n_words - (n_out - n_lin)
    for m in range(n_lin, n_out):
        z = word_z[o + m - n_lin]
        v = _deposit(word_ny[o + m - n_lin], z)
        for i in range(dim):
            if (i & z) == v:
                lam[m, i] = psi[i]
    a = adj_op.shape[0] - 1
    if a < 0:
        return
    adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)
    for k in range(n_ops - 1, -1, -1):
        if (n_out == 1 and op_nw[k] == 1 and adj_op[a] == k and a >= 1
                and adj_op[a - 1] != k):
            # one slot on a one-wire op, and more to come: psi, the overlap and lam in
            # one pass over both states (instead of three passes)
            de[adj_slot[a], 0] += 2.0 * _step1(psi, lam[0], n, op_wires[k, 0], op_kind[k],
                                               amats, op_off[k], dmats, adj_off[a])
            a -= 1
            continue
        apply_row(psi, n, op_wires, k, op_nw[k], op_kind[k], amats, op_off[k])
        while a >= 0 and adj_op[a] == k:
            if op_nw[k] == 1:  # one-wire gates: Re <lam| dU |psi> in one read of both
                for m in range(n_out):
                    de[adj_slot[a], m] += 2.0 * overlap1(
                        lam[m], psi, n, op_wires[k, 0], op_kind[k] == DIAGONAL, dmats,
                        adj_off[a])
                a -= 1
                continue
            for i in range(dim):
                phi[i] = psi[i]
            apply_row(phi, n, op_wires, k, op_nw[k], op_kind[k], dmats, adj_off[a])
            for m in range(n_out):
                acc = 0.0
                for i in range(dim):
                    v = np.conj(lam[m, i]) * phi[i]
                    acc += v.real
                de[adj_slot[a], m] += 2.0 * acc
            a -= 1
        if a < 0:
            break
        for m in range(n_out):
            apply_row(lam[m], n, op_wires, k, op_nw[k], op_kind[k], amats, op_off[k])


@njit(cache=True)
def _adjoint_work(n, n_out, n_mats, zero):
    """One allocation for the adjoint method's complex work memory: ``psi``, ``phi``,
    ``lam`` (zeroed with ``zero``: the blocked driver writes all of it) and ``amats``."""
    dim = 1 << n
    work = np.empty((2 + n_out) * dim + n_mats, dtype=np.complex128)
    lam = work[2 * dim : (2 + n_out) * dim].reshape((n_out, dim))
    if zero:
        lam[:] = 0.0
    return work[:dim], work[dim : 2 * dim], lam, work[(2 + n_out) * dim :]


def adjoint_work_size(n, n_out, n_mats):
    """The complex items of the blocked adjoint's work memory (:func:`_adjoint_work_in`:
    :func:`_adjoint_work`'s, and with one output a spare lambda) for ``n`` wires, ``n_out``
    outputs and ``n_mats`` matrix items: the ``work`` the blocked entry points take."""
    return (2 + n_out + (n_out == 1)) * (1 << n) + n_mats


@njit(cache=True)
def _adjoint_work_in(work, n, n_out, n_mats):
    """The blocked adjoint's arrays in ``work``, the caller's complex memory, where it
    holds them (its contents any: the blocked driver writes all it reads), else in a new
    allocation (an empty ``work``): :func:`_adjoint_work`'s (``lam`` not zeroed) and the
    spare lambda (``(1, 2^n)`` with one output, else ``(1, 0)``) a CNOT run taken along
    backward is gathered into (kept with the rest: at 20 wires 16 MiB of new pages a
    call otherwise)."""
    dim = 1 << n
    spare = dim if n_out == 1 else 0
    need = (2 + n_out) * dim + spare + n_mats
    if work.shape[0] < need:
        work = np.empty(need, dtype=np.complex128)
    lam = work[2 * dim : (2 + n_out) * dim].reshape((n_out, dim))
    lother = work[(2 + n_out) * dim : (2 + n_out) * dim + spare].reshape((1, spare))
    return (work[:dim], work[dim : 2 * dim], lam, work[(2 + n_out) * dim + spare : need],
            lother)


@njit(cache=True)
def adjoint_jacobian(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                     adj_op, adj_slot, adj_off, dmats, n_slots):
    """Word values and ``de[s, m] = d <O_m> / d theta_s`` by one forward and one backward
    sweep: ``2 Re <lambda| dU_k |psi_(k-1)>``, with ``lambda = U_(k+1)^+ ... O |psi>``.

    Memory: the state, one ``lambda`` per measurement and one work vector. ``dmats`` holds
    each differentiated slot's derivative matrix at ``adj_off``; slots are sorted by op.
    """
    psi, phi, lam, amats = _adjoint_work(n, C.shape[0], mats.shape[0], np.bool_(True))
    e = np.empty(word_flip.shape[0])
    de = np.zeros((n_slots, C.shape[0]))
    _adjoint_sweeps(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                    adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats)
    return e, de


@njit(cache=True)
def program_value_and_grad_adjoint_into(ints, floats, mats, dmats, ch, C, cc, out, jac):
    """Values ``out`` and the Jacobian ``jac`` (written) by the adjoint method, with the
    chain rule applied."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, ch_slot, ch_x,
     cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off) = unpack_program(ints)
    n = ints[H_N]
    n_out = ints[H_OUTPUTS]
    n_words = word_flip.shape[0]
    n_slots = ints[H_SLOTS]
    psi, phi, lam, amats = _adjoint_work(n, n_out, mats.shape[0], np.bool_(True))
    fl = np.zeros(n_words + n_slots * n_out)
    e = fl[:n_words]
    de = fl[n_words:].reshape((n_slots, n_out))
    _adjoint_sweeps(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                    adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats)
    combine_into(C, e, out)
    jac[:] = 0.0
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for m in range(n_out):
            jac[m, j] += ch[k] * de[s, m]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]


@njit(cache=True)
def _adjoint_finish(ch, C, cc, ch_slot, ch_x, cc_m, cc_w, cc_x, e, de, out, jac):
    """Values ``out`` and the Jacobian ``jac`` from the word values ``e`` and the slot
    derivatives ``de``: the chain rule and the coefficients' derivatives (as
    :func:`program_value_and_grad_adjoint_into` ends: the same sums in the same order)."""
    n_out = out.shape[0]
    combine_into(C, e, out)
    jac[:] = 0.0
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for m in range(n_out):
            jac[m, j] += ch[k] * de[s, m]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]


# --- a kernel called through a pointer, not linked (issue #17) ----------------------------
# numba links a callee's code into its caller's library, where LLVM optimizes it and
# generates its machine code again. A batch kernel (below) linked the single call's kernel
# twice (numba's parallel loop body is a library of its own, the serial rows another
# copy): about a third of the library's cold compile. A caller here calls such a kernel
# through a cell instead: 8 bytes under a fixed LLVM name (cell_symbol: the cached
# caller's code names it, never an address, so it stays valid in a new process) that
# holds the kernel's compiled address for one signature, filled on the first call that
# finds it empty by a callback into Python (the kernel compiled, or loaded from numba's
# cache: fill_cell). qsym._kernel_table serves the generated modules the same way
# (cell_call_codegen). docs/design.md, "Kernel calls through a table".
SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
CELL_INTERRUPTED = 1  # what a resolver returns after a KeyboardInterrupt (never an address)


def fill_cell(cell, kernel, sig, pinned, table) -> int:
    """The compiled address of ``kernel`` (a dispatcher of this library) for the argument
    types ``sig`` (compiled, or loaded from numba's cache, now if ``cell`` is empty),
    written into ``cell`` (a ``ctypes.c_void_p``); its code is kept in ``pinned`` (it
    lives as long as the process: compiled code holds its address). ``table`` names the
    signatures' table in the error of a kernel compiled with other types."""
    if cell.value:
        return cell.value
    kernel.compile(sig)
    cres = kernel.overloads[sig]
    name = kernel.py_func.__name__
    # the caller's code calls with exactly these types and no result: anything else would
    # be a wrong number or a write past the caller's result slot, not an error
    if cres.signature.return_type != _nbtypes.none or tuple(cres.signature.args) != sig:
        raise RuntimeError(
            f"qsym: the kernel {name} compiled as {cres.signature}, not as its table entry "
            f"{sig} -> none; {table} must list its exact signature")
    found = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    if not found:
        raise RuntimeError(f"qsym: the kernel {name} has no compiled entry point")
    pinned[id(cell)] = cres
    cell.value = found
    return found


def _cell_global(module, symbol):
    """The caller module's declaration of the cell named ``symbol`` (an ``i8*``)."""
    try:
        return module.get_global(symbol)
    except KeyError:
        gv = _llvm_ir.GlobalVariable(module, _llvm_ir.IntType(8).as_pointer(), name=symbol)
        gv.linkage = "external"
        return gv


def _fill_if_empty(context, builder, symbol, resolver, index, what, errors):
    """Code that loads the cell named ``symbol`` and, if it is empty, calls ``resolver``
    (the LLVM name of a C callback taking ``index`` and returning the address: 0 after an
    error, kept in the list ``errors`` names, :data:`CELL_INTERRUPTED` after a
    KeyboardInterrupt; raised here as ``RuntimeError`` and ``KeyboardInterrupt`` naming
    ``what``); the cell's global."""
    module = builder.module
    i8p = _llvm_ir.IntType(8).as_pointer()
    cell = _cell_global(module, symbol)
    with builder.if_then(_cgutils.is_null(builder, builder.load(cell)), likely=False):
        fill = _cgutils.get_or_insert_function(
            module, _llvm_ir.FunctionType(i8p, [_llvm_ir.IntType(64)]), resolver)
        got = builder.call(fill, [_llvm_ir.Constant(_llvm_ir.IntType(64), index)])
        with builder.if_then(_cgutils.is_null(builder, got), likely=False):
            context.call_conv.return_user_exc(
                builder, RuntimeError, (f"qsym: {what} could not be loaded ({errors} holds why)",))
        interrupted = builder.icmp_unsigned(
            "==", builder.ptrtoint(got, _llvm_ir.IntType(64)),
            _llvm_ir.Constant(_llvm_ir.IntType(64), CELL_INTERRUPTED))
        with builder.if_then(interrupted, likely=False):
            context.call_conv.return_user_exc(
                builder, KeyboardInterrupt, (f"qsym: interrupted while loading {what}",))
    return cell


def cell_fill_codegen(symbol, resolver, index, what, errors):
    """An intrinsic's code that only fills the cell named ``symbol`` if it is empty (see
    :func:`cell_call_codegen`)."""
    def codegen(context, builder, signature, args):
        _fill_if_empty(context, builder, symbol, resolver, index, what, errors)
        return context.get_dummy_value()
    return codegen


def cell_call_codegen(symbol, resolver, index, sig, what, errors):
    """An intrinsic's code for one call through the cell named ``symbol``: load it (if
    empty, call ``resolver``, the LLVM name of a C callback taking ``index`` and returning
    the address, 0 after an error or :data:`CELL_INTERRUPTED`), call the kernel with
    numba's calling convention (argument types ``sig``, no result), and propagate its
    error status as a linked call does. ``what`` names the kernel in the errors, ``errors``
    the list that holds what a failed fill raised."""
    def codegen(context, builder, signature, args):
        cell = _fill_if_empty(context, builder, symbol, resolver, index, what, errors)
        fnty = context.call_conv.get_function_type(_nbtypes.none, sig)
        fn = builder.bitcast(builder.load(cell), fnty.as_pointer())
        status, _ = context.call_conv.call_function(builder, fn, _nbtypes.none, sig, args)
        with _cgutils.if_unlikely(builder, status.is_error):
            context.call_conv.return_status_propagate(builder, status)
        return context.get_dummy_value()
    return codegen


# the kernels called through this library's own cells, with the one signature each cell
# serves (a call with other types links the kernel): the batch kernels' rows (the single
# call's kernels, on the rows of C-contiguous arrays) and the blocked adjoint's team member
# (called by its serial and its parallel driver: each linked the whole blocked sweep)
_I1 = _nbtypes.Array(_nbtypes.int64, 1, "C")
_F1 = _nbtypes.Array(_nbtypes.float64, 1, "C")
_F2 = _nbtypes.Array(_nbtypes.float64, 2, "C")
_Z1 = _nbtypes.Array(_nbtypes.complex128, 1, "C")
VALUE_SIGNATURE = (_I1, _F1, _Z1, _F2, _F1)  # ints, floats, mats, C, out
# ints, floats, mats, smats|dmats, ch, C, cc, out, jac
GRAD_SIGNATURE = (_I1, _F1, _Z1, _Z1, _F1, _F2, _F1, _F1, _F2)
# the blocked adjoint's tuples (_adjoint_blocked): prog, work, plan (_blocked_setup's) and
# meas (_measure_plan's)
_I2 = _nbtypes.Array(_nbtypes.int64, 2, "C")
_Z2 = _nbtypes.Array(_nbtypes.complex128, 2, "C")
_BLOCKED_PROG = _nbtypes.Tuple((_nbtypes.int64, _I2, _I1, _I1, _I1, _Z1, _I1, _I1, _I1, _F2,
                                _I1, _I1, _I1, _Z1))
_BLOCKED_WORK = _nbtypes.Tuple((_F1, _F2, _Z1, _Z1, _Z2, _Z1, _Z2))
_BLOCKED_PLAN = _nbtypes.Tuple((
    _I2, _I1, _I2, _I1, _I1, _nbtypes.int64, _nbtypes.int64,
    _nbtypes.Array(_nbtypes.float64, 3, "C"), _I1, _nbtypes.Array(_nbtypes.boolean, 2, "C"),
    _I2, _nbtypes.Array(_nbtypes.uint64, 3, "C")))
_BLOCKED_MEAS = _nbtypes.Tuple((_F2, _F2, _nbtypes.boolean, _nbtypes.int64, _F2))
_BLOCKED_MEMBER = (_I1, _nbtypes.int64, _BLOCKED_PROG, _BLOCKED_WORK, _BLOCKED_PLAN,
                   _BLOCKED_MEAS)
_INT = _nbtypes.int64
# a circuit's op table and measured words (unpack_program's sections): n, op_wires, op_nw,
# op_kind, op_off, mats; word_flip, word_z, word_ny
_OPS = (_INT, _I2, _I1, _I1, _I1, _Z1)
_WORDS = (_I1, _I1, _I1)
CELL_SIGNATURES = {
    "program_value_into": VALUE_SIGNATURE,
    "program_value_and_grad_into": GRAD_SIGNATURE,
    "program_value_and_grad_adjoint_into": GRAD_SIGNATURE,
    "program_value_and_grad_adjoint_blocked_into": GRAD_SIGNATURE + (_Z1,),  # + work
    "_blocked_member": _BLOCKED_MEMBER,
    # the callees the entry points shared (each linked its whole call tree into every
    # caller's library: issue #17, stop 68), called through cells from their callers
    "_blocked_sweep": _BLOCKED_MEMBER,
    "run_ops": (_Z1, _INT, _INT, _INT, _I2, _I1, _I1, _I1, _Z1),  # state, n, start, stop, ...
    "pauli_expvals": (_Z1,) + _WORDS + (_F1,),  # state, words, out
    # + term_op, term_zero, term_off, smats, t0, t1, vals, psi, phi, fin
    "shift_values": _OPS + _WORDS + (_I1, _I1, _I1, _Z1, _INT, _INT, _F2, _Z1, _Z1, _Z1),
    # + C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats
    "_adjoint_into": _OPS + _WORDS + (_F2, _I1, _I1, _I1, _Z1, _F1, _F2, _Z1, _Z1, _Z2, _Z1),
}
# the cells each kernel above calls (through its own cells' stand-ins, directly or not): a
# cell is filled after these (so a filled cell's kernel runs on threads with no fill left:
# a thread cannot enter Python while its caller holds the GIL). tests/test_kernel_cells.py
# reads them from the source.
CELL_REACHES = {
    "program_value_into": ("run_ops", "pauli_expvals"),
    "program_value_and_grad_into": ("run_ops", "pauli_expvals", "shift_values"),
    "program_value_and_grad_adjoint_into": ("_adjoint_into",),
    "program_value_and_grad_adjoint_blocked_into": ("_blocked_member",),
    "_blocked_member": ("_blocked_sweep",),
    "shift_values": ("run_ops",),
    "_adjoint_into": ("run_ops", "pauli_expvals"),
}
_CELL_NAMES = tuple(CELL_SIGNATURES)
_CELL_RESOLVER = f"qsym_kernels.resolve.{SOURCE_HASH}"
# what compiled code holds the address of lives as long as the process, across an
# importlib.reload of this module too (its cells, callback and pinned kernels, by
# SOURCE_HASH; made again, they would be freed under the code compiled against them)
_cell_tables: dict = globals().get("_cell_tables", {})
cell_errors: list = globals().get("cell_errors", [])  # what a failed fill raised (the latest)


def cell_symbol(name: str) -> str:
    """The LLVM name of the cell this library's kernels call kernel ``name`` through."""
    return f"qsym_kernels.{name}.{SOURCE_HASH}"


def _cell_resolve(index, cells, pinned):
    """The callback a kernel runs on finding kernel ``_CELL_NAMES[index]``'s cell empty
    (holding the GIL): its address, or 0 after an error (kept in
    :data:`cell_errors`), or :data:`CELL_INTERRUPTED`."""
    try:
        return _fill_with_reaches(_CELL_NAMES[index], cells, pinned)
    except BaseException as exc:  # noqa: BLE001 - reported by the caller's RuntimeError
        cell_errors.append(exc)
        del cell_errors[:-16]
        return CELL_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 0


def _fill_with_reaches(name, cells, pinned):
    """Fill kernel ``name``'s cell (:func:`fill_cell`), the cells it calls through first
    (:data:`CELL_REACHES`); its address."""
    if not cells[name].value:
        for callee in CELL_REACHES.get(name, ()):
            _fill_with_reaches(callee, cells, pinned)
    return fill_cell(cells[name], globals()[name], CELL_SIGNATURES[name], pinned,
                     "qsym._kernels.CELL_SIGNATURES")


def cells_reached(name) -> list:
    """The kernels whose cells kernel ``name``'s code calls through (:data:`CELL_REACHES`,
    and theirs), callees first.

    >>> cells_reached("program_value_and_grad_into")
    ['run_ops', 'pauli_expvals', 'shift_values']
    """
    out: list = []
    for callee in CELL_REACHES.get(name, ()):
        out += [c for c in cells_reached(callee) + [callee] if c not in out]
    return out


def fill_own_cell(name) -> int:
    """Fill the cell this library's kernels call kernel ``name`` through (compiled, or
    loaded from numba's cache, with the cells it calls through first); its address."""
    cells, _, pinned = _cell_table()
    return _fill_with_reaches(name, cells, pinned)


def _cell_table():
    """The cells (made and given to LLVM once a process: see ``_cell_tables``)."""
    if SOURCE_HASH not in _cell_tables:
        cells = {name: ctypes.c_void_p(0) for name in _CELL_NAMES}
        pinned: dict = {}
        callback = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64)(
            functools.partial(_cell_resolve, cells=cells, pinned=pinned))
        _ll.add_symbol(_CELL_RESOLVER, ctypes.cast(callback, ctypes.c_void_p).value)
        for name in _CELL_NAMES:
            _ll.add_symbol(cell_symbol(name), ctypes.addressof(cells[name]))
        _cell_tables[SOURCE_HASH] = (cells, callback, pinned)
    return _cell_tables[SOURCE_HASH]


CELLS = _cell_table()[0]


def through_cell(py, kernel, sig, codegen):
    """Register the compiled form of ``py`` (a Python function that calls ``kernel``, with
    its arity): with the argument types ``sig``, the intrinsic call ``codegen``
    (:func:`cell_call_codegen`: ``kernel`` through its cell); with any other types,
    ``kernel`` itself, linked as a direct call. Returns ``py``.

    The compiled forms are named after ``py`` and this library's hash: numba names compiled
    code by its module, qualified name, argument types and a counter of the process that
    compiled it, so one name for the forms of two cells of one signature (the gradient
    rows of parameter shift and of the adjoint), compiled in two processes (the kernel
    library's parallel compile, the background compiles) and loaded from the disk cache
    into one, is one symbol: every caller would call the one loaded first (stop 67's
    oracle met it in the kernel table: a value kernel called for another's program)."""
    params = ", ".join(f"a{k}" for k in range(len(sig)))
    tag = f"{py.__name__}_{SOURCE_HASH}"
    ns = {"_kernel": kernel, "_sig": sig, "_codegen": codegen, "_none": _nbtypes.none,
          "intrinsic": intrinsic}
    # (with the kernel's arity: numba's intrinsics and overloads take no *args)
    exec(f"""
@intrinsic
def _pointer_call_{tag}(typingctx, {params}):
    return _none({params}), _codegen

def _compiled_{tag}({params}):
    if ({params},) == _sig:
        def _through_{tag}({params}):
            return _pointer_call_{tag}({params})
        return _through_{tag}
    def _linked_{tag}({params}):
        return _kernel({params})
    return _linked_{tag}
""", ns)
    overload(py)(ns[f"_compiled_{tag}"])
    return py


def _through_own_cell(name):
    """A decorator: :func:`through_cell` for the decorated function, a kernel's stand-in
    for kernel ``name`` (which it calls in Python), through ``name``'s cell; the stand-in
    is rebound with the kernels in the kernel twins' namespace (its ``py_func``:
    qsym._tiers). (A decorator, so that an export, which keeps only the statements that
    bind a name it reaches, carries none of this.)"""
    def register(py):
        _cell_table()  # (the cells named for LLVM before any caller's code can load)
        sig = CELL_SIGNATURES[name]
        through_cell(py, globals()[name], sig, cell_call_codegen(
            cell_symbol(name), _CELL_RESOLVER, _CELL_NAMES.index(name), sig,
            f"the kernel library's {name}", "qsym._kernels.cell_errors"))
        py.py_func = py
        return py
    return register


def _cell_ready(name):
    """A function that, in compiled code, fills kernel ``name``'s cell if it is empty (a
    kernel calls it before its calls go on threads: the fill is a callback into
    Python, which a thread other than the caller's could not enter while the caller holds
    the GIL); nothing in Python."""
    _cell_table()  # (the cells named for LLVM before any caller's code can load)
    index, symbol = _CELL_NAMES.index(name), cell_symbol(name)
    what = f"the kernel library's {name}"

    @intrinsic
    def fill(typingctx):
        return _nbtypes.none(), cell_fill_codegen(symbol, _CELL_RESOLVER, index, what,
                                                  "qsym._kernels.cell_errors")

    # named after the kernel (not one lambda for every cell: see through_cell)
    tag = f"{name}_{SOURCE_HASH}"
    ns = {"_fill": fill}
    exec(f"""
def ready_{tag}():
    return None

def _compiled_ready_{tag}():
    def _fill_{tag}():
        _fill()
    return _fill_{tag}
""", ns)
    overload(ns[f"ready_{tag}"])(ns[f"_compiled_ready_{tag}"])
    return ns[f"ready_{tag}"]


@_through_own_cell("program_value_into")
def _row_value(ints, floats, mats, C, out):
    """A batch row's :func:`program_value_into` (through its cell in compiled code)."""
    program_value_into(ints, floats, mats, C, out)


@_through_own_cell("program_value_and_grad_into")
def _row_grad(ints, floats, mats, smats, ch, C, cc, out, jac):
    """A batch row's :func:`program_value_and_grad_into` (through its cell)."""
    program_value_and_grad_into(ints, floats, mats, smats, ch, C, cc, out, jac)


@_through_own_cell("program_value_and_grad_adjoint_into")
def _row_adjoint(ints, floats, mats, dmats, ch, C, cc, out, jac):
    """A batch row's :func:`program_value_and_grad_adjoint_into` (through its cell)."""
    program_value_and_grad_adjoint_into(ints, floats, mats, dmats, ch, C, cc, out, jac)


@_through_own_cell("program_value_and_grad_adjoint_blocked_into")
def _row_adjoint_blocked(ints, floats, mats, dmats, ch, C, cc, out, jac, work):
    """A batch row's :func:`program_value_and_grad_adjoint_blocked_into` (through its cell)."""
    program_value_and_grad_adjoint_blocked_into(ints, floats, mats, dmats, ch, C, cc, out, jac,
                                                work)


_value_rows_ready = _cell_ready("program_value_into")
_grad_rows_ready = _cell_ready("program_value_and_grad_into")
_adjoint_rows_ready = _cell_ready("program_value_and_grad_adjoint_into")
_adjoint_blocked_rows_ready = _cell_ready("program_value_and_grad_adjoint_blocked_into")


@_through_own_cell("_blocked_member")
def _member(sync, t, prog, work, plan, meas):
    """The blocked adjoint's :func:`_blocked_member` (through its cell in compiled code)."""
    _blocked_member(sync, t, prog, work, plan, meas)


_member_ready = _cell_ready("_blocked_member")


# the callees the entry points shared, through their cells (CELL_SIGNATURES: each caller's
# library held their code, optimized and compiled again; issue #17, stop 68). A caller
# with other argument types links the callee as before.
@_through_own_cell("_blocked_sweep")
def _sweep(sync, t, prog, work, plan, meas):
    """:func:`_blocked_member`'s :func:`_blocked_sweep` (through its cell: an error in it is
    propagated as a linked call's, into the member's ``try``)."""
    _blocked_sweep(sync, t, prog, work, plan, meas)


@_through_own_cell("run_ops")
def _ops(state, n, start, stop, op_wires, op_nw, op_kind, op_off, mats):
    """:func:`run_ops` (through its cell in compiled code)."""
    run_ops(state, n, start, stop, op_wires, op_nw, op_kind, op_off, mats)


@_through_own_cell("pauli_expvals")
def _expvals_into(state, word_flip, word_z, word_ny, out):
    """:func:`pauli_expvals` (through its cell in compiled code)."""
    pauli_expvals(state, word_flip, word_z, word_ny, out)


@_through_own_cell("shift_values")
def _shifts(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, term_op,
            term_zero, term_off, smats, t0, t1, vals, psi, phi, fin):
    """:func:`shift_values` (through its cell in compiled code)."""
    shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                 term_op, term_zero, term_off, smats, t0, t1, vals, psi, phi, fin)


_shifts_ready = _cell_ready("shift_values")


@_through_own_cell("_adjoint_into")
def _adjoint_sweeps(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                    adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats):
    """:func:`_adjoint_into` (through its cell in compiled code)."""
    _adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                  adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats)


# --- batches: many rows (parameter sets) of one circuit, on numba's threads --------------
# The generated module prepares every row (gate matrices and coefficients, stacked in 2-D
# arrays, one row each) and calls these. Each row runs the single call's ``_into`` kernel
# on row views (the outputs' rows too: no per-row arrays to copy, no returning form
# linked: issue #17), so it gives the single call's bits. ``parallel`` (decided by the
# caller from the batch's work, see PARALLEL_MIN_WORK) puts rows on threads with prange;
# numba does not carry an exception out of a prange loop (the row is silently left
# unfinished), so rows are flagged when done and any unfinished one runs again serially,
# where it raises. Launch them through ``call_dynamic``.
@njit(cache=True, parallel=True)
def batch_value(ints, floats, MATS, C, parallel):
    """``program_value_into`` of every row: values ``(B, n_outputs)``."""
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    if parallel:
        _value_rows_ready()  # (the row kernel's cell filled here, not on a thread)
        for b in prange(B):
            _row_value(ints, floats, MATS[b], C[b], out[b])
            done[b] = True
    for b in range(B):
        if not done[b]:
            _row_value(ints, floats, MATS[b], C[b], out[b])
    return out


@njit(cache=True, parallel=True)
def batch_value_and_grad(ints, floats, MATS, SMATS, CH, C, CC, parallel):
    """``program_value_and_grad_into`` of every row: values ``(B, n_outputs)`` and Jacobians
    ``(B, n_outputs, n_inputs)``."""
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    jac = np.empty((B, ints[H_OUTPUTS], ints[H_INPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    if parallel:
        _grad_rows_ready()  # (the row kernel's cell filled here, not on a thread)
        for b in prange(B):
            _row_grad(ints, floats, MATS[b], SMATS[b], CH[b], C[b], CC[b], out[b], jac[b])
            done[b] = True
    for b in range(B):
        if not done[b]:
            _row_grad(ints, floats, MATS[b], SMATS[b], CH[b], C[b], CC[b], out[b], jac[b])
    return out, jac


@njit(cache=True, parallel=True)
def batch_value_and_grad_adjoint(ints, floats, MATS, DMATS, CH, C, CC, parallel):
    """``program_value_and_grad_adjoint_into`` of every row, for circuits below
    ``BLOCK_MIN_WIRES`` wires (larger ones: :func:`batch_value_and_grad_adjoint_blocked`,
    as the single call; :func:`batch_adjoint_kernel` names the one; others ``ValueError``)."""
    if ints[H_N] >= BLOCK_MIN_WIRES:
        raise ValueError("qsym: a circuit of BLOCK_MIN_WIRES wires or more: call "
                         "batch_value_and_grad_adjoint_blocked (kernels.batch_adjoint_kernel)")
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    jac = np.empty((B, ints[H_OUTPUTS], ints[H_INPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    if parallel:
        _adjoint_rows_ready()  # (the row kernel's cell filled here, not on a thread)
        for b in prange(B):
            _row_adjoint(ints, floats, MATS[b], DMATS[b], CH[b], C[b], CC[b], out[b], jac[b])
            done[b] = True
    for b in range(B):
        if not done[b]:
            _row_adjoint(ints, floats, MATS[b], DMATS[b], CH[b], C[b], CC[b], out[b], jac[b])
    return out, jac


@njit(cache=True, parallel=True)
def batch_value_and_grad_adjoint_blocked(ints, floats, MATS, DMATS, CH, C, CC, parallel):
    """``program_value_and_grad_adjoint_blocked_into`` of every row: the batch adjoint of
    circuits from ``BLOCK_MIN_WIRES`` wires (a kernel of its own, so that the common one
    does not link the blocked adjoint's call tree: issue #17)."""
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    jac = np.empty((B, ints[H_OUTPUTS], ints[H_INPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    none = np.empty(0, dtype=np.complex128)  # (each row's work memory its own)
    if parallel:
        _adjoint_blocked_rows_ready()  # (the row kernel's cell filled here, not on a thread)
        for b in prange(B):
            _row_adjoint_blocked(ints, floats, MATS[b], DMATS[b], CH[b], C[b], CC[b], out[b],
                                 jac[b], none)
            done[b] = True
    for b in range(B):
        if not done[b]:
            _row_adjoint_blocked(ints, floats, MATS[b], DMATS[b], CH[b], C[b], CC[b], out[b],
                                 jac[b], none)
    return out, jac


def batch_adjoint_kernel(num_wires: int) -> str:
    """The batch adjoint kernel of a circuit of ``num_wires`` wires (the single call's
    choice: blocked passes from ``BLOCK_MIN_WIRES``), decided when its module is written.

    >>> batch_adjoint_kernel(4), batch_adjoint_kernel(BLOCK_MIN_WIRES)
    ('batch_value_and_grad_adjoint', 'batch_value_and_grad_adjoint_blocked')
    """
    if num_wires >= BLOCK_MIN_WIRES:
        return "batch_value_and_grad_adjoint_blocked"
    return "batch_value_and_grad_adjoint"


# --- qsym.minimize's loop: one adjoint gradient into memory made once per run ------------
# For the small circuits the loop runs millions of times, the views of _step1_real (a
# reshape for the two lowest wires, four slices per block otherwise: each a reference-
# counted array record) cost more than its arithmetic: the loop's sweep indexes the
# complex arrays instead, with the same operations in the same order (the same bits).
@njit(cache=True)
def adjoint_step1_real(psi, lam, n, w, amats, aoff, dmats, doff):
    """One backward step of the adjoint method over a one-wire op with a real matrix
    (:func:`_step1_real` without views: for each pair of amplitudes in index order, the
    real parts, then the imaginary parts, the order of its float view; the same products
    and sums, the same bits), the overlap returned. Public: qsym.minimize's generated
    loops call it."""
    b = n - 1 - w
    step = 1 << b
    a00 = amats[aoff].real
    a01 = amats[aoff + 1].real
    a10 = amats[aoff + 2].real
    a11 = amats[aoff + 3].real
    d00 = dmats[doff].real
    d01 = dmats[doff + 1].real
    d10 = dmats[doff + 2].real
    d11 = dmats[doff + 3].real
    acc = 0.0
    for i in range(psi.shape[0] >> 1):
        i0 = _insert_zero(i, b)
        i1 = i0 | step
        u = psi[i0]
        v = psi[i1]
        e = lam[i0]
        f = lam[i1]
        ur = u.real
        vr = v.real
        nur = a00 * ur + a01 * vr
        nvr = a10 * ur + a11 * vr
        er = e.real
        fr = f.real
        acc += er * (d00 * nur + d01 * nvr) + fr * (d10 * nur + d11 * nvr)
        ui = u.imag
        vi = v.imag
        nui = a00 * ui + a01 * vi
        nvi = a10 * ui + a11 * vi
        ei = e.imag
        fi = f.imag
        acc += ei * (d00 * nui + d01 * nvi) + fi * (d10 * nui + d11 * nvi)
        psi[i0] = complex(nur, nui)
        psi[i1] = complex(nvr, nvi)
        lam[i0] = complex(a00 * er + a01 * fr, a00 * ei + a01 * fi)
        lam[i1] = complex(a10 * er + a11 * fr, a10 * ei + a11 * fi)
    return acc


@njit(cache=True, inline="always")  # (its one caller's: one library fewer, issue #17)
def _adjoint_into_flat(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z,
                       word_ny, C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam,
                       amats):
    """:func:`_adjoint_into` for one output (the loop's objective) with
    :func:`adjoint_step1_real` for real one-wire ops: the same sweeps, the same bits."""
    n_ops = op_nw.shape[0]
    dim = psi.shape[0]
    reset_state(psi)
    _ops(psi, n, np.int64(0), n_ops, op_wires, op_nw, op_kind, op_off, mats)
    n_words = word_flip.shape[0]
    _expvals_into(psi, word_flip, word_z, word_ny, e)
    for t in range(n_words):
        c = C[0, t]
        if c != 0.0:
            add_pauli_word(lam[0], psi, c, word_flip[t], word_z[t], word_ny[t])
    a = adj_op.shape[0] - 1
    if a < 0:
        return
    adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)
    lam0 = lam[0]
    for k in range(n_ops - 1, -1, -1):
        if op_nw[k] == 1 and adj_op[a] == k and a >= 1 and adj_op[a - 1] != k:
            w = op_wires[k, 0]
            if op_kind[k] == REAL:
                v = adjoint_step1_real(psi, lam0, n, w, amats, op_off[k], dmats, adj_off[a])
            elif op_kind[k] == DIAGONAL:
                v = adjoint_step1_diag(psi, lam0, n, w, amats, op_off[k], dmats, adj_off[a])
            else:
                v = adjoint_step1_dense(psi, lam0, n, w, amats, op_off[k], dmats, adj_off[a])
            de[adj_slot[a], 0] += 2.0 * v
            a -= 1
            continue
        apply_row(psi, n, op_wires, k, op_nw[k], op_kind[k], amats, op_off[k])
        while a >= 0 and adj_op[a] == k:
            if op_nw[k] == 1:
                de[adj_slot[a], 0] += 2.0 * overlap1(
                    lam0, psi, n, op_wires[k, 0], op_kind[k] == DIAGONAL, dmats, adj_off[a])
                a -= 1
                continue
            for i in range(dim):
                phi[i] = psi[i]
            apply_row(phi, n, op_wires, k, op_nw[k], op_kind[k], dmats, adj_off[a])
            acc = 0.0
            for i in range(dim):
                v = np.conj(lam0[i]) * phi[i]
                acc += v.real
            de[adj_slot[a], 0] += 2.0 * acc
            a -= 1
        if a < 0:
            break
        apply_row(lam0, n, op_wires, k, op_nw[k], op_kind[k], amats, op_off[k])


@njit(cache=True)
def adjoint_step_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                      C, adj_op, adj_slot, adj_off, dmats, ch, ch_slot, ch_x, cc, cc_m, cc_w,
                      cc_x, e, de, psi, phi, lam, amats, out, jac):
    """:func:`program_value_and_grad_adjoint_into` on the program's unpacked sections and
    the caller's work memory (``e``, ``de``, ``psi``, ``phi``, ``lam``, ``amats``: see
    :func:`_adjoint_into`): no allocation, no unpacking, the same arithmetic and bits.
    The compiled optimization loop (qsym.minimize) unpacks and allocates once per run."""
    for m in range(lam.shape[0]):
        for i in range(lam.shape[1]):
            lam[m, i] = 0.0
    for s in range(de.shape[0]):
        for m in range(de.shape[1]):
            de[s, m] = 0.0
    if out.shape[0] == 1 and lam.shape[0] == 1 and C.shape[0] == 1:
        _adjoint_into_flat(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z,
                           word_ny, C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam,
                           amats)
    else:
        _adjoint_sweeps(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                        C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats)
    combine_into(C, e, out)
    n_out = out.shape[0]
    for m in range(n_out):
        for j in range(jac.shape[1]):
            jac[m, j] = 0.0
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for m in range(n_out):
            jac[m, j] += ch[k] * de[s, m]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]
