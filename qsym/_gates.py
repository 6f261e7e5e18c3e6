"""The gate table: one row per gate, as data.

Each row gives a gate's PennyLane name, its wire and parameter counts, its matrix as an
exact sympy function of its parameters, and how the statevector kernels store it
(``structure``: ``"dense"``, ``"real"``, ``"diagonal"`` or ``"controlled_x"``; gates on any
number of wires also give a structured ``form``, ``"pauli"`` or ``"pcphase"``, used from
:data:`STRUCTURED_MIN_WIRES` wires on: :func:`storage`). The parameter-shift rule of every
parameter is *derived* from the matrix by :mod:`qsym.rules` and proved before use; it is
not written here by hand.

All gate state has one owner, :data:`REGISTRY`: the rows, their versions, and who must
forget a definition when it changes (:class:`GateRegistry`).

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

import hashlib
import weakref
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from types import MappingProxyType
from typing import Callable

import numpy as np
import sympy as sp

from ._locks import new_rlock
from ._lambdify import lambdify
from ._channels import is_channel
from ._kernels import PAULI_MATRICES

I = sp.I


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
        structure: how kernels store and apply it: ``"dense"``, ``"real"`` (dense with a
            real matrix for every real parameter: the kernels do real arithmetic on the
            real and imaginary parts separately, which vectorizes; the tests prove the
            matrix real), ``"diagonal"`` (the diagonal is stored), or ``"controlled_x"`` (X
            on the last wire where every other wire is 1: applied as a permutation of
            amplitudes, no arithmetic; stored dense).
        pauli: for gates usable as observables, their Pauli decomposition as
            ``((coeff, "XZ..."), ...)`` over the gate's wires; ``None`` otherwise.
        doc: one line for listings.
        hyper: names of the gate's hyperparameters (fixed, never differentiated), which
            ``matrix`` takes as keyword arguments: ``pauli_word``, ``dim``, ``U`` ...
            They come after the parameters in the gate's call, as in PennyLane.
        generator: for one-parameter gates ``U(t) = exp(-i t G)``, a function of the same
            keyword arguments as ``matrix`` (but no parameter) returning the exact ``G``;
            ``qsym rules --verify`` proves the identity and that G's eigenvalue
            differences are the frequencies found in the matrix.
        examples: for gates on any number of wires, the ``(num_wires, hyper)`` variants
            that ``qsym rules`` lists and proves.
        form: for gates on any number of wires, a structured form used from
            :data:`STRUCTURED_MIN_WIRES` wires on instead of a stored dense matrix or
            diagonal (whose size is ``4^k`` or ``2^k``): ``(kind, values, masks)``, see
            :func:`structured`.
        numeric: a NumPy function ``numeric(*params, num_wires=, **hyper)`` of the full
            matrix, for the reference interpreter without a sympy matrix of ``4^k``
            entries (written independently of ``form``; tests compare it with ``matrix``).
        rule_variant: ``rule_variant(num_wires, hyper) -> (num_wires, hyper)``: a small
            variant with the same parameter frequencies, whose rule is derived instead of
            the ``k``-wire matrix's (the reason is given at each row; tested exactly for
            small ``k``).
        rule_gate: for a row of fixed wires, another row whose shift rules its parameters
            take (the same frequencies from a smaller matrix: ``qml.ctrl``'s rows on many
            controls take the one-control row's; a controlled generator's spectrum is the
            base's and 0 for any number of controls).
        definition: for a row made from other rows, a text that identifies its definition
            (:func:`definition_key`) without its matrix: ``qml.ctrl``'s rows name their base,
            its key and the controls (the matrix of ``4^(k+m)`` sympy entries took minutes
            to print on 14 wires).
    """

    name: str
    num_wires: int
    num_params: int
    matrix: Callable[..., sp.Matrix] = field(repr=False)
    structure: str = "dense"
    pauli: tuple | None = None
    doc: str = ""
    hyper: tuple = ()
    generator: Callable[..., sp.Matrix] | None = field(default=None, repr=False)
    examples: tuple = ()
    form: Callable | None = field(default=None, repr=False)
    numeric: Callable | None = field(default=None, repr=False)
    rule_variant: Callable | None = field(default=None, repr=False)
    rule_gate: str | None = None
    definition: str | None = None

    def sympy_matrix(self, params=None, num_wires=None, hyper=()) -> sp.Matrix:
        """The exact matrix, for sympy parameters (default: symbols ``p0, p1, ...``).

        ``hyper`` is a tuple of ``(name, value)`` pairs (see :func:`hyper_items`).
        """
        if params is None:
            params = sp.symbols(f"p0:{self.num_params}", real=True)
        kwargs = dict(hyper)
        if self.num_wires == 0:
            kwargs["num_wires"] = num_wires
        return self.matrix(*params, **kwargs)

    def sympy_generator(self, num_wires=None, hyper=()) -> sp.Matrix | None:
        """The exact generator ``G`` with ``U(t) = exp(-i t G)``, or None if not given."""
        if self.generator is None:
            return None
        kwargs = dict(hyper)
        if self.num_wires == 0:
            kwargs["num_wires"] = num_wires
        return self.generator(**kwargs)

    def variants(self) -> tuple:
        """``(num_wires, hyper)`` of the variants to list and verify (one for fixed gates)."""
        return self.examples or ((None, ()),)


_s2 = 1 / sp.sqrt(2)
_half = sp.Rational(1, 2)


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


def _c(t):
    return sp.cos(t / 2)


def _s(t):
    return sp.sin(t / 2)


def _controlled(u: sp.Matrix, controls: int = 1) -> sp.Matrix:
    """``u`` on the trailing wires, applied when all leading control wires are |1>."""
    dim = 2**controls * u.rows
    m = sp.eye(dim)
    m[dim - u.rows :, dim - u.cols :] = u
    return m


PAULI = PAULI_MATRICES  # one definition, in the kernel library (exports carry it)
"""The Pauli matrices as NumPy arrays, by letter (``pauli_matrix`` gives exact words)."""


def pauli_matrix(word: str) -> sp.Matrix:
    """The exact matrix of a Pauli word, one letter per wire (wire 0 first).

    >>> pauli_matrix("XZ")
    Matrix([
    [0,  0, 1,  0],
    [0,  0, 0, -1],
    [1,  0, 0,  0],
    [0, -1, 0,  0]])
    """
    out = sp.Matrix([[1]])
    for p in word:
        out = sp.kronecker_product(out, _PAULI_EXACT[p])
    return out


_PAULI_EXACT = {"I": sp.eye(2), "X": sp.Matrix([[0, 1], [1, 0]]),
                "Y": sp.Matrix([[0, -I], [I, 0]]), "Z": sp.diag(1, -1)}


def _exp_half_spectrum(t, g: sp.Matrix) -> sp.Matrix:
    """``exp(-i t g)`` for a Hermitian ``g`` with eigenvalues in {0, +1/2, -1/2}: then
    ``g**3 = g/4`` and the series sums to ``1 - 2i sin(t/2) g + 4 (cos(t/2) - 1) g**2``."""
    return sp.eye(g.rows) - 2 * I * _s(t) * g + 4 * (_c(t) - 1) * g * g


def _pauli_sum(*terms) -> sp.Matrix:
    return sum((c * pauli_matrix(w) for c, w in terms), sp.zeros(2 ** len(terms[0][1])))


def _single_excitation(t, outside=1):
    c, s = _c(t), _s(t)
    return _m([[outside, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, outside]])


def _double_excitation(t, outside=1):
    # the rotation between |0011> (index 3) and |1100> (index 12); ``outside`` elsewhere
    m = sp.diag(*([outside] * 16))
    c, s = _c(t), _s(t)
    m[3, 3], m[3, 12], m[12, 3], m[12, 12] = c, -s, s, c
    return m


def _orbital_rotation(t):
    # PennyLane's OrbitalRotation: a spin-up and a spin-down single excitation between
    # spatial orbitals (wires 0,2 and 1,3) with Jordan-Wigner signs; its generator is
    # -(XZYI - YZXI + IXZY - IYZX)/4, a sum of two commuting parts with spectra {0, +-1/2}
    q = sp.Rational(1, 4)
    g1 = _pauli_sum((-q, "XZYI"), (q, "YZXI"))
    g2 = _pauli_sum((-q, "IXZY"), (q, "IYZX"))
    return _exp_half_spectrum(t, g1) * _exp_half_spectrum(t, g2)


def _multi_rz(t, num_wires):
    # diagonal: exp(-i t/2) on even parity, exp(+i t/2) on odd
    return _diag(*[sp.exp(-I * t / 2 * (-1) ** bin(b).count("1")) for b in range(2**num_wires)])


def _pauli_rot(t, pauli_word):
    return sp.cos(t / 2) * sp.eye(2 ** len(pauli_word)) - I * sp.sin(t / 2) * pauli_matrix(
        pauli_word
    )


def _pc_phase(t, dim, num_wires):
    # PennyLane: exp(i t (2 P - 1)), P the projector on the first ``dim`` basis states
    return _diag(*[sp.exp(I * t) if b < dim else sp.exp(-I * t) for b in range(2**num_wires)])


def _multi_controlled_x(num_wires, control_values=None):
    n = num_wires
    values = control_values if control_values is not None else (1,) * (n - 1)
    m = sp.eye(2**n)
    base = 0
    for v in values:
        base = (base << 1) | int(v)
    i0, i1 = base << 1, (base << 1) | 1
    m[i0, i0] = m[i1, i1] = 0
    m[i0, i1] = m[i1, i0] = 1
    return m


def _qubit_unitary(U):
    return sp.Matrix([[sp.nsimplify(0) + complex(v) for v in row] for row in U])


# --- gates on many wires: structured forms instead of 2^k x 2^k matrices -----------------
# A dense k-wire matrix has 4^k entries and a diagonal 2^k; printed as code (parametric
# gates) or stored (constant ones) they make what is compiled grow exponentially (a
# 6-wire PauliRot: 8192 printed numbers, minutes of numba compile). From
# STRUCTURED_MIN_WIRES wires on, the gates on any number of wires are stored as a few
# numbers that a kernel of their own applies (qsym._kernels.apply_pauli, apply_pcphase):
#
# - "pauli": ``a I + b P`` for a Pauli word ``P`` on the states whose control wires hold
#   their control values (the identity on the others): PauliRot and MultiRZ
#   (``cos(t/2) I - i sin(t/2) P``), GlobalPhase and Identity (``b = 0``),
#   MultiControlledX (``a = 0, b = 1``, ``P = X`` on the target). Stored: ``a, b`` and three
#   complex numbers holding integer masks over the gate's own wires (first wire most
#   significant): ``flip + i z`` (X or Y; Y or Z), ``ny`` (the number of Y), ``cmask + i
#   cval`` (control wires; their values).
# - "pcphase": PCPhase, ``e^{it}`` on the first ``dim`` basis states and ``e^{-it}`` on the
#   others. Stored: the two phases and ``dim``.
#
# Derivatives and adjoints keep the form: ``d/dt (a I + b P) = a' I + b' P``,
# ``(a I + b P)^+ = a* I + b* P`` (P is Hermitian), so shifted, derivative and adjoint
# matrices are stored the same way. (A controlled form with parameters would need the
# derivative to vanish off the control states: none exists.)
STRUCTURED_MIN_WIRES = 4  # up to 3 wires: a dense matrix (64 entries) or diagonal (8)


def _word_masks(word: str) -> tuple:
    """``(flip, z, ny)`` of a Pauli word over its own positions (first letter most
    significant)."""
    k = len(word)
    flip = z = ny = 0
    for q, letter in enumerate(word):
        bit = 1 << (k - 1 - q)
        if letter in "XY":
            flip |= bit
        if letter in "YZ":
            z |= bit
        ny += letter == "Y"
    return flip, z, ny


def _pauli_form(a, b, word: str, cmask: int = 0, cval: int = 0) -> tuple:
    flip, z, ny = _word_masks(word)
    return "pauli", (a, b), (flip, z, ny, cmask, cval)


def controlled_pauli_form(a, b, word: str, k: int) -> tuple:
    """The ``"pauli"`` form of ``a I + b P`` (``P`` the Pauli ``word`` on the last wires)
    controlled by ``k`` wires before them (all on 1): ``qml.ctrl``'s controlled rows.

    >>> controlled_pauli_form(0, 1, "X", 2)
    ('pauli', (0, 1), (1, 0, 0, 6, 6))
    """
    cmask = ((1 << k) - 1) << len(word)
    return _pauli_form(a, b, "I" * k + word, cmask, cmask)


def pauli_span(mat: sp.Matrix) -> tuple | None:
    """``(a, b, word)`` with ``mat == a I + b P`` exactly, ``P`` the Pauli ``word`` (all
    ``"I"`` when ``b`` is 0), for the matrix of a gate on a few wires (its entries functions
    of its parameters): RX, RY, RZ, PhaseShift, IsingXX, ... (``cos(t/2) I - i sin(t/2) P``,
    ``(1 + e^{it})/2 I + (1 - e^{it})/2 Z``); None for any other (IsingXY, Rot, ...).

    >>> t = sp.Symbol("t", real=True)
    >>> pauli_span(sp.diag(1, sp.exp(sp.I * t)))
    (exp(I*t)/2 + 1/2, 1/2 - exp(I*t)/2, 'Z')
    >>> pauli_span(sp.Matrix([[1, 0], [0, sp.I]]) * sp.Matrix([[0, 1], [1, 0]])) is None
    True
    """
    import itertools

    d = mat.rows
    m = d.bit_length() - 1
    if mat.cols != d or d != 1 << m or m > 3:
        return None
    syms = sorted(mat.free_symbols, key=str)
    rng = np.random.default_rng(7)
    points = [dict(zip(syms, rng.uniform(-3, 3, len(syms)))) for _ in range(2)]
    numeric = [np.array(mat.subs(pt).evalf(), dtype=complex) for pt in points]
    words = []
    for letters in itertools.product("IXYZ", repeat=m):
        word = "".join(letters)
        if word != "I" * m and any(abs(np.trace(_np_pauli(word) @ u)) > 1e-9 for u in numeric):
            words.append(word)
    if len(words) > 1:
        return None
    word = words[0] if words else "I" * m
    P = pauli_matrix(word)
    a = sp.expand(mat.trace() / d)
    b = sp.expand((P * mat).trace() / d) if words else sp.S.Zero
    if any(sp.expand(e) != 0 and sp.simplify(e) != 0 for e in mat - a * sp.eye(d) - b * P):
        return None  # (proved exactly: expand settles the table's gates, simplify the rest)
    return a, b, word


def _mcx_form(num_wires, control_values=None) -> tuple:
    values = control_values if control_values is not None else (1,) * (num_wires - 1)
    cval = 0
    for v in values:
        cval = (cval << 1) | int(v)
    cmask = ((1 << num_wires) - 1) ^ 1  # every wire but the last (the target)
    return _pauli_form(sp.S.Zero, sp.S.One, "I" * (num_wires - 1) + "X", cmask, cval << 1)


def _np_pauli(word: str) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for letter in word:
        out = np.kron(out, PAULI[letter])
    return out


def _np_parity_signs(num_wires: int) -> np.ndarray:
    b = np.arange(2**num_wires)
    return np.array([(-1) ** bin(int(v)).count("1") for v in b], dtype=float)


def _np_mcx(num_wires, control_values=None) -> np.ndarray:
    m = np.eye(2**num_wires, dtype=complex)
    base = 0
    for v in control_values if control_values is not None else (1,) * (num_wires - 1):
        base = (base << 1) | int(v)
    i0, i1 = base << 1, (base << 1) | 1
    m[[i0, i1]] = m[[i1, i0]]
    return m


def _rule_pauli_word(num_wires, hyper):
    # exp(-i t P/2): P/2 has eigenvalues +-1/2 for every word but the identity (frequency
    # 1, as the one-letter word); the identity word is a global phase (no frequency)
    word = dict(hyper)["pauli_word"]
    letters = [p for p in word if p != "I"]
    return 1, (("pauli_word", letters[0] if letters else "I"),)


def _rule_pcphase(num_wires, hyper):
    # generator 1 - 2P: eigenvalues +-1 when 0 < dim < 2^k (frequency 2, as dim 1 of 2),
    # a global phase otherwise (as dim 0 or 2 of 2)
    dim = dict(hyper)["dim"]
    return 1, (("dim", 0 if dim == 0 else (2 if dim == 2**num_wires else 1)),)


def _rule_one_wire(num_wires, hyper):
    # MultiRZ: Z..Z/2 has eigenvalues +-1/2 (as RZ's, frequency 1); GlobalPhase: a phase
    return 1, hyper


_P1 = sp.diag(0, 1)  # |1><1|


def _proj(n_states: int, *indices) -> sp.Matrix:
    m = sp.zeros(n_states)
    for i in indices:
        m[i, i] = 1
    return m


def _subspace_y(n_states: int, a: int, b: int) -> sp.Matrix:
    """Y/2 on the two-dimensional subspace spanned by basis states a and b."""
    m = sp.zeros(n_states)
    m[a, b], m[b, a] = -I / 2, I / 2
    return m


_Q = sp.Rational(1, 4)
_SE_G = _subspace_y(4, 0b01, 0b10)  # = (YX - XY)/4
_DE_G = _subspace_y(16, 0b0011, 0b1100)
_DE_OUT = sp.eye(16) - _proj(16, 0b0011, 0b1100)

_ROWS = [
    # --- one-qubit, fixed ---------------------------------------------------------------
    GateDef(
        "Identity", 0, 0, lambda num_wires: sp.eye(2**num_wires), "diagonal", ((1, ""),),
        "identity (any number of wires)",
        form=lambda num_wires: _pauli_form(sp.S.One, sp.S.Zero, "I" * num_wires),
        numeric=lambda num_wires: np.eye(2**num_wires, dtype=complex),
    ),
    GateDef("PauliX", 1, 0, lambda: _m([[0, 1], [1, 0]]), "real", ((1, "X"),), "NOT"),
    GateDef("PauliY", 1, 0, lambda: _m([[0, -I], [I, 0]]), pauli=((1, "Y"),)),
    GateDef("PauliZ", 1, 0, lambda: _diag(1, -1), "diagonal", ((1, "Z"),)),
    GateDef(
        "Hadamard",
        1,
        0,
        lambda: _s2 * _m([[1, 1], [1, -1]]),
        "real",
        pauli=((_s2, "X"), (_s2, "Z")),
    ),
    GateDef("S", 1, 0, lambda: _diag(1, I), "diagonal"),
    GateDef("T", 1, 0, lambda: _diag(1, sp.exp(I * sp.pi / 4)), "diagonal"),
    GateDef("SX", 1, 0, lambda: _m([[1 + I, 1 - I], [1 - I, 1 + I]]) / 2, doc="sqrt(X)"),
    # --- one-qubit, parametric ----------------------------------------------------------
    GateDef("RX", 1, 1, _rx, doc="exp(-i t X/2)", generator=lambda: pauli_matrix("X") / 2),
    GateDef("RY", 1, 1, _ry, "real", doc="exp(-i t Y/2)", generator=lambda: pauli_matrix("Y") / 2),
    GateDef("RZ", 1, 1, _rz, "diagonal", doc="exp(-i t Z/2)",
            generator=lambda: pauli_matrix("Z") / 2),
    GateDef("PhaseShift", 1, 1, lambda t: _diag(1, sp.exp(I * t)), "diagonal",
            generator=lambda: -_P1),
    GateDef("U1", 1, 1, lambda t: _diag(1, sp.exp(I * t)), "diagonal", doc="= PhaseShift",
            generator=lambda: -_P1),
    GateDef(
        "U2", 1, 2,
        lambda phi, delta: _s2 * _m([[1, -sp.exp(I * delta)],
                                     [sp.exp(I * phi), sp.exp(I * (phi + delta))]]),
    ),
    GateDef(
        "U3", 1, 3,
        lambda theta, phi, delta: _m(
            [[_c(theta), -sp.exp(I * delta) * _s(theta)],
             [sp.exp(I * phi) * _s(theta), sp.exp(I * (phi + delta)) * _c(theta)]]
        ),
    ),
    GateDef("Rot", 1, 3, _rot, doc="RZ(omega) RY(theta) RZ(phi)"),
    # --- two-qubit, fixed ---------------------------------------------------------------
    GateDef("CNOT", 2, 0, lambda: _controlled(_m([[0, 1], [1, 0]])), "controlled_x"),
    GateDef("CY", 2, 0, lambda: _controlled(_m([[0, -I], [I, 0]]))),
    GateDef("CZ", 2, 0, lambda: _diag(1, 1, 1, -1), "diagonal"),
    GateDef(
        "SWAP", 2, 0, lambda: _m([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]),
        "real",
    ),
    GateDef(
        "ISWAP", 2, 0, lambda: _m([[1, 0, 0, 0], [0, 0, I, 0], [0, I, 0, 0], [0, 0, 0, 1]])
    ),
    GateDef("SISWAP", 2, 0, lambda: _m([[1, 0, 0, 0], [0, _s2, I * _s2, 0],
                                        [0, I * _s2, _s2, 0], [0, 0, 0, 1]]),
            doc="square root of ISWAP"),
    GateDef("ECR", 2, 0, lambda: _s2 * _m([[0, 0, 1, I], [0, 0, I, 1], [1, -I, 0, 0],
                                         [-I, 1, 0, 0]]), doc="echoed cross-resonance"),
    GateDef("CH", 2, 0, lambda: _controlled(_s2 * _m([[1, 1], [1, -1]])), "real",
            doc="controlled Hadamard"),
    # --- two-qubit, parametric ----------------------------------------------------------
    GateDef("CPhaseShift00", 2, 1, lambda t: _diag(sp.exp(I * t), 1, 1, 1), "diagonal",
            doc="phase exp(i t) on |00>", generator=lambda: -_proj(4, 0)),
    GateDef("CPhaseShift01", 2, 1, lambda t: _diag(1, sp.exp(I * t), 1, 1), "diagonal",
            doc="phase exp(i t) on |01>", generator=lambda: -_proj(4, 1)),
    GateDef("CPhaseShift10", 2, 1, lambda t: _diag(1, 1, sp.exp(I * t), 1), "diagonal",
            doc="phase exp(i t) on |10>", generator=lambda: -_proj(4, 2)),
    GateDef(
        "FermionicSWAP", 2, 1,
        lambda t: _m([[1, 0, 0, 0],
                      [0, sp.exp(I * t / 2) * _c(t), -I * sp.exp(I * t / 2) * _s(t), 0],
                      [0, -I * sp.exp(I * t / 2) * _s(t), sp.exp(I * t / 2) * _c(t), 0],
                      [0, 0, 0, sp.exp(I * t)]]),
        doc="fermionic SWAP rotation",
        generator=lambda: _m([[0, 0, 0, 0], [0, -_half, _half, 0], [0, _half, -_half, 0],
                              [0, 0, 0, -1]]),
    ),
    GateDef("CRX", 2, 1, lambda t: _controlled(_rx(t)),
            generator=lambda: sp.kronecker_product(_P1, pauli_matrix("X") / 2)),
    GateDef("CRY", 2, 1, lambda t: _controlled(_ry(t)), "real",
            generator=lambda: sp.kronecker_product(_P1, pauli_matrix("Y") / 2)),
    GateDef("CRZ", 2, 1, lambda t: _controlled(_rz(t)), "diagonal",
            generator=lambda: sp.kronecker_product(_P1, pauli_matrix("Z") / 2)),
    GateDef("CRot", 2, 3, lambda a, b, c: _controlled(_rot(a, b, c))),
    GateDef("ControlledPhaseShift", 2, 1, lambda t: _diag(1, 1, 1, sp.exp(I * t)), "diagonal",
            generator=lambda: -_proj(4, 3)),
    GateDef("IsingXX", 2, 1, lambda t: _pauli_rot(t, "XX"), doc="exp(-i t XX/2)",
            generator=lambda: pauli_matrix("XX") / 2),
    GateDef("IsingYY", 2, 1, lambda t: _pauli_rot(t, "YY"), doc="exp(-i t YY/2)",
            generator=lambda: pauli_matrix("YY") / 2),
    GateDef("IsingZZ", 2, 1, lambda t: _multi_rz(t, 2), "diagonal", doc="exp(-i t ZZ/2)",
            generator=lambda: pauli_matrix("ZZ") / 2),
    GateDef(
        "IsingXY", 2, 1,
        lambda t: _m([[1, 0, 0, 0], [0, _c(t), I * _s(t), 0], [0, I * _s(t), _c(t), 0],
                      [0, 0, 0, 1]]),
        doc="exp(+i t (XX+YY)/4)",
        generator=lambda: -(pauli_matrix("XX") + pauli_matrix("YY")) / 4,
    ),
    GateDef(
        "PSWAP", 2, 1,
        lambda t: _m([[1, 0, 0, 0], [0, 0, sp.exp(I * t), 0], [0, sp.exp(I * t), 0, 0],
                      [0, 0, 0, 1]]),
    ),
    GateDef("SingleExcitation", 2, 1, _single_excitation, "real", generator=lambda: _SE_G),
    GateDef("SingleExcitationPlus", 2, 1, lambda t: _single_excitation(t, sp.exp(I * t / 2)),
            generator=lambda: _SE_G - _Q * (sp.eye(4) + pauli_matrix("ZZ"))),
    GateDef("SingleExcitationMinus", 2, 1, lambda t: _single_excitation(t, sp.exp(-I * t / 2)),
            generator=lambda: _SE_G + _Q * (sp.eye(4) + pauli_matrix("ZZ"))),
    # --- three and four qubits ----------------------------------------------------------
    GateDef("Toffoli", 3, 0, lambda: _controlled(_m([[0, 1], [1, 0]]), 2), "controlled_x"),
    GateDef(
        "CSWAP", 3, 0,
        lambda: _controlled(_m([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])),
        "real",
    ),
    GateDef("CCZ", 3, 0, lambda: _diag(1, 1, 1, 1, 1, 1, 1, -1), "diagonal",
            doc="Z controlled by two wires"),
    GateDef("DoubleExcitation", 4, 1, _double_excitation, "real", generator=lambda: _DE_G),
    GateDef("DoubleExcitationPlus", 4, 1, lambda t: _double_excitation(t, sp.exp(I * t / 2)),
            generator=lambda: _DE_G - _DE_OUT / 2),
    GateDef("DoubleExcitationMinus", 4, 1, lambda t: _double_excitation(t, sp.exp(-I * t / 2)),
            generator=lambda: _DE_G + _DE_OUT / 2),
    GateDef("OrbitalRotation", 4, 1, _orbital_rotation, "real",
            generator=lambda: _pauli_sum((-_Q, "XZYI"), (_Q, "YZXI"), (-_Q, "IXZY"), (_Q, "IYZX"))),
    # --- any number of wires --------------------------------------------------------------
    GateDef("MultiRZ", 0, 1, _multi_rz, "diagonal", doc="exp(-i t Z..Z/2)",
            generator=lambda num_wires: pauli_matrix("Z" * num_wires) / 2,
            examples=((1, ()), (2, ()), (3, ())),
            form=lambda t, num_wires: _pauli_form(_c(t), -I * _s(t), "Z" * num_wires),
            numeric=lambda t, num_wires: np.diag(np.exp(-0.5j * t * _np_parity_signs(num_wires))),
            rule_variant=_rule_one_wire),
    GateDef("PauliRot", 0, 1, lambda t, pauli_word, num_wires: _pauli_rot(t, pauli_word),
            hyper=("pauli_word",), doc="exp(-i t P/2) for a Pauli word P",
            generator=lambda pauli_word, num_wires: pauli_matrix(pauli_word) / 2,
            examples=((1, (("pauli_word", "X"),)), (2, (("pauli_word", "XY"),)),
                      (3, (("pauli_word", "ZIY"),)), (2, (("pauli_word", "II"),))),
            form=lambda t, pauli_word, num_wires: _pauli_form(_c(t), -I * _s(t), pauli_word),
            numeric=lambda t, pauli_word, num_wires: (
                np.cos(t / 2) * np.eye(2**num_wires) - 1j * np.sin(t / 2) * _np_pauli(pauli_word)),
            rule_variant=_rule_pauli_word),
    GateDef("PCPhase", 0, 1, _pc_phase, "diagonal", hyper=("dim",),
            doc="exp(i t (2P - 1)), P projects on the first dim basis states",
            generator=lambda dim, num_wires: sp.eye(2**num_wires) - 2 * _proj(2**num_wires, *range(dim)),
            examples=((1, (("dim", 1),)), (2, (("dim", 3),)), (2, (("dim", 0),))),
            form=lambda t, dim, num_wires: ("pcphase", (sp.exp(I * t), sp.exp(-I * t)), (dim,)),
            numeric=lambda t, dim, num_wires: np.diag(
                np.where(np.arange(2**num_wires) < dim, np.exp(1j * t), np.exp(-1j * t))),
            rule_variant=_rule_pcphase),
    GateDef("GlobalPhase", 0, 1,
            lambda t, num_wires: _diag(*[sp.exp(-I * t)] * 2**num_wires), "diagonal",
            doc="exp(-i t) on the whole state",
            generator=lambda num_wires: sp.eye(2**num_wires), examples=((1, ()), (2, ())),
            form=lambda t, num_wires: _pauli_form(sp.exp(-I * t), sp.S.Zero, "I" * num_wires),
            numeric=lambda t, num_wires: np.exp(-1j * t) * np.eye(2**num_wires),
            rule_variant=_rule_one_wire),
    GateDef("MultiControlledX", 0, 0, _multi_controlled_x, "real", hyper=("control_values",),
            doc="X on the last wire, controlled by the others",
            form=_mcx_form, numeric=_np_mcx),
    GateDef("QubitUnitary", 0, 0, lambda U, num_wires: _qubit_unitary(U), hyper=("U",),
            doc="a constant unitary matrix"),
]

class GateRegistry:
    """The one owner of gate state: the table rows, by name, and who depends on them.

    Every row is added, replaced or removed here (:meth:`define`, :meth:`remove`; user
    code calls :func:`qsym.define_gate` / :func:`qsym.undefine_gate`). Each change bumps
    :attr:`generation` and the changed name's :meth:`version`, then tells

    - the *listeners* (:meth:`on_change`): module-level memos keyed by gate name (the
      memos made with :meth:`memo` in :mod:`qsym._gates`, :mod:`qsym.rules`,
      :mod:`qsym._symbolic`, :mod:`qsym._opmath`, :mod:`qsym._emit`) clear themselves, and :mod:`qsym._operations` remakes its gate
      classes;
    - the *watchers* (:meth:`watch`, held weakly): every QNode drops the compiled
      signatures whose circuit uses a changed gate, so its next call traces and compiles
      again with the new definition.

    :attr:`redefinitions` counts the changes that can make a trace in progress mix two
    definitions of one name (a row replaced or removed); adding a new name cannot (a trace
    that used the name before it existed would have failed), so a trace that defines
    gates itself (``qml.ctrl`` of a template registers its controlled rows) is kept.

    Nothing is checked on the call path: a compiled QNode's call costs the same as
    before. Records on disk (derived rules, printed gate code, generated modules) are
    keyed by the gate's exact matrix, never by its name alone (:mod:`qsym._cache`).

    >>> REGISTRY.generation >= 0, REGISTRY.version("RX"), "RX" in REGISTRY.builtin
    (True, 0, True)
    """

    def __init__(self, rows):
        self._rows: dict[str, GateDef] = {row.name: row for row in rows}
        self.rows = MappingProxyType(self._rows)  # read-only: change rows through here
        self.builtin = frozenset(self._rows)
        self.generation = 0
        self.redefinitions = 0
        self._versions: dict[str, int] = {}
        self._listeners: list = []
        self._watchers = weakref.WeakSet()
        self._lock = new_rlock()

    def version(self, name: str) -> int:
        """How often gate ``name`` was defined or removed (0: never changed)."""
        return self._versions.get(name, 0)

    def on_change(self, fn):
        """Call ``fn(names)`` (a frozenset of gate names) after every change; returns fn."""
        self._listeners.append(fn)
        return fn

    def memo(self, fn=None, *, maxsize=None):
        """Decorator: ``functools.lru_cache`` that empties itself after every change.

        Every memo whose result depends on a gate's definition (anything that reads a
        row by name) is made with it, so that no definition outlives its row. The
        architecture test refuses a plain ``lru_cache`` on a function that reads a row.

        >>> @REGISTRY.memo
        ... def wires_of(name):
        ...     return GATES[name].num_wires
        >>> wires_of("CNOT"), wires_of.cache_info().currsize
        (2, 1)
        """
        if fn is None:
            return lambda f: self.memo(f, maxsize=maxsize)
        cached = lru_cache(maxsize=maxsize)(fn)
        self.on_change(lambda names: cached.cache_clear())
        return self.checked(cached)

    def checked(self, cached):
        """``cached`` (an ``lru_cache`` cleared at every change) that keeps no answer
        computed while a change happened: a call that read the old row can store its
        answer after the change's clear (another thread's :func:`qsym.define_gate`), and
        that answer would then serve the new definition for good (a fresh QNode's gradient
        mixed the new matrix with the old rule). The whole memo is cleared again then
        (changes are rare; a clear only costs recomputing). ``cache_clear`` and
        ``cache_info`` are the memo's."""
        registry = self

        @wraps(cached)
        def call(*args, **kwargs):
            generation = registry.generation
            result = cached(*args, **kwargs)
            if registry.generation != generation:  # (the change bumps it before clearing)
                cached.cache_clear()
            return result

        call.cache_clear = cached.cache_clear
        call.cache_info = cached.cache_info
        return call

    def watch(self, obj) -> None:
        """Call ``obj._gates_changed(names)`` after every change, while ``obj`` lives."""
        self._watchers.add(obj)

    def define(self, row: GateDef) -> GateDef:
        """Add ``row``, or replace the user-defined row of the same name."""
        from .errors import GateError

        with self._lock:
            if row.name in self.builtin:
                raise GateError(
                    f"{row.name} is one of qsym's own gates and cannot be redefined; choose "
                    "another name"
                )
            replaced = row.name in self._rows
            self._rows[row.name] = row
            self._changed(row.name, replaced)
        return row

    def remove(self, name: str) -> GateDef | None:
        """Remove the user-defined row ``name`` (None if there is none)."""
        from .errors import GateError

        with self._lock:
            if name in self.builtin:
                raise GateError(f"{name} is one of qsym's own gates and cannot be removed")
            row = self._rows.pop(name, None)
            if row is not None:
                self._changed(name, True)
        return row

    def _changed(self, name: str, replaced: bool) -> None:
        self.generation += 1  # (before the memos clear: GateRegistry.checked)
        self._versions[name] = self._versions.get(name, 0) + 1
        names = frozenset((name,))
        for fn in self._listeners:
            fn(names)
        if replaced:  # after the memos and classes: a build that reads the new count
            self.redefinitions += 1  # sees only the new definition
        for obj in list(self._watchers):
            obj._gates_changed(names)

    def holding(self):
        """A context (the registry's lock) in which no other thread defines, redefines or
        removes a gate: a QNode builds a signature in it when other threads kept changing
        gates during its earlier tries."""
        return self._lock

    def keep_if_unchanged(self, redefinitions: int, keep) -> bool:
        """Call ``keep()`` (a QNode storing a signature it built) unless a row was
        replaced or removed since :attr:`redefinitions` was ``redefinitions``; whether it
        was called and did not return False. Under the registry's lock, so that no change falls between the check
        and the store (a signature of the old definition stored after the change dropped
        the QNode's signatures would answer with it at every later call)."""
        with self._lock:
            if self.redefinitions != redefinitions:
                return False
            return keep() is not False


REGISTRY = GateRegistry(_ROWS)
"""The gate registry (one per process)."""

GATES = REGISTRY.rows
"""The gate table, by name (read-only: :func:`qsym.define_gate` changes it)."""

BUILTIN_GATES = REGISTRY.builtin
"""The rows that ship with qsym (user-defined gates come and go)."""


def register(row: GateDef) -> GateDef:
    """Add a user-defined row to the table (replacing one of the same name)."""
    return REGISTRY.define(row)


def unregister(name: str) -> None:
    """Remove a user-defined row again."""
    REGISTRY.remove(name)


def gate_def(name: str) -> GateDef:
    """The table row of gate ``name``; raises :class:`qsym.errors.GateError` if unknown."""
    try:
        return GATES[name]
    except KeyError:
        from .errors import GateError

        if is_channel(name):  # a channel where only gates have a meaning
            raise GateError(
                f"{name} is a noise channel, not a gate: it has Kraus matrices, not a matrix, "
                "so what needs the circuit's unitary (qml.matrix, qml.metric_tensor, "
                "qml.check, qml.expectation, a pure-state device) cannot take it; channels "
                "run on qml.device('default.mixed', ...)") from None
        raise GateError(
            f"unknown gate {name!r}; qsym knows {', '.join(sorted(GATES))}"
        ) from None


def structured(name: str, num_wires=None, hyper: tuple = (), params=None):
    """``(kind, values, masks)`` if gate variant ``(name, num_wires, hyper)`` is stored in a
    structured form (see :data:`STRUCTURED_MIN_WIRES`), else None (a dense matrix or a
    diagonal). ``params`` default to the symbols ``p0, p1, ...``.

    >>> kind, values, masks = structured("PauliRot", 4, (("pauli_word", "XYZI"),))
    >>> kind, values, masks
    ('pauli', (cos(p0/2), -I*sin(p0/2)), (12, 6, 1, 0, 0))
    >>> structured("PauliRot", 3, (("pauli_word", "XYZ"),)) is None  # three wires: dense
    True
    """
    row = gate_def(name)
    num_wires = row.num_wires or num_wires  # (a row of fixed wires with a form: qml.ctrl's)
    if row.form is None or num_wires is None or num_wires < STRUCTURED_MIN_WIRES:
        return None
    if params is None:
        params = sp.symbols(f"p0:{row.num_params}", real=True)
    return row.form(*params, num_wires=num_wires, **dict(hyper))


def storage(name: str, num_wires=None, hyper: tuple = ()) -> str:
    """How the kernels store and apply a gate variant: its row's ``structure``, or the kind
    of its structured form (``"pauli"``, ``"pcphase"``) from
    :data:`STRUCTURED_MIN_WIRES` wires on."""
    form = structured(name, num_wires, hyper)
    return gate_def(name).structure if form is None else form[0]


def packed_masks(kind: str, masks: tuple) -> list:
    """A structured form's integer masks as the complex numbers stored after its values."""
    if kind == "pauli":
        flip, z, ny, cmask, cval = masks
        return [complex(flip, z), complex(ny, 0), complex(cmask, cval)]
    (dim,) = masks
    return [complex(dim, 0)]


def derivative_masks(kind: str, packed: list) -> list:
    """The packed masks (:func:`packed_masks`) stored after a derivative's values: the
    gate's, but a ``"pauli"`` form with control wires marks its derivative zero off the
    control states (``ny + i``: ``d/dt`` of the identity there is 0; the kernel
    ``apply_pauli`` reads the mark).

    >>> derivative_masks("pauli", packed_masks("pauli", (1, 0, 0, 6, 6)))
    [(1+0j), 1j, (6+6j)]
    >>> derivative_masks("pauli", packed_masks("pauli", (1, 0, 0, 0, 0)))  # no controls
    [(1+0j), 0j, 0j]
    """
    if kind != "pauli" or not packed[2].real:
        return list(packed)
    return [packed[0], complex(packed[1].real, 1), packed[2]]


def stored_size(name: str, num_wires=None, hyper: tuple = ()) -> int:
    """The number of complex numbers the kernels store for a gate variant: ``4^k`` (dense),
    ``2^k`` (diagonal), or a few (structured forms)."""
    row = gate_def(name)
    k = row.num_wires or num_wires
    form = structured(name, num_wires, hyper)
    if form is not None:
        kind, values, masks = form
        return len(values) + len(packed_masks(kind, masks))
    return 2**k if row.structure == "diagonal" else 4**k


def stored_entries(name: str, params, num_wires=None, hyper: tuple = ()) -> np.ndarray:
    """The stored complex numbers of a gate variant at numeric ``params`` (a structured
    form's values and masks, a diagonal, or the dense matrix row by row)."""
    form = structured(name, num_wires, hyper)
    if form is None:
        mat = numeric_matrix_function(name, num_wires, hyper)(*params)
        return np.diag(mat) if gate_def(name).structure == "diagonal" else mat.ravel()
    kind, values, masks = form
    syms = sp.symbols(f"p0:{gate_def(name).num_params}", real=True)
    f = lambdify(syms, list(values))
    return np.array([complex(v) for v in f(*[float(p) for p in params])]
                    + packed_masks(kind, masks), dtype=np.complex128)


def rule_variant(name: str, num_wires=None, hyper: tuple = ()) -> tuple:
    """``(num_wires, hyper)`` of the variant whose shift rule a gate variant uses: itself,
    or from :data:`STRUCTURED_MIN_WIRES` wires on a one-wire variant with the same
    frequencies (the rule of a k-wire matrix would be derived from its 4^k entries)."""
    row = gate_def(name)
    if row.rule_variant is None or num_wires is None or num_wires < STRUCTURED_MIN_WIRES:
        return num_wires, hyper
    return row.rule_variant(num_wires, hyper)


def hyper_items(name: str, hyper: dict) -> tuple:
    """Hyperparameters as a hashable, ordered tuple of ``(name, value)`` pairs."""
    row = gate_def(name)
    return tuple((h, hyper[h]) for h in row.hyper if h in hyper)


@REGISTRY.memo
def numeric_matrix_function(name: str, num_wires: int | None = None, hyper: tuple = ()):
    """A NumPy function ``f(*params) -> complex matrix`` made from the exact sympy matrix.

    Used by the reference interpreter and for constant gates; the compiled kernels print
    their own code from the same sympy matrix.
    """
    row = gate_def(name)
    if name == "QubitUnitary":  # already numeric: no sympy round trip
        U = np.array(dict(hyper)["U"], dtype=np.complex128)
        return lambda: U
    if row.num_wires and row.numeric is not None and row.num_wires >= STRUCTURED_MIN_WIRES:
        # a row of fixed wires given by NumPy too (qml.ctrl's controlled rows)
        return lambda *params: np.asarray(row.numeric(*[float(p) for p in params]),
                                          dtype=np.complex128)
    if row.numeric is not None and num_wires is not None and num_wires >= STRUCTURED_MIN_WIRES:
        # many wires: NumPy directly (a sympy matrix of 4^k entries would take minutes)
        kwargs = dict(hyper, num_wires=num_wires)
        return lambda *params: np.asarray(
            row.numeric(*[float(p) for p in params], **kwargs), dtype=np.complex128)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    mat = row.sympy_matrix(syms, num_wires, hyper)
    if not syms and all(e.is_Integer for e in mat):
        # a constant gate of integers (CNOT, CZ, SWAP, X, Z, Toffoli, ...): the same
        # numbers as lambdify's, exactly, without lambdify's first use in a process
        # (docs/design.md "The first answer: where the time goes")
        exact = np.array([[complex(int(mat[i, j])) for j in range(mat.cols)]
                          for i in range(mat.rows)], dtype=np.complex128)
        return lambda: exact.copy()
    f = lambdify(syms, mat)

    def fn(*params):
        return np.array(f(*params), dtype=np.complex128)

    return fn


@REGISTRY.memo
def numeric_derivative_function(name: str, num_wires: int | None = None, hyper: tuple = (),
                                pos: int = 0):
    """A NumPy function ``f(*params) -> d matrix / d params[pos]``, the exact sympy
    derivative of the gate's matrix (the reference interpreter's state Jacobian,
    :func:`qsym._ir.state_jacobian`). Gates on many wires given by NumPy only (no sympy
    matrix) raise :class:`GateError`.

    >>> d = numeric_derivative_function("RZ")(0.0)   # d/dt diag(e^(-it/2), e^(it/2)) at 0
    >>> d.diagonal().imag.tolist()
    [-0.5, 0.5]
    """
    from .errors import GateError

    row = gate_def(name)
    if row.numeric is not None and num_wires is not None and num_wires >= STRUCTURED_MIN_WIRES:
        raise GateError(
            f"the derivative of {name} on {num_wires} wires as a matrix is not available (its "
            "matrix is made by NumPy, not sympy); differentiate expval, var or probs instead")
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    mat = row.sympy_matrix(syms, num_wires, hyper).diff(syms[pos])
    f = lambdify(syms, mat)

    def fn(*params):
        return np.array(f(*params), dtype=np.complex128)

    return fn


@REGISTRY.memo
def definition_key(name: str) -> str:
    """What identifies gate ``name``'s definition in hashes and records: ``""`` for qsym's
    own gates (fixed with qsym's version), a SHA-256 of the exact matrix (and wire count,
    storage and doc) for a user-defined one, so that a gate defined again under the same
    name never shares a key with the old definition.

    >>> definition_key("RX")
    ''
    """
    if name in REGISTRY.builtin:
        return ""
    row = gate_def(name)
    if row.definition is not None:
        return hashlib.sha256(repr((row.num_wires, row.num_params, row.structure, row.doc,
                                    row.definition)).encode()).hexdigest()
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    try:
        text = repr((row.num_wires, row.num_params, row.structure, row.doc,
                     sp.srepr(row.sympy_matrix(syms))))
    except Exception:  # a row whose matrix needs more (any number of wires...): this
        text = f"{name} {REGISTRY.version(name)} {id(row)}"  # definition, in this process
    return hashlib.sha256(text.encode()).hexdigest()



def is_sparse_matrix(x) -> bool:
    """Whether ``x`` is a SciPy sparse matrix, duck-typed (scipy is not a dependency of
    qsym): an object with ``toarray()`` and ``asformat()``.

    >>> is_sparse_matrix(np.eye(2))
    False
    """
    return hasattr(x, "toarray") and hasattr(x, "asformat") and not isinstance(x, np.ndarray)


def matrix(name: str, *params, num_wires: int | None = None, **hyper) -> np.ndarray:
    """The numeric matrix of gate ``name`` at the given parameter values.

    Gates with any number of wires take ``num_wires=``; hyperparameters go by name.

    >>> np.round(matrix("RY", np.pi), 12).real
    array([[ 0., -1.],
           [ 1.,  0.]])
    >>> matrix("MultiRZ", 0.0, num_wires=2).shape
    (4, 4)
    """
    if is_sparse_matrix(hyper.get("U")):
        from .errors import MatrixUndefinedError

        raise MatrixUndefinedError(f"{name}: U is sparse matrix; use compute_sparse_matrix "
                                   "(or op.sparse_matrix()), or give U dense (U.toarray())")
    word = hyper.get("pauli_word")
    if word is not None and (not isinstance(word, str) or set(word) - set("IXYZ")):
        from .errors import GateError

        raise GateError(f'{name}: The given Pauli word "{word}" contains characters that are '
                        "not allowed. Allowed characters are I, X, Y and Z")
    row = gate_def(name)
    if len(params) != row.num_params:
        from .errors import GateError

        raise GateError(f"{name} takes {row.num_params} parameter(s), got {len(params)}")
    if row.num_wires:
        num_wires = None
    elif num_wires is None:
        if "pauli_word" in hyper:
            num_wires = len(hyper["pauli_word"])
        elif "U" in hyper:
            num_wires = int(np.log2(np.shape(hyper["U"])[-1]))  # (a batch: the last axis)
        else:
            from .errors import GateError

            raise GateError(f"{name} acts on any number of wires: give num_wires=")
    items = tuple((h, _hashable(hyper[h])) for h in row.hyper if h in hyper)
    return numeric_matrix_function(name, num_wires, items)(*params)


def _hashable(v):
    if isinstance(v, np.ndarray):
        return tuple(map(_hashable, v.tolist())) if v.ndim else v.item()
    if isinstance(v, list):
        return tuple(map(_hashable, v))
    return v
