"""PennyLane's templates added for issue #18, second round (AQFT, CosineWindow,
HilbertSchmidt, LocalHilbertSchmidt, QDrift, FABLE, ...) and the mechanisms PennyLane's
template tests use (``qml.adjoint(TemplateClass)(...)``, ``qml.layer``'s error).

Independent evidence only: matrices and states built here with NumPy from the
definitions (a dense simulator of single gates on an n-qubit register, the
Hilbert-Schmidt inner product), the published example of PennyLane's AQFT docstring.
"""

import warnings

import numpy as onp
import pytest

import qsym as qml

H1 = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
X1 = onp.array([[0, 1], [1, 0]], complex)


def on(n, gate, wires):
    """The 2^n matrix of ``gate`` (a 2^k matrix) on ``wires`` of n qubits (wire 0 most
    significant), built entry by entry."""
    N, k = 2**n, len(wires)
    out = onp.zeros((N, N), complex)
    for col in range(N):
        bits = [(col >> (n - 1 - q)) & 1 for q in range(n)]
        sub = int("".join(str(bits[w]) for w in wires), 2) if k else 0
        for r in range(2**k):
            new = list(bits)
            for i, w in enumerate(wires):
                new[w] = (r >> (k - 1 - i)) & 1
            out[int("".join(map(str, new)), 2), col] += gate[r, sub]
    return out


def cphase(phi):
    return onp.diag([1, 1, 1, onp.exp(1j * phi)])


SWAP = onp.eye(4)[[0, 2, 1, 3]]
CNOT = onp.eye(4)[[0, 1, 3, 2]]


def aqft_reference(n, order):
    """The AQFT from its definition (arXiv:1803.04933): the QFT's controlled phases
    pi/2^k kept for k <= order, then the wires reversed."""
    U = onp.eye(2**n, dtype=complex)
    for i in range(n):
        U = on(n, H1, [i]) @ U
        for j in range(i + 1, min(n, i + 1 + order)):
            U = on(n, cphase(onp.pi / 2 ** (j - i)), [j, i]) @ U
    for i in range(n // 2):
        U = on(n, SWAP, [i, n - 1 - i]) @ U
    return U


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_aqft_matrix_every_order(n):
    for order in range(1, n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = qml.matrix(qml.AQFT(order=order, wires=range(n)))
        assert onp.allclose(m, aqft_reference(n, order))
    # the full order is the QFT: exp(2 pi i jk / N) / sqrt(N)
    N = 2**n
    dft = onp.exp(2j * onp.pi * onp.outer(range(N), range(N)) / N) / onp.sqrt(N)
    with pytest.warns(UserWarning, match="Using the QFT class is recommended"):
        assert onp.allclose(qml.matrix(qml.AQFT(order=n + 3, wires=range(n))), dft)


def test_aqft_documented_state_and_checks():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit():
        qml.X(0)
        qml.Hadamard(1)
        qml.AQFT(order=1, wires=range(3))
        return qml.state()

    # PennyLane's AQFT docstring
    expected = [0.5, -0.25 - 0.25j, 0, -0.25 + 0.25j, 0.5, -0.25 - 0.25j, 0, -0.25 + 0.25j]
    assert onp.allclose(circuit(), expected)
    with pytest.raises(ValueError, match="Order can not be less than 0"):
        qml.AQFT(order=-1, wires=range(4))
    with pytest.warns(UserWarning, match="The order must be an integer"):
        assert qml.AQFT(order=1.2, wires=range(4)).hyperparameters == {"order": 1}
    with pytest.warns(UserWarning, match="order=0"):
        ops = qml.AQFT(order=0, wires=range(4)).decomposition()
    assert [op.name for op in ops] == ["Hadamard"] * 4 + ["SWAP"] * 2
    ops = qml.AQFT.compute_decomposition((0, 1, 2), order=1)
    assert [(op.name, list(op.wires)) for op in ops] == [
        ("Hadamard", [0]), ("ControlledPhaseShift", [1, 0]), ("Hadamard", [1]),
        ("ControlledPhaseShift", [2, 1]), ("Hadamard", [2]), ("SWAP", [0, 2])]


def test_adjoint_of_a_template_class_is_one_operator():
    """qml.adjoint(qml.AQFT)(...) is PennyLane's Adjoint(AQFT): one operator whose matrix
    is the inverse; applied before the AQFT it undoes it."""
    a = qml.adjoint(qml.AQFT)(order=1, wires=range(3))
    assert a.name == "Adjoint(AQFT)"
    assert onp.allclose(qml.matrix(a), aqft_reference(3, 1).conj().T)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.Hadamard(0)
        qml.adjoint(qml.AQFT)(order=1, wires=range(3))
        qml.AQFT(order=1, wires=range(3))
        return qml.state()

    assert onp.allclose(circuit(), [2**-0.5, 0, 0, 0, 2**-0.5, 0, 0, 0])


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_cosine_window_state(m):
    k = onp.arange(2**m)
    expected = onp.sqrt(2.0 ** (1 - m)) * onp.cos(onp.pi * k / 2**m - onp.pi / 2)

    @qml.qnode(qml.device("default.qubit", wires=m))
    def circuit():
        qml.CosineWindow(wires=range(m))
        return qml.state()

    assert onp.allclose(circuit(), expected)  # global phase included
    op = qml.CosineWindow(wires=range(m))
    assert onp.allclose(op.state_vector().ravel(), expected)
    names = [g.name for g in op.decomposition()]
    assert names == ["Hadamard", "RZ", "Adjoint(QFT)"] + ["PhaseShift"] * m
    assert op.label() == "CosineWindow"


def test_cosine_window_state_vector_wire_order():
    op = qml.CosineWindow(wires=[2, 1])
    res = op.state_vector(wire_order=[0, 1, 2])
    assert res.shape == (2, 2, 2)
    psi = onp.array([0, 0.5, 2**-0.5, 0.5])  # on (2, 1): index 2*b2 + b1
    for b0 in (0, 1):
        for b1 in (0, 1):
            for b2 in (0, 1):
                want = psi[2 * b2 + b1] if b0 == 0 else 0
                assert onp.isclose(res[b0, b1, b2], want)
    with pytest.raises(qml.WireError, match="wire_order must contain all CosineWindow wires"):
        op.state_vector(wire_order=[1, 3])


def hst_reference(u, v, n, local=False):
    """The (local) Hilbert-Schmidt test circuit simulated from its definition: Bell pairs
    (n + i, i), U on the first register, conj(V) on the second, then the pairs measured
    (all of them, or only the first); returns the probability of |0...0>."""
    size = 2 * n
    state = onp.zeros(2**size, complex)
    state[0] = 1
    for i in range(n):
        state = on(size, H1, [i]) @ state
        state = on(size, CNOT, [i, n + i]) @ state
    state = on(size, u, list(range(n))) @ state
    state = on(size, v.conj(), list(range(n, 2 * n))) @ state
    pairs = [0] if local else list(range(n))
    for i in reversed(pairs):
        state = on(size, CNOT, [i, n + i]) @ state
    for i in pairs:
        state = on(size, H1, [i]) @ state
    return abs(state[0]) ** 2


@pytest.mark.parametrize("theta", [0.3, -1.1])
def test_hilbert_schmidt_values(theta):
    U = [qml.SWAP(wires=[0, 1]), qml.Hadamard(0) @ qml.RY(0.4, wires=1)]
    V = [qml.RZ(theta, wires=2), qml.CNOT(wires=[2, 3]), qml.RX(0.7, wires=3)]
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def hst(V, U):
        qml.HilbertSchmidt(V, U)
        return qml.probs()

    @qml.qnode(dev)
    def lhst(V, U):
        qml.LocalHilbertSchmidt(V, U)
        return qml.probs()

    ry = onp.array([[onp.cos(0.2), -onp.sin(0.2)], [onp.sin(0.2), onp.cos(0.2)]])
    u = onp.kron(H1, ry) @ SWAP
    rz = onp.diag([onp.exp(-0.5j * theta), onp.exp(0.5j * theta)])
    rx = onp.cos(0.35) * onp.eye(2) - 1j * onp.sin(0.35) * X1
    v = onp.kron(onp.eye(2), rx) @ CNOT @ onp.kron(rz, onp.eye(2))
    # the test's meaning: |Tr(V^dagger U)|^2 / d^2
    assert onp.isclose(hst(V, U)[0], abs(onp.trace(v.conj().T @ u)) ** 2 / 16)
    assert onp.isclose(hst(V, U)[0], hst_reference(u, v, 2))
    assert onp.isclose(lhst(V, U)[0], hst_reference(u, v, 2, local=True))


def test_hilbert_schmidt_operator_and_errors():
    U, V = qml.Hadamard(0), qml.RZ(0.1, wires=1)
    op = qml.HilbertSchmidt(V, U)
    assert op.wires == qml.wires.Wires([0, 1])
    assert [g.name for g in op.decomposition()] == [
        "Hadamard", "CNOT", "Hadamard", "QubitUnitary", "CNOT", "Hadamard"]
    assert op.data == (0.1,)
    op.data = [0.5]
    assert op.hyperparameters["V"][0].data == (0.5,)
    assert onp.allclose(op.decomposition()[3].matrix(),
                        onp.diag([onp.exp(0.25j), onp.exp(-0.25j)]))
    data, meta = op._flatten()
    assert meta == () and type(op)._unflatten(data, meta).data == (0.5,)
    with pytest.raises(NotImplementedError, match="Mapping the wires of HilbertSchmidt"):
        qml.LocalHilbertSchmidt(V, U).map_wires({0: "a"})
    with pytest.raises(ValueError, match="U and V must have the same number of wires"):
        qml.HilbertSchmidt(qml.RZ(0.1, wires=2), qml.CNOT(wires=[0, 1]))
    with pytest.raises(ValueError, match="must act on distinct wires"):
        qml.HilbertSchmidt(qml.RZ(0.1, wires=0), qml.Hadamard(0))
    with pytest.raises(ValueError, match="The argument 'V' must be an Operator"):
        qml.HilbertSchmidt([qml.RZ(0.1, wires=1), 3], qml.Hadamard(0))


def test_layer_depth_error_names_the_argument():
    def block(a, wires):
        qml.RX(a, wires=wires[0])

    with pytest.raises(ValueError, match="Each positional argument must have length matching "
                                         "'depth'; expected 3 got 2"):
        qml.layer(block, 3, [0.1, 0.2], wires=[0])


Z1 = onp.diag([1.0, -1.0]).astype(complex)
PAULI = {"X": X1, "Z": Z1, "I": onp.eye(2)}


def pauli_exp(a, word, n):
    """exp(i a P) for a Pauli word P (one letter per wire), cos a + i sin a P."""
    P = onp.eye(1)
    for letter in word:
        P = onp.kron(P, PAULI[letter])
    return onp.cos(a) * onp.eye(2**n) + 1j * onp.sin(a) * P


@pytest.mark.parametrize("seed", [3, 8237945])
def test_qdrift_state_from_its_definition(seed):
    """QDrift: n factors exp(i sign(h_j) lambda t P_j / n), j drawn with p_j = |h_j| / lambda
    by numpy's default_rng(seed).choice (PennyLane's draws)."""
    coeffs, words = [0.4, -0.25, 0.6], ["XI", "ZZ", "IX"]
    H = qml.dot(coeffs, [qml.X(0), qml.Z(0) @ qml.Z(1), qml.X(1)])
    t, n = 0.7, 6

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(time):
        qml.QDrift(H, time, n=n, seed=seed)
        return qml.state()

    lam = sum(abs(c) for c in coeffs)
    picks = onp.random.default_rng(seed).choice(3, p=onp.abs(coeffs) / lam, size=n)
    psi = onp.zeros(4, complex)
    psi[0] = 1
    for j in picks:
        psi = pauli_exp(onp.sign(coeffs[j]) * lam * t / n, words[j], 2) @ psi
    assert onp.allclose(circuit(t), psi)
    ops = qml.QDrift(H, t, n=n, seed=seed).decomposition()
    assert [op.name for op in ops] == ["Evolution"] * n
    assert qml.QDrift.error(H, t, n=n) == pytest.approx(
        2 * lam**2 * t**2 / n * onp.exp(2 * lam * t / n))


def test_qdrift_time_gradient_and_errors():
    from qsym import numpy as pnp

    H = qml.dot([0.2, -0.1], [qml.Y(0), qml.Z(1)])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(time):
        qml.Hadamard(0)
        qml.QDrift(H, time, n=10, seed=10)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    t, h = 1.23, 1e-6
    fd = (circuit(t + h) - circuit(t - h)) / (2 * h)
    assert qml.grad(circuit)(pnp.array(t)) == pytest.approx(fd, abs=1e-6)
    with pytest.raises(TypeError, match="The given operator must be a PennyLane ~.Sum"):
        qml.QDrift(qml.X(0), 1.0)
    with pytest.raises(ValueError, match="at least 2 terms"):
        qml.QDrift(qml.Hamiltonian([1.0], [qml.X(0)]), 1.0)


def test_trotter_module_paths_and_queuing_manager():
    from qsym.templates.subroutines.time_evolution.trotter import (
        _recursive_expression, _recursive_qfunc, _scalar)

    assert _scalar(4) == pytest.approx(1 / (4 - 4 ** (1 / 3)))
    ops = _recursive_expression(1.23, 2, [qml.X(0), qml.Z(1)])
    assert [(op.base.name, op.param) for op in ops] == [
        ("PauliX", -0.615), ("PauliZ", -0.615), ("PauliZ", -0.615), ("PauliX", -0.615)]

    def step(time, wires):
        qml.RX(time, wires=wires[0])
        qml.CNOT(wires=wires)

    gates = _recursive_qfunc(0.4, 2, step, [0, 1], False)
    assert [(g.name, g.params) for g in gates] == [
        ("RX", (0.2,)), ("CNOT", ()), ("CNOT", ()), ("RX", (0.2,))]
    with qml.queuing.AnnotatedQueue() as q:
        with qml.QueuingManager.stop_recording():
            qml.RX(0.1, wires=0)
        assert qml.QueuingManager.recording()
    assert len(q.queue) == 0


def test_apply_and_matrix_of_an_evolution():
    e = qml.evolve(qml.X(0) @ qml.Z(1), 0.3)  # exp(-0.3 i XZ)
    assert onp.allclose(qml.matrix(e, wire_order=[0, 1]), pauli_exp(-0.3, "XZ", 2))
    g = qml.evolve(qml.X(0), 0.3)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        qml.apply(g)
        return qml.expval(qml.Z(0))

    assert circuit() == pytest.approx(onp.cos(0.6))


def test_pennylane_module_paths_and_helpers():
    """PennyLane's module paths its template tests import, with independent values: the
    reflected binary Gray code, the n-ary Gray code's one-digit steps, Mottonen's Eq. (3)
    inverted by a matrix written here."""
    from qsym.templates.state_preparations.mottonen import compute_theta, gray_code
    from qsym.templates.subroutines.arbitrary_unitary import _n_k_gray_code
    from qsym.templates.subroutines.select import _partial_select

    assert gray_code(3).tolist() == [0, 1, 3, 2, 6, 7, 5, 4]
    codes = list(_n_k_gray_code(3, 3))
    assert len({tuple(c) for c in codes}) == 27 and codes[0] == [0, 0, 0]
    assert all(sum(a != b for a, b in zip(c, d)) == 1 for c, d in zip(codes, codes[1:]))
    alpha = onp.array([[0.3, -1.2, 0.5, 2.0], [1.0, 0.0, 0.0, 0.0]])
    g = [0, 1, 3, 2]
    M = onp.array([[(-1) ** bin(j & g[i]).count("1") for i in range(4)] for j in range(4)])
    assert onp.allclose(onp.einsum("ij,bj->bi", M, compute_theta(alpha)), alpha)  # M theta = alpha
    assert _partial_select(2, ["a"]) == [[("a",), (0,)], [("a",), (1,)]]
    assert qml.capture.enabled() is False
    with pytest.raises(AttributeError, match="qml.capture is not supported"):
        qml.capture.run_autograph(lambda: None)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_two_local_swap_network_meets_every_pair_once(n):
    """CCL2: n layers of neighbour swaps reverse the wires, and every pair of logical wires
    is acquainted exactly once; a fermionic swap is SWAP with a sign on |11>."""
    met = []

    def acquaint(index, wires, param):
        met.append(frozenset(wires))
        return qml.CRX(param, wires=index)

    weights = onp.linspace(0.1, 0.9, n * (n - 1) // 2)
    qml.templates.TwoLocalSwapNetwork(range(n), acquaint, weights, fermionic=False)
    assert sorted(map(sorted, met)) == sorted([i, j] for i in range(n) for j in range(i + 1, n))
    m = qml.matrix(qml.templates.TwoLocalSwapNetwork(range(n), fermionic=False))
    rev = onp.zeros((2**n, 2**n))
    for k in range(2**n):
        rev[int(format(k, f"0{n}b")[::-1], 2), k] = 1
    assert onp.allclose(m, rev)
    assert qml.templates.TwoLocalSwapNetwork.shape(n) == (n * (n - 1) // 2,)


def test_two_local_swap_network_fermionic_and_errors():
    fswap = onp.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, -1]])
    assert onp.allclose(qml.matrix(qml.templates.TwoLocalSwapNetwork([0, 1])), fswap)
    with pytest.raises(ValueError, match="requires at least 2 wires"):
        qml.templates.TwoLocalSwapNetwork([0])
    with pytest.raises(ValueError, match="Weight tensor must be of length 3"):
        qml.templates.TwoLocalSwapNetwork([0, 1, 2], lambda index, wires, param: None, [0.1])
    with pytest.warns(UserWarning, match="Weights are being provided without acquaintances"):
        qml.templates.TwoLocalSwapNetwork([0, 1], weights=[0.1])


def test_fable_matrix_of_a_tensor_is_a_tensor():
    """PennyLane's qml.matrix(FABLE(A)) is in A's interface: a qml.numpy tensor gives a
    tensor (PennyLane's test_fable test_autograd), with the same block encoding: the
    top-left block of the matrix is A / 2 for a 2 x 2 A (FABLE's subnormalisation, by hand)."""
    from qsym import numpy as pnp

    A = onp.array([[0.1, 0.2], [0.3, -0.4]])
    plain = qml.matrix(qml.FABLE(A, wires=range(3), tol=0))
    given = pnp.array(A)
    op = qml.FABLE(given, wires=range(3), tol=0)
    M = qml.matrix(op)
    assert type(plain) is onp.ndarray and isinstance(M, pnp.tensor) and M.requires_grad
    assert qml.math.get_interface(M) == "autograd"
    assert onp.allclose(M, plain) and onp.allclose(onp.asarray(M)[:2, :2], A / 2)
