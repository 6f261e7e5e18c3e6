"""The adjoint method's blocked passes for large states (qsym._kernels, from
BLOCK_MIN_WIRES wires: low-wire ops in cache-sized chunks, high-wire ops on gathered
buffers, CNOT runs as one permutation) against dense NumPy references on random circuits
(every kind of op, several outputs, probabilities), small states split as large ones are
(fewer bits per chunk), and the parallel form bit for bit against the serial one."""

import numba
import numpy as np
import pytest

from qsym import _kernels as kernels

from test_kernels import full_operator, random_state, random_unitary

DENSE, REAL, DIAGONAL, CX = kernels.DENSE, kernels.REAL, kernels.DIAGONAL, kernels.CONTROLLED_X
# the fewest wires with high wires at the shipped chunk size (two high index bits)
SPLIT_WIRES = kernels._BLOCK_BITS + 2


def _random_ops(rng, n, count):
    """``(kind, wires, matrix, derivative or None)``: one-wire ops of every kind, two-wire
    dense and diagonal ops, CNOT runs (chains, as in a hardware-efficient ansatz) and
    Toffolis; derivative matrices are random (the kernel takes any matrix ``D`` in
    ``2 Re <lambda| D |psi>``)."""
    ops = []
    while len(ops) < count:
        r = rng.random()
        if r < 0.12:  # a CNOT chain
            start = rng.integers(n - 1)
            for i in range(start, min(n - 1, start + rng.integers(2, n))):
                ops.append((CX, [i, i + 1], None, None))
        elif r < 0.17 and n >= 3:
            ops.append((CX, list(rng.permutation(n)[:3]), None, None))
        elif r < 0.22:
            ops.append((CX, list(rng.permutation(n)[:2]), None, None))
        elif r < 0.35:
            w = list(rng.permutation(n)[:2])
            if rng.random() < 0.5:
                m = random_unitary(rng, 4).ravel()
                d = rng.normal(size=16) + 1j * rng.normal(size=16)
                ops.append((DENSE, w, m, d if rng.random() < 0.8 else None))
            else:
                m = np.exp(1j * rng.uniform(0, 6, 4))
                ops.append((DIAGONAL, w, m, 1j * m * rng.normal(size=4)))
        else:
            w = [int(rng.integers(n))]
            kind = [DENSE, REAL, DIAGONAL][rng.integers(3)]
            if kind == DENSE:
                m = random_unitary(rng, 2).ravel()
                d = rng.normal(size=4) + 1j * rng.normal(size=4)
            elif kind == REAL:
                m = np.linalg.qr(rng.normal(size=(2, 2)))[0].ravel().astype(complex)
                d = rng.normal(size=4).astype(complex)
            else:
                m = np.exp(1j * rng.uniform(0, 6, 2))
                d = 1j * m * rng.normal(size=2)
            # some ops with two differentiated slots (Rot-like), some constant
            ds = [d] if rng.random() < 0.8 else ([] if rng.random() < 0.5 else [d, d * 0.3j])
            ops.append((kind, w, m, ds))
            continue
        if ops[-1][3] is not None and not isinstance(ops[-1][3], list):
            ops[-1] = ops[-1][:3] + ([ops[-1][3]],)
    return ops[:count]


def _tables(n, ops):
    maxw = 3
    op_wires = np.zeros((len(ops), maxw), dtype=np.int64)
    op_nw, op_kind, op_off, adj_op, adj_off, mats, dmats = [], [], [], [], [], [], []
    for k, (kind, wires, m, ds) in enumerate(ops):
        op_wires[k, : len(wires)] = wires
        op_nw.append(len(wires))
        op_kind.append(kind)
        op_off.append(len(mats))
        mats.extend(np.zeros(4 ** len(wires)) if m is None else m)
        for d in ds or []:
            adj_op.append(k)
            adj_off.append(len(dmats))
            dmats.extend(d)
    arr = lambda a: np.array(a, dtype=np.int64)  # noqa: E731
    return (op_wires, arr(op_nw), arr(op_kind), arr(op_off), np.array(mats, dtype=complex),
            arr(adj_op), arr(adj_off), np.array(dmats + [0j], dtype=complex))


def _full(n, kind, wires, m):
    k = len(wires)
    if kind == CX:
        mat = np.eye(2**k)
        mat[-2:, -2:] = [[0, 1], [1, 0]]
    elif kind == DIAGONAL:
        mat = np.diag(m)
    else:
        mat = np.asarray(m).reshape(2**k, 2**k)
    return full_operator(n, mat, list(wires))


def _words(n, rng):
    """Single-Z words on every wire, a ZZ word, an XY word; and a probability on two
    wires (its four outcomes: the last words, the last outputs)."""
    flip = [0] * n + [0, (1 << (n - 1)) | 1]
    z = [1 << (n - 1 - w) for w in range(n)] + [(1 << (n - 1)) | 2, 1]
    ny = [0] * n + [0, 1]
    pw = [1, n - 2]
    mask = sum(1 << (n - 1 - w) for w in pw)
    for j in range(4):
        flip.append(kernels.PROB_WORD)
        z.append(mask)
        ny.append(j)
    return [np.array(a, dtype=np.int64) for a in (flip, z, ny)], pw


def _reference(n, ops, C, words, pw):
    """Values and ``de[slot, m] = 2 Re <lambda_m| D |psi>`` with dense operators."""
    flip, z, ny = words
    n_lin = C.shape[0]
    ops_full = [_full(n, kind, w, m) for kind, w, m, _ in ops]
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    states = []
    for U in ops_full:
        states.append(psi)
        psi = U @ psi
    idx = np.arange(2**n)
    par = lambda v: np.array([bin(int(x)).count("1") & 1 for x in v])  # noqa: E731
    P = []
    for t in range(n_lin and len(flip) - 4):
        sign = 1 - 2 * par(idx & z[t])
        ph = 1j ** ny[t]
        M = np.zeros((2**n, 2**n), dtype=complex)
        M[idx ^ flip[t], idx] = ph * sign  # P|i> = i^ny (-1)^{|i & z|} |i ^ flip>
        P.append(M)
    O = [sum(C[m, t] * P[t] for t in range(len(P))) for m in range(n_lin)]
    for j in range(4):  # the probabilities' projectors (outcome j, first wire's bit first)
        bits = [(j >> q) & 1 for q in range(2)]  # numbering from the lowest index bit
        lowbit_wire = sorted(pw, key=lambda w: n - 1 - w)
        keep = np.ones(2**n, dtype=bool)
        for q, w in enumerate(lowbit_wire):
            keep &= ((idx >> (n - 1 - w)) & 1) == bits[q]
        O.append(np.diag(keep.astype(complex)))
    values = np.array([np.vdot(psi, o @ psi).real for o in O])
    # after = the product of the ops after op k, built once from the last op back (it was
    # rebuilt for every op: quadratic in the op count, 14 s of CPU for the 8-wire case)
    o_psi = [o @ psi for o in O]
    after = np.eye(2**n)
    de_of = [None] * len(ops)
    for k in range(len(ops) - 1, -1, -1):
        kind, w, _, ds = ops[k]
        de_of[k] = [[2 * np.vdot(after.conj().T @ op, _full(n, kind, w, d) @ states[k]).real
                     for op in o_psi] for d in ds or []]
        after = after @ ops_full[k]
    de = [row for rows in de_of for row in rows]
    return values, np.array(de).reshape(-1, len(O))


def _run(fn, n, tables, words, C, n_out, *extra, spare=True):
    """``fn`` on a new work memory; the blocked driver (``extra``: bits and team) with
    lambda filled with NaN and, with ``spare``, a spare lambda of NaN given (else one of
    no items: the driver allocates it)."""
    op_wires, op_nw, op_kind, op_off, mats, adj_op, adj_off, dmats = tables
    flip, z, ny = words
    psi, phi, lam, amats = kernels._adjoint_work(n, n_out, mats.shape[0], np.bool_(True))
    if extra:  # the blocked driver writes all of lambda and of its spare lambda before
        lam[:] = np.nan  # it reads them (its entry points do not zero them)
        lother = np.full((1, 2**n if spare and n_out == 1 else 0), np.nan, dtype=complex)
        extra = (lother, *extra)
    e = np.zeros(flip.shape[0])
    de = np.zeros((max(adj_op.shape[0], 1), n_out))
    fn(n, op_wires, op_nw, op_kind, op_off, mats, flip, z, ny, C, adj_op,
       np.arange(adj_op.shape[0]), adj_off, dmats, e, de, psi, phi, lam, amats, *extra)
    return e, de


def _values(e, C, n_prob=4):
    return np.concatenate([C @ e, e[len(e) - n_prob :]])


@pytest.mark.parametrize("n, bits, n_lin, seed", [(6, 2, 1, 0), (7, 3, 1, 1), (7, 3, 2, 2),
                                                  (8, 3, 1, 3), (5, 5, 1, 4)])
def test_blocked_adjoint_against_dense_reference(n, bits, n_lin, seed):
    """Random circuits, split into chunks as a large state is (``bits`` below the wire
    count: low and high groups, ops crossing them, CNOT runs), against dense matrices; the
    serial form against the parallel one on 1 and 2 threads, bit for bit; and the
    unblocked kernel to rounding."""
    rng = np.random.default_rng(seed)
    _check_blocked(rng, n, bits, n_lin, _random_ops(rng, n, 12 * n))


def _check_blocked(rng, n, bits, n_lin, ops, dense=True):
    """The blocked adjoint of ``ops`` against dense matrices (with ``dense``), the op-by-op
    kernel, and its parallel form on 1 and 2 threads (bit for bit); then without the
    probabilities (one output with ``n_lin == 1``: the backward passes take the CNOT runs
    along) against the first run's columns."""
    tables = _tables(n, ops)
    words, pw = _words(n, rng)
    C = rng.normal(size=(n_lin, words[0].shape[0]))
    C[:, -4:] = 0.0
    n_out = n_lin + 4
    e, de = _check_forms(n, bits, tables, words, C, n_out)
    if dense:
        ref_v, ref_de = _reference(n, ops, C, words, pw)
        np.testing.assert_allclose(_values(e, C), ref_v, atol=1e-12)
        np.testing.assert_allclose(de[: ref_de.shape[0]], ref_de, atol=1e-11)
    e0, de0 = _run(kernels._adjoint_into, n, tables, words, C, n_out)  # op by op
    np.testing.assert_allclose(e, e0, atol=1e-12)
    np.testing.assert_allclose(de, de0, atol=1e-12)
    lin_words = [w[:-4] for w in words]
    e1, de1 = _check_forms(n, bits, tables, lin_words, np.ascontiguousarray(C[:, :-4]), n_lin)
    np.testing.assert_allclose(e1, e[:-4], atol=1e-12)
    np.testing.assert_allclose(de1, de[:, :n_lin], atol=1e-12)


def _check_forms(n, bits, tables, words, C, n_out):
    """The serial blocked adjoint's result, checked equal bit for bit to the parallel
    form's on 1 and 2 threads."""
    one = np.int64(1)
    e, de = _run(kernels._adjoint_blocked_into, n, tables, words, C, n_out, bits, one)
    old = numba.get_num_threads()
    try:
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            # a team of one member per thread (what the parallel entry point runs), and of
            # more members than threads: the members left over run after the others and
            # find every step done (no member waits for one that has not started)
            for team in sorted({threads, 3}):
                ep, dep = _run(kernels._adjoint_blocked_into_parallel, n, tables, words, C,
                               n_out, bits, np.int64(team))
                assert np.array_equal(ep, e) and np.array_equal(dep, de), (threads, team)
    finally:
        numba.set_num_threads(old)
    # the serial form with a team of two: the second member runs after the first; its
    # spare lambda allocated by the driver
    e2, de2 = _run(kernels._adjoint_blocked_into, n, tables, words, C, n_out, bits,
                   np.int64(2), spare=False)
    assert np.array_equal(e2, e) and np.array_equal(de2, de)
    return e, de


def _one_wire_op(rng, w):
    """A one-wire op on wire ``w`` of a random kind, with a random derivative."""
    kind = [DENSE, REAL, DIAGONAL][rng.integers(3)]
    if kind == DENSE:
        m = random_unitary(rng, 2).ravel()
    elif kind == REAL:
        m = np.linalg.qr(rng.normal(size=(2, 2)))[0].ravel().astype(complex)
    else:
        m = np.exp(1j * rng.uniform(0, 6, 2))
    size = 2 if kind == DIAGONAL else 4  # a real gate's derivative is real
    d = rng.normal(size=size) + (0 if kind == REAL else 1j * rng.normal(size=size))
    return (kind, [w], m, [d])


def _diagonal_heavy_ops(rng, n, layers):
    """Layers of a hardware-efficient ansatz with more diagonals: per wire a one-wire op
    of any kind and one or two one-wire diagonals (constant ones, ones with two slots), a
    two-wire diagonal now and then, a CNOT chain."""
    ops = []
    for _ in range(layers):
        for w in range(n):
            ops.append(_one_wire_op(rng, w))
            for _ in range(1 + int(rng.random() < 0.3)):
                m = np.exp(1j * rng.uniform(0, 6, 2))
                d = 1j * m * rng.normal(size=2)
                r = rng.random()
                ops.append((DIAGONAL, [w], m, [d] if r < 0.7 else ([] if r < 0.85
                                                                    else [d, 0.3j * d])))
            if rng.random() < 0.1:
                v = [w, int(rng.integers(n))]
                if v[0] != v[1]:
                    m = np.exp(1j * rng.uniform(0, 6, 4))
                    ops.append((DIAGONAL, v, m, [1j * m * rng.normal(size=4)]))
        ops += [(CX, [i, i + 1], None, None) for i in range(n - 1)]
    return ops


@pytest.mark.parametrize("n, bits, n_lin, seed", [(6, 2, 1, 5), (7, 3, 2, 6), (8, 4, 1, 7),
                                                  (5, 5, 1, 8), (8, 8, 1, 9), (11, 9, 2, 10)])
def test_blocked_adjoint_groups_one_wire_diagonals(n, bits, n_lin, seed):
    """The one-wire diagonals of a block segment applied and differentiated together, one
    pass per group (kernels.diag_flush_plan), on circuits full of them (several outputs,
    ops with two slots and none, two diagonals on one wire, a diagonal state of fewer wires
    than a table's 8 bits and, at 11 wires, of more: there against the op-by-op kernel
    only): against dense matrices, the op-by-op kernel and the parallel form."""
    rng = np.random.default_rng(seed)
    ops = _diagonal_heavy_ops(rng, n, 3)
    op_wires, op_nw, op_kind, _, _, adj_op, _, _ = _tables(n, ops)
    seg, grp, loc, _, _ = kernels.block_plan(n, op_wires, op_nw, op_kind, adj_op, bits)
    fl, fb = kernels.diag_flush_plan(seg, grp, loc, op_nw, op_kind)
    assert (fl >= 0).sum() >= 2 * n and fb.any()  # the grouped path is taken
    _check_blocked(rng, n, bits, n_lin, ops, dense=n <= 8)


@pytest.mark.parametrize("n, bits, n_lin, seed", [(7, 3, 1, 11), (6, 2, 1, 12), (7, 3, 2, 13)])
def test_blocked_adjoint_takes_cnot_runs_along(n, bits, n_lin, seed):
    """Block segments of low ops only, of high ops only and of both, each after a CNOT
    run: the run is taken along by the next pass, forward and backward (the low pass's or
    the high pass's chunks gathered through the permutation: kernels.gather_run); with
    several outputs backward the runs are passes of their own."""
    rng = np.random.default_rng(seed)
    k, _ = kernels.block_geometry(n, bits)
    low, high = list(range(n - k, n)), list(range(n - k))
    ops = []
    for wires in (low, high, low + high, high, low, low):
        ops += [_one_wire_op(rng, w) for w in wires for _ in range(2)]
        start = n - k - 1 if wires == low else 0  # after low ops: from the crossing CNOT on
        ops += [(CX, [i, i + 1], None, None) for i in range(start, n - 1)]
    _check_blocked(rng, n, bits, n_lin, ops)


def _op_arrays(ops):
    """``(op_wires, op_nw, op_kind)`` of a list of ``(kind, wires)``, as a program holds them."""
    op_wires = np.zeros((len(ops), 2), dtype=np.int64)
    for q, (_, w) in enumerate(ops):
        op_wires[q, : len(w)] = w
    op_nw = np.array([len(w) for _, w in ops], dtype=np.int64)
    op_kind = np.array([k for k, _ in ops], dtype=np.int64)
    return op_wires, op_nw, op_kind


def test_diag_flush_plan_of_a_layer():
    """A hardware-efficient layer on 16 wires (RY, RZ per wire, a CNOT chain; chunks of
    2^12): the twelve low RZs applied together at the block segment's end, the four high
    ones together before CNOT(0, 1), the first op of the high group that touches their
    wires; a lone diagonal is not grouped."""
    n = 16
    ops = [(k, [w]) for w in range(n) for k in (REAL, DIAGONAL)]
    ops += [(CX, [i, i + 1]) for i in range(n - 1)] + [(DIAGONAL, [0]), (REAL, [0])]
    op_wires, op_nw, op_kind = _op_arrays(ops)
    seg, grp, loc, _, _ = kernels.block_plan(n, op_wires, op_nw, op_kind,
                                             np.arange(len(ops), dtype=np.int64), 12)
    fl, fb = kernels.diag_flush_plan(seg, grp, loc, op_nw, op_kind)
    end = 2 * n + 3  # the block segment: the one-wire ops and CNOT(0, 1) .. CNOT(2, 3)
    assert seg[0].tolist() == [kernels.SEG_BLOCK, 0, end]
    assert fl[1 : 8 : 2].tolist() == [2 * n] * 4  # RZ on wires 0-3: before CNOT(0, 1)
    assert fl[9 : 2 * n : 2].tolist() == [end] * 12
    assert (fl[0 : 2 * n : 2] == -1).all() and (fl[2 * n :] == -1).all()
    assert np.flatnonzero(fb[:, 1]).tolist() == [2 * n]
    assert np.flatnonzero(fb[:, 0]).tolist() == [end]


def test_blocked_plan_segments():
    """The segments of a hardware-efficient layer on 16 wires (chunks of 2^12): the
    one-wire gates and the CNOTs within a group in one block segment, the CNOTs from the
    one that crosses the split on as one permutation."""
    n = 16
    ops = [(REAL, [w]) for w in range(n)] + [(CX, [i, i + 1]) for i in range(n - 1)]
    op_wires, op_nw, op_kind = _op_arrays(ops)
    seg, grp, loc, a_lo, a_hi = kernels.block_plan(n, op_wires, op_nw, op_kind,
                                                   np.arange(n, dtype=np.int64), 12)
    # wires 0-3 are the high bits 15-12; CNOT(3, 4) crosses
    assert seg.tolist() == [[kernels.SEG_BLOCK, 0, n + 3], [kernels.SEG_CNOT, n + 3, len(ops)]]
    assert list(grp[:n]) == [1] * 4 + [0] * 12
    assert list(loc[4:n, 0]) == list(range(12))  # low wires in a 12-bit chunk
    assert list(a_hi[:n] - a_lo[:n]) == [1] * n


def _chunk_run_ops(rng, n, k, layers):
    """Layers with a CNOT chain on the low wires and one on the high wires (runs of
    ``FUSE_MIN_RUN`` or more inside one block segment, the groups' ops interleaved), a
    one-wire op on every wire between, a diagonal flushed inside a chain, and a CNOT
    across the split now and then."""
    low, high = list(range(n - k, n)), list(range(n - k))
    ops = []
    for layer in range(layers):
        ops += [_one_wire_op(rng, w) for w in range(n)]
        chain_lo = [(CX, [w, w + 1], None, None) for w in low[:-1]]
        chain_hi = [(CX, [w, w + 1], None, None) for w in high[:-1]]
        for i in range(max(len(chain_lo), len(chain_hi))):  # interleaved groups
            ops += chain_lo[i : i + 1] + chain_hi[i : i + 1]
        if layer == 1:  # two diagonals on the chain's first wire, then more of the chain
            d = np.exp(1j * rng.uniform(0, 6, 2))
            ops += [(DIAGONAL, [low[0]], d, [1j * d]), (DIAGONAL, [low[0]], d, [0.5j * d])]
            ops += [(CX, [w, w + 1], None, None) for w in low[:-1]]
        if layer % 2 and high:
            ops.append((CX, [high[-1], low[0]], None, None))
    return ops


@pytest.mark.parametrize("n, bits, n_lin, seed", [(8, 8, 1, 30), (10, 4, 2, 31)])
def test_blocked_adjoint_cnot_runs_inside_a_chunk(n, bits, n_lin, seed):
    """A run of CNOTs of one group inside a block segment is one permutation of each chunk
    or high buffer (kernels.chunk_cnot_runs; forward on psi, backward its inverse on psi
    and every lambda): one chunk of 8 wires against dense matrices, and 10 wires in chunks
    of 2^5 (runs on the low chunks and the high buffers, interleaved) against the op-by-op
    kernel; the serial form against the parallel one bit for bit."""
    rng = np.random.default_rng(seed)
    k, _ = kernels.block_geometry(n, bits)
    ops = _chunk_run_ops(rng, n, k, 2)
    op_wires, op_nw, op_kind, _, _, adj_op, _, _ = _tables(n, ops)
    seg, grp, loc, a_lo, a_hi = kernels.block_plan(n, op_wires, op_nw, op_kind, adj_op, bits)
    fl, fb = kernels.diag_flush_plan(seg, grp, loc, op_nw, op_kind)
    _, lL = kernels.block_geometry(n, bits)
    cr, ct = kernels.chunk_cnot_runs(n, k, lL, seg, grp, loc, op_nw, op_kind, a_lo, a_hi,
                                     fl, fb)
    starts = np.flatnonzero(cr[:, 0])
    groups = {int(grp[q]) for q in starts}
    assert groups == ({0} if k == n else {0, 1}), groups  # runs in each group
    for q in starts:  # each run: its CNOTs, consecutive in their group
        members = np.flatnonzero(cr[:, 1] == cr[q, 1])
        assert members[0] == q and members[-1] + 1 == cr[q, 0]
        assert len(members) >= kernels.FUSE_MIN_RUN
        assert (op_kind[members] == CX).all()
        assert all(grp[p] != grp[q] for p in range(q, cr[q, 0]) if p not in members)
    _check_blocked(rng, n, bits, n_lin, ops, dense=n <= 8)


@pytest.mark.parametrize("n", [6, kernels.BLOCK_MIN_WIRES])
def test_blocked_real_backward_step_bit_for_bit(n):
    """The blocked passes' backward step of a real one-wire gate (kernels._bstep_real; from
    index bit 3 on its overlap terms are stored and summed after the loop) on every wire
    above the lowest: psi and lambda un-applied, and the overlap summed in four running
    sums (the float64 words' positions mod 4 within each half, in index order), then
    ``(s0 + s1) + (s2 + s3)``: bit for bit against that sum written in NumPy."""
    rng = np.random.default_rng(40 + n)
    amats = np.array([0.6, 0.8, -0.8, 0.6], dtype=complex)
    dmats = np.array([-0.4, 0.3, -0.3, -0.4], dtype=complex)
    a00, a01, a10, a11 = amats.real
    d00, d01, d10, d11 = dmats.real
    for w in range(n - 1):
        b = n - 1 - w
        psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
        lam = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)

        def halves(a, b=b):  # float64 words as (2 halves: the bit 0 or 1, blocks, words)
            return a.view(np.float64).reshape(-1, 2, 2 << b).transpose(1, 0, 2)
        u, v = halves(psi)
        e, f = halves(lam)
        nu, nv = a00 * u + a01 * v, a10 * u + a11 * v
        terms = e * (d00 * nu + d01 * nv) + f * (d10 * nu + d11 * nv)
        lanes = np.cumsum(terms.reshape(-1, 4), axis=0)[-1]  # sequential running sums
        expected = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        p2, l2 = psi.copy(), lam.copy()
        got = kernels._bstep_real(p2, l2, n, w, amats, 0, dmats, 0)
        assert got == expected, (w, got, expected)
        assert np.array_equal(halves(p2)[0], nu) and np.array_equal(halves(p2)[1], nv), w
        assert np.array_equal(halves(l2)[0], a00 * e + a01 * f), w
        assert np.array_equal(halves(l2)[1], a10 * e + a11 * f), w


def test_chunk_cnot_runs_of_a_layer():
    """A 12-wire hardware-efficient layer (one chunk): its 11 CNOTs one run, whose tables
    move the amplitudes as the CNOTs one by one do, and back; three CNOTs are no run, nor
    are CNOTs with a diagonal applied between them."""
    n = kernels.BLOCK_MIN_WIRES
    ops = [(k, [w]) for w in range(n) for k in (REAL, DIAGONAL)]
    ops += [(CX, [i, i + 1]) for i in range(n - 1)] + [(REAL, [0])]
    ops += [(CX, [i, i + 1]) for i in range(3)] + [(REAL, [0])]
    op_wires, op_nw, op_kind = _op_arrays(ops)
    adj = np.array([q for q, (kind, _) in enumerate(ops) if kind != CX], dtype=np.int64)
    seg, grp, loc, a_lo, a_hi = kernels.block_plan(n, op_wires, op_nw, op_kind, adj, n)
    fl, fb = kernels.diag_flush_plan(seg, grp, loc, op_nw, op_kind)
    k, lL = kernels.block_geometry(n, n)
    cr, ct = kernels.chunk_cnot_runs(n, k, lL, seg, grp, loc, op_nw, op_kind, a_lo, a_hi,
                                     fl, fb)
    first = 2 * n
    assert np.flatnonzero(cr[:, 0]).tolist() == [first]
    assert cr[first, 0] == first + n - 1
    assert np.flatnonzero(cr[:, 1] == 0).tolist() == list(range(first, first + n - 1))
    assert (cr[first + n - 1 :, 1] == -1).all() and ct.shape[0] == 1
    rng = np.random.default_rng(3)
    state = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    expected = state.copy()
    for i in range(n - 1):
        kernels.apply_cnot(expected, n, i, i + 1)
    moved = state.copy()
    kernels._permute_chunk(moved, n, ct[0, 0], np.empty_like(moved))
    assert np.array_equal(moved, expected)
    kernels._permute_chunk(moved, n, ct[0, 1], np.empty_like(moved))
    assert np.array_equal(moved, state)
    # a diagonal between two CNOTs of the chain splits it (runs of 5 and 6)
    chain = ops[first : first + n - 1]
    ops2 = ops[:first] + chain[:5] + [(DIAGONAL, [5])] + chain[5:]
    op_wires, op_nw, op_kind = _op_arrays(ops2)
    seg, grp, loc, a_lo, a_hi = kernels.block_plan(n, op_wires, op_nw, op_kind, adj[:0], n)
    fl, fb = kernels.diag_flush_plan(seg, grp, loc, op_nw, op_kind)
    cr, _ = kernels.chunk_cnot_runs(n, k, lL, seg, grp, loc, op_nw, op_kind, a_lo, a_hi,
                                    fl, fb)
    assert np.flatnonzero(cr[:, 0]).tolist() == [first, first + 6]


@pytest.mark.parametrize("n", [kernels.BLOCK_MIN_WIRES, SPLIT_WIRES])
def test_large_qnode_adjoint_against_reference_interpreter(n):
    """A random circuit of 12 wires (BLOCK_MIN_WIRES: one chunk) and of 14 (high wires
    too) through a QNode, the blocked adjoint (gates of every kind, on low and high wires
    and across them): values against the NumPy reference interpreter (qsym._ir.simulate),
    the adjoint gradient against its central finite differences and against parameter
    shift, and 1 thread against 2 bit for bit."""
    import qsym as qml
    from qsym import _ir as ir
    from qsym._shapes import flat

    rng = np.random.default_rng(19)
    gates = []
    for _ in range(40):
        r = rng.random()
        w = [int(v) for v in rng.permutation(n)[:3]]
        if r < 0.35:
            gates.append((["RX", "RY", "RZ", "PhaseShift"][rng.integers(4)], w[:1], 1))
        elif r < 0.45:
            gates.append(("Rot", w[:1], 3))
        elif r < 0.6:
            gates.append((["CRX", "IsingZZ", "IsingXY"][rng.integers(3)], w[:2], 1))
        elif r < 0.7:
            gates.append(("PauliRot", w, 1))
        elif r < 0.8:
            gates.append(("Toffoli", w, 0))
        else:  # a CNOT chain across the split of the index bits
            s = int(rng.integers(n - 4))
            gates += [("CNOT", [i, i + 1], 0) for i in range(s, s + 4)]
    n_par = sum(k for _, _, k in gates)
    dev = qml.device("default.qubit", wires=n)

    def body(p):
        k = 0
        for name, w, np_ in gates:
            if name == "PauliRot":
                qml.PauliRot(p[k], "XYZ", wires=w)
            elif np_ == 0:
                getattr(qml, name)(wires=w)
            else:
                getattr(qml, name)(*[p[k + i] for i in range(np_)], wires=w if len(w) > 1 else w[0])
            k += np_
        H = qml.PauliZ(0)
        for i in range(1, n):
            H = H + 0.5 * qml.PauliZ(i)
        return qml.expval(H + 0.3 * qml.PauliX(2) @ qml.PauliY(n - 1)), qml.probs(wires=[1, n - 2])

    adj = qml.QNode(body, dev, diff_method="adjoint")
    p = rng.uniform(-np.pi, np.pi, n_par)
    jac = qml.jacobian(adj)(qml.numpy.array(p, requires_grad=True))
    jac = np.concatenate([np.atleast_2d(np.asarray(j)) for j in jac])  # (1 + 4, n_par)
    entry, xs, ds = adj.compiled((qml.numpy.array(p, requires_grad=True),), {})
    x = np.asarray(flat(xs), dtype=float).ravel()
    d = np.asarray(flat(ds), dtype=float).ravel()
    ref = ir.simulate(entry.circuit, x, d)
    out, _ = entry.value_and_grad_adjoint(x, d)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    h = 1e-5
    fd = np.empty((len(ref), n_par))
    for j in range(n_par):
        e = np.zeros(n_par)
        e[j] = h
        fd[:, j] = (ir.simulate(entry.circuit, x + e, d) - ir.simulate(entry.circuit, x - e, d)) / (2 * h)
    np.testing.assert_allclose(jac, fd, atol=1e-8)
    _, ps = entry.value_and_grad(x, d)
    np.testing.assert_allclose(jac, ps, atol=1e-11)
    blocked = entry.value_and_grad_adjoint(
        x, d, kernel="program_value_and_grad_adjoint_blocked_into")
    np.testing.assert_allclose(blocked[0], ref, atol=1e-12)
    np.testing.assert_allclose(blocked[1], fd, atol=1e-8)
    np.testing.assert_allclose(blocked[1], ps, atol=1e-11)
    if n >= kernels.BLOCK_TWIN_MIN_WIRES:  # (below: op by op while on tier 0's twins)
        # little work
        assert entry.adjoint_kernel() == "program_value_and_grad_adjoint_blocked_into"
    old = numba.get_num_threads()
    try:
        got = []
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            got.append(entry.value_and_grad_adjoint(
                x, d, kernel="program_value_and_grad_adjoint_blocked_into"))
            got.append(entry.value_and_grad_adjoint(
                x, d, kernel="program_value_and_grad_adjoint_parallel"))
        for o, j in got[1:]:
            assert np.array_equal(o, got[0][0]) and np.array_equal(j, got[0][1])
    finally:
        numba.set_num_threads(old)
    # the generated module's fused entry point (what the runtime's fused tier runs, and
    # what the returning form an exported module runs calls) and a batch row: the same
    # kernel, the same bits. (The ``_into`` form: the returning form is one template for
    # every module, checked in tests/test_batch.py, and its own compile links the blocked
    # adjoint's whole call tree a second time: 3.7 s of this test's 10.4, issue #17.)
    assert ("import program_value_and_grad_adjoint_blocked_into as "
            "_q_program_value_and_grad_adjoint_into") in entry.source
    o, j = entry._fused("value_and_grad_adjoint")(x, d)
    assert np.array_equal(o, got[0][0]) and np.array_equal(j, got[0][1])
    X = np.stack([x, x + 0.1])
    bo, bj = entry.batch_value_and_grad_adjoint(X, d)
    if n >= kernels.BLOCK_TWIN_MIN_WIRES:
        assert np.array_equal(bo[0], got[0][0]) and np.array_equal(bj[0], got[0][1])
    else:  # tier 0 may run the rows op by op (its single call's kernel)
        np.testing.assert_allclose(bo[0], got[0][0], atol=1e-12)
        np.testing.assert_allclose(bj[0], got[0][1], atol=1e-12)


def test_one_driver_for_the_serial_and_the_parallel_form():
    """The parallel blocked adjoint is the serial driver's own code compiled with
    ``parallel=True`` (no copy to keep in step), under a name of its own: numba keys its
    disk cache by the function's name, not by its flags, so one name would have let a
    process load the other form's machine code."""
    serial, parallel = kernels._adjoint_blocked_into, kernels._adjoint_blocked_into_parallel
    assert serial.py_func.__code__ is parallel.py_func.__code__
    assert not serial.targetoptions.get("parallel") and parallel.targetoptions["parallel"]
    assert serial.py_func.__qualname__ != parallel.py_func.__qualname__
    assert parallel.py_func.__name__ == "_adjoint_blocked_into_parallel"


def test_the_threads_a_large_adjoint_gradient_runs_on():
    """The choice of qsym's other parallel kernels (docs/design.md, "Batches and
    threads"): numba's thread count, and enough work (``PARALLEL_SHIFT_MIN_WORK``
    amplitude-ops per sweep) from ``PARALLEL_BLOCK_MIN_WIRES`` wires; blocked on one
    thread from ``BLOCK_MIN_WIRES`` (one chunk: nothing to share); op by op below."""
    import qsym as qml

    def layers(n, depth):
        dev = qml.device("default.qubit", wires=n)

        @qml.qnode(dev, diff_method="adjoint")
        def circuit(p):
            for _ in range(depth):
                for i in range(n):
                    qml.RY(p[i], wires=i)
                for i in range(n - 1):
                    qml.CNOT(wires=[i, i + 1])
            return qml.expval(qml.PauliZ(0))

        p = qml.numpy.array(np.linspace(0.1, 1.0, n), requires_grad=True)
        return circuit.compiled((p,), {})[0]

    m = kernels.BLOCK_MIN_WIRES
    n = kernels.PARALLEL_BLOCK_MIN_WIRES
    depth = -(-kernels.PARALLEL_SHIFT_MIN_WORK // ((2 * n - 1) << n))  # just enough work
    small, shallow, deep = layers(m - 1, 1), layers(n, depth - 1), layers(n, depth)
    one_chunk = layers(m, -(-kernels.PARALLEL_SHIFT_MIN_WORK // ((2 * m - 1) << m)))
    old = numba.get_num_threads()
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            assert small.adjoint_kernel() == "program_value_and_grad_adjoint_into"
            assert one_chunk.adjoint_kernel() == "program_value_and_grad_adjoint_blocked_into"
            assert shallow.adjoint_kernel() == "program_value_and_grad_adjoint_blocked_into"
            assert deep.adjoint_kernel() == ("program_value_and_grad_adjoint_parallel"
                                            if threads > 1 else
                                            "program_value_and_grad_adjoint_blocked_into")
    finally:
        numba.set_num_threads(old)


@pytest.mark.parametrize("given", [None, "ACTIVE"])
def test_openmp_threads_wait_passively_unless_the_user_chose(given):
    """qsym sets ``OMP_WAIT_POLICY=PASSIVE`` at import unless it is set already: GNU
    OpenMP's spinning idle workers made the 2-thread blocked adjoint six times slower than
    one thread on a loaded machine (docs/design.md, "Two threads on one large gradient,
    measured")."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    out = subprocess.run([sys.executable, "-c", "import os, qsym; "
                          "print(os.environ['OMP_WAIT_POLICY'])"], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [given or "PASSIVE"]


def _hea_ops(rng, n, layers, first=None):
    """Layers of a hardware-efficient ansatz on ``n`` wires (a random one-wire op per wire,
    then a CNOT chain), after the ops ``first``: the circuit ends with the chain's run
    from the op that crosses the split on (a CNOT run pending at the forward's end)."""
    ops = list(first or [])
    for _ in range(layers):
        ops += [_one_wire_op(rng, w) for w in range(n)]
        ops += [(CX, [i, i + 1], None, None) for i in range(n - 1)]
    return ops


@pytest.mark.parametrize("n_lin, seed", [(1, 24), (2, 25)])
def test_blocked_adjoint_of_one_chunk(n_lin, seed):
    """At BLOCK_MIN_WIRES with the shipped chunk size the state is one chunk (every op
    low, one block segment but for ops on three wires or more): random circuits of every
    kind of op (two-wire dense and diagonal ops, Toffolis, CNOT chains, one-wire ops with
    none, one or two slots), several outputs and probabilities, and diagonal-heavy
    layers, against the op-by-op kernel to 1e-12 and the parallel form bit for bit."""
    n = kernels.BLOCK_MIN_WIRES
    k, _ = kernels.block_geometry(n, kernels._BLOCK_BITS)
    assert k == n
    rng = np.random.default_rng(seed)
    _check_blocked(rng, n, kernels._BLOCK_BITS, n_lin, _random_ops(rng, n, 4 * n), dense=False)
    _check_blocked(rng, n, kernels._BLOCK_BITS, n_lin, _diagonal_heavy_ops(rng, n, 2),
                   dense=False)


@pytest.mark.parametrize("start, n_lin, seed", [("low", 1, 20), ("high", 2, 21),
                                                 ("crossing", 1, 22)])
def test_blocked_adjoint_at_block_min_wires(start, n_lin, seed):
    """Random layered circuits at 14 wires with the shipped chunk size
    (_BLOCK_BITS), ending with a CNOT run (taken along by the pass that starts lambda and
    measures the single-Z words), starting with a block segment of low ops only, of high
    ops only (the first pass writes |0..0> into its chunks or buffers) or with an op that
    crosses the split (|0..0> written before it): against the op-by-op kernel to 1e-12,
    the parallel form on 1 and 2 threads bit for bit, lambda's memory not zeroed first."""
    n = SPLIT_WIRES
    rng = np.random.default_rng(seed)
    k, _ = kernels.block_geometry(n, kernels._BLOCK_BITS)
    low, high = list(range(n - k, n)), list(range(n - k))
    group = {"low": low, "high": high, "crossing": []}[start]
    crossing = (DENSE, [0, n - 1], random_unitary(rng, 4).ravel(),
                [rng.normal(size=16) + 1j * rng.normal(size=16)])
    ops = _hea_ops(rng, n, 2, [_one_wire_op(rng, w) for w in group] + [crossing])
    op_wires, op_nw, op_kind, _, _, adj_op, _, _ = _tables(n, ops)
    seg, grp, _, _, _ = kernels.block_plan(n, op_wires, op_nw, op_kind, adj_op,
                                           kernels._BLOCK_BITS)
    assert seg[-1, 0] == kernels.SEG_CNOT
    if start == "crossing":
        assert seg[0, 0] == kernels.SEG_OP
    else:  # a first block segment of one group: its pass is the forward's first
        assert seg[0].tolist() == [kernels.SEG_BLOCK, 0, len(group)]
        assert set(grp[: len(group)].tolist()) == {0 if start == "low" else 1}
    _check_blocked(rng, n, kernels._BLOCK_BITS, n_lin, ops, dense=False)


@pytest.mark.parametrize("n", [kernels.BLOCK_MIN_WIRES, SPLIT_WIRES])
def test_large_hea_gradient_against_parameter_shift(n):
    """A hardware-efficient circuit through a QNode at 12 wires (BLOCK_MIN_WIRES: the
    state one chunk, every op low) and 14 (high wires too), the blocked adjoint (its
    single-Z words measured in the pass that starts lambda): the value against the
    reference interpreter, the gradient against the op-by-op adjoint kernel and
    parameter shift to 1e-12, the parallel form on 2 threads bit for bit; the runtime
    runs it once compiled, op by op on tier 0's twins below 14 wires."""
    import qsym as qml
    from qsym import _ir as ir
    from qsym import _tiers as tiers
    from qsym._shapes import flat

    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(p):
        for layer in range(2):
            for i in range(n):
                qml.RY(p[layer, i, 0], wires=i)
                qml.RZ(p[layer, i, 1], wires=i)
            for i in range(n - 1):
                qml.CNOT(wires=[i, i + 1])
        H = qml.PauliZ(0)
        for i in range(1, n):
            H = H + (0.1 * i) * qml.PauliZ(i)
        return qml.expval(H + 0.4 * qml.PauliX(1) @ qml.PauliZ(5))

    p = qml.numpy.array(np.random.default_rng(23).uniform(-np.pi, np.pi, (2, n, 2)),
                        requires_grad=True)
    entry, xs, ds = circuit.compiled((p,), {})
    x = np.asarray(flat(xs), dtype=float).ravel()
    d = np.asarray(flat(ds), dtype=float).ravel()
    k_adjoint = entry._k_adjoint
    try:  # the choice on a compiled tier, and on tier 0's twins
        entry._k_adjoint = tiers.COMPILED_KERNELS
        assert entry.adjoint_kernel() == "program_value_and_grad_adjoint_blocked_into"
        entry._k_adjoint = tiers.KERNELS
        assert entry.adjoint_kernel() == (
            "program_value_and_grad_adjoint_into" if n < kernels.BLOCK_TWIN_MIN_WIRES
            else "program_value_and_grad_adjoint_blocked_into")
    finally:
        entry._k_adjoint = k_adjoint
    out, jac = entry.value_and_grad_adjoint(
        x, d, kernel="program_value_and_grad_adjoint_blocked_into")
    np.testing.assert_allclose(out, ir.simulate(entry.circuit, x, d), atol=1e-12)
    mats, dmats, ch, C, cc, _ = entry._prepare_adjoint(x, d)
    from conftest import kernel_returning

    o0, j0 = kernel_returning(kernels.program_value_and_grad_adjoint_into)(
        entry._ints, entry._floats, mats, dmats, ch, C, cc)
    np.testing.assert_allclose(out, o0, atol=1e-12)
    np.testing.assert_allclose(jac, j0, atol=1e-12)
    _, ps = entry.value_and_grad(x, d)
    np.testing.assert_allclose(jac, ps, atol=1e-12)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        op, jp = kernels.program_value_and_grad_adjoint_parallel(
            entry._ints, entry._floats, mats, dmats, ch, C, cc, np.empty(0, dtype=np.complex128))
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(op, out) and np.array_equal(jp, jac)


# --- stop 65 (issue #19): the blocked adjoint's work memory kept between calls

def _kept_memory_entry(n=12, outputs=2):
    """An ``n``-wire adjoint QNode (blocked passes from kernels.BLOCK_MIN_WIRES) of two
    measured outputs (or the first alone), its compiled entry and flat inputs."""
    import qsym as qml
    from qsym._shapes import flat

    dev = qml.device("default.qubit", wires=n)

    def body(p):
        for i in range(n):
            qml.RY(p[i], wires=i)
        for i in range(n - 1):
            qml.CNOT(wires=[i, i + 1])
        for i in range(n):
            qml.RX(p[n + i], wires=i)
        first = qml.expval(qml.PauliZ(0) + 0.5 * qml.PauliZ(n - 1))
        return (first, qml.expval(qml.PauliX(3))) if outputs == 2 else first

    node = qml.QNode(body, dev, diff_method="adjoint")
    p = qml.numpy.array(np.random.default_rng(65).uniform(-np.pi, np.pi, 2 * n),
                        requires_grad=True)
    entry, xs, ds = node.compiled((p,), {})
    return node, entry, np.asarray(flat(xs), dtype=float).ravel(), np.asarray(
        flat(ds), dtype=float).ravel()


@pytest.mark.parametrize("kernel, n, outputs", [
    ("program_value_and_grad_adjoint_blocked_into", 12, 2),
    ("program_value_and_grad_adjoint_parallel", 12, 2),
    # one output at 14 wires: the backward passes take the CNOT run across the split
    # along, gathering lambda into the spare lambda (stop 66: kept too)
    ("program_value_and_grad_adjoint_blocked_into", SPLIT_WIRES, 1),
    ("program_value_and_grad_adjoint_parallel", SPLIT_WIRES, 1)])
def test_the_kept_work_memory_gives_a_fresh_calls_bits(kernel, n, outputs):
    """The blocked adjoint's work memory is kept by the compiled entry between calls
    (one, reused: no new pages at each call) and the kernel writes all it reads: with the
    kept memory filled with NaN, and again as it was left, the result is bit for bit the
    kernel's with memory it allocates itself, and the parameter-shift Jacobian to 1e-11
    (an independent method)."""
    from conftest import kernel_returning

    _, entry, x, d = _kept_memory_entry(n, outputs)
    if outputs == 1:  # (a CNOT run taken along backward: the spare lambda is used)
        ints = entry._ints
        (op_wires, op_nw, op_kind, *_, adj_op, _, _) = kernels.unpack_program(ints)
        seg, *_ = kernels.block_plan(ints[kernels.H_N], op_wires, op_nw, op_kind, adj_op,
                                     kernels._BLOCK_BITS)
        assert kernels.SEG_CNOT in seg[:, 0].tolist()
    mats, dmats, ch, C, cc, _ = entry._prepare_adjoint(x, d)
    fresh = kernel_returning(kernels.program_value_and_grad_adjoint_blocked_into)(
        entry._ints, entry._floats, mats, dmats, ch, C, cc)
    _, ps = entry.value_and_grad(x, d)
    np.testing.assert_allclose(fresh[1], ps, atol=1e-11)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        first = entry.value_and_grad_adjoint(x, d, kernel=kernel)
        assert len(entry._adjoint_kept) == 1
        kept = entry._adjoint_kept[0]
        assert kept.shape == (kernels.adjoint_work_size(n, outputs, mats.shape[0]),)
        kept[:] = np.nan  # (anything the kernel read before writing would show)
        second = entry.value_and_grad_adjoint(x, d, kernel=kernel)
        assert entry._adjoint_kept == [kept] or entry._adjoint_kept[0] is kept  # reused
        third = entry.value_and_grad_adjoint(x, d, kernel=kernel)
    finally:
        numba.set_num_threads(old)
    for o, j in (first, second, third):
        assert np.array_equal(o, fresh[0]) and np.array_equal(j, fresh[1])


@pytest.mark.parametrize("n_out", [1, 3])
def test_the_work_memory_holds_every_array_of_the_blocked_adjoint(n_out):
    """psi, phi, lambda, the adjoint matrices and, with one output, the spare lambda a
    CNOT run taken along backward is gathered into all lie in the work memory the entry
    keeps between calls (stop 66: the spare was allocated at each call, 16 MiB of new
    pages at 20 wires), disjoint, filling ``adjoint_work_size`` items; a smaller memory
    gets a new allocation of that size."""
    n, n_mats = 5, 12
    work = np.zeros(kernels.adjoint_work_size(n, n_out, n_mats), dtype=complex)
    parts = kernels._adjoint_work_in(work, np.int64(n), np.int64(n_out), np.int64(n_mats))
    assert [a.shape for a in parts] == [(32,), (32,), (n_out, 32), (n_mats,),
                                        (1, 32 if n_out == 1 else 0)]
    for i, a in enumerate(parts):
        assert a.size == 0 or np.shares_memory(a, work)
        a[...] = i + 1
    assert sorted(np.unique(work.real, return_counts=True)[1].tolist()) == sorted(
        a.size for a in parts if a.size)  # each item in one array, none left over
    small = kernels._adjoint_work_in(np.zeros(3, dtype=complex), np.int64(n),
                                     np.int64(n_out), np.int64(n_mats))
    assert [a.shape for a in small] == [a.shape for a in parts]


@pytest.mark.parametrize("n, outputs, kept", [(22, 1, True), (22, 2, True), (22, 3, False),
                                              (23, 1, False)])
def test_the_largest_work_memory_an_entry_keeps(n, outputs, kept):
    """An entry keeps the blocked adjoint's work memory up to four states of 22 wires and
    the matrices (one output: psi, phi, lambda and the spare lambda; stop 65 kept it, stop
    66's spare must not push it out; two outputs: two lambdas, no spare); above, the
    kernel allocates its own (an empty array). (np.empty: no page of it is touched.)"""
    from types import SimpleNamespace

    from qsym import _runtime as runtime

    mats = np.empty(4000, dtype=complex)
    entry = SimpleNamespace(circuit=SimpleNamespace(num_wires=n), _adjoint_kept=[],
                            module=SimpleNamespace(NUM_OUTPUTS=outputs))
    work = runtime.Compiled._adjoint_memory(entry, mats)
    want = kernels.adjoint_work_size(n, outputs, mats.shape[0]) if kept else 0
    assert work.shape == (want,)


def test_threads_on_one_gradient_never_share_a_work_memory():
    """Four threads calling one large adjoint gradient at once each get the bits of a
    fresh call (a work memory is taken from the entry's kept ones by one call at a time),
    and the entry keeps at most ADJOINT_KEPT_MAX of them, freed with the QNode."""
    import gc
    import threading
    import weakref

    from conftest import kernel_returning
    from qsym import _runtime as runtime

    node, entry, x, d = _kept_memory_entry()
    mats, dmats, ch, C, cc, _ = entry._prepare_adjoint(x, d)
    want = kernel_returning(kernels.program_value_and_grad_adjoint_blocked_into)(
        entry._ints, entry._floats, mats, dmats, ch, C, cc)
    taken = []
    real = entry._adjoint_memory

    def memory(mats):  # (counted)
        work = real(mats)
        taken.append(work)
        return work

    entry._adjoint_memory = memory
    wrong, start = [], threading.Barrier(4)

    def work(k):
        start.wait()
        for _ in range(3):
            o, j = entry.value_and_grad_adjoint(
                x, d, kernel="program_value_and_grad_adjoint_blocked_into")
            if not (np.array_equal(o, want[0]) and np.array_equal(j, want[1])):
                wrong.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [] and len(taken) == 12
    assert 1 <= len(entry._adjoint_kept) <= runtime.ADJOINT_KEPT_MAX
    assert len({id(w) for w in entry._adjoint_kept}) == len(entry._adjoint_kept)
    refs = [weakref.ref(w) for w in entry._adjoint_kept]
    del entry, taken, real, memory, node
    gc.collect()
    assert all(r() is None for r in refs)  # freed with the QNode
