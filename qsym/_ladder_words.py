"""Words and sentences of ladder operators: the algebra ``qml.fermi`` and ``qml.bose`` share.

A :class:`LadderWord` is a product of creation (``"+"``) and annihilation (``"-"``)
operators, ``{(position, mode): "+" | "-"}``; a :class:`LadderSentence` is a linear
combination of words, ``{word: coefficient}``. The two statistics differ only in how two
neighbouring operators exchange: ``x y = s y x + [x, y]_s`` with ``s = -1`` (fermions,
``{a_i, a⁺_j} = δ_ij``) or ``s = +1`` (bosons, ``[b_i, b⁺_j] = δ_ij``). A subclass names
its statistics, its letter and its family (``"Fermi"``, ``"Bose"``) in the class statement;
its sentence class names the word class, and the arithmetic, ``shift_operator`` and
``normal_order`` here build words and sentences of that family.
:func:`map_ladder_operator` turns a word or sentence into a Pauli sentence (or operator)
from the image of each word, as every fermion-to-qubit and boson-to-qubit mapping does.

>>> from qsym.bose import BoseWord
>>> print(BoseWord({(0, 0): "-", (1, 0): "+"}).normal_order())
1.0 * I
+ 1.0 * b⁺(0) b(0)
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from .errors import ArgumentError
from .pauli import PauliSentence, PauliWord

__all__ = ["LadderWord", "LadderSentence", "map_ladder_operator"]

_SYMBOL = {"+": "⁺", "-": ""}


def _scalar(other, kind: str, what: str):
    """``other`` as a coefficient: a number or a one-element array (PennyLane's checks)."""
    if not isinstance(other, (numbers.Number, np.generic, np.ndarray)):
        raise ArgumentError(what)
    if np.size(other) > 1:
        raise ArgumentError(f"Arithmetic {kind} operations can only accept an array of length 1, "
                            f"but received {other} of length {len(other)}")
    return other


def _check_positions(initial_position, final_position, length: int) -> None:
    if not isinstance(initial_position, int) or not isinstance(final_position, int):
        raise ArgumentError("Positions must be integers.")
    if initial_position < 0 or final_position < 0:
        raise ArgumentError("Positions must be positive integers.")
    if max(initial_position, final_position) > length - 1:
        raise ArgumentError("Positions are out of range.")


class LadderWord(dict):
    """A product of ladder operators ``{(position, mode): "+" | "-"}`` with positions
    ``0 .. len - 1``; hashable and immutable. Subclasses set ``kind`` (the family's name in
    messages), ``letter`` (``a``, ``b``) and ``exchange`` (``-1`` fermions, ``+1`` bosons)::

        class FermiWord(LadderWord, kind="Fermi", letter="a", exchange=-1): ...

    >>> from qsym.fermi import FermiWord
    >>> w = FermiWord({(0, 0): "+", (1, 1): "-"})
    >>> print(w * w)
    a⁺(0) a(1) a⁺(0) a(1)
    """

    __array_ufunc__ = None  # numpy scalars on the left defer to the word's methods
    _kind, _letter, _exchange = "Ladder", "c", 1
    _sentence_cls: type = None  # set by the family's LadderSentence subclass

    def __init_subclass__(cls, kind=None, letter=None, exchange=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if kind is not None:
            cls._kind, cls._letter, cls._exchange = kind, letter, exchange

    def __init__(self, operator, _skip_sorting: bool = False):
        ordered = dict(operator) if _skip_sorting else dict(sorted(operator.items()))
        positions = [k[0] for k in ordered]
        if positions and positions != list(range(max(positions) + 1)):
            raise ArgumentError("The operator indices must belong to the set "
                                "{0, ..., len(operator)-1}.")
        if any(v not in ("+", "-") for v in ordered.values()):
            raise ArgumentError(f"A {self._kind}Word maps (position, mode) to '+' (creation) or "
                                f"'-' (annihilation), got {sorted(set(ordered.values()))}")
        object.__setattr__(self, "sorted_dic", ordered)
        object.__setattr__(self, "_hashval", None)
        super().__init__(operator)

    def _word(self, ops) -> "LadderWord":
        """The word of this family with the operators ``[(mode, "+" | "-"), ...]``."""
        return self._sentence_cls._word_cls({(i, m): s for i, (m, s) in enumerate(ops)})

    def _ops(self) -> list:
        return [(m, s) for (_, m), s in self.items()]

    def _sentence(self, terms) -> "LadderSentence":
        return self._sentence_cls(terms)

    def items(self):
        """The operators in the order of their positions."""
        return self.sorted_dic.items()

    @property
    def wires(self) -> set:
        """The modes the word acts on."""
        return {k[1] for k in self.sorted_dic}

    def adjoint(self) -> "LadderWord":
        """The Hermitian conjugate: the operators reversed, each one conjugated."""
        return self._word([(m, "-" if s == "+" else "+") for m, s in reversed(self._ops())])

    def __missing__(self, key):
        return ""

    def _readonly(self, *args, **kwargs):
        raise TypeError(f"{self._kind}Word object does not support assignment")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly

    def __reduce__(self):
        return (self._sentence_cls._word_cls, (dict(self),))

    def __copy__(self):
        return self._sentence_cls._word_cls(self.sorted_dic, _skip_sorting=True)

    def __deepcopy__(self, memo):
        out = self.__copy__()
        memo[id(self)] = out
        return out

    def __hash__(self):
        if self._hashval is None:
            object.__setattr__(self, "_hashval", hash(frozenset(self.items())))
        return self._hashval

    def to_string(self) -> str:
        """``x⁺(i) x(j) ...`` with the family's letter, or ``I`` for the empty word."""
        if not self:
            return "I"
        return " ".join(f"{self._letter}{_SYMBOL[s]}({m})" for m, s in self._ops())

    def __str__(self):
        return self.to_string()

    def __repr__(self):
        return f"{self._kind}Word({self.sorted_dic})"

    def _as_sentence(self, other, what: str) -> "LadderSentence":
        if isinstance(other, (LadderWord, LadderSentence)):
            return self._sentence({}) + other
        return self._sentence({self._word([]): _scalar(other, self._kind, what)})

    def __add__(self, other):
        return self._sentence({self: 1.0}) + self._as_sentence(
            other, f"Cannot add {type(other)} to a {self._kind}Word.")

    __radd__ = __add__

    def __sub__(self, other):
        return self._sentence({self: 1.0}) + (-1) * self._as_sentence(
            other, f"Cannot subtract {type(other)} from a {self._kind}Word.")

    def __rsub__(self, other):
        c = _scalar(other, self._kind, f"Cannot subtract a {self._kind}Word from {type(other)}.")
        return self._sentence({self: -1.0}) + self._sentence({self._word([]): c})

    def __mul__(self, other):
        if isinstance(other, LadderWord) and other._kind == self._kind:
            return self._word(self._ops() + other._ops()) if self and other else \
                copy.copy(other if not self else self)
        if isinstance(other, (LadderWord, LadderSentence)):
            return self._sentence({self: 1}) * other
        c = _scalar(other, self._kind, f"Cannot multiply {self._kind}Word by {type(other)}.")
        return self._sentence({self: c})

    def __rmul__(self, other):
        c = _scalar(other, self._kind, f"Cannot multiply {self._kind}Word by {type(other)}.")
        return self._sentence({self: c})

    def __pow__(self, value):
        if not isinstance(value, int) or value < 0:
            raise ArgumentError("The exponent must be a positive integer.")
        out = self._word([])
        for _ in range(value):
            out = out * self
        return out

    def _swap(self, ops: list, k: int):
        """``ops`` with positions ``k, k + 1`` exchanged: ``(sign, swapped, extra)`` where
        ``x y = sign * y x + extra`` and ``extra`` is ``(coefficient, ops without the pair)``
        or None (the pair's commutator or anticommutator is ``δ`` times +-1 or 0)."""
        (m1, s1), (m2, s2) = ops[k], ops[k + 1]
        swapped = ops[:k] + [ops[k + 1], ops[k]] + ops[k + 2:]
        if ops[k] == ops[k + 1]:
            return 1, swapped, None
        extra = None
        if m1 == m2:  # a a⁺ = ∓a⁺ a + 1; bosons: a⁺ a = a a⁺ - 1
            delta = 1 if (self._exchange == -1 or s1 == "-") else -1
            extra = (delta, ops[:k] + ops[k + 2:])
        return self._exchange, swapped, extra

    def shift_operator(self, initial_position, final_position) -> "LadderSentence":
        """The word with the operator at ``initial_position`` moved to ``final_position``
        by the (anti)commutation relations, as a sentence.

        >>> from qsym.bose import BoseWord
        >>> print(BoseWord({(0, 0): "-", (1, 0): "+"}).shift_operator(0, 1))
        1.0 * I
        + 1.0 * b⁺(0) b(0)
        """
        _check_positions(initial_position, final_position, len(self))
        ops = self._ops()
        step = 1 if final_position > initial_position else -1
        out = self._sentence({})
        here, sign = initial_position, 1
        while here != final_position:
            low = min(here, here + step)
            factor, ops, extra = self._swap(ops, low)
            if extra is not None:  # PennyLane's coefficients are floats from here on
                sign = float(sign)
                out = out + sign * extra[0] * self._word(extra[1])
            sign *= factor
            here += step
        return out + sign * self._word(ops)

    def normal_order(self) -> "LadderSentence":
        """The word as a sum of normal-ordered words: every creation operator left of every
        annihilation operator, each group sorted by mode (fermion signs kept; a word
        with a repeated fermionic operator is zero).

        >>> from qsym.bose import BoseWord
        >>> print(BoseWord({(0, 0): "-", (1, 0): "-", (2, 0): "+", (3, 0): "+"}).normal_order())
        2.0 * I
        + 4.0 * b⁺(0) b(0)
        + 1.0 * b⁺(0) b⁺(0) b(0) b(0)
        """
        out = self._sentence({})
        todo = [(1.0, self._ops())]
        key = (lambda op: (op[1] == "-", op[0]))
        while todo:
            coeff, ops = todo.pop()
            k = next((i for i in range(len(ops) - 1) if key(ops[i]) > key(ops[i + 1])), None)
            if k is None:
                if self._exchange == -1 and any(a == b for a, b in zip(ops, ops[1:])):
                    continue
                out[self._word(ops)] += coeff
                continue
            factor, swapped, extra = self._swap(ops, k)
            todo.append((coeff * factor, swapped))
            if extra is not None:
                todo.append((coeff * extra[0], extra[1]))
        out.simplify(tol=1e-8)
        return self._sentence(dict(sorted(out.items(), key=lambda t: len(t[0]))))


class LadderSentence(dict):
    """A linear combination of :class:`LadderWord` s, ``{word: coefficient}``; a missing word
    has coefficient 0. A family's subclass names its word class::

        class FermiSentence(LadderSentence, word=FermiWord): ...

    >>> from qsym.bose import BoseWord
    >>> s = 2 * BoseWord({(0, 0): "+"}) + 1.5
    >>> print(s)
    2 * b⁺(0)
    + 1.5 * I
    """

    __array_ufunc__ = None
    _word_cls: type = LadderWord

    def __init_subclass__(cls, word=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if word is not None:
            cls._word_cls = word
            word._sentence_cls = cls

    @property
    def _kind(self) -> str:
        return self._word_cls._kind

    def _of(self, other, what: str) -> "LadderSentence":
        family = getattr(other, "_kind", None)
        if isinstance(other, (LadderWord, LadderSentence)) and family != self._kind:
            raise ArgumentError(f"Cannot combine a {self._kind}Sentence with a "
                                f"{type(other).__name__}: they are different particles.")
        if isinstance(other, LadderSentence):
            return other
        if isinstance(other, LadderWord):
            return type(self)({other: 1.0})
        return type(self)({self._word_cls({}): _scalar(other, self._kind, what)})

    def adjoint(self) -> "LadderSentence":
        """The Hermitian conjugate: each word's adjoint, the coefficients conjugated."""
        return type(self)({w.adjoint(): np.conj(c) for w, c in self.items()})

    @property
    def wires(self) -> set:
        """The modes the sentence acts on."""
        return set().union(*(w.wires for w in self))

    def __str__(self):
        if not self:
            return "0 * I"
        return "\n+ ".join(f"{c} * {w.to_string()}" for w, c in self.items())

    def __repr__(self):
        return f"{self._kind}Sentence({dict(self)})"

    def __missing__(self, key):
        return 0.0

    def __add__(self, other):
        other = self._of(other, f"Cannot add {type(other)} to a {self._kind}Sentence.")
        small, large = (self, other) if len(self) < len(other) else (other, self)
        out = type(self)(dict(large))
        for w, c in small.items():
            out[w] = out[w] + c
        return out

    __radd__ = __add__

    def __sub__(self, other):
        other = self._of(other, f"Cannot subtract {type(other)} from a {self._kind}Sentence.")
        return self + (-1) * other

    def __rsub__(self, other):
        c = _scalar(other, self._kind,
                    f"Cannot subtract a {self._kind}Sentence from {type(other)}.")
        return (-1) * self + type(self)({self._word_cls({}): c})

    def __mul__(self, other):
        if isinstance(other, (LadderWord, LadderSentence)):
            other = self._of(other, "")
            if not self or not other:
                return type(self)({self._word_cls({}): 0})
            out = type(self)({})
            for w1, c1 in self.items():
                for w2, c2 in other.items():
                    out[w1 * w2] += c1 * c2
            return out
        c = _scalar(other, self._kind, f"Cannot multiply {self._kind}Sentence by {type(other)}.")
        return type(self)({w: v * c for w, v in self.items()})

    def __rmul__(self, other):
        c = _scalar(other, self._kind, f"Cannot multiply {type(other)} by {self._kind}Sentence.")
        return type(self)({w: v * c for w, v in self.items()})

    def __pow__(self, value):
        if not isinstance(value, int) or value < 0:
            raise ArgumentError("The exponent must be a positive integer.")
        out = type(self)({self._word_cls({}): 1})
        for _ in range(value):
            out = out * self
        return out

    def prune(self, tol=1e-08) -> None:
        """Drop the words whose coefficient is at most ``tol`` in size (in place)."""
        for w in [w for w, c in self.items() if abs(c) <= tol]:
            del self[w]

    simplify = prune

    def normal_order(self) -> "LadderSentence":
        """The sum of the words' normal orders (:meth:`LadderWord.normal_order`), each
        scaled by its coefficient."""
        out = type(self)({})
        for w, c in self.items():
            for ordered, v in w.normal_order().items():
                out[ordered] += v * c
        return out


def map_ladder_operator(operator, word_image, name: str, ps: bool = False,
                        wire_map: dict | None = None, tol=None, drop_zeros: bool = True):
    """The qubit operator of a word or sentence whose words map by ``word_image`` (a word to
    a :class:`~qsym.pauli.PauliSentence`): the images summed with the coefficients, zero
    terms dropped (a word's with ``drop_zeros``), coefficients whose imaginary part is at
    most ``tol`` made real; an operator on the word's first mode (the identity's wire) unless
    ``ps``; ``wire_map`` relabels the qubits. ``name`` is the argument's name in errors.

    >>> from qsym.bose import BoseWord
    >>> from qsym.pauli import PauliSentence, PauliWord
    >>> image = lambda w: PauliSentence({PauliWord({0: "X"}): 0.5, PauliWord({0: "Y"}): -0.5j})
    >>> print(map_ladder_operator(BoseWord({(0, 0): "+"}), image, "bose_operator", ps=True))
    0.5 * X(0)
    + -0.5j * Y(0)
    """
    if isinstance(operator, LadderWord):
        sentence, is_sentence = {operator: 1.0}, False
    elif isinstance(operator, LadderSentence):
        sentence, is_sentence = operator, True
    else:
        kind = name.split("_")[0].capitalize()
        raise ArgumentError(f"{name} must be a {kind}Word or {kind}Sentence, got: {operator}")
    out = PauliSentence()
    for w, c in sentence.items():
        for pw, v in word_image(w).items():
            out[pw] = out[pw] + v * c
    if is_sentence or drop_zeros:
        out.simplify(tol=1e-16)
    out = PauliSentence({PauliWord(dict(sorted(w.items()))): c for w, c in out.items()})
    if tol is not None:
        for w, c in out.items():
            if abs(np.imag(c)) <= tol:
                out[w] = np.real(c)
    if not ps:
        wires = sorted(operator.wires)
        out = out.operation(wire_order=[wires[0] if wires else 0])
    if wire_map:
        return out.map_wires(wire_map)
    return out
