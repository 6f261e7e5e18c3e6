"""The channel table: one :class:`ChannelDef` row per noise channel, its Kraus operators as
exact sympy matrices of its parameters (the data, as a gate row holds its matrix).

Everything else is derived from a row, never written twice:

- :func:`exact_kraus`: the row's Kraus operators at symbols or numbers;
- :func:`superoperator`: ``S = sum_K K (x) conj(K)``, the channel as one linear map of
  the density matrix (``vec(K rho K^dagger) = (K (x) conj(K)) vec(rho)``, rows
  flattened); formed in sympy, where ``sqrt(g) * sqrt(g)`` is ``g``, so ``S`` is
  polynomial or smooth in the parameters even where a Kraus operator is not (``sqrt(g)``
  at ``g = 0``), and its exact derivatives ``dS/dp`` are sympy's (``lambdify``-ed once
  per row and variant);
- :func:`kraus_matrices`: the numeric Kraus operators (PennyLane's
  ``compute_kraus_matrices``), after the row's domain check (PennyLane's ``ValueError``
  messages, as :class:`qsym.errors.GateError`, a ``ValueError``).

Conjugation treats the parameters as real and every square root's argument as
non-negative (the channel's domain, checked before any number is used): ``conj`` only
flips the explicit ``I`` of a Kraus operator (``PauliError``'s ``Y``).

>>> S = superoperator("BitFlip", 1)
>>> S.exact[0, 0], S.exact[0, 3]   # rho_00' = (1-p) rho_00 + p rho_11
(1 - p, p)
>>> [k.round(6).tolist() for k in kraus_matrices("AmplitudeDamping", (0.36,))]
[[[1.0, 0.0], [0.0, 0.8]], [[0.0, 0.6], [0.0, 0.0]]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from ._locks import new_lock
from ._lambdify import lambdify
from .errors import GateError

_I2 = sp.eye(2)
_PAULI = {"I": _I2, "X": sp.Matrix([[0, 1], [1, 0]]), "Y": sp.Matrix([[0, -sp.I], [sp.I, 0]]),
          "Z": sp.Matrix([[1, 0], [0, -1]])}


@dataclass(frozen=True)
class ChannelDef:
    """One channel of the table.

    Attributes:
        name: PennyLane's name.
        num_wires: its wire count (0: any number, given by the wires it is applied to).
        params: PennyLane's parameter names, in order.
        kraus: ``kraus(params, num_wires, hyper) -> [sympy Matrix]`` (params: sympy
            expressions, hyper: a dict).
        domain: ``domain(values, hyper) -> message or None`` for numeric parameters
            (PennyLane's ``ValueError`` message).
        hyper: hyperparameter names (``PauliError``'s ``operators``, ``QubitChannel``'s
            ``K_list``), given before the parameters as in PennyLane.
        doc: one line for the API reference.
    """

    name: str
    num_wires: int
    params: tuple
    kraus: Callable
    domain: Callable
    hyper: tuple = ()
    doc: str = ""


def _interval(name, v, end="."):
    return None if 0.0 <= v <= 1.0 else f"{name} must be in the interval [0,1]{end}"


def _first(*messages):
    return next((m for m in messages if m), None)


def _damping(g):
    return [sp.Matrix([[1, 0], [0, sp.sqrt(1 - g)]]), sp.Matrix([[0, sp.sqrt(g)], [0, 0]])]


def _generalized(g, p):
    """PennyLane's: damping towards |0> with weight ``1 - p``, towards |1> with ``p``."""
    k0, k1 = _damping(g)
    return [sp.sqrt(1 - p) * k0, sp.sqrt(1 - p) * k1,
            sp.sqrt(p) * sp.Matrix([[sp.sqrt(1 - g), 0], [0, 1]]),
            sp.sqrt(p) * sp.Matrix([[0, 0], [sp.sqrt(g), 0]])]


def _pauli_word(operators: str) -> sp.Matrix:
    out = sp.Matrix([[1]])
    for letter in operators:  # the first operator on the first wire (most significant)
        out = sp.kronecker_product(out, _PAULI[letter])
    return out


def _thermal(pe, t1, t2, tg):
    """PennyLane's ``T_2 <= T_1`` Kraus form; its superoperator is the channel's for every
    ``T_2 <= 2 T_1`` (the other regime's Choi matrix gives the same map: populations relax
    to ``(1 - pe, pe)`` with probability ``1 - exp(-tg/T_1)``, coherences decay by
    ``exp(-tg/T_2)``)."""
    e1, e2 = sp.exp(-tg / t1), sp.exp(-tg / t2)
    reset = 1 - e1
    pz = (1 - reset) * (1 - e2 / e1) / 2
    pr0, pr1 = (1 - pe) * reset, pe * reset
    pid = 1 - pz - pr0 - pr1
    m = sp.Matrix
    return [sp.sqrt(pid) * _I2, sp.sqrt(pz) * _PAULI["Z"], sp.sqrt(pr0) * m([[1, 0], [0, 0]]),
            sp.sqrt(pr0) * m([[0, 1], [0, 0]]), sp.sqrt(pr1) * m([[0, 0], [1, 0]]),
            sp.sqrt(pr1) * m([[0, 0], [0, 1]])]


def _thermal_domain(v, hyper):
    pe, t1, t2, tg = v
    if not 0.0 <= pe <= 1.0:
        return "pe must be between 0 and 1."
    if tg < 0:
        return f"Invalid gate_time tg ({tg} < 0)"
    if t1 <= 0:
        return "Invalid T_1 relaxation time parameter: T_1 <= 0."
    if t2 <= 0:
        return "Invalid T_2 relaxation time parameter: T_2 <= 0."
    if t2 - 2 * t1 > 0:
        return "Invalid T_2 relaxation time parameter: T_2 greater than 2 * T_1."
    return None


def _given(params, n, hyper):
    return [sp.Matrix(k) for k in hyper["K_list"]]


_ROWS = (
    ChannelDef("AmplitudeDamping", 1, ("gamma",), lambda p, n, h: _damping(p[0]),
               lambda v, h: _interval("gamma", v[0]),
               doc="Amplitude damping: |1> decays to |0> with probability gamma."),
    ChannelDef("GeneralizedAmplitudeDamping", 1, ("gamma", "p"),
               lambda p, n, h: _generalized(*p),
               lambda v, h: _first(_interval("gamma", v[0]), _interval("p", v[1])),
               doc="Generalized amplitude damping: decay towards the thermal state with "
                   "excited population p."),
    ChannelDef("PhaseDamping", 1, ("gamma",),
               lambda p, n, h: [sp.Matrix([[1, 0], [0, sp.sqrt(1 - p[0])]]),
                                sp.Matrix([[0, 0], [0, sp.sqrt(p[0])]])],
               lambda v, h: _interval("gamma", v[0]),
               doc="Phase damping: coherences shrink by sqrt(1 - gamma)."),
    ChannelDef("DepolarizingChannel", 1, ("p",),
               lambda p, n, h: [sp.sqrt(1 - p[0]) * _I2] + [sp.sqrt(p[0] / 3) * _PAULI[c]
                                                           for c in "XYZ"],
               lambda v, h: _interval("p", v[0], ""),
               doc="Depolarizing: X, Y or Z, each with probability p / 3."),
    ChannelDef("BitFlip", 1, ("p",),
               lambda p, n, h: [sp.sqrt(1 - p[0]) * _I2, sp.sqrt(p[0]) * _PAULI["X"]],
               lambda v, h: _interval("p", v[0], ""), doc="Bit flip: X with probability p."),
    ChannelDef("PhaseFlip", 1, ("p",),
               lambda p, n, h: [sp.sqrt(1 - p[0]) * _I2, sp.sqrt(p[0]) * _PAULI["Z"]],
               lambda v, h: _interval("p", v[0], ""), doc="Phase flip: Z with probability p."),
    ChannelDef("ResetError", 1, ("p0", "p1"),
               lambda p, n, h: [sp.sqrt(1 - p[0] - p[1]) * _I2,
                                sp.sqrt(p[0]) * sp.Matrix([[1, 0], [0, 0]]),
                                sp.sqrt(p[0]) * sp.Matrix([[0, 1], [0, 0]]),
                                sp.sqrt(p[1]) * sp.Matrix([[0, 0], [1, 0]]),
                                sp.sqrt(p[1]) * sp.Matrix([[0, 0], [0, 1]])],
               lambda v, h: _first(_interval("p_0", v[0], ""), _interval("p_1", v[1], ""),
                                   _interval("p_0 + p_1", v[0] + v[1], "")),
               doc="Reset error: to |0> with probability p_0, to |1> with probability p_1."),
    ChannelDef("PauliError", 0, ("p",),
               lambda p, n, h: [sp.sqrt(1 - p[0]) * sp.eye(2 ** n),
                                sp.sqrt(p[0]) * _pauli_word(h["operators"])],
               lambda v, h: _interval("p", v[0], ""), hyper=("operators",),
               doc="Pauli error: the Pauli word `operators` with probability p."),
    ChannelDef("ThermalRelaxationError", 1, ("pe", "t1", "t2", "tg"),
               lambda p, n, h: _thermal(*p), _thermal_domain,
               doc="Thermal relaxation (T1, T2) over a gate time tg."),
    ChannelDef("QubitChannel", 0, (), _given, lambda v, h: None, hyper=("K_list",),
               doc="A fixed channel given by its Kraus matrices."),
)

CHANNELS: dict = {row.name: row for row in _ROWS}


def channel_def(name: str) -> ChannelDef:
    """The row of channel ``name``.

    >>> channel_def("BitFlip").params
    ('p',)
    """
    try:
        return CHANNELS[name]
    except KeyError:
        raise GateError(f"unknown channel {name!r}; the channels: {', '.join(CHANNELS)}") from None


def is_channel(name: str) -> bool:
    """Whether ``name`` is a channel of the table.

    >>> is_channel("PhaseDamping"), is_channel("RX")
    (True, False)
    """
    return name in CHANNELS


def parameter_symbols(name: str) -> tuple:
    """Real symbols named after the row's parameters.

    >>> parameter_symbols("ResetError")
    (p0, p1)
    """
    return tuple(sp.Symbol(p, real=True) for p in channel_def(name).params)


def exact_kraus(name: str, params=None, num_wires: int = 1, hyper=()) -> list:
    """The row's Kraus operators as sympy matrices at ``params`` (default: its symbols).

    >>> exact_kraus("PhaseFlip")[1]
    Matrix([
    [sqrt(p),        0],
    [      0, -sqrt(p)]])
    """
    row = channel_def(name)
    params = parameter_symbols(name) if params is None else tuple(map(sp.sympify, params))
    return row.kraus(params, row.num_wires or num_wires, dict(hyper))


def _conj(m: sp.Matrix) -> sp.Matrix:
    return m.applyfunc(lambda e: sp.sympify(e).xreplace({sp.I: -sp.I}))


@dataclass(frozen=True)
class Superoperator:
    """A row's superoperator ``S`` (``4^k x 4^k``) for one variant (wire count and
    hyperparameters): exact, as a numeric function of the parameters, and the numeric
    functions of its derivative by each parameter."""

    exact: sp.Matrix
    symbols: tuple
    value: Callable
    derivatives: tuple

    def at(self, values) -> np.ndarray:
        """``S`` at numeric parameters (complex ``4^k x 4^k``)."""
        return np.asarray(self.value(*values), dtype=complex)

    def derivative_at(self, pos: int, values) -> np.ndarray:
        """``dS/dp_pos`` at numeric parameters (``inf`` where it is singular:
        ``sqrt(1 - gamma)`` at ``gamma = 1``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.derivatives[pos](*values), dtype=complex)


_MEMO: dict = {}
_LOCK = new_lock()


def _hyper_key(hyper) -> tuple:
    return tuple(hyper)


def superoperator(name: str, num_wires: int = 1, hyper=()) -> Superoperator:
    """The superoperator of channel ``name`` on ``num_wires`` wires with ``hyper``
    (memoized per variant).

    >>> S = superoperator("AmplitudeDamping")
    >>> S.exact[0, 3], S.exact[3, 3], S.exact[1, 1]   # the sqrt's squared away
    (gamma, 1 - gamma, sqrt(1 - gamma))
    >>> float(S.derivative_at(0, [0.0]).real[0, 3])
    1.0
    """
    key = (name, num_wires, _hyper_key(hyper))
    with _LOCK:
        hit = _MEMO.get(key)
    if hit is not None:
        return hit
    syms = parameter_symbols(name)
    kraus = exact_kraus(name, syms, num_wires, hyper)
    dim = kraus[0].shape[0]
    S = sp.zeros(dim * dim, dim * dim)
    for k in kraus:
        S += sp.kronecker_product(k, _conj(k))
    S = S.applyfunc(sp.expand)
    value = lambdify(syms, S)
    derivs = tuple(lambdify(syms, S.diff(s).applyfunc(sp.expand)) for s in syms)
    out = Superoperator(S, syms, value, derivs)
    with _LOCK:
        _MEMO[key] = out
    return out


def check_domain(name: str, values, hyper=()) -> None:
    """Raise :class:`GateError` (a ``ValueError``) with PennyLane's message if numeric
    ``values`` are outside the channel's domain.

    >>> check_domain("BitFlip", [1.5])
    Traceback (most recent call last):
        ...
    qsym.errors.GateError: p must be in the interval [0,1]
    """
    message = channel_def(name).domain([float(v) for v in values], dict(hyper))
    if message:
        raise GateError(message)


def kraus_matrices(name: str, values, num_wires: int = 1, hyper=()) -> list:
    """The numeric Kraus operators at ``values`` (PennyLane's ``compute_kraus_matrices``),
    after :func:`check_domain`. ``ThermalRelaxationError`` with ``T_2 > T_1`` gives a
    Kraus form of its Choi matrix (``sqrt(lambda) * v`` per eigenpair).

    >>> [k.real.round(3).tolist() for k in kraus_matrices("BitFlip", [0.36])]
    [[[0.8, 0.0], [0.0, 0.8]], [[0.0, 0.6], [0.6, 0.0]]]
    """
    check_domain(name, values, hyper)
    if name == "ThermalRelaxationError" and values[2] > values[1]:
        return _choi_kraus(superoperator(name).at(values))
    out = [np.asarray(k, dtype=complex) for k in _kraus_function(name, num_wires, hyper)(
        *[float(v) for v in values])]
    if all(np.all(k.imag == 0) for k in out):
        return [k.real for k in out]
    return out


def _pennylane_order(vecs, lam) -> list:
    """PennyLane's order of the Kraus operators of the ``T_2 > T_1`` thermal relaxation:
    the decay ``|1><0|``, the excitation ``|0><1|``, then the diagonal ones by eigenvalue."""
    def key(i):
        v = np.abs(vecs[:, i]) > 1e-12  # entries (0,0), (0,1), (1,0), (1,1)
        return (0 if v[2] else 1 if v[1] else 2, lam[i])
    return sorted(range(len(lam)), key=key)


def _kraus_function(name, num_wires, hyper):
    """The row's Kraus operators as one NumPy function of the parameters (memoized per
    variant; ``T_1 = inf`` is no relaxation, as in PennyLane)."""
    key = ("kraus", name, num_wires, _hyper_key(hyper))
    with _LOCK:
        hit = _MEMO.get(key)
    if hit is None:
        syms = parameter_symbols(name)
        ks = exact_kraus(name, syms, num_wires, hyper)
        f = lambdify(syms, [k.tolist() for k in ks])

        def hit(*values, f=f):
            with np.errstate(divide="ignore", invalid="ignore"):
                return f(*values)

        with _LOCK:
            _MEMO[key] = hit
    return hit


def _choi_kraus(S: np.ndarray) -> list:
    """Kraus operators of the superoperator ``S`` of one wire (from its Choi matrix)."""
    choi = S.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)  # (i a),(j b)
    lam, vecs = np.linalg.eigh(choi)
    out = []
    for i in _pennylane_order(vecs, lam):
        l = lam[i]
        k = np.sqrt(max(l, 0.0)) * vecs[:, i].reshape(2, 2)
        big = np.flatnonzero(np.abs(k.ravel()) > 1e-12)
        if big.size:  # PennyLane's signs: the last nonzero entry positive
            k = k * np.conj(k.ravel()[big[-1]]) / abs(k.ravel()[big[-1]])
        out.append(k.real + 0.0 if np.all(np.abs(k.imag) < 1e-15) else k)
    # PennyLane's six operators: the rank-4 map's four, then zeros
    return out + [np.zeros((2, 2))] * (6 - len(out))
