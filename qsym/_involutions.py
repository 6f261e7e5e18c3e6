"""Cartan involutions of ``qml.liealg`` (PennyLane's ``qml.liealg.involutions``): the
canonical involutions ``AI`` ... ``DIII`` (arXiv:2406.04418, appendix C), the even-odd and
the concurrence involution, and their matrices ``J``, ``Ipq``, ``Kpq``, in NumPy.

An involution takes a Hermitian operator ``h`` (an operator with a Pauli form, a Pauli word
or sentence, or a matrix) and says whether ``i h`` is in the ``+1`` eigenspace ``k`` of
``theta`` (``True``) or in the ``-1`` eigenspace ``m`` (``False``). On Pauli words this is a
count (of ``Y`` factors, of factors on one wire); a sentence whose words disagree has no
parity and is refused (``ValueError``).

>>> import qsym as qml
>>> from qsym.liealg import AI, even_odd_involution
>>> AI(qml.X(0) @ qml.Y(1)), even_odd_involution(qml.X(0) @ qml.Y(1))
(True, False)
"""

from __future__ import annotations

import numpy as np

from ._drawing import matrix as _matrix_of
from .pauli import PauliSentence, PauliWord, pauli_sentence

__all__ = ["J", "Ipq", "Kpq", "A", "AI", "AII", "AIII", "BD", "BDI", "C", "CI", "CII",
           "DIII", "even_odd_involution", "concurrence_involution"]

_PAULI = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
          "Z": np.diag([1.0, -1.0])}


def _int_log2(x) -> int:
    return int(np.round(np.log2(x)))


def _qubit_case(p, q) -> bool:
    return p == q and 2 ** _int_log2(p) == p


def _single(letter: str, wire: int, n: int) -> np.ndarray:
    """The Pauli ``letter`` on ``wire`` of ``n`` qubits (wire 0 the most significant)."""
    if not 0 <= wire < n:
        raise ValueError(f"wire {wire} is outside the {n} qubits of this matrix (wires 0..{n - 1})")
    out = np.eye(1)
    for w in range(n):
        out = np.kron(out, _PAULI[letter if w == wire else "I"])
    return out.astype(complex)


def _no_wire(wire, what: str) -> None:
    if wire is not None:
        raise ValueError(f"The wire argument is only supported for {what}.")


def J(n, wire=None) -> np.ndarray:
    """The symplectic matrix ``[[0, -i 1_n], [i 1_n, 0]]`` of size ``2n``; for ``n = 2**N``
    it is ``Y`` on ``wire`` (default 0) of ``N + 1`` qubits.

    >>> from qsym.liealg.involutions import J
    >>> J(1)
    array([[0.+0.j, 0.-1.j],
           [0.+1.j, 0.+0.j]])
    """
    N = _int_log2(n)
    if 2**N == n:
        return _single("Y", 0 if wire is None else wire, N + 1)
    _no_wire(wire, "n=2**N for some integer N")
    zeros, eye = np.zeros((n, n)), np.eye(n)
    return np.block([[zeros, -1j * eye], [1j * eye, zeros]])


def Ipq(p, q, wire=None) -> np.ndarray:
    """``diag(1 (p times), -1 (q times))``; for ``p = q = 2**N`` it is ``Z`` on ``wire``
    (default 0) of ``N + 1`` qubits.

    >>> from qsym.liealg.involutions import Ipq
    >>> Ipq(1, 2)
    array([[ 1.,  0.,  0.],
           [ 0., -1.,  0.],
           [ 0.,  0., -1.]])
    """
    if _qubit_case(p, q):
        return _single("Z", 0 if wire is None else wire, _int_log2(p) + 1)
    _no_wire(wire, "p=q=2**N for some integer N")
    return np.diag(np.concatenate([np.ones(p), -np.ones(q)]))


def Kpq(p, q, wire=None) -> np.ndarray:
    """``diag(1 (p times), -1 (q times), 1 (p times), -1 (q times))``; for ``p = q = 2**N``
    it is ``Z`` on ``wire`` (default 1) of ``N + 1`` qubits (PennyLane's choice).

    >>> from qsym.liealg.involutions import Kpq
    >>> Kpq(1, 2).diagonal()
    array([ 1., -1., -1.,  1., -1., -1.])
    """
    if _qubit_case(p, q):
        return _single("Z", 1 if wire is None else wire, _int_log2(p) + 1)
    _no_wire(wire, "p=q=2**N for some integer N")
    return np.diag(np.concatenate([np.ones(p), -np.ones(q), np.ones(p), -np.ones(q)]))


def _form(op):
    """``("matrix", array)`` or ``("pauli", sentence)``; anything else is refused."""
    if isinstance(op, np.ndarray):
        return "matrix", np.asarray(op)
    if isinstance(op, (PauliWord, PauliSentence)):
        return "pauli", pauli_sentence(op)
    if hasattr(op, "wires") and hasattr(op, "pauli_rep"):
        if op.pauli_rep is None:
            raise ValueError(f"The involution needs a Pauli form of {op}, which it has none; "
                             f"pass its matrix (qml.matrix(op, wire_order=...)) instead")
        return "pauli", op.pauli_rep
    raise NotImplementedError(f"Involution not implemented for operator {op} of type {type(op)}")


def _parity(ps: PauliSentence, rule, name: str) -> bool:
    """``rule(word)`` for every word of ``ps``: one value, or no parity (``ValueError``)."""
    values = {bool(rule(w)) for w in ps}
    if len(values) != 1:
        why = "it is zero" if not values else "its terms have different parities"
        raise ValueError(f"The {name} involution is not well-defined for operator {ps}: {why}. "
                         f"Split it into terms of one parity first.")
    return values.pop()


def _letter(word, wire) -> str:
    return word.get(wire, "I")


def _conjugator(x, name, wire) -> np.ndarray:
    """``J`` of the size of the matrix ``x`` (even-sized, square), for ``name``."""
    if x.ndim != 2 or x.shape[0] != x.shape[1] or x.shape[0] % 2:
        raise ValueError(f"{name} needs a square matrix of even size; got shape {x.shape}")
    return J(x.shape[-1] // 2, wire=wire)


def _num_y(word) -> int:
    return sum(p == "Y" for p in word.values())


def AI(op) -> bool:
    """Type AI, ``theta(x) = x^*``: whether ``i op`` is real (Pauli words: an odd number of
    ``Y``). The input is Hermitian; ``True`` means ``k``.

    >>> import qsym as qml
    >>> from qsym.liealg import AI
    >>> AI(qml.Y(0)), AI(qml.X(0) @ qml.Z(1))
    (True, False)
    """
    kind, x = _form(op)
    if kind == "matrix":
        return bool(np.allclose(1j * x, np.conj(1j * x)))
    return _parity(x, lambda w: _num_y(w) % 2, "AI")


def AII(op, wire=None) -> bool:
    """Type AII, ``theta(x) = Y_w x^* Y_w`` (``J`` on matrices, ``w`` = ``wire``, default 0);
    Pauli words: an odd count of ``Y`` factors plus ``X``/``Z`` on ``w``.

    >>> import qsym as qml
    >>> from qsym.liealg import AII
    >>> AII(qml.X(0)), AII(qml.Y(0) @ qml.Y(1))
    (True, False)
    """
    kind, x = _form(op)
    if kind == "matrix":
        y = _conjugator(x, "AII", wire)
        return bool(np.allclose(1j * x, y @ np.conj(1j * x) @ y))
    w0 = 0 if wire is None else wire
    return _parity(x, lambda w: (_num_y(w) + (_letter(w, w0) in "XZ")) % 2, "AII")


def _diagonal_type(op, p, q, wire, mat, default_wire, name) -> bool:
    """``theta(x) = D x D`` with ``D = mat(p, q, wire)`` diagonal; for ``p = q = 2**N`` on
    Pauli words it is ``I``/``Z`` on the wire (default ``default_wire``)."""
    if p is None or q is None:
        raise ValueError(f"please specify p and q for the involution via "
                         f"functools.partial({name}, p=p, q=q)")
    kind, x = _form(op)
    if kind == "pauli":
        if _qubit_case(p, q):
            w0 = default_wire if wire is None else wire
            return _parity(x, lambda w: _letter(w, w0) in "IZ", name)
        x = x.to_mat(wire_order=sorted(x.wires))
    d = mat(p, q, wire=wire)
    if d.shape != x.shape:
        raise ValueError(f"{name} with p={p}, q={q} acts on {d.shape[0]}x{d.shape[0]} matrices; "
                         f"the operator's matrix is {x.shape[0]}x{x.shape[-1]}")
    return bool(np.allclose(x, d @ x @ d))


def AIII(op, p=None, q=None, wire=None) -> bool:
    """Type AIII, ``theta(x) = I_pq x I_pq`` (:func:`Ipq`); for ``p = q = 2**N`` on Pauli
    words: ``I`` or ``Z`` on ``wire`` (default 0). ``p`` and ``q`` are needed.

    >>> import qsym as qml
    >>> from qsym.liealg import AIII
    >>> AIII(qml.Z(0) @ qml.X(1), p=2, q=2), AIII(qml.X(0), p=2, q=2)
    (True, False)
    """
    return _diagonal_type(op, p, q, wire, Ipq, 0, "AIII")


def BDI(op, p=None, q=None, wire=None) -> bool:
    """Type BDI: the same map as :func:`AIII`, ``theta(x) = I_pq x I_pq``.

    >>> import qsym as qml
    >>> from qsym.liealg import BDI
    >>> BDI(qml.Z(0) @ qml.Y(1), p=2, q=2)
    True
    """
    return _diagonal_type(op, p, q, wire, Ipq, 0, "BDI")


def CII(op, p=None, q=None, wire=None) -> bool:
    """Type CII, ``theta(x) = K_pq x K_pq`` (:func:`Kpq`); for ``p = q = 2**N`` on Pauli
    words: ``I`` or ``Z`` on ``wire`` (default 1).

    >>> import qsym as qml
    >>> from qsym.liealg import CII
    >>> CII(qml.X(0) @ qml.Z(1), p=2, q=2), CII(qml.X(1), p=2, q=2)
    (True, False)
    """
    return _diagonal_type(op, p, q, wire, Kpq, 1, "CII")


def DIII(op, wire=None) -> bool:
    """Type DIII, ``theta(x) = Y_w x Y_w`` (:func:`J` on matrices; ``wire`` default 0);
    Pauli words: ``I`` or ``Y`` on the wire.

    >>> import qsym as qml
    >>> from qsym.liealg import DIII
    >>> DIII(qml.Y(0) @ qml.X(1)), DIII(qml.Z(0))
    (True, False)
    """
    kind, x = _form(op)
    if kind == "matrix":
        y = _conjugator(x, "DIII", wire)
        return bool(np.allclose(x, y @ x @ y))
    w0 = 0 if wire is None else wire
    return _parity(x, lambda w: _letter(w, w0) in "IY", "DIII")


def A(op, wire=None) -> bool:
    """Type A on ``su(n) + su(n)`` (the swap): PennyLane takes :func:`DIII` for it.

    >>> import qsym as qml
    >>> from qsym.liealg import A
    >>> A(qml.Y(0))
    True
    """
    return DIII(op, wire)


def BD(op, wire=None) -> bool:
    """Type BD on ``so(n) + so(n)`` (the swap): PennyLane takes :func:`DIII` for it.

    >>> import qsym as qml
    >>> from qsym.liealg import BD
    >>> BD(qml.X(0))
    False
    """
    return DIII(op, wire)


def C(op, wire=None) -> bool:
    """Type C on ``sp(n) + sp(n)`` (the swap): PennyLane takes :func:`DIII` for it.

    >>> import qsym as qml
    >>> from qsym.liealg import C
    >>> C(qml.Z(1))
    True
    """
    return DIII(op, wire)


def CI(op) -> bool:
    """Type CI: the same map as :func:`AI`, ``theta(x) = x^*``.

    >>> import qsym as qml
    >>> from qsym.liealg import CI
    >>> CI(qml.Y(0) @ qml.Z(1))
    True
    """
    return AI(op)


def even_odd_involution(op) -> bool:
    """The even-odd involution (quant-ph/0701193): ``True`` for Pauli words with an odd
    number of non-identity factors; on an ``n``-qubit matrix ``x``, ``True`` when
    ``Y^n x^* Y^n = -x`` and ``False`` when it is ``x`` (else ``ValueError``).

    >>> import qsym as qml
    >>> from qsym.liealg import even_odd_involution
    >>> [even_odd_involution(op) for op in [qml.X(0), qml.X(0) @ qml.Y(1)]]
    [True, False]
    """
    kind, x = _form(op)
    if kind == "pauli":
        return _parity(x, lambda w: len(w) % 2, "Even-Odd")
    n = _int_log2(x.shape[-1])
    if x.ndim != 2 or x.shape != (2**n, 2**n):
        raise ValueError(f"The Even-Odd involution needs a square matrix of qubits (size 2**n); "
                         f"got shape {x.shape}")
    yyy = np.eye(1)
    for _ in range(n):
        yyy = np.kron(yyy, _PAULI["Y"])
    turned = yyy @ np.conj(x) @ yyy
    if np.allclose(turned, x):
        return False
    if np.allclose(turned, -x):
        return True
    raise ValueError(f"The Even-Odd involution is not well-defined for operator {x}: it mixes "
                     f"both parities.")


def concurrence_involution(op) -> bool:
    """The concurrence involution ``theta(g) = -g^T`` (quant-ph/0701193, type AI): ``True``
    for Pauli words with an odd number of ``Y`` (antisymmetric matrices), ``False`` for
    symmetric ones; an operator is judged by its matrix.

    >>> import qsym as qml
    >>> from qsym.liealg import concurrence_involution
    >>> [concurrence_involution(op) for op in [qml.X(0), qml.X(0) @ qml.Y(1)]]
    [False, True]
    """
    if isinstance(op, (PauliWord, PauliSentence)):
        return _parity(pauli_sentence(op), lambda w: _num_y(w) % 2, "concurrence")
    if isinstance(op, np.ndarray):
        x = np.asarray(op)
    elif hasattr(op, "wires"):
        x = np.asarray(_matrix_of(op))
    else:
        raise NotImplementedError(f"Involution not implemented for operator {op} of type "
                                  f"{type(op)}")
    if np.allclose(x, -x.T):
        return True
    if np.allclose(x, x.T):
        return False
    raise ValueError(f"The concurrence canonical decomposition is not well-defined for operator "
                     f"{x}: it is neither symmetric nor antisymmetric.")
