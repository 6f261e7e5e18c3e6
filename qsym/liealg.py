"""``qml.liealg``: dynamical Lie algebras of Pauli operators and matrices (PennyLane's
``qml.lie_closure``, ``qml.structure_constants``, ``qml.center``), in NumPy.

An operator with a Pauli form is handled as its Pauli sentence (exact products of words;
the basis kept by :class:`~qsym.pauli.PauliVSpace`); ``matrix=True`` works on dense
matrices (their trace inner product). The inner product of Hermitian operators is
``tr(A B) / 2**n``, the coefficient sum ``sum_w a_w b_w`` of their Pauli sentences.

>>> import qsym as qml
>>> dla = qml.lie_closure([qml.X(0) @ qml.X(1), qml.Z(0), qml.Z(1)])
>>> len(dla)
6
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from . import _involutions as involutions
from ._cartan import (adjvec_to_op, cartan_decomp, change_basis_ad_rep, check_abelian,
                      check_cartan_decomp, check_commutation_relation, intersect_bases,
                      null_space, op_to_adjvec)
from ._drawing import matrix as _matrix_of
from ._involutions import (AI, AII, AIII, BD, BDI, CI, CII, DIII, A, C, concurrence_involution,
                           even_odd_involution)
from .pauli import PauliSentence, PauliVSpace, PauliWord, pauli_sentence
from .wires import Wires

__all__ = ["lie_closure", "structure_constants", "center", "cartan_decomp",
           "check_cartan_decomp", "check_commutation_relation", "even_odd_involution",
           "concurrence_involution", "A", "AI", "AII", "AIII", "BD", "BDI", "C", "CI", "CII",
           "DIII", "horizontal_cartan_subalgebra", "adjvec_to_op", "op_to_adjvec",
           "change_basis_ad_rep", "check_abelian"]


def _sentences(generators, pauli: bool, what: str) -> list:
    """The generators as Pauli sentences; with ``pauli=True`` they must already be."""
    if pauli and not all(isinstance(g, (PauliWord, PauliSentence)) for g in generators):
        raise TypeError(f"All generators need to be of type PauliSentence or PauliWord when "
                        f"using pauli=True in {what}.")
    return [pauli_sentence(g) for g in generators]


def lie_closure(generators, *, max_iterations: int = 10000, verbose: bool = False,
                pauli: bool = False, matrix: bool = False, tol: float = None):
    """The dynamical Lie algebra of ``generators``: a basis of the span of the generators
    and all their nested commutators (PennyLane's ``qml.lie_closure``). Each epoch adds
    the commutators of the elements found in the last one with the generators (``[A, B] /
    2i``, Hermitian), kept when linearly independent; it stops when an epoch adds none,
    or after ``max_iterations`` epochs (a ``UserWarning``).

    Returns operators (Pauli sentences with ``pauli=True``); with ``matrix=True`` an array
    ``(dim, 2**n, 2**n)`` of orthonormal Hermitian matrices (generators may then be
    matrices, Hermitian or anti-Hermitian).

    >>> import qsym as qml
    >>> [str(op) for op in qml.lie_closure([qml.X(0), qml.Y(0)])]
    ['X(0)', 'Y(0)', 'Z(0)']
    """
    if matrix:
        return _lie_closure_matrix(generators, max_iterations, verbose, tol)
    vspace = PauliVSpace(_sentences(generators, pauli, "lie_closure"), tol=tol)
    old, initial = 0, len(vspace)
    epoch = 0
    while len(vspace) > old and epoch < max_iterations:
        if verbose:
            print(f"epoch {epoch + 1} of lie_closure, DLA size is {len(vspace)}")
        new_from, old = old, len(vspace)
        for a in vspace.basis[new_from:old]:
            for b in vspace.basis[:initial]:
                com = a.commutator(b)
                com.simplify(tol=vspace.tol)
                if com:
                    vspace.add(PauliSentence({w: c.imag / 2 for w, c in com.items()}), tol=tol)
        epoch += 1
        if epoch == max_iterations:
            warnings.warn(f"reached the maximum number of iterations {max_iterations}", UserWarning)
    if verbose:
        print(f"After {epoch} epochs, reached a DLA size of {len(vspace)}")
    return list(vspace.basis) if pauli else [ps.operation() for ps in vspace.basis]


def _matrices(ops) -> np.ndarray:
    """Operators (on wires ``0..n-1``) or matrices as one array ``(k, 2**n, 2**n)``."""
    if len(ops) == 0:
        raise ValueError("matrix=True needs at least one generator (operators or square "
                         "matrices): the Lie closure of nothing has no matrix size")
    if all(isinstance(op, (PauliWord, PauliSentence)) or hasattr(op, "wires") for op in ops):
        wires = Wires.all_wires([op.wires for op in ops])
        if set(wires) != set(range(len(wires))):
            raise ValueError(f"matrix=True needs operators on the wires 0..n-1; got {list(wires)}")
        order = list(range(len(wires)))
        mats = [pauli_sentence(op).to_mat(wire_order=order) if isinstance(op, (PauliWord, PauliSentence))
                else _matrix_of(op, wire_order=order) for op in ops]
        return np.asarray(mats, dtype=complex)
    mats = np.asarray([np.asarray(m) for m in ops], dtype=complex)
    if mats.ndim != 3 or mats.shape[1] != mats.shape[2]:
        raise ValueError(f"matrix=True needs square matrices of one size; got shape {mats.shape}")
    return mats


def _hermitian_basis(mats, tol, start: int) -> np.ndarray:
    """Gram-Schmidt of ``mats[start:]`` against an orthonormal ``mats[:start]`` in
    ``<A, B> = tr(A^dagger B) / dim``; an anti-Hermitian matrix is taken times ``i``."""
    tol = 1e-10 if tol is None else tol
    dim = mats.shape[-1]
    basis = list(mats[:start])
    for a in mats[start:]:
        if not np.allclose(a.conj().T, a):
            a = 1j * a
            if not np.allclose(a.conj().T, a):
                raise ValueError(f"At least one basis matrix is not (skew-)Hermitian:\n{a}")
        b = a.copy()
        if basis:
            stack = np.asarray(basis)
            b = b - np.tensordot(np.einsum("kij,ij->k", stack.conj(), a) / dim, stack, axes=1)
        norm = np.sqrt(np.vdot(b, b).real / dim)
        if norm > tol:
            basis.append(b / norm)
    return np.asarray(basis, dtype=complex).reshape((-1, dim, dim))


def _lie_closure_matrix(generators, max_iterations, verbose, tol) -> np.ndarray:
    vspace = _hermitian_basis(_matrices(generators), tol, 0)
    old, initial = 0, len(vspace)
    epoch = 0
    while len(vspace) > old and epoch < max_iterations:
        if verbose:
            print(f"epoch {epoch + 1} of lie_closure, DLA size is {len(vspace)}")
        new, gens = vspace[old:], vspace[:initial]
        coms = (np.einsum("aij,bjk->abik", new, gens) - np.einsum("bij,ajk->abik", gens, new))
        old = len(vspace)
        vspace = _hermitian_basis(np.concatenate([vspace, coms.reshape((-1,) + vspace.shape[1:])]),
                                  tol, old)
        epoch += 1
        if epoch == max_iterations:
            warnings.warn(f"reached the maximum number of iterations {max_iterations}", UserWarning)
    if verbose:
        print(f"After {epoch} epochs, reached a DLA size of {len(vspace)}")
    return vspace


def _adjoint(inner, commutators, n: int, is_orthogonal: bool) -> np.ndarray:
    """``f[i, j, k] = Re(i <g_i, [g_j, g_k]>)`` divided by ``<g_i, g_i>`` (an orthogonal
    basis), or by the Gram matrix's pseudo-inverse."""
    rep = np.real(1j * commutators)
    gram = np.real(inner)
    if is_orthogonal:
        return rep / np.diag(gram)[:, None, None]
    return np.tensordot(np.linalg.pinv(gram), rep, axes=[[-1], [0]])


def structure_constants(g, pauli: bool = False, matrix: bool = False,
                        is_orthogonal: bool = True) -> np.ndarray:
    """The adjoint representation of the Lie algebra with basis ``g`` (PennyLane's
    ``qml.structure_constants``): ``f[i, j, k]`` with ``[i g_j, i g_k] = sum_i f[i, j, k]
    i g_i`` for Hermitian ``g``, i.e. ``f[i, j, k] = Re(i tr(g_i [g_j, g_k])) / tr(g_i^2)``
    for an orthogonal basis (``is_orthogonal=False``: by the Gram matrix's pseudo-inverse).
    ``matrix=True`` computes with dense matrices (``g`` may be matrices).

    >>> import qsym as qml
    >>> f = qml.structure_constants([qml.X(0), qml.Y(0), qml.Z(0)])
    >>> f[2, 0, 1], f[0, 1, 2], f[1, 2, 0]      # [iX, iY] = -2 iZ
    (np.float64(-2.0), np.float64(-2.0), np.float64(-2.0))
    """
    if matrix:
        mats = _matrices(g)
        dim = mats.shape[-1]
        prod = np.einsum("jab,kbc->jkac", mats, mats)
        coms = prod - np.swapaxes(prod, 0, 1)
        inner = np.einsum("iab,jba->ij", mats, mats) / dim
        return _adjoint(inner, np.einsum("iab,jkba->ijk", mats, coms) / dim, len(g), is_orthogonal)
    if any(not isinstance(op, (PauliWord, PauliSentence)) and getattr(op, "pauli_rep", None) is None
           for op in g):
        raise ValueError(f"Cannot compute adjoint representation of non-pauli operators. Received "
                         f"{g}. If you want to use matrices, use structure_constants(.., matrix=True)")
    ps = [pauli_sentence(op) for op in g]
    d = len(ps)
    inner = np.array([[sum(a.get(w, 0.0) * c for w, c in b.items()) for b in ps] for a in ps])
    coms = np.zeros((d, d, d), dtype=complex)
    for j in range(d):
        for k in range(j + 1, d):
            com = ps[j].commutator(ps[k])
            for i in range(d):
                coms[i, j, k] = sum(ps[i].get(w, 0.0) * c for w, c in com.items())
                coms[i, k, j] = -coms[i, j, k]
    return _adjoint(inner, coms, d, is_orthogonal)


def center(g, pauli: bool = False) -> list:
    """The center of the Lie algebra with basis ``g``: the elements commuting with all of
    it (PennyLane's ``qml.center``). For Pauli words, the words commuting with every word;
    otherwise the common null space of the adjoint representation's matrices, as linear
    combinations of ``g``. Operators in, operators out (Pauli sentences with ``pauli=True``).

    >>> import qsym as qml
    >>> qml.center([qml.X(0), qml.Y(0), qml.Z(0), qml.I()])
    [I()]
    """
    if len(g) < 2:
        return list(g)
    ps = _sentences(g, False, "center")
    if all(len(s) == 1 for s in ps):  # Pauli words (times numbers)
        words = [next(iter(s)) for s in ps]
        keep = [i for i, w in enumerate(words) if all(w.commutes_with(v) for v in words)]
        out = [g[i] for i in keep]
        return out if pauli else [x.operation() if isinstance(x, (PauliWord, PauliSentence)) else x
                                  for x in out]
    adjoint = structure_constants(ps, pauli=True)
    kernel = null_space(adjoint[0])
    for ad_x in adjoint[1:]:  # PennyLane's order, so the basis (and its signs) is the same
        kernel = intersect_bases(kernel, null_space(ad_x))
        if kernel.shape[1] == 0:
            return []
    res = []
    for coeffs in kernel.T:
        s = PauliSentence()
        for c, x in zip(coeffs, ps):
            s = s + x * float(np.real(c))
        s.simplify()
        res.append(s)
    return res if pauli else [s.operation() for s in res]


def _orthonormal_rows(x) -> np.ndarray:
    """An orthonormal basis (rows) of the span of the rows of ``x``, by QR (Gram-Schmidt)."""
    q, _ = np.linalg.qr(np.asarray(x).T, mode="reduced")
    return q.T


def _independent(v, a, tol) -> bool:
    """Whether the vector ``v`` is outside the span of the columns of ``a``."""
    v = v / np.linalg.norm(v)
    v = v - a @ np.linalg.solve(a.conj().T @ a, a.conj().T) @ v  # PennyLane's projection
    return np.linalg.norm(v) > tol


def _complement_rows(a, m, tol) -> np.ndarray:
    """An orthonormal basis (rows) of the part of span(rows of ``m``) orthogonal to ``a``."""
    q = _orthonormal_rows(a)
    rest = np.asarray(m) - (np.asarray(m) @ q.T) @ q
    u, s, _ = np.linalg.svd(rest.T)
    return u[:, : int(np.sum(s > tol))].T


def _abelian_in_m(adj, np_m, np_a, tol, verbose) -> np.ndarray:
    """Grow ``np_a`` by vectors of span(``np_m``) commuting with all of it, until none."""
    iteration = 1
    while True:
        if verbose:
            print(f"iteration {iteration}: Found {len(np_a)} independent Abelian operators.")
        kernel = np_m
        for h in np_a:  # the part of m in the kernel of ad_h
            kernel = intersect_bases(kernel.T, null_space(np.tensordot(adj, h, axes=[[1], [0]]),
                                                          rcond=tol), rcond=tol).T
        for vec in _orthonormal_rows(kernel) if len(kernel) else []:
            # normalized again before it is kept, as PennyLane's check normalizes it in
            # place: its last bits choose among equal candidates in the next kernels
            vec = vec / np.linalg.norm(vec)
            if _independent(vec, np.asarray(np_a).T, tol):
                np_a = np.vstack([np_a, vec])
                break
        else:
            return np_a
        iteration += 1


def horizontal_cartan_subalgebra(k, m, adj=None, start_idx=0, tol=1e-10, verbose=0,
                                 return_adjvec=False, is_orthogonal=True):
    """A horizontal Cartan subalgebra ``a``: a maximal Abelian subalgebra of ``m`` in the
    Cartan decomposition ``g = k + m`` (PennyLane's ``qml.liealg.horizontal_cartan_subalgebra``),
    grown from ``m[start_idx]`` by elements of ``m`` in the kernel of the adjoint action of
    all found so far. ``adj`` is ``g = k + m``'s adjoint representation (computed by
    :func:`structure_constants` when ``None``).

    Returns ``(newg, k, mtilde, a, new_adj)``: the new basis ``newg = k + mtilde + a``
    (``mtilde`` the rest of ``m``), in the input's kind (or as coordinate vectors in ``g``
    with ``return_adjvec=True``), and the adjoint representation in ``newg``.

    >>> import qsym as qml
    >>> from qsym.liealg import horizontal_cartan_subalgebra
    >>> k = [qml.Z(0).pauli_rep, qml.Z(1).pauli_rep]
    >>> m = [(qml.X(0) @ qml.X(1)).pauli_rep, (qml.Y(0) @ qml.Y(1)).pauli_rep,
    ...      (qml.X(0) @ qml.Y(1)).pauli_rep, (qml.Y(0) @ qml.X(1)).pauli_rep]
    >>> newg, k2, mtilde, a, new_adj = horizontal_cartan_subalgebra(k, m)
    >>> len(a), len(mtilde), qml.liealg.check_abelian(a)
    (2, 2, True)
    """
    if isinstance(k, (list, tuple)) and isinstance(m, (list, tuple)):
        g = list(k) + list(m)
    else:
        g = np.vstack([k, m])
    if adj is None:
        adj = structure_constants(g, matrix=isinstance(g[0], np.ndarray))
    np_m = op_to_adjvec(m, g, is_orthogonal=is_orthogonal)
    np_a = op_to_adjvec([m[start_idx]], g, is_orthogonal=is_orthogonal)
    np_a = _orthonormal_rows(_abelian_in_m(adj, np_m, np_a, tol, verbose))
    np_k = op_to_adjvec(k, g, is_orthogonal=is_orthogonal)
    np_oldg = np.vstack([np_k, np_m])
    np_k = _orthonormal_rows(np_k)
    np_mtilde = _complement_rows(np_a, np_m, tol)
    np_newg = np.vstack([np_k, np_mtilde, np_a])
    new_adj = change_basis_ad_rep(adj, np_newg @ np.linalg.pinv(np_oldg))
    if return_adjvec:
        return np_newg, np_k, np_mtilde, np_a, new_adj
    newg, k, mtilde, a = (adjvec_to_op(v, g, is_orthogonal=is_orthogonal)
                          for v in (np_newg, np_k, np_mtilde, np_a))
    return newg, k, mtilde, a, new_adj


# PennyLane's module path ``pennylane.liealg.involutions`` (``from qsym.liealg.involutions
# import J``)
sys.modules[f"{__name__}.involutions"] = involutions
