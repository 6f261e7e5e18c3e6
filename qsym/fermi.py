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

import copy
import numbers
import sys
import types
from functools import lru_cache

import numpy as np

from .errors import ArgumentError
from .pauli import PauliSentence, PauliWord

__all__ = ["FermiWord", "FermiSentence", "FermiC", "FermiA", "from_string", "jordan_wigner",
           "parity_transform", "bravyi_kitaev", "encoding_matrix", "ladder_operators"]

_SYMBOL = {"+": "⁺", "-": ""}


def _scalar(other, what: str):
    """``other`` as a coefficient: a number or a one-element array (PennyLane's checks)."""
    if not isinstance(other, (numbers.Number, np.generic, np.ndarray)):
        raise ArgumentError(what)
    if np.size(other) > 1:
        raise ArgumentError("Arithmetic Fermi operations can only accept an array of length 1, "
                            f"but received {other} of length {len(other)}")
    return other


class FermiWord(dict):
    """A product of fermionic creation and annihilation operators,
    ``{(position, orbital): "+" | "-"}`` with positions ``0 .. len - 1``: PennyLane's
    ``qml.FermiWord``; hashable and immutable.

    >>> w = FermiWord({(0, 0): "+", (1, 1): "-"})
    >>> print(w), w.wires == {0, 1}
    a⁺(0) a(1)
    (None, True)
    >>> print(w.adjoint())
    a⁺(1) a(0)
    """

    __array_ufunc__ = None  # numpy scalars on the left defer to the word's methods

    def __init__(self, operator, _skip_sorting: bool = False):
        ordered = dict(operator) if _skip_sorting else dict(sorted(operator.items()))
        positions = [k[0] for k in ordered]
        if positions and positions != list(range(max(positions) + 1)):
            raise ArgumentError("The operator indices must belong to the set "
                                "{0, ..., len(operator)-1}.")
        if any(v not in ("+", "-") for v in ordered.values()):
            raise ArgumentError("A FermiWord maps (position, orbital) to '+' (creation) or '-' "
                                f"(annihilation), got {sorted(set(ordered.values()))}")
        object.__setattr__(self, "sorted_dic", ordered)
        object.__setattr__(self, "_hashval", None)
        super().__init__(operator)

    def items(self):
        """The operators in the order of their positions."""
        return self.sorted_dic.items()

    @property
    def wires(self) -> set:
        """The orbitals the word acts on."""
        return {k[1] for k in self.sorted_dic}

    def adjoint(self) -> "FermiWord":
        """The Hermitian conjugate: the operators reversed, each one conjugated."""
        n = len(self)
        return FermiWord({(n - 1 - pos, orb): "-" if s == "+" else "+"
                          for (pos, orb), s in self.items()})

    def __missing__(self, key):
        return ""

    def _readonly(self, *args, **kwargs):
        raise TypeError("FermiWord object does not support assignment")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly

    def __reduce__(self):
        return (FermiWord, (dict(self),))

    def __copy__(self):
        return FermiWord(self.sorted_dic, _skip_sorting=True)

    def __deepcopy__(self, memo):
        out = self.__copy__()
        memo[id(self)] = out
        return out

    def __hash__(self):
        if self._hashval is None:
            object.__setattr__(self, "_hashval", hash(frozenset(self.items())))
        return self._hashval

    def to_string(self) -> str:
        """``a⁺(i) a(j) ...``, or ``I`` for the empty word."""
        if not self:
            return "I"
        return " ".join(f"a{_SYMBOL[s]}({orb})" for (_, orb), s in self.items())

    def __str__(self):
        return self.to_string()

    def __repr__(self):
        return f"FermiWord({self.sorted_dic})"

    def __add__(self, other):
        if isinstance(other, (FermiWord, FermiSentence)):
            return FermiSentence({self: 1.0}) + other
        c = _scalar(other, f"Cannot add {type(other)} to a FermiWord.")
        return FermiSentence({self: 1.0}) + FermiSentence({FermiWord({}): c})

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, (FermiWord, FermiSentence)):
            return FermiSentence({self: 1.0}) + (-1.0) * FermiSentence._of(other)
        c = _scalar(other, f"Cannot subtract {type(other)} from a FermiWord.")
        return FermiSentence({self: 1.0}) + FermiSentence({FermiWord({}): -1 * c})

    def __rsub__(self, other):
        c = _scalar(other, f"Cannot subtract a FermiWord from {type(other)}.")
        return FermiSentence({self: -1.0}) + FermiSentence({FermiWord({}): c})

    def __mul__(self, other):
        if isinstance(other, FermiWord):
            if not self:
                return other
            if not other:
                return self
            joined = dict(self.sorted_dic)
            joined.update({(pos + len(self), orb): s for (pos, orb), s in other.items()})
            return FermiWord(joined)
        if isinstance(other, FermiSentence):
            return FermiSentence({self: 1}) * other
        c = _scalar(other, f"Cannot multiply FermiWord by {type(other)}.")
        return FermiSentence({self: c})

    def __rmul__(self, other):
        c = _scalar(other, f"Cannot multiply FermiWord by {type(other)}.")
        return FermiSentence({self: c})

    def __pow__(self, value):
        if not isinstance(value, int) or value < 0:
            raise ArgumentError("The exponent must be a positive integer.")
        out = FermiWord({})
        for _ in range(value):
            out = out * self
        return out

    def to_mat(self, n_orbitals=None, format="dense", buffer_size=None) -> np.ndarray:
        """The matrix of the word on ``n_orbitals`` modes (default: up to its largest
        orbital), by the Jordan-Wigner mapping, mode 0 the most significant qubit."""
        return FermiSentence({self: 1.0}).to_mat(n_orbitals, format, buffer_size)

    def shift_operator(self, initial_position, final_position) -> "FermiSentence":
        """The word with the operator at ``initial_position`` moved to ``final_position``
        by the anticommutation relations (``{a_i, a+_j} = delta_ij``), as a sentence.

        >>> print(FermiWord({(0, 0): "+", (1, 1): "-"}).shift_operator(0, 1))
        -1 * a(1) a⁺(0)
        """
        if not isinstance(initial_position, int) or not isinstance(final_position, int):
            raise ArgumentError("Positions must be integers.")
        if initial_position < 0 or final_position < 0:
            raise ArgumentError("Positions must be positive integers.")
        if max(initial_position, final_position) > len(self) - 1:
            raise ArgumentError("Positions are out of range.")
        ops = [(orb, s) for (_, orb), s in self.items()]
        step = 1 if final_position > initial_position else -1
        out = FermiSentence({})
        here, sign = initial_position, 1
        while here != final_position:
            nxt = here + step
            a, b = ops[here], ops[nxt]
            if a[0] == b[0] and a[1] != b[1]:
                # a b = delta - b a: the delta term drops the pair
                rest = ops[:min(here, nxt)] + ops[max(here, nxt) + 1:]
                out = out + sign * _word(rest)
            if a != b:
                sign = -sign
            ops[here], ops[nxt] = b, a
            here = nxt
        return out + sign * _word(ops)


def _word(ops) -> FermiWord:
    return FermiWord({(i, orb): s for i, (orb, s) in enumerate(ops)})


class FermiSentence(dict):
    """A linear combination of :class:`FermiWord` s, ``{word: coefficient}`` (PennyLane's
    ``qml.FermiSentence``); a missing word has coefficient 0.

    >>> s = 1.2 * FermiWord({(0, 0): "+", (1, 1): "-"}) + 3.1 * FermiWord({(0, 0): "+", (1, 0): "-"})
    >>> print(s)
    1.2 * a⁺(0) a(1)
    + 3.1 * a⁺(0) a(0)
    """

    __array_ufunc__ = None

    @staticmethod
    def _of(other) -> "FermiSentence":
        return FermiSentence({other: 1.0}) if isinstance(other, FermiWord) else other

    def adjoint(self) -> "FermiSentence":
        """The Hermitian conjugate: each word's adjoint, the coefficients conjugated."""
        return FermiSentence({w.adjoint(): np.conj(c) for w, c in self.items()})

    @property
    def wires(self) -> set:
        """The orbitals the sentence acts on."""
        return set().union(*(w.wires for w in self))

    def __str__(self):
        if not self:
            return "0 * I"
        return "\n+ ".join(f"{c} * {w.to_string()}" for w, c in self.items())

    def __repr__(self):
        return f"FermiSentence({dict(self)})"

    def __missing__(self, key):
        return 0.0

    def __add__(self, other):
        if not isinstance(other, (FermiWord, FermiSentence)):
            c = _scalar(other, f"Cannot add {type(other)} to a FermiSentence.")
            other = FermiSentence({FermiWord({}): c})
        other = self._of(other)
        small, large = (self, other) if len(self) < len(other) else (other, self)
        out = FermiSentence(copy.copy(dict(large)))
        for w, c in small.items():
            out[w] = out[w] + c
        return out

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, (FermiWord, FermiSentence)):
            return self + (-1.0) * self._of(other)
        c = _scalar(other, f"Cannot subtract {type(other)} from a FermiSentence.")
        return self + FermiSentence({FermiWord({}): -1 * c})

    def __rsub__(self, other):
        c = _scalar(other, f"Cannot subtract a FermiSentence from {type(other)}.")
        return (-1.0) * self + FermiSentence({FermiWord({}): c})

    def __mul__(self, other):
        if isinstance(other, (FermiWord, FermiSentence)):
            other = self._of(other)
            if not self or not other:
                return FermiSentence({FermiWord({}): 0})
            out = FermiSentence({})
            for w1, c1 in self.items():
                for w2, c2 in other.items():
                    out[w1 * w2] += c1 * c2
            return out
        c = _scalar(other, f"Cannot multiply FermiSentence by {type(other)}.")
        return FermiSentence({w: v * c for w, v in self.items()})

    def __rmul__(self, other):
        c = _scalar(other, f"Cannot multiply {type(other)} by FermiSentence.")
        return FermiSentence({w: v * c for w, v in self.items()})

    def __pow__(self, value):
        if not isinstance(value, int) or value < 0:
            raise ArgumentError("The exponent must be a positive integer.")
        out = FermiSentence({FermiWord({}): 1})
        for _ in range(value):
            out = out * self
        return out

    def prune(self, tol=1e-08) -> None:
        """Drop the words whose coefficient is at most ``tol`` in size (in place)."""
        for w in [w for w, c in self.items() if abs(c) <= tol]:
            del self[w]

    simplify = prune

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


def _real_where(sentence: PauliSentence, tol) -> None:
    if tol is None:
        return
    for w, c in sentence.items():
        if abs(np.imag(c)) <= tol:
            sentence[w] = np.real(c)


def _map(fermi_operator, mapping, n, ps, wire_map, tol):
    if isinstance(fermi_operator, FermiWord):
        sentence = FermiSentence({fermi_operator: 1.0})
    elif isinstance(fermi_operator, FermiSentence):
        sentence = fermi_operator
    else:
        raise ArgumentError(f"fermi_operator must be a FermiWord or FermiSentence, got: "
                            f"{fermi_operator}")
    orbitals = {k[1] for w in sentence for k in w}
    bad = sorted((o for o in orbitals if isinstance(o, bool) or not isinstance(o, (int, np.integer))
                  or o < 0), key=str)
    if bad:
        raise ArgumentError(f"fermion-to-qubit mappings need orbital indices 0, 1, 2, ...; got "
                            f"{bad} (wire_map= relabels the qubits afterwards)")
    largest = max(orbitals, default=-1) + 1
    if n is None:
        n = largest
    elif largest > n:
        raise ArgumentError(f"Can't create or annihilate a particle on qubit number "
                            f"{largest - 1} for a system with only {n} qubits")
    ladders = ladder_operators(mapping, n)
    out = PauliSentence()
    for w, c in sentence.items():
        for pw, v in _word_to_qubits(w, ladders).items():
            out[pw] = out[pw] + v * c
    if isinstance(fermi_operator, FermiSentence):
        out.simplify(tol=1e-16)
    out = PauliSentence({PauliWord(dict(sorted(w.items()))): c for w, c in out.items()})
    _real_where(out, tol)
    if not ps:
        identity_wire = sorted(sentence.wires)[0] if sentence.wires else 0
        out = out.operation(wire_order=[identity_wire])
    if wire_map:
        return out.map_wires(wire_map)
    return out


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
                                         FermiC=FermiC, FermiA=FermiA, from_string=from_string)),
                      ("conversion", dict(jordan_wigner=jordan_wigner,
                                          parity_transform=parity_transform,
                                          bravyi_kitaev=bravyi_kitaev))):
    sys.modules.setdefault(f"{__name__}.{_name}", types.ModuleType(
        f"{__name__}.{_name}", f"PennyLane's module path pennylane.fermi.{_name}"))
    vars(sys.modules[f"{__name__}.{_name}"]).update(_names)
    globals()[_name] = sys.modules[f"{__name__}.{_name}"]
