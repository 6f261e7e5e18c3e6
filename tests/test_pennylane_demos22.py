"""PennyLane's published demos (PennyLaneAI/qml, ``demonstrations_v2``) that the early rounds of
issue #18 ran and no test held (benchmarks/results/demo69-2026-12-07.md, "Still without a demo
test"), rerun at stop 70 with the import switched. Each test is the demo's code path cut to a
second or two (loops and sizes cut, plots left out, the same edits on PennyLane's side); the
numbers and drawings in ``_PL`` are what PennyLane 0.45.1 gave for the same functions in
/work/plvenv (this file's tests run there with ``qsym`` and ``qsym.numpy`` replaced by
``pennylane`` and ``pennylane.numpy``), never qsym's own output.
benchmarks/results/demo70-2026-12-07.md lists each demo and what differed.
"""

import itertools

import numpy as onp

import qsym as qml
from qsym import numpy as np


def _numbers(value):
    """A result as nested Python numbers (tensors, arrays, tuples and lists of them)."""
    if isinstance(value, (list, tuple)):
        return [_numbers(v) for v in value]
    return onp.asarray(qml.math.unwrap(value) if hasattr(qml.math, "unwrap") else value).tolist()


def _agree(key: str, got) -> None:
    """``got`` is PennyLane's ``_PL[key]``: a drawing or a text exactly, numbers to 1e-9."""
    want = _PL[key]
    if isinstance(want, str):
        assert got == want, f"{key}:\n{got}\n-- PennyLane's:\n{want}"
        return
    onp.testing.assert_allclose(onp.asarray(_numbers(got), dtype=complex),
                                onp.asarray(want, dtype=complex), rtol=1e-9, atol=1e-10,
                                err_msg=key)


# --- Doubly stochastic gradient descent (tutorial_doubly_stochastic; `qml.capture.enable()`
# removed): the analytic StronglyEntanglingLayers VQE of a Hermitian (8 steps of 200), the
# sampled QNode's shapes (each sampler is its own), and the doubly stochastic loss whose term is
# drawn with NumPy's generator inside the QNode, analytic (12 adaptive steps of 250)

def test_doubly_stochastic_demo_matches_pennylane():
    onp.random.seed(3)
    from qsym.templates.layers import StronglyEntanglingLayers
    dev_analytic = qml.device("lightning.qubit", wires=2)
    H = onp.array([[8, 4, 0, -6], [4, 0, 4, 0], [0, 4, 8, 0], [-6, 0, 0, 0]])

    def circuit(params):
        StronglyEntanglingLayers(weights=params, wires=[0, 1])
        return qml.expval(qml.Hermitian(H, wires=[0, 1]))

    qnode_analytic = qml.QNode(circuit, dev_analytic, interface="autograd",
                               diff_method="parameter-shift")
    param_shape = StronglyEntanglingLayers.shape(n_layers=2, n_wires=2)
    init_params = np.random.uniform(low=0, high=2 * onp.pi, size=param_shape, requires_grad=True)
    _agree("ds.init", init_params)
    cost_GD = []
    params_GD = init_params
    opt = qml.GradientDescentOptimizer(0.01)
    for _ in range(8):
        cost_GD.append(qnode_analytic(params_GD))
        params_GD = opt.step(qnode_analytic, params_GD)
    _agree("ds.gd", cost_GD)
    _agree("ds.gdp", params_GD)
    # the sampled QNode: shapes and the range only (each sampler is its own)
    qnode_stochastic = qml.set_shots(1000)(qml.QNode(circuit, qml.device("lightning.qubit", wires=2),
                                                     interface="autograd", diff_method="parameter-shift"))
    v = qml.set_shots(qnode_stochastic, shots=100)(init_params)
    assert onp.ndim(v) == 0 and -8 <= float(v) <= 17
    g = qml.grad(qml.set_shots(qnode_stochastic, shots=1))(init_params)
    assert onp.shape(g) == param_shape

    # doubly stochastic, analytic: a term drawn with NumPy's generator inside the QNode
    I = onp.identity(2)
    X = onp.array([[0, 1], [1, 0]])
    Y = onp.array([[0, -1j], [1j, 0]])
    Z = onp.array([[1, 0], [0, -1]])
    terms = onp.array([2 * onp.kron(I, X), 4 * onp.kron(I, Z), -onp.kron(X, X),
                       5 * onp.kron(Y, Y), 2 * onp.kron(Z, X)])

    @qml.qnode(dev_analytic, interface="autograd")
    def circuit2(params, n=None):
        StronglyEntanglingLayers(weights=params, wires=[0, 1])
        idx = onp.random.choice(onp.arange(5), size=n, replace=False)
        A = onp.sum(terms[idx], axis=0)
        return qml.expval(qml.Hermitian(A, wires=[0, 1]))

    cost = []
    params = init_params
    opt = qml.GradientDescentOptimizer(0.005)
    for i in range(12):
        n = min(i // 3 + 1, 5)

        def loss(params, shots=None):
            return 4 + (5 / n) * qml.set_shots(circuit2, shots=shots)(params, n=n)

        cost.append(loss(params))
        params = opt.step(loss, params)
    _agree("ds.dcost", cost)
    _agree("ds.dparams", params)
    _agree("ds.final", qnode_analytic(params))


# --- Optimizing noisy circuits (tutorial_noisy_circuit_optimization; `cirq.mixedsimulator` as
# analytic `default.mixed`, Cirq's BitFlip / Depolarize as qml.BitFlip / DepolarizingChannel):
# the CHSH values against the bit-flip probability (5 of 25), the depolarized qubit rotation
# (10 steps of 100) and its printed lines

def test_noisy_circuit_optimization_demo_matches_pennylane():
    dev = qml.device("default.mixed", wires=2)
    A1 = qml.PauliZ(0)
    A2 = qml.PauliX(0)
    B1 = qml.Hermitian(np.array([[1, 1], [1, -1]]) / np.sqrt(2), wires=1)
    B2 = qml.Hermitian(np.array([[1, -1], [-1, -1]]) / np.sqrt(2), wires=1)
    p_box = [0.0]

    def bell_pair():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.BitFlip(p_box[0], wires=0)
        qml.BitFlip(p_box[0], wires=1)

    @qml.qnode(dev)
    def measure_A1B1():
        bell_pair()
        return qml.expval(A1 @ B1)

    @qml.qnode(dev)
    def measure_A1B2():
        bell_pair()
        return qml.expval(A1 @ B2)

    @qml.qnode(dev)
    def measure_A2B1():
        bell_pair()
        return qml.expval(A2 @ B1)

    @qml.qnode(dev)
    def measure_A2B2():
        bell_pair()
        return qml.expval(A2 @ B2)

    noisy = []
    for p in np.linspace(0, 1, 5):
        p_box[0] = p
        noisy.append([measure_A1B1(), measure_A1B2(), measure_A2B1(), measure_A2B2()])
    noisy = np.array(noisy)
    _agree("noisy.chsh", np.sum(noisy[:, :3], axis=1) - noisy[:, 3])

    @qml.qnode(dev)
    def circuit(gate_params, noise_param=0.0):
        qml.RX(gate_params[0], wires=0)
        qml.RY(gate_params[1], wires=0)
        qml.DepolarizingChannel(noise_param, wires=0)
        return qml.expval(qml.PauliZ(0))

    _agree("noisy.value", circuit([0.54, 0.12]))
    _agree("noisy.sweep", [circuit([0.54, 0.12], noise_param=p) for p in np.linspace(0.0, 1.0, 6)])

    def cost(x):
        return circuit(x, noise_param=0.0)

    def noisy_cost(x):
        return circuit(x, noise_param=0.3)

    opt = qml.GradientDescentOptimizer(stepsize=0.4)
    params = noisy_params = np.array([0.011, 0.055], requires_grad=True)
    lines = []
    for i in range(10):
        params = opt.step(cost, params)
        noisy_params = opt.step(noisy_cost, noisy_params)
        if (i + 1) % 5 == 0:
            lines.append("Step {:5d}. Cost: {: .7f}; Noisy Cost: {: .7f}".format(
                i + 1, cost(params), noisy_cost(noisy_params)))
    _agree("noisy.lines", "\n".join(lines))
    _agree("noisy.params", [params, noisy_params])
    _agree("noisy.grad", qml.grad(noisy_cost)(noisy_params))


# --- VQD (tutorial_vqe_vqd; `qml.capture.enable()` removed; `qml.data`'s H2 as
# `molecular_hamiltonian` at 0.742 A and its VQE gate a DoubleExcitation made outside the
# QNode; JAX/optax's SGD(0.4) as GradientDescentOptimizer(0.4), 4 steps of 100): the ansatz
# drawn through `partial(qml.transforms.decompose, max_expansion=1)`, the swap test

def test_vqd_demo_matches_pennylane():
    from functools import partial
    symbols = ["H", "H"]
    coordinates = np.array([0.0, 0.0, -0.7014, 0.0, 0.0, 0.7014], requires_grad=False)
    H, n_qubits = qml.qchem.molecular_hamiltonian(symbols, coordinates)
    _agree("vqd.nq", n_qubits)

    vqe_gates = [qml.DoubleExcitation(0.2244, wires=[0, 1, 2, 3])]  # (the data set's)

    def generate_ground_state(wires):
        qml.BasisState(onp.array([1, 1, 0, 0]), wires=wires)
        for op in vqe_gates:
            op = qml.map_wires(op, {op.wires[i]: wires[i] for i in range(len(wires))})
            qml.apply(op)

    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def circuit():
        generate_ground_state(range(n_qubits))
        return qml.expval(H)

    _agree("vqd.e0", circuit())

    @partial(qml.transforms.decompose, max_expansion=1)
    def ansatz(theta, wires):
        singles, doubles = qml.qchem.excitations(2, n_qubits)
        singles = [[wires[i] for i in single] for single in singles]
        doubles = [[wires[i] for i in double] for double in doubles]
        qml.AllSinglesDoubles(theta, wires, onp.array([1, 1, 0, 0]), singles, doubles)

    theta = onp.array([0.31, 0.42, 0.53])
    _agree("vqd.draw_ansatz", qml.draw(ansatz, decimals=2)(theta, range(4)))

    @qml.qnode(dev)
    def swap_test(params):
        generate_ground_state(range(1, n_qubits + 1))
        ansatz(params, range(n_qubits + 1, 2 * n_qubits + 1))
        qml.Barrier()
        qml.Hadamard(wires=0)
        for i in range(n_qubits):
            qml.CSWAP(wires=[0, 1 + i + n_qubits, 1 + i])
        qml.Hadamard(wires=0)
        return qml.expval(qml.Z(0))

    _agree("vqd.draw_swap", qml.draw(swap_test)(theta))
    _agree("vqd.overlap", swap_test(theta))

    @qml.qnode(dev)
    def expected_value(theta):
        ansatz(theta, range(n_qubits))
        return qml.expval(H)

    def loss_f(theta, beta):
        return expected_value(theta) + beta * swap_test(theta)

    theta = np.array([0.1, 0.2, 0.3], requires_grad=True)
    energy = [loss_f(theta, 2)]
    opt = qml.GradientDescentOptimizer(0.4)
    for n in range(4):
        theta = opt.step(lambda t: loss_f(t, 2), theta)
        energy.append(loss_f(theta, 2))
    _agree("vqd.energy", energy)
    _agree("vqd.grad", qml.grad(loss_f, argnums=0)(theta, 2))
    _agree("vqd.eigs", onp.sort(onp.linalg.eigvals(H.matrix())).real)


# --- Stabilizer codes (tutorial_stabilizer_codes; the shots=1 syndromes through `np.ravel`):
# the repetition code's encoding, syndromes and corrected fidelities, the stabilizer group and
# the LSD classification, the five-qubit code's syndrome table and three corrections

def test_stabilizer_codes_demo_matches_pennylane():
    from qsym import X, Y, Z
    from qsym import Identity as I

    def encode(alpha, beta):
        qml.StatePrep([alpha, beta], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[0, 2])

    def encoded_state(alpha, beta):
        encode(alpha, beta)
        return qml.state()

    encode_qnode = qml.QNode(encoded_state, qml.device("default.qubit"))
    alpha = 1 / np.sqrt(2)
    beta = 1 / np.sqrt(2)
    _agree("stab.enc", [encode_qnode(alpha, beta)[0], encode_qnode(alpha, beta)[7]])

    def error_detection():
        qml.CNOT(wires=[0, 3])
        qml.CNOT(wires=[1, 3])
        qml.CNOT(wires=[1, 4])
        qml.CNOT(wires=[2, 4])

    @qml.qnode(qml.device("default.qubit", wires=5, shots=1))
    def syndrome_measurement(error_wire):
        encode(alpha, beta)
        qml.PauliX(wires=error_wire)
        error_detection()
        return qml.sample(wires=[3, 4])

    _agree("stab.synd3", [syndrome_measurement(w) for w in range(3)])

    @qml.qnode(qml.device("default.qubit", wires=5))
    def error_correction(error_wire):
        encode(alpha, beta)
        qml.PauliX(wires=error_wire)
        error_detection()
        m3 = qml.measure(3)
        m4 = qml.measure(4)
        qml.cond(m3 & ~m4, qml.PauliX)(wires=0)
        qml.cond(m3 & m4, qml.PauliX)(wires=1)
        qml.cond(~m3 & m4, qml.PauliX)(wires=2)
        return qml.density_matrix(wires=[0, 1, 2])

    enc = qml.math.dm_from_state_vector(encode_qnode(alpha, beta))
    _agree("stab.fid3", [qml.math.fidelity(enc, error_correction(w)).round(2) for w in range(3)])

    def generate_stabilizer_group(gens, num_wires):
        group = []
        init_op = I(0)
        for i in range(1, num_wires):
            init_op = init_op @ I(i)
        for bits in itertools.product([0, 1], repeat=len(gens)):
            op = init_op
            for i, bit in enumerate(bits):
                if bit:
                    op = qml.prod(op, gens[i]).simplify()
            group.append(op)
        return set(group)

    generators = [Z(0) @ Z(1) @ I(2), I(0) @ Z(1) @ Z(2)]
    group = generate_stabilizer_group(generators, 3)
    _agree("stab.group", "\n".join(sorted(repr(op) for op in group)))

    def classify_pauli(operator, logical_ops, generators, n_wires):
        assert set(operator.wires).issubset(set(range(n_wires)))
        operator_names = set([op.name for op in operator.decomposition()])
        assert operator_names.issubset({"Identity", "PauliX", "PauliY", "PauliZ", "SProd"})
        stabilizer_group = generate_stabilizer_group(generators, n_wires)
        if operator.simplify() in stabilizer_group:
            return f"{operator} is a Stabilizer."
        if all(qml.is_commuting(operator, g) for g in generators):
            if operator in logical_ops:
                return f"{operator} is a Logical Operator."
            return f"{operator} commutes with all stabilizers — it's a Logical Operator (or a multiple of one)."
        return f"{operator} is an Error Operator (Destabilizer)."

    logical_ops = [X(0) @ X(1) @ X(2), Z(0) @ Z(1) @ Z(2)]
    _agree("stab.classify", "\n".join([
        classify_pauli(Z(0) @ I(1) @ Z(2), logical_ops, generators, 3),
        classify_pauli(Y(0) @ Y(1) @ Y(2), logical_ops, generators, 3),
        classify_pauli(X(0) @ Y(1) @ Z(2), logical_ops, generators, 3),
        classify_pauli(X(0) @ X(1) @ X(2), logical_ops, generators, 3)]))

    def five_qubit_encode(alpha, beta):
        qml.StatePrep([alpha, beta], wires=4)
        qml.Hadamard(wires=0)
        qml.S(wires=0)
        qml.CZ(wires=[0, 1])
        qml.CZ(wires=[0, 3])
        qml.CY(wires=[0, 4])
        qml.Hadamard(wires=1)
        qml.CZ(wires=[1, 2])
        qml.CZ(wires=[1, 3])
        qml.CNOT(wires=[1, 4])
        qml.Hadamard(wires=2)
        qml.CZ(wires=[2, 0])
        qml.CZ(wires=[2, 1])
        qml.CNOT(wires=[2, 4])
        qml.Hadamard(wires=3)
        qml.S(wires=3)
        qml.CZ(wires=[3, 0])
        qml.CZ(wires=[3, 2])
        qml.CY(wires=[3, 4])

    stabilizers = [X(0) @ Z(1) @ Z(2) @ X(3) @ I(4), I(0) @ X(1) @ Z(2) @ Z(3) @ X(4),
                   X(0) @ I(1) @ X(2) @ Z(3) @ Z(4), Z(0) @ X(1) @ I(2) @ X(3) @ Z(4)]

    def five_qubit_error_detection():
        for wire in range(5, 9):
            qml.Hadamard(wires=wire)
        for i in range(len(stabilizers)):
            qml.ctrl(stabilizers[i], control=[i + 5])
        for wire in range(5, 9):
            qml.Hadamard(wires=wire)

    @qml.qnode(qml.device("default.qubit", wires=9, shots=1))
    def five_qubit_syndromes(alpha, beta, error_op, error_wire):
        five_qubit_encode(alpha, beta)
        error_op(wires=error_wire)
        five_qubit_error_detection()
        return qml.sample(wires=range(5, 9))

    ops_and_syndromes = []
    for wire in (0, 1, 2, 3, 4):
        for error_op in (qml.PauliX, qml.PauliY, qml.PauliZ):
            ops_and_syndromes.append(
                (error_op, wire, onp.ravel(five_qubit_syndromes(1 / 2, np.sqrt(3) / 2, error_op, wire))))
    _agree("stab.synd5", [s for _, _, s in ops_and_syndromes])

    def syndrome_booleans(syndrome, measurements):
        m = ~measurements[0] if syndrome[0] == 0 else measurements[0]
        for i, elem in enumerate(syndrome[1:]):
            m = m & ~measurements[i + 1] if elem == 0 else m & measurements[i + 1]
        return m

    @qml.qnode(qml.device("default.qubit", wires=9))
    def five_qubit_code(alpha, beta, error_op, error_wire):
        five_qubit_encode(alpha, beta)
        error_op(wires=error_wire)
        five_qubit_error_detection()
        measurements = [qml.measure(w) for w in (5, 6, 7, 8)]
        for op, wire, synd in ops_and_syndromes:
            qml.cond(syndrome_booleans(synd, measurements), op)(wires=wire)
        return qml.density_matrix(wires=[0, 1, 2, 3, 4])

    @qml.qnode(qml.device("default.qubit", wires=5))
    def five_qubit_encoded_state(alpha, beta):
        five_qubit_encode(alpha, beta)
        return qml.state()

    enc5 = qml.math.dm_from_state_vector(five_qubit_encoded_state(alpha, beta))
    _agree("stab.fid5", [qml.math.fidelity(enc5, five_qubit_code(alpha, beta, op, w)).round(2)
                         for op, w in ((qml.PauliX, 0), (qml.PauliY, 2), (qml.PauliZ, 4))])


# --- QSVT on hardware (tutorial_qsvt_hardware; `qml.capture.enable()` removed): poly_to_angles,
# transform_angles, the controlled QSVT and adjoint QSVT's block against p(H)

def test_qsvt_on_hardware_demo_matches_pennylane():
    from numpy.linalg import matrix_power as mpow
    poly = [0, -1.0, 0, 1 / 2, 0, 1 / 2]
    angles_pl = qml.poly_to_angles(poly, "QSVT")
    _agree("qsvthw.angles", angles_pl)
    ang_seq = [-1.5115007723754004, 0.6300762184670975, 0.8813995564082947,
               -2.2601930971815003, 3.7716688720568885, 0.059295554419495855]
    _agree("qsvthw.pyqsp", qml.transform_angles(ang_seq, "QSP", "QSVT"))
    coeffs = onp.array([0.2, -0.7, -0.6])
    coeffs /= onp.linalg.norm(coeffs, ord=1)
    obs = [qml.X(3), qml.X(3) @ qml.Z(4), qml.Z(3) @ qml.Y(4)]
    H = qml.dot(coeffs, obs)
    H_mat = qml.matrix(H, wire_order=[3, 4])
    H_poly = -H_mat + 0.5 * mpow(H_mat, 3) + 0.5 * mpow(H_mat, 5)
    control_wires = [1, 2]
    block_encode = qml.PrepSelPrep(H, control=control_wires)
    projectors = [qml.PCPhase(angles_pl[i], dim=2 ** len(H.wires), wires=control_wires + H.wires)
                  for i in range(len(angles_pl))]
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        qml.ctrl(qml.QSVT, control=0, control_values=[1])(block_encode, projectors)
        qml.ctrl(qml.adjoint(qml.QSVT), control=0, control_values=[0])(block_encode, projectors)
        qml.Hadamard(0)
        return qml.state()

    matrix = qml.matrix(circuit, wire_order=[0] + control_wires + H.wires)()
    block = onp.round(matrix[: 2 ** len(H.wires), : 2 ** len(H.wires)], 4)
    _agree("qsvthw.block", block)
    onp.testing.assert_allclose(block, onp.round(H_poly, 4), atol=2e-4)  # the demo's point
    _agree("qsvthw.draw", qml.draw(circuit)())
    _agree("qsvthw.state", circuit())


# --- Optimization of molecular geometries (tutorial_mol_geo_opt; JAX as `qsym.numpy` and
# qml.grad, 1 step of 36): H3+'s Hamiltonian of the coordinates, the joint update of the
# circuit parameters and the nuclear coordinates by central differences of H(x)

def test_molecular_geometry_optimization_demo_matches_pennylane():
    symbols = ["H", "H", "H"]
    x = np.array([0.028, 0.054, 0.0, 0.986, 1.610, 0.0, 1.855, 0.002, 0.0], requires_grad=True)

    def H(x):
        molecule = qml.qchem.Molecule(symbols, x, charge=1)
        return qml.qchem.molecular_hamiltonian(molecule)[0]

    hf = qml.qchem.hf_state(electrons=2, orbitals=6)
    _agree("geo.hf", hf)
    dev = qml.device("default.qubit", wires=6)

    @qml.qnode(dev)
    def circuit(params, obs, wires):
        qml.BasisState(hf, wires=wires)
        qml.DoubleExcitation(params[0], wires=[0, 1, 2, 3])
        qml.DoubleExcitation(params[1], wires=[0, 1, 4, 5])
        return qml.expval(obs)

    def cost(params, x):
        return circuit(params, obs=H(x), wires=range(6))

    def finite_diff(f, x, delta=0.01):
        gradient = []
        x = onp.ravel(x)
        for i in range(len(x)):
            shift = onp.zeros_like(x)
            shift[i] = 0.5 * delta
            gradient.append((f(x + shift) - f(x - shift)) * delta ** -1)
        return gradient

    def grad_x(params, x):
        grad_h = finite_diff(H, x)
        return onp.array([circuit(params, obs=obs, wires=range(6)) for obs in grad_h]).reshape(x.shape)

    theta = np.array([0.0, 0.0], requires_grad=True)
    energies, bonds = [], []
    for n in range(1):
        g_param = qml.grad(cost, argnums=[0])(theta, x)[0]
        theta = theta - 0.8 * g_param
        energies.append(cost(theta, x))
        grad = grad_x(theta, x)
        x = x - 0.8 * grad
        bonds.append(onp.linalg.norm(x[0:3] - x[3:6]) * 0.529177210903)
    _agree("geo.energies", energies)
    _agree("geo.theta", theta)
    _agree("geo.x", x)
    _agree("geo.bonds", bonds)


# --- Quantum kernels approximating a classical one (tutorial_classical_kernels; 3 qubits instead
# of 5, the lags cut to 7 points, the Gaussian written with `np.exp`, plots left out): the
# periodic Gaussian's spectrum by qml.fourier.coefficients, the Mottonen-prepared kernel and
# its adjoint, Newton's method on the amplitudes, the kernel's own Fourier spectrum

def test_classical_kernel_emulation_demo_matches_pennylane():
    from qsym.fourier import coefficients

    def gaussian_kernel(x, sigma=1.0):
        return np.exp(-x ** 2 / (2 * sigma ** 2))

    def Gauss_p(x, L=onp.pi):
        x_mod = onp.mod(x + L, 2 * L) - L
        return gaussian_kernel(x_mod)

    def fourier_p(d):
        return onp.real(coefficients(Gauss_p, 1, d - 1)[:d])

    for n in range(2, 5):
        _agree(f"ck.fourier_p{n}", fourier_p(n))

    def S(x, thetas, wires):
        for (i, wire) in enumerate(wires):
            qml.RZ(thetas[i] * x, wires=[wire])

    def make_thetas(n_wires):
        return [2 ** i for i in range(n_wires - 1, -1, -1)]

    def W(features, wires):
        qml.templates.state_preparations.MottonenStatePreparation(features, wires)

    def ansatz(x1, x2, thetas, amplitudes, wires):
        W(amplitudes, wires)
        S(x1 - x2, thetas, wires)
        qml.adjoint(W)(amplitudes, wires)

    n_wires = 3
    dev = qml.device("lightning.qubit", wires=n_wires)

    @qml.qnode(dev)
    def QK_circuit(x1, x2, thetas, amplitudes):
        ansatz(x1, x2, thetas, amplitudes, wires=range(n_wires))
        return qml.probs(wires=range(n_wires))

    def QK(delta, thetas, amplitudes):
        return QK_circuit(delta, 0, thetas, amplitudes)[0]

    def QK_on_dataset(deltas, thetas, amplitudes):
        return onp.array([QK(delta, thetas, amplitudes) for delta in deltas])

    X = onp.linspace(-1.5, 1.5, 7)
    thetas = make_thetas(n_wires)
    test_features = onp.asarray([1. / (1 + i) for i in range(2 ** n_wires)])
    test_amplitudes = test_features / onp.sqrt(onp.sum(test_features ** 2))
    _agree("ck.Y_test", QK_on_dataset(X, thetas, test_amplitudes))
    _agree("ck.draw", qml.draw(QK_circuit)(0.3, 0, thetas, test_amplitudes))

    def predict_spectrum(probabilities):
        d = len(probabilities)
        spectrum = []
        for s in range(d):
            spectrum.append(sum(probabilities[j] * probabilities[j - s] for j in range(s, d)))
        for s in range(1, d):
            spectrum.append(spectrum[d - s])
        return spectrum

    def F(probabilities, spectrum):
        d = len(probabilities)
        return predict_spectrum(probabilities)[:d] - spectrum[:d]

    def J_F(probabilities):
        d = len(probabilities)
        J = onp.zeros(shape=(d, d))
        for i in range(d):
            for j in range(d):
                if i + j < d:
                    J[i][j] += probabilities[i + j]
                if i - j <= 0:
                    J[i][j] += probabilities[j - i]
        return J

    d = 2 ** n_wires
    probabilities = onp.ones(d) / onp.array(range(1, d + 1))
    spectrum = fourier_p(d)
    for step in range(30):
        probabilities = probabilities + onp.linalg.solve(J_F(probabilities), -F(probabilities, spectrum))
    p_t = probabilities.copy()
    p_t[p_t < 1e-10] = 0.0
    probabilities = p_t / onp.sum(p_t)
    amplitudes = onp.sqrt(probabilities)
    _agree("ck.amplitudes", amplitudes)

    def fourier_q(d, thetas, amplitudes):
        def QK_partial(x):
            return QK(qml.math.squeeze(x), thetas, amplitudes)
        return onp.real(coefficients(QK_partial, 1, d - 1))

    _agree("ck.fourier_q", fourier_q(d, thetas, amplitudes)[:d])
    _agree("ck.Y_learned", QK_on_dataset(X, thetas, amplitudes))


# --- How to use wire registers (tutorial_how_to_use_registers; `qml.capture.enable()` removed;
# `qml.data`'s 1x4 Ising chain written out (J = 1, h = 0.5), its ground state by `eigh`; the
# estimation register cut to 3 wires of 6 and the preparation register to 3 of 4, on
# default.qubit): registers, nested registers, unions, the swap test, QPE of Qubitization

def test_wire_registers_demo_matches_pennylane():
    register = qml.registers({"alice": 1, "bob": 2, "charlie": 3})
    _agree("reg.flat", repr(register))
    nested = qml.registers({"all_registers": {"alice": 1, "bob": {"bob1": {"bob1a": 1, "bob1b": 2},
                                                                   "bob2": 1}, "charlie": 1}})
    _agree("reg.nested", repr(nested))
    _agree("reg.access", repr((nested["alice"], nested["bob1a"], nested["all_registers"][2],
                               nested["bob1a"][0], nested["alice"] | nested["charlie"])))
    swap_register = qml.registers({"auxiliary": 1, "psi": 3, "phi": 3})

    @qml.qnode(qml.device("default.qubit"))
    def swap_test():
        qml.RX(onp.pi / 2, swap_register["phi"][0])
        qml.Hadamard(swap_register["auxiliary"])
        for i in range(len(swap_register["psi"])):
            qml.CSWAP(swap_register["auxiliary"] | swap_register["psi"][i] | swap_register["phi"][i])
        qml.Hadamard(swap_register["auxiliary"])
        return qml.expval(qml.Z(wires=swap_register["auxiliary"]))

    _agree("reg.swap", swap_test())
    _agree("reg.swap_draw", qml.draw(swap_test)())

    register = qml.registers({"state": 4, "estimation": 3, "prep": 3})
    H = qml.dot([-1.0] * 3 + [-0.5] * 4,
                [qml.Z(i) @ qml.Z(i + 1) for i in range(3)] + [qml.X(i) for i in range(4)])
    _, vecs = onp.linalg.eigh(qml.matrix(H, wire_order=range(4)))
    initial_state = vecs[:, 0]

    @qml.qnode(qml.device("default.qubit"))
    def circuit():
        qml.StatePrep(initial_state, wires=register["state"])
        for wire in register["estimation"]:
            qml.Hadamard(wires=wire)
        qml.ControlledSequence(qml.Qubitization(H, register["prep"]), control=register["estimation"])
        qml.adjoint(qml.QFT)(wires=register["estimation"])
        return qml.probs(wires=register["estimation"])

    output = circuit()
    _agree("reg.qpe", output)
    lamb = sum([abs(c) for c in H.terms()[0]])
    _agree("reg.eig", lamb * onp.cos(2 * onp.pi * (onp.argmax(output)) / 2 ** len(register["estimation"])))
    _agree("reg.qpe_draw", qml.draw(circuit, decimals=None, max_length=300)())


# --- Exploring Trotterization (exploring_trotterization; the `pennylane.estimator` resource
# estimates left out; Trotter steps cut to 10, 20, 50; the phase-gradient part at precision
# 0.25 (2-wire registers, 7 wires) for 0.05, and 4 and 10 steps): the hand-written and
# `qml.trotterize` first-order steppers, the error tables against SciPy's expm, second order,
# `rz_phase_gradient` (each RZ one `ChangeOpBasis`, drawn and counted as PennyLane 0.45.1's)

def test_exploring_trotterization_demo_matches_pennylane():
    from scipy.linalg import expm
    from qsym.transforms.rz_phase_gradient import rz_phase_gradient
    coeffs = [0.2, 1.3]
    t = 10
    R = [10, 20, 50]
    dev = qml.device("lightning.qubit", wires=1)

    @qml.qnode(dev)
    def TrotterStepper(t, coeffs, r):
        del_t = t / r
        for i in range(r):
            qml.RX(2 * coeffs[0] * del_t, wires=0)
            qml.RZ(2 * coeffs[1] * del_t, wires=0)
        return [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(0)), qml.expval(qml.PauliZ(0))]

    _agree("trot.first", TrotterStepper(t, coeffs, R[2]))

    def FirstOrderExpansion(time, theta, phi, wires=None):
        qml.RX(2 * time * theta, wires=0)
        qml.RZ(2 * time * phi, wires=0)

    @qml.qnode(dev)
    def BuiltInTrotter(time, theta, phi, num_trotter_steps):
        qml.trotterize(FirstOrderExpansion, n=num_trotter_steps, order=1)(time, theta, phi, wires=[0])
        return [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(0)), qml.expval(qml.PauliZ(0))]

    _agree("trot.builtin", BuiltInTrotter(t, coeffs[0], coeffs[1], R[2]))
    X = onp.array([[0, 1], [1, 0]])
    Z = onp.array([[1, 0], [0, -1]])
    Y = onp.array([[0, -1j], [1j, 0]])
    evolved = expm(-1j * (coeffs[0] * X + coeffs[1] * Z) * t) @ onp.array([1, 0])
    exact = [onp.real(evolved.conj() @ P @ evolved) for P in (X, Y, Z)]

    def table(stepper, steps):
        lines = []
        for r in steps:
            result = stepper(t, coeffs, r)
            errs = [abs(result[k] - exact[k]) for k in range(3)]
            total = onp.sqrt(sum(e ** 2 for e in errs))
            lines.append(f"{r:>5} | {errs[0]:>8.5f} | {errs[1]:>8.5f} | {errs[2]:>8.5f} | {total:>11.5f}")
        return "\n".join(lines)

    _agree("trot.table1", table(TrotterStepper, R))

    @qml.qnode(dev)
    def TrotterStepperSO(t, coeffs, r):
        del_t = t / r
        for _ in range(r):
            qml.RX(coeffs[0] * del_t, wires=0)
            qml.RZ(2 * coeffs[1] * del_t, wires=0)
            qml.RX(coeffs[0] * del_t, wires=0)
        return [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(0)), qml.expval(qml.PauliZ(0))]

    _agree("trot.table2", table(TrotterStepperSO, R))
    b = int(onp.ceil(onp.log2(1 / 0.25)))
    angle_wires = list(range(1, 1 + b))
    gradient_wires = list(range(1 + b, 1 + 2 * b))
    work_wires = list(range(1 + 2 * b, 1 + 3 * b))
    dev2 = qml.device("lightning.qubit", wires=(1 + 3 * b))

    @qml.qnode(dev2)
    @rz_phase_gradient(angle_wires, gradient_wires, work_wires)
    def TrotterStepperPG(t, coeffs, r):
        del_t = t / r
        for i in range(r):
            qml.Hadamard(wires=0)
            qml.RZ(2 * coeffs[0] * del_t, wires=0)
            qml.Hadamard(wires=0)
            qml.RZ(2 * coeffs[1] * del_t, wires=0)
        return [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(0)), qml.expval(qml.PauliZ(0))]

    _agree("trot.tablePG", table(TrotterStepperPG, [4, 10]))
    _agree("trot.drawPG", qml.draw(TrotterStepperPG, level="user", decimals=None)(t, coeffs, 1))
    _agree("trot.specsPG", str(sorted(qml.specs(TrotterStepperPG, level="user")(t, coeffs, 2)[
        "resources"].gate_types.items())))


# --- Mechanisms the demos above met (PennyLane's drawings and numbers for the same calls)

def test_a_quantum_function_transform_that_decomposes_a_template_draws_its_gates():
    # VQD's ``@partial(qml.transforms.decompose, max_expansion=1)`` on the ansatz: the gates
    # a template decomposed into are entries of the transformed tape, drawn as themselves
    # (qsym drew the template's box again), counted by qml.specs, and taken one by one by
    # qml.adjoint of the transformed function
    from functools import partial

    def f(w, x):
        qml.AllSinglesDoubles(w, range(4), onp.array([1, 1, 0, 0]), [[0, 2], [1, 3]],
                              [[0, 1, 2, 3]])
        qml.ctrl(qml.StronglyEntanglingLayers(x, wires=[1, 2]), control=0)
        qml.adjoint(qml.QFT(wires=[2, 3]))

    w = np.array([0.1, 0.2, 0.3], requires_grad=True)
    x = np.array([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]], requires_grad=True)
    dev = qml.device("default.qubit", wires=4)
    for m in (1, 2):
        g = partial(qml.transforms.decompose, max_expansion=m)(f)
        c = qml.QNode(lambda w, x: (g(w, x), qml.expval(qml.Z(0) @ qml.Z(3)))[1], dev)
        _agree(f"mech.draw{m}", qml.draw(c)(w, x))
        _agree(f"mech.value{m}", c(w, x))
        _agree(f"mech.grad{m}", qml.grad(c)(w, x)[0])
        _agree(f"mech.specs{m}", str(sorted(qml.specs(c)(w, x)["resources"].gate_types.items())))
        a = qml.QNode(lambda w, x: (qml.adjoint(g)(w, x), qml.probs(wires=[0, 3]))[1], dev)
        _agree(f"mech.adjoint{m}", qml.draw(a)(w, x))
    _agree("mech.plain", qml.draw(qml.transforms.decompose(f, max_expansion=1))(w, x))


def test_a_controlled_qsvt_runs_and_applies_the_controlled_matrix():
    # QSVT on hardware: qml.ctrl of a QSVT whose projectors are PCPhase gates (controlled as
    # commuting factors) raised ParameterFrequenciesUndefinedError while the circuit was
    # traced; the reference is QSVT's own matrix, controlled by hand
    # (on five wires and more qsym controls PCPhase as commuting factors)
    H = qml.dot([0.2, -0.5, -0.3], [qml.X(3), qml.X(3) @ qml.Z(4), qml.Z(3) @ qml.Y(4)])
    block = qml.PrepSelPrep(H, control=[1, 2])
    angles = [0.3, -1.1, 0.7]
    projectors = [qml.PCPhase(a, dim=4, wires=[1, 2, 3, 4]) for a in angles]
    U = qml.matrix(qml.QSVT(block, projectors), wire_order=[1, 2, 3, 4])
    eye, zero = onp.eye(16), onp.zeros((16, 16))
    for values, want in (([1], onp.block([[eye, zero], [zero, U]])),
                         ([0], onp.block([[U.conj().T, zero], [zero, eye]]))):
        op = qml.QSVT if values == [1] else qml.adjoint(qml.QSVT)

        @qml.qnode(qml.device("default.qubit", wires=5))
        def circuit():
            qml.Hadamard(0)
            qml.ctrl(op, control=0, control_values=values)(block, projectors)
            return qml.state()

        got = qml.matrix(lambda: qml.ctrl(op, control=0, control_values=values)(block, projectors),
                         wire_order=[0, 1, 2, 3, 4])()
        onp.testing.assert_allclose(got, want, atol=1e-12)
        psi = want @ onp.kron(onp.array([1, 1]) / onp.sqrt(2), onp.eye(16)[0])
        onp.testing.assert_allclose(circuit(), psi, atol=1e-12)


def test_a_product_made_in_the_circuit_and_applied_again_is_applied_twice():
    # (met while checking rz_phase_gradient's ChangeOpBasis) PennyLane's queue holds an
    # operator product written as a statement where it was made, and ``qml.apply`` of it
    # queues it again: both apply. qsym applied it once (the statement's application was
    # dropped): cos(x) where cos(2x) is right. A measurement of the product takes the first.
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def twice(x):
        op = qml.prod(qml.RX(x, 0), qml.RY(x, 1))
        qml.apply(op)
        return qml.expval(qml.Z(0)), qml.expval(qml.Z(1))

    @qml.qnode(dev)
    def flips(x):
        qml.RY(x, 0)
        op = qml.X(0) @ qml.Y(1)
        qml.apply(op)
        return qml.expval(qml.Z(0)), qml.expval(qml.Z(1))

    @qml.qnode(dev)
    def measured(x):
        qml.RY(x, 0)
        op = qml.X(0) @ qml.Z(1)
        qml.apply(op)
        return qml.expval(op)

    x = np.array(0.3, requires_grad=True)
    onp.testing.assert_allclose(twice(x), [onp.cos(2 * 0.3)] * 2, atol=1e-12)
    onp.testing.assert_allclose(qml.jacobian(lambda x: qml.math.stack(twice(x)))(x),
                                [-2 * onp.sin(2 * 0.3)] * 2, atol=1e-12)
    onp.testing.assert_allclose(flips(x), [onp.cos(0.3), 1.0], atol=1e-12)  # X X = I
    # X(0) applied once, then <X(0) Z(1)> of X RY(x)|0>: sin(x)
    onp.testing.assert_allclose(measured(x), onp.sin(0.3), atol=1e-12)
    _agree("mech.twice", [*twice(x), *flips(x), measured(x)])


def test_an_operator_applied_twice_is_drawn_twice():
    # PennyLane's queue holds an operator made in the circuit and applied again with
    # qml.apply twice, and draws two boxes: qsym drew one (the same gates, the same box)
    dev = qml.device("default.qubit", wires=2)
    makers = {"qft": lambda x: qml.QFT(wires=[0, 1]),
              "prod": lambda x: qml.prod(qml.RX(x, 0), qml.RY(x, 1)),
              "basis": lambda x: qml.change_op_basis(qml.CNOT([0, 1]), qml.RZ(x, 1)),
              "ctrl": lambda x: qml.ctrl(qml.RX(x, 1), 0)}
    for name, make in makers.items():
        @qml.qnode(dev)
        def c(x):
            qml.apply(make(x))
            return qml.expval(qml.Z(0) @ qml.Z(1)), qml.expval(qml.X(1))

        _agree(f"mech.twice_draw.{name}", qml.draw(c)(0.3))
        _agree(f"mech.twice_value.{name}", c(0.3))


def test_qml_apply_of_a_change_of_basis_applies_it_once():
    # (exploring Trotterization's phase-gradient rotations are ChangeOpBasis operators)
    # qml.apply of a change_op_basis(load, SemiAdder, load) made outside the circuit applied
    # its operators twice (ChangeOpBasis.decomposition applies them where it is called, and
    # qml.apply applied them again): the adder added twice. By hand: y = 1, x = 3 loaded on
    # control |1>, y + x = 4 = 0 mod 4, x unloaded again; made in the circuit and applied
    # again, twice: y = 1 + 3 + 3 = 3 mod 4
    def mk():
        return qml.change_op_basis(qml.ctrl(qml.BasisEmbedding(3, wires=[1, 2]), control=0),
                                   qml.SemiAdder([1, 2], [3, 4], [5]),
                                   qml.ctrl(qml.BasisEmbedding(3, wires=[1, 2]), control=0))

    with qml.QueuingManager.stop_recording():
        outside = mk()

    @qml.qnode(qml.device("default.qubit", wires=6))
    def c(which):
        qml.X(0)
        qml.X(4)
        if which == 0:
            qml.apply(outside)
        elif which == 1:
            mk()
        else:
            qml.apply(mk())
        return qml.probs(wires=[1, 2, 3, 4])

    for which, y in ((0, 0), (1, 0), (2, 3)):
        onp.testing.assert_allclose(c(which), onp.eye(16)[y], atol=1e-12)  # x = 0, y
    _agree("mech.cob_draw", qml.draw(c)(0))

    with qml.QueuingManager.stop_recording():
        p1 = qml.prod(qml.RX(0.3, 0), qml.RY(0.4, 1))
        p2 = qml.RZ(0.2, 1) @ qml.QFT(wires=[0, 1])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def d():
        qml.apply(p1)
        qml.H(0)
        qml.apply(p2)
        qml.apply(p1)
        return qml.probs()

    _agree("mech.outside_products", qml.draw(d)())
    _agree("mech.outside_products_probs", d())


# PennyLane 0.45.1's results for the calls above (/work/plvenv, this file's tests run with
# ``qsym`` replaced by ``pennylane``)
_PL = {'ds.init': [[[0.44437752693709703, 5.277555490610317, 0.7623299587695588],
              [3.577088567748494, 2.7461411744451416, 0.11779721249126889]],
             [[0.2552904497447073, 1.5575281069523927, 0.5878013943395344],
              [4.365705765904372, 0.9133875533571499, 2.8473655440313257]]],
 'ds.gd': [4.217606235855994,
           4.034158502618038,
           3.840741627500483,
           3.6345914406392765,
           3.4130819694033594,
           3.173877968111025,
           2.9151154792692653,
           2.6356011076852837],
 'ds.gdp': [[[0.44437752693709703, 5.371883312148478, 0.7743095751193156],
             [3.577088567748494, 2.7563054426517994, 0.2000622589215097]],
            [[0.3375554961749481, 1.8208263411721635, 0.5857282291435127],
             [4.372762433659423, 1.0527958862277536, 3.0298779400525118]]],
 'ds.dcost': [11.313784898195397,
              11.058851530909102,
              11.021915600616959,
              0.6664020839209268,
              7.48911439317411,
              0.645231993738538,
              1.066381280341849,
              3.1014844071973418,
              5.666216266943472,
              1.0951393915148229,
              3.389994954693779,
              0.7164394859987246],
 'ds.dparams': [[[0.44437752693709703, 5.351948814845646, 0.7740674036342056],
                 [3.577088567748494, 2.693904256518194, 0.2446027378004292]],
                [[0.38209597505386766, 1.7733718653286994, 0.6636249038667338],
                 [4.413008360893661, 1.0317398333741328, 3.058582828929563]]],
 'ds.final': 2.418208903607506,
 'noisy.chsh': [2.8284271247462445,
                1.7677669529664244,
                1.4142135623731509,
                1.7677669529664244,
                2.8284271247462445],
 'noisy.value': 0.8515405859048365,
 'noisy.sweep': [0.8515405859048365,
                 0.6244630963302136,
                 0.3973856067555906,
                 0.17030811718096728,
                 -0.056769372393655926,
                 -0.28384686196827885],
 'noisy.lines': 'Step     5. Cost:  0.9553370; Noisy Cost:  0.5919360\n'
                'Step    10. Cost:  0.1596750; Noisy Cost:  0.5338491',
 'noisy.params': [[0.2256474170370797, 1.4062263620018518],
                  [0.09086822778442406, 0.46586246235453643]],
 'noisy.grad': [-0.048643878090959235, -0.2684041766730628],
 'vqd.nq': 4,
 'vqd.e0': -1.1372575238915812,
 'vqd.draw_ansatz': '0: ─╭|Ψ⟩─╭G²(0.53)─╭G(0.31)──────────┤  \n'
                    '1: ─├|Ψ⟩─├G²(0.53)─│────────╭G(0.42)─┤  \n'
                    '2: ─├|Ψ⟩─├G²(0.53)─╰G(0.31)─│────────┤  \n'
                    '3: ─╰|Ψ⟩─╰G²(0.53)──────────╰G(0.42)─┤  ',
 'vqd.draw_swap': '0: ───────────────────────────────────||──H─╭●────╭●────╭●────╭●─────H─┤  <Z>\n'
                  '1: ─╭|Ψ⟩─╭G²(0.22)────────────────────||────├SWAP─│─────│─────│────────┤     \n'
                  '2: ─├|Ψ⟩─├G²(0.22)────────────────────||────│─────├SWAP─│─────│────────┤     \n'
                  '3: ─├|Ψ⟩─├G²(0.22)────────────────────||────│─────│─────├SWAP─│────────┤     \n'
                  '4: ─╰|Ψ⟩─╰G²(0.22)────────────────────||────│─────│─────│─────├SWAP────┤     \n'
                  '5: ─╭|Ψ⟩─╭G²(0.53)─╭G(0.31)───────────||────╰SWAP─│─────│─────│────────┤     \n'
                  '6: ─├|Ψ⟩─├G²(0.53)─│────────╭G(0.42)──||──────────╰SWAP─│─────│────────┤     \n'
                  '7: ─├|Ψ⟩─├G²(0.53)─╰G(0.31)─│─────────||────────────────╰SWAP─│────────┤     \n'
                  '8: ─╰|Ψ⟩─╰G²(0.53)──────────╰G(0.42)──||──────────────────────╰SWAP────┤     ',
 'vqd.overlap': 0.889614768819305,
 'vqd.energy': [0.8411102948908991,
                0.8239328396417362,
                0.792919160865506,
                0.737697971396106,
                0.6423412721255581],
 'vqd.grad': [-0.3729001479595737, -0.4281563055187153, -0.1520322104522071],
 'vqd.eigs': [-1.1372593312937351,
              -0.5390420596117291,
              -0.5390420596117289,
              -0.5336073605471011,
              -0.533607360547101,
              -0.5336073605471009,
              -0.4478914692044824,
              -0.4478914692044823,
              -0.1709256064689319,
              0.23632896860929634,
              0.23632896860929645,
              0.35039092401507066,
              0.35039092401507077,
              0.47764721261301957,
              0.7128599942971201,
              0.918072540110141],
 'stab.enc': [(0.7071067811865475+0j), (0.7071067811865475+0j)],
 'stab.synd3': [[[1, 0]], [[1, 1]], [[0, 1]]],
 'stab.fid3': [1.0, 1.0, 1.0],
 'stab.group': 'I(0) @ I(1) @ I(2)\nZ(0) @ Z(1)\nZ(0) @ Z(2)\nZ(1) @ Z(2)',
 'stab.classify': 'Z(0) @ I(1) @ Z(2) is a Stabilizer.\n'
                  "Y(0) @ Y(1) @ Y(2) commutes with all stabilizers — it's a Logical Operator (or "
                  'a multiple of one).\n'
                  'X(0) @ Y(1) @ Z(2) is an Error Operator (Destabilizer).\n'
                  'X(0) @ X(1) @ X(2) is a Logical Operator.',
 'stab.synd5': [[0, 0, 0, 1],
                [1, 0, 1, 1],
                [1, 0, 1, 0],
                [1, 0, 0, 0],
                [1, 1, 0, 1],
                [0, 1, 0, 1],
                [1, 1, 0, 0],
                [1, 1, 1, 0],
                [0, 0, 1, 0],
                [0, 1, 1, 0],
                [1, 1, 1, 1],
                [1, 0, 0, 1],
                [0, 0, 1, 1],
                [0, 1, 1, 1],
                [0, 1, 0, 0]],
 'stab.fid5': [1.0, 1.0, 1.0],
 'qsvthw.angles': [-5.497787143782138,
                   1.5707963267948966,
                   1.5707963267948966,
                   1.904108720168999,
                   1.272093118472562,
                   0.7507889783456807],
 'qsvthw.pyqsp': [-7.009287916157538,
                  2.200872545261994,
                  2.452195883203191,
                  -0.6893967703866037,
                  5.3424651988517855,
                  -0.7261026089779524],
 'qsvthw.block': [[(-0-0j), -0.1026j, (0.1189+0j), 0j],
                  [0.1026j, (-0+0j), (-0+0j), (-0.1873+0j)],
                  [(0.1189-0j), (-0-0j), (-0-0j), 0.1026j],
                  [-0j, (-0.1873+0j), -0.1026j, (-0+0j)]],
 'qsvthw.draw': '0: ──H─╭●────╭○──────H─┤  State\n'
                '1: ────├QSVT─├QSVT†────┤  State\n'
                '2: ────├QSVT─├QSVT†────┤  State\n'
                '3: ────├QSVT─├QSVT†────┤  State\n'
                '4: ────╰QSVT─╰QSVT†────┤  State',
 'qsvthw.state': [(-1.7896977375386158e-35-8.7121122963827e-50j),
                  (3.8658144290900116e-17+0.1025975308640945j),
                  (0.11893201646078645-2.6087158933426926e-17j),
                  (2.14286327935455e-33-2.1563160843380453e-33j),
                  (-5.199026376529544e-18-4.3705936333122334e-18j),
                  (1.9039002612298413e-17+1.3868161050203893e-17j),
                  (-0.5281041633630549+0.12608245958655792j),
                  (2.1954026575707063e-17-4.140039955423868e-17j),
                  (-1.6319531867655263e-33+1.5409622270864744e-33j),
                  (-0.33332716900988335-0.3466478533625221j),
                  (0.11616430065466289-0.27830027235639654j),
                  (-5.0659094402211535e-34+1.0439142284091629e-33j),
                  (-6.367480890884154e-18-5.3528621373358976e-18j),
                  (-1.9399406204995212e-17-5.59969703537242e-18j),
                  (0.4311952437596317-0.10294589716738269j),
                  (-1.9732371740037862e-17-5.850176151986416e-17j),
                  (2.2237316422573195e-52-5.1602454864206674e-33j),
                  (0.3916055001635168+2.8273003225728654e-17j),
                  (3.91949731697627e-17-0.09186480403457478j),
                  (7.396778917015273e-34-9.85689142010512e-34j),
                  (1.0913757979333564e-19-9.758456547558655e-18j),
                  (1.716991742741947e-17+1.2288885126002858e-17j),
                  (1.1043106175479084e-16+2.7691036846790443e-17j),
                  (4.2687955569864664e-17-1.059940216137165e-17j),
                  (1.8486767785253154e-33+1.090760609303957e-33j),
                  (7.819166463342381e-17-8.787719935245417e-17j),
                  (1.2926903515344207e-17+6.236681302112482e-17j),
                  (1.6909284650867054e-33+3.7138505589275957e-33j),
                  (1.3366569112796977e-19-1.1951619609320145e-17j),
                  (-1.3289711440620123e-17-5.732019077177083e-18j),
                  (4.319537987620047e-17+8.528124159332082e-17j),
                  (2.9042208100221697e-17-8.56016865420269e-18j)],
 'geo.hf': [1, 1, 0, 0, 0, 0],
 'geo.energies': [-1.2699918220600803],
 'geo.theta': [0.11513204018721877, 0.11513295052461742],
 'geo.x': [0.025449576190246917,
           0.052595800358885225,
           0.0,
           0.986108055683988,
           1.6129050808360115,
           0.0,
           1.8574423502547224,
           0.0004993257098889912,
           0.0],
 'geo.bonds': [0.9696267786614446],
 'ck.fourier_p2': [0.4077027468311032, 0.2961486265844484],
 'ck.fourier_p3': [0.3986159180050431, 0.24236953825020735, 0.058322502747271146],
 'ck.fourier_p4': [0.3984764193795934,
                   0.24238203920232973,
                   0.05372053359052152,
                   0.004659217517352077],
 'ck.Y_test': [0.3795917324128521,
               0.49442621170811435,
               0.6732535033707755,
               0.9999999999999998,
               0.6732535033707755,
               0.49442621170811435,
               0.3795917324128521],
 'ck.draw': '0: ─╭MottonenStatePreparation(M0)──RZ(1.20)─╭MottonenStatePreparation(M0)†─┤ ╭Probs\n'
            '1: ─├MottonenStatePreparation(M0)──RZ(0.60)─├MottonenStatePreparation(M0)†─┤ ├Probs\n'
            '2: ─╰MottonenStatePreparation(M0)──RZ(0.30)─╰MottonenStatePreparation(M0)†─┤ ╰Probs\n'
            '\n'
            'M0 = \n'
            '[0.80913404 0.40456702 0.26971135 0.20228351 0.16182681 0.13485567\n'
            ' 0.11559058 0.10114175]',
 'ck.amplitudes': [0.6636157411818181,
                   0.6613981135454534,
                   0.33192159083736567,
                   0.10668931402363564,
                   0.0,
                   0.023547120059529573,
                   0.0,
                   0.007593707940276194],
 'ck.fourier_q': [0.39756771434814,
                  0.24209415550441185,
                  0.05350380176082973,
                  0.005073826973240629,
                  0.00024320649483124956,
                  0.00025053236087029993,
                  2.5225145701202046e-05,
                  2.5394586045239068e-05],
 'ck.Y_learned': [0.3243126402721842,
                  0.6045097216117857,
                  0.8803158530329909,
                  1.0000000000000004,
                  0.8803158530329909,
                  0.6045097216117857,
                  0.3243126402721842],
 'reg.flat': "{'alice': Wires([0]), 'bob': Wires([1, 2]), 'charlie': Wires([3, 4, 5])}",
 'reg.nested': "{'alice': Wires([0]), 'bob1a': Wires([1]), 'bob1b': Wires([2, 3]), 'bob1': "
               "Wires([1, 2, 3]), 'bob2': Wires([4]), 'bob': Wires([1, 2, 3, 4]), 'charlie': "
               "Wires([5]), 'all_registers': Wires([0, 1, 2, 3, 4, 5])}",
 'reg.access': '(Wires([0]), Wires([1]), 2, 1, Wires([0, 5]))',
 'reg.swap': 0.4999999999999999,
 'reg.swap_draw': '0: ──H────────╭●────╭●────╭●─────H─┤  <Z>\n'
                  '1: ───────────├SWAP─│─────│────────┤     \n'
                  '2: ───────────│─────├SWAP─│────────┤     \n'
                  '3: ───────────│─────│─────├SWAP────┤     \n'
                  '4: ──RX(1.57)─╰SWAP─│─────│────────┤     \n'
                  '5: ─────────────────╰SWAP─│────────┤     \n'
                  '6: ───────────────────────╰SWAP────┤     ',
 'reg.qpe': [0.000269893879102551,
             0.00034827690256601505,
             0.0009682799555994002,
             0.49782552919341616,
             0.0014459340177346792,
             0.49782552919341616,
             0.0009682799555993942,
             0.0003482769025660142],
 'reg.eig': -3.5355339059327373,
 'reg.qpe_draw': '0: ─╭|Ψ⟩─╭ControlledSequence───────┤       \n'
                 '1: ─├|Ψ⟩─├ControlledSequence───────┤       \n'
                 '2: ─├|Ψ⟩─├ControlledSequence───────┤       \n'
                 '3: ─╰|Ψ⟩─├ControlledSequence───────┤       \n'
                 '4: ──H───├ControlledSequence─╭QFT†─┤ ╭Probs\n'
                 '5: ──H───├ControlledSequence─├QFT†─┤ ├Probs\n'
                 '6: ──H───├ControlledSequence─╰QFT†─┤ ╰Probs\n'
                 '7: ──────├ControlledSequence───────┤       \n'
                 '8: ──────├ControlledSequence───────┤       \n'
                 '9: ──────╰ControlledSequence───────┤       ',
 'trot.first': [0.12542579222970107, -0.11296005772224645, 0.9856512547564343],
 'trot.builtin': [0.12542579222970107, -0.11296005772224645, 0.9856512547564343],
 'trot.table1': '   10 |  0.09619 |  0.18017 |  0.00453 |     0.20429\n'
                '   20 |  0.07092 |  0.07839 |  0.00115 |     0.10572\n'
                '   50 |  0.03334 |  0.02723 |  0.00018 |     0.04305',
 'trot.table2': '   10 |  0.06783 |  0.09452 |  0.01283 |     0.11705\n'
                '   20 |  0.01819 |  0.02249 |  0.00446 |     0.02927\n'
                '   50 |  0.00295 |  0.00354 |  0.00077 |     0.00467',
 'trot.tablePG': '    4 |  0.09209 |  0.14019 |  0.01417 |     0.16833\n'
                 '   10 |  0.09209 |  0.14019 |  0.01417 |     0.16833',
 'trot.drawPG': '0: ──H─╭(|Ψ⟩)@SemiAdder@(|Ψ⟩)──H─╭(|Ψ⟩)@SemiAdder@(|Ψ⟩)─╭GlobalPhase─┤  <X>  <Y>  '
                '<Z>\n'
                '1: '
                '────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─├GlobalPhase─┤               \n'
                '2: '
                '────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─├GlobalPhase─┤               \n'
                '3: '
                '────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─├GlobalPhase─┤               \n'
                '4: '
                '────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─├GlobalPhase─┤               \n'
                '5: '
                '────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─├GlobalPhase─┤               \n'
                '6: '
                '────╰(|Ψ⟩)@SemiAdder@(|Ψ⟩)────╰(|Ψ⟩)@SemiAdder@(|Ψ⟩)─╰GlobalPhase─┤               ',
 'trot.specsPG': "[('ChangeOpBasis', 4), ('GlobalPhase', 1), ('Hadamard', 4)]",
 'mech.draw1': '0: '
               '─╭|Ψ⟩─╭G²(0.30)─╭G(0.10)──────────╭●───────────────────╭●───────────────────╭●─╭●─────────── '
               '···\n'
               '1: '
               '─├|Ψ⟩─├G²(0.30)─│────────╭G(0.20)─╰Rot(0.10,0.20,0.30)─│────────────────────├●─├X─────────── '
               '···\n'
               '2: '
               '─├|Ψ⟩─├G²(0.30)─╰G(0.10)─│─────────────────────────────╰Rot(0.40,0.50,0.60)─╰X─╰●─╭SWAP†──── '
               '···\n'
               '3: '
               '─╰|Ψ⟩─╰G²(0.30)──────────╰G(0.20)─────────────────────────────────────────────────╰SWAP†──H† '
               '···\n'
               '\n'
               '0: ··· ──────────────────┤ ╭<Z@Z>\n'
               '1: ··· ──────────────────┤ │     \n'
               '2: ··· ─╭(Rϕ(1.57))†──H†─┤ │     \n'
               '3: ··· ─╰(Rϕ(1.57))†─────┤ ╰<Z@Z>',
 'mech.value1': 0.18083791378828884,
 'mech.grad1': [-0.014828850441538874, -0.03951436059279083, -0.029283393858321925],
 'mech.specs1': "[('Adjoint(ControlledPhaseShift)', 1), ('Adjoint(Hadamard)', 2), "
                "('Adjoint(SWAP)', 1), ('BasisState', 1), ('CRot', 2), ('DoubleExcitation', 1), "
                "('SingleExcitation', 2), ('Toffoli', 2)]",
 'mech.adjoint1': '0: ─────────────────────────────────────────╭X†─╭X†─╭(Rot(0.40,0.50,0.60))† '
                  '···\n'
                  '1: ─────────────────────────────────────────├X†─├X†─│────────────────────── '
                  '···\n'
                  '2: ──(H†)†─╭((Rϕ(1.57))†)†────────╭(SWAP†)†─╰X†─╰X†─╰(Rot(0.40,0.50,0.60))† '
                  '···\n'
                  '3: ────────╰((Rϕ(1.57))†)†──(H†)†─╰(SWAP†)†──────────────────────────────── '
                  '···\n'
                  '\n'
                  '0: ··· ─╭(Rot(0.10,0.20,0.30))†───────────╭G(0.10)†─╭G²(0.30)†─╭|Ψ⟩†─┤ ╭Probs\n'
                  '1: ··· ─╰(Rot(0.10,0.20,0.30))†─╭G(0.20)†─│─────────├G²(0.30)†─├|Ψ⟩†─┤ │     \n'
                  '2: ··· ─────────────────────────│─────────╰G(0.10)†─├G²(0.30)†─├|Ψ⟩†─┤ │     \n'
                  '3: ··· ─────────────────────────╰G(0.20)†───────────╰G²(0.30)†─╰|Ψ⟩†─┤ ╰Probs',
 'mech.draw2': '0: '
               '─╭|Ψ⟩─╭G²(0.30)─╭G(0.10)──────────╭●───────────────────╭●───────────────────╭●─╭●───────── '
               '···\n'
               '1: '
               '─├|Ψ⟩─├G²(0.30)─│────────╭G(0.20)─╰Rot(0.10,0.20,0.30)─│────────────────────├●─├X───────── '
               '···\n'
               '2: '
               '─├|Ψ⟩─├G²(0.30)─╰G(0.10)─│─────────────────────────────╰Rot(0.40,0.50,0.60)─╰X─╰●─╭SWAP─── '
               '···\n'
               '3: '
               '─╰|Ψ⟩─╰G²(0.30)──────────╰G(0.20)─────────────────────────────────────────────────╰SWAP──H '
               '···\n'
               '\n'
               '0: ··· ───────────────┤ ╭<Z@Z>\n'
               '1: ··· ───────────────┤ │     \n'
               '2: ··· ─╭Rϕ(-1.57)──H─┤ │     \n'
               '3: ··· ─╰●────────────┤ ╰<Z@Z>',
 'mech.value2': 0.18083791378828884,
 'mech.grad2': [-0.014828850441538874, -0.03951436059279083, -0.029283393858321925],
 'mech.specs2': "[('BasisState', 1), ('CRot', 2), ('ControlledPhaseShift', 1), "
                "('DoubleExcitation', 1), ('Hadamard', 2), ('SWAP', 1), ('SingleExcitation', 2), "
                "('Toffoli', 2)]",
 'mech.adjoint2': '0: '
                  '──────────────────────────────╭X†─╭X†─╭(Rot(0.40,0.50,0.60))†─╭(Rot(0.10,0.20,0.30))† '
                  '···\n'
                  '1: '
                  '──────────────────────────────├X†─├X†─│───────────────────────╰(Rot(0.10,0.20,0.30))† '
                  '···\n'
                  '2: '
                  '──H†─╭(Rϕ(-1.57))†─────╭SWAP†─╰X†─╰X†─╰(Rot(0.40,0.50,0.60))†──────────────────────── '
                  '···\n'
                  '3: '
                  '─────╰(Rϕ(-1.57))†──H†─╰SWAP†──────────────────────────────────────────────────────── '
                  '···\n'
                  '\n'
                  '0: ··· ───────────╭G(0.10)†─╭G²(0.30)†─╭|Ψ⟩†─┤ ╭Probs\n'
                  '1: ··· ─╭G(0.20)†─│─────────├G²(0.30)†─├|Ψ⟩†─┤ │     \n'
                  '2: ··· ─│─────────╰G(0.10)†─├G²(0.30)†─├|Ψ⟩†─┤ │     \n'
                  '3: ··· ─╰G(0.20)†───────────╰G²(0.30)†─╰|Ψ⟩†─┤ ╰Probs',
 'mech.plain': '0: '
               '─╭|Ψ⟩─╭G²(0.30)─╭G(0.10)──────────╭●───────────────────╭●───────────────────╭●─╭●─────────── '
               '···\n'
               '1: '
               '─├|Ψ⟩─├G²(0.30)─│────────╭G(0.20)─╰Rot(0.10,0.20,0.30)─│────────────────────├●─├X─────────── '
               '···\n'
               '2: '
               '─├|Ψ⟩─├G²(0.30)─╰G(0.10)─│─────────────────────────────╰Rot(0.40,0.50,0.60)─╰X─╰●─╭SWAP†──── '
               '···\n'
               '3: '
               '─╰|Ψ⟩─╰G²(0.30)──────────╰G(0.20)─────────────────────────────────────────────────╰SWAP†──H† '
               '···\n'
               '\n'
               '0: ··· ──────────────────┤  \n'
               '1: ··· ──────────────────┤  \n'
               '2: ··· ─╭(Rϕ(1.57))†──H†─┤  \n'
               '3: ··· ─╰(Rϕ(1.57))†─────┤  ',
 'mech.twice': [0.8253356149096778,
                0.8253356149096778,
                0.9553364891256059,
                0.9999999999999999,
                0.2955202066613395],
 'mech.twice_draw.qft': '0: ─╭QFT─╭QFT─┤ ╭<Z@Z>     \n1: ─╰QFT─╰QFT─┤ ╰<Z@Z>  <X>',
 'mech.twice_value.qft': [1.0, 0.0],
 'mech.twice_draw.prod': '0: ─╭RX(0.30)@RY(0.30)─╭RX(0.30)@RY(0.30)─┤ ╭<Z@Z>     \n'
                         '1: ─╰RX(0.30)@RY(0.30)─╰RX(0.30)@RY(0.30)─┤ ╰<Z@Z>  <X>',
 'mech.twice_value.prod': [0.6811788772383365, 0.564642473395035],
 'mech.twice_draw.basis': '0: ─╭(X†)@RZ(0.30)@(X)─╭(X†)@RZ(0.30)@(X)─┤ ╭<Z@Z>     \n'
                          '1: ─╰(X†)@RZ(0.30)@(X)─╰(X†)@RZ(0.30)@(X)─┤ ╰<Z@Z>  <X>',
 'mech.twice_value.basis': [1.0, 0.0],
 'mech.twice_draw.ctrl': '0: ─╭●────────╭●────────┤ ╭<Z@Z>     \n'
                         '1: ─╰RX(0.30)─╰RX(0.30)─┤ ╰<Z@Z>  <X>',
 'mech.twice_value.ctrl': [1.0, 0.0],
 'mech.cob_draw': '0: ──X─╭(|Ψ⟩)@SemiAdder@(|Ψ⟩)─┤       \n'
                  '1: ────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─┤ ╭Probs\n'
                  '2: ────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─┤ ├Probs\n'
                  '3: ────├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─┤ ├Probs\n'
                  '4: ──X─├(|Ψ⟩)@SemiAdder@(|Ψ⟩)─┤ ╰Probs\n'
                  '5: ────╰(|Ψ⟩)@SemiAdder@(|Ψ⟩)─┤       ',
 'mech.outside_products': '0: ─╭RX(0.30)@RY(0.40)──H─╭RZ(0.20)@QFT─╭RX(0.30)@RY(0.40)─┤  Probs\n'
                          '1: ─╰RX(0.30)@RY(0.40)────╰RZ(0.20)@QFT─╰RX(0.30)@RY(0.40)─┤  Probs',
 'mech.outside_products_probs': [0.633651086244443,
                                 0.04692271765463195,
                                 0.293104343198474,
                                 0.02632185290245084]}
