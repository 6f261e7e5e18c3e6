"""PennyLane's optimizers, with the same defaults and update rules.

Each optimizer has ``step(objective_fn, *args, grad_fn=None, **kwargs)`` (the new
arguments: one argument alone, several as a list) and ``step_and_cost`` (also the
objective's value *before* the step). The gradient is ``qml.grad(objective_fn)`` (the
objective must be a QNode) unless ``grad_fn`` is given. Keyword arguments are passed
through and never updated.

Which arguments are updated: those qsym differentiates by default, i.e. floats and float
arrays (and lists of floats), except ``qsym.numpy`` tensors with ``requires_grad=False``.
(PennyLane updates only its own ``requires_grad=True`` tensors; with ``qsym.numpy`` arrays,
the usual spelling, both agree.)

The same optimizer objects configure :func:`qsym.minimize`, which runs all the steps of
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
... def circuit(params):
...     qml.RX(params[0], wires=0)
...     qml.RY(params[1], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> opt = qml.GradientDescentOptimizer(stepsize=0.4)
>>> params = np.array([0.011, 0.012])
>>> for _ in range(100):
...     params = opt.step(circuit, params)
>>> print(np.round(params, 6), round(float(circuit(params)), 9))
[0.       3.141593] -1.0
"""

from __future__ import annotations

from collections.abc import Callable
from math import sqrt
from typing import Any

import numpy as np

from .numpy import tensor
from .runtime import _numeric, grad


def _trainable(arg) -> bool:
    if isinstance(arg, tensor) and not arg.requires_grad:
        return False
    try:
        return _numeric(arg, "an argument") is not None
    except Exception:  # complex or non-numeric: never updated
        return False


def _as_array(arg):
    return arg if isinstance(arg, np.ndarray) else np.asarray(arg, dtype=float)


class GradientDescentOptimizer:
    """Gradient descent: ``x <- x - stepsize * g``."""

    def __init__(self, stepsize: float = 0.01) -> None:
        self.stepsize = stepsize

    def compute_grad(self, objective_fn, args, kwargs, grad_fn=None):
        """``(gradients of the trainable arguments as a tuple, objective value or None)``."""
        g = grad(objective_fn) if grad_fn is None else grad_fn
        gradient = g(*args, **kwargs)
        forward = getattr(g, "forward", None)
        n_trainable = sum(_trainable(a) for a in args)
        gradient = (gradient,) if n_trainable == 1 else tuple(gradient)
        return gradient, forward

    def apply_grad(self, grad, args):
        """The new values of ``args`` after one step with gradient ``grad``."""
        new = list(args)
        k = 0
        for i, arg in enumerate(args):
            if _trainable(arg):
                new[i] = self._update(i, _as_array(arg), np.asarray(grad[k]))
                k += 1
        return new

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
    """Momentum: ``a <- momentum * a + stepsize * g``, ``x <- x - a``."""

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
        self.accumulation = None


class NesterovMomentumOptimizer(MomentumOptimizer):
    """Nesterov momentum: the momentum step with the gradient taken at ``x - momentum * a``."""

    def compute_grad(self, objective_fn, args, kwargs, grad_fn=None):
        shifted = list(args)
        if self.accumulation:
            for i, arg in enumerate(args):
                if _trainable(arg):
                    shifted[i] = _as_array(arg) - self.momentum * self.accumulation[i]
        return super().compute_grad(objective_fn, tuple(shifted), kwargs, grad_fn)


class AdagradOptimizer(GradientDescentOptimizer):
    """Adagrad: ``G <- G + g**2``, ``x <- x - stepsize * g / sqrt(G + eps)``."""

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
        self.accumulation = None


class RMSPropOptimizer(AdagradOptimizer):
    """RMSProp: ``G <- decay * G + (1 - decay) * g**2``, then as Adagrad."""

    def __init__(self, stepsize: float = 0.01, decay: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(stepsize, eps)
        self.decay = decay

    def _accumulate(self, index, g):
        self.accumulation[index] = self.decay * self.accumulation[index] + (1 - self.decay) * g**2


class AdamOptimizer(GradientDescentOptimizer):
    """Adam, with PennyLane's step-size form of the bias correction."""

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
        self.accumulation = None
