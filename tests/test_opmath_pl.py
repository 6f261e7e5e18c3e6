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
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning):
        assert qml.Hadamard(0, id="h").label() == 'H("h")'
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
