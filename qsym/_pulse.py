"""PennyLane's ``qml.pulse`` objects: a Hamiltonian with time-dependent coefficients
(:class:`ParametrizedHamiltonian`, made by multiplying an operator by a function
``f(p, t)``) and its time evolution (:class:`ParametrizedEvolution`), whose matrix qsym
computes by integrating Schrödinger's equation (SciPy's ``solve_ivp``, optional).
qsym's circuits do not simulate pulses: a ``ParametrizedEvolution`` in a circuit is
refused with what to do (apply its matrix as a ``qml.QubitUnitary``).

>>> import numpy as np
>>> import qsym as qml
>>> H = qml.PauliX(0) + (lambda p, t: p * t) * qml.PauliZ(0)
>>> H
(
    1 * X(0)
  + <lambda>(params_0, t) * Z(0)
)
>>> H([2.0], 0.5)
1 * X(0) + 1.0 * Z(0)
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _operations
from ._operations import OPERATORS, LinearCombination, Operation, SProd, Sum, expand_matrix
from ._trace import active_tape, not_recording, take_over
from .errors import GateError
from .wires import Wires

__all__ = ["ParametrizedHamiltonian", "ParametrizedEvolution", "constant", "addend_terms",
           "in_place_of"]


class ParametrizedHamiltonian:
    """PennyLane's ``qml.pulse.ParametrizedHamiltonian``: ``sum_i c_i O_i`` where each
    ``c_i`` is a number (fixed) or a function ``c_i(p_i, t)`` of its own parameters and the
    time; calling it with the parameters of the functions (in order) and a time gives the
    operator at that time.

    >>> import qsym as qml
    >>> H = ParametrizedHamiltonian([0.5, lambda p, t: p * t], [qml.X(0), qml.Z(1)])
    >>> H.coeffs_fixed, len(H.coeffs_parametrized), H.wires
    ([0.5], 1, Wires([0, 1]))
    """

    def __init__(self, coeffs, observables):
        if len(coeffs) != len(observables):
            raise ValueError(
                "Could not create valid Hamiltonian; number of coefficients and operators does "
                f"not match.Got len(coeffs) = {len(coeffs)} and len(observables) = "
                f"{len(observables)}.")
        self.coeffs_fixed, self.ops_fixed = [], []
        self.coeffs_parametrized, self.ops_parametrized = [], []
        for c, o in zip(coeffs, observables):
            if callable(c):
                self.coeffs_parametrized.append(c)
                self.ops_parametrized.append(o)
            else:
                self.coeffs_fixed.append(c)
                self.ops_fixed.append(o)
        self.wires = Wires.all_wires([o.wires for o in self.ops])
        in_place_of(self, self.ops)

    @property
    def coeffs(self) -> list:
        return self.coeffs_fixed + self.coeffs_parametrized

    @property
    def ops(self) -> list:
        return self.ops_fixed + self.ops_parametrized

    def H_fixed(self):  # noqa: N802  (PennyLane's name)
        """The time-independent part: a sum of scalar products (one alone as it is; ``0``
        if there is none)."""
        return _weighted(self.coeffs_fixed, self.ops_fixed)

    def H_parametrized(self, params, t):  # noqa: N802  (PennyLane's name)
        """The time-dependent part at ``params`` and time ``t``, as :meth:`H_fixed`."""
        return _weighted([f(p, t) for f, p in zip(self.coeffs_parametrized, params)],
                         self.ops_parametrized)

    def __call__(self, params, t):
        if len(params) != len(self.coeffs_parametrized):
            raise ValueError(
                "The length of the params argument and the number of scalar-valued functions "
                f"must be the same. Received len(params) = {len(params)} parameters but "
                f"expected {len(self.coeffs_parametrized)} parameters.")
        fixed, varying = self.H_fixed(), self.H_parametrized(params, t)
        if isinstance(varying, numbers.Number):
            return fixed
        if isinstance(fixed, numbers.Number):
            return varying
        with not_recording():
            return Sum(fixed, varying)  # the two parts (PennyLane's qml.sum of them)

    def term_parameters(self, params) -> list:
        """The parameter of each parametrized term, in order: ``params`` itself here; a
        hardware Hamiltonian spreads its parameters over its terms."""
        return list(params)

    def __repr__(self):
        terms = [f"{c} * {o}" for c, o in zip(self.coeffs_fixed, self.ops_fixed)]
        for i, (f, o) in enumerate(zip(self.coeffs_parametrized, self.ops_parametrized)):
            name = getattr(f, "__name__", type(f).__name__)
            terms.append(f"{name}(params_{i}, t) * " + (f"({o})" if isinstance(o, Sum) else str(o)))
        joined = "\n  + ".join(terms)
        return f"(\n    {joined}\n)"

    def map_wires(self, wire_map: dict) -> "ParametrizedHamiltonian":
        """A copy on other wires (``{old: new}``)."""
        with not_recording():
            return ParametrizedHamiltonian(self.coeffs, [o.map_wires(wire_map) for o in self.ops])

    def __add__(self, other):
        terms = addend_terms(other)
        if terms is None:
            return NotImplemented
        new = ParametrizedHamiltonian(self.coeffs + terms[0], self.ops + terms[1])
        return in_place_of(new, (self, other))

    def __radd__(self, other):
        terms = addend_terms(other)
        if terms is None:
            return NotImplemented
        new = ParametrizedHamiltonian(terms[0] + self.coeffs, terms[1] + self.ops)
        return in_place_of(new, (other, self))

    def __mul__(self, other):
        if isinstance(other, numbers.Number):
            scaled = [(lambda f: lambda p, t: other * f(p, t))(c) if callable(c) else other * c
                      for c in self.coeffs]
            return in_place_of(ParametrizedHamiltonian(scaled, self.ops), (self,))
        return NotImplemented

    __rmul__ = __mul__


def addend_terms(op):
    """``(coefficients, operators)`` an addend brings to a :class:`ParametrizedHamiltonian`
    (PennyLane's: a Hamiltonian's or parametrized Hamiltonian's terms, a scalar product's
    scalar and base, else the operator with 1); None for anything else."""
    if isinstance(op, (ParametrizedHamiltonian, LinearCombination)):
        return list(op.coeffs), list(op.ops)
    if isinstance(op, SProd):
        return [op.scalar], [op.base]
    if isinstance(op, OPERATORS):
        return [1], [op]
    return None


def in_place_of(obj, parts):
    """PennyLane's queueing of an object made of others: in a user's queue ``obj`` takes
    ``parts``' place; in a circuit being traced ``parts`` are not gates applied. Returns
    ``obj``."""
    tape = active_tape()
    if tape is not None:
        if tape.log is not None:
            take_over(obj, parts)
        else:
            for part in parts:
                tape.remove(part)
    return obj


def _weighted(coeffs, ops):
    """``sum(c_i * o_i)`` of scalar products (PennyLane's), not queued; 0 without terms."""
    if not ops:
        return 0
    with not_recording():
        terms = [SProd(c, o) for c, o in zip(coeffs, ops)]
        return terms[0] if len(terms) == 1 else Sum(*terms)


def constant(scalar, time):
    """PennyLane's ``qml.pulse.constant``: the coefficient function that is ``scalar``
    at every ``time`` (its parameter is the constant).

    >>> constant(0.7, 3.0)
    0.7
    """
    return scalar


_operations.PARAMETRIZED_HAMILTONIAN.append(ParametrizedHamiltonian)


class ParametrizedEvolution(Operation):
    """PennyLane's ``qml.pulse.ParametrizedEvolution``: the unitary of the Hamiltonian ``H``
    (a :class:`ParametrizedHamiltonian`) from time ``t[0]`` to ``t[1]`` (a number ``t``:
    from 0) at the parameters ``params``; ``op(params, t)`` binds them. Its
    :meth:`matrix` integrates ``dU/dt = -i H(t) U`` (SciPy's DOP853, ``rtol=atol=1e-10``
    unless the ``odeint_kwargs`` ``atol``, ``rtol``, ``hmax`` say otherwise; ``mxstep`` has
    no counterpart). A circuit refuses it: apply
    ``qml.QubitUnitary(op.matrix(), wires=op.wires)``.

    >>> import numpy as np
    >>> import qsym as qml
    >>> H = (lambda p, t: p) * qml.PauliZ(0)
    >>> U = ParametrizedEvolution(H, [np.pi / 2], t=1.0).matrix()  # exp(-i pi/2 Z)
    >>> np.round(U, 8)
    array([[0.-1.j, 0.+0.j],
           [0.+0.j, 0.+1.j]])
    """

    def __init__(self, H, params=None, t=None, return_intermediate=False,
                 complementary=False, dense=None, id=None, **odeint_kwargs):  # noqa: A002
        if not isinstance(H, ParametrizedHamiltonian):
            H = ParametrizedHamiltonian([1.0], [H]) if isinstance(H, OPERATORS) else H
        if not all(getattr(o, "has_matrix", True) for o in H.ops):
            raise ValueError("All operators inside the parametrized hamiltonian must have a "
                             "matrix defined.")
        spread = type(H).term_parameters is not ParametrizedHamiltonian.term_parameters
        if params is not None and not spread and len(params) != len(H.coeffs_parametrized):
            raise ValueError(
                "The length of the params argument and the number of scalar-valued functions "
                f"in the Hamiltonian must be the same. Received len(params)={len(params)} "
                f"parameters but expected {len(H.coeffs_parametrized)} parameters.")
        tape = active_tape()
        if tape is not None and tape.log is None:
            raise GateError(
                "qml.pulse.ParametrizedEvolution in a circuit: qsym does not simulate pulses; "
                "apply qml.QubitUnitary(op.matrix(), wires=op.wires) with the parameters and "
                "time bound (op(params, t))")
        self.H, self.odeint_kwargs = H, odeint_kwargs
        self._bound = params is not None  # PennyLane's: a matrix once params and t are given
        self.t = None if t is None else np.asarray(
            [0.0, float(t)] if np.ndim(t) == 0 else [float(v) for v in t], dtype=float)
        self.dense = len(H.wires) < 3 if dense is None else dense
        super().__init__(*([] if params is None else params), wires=H.wires, id=id,
                         return_intermediate=return_intermediate, complementary=complementary)

    @property
    def has_matrix(self) -> bool:
        return self.t is not None and self._bound

    def __call__(self, params, t, **odeint_kwargs):
        h = dict(self.hyper)
        return ParametrizedEvolution(self.H, params, t, h["return_intermediate"],
                                     h["complementary"], self.dense, self.id,
                                     **{**self.odeint_kwargs, **odeint_kwargs})

    def matrix(self, wire_order=None) -> np.ndarray:
        if not self.has_matrix:
            raise ValueError("The parameters and the time window are required to compute "
                             "the matrix. You can update its values by calling the class: "
                             "ParametrizedEvolution(params, t).")
        try:
            from scipy.integrate import solve_ivp
        except ImportError:  # pragma: no cover - scipy is in the test extra
            raise ImportError("the matrix of a ParametrizedEvolution is integrated with SciPy: "
                              "pip install scipy") from None
        order = list(self.wires)
        dim = 2 ** len(order)
        fixed = [c * np.asarray(o.matrix(wire_order=order)) for c, o in zip(
            self.H.coeffs_fixed, self.H.ops_fixed)]
        varying = [np.asarray(o.matrix(wire_order=order)) for o in self.H.ops_parametrized]
        params = self.H.term_parameters(list(self.params))

        def rhs(t, y):
            h = sum(fixed, np.zeros((dim, dim), dtype=complex)) + sum(
                (complex(f(p, t)) * m for f, p, m in zip(self.H.coeffs_parametrized, params,
                                                         varying)),
                np.zeros((dim, dim), dtype=complex))
            u = y[:dim * dim] + 1j * y[dim * dim:]
            du = (-1j * h @ u.reshape(dim, dim)).reshape(-1)
            return np.concatenate([du.real, du.imag])

        y0 = np.concatenate([np.eye(dim).reshape(-1), np.zeros(dim * dim)])
        given = self.odeint_kwargs  # JAX's odeint names (PennyLane's): atol, rtol, hmax
        kw = {"rtol": given.get("rtol", 1e-10), "atol": given.get("atol", 1e-10),
              "method": "DOP853", **({"max_step": given["hmax"]} if "hmax" in given else {})}
        sol = solve_ivp(rhs, (float(self.t[0]), float(self.t[-1])), y0, **kw)
        y = sol.y[:, -1]
        u = (y[:dim * dim] + 1j * y[dim * dim:]).reshape(dim, dim)
        return u if wire_order is None else expand_matrix(u, order, wire_order)


_operations.PARAMETRIZED_EVOLUTION.append(ParametrizedEvolution)
