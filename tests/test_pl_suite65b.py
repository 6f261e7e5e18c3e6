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


# --- Pow of a product: its decomposition is the product repeated -------------------------
def test_power_of_a_product_decomposes_into_the_product_repeated():
    """PennyLane 0.45.1 (run in /work/plvenv; its ops/op_math/test_pow_op.py::
    test_decomposition_in_recording_context_with_int_z): ``Pow(X(0) @ Z(1), 2).decomposition()``
    is ``[X(0) @ Z(1), X(0) @ Z(1)]``, both queued in a recording context, and a 0th power's
    is ``[]``. qsym gave the product's gates (``[Z(1), X(0), Z(1), X(0)]``) since stop 64
    applied a product's power as its gates. The circuit is unchanged: by hand,
    (RX(x) RY(0.4))^2 gives <Z0 Z1> = cos(2x) cos(0.8)."""
    from qsym.ops.op_math import Pow

    base = qml.prod(qml.PauliX(0), qml.PauliZ(1))
    power = Pow(base, 2)
    with qml.queuing.AnnotatedQueue() as q:
        ops = power.decomposition()
    assert len(q.queue) == 2 and len(ops) == 2
    for op in list(q.queue) + ops:
        qml.assert_equal(op, base)
    assert qml.pow(qml.X(0) @ qml.Z(1), 0).decomposition() == []

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.pow(qml.prod(qml.RX(x, 0), qml.RY(0.4, 1)), 2)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    assert onp.isclose(circuit(0.3), onp.cos(0.6) * onp.cos(0.8), atol=1e-14)
    tape = qml.tape.QuantumScript([qml.pow(qml.prod(qml.RX(0.3, 0), qml.RY(0.4, 1)), 2)],
                                  [qml.expval(qml.Z(0) @ qml.Z(1))])
    (flat,), _ = qml.transforms.decompose(tape, gate_set={"RX", "RY"})
    assert [op.name for op in flat.operations] == ["RY", "RX", "RY", "RX"]  # PennyLane's


# --- has_overlapping_wires of sums and products ------------------------------------------
def test_sums_and_products_say_whether_operands_share_a_wire():
    """PennyLane 0.45.1 (run in /work/plvenv; its devices/qubit_mixed/test_qubit_mixed_measure
    .py::test_has_overlapping_wires): True, False, True, False, True below. qsym's sums and
    products had no such property (AttributeError)."""
    assert (qml.X(0) @ qml.Y(0)).has_overlapping_wires is True
    assert (qml.X(0) @ qml.Z(1) @ qml.X(2)).has_overlapping_wires is False
    s = qml.sum(qml.X(0), qml.Z(1), qml.Y(0), qml.X(2), qml.MultiControlledX(wires=range(8)))
    assert s.has_overlapping_wires is True
    assert (qml.X(0) + qml.Z(1)).has_overlapping_wires is False
    assert (qml.X(0) @ qml.X(0)).has_overlapping_wires is True
