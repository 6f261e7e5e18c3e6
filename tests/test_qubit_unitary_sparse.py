"""PennyLane's ``QubitUnitary`` of a SciPy sparse matrix: ``sparse_matrix()`` is the matrix
given (CSR), ``op.matrix()`` is undefined (``MatrixUndefinedError``), ``qml.matrix`` gives
it dense, a circuit applies it; decomposed on one wire only. Expected values: the matrices
written by hand."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml
from qsym.errors import DecompositionUndefinedError, MatrixUndefinedError

sparse = pytest.importorskip("scipy.sparse")

X = np.array([[0, 1], [1, 0]])
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])


def test_sparse_given_matrix_is_sparse_only():
    U = sparse.csc_matrix(H)
    op = qml.QubitUnitary(U, wires=[0])
    assert not op.has_matrix and op.has_sparse_matrix and op.has_decomposition
    assert isinstance(op.sparse_matrix(), sparse.csr_matrix)
    assert np.allclose(op.sparse_matrix().toarray(), H)
    with pytest.raises(MatrixUndefinedError, match="U is sparse matrix"):
        op.matrix()
    with pytest.raises(MatrixUndefinedError, match="U is sparse matrix"):
        qml.QubitUnitary.compute_matrix(U)
    assert np.allclose(qml.matrix(op), H)
    # on a wider wire order: I (x) H for wires [1, 0]
    assert np.allclose(op.sparse_matrix(wire_order=[1, 0]).toarray(), np.kron(np.eye(2), H))
    # what reads the matrix reads it dense: H's eigenvalues +-1, unitary
    assert np.allclose(sorted(qml.eigvals(op).real), [-1.0, 1.0]) and qml.is_unitary(op)
    assert np.allclose(qml.matrix(qml.adjoint(op)), H.T)
    # a dense one keeps its matrix
    assert qml.QubitUnitary(H, wires=[0]).has_matrix


def test_sparse_given_unitary_runs_in_a_circuit():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        qml.QubitUnitary(sparse.csr_matrix(X), wires=[0])
        qml.QubitUnitary(sparse.csr_matrix(SWAP), wires=[0, 1])
        return qml.expval(qml.Z(0)), qml.expval(qml.Z(1))

    # X on wire 0 then SWAP: |01>: <Z0> = 1, <Z1> = -1
    assert np.allclose(circuit(), [1.0, -1.0])


def test_sparse_given_decomposition_on_one_wire_only():
    one = qml.QubitUnitary(sparse.csr_matrix(H), wires=[0])
    assert np.allclose(qml.matrix(one.decomposition, wire_order=[0])(), H)
    two = qml.QubitUnitary(sparse.csr_matrix(SWAP), wires=[0, 1])
    assert not two.has_decomposition
    with pytest.raises(DecompositionUndefinedError, match="two-qubit sparse QubitUnitary"):
        two.decomposition()


def test_controlled_qubit_unitary_of_a_sparse_base():
    base = qml.QubitUnitary(sparse.csr_matrix(X), wires=[1])
    op = qml.ControlledQubitUnitary(base, wires=[0, 1])
    expected = np.eye(4)
    expected[2:, 2:] = X  # CNOT
    assert np.allclose(qml.matrix(op), expected)


def test_adjoint_of_a_sparse_unitary_has_the_conjugate_transpose_sparse_matrix():
    # PennyLane's Adjoint: has_sparse_matrix is the base's, and default.qubit then runs it
    # as it is (stopping_condition); its sparse matrix is the base's conjugate transpose
    from qsym.devices.default_qubit import stopping_condition

    U = np.array([[0, 1j], [1, 0]])
    op = qml.adjoint(qml.QubitUnitary(sparse.csr_matrix(U), wires=0))
    assert op.has_sparse_matrix and stopping_condition(op)
    assert np.allclose(op.sparse_matrix().toarray(), U.conj().T)
    assert np.allclose(op.sparse_matrix(wire_order=[1, 0]).toarray(), np.kron(np.eye(2), U.conj().T))
    assert not qml.adjoint(qml.S(0)).has_sparse_matrix
    with pytest.raises(qml.operation.SparseMatrixUndefinedError):
        qml.adjoint(qml.S(0)).sparse_matrix()
