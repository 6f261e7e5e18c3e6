"""Parameter-shift rules, derived exactly and proved with sympy.

A shift rule for one gate parameter ``g`` is a tuple of terms ``(coeff, mult, shift)``:

    d/dg f(g) = sum coeff * f(mult*g + shift)

(PennyLane's ``[c, a, s]`` rows). Here the rules are *derived* from a gate's matrix: the
matrix gives the frequencies of ``f`` (:func:`frequencies_from_matrix`), the frequencies
give a ``2R``-term rule (:func:`derive_rule`, Wierichs, Izaac, Wang, Lin, Quantum 6, 677
(2022)), and :func:`prove_rule` checks the finitely many trigonometric identities that make
the rule exact for every state and observable. Everything is exact sympy arithmetic;
floats only appear in :meth:`ShiftRule.numeric`.

>>> rule = rule_for_gate("RX", 0)
>>> rule.terms
((1/2, 1, pi/2), (-1/2, 1, -pi/2))
>>> bool(prove_rule(rule))
True
"""

from __future__ import annotations

import math
import sys
from dataclasses import FrozenInstanceError, dataclass
from fractions import Fraction
from functools import lru_cache, partial, reduce
from itertools import combinations, islice
from numbers import Integral, Real

import sympy as sp
from sympy.core.add import _addsort
from sympy.polys.densearith import dup_add, dup_mul, dup_mul_ground, dup_neg, dup_rem, dup_sub
from sympy.polys.densebasic import dup_strip
from sympy.polys.domains import QQ
from sympy.polys.euclidtools import dup_invert

from .errors import GateError, RuleError
from ._gates import REGISTRY

__all__ = [
    "ShiftRule",
    "Proof",
    "eigen_frequencies",
    "frequencies_from_generator",
    "parameter_spectrum",
    "frequencies_from_matrix",
    "derive_rule",
    "canonical",
    "prove_rule",
    "prove_generator",
    "rule_for_gate",
    "rule_for_op",
    "exact_matrix",
    "exact_generator",
    "reduced_angle",
]

_I = sp.I
_pi = sp.pi
_ONE = sp.Integer(1)
_ZERO = sp.Integer(0)

# Digits used to order exact numbers and to rule equality out cheaply. Equality itself is
# always decided exactly (see _same); these digits only pick the candidates.
_DIGITS = 30
_NONZERO = sp.Float("1e-20", _DIGITS)


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


class ShiftRule:
    """An exact parameter-shift rule: ``d/dg f(g) = sum coeff * f(mult*g + shift)``.

    Attributes:
        terms: ``(coeff, mult, shift)`` triples of exact sympy numbers, in the canonical
            order of :func:`canonical` (zero-shift term first, then by ``|shift|``, with
            ``+shift`` before ``-shift``).
        frequencies: the distinct positive frequencies the rule is exact for, ascending.

    A built-in gate's rule comes from the table qsym ships in its float form
    (:meth:`numeric`, :meth:`numeric_frequencies`: all a plan needs); its exact sympy form
    is read when ``terms`` or ``frequencies`` is first asked for (docs/shift-rules.md,
    "The rule table on disk"). Immutable; equal when the exact forms are.

    >>> rule = derive_rule([2])
    >>> rule.terms
    ((1, 1, pi/4), (-1, 1, -pi/4))
    >>> rule.numeric()
    ((1.0, 1.0, 0.7853981633974483), (-1.0, 1.0, -0.7853981633974483))
    """

    __slots__ = ("_terms", "_frequencies", "_floats", "_exact")

    def __init__(self, terms, frequencies):
        object.__setattr__(self, "_terms", terms)
        object.__setattr__(self, "_frequencies", frequencies)
        object.__setattr__(self, "_floats", None)
        object.__setattr__(self, "_exact", None)

    @classmethod
    def from_numbers(cls, terms, frequencies, exact) -> ShiftRule:
        """A rule known by its floats (``terms``: ``((coeff, mult, shift), ...)``,
        ``frequencies``), whose exact form ``exact()`` gives when first asked for: an
        exact :class:`ShiftRule` with these very floats, or an exception."""
        rule = object.__new__(cls)
        for name, value in (("_terms", None), ("_frequencies", None),
                            ("_floats", (terms, frequencies)), ("_exact", exact)):
            object.__setattr__(rule, name, value)
        return rule

    def _exact_form(self) -> None:
        exact = self._exact()
        if not isinstance(exact, ShiftRule) or exact._terms is None:
            raise RuleError("the exact form of a shipped shift rule is not a rule")
        if (exact.numeric(), exact.numeric_frequencies()) != self._floats:
            raise RuleError(
                f"the shift rule qsym ships as floats {self._floats} differs from its exact "
                f"form {exact.terms}: the package's gate_index.json does not belong to its "
                "gate_records.json; reinstall qsym (or regenerate both with "
                "qsym._emit.ship_records())")
        object.__setattr__(self, "_frequencies", exact._frequencies)
        object.__setattr__(self, "_terms", exact._terms)

    @property
    def terms(self) -> tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]:
        if self._terms is None:
            self._exact_form()
        return self._terms

    @property
    def frequencies(self) -> tuple[sp.Expr, ...]:
        if self._terms is None:
            self._exact_form()
        return self._frequencies

    def numeric(self) -> tuple[tuple[float, float, float], ...]:
        """The terms as Python floats, for the kernels.

        Returns:
            ``((coeff, mult, shift), ...)`` as floats, in the same order as :attr:`terms`.

        >>> derive_rule([1]).numeric()
        ((0.5, 1.0, 1.5707963267948966), (-0.5, 1.0, -1.5707963267948966))
        """
        if self._floats is not None:
            return self._floats[0]
        return _numeric_terms(self._terms)

    def numeric_frequencies(self) -> tuple[float, ...]:
        """The frequencies as Python floats, in the order of :attr:`frequencies`.

        >>> rule_for_gate("CRX", 0).numeric_frequencies()
        (0.5, 1.0)
        """
        if self._floats is not None:
            return self._floats[1]
        return tuple(_to_float(f) for f in self._frequencies)

    def period(self) -> float:
        """A period ``P`` of every ``f`` this rule is exact for, ``2 pi 2^k`` (``k >= 0``, the
        smallest with every frequency times ``2^k`` an integer), or ``0.0`` if there is none
        of that form (or a term has ``mult != 1``). A shifted parameter ``g`` is evaluated at
        ``reduced_angle(g, P) + shift`` (:func:`reduced_angle`): ``g + shift`` in floats
        loses the shift once ``|g|`` is near ``2^53 |shift|``.

        >>> rule_for_gate("RX", 0).period(), rule_for_gate("CRX", 0).period()
        (6.283185307179586, 12.566370614359172)
        """
        if any(m != 1.0 for _, m, _ in self.numeric()):
            return 0.0
        return _period(self.numeric_frequencies())

    def __eq__(self, other):
        if not isinstance(other, ShiftRule):
            return NotImplemented
        return (self.terms, self.frequencies) == (other.terms, other.frequencies)

    def __hash__(self):
        return hash((self.terms, self.frequencies))

    def __repr__(self):
        return f"ShiftRule(terms={self.terms!r}, frequencies={self.frequencies!r})"

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self):
        return (ShiftRule, (self.terms, self.frequencies))


_TWO_PI = 2.0 * math.pi
_MAX_PERIOD_EXPONENT = 8  # periods 2 pi, 4 pi, ..., 512 pi


@lru_cache(maxsize=4096)
def _period(frequencies) -> float:
    if not frequencies:
        return 0.0
    for k in range(_MAX_PERIOD_EXPONENT + 1):
        if all(float(w) * 2.0 ** k == math.floor(float(w) * 2.0 ** k) for w in frequencies):
            return _TWO_PI * 2.0 ** k
    return 0.0


def reduced_angle(g: float, period: float) -> float:
    """``g`` reduced modulo ``period`` (``2 pi 2^k``, :meth:`ShiftRule.period`) to
    ``[-period/2, period/2]`` when ``|g| > period``, else ``g`` itself (the same bits).

    The reduction is the one the C library's ``sin`` and ``cos`` make (exact, Payne and
    Hanek's for huge arguments): ``m atan2(sin(g/m), cos(g/m))`` with ``m = 2^k`` (``g/m``
    exact), within a few units in the last place of ``period``, at every finite ``g``.
    Subtracting a float multiple of ``period`` would not do: ``2 pi`` in floats is off by
    ``2.4e-16``, and at ``g = 1e16`` that is off by ``0.4`` after the subtraction.
    Every path that forms a shifted gate parameter (the generated ``prepare``, the
    written-out code, the interpreter, Hessians, the density-matrix executor) does it
    with this arithmetic, in this order.

    >>> reduced_angle(1.0, 2 * math.pi)
    1.0
    >>> x = 1e16
    >>> abs(math.cos(reduced_angle(x, 2 * math.pi)) - math.cos(x)) < 1e-15
    True
    """
    if period > 0.0 and abs(g) > period:
        m = period / _TWO_PI
        return m * math.atan2(math.sin(g / m), math.cos(g / m))
    return g


@lru_cache(maxsize=4096)
def _numeric_terms(terms) -> tuple[tuple[float, float, float], ...]:
    # memoized: a plan asks once per gate occurrence (docs/design.md, "Measurements ...")
    return tuple(tuple(_to_float(x) for x in term) for term in terms)


@dataclass(frozen=True)
class Proof:
    """The outcome of an exact check: the identities tried and their simplified residuals.

    Attributes:
        ok: True iff every residual simplified to exactly 0.
        checks: ``(description, residual)`` pairs; a residual that is not exactly 0 is
            a failed (or unproved) identity.

    >>> proof = prove_rule(derive_rule([1]))
    >>> bool(proof), proof.checks[0]
    (True, ('sum c = 0', 0))
    """

    ok: bool
    checks: tuple[tuple[str, sp.Expr], ...]

    def __bool__(self) -> bool:
        return self.ok

    def failures(self) -> tuple[tuple[str, sp.Expr], ...]:
        """The checks whose residual is not exactly 0."""
        return tuple(c for c in self.checks if c[1] != 0)


# --------------------------------------------------------------------------------------
# Exact numbers: conversion, ordering, equality, zero tests
# --------------------------------------------------------------------------------------


def exact_number(x, what: str) -> sp.Expr:
    """An exact real sympy number from ``x``.

    Python/NumPy floats are read as the decimal they print as (``0.5`` -> ``1/2``), which is
    what a user who typed them meant; nothing is guessed (no ``nsimplify``).
    """
    if isinstance(x, bool):
        raise RuleError(f"{what} must be a real number, got {x!r}")
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, Integral) and not isinstance(x, sp.Basic):
        return sp.Integer(int(x))
    if isinstance(x, float) or (isinstance(x, Real) and not isinstance(x, (int, sp.Basic))):
        xf = float(x)
        if not math.isfinite(xf):
            raise RuleError(f"{what} must be finite, got {x!r}")
        return sp.Rational(repr(xf))
    try:
        e = sp.sympify(x, strict=True)
    except (sp.SympifyError, TypeError):
        raise RuleError(f"{what} must be an exact real number, got {x!r}") from None
    if isinstance(e, sp.Float):
        return sp.Rational(str(e))
    if not isinstance(e, sp.Expr) or not e.is_number:
        raise RuleError(f"{what} must be a number without free symbols, got {x!r}")
    if e.is_extended_real is not True and _exact_residual(sp.im(e)) != 0:
        raise RuleError(f"{what} must be real, got {e}")
    if e.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise RuleError(f"{what} must be finite, got {e}")
    return e


def _exact_shift(x) -> sp.Expr:
    """A shift as an exact number. A float within rounding of a simple multiple of pi
    (``np.pi / 4``, ``3 * np.pi / 2``) is read as that multiple: it is what the user wrote."""
    if isinstance(x, float) or (isinstance(x, Real) and not isinstance(x, (int, sp.Basic))):
        xf = float(x)
        if math.isfinite(xf) and xf != 0:
            q = Fraction(xf / math.pi).limit_denominator(720)
            if abs(float(q) * math.pi - xf) <= 8 * sys.float_info.epsilon * abs(xf):
                return sp.pi * sp.Rational(q.numerator, q.denominator)
    return exact_number(x, "a shift")


# Largest ratio of sum |coefficients| to the largest frequency that a derived rule may have.
# Beyond it the rule subtracts huge, nearly equal numbers (shifts near a zero of
# sin(w s)): exact on paper, useless in floating point.
MAX_CONDITION = 1e6


def _check_conditioning(rule) -> None:
    if not rule.terms:
        return
    size = sum(abs(float(c)) for c, _, _ in rule.terms)
    scale = max(float(f) for f in rule.frequencies)
    if size > MAX_CONDITION * scale:
        raise RuleError(
            f"the rule for frequencies {rule.frequencies} with shifts "
            f"{tuple(s for _, _, s in rule.terms if s.is_positive)} has coefficients summing to "
            f"{size:.3g} in absolute value: the shifts are too close to zeros of sin(w s), and "
            "the rule would cancel catastrophically in floating point; choose other shifts"
        )


def _num(x: sp.Expr) -> sp.Float:
    return sp.N(x, _DIGITS)


def _to_float(x: sp.Expr) -> float:
    return float(sp.re(_num(x)))


def _is_exact_zero(x: sp.Expr) -> bool:
    return _exact_residual(x) == 0


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Exact equality of two numbers; numerics only rule equality *out*."""
    if a == b:
        return True
    d = a - b
    if d.is_number and abs(_num(d)) > _NONZERO:
        return False
    return _is_exact_zero(d)


def _is_positive(x: sp.Expr) -> bool:
    p = x.is_positive
    if p is not None:
        return bool(p)
    v = _num(x)
    if abs(v) > _NONZERO:
        return bool(v > 0)
    return False if _is_exact_zero(x) else bool(v > 0)


def _sorted_distinct(values) -> list[sp.Expr]:
    """Ascending, with exact duplicates merged (first representative kept)."""
    out: list[sp.Expr] = []
    for v in sorted(values, key=_num):
        # equal numbers are adjacent after the sort; looking a few back also covers
        # distinct numbers that agree to _DIGITS digits
        if not any(_same(v, u) for u in out[-3:]):
            out.append(v)
    return out


def _tidy(x) -> sp.Expr:
    """A readable exact form of a number.

    Numbers of a cyclotomic field (rationals, square roots of rationals, trigonometric
    values at rational multiples of pi; what every default rule is made of) get the
    normal form ``sum_k a_k cos(k pi/N)`` (rational ``a_k``, unique for the field), with
    a cosine left unevaluated where sympy would write it as a nested radical: nested
    radicals would defeat the fast exact proofs. Other numbers get denominators
    rationalised.
    """
    x = sp.sympify(x)
    if x.is_Rational or not x.is_number:
        return x
    field = _CyclotomicField.for_exprs([x])
    if field is not None:
        try:
            y = field.to_real_expr(field.element(x))
        except _NotInField:
            y = None
        if y is not None:
            return y
    y = sp.radsimp(x)
    return x if sp.count_ops(y) > sp.count_ops(x) else y


_x = sp.Dummy("x")
_z = sp.Dummy("z")

# Largest cyclotomic field (degree phi(2N)) the exact arithmetic below is tried in.
_MAX_FIELD_DEGREE = 256


class _NotInField(Exception):
    """An expression outside the forms :class:`_CyclotomicField` reads (or 1/0)."""


def _pi_multiple(arg, unit) -> sp.Rational | None:
    q = sp.sympify(arg) / unit
    return q if q.is_Rational else None


def _squarefree_sqrt(n: sp.Rational) -> tuple[sp.Rational, int]:
    """``sqrt(n) = k * sqrt(m)`` with ``k`` rational and ``m`` a squarefree integer."""
    k, m = 1, 1
    for p, e in sp.factorint(int(n.p) * int(n.q)).items():
        k *= p ** (e // 2)
        m *= p ** (e % 2)
    return sp.Rational(k, int(n.q)), m


def _nested(v: sp.Expr) -> bool:
    return any(
        a.is_Pow and not a.exp.is_Integer and not a.base.is_Rational
        for a in sp.preorder_traversal(v)
    )


class _CyclotomicField:
    """Exact arithmetic in ``Q(z)``, ``z = exp(i pi/N)``: polynomials in ``z`` modulo the
    cyclotomic polynomial ``Phi_2N`` (irreducible, so this is a field).

    Two expressions of the field are equal iff their reductions are: a complete, exact
    and fast test, with no floating point. It reads rationals, ``i``, ``cos``/``sin`` of
    rational multiples of pi, ``exp(i q pi)``, square roots of positive rationals (a prime
    ``p``'s root is its Gauss sum; ``sqrt(2) = z^(N/4) + z^(-N/4)``), sums, products and
    integer powers. Every shift rule with default shifts lives in such a field.

    Elements are dense coefficient lists over ``QQ`` (sympy's ``dup`` functions): sympy's
    ``Poly`` wrapper costs more than the arithmetic at these sizes.
    """

    def __init__(self, N: int):
        self.N = N
        self.phi = _dup(sp.cyclotomic_poly(2 * N, _z))
        self.degree = len(self.phi) - 1
        self._zpow = [dup_rem([QQ(1)] + [QQ(0)] * k, self.phi, QQ) for k in range(2 * N)]
        self._basis = None  # for to_real_expr, built on first use

    @staticmethod
    def _order(e) -> int | None:
        if e.is_Rational:
            return 1
        if e is _I:
            return 2
        if isinstance(e, (sp.cos, sp.sin)):
            q = _pi_multiple(e.args[0], _pi)
            return None if q is None else math.lcm(int(q.q), 2)
        if isinstance(e, sp.exp):
            q = _pi_multiple(e.args[0], _I * _pi)
            return None if q is None else math.lcm(int(q.q), 2)
        if e.is_Add or e.is_Mul:
            N = 1
            for a in e.args:
                n = _CyclotomicField._order(a)
                if n is None:
                    return None
                N = math.lcm(N, n)
            return N
        if e.is_Pow:
            if e.exp.is_Integer:
                return _CyclotomicField._order(e.base)
            if e.exp.is_Rational and e.exp.q == 2 and e.base.is_Rational and e.base > 0:
                N = 2
                for p in sp.primefactors(_squarefree_sqrt(e.base)[1]):
                    N = math.lcm(N, 4 if p == 2 else p)
                return N
        return None

    @classmethod
    def for_exprs(cls, exprs) -> _CyclotomicField | None:
        """The smallest field of this kind holding all ``exprs``; None if there is none."""
        N = 2
        for e in exprs:
            n = cls._order(sp.sympify(e))
            if n is None:
                return None
            N = math.lcm(N, n)
        if sp.totient(2 * N) > _MAX_FIELD_DEGREE:
            return None
        return _field(N)

    def zpow(self, k) -> list:
        return self._zpow[int(k) % (2 * self.N)]

    def const(self, c) -> list:
        return dup_strip([QQ(int(c.p), int(c.q)) if isinstance(c, sp.Rational) else QQ(c)])

    def mul(self, a: list, b: list) -> list:
        return dup_rem(dup_mul(a, b, QQ), self.phi, QQ)

    def inv(self, a: list) -> list:
        if not a:
            raise _NotInField("division by zero")
        return dup_invert(a, self.phi, QQ)  # phi is irreducible: every a != 0 inverts

    def power(self, a: list, n: int) -> list:
        if n < 0:
            a, n = self.inv(a), -n
        out = [QQ(1)]
        for _ in range(n):
            out = self.mul(out, a)
        return out

    def _sqrt_prime(self, p: int) -> list:
        N = self.N
        if p == 2:
            return dup_add(self.zpow(N // 4), self.zpow(-(N // 4)), QQ)
        g = []
        for a in range(1, p):
            sign = QQ(int(sp.legendre_symbol(a, p)))
            g = dup_add(g, dup_mul_ground(self.zpow(a * 2 * N // p), sign, QQ), QQ)
        return self.mul(g, self.zpow(-(N // 2))) if p % 4 == 3 else g  # g = i sqrt(p)

    def element(self, e) -> list:
        """``e`` as a reduced coefficient list in ``z``; raises :class:`_NotInField`."""
        e = sp.sympify(e)
        N = self.N
        if e.is_Rational:
            return self.const(e)
        if e is _I:
            return self.zpow(N // 2)
        if isinstance(e, (sp.cos, sp.sin, sp.exp)):
            unit = _I * _pi if isinstance(e, sp.exp) else _pi
            q = _pi_multiple(e.args[0], unit)
            if q is None or (q * N).q != 1:
                raise _NotInField(str(e))
            k = int(q * N)
            if isinstance(e, sp.exp):
                return self.zpow(k)
            if isinstance(e, sp.cos):
                return dup_mul_ground(dup_add(self.zpow(k), self.zpow(-k), QQ), QQ(1, 2), QQ)
            diff = dup_sub(self.zpow(k), self.zpow(-k), QQ)
            return dup_mul_ground(self.mul(diff, self.zpow(-(N // 2))), QQ(1, 2), QQ)
        if e.is_Add:
            out = []
            for a in e.args:
                out = dup_add(out, self.element(a), QQ)
            return out
        if e.is_Mul:
            out = [QQ(1)]
            for a in e.args:
                out = self.mul(out, self.element(a))
            return out
        if e.is_Pow and e.exp.is_Integer:
            return self.power(self.element(e.base), int(e.exp))
        if e.is_Pow and e.exp.is_Rational and e.exp.q == 2 and e.base.is_Rational and e.base > 0:
            k, m = _squarefree_sqrt(e.base)
            root = self.const(k)
            for p in sp.primefactors(m):
                if (p == 2 and N % 4) or (p > 2 and N % p):
                    raise _NotInField(str(e))
                root = self.mul(root, self._sqrt_prime(p))
            return self.power(root, int(e.exp * 2))
        raise _NotInField(str(e))

    def is_real(self, a: list) -> bool:
        conj = []
        for k, c in enumerate(reversed(a)):
            if c:
                conj = dup_add(conj, dup_mul_ground(self.zpow(-k), c, QQ), QQ)
        return not dup_sub(a, conj, QQ)

    def to_real_expr(self, a: list) -> sp.Expr | None:
        """A real element as ``sum_k e_k cos(k pi/N)``, ``k < degree/2``; None if not real.

        The real subfield is ``Q(c)``, ``c = cos(pi/N)``, of degree ``d = degree/2``, and
        ``cos(k pi/N) = T_k(c)`` (Chebyshev), so ``{cos(k pi/N) : k < d}`` is a basis: the
        form is unique. ``Re a = sum a_k cos(k pi/N) = sum a_k T_k(c)``, reduced modulo the
        minimal polynomial of ``c`` and written back in the Chebyshev basis.
        """
        if not self.is_real(a):
            return None
        if self._basis is None:
            c = sp.Dummy("c")
            psi = _dup(sp.minimal_polynomial(sp.cos(_pi / self.N), c), c)
            cheb = [[QQ(1)], [QQ(1), QQ(0)]]
            while len(cheb) < max(self.degree, 2):
                nxt = dup_sub(dup_mul([QQ(2), QQ(0)], cheb[-1], QQ), cheb[-2], QQ)
                cheb.append(nxt)
            self._basis = (psi, cheb)
        psi, cheb = self._basis
        poly_c = []
        for k, ak in enumerate(reversed(a)):
            if ak:
                poly_c = dup_add(poly_c, dup_mul_ground(cheb[k], ak, QQ), QQ)
        poly_c = dup_rem(poly_c, psi, QQ)
        terms = []
        while poly_c:
            j = len(poly_c) - 1
            e_j = poly_c[0] / cheb[j][0]
            terms.append((j, e_j))
            poly_c = dup_sub(poly_c, dup_mul_ground(cheb[j], e_j, QQ), QQ)
        out = []
        for j, e_j in terms:
            angle = sp.Rational(j, self.N) * _pi
            v = sp.cos(angle)
            if _nested(v):
                v = sp.cos(angle, evaluate=False)
            out.append(sp.Rational(int(e_j.numerator), int(e_j.denominator)) * v)
        return sp.Add(*out)


def _dup(expr, gen=None) -> list:
    gen = _z if gen is None else gen
    return [QQ(int(c.p), int(c.q)) for c in sp.Poly(expr, gen).all_coeffs()]


@lru_cache(maxsize=None)
def _field(N: int) -> _CyclotomicField:
    return _CyclotomicField(N)


def _cyclotomic_is_zero(e) -> bool | None:
    """Exact zero test of ``e`` in a cyclotomic field; None if ``e`` is not of that form."""
    field = _CyclotomicField.for_exprs([e])
    if field is None:
        return None
    try:
        return not field.element(e)
    except _NotInField:
        return None


# The largest residual (sympy's count_ops) that _exact_residual hands to sympy's general
# rewriting (radsimp, sqrtdenest, simplify): the proved rules' residuals are far smaller
# (3,700 for frequencies (1, sqrt(2), 2), proved in seconds); one of 12,900 (frequencies
# (1, 2, 4) with shifts (0.3, 0.7, 1.1)) had not finished after 4 minutes.
_MAX_REWRITE_OPS = 5000


def _exact_residual(expr) -> sp.Expr:
    """Simplify ``expr`` exactly, trying cheap and complete methods first; 0 iff proven zero.

    Every step is exact: reduction in a cyclotomic field (complete and fast for the
    numbers shift rules are made of), expansion, the minimal polynomial of an algebraic
    number, rationalising denominators, denesting, ``simplify``. No float is guessed back
    into an exact number; numerics only recognise quickly a residual that is certainly
    *not* zero.
    """
    e = sp.sympify(expr)
    if e == 0:
        return _ZERO
    cyc = _cyclotomic_is_zero(e) if e.is_number else None
    if cyc:
        return _ZERO
    r = sp.expand(e.doit())
    if r == 0:
        return _ZERO
    if not r.is_number:
        return sp.simplify(r)
    if cyc is False or abs(_num(r)) > _NONZERO:
        # Certainly nonzero: no proof to find; keep the residual readable and move on.
        return _tidy(e)
    if not r.has(sp.sin, sp.cos, sp.exp, sp.pi, sp.E):  # algebraic: sympy decides it
        # (a transcendental number such as sin(3/10) sends minimal_polynomial searching
        # without end: it is left to the rewriting below)
        try:
            if sp.minimal_polynomial(r, _x) == _x:
                return _ZERO
        except Exception:  # sympy could not decide: try rewriting instead
            pass
    if sp.count_ops(r) > _MAX_REWRITE_OPS:
        # sympy's rewriting of a residual this large can run for hours (sines of angles
        # that are not rational multiples of pi, from several incommensurate
        # frequencies or from shifts such as 0.3): not proved, so the rule is refused
        return r
    for step in (sp.radsimp, sp.sqrtdenest):
        r = sp.expand(step(r))
        if r == 0:
            return _ZERO
    return sp.simplify(r)


# --------------------------------------------------------------------------------------
# Frequencies
# --------------------------------------------------------------------------------------


def eigen_frequencies(eigenvalues) -> tuple:
    """The frequencies of a spectrum: distinct positive differences, ascending, exact.

    Args:
        eigenvalues: exact real numbers (a mapping such as sympy's ``eigenvals()`` result
            is read by its keys; multiplicities do not matter).

    Returns:
        The distinct positive differences ``e_j - e_i``, ascending.

    >>> eigen_frequencies([-sp.Rational(1, 2), 0, 0, sp.Rational(1, 2)])
    (1/2, 1)
    >>> eigen_frequencies([1, 1])
    ()
    """
    if isinstance(eigenvalues, dict):
        eigenvalues = list(eigenvalues)
    vals = _sorted_distinct(exact_number(e, "an eigenvalue") for e in eigenvalues)
    diffs = [_tidy(vals[j] - vals[i]) for i in range(len(vals)) for j in range(i + 1, len(vals))]
    return tuple(_sorted_distinct(diffs))


def frequencies_from_generator(G: sp.Matrix) -> tuple:
    """The frequencies of ``exp(-i t G)`` from the exact eigenvalues of Hermitian ``G``.

    Args:
        G: a Hermitian sympy matrix of numbers.

    Returns:
        The distinct positive eigenvalue differences of ``G``, ascending.

    Raises:
        RuleError: ``G`` is not square, not Hermitian, has symbols, or sympy cannot find
            its eigenvalues exactly.

    >>> frequencies_from_generator(sp.diag(-1, 0, 0, 1) / 2)
    (1/2, 1)
    """
    G = sp.Matrix(G)
    if G.rows != G.cols:
        raise RuleError(f"a generator must be square, got shape {G.shape}")
    if G.free_symbols:
        names = sorted(G.free_symbols, key=str)
        raise RuleError(f"a generator must not contain symbols, got {names}")
    if any(not _is_exact_zero(e) for e in (G - G.H)):
        raise RuleError(
            "the generator is not Hermitian (G != G^dagger), so it has no real spectrum"
        )
    try:
        eig = G.eigenvals()
    except Exception as exc:  # sympy's MatrixError / NotImplementedError
        raise RuleError(
            f"sympy could not find the exact eigenvalues of the generator: {exc}"
        ) from exc
    return eigen_frequencies(list(eig))


def _trig_coefficients(expr, t: sp.Symbol) -> dict:
    """Write ``expr`` as ``sum_l c_l exp(i l t)``: returns ``{l: c_l}`` (zero ``c_l`` dropped).

    Rewriting to exponentials and expanding turns every product and power of sines,
    cosines and exponentials into single exponentials (sympy merges ``exp(a)*exp(b)``),
    so each additive term must be ``(t-free factor) * exp(linear in t)``. Anything else
    (``t`` outside an exponential, ``exp(t**2)``, ``sqrt(cos t)``, a real growth rate)
    is not a trigonometric polynomial and is refused rather than approximated.
    """
    expr = sp.sympify(expr)
    if not expr.has(t):
        return {} if _is_exact_zero(expr) else {_ZERO: expr}
    expanded = sp.expand(expr.rewrite(sp.exp))
    groups: list[list] = []  # [lambda, [coefficient terms]]
    for term in sp.Add.make_args(expanded):
        lam = _ZERO
        coeff = []
        for f in sp.Mul.make_args(term):
            if not f.has(t):
                coeff.append(f)
                continue
            if isinstance(f, sp.exp):
                arg = f.args[0]
            elif (
                f.is_Pow
                and isinstance(f.base, sp.exp)
                and not f.exp.has(t)
                and f.exp.is_integer
            ):
                arg = f.base.args[0] * f.exp
            else:
                raise RuleError(
                    f"{expr} is not a trigonometric polynomial in {t}: its factor {f} is "
                    f"not of the form exp(i*l*{t}) with constant l"
                )
            arg = sp.expand(arg)
            slope = sp.expand(sp.diff(arg, t))
            if slope.has(t):
                raise RuleError(
                    f"{expr} is not a trigonometric polynomial in {t}: exp({arg}) is not "
                    f"linear in {t}"
                )
            const = sp.expand(arg - slope * t)
            if const != 0:
                coeff.append(sp.exp(const))
            freq = sp.expand(slope / _I)
            if freq.free_symbols:
                names = sorted(freq.free_symbols, key=str)
                raise RuleError(
                    f"{expr}: the frequency {freq} of {t} depends on {names}; "
                    "a shift rule needs constant frequencies"
                )
            if freq.is_extended_real is not True and _exact_residual(sp.im(freq)) != 0:
                raise RuleError(
                    f"{expr} is not a trigonometric polynomial in {t}: exp({arg}) grows or "
                    "decays (its exponent is not imaginary)"
                )
            lam = lam + freq
        lam = _tidy(lam)
        for g in groups:
            if _same(g[0], lam):
                g[1].append(sp.Mul(*coeff))
                break
        else:
            groups.append([lam, [sp.Mul(*coeff)]])
    out = {}
    for lam, cs in groups:
        c = sp.expand(sp.Add(*cs))
        # A coefficient we cannot prove zero is kept: a spurious frequency makes the rule
        # longer but never wrong.
        if c != 0 and not (c.is_number and _is_exact_zero(c)):
            out[lam] = c
    return out


def parameter_spectrum(U: sp.Matrix, t: sp.Symbol) -> tuple:
    """The exponents ``l`` such that every entry of ``U`` is a combination of ``exp(i l t)``.

    The coefficients of the combination may depend on other symbols, not on ``t``.

    Args:
        U: a sympy matrix (a gate's matrix).
        t: the (real) parameter symbol.

    Returns:
        The exponents ``l``, exact, distinct, ascending.

    Raises:
        RuleError: an entry is not a trigonometric polynomial in ``t`` (e.g. ``t`` appears
            polynomially or non-linearly inside ``exp``), or its frequencies depend on
            other symbols.

    >>> t = sp.Symbol("t", real=True)
    >>> parameter_spectrum(sp.Matrix([[sp.cos(t / 2), -sp.I * sp.sin(t / 2)],
    ...                               [-sp.I * sp.sin(t / 2), sp.cos(t / 2)]]), t)
    (-1/2, 1/2)
    >>> parameter_spectrum(sp.diag(1, sp.exp(sp.I * t)), t)
    (0, 1)
    """
    U = sp.Matrix(U)
    lams = []
    for entry in U:
        lams.extend(_trig_coefficients(entry, t))
    return tuple(_sorted_distinct(lams))


def frequencies_from_matrix(U: sp.Matrix, t: sp.Symbol) -> tuple:
    """The frequencies of ``f(t) = <psi| U(t)^dagger O U(t) |psi>`` for any ``psi``, ``O``.

    Every entry of ``U`` is a combination of ``exp(i l t)`` with ``l`` in
    ``parameter_spectrum(U, t)``, and (``t`` real) every entry of ``U^dagger`` of
    ``exp(-i l' t)``; so ``f`` is a combination of ``exp(i (l - l') t)``: its frequencies
    are among the positive differences of the spectrum. This holds for any unitary written
    this way, with or without a known generator.

    Args:
        U: a sympy matrix (a gate's matrix).
        t: the (real) parameter symbol.

    Returns:
        The distinct positive differences of the spectrum, ascending.

    Raises:
        RuleError: as :func:`parameter_spectrum`.

    >>> t = sp.Symbol("t", real=True)
    >>> c, s = sp.cos(t / 2), sp.sin(t / 2)
    >>> crx = sp.diag(sp.eye(2), sp.Matrix([[c, -sp.I * s], [-sp.I * s, c]]))
    >>> frequencies_from_matrix(crx, t)
    (1/2, 1)
    """
    return eigen_frequencies(parameter_spectrum(U, t))


# --------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------


def canonical(terms) -> tuple:
    """The canonical form of a list of ``(coeff, mult, shift)`` terms, exact.

    Zero coefficients are dropped, terms with equal ``(mult, shift)`` merged, the
    zero-shift term ``(c, 1, 0)`` (which can reuse the unshifted circuit) put first, then
    the rest sorted by ``|shift|`` ascending, ``+shift`` before ``-shift``, then by ``mult``.
    This matches the order of PennyLane's ``process_shifts``.

    Args:
        terms: iterable of ``(coeff, mult, shift)``; numbers are converted exactly
            (floats as the decimal they print as).

    Returns:
        A tuple of ``(coeff, mult, shift)`` tuples of exact sympy numbers.

    >>> canonical([(-1, 1, -sp.pi / 2), (1, 1, 0), (1, 1, sp.pi / 2), (0, 1, 3), (2, 1, 0)])
    ((3, 1, 0), (1, 1, pi/2), (-1, 1, -pi/2))
    """
    merged: list[list] = []  # [coeff, mult, shift]
    for term in terms:
        try:
            c, m, s = term
        except (TypeError, ValueError):
            raise RuleError(f"a rule term must be (coeff, mult, shift), got {term!r}") from None
        c = exact_number(c, "a coefficient")
        m = exact_number(m, "a multiplier")
        s = exact_number(s, "a shift")
        for row in merged:
            if _same(row[1], m) and _same(row[2], s):
                row[0] = row[0] + c
                break
        else:
            merged.append([c, m, s])
    out = []
    for c, m, s in merged:
        if c.is_Add:  # e.g. after a merge: one normal form, so that zero shows as 0
            c = _tidy(c)
        if not _is_exact_zero(c):
            out.append((c, m, s))

    def key(term):
        _, m, s = term
        s_num = _num(s)
        zero_shift_first = 0 if (_same(m, _ONE) and _same(s, _ZERO)) else 1
        return (zero_shift_first, abs(s_num), 0 if s_num >= 0 else 1, _num(m))

    return tuple(sorted(out, key=key))


def _frequency_list(frequencies) -> list[sp.Expr]:
    """Exact, ascending, distinct, positive; zeros dropped (a constant has no derivative)."""
    if isinstance(frequencies, (str, bytes)) or not hasattr(frequencies, "__iter__"):
        frequencies = [frequencies]
    vals = [exact_number(f, "a frequency") for f in frequencies]
    vals = [f for f in vals if not _is_exact_zero(f)]
    for f in vals:
        if not _is_positive(f):
            raise RuleError(f"frequencies must be positive, got {f}")
    out = _sorted_distinct(vals)
    if len(out) != len(vals):
        raise RuleError(f"frequencies must be distinct, got {tuple(vals)}")
    return out


@lru_cache(maxsize=None)
def _equidistant_unit(R: int) -> tuple:
    # Wierichs et al.: for frequencies 1..R, shifts x_mu = (2mu-1) pi / (2R) and
    # coefficients (-1)^(mu-1) / (4R sin^2((2mu-1) pi / (4R))). Written with
    # 2 sin^2(a/2) = 1 - cos(a) so that coefficients and shifted angles lie in the same
    # cyclotomic field, which keeps their proof cheap.
    out = []
    for mu in range(1, R + 1):
        angle = sp.Rational(2 * mu - 1, 2 * R) * _pi
        out.append((_tidy((-1) ** (mu - 1) / (2 * R * (1 - _trig(sp.cos, angle)))), angle))
    return tuple(out)


def _equidistant_terms(R: int, w: sp.Expr) -> list:
    # Frequencies w..Rw are frequencies 1..R in the variable w*g: scale shifts by 1/w,
    # coefficients by w.
    terms = []
    for c, angle in _equidistant_unit(R):
        c = sp.expand(w * c) if w.is_Rational else _tidy(w * c)
        x = angle / w
        terms += [(c, _ONE, x), (-c, _ONE, -x)]
    return terms


def _solve_terms(freqs: list, shifts: list) -> list | None:
    """Antisymmetric rule on ``±shifts`` for ``freqs``; None if the system is singular.

    With ``c(-x) = -c(x)`` the cosine and constant identities hold term by term, and the
    sine identities are ``sum_mu 2 c_mu sin(w_k x_mu) = w_k``: one equation per frequency.
    """
    R = len(freqs)
    M = [[2 * _trig(sp.sin, freqs[k] * shifts[mu]) for mu in range(R)] for k in range(R)]
    field = _CyclotomicField.for_exprs([e for row in M for e in row] + list(freqs))
    coeffs = None
    if field is not None:
        try:
            coeffs = _solve_in_field(field, M, freqs)
        except _NotInField:
            coeffs = None
        else:
            if coeffs is None:
                return None
    if coeffs is None:
        Ms = sp.Matrix(M).doit()
        if _is_exact_zero(Ms.det(method="berkowitz")):
            return None
        coeffs = [_tidy(c) for c in Ms.LUsolve(sp.Matrix(freqs), iszerofunc=_is_exact_zero)]
    terms = []
    for c, x in zip(coeffs, shifts):
        terms += [(c, _ONE, x), (-c, _ONE, -x)]
    return terms


def _solve_in_field(field: _CyclotomicField, M: list, b: list) -> list | None:
    """Gauss-Jordan elimination over the cyclotomic field; None if ``M`` is singular."""
    R = len(b)
    A = [[field.element(e) for e in row] + [field.element(v)] for row, v in zip(M, b)]
    for col in range(R):
        pivot = next((r for r in range(col, R) if A[r][col]), None)
        if pivot is None:
            return None
        A[col], A[pivot] = A[pivot], A[col]
        inv = field.inv(A[col][col])
        A[col] = [field.mul(a, inv) for a in A[col]]
        for r in range(R):
            if r != col and A[r][col]:
                f = A[r][col]
                A[r] = [dup_sub(a, field.mul(f, p), QQ) for a, p in zip(A[r], A[col])]
    out = []
    for row in A:
        v = field.to_real_expr(row[R])
        if v is None:  # cannot happen for real data; be safe rather than wrong
            raise _NotInField("complex solution")
        out.append(v)
    return out


# Combinations of candidate shifts tried by _commensurate_fallback before giving up.
_MAX_SHIFT_SUBSETS = 2000


def _commensurate_fallback(freqs: list) -> list | None:
    """A ``2R``-term rule for commensurate frequencies whose default shifts are singular.

    The frequencies lie in the equidistant set ``g, 2g, ..., Kg`` (``g`` their greatest
    common divisor), whose ``K`` closed-form shifts give an invertible ``K x K`` system;
    so the ``R`` rows of our frequencies are independent and some ``R`` of those shifts
    give an invertible ``R x R`` system. The first such subset (in order) is used.
    None if the frequencies are not rational multiples of each other.
    """
    w = freqs[0]
    ratios = [_tidy(f / w) for f in freqs]
    if not all(q.is_Rational for q in ratios):
        return None
    g = _rational_gcd(ratios) * w
    K = int(_tidy(freqs[-1] / g))
    candidates = [sp.Rational(2 * mu - 1, 2 * K) * _pi / g for mu in range(1, K + 1)]
    for subset in islice(combinations(candidates, len(freqs)), _MAX_SHIFT_SUBSETS):
        terms = _solve_terms(freqs, list(subset))
        if terms is not None:
            return terms
    return None


def _rational_gcd(qs: list) -> sp.Rational:
    num = reduce(math.gcd, (int(q.p) for q in qs))
    den = reduce(lambda a, b: a * b // math.gcd(a, b), (int(q.q) for q in qs))
    return sp.Rational(num, den)


def derive_rule(frequencies, shifts=None) -> ShiftRule:
    """The ``2R``-term shift rule for ``R`` distinct positive frequencies.

    Wierichs, Izaac, Wang, Lin, Quantum 6, 677 (2022). Without ``shifts``:

    * equidistant frequencies ``w, 2w, ..., Rw``: the closed form with shifts
      ``±x_mu``, ``x_mu = (2mu-1) pi / (2R w)``, and coefficients
      ``±w (-1)^(mu-1) / (4R sin^2((2mu-1) pi / (4R)))``, as PennyLane's
      ``generate_shift_rule``;
    * otherwise the same shifts (PennyLane's default, with ``w`` the smallest frequency)
      and coefficients from the exact linear system. If that system is singular (e.g.
      frequencies ``(1, 3)``) and the frequencies are rational multiples of one another,
      the shifts are the first ``R`` of the closed-form shifts of the equidistant set
      ``g, 2g, ..., Kg`` (``g`` their greatest common divisor) that give an invertible
      system: still ``2R`` terms. (PennyLane returns wrong or huge coefficients there.)

    With ``shifts`` (``R`` distinct positive numbers, used as ``±s``) the coefficients solve
    the exact linear system.

    Args:
        frequencies: distinct positive exact numbers (zeros are dropped; floats are read
            as the decimal they print as).
        shifts: optional ``R`` positive shifts.

    Returns:
        The rule, in canonical form. No frequencies gives the empty rule (the derivative
        is identically zero).

    Raises:
        RuleError: bad frequencies or shifts, or shifts that cannot resolve these
            frequencies (singular system).

    >>> derive_rule([1]).terms
    ((1/2, 1, pi/2), (-1/2, 1, -pi/2))
    >>> for term in derive_rule([sp.Rational(1, 2), 1]).terms:
    ...     print(term)
    (sqrt(2)/8 + 1/4, 1, pi/2)
    (-1/4 - sqrt(2)/8, 1, -pi/2)
    (-1/4 + sqrt(2)/8, 1, 3*pi/2)
    (1/4 - sqrt(2)/8, 1, -3*pi/2)
    >>> derive_rule([1], shifts=[sp.pi / 4]).terms
    ((sqrt(2)/2, 1, pi/4), (-sqrt(2)/2, 1, -pi/4))
    >>> derive_rule([])
    ShiftRule(terms=(), frequencies=())
    """
    freqs = _frequency_list(frequencies)
    R = len(freqs)
    if R == 0:
        return ShiftRule((), ())
    w = freqs[0]
    equidistant = all(_same(f, (k + 1) * w) for k, f in enumerate(freqs))
    default = [sp.Rational(2 * mu - 1, 2 * R) * _pi / w for mu in range(1, R + 1)]

    if shifts is None:
        xs = default
    else:
        if isinstance(shifts, (str, bytes)) or not hasattr(shifts, "__iter__"):
            shifts = [shifts]
        xs = [_exact_shift(s) for s in shifts]
        if len(xs) != R:
            raise RuleError(
                f"give one shift per frequency: {R} frequencies {tuple(freqs)}, "
                f"got {len(xs)} shifts"
            )
        for s in xs:
            if not _is_positive(s):
                raise RuleError(f"shifts must be positive (each is used as +s and -s), got {s}")
        xs = _sorted_distinct(xs)
        if len(xs) != R:
            raise RuleError(f"shifts must be distinct, got {tuple(shifts)}")

    if equidistant and all(_same(a, b) for a, b in zip(xs, default)):
        terms = _equidistant_terms(R, w)
    else:
        terms = _solve_terms(freqs, xs)
        if terms is None:
            if shifts is not None:
                raise RuleError(
                    f"the shifts {tuple(xs)} cannot resolve the frequencies {tuple(freqs)}: "
                    "the linear system for the coefficients is singular; choose other shifts"
                )
            terms = _commensurate_fallback(freqs)
            if terms is None:
                raise RuleError(
                    f"the default shifts cannot resolve the frequencies {tuple(freqs)} "
                    "(singular system); pass shifts=... explicitly"
                )
    rule = ShiftRule(canonical(terms), tuple(freqs))
    _check_conditioning(rule)
    return rule


def _trig(fn, arg):
    # Left unevaluated at rational multiples of pi: sympy would turn e.g. sin(pi/8) into
    # nested radicals, which the exact cyclotomic reduction cannot read back.
    if _pi_multiple(arg, _pi) is not None:
        return fn(arg, evaluate=False)
    return fn(arg)


def prove_rule(rule: ShiftRule, frequencies=None) -> Proof:
    """Prove exactly that ``rule`` differentiates every ``f`` with these frequencies.

    ``f(g) = a_0 + sum_w (a_w cos(w g) + b_w sin(w g))``, so with ``mult = 1`` the rule is
    exact for all coefficients ``a, b`` if and only if ``sum c = 0`` and, for each ``w``,
    ``sum c cos(w s) = 0`` and ``sum c sin(w s) = w``. Residuals are simplified with exact
    identities only.

    Args:
        rule: the rule to prove.
        frequencies: the frequencies to prove it for (default: ``rule.frequencies``).

    Returns:
        A :class:`Proof`, true iff every residual is exactly 0.

    Raises:
        RuleError: a term has ``mult != 1`` (outside this proof's scope).

    >>> proof = prove_rule(derive_rule([1]))
    >>> bool(proof), [desc for desc, _ in proof.checks]
    (True, ['sum c = 0', 'sum c*cos(1*s) = 0', 'sum c*sin(1*s) = 1'])
    >>> half = sp.Rational(1, 2)
    >>> wrong = ShiftRule(((half, 1, sp.pi / 2), (-half, 1, -sp.pi / 4)), (1,))  # bad -shift
    >>> bool(prove_rule(wrong))
    False
    """
    freqs = list(rule.frequencies) if frequencies is None else _frequency_list(frequencies)
    cs, ss = [], []
    for c, m, s in rule.terms:
        if not _same(exact_number(m, "a multiplier"), _ONE):
            raise RuleError(
                f"prove_rule handles rules with mult = 1 only, got the term {(c, m, s)}"
            )
        cs.append(exact_number(c, "a coefficient"))
        ss.append(exact_number(s, "a shift"))
    # (description, [(coefficient, value)], target): the identity sum c*value = target.
    identities = [("sum c = 0", [(c, _ONE) for c in cs], _ZERO)]
    for w in freqs:
        cos_terms = [(c, _trig(sp.cos, w * s)) for c, s in zip(cs, ss)]
        sin_terms = [(c, _trig(sp.sin, w * s)) for c, s in zip(cs, ss)]
        identities.append((f"sum c*cos({w}*s) = 0", cos_terms, _ZERO))
        identities.append((f"sum c*sin({w}*s) = {w}", sin_terms, w))
    residuals = _residuals_in_field(identities)
    if residuals is None:
        residuals = [
            _exact_residual(sp.Add(*[c * v for c, v in terms]) - target)
            for _, terms, target in identities
        ]
    checks = tuple((desc, r) for (desc, _, _), r in zip(identities, residuals))
    return Proof(all(r == 0 for _, r in checks), checks)


def _residuals_in_field(identities) -> list | None:
    """All residuals of ``prove_rule`` at once in one cyclotomic field, each number read
    once; None if the numbers are not all in such a field."""
    numbers = {x for _, terms, target in identities for term in terms for x in term}
    numbers |= {target for _, _, target in identities}
    field = _CyclotomicField.for_exprs(numbers)
    if field is None:
        return None
    try:
        el = {x: field.element(x) for x in numbers}
    except _NotInField:
        return None
    out = []
    for _, terms, target in identities:
        r = dup_neg(el[target], QQ)
        for c, v in terms:
            r = dup_add(r, field.mul(el[c], el[v]), QQ)
        if not r:
            out.append(_ZERO)
            continue
        readable = field.to_real_expr(r)  # None for a complex residual
        out.append(readable if readable is not None else _tidy(
            sp.Add(*[c * v for c, v in terms]) - target))
    return out


def _matrix_residual(entry, t) -> sp.Expr:
    """Exact simplification of a matrix entry that should vanish for all real ``t``.

    Distinct ``exp(i l t)`` are linearly independent, so a trigonometric polynomial is
    zero iff each of its coefficients is; those are checked separately, which is far
    cheaper than simplifying the whole entry.
    """
    try:
        coeffs = _trig_coefficients(entry, t)
    except RuleError:
        return sp.simplify(entry)
    rest = {}
    for lam, c in coeffs.items():
        r = _exact_residual(c) if c.is_number else sp.simplify(c)
        if r != 0:
            rest[lam] = r
    return sp.Add(*[c * sp.exp(_I * lam * t) for lam, c in rest.items()])


def _canonical_number(c) -> sp.Expr:
    """An exact number with its denominators rationalized and its products expanded
    (``sqrt(2)/(2 + sqrt(2))`` is ``-1 + sqrt(2)``), so that equal numbers written apart
    cancel when added; a rational is itself."""
    return c if c.is_Rational else sp.expand(sp.radsimp(c))


def _exp_minus_i_t(G: sp.Matrix, t) -> sp.Matrix:
    """``exp(-i*t*G)`` exactly, for a matrix ``G`` of numbers and a symbol ``t``.

    A diagonalizable ``G = P D P^-1`` (every Hermitian generator) gives
    ``P diag(exp(-i t d_k)) P^-1``: the eigenvectors of the numbers alone, found once
    (sympy's ``Matrix.exp`` of ``-i t G`` finds the Jordan form of the matrix with ``t`` in
    every entry: row reductions that simplify expressions in ``t``; the 36 generator proofs
    of ``qsym rules --verify`` took 4.9 s of CPU that way, 0.9 s this way; issue #17).
    A ``G`` that is not diagonalizable, or whose eigenvalues sympy cannot find exactly, is
    exponentiated by sympy as before.

    >>> t = sp.Symbol("t", real=True)
    >>> _exp_minus_i_t(sp.diag(0, 1), t)
    Matrix([
    [1,         0],
    [0, exp(-I*t)]])
    >>> _exp_minus_i_t(sp.Matrix([[0, 1], [0, 0]]), t)  # not diagonalizable: sympy's exp
    Matrix([
    [1, -I*t],
    [0,    1]])
    """
    try:
        P, J = G.jordan_form()
    except Exception:  # noqa: BLE001 - no exact eigenvalues: sympy's own exponential below
        P = J = None
    if J is not None and J.is_diagonal():
        # entry (i, j) is sum_d c_ijd exp(-i t d) over the distinct eigenvalues d, each
        # coefficient c_ijd = sum P[i,k] P^-1[k,j] over the k of d a number put in a canonical
        # form (denominators rationalized, expanded): radicals in the eigenvectors cancel
        # there, not in the proof's residuals
        Pinv = P.inv()
        n = G.rows
        E = sp.zeros(n, n)
        for i in range(n):
            for j in range(n):
                coeffs: dict = {}
                for k in range(n):
                    c = P[i, k] * Pinv[k, j]
                    if c != 0:
                        coeffs[J[k, k]] = coeffs.get(J[k, k], 0) + c
                E[i, j] = sp.Add(*[_canonical_number(c) * sp.exp(-_I * t * d)
                                   for d, c in coeffs.items()])
        return E
    try:
        return (-_I * t * G).exp()
    except Exception as exc:
        raise RuleError(f"sympy could not exponentiate -i t G exactly: {exc}") from exc


def prove_generator(U: sp.Matrix, t, G: sp.Matrix, phase=0) -> Proof:
    """Prove exactly that ``U(t) == exp(i*phase*t) * exp(-i*t*G)``.

    Args:
        U: the gate's matrix as a function of the symbol ``t``.
        t: the parameter symbol (real).
        G: the claimed generator (a matrix of numbers).
        phase: the claimed global phase rate.

    Returns:
        A :class:`Proof` with one check per matrix entry.

    Raises:
        RuleError: shapes differ, or sympy cannot exponentiate ``G``.

    >>> t = sp.Symbol("t", real=True)
    >>> bool(prove_generator(sp.diag(1, sp.exp(sp.I * t)), t, sp.diag(0, -1)))
    True
    >>> bool(prove_generator(sp.diag(1, sp.exp(sp.I * t)), t, sp.diag(0, 1)))
    False
    """
    U = sp.Matrix(U)
    G = sp.Matrix(G)
    if U.shape != G.shape:
        raise RuleError(f"U has shape {U.shape} but G has shape {G.shape}")
    phase = sp.sympify(phase)
    E = _exp_minus_i_t(G, t)
    target = sp.exp(_I * phase * t) * E
    checks = []
    for i in range(U.rows):
        for j in range(U.cols):
            residual = _matrix_residual(U[i, j] - target[i, j], t)
            checks.append((f"U[{i},{j}] - (exp(i*{phase}*t)*exp(-i*t*G))[{i},{j}] = 0", residual))
    return Proof(all(r == 0 for _, r in checks), tuple(checks))


def _derive_gate_rule(name: str, param_index: int, shifts, num_wires, hyper) -> ShiftRule:
    from ._gates import gate_def

    return _derive_row_rule(gate_def(name), param_index, shifts, num_wires, hyper)


def _derive_row_rule(row, param_index: int, shifts, num_wires, hyper) -> ShiftRule:
    name = row.name
    if not 0 <= param_index < row.num_params:
        raise GateError(
            f"{name} has {row.num_params} parameter(s); parameter index {param_index} "
            "is out of range"
        )
    if row.num_wires == 0 and num_wires is None:
        raise RuleError(f"{name} acts on any number of wires: give num_wires to derive its rule")
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    try:
        U = row.sympy_matrix(syms, num_wires, hyper)
    except TypeError as exc:  # e.g. a missing hyperparameter
        raise GateError(f"cannot build the matrix of {name} ({exc}); hyper={hyper!r}") from exc
    try:
        freqs = frequencies_from_matrix(U, syms[param_index])
    except RuleError as exc:
        raise RuleError(f"{name}, parameter {param_index}: {exc}") from exc
    rule = derive_rule(freqs, shifts)
    proof = prove_rule(rule, freqs)
    if not proof:
        raise RuleError(_unproved_message(f"{name}, parameter {param_index}", proof, freqs))
    return rule


def _unproved_message(what: str, proof: Proof, freqs) -> str:
    """Why the rule derived for ``what`` is refused: disproved (a residual is certainly not
    zero) or not provable by qsym's exact methods (every residual is 0 in floating point,
    but sympy could not show it exactly)."""
    failed = proof.failures()
    if all(abs(_num(r)) <= _NONZERO for _, r in failed if r.is_number):
        return (
            f"the shift rule derived for {what} (frequencies {tuple(freqs)}) could not be "
            f"proved exact: {len(failed)} of its identities ({', '.join(d for d, _ in failed)}) "
            "hold in floating point, but involve sines of angles that are not rational "
            "multiples of pi, which qsym's exact proof cannot simplify; qsym refuses rather "
            "than approximate. Use shifts that are rational multiples of pi (or no shifts), "
            "or a gate whose frequencies are rational multiples of one another"
        )
    shown = "; ".join(f"{d}: residual {sp.N(r, 6) if r.is_number else r}" for d, r in failed)
    return f"the shift rule derived for {what} failed its proof: {shown}"


# --- derived rules on disk ------------------------------------------------------------------
# Rules are kept in the cache folder (QSYM_CACHE=0: not) as verified JSON records: a record
# is used only if it holds its full key (qsym version, this file's hash, sympy version, gate,
# parameter, shifts, srepr of the exact matrix) and a SHA-256 of key and contents, and the
# rule read back satisfies prove_rule's identities in floating point; anything else is
# derived again. Why: docs/design.md, "Measurements behind the design".
_RULE_FORMAT = "qsym-rule 1"
_disk_rules = True


def use_disk_cache(enabled: bool) -> bool:
    """Turn reading and writing derived rules on disk on or off; returns the old setting.

    ``qsym rules --verify`` turns it off so that every rule is derived again.
    """
    global _disk_rules
    old, _disk_rules = _disk_rules, bool(enabled)
    return old


def _disk_key(row, param_index, shifts, num_wires, hyper) -> str | None:
    """The full key of a rule on disk, or None (disk cache off, or no matrix to key on:
    then the rule is derived, which raises the right error if there is one). The key
    holds the gate's exact matrix: a gate defined again under the same name with another
    matrix never reads the old one's rule, in this process or another."""
    from . import _cache as cache
    from ._version import __version__
    from ._gates import gate_def

    if not _disk_rules or not cache.enabled():
        return None
    try:
        if isinstance(row, str):  # a gate of the table, by name
            row = gate_def(row)
        name = row.name
        syms = sp.symbols(f"p0:{row.num_params}", real=True)
        if not 0 <= param_index < row.num_params:
            return None
        U = row.sympy_matrix(syms, num_wires, hyper)
        return "\n".join([
            _RULE_FORMAT,
            f"qsym {__version__}",
            f"rules.py {cache.file_digest(__file__)}",
            f"sympy {sp.__version__}",
            f"gate {name!r} param {param_index} of {row.num_params} num_wires {num_wires!r}",
            f"hyper {sp.srepr(hyper)}",
            f"shifts {sp.srepr(shifts)}",
            f"matrix {sp.srepr(U)}",
        ])
    except Exception:  # e.g. a hyperparameter sympy cannot print: no disk cache
        return None


def _canonical_add(*args) -> sp.Expr:
    """``Add(*args)`` for the terms of a sum sympy printed (``srepr`` of a canonical sum:
    no two alike, at most one number): the canonical sum without sympy's evaluation, whose
    first use in a process imports ``sympy.tensor.tensor`` (20-100 ms, issue #17): the
    number first, the rest in sympy's order (``Add.flatten``'s own ``_addsort``). Anything
    else is left to sympy."""
    numbers = [a for a in args if isinstance(a, sp.Number)]
    rest = [a for a in args if not isinstance(a, sp.Number)]
    if (len(args) < 2 or len(numbers) > 1 or any(n == 0 for n in numbers)
            or any(a.is_Add or not a.is_number for a in rest)
            or len({a.as_coeff_Mul()[1] for a in rest}) != len(rest)):
        return sp.Add(*args)
    _addsort(rest)
    return sp.Add._from_args(numbers + rest)


class _SreprNames(dict):
    """sympy's public names as :func:`_from_srepr` reads them, each looked up at its first
    use (building all of them cost about 0.7 ms a process, for the few a rule uses):
    functions left as printed (the derivation leaves cos(3*pi/8) unevaluated, which sympy
    would rewrite as nested radicals), sums by :func:`_canonical_add`."""

    def __missing__(self, name):
        if not isinstance(name, str) or name.startswith("_") or name not in vars(sp):
            raise KeyError(name)
        value = _canonical_add if name == "Add" else vars(sp)[name]
        if name != "Add" and isinstance(value, type) and issubclass(value, sp.Function):
            value = partial(value, evaluate=False)
        self[name] = value
        return value


_SREPR_NAMES = _SreprNames()

def _from_srepr(text: str) -> sp.Expr:
    """An exact number from its ``sympy.srepr`` (only sympy's names, no builtins)."""
    if not isinstance(text, str):
        raise TypeError("not a string")
    value = eval(text, {"__builtins__": {}}, _SREPR_NAMES)  # noqa: S307 - see below
    # (the cache folder already holds the generated modules qsym imports: a file here is
    # trusted no more than those; a damaged one is caught by the digest and the check of
    # the identities in floating point)
    if not isinstance(value, sp.Basic) or not value.is_number:
        raise TypeError("not an exact number")
    return value


def _numerically_exact(rule: ShiftRule) -> bool:
    """The identities of :func:`prove_rule` in floating point (to 1e-9). The exact proof
    ran when the rule was derived; this cheap check (sympy's exact one costs about 0.07 s
    in a new process) only stands guard against a file that passed its checksum anyway."""
    return _identities_hold(rule.numeric(), rule.numeric_frequencies())


def _identities_hold(terms, frequencies) -> bool:
    """:func:`_numerically_exact` of a rule's floats: ``sum c = 0``, and for each
    frequency ``w``, ``sum c cos(w s) = 0`` and ``sum c sin(w s) = w`` (to 1e-9), with every
    multiplier 1."""
    if any(m != 1.0 for _, m, _ in terms):
        return False
    scale = 1.0 + sum(abs(c) for c, _, _ in terms)
    if abs(sum(c for c, _, _ in terms)) > 1e-9 * scale:
        return False
    for w in frequencies:
        if abs(sum(c * math.cos(w * s) for c, _, s in terms)) > 1e-9 * scale:
            return False
        if abs(sum(c * math.sin(w * s) for c, _, s in terms) - w) > 1e-9 * scale * max(1, w):
            return False
    return True


def _load_rule(key: str) -> ShiftRule | None:
    """The rule saved under ``key`` (checked by :func:`qsym._cache.load_record` and
    :func:`_numerically_exact`), or None."""
    from . import _cache as cache

    return _rule_from_record(cache.load_record("rules", key))


def _rule_from_record(record) -> ShiftRule | None:
    """The rule a record's payload holds, if it is one whose identities hold
    (:func:`_numerically_exact`), or None."""
    if record is None:
        return None
    try:
        rule = ShiftRule(
            tuple(tuple(_from_srepr(x) for x in term) for term in record["terms"]),
            tuple(_from_srepr(f) for f in record["frequencies"]),
        )
        if any(len(term) != 3 for term in rule.terms) or not _numerically_exact(rule):
            return None
        return rule
    except Exception:  # a record that is not a rule: derive it again
        return None


def _save_rule(key: str, rule: ShiftRule) -> None:
    from . import _cache as cache

    cache.save_record("rules", key, {
        "terms": [[sp.srepr(x) for x in term] for term in rule.terms],
        "frequencies": [sp.srepr(f) for f in rule.frequencies],
    })


_CONSTANTS: dict = {}
_CMATH = {"cos": "cos", "sin": "sin", "exp": "exp", "tan": "tan", "log": "log",
          "cosh": "cosh", "sinh": "sinh"}


def matrix_at(mat, syms, values):
    """The numeric (complex) value of the sympy matrix ``mat`` with ``syms`` set to
    ``values``: its expression trees walked with :mod:`cmath` (no ``lambdify``, whose
    first use costs about 0.08 s in a new process). Used to check records read from the
    cache against the gate's exact matrix.

    >>> t = sp.Symbol("t", real=True)
    >>> m = matrix_at(sp.Matrix([[sp.cos(t / 2), -sp.I * sp.sin(t / 2)]]), (t,), (math.pi,))
    >>> bool(abs(m - [[0, -1j]]).max() < 1e-15)
    True
    """
    return matrix_function(mat, syms)(values)


def matrix_function(mat, syms):
    """:func:`matrix_at` as a function of ``values``, for a matrix evaluated at several
    points (the checks of a record): the entries are read from sympy once, and those that
    do not depend on ``syms`` (zeros, constants: most of a gate on many wires) evaluated
    once, not at every point.

    >>> t = sp.Symbol("t", real=True)
    >>> f = matrix_function(sp.Matrix([[sp.cos(t), sp.sqrt(2)], [0, sp.I * t]]), (t,))
    >>> bool(abs(f((0.0,)) - [[1, 2 ** 0.5], [0, 0]]).max() < 1e-15)
    True
    """
    import numpy as np

    rows, cols = mat.rows, mat.cols
    base = np.zeros(rows * cols, dtype=np.complex128)
    varying = []
    names = set(syms)
    for k, e in enumerate(mat):  # row-major
        if e.free_symbols & names:
            varying.append((k, e))
        elif e != 0:
            base[k] = _eval_entry(e, {})

    def at(values):
        env = {s: complex(v) for s, v in zip(syms, values)}
        out = base.copy()
        for k, e in varying:
            out[k] = _eval_entry(e, env)
        return out.reshape(rows, cols)

    return at


def _eval_entry(e, env):
    """One entry of :func:`matrix_at`: the expression ``e`` with the symbols of ``env``."""
    import cmath

    if e.is_Symbol:
        return env[e]
    if e.is_Number or e.is_NumberSymbol:
        v = _CONSTANTS.get(e)
        if v is None:  # sympy's complex() goes through evalf: 0.3 ms a number
            v = complex(e)
            if len(_CONSTANTS) < 4096:  # the gate table's few constants
                _CONSTANTS[e] = v
        return v
    if e is sp.I:
        return 1j
    if e.is_Add:
        return sum(_eval_entry(a, env) for a in e.args)
    if e.is_Mul:
        out = 1
        for a in e.args:
            out = out * _eval_entry(a, env)
        return out
    if e.is_Pow:
        return _eval_entry(e.base, env) ** _eval_entry(e.exp, env)
    name = _CMATH.get(type(e).__name__)
    if name is not None and len(e.args) == 1:
        return getattr(cmath, name)(_eval_entry(e.args[0], env))
    return complex(e.xreplace({s: sp.Float(v.real) for s, v in env.items()}).evalf())


def rule_matches_gate(rule: ShiftRule, name: str, param_index: int, num_wires=None,
                      hyper=(), points: int = 2) -> bool:
    """Whether ``rule`` gives the derivative of an expectation value through gate ``name``
    by its parameter ``param_index``: for a random state, random Hermitian observable and
    random parameter values (fresh randomness each call), the rule's sum of shifted values
    must agree with a fourth-order central difference to 1e-6 (relative). A rule read from
    the cache is used only if it does (and satisfies :func:`_numerically_exact`): a wrong
    frequency, shift or coefficient gives an error of order one.

    >>> rule_matches_gate(rule_for_gate("RX", 0), "RX", 0)
    True
    >>> rule_matches_gate(rule_for_gate("RX", 0), "IsingXX", 0)
    True
    >>> rule_matches_gate(rule_for_gate("RX", 0), "CRX", 0)
    False
    """
    import numpy as np

    from ._gates import gate_def

    try:
        row = gate_def(name) if isinstance(name, str) else name  # a name, or a table row
        syms = sp.symbols(f"p0:{row.num_params}", real=True)
        mat = row.sympy_matrix(syms, num_wires, hyper)

        at = matrix_function(mat, syms)

        def f(*params):
            return at(params)

        terms = rule.numeric()
        rng = np.random.default_rng()
        dim = f(*[0.0] * row.num_params).shape[0]
        for _ in range(points):
            psi = rng.normal(size=dim) + 1j * rng.normal(size=dim)
            psi /= np.linalg.norm(psi)
            a = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
            obs = a + a.conj().T
            p = rng.uniform(-np.pi, np.pi, row.num_params)

            def value(t):
                q = p.copy()
                q[param_index] = t
                phi = f(*q) @ psi
                return float(np.real(np.vdot(phi, obs @ phi)))

            t0, h = p[param_index], 1e-3
            fd = (value(t0 - 2 * h) / 12 - 2 * value(t0 - h) / 3 + 2 * value(t0 + h) / 3
                  - value(t0 + 2 * h) / 12) / h
            by_rule = sum(c * value(m * t0 + s) for c, m, s in terms)
            scale = 1.0 + np.linalg.norm(obs, 2) * (1.0 + sum(abs(c) for c, _, _ in terms))
            if not abs(by_rule - fd) <= 1e-6 * scale:
                return False
        return True
    except Exception:  # pragma: no cover - anything odd: derive the rule again
        return False


def record_key(name: str, param_index: int, num_wires=None, hyper=()) -> str | None:
    """The full key of a built-in gate variant's rule record (on disk and in the table
    qsym ships): the gate's exact matrix, parameter, wire count and hyperparameters, and
    the build (qsym's version, this file's digest, sympy's version); None when rules are
    not kept on disk (``QSYM_CACHE=0``, :func:`use_disk_cache`).

    >>> key = record_key("RX", 0)
    >>> key is None or "gate 'RX' param 0 of 1" in key
    True
    """
    return _disk_key(name, param_index, None, num_wires, tuple(hyper))


def rule_name_key(name: str, param_index: int, num_wires=None, hyper=()) -> str:
    """The name of a built-in gate variant's rule in the shipped index
    (:func:`qsym._cache.shipped_by_name`).

    >>> rule_name_key("CRX", 0)
    "('CRX', 0, None, ())"
    """
    return repr((name, int(param_index), num_wires, tuple(hyper)))


def _shipped_by_name(name, param_index, shifts, num_wires, hyper) -> ShiftRule | None:
    """A built-in gate's rule from the shipped index by name (no sympy key, no check
    against the gate's matrix: :func:`qsym._cache.shipped_by_name`), if it is there and its
    identities hold in floating point: its floats (:func:`qsym._cache.shipped_numbers`,
    :func:`_rule_from_numbers`), its exact form read from the table only when asked for;
    else the table's exact record (:func:`_rule_from_record`)."""
    from . import _cache as cache
    from ._gates import BUILTIN_GATES

    if shifts is not None or name not in BUILTIN_GATES or not _disk_rules or not cache.enabled():
        return None
    name_key = rule_name_key(name, param_index, num_wires, hyper)
    args = (name, param_index, shifts, num_wires, hyper)
    rule = _rule_from_numbers(cache.shipped_numbers(name_key),
                              partial(_shipped_exact, name_key, args))
    if rule is not None:
        return rule
    return _rule_from_record(cache.shipped_by_name("rules", name_key))


def _shipped_exact(name_key, args) -> ShiftRule:
    """The exact form of a rule shipped as floats: the table's record (its identities
    checked in floating point), else the rule found or derived as without the index."""
    from . import _cache as cache

    rule = _rule_from_record(cache.shipped_by_name("rules", name_key))
    return rule if rule is not None else _exact_rule(*args)


def _rule_from_numbers(payload, exact) -> ShiftRule | None:
    """The rule of a shipped float form (``{"terms": [[c, m, s], ...], "frequencies":
    [w, ...]}``, :func:`numbers_payload`) if it is one whose identities hold
    (:func:`_identities_hold`), else None; ``exact()`` gives its exact form when asked."""
    if not isinstance(payload, dict) or not isinstance(payload.get("terms"), list) or (
            not isinstance(payload.get("frequencies"), list)):
        return None
    terms = tuple(tuple(t) for t in payload["terms"] if isinstance(t, list) and len(t) == 3)
    freqs = tuple(payload["frequencies"])
    numbers = [x for t in terms for x in t] + list(freqs)
    if (len(terms) != len(payload["terms"]) or not all(type(x) is float for x in numbers)
            or not all(math.isfinite(x) for x in numbers)
            or not _identities_hold(terms, freqs)):
        return None  # not a rule's float form: the table's exact record instead
    return ShiftRule.from_numbers(terms, freqs, exact)


def numbers_payload(rule: ShiftRule) -> dict:
    """A rule's float form as the shipped index holds it (:func:`_rule_from_numbers`):
    :meth:`ShiftRule.numeric` and :meth:`ShiftRule.numeric_frequencies`, JSON floats
    (read back to the same bits).

    >>> numbers_payload(rule_for_gate("RX", 0))
    {'terms': [[0.5, 1.0, 1.5707963267948966], [-0.5, 1.0, -1.5707963267948966]], 'frequencies': [1.0]}
    """
    return {"terms": [list(t) for t in rule.numeric()],
            "frequencies": list(rule.numeric_frequencies())}


def shipped_numbers_match(name: str, param_index: int, rule: ShiftRule, num_wires=None,
                          hyper=()) -> bool | None:
    """Whether the float form qsym ships for this built-in gate variant
    (:func:`qsym._cache.shipped_numbers`) is ``rule``'s floats, bit for bit (``qsym rules
    --verify`` compares it with the rule derived again); None if none is shipped or the
    index is not used (stale, or the disk cache off).

    >>> shipped_numbers_match("RX", 0, derive_rule([1])) in (True, None)
    True
    >>> shipped_numbers_match("RX", 0, derive_rule([2])) in (False, None)  # another rule
    True

    (None where this process reads another table: ``tests/test_latency_records.py`` checks
    True and False with the shipped one.)
    """
    from . import _cache as cache

    if not cache.enabled():
        return None
    payload = cache.shipped_numbers(rule_name_key(name, param_index, num_wires, hyper))
    if payload is None:
        return None
    return payload == numbers_payload(rule)


def _load_or_derive(name: str, param_index: int, shifts, num_wires, hyper) -> ShiftRule:
    rule = _shipped_by_name(name, param_index, shifts, num_wires, hyper)
    if rule is not None:
        return rule
    return _exact_rule(name, param_index, shifts, num_wires, hyper)


def _exact_rule(name: str, param_index: int, shifts, num_wires, hyper) -> ShiftRule:
    """The rule by its full key (shipped table, then the cache folder; each checked
    against the gate's matrix), else derived and proved."""
    return _from_disk_or(
        _disk_key(name, param_index, shifts, num_wires, hyper),
        lambda: _derive_gate_rule(name, param_index, shifts, num_wires, hyper),
        name, param_index, num_wires, hyper,
    )


def rule_for_row(row, param_index: int, shifts=None, num_wires=None, hyper=()) -> ShiftRule:
    """The proved rule of a gate-table row that need not be in the table (yet):
    :func:`qsym.define_gate` derives a new gate's rule before the gate replaces anything.
    From the disk cache if there (keyed by the row's exact matrix), not memoized here."""
    return _from_disk_or(
        _disk_key(row, param_index, shifts, num_wires, hyper),
        lambda: _derive_row_rule(row, param_index, shifts, num_wires, hyper),
        row, param_index, num_wires, hyper,
    )


def _from_disk_or(key, derive, gate, param_index, num_wires, hyper) -> ShiftRule:
    """The rule on disk under ``key`` if there and it gives the derivative through ``gate``
    (a name or a table row: :func:`rule_matches_gate`), else ``derive()`` (and saved)."""
    if key is not None:
        # first the built-in gates' rules as qsym derived them when it was built (checked
        # as a record is: qsym._cache.shipped_record; no file read or written for them),
        # then the cache folder's record, instead of sympy's derivation
        from . import _cache as cache

        for read in (lambda: _rule_from_record(cache.shipped_record("rules", key)),
                     lambda: _load_rule(key)):
            rule = read()
            if rule is not None and rule_matches_gate(rule, gate, param_index, num_wires,
                                                      hyper):
                return rule
    rule = derive()
    if key is not None:
        _save_rule(key, rule)
    return rule


_rule_for_gate = REGISTRY.memo(_load_or_derive)  # by gate name: a change clears it


# PennyLane's ``parameter_frequencies`` of the table gates one of whose instances can have
# none (the generator a multiple of the identity: a PCPhase projecting onto the whole space,
# a PauliRot of an identity word; qsym's rule there has no terms, the derivative being 0).
# PennyLane's are class attributes, so such an instance keeps them: its parameter shift runs
# their two circuits (qml.Tracker's count, qsym._plan) and ``op.parameter_frequencies``
# lists them.
PL_CLASS_FREQUENCIES = {"PCPhase": (2.0,), "PauliRot": (1.0,)}


def rule_for_gate(
    name: str, param_index: int, shifts=None, *, num_wires=None, hyper=()
) -> ShiftRule:
    """The proved shift rule of parameter ``param_index`` of gate ``name``.

    The frequencies come from the gate's exact matrix (:func:`frequencies_from_matrix`),
    the rule from :func:`derive_rule`, and it is proved with :func:`prove_rule` before it
    is returned. Results are memoized (sympy is slow; the table is fixed), in the process
    and on disk in the qsym cache folder (keyed by the gate's exact matrix and qsym's
    version; read back only if its checksum matches and the rule satisfies the identities
    of :func:`prove_rule` in floating point; ``QSYM_CACHE=0`` disables it).

    Args:
        name: PennyLane's gate name (a row of :data:`qsym._gates.GATES`).
        param_index: which parameter of the gate.
        shifts: optional positive shifts, one per frequency (see :func:`derive_rule`).
        num_wires: wire count, for gates that act on any number of wires.
        hyper: the gate's hyperparameters as ``(name, value)`` pairs
            (:func:`qsym._gates.hyper_items`), for gates that have them.

    Returns:
        The rule. A parameter that only sets a global phase gets the empty rule.

    Raises:
        GateError: unknown gate, ``param_index`` out of range, or missing hyperparameters.
        RuleError: the matrix is not a trigonometric polynomial in the parameter, the
            shifts do not work, or the proof failed.

    >>> rule_for_gate("PhaseShift", 0).terms
    ((1/2, 1, pi/2), (-1/2, 1, -pi/2))
    >>> rule_for_gate("CRX", 0).frequencies
    (1/2, 1)
    >>> rule_for_gate("PauliRot", 0, num_wires=2, hyper=(("pauli_word", "XZ"),)).frequencies
    (1,)
    """
    if shifts is not None:
        if isinstance(shifts, (str, bytes)) or not hasattr(shifts, "__iter__"):
            shifts = (shifts,)
        shifts = tuple(shifts)
    hyper = tuple(hyper)
    from ._gates import GATES

    row = GATES.get(name)
    if row is not None and row.rule_gate is not None:  # (qml.ctrl's rows on many controls)
        return rule_for_gate(row.rule_gate, param_index, shifts)
    args = (name, int(param_index), shifts, num_wires, hyper)
    try:
        hash(args)
    except TypeError:  # an unhashable hyperparameter (e.g. a matrix): derive, uncached
        return _derive_gate_rule(*args)
    return _rule_for_gate(*args)


rule_for_gate.cache_clear = _rule_for_gate.cache_clear  # type: ignore[attr-defined]


def rule_for_op(op, param_index: int, shifts=None) -> ShiftRule:
    """The proved shift rule of parameter ``param_index`` of an IR op (:class:`qsym._ir.Op`).

    The op's wire count matters only for gates on any number of wires; its
    hyperparameters select the matrix (e.g. ``PauliRot``'s word).

    Args:
        op: anything with ``name``, ``wires`` and ``hyper`` like :class:`qsym._ir.Op`.
        param_index: which parameter of the op.
        shifts: optional positive shifts, one per frequency.

    Returns:
        The rule, as :func:`rule_for_gate`.

    >>> from types import SimpleNamespace
    >>> op = SimpleNamespace(name="MultiRZ", wires=(0, 1, 2), hyper=())
    >>> rule_for_op(op, 0).terms
    ((1/2, 1, pi/2), (-1/2, 1, -pi/2))
    """
    from ._gates import gate_def, rule_variant

    num_wires = None if gate_def(op.name).num_wires else len(op.wires)
    # a gate on many wires takes the rule of a small variant with the same frequencies
    # (qsym._gates.rule_variant): its own matrix has 4^k entries
    num_wires, hyper = rule_variant(op.name, num_wires, tuple(getattr(op, "hyper", ())))
    return rule_for_gate(op.name, param_index, shifts, num_wires=num_wires, hyper=hyper)


def exact_matrix(name: str, params=None, *, num_wires=None, hyper=()) -> sp.Matrix:
    """The exact (sympy) matrix of gate ``name``, the one its rules are derived from.

    Args:
        name: the gate's name (PennyLane's, or one made by :func:`qsym.define_gate`).
        params: sympy expressions or numbers, one per parameter (default: real symbols
            ``p0, p1, ...``).
        num_wires: wire count, for gates that act on any number of wires.
        hyper: the gate's hyperparameters as ``(name, value)`` pairs (e.g.
            ``(("pauli_word", "XZ"),)`` for ``PauliRot``).

    Raises:
        GateError: unknown gate, or the wrong number of parameters.

    >>> t = sp.Symbol("t", real=True)
    >>> exact_matrix("RZ", (t,))
    Matrix([
    [exp(-I*t/2),          0],
    [          0, exp(I*t/2)]])
    """
    from ._gates import gate_def

    row = gate_def(name)
    if params is not None:
        params = tuple(params)
        if len(params) != row.num_params:
            raise GateError(f"{name} takes {row.num_params} parameter(s), got {len(params)}")
    return row.sympy_matrix(params, num_wires, tuple(hyper))


def exact_generator(name: str, *, num_wires=None, hyper=()) -> sp.Matrix | None:
    """The exact generator ``G`` of a one-parameter gate, ``U(t) = exp(-itG)``, as the gate
    table gives it (None if the table gives none: the rules then come from the matrix).

    Raises:
        GateError: unknown gate.

    >>> exact_generator("CRX")
    Matrix([
    [0, 0,   0,   0],
    [0, 0,   0,   0],
    [0, 0,   0, 1/2],
    [0, 0, 1/2,   0]])
    """
    from ._gates import gate_def

    return gate_def(name).sympy_generator(num_wires, tuple(hyper))
