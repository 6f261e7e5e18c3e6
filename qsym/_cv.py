"""PennyLane's continuous-variable operations and observables (``qml.ops.cv``): records of
their parameters and wires, with PennyLane 0.45's Heisenberg-picture representation.

A Gaussian gate acts on the quadratures ``r = (I, x_0, p_0, x_1, p_1, ...)`` linearly:
``U^† r_i U = sum_j M_ij r_j``. ``_heisenberg_rep(p)`` is ``M`` on the gate's own modes (one
function per gate in :data:`HEISENBERG`), ``heisenberg_tr(wire_order)`` embeds it in the
modes of ``wire_order``; an observable's ``_heisenberg_rep`` is its vector (first order) or
symmetric matrix (second order) of coefficients in ``r``. ``hbar = 2`` as in PennyLane.

They run on ``default.gaussian`` (:mod:`qsym._gaussian`, the Gaussian ones): made inside a
circuit of a qubit device, any of these raises a :class:`~qsym.errors.GateError` naming it
(docs/pennylane.md); a CV circuit's recording (:func:`accepts_cv`) or a user's queue keeps
them.

>>> from qsym.ops import cv
>>> cv.Rotation(0.5, wires=0).heisenberg_tr([0]).round(3)
array([[ 1.   ,  0.   ,  0.   ],
       [ 0.   ,  0.878, -0.479],
       [ 0.   ,  0.479,  0.878]])
>>> cv.Displacement(0.5, 0.0, wires=0).adjoint()
Displacement(0.5, 3.14159..., wires=[0])
"""

from __future__ import annotations

import numpy as np

from ._operations import classproperty
from ._trace import active_tape, not_recording
from .errors import AdjointUndefinedError, EigvalsUndefinedError, GateError, MatrixUndefinedError
from .wires import Wires

HBAR = 2.0  # PennyLane's convention: x = sqrt(hbar / 2) (a + a^†)
_SHIFT = 0.1  # the finite shift of PennyLane's recipes for the non-periodic parameters
TWO_TERM = ((0.5, 1, np.pi / 2), (-0.5, 1, -np.pi / 2))  # the periodic parameters' recipe


def _shifted(multiplier: float) -> tuple:
    return ((multiplier, 1, _SHIFT), (-multiplier, 1, -_SHIFT))


SINH_SHIFT = _shifted(0.5 / np.sinh(_SHIFT))  # r of the squeezers: (e^r)' from +-0.1
LINEAR_SHIFT = _shifted(0.5 / _SHIFT)  # a parameter the matrix is linear in


def rotation_block(phi) -> np.ndarray:
    """The 2x2 rotation of the phase space by ``phi``.

    >>> rotation_block(0.0)
    array([[ 1., -0.],
           [ 0.,  1.]])
    """
    c, s = np.cos(phi), np.sin(phi)
    return np.array([[c, -s], [s, c]], dtype=float)


def _embed(block: np.ndarray) -> np.ndarray:
    out = np.eye(len(block) + 1)
    out[1:, 1:] = block
    return out


def _squeezing(p):
    rot = rotation_block(p[1] / 2)
    return _embed(rot @ np.diag([np.exp(-p[0]), np.exp(p[0])]) @ rot.T)


def _displacement(p):
    scale = np.sqrt(2 * HBAR) * p[0]
    out = np.eye(3)
    out[1:, 0] = scale * np.cos(p[1]), scale * np.sin(p[1])
    return out


def _beamsplitter(p):
    rot, c, s = rotation_block(p[1]), np.cos(p[0]), np.sin(p[0])
    return _embed(np.block([[c * np.eye(2), -s * rot.T], [s * rot, c * np.eye(2)]]))


def _two_mode_squeezing(p):
    off = np.sinh(p[0]) * np.diag([1.0, -1.0]) @ rotation_block(p[1]).T
    return _embed(np.block([[np.cosh(p[0]) * np.eye(2), off], [off, np.cosh(p[0]) * np.eye(2)]]))


def _unit_plus(n: int, entries) -> np.ndarray:
    out = np.eye(n)
    for (i, j), value in entries:
        out[i, j] = value
    return out


def _interferometer(p):
    u = np.asarray(p[0])
    n = len(u)
    block = np.block([[u.real, -u.imag], [u.imag, u.real]])  # in the (x_0.., p_0..) order
    order = np.arange(2 * n).reshape(2, n).T.ravel()  # to (x_0, p_0, x_1, p_1, ...)
    return _embed(block[np.ix_(order, order)])


# the Heisenberg matrix of each Gaussian gate and the coefficients of each polynomial
# observable (PennyLane's ``_heisenberg_rep``), by class name
HEISENBERG = {
    "Rotation": lambda p: _embed(rotation_block(p[0])),
    "Squeezing": _squeezing,
    "Displacement": _displacement,
    "Beamsplitter": _beamsplitter,
    "TwoModeSqueezing": _two_mode_squeezing,
    "QuadraticPhase": lambda p: _unit_plus(3, [((2, 1), p[0])]),
    "ControlledAddition": lambda p: _unit_plus(5, [((2, 4), -p[0]), ((3, 1), p[0])]),
    "ControlledPhase": lambda p: _unit_plus(5, [((2, 3), p[0]), ((4, 1), p[0])]),
    "InterferometerUnitary": _interferometer,
    "NumberOperator": lambda p: np.diag([-0.5, 0.5 / HBAR, 0.5 / HBAR]),
    "QuadX": lambda p: np.array([0.0, 1.0, 0.0]),
    "QuadP": lambda p: np.array([0.0, 0.0, 1.0]),
    "QuadOperator": lambda p: np.array([0.0, np.cos(p[0]), np.sin(p[0])]),
    "PolyXP": lambda p: p[0],
}


def _half_turn(index):  # phi -> (phi + pi) mod 2 pi: the inverse of a squeezer, displacement
    def rule(params):
        params = list(params)
        params[index] = (params[index] + np.pi) % (2 * np.pi)
        return params
    return rule


def _negate_first(params):
    return [-params[0], *params[1:]]


# PennyLane's ``adjoint()`` of each CV gate that has one: its parameters
ADJOINTS = {
    "Rotation": _negate_first, "Beamsplitter": _negate_first, "ControlledAddition": _negate_first,
    "ControlledPhase": _negate_first, "Kerr": _negate_first, "CrossKerr": _negate_first,
    "CubicPhase": _negate_first, "Squeezing": _half_turn(1), "Displacement": _half_turn(1),
    "TwoModeSqueezing": _half_turn(1),
    "InterferometerUnitary": lambda params: [np.conj(np.asarray(params[0])).T],
}


def accepts_cv(tape) -> bool:
    """Whether the recording ``tape`` keeps CV operations and measurements: a circuit of a
    CV device (its tape's ``cv`` flag) or a user's queue (``qml.queuing.AnnotatedQueue``).

    >>> accepts_cv(None)
    False
    """
    return tape is not None and (getattr(tape, "cv", False) or tape.log is not None)


def _format(x, decimals, cache) -> str:
    if np.ndim(x) == 0:
        if decimals is None:
            return ""
        try:
            return format(float(np.real(x)), f".{decimals}f")
        except (TypeError, ValueError):
            return format(x)
    if cache is None or not isinstance(cache.get("matrices"), list):
        return ""
    for i, mat in enumerate(cache["matrices"]):
        if np.shape(mat) == np.shape(x) and np.allclose(mat, x):
            return f"M{i}"
    cache["matrices"].append(x)
    return f"M{len(cache['matrices']) - 1}"


class CVOperator:
    """The base of qsym's records of PennyLane's continuous-variable classes: ``data``,
    ``parameters``, ``wires``, ``id``, ``name``, the counts and ``label()``; made inside a
    qubit circuit it raises a :class:`~qsym.errors.GateError` (``default.gaussian`` runs them).

    >>> from qsym.ops import cv
    >>> op = cv.Squeezing(0.1, 0.2, wires=1)
    >>> op.data, op.wires, op.num_params, op.num_wires
    ((0.1, 0.2), Wires([1]), 2, 1)
    """

    num_params = None  # PennyLane's default: as many as given (a subclass may fix its count)
    num_wires = None  # PennyLane's AnyWires
    arg_names: tuple = ()  # PennyLane's names of the parameters
    grad_method = None
    grad_recipe = None
    base_label = None  # the label's name, when not the class name
    hyperparameters: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.unsupported = (  # read by qml.expval & co: a measurement of one is refused
            f"qml.{cls.__name__} is a continuous-variable operation (PennyLane's qml.ops.cv): "
            "a qubit device cannot apply or measure it; run CV circuits on "
            "qml.device('default.gaussian', wires=...) (docs/pennylane.md)")

    def __init__(self, *params, wires=None, id=None, **named):  # noqa: A002 (PennyLane's)
        tape = active_tape()
        if tape is not None and not accepts_cv(tape):
            raise GateError(self.unsupported)
        params = list(params) + [named.pop(n) for n in self.arg_names[len(params):] if n in named]
        if named:
            raise TypeError(f"{self.name}() got unexpected keyword arguments {sorted(named)}; "
                            f"its parameters are {list(self.arg_names)} and wires")
        count = type(self).num_params  # None: PennyLane's default, as many as given
        if isinstance(count, property):  # a subclass's own property (of no data)
            count = count.fget(self)
        if wires is None and params and (count is None or len(params) == count + 1):
            wires, params = params[-1], params[:-1]  # the wires last, by position
        if wires is None:
            raise GateError(f"{self.name}: must specify the wires that the operation acts on")
        if count is None:
            self.num_params = len(params)
        elif len(params) != count:
            raise ValueError(f"{self.name}: wrong number of parameters. {len(params)} "
                             f"parameters passed, {count} expected.")
        self.data, self.wires, self.id = tuple(params), Wires(wires), id
        if isinstance(self.num_wires, int) and len(self.wires) != self.num_wires:
            raise ValueError(f"{self.name}: wrong number of wires. {len(self.wires)} wires "
                             f"given, {self.num_wires} expected.")
        if tape is not None:
            tape.append(self)

    @property
    def name(self) -> str:
        return type(self).__name__

    has_matrix = False  # an operator on an infinite-dimensional space: no finite matrix

    @classmethod
    def compute_matrix(cls, *params, **hyper):
        """PennyLane's: a continuous-variable operator has no matrix (``MatrixUndefinedError``).

        >>> from qsym.ops import cv
        >>> cv.NumberOperator(wires=0).matrix()
        Traceback (most recent call last):
        ...
        qsym.errors.MatrixUndefinedError: NumberOperator acts on an infinite-dimensional ...
        """
        raise MatrixUndefinedError(
            f"{cls.__name__} acts on an infinite-dimensional mode: it has no matrix "
            "(PennyLane's MatrixUndefinedError); its Heisenberg representation is "
            "heisenberg_tr / heisenberg_obs")

    def matrix(self, wire_order=None):
        return self.compute_matrix(*self.data)

    @classmethod
    def compute_eigvals(cls, *params, **hyper):
        """PennyLane's: a continuous-variable operator has no eigenvalues
        (``EigvalsUndefinedError``, so ``qml.expval(qml.NumberOperator(0)).eigvals()`` too).

        >>> from qsym.ops import cv
        >>> cv.QuadX(wires=0).eigvals()
        Traceback (most recent call last):
        ...
        qsym.errors.EigvalsUndefinedError: QuadX has no eigenvalues ...
        """
        raise EigvalsUndefinedError(
            f"{cls.__name__} has no eigenvalues (PennyLane's EigvalsUndefinedError): a "
            "continuous-variable operator has a continuous or unbounded spectrum")

    def eigvals(self):
        return self.compute_eigvals(*self.data)

    def remake(self, params):
        """A copy with other parameters, recorded nowhere (a tape's shifted copies).

        >>> from qsym.ops import cv
        >>> cv.Rotation(0.1, wires=0).remake([0.2])
        Rotation(0.2, wires=[0])
        """
        with not_recording():
            return type(self)(*params, wires=self.wires, id=self.id)

    @property
    def parameters(self) -> list:
        return list(self.data)

    def __repr__(self):
        params = "".join(f"{p!r}, " for p in self.data)
        return f"{self.name}({params}wires={self.wires.tolist()})"

    def adjoint(self):
        """PennyLane's ``op.adjoint()``: the inverse gate, for the gates that define one."""
        rule = ADJOINTS.get(self.name)
        if rule is None:
            raise AdjointUndefinedError(f"{self.name} has no adjoint (PennyLane's "
                                        "AdjointUndefinedError)")
        return type(self)(*rule(self.parameters), wires=self.wires)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: the name, with the scalar parameters at ``decimals``.

        >>> from qsym.ops import cv
        >>> cv.Beamsplitter(1.234, 2.345, wires=(0, 1)).label(decimals=2)
        'BS\\n(1.23,\\n2.35)'
        """
        name = base_label or self.base_label or self.name
        inner = ",\n".join(s for p in self.data if (s := _format(p, decimals, cache)))
        if self.id is not None:
            inner = f'{inner},"{self.id}"' if inner else f'"{self.id}"'
        return f"{name}\n({inner})" if inner else name

    # ---- the Heisenberg picture (PennyLane's CV mixin) ----
    @staticmethod
    def _heisenberg_rep(p):
        return None  # a non-Gaussian gate, or an observable that is not a polynomial

    @classproperty
    def supports_heisenberg(cls) -> bool:
        """Whether the class has a Heisenberg representation (a Gaussian gate, a polynomial
        observable)."""
        return cls._heisenberg_rep is not CVOperator._heisenberg_rep

    def heisenberg_expand(self, U, wire_order) -> np.ndarray:
        """The local Heisenberg vector or matrix ``U`` (of size ``1 + 2 * len(wires)``) on
        the modes of ``wire_order`` (PennyLane's ``heisenberg_expand``): identity elsewhere
        for a gate, zero elsewhere for an observable.

        >>> from qsym.ops import cv
        >>> cv.QuadX(wires=1).heisenberg_expand(np.array([0, 1, 0]), Wires([0, 1]))
        array([0., 0., 0., 1., 0.])
        """
        U = np.asarray(U)
        if U.ndim > 2:
            raise ValueError("Only order-1 and order-2 arrays supported.")
        if len(U) != 1 + 2 * len(self.wires):
            raise ValueError(f"{self.name}: Heisenberg matrix is the wrong size {len(U)}.")
        wire_order = Wires(wire_order)
        if len(wire_order) == 0 or len(wire_order) == len(self.wires):
            return U
        if not wire_order.contains_wires(self.wires):
            raise ValueError(f"{self.name}: Some observable wires {self.wires} do not exist "
                             f"on this device with wires {wire_order}")
        index = [0] + [1 + 2 * w + k for w in wire_order.indices(self.wires) for k in (0, 1)]
        dim = 1 + 2 * len(wire_order)
        if U.ndim == 1:
            out = np.zeros(dim)
            out[index] = U
            return out
        out = np.zeros((dim, dim)) if isinstance(self, CVObservable) else np.eye(dim)
        out[np.ix_(index, index)] = U
        return out


class CVOperation(CVOperator):
    """PennyLane's ``qml.operation.CVOperation``: a continuous-variable gate or state
    preparation, with the Heisenberg transformation of the Gaussian gates.

    >>> from qsym.ops import cv
    >>> cv.Rotation.supports_parameter_shift, cv.Kerr.supports_parameter_shift
    (True, False)
    """

    @classproperty
    def supports_parameter_shift(cls) -> bool:
        return cls.grad_method == "A" and cls.supports_heisenberg

    def heisenberg_tr(self, wire_order, inverse: bool = False) -> np.ndarray:
        """The gate's Heisenberg matrix at its parameters on the modes of ``wire_order``
        (``inverse``: of the inverse gate, the first parameter inverted or negated).

        >>> from qsym.ops import cv
        >>> cv.QuadraticPhase(0.5, wires=0).heisenberg_tr(Wires([0]), inverse=True)
        array([[ 1. ,  0. ,  0. ],
               [ 0. ,  1. ,  0. ],
               [ 0. , -0.5,  1. ]])
        """
        p = [np.asarray(a) for a in self.parameters]
        if inverse:
            p[0] = np.linalg.inv(p[0]) if p[0].ndim == 2 else -p[0]
        U = self._heisenberg_rep(p)
        if U is None:
            raise RuntimeError(f"{self.name} is not a Gaussian operation, or is missing the "
                               "_heisenberg_rep method.")
        return self.heisenberg_expand(U, wire_order)

    def heisenberg_pd(self, idx: int) -> np.ndarray:
        """The derivative of the local Heisenberg matrix by parameter ``idx``, from the
        gate's ``grad_recipe`` (``sum c * M(a * p + s)``; the two-term rule by default).

        >>> from qsym.ops import cv
        >>> cv.Rotation(0.0, wires=0).heisenberg_pd(0).round(12) + 0.0
        array([[ 0.,  0.,  0.],
               [ 0.,  0., -1.],
               [ 0.,  1.,  0.]])
        """
        recipe = None if self.grad_recipe is None else self.grad_recipe[idx]
        p = self.parameters
        original, total = p[idx], 0
        for c, a, s in recipe or TWO_TERM:
            p[idx] = a * original + s
            total = total + c * self._heisenberg_rep(p)
        return total


class CVObservable(CVOperator):
    """PennyLane's ``qml.operation.CVObservable``: ``ev_order`` 1 or 2 for a polynomial in
    the quadratures, whose coefficients ``heisenberg_obs`` gives.

    >>> from qsym.ops import cv
    >>> cv.NumberOperator(0).heisenberg_obs(Wires([0]))
    array([[-0.5 ,  0.  ,  0.  ],
           [ 0.  ,  0.25,  0.  ],
           [ 0.  ,  0.  ,  0.25]])
    """

    ev_order = None
    is_verified_hermitian = True

    def heisenberg_obs(self, wire_order) -> np.ndarray:
        """The observable's coefficients in ``(I, x_0, p_0, ...)`` on ``wire_order``."""
        return self.heisenberg_expand(self._heisenberg_rep(self.parameters), wire_order)


def _fock_state_label(op, decimals=None, base_label=None, cache=None):
    if base_label is None:
        return f"|{np.asarray(op.data[0])}⟩"
    return base_label if decimals is None else f"{base_label}\n({float(op.data[0]):.0f})"


def _basis(op) -> str:
    return "".join(str(int(i)) for i in op.data[0])


def _quad_operator_label(op, decimals=None, base_label=None, cache=None):
    if base_label is not None:
        return CVOperator.label(op, decimals, base_label, cache)
    p = "φ" if decimals is None else format(float(op.data[0]), f".{decimals}f")
    return f"cos({p})x\n+sin({p})p"


def _projector_label(op, decimals=None, base_label=None, cache=None):
    if base_label is not None:
        return CVOperator.label(op, decimals, base_label, cache)
    return f"|{_basis(op)}⟩⟨{_basis(op)}|"


# PennyLane's labels that are not "name(parameters)"
LABELS = {
    "FockState": _fock_state_label,
    "FockStateVector": lambda op, decimals=None, base_label=None, cache=None:
        base_label or f"|{_basis(op)}⟩",
    "NumberOperator": lambda op, decimals=None, base_label=None, cache=None: base_label or "n",
    "TensorN": lambda op, decimals=None, base_label=None, cache=None:
        base_label or "⊗".join("n" for _ in op.wires),
    "QuadOperator": _quad_operator_label,
    "FockStateProjector": _projector_label,
}

# name: (base, parameter names, num_wires, grad_method, grad_recipe, label name, ev_order);
# num_wires None: any number (PennyLane's AnyWires)
TABLE = {
    "Rotation": ("op", ("phi",), 1, "A", (TWO_TERM,), "R", None),
    "Squeezing": ("op", ("r", "phi"), 1, "A", (SINH_SHIFT, TWO_TERM), "S", None),
    "Displacement": ("op", ("a", "phi"), 1, "A", (LINEAR_SHIFT, TWO_TERM), "D", None),
    "Beamsplitter": ("op", ("theta", "phi"), 2, "A", (TWO_TERM, TWO_TERM), "BS", None),
    "TwoModeSqueezing": ("op", ("r", "phi"), 2, "A", (SINH_SHIFT, TWO_TERM), "S", None),
    "QuadraticPhase": ("op", ("s",), 1, "A", (LINEAR_SHIFT,), "P", None),
    "ControlledAddition": ("op", ("s",), 2, "A", (LINEAR_SHIFT,), "X", None),
    "ControlledPhase": ("op", ("s",), 2, "A", (LINEAR_SHIFT,), "Z", None),
    "Kerr": ("op", ("kappa",), 1, "F", None, None, None),
    "CrossKerr": ("op", ("kappa",), 2, "F", None, None, None),
    "CubicPhase": ("op", ("gamma",), 1, "F", None, "V", None),
    "InterferometerUnitary": ("op", ("U",), None, None, None, "U", None),
    "CoherentState": ("op", ("a", "phi"), 1, "F", None, None, None),
    "SqueezedState": ("op", ("r", "phi"), 1, "F", None, None, None),
    "DisplacedSqueezedState": ("op", ("a", "phi_a", "r", "phi_r"), 1, "F", None, None, None),
    "ThermalState": ("op", ("nbar",), 1, "F", None, "Thermal", None),
    "GaussianState": ("op", ("V", "r"), None, "F", None, "Gaussian", None),
    "FockState": ("op", ("n",), 1, None, None, None, None),
    "FockStateVector": ("op", ("state",), None, "F", None, None, None),
    "FockDensityMatrix": ("op", ("state",), None, "F", None, None, None),
    "CatState": ("op", ("a", "phi", "p"), 1, "F", None, None, None),
    "NumberOperator": ("obs", (), 1, None, None, None, 2),
    "TensorN": ("obs", (), None, None, None, None, None),
    "QuadX": ("obs", (), 1, None, None, None, 1),
    "QuadP": ("obs", (), 1, None, None, None, 1),
    "QuadOperator": ("obs", ("phi",), 1, "A", None, None, 1),
    "PolyXP": ("obs", ("q",), None, "F", None, None, 2),
    "FockStateProjector": ("obs", ("n",), None, None, None, None, None),
}


def _make(name: str, row: tuple) -> type:
    base, args, wires, grad, recipe, label, order = row
    kind = "gate" if base == "op" else "observable"
    attrs = {"num_params": len(args), "num_wires": wires, "arg_names": args,
             "grad_method": grad, "grad_recipe": recipe, "base_label": label,
             "__module__": __name__, "__qualname__": name,
             "__doc__": (f"PennyLane's continuous-variable {kind} ``qml.{name}({', '.join(args)}"
                         f"{', ' if args else ''}wires)``: a record (qsym simulates qubits "
                         f"only).\n\n>>> from qsym.ops.cv import {name}\n>>> {name}.num_params"
                         f"\n{len(args)}\n")}
    if name in HEISENBERG:
        attrs["_heisenberg_rep"] = staticmethod(HEISENBERG[name])
    if name in LABELS:
        attrs["label"] = LABELS[name]
    if base == "obs":
        attrs["ev_order"] = order
    return type(name, (CVOperation if base == "op" else CVObservable,), attrs)


globals().update({name: _make(name, row) for name, row in TABLE.items()})


def _tensor_n_new(cls, *args, wires=None, **kwargs):  # PennyLane: one mode is NumberOperator
    wires = args[0] if wires is None and args else wires
    if wires is not None and (np.ndim(wires) == 0 or len(wires) == 1):
        return NumberOperator(wires=wires)  # noqa: F821 (made from TABLE above)
    return object.__new__(cls)


TensorN.__new__ = _tensor_n_new  # noqa: F821

OPS = tuple(name for name, row in TABLE.items() if row[0] == "op")
OBSERVABLES = tuple(name for name, row in TABLE.items() if row[0] == "obs")
__ops__, __obs__ = set(OPS), set(OBSERVABLES)  # PennyLane's qml.ops.cv.__ops__, .__obs__
__all__ = ["CVOperator", "CVOperation", "CVObservable", *TABLE]
