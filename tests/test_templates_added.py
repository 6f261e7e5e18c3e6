"""PennyLane's templates and operations added for issue #18 (qsym/templates.py,
qsym/_opmath.py) and qml.RotosolveOptimizer (qsym/optimize.py).

Independent evidence only: gate lists written out here from PennyLane's documented
decompositions; unitaries from their definitions (Jordan-Wigner fermion operators
exponentiated with NumPy, hand-written rotation matrices, the textbook outcome of phase
estimation); derivatives against finite differences; the optimizer against the known
minima of trigonometric functions.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

I2 = onp.eye(2)
X = onp.array([[0, 1], [1, 0]], complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0, -1.0]).astype(complex)


def rot(P, t):
    """exp(-i t P / 2) for a Pauli matrix P (P^2 = I)."""
    return onp.cos(t / 2) * onp.eye(len(P)) - 1j * onp.sin(t / 2) * P


def unitary(body, n):
    """The matrix a circuit body applies, column by column from the basis states."""
    dev = qml.device("default.qubit", wires=n)
    cols = []
    for k in range(2**n):
        bits = onp.array([int(b) for b in format(k, f"0{n}b")])

        @qml.qnode(dev)
        def c():
            qml.BasisState(bits, wires=range(n))
            body()
            return qml.state()

        cols.append(c())
    return onp.array(cols).T


def fermion(j, n):
    """Jordan-Wigner annihilation operator of orbital j (|1> occupied)."""
    a = onp.array([[0, 1], [0, 0]], complex)
    m = onp.array([[1.0 + 0j]])
    for k in range(n):
        m = onp.kron(m, Z if k < j else a if k == j else I2)
    return m


def expm_anti_hermitian(A):
    w, v = onp.linalg.eigh(1j * A)
    return v @ onp.diag(onp.exp(-1j * w)) @ v.conj().T


# --- operations ------------------------------------------------------------------------------
def test_barrier_applies_nothing_and_permute_moves_states():
    assert onp.allclose(unitary(lambda: qml.Barrier(wires=[0, 1]), 2), onp.eye(4))
    # permutation[i] names the wire whose state ends at position i: X on wire 2 ends on wire 0
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def moved():
        qml.PauliX(wires=2)
        qml.Permute([2, 0, 1], wires=[0, 1, 2])
        return qml.probs(wires=[0, 1, 2])

    assert onp.allclose(moved(), onp.eye(8)[4])
    assert [op.wires for op in qml.Permute([2, 0, 1], wires=[0, 1, 2]).decomposition()] == [
        qml.wires.Wires([0, 2]), qml.wires.Wires([1, 2])]
    with pytest.raises(qml.WireError, match="not present"):
        qml.Permute([0, 5], wires=[0, 1])


def test_diagonal_qubit_unitary_numbers_and_traced_phases():
    D = onp.exp(1j * onp.array([0.1, 4.0, -2.5, 1.0]))  # 4.0 is past pi: principal angles
    U = unitary(lambda: qml.DiagonalQubitUnitary(D, wires=[0, 1]), 2)
    assert onp.allclose(U, onp.diag(D))
    U = unitary(lambda: qml.DiagonalQubitUnitary(D, wires=[1, 0]), 2)
    assert onp.allclose(U, onp.diag(D[[0, 2, 1, 3]]))

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(p):
        qml.Hadamard(wires=0)
        qml.Hadamard(wires=1)
        qml.DiagonalQubitUnitary(np.exp(1j * p), wires=[0, 1])
        return qml.expval(qml.PauliX(0))

    def by_hand(p):  # <X_0> of (|0>(e^{ip0}|0>+e^{ip1}|1>) + |1>(e^{ip2}|0>+e^{ip3}|1>)) / 2
        return (onp.cos(p[0] - p[2]) + onp.cos(p[1] - p[3])) / 2

    for p in (onp.array([0.1, 0.4, 0.9, 1.3]), onp.array([4.0, -3.5, 2.0, 7.0])):
        p = np.array(p, requires_grad=True)
        assert onp.isclose(c(p), by_hand(p))
        h = 1e-6
        fd = [(by_hand(p + h * onp.eye(4)[i]) - by_hand(p - h * onp.eye(4)[i])) / (2 * h)
              for i in range(4)]
        assert onp.allclose(qml.grad(c)(p), fd, atol=1e-7)


def test_diagonal_qubit_unitary_refusals():
    with pytest.raises(qml.GateError, match="unitary"):
        qml.DiagonalQubitUnitary([1.0, 0.5], wires=0)
    with pytest.raises(qml.GateError, match="2 entries"):
        qml.DiagonalQubitUnitary([1.0, 1.0, 1.0, 1.0], wires=0)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def not_a_phase(p):
        qml.DiagonalQubitUnitary(np.array([np.cos(p), 1.0]), wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.DifferentiationError, match="exp\\(1j \\* angle\\)"):
        not_a_phase(np.array(0.3))


def test_controlled_qubit_unitary_by_hand():
    U = onp.array([[0.6, 0.8j], [0.8j, 0.6]])
    got = unitary(lambda: qml.ControlledQubitUnitary(U, wires=[0, 2, 1], control_values=[1, 0]), 3)
    P1, P0 = onp.diag([0, 1]), onp.diag([1, 0])
    # U on wire 1 when wire 0 is 1 and wire 2 is 0
    on = onp.kron(onp.kron(P1, U), P0)
    off = onp.eye(8) - onp.kron(onp.kron(P1, I2), P0)
    assert onp.allclose(got, on + off)
    with pytest.raises(qml.WireError, match="control wires"):
        qml.ControlledQubitUnitary(onp.eye(4), wires=[0, 1])


@pytest.mark.parametrize("k", [0, 3, 5])
def test_phase_estimation_finds_an_exact_phase(k):
    """U = PhaseShift(2 pi k / 8) on |1>: three estimation wires read k exactly."""
    @qml.qnode(qml.device("default.qubit", wires=4))
    def qpe():
        qml.PauliX(wires=0)
        qml.QuantumPhaseEstimation(qml.PhaseShift(2 * onp.pi * k / 8, wires=0),
                                   estimation_wires=[1, 2, 3])
        return qml.probs(wires=[1, 2, 3])

    assert onp.allclose(qpe(), onp.eye(8)[k], atol=1e-12)


# --- templates -------------------------------------------------------------------------------
def test_random_layers_is_pennylanes_documented_example():
    ops = qml.RandomLayers([[0.1, -2.1, 1.4]], wires=["a", "b"], ratio_imprim=0.3,
                           rotations=[qml.RY, qml.RX], seed=42).decomposition()
    assert [(op.name, list(op.wires), [float(p) for p in op.params]) for op in ops] == [
        ("RX", ["a"], [0.1]), ("RY", ["b"], [-2.1]), ("CNOT", ["a", "b"], []),
        ("RX", ["b"], [1.4])]
    assert qml.RandomLayers.shape(2, 3) == (2, 3)


def test_arbitrary_unitary_and_state_preparation_on_one_wire_by_hand():
    w = onp.array([0.3, -0.7, 1.1])
    got = unitary(lambda: qml.ArbitraryUnitary(w, wires=0), 1)
    assert onp.allclose(got, rot(Z, w[2]) @ rot(Y, w[1]) @ rot(X, w[0]))
    assert qml.ArbitraryUnitary.shape(2) == (15,)
    got = unitary(lambda: qml.ArbitraryStatePreparation(w[:2], wires=0), 1)
    assert onp.allclose(got, rot(Y, w[1]) @ rot(X, w[0]))
    words = [op.hyper[0][1] for op in qml.ArbitraryUnitary(onp.zeros(15), wires=[0, 1]).decomposition()]
    # PennyLane 0.45.1's order (printed by its compute_decomposition): a Gray code, every
    # word but the identity once, consecutive words differing in one letter
    assert words[:6] == ["XI", "YI", "ZI", "ZX", "IX", "XX"]
    assert sorted(words) == sorted(a + b for a in "IXYZ" for b in "IXYZ" if a + b != "II")
    assert all(sum(p != q for p, q in zip(u, v)) == 1 for u, v in zip(words, words[1:]))
    with pytest.raises(qml.GateError, match="shape"):
        qml.ArbitraryUnitary(onp.zeros(4), wires=0)


def test_fermionic_excitations_are_their_definitions():
    """exp(theta/2 (c_p^dag c_r - h.c.)) and exp(theta/2 (c_p^dag c_q^dag c_r c_s - h.c.))."""
    th = 0.7
    G = fermion(2, 3).conj().T @ fermion(0, 3)
    got = unitary(lambda: qml.FermionicSingleExcitation(th, wires=[0, 1, 2]), 3)
    assert onp.allclose(got, expm_anti_hermitian(th / 2 * (G - G.conj().T)))
    G = fermion(3, 4).conj().T @ fermion(2, 4).conj().T @ fermion(1, 4) @ fermion(0, 4)
    got = unitary(lambda: qml.FermionicDoubleExcitation(th, wires1=[0, 1], wires2=[2, 3]), 4)
    assert onp.allclose(got, expm_anti_hermitian(th / 2 * (G - G.conj().T)))


def test_chemistry_templates_gate_lists():
    hf = onp.array([1, 1, 0, 0])
    ops = qml.AllSinglesDoubles([0.1, 0.2, 0.3], wires=range(4), hf_state=hf,
                                singles=[[0, 2], [1, 3]], doubles=[[0, 1, 2, 3]]).decomposition()
    # PennyLane's decomposition: the basis state is one entry (a template), then the gates
    assert isinstance(ops[0], qml.BasisState) and list(ops[0].wires) == [0, 1, 2, 3]
    assert [(op.name, list(op.wires), [float(p) for p in op.params]) for op in ops[1:]] == [
        ("DoubleExcitation", [0, 1, 2, 3], [0.3]),
        ("SingleExcitation", [0, 2], [0.1]), ("SingleExcitation", [1, 3], [0.2])]
    template = qml.AllSinglesDoubles([0.1], wires=range(4), hf_state=hf, singles=[[0, 2]])
    assert [op.name for op in template.gates()] == ["PauliX", "PauliX", "SingleExcitation"]
    ops = qml.GateFabric(onp.full((1, 1, 2), 0.5), wires=range(4), init_state=hf,
                         include_pi=True).decomposition()
    assert isinstance(ops[0], qml.BasisEmbedding)
    assert [op.name for op in ops[1:]] == ["OrbitalRotation", "DoubleExcitation", "OrbitalRotation"]
    ops = qml.ParticleConservingU2(onp.full((1, 3), 0.5), wires=[0, 1],
                                   init_state=onp.array([1, 0])).decomposition()
    assert [(op.name, list(op.wires)) for op in ops[1:]] == [
        ("RZ", [0]), ("RZ", [1]), ("CNOT", [0, 1]), ("CRX", [1, 0]), ("CNOT", [0, 1])]
    assert float(ops[4].params[0]) == 1.0  # CRX(2 phi)
    ops = qml.UCCSD([0.1, 0.2], wires=range(4), s_wires=[[0, 1, 2]], d_wires=[[[0, 1], [2, 3]]],
                    init_state=hf).decomposition()
    assert [op.name for op in ops] == ["BasisState", "FermionicDoubleExcitation",
                                       "FermionicSingleExcitation"]
    assert qml.kUpCCGSD.shape(k=2, n_wires=4, delta_sz=0) == (2, 6)
    assert qml.GateFabric.shape(3, 6) == (3, 2, 2)
    assert qml.ParticleConservingU1.shape(2, 4) == (2, 3, 2)
    with pytest.raises(qml.GateError, match="integers"):
        qml.UCCSD([0.1], wires=range(3), s_wires=[[0, 1, 2]], init_state=onp.array([1.0, 0, 0]))


def test_kupccgsd_hyperparameters_are_pennylanes():
    # the generalized singles (r to p, spin kept: wires of the same parity, all wires between)
    # and the pair doubles (pairs (0, 1), (2, 3) moved onto each other), written out here
    op = qml.kUpCCGSD(onp.zeros((1, 6)), wires=range(4), k=1, delta_sz=0,
                      init_state=onp.array([1, 1, 0, 0]))
    assert op.hyperparameters == {
        "init_state": (1, 1, 0, 0), "s_wires": [[0, 1, 2], [1, 2, 3], [2, 1, 0], [3, 2, 1]],
        "d_wires": [[[0, 1], [2, 3]], [[2, 3], [0, 1]]], "k": 1, "delta_sz": 0}
    data, (wires, hyper) = op._flatten()  # the derived wires are not flattened
    assert [k for k, _ in hyper] == ["k", "delta_sz", "init_state"]
    again = type(op)._unflatten(data, (wires, hyper))
    assert again.hyperparameters == op.hyperparameters
    assert qml.map_wires(op, {0: "a"}).hyperparameters["d_wires"][0] == [["a", 1], [2, 3]]


@pytest.mark.parametrize("template", ["UCCSD", "kUpCCGSD", "ParticleConservingU1",
                                      "ParticleConservingU2", "GateFabric"])
def test_particle_number_is_conserved_and_gradients_match_finite_differences(template):
    hf = onp.array([1, 1, 0, 0])
    build, shape = {
        "UCCSD": (lambda w: qml.UCCSD(w, wires=range(4), s_wires=[[0, 1, 2], [1, 2, 3]],
                                      d_wires=[[[0, 1], [2, 3]]], init_state=hf), (3,)),
        "kUpCCGSD": (lambda w: qml.kUpCCGSD(w, wires=range(4), k=1, init_state=hf), (1, 6)),
        "ParticleConservingU1": (lambda w: qml.ParticleConservingU1(w, wires=range(4), init_state=hf),
                                 (1, 3, 2)),
        "ParticleConservingU2": (lambda w: qml.ParticleConservingU2(w, wires=range(4), init_state=hf),
                                 (1, 7)),
        "GateFabric": (lambda w: qml.GateFabric(w, wires=range(4), init_state=hf), (1, 1, 2)),
    }[template]
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def probs(w):
        build(w)
        return qml.probs(wires=range(4))

    @qml.qnode(dev)
    def energy(w):
        build(w)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2) + 0.5 * qml.PauliX(1) @ qml.PauliX(3))

    w = np.array(onp.random.default_rng(3).uniform(-1, 1, size=shape), requires_grad=True)
    p = probs(w)
    two = [k for k in range(16) if bin(k).count("1") == 2]
    assert onp.isclose(p[two].sum(), 1.0)  # two electrons stay two electrons
    g = qml.grad(energy)(w)
    flat = onp.asarray(w).ravel()
    h = 1e-6
    fd = []
    for i in range(flat.size):
        e = onp.zeros(flat.size)
        e[i] = h
        fd.append((energy((flat + e).reshape(shape)) - energy((flat - e).reshape(shape))) / (2 * h))
    assert onp.allclose(onp.asarray(g).ravel(), fd, atol=1e-6)


# --- RotosolveOptimizer ----------------------------------------------------------------------
def test_rotosolve_finds_minima_of_known_functions():
    opt = qml.RotosolveOptimizer()
    x = np.array([0.2, -0.3, 0.1], requires_grad=True)
    f = lambda x: -np.cos(x[0] + 0.12) * 0.872 + np.sin(x[1] - 2.01) - np.cos(x[2] - 1.35) * 0.111  # noqa: E731
    new = opt.step(f, x, nums_frequency={"x": {(0,): 1, (1,): 1, (2,): 1}})
    assert onp.allclose(new, [-0.12, -onp.pi / 2 + 2.01, 1.35])

    g = lambda x, y: -np.cos(x + 0.06) - np.cos(2 * x + 0.12) * 0.872 + np.sin(3 * y - 2.01)  # noqa: E731
    (nx, ny), before, ys = opt.step_and_cost(
        g, np.array(0.9, requires_grad=True), np.array(0.7, requires_grad=True),
        nums_frequency={"x": {(): 2}, "y": {(): 3}}, full_output=True)
    assert onp.isclose(nx, -0.06, atol=1e-6)
    assert onp.isclose(onp.sin(3 * ny - 2.01), -1.0, atol=1e-9)
    assert onp.isclose(before, g(0.9, 0.7))
    assert onp.allclose(ys, [g(nx, 0.7), g(nx, ny)])


def test_rotosolve_counts_calls_and_refuses_what_it_cannot_do():
    calls = []

    def f(x):
        calls.append(1)
        return np.sin(x + 0.124) * 2.5123

    qml.RotosolveOptimizer().step(f, np.array(0.24, requires_grad=True), nums_frequency={"x": {(): 1}})
    assert len(calls) == 3  # f0 and two shifted values
    opt = qml.RotosolveOptimizer()
    with pytest.raises(qml.DifferentiationError, match="Found no parameters"):
        opt.step(f, np.array(0.2, requires_grad=False), nums_frequency={"x": {(): 1}})
    with pytest.raises(qml.DifferentiationError, match="entry \\(\\) of argument x"):
        opt.step(f, np.array(0.2, requires_grad=True))
    # "shgo" (scipy's in PennyLane): the same global minimum on the bounds, without scipy
    shgo = qml.RotosolveOptimizer("shgo", {"bounds": ((-1.0, 1.0),)})
    g = lambda x: np.cos(2 * x - 0.3) + 0.5 * np.cos(x + 0.2)  # noqa: E731
    new = shgo.step(g, np.array(0.1, requires_grad=True), nums_frequency={"x": {(): 2}})
    grid = onp.linspace(-1.0, 1.0, 200001)
    assert abs(new - grid[onp.argmin(g(grid))]) < 1e-4


def test_rotosolve_on_a_qnode():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    w = np.array([0.3, 0.4], requires_grad=True)
    opt = qml.RotosolveOptimizer()
    for _ in range(2):
        w = opt.step(circuit, w, nums_frequency={"w": {(0,): 1, (1,): 1}})
    assert onp.isclose(circuit(w), -1.0)


def test_tensor_network_templates_apply_the_block_on_pennylanes_windows():
    """Windows as PennyLane's documentation draws them: MPS a staircase, TTN a tree."""
    assert qml.templates.mps_wires(range(6), 2) == ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5))
    assert qml.templates.mps_wires(range(6), 4) == ((0, 1, 2, 3), (2, 3, 4, 5))
    assert qml.templates.ttn_wires(range(8), 2) == (
        (0, 1), (2, 3), (4, 5), (6, 7), (1, 3), (5, 7), (3, 7))
    assert qml.MPS.get_n_blocks(range(6), 2) == 5 and qml.TTN.get_n_blocks(range(8), 2) == 7

    def block(weights, wires):
        qml.CNOT(wires=[wires[0], wires[1]])
        qml.RY(weights[0], wires=wires[0])

    w = onp.array([[0.1], [0.2], [0.3]])
    by_hand = [("CNOT", [0, 1], []), ("RY", [0], [0.1]), ("CNOT", [2, 3], []), ("RY", [2], [0.2]),
               ("CNOT", [1, 3], []), ("RY", [1], [0.3])]
    ops = qml.TTN(range(4), 2, block, 1, w).decomposition()
    assert [(op.name, list(op.wires), [float(p) for p in op.params]) for op in ops] == by_hand
    with pytest.raises(qml.GateError, match="first dimension of length 3"):
        qml.MPS(range(4), 2, block, 1, onp.zeros((2, 1)))


def test_rotoselect_picks_the_generator_and_angle_by_hand():
    """min <X_0> = -1 needs RY on wire 0 (RX, RZ leave <X_0> = 0); min <Z_1> = -1 by RX or RY."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x, generators):
        generators[0](x[0], wires=0)
        generators[1](x[1], wires=1)
        return qml.expval(qml.PauliX(0) + qml.PauliZ(1))

    opt = qml.RotoselectOptimizer()
    x, gens = opt.step(circuit, np.array([0.3, 0.2]), [qml.RZ, qml.RZ])
    assert gens[0] is qml.RY and gens[1] in (qml.RX, qml.RY)
    assert onp.isclose(circuit(x, gens), -2.0)
    _, _, before = opt.step_and_cost(circuit, np.array([0.3, 0.2]), [qml.RZ, qml.RZ])
    assert onp.isclose(before, 1.0)  # RZ on |0>: <X_0> = 0, <Z_1> = 1
    with pytest.raises(qml.DifferentiationError, match="equal to the number of generators"):
        opt.step(circuit, np.array([0.3, 0.2]), [qml.RZ])


def test_templates_built_on_several_threads_keep_their_own_decompositions():
    """The stack of templates being built is per thread: a template built on one thread
    never becomes an entry of another thread's decomposition."""
    import sys
    import threading

    def build():
        t = qml.GateFabric(onp.full((1, 1, 2), 0.1), wires=[0, 1, 2, 3], init_state=[1, 1, 0, 0])
        return [type(op).__name__ for op in t.decomposition()]

    want = build()
    assert want[0] == "BasisEmbedding" and want.count("BasisEmbedding") == 1
    seen, barrier = [], threading.Barrier(4)

    def worker():
        barrier.wait()
        for _ in range(40):
            seen.append(build())

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert len(seen) == 160 and all(s == want for s in seen)


# --- SelectPauliRot and PennyLane's DiagonalQubitUnitary decomposition ---------------------
PAULI = {"X": onp.array([[0, 1], [1, 0]]), "Y": onp.array([[0, -1j], [1j, 0]]),
         "Z": onp.diag([1.0, -1.0])}


def rotation(axis, a):  # exp(-i a P / 2), written out
    return onp.cos(a / 2) * onp.eye(2) - 1j * onp.sin(a / 2) * PAULI[axis]


def multiplexed(axis, angles):  # the block diagonal of R(angles[k]), control state k
    m = onp.zeros((2 * len(angles),) * 2, dtype=complex)
    for k, a in enumerate(angles):
        m[2 * k:2 * k + 2, 2 * k:2 * k + 2] = rotation(axis, a)
    return m


@pytest.mark.parametrize("axis", ["X", "Y", "Z"])
@pytest.mark.parametrize("m", [0, 1, 2])
def test_select_pauli_rot_is_the_block_diagonal_of_rotations(axis, m):
    angles = onp.linspace(-2.1, 2.9, 2**m) + 0.1 * m
    want = multiplexed(axis, angles)
    op = qml.SelectPauliRot(angles, control_wires=list(range(m)), target_wire=m, rot_axis=axis)
    assert onp.allclose(op.matrix(), want, atol=1e-14)
    assert onp.allclose(qml.SelectPauliRot.compute_matrix(angles, rot_axis=axis), want)
    # the gates it applies, in a circuit
    U = unitary(lambda: qml.SelectPauliRot(angles, list(range(m)), target_wire=m,
                                           rot_axis=axis), m + 1)
    assert onp.allclose(U, want, atol=1e-12)
    batch = qml.SelectPauliRot(onp.stack([angles, -angles]), list(range(m)), m, rot_axis=axis)
    assert batch.batch_size == 2
    assert onp.allclose(batch.matrix(), [want, multiplexed(axis, -angles)], atol=1e-14)


@pytest.mark.parametrize("axis", ["X", "Y", "Z"])
@pytest.mark.parametrize("m", [1, 3])
def test_select_pauli_rot_decomposition_is_pennylanes(axis, m):
    """PennyLane's decomposition: RZ and CNOT alternating along a Gray code (2**m each),
    for X and Y inside one change_op_basis (H, or H S^dagger, around them); each RZ of a
    batch is broadcast; the gates' product is the block diagonal of rotations."""
    angles = onp.sin(onp.arange(1, 2**m + 1) ** 2)  # no Gray-code angle is 0
    for batch in (None, 2):
        a = angles if batch is None else onp.stack([angles, -angles])
        dec = qml.SelectPauliRot(a, list(range(m)), target_wire=m, rot_axis=axis).decomposition()
        if axis != "Z":
            (cob,) = dec
            compute, middle, uncompute = cob.decomposition()
            if axis == "X":
                assert compute.name == uncompute.name == "Hadamard"
            else:
                assert [g.name for g in compute.decomposition()] == ["Adjoint(S)", "Hadamard"]
                assert [g.name for g in uncompute.decomposition()] == ["Hadamard", "S"]
            dec = middle.decomposition()
        assert [g.name for g in dec] == ["RZ", "CNOT"] * 2**m
        assert all(g.batch_size == batch for g in dec[::2])
    U = unitary(lambda: qml.SelectPauliRot(angles, list(range(m)), target_wire=m, rot_axis=axis), m + 1)
    assert onp.allclose(U, multiplexed(axis, angles), atol=1e-12)
    # angles linear in the index: the Gray-code angles of two or more controls are 0, and
    # PennyLane leaves those rotations out (the CNOTs stay)
    linear = onp.linspace(0.3, 2.9, 2**m)
    dec = qml.SelectPauliRot(linear, list(range(m)), target_wire=m).decomposition()
    assert [g.name for g in dec].count("CNOT") == 2**m
    assert [g.name for g in dec].count("RZ") == m + 1
    U = unitary(lambda: qml.SelectPauliRot(linear, list(range(m)), target_wire=m), m + 1)
    assert onp.allclose(U, multiplexed("Z", linear), atol=1e-12)


def test_select_pauli_rot_gradient_and_refusals():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(a):
        qml.Hadamard(wires=0)
        qml.SelectPauliRot(a, control_wires=[0], target_wire=1, rot_axis="Y")
        return qml.expval(qml.PauliZ(1))

    def by_hand(a):  # control 0 or 1 with probability 1/2 each: <Z> after RY(a_k) is cos a_k
        return (onp.cos(a[0]) + onp.cos(a[1])) / 2

    a = np.array([0.4, -1.3], requires_grad=True)
    assert onp.isclose(c(a), by_hand(a))
    assert onp.allclose(qml.grad(c)(a), [-onp.sin(0.4) / 2, -onp.sin(-1.3) / 2])
    with pytest.raises(qml.GateError, match="Number of angles must be 2"):
        qml.SelectPauliRot([0.1, 0.2, 0.3], control_wires=[0], target_wire=1)
    with pytest.raises(qml.GateError, match="rot_axis"):
        qml.SelectPauliRot([0.1, 0.2], control_wires=[0], target_wire=1, rot_axis="W")
    with pytest.raises(qml.WireError, match="Only one target wire"):
        qml.SelectPauliRot([0.1, 0.2], control_wires=[0], target_wire=[1, 2])
    with pytest.raises(qml.WireError, match="also a control"):
        qml.SelectPauliRot([0.1, 0.2], control_wires=[0], target_wire=0)


@pytest.mark.parametrize("axis", ["X", "Y", "Z"])
def test_select_pauli_rot_broadcast_in_a_qnode(axis):
    """A batch of angles that are the QNode's input (PennyLane broadcasts them) was a
    GateError ("a batch of angles must be numbers")."""
    @qml.qnode(qml.device("default.qubit", wires=3))
    def c(a):
        qml.Hadamard(wires=0)
        qml.Hadamard(wires=1)
        qml.SelectPauliRot(a, control_wires=[0, 1], target_wire=2, rot_axis=axis)
        return qml.state()

    A = onp.array([[0.3, 0.9, 0.1, 0.2], [1.0, 2.0, -0.5, 0.7], [0.0, 0.0, 0.0, 3.0]])
    plus = onp.full(4, 0.5)
    got = c(A)
    assert got.shape == (3, 8)
    for b, angles in enumerate(A):
        want = multiplexed(axis, angles) @ onp.kron(plus, [1, 0])
        assert onp.allclose(got[b], want, atol=1e-12)


def test_diagonal_qubit_unitary_decomposes_as_pennylane():
    # one wire: diag(e^{i t0}, e^{i t1}) = GlobalPhase(-(t0 + t1)/2) RZ(t1 - t0)
    gp, rz = qml.DiagonalQubitUnitary(onp.array([1j, -1]), wires=[0]).decomposition()
    assert (gp.name, rz.name) == ("GlobalPhase", "RZ")
    assert onp.isclose(gp.params[0], -3 * onp.pi / 4) and onp.isclose(rz.params[0], onp.pi / 2)
    # two wires: phases (1, -1 | 0.5, 1): mean phases (0, 0.75) on wire 0, RZ of (-2, 0.5)
    D = onp.exp(1j * onp.array([1, -1, 0.5, 1]))
    first, select = qml.DiagonalQubitUnitary.compute_decomposition(D, wires=[0, 1])
    assert first.name == "DiagonalQubitUnitary" and list(first.wires) == [0]
    assert onp.allclose(first.D, onp.exp(1j * onp.array([0, 0.75])))
    assert select.name == "SelectPauliRot" and list(select.wires) == [0, 1]
    assert onp.allclose(select.angles, [-2, 0.5]) and select.rot_axis == "Z"
    # three wires, broadcast: the decomposition's matrix is the diagonal for each element
    D = onp.exp(1j * onp.array([[1, -1, 0.5, 1, 0.2, 0.1, 0.6, 2.3], onp.linspace(-3, 3, 8)]))
    ops = qml.DiagonalQubitUnitary(D, wires=[0, 1, 2]).decomposition()
    assert [o.name for o in ops] == ["DiagonalQubitUnitary", "SelectPauliRot"]
    assert ops[1].angles.shape == (2, 4) and ops[0].D.shape == (2, 4)
    for b in range(2):
        m = onp.kron(ops[0].matrix()[b], onp.eye(2))
        assert onp.allclose(ops[1].matrix()[b] @ m, onp.diag(D[b]), atol=1e-14)


# --- sparse matrices: BlockEncode of a sparse A, SparseMatrixUndefinedError -----------------
class DuckSparse:
    """Stands for a SciPy sparse matrix (scipy is not a dependency): what qsym reads."""

    def __init__(self, dense):
        self.dense = onp.asarray(dense, dtype=float)

    @property
    def shape(self):
        return self.dense.shape

    def toarray(self):
        return self.dense.copy()

    def asformat(self, fmt):
        return self


def test_block_encode_of_a_sparse_matrix_is_sparse_only_as_pennylane():
    op = qml.BlockEncode(DuckSparse([[0.6]]), wires=[0])
    assert op.has_sparse_matrix and not op.has_matrix
    with pytest.raises(qml.exceptions.MatrixUndefinedError, match="sparse_matrix"):
        op.matrix()
    dense = qml.BlockEncode(onp.array([[0.6]]), wires=[0])
    assert dense.has_matrix and not dense.has_sparse_matrix
    assert onp.allclose(dense.matrix(), [[0.6, 0.8], [0.8, -0.6]])  # sqrt(1 - 0.36) = 0.8
    with pytest.raises(qml.operation.SparseMatrixUndefinedError, match="matrix method"):
        dense.sparse_matrix()

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.BlockEncode(DuckSparse([[0.6]]), wires=[0])
        return qml.state()

    assert onp.allclose(c(), [0.6, 0.8])  # the first column of the block encoding


def test_sparse_matrix_undefined_and_sparse_allclose():
    with pytest.raises(qml.errors.SparseMatrixUndefinedError, match="no sparse matrix"):
        qml.QFT(wires=[0, 1]).sparse_matrix()
    assert not qml.QFT(wires=[0]).has_sparse_matrix
    with pytest.raises(qml.operation.SparseMatrixUndefinedError, match="broadcasting"):
        qml.GlobalPhase.compute_sparse_matrix(onp.array([0.1, 0.2]), n_wires=1)
    assert qml.math.allclose(DuckSparse([[1.0, 0.0], [0.0, 2.0]]), onp.diag([1.0, 2.0]))
    assert not qml.math.allclose(DuckSparse([[1.0, 0.0], [0.0, 2.0]]), onp.eye(2))


def test_qubit_unitary_of_a_sparse_matrix():
    X = onp.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(qml.exceptions.MatrixUndefinedError, match="U is sparse matrix"):
        qml.QubitUnitary.compute_matrix(DuckSparse(X))
    given = DuckSparse(X)
    assert qml.QubitUnitary.compute_sparse_matrix(given) is given  # as given (asformat)
    with pytest.raises(ValueError, match="must be of shape"):
        qml.QubitUnitary(DuckSparse(onp.eye(2)), wires=[0, 1])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():  # the sparse matrix is applied densely: X on wire 1
        qml.QubitUnitary(DuckSparse(X), wires=1)
        return qml.state()

    assert onp.allclose(c(), [0, 1, 0, 0])

    class Huge(DuckSparse):  # 2**20 x 2**20: never made dense
        shape = (2**20, 2**20)

        def toarray(self):
            raise AssertionError("densified")

    with pytest.raises(qml.GateError, match="up to 12 wires"):
        qml.QubitUnitary(Huge(onp.eye(1)), wires=range(20))


def test_select_pauli_rot_y_decomposed_in_a_transformed_qnode_is_differentiable():
    """The Y form's Adjoint(S) decomposes to PhaseShift(-pi/2), an exact constant: a tape
    holding it next to float parameters is run and differentiated (its parameters were an
    object array qsym refused as an argument)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, 0)
        qml.SelectPauliRot(onp.array([0.3, 0.5]), control_wires=[0], target_wire=1, rot_axis="Y")
        return qml.expval(qml.PauliZ(1))

    t = qml.transforms.decompose(circuit, gate_set={"RX", "RY", "RZ", "CNOT", "Hadamard",
                                                    "GlobalPhase"})
    x = np.array(0.3, requires_grad=True)
    # control 0 / 1 with probabilities cos^2(x/2), sin^2(x/2): <Z1> = cos(0.3) or cos(0.5)
    want = onp.cos(0.15) ** 2 * onp.cos(0.3) + onp.sin(0.15) ** 2 * onp.cos(0.5)
    assert onp.isclose(t(x), want)
    assert onp.isclose(qml.grad(t)(x), -onp.sin(0.3) / 2 * (onp.cos(0.3) - onp.cos(0.5)))


def _gate_counts(ops) -> dict:
    counts: dict = {}
    for op in ops:
        counts[op.name] = counts.get(op.name, 0) + 1
    return counts


def _rule_queue(rule, op) -> list:
    """What a rule records when called as PennyLane's tests call it (wires by position)."""
    with qml.queuing.AnnotatedQueue() as q:
        rule(*op.data, op.wires, **op.hyperparameters)
    return q.queue


@pytest.mark.parametrize("include_pi", [False, True])
def test_gate_fabric_rule_records_its_gates_and_counts_them(include_pi):
    # six wires: the groups of four are 0-3 and 2-5 (two per layer), two layers
    weights = onp.arange(8, dtype=float).reshape(2, 2, 2) / 10
    op = qml.GateFabric(weights, wires=range(6), init_state=[1, 1, 0, 0, 0, 0],
                        include_pi=include_pi)
    assert op.resource_params == {"n_layers": 2, "num_wires": 6, "len_wire_pattern": 2,
                                  "include_pi": include_pi}
    rule = qml.list_decomps(qml.GateFabric)[0]
    queue = _rule_queue(rule, op)
    assert isinstance(queue[0], qml.BasisEmbedding)
    body = [(g.name, list(g.wires), [float(p) for p in g.parameters]) for g in queue[1:]]
    expected = []
    for layer in range(2):
        for idx, four in enumerate([[0, 1, 2, 3], [2, 3, 4, 5]]):
            if include_pi:
                expected.append(("OrbitalRotation", four, [onp.pi]))
            expected += [("DoubleExcitation", four, [weights[layer, idx, 0]]),
                         ("OrbitalRotation", four, [weights[layer, idx, 1]])]
    assert body == expected
    counts = rule.compute_resources(**op.resource_params).gate_counts
    assert {k.name: v for k, v in counts.items()} == {
        "BasisState": 1, "DoubleExcitation": 4, "OrbitalRotation": 8 if include_pi else 4}


def test_particle_conserving_u1_rule_counts_the_gates_it_makes():
    weights = onp.random.default_rng(5).uniform(-1, 1, size=(3, 3, 2))
    op = qml.ParticleConservingU1(weights, wires=range(4), init_state=[1, 1, 0, 0])
    assert op.resource_params == {"num_wires": 4, "n_layers": 3}
    rule = qml.list_decomps(qml.ParticleConservingU1)[0]
    queue = _rule_queue(rule, op)
    assert [(g.name, list(g.wires)) for g in queue] == [
        (g.name, list(g.wires)) for g in op.decomposition()]
    counts = {k.name: v for k, v in rule.compute_resources(**op.resource_params).gate_counts.items()}
    assert isinstance(queue[0], qml.BasisEmbedding)  # (a BasisState resource: PennyLane's too)
    assert counts == {**_gate_counts(queue[1:]), "BasisState": 1}  # 3 pairs x 3 layers
    assert counts["CRot"] == 27 and counts["PhaseShift"] == 54  # 3 per U1 block, 6


def test_basis_state_and_mottonen_rules():
    rule = qml.list_decomps(qml.BasisState)[0]
    assert list(qml.list_decomps(qml.BasisEmbedding)) == [rule]  # PennyLane's: the same rules
    assert [(g.name, list(g.wires)) for g in _rule_queue(rule, qml.BasisState([1, 0, 1], wires=[4, 5, 6]))] \
        == [("PauliX", [4]), ("PauliX", [6])]
    assert {k.name: v for k, v in rule.compute_resources(num_wires=5).gate_counts.items()} == {"PauliX": 3}
    # Mottonen on three wires, a state with every amplitude and phase distinct: 7 RY, 7 RZ,
    # 12 CNOT and a global phase (the count PennyLane's rule declares)
    rng = onp.random.default_rng(2)
    psi = rng.uniform(0.2, 1, 8) * onp.exp(1j * rng.uniform(0, 6, 8))
    psi /= onp.linalg.norm(psi)
    op = qml.MottonenStatePreparation(psi, wires=[0, 1, 2])
    rule = qml.list_decomps(qml.MottonenStatePreparation)[0]
    assert rule is qml.templates.state_preparations.mottonen.mottonen_decomp
    queue = _rule_queue(rule, op)
    counts = {k.name: v for k, v in rule.compute_resources(num_wires=3).gate_counts.items()}
    assert counts == _gate_counts(queue) == {"RY": 7, "RZ": 7, "CNOT": 12, "GlobalPhase": 1}
    assert onp.allclose(qml.matrix(qml.tape.QuantumScript(queue), wire_order=[0, 1, 2])[:, 0], psi)


def test_graph_decomposes_gate_fabric_by_its_rule():
    op = qml.GateFabric(onp.full((1, 1, 2), 0.3), wires=range(4), init_state=[1, 1, 0, 0])
    gate_set = {"DoubleExcitation", "OrbitalRotation", "PauliX"}
    assert qml.decomposition.DecompositionGraph([op], gate_set).solve().is_solved_for(op)
    with qml.decomposition.toggle_graph_ctx(True):
        ops = qml.transforms.decompose(qml.tape.QuantumScript([op]), gate_set=gate_set)[0][0].operations
    assert [(g.name, list(g.wires)) for g in ops] == [
        ("PauliX", [0]), ("PauliX", [1]), ("DoubleExcitation", [0, 1, 2, 3]),
        ("OrbitalRotation", [0, 1, 2, 3])]
