"""Ross and Selinger's approximation of z-rotations by Clifford+T circuits ("gridsynth",
arXiv:1403.2975), PennyLane's ``qml.ops.rs_decomposition``.

To approximate ``RZ(theta)`` within ``epsilon`` it looks for ``u`` in Z[w] and ``k`` with
``u / sqrt(2)^k`` in the epsilon-region (the thin slice of the unit disk near
``exp(-i theta/2)``, Section 7) and ``u.adj2() / sqrt(2)^k`` in the unit disk: a
two-dimensional grid problem (Section 5), solved by a grid operator that makes both
ellipses upright (``EllipseState.skew_grid_op``, Appendix A) and then by enumerating the
one-dimensional grid problems of their bounding boxes (``GridIterator``). For each candidate
the norm equation ``t* t = 2^k - u* u`` (``_rings.solve_norm_equation``) gives the unitary
``[[u, -t*], [t, u*]] / sqrt(2)^k`` exactly; its Bloch rotation (``SO3Matrix``) is written
in the Matsumoto-Amano normal form ``(T | eps) (HT | SHT)* C`` (``ma_normal_form``,
arXiv:1312.6584) by reading parities, and the global phase is tracked exactly.

The grid geometry is in floats (it only proposes candidates); the candidate, the norm
equation and the normal form are exact integer arithmetic. ``PENNYLANE_MODULES`` holds the
names of PennyLane's modules ``pennylane.ops.op_math.decompositions.{rings, norm_solver,
grid_problems, normal_forms, ross_selinger}`` (their private names too), which ``qsym``
registers.

>>> import qsym as qml
>>> gates = qml.ops.rs_decomposition(qml.RZ(0.3, wires=0), epsilon=1e-2)
>>> sorted({g.name for g in gates} - {"Hadamard", "S", "T", "Adjoint(S)", "PauliX", "PauliY",
...                                    "PauliZ", "Identity", "GlobalPhase"})
[]
"""

from __future__ import annotations

import math
from itertools import chain

import numpy as np

from ._opmath import QueuingManager, adjoint
from ._operations import GATE_CLASSES
from ._rings import (SQRT2, DyadicMatrix, SO3Matrix, ZOmega, ZSqrtTwo, integer_factor,
                     is_prime, prime_factors, ring_gcd, solve_norm_equation,
                     split_prime_zomega, split_prime_zsqrt_two, sqrt_mod_prime)

__all__ = ["Ellipse", "EllipseState", "GridOp", "GridIterator", "ma_normal_form",
           "clifford_group_to_so3", "clifford_gates_to_su2", "parity_transforms",
           "domain_correction", "rs_decomposition", "PENNYLANE_MODULES"]

LAMBDA = 1 + SQRT2  # the fundamental unit of Z[sqrt 2]
_LOG_LAMBDA = math.log2(LAMBDA)


class Ellipse:
    r"""The ellipse ``{p + v : v^T D v <= 1}`` with ``D = [[a, b], [b, d]]`` positive definite.

    ``z`` and ``e`` are the coordinates of Eq. (31) of arXiv:1403.2975 (``a = e lambda^-z``,
    ``d = e lambda^z``); the skew and bias of a pair are read from them.

    >>> e = Ellipse((1, 0, 1), (4, 5))
    >>> e.bounding_box(), e.contains(4.5, 5.5)
    ((-1.0, 1.0, -1.0, 1.0), True)
    """

    def __init__(self, D, p=(0, 0)):
        self.a, self.b, self.d = D
        self.p = p
        self.z = 0.5 * math.log2(self.d / self.a) / _LOG_LAMBDA
        self.e = math.sqrt(self.a * self.d)

    @classmethod
    def from_region(cls, theta: float, epsilon: float, k: int = 0) -> Ellipse:
        """An ellipse around the epsilon-region ``{u : |u| <= 1, u . z >= 1 - eps^2/2}``,
        ``z = exp(i theta)``, scaled by ``sqrt(2)^k`` (Section 7.2)."""
        t = epsilon ** 2 / 2
        scale = (2 ** (k // 2)) * (SQRT2 ** (k % 2))
        short, long = 1 / (scale * t) ** 2, 1 / (scale * epsilon) ** 2
        zx, zy = math.cos(theta), math.sin(theta)
        D = ((short - long) * zx * zx + long, (short - long) * zx * zy,
             (short - long) * zy * zy + long)
        return cls(D, ((1 - t) * scale * zx, (1 - t) * scale * zy))

    def __repr__(self) -> str:
        return f"Ellipse(a={self.a}, b={self.b}, d={self.d}, p={self.p})"

    def __eq__(self, other) -> bool:
        return (self.a, self.b, self.d, self.p) == (other.a, other.b, other.d, other.p)

    __hash__ = None

    @property
    def discriminant(self) -> float:
        """``tr(D)^2 - 4 det(D)``."""
        return (self.a + self.d) ** 2 - 4 * (self.a * self.d - self.b ** 2)

    @property
    def determinant(self) -> float:
        """``det(D)``."""
        return self.a * self.d - self.b ** 2

    @property
    def positive_semi_definite(self) -> bool:
        """Whether the larger eigenvalue of ``D`` is not negative."""
        return (self.a + self.d) + math.sqrt(self.discriminant) >= 0

    @property
    def uprightness(self) -> float:
        """Area over the area of the bounding box, ``pi / (4 e^2)`` (Eq. 32)."""
        return math.pi / (2 * self.e) ** 2

    @staticmethod
    def b_from_uprightness(uprightness: float) -> float:
        """``b`` of a determinant-1 ellipse of this uprightness (Eq. 33)."""
        return math.sqrt((math.pi / (4 * uprightness)) ** 2 - 1)

    def contains(self, x: float, y: float) -> bool:
        """Whether ``(x, y)`` lies in the ellipse."""
        u, v = x - self.p[0], y - self.p[1]
        return self.a * u * u + 2 * self.b * u * v + self.d * v * v <= 1

    def normalize(self) -> tuple[Ellipse, float]:
        """The ellipse scaled to determinant 1, and the scale."""
        s = 1 / math.sqrt(self.determinant)
        return self.scale(s), s

    def scale(self, scale: float) -> Ellipse:
        """``D`` times ``scale``."""
        return Ellipse((self.a * scale, self.b * scale, self.d * scale), self.p)

    def x_points(self, y: float) -> tuple[float, float]:
        """Where the horizontal line at ``y`` meets the ellipse."""
        v = float(y) - self.p[1]
        disc = v * v * (self.b ** 2 - self.a * self.d) + self.a
        if disc < 0:
            raise ValueError(f"Point y={v} is outside the ellipse")
        root = math.sqrt(disc)
        return (self.p[0] + (-self.b * v - root) / self.a,
                self.p[0] + (-self.b * v + root) / self.a)

    def y_points(self, x: float) -> tuple[float, float]:
        """Where the vertical line at ``x`` meets the ellipse."""
        u = float(x) - self.p[0]
        disc = (self.b * u) ** 2 - self.d * (self.a * u * u - 1)
        if disc < 0:
            raise ValueError(f"Point x={u} is outside the ellipse")
        root = math.sqrt(disc)
        return (self.p[1] + (-self.b * u - root) / self.d,
                self.p[1] + (-self.b * u + root) / self.d)

    def bounding_box(self) -> tuple[float, float, float, float]:
        """``(x0, x1, y0, y1)`` of the ellipse centred at the origin."""
        det = self.determinant
        x, y = math.sqrt(self.d / det), math.sqrt(self.a / det)
        return (-x, x, -y, y)

    def offset(self, offset: float) -> Ellipse:
        """The ellipse moved by ``(offset, offset)``."""
        return Ellipse((self.a, self.b, self.d), (self.p[0] + offset, self.p[1] + offset))

    def apply_grid_op(self, grid_op: GridOp) -> Ellipse:
        """``G^-1`` applied to the ellipse: matrix ``G^T D G``, centre ``G^-1 p``."""
        ga, gb, gc, gd = grid_op.flatten
        D = (ga * ga * self.a + 2 * ga * gc * self.b + gc * gc * self.d,
             ga * gb * self.a + (ga * gd + gb * gc) * self.b + gc * gd * self.d,
             gb * gb * self.a + 2 * gb * gd * self.b + gd * gd * self.d)
        ia, ib, ic, id_ = grid_op.inverse().flatten
        x, y = self.p
        return Ellipse(D, (ia * x + ib * y, ic * x + id_ * y))


class EllipseState:
    """A pair of ellipses, the second for the sqrt(2)-conjugates (Definition A.1).

    >>> s = EllipseState(Ellipse((1, 0, 1)), Ellipse((2, 1, 2)))
    >>> s.skew, s.bias
    (1, 0.0)
    """

    def __init__(self, e1: Ellipse, e2: Ellipse):
        self.e1, self.e2 = e1, e2

    def __repr__(self) -> str:
        return f"EllipseState(e1={self.e1}, e2={self.e2})"

    @property
    def skew(self) -> float:
        """``b1^2 + b2^2``."""
        return self.e1.b ** 2 + self.e2.b ** 2

    @property
    def bias(self) -> float:
        """``z2 - z1``."""
        return self.e2.z - self.e1.z

    def apply_grid_op(self, grid_op: GridOp) -> EllipseState:
        """``G`` on the first ellipse, ``G.adj2()`` on the second (Definition A.3)."""
        return EllipseState(self.e1.apply_grid_op(grid_op), self.e2.apply_grid_op(grid_op.adj2()))

    def skew_grid_op(self) -> GridOp:
        """A special grid operator after which the skew is below 15 (Proposition A.2, by
        repeated Step Lemma A.5)."""
        grid_op, state = GridOp.from_string("I"), self
        while (skew := state.skew) >= 15:
            step, state = state.reduce_skew()
            grid_op = grid_op * step
            if state.skew > 0.9 * skew:
                raise ValueError(f"Skew was not decreased for state {state}: the ellipses "
                                 "are too thin for double precision (use a larger epsilon)")
        return grid_op

    def apply_shift_op(self) -> tuple[EllipseState, int]:
        """The shift ``sigma^k`` (Definition A.6) that brings the bias into [-1, 1]."""
        k = int(math.floor((1 - self.bias) / 2))
        up, down = LAMBDA ** k, LAMBDA ** (-k)
        e1 = Ellipse((self.e1.a * up, self.e1.b, self.e1.d * down), self.e1.p)
        e2 = Ellipse((self.e2.a * down, self.e2.b * (-1) ** k, self.e2.d * up), self.e2.p)
        e1.z, e2.z = self.e1.z - k, self.e2.z + k
        return EllipseState(e1, e2), k

    def _canonical_op(self) -> tuple[GridOp, int]:
        """Z, X and powers of U that make ``b2 >= 0``, ``z1 + z2 >= 0``, small bias."""
        op, sign = GridOp.from_string("I"), 1
        if self.e2.b < 0:
            op = op * GridOp.from_string("Z")
        if self.e1.z + self.e2.z < 0:
            op, sign = op * GridOp.from_string("X"), -1
        if abs(self.bias) > 2:
            op = op * GridOp.from_string("U") ** int(round((1 - sign * self.bias) / 4))
        return op, sign

    def reduce_skew(self) -> tuple[GridOp, EllipseState]:
        """One step of Lemma A.5: a grid operator reducing the skew, and the new state."""
        if not (self.e1.positive_semi_definite and self.e2.positive_semi_definite):
            raise ValueError("Ellipse is not positive semi-definite")
        grid_op, _ = self._canonical_op()
        state, k, step = self.apply_grid_op(grid_op), 0, GridOp.from_string("I")
        if abs(state.bias) > 1:
            state, k = state.apply_shift_op()
            for name, bad in (("Z", lambda s: s.e2.b < 0), ("X", lambda s: s.e1.z + s.e2.z < 0)):
                if bad(state):
                    state, step = state.apply_grid_op(GridOp.from_string(name)), \
                        step * GridOp.from_string(name)
        step = step * _step_op(state)
        if k:
            step = step.apply_shift_op(k)
        grid_op = grid_op * step
        return grid_op, self.apply_grid_op(grid_op)


def _step_op(state: EllipseState) -> GridOp:
    """The case analysis of the proof of Lemma A.5 (R, K, K.adj2(), A^n or B^n)."""
    z1, z2, b1 = state.e1.z, state.e2.z, state.e1.b
    if -0.8 <= z1 <= 0.8 and -0.8 <= z2 <= 0.8:
        return GridOp.from_string("R")
    if b1 >= 0:
        if z1 <= 0.3 and z2 >= 0.8:
            return GridOp.from_string("K")
        if z1 >= 0.8 and z2 <= 0.3:
            return GridOp.from_string("K").adj2()
        if z1 >= 0.3 and z2 >= 0.3:
            return GridOp.from_string("A") ** int(max(1, math.floor(LAMBDA ** min(z1, z2) / 2)))
    elif z1 >= -0.2 and z2 >= -0.2:
        return GridOp.from_string("B") ** int(max(1, math.floor(LAMBDA ** min(z1, z2) / SQRT2)))
    raise ValueError(f"Skew couldn't be reduced for the state {state}")


def _dot_pairs(x, y, z, w):
    """``x y + z w`` for entries ``m0 + m1/sqrt2`` given as pairs (the ``1/2`` of the two
    ``m1`` products taken together, exact for grid operators)."""
    return (x[0] * y[0] + z[0] * w[0] + (x[1] * y[1] + z[1] * w[1]) // 2,
            x[0] * y[1] + x[1] * y[0] + z[0] * w[1] + z[1] * w[0])


class GridOp:
    r"""A grid operator (Definition 5.10): a 2x2 matrix whose entries are ``m0 + m1/sqrt(2)``
    with ``a0 + b0 + c0 + d0`` even and ``a1, b1, c1, d1`` of one parity (Lemma 5.11), each
    entry given as the pair ``(m0, m1)``.

    >>> GridOp.from_string("R") ** 2 == GridOp.from_string("X") * GridOp.from_string("Z")
    True
    >>> GridOp.from_string("K").is_special
    True
    """

    def __init__(self, a, b, c, d, check_valid: bool = True) -> None:
        self.a, self.b, self.c, self.d = tuple(a), tuple(b), tuple(c), tuple(d)
        if check_valid and ((a[0] + b[0] + c[0] + d[0]) % 2
                            or len({a[1] % 2, b[1] % 2, c[1] % 2, d[1] % 2}) != 1):
            raise ValueError(f"{self!r} is no grid operator: a0 + b0 + c0 + d0 must be even "
                             "and a1, b1, c1, d1 of one parity")

    def __repr__(self) -> str:
        return f"GridOp(a={self.a}, b={self.b}, c={self.c}, d={self.d})"

    def __eq__(self, other) -> bool:
        return isinstance(other, GridOp) and (self.a, self.b, self.c, self.d) == (
            other.a, other.b, other.c, other.d)

    __hash__ = None

    def __mul__(self, other):
        if isinstance(other, GridOp):
            return GridOp(_dot_pairs(self.a, other.a, self.b, other.c),
                          _dot_pairs(self.a, other.b, self.b, other.d),
                          _dot_pairs(self.c, other.a, self.d, other.c),
                          _dot_pairs(self.c, other.b, self.d, other.d))
        if isinstance(other, ZOmega):
            return self._mul_z_omega(other)
        raise TypeError(f"Cannot multiply GridOp with {type(other).__name__}: use a GridOp "
                        "or a ZOmega")

    def _mul_z_omega(self, u: ZOmega) -> ZOmega:
        """The operator on ``u`` read as the point ``(Re u, Im u)``; ``sqrt 2 Re u`` and
        ``sqrt 2 Im u`` are ``(c - a) + d sqrt 2`` and ``(c + a) + b sqrt 2``."""
        x1, y1, x2, y2 = u.d, u.b, u.c - u.a, u.c + u.a
        re2 = self.a[0] * x2 + self.a[1] * x1 + self.b[0] * y2 + self.b[1] * y1
        im2 = self.c[0] * x2 + self.c[1] * x1 + self.d[0] * y2 + self.d[1] * y1
        re1 = self.a[0] * x1 + self.b[0] * y1 + (self.a[1] * x2 + self.b[1] * y2) // 2
        im1 = self.c[0] * x1 + self.d[0] * y1 + (self.c[1] * x2 + self.d[1] * y2) // 2
        return ZOmega((im2 - re2) // 2, im1, (im2 + re2) // 2, re1)

    def __pow__(self, n: int) -> GridOp:
        if n == 0 or self == _GRID_OPS["I"]:
            return _GRID_OPS["I"]
        if self == _GRID_OPS["A"]:
            return GridOp((1, 0), (-2 * n, 0), (0, 0), (1, 0))
        if self == _GRID_OPS["B"]:
            return GridOp((1, 0), (0, 2 * n), (0, 0), (1, 0))
        if self == _GRID_OPS["U"]:  # diag(lambda^n, +-lambda^-n), PennyLane's sign
            c1, c2 = (ZSqrtTwo(1, 1) ** abs(n)).flatten
            s = -1 if n < 0 else 1
            return GridOp((s * c1, 2 * c2), (0, 0), (0, 0), (-s * c1, 2 * c2))
        base, result = (self, _GRID_OPS["I"]) if n > 0 else (self.inverse(), _GRID_OPS["I"])
        n = abs(n)
        while n:
            if n & 1:
                result = result * base
            base, n = base * base, n >> 1
        return result

    @classmethod
    def from_string(cls, string: str) -> GridOp:
        """One of the operators of Fig. 6: "I", "R", "A", "B", "K", "U", "X", "Z"."""
        if string not in _GRID_OPS:
            raise ValueError(f"Unknown grid operator {string!r}: use one of {sorted(_GRID_OPS)}")
        return _GRID_OPS[string]

    @property
    def determinant(self) -> tuple[int, int]:
        """``det`` as ``(m0, m1)``."""
        return _dot_pairs(self.a, self.d, self.b, (-self.c[0], -self.c[1]))

    @property
    def is_special(self) -> bool:
        """Determinant ``+-1`` (Proposition 5.13)."""
        d0, d1 = self.determinant
        return d1 == 0 and d0 in (1, -1)

    @property
    def flatten(self) -> list[float]:
        """The four entries as floats."""
        return [m0 + m1 / SQRT2 for m0, m1 in (self.a, self.b, self.c, self.d)]

    def inverse(self) -> GridOp:
        """The inverse of a special grid operator."""
        if not self.is_special:
            raise ValueError("Grid operator needs to be special to have an inverse: "
                             f"{self!r} has determinant {self.determinant}")
        det = self.determinant[0]
        neg = lambda x: (-x[0] * det, -x[1] * det)  # noqa: E731
        return GridOp((self.d[0] * det, self.d[1] * det), neg(self.b), neg(self.c),
                      (self.a[0] * det, self.a[1] * det))

    def transpose(self) -> GridOp:
        """PennyLane's ``transpose``: the diagonal swapped (``[[d, b], [c, a]]``)."""
        return GridOp(self.d, self.b, self.c, self.a)

    def adj2(self) -> GridOp:
        """Entry-wise sqrt(2)-conjugate."""
        return GridOp(*((m0, -m1) for m0, m1 in (self.a, self.b, self.c, self.d)))

    def apply_to_ellipse(self, ellipse: Ellipse) -> Ellipse:
        """``ellipse.apply_grid_op(self)``."""
        return ellipse.apply_grid_op(self)

    def apply_to_state(self, state: EllipseState) -> EllipseState:
        """``state.apply_grid_op(self)``."""
        return state.apply_grid_op(self)

    def apply_shift_op(self, k: int) -> GridOp:
        """Conjugation by the shift ``sigma^k`` (Lemma A.9)."""
        sign, (s1, s2) = (-1 if k < 0 else 1), (ZSqrtTwo(1, 1) ** abs(k)).flatten
        (a0, a1), (d0, d1) = self.a, self.d
        return GridOp((a1 * s2 + sign * a0 * s1, 2 * a0 * s2 + sign * a1 * s1), self.b, self.c,
                      (d1 * s2 - sign * d0 * s1, 2 * d0 * s2 - sign * d1 * s1))


_GRID_OPS = {
    "I": GridOp((1, 0), (0, 0), (0, 0), (1, 0)),
    "A": GridOp((1, 0), (-2, 0), (0, 0), (1, 0)),
    "B": GridOp((1, 0), (0, 2), (0, 0), (1, 0)),
    "K": GridOp((-1, 1), (0, -1), (1, 1), (0, 1)),
    "R": GridOp((0, 1), (0, -1), (0, 1), (0, 1)),
    "U": GridOp((1, 2), (0, 0), (0, 0), (-1, 2)),
    "X": GridOp((0, 0), (1, 0), (1, 0), (0, 0)),
    "Z": GridOp((1, 0), (0, 0), (0, 0), (-1, 0)),
}


_TRIVIAL_UNITS = (ZOmega(a=-1), ZOmega(b=-1), ZOmega(b=1), ZOmega(c=1), ZOmega(d=1),
                  ZOmega(d=-1))


def _scaled_interval(lo: float, hi: float, lo2: float, hi2: float):
    """Scale ``[lo, hi] x [lo2, hi2]`` (an interval and its sqrt(2)-conjugate) by a power of
    lambda so that the first has width in [lambda^-1, 1) (Lemma 16 of arXiv:1212.6253).
    Returns the scaled bounds, the exponent and whether the intervals were swapped."""
    k1, k2 = (int(math.floor(math.log2(w) / _LOG_LAMBDA + 1)) for w in (hi - lo, hi2 - lo2))
    swapped = abs(k1) > abs(k2)
    if swapped:
        lo, hi, lo2, hi2, k1 = lo2, hi2, lo, hi, k2
    up, down = ZSqrtTwo(1, 1), ZSqrtTwo(-1, 1)  # lambda and lambda^-1
    x_scale = float((up if k1 < 0 else down) ** abs(k1))
    y_scale = float((-1) ** k1 * (down if k1 < 0 else up) ** abs(k1))
    y0, y1 = sorted((y_scale * lo2, y_scale * hi2))
    x0, x1 = x_scale * lo, x_scale * hi
    if x1 - x0 < 1 - SQRT2:
        raise ValueError(f"Value should be larger than 1 - sqrt(2) for bbox {(x0, x1, y0, y1)}")
    return (x0, x1, y0, y1), k1, swapped


class GridIterator:
    r"""The candidates ``(u, k)`` of Ross and Selinger's search for ``RZ``-angle ``theta``
    (here the angle of ``exp(i theta)``) and error ``epsilon``: ``u / sqrt(2)^k`` in the
    epsilon-region and ``u.adj2() / sqrt(2)^k`` in the unit disk (Proposition 5.22), ``k``
    growing from a warm start; after ``max_trials`` exponents, the near misses and ``1``.

    >>> u, k = next(iter(GridIterator(theta=0.3, epsilon=1e-2)))
    >>> abs(complex(u) / 2 ** (k / 2) - complex(math.cos(0.3), math.sin(0.3))) < 1e-2
    True
    """

    def __init__(self, theta: float = 0.0, epsilon: float = 1e-3, max_trials: int = 20):
        self.theta, self.epsilon, self.max_trials = theta, epsilon, max_trials
        self.zval = math.cos(theta), math.sin(theta)
        self.kmin = int(3 * math.log2(1 / epsilon) // 2)
        self.target = 1 - epsilon ** 2 / 2

    def __repr__(self) -> str:
        return (f"GridIterator(theta={self.theta}, epsilon={self.epsilon}, "
                f"max_trials={self.max_trials})")

    def _overlap(self, u: ZOmega, k: int) -> float:
        """``Re(u z*) / sqrt(2)^k`` with ``z = exp(i theta)``."""
        value = complex(u)
        return (self.zval[0] * value.real + self.zval[1] * value.imag) / (
            2 ** (k // 2) * SQRT2 ** (k % 2))

    def __iter__(self):
        k, warm_trials = min(self.kmin, 14), 6  # warm start at epsilon 1e-3 (k = 14)
        eps, near = max(self.epsilon, 1e-3), min(self.target, 0.9999995)
        disk = Ellipse((1, 0, 1), (0, 0))
        region = Ellipse.from_region(self.theta, eps, k)
        grid_op = EllipseState(region.normalize()[0], disk).skew_grid_op()
        for u in _TRIVIAL_UNITS:
            if abs(float(u.norm().to_sqrt_two())) <= 1 and self._overlap(u, 0) >= self.target:
                yield u, 0
        misses = []
        for trial in range(self.max_trials):
            radius = 2.0 ** -k
            state = EllipseState(region, Ellipse((radius, 0, radius), (0, 0)))
            try:
                for candidate in self.solve_two_dim_problem(state.apply_grid_op(grid_op)):
                    u, j = (grid_op * candidate).normalize()
                    kk = k - j
                    if abs(float(u.norm().to_sqrt_two())) > 2 ** kk:
                        continue
                    overlap = self._overlap(u, kk)
                    if overlap >= self.target:
                        yield u, kk
                    elif overlap >= near:
                        misses.append((u, kk))
                if trial == warm_trials:
                    k, eps, near = max(self.kmin, k + 1), self.epsilon, near / 10
                    fine = Ellipse.from_region(self.theta, eps, self.kmin).normalize()[0]
                    grid_op = EllipseState(fine, disk).skew_grid_op()
                else:
                    k += 1
                region = Ellipse.from_region(self.theta, eps, k)
            except (ValueError, ZeroDivisionError):
                break
        yield from misses
        yield ZOmega(d=1), 0

    def solve_two_dim_problem(self, state: EllipseState, num_points: int = 1000):
        r"""The ``u`` in Z[w] with ``u`` in ``state.e1`` and ``u.adj2()`` in ``state.e2``
        (Proposition 5.21): the even coset ``Z[sqrt2] + i Z[sqrt2]`` and the odd one (shifted
        by ``w``), each by the upright problem of the bounding boxes, then filtered."""
        e1, e2 = state.e1, state.e2
        shifted = EllipseState(e1.offset(-1 / SQRT2), e2.offset(1 / SQRT2))
        box1 = tuple(v + e1.p[i // 2] for i, v in enumerate(e1.bounding_box()))
        box2 = tuple(v + e2.p[i // 2] for i, v in enumerate(e2.bounding_box()))
        odd1, odd2 = tuple(v - 1 / SQRT2 for v in box1), tuple(v + 1 / SQRT2 for v in box2)
        plans = []
        for b1, b2 in ((box1, box2), (odd1, odd2)):
            nx = self.bbox_grid_points(b1[:2] + b2[:2])
            ny = self.bbox_grid_points(b1[2:] + b2[2:])
            plans.append([nx > num_points * ny, ny > num_points * nx])
        candidates = chain(self.solve_upright_problem(state, box1, box2, plans[0], ZOmega()),
                           self.solve_upright_problem(shifted, odd1, odd2, plans[1], ZOmega(c=1)))
        for u in candidates:
            z1, z2 = complex(u), complex(u.adj2())
            if e1.contains(z1.real, z1.imag) and e2.contains(z2.real, z2.imag):
                yield u

    def solve_upright_problem(self, state, bbox1, bbox2, num_b, shift: ZOmega):
        r"""The ``u = alpha + i beta + shift`` with ``u`` in the box ``bbox1`` and
        ``u.adj2()`` in ``bbox2`` (``(x0, x1, y0, y1)`` each): with ``num_b[0]`` the
        imaginary parts first, each then narrowed to its chord of the ellipses, with
        ``num_b[1]`` the real parts first, otherwise every pair of the two 1-D solutions."""
        e1, e2 = state.e1, state.e2
        ax0, ax1, ay0, ay1 = bbox1
        bx0, bx1, by0, by1 = bbox2
        if num_b[0] or num_b[1]:
            first = (ay0, ay1, by0, by1) if num_b[0] else (ax0, ax1, bx0, bx1)
            chord = "x_points" if num_b[0] else "y_points"
            for v in self.solve_one_dim_problem(*first):
                lo1, hi1 = getattr(e1, chord)(v)
                lo2, hi2 = getattr(e2, chord)(v.adj2())
                if hi1 - lo1 > 0 and hi2 - lo2 > 0:
                    for w in self.solve_one_dim_problem(lo1, hi1, lo2, hi2):
                        yield (ZOmega.from_sqrt_pair(w, v, shift) if num_b[0]
                               else ZOmega.from_sqrt_pair(v, w, shift))
            return
        betas, seen = self.solve_one_dim_problem(ay0, ay1, by0, by1), None
        for alpha in self.solve_one_dim_problem(ax0, ax1, bx0, bx1):
            if seen is None:
                seen = []
                for beta in betas:
                    seen.append(beta)
                    yield ZOmega.from_sqrt_pair(alpha, beta, shift)
            else:
                for beta in seen:
                    yield ZOmega.from_sqrt_pair(alpha, beta, shift)

    @staticmethod
    def bbox_grid_points(bbox) -> int:
        """An estimate of the number of solutions of the 1-D grid problem of
        ``(x0, x1, y0, y1)`` (Lemma 16 of arXiv:1212.6253)."""
        (x0, x1, y0, y1), _, _ = _scaled_interval(*bbox)
        return 1 + int((x1 - y0) / (2 * SQRT2) - (x0 - y1) / (2 * SQRT2))

    @staticmethod
    def solve_one_dim_problem(x0: float, x1: float, y0: float, y1: float):
        r"""The ``a + b sqrt(2)`` in ``[x0, x1]`` whose conjugate ``a - b sqrt(2)`` is in
        ``[y0, y1]`` (Lemmas 16 and 17 of arXiv:1212.6253): scaled by a power of lambda
        so that ``[x0, x1]`` is narrower than 1, every ``b`` gives at most one ``a``."""
        (sx0, sx1, sy0, sy1), k, swapped = _scaled_interval(x0, x1, y0, y1)
        unit = ZSqrtTwo(1, 1) ** abs(k)
        b_hi, b_lo = (sx1 - sy0) / (2 * SQRT2), (sx0 - sy1) / (2 * SQRT2)
        for b in range(int(math.floor(b_hi)), int(math.ceil(b_lo)) - 1, -1):
            lo, hi = sx0 - b * SQRT2, sx1 - b * SQRT2
            if hi - lo >= 1:
                raise ValueError(f"Value should be less than one for {(x0, x1, y0, y1)}")
            a = math.ceil(lo)
            if a != math.floor(hi) or not sx0 + sy0 <= 2 * a <= sx1 + sy1:
                continue
            if sx0 <= a + b * SQRT2 <= sx1 and sy0 <= a - b * SQRT2 <= sy1:
                sol = ZSqrtTwo(a, b) / unit if k < 0 else ZSqrtTwo(a, b) * unit
                yield sol.adj2() if swapped else sol


# ---- the Matsumoto-Amano normal form (arXiv:1312.6584) ---------------------------------------
_W = {name: ZOmega(**{name: 1}) for name in "abcd"}  # w^3, w^2 = i, w, 1
_ONE, _ZERO = ZOmega(d=1), ZOmega()


def _diag(x: ZOmega, y: ZOmega, k: int = 0) -> DyadicMatrix:
    return DyadicMatrix(x, ZOmega(), ZOmega(), y, k)


# the gates' SU(2) forms su2 = exp(-i pi phase) gate, with the phase over pi
_SU2 = {
    "I": (_diag(_ONE, _ONE), 0.0),
    "H": (-DyadicMatrix(_W["b"], _W["b"], _W["b"], -_W["b"], k=1), 0.5),
    "S": (_diag(-_W["a"], _W["c"]), 0.25),
    "X": (DyadicMatrix(_ZERO, -_W["b"], -_W["b"], _ZERO), 0.5),
    "Y": (DyadicMatrix(_ZERO, -_ONE, _ONE, _ZERO), 0.5),
    "Z": (_diag(-_W["b"], _W["b"]), 0.5),
    "Sd": (_diag(-_W["c"], _W["a"]), 0.75),
}
# PennyLane's order of the 24 Cliffords (its compressed form indexes it)
_CLIFFORDS = [("I",), ("H",), ("S",), ("X",), ("Y",), ("Z",), ("Sd",), ("H", "S"), ("H", "Z"),
              ("H", "Sd"), ("S", "H"), ("S", "X"), ("S", "Y"), ("Z", "H"), ("Sd", "H"),
              ("S", "H", "S"), ("S", "H", "Z"), ("S", "H", "Sd"), ("Z", "H", "S"),
              ("Z", "H", "Z"), ("Z", "H", "Sd"), ("Sd", "H", "S"), ("Sd", "H", "Z"),
              ("Sd", "H", "Sd")]
_EXACT = {"H": DyadicMatrix(_ONE, _ONE, _ONE, -_ONE, k=1), "S": _diag(_ONE, _W["b"]),
          "T": _diag(_ONE, _W["c"])}
# syllable -> (its global phase over pi, PennyLane's), the T gate taken exactly
_SYLLABLES = {"C": ("I",), "T": ("T",), "HT": ("H", "T"), "SHT": ("S", "H", "T")}
_SYLLABLE_PHASE = {"C": 0.0, "T": 0.0, "HT": 1.5, "SHT": 1.25}


def _product(mats) -> DyadicMatrix:
    result = _diag(_ONE, _ONE)
    for m in mats:
        result = result @ m
    return result


def _dagger(m: DyadicMatrix) -> DyadicMatrix:
    return DyadicMatrix(m.a.conj(), m.c.conj(), m.b.conj(), m.d.conj(), m.k)


def _gate(name: str, wire):
    if name == "Sd":
        return adjoint(GATE_CLASSES["S"](wires=wire))
    full = {"I": "Identity", "H": "Hadamard", "X": "PauliX", "Y": "PauliY", "Z": "PauliZ"}
    return GATE_CLASSES[full.get(name, name)](wires=wire)


def _clifford_so3(names) -> SO3Matrix:
    return SO3Matrix(_product(_SU2[n][0] for n in names))


def clifford_group_to_so3(wire=0) -> dict:
    """The 24 single-qubit Cliffords as gate tuples (PennyLane's order) mapped to their
    ``SO3Matrix``.

    >>> table = clifford_group_to_so3()
    >>> len(table), all(m.k == 0 for m in table.values())
    (24, True)
    """
    return {tuple(_gate(n, wire) for n in names): _clifford_so3(names) for names in _CLIFFORDS}


def clifford_gates_to_su2(wire=0) -> dict:
    """The gates I, H, S, X, Y, Z, S^dagger mapped to ``(su2, phase)``: their SU(2) form
    as a ``DyadicMatrix`` and ``phase`` with ``gate = exp(i pi phase) su2``.

    >>> (su2, phase), = [v for g, v in clifford_gates_to_su2().items() if g.name == "S"]
    >>> bool(np.allclose(np.exp(1j * np.pi * phase) * su2.ndarray, np.diag([1, 1j])))
    True
    """
    return {_gate(n, wire): v for n, v in _SU2.items()}


def _parity_table() -> dict:
    """parity vector -> (syllable, SO(3) of its inverse), for the syllables C, T, HT, SHT."""
    table = {}
    for syllable, names in _SYLLABLES.items():
        forward = _product(_EXACT[n] for n in names) if syllable != "C" else _diag(_ONE, _ONE)
        table[tuple(int(v) for v in SO3Matrix(forward).parity_vec)] = (
            syllable, SO3Matrix(_dagger(forward)))
    return table


_PARITY = _parity_table()


def parity_transforms(wire=0) -> dict:
    """PennyLane's table of the normal form's steps: the parity vector of a syllable's
    rotation (C, T, HT, SHT) mapped to ``(SO3 of its inverse, gates, phase over pi)``.

    >>> sorted(parity_transforms())
    [(0, 2, 2), (1, 1, 1), (2, 0, 2), (2, 2, 0)]
    """
    return {vec: (inv, tuple(_gate(n, wire) for n in _SYLLABLES[s]), _SYLLABLE_PHASE[s])
            for vec, (s, inv) in _PARITY.items()}


def _peel_syllables(so3: SO3Matrix):
    """The syllables T, HT, SHT read off the left of ``so3`` by its parities (Lemmas 4.10,
    6.3, 6.4 of arXiv:1312.6584), the first row ``(a, c) / sqrt(2)^k`` of their product's
    exact matrix (a row: each syllable ``G`` read off the left multiplies it on the right,
    ``row @ G``, computed as ``G^T @ (a, c)``) and the phase so far."""
    a, c, k, names, bits, phase = _ONE, _ZERO, 0, [], [], 0.0
    while (vec := tuple(int(v) for v in so3.parity_vec)) != (1, 1, 1):
        syllable, inverse = _PARITY[vec]
        so3 = inverse @ so3
        names += _SYLLABLES[syllable]
        phase += _SYLLABLE_PHASE[syllable]
        if syllable == "T":
            c, bit = c * _W["c"], 0
        elif syllable == "HT":
            a, c, k, bit = -_W["b"] * (a + c), -_W["a"] * (a - c), k + 1, 0
        else:
            ic = _W["b"] * c
            a, c, k, bit = -_W["c"] * (a + ic), -_W["b"] * (a - ic), k + 1, 1
        bits.append(bit)
    return so3, names, bits, (a, c, k), phase


def ma_normal_form(op: SO3Matrix, compressed: bool = False, upper_bounded_size=None,
                   wire=0):
    r"""The Matsumoto-Amano normal form ``(T | eps) (HT | SHT)* C`` of a Clifford+T rotation.

    Returns ``(gates, phase)`` (the gates in matrix-product order, ``phase`` over pi of the
    global phase that makes their product ``op.matrix`` exactly), or with ``compressed``
    ``((t_bit, syllable_bits, clifford_index), phase)`` (``syllable_bits`` 0 for HT, 1 for
    SHT, a NumPy array padded with -1 to ``upper_bounded_size``).

    >>> t = SO3Matrix(DyadicMatrix(ZOmega(d=1), ZOmega(), ZOmega(), ZOmega(c=1)))
    >>> ma_normal_form(t)[0]  # T, then the Clifford part: the identity
    [T(0), I(0)]
    """
    so3, names, bits, (a, c, k), phase = _peel_syllables(op)
    index = next((i for i, cl in enumerate(_CLIFFORDS) if _clifford_so3(cl) == so3), -1)
    for name in _CLIFFORDS[index] if index >= 0 else ():
        names.append(name)
        su2, gp = _SU2[name]
        # the first row times the gate: su2^T @ (a, c) (Y is not symmetric)
        a, c, k = su2.a * a + su2.c * c, su2.b * a + su2.d * c, k + su2.k
        phase -= gp
    su2 = op.matrix  # same first row up to the global phase: compare a nonzero entry
    ratio = (complex(su2.a) / complex(a) if a != 0 else complex(su2.b) / complex(c)) * \
        SQRT2 ** (k - su2.k)
    phase = -float(np.angle(ratio)) / math.pi - phase
    if not compressed:
        return [_gate(n, wire) for n in names], phase
    t_bit = int(bool(names) and names[0] == "T")
    syllables = np.array(bits[t_bit:], dtype=np.int32)
    if upper_bounded_size is not None:
        if upper_bounded_size < syllables.shape[0]:
            raise ValueError(f"upper_bounded_size {upper_bounded_size} is smaller than the "
                             f"{syllables.shape[0]} syllables of the normal form")
        syllables = np.pad(syllables, (0, upper_bounded_size - syllables.shape[0]),
                           constant_values=-1)
    return (np.int32(t_bit), syllables, np.int32(max(0, index))), phase


# ---- Ross-Selinger ----------------------------------------------------------------------------
_ODD_EIGHTHS = {  # sign -> the exact factors for theta = +-(2j+1) pi/8, j = 0..3
    -1: [(ZOmega(d=1), ZOmega(d=1)), (ZOmega(b=-1), ZOmega(c=1)), (ZOmega(d=-1), ZOmega(b=1)),
         (ZOmega(b=1), ZOmega(a=1))],
    1: [(ZOmega(b=1), ZOmega(b=1)), (ZOmega(d=-1), ZOmega(d=1)), (ZOmega(b=-1), ZOmega(b=-1)),
        (ZOmega(d=1), ZOmega(d=-1))],
}


def domain_correction(theta: float):
    r"""``(shift, scale)`` bringing ``theta`` into ``[-pi/4, pi/4]``: ``theta + shift`` is
    solved for and the solution multiplied by the unit ``scale`` (a power of ``i``). For an
    odd multiple ``j pi/8`` the answer is exact: ``((sign, j), (x, y))`` with ``x, y`` the
    factors of its exact matrix.

    >>> domain_correction(math.pi / 2)
    (-1.5707963267948966, ZOmega(a=0, b=1, c=0, d=0))
    """
    sign, theta = 1, theta % (4 * math.pi)
    if theta > 2 * math.pi:
        sign, theta = -1, theta - 4 * math.pi
    size = abs(theta)
    quotient = round(size / (math.pi / 8), 12)
    whole = int(quotient)
    if quotient == whole and round(abs(whole * math.pi / 8 - size), 12) == 0 and whole % 2:
        if whole > 8:
            whole, sign = 16 - whole, -sign
        return (sign, whole), _ODD_EIGHTHS[sign][whole // 2]
    for j, (shift, unit) in enumerate(((math.pi / 2, ZOmega(b=sign)), (math.pi, ZOmega(d=-1)),
                                       (3 * math.pi / 2, ZOmega(b=-sign)))):
        if (2 * j + 1) * math.pi / 4 <= size < (2 * j + 3) * math.pi / 4:
            return -sign * shift, unit
    return 0.0, ZOmega(d=1)


def _synthesize(angle: float, epsilon: float, search: int, factoring: int):
    """The exact unitary approximating ``diag(exp(i angle), exp(-i angle))`` (up to a
    global phase), as a DyadicMatrix, and the phase over the odd-eighths case."""
    shift, scale = domain_correction(angle)
    if not isinstance(scale, ZOmega):  # an odd multiple of pi/8: exact
        exact = _diag(_ONE, _W["c"]) @ _diag(scale[0], _ONE)
        extra = math.pi / 8 if shift[0] == -1 else (8 - shift[1]) * math.pi / 8
        return exact * scale[1], extra
    u, t, k = _ONE, _ZERO, 0
    for candidate, kk in GridIterator(angle + shift, epsilon, max_trials=search):
        xi = ZSqrtTwo(2 ** kk) - candidate.norm().to_sqrt_two()
        found = solve_norm_equation(xi, max_trials=factoring)
        if found is not None:
            u, t, k = candidate * scale, found * scale, kk
            break
    return DyadicMatrix(u, -t.conj(), t, u.conj(), k=k), 0.0


def _concrete_angle(op) -> float:
    try:
        return float(np.real(op.data[0]))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rs_decomposition needs a concrete angle, got {op.data[0]!r}: call "
                         "it outside a traced or differentiated function") from exc


def _no_qjit(*_args, **_kwargs):
    raise NotImplementedError("qsym has no qjit (Catalyst) mode for rs_decomposition: call it "
                              "with is_qjit=False")


def rs_decomposition(op, epsilon, is_qjit=False, *, max_search_trials=20,
                     max_factoring_trials=1000):
    r"""Approximate an ``RZ`` or ``PhaseShift`` gate by Clifford+T gates within ``epsilon``
    (operator norm, the global phase included), by Ross and Selinger's algorithm
    (arXiv:1403.2975): about ``3 log2(1/epsilon)`` T gates.

    Returns the gates in circuit order on the operator's wire (H, S, T, S^dagger, the
    Paulis, the identity) and a final ``GlobalPhase``; queued in place of ``op`` when
    recording. ``max_search_trials`` bounds the exponents tried by the grid search (after
    them the nearest candidate found is used, whose error may exceed ``epsilon``) and
    ``max_factoring_trials`` the Pollard-rho runs per norm equation.

    >>> import qsym as qml
    >>> op = qml.RZ(np.pi / 3, wires=0)
    >>> gates = qml.ops.rs_decomposition(op, epsilon=1e-3)
    >>> approx = qml.matrix(qml.tape.QuantumScript(gates))
    >>> bool(np.abs(approx - qml.matrix(op)).max() < 1e-3)
    True
    """
    if is_qjit:
        _no_qjit()
    name = getattr(op, "name", None)
    if name not in ("RZ", "PhaseShift"):
        raise ValueError(f"Operator must be a RZ or PhaseShift gate, got {op}")
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    wire = op.wires[0]
    with QueuingManager.stop_recording():
        angle = -_concrete_angle(op) / 2
        exact, phase = _synthesize(angle, epsilon, max_search_trials, max_factoring_trials)
        gates, g_phase = ma_normal_form(SO3Matrix(exact), wire=wire)
        # PennyLane's order: the normal form's gates (matrix-product order, their product
        # exp(i pi g_phase) exact) applied as a circuit in that order, which makes the
        # transpose of their product: every gate of the form is symmetric but Y (Y^T = -Y),
        # so the circuit is (-1)^#Y exp(i pi g_phase) exact^T; exact^T approximates the
        # diagonal target as well as exact does
        g_phase += sum(g.name == "PauliY" for g in gates)
        phase += (angle if name == "PhaseShift" else 0.0) + (g_phase % 2) * math.pi
        # the normal form's Clifford stays when it is the identity (PennyLane 0.45's
        # rs_decomposition keeps that I: RZ(pi/4) is T, I and a global phase)
        gates = gates + [GATE_CLASSES["GlobalPhase"](phase)]
    if QueuingManager.recording():
        QueuingManager.remove(op)
        for g in gates:
            QueuingManager.append(g)
    return gates


PENNYLANE_MODULES = {
    "rings": dict(ZSqrtTwo=ZSqrtTwo, ZOmega=ZOmega, DyadicMatrix=DyadicMatrix,
                  SO3Matrix=SO3Matrix, _SQRT2=SQRT2),
    "norm_solver": dict(_gcd=ring_gcd, _prime_factorize=prime_factors,
                        _integer_factorize=integer_factor,
                        _factorize_prime_zsqrt_two=split_prime_zsqrt_two,
                        _factorize_prime_zomega=split_prime_zomega, _primality_test=is_prime,
                        _sqrt_modulo_p=sqrt_mod_prime, _solve_diophantine=solve_norm_equation,
                        ZOmega=ZOmega, ZSqrtTwo=ZSqrtTwo),
    "grid_problems": dict(Ellipse=Ellipse, EllipseState=EllipseState, GridOp=GridOp,
                          GridIterator=GridIterator, ZOmega=ZOmega, ZSqrtTwo=ZSqrtTwo),
    "normal_forms": dict(_ma_normal_form=ma_normal_form,
                         _clifford_group_to_SO3=clifford_group_to_so3,
                         _clifford_gates_to_SU2=clifford_gates_to_su2,
                         _parity_transforms=parity_transforms,
                         DyadicMatrix=DyadicMatrix, SO3Matrix=SO3Matrix, ZOmega=ZOmega),
    "ross_selinger": dict(rs_decomposition=rs_decomposition,
                          _domain_correction=domain_correction,
                          _jit_rs_decomposition=_no_qjit, GridIterator=GridIterator),
}
