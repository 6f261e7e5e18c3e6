"""Exact rings of Clifford+T synthesis and the norm equation over them (Ross and Selinger,
"Optimal ancilla-free Clifford+T approximation of z-rotations", arXiv:1403.2975).

- ``ZSqrtTwo``: ``a + b sqrt(2)`` with integers ``a, b`` (the ring Z[sqrt 2]); ``adj2`` is
  the sqrt(2)-conjugate ``a - b sqrt(2)`` and ``abs`` the norm ``a^2 - 2 b^2`` (an integer,
  negative for some elements, as in PennyLane).
- ``ZOmega``: ``a w^3 + b w^2 + c w + d`` with ``w = exp(i pi/4)`` (the ring Z[w]); ``conj``
  is the complex conjugate, ``adj2`` the sqrt(2)-conjugate (``w -> -w``), ``abs`` the integer
  norm ``|x|^2 |x.adj2()|^2`` and ``norm()`` the element ``x x*`` of Z[sqrt 2] (as a ZOmega).
- ``DyadicMatrix``: a 2x2 matrix over Z[w] times ``1/sqrt(2)^k``, kept with the least
  ``k``; ``SO3Matrix``: the rotation ``U (.) U^dagger`` of such a unitary as a 3x3 matrix over
  Z[sqrt 2] times ``1/sqrt(2)^k`` (the Bloch-sphere form the Matsumoto-Amano normal form
  reads).
- The norm equation ``t* t = xi`` (Appendix C of the paper): integer factoring (Brent's
  variant of Pollard's rho, ``integer_factor``; Miller-Rabin, ``is_prime``), square roots
  modulo a prime (Tonelli-Shanks, ``sqrt_mod_prime``), the splitting of a prime in Z[sqrt 2]
  and in Z[w] and ``solve_norm_equation``.

Everything here is integer arithmetic: no float enters an exact result (``float(x)`` and
``complex(x)`` only read values off). PennyLane's private names of these functions
(``_gcd``, ``_solve_diophantine``, ...) are given to its module paths by ``_gridsynth``.

>>> from qsym._rings import ZOmega, ZSqrtTwo, solve_norm_equation
>>> ZSqrtTwo(0, 1) * ZSqrtTwo(0, 1)
ZSqrtTwo(a=2, b=0)
>>> t = solve_norm_equation(ZSqrtTwo(7, 2))
>>> (t.conj() * t).to_sqrt_two()
ZSqrtTwo(a=7, b=2)
"""

from __future__ import annotations

import math
import numbers
import random
from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = ["ZSqrtTwo", "ZOmega", "DyadicMatrix", "SO3Matrix", "ring_gcd", "prime_factors",
           "integer_factor", "split_prime_zsqrt_two", "split_prime_zomega", "is_prime",
           "sqrt_mod_prime", "solve_norm_equation", "SQRT2"]

SQRT2 = math.sqrt(2)
_OMEGA = complex(1, 1) / SQRT2


def _integral(x) -> bool:
    """An int, or a float with an integer value (PennyLane's rings accept both)."""
    return (isinstance(x, numbers.Integral) and not isinstance(x, bool)) or (
        isinstance(x, float) and x.is_integer())


def _unsupported(x, what: str, ring: str):
    return TypeError(f"Unsupported type {type(x).__name__} for {what} {ring}: use an int "
                     f"or a {ring}")


def _check_power(n, ring: str) -> int:
    if isinstance(n, float) and not n.is_integer():
        raise ValueError(f"Non-integer powers {n} are unsupported for {ring}: use an int")
    if n < 0:
        raise ValueError(f"Negative powers {n} are unsupported for {ring}: the inverse of "
                         f"a {ring} element is not in the ring in general")
    return int(n)


def _power(x, n: int, one):
    result = one
    while n:
        if n & 1:
            result = result * x
        x, n = x * x, n >> 1
    return result


def _round_half_even(num: int, den: int) -> int:
    return round(Fraction(num, den))


class ZSqrtTwo:
    r"""``a + b sqrt(2)`` with integer ``a`` and ``b``: the ring Z[sqrt(2)].

    >>> x = ZSqrtTwo(1, 2)
    >>> x * x, x.adj2(), abs(x), float(x)
    (ZSqrtTwo(a=9, b=4), ZSqrtTwo(a=1, b=-2), -7, 3.8284271247461903)
    >>> ZSqrtTwo(9, 4).sqrt()
    ZSqrtTwo(a=1, b=2)
    """

    __slots__ = ("a", "b")

    def __init__(self, a: int = 0, b: int = 0) -> None:
        self.a, self.b = int(a), int(b)

    def __repr__(self) -> str:
        return f"ZSqrtTwo(a={self.a}, b={self.b})"

    def __str__(self) -> str:
        if not self.b:
            return str(self.a)
        return f"{self.b}√2" if not self.a else f"{self.a} + {self.b}√2"

    def __float__(self) -> float:
        return float(self.a) + float(self.b) * SQRT2

    @property
    def flatten(self) -> list[int]:
        """``[a, b]``."""
        return [self.a, self.b]

    def _coerce(self, other, what: str) -> ZSqrtTwo:
        if isinstance(other, ZSqrtTwo):
            return other
        if _integral(other):
            return ZSqrtTwo(int(other), 0)
        raise _unsupported(other, what, "ZSqrtTwo")

    def __add__(self, other) -> ZSqrtTwo:
        o = self._coerce(other, "addition with")
        return ZSqrtTwo(self.a + o.a, self.b + o.b)

    __radd__ = __add__

    def __neg__(self) -> ZSqrtTwo:
        return ZSqrtTwo(-self.a, -self.b)

    def __sub__(self, other) -> ZSqrtTwo:
        return self + (-self._coerce(other, "subtraction with"))

    def __rsub__(self, other) -> ZSqrtTwo:
        return (-self) + other

    def __mul__(self, other) -> ZSqrtTwo:
        o = self._coerce(other, "multiplication with")
        return ZSqrtTwo(self.a * o.a + 2 * self.b * o.b, self.a * o.b + self.b * o.a)

    __rmul__ = __mul__

    def __pow__(self, n) -> ZSqrtTwo:
        return _power(self, _check_power(n, "ZSqrtTwo"), ZSqrtTwo(1, 0))

    def __truediv__(self, other) -> ZSqrtTwo:
        """Exact division; a ZSqrtTwo divisor multiplies by its conjugate over its norm."""
        if isinstance(other, ZSqrtTwo):
            return (self * other.adj2()) / abs(other)
        if not _integral(other):
            raise _unsupported(other, "dividing", "ZSqrtTwo")
        other = int(other)
        if other == 0 or self.a % other or self.b % other:
            raise ValueError(f"{self} is not divisible by {other} in Z[sqrt(2)]")
        return ZSqrtTwo(self.a // other, self.b // other)

    def __floordiv__(self, other) -> ZSqrtTwo:
        if not isinstance(other, int):
            raise _unsupported(other, "floor dividing", "ZSqrtTwo")
        return ZSqrtTwo(self.a // other, self.b // other)

    def __mod__(self, other) -> ZSqrtTwo:
        """Remainder of a division (the step of the ring's Euclidean algorithm): the
        quotient is floored, or rounded when flooring gives zero (PennyLane's choice)."""
        if _integral(other):
            return ZSqrtTwo(self.a % int(other), self.b % int(other))
        other = self._coerce(other, "modulo of")
        if self == 0 or self == other:
            return ZSqrtTwo()
        norm = abs(other)
        n1 = self.a * other.a - 2 * self.b * other.b  # self * other.adj2()
        n2 = self.b * other.a - self.a * other.b
        qa, qb = n1 // norm, n2 // norm
        if qa or qb:
            return self - ZSqrtTwo(qa, qb) * other
        ra = max(_round_half_even(n1, norm), qa)
        rb = max(_round_half_even(n2, norm), qb) if ra == qa else qb
        rem = self - ZSqrtTwo(ra, rb) * other
        return -rem if (ra, rb) != (qa, qb) else rem

    def __eq__(self, other) -> bool:
        if isinstance(other, ZSqrtTwo):
            return self.a == other.a and self.b == other.b
        if _integral(other):
            return self.a == int(other) and self.b == 0
        if isinstance(other, numbers.Real):
            return bool(np.isclose(float(self), float(other)))
        return NotImplemented

    __hash__ = None

    def __abs__(self) -> int:
        return self.a * self.a - 2 * self.b * self.b

    def conj(self) -> ZSqrtTwo:
        """The complex conjugate (the element itself: it is real)."""
        return ZSqrtTwo(self.a, self.b)

    def adj2(self) -> ZSqrtTwo:
        """The sqrt(2)-conjugate ``a - b sqrt(2)``."""
        return ZSqrtTwo(self.a, -self.b)

    def sqrt(self) -> ZSqrtTwo | None:
        """The square root in Z[sqrt(2)], ``None`` if there is none.

        ``(x + y sqrt 2)^2 = (x^2 + 2 y^2) + 2 x y sqrt 2`` has norm ``(x^2 - 2 y^2)^2``:
        with ``r`` the root of the norm, ``{x^2, 2 y^2} = {(a + r)/2, (a - r)/2}``.
        """
        norm = abs(self)
        r = math.isqrt(norm) if norm >= 0 else -1
        if r < 0 or r * r != norm or self.a < r:
            return None
        for x2, y2 in (((self.a + r) // 2, (self.a - r) // 4),
                       ((self.a - r) // 2, (self.a + r) // 4)):
            x, y = math.isqrt(x2), math.isqrt(y2)
            for root in (ZSqrtTwo(x, y), ZSqrtTwo(x, -y)):
                if root * root == self:
                    return root
        return None

    def to_omega(self) -> ZOmega:
        """The same number in Z[w] (``sqrt(2) = w - w^3``)."""
        return ZOmega(-self.b, 0, self.b, self.a)


class ZOmega:
    r"""``a w^3 + b w^2 + c w + d`` with integers and ``w = exp(i pi / 4)``: the ring Z[w].

    >>> w = ZOmega(c=1)
    >>> w ** 8, w.conj(), w.adj2()
    (ZOmega(a=0, b=0, c=0, d=1), ZOmega(a=-1, b=0, c=0, d=0), ZOmega(a=0, b=0, c=-1, d=0))
    >>> (ZOmega(c=1) + 1).norm().to_sqrt_two()  # |1 + w|^2 = 2 + sqrt(2)
    ZSqrtTwo(a=2, b=1)
    """

    __slots__ = ("a", "b", "c", "d")

    def __init__(self, a: int = 0, b: int = 0, c: int = 0, d: int = 0) -> None:
        self.a, self.b, self.c, self.d = int(a), int(b), int(c), int(d)

    def __repr__(self) -> str:
        return f"ZOmega(a={self.a}, b={self.b}, c={self.c}, d={self.d})"

    def __str__(self) -> str:
        terms = [f"{x} {s}".strip() for x, s in zip(self.flatten, ("ω^3", "ω^2", "ω", "")) if x]
        return " + ".join(terms) if terms else "0"

    def __complex__(self) -> complex:
        return self.a * _OMEGA ** 3 + self.b * 1j + self.c * _OMEGA + self.d

    @property
    def flatten(self) -> list[int]:
        """``[a, b, c, d]``."""
        return [self.a, self.b, self.c, self.d]

    def _coerce(self, other, what: str) -> ZOmega:
        if isinstance(other, ZOmega):
            return other
        if _integral(other):
            return ZOmega(d=int(other))
        raise _unsupported(other, what, "ZOmega")

    def __add__(self, other) -> ZOmega:
        o = self._coerce(other, "addition with")
        return ZOmega(self.a + o.a, self.b + o.b, self.c + o.c, self.d + o.d)

    __radd__ = __add__

    def __neg__(self) -> ZOmega:
        return ZOmega(-self.a, -self.b, -self.c, -self.d)

    def __sub__(self, other) -> ZOmega:
        return self + (-self._coerce(other, "subtraction with"))

    def __rsub__(self, other) -> ZOmega:
        return (-self) + other

    def __mul__(self, other) -> ZOmega:
        """Polynomial product in ``w`` reduced by ``w^4 = -1``."""
        a, b, c, d = self.flatten
        e, f, g, h = self._coerce(other, "multiplication with").flatten
        return ZOmega(a * h + b * g + c * f + d * e, b * h + c * g + d * f - a * e,
                      c * h + d * g - a * f - b * e, d * h - a * g - b * f - c * e)

    __rmul__ = __mul__

    def __pow__(self, n) -> ZOmega:
        return _power(self, _check_power(n, "ZOmega"), ZOmega(d=1))

    def __truediv__(self, other) -> ZOmega:
        if not _integral(other):
            raise _unsupported(other, "division of", "ZOmega")
        other = int(other)
        if other == 0 or any(x % other for x in self.flatten):
            raise ValueError(f"{self} is not divisible by {other} in Z[w]")
        return ZOmega(*(x // other for x in self.flatten))

    def __floordiv__(self, other) -> ZOmega:
        if not _integral(other):
            raise _unsupported(other, "floor division of", "ZOmega")
        return ZOmega(*(x // int(other) for x in self.flatten))

    def __mod__(self, other) -> ZOmega:
        """Remainder of the division by ``other``: the quotient
        ``self other* (other other*).adj2() / N(other)`` rounded to the nearest element of
        Z[w]; of ``self - q other`` and its negative, PennyLane's sign choice."""
        other = self._coerce(other, "modulo of")
        norm = abs(other)
        num = self * other.conj() * (other * other.conj()).adj2()
        rounded = other * ZOmega(*((x + norm // 2) // norm for x in num.flatten))
        return self - rounded if abs(self) > abs(rounded) else rounded - self

    def __eq__(self, other) -> bool:
        if isinstance(other, ZOmega):
            return self.flatten == other.flatten
        if _integral(other) and not isinstance(other, float):
            return self.flatten == [0, 0, 0, int(other)]
        if isinstance(other, numbers.Complex):
            return bool(np.isclose(complex(self), complex(other)))
        return NotImplemented

    __hash__ = None

    def __abs__(self) -> int:
        a, b, c, d = self.flatten
        return (a * a + b * b + c * c + d * d) ** 2 - 2 * (a * b + b * c + c * d - d * a) ** 2

    @classmethod
    def from_sqrt_pair(cls, alpha: ZSqrtTwo, beta: ZSqrtTwo, shift: ZOmega) -> ZOmega:
        """``alpha + i beta + shift`` (``i = w^2``, ``sqrt 2 = w - w^3``)."""
        return cls(beta.b - alpha.b, beta.a, beta.b + alpha.b, alpha.a) + shift

    def conj(self) -> ZOmega:
        """The complex conjugate (``w -> w^7 = -w^3``)."""
        return ZOmega(-self.c, -self.b, -self.a, self.d)

    def adj2(self) -> ZOmega:
        """The sqrt(2)-conjugate (``w -> -w``)."""
        return ZOmega(-self.a, self.b, -self.c, self.d)

    def norm(self) -> ZOmega:
        """``x x*`` (an element of Z[sqrt(2)], see ``to_sqrt_two``)."""
        return self * self.conj()

    def parity(self) -> int:
        """``(a + c) mod 2``: 0 when ``sqrt(2) x`` has even real and imaginary parts."""
        return (self.a + self.c) % 2

    def to_sqrt_two(self) -> ZSqrtTwo:
        """The element as a ZSqrtTwo; ValueError if it is not real or not in Z[sqrt(2)]."""
        if self.a + self.c == 0 and self.b == 0:
            return ZSqrtTwo(self.d, (self.c - self.a) // 2)
        raise ValueError(f"Cannot convert ZOmega to ZSqrtTwo: {self!r} is not of the form "
                         "a + b sqrt(2) (it needs a == -c and b == 0)")

    def normalize(self) -> tuple[ZOmega, int]:
        """``(x / sqrt(2)^j, j)`` with the largest ``j`` (``x`` itself for zero)."""
        x, j = self, 0
        while any(x.flatten) and (x.a + x.c) % 2 == 0 and (x.b + x.d) % 2 == 0:
            x, j = _div_sqrt2(x), j + 1
        return x, j


def _div_sqrt2(x: ZOmega) -> ZOmega:
    """``x / sqrt(2)`` for ``x`` divisible by it (``1/sqrt 2 = (w - w^3) / 2``)."""
    return ZOmega((x.b - x.d) // 2, (x.a + x.c) // 2, (x.b + x.d) // 2, (x.c - x.a) // 2)


_ROOT2 = ZOmega(-1, 0, 1, 0)  # sqrt(2) in Z[w]


class DyadicMatrix:
    r"""``[[a, b], [c, d]] / sqrt(2)^k`` with entries in Z[w], kept with the least ``k``.

    >>> h = DyadicMatrix(ZOmega(d=1), ZOmega(d=1), ZOmega(d=1), ZOmega(d=-1), k=1)  # Hadamard
    >>> h @ h
    DyadicMatrix(a=1, b=0, c=0, d=1, k=0)
    """

    def __init__(self, a: ZOmega, b: ZOmega, c: ZOmega, d: ZOmega, k: int = 0) -> None:
        self.a, self.b, self.c, self.d, self.k = a, b, c, d, int(k)
        self.normalize()

    def __repr__(self) -> str:
        return f"DyadicMatrix(a={self.a}, b={self.b}, c={self.c}, d={self.d}, k={self.k})"

    def __str__(self) -> str:
        return f"[[{self.a}, {self.b}], [{self.c}, {self.d}]]"

    @property
    def flatten(self) -> list[ZOmega]:
        """``[a, b, c, d]``."""
        return [self.a, self.b, self.c, self.d]

    def __neg__(self) -> DyadicMatrix:
        return DyadicMatrix(*(-x for x in self.flatten), k=self.k)

    def __eq__(self, other) -> bool:
        if not isinstance(other, DyadicMatrix):
            return NotImplemented
        return self.k == other.k and all(x == y for x, y in zip(self.flatten, other.flatten))

    __hash__ = None

    def __mul__(self, other) -> DyadicMatrix:
        """Every entry times an integer or a ZOmega."""
        return DyadicMatrix(*(x * other for x in self.flatten), k=self.k)

    def __add__(self, other) -> DyadicMatrix:
        if _integral(other):
            other = DyadicMatrix(ZOmega(d=int(other)), ZOmega(), ZOmega(), ZOmega(d=int(other)))
        elif isinstance(other, complex) and other.real.is_integer() and other.imag.is_integer():
            z = ZOmega(b=int(other.imag), d=int(other.real))
            other = DyadicMatrix(z, ZOmega(), ZOmega(), z)
        if not isinstance(other, DyadicMatrix):
            raise _unsupported(other, "addition with", "DyadicMatrix")
        hi, lo = (self, other) if self.k >= other.k else (other, self)
        gap = hi.k - lo.k  # lo's entries times sqrt(2)^gap, on hi's denominator
        scale = _ROOT2 * (2 ** (gap // 2)) if gap % 2 else ZOmega(d=2 ** (gap // 2))
        return DyadicMatrix(*(x + y * scale for x, y in zip(hi.flatten, lo.flatten)), k=hi.k)

    def __matmul__(self, other) -> DyadicMatrix:
        if not isinstance(other, DyadicMatrix):
            raise _unsupported(other, "matrix multiplication with", "DyadicMatrix")
        a, b, c, d = self.flatten
        e, f, g, h = other.flatten
        return DyadicMatrix(a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h,
                            k=self.k + other.k)

    @property
    def ndarray(self) -> np.ndarray:
        """The complex 2x2 array."""
        values = [[complex(self.a), complex(self.b)], [complex(self.c), complex(self.d)]]
        return np.array(values, dtype=np.complex128) * SQRT2 ** (-self.k)

    def conj(self) -> DyadicMatrix:
        """Entry-wise complex conjugate."""
        return DyadicMatrix(*(x.conj() for x in self.flatten), k=self.k)

    def adj2(self) -> DyadicMatrix:
        """Entry-wise sqrt(2)-conjugate."""
        return DyadicMatrix(*(x.adj2() for x in self.flatten), k=self.k)

    def mult2k(self, k: int) -> DyadicMatrix:
        """The matrix times ``2^k``."""
        return DyadicMatrix(*self.flatten, k=self.k - 2 * k)

    def normalize(self) -> None:
        """Least ``k``: factors of 2 out of every entry (``k`` may go below 0), then factors
        of sqrt(2) while ``k > 0``. Checks read the entries in order and stop at the first
        that fails (an entry that is no ZOmega after it is left alone, as in PennyLane)."""
        if all(x == 0 for x in self.flatten):
            self.k = 0
            return
        while all(not any(v % 2 for v in x.flatten) for x in self.flatten):
            self.a, self.b, self.c, self.d = (x // 2 for x in self.flatten)
            self.k -= 2
        while self.k > 0 and all((x.a + x.c) % 2 == 0 and (x.b + x.d) % 2 == 0
                                 for x in self.flatten):
            self.a, self.b, self.c, self.d = (_div_sqrt2(x) for x in self.flatten)
            self.k -= 1


def _re_im(x: ZOmega) -> tuple[ZSqrtTwo, ZSqrtTwo]:
    """``sqrt(2) Re x`` and ``sqrt(2) Im x`` in Z[sqrt(2)]."""
    return ZSqrtTwo(x.c - x.a, x.d), ZSqrtTwo(x.c + x.a, x.b)


def _times_conj(x, y) -> tuple[ZSqrtTwo, ZSqrtTwo]:
    """Real and imaginary parts of ``x y*`` for pairs (re, im)."""
    return x[0] * y[0] + x[1] * y[1], x[1] * y[0] - x[0] * y[1]


class SO3Matrix:
    r"""The rotation ``R(U)`` of the Bloch sphere of a unitary ``U`` (a ``DyadicMatrix``),
    ``R_ij = tr(s_i U s_j U^dagger) / 2`` with ``s = (X, Y, Z)`` as ``so3mat / sqrt(2)^k``,
    ``so3mat`` a 3x3 list of ZSqrtTwo and ``k`` least.

    >>> s = SO3Matrix(DyadicMatrix(ZOmega(d=1), ZOmega(), ZOmega(), ZOmega(b=1)))  # S gate
    >>> s.ndarray.round(12) + 0.0
    array([[ 0., -1.,  0.],
           [ 1.,  0.,  0.],
           [ 0.,  0.,  1.]])
    """

    def __init__(self, matrix: DyadicMatrix) -> None:
        self.matrix = matrix
        self.so3mat = self.from_matrix(matrix)
        self.normalize()

    def from_matrix(self, matrix: DyadicMatrix) -> list[list[ZSqrtTwo]]:
        """The unnormalized 3x3 entries; sets ``k``.

        With ``U = [[a, b], [c, d]]``: rows ``(Re(a d* + b c*), Im(a d* - b c*),
        Re(a c* - b d*))``, ``(-Im(a d* + b c*), Re(a d* - b c*), Im(b d* - a c*))``,
        ``(2 Re(a b*), 2 Im(a b*), |a|^2 - |b|^2)``; every entry read as ``sqrt(2)`` times
        its real and imaginary parts, so the products carry ``1/sqrt(2)^(2 k + 2)``.
        """
        a, b, c, d = (_re_im(x) for x in matrix.flatten)
        ad, bc, ac, bd, ab = (_times_conj(*p) for p in ((a, d), (b, c), (a, c), (b, d), (a, b)))
        aa, bb = _times_conj(a, a)[0], _times_conj(b, b)[0]
        self.k = 2 * matrix.k + 2
        return [[ad[0] + bc[0], ad[1] - bc[1], ac[0] - bd[0]],
                [-ad[1] - bc[1], ad[0] - bc[0], bd[1] - ac[1]],
                [2 * ab[0], 2 * ab[1], aa - bb]]

    def __repr__(self) -> str:
        return f"SO3Matrix(matrix={self.matrix}, k={self.k})"

    def __str__(self) -> str:
        rows = ", \n".join(f"[{r[0]}, {r[1]}, {r[2]}]" for r in self.so3mat)
        return f"[{rows}]" + (f" * 1 / √2^{self.k}" if self.k else "")

    @property
    def flatten(self) -> list[ZSqrtTwo]:
        """The nine entries, row by row."""
        return [x for row in self.so3mat for x in row]

    def __matmul__(self, other: SO3Matrix) -> SO3Matrix:
        res = object.__new__(SO3Matrix)
        res.matrix = self.matrix @ other.matrix
        res.k = self.k + other.k
        res.so3mat = [[sum((self.so3mat[i][m] * other.so3mat[m][j] for m in range(3)),
                           ZSqrtTwo()) for j in range(3)] for i in range(3)]
        res.normalize()
        return res

    def __eq__(self, other) -> bool:
        if not isinstance(other, SO3Matrix):
            return NotImplemented
        return self.k == other.k and all(x == y for x, y in zip(self.flatten, other.flatten))

    __hash__ = None

    @property
    def ndarray(self) -> np.ndarray:
        """The real 3x3 array."""
        return np.array([float(x) for x in self.flatten]).reshape(3, 3) * SQRT2 ** (-self.k)

    @property
    def parity_mat(self) -> np.ndarray:
        """Entry-wise parity of the integer parts (``a mod 2``)."""
        return np.array([[x.a % 2 for x in row] for row in self.so3mat], dtype=np.int8)

    @property
    def parity_vec(self) -> np.ndarray:
        """Row sums of ``parity_mat``."""
        return np.sum(self.parity_mat, axis=1)

    def normalize(self) -> None:
        """Least ``k``: factors of 2 (``k`` may go below 0), then of sqrt(2) while ``k > 0``."""
        entries = self.flatten
        if all(x == 0 for x in entries):
            self.k = 0
            return
        while all(x.a % 2 == 0 and x.b % 2 == 0 for x in entries):
            entries, self.k = [x // 2 for x in entries], self.k - 2
        while self.k > 0 and all(x.a % 2 == 0 for x in entries):
            entries, self.k = [ZSqrtTwo(x.b, x.a // 2) for x in entries], self.k - 1
        self.so3mat = [entries[i:i + 3] for i in range(0, 9, 3)]


# ---- the norm equation t* t = xi (Appendix C of arXiv:1403.2975) ---------------------------
def ring_gcd(x, y):
    """Greatest common divisor by Euclid's algorithm (ints, ZSqrtTwo or ZOmega; the
    result is defined up to a unit, this is PennyLane's choice of it).

    >>> ring_gcd(ZSqrtTwo(28, 15), ZSqrtTwo(12, 25))
    ZSqrtTwo(a=58, b=41)
    """
    if isinstance(x, int) and isinstance(y, int):
        return math.gcd(x, y)
    if not isinstance(x, (ZSqrtTwo, ZOmega)):
        raise TypeError(f"ring_gcd takes two ints, ZSqrtTwo or ZOmega, got {type(x).__name__}")
    while y != 0:
        x, y = y, x % y
    return x


@lru_cache(maxsize=400)
def is_prime(n: int) -> bool:
    """Miller-Rabin with bases that decide every ``n < 2^64`` (Jim Sinclair's seven).

    >>> [p for p in range(30) if is_prime(p)]
    [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    """
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for base in (2, 325, 9375, 28178, 450775, 9780504, 1795265022):
        x = pow(base % n, d, n)
        if base % n == 0 or x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _rho(n: int, x: int, c: int, m: int) -> int:
    """One run of Brent's cycle search for ``x -> x^2 + c mod n``: a divisor of ``n`` (maybe
    ``n`` itself)."""
    step = lambda v: (v * v + c) % n  # noqa: E731
    g, r, q, y, saved = 1, 1, 1, x, x
    while g == 1:
        x = y
        for _ in range(r):
            y = step(y)
        k = 0
        while k < r and g == 1:
            saved = y
            for _ in range(min(m, r - k)):
                y = step(y)
                q = q * abs(x - y) % n
            g, k = math.gcd(q, n), k + m
        r *= 2
    if g == n:  # the batch overshot: redo it one step at a time
        g = 1
        while g == 1:
            saved = step(saved)
            g = math.gcd(abs(x - saved), n)
    return g


@lru_cache(maxsize=100)
def integer_factor(n: int, max_tries: int = 1000) -> int | None:
    """A nontrivial factor of ``n`` (Brent's variant of Pollard's rho), ``None`` for
    ``n <= 2``, a prime, or after ``max_tries`` failed runs.

    >>> integer_factor(91) in (7, 13)
    True
    """
    if n <= 2:
        return None
    if n % 2 == 0:
        return 2
    for _ in range(max_tries):
        g = _rho(n, random.randrange(1, n), random.randrange(1, n), random.randrange(1, n))
        if g not in (1, n):
            return g
    return None


@lru_cache(maxsize=100)
def prime_factors(n: int, max_tries: int = 1000, z_sqrt_two: bool = True) -> list[int] | None:
    """The sorted prime factors of ``n`` (with multiplicity); ``None`` if factoring fails or,
    with ``z_sqrt_two``, a prime ``p = 7 mod 8`` divides ``n`` (then ``t* t = xi`` has no
    solution for the ``xi`` of norm ``n`` this is asked for, Lemma C.20).

    >>> prime_factors(60), prime_factors(28)
    ([2, 2, 3, 5], None)
    """
    factors, todo = [], [n]
    while todo:
        m = todo.pop()
        if m <= 1:
            continue
        if is_prime(m):
            if z_sqrt_two and m % 8 == 7:
                return None
            factors.append(m)
            continue
        f = integer_factor(m, max_tries)
        if f is None:
            return None
        todo += [f, m // f]
    return sorted(factors)


def _legendre(a: int, p: int) -> int:
    return pow(a, (p - 1) // 2, p)


def sqrt_mod_prime(n: int, p: int) -> int | None:
    """A square root of ``n`` modulo the prime ``p`` (Tonelli-Shanks with the least
    non-residue), ``None`` if ``n`` is no square or ``p`` no odd prime.

    >>> r = sqrt_mod_prime(56, 101); r, r * r % 101
    (37, 56)
    """
    a = n % p
    if a == 0:
        return 0
    if p == 2:
        return a
    if p % 2 == 0 or _legendre(a, p) != 1:
        return None
    q, s = p - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    if s == 1:
        return pow(a, (p + 1) // 4, p)
    z = next(z for z in range(2, p) if _legendre(z, p) == p - 1)
    r, c, t, m = pow(a, (q + 1) // 2, p), pow(z, q, p), pow(a, q, p), s
    while t != 1:
        i, t2 = 1, t * t % p
        while t2 != 1 and i < m:
            t2, i = t2 * t2 % p, i + 1
        if i >= m:
            return None
        b = pow(c, 1 << (m - i - 1), p)
        r, c = r * b % p, b * b % p
        t, m = t * c % p, i
    return r


def split_prime_zsqrt_two(p: int) -> list[ZSqrtTwo] | None:
    """The prime factors in Z[sqrt(2)] of the prime ``p`` (Lemmas C.7-C.11): ``2`` is
    ``sqrt 2 sqrt 2``, ``p = 3, 5 mod 8`` stays prime, ``p = 1, 7 mod 8`` is ``x x.adj2()``
    with ``x = gcd(p, t + sqrt 2)``, ``t^2 = 2 mod p``.

    >>> split_prime_zsqrt_two(7)
    [ZSqrtTwo(a=3, b=1), ZSqrtTwo(a=3, b=-1)]
    """
    if abs(p) == 2:
        return [ZSqrtTwo(0, 1), ZSqrtTwo(0, -1 if p < 0 else 1)]
    if p % 8 in (3, 5):
        return [ZSqrtTwo(p, 0)]
    t = sqrt_mod_prime(2, p)
    if t is None:
        return None
    x = ring_gcd(ZSqrtTwo(p, 0), ZSqrtTwo(min(t, p - t), 1))
    return [x, x.adj2()]


def split_prime_zomega(x: ZSqrtTwo, p: int) -> ZOmega | None:
    """A factor ``t`` in Z[w] of the prime ``x`` of Z[sqrt(2)] over the integer prime ``p``
    with ``t* t ~ x`` (Lemmas C.13-C.21): ``gcd(x, h + i)`` with ``h^2 = -1 mod p`` for
    ``p = 1, 5 mod 8``, ``gcd(x, h + i sqrt 2)`` with ``h^2 = -2 mod p`` for ``p = 3 mod 8``;
    ``None`` for ``p = 7 mod 8`` (no such factor).

    >>> split_prime_zomega(ZSqrtTwo(5, 0), 5)
    ZOmega(a=0, b=-1, c=0, d=2)
    """
    if p == 2:
        return ZOmega(c=1, d=1)
    if p % 2 == 0 or p % 8 == 7:
        return None
    if p % 8 in (1, 5):
        h = sqrt_mod_prime(-1, p)
        return None if h is None else ring_gcd(ZOmega(b=1, d=h), x.to_omega())
    h = sqrt_mod_prime(-2, p)
    return None if h is None else ring_gcd(ZOmega(a=1, c=1, d=h), x.to_omega())


def _divides(eta: ZSqrtTwo, x: ZSqrtTwo) -> bool:
    q, n = x * eta.adj2(), abs(eta)
    return q.a % n == 0 and q.b % n == 0


def _prime_part(xi: ZSqrtTwo, p: int):
    """``(rest, t)``: ``xi`` with every prime of Z[sqrt(2)] over ``p`` divided out, and a
    ``t`` of Z[w] with ``t* t`` associate to what was divided out; ``None`` if that has no
    such ``t`` (an odd power of a prime over ``p = 7 mod 8``: it stays prime in Z[w])."""
    t, seen = ZOmega(d=1), []
    for eta in split_prime_zsqrt_two(p) or ():
        if any(_divides(e, eta) for e in seen):  # 2 = sqrt2 sqrt2: one prime, twice
            continue
        seen.append(eta)
        count = 0
        while _divides(eta, xi):
            xi, count = xi / eta, count + 1
        if p % 8 == 7:
            if count % 2:
                return None
            t = t * eta.to_omega() ** (count // 2)
        elif count:
            factor = split_prime_zomega(eta, p)
            if factor is None:
                return None
            t = t * factor ** count
    return xi, t


def _solve_by_primes(xi: ZSqrtTwo, max_trials: int) -> ZOmega | None:
    """The complete method: every prime over every prime factor of ``N(xi)`` with its
    multiplicity; the unit left must be a square (``xi`` doubly positive)."""
    primes = prime_factors(abs(xi), max_trials, z_sqrt_two=False)
    if primes is None:
        return None
    t, rest = ZOmega(d=1), xi
    for p in sorted(set(primes)):
        part = _prime_part(rest, p)
        if part is None:
            return None
        rest, factor = part
        t = t * factor
    found = (t.conj() * t).to_sqrt_two()
    if abs(rest) not in (1, -1) or not _divides(found, xi):
        return None
    root = (xi / found).sqrt()
    return None if root is None else t * root.to_omega()


def _solve_pennylane(xi: ZSqrtTwo, max_trials: int) -> ZOmega | None:
    """PennyLane's route (its solutions, where it finds one): each prime ``eta`` over the
    sorted prime factors of ``N(xi)`` that divides what is left contributes its factor."""
    primes = prime_factors(abs(xi), max_trials)
    if not primes:
        return None
    t, rest = ZOmega(d=1), xi
    for p in primes:
        for eta in split_prime_zsqrt_two(p) or ():
            rest, eta_norm = rest * eta.adj2(), abs(eta)
            if rest.a % eta_norm == 0 and rest.b % eta_norm == 0:
                rest = ZSqrtTwo(rest.a // eta_norm, rest.b // eta_norm)
                factor = split_prime_zomega(eta, p)
                if factor is None:
                    return None
                t = t * factor
    found = (t.conj() * t).to_sqrt_two()
    if not _divides(found, xi):
        return None
    unit = xi / found
    root = unit.sqrt() if abs(unit) ** 2 == 1 else None
    return None if root is None else t * root.to_omega()


def solve_norm_equation(xi: ZSqrtTwo, max_trials: int = 1000) -> ZOmega | None:
    """A ``t`` in Z[w] with ``t* t = xi``, ``None`` if there is none (``xi`` not doubly
    positive, or a prime over ``p = 7 mod 8`` to an odd power: Appendix C and the proof of
    Lemma 8.4 of arXiv:1403.2975) or factoring ``N(xi)`` fails within ``max_trials``.

    ``N(xi) = xi xi.adj2()`` is factored into integer primes; each splits into primes ``eta``
    of Z[sqrt(2)]; each ``eta`` dividing ``xi`` contributes a factor ``t`` of Z[w] with
    ``t* t ~ eta`` (a pair of ``eta`` for ``p = 7 mod 8``); the product ``s`` leaves the unit
    ``xi / (s* s)``, which must be the square of a unit ``u``: then ``t = s u``. PennyLane's
    quicker pass (which misses solutions when a prime repeats) is tried first, so that its
    solutions are the ones returned.

    >>> t = solve_norm_equation(ZSqrtTwo(13, 6))
    >>> (t.conj() * t).to_sqrt_two()
    ZSqrtTwo(a=13, b=6)
    >>> solve_norm_equation(ZSqrtTwo(17))  # 17 = |1 - 4i|^2
    ZOmega(a=0, b=-4, c=0, d=1)
    """
    if xi == 0:
        return ZOmega()
    if abs(xi) < 2:
        return None
    found = _solve_pennylane(xi, max_trials)
    return found if found is not None else _solve_by_primes(xi, max_trials)
