"""PennyLane's ``qml.fermi``: fermionic operators and their mappings to qubits.

A :class:`FermiWord` is a product of creation (``"+"``) and annihilation (``"-"``)
operators, ``{(position, orbital): "+" | "-"}``; a :class:`FermiSentence` is a linear
combination of words, ``{FermiWord: coefficient}``. ``FermiC(i)`` and ``FermiA(i)`` are
the one-operator words, and they multiply, add and scale as PennyLane's do.
:func:`jordan_wigner`, :func:`parity_transform` and :func:`bravyi_kitaev` map them to Pauli
sentences (or operators); the three are linear encodings of the occupations
(:func:`encoding_matrix`), and every product of ladder operators is expanded exactly in
Pauli words, so the coefficients are PennyLane's.

>>> import qsym as qml
>>> w = qml.FermiC(0) * qml.FermiA(1)
>>> w
FermiWord({(0, 0): '+', (1, 1): '-'})
>>> print(qml.jordan_wigner(w, ps=True))
-0.25j * Y(0) @ X(1)
+ (0.25+0j) * Y(0) @ Y(1)
+ (0.25+0j) * X(0) @ X(1)
+ 0.25j * X(0) @ Y(1)
"""

from __future__ import annotations

import sys
import types
from functools import lru_cache

import numpy as np

from ._ladder_words import LadderSentence, LadderWord, map_ladder_operator
from .errors import ArgumentError
from .pauli import PauliSentence, PauliWord

__all__ = ["FermiWord", "FermiSentence", "FermiC", "FermiA", "from_string", "jordan_wigner",
           "parity_transform", "bravyi_kitaev", "encoding_matrix", "ladder_operators"]

class FermiWord(LadderWord, kind="Fermi", letter="a", exchange=-1):
    """A product of fermionic creation and annihilation operators,
    ``{(position, orbital): "+" | "-"}`` with positions ``0 .. len - 1``: PennyLane's
    ``qml.FermiWord``; hashable and immutable. The arithmetic, ``shift_operator`` (by
    ``{a_i, a⁺_j} = δ_ij``) and ``normal_order`` are :class:`~qsym._ladder_words.LadderWord`'s.

    >>> w = FermiWord({(0, 0): "+", (1, 1): "-"})
    >>> print(w), w.wires == {0, 1}
    a⁺(0) a(1)
    (None, True)
    >>> print(w.adjoint())
    a⁺(1) a(0)
    >>> print(w.shift_operator(0, 1))
    -1 * a(1) a⁺(0)
    """

    def to_mat(self, n_orbitals=None, format="dense", buffer_size=None) -> np.ndarray:
        """The matrix of the word on ``n_orbitals`` modes (default: up to its largest
        orbital), by the Jordan-Wigner mapping, mode 0 the most significant qubit."""
        return FermiSentence({self: 1.0}).to_mat(n_orbitals, format, buffer_size)


class FermiSentence(LadderSentence, word=FermiWord):
    """A linear combination of :class:`FermiWord` s, ``{word: coefficient}`` (PennyLane's
    ``qml.FermiSentence``); a missing word has coefficient 0.

    >>> s = 1.2 * FermiWord({(0, 0): "+", (1, 1): "-"}) + 3.1 * FermiWord({(0, 0): "+", (1, 0): "-"})
    >>> print(s)
    1.2 * a⁺(0) a(1)
    + 3.1 * a⁺(0) a(0)
    """

    def to_mat(self, n_orbitals=None, format="dense", buffer_size=None) -> np.ndarray:
        """The matrix of the sentence on ``n_orbitals`` modes (default: up to its largest
        orbital), by the Jordan-Wigner mapping, mode 0 the most significant qubit.

        >>> FermiSentence({FermiWord({(0, 0): "+", (1, 0): "-"}): 2.0}).to_mat().real
        array([[0., 0.],
               [0., 2.]])
        """
        largest = max((k[1] for w in self for k in w), default=-1) + 1
        if n_orbitals and n_orbitals < largest:
            raise ArgumentError(f"n_orbitals cannot be smaller than {largest}, got: {n_orbitals}.")
        order = list(range(n_orbitals or max(largest, 1)))
        return jordan_wigner(self, ps=True).to_mat(wire_order=order, format=format)


class FermiC(FermiWord):
    """The creation operator ``a⁺(orbital)`` (PennyLane's ``qml.FermiC``).

    >>> FermiC(2).adjoint()
    FermiWord({(0, 2): '-'})
    """

    def __init__(self, orbital):
        if not isinstance(orbital, int) or isinstance(orbital, bool) or orbital < 0:
            raise ArgumentError("FermiC: expected a single, positive integer value for orbital, "
                                f"but received {orbital}")
        object.__setattr__(self, "orbital", orbital)
        super().__init__({(0, orbital): "+"})

    def adjoint(self):
        return FermiA(self.orbital)


class FermiA(FermiWord):
    """The annihilation operator ``a(orbital)`` (PennyLane's ``qml.FermiA``).

    >>> print(FermiA(1) * FermiC(1))
    a(1) a⁺(1)
    """

    def __init__(self, orbital):
        if not isinstance(orbital, int) or isinstance(orbital, bool) or orbital < 0:
            raise ArgumentError("FermiA: expected a single, positive integer value for orbital, "
                                f"but received {orbital}")
        object.__setattr__(self, "orbital", orbital)
        super().__init__({(0, orbital): "-"})

    def adjoint(self):
        return FermiC(self.orbital)


def from_string(fermi_string: str) -> FermiWord:
    """The word a compact string writes: ``"0+ 1-"`` (or ``"0^ 1"``, OpenFermion's form).

    >>> from_string("0+ 1- 0^ 1")
    FermiWord({(0, 0): '+', (1, 1): '-', (2, 0): '+', (3, 1): '-'})
    """
    if not fermi_string or fermi_string.isspace():
        return FermiWord({})
    text = " ".join(fermi_string.split())
    if not all(ch.isdigit() or ch in "+-^ " for ch in text):
        raise ArgumentError(f"Invalid character encountered in string {text}.")
    parts = [p if p[-1] in "+-" else p + "-" for p in text.replace("^", "+").split(" ")]
    return FermiWord({(i, int(p[:-1])): p[-1] for i, p in enumerate(parts)})


def _to_string(fermi_op: FermiWord, of: bool = False) -> str:
    """The compact string of a word, ``"0+ 1-"`` (or OpenFermion's ``"0^ 1"`` with ``of``);
    ``"I"`` for the empty word: :func:`from_string`'s inverse (PennyLane's private
    ``pennylane.fermi.fermionic._to_string``)."""
    if not isinstance(fermi_op, FermiWord):
        raise ArgumentError(f"fermi_op must be a FermiWord, got: {type(fermi_op)}")
    if not fermi_op:
        return "I"
    marks = {"+": "^", "-": ""} if of else {"+": "+", "-": "-"}
    return " ".join(f"{orb}{marks[s]}" for (_, orb), s in fermi_op.items())


# ------------------------------------------------------------------ mappings to qubits

_MAPPINGS = ("jordan_wigner", "parity", "bravyi_kitaev")


def encoding_matrix(mapping: str, n: int) -> np.ndarray:
    """The binary matrix ``A`` of a linear fermion-to-qubit encoding: qubit ``i`` holds
    ``sum_j A[i, j] n_j mod 2`` (Jordan-Wigner: the occupations; parity: the partial
    parities; Bravyi-Kitaev: the Fenwick-tree sums).

    >>> encoding_matrix("parity", 3)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]], dtype=uint8)
    """
    i, j = np.indices((n, n))
    if mapping == "jordan_wigner":
        return (i == j).astype(np.uint8)
    if mapping == "parity":
        return (j <= i).astype(np.uint8)
    low = (i + 1) & -(i + 1)  # qubit i sums the modes (i - lowbit(i + 1), i]
    return ((j <= i) & (j > i - low)).astype(np.uint8)


def _inverse_mod2(a: np.ndarray) -> np.ndarray:
    n = len(a)
    m = np.concatenate([a.copy(), np.eye(n, dtype=np.uint8)], axis=1)
    for col in range(n):
        pivot = col + int(np.nonzero(m[col:, col])[0][0])
        m[[col, pivot]] = m[[pivot, col]]
        for row in range(n):
            if row != col and m[row, col]:
                m[row] ^= m[col]
    return m[:, n:]


@lru_cache(maxsize=64)
def _ladders(mapping: str, n: int) -> tuple:
    a = encoding_matrix(mapping, n)
    inv = _inverse_mod2(a)
    one = PauliSentence({PauliWord({}): 1.0})
    ops = {}
    for j in range(n):
        flip = PauliSentence({PauliWord({int(q): "X" for q in np.nonzero(a[:, j])[0]}): 1.0})
        occupation = PauliSentence({PauliWord({int(q): "Z" for q in np.nonzero(inv[j])[0]}): 1.0})
        below = np.bitwise_xor.reduce(inv[:j], axis=0) if j else np.zeros(n, np.uint8)
        sign = PauliSentence({PauliWord({int(q): "Z" for q in np.nonzero(below)[0]}): 1.0})
        for key, proj in (((j, "+"), one + occupation), ((j, "-"), one - occupation)):
            ops[key] = tuple((PauliWord(dict(sorted(w.items()))), c)
                             for w, c in (flip @ (0.5 * proj) @ sign).items())
    return tuple(ops.items())


def ladder_operators(mapping: str, n: int) -> dict:
    """``{(j, '+'): a_j^dagger, (j, '-'): a_j}`` as Pauli sentences on ``n`` qubits under
    ``mapping``: ``X`` on the qubits that store ``n_j``, the projector on ``n_j`` (``Z`` of
    the qubits whose parity is ``n_j``) and the sign ``(-1)^(n_0 + ... + n_{j-1})``.

    >>> print(ladder_operators("jordan_wigner", 2)[(1, "+")])
    0.5 * Z(0) @ X(1)
    + -0.5j * Z(0) @ Y(1)
    """
    return {key: PauliSentence(dict(terms)) for key, terms in _ladders(mapping, n)}


def _word_to_qubits(word: FermiWord, ladders: dict) -> PauliSentence:
    out = PauliSentence({PauliWord({}): 1.0})
    for (_, orb), s in word.items():
        out = out @ ladders[(orb, s)]
    return out


def _map(fermi_operator, mapping, n, ps, wire_map, tol):
    if not isinstance(fermi_operator, (FermiWord, FermiSentence)):
        raise ArgumentError(f"fermi_operator must be a FermiWord or FermiSentence, got: "
                            f"{fermi_operator}")
    words = [fermi_operator] if isinstance(fermi_operator, FermiWord) else fermi_operator
    orbitals = {k[1] for w in words for k in w}
    bad = sorted((o for o in orbitals if isinstance(o, bool) or not isinstance(o, (int, np.integer))
                  or o < 0), key=str)
    if bad:
        raise ArgumentError(f"fermion-to-qubit mappings need orbital indices 0, 1, 2, ...; got "
                            f"{bad} (wire_map= relabels the qubits afterwards)")
    largest = max(orbitals, default=-1) + 1
    if n is None:
        n = largest
    elif largest > n:
        where, end = ("index", ".") if mapping == "bravyi_kitaev" else ("number", "")
        raise ArgumentError(f"Can't create or annihilate a particle on qubit {where} "
                            f"{largest - 1} for a system with only {n} qubits{end}")
    ladders = ladder_operators(mapping, n)
    return map_ladder_operator(fermi_operator, lambda w: _word_to_qubits(w, ladders),
                               "fermi_operator", ps, wire_map, tol, drop_zeros=False)


def jordan_wigner(fermi_operator, ps: bool = False, wire_map: dict | None = None, tol=None):
    """The Jordan-Wigner mapping (PennyLane's ``qml.jordan_wigner``):
    ``a⁺_j = Z_0 ... Z_{j-1} (X_j - i Y_j) / 2``; an operator, or a Pauli sentence with
    ``ps=True``; ``wire_map`` relabels the qubits; coefficients whose imaginary part is at
    most ``tol`` become real.

    >>> import qsym as qml
    >>> print(qml.jordan_wigner(qml.FermiC(0) * qml.FermiA(0), ps=True, tol=1e-12))
    0.5 * I
    + -0.5 * Z(0)
    """
    return _map(fermi_operator, "jordan_wigner", None, ps, wire_map, tol)


def parity_transform(fermi_operator, n: int, ps: bool = False, wire_map: dict | None = None,
                     tol=None):
    """The parity mapping on ``n`` qubits (qubit ``i`` holds ``n_0 + ... + n_i mod 2``;
    PennyLane's ``qml.parity_transform``).

    >>> import qsym as qml
    >>> print(qml.parity_transform(qml.FermiC(0), 2, ps=True))
    0.5 * X(0) @ X(1)
    + -0.5j * Y(0) @ X(1)
    """
    return _map(fermi_operator, "parity", n, ps, wire_map, tol)


def bravyi_kitaev(fermi_operator, n: int, ps: bool = False, wire_map: dict | None = None,
                  tol=None):
    """The Bravyi-Kitaev mapping on ``n`` qubits (qubit ``i`` holds a Fenwick-tree sum of
    occupations; PennyLane's ``qml.bravyi_kitaev``).

    >>> import qsym as qml
    >>> print(qml.bravyi_kitaev(qml.FermiC(0), 2, ps=True))
    0.5 * X(0) @ X(1)
    + -0.5j * Y(0) @ X(1)
    """
    return _map(fermi_operator, "bravyi_kitaev", n, ps, wire_map, tol)


# PennyLane's module paths: pennylane.fermi.fermionic and pennylane.fermi.conversion
for _name, _names in (("fermionic", dict(FermiWord=FermiWord, FermiSentence=FermiSentence,
                                         FermiC=FermiC, FermiA=FermiA, from_string=from_string,
                                         _to_string=_to_string)),
                      ("conversion", dict(jordan_wigner=jordan_wigner,
                                          parity_transform=parity_transform,
                                          bravyi_kitaev=bravyi_kitaev))):
    sys.modules.setdefault(f"{__name__}.{_name}", types.ModuleType(
        f"{__name__}.{_name}", f"PennyLane's module path pennylane.fermi.{_name}"))
    vars(sys.modules[f"{__name__}.{_name}"]).update(_names)
    globals()[_name] = sys.modules[f"{__name__}.{_name}"]
