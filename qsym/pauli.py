"""PennyLane's ``qml.pauli``: Pauli words and sentences as dictionaries, and the
conversions between them, matrices and operators.

A :class:`PauliWord` maps wires to ``"X"``, ``"Y"`` or ``"Z"`` (the identity on the other
wires); a :class:`PauliSentence` maps Pauli words to coefficients. Operators with a Pauli
form give theirs as ``op.pauli_rep``; ``PauliSentence.operation()`` turns one back into
an operator (:class:`~qsym.ops.Sum` of :class:`~qsym.ops.SProd`).

>>> import qsym as qml
>>> from qsym.pauli import PauliWord, PauliSentence
>>> PauliWord({0: "X", 1: "Y"}) @ PauliWord({0: "Y"})
1j * Z(0) @ Y(1)
>>> (qml.X(0) + 0.5 * qml.Z(1)).pauli_rep
1.0 * X(0)
+ 0.5 * Z(1)
"""

from __future__ import annotations

import functools
import numbers
import sys
from types import SimpleNamespace
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd.extend import Box

from .errors import ArgumentError, MeasurementError, WireError
from ._gates import PAULI
from ._operations import (
    GATE_CLASSES,
    parameters_differ,
    METHODS,
    LinearCombination,
    Observable,
    Operation,
    Prod,
    SProd,
    Sum,
    pauli_coefficients,
    sparse_of,
    order_tuple,
)
from ._trace import Tape, Traced, recording
from .wires import Wires, order_list

__all__ = ["PauliWord", "PauliSentence", "pauli_decompose", "pauli_sentence", "is_pauli_word",
           "pauli_word_to_string", "string_to_pauli_word", "are_identical_pauli_words",
           "are_pauli_words_qwc", "diagonalize_pauli_word", "diagonalize_qwc_pauli_words",
           "group_observables", "compute_partition_indices", "binary_to_pauli", "pauli_group"]

# the product of two different letters: _MUL[a][b] = (phase, letter) of a @ b (equal letters
# give the identity, phase 1)
_MUL = {"X": {"Y": (1j, "Z"), "Z": (-1j, "Y")}, "Y": {"Z": (1j, "X"), "X": (-1j, "Z")},
        "Z": {"X": (1j, "Y"), "Y": (-1j, "X")}}
_WORD_LETTERS = frozenset("IXYZ")
# coefficient types that need no check before scaling or pruning (the common case, fast)
_PLAIN = (float, complex, int)


def _scalar(x) -> bool:
    """A number a word or sentence may be scaled by: a number, a circuit input's value
    (traced: ``excitation * params[i]`` in a circuit), a 0-d array or an autograd scalar."""
    return (isinstance(x, (numbers.Number, np.generic, Traced))
            or (isinstance(x, (Box, np.ndarray)) and np.ndim(x) == 0
                and not np.asarray(getattr(x, "_value", x)).dtype == object))


def _numeric(x) -> bool:
    """PennyLane's ``TensorLike`` for a coefficient: a scalar (:func:`_scalar`) or a numeric
    array (a sentence's broadcast coefficients)."""
    return _scalar(x) or (isinstance(x, (Box, np.ndarray))
                          and np.asarray(getattr(x, "_value", x)).dtype != object)


def _checked_scale(what: str, other):
    """``other`` if it scales a word or sentence: PennyLane's errors otherwise (an array of
    one or more axes, or no number at all)."""
    if type(other) in _PLAIN or _scalar(other):
        return other
    if _numeric(other):
        raise ArgumentError(f"Attempting to multiply a {what} with an array of dimension "
                            f"{np.ndim(other)}; scale by a number")
    raise ArgumentError(f"{what} can only be multiplied by numerical data. Attempting to "
                        f"multiply by {other!r} of type {type(other)} (use @ for products)")


def _gate(name, wire):
    with recording(Tape()):
        return GATE_CLASSES[name](wires=wire)


def _missing_wires(order, wires, what: str) -> WireError:
    return WireError("Can't get the matrix for the specified wire order because it does not "
                     f"contain all the {what}'s wires {wires} (wire_order={list(order)})")


class PauliWord(dict):
    """A tensor product of Paulis: ``{wire: "X" | "Y" | "Z"}`` (``"I"`` entries are
    dropped); hashable and immutable, as PennyLane's ``qml.pauli.PauliWord``.

    >>> w = PauliWord({0: "X", 1: "I", 2: "Z"})
    >>> w, w.wires, 2 * w
    (X(0) @ Z(2), Wires([0, 2]), 2 * X(0) @ Z(2))
    """

    __slots__ = ("_hashval",)  # PennyLane's: the hash, computed once when first asked
    __array_priority__ = 1000  # NumPy scalars and arrays defer to __rmul__ (PennyLane's)

    def __init__(self, mapping=None, _skip_filter=False):
        if type(mapping) is PauliWord:  # already checked, no identities
            dict.__init__(self, mapping)
            self._hashval = mapping._hashval
            return
        mapping = {} if mapping is None else mapping
        mapping = mapping if isinstance(mapping, dict) else dict(mapping)
        values = mapping.values()
        try:
            ok = _WORD_LETTERS.issuperset(values)
        except TypeError:  # an unhashable "letter"
            ok = False
        if not ok:
            bad = [p for p in values if not isinstance(p, str) or p not in _WORD_LETTERS]
            raise MeasurementError(f"a PauliWord maps wires to 'I', 'X', 'Y' or 'Z', got {bad}")
        if "I" in values:
            mapping = {w: p for w, p in mapping.items() if p != "I"}
        dict.__init__(self, mapping)
        self._hashval = None

    def __hash__(self):
        if self._hashval is None:
            self._hashval = hash(frozenset(self.items()))
        return self._hashval

    def _readonly(self, *args, **kwargs):
        raise TypeError("PauliWord object does not support assignment (a PauliWord is "
                        "immutable: make a new one)")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly

    def __reduce__(self):
        return (PauliWord, (dict(self),))

    def __copy__(self):
        out = PauliWord(dict(self))
        out._hashval = self._hashval
        return out

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __missing__(self, key):
        return "I"

    @property
    def pauli_rep(self) -> "PauliSentence":
        """The word as a sentence, coefficient 1 (PennyLane's trivial ``pauli_rep``)."""
        return PauliSentence({self: 1.0})

    @property
    def wires(self) -> Wires:
        """The wires the word acts on (not the identities)."""
        return Wires(list(self))

    def __str__(self):
        return " @ ".join(f"{p}({w})" for w, p in self.items()) if self else "I"

    __repr__ = __str__

    def _matmul(self, other: "PauliWord"):
        """``(word, phase)`` of the product ``self @ other``; the word's wires in
        PennyLane's order: the longer word's (``self``'s on a tie), then the other's new ones.
        """
        swapped = len(self) < len(other)
        out, phase = (dict(other), 1) if swapped else (dict(self), 1)
        get = out.get
        for w, b in (self if swapped else other).items():
            a = get(w)
            if a is None:
                out[w] = b
            elif a == b:
                del out[w]
            else:
                ph, out[w] = _MUL[b][a] if swapped else _MUL[a][b]
                phase *= ph
        return _word(out), phase

    def __matmul__(self, other):
        if isinstance(other, PauliSentence):
            return PauliSentence({self: 1.0}) @ other
        word, phase = self._matmul(other)
        return PauliSentence({word: phase})

    def __mul__(self, other):
        return PauliSentence({self: _checked_scale("PauliWord", other)})

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not _numeric(other):
            raise ArgumentError("PauliWord can only be divided by numerical data. Attempting to "
                                f"divide by {other!r} of type {type(other)}")
        return self * (1 / other)

    def __add__(self, other):
        if isinstance(other, (PauliWord, PauliSentence)) or _scalar(other):
            return PauliSentence({self: 1.0}) + other
        return NotImplemented  # an operator's own __radd__ answers (PennyLane's)

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-1) * other

    def __rsub__(self, other):
        return -1 * self + other

    def commutes_with(self, other: "PauliWord") -> bool:
        """Whether the two words commute (an even number of wires with different letters)."""
        small, large = (self, other) if len(self) <= len(other) else (other, self)
        get, odd = large.get, False
        for w, p in small.items():
            q = get(w)
            if q is not None and q != p:
                odd = not odd
        return not odd

    def _commutator(self, other: "PauliWord"):
        """``(word, coefficient)`` of ``[self, other]``: ``(I, 0.0)`` when they commute, else
        twice their product (PennyLane's private ``PauliWord._commutator``)."""
        if self.commutes_with(other):
            return _word({}), 0.0
        word, phase = self._matmul(other)
        return word, 2 * phase

    def commutator(self, other) -> "PauliSentence":
        """``[self, other]`` as a :class:`PauliSentence` (empty when they commute); ``other``
        a word, a sentence or an operator with a Pauli form.

        >>> PauliWord({0: "X"}).commutator(PauliWord({0: "Y"}))
        2j * Z(0)
        """
        if isinstance(other, PauliWord):
            word, coeff = self._commutator(other)
            return PauliSentence({word: coeff}) if word else PauliSentence()
        if isinstance(other, PauliSentence):
            return -1.0 * other.commutator(self)
        if isinstance(other, (Operation, Observable)):
            return PauliSentence({self: 1.0}).commutator(other)
        raise NotImplementedError(f"Cannot compute natively a commutator between PauliWord and "
                                  f"{other!r} of type {type(other)}: give a PauliWord, a "
                                  "PauliSentence or an operator")

    def to_mat(self, wire_order=None, format="dense", coeff=1.0) -> np.ndarray:
        """The matrix on ``wire_order`` (default: the word's wires), first wire most
        significant, times ``coeff``."""
        if format != "dense":  # SciPy's, where scipy is installed
            return sparse_of(self.to_mat(wire_order, "dense", coeff), format)
        order = list(self.wires) if wire_order is None else list(order_tuple(wire_order))
        if any(w not in order for w in self):
            raise _missing_wires(order, self.wires, "Pauli word")
        if not _plain_number(coeff):
            m = np.array([[coeff]], dtype=complex)
            for w in order:
                m = np.kron(m, PAULI[self[w]])
            return m
        rows, cols, values = _word_entries(self, order)
        m = np.zeros((len(rows),) * 2, dtype=complex)
        m[rows, cols] = coeff * values
        return m

    def operation(self, wire_order=()):
        """The word as an operator: one Pauli gate, their :class:`~qsym.ops.Prod`, or the
        identity on ``wire_order`` (not queued)."""
        with recording(Tape()):
            if not self:
                return GATE_CLASSES["Identity"](wires=order_list(wire_order) or [])
            ops = [GATE_CLASSES["Pauli" + p](wires=w) for w, p in self.items()]
            return ops[0] if len(ops) == 1 else Prod(*ops)

    def map_wires(self, wire_map: dict) -> "PauliWord":
        """The word on the wires ``wire_map`` gives."""
        return PauliWord({wire_map.get(w, w): p for w, p in self.items()})


def _word(mapping: dict) -> PauliWord:
    """A :class:`PauliWord` of ``mapping`` (checked letters, no identities) without the
    checks: the products' and commutators' fast path."""
    out = _new_word(PauliWord)
    _dict_init(out, mapping)
    out._hashval = None
    return out


_new_word, _dict_init = dict.__new__, dict.__init__


def _plain_number(c) -> bool:
    """A Python or NumPy scalar that is not traced (a matrix entry as it is)."""
    return type(c) in _PLAIN or isinstance(c, (numbers.Number, np.generic))


def _word_entries(word: PauliWord, order: list):
    """``(rows, cols, values)``: the word's matrix on ``order`` has ``values[i]`` at
    ``(rows[i], cols[i])`` and zeros elsewhere (one entry per row, a signed permutation)."""
    x, z, n_y = _word_masks(word, order)
    rows = np.arange(2 ** len(order))
    parity = np.bitwise_count(rows & z) & 1
    return rows, rows ^ x, (-1j) ** n_y * (1 - 2 * parity.astype(np.int8))


def _word_masks(word: PauliWord, order: list) -> tuple[int, int, int]:
    """``(x mask, z mask, number of Y)`` of a word on ``order`` (the first wire the most
    significant bit): ``P|j> = (-i)^nY (-1)^popcount(i & z) |i>`` with ``i = j ^ x``."""
    n = len(order)
    x = z = 0
    for k, w in enumerate(order):
        bit = 1 << (n - 1 - k)
        x |= bit if word[w] in "XY" else 0
        z |= bit if word[w] in "ZY" else 0
    return x, z, sum(1 for p in word.values() if p == "Y")


class PauliSentence(dict):
    """A linear combination of Pauli words: ``{PauliWord: coefficient}`` (PennyLane's
    ``qml.pauli.PauliSentence``); a missing word has coefficient 0.

    >>> s = PauliSentence({PauliWord({0: "X"}): 1.0, PauliWord({1: "Z"}): 0.5})
    >>> s
    1.0 * X(0)
    + 0.5 * Z(1)
    >>> s.operation()
    X(0) + 0.5 * Z(1)
    """

    __array_priority__ = 1000  # NumPy scalars and arrays defer to __rmul__ (PennyLane's)

    def __missing__(self, key):
        return 0.0

    @property
    def pauli_rep(self) -> "PauliSentence":
        """The sentence itself (PennyLane's trivial ``pauli_rep``)."""
        return self

    @property
    def wires(self) -> Wires:
        """The wires of its words, in order of first use."""
        seen = []
        for word in self:
            seen += [w for w in word if w not in seen]
        return Wires(seen)

    def __str__(self):
        if not self:
            return "0 * I"
        return "\n+ ".join(f"{c} * {w}" for w, c in self.items())

    __repr__ = __str__

    def __copy__(self):
        return PauliSentence(self)

    def __deepcopy__(self, memo):
        return PauliSentence(self)

    def trace(self):
        """The normalized trace ``tr(P) / 2^n``: the identity word's coefficient.

        >>> PauliSentence({PauliWord({}): 0.5, PauliWord({0: "X"}): 1.0}).trace()
        0.5
        """
        return self.get(PauliWord({}), 0.0)

    def _as_sentence(self, other):
        if isinstance(other, PauliSentence):
            return other
        if isinstance(other, PauliWord):
            return PauliSentence({other: 1.0})
        if _numeric(other):
            return PauliSentence({PauliWord({}): other})
        raise ArgumentError(f"Cannot add {other!r} of type {type(other)} to PauliSentence "
                            "(PennyLane's TypeError): convert it with qml.pauli.pauli_sentence")

    def __add__(self, other):
        """PennyLane's order of terms: the longer sentence's words (``other``'s when it is
        strictly longer), then the other's new ones (a new word's coefficient ``0.0 + c``).

        >>> a = PauliSentence({PauliWord({0: "X"}): 1.0})
        >>> a + PauliSentence({PauliWord({1: "Z"}): 2.0, PauliWord({0: "X"}): 0.5})
        2.0 * Z(1)
        + 1.5 * X(0)
        """
        other = self._as_sentence(other)
        small, large = (self, other) if len(self) < len(other) else (other, self)
        out = PauliSentence(large)
        get = out.get
        for w, c in small.items():
            out[w] = get(w, 0.0) + c
        return out

    __radd__ = __add__

    def __iadd__(self, other):
        """In place; a new word keeps its coefficient as it is (PennyLane's)."""
        get = self.get
        for w, c in self._as_sentence(other).items():
            old = get(w)
            self[w] = c if old is None else old + c
        return self

    def __sub__(self, other):
        return self + (-1) * self._as_sentence(other)

    def __rsub__(self, other):
        return (-1) * self + other

    def __mul__(self, other):
        other = _checked_scale("PauliSentence", other)
        return PauliSentence({w: other * c for w, c in self.items()})

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not _numeric(other):
            raise ArgumentError("PauliSentence can only be divided by numerical data. Attempting "
                                f"to divide by {other!r} of type {type(other)}")
        return self * (1 / other)

    def __matmul__(self, other):
        other = self._as_sentence(other)
        out = PauliSentence()
        get, others = out.get, list(other.items())
        for w1, c1 in self.items():
            matmul = w1._matmul
            for w2, c2 in others:
                word, phase = matmul(w2)
                out[word] = get(word, 0.0) + phase * c1 * c2
        return out

    def commutator(self, other) -> "PauliSentence":
        """``[self, other]`` (PennyLane's: the words' commutators summed, a cancelled word
        kept with coefficient 0; identity words never arise); ``other`` a word, a sentence or
        an operator with a Pauli form, else ``NotImplementedError``.

        >>> PauliSentence({PauliWord({0: "X"}): 1.0}).commutator(PauliWord({0: "Z"}))
        -2j * Y(0)
        """
        out = PauliSentence()
        get = out.get
        if isinstance(other, PauliWord):  # PennyLane's: no factor 1.0 for the word
            for w1, c1 in self.items():
                word, coeff = w1._commutator(other)
                if word:
                    out[word] = get(word, 0.0) + coeff * c1
            return out
        if not isinstance(other, PauliSentence):
            if getattr(other, "pauli_rep", None) is None:
                raise NotImplementedError(
                    "Cannot compute a native commutator of a Pauli word or sentence with the "
                    f"operator {other!r} of type {type(other)}. You can try to use "
                    "qml.commutator(op1, op2, pauli=False) instead.")
            other = other.pauli_rep
        others = list(other.items())
        for w1, c1 in self.items():
            commutator = w1._commutator
            for w2, c2 in others:
                word, coeff = commutator(w2)
                if word:
                    out[word] = get(word, 0.0) + coeff * c1 * c2
        return out

    def prune(self, tol=1e-8) -> None:
        """Drop the words whose coefficient is at most ``tol`` in size (in place; traced or
        broadcast coefficients are kept).

        >>> s = PauliSentence({PauliWord({0: "X"}): 0.0, PauliWord({1: "Z"}): 0.5})
        >>> s.prune(); s
        0.5 * Z(1)
        """
        for w in [w for w, c in self.items()
                  if (type(c) in _PLAIN or _scalar(c) and not isinstance(c, Traced))
                  and abs(c) <= tol]:
            del self[w]

    def simplify(self, tol=1e-8) -> None:
        """:meth:`prune` (PennyLane's name too)."""
        self.prune(tol)

    def _order(self, wire_order) -> list:
        order = list(self.wires) if wire_order is None else list(order_tuple(wire_order))
        if any(w not in order for w in self.wires):
            raise _missing_wires(order, self.wires, "Pauli sentence")
        return order

    def to_mat(self, wire_order=None, format="dense", buffer_size=None) -> np.ndarray:
        """The matrix on ``wire_order`` (default: the sentence's wires); coefficients that
        are arrays (broadcast) give a stack of matrices, their axes first."""
        if format != "dense":  # SciPy's, where scipy is installed
            return sparse_of(self.to_mat(wire_order), format)
        order = self._order(wire_order)
        if not self:
            return np.zeros((2 ** len(order),) * 2)
        if all(_plain_number(c) for c in self.values()):
            out = np.zeros((2 ** len(order),) * 2, dtype=complex)
            for w, c in self.items():
                rows, cols, values = _word_entries(w, order)
                out[rows, cols] += c * values
            return out
        out = 0
        for w, c in self.items():
            c = np.asarray(getattr(c, "_value", c), dtype=complex)
            out = out + c[..., None, None] * w.to_mat(order)
        return out

    def dot(self, vector, wire_order=None) -> np.ndarray:
        """The sentence's matrix times ``vector`` (or each row of a ``(batch, 2^n)`` array)
        without making the matrix: each word is a permutation of the entries with signs.

        >>> s = PauliSentence({PauliWord({0: "X"}): 2.0})
        >>> s.dot(np.array([1.0, 0.0]))
        array([0.+0.j, 2.+0.j])
        """
        order = self._order(wire_order)
        vector = np.asarray(vector)
        if vector.shape[-1] != 2 ** len(order) or vector.ndim not in (1, 2):
            raise ArgumentError(f"dot takes a vector of 2^{len(order)} entries (or a batch of "
                                f"them, shape (batch, 2^n)), got shape {vector.shape}")
        dtype = np.complex64 if vector.dtype in (np.float32, np.complex64) else np.complex128
        index = np.arange(vector.shape[-1])
        out = np.zeros(vector.shape, dtype=dtype)
        for w, c in self.items():
            x, z, n_y = _word_masks(w, order)
            parity = np.zeros(len(index), dtype=np.int64)
            for k in range(len(order)):
                parity ^= (index & z) >> k & 1
            out += c * (-1j) ** n_y * (1 - 2 * parity) * vector[..., index ^ x]
        return out

    def operation(self, wire_order=()):
        """The sentence as an operator: ``c * word`` terms (``word`` alone where ``c`` is 1,
        an identity word on all of ``wire_order`` or the sentence's wires) in a
        :class:`~qsym.ops.Sum`, one term alone as it is; ``0 * I`` when empty (not queued)."""
        with recording(Tape()):
            if not self:
                return SProd(0, PauliWord({}).operation(wire_order))
            order = order_list(wire_order) or list(self.wires)
            terms = [w.operation(order) if _scalar(c) and not isinstance(c, Traced) and c == 1
                     else SProd(c, w.operation(order)) for w, c in self.items()]
            return terms[0] if len(terms) == 1 else Sum(*terms)

    def map_wires(self, wire_map: dict) -> "PauliSentence":
        """The sentence on the wires ``wire_map`` gives."""
        return PauliSentence({w.map_wires(wire_map): c for w, c in self.items()})


def _from_terms(terms: dict) -> PauliSentence:
    """A merged Pauli sum's ``{word: coefficient}`` as a :class:`PauliSentence`."""
    return PauliSentence({PauliWord(dict(word)): float(c) if isinstance(c, numbers.Integral) else c
                          for word, c in terms.items()})


METHODS["pauli_rep"] = _from_terms


def _not_pauli(op) -> MeasurementError:
    return MeasurementError(f"Op must be a linear combination of Pauli operators only, got: {op}")


def _differences(kind: str, a, b) -> str:
    err = f"Different {kind}."
    if set(a) - set(b):
        err += f" op1 has {set(a) - set(b)} not present in op2."
    if set(b) - set(a):
        err += f" op2 has {set(b) - set(a)} not present in op1."
    return err


def _coefficients_differ(pw, c1, c2, check_interface, check_trainability, rtol, atol):
    """Why two coefficients of the word ``pw`` differ (PennyLane's texts), or None."""
    why = parameters_differ(c1, c2, check_interface, check_trainability)
    if why is not None:
        return why
    if not np.allclose(np.asarray(c1, dtype=complex), np.asarray(c2, dtype=complex), rtol=rtol, atol=atol):
        return f"The coefficients of the PauliSentences for {pw} differ: {c1}; {c2}"
    return None


def compare_pauli(op1, op2, check_interface=True, check_trainability=True, rtol=1e-5, atol=1e-9):
    """``qml.equal`` of two Pauli words or two Pauli sentences (PennyLane's): True, or the
    reason they differ; None for other objects (``_operations.compare`` asks it through
    ``METHODS["compare_pauli"]``).

    >>> compare_pauli(PauliWord({0: "X", 1: "Z"}), PauliWord({1: "Y", 0: "X"}))
    "Pauli words agree on wires but differ in Paulis: {1: 'Z != Y'}"
    >>> compare_pauli(PauliSentence({PauliWord({0: "X"}): 1.0}), PauliSentence({PauliWord({0: "X"}): 1.0 + 1e-12}))
    True
    """
    if isinstance(op1, PauliWord) and isinstance(op2, PauliWord):
        if op1 == op2:
            return True
        if set(op1) != set(op2):
            return _differences("wires in Pauli words", op1, op2)
        diff = {w: f"{op1[w]} != {op2[w]}" for w in op1 if op1[w] != op2[w]}
        return f"Pauli words agree on wires but differ in Paulis: {diff}"
    if isinstance(op1, PauliSentence) and isinstance(op2, PauliSentence):
        if set(op1) != set(op2):
            return _differences("Pauli words in PauliSentences", op1, op2)
        for pw in op1:
            why = _coefficients_differ(pw, op1[pw], op2[pw], check_interface, check_trainability,
                                       rtol, atol)
            if why is not None:
                return why
        return True
    return None


METHODS["compare_pauli"] = compare_pauli


def pauli_sentence(op) -> PauliSentence:
    """The Pauli sentence of an operator with a Pauli form (PennyLane's
    ``qml.pauli.pauli_sentence``).

    >>> import qsym as qml
    >>> pauli_sentence(qml.X(0) @ qml.Z(1))
    1.0 * X(0) @ Z(1)
    """
    if isinstance(op, (PauliWord, PauliSentence)):
        return op if isinstance(op, PauliSentence) else PauliSentence({op: 1.0})
    rep = op.pauli_rep if isinstance(op, (Operation, Observable)) else None
    if rep is None:
        raise _not_pauli(op)
    return rep


def is_pauli_sentence(op) -> bool:
    """Whether ``op`` has a Pauli form (PennyLane's ``qml.pauli.conversion.is_pauli_sentence``).

    >>> import qsym as qml
    >>> is_pauli_sentence(qml.X(0) + qml.Z(1)), is_pauli_sentence(qml.Hadamard(0))
    (True, False)
    """
    return getattr(op, "pauli_rep", None) is not None


_LETTERS = {"PauliX": "X", "PauliY": "Y", "PauliZ": "Z"}


def sentence_of_operands(op) -> PauliSentence:
    """An operator's Pauli sentence computed from its operands, not from its merged
    ``pauli_rep`` (PennyLane's ``qml.pauli.conversion._pauli_sentence``): a Pauli gate, the
    identity, and products, scalar multiples and sums of them; ``ValueError`` for anything
    else.

    >>> import qsym as qml
    >>> sentence_of_operands(qml.sum(qml.s_prod(2, qml.Z(0)), qml.X(0) @ qml.X(0)))
    2.0 * Z(0)
    + 1.0 * I
    """
    name = getattr(op, "name", None)
    if name in _LETTERS:
        return PauliSentence({PauliWord({op.wires[0]: _LETTERS[name]}): 1.0})
    if name == "Identity":
        return PauliSentence({PauliWord({}): 1.0})
    if isinstance(op, Prod):
        out = PauliSentence({PauliWord({}): 1.0})
        for factor in op.operands:
            out = out @ sentence_of_operands(factor)
        return out
    if isinstance(op, SProd):
        return op.scalar * sentence_of_operands(op.base)
    if isinstance(op, (Sum, LinearCombination)):
        coeffs, ops = op.terms() if isinstance(op, LinearCombination) else ([1.0] * len(op.operands), op.operands)
        out = PauliSentence()
        for c, term in zip(coeffs, ops):
            out += sentence_of_operands(term) if c == 1.0 else c * sentence_of_operands(term)
        return out
    raise _not_pauli(op)


def is_pauli_word(op) -> bool:
    """Whether ``op`` is one Pauli word (times a number), as PennyLane's ``is_pauli_word``.

    >>> import qsym as qml
    >>> is_pauli_word(qml.X(0) @ qml.Z(1)), is_pauli_word(qml.X(0) + qml.Z(1))
    (True, False)
    """
    rep = getattr(op, "pauli_rep", None) if isinstance(op, (Operation, Observable)) else None
    return rep is not None and len(rep) == 1


def pauli_word_to_string(pauli_word, wire_map=None) -> str:
    """The letters of a Pauli word, one per wire of ``wire_map`` (``{wire: position}``;
    default: the word's own wires in order), its coefficient ignored (PennyLane's
    ``qml.pauli.pauli_word_to_string``).

    >>> import qsym as qml
    >>> pauli_word_to_string(qml.X(0) @ qml.Z(2)), pauli_word_to_string(qml.X("a"), {"b": 0, "a": 1})
    ('XZ', 'IX')
    """
    rep = getattr(pauli_word, "pauli_rep", None)
    if rep is None or len(rep) != 1:
        raise ArgumentError(f"Expected Pauli word observables, instead got {pauli_word!r}")
    (word,) = rep
    if wire_map is None:
        wire_map = {w: i for i, w in enumerate(pauli_word.wires)}
    letters = ["I"] * len(wire_map)
    for w, p in word.items():
        if w not in wire_map:
            raise WireError(f"wire_map {wire_map} has no position for the word's wire {w!r}")
        letters[wire_map[w]] = p
    return "".join(letters)


def string_to_pauli_word(pauli_string: str, wire_map=None):
    """The operator of a string of ``I``, ``X``, ``Y``, ``Z`` (PennyLane's
    ``qml.pauli.string_to_pauli_word``): the letter at position ``wire_map[wire]`` acts on
    ``wire`` (default: position ``k`` on wire ``k``); ``Identity`` on the first wire for
    identities only.

    >>> string_to_pauli_word("XIZ"), string_to_pauli_word("XY", {"b": 0, "a": 1})
    (X(0) @ Z(2), X('b') @ Y('a'))
    """
    if not isinstance(pauli_string, str):
        raise ArgumentError(f"Input to string_to_pauli_word must be string, obtained {pauli_string!r}")
    if wire_map is None:
        wire_map = {k: k for k in range(len(pauli_string))}
    elif len(pauli_string) != len(wire_map):
        raise ArgumentError("Wire map and pauli_string must have the same length to convert "
                            f"from string to Pauli word (got {pauli_string!r} and {wire_map})")
    if set(pauli_string) - set("IXYZ"):
        raise ArgumentError("Invalid characters encountered in string_to_pauli_word string "
                            f"{pauli_string}. Permitted characters are 'I', 'X', 'Y', and 'Z'")
    word = PauliWord({w: pauli_string[k] for w, k in wire_map.items()})
    return word.operation(wire_order=list(wire_map)[:1])


_BINARY_LETTER = {(1, 0): "PauliX", (1, 1): "PauliY", (0, 1): "PauliZ"}


def binary_to_pauli(binary_vector, wire_map=None):
    """The Pauli word of a binary symplectic vector ``(x_0..x_{n-1}, z_0..z_{n-1})``
    (PennyLane's ``qml.pauli.binary_to_pauli``): on qubit ``i``, ``X`` for ``(1, 0)``, ``Y``
    for ``(1, 1)``, ``Z`` for ``(0, 1)``; the product of the letters (``qml.prod``), or
    ``Identity`` on the first wire for the zero vector. ``wire_map`` maps wire labels to
    the indices ``0..n-1`` (default: the indices themselves).

    >>> binary_to_pauli([1, 0, 1, 1])  # x = (1, 0), z = (1, 1)
    Y(0) @ Z(1)
    """
    from ._opmath import prod

    v = np.asarray(binary_vector)
    if v.ndim != 1 or len(v) % 2:
        raise ArgumentError(
            f"Length of binary_vector must be even, instead got vector of shape {np.shape(v)}.")
    if not np.array_equal(v, v.astype(bool)):
        raise ArgumentError(
            f"Input vector must have strictly binary components, instead got {v}.")
    n = len(v) // 2
    if wire_map is None:
        labels = {i: i for i in range(n)}
    else:
        if set(wire_map.values()) != set(range(n)):
            raise ArgumentError(
                "The values of wire_map must be integers 0 to N, for 2N-dimensional binary "
                f"vector. Instead got wire_map values: {wire_map.values()}")
        labels = {index: label for label, index in wire_map.items()}
    letters = [(_BINARY_LETTER[(int(v[i]), int(v[n + i]))], labels[i]) for i in range(n)
               if (int(v[i]), int(v[n + i])) != (0, 0)]
    if not letters:
        return _gate("Identity", labels[0])
    with recording(Tape()):
        return prod(*[_gate(name, wire) for name, wire in letters])


def pauli_group(n_qubits, wire_map=None):
    """The ``4**n_qubits`` Pauli words on ``n_qubits`` qubits, as a generator, in PennyLane's
    order (``qml.pauli.pauli_group``): the ``k``-th is :func:`binary_to_pauli` of the
    ``2 n``-bit binary expansion of ``k`` (the first ``n`` bits X, the last ``n`` Z).

    >>> [pauli_word_to_string(w, wire_map={0: 0}) for w in pauli_group(1)]
    ['I', 'Z', 'X', 'Y']
    """
    if isinstance(n_qubits, float) and n_qubits.is_integer():
        n_qubits = int(n_qubits)
    if not isinstance(n_qubits, int) or isinstance(n_qubits, bool):
        raise ArgumentError("Must specify an integer number of qubits to construct the Pauli group.")
    if n_qubits <= 0:
        raise ArgumentError("Number of qubits must be at least 1 to construct Pauli group.")
    wire_map = wire_map or {i: i for i in range(n_qubits)}
    return (binary_to_pauli([int(b) for b in format(k, f"0{2 * n_qubits}b")], wire_map=wire_map)
            for k in range(4 ** n_qubits))  # checked now, made as asked


def _sparse_input(H) -> bool:
    """Whether ``H`` is a SciPy sparse matrix (scipy is not imported for the question: a
    sparse matrix's module is loaded already)."""
    sps = sys.modules.get("scipy.sparse")
    return sps is not None and sps.issparse(H)


def _decomposition_size(shape, wire_order, sparse=False) -> tuple[int, list]:
    """PennyLane's checks of a matrix to decompose: square, a power of 2 (a sparse one not
    empty), ``wire_order`` one wire per qubit; ``(n_qubits, wires)``."""
    if shape[0] != shape[1]:
        raise ArgumentError(f"The matrix should be square, got {shape}. Use 'padding=True' for "
                            "rectangular matrices.")
    if shape[0] == 0 and sparse:
        raise ArgumentError("Cannot decompose an empty matrix.")
    if shape[0] & (shape[0] - 1):
        raise ArgumentError(f"Dimension of the matrix should be a power of 2, got {shape}. Use "
                            "'padding=True' for these matrices.")
    n = max(shape[0], 1).bit_length() - 1
    wires = list(range(n)) if wire_order is None else list(order_tuple(wire_order))
    if len(wires) != n:
        raise ArgumentError(f"number of wires {len(wires)} is not compatible with the number of "
                            f"qubits {n}")
    return n, wires


def _padded_shape(shape) -> tuple:
    """The ``2^n x 2^n`` shape a ``shape`` matrix is padded to with zeros."""
    size = 1 << max(max(shape) - 1, 0).bit_length()
    return (size, size)


def _kept_terms(index_values, coeffs, n, wires, hide_identity, pauli):
    """``(coeffs, terms)`` of PennyLane's generalized decompositions: the words (base-4 indices,
    ``IXYZ`` digits, the first wire most significant) whose coefficient is not ``allclose`` to
    0; a term is ``[(letter, wire), ...]`` (``pauli=True``) or the product of the gates, the
    identities dropped with ``hide_identity`` unless all are identities."""
    terms = []
    for index in index_values:
        letters = ["IXYZ"[(int(index) >> (2 * (n - 1 - q))) & 3] for q in range(n)]
        term = [(p, w) for p, w in zip(letters, wires)]
        if hide_identity and any(p != "I" for p in letters):
            term = [(p, w) for p, w in term if p != "I"]
        if not pauli:
            gates = [_gate("Identity" if p == "I" else "Pauli" + p, w) for p, w in term]
            term = gates[0] if len(gates) == 1 else Prod(*gates)
        terms.append(term)
    return coeffs, terms


def _generalized_pauli_decompose(matrix, hide_identity=False, wire_order=None, pauli=False,
                                 padding=False):
    """Any matrix as ``(coefficients, terms)`` on the Pauli words (PennyLane's
    ``qml.pauli.conversion._generalized_pauli_decompose``): ``padding=True`` pads a matrix
    that is not ``2^n x 2^n`` with zeros; the coefficients ``tr(P M) / 2^n`` are complex, the
    words in ``itertools.product("IXYZ")`` order, those ``allclose`` to 0 dropped;
    differentiable for autograd arrays.

    >>> c, ops = _generalized_pauli_decompose(np.array([[1, 2j], [0, 1]]))
    >>> c, ops
    (array([ 1.+0.j,  0.+1.j, -1.+0.j]), [I(0), X(0), Y(0)])
    """
    if not isinstance(matrix, Box):
        matrix = np.asarray(matrix)
    if padding and np.shape(matrix) != _padded_shape(np.shape(matrix)):
        (rows, cols), (size, _) = np.shape(matrix), _padded_shape(np.shape(matrix))
        matrix = anp.concatenate([matrix, np.zeros((size - rows, cols))], axis=0)
        matrix = anp.concatenate([matrix, np.zeros((size, size - cols))], axis=1)
    n, wires = _decomposition_size(np.shape(matrix), wire_order)
    if n == 0:
        raise ArgumentError("a 1 x 1 matrix acts on no qubit: pauli_decompose needs a "
                            "2^n x 2^n matrix with n >= 1")
    coeffs = pauli_coefficients(matrix * (1 + 0j), n)
    keep = np.nonzero(np.abs(getattr(coeffs, "_value", coeffs)) > 1e-8)[0]
    return _kept_terms(keep, coeffs[keep], n, wires, hide_identity, pauli)


def _generalized_pauli_decompose_sparse(matrix, hide_identity=False, wire_order=None, pauli=False,
                                        padding=False):
    """:func:`_generalized_pauli_decompose` of a SciPy sparse matrix without making it dense
    (PennyLane's ``_generalized_pauli_decompose_sparse``): each stored entry ``(r, c, v)`` adds
    ``v`` times the ``2^n`` words whose letters match its bits (``I``/``Z`` where ``r`` and
    ``c`` agree on a wire, ``X``/``Y`` where they differ); the words in order of first
    contribution, as PennyLane's.

    >>> import scipy.sparse as sps
    >>> _generalized_pauli_decompose_sparse(sps.csr_matrix(np.diag([1.0, -1.0])))
    (array([1.+0.j]), [Z(0)])
    """
    from scipy import sparse as sps

    m = sps.coo_matrix(matrix)
    m.sum_duplicates()
    m.eliminate_zeros()
    if padding and m.shape != _padded_shape(m.shape):
        m = sps.coo_matrix((m.data, (m.row, m.col)), shape=_padded_shape(m.shape))
    n, wires = _decomposition_size(m.shape, wire_order, sparse=True)
    rows, cols = m.row.astype(np.int64), m.col.astype(np.int64)
    index = np.zeros((len(rows), 1), dtype=np.int64)
    value = m.data.astype(complex)[:, None]
    for q in range(n):  # one wire at a time, the first most significant: two letters each
        r, c = ((rows >> (n - 1 - q)) & 1)[:, None], ((cols >> (n - 1 - q)) & 1)[:, None]
        same, sign = r == c, 1 - 2 * r
        index = np.stack([4 * index + np.where(same, 0, 1), 4 * index + np.where(same, 3, 2)], 2)
        value = np.stack([0.5 * value, value * np.where(same, 0.5 * sign, 0.5j * sign)], 2)
        index, value = index.reshape(len(rows), 2 << q), value.reshape(len(rows), 2 << q)
    words, first, where = np.unique(index.reshape(-1), return_index=True, return_inverse=True)
    sums = np.zeros(len(words), dtype=complex)
    np.add.at(sums, where.reshape(-1), value.reshape(-1))
    order = [i for i in np.argsort(first, kind="stable") if abs(sums[i]) > 1e-8]
    if n == 0 and order:
        raise ArgumentError("a 1 x 1 matrix acts on no qubit: pauli_decompose needs a "
                            "2^n x 2^n matrix with n >= 1")
    return _kept_terms(words[order], sums[order], n, wires, hide_identity, pauli)


def _check_hermitian_sparse(H) -> None:
    """PennyLane's check of a sparse matrix: ``ValueError`` where ``H - H^dagger`` has an
    entry larger than ``1e-8``."""
    diff = H - H.transpose().conjugate()
    diff.eliminate_zeros()
    nnz = getattr(diff, "nnz", None)
    if (diff.count_nonzero() if nnz is None else nnz):
        largest = np.abs(diff.data).max()
        if largest > 1e-8:
            raise MeasurementError(f"The matrix is not Hermitian. (max diff: {largest})")


def pauli_decompose(H, hide_identity=False, wire_order=None, pauli=False, check_hermitian=True):
    """A ``2^n x 2^n`` matrix as a sum of Pauli words (PennyLane's ``qml.pauli_decompose``):
    a :class:`~qsym.ops.LinearCombination` whose words act on every wire (``I`` factors kept
    unless ``hide_identity``), or with ``pauli=True`` a :class:`PauliSentence`. The
    coefficients are ``tr(P H) / 2^n`` (real where ``check_hermitian``, which refuses a
    matrix that is not Hermitian); with ``check_hermitian=False`` any matrix, padded with
    zeros to ``2^n x 2^n``. A SciPy sparse matrix is decomposed without making it dense.

    >>> import qsym as qml
    >>> pauli_decompose(np.array([[1.0, 1.0], [1.0, -1.0]]))
    1.0 * X(0) + 1.0 * Z(0)
    >>> print(pauli_decompose(np.array([[0, 1], [0, 0]]), pauli=True, check_hermitian=False))
    (0.5+0j) * X(0)
    + 0.5j * Y(0)
    """
    sparse = _sparse_input(H)
    if not sparse and not isinstance(H, Box):
        H = np.asarray(H)
    shape = H.shape if sparse else np.shape(H)
    if len(shape) != 2:
        raise ArgumentError(f"pauli_decompose takes a matrix (two axes), got shape {shape}")
    if sparse and (shape[0] == 0 or shape[0] != shape[1] or shape[0] & (shape[0] - 1)):
        _decomposition_size(shape, None, sparse=True)  # PennyLane's errors
    if check_hermitian:
        if shape[0] < 2 or shape[0] != shape[1] or shape[0] & (shape[0] - 1):
            raise ArgumentError("The matrix should have shape (2**n, 2**n), for any qubit number "
                                f"n>=1 (got {shape}; check_hermitian=False decomposes any matrix)")
        if sparse:
            _check_hermitian_sparse(H)
        elif not np.allclose(getattr(H, "_value", H), np.conj(getattr(H, "_value", H)).T):
            raise MeasurementError("The matrix is not Hermitian (check_hermitian=False decomposes "
                                "it with complex coefficients)")
    decompose = _generalized_pauli_decompose_sparse if sparse else _generalized_pauli_decompose
    coeffs, terms = decompose(H, hide_identity, wire_order, pauli, padding=True)
    if check_hermitian:
        coeffs = anp.real(coeffs)
    if pauli:
        return PauliSentence({PauliWord({w: p for p, w in term}): c for c, term in zip(coeffs, terms)})
    return LinearCombination(coeffs, terms)


# PennyLane's module path qml.pauli.pauli_arithmetic (also importable by that name)
pauli_arithmetic = SimpleNamespace(PauliWord=PauliWord, PauliSentence=PauliSentence,
                                   I="I", X="X", Y="Y", Z="Z")
sys.modules[__name__ + ".pauli_arithmetic"] = pauli_arithmetic


# --- qubit-wise commuting groups (PennyLane's qml.pauli grouping functions) ------------------
def _word_of(op, what="pauli words") -> tuple[dict, Any]:
    """``({wire: letter}, coefficient)`` of a Pauli word, its wires in the operator's order."""
    rep = getattr(op, "pauli_rep", None) if isinstance(op, (Operation, Observable)) else None
    if isinstance(op, PauliWord):
        rep = PauliSentence({op: 1.0})
    if rep is None or len(rep) != 1:
        raise ArgumentError(f"This function only supports {what}; got {op!r}")
    ((word, coeff),) = rep.items()
    order = list(op.wires) if hasattr(op, "wires") else list(word)
    return {w: word[w] for w in order if word[w] != "I"}, coeff


def are_identical_pauli_words(pauli_1, pauli_2) -> bool:
    """Whether two Pauli words are the same product of Paulis (coefficients aside), as
    PennyLane's ``qml.pauli.are_identical_pauli_words``.

    >>> import qsym as qml
    >>> are_identical_pauli_words(qml.X(0) @ qml.Z(1), 2.0 * (qml.Z(1) @ qml.X(0)))
    True
    """
    return _word_of(pauli_1)[0] == _word_of(pauli_2)[0]


def are_pauli_words_qwc(lst_pauli_words) -> bool:
    """Whether the Pauli words pairwise commute qubit-wise: on every wire at most one
    of X, Y, Z appears (PennyLane's ``qml.pauli.are_pauli_words_qwc``); False when one of
    them is a sum of several words. With an operator that has no Pauli form (PennyLane's
    fallback for ``expand_tape``), the operators' names are compared on their first wires.

    >>> import qsym as qml
    >>> are_pauli_words_qwc([qml.X(0) @ qml.Y(1), qml.X(0) @ qml.Z(2)])
    True
    >>> are_pauli_words_qwc([qml.X(0), qml.Y(0)]), are_pauli_words_qwc([qml.X(0) + qml.Y(1)])
    (False, False)
    """
    reps = [getattr(op, "pauli_rep", None) for op in lst_pauli_words]
    if all(rep is not None for rep in reps):
        seen: dict = {}
        for rep in reps:
            if len(rep) > 1:
                return False
            for w, letter in next(iter(rep), PauliWord({})).items():
                if seen.setdefault(w, letter) != letter:
                    return False
        return True
    latest: dict = {}
    for op in lst_pauli_words:
        name, wires = op.name, list(op.wires)
        if wires and name != "Identity":
            if latest.setdefault(wires[0], name) != name:
                return False
    return True


def diagonalize_pauli_word(pauli_word):
    """The Pauli word with each X and Y replaced by Z, coefficient kept (PennyLane's
    ``qml.pauli.diagonalize_pauli_word``).

    >>> import qsym as qml
    >>> diagonalize_pauli_word(qml.X(0) @ qml.Y(2))
    Z(0) @ Z(2)
    """
    word, coeff = _word_of(pauli_word, "Pauli words (the input must be a Pauli word)")
    with recording(Tape()):
        if not word:
            return GATE_CLASSES["Identity"](wires=list(pauli_word.wires)[:1] or [0])
        z = [GATE_CLASSES["PauliZ"](wires=w) for w in word]
        out = z[0] if len(z) == 1 else Prod(*z)
        return out if coeff == 1 else SProd(coeff, out)


def diagonalize_qwc_pauli_words(qwc_grouping):
    """``(gates, words)``: the rotations taking a qubit-wise commuting group of Pauli words
    to the computational basis (``RY(-pi/2)`` on a wire with X, ``RX(pi/2)`` with Y, in
    order of first appearance) and the diagonal words (:func:`diagonalize_pauli_word`),
    as PennyLane's ``qml.pauli.diagonalize_qwc_pauli_words``; a group that does not
    commute qubit-wise is a ``ValueError``.

    >>> import qsym as qml
    >>> gates, words = diagonalize_qwc_pauli_words([qml.X(0) @ qml.Z(1), qml.X(0) @ qml.Y(3)])
    >>> gates
    [RY(-1.5707963267948966, wires=[0]), RX(1.5707963267948966, wires=[3])]
    >>> words
    [Z(0) @ Z(1), Z(0) @ Z(3)]
    """
    full: dict = {}
    for op in qwc_grouping:
        for w, letter in _word_of(op, "pauli words")[0].items():
            if full.setdefault(w, letter) != letter:
                raise ValueError("The list of Pauli words are not qubit-wise commuting")
    new = [diagonalize_pauli_word(op) for op in qwc_grouping]
    with recording(Tape()):
        gates = [GATE_CLASSES["RY"](-np.pi / 2, wires=w) if p == "X" else
                 GATE_CLASSES["RX"](np.pi / 2, wires=w) for w, p in full.items() if p != "Z"]
    return gates, new


_LETTER_CODE = {"X": 2, "Y": 3, "Z": 1}


def _clash_matrix(words: list[dict], grouping_type: str) -> np.ndarray:
    """``adj[i, j]``: words ``i`` and ``j`` may not share a group (PennyLane's adjacency of
    the complement graph): for ``"qwc"`` they differ on some wire where both act, for
    ``"commuting"`` they anticommute (an odd number of such wires), for
    ``"anticommuting"`` they commute."""
    wires = list(dict.fromkeys(w for word in words for w in word))
    code = np.array([[_LETTER_CODE.get(word.get(w, "I"), 0) for w in wires] for word in words],
                    dtype=np.int8).reshape(len(words), len(wires))
    differ = (code[:, None, :] * code[None, :, :] != 0) & (code[:, None, :] != code[None, :, :])
    if grouping_type == "qwc":
        return differ.any(axis=2)
    odd = differ.sum(axis=2) % 2 == 1
    return odd if grouping_type == "commuting" else ~odd


def _colour_rlf(adj: np.ndarray) -> list[list[int]]:
    """Recursive largest first colouring (PennyLane's ``recursive_largest_first``, the same
    choices in the same order): per colour, start from the uncoloured vertex of most
    conflicts, then repeatedly add, among those still compatible with the colour, the one
    with most conflicts with the incompatible rest."""
    n = adj.shape[0]
    groups, coloured = [], set()
    while len(coloured) < n:
        decode = np.array(list(set(range(n)) - coloured))
        sub = adj[:, decode][decode, :]
        v = np.argmax(sub.sum(axis=1))
        colour, rest = {v}, set(range(len(decode))) - {v}

        def free(colour):  # vertices conflicting with no member of the colour
            hit = sub[list(colour)].sum(axis=0)
            return {x[0] for x in np.argwhere(np.logical_not(hit))} - colour

        candidates = free(colour)
        while candidates:
            blocked = rest - candidates
            v = list(candidates)[np.argmax(sub[:, list(blocked)][list(candidates), :].sum(axis=1))]
            colour.add(v)
            rest -= {v}
            candidates = free(colour)
        members = [int(i) for i in decode[list(colour)]]
        groups.append(members)
        coloured |= set(members)
    return groups


def _colour_largest_first(adj: np.ndarray) -> list[list[int]]:
    """Greedy colouring, vertices by decreasing number of conflicts (ties: first
    written first), each given the smallest colour none of its neighbours has."""
    n = adj.shape[0]
    colour_of: dict = {}
    for i in sorted(range(n), key=lambda i: (-int(adj[i].sum()), i)):
        taken = {colour_of[j] for j in range(n) if adj[i, j] and j in colour_of}
        colour_of[i] = next(c for c in range(n + 1) if c not in taken)
    groups: dict = {}
    for i in range(n):  # groups in order of their first member
        groups.setdefault(colour_of[i], []).append(i)
    return list(groups.values())


def _rebuilt(word: dict, order: list):
    """The Pauli word ``{wire: letter}`` as an operator, its wires in ``order`` (no
    coefficient: PennyLane's ``binary_to_pauli``)."""
    with recording(Tape()):
        ops = [GATE_CLASSES[_LETTER_GATE[word[w]]](wires=w) for w in order if w in word]
        if not ops:
            return GATE_CLASSES["Identity"](wires=order[0])
        return ops[0] if len(ops) == 1 else Prod(*ops)


_LETTER_GATE = {"X": "PauliX", "Y": "PauliY", "Z": "PauliZ"}


class _LengthError(ArgumentError, IndexError):
    """Coefficients and observables of different lengths (PennyLane's ``IndexError``)."""


def group_observables(observables, coefficients=None, grouping_type="qwc", method="lf"):
    """Partition Pauli words into groups whose members pairwise commute qubit-wise
    (``"qwc"``), commute (``"commuting"``) or anticommute (``"anticommuting"``), as
    PennyLane's ``qml.pauli.group_observables``: a list of groups (of the observables), and
    with ``coefficients`` also the coefficients grouped alike. ``method="rlf"``
    (recursive largest first) makes PennyLane's groups in PennyLane's order; ``"lf"``
    (largest first, greedy) makes valid groups of the same kind, which may be ordered
    differently from PennyLane's (rustworkx's colouring).

    >>> import qsym as qml
    >>> obs = [qml.Y(0), qml.X(0) @ qml.X(1), qml.Z(1)]
    >>> group_observables(obs, grouping_type="qwc", method="rlf")
    [[X(0) @ X(1)], [Y(0), Z(1)]]
    """
    if grouping_type not in ("qwc", "commuting", "anticommuting"):
        raise ValueError(f"Grouping type must be one of: ('qwc', 'commuting', 'anticommuting'), "
                         f"instead got {grouping_type}.")
    if method not in ("lf", "rlf", "dsatur", "gis"):
        raise ValueError(f"Graph colouring method must be one of: ['lf', 'rlf', 'dsatur', "
                         f"'gis'], instead got '{method}'.")
    observables = list(observables)
    if coefficients is not None and np.shape(coefficients)[0] != len(observables):
        raise _LengthError("The coefficients list must be the same length as the observables list.")
    with_wires = [i for i, op in enumerate(observables) if len(op.wires)]
    if not with_wires:
        return [observables] if coefficients is None else ([observables], [coefficients])
    words = [_word_of(observables[i], "Pauli words")[0] for i in with_wires]
    adj = _clash_matrix(words, grouping_type)
    parts = _colour_rlf(adj) if method == "rlf" else _colour_largest_first(adj)
    index = [[with_wires[k] for k in part] for part in parts]
    index[0].extend(i for i, op in enumerate(observables) if not len(op.wires))
    if method == "rlf":  # PennyLane rebuilds these words: wires in order of first use
        order = list(dict.fromkeys(w for i in with_wires for w in observables[i].wires))
        groups = [[_rebuilt(words[k], order) for k in part] for part in parts]
        groups[0].extend(op for op in observables if not len(op.wires))
    else:
        groups = [[observables[i] for i in part] for part in index]
    if coefficients is None:
        return groups
    if isinstance(coefficients, list):  # as given: lists, else arrays (autograd's too)
        return groups, [[coefficients[i] for i in part] for part in index]
    coeffs = coefficients if hasattr(coefficients, "shape") else np.asarray(coefficients)
    return groups, [coeffs[np.array(part, dtype=int)] for part in index]


def compute_partition_indices(observables, grouping_type="qwc", method="lf"):
    """The groups of :func:`group_observables` as indices into ``observables`` (PennyLane's
    ``qml.pauli.compute_partition_indices``, what ``H.compute_grouping()`` stores as
    ``grouping_indices``).

    >>> import qsym as qml
    >>> compute_partition_indices([qml.X(0), qml.Z(0) @ qml.Z(1), qml.Z(1)])
    ((0, 2), (1,))
    """
    observables = list(observables)
    if method != "rlf":
        if method not in ("lf", "dsatur", "gis") or grouping_type not in (
                "qwc", "commuting", "anticommuting"):
            group_observables(observables, None, grouping_type, method)  # its error
        if all(not len(op.wires) for op in observables):
            return (tuple(range(len(observables))),)
        words = [_word_of(op, "Pauli words")[0] for op in observables]
        parts = _colour_largest_first(_clash_matrix(words, grouping_type))
        return tuple(tuple(part) for part in parts)
    groups = group_observables(observables, grouping_type=grouping_type, method="rlf")
    left = list(range(len(observables)))
    out = []
    for group in groups:
        found = []
        for word in group:
            k = next((k for k, i in enumerate(left)
                      if are_identical_pauli_words(word, observables[i])), None)
            if k is not None:
                found.append(left.pop(k))
        out.append(tuple(found))
    return tuple(out)


METHODS["partition_indices"] = compute_partition_indices
METHODS["pauli_decompose"] = pauli_decompose  # Hermitian.compute_decomposition


# --- the binary (symplectic) form of Pauli words: PennyLane's qml.pauli utilities ----------
def _pauli_word_rep(pauli_word, check=True) -> PauliWord:
    """The one Pauli word of an operator (PennyLane's ``TypeError`` for anything else)."""
    rep = getattr(pauli_word, "pauli_rep", None) if isinstance(pauli_word, (Operation, Observable)) else None
    if rep is None or len(rep) != 1:
        if check:
            raise ArgumentError(f"Expected a Pauli word Operator instance, instead got {pauli_word}.")
        raise ArgumentError(f"{pauli_word!r} has no Pauli form")
    return next(iter(rep))


def _n_qubits_for(n_qubits, wire_map: dict) -> int:
    n_min = max(wire_map.values()) + 1 if wire_map else 0
    if n_qubits is None:
        return n_min
    if n_qubits < n_min:
        raise ArgumentError(f"n_qubits must support the highest mapped wire index {n_min},"
                            f" instead got n_qubits={n_qubits}.")
    return n_qubits


def pauli_to_binary(pauli_word, n_qubits=None, wire_map=None, check_is_pauli_word=True):
    """The binary symplectic vector ``(x_0..x_{n-1}, z_0..z_{n-1})`` of a Pauli word
    (PennyLane's ``qml.pauli.pauli_to_binary``, the inverse of :func:`binary_to_pauli`):
    ``X`` sets ``x_i``, ``Z`` sets ``z_i``, ``Y`` both. ``wire_map`` maps wire labels to
    the indices ``i`` (default: the word's wires in order); ``n_qubits`` (default: the
    largest index plus one) pads the vector.

    >>> import qsym as qml
    >>> pauli_to_binary(qml.X("a") @ qml.Y("b") @ qml.Z("c"))
    array([1., 1., 0., 0., 1., 1.])
    >>> pauli_to_binary(qml.X(0) @ qml.X(5), n_qubits=3)
    array([1., 1., 0., 0., 0., 0.])
    """
    word = _pauli_word_rep(pauli_word, check=check_is_pauli_word)
    wire_map = wire_map or {w: i for i, w in enumerate(pauli_word.wires)}
    n = _n_qubits_for(n_qubits, wire_map)
    out = np.zeros(2 * n)
    for wire, letter in word.items():
        i = wire_map[wire]
        out[i] = letter in "XY"
        out[n + i] = letter in "YZ"
    return out


def observables_to_binary_matrix(observables, n_qubits=None, wire_map=None):
    """The binary vectors (:func:`pauli_to_binary`) of Pauli words as the rows of a
    matrix, on one wire map (default: the wires in order of first appearance), as
    PennyLane's ``qml.pauli.observables_to_binary_matrix``.

    >>> import qsym as qml
    >>> observables_to_binary_matrix([qml.X(0) @ qml.Y(2), qml.Z(0) @ qml.Z(1) @ qml.Z(2)])
    array([[1., 1., 0., 0., 1., 0.],
           [0., 0., 0., 1., 1., 1.]])
    """
    observables = list(observables)
    if wire_map is None:
        wire_map = {w: i for i, w in enumerate(dict.fromkeys(w for op in observables for w in op.wires))}
    n = _n_qubits_for(n_qubits, wire_map)
    out = np.zeros((len(observables), 2 * n))
    for row, op in enumerate(observables):
        out[row] = pauli_to_binary(op, n_qubits=n, wire_map=wire_map)
    return out


def binary_matrix_from_words(words, num_qubits: int, wire_map=None) -> np.ndarray:
    """Rows ``[z | x]`` of Pauli words (PennyLane's private
    ``qml.pauli.utils._binary_matrix_from_pws``, the tapering's layout, Z part first): the
    wire ``w`` is column ``wire_map[w]`` (default: the words' wires sorted).

    >>> binary_matrix_from_words([PauliWord({"a": "Z", "b": "X"}), PauliWord({"b": "Y"})], 2)
    array([[1, 0, 0, 1],
           [0, 1, 0, 1]])
    """
    if wire_map is None:  # PennyLane's Wires.all_wires(sort=True): integers by value, else by str
        labels = list(dict.fromkeys(w for word in words for w in word))
        ints = all(isinstance(w, int) for w in labels)
        wire_map = {w: i for i, w in enumerate(sorted(labels, key=None if ints else str))}
    rows = np.zeros((len(words), 2 * num_qubits), dtype=int)
    for r, word in enumerate(words):
        for w, p in word.items():
            rows[r, wire_map[w]] = p in "ZY"
            rows[r, num_qubits + wire_map[w]] = p in "XY"
    return rows


def _binary_rows(*vectors) -> list:
    rows = [np.asarray(v) for v in vectors]
    if len({r.shape for r in rows}) > 1:
        raise ArgumentError(f"Vectors a and b must be the same dimension, instead got "
                            f"shapes {rows[0].shape} and {rows[1].shape}.")
    if rows[0].shape[-1] % 2:
        raise ArgumentError("Symplectic vector-space must have even dimension, instead got "
                            f"vectors of shape {rows[0].shape}.")
    if not all(np.array_equal(r, r.astype(bool)) for r in rows):
        raise ArgumentError(f"Vectors a and b must have strictly binary components, instead got "
                            f"{rows[0]} and {rows[-1]}")
    return rows


def _qwc_table(binary: np.ndarray) -> np.ndarray:
    """``[i, j]``: rows ``i`` and ``j`` commute qubit-wise (on every qubit one acts as the
    identity, or both act alike)."""
    n = binary.shape[1] // 2
    x, z = binary[:, :n].astype(bool), binary[:, n:].astype(bool)
    ident = ~x & ~z
    same = (x[:, None] == x[None, :]) & (z[:, None] == z[None, :])
    return (ident[:, None] | ident[None, :] | same).all(axis=2)


def is_qwc(pauli_vec_1, pauli_vec_2) -> bool:
    """Whether two Pauli words in binary form commute qubit-wise (PennyLane's
    ``qml.pauli.is_qwc``).

    >>> is_qwc([1, 0, 0, 1], [1, 0, 0, 0]), is_qwc([1, 0, 0, 0], [0, 0, 1, 0])
    (True, False)
    """
    a, b = _binary_rows(pauli_vec_1, pauli_vec_2)
    return bool(_qwc_table(np.stack([a, b]))[0, 1])


def qwc_complement_adj_matrix(binary_observables) -> np.ndarray:
    """The adjacency matrix of the complement of the qubit-wise commutativity graph of Pauli
    words in binary form (rows): ``1`` where two do not commute qubit-wise (PennyLane's
    ``qml.pauli.qwc_complement_adj_matrix``).

    >>> qwc_complement_adj_matrix([[1, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]])
    array([[0., 0., 1.],
           [0., 0., 1.],
           [1., 1., 0.]])
    """
    binary = np.asarray(binary_observables)
    if not np.array_equal(binary, binary.astype(bool)):
        raise ArgumentError(f"Expected a binary array, instead got {binary}")
    return (~_qwc_table(binary)).astype(float)


def pauli_word_to_matrix(pauli_word, wire_map=None) -> np.ndarray:
    """The matrix of a Pauli word on the wires of ``wire_map`` (its keys, in order; default:
    the word's wires), as PennyLane's ``qml.pauli.pauli_word_to_matrix``.

    >>> import qsym as qml
    >>> pauli_word_to_matrix(qml.X(0), wire_map={0: 0, 1: 1}).real.astype(int)
    array([[0, 0, 1, 0],
           [0, 0, 0, 1],
           [1, 0, 0, 0],
           [0, 1, 0, 0]])
    """
    if not is_pauli_word(pauli_word):
        raise ArgumentError(f"Expected Pauli word observables, instead got {pauli_word}")
    order = list(wire_map) if wire_map is not None else list(pauli_word.wires)
    return pauli_word.matrix(wire_order=order)


def qwc_rotation(pauli_operators) -> list:
    """The rotations that take single-qubit Paulis to ``Z`` (PennyLane's
    ``qml.pauli.qwc_rotation``): ``RY(-pi/2)`` for an ``X``, ``RX(pi/2)`` for a ``Y``,
    nothing for ``Z`` and the identity.

    >>> import qsym as qml
    >>> qwc_rotation([qml.X("a"), qml.Y("b"), qml.Z("c")])
    [RY(-1.5707963267948966, wires=['a']), RX(1.5707963267948966, wires=['b'])]
    """
    kinds = tuple(GATE_CLASSES[n] for n in ("Identity", "PauliX", "PauliY", "PauliZ"))
    if not all(isinstance(op, kinds) for op in pauli_operators):
        raise ArgumentError(
            "All values of input pauli_operators must be either Identity, PauliX, PauliY, or "
            f"PauliZ instances, instead got pauli_operators = {pauli_operators}.")
    with recording(Tape()):
        return [GATE_CLASSES["RY"](-np.pi / 2, wires=op.wires) if isinstance(op, kinds[1])
                else GATE_CLASSES["RX"](np.pi / 2, wires=op.wires)
                for op in pauli_operators if isinstance(op, kinds[1:3])]


def diagonalize_qwc_groupings(qwc_groupings):
    """:func:`diagonalize_qwc_pauli_words` of each group: ``(rotations, words)``, a list of
    each (PennyLane's ``qml.pauli.diagonalize_qwc_groupings``).

    >>> import qsym as qml
    >>> diagonalize_qwc_groupings([[qml.X(0)], [qml.Y(1), qml.Z(0)]])
    ([[RY(-1.5707963267948966, wires=[0])], [RX(1.5707963267948966, wires=[1])]], [[Z(0)], [Z(1), Z(0)]])
    """
    pairs = [diagonalize_qwc_pauli_words(group) for group in qwc_groupings]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@functools.lru_cache
def pauli_eigs(n: int) -> np.ndarray:
    """The eigenvalues of a tensor product of ``n`` Paulis in basis order: ``(-1)`` to the
    parity of each basis state (PennyLane's ``qml.pauli.pauli_eigs``: built from ``n - 1``'s
    and cached, ``pauli_eigs.cache_info()``; the arrays are read-only, as they are shared).

    >>> pauli_eigs(2)
    array([ 1., -1., -1.,  1.])
    """
    out = np.array([1.0, -1.0]) if n == 1 else np.concatenate([pauli_eigs(n - 1), -pauli_eigs(n - 1)])
    out.flags.writeable = False
    return out


def partition_pauli_group(n_qubits: int) -> list:
    """The ``4**n`` Pauli words on ``n`` qubits (strings) in ``3**n`` qubit-wise commuting
    groups, in PennyLane's order (``qml.pauli.partition_pauli_group``): one group per
    placement of X and Y letters, its free wires taking I and Z.

    >>> partition_pauli_group(1)
    [['I', 'Z'], ['X'], ['Y']]
    """
    if isinstance(n_qubits, float) and n_qubits.is_integer():
        n_qubits = int(n_qubits)
    if not isinstance(n_qubits, int) or isinstance(n_qubits, bool):
        raise ArgumentError("Must specify an integer number of qubits.")
    if n_qubits < 0:
        raise ArgumentError("Number of qubits must be at least 0.")
    from itertools import product

    groups = []
    for pattern in product("FXY", repeat=n_qubits):
        free = pattern.count("F")
        group = []
        for fill in product("IZ", repeat=free):
            letters = iter(fill)
            group.append("".join(next(letters) if p == "F" else p for p in pattern))
        groups.append(group)
    return groups


def pauli_word_prefactor(observable):
    """The coefficient of a Pauli word (PennyLane's ``qml.pauli.pauli_word_prefactor``):
    ``1`` for a single Pauli or identity, else its Pauli form's one coefficient (the phase
    of a product of Paulis on one wire included).

    >>> import qsym as qml
    >>> pauli_word_prefactor(qml.X(0)), pauli_word_prefactor(qml.X(0) @ qml.Y(0))
    (1, 1j)
    """
    if isinstance(observable, tuple(GATE_CLASSES[n] for n in ("Identity", "PauliX", "PauliY", "PauliZ"))):
        return 1
    rep = getattr(observable, "pauli_rep", None) if isinstance(observable, (Operation, Observable)) else None
    if rep is None or len(rep) != 1:
        raise ArgumentError(f"Expected a valid Pauli word, got {observable}")
    if isinstance(observable, LinearCombination):
        return observable.coeffs[0]
    return next(iter(rep.values()))


def trace_inner_product(A, B):
    """``tr(A^dagger B) / dim`` (PennyLane's ``qml.pauli.trace_inner_product``): of two
    operators with a Pauli form (taken as Hermitian: ``A`` is not conjugated), exactly by
    their words; of matrices (or lists of them: leading batch axes), by NumPy.

    >>> import qsym as qml
    >>> trace_inner_product(qml.X(0) + qml.Y(0), qml.Y(0) + qml.Z(0))
    1.0
    >>> float(trace_inner_product(np.eye(2), np.diag([1.0, -1.0])))
    0.0
    """
    ra, rb = (pauli_sentence(x) if isinstance(x, (PauliWord, PauliSentence))
              else getattr(x, "pauli_rep", None) for x in (A, B))
    if ra is not None and rb is not None:
        return sum(ra.get(w, 0.0) * c for w, c in rb.items())
    if all(isinstance(x, (list, tuple, np.ndarray, Box)) for x in (A, B)):
        a, b = (anp.stack(x) if isinstance(x, (list, tuple)) else x for x in (A, B))
        return anp.tensordot(anp.conj(a), b, axes=[[-2, -1], [-2, -1]]) / np.shape(a)[-1]
    raise NotImplementedError(
        "Inputs to pennylane.pauli.trace_inner_product need to be of the same type and iterables "
        "of matrices or operators with a pauli_rep")


# --- PennyLane's qml.pauli.grouping: graph colouring on binary forms, the strategy class ----
def _colours_of(binary_observables, groups: list) -> dict:
    """PennyLane's form of a colouring: ``{colour (from 1): [binary rows]}``."""
    return {k + 1: [binary_observables[i] for i in group] for k, group in enumerate(groups)}


def largest_first(binary_observables, adj) -> dict:
    """A colouring of the graph ``adj`` (``1``: the two words may not share a group) by the
    largest-first heuristic (PennyLane's ``qml.pauli.grouping.graph_colouring.largest_first``):
    ``{colour: [rows of binary_observables]}``; no two rows of one colour are adjacent.

    >>> largest_first(np.eye(3), np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]]))
    {1: [array([0., 1., 0.]), array([0., 0., 1.])], 2: [array([1., 0., 0.])]}

    As PennyLane's, the vertices are visited by ``numpy.argsort`` of their degrees,
    reversed (ties: the later row first), and each colour lists its rows in that order.
    """
    adj = np.asarray(adj)
    colour_of: dict = {}
    colours: dict = {}
    for i in np.argsort(adj.sum(axis=0))[::-1].tolist():
        taken = {colour_of[j] for j in np.flatnonzero(adj[i]).tolist() if j in colour_of}
        colour_of[i] = next(c for c in range(1, len(adj) + 2) if c not in taken)
        colours.setdefault(colour_of[i], []).append(binary_observables[i])
    return colours


def recursive_largest_first(binary_observables, adj) -> dict:
    """As :func:`largest_first`, by the recursive largest-first heuristic (PennyLane's
    choices, in its order).

    >>> recursive_largest_first(np.eye(3), np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]]))
    {1: [array([1., 0., 0.]), array([0., 0., 1.])], 2: [array([0., 1., 0.])]}
    """
    return _colours_of(binary_observables, _colour_rlf(np.asarray(adj)))


_GROUPING_TYPES = ("qwc", "commuting", "anticommuting")
_COLOURERS = ("lf", "rlf", "dsatur", "gis")


def items_partitions_from_idx_partitions(items, idx_partitions, return_tuples=False):
    """The items at each partition's indices (PennyLane's
    ``qml.pauli.grouping.items_partitions_from_idx_partitions``): lists, or tuples with
    ``return_tuples``.

    >>> items_partitions_from_idx_partitions("abc", [[0, 2], [1]])
    [['a', 'c'], ['b']]
    """
    kind = tuple if return_tuples else list
    return kind(kind(items[i] for i in part) for part in idx_partitions)


class PauliGroupingStrategy:
    """Pauli words partitioned by a relation (PennyLane's
    ``qml.pauli.grouping.PauliGroupingStrategy``): ``grouping_type`` ``"qwc"``,
    ``"commuting"`` or ``"anticommuting"``, the complement graph coloured by
    ``graph_colourer`` (``"rlf"``: PennyLane's recursive largest first; ``"lf"``,
    ``"dsatur"``, ``"gis"``: largest first, PennyLane's rustworkx colouring reproduced;
    qsym does not use rustworkx, so there is no ``complement_graph``).

    >>> import qsym as qml
    >>> s = PauliGroupingStrategy([qml.X(0), qml.Z(0), qml.X(1)], "qwc")
    >>> s.adj_matrix.astype(int).tolist(), s.partition_observables()
    ([[0, 1, 0], [1, 0, 0], [0, 0, 0]], [[X(0), X(1)], [Z(0)]])
    """

    def __init__(self, observables, grouping_type="qwc", graph_colourer="lf"):
        self.graph_colourer = graph_colourer.lower()
        self.grouping_type = grouping_type.lower()
        if self.grouping_type not in _GROUPING_TYPES:
            raise ArgumentError(f"Grouping type must be one of: {_GROUPING_TYPES}, instead got "
                                f"{grouping_type}.")
        if self.graph_colourer not in _COLOURERS:
            raise ArgumentError(f"Graph colouring method must be one of: {list(_COLOURERS)}, "
                                f"instead got '{graph_colourer}'.")
        self.observables = observables
        self._wire_map = None

    @property
    def binary_observables(self) -> np.ndarray:
        """The binary forms of the observables, one row each (:func:`pauli_to_binary`)."""
        if "_binary" not in self.__dict__:
            self._binary = self.binary_repr()
        return self._binary

    def binary_repr(self, n_qubits=None, wire_map=None) -> np.ndarray:
        """The observables as :func:`observables_to_binary_matrix` gives them (default wire
        map: the wires in order of first appearance, kept as ``_wire_map``)."""
        if wire_map is None:
            wire_map = {w: i for i, w in enumerate(
                dict.fromkeys(w for op in self.observables for w in op.wires))}
        self._wire_map = wire_map
        return observables_to_binary_matrix(self.observables, n_qubits, wire_map)

    @property
    def adj_matrix(self) -> np.ndarray:
        """``[i, j] = 1`` where observables ``i`` and ``j`` do not satisfy the relation."""
        words = [dict(_pauli_word_rep(op)) for op in self.observables]
        return _clash_matrix(words, self.grouping_type).astype(int)

    def _groups(self) -> list:
        adj = self.adj_matrix
        return _colour_rlf(adj) if self.graph_colourer == "rlf" else _colour_largest_first(adj)

    def idx_partitions_from_graph(self, observables_indices=None) -> tuple:
        """The partitions as tuples of indices (``observables_indices[i]`` for observable
        ``i`` if given)."""
        groups = self._groups()
        if observables_indices is None:
            return tuple(tuple(g) for g in groups)
        if len(observables_indices) != len(self.observables):
            raise ArgumentError(
                f"The length of the list of indices: {len(observables_indices)} does not match "
                f"the length of the list of observables: {len(self.observables)}. ")
        return items_partitions_from_idx_partitions(list(observables_indices), groups, True)

    def pauli_partitions_from_graph(self) -> list:
        """The partitions as lists of the observables."""
        return items_partitions_from_idx_partitions(list(self.observables), self._groups())

    def partition_observables(self) -> list:
        """The partitions as lists of Pauli words (``"rlf"``: rebuilt from their binary
        form, as PennyLane's)."""
        if self.graph_colourer != "rlf":
            return self.pauli_partitions_from_graph()
        binary = self.binary_observables
        return [[binary_to_pauli(binary[i], wire_map=self._wire_map) for i in group]
                for group in self._groups()]


def optimize_measurements(observables, coefficients=None, grouping="qwc", colouring_method="lf"):
    """Pauli words partitioned into qubit-wise commuting groups and each group's rotations
    to the computational basis (PennyLane's ``qml.pauli.optimize_measurements``):
    ``(rotations, diagonal words)``, and the coefficients grouped alike if given.

    >>> import qsym as qml
    >>> optimize_measurements([qml.X(0), qml.Z(0)], [1.0, 2.0])
    ([[RY(-1.5707963267948966, wires=[0])], []], [[Z(0)], [Z(0)]], [[1.0], [2.0]])
    """
    parts = compute_partition_indices(observables, grouping_type=grouping, method=colouring_method)
    grouped = [[observables[i] for i in part] for part in parts]
    if grouping.lower() != "qwc":
        raise NotImplementedError(
            f"Measurement reduction by '{grouping.lower()}' grouping not implemented.")
    out = diagonalize_qwc_groupings(grouped)
    if coefficients:
        out += ([[coefficients[i] for i in part] for part in parts],)
    return out


# --- PennyLane's qml.pauli.PauliVSpace: a linearly independent basis of Pauli sentences ----
class PauliVSpace:
    """The vector space spanned by Pauli sentences (operators with a Pauli form, words or
    sentences), kept as a linearly independent basis (PennyLane's ``qml.pauli.PauliVSpace``):
    a candidate joins the basis when it adds a dimension. The coefficients are the columns
    of ``_M`` (one row per Pauli word, ``_pw_to_idx``), each normalised; a candidate with a
    new word is independent at once, otherwise it is when the rank (singular values above
    ``tol``, default ``100 * eps``) grows.

    >>> import qsym as qml
    >>> vspace = qml.pauli.PauliVSpace([qml.X(0) @ qml.X(1) + qml.Y(0) @ qml.Y(1),
    ...                                 qml.X(0) @ qml.X(1), qml.Y(0) @ qml.Y(1)])
    >>> len(vspace), vspace.is_independent(qml.Z(0).pauli_rep)
    (2, True)
    >>> vspace.add(qml.Z(0))
    [1.0 * X(0) @ X(1)
    + 1.0 * Y(0) @ Y(1), 1.0 * X(0) @ X(1), 1.0 * Z(0)]
    """

    def __init__(self, generators, dtype=float, tol=None):
        self.dtype = dtype
        generators = [pauli_sentence(g) for g in generators]
        words = []
        for ps in generators:
            words += [w for w in ps if w not in words]
        self._pw_to_idx = {w: i for i, w in enumerate(words)}
        self._basis = []
        self._M = np.zeros((len(words), 0), dtype=dtype)
        self._rank, self._num_pw = 0, len(words)
        self.tol = np.finfo(self._M.dtype).eps * 100 if tol is None else tol
        self.add(generators, tol=tol)

    @property
    def basis(self) -> list:
        """The basis: the independent sentences, in the order they were added."""
        return self._basis

    def __len__(self):
        return len(self._basis)

    def __iter__(self):
        return iter(self._basis)

    def __getitem__(self, idx):
        return self._basis[idx]

    def __repr__(self):
        return str(self._basis)

    def add(self, other, tol=None) -> list:
        """Add the independent ones of ``other`` (an operator, word or sentence, or a list
        of them) to the basis, in turn; returns the basis."""
        if isinstance(other, (PauliWord, PauliSentence, Operation, Observable)):
            other = [other]
        for ps in (pauli_sentence(op) for op in other):
            state = self._check_independence(ps, self.tol if tol is None else tol)
            if state is not None:
                self._M, self._pw_to_idx, self._rank, self._num_pw = state
                self._basis.append(ps)
        return self._basis

    def is_independent(self, pauli_sentence, tol=None) -> bool:
        """Whether ``pauli_sentence`` is linearly independent of the basis."""
        return self._check_independence(pauli_sentence, self.tol if tol is None else tol) is not None

    def _check_independence(self, ps, tol):
        """The space with ``ps`` added, ``(M, pw_to_idx, rank, num_pw)``, or None if ``ps``
        depends on the basis."""
        new = [w for w in ps if w not in self._pw_to_idx]
        num_pw = self._num_pw + len(new)
        if num_pw < self._rank + 1:
            return None  # rank + 1 independent vectors need as many words
        index = dict(self._pw_to_idx)
        index.update({w: i for i, w in enumerate(new, start=self._num_pw)})
        m = np.pad(self._M, ((0, num_pw - self._num_pw), (0, 1)))
        for w, c in ps.items():
            m[index[w], self._rank] = c
        norm = np.linalg.norm(m[:, self._rank])
        if norm == 0:
            return None
        m[:, self._rank] /= norm
        if not new and np.count_nonzero(np.linalg.svd(m, compute_uv=False) > tol) <= self._rank:
            return None
        return m, index, self._rank + 1, num_pw

    def __eq__(self, other):
        """Equal when both span the same space: the same words, and the columns of both
        together have the rank of each."""
        if not isinstance(other, PauliVSpace):
            return NotImplemented
        if set(self._pw_to_idx) != set(other._pw_to_idx):
            return False
        theirs = np.zeros((self._num_pw, len(other)), dtype=complex)
        for j, ps in enumerate(other.basis):
            for w, c in ps.items():
                theirs[self._pw_to_idx[w], j] = c
        rank = np.linalg.matrix_rank
        return rank(self._M) == rank(theirs) == rank(np.hstack([self._M, theirs]))

    __hash__ = None


def _module(name: str, **names):
    """PennyLane's module path ``qml.pauli.<name>``, importable (``from
    pennylane.pauli.grouping import ...``)."""
    mod = SimpleNamespace(**names)
    sys.modules[f"{__name__}.{name}"] = mod
    return mod


utils = _module(
    "utils", **{n: globals()[n] for n in (
        "is_pauli_word", "are_identical_pauli_words", "pauli_to_binary", "binary_to_pauli",
        "pauli_word_to_string", "string_to_pauli_word", "pauli_word_to_matrix", "is_qwc",
        "are_pauli_words_qwc", "observables_to_binary_matrix", "qwc_complement_adj_matrix",
        "pauli_group", "partition_pauli_group", "qwc_rotation", "diagonalize_pauli_word",
        "diagonalize_qwc_pauli_words", "diagonalize_qwc_groupings", "pauli_eigs")},
    _binary_matrix_from_pws=binary_matrix_from_words)
grouping = _module(
    "grouping", group_observables=group_observables, optimize_measurements=optimize_measurements,
    compute_partition_indices=compute_partition_indices, PauliGroupingStrategy=PauliGroupingStrategy,
    items_partitions_from_idx_partitions=items_partitions_from_idx_partitions)
grouping.graph_colouring = _module("grouping.graph_colouring", largest_first=largest_first,
                                   recursive_largest_first=recursive_largest_first)
_module("grouping.group_observables", group_observables=group_observables,
        compute_partition_indices=compute_partition_indices,
        PauliGroupingStrategy=PauliGroupingStrategy,
        items_partitions_from_idx_partitions=items_partitions_from_idx_partitions)
_module("grouping.optimize_measurements", optimize_measurements=optimize_measurements)
pauli_vspace = _module("pauli_vspace", PauliVSpace=PauliVSpace)
pauli_interface = _module("pauli_interface", pauli_word_prefactor=pauli_word_prefactor)
conversion = _module(
    "conversion", pauli_decompose=pauli_decompose, pauli_sentence=pauli_sentence,
    is_pauli_sentence=is_pauli_sentence, _pauli_sentence=sentence_of_operands,
    _generalized_pauli_decompose=_generalized_pauli_decompose,
    _generalized_pauli_decompose_sparse=_generalized_pauli_decompose_sparse,
    _check_hermitian_sparse=_check_hermitian_sparse)
__all__ += ["pauli_to_binary", "observables_to_binary_matrix", "is_qwc", "qwc_complement_adj_matrix",
            "pauli_word_to_matrix", "qwc_rotation", "diagonalize_qwc_groupings", "pauli_eigs",
            "partition_pauli_group", "pauli_word_prefactor", "trace_inner_product",
            "PauliGroupingStrategy", "optimize_measurements", "PauliVSpace"]
