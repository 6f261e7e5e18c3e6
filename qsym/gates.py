"""The gate table: one row per gate, as data.

Each row gives a gate's PennyLane name, its wire and parameter counts, its matrix as an
exact sympy function of its parameters, and how the statevector kernels store it
(``"dense"``: the full ``2^k x 2^k`` matrix; ``"diagonal"``: only the diagonal). The
parameter-shift rule of every parameter is *derived* from the matrix by
:mod:`qsym.rules` and proved before use; it is not written here by hand.

Matrices follow PennyLane: the first wire of a gate is the most significant bit of the
gate's matrix index.

Adding a gate costs one row here and one independently written reference matrix in
``tests/test_gate_matrices.py``.

>>> GATES["RX"].num_params, GATES["CNOT"].num_wires
(1, 2)
>>> matrix("PauliX")
array([[0.+0.j, 1.+0.j],
       [1.+0.j, 0.+0.j]])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import numpy as np
import sympy as sp

I = sp.I
_half = sp.Rational(1, 2)


def _m(rows) -> sp.Matrix:
    return sp.Matrix(rows)


def _diag(*entries) -> sp.Matrix:
    return sp.diag(*entries)


@dataclass(frozen=True)
class GateDef:
    """One row of the gate table.

    Attributes:
        name: PennyLane's name of the gate.
        num_wires: number of wires the gate acts on (0: any number, given at use).
        num_params: number of real parameters.
        matrix: ``matrix(*params)`` (``matrix(*params, num_wires=n)`` when ``num_wires`` is 0)
            returns the exact sympy matrix.
        structure: ``"dense"`` or ``"diagonal"``: how kernels store and apply it.
        pauli: for gates usable as observables, their Pauli decomposition as
            ``((coeff, "XZ..."), ...)`` over the gate's wires; ``None`` otherwise.
        doc: one line for listings.
    """

    name: str
    num_wires: int
    num_params: int
    matrix: Callable[..., sp.Matrix] = field(repr=False)
    structure: str = "dense"
    pauli: tuple | None = None
    doc: str = ""

    def sympy_matrix(self, params=None, num_wires=None) -> sp.Matrix:
        """The exact matrix, for sympy parameters (default: symbols ``p0, p1, ...``)."""
        if params is None:
            params = sp.symbols(f"p0:{self.num_params}", real=True)
        if self.num_wires == 0:
            return self.matrix(*params, num_wires=num_wires)
        return self.matrix(*params)


_s2 = 1 / sp.sqrt(2)


def _rx(t):
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    return _m([[c, -I * s], [-I * s, c]])


def _ry(t):
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    return _m([[c, -s], [s, c]])


def _rz(t):
    return _diag(sp.exp(-I * t / 2), sp.exp(I * t / 2))


def _rot(phi, theta, omega):
    # PennyLane: Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)
    c, s = sp.cos(theta / 2), sp.sin(theta / 2)
    return _m(
        [
            [sp.exp(-I * (phi + omega) / 2) * c, -sp.exp(I * (phi - omega) / 2) * s],
            [sp.exp(-I * (phi - omega) / 2) * s, sp.exp(I * (phi + omega) / 2) * c],
        ]
    )


_ROWS = [
    # --- one-qubit, fixed ---------------------------------------------------------------
    GateDef("Identity", 1, 0, lambda: sp.eye(2), "diagonal", ((1, ""),), "identity"),
    GateDef("PauliX", 1, 0, lambda: _m([[0, 1], [1, 0]]), pauli=((1, "X"),), doc="NOT"),
    GateDef("PauliY", 1, 0, lambda: _m([[0, -I], [I, 0]]), pauli=((1, "Y"),)),
    GateDef("PauliZ", 1, 0, lambda: _diag(1, -1), "diagonal", ((1, "Z"),)),
    GateDef(
        "Hadamard",
        1,
        0,
        lambda: _s2 * _m([[1, 1], [1, -1]]),
        pauli=((_s2, "X"), (_s2, "Z")),
    ),
    GateDef("S", 1, 0, lambda: _diag(1, I), "diagonal"),
    GateDef("T", 1, 0, lambda: _diag(1, sp.exp(I * sp.pi / 4)), "diagonal"),
    # --- one-qubit, parametric ----------------------------------------------------------
    GateDef("RX", 1, 1, _rx, doc="exp(-i t X/2)"),
    GateDef("RY", 1, 1, _ry, doc="exp(-i t Y/2)"),
    GateDef("RZ", 1, 1, _rz, "diagonal", doc="exp(-i t Z/2)"),
    GateDef("PhaseShift", 1, 1, lambda t: _diag(1, sp.exp(I * t)), "diagonal"),
    GateDef("Rot", 1, 3, _rot, doc="RZ(omega) RY(theta) RZ(phi)"),
    # --- two-qubit, fixed ---------------------------------------------------------------
    GateDef(
        "CNOT",
        2,
        0,
        lambda: _m([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]),
    ),
    GateDef("CZ", 2, 0, lambda: _diag(1, 1, 1, -1), "diagonal"),
    GateDef(
        "SWAP",
        2,
        0,
        lambda: _m([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]),
    ),
]

GATES: dict[str, GateDef] = {row.name: row for row in _ROWS}
"""The gate table, by name."""


def gate_def(name: str) -> GateDef:
    """The table row of gate ``name``; raises :class:`qsym.errors.GateError` if unknown."""
    try:
        return GATES[name]
    except KeyError:
        from .errors import GateError

        raise GateError(
            f"unknown gate {name!r}; qsym knows {', '.join(sorted(GATES))}"
        ) from None


@lru_cache(maxsize=None)
def numeric_matrix_function(name: str, num_wires: int | None = None):
    """A NumPy function ``f(*params) -> complex matrix`` made from the exact sympy matrix.

    Used by the reference interpreter; the compiled kernels print their own code from the
    same sympy matrix.
    """
    row = gate_def(name)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    mat = row.sympy_matrix(syms, num_wires)
    f = sp.lambdify(syms, mat, modules="numpy")

    def fn(*params):
        return np.array(f(*params), dtype=np.complex128)

    return fn


def matrix(name: str, *params, num_wires: int | None = None) -> np.ndarray:
    """The numeric matrix of gate ``name`` at the given parameter values.

    >>> np.round(matrix("RY", np.pi), 12).real
    array([[ 0., -1.],
           [ 1.,  0.]])
    """
    row = gate_def(name)
    if len(params) != row.num_params:
        from .errors import GateError

        raise GateError(f"{name} takes {row.num_params} parameter(s), got {len(params)}")
    return numeric_matrix_function(name, num_wires)(*params)
