"""NumPy twins of the kernel library's loops over the state: an exported module's first tier.

An exported module (:mod:`qsym._aot`) first runs without numba: its kernels and generated
functions as plain Python (their ``py_func``, calling each other), so that its first
gradient needs no compile; numba compiles the same code in a background process meanwhile
and the module swaps to it. A loop over ``2^n`` amplitudes in plain Python is far too
slow, so the functions here replace, in that plain-Python namespace only, the kernels
whose loops run over the state: each is the same arithmetic as its kernel of the same name
in :mod:`qsym._kernels`, element by element (real and imaginary parts apart, every product
and sum in the kernel's order, no fused multiply-add, reductions summed in index order by
``np.add.accumulate``), vectorized with NumPy. So the first tier gives the compiled
kernels' numbers bit for bit (``tests/test_aot.py`` compares them).

qsym never calls these functions: :mod:`qsym._aot` carries their source into exported
modules, where the names they use without defining them (``_CHUNK``, ``reset_state``,
``run_ops_fused`` ...) are the kernel library's, as plain Python. A kernel changed without its twin here is caught by
that test (the bits differ).
"""

import numpy as np


def _np_seqsum(v):
    """``acc = 0.0; for t in v: acc += t``: a sum in index order, as the kernels' loops."""
    if v.size == 0:
        return 0.0
    return np.add.accumulate(np.concatenate((np.zeros(1), v.ravel())))[-1]


def _np_cmul(ar, ai, br, bi):
    """The complex product as numba (and CPython) forms it: ``(ac - bd, ad + bc)``."""
    return ar * br - ai * bi, ar * bi + ai * br


def _np_parity(v):
    """``_parity`` of every element of an int64 array of non-negative numbers (basis indices
    and masks): ``np.bitwise_count`` from NumPy 2.0 (one pass), else six shifts and xors."""
    count = getattr(np, "bitwise_count", None)
    if count is not None:
        return count(v) & 1
    v = v.copy()
    for s in (32, 16, 8, 4, 2, 1):
        v ^= v >> s
    return v & 1


def _np_pairs(state, b):
    """Views ``(groups, 2, 1 << b)`` of a state: the amplitudes with bit ``b`` 0 and 1."""
    return state.reshape((-1, 2, 1 << b))


def apply_dense1(state, n, w, mats, off):
    b = n - 1 - w
    ar, ai = mats[off].real, mats[off].imag
    br, bi = mats[off + 1].real, mats[off + 1].imag
    cr, ci = mats[off + 2].real, mats[off + 2].imag
    dr, di = mats[off + 3].real, mats[off + 3].imag
    t = _np_pairs(state, b)
    x0, y0 = t[:, 0].real.copy(), t[:, 0].imag.copy()
    x1, y1 = t[:, 1].real.copy(), t[:, 1].imag.copy()
    t[:, 0].real = ar * x0 - ai * y0 + br * x1 - bi * y1
    t[:, 0].imag = ar * y0 + ai * x0 + br * y1 + bi * x1
    t[:, 1].real = cr * x0 - ci * y0 + dr * x1 - di * y1
    t[:, 1].imag = cr * y0 + ci * x0 + dr * y1 + di * x1


def apply_real1(state, n, w, mats, off):
    b = n - 1 - w
    m00, m01 = mats[off].real, mats[off + 1].real
    m10, m11 = mats[off + 2].real, mats[off + 3].real
    t = state.view(np.float64).reshape((-1, 2, 2 << b))
    u = np.ascontiguousarray(t[:, 0])  # contiguous: NumPy's fast loops (short runs are slow)
    v = np.ascontiguousarray(t[:, 1])
    lo = m00 * u
    lo += m01 * v  # the same sum as m00 * u + m01 * v
    hi = m10 * u
    hi += m11 * v
    t[:, 0] = lo
    t[:, 1] = hi


def _np_bit_set(dim, b):
    """Whether bit ``b`` of each basis index ``0 .. dim - 1`` is 1 (made once per size)."""
    return _np_memo(("bit", dim, b),
                    lambda: ((np.arange(dim, dtype=np.int64) >> b) & 1).astype(np.bool_))


def _np_diag_full(dim, b, z0, z1):
    """A one-wire diagonal over the whole basis: ``z0`` where bit ``b`` is 0, ``z1`` where
    it is 1, real and imaginary parts apart. The kernels' per-amplitude products with it
    are then computed over the whole contiguous state at once (the same products of the
    same numbers: the same bits), not over two strided halves (slow for a low bit)."""
    hi = _np_bit_set(dim, b)
    return np.where(hi, z1.real, z0.real), np.where(hi, z1.imag, z0.imag)


def _np_bit_index(dim, b):
    """Bit ``b`` of each basis index ``0 .. dim - 1``, 0 or 1 (an index; made once per size)."""
    return _np_memo(("bit index", dim, b), lambda: (np.arange(dim, dtype=np.int64) >> b) & 1)


def apply_diag1(state, n, w, mats, off):
    """``state[i] *= d``: the diagonal over the basis by one index into its two entries,
    the kernel's products (``_np_cmul``'s) written straight into the state."""
    d = mats[off:off + 2].take(_np_bit_index(state.shape[0], n - 1 - w))
    xr, xi = state.real, state.imag
    rr, ii, ri, ir = xr * d.real, xi * d.imag, xr * d.imag, xi * d.real
    np.subtract(rr, ii, out=xr)
    np.add(ri, ir, out=xi)


def _np_bits_zero(dim, mask):
    """The basis indices whose bits in ``mask`` are 0, increasing."""
    idx = np.arange(dim, dtype=np.int64)
    return idx[(idx & mask) == 0]


def _np_cnot_pairs(dim, cbit, tbit):
    i0 = _np_bits_zero(dim, cbit | tbit) | cbit
    return i0, i0 | tbit


def apply_cnot(state, n, c, t):
    cbit = 1 << (n - 1 - c)
    tbit = 1 << (n - 1 - t)
    dim = state.shape[0]
    i0, i1 = _np_memo(("cnot pair", dim, cbit, tbit), lambda: _np_cnot_pairs(dim, cbit, tbit))
    x = state[i0]
    state[i0] = state[i1]
    state[i1] = x


def apply_dense2(state, n, w0, w1, mats, off):
    s0 = 1 << (n - 1 - w0)
    s1 = 1 << (n - 1 - w1)
    base = _np_bits_zero(state.shape[0], s0 | s1)
    idx = (base, base | s1, base | s0, base | s0 | s1)
    amps = [(state[i].real.copy(), state[i].imag.copy()) for i in idx]
    new = []
    for r in range(4):
        accr = acci = None
        for c in range(4):
            m = mats[off + 4 * r + c]
            pr, pi = _np_cmul(m.real, m.imag, amps[c][0], amps[c][1])
            accr, acci = (pr, pi) if c == 0 else (accr + pr, acci + pi)
        new.append((accr, acci))
    for r in range(4):
        state.real[idx[r]] = new[r][0]
        state.imag[idx[r]] = new[r][1]


def apply_real_pair(state, n, wa, wb, ma, offa, mb, offb):
    """The kernel's two updates are those of ``apply_real1`` on the lower bit, then on the
    higher one (the same products and sums of the same numbers)."""
    if n - 1 - wa < n - 1 - wb:
        wa, wb = wb, wa
        offa, offb = offb, offa
        ma, mb = mb, ma
    apply_real1(state, n, wb, mb, offb)
    apply_real1(state, n, wa, ma, offa)


# The permutations of CNOT runs and the factors of diagonal layers, by their inputs (a
# gradient meets the same few hundreds of times): the same numbers, built once.
_NP_MEMO = {}


def _np_memo(key, make):
    value = _NP_MEMO.get(key)
    if value is None:
        if len(_NP_MEMO) > 4096:
            _NP_MEMO.clear()
        value = _NP_MEMO[key] = make()
    return value


def _np_cnot_gather(n, cnots, dim):
    """The gather index of ``gather_cnot_run``: ``work = state[index]``."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    col = []
    for b in range(n_chunks * _CHUNK):
        x = 1 << b if b < n else 0
        for r in range(cnots.shape[0] - 1, -1, -1):
            if (x >> (n - 1 - int(cnots[r, 0]))) & 1:
                x ^= 1 << (n - 1 - int(cnots[r, 1]))
        col.append(x)
    tables = np.zeros((n_chunks, W), dtype=np.int64)
    for c in range(n_chunks):
        tc = tables[c]
        for lb in range(_CHUNK):
            h = 1 << lb
            tc[h:2 * h] = tc[:h] ^ col[c * _CHUNK + lb]
    B = min(dim, W)
    blocks = np.arange(dim // B, dtype=np.int64)
    vh = np.zeros(blocks.shape[0], dtype=np.int64)
    for c in range(1, n_chunks):
        vh ^= tables[c][(blocks >> ((c - 1) * _CHUNK)) & (W - 1)]
    return (tables[0][:B][None, :] ^ vh[:, None]).ravel()


def gather_cnot_run(state, work, n, cnots):
    dim = state.shape[0]
    key = ("cnot", n, dim, cnots.tobytes(), cnots.shape)
    work[:] = state[_np_memo(key, lambda: _np_cnot_gather(n, cnots, dim))]


def _np_layer_tables(n, wires, dmats, dim):
    """``apply_diag_layer``'s tables (:func:`diag_layer_tables` into new arrays)."""
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    tab = np.empty(n_chunks * (1 << _CHUNK) + 2 * n_chunks * _CHUNK, dtype=np.complex128)
    rr = np.empty(2 * min(dim, 1 << _CHUNK))
    diag_layer_tables(n, wires, wires.shape[0], dmats, tab, 0, rr, 0)
    return tab, rr


def apply_diag_layer(state, n, wires, dmats):
    dim = state.shape[0]
    key = ("layer", n, dim, wires.tobytes(), dmats[:2 * wires.shape[0]].tobytes())
    tab, rr = _np_memo(key, lambda: _np_layer_tables(n, wires, dmats, dim))
    diag_layer_apply(state, n, tab, 0, rr, 0)


def gather_with_tables(state, work, n, tables, t0):
    # (a Python int: NumPy 2 promotes an int64 offset, a tail plan's at[q, 1], plus uint64
    # to float64, which cannot index: IndexError at 9 to 11 wires; stop 65)
    t0 = int(t0)
    dim = state.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    B = min(dim, W)
    blocks = np.arange(dim // B, dtype=np.uint64)
    vh = np.zeros(blocks.shape[0], dtype=np.uint64)
    for c in range(1, n_chunks):
        vh ^= tables[t0 + c * W + ((blocks >> np.uint64((c - 1) * _CHUNK)) & np.uint64(W - 1))]
    work[:] = state[(tables[t0 : t0 + B][None, :] ^ vh[:, None]).ravel().astype(np.int64)]


def diag_layer_tables(n, wires, nd, dmats, tab, c0, rr, r0):
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    nb = n_chunks * _CHUNK
    d = tab[c0 + n_chunks * W : c0 + n_chunks * W + 2 * nb]
    d[:] = 1.0
    for t in range(nd):
        b = n - 1 - wires[t]
        d[2 * b] = dmats[2 * t]
        d[2 * b + 1] = dmats[2 * t + 1]
    for c in range(n_chunks):
        tc = tab[c0 + c * W : c0 + (c + 1) * W]
        tc[0] = 1.0
        for lb in range(_CHUNK):
            h = 1 << lb
            b = c * _CHUNK + lb
            d0 = d[2 * b]
            d1 = d[2 * b + 1]
            if d0 == 1.0 and d1 == 1.0:
                tc[h : 2 * h] = tc[:h]
            else:
                xr, xi = tc[:h].real.copy(), tc[:h].imag.copy()
                tc.real[h : 2 * h], tc.imag[h : 2 * h] = _np_cmul(xr, xi, d1.real, d1.imag)
                tc.real[:h], tc.imag[:h] = _np_cmul(xr, xi, d0.real, d0.imag)
    B = min(1 << n, W)
    rr[r0 : r0 + B] = tab[c0 : c0 + B].real
    rr[r0 + B : r0 + 2 * B] = tab[c0 : c0 + B].imag


def diag_layer_apply(state, n, tab, c0, rr, r0):
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    W = 1 << _CHUNK
    dim = state.shape[0]
    B = min(dim, W)
    n_blocks = dim // B
    fr = np.ones(n_blocks)
    fi = np.zeros(n_blocks)
    blocks = np.arange(n_blocks, dtype=np.int64)
    for c in range(1, n_chunks):
        t = tab[c0 + c * W + ((blocks >> ((c - 1) * _CHUNK)) & (W - 1))]
        fr, fi = _np_cmul(fr, fi, t.real, t.imag)
    re, ri = rr[r0 : r0 + B], rr[r0 + B : r0 + 2 * B]
    v = state.view(np.float64).reshape((n_blocks, B, 2))
    a = v[:, :, 0].copy()
    y = v[:, :, 1].copy()
    u = a * re - y * ri
    w = a * ri + y * re
    fr, fi = fr[:, None], fi[:, None]
    v[:, :, 0] = u * fr - w * fi
    v[:, :, 1] = u * fi + w * fr


def _word_value(state, f, z, ny):
    idx = np.arange(state.shape[0], dtype=np.int64)
    odd = _np_parity(idx & z).astype(bool)
    if f == 0:
        prob = state.real * state.real + state.imag * state.imag
        return _np_seqsum(np.where(odd, -prob, prob))
    a = state[idx ^ f]
    ar, ai = a.real, -a.imag  # np.conj
    tr, ti = _np_cmul(ar, ai, state.real, state.imag)
    accr = _np_seqsum(np.where(odd, -tr, tr))
    acci = _np_seqsum(np.where(odd, -ti, ti))
    ny = ny & 3
    if ny == 0:
        return accr
    elif ny == 1:
        return -acci
    elif ny == 2:
        return -accr
    return acci


def _z_marginals(state):
    dim = state.shape[0]
    nb = 0
    while (1 << nb) < dim:
        nb += 1
    m = np.zeros(max(nb, 1))
    if dim == 1:
        return m
    B = min(dim, _ZBLOCK)
    lb = 0
    while (1 << lb) < B:
        lb += 1
    s = state.view(np.float64)
    for base in range(0, dim, B):
        blk = s[2 * base: 2 * (base + B)].reshape((-1, 4))
        p0 = blk[:, 0] * blk[:, 0] + blk[:, 1] * blk[:, 1]
        p1 = blk[:, 2] * blk[:, 2] + blk[:, 3] * blk[:, 3]
        m[0] += _np_seqsum(p0 - p1)
        q = p0 + p1
        for b in range(1, lb):
            p0 = q[0::2]
            p1 = q[1::2]
            m[b] += _np_seqsum(p0 - p1)
            q = p0 + p1
        total = q[0]
        for b in range(lb, nb):
            m[b] += -total if (base >> b) & 1 else total
    return m


def _add_signed(lam, psi, c, z):
    odd = _np_parity(np.arange(psi.shape[0], dtype=np.int64) & z).astype(bool)
    cs = np.where(odd, -c, c)
    vr, vi = _np_cmul(cs, 0.0, psi.real, psi.imag)  # a float times a complex: (c, 0)
    lam.real += vr
    lam.imag += vi


def add_pauli_word(lam, psi, c, flip, z, ny):
    r = ny & 3
    phase = 1.0 + 0j if r == 0 else (1j if r == 1 else (-1.0 + 0j if r == 2 else -1j))
    if flip == 0:
        _add_signed(lam, psi, c, z)
        return
    cpr, cpi = _np_cmul(c, 0.0, phase.real, phase.imag)
    idx = np.arange(psi.shape[0], dtype=np.int64)
    vr, vi = _np_cmul(cpr, cpi, psi.real, psi.imag)
    odd = _np_parity(idx & z).astype(bool)
    vr = np.where(odd, -vr, vr)
    vi = np.where(odd, -vi, vi)
    dst = idx ^ flip
    lam.real[dst] += vr
    lam.imag[dst] += vi


def adjoint_mats_into(mats, op_nw, op_kind, op_off, amats):
    """The kernel's loop over ops as whole-table index operations (each entry conjugated
    or copied as there: the same numbers). A ``CONTROLLED_X`` op's entries are left out:
    no kernel reads them (its stored matrix is not read), so nothing read differs."""
    keep = op_kind != CONTROLLED_X
    nw, kind, off = op_nw[keep], op_kind[keep], op_off[keep]
    if nw.shape[0] == 0:
        return
    dim = np.left_shift(1, nw.astype(np.int64))
    diag = kind == DIAGONAL
    pauli = kind == PAULI
    pc = kind == PCPHASE
    cnt = np.where(diag, dim, np.where(pauli, 5, np.where(pc, 3, dim * dim)))
    first = np.cumsum(cnt) - cnt
    j = np.arange(first[-1] + cnt[-1]) - np.repeat(first, cnt)  # the entry within its op
    d = np.repeat(dim, cnt)
    src = np.where(np.repeat(diag | pauli | pc, cnt), j, (j % d) * d + j // d)
    base = np.repeat(off.astype(np.int64), cnt)
    v = mats[base + src]
    np.conjugate(v, out=v, where=(j < 2) | ~np.repeat(pauli | pc, cnt))
    amats[base + j] = v


def overlap1(lam, psi, n, w, diag, dmats, off):
    b = n - 1 - w
    if diag:
        d00, d01, d10, d11 = dmats[off], 0j, 0j, dmats[off + 1]
    else:
        d00, d01, d10, d11 = dmats[off], dmats[off + 1], dmats[off + 2], dmats[off + 3]
    p = _np_pairs(psi, b)
    lt = _np_pairs(lam, b)
    p0r, p0i, p1r, p1i = p[:, 0].real, p[:, 0].imag, p[:, 1].real, p[:, 1].imag
    ar, ai = _np_cmul(d00.real, d00.imag, p0r, p0i)
    br, bi = _np_cmul(d01.real, d01.imag, p1r, p1i)
    cr, ci = _np_cmul(d10.real, d10.imag, p0r, p0i)
    er, ei = _np_cmul(d11.real, d11.imag, p1r, p1i)
    xr, _ = _np_cmul(lt[:, 0].real, -lt[:, 0].imag, ar + br, ai + bi)
    yr, _ = _np_cmul(lt[:, 1].real, -lt[:, 1].imag, cr + er, ci + ei)
    return _np_seqsum(xr + yr)


def _step1_real(psi, lam, n, w, amats, aoff, dmats, doff):
    b = n - 1 - w
    a00, a01, a10, a11 = (amats[aoff + i].real for i in range(4))
    d00, d01, d10, d11 = (dmats[doff + i].real for i in range(4))
    pt = psi.view(np.float64).reshape((-1, 2, 2 << b))
    lt = lam.view(np.float64).reshape((-1, 2, 2 << b))
    u, v = pt[:, 0].copy(), pt[:, 1].copy()
    nu = a00 * u + a01 * v
    nv = a10 * u + a11 * v
    pt[:, 0] = nu
    pt[:, 1] = nv
    e, f = lt[:, 0].copy(), lt[:, 1].copy()
    acc = _np_seqsum(e * (d00 * nu + d01 * nv) + f * (d10 * nu + d11 * nv))
    lt[:, 0] = a00 * e + a01 * f
    lt[:, 1] = a10 * e + a11 * f
    return acc


def adjoint_step1_diag(psi, lam, n, w, amats, aoff, dmats, doff):
    dim, b = psi.shape[0], n - 1 - w
    ar, ai = _np_diag_full(dim, b, amats[aoff], amats[aoff + 1])
    dr, di = _np_diag_full(dim, b, dmats[doff], dmats[doff + 1])
    pr, pi = _np_cmul(ar, ai, psi.real, psi.imag)
    psi.real, psi.imag = pr, pi
    qr, qi = _np_cmul(dr, di, pr, pi)
    lr, li = lam.real.copy(), lam.imag.copy()
    acc = _np_seqsum(lr * qr + li * qi)  # (index order: the kernel's sum)
    lam.real, lam.imag = _np_cmul(ar, ai, lr, li)
    return acc


def adjoint_step1_dense(psi, lam, n, w, amats, aoff, dmats, doff):
    b = n - 1 - w
    a00, a01, a10, a11 = (amats[aoff + i] for i in range(4))
    d00, d01, d10, d11 = (dmats[doff + i] for i in range(4))
    p = _np_pairs(psi, b)
    lt = _np_pairs(lam, b)

    def mix(m0, m1, xr, xi, yr, yi):  # m0 * x + m1 * y
        ar, ai = _np_cmul(m0.real, m0.imag, xr, xi)
        br, bi = _np_cmul(m1.real, m1.imag, yr, yi)
        return ar + br, ai + bi

    ur, ui = p[:, 0].real.copy(), p[:, 0].imag.copy()
    vr, vi = p[:, 1].real.copy(), p[:, 1].imag.copy()
    nur, nui = mix(a00, a01, ur, ui, vr, vi)
    nvr, nvi = mix(a10, a11, ur, ui, vr, vi)
    p[:, 0].real, p[:, 0].imag = nur, nui
    p[:, 1].real, p[:, 1].imag = nvr, nvi
    er, ei = lt[:, 0].real.copy(), lt[:, 0].imag.copy()
    fr, fi = lt[:, 1].real.copy(), lt[:, 1].imag.copy()
    q0r, q0i = mix(d00, d01, nur, nui, nvr, nvi)
    q1r, q1i = mix(d10, d11, nur, nui, nvr, nvi)
    acc = _np_seqsum(er * q0r + ei * q0i + fr * q1r + fi * q1i)
    lt[:, 0].real, lt[:, 0].imag = mix(a00, a01, er, ei, fr, fi)
    lt[:, 1].real, lt[:, 1].imag = mix(a10, a11, er, ei, fr, fi)
    return acc


def combine_states(x, y, ar, ai, br, bi, out):
    """``combine_states``: ``out = a x + b y``, real arithmetic in the kernel's order."""
    xr, xi = x.real, x.imag
    yr, yi = y.real, y.imag
    re = (ar * xr - ai * xi) + (br * yr - bi * yi)
    im = (ar * xi + ai * xr) + (br * yi + bi * yr)
    out.real = re
    out.imag = im


def shift_values(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                 term_op, term_zero, term_off, smats, t0, t1, vals, psi, phi, fin):
    """The kernel's ``shift_values`` with its state copies vectorized (the same calls)."""
    reset_state(psi)
    if t0 >= t1:
        return
    fuse = n >= FUSE_MIN_WIRES
    work = np.empty(psi.shape[0], dtype=np.complex128) if fuse else phi[:0]
    n_ops = op_nw.shape[0]
    linear = fuse and fin.shape[0] == psi.shape[0] and any_linear_pair(
        term_op, term_zero, term_off, op_nw, op_kind, op_off, mats, smats)
    drop = (droppable_diagonals(n, op_wires, op_nw, op_kind, op_off, mats, word_flip)
            if fuse and not linear else np.zeros(0, dtype=np.bool_))
    at, steps, ctab, rtab, gtab = tail_plan(n, op_wires, op_nw, op_kind, op_off, mats, drop)
    k0 = term_op[t0]
    run_ops(psi, n, 0, k0, op_wires, op_nw, op_kind, op_off, mats)
    t = t0
    for k in range(k0, n_ops):
        nw = op_nw[k]
        lead = -1
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
                elif fuse:
                    phi[:] = psi
                    keep = _dropped(k, drop)
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
                        spare = work if out is phi else phi
                    else:
                        lead = -1
                else:
                    phi[:] = psi
                    apply_row(phi, n, op_wires, k, nw, op_kind[k], smats, term_off[t])
                    for r in range(k + 1, n_ops):
                        apply_row(phi, n, op_wires, r, op_nw[r], op_kind[r], mats, op_off[r])
                    pauli_expvals_row(phi, word_flip, word_z, word_ny, vals, t)
            t += 1
        if t >= t1:
            break
        apply_row(psi, n, op_wires, k, nw, op_kind[k], mats, op_off[k])


def choice_into(p, u, out):
    """``choice_into``: the running sum (``np.add.accumulate``, in index order), each entry
    divided by the last, then for each ``u[j]`` the number of entries ``<= u[j]``
    (``searchsorted`` "right" on the nondecreasing cdf: the kernel's count, or its binary
    search beyond ``CHOICE_COUNT_MAX`` outcomes; ``cdf[-1]`` is 1.0 and every ``u < 1``)."""
    cdf = np.add.accumulate(p)
    cdf = cdf / cdf[-1]
    out[:] = np.searchsorted(cdf, u, side="right")


def odd_parity_count(samples, mask):
    """``odd_parity_count``: the parities of ``samples & mask``, counted (an exact int sum)."""
    return int(_np_parity(samples & mask).sum())


# --- qsym's own first tier on large states: the adjoint steps, faster, not bit for bit ---
# (issue #17) The twins above give the kernels' bits, so they spell out every real product
# and sum in the kernel's order and sum in index order: about 25 NumPy passes per adjoint
# step, 70-120 us of a 12-wire state's step. qsym's in-process tier 0 (not an exported
# module: qsym._aot's exports carry only the twins above) runs the three adjoint steps
# below instead from FAST_STEPS_MIN_WIRES wires (qsym._tiers._kernel_twins puts them in
# place of their namesakes): the same step as whole-state NumPy operations (complex
# products, a 2x2 matrix as one matrix product, the overlap as one einsum dot product), 6-8
# passes. Their arithmetic is not the kernel's (fused multiply-adds, BLAS's and einsum's
# summation orders), so the gradient differs from the compiled kernel's in the last bits
# (docs/design.md, "The adjoint steps on large states"); the forward pass, and so the
# value, is the twins' above, bit for bit. Up to FAST_STEPS_MAX_WIRES wires only: there
# every matrix product is below OpenBLAS's size for threads (M N K <= 2^18; its threads
# wait for a core on a shared machine: a 16384-entry np.dot took 26 ms, not 3 us, at load
# 10), and the dot products are einsum's (no BLAS at all).
FAST_STEPS_MIN_WIRES = 10
FAST_STEPS_MAX_WIRES = 13


def _np_fast(n):
    return FAST_STEPS_MIN_WIRES <= n <= FAST_STEPS_MAX_WIRES


def _np_dot(x, y):
    """``sum(x * y)`` of two float64 arrays (einsum: no BLAS, so no threads)."""
    return np.einsum("i,i->", x, y)


def _np_fast_1q(x, m, b, width):
    """A 2x2 matrix ``m`` (real on a complex state's float64 view, ``width`` 2; complex on
    the state itself, ``width`` 1) applied on bit ``b`` of the flat ``x``: a new array. A
    low bit (runs of at most 8 entries) as one matrix product of ``x`` by ``kron(m, I)``
    transposed, a higher one as ``m`` times the ``(groups, 2, run)`` view."""
    run = width << b
    groups = x.shape[0] // (2 * run)
    if run <= 8:
        eye = _np_memo(("eye", run), lambda: np.eye(run))
        k = (m.T[:, None, :, None] * eye[None, :, None, :]).reshape(2 * run, 2 * run)
        return (x.reshape(groups, 2 * run) @ k).reshape(-1)
    return np.matmul(m, x.reshape(groups, 2, run)).reshape(-1)


def fast_step1_real(psi, lam, n, w, amats, aoff, dmats, doff):
    """``_step1_real``: ``psi <- A psi``, ``Re <lam| D |psi>`` returned, ``lam <- A lam``
    (``A``, ``D`` real)."""
    if not _np_fast(n):
        return exact_step1_real(psi, lam, n, w, amats, aoff, dmats, doff)
    b = n - 1 - w
    a = amats[aoff:aoff + 4].real.reshape((2, 2))
    x, y = psi.view(np.float64), lam.view(np.float64)
    x[:] = _np_fast_1q(x, a, b, 2)
    acc = _np_dot(y, _np_fast_1q(x, dmats[doff:doff + 4].real.reshape((2, 2)), b, 2))
    y[:] = _np_fast_1q(y, a, b, 2)
    return acc


def fast_adjoint_step1_diag(psi, lam, n, w, amats, aoff, dmats, doff):
    """``adjoint_step1_diag`` (``A``, ``D`` diagonal)."""
    if not _np_fast(n):
        return exact_adjoint_step1_diag(psi, lam, n, w, amats, aoff, dmats, doff)
    bit = _np_bit_index(psi.shape[0], n - 1 - w)
    a = amats[aoff:aoff + 2].take(bit)
    psi *= a
    acc = _np_dot(lam.view(np.float64), (dmats[doff:doff + 2].take(bit) * psi).view(np.float64))
    lam *= a
    return acc


def fast_adjoint_step1_dense(psi, lam, n, w, amats, aoff, dmats, doff):
    """``adjoint_step1_dense`` (``A``, ``D`` complex 2x2)."""
    if not _np_fast(n):
        return exact_adjoint_step1_dense(psi, lam, n, w, amats, aoff, dmats, doff)
    b = n - 1 - w
    a = amats[aoff:aoff + 4].reshape((2, 2))
    psi[:] = _np_fast_1q(psi, a, b, 1)
    q = _np_fast_1q(psi, dmats[doff:doff + 4].reshape((2, 2)), b, 1)
    acc = _np_dot(lam.view(np.float64), q.view(np.float64))
    lam[:] = _np_fast_1q(lam, a, b, 1)
    return acc


# The whole sweep (issue #17, twenty-second round): from FAST_STEPS_MIN_WIRES to
# FAST_STEPS_MAX_WIRES wires the python tier's ``_adjoint_into`` (the sweeps of
# program_value_and_grad_adjoint) is fast_adjoint_into, three changes of mechanism:
# - psi is never swept backward: the forward pass keeps the state before each block
#   (below) with a differentiated op, and before each other differentiated op, and the
#   overlaps are taken on it, so the backward pass un-applies each op to lam only;
# - a block (consecutive one-wire ops: an HEA layer's RY and RZ on every wire) is one step
#   of lam and one set of overlaps. Ops on different wires commute, so the block is
#   U = (x)_w U_w (U_w its wire's ops in order): lam <- U^+ lam is one 16x16 matrix (the
#   Kronecker product of four wires' U_w^+) per group of 4 index bits, one BLAS product
#   each; and op j's overlap, Re <lam_j| D_j |psi_(j-1)>, is Re <lam_s| N_j |psi_s> with
#   lam_s = U^+ lam (the block un-applied), psi_s the kept state before the block and
#   N_j = P_j^+ D_j B_j, B_j the product of the block's earlier ops on j's wire and
#   P_j = U_j B_j (the other wires' ops cancel, U^+ U = 1: the unitarity the kernel's own
#   sweep assumes when it un-applies psi by U^+). That is Re sum_rc N_rc K_rc, K the 2x2
#   partial trace of |psi_s><lam_s| on j's wire, read off the 16x16 partial trace of its
#   group (one BLAS product per group): no pass over the states per op;
# - a run of CNOTs is one permutation of the amplitudes, forward and backward (one gather
#   by a memoized index instead of one swap pass per CNOT; moves, no arithmetic).
# The forward pass is otherwise the exact twins' (run_ops' ops one by one), so the value
# keeps the kernels' bits; the gradient moves in its last bits, as the fast steps' did. At
# most FAST_ADJOINT_STORE_BYTES of kept states, else the kernel's own sweep (with the fast
# steps above).
FAST_ADJOINT_STORE_BYTES = 64 << 20


def _np_is_cnot(op_nw, op_kind, k):
    return op_kind[k] == CONTROLLED_X and op_nw[k] == 2


def _np_cnot_run(n, dim, op_wires, k0, k1, reverse):
    """The gather index (``state[index]``) of the CNOTs ``k0 .. k1 - 1`` of the op table, in
    order or (``reverse``) in reverse order (their inverse: each CNOT is its own)."""
    cnots = np.ascontiguousarray(op_wires[k0:k1, :2], dtype=np.int64)
    if reverse:
        cnots = np.ascontiguousarray(cnots[::-1])
    key = ("cnot", n, dim, cnots.tobytes(), cnots.shape)
    return _np_memo(key, lambda: _np_cnot_gather(n, cnots, dim))


def _np_real_dot(lam, q):
    """``Re <lam|q>``: the dot product of the float64 views of ``lam`` and ``q``, by
    ``np.dot`` below OpenBLAS's size for threads (16384 entries), else einsum."""
    x, y = lam.view(np.float64), q.view(np.float64)
    if x.shape[0] < 16384:
        return np.dot(x, y)
    return np.einsum("i,i->", x, y)


def _np_m2_table(kind, m, off):
    """The 2x2 matrices of one-wire ops' entries ``m[off[i]:]``, read as the kernels read
    each op's ``kind`` (its diagonal, its real part, or the matrix; other kinds' rows are
    never read): an ``(N, 2, 2)`` array."""
    if off.shape[0] == 0:
        return np.zeros((0, 2, 2), dtype=np.complex128)
    diag = kind == DIAGONAL
    cols = np.minimum(np.arange(4), np.where(diag, 1, 3)[:, None])
    t = m.take(np.minimum(off[:, None] + cols, m.shape[0] - 1))
    t[diag, 1:3] = 0.0
    t[kind == REAL] = t[kind == REAL].real
    return t.reshape(-1, 2, 2)


# index bits per group: an operator on a group's wires is a 16x16 matrix, one BLAS call on
# the state (M N K at most 2^17 up to 13 wires: below OpenBLAS's size for threads)
_NP_GROUP_BITS = 4


def _np_group_shape(n, lo, g):
    """The state as ``(H, M, L)``: the index bits above the group, its ``g`` bits from bit
    ``lo``, those below."""
    return (1 << (n - lo - g), 1 << g, 1 << lo)


def _np_group_apply(x, n, lo, g, op):
    """``x <- op x``, ``op`` a ``2^g x 2^g`` matrix on index bits ``lo .. lo + g - 1``."""
    h, m, l = _np_group_shape(n, lo, g)
    if l == 1:
        x[:] = (x.reshape(h, m) @ op.T).reshape(-1)
    elif h == 1:
        x[:] = (op @ x.reshape(m, l)).reshape(-1)
    else:
        x[:] = np.matmul(op, x.reshape(h, m, l)).reshape(-1)


def _np_group_rho(lam, psi, n, lo, g):
    """``rho[a, c] = sum conj(lam_i) psi_i'`` over the index pairs whose group bits are
    ``a`` and ``c`` and whose other bits are equal (``|psi><lam|`` traced over the other
    bits), one BLAS product."""
    h, m, l = _np_group_shape(n, lo, g)
    if l == 1:
        return lam.reshape(h, m).conj().T @ psi.reshape(h, m)
    if h == 1:
        return lam.reshape(m, l).conj() @ psi.reshape(m, l).T
    lt = lam.reshape(h, m, l).transpose(1, 0, 2).reshape(m, h * l)
    pt = psi.reshape(h, m, l).transpose(1, 0, 2).reshape(m, h * l)
    return lt.conj() @ pt.T


def _np_trace_index(g):
    """Indices into a flat ``2^g x 2^g`` matrix: ``[p, r, c]`` the entries whose bit ``p``
    is ``r`` (row) and ``c`` (column), the other bits equal (made once per ``g``)."""
    def make():
        m = 1 << g
        x = np.arange(m, dtype=np.int64)
        out = np.empty((g, 2, 2, m >> 1), dtype=np.int64)
        for p in range(g):
            rest = x[(x >> p) & 1 == 0]
            for r in range(2):
                for c in range(2):
                    out[p, r, c] = (rest | (r << p)) * m + (rest | (c << p))
        return out
    return _np_memo(("trace index", g), make)


def _np_kron_group(mats, ws):
    """The Kronecker product of the 2x2 matrices ``mats[w]`` (identity where ``None``) of
    the wires ``ws`` in order (the first one the highest index bit)."""
    op = np.ones((1, 1), dtype=np.complex128)
    for w in ws:
        m2 = mats[w]
        if m2 is None:
            m2 = _NP_EYE2
        op = (op[:, None, :, None] * m2[None, :, None, :]).reshape(
            2 * op.shape[0], 2 * op.shape[1])
    return op


_NP_EYE2 = np.eye(2, dtype=np.complex128)


def _np_block(n, s, k, op_wires, u, d, adj_op, adj_slot, a, de, lam, ps):
    """Block ``s .. k`` of one-wire ops (``u[j]`` op j's matrix, ``d[x]`` slot x's
    derivative, ``(., 2, 2)`` arrays) backward: ``lam`` (its rows) un-applied by groups
    of wires; the overlaps of its differentiated ops ``adj_op[.. a]`` (those in the
    block, if ``ps``, the state before the block, is given) added to ``de``. Returns the
    next slot below the block. With ``B_j`` the product of the block's earlier ops on op
    j's wire and ``P_j = U_j B_j``: ``lam``'s step on wire ``w`` is ``P_last^+`` and op j's
    overlap matrix ``N = P_j^+ D B_j`` (the block's header above)."""
    wires = op_wires[s:k + 1, 0].tolist()
    ub = u[s:k + 1]
    last, prev, rank = {}, [], []
    for i, w in enumerate(wires):  # each op's previous op on its wire, and its rank there
        j = last.get(w, -1)
        prev.append(j)
        rank.append(0 if j < 0 else rank[j] + 1)
        last[w] = i
    before = np.empty_like(ub)
    before[:] = _NP_EYE2
    prev, rank = np.array(prev), np.array(rank)
    for r in range(1, int(rank.max()) + 1):
        i = np.flatnonzero(rank == r)
        before[i] = ub[prev[i]] @ before[prev[i]]
    pb = ub @ before  # P_j
    step = {w: pb[i].conj().T for w, i in last.items()}  # U_w^+
    n_out = lam.shape[0]
    groups = [(lo, min(_NP_GROUP_BITS, n - lo)) for lo in range(0, n, _NP_GROUP_BITS)]
    mats = [step.get(w) for w in range(n)]
    for lo, g in groups:
        ws = range(n - lo - g, n - lo)  # the group's wires, in order
        if any(mats[w] is not None for w in ws):
            op = _np_kron_group(mats, ws)
            for m in range(n_out):
                _np_group_apply(lam[m], n, lo, g, op)
    if ps is None:
        return a
    lo_a = a
    while lo_a > 0 and adj_op[lo_a - 1] >= s:
        lo_a -= 1
    pos = adj_op[lo_a:a + 1] - s  # the slots' ops, by position in the block
    slot_wires = op_wires[adj_op[lo_a:a + 1], 0]
    nmat = pb[pos].conj().transpose(0, 2, 1) @ d[lo_a:a + 1] @ before[pos]
    need = set(slot_wires.tolist())
    for m in range(n_out):
        kw = np.zeros((n, 2, 2), dtype=np.complex128)  # each wire's K
        for lo, g in groups:
            ws = [w for w in range(n - lo - g, n - lo) if w in need]
            if ws:
                kb = _np_group_rho(lam[m], ps, n, lo, g).take(_np_trace_index(g)).sum(axis=-1)
                kw[ws] = kb[[n - 1 - w - lo for w in ws]]
        ov = (nmat * kw[slot_wires]).sum(axis=(1, 2)).real
        np.add.at(de[:, m], adj_slot[lo_a:a + 1], 2.0 * ov)
    return lo_a - 1


def _np_forward_keeping(n, op_wires, op_nw, op_kind, op_off, mats, psi, keep, kept, where):
    """``run_ops`` over the whole table from ``|0..0>`` (the same twins, so the same bits;
    a CNOT run as one permutation: the same numbers moved), the state before each op
    ``k`` with ``keep[k]`` copied into ``kept[where[k]]``."""
    n_ops, dim = op_nw.shape[0], psi.shape[0]
    reset_state(psi)
    kinds, nws, offs = op_kind.tolist(), op_nw.tolist(), op_off.tolist()
    w0s, keeps = op_wires[:, 0].tolist(), keep.tolist()
    cnot = ((op_kind == CONTROLLED_X) & (op_nw == 2)).tolist()
    k = 0
    while k < n_ops:
        if keeps[k]:
            kept[where[k]] = psi
        kind = kinds[k]
        if cnot[k]:
            r = k + 1
            while r < n_ops and cnot[r] and not keeps[r]:
                r += 1
            if r - k > 1:
                psi[:] = psi[_np_cnot_run(n, dim, op_wires, k, r, False)]
                k = r
                continue
        # apply_row's dispatch, its one-wire cases called directly (the same twins)
        if nws[k] == 1 and kind == REAL:
            apply_real1(psi, n, w0s[k], mats, offs[k])
        elif nws[k] == 1 and kind == DIAGONAL:
            apply_diag1(psi, n, w0s[k], mats, offs[k])
        elif nws[k] == 1 and kind == DENSE:
            apply_dense1(psi, n, w0s[k], mats, offs[k])
        else:
            apply_row(psi, n, op_wires, k, op_nw[k], op_kind[k], mats, op_off[k])
        k += 1


def _np_lam_start(psi, lam, C, word_flip, word_z, word_ny):
    """``lam[m] = O_m psi`` (``lam`` zeroed): the kernel's start, its diagonal words (flip
    0) summed into one real factor per amplitude (a one-Z word as two strided additions),
    the others word by word as there; the probabilities' rows the outcome's projector
    times ``psi``."""
    dim = psi.shape[0]
    n_words, n_lin, n_out = word_flip.shape[0], C.shape[0], lam.shape[0]
    diag_words = [t for t in range(n_words) if word_flip[t] == 0]
    for m in range(n_lin):
        f = None
        for t in diag_words:
            c = C[m, t]
            if c == 0.0:
                continue
            f = np.zeros(dim) if f is None else f
            z = int(word_z[t])
            if z & (z - 1) == 0 and z:  # one Z: +c where its bit is 0, -c where 1
                f3 = f.reshape((-1, 2, z))
                f3[:, 0] += c
                f3[:, 1] -= c
            else:
                f += c * (1.0 - 2.0 * _np_parity(np.arange(dim, dtype=np.int64) & z))
        if f is not None:
            lam[m] += f * psi
        for t in range(n_words):
            c = C[m, t]
            if c != 0.0 and word_flip[t] != 0:
                add_pauli_word(lam[m], psi, c, word_flip[t], word_z[t], word_ny[t])
    o = n_words - (n_out - n_lin)  # (the probabilities: the last outputs, the last words)
    if n_out > n_lin:
        idx = np.arange(dim, dtype=np.int64)
        for m in range(n_lin, n_out):
            z = word_z[o + m - n_lin]
            sel = (idx & z) == _deposit(word_ny[o + m - n_lin], z)
            lam[m][sel] = psi[sel]


def _np_block_tables(one, op_kind, op_off, mats, adj_op, adj_off, dmats):
    """The blocks' ops' matrices ``u[k]`` and their slots' derivatives ``d[a]``
    (:func:`_np_m2_table`; identity outside blocks: never read)."""
    u = np.zeros((one.shape[0], 2, 2), dtype=np.complex128)
    u[one] = _np_m2_table(op_kind[one], mats, op_off[one])
    in_block = one[adj_op]
    d = np.zeros((adj_op.shape[0], 2, 2), dtype=np.complex128)
    d[in_block] = _np_m2_table(op_kind[adj_op[in_block]], dmats, adj_off[in_block])
    return u, d


def fast_adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip, word_z, word_ny,
                      C, adj_op, adj_slot, adj_off, dmats, e, de, psi, phi, lam, amats):
    """The kernel's ``_adjoint_into`` (its arguments and results; ``psi`` ends as the
    circuit's final state, not swept back): the forward pass keeping the states the
    overlaps need, the backward pass on ``lam`` only, blocks of one-wire ops' overlaps on
    the states at their ends, CNOT runs as one permutation."""
    n_ops, dim, n_adj = op_nw.shape[0], psi.shape[0], adj_op.shape[0]
    has = np.zeros(n_ops, dtype=np.bool_)
    has[adj_op] = True
    one = (op_nw == 1) & ((op_kind == DENSE) | (op_kind == DIAGONAL) | (op_kind == REAL))
    block = np.arange(n_ops, dtype=np.int64)  # the first op of op k's block (else k)
    for k in range(1, n_ops):
        if one[k] and one[k - 1]:
            block[k] = block[k - 1]
    keep = has & ~one
    keep[block[has & one]] = True  # (the state before each block with a slot)
    n_keep = int(np.count_nonzero(keep))
    if not _np_fast(n) or n_adj == 0 or n_keep * dim * 16 > FAST_ADJOINT_STORE_BYTES:
        return exact_adjoint_into(n, op_wires, op_nw, op_kind, op_off, mats, word_flip,
                                  word_z, word_ny, C, adj_op, adj_slot, adj_off, dmats, e, de,
                                  psi, phi, lam, amats)
    kept = np.empty((n_keep, dim), dtype=np.complex128)
    where = np.cumsum(keep) - 1  # the state kept before op k (keep[k]): kept[where[k]]
    _np_forward_keeping(n, op_wires, op_nw, op_kind, op_off, mats, psi, keep, kept, where)
    pauli_expvals(psi, word_flip, word_z, word_ny, e)
    _np_lam_start(psi, lam, C, word_flip, word_z, word_ny)
    adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)
    u, d = _np_block_tables(one, op_kind, op_off, mats, adj_op, adj_off, dmats)
    n_out = lam.shape[0]
    a, k = n_adj - 1, n_ops - 1
    while k >= 0 and a >= 0:
        if one[k]:  # the block s .. k: lam un-applied, then its overlaps
            s = block[k]
            a = _np_block(n, s, k, op_wires, u, d, adj_op, adj_slot, a, de, lam,
                          kept[where[s]] if adj_op[a] >= s else None)
            k = s - 1
            continue
        while a >= 0 and adj_op[a] == k:  # the overlaps, on the state before op k
            phi[:] = kept[where[k]]
            apply_row(phi, n, op_wires, k, op_nw[k], op_kind[k], dmats, adj_off[a])
            for m in range(n_out):
                de[adj_slot[a], m] += 2.0 * _np_real_dot(lam[m], phi)
            a -= 1
        if a < 0:
            break
        s = k
        while s > 0 and _np_is_cnot(op_nw, op_kind, s) and _np_is_cnot(op_nw, op_kind, s - 1):
            s -= 1
        if k > s:  # CNOTs s .. k un-applied: the run in reverse, one permutation
            index = _np_cnot_run(n, dim, op_wires, s, k + 1, True)
            for m in range(n_out):
                lam[m] = lam[m][index]
        else:
            for m in range(n_out):
                apply_row(lam[m], n, op_wires, k, op_nw[k], op_kind[k], amats, op_off[k])
        k = s - 1


# qsym's tier 0: kernel name -> (its fast step, the name its exact twin is given)
FAST_STEPS = {"_step1_real": ("fast_step1_real", "exact_step1_real"),
              "adjoint_step1_diag": ("fast_adjoint_step1_diag", "exact_adjoint_step1_diag"),
              "adjoint_step1_dense": ("fast_adjoint_step1_dense", "exact_adjoint_step1_dense"),
              "_adjoint_into": ("fast_adjoint_into", "exact_adjoint_into")}
