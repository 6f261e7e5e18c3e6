"""PennyLane's published demos (PennyLaneAI/qml, ``demonstrations_v2``) not run by earlier
rounds, with the import switched (issue #18, stop 63). Each test is the demo's code cut to
a few seconds (JAX / jaxopt replaced by ``qsym.numpy`` and qsym's optimizers, as the
earlier rounds did on both sides); the numbers are what PennyLane 0.45.1 printed for the
same code in /work/plvenv (a throwaway script), or worked out by hand where marked,
never qsym's own output.
"""

import math

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


# --- Gaussian transformation (tutorial_gaussian_transformation) -------------------------
# default.gaussian: a displacement and a rotation of one qumode, the mean photon number
# driven to 1 (jaxopt's GradientDescent(stepsize=0.1) as qml.GradientDescentOptimizer)

def _gaussian_demo_qnode():
    dev_gaussian = qml.device("default.gaussian", wires=1)

    @qml.qnode(dev_gaussian)
    def mean_photon_gaussian(mag_alpha, phase_alpha, phi):
        qml.Displacement(mag_alpha, phase_alpha, wires=0)
        qml.Rotation(phi, wires=0)
        return qml.expval(qml.NumberOperator(0))

    return mean_photon_gaussian


def test_gaussian_transformation_demo():
    mean_photon_gaussian = _gaussian_demo_qnode()

    def cost(params):
        return (mean_photon_gaussian(params[0], params[1], params[2]) - 1.0) ** 2

    init_params = np.array([0.015, 0.02, 0.005], requires_grad=True)
    # by hand: <n> = |alpha|^2, so cost = (m^2 - 1)^2 and d cost / d m = 4 m (m^2 - 1)
    m = 0.015
    assert cost(init_params) == pytest.approx((m**2 - 1) ** 2, abs=1e-14)
    grad = qml.grad(cost)(init_params)
    assert onp.allclose(grad, [4 * m * (m**2 - 1), 0.0, 0.0], atol=1e-14)

    opt = qml.GradientDescentOptimizer(stepsize=0.1)
    params, costs = init_params, []
    for _ in range(20):
        params = opt.step(cost, params)
        costs.append(float(cost(params)))
    # PennyLane 0.45.1's costs after steps 1, 10, 15, 20 and its optimized parameters
    assert onp.allclose([costs[i] for i in (0, 9, 14, 19)],
                        [0.9991183078273503, 0.6908117715091872, 0.0010009194417920134,
                         1.3158494489605848e-10], rtol=1e-9, atol=1e-15)
    assert onp.allclose(params, [0.9999942644594935, 0.02, 0.005], atol=1e-12)
    # the demo's drawing (qml.draw of a default.gaussian QNode raised GateError: the qubit
    # path traced its CV gates)
    assert qml.draw(mean_photon_gaussian)(*params) == "0: ──D(1.00,0.02)──R(0.01)─┤  <n>"


def test_drawing_of_a_default_gaussian_qnode_is_pennylanes():
    dev = qml.device("default.gaussian", wires=3)

    @qml.qnode(dev)
    def c(x, y):
        qml.Squeezing(x, 0.1, wires=0)
        qml.Beamsplitter(y, 0.3, wires=[0, 1])
        qml.Displacement(0.5, 0.0, wires=2)
        qml.Rotation(x, wires=1)
        return (qml.expval(qml.QuadX(0)), qml.var(qml.NumberOperator(1)),
                qml.expval(qml.QuadOperator(0.4, wires=2)))

    # PennyLane 0.45.1's text for the same QNode
    assert qml.draw(c)(0.2, 0.7) == (
        "0: ──S(0.20,0.10)─╭BS(0.70,0.30)──────────┤  <QuadX>                \n"
        "1: ───────────────╰BS(0.70,0.30)──R(0.20)─┤  Var[n]                 \n"
        "2: ──D(0.50,0.00)─────────────────────────┤  <cos(0.40)x+sin(0.40)p>")
    assert qml.draw(c, decimals=None, wire_order=[2, 1, 0])(0.2, 0.7) == (
        "2: ──D────────┤  <cos(φ)x+sin(φ)p>\n"
        "1: ────╭BS──R─┤  Var[n]           \n"
        "0: ──S─╰BS────┤  <QuadX>          ")


# --- g-sim: Lie-algebraic simulation (tutorial_liesim) -----------------------------------
# 6 qubits instead of 10; JAX's expm and grad as SciPy's expm and central differences on
# the g-sim side, autograd's qml.grad on the state-vector side; the demo's
# qml.exp(-1j * theta[i] * P) as qml.exp(P, -1j * theta[i]) (PennyLane 0.45.1 under
# autograd refuses the product of a box and an operator: "base is expected to be of type
# Operator"); the VQE part (optax) left out

def test_liesim_demo():
    from scipy.linalg import expm

    from qsym import I, X, Z

    n = 6
    generators = [X(i) @ X(i + 1) for i in range(n - 1)] + [Z(i) for i in range(n)]
    generators = [op.pauli_rep for op in generators]
    dla = qml.lie_closure(generators, pauli=True)
    dim_g = len(dla)
    assert dim_g == 2 * n * (2 * n - 1) // 2  # the demo's dim(g) = 2n(2n-1)/2
    # PennyLane 0.45.1's order of the closure (the gate choice below indexes it)
    assert [str(p) for p in dla[9:15]] == [
        "1.0 * Z(4)", "1.0 * Z(5)", "-1.0 * Y(0) @ X(1)", "-1.0 * X(0) @ Y(1)",
        "-1.0 * Y(1) @ X(2)", "-1.0 * X(1) @ Y(2)"]

    e_in = onp.zeros(dim_g)
    for i, h_i in enumerate(dla):
        rho_in = qml.prod(*(I(i) + Z(i) for i in h_i.wires)).pauli_rep
        e_in[i] = (h_i @ rho_in).trace()
    assert e_in.tolist() == [0.0] * 5 + [1.0] * 6 + [0.0] * (dim_g - 11)  # <Z_j> = 1 on |0>
    w = onp.zeros(dim_g)
    w[:len(generators)] = 0.5
    adjoint_repr = qml.structure_constants(dla)
    assert adjoint_repr.shape == (66, 66, 66) and onp.abs(adjoint_repr).sum() == 2640.0

    rng = onp.random.RandomState(0)  # the demo's np.random draws, seeded
    gate_choice = rng.choice(dim_g, size=10)
    gates = adjoint_repr[gate_choice]
    theta = rng.normal(size=(10,))

    def forward(t):
        e_t = e_in
        for i in range(10):
            e_t = expm(t[i] * gates[i]) @ e_t
        return (w @ e_t).real

    eps = 1e-6
    gsim_backward = [(forward(theta + eps * e) - forward(theta - eps * e)) / (2 * eps)
                     for e in onp.eye(10)]

    H = 0.5 * qml.sum(*[op.operation() for op in generators])

    @qml.qnode(qml.device("default.qubit"))
    def qnode(t):
        for i, mu in enumerate(gate_choice):
            qml.exp(dla[mu].operation(), -1j * t[i])
        return qml.expval(H)

    t = np.array(theta, requires_grad=True)
    value, grad = qnode(t), qml.grad(qnode)(t)
    # PennyLane 0.45.1's state-vector value and gradient
    assert value == pytest.approx(0.3961529798030462, abs=1e-12)
    assert onp.allclose(grad, [
        -0.6185930883028854, -1.6154320120909136, 0.3680422512082045, -0.397925731474737,
        -0.8590507071941262, -0.18574865983853295, -0.13084642985734485, 1.3195077560634345,
        0.20774581223395894, 1.2938227967312341], atol=1e-12)
    # the demo's check: g-sim (SciPy's expm of the adjoint representation) agrees
    assert value == pytest.approx(forward(theta), abs=1e-12)
    assert onp.allclose(grad, gsim_backward, atol=1e-6)
    assert float(H.eigvals().min()) == pytest.approx(-3.6481149052793804, abs=1e-12)


# --- pulse programming 101 (tutorial_pulse_programming101), its Hamiltonian part -------------
# The demo's envelopes are JAX functions: a ParametrizedHamiltonian called at a time scales
# its operators by JAX's concrete 0-d arrays (``Array(1.9375)``), which qsym refused
# ("an observable can only be scaled by a number"). qsym does not simulate the pulses
# (qml.evolve of it in a circuit: GateError, docs/pennylane.md), and qsym's test
# environment has no JAX: a 0-d array type of another library is stood in by the class
# below (``__array__`` and ``shape == ()``, as JAX's concrete arrays have).

class _OtherLibraryScalar:
    shape = ()

    def __init__(self, value, traced=False):
        self.value, self.traced = value, traced

    def __str__(self):  # (JAX's str of a concrete array: its number)
        return str(self.value)

    def __array__(self, dtype=None, copy=None):
        if self.traced:  # (a JAX tracer: no concrete value)
            raise TypeError("abstract tracer value encountered")
        return onp.asarray(self.value, dtype=dtype)


def test_pulse_demo_hamiltonian_of_another_librarys_scalars():
    def f1(p, t):
        return _OtherLibraryScalar(onp.polyval(p, t))

    def f2(p, t):
        return _OtherLibraryScalar(p[0] * onp.sin(p[1] * t))

    Ht = f1 * qml.PauliX(0) + f2 * qml.PauliY(1)
    # PennyLane 0.45.1 with the demo's JAX functions prints this
    assert str(Ht((onp.ones(5), onp.array([1.0, onp.pi])), 0.5)) == "1.9375 * X(0) + 1.0 * Y(1)"

    coeffs = [1.0] * 2 + [lambda p, t: _OtherLibraryScalar(onp.sin(p[0] * t) + onp.sin(p[1] * t))
                          for _ in range(3)]
    ops = [qml.PauliX(i) @ qml.PauliX(i + 1) for i in range(2)] + [qml.PauliZ(i) for i in range(3)]
    Ht = qml.dot(coeffs, ops)
    params = [[0.7542490066126573, 4.520680445365622], [4.696515322729557, 1.1395883990825773],
              [3.4269901777595244, 3.7343892670012666]]  # the demo's jax.random draws
    assert str(Ht(params, 0.5)) == (
        "1.0 * (X(0) @ X(1)) + 1.0 * (X(1) @ X(2)) + 1.139784829522248 * Z(0) + "
        "1.2521554100899 * Z(1) + 1.946230460548898 * Z(2)")
    # a traced value (no number) is still refused with the specific error
    with pytest.raises(qml.MeasurementError, match="scaled by a number"):
        qml.s_prod(_OtherLibraryScalar(0.5, traced=True), qml.X(0))


# --- seeing phase transitions with quantum computers (tutorial_quantum_phase_transitions) ------
# lightning.qubit as in the demo; the 1D VQE cut to 40 steps, the magnetization sweeps left
# out (time), the dynamical phase transition's rate function at four of its 50 times

def _hea(params, N):
    for i in range(N):
        qml.RZ(phi=params[i], wires=i)
        qml.RX(phi=params[N + i], wires=i)
        qml.RZ(phi=params[2 * N + i], wires=i)
    for i in range(N - 1):
        qml.CNOT(wires=[i, i + 1])
    for i in range(N):
        qml.RZ(phi=params[3 * N + i], wires=i)
        qml.RX(phi=params[4 * N + i], wires=i)
        qml.RZ(phi=params[5 * N + i], wires=i)


def test_phase_transitions_demo_vqe_and_lattice():
    import random

    N = 3
    dev = qml.device("lightning.qubit", wires=N)
    H = qml.Hamiltonian([-2] * (N - 1), [qml.Z(i) @ qml.Z(i + 1) for i in range(N - 1)])
    assert f"H={H}" == "H=-2 * (Z(0) @ Z(1)) + -2 * (Z(1) @ Z(2))"
    state = random.getstate()
    random.seed(a=10)
    params = np.array([2 * np.pi * random.uniform(0, 1)] * (6 * N), requires_grad=True)
    random.setstate(state)

    @qml.qnode(dev)
    def quantum_circuit(params):
        _hea(params, N)
        return qml.expval(H)

    opt = qml.GradientDescentOptimizer(stepsize=0.1)
    energy = []
    for _ in range(40):
        params, prev_energy = opt.step_and_cost(quantum_circuit, params)
        energy.append(float(prev_energy))
    # PennyLane 0.45.1's energies at steps 1, 10, 20, 40
    assert onp.allclose([energy[k] for k in (0, 9, 19, 39)],
                        [2.4499814922268146, -2.409393124036817, -3.2767948460167537,
                         -3.958836013843316], atol=1e-10)
    H2 = qml.spin.transverse_ising(lattice="square", n_cells=[2, 2], h=1.0,
                                   boundary_condition=True)
    assert str(H2) == (
        "-1.0 * (Z(2) @ Z(3)) + -1.0 * (Z(1) @ Z(3)) + -1.0 * (Z(0) @ Z(2)) + "
        "-1.0 * (Z(0) @ Z(1)) + -1.0 * X(0) + -1.0 * X(1) + -1.0 * X(2) + -1.0 * X(3)")


def test_phase_transitions_demo_rate_function():
    import math

    N = 5
    obs = ([qml.Z(j) @ qml.Z(j + 1) for j in range(N - 1)] + [qml.X(j) for j in range(N)]
           + [qml.Z(j) for j in range(N)])
    dev = qml.device("lightning.qubit", wires=N)
    H = qml.Hamiltonian([0.1] * (N - 1) + [1] * N + [-0.15] * N, obs)

    @qml.qnode(dev)
    def time_evolution_circuit(H, T):
        # the number of Trotter steps from the time's value: T = 14 * 0.05 is
        # 0.7000000000000001, whose quotient by 0.1 Python rounds to 7.0 (8 steps); qsym's
        # per-call trace computed it as 10.0 * T = 7.000000000000001 (9 steps), and its
        # replay on the numbers refused the mismatch (TracingError)
        qml.TrotterProduct(H, time=T, n=math.ceil(T / 0.1) + 1, order=2)
        return qml.probs(wires=range(N))

    rates = [float(-1 / N * np.log(time_evolution_circuit(H, i * 0.05)[0]))
             for i in (7, 14, 28, 30)]
    # PennyLane 0.45.1's rate function at t = 0.35, 0.7, 1.4, 1.5
    assert onp.allclose(rates, [0.12505944813485093, 0.5357217748689851, 2.603203073435884,
                                2.6100693794676673], atol=1e-12)


def test_a_value_look_rounds_as_python_does():
    # math.ceil(T / 0.1) at T = 0.7000000000000001: Python's 7 (by hand: the quotient is
    # correctly rounded to 7.0), not sympy's 10.0 * T = 7.000000000000001 -> 8
    T = 14 * 0.05
    assert math.ceil(T / 0.1) == 7
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(t):
        qml.RX(t, wires=0)
        for _ in range(math.ceil(t / 0.1)):
            qml.RY(0.1, wires=0)
        return qml.expval(qml.Z(0))

    for t in (0.3, T, 0.2 + 0.1):  # 3 (0.3 / 0.1 = 2.9999999999999996), 7, 4
        k = math.ceil(t / 0.1)
        # <Z> after RX(t) then RY(0.1 k): cos(t) cos(0.1 k) (both rotations from |0>)
        assert c(t) == pytest.approx(onp.cos(t) * onp.cos(0.1 * k), abs=1e-12)


# --- QCBM, learning a mixture of Gaussians (tutorial_qcbm, its second part) ------------------
# JAX / optax as qsym.numpy and qml.AdamOptimizer(0.1), 3 steps of 100, the loss on exact
# probabilities; the demo's shots=20000 probabilities at the same global seed

def test_qcbm_gaussian_mixture_demo():
    def mixture_gaussian_pdf(x, mus, sigmas):
        mus, sigmas = np.array(mus), np.array(sigmas)
        vars = sigmas**2
        values = [(1 / np.sqrt(2 * np.pi * v)) * np.exp(-((x - m) ** 2) / (2 * v))
                  for m, v in zip(mus, vars)]
        values = np.sum([val / sum(val) for val in values], axis=0)
        return values / np.sum(values)

    state = onp.random.get_state()
    onp.random.seed(42)
    try:
        n_qubits, n_layers = 6, 4
        x_max = 2**n_qubits
        data = mixture_gaussian_pdf(np.arange(x_max), [(2 / 7) * x_max, (5 / 7) * x_max],
                                    [x_max / 8] * 2)
        # PennyLane's wrapped NumPy: a tensor (np.sum of a list of arrays was a plain array)
        assert isinstance(data, np.tensor) and data.requires_grad
        dev = qml.device("default.qubit", wires=n_qubits)
        wshape = qml.StronglyEntanglingLayers.shape(n_layers=n_layers, n_wires=n_qubits)
        weights = onp.random.random(size=wshape)

        def ansatz(w):
            qml.StronglyEntanglingLayers(weights=w, ranges=[1] * n_layers, wires=range(n_qubits))
            return qml.probs()

        exact = qml.qnode(dev)(ansatz)
        sampled = qml.set_shots(qml.qnode(dev)(ansatz), shots=20000)

        space = onp.arange(x_max)
        sq = onp.abs(space[:, None] - space[None, :]) ** 2
        K = sum(onp.exp(-g * sq) for g in 1 / (2 * onp.array([0.25, 60]) ** 2)) / 2

        def loss(w):
            d = exact(w) - data
            return d @ K @ d

        w = np.array(weights, requires_grad=True)
        assert float(loss(w)) == pytest.approx(0.021807630876875646, abs=1e-12)
        assert onp.allclose(qml.grad(loss)(w)[0, 0],
                            [7.3e-18, -0.01305176261963234, 0.0001561251235048251], atol=1e-14)
        opt = qml.AdamOptimizer(0.1)
        losses = []
        for _ in range(3):
            w, val = opt.step_and_cost(loss, w)
            losses.append(float(val))
        # PennyLane 0.45.1's losses
        assert onp.allclose(losses, [0.021807630876875646, 0.010362820227234663,
                                     0.007980183198878301], atol=1e-12)
        # the sampled probabilities: PennyLane's draws from the same global seed
        assert sampled(weights)[:6].tolist() == [0.15715, 0.0102, 0.00285, 0.0039, 0.00875,
                                                 0.0163]
    finally:
        onp.random.set_state(state)
