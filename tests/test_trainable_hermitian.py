"""``qml.Hermitian(A, wires)`` with a trainable ``A`` in a QNode (issue #18): measured as its
Pauli sum of the inputs' expressions, differentiated by every method as PennyLane's
backpropagation differentiates it (each entry its own real input). Numbers: PennyLane
0.45.1's (computed in /work/plvenv and pasted, each marked), or by hand (NumPy states of
hand-written matrices, central finite differences of those)."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def RXm(t):
    return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)],
                      [-1j * onp.sin(t / 2), onp.cos(t / 2)]])


def RYm(t):
    return onp.array([[onp.cos(t / 2), -onp.sin(t / 2)],
                      [onp.sin(t / 2), onp.cos(t / 2)]], dtype=complex)


A1 = [[1.0, 0.3], [0.3, -0.5]]


@pytest.mark.parametrize("method", ["best", "backprop", "parameter-shift", "adjoint"])
def test_expval_of_a_trainable_hermitian_is_pennylanes(method):
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=method)
    def c(x, A):
        qml.RX(x, wires=0)
        return qml.expval(qml.Hermitian(A, wires=0))

    x, A = np.array(0.4, requires_grad=True), np.array(A1, requires_grad=True)
    dx, dA = qml.jacobian(c)(x, A)
    # PennyLane 0.45.1, diff_method="backprop" (its parameter-shift, adjoint and
    # finite-diff raise ValueError "cannot reshape array of size 1 into shape (2,2)")
    assert float(c(x, A)) == pytest.approx(0.9407957455021638, abs=1e-12)
    assert float(dx) == pytest.approx(-0.29206376, abs=1e-8)
    assert onp.allclose(dA, [[0.9605305, 0.0], [0.0, 0.0394695]], atol=1e-7)


def test_a_two_wire_trainable_hermitian_on_permuted_wires_is_pennylanes():
    B = np.array([[1.0, 0.3, 0, 0.1], [0.3, -0.5, 0.2, 0], [0, 0.2, 0.7, -0.4],
                  [0.1, 0, -0.4, 0.2]], requires_grad=True)
    x = np.array(0.4, requires_grad=True)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def d(x, B):
        qml.RX(x, wires=0)
        qml.RY(2 * x, wires=1)
        qml.CNOT([0, 1])
        qml.RX(0.3, wires=1)
        return qml.expval(qml.Hermitian(B, wires=[1, 0]))

    # PennyLane 0.45.1 (backprop): the value, d/dx, d/dB and the gradient of d**2 by B
    dx, dB = qml.jacobian(d)(x, B)
    assert float(d(x, B)) == pytest.approx(0.8875608003500897, abs=1e-12)
    assert float(dx) == pytest.approx(-0.39378997, abs=1e-8)
    want = [[7.99924679e-01, -2.00444243e-02, 3.44521201e-01, 0.0],
            [-2.00444243e-02, 6.59951124e-03, 0.0, 1.41568442e-02],
            [3.44521201e-01, 0.0, 1.60605818e-01, 2.00444243e-02],
            [0.0, 1.41568442e-02, 2.00444243e-02, 3.28699918e-02]]
    assert onp.allclose(dB, want, atol=1e-8)
    assert onp.allclose(qml.grad(lambda B: d(x, B) ** 2)(B), [
        [1.41996358e+00, -3.55812905e-02, 6.11567026e-01, 0.0],
        [-3.55812905e-02, 1.17149350e-02, 0.0, 2.51301199e-02],
        [6.11567026e-01, 0.0, 2.85094857e-01, 3.55812905e-02],
        [0.0, 2.51301199e-02, 3.55812905e-02, 5.83482324e-02]], atol=1e-8)


def test_the_variance_of_a_trainable_hermitian_is_differentiated_exactly():
    """var(A) by hand, its derivative along Hermitian directions by central differences
    (PennyLane 0.45.1 gives zeros by the matrix here: its variance takes the eigenvalues
    as constants)."""
    def by_hand(x, A):
        psi = RYm(0.7) @ RXm(x) @ onp.array([1, 0])
        mean = (psi.conj() @ A @ psi).real
        return (psi.conj() @ A @ A @ psi).real - mean**2

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    def v(x, A):
        qml.RX(x, wires=0)
        qml.RY(0.7, wires=0)
        return qml.var(qml.Hermitian(A, wires=0))

    x, A = np.array(0.4, requires_grad=True), np.array(A1, requires_grad=True)
    A0 = onp.array(A1)
    assert float(v(x, A)) == pytest.approx(by_hand(0.4, A0), abs=1e-12)
    dx, dA = qml.jacobian(v)(x, A)
    h = 1e-6
    assert float(dx) == pytest.approx((by_hand(0.4 + h, A0) - by_hand(0.4 - h, A0)) / (2 * h),
                                      abs=1e-7)
    for i, j in ((0, 0), (1, 1), (0, 1)):
        E = onp.zeros((2, 2))
        E[i, j] = E[j, i] = 1.0
        fd = (by_hand(0.4, A0 + h * E) - by_hand(0.4, A0 - h * E)) / (2 * h)
        assert (dA * E).sum() == pytest.approx(fd, abs=1e-7)
        assert abs(fd) > 0.05


def test_samples_and_probs_of_a_trainable_hermitian_take_its_numbers():
    """qml.sample: its eigenvalues at the call (PennyLane 0.45.1's draws with seed=7,
    pasted); probs(op=...) runs, and its derivative by the matrix (the eigenbasis) is
    refused by name."""
    x, B = np.array(0.4, requires_grad=True), np.array(A1, requires_grad=True)

    @qml.set_shots(20)
    @qml.qnode(qml.device("default.qubit", wires=1, seed=7))
    def s(x, B):
        qml.RX(x, wires=0)
        return qml.sample(qml.Hermitian(B, 0))

    want = onp.full(20, 1.05777472)
    want[6] = -0.55777472
    assert onp.allclose(s(x, B), want, atol=1e-8)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def p(x, B):
        qml.RX(x, wires=0)
        return qml.probs(op=qml.Hermitian(B, wires=0))

    psi = RXm(0.4) @ onp.array([1, 0])
    vecs = onp.linalg.eigh(onp.array(A1))[1]
    with pytest.warns(UserWarning, match="lexicographical"):
        assert onp.allclose(p(x, B), abs(vecs.conj().T @ psi) ** 2, atol=1e-12)
    with pytest.raises(qml.DifferentiationError, match="Hermitian's eigenbasis"):
        qml.jacobian(p)(x, B)


def test_samples_of_trainable_coefficients_are_the_calls_eigenvalues():
    """qml.sample(w Z + w X): eigenvalues +-sqrt(2) w at each call's w (it raised
    TypeError: the coefficients were drawn as expressions). With ``w`` a trainable tensor
    PennyLane 0.45.1 refuses it (under shots its "best" is parameter shift, which splits
    trainable observables into terms: a sample of a sum cannot be; run in /work/plvenv),
    so does qsym; ``requires_grad=False`` (or a keyword argument) samples it."""
    @qml.set_shots(30)
    @qml.qnode(qml.device("default.qubit", wires=1, seed=3))
    def s(x, w):
        qml.RX(x, wires=0)
        return qml.sample(w * qml.Z(0) + w * qml.X(0))

    for w in (0.4, 1.3):
        got = s(np.array(0.4), np.array(w, requires_grad=False))
        assert onp.allclose(abs(got), onp.sqrt(2) * w, atol=1e-12)
    with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coefficients"):
        s(np.array(0.4), np.array(0.4))


def test_a_trainable_matrix_that_is_not_hermitian_is_refused_at_the_call():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(A):
        return qml.expval(qml.Hermitian(A, wires=0))

    assert float(c(np.array(A1, requires_grad=True))) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(qml.MeasurementError, match="not Hermitian"):
        c(np.array([[1.0, 0.3], [0.2, -0.5]], requires_grad=True))


def test_a_trainable_hermitian_on_too_many_wires_runs_and_says_what_to_do():
    """On more wires than qsym differentiates a traced Hermitian on: its numbers at each
    call (the value: <0|A|0> = A[0, 0]), its derivative refused with what to write."""
    @qml.qnode(qml.device("default.qubit", wires=5))
    def c(A):
        return qml.expval(qml.Hermitian(A, wires=range(5)))

    A = onp.diag(onp.arange(32.0)) + 0.1 * (onp.eye(32, k=1) + onp.eye(32, k=-1))
    for shift in (0.0, 2.5):
        assert float(c(np.array(A + shift, requires_grad=True))) == pytest.approx(shift)
    with pytest.raises(qml.DifferentiationError, match="qml.Hamiltonian of trainable"):
        qml.grad(c)(np.array(A, requires_grad=True))
