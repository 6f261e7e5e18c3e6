"""qml.metric_tensor and qml.QNGOptimizer.

References, none computed by qsym.natural_gradient:
- numbers published in PennyLane's documentation (metric_tensor and QNGOptimizer docstrings);
- the block-diagonal built by hand from variances and covariances of the layer generators,
  measured with ordinary compiled QNodes (PennyLane's QNG tutorial's construction);
- the full tensor from central finite differences of the compiled ``qml.state()``.
"""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _four_weight_circuit():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(weights):
        qml.RX(weights[0], wires=0)
        qml.RY(weights[1], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RZ(weights[2], wires=1)
        qml.RZ(weights[3], wires=0)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)), qml.expval(qml.PauliY(1))

    return circuit


def test_full_and_block_diag_match_pennylane_docs():
    circuit = _four_weight_circuit()
    w = np.array([0.1, 0.2, 0.4, 0.5], requires_grad=True)
    full = qml.metric_tensor(circuit)(w)
    expected_full = [[0.25, 0.0, -0.0497, -0.0497], [0.0, 0.2475, 0.0243, 0.0243],
                     [-0.0497, 0.0243, 0.0123, 0.0123], [-0.0497, 0.0243, 0.0123, 0.0123]]
    onp.testing.assert_allclose(full, expected_full, atol=5e-5)
    block = qml.metric_tensor(circuit, approx="block-diag")(w)
    expected_block = [[0.25, 0, 0, 0], [0, 0.2475, 0, 0], [0, 0, 0.0123, 0.0123],
                      [0, 0, 0.0123, 0.0123]]
    onp.testing.assert_allclose(block, expected_block, atol=5e-5)
    diag = qml.metric_tensor(circuit, approx="diag")(w)
    onp.testing.assert_allclose(diag, onp.diag(onp.diag(expected_block)), atol=5e-5)


def test_argnum_counts_tape_parameters_in_circuit_order():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(weights):
        qml.RX(weights[1], wires=0)
        qml.RY(weights[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RZ(weights[2], wires=1)
        qml.RZ(weights[3], wires=0)
        return qml.expval(qml.PauliZ(0))

    mt = qml.metric_tensor(circuit, argnum=(0, 2, 3))(np.array([0.1, 0.2, 0.4, 0.5]))
    expected = [[0, 0, 0, 0], [0, 0.25, -0.02495835, -0.02495835],
                [0, -0.02495835, 0.01226071, 0.01226071],
                [0, -0.02495835, 0.01226071, 0.01226071]]
    onp.testing.assert_allclose(mt, expected, atol=1e-8)
    with pytest.raises(qml.ArgumentError, match="tape parameters"):
        qml.metric_tensor(circuit, argnum=(7,))(np.array([0.1, 0.2, 0.4, 0.5]))


def test_classical_processing_and_several_arguments():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x, y):
        qml.RX(2 * x, wires=0)
        qml.RY(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    x, y = np.array(0.5), np.array(0.6)
    mx, my = qml.metric_tensor(c)(x, y)
    assert onp.shape(mx) == () and onp.shape(my) == ()
    assert abs(float(mx) - 1.0) < 1e-12  # (d 2x/dx)^2 * 1/4
    assert abs(float(my) - 0.07298165) < 1e-8
    gate = qml.metric_tensor(c, hybrid=False)(x, y)
    onp.testing.assert_allclose(gate, [[0.25, 0.0], [0.0, 0.07298165]], atol=1e-8)



@pytest.mark.parametrize("approx", [None, "block-diag", "diag"])
def test_one_scalar_used_once_gives_pennylanes_one_by_one_tensor(approx):
    # PennyLane 0.45 (its classical Jacobian is the identity: the tape's tensor is
    # returned, shape (1, 1)); any classical processing gives the contracted scalar.
    # Expected: RX on |0> has generator X/2, variance 1/4; RX(2x): 4 * 1/4.
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def once(x):
        qml.RX(x, wires=0)
        qml.RY(0.2, wires=1)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def scaled(x):
        qml.RX(2 * x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.3, requires_grad=True)
    g = qml.metric_tensor(once, approx=approx)(x)
    assert onp.shape(g) == (1, 1) and abs(float(g[0, 0]) - 0.25) < 1e-12
    g2 = qml.metric_tensor(scaled, approx=approx)(x)
    assert onp.shape(g2) == () and abs(float(g2) - 1.0) < 1e-12
    # a second, non-trainable argument does not change it; the QNG step stays a scalar
    opt = qml.QNGOptimizer(0.1, approx=approx or "block-diag")
    new = opt.step(once, x)
    assert onp.shape(new) == ()
    # x - 0.1 * g^-1 * dC/dx, dC/dx = -sin(x), g = 1/4
    assert abs(float(new) - (0.3 + 0.1 * 4 * onp.sin(0.3))) < 1e-12

def _tutorial_circuit():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(params):
        qml.RY(onp.pi / 4, wires=0)
        qml.RY(onp.pi / 3, wires=1)
        qml.RY(onp.pi / 7, wires=2)
        qml.RZ(params[0], wires=0)
        qml.RZ(params[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        qml.RY(params[2], wires=1)
        qml.RX(params[3], wires=2)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        return qml.expval(qml.PauliY(0))

    return dev, circuit


def test_block_diag_equals_generator_covariances_measured_by_hand():
    """Each block is the covariance of the layer's generators in the state before the
    layer, here measured with separate compiled QNodes (var, expval, Hermitian)."""
    dev, circuit = _tutorial_circuit()

    def before_layer1():
        qml.RY(onp.pi / 4, wires=0)
        qml.RY(onp.pi / 3, wires=1)
        qml.RY(onp.pi / 7, wires=2)

    def before_layer2(p):
        before_layer1()
        qml.RZ(p[0], wires=0)
        qml.RZ(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])

    ZZ = onp.kron(onp.diag([1, -1]), onp.diag([1, -1]))
    YX = onp.kron(onp.array([[0, -1j], [1j, 0]]), onp.array([[0, 1], [1, 0]]))

    @qml.qnode(dev)
    def layer1(p):
        before_layer1()
        return (qml.var(qml.PauliZ(0)), qml.var(qml.PauliZ(1)), qml.expval(qml.PauliZ(0)),
                qml.expval(qml.PauliZ(1)), qml.expval(qml.Hermitian(ZZ, wires=[0, 1])))

    @qml.qnode(dev)
    def layer2(p):
        before_layer2(p)
        return (qml.var(qml.PauliY(1)), qml.var(qml.PauliX(2)), qml.expval(qml.PauliY(1)),
                qml.expval(qml.PauliX(2)), qml.expval(qml.Hermitian(YX, wires=[1, 2])))

    params = np.array([0.432, -0.123, 0.543, 0.233])
    expected = onp.zeros((4, 4))
    for k, layer in enumerate((layer1, layer2)):
        v0, v1, e0, e1, e01 = (float(v) for v in layer(params))
        expected[2 * k:2 * k + 2, 2 * k:2 * k + 2] = onp.array(
            [[v0, e01 - e0 * e1], [e01 - e0 * e1, v1]]) / 4
    mt = qml.metric_tensor(circuit, approx="block-diag")(params)
    onp.testing.assert_allclose(mt, expected, atol=1e-12)
    assert onp.abs(expected).min() < 1e-15 < onp.abs(expected).max()  # zeros and entries


def _fd_metric(state_fn, x, h=1e-5):
    """Re[<d_i psi|d_j psi> - <d_i psi|psi><psi|d_j psi>] by central differences."""
    psi = onp.asarray(state_fn(x))
    cols = []
    for i in range(len(x)):
        e = onp.zeros(len(x))
        e[i] = h
        cols.append((onp.asarray(state_fn(x + e)) - onp.asarray(state_fn(x - e))) / (2 * h))
    D = onp.array(cols).T
    a = psi.conj() @ D
    return (D.conj().T @ D - onp.outer(a.conj(), a)).real


def test_full_tensor_equals_finite_differences_of_the_state():
    """Multi-parameter gates, two-wire rotations with several frequencies, classical
    processing and a parameter used twice, against differences of the compiled state."""
    dev = qml.device("default.qubit", wires=3)

    def body(x):
        qml.Hadamard(wires=0)
        qml.Rot(x[0], 2 * x[1], x[2], wires=0)
        qml.CRX(x[3], wires=[0, 1])
        qml.IsingXY(x[1] * x[4], wires=[1, 2])
        qml.U3(x[4], x[0], np.sin(x[3]), wires=2)
        qml.CNOT(wires=[2, 0])
        qml.RY(x[2], wires=1)

    @qml.qnode(dev)
    def expval(x):
        body(x)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def state(x):
        body(x)
        return qml.state()

    x = np.array([0.3, -0.7, 1.1, 0.4, -1.3])
    mt = qml.metric_tensor(expval)(x)
    onp.testing.assert_allclose(mt, _fd_metric(state, onp.array(x)), atol=1e-8)
    onp.testing.assert_allclose(qml.adjoint_metric_tensor(expval)(x), mt, atol=0)
    # over the gate parameters the diagonal approximation is the block-diagonal's diagonal
    # (over the arguments not: J^T g J mixes the blocks of a decomposed gate's parameters)
    block = qml.metric_tensor(expval, approx="block-diag", hybrid=False)(x)
    diag = qml.metric_tensor(expval, approx="diag", hybrid=False)(x)
    onp.testing.assert_allclose(diag, onp.diag(onp.diag(block)), atol=1e-15)


def test_block_diag_layers_of_rot_follow_pennylanes_decomposition():
    """Rot(a, b, c) is RZ(a) RY(b) RZ(c): three layers; an independent gate on another wire
    joins the first layer it does not depend on (the greedy walk over parameters)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.Hadamard(wires=0)
        qml.Hadamard(wires=1)
        qml.Rot(x[0], x[1], x[2], wires=0)
        qml.RY(x[3], wires=1)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.2, 0.5, -0.4, 0.9])
    full = qml.metric_tensor(c, hybrid=False)(x)
    block = qml.metric_tensor(c, approx="block-diag", hybrid=False)(x)
    keep = onp.zeros((4, 4), dtype=bool)
    for layer in ([0], [1], [2, 3]):  # RZ(a) | RY(b) | RZ(c), RY(x3)
        keep[onp.ix_(layer, layer)] = True
    # (atol: a block's states are carried to its last gate only, not through the whole circuit)
    onp.testing.assert_allclose(block, onp.where(keep, full, 0.0), atol=1e-15)


def test_refusals_and_warnings():
    circuit = _four_weight_circuit()
    with pytest.raises(qml.ArgumentError, match="Valid values"):
        qml.metric_tensor(circuit, approx="full")
    with pytest.raises(qml.ArgumentError, match="QNode"):
        qml.metric_tensor(lambda x: x)
    shots = qml.device("default.qubit", wires=1, shots=100, seed=1)

    @qml.qnode(shots)
    def sampled(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    # with shots, PennyLane's estimate from sampled tapes (Var(X) on |0> is 1: g = 1/4)
    assert abs(float(qml.metric_tensor(sampled)(np.array(0.3))) - 0.25) < 0.05
    # a float is not trainable (PennyLane 0.45.1 in /work/plvenv: "No trainable parameters.")
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.metric_tensor(sampled)(0.3)
    with pytest.raises(qml.DifferentiationError, match="shots"):
        qml.QNGOptimizer(0.1).step(sampled, np.array(0.3))
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def crot(x):
        qml.CRot(x[0], x[1], x[2], wires=[0, 1])
        return qml.expval(qml.PauliZ(1))


    @qml.qnode(dev)
    def fixed(x):
        qml.RX(0.3, wires=0)
        return qml.expval(qml.PauliZ(0))

    # PennyLane 0.45: no trainable argument is an error (its classical Jacobian has none);
    # over the gate parameters (hybrid=False), a warning and ()
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.metric_tensor(fixed)(np.array(0.4, requires_grad=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert qml.metric_tensor(fixed, hybrid=False)(np.array(0.4, requires_grad=False)) == ()
    assert any("no trainable" in str(w.message) for w in caught)


def test_qng_step_matches_pennylane_docs():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliX(0) + qml.PauliX(1))

    opt = qml.QNGOptimizer(0.01)
    new = opt.step(circuit, np.array([0.011, 0.012]))
    onp.testing.assert_allclose(new, [0.01100528, -0.02799954], atol=1e-8)


def test_qng_update_rule_by_hand_and_lam():
    dev, circuit = _tutorial_circuit()
    x = np.array([0.432, -0.123, 0.543, 0.233])
    lam = 0.01
    opt = qml.QNGOptimizer(0.05, lam=lam)
    new, cost = opt.step_and_cost(circuit, x)
    g = qml.metric_tensor(circuit, approx="block-diag")(x) + lam * onp.eye(4)
    grad = qml.grad(circuit)(x)
    onp.testing.assert_allclose(new, x - 0.05 * onp.linalg.pinv(g) @ grad, atol=1e-14)
    assert abs(cost - float(circuit(x))) < 1e-15
    # a given metric tensor function is used instead, and kept without recompute_tensor
    calls = []

    def mt_fn(p):
        calls.append(1)
        return onp.eye(4)

    opt2 = qml.QNGOptimizer(0.05)
    new2 = opt2.step(circuit, x, metric_tensor_fn=mt_fn)
    onp.testing.assert_allclose(new2, x - 0.05 * grad, atol=1e-14)
    opt2.step(circuit, new2, recompute_tensor=False, metric_tensor_fn=mt_fn)
    assert len(calls) == 1
    with pytest.raises(qml.ArgumentError, match="single QNode"):
        qml.QNGOptimizer(0.1).step(lambda p: circuit(p), x)


def test_qng_converges_faster_than_gradient_descent():
    _, circuit = _tutorial_circuit()
    x0 = np.array([0.432, -0.123, 0.543, 0.233])
    gd, qng = qml.GradientDescentOptimizer(0.01), qml.QNGOptimizer(0.01)
    a, b = x0, x0
    for _ in range(40):
        a = gd.step(circuit, a)
        b = qng.step(circuit, b)
    assert float(circuit(b)) < float(circuit(a)) - 0.1


@pytest.mark.parametrize("momentum", [0.0, 0.7])
def test_momentum_qng_iterates_follow_the_momentum_update_by_hand(momentum):
    """MomentumQNGOptimizer: a <- m a + eta pinv(g) grad, x <- x - a, with the block-diagonal
    metric diag(1/4, cos(x0)^2/4) and the gradient of cos x0 cos x1 written by hand;
    momentum 0 is QNGOptimizer's step."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    opt = qml.MomentumQNGOptimizer(stepsize=0.05, momentum=momentum)
    assert opt.accumulation is None and opt.approx == "block-diag"
    qng = qml.QNGOptimizer(stepsize=0.05)
    x = y = np.array([0.5, 0.2], requires_grad=True)
    ref, acc = onp.array([0.5, 0.2]), onp.zeros(2)
    for _ in range(4):
        a, b = ref
        g = onp.array([-onp.sin(a) * onp.cos(b), -onp.cos(a) * onp.sin(b)])
        acc = momentum * acc + 0.05 * onp.linalg.pinv(onp.diag([0.25, onp.cos(a) ** 2 / 4])) @ g
        ref = ref - acc
        x = opt.step(circuit, x)
        y = qng.step(circuit, y)
        onp.testing.assert_allclose(x, ref, atol=1e-12)
    if momentum == 0.0:
        onp.testing.assert_allclose(x, y, atol=1e-15)


def test_momentum_qng_apply_grad_before_a_step_is_refused():
    with pytest.raises(qml.errors.ArgumentError, match="call step first"):
        qml.MomentumQNGOptimizer().apply_grad([onp.zeros(2)], [np.zeros(2)])


def test_trainable_arguments_are_pennylanes_requires_grad_tensors():
    """Issue #18: the metric tensor is over the arguments ``qml.grad`` differentiates
    (PennyLane 0.45.1 in /work/plvenv: a float, a list or a plain NumPy array is a constant;
    with none trainable, ``QuantumFunctionError("No trainable parameters.")``)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def two(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def one(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    # only y: Var(Y/2) after RX(0.1)|0> = (1 - sin(0.1)^2) / 4 = cos(0.1)^2 / 4, a 1x1 tensor
    # as PennyLane's (it returned [[0.24750832]])
    for approx in (None, "block-diag"):
        g = qml.metric_tensor(two, approx=approx)(0.1, np.array(0.2))
        assert onp.shape(g) == (1, 1)
        assert abs(float(g[0, 0]) - onp.cos(0.1) ** 2 / 4) < 1e-12
    for args in ((0.1, 0.2), ([0.1, 0.2],), (onp.array([0.1, 0.2]),),
                 (np.array([0.1, 0.2], requires_grad=False),)):
        circuit = two if len(args) == 2 else one
        with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
            qml.metric_tensor(circuit)(*args)


def test_approximations_decompose_as_pennylanes_expansion():
    """Issue #18: the block-diagonal and diagonal approximations are those of PennyLane's
    tape after its ``expand_metric_tensor``: a trainable gate whose generator single-qubit
    rotations do not diagonalize (``DoubleExcitation``, ``CRot``, ...) is decomposed first,
    so its blocks are those of its decomposition's parameters, contracted with their
    Jacobian. Expected numbers: PennyLane 0.45.1 in /work/plvenv (and its
    optimize/test_momentum_qng.py's ``expected_mt``); the full tensor stays the state's."""
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def double(params):
        qml.DoubleExcitation(params[0], wires=[0, 1, 2, 3])
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    v = np.array([0.311, -0.52])
    onp.testing.assert_allclose(qml.metric_tensor(double, approx="block-diag")(v),
                                onp.diag([1 / 16, 1 / 4]), atol=1e-12)
    onp.testing.assert_allclose(qml.metric_tensor(double, approx="diag")(v),
                                onp.diag([1 / 32, 1 / 4]), atol=1e-12)
    # exact: DoubleExcitation leaves |0000> alone, so its row of the full tensor is 0
    onp.testing.assert_allclose(qml.metric_tensor(double, approx=None)(v),
                                onp.diag([0.0, 1 / 4]), atol=1e-12)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def crot(x):
        qml.Hadamard(0)
        qml.CRot(x[0], x[1], x[2], wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    pennylane = [[0.0625, 0.0, 0.0625], [0.0, 0.125, 0.0], [0.0625, 0.0, 0.06745852170725462]]
    for approx in ("block-diag", "diag"):
        onp.testing.assert_allclose(
            qml.metric_tensor(crot, approx=approx)(np.array([0.1, 0.2, 0.3])), pennylane,
            atol=1e-12)


def test_sampled_approximation_of_a_decomposed_gate():
    """With shots, the tapes of a gate PennyLane decomposes (``DoubleExcitation``) and the
    classical Jacobian of its decomposition's parameters (their autograd boxes kept through
    the decomposition; was a ``DifferentiationError``): PennyLane's diag(1/16, 1/4)."""
    dev = qml.device("default.qubit", wires=4, seed=3)

    @qml.set_shots(shots=20000)
    @qml.qnode(dev)
    def double(params):
        qml.DoubleExcitation(params[0], wires=[0, 1, 2, 3])
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    g = qml.metric_tensor(double, approx="block-diag")(np.array([0.311, -0.52]))
    onp.testing.assert_allclose(g, onp.diag([1 / 16, 1 / 4]), atol=0.01)


@pytest.mark.parametrize("approx", ["diag", "block-diag"])
def test_approximate_metric_of_a_controlled_u3_keeps_theta_and_phi_exact(approx):
    """``qml.ctrl(qml.U3)`` follows PennyLane's decomposition of U3, ``P(phi) P(delta)
    RZ(-delta) RY(theta) RZ(delta)``, each controlled: theta and phi enter one gate parameter
    each, so the approximations' diagonal for them is the exact metric's (PennyLane 0.45.1:
    ``[0.05738, 0.18147, 0.24525]`` on the diagonal of ``approx="diag"``, its phi exact; it
    loses theta's parameter in its numeric decomposition of the 2-controlled Rot). A
    controlled phase ``(phi + delta)/2`` used to mix phi with delta: phi's entry 0.09656 (the
    oracle, seed 142 #38). Reference: central differences of the state written by hand."""
    x = onp.array([3.08452045, -5.96777579, 2.24485568])
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(v):
        qml.Hadamard(wires=1)
        qml.Hadamard(wires=2)
        qml.RY(0.4, wires=0)
        qml.ctrl(qml.U3, control=[2, 1], control_values=[False, True])(v[0], v[1], v[2], wires=0)
        return qml.expval(qml.PauliZ(0))

    def state(v):  # wires (0, 1, 2), wire 0 most significant
        t, f, d = v
        u3 = onp.array([[onp.cos(t / 2), -onp.exp(1j * d) * onp.sin(t / 2)],
                        [onp.exp(1j * f) * onp.sin(t / 2), onp.exp(1j * (f + d)) * onp.cos(t / 2)]])
        ry = onp.array([[onp.cos(0.2), -onp.sin(0.2)], [onp.sin(0.2), onp.cos(0.2)]])
        psi = onp.kron(ry @ [1, 0], onp.kron([1, 1], [1, 1]) / 2).reshape(2, 2, 2).astype(complex)
        psi[:, 1, 0] = u3 @ psi[:, 1, 0]  # control wire 1 = 1, wire 2 = 0
        return psi.ravel()

    h, n = 1e-5, len(x)
    psi = state(x)
    J = onp.stack([(state(x + h * e) - state(x - h * e)) / (2 * h) for e in onp.eye(n)], axis=1)
    a = J.conj().T @ psi
    exact = onp.real(J.conj().T @ J - onp.outer(a, a.conj()))
    g = qml.metric_tensor(c, approx=approx)(np.array(x, requires_grad=True))
    onp.testing.assert_allclose(onp.diag(g)[:2], onp.diag(exact)[:2], atol=1e-8)
    onp.testing.assert_allclose(onp.diag(g)[:2], [0.06105, 0.18147], atol=1e-5)
    # no gate parameter depends on two arguments: the approximation is diagonal
    onp.testing.assert_allclose(g - onp.diag(onp.diag(g)), 0.0, atol=1e-12)
