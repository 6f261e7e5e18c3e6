"""PennyLane 0.45 names whose absence stopped PennyLane's test files at import (issue #18):
``qml.operation.StatePrepBase``, ``qml.math.matrix_manipulation._permute_dense_matrix``,
``qml.measurements.NullMeasurement``. Expected values are written by hand from PennyLane's
documented semantics."""

import numpy as np
import pytest

import qsym as qml
from qsym.errors import MeasurementError


# --- StatePrepBase ----------------------------------------------------------------------------
def test_state_prep_base_importable_and_an_operation():
    from qsym.operation import Channel, Operation, Operator, StatePrepBase  # noqa: F401

    assert issubclass(StatePrepBase, Operation)
    assert issubclass(StatePrepBase, Operator)


@pytest.mark.parametrize("make", [
    lambda: qml.StatePrep([0.6, 0.8], wires=0),
    lambda: qml.BasisState([1, 0], wires=[0, 1]),
    lambda: qml.AmplitudeEmbedding([1.0, 0.0], wires=0),
    lambda: qml.CosineWindow(wires=[0, 1]),
])
def test_state_preparations_are_state_prep_base(make):
    from qsym.operation import StatePrepBase

    assert isinstance(make(), StatePrepBase)


@pytest.mark.parametrize("op", [qml.RX(0.1, wires=0), qml.X(0), qml.QFT(wires=[0, 1])])
def test_other_operators_are_not_state_prep_base(op):
    assert not isinstance(op, qml.operation.StatePrepBase)


def test_state_prep_base_subclass():
    StatePrepBase = qml.operation.StatePrepBase

    class Incomplete(StatePrepBase):
        num_wires = 1

    with pytest.raises(TypeError):  # state_vector is abstract
        Incomplete(wires=0)

    class One(StatePrepBase):
        num_wires = 1

        def state_vector(self, wire_order=None):
            return np.array([0.0, 1.0])

    op = One(wires=0)
    assert op.label() == "|Ψ⟩"
    assert op.grad_method is None
    assert op.state_vector().tolist() == [0.0, 1.0]


# --- _permute_dense_matrix -------------------------------------------------------------------
CNOT01 = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
# CNOT with control wire 0, target 1, written on the wire order [1, 0] (index 2*b1 + b0):
# |b1 b0> = |0 1> -> |1 1>, i.e. columns 1 and 3 swap
CNOT01_ON_10 = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])


def test_permute_dense_matrix_two_wires():
    from qsym.math.matrix_manipulation import _permute_dense_matrix

    assert np.array_equal(_permute_dense_matrix(CNOT01, [0, 1], [1, 0], None), CNOT01_ON_10)


def test_permute_dense_matrix_same_order_is_identity():
    from qsym.math.matrix_manipulation import _permute_dense_matrix

    assert _permute_dense_matrix(CNOT01, [0, 1], [0, 1], None) is CNOT01


def test_permute_dense_matrix_three_wires_kron():
    from qsym.math.matrix_manipulation import _permute_dense_matrix

    X, Z, I = np.array([[0, 1], [1, 0]]), np.diag([1, -1]), np.eye(2)
    m = np.kron(X, np.kron(I, Z))  # X on "a", I on "b", Z on "c"
    expected = np.kron(Z, np.kron(X, I))  # order c, a, b
    out = _permute_dense_matrix(m, ["a", "b", "c"], ["c", "a", "b"], None)
    assert np.array_equal(out, expected)


def test_permute_dense_matrix_batched():
    from qsym.math.matrix_manipulation import _permute_dense_matrix

    batch = np.stack([CNOT01, np.eye(4)])
    out = _permute_dense_matrix(batch, [0, 1], [1, 0], 2)
    assert out.shape == (2, 4, 4)
    assert np.array_equal(out[0], CNOT01_ON_10)
    assert np.array_equal(out[1], np.eye(4))


def test_permute_dense_matrix_qutrits():
    from qsym.math.matrix_manipulation import _permute_dense_matrix

    a, b = np.diag([1, 2, 3]), np.diag([5, 7, 11])
    out = _permute_dense_matrix(np.kron(a, b), [0, 1], [1, 0], None, qudit_dim=3)
    assert np.array_equal(out, np.kron(b, a))


# --- NullMeasurement -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method", ["process_density_matrix", "process_state", "process_counts", "process_samples"])
def test_null_measurement_process_methods(method):
    from qsym.measurements.null_measurement import NullMeasurement

    out = getattr(NullMeasurement(), method)()
    assert np.isnan(out)
    assert out.shape == ()
    assert out.dtype == np.float64


def test_null_measurement_shape_and_type():
    mp = qml.measurements.NullMeasurement()
    assert mp.shape() == ()
    assert mp.numeric_type is float
    assert mp._abstract_eval() == ((), float)
    assert isinstance(mp, qml.measurements.MeasurementProcess)


def test_null_measurement_in_a_qnode_is_refused():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.RX(x, 0)
        return qml.measurements.NullMeasurement()

    with pytest.raises(MeasurementError, match="NullMeasurement"):
        c(0.5)


# --- StateMP.process_state with wire_order=None ----------------------------------------------
def test_state_mp_process_state_without_wire_order():
    """PennyLane: a state measurement of every wire returns the state as given, complex."""
    vec = np.array([0.48j, 0.48, -0.64j, 0.36])
    out = qml.measurements.StateMP(wires=None).process_state(vec, None)
    assert np.array_equal(out, vec)
    real = qml.measurements.StateMP(wires=None).process_state(np.array([0.0, 0.0, 0.0, 1.0]), None)
    assert real.dtype == np.complex128 and real.tolist() == [0, 0, 0, 1]


# --- param_shift(broadcast=True) of a shot-vector tape: one Jacobian per shot copy ---------
@pytest.mark.parametrize("broadcast", [False, True])
def test_param_shift_shot_vector_entries_per_copy(broadcast):
    """PennyLane: a tape with shots (a, b, c) gives a tuple of three Jacobians; for one
    parameter and one expval each is a 0-d ndarray, here d<Z>/dx = -sin(x) of RX(x)|0>."""
    x = 0.7
    tape = qml.tape.QuantumScript([qml.RX(x, wires=0)], [qml.expval(qml.Z(0))],
                                  shots=(20000, 20000, 40000))
    tapes, fn = qml.gradients.param_shift(tape, broadcast=broadcast)
    assert len(tapes) == (1 if broadcast else 2)
    res = fn(qml.device("default.qubit", wires=1, seed=7).execute(tapes))
    assert isinstance(res, tuple) and len(res) == 3
    for r in res:
        assert isinstance(r, np.ndarray) and r.shape == ()
        assert abs(float(r) + np.sin(x)) < 0.05


# --- param_shift(broadcast=True) of variances: one broadcast tape per parameter -------------
def test_param_shift_broadcast_variance_involutory():
    """var(X) after RY(x)|0> is 1 - sin(x)^2 = cos(x)^2, derivative -sin(2x); X squares to I,
    so PennyLane runs the unshifted tape and one broadcast tape."""
    x = 0.4
    tape = qml.tape.QuantumScript([qml.RY(x, 0)], [qml.var(qml.X(0))])
    tapes, fn = qml.gradients.param_shift(tape, broadcast=True)
    assert len(tapes) == 2 and tapes[1].batch_size == 2
    assert np.isclose(fn(qml.device("default.qubit", wires=1).execute(tapes)), -np.sin(2 * x))


def test_param_shift_broadcast_variance_non_involutory():
    """A = diag(1, 2) after RX(x)|0>: p1 = sin(x/2)^2, var = p1 (1 - p1) = sin(x)^2 / 4,
    derivative sin(2x) / 4; <A> and <A^2> each take one broadcast tape. (The Hermitian's
    matrix is a tape parameter too, as in PennyLane: only the gate's is differentiated.)"""
    x = 0.4
    tape = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.var(qml.Hermitian(np.diag([1.0, 2.0]), 0))],
                                  trainable_params=[0])
    tapes, fn = qml.gradients.param_shift(tape, broadcast=True)
    assert len(tapes) == 3
    assert np.isclose(fn(qml.device("default.qubit", wires=1).execute(tapes)), np.sin(2 * x) / 4)


def test_param_shift_broadcast_variance_shot_vector():
    x = 0.4
    tape = qml.tape.QuantumScript([qml.RY(x, 0)], [qml.var(qml.X(0))], shots=(20000, 40000))
    tapes, fn = qml.gradients.param_shift(tape, broadcast=True)
    res = fn(qml.device("default.qubit", wires=1, seed=11).execute(tapes))
    assert isinstance(res, tuple) and len(res) == 2
    assert all(abs(float(r) + np.sin(2 * x)) < 0.05 for r in res)


def test_numpy_tensor_module_and_exception_names():
    from autograd.numpy.numpy_boxes import ArrayBox

    from qsym.exceptions import NonDifferentiableError
    from qsym.numpy.tensor import tensor, tensor_to_arraybox
    from qsym.ops.op_math.condition import Conditional

    import qsym as qml
    from qsym import numpy as np

    assert tensor is np.tensor and Conditional is qml.ops.Conditional
    assert isinstance(tensor_to_arraybox(np.array([1.0]), None, None), ArrayBox)
    with pytest.raises(NonDifferentiableError, match="non-differentiable"):
        tensor_to_arraybox(np.array([1.0], requires_grad=False), None, None)
    with pytest.raises(NonDifferentiableError):  # the same class qml.grad raises
        qml.grad(lambda x: np.sum(np.sin(x)), argnum=[0])(np.array([0.0, 1.0], requires_grad=False))


@pytest.mark.parametrize("make", [
    lambda t: __import__("qsym").RX(t, wires=0),
    lambda t: __import__("qsym").CRY(t, wires=[1, 0]),
    lambda t: __import__("qsym").IsingXY(t, wires=[0, 1]),
    lambda t: __import__("qsym").PhaseShift(t, wires="a"),
])
def test_operation_derivative_is_the_central_difference_of_the_matrix(make):
    import numpy as onp

    import qsym as qml
    from qsym.operation import operation_derivative

    t, h = 0.37, 1e-6
    fd = (qml.matrix(make(t + h)) - qml.matrix(make(t - h))) / (2 * h)
    assert onp.allclose(operation_derivative(make(t)), fd, atol=1e-8)
    assert qml.operation.expand_matrix is qml.math.expand_matrix


def test_wires_follow_pennylane_semantics_and_messages():
    from qsym.errors import WireError
    from qsym.wires import Wires

    with pytest.raises(TypeError, match="Must specify a set of wires"):
        Wires(None)
    with pytest.raises(WireError, match="Wires must be unique"):
        Wires([4, 1, 1])
    with pytest.raises(WireError, match="Wires must be hashable"):
        Wires([[0, 1], [2]])
    with pytest.raises(WireError, match="Wires must be hashable"):  # a 0-d array
        Wires(np.array(0.0))
    assert Wires(np.array([0, 1])) == Wires([0, 1]) and Wires(np.int64(3)) == Wires([3])
    w = Wires([4, 0, 1, 5, 6])
    assert w.index(Wires([0])) == 1
    with pytest.raises(WireError, match="Can only retrieve index"):
        w.index(Wires([0, 1]))
    with pytest.raises(WireError, match="Wire with label d not found"):
        w.index("d")
    assert w.subset([2, 3, 0]) == Wires([1, 5, 4])
    assert w.subset([4, 5, 7], periodic_boundary=True) == Wires([6, 4, 1])
    with pytest.raises(WireError, match="Cannot subset wire at index 10"):
        w.subset([10])
    # only a Wires object is contained; a Wires label is one label
    nested = Wires([0, 1, Wires([4, 5])])
    assert nested.contains_wires(Wires([1, 0])) and nested.contains_wires(Wires([Wires([4, 5])]))
    assert not nested.contains_wires(0) and not nested.contains_wires(Wires([4, 5]))
    assert Wires([-1, 1]).map({1: "c", -1: 1, "d": "e"}) == Wires([1, "c"])
    with pytest.raises(WireError, match="No mapping for wire label 0"):
        Wires([0, 1]).map({1: 2})
    with pytest.raises(WireError, match="Failed to implement wire map"):
        Wires([0, 1]).map({0: "a", 1: "a"})
    picked = w.select_random(3, seed=7)
    assert len(picked) == 3 and set(picked) <= set(w) and picked == w.select_random(3, seed=7)
    with pytest.raises(WireError, match="Cannot sample 6 wires from 5 wires"):
        w.select_random(6)
    assert Wires.shared_wires([Wires([4, 0, 1]), Wires([3, 0, 4])]) == Wires([4, 0])
    assert Wires.unique_wires([Wires([4, 0, 1]), Wires([3, 0, 4])]) == Wires([1, 3])
    with pytest.raises(WireError, match="Expected a Wires object"):
        Wires.shared_wires([[3, 4], [8, 5]])


def test_every_exception_name_of_pennylane_0_45():
    import qsym as qml
    from qsym import exceptions

    names = ("AllocationError", "CaptureError", "ConditionalTransformError", "TermsUndefinedError",
             "DiagGatesUndefinedError", "ResourcesUndefinedError", "ExperimentalWarning",
             "AutoGraphWarning", "CaptureWarning", "AutoGraphError", "CompileError",
             "InvalidCapabilitiesError", "NonDifferentiableError")
    for name in names:
        assert issubclass(getattr(exceptions, name), BaseException)
    assert issubclass(exceptions.AllocationError, RuntimeError)
    assert issubclass(exceptions.ExperimentalWarning, UserWarning)
    # an operator with no diagonalizing gates: PennyLane's class, still qsym's GateError
    with pytest.raises(exceptions.DiagGatesUndefinedError) as info:
        qml.RX.compute_diagonalizing_gates(0.1, wires=[0])  # (GlobalPhase has: [])
    assert isinstance(info.value, qml.GateError)
    assert isinstance(info.value, exceptions.OperatorPropertyUndefined)


# --- PennyLane's names of what qsym defines elsewhere (qsym._PENNYLANE_ALIASES) -----------------
def test_ops_namespace_holds_the_state_preparations_templates_and_op_functions():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.ops.StatePrep(np.array([0.6, 0.0, 0.0, 0.8]), wires=[0, 1])
        qml.ops.adjoint(qml.ops.prod(qml.X(0), qml.X(1)))
        return qml.probs(wires=[0, 1])

    # X⊗X maps |00> -> |11>, |11> -> |00>: probabilities 0.36 and 0.64 swapped
    assert np.allclose(circuit(), [0.64, 0.0, 0.0, 0.36])
    assert qml.ops.sum(qml.X(0), qml.Z(0)).matrix().tolist() == [[1, 1], [1, -1]]
    assert "StatePrep" in qml.ops.__all__ and "BasisState" in qml.ops.__all__
    for name in ("Snapshot", "Barrier", "WireCut", "BlockEncode", "SpecialUnitary"):
        assert isinstance(getattr(qml.ops, name), type)
    assert qml.ops.TRX is qml.TRX  # PennyLane's qutrit names: the same refusal as qml.TRX

    @qml.qnode(qml.device("default.qubit", wires=1))
    def qutrit():
        qml.ops.TRX(0.1, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.errors.GateError, match="qutrit"):
        qutrit()


def test_templates_and_top_level_aliases():
    assert qml.templates.Interferometer is qml.Interferometer
    assert qml.templates.ControlledSequence is qml.ControlledSequence
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    folded, _ = qml.fold_global(tape, 3)  # U U† U: three gates, the same value
    assert [op.name for op in folded[0].operations] == ["RX", "Adjoint(RX)", "RX"]
    assert qml.version() == qml.__version__
    assert qml.workflow.execute is qml.execute


@pytest.mark.parametrize("make", [
    lambda: qml.QFT(wires=[0, 1]), lambda: qml.StatePrep([0.6, 0.8], wires=0),
    lambda: qml.AngleEmbedding([0.1], wires=[0]), lambda: qml.Snapshot(),
    lambda: qml.Barrier(wires=0), lambda: qml.ops.MidMeasure(0),
])
def test_templates_records_and_mid_measures_are_operators(make):
    assert isinstance(make(), qml.operation.Operator)


def test_operator_check_refuses_measurements_and_values():
    assert not isinstance(qml.expval(qml.Z(0)), qml.operation.Operator)
    assert not isinstance(0.5, qml.operation.Operator)
    assert issubclass(qml.QFT, qml.operation.Operator) and not issubclass(int, qml.operation.Operator)


def test_marginal_prob_by_hand_and_its_gradient():
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.05, 0.1, 0.04, 0.06])  # p[b0 b1 b2], b0 most significant
    # wire 2 (last): sum over b0, b1 of p[.., .., b2]
    assert np.allclose(qml.math.marginal_prob(p, [2]), [0.1 + 0.3 + 0.05 + 0.04, 0.2 + 0.15 + 0.1 + 0.06])
    # wires 0 and 2
    assert np.allclose(qml.math.marginal_prob(p, [0, 2]), [0.4, 0.35, 0.09, 0.16])
    assert np.allclose(qml.math.marginal_prob(p, [0, 1, 2]), p)  # every axis: the distribution
    with pytest.raises(ValueError, match="2\\*\\*N"):
        qml.math.marginal_prob(np.ones(3) / 3, [0])
    x = qml.numpy.array(p, requires_grad=True)
    jac = qml.jacobian(lambda v: qml.math.marginal_prob(v, [1]))(x)
    expected = np.array([[1, 1, 0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0, 1, 1]], dtype=float)
    assert np.allclose(jac, expected)


def test_scatter_zeros_with_values_summed_at_indices_and_differentiable():
    assert qml.math.scatter(np.array([4, 3, 1, 7]), np.array([9, 10, 11, 12]), 8).tolist() == \
        [0, 11, 0, 10, 9, 0, 0, 12]
    assert qml.math.scatter([1, 1], np.array([2.0, 3.0]), 3).tolist() == [0.0, 5.0, 0.0]
    assert qml.math.scatter([[0, 1], [1, 0]], np.array([1.0, 2.0]), (2, 2)).tolist() == \
        [[0.0, 1.0], [2.0, 0.0]]
    v = qml.numpy.array([1.0, 2.0], requires_grad=True)
    jac = qml.jacobian(lambda a: qml.math.scatter([2, 0], a, 3))(v)
    assert np.allclose(jac, [[0, 1], [0, 0], [1, 0]])


def test_get_deep_interface():
    assert qml.math.get_deep_interface([[qml.numpy.array(1.0)], [2.0]]) == "autograd"
    assert qml.math.get_deep_interface(([1.0, 2.0],)) == "numpy"
    assert qml.math.get_deep_interface([]) == "numpy"


def test_equal_templates_hash_equal_and_dedupe_in_sets():
    a, b = qml.QFT(wires=[0, 1]), qml.QFT(wires=[0, 1])
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    c = qml.AngleEmbedding([0.1, 0.2], wires=[0, 1])
    d = qml.AngleEmbedding([0.1, 0.2], wires=[0, 1])
    e = qml.AngleEmbedding([0.1, 0.3], wires=[0, 1])
    assert c == d and c.hash == d.hash
    assert c != e and len({c, d, e}) == 2
    assert qml.QFT(wires=[1, 0]) != a and len({a, qml.QFT(wires=[1, 0])}) == 2
