"""qml.SparseHamiltonian: an observable given as a CSR sparse matrix. scipy is not a
dependency (nor used here): a minimal CSR matrix written below stands for scipy's
(SparseHamiltonian reads only ``format``, ``shape``, ``toarray``, ``asformat``, the CSR
arrays and scalar multiplication). Values and gradients against state-vector algebra by
hand and finite differences."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import ArgumentError, MeasurementError


class CSR:
    """A compressed-sparse-row matrix: the three arrays of the format."""

    format = "csr"

    def __init__(self, dense):
        dense = onp.asarray(dense)
        self.shape = dense.shape
        rows, cols = onp.nonzero(dense)
        self.data, self.indices = dense[rows, cols], cols
        self.indptr = onp.concatenate([[0], onp.cumsum(onp.bincount(rows, minlength=self.shape[0]))])

    def toarray(self):
        out = onp.zeros(self.shape, dtype=self.data.dtype)
        for r in range(self.shape[0]):
            for j in range(self.indptr[r], self.indptr[r + 1]):
                out[r, self.indices[j]] = self.data[j]
        return out

    def asformat(self, fmt):
        assert fmt == "csr"
        return self

    def __mul__(self, c):
        return CSR(self.toarray() * c)


H = onp.diag([1.0, -2.0, 0.5, 3.0])
H[0, 3] = H[3, 0] = 0.7


def test_matrix_and_sparse_matrix_as_given():
    sh = qml.SparseHamiltonian(CSR(H), wires=[0, 1])
    assert sh.sparse_matrix().toarray() is not None and onp.array_equal(sh.sparse_matrix().toarray(), H)
    assert onp.array_equal(sh.matrix(), H)
    swapped = H[[0, 2, 1, 3]][:, [0, 2, 1, 3]]  # wires reversed: |01> <-> |10>
    assert onp.allclose(sh.matrix(wire_order=[1, 0]), swapped)
    assert sh.label() == "𝓗" and sh.name == "SparseHamiltonian"
    assert onp.array_equal((sh * 2.0).sparse_matrix().toarray(), 2 * H)


def test_bad_inputs_are_refused():
    with pytest.raises(ArgumentError, match="csr_matrix"):
        qml.SparseHamiltonian(H, wires=[0, 1])  # a dense array
    with pytest.raises(MeasurementError, match=r"must be of shape \(4, 4\)"):
        qml.SparseHamiltonian(CSR(onp.eye(2)), wires=[0, 1])
    with pytest.raises(ArgumentError, match="int or float"):
        qml.SparseHamiltonian(CSR(H), wires=[0, 1]) * [0.5]


def test_expval_and_gradient_in_a_qnode():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.SparseHamiltonian(CSR(H), wires=[0, 1]))

    x = pnp.array(0.3, requires_grad=True)
    # cos(x/2)|00> - i sin(x/2)|11>: <H> = cos^2 * 1 + sin^2 * 3 (the 0.7 coupling's real part cancels)
    c, s = onp.cos(0.15), onp.sin(0.15)
    assert abs(circuit(x) - (c**2 + 3 * s**2)) < 1e-12
    h = 1e-6
    fd = (circuit(x + h) - circuit(x - h)) / (2 * h)
    assert abs(qml.grad(circuit)(x) - fd) < 1e-8
    assert abs(qml.grad(circuit)(x) - onp.sin(0.3)) < 1e-12  # d/dx (1 + 2 sin^2(x/2))


def test_non_hermitian_is_refused_when_measured():
    A = onp.array([[1.0, 0.0], [-1.5, 0.0]])
    op = qml.SparseHamiltonian(CSR(A), wires=0)  # accepted, as PennyLane's

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return qml.expval(op)

    with pytest.raises(MeasurementError):
        circuit()
