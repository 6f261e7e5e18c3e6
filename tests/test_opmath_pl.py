"""PennyLane 0.45.1's semantics of operator classes (issue #18): a ``QubitUnitary``'s matrix
as its data (and so ``Hermitian``'s diagonalizing gate), ``qml.ctrl``'s control values and
messages, ``Barrier`` equality, ``LinearCombination``'s checks, grouping and arithmetic.

Expected values are independent of the code under test: matrices written by hand,
eigenvalues in closed form, PennyLane's documented messages."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml

X = onp.array([[0, 1], [1, 0]], dtype=complex)
HAD = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)


# -- QubitUnitary: the matrix is the operator's data (PennyLane's data == (U,)) ------------

def test_qubit_unitary_data_is_its_matrix():
    op = qml.QubitUnitary(HAD, wires=0)
    assert len(op.data) == 1 and onp.allclose(op.data[0], HAD)
    assert len(op.parameters) == 1 and onp.allclose(op.parameters[0], HAD)
    assert "U" not in op.hyperparameters
    tape = qml.tape.QuantumScript([op, qml.RX(0.3, wires=0)])
    assert tape.num_params == 2
    assert onp.allclose(tape.get_parameters(trainable_only=False)[0], HAD)


def test_qubit_unitary_flatten_round_trip_and_new_data():
    op = qml.QubitUnitary(HAD, wires=[1])
    data, meta = op._flatten()
    again = type(op)._unflatten(data, meta)
    assert onp.allclose(again.matrix(), HAD) and list(again.wires) == [1]
    op.data = (X,)  # a new matrix in place (PennyLane's op.data = ...)
    assert onp.allclose(op.matrix(), X)


def test_qubit_unitary_circuit_values_unchanged():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(t):
        qml.QubitUnitary(HAD, wires=0)  # |+>
        qml.RY(t, wires=0)
        return qml.expval(qml.X(0))

    t = qml.numpy.array(0.3, requires_grad=True)
    assert onp.isclose(circuit(t), onp.cos(0.3))  # RY(t)|+>: <X> = cos t
    assert onp.isclose(qml.grad(circuit)(t), -onp.sin(0.3))


# -- Hermitian: its diagonalizing gate carries eigvec^dagger ---------------------------------

def test_hermitian_diagonalizing_gate_is_eigvec_dagger():
    A = onp.array([[1.0, 2.0], [2.0, -2.0]])  # eigenvalues -3 and 2 (trace -1, det -6)
    (gate,) = qml.Hermitian(A, wires=0).diagonalizing_gates()
    U = gate.data[0]
    assert onp.allclose(U, gate.parameters[0])
    assert onp.allclose(U @ A @ U.conj().T, onp.diag([-3.0, 2.0]), atol=1e-12)
    key = tuple(A.flatten().tolist())
    assert onp.allclose(qml.Hermitian._eigs[key]["eigval"], [-3.0, 2.0])


def test_hermitian_two_wire_diagonalizing_gate():
    A = onp.kron(onp.diag([1.0, -1.0]), X.real)  # Z (x) X: eigenvalues -1, -1, 1, 1
    (gate,) = qml.Hermitian(A, wires=[0, 1]).diagonalizing_gates()
    U = gate.parameters[0]
    assert onp.allclose(U @ A @ U.conj().T, onp.diag([-1.0, -1.0, 1.0, 1.0]), atol=1e-12)


# -- qml.ctrl / Controlled: control values and messages ------------------------------------

def test_control_values_are_truth_values():
    op = qml.ops.op_math.Controlled(qml.RX(0.1, wires=3), (0, 1, 2), control_values=["", None, 5])
    assert list(op.control_values) == [False, False, True]


def test_control_values_wrong_length_message():
    with pytest.raises(ValueError, match="control_values should be the same length"):
        qml.ctrl(qml.RX(0.1, wires=3), (0, 1), control_values=[True])


def test_control_wires_overlap_message():
    with pytest.raises(ValueError, match="The control wires must be different"):
        qml.ctrl(qml.RX(0.1, wires="a"), "a")


def test_ctrl_of_none_or_not_callable():
    with pytest.raises(ValueError, match="apply ctrl to the output of a Subroutine"):
        qml.ctrl(None, control=2)
    with pytest.raises(ValueError, match=r"<class 'int'> is not an Operator or callable"):
        qml.ctrl(1, control=2)


def test_barrier_equality():
    assert qml.Barrier(wires=[0, 1]) == qml.Barrier(wires=[0, 1])
    assert qml.Barrier() == qml.Barrier()
    assert qml.Barrier(wires=[0]) != qml.Barrier(wires=[1])
    assert qml.Barrier(wires=[0], only_visual=True) != qml.Barrier(wires=[0])
    assert len({qml.Barrier(wires=[0]), qml.Barrier(wires=[0])}) == 1
    assert qml.ctrl(qml.Barrier(wires=[0, 1]), control=[2]) == qml.Barrier(wires=[0, 1])


# -- LinearCombination --------------------------------------------------------------------

def test_linear_combination_checks_its_arguments():
    with pytest.raises(ValueError, match="observables must be an Iterable of Operator's"):
        qml.ops.LinearCombination([1, 1], qml.X(0) @ qml.Y(1))
    with pytest.raises(ValueError, match="number of coefficients and operators does not match"):
        qml.ops.LinearCombination([1.0, 2.0], [qml.X(0)])


def test_linear_combination_grouping_given_and_mapped():
    H = qml.ops.LinearCombination([1, 1], [qml.X(0), qml.Y(1)], _grouping_indices=[[0, 1]])
    assert H.grouping_indices == [[0, 1]]  # as given (PennyLane's)
    G = qml.ops.LinearCombination([1.0, 2.0, -3.0], [qml.X(0), qml.Z(1), qml.Y(2)],
                                  grouping_type="qwc")
    mapped = G.map_wires({0: 10, 1: 11, 2: 12})
    assert mapped.grouping_indices == G.grouping_indices
    assert list(mapped.wires) == [10, 11, 12]


def test_linear_combination_overlapping_ops():
    H = qml.ops.LinearCombination([1.1, 2.2, 3.3], [qml.X(0), qml.Z(0), qml.Y(1)])
    groups = H.overlapping_ops
    assert [len(g) for g in groups] == [2, 1]
    # X(0) + Z(0) has eigenvalues +-sqrt(1.1^2 + 2.2^2); Y(1) +-3.3
    r = onp.hypot(1.1, 2.2)
    expected = sorted(a + b for a in (-r, r) for b in (-3.3, 3.3))
    assert onp.allclose(sorted(onp.real(H.eigvals())), expected)


@pytest.mark.parametrize("how", ["matmul", "rmatmul", "add", "sub"])
def test_linear_combination_arithmetic_with_a_list_is_a_type_error(how):
    H = qml.ops.LinearCombination([1], [qml.Z(0)])
    A = [[1, 0], [0, -1]]
    fn = {"matmul": lambda: H @ A, "rmatmul": lambda: A @ H, "add": lambda: H + A,
          "sub": lambda: H - A}[how]
    with pytest.raises(TypeError, match="unsupported operand type"):
        fn()
    with pytest.raises(TypeError, match="can't multiply sequence by non-int"):
        _ = H * A


def test_linear_combination_scaling_still_works():
    H = qml.ops.LinearCombination([1.0, 2.0], [qml.Z(0), qml.X(0)])
    M = onp.diag([1.0, -1.0]) + 2 * X
    assert onp.allclose((H * 0.5).matrix(), 0.5 * M)
    assert onp.allclose((H - 1.0).matrix(), M - onp.eye(2))


# -- operation_derivative / generator: PennyLane's messages --------------------------------

def test_generator_messages_name_the_operation():
    class CustomOp(qml.operation.Operation):
        num_wires = 1
        num_params = 1

    with pytest.raises(qml.operation.GeneratorUndefinedError,
                       match="Operation CustomOp does not have a generator"):
        qml.operation.operation_derivative(CustomOp(0.5, wires=0))

    class RotWithGen(qml.Rot):
        def generator(self):
            return qml.Hermitian(onp.zeros((2, 2)), wires=self.wires)

    with pytest.raises(ValueError, match="Operation RotWithGen is not written in terms of"):
        qml.operation.operation_derivative(RotWithGen(0.1, 0.2, 0.3, wires=0))


def test_id_is_deprecated_and_shown_in_the_label():
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning, match="'id' argument"):
        op = qml.RX(1.344, wires=0, id="x0")
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning, match="custom label"):
        assert op.label(decimals=2) == 'RX\n(1.34,"x0")'
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning):  # (made with an id)
        # PennyLane 0.45.1: Hadamard's own label is "H", whatever its id
        assert qml.Hadamard(0, id="h").label() == 'H'
    assert qml.RX(1.344, wires=0).label(decimals=2) == "RX\n(1.34)"


def test_power_by_an_operator_is_a_type_error():
    with pytest.raises(TypeError, match="unsupported operand type"):
        _ = qml.X(0) ** qml.X(0)
    # numbers still work: X**2 is the identity, RX(t)**2 is RX(2t)
    assert onp.allclose(qml.matrix(qml.X(0) ** 2), onp.eye(2))
    t = 0.3
    expected = onp.array([[onp.cos(t), -1j * onp.sin(t)], [-1j * onp.sin(t), onp.cos(t)]])
    assert onp.allclose(qml.matrix(qml.RX(t, wires=0) ** 2), expected)


def test_pauli_rep_keeps_words_of_zero_coefficients():
    # PennyLane's: the sum of c * op.pauli_rep over the terms as written
    H = qml.ops.LinearCombination([0, 1, 2], [qml.X(0), qml.X(1), qml.X(2)])
    assert dict(H.pauli_rep) == {qml.pauli.PauliWord({0: "X"}): 0.0,
                                 qml.pauli.PauliWord({1: "X"}): 1.0,
                                 qml.pauli.PauliWord({2: "X"}): 2.0}
    S = qml.ops.LinearCombination([0, 1], [qml.s_prod(0, qml.X(0)), qml.s_prod(3, qml.X(1))])
    assert dict(S.pauli_rep) == {qml.pauli.PauliWord({0: "X"}): 0.0,
                                 qml.pauli.PauliWord({1: "X"}): 3.0}
    assert qml.ops.LinearCombination([1.0], [qml.Hadamard(0)]).pauli_rep is None


def test_adjoint_of_adjoint_is_the_base_itself():
    base = qml.RX(0.2, wires=0)
    adj = qml.adjoint(base)
    assert adj.adjoint() is base
    with qml.queuing.AnnotatedQueue() as q:  # recorded where it is called (PennyLane's queue())
        adj.adjoint()
    assert q.queue == [base]


def test_symbolic_ops_of_a_matrix_gate_carry_the_matrix_as_pennylanes_data():
    # PennyLane: Adjoint/Pow data is the base's, QubitUnitary's U included, so tape
    # parameter indices count it (a trainable_params set by PennyLane's positions)
    X = onp.array([[0, 1], [1, 0]], dtype=complex)
    ops = [qml.adjoint(qml.QubitUnitary(X, wires=0)), qml.pow(qml.QubitUnitary(X, wires=0), 2),
           qml.RX(0.3, wires=0)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
    params = tape.get_parameters(trainable_only=False)
    assert tape.num_params == 3 and len(params) == 3
    assert onp.array_equal(params[0], X) and onp.array_equal(params[1], X) and params[2] == 0.3
    V = onp.diag([1.0, 1j])
    ops[0].data = (V,)  # the base's matrix replaced: the adjoint is diag(1, -i)
    assert onp.allclose(qml.matrix(ops[0]), onp.diag([1.0, -1j]))
    # diag(1, -i) |0> = |0>, then X^2 = I and RX(0.3): <Z> = cos 0.3
    assert qml.device("default.qubit", wires=1).execute(tape) == pytest.approx(onp.cos(0.3))


# -- qml.pow of a template: PennyLane's Pow(template, n), the template n times ----------------

def test_pow_of_a_template_repeats_it():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def cubed(x):
        qml.pow(qml.AngleEmbedding(qml.numpy.stack([x, 0.2]), wires=[0, 1], rotation="Y"), 3)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    # RY(3x) x RY(0.6) on |00>: <Z Z> = cos(3x) cos(0.6)
    x = qml.numpy.array(0.3, requires_grad=True)
    assert onp.isclose(cubed(x), onp.cos(0.9) * onp.cos(0.6))
    h = 1e-6
    fd = (cubed(x + h) - cubed(x - h)) / (2 * h)
    assert onp.isclose(qml.grad(cubed)(x), fd, atol=1e-7)
    assert onp.isclose(fd, -3 * onp.sin(0.9) * onp.cos(0.6), atol=1e-7)
    # QFT squared on two qubits is the permutation |k> -> |-k mod 4>
    with qml.queuing.AnnotatedQueue() as q:
        op = qml.pow(qml.QFT(wires=[0, 1]), 2)
    assert q.queue == [op] and op.z == 2 and op.name == "QFT**2"
    perm = onp.zeros((4, 4))
    for k in range(4):
        perm[(-k) % 4, k] = 1
    assert onp.allclose(qml.matrix(op, wire_order=[0, 1]), perm, atol=1e-12)
    # PennyLane's qml.pow: lazy=False of no gates is the identity; a fractional power is a
    # Pow made (its matrix a matrix power) that a circuit refuses (no gates)
    ident = qml.pow(qml.QFT(wires=[0, 1]), 0, lazy=False)
    assert ident.name == "Identity" and list(ident.wires) == [0, 1]
    half = qml.pow(qml.QFT(wires=[0, 1]), 0.5)
    assert half.z == 0.5

    @qml.qnode(dev)
    def rooted():
        qml.pow(qml.QFT(wires=[0, 1]), 0.5)
        return qml.state()

    with pytest.raises(qml.errors.PowUndefinedError):
        rooted()


# -- qml.prod of a quantum function, queues, products made of operators made outside -------

def test_prod_of_qfunc_takes_the_operators_as_queued():
    """A product made inside the function is one factor (flattened with lazy=False), the
    last operator first; its matrix is the product of the gates' matrices, by hand."""
    def qfunc(x):
        qml.prod(qml.RX(x, 0), qml.PauliZ(1))
        qml.CNOT([0, 1])

    op = qml.prod(qfunc, lazy=False)(1.1)
    assert len(op.operands) == 3
    c, s = onp.cos(0.55), onp.sin(0.55)
    rx = onp.array([[c, -1j * s], [-1j * s, c]])
    z = onp.diag([1.0, -1.0])
    cnot = onp.eye(4)[[0, 1, 3, 2]]
    assert onp.allclose(op.matrix(wire_order=[0, 1]), cnot @ onp.kron(rx, z))
    assert isinstance(qml.prod(qfunc)(1.1).operands[1], qml.ops.Prod)  # lazy: kept nested


def test_prod_of_qfunc_in_a_queue_dequeues_its_arguments():
    def f(op):
        qml.apply(op)

    def f2(op, op2=None):
        qml.X(0)
        qml.apply(op)
        qml.apply(op2)

    with qml.queuing.AnnotatedQueue() as q:
        qml.prod(f)(qml.Z(0))
        qml.prod(f2)(qml.Y(0), op2=qml.Z(0))
    assert len(q.queue) == 2
    qml.assert_equal(q.queue[0], qml.Z(0))
    qml.assert_equal(q.queue[1], qml.Z(0) @ qml.Y(0) @ qml.X(0))


def test_prod_of_a_non_callable_is_a_type_error():
    with pytest.raises(TypeError, match="Unexpected argument of type int"):
        qml.prod(1)


def test_product_of_operators_made_outside_the_circuit_is_applied():
    """Prod(H, CNOT, RX, IsingZZ) written as a statement applies IsingZZ first (the
    matrix product); its operands were made before the QNode ran (they were dropped)."""
    operands = (qml.Hadamard(0), qml.CNOT([0, 1]), qml.RX(1.23, 1), qml.IsingZZ(0.56, [0, 2]))
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit():
        qml.ops.Prod(*operands)
        return qml.state()

    expected = qml.ops.Prod(*operands).matrix(wire_order=[0, 1, 2])[:, 0]
    assert onp.allclose(circuit(), expected)

    zx = (qml.Z(0), qml.X(1))

    @qml.qnode(dev)
    def measured():  # measured, not applied: <Z0 X1> after RY(0.3) on wire 0 is 0
        qml.RY(0.3, 0)
        return qml.expval(qml.ops.Prod(*zx))

    assert onp.isclose(measured(), 0.0)
    assert len(qml.workflow.construct_tape(measured)().operations) == 1


def test_probs_of_a_product_leaves_the_queue():
    with qml.queuing.AnnotatedQueue() as q:
        qml.Hadamard(0)
        m = qml.probs(op=qml.Z(0) @ qml.Z(2))
    assert len(q.queue) == 2 and q.queue[1] is m


# -- LinearCombination: queue of @, coefficients as given ----------------------------------

@pytest.mark.parametrize("h1, h2", [
    (lambda: qml.ops.LinearCombination([], []), lambda: qml.X(2)),
    (lambda: qml.ops.LinearCombination([0.2], [qml.Z(1)]), lambda: qml.X(2)),
    (lambda: qml.ops.LinearCombination([1.0], [qml.Z(0)]),
     lambda: qml.ops.LinearCombination([2.0], [qml.Z(1)])),
])
def test_linear_combination_matmul_replaces_its_factors_in_the_queue(h1, h2):
    with qml.queuing.AnnotatedQueue() as q:
        a, b = h1(), h2()
        a.queue()
        b.queue()
        out = a @ b
    assert len(q.queue) == 1 and q.queue[0] is out


def test_linear_combination_keeps_a_tensor_of_coefficients():
    coeffs = qml.numpy.array([1.0, 2.0], requires_grad=True)
    h = qml.ops.LinearCombination(coeffs, [qml.X(0), qml.Z(1)])
    c, _ = h.terms()
    assert all(isinstance(x, qml.numpy.tensor) and x.requires_grad for x in c)
    assert onp.allclose(c, [1.0, 2.0])
    assert isinstance(qml.ops.LinearCombination([1.0, 2.0], [qml.X(0), qml.Z(1)]).coeffs, list)


# -- eigenvalues, sparse matrices -----------------------------------------------------------

def test_eigvals_of_a_sum_on_one_wire_ascending():
    """X + X + X = 3X, eigenvalues -3, 3 in ascending order (PennyLane's eigendecomposition
    of the overlapping operands); one operand keeps its own order."""
    assert onp.allclose((qml.X(0) + qml.X(0) + qml.X(0)).eigvals(), [-3.0, 3.0])
    assert onp.allclose((qml.X(0) + qml.X(0)).eigvals(), [-2.0, 2.0])
    assert onp.allclose(qml.sum(qml.Z(0)).eigvals(), [1.0, -1.0])
    assert onp.allclose((qml.X(0) @ qml.Z(1)).eigvals(), [1.0, -1.0, -1.0, 1.0])


def test_sparse_matrix_of_a_product_raises_its_factors_refusal():
    class NoSparse(qml.operation.Operation):
        num_wires = 1

        def sparse_matrix(self, wire_order=None):
            raise qml.operation.SparseMatrixUndefinedError

    for op in (qml.prod(qml.X(0), NoSparse(wires=1)), qml.sum(qml.X(0), NoSparse(wires=1))):
        with pytest.raises(qml.operation.SparseMatrixUndefinedError):
            op.sparse_matrix()


# -- qml.equal: observables' interfaces and trainability, Hermitian matrices to tolerance --

def test_equal_checks_observable_parameter_interfaces_and_trainability():
    pnp = qml.numpy
    a, b = qml.s_prod(0.12, qml.X(0)), qml.s_prod(pnp.array(0.12), qml.X(0))
    assert not qml.equal(a, b)
    assert qml.equal(a, b, check_interface=False, check_trainability=False)
    with pytest.raises(AssertionError, match="different interfaces|different trainability"):
        qml.assert_equal(a, b)
    a = qml.s_prod(pnp.array(0.12, requires_grad=False), qml.X(0))
    b = qml.s_prod(pnp.array(0.12, requires_grad=True), qml.X(0))
    assert not qml.equal(a, b, check_interface=False)
    assert qml.equal(a, b, check_trainability=False)
    a, b = qml.exp(qml.X(0), 1.2), qml.exp(qml.X(0), pnp.array(1.2))
    assert not qml.equal(a, b, check_trainability=False)
    assert qml.equal(a, b, check_interface=False, check_trainability=False)
    # equal as operators still: reordered factors and merged terms
    assert qml.equal(qml.X(0) @ qml.Y(1), qml.Y(1) @ qml.X(0))


def test_equal_compares_hermitian_matrices_to_tolerance():
    m = onp.eye(2)
    assert not qml.equal(qml.expval(qml.Hermitian(m, 0)), qml.expval(qml.Hermitian(m + 1e-3, 0)))
    assert qml.equal(qml.expval(qml.Hermitian(m, 0)), qml.expval(qml.Hermitian(m + 1e-3, 0)),
                     atol=1e-1)
    d = onp.diag([1 + 1e-3, 1 - 1e-3])
    assert not qml.equal(qml.Hermitian(m, 0), qml.Hermitian(d, 0))
    assert qml.equal(qml.Hermitian(m, 0), qml.Hermitian(d, 0), rtol=1e-2)
    assert not qml.equal(qml.Hermitian(m, 0), qml.Hermitian(m, 1))
    t1, t2 = qml.numpy.eye(2, requires_grad=True), qml.numpy.eye(2, requires_grad=False)
    assert not qml.equal(qml.expval(qml.Hermitian(t1, 0)), qml.expval(qml.Hermitian(t2, 0)))
    assert qml.equal(qml.expval(qml.Hermitian(t1, 0)), qml.expval(qml.Hermitian(t2, 0)),
                     check_trainability=False)


def test_complex_expectation_is_refused_with_the_way_out():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(c):
        return qml.expval(c * qml.Z(0))

    assert onp.isclose(circuit(1.0), 1.0)
    with pytest.raises(qml.MeasurementError, match="not Hermitian.*multiply the result by c"):
        circuit(1j)


def test_equal_messages_and_measurement_operators():
    """PennyLane's texts: scalar products and exponentials check interfaces first; an
    exponential's coefficient; a controlled or exponentiated base 'because'; sums of
    different lengths; mid-circuit and Pauli measurements by wires, id, reset, postselect."""
    pnp = qml.numpy
    with pytest.raises(AssertionError, match="Parameters have different interfaces"):
        qml.assert_equal(qml.s_prod(0.12, qml.X(0)), qml.s_prod(pnp.array(0.12), qml.X(0)))
    with pytest.raises(AssertionError, match="different coefficients. Got 0.5j and 1j"):
        qml.assert_equal(qml.exp(qml.X(0), 0.5j), qml.exp(qml.X(0), 1j))
    with pytest.raises(AssertionError, match="different base operations because op1 and op2"):
        qml.assert_equal(qml.exp(qml.X(0), 1j), qml.exp(qml.Y(0), 1j))
    with pytest.raises(AssertionError, match="different number of operands. Got 2 and 1"):
        qml.assert_equal(qml.sum(qml.X(0), qml.Y(1)), qml.sum(qml.Y(1)))
    W = qml.wires.Wires
    mid = qml.ops.MidMeasure(wires=W([0]), reset=True, meas_uid="a")
    assert qml.equal(mid, qml.ops.MidMeasure(wires=W([0]), reset=True, meas_uid="a"))
    for other in (qml.ops.MidMeasure(wires=W([1]), reset=True, meas_uid="a"),
                  qml.ops.MidMeasure(wires=W([0]), reset=False, meas_uid="a"),
                  qml.ops.MidMeasure(wires=W([0]), reset=True, meas_uid="b")):
        assert not qml.equal(mid, other)
    pm = qml.ops.PauliMeasure
    p = pm("XY", wires=W([0, 1]), meas_uid="a")
    assert qml.equal(p, pm("XY", wires=W([0, 1]), meas_uid="a"))
    assert not qml.equal(p, pm("XY", wires=W([0, 1]), postselect=1, meas_uid="a"))
    assert not qml.equal(p, pm("XZ", wires=W([0, 1]), meas_uid="a"))


def test_sprod_batch_sizes_must_match():
    base = qml.RX(onp.array([1.2, 2.3, 3.4]), 0)
    assert qml.s_prod(onp.array([0.1, 1.2, 2.3]), base).batch_size == 3
    with pytest.raises(ValueError, match="broadcasted dimensions do not match: 4, 3"):
        _ = qml.s_prod(onp.array([0.1, 1.2, 2.3, 3.4]), base).batch_size


def test_arithmetic_hyperparameters_and_the_product_rule():
    """PennyLane's ``hyperparameters`` of the arithmetic classes, ``Prod``'s resource
    parameters and its registered rule (the factors applied, the last first)."""
    s0, s1 = qml.S(0), qml.S(1)
    op = qml.prod(s0, s1, qml.T(0), qml.Y(1))
    assert op.hyperparameters["operands"] == op.operands
    assert (2 * qml.X(0)).hyperparameters["base"] == qml.X(0)
    assert qml.ops.Prod.resource_keys == frozenset({"resources"})
    rep = qml.resource_rep
    assert op.resource_params == {"resources": {rep(qml.S): 2, rep(qml.T): 1, rep(qml.Y): 1}}
    sol = qml.decomposition.DecompositionGraph([op], gate_set={"S", "T", "PauliY"}).solve()
    with qml.queuing.AnnotatedQueue() as q:
        sol.decomposition(op)(**op.hyperparameters)
    assert q.queue == list(op.operands[::-1])
    assert sol.resource_estimate(op).gate_counts == {rep(qml.S): 2, rep(qml.T): 1, rep(qml.Y): 1}


def test_equal_hilbert_schmidt_by_its_u_and_v_operators():
    """PennyLane compares two ``HilbertSchmidt`` by their data and the operators of U and
    V (hyperparameters), not their wires: replacing U's operators makes them equal."""
    import copy

    op1 = qml.HilbertSchmidt(V=qml.RZ(0.2, wires=1), U=[qml.RX(0.2, 0)])
    op4 = qml.HilbertSchmidt(V=qml.RZ(0.2, wires=1), U=[qml.Hadamard(2)])
    assert qml.equal(op1, qml.HilbertSchmidt(V=qml.RZ(0.2, wires=1), U=[qml.RX(0.2, 0)]))
    assert not qml.equal(op1, op4)
    new = copy.deepcopy(op4)
    new.hyperparameters["U"] = op1.hyperparameters["U"]
    assert qml.equal(op1, new)
    trained = qml.HilbertSchmidt(V=qml.RZ(0.2, wires=1), U=[qml.RX(qml.numpy.array(0.2), 0)])
    assert not qml.equal(op1, trained)
    assert qml.equal(op1, trained, check_interface=False, check_trainability=False)
    assert not qml.equal(op1, qml.HilbertSchmidt(V=qml.RZ(0.3, wires=1), U=[qml.RX(0.2, 0)]))


def test_equal_multi_controlled_x_by_its_control_dictionary():
    """PennyLane compares controlled operators by {control wire: value}, in any order."""
    C = qml.ops.op_math.Controlled
    a = C(qml.X(0), control_wires=[1, 2], control_values=[0, 1])
    assert qml.equal(a, C(qml.X(0), control_wires=[2, 1], control_values=[1, 0]))
    assert not qml.equal(a, C(qml.X(0), control_wires=[2, 1], control_values=[0, 1]))
    assert not qml.equal(qml.MultiControlledX(wires=[1, 2, 0]), qml.MultiControlledX(wires=[1, 2, 3]))
    assert not qml.equal(qml.MultiControlledX(wires=[1, 2, 0], work_wires=[5]),
                         qml.MultiControlledX(wires=[1, 2, 0]))


def test_controlled_sequence_arithmetic_depth():
    """PennyLane's ControlledSequence is a symbolic operator: one more than its base's."""
    a = qml.ControlledSequence(qml.X(0), control=[2])
    b = qml.ControlledSequence(qml.X(0) @ qml.Y(1), control=[2])
    assert (a.arithmetic_depth, b.arithmetic_depth) == (1, 2)
    assert not qml.equal(a, b)


def test_equal_select_qsvt_controlled_sequence_messages():
    """PennyLane's comparisons of these templates and their reasons."""
    def why(a, b):
        with pytest.raises(AssertionError) as info:
            qml.assert_equal(a, b)
        return str(info.value)

    sel = qml.Select((qml.X(0), qml.Y(0)), control=2)
    assert qml.equal(sel, qml.Select((qml.X(0), qml.Y(0)), control=2))
    assert "different control wires" in why(qml.Select((qml.X(0),), control=2),
                                            qml.Select((qml.X(0),), control=3))
    assert "different number of target operators. Got 2 and 1" in why(
        sel, qml.Select((qml.X(0),), control=2))
    assert "different operations at index 1" in why(sel, qml.Select((qml.X(0), qml.X(0)), control=2))
    proj = [qml.PCPhase(0.2, dim=1, wires=[0])]
    assert qml.equal(qml.QSVT(qml.X(0), proj), qml.QSVT(qml.X(0), [qml.PCPhase(0.2, dim=1, wires=[0])]))
    assert "different block encodings" in why(qml.QSVT(qml.X(0), proj), qml.QSVT(qml.Y(0), proj))
    assert "different projectors at position 0" in why(
        qml.QSVT(qml.X(0), proj), qml.QSVT(qml.X(0), [qml.PCPhase(0.3, dim=1, wires=[0])]))
    assert "different base operations because" in why(
        qml.ControlledSequence(qml.X(0), control=[2]), qml.ControlledSequence(qml.Y(0), control=[2]))


def test_adjoint_of_a_product_of_gates_is_pennylanes_adjoint_of_prod():
    """qml.adjoint(qml.S(0) @ qml.T(1)): PennyLane's Adjoint(Prod) (its repr, name, base,
    queue entry, one drawn box ``(S@T)†``, qml.specs' 'Adjoint(Prod)'; PennyLane 0.45.1's,
    checked in /work/plvenv), applied as the inverse gates: matrices by hand."""
    import numpy as onp

    op = qml.adjoint(qml.S(0) @ qml.T(0))
    assert repr(op) == "Adjoint(S(0) @ T(0))" and op.name == "Adjoint(Prod)"
    assert isinstance(op, qml.ops.op_math.Adjoint) and repr(op.base) == "S(0) @ T(0)"
    assert op.data == () and op.label() == "(S@T)†"
    want = onp.diag([1, onp.exp(-0.75j * onp.pi)])  # (S T)^dagger = diag(1, e^{-3i pi/4})
    assert onp.allclose(qml.matrix(op), want, atol=1e-12)
    with qml.queuing.AnnotatedQueue() as q:
        qml.adjoint(qml.S(0) @ qml.T(1))
    assert [repr(o) for o in q.queue] == ["Adjoint(S(0) @ T(1))"]

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.Hadamard(0)
        qml.Hadamard(1)
        qml.adjoint(qml.S(0) @ qml.T(1))
        return qml.expval(qml.Y(0))

    assert float(c()) == pytest.approx(-1.0, abs=1e-12)  # S^dagger |+> = |-i>
    assert qml.draw(c)() == ("0: ──H─╭(S@T)†─┤  <Y>\n"
                             "1: ──H─╰(S@T)†─┤     ")
    assert dict(qml.specs(c)()["resources"].gate_types) == {"Hadamard": 2, "Adjoint(Prod)": 1}


# -- SProd keeps its scalar as given (PennyLane's ``op.scalar is s`` for a 0-d tensor) --------

def test_sprod_keeps_a_zero_dim_tensor_scalar_as_given():
    from qsym import numpy as pnp
    s = pnp.array(5)
    for op in (qml.RX(1.23, wires=0) * s, s * qml.RX(1.23, wires=0),
               (qml.RX(1.23, wires=0) + s)[1]):
        assert op.scalar is s
    c, h = onp.cos(1.23 / 2), -1j * onp.sin(1.23 / 2)
    assert onp.allclose(qml.matrix(qml.RX(1.23, wires=0) * s), 5 * onp.array([[c, h], [h, c]]))
    # its number is what qsym measures: <5 X> in |+> is 5 (hand value)
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        return qml.expval(s * qml.X(0))

    assert onp.isclose(circuit(), 5.0)
    assert onp.allclose(qml.eigvals(s * qml.X(0)), [-5, 5]) or onp.allclose(
        qml.eigvals(s * qml.X(0)), [5, -5])


def test_label_cache_holds_the_matrix_as_given():
    """PennyLane's ``Operator.label(cache=...)`` appends ``op.data[0]`` itself, so
    ``cache["matrices"] == [U]`` holds (a list compares its items by identity first)."""
    from qsym import numpy as pnp
    U = pnp.eye(2)
    base = qml.QubitUnitary(U, wires=0)
    cache = {"matrices": []}
    assert qml.ops.Controlled(base, ["a", "b"]).label(cache=cache) == "U\n(M0)"
    assert base.label(cache=cache) == "U\n(M0)"  # found again, not appended
    assert len(cache["matrices"]) == 1 and cache["matrices"][0] is U


def test_label_cache_of_a_nested_product_holds_the_given_matrix():
    U = onp.array([[1, 0], [0, -1]])  # integers, as given (PennyLane's op.data[0])
    cache = {"matrices": []}
    op = qml.prod(qml.X(0), qml.prod(qml.Y(1), qml.QubitUnitary(U, wires=0)))
    assert "U\n(M0)" in op.label(cache=cache)
    assert cache["matrices"] == [U] and cache["matrices"][0] is U


def test_adjoint_of_an_sprod_conjugates_a_complex_tensor_scalar():
    """A 0-d complex tensor scalar kept as given is conjugated by the adjoint, as a number
    is (it was kept unconjugated: adjoint((0.5+1j) X) had the matrix (0.5+1j) X). By hand:
    (c X)^dagger = conj(c) X; PennyLane 0.45.1 gives the same matrix (/work/plvenv)."""
    from qsym import numpy as pnp

    s = pnp.array(0.5 + 1j, requires_grad=True)
    want = onp.conj(0.5 + 1j) * onp.array([[0, 1], [1, 0]])
    op = qml.s_prod(s, qml.X(0))
    assert onp.allclose(qml.matrix(op.adjoint()), want)
    assert onp.allclose(qml.matrix(qml.adjoint(op)), want)
    assert op.adjoint().scalar.requires_grad  # still a tensor, as PennyLane's
    real = pnp.array(0.5, requires_grad=True)
    assert qml.s_prod(real, qml.X(0)).adjoint().scalar is real


def test_a_scalar_products_matrix_keeps_the_number_type():
    # PennyLane's SProd.matrix is scalar * base.matrix() (NumPy's promotion): a real scalar of
    # a real matrix stays real, so qml.dot([nan], [X(0)]) is a real NaN, not nan + nan j
    # (dtypes: PennyLane 0.45.1's, /work/plvenv; values by hand)
    m = qml.dot([float("nan")], [qml.X(0)]).matrix()
    assert m.dtype == onp.float64 and onp.isnan(m).all()
    assert (2 * qml.Z(0)).matrix().dtype == onp.int64
    assert onp.array_equal((2 * qml.Z(0)).matrix(), [[2, 0], [0, -2]])
    assert (0.5 * qml.Y(0)).matrix().dtype == onp.complex128
    assert onp.allclose((0.5 * qml.Y(0)).matrix(), [[0, -0.5j], [0.5j, 0]])
    assert (0.5j * qml.Z(0)).matrix().dtype == onp.complex128
    b = qml.s_prod(onp.array([0.5, 2.0]), qml.X(0)).matrix()
    assert b.dtype == onp.float64 and onp.allclose(b, [[[0, 0.5], [0.5, 0]], [[0, 2], [2, 0]]])
    w = qml.matrix(qml.s_prod(0.5, qml.X(0)), wire_order=[1, 0])
    assert w.dtype == onp.float64 and onp.allclose(w, 0.5 * onp.kron(onp.eye(2), [[0, 1], [1, 0]]))


# -- a sum of products of gates made in a circuit: measured, or refused (stop 65) ---------

def _sum_of_products(kind):
    if kind == "hamiltonian":
        return qml.Hamiltonian([1.7, -0.12], [qml.prod(qml.Z(0), qml.X(1), qml.X(2)),
                                              qml.prod(qml.X(1), qml.X(2))])
    if kind == "operators":
        return 1.7 * (qml.Z(0) @ qml.X(1) @ qml.X(2)) - 0.12 * (qml.X(1) @ qml.X(2))
    if kind == "sum":
        return qml.sum(qml.s_prod(1.7, qml.Z(0) @ qml.X(1) @ qml.X(2)),
                       qml.s_prod(-0.12, qml.prod(qml.X(1), qml.X(2))))
    return qml.dot([1.7, -0.12], [qml.Z(0) @ qml.X(1) @ qml.X(2), qml.X(1) @ qml.X(2)])


@pytest.mark.parametrize("kind", ["hamiltonian", "operators", "sum", "dot"])
def test_a_sum_of_products_made_in_a_circuit_is_measured_or_refused(kind):
    """Products of gates that become terms of a sum made in the circuit are its operands,
    not statements: measured, the value is the hand one (RX(0.4) on wire 0, a Bell pair on
    1, 2: <Z0 X1 X2> = cos 0.4, <X1 X2> = 1); made and not measured, a TracingError as for a
    sum of single gates (PennyLane applies the non-unitary sum as an operation: its
    probabilities summed to 3.8 in the oracle's circuit, stop 65). qsym applied the products
    one after the other and returned numbers."""
    dev = qml.device("default.qubit", wires=3)

    def prep():
        qml.RX(0.4, wires=0)
        qml.Hadamard(1)
        qml.CNOT([1, 2])

    @qml.qnode(dev)
    def measured():
        prep()
        return qml.expval(_sum_of_products(kind))

    @qml.qnode(dev)
    def unmeasured():
        prep()
        _sum_of_products(kind)
        return qml.probs(wires=[0, 1, 2])

    assert onp.isclose(measured(), 1.7 * onp.cos(0.4) - 0.12)
    with pytest.raises(qml.TracingError, match="neither measured nor applied"):
        unmeasured()
