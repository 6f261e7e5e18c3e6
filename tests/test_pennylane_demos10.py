"""What PennyLane's demos (eleventh round of issue #18: quantum volume, beyond classical
computing with qsim, quantum embeddings and metric learning, the quantum Chebyshev
transform, QFTs and groups, parallel gradients with Amazon Braket, BlueQubit) do with the
import switched, each cut to a small instance of the demo's own code path. References are
independent of qsym: the discrete Fourier and
Walsh transforms and the Chebyshev amplitudes computed here, finite differences, and
(where marked) numbers and drawings PennyLane 0.45.1 printed for the same code in
/work/plvenv (a throwaway script), never qsym's own output.
"""

import warnings
from itertools import combinations

import numpy as onp
import pytest
from scipy.stats import unitary_group

import qsym as qml
from qsym import numpy as np
from qsym.errors import GateError, WireError


# --- quantum volume (demonstrations_v2/quantum_volume) -------------------------------


def _qv_tape(rng, m):
    """The demo's square circuit: ``m`` layers of a random ``Permute`` and random SU(4)
    ``QubitUnitary`` gates on neighbouring pairs, recorded in a ``QuantumTape``."""
    with qml.tape.QuantumTape() as tape:
        for _ in range(m):
            qml.Permute(list(rng.permutation(m)), wires=list(range(m)))
            for q in range(0, m, 2):
                if q < m - 1:
                    qml.QubitUnitary(unitary_group.rvs(4), wires=[q, q + 1])
    return tape


def test_quantum_volume_heavy_outputs_match_pennylane():
    onp.random.seed(42)  # scipy's unitary_group draws from NumPy's global generator
    rng = onp.random.default_rng(1234)
    dev_ideal = qml.device("lightning.qubit", shots=None, wires=5)
    tape = _qv_tape(rng, 3)
    (expanded,), _ = qml.transforms.decompose(tape, gate_set={qml.QubitUnitary, qml.SWAP})
    text = qml.drawer.tape_text(expanded, wire_order=dev_ideal.wires, show_all_wires=True,
                                show_matrices=False)
    # PennyLane 0.45.1 printed this drawing for the same seeds
    assert text == ("0: ─╭U(M0)───────╭U(M1)─╭SWAP───────╭U(M2)─┤  \n"
                    "1: ─╰U(M0)─╭SWAP─╰U(M1)─╰SWAP─╭SWAP─╰U(M2)─┤  \n"
                    "2: ────────╰SWAP──────────────╰SWAP────────┤  \n"
                    "3: ────────────────────────────────────────┤  \n"
                    "4: ────────────────────────────────────────┤  ")
    tape = tape.copy(measurements=[qml.probs(wires=range(3))])
    [probs] = qml.execute([tape], dev_ideal)
    # PennyLane 0.45.1's probabilities for the same circuit
    pl = [0.13089387636048466, 0.026451374647479684, 0.005204904733938401,
          0.11382909977166081, 0.5617002040210928, 0.03568793927492248,
          0.061075043435689536, 0.06515755775473187]
    assert onp.allclose(probs.reshape(8), pl, atol=1e-12, rtol=0)
    order = onp.argsort(probs)  # the demo's heavy_output_set
    heavy = [format(x, "#05b")[2:] for x in order[4:]]
    assert heavy == ["111", "011", "000", "100"]
    counts_tape = tape.copy(measurements=[qml.counts()], shots=1000)
    [counts] = qml.execute([counts_tape], qml.device("default.qubit", wires=5, seed=11))
    # PennyLane 0.45.1's counts with the same device seed
    assert {str(k): int(v) for k, v in counts.items()} == {
        "00000": 146, "00100": 23, "01000": 10, "01100": 110, "10000": 559, "10100": 33,
        "11000": 64, "11100": 55}
    heavy_count = sum(v for k, v in counts.items() if k[:3] in heavy)
    assert heavy_count == 146 + 110 + 559 + 55  # 000, 011, 100, 111


# --- beyond classical computing with qsim (qsim_beyond_classical; cirq.qsim replaced) -


def _sycamore_circuit(dev, shots):
    """The demo's random circuit on a 2 x 4 grid (its 12 qubits cut to 8, 14 cycles to 6):
    the single-qubit gates drawn with ``np.random`` seeded inside the circuit."""
    qubits = [(r, c) for r in (3, 4) for c in (3, 4, 5, 6)]
    wires = len(qubits)
    qb2wire = {q: i for i, q in enumerate(qubits)}
    sqrt_w = onp.array([[1, -onp.sqrt(1j)], [onp.sqrt(-1j), 1]]) / onp.sqrt(2)
    gates = [qml.SX, lambda wires: qml.RY(onp.pi / 2, wires=wires),
             lambda wires: qml.QubitUnitary(sqrt_w, wires=wires)]
    order = {"A": [], "B": [], "C": [], "D": []}
    for i, j in combinations(qubits, 2):
        if abs(i[0] - j[0]) + abs(i[1] - j[1]) == 1:
            if i[0] == j[0] and i[1] % 2 == 0:
                order["A"].append((qb2wire[i], qb2wire[j]))
            elif i[0] == j[0] and j[1] % 2 == 0:
                order["B"].append((qb2wire[i], qb2wire[j]))
            elif i[1] == j[1] and i[0] % 2 == 0:
                order["C"].append((qb2wire[i], qb2wire[j]))
            elif i[1] == j[1] and j[0] % 2 == 0:
                order["D"].append((qb2wire[i], qb2wire[j]))
    sequence = onp.resize(["A", "B", "C", "D"], 6)

    def gate_list():
        g = [list(onp.random.choice(range(3), size=wires))]
        for cycle in range(len(sequence)):
            g.append([])
            for w in range(wires):
                rest = list(range(3))
                rest.pop(onp.where(onp.array(rest) == g[cycle][w])[0][0])
                g[cycle + 1].append(onp.random.choice(rest))
        return g

    @qml.set_shots(shots)
    @qml.qnode(dev)
    def circuit(seed=42, return_probs=False):
        onp.random.seed(seed)
        idx = gate_list()
        for i, gs in enumerate(sequence):
            for w in range(wires):
                gates[idx[i][w]](wires=w)
            for a, b in order[gs]:
                qml.ISWAP(wires=(a, b))
                qml.CPhase(-onp.pi / 6, wires=(a, b))
        for w in range(wires):
            gates[idx[-1][w]](wires=w)
        if return_probs:
            return qml.probs(wires=range(wires))
        return qml.sample()

    return circuit


def test_qsim_demo_cross_entropy_fidelity_matches_pennylane():
    dev = qml.device("default.qubit", wires=8, seed=5)
    circuit = _sycamore_circuit(dev, 2000)
    probs = qml.set_shots(circuit, None)(seed=17, return_probs=True)
    # PennyLane 0.45.1: sum p^2, p(0), p(255), the most likely bit string
    assert onp.isclose(onp.sum(probs ** 2), 0.007329783583452713, atol=1e-14, rtol=0)
    assert onp.isclose(probs[0], 0.005065015169882895, atol=1e-14, rtol=0)
    assert onp.isclose(probs[255], 0.01391321813858786, atol=1e-14, rtol=0)
    assert int(onp.argmax(probs)) == 43
    samples = circuit(seed=17)
    bits = ["".join(str(b) for b in row) for row in samples]
    assert bits[:3] == ["11001111", "11001111", "01110101"]  # PennyLane 0.45.1's
    f_xeb = 2 ** 8 * onp.mean([probs[int(b, 2)] for b in bits]) - 1  # the demo's fidelity_xeb
    assert onp.isclose(f_xeb, 0.8956436228382372, atol=1e-12, rtol=0)  # PennyLane 0.45.1


# --- quantum embeddings and metric learning (tutorial_embeddings_metric_learning) ----


def _qaoa_embedding(features, weights, wires):
    """The demo's hand-written QAOA embedding."""
    for l in range(len(weights)):
        for idx, w in enumerate(wires):
            qml.RX(features[idx], wires=w)
        qml.CNOT(wires=wires)
        qml.RZ(2 * weights[l, 0], wires=wires[0])
        qml.CNOT(wires=wires)
        for idx, w in enumerate(wires):
            qml.RY(weights[l, idx + 1], wires=w)
    for idx, w in enumerate(wires):
        qml.RX(features[idx], wires=w)


def _metric_learning():
    dev = qml.device("default.qubit", wires=5)

    @qml.qnode(dev)
    def swap_test(q_weights, x1, x2):
        _qaoa_embedding(x1, q_weights, [1, 2])
        _qaoa_embedding(x2, q_weights, [3, 4])
        qml.Hadamard(wires=0)
        for k in range(2):
            qml.CSWAP(wires=[0, k + 1, 2 + k + 1])
        qml.Hadamard(wires=0)
        return qml.expval(qml.PauliZ(0))

    def overlaps(weights, X1, X2):
        total = 0
        for x1 in X1:
            for x2 in X2:
                total += swap_test(weights[1], weights[0] @ x1, weights[0] @ x2)
        return total / (len(X1) * len(X2))

    def cost(weights, A, B):
        aa, bb, ab = overlaps(weights, A, A), overlaps(weights, B, B), overlaps(weights, A, B)
        return 1 - 0.5 * (-2 * ab + (aa + bb))

    X = onp.random.RandomState(3).uniform(0, 1, size=(4, 16))  # (the demo's ResNet features)
    np.random.seed(1)
    q = np.random.normal(loc=0, scale=0.1, size=(4, 3))
    W = np.random.normal(loc=0, scale=0.1, size=(2, 16))
    return swap_test, cost, X[:2], X[2:], q, W


def test_metric_learning_swap_test_cost_and_gradients():
    swap_test, cost, A, B, q, W = _metric_learning()
    # PennyLane 0.45.1's values
    assert onp.isclose(swap_test(q, W @ A[0], W @ B[1]), 0.8216825829832836, atol=1e-12)
    assert onp.isclose(cost([W, q], A, B), 0.9458733452574547, atol=1e-12)
    # the demo's step on the list [W, q]: a list is no trainable argument in PennyLane
    # 0.45.1 either (its warning, the parameters unchanged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        new = qml.RMSPropOptimizer(stepsize=0.01).step(lambda w: cost(w, A, B), [W, q])
    assert any("no trainable parameters" in str(w.message) for w in caught)
    assert onp.array_equal(new[0], W) and onp.array_equal(new[1], q)
    g_q, g_W = qml.grad(lambda qq, WW: cost([WW, qq], A, B), argnums=[0, 1])(q, W)
    # PennyLane 0.45.1's gradient, first row / first entries
    assert onp.allclose(g_q[0], [0.008070016901983305, -0.001537501640526494,
                                 -0.00489713561163917], atol=1e-12, rtol=0)
    assert onp.allclose(g_W[0, :3], [-0.25543692975397825, -0.013455817256184471,
                                      -0.014705285005494364], atol=1e-12, rtol=0)
    # and central finite differences of the cost in two of the circuit's weights
    for idx in [(2, 0), (3, 2)]:
        e = onp.zeros((4, 3))
        e[idx] = 1e-5
        fd = (cost([W, q + e], A, B) - cost([W, q - e], A, B)) / 2e-5
        assert onp.isclose(g_q[idx], fd, atol=1e-8)


# --- intro to the quantum Chebyshev transform (tutorial_quantum_chebyshev_transform) --

N_CH = 4


def _qcht():
    """The demo's QChT on 1 + 4 wires; its ``qml.ControlledQubitUnitary(qml.RX(pi/2, 0),
    range(1, N+1))`` (PennyLane 0.45.1 refuses an operator base) written in 0.45's form,
    the RX matrix on wire 0 controlled by wires 1..4, as on both sides of the comparison."""
    pi = onp.pi

    def QChT():
        qml.Hadamard(wires=0)
        for wire in range(1, N_CH + 1):
            qml.CNOT([0, wire])
        qml.QFT(wires=range(N_CH + 1))
        qml.PhaseShift(-pi / 2 ** (N_CH + 1), wires=0)
        qml.RZ(-pi * (2 ** N_CH - 1) / 2 ** (N_CH + 1), wires=0)
        for wire in range(1, N_CH + 1):
            qml.RZ(pi / 2 ** (wire + 1), wires=wire)
        for wire in reversed(range(1, N_CH + 1)):
            qml.MultiControlledX(wires=(0, *range(wire + 1, N_CH + 1), wire))
        for wire in range(1, N_CH + 1):
            qml.CNOT([0, wire])
        qml.PhaseShift(-pi / 2, wires=0)
        qml.RY(-pi / 2, wires=0)
        for wire in range(1, N_CH + 1):
            qml.PauliX(wires=wire)
        qml.ControlledQubitUnitary(qml.RX.compute_matrix(pi / 2), wires=[1, 2, 3, 4, 0])
        for wire in range(1, N_CH + 1):
            qml.PauliX(wires=wire)

    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def state(state=None):
        qml.BasisState(state=state, wires=range(1, N_CH + 1))
        QChT()
        return qml.state()

    @qml.qnode(dev)
    def probs(state=None):
        qml.BasisState(state=state, wires=range(1, N_CH + 1))
        QChT()
        return qml.probs(wires=range(1, N_CH + 1))

    return state, probs


def test_chebyshev_transform_amplitudes_are_the_chebyshev_polynomials():
    state, probs = _qcht()
    j = 7
    node = onp.cos(onp.pi * (2 * j + 1) / 2 ** (N_CH + 1))
    # the demo's expectation: |tau(x_j)> has amplitudes T_k(x_j) / 2^((N-1)/2), k >= 1
    expected = [(1 / 2 ** (N_CH / 2) if k == 0 else 1 / 2 ** ((N_CH - 1) / 2))
                * onp.cos(k * onp.arccos(node)) for k in range(2 ** N_CH)]
    assert onp.allclose(probs(state=j), onp.square(expected), atol=1e-12, rtol=0)
    psi = state(state=j)
    # PennyLane 0.45.1's first amplitudes of the 32-dimensional state
    assert onp.allclose(psi[:3], [0.125 + 0.125j, 0.01732715 - 0.01732715j,
                                  -0.17337998 + 0.17337998j], atol=1e-8, rtol=0)
    half = psi[:2 ** N_CH] * onp.sqrt(2)
    overlaps = [abs(onp.inner(half, state(state=i)[:2 ** N_CH] * onp.sqrt(2))) ** 2
                for i in (0, 7)]
    assert onp.allclose(overlaps, [0.015625, 0.765625], atol=1e-12)  # PennyLane 0.45.1's


def test_controlled_qubit_unitary_refuses_an_operator_base():
    # the demo's own line: PennyLane 0.45.1 raises ValueError("Base must be a matrix.");
    # qsym applied the RX matrix to wire 4 controlled by 1..3 (off the RX's wire 0)
    with pytest.raises(GateError, match="Base must be a matrix.*qml.ctrl"):
        qml.ControlledQubitUnitary(qml.RX(onp.pi / 2, wires=0), range(1, 5))
    with pytest.raises(ValueError):
        qml.ControlledQubitUnitary(qml.PauliX(0), wires=[1, 0])
    # a QubitUnitary base (qsym's, as before PennyLane 0.41) must sit on the target wires
    with pytest.raises(WireError, match=r"give wires=\[1, 2, 0\]"):
        qml.ControlledQubitUnitary(qml.QubitUnitary(onp.eye(2), wires=0), [1, 2])
    X = onp.array([[0, 1], [1, 0]])
    op = qml.ControlledQubitUnitary(qml.QubitUnitary(X, wires=0), [1, 0])
    cnot_10 = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    assert onp.allclose(qml.matrix(op, wire_order=[1, 0]), cnot_10)


# --- it's all about groups: from FFTs to QFTs (tutorial_qft_and_groups) ---------------


def test_qft_of_a_prepared_state_is_the_discrete_fourier_transform():
    N = 16
    f = onp.array([0.5 * (x - 4) ** 3 for x in range(N)])
    h = f / onp.linalg.norm(f)
    dev = qml.device("default.qubit", wires=4, shots=None)

    @qml.qnode(dev)
    def qft(state):
        qml.StatePrep(state, wires=range(4))
        qml.QFT(wires=range(4))
        return qml.state()

    @qml.qnode(dev)
    def qft2(state):
        qml.StatePrep(state, wires=range(4))
        for i in range(4):
            qml.Hadamard(wires=i)
        return qml.state()

    dft = onp.array([sum(h[x] * onp.exp(2j * onp.pi * k * x / N) for x in range(N))
                     for k in range(N)]) / onp.sqrt(N)
    assert onp.allclose(qft(h), dft, atol=1e-13, rtol=0)
    walsh = onp.array([sum(h[x] * (-1) ** bin(k & x).count("1") for x in range(N))
                       for k in range(N)]) / 4
    assert onp.allclose(qft2(h), walsh, atol=1e-13, rtol=0)
    assert not onp.allclose(qft(h), qft2(h))  # the demo's "QFTs over different groups"


def test_draw_at_device_level_gives_wireless_measurements_the_device_wires():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return qml.state(), qml.probs(), qml.expval(qml.Z(0))

    # every expected drawing below is what PennyLane 0.45.1 printed
    assert qml.draw(c, level="device")(0.1) == (
        "0: ──RX(0.10)─╭●─┤ ╭State ╭Probs  <Z>\n"
        "1: ───────────╰X─┤ ├State ├Probs     \n"
        "2: ──────────────┤ ╰State ╰Probs     ")
    assert qml.draw(c, level="device", wire_order=[1, 0])(0.1) == (
        "1: ───────────╭X─┤ ╭State ╭Probs     \n"
        "0: ──RX(0.10)─╰●─┤ ├State ├Probs  <Z>\n"
        "2: ──────────────┤ ╰State ╰Probs     ")
    assert qml.draw(c)(0.1) == ("0: ──RX(0.10)─╭●─┤  State  Probs  <Z>\n"
                                "1: ───────────╰X─┤  State  Probs     ")


# --- computing gradients in parallel with Amazon Braket (braket-parallel-gradients;
# --- braket.aws.qubit replaced by default.qubit, 25 wires cut to 4, the 20-node graph to 6)


def test_braket_demo_product_with_identities_and_qaoa_adagrad():
    n_wires = 4
    dev_local = qml.device("default.qubit", wires=n_wires)

    def circuit(params):
        for i in range(n_wires):
            qml.RX(params[i], wires=i)
        for i in range(n_wires):
            qml.CNOT(wires=[i, (i + 1) % n_wires])
        observables = [qml.PauliZ(n_wires - 1)] + [qml.Identity(i) for i in range(n_wires - 1)]
        return qml.expval(qml.prod(*observables))

    qnode_local = qml.QNode(circuit, dev_local)
    np.random.seed(0)
    params = np.random.random(n_wires)
    # PennyLane 0.45.1 printed this drawing (the identities written are drawn, qsym drew <Z>
    # on wire 3 alone), value and gradient
    assert qml.draw(qnode_local)(params) == (
        "0: ──RX(0.55)─╭●───────╭X─┤ ╭<Z@I@I@I>\n"
        "1: ──RX(0.72)─╰X─╭●────│──┤ ├<Z@I@I@I>\n"
        "2: ──RX(0.60)────╰X─╭●─│──┤ ├<Z@I@I@I>\n"
        "3: ──RX(0.54)───────╰X─╰●─┤ ╰<Z@I@I@I>")
    assert onp.isclose(qnode_local(params), 0.4537536916236583, atol=1e-12)
    grad = qml.grad(qnode_local)(params)
    assert onp.allclose(grad, [-0.277458540200144, -0.39412700365889086, -0.31227386140459085,
                               -0.27501419149078277], atol=1e-12, rtol=0)
    e = onp.zeros(n_wires)
    e[1] = 1e-6
    fd = (qnode_local(params + e) - qnode_local(params - e)) / 2e-6
    assert onp.isclose(grad[1], fd, atol=1e-8)

    import networkx as nx

    g = nx.gnm_random_graph(6, 9, seed=1967)
    cost_h, mixer_h = qml.qaoa.maxcut(g)
    dev = qml.device("default.qubit", wires=6)

    def qaoa_layer(gamma, alpha):
        qml.qaoa.cost_layer(gamma, cost_h)
        qml.qaoa.mixer_layer(alpha, mixer_h)

    def qaoa(params, **kwargs):
        for i in range(6):
            qml.Hadamard(wires=i)
        qml.layer(qaoa_layer, 2, params[0], params[1])
        return qml.expval(cost_h)

    cost_function = qml.QNode(qaoa, dev)
    optimizer = qml.AdagradOptimizer(stepsize=0.01)
    np.random.seed(1967)
    params = 0.01 * np.random.uniform(size=[2, 2], requires_grad=True)
    costs = []
    for _ in range(3):
        params, cost_before = optimizer.step_and_cost(cost_function, params)
        costs.append(cost_before)
    # PennyLane 0.45.1's costs and parameters
    assert onp.allclose(costs, [-4.497854919330952, -4.499266048836763, -4.499971678387993],
                        atol=1e-10, rtol=0)
    assert onp.isclose(cost_function(params), -4.500350615921198, atol=1e-10)
    assert onp.allclose(params, [[0.002546618367453986, 0.0014684561830488954],
                                 [-0.0033781399710927887, -0.0027093722049592187]],
                        atol=1e-12, rtol=0)


def test_draw_labels_identity_factors_written_in_a_measured_product():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return (qml.expval(qml.prod(qml.Z(0), qml.Z(1))),
                qml.expval(qml.prod(qml.Z(1), qml.Identity(0))),
                qml.expval(qml.Z(0) @ qml.Identity(2)), qml.expval(qml.Identity(2)),
                qml.var(qml.prod(qml.X(1), qml.I(0))))

    # PennyLane 0.45.1 printed this drawing
    assert qml.draw(c)(0.1) == (
        "0: ──RX(0.10)─╭●─┤ ╭<Z@Z> ╭<Z@I> ╭<Z@I> ╭Var[X@I]\n"
        "1: ───────────╰X─┤ ╰<Z@Z> ╰<Z@I> │      ╰Var[X@I]\n"
        "2: ──────────────┤               ╰<Z@I>  <I>     ")


# --- running large circuits with BlueQubit (tutorial_bluequbit; bluequbit.cpu replaced by
# --- default.qubit, the four 6-qubit registers cut to 2, 2, 2 and 4 qubits)


def _draper_adder(wires_a, wires_b, kind="fixed", include_qft=True, include_iqft=True):
    """The demo's Draper adder (QFT, controlled phase shifts, inverse QFT)."""
    m, n = len(wires_a), len(wires_b)
    wires_sum = [min(wires_b) - 1] + wires_b if kind == "half" else wires_b
    if include_qft:
        qml.QFT(wires=wires_sum)
    for j in range(m):
        for k in range(n - j):
            qml.ControlledPhaseShift(onp.pi / 2 ** k, wires=[wires_a[-j - 1], wires_sum[j + k]])
    if kind == "half":
        for j in range(m):
            qml.ControlledPhaseShift(onp.pi / 2 ** (j + 1 + n - m), wires=[wires_a[j], wires_sum[-1]])
    if include_iqft:
        qml.adjoint(qml.QFT)(wires=wires_sum)


def test_bluequbit_demo_draper_adder_sums_uniform_registers():
    def bell_pair():
        qml.Hadamard(0)
        qml.CNOT(wires=(0, 1))
        return qml.probs()

    bell = qml.QNode(bell_pair, qml.device("default.qubit", wires=2))
    assert onp.allclose(bell(), [0.5, 0, 0, 0.5], atol=1e-15)

    @qml.qnode(qml.device("default.qubit", wires=10))
    def add_uniforms():
        regs = [[0, 1], [2, 3], [4, 5], [6, 7, 8, 9]]
        for reg in regs:
            for j in range(2):
                qml.Hadamard(reg[-j - 1])
        _draper_adder(regs[0], regs[3][-2:], kind="half")
        _draper_adder(regs[1], regs[3][-3:], kind="half", include_iqft=False)
        _draper_adder(regs[2], regs[3], include_qft=False)
        return qml.probs(wires=regs[3])

    # the sum of four independent uniform variables on 0..3: the fourfold convolution
    u = onp.ones(4) / 4
    expected = onp.zeros(16)
    expected[:13] = onp.convolve(onp.convolve(onp.convolve(u, u), u), u)
    assert onp.allclose(add_uniforms(), expected, atol=1e-14, rtol=0)


def test_draw_at_device_level_keeps_only_an_initial_state_preparation():
    # the QFTs-and-groups demo's circuit (StatePrep of a QNode argument, then QFT); every
    # expected drawing is what PennyLane 0.45.1 printed: default.qubit prepares an initial
    # StatePrep itself and decomposes a later one
    dev = qml.device("default.qubit", wires=3)
    v = onp.arange(1, 9) / onp.linalg.norm(onp.arange(1, 9))

    @qml.qnode(dev)
    def first(x):
        qml.StatePrep(x, wires=range(3))
        qml.QFT(wires=range(3))
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def later(x):
        qml.RX(0.2, 0)
        qml.StatePrep(x, wires=range(1, 3))
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def embedding(x):
        qml.AmplitudeEmbedding(x, wires=range(3))
        return qml.expval(qml.Z(0))

    assert qml.draw(first, level="device")(v) == ("0: ─╭|Ψ⟩─╭QFT─┤  <Z>\n"
                                                  "1: ─├|Ψ⟩─├QFT─┤     \n"
                                                  "2: ─╰|Ψ⟩─╰QFT─┤     ")
    w = v[:4] / onp.linalg.norm(v[:4])
    assert qml.draw(later, level="device")(w) == (
        "0: ──RX(0.20)─────────────────┤  <Z>\n"
        "1: ──RY(2.30)─╭●───────────╭●─┤     \n"
        "2: ──RY(2.03)─╰X──RY(0.18)─╰X─┤     ")
    assert qml.draw(embedding, level="device")(v) == ("0: ─╭|Ψ⟩─┤  <Z>\n"
                                                      "1: ─├|Ψ⟩─┤     \n"
                                                      "2: ─╰|Ψ⟩─┤     ")
