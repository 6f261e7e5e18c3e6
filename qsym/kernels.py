"""PennyLane's ``qml.kernels``: kernel matrices from a kernel function, the kernel-target
alignment and polarity, and the post-processing of noisy kernel matrices.

A kernel is any function of two data points returning a number, typically a QNode's
probability of the all-zero outcome after embedding one point and un-embedding the other.
The matrices are built with :mod:`qsym.numpy` (autograd), so a cost written with them is
differentiated by ``qml.grad`` and the optimizers, as in PennyLane.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def overlap(x1, x2):
...     qml.AngleEmbedding(x1, wires=[0, 1])
...     qml.adjoint(qml.AngleEmbedding)(x2, wires=[0, 1])
...     return qml.probs(wires=[0, 1])
>>> kernel = lambda x1, x2: overlap(x1, x2)[0]
>>> X = np.array([[0.0, 0.0], [np.pi, 0.0]])
>>> print(np.round(qml.kernels.square_kernel_matrix(X, kernel), 12))
[[1. 0.]
 [0. 1.]]
"""

from __future__ import annotations

from itertools import product as _product

import numpy as _onp

from . import math as _math
from . import numpy as _qnp
from .errors import KernelError

__all__ = [
    "kernel_matrix",
    "square_kernel_matrix",
    "polarity",
    "target_alignment",
    "threshold_matrix",
    "displace_matrix",
    "flip_matrix",
    "closest_psd_matrix",
    "mitigate_depolarizing_noise",
]


def _assemble(values, rows: int, cols: int):
    """Stack ``rows * cols`` kernel values (row-major) into a matrix; values that are
    themselves arrays (a kernel returning several numbers) give one matrix per entry,
    first axis the entry, as PennyLane's. The values' kind decides the matrix's, as
    PennyLane's ``qml.math.stack``: NumPy numbers give a NumPy array (a QNode's
    ``probs()[0]``), ``qsym.numpy`` tensors a tensor, autograd's boxes a box."""
    stacked = _math.stack(values)
    if _math.ndim(values[0]) == 0:
        return _math.reshape(stacked, (rows, cols))
    return _math.moveaxis(_math.reshape(stacked, (rows, cols, _math.size(values[0]))), -1, 0)


def square_kernel_matrix(X, kernel, assume_normalized_kernel=False):
    """The symmetric matrix ``K[i, j] = kernel(X[i], X[j])`` of one data set, each pair
    evaluated once (``kernel(X[i], X[j])`` for ``i < j``); with
    ``assume_normalized_kernel=True`` the diagonal is 1 and not evaluated.

    >>> from qsym import numpy as np
    >>> kernel = lambda a, b: np.exp(-np.sum((a - b) ** 2))
    >>> X = np.array([[0.0], [1.0]])
    >>> print(np.round(square_kernel_matrix(X, kernel), 6))
    [[1.       0.367879]
     [0.367879 1.      ]]
    """
    n = _qnp.shape(X)[0]
    if assume_normalized_kernel and n == 1:
        return _qnp.eye(1) if isinstance(X, _qnp.tensor) else _onp.eye(1)
    values = [None] * (n * n)
    for i in range(n):
        for j in range(i + 1, n):
            values[n * i + j] = values[n * j + i] = kernel(X[i], X[j])
    for i in range(n):
        values[n * i + i] = (_math.ones_like(values[1]) if assume_normalized_kernel
                             else kernel(X[i], X[i]))
    return _assemble(values, n, n)


def kernel_matrix(X1, X2, kernel):
    """The matrix ``K[i, j] = kernel(X1[i], X2[j])`` of two data sets (shape
    ``(len(X1), len(X2))``; for a kernel returning ``m`` numbers, ``(m, len(X1),
    len(X2))``).

    >>> from qsym import numpy as np
    >>> kernel = lambda a, b: float(np.dot(a, b))
    >>> print(kernel_matrix(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[3.0, 4.0]]), kernel))
    [[3.]
     [8.]]
    """
    n, m = _qnp.shape(X1)[0], _qnp.shape(X2)[0]
    return _assemble([kernel(x, y) for x, y in _product(X1, X2)], n, m)


def _label_matrix(Y, rescale_class_labels):
    Y = _onp.asarray(Y)
    if rescale_class_labels:
        nplus = _onp.count_nonzero(Y == 1)
        nminus = len(Y) - nplus
        Y = _onp.array([y / nplus if y == 1 else y / nminus for y in Y])
    return _onp.outer(Y, Y)


def polarity(X, Y, kernel, assume_normalized_kernel=False, rescale_class_labels=True,
             normalize=False):
    """The polarity ``sum_ij y_i y_j K_ij`` of the kernel matrix on the labelled data
    ``(X, Y)`` (labels ``1`` and ``-1``); ``rescale_class_labels`` divides each label by
    its class's size, ``normalize`` divides by the Frobenius norms (giving
    :func:`target_alignment`).

    >>> from qsym import numpy as np
    >>> kernel = lambda a, b: float(a[0] == b[0])  # K is the identity
    >>> float(polarity(np.array([[0.0], [1.0]]), [1, -1], kernel))
    2.0
    """
    K = square_kernel_matrix(X, kernel, assume_normalized_kernel=assume_normalized_kernel)
    T = _label_matrix(Y, rescale_class_labels)
    inner = _qnp.sum(K * T)
    if normalize:
        inner = inner / _qnp.sqrt(_qnp.sum(K * K) * _qnp.sum(T * T))
    return inner


def target_alignment(X, Y, kernel, assume_normalized_kernel=False, rescale_class_labels=True):
    """The kernel-target alignment: the cosine between the kernel matrix and the label
    matrix ``y y^T`` (Frobenius inner product, normalized), 1 for a kernel that
    reproduces the labels.

    >>> from qsym import numpy as np
    >>> kernel = lambda a, b: 1.0 if a[0] == b[0] else -1.0  # K = y y^T
    >>> float(target_alignment(np.array([[0.0], [1.0]]), [1, -1], kernel))
    1.0
    """
    return polarity(X, Y, kernel, assume_normalized_kernel=assume_normalized_kernel,
                    rescale_class_labels=rescale_class_labels, normalize=True)


def threshold_matrix(K):
    """``K`` with its negative eigenvalues set to 0 (the closest positive semidefinite
    matrix in Frobenius norm); ``K`` itself when it has none.

    >>> from qsym import numpy as np
    >>> print(np.round(threshold_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])), 12))
    [[0.5 0.5]
     [0.5 0.5]]
    """
    w, v = _qnp.linalg.eigh(K)
    if w[0] < 0:
        return (v * _qnp.clip(w, 0, None)) @ _qnp.transpose(v)
    return K


def displace_matrix(K):
    """``K`` minus its smallest eigenvalue times the identity when that is negative.

    >>> from qsym import numpy as np
    >>> print(np.round(displace_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])), 12))
    [[1. 1.]
     [1. 1.]]
    """
    wmin = _qnp.linalg.eigvalsh(K)[0]
    if wmin < 0:
        return K - _qnp.eye(K.shape[0]) * wmin
    return K


def flip_matrix(K):
    """``K`` with its negative eigenvalues replaced by their absolute values.

    >>> from qsym import numpy as np
    >>> print(np.round(flip_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])), 12))
    [[1. 0.]
     [0. 1.]]
    """
    w, v = _qnp.linalg.eigh(K)
    if w[0] < 0:
        return (v * _qnp.abs(w)) @ _qnp.transpose(v)
    return K


def closest_psd_matrix(K, fix_diagonal=False, solver=None, **kwargs):
    """The positive semidefinite matrix closest to ``K``: :func:`threshold_matrix`; with
    ``fix_diagonal=True`` (a unit diagonal kept) a semidefinite program solved with CVXPY,
    as PennyLane does (an ``ImportError`` saying so when CVXPY is not installed).

    >>> from qsym import numpy as np
    >>> print(np.round(closest_psd_matrix(np.array([[0.0, 1.0], [1.0, 0.0]])), 12))
    [[0.5 0.5]
     [0.5 0.5]]
    """
    if not fix_diagonal:
        return threshold_matrix(K)
    try:
        import cvxpy as cp
    except ImportError as error:
        raise ImportError("CVXPY is required for this post-processing method: "
                          "closest_psd_matrix(fix_diagonal=True) solves a semidefinite program "
                          "(pip install cvxpy); without fix_diagonal it needs nothing") from error
    solver = cp.CVXOPT if solver is None else solver
    X = cp.Variable(K.shape, PSD=True)
    problem = cp.Problem(cp.Minimize(cp.norm(X - K, "fro")), [cp.diag(X) == 1.0])
    try:
        problem.solve(solver=solver, **kwargs)
    except Exception as error:  # noqa: BLE001 - CVXPY's solvers raise their own types
        raise RuntimeError(f"CVXPY solver did not converge: {error}") from error
    return X.value


def mitigate_depolarizing_noise(K, num_wires, method, use_entries=None):
    """Undo global depolarizing noise on a kernel matrix ``K`` of ``num_wires`` qubits,
    the noise rate estimated from its diagonal (which is 1 without noise): ``"single"``
    (one diagonal entry, ``use_entries=(i,)``, default the first), ``"average"`` (their
    mean) or ``"split_channel"`` (one rate per data point).

    >>> from qsym import numpy as np
    >>> K = 0.8 * np.array([[1.0, 0.5], [0.5, 1.0]]) + 0.2 / 2  # 1 qubit, rate 0.2
    >>> print(np.round(mitigate_depolarizing_noise(K, 1, "average"), 12))
    [[1.  0.5]
     [0.5 1. ]]
    """
    dim = 2**num_wires
    diagonal = _qnp.diag(K)
    if method == "single":
        entry = diagonal[(use_entries or (0,))[0]]
        if entry <= 1 / dim:
            raise KernelError("The single noise mitigation method cannot be applied as the "
                              f"single diagonal element specified is too small ({float(entry)}"
                              " <= 1/2**num_wires): pick another with use_entries=(i,)")
        rate = (1 - entry) * dim / (dim - 1)
        return (K - rate / dim) / (1 - rate)
    if method == "average":
        used = diagonal if use_entries is None else diagonal[_onp.array(use_entries)]
        if _qnp.mean(used) <= 1 / dim:
            raise KernelError("The average noise mitigation method cannot be applied as the "
                              "average of the used diagonal terms is too small (it must exceed "
                              "1/2**num_wires): choose the entries with use_entries")
        rate = _qnp.mean((1 - used) * dim / (dim - 1))
        return (K - rate / dim) / (1 - rate)
    if method == "split_channel":
        if _qnp.any(diagonal <= 1 / dim):
            raise KernelError("The split channel noise mitigation method cannot be applied to "
                              "the input matrix as its diagonal terms are too small (each must "
                              "exceed 1/2**num_wires): use method='average' or 'single'")
        effective = _qnp.clip((1 - diagonal) * dim / (dim - 1), 0.0, 1.0)
        rates = 1 - _qnp.sqrt(1 - effective)
        n = len(K)
        inverse = -_qnp.outer(rates, rates) + rates.reshape((1, n)) + rates.reshape((n, 1))
        return (K - inverse / dim) / (1 - inverse)
    raise KernelError(f"Incorrect noise depolarization mitigation method specified: {method!r}."
                      " Accepted strategies are: 'single', 'average' and 'split_channel'.")
