"""Issue #18 (stop 65, pl65b): PennyLane 0.45.1 semantics its own test files in gradients/,
workflow/, measurements/, devices/ and optimize/ reach.

Expected numbers are derived by hand (said so where used) or PennyLane 0.45.1's behaviour
(computed in /work/plvenv, said so where used).
"""

import numpy as onp
import pytest

import qsym as qml
from qsym.devices.qubit.measure import get_measurement_function, measure
from qsym.devices.qubit_mixed.measure import measure as measure_mixed


class _NoMatrix(qml.operation.Operator):  # PennyLane's test_measure DummyOp
    num_wires = 1


class _DenseZ(qml.operation.Operator):  # a matrix, but no sparse matrix, no diagonalization
    num_wires = 1

    @staticmethod
    def compute_matrix():
        return onp.diag([1.0, -1.0])


# --- qml.devices.qubit.measure of a sum with a term that has no matrix -----------------
@pytest.mark.parametrize("make", [
    lambda: qml.Hamiltonian([0.5, 0.5], [qml.X(0), _NoMatrix(wires=1)]),
    lambda: qml.X(0) + _NoMatrix(wires=1),
    lambda: 0.5 * qml.X(0) + 0.5 * _NoMatrix(wires=1),
    lambda: qml.Y(0) + qml.X(0) @ _NoMatrix(wires=1),
])
def test_sum_with_a_term_without_matrix_is_measured_term_by_term(make):
    """PennyLane 0.45.1 (its devices/qubit/test_measure.py::test_no_sparse_matrix, passing in
    /work/plvenv): a Hamiltonian or sum with a term without a sparse matrix goes to
    sum_of_terms_method. qsym raised MatrixUndefinedError (it built the sum's matrix to find
    its Pauli terms)."""
    assert get_measurement_function(qml.expval(make()), onp.zeros(2)).__name__ == \
        "sum_of_terms_method"


def test_term_with_a_dense_matrix_only_is_measured_by_its_matrix():
    """A term with a matrix but neither sparse matrix nor diagonalizing gates: by hand,
    |0>|1> gives <X0> = 0 and <Z-like(1)> = -1, so 0.5*0 + 0.25*(-1) = -0.25; |+>|1> gives
    <Y0 + X0 Z1> = 0 + 1*(-1) = -1 (PennyLane 0.45.1 raises a bare NotImplementedError for
    both: its term-by-term method finds no way to measure the term)."""
    h = qml.Hamiltonian([0.5, 0.25], [qml.X(0), _DenseZ(wires=1)])
    ket = onp.zeros((2, 2))
    ket[0, 1] = 1.0
    assert get_measurement_function(qml.expval(h), ket).__name__ == "sum_of_terms_method"
    assert onp.isclose(measure(qml.expval(h), ket), -0.25, atol=1e-15)
    rho = onp.einsum("ab,cd->abcd", ket, ket)
    assert onp.isclose(measure_mixed(qml.expval(h), rho), -0.25, atol=1e-15)
    plus_one = onp.array([[0.0, 1.0], [0.0, 1.0]]) / onp.sqrt(2)
    s = qml.Y(0) + qml.X(0) @ _DenseZ(wires=1)
    assert onp.isclose(measure(qml.expval(s), plus_one), -1.0, atol=1e-15)
