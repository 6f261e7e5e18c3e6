"""Molecular integrals and restricted Hartree-Fock in NumPy, for ``qml.qchem``.

- ``atom_basis``: an element's basis functions in one of the basis sets PennyLane 0.45
  embeds (``BASIS_SETS``: STO-3G, 6-31G, 6-311G, cc-pVDZ for H to Ne), read from the data
  file ``basis_sets.json`` beside this module (written once from the Basis Set Exchange by
  ``tools/make_basis_sets.py``), or with ``load_data=True`` any set of the optional
  ``basis_set_exchange`` library (``bse_shells``); ``ATOMIC_NUMBERS`` the nuclear charges.
- ``basis_functions``: an atom list's contracted Cartesian Gaussians (``Shell``), in
  PennyLane's order (per atom: the shells in the basis set's order, ``p`` as ``px``,
  ``py``, ``pz``; ``d`` as PennyLane's six Cartesian functions).
- The integrals over them, by McMurchie and Davidson's Hermite expansion: ``overlap``,
  ``kinetic``, ``attraction`` (the nuclei's potential), ``repulsion`` (the two-electron
  integrals ``(ij|kl)``, chemists' order), with the Boys function ``boys``.
- ``scf``: restricted Hartree-Fock by Roothaan's iterations (core-Hamiltonian guess,
  symmetric orthogonalization), ``mo_integrals``: the one- and two-electron integrals over
  the molecular orbitals, ``nuclear_repulsion``.

>>> import numpy as np
>>> shells = basis_functions(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
>>> round(float(overlap(shells)[0, 1]), 6)
0.659318
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ArgumentError

# the symbols by atomic number (the nuclear charge is the index plus one), H to Og
ELEMENTS = tuple("""H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni
    Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr
    Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th
    Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og""".split())
ATOMIC_NUMBERS = {s: z for z, s in enumerate(ELEMENTS, start=1)}
# the basis sets shipped in basis_sets.json (tools/make_basis_sets.py), for H to Ne
BASIS_SETS = ("sto-3g", "6-31g", "6-311g", "cc-pvdz")
SHIPPED_BASIS_SETS = Path(__file__).with_name("basis_sets.json")
P_ORBITALS = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
# PennyLane's Cartesian d functions, in its order: xy, xz, yz, xx, yy, zz
D_ORBITALS = ((1, 1, 0), (1, 0, 1), (0, 1, 1), (2, 0, 0), (0, 2, 0), (0, 0, 2))
ANGULAR = {"S": ((0, 0, 0),), "P": P_ORBITALS, "D": D_ORBITALS}
_LETTERS = "SPDFGHI"


@dataclass(frozen=True)
class Shell:
    """One contracted Cartesian Gaussian ``x^lx y^ly z^lz sum_k c_k exp(-alpha_k r^2)``
    centred at ``r``; ``coeff`` includes each primitive's normalization."""

    l: tuple
    alpha: np.ndarray
    coeff: np.ndarray
    r: np.ndarray
    trainable: tuple = (False, False, False)

    @property
    def params(self) -> list:
        """PennyLane's ``BasisFunction.params``: ``[alpha, coeff, r]`` as tensors marked
        trainable (``requires_grad``) as the molecule's inputs were."""
        from . import numpy as qnp

        return [qnp.array(v, requires_grad=t)
                for v, t in zip((self.alpha, self.coeff, self.r), self.trainable)]

    @property
    def weights(self) -> np.ndarray:
        """The primitives' weights the integrals use: ``coeff`` as it is, or for trainable
        contraction coefficients (given raw, as PennyLane's differentiable Hartree-Fock
        demo gives STO-3G's) each primitive's normalization and the contraction's folded
        in, as PennyLane's integrals normalize a ``requires_grad`` ``coeff``."""
        if not self.trainable[1]:
            return self.coeff
        c = self.coeff * primitive_norm(self.l, self.alpha)
        return c * contracted_norm(self.l, self.alpha, c)


def _fac2(n: int) -> int:
    return 1 if n <= 0 else n * _fac2(n - 2)


def contracted_norm(l, alpha, c) -> float:
    """The normalization of the contraction ``sum_k c_k g_k`` of normalized primitives of
    exponents ``alpha`` (numbers; ``qsym._qchem_integrals.contracted_norm`` is autograd's)."""
    alpha, c = np.asarray(alpha, dtype=float), np.asarray(c, dtype=float)
    dfac = _fac2(2 * l[0] - 1) * _fac2(2 * l[1] - 1) * _fac2(2 * l[2] - 1)
    s = (c[:, None] * c / (alpha[:, None] + alpha) ** (sum(l) + 1.5)).sum()
    return 1 / np.sqrt(np.pi ** 1.5 / 2 ** sum(l) * dfac * s)


def primitive_norm(l, alpha) -> np.ndarray:
    """The normalization of the primitives ``x^lx y^ly z^lz exp(-alpha r^2)``."""
    alpha = np.asarray(alpha, dtype=float)
    dfac = _fac2(2 * l[0] - 1) * _fac2(2 * l[1] - 1) * _fac2(2 * l[2] - 1)
    return (2 * alpha / np.pi) ** 0.75 * (4 * alpha) ** (sum(l) / 2) / np.sqrt(dfac)


@lru_cache(maxsize=1)
def _shipped_basis_sets() -> dict:
    with open(SHIPPED_BASIS_SETS, encoding="utf-8") as f:
        return json.load(f)


def _shell_letter(momenta: list, k: int) -> str:
    """The letter of column ``k`` of a shell of angular momenta ``momenta``, as PennyLane's
    ``load_basisset`` names it: ``S`` then ``P`` for a Pople ``[0, 1]`` shell, the joined
    letters (``SPD``) for other shells of several momenta, else the momentum's letter."""
    if list(momenta) == [0, 1]:
        return "SP"[k]
    return "".join(_LETTERS[m] for m in momenta)


def bse_shells(basis_name: str, symbol: str) -> list:
    """``[(letter, exponents, coefficients)]``: the element's shells in the basis set
    ``basis_name`` from the optional ``basis_set_exchange`` library, expanded as PennyLane's
    ``load_basisset`` expands them (a Pople ``SP`` shell: an ``S`` row, then a ``P`` row;
    a general contraction: one row per coefficient column)."""
    if symbol not in ATOMIC_NUMBERS:
        raise ArgumentError(f"Requested element {symbol} doesn't exist in the periodic table.")
    try:
        import basis_set_exchange as bse
    except ImportError as error:
        raise ImportError("This feature requires basis_set_exchange. It can be installed "
                          "with: pip install basis-set-exchange (or pip install "
                          "qsym[chemistry]). qml.qchem's load_data=True and load_basisset "
                          "read basis sets from it; qsym ships 'sto-3g', '6-31g', '6-311g' "
                          "and 'cc-pvdz' for H to Ne.") from error
    z = str(ATOMIC_NUMBERS[symbol])
    try:
        elements = bse.get_basis(basis_name, elements=[int(z)])["elements"]
    except KeyError as error:  # the library's error for a basis set it does not know
        raise ArgumentError(f"qml.qchem: the basis set {basis_name!r} is not in the "
                            f"basis_set_exchange library: {error}") from error
    if z not in elements:
        raise ArgumentError(f"qml.qchem: the basis set {basis_name!r} has no functions for "
                            f"{symbol}")
    rows = []
    for shell in elements[z]["electron_shells"]:
        momenta, exponents = shell["angular_momentum"], [float(x) for x in shell["exponents"]]
        for k, column in enumerate(shell["coefficients"]):
            rows.append((_shell_letter(momenta, k), exponents, [float(x) for x in column]))
    return rows


def atom_basis(symbol: str, basis_name: str = "sto-3g", load_data: bool = False) -> list:
    """``[(l, exponents, coefficients)]`` of an atom's basis functions (coefficients of
    normalized primitives), in PennyLane's order: the basis set's shells in order, a ``p``
    shell as ``px``, ``py``, ``pz`` and a ``d`` shell as PennyLane's six Cartesian
    functions (:data:`D_ORBITALS`). The shipped sets (:data:`BASIS_SETS`, H to Ne), or the
    ``basis_set_exchange`` library's with ``load_data=True``."""
    name = basis_name.lower()
    if load_data:
        shells = bse_shells(name, symbol)
    else:
        if name not in BASIS_SETS:
            raise ArgumentError(
                "Currently, the only supported basis sets are 'sto-3g', '6-31g', '6-311g' and "
                "'cc-pvdz'. Please consider using `load_data=True` to download the basis set "
                "from an external library that can be installed with: pip install "
                "basis-set-exchange.")
        shells = _shipped_basis_sets()[name].get(symbol)
        if shells is None:
            raise ArgumentError(
                f"The requested basis set data is not available for {symbol}. Please consider "
                "using `load_data=True` to download the basis set from the external library "
                "basis-set-exchange that can be installed with: pip install basis-set-exchange.")
    out = []
    for letter, exponents, coefficients in shells:
        if letter not in ANGULAR:  # PennyLane 0.45 drops these shells without a word
            raise ArgumentError(
                f"qml.qchem: the basis set {basis_name!r} has a shell of {letter} functions "
                f"for {symbol}; qsym, as PennyLane, builds s, p and Cartesian d shells only "
                "(PennyLane 0.45 leaves the others out of the molecule without a word: a "
                "smaller basis than the one named). Choose a basis set without them.")
        out += [(l, tuple(exponents), tuple(coefficients)) for l in ANGULAR[letter]]
    return out


def basis_functions(symbols, geometry, l=None, alpha=None, coeff=None,
                    basis_name: str = "sto-3g") -> list:
    """The contracted Gaussians of the atoms ``symbols`` at ``geometry`` (Bohr, shape
    ``(n_atoms, 3)``); ``l``, ``alpha`` and ``coeff`` replace the table's values (one per
    basis function, ``coeff`` of normalized primitives)."""
    geometry = np.asarray(geometry, dtype=float).reshape(len(symbols), 3)
    rows = [(row, geometry[k]) for k, s in enumerate(symbols) for row in atom_basis(s, basis_name)]
    out = []
    for n, ((l0, a0, c0), r) in enumerate(rows):
        ln = tuple(l[n]) if l is not None else l0
        a = np.asarray(alpha[n] if alpha is not None else a0, dtype=float)
        c = np.asarray(coeff[n] if coeff is not None else c0, dtype=float)
        out.append(Shell(ln, a, c * primitive_norm(ln, a), r))
    return out


# ---------------------------------------------------------------- the Boys function

def boys(n: int, t) -> np.ndarray:
    """``F_n(t) = int_0^1 u^(2n) exp(-t u^2) du`` elementwise: a series and the downward
    recursion for ``t < 30``, ``erf`` and the (there stable) upward recursion above."""
    t = np.asarray(t, dtype=float)
    out = np.empty_like(t)
    small = t < 30.0
    ts = t[small]
    if ts.size:
        # F_n(t) = exp(-t) sum_k (2t)^k / ((2n+1)(2n+3)...(2n+2k+1)): all terms positive
        term = 1.0 / (2 * n + 1) * np.ones_like(ts)
        total = term.copy()
        k, kmin, two_t = 0, 2 * float(np.max(ts)), 2 * ts
        while True:  # the terms fall once k > 2 t: at most ~ 2 t + 40 of them
            k += 1
            term *= two_t / (2 * n + 2 * k + 1)
            total += term
            if k > kmin and k % 8 == 0 and np.all(term <= 1e-17 * total):
                break
        out[small] = np.exp(-ts) * total
    tl = t[~small]
    if tl.size:
        erf = np.vectorize(math.erf)(np.sqrt(tl))
        f = 0.5 * np.sqrt(np.pi / tl) * erf
        for m in range(n):
            f = ((2 * m + 1) * f - np.exp(-tl)) / (2 * tl)
        out[~small] = f
    return out


def _boys_all(nmax: int, t: np.ndarray) -> list:
    """``[F_0(t), ..., F_nmax(t)]``: the highest one directly, the others downward."""
    f = [None] * (nmax + 1)
    f[nmax] = boys(nmax, t)
    e = np.exp(-t)
    for m in range(nmax - 1, -1, -1):
        f[m] = (2 * t * f[m + 1] + e) / (2 * m + 1)
    return f


# ---------------------------------------------------------------- Hermite expansions

def _hermite(i: int, j: int, qx, a, b) -> list:
    """``[E^{ij}_t for t = 0 .. i + j]``: the Hermite expansion of the product of two 1D
    Gaussians ``x_A^i exp(-a x_A^2)`` and ``x_B^j exp(-b x_B^2)``, ``qx = A - B``
    (arrays broadcast over the primitives)."""
    p = a + b
    q = a * b / p
    xpa, xpb = -q * qx / a, q * qx / b
    table = {(0, 0): [np.exp(-q * qx * qx)]}
    for ii in range(i + 1):
        for jj in range(j + 1):
            if (ii, jj) == (0, 0):
                continue
            if jj == 0:
                prev, shift = table[(ii - 1, 0)], xpa
            else:
                prev, shift = table[(ii, jj - 1)], xpb
            n = len(prev)
            row = []
            for t in range(n + 1):
                v = shift * prev[t] if t < n else 0.0
                if t >= 1:
                    v = v + prev[t - 1] / (2 * p)
                if t + 1 < n:
                    v = v + (t + 1) * prev[t + 1]
                row.append(v)
            table[(ii, jj)] = row
    return table[(i, j)]


@dataclass
class _Pair:
    """Two shells' primitive pairs: ``p = a + b``, the centre ``P`` and the Hermite
    coefficients per axis (arrays of shape ``(na, nb)``), times the coefficients."""

    p: np.ndarray
    P: np.ndarray
    E: list
    c: np.ndarray


def _pair(A: Shell, B: Shell) -> _Pair:
    a = A.alpha[:, None]
    b = B.alpha[None, :]
    p = a + b
    P = (a[..., None] * A.r + b[..., None] * B.r) / p[..., None]
    E = [_hermite(A.l[k], B.l[k], A.r[k] - B.r[k], a, b) for k in range(3)]
    return _Pair(p, P, E, A.weights[:, None] * B.weights[None, :])


def _overlap_1d(i, j, qx, a, b):
    return _hermite(i, j, qx, a, b)[0] * np.sqrt(np.pi / (a + b))


def _shell_overlap(A: Shell, B: Shell) -> float:
    a, b = A.alpha[:, None], B.alpha[None, :]
    s = np.ones_like(a * b)
    for k in range(3):
        s = s * _overlap_1d(A.l[k], B.l[k], A.r[k] - B.r[k], a, b)
    return float(np.sum(A.weights[:, None] * B.weights[None, :] * s))


def _shell_kinetic(A: Shell, B: Shell) -> float:
    """``<A| -1/2 nabla^2 |B>``, per axis ``-1/2 <i| d^2/dx^2 |j>`` from overlaps with
    ``j - 2``, ``j``, ``j + 2``."""
    a, b = A.alpha[:, None], B.alpha[None, :]
    s, t = [], []
    for k in range(3):
        i, j, qx = A.l[k], B.l[k], A.r[k] - B.r[k]
        s.append(_overlap_1d(i, j, qx, a, b))
        d2 = 4 * b * b * _overlap_1d(i, j + 2, qx, a, b) - 2 * b * (2 * j + 1) * s[k]
        if j >= 2:
            d2 = d2 + j * (j - 1) * _overlap_1d(i, j - 2, qx, a, b)
        t.append(-0.5 * d2)
    total = t[0] * s[1] * s[2] + s[0] * t[1] * s[2] + s[0] * s[1] * t[2]
    return float(np.sum(A.weights[:, None] * B.weights[None, :] * total))


def _hermite_coulomb(tmax, umax, vmax, p, pc) -> dict:
    """``{(t, u, v): R^0_{tuv}}``: the Hermite Coulomb integrals for exponent ``p`` and
    ``pc = P - C`` (last axis: x, y, z), by the recursion on ``n``."""
    nmax = tmax + umax + vmax
    t_arg = p * np.sum(pc * pc, axis=-1)
    f = _boys_all(nmax, t_arg)
    x, y, z = pc[..., 0], pc[..., 1], pc[..., 2]

    @lru_cache(maxsize=None)
    def r(t, u, v, n):
        if t < 0 or u < 0 or v < 0:
            return 0.0
        if t == u == v == 0:
            return (-2 * p) ** n * f[n]
        if t > 0:
            return (t - 1) * r(t - 2, u, v, n + 1) + x * r(t - 1, u, v, n + 1)
        if u > 0:
            return (u - 1) * r(t, u - 2, v, n + 1) + y * r(t, u - 1, v, n + 1)
        return (v - 1) * r(t, u, v - 2, n + 1) + z * r(t, u, v - 1, n + 1)

    return {(t, u, v): r(t, u, v, 0) for t in range(tmax + 1) for u in range(umax + 1)
            for v in range(vmax + 1)}


def _shell_attraction(pair: _Pair, C) -> float:
    """``<A| 1/|r - C| |B>`` (positive; the nucleus's charge is applied by the caller)."""
    Ex, Ey, Ez = pair.E
    R = _hermite_coulomb(len(Ex) - 1, len(Ey) - 1, len(Ez) - 1, pair.p, pair.P - C)
    total = 0.0
    for (t, u, v), rv in R.items():
        total = total + Ex[t] * Ey[u] * Ez[v] * rv
    return float(np.sum(pair.c * 2 * np.pi / pair.p * total))


def _shell_repulsion(ab: _Pair, cd: _Pair) -> float:
    """``(ab|cd)``: both pairs' Hermite expansions joined by ``R`` at
    ``alpha = p q / (p + q)``, over all primitive quartets at once."""
    p = ab.p[:, :, None, None]
    q = cd.p[None, None, :, :]
    alpha = p * q / (p + q)
    pq = ab.P[:, :, None, None, :] - cd.P[None, None, :, :, :]
    lab = [len(e) - 1 for e in ab.E]
    lcd = [len(e) - 1 for e in cd.E]
    R = _hermite_coulomb(lab[0] + lcd[0], lab[1] + lcd[1], lab[2] + lcd[2], alpha, pq)
    total = 0.0
    for t in range(lab[0] + 1):
        for u in range(lab[1] + 1):
            for v in range(lab[2] + 1):
                e1 = (ab.E[0][t] * ab.E[1][u] * ab.E[2][v])[:, :, None, None]
                inner = 0.0
                for tau in range(lcd[0] + 1):
                    for nu in range(lcd[1] + 1):
                        for phi in range(lcd[2] + 1):
                            e2 = cd.E[0][tau] * cd.E[1][nu] * cd.E[2][phi]
                            sign = -1.0 if (tau + nu + phi) % 2 else 1.0
                            inner = inner + sign * e2[None, None] * R[(t + tau, u + nu, v + phi)]
                total = total + e1 * inner
    pref = 2 * np.pi ** 2.5 / (p * q * np.sqrt(p + q))
    c = ab.c[:, :, None, None] * cd.c[None, None, :, :]
    return float(np.sum(c * pref * total))


# ---------------------------------------------------------------- the matrices

def _symmetric(n: int, element) -> np.ndarray:
    """The symmetric ``n x n`` matrix of ``element(i, j)``, each pair computed once."""
    M = np.empty((n, n))
    for i in range(n):
        for j in range(i + 1):
            M[i, j] = M[j, i] = element(i, j)
    return M


def overlap(shells) -> np.ndarray:
    """The overlap matrix ``S_ij = <i|j>``, its diagonal 1 as PennyLane's ``overlap_matrix``
    writes it (the basis sets' contractions are normalized to about 1e-6: PennyLane takes
    them as normalized here but not in the other integrals, and qsym gives its numbers)."""
    return _symmetric(len(shells), lambda i, j: 1.0 if i == j else
                      _shell_overlap(shells[i], shells[j]))


def kinetic(shells) -> np.ndarray:
    """The kinetic-energy matrix ``T_ij = <i| -1/2 nabla^2 |j>``."""
    return _symmetric(len(shells), lambda i, j: _shell_kinetic(shells[i], shells[j]))


def attraction(shells, charges, geometry) -> np.ndarray:
    """The electron-nuclear attraction ``V_ij = -sum_C Z_C <i| 1/|r - R_C| |j>``."""
    geometry = np.asarray(geometry, dtype=float).reshape(-1, 3)

    def element(i, j):
        pair = _pair(shells[i], shells[j])
        return -sum(z * _shell_attraction(pair, c) for z, c in zip(charges, geometry))

    return _symmetric(len(shells), element)


def repulsion(shells) -> np.ndarray:
    """The two-electron integrals ``(ij|kl)`` (chemists' order), each of the eight
    symmetric copies computed once."""
    n = len(shells)
    pairs = {(i, j): _pair(shells[i], shells[j]) for i in range(n) for j in range(i + 1)}
    eri = np.empty((n, n, n, n))
    keys = list(pairs)
    for x, (i, j) in enumerate(keys):
        for k, l in keys[:x + 1]:
            v = _shell_repulsion(pairs[(i, j)], pairs[(k, l)])
            for a, b in ((i, j), (j, i)):
                for c, d in ((k, l), (l, k)):
                    eri[a, b, c, d] = eri[c, d, a, b] = v
    return eri


def nuclear_repulsion(charges, geometry) -> float:
    """``sum_{i<j} Z_i Z_j / |R_i - R_j|``."""
    geometry = np.asarray(geometry, dtype=float).reshape(-1, 3)
    e = 0.0
    for i in range(len(charges)):
        for j in range(i + 1, len(charges)):
            dist = np.linalg.norm(geometry[i] - geometry[j])
            if dist == 0.0:
                raise ArgumentError(f"qml.qchem: atoms {i} and {j} are at the same position")
            e += charges[i] * charges[j] / dist
    return e


# ---------------------------------------------------------------- Hartree-Fock

@dataclass
class SCFResult:
    """Roothaan's iterations' result: orbital energies, MO coefficients (columns), the last
    Fock matrix, the core Hamiltonian, the ERIs, whether the density converged."""

    energies: np.ndarray
    coefficients: np.ndarray
    fock: np.ndarray
    h_core: np.ndarray
    eri: np.ndarray
    converged: bool


def density(n_electrons: int, coefficients) -> np.ndarray:
    """``P = C_occ C_occ^T`` (half the closed-shell density)."""
    c = coefficients[:, : n_electrons // 2]
    return c @ c.T


def scf(S, h_core, eri, n_electrons, n_steps=50, tol=1e-8, xp=np,
        value=lambda a: a, shift=False) -> SCFResult:
    """Restricted Hartree-Fock as PennyLane's ``qml.qchem.scf``: ``F C = S C E`` in the
    symmetrically orthogonalized basis ``X = S^(-1/2)``, from the core Hamiltonian's
    orbitals, until the density changes by at most ``tol`` (Frobenius norm) or ``n_steps``
    iterations; ``shift``: ``S`` first shifted by PennyLane's ``1e-12`` random diagonal
    (``default_rng(2030)``).

    ``xp`` is the array module the matrices are of: NumPy, or autograd's (PennyLane's
    ``args``: the loop unrolled, so derivatives go through every iteration); ``value``
    gives the numbers of one of its arrays (autograd's ``getval``) for the checks.
    (The numeric path leaves the shift out: an orbital's sign is decided by ``eigh`` at
    the level of rounding, and the shift flips some molecules' signs relative to
    PennyLane's (the water of PennyLane's molecular-Hamiltonians demo) as it mends others
    (LiH in 2 of 5 orbitals); the numbers stay those qsym has given.)

    >>> r = scf(np.eye(2), np.diag([-1.0, 0.5]), np.zeros((2, 2, 2, 2)), 2)
    >>> r.energies.round(6), r.converged
    (array([-1. ,  0.5]), True)
    """
    if shift:
        S = S + np.diag(np.random.default_rng(2030).random(len(value(S))) * 1.0e-12)
    w, v = xp.linalg.eigh(S)
    if np.min(value(w)) <= 0:
        raise ArgumentError("qml.qchem: the basis functions are linearly dependent (atoms on "
                            "top of each other?)")
    x = v @ xp.diag(1.0 / xp.sqrt(w)) @ v.T
    energies, c = xp.linalg.eigh(x.T @ h_core @ x)
    c = x @ c
    p = density(n_electrons, c)
    fock, converged = h_core, False
    for _ in range(n_steps):
        j = xp.einsum("pqrs,rs->pq", eri, p)
        k = xp.einsum("psqr,rs->pq", eri, p)
        fock = h_core + 2 * j - k
        energies, c = xp.linalg.eigh(x.T @ fock @ x)
        c = x @ c
        p_new = density(n_electrons, c)
        if np.linalg.norm(value(p_new) - value(p)) <= tol:
            converged = True
            break
        p = p_new
    return SCFResult(energies, c, fock, h_core, eri, converged)


def mo_integrals(coefficients, h_core, eri):
    """``(one, two)``: ``one[p, q] = (C^T h C)[p, q]`` and ``two[p, q, r, s] = (ps|qr)``
    over the molecular orbitals (the order of ``1/2 sum two[p,q,r,s] a+_p a+_q a_r a_s``)."""
    c = coefficients
    one = c.T @ h_core @ c
    chem = np.einsum("ai,bj,abcd,ck,dl->ijkl", c, c, eri, c, c, optimize=True)
    return one, np.swapaxes(chem, 1, 3)
