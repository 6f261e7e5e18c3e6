"""Cartan decompositions of ``qml.liealg`` (PennyLane's ``cartan_decomp``,
``check_cartan_decomp``, ``check_commutation_relation``, ``check_abelian``) and the adjoint
vectors of operators in a basis (``op_to_adjvec``, ``adjvec_to_op``,
``change_basis_ad_rep``), in NumPy.

Operators come as operators with a Pauli form, Pauli sentences, or matrices (NumPy arrays);
one call takes one kind. The square root of a Gram matrix (``is_orthogonal=False``) is
taken by its eigendecomposition (it is symmetric positive semi-definite).

>>> import qsym as qml
>>> from qsym.liealg import cartan_decomp, check_cartan_decomp, even_odd_involution
>>> g = qml.lie_closure([qml.X(0) @ qml.X(1), qml.Z(0), qml.Z(1)])
>>> k, m = cartan_decomp(g, even_odd_involution)
>>> k, check_cartan_decomp(k, m)
([Z(0), Z(1)], True)
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ._drawing import matrix as _matrix_of
from .pauli import PauliSentence, PauliVSpace, PauliWord, pauli_sentence

__all__ = ["cartan_decomp", "check_commutation_relation", "check_cartan_decomp",
           "check_abelian", "op_to_adjvec", "adjvec_to_op", "change_basis_ad_rep",
           "null_space", "intersect_bases"]

_UNSUPPORTED = ("At least one operator in the specified basis is of unsupported type, or not "
                "all operators are of the same type.")


def _is_tensor(x) -> bool:
    """A number or an array (PennyLane's ``TensorLike``); not a ``Fraction``."""
    return isinstance(x, (np.ndarray, np.generic, int, float, complex))


def _is_operator(x) -> bool:
    """An operator (not a Pauli word or sentence, not an array)."""
    return hasattr(x, "wires") and not isinstance(x, (PauliWord, PauliSentence, np.ndarray))


def null_space(a, rcond=None) -> np.ndarray:
    """An orthonormal basis (columns) of the null space of the matrix ``a``, SciPy's (its SVD;
    singular values up to ``rcond * s_max`` (default ``eps * max(a.shape)``) count as zero):
    PennyLane's, so the bases ``qml.liealg`` picks are its bases.

    >>> from qsym._cartan import null_space
    >>> null_space(np.array([[1.0, 1.0]])).round(6).T
    array([[-0.707107,  0.707107]])
    """
    try:
        from scipy.linalg import null_space as scipy_null_space
    except ImportError:  # pragma: no cover - scipy is in the test extra
        raise ImportError("qsym's Lie-algebra functions (qml.liealg, qml.center) take null "
                          "spaces from SciPy, as PennyLane's do (the basis they pick depends "
                          "on it), and qsym does not depend on SciPy: pip install scipy"
                          ) from None
    return scipy_null_space(np.asarray(a), rcond=rcond)


def intersect_bases(basis_0, basis_1, rcond=None) -> np.ndarray:
    """A basis (unit columns) of the intersection of the spans of the columns of
    ``basis_0`` and ``basis_1``: ``basis_0 @ u`` for ``(u, v)`` in the null space of
    ``[basis_0 | -basis_1]``.

    >>> from qsym._cartan import intersect_bases
    >>> e = np.eye(3)
    >>> np.abs(intersect_bases(e[:, :2], e[:, 1:])).round(6).T
    array([[0., 1., 0.]])
    """
    aug = null_space(np.hstack([basis_0, -basis_1]), rcond=rcond)
    inter = basis_0 @ aug[: basis_0.shape[1]]
    return inter / np.linalg.norm(inter, axis=0)


def cartan_decomp(g, involution) -> tuple:
    """Split the basis ``g`` of a Lie algebra by ``involution`` (a function of one
    operator, ``True`` for ``k``): ``(k, m)``, each element of ``g`` kept as it is (every
    element is assumed to lie in ``k`` or in ``m``).

    >>> import qsym as qml
    >>> from qsym.liealg import cartan_decomp, concurrence_involution
    >>> cartan_decomp([qml.X(0) @ qml.Y(1), qml.Z(0)], concurrence_involution)
    ([X(0) @ Y(1)], [Z(0)])
    """
    k, m = [], []
    for op in g:
        (k if involution(op) else m).append(op)
    return k, m


def _all_commutators(a, b) -> np.ndarray:
    """``[a_i, b_j]`` of two stacks of matrices, as one stack."""
    a, b = np.asarray(a), np.asarray(b)
    ab = np.einsum("iab,jbc->ijac", a, b)
    ba = np.einsum("jab,ibc->ijac", b, a)
    return (ab - ba).reshape((-1,) + a.shape[1:])


def _in_span(vectors, space) -> bool:
    """Whether the flattened ``vectors`` lie in the span of the flattened ``space``."""
    space = np.reshape(np.asarray(space), (len(space), -1))
    vectors = np.reshape(np.asarray(vectors), (len(vectors), -1))
    rank = np.linalg.matrix_rank
    return rank(np.vstack([space, vectors])) <= rank(space)


def check_commutation_relation(ops1, ops2, vspace) -> bool:
    """Whether every commutator ``[a, b]`` (``a`` in ``ops1``, ``b`` in ``ops2``) lies in
    the span of ``vspace`` (a :class:`~qsym.pauli.PauliVSpace` or a list): all three
    operators (or Pauli sentences), or all three matrices.

    >>> import qsym as qml
    >>> from qsym.liealg import check_commutation_relation
    >>> check_commutation_relation([qml.X(0)], [qml.Y(0)], [qml.X(0), qml.Y(0)])
    False
    >>> check_commutation_relation([qml.X(0)], [qml.Y(0)], [qml.Z(0)])
    True
    """
    tensors = [any(_is_tensor(op) for op in ops1), any(_is_tensor(op) for op in ops2),
               not isinstance(vspace, PauliVSpace) and any(_is_tensor(op) for op in vspace)]
    if any(tensors) and not all(tensors):
        raise TypeError("All inputs `ops1`, `ops2` and `vspace` to qml.liealg."
                        "check_commutation_relation need to either be iterables of operators "
                        "or matrices.")
    if all(tensors):
        return bool(_in_span(_all_commutators(ops1, ops2), vspace))
    if not isinstance(vspace, PauliVSpace):
        vspace = PauliVSpace(vspace, dtype=complex)
    for a in (pauli_sentence(op) for op in ops1):
        for b in (pauli_sentence(op) for op in ops2):
            com = a.commutator(b)
            com.simplify()
            if len(com) and vspace.is_independent(com):
                return False
    return True


def check_cartan_decomp(k, m, verbose=True) -> bool:
    """Whether ``k`` and ``m`` satisfy the Cartan commutation relations ``[k, k] <= k``,
    ``[k, m] <= m`` and ``[m, m] <= k`` (each one that fails is printed with
    ``verbose``). Operators (or Pauli sentences), or matrices, not both.

    >>> import qsym as qml
    >>> from qsym.liealg import check_cartan_decomp
    >>> check_cartan_decomp([qml.Z(0)], [qml.X(0), qml.Y(0)])
    True
    >>> check_cartan_decomp([qml.X(0)], [qml.Y(0), qml.Z(0)], verbose=False)
    True
    >>> check_cartan_decomp([qml.X(0), qml.Y(0)], [qml.Z(0)])
    [k, k] sub k not fulfilled
    [k, m] sub m not fulfilled
    False
    """
    k_tensor = [_is_tensor(op) for op in k]
    m_tensor = [_is_tensor(op) for op in m]
    if (any(k_tensor) or any(m_tensor)) and not (all(k_tensor) and all(m_tensor)):
        raise TypeError("All inputs `k`, `m` to check_cartan_decomp need to either be iterables "
                        f"of operators or matrices. Received `k` of types {[type(op) for op in k]} "
                        f"and `m` of types {[type(op) for op in m]}")
    if not any(k_tensor):
        k = [pauli_sentence(op) for op in k]
        m = [pauli_sentence(op) for op in m]
        k_space, m_space = PauliVSpace(k, dtype=complex), PauliVSpace(m, dtype=complex)
    else:
        k_space, m_space = k, m
    checks = {"[k, k] sub k": (k, k, k_space), "[k, m] sub m": (k, m, m_space),
              "[m, m] sub k": (m, m, k_space)}
    ok = True
    for name, args in checks.items():
        if not check_commutation_relation(*args):
            ok = False
            if verbose:
                print(f"{name} not fulfilled")
    return ok


def _inv_sqrt(gram) -> np.ndarray:
    """The pseudo-inverse of the square root of a symmetric PSD Gram matrix."""
    w, v = np.linalg.eigh(np.real(gram))
    w = np.clip(w, 0.0, None)
    cut = max(w.max(initial=0.0), 0.0) * len(w) * np.finfo(float).eps * 10
    inv = np.where(w > cut, 1 / np.sqrt(np.where(w > cut, w, 1.0)), 0.0)
    return (v * inv) @ v.T


def _ps_dot(a: PauliSentence, b: PauliSentence):
    """``tr(a b) / 2**n`` of two Pauli sentences: the sum of the products of the
    coefficients of their common words (``w w = I``), without multiplying them out."""
    if len(b) < len(a):
        a, b = b, a
    return sum(c * b[w] for w, c in a.items() if w in b)


def _ps_gram(basis) -> np.ndarray:
    return np.array([[np.real(_ps_dot(a, b)) for b in basis] for a in basis], dtype=float)


def op_to_adjvec(ops, basis, is_orthogonal=True) -> np.ndarray:
    """The coordinates ``c`` of each of ``ops`` in ``basis`` (``op = sum_j c_j b_j``), an
    array ``(len(ops), len(basis))``, by the trace inner product. ``is_orthogonal=False``
    gives the coordinates in the orthonormalised basis ``G^(-1/2) b`` (``G`` the Gram matrix),
    which :func:`adjvec_to_op` undoes. ``basis``: operators, Pauli sentences or matrices.

    >>> import qsym as qml
    >>> from qsym.liealg import op_to_adjvec
    >>> op_to_adjvec([qml.X(0) + 0.5 * qml.Y(0)], [qml.X(0), qml.Y(0), qml.Z(0)])
    array([[1. , 0.5, 0. ]])
    """
    basis = list(basis)
    if basis and all(_is_operator(b) for b in basis):
        basis = [b.pauli_rep for b in basis]
    if basis and all(isinstance(b, PauliSentence) for b in basis):
        ops = [pauli_sentence(op) for op in ops]
        res = np.array([[np.real(_ps_dot(b, op)) for b in basis] for op in ops], dtype=float)
        if is_orthogonal:
            return res / np.array([np.real(_ps_dot(b, b)) for b in basis])
        return res @ _inv_sqrt(_ps_gram(basis)).T
    if basis and all(_is_tensor(b) and not isinstance(b, (int, float, complex)) for b in basis):
        mats = np.asarray(basis)
        dim = mats.shape[-1]
        if not all(_is_tensor(op) for op in ops):
            n = int(np.round(np.log2(dim)))
            ops = [_matrix_of(op, wire_order=range(n)) for op in ops]
        ops = np.asarray(ops)
        res = np.real(np.einsum("kab,jab->kj", ops.conj(), mats)) / dim
        if is_orthogonal:
            return res / (np.real(np.einsum("bij,bji->b", mats, mats)) / dim)
        gram = np.real(np.einsum("iab,jab->ij", mats.conj(), mats)) / dim
        return res @ _inv_sqrt(gram).T
    raise NotImplementedError(_UNSUPPORTED)


def adjvec_to_op(adj_vecs, basis, is_orthogonal=True) -> list:
    """The operators ``sum_j c_j b_j`` of the coordinate vectors ``adj_vecs`` (shape
    ``(batch, len(basis))``) in ``basis``, in the basis's kind (Pauli sentences, operators,
    or a stack of matrices); the inverse of :func:`op_to_adjvec`.

    >>> import qsym as qml
    >>> from qsym.liealg import adjvec_to_op
    >>> adjvec_to_op(np.array([[0.5, 0.3, 0.7]]), [qml.X(0), qml.Y(0), qml.Z(0)])
    [0.5 * X(0) + 0.3 * Y(0) + 0.7 * Z(0)]
    """
    basis = list(basis)
    adj_vecs = np.asarray(adj_vecs)
    if adj_vecs.ndim != 2 or adj_vecs.shape[1] != len(basis):
        raise ValueError(f"adjvec_to_op needs vectors of shape (batch, {len(basis)}) for a basis "
                         f"of {len(basis)} operators; got shape {adj_vecs.shape}")
    kind = ("ps" if basis and all(isinstance(b, PauliSentence) for b in basis) else
            "op" if basis and all(_is_operator(b) for b in basis) else
            "dense" if basis and all(_is_tensor(b) for b in basis) else None)
    if kind is None:
        raise NotImplementedError(_UNSUPPORTED)
    if not is_orthogonal:
        gram = (_ps_gram(basis) if kind == "ps" else
                _ps_gram([b.pauli_rep for b in basis]) if kind == "op" else
                np.real(np.einsum("iab,jab->ij", np.conj(basis), np.asarray(basis)))
                / np.shape(basis[0])[-1])
        adj_vecs = adj_vecs @ _inv_sqrt(gram)
    if kind == "dense":
        return np.tensordot(adj_vecs, np.asarray(basis), axes=1)
    out = []
    for vec in adj_vecs:
        total = sum(b * c for c, b in zip(vec, basis))  # numpy scalars kept (float64 coefficients)
        if kind == "ps":
            total.simplify()
        else:
            total = total.simplify()
        out.append(total)
    return out


def change_basis_ad_rep(adj, basis_change) -> np.ndarray:
    """The adjoint representation ``adj`` (``adj[i, j, k]``: component ``i`` of ``[b_j,
    b_k]``) in the new basis ``c_i = sum_j T_ij b_j`` (``T`` = ``basis_change``).

    >>> import qsym as qml
    >>> from qsym.liealg import change_basis_ad_rep
    >>> adj = qml.structure_constants([qml.X(0), qml.Y(0), qml.Z(0)])
    >>> swap = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    >>> new = qml.structure_constants([qml.Y(0), qml.X(0), qml.Z(0)])
    >>> bool(np.allclose(change_basis_ad_rep(adj, swap), new))
    True
    """
    t = np.asarray(basis_change)
    out = np.einsum("mnp,im->inp", adj, np.linalg.pinv(t.T))
    out = np.einsum("mnp,in->mip", out, t)
    return np.einsum("mnp,ip->mni", out, t)


def check_abelian(ops) -> bool:
    """Whether all of ``ops`` (operators, Pauli sentences, or matrices) commute pairwise.

    >>> import qsym as qml
    >>> from qsym.liealg import check_abelian
    >>> check_abelian([qml.X(0), qml.X(1)]), check_abelian([qml.X(0), qml.Y(0)])
    (True, False)
    """
    ops = list(ops)
    if all(isinstance(op, PauliSentence) for op in ops) or all(
            _is_operator(op) and op.pauli_rep is not None for op in ops):
        sentences = [pauli_sentence(op) for op in ops]
        for a, b in combinations(sentences, 2):
            com = b.commutator(a)
            com.simplify()
            if len(com):
                return False
        return True
    if all(_is_operator(op) for op in ops):
        wires = sorted(set().union(*(op.wires for op in ops)))
        ops = [_matrix_of(op, wire_order=wires) for op in ops]
    if all(_is_tensor(op) for op in ops):
        return all(np.allclose(b @ a, a @ b) for a, b in combinations(ops, 2))
    raise NotImplementedError(_UNSUPPORTED)
