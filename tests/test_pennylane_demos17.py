"""PennyLane's published demos (PennyLaneAI/qml, ``demonstrations_v2``) not run by earlier
rounds, with the import switched (issue #18, stop 65). Each test is the demo's code cut to
a few seconds (Mitiq, JAX and Catalyst replaced by ``qml.noise``'s folding and
extrapolation, ``qsym.numpy`` and postselection, the same edits PennyLane's side ran); the
numbers and drawings are what PennyLane 0.45.1 printed for the same code in /work/plvenv (a
throwaway script with ``import pennylane as qml``), never qsym's own output.
benchmarks/results/pennylane-demos-stop65-2026-12-07.md lists each demo and what differed.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

# --- Error mitigation with Mitiq and PennyLane (tutorial_error_mitigation) ---------------
# A mirror circuit (SimplifiedTwoDesign then its adjoint) on default.mixed with PhaseDamping
# after every gate (qml.add_noise), mitigated by zero-noise extrapolation. Mitiq's
# fold_global and RichardsonFactory are qml.noise.fold_global and richardson_extrapolate on
# both sides (PennyLane 0.45.1 has them; Mitiq is installed in neither environment).

MIRROR_IDEAL_DEVICE_DRAWING = """\
0: ──RY(4.56)─╭●──RY(5.93)──RY(-5.93)────────────────────────────────────╭●──RY(-4.56)─┤  <Z>
1: ──RY(3.60)─╰Z──RY(5.90)─╭●──────────RY(5.18)──RY(-5.18)─╭●──RY(-5.90)─╰Z──RY(-3.60)─┤     
2: ──RY(4.05)─╭●──RY(3.32)─╰Z──────────RY(1.07)──RY(-1.07)─╰Z──RY(-3.32)─╭●──RY(-4.05)─┤     
3: ──RY(3.51)─╰Z──RY(3.66)──RY(-3.66)────────────────────────────────────╰Z──RY(-3.51)─┤     """

MIRROR_NOISY_DEVICE_DRAWING = """\
0: ──RY(4.56)──PhaseDamping(0.10)─╭●──PhaseDamping(0.10)──RY(5.93)──PhaseDamping(0.10)──RY(-5.93)──PhaseDamping(0.10)──────────────────────────────────────────────────────────────── ···
1: ──RY(3.60)──PhaseDamping(0.10)─╰Z──PhaseDamping(0.10)──RY(5.90)──PhaseDamping(0.10)─╭●──────────PhaseDamping(0.10)──RY(5.18)──PhaseDamping(0.10)──RY(-5.18)──PhaseDamping(0.10)─╭● ···
2: ──RY(4.05)──PhaseDamping(0.10)─╭●──PhaseDamping(0.10)──RY(3.32)──PhaseDamping(0.10)─╰Z──────────PhaseDamping(0.10)──RY(1.07)──PhaseDamping(0.10)──RY(-1.07)──PhaseDamping(0.10)─╰Z ···
3: ──RY(3.51)──PhaseDamping(0.10)─╰Z──PhaseDamping(0.10)──RY(3.66)──PhaseDamping(0.10)──RY(-3.66)──PhaseDamping(0.10)──────────────────────────────────────────────────────────────── ···

0: ··· ────────────────────────────────────────────────────╭●──PhaseDamping(0.10)──RY(-4.56)──PhaseDamping(0.10)─┤  <Z>
1: ··· ──PhaseDamping(0.10)──RY(-5.90)──PhaseDamping(0.10)─╰Z──PhaseDamping(0.10)──RY(-3.60)──PhaseDamping(0.10)─┤     
2: ··· ──PhaseDamping(0.10)──RY(-3.32)──PhaseDamping(0.10)─╭●──PhaseDamping(0.10)──RY(-4.05)──PhaseDamping(0.10)─┤     
3: ··· ────────────────────────────────────────────────────╰Z──PhaseDamping(0.10)──RY(-3.51)──PhaseDamping(0.10)─┤     """

FOLDED_TWICE_DRAWING = """\
0: ─╭SimplifiedTwoDesign(M0,M1)─╭SimplifiedTwoDesign(M0,M1)† ···
1: ─├SimplifiedTwoDesign(M0,M1)─├SimplifiedTwoDesign(M0,M1)† ···
2: ─├SimplifiedTwoDesign(M0,M1)─├SimplifiedTwoDesign(M0,M1)† ···
3: ─╰SimplifiedTwoDesign(M0,M1)─╰SimplifiedTwoDesign(M0,M1)† ···

0: ··· ─╭(SimplifiedTwoDesign(M0,M1)†)†─╭SimplifiedTwoDesign(M0,M1)†─┤  
1: ··· ─├(SimplifiedTwoDesign(M0,M1)†)†─├SimplifiedTwoDesign(M0,M1)†─┤  
2: ··· ─├(SimplifiedTwoDesign(M0,M1)†)†─├SimplifiedTwoDesign(M0,M1)†─┤  
3: ··· ─╰(SimplifiedTwoDesign(M0,M1)†)†─╰SimplifiedTwoDesign(M0,M1)†─┤  
M0 = 
[4.55606067 3.60102344 4.0517824  3.50608082]
M1 = 
[[[5.92936997 5.89764556]
  [3.31872522 3.65519783]
  [5.17778032 1.07091727]]]"""


def test_error_mitigation_demo_mirror_circuit():
    n_wires = 4
    noise_model = qml.NoiseModel({qml.noise.wires_in(range(n_wires)):
                                  qml.noise.partial_wires(qml.PhaseDamping, 0.1)})
    dev_ideal = qml.device("default.mixed", wires=n_wires)
    dev_noisy = qml.add_noise(dev_ideal, noise_model=noise_model)
    np.random.seed(1967)
    template = qml.SimplifiedTwoDesign
    weights_shape = template.shape(1, n_wires)
    w1, w2 = [2 * np.pi * np.random.random(s) for s in weights_shape]
    assert onp.allclose(w1, [4.556060668221888, 3.601023439096885, 4.051782403889292,
                             3.5060808246850352], atol=1e-15)

    def circuit(w1, w2):
        template(w1, w2, wires=range(n_wires))
        qml.adjoint(template)(w1, w2, wires=range(n_wires))
        return qml.expval(qml.PauliZ(0))

    ideal_qnode = qml.QNode(circuit, dev_ideal)
    noisy_qnode = qml.QNode(circuit, dev_noisy)
    noisy_qnode = qml.transforms.decompose(noisy_qnode, gate_set=["RY", "CZ"])
    # default.mixed decomposes the adjoint gates it has not got (RY(x)† is RY(-x), CZ† is
    # CZ); the noisy device's drawing holds the channels its noise model adds
    assert qml.draw(ideal_qnode, level="device")(w1, w2) == MIRROR_IDEAL_DEVICE_DRAWING
    assert (qml.draw(noisy_qnode, level="device", max_length=200)(w1, w2)
            == MIRROR_NOISY_DEVICE_DRAWING)
    assert ideal_qnode(w1, w2) == pytest.approx(1.0, abs=1e-14)
    assert noisy_qnode(w1, w2) == pytest.approx(0.7172916442590551, abs=1e-11)

    fold_global, extrapolate = qml.noise.fold_global, qml.noise.richardson_extrapolate
    mitigated_qnode = qml.noise.mitigate_with_zne(noisy_qnode, [1, 2, 3], fold_global,
                                                  extrapolate)
    value = mitigated_qnode(w1, w2)
    assert isinstance(value, np.tensor) and value.requires_grad
    assert value == pytest.approx(0.9733021498501064, abs=1e-11)
    g1, g2 = qml.grad(mitigated_qnode)(w1, w2)
    assert onp.allclose(g1, [-0.00588771473416938, -0.0006239232536432437,
                             0.0020227777990771134, 0.00020784992945022118], atol=1e-11)
    assert onp.allclose(onp.ravel(g2), [
        -0.003747023852449516, 0.03810012524754025, -0.002455380836459381,
        -2.933974881935697e-06, -0.00030976208184840814, -0.0017830200980405442], atol=1e-11)

    # the demo's tape-level folding and executor (qml.execute with diff_method=None)
    tape = qml.tape.QuantumTape([template(w1, w2, wires=range(n_wires)),
                                 qml.adjoint(template(w1, w2, wires=range(n_wires)))])
    folded = [fold_global(tape, scale_factor=s)[0][0] for s in [1, 2, 3]]
    assert [len(c.operations) for c in folded] == [2, 4, 6]
    assert qml.drawer.tape_text(folded[1], decimals=2, max_length=80) == FOLDED_TWICE_DRAWING

    def executor(circuits, dev=dev_noisy):
        return qml.execute([qml.tape.QuantumTape(c.operations, [qml.expval(qml.PauliZ(0))])
                            for c in circuits], dev, diff_method=None)

    ideal = executor(folded, dev=dev_ideal)
    # the tapes hold qsym.numpy tensors: autograd's boundary makes each result an array
    assert all(type(v) is onp.ndarray and v.shape == () for v in ideal)
    assert onp.allclose(ideal, 1.0, atol=1e-14)
    noisy = executor(folded)
    assert onp.allclose(noisy, [0.7172916442590551, 0.5187587929538078, 0.37770359593432],
                        atol=1e-11)
    assert extrapolate([1, 2, 3], noisy) == pytest.approx(0.9733021498501064, abs=1e-11)


def test_error_mitigation_demo_chemistry():
    # the demo's potential energy surface of H2 at one bond length (1.25 bohr) with the
    # angle 0.11 for its params.npy; qiskit.aer's FakeLima noise replaced by a noise model
    # on default.mixed (DepolarizingChannel(0.02) after each CNOT, AmplitudeDamping(0.01)
    # after each rotation), the sampled executor (shots=10000) analytic, Mitiq's
    # execute_with_zne as fold_global and richardson_extrapolate
    n_wires = 4
    nm = qml.NoiseModel({
        qml.noise.op_in(["CNOT"]): qml.noise.partial_wires(qml.DepolarizingChannel, 0.02),
        qml.noise.op_in(["RX", "RY", "RZ"]): qml.noise.partial_wires(qml.AmplitudeDamping, 0.01)})
    dev_ideal = qml.device("default.qubit", wires=n_wires)
    dev_noisy = qml.add_noise(qml.device("default.mixed", wires=n_wires), noise_model=nm)
    phi = np.array(0.11)
    coordinates = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.25]])
    H, _ = qml.qchem.molecular_hamiltonian(qml.qchem.Molecule(["H", "H"], coordinates))

    def qchem_circuit(phi):
        qml.PauliX(wires=0)
        qml.PauliX(wires=1)
        qml.DoubleExcitation(phi, wires=range(n_wires))
        return qml.expval(H)

    ideal_energy = qml.QNode(qchem_circuit, dev_ideal)
    noisy_energy = qml.transforms.decompose(qml.QNode(qchem_circuit, dev_noisy),
                                            gate_set=["RX", "RY", "RZ", "CNOT"])
    assert ideal_energy(phi) == pytest.approx(-1.128596568640485, abs=1e-9)
    assert noisy_energy(phi) == pytest.approx(-0.5785060934257756, abs=1e-9)

    ops = [qml.PauliX(0), qml.PauliX(1), qml.DoubleExcitation(phi, wires=range(n_wires))]
    [circuit], _ = qml.transforms.decompose(qml.tape.QuantumTape(ops),
                                            gate_set=["RX", "RY", "RZ", "CNOT"])
    assert len(circuit.operations) == 42

    def executor(circuit):
        circuit_with_meas = qml.tape.QuantumTape(circuit.operations, [qml.expval(H)])
        circuits, postproc = qml.transforms.split_non_commuting(circuit_with_meas,
                                                                grouping_strategy=None)
        return postproc(qml.execute(circuits, dev_noisy, diff_method=None))

    # scale factors 1 and 2 of the demo's 1, 2, 3 (the third folding alone costs 4 s of CPU
    # on tier 0: 14 tapes of 126 gates and their channels): PennyLane's values at 1 and 2,
    # and its Richardson extrapolation through both, 2 f(1) - f(2)
    values = [executor(qml.noise.fold_global(circuit, s)[0][0]) for s in [1, 2]]
    # the Hamiltonian's coefficients are tensors: PennyLane's sums of terms are tensors
    assert all(isinstance(v, np.tensor) for v in values)
    assert onp.allclose(values, [-0.5785060934258011, -0.25972790262259915], atol=1e-9)
    mitigated = qml.noise.richardson_extrapolate([1, 2], values)
    assert isinstance(mitigated, np.tensor) and mitigated.requires_grad
    assert mitigated == pytest.approx(2 * -0.5785060934258011 + 0.25972790262259915, abs=1e-9)


# --- Using JAX with PennyLane (tutorial_jax_transformations) -----------------------------
# jax.grad as qml.grad, jax.vmap as a broadcast call, jax.random's keys as np.random.seed
# (the evolutionary strategy: 20 samples, 10 steps of 100 samples and 200 steps), jax.jit
# removed, the device's PRNGKey seed as an int

def test_jax_transformations_demo():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(param):
        qml.RX(param, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    assert repr(circuit(0.123)) == "np.float64(0.9924450321351935)"
    grad_circuit = qml.grad(circuit)
    assert grad_circuit(np.array(np.pi / 2)) == pytest.approx(-1.0, abs=1e-15)
    param = np.array(0.123)
    for _ in range(10):
        param -= grad_circuit(param)
    assert param == pytest.approx(3.141592653589793, abs=1e-12)
    assert circuit(param) == pytest.approx(-1.0, abs=1e-15)

    batch_params = np.array([1.02, 0.123, -0.571])
    batched = circuit(batch_params)
    assert isinstance(batched, np.tensor)
    assert onp.allclose(batched, [0.5233659512516496, 0.9924450321351935, 0.8413609222530208],
                        atol=1e-15)
    assert onp.allclose(qml.jacobian(circuit)(batch_params),
                        onp.diag(-onp.sin([1.02, 0.123, -0.571])), atol=1e-15)

    np.random.seed(0)
    params = np.random.normal(0, 1, (20,))
    mean, var = np.average(params), 1.0
    assert mean == pytest.approx(0.5693345929456347, abs=1e-15)
    assert circuit(mean) == pytest.approx(0.8422598637249729, abs=1e-15)
    for _ in range(10):
        weights = np.exp(-circuit(params))
        mean = np.average(params, weights=weights)
        var = var * 0.97
        params = np.random.normal(0, 1, (20,)) * var + mean
    assert mean == pytest.approx(3.0293577328181427, abs=1e-12)
    assert circuit(mean) == pytest.approx(-0.993708270015985, abs=1e-12)

    def random_circuit(key, param):
        dev = qml.device("default.qubit", wires=2, shots=10, seed=key)

        @qml.qnode(dev, diff_method=None)
        def my_circuit():
            qml.RX(param, wires=0)
            qml.CNOT(wires=[0, 1])
            return qml.sample(qml.PauliZ(0))

        return my_circuit()

    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning, match="shots on device"):
        first, again = random_circuit(0, np.pi / 2), random_circuit(0, np.pi / 2)
    assert onp.array_equal(first, again)  # one seed, the same samples (PennyLane's too)
    assert first.tolist() == [-1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0]


# --- Magic state distillation (tutorial_magic_state_distillation) ------------------------
# Catalyst's repeat-until-success loop (measure the syndrome, restart unless it is 0) as
# postselection of a zero syndrome (qml.measure(w, postselect=0)): the state it returns is
# the loop's state on success; jax.random as np.random.uniform; 3 draws at r = 0.3 (the demo:
# 200 draws at each of 20 perturbations)

DECODER_DRAWING = """\
0: ─╭X─╭Z───────╭X───────╭X─╭X─╭Z──Z────┤  
1: ─╰●─╰●─╭●─╭●─│────────│──│──│───Z──H─┤  
2: ───────╰Z─│──╰●─╭●─╭●─│──│──│───H────┤  
3: ──────────│─────╰Z─│──╰●─│──│───H────┤  
4: ──────────╰Z───────╰Z────╰●─╰●──Z──H─┤  """

DISTILLATION_DRAWING = """\
0: ──RY(0.96)──Rϕ(0.79)─╭X─╭Z───────╭X───────╭X─╭X─╭Z──Z──H─────Y────┤  DensityMatrix
1: ──RY(0.96)──Rϕ(0.79)─╰●─╰●─╭●─╭●─│────────│──│──│───Z──H─────┤↗₀├─┤               
2: ──RY(0.96)──Rϕ(0.79)───────╰Z─│──╰●─╭●─╭●─│──│──│───H──┤↗₀├───────┤               
3: ──RY(0.96)──Rϕ(0.79)──────────│─────╰Z─│──╰●─│──│───H──┤↗₀├───────┤               
4: ──RY(0.96)──Rϕ(0.79)──────────╰Z───────╰Z────╰●─╰●──Z──H─────┤↗₀├─┤               """


def test_magic_state_distillation_demo():
    b = 0.5 * np.arccos(1 / np.sqrt(3))

    def generate_T0(wire):
        qml.RY(2 * b, wires=wire)
        qml.PhaseShift(np.pi / 4, wires=wire)

    def faulty_generate_T0(wire, d):
        qml.RY(2 * (b + d[0]), wires=wire)
        qml.PhaseShift(np.pi / 4 + d[1], wires=wire)

    def error_correction_decoder(wires):
        w0, w1, w2, w3, w4 = wires
        qml.CNOT(wires=[w1, w0])
        qml.CZ(wires=[w1, w0])
        qml.CZ(wires=[w1, w2])
        qml.CZ(wires=[w1, w4])
        qml.CNOT(wires=[w2, w0])
        qml.CZ(wires=[w2, w3])
        qml.CZ(wires=[w2, w4])
        qml.CNOT(wires=[w3, w0])
        qml.CNOT(wires=[w4, w0])
        qml.CZ(wires=[w4, w0])
        qml.PauliZ(wires=w0)
        qml.PauliZ(wires=w1)
        qml.PauliZ(wires=w4)
        qml.Hadamard(wires=w1)
        qml.Hadamard(wires=w2)
        qml.Hadamard(wires=w3)
        qml.Hadamard(wires=w4)

    assert qml.draw(error_correction_decoder)(range(5)) == DECODER_DRAWING
    dev = qml.device("default.qubit", wires=5)

    @qml.qnode(dev)
    def state_distillation(d):
        for w in range(5):
            faulty_generate_T0(w, d[w])
        error_correction_decoder(wires=(0, 1, 2, 3, 4))
        for w in (1, 2, 3, 4):
            qml.measure(w, postselect=0)
        qml.Hadamard(wires=0)
        qml.PauliY(wires=0)
        return qml.density_matrix(0)

    @qml.qnode(dev)
    def syndromes(d):
        for w in range(5):
            faulty_generate_T0(w, d[w])
        error_correction_decoder(wires=(0, 1, 2, 3, 4))
        return qml.probs(wires=[1, 2, 3, 4])

    dev1 = qml.device("default.qubit", wires=1)

    @qml.qnode(dev1)
    def T0_state():
        generate_T0(0)
        return qml.state()

    @qml.qnode(dev1)
    def faulty_T0_state(d):
        faulty_generate_T0(0, d)
        return qml.state()

    exact = T0_state()
    assert onp.allclose(exact, [onp.cos(b), onp.exp(1j * onp.pi / 4) * onp.sin(b)], atol=1e-15)
    assert qml.draw(state_distillation)(np.zeros((5, 2))) == DISTILLATION_DRAWING
    # the ideal T0 states: distilled to T0 exactly, with the success rate 1/6
    rho = state_distillation(np.zeros((5, 2)))
    assert onp.real(onp.conj(exact) @ rho @ exact) == pytest.approx(1.0, abs=1e-14)
    assert syndromes(np.zeros((5, 2)))[0] == pytest.approx(1 / 6, abs=1e-14)
    np.random.seed(7)
    pre = post = rate = 0.0
    for _ in range(3):
        d = np.random.uniform(-0.3, 0.3, (5, 2))
        pre += np.abs(np.dot(faulty_T0_state(d[0]), np.conj(exact))) ** 2
        post += np.real(np.conj(exact) @ state_distillation(d) @ exact)
        rate += syndromes(d)[0]
    assert pre / 3 == pytest.approx(0.9666224848207792, abs=1e-13)
    assert post / 3 == pytest.approx(0.9946121630735852, abs=1e-13)  # distilled: closer to T0
    assert rate / 3 == pytest.approx(0.14468966823731857, abs=1e-13)
    assert onp.allclose(state_distillation(d), [
        [0.8271164567767167, 0.27512161152360687 - 0.2594280682164132j],
        [0.27512161152360687 + 0.2594280682164132j, 0.17288354322328323]], atol=1e-13)


# --- Intro to quantum random access memory (tutorial_qram) -------------------------------
# `import pennylane as qp` and NumPy as written; qp.draw_mpl as qp.draw; the hybrid QRAM's
# CNOT compilation (5643 gates, 3 s of CPU on tier 0) left out

SELECT_ONLY_DECOMPOSED_DRAWING = """\
0: ─╭|Ψ⟩──X─╭●──X──X─╭●─╭●─╭●──X─╭●─╭●────┤       
1: ─╰|Ψ⟩──X─├●──X────├●─├●─├●──X─├●─├●──X─┤       
2: ─────────│────────╰X─│──│─────╰X─│─────┤ ╭Probs
3: ─────────╰X──────────╰X─│────────╰X────┤ ├Probs
4: ────────────────────────╰X─────────────┤ ╰Probs"""


def test_qram_demo():
    from functools import partial

    import qsym as qp

    bitstrings = ["010", "111", "110", "000"]
    control_wires, target_wires = [0, 1], [2, 3, 4]

    def decode_probs(probs, num_wires):
        return format(int(onp.argmax(probs)), f"0{num_wires}b")

    def select_only(index):
        qp.BasisEmbedding(index, wires=control_wires)
        qp.SelectOnlyQRAM(bitstrings, control_wires=control_wires, target_wires=target_wires)
        return qp.probs(wires=target_wires)

    select_only_qram = qp.qnode(qp.device("default.qubit"))(select_only)
    # address i loads b_i: the probabilities are the basis state of b_i (by hand)
    for i, b in enumerate(bitstrings):
        probs = select_only_qram(i)
        assert onp.allclose(probs, onp.eye(8)[int(b, 2)], atol=1e-15)
        assert decode_probs(probs, 3) == b
    # one level of decomposition keeps the BasisEmbedding (PennyLane's ALL_OPS names it, as
    # BasisState): drawn |Ψ⟩, the QRAM's multi-controlled X gates opened
    draw_one_level = partial(qp.transforms.decompose, max_expansion=1)(select_only_qram)
    assert qp.draw(draw_one_level)(2) == SELECT_ONLY_DECOMPOSED_DRAWING
    compiled = partial(qp.compile, basis_set="CNOT")(qp.qnode(qp.device("default.qubit"))(
        select_only))
    select_specs = qp.specs(compiled)(0)["resources"]
    assert dict(select_specs.gate_sizes) == {1: 82, 2: 36}  # PennyLane's counts
    assert dict(select_specs.gate_types) == {"RX": 19, "RZ": 39, "CNOT": 36, "T": 24}

    bb_work_wires = list(range(5, 5 + 1 + 3 * ((1 << len(control_wires)) - 1)))
    assert len(bb_work_wires) == 10

    def bucket_brigade(index):
        qp.BasisEmbedding(index, wires=control_wires)
        qp.BBQRAM(bitstrings, control_wires=control_wires, target_wires=target_wires,
                  work_wires=bb_work_wires)
        return qp.probs(wires=target_wires)

    bucket_brigade_qram = qp.qnode(qp.device("default.qubit"))(bucket_brigade)
    for i, b in enumerate(bitstrings):  # (PennyLane's carry rounding residues of 1e-34)
        assert onp.allclose(bucket_brigade_qram(i), onp.eye(8)[int(b, 2)], atol=1e-15)
    compiled = partial(qp.compile, basis_set="CNOT")(qp.qnode(qp.device("default.qubit"))(
        bucket_brigade))
    bb_specs = qp.specs(compiled)(0)["resources"]
    assert dict(bb_specs.gate_sizes) == {1: 545, 2: 356}
    assert dict(bb_specs.gate_types) == {"CNOT": 356, "RZ": 268, "RX": 117, "T": 160}

    k = 1
    hybrid_work_wires = list(range(5, 5 + 2 + 3 * ((1 << (len(control_wires) - k)) - 1)))

    @qp.qnode(qp.device("default.qubit"))
    def hybrid_qram(index):
        qp.BasisEmbedding(index, wires=control_wires)
        qp.HybridQRAM(bitstrings, control_wires=control_wires, target_wires=target_wires,
                      work_wires=hybrid_work_wires, k=k)
        return qp.probs(wires=target_wires)

    assert len(hybrid_work_wires) == 5
    for i, b in enumerate(bitstrings):
        assert onp.allclose(hybrid_qram(i), onp.eye(8)[int(b, 2)], atol=1e-15)
# --- How to use noise models (tutorial_how_to_use_noise_models, rerun) -------------------
# The swap test with the demo's noise model (thermal relaxation after each StatePrep, a
# rotation sandwich around the Hadamards on wires 1 and 2, depolarizing after T and
# PhaseShift there, a 16-Kraus QubitChannel after each CNOT); its state written with plain
# NumPy as the demo writes it. qml.draw_mpl as qml.draw.

NOISE_MODELS_SWAP_TEST_DRAWING = """\
0: ───────────────────────────────────────────────────────╭||──H ···
1: ──|Ψ⟩──ThermalRelaxationError(0.100,0.020,0.030,0.001)─├||─╭● ···
2: ──|Ψ⟩──ThermalRelaxationError(0.100,0.020,0.030,0.001)─╰||─╰X ···

0: ··· ───────────────────────────────────────────────────────────────────── ···
1: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
2: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···

0: ··· ──────────────────────────── ···
1: ··· ──RX(0.196)──H──RY(0.393)─╭● ···
2: ··· ──────────────────────────╰X ···

0: ··· ───────────────────────────────────────────────────────────────────── ···
1: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
2: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···

0: ··· ─────────────────────────────────────────╭● ···
1: ··· ─────────────────────────────────────────│─ ···
2: ··· ──Rϕ(-0.785)──DepolarizingChannel(0.010)─╰X ···

0: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
1: ··· ─│─────────────────────────────────────────────────────────────────── ···
2: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···

0: ··· ────────────────────────────────── ···
1: ··· ────────────────────────────────╭● ···
2: ··· ──T──DepolarizingChannel(0.010)─╰X ···

0: ··· ───────────────────────────────────────────────────────────────────── ···
1: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
2: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···

0: ··· ─────────────────────────────────────────╭● ···
1: ··· ─────────────────────────────────────────│─ ···
2: ··· ──Rϕ(-0.785)──DepolarizingChannel(0.010)─╰X ···

0: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
1: ··· ─│─────────────────────────────────────────────────────────────────── ···
2: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···

0: ··· ────────────────────────────────╭● ···
1: ··· ──T──DepolarizingChannel(0.010)─╰X ···
2: ··· ────────────────────────────────── ···

0: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
1: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
2: ··· ───────────────────────────────────────────────────────────────────── ···

0: ··· ──T──────────────────────────────────────╭● ···
1: ··· ──Rϕ(-0.785)──DepolarizingChannel(0.010)─╰X ···
2: ··· ─────────────────────────────────────────── ···

0: ··· ─╭QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
1: ··· ─╰QubitChannel(M0,M1,M2,M3,M4,M5,M6,M7,M8,M9,M10,M11,M12,M13,M14,M15) ···
2: ··· ───────────────────────────────────────────────────────────────────── ···

0: ··· ──H─┤  <Z>
1: ··· ────┤     
2: ··· ────┤     """


def test_noise_models_demo():
    from functools import reduce
    from itertools import product

    fcond1 = qml.noise.op_eq(qml.StatePrep)

    def noise1(op, **kwargs):
        qml.ThermalRelaxationError(0.1, kwargs["t1"], kwargs["t2"], kwargs["tg"], op.wires)

    fcond2 = qml.noise.op_eq("Hadamard") & qml.noise.wires_in([1, 2])

    def noise2(op, **kwargs):
        qml.RX(onp.pi / 16, op.wires)
        qml.apply(op)
        qml.RY(onp.pi / 8, op.wires)

    fcond3 = qml.noise.op_in([qml.T, qml.PhaseShift]) & qml.noise.wires_in([1, 2])
    noise3 = qml.noise.partial_wires(qml.DepolarizingChannel, 0.01)
    fcond4 = qml.noise.op_eq("CNOT")
    pauli_mats = list(map(qml.matrix, [qml.I(0), qml.X(0), qml.Y(0), qml.Z(0)]))
    kraus_mats = [reduce(onp.kron, prod, 1.0) for prod in product(pauli_mats, repeat=2)]

    def noise4(op, **kwargs):
        probs = onp.array([1 - kwargs["p"]] + [kwargs["p"] / 15] * 15).reshape(-1, 1, 1)
        qml.QubitChannel(onp.sqrt(probs) * onp.array(kraus_mats), op.wires)

    noise_model = qml.NoiseModel({fcond1: noise1, fcond2: noise2, fcond3: noise3,
                                  fcond4: noise4}, t1=0.02, t2=0.03, tg=0.001, p=0.01)
    dev = qml.device("default.mixed", wires=3)

    def state(param):  # the demo's plain-NumPy state
        return onp.array([onp.cos(-param / 2), 1j * onp.sin(-param / 2)])

    def swap_test(theta, phi):
        qml.StatePrep(state(theta), wires=[1])
        qml.StatePrep(state(phi), wires=[2])
        qml.Barrier([0, 1, 2])
        qml.Hadamard(0)
        qml.CNOT([1, 2])
        qml.Hadamard(1)
        qml.CNOT([1, 2])
        qml.PhaseShift(-onp.pi / 4, 2)
        qml.CNOT([0, 2])
        qml.T(2)
        qml.CNOT([1, 2])
        qml.PhaseShift(-onp.pi / 4, 2)
        qml.CNOT([0, 2])
        qml.T(1)
        qml.CNOT([0, 1])
        qml.T(0)
        qml.PhaseShift(-onp.pi / 4, 1)
        qml.CNOT([0, 1])
        qml.Hadamard(0)
        return qml.expval(qml.Z(0))

    swap_circuit = qml.QNode(swap_test, dev)
    noisy_circuit = qml.add_noise(swap_circuit, noise_model)
    text = qml.draw(noisy_circuit, decimals=3, max_length=80)(0.2, 0.3)
    diagram, matrices = text.split("\n\nM0 = \n")
    assert diagram == NOISE_MODELS_SWAP_TEST_DRAWING  # PennyLane's, barrier included
    assert matrices.count(" = \n") == 15 and "M15 = " in matrices  # the 16 Kraus matrices
    noisy_dev_circuit = qml.QNode(swap_test, qml.add_noise(dev, noise_model))
    # PennyLane 0.45.1 cannot execute this circuit on default.mixed (MatrixUndefinedError:
    # its StatePrep on wire 2 is not the circuit's first operation). Its numbers for the
    # same channels with the states made by RX(theta), RX(phi) (RX(t)|0> is state(t),
    # noise1 conditioned on RX on wires 1, 2 instead): 0.8497191883237284 at pi/3, pi/3,
    # 0.870275638115925 at 0.2, 0.3; the ideal swap test is cos^2((theta - phi) / 2)
    theta = phi = onp.pi / 3
    assert swap_circuit(theta, phi) == pytest.approx(1.0, abs=1e-14)
    assert noisy_circuit(theta, phi) == pytest.approx(0.8497191883237284, abs=1e-12)
    assert noisy_dev_circuit(theta, phi) == pytest.approx(0.8497191883237284, abs=1e-12)
    assert swap_circuit(0.2, 0.3) == pytest.approx(onp.cos(0.05) ** 2, abs=1e-14)
    assert noisy_circuit(0.2, 0.3) == pytest.approx(0.870275638115925, abs=1e-12)


# --- How to quantum just-in-time compile VQE with Catalyst
# (tutorial_how_to_quantum_just_in_time_compile_vqe_catalyst) ----------------------------
# qml.data's H3+ Hamiltonian as molecular_hamiltonian of H3+ (charge 1, an equilateral
# triangle of side 1.65 bohr); qml.capture.enable(), qml.qjit, JAX, catalyst.value_and_grad
# and optax.sgd(0.4) as qml.grad and GradientDescentOptimizer(0.4); qml.for_loop in Python
# mode; 4 steps of 10. The Hamiltonian agrees to 1e-10 (docs/qchem.md): values to 1e-9

def test_vqe_catalyst_demo():
    geometry = np.array([[0.0, 0.0, 0.0], [1.65, 0.0, 0.0], [0.825, 1.4289, 0.0]],
                        requires_grad=False)
    H, qubits = qml.qchem.molecular_hamiltonian(["H", "H", "H"], geometry, charge=1)
    assert qubits == 6 and len(H.terms()[0]) == 62
    hf = qml.qchem.hf_state(2, qubits)
    assert hf.tolist() == [1, 1, 0, 0, 0, 0]
    dev = qml.device("lightning.qubit", wires=qubits)

    @qml.qnode(dev, diff_method="adjoint")
    def cost(params):
        qml.BasisState(hf, wires=range(qubits))
        qml.DoubleExcitation(params[0], wires=[0, 1, 2, 3])
        qml.DoubleExcitation(params[1], wires=[0, 1, 4, 5])
        return qml.expval(H)

    opt = qml.GradientDescentOptimizer(stepsize=0.4)
    params, energies = np.array([0.0, 0.0]), []
    for _ in range(4):
        params, prev_energy = opt.step_and_cost(cost, params)
        energies.append(float(prev_energy))
    energies.append(float(cost(params)))
    assert onp.allclose(energies, [-1.237544951610273, -1.2513165068603973, -1.2573753739337663,
                                   -1.2600149158853653, -1.261160629674928], atol=1e-9)
    assert onp.allclose(params, [0.13749271132797306, 0.13764405593812537], atol=1e-9)

    def update_step(i, params):  # the demo's qjit-compiled step, in Python
        return params - 0.4 * qml.grad(cost)(params)

    final = qml.for_loop(0, 4, 1)(update_step)(np.array([0.0, 0.0]))
    assert onp.allclose(final, [0.13749271132797294, 0.13764405593812531], atol=1e-9)
