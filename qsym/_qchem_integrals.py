"""PennyLane's ``qml.qchem.integrals`` (its module path and names), differentiable by autograd.

The integrals over contracted Cartesian Gaussians (McMurchie and Davidson's Hermite
expansion) with PennyLane 0.45's signatures: the primitive-level functions
(:func:`gaussian_overlap`, :func:`gaussian_kinetic`, :func:`gaussian_moment`,
:func:`nuclear_attraction`, :func:`electron_repulsion`, :func:`expansion`,
:func:`hermite_moment`) and, for two (four) basis functions, functions of PennyLane's
``args`` (:func:`overlap_integral`, :func:`kinetic_integral`, :func:`moment_integral`,
:func:`attraction_integral`, :func:`repulsion_integral`): ``args`` replace the basis
parameters that are trainable (``requires_grad``), in the order exponents, contraction
coefficients, centre, each an array with one row per basis function, so that
``qml.grad`` differentiates them. Written with ``autograd.numpy``; the NumPy-only
matrices of ``qml.qchem`` (``_integrals``) are the fast path at fixed parameters.

>>> import numpy as np
>>> from qsym._integrals import Shell
>>> s = Shell((0, 0, 0), np.array([0.5]), np.array([1.0]), np.array([0.0, 0.0, 0.0]))
>>> round(float(overlap_integral(s, s)()), 12)
1.0
"""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np

__all__ = ["primitive_norm", "contracted_norm", "expansion", "gaussian_overlap",
           "overlap_integral", "hermite_moment", "gaussian_moment", "moment_integral",
           "gaussian_kinetic", "kinetic_integral", "nuclear_attraction", "attraction_integral",
           "electron_repulsion", "repulsion_integral"]


def _fac2(n: int) -> int:
    """The double factorial ``n!!``: ``0!! = (-1)!! = 1``, 0 below (SciPy's, as
    PennyLane's)."""
    if n < -1:
        return 0
    return 1 if n <= 0 else n * _fac2(n - 2)


def primitive_norm(l, alpha):
    """The normalization of the primitive Gaussians ``x^lx y^ly z^lz exp(-alpha r^2)``.

    >>> primitive_norm((0, 0, 0), np.array([1.0])).round(6)
    array([0.712705])
    """
    dfac = _fac2(2 * l[0] - 1) * _fac2(2 * l[1] - 1) * _fac2(2 * l[2] - 1)
    return (2 * alpha / np.pi) ** 0.75 * (4 * alpha) ** (sum(l) / 2) / np.sqrt(dfac)


def contracted_norm(l, alpha, a):
    """The normalization of the contraction ``sum_k a_k g_k`` of (normalized) primitives
    of exponents ``alpha``.

    >>> round(float(contracted_norm((0, 0, 0), np.array([1.0]), np.array([0.712705]))), 5)
    1.0
    """
    dfac = _fac2(2 * l[0] - 1) * _fac2(2 * l[1] - 1) * _fac2(2 * l[2] - 1)
    c = np.pi ** 1.5 / 2 ** sum(l) * dfac
    s = (anp.reshape(a, (-1, 1)) * a / (anp.reshape(alpha, (-1, 1)) + alpha)
         ** (sum(l) + 1.5)).sum()
    return 1 / anp.sqrt(c * s)


def _generate_params(params, args):
    """PennyLane's ``_generate_params``: each of ``params`` (exponents, coefficients,
    centre) replaced by the next of ``args`` if it is trainable (``requires_grad``)."""
    out, used = [], 0
    for p in params:
        if len(args) and getattr(p, "requires_grad", False):
            out.append(args[used])
            used += 1
        else:
            out.append(p)
    return out


def expansion(la, lb, ra, rb, alpha, beta, t):
    """The Hermite expansion coefficient ``E^{la lb}_t`` of the product of the 1D Gaussians
    ``x_A^la exp(-alpha x_A^2)`` and ``x_B^lb exp(-beta x_B^2)`` centred at ``ra``, ``rb``.

    >>> float(expansion(0, 0, 1.2, 1.2, 3.4, 3.4, 0))
    1.0
    """
    if t < 0 or t > la + lb:
        return 0.0
    p = alpha + beta
    q = alpha * beta / p
    r = ra - rb
    if la == lb == t == 0:
        return anp.exp(-q * r ** 2)
    if lb == 0:
        prev = [expansion(la - 1, lb, ra, rb, alpha, beta, t + k) for k in (-1, 0, 1)]
        shift = -q * r / alpha
    else:
        prev = [expansion(la, lb - 1, ra, rb, alpha, beta, t + k) for k in (-1, 0, 1)]
        shift = q * r / beta
    return prev[0] / (2 * p) + shift * prev[1] + (t + 1) * prev[2]


def gaussian_overlap(la, lb, ra, rb, alpha, beta):
    """The overlap of two primitive Cartesian Gaussians (not normalized).

    >>> z = np.zeros(3)
    >>> round(float(gaussian_overlap((0, 0, 0), (0, 0, 0), z, z, np.pi / 2, np.pi / 2)), 12)
    1.0
    """
    p = alpha + beta
    s = 1.0
    for k in range(3):
        s = s * anp.sqrt(np.pi / p) * expansion(la[k], lb[k], ra[k], rb[k], alpha, beta, 0)
    return s


def _contraction(basis, args, normalize):
    """The parameters of a basis function (``args`` substituted) and its coefficients:
    renormalized (primitive and contraction norms) when ``normalize`` or when the
    coefficients are trainable, as PennyLane's."""
    alpha, c, r = _generate_params(basis.params, args)
    if normalize or getattr(basis.params[1], "requires_grad", False):
        c = c * primitive_norm(basis.l, alpha)
        c = c * contracted_norm(basis.l, alpha, c)
    return alpha, c, r


def _split(args, n):
    return [[arg[k] for arg in args] for k in range(n)]


def overlap_integral(basis_a, basis_b, normalize=True):
    """A function of PennyLane's ``args`` (the trainable basis parameters) returning the
    overlap ``<a|b>`` of two contracted basis functions.

    >>> import qsym as qml
    >>> mol = qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> round(float(overlap_integral(*mol.basis_set, normalize=False)()), 6)
    0.659318
    """
    def _overlap_integral(*args):
        args_a, args_b = _split(args, 2)
        alpha, ca, ra = _contraction(basis_a, args_a, normalize)
        beta, cb, rb = _contraction(basis_b, args_b, normalize)
        g = gaussian_overlap(basis_a.l, basis_b.l, ra, rb, anp.reshape(alpha, (-1, 1)), beta)
        return (anp.reshape(ca, (-1, 1)) * cb * g).sum()

    return _overlap_integral


def hermite_moment(alpha, beta, t, order, r):
    """The Hermite moment ``M^e_t = int x^e Lambda_t dx`` (``e = order``) of a Gaussian
    product of exponent ``alpha + beta`` centred ``r`` from the origin.

    >>> round(float(hermite_moment(np.pi / 2, np.pi / 2, 0, 0, 0.0)), 12)
    1.0
    """
    p = alpha + beta
    if t > order or (order == 0 and t != 0) or t < 0:
        return 0.0
    if order == 0:
        return anp.sqrt(np.pi / p)
    return (hermite_moment(alpha, beta, t - 1, order - 1, r) * t
            + hermite_moment(alpha, beta, t, order - 1, r) * r
            + hermite_moment(alpha, beta, t + 1, order - 1, r) / (2 * p))


def gaussian_moment(li, lj, ri, rj, alpha, beta, order, r):
    """The 1D multipole integral ``<G_i| x^order |G_j>`` of two primitive Gaussians (``r``:
    their product's centre).

    >>> round(float(gaussian_moment(0, 0, 0.0, 0.0, np.pi / 2, np.pi / 2, 2, 0.0)), 6)
    0.159155
    """
    s = 0.0
    for t in range(min(li + lj, order) + 1):
        s = s + expansion(li, lj, ri, rj, alpha, beta, t) * hermite_moment(alpha, beta, t,
                                                                              order, r)
    return s


def moment_integral(basis_a, basis_b, order, idx, normalize=True):
    """A function of ``args`` returning the multipole moment ``<a| x_idx^order |b>``
    (``idx`` 0, 1, 2: x, y, z; about the origin).

    >>> import qsym as qml
    >>> mol = qml.qchem.Molecule(["H"], np.array([[0.0, 0.0, 1.0]]), mult=2)
    >>> round(float(moment_integral(mol.basis_set[0], mol.basis_set[0], 1, 2)()), 6)
    1.0
    """
    def _moment_integral(*args):
        args_a, args_b = _split(args, 2)
        alpha, ca, ra = _contraction(basis_a, args_a, normalize)
        beta, cb, rb = _contraction(basis_b, args_b, normalize)
        a = anp.reshape(alpha, (-1, 1))
        q = anp.sqrt(np.pi / (a + beta))
        la, lb = basis_a.l, basis_b.l
        s = 1.0
        for k in range(3):
            if k == idx:
                centre = (a * ra[k] + beta * rb[k]) / (a + beta)
                s = s * gaussian_moment(la[k], lb[k], ra[k], rb[k], a, beta, order, centre)
            else:
                s = s * q * expansion(la[k], lb[k], ra[k], rb[k], a, beta, 0)
        return (anp.reshape(ca, (-1, 1)) * cb * s).sum()

    return _moment_integral


def _diff2(i, j, ri, rj, alpha, beta):
    """``<G_i| d^2/dx^2 |G_j>`` of two 1D primitive Gaussians."""
    s = anp.sqrt(np.pi / (alpha + beta))
    out = -2 * beta * (2 * j + 1) * s * expansion(i, j, ri, rj, alpha, beta, 0)
    out = out + 4 * beta ** 2 * s * expansion(i, j + 2, ri, rj, alpha, beta, 0)
    return out + j * (j - 1) * s * expansion(i, j - 2, ri, rj, alpha, beta, 0)


def gaussian_kinetic(la, lb, ra, rb, alpha, beta):
    """``<G_a| -1/2 nabla^2 |G_b>`` of two primitive Cartesian Gaussians.

    >>> z = np.zeros(3)
    >>> round(float(gaussian_kinetic((0, 0, 0), (0, 0, 0), z, z, 0.5, 0.5)), 6)  # 3/4 pi^1.5
    4.176246
    """
    s = [anp.sqrt(np.pi / (alpha + beta)) * expansion(la[k], lb[k], ra[k], rb[k], alpha, beta, 0)
         for k in range(3)]
    d = [_diff2(la[k], lb[k], ra[k], rb[k], alpha, beta) for k in range(3)]
    return -0.5 * (d[0] * s[1] * s[2] + s[0] * d[1] * s[2] + s[0] * s[1] * d[2])


def kinetic_integral(basis_a, basis_b, normalize=True):
    """A function of ``args`` returning the kinetic energy ``<a| -1/2 nabla^2 |b>``.

    >>> import qsym as qml
    >>> mol = qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> round(float(kinetic_integral(mol.basis_set[0], mol.basis_set[0], False)()), 6)
    0.760032
    """
    def _kinetic_integral(*args):
        args_a, args_b = _split(args, 2)
        alpha, ca, ra = _contraction(basis_a, args_a, normalize)
        beta, cb, rb = _contraction(basis_b, args_b, normalize)
        t = gaussian_kinetic(basis_a.l, basis_b.l, ra, rb, anp.reshape(alpha, (-1, 1)), beta)
        return (anp.reshape(ca, (-1, 1)) * cb * t).sum()

    return _kinetic_integral


def _boys(n, t):
    """The Boys function ``F_n(t)`` (its limit ``1 / (2n + 1)`` at ``t = 0``)."""
    # SciPy (through autograd's wrappers) only here: ``import qsym`` does not load it
    from autograd.scipy.special import gamma, gammainc

    zero = t == 0.0
    safe = t + zero
    return anp.where(zero, 1 / (2 * n + 1),
                     gammainc(n + 0.5, safe) * gamma(n + 0.5) / (2 * safe ** (n + 0.5)))


def _hermite_coulomb(t, u, v, n, p, dr):
    """PennyLane's ``_hermite_coulomb``: the Hermite Coulomb integral ``R^n_{tuv}`` for
    exponent ``p`` and ``dr = P - C`` (first axis x, y, z)."""
    x, y, z = dr[0], dr[1], dr[2]
    if t == u == v == 0:
        return (-2 * p) ** n * _boys(n, p * (dr ** 2).sum(axis=0))
    if t == u == 0:
        low, step, coord = v, (0, 0, 1), z
    elif t == 0:
        low, step, coord = u, (0, 1, 0), y
    else:
        low, step, coord = t, (1, 0, 0), x
    r = coord * _hermite_coulomb(t - step[0], u - step[1], v - step[2], n + 1, p, dr)
    if low > 1:
        r = r + (low - 1) * _hermite_coulomb(t - 2 * step[0], u - 2 * step[1],
                                             v - 2 * step[2], n + 1, p, dr)
    return r


def nuclear_attraction(la, lb, ra, rb, alpha, beta, r):
    """``<G_a| 1/|x - r| |G_b>`` of two primitive Gaussians and a unit charge at ``r``.

    >>> z = np.zeros(3)
    >>> round(float(nuclear_attraction((0, 0, 0), (0, 0, 0), z, z, 0.5, 0.5, z)[0, 0]), 6)
    6.283185
    """
    p = alpha + beta
    centre = (alpha * anp.reshape(ra, (3, 1, 1)) + beta * anp.reshape(rb, (3, 1, 1))) / p
    dr = centre - anp.reshape(r, (3, 1, 1))
    a = 0.0
    for t, u, v in itertools.product(*[range(la[k] + lb[k] + 1) for k in range(3)]):
        a = a + (expansion(la[0], lb[0], ra[0], rb[0], alpha, beta, t)
                 * expansion(la[1], lb[1], ra[1], rb[1], alpha, beta, u)
                 * expansion(la[2], lb[2], ra[2], rb[2], alpha, beta, v)
                 * _hermite_coulomb(t, u, v, 0, p, dr))
    return a * 2 * np.pi / p


def attraction_integral(r, basis_a, basis_b, normalize=True):
    """A function of ``args`` returning ``<a| 1/|x - r| |b>`` (a positive number: multiply
    by ``-Z`` for a nucleus); if ``r`` is trainable, ``args[0]`` replaces it.

    >>> import qsym as qml
    >>> mol = qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> round(float(attraction_integral(np.zeros(3), *mol.basis_set)()), 6)
    0.597417
    """
    def _attraction_integral(*args):
        coor = r
        if getattr(r, "requires_grad", False) and args:
            coor, args = args[0], args[1:]
        args_a, args_b = _split(args, 2)
        # PennyLane normalizes here only when the coefficients are trainable
        alpha, ca, ra = _contraction(basis_a, args_a, False)
        beta, cb, rb = _contraction(basis_b, args_b, False)
        v = nuclear_attraction(basis_a.l, basis_b.l, ra, rb, alpha,
                               anp.reshape(beta, (-1, 1)), coor)
        return (ca * anp.reshape(cb, (-1, 1)) * v).sum()

    return _attraction_integral


def electron_repulsion(la, lb, lc, ld, ra, rb, rc, rd, alpha, beta, gamma, delta):
    """The two-electron integral ``(ab|cd)`` of four primitive Gaussians (chemists' order;
    the exponents broadcast, PennyLane's axes: ``delta`` first, ``alpha`` last).

    >>> z = np.zeros(3)
    >>> s = (0, 0, 0)
    >>> round(float(np.ravel(electron_repulsion(s, s, s, s, z, z, z, z, 0.5, 0.5, 0.5, 0.5))[0]), 6)
    24.739429
    """
    p, q = alpha + beta, gamma + delta
    shape = (3, 1, 1, 1, 1)
    p_ab = (alpha * anp.reshape(ra, shape) + beta * anp.reshape(rb, shape)) / p
    p_cd = (gamma * anp.reshape(rc, shape) + delta * anp.reshape(rd, shape)) / q
    e_ab = [[expansion(la[k], lb[k], ra[k], rb[k], alpha, beta, t)
             for t in range(la[k] + lb[k] + 1)] for k in range(3)]
    e_cd = [[expansion(lc[k], ld[k], rc[k], rd[k], gamma, delta, t)
             for t in range(lc[k] + ld[k] + 1)] for k in range(3)]
    g = 0.0
    for t, u, v in itertools.product(*[range(len(e)) for e in e_ab]):
        for r, s, w in itertools.product(*[range(len(e)) for e in e_cd]):
            g = g + (e_ab[0][t] * e_ab[1][u] * e_ab[2][v] * e_cd[0][r] * e_cd[1][s]
                     * e_cd[2][w] * (-1) ** (r + s + w)
                     * _hermite_coulomb(t + r, u + s, v + w, 0, p * q / (p + q), p_ab - p_cd))
    return g * 2 * np.pi ** 2.5 / (p * q * anp.sqrt(p + q))


def repulsion_integral(basis_a, basis_b, basis_c, basis_d, normalize=True):
    """A function of ``args`` returning the electron repulsion integral ``(ab|cd)``.

    >>> import qsym as qml
    >>> mol = qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> a = mol.basis_set[0]
    >>> round(float(repulsion_integral(a, a, a, a, normalize=False)()), 6)
    0.774606
    """
    def _repulsion_integral(*args):
        parts = _split(args, 4)
        basis = (basis_a, basis_b, basis_c, basis_d)
        (e1, c1, r1), (e2, c2, r2), (e3, c3, r3), (e4, c4, r4) = [
            _contraction(b, a, normalize) for b, a in zip(basis, parts)]
        coeffs = (c1 * anp.reshape(c2, (-1, 1)) * anp.reshape(c3, (-1, 1, 1))
                  * anp.reshape(c4, (-1, 1, 1, 1)))
        g = electron_repulsion(basis_a.l, basis_b.l, basis_c.l, basis_d.l, r1, r2, r3, r4, e1,
                               anp.reshape(e2, (-1, 1)), anp.reshape(e3, (-1, 1, 1)),
                               anp.reshape(e4, (-1, 1, 1, 1)))
        return (coeffs * g).sum()

    return _repulsion_integral
