"""PennyLane's noise channels as operations: one class per row of the channel table
(:mod:`qsym._channels`), recorded in a circuit like a gate and run by the density-matrix
executor of ``default.mixed`` (:mod:`qsym._mixed`); ``default.qubit`` refuses them with
PennyLane's ``DeviceError``.

A channel has Kraus matrices (``op.kraus_matrices()``, ``cls.compute_kraus_matrices``),
no matrix (``qml.matrix`` raises :class:`qsym.errors.MatrixUndefinedError`, as PennyLane).
Its parameters may be trainable inputs: qsym differentiates them exactly (the sympy
derivative of the channel's superoperator), where PennyLane uses finite differences.

>>> import qsym as qml
>>> op = qml.AmplitudeDamping(0.36, wires=0)
>>> op.name, op.num_params, op.wires, op.data
('AmplitudeDamping', 1, Wires([0]), (0.36,))
>>> [k.round(3).tolist() for k in op.kraus_matrices()]
[[[1.0, 0.0], [0.0, 0.8]], [[0.0, 0.6], [0.0, 0.0]]]
"""

from __future__ import annotations

import warnings

import autograd.numpy as anp
import numpy as np
import sympy as sp
from autograd.tracer import Box

from ._broadcast import Batched
from ._lambdify import lambdify
from ._channels import CHANNELS, channel_def, check_domain, exact_kraus, kraus_matrices, parameter_symbols
from .errors import GateError, MatrixUndefinedError, WireError
from ._operations import Operation, check_param, wires_tuple
from ._trace import Traced, active_tape, looked_at
from .wires import Wires

MATRIX_UNDEFINED = ("Operator must define a matrix, sparse matrix, or decomposition for use "
                    "with qp.matrix.")
# PennyLane's grad_method of each channel ("F": it differentiates the channel's parameters
# by finite differences; qsym differentiates them exactly on default.mixed)
_PL_GRAD_METHOD = {"DepolarizingChannel": "A", "BitFlip": "A", "PhaseFlip": "A",
                   "PauliError": None, "QubitChannel": None}
# the channels whose Kraus sum is affine in their one parameter p: d/dp = f(1) - f(0)
# (PennyLane's grad_recipe of theirs)
_AFFINE_CHANNELS = ("DepolarizingChannel", "BitFlip", "PhaseFlip")

_EXAMPLES = {
    "AmplitudeDamping": ("qml.AmplitudeDamping(0.1, wires=0)", 2),
    "GeneralizedAmplitudeDamping": ("qml.GeneralizedAmplitudeDamping(0.1, 0.2, wires=0)", 4),
    "PhaseDamping": ("qml.PhaseDamping(0.1, wires=0)", 2),
    "DepolarizingChannel": ("qml.DepolarizingChannel(0.1, wires=0)", 4),
    "BitFlip": ("qml.BitFlip(0.1, wires=0)", 2),
    "PhaseFlip": ("qml.PhaseFlip(0.1, wires=0)", 2),
    "ResetError": ("qml.ResetError(0.1, 0.2, wires=0)", 5),
    "PauliError": ("qml.PauliError('XY', 0.1, wires=[0, 1])", 2),
    "ThermalRelaxationError": ("qml.ThermalRelaxationError(0.1, 1.2, 1.3, 0.1, wires=0)", 6),
    "QubitChannel": ("qml.QubitChannel([np.sqrt(0.9) * np.eye(2), "
                     "np.sqrt(0.1) * np.diag([1, -1])], wires=0)", 2),
}


def _numeric(value):
    return not isinstance(value, (Traced, sp.Basic))


def _rows_of(params):
    """The parameters ``params`` one broadcast row at a time (a :class:`Batched`
    parameter's row ``b``; the others as they are), or once if none is broadcast.

    >>> from qsym._broadcast import Batched
    >>> _rows_of((Batched((0.1, 0.2)), 0.5))
    [(0.1, 0.5), (0.2, 0.5)]
    """
    sizes = {len(p) for p in params if isinstance(p, Batched)}
    if not sizes:
        return [tuple(params)]
    return [tuple(p[b] if isinstance(p, Batched) else p for p in params) for b in range(max(sizes))]


def _param(name, value):
    """A channel parameter: as a gate's (:func:`qsym._operations.check_param`); outside a
    circuit also an autograd box (``qml.jacobian`` of a function of ``kraus_matrices()``)."""
    if isinstance(value, Box) and active_tape() is None:
        check_param(name, value._value)
        return value
    if name == "ThermalRelaxationError" and isinstance(value, (float, np.floating)) \
            and value == np.inf:  # T_1 or T_2 infinite: no relaxation (PennyLane's)
        return value
    return check_param(name, value)


def _boxed_kraus(name, params, num_wires, hyper) -> list:
    """The Kraus matrices as autograd arrays of boxed parameters (differentiable by
    ``qml.jacobian``): the row's exact sympy matrices evaluated with autograd's NumPy."""
    check_domain(name, [getattr(p, "_value", p) for p in params], hyper)
    syms = parameter_symbols(name)
    ks = exact_kraus(name, syms, num_wires, hyper)
    f = lambdify(syms, [list(map(list, k.tolist())) for k in ks], extra=(anp,))
    return [anp.array(k) for k in f(*params)]


class Channel(Operation):
    """A noise channel (PennyLane's ``qml.operation.Channel``): parameters, wires, Kraus
    matrices; applied on ``default.mixed`` only.

    >>> import qsym as qml
    >>> isinstance(qml.BitFlip(0.1, wires=0), qml.operation.Channel)
    True
    """

    _channel = None  # the channel-table row (qsym._channels.ChannelDef)
    has_matrix = False
    has_adjoint = False

    def __init__(self, *args, wires=None, id=None, **kwargs):
        row = self._channel
        if row is None:  # a channel class of the user's own (PennyLane's Channel subclass)
            self._init_users(args, wires, id, kwargs)
            return
        name = row.name
        hyper, args = self._hyperparameters(row, args, kwargs)
        named = [p for p in row.params if p in kwargs]
        args = list(args) + [kwargs.pop(p) for p in named]
        if wires is None and len(args) > len(row.params):
            wires, args = args[len(row.params)], args[:len(row.params)] + args[len(row.params) + 1:]
        if kwargs:
            raise GateError(f"{name} got unexpected keyword argument(s) {sorted(kwargs)}")
        if len(args) != len(row.params):
            raise GateError(f"{name} takes {len(row.params)} parameter(s) "
                            f"({', '.join(row.params)}) and wires=, got {len(args)}")
        if wires is None:
            raise GateError(f"{name} needs wires=, e.g. {_EXAMPLES[name][0]}")
        self.params = tuple(_param(name, a) for a in args)
        self._tensors = tuple(a if getattr(a, "requires_grad", None) is not None
                              and np.ndim(a) == 0 else None for a in args)
        labels = wires_tuple(wires)
        if len(set(labels)) != len(labels):
            raise WireError(f"Wires must be unique; {name} got {list(labels)}")
        self.wires = Wires(labels)
        if row.num_wires and len(self.wires) != row.num_wires:
            raise WireError(f"{name} acts on {row.num_wires} wire(s), got {list(self.wires)}")
        self.hyper = tuple(hyper.items())
        self._check(row)
        self.id = id
        tape = active_tape()
        if tape is not None:
            tape.append(self)

    def _init_users(self, args, wires, id, kwargs) -> None:  # noqa: A002 (PennyLane's)
        """A user's channel class (no table row): its parameters (the wires last when not
        given by name), wires and keyword hyperparameters, as PennyLane's ``Operator``
        takes them; its Kraus matrices come from its ``compute_kraus_matrices``. qsym's
        mixed-state simulator applies the channels of its table only, so making one in a
        circuit or queue raises :class:`GateError`."""
        name, args = type(self).__name__, list(args)
        if wires is None and args:
            wires, args = args[-1], args[:-1]
        if wires is None:
            raise GateError(f"{name}: must specify the wires that the channel acts on")
        if active_tape() is not None:
            raise GateError(
                f"{name} is a noise channel class of your own: qsym's mixed-state simulator "
                "applies its table's channels only; give your Kraus matrices as "
                "qml.QubitChannel(K_list, wires) instead")
        self.params, self._tensors = tuple(args), (None,) * len(args)
        self.wires, self.hyper, self.id = Wires(wires_tuple(wires)), tuple(kwargs.items()), id

    @staticmethod
    def _hyperparameters(row, args, kwargs):
        hyper = {}
        for i, h in enumerate(row.hyper):
            if h in kwargs:
                hyper[h] = kwargs.pop(h)
            elif args:
                hyper[h], args = args[0], args[1:]
            else:
                raise GateError(f"{row.name} needs {h}")
        if "K_list" in hyper:
            hyper["K_list"] = _kraus_list(hyper["K_list"])
        return hyper, args

    def _check(self, row):
        hyper = dict(self.hyper)
        if row.name == "PauliError":  # PennyLane checks these when the channel is made
            ops = hyper["operators"]
            if not isinstance(ops, str) or not set(ops) <= set("IXYZ"):
                raise GateError("The specified operators need to be either of 'I', 'X', 'Y' or 'Z'.")
            for values in _rows_of(self.params):  # (each broadcast row; PennyLane's
                # check compares the whole array and raises "truth value ... ambiguous")
                if all(_numeric(p) for p in values):
                    check_domain(row.name, [getattr(p, "_value", p) for p in values])
            if len(self.wires) != len(ops):
                raise GateError("The number of operators must match the number of wires")
            nq = len(self.wires)
            if nq > 20:  # PennyLane's warning
                warnings.warn(f"The resulting Kronecker matrices will have dimensions "
                              f"{2**nq} x {2**nq}.\nThis equals {2**nq*2**nq*8/1024**3} GB of "
                              "physical memory for each matrix.", UserWarning, stacklevel=4)
        if "K_list" in hyper:
            dim = np.asarray(hyper["K_list"][0]).shape[0]
            if dim != 2 ** len(self.wires):
                raise WireError(f"QubitChannel: Kraus matrices of dimension {dim} on "
                                f"{len(self.wires)} wire(s); they must be 2**num_wires square")

    @property
    def name(self) -> str:
        return type(self).__name__ if self._channel is None else self._channel.name

    @property
    def num_params(self) -> int:
        if "K_list" in dict(self.hyper):
            return len(dict(self.hyper)["K_list"])
        return len(self.params if self._channel is None else self._channel.params)

    @property
    def num_wires(self) -> int:
        return (self._channel is not None and self._channel.num_wires) or len(self.wires)

    @property
    def grad_method(self):
        """PennyLane's ``grad_method`` of this channel ("F", "A" or None)."""
        return _PL_GRAD_METHOD.get(self.name, "F")

    @property
    def grad_recipe(self) -> tuple:
        """PennyLane's recipes (rows ``[c, m, s]``: ``sum c f(m p + s)``): for the channels
        affine in their probability (``DepolarizingChannel``, ``BitFlip``, ``PhaseFlip``)
        ``f(1) - f(0)``, exact; None for each parameter of the others.

        >>> import qsym as qml
        >>> qml.BitFlip(0.1, wires=0).grad_recipe, qml.AmplitudeDamping(0.1, wires=0).grad_recipe
        (([[1, 0, 1], [-1, 0, 0]],), (None,))
        """
        if self.name in _AFFINE_CHANNELS:
            return ([[1, 0, 1], [-1, 0, 0]],)
        return (None,) * self.num_params

    @property
    def data(self) -> tuple:
        hyper = dict(self.hyper)
        if "K_list" in hyper:
            return tuple(np.array(k) for k in hyper["K_list"])
        given = getattr(self, "_tensors", ()) or (None,) * len(self.params)
        return tuple(g if g is not None else p for g, p in zip(given, self.params))

    @property
    def hyperparameters(self) -> dict:
        return {k: v for k, v in self.hyper if k != "K_list"}

    def kraus_matrices(self) -> list:
        """The channel's Kraus matrices at its (numeric) parameters.

        >>> import qsym as qml
        >>> [k.round(3).tolist() for k in qml.PhaseFlip(0.36, wires=0).kraus_matrices()]
        [[[0.8, 0.0], [0.0, 0.8]], [[0.6, 0.0], [0.0, -0.6]]]
        """
        if not all(_numeric(p) for p in self.params):
            raise GateError(f"{self.name}.kraus_matrices() needs numeric parameters; inside a "
                            "circuit its parameters are traced inputs")
        hyper = dict(self.hyper)
        if self._channel is None:  # a user's class: its own compute_kraus_matrices
            return type(self).compute_kraus_matrices(*self.params, **hyper)
        if "K_list" in hyper:
            return [np.array(k) for k in hyper["K_list"]]
        if any(isinstance(p, Box) for p in self.params):
            return _boxed_kraus(self.name, self.params, len(self.wires), tuple(self.hyper))
        return kraus_matrices(self.name, [float(p) for p in self.params], len(self.wires),
                              tuple(self.hyper))

    @classmethod
    def compute_kraus_matrices(cls, *params, **hyper) -> list:
        """PennyLane's ``compute_kraus_matrices``: the Kraus matrices at these parameters
        (``PauliError``: ``(p, operators)``; ``QubitChannel``: the matrices themselves).

        >>> import qsym as qml
        >>> len(qml.DepolarizingChannel.compute_kraus_matrices(0.3))
        4
        """
        row = cls._channel
        if row is None:  # a user's class defines its own (PennyLane's base raises too)
            raise NotImplementedError(f"{cls.__name__} defines no compute_kraus_matrices")
        if row.hyper == ("K_list",):
            return list(params)
        if row.hyper == ("operators",):
            p, operators = (params + (hyper.get("operators"),))[:2]
            return kraus_matrices(row.name, [float(p)], len(operators),
                                  (("operators", operators),))
        return kraus_matrices(row.name, [float(p) for p in params])

    def remake(self, params=None) -> "Channel":
        """A copy with ``params`` (default: its own; ``QubitChannel``: its own Kraus matrices),
        made where it is called (in a circuit: applied), as a tape re-runs its operations.

        >>> import qsym as qml
        >>> qml.BitFlip(0.1, wires=0).remake([0.2])
        BitFlip(0.2, wires=[0])
        """
        hyper = dict(self.hyper)
        if "K_list" in hyper:  # fixed (a tape's traced stand-ins for them are not used)
            return type(self)([np.array(k) for k in hyper["K_list"]], wires=list(self.wires))
        params = self.params if params is None else params
        return type(self)(*[hyper[h] for h in self._channel.hyper], *params,
                          wires=list(self.wires))

    def matrix(self, wire_order=None):
        """A channel has no matrix (PennyLane's ``MatrixUndefinedError``)."""
        raise MatrixUndefinedError(MATRIX_UNDEFINED)

    @classmethod
    def compute_matrix(cls, *params, **hyper):
        """A channel has no matrix (PennyLane's ``MatrixUndefinedError``)."""
        raise MatrixUndefinedError(MATRIX_UNDEFINED)

    def _own_matrix(self):
        raise MatrixUndefinedError(MATRIX_UNDEFINED)

    def adjoint(self):
        """Channels have no adjoint (PennyLane's ``AdjointUndefinedError``)."""
        raise GateError(f"{self.name} is a noise channel: it has no adjoint")

    @property
    def has_generator(self) -> bool:
        return False

    @property
    def has_decomposition(self) -> bool:
        return False

    def __repr__(self):
        pars = ", ".join([str(p) for p in self.params]
                         + [f"{h}={v!r}" for h, v in self.hyper if h != "K_list"])
        return f"{self.name}({pars + ', ' if pars else ''}wires={list(self.wires)})"

    def __hash__(self):
        return hash((self.name, tuple(self.wires), repr(self.hyper),
                     tuple(repr(p) for p in self.params)))

    def __eq__(self, other):
        return (isinstance(other, Channel) and other.name == self.name
                and list(other.wires) == list(self.wires)
                and repr(other.hyper) == repr(self.hyper)
                and len(other.params) == len(self.params)
                and all((_numeric(a) and _numeric(b) and np.isclose(float(a), float(b)))
                        or a == b for a, b in zip(self.params, other.params)))


def _kraus_list(K_list) -> tuple:
    """QubitChannel's Kraus matrices as nested tuples of numbers (hashable, printed in full
    in the circuit's hash; floats where every matrix was given real, else complex
    numbers), checked as PennyLane checks them."""
    if any(isinstance(v, (Traced, sp.Basic)) for K in K_list
           for v in np.ravel(np.asarray(K, dtype=object))):
        # made of circuit inputs (K(p) of a QNode argument, as PennyLane's): their numbers,
        # the circuit traced at every call (no derivative by them)
        K_list = [looked_at(K) for K in K_list]
    mats = [np.asarray(K, dtype=complex) for K in K_list]
    if not mats:
        raise GateError("QubitChannel needs at least one Kraus matrix")
    if any(K.ndim != 2 for K in mats):
        raise GateError("Dimension of all Kraus matrices must be (2**num_wires, 2**num_wires).")
    if any(K.shape[0] != K.shape[1] for K in mats):
        raise GateError("Only channels with the same input and output Hilbert space "
                        "dimensions can be applied.")
    if any(K.shape != mats[0].shape for K in mats):
        raise GateError("All Kraus matrices must have the same shape.")
    total = sum(K.conj().T @ K for K in mats)
    if not np.allclose(total, np.eye(mats[0].shape[0])):
        raise GateError("Only trace preserving channels can be applied.")
    # real matrices stay real (PennyLane keeps the Kraus matrices as given: its drawing
    # prints their dtype, kraus_matrices() returns them)
    kind = float if all(np.isrealobj(np.asarray(K)) for K in K_list) else complex
    return tuple(tuple(tuple(kind(v.real if kind is float else v) for v in row) for row in K)
                 for K in mats)


def _channel_doc(row) -> str:
    call, count = _EXAMPLES[row.name]
    params = ", ".join(row.hyper + row.params + ("wires",))
    return (f"{row.doc}\n\nPennyLane's ``qml.{row.name}({params})``: a noise channel, "
            "applied on ``default.mixed`` (its parameters differentiated exactly).\n\n"
            f">>> import numpy as np\n>>> import qsym as qml\n>>> op = {call}\n"
            f">>> len(op.kraus_matrices())\n{count}\n")


CHANNEL_CLASSES = {
    name: type(name, (Channel,), {"_channel": row, "__doc__": _channel_doc(row),
                                  "__module__": "qsym"})
    for name, row in CHANNELS.items()
}

__all__ = ["Channel", *CHANNEL_CLASSES]


def __getattr__(name: str):
    try:
        return CHANNEL_CLASSES[name]
    except KeyError:
        raise AttributeError(name) from None


def channel_class(name: str) -> type:
    """The class of channel ``name``.

    >>> channel_class("BitFlip").__name__
    'BitFlip'
    """
    channel_def(name)
    return CHANNEL_CLASSES[name]
