"""The compiled-once statevector kernel library (numba, cached on disk).

Circuits reach these kernels as op tables: per op its wire count, wires, storage kind
(0 dense, 1 diagonal) and the offset of its matrix in one flat complex array. The per-circuit
code that :mod:`qsym.emit` generates fills the matrices from the gate parameters and calls
these kernels, so a new circuit compiles only its small glue, not the simulator.

Conventions: wire ``w`` of an ``n``-wire state is bit ``n - 1 - w`` of the basis index (wire
0 most significant, as in PennyLane). A gate's own matrix has its first wire most
significant. A Pauli word is measured from three masks over the index bits: ``flip`` (X or
Y), ``zmask`` (Y or Z, the sign) and ``ny`` (the number of Y, for the phase ``i**ny``).

This module imports only numpy and numba, so that exported modules (ahead-of-time use) can
carry it along.

>>> import numpy as np
>>> psi = np.array([1, 0], dtype=np.complex128)
>>> apply_op(psi, 1, np.array([0]), 1, 0, np.array([0, 1, 1, 0], dtype=np.complex128), 0)
>>> psi.real
array([0., 1.])
"""

import threading

import numba
import numpy as np
from numba import njit, prange

DENSE = 0
DIAGONAL = 1
CONTROLLED_X = 2  # CNOT, Toffoli: a permutation (the stored dense matrix is not read)

# Threads only where they pay (numba's threads, ``numba.set_num_threads``). Work is counted
# in amplitudes x ops x circuits (state updates). A batch (rows on threads, see qsym.emit)
# goes parallel from PARALLEL_MIN_WORK in all: measured on 2 free cores, a parallel launch
# costs about 10 us; 2 threads were 0.6-1.2x one thread below 2**13, 1.5-1.8x from 2**14
# to 2**16 and 1.9-2.0x above. One parameter-shift gradient shares its shifted circuits
# among threads (program_value_and_grad_parallel) from PARALLEL_SHIFT_MIN_WORK (it adds
# about one circuit per run of terms; 1.9x measured on the 12-wire, 8-layer HEA).
# See docs/design.md, "Batches and threads".
PARALLEL_MIN_WORK = 1 << 14
PARALLEL_SHIFT_MIN_WORK = 1 << 22

# numba's "workqueue" threading layer (used when neither TBB nor OpenMP is installed)
# aborts the process if two threads launch parallel kernels at once: launches from Python
# then take this lock. (Before the first launch the layer is not known yet: locked too.)
LAUNCH_LOCK = threading.Lock()


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
    the others (measured: an even split gave no gain at all when another process held
    part of one core). The setting is numba's, per thread, and is restored."""
    old = numba.set_parallel_chunksize(1)
    try:
        return fn(*args)
    finally:
        numba.set_parallel_chunksize(old)


@njit(cache=True, inline="always")
def _insert_zero(i, b):
    low = i & ((1 << b) - 1)
    return ((i >> b) << (b + 1)) | low


@njit(cache=True)
def apply_dense1(state, n, w, mats, off):
    b = n - 1 - w
    m00 = mats[off]
    m01 = mats[off + 1]
    m10 = mats[off + 2]
    m11 = mats[off + 3]
    step = 1 << b
    for i in range(state.shape[0] >> 1):
        i0 = _insert_zero(i, b)
        i1 = i0 | step
        a0 = state[i0]
        a1 = state[i1]
        state[i0] = m00 * a0 + m01 * a1
        state[i1] = m10 * a0 + m11 * a1


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
    """CNOT: swap the target's amplitude pairs where the control is 1 (a quarter of the
    state is read and written; no arithmetic)."""
    bc = n - 1 - c
    bt = n - 1 - t
    lo = min(bc, bt)
    hi = max(bc, bt)
    cbit = 1 << bc
    tbit = 1 << bt
    for i in range(state.shape[0] >> 2):
        i0 = _insert_zero(_insert_zero(i, lo), hi) | cbit
        i1 = i0 | tbit
        a = state[i0]
        state[i0] = state[i1]
        state[i1] = a


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
    elif k == 1:
        apply_dense1(state, n, op_wires[q, 0], mats, off)
    elif k == 2:
        apply_dense2(state, n, op_wires[q, 0], op_wires[q, 1], mats, off)
    else:
        apply_dense(state, n, op_wires[q], k, mats, off)


# Small circuits: numba updates a reference count (an atomic instruction) for every array
# argument of a function that calls others, at each call, and for every array view; a
# leaf function (the apply_* kernels) costs none. apply_row is therefore inlined (numba
# IR) into the loops over ops: no call, no reference counts per op.
@njit(cache=True)
def run_ops(state, n, start, stop, op_wires, op_nw, op_kind, op_off, mats):
    """Apply ops ``start .. stop-1`` of the op table to ``state`` in place."""
    for q in range(start, stop):
        apply_row(state, n, op_wires, q, op_nw[q], op_kind[q], mats, op_off[q])


@njit(cache=True, inline="always")
def _parity(v):
    p = 0
    while v:
        v &= v - 1
        p ^= 1
    return p


@njit(cache=True)
def pauli_expvals(state, word_flip, word_z, word_ny, out):
    """``out[t] = <state| P_t |state>`` for every Pauli word ``t`` (real by Hermiticity)."""
    for t in range(word_flip.shape[0]):
        out[t] = _word_value(state, word_flip[t], word_z[t], word_ny[t])


@njit(cache=True)
def pauli_expvals_row(state, word_flip, word_z, word_ny, out, row):
    """``pauli_expvals`` into ``out[row]`` (no view)."""
    for t in range(word_flip.shape[0]):
        out[row, t] = _word_value(state, word_flip[t], word_z[t], word_ny[t])


@njit(cache=True)
def _word_value(state, f, z, ny):
    """``<state| P |state>`` for the Pauli word with masks ``f``, ``z`` and ``ny`` Y's."""
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
def _reset(state):
    """``state = |0..0>`` in place."""
    state[:] = 0.0
    state[0] = 1.0


@njit(cache=True)
def expvals(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny):
    """Run the whole circuit from |0..0> and measure every word."""
    state = zero_state(n)
    run_ops(state, n, 0, op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    out = np.empty(word_flip.shape[0])
    pauli_expvals(state, word_flip, word_z, word_ny, out)
    return out


@njit(cache=True)
def shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                 term_op, term_zero, term_off, smats, t0, t1, vals, psi, phi):
    """``vals[t]``: the word values of the shifted circuit of each term ``t0 <= t < t1``
    that has a shift (``term_zero`` false; the others are left as they are).

    Terms are sorted by op. ``psi`` walks the circuit from |0..0> and holds the state
    *before* the current op, so a shifted circuit costs only the ops from the shifted one
    to the end; ``phi`` is the work state. A run of terms needs only the ops up to its
    own, so disjoint runs can go to different threads and give the same bits.
    """
    _reset(psi)
    if t0 >= t1:
        return
    n_ops = op_nw.shape[0]
    k0 = term_op[t0]
    run_ops(psi, n, 0, k0, op_wires, op_nw, op_kind, op_off, mats)
    t = t0
    dim = psi.shape[0]
    for k in range(k0, n_ops):
        nw = op_nw[k]
        while t < t1 and term_op[t] == k:
            if not term_zero[t]:
                for i in range(dim):
                    phi[i] = psi[i]
                # op k with its shifted matrix, then the rest of the circuit
                apply_row(phi, n, op_wires, k, nw, op_kind[k], smats, term_off[t])
                run_ops(phi, n, k + 1, n_ops, op_wires, op_nw, op_kind, op_off, mats)
                pauli_expvals_row(phi, word_flip, word_z, word_ny, vals, t)
            t += 1
        if t >= t1:
            break
        apply_row(psi, n, op_wires, k, nw, op_kind[k], mats, op_off[k])


@njit(cache=True)
def _accumulate_terms(term_slot, term_coeff, term_zero, e, vals, de):
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


@njit(cache=True)
def shift_jacobian(
    n,
    op_wires,
    op_nw,
    op_kind,
    op_off,
    mats,
    word_flip,
    word_z,
    word_ny,
    term_op,
    term_slot,
    term_coeff,
    term_zero,
    term_off,
    smats,
    n_slots,
):
    """Values of every word and their derivatives by every gate-parameter slot.

    Shift terms are sorted by op. For each op the state *before* it is kept, so a shifted
    circuit costs only the ops from the shifted one to the end. A term with ``term_zero``
    (shift 0, multiplier 1) reuses the unshifted value and runs nothing.

    Returns ``(e, de)``: ``e[t]`` word values, ``de[s, t]`` their derivative by slot ``s``.
    """
    n_words = word_flip.shape[0]
    n_terms = term_op.shape[0]
    dim = 1 << n
    work = np.empty(2 * dim, dtype=np.complex128)
    fl = np.zeros(n_words * (1 + n_terms + n_slots))
    e, vals, de = _split_values(fl, n_words, n_terms, n_slots)
    _values_and_shifts(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                       term_op, term_slot, term_coeff, term_zero, term_off, smats, e, vals, de,
                       work[:dim], work[dim:])
    return e, de


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


@njit(cache=True)
def _values_and_shifts(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                       term_op, term_slot, term_coeff, term_zero, term_off, smats, e, vals, de,
                       psi, phi):
    """The serial parameter shift: ``e`` (the value circuit's words), ``vals`` (every
    shifted circuit's), ``de`` accumulated. Two states of work memory."""
    _reset(psi)
    run_ops(psi, n, 0, op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    pauli_expvals(psi, word_flip, word_z, word_ny, e)
    shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                 term_op, term_zero, term_off, smats, 0, term_op.shape[0], vals, psi, phi)
    _accumulate_terms(term_slot, term_coeff, term_zero, e, vals, de)


# --- programs: a circuit's tables packed into two arrays --------------------------------
# A program is (ints, floats). ints starts with a header of sizes, then the sections below
# in this order; floats holds the shift-rule coefficients. Two arrays instead of twenty
# keep the Python-side call of the kernels cheap (numba's dispatch costs per argument).
(H_N, H_OPS, H_MAXW, H_WORDS, H_TERMS, H_CHAIN, H_CC, H_SLOTS, H_INPUTS, H_OUTPUTS,
 H_ADJ) = range(11)
HEADER = 11


def pack_program(
    n, op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
    term_zero, term_off, term_coeff, ch_slot, ch_x, cc_m, cc_w, cc_x, n_slots, n_inputs,
    n_outputs, adj_op=(), adj_slot=(), adj_off=(),
):
    """Pack a circuit's tables into a program ``(ints, floats)`` (plain NumPy).

    The adjoint section lists the parameter slots the adjoint method differentiates
    (sorted by op), with the offsets of their derivative matrices.
    """
    op_wires = np.asarray(op_wires, dtype=np.int64)
    n_ops, maxw = op_wires.shape
    header = [n, n_ops, maxw, len(word_flip), len(term_op), len(ch_slot), len(cc_m),
              n_slots, n_inputs, n_outputs, len(adj_op)]
    parts = [header, op_wires.ravel(), op_nw, op_kind, op_off, word_flip, word_z, word_ny,
             term_op, term_slot, np.asarray(term_zero, dtype=np.int64), term_off, ch_slot, ch_x,
             cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off]
    ints = np.concatenate([np.asarray(p, dtype=np.int64).ravel() for p in parts])
    return ints, np.asarray(term_coeff, dtype=np.float64)


@njit(cache=True)
def unpack_program(ints):
    """The sections of a packed program's ``ints`` (views, no copies)."""
    n_ops = ints[H_OPS]
    maxw = ints[H_MAXW]
    nw = ints[H_WORDS]
    nt = ints[H_TERMS]
    nch = ints[H_CHAIN]
    ncc = ints[H_CC]
    o = HEADER
    op_wires = ints[o : o + n_ops * maxw].reshape((n_ops, maxw))
    o += n_ops * maxw
    op_nw = ints[o : o + n_ops]
    o += n_ops
    op_kind = ints[o : o + n_ops]
    o += n_ops
    op_off = ints[o : o + n_ops]
    o += n_ops
    word_flip = ints[o : o + nw]
    o += nw
    word_z = ints[o : o + nw]
    o += nw
    word_ny = ints[o : o + nw]
    o += nw
    term_op = ints[o : o + nt]
    o += nt
    term_slot = ints[o : o + nt]
    o += nt
    term_zero = ints[o : o + nt]
    o += nt
    term_off = ints[o : o + nt]
    o += nt
    ch_slot = ints[o : o + nch]
    o += nch
    ch_x = ints[o : o + nch]
    o += nch
    cc_m = ints[o : o + ncc]
    o += ncc
    cc_w = ints[o : o + ncc]
    o += ncc
    cc_x = ints[o : o + ncc]
    o += ncc
    nadj = ints[H_ADJ]
    adj_op = ints[o : o + nadj]
    o += nadj
    adj_slot = ints[o : o + nadj]
    o += nadj
    adj_off = ints[o : o + nadj]
    return (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
            term_zero, term_off, ch_slot, ch_x, cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off)


@njit(cache=True)
def _combine_into(C, e, out):
    """``out = C @ e``, each row summed in word order."""
    for m in range(C.shape[0]):
        acc = 0.0
        for t in range(e.shape[0]):
            acc += C[m, t] * e[t]
        out[m] = acc


@njit(cache=True)
def _combine(C, e):
    out = np.empty(C.shape[0])
    _combine_into(C, e, out)
    return out


@njit(cache=True)
def program_value(ints, floats, mats, C):
    """Measured values: ``C @ <words>`` of the circuit with gate matrices ``mats``."""
    out = np.empty(ints[H_OUTPUTS])
    program_value_into(ints, floats, mats, C, out)
    return out


@njit(cache=True)
def program_value_into(ints, floats, mats, C, out):
    """:func:`program_value` into ``out``."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, _, _, _, _,
     _, _, _, _) = unpack_program(ints)
    e = expvals(ints[H_N], op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny)
    _combine_into(C, e, out)


@njit(cache=True)
def program_state(ints, floats, mats):
    """The final state vector of the circuit (wire 0 most significant)."""
    (op_wires, op_nw, op_kind, op_off, _, _, _, _, _, _, _, _, _, _, _, _, _, _,
     _) = unpack_program(ints)
    state = zero_state(ints[H_N])
    run_ops(state, ints[H_N], 0, op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    return state


@njit(cache=True)
def _shift_finish(ints, ch, C, cc, ch_slot, ch_x, cc_m, cc_w, cc_x, e, de, g, out, jac):
    """Values ``out`` and Jacobian ``jac`` (written, shapes ``(n_out,)`` and ``(n_out,
    n_inputs)``) from the word values ``e`` and their slot derivatives ``de``: the chain
    rule (``g``: zeroed work array, inputs x words), the observable coefficients and their
    derivatives."""
    n_words = e.shape[0]
    n_inputs = ints[H_INPUTS]
    n_out = ints[H_OUTPUTS]
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for t in range(n_words):
            g[j, t] += ch[k] * de[s, t]
    for m in range(n_out):
        # _combine_into written out: a function that calls none is cheaper to call
        acc = 0.0
        for t in range(n_words):
            acc += C[m, t] * e[t]
        out[m] = acc
    for m in range(n_out):
        for j in range(n_inputs):
            acc = 0.0
            for t in range(n_words):
                acc += C[m, t] * g[j, t]
            jac[m, j] = acc
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]


@njit(cache=True)
def _outputs(ints):
    """Fresh ``out`` and ``jac`` arrays for the ``*_into`` kernels."""
    return np.empty(ints[H_OUTPUTS]), np.empty((ints[H_OUTPUTS], ints[H_INPUTS]))


# Entry points come in pairs: ``program_X(...)`` returns new arrays; ``program_X_into(...,
# out, jac)`` writes into arrays the caller made. Measured on the seed (1 wire, 2 gates):
# numba turns each returned array into a Python object in about 0.4 us, NumPy makes an
# empty one in about 0.1 us, so a compiled call made from Python takes its output arrays
# (see Compiled in qsym.runtime); compiled callers use the returning form.
@njit(cache=True)
def program_value_and_grad(ints, floats, mats, smats, ch, C, cc):
    """:func:`program_value_and_grad_into`, into new arrays: ``(out, jac)``."""
    out, jac = _outputs(ints)
    program_value_and_grad_into(ints, floats, mats, smats, ch, C, cc, out, jac)
    return out, jac


@njit(cache=True)
def program_value_and_grad_into(ints, floats, mats, smats, ch, C, cc, out, jac):
    """Values and the Jacobian by parameter shift, with the chain rule applied.

    ``smats`` holds the matrices of the shifted gates (one block per term), ``ch`` the
    chain-rule factors, ``C`` the observable coefficients and ``cc`` their derivatives.
    Memory: two states (one allocation) and one array of word values.
    """
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
     term_zero, term_off, ch_slot, ch_x, cc_m, cc_w, cc_x, _, _, _) = unpack_program(ints)
    n = ints[H_N]
    dim = 1 << n
    n_words = word_flip.shape[0]
    n_terms = term_op.shape[0]
    n_slots = ints[H_SLOTS]
    n_inputs = ints[H_INPUTS]
    work = np.empty(2 * dim, dtype=np.complex128)
    fl = np.zeros(n_words * (1 + n_terms + n_slots + n_inputs))
    e, vals, de = _split_values(fl, n_words, n_terms, n_slots)
    g = fl[n_words * (1 + n_terms + n_slots) :].reshape((n_inputs, n_words))
    # _values_and_shifts written out (each call costs numba atomic updates per array)
    psi = work[:dim]
    _reset(psi)
    run_ops(psi, n, 0, op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    pauli_expvals(psi, word_flip, word_z, word_ny, e)
    shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                 term_op, term_zero, term_off, smats, 0, n_terms, vals, psi, work[dim:])
    _accumulate_terms(term_slot, floats, term_zero, e, vals, de)
    _shift_finish(ints, ch, C, cc, ch_slot, ch_x, cc_m, cc_w, cc_x, e, de, g, out, jac)


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
        while c < n_chunks and acc * n_chunks >= total * c:
            bounds[c] = t + 1
            c += 1
    while c <= n_chunks:
        bounds[c] = n_terms
        c += 1
    return bounds


@njit(cache=True, parallel=True)
def program_value_and_grad_parallel(ints, floats, mats, smats, ch, C, cc, n_chunks):
    """:func:`program_value_and_grad` with the shifted circuits of one gradient shared
    among numba's threads, bit for bit the same result for any ``n_chunks``.

    The terms are cut into ``n_chunks`` runs of about equal work (a few per thread, for
    ``call_dynamic`` to balance); each run walks the circuit from |0..0> to its own first
    op (at most one extra circuit per run) and then as the serial kernel does; the last
    run goes on to the end for the value circuit. The word values of every shifted circuit
    are kept and summed in term order afterwards, as the serial kernel sums them. Memory:
    two states per thread.
    """
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
     term_zero, term_off, ch_slot, ch_x, cc_m, cc_w, cc_x, _, _, _) = unpack_program(ints)
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
    for c in prange(n_chunks):
        psi = np.empty(dim, dtype=np.complex128)
        phi = np.empty(dim, dtype=np.complex128)
        t0 = bounds[c]
        t1 = bounds[c + 1]
        shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                     term_op, zero, term_off, smats, t0, t1, vals, psi, phi)
        if c == n_chunks - 1:
            # psi holds the state before the op of this run's last term (|0..0> if none):
            # the rest of the circuit makes the value circuit's state, same ops, same order
            k = term_op[t1 - 1] if t1 > t0 else 0
            run_ops(psi, n, k, n_ops, op_wires, op_nw, op_kind, op_off, mats)
            pauli_expvals(psi, word_flip, word_z, word_ny, e)
    _accumulate_terms(term_slot, floats, zero, e, vals, de)
    out, jac = _outputs(ints)
    _shift_finish(ints, ch, C, cc, ch_slot, ch_x, cc_m, cc_w, cc_x, e, de, g, out, jac)
    return out, jac


# --- adjoint differentiation (Jones & Gacon 2020) ---------------------------------------
@njit(cache=True)
def apply_pauli_word(state, out, flip, z, ny):
    """``out = P state`` for the Pauli word with masks ``flip``, ``z`` and ``ny`` Y's."""
    r = ny & 3
    phase = 1.0 + 0j if r == 0 else (1j if r == 1 else (-1.0 + 0j if r == 2 else -1j))
    for i in range(state.shape[0]):
        v = state[i] * phase
        if _parity(i & z):
            v = -v
        out[i ^ flip] = v


@njit(cache=True)
def adjoint_mats_into(mats, op_nw, op_kind, op_off, amats):
    """``amats``: the conjugate transposes (inverses) of every op's stored matrix."""
    for k in range(op_nw.shape[0]):
        dim = 1 << op_nw[k]
        off = op_off[k]
        if op_kind[k] == DIAGONAL:
            for r in range(dim):
                amats[off + r] = np.conj(mats[off + r])
        else:
            for r in range(dim):
                for c in range(dim):
                    amats[off + r * dim + c] = np.conj(mats[off + c * dim + r])


@njit(cache=True)
def adjoint_mats(mats, op_nw, op_kind, op_off):
    """The conjugate transposes (inverses) of every op's stored matrix."""
    amats = np.empty_like(mats)
    adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)
    return amats


@njit(cache=True)
def _overlap1(lam, psi, n, w, diag, dmats, off):
    """``Re <lam| D |psi>`` for a one-wire matrix ``D`` (dense, or its diagonal) on wire
    ``w``, without forming ``D |psi>``: the adjoint method's inner product, in one pass."""
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
def _adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                  adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats):
    """The adjoint sweeps of :func:`adjoint_jacobian` into given arrays: ``e``, ``de``
    (zeroed), work states ``psi`` and ``phi``, ``lam`` (zeroed, one row per output) and
    ``amats`` (the size of ``mats``)."""
    n_ops = op_nw.shape[0]
    dim = psi.shape[0]
    _reset(psi)
    run_ops(psi, n, 0, n_ops, op_wires, op_nw, op_kind, op_off, mats)
    n_words = word_flip.shape[0]
    pauli_expvals(psi, word_flip, word_z, word_ny, e)
    n_out = C.shape[0]
    for t in range(n_words):
        apply_pauli_word(psi, phi, word_flip[t], word_z[t], word_ny[t])
        for m in range(n_out):
            c = C[m, t]
            if c != 0.0:
                for i in range(dim):
                    lam[m, i] += c * phi[i]
    a = adj_op.shape[0] - 1
    if a < 0:
        return
    adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)
    for k in range(n_ops - 1, -1, -1):
        apply_row(psi, n, op_wires, k, op_nw[k], op_kind[k], amats, op_off[k])
        while a >= 0 and adj_op[a] == k:
            if op_nw[k] == 1:  # one-wire gates: Re <lam| dU |psi> in one read of both
                for m in range(n_out):
                    de[adj_slot[a], m] += 2.0 * _overlap1(
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
def _adjoint_work(n, n_out, n_mats):
    """One allocation for the adjoint method's complex work memory: ``psi``, ``phi``,
    ``lam`` (zeroed) and ``amats``."""
    dim = 1 << n
    work = np.empty((2 + n_out) * dim + n_mats, dtype=np.complex128)
    lam = work[2 * dim : (2 + n_out) * dim].reshape((n_out, dim))
    lam[:] = 0.0
    return work[:dim], work[dim : 2 * dim], lam, work[(2 + n_out) * dim :]


@njit(cache=True)
def adjoint_jacobian(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                     adj_op, adj_slot, adj_off, dmats, n_slots):
    """Word values and ``de[s, m] = d <O_m> / d theta_s`` by one forward and one backward
    sweep: ``2 Re <lambda| dU_k |psi_(k-1)>``, with ``lambda = U_(k+1)^+ ... O |psi>``.

    Memory: the state, one ``lambda`` per measurement and one work vector. ``dmats`` holds
    each differentiated slot's derivative matrix at ``adj_off``; slots are sorted by op.
    """
    psi, phi, lam, amats = _adjoint_work(n, C.shape[0], mats.shape[0])
    e = np.empty(word_flip.shape[0])
    de = np.zeros((n_slots, C.shape[0]))
    _adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                  adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats)
    return e, de


@njit(cache=True)
def program_value_and_grad_adjoint(ints, floats, mats, dmats, ch, C, cc):
    """:func:`program_value_and_grad_adjoint_into`, into new arrays: ``(out, jac)``."""
    out, jac = _outputs(ints)
    program_value_and_grad_adjoint_into(ints, floats, mats, dmats, ch, C, cc, out, jac)
    return out, jac


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
    psi, phi, lam, amats = _adjoint_work(n, n_out, mats.shape[0])
    fl = np.zeros(n_words + n_slots * n_out)
    e = fl[:n_words]
    de = fl[n_words:].reshape((n_slots, n_out))
    _adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                  adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats)
    _combine_into(C, e, out)
    jac[:] = 0.0
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for m in range(n_out):
            jac[m, j] += ch[k] * de[s, m]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]


# --- batches: many rows (parameter sets) of one circuit, on numba's threads --------------
# The generated module prepares every row (gate matrices and coefficients, stacked in 2-D
# arrays, one row each) and calls these. Each row runs the single-call kernel on row views,
# so it gives the single call's bits. ``parallel`` (decided by the caller from the batch's
# work, see PARALLEL_MIN_WORK) puts rows on threads with prange; numba does not carry an
# exception out of a prange loop (the row is silently left unfinished), so rows are
# flagged when done and any unfinished one runs again serially, where it raises. Launch
# them through ``call_dynamic``.
@njit(cache=True)
def put_row(dst, b, src):
    """``dst[b, :] = src`` (a loop: numba compiles slice copies slowly)."""
    for i in range(src.shape[0]):
        dst[b, i] = src[i]


@njit(cache=True)
def put_row2(dst, b, src):
    """``dst[b, :, :] = src``."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[b, i, j] = src[i, j]


@njit(cache=True, parallel=True)
def batch_value(ints, floats, MATS, C, parallel):
    """``program_value`` of every row: values ``(B, n_outputs)``."""
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    if parallel:
        for b in prange(B):
            put_row(out, b, program_value(ints, floats, MATS[b], C[b]))
            done[b] = True
    for b in range(B):
        if not done[b]:
            put_row(out, b, program_value(ints, floats, MATS[b], C[b]))
    return out


@njit(cache=True, parallel=True)
def batch_value_and_grad(ints, floats, MATS, SMATS, CH, C, CC, parallel):
    """``program_value_and_grad`` of every row: values ``(B, n_outputs)`` and Jacobians
    ``(B, n_outputs, n_inputs)``."""
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    jac = np.empty((B, ints[H_OUTPUTS], ints[H_INPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    if parallel:
        for b in prange(B):
            v, j = program_value_and_grad(ints, floats, MATS[b], SMATS[b], CH[b], C[b], CC[b])
            put_row(out, b, v)
            put_row2(jac, b, j)
            done[b] = True
    for b in range(B):
        if not done[b]:
            v, j = program_value_and_grad(ints, floats, MATS[b], SMATS[b], CH[b], C[b], CC[b])
            put_row(out, b, v)
            put_row2(jac, b, j)
    return out, jac


@njit(cache=True, parallel=True)
def batch_value_and_grad_adjoint(ints, floats, MATS, DMATS, CH, C, CC, parallel):
    """``program_value_and_grad_adjoint`` of every row."""
    B = MATS.shape[0]
    out = np.empty((B, ints[H_OUTPUTS]))
    jac = np.empty((B, ints[H_OUTPUTS], ints[H_INPUTS]))
    done = np.zeros(B, dtype=np.bool_)
    if parallel:
        for b in prange(B):
            v, j = program_value_and_grad_adjoint(ints, floats, MATS[b], DMATS[b], CH[b], C[b],
                                                  CC[b])
            put_row(out, b, v)
            put_row2(jac, b, j)
            done[b] = True
    for b in range(B):
        if not done[b]:
            v, j = program_value_and_grad_adjoint(ints, floats, MATS[b], DMATS[b], CH[b], C[b],
                                                  CC[b])
            put_row(out, b, v)
            put_row2(jac, b, j)
    return out, jac
