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

import numpy as np
from numba import njit

DENSE = 0
DIAGONAL = 1


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
    if kind == DIAGONAL:
        if k == 1:
            apply_diag1(state, n, wires[0], mats, off)
        else:
            apply_diag(state, n, wires, k, mats, off)
    elif k == 1:
        apply_dense1(state, n, wires[0], mats, off)
    elif k == 2:
        apply_dense2(state, n, wires[0], wires[1], mats, off)
    else:
        apply_dense(state, n, wires, k, mats, off)


@njit(cache=True)
def run_ops(state, n, start, stop, op_wires, op_nw, op_kind, op_off, mats):
    """Apply ops ``start .. stop-1`` of the op table to ``state`` in place."""
    for q in range(start, stop):
        apply_op(state, n, op_wires[q], op_nw[q], op_kind[q], mats, op_off[q])


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
        f = word_flip[t]
        z = word_z[t]
        acc = 0j
        for i in range(state.shape[0]):
            term = np.conj(state[i ^ f]) * state[i]
            if _parity(i & z):
                acc -= term
            else:
                acc += term
        ny = word_ny[t] & 3
        # multiply by i**ny and keep the real part
        if ny == 0:
            out[t] = acc.real
        elif ny == 1:
            out[t] = -acc.imag
        elif ny == 2:
            out[t] = -acc.real
        else:
            out[t] = acc.imag


@njit(cache=True)
def zero_state(n):
    state = np.zeros(1 << n, dtype=np.complex128)
    state[0] = 1.0
    return state


@njit(cache=True)
def expvals(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny):
    """Run the whole circuit from |0..0> and measure every word."""
    state = zero_state(n)
    run_ops(state, n, 0, op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    out = np.empty(word_flip.shape[0])
    pauli_expvals(state, word_flip, word_z, word_ny, out)
    return out


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
    n_ops = op_nw.shape[0]
    n_words = word_flip.shape[0]
    psi = zero_state(n)
    final = psi.copy()
    run_ops(final, n, 0, n_ops, op_wires, op_nw, op_kind, op_off, mats)
    e = np.empty(n_words)
    pauli_expvals(final, word_flip, word_z, word_ny, e)
    de = np.zeros((n_slots, n_words))
    tmp = np.empty(n_words)
    phi = np.empty_like(psi)
    t = 0
    n_terms = term_op.shape[0]
    for k in range(n_ops):
        while t < n_terms and term_op[t] == k:
            s = term_slot[t]
            c = term_coeff[t]
            if term_zero[t]:
                for w in range(n_words):
                    de[s, w] += c * e[w]
            else:
                phi[:] = psi
                apply_op(phi, n, op_wires[k], op_nw[k], op_kind[k], smats, term_off[t])
                run_ops(phi, n, k + 1, n_ops, op_wires, op_nw, op_kind, op_off, mats)
                pauli_expvals(phi, word_flip, word_z, word_ny, tmp)
                for w in range(n_words):
                    de[s, w] += c * tmp[w]
            t += 1
        if t >= n_terms:
            break
        apply_op(psi, n, op_wires[k], op_nw[k], op_kind[k], mats, op_off[k])
    return e, de


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
def _combine(C, e):
    out = np.zeros(C.shape[0])
    for m in range(C.shape[0]):
        for t in range(e.shape[0]):
            out[m] += C[m, t] * e[t]
    return out


@njit(cache=True)
def program_value(ints, floats, mats, C):
    """Measured values: ``C @ <words>`` of the circuit with gate matrices ``mats``."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, _, _, _, _,
     _, _, _, _) = unpack_program(ints)
    e = expvals(ints[H_N], op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny)
    return _combine(C, e)


@njit(cache=True)
def program_state(ints, floats, mats):
    """The final state vector of the circuit (wire 0 most significant)."""
    (op_wires, op_nw, op_kind, op_off, _, _, _, _, _, _, _, _, _, _, _, _, _, _,
     _) = unpack_program(ints)
    state = zero_state(ints[H_N])
    run_ops(state, ints[H_N], 0, op_nw.shape[0], op_wires, op_nw, op_kind, op_off, mats)
    return state


@njit(cache=True)
def program_value_and_grad(ints, floats, mats, smats, ch, C, cc):
    """Values and the Jacobian by parameter shift, with the chain rule applied.

    ``smats`` holds the matrices of the shifted gates (one block per term), ``ch`` the
    chain-rule factors, ``C`` the observable coefficients and ``cc`` their derivatives.
    """
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, term_op, term_slot,
     term_zero, term_off, ch_slot, ch_x, cc_m, cc_w, cc_x, _, _, _) = unpack_program(ints)
    e, de = shift_jacobian(ints[H_N], op_wires, op_nw, op_kind, op_off, mats, word_flip,
                           word_z, word_ny, term_op, term_slot, floats, term_zero != 0,
                           term_off, smats, ints[H_SLOTS])
    n_words = e.shape[0]
    n_inputs = ints[H_INPUTS]
    n_out = ints[H_OUTPUTS]
    g = np.zeros((n_inputs, n_words))
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for t in range(n_words):
            g[j, t] += ch[k] * de[s, t]
    jac = np.zeros((n_out, n_inputs))
    for m in range(n_out):
        for j in range(n_inputs):
            acc = 0.0
            for t in range(n_words):
                acc += C[m, t] * g[j, t]
            jac[m, j] = acc
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]
    return _combine(C, e), jac


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
def adjoint_mats(mats, op_nw, op_kind, op_off):
    """The conjugate transposes (inverses) of every op's stored matrix."""
    amats = np.empty_like(mats)
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
    return amats


@njit(cache=True)
def adjoint_jacobian(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny, C,
                     adj_op, adj_slot, adj_off, dmats, n_slots):
    """Word values and ``de[s, m] = d <O_m> / d theta_s`` by one forward and one backward
    sweep: ``2 Re <lambda| dU_k |psi_(k-1)>``, with ``lambda = U_(k+1)^+ ... O |psi>``.

    Memory: the state, one ``lambda`` per measurement and one work vector. ``dmats`` holds
    each differentiated slot's derivative matrix at ``adj_off``; slots are sorted by op.
    """
    n_ops = op_nw.shape[0]
    dim = 1 << n
    psi = zero_state(n)
    run_ops(psi, n, 0, n_ops, op_wires, op_nw, op_kind, op_off, mats)
    n_words = word_flip.shape[0]
    e = np.empty(n_words)
    pauli_expvals(psi, word_flip, word_z, word_ny, e)
    n_out = C.shape[0]
    lam = np.zeros((n_out, dim), dtype=np.complex128)
    phi = np.empty(dim, dtype=np.complex128)
    for t in range(n_words):
        apply_pauli_word(psi, phi, word_flip[t], word_z[t], word_ny[t])
        for m in range(n_out):
            c = C[m, t]
            if c != 0.0:
                for i in range(dim):
                    lam[m, i] += c * phi[i]
    de = np.zeros((n_slots, n_out))
    a = adj_op.shape[0] - 1
    if a < 0:
        return e, de
    amats = adjoint_mats(mats, op_nw, op_kind, op_off)
    for k in range(n_ops - 1, -1, -1):
        apply_op(psi, n, op_wires[k], op_nw[k], op_kind[k], amats, op_off[k])
        while a >= 0 and adj_op[a] == k:
            phi[:] = psi
            apply_op(phi, n, op_wires[k], op_nw[k], op_kind[k], dmats, adj_off[a])
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
            apply_op(lam[m], n, op_wires[k], op_nw[k], op_kind[k], amats, op_off[k])
    return e, de


@njit(cache=True)
def program_value_and_grad_adjoint(ints, floats, mats, dmats, ch, C, cc):
    """Values and the Jacobian by the adjoint method, with the chain rule applied."""
    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _, _, _, _, ch_slot, ch_x,
     cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off) = unpack_program(ints)
    e, de = adjoint_jacobian(ints[H_N], op_wires, op_nw, op_kind, op_off, mats, word_flip,
                             word_z, word_ny, C, adj_op, adj_slot, adj_off, dmats, ints[H_SLOTS])
    n_out = ints[H_OUTPUTS]
    jac = np.zeros((n_out, ints[H_INPUTS]))
    for k in range(ch.shape[0]):
        s = ch_slot[k]
        j = ch_x[k]
        for m in range(n_out):
            jac[m, j] += ch[k] * de[s, m]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]
    return _combine(C, e), jac
