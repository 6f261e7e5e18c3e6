"""PennyLane's ``qml.ShotAdaptiveOptimizer`` (``qml.optimize.ShotAdaptiveOptimizer``):
Rosalin, gradient descent whose shot budget adapts per parameter (Arrasmith et al. 2020,
arXiv:2004.06252; Kübler et al. 2020, iCANS), with PennyLane 0.45's update rule.

A step estimates each trainable parameter's gradient from ``s`` single-shot
parameter-shift gradients (the QNode's circuit with the shot vector ``[(1, max s)]``, each
parameter keeping the first ``s`` of them), takes a gradient-descent step, and sets the
next step's ``s`` per parameter from running averages of the gradient (``chi``) and of its
variance (``xi``) so that the expected gain per shot is largest:

``s = ceil(2 L eta xi / ((2 - L eta) (chi**2 + b mu**k)))``, clipped to
``[max(2, min_shots), s at the largest gain]``, with ``L = sum |c_i|`` the Lipschitz
bound of the Hamiltonian ``sum c_i P_i`` (the step size must be below ``2 / L``).

With ``term_sampling="weighted_random_sampling"`` each single-shot estimate measures one
term of the Hamiltonian, drawn with probability ``|c_i| / sum |c_j|`` (the numbers of
shots per term from NumPy's global generator, through SciPy's ``multinomial`` where SciPy is
installed, as PennyLane draws them: a seeded script draws the same terms) and weighted by
``c_i / p_i``.

The QNode must return ``qml.expval`` of one observable or Hamiltonian and have finite shots
(``qml.set_shots``); its shot count is replaced by the optimizer's budget.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1, seed=7)
>>> @qml.set_shots(100)
... @qml.qnode(dev)
... def cost(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> opt = qml.ShotAdaptiveOptimizer(min_shots=10, stepsize=0.5)
>>> x = np.array(0.5, requires_grad=True)
>>> for _ in range(30):
...     x = opt.step(cost, x)
>>> bool(abs(x - np.pi) < 0.3), opt.total_shots_used > 0
(True, True)
"""

from __future__ import annotations

from copy import copy

import numpy as np

from . import math as qmath
from ._opmath import Hamiltonian
from ._runtime import QNode, jacobian, set_shots
from ._tapes import apply, make_qscript
from .measurements import expval
from .optimize import GradientDescentOptimizer
from .workflow import construct_tape

__all__ = ["ShotAdaptiveOptimizer"]


def _shots_per_term(shots: int, probabilities) -> np.ndarray:
    """How many of ``shots`` single shots measure each term: one multinomial draw from
    NumPy's global generator (SciPy's ``multinomial``, PennyLane's sampler, where SciPy
    is installed: the same numbers for a seeded script)."""
    try:
        from scipy.stats import multinomial
    except ImportError:  # (the same stream: scipy draws with np.random.multinomial)
        return np.random.multinomial(shots, probabilities, size=1)[0]
    return multinomial(n=shots, p=probabilities).rvs()[0]


class ShotAdaptiveOptimizer(GradientDescentOptimizer):
    """Rosalin: gradient descent with an adaptive number of shots per parameter (see the
    module's description for the rule).

    Args:
        min_shots (int): the fewest shots per parameter and step (at least 2 are used).
        term_sampling (str or None): ``"weighted_random_sampling"`` to spread each
            estimate's shots over the Hamiltonian's terms at random, ``None`` to measure
            the whole observable.
        mu (float): running-average constant of the gradient and its variance.
        b (float): regularization bias of the shot rule.
        stepsize (float): the learning rate (below ``2 / sum |c_i|``).

    >>> import qsym as qml
    >>> opt = qml.ShotAdaptiveOptimizer(min_shots=10)
    >>> opt.stepsize, opt.min_shots, opt.total_shots_used
    (0.07, 10, 0)
    """

    def __init__(self, min_shots, term_sampling=None, mu=0.99, b=1e-6, stepsize=0.07):
        super().__init__(stepsize=stepsize)
        self.term_sampling = term_sampling
        self.trainable_args = set()
        self.min_shots = min_shots
        self.mu = mu
        self.b = b
        self.lipschitz = None
        self.shots_used = 0  # shots of the last step
        self.total_shots_used = 0
        self.k = 0  # steps taken
        self.s = None  # shots per parameter (one integer array per trainable argument)
        self.max_shots = None
        self.chi = None  # running average of the gradients
        self.xi = None  # running average of their variances

    @staticmethod
    def qnode_weighted_random_sampling(qnode, coeffs, observables, shots, argnums, *args,
                                       **kwargs):
        """``shots`` single-shot estimates of the gradient of ``expval(sum c_i O_i)``,
        one array per argument in ``argnums`` (shape ``(shots, *argument shape)``): each
        shot measures one term, drawn with probability ``|c_i| / sum |c_j|``, and is
        weighted by ``c_i / p_i``."""
        qnode = copy(qnode)
        base_func = qnode.func
        coeffs = np.asarray([float(c) for c in coeffs])
        probabilities = np.abs(coeffs) / np.sum(np.abs(coeffs))
        argnums = sorted(argnums)
        grads = []
        for obs, c, p, s in zip(observables, coeffs, probabilities,
                                _shots_per_term(shots, probabilities)):
            if s == 0:
                continue

            def term(*qnode_args, _obs=obs, **qnode_kwargs):
                for op in make_qscript(base_func)(*qnode_args, **qnode_kwargs).operations:
                    apply(op)
                return expval(_obs)

            qnode.func = term
            node = set_shots(qnode, shots=1 if s == 1 else [(1, int(s))])
            cost = node if s == 1 else (lambda *a, _n=node, **k: qmath.stack(_n(*a, **k)))
            jacs = jacobian(cost, argnum=argnums)(*args, **kwargs)
            jacs = jacs if isinstance(jacs, tuple) else (jacs,)
            if s == 1:
                jacs = [np.expand_dims(j, 0) for j in jacs]
            grads.append([c * np.asarray(j) / p for j in jacs])
        return [np.concatenate(per_arg) for per_arg in zip(*grads)]

    def check_learning_rate(self, coeffs):
        """Set the Lipschitz bound ``sum |c_i|``; raise ``ValueError`` if the step size is
        not below ``2 / sum |c_i|``."""
        self.lipschitz = np.sum(np.abs(np.asarray([float(c) for c in coeffs])))
        if self.stepsize > 2 / self.lipschitz:
            raise ValueError(f"The learning rate must be less than {2 / self.lipschitz}")

    def _single_shot_qnode_gradients(self, qnode, args, kwargs):
        """The single-shot gradients of the QNode at ``args``: one array per trainable
        argument, of shape ``(max_shots, *argument shape)``."""
        tape = construct_tape(qnode)(*args, **kwargs)
        if not tape.shots:
            raise ValueError(
                "The Rosalin optimizer can only be used with qnodes that estimate "
                "expectation values with a finite number of shots (set them with "
                "qml.set_shots)."
            )
        if len(tape.measurements) != 1 or getattr(tape.measurements[0], "kind", None) != "expval":
            raise ValueError(
                "The Rosalin optimizer needs a QNode that returns one expectation value "
                f"(qml.expval), got {tape.measurements}")
        obs = tape.measurements[0].measured_obs
        coeffs, observables = obs.terms() if isinstance(obs, Hamiltonian) else ([1.0], [obs])
        if self.lipschitz is None:
            self.check_learning_rate(coeffs)
        if self.term_sampling == "weighted_random_sampling":
            return self.qnode_weighted_random_sampling(
                qnode, coeffs, observables, self.max_shots, self.trainable_args, *args,
                **kwargs)
        if self.term_sampling is not None:
            raise ValueError(
                f"Unknown Hamiltonian term sampling method {self.term_sampling}. Only "
                "term_sampling='weighted_random_sampling' and term_sampling=None currently "
                "supported.")
        node = set_shots(qnode, shots=[(1, int(self.max_shots))])

        def cost(*a, **k):
            return qmath.stack(node(*a, **k))

        return [jacobian(cost, argnum=i)(*args, **kwargs) for i in sorted(self.trainable_args)]

    def compute_grad(self, objective_fn, args, kwargs):  # pylint: disable=arguments-renamed
        """``(gradients, variances)``: per trainable argument, the mean and the sample
        variance (``ddof=1``) of each parameter's first ``s`` single-shot gradients."""
        if not (isinstance(objective_fn, QNode) or hasattr(objective_fn, "device")):
            raise ValueError(
                "The objective function must be encoded as a single QNode object for the "
                "shot adaptive optimizer. ")
        grads = self._single_shot_qnode_gradients(objective_fn, args, kwargs)
        gradients, variances = [], []
        for i, grad in enumerate(grads):
            grad = np.asarray(grad)
            g = np.zeros_like(grad[0])
            v = np.zeros_like(grad[0])
            for idx in np.ndindex(*grad.shape[1:]):
                sample = grad[(slice(0, int(np.asarray(self.s[i])[idx])),) + idx]
                g[idx] = np.mean(sample)
                v[idx] = np.var(sample, ddof=1)
            gradients.append(g)
            variances.append(v)
        return gradients, variances

    def step(self, objective_fn, *args, **kwargs):
        """One step: the new values of the arguments (one argument alone, several as a
        list); the trainable ones (``requires_grad=True``) moved."""
        self.trainable_args = {i for i, a in enumerate(args) if getattr(a, "requires_grad",
                                                                        False)}
        if self.s is None:
            self.s = [np.zeros_like(a, dtype=np.int64) + self.min_shots
                      for i, a in enumerate(args) if i in self.trainable_args]
        budget = np.concatenate([np.ravel(s) for s in self.s])
        self.max_shots = max(budget)
        self.shots_used = int(2 * np.sum(budget))
        self.total_shots_used += self.shots_used

        grads, variances = self.compute_grad(objective_fn, args, kwargs)
        new_args = self.apply_grad(grads, args)
        if self.xi is None:
            self.chi = [np.zeros_like(g, dtype=np.float64) for g in grads]
            self.xi = [np.zeros_like(g, dtype=np.float64) for g in grads]
        self.chi = [self.mu * c + (1 - self.mu) * g for c, g in zip(self.chi, grads)]
        self.xi = [self.mu * x + (1 - self.mu) * v for x, v in zip(self.xi, variances)]

        lip, eta = self.lipschitz, self.stepsize
        for idx, (c, x) in enumerate(zip(self.chi, self.xi)):
            xi = x / (1 - self.mu ** (self.k + 1))
            chi = c / (1 - self.mu ** (self.k + 1))
            s = np.ceil((2 * lip * eta * xi)
                        / ((2 - lip * eta) * (chi**2 + self.b * (self.mu**self.k))))
            with np.errstate(divide="ignore", invalid="ignore"):  # s = 0: no variance seen
                gamma = ((eta - lip * eta**2 / 2) * chi**2 - xi * lip * eta**2 / (2 * s)) / s
            smax = max(s[np.unravel_index(np.argmax(gamma), gamma.shape)], 2)
            self.s[idx] = np.int64(np.clip(s, max(2, self.min_shots), smax))
        self.k += 1
        return new_args[0] if len(new_args) == 1 else new_args

    def step_and_cost(self, objective_fn, *args, **kwargs):
        """One step, and the objective before it, evaluated separately with the step's
        largest shot budget (extra circuit runs, as in PennyLane)."""
        new_args = self.step(objective_fn, *args, **kwargs)
        forward = set_shots(objective_fn, shots=int(self.max_shots))(*args, **kwargs)
        return new_args, forward
