"""What PennyLane's demos (twelfth round of issue #18: here comes the SU(N), the quantum
circuit Born machine, optimizing a QML model with JAX and Optax, generalization of QCNNs
from few data, contextuality and inductive bias) do with the import switched, each cut to a small instance of the demo's own
code path. The demos are written for JAX (and Optax); the same conversion runs on both
sides (``jax.numpy`` as ``pennylane.numpy`` / ``qsym.numpy``, ``jax.grad`` as ``qml.grad``,
Optax's Adam as ``qml.AdamOptimizer``, ``jax.vmap`` as a loop, scikit-learn's digits
synthesized). References are independent of qsym: finite differences, identities the demos
state, and (where marked) numbers and drawings PennyLane 0.45.1 printed for the same code
in /work/plvenv (autograd) or /work/jaxvenv (the SU(N) demo's own JAX code: PennyLane
0.45.1 cannot differentiate ``SpecialUnitary`` with autograd), never qsym's own output.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

# --- here comes the SU(N) (demonstrations_v2/tutorial_here_comes_the_sun) -------------


def test_special_unitary_demo_gradients_match_pennylane():
    """The demo's one-qubit comparison: a central difference (delta 0.75), the stochastic
    parameter-shift rule written out with ``SpecialUnitary(tau * theta)`` and a shifted
    ``RY`` (ten splitting times from NumPy's global generator), and the SU(N) gradient."""
    dev = qml.device("lightning.qubit", wires=1)
    H = 0.6 * qml.PauliZ(0) - 0.8 * qml.PauliY(0)

    def qfunc(theta):
        qml.SpecialUnitary(theta, wires=0)
        return qml.expval(H)

    circuit = qml.QNode(qfunc, dev, diff_method="parameter-shift")
    theta = np.array([0.4, 0.2, -0.5], requires_grad=True)
    unit_vector = onp.array([0.0, 1.0, 0.0])
    delta = 0.75
    central = (circuit(theta + delta / 2 * unit_vector)
               - circuit(theta - delta / 2 * unit_vector)) / delta

    @qml.qnode(dev)
    def aux_circuit(theta, tau, sign):
        qml.SpecialUnitary(tau * theta, wires=0)
        qml.RY(-sign * onp.pi / 2, wires=0)
        qml.SpecialUnitary((1 - tau) * theta, wires=0)
        return qml.expval(H)

    state = onp.random.get_state()
    onp.random.seed(42)
    try:
        taus = onp.random.random(size=10)
    finally:
        onp.random.set_state(state)
    stochastic = sum(aux_circuit(theta, t, 1.0) - aux_circuit(theta, t, -1.0) for t in taus) / 10
    grad = qml.grad(circuit)(theta)
    # PennyLane 0.45.1 (/work/jaxvenv, the demo's JAX code): central difference,
    # stochastic parameter shift with np.random.seed(42), jax.grad of the QNode
    assert central == pytest.approx(0.42397528942841, abs=1e-12)
    assert stochastic == pytest.approx(0.374199162243287, abs=1e-12)
    assert onp.allclose(grad, [-1.683154300942552, 0.426093041233972, -0.653048720583313],
                        atol=1e-12, rtol=0)
    # and by central finite differences of the exact cost
    eps = 1e-6
    fd = [(circuit(theta + eps * e) - circuit(theta - eps * e)) / (2 * eps) for e in onp.eye(3)]
    assert onp.allclose(grad, fd, atol=1e-8)


def test_special_unitary_demo_brick_ansatz_step_matches_pennylane():
    """The demo's optimization cut to 2 qubits and one gradient-descent step of the SU(N)
    brick ansatz (its parameter shape cut from (2, 2, 3, 15) to (1, 2, 1, 15): two
    ``SpecialUnitary`` gates, on wires (0, 1) and (1, 0)) on a random Hermitian built from
    ``pauli_basis_matrices``."""
    num_wires, loc = 2, 2
    state = onp.random.get_state()
    onp.random.seed(62213)
    try:
        coefficients = onp.random.randn(4**num_wires - 1)
    finally:
        onp.random.set_state(state)
    basis = qml.ops.qubit.special_unitary.pauli_basis_matrices(num_wires)
    H = qml.Hermitian(qml.math.tensordot(coefficients, basis, axes=[[0], [0]]),
                      wires=list(range(num_wires)))
    dev = qml.device("lightning.qubit", wires=num_wires)

    def circuit(params, operation=None):
        for params_block in params:
            for i, params_layer in enumerate(params_block):
                for j, params_op in enumerate(params_layer):
                    wires_op = [w % num_wires for w in range(loc * j + i, loc * (j + 1) + i)]
                    operation(params_op, wires_op)
        return qml.expval(H)

    qnode = qml.QNode(circuit, dev)
    params = np.zeros((1, 2, 1, 15), requires_grad=True)
    cost0 = qnode(params, qml.SpecialUnitary)
    params = params - 5e-4 * qml.jacobian(qnode, argnums=0)(params, qml.SpecialUnitary)
    cost1 = qnode(params, qml.SpecialUnitary)
    # PennyLane 0.45.1 (/work/jaxvenv, the demo's JAX code with these sizes): the ground
    # energy, the energies before and after the first step
    assert min(qml.eigvals(H)) == pytest.approx(-6.449639045409907, abs=1e-10)
    assert cost0 == pytest.approx(-0.9005724590733801, abs=1e-10)
    assert cost1 == pytest.approx(-1.1428902939572094, abs=1e-10)


# --- quantum circuit Born machine (demonstrations_v2/tutorial_qcbm) -------------------


class _MMD:
    def __init__(self, scales, space):
        gammas = 1 / (2 * (scales**2))
        sq_dists = np.abs(space[:, None] - space[None, :]) ** 2
        self.K = sum(np.exp(-gamma * sq_dists) for gamma in gammas) / len(scales)

    def k_expval(self, px, py):
        return px @ self.K @ py

    def __call__(self, px, py):
        pxy = px - py
        return self.k_expval(pxy, pxy)


def _bars_and_stripes(n):
    bitstrings = onp.array([list(onp.binary_repr(i, n))[::-1] for i in range(2**n)], dtype=int)
    stripes = onp.repeat(bitstrings.copy(), n, 0).reshape(2**n, n * n)
    bars = onp.repeat(bitstrings.copy().reshape(2**n * n, 1), n, 1).reshape(2**n, n * n)
    return onp.vstack((stripes[0 : stripes.shape[0] - 1], bars[1 : bars.shape[0]]))


def test_qcbm_demo_mmd_training_matches_pennylane():
    """The demo's bars and stripes cut to n = 2 (4 qubits, 2 layers of
    ``StronglyEntanglingLayers`` with ``ranges``), the squared MMD of ``qml.probs()`` and
    three Adam steps (Optax's Adam as ``qml.AdamOptimizer(0.1)``)."""
    n = 2
    data = _bars_and_stripes(n)
    nums = [int("".join(str(int(i)) for i in d), 2) for d in data]
    assert nums == [0, 10, 5, 12, 3, 15]  # the bars and stripes of 2 x 2 pixels
    probs = onp.zeros(2 ** (n * n))
    probs[nums] = 1 / len(data)
    n_qubits, n_layers = n * n, 2
    state = onp.random.get_state()
    onp.random.seed(42)  # the demo's order: the seed, the device (PennyLane's default.qubit
    try:  # draws its own seed from NumPy's global generator), then the weights
        dev = qml.device("default.qubit", wires=n_qubits)
        weights = onp.random.random(size=qml.StronglyEntanglingLayers.shape(n_layers, n_qubits))
    finally:
        onp.random.set_state(state)

    @qml.qnode(dev)
    def circuit(weights):
        qml.StronglyEntanglingLayers(weights=weights, ranges=[1] * n_layers,
                                     wires=range(n_qubits))
        return qml.probs()

    mmd = _MMD(np.array([0.25, 0.5, 1]), np.arange(2**n_qubits))
    px = circuit(weights)
    loss_1 = mmd(px, probs)
    loss_2 = mmd.k_expval(px, px) - 2 * mmd.k_expval(px, probs) + mmd.k_expval(probs, probs)
    assert loss_1 == pytest.approx(loss_2, abs=1e-14)  # the demo's identity
    opt = qml.AdamOptimizer(0.1)
    weights = np.array(weights, requires_grad=True)
    losses, kls = [], []
    for _ in range(3):
        px = onp.asarray(circuit(weights))
        with onp.errstate(divide="ignore"):
            kls.append(-onp.sum(probs * onp.nan_to_num(onp.log(px / probs))))
        weights, loss = opt.step_and_cost(lambda w: mmd(circuit(w), probs), weights)
        losses.append(loss)
    chi = onp.sum(onp.asarray(circuit(weights))[nums])
    # PennyLane 0.45.1 (/work/plvenv, the same code): losses, KL divergences, chi at N = inf
    assert onp.allclose(losses, [0.27953619162774124, 0.2051635891123037, 0.15745955049917085],
                        atol=1e-12, rtol=0)
    assert onp.allclose(kls, [2.741527019644172, 1.836709346323178, 1.4542159250178057],
                        atol=1e-12, rtol=0)
    assert chi == pytest.approx(0.5064444400180799, abs=1e-12)


# --- how to optimize a QML model using JAX and Optax ----------------------------------
# (demonstrations_v2/tutorial_How_to_optimize_QML_model_using_JAX_and_Optax)

_OPTAX_DRAWING = (
    '0: ──RY(M0)──RX(1.00)──RY(1.00)──RX(1.00)─╭●─────────────────────────────────────────── ···\n1: ──RY(M1)───────────────────────────────╰X──RX(1.00)──RY(1.00)──RX(1.00)─╭●────────── ···\n2: ──RY(M2)────────────────────────────────────────────────────────────────╰X──RX(1.00) ···\n3: ──RY(M3)──────────────────────────────────────────────────────────────────────────── ···\n4: ──RY(M4)──────────────────────────────────────────────────────────────────────────── ···\n\n0: ··· ───────────────────────────────────────────────────────────────────────────────────────╭X─┤ ···\n1: ··· ───────────────────────────────────────────────────────────────────────────────────────│──┤ ···\n2: ··· ──RY(1.00)──RX(1.00)─╭●────────────────────────────────────────────────────────────────│──┤ ···\n3: ··· ─────────────────────╰X──RX(1.00)──RY(1.00)──RX(1.00)─╭●───────────────────────────────│──┤ ···\n4: ··· ──────────────────────────────────────────────────────╰X──RX(1.00)──RY(1.00)──RX(1.00)─╰●─┤ ···\n\n0: ···  ╭<𝓗>\n1: ···  ├<𝓗>\n2: ···  ├<𝓗>\n3: ···  ├<𝓗>\n4: ···  ╰<𝓗>\n\nM0 = \n[-0.75182694 -0.92357685 -0.99872135 -0.95698124]\nM1 = \n[-0.80965943 -0.59582324 -0.36915127 -0.18001995]\nM2 = \n[-5.90539852e-02 -7.84137975e-03 -8.75811540e-47  7.84137975e-03]\nM3 = \n[0.05905399 0.18001995 0.36915127 0.59582324]\nM4 = \n[0.80965943 0.95698124 0.99872135 0.92357685]'
)  # PennyLane 0.45.1's qml.draw of the demo's circuit


def test_jax_optax_demo_broadcast_model_drawing_and_adam_match_pennylane():
    """The demo's model: each ``RY`` embeds a row of 4 data values (a broadcast
    parameter), a sum of ``PauliZ`` measured, a bias added; Adam (Optax's as
    ``qml.AdamOptimizer(0.3)``) on the weights and the bias. ``qml.draw`` draws a
    broadcast parameter as PennyLane does: ``RY(M0)`` and its values listed below (qsym
    drew the batch's first value, ``RY(-0.75)``, before)."""
    n_wires = 5
    data = np.sin(onp.mgrid[-2:2:0.2].reshape(n_wires, -1)) ** 3
    data.requires_grad = False
    targets = np.array([-0.2, 0.4, 0.35, 0.2], requires_grad=False)

    @qml.qnode(qml.device("default.qubit", wires=n_wires))
    def circuit(data, weights):
        for i in range(n_wires):
            qml.RY(data[i], wires=i)
        for i in range(n_wires):
            qml.RX(weights[i, 0], wires=i)
            qml.RY(weights[i, 1], wires=i)
            qml.RX(weights[i, 2], wires=i)
            qml.CNOT(wires=[i, (i + 1) % n_wires])
        return qml.expval(qml.sum(*[qml.PauliZ(i) for i in range(n_wires)]))

    def loss_fn(weights, bias, data, targets):
        predictions = circuit(data, weights) + bias
        return np.sum((targets - predictions) ** 2 / len(data))

    weights = np.ones([n_wires, 3], requires_grad=True)
    bias = np.array(0.0, requires_grad=True)
    assert qml.draw(circuit)(data, weights) == _OPTAX_DRAWING
    g_weights, g_bias = qml.grad(loss_fn)(weights, bias, data, targets)
    opt = qml.AdamOptimizer(0.3)
    losses = []
    for _ in range(3):
        (weights, bias, _, _), loss = opt.step_and_cost(loss_fn, weights, bias, data, targets)
        losses.append(loss)
    # PennyLane 0.45.1 (/work/plvenv, the same code): gradient entries and losses
    assert g_bias == pytest.approx(-0.754320749843326, abs=1e-12)
    assert onp.allclose(g_weights[0], [-1.950772839367209e-01, 5.285467135665162e-02,
                                       -4.892521034161250e-01], atol=1e-12, rtol=0)
    assert onp.allclose(losses, [0.2923261237897223, 0.2730363610764959, 0.16143246440061054],
                        atol=1e-12, rtol=0)


def test_draw_broadcast_parameters_as_pennylane_matrix_references():
    """PennyLane 0.45.1's rule for a broadcast gate parameter: each one drawn ``M<i>`` among
    the gate's other (scalar) parameters, values ``allclose`` to an earlier one sharing its
    entry (``a + 1e-12``), a different batch (``2 a``) a new one; ``decimals=None`` keeps
    only the ``M<i>``; a broadcast second argument (``CRX(b)``) too."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(a, b):
        qml.RY(a, wires=0)
        qml.Rot(a, 0.2, 0.3, wires=0)
        qml.Rot(0.1, a, 0.3, wires=1)
        qml.CRX(b, wires=[0, 1])
        qml.RZ(a + 1e-12, wires=0)
        qml.RZ(2 * a, wires=1)
        return qml.expval(qml.Z(0))

    a = onp.array([0.1, 0.2, 0.3])
    # PennyLane 0.45.1's drawings of the same QNode (/work/plvenv)
    assert qml.draw(c)(a, 0.5) == (
        "0: ──RY(M0)─────────────Rot(M0,0.20,0.30)─╭●─────────RZ(M0)─┤  <Z>\n"
        "1: ──Rot(0.10,M0,0.30)────────────────────╰RX(0.50)──RZ(M1)─┤     \n\n"
        "M0 = \n[0.1 0.2 0.3]\nM1 = \n[0.2 0.4 0.6]")
    assert qml.draw(c, decimals=None)(a, 0.5) == (
        "0: ──RY(M0)───Rot(M0)─╭●───RZ(M0)─┤  <Z>\n"
        "1: ──Rot(M0)──────────╰RX──RZ(M1)─┤     \n\n"
        "M0 = \n[0.1 0.2 0.3]\nM1 = \n[0.2 0.4 0.6]")
    assert qml.draw(c, show_matrices=False)(onp.array(0.7), onp.array([0.5, 0.6])) == (
        "0: ──RY(0.70)─────────────Rot(0.70,0.20,0.30)─╭●───────RZ(0.70)─┤  <Z>\n"
        "1: ──Rot(0.10,0.70,0.30)──────────────────────╰RX(M0)──RZ(1.40)─┤     ")


def test_label_and_tape_text_of_a_broadcast_gate_as_pennylane():
    """``op.label`` of a gate holding a broadcast parameter, and ``qml.drawer.tape_text`` of
    a tape with one, as PennyLane 0.45.1's (its ``M<i>`` with a drawing cache; nothing
    for the array without one); qsym drew ``RX`` alone."""
    a = onp.array([0.1, 0.2])
    # PennyLane 0.45.1's labels and tape_text (/work/plvenv)
    cache = {"matrices": []}
    rot = qml.Rot(0.1, a, 0.3, wires=0)
    assert rot.label(decimals=2, cache=cache) == "Rot\n(0.10,\nM0,\n0.30)"
    assert rot.label(decimals=None, cache=cache) == "Rot\n(M0)"
    assert rot.label(decimals=2) == "Rot\n(0.10,\n0.30)"
    assert len(cache["matrices"]) == 1
    assert qml.RX(a, 0).label(decimals=2) == "RX"
    tape = qml.tape.QuantumScript([qml.RX(a, 0), qml.RZ(0.3, 0)], [qml.probs(wires=0)])
    assert qml.drawer.tape_text(tape, decimals=2) == (
        "0: ──RX(M0)──RZ(0.30)─┤  Probs\nM0 = \n[0.1 0.2]")


# --- generalization of QCNNs from few data (demonstrations_v2/tutorial_learning_few_data)

_QCNN_DRAWING = (
    '0: ─╭|Ψ⟩─╭||──U3(0.42,0.00,0.15)─╭IsingXX(0.20)─╭IsingYY(0.03)─╭IsingZZ(0.42) ···\n1: ─├|Ψ⟩─├||──U3(0.19,0.40,0.42)─╰IsingXX(0.20)─╰IsingYY(0.03)─╰IsingZZ(0.42) ···\n2: ─├|Ψ⟩─├||──U3(0.42,0.00,0.15)─╭IsingXX(0.20)─╭IsingYY(0.03)─╭IsingZZ(0.42) ···\n3: ─├|Ψ⟩─├||──U3(0.19,0.40,0.42)─╰IsingXX(0.20)─╰IsingYY(0.03)─╰IsingZZ(0.42) ···\n4: ─├|Ψ⟩─├||──U3(0.42,0.00,0.15)─╭IsingXX(0.20)─╭IsingYY(0.03)─╭IsingZZ(0.42) ···\n5: ─╰|Ψ⟩─╰||──U3(0.19,0.40,0.42)─╰IsingXX(0.20)─╰IsingYY(0.03)─╰IsingZZ(0.42) ···\n                                                                             \n\n0: ··· ──U3(0.14,0.80,0.31)───────────────────────────────────────────────────────────────── ···\n1: ··· ──U3(0.88,0.09,0.17)─╭IsingXX(0.20)─╭IsingYY(0.03)─╭IsingZZ(0.42)──U3(0.14,0.80,0.31) ···\n2: ··· ──U3(0.14,0.80,0.31)─╰IsingXX(0.20)─╰IsingYY(0.03)─╰IsingZZ(0.42)──U3(0.88,0.09,0.17) ···\n3: ··· ──U3(0.88,0.09,0.17)─╭IsingXX(0.20)─╭IsingYY(0.03)─╭IsingZZ(0.42)──U3(0.14,0.80,0.31) ···\n4: ··· ──U3(0.14,0.80,0.31)─╰IsingXX(0.20)─╰IsingYY(0.03)─╰IsingZZ(0.42)──U3(0.88,0.09,0.17) ···\n5: ··· ──U3(0.88,0.09,0.17)───────────────────────────────────────────────────────────────── ···\n                                                                                            \n\n0: ··· ───────U3(0.10,0.96,0.69)───────────────────────────────────────────────────╭|| ···\n1: ··· ──┤↗├──║────────────────────────────────────────────────────────────────────│── ···\n2: ··· ───║───║────────────────────────U3(0.10,0.96,0.69)──────────────────────────├|| ···\n3: ··· ───║───║───────────────────┤↗├──║───────────────────────────────────────────│── ···\n4: ··· ───║───║────────────────────║───║────────────────────────U3(0.10,0.96,0.69)─╰|| ···\n5: ··· ───║───║────────────────────║───║───────────────────┤↗├──║───────────────────── ···\n          ╚═══╝                    ╚═══╝                    ╚═══╝                     \n\n0: ··· ─╭IsingXX(0.88)─╭IsingYY(0.67)─╭IsingZZ(0.56)──U3(0.20,0.97,0.69)─────────────── ···\n1: ··· ─│──────────────│──────────────│──────────────────────────────────────────────── ···\n2: ··· ─╰IsingXX(0.88)─╰IsingYY(0.67)─╰IsingZZ(0.56)──U3(0.89,0.04,0.88)─╭IsingXX(0.88) ···\n3: ··· ──────────────────────────────────────────────────────────────────│───────────── ···\n4: ··· ──────────────────────────────────────────────────────────────────╰IsingXX(0.88) ···\n5: ··· ──────────────────────────────────────────────────────────────────────────────── ···\n                                                                                       \n\n0: ··· ─────────────────────────────────────────────────────────U3(0.42,0.53,0.32)─╭|| ···\n1: ··· ─────────────────────────────────────────────────────────║──────────────────│── ···\n2: ··· ─╭IsingYY(0.67)─╭IsingZZ(0.56)──U3(0.20,0.97,0.69)──┤↗├──║──────────────────│── ···\n3: ··· ─│──────────────│────────────────────────────────────║───║──────────────────│── ···\n4: ··· ─╰IsingYY(0.67)─╰IsingZZ(0.56)──U3(0.89,0.04,0.88)───║───║──────────────────╰|| ···\n5: ··· ─────────────────────────────────────────────────────║───║───────────────────── ···\n                                                            ╚═══╝                     \n\n0: ··· ─╭ArbitraryUnitary(M0)─┤  Probs\n1: ··· ─│─────────────────────┤       \n2: ··· ─│─────────────────────┤       \n3: ··· ─│─────────────────────┤       \n4: ··· ─╰ArbitraryUnitary(M0)─┤       \n5: ··· ───────────────────────┤       \n                                      \n\nM0 = \n[0.68650093 0.83462567 0.01828828 0.75014431 0.98886109 0.74816565\n 0.28044399 0.78927933 0.10322601 0.44789353 0.9085955  0.29361415\n 0.28777534 0.13002857 0.01936696]'
)  # PennyLane 0.45.1's qml.draw of the demo's conv_net


def _qcnn(num_wires):
    """The demo's ``conv_net`` on ``num_wires`` qubits (its layers as the demo writes them)."""

    def convolutional_layer(weights, wires, skip_first_layer=True):
        n_wires = len(wires)
        for p in [0, 1]:
            for indx, w in enumerate(wires):
                if indx % 2 == p and indx < n_wires - 1:
                    if indx % 2 == 0 and not skip_first_layer:
                        qml.U3(*weights[:3], wires=[w])
                        qml.U3(*weights[3:6], wires=[wires[indx + 1]])
                    qml.IsingXX(weights[6], wires=[w, wires[indx + 1]])
                    qml.IsingYY(weights[7], wires=[w, wires[indx + 1]])
                    qml.IsingZZ(weights[8], wires=[w, wires[indx + 1]])
                    qml.U3(*weights[9:12], wires=[w])
                    qml.U3(*weights[12:], wires=[wires[indx + 1]])

    def pooling_layer(weights, wires):
        for indx, w in enumerate(wires):
            if indx % 2 == 1 and indx < len(wires):
                m_outcome = qml.measure(w)
                qml.cond(m_outcome, qml.U3)(*weights, wires=wires[indx - 1])

    @qml.qnode(qml.device("default.qubit", wires=num_wires))
    def conv_net(weights, last_layer_weights, features):
        wires = list(range(num_wires))
        qml.AmplitudeEmbedding(features=features, wires=wires, pad_with=0.5)
        qml.Barrier(wires=wires, only_visual=True)
        for j in range(weights.shape[1]):
            convolutional_layer(weights[:15, j], wires, skip_first_layer=(j != 0))
            pooling_layer(weights[15:, j], wires)
            wires = wires[::2]
            qml.Barrier(wires=wires, only_visual=True)
        qml.ArbitraryUnitary(last_layer_weights, wires)
        return qml.probs(wires=(0))

    return conv_net


def test_qcnn_demo_mid_circuit_pooling_drawing_matches_pennylane():
    """The demo's QCNN on 6 qubits as it draws it: ``AmplitudeEmbedding`` with
    ``pad_with``, visual barriers, ``U3`` and Ising convolutions, pooling by
    ``qml.measure`` and ``qml.cond(m, qml.U3)``, an ``ArbitraryUnitary`` dense layer."""
    rng = onp.random.RandomState(1)  # the draw's arguments: np.random.seed(1), rand
    drawn = qml.draw(_qcnn(6))(rng.rand(18, 2), rng.rand(4**2 - 1), rng.rand(2**6))
    assert drawn == _QCNN_DRAWING


def test_qcnn_demo_cost_and_gradient_match_pennylane():
    """The demo's cost (one minus the probability of the label on wire 0) and its gradient,
    cut to 4 qubits, one convolution and pooling layer and two synthesized 16-pixel images
    (scikit-learn's digits are installed in neither environment)."""
    conv_net = _qcnn(4)
    features = onp.abs(onp.random.default_rng(5).normal(size=(2, 16)))
    features = features / onp.linalg.norm(features, axis=1).reshape((-1, 1))
    labels = [0, 1]
    rng = onp.random.RandomState(0)
    weights = np.array(rng.normal(size=(18, 1)), requires_grad=True)
    weights_last = np.array(rng.normal(size=15), requires_grad=True)

    def compute_cost(weights, weights_last):
        out = [conv_net(weights, weights_last, f)[l] for f, l in zip(features, labels)]
        return 1.0 - sum(out) / len(labels)

    cost = compute_cost(weights, weights_last)
    g_w, g_last = qml.grad(compute_cost)(weights, weights_last)
    # PennyLane 0.45.1 (/work/plvenv, the same code)
    assert cost == pytest.approx(0.5202296991652329, abs=1e-12)
    assert onp.allclose(g_w[:, 0], [
        0.028481410930249328, -0.018158774960277024, -0.016837742399825786,
        0.08898166560665068, -0.07059513675645826, -0.02010958943729956,
        -0.0735699326903557, -0.1352749723963348, 0.0659099170459021,
        -0.059328913071578525, -0.05848619635983609, -0.051145752303674824,
        -0.07138731797442632, -0.04615416722469302, -0.05230408776740607,
        -0.01395559217644659, 0.023461344614126873, 0.01925724251661016], atol=1e-12, rtol=0)
    assert onp.allclose(g_last, [
        0.008006783878892906, 0.0031268320009528675, 0.01911101949781259,
        0.001447504619765911, 0.014746369251534393, -0.005345654776429147,
        0.020979410719113425, -0.04389338041504347, -0.0003828710485732287,
        -0.09155325396476623, -0.012142734327352654, 0.057023382817190806,
        0.04941669858535108, 0.0, 0.0], atol=1e-12, rtol=0)


# --- contextuality and inductive bias (demonstrations_v2/tutorial_contextuality) -------


def test_contextuality_demo_bias_invariant_model_matches_pennylane():
    """The demo's rock-paper-scissors data (4 strategy matrices of its 2000, seed 666), its
    bias-invariant model (``PauliRot`` ``XX``/``YY``/``ZZ`` swap rotations, ``ZZ`` data
    encodings, three ``PauliZ`` expectations; ``jax.vmap`` as a loop), the negative log
    likelihood and its gradient, and the generic ``StronglyEntanglingLayers`` model's."""
    A01 = onp.array([[1, -1, 1], [1, -1, -1], [-1, 1, 0]])
    A02 = onp.array([[1, -1, 1], [1, 0, -1], [-1, 1, -1]])
    A12 = onp.array([[0, -1, 1], [1, 1, -1], [-1, 1, -1]])
    A10, A20, A21 = -A01.T, -A02.T, -A12.T
    blocks, layers = 1, 2
    rng = onp.random.RandomState(666)  # the demo's np.random.seed(666) and its draws
    X = rng.rand(4, 3, 3)
    X = X / X.sum(axis=2, keepdims=True)

    def payoff_probs(X):
        n0 = X[0] @ A01 @ X[1] + X[0] @ A02 @ X[2]
        n1 = X[1] @ A10 @ X[0] + X[1] @ A12 @ X[2]
        n2 = X[2] @ A20 @ X[0] + X[2] @ A21 @ X[1]
        return (onp.array([n0, n1, n2]) / 2 + 1) / 2

    P = onp.array([payoff_probs(x) for x in X])
    Y = onp.where(P > rng.rand(*P.shape), 1, -1)

    def swap_rot(weights, wires):
        qml.PauliRot(weights, "XX", wires=wires)
        qml.PauliRot(weights, "YY", wires=wires)
        qml.PauliRot(weights, "ZZ", wires=wires)

    def param_unitary(weights):
        for b in range(blocks):
            for q in range(3):
                qml.RZ(weights[b, q], wires=q)
            qml.PauliRot(weights[b, 3], "ZZ", wires=[0, 1])
            qml.PauliRot(weights[b, 4], "ZZ", wires=[0, 2])
            qml.PauliRot(weights[b, 5], "ZZ", wires=[1, 2])
            swap_rot(weights[b, 6], wires=[0, 1])
            swap_rot(weights[b, 7], wires=[1, 2])
            swap_rot(weights[b, 8], wires=[0, 2])

    def encodings(x):
        x1 = np.array([x[0, 0], x[1, 1], x[2, 2]])
        x2 = np.array([x[0, 1] - x[0, 2], x[1, 2] - x[1, 0], x[2, 0] - x[2, 1]])
        return x1, x2

    def data_encoding(x):
        for q in range(3):
            qml.RZ(x[q], wires=q)

    def data_encoding_pairs(x):
        qml.PauliRot(x[0] * x[1], "ZZ", wires=[0, 1])
        qml.PauliRot(x[1] * x[2], "ZZ", wires=[1, 2])
        qml.PauliRot(x[0] * x[2], "ZZ", wires=[0, 2])

    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def model(weights, x):
        qml.Hadamard(wires=0)
        qml.Hadamard(wires=1)
        qml.Hadamard(wires=2)
        qml.RY(weights[2 * layers + 1, 0][0], wires=0)
        qml.RY(weights[2 * layers + 1, 0][0] + onp.pi, wires=1)
        x1, x2 = encodings(x)
        for l in range(0, 2 * layers, 2):
            param_unitary(weights[l])
            data_encoding(x1)
            param_unitary(weights[l + 1])
            data_encoding_pairs(x2)
        param_unitary(weights[2 * layers])
        return [qml.expval(qml.PauliZ(i)) for i in range(3)]

    @qml.qnode(dev)
    def generic_model(weights, x):
        x1, x2 = encodings(x)
        for l in range(0, 2 * layers, 2):
            qml.StronglyEntanglingLayers(weights[l], wires=range(3))
            data_encoding(x1)
            qml.StronglyEntanglingLayers(weights[l + 1], wires=range(3))
            data_encoding_pairs(x2)
        qml.StronglyEntanglingLayers(weights[2 * layers], wires=range(3))
        return [qml.expval(qml.PauliZ(i)) for i in range(3)]

    def likelihood(weights, model):
        expvals = np.stack([np.stack(model(weights, x)) for x in X])
        return -np.sum(np.log((1 + Y * expvals) / 2)) / len(X) / 3

    w = np.array(rng.rand(2 * layers + 2, blocks, 9), requires_grad=True)
    wg = np.array(rng.rand(2 * layers + 1, 1, 3, 3), requires_grad=True)
    out = onp.array([model(w, x) for x in X])
    assert onp.allclose(out.sum(axis=1), 0, atol=1e-13)  # the model's zero-sum bias
    g = qml.grad(likelihood, argnums=0)(w, model)
    gg = qml.grad(likelihood, argnums=0)(wg, generic_model)
    # PennyLane 0.45.1 (/work/plvenv, the same code)
    assert onp.allclose(out, [
        [-0.15389660243399905, 0.5047037358254661, -0.3508071333914663],
        [-0.17654314417958944, 0.3697142676076216, -0.19317112342803305],
        [0.10140077145094784, 0.2946070018008571, -0.3960077732518062],
        [0.13249727349024937, 0.1612406726006662, -0.29373794609091514]], atol=1e-12, rtol=0)
    assert likelihood(w, model) == pytest.approx(0.6690909109666, abs=1e-12)
    assert onp.allclose(g[0, 0], [
        -0.08477129556828926, -0.013355584733217553, 0.0981268803015069,
        0.1147021631342153, -0.13600625625292864, 0.021304093118713487,
        0.3754403228010986, 0.04859739944140241, 0.014337986758141678], atol=1e-12, rtol=0)
    assert likelihood(wg, generic_model) == pytest.approx(0.5733906435122277, abs=1e-12)
    assert onp.allclose(gg[0, 0, 0], [0.0, 0.0012542393802992997, 0.04050876748959951],
                        atol=1e-12, rtol=0)
