"""qml.math's linear algebra over Z_2 (PennyLane's ``binary_*`` functions), checked against
brute force: the span of a bit matrix's columns enumerated, all candidate solutions tried."""

import itertools

import numpy as np
import pytest

import qsym as qml


def _span(cols: np.ndarray) -> set:
    """Every Z_2 combination of the columns, as tuples (the span, enumerated)."""
    r, k = cols.shape
    out = set()
    for coeffs in itertools.product((0, 1), repeat=k):
        out.add(tuple((cols @ np.array(coeffs, dtype=int)) % 2) if k else (0,) * r)
    return out


def _random_bits(rng, shape):
    return rng.integers(0, 2, size=shape)


@pytest.mark.parametrize("seed", range(12))
def test_rank_is_log2_of_the_row_space_size(seed):
    rng = np.random.default_rng(seed)
    m = _random_bits(rng, (int(rng.integers(1, 6)), int(rng.integers(1, 7))))
    before = m.copy()
    rank = qml.math.binary_matrix_rank(m)
    assert 2**rank == len(_span(m.T))  # rows' span
    assert np.array_equal(m, before)


def test_rank_over_z2_differs_from_the_real_rank():
    m = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]])
    assert np.linalg.matrix_rank(m) == 3 and qml.math.binary_matrix_rank(m) == 2


@pytest.mark.parametrize("seed", range(12))
def test_rref_has_the_same_row_space_and_is_reduced(seed):
    rng = np.random.default_rng(100 + seed)
    m = _random_bits(rng, (int(rng.integers(1, 6)), int(rng.integers(1, 8))))
    rref = qml.math.binary_finite_reduced_row_echelon(m)
    assert rref.shape == m.shape
    assert _span(rref.T) == _span(m.T)
    nonzero = [row for row in rref if row.any()]
    assert all(not row.any() for row in rref[len(nonzero):])  # zero rows last
    pivots = [int(np.argmax(row)) for row in nonzero]
    assert pivots == sorted(pivots) and len(set(pivots)) == len(pivots)
    for i, p in enumerate(pivots):  # each pivot column is a unit column
        assert rref[:, p].tolist() == [int(j == i) for j in range(len(rref))]


def test_rref_in_place_overwrites_the_given_array():
    m = np.array([[0, 1], [1, 1]])
    out = qml.math.binary_finite_reduced_row_echelon(m, inplace=True)
    assert out is m and m.tolist() == [[1, 0], [0, 1]]
    m2 = np.array([[0, 1], [1, 1]])
    qml.math.binary_finite_reduced_row_echelon(m2)
    assert m2.tolist() == [[0, 1], [1, 1]]


@pytest.mark.parametrize("seed", range(8))
def test_solve_finds_the_unique_solution(seed):
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(1, 6))
    while True:
        a = _random_bits(rng, (n, n))
        if len(_span(a)) == 2**n:  # non-singular over Z_2
            break
    b = _random_bits(rng, n)
    x = qml.math.binary_solve_linear_system(a, b)
    solutions = [c for c in itertools.product((0, 1), repeat=n) if np.array_equal((a @ c) % 2, b)]
    assert solutions == [tuple(x)]


def test_solve_refuses_a_singular_matrix():
    with pytest.raises(np.linalg.LinAlgError, match="Singular binary matrix"):
        qml.math.binary_solve_linear_system(np.array([[1, 1], [1, 1]]), np.array([1, 0]))


@pytest.mark.parametrize("seed", range(10))
def test_is_independent_and_select_basis_agree_with_the_span(seed):
    rng = np.random.default_rng(300 + seed)
    bits = _random_bits(rng, (int(rng.integers(2, 6)), int(rng.integers(1, 8))))
    basis, other = qml.math.binary_select_basis(bits)
    assert basis.shape[1] + other.shape[1] == bits.shape[1]
    assert len(_span(basis)) == 2 ** basis.shape[1]  # independent columns
    assert _span(basis) == _span(bits)  # spanning all of them
    for v in itertools.product((0, 1), repeat=bits.shape[0]):
        v = np.array(v)
        assert qml.math.binary_is_independent(v, basis) == (tuple(v) not in _span(basis))


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="same length as `vector`"):
        qml.math.binary_is_independent(np.array([1, 0]), np.eye(3, dtype=int))
    with pytest.raises(ValueError, match="array of bits"):
        qml.math.binary_matrix_rank(np.array([[2, 0]]))
    with pytest.raises(ValueError, match="2-dimensional"):
        qml.math.binary_matrix_rank(np.array([1, 0]))
