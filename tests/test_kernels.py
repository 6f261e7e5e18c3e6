"""The numba kernels against plain NumPy references written here (kron products and
dense Pauli matrices), on random states, gates and wires."""

import numpy as np
import pytest

from qsym import kernels

PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def random_state(rng, n):
    v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return v / np.linalg.norm(v)


def random_unitary(rng, dim):
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim)))
    return q * (np.diag(r) / abs(np.diag(r)))


def full_operator(n, mat, wires):
    """The 2^n x 2^n operator of a k-wire matrix on ``wires`` (wire 0 most significant),
    built by permuting a kron product: independent of the kernels' bit tricks."""
    k = len(wires)
    rest = [w for w in range(n) if w not in wires]
    big = np.kron(mat, np.eye(2 ** (n - k)))  # acts on (wires..., rest...)
    order = list(wires) + rest
    t = big.reshape((2,) * (2 * n))
    inv = np.argsort(order)
    t = t.transpose(list(inv) + [n + i for i in inv])
    return t.reshape(2**n, 2**n)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("kind", [kernels.DENSE, kernels.DIAGONAL])
def test_apply_op_matches_kron_reference(k, kind):
    rng = np.random.default_rng(10 * k + kind)
    n = 5
    for _ in range(4):
        wires = rng.permutation(n)[:k].astype(np.int64)
        if kind == kernels.DENSE:
            mat = random_unitary(rng, 2**k)
            stored = mat.ravel()
        else:
            stored = np.exp(1j * rng.uniform(0, 2 * np.pi, 2**k))
            mat = np.diag(stored)
        psi = random_state(rng, n)
        expected = full_operator(n, mat, list(wires)) @ psi
        mats = np.concatenate([np.zeros(3, complex), stored])  # a non-zero offset
        kernels.apply_op(psi, n, wires, k, kind, mats, 3)
        np.testing.assert_allclose(psi, expected, atol=1e-12)


def test_pauli_expvals_match_dense_matrices():
    rng = np.random.default_rng(5)
    n = 4
    psi = random_state(rng, n)
    words = ["ZIII", "IXIY", "YYYY", "XZIY", "IIII"]
    flip, z, ny = [], [], []
    for w in words:
        f = zz = y = 0
        for wire, p in enumerate(w):
            bit = 1 << (n - 1 - wire)
            f |= bit if p in "XY" else 0
            zz |= bit if p in "YZ" else 0
            y += p == "Y"
        flip.append(f)
        z.append(zz)
        ny.append(y)
    out = np.empty(len(words))
    kernels.pauli_expvals(psi, np.array(flip), np.array(z), np.array(ny), out)
    for w, got in zip(words, out):
        op = PAULI[w[0]]
        for p in w[1:]:
            op = np.kron(op, PAULI[p])
        assert got == pytest.approx(np.vdot(psi, op @ psi).real, abs=1e-12)


def test_program_round_trip_sections():
    ints, floats = kernels.pack_program(
        3, np.array([[0, 1], [2, 0]]), [2, 1], [0, 1], [0, 16], [1], [2], [0],
        [0, 0], [0, 0], [False, True], [0, 16], [0.5, -0.5], [0], [0], [], [], [], 1, 1, 1,
    )
    parts = kernels.unpack_program(ints)
    np.testing.assert_array_equal(parts[0], [[0, 1], [2, 0]])
    np.testing.assert_array_equal(parts[9], [0, 1])  # term_zero
    assert ints[kernels.H_N] == 3 and floats.tolist() == [0.5, -0.5]


@pytest.mark.parametrize("k", [2, 3])
def test_controlled_x_permutation_matches_the_dense_matrix(k):
    """CNOT and Toffoli run as amplitude swaps (kind CONTROLLED_X): equal to their dense
    matrix (X on the last wire where the others are 1) on every wire order."""
    import itertools

    rng = np.random.default_rng(k)
    n = 4
    x = PAULI["X"]
    mat = np.eye(2**k, dtype=complex)
    mat[-2:, -2:] = x
    for wires in itertools.permutations(range(n), k):
        psi = random_state(rng, n)
        got = psi.copy()
        kernels.apply_op(got, n, np.array(wires, dtype=np.int64), k, kernels.CONTROLLED_X,
                         np.zeros(0, dtype=complex), 0)
        np.testing.assert_array_equal(got, full_operator(n, mat, wires) @ psi)


def test_gate_rows_marked_controlled_x_have_that_matrix():
    from qsym.gates import GATES, matrix

    marked = [name for name, row in GATES.items() if row.structure == "controlled_x"]
    assert sorted(marked) == ["CNOT", "Toffoli"]
    for name in marked:
        m = np.array(matrix(name), dtype=complex)
        want = np.eye(m.shape[0], dtype=complex)
        want[-2:, -2:] = PAULI["X"]
        np.testing.assert_array_equal(m, want)
