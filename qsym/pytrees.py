"""``qml.pytrees``: PennyLane's pytrees, nested containers flattened to a list of leaves and
a :class:`PyTreeStructure` that rebuilds them (``flatten``, ``unflatten``,
``register_pytree``).

Lists, tuples and dicts are pytrees (a dict's keys in its order); so are qsym's gates (the
leaves are the gate's parameters, the metadata its wires and hyperparameters, as
PennyLane's ``Operator._flatten``) and any type registered with :func:`register_pytree`.
Everything else is a leaf.

>>> import qsym as qml
>>> data, structure = qml.pytrees.flatten({"a": [1, 2], "b": 3})
>>> data
[1, 2, 3]
>>> qml.pytrees.unflatten([4, 5, 6], structure)
{'a': [4, 5], 'b': 6}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sys

from ._operations import GATE_CLASSES

__all__ = ["PyTreeStructure", "leaf", "flatten", "unflatten", "register_pytree", "is_pytree",
           "get_typename", "get_typename_type"]

FLATTEN: dict = {}  # type -> flatten(obj) -> (children, metadata)
UNFLATTEN: dict = {}  # type -> unflatten(children, metadata) -> obj
TYPENAMES: dict = {}  # type -> its name in serialized structures
TYPES: dict = {}  # name -> type


@dataclass(repr=False)
class PyTreeStructure:
    """How a pytree is built: its type (None for a leaf), metadata (hashable: dict keys,
    wires and hyperparameters) and the structures of its children.

    >>> import qsym as qml
    >>> qml.pytrees.flatten((1, [2]))[1]
    PyTreeStructure(tuple, None, (PyTreeStructure(), PyTreeStructure(list, None, (PyTreeStructure(),))))
    """

    type_: Any = None
    metadata: Any = None
    children: tuple = field(default_factory=tuple)

    @property
    def is_leaf(self) -> bool:
        """Whether this is a leaf (no type).

        >>> leaf.is_leaf
        True
        """
        return self.type_ is None

    def __repr__(self):
        if self.is_leaf:
            return "PyTreeStructure()"
        return f"PyTreeStructure({self.type_.__name__}, {self.metadata}, {self.children})"

    def __str__(self):
        if self.is_leaf:
            return "Leaf"
        children = ", ".join(str(c) for c in self.children)
        children = f"({children},)" if len(self.children) == 1 else f"({children})"
        return f"PyTree({self.type_.__name__}, {self.metadata}, {children})"

    def __eq__(self, other):
        return (isinstance(other, PyTreeStructure) and self.type_ is other.type_
                and self.metadata == other.metadata and tuple(self.children) == tuple(other.children))

    def __hash__(self):
        return hash((self.type_, self.children))


leaf = PyTreeStructure(None, (), ())
"""The structure of a leaf."""


def register_pytree(pytree_type: type, flatten_fn: Callable, unflatten_fn: Callable,
                    *, namespace: str = "qml") -> None:
    """Register a type as a pytree: ``flatten_fn(obj) -> (children, metadata)``,
    ``unflatten_fn(children, metadata) -> obj`` (PennyLane's ``register_pytree``).

    >>> class Pair:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> register_pytree(Pair, lambda p: ((p.a, p.b), None), lambda d, _: Pair(*d))
    >>> flatten(Pair(1, 2))[0]
    [1, 2]
    """
    FLATTEN[pytree_type] = flatten_fn
    UNFLATTEN[pytree_type] = unflatten_fn
    name = f"{namespace}.{pytree_type.__qualname__}"
    TYPENAMES[pytree_type] = name
    TYPES[name] = pytree_type


def _flatten_gate(op):
    return op.data, (op.wires, tuple(op.hyper))


def _unflatten_gate(cls):
    def build(data, metadata):
        wires, hyper = metadata
        return cls(*data, wires=wires, **dict(hyper))
    return build


def _flatten_dict(d):
    return tuple(d.values()), tuple(d.keys())


for _t, _fl, _un in (
        (list, lambda x: (x, None), lambda d, _: list(d)),
        (tuple, lambda x: (x, None), lambda d, _: tuple(d)),
        (dict, _flatten_dict, lambda d, keys: dict(zip(keys, d)))):
    register_pytree(_t, _fl, _un, namespace="builtins")
for _name, _cls in GATE_CLASSES.items():
    register_pytree(_cls, _flatten_gate, _unflatten_gate(_cls), namespace="qp")
del _t, _fl, _un, _name, _cls


def is_pytree(type_: type) -> bool:
    """Whether a type is a registered pytree (not a leaf).

    >>> is_pytree(list), is_pytree(int)
    (True, False)
    """
    return type_ in FLATTEN


def flatten(obj, is_leaf: Callable | None = None) -> tuple[list, PyTreeStructure]:
    """``(leaves, structure)`` of a pytree; ``is_leaf(x)`` True keeps ``x`` whole.

    >>> flatten([1, (2, 3)], is_leaf=lambda x: isinstance(x, tuple))[0]
    [1, (2, 3)]
    """
    if (is_leaf is not None and is_leaf(obj)) or type(obj) not in FLATTEN:
        return [obj], leaf
    children, metadata = FLATTEN[type(obj)](obj)
    leaves, structures = [], []
    for child in children:
        sub, struct = flatten(child, is_leaf)
        leaves += sub
        structures.append(struct)
    return leaves, PyTreeStructure(type(obj), metadata, tuple(structures))


def unflatten(data, structure: PyTreeStructure):
    """The pytree of ``structure`` with the leaves ``data`` (in order).

    >>> unflatten([5, 6], flatten((1, [2]))[1])
    (5, [6])
    """
    return _unflatten(iter(data), structure)


def _unflatten(leaves, structure: PyTreeStructure):
    if structure.is_leaf:
        return next(leaves)
    children = [_unflatten(leaves, c) for c in structure.children]
    return UNFLATTEN[structure.type_](children, structure.metadata)


def get_typename(pytree_type: type) -> str:
    """The name of a pytree type in serialized structures (``"builtins.list"``,
    ``"qp.Hadamard"``).

    >>> get_typename(list)
    'builtins.list'
    """
    try:
        return TYPENAMES[pytree_type]
    except KeyError:
        raise TypeError(f"{pytree_type!r} is not a Pytree type") from None


def get_typename_type(typename: str) -> type:
    """The pytree type of a name given by :func:`get_typename`.

    >>> get_typename_type("builtins.tuple")
    <class 'tuple'>
    """
    try:
        return TYPES[typename]
    except KeyError:
        raise ValueError(f"{typename!r} is not the name of a Pytree type.") from None


# PennyLane's module path (``from pennylane.pytrees.pytrees import get_typename``)
pytrees = sys.modules[f"{__name__}.pytrees"] = sys.modules[__name__]
