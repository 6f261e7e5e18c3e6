"""PennyLane's ``qml.QNSPSAOptimizer``: the quantum natural SPSA optimizer (Gacon et al.,
2021) with PennyLane 0.45's update rule, random streams and blocking.

Each step draws, from its own ``numpy.random.default_rng(seed)``, one ``±1`` direction per
trainable argument for the SPSA gradient (two cost evaluations) and two for the metric
tensor (four overlaps ``|<psi(a)|psi(b)>|^2``, read as the probability of ``|0...0>`` after
the circuit at ``a`` and the inverse circuit at ``b``); the metric estimate is averaged
over the steps, made positive (``sqrt(g @ g)``) and regularized, and the parameters move
to ``pinv(g) @ (g @ params - stepsize * grad)``. The same seed gives PennyLane's iterates.
The circuits are the QNode's tapes (``qml.workflow.construct_tape``) run with
``qml.execute`` on its device, compiled once per structure.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> @qml.qnode(qml.device("default.qubit", wires=2))
... def cost(params):
...     qml.RY(params[0], wires=0)
...     qml.CRX(params[1], wires=[0, 1])
...     return qml.expval(qml.Z(0) @ qml.Z(1))
>>> opt = qml.QNSPSAOptimizer(stepsize=5e-2, seed=7)
>>> params = np.array([0.5, 0.5], requires_grad=True)
>>> params, loss = opt.step_and_cost(cost, params)
>>> round(float(loss), 6)
0.885076
"""

from __future__ import annotations

import numbers
import warnings

import numpy as onp

from . import numpy as qnp
from ._opmath import adjoint
from ._operations import probs
from ._tapes import EXACT, QuantumScript, execute
from .errors import ArgumentError
from .workflow import construct_tape

__all__ = ["QNSPSAOptimizer"]


def _abs_symmetric(m):
    """``sqrt(m @ m)`` of a real symmetric matrix: ``V |lambda| V^T`` (SciPy's ``sqrtm``
    of ``m @ m``, which PennyLane takes, without SciPy)."""
    m = onp.asarray(m, dtype=float)
    values, vectors = onp.linalg.eigh((m + m.T) / 2)
    return (vectors * onp.abs(values)) @ vectors.T


def _check_options(stepsize, regularization, finite_diff_step, resamplings, history_length):
    """Refuse what made PennyLane's optimizer fail deep inside a step (IndexError,
    ZeroDivisionError, an SVD that does not converge) or move to nan."""
    def count(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1

    def real(v):
        return isinstance(v, numbers.Real) and not isinstance(v, bool) and onp.isfinite(v)

    for name, v in (("resamplings", resamplings), ("history_length", history_length)):
        if not count(v):
            raise ArgumentError(f"QNSPSAOptimizer: {name} must be a positive int, got {v!r}")
    if not (real(finite_diff_step) and finite_diff_step > 0):
        raise ArgumentError("QNSPSAOptimizer: finite_diff_step must be a finite number > 0, "
                            f"got {finite_diff_step!r}")
    if not (real(regularization) and regularization >= 0):
        raise ArgumentError("QNSPSAOptimizer: regularization must be a finite number >= 0 "
                            f"(it is added to the metric tensor), got {regularization!r}")
    if not real(stepsize):
        raise ArgumentError(f"QNSPSAOptimizer: stepsize must be a finite number, got "
                            f"{stepsize!r}")


class QNSPSAOptimizer:
    """PennyLane's quantum natural SPSA optimizer (``qml.QNSPSAOptimizer``,
    ``qml.optimize.QNSPSAOptimizer``): ``stepsize``, ``regularization`` of the metric
    tensor, ``finite_diff_step``, ``resamplings`` (estimates averaged per step),
    ``blocking`` (refuse a step that raises the cost by more than twice the spread of the
    last ``history_length`` costs), ``seed`` of its random directions.

    >>> opt = QNSPSAOptimizer(stepsize=0.1, seed=1)
    >>> opt.stepsize, opt.reg, opt.k
    (0.1, 0.001, 1)
    """

    def __init__(self, stepsize=1e-3, regularization=1e-3, finite_diff_step=1e-2,
                 resamplings=1, blocking=True, history_length=5, seed=None):
        _check_options(stepsize, regularization, finite_diff_step, resamplings,
                       history_length)
        self.stepsize = stepsize
        self.reg = regularization
        self.finite_diff_step = finite_diff_step
        self.metric_tensor = None
        self.k = 1
        self.resamplings = resamplings
        self.blocking = blocking
        self.last_n_steps = qnp.zeros(history_length)
        self.rng = onp.random.default_rng(seed)

    def step(self, cost, *args, **kwargs):
        """The next parameters (with ``blocking``, PennyLane's warning and
        :meth:`step_and_cost`'s parameters, as the blocking needs the cost)."""
        if self.blocking:
            warnings.warn("step_and_cost() instead of step() is called when blocking is turned "
                          "on, as the step-wise loss value is required by the algorithm.",
                          stacklevel=2)
            return self.step_and_cost(cost, *args, **kwargs)[0]
        return self._step_core(cost, args, kwargs)

    def step_and_cost(self, cost, *args, **kwargs):
        """The next parameters and the cost at the current ones."""
        params_next = self._step_core(cost, args, kwargs)
        if not self.blocking:
            return params_next, cost(*args, **kwargs)
        return self._apply_blocking(cost, args, kwargs, params_next)

    def _step_core(self, cost, args, kwargs):
        grad_tapes, metric_tapes, grad_dirs, tensor_dirs = [], [], [], []
        for _ in range(self.resamplings):
            tapes, dirs = self._get_spsa_grad_tapes(cost, args, kwargs)
            m_tapes, t_dirs = self._get_tensor_tapes(cost, args, kwargs)
            grad_tapes += tapes
            metric_tapes += m_tapes
            grad_dirs.append(dirs)
            tensor_dirs.append(t_dirs)
        raw = execute(grad_tapes + metric_tapes, cost.device, EXACT)
        r = self.resamplings
        grads = qnp.array([self._post_process_grad(raw[2 * i:2 * i + 2], grad_dirs[i])
                           for i in range(r)])
        tensors = qnp.array([self._post_process_tensor(raw[2 * r + 4 * i:2 * r + 4 * i + 4],
                                                       tensor_dirs[i]) for i in range(r)])
        self._update_tensor(qnp.mean(tensors, axis=0))
        params_next = self._get_next_params(args, qnp.mean(grads, axis=0))
        return params_next[0] if len(params_next) == 1 else params_next

    def _post_process_grad(self, grad_raw_results, grad_dirs):
        loss_plus, loss_minus = grad_raw_results
        return [(loss_plus - loss_minus) / (2 * self.finite_diff_step) * d for d in grad_dirs]

    def _post_process_tensor(self, tensor_raw_results, tensor_dirs):
        p = [qnp.asarray(res).squeeze() for res in tensor_raw_results]
        finite_diff = p[0][0] - p[1][0] - p[2][0] + p[3][0]
        d1, d2 = tensor_dirs
        return (-(qnp.tensordot(d1, d2, axes=0) + qnp.tensordot(d2, d1, axes=0))
                * finite_diff / (8 * self.finite_diff_step ** 2))

    def _get_next_params(self, args, gradient):
        trainable = [i for i, a in enumerate(args) if getattr(a, "requires_grad", False)]
        params = [args[i].reshape(-1) if args[i].shape == () else args[i] for i in trainable]
        params_vec = qnp.concatenate([p.reshape(-1) for p in params])
        grad_vec = qnp.concatenate([g.reshape(-1) for g in gradient])
        new_vec = qnp.matmul(qnp.linalg.pinv(self.metric_tensor),
                             -self.stepsize * grad_vec + qnp.matmul(self.metric_tensor, params_vec))
        bounds = onp.cumsum([p.size for p in params])
        pieces = qnp.split(new_vec, bounds)
        new = {i: pieces[n].reshape(p.shape) for n, (i, p) in enumerate(zip(trainable, params))}
        return [new.get(i, a) for i, a in enumerate(args)]

    def _get_spsa_grad_tapes(self, cost, args, kwargs):
        dirs, plus, minus = [], list(args), list(args)
        for i, arg in enumerate(args):
            if not getattr(arg, "requires_grad", False):
                continue
            d = self.rng.choice([-1, 1], size=arg.shape)
            dirs.append(d)
            plus[i] = arg + self.finite_diff_step * d
            minus[i] = arg - self.finite_diff_step * d
        return [construct_tape(cost)(*plus, **kwargs), construct_tape(cost)(*minus, **kwargs)], dirs

    def _update_tensor(self, tensor_raw):
        if self.metric_tensor is None:
            self.metric_tensor = qnp.identity(tensor_raw.shape[0])
        avg = self.k / (self.k + 1) * self.metric_tensor + 1 / (self.k + 1) * tensor_raw
        n = avg.shape[0]
        self.metric_tensor = (_abs_symmetric(avg) + self.reg * qnp.identity(n)) / (1 + self.reg)
        self.k += 1

    def _get_tensor_tapes(self, cost, args, kwargs):
        dir1s, dir2s, shifted = [], [], [list(args) for _ in range(4)]
        h = self.finite_diff_step
        for i, arg in enumerate(args):
            if not getattr(arg, "requires_grad", False):
                continue
            d1 = self.rng.choice([-1, 1], size=arg.shape)
            d2 = self.rng.choice([-1, 1], size=arg.shape)
            dir1s.append(d1.reshape(-1))
            dir2s.append(d2.reshape(-1))
            for n, shift in enumerate((d1 + d2, d1, -d1 + d2, -d1)):
                shifted[n][i] = arg + h * shift
        tapes = [self._get_overlap_tape(cost, args, a, kwargs) for a in shifted]
        return tapes, (qnp.concatenate(dir1s), qnp.concatenate(dir2s))

    def _get_overlap_tape(self, cost, args1, args2, kwargs):
        """The circuit at ``args1`` then the inverse circuit at ``args2``, measured in
        ``probs``: its first entry is ``|<psi(args2)|psi(args1)>|^2``."""
        forward = construct_tape(cost)(*args1, **kwargs)
        back = self._get_operations(cost, args2, kwargs)
        ops = list(forward.operations) + [adjoint(op) for op in reversed(back)]
        return QuantumScript(ops, [probs(wires=list(forward.wires))])

    @staticmethod
    def _get_operations(cost, args, kwargs):
        return list(construct_tape(cost)(*args, **kwargs).operations)

    def _apply_blocking(self, cost, args, kwargs, params_next):
        if not isinstance(params_next, list):
            params_next = [params_next]
        tapes = [construct_tape(cost)(*args, **kwargs),
                 construct_tape(cost)(*params_next, **kwargs)]
        loss_curr, loss_next = execute(tapes, cost.device, EXACT)
        size = self.last_n_steps.size
        self.last_n_steps[(self.k - 2) % size] = qnp.asarray(loss_curr).item()
        seen = self.last_n_steps if self.k > size else self.last_n_steps[:self.k - 1]
        if loss_curr + 2 * seen.std() < loss_next:
            params_next = args
        if len(params_next) == 1:
            return params_next[0], loss_curr
        return params_next, loss_curr
