"""PennyLane's optimizers, with the same defaults and update rules.

Each optimizer has ``step(objective_fn, *args, grad_fn=None, **kwargs)`` (the new
arguments: one argument alone, several as a list) and ``step_and_cost`` (also the
objective's value *before* the step). The gradient is ``qml.grad(objective_fn)`` (the
objective must be a QNode) unless ``grad_fn`` is given. Keyword arguments are passed
through and never updated.

Which arguments are updated: PennyLane's rule, those with ``requires_grad=True``, i.e.
``qsym.numpy`` arrays (``np.array(...)``, and their elements ``x[0]``) unless made with
``requires_grad=False``. Plain Python floats, ints and lists, NumPy arrays and
``requires_grad=False`` tensors are passed to the objective unchanged and never updated.
Integer arrays are updated as NumPy computes ``x - eta * g``: promoted to float (their
gradient is taken at the same values as floats). With no trainable argument, ``step``
warns as PennyLane does and returns the arguments unchanged. ``grad_fn`` returns the
gradient of the trainable argument (one: an array or a number) or a tuple of them.

The same optimizer objects configure :func:`qsym._minimize`, which runs all the steps of
a QNode's optimization in one compiled loop with the same iterates (it reads the
hyperparameters below and starts from zero accumulators).

Update rules (``g`` the gradient, ``eta`` the step size; accumulators start at 0):

- GradientDescent: ``x <- x - eta g``
- Momentum: ``a <- m a + eta g``, ``x <- x - a``
- NesterovMomentum: as Momentum, with ``g`` taken at ``x - m a`` (and, as in PennyLane,
  ``step_and_cost`` reports the objective there)
- Adagrad: ``G <- G + g**2``, ``x <- x - eta g / sqrt(G + eps)``
- RMSProp: ``G <- d G + (1 - d) g**2``, ``x <- x - eta g / sqrt(G + eps)``
- Adam: ``f <- b1 f + (1 - b1) g``, ``s <- b2 s + (1 - b2) g**2``, ``t <- t + 1``,
  ``x <- x - eta sqrt(1 - b2**t) / (1 - b1**t) * f / (sqrt(s) + eps)``

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def bloch(x):
...     qml.RY(x[0], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> opt = qml.GradientDescentOptimizer(stepsize=0.5)
>>> x = np.array([0.3])
>>> for _ in range(60):
...     x = opt.step(bloch, x)
>>> print(np.round(x, 6), round(float(bloch(x)), 9))
[3.141593] -1.0
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import SimpleNamespace
from math import sqrt
from typing import Any

import numpy as np
from autograd.tracer import getval

from ._autodiff import NO_TRAINABLE, trainable_indices
from .errors import ArgumentError, DifferentiationError
from ._runtime import grad


def requires_grad(arg) -> bool:
    """PennyLane's trainability test: ``getattr(arg, "requires_grad", False)``."""
    return bool(getattr(arg, "requires_grad", False))


def _gradient_fn(objective_fn, trainable):
    """``qml.grad`` of the objective over exactly the trainable arguments (qsym's default
    would also take plain floats, which PennyLane's optimizers leave alone)."""
    return grad(objective_fn, argnum=trainable[0] if len(trainable) == 1 else list(trainable))


class _NoGradient:
    """What ``qml.grad`` gives with nothing to differentiate: PennyLane's warning, ``()``,
    and the objective's value in ``forward``."""

    def __init__(self, objective_fn):
        self.objective_fn = objective_fn
        self.forward = None

    def __call__(self, *args, **kwargs):
        warnings.warn(NO_TRAINABLE, UserWarning, stacklevel=4)
        self.forward = self.objective_fn(*args, **kwargs)
        return ()


def _get_gradient(objective_fn, args):
    # PennyLane's qml.grad(objective_fn) without argnums: a trainable integer tensor is
    # its DifferentiationError (the argnum given below would differentiate it as floats,
    # and the step moved integer parameters that qml.grad refuses)
    trainable_indices(args)
    trainable = [i for i, a in enumerate(args) if requires_grad(a)]
    return _gradient_fn(objective_fn, trainable) if trainable else _NoGradient(objective_fn)


class _Hyperparameter:
    """An optimizer's hyperparameter (``stepsize``, ``momentum``, ...), checked whenever it
    is set (in ``__init__`` and after, as a schedule sets ``opt.stepsize``): a finite real
    number (or a NumPy array of them, as PennyLane's update rules broadcast), within
    ``[low, high]`` (``high`` excluded if ``open_high``). A NaN, infinite, complex, text or
    None value made every later step NaN, complex or a TypeError deep in the update;
    ``beta1 = 1`` divides by zero. The value is kept as given: a hyperparameter being
    differentiated (an autograd box, as in meta-learning ``qml.grad`` of a loss through
    ``opt.step`` by the stepsize) is checked by the number it carries."""

    def __init__(self, low=None, high=None, open_high=False, why=""):
        self.low, self.high, self.open_high, self.why = low, high, open_high, why

    def __set_name__(self, owner, name):
        self.name, self.slot = name, "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        try:
            return obj.__dict__[self.slot]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, obj, value):
        if type(value) is float:  # a schedule's plain number: checked without NumPy
            lo, hi = self.low, self.high
            if (value - value == 0 and (lo is None or value >= lo)
                    and (hi is None or (value < hi if self.open_high else value <= hi))):
                obj.__dict__[self.slot] = value
                return
        try:
            a = np.asarray(getval(value))  # an autograd box: the number it carries
        except Exception:  # noqa: BLE001 - refused below with the value named
            a = np.asarray(None)
        ok = a.dtype.kind in "iuf" and bool(np.all(np.isfinite(a)))
        if ok and self.low is not None:
            ok = bool(np.all(a >= self.low))
        if ok and self.high is not None:
            ok = bool(np.all(a < self.high if self.open_high else a <= self.high))
        if not ok:
            bounds = ""
            if self.low is not None and self.high is not None:
                bounds = f" in [{self.low}, {self.high}{')' if self.open_high else ']'}"
            elif self.low is not None:
                bounds = f" >= {self.low}"
            raise ArgumentError(
                f"{type(obj).__name__}: {self.name} must be a finite real number{bounds}"
                f"{self.why}, got {value!r}")
        obj.__dict__[self.slot] = value


__all__ = ["GradientDescentOptimizer", "MomentumOptimizer", "NesterovMomentumOptimizer",
           "AdagradOptimizer", "RMSPropOptimizer", "AdamOptimizer", "SPSAOptimizer"]


class GradientDescentOptimizer:
    """Gradient descent: ``x <- x - stepsize * g``.

    >>> opt = GradientDescentOptimizer(stepsize=0.1)
    >>> from qsym import numpy as np
    >>> x = np.array([0, 30, 6, -7, 800])          # integers: promoted, as NumPy does
    >>> opt.apply_grad((np.array([40, -4, 12, -17, 400]),), (x,))[0]
    tensor([ -4. ,  30.4,   4.8,  -5.3, 760. ], requires_grad=True)
    >>> opt.apply_grad((1.0,), (0.5,))              # a plain float is not trainable
    [0.5]
    """

    stepsize = _Hyperparameter()

    def __init__(self, stepsize: float = 0.01) -> None:
        self.stepsize = stepsize

    @staticmethod
    def compute_grad(objective_fn, args, kwargs, grad_fn=None):
        """``(gradient, objective value or None)``: the gradient over the trainable
        arguments, as a tuple when there is not exactly one (PennyLane's convention)."""
        g = _get_gradient(objective_fn, args) if grad_fn is None else grad_fn
        gradient = g(*args, **kwargs)
        forward = getattr(g, "forward", None)
        n_trainable = sum(requires_grad(a) for a in args)
        gradient = (gradient,) if n_trainable == 1 else gradient
        return gradient, forward

    def apply_grad(self, grad, args):
        """The new values of ``args`` (a list) after one step with gradient ``grad``
        (one entry per trainable argument, in order)."""
        new = list(args)
        k = 0
        for i, arg in enumerate(args):
            if requires_grad(arg):
                new[i] = self._update(i, arg, self._gradient_entry(grad, k, arg))
                k += 1
        return new

    @staticmethod
    def _gradient_entry(grad, k, arg):
        try:
            g = grad[k]
        except (IndexError, TypeError, KeyError):
            raise DifferentiationError(
                f"the gradient has no entry {k} for trainable argument {k}: give one "
                "gradient per requires_grad=True argument (a tuple for several)"
            ) from None
        g = np.asarray(g)
        if g.dtype.kind not in "biuf":
            raise DifferentiationError(
                f"gradient entry {k} is not real numbers (dtype {g.dtype}); gradients of "
                "real parameters are real"
            )
        shape = np.shape(arg)
        try:
            fits = g.shape == shape or np.broadcast_shapes(g.shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise DifferentiationError(
                f"gradient entry {k} has shape {g.shape}; its argument has shape {shape}"
            )
        return g

    def _update(self, index, arg, g):
        return arg - self.stepsize * g

    def step_and_cost(
        self,
        objective_fn: Callable[..., Any],
        *args: Any,
        grad_fn: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """One step; returns ``(new arguments, objective value before the step)``."""
        g, forward = self.compute_grad(objective_fn, args, kwargs, grad_fn=grad_fn)
        new = self.apply_grad(g, args)
        if forward is None:
            forward = objective_fn(*args, **kwargs)
        return (new[0] if len(new) == 1 else new), forward

    def step(
        self,
        objective_fn: Callable[..., Any],
        *args: Any,
        grad_fn: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """One step; returns the new arguments (one argument alone, several as a list)."""
        g, _ = self.compute_grad(objective_fn, args, kwargs, grad_fn=grad_fn)
        new = self.apply_grad(g, args)
        return new[0] if len(new) == 1 else new

    def reset(self):
        """Forget the accumulated state (a no-op for plain gradient descent)."""


class MomentumOptimizer(GradientDescentOptimizer):
    """Momentum: ``a <- momentum * a + stepsize * g``, ``x <- x - a``.

    ``accumulation`` holds ``a`` per argument (None before the first step).

    >>> from qsym import numpy as np
    >>> import qsym as qml
    >>> cost = lambda x: np.sum(x ** 2)  # gradient 2x
    >>> x = np.array([1.0, 2.0])
    >>> opt = qml.MomentumOptimizer(stepsize=0.1, momentum=0.9)
    >>> x = opt.step(cost, x)  # a = 0.1 * (2, 4): x = (0.8, 1.6)
    >>> print(opt.step(cost, x))  # a = 0.9 * (0.2, 0.4) + 0.1 * (1.6, 3.2) = (0.34, 0.68)
    [0.46 0.92]
    """

    momentum = _Hyperparameter()

    def __init__(self, stepsize: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(stepsize)
        self.momentum = momentum
        self.accumulation = None

    def apply_grad(self, grad, args):
        if self.accumulation is None:
            self.accumulation = [0.0] * len(args)
        return super().apply_grad(grad, args)

    def _update(self, index, arg, g):
        self.accumulation[index] = self.momentum * self.accumulation[index] + self.stepsize * g
        return arg - self.accumulation[index]

    def reset(self):
        """Erase the accumulated momentum."""
        self.accumulation = None


class NesterovMomentumOptimizer(MomentumOptimizer):
    """Nesterov momentum: the momentum step with the gradient taken at ``x - momentum * a``.

    >>> from qsym import numpy as np
    >>> import qsym as qml
    >>> cost = lambda x: np.sum(x ** 2)  # gradient 2x
    >>> x = np.array([1.0, 2.0])
    >>> opt = qml.NesterovMomentumOptimizer(stepsize=0.1, momentum=0.9)
    >>> x = opt.step(cost, x)  # no momentum yet: x = (0.8, 1.6)
    >>> print(opt.step(cost, x))  # gradient at x - 0.9 * (0.2, 0.4) = (0.62, 1.24)
    [0.496 0.992]
    """

    def compute_grad(self, objective_fn, args, kwargs, grad_fn=None):
        """As the momentum optimizer's, at the shifted point ``x - momentum * a``."""
        shifted = list(args)
        if self.accumulation:
            for i, arg in enumerate(args):
                if requires_grad(arg):
                    shifted[i] = arg - self.momentum * self.accumulation[i]
        return GradientDescentOptimizer.compute_grad(objective_fn, tuple(shifted), kwargs,
                                                     grad_fn)


class AdagradOptimizer(GradientDescentOptimizer):
    """Adagrad: ``G <- G + g**2``, ``x <- x - stepsize * g / sqrt(G + eps)``.

    ``accumulation`` holds ``G`` per argument (None before the first step).

    >>> from qsym import numpy as np
    >>> import qsym as qml
    >>> cost = lambda x: np.sum(x ** 2)  # gradient 2x
    >>> x = np.array([1.0, 2.0])
    >>> opt = qml.AdagradOptimizer(stepsize=0.1)
    >>> print(opt.step(cost, x))  # 0.1 * g / sqrt(g^2): a step of 0.1 on each coordinate
    [0.9 1.9]
    """

    eps = _Hyperparameter(low=0, why=" (added under a square root)")

    def __init__(self, stepsize: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(stepsize)
        self.eps = eps
        self.accumulation = None

    def apply_grad(self, grad, args):
        if self.accumulation is None:
            self.accumulation = [0.0] * len(args)
        return super().apply_grad(grad, args)

    def _accumulate(self, index, g):
        self.accumulation[index] = self.accumulation[index] + g**2

    def _update(self, index, arg, g):
        self._accumulate(index, g)
        return arg - (self.stepsize / np.sqrt(self.accumulation[index] + self.eps)) * g

    def reset(self):
        """Erase the accumulated squared gradients."""
        self.accumulation = None


class RMSPropOptimizer(AdagradOptimizer):
    """RMSProp: ``G <- decay * G + (1 - decay) * g**2``, then as Adagrad.

    >>> from qsym import numpy as np
    >>> import qsym as qml
    >>> cost = lambda x: np.sum(x ** 2)  # gradient 2x
    >>> x = np.array([1.0, 2.0])
    >>> opt = qml.RMSPropOptimizer(stepsize=0.1, decay=0.9)
    >>> print(np.round(opt.step(cost, x), 6))  # 0.1 * g / sqrt(0.1 g^2) = sqrt(0.1) each
    [0.683772 1.683772]
    """

    decay = _Hyperparameter(low=0, high=1)

    def __init__(self, stepsize: float = 0.01, decay: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(stepsize, eps)
        self.decay = decay

    def _accumulate(self, index, g):
        self.accumulation[index] = self.decay * self.accumulation[index] + (1 - self.decay) * g**2


class AdamOptimizer(GradientDescentOptimizer):
    """Adam, with PennyLane's step-size form of the bias correction.

    ``accumulation`` is ``{"fm": [...], "sm": [...], "t": steps}`` (None before the first
    step); ``fm``, ``sm`` and ``t`` read it (None before the first step).

    >>> from qsym import numpy as np
    >>> import qsym as qml
    >>> cost = lambda x: np.sum(x ** 2)  # gradient 2x
    >>> x = np.array([1.0, 2.0])
    >>> opt = qml.AdamOptimizer(stepsize=0.1)
    >>> print(opt.step(cost, x))  # the first step: 0.1 * m_hat / sqrt(v_hat) = 0.1 * sign(g)
    [0.9 1.9]
    """

    beta1 = _Hyperparameter(low=0, high=1, open_high=True,
                            why=" (the bias correction divides by 1 - beta1**t)")
    beta2 = _Hyperparameter(low=0, high=1)
    eps = _Hyperparameter(low=0, why=" (added to a square root)")

    def __init__(
        self, stepsize: float = 0.01, beta1: float = 0.9, beta2: float = 0.99, eps: float = 1e-8
    ) -> None:
        super().__init__(stepsize)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.accumulation = None

    def apply_grad(self, grad, args):
        if self.accumulation is None:
            self.accumulation = {"fm": [0] * len(args), "sm": [0] * len(args), "t": 0}
        self.accumulation["t"] += 1
        t = self.accumulation["t"]
        self._stepsize_t = self.stepsize * sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        return super().apply_grad(grad, args)

    def _update(self, index, arg, g):
        acc = self.accumulation
        acc["fm"][index] = self.beta1 * acc["fm"][index] + (1 - self.beta1) * g
        acc["sm"][index] = self.beta2 * acc["sm"][index] + (1 - self.beta2) * g**2
        return arg - self._stepsize_t * acc["fm"][index] / (np.sqrt(acc["sm"][index]) + self.eps)

    def reset(self):
        """Erase the moments and the step count."""
        self.accumulation = None

    @property
    def fm(self):
        """The first moments, one per argument (None before the first step)."""
        return None if self.accumulation is None else self.accumulation["fm"]

    @property
    def sm(self):
        """The second moments, one per argument (None before the first step)."""
        return None if self.accumulation is None else self.accumulation["sm"]

    @property
    def t(self):
        """The number of steps taken (None before the first step)."""
        return None if self.accumulation is None else self.accumulation["t"]


class SPSAOptimizer:
    """PennyLane's ``qml.SPSAOptimizer``: simultaneous perturbation stochastic
    approximation. Each step draws ``delta`` in ``{-1, +1}`` per entry of each trainable
    argument from NumPy's global generator (``np.random.choice``, as PennyLane does, so
    ``np.random.seed`` scripts take the same steps), evaluates the objective at
    ``x +- c_k delta`` and moves ``x <- x - a_k (y+ - y-) / (2 c_k delta)``, with
    ``c_k = c / k**gamma`` and ``a_k = a / (A + k)**alpha``. No derivative is computed;
    the objective may be any scalar function (sampled QNodes too).

    ``A`` defaults to ``0.1 * maxiter`` and ``a`` to ``0.05 * (A + 1)**alpha``; one of
    ``maxiter`` and ``A`` is needed (PennyLane's ``TypeError`` otherwise).

    >>> import numpy as onp
    >>> from qsym import numpy as np
    >>> onp.random.seed(0)
    >>> opt = SPSAOptimizer(maxiter=10)
    >>> x = np.array([1.0, -2.0])
    >>> x = opt.step(lambda v: np.sum(v ** 2), x)  # delta drawn: [-1, 1]
    >>> print(np.round(x, 6))
    [ 0.7 -1.7]
    """

    def __init__(self, maxiter=None, alpha=0.602, gamma=0.101, c=0.2, A=None, a=None):
        if not maxiter and not A:
            raise TypeError("One of the parameters maxiter or A must be provided.")
        self.A = A if A else maxiter * 0.1
        self.a = a if a else 0.05 * (self.A + 1) ** alpha
        self.c = c
        self.alpha = alpha
        self.gamma = gamma
        self.k = 1
        self.ak = self.a / (self.A + 1) ** self.alpha

    def compute_grad(self, objective_fn, args, kwargs):
        """The SPSA estimate of the gradient of each trainable argument (a tuple)."""
        ck = self.c / self.k**self.gamma
        delta = []
        plus, minus = list(args), list(args)
        for index, arg in enumerate(args):
            if requires_grad(arg):
                di = np.random.choice([-1, 1], size=np.shape(arg))
                plus[index] = arg + ck * di
                minus[index] = arg - ck * di
                delta.append(di)
        yplus = objective_fn(*plus, **kwargs)
        yminus = objective_fn(*minus, **kwargs)
        if np.size(yplus) > 1:
            raise ValueError("The objective function must be a scalar function for the "
                             "gradient to be computed.")
        return tuple((yplus - yminus) / (2 * ck * di) for di in delta)

    def apply_grad(self, grad, args):
        """The arguments after one step with the gradient estimate ``grad`` (a list)."""
        self.ak = self.a / (self.A + self.k) ** self.alpha
        new = list(args)
        trained = 0
        for index, arg in enumerate(args):
            if requires_grad(arg):
                new[index] = arg - self.ak * grad[trained]
                trained += 1
        return new

    def step(self, objective_fn, *args, **kwargs):
        """One SPSA step: the new argument (one) or list of arguments."""
        new = self.apply_grad(self.compute_grad(objective_fn, args, kwargs), args)
        self.k += 1
        return new[0] if len(new) == 1 else new

    def step_and_cost(self, objective_fn, *args, **kwargs):
        """One SPSA step and the objective at the arguments before it (one more call)."""
        new = self.apply_grad(self.compute_grad(objective_fn, args, kwargs), args)
        self.k += 1
        forward = objective_fn(*args, **kwargs)
        return (new[0] if len(new) == 1 else new), forward


# --- Rotosolve: coordinate-wise exact minimization of trigonometric univariate restrictions ---
def _trig_fit(values, shifts, freqs):
    """Coefficients ``(a0, a_k, b_k)`` of ``a0 + sum_k a_k cos(w_k s) + b_k sin(w_k s)``
    through the ``2R+1`` points ``(shifts, values)`` (a linear solve: exact for a function
    with these frequencies, PennyLane's ``qml.fourier.reconstruct``)."""
    s = np.asarray(shifts, dtype=float)[:, None]
    w = np.asarray(freqs, dtype=float)[None, :]
    A = np.hstack([np.ones_like(s), np.cos(w * s), np.sin(w * s)])
    return np.linalg.solve(A, np.asarray(values, dtype=float))


def _trig_eval(coef, freqs, s):
    R = len(freqs)
    s = np.asarray(s, dtype=float)[..., None]
    w = np.asarray(freqs, dtype=float)
    return coef[0] + (np.cos(w * s) @ coef[1 : R + 1]) + (np.sin(w * s) @ coef[R + 1 :])


def _golden(fun, lo, hi, tol=1e-12):
    """The minimum of a unimodal ``fun`` on ``[lo, hi]`` (golden-section search)."""
    g = (np.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = fun(c), fun(d)
    while b - a > tol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = fun(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = fun(d)
    x = (a + b) / 2
    return x, fun(x)


def brute_minimize(fun, num_steps=4, bounds=None, Ns=100):
    """PennyLane's ``"brute"`` substep: a grid of ``Ns`` points over ``bounds``, narrowed
    ``num_steps`` times around the best point (width divided by ``Ns``), each grid minimum
    polished by a golden-section search between its neighbours (scipy's ``brute`` polishes
    with ``fmin``; qsym does not depend on scipy). Returns ``(x_min, y_min)``.

    >>> x, y = brute_minimize(lambda x: (x - 0.3) ** 2, bounds=((-1.0, 1.0),))
    >>> round(float(x), 8), round(float(y), 12)
    (0.3, 0.0)
    """
    lo, hi = bounds[0]
    width, center = hi - lo, (hi + lo) / 2
    y_min = None
    for _ in range(num_steps):
        grid = np.clip(np.linspace(center - width / 2, center + width / 2, Ns), lo, hi)
        vals = np.array([float(fun(v)) for v in grid])
        i = int(np.argmin(vals))
        step = grid[1] - grid[0]
        center, y_min = _golden(lambda v: float(fun(v)), max(grid[i] - step, lo),
                                min(grid[i] + step, hi))  # within the bounds
        if vals[i] < y_min:
            center, y_min = grid[i], vals[i]
        width /= Ns
    return center, y_min


def _grid_global_minimum(fun, bounds=None, n=None, **_ignored):
    """``"shgo"`` without scipy: the global minimum of a one-dimensional function on
    ``bounds`` by :func:`brute_minimize` (a 200-point grid narrowed 4 times, polished);
    scipy's shgo options other than ``bounds`` do not apply."""
    return brute_minimize(fun, num_steps=4, bounds=bounds, Ns=200)


class RotosolveOptimizer:
    """PennyLane's ``qml.RotosolveOptimizer(substep_optimizer="brute", substep_kwargs=None)``:
    each step minimizes the objective exactly along one trainable entry at a time (the
    others fixed), using that the objective restricted to one parameter is a trigonometric
    polynomial. ``nums_frequency`` (``{arg_name: {index: R}}``, integer frequencies
    ``1..R``) or ``spectra`` (``{arg_name: {index: [frequencies]}}``) must say which, for
    every trainable entry (PennyLane's rule).

    One frequency: the closed-form minimum from 3 evaluations (``min_analytic``). More:
    the restriction is reconstructed from ``2R+1`` evaluations (a linear solve) and its
    minimum found by the substep optimizer: ``"brute"`` (:func:`brute_minimize`, the
    default, ``num_steps=4``, ``Ns=100``), ``"shgo"`` (scipy's global optimizer in
    PennyLane; qsym does not depend on scipy and finds the same global minimum on the
    bounds by a finer grid search) or a function ``(fun, **substep_kwargs) -> (x, y)``
    (``y`` may be None). ``step`` returns the new arguments (one alone, several as a list);
    ``full_output=True`` also the objective after each substep.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> opt = qml.RotosolveOptimizer()
    >>> x = np.array([0.2, -0.3], requires_grad=True)
    >>> cost = lambda x: -np.cos(x[0] + 0.12) + np.sin(x[1] - 2.01)
    >>> new = opt.step(cost, x, nums_frequency={"x": {(0,): 1, (1,): 1}})
    >>> np.allclose(new, [-0.12, -np.pi / 2 + 2.01])
    True
    """

    def __init__(self, substep_optimizer="brute", substep_kwargs=None):
        self.substep_kwargs = {} if substep_kwargs is None else dict(substep_kwargs)
        if substep_optimizer == "brute":
            self.substep_optimizer = brute_minimize
            self.substep_kwargs.setdefault("num_steps", 4)
            self.substep_kwargs.setdefault("Ns", 100)
        elif substep_optimizer == "shgo":
            # scipy's global optimizer in PennyLane; qsym (no scipy) finds the same global
            # minimum of the one-dimensional reconstruction on the bounds by its grid search
            self.substep_optimizer = _grid_global_minimum
        elif callable(substep_optimizer):
            self.substep_optimizer = substep_optimizer
        else:
            raise DifferentiationError(
                f"RotosolveOptimizer: substep_optimizer must be 'brute' or a function, got "
                f"{substep_optimizer!r}")

    @staticmethod
    def min_analytic(objective_fn, freq, f0):
        """The minimum of ``a + b cos(freq x + c)`` from its values at ``0`` (``f0``, or
        computed when None) and ``±pi / (2 freq)``: ``(x_min, y_min)``, PennyLane's formula.

        >>> x, y = RotosolveOptimizer.min_analytic(lambda x: np.cos(x - 1.0), 1.0, None)
        >>> round(float(x), 12), round(float(y), 12)
        (-2.14159265359, -1.0)
        """
        if f0 is None:
            f0 = objective_fn(0.0)
        shift = 0.5 * np.pi / freq
        fp, fm = objective_fn(shift), objective_fn(-shift)
        C = 0.5 * (fp + fm)
        B = np.arctan2(2 * f0 - fp - fm, fp - fm)
        x_min = -shift - B / freq
        A = np.sqrt((f0 - C) ** 2 + 0.25 * (fp - fm) ** 2)
        if x_min <= -2 * shift:
            x_min = x_min + 4 * shift
        return x_min, -A + C

    def step_and_cost(self, objective_fn, *args, nums_frequency=None, spectra=None,
                      shifts=None, full_output=False, **kwargs):
        """One Rotosolve step over every trainable entry; also the objective before it (and,
        with ``full_output``, after each substep)."""
        names = _argument_names(objective_fn, len(args))
        nums_frequency, spectra = nums_frequency or {}, spectra or {}
        trainable = [requires_grad(a) for a in args]
        if not any(trainable):
            raise DifferentiationError(
                "Found no parameters to optimize. The parameters to optimize have to be "
                "marked as trainable.")
        args = list(args)
        for a, name, t in zip(args, names, trainable):
            if t:
                for idx in (np.ndindex(np.shape(a)) if np.ndim(a) else [()]):
                    if idx not in nums_frequency.get(name, {}) and idx not in spectra.get(name, {}):
                        raise DifferentiationError(
                            "Neither the number of frequencies nor the frequency spectrum was "
                            f"provided for the entry {idx} of argument {name}.")
        f0 = objective_fn(*args, **kwargs)
        first, ys = True, []
        for k, (name, t) in enumerate(zip(names, trainable)):
            if not t:
                continue
            for idx in (np.ndindex(np.shape(args[k])) if np.ndim(args[k]) else [()]):
                args[k], y = self._substep(objective_fn, args, kwargs, k, idx,
                                           nums_frequency.get(name, {}).get(idx),
                                           spectra.get(name, {}).get(idx), shifts,
                                           f0 if first else None)
                first = False
                ys.append(y)
        out = args[0] if len(args) == 1 else args
        return (out, f0, ys) if full_output else (out, f0)

    def _substep(self, objective_fn, args, kwargs, k, idx, num_freq, spectrum, shifts, f0):
        """Minimize along entry ``idx`` of argument ``k``: ``(new argument, y_min)``."""
        arg = args[k]

        def along(x):  # the objective with entry idx moved by x
            moved = _moved(arg, idx, x)
            return objective_fn(*args[:k], moved, *args[k + 1:], **kwargs)

        freqs = (np.arange(1, num_freq + 1, dtype=float) if spectrum is None
                 else np.array(sorted({float(w) for w in np.ravel(spectrum) if w > 0})))
        if len(freqs) == 1:
            x, y = self.min_analytic(along, freqs[0], f0)
            return _moved(arg, idx, x), y
        R = len(freqs)
        s = (np.asarray(shifts, dtype=float) if shifts is not None
             else 2 * np.pi * np.arange(-R, R + 1) / (2 * R + 1) / freqs.min())
        vals = [f0 if (f0 is not None and v == 0) else along(v) for v in s]
        coef = _trig_fit([float(v) for v in vals], s, freqs)
        x0 = float(np.asarray(arg)[idx])
        recon = lambda x: float(_trig_eval(coef, freqs, np.asarray(x, dtype=float).reshape(()) - x0))  # noqa: E731
        opts = dict(self.substep_kwargs)
        if "bounds" not in opts:
            half = np.pi / freqs.min()
            opts["bounds"] = ((-half, half),)
        x, y = self.substep_optimizer(recon, **opts)
        x = float(np.asarray(x).reshape(-1)[0])
        if y is None:
            y = recon(x)
        return _moved(arg, idx, x - x0), y

    def step(self, objective_fn, *args, nums_frequency=None, spectra=None, shifts=None,
             full_output=False, **kwargs):
        """One Rotosolve step: the new arguments (and, with ``full_output``, the objective
        after each substep)."""
        new, _, *ys = self.step_and_cost(objective_fn, *args, nums_frequency=nums_frequency,
                                         spectra=spectra, shifts=shifts,
                                         full_output=full_output, **kwargs)
        return (new, ys[0]) if full_output else new


def _argument_names(objective_fn, n: int) -> list:
    """The names of the objective's first ``n`` positional parameters (a QNode's function's)."""
    import inspect

    fn = getattr(objective_fn, "func", objective_fn)
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return (names + [f"arg{i}" for i in range(len(names), n)])[:n]


def _moved(arg, idx, x):
    """``arg`` with entry ``idx`` increased by ``x`` (a new array; ``arg + x`` for a 0-d)."""
    if not np.ndim(arg):
        return arg + x
    shift = np.zeros(np.shape(arg))
    shift[idx] = x
    return arg + shift


class RotoselectOptimizer:
    """PennyLane's ``qml.RotoselectOptimizer(possible_generators=None)``: per parameter, in
    turn, each candidate rotation (default ``qml.RX``, ``qml.RY``, ``qml.RZ``) with its
    closed-form best angle (Rotosolve for one frequency), the best kept.
    ``objective_fn(x, generators, **kwargs)`` applies ``generators[i](x[i], ...)``;
    ``step`` returns ``(x, generators)``, ``step_and_cost`` also the objective at the old
    ones. Each new choice of generators is a new circuit: qsym traces and compiles it once.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def circuit(x, generators):
    ...     generators[0](x[0], wires=0)
    ...     return qml.expval(qml.PauliX(0))
    >>> x, gens = qml.RotoselectOptimizer().step(circuit, np.array([0.3]), [qml.RX])
    >>> gens[0].__name__, round(float(circuit(x, gens)), 9)
    ('RY', -1.0)
    """

    def __init__(self, possible_generators=None):
        if possible_generators is None:
            from ._operations import GATE_CLASSES

            possible_generators = [GATE_CLASSES["RX"], GATE_CLASSES["RY"], GATE_CLASSES["RZ"]]
        self.possible_generators = possible_generators

    def step_and_cost(self, objective_fn, x, generators, **kwargs):
        """One step and the objective at the arguments before it."""
        x_new, generators_new = self.step(objective_fn, x, list(generators), **kwargs)
        return x_new, generators_new, objective_fn(x, generators, **kwargs)

    def step(self, objective_fn, x, generators, **kwargs):
        """One Rotoselect step: ``(new x, new generators)``."""
        flat = np.fromiter(flatten_nested(x), dtype=float)
        if len(flat) != len(generators):
            raise DifferentiationError(
                f"Number of parameters {x} must be equal to the number of generators.")
        generators = list(generators)

        def cost(v, gens):
            return objective_fn(unflatten_like(v, x), generators=gens, **kwargs)

        for d in range(len(flat)):
            best_x, best_gen, best = flat[d], generators[d], cost(flat, generators)
            for gen in self.possible_generators:
                generators[d] = gen
                flat = self._rotosolve(cost, flat, generators, d)
                value = cost(flat, generators)
                if value <= best:
                    best_x, best_gen, best = flat[d], gen, value
            flat[d], generators[d] = best_x, best_gen
        return unflatten_like(flat, x), generators

    @staticmethod
    def _rotosolve(cost, x, generators, d):
        """``x`` with entry ``d`` at its best angle for these generators (PennyLane's)."""
        values = []
        for theta in (0.0, np.pi / 2, -np.pi / 2):
            x[d] = theta
            values.append(float(cost(x, generators)))
        h0, hp, hm = values
        x[d] = -np.pi / 2 - np.arctan2(2 * h0 - hp - hm, hp - hm)
        if x[d] <= -np.pi:
            x[d] += 2 * np.pi
        return x


def flatten_nested(x):
    """The numbers of an arbitrarily nested structure (arrays, lists, tuples) in
    depth-first order (PennyLane's ``qml.optimize.qng._flatten_np``).

    >>> list(flatten_nested([np.array([[1, 2]]), (3, [4])]))
    [np.int64(1), np.int64(2), 3, 4]
    """
    from collections.abc import Iterable

    if isinstance(x, np.ndarray):
        yield from x.flat
    elif isinstance(x, Iterable) and not isinstance(x, (str, bytes)):
        for item in x:
            yield from flatten_nested(item)
    else:
        yield x


def unflatten_like(flat, model):
    """``flat`` shaped as the nested ``model`` (PennyLane's ``_unflatten_np``): arrays
    take their size of entries, numbers one; more entries than the model is an error.

    >>> unflatten_like([1.0, 2.0, 3.0], [np.zeros(2), 0.0])
    [array([1., 2.]), np.float64(3.0)]
    """
    import numbers
    from collections.abc import Iterable

    def take(flat, model):
        if isinstance(model, (numbers.Number, str)):
            return flat[0], flat[1:]
        if isinstance(model, np.ndarray):
            return np.asarray(flat)[: model.size].reshape(model.shape), flat[model.size:]
        if not isinstance(model, Iterable):
            raise ArgumentError(f"Unsupported type in the model: {type(model)}; the model "
                                "is a number, an array or a nested list or tuple of them")
        out = []
        for m in model:
            v, flat = take(flat, m)
            out.append(v)
        return out, flat

    res, tail = take(np.asarray(flat), model)
    if len(tail):
        raise DifferentiationError("Flattened iterable has more elements than the model.")
    return res


# PennyLane's ``from pennylane.optimize.qng import _flatten_np, _unflatten_np`` (its tests
# and some user code import these helpers)
qng = SimpleNamespace(_flatten_np=flatten_nested, _unflatten_np=unflatten_like)

__all__ += ["RotosolveOptimizer", "RotoselectOptimizer"]
