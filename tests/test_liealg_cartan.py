"""Cartan decompositions of ``qml.liealg`` (issue #18): involutions, ``cartan_decomp`` and
its checks, adjoint vectors, ``horizontal_cartan_subalgebra``.

Checked independently of the code under test: the involutions against hand-derived values
and as Lie-algebra automorphisms (the label of ``[a, b]`` is the product of the labels) on
random Pauli words, their Pauli and matrix forms against each other; the Cartan relations
by explicit matrix commutators and least-squares span tests; the Cartan subalgebra is
Abelian, inside ``m`` and maximal there (the centraliser of ``a`` in ``m`` solved as a
linear system).
"""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pytest

import qsym as qml
from qsym.liealg import (AI, AII, AIII, BD, BDI, CI, CII, DIII, A, C, adjvec_to_op,
                         cartan_decomp, change_basis_ad_rep, check_abelian, check_cartan_decomp,
                         check_commutation_relation, concurrence_involution,
                         even_odd_involution, horizontal_cartan_subalgebra, op_to_adjvec)
from qsym.liealg.involutions import Ipq, J, Kpq
from qsym.pauli import PauliSentence, PauliWord

I2 = np.eye(2)
PX = np.array([[0, 1], [1, 0]], dtype=complex)
PY = np.array([[0, -1j], [1j, 0]])
PZ = np.diag([1.0 + 0j, -1.0])
MATS = {"I": I2, "X": PX, "Y": PY, "Z": PZ}


def word_matrix(letters: str) -> np.ndarray:
    out = np.eye(1)
    for ch in letters:
        out = np.kron(out, MATS[ch])
    return out


def word(letters: str) -> PauliWord:
    return PauliWord({i: ch for i, ch in enumerate(letters) if ch != "I"})


def in_span(vectors, space, tol=1e-9) -> bool:
    """Least squares: every flattened vector is reproduced by the flattened space."""
    s = np.reshape(np.asarray(space), (len(space), -1)).T
    for v in vectors:
        v = np.ravel(v)
        coef, *_ = np.linalg.lstsq(s, v, rcond=None)
        if np.linalg.norm(s @ coef - v) > tol * max(1.0, np.linalg.norm(v)):
            return False
    return True


def comm(a, b):
    return a @ b - b @ a


# ---- the matrices J, Ipq, Kpq ----------------------------------------------------------------
def test_matrices_by_hand():
    assert np.allclose(J(1), PY)
    assert np.allclose(J(2), np.kron(PY, I2))
    assert np.allclose(J(2, wire=1), np.kron(I2, PY))
    assert np.allclose(J(3), [[0, 0, 0, -1j, 0, 0], [0, 0, 0, 0, -1j, 0], [0, 0, 0, 0, 0, -1j],
                              [1j, 0, 0, 0, 0, 0], [0, 1j, 0, 0, 0, 0], [0, 0, 1j, 0, 0, 0]])
    assert np.allclose(Ipq(2, 2), np.kron(PZ, I2))
    assert np.allclose(Ipq(2, 2, wire=1), np.kron(I2, PZ))
    assert np.allclose(Ipq(1, 2), np.diag([1, -1, -1]))
    assert np.allclose(Kpq(2, 2), np.kron(I2, PZ))  # PennyLane: Z on wire 1
    assert np.allclose(Kpq(1, 2), np.diag([1, -1, -1, 1, -1, -1]))
    for f, args in [(J, (3,)), (Ipq, (1, 2)), (Kpq, (1, 2))]:
        with pytest.raises(ValueError, match="wire argument is only supported"):
            f(*args, wire=0)
    with pytest.raises(ValueError, match="outside the 2 qubits"):
        J(2, wire=2)


# ---- the involutions -------------------------------------------------------------------------
def test_involutions_hand_values():
    # theta(iX) = Y (iX)^* Y = -i Y X Y = i X: X is in k for AII; Y(0)Y(1): (-iYY)^*... in m
    assert AII(qml.X(0)) is True and AII(qml.Y(0) @ qml.Y(1)) is False
    # AI: i h real <=> h imaginary <=> odd number of Y
    assert AI(qml.Y(0) @ qml.X(1)) is True and AI(qml.Z(0) @ qml.X(1)) is False
    assert CI(qml.Y(0)) is True
    # AIII (p=q=2): Z(0) x Z(0) = x iff the word has I/Z on wire 0
    assert AIII(qml.Z(0) @ qml.Y(1), p=2, q=2) and not AIII(qml.X(0), p=2, q=2)
    assert BDI(qml.Y(1), p=2, q=2)
    # CII (p=q=2): Z on wire 1
    assert CII(qml.X(0), p=2, q=2) and not CII(qml.X(1), p=2, q=2)
    # DIII and the swaps: Y(0) x Y(0) = x iff I/Y on wire 0
    for f in (DIII, A, BD, C):
        assert f(qml.Y(0) @ qml.Z(1)) and f(qml.X(1)) and not f(qml.Z(0))
    assert even_odd_involution(qml.X(0) @ qml.Y(1) @ qml.Z(2)) is True
    assert even_odd_involution(qml.X(0) @ qml.Y(1)) is False
    assert concurrence_involution(qml.X(0) @ qml.Y(1)) is True
    assert concurrence_involution(qml.Y(0) @ qml.Y(1)) is False


ALL_INVOLUTIONS = {
    "AI": AI, "AII": AII, "AIII": partial(AIII, p=4, q=4), "BDI": partial(BDI, p=4, q=4),
    "CI": CI, "CII": partial(CII, p=4, q=4), "DIII": DIII, "A": A, "BD": BD, "C": C,
    "even_odd": even_odd_involution, "concurrence": concurrence_involution,
}


def _random_words(rng, count, n=3):
    letters = [ch for ch in "IXYZ"]
    out = []
    while len(out) < count:
        w = "".join(rng.choice(letters, size=n))
        if w != "I" * n:
            out.append(w)
    return out


@pytest.mark.parametrize("name", sorted(ALL_INVOLUTIONS))
def test_involution_is_an_automorphism_and_forms_agree(name):
    """theta([a, b]) = [theta(a), theta(b)]: the label of the word of a b is k exactly when
    a and b have the same label; the word, sentence, operator and matrix forms agree."""
    inv = ALL_INVOLUTIONS[name]
    rng = np.random.default_rng(7)
    words = _random_words(rng, 40)
    for s in words:
        pw = word(s)
        labels = {inv(pw), inv(PauliSentence({pw: 0.7})), inv(pw.operation()),
                  inv(word_matrix(s))}
        assert len(labels) == 1, (name, s, labels)
    checked = 0
    for a, b in zip(words[::2], words[1::2]):
        wa, wb = word(a), word(b)
        if wa.commutes_with(wb):
            continue
        prod = (PauliSentence({wa: 1.0}) @ PauliSentence({wb: 1.0}))
        (wab,) = list(prod)
        assert inv(wab) == (inv(wa) == inv(wb)), (name, a, b)
        checked += 1
    assert checked >= 5


def test_mixed_parity_and_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="different parities"):
        AI(qml.X(0) + qml.Y(0))
    with pytest.raises(ValueError, match="not well-defined"):
        even_odd_involution(word_matrix("XI") + word_matrix("XY"))
    with pytest.raises(ValueError, match="not well-defined"):
        concurrence_involution(word_matrix("XI") + 1j * word_matrix("YI"))
    for f in (AIII, BDI, CII):
        with pytest.raises(ValueError, match="please specify p and q"):
            f(qml.X(0), p=2)
    with pytest.raises(NotImplementedError, match="Involution not implemented"):
        AI([qml.X(0)])
    with pytest.raises(ValueError, match="Pauli form"):
        DIII(qml.Hadamard(0))
    # the non-qubit case of AIII goes through I_pq on the matrix: diag(1, 1, 1, 1, -1 ...)
    assert AIII(qml.Z(0) @ qml.Z(1) @ qml.Z(2) @ qml.Z(3), p=4, q=12)
    assert not AIII(qml.Y(0) @ qml.Z(1) @ qml.Z(2) @ qml.Z(3), p=4, q=12)


# ---- Cartan decomposition --------------------------------------------------------------------
def _relations_hold(k, m) -> bool:
    kk = [comm(a, b) for a, b in itertools.product(k, k)]
    km = [comm(a, b) for a, b in itertools.product(k, m)]
    mm = [comm(a, b) for a, b in itertools.product(m, m)]
    return in_span(kk, k) and in_span(km, m) and in_span(mm, k)


@pytest.mark.parametrize("involution", [even_odd_involution, concurrence_involution])
def test_cartan_decomp_satisfies_the_relations(involution):
    gens = [qml.X(0), qml.X(1), qml.X(2), qml.Z(0) @ qml.Z(1), qml.Z(1) @ qml.Z(2)]
    g = qml.lie_closure(gens)
    k, m = cartan_decomp(g, involution)
    assert len(k) + len(m) == len(g) and k and m
    km = [qml.matrix(op, wire_order=range(3)) for op in k]
    mm = [qml.matrix(op, wire_order=range(3)) for op in m]
    assert _relations_hold(km, mm)
    assert check_cartan_decomp(k, m) and check_cartan_decomp(km, mm)
    # a wrong split (one element moved) breaks them, and the check says so
    bad_k, bad_m = k + m[:1], m[1:]
    bk = [qml.matrix(op, wire_order=range(3)) for op in bad_k]
    bm = [qml.matrix(op, wire_order=range(3)) for op in bad_m]
    assert not _relations_hold(bk, bm)
    assert not check_cartan_decomp(bad_k, bad_m, verbose=False)
    assert not check_cartan_decomp(bk, bm, verbose=False)


def test_check_commutation_relation_by_hand(capsys):
    # [X, Y] = 2i Z
    assert not check_commutation_relation([qml.X(0)], [qml.Y(0)], [qml.X(0), qml.Y(0)])
    assert check_commutation_relation([qml.X(0)], [qml.Y(0)], [qml.Z(0)])
    assert check_commutation_relation([PX], [PY], [PZ])
    assert not check_commutation_relation([PX], [PY], [PX, PY])
    with pytest.raises(TypeError, match="All inputs `ops1`, `ops2`"):
        check_commutation_relation([qml.X(0)], [PY], [PZ])
    with pytest.raises(TypeError, match="All inputs `k`, `m`"):
        check_cartan_decomp([qml.Z(0)], [PX, PY])
    assert not check_cartan_decomp([qml.X(0), qml.Y(0)], [qml.Z(0)])
    assert "[k, k] sub k not fulfilled" in capsys.readouterr().out


# ---- adjoint vectors -------------------------------------------------------------------------
def test_adjoint_vectors_round_trip_in_a_skewed_basis():
    rng = np.random.default_rng(3)
    paulis = [PauliSentence({word(s): 1.0}) for s in ["XI", "YI", "ZI", "IX", "XY"]]
    coeffs = rng.random((5, 5)) + np.eye(5)
    basis = [sum((p * c for c, p in zip(row, paulis)), PauliSentence()) for row in coeffs]
    x = rng.random(5)
    op = sum((p * c for c, p in zip(x, paulis)), PauliSentence())
    # orthonormal Pauli basis: the coordinates are the coefficients
    assert np.allclose(op_to_adjvec([op], paulis), [x])
    # skewed basis: adjvec_to_op undoes op_to_adjvec; the true coordinates solve coeffs^T c = x
    v = op_to_adjvec([op], basis, is_orthogonal=False)
    (back,) = adjvec_to_op(v, basis, is_orthogonal=False)
    assert all(np.isclose(back.get(w, 0.0), op.get(w, 0.0)) for w in set(back) | set(op))
    true_c = np.linalg.solve(coeffs.T, x)
    gram = coeffs @ coeffs.T
    w, u = np.linalg.eigh(gram)
    assert np.allclose(v[0], (u * np.sqrt(w)) @ u.T @ true_c)
    # matrices and operators give the same numbers
    mats = [p.to_mat(wire_order=[0, 1]) for p in basis]
    assert np.allclose(op_to_adjvec([op.to_mat(wire_order=[0, 1])], mats, is_orthogonal=False), v)
    assert np.allclose(adjvec_to_op(v, mats, is_orthogonal=False)[0], op.to_mat(wire_order=[0, 1]))
    with pytest.raises(NotImplementedError, match="At least one operator"):
        op_to_adjvec([1], [PauliWord({0: "X"})])


def test_change_basis_ad_rep_matches_recomputed_structure_constants():
    basis = [qml.X(0), qml.Y(0), qml.Z(0)]
    t = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 2.0]])
    new_ops = [sum(t[i, j] * basis[j] for j in range(3)) for i in range(3)]
    adj = qml.structure_constants(basis)
    expected = qml.structure_constants(new_ops, is_orthogonal=False)
    assert np.allclose(change_basis_ad_rep(adj, t), expected)


# ---- horizontal Cartan subalgebra ------------------------------------------------------------
def _centraliser_dim(a, m) -> int:
    """dim {x in span(m): [x, a_i] = 0 for all i}, by the null space of the linear map."""
    cols = [np.concatenate([comm(b, ai).ravel() for ai in a]) for b in m]
    lin = np.array(cols).T
    return lin.shape[1] - np.linalg.matrix_rank(lin, tol=1e-9)


def test_horizontal_cartan_subalgebra_by_hand():
    """g = span{Z0, Z1, XX, YY, XY, YX} (k = {Z0, Z1}, even-odd): a maximal Abelian
    subalgebra of m is 2-dimensional (e.g. {XX, YY}; XX and XY do not commute)."""
    k = [word("ZI"), word("IZ")]
    m = [word("XX"), word("YY"), word("XY"), word("YX")]
    k, m = [PauliSentence({w: 1.0}) for w in k], [PauliSentence({w: 1.0}) for w in m]
    newg, k2, mtilde, a, new_adj = horizontal_cartan_subalgebra(k, m)
    assert len(a) == 2 and len(mtilde) == 2 and len(k2) == 2
    am = [p.to_mat(wire_order=[0, 1]) for p in a]
    mm = [p.to_mat(wire_order=[0, 1]) for p in m]
    assert all(np.allclose(comm(x, y), 0) for x, y in itertools.combinations(am, 2))
    assert in_span(am, mm)
    assert _centraliser_dim(am, mm) == len(a)  # maximal: nothing more of m commutes with a
    tm = [p.to_mat(wire_order=[0, 1]) for p in mtilde]
    assert all(abs(np.trace(x @ y)) < 1e-9 for x in tm for y in am)  # mtilde orthogonal to a
    assert np.allclose(new_adj, qml.structure_constants(newg))
    assert check_abelian(a)


def test_horizontal_cartan_subalgebra_matrices_and_adjvec():
    gens = [qml.X(0) @ qml.X(1), qml.X(1) @ qml.X(2), qml.Z(0), qml.Z(1), qml.Z(2)]
    g = qml.lie_closure([op.pauli_rep for op in gens], pauli=True)
    k, m = cartan_decomp(g, even_odd_involution)
    km = np.array([p.to_mat(wire_order=range(3)) for p in k])
    mm = np.array([p.to_mat(wire_order=range(3)) for p in m])
    newg, _, mtilde, a, new_adj = horizontal_cartan_subalgebra(km, mm, start_idx=1)
    assert len(a) + len(mtilde) == len(m)
    assert all(np.allclose(comm(x, y), 0) for x, y in itertools.combinations(a, 2))
    assert in_span(a, mm) and _centraliser_dim(a, mm) == len(a)
    assert np.allclose(new_adj, qml.structure_constants(newg, matrix=True))
    np_newg, np_k, np_mt, np_a, _ = horizontal_cartan_subalgebra(km, mm, start_idx=1,
                                                                 return_adjvec=True)
    assert np.allclose(np.tensordot(np_a, np.vstack([km, mm]), axes=1), a)


def test_check_abelian_kinds():
    assert check_abelian([qml.X(0), qml.X(1)]) and not check_abelian([qml.X(0), qml.Z(0)])
    assert check_abelian([PX, PX]) and not check_abelian([PX, PZ])
    with pytest.raises(NotImplementedError, match="At least one operator"):
        check_abelian([PauliWord({0: "X"})])


def test_center_sign_as_pennylane():
    """The center of <X0, X1, Y0Y1 + Z0Z1> is X0 + X1 (it commutes with the generators:
    [X0 + X1, Y0Y1 + Z0Z1] = 0 since X0X1 commutes with both); PennyLane's sign is +."""
    g = qml.lie_closure([qml.X(0), qml.X(1), qml.Y(0) @ qml.Y(1) + qml.Z(0) @ qml.Z(1)])
    (cent,) = qml.center(g)
    ps = cent.pauli_rep
    c = 1 / np.sqrt(2)
    assert set(ps) == {word("XI"), word("IX")}
    assert all(np.isclose(v, c) for v in ps.values())
    cm = qml.matrix(cent, wire_order=[0, 1])
    assert all(np.allclose(comm(cm, qml.matrix(x, wire_order=[0, 1])), 0) for x in g)


def test_matrix_sizes_are_checked():
    with pytest.raises(ValueError, match="square matrix of even size"):
        DIII(np.eye(3))
    with pytest.raises(ValueError, match="size 2\\*\\*n"):
        even_odd_involution(np.eye(3))
    with pytest.raises(ValueError, match="acts on 4x4 matrices"):
        AIII(np.eye(2), p=2, q=2)
