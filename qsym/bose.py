"""PennyLane's ``qml.bose``: bosonic operators and their mappings to qubits.

A :class:`BoseWord` is a product of creation (``"+"``) and annihilation (``"-"``)
operators, ``{(position, mode): "+" | "-"}``; a :class:`BoseSentence` is a linear
combination of words, ``{BoseWord: coefficient}``. They share ``qml.fermi``'s algebra
(:mod:`qsym._ladder_words`) with the bosonic exchange ``[b_i, b⁺_j] = δ_ij``, and
``normal_order`` writes them with every creation operator on the left.
:func:`binary_mapping` and :func:`unary_mapping` map each mode, truncated to ``n_states``
occupations (``b⁺|s> = sqrt(s + 1)|s + 1>``, the top state sent to 0), to a register of
qubits holding the occupation in binary (``ceil(log2 n_states)`` qubits, least significant
bit first) or one-hot (``n_states`` qubits); :func:`christiansen_mapping` maps each mode to
one qubit, ``b⁺ = (X - iY) / 2``.

>>> import qsym as qml
>>> w = qml.BoseWord({(0, 0): "-", (1, 0): "+"})
>>> print(w.normal_order())
1.0 * I
+ 1.0 * b⁺(0) b(0)
>>> print(qml.christiansen_mapping(qml.BoseWord({(0, 0): "+"}), ps=True))
0.5 * X(0)
+ -0.5j * Y(0)
"""

from __future__ import annotations

import sys
import types

import numpy as np

from ._ladder_words import LadderSentence, LadderWord, map_ladder_operator
from .errors import ArgumentError
from .pauli import PauliSentence, PauliWord

__all__ = ["BoseWord", "BoseSentence", "binary_mapping", "unary_mapping",
           "christiansen_mapping"]


class BoseWord(LadderWord, kind="Bose", letter="b", exchange=1):
    """A product of bosonic creation and annihilation operators,
    ``{(position, mode): "+" | "-"}`` with positions ``0 .. len - 1``: PennyLane's
    ``qml.BoseWord``; hashable and immutable. ``shift_operator`` moves one operator by
    ``[b_i, b⁺_j] = δ_ij`` and ``normal_order`` puts the creation operators first.

    >>> w = BoseWord({(0, 0): "+", (1, 1): "-"})
    >>> print(w * w)
    b⁺(0) b(1) b⁺(0) b(1)
    >>> print(w.adjoint())
    b⁺(1) b(0)
    >>> print(BoseWord({(0, 0): "-", (1, 0): "-", (2, 0): "+", (3, 0): "+"}).normal_order())
    2.0 * I
    + 4.0 * b⁺(0) b(0)
    + 1.0 * b⁺(0) b⁺(0) b(0) b(0)
    """


class BoseSentence(LadderSentence, word=BoseWord):
    """A linear combination of :class:`BoseWord` s, ``{word: coefficient}`` (PennyLane's
    ``qml.BoseSentence``); a missing word has coefficient 0.

    >>> s = BoseSentence({BoseWord({(0, 0): "+", (1, 1): "-"}): 1.2,
    ...                   BoseWord({(0, 1): "+", (1, 2): "-"}): 3.1})
    >>> print(s)
    1.2 * b⁺(0) b(1)
    + 3.1 * b⁺(1) b(2)
    >>> print(BoseSentence({BoseWord({(0, 0): "-", (1, 0): "+"}): 2.0}).normal_order())
    2.0 * I
    + 2.0 * b⁺(0) b(0)
    """


# ------------------------------------------------------------------ mappings to qubits

def _unit(row: int, col: int, qubit) -> PauliSentence:
    """``|row><col|`` on one qubit: ``(I ± Z) / 2`` or ``(X ∓ iY) / 2``."""
    if row == col:
        return PauliSentence({PauliWord({}): 0.5, PauliWord({qubit: "Z"}): 0.5 - row})
    return PauliSentence({PauliWord({qubit: "X"}): 0.5,
                          PauliWord({qubit: "Y"}): -0.5j if row == 1 else 0.5j})


def _register_image(matrix: np.ndarray, codes: list, qubits: list,
                    skip_zeros: bool) -> PauliSentence:
    """``sum_ij M_ij |code_i><code_j|`` on the ``qubits`` of one mode (``codes[s]``: the bits
    of state ``s``); with ``skip_zeros`` a qubit that is 0 in both codes is left out
    (PennyLane's unary form)."""
    out = PauliSentence()
    for i, j in zip(*np.nonzero(matrix)):
        term = PauliSentence({PauliWord({}): 1.0})
        for q, a, b in zip(qubits, codes[i], codes[j]):
            if a or b or not skip_zeros:
                term = term @ _unit(a, b, q)
        for w, c in term.items():
            out[w] = out[w] + matrix[i, j] * c
    return out


def _ladder_matrix(sign: str, n_states: int) -> np.ndarray:
    """The truncated ``b⁺`` (``"+"``: ``<s+1|b⁺|s> = sqrt(s + 1)``) or ``b`` on ``n_states``."""
    creation = np.diag(np.sqrt(np.arange(1.0, n_states)), -1)
    return creation if sign == "+" else creation.T


def _check_modes(operator, n_states=None) -> None:
    if isinstance(operator, (BoseWord, BoseSentence)):
        modes = operator.wires
        bad = sorted((m for m in modes if isinstance(m, bool)
                      or not isinstance(m, (int, np.integer)) or m < 0), key=str)
        if bad:
            raise ArgumentError(f"boson-to-qubit mappings need mode indices 0, 1, 2, ...; got "
                                f"{bad} (wire_map= relabels the qubits afterwards)")
    if n_states is not None and (isinstance(n_states, bool)
                                 or not isinstance(n_states, (int, np.integer)) or n_states < 2):
        raise ArgumentError(f"Number of allowed bosonic states cannot be less than 2, provided "
                            f"{n_states}.")


def binary_mapping(bose_operator, n_states: int = 2, ps: bool = False,
                   wire_map: dict | None = None, tol=None):
    """The standard-binary mapping (PennyLane's ``qml.binary_mapping``; arXiv:1507.03271):
    mode ``k`` truncated to ``n_states`` occupations on qubits ``k * m .. k * m + m - 1``,
    ``m = ceil(log2 n_states)``, holding the occupation in binary, least significant bit
    first; each operator of a word maps to its truncated matrix, the word to their product.
    An operator, or a Pauli sentence with ``ps=True``; ``wire_map`` relabels the qubits;
    coefficients whose imaginary part is at most ``tol`` become real.

    >>> import qsym as qml
    >>> print(qml.binary_mapping(qml.BoseWord({(0, 0): "+"}), n_states=2, ps=True))
    0.5 * X(0)
    + -0.5j * Y(0)
    """
    _check_modes(bose_operator, n_states)
    m = max(1, int(np.ceil(np.log2(n_states))))
    codes = [[(s >> bit) & 1 for bit in range(m)] for s in range(n_states)]

    def image(word):
        out = PauliSentence({PauliWord({}): 1.0})
        for (_, mode), sign in word.items():
            qubits = [int(mode) * m + bit for bit in range(m)]
            out = out @ _register_image(_ladder_matrix(sign, n_states), codes, qubits, False)
        return out

    return map_ladder_operator(bose_operator, image, "bose_operator", ps, wire_map, tol)


def unary_mapping(bose_operator, n_states: int = 2, ps: bool = False,
                  wire_map: dict | None = None, tol=None):
    """The unary (one-hot) mapping (PennyLane's ``qml.unary_mapping``; arXiv:1909.12847):
    mode ``k`` truncated to ``n_states`` occupations on qubits ``k * n_states ..``, state
    ``s`` the one-hot register with qubit ``s`` set; a word's operators on one mode multiply
    as truncated matrices first, and each entry ``M_ij`` maps to ``|1><1|`` on qubit ``i``
    (``i == j``) or ``σ⁺_i σ⁻_j``. Arguments as :func:`binary_mapping`'s.

    >>> import qsym as qml
    >>> print(qml.unary_mapping(qml.BoseWord({(0, 0): "+", (1, 0): "-"}), ps=True))
    0.5 * I
    + -0.5 * Z(1)
    """
    _check_modes(bose_operator, n_states)
    codes = [[int(q == s) for q in range(n_states)] for s in range(n_states)]

    def image(word):
        per_mode = {}
        for (_, mode), sign in word.items():
            per_mode[mode] = per_mode.get(mode, np.eye(n_states)) @ _ladder_matrix(sign, n_states)
        out = PauliSentence({PauliWord({}): 1.0})
        for mode, matrix in per_mode.items():
            qubits = [int(mode) * n_states + q for q in range(n_states)]
            out = out @ _register_image(matrix, codes, qubits, True)
        return out

    return map_ladder_operator(bose_operator, image, "bose_operator", ps, wire_map, tol)


def christiansen_mapping(bose_operator, ps: bool = False, wire_map: dict | None = None,
                         tol=None):
    """The Christiansen mapping (PennyLane's ``qml.christiansen_mapping``): each mode holds
    at most one boson, on qubit ``mode``; ``b⁺ = (X - iY) / 2``, ``b = (X + iY) / 2``.
    Arguments as :func:`binary_mapping`'s.

    >>> import qsym as qml
    >>> print(qml.christiansen_mapping(qml.BoseWord({(0, 0): "-"}), ps=True))
    0.5 * X(0)
    + 0.5j * Y(0)
    """
    _check_modes(bose_operator)

    def image(word):
        out = PauliSentence({PauliWord({}): 1.0})
        for (_, mode), sign in word.items():
            out = out @ (_unit(1, 0, int(mode)) if sign == "+" else _unit(0, 1, int(mode)))
        return out

    return map_ladder_operator(bose_operator, image, "bose_operator", ps, wire_map, tol)


# PennyLane's module paths: pennylane.bose.bosonic and pennylane.bose.bosonic_mapping
for _name, _names in (("bosonic", dict(BoseWord=BoseWord, BoseSentence=BoseSentence)),
                      ("bosonic_mapping", dict(binary_mapping=binary_mapping,
                                               unary_mapping=unary_mapping,
                                               christiansen_mapping=christiansen_mapping))):
    sys.modules.setdefault(f"{__name__}.{_name}", types.ModuleType(
        f"{__name__}.{_name}", f"PennyLane's module path pennylane.bose.{_name}"))
    vars(sys.modules[f"{__name__}.{_name}"]).update(_names)
    globals()[_name] = sys.modules[f"{__name__}.{_name}"]
