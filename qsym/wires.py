"""Wire labels (PennyLane's ``qml.wires.Wires``).

A :class:`Wires` is an ordered tuple of distinct wire labels: ``dev.wires`` of a device made
with ``wires=`` is one. Indexing with an int gives a label, with a slice a :class:`Wires`;
it compares equal to another ``Wires`` (or a tuple) with the same labels in the same order.

>>> from qsym.wires import Wires
>>> w = Wires(["a", 0, 2])
>>> w, len(w), w[1], w.index(2), w.tolist()
(Wires(['a', 0, 2]), 3, 0, 2, ['a', 0, 2])
>>> Wires.all_wires([Wires([4, 0]), Wires([0, 3])])
Wires([4, 0, 3])
"""

from __future__ import annotations

import numbers
import uuid
from collections.abc import Iterable

import numpy as np

from .errors import WireError


def _label(w):
    return w.item() if isinstance(w, np.generic) else w


class Wires(tuple):
    """An ordered sequence of distinct wire labels (ints, strings, any hashable).

    >>> import qsym as qml
    >>> w = qml.wires.Wires([0, "a"])
    >>> len(w), w[1], list(w)
    (2, 'a', [0, 'a'])
    """

    def __new__(cls, wires=(), _override=False):
        if isinstance(wires, Wires):
            return wires
        if (type(wires) is tuple and all(type(w) is int for w in wires)
                and len(set(wires)) == len(wires)):
            return super().__new__(cls, wires)  # (distinct ints: nothing to check)
        if wires is None:
            raise TypeError("Must specify a set of wires. None is not a valid wire label.")
        if isinstance(wires, np.ndarray) and wires.ndim == 0:  # unhashable, not iterable
            raise WireError(f"Wires must be hashable; got object of type {type(wires)} "
                            f"({wires!r:.60}) (qsym: a 0-d array: give wires=int(w))")
        if isinstance(wires, (str, numbers.Number, np.generic)) or not isinstance(wires, Iterable):
            labels = (_label(wires),)
        else:
            labels = tuple(_label(w) for w in (np.ravel(wires) if isinstance(wires, np.ndarray) else wires))
        for w in labels:
            try:
                hash(w)
            except TypeError:
                raise WireError(f"Wires must be hashable; got object of type {type(w)} "
                                f"({w!r:.60})") from None
        if len(set(labels)) != len(labels):
            raise WireError(f"Wires must be unique; got {list(labels)}.")
        return super().__new__(cls, labels)

    @property
    def labels(self) -> tuple:
        """The labels as a plain tuple."""
        return tuple(self)

    def __getitem__(self, idx):
        out = tuple.__getitem__(self, idx)
        return Wires(out) if isinstance(idx, slice) else out

    def __repr__(self):
        return f"Wires({list(self)!r})"

    def __add__(self, other):
        """The union, in order (PennyLane's ``Wires + Wires``)."""
        return Wires.all_wires([self, Wires(other)])

    def __radd__(self, other):
        return Wires.all_wires([Wires(other), self])

    __hash__ = tuple.__hash__

    # PennyLane's set operations: the result is made from a Python set, so its order is
    # the set's (as PennyLane's: ints come out sorted)
    def union(self, other) -> "Wires":
        """The wires in either (PennyLane's ``Wires.union``, also ``|``).

        >>> Wires([1, 2, 3]) | Wires([3, 4]), Wires([0]) | 5
        (Wires([1, 2, 3, 4]), Wires([0, 5]))
        """
        return Wires(set(self) | set(Wires(other)))

    def intersection(self, other) -> "Wires":
        """The wires in both (PennyLane's ``Wires.intersection``, also ``&``).

        >>> Wires([1, 2, 3]) & [2, 3, 4]
        Wires([2, 3])
        """
        return Wires(set(self) & set(Wires(other)))

    def difference(self, other) -> "Wires":
        """The wires of this one not in ``other`` (PennyLane's ``Wires.difference``, ``-``).

        >>> Wires([1, 2, 3]) - Wires([2])
        Wires([1, 3])
        """
        return Wires(set(self) - set(Wires(other)))

    def symmetric_difference(self, other) -> "Wires":
        """The wires in exactly one (PennyLane's ``Wires.symmetric_difference``, ``^``).

        >>> Wires([1, 2, 3]) ^ Wires([3, 4])
        Wires([1, 2, 4])
        """
        return Wires(set(self) ^ set(Wires(other)))

    __or__ = __ror__ = union
    __and__ = __rand__ = intersection
    __sub__ = difference
    __xor__ = symmetric_difference

    def __rsub__(self, other) -> "Wires":
        return Wires(set(Wires(other)) - set(self))

    def __rxor__(self, other) -> "Wires":
        return Wires(set(Wires(other)) ^ set(self))

    def tolist(self) -> list:
        return list(self)

    def toset(self) -> set:
        """The labels as a set (PennyLane's ``Wires.toset``).

        >>> Wires([0, "a"]).toset() == {0, "a"}
        True
        """
        return set(self)

    def toarray(self) -> np.ndarray:
        return np.array(list(self))

    def index(self, wire) -> int:
        if isinstance(wire, Wires):
            if len(wire) != 1:
                raise WireError("Can only retrieve index of a Wires object of length 1.")
            wire = wire[0]
        try:
            return tuple.index(self, wire)
        except ValueError:
            raise WireError(f"Wire with label {wire} not found in {self}.") from None

    def indices(self, wires) -> list:
        return [self.index(w) for w in Wires(wires)]

    def subset(self, indices, periodic_boundary=False):
        if isinstance(indices, numbers.Integral):
            indices = [indices]
        n = len(self)
        if periodic_boundary:
            indices = [i % n for i in indices]
        for i in indices:
            if not -n <= i < n:
                raise WireError(f"Cannot subset wire at index {i} from {n} wires.")
        return Wires([self[i] for i in indices])

    def contains_wires(self, wires) -> bool:
        """Whether every label of the ``Wires`` object ``wires`` is one of these (PennyLane's:
        anything that is not a ``Wires`` object is not contained).

        >>> Wires([0, 1, 2]).contains_wires(Wires([2, 0])), Wires([0, 1]).contains_wires(0)
        (True, False)
        """
        return isinstance(wires, Wires) and set(wires) <= set(self)

    def map(self, wire_map: dict):
        """The wires relabelled by ``wire_map`` (every label must be a key; the new labels
        must be distinct).

        >>> Wires(["a", "b"]).map({"a": 0, "b": 1})
        Wires([0, 1])
        """
        for w in self:
            if w not in wire_map:
                raise WireError(f"No mapping for wire label {w} specified in wire map {wire_map}.")
        try:
            return Wires([wire_map[w] for w in self])
        except WireError as exc:
            raise WireError(f"Failed to implement wire map {wire_map}. Make sure that the new "
                            f"labels are unique and valid wire labels. ({exc})") from None

    def select_random(self, n_samples: int, seed=None) -> "Wires":
        """``n_samples`` distinct wires drawn at random (NumPy's ``default_rng(seed)``, as
        PennyLane draws them).

        >>> Wires([4, 0, 1, 5, 6]).select_random(4, seed=1) == Wires([4, 0, 1, 5, 6]).select_random(4, seed=1)
        True
        """
        if n_samples > len(self):
            raise WireError(f"Cannot sample {n_samples} wires from {len(self)} wires.")
        indices = np.random.default_rng(seed).choice(len(self), size=n_samples, replace=False)
        return Wires([self[i] for i in indices])

    @staticmethod
    def all_wires(list_of_wires, sort=False):
        """Every wire of the given ``Wires``, in order of first appearance."""
        out = {}  # (a dict: first appearance kept, each test O(1); a list's was O(n), so
        for ws in list_of_wires:  # qml.ctrl of 10**5 control wires took 198 s)
            out.update(dict.fromkeys(Wires(ws)))
        return Wires(sorted(out) if sort else list(out))

    @staticmethod
    def shared_wires(list_of_wires):
        """The wires in every one of the given ``Wires``, in the first one's order."""
        _check_wires_objects(list_of_wires)
        sets = [set(Wires(w)) for w in list_of_wires]
        return Wires([w for w in Wires(list_of_wires[0]) if all(w in s for s in sets)])

    @staticmethod
    def unique_wires(list_of_wires):
        """The wires in exactly one of the given ``Wires``."""
        _check_wires_objects(list_of_wires)
        lists = [Wires(w) for w in list_of_wires]
        return Wires([w for ws in lists for w in ws if sum(w in o for o in lists) == 1])


def order_list(wire_order) -> list | None:
    """A ``wire_order`` argument as a list of labels, as PennyLane reads it (``Wires(wire_order)``):
    ``None`` stays ``None``; one label (``0``, ``"a"``) is one wire; a list, tuple, range,
    array or :class:`Wires` its labels; each wire once (a ``WireError``: a wire named twice
    made a matrix of the wrong size). Every function taking ``wire_order`` reads it here
    (``list(wire_order)`` of a single label was a bare ``TypeError``).

    >>> order_list(0), order_list("ab"), order_list(range(2)), order_list(None)
    ([0], ['ab'], [0, 1], None)
    """
    if wire_order is None or isinstance(wire_order, Wires):
        return None if wire_order is None else list(wire_order)
    if isinstance(wire_order, np.ndarray):
        wire_order = np.ravel(wire_order).tolist()
    elif isinstance(wire_order, Iterable) and not isinstance(wire_order, (str, bytes)):
        wire_order = [_label(w.item() if isinstance(w, np.ndarray) and w.ndim == 0 else w)
                      for w in wire_order]
    try:
        return list(Wires(wire_order))
    except WireError as exc:
        if "unique" not in str(exc):
            raise
        raise WireError(f"Wires must be unique; got wire_order {list(wire_order)}. (wire_order "
                        "lists each wire once: a matrix's tensor factors, a drawing's rows)") from None


def _check_wires_objects(list_of_wires) -> None:
    for wires in list_of_wires:
        if not isinstance(wires, Wires):
            raise WireError(f"Expected a Wires object; got {wires} of type {type(wires)}.")


class DynamicWire:
    """A wire label whose real wire is chosen later (PennyLane's ``qml.wires.DynamicWire``;
    :func:`qsym.allocate` makes them): equal to another only with the same ``key`` (a
    UUID, new by default), hashable, drawn ``<DynamicWire>``.

    >>> from qsym.wires import DynamicWire
    >>> a = DynamicWire()
    >>> a == DynamicWire(a.key), a == DynamicWire(), a
    (True, False, <DynamicWire>)
    """

    def __init__(self, key: uuid.UUID | None = None):
        self.key = key or uuid.uuid4()

    def __eq__(self, other):
        return isinstance(other, DynamicWire) and self.key == other.key

    def __hash__(self):
        return hash(("DynamicWire", self.key))

    def __repr__(self):
        return "<DynamicWire>"


__all__ = ["Wires", "WireError", "registers", "DynamicWire"]


def registers(register_dict: dict) -> dict:
    """PennyLane's ``qml.registers``: consecutive wires for named registers, from their
    sizes (``{"x": 4, "y": 5}``) given in order; a nested dict makes sub-registers, and the
    outer name gets all their wires (after them, in the returned dict).

    >>> registers({"x": 2, "y": 3})
    {'x': Wires([0, 1]), 'y': Wires([2, 3, 4])}
    >>> registers({"alice": {"a1": 1, "a2": 2}, "bob": 1})
    {'a1': Wires([0]), 'a2': Wires([1, 2]), 'alice': Wires([0, 1, 2]), 'bob': Wires([3])}
    """
    out: dict = {}
    _allocate(register_dict, 0, out)
    return out


def _allocate(register_dict: dict, start: int, out: dict) -> int:
    """Put the registers of ``register_dict`` from wire ``start`` into ``out``; the next
    free wire."""
    for name, size in register_dict.items():
        if isinstance(size, dict):
            if not size:
                raise WireError(f"Got an empty dictionary '{size}'")
            end = _allocate(size, start, out)
            out[name] = Wires(range(start, end))
            start = end
        elif isinstance(size, numbers.Integral) and not isinstance(size, bool):
            if size < 1:
                raise WireError(f"Expected '{size}' to be greater than 0. Please ensure that the "
                                "number of wires for the register is a positive integer")
            out[name] = Wires(range(start, start + int(size)))
            start += int(size)
        else:
            raise WireError(f"Expected '{size}' to be either a dict or an int. ")
    return start
