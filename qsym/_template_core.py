"""PennyLane 0.45's ``qml.templates.core``: :class:`Subroutine`, a quantum function made a
template. Called in a circuit, a subroutine is one operator, a :class:`SubroutineOp`, whose
decomposition is the gates the function records (so parameters stay exact expressions of
the circuit's inputs, and gradients use the proved rules of those gates); its arguments
are split, as PennyLane's, into wire registers (``wire_argnames``), static arguments
(``static_argnames``) and dynamic numerical data (the rest: the operator's ``data``).
:class:`AbstractArray` is PennyLane's shape-and-dtype stand-in for resource functions.

Not provided: program capture (``quantum_subroutine_prim``) and the graph-decomposition
helpers ``subroutine_resource_rep``, ``adjoint_subroutine_resource_rep``,
``change_op_basis_subroutine_resource_rep``.

>>> import qsym as qml
>>> @qml.templates.Subroutine
... def Layer(x, wires):
...     qml.RX(x, wires[0])
...     qml.CNOT(wires[:2])
>>> op = Layer.operator(0.5, [0, 1])
>>> op.name, op.data, op.wires, op.decomposition()
('Layer', (0.5,), Wires([0, 1]), [RX(0.5, wires=[0]), CNOT(wires=[0, 1])])
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

import numpy as np

from ._trace import Tape, active_tape, recording
from .errors import ArgumentError, WireError
from .templates import Template
from .wires import Wires


@dataclass(frozen=True)
class AbstractArray:
    """PennyLane's ``AbstractArray``: the shape and dtype of an array, for a subroutine's
    ``compute_resources`` (resources depend on shapes, not values).

    >>> a = AbstractArray((3, 2), float)
    >>> len(a), a.dtype
    (6, dtype('float64'))
    """

    shape: tuple
    dtype: np.dtype = np.dtype(int)

    def __len__(self):
        return int(np.prod(self.shape, dtype=int))

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(self.shape))
        object.__setattr__(self, "dtype", np.dtype(self.dtype))


def _leaves(value) -> tuple[list, object]:
    """The numbers and arrays in ``value`` (nested lists, tuples, dicts) and its structure
    (what :func:`_rebuild` fills in again)."""
    if isinstance(value, (list, tuple)):
        parts = [_leaves(v) for v in value]
        return [x for p in parts for x in p[0]], (type(value), [p[1] for p in parts])
    if isinstance(value, dict):
        parts = {k: _leaves(v) for k, v in value.items()}
        return [x for p in parts.values() for x in p[0]], (dict, {k: p[1] for k, p in parts.items()})
    if value is None:
        return [], None
    return [value], "leaf"


def _rebuild(leaves: list, struct):
    """``value`` again from :func:`_leaves`'s output (``leaves`` consumed in order)."""
    if struct == "leaf":
        return leaves.pop(0)
    if struct is None:
        return None
    kind, parts = struct
    if kind is dict:
        return {k: _rebuild(leaves, s) for k, s in parts.items()}
    return kind(_rebuild(leaves, s) for s in parts)


def _register(wires) -> Wires:
    """A wire argument as PennyLane's ``Subroutine`` gives it to the definition: ``Wires``
    (one label, or a sequence or array of them)."""
    if isinstance(wires, (list, tuple, range, set, Wires)):
        return Wires(tuple(wires))
    if isinstance(wires, np.ndarray) and wires.shape != ():
        return Wires(tuple(wires.tolist()))
    return Wires((wires.item() if isinstance(wires, np.ndarray) else wires,))


# records an existing operator on the active tape (qsym._opmath.apply_operation, above this
# module; set by qsym._resource_paths when qsym is imported)
REAPPLY: dict = {"apply": None}
# PennyLane's resource representations of a subroutine (qsym.decomposition and qsym.pytrees,
# above this module; set by qsym._resource_paths): "signature_key"(op) gives a SubroutineOp's
# shapes key, "default"(subroutine, *args, **kwargs) the gates its definition records, counted
RESOURCES: dict = {"signature_key": None, "default": None}


class SubroutineOp(Template):
    """The operator a :class:`Subroutine` makes with bound arguments (PennyLane's
    ``SubroutineOp``; made by calling the subroutine or its :meth:`Subroutine.operator`):
    named after the subroutine, on the wires of its registers (each wire once), its data
    the numbers and arrays of the dynamic arguments, its decomposition the gates the
    definition records. ``output`` is what the definition returned.

    >>> import qsym as qml
    >>> S = qml.templates.Subroutine(lambda x, wires: qml.RY(x, wires[0]))
    >>> op = S.operator(0.25, wires=2)
    >>> op.bound_args.arguments, op.hyperparameters
    ({'x': 0.25, 'wires': Wires([2])}, {'decomposition': (RY(0.25, wires=[2]),)})
    """

    def __init__(self, subroutine: Subroutine, bound_args: inspect.BoundArguments,
                 decomposition=None, output=None, id=None):
        self._subroutine, self._bound_args, self.id = subroutine, bound_args, id
        wires = []
        for name in subroutine.wire_argnames:
            wires.extend(w for w in bound_args.arguments[name] if w not in wires)
        self.wires = Wires(wires)
        self._output, self._given = output, decomposition
        if decomposition is not None and REAPPLY["apply"] is None:
            raise TypeError("SubroutineOp(decomposition=...) needs qsym imported in full")
        self._record()

    resource_keys = frozenset(("subroutine", "signature_key"))  # PennyLane's

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the subroutine and the key of its arguments' shapes (static arguments
        as they are, a wire register as ``AbstractArray((len,))``, a dynamic argument as its
        pytree structure and the ``AbstractArray`` of each leaf)."""
        return {"subroutine": self._subroutine, "signature_key": RESOURCES["signature_key"](self)}

    @classmethod
    def _primitive_bind_call(cls, *args, **kwargs):
        raise ValueError("SubroutineOp's should never be directly captured. That should occur "
                         "in Subroutine instead.")

    def _build(self):
        if self._given is not None:  # PennyLane's SubroutineOp(..., decomposition=ops): as given
            for op in self._given:
                REAPPLY["apply"](op)
            return
        self._output = self._subroutine.definition(*self._bound_args.args, **self._bound_args.kwargs)

    @property
    def name(self) -> str:
        return self._subroutine.name

    @property
    def subroutine(self) -> Subroutine:
        """The :class:`Subroutine` this operator applies."""
        return self._subroutine

    @property
    def bound_args(self) -> inspect.BoundArguments:
        """The arguments the definition was called with (wire registers as ``Wires``)."""
        return self._bound_args

    @property
    def output(self):
        """What the definition returned."""
        return self._output

    def _dynamic(self) -> dict:
        return {k: self._bound_args.arguments[k] for k in self._subroutine.dynamic_argnames}

    @property
    def parameters(self) -> list:
        return _leaves(list(self._dynamic().values()))[0]

    @property
    def hyperparameters(self) -> dict:
        return {"decomposition": tuple(self.decomposition())}

    def _flatten(self):
        data, struct = _leaves(self._dynamic())
        static = tuple((k, v) for k, v in self._bound_args.arguments.items()
                       if k not in self._subroutine.dynamic_argnames)
        return tuple(data), (self._subroutine, struct, static)

    @classmethod
    def _unflatten(cls, data, metadata):
        subroutine, struct, static = metadata
        return subroutine.operator(**_rebuild(list(data), struct), **dict(static))

    def map_wires(self, wire_map: dict):
        args = dict(self._bound_args.arguments)
        for name in self._subroutine.wire_argnames:
            args[name] = [wire_map.get(w, w) for w in args[name]]
        with recording(Tape()):
            return self._subroutine.operator(**args)

    def __deepcopy__(self, memo):
        with recording(Tape()):
            return self._subroutine.operator(*self._bound_args.args, **self._bound_args.kwargs)

    def __repr__(self):
        inputs = ", ".join(f"{k}={v}" for k, v in self._bound_args.arguments.items())
        return f"<{self.name}({inputs})>"


class CollectedSubroutine(Template):
    """PennyLane's ``qml.templates.core.CollectedSubroutine``: one subroutine as a program
    collector saw it, nothing but a ``name`` and the operators it decomposes into
    (``decomp``), on their wires. Made where those operators were queued, it takes their
    place, as PennyLane's does.

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     op = CollectedSubroutine("Bell", [qml.H(0), qml.CNOT([0, 1])])
    >>> op, op.name, op.wires, op.decomposition()
    (<CollectedSubroutine: Bell>, 'Bell', Wires([0, 1]), [H(0), CNOT(wires=[0, 1])])
    >>> list(q.queue)
    [<CollectedSubroutine: Bell>]
    """

    def __init__(self, name: str, decomp):
        self._name, self._decomp = name, list(decomp)
        self.wires = Wires.all_wires([op.wires for op in self._decomp])
        self.id = None
        outer = active_tape()
        if outer is not None:  # the operators it holds were queued: this takes their place
            for op in self._decomp:
                outer.remove(op)
        self._record()

    def _build(self):
        tape = active_tape()
        for op in self._decomp:
            for gate in getattr(op, "table_gates", (op,)):
                tape.append(gate)

    @property
    def name(self) -> str:
        return self._name

    @property
    def parameters(self) -> list:
        return []

    def decomposition(self) -> list:
        return list(self._decomp)

    def _flatten(self):
        return tuple(self._decomp), self._name

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(metadata, data)

    def __repr__(self):
        return f"<CollectedSubroutine: {self._name}>"


class Subroutine:
    """PennyLane's ``qml.templates.Subroutine(definition, *, setup_inputs=None,
    static_argnames=(), wire_argnames=("wires",), compute_resources=None,
    exact_resources=True)``: a quantum function used as a template. Called with its
    arguments, it applies one :class:`SubroutineOp` (the gates the function records) and
    returns what the function returns; :meth:`operator` gives the operator itself.
    ``setup_inputs(*args, **kwargs) -> (args, kwargs)`` prepares the arguments first;
    every wire argument reaches the definition as ``Wires``.

    >>> import qsym as qml
    >>> from functools import partial
    >>> @partial(Subroutine, static_argnames="word", wire_argnames=("a", "b"))
    ... def Pair(x, a, b, word):
    ...     qml.PauliRot(x, word, [a[0], b[0]])
    >>> Pair.operator(0.3, 0, [1], word="XY")
    <Pair(x=0.3, a=Wires([0]), b=Wires([1]), word=XY)>
    >>> Pair.dynamic_argnames
    ('x',)
    """

    def __init__(self, definition, *, setup_inputs=None, static_argnames=(),
                 wire_argnames=("wires",), compute_resources=None, exact_resources=True):
        if not callable(definition):
            raise ArgumentError(f"Subroutine takes a quantum function, got {definition!r}")
        self._definition = definition
        self._setup_inputs = setup_inputs
        self._compute_resources = compute_resources
        self._exact_resources = exact_resources
        self._signature = inspect.signature(definition)
        functools.update_wrapper(self, definition)
        self._static_argnames = (static_argnames,) if isinstance(static_argnames, str) \
            else tuple(static_argnames)
        self._wire_argnames = (wire_argnames,) if isinstance(wire_argnames, str) \
            else tuple(wire_argnames)
        for name in self._wire_argnames:
            if name not in self._signature.parameters:
                raise WireError(f"wire argname '{name}' not present in function signature. "
                                "Please update the function's signature or 'wire_argnames'.")

    def __repr__(self):
        return f"<Subroutine: {self.name}>"

    def __instancecheck__(self, instance) -> bool:
        return isinstance(instance, SubroutineOp) and instance.subroutine is self

    @property
    def name(self) -> str:
        """The name of the definition (the operators' name)."""
        return getattr(self._definition, "__name__", str(self._definition))

    @property
    def signature(self) -> inspect.Signature:
        """The definition's signature."""
        return self._signature

    @property
    def static_argnames(self) -> tuple:
        """The arguments that are compile-time constants."""
        return self._static_argnames

    @property
    def wire_argnames(self) -> tuple:
        """The arguments that are wire registers."""
        return self._wire_argnames

    @property
    def dynamic_argnames(self) -> tuple:
        """The arguments that are numerical data: neither static nor wires."""
        fixed = set(self._static_argnames) | set(self._wire_argnames)
        return tuple(n for n in self._signature.parameters if n not in fixed)

    @property
    def exact_resources(self) -> bool:
        """Whether ``compute_resources`` is exact."""
        return self._exact_resources

    def definition(self, *args, **kwargs):
        """The quantum function itself, called with these arguments."""
        return self._definition(*args, **kwargs)

    def setup_inputs(self, *args, **kwargs) -> tuple:
        """``(args, kwargs)`` as ``setup_inputs`` prepares them (unchanged without one)."""
        return self._setup_inputs(*args, **kwargs) if self._setup_inputs else (args, kwargs)

    def bind(self, *args, **kwargs) -> inspect.BoundArguments:
        """The arguments bound to the definition's signature (defaults applied, wire
        registers as ``Wires``), as the definition receives them."""
        args, kwargs = self.setup_inputs(*args, **kwargs)
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise ArgumentError(f"{self.name}: {e}; call it with the arguments of its "
                                f"definition {self.name}{self._signature}") from e
        bound.apply_defaults()
        for name in self._wire_argnames:
            bound.arguments[name] = _register(bound.arguments[name])
        return bound

    def operator(self, *args, id=None, **kwargs) -> SubroutineOp:
        """The :class:`SubroutineOp` of these arguments (applied where it is made)."""
        return SubroutineOp(self, self.bind(*args, **kwargs), id=id)

    def __call__(self, *args, id=None, **kwargs):
        return self.operator(*args, id=id, **kwargs).output

    def compute_resources(self, *args, **kwargs) -> dict:
        """The gate counts of the subroutine for these arguments: ``compute_resources``'s
        (given; called with the arguments as the definition gets them, defaults applied,
        wire registers as ``Wires``), else PennyLane's fallback: the operators the definition
        records, counted by resource representation (``AbstractArray`` arguments as empty
        arrays of their shapes, a register ``AbstractArray((n,))`` as wires ``0..n-1``); an
        error there is re-raised naming the subroutine.

        >>> import qsym as qml
        >>> S = Subroutine(lambda params, wires: [qml.RX(p, w) for p, w in zip(params, wires)])
        >>> dict(S.compute_resources(AbstractArray((2,), float), AbstractArray((2,))))
        {RX: 2}
        """
        if self._compute_resources is not None:  # given: on the arguments as set up
            bound = self.bind(*args, **kwargs)
            return self._compute_resources(*bound.args, **bound.kwargs)
        try:
            return RESOURCES["default"](self, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - PennyLane's message, the same exception type
            raise type(e)(f"Fallback for computing resources for {self} failed. Please add a "
                          f"compute_resources definition to {self}.") from e

