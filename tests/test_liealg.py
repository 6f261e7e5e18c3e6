"""qml.pauli.PauliVSpace and qml.liealg (lie_closure, structure_constants, center), issue
#18: dimensions of known Lie algebras, closure and structure constants checked with dense
matrices built here from Kronecker products, and PennyLane 0.45.1 where installed."""

from __future__ import annotations

import functools

import numpy as onp
import pytest

import qsym as qml
from qsym.pauli import PauliSentence, PauliVSpace, PauliWord

P = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]), "Y": onp.array([[0, -1j], [1j, 0]]),
     "Z": onp.diag([1, -1])}


def dense(ps: PauliSentence, n: int) -> onp.ndarray:
    """The matrix of a Pauli sentence on wires 0..n-1 by Kronecker products (wire 0 first)."""
    out = onp.zeros((2**n, 2**n), dtype=complex)
    for word, c in ps.items():
        out += c * functools.reduce(onp.kron, [P[word[w]] for w in range(n)])
    return out


def in_span(m, basis) -> bool:
    a = onp.array([b.ravel() for b in basis]).T
    coeffs = onp.linalg.lstsq(a, m.ravel(), rcond=None)[0]
    return onp.allclose(a @ coeffs, m.ravel(), atol=1e-9)


def test_vspace_keeps_an_independent_basis():
    xx, yy = PauliWord({0: "X", 1: "X"}), PauliWord({0: "Y", 1: "Y"})
    v = PauliVSpace([xx + yy, PauliSentence({xx: 1.0}), PauliSentence({yy: 2.0})])
    assert len(v) == 2 and v._rank == 2 and v._num_pw == 2
    assert onp.allclose(onp.linalg.norm(v._M, axis=0), 1.0)
    assert not v.is_independent(PauliSentence({yy: -3.0}))
    assert v.is_independent(qml.Z(0).pauli_rep)
    v.add([qml.Z(0), qml.Z(0).pauli_rep + xx])
    assert len(v) == 3
    assert v == PauliVSpace([qml.X(0) @ qml.X(1), qml.Y(0) @ qml.Y(1), qml.Z(0)])
    assert v != PauliVSpace([qml.X(0) @ qml.X(1), qml.Z(0)])
    assert len(PauliVSpace([])) == 0


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("matrix", [False, True])
def test_open_transverse_field_ising_closes_to_so_2n(n, matrix):
    """{X_i X_i+1, Z_i} of an open chain generates so(2n) (dimension n(2n - 1)), free
    fermions' algebra; every commutator of the result lies in its span."""
    gens = [qml.X(i) @ qml.X(i + 1) for i in range(n - 1)] + [qml.Z(i) for i in range(n)]
    dla = qml.lie_closure(gens, matrix=matrix)
    assert len(dla) == n * (2 * n - 1)
    mats = list(dla) if matrix else [dense(op.pauli_rep, n) for op in dla]
    for a in mats[:4]:
        for b in mats:
            assert in_span(a @ b - b @ a, mats)


def test_su2_and_the_warning_at_the_iteration_limit(capsys):
    assert len(qml.lie_closure([qml.X(0), qml.Y(0)])) == 3
    gens = [PauliSentence({PauliWord({0: "X", 1: "X"}): 1.0}),
            PauliSentence({PauliWord({0: "Z"}): 1.0}), PauliSentence({PauliWord({1: "Z"}): 1.0})]
    with pytest.warns(UserWarning, match="maximum number of iterations 1"):
        out = qml.lie_closure(gens, pauli=True, max_iterations=1, verbose=True)
    assert all(isinstance(p, PauliSentence) for p in out)
    assert "epoch 1 of lie_closure, DLA size is 3" in capsys.readouterr().out
    with pytest.raises(TypeError, match="PauliSentence or PauliWord"):
        qml.lie_closure([qml.X(0)], pauli=True)
    with pytest.raises(ValueError, match="not \\(skew-\\)Hermitian"):
        qml.lie_closure([onp.array([[0, 1], [0, 0]])], matrix=True)


def test_structure_constants_reconstruct_the_commutators():
    """[g_j, g_k] = -i sum_i f[i, j, k] g_i for a Hermitian orthogonal basis, checked with
    dense matrices; matrix=True gives the same numbers; a non-orthogonal basis too."""
    n = 3
    dla = qml.lie_closure([qml.X(i) @ qml.X(i + 1) for i in range(n - 1)]
                          + [qml.Z(i) for i in range(n)])
    mats = [dense(op.pauli_rep, n) for op in dla]
    f = qml.structure_constants(dla)
    for j in range(len(mats)):
        for k in range(len(mats)):
            want = mats[j] @ mats[k] - mats[k] @ mats[j]
            assert onp.allclose(-1j * onp.tensordot(f[:, j, k], mats, axes=1), want)
    assert onp.allclose(qml.structure_constants(dla, matrix=True), f)
    skew = [qml.X(0), qml.X(0) + qml.Y(0), qml.Z(0)]
    g = qml.structure_constants(skew, is_orthogonal=False)
    sm = [dense(op.pauli_rep, 1) for op in skew]
    for j in range(3):
        for k in range(3):
            assert onp.allclose(-1j * onp.tensordot(g[:, j, k], sm, axes=1),
                                sm[j] @ sm[k] - sm[k] @ sm[j])
    with pytest.raises(ValueError, match="non-pauli operators"):
        qml.structure_constants([qml.Hadamard(0)])


def test_center():
    assert qml.center([qml.X(0), qml.Y(0), qml.Z(0), qml.I()]) == [qml.I()]
    assert qml.center([qml.X(0) + qml.Y(0), qml.X(0) - qml.Y(0), qml.Z(0)]) == []
    ops = [qml.X(0) + qml.Y(0), qml.X(0) - qml.Y(0), qml.Z(0), qml.Z(0) + qml.Z(1)]
    (c,) = qml.center(ops, pauli=False)
    m = dense(c.pauli_rep, 2)
    assert onp.allclose(m / m[0, 0], dense(qml.Z(1).pauli_rep, 2))   # Z(1), normalised
    for op in ops:
        o = dense(op.pauli_rep, 2)
        assert onp.allclose(m @ o, o @ m)


def test_agrees_with_pennylane():
    pl = pytest.importorskip("pennylane")
    gens = [("XX", (0, 1)), ("Z", (0,)), ("Z", (1,)), ("YY", (1, 2)), ("X", (2,))]
    ours = [PauliSentence({PauliWord(dict(zip(w, s))): 1.0}) for s, w in gens]
    theirs = [pl.pauli.PauliSentence({pl.pauli.PauliWord(dict(zip(w, s))): 1.0}) for s, w in gens]
    a, b = qml.lie_closure(ours, pauli=True), pl.lie_closure(theirs, pauli=True)
    assert len(a) == len(b)
    assert onp.allclose(qml.structure_constants(a, pauli=True),
                        pl.structure_constants(b, pauli=True))


def test_lie_closure_of_no_generators():
    """Operators: the empty closure (PennyLane's []); matrix=True: a ValueError that says a
    generator is needed (was NumPy's 'cannot reshape array of size 0')."""
    assert list(qml.lie_closure([])) == []
    with pytest.raises(ValueError, match="at least one generator"):
        qml.lie_closure([], matrix=True)
