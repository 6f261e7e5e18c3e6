"""PennyLane's developer base classes of operator arithmetic, for classes of your own:
``qml.ops.op_math.SymbolicOp`` (an operator made from one other, its ``base``),
``ScalarSymbolicOp`` (one base and a scalar) and ``CompositeOp`` (made from several
``operands``; abstract: a subclass gives ``_op_symbol``, ``_math_op``, ``matrix``,
``is_verified_hermitian``, ``_sort`` and ``_build_pauli_rep``).

qsym's own ``Adjoint``/``Pow``/``Controlled``, ``Exp``, ``SProd``, ``Prod`` and ``Sum`` are
instances of these classes as in PennyLane (``isinstance`` answers so), though they are built
over the gate table (``_opmath``, ``_operations``); a subclass of your own is a user operator
as any ``qml.operation.Operator`` subclass: it has the behaviour written here and in your
class, and a circuit applies it by its decomposition or matrix.
"""

from __future__ import annotations

import abc
import copy
import warnings

import numpy as np

from ._mcm import MidMeasure, PauliMeasure
from ._operations import GATE_CLASSES, Prod, SProd, Sum, expand_matrix
from ._opmath import Exp, Operator, PowOperation, SymbolicOp as _TableSymbolic
from ._trace import active_tape, take_over
from .errors import DecompositionUndefinedError, MatrixUndefinedError
from .exceptions import PennyLaneDeprecationWarning
from .wires import Wires, order_list

_UNSET = object()  # a batch size not computed yet


def _refuse_mid_measure(ops, kind: str) -> None:
    # (PennyLane's: a mid-circuit measurement of a Pauli product, PauliMeasure, too)
    if any(isinstance(o, (MidMeasure, PauliMeasure)) for o in ops):
        raise ValueError(f"{kind} operators of mid-circuit measurements are not supported.")


def _queue_in_place_of(op, parts) -> None:
    """PennyLane's queueing of an operator made of others: ``parts`` leave the active
    queue (or circuit), ``op`` joins it."""
    tape = active_tape()
    if tape is None:
        return
    if tape.log is not None:
        take_over(op, parts)
        return
    for p in parts:
        tape.remove(p)
    tape.append(op)


class _BaseClassType(type(Operator), abc.ABCMeta):
    """``isinstance(qml.adjoint(qml.S(0)), SymbolicOp)`` is True, as in PennyLane: the
    classes qsym builds over its gate table count as instances of these base classes."""

    def __instancecheck__(cls, obj):
        kin = cls.__dict__.get("_qsym_kin", ())
        return isinstance(obj, kin) or abc.ABCMeta.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub):
        kin = cls.__dict__.get("_qsym_kin", ())
        return (isinstance(sub, type) and issubclass(sub, kin)) or abc.ABCMeta.__subclasscheck__(cls, sub)


def _ops_hash(op) -> int:
    h = getattr(op, "hash", None)
    return h if isinstance(h, int) else hash(op)


class _MadeOfOperators(Operator, metaclass=_BaseClassType):
    """What :class:`SymbolicOp` and :class:`CompositeOp` share: hyperparameters kept (the
    base or the operands in them), the name, wires and Pauli sentence set when made, the
    hash a subclass defines."""

    @property
    def hyperparameters(self) -> dict:
        return self._hyperparameters

    @property
    def hyper(self) -> tuple:
        return tuple(self._hyperparameters.items())

    @property
    def name(self) -> str:
        return self._name

    @property
    def wires(self) -> Wires:
        return Wires(self._wires)

    @property
    def num_wires(self) -> int:
        return len(self.wires)

    @property
    def pauli_rep(self):
        return self._pauli_rep

    def __hash__(self):
        return self.hash


class SymbolicOp(_MadeOfOperators):
    """PennyLane's ``qml.ops.op_math.SymbolicOp``: an operator made from one other (its
    ``base``), its wires, parameters (``data``, set through to the base), ``has_matrix``,
    ``is_verified_hermitian`` and queue category the base's; made inside a queue it takes
    the base's place. Subclass it for a symbolic operator of your own.

    >>> import qsym as qml
    >>> op = qml.ops.op_math.SymbolicOp(qml.RX(0.5, wires="a"))
    >>> op.name, op.base, op.data, op.wires
    ('Symbolic', RX(0.5, wires=['a']), (0.5,), Wires(['a']))
    >>> isinstance(qml.adjoint(qml.S(0)), qml.ops.op_math.SymbolicOp)
    True
    """

    _qsym_kin = (_TableSymbolic, Exp, SProd)
    _name = "Symbolic"

    def __init__(self, base, id=None):  # noqa: A002  (PennyLane's name)
        _refuse_mid_measure([base], "Symbolic")
        if id is not None:
            warnings.warn("The 'id' argument is deprecated and will be removed in v0.46.",
                          PennyLaneDeprecationWarning, stacklevel=2)
        self._hyperparameters = {"base": base}
        self.id = self._id = id
        self._pauli_rep = None
        self._wires = base.wires
        self._base_category = getattr(base, "_queue_category", "_ops")
        _queue_in_place_of(self, [base])

    @property
    def base(self):
        """The operator this one is made from."""
        return self._hyperparameters["base"]

    @property
    def data(self) -> tuple:
        return tuple(self.base.data)

    @data.setter
    def data(self, values) -> None:
        self.base.data = values

    @property
    def params(self) -> tuple:
        return self.data

    @property
    def num_params(self) -> int:
        return len(self.base.data)

    @property
    def batch_size(self):
        return self.base.batch_size

    @property
    def basis(self):
        return getattr(self.base, "basis", None)

    @property
    def has_matrix(self) -> bool:
        return bool(self.base.has_matrix)

    @property
    def is_verified_hermitian(self) -> bool:
        return bool(self.base.is_verified_hermitian)

    @property
    def _queue_category(self):
        return self._base_category

    @property
    def arithmetic_depth(self) -> int:
        return 1 + self.base.arithmetic_depth

    @property
    def hash(self) -> int:
        return hash((str(self.name), _ops_hash(self.base)))

    def __repr__(self):
        return Operator.__repr__(self)

    def __copy__(self):
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        new._hyperparameters = dict(self._hyperparameters)
        new._hyperparameters["base"] = copy.copy(self.base)
        return new

    def map_wires(self, wire_map: dict):
        new = copy.copy(self)
        base = self.base.map_wires(wire_map)
        new._hyperparameters["base"] = base
        new._wires = base.wires
        if self._pauli_rep is not None:
            new._pauli_rep = self._pauli_rep.map_wires(wire_map)
        return new

    def matrix(self, wire_order=None):
        raise MatrixUndefinedError(f"{type(self).__name__} defines no matrix: give your "
                                   "subclass a matrix method")

    @property
    def has_decomposition(self) -> bool:
        return type(self).decomposition is not SymbolicOp.decomposition

    def decomposition(self) -> list:
        raise DecompositionUndefinedError(f"{type(self).__name__} defines no decomposition: "
                                          "give your subclass a decomposition method")

    @property
    def has_diagonalizing_gates(self) -> bool:
        return False

    has_adjoint = False


class ScalarSymbolicOp(SymbolicOp):
    """PennyLane's ``qml.ops.op_math.ScalarSymbolicOp``: a symbolic operator with a scalar
    (``SProd``, ``Pow`` and ``Exp`` are ones); ``data`` is the scalar, then the base's.
    A subclass gives ``_matrix(scalar, base_matrix)``, which :meth:`matrix` applies (per
    batch element of a broadcast scalar or base).

    >>> import numpy as np
    >>> import qsym as qml
    >>> class Scaled(qml.ops.op_math.ScalarSymbolicOp):
    ...     _name = "Scaled"
    ...     @staticmethod
    ...     def _matrix(scalar, mat):
    ...         return scalar * mat
    >>> op = Scaled(qml.Z(0), 2.0)
    >>> op.data, op.matrix().real
    ((2.0,), array([[ 2.,  0.],
           [ 0., -2.]]))
    """

    _qsym_kin = (SProd, PowOperation, Exp)
    _name = "ScalarSymbolicOp"

    def __init__(self, base, scalar, id=None):  # noqa: A002
        self.scalar = np.array(scalar) if isinstance(scalar, list) else scalar
        super().__init__(base, id=id)
        self._batch_size = _UNSET

    @property
    def data(self) -> tuple:
        return (self.scalar, *self.base.data)

    @data.setter
    def data(self, values) -> None:
        values = tuple(values)
        self.scalar = values[0]
        self.base.data = values[1:]

    @property
    def num_params(self) -> int:
        return 1 + len(self.base.data)

    @property
    def batch_size(self):
        if self._batch_size is _UNSET:
            base_size = self.base.batch_size
            if np.ndim(self.scalar) == 0:
                self._batch_size = base_size
            else:
                size = int(np.size(self.scalar))
                if base_size is not None and base_size != size:
                    raise ValueError("Broadcasting was attempted but the broadcasted dimensions "
                                     f"do not match: {size}, {base_size}.")
                self._batch_size = size
        return self._batch_size

    @property
    def hash(self) -> int:
        return hash((str(self.name), str(self.scalar), _ops_hash(self.base)))

    @staticmethod
    @abc.abstractmethod
    def _matrix(scalar, mat):
        """The matrix of one scalar and one base matrix (no broadcasting)."""

    def matrix(self, wire_order=None):
        base = np.asarray(self.base.matrix())
        scalar = self.scalar
        size = int(np.size(scalar))
        if size != 1:
            if size == self.base.batch_size:
                m = np.stack([self._matrix(s, b) for s, b in zip(scalar, base)])
            else:
                m = np.stack([self._matrix(s, base) for s in scalar])
        elif self.base.batch_size is not None:
            m = np.stack([self._matrix(scalar, b) for b in base])
        else:
            m = self._matrix(scalar, base)
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return m
        return expand_matrix(np.asarray(m), self.wires, wire_order)


class CompositeOp(_MadeOfOperators):
    """PennyLane's ``qml.ops.op_math.CompositeOp``: an operator made from several
    ``operands`` (``Prod`` and ``Sum`` are ones), abstract. A subclass gives ``_op_symbol``
    (shown between the operands), ``_math_op`` (how the operands' eigenvalues combine, e.g.
    ``np.sum``), ``matrix``, ``is_verified_hermitian``, ``_sort`` (the operands in a
    canonical order, for ``hash``) and ``_build_pauli_rep``; it gets ``data`` (set through
    to the operands), the wires, ``overlapping_ops``, ``eigvals``, ``eigendecomposition``,
    ``diagonalizing_gates``, ``label``, ``map_wires``, the queueing (the operands leave the
    queue) and the pytree form.

    >>> import numpy as np
    >>> import qsym as qml
    >>> class Both(qml.ops.op_math.CompositeOp):
    ...     _op_symbol, _math_op = "&", staticmethod(np.sum)
    ...     is_verified_hermitian = True
    ...     def matrix(self, wire_order=None):
    ...         return sum(o.matrix(wire_order=self.wires) for o in self)
    ...     @classmethod
    ...     def _sort(cls, op_list, wire_map=None):
    ...         return op_list
    ...     def _build_pauli_rep(self):
    ...         return None
    >>> op = Both(qml.X(0), qml.Z(1))
    >>> op, op.wires, op.eigvals()
    (X(0) & Z(1), Wires([0, 1]), array([ 2.,  0.,  0., -2.]))
    >>> isinstance(qml.X(0) @ qml.Y(1), qml.ops.op_math.CompositeOp)
    True
    """

    _qsym_kin = (Prod, Sum)
    _eigs: dict = {}  # eigendecompositions by the operator's hash, as PennyLane's

    def __init__(self, *operands, id=None, _pauli_rep=None):  # noqa: A002
        _refuse_mid_measure(operands, "Composite")
        self.id = self._id = id
        self._name = type(self).__name__
        self.operands = tuple(operands)
        self._wires = Wires.all_wires([o.wires for o in operands])
        self._hash = self._has_overlapping_wires = self._overlapping_ops = None
        self._pauli_rep = self._build_pauli_rep() if _pauli_rep is None else _pauli_rep
        self._batch_size = _UNSET
        self._hyperparameters = {"operands": self.operands}
        _queue_in_place_of(self, self.operands)

    @property
    @abc.abstractmethod
    def _op_symbol(self) -> str:
        """The symbol shown between the operands."""

    @property
    @abc.abstractmethod
    def _math_op(self):
        """How the operands' eigenvalues combine (a NumPy reduction along ``axis=0``)."""

    @property
    @abc.abstractmethod
    def is_verified_hermitian(self) -> bool:
        """Whether the operator is Hermitian."""

    @abc.abstractmethod
    def matrix(self, wire_order=None):
        """The operator's matrix."""

    @classmethod
    @abc.abstractmethod
    def _sort(cls, op_list, wire_map: dict | None = None) -> list:
        """The operands in a canonical order."""

    @abc.abstractmethod
    def _build_pauli_rep(self):
        """The operator's ``PauliSentence``, or None."""

    def __iter__(self):
        return iter(self.operands)

    def __getitem__(self, idx):
        return self.operands[idx]

    def __len__(self):
        return len(self.operands)

    def __repr__(self):
        if not self.operands:
            return f"{type(self).__name__}()"
        return f" {self._op_symbol} ".join(f"({o!r})" if o.arithmetic_depth > 0 else repr(o)
                                           for o in self)

    def __copy__(self):
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        new.operands = tuple(copy.copy(o) for o in self)
        new._hyperparameters = {**self._hyperparameters, "operands": new.operands}
        return new

    @property
    def data(self) -> tuple:
        return tuple(d for o in self for d in o.data)

    @data.setter
    def data(self, values) -> None:
        values = tuple(values)
        for o in self:
            n = o.num_params
            if n:
                o.data, values = values[:n], values[n:]

    @property
    def params(self) -> tuple:
        return self.data

    @property
    def num_params(self) -> int:
        return sum(o.num_params for o in self)

    @property
    def ndim_params(self):
        raise AttributeError(f"{type(self).__name__} has no ndim_params (PennyLane's composite "
                             "operators neither): ask its operands")

    @property
    def batch_size(self):
        if self._batch_size is _UNSET:
            sizes = {o.batch_size for o in self if o.batch_size is not None}
            if len(sizes) > 1:
                raise ValueError("Broadcasting was attempted but the broadcasted dimensions "
                                 f"do not match: {sizes}.")
            self._batch_size = sizes.pop() if sizes else None
        return self._batch_size

    @property
    def has_overlapping_wires(self) -> bool:
        if self._has_overlapping_wires is None:
            wires = [w for o in self for w in o.wires]
            self._has_overlapping_wires = len(wires) != len(set(wires))
        return self._has_overlapping_wires

    @property
    def has_matrix(self) -> bool:
        return all(o.has_matrix for o in self)

    @property
    def overlapping_ops(self) -> list:
        """The operands grouped so that operands of different groups share no wire (each
        group in the operands' order, groups by first operand)."""
        if self._overlapping_ops is None:
            groups: list = []  # [operators, their wires]
            for o in self:
                wires = set(o.wires)
                touching = [g for g in groups if g[1] & wires]
                if not touching:
                    groups.append([[o], wires])
                    continue
                first = touching[0]
                for g in touching[1:]:
                    first[0].extend(g[0])
                    first[1] |= g[1]
                    groups.remove(g)
                first[0].append(o)
                first[1] |= wires
            self._overlapping_ops = [g[0] for g in groups]
        return self._overlapping_ops

    @property
    def eigendecomposition(self) -> dict:
        """``{"eigval": ..., "eigvec": ...}`` of the matrix (``eigh`` when Hermitian),
        kept by the operator's hash."""
        key = self.hash
        if key not in self._eigs:
            m = np.asarray(self.matrix())
            w, u = (np.linalg.eigh if self.is_verified_hermitian else np.linalg.eig)(m)
            self._eigs[key] = {"eigvec": u, "eigval": w}
        return self._eigs[key]

    def eigvals(self):
        """Each group of :attr:`overlapping_ops`' eigenvalues on all the wires, combined by
        ``_math_op``."""
        order = list(self.wires)
        rows = []
        for ops in self.overlapping_ops:
            if len(ops) == 1:
                ev, wires = ops[0].eigvals(), list(ops[0].wires)
            else:
                part = type(self)(*ops)
                ev, wires = part.eigendecomposition["eigval"], list(part.wires)
            rows.append(_expand_vector(np.asarray(ev), wires, order))
        return self._math_op(np.vstack(rows), axis=0)

    @property
    def has_diagonalizing_gates(self) -> bool:
        if self.has_overlapping_wires:
            if any(len(ops) == 1 and not ops[0].has_diagonalizing_gates for ops in self.overlapping_ops):
                return False
            return self.has_matrix
        return all(o.has_diagonalizing_gates for o in self)

    def diagonalizing_gates(self) -> list:
        """Each group's: one operand's own, several operands' as a ``QubitUnitary`` of their
        eigenvectors' conjugate transpose."""
        out = []
        for ops in self.overlapping_ops:
            if len(ops) == 1:
                out.extend(ops[0].diagonalizing_gates())
            else:
                part = type(self)(*ops)
                u = part.eigendecomposition["eigvec"]
                out.append(GATE_CLASSES["QubitUnitary"](np.conj(u).T, wires=part.wires))
        return out

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        if base_label is not None and (isinstance(base_label, str) or len(base_label) != len(self)):
            raise ValueError("Composite operator labels require ``base_label`` keyword to be same "
                             "length as operands.")
        labels = [None] * len(self) if base_label is None else list(base_label)
        parts = (o.label(decimals, b, cache) for o, b in zip(self, labels))
        return self._op_symbol.join(f"({t})" if o.arithmetic_depth > 0 else t
                                    for o, t in zip(self, parts))

    @property
    def hash(self) -> int:
        if self._hash is None:
            self._hash = hash((str(self.name), str([_ops_hash(o) for o in self._sort(self.operands)])))
        return self._hash

    @property
    def basis(self):
        return None

    @property
    def arithmetic_depth(self) -> int:
        return 1 + max((o.arithmetic_depth for o in self), default=0)

    @property
    def has_decomposition(self) -> bool:
        return type(self).decomposition is not CompositeOp.decomposition

    def decomposition(self) -> list:
        raise DecompositionUndefinedError(f"{type(self).__name__} defines no decomposition: "
                                          "give your subclass a decomposition method")

    def map_wires(self, wire_map: dict):
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        new.operands = tuple(o.map_wires(wire_map) for o in self)
        new._hyperparameters = {**self._hyperparameters, "operands": new.operands}
        new._wires = Wires([wire_map.get(w, w) for w in self.wires])
        new._hash = None
        if self._overlapping_ops is not None:
            new._overlapping_ops = [[o.map_wires(wire_map) for o in g] for g in self._overlapping_ops]
        if self._pauli_rep is not None:
            new._pauli_rep = self._pauli_rep.map_wires(wire_map)
        return new

    def _flatten(self):
        return tuple(self.operands), ()

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data)


def _expand_vector(v: np.ndarray, wires: list, order: list) -> np.ndarray:
    """A diagonal (eigenvalues) on ``wires`` as the diagonal on ``order``."""
    if wires == order:
        return v
    out = np.diag(expand_matrix(np.diag(v), wires, order))
    return out if np.iscomplexobj(v) else out.real

__all__ = ["CompositeOp", "ScalarSymbolicOp", "SymbolicOp"]
