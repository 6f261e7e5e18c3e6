"""Issue #18, stop 63 (pl63a): PennyLane 0.45.1 behaviours its own tests need, checked
against independent references (values worked out by hand, central finite differences,
the same circuit written with gate parameters, PennyLane's numbers from /work/plvenv).

A ``qml.QubitUnitary`` of a matrix autograd computes from the inputs, and
``qml.BlockEncode`` of a trainable matrix (PennyLane's test_controlled_decompositions::
test_decomposition_circuit_gradient, test_matrix_ops::test_blockencode_grad,
test_qsvt::test_QSVT_grad).
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import DifferentiationError


def _central(f, x, h=1e-6):
    """Central differences of the scalar or array function ``f`` at the array ``x``."""
    x = onp.asarray(x, dtype=float)
    cols = []
    for k in range(x.size):
        e = onp.zeros(x.size)
        e[k] = h
        e = e.reshape(x.shape)
        cols.append((onp.asarray(f(x + e)) - onp.asarray(f(x - e))) / (2 * h))
    return onp.stack(cols, axis=-1).reshape(onp.shape(f(x)) + x.shape)


DEV2 = qml.device("default.qubit", wires=2)


def test_blockencode_gradient_is_the_hand_derivative():
    """<Z> of BlockEncode(a) on one wire is a^2 - (1 - a^2) = 2a^2 - 1: d/da = 4a; on two
    wires with A = diag(a, b), <Z_0> = 2(a^2 + b^2)/2 ... PennyLane's 4 diag(a, 0)."""

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="backprop")
    def one(a):
        qml.BlockEncode(a, wires=[0])
        return qml.expval(qml.Z(0))

    assert float(qml.grad(one)(np.array(0.3))) == pytest.approx(1.2, abs=1e-12)

    @qml.qnode(DEV2, diff_method="backprop")
    def two(A):
        qml.BlockEncode(A, wires=[0, 1])
        return qml.expval(qml.Z(0))

    g = qml.grad(two)(np.diag([0.2, 0.3]))
    assert onp.allclose(g, [[0.8, 0.0], [0.0, 0.0]], atol=1e-12)


def test_qubit_unitary_of_an_autograd_matrix_is_differentiated_exactly():
    """QubitUnitary(Rot.compute_matrix(*p)) followed by gates: the Jacobian of every exact
    method is the one of the same circuit written with qml.Rot(*p) (compiled shift rules)
    and the central differences; PennyLane 0.45.1 gives -0.0621470308 and 0.0322423626."""

    def by_matrix(p):
        qml.QubitUnitary(qml.Rot.compute_matrix(*p), wires=[0])
        qml.RX(0.3, wires=0)
        return qml.probs(wires=0)

    def by_gate(p):
        qml.Rot(*p, wires=0)
        qml.RX(0.3, wires=0)
        return qml.probs(wires=0)

    par = np.array([0.123, 0.234, 0.345])
    ref = qml.jacobian(qml.QNode(by_gate, DEV2))(par)
    assert onp.allclose(ref[0, 1:], [-0.0621470308, 0.0322423626], atol=1e-9)  # PennyLane's
    for method in ("adjoint", "backprop", "parameter-shift"):
        node = qml.QNode(by_matrix, DEV2, diff_method=method)
        jac = qml.jacobian(node)(par)
        assert onp.allclose(jac, ref, atol=1e-12), method
    fd = _central(lambda p: qml.QNode(by_matrix, DEV2)(np.array(p, requires_grad=False)), par)
    assert onp.allclose(ref, fd, atol=1e-8)

    def noisy(p, gate):  # default.mixed: its density matrix under autograd (PennyLane: NaN)
        qml.Rot(*p, wires=0) if gate else qml.QubitUnitary(qml.Rot.compute_matrix(*p), wires=0)
        qml.AmplitudeDamping(0.2, wires=0)
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(1))

    with qml.Tracker(DEV2) as tracker:  # PennyLane's backprop: one circuit run, recorded
        qml.grad(lambda p: qml.QNode(by_matrix, DEV2)(p)[0])(par)
    assert tracker.totals == {"batches": 1, "simulations": 1, "executions": 1}

    mixed = qml.device("default.mixed", wires=2)
    ref = qml.jacobian(qml.QNode(lambda p: noisy(p, True), mixed))(par)
    jac = qml.jacobian(qml.QNode(lambda p: noisy(p, False), mixed))(par)
    assert onp.allclose(jac, ref, atol=1e-12) and not onp.allclose(ref, 0)


def test_ctrl_decomp_zyz_and_adjoint_of_an_autograd_matrix():
    """ctrl_decomp_zyz of QubitUnitary(Rot matrix) with the controls set, and the adjoint
    of such a gate: the derivative of the same circuit with qml.ctrl(qml.Rot) / the inverse
    angles (compiled), not a zero (the angles keep autograd's values)."""
    from qsym.ops import ctrl_decomp_zyz

    dev = qml.device("default.qubit", wires=3)

    def by_matrix(p):
        qml.X(1)
        qml.X(2)
        qml.Hadamard(0)
        ctrl_decomp_zyz(qml.QubitUnitary(qml.Rot.compute_matrix(*p), wires=[0]),
                        control_wires=[1, 2])
        qml.adjoint(qml.QubitUnitary(qml.RY.compute_matrix(p[0]), wires=[1]))
        return qml.expval(qml.Z(0) @ qml.Z(1))

    def by_gate(p):
        qml.X(1)
        qml.X(2)
        qml.Hadamard(0)
        qml.ctrl(qml.Rot(*p, wires=0), control=[1, 2])
        qml.RY(-p[0], wires=1)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    par = np.array([0.4, -0.7, 1.1])
    ref = qml.grad(qml.QNode(by_gate, dev))(par)
    assert not onp.allclose(ref, 0)
    for method in ("adjoint", "backprop"):
        g = qml.grad(qml.QNode(by_matrix, dev, diff_method=method))(par)
        assert onp.allclose(g, ref, atol=1e-10), method


def test_qsvt_of_a_trainable_block_encoding_against_finite_differences():
    """PennyLane's test_QSVT_grad (an odd number of projectors: U^dagger appears, its
    matrix keeps autograd's values), against central differences of the values."""

    @qml.qnode(DEV2)
    def circuit(A, phis):
        qml.QSVT(qml.BlockEncode(A, wires=[0, 1]),
                 [qml.PCPhase(phi, 2, wires=[0, 1]) for phi in phis])
        return qml.expval(qml.Z(0))

    A = np.array([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
    phis = np.array([0.1, 0.2, 0.3], requires_grad=True)
    gA, gphi = qml.grad(circuit)(A, phis)
    fdA = _central(lambda a: circuit(np.array(a, requires_grad=False), phis), A)
    fdphi = _central(lambda f: circuit(A, np.array(f, requires_grad=False)), phis)
    assert onp.allclose(gA, fdA, atol=1e-8) and not onp.allclose(gA, 0)
    assert onp.allclose(gphi, fdphi, atol=1e-8)


def test_autograd_matrix_refusals_name_the_case():
    """Where the matrix's numbers would drop the derivative: a specific error, never a
    number (sampled tape; a power of the gate)."""

    def sampled(p):
        qml.QubitUnitary(qml.RY.compute_matrix(p[0]), wires=[0])
        return qml.expval(qml.Z(0))

    node = qml.set_shots(qml.QNode(sampled, DEV2), shots=100)
    with pytest.raises(DifferentiationError, match="shots=None"):
        qml.grad(node)(np.array([0.3]))

    def powered(p):
        qml.pow(qml.QubitUnitary(qml.RY.compute_matrix(p[0]), wires=[0]), 2)
        return qml.expval(qml.Z(0))

    with pytest.raises(DifferentiationError, match="a power"):
        qml.grad(qml.QNode(powered, DEV2))(np.array([0.3]))

    # a matrix of an outer derivative read from a closure inside a QNode's trace: refused
    # as every closure value is (its numbers there would be a constant: a zero derivative)
    held = {}

    @qml.qnode(DEV2)
    def closure():
        qml.QubitUnitary(held["U"], wires=0)
        return qml.expval(qml.Z(0))

    def outer(x):
        held["U"] = qml.RY.compute_matrix(x)
        return closure()

    with pytest.raises(DifferentiationError, match="closure"):
        qml.grad(outer)(np.array(0.4))


def test_metric_tensor_of_a_qnode_is_a_transformed_qnode():
    """PennyLane 0.45: qml.metric_tensor(qnode) is a QNode whose pipeline ends with the
    metric_tensor transform (noise/test_add_noise::test_add_noise_level_with_final); its
    call is the tensor: PennyLane's numbers (/work/plvenv, block-diag (1, 0.27326809), full
    (1, 0.46088698)); transforms before it are part of its circuit."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x, y):
        qml.RX(2 * x, wires=0)
        qml.RY(y, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RZ(y, wires=1)
        return qml.expval(qml.Z(0))

    mt = qml.metric_tensor(c, approx="block-diag")
    assert isinstance(mt, qml.QNode)
    assert mt.compile_pipeline[-1].tape_transform is qml.metric_tensor.tape_transform
    assert mt.compile_pipeline[-1].kwargs == {"approx": "block-diag", "device_wires": dev.wires}
    x, y = np.array(0.5), np.array(0.6)
    assert onp.allclose(mt(x, y), (1.0, 0.27326809), atol=1e-8)
    inner = qml.transforms.cancel_inverses(c)
    assert onp.allclose(qml.metric_tensor(inner)(x, y), (1.0, 0.46088698), atol=1e-8)

    @qml.qnode(dev)
    def two(w):
        qml.RX(w[0], 0)
        qml.RY(w[1], 0)
        return qml.expval(qml.Z(0))

    adj = qml.adjoint_metric_tensor(two)  # a transformed QNode too, PennyLane 0.45's
    assert isinstance(adj, qml.QNode)
    assert adj.compile_pipeline[-1].tape_transform is qml.adjoint_metric_tensor.tape_transform
    w = np.array([0.54, 0.12])  # by hand: diag(1/4, cos(0.54)^2 / 4)
    assert onp.allclose(adj(w), onp.diag([0.25, onp.cos(0.54) ** 2 / 4]), atol=1e-12)

    noisy = qml.noise.add_noise(mt, qml.NoiseModel(
        {qml.noise.op_eq(qml.RX): qml.noise.partial_wires(qml.PhaseDamping, 0.4)}))
    assert len(noisy.compile_pipeline) == len(mt.compile_pipeline) + 1


def test_prod_of_several_functions_is_pennylanes_attribute_error():
    """ops/op_math/test_prod::test_qfunc_init_only_works_with_one_qfunc: one quantum
    function is a product of what it queues; among several operands PennyLane reads the
    function's wires (AttributeError)."""
    from qsym.ops import prod

    def qfunc():
        qml.Hadamard(0)
        qml.CNOT([0, 1])

    def fn2():
        qml.X(0)

    assert qml.equal(prod(qfunc)(), prod(qml.CNOT([0, 1]), qml.Hadamard(0)))
    for args in [(qfunc, fn2), (qfunc, qml.PauliX), (qml.PauliX, qfunc)]:
        with pytest.raises(AttributeError, match="has no attribute 'wires'"):
            prod(*args)


def test_generator_of_an_evolution_of_a_power_of_a_sum():
    """ops/op_math/test_evolution::test_generator_not_observable_class: Evolution(base, 1)
    is exp(i base) = exp(-i (-base)): its generator is -1 times the base (by hand), the
    base ``(X(0) + Y(1))**1`` too (was a GateError taking its gates)."""
    from qsym.ops import Evolution

    for base in [qml.pow(qml.X(0) + qml.Y(1)), qml.adjoint(qml.Z(2)), qml.s_prod(0.5, qml.X(0))]:
        gen, c = qml.generator(Evolution(base, 1))
        assert qml.equal(gen if c == 1 else qml.s_prod(c, gen), qml.s_prod(-1, base))


def test_assert_valid_says_data_must_be_a_tuple():
    """ops/functions/test_assert_valid::test_data_is_tuple: a user's class assigning a list
    to op.data (PennyLane keeps the list) fails the first check, not the pickle one."""
    from qsym.operation import Operator

    class BadData(Operator):
        num_params = 1

        def __init__(self, x, wires):
            super().__init__(x, wires)
            self.data = [x]

    with pytest.raises(AssertionError, match=r"op.data must be a tuple"):
        qml.ops.functions.assert_valid(BadData(2.0, wires=0))


def test_qutrit_stand_ins_have_num_wires_and_queue_in_a_users_queue():
    """gradients/parameter_shift::TestGetOperationRecipe with qml.TRX: PennyLane's
    num_wires (TRX 1, TAdd 2, QutritUnitary any: None), a subclass's custom recipe read
    from a user's queue (the recipe of generate_shift_rule, PennyLane's numbers), and a
    tape holding one still refused where it runs."""
    from qsym.gradients.parameter_shift import _get_operation_recipe

    assert (qml.TRX.num_wires, qml.TAdd.num_wires, qml.QutritUnitary.num_wires) == (1, 2, None)
    c, s = qml.gradients.generate_shift_rule((0.5, 1), shifts=(0.4, 0.8)).T

    class DummyOp(qml.TRX):
        grad_recipe = (list(zip(c, onp.ones_like(c), s)),)

    with qml.queuing.AnnotatedQueue() as q:
        DummyOp(0.2, wires=list(range(DummyOp.num_wires)))
    tape = qml.tape.QuantumScript.from_queue(q)
    recipe = _get_operation_recipe(tape, 0, shifts=(0.4, 0.8), order=1)
    assert onp.allclose(recipe[:, 0], c) and onp.allclose(recipe[:, 2], s)
    # the second order: the recipe iterated, shifts reduced by TRX's period (PennyLane's
    # parameter_frequencies (0.5, 1): 4 pi), so the four terms of the order-2 rule
    c1, s1 = qml.gradients.generate_shift_rule((0.5, 1)).T

    class Default(qml.TRX):
        grad_recipe = (list(zip(c1, onp.ones_like(c1), s1)),)

    with qml.queuing.AnnotatedQueue() as q:
        Default(0.2, wires=[0])
    c2, s2 = qml.gradients.generate_shift_rule((0.5, 1), order=2).T
    recipe2 = _get_operation_recipe(qml.tape.QuantumScript.from_queue(q), 0, None, order=2)
    assert onp.allclose(recipe2[:, 0], c2) and onp.allclose(recipe2[:, 2], s2)
    tape = qml.tape.QuantumScript(tape.operations, [qml.expval(qml.Z(0))])
    with pytest.raises(qml.GateError, match="qutrit"):
        qml.execute([tape], qml.device("default.qubit", wires=1))


def test_a_preprocess_assigned_to_a_device_instance_decides_its_tapes():
    """resource/test_error::test_tracker: null.qubit with an empty preprocess assigned to
    the instance receives the TrotterProducts themselves, so the tracker records their
    error (PennyLane 0.45.1 in /work/plvenv: SpectralNormError 0.42998560822421455)."""
    H = qml.dot([1.0, -0.5], [qml.X(0) @ qml.Y(1), qml.Y(0) @ qml.Y(1)])

    def preprocess(execution_config=None):
        return qml.CompilePipeline(), execution_config

    dev = qml.device("null.qubit", wires=2)
    dev.preprocess = preprocess

    @qml.qnode(dev)
    def circuit():
        qml.TrotterProduct(H, time=1.0, n=4, order=2)
        qml.TrotterProduct(H, time=1.0, n=4, order=4)
        return qml.state()

    with qml.Tracker(dev) as tracker:
        circuit()
    assert tracker.latest["errors"]["SpectralNormError"].error == pytest.approx(
        0.42998560822421455, rel=1e-12)
