"""PennyLane's published demos (PennyLaneAI/qml and PennyLaneAI/demos, ``demonstrations_v2``)
not run by earlier rounds, with the import switched (issue #18, stop 67). Each test is the
demo's code cut to a few seconds (JAX's NumPy as NumPy, PyTorch as ``qsym.numpy`` with
``qml.grad`` and ``AdamOptimizer``, plugin devices as ``default.qubit`` / ``lightning.qubit``,
data sets synthesized with a seeded generator; the same edits on PennyLane's side); the
numbers and drawings are what PennyLane 0.45.1 printed for the same code in /work/plvenv (a
throwaway script with ``import pennylane as qml``), never qsym's own output.
benchmarks/results/pennylane-demos-demo67-2026-12-07.md lists each demo and what differed.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as onp

import qsym as qml
from qsym import numpy as np

# --- Quantum just-in-time compiling Shor's algorithm with Catalyst
# (tutorial_shors_algorithm_catalyst): the demo's own plain-PennyLane version
# ``shors_algorithm_no_qjit`` (mid-circuit measurements with reset, ``qml.cond`` phase
# corrections, ``qml.ctrl`` / ``qml.adjoint`` of Fourier adders), ``jax.numpy`` as NumPy, the
# QPE's outcome distribution (``qml.probs(op=measurements)``, analytic, a device without
# wires: the demo's ``shots=1`` on 2n + 3 wires refuses analytic deferral in both) instead of
# one shot. PennyLane's drawing of the N = 15 circuit has ``(H†)†`` and ``((Rϕ(0.39))†)†``
# where ``qml.adjoint(doubly_controlled_adder)`` inverts the inner ``qml.adjoint(QFT)``; qsym
# drew the plain gates (fixed: ``Adjoint(Adjoint(op))`` drawn as PennyLane's).


def _repeated_squaring(a, exp, N):
    bits = onp.array(onp.unpackbits(onp.array([exp]).view("uint8"), bitorder="little"))
    total_bits_one = onp.sum(bits)
    result = onp.array(1, dtype=onp.int32)
    x = onp.array(a, dtype=onp.int32)
    idx, num_bits_added = 0, 0
    while num_bits_added < total_bits_one:
        if bits[idx] == 1:
            result = (result * x) % N
            num_bits_added += 1
        x = (x**2) % N
        idx += 1
    return result


def _modular_inverse(a, N):
    t, newt = onp.array(0, dtype=onp.int32), onp.array(1, dtype=onp.int32)
    r, newr = onp.array(N, dtype=onp.int32), onp.array(a, dtype=onp.int32)
    while newr != 0:
        quotient = r // newr
        t, newt = newt, t - quotient * newt
        r, newr = newr, r - quotient * newr
    return t + N if t < 0 else t


def _qft(wires):
    shifts = onp.array([2 * onp.pi * 2**-i for i in range(2, len(wires) + 1)])
    for i in range(len(wires)):
        qml.Hadamard(wires[i])
        for j in range(len(shifts) - i):
            qml.ControlledPhaseShift(shifts[j], wires=[wires[(i + 1) + j], wires[i]])


def _fourier_adder_phase_shift(a, wires):
    n = len(wires)
    a_bits = onp.unpackbits(onp.array([a]).view("uint8"), bitorder="little")[:n][::-1]
    powers_of_two = onp.array([1 / (2**k) for k in range(1, n + 1)])
    phases = onp.array([onp.dot(a_bits[k:], powers_of_two[: n - k]) for k in range(n)])
    for i in range(len(wires)):
        if phases[i] != 0:
            qml.PhaseShift(2 * onp.pi * phases[i], wires=wires[i])


def _doubly_controlled_adder(N, a, control_wires, wires, aux_wire):
    qml.ctrl(_fourier_adder_phase_shift, control=control_wires)(a, wires)
    qml.adjoint(_fourier_adder_phase_shift)(N, wires)
    qml.adjoint(_qft)(wires)
    qml.CNOT(wires=[wires[0], aux_wire])
    _qft(wires)
    qml.ctrl(_fourier_adder_phase_shift, control=aux_wire)(N, wires)
    qml.adjoint(qml.ctrl(_fourier_adder_phase_shift, control=control_wires))(a, wires)
    qml.adjoint(_qft)(wires)
    qml.PauliX(wires=wires[0])
    qml.CNOT(wires=[wires[0], aux_wire])
    qml.PauliX(wires=wires[0])
    _qft(wires)
    qml.ctrl(_fourier_adder_phase_shift, control=control_wires)(a, wires)


def _controlled_ua(N, a, control_wire, target_wires, aux_wires, mult_a_mask, mult_a_inv_mask):
    n = len(target_wires)
    for i in range(n):
        if mult_a_mask[n - i - 1] > 0:
            pow_a = (a * (2**i)) % N
            _doubly_controlled_adder(N, pow_a, [control_wire, target_wires[n - i - 1]],
                                     aux_wires[:-1], aux_wires[-1])
    qml.adjoint(_qft)(wires=aux_wires[:-1])
    for i in range(n):
        qml.CNOT(wires=[aux_wires[i + 1], target_wires[i]])
        qml.Toffoli(wires=[control_wire, target_wires[i], aux_wires[i + 1]])
        qml.CNOT(wires=[aux_wires[i + 1], target_wires[i]])
    a_mod_inv = _modular_inverse(a, N)
    _qft(wires=aux_wires[:-1])
    for i in range(n):
        if mult_a_inv_mask[i] > 0:
            pow_a_inv = (a_mod_inv * (2 ** (n - i - 1))) % N
            qml.adjoint(_doubly_controlled_adder)(N, pow_a_inv, [control_wire, target_wires[i]],
                                                  aux_wires[:-1], aux_wires[-1])


def _shor_qpe(N, a, shots=None):
    """The demo's ``run_qpe`` of ``shors_algorithm_no_qjit``, returning the distribution of
    its measurements (analytic), or, with ``shots``, the demo's ``qml.sample(measurements)``
    on its ``lightning.qubit`` of 2n + 3 wires."""
    n_bits = int(onp.ceil(onp.log2(N)))
    est_wire = 0
    target_wires = list(range(1, n_bits + 1))
    aux_wires = list(range(n_bits + 1, 2 * n_bits + 3))
    dev = (qml.device("lightning.qubit", wires=2 * n_bits + 3, seed=7) if shots
           else qml.device("default.qubit"))

    @qml.set_shots(shots)
    @qml.qnode(dev)
    def run_qpe():
        a_mask = onp.zeros(n_bits, dtype=onp.int64)
        a_mask[0] = 1  # (jnp's a_mask.at[0].set(1))
        a_mask = a_mask + onp.array(
            onp.unpackbits(onp.array([a]).view("uint8"), bitorder="little")[:n_bits])
        a_inv_mask = a_mask
        measurements = []
        qml.PauliX(wires=target_wires[-1])
        _qft(wires=aux_wires[:-1])
        qml.Hadamard(wires=est_wire)
        _qft(wires=target_wires)
        qml.ctrl(_fourier_adder_phase_shift, control=est_wire)(a - 1, target_wires)
        qml.adjoint(_qft)(wires=target_wires)
        qml.Hadamard(wires=est_wire)
        measurements.append(qml.measure(est_wire, reset=True))
        powers_cua = onp.array([_repeated_squaring(a, 2**p, N) for p in range(n_bits)])
        loop_bound = n_bits
        if onp.min(powers_cua) == 1:
            loop_bound = onp.argmin(powers_cua)
        for pow_a_idx in range(1, loop_bound):
            pow_cua = powers_cua[pow_a_idx]
            if not onp.all(a_inv_mask):
                for power in range(2**pow_a_idx, 2 ** (pow_a_idx + 1)):
                    next_pow_a = onp.array([_repeated_squaring(a, power, N)])
                    a_inv_mask = a_inv_mask + onp.array(
                        onp.unpackbits(next_pow_a.view("uint8"), bitorder="little")[:n_bits])
            qml.Hadamard(wires=est_wire)
            _controlled_ua(N, pow_cua, est_wire, target_wires, aux_wires, a_mask, a_inv_mask)
            a_mask = a_mask + a_inv_mask
            a_inv_mask = onp.zeros_like(a_inv_mask)
            for meas_idx, meas in enumerate(measurements):
                qml.cond(meas, qml.PhaseShift)(-2 * onp.pi / 2 ** (pow_a_idx + 2 - meas_idx),
                                               wires=est_wire)
            qml.Hadamard(wires=est_wire)
            measurements.append(qml.measure(est_wire, reset=True))
        qml.adjoint(_qft)(wires=aux_wires[:-1])
        return qml.sample(measurements) if shots else qml.probs(op=measurements)

    return run_qpe


# PennyLane 0.45.1's drawings (``qml.draw(run_qpe)()``, default.qubit): their length, SHA-256
# and number of daggers, for N = 15 with a = 7 and a = 2
SHOR_15_DRAWINGS = {
    7: (93444, "89f3b949b3246d12ca777a3cce1de1024b51129c7a63576776416c2b063e820e", 1136),
    2: (84465, "97651b5eb0d921d1554fe4085f36f59b0fe4b62cbd59f7144f70b0b039c56b21", 1075)}


def test_shors_algorithm_demo_matches_pennylane():
    """N = 15 (4 bits, 11 wires, two measurements with reset): a = 7 and a = 2 have order 4,
    so the two measured phase bits are uniform (phases 0, 1/4, 1/2, 3/4: worked out by
    hand; PennyLane's too), and the whole circuit is drawn as PennyLane draws it: before
    the fix 40 ``(H†)†`` of the inverted adders' inner ``qml.adjoint(QFT)`` were plain
    ``H`` (and their phase shifts undaggered). The demo's N = 21 and 33 agree too (PennyLane's
    32 and 64 probabilities to 1e-12: benchmarks/results/pennylane-demos-demo67-2026-12-07.md),
    but take seconds each."""
    import hashlib

    for a in (7, 2):
        run_qpe = _shor_qpe(15, a)
        onp.testing.assert_allclose(run_qpe(), [0.25] * 4, atol=1e-12)
        drawing = qml.draw(run_qpe)()
        length, digest, daggers = SHOR_15_DRAWINGS[a]
        assert (len(drawing), drawing.count("†"), drawing.count("(H†)†")) == (length, daggers, 40)
        assert hashlib.sha256(drawing.encode()).hexdigest() == digest
    # the demo's one shot: PennyLane's (1, 2) int64 array of the two outcomes
    sample = _shor_qpe(15, 7, shots=1)()
    assert type(sample) is onp.ndarray and sample.shape == (1, 2) and sample.dtype == onp.int64
    assert set(sample.ravel().tolist()) <= {0, 1}


# The mechanism the Shor drawing needed, on a small circuit (PennyLane's drawing and tape).
NESTED_ADJOINT_DRAWING = """\
0: ──(H†)†────────╭((Rϕ(0.30))†)†─╭(X†)†──(RX(0.30)†)†─╭H†───────────────┤↗│  │0⟩──Rϕ(-0.50)─┤ ···
1: ──(Rϕ(0.30)†)†─╰((Rϕ(0.30))†)†─╰(X†)†───────────────│───╭(RY(0.30))†───║────────║─────────┤ ···
2: ────────────────────────────────────────────────────├H†─├(RY(0.30))†───║────────║─────────┤ ···
3: ────────────────────────────────────────────────────╰H†─╰(RY(0.30))†───║────────║─────────┤ ···
                                                                          ╚════════╩═════════╡

0: ···             
1: ···             
2: ···             
3: ···             
         Probs[MCM]"""


def test_adjoint_of_an_adjoint_and_of_a_many_controlled_gate_are_drawn_as_pennylane():
    """``qml.adjoint`` of a function that applies ``qml.adjoint(f)`` is PennyLane's
    ``Adjoint(Adjoint(op))``, drawn with the inner label bracketed and a second dagger
    (qsym drew the plain gates, with control dots); ``qml.adjoint(qml.ctrl(H, [2, 3]))`` (a
    controlled gate qsym applies as one matrix) is PennyLane's ``Adjoint(Controlled(H))``:
    ``H†`` on every wire, no dots (qsym drew ``H†`` with two dots)."""
    def f(x, w):
        qml.Hadamard(w[0])
        qml.PhaseShift(x, wires=w[1])
        qml.ControlledPhaseShift(x, wires=w)
        qml.CNOT(wires=w)

    def g(x, w):
        qml.adjoint(f)(x, w)

    @qml.qnode(qml.device("default.qubit"))
    def c(x):
        qml.adjoint(g)(x, [0, 1])
        qml.adjoint(qml.adjoint(qml.RX))(x, wires=0)
        qml.adjoint(qml.ctrl(qml.Hadamard, control=[2, 3]))(wires=0)
        qml.adjoint(qml.ctrl(qml.RY, control=[2, 3]))(x, wires=1)
        m = qml.measure(0, reset=True)
        qml.cond(m, qml.PhaseShift)(-0.5, wires=0)
        return qml.probs(op=[m])

    assert qml.draw(c)(0.3) == NESTED_ADJOINT_DRAWING
    assert repr(qml.workflow.construct_tape(c)(0.3).operations[:3]) == (
        "[Adjoint(Adjoint(H(0))), Adjoint(Adjoint(PhaseShift(0.3, wires=[1]))), "
        "Adjoint(Adjoint(ControlledPhaseShift(0.3, wires=Wires([0, 1]))))]")
    # PennyLane's reprs: CRZ, CRot and ControlledPhaseShift print a Wires object
    assert repr(qml.CRZ(0.3, wires=["a", "b"])) == "CRZ(0.3, wires=Wires(['a', 'b']))"
    assert repr(qml.CRot(1, 2, 3, wires=[0, 1])) == "CRot(1, 2, 3, wires=Wires([0, 1]))"
    assert repr(qml.CRX(0.3, wires=[0, 1])) == "CRX(0.3, wires=[0, 1])"


# --- Adversarial attacks and robustness for quantum machine learning
# (tutorial_adversarial_attacks_QML): the classifier (StronglyEntanglingLayers of
# ``weights * inputs + bias``, inputs reuploaded three times), PyTorch's CrossEntropyLoss,
# Adam and the PGD attack's gradient with respect to the inputs; torch as ``qml.numpy`` and
# ``qml.grad``; 4x4 images of the four symbols synthesized (``qml.data`` not here), 4 qubits
# and 4 layers (the demo's 8 and 32 on 16x16 images), 2 Adam steps of batch 4, 3 PGD steps.

def _adversarial_demo():
    num_classes, num_layers, num_qubits, num_reup = 4, 4, 4, 3
    rng = onp.random.default_rng(1337)
    base = onp.zeros((4, 4, 4))
    base[0, 1:3, :] = 1
    base[1, 1:3, :] = 1
    base[1, :, 1:3] = 1
    base[2, :, 0] = 1
    base[2, 1:3, :] = 1
    base[3, :, 3] = 1
    base[3, 1:3, :] = 1
    labels_all = rng.integers(0, 4, size=24)
    X = onp.clip(base[labels_all] + 0.2 * rng.normal(size=(24, 4, 4)), 0, 1).reshape(24, -1)
    dev = qml.device("lightning.qubit", wires=num_qubits)
    weights_shape = qml.StronglyEntanglingLayers.shape(n_layers=num_layers, n_wires=num_qubits)

    @qml.qnode(dev)
    def circuit(inputs, weights, bias):
        inputs = np.reshape(inputs, weights_shape)
        qml.StronglyEntanglingLayers(weights=weights * inputs + bias, wires=range(num_qubits))
        return [qml.expval(qml.PauliZ(i)) for i in range(num_classes)]

    def model(x, weights, bias):
        return np.stack(circuit(np.hstack([x] * num_reup), weights, bias))

    def loss(outputs, labels):  # torch.nn.CrossEntropyLoss
        logz = np.log(np.sum(np.exp(outputs), axis=1))
        picked = np.stack([outputs[i, labels[i]] for i in range(len(labels))])
        return np.mean(logz - picked)

    weights = np.array(0.1 * rng.random(weights_shape), requires_grad=True)
    bias = np.array(0.1 * rng.random(weights_shape), requires_grad=True)
    out = {"first": model(X[0], weights, bias)}

    def batch_loss(w, b, feats, labels):
        return loss(np.stack([model(f, w, b) for f in feats]), labels)

    opt = qml.AdamOptimizer(0.1)
    out["losses"] = []
    for it in range(2):
        idx = slice(4 * it, 4 * it + 4)
        (weights, bias, _, _), cost = opt.step_and_cost(batch_loss, weights, bias, X[idx],
                                                        labels_all[idx])
        out["losses"].append(float(cost))
    out["w"] = weights[0, 0]
    feats, labels = np.array(X[:4], requires_grad=False), labels_all[:4]
    delta = np.zeros_like(feats, requires_grad=True)
    for t in range(3):  # the demo's PGD: ascent along the sign of the input gradient
        grad = qml.grad(lambda d: loss(np.stack([model(f, weights, bias) for f in feats + d]),
                                       labels))(delta)
        if t == 0:
            out["grad"] = grad[0]
        delta = np.clip(delta + 0.01 * np.sign(grad), -0.1, 0.1)
    out["pert"] = delta[1]
    out["adversarial"] = [int(onp.argmax(model(f, weights, bias))) for f in feats + delta]
    return out


def test_adversarial_attacks_demo_matches_pennylane():
    out = _adversarial_demo()
    onp.testing.assert_allclose(
        out["first"], [0.971356515714, 0.976881975814, 0.95882368189, 0.974738174606],
        atol=1e-11)
    onp.testing.assert_allclose(out["losses"], [1.3915427247591923, 1.384217691540525],
                                rtol=1e-13)
    onp.testing.assert_allclose(
        out["w"], [0.031180398743823123, 0.2720927262578872, -0.00017914987163047957],
        atol=1e-13)
    onp.testing.assert_allclose(out["grad"], [
        0.0037601964735800393, -0.004151342027698626, 0.01206034066845478,
        7.18221014624407e-05, -0.0007104507917758377, 0.00015113000020242415,
        6.746403238724132e-06, 0.0013789540313180924, 0.0038143511734732628,
        -0.0007191670176227146, 0.0017372058877889837, 0.006913232254626672,
        -0.006524136154281819, -0.0017049922165372378, -0.006973299500179853,
        -0.006107225884860803], atol=1e-14)
    onp.testing.assert_allclose(out["pert"], [-0.03, 0.03, -0.03, -0.03, 0.03, -0.03, 0.03,
                                              -0.03, 0.01, 0.03, -0.03, 0.03, -0.03, -0.03,
                                              0.03, -0.03], atol=1e-15)
    assert out["adversarial"] == [1, 3, 1, 1]


# --- Ensemble classification with Forest and Qiskit devices (ensemble_multi_qpu): the two
# QNodes (``qml.QNode(circuit, dev)`` with the data as the keyword ``x=``, ``Rot(*params[...])``,
# three expectation values each), the softmax choice of the more confident QPU; rigetti.qvm and
# qiskit.aer as default.qubit and lightning.qubit, dask's thread scheduler as a
# ThreadPoolExecutor (both QNodes at once on every other point), the iris data (scikit-learn)
# as three seeded clusters, the pre-trained parameters (a file) as seeded uniform angles.

def test_ensemble_multi_qpu_demo_matches_pennylane():
    n_features, n_wires = 2, 4
    rng = onp.random.default_rng(7)
    centres = onp.array([[-1.5, 0.0], [0.6, 0.6], [0.9, -0.7]])
    y = onp.repeat(onp.arange(3), 10)
    rng.shuffle(y)
    x = centres[y] + 0.45 * rng.normal(size=(30, 2))
    x = (x - x.mean(axis=0)) / x.std(axis=0)

    def circuit0(params, x=None):
        for i in range(n_wires):
            qml.RX(x[i % n_features], wires=i)
            qml.Rot(*params[1, 0, i], wires=i)
        qml.CZ(wires=[1, 0])
        qml.CZ(wires=[1, 2])
        qml.CZ(wires=[3, 0])
        for i in range(n_wires):
            qml.Rot(*params[1, 1, i], wires=i)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliZ(2))

    def circuit1(params, x=None):
        for i in range(n_wires):
            qml.RX(x[i % n_features], wires=i)
            qml.Rot(*params[0, 0, i], wires=i)
        qml.CZ(wires=[0, 1])
        qml.CZ(wires=[1, 2])
        qml.CZ(wires=[1, 3])
        for i in range(n_wires):
            qml.Rot(*params[0, 1, i], wires=i)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliZ(2))

    qnodes = [qml.QNode(circuit0, qml.device("default.qubit", wires=4)),
              qml.QNode(circuit1, qml.device("lightning.qubit", wires=4))]

    def predict_point(params, x_point, parallel):
        if parallel:
            with ThreadPoolExecutor(2) as ex:
                futures = [ex.submit(q, params, x=x_point) for q in qnodes]
                results = onp.array([f.result() for f in futures])
        else:
            results = onp.array(tuple(q(params, x=x_point) for q in qnodes))
        e = onp.exp(results - results.max(axis=1, keepdims=True))
        softmax = e / e.sum(axis=1, keepdims=True)
        choice = onp.where(softmax == onp.max(softmax))[0][0]
        return int(onp.argmax(softmax[choice])), int(choice), results

    params = rng.uniform(0, 2 * onp.pi, size=(2, 2, 4, 3))
    first = qnodes[0](params, x=x[0])
    assert isinstance(first, tuple) and len(first) == 3  # PennyLane's tuple of np.float64
    onp.testing.assert_allclose(first, [-0.5663996098475952, 0.26519214722017914,
                                        0.3159276528418867], atol=1e-14)
    out = [predict_point(params, p, parallel=(i % 2 == 0)) for i, p in enumerate(x)]
    onp.testing.assert_allclose(out[1][2], [
        [-0.05538395077230435, -0.08699689561215435, 0.28170410210629315],
        [0.9551292110757583, -0.3472262232632, -0.6402061110892435]], atol=1e-14)
    assert abs(sum(float(onp.abs(o[2]).sum()) for o in out) - 88.21548104927135) < 1e-12
    assert [o[1] for o in out] == [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1,
                                   0, 1, 1, 1, 1, 1, 0, 1, 1, 1]
    assert Counter(int(o[0] == t) for o, t in zip(out, y)) == Counter({0: 29, 1: 1})


# --- Quantum GANs (tutorial_quantum_gans): the patch generator's circuit (RY noise, depth-6
# RY / CZ layers, ``qml.probs``), ``partial_measure`` (the ancilla's 0 branch renormalised
# in place, ``probsgiven0 /= sum(probs)``, then scaled by its maximum), four sub-generators
# concatenated; ``diff_method="parameter-shift"`` on lightning.qubit as the demo; torch as
# ``qml.numpy``, the MLP discriminator as one fixed sigmoid layer, SGD(0.3) on the generator
# loss (BCE of D(G(z)) against 1) as ``GradientDescentOptimizer(0.3)``, 2 steps, batch 2.

def test_quantum_gans_demo_patch_generator_matches_pennylane():
    n_qubits, n_a_qubits, q_depth, n_generators = 5, 1, 6, 4
    dev = qml.device("lightning.qubit", wires=n_qubits)

    @qml.qnode(dev, diff_method="parameter-shift")
    def quantum_circuit(noise, weights):
        weights = weights.reshape(q_depth, n_qubits)
        for i in range(n_qubits):
            qml.RY(noise[i], wires=i)
        for i in range(q_depth):
            for y in range(n_qubits):
                qml.RY(weights[i][y], wires=y)
            for y in range(n_qubits - 1):
                qml.CZ(wires=[y, y + 1])
        return qml.probs(wires=list(range(n_qubits)))

    def partial_measure(noise, weights):
        probs = quantum_circuit(noise, weights)
        probsgiven0 = probs[: (2 ** (n_qubits - n_a_qubits))]
        probsgiven0 /= np.sum(probs)
        return probsgiven0 / np.max(probsgiven0)

    def generator(x, q_params):
        return np.stack([np.concatenate([partial_measure(elem, p) for p in q_params])
                         for elem in x])

    rng = onp.random.default_rng(111)
    q_params = np.array(rng.random((n_generators, q_depth * n_qubits)), requires_grad=True)
    W, b = rng.normal(size=64) * 0.3, 0.1
    noise = np.array(rng.random((2, n_qubits)) * np.pi / 2, requires_grad=False)

    def gen_loss(q):
        d = 1 / (1 + np.exp(-(np.dot(generator(noise, q), W) + b)))
        return -np.mean(np.log(d))

    img = generator(noise, q_params)
    assert img.shape == (2, 64) and isinstance(img, np.tensor) and img.requires_grad
    onp.testing.assert_allclose(img[0, :6], [
        0.7354914906664798, 0.1838306066948952, 0.8713809117212546, 0.4409168441935211,
        0.14178541843538361, 0.5483276316487342], atol=1e-14)
    onp.testing.assert_allclose(img[1, 16:20], [0.5851697401816801, 0.058785027619435166,
                                                0.15007928002065102, 0.24430160231721382],
                                atol=1e-14)
    opt = qml.GradientDescentOptimizer(0.3)
    losses = []
    for _ in range(2):
        q_params, cost = opt.step_and_cost(gen_loss, q_params)
        losses.append(float(cost))
    onp.testing.assert_allclose(losses, [1.2032875520680708, 0.269518133830817], rtol=1e-13)
    onp.testing.assert_allclose(q_params[1, :5], [
        0.8283343301057348, 0.23825459311438682, 0.8712565980020409, 0.11048510777110553,
        -0.00016017721914319757], atol=1e-13)
    with qml.Tracker(dev) as tracker:  # 8 circuits, 30 parameters, two shifts each
        qml.grad(gen_loss)(q_params)
    assert (tracker.totals["executions"], tracker.totals["batches"]) == (488, 16)


# --- Quantum transfer learning (tutorial_quantum_transfer_learning): the dressed quantum
# net (a linear layer, tanh * pi / 2, the 4-qubit depth-6 variational circuit returning a
# tuple of expectation values stacked with ``hstack``, a linear layer), CrossEntropyLoss and
# Adam over all five parameter arrays; ResNet18's 512 features as 16 seeded ones, torch as
# ``qml.numpy``, 3 steps on a batch of 4.

def test_quantum_transfer_learning_demo_dressed_net_matches_pennylane():
    n_qubits, q_depth = 4, 6

    def H_layer(nqubits):
        for idx in range(nqubits):
            qml.Hadamard(wires=idx)

    def RY_layer(w):
        for idx, element in enumerate(w):
            qml.RY(element, wires=idx)

    def entangling_layer(nqubits):
        for i in range(0, nqubits - 1, 2):
            qml.CNOT(wires=[i, i + 1])
        for i in range(1, nqubits - 1, 2):
            qml.CNOT(wires=[i, i + 1])

    @qml.qnode(qml.device("default.qubit", wires=n_qubits))
    def quantum_net(q_input_features, q_weights_flat):
        q_weights = q_weights_flat.reshape(q_depth, n_qubits)
        H_layer(n_qubits)
        RY_layer(q_input_features)
        for k in range(q_depth):
            entangling_layer(n_qubits)
            RY_layer(q_weights[k])
        return tuple(qml.expval(qml.PauliZ(position)) for position in range(n_qubits))

    rng = onp.random.default_rng(42)
    pre_W = np.array(rng.normal(size=(16, n_qubits)) * 0.25, requires_grad=True)
    pre_b = np.array(np.zeros(n_qubits), requires_grad=True)
    q_params = np.array(0.01 * rng.normal(size=q_depth * n_qubits), requires_grad=True)
    post_W = np.array(rng.normal(size=(n_qubits, 2)) * 0.5, requires_grad=True)
    post_b = np.array(np.zeros(2), requires_grad=True)
    X, y = rng.normal(size=(4, 16)), onp.array([0, 1, 1, 0])

    def dressed(pre_W, pre_b, q_params, post_W, post_b, feats):
        q_in = np.tanh(np.dot(feats, pre_W) + pre_b) * np.pi / 2.0
        q_out = np.stack([np.hstack(quantum_net(elem, q_params)) for elem in q_in])
        return np.dot(q_out, post_W) + post_b

    def cost(pre_W, pre_b, q_params, post_W, post_b, feats, labels):
        out = dressed(pre_W, pre_b, q_params, post_W, post_b, feats)
        logz = np.log(np.sum(np.exp(out), axis=1))
        return np.mean(logz - np.stack([out[i, labels[i]] for i in range(len(labels))]))

    onp.testing.assert_allclose(dressed(pre_W, pre_b, q_params, post_W, post_b, X).ravel(), [
        -0.5673680927113769, -0.1409447753969751, -0.07638060540070044, 0.17407776706240055,
        -0.22771525909519555, -0.4779505625335642, -0.643123579238617, -0.427376154391866],
        atol=1e-14)
    opt = qml.AdamOptimizer(0.04)
    params, losses = (pre_W, pre_b, q_params, post_W, post_b), []
    for _ in range(3):
        *params, cost_value = opt.step_and_cost(cost, *params, X, y)
        params = params[0][:5]
        losses.append(float(cost_value))
    onp.testing.assert_allclose(losses, [0.7843891932666196, 0.7077608111786173,
                                         0.6726680767954314], rtol=1e-13)
    onp.testing.assert_allclose(params[2][:4], [0.08320604144921641, -0.10904199102467935,
                                                -0.0856057863483225, -0.10383008229098599],
                                atol=1e-14)
    grad = qml.grad(cost, argnums=[2])(*params, X, y)
    assert isinstance(grad, tuple) and len(grad) == 1  # PennyLane's: a tuple for a list
    onp.testing.assert_allclose(grad[0][:4], [0.010865546955074766, 0.005097414792121835,
                                              -0.0033001501651224114, -0.002967788408672457],
                                atol=1e-14)


# --- Training PennyLane circuits with the Keras 3 multi-backend (keras_3_training): the
# demo's layer class as plain Python (keras is in neither environment): a QNode made from the
# bound method ``self.serial_quantum_model`` with ``diff_method="adjoint"`` on lightning.qubit,
# the 70 inputs broadcast through ``qml.RX(x[:, 0])``, the mean squared error against the
# degree-1 Fourier target, keras' Adam(0.03) as ``AdamOptimizer(0.03)`` over the full batch,
# 5 epochs of 30; the weights' initializer as a seeded uniform draw.

def test_keras_3_training_demo_layer_matches_pennylane():
    class QKerasLayer:
        def __init__(self, layers, scaling=1.0):
            self.layers, self.scaling = layers, scaling

        def build(self, rng):
            self.layer_weights = np.array(rng.uniform(0, 2 * np.pi, size=(self.layers + 1, 3)),
                                          requires_grad=True)
            dev = qml.device("lightning.qubit", wires=1)
            self.circuit = qml.QNode(self.serial_quantum_model, dev, diff_method="adjoint")

        def S(self, x):
            qml.RX(x[:, 0], wires=0)

        def W(self, theta):
            qml.Rot(theta[0], theta[1], theta[2], wires=0)

        def serial_quantum_model(self, weights, x):
            for theta in weights[:-1]:
                self.W(theta)
                self.S(x)
            self.W(weights[-1])
            return qml.expval(qml.PauliZ(wires=0))

        def call(self, weights, inputs):
            return self.circuit(weights, np.multiply(self.scaling, inputs))

    x = onp.linspace(-6, 6, 70)
    target_y = 0.1 + 2 * onp.real((0.15 + 0.15j) * onp.exp(1j * x))  # the demo's target
    layer = QKerasLayer(layers=2)
    layer.build(onp.random.default_rng(5))
    X = x.reshape(-1, 1)
    y0 = layer.call(layer.layer_weights, X)
    assert y0.shape == (70,)
    onp.testing.assert_allclose(y0[:4], [-0.06898017074942753, -0.22764672141879022,
                                         -0.3788389243936176, -0.5153931254427015], atol=1e-14)
    assert qml.draw(layer.circuit)(layer.layer_weights, X[:1]) == (
        "0: ──Rot(5.06,5.08,3.24)──RX(M0)──Rot(1.80,0.34,2.41)──RX(M0)──Rot(2.57,0.28,0.31)─┤  <Z>"
        "\n\nM0 = \n[-6.]")

    def mse(w):
        return np.mean((layer.call(w, X) - target_y) ** 2)

    opt, w, losses = qml.AdamOptimizer(0.03), layer.layer_weights, []
    for _ in range(5):
        w, cost = opt.step_and_cost(mse, w)
        losses.append(float(cost))
    onp.testing.assert_allclose(losses, [0.2336539222632763, 0.2067187184648734,
                                         0.18138662501473501, 0.1580852578452797,
                                         0.13727433581329657], rtol=1e-13)
    # w[0] and w[8] (the first and last Rot's phi / omega, no effect on <Z>) have gradients
    # of rounding size, which Adam's m / sqrt(v) turns into 1e-11 drifts in both libraries
    onp.testing.assert_allclose(w.ravel(), [
        5.057982542662429, 4.926078924306788, 3.385413252785455, 1.6467660587558708,
        0.48222612060311176, 2.258902597813388, 2.7136290223609496, 0.14155514530090238,
        0.30635373165265484], atol=1e-9)
    onp.testing.assert_allclose(qml.grad(mse)(w).ravel(), [
        0.0, 0.09788004612733242, -0.014277381634604291, 0.12842867062590443,
        -0.0014477368615580732, 0.285358314189267, -0.026887947354058108,
        -0.0004832127275713246, 0.0], atol=1e-14)


# --- Generative quantum eigensolver training (gqe_training): the operator pool as the demo
# builds it (``np.array`` of Single/DoubleExcitation and ``qml.exp(qml.I(...), 1j t)``
# operators), random sequences by fancy-indexing that object array, ``qml.apply`` of each
# operator with a ``qml.Snapshot(measurement=qml.expval(H))`` before it, ``qml.snapshots``
# and ``.item()`` of every subsequence energy; ``qml.data``'s H2 as
# ``molecular_hamiltonian`` at 0.742 Å; the GPT (PyTorch) left out. qsym refused the
# sequence, a NumPy object array of operators, as a non-numeric argument (fixed: static, as
# a list of operators is, compared by its items).

GQE_ENERGIES = [  # PennyLane 0.45.1 (its Hamiltonian differs from qsym's by 1e-12)
    [-1.1166512475745147, -1.1166213742875066, -1.1151883711542259, -1.113277833942385],
    [-1.1161733683293564, -1.1061334688860869, -1.1003837565454009, -1.0726071594599447],
    [-1.1209378386280642, -1.1209378386280642, -1.120907974950185, -1.1209079749501845],
    [-1.1147409250431208, -1.1142340308420087, -1.1142340308420087, -1.1166213742875066],
    [-1.1166213742875066, -1.116382415996554, -1.115188371154226, -1.115188371154226],
    [-1.1147409250431208, -1.1147409250431208, -1.114621419027522, -1.0927419275309254]]


def test_gqe_training_demo_subsequence_energies_match_pennylane():
    coords = onp.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.742 / 0.529177210903])
    hamiltonian, num_qubits = qml.qchem.molecular_hamiltonian(["H", "H"], coords)
    init_state = qml.qchem.hf_state(2, num_qubits)
    op_times = onp.sort(onp.array([-2**k for k in range(1, 5)] + [2**k for k in range(1, 5)])
                        / 160)
    singles, doubles = qml.qchem.excitations(2, num_qubits)
    operator_pool = ([qml.DoubleExcitation(t, wires=d) for d in doubles for t in op_times]
                     + [qml.SingleExcitation(t, wires=s) for s in singles for t in op_times]
                     + [qml.exp(qml.I(range(num_qubits)), 1j * t) for t in op_times])
    op_pool = onp.array(operator_pool)
    assert op_pool.shape == (32,) and op_pool.dtype == object
    assert repr(op_pool[0]) == "DoubleExcitation(np.float64(-0.1), wires=[0, 1, 2, 3])"

    @qml.qnode(qml.device("default.qubit", wires=num_qubits))
    def energy_circuit(gqe_ops):
        qml.BasisState(init_state, wires=range(num_qubits))
        for op in gqe_ops:
            qml.Snapshot(measurement=qml.expval(hamiltonian))
            qml.apply(op)
        return qml.expval(hamiltonian)

    energy_circuit = qml.snapshots(energy_circuit)
    inds = onp.random.default_rng(0).integers(len(op_pool), size=(6, 4))
    energies = []
    for ops in op_pool[inds]:
        es = energy_circuit(ops)
        assert list(es.keys()) == [0, 1, 2, 3, "execution_results"]
        energies.append([es[k].item() for k in list(range(1, len(ops))) + ["execution_results"]])
    onp.testing.assert_allclose(energies, GQE_ENERGIES, atol=1e-9)

    # an object array of operators is compared by its items: a new one of the same shape
    # runs its own gates (cos(a) cos(b) for RX(a) then RY(b) on |0>, by hand)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def applied(ops):
        for op in ops:
            qml.apply(op)
        return qml.expval(qml.Z(0))

    assert abs(applied(onp.array([qml.RX(0.3, wires=0), qml.RY(0.5, wires=0)]))
               - onp.cos(0.3) * onp.cos(0.5)) < 1e-14
    assert abs(applied(onp.array([qml.RY(0.5, wires=0), qml.RY(0.1, wires=0)]))
               - onp.cos(0.6)) < 1e-14


# --- Trotterization with phase-gradient rotations (PennyLaneAI/demos
# trotterization_with_phase_gradient_demos, ``import pennylane as qp``): the demo's
# first-order Trotter steps of 0.2 X + 1.3 Z on lightning.qubit, and the same circuit under
# ``qml.transforms.rz_phase_gradient`` (16 wires: b = 4 angle, gradient and work wires);
# R cut to 10, 20, 50 and 10, 20. Its ``qml.estimator.estimate`` resource counts are
# PennyLane's resource-tracking framework, which qsym does not provide (an AttributeError
# that says so).

def test_trotterization_with_phase_gradient_demo_matches_pennylane():
    coeffs, t = [0.2, 1.3], 10

    def trotter_stepper(t, r, coeffs):
        del_t = t / r
        for _ in range(r):
            qml.RX(2 * coeffs[0] * del_t, wires=0)
            qml.RZ(2 * coeffs[1] * del_t, wires=0)
        return [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(0)), qml.expval(qml.PauliZ(0))]

    stepper = qml.QNode(trotter_stepper, qml.device("lightning.qubit", wires=1))
    b = int(onp.ceil(onp.log2(1 / 0.1)))
    angle, gradient, work = (list(range(1, 1 + b)), list(range(1 + b, 1 + 2 * b)),
                             list(range(1 + 2 * b, 1 + 3 * b)))
    stepper_pg = qml.QNode(
        qml.transforms.rz_phase_gradient(angle, gradient, work)(trotter_stepper),  # (@...)
        qml.device("lightning.qubit", wires=1 + 3 * b))
    expected = {  # PennyLane 0.45.1
        10: [0.1882822627568091, 0.039974522298792996, 0.9813010889111248],
        20: [0.16301111358077297, -0.061805926634132854, 0.9846864497300952],
        50: [0.12542579222970107, -0.11296005772224645, 0.9856512547564343]}
    for r, values in expected.items():
        result = stepper(t, r, coeffs)
        assert isinstance(result, list) and len(result) == 3
        onp.testing.assert_allclose(result, values, atol=1e-13)
    expected_pg = {10: [4.987329993433345e-17, 0.23879393695983514, 0.7965957831301936],
                   20: [1.9624059321987223e-17, 0.13752346114932562, 0.8250463446004951]}
    for r, values in expected_pg.items():
        onp.testing.assert_allclose(stepper_pg(t, r, coeffs), values, atol=1e-12)


def test_adjoint_not_lazy_of_an_adjoint_leaves_the_queue_as_pennylane():
    """Met beside the Shor demo's nested adjoints: ``qml.adjoint(qml.adjoint(op),
    lazy=False)`` is ``op`` (PennyLane's ``Adjoint(op).adjoint()``) and the queue holds only
    it; qsym's queue kept the inner ``Adjoint(op)`` too, so the QNode's tape listed
    ``[Adjoint(RX(0.3)), RX(0.3)]``, ``qml.specs`` counted 2 gates and executing that tape
    gave [1, 0] (the circuit's own value was right). Probabilities of RX(0.3) by hand."""
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def c(x):
        qml.adjoint(qml.adjoint(qml.RX(x, wires=0)), lazy=False)
        return qml.probs()

    want = [onp.cos(0.15) ** 2, onp.sin(0.15) ** 2]
    onp.testing.assert_allclose(c(0.3), want, atol=1e-14)
    tape = qml.workflow.construct_tape(c)(0.3)
    assert repr(tape.operations) == "[RX(0.3, wires=[0])]"
    onp.testing.assert_allclose(qml.execute([tape], dev)[0], want, atol=1e-14)
    assert qml.specs(c)(0.3).resources.num_gates == 1
    with qml.queuing.AnnotatedQueue() as q:
        op = qml.adjoint(qml.adjoint(qml.RX(0.3, wires=0)), lazy=False)
    assert repr(op) == "RX(0.3, wires=[0])" and repr(list(q.queue)) == "[RX(0.3, wires=[0])]"


LAZY_FALSE_DRAWING = """\
0: ──RX(0.30)──RX(0.30)──T──────RX(-0.30)†──(T†)†──((T†)†)†─┤  Probs
1: ──S─────────S─────────(S†)†──────────────────────────────┤  Probs"""


def test_adjoint_not_lazy_of_nested_adjoints_gives_pennylanes_gates():
    """``qml.adjoint(qml.adjoint(qml.S(1)), lazy=False)`` is ``S`` in PennyLane (the base of
    ``Adjoint(S)``), and ``qml.adjoint(qml.adjoint(f), lazy=False)`` applies ``f``'s own gates;
    qsym recorded the inverse of each inverse (``PhaseShift(pi/2)`` for ``S``, drawn
    ``Rϕ(1.57)``: the same matrix). PennyLane 0.45.1's drawing, tape and probabilities;
    the gradient through both nestings against PennyLane's (-1.6626046832405437)."""
    def f(x):
        qml.RX(x, 0)
        qml.S(1)
        qml.T(0)

    @qml.qnode(qml.device("default.qubit"))
    def c(x):
        qml.adjoint(qml.adjoint(qml.RX(x, wires=0)), lazy=False)
        qml.adjoint(qml.adjoint(qml.S(1)), lazy=False)
        qml.adjoint(qml.adjoint(f), lazy=False)(x)
        qml.adjoint(qml.adjoint(f, lazy=False))(x)
        qml.adjoint(qml.adjoint(qml.adjoint(qml.T(0))))
        return qml.probs()

    assert qml.draw(c)(0.3) == LAZY_FALSE_DRAWING
    assert repr(qml.workflow.construct_tape(c)(0.3).operations) == (
        "[RX(0.3, wires=[0]), S(1), RX(0.3, wires=[0]), S(1), T(0), Adjoint(RX(-0.3, "
        "wires=[0])), Adjoint(Adjoint(S(1))), Adjoint(Adjoint(T(0))), "
        "Adjoint(Adjoint(Adjoint(T(0))))]")
    onp.testing.assert_allclose(c(0.3), [0.83524154, 0, 0.16475846, 0], atol=1e-8)

    def g(x):
        qml.RX(x, 0)
        qml.CRY(2 * x, wires=[0, 1])
        qml.S(1)
        qml.RZ(x, 1)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def d(x):
        qml.Hadamard(1)
        qml.adjoint(qml.adjoint(g), lazy=False)(x)
        qml.adjoint(qml.adjoint(g))(x)
        qml.adjoint(qml.adjoint(qml.RY(x, wires=1)), lazy=False)
        return qml.expval(qml.X(1) @ qml.Y(0) + qml.Z(0))

    x = np.array(0.37, requires_grad=True)
    assert abs(float(d(x)) - 1.1610601641000706) < 1e-14
    assert abs(float(qml.grad(d)(x)) - -1.6626046832405437) < 1e-13
