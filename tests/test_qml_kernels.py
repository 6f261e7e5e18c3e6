"""``qml.kernels`` (PennyLane's kernel methods): matrices, alignment, post-processing.

References are independent of the code under test: the overlap kernel of an angle
embedding in closed form (``prod_k cos^2((a_k - b_k) / 2)``), alignments written out by
hand, central finite differences for the gradient, and matrices with known spectra.
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _closed_form(a, b):
    return float(onp.prod(onp.cos((onp.asarray(a) - onp.asarray(b)) / 2) ** 2))


@pytest.fixture(scope="module")
def kernel():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def overlap(x1, x2):
        qml.AngleEmbedding(x1, wires=[0, 1])
        qml.adjoint(qml.AngleEmbedding)(x2, wires=[0, 1])
        return qml.probs(wires=[0, 1])

    return lambda x1, x2: overlap(x1, x2)[0]


X = onp.array([[0.1, 0.7], [1.3, -0.4], [2.0, 0.5]])
Y = onp.array([1, -1, 1])


def test_square_and_rectangular_matrices_match_the_closed_form(kernel):
    expected = onp.array([[_closed_form(a, b) for b in X] for a in X])
    K = qml.kernels.square_kernel_matrix(X, kernel)
    assert K.shape == (3, 3)
    assert onp.allclose(K, expected, atol=1e-12)
    K1 = qml.kernels.square_kernel_matrix(X, kernel, assume_normalized_kernel=True)
    assert onp.allclose(K1, expected, atol=1e-12) and onp.all(onp.diag(K1) == 1.0)
    R = qml.kernels.kernel_matrix(X[:2], X, kernel)
    assert R.shape == (2, 3) and onp.allclose(R, expected[:2], atol=1e-12)
    assert qml.kernels.square_kernel_matrix(X[:1], kernel, True).shape == (1, 1)


def test_a_kernel_with_several_values_gives_one_matrix_per_value():
    kern = lambda a, b: onp.array([a[0] * b[0], a[0] + b[0]])
    K = qml.kernels.kernel_matrix(onp.array([[1.0], [2.0]]), onp.array([[3.0]]), kern)
    assert K.shape == (2, 2, 1)
    assert onp.allclose(K[0], [[3.0], [6.0]]) and onp.allclose(K[1], [[4.0], [5.0]])


def test_alignment_and_polarity_by_hand(kernel):
    K = onp.array([[_closed_form(a, b) for b in X] for a in X])
    y = onp.array([0.5, -1.0, 0.5])  # labels divided by their class sizes (2 and 1)
    T = onp.outer(y, y)
    assert onp.isclose(qml.kernels.polarity(X, Y, kernel), (K * T).sum(), atol=1e-12)
    raw = onp.outer(Y, Y)
    assert onp.isclose(qml.kernels.polarity(X, Y, kernel, rescale_class_labels=False),
                       (K * raw).sum(), atol=1e-12)
    align = (K * T).sum() / onp.sqrt((K * K).sum() * (T * T).sum())
    assert onp.isclose(qml.kernels.target_alignment(X, Y, kernel), align, atol=1e-12)


def test_the_alignment_is_differentiated_through_the_kernel_matrix():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def overlap(x1, x2, w):
        qml.AngleEmbedding(w * x1, wires=[0, 1])
        qml.adjoint(qml.AngleEmbedding)(w * x2, wires=[0, 1])
        return qml.probs(wires=[0, 1])

    def cost(w):
        return qml.kernels.target_alignment(X, Y, lambda a, b: overlap(a, b, w)[0],
                                            assume_normalized_kernel=True)

    def reference(w):  # the same alignment, closed-form kernel, plain NumPy
        K = onp.array([[_closed_form(w * a, w * b) for b in X] for a in X])
        y = onp.array([0.5, -1.0, 0.5])
        T = onp.outer(y, y)
        return (K * T).sum() / onp.sqrt((K * K).sum() * (T * T).sum())

    w = np.array(0.8, requires_grad=True)
    assert onp.isclose(cost(w), reference(0.8), atol=1e-12)
    h = 1e-5
    fd = (reference(0.8 + h) - reference(0.8 - h)) / (2 * h)
    assert onp.isclose(qml.grad(cost)(w), fd, atol=1e-8)


def test_post_processing_of_a_matrix_with_a_negative_eigenvalue():
    # eigenvalues 3 and -1 with eigenvectors (1, 1)/sqrt2 and (1, -1)/sqrt2
    K = onp.array([[1.0, 2.0], [2.0, 1.0]])
    assert onp.allclose(qml.kernels.threshold_matrix(K), [[1.5, 1.5], [1.5, 1.5]])
    assert onp.allclose(qml.kernels.closest_psd_matrix(K), [[1.5, 1.5], [1.5, 1.5]])
    assert onp.allclose(qml.kernels.displace_matrix(K), [[2.0, 2.0], [2.0, 2.0]])
    assert onp.allclose(qml.kernels.flip_matrix(K), [[2.0, 1.0], [1.0, 2.0]])
    psd = onp.array([[2.0, 1.0], [1.0, 2.0]])
    for f in (qml.kernels.threshold_matrix, qml.kernels.displace_matrix,
              qml.kernels.flip_matrix):
        assert onp.allclose(f(psd), psd)


def test_depolarizing_noise_is_undone():
    exact = onp.array([[1.0, 0.3, 0.6], [0.3, 1.0, 0.2], [0.6, 0.2, 1.0]])
    dim = 4  # two qubits
    noisy = 0.7 * exact + 0.3 / dim  # one global rate 0.3
    for method in ("single", "average"):
        assert onp.allclose(qml.kernels.mitigate_depolarizing_noise(noisy, 2, method), exact)
    # per-point rates r_i: K_ij -> (1-r_i)(1-r_j) K_ij + (1 - (1-r_i)(1-r_j)) / dim
    r = onp.array([0.1, 0.2, 0.05])
    keep = onp.outer(1 - r, 1 - r)
    split = keep * exact + (1 - keep) / dim
    out = qml.kernels.mitigate_depolarizing_noise(split, 2, "split_channel")
    assert onp.allclose(out, exact)


@pytest.mark.parametrize("method, K", [("median", onp.eye(2)),
                                       ("single", 0.2 * onp.eye(2)),
                                       ("average", 0.2 * onp.eye(2)),
                                       ("split_channel", 0.2 * onp.eye(2))])
def test_bad_mitigation_input_says_what_to_do(method, K):
    with pytest.raises(qml.errors.KernelError, match="method|cannot be applied"):
        qml.kernels.mitigate_depolarizing_noise(K, 1, method)
    assert issubclass(qml.errors.KernelError, ValueError)  # PennyLane raises ValueError
