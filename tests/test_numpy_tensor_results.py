"""``qsym.numpy``'s functions give PennyLane's wrapped-NumPy results (issue #18: PennyLane's
QCBM demo printed ``tensor([...], requires_grad=True)`` where qsym printed ``array``):
every NumPy function's array result is a tensor, trainable if any tensor argument is or if
none is one (PennyLane's ``tensor_wrapper``). The expected types and flags are what
PennyLane 0.45.1's ``pennylane.numpy`` gives for the same calls (/work/plvenv); 104
functions (``sum``, ``mean``, ``transpose``, ``unique``, ...) returned plain arrays."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

A = onp.array([[1.0, 2.0], [3.0, 4.0]])

CALLS = {
    "sum of a list": lambda: np.sum([A, A], axis=0),
    "mean": lambda: np.mean(A, axis=0),
    "max": lambda: np.max(A, axis=0),
    "transpose": lambda: np.transpose(A),
    "ravel": lambda: np.ravel(A),
    "unique": lambda: np.unique(A),
    "cumsum": lambda: np.cumsum(A),
    "clip": lambda: np.clip(A, 1.5, 3.5),
    "diff": lambda: np.diff(A),
    "kron": lambda: np.kron(A, A),
    "sort": lambda: np.sort(A),
    "squeeze": lambda: np.squeeze(A[None]),
    "std": lambda: np.std(A, axis=0),
    "dot": lambda: np.dot(A, A),
    "argmax": lambda: np.argmax(A, axis=0),
    "sinc": lambda: np.sinc(A),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_array_results_are_trainable_tensors(name):
    out = CALLS[name]()
    assert isinstance(out, np.tensor) and out.requires_grad


def test_the_flag_follows_tensor_arguments_and_scalars_stay_numbers():
    frozen = np.array(A, requires_grad=False)
    assert not np.transpose(frozen).requires_grad
    assert not np.sum([frozen, A], axis=0).requires_grad  # (a tensor argument decides)
    assert not np.mean(A, axis=0, requires_grad=False).requires_grad
    assert type(np.sum(A)) is onp.float64  # a number (PennyLane's too)
    view = np.ravel(A)
    view[0] = 9.0  # a view, as NumPy's (no copy)
    assert A[0, 0] == 9.0
    A[0, 0] = 1.0


def test_a_summed_plain_array_is_differentiated_as_pennylane_does():
    # PennyLane: np.sum([a, b], axis=0) of plain arrays is a trainable tensor, so qml.grad
    # differentiates by it (d/dx sum(x**2) = 2x); before it was a plain array, which
    # qml.grad does not differentiate
    x = np.sum([onp.array([0.5, 1.0]), onp.array([0.25, 0.5])], axis=0)
    grad = qml.grad(lambda v: np.sum(v**2))(x)
    assert onp.allclose(grad, 2 * onp.array([0.75, 1.5]))
