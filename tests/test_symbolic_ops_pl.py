"""PennyLane 0.45.1's symbolic operators and Operator base (issue #18): ``Pow`` of a template,
``Pow``'s sparse matrix and decomposition errors, broadcast mismatches found by
``batch_size``, ``Adjoint``'s pytree form, ``qml.operation.is_trainable``, ``qml.equal`` of
products of operators without a matrix, the ``qml.add_decomps`` fallback of a user's
operator, and ``Evolution``'s data, power, wires and generator.

Expected values are independent of the code under test: matrices multiplied with NumPy,
closed-form expectation values, states of the template applied twice, PennyLane's
documented messages."""

from __future__ import annotations

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp

X = onp.array([[0, 1], [1, 0]], dtype=complex)
Z = onp.array([[1, 0], [0, -1]], dtype=complex)


def _sel_params(seed=7):
    shape = qml.StronglyEntanglingLayers.shape(n_layers=2, n_wires=2)
    return onp.random.default_rng(seed).random(shape)


def _powered_state(z):
    """A QNode: the state after ``qml.pow(StronglyEntanglingLayers(p), z)``."""

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(p):
        qml.pow(qml.StronglyEntanglingLayers(p, wires=[0, 1]), z)
        return qml.state()

    return circuit


# -- Pow of a template -------------------------------------------------------------------

def test_pow_of_template_keeps_base_and_exponent():
    params = _sel_params()
    base = qml.StronglyEntanglingLayers(params, wires=[0, 1])
    for op in (qml.pow(base, 2.67), base ** 2.67):
        assert op.base is base and op.z == 2.67
        assert op.hyperparameters["base"] is base and op.hyperparameters["z"] == 2.67
        assert op.name == "StronglyEntanglingLayers**2.67"
        assert op.num_params == 1 and onp.allclose(op.data[0], params)
        assert op.wires == qml.wires.Wires([0, 1])
        assert not op.has_decomposition


def test_integer_pow_of_template_applies_it_twice():
    params = _sel_params(3)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def twice(p):
        qml.StronglyEntanglingLayers(p, wires=[0, 1])
        qml.StronglyEntanglingLayers(p, wires=[0, 1])
        return qml.state()

    assert onp.allclose(_powered_state(2)(params), twice(params))
    op = qml.pow(qml.StronglyEntanglingLayers(params, wires=[0, 1]), 2)
    m = qml.StronglyEntanglingLayers(params, wires=[0, 1]).matrix()
    assert onp.allclose(op.matrix(), m @ m)
    assert op.has_decomposition and len(op.decomposition()) == 2 * len(
        qml.StronglyEntanglingLayers(params, wires=[0, 1]).decomposition())


def test_zeroth_power_of_template_is_no_gate():
    params = _sel_params(5)
    op = qml.pow(qml.StronglyEntanglingLayers(params, wires=[0, 1]), 0)
    assert op.has_decomposition and op.decomposition() == []
    assert onp.allclose(_powered_state(0)(params), [1, 0, 0, 0])


def test_fractional_pow_of_template_is_refused_in_a_circuit():
    params = _sel_params(9)
    with pytest.raises(qml.operation.PowUndefinedError, match="non-negative integer"):
        _powered_state(0.5)(params)
    with pytest.raises(qml.operation.DecompositionUndefinedError):
        qml.pow(qml.StronglyEntanglingLayers(params, wires=[0, 1]), 0.5).decomposition()


# -- Pow: sparse matrix, decomposition errors, broadcasting --------------------------------

def test_pow_sparse_matrix_is_the_integer_power():
    pytest.importorskip("scipy")
    from scipy.sparse import csr_matrix

    H = onp.array([[6 + 0j, 1 - 2j], [1 + 2j, -1]])
    op = qml.pow(qml.SparseHamiltonian(csr_matrix(H), wires=0), 3)
    assert op.has_sparse_matrix
    assert onp.allclose(op.sparse_matrix().toarray(), H @ H @ H)
    assert onp.allclose(op.sparse_matrix(wire_order=[1, 0]).toarray(),
                        onp.kron(onp.eye(2), H @ H @ H))
    assert onp.allclose(qml.pow(qml.X(0), 2).sparse_matrix().toarray(), onp.eye(2))


def test_pow_sparse_matrix_undefined():
    pytest.importorskip("scipy")
    from scipy.sparse import csr_matrix

    H = onp.array([[6 + 0j, 1 - 2j], [1 + 2j, -1]])
    with pytest.raises(qml.operation.SparseMatrixUndefinedError):
        qml.pow(qml.SparseHamiltonian(csr_matrix(H), wires=0), 0.5).sparse_matrix()

    class NoMatrix(qml.operation.Operator):
        num_wires = 1

    op = qml.pow(NoMatrix(0.1, wires=0), 2)
    assert not op.has_sparse_matrix
    with pytest.raises(qml.operation.SparseMatrixUndefinedError):
        op.sparse_matrix()


def test_pow_decomposition_wraps_a_failing_pow():
    class Failing(qml.operation.Operator):
        def pow(self, z):
            raise ValueError("no power")

    op = qml.pow(Failing(0), 2.5)
    with pytest.raises(ValueError, match="no power"):
        _ = op.has_decomposition  # PennyLane re-raises for an exponent that is not batched
    with pytest.raises(qml.operation.DecompositionUndefinedError, match="no power"):
        op.decomposition()


def test_pow_broadcast_mismatch_is_found_by_batch_size():
    base = qml.RX(onp.array([1.2, 2.3, 3.4]), 0)
    op = qml.pow(base, onp.array([0.1, 1.2, 2.3, 3.4]))  # made, as in PennyLane
    with pytest.raises(ValueError, match="Broadcasting was attempted but the broadcasted"):
        _ = op.batch_size
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def mismatched():
        qml.pow(qml.RX(onp.array([1.2, 2.3, 3.4]), 0), onp.array([0.1, 1.2, 2.3, 3.4]))
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.errors.GateError, match="broadcasted dimensions do not match"):
        mismatched()

    @qml.qnode(dev)
    def matched():
        qml.pow(qml.RX(onp.array([1.2, 2.3, 3.4]), 0), onp.array([0.1, 1.2, 2.3]))
        return qml.expval(qml.Z(0))

    assert onp.allclose(matched(), onp.cos(onp.array([1.2, 2.3, 3.4]) * [0.1, 1.2, 2.3]))


# -- Adjoint's pytree form, is_trainable -----------------------------------------------------

def test_adjoint_flatten_is_its_base():
    class Custom(qml.operation.Operator):
        pass

    base = Custom(1.2, 2.3, wires=0)
    adj = qml.adjoint(base)
    data, metadata = adj._flatten()
    assert len(data) == 1 and data[0] is base and metadata == ()
    rx = qml.adjoint(qml.RX(0.3, wires=0))
    again = type(rx)._unflatten(*rx._flatten())
    assert onp.allclose(again.matrix(), qml.RX(-0.3, wires=0).matrix())
    assert isinstance(again, qml.ops.op_math.Adjoint)


def test_is_trainable():
    assert qml.operation.is_trainable(qml.RX(pnp.array(0.3, requires_grad=True), wires=1))
    assert not qml.operation.is_trainable(qml.RX(0.3, wires=1))
    assert not qml.operation.is_trainable(qml.RX(pnp.array(0.3, requires_grad=False), wires=1))
    assert not qml.operation.is_trainable(qml.CNOT(wires=[1, 0]))


# -- qml.equal of products and sums of operators without a matrix ----------------------------

def test_equal_products_of_operators_without_matrix():
    class Dummy(qml.operation.Operator):
        num_wires = 1

    assert qml.equal(Dummy(0) @ Dummy(0), qml.prod(Dummy(0), Dummy(0)))
    assert qml.equal(qml.pow(Dummy(0), 2, lazy=False), qml.prod(Dummy(0), Dummy(0)))
    assert qml.equal((Dummy(0) ** 2).simplify(), Dummy(0) @ Dummy(0))
    assert not qml.equal(Dummy(0) @ Dummy(1), Dummy(0) @ Dummy(2))
    with pytest.raises(AssertionError, match="different operands because op1 and op2 have "
                                             "different wires"):
        qml.assert_equal(Dummy(0) @ Dummy(1), Dummy(0) @ Dummy(2))
    assert qml.equal(Dummy(0) + Dummy(1), Dummy(1) + Dummy(0))  # a sum in any order
    assert not qml.equal(Dummy(0) @ Dummy(1), Dummy(1) @ Dummy(0))  # a product in order


# -- the qml.add_decomps fallback of an operator class of your own ---------------------------

def test_added_rule_is_the_decomposition_of_a_user_operator():
    class OpWithAddedRule(qml.operation.Operator):
        pass

    @qml.register_resources({qml.RX: 1})
    def first(x, wires):
        qml.RX(x, wires)

    @qml.register_resources({qml.RZ: 1})
    def second(x, wires):
        qml.RZ(x, wires)

    assert not OpWithAddedRule(0.5, wires=0).has_decomposition
    with qml.decomposition.local_decomps():
        qml.add_decomps(OpWithAddedRule, first, second)
        op = OpWithAddedRule(0.5, wires=0)
        assert op.has_decomposition
        [out] = op.decomposition()
        qml.assert_equal(out, qml.RX(0.5, wires=0))
        with qml.queuing.AnnotatedQueue() as q:
            op.decomposition()
        assert len(q.queue) == 1
        qml.assert_equal(q.queue[0], qml.RX(0.5, wires=0))

        @qml.qnode(qml.device("default.qubit", wires=1))
        def circuit(x):
            OpWithAddedRule(x, wires=0)
            return qml.expval(qml.Z(0))

        assert onp.isclose(circuit(0.7), onp.cos(0.7))
    assert not OpWithAddedRule(0.5, wires=0).has_decomposition


def test_added_rules_conditions_decide_per_operator():
    class WireCounted(qml.operation.Operator):
        @property
        def resource_params(self):
            return {"num_wires": len(self.wires)}

    @qml.register_condition(lambda num_wires: num_wires == 1)
    @qml.register_resources({qml.RX: 1})
    def one(x, wires):
        qml.RX(x, wires)

    @qml.register_condition(lambda num_wires: num_wires == 2)
    @qml.register_resources({qml.CRX: 1})
    def two(x, wires):
        qml.CRX(x, wires)

    with qml.decomposition.local_decomps():
        qml.add_decomps(WireCounted, one, two)
        assert WireCounted(0.5, wires=0).has_decomposition
        assert WireCounted(0.5, wires=(0, 1)).has_decomposition
        assert not WireCounted(0.5, wires=(0, 1, 2)).has_decomposition
        [out] = WireCounted(0.5, wires=(0, 1)).decomposition()
        qml.assert_equal(out, qml.CRX(0.5, wires=(0, 1)))
        with pytest.raises(qml.operation.DecompositionUndefinedError):
            WireCounted(0.5, wires=(0, 1, 2)).decomposition()


# -- Evolution --------------------------------------------------------------------------------

def test_evolution_data_with_an_array_parameter():
    param = onp.array(1.234)
    op = qml.ops.op_math.Evolution(qml.X(0), param)
    assert op.data == (param,) and op.coeff == -1j * param and op.param == param
    op.data = (onp.array(2.345),)
    assert op.param == 2.345 and op.coeff == -2.345j
    expected = onp.cos(2.345) * onp.eye(2) - 1j * onp.sin(2.345) * X
    assert onp.allclose(op.matrix(), expected)


def test_evolution_pow_and_map_wires():
    op = qml.ops.op_math.Evolution(qml.Z(0), -0.5)
    powered = op.pow(2.5)
    assert type(powered) is qml.ops.op_math.Evolution and powered.param == -1.25
    assert onp.allclose(powered.matrix(), onp.diag(onp.exp(1j * 1.25 * onp.array([1, -1]))))
    moved = qml.evolve(qml.X(0) @ qml.Z(1), 0.3).map_wires({0: "a", 1: "b"})
    assert type(moved) is qml.ops.op_math.Evolution and moved.wires == qml.wires.Wires(["a", "b"])
    assert moved.param == 0.3


def test_evolution_generator_by_qml_generator():
    for base in (qml.s_prod(0.5, qml.X(0)), qml.adjoint(qml.Z(2))):
        gen, c = qml.generator(qml.ops.op_math.Evolution(base, 1))
        m = c * gen.matrix(wire_order=base.wires)
        assert onp.allclose(m, -base.matrix())  # U = exp(-i t B) = exp(i t G): G = -B
    with pytest.raises(qml.QuantumFunctionError, match="of operation Evolution is not hermitian"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            qml.generator(qml.ops.op_math.Evolution(qml.RX(onp.pi / 3, 0), 1))
    with pytest.warns(UserWarning, match="may not be hermitian"):
        qml.ops.op_math.Evolution(qml.s_prod(1j, qml.Identity(0)), 2).generator()


# -- a user's class that sets its own hyperparameters; Adjoint of a base without eigvals ------

def test_user_hyperparameters_reach_compute_decomposition():
    class FlipAndRotate(qml.operation.Operation):  # PennyLane's Operator docstring example
        grad_method = "A"

        def __init__(self, angle, wire_rot, wire_flip=None, do_flip=False, id=None):
            self._hyperparameters = {"do_flip": do_flip}
            super().__init__(angle, wires=qml.wires.Wires(wire_rot) + qml.wires.Wires(wire_flip),
                             id=id)

        num_params = property(lambda self: 1)

        @staticmethod
        def compute_decomposition(angle, wires, do_flip):
            return ([qml.PauliX(wires=wires[1])] if do_flip else []) + [qml.RX(angle, wires=wires[0])]

    op = FlipAndRotate(0.3, wire_rot="q1", wire_flip="q2", do_flip=True)
    assert [g.name for g in op.decomposition()] == ["PauliX", "RX"]
    dev = qml.device("default.qubit", wires=["q1", "q2"])

    @qml.qnode(dev)
    def circuit(angle, flip):
        FlipAndRotate(angle, wire_rot="q1", wire_flip="q2", do_flip=flip)
        return qml.expval(qml.PauliZ("q1")), qml.expval(qml.PauliZ("q2"))

    assert onp.allclose(circuit(0.7, True), [onp.cos(0.7), -1.0])
    assert onp.allclose(circuit(0.7, False), [onp.cos(0.7), 1.0])


def test_adjoint_of_a_base_without_eigenvalues():
    with pytest.raises(qml.operation.EigvalsUndefinedError, match="defines none"):
        qml.adjoint(qml.StatePrep(onp.array([1.0, 0.0]), wires=0)).eigvals()
    assert onp.allclose(qml.adjoint(qml.S(0)).eigvals(), [1, -1j])


def test_power_of_a_symbolic_operator_without_parameters():
    # (a symbolic operator's name, "Adjoint(CNOT**2)", is no gate of the table)
    inner = qml.adjoint(qml.pow(qml.CNOT([1, 0]), 2))  # CNOT^2 = I
    p = qml.pow(inner, 1.2)
    assert onp.allclose(p.matrix(), onp.eye(4))
    simplified = qml.pow(p, 5).simplify()
    assert isinstance(simplified, qml.Identity) and simplified.wires == qml.wires.Wires([1, 0])
    h = qml.pow(qml.adjoint(qml.pow(qml.Hadamard(0), 3)), 0.5)  # (H^3)^dagger = H
    hm = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    assert onp.allclose(h.matrix() @ h.matrix(), hm)


def test_symbolic_op_of_a_mid_circuit_measurement_is_refused():
    for mcm in (qml.ops.MidMeasure(0), qml.ops.PauliMeasure("XY", wires=[0, 1])):
        with pytest.raises(ValueError, match="Symbolic operators of mid-circuit"):
            qml.ops.op_math.SymbolicOp(mcm)


def test_map_wires_maps_a_user_operators_pauli_rep():
    class Dummy(qml.operation.Operator):
        num_wires = 3

    op = Dummy(wires=[0, 1, 2])
    op._pauli_rep = qml.pauli.PauliSentence({
        qml.pauli.PauliWord({0: "X", 1: "Y", 2: "Z"}): 1.1,
        qml.pauli.PauliWord({0: "Z", 1: "X", 2: "Y"}): 2.2})
    mapped = op.map_wires({0: 10, 1: 11, 2: 12})
    assert mapped is not op and op.wires == qml.wires.Wires([0, 1, 2])
    assert mapped.wires == qml.wires.Wires([10, 11, 12])
    assert mapped.pauli_rep is not op.pauli_rep
    assert mapped.pauli_rep == qml.pauli.PauliSentence({
        qml.pauli.PauliWord({10: "X", 11: "Y", 12: "Z"}): 1.1,
        qml.pauli.PauliWord({10: "Z", 11: "X", 12: "Y"}): 2.2})
    assert op.pauli_rep == qml.pauli.PauliSentence({
        qml.pauli.PauliWord({0: "X", 1: "Y", 2: "Z"}): 1.1,
        qml.pauli.PauliWord({0: "Z", 1: "X", 2: "Y"}): 2.2})
