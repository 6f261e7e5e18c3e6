"""PennyLane 0.45's newer state preparations and encodings (issue #18, third round):
``Superposition``, ``MultiplexerStatePreparation``, ``QROMStatePreparation``, ``FABLE``,
``QuantumMonteCarlo`` (with the ``qmc`` helpers) and ``qml.qsvt(..., block_encoding="fable")``.

Independent evidence only: the states written down from the definitions (``sum c_i
|b_i>``, the amplitudes themselves), the block of a matrix computed by NumPy, the
expectation value ``sum p(i) f(i)`` computed directly, finite differences of the circuit's
values; PennyLane itself only behind ``pytest.importorskip``.
"""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym._opfunctions import check_decomposition_rule


def basis_state(bits) -> onp.ndarray:
    v = onp.zeros(2 ** len(bits))
    v[int("".join(map(str, bits)), 2)] = 1
    return v


# --- Superposition ------------------------------------------------------------------------
@pytest.mark.parametrize("bases", [
    [[1, 1, 1], [0, 1, 0], [0, 0, 0]],
    [[0, 1, 1, 0], [1, 0, 0, 1], [0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 1]],
    [[1, 0]],
])
def test_superposition_prepares_the_written_state(bases):
    rng = onp.random.default_rng(len(bases))
    c = rng.normal(size=len(bases))
    c /= onp.linalg.norm(c)
    n = len(bases[0])
    expected = sum(ci * basis_state(b) for ci, b in zip(c, bases))

    @qml.qnode(qml.device("default.qubit", wires=n + 1))
    def circuit():
        qml.Superposition(c, bases, wires=range(n), work_wire=n)
        return qml.state()

    state = circuit().reshape(2**n, 2)
    assert onp.allclose(state[:, 1], 0, atol=1e-12)  # the work wire ends in |0>
    assert onp.allclose(state[:, 0], expected, atol=1e-10)


def test_superposition_decomposition_is_pennylanes_and_its_rule_checks():
    op = qml.Superposition(onp.sqrt([0.5, 0.5]), [[0, 0], [1, 1]], wires=range(2), work_wire=2)
    names = [(g.name, list(g.wires)) for g in op.decomposition()]
    assert names == [("StatePrep", [1]), ("MultiControlledX", [0, 1, 2]), ("CNOT", [2, 0]),
                     ("Toffoli", [0, 1, 2])]
    assert op.work_wire == qml.wires.Wires(2)
    for rule in qml.list_decomps(qml.Superposition):
        check_decomposition_rule(op, rule)


@pytest.mark.parametrize("coeffs, bases, message", [
    (onp.sqrt([0.5, 0.5]), [[2, 0], [1, 0]], "either 0 or 1"),
    (onp.sqrt([0.3, 0.5]), [[0, 0], [1, 0]], "must be normalized"),
    (onp.sqrt([0.5, 0.5]), [[1, 0], [1, 0]], "must be unique"),
    (onp.sqrt([0.5, 0.5]), [[1, 0, 0], [1, 0]], "same length"),
])
def test_superposition_refuses_bad_input_with_pennylanes_messages(coeffs, bases, message):
    with pytest.raises(ValueError, match=message):
        qml.Superposition(coeffs, bases, wires=range(len(bases[0])), work_wire=9)


def test_superposition_of_circuit_inputs_is_differentiable_and_checked_at_each_call():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(c):
        qml.Superposition(c, [[1, 1], [0, 1]], wires=[0, 1], work_wire=2)
        return qml.expval(qml.PauliZ(0))

    # <Z0> = c1^2 - c0^2 for the state c0|11> + c1|01>
    c = pnp.array([0.6, 0.8], requires_grad=True)
    assert onp.isclose(circuit(c), 0.8**2 - 0.6**2)
    g = qml.grad(circuit)(c)
    h = 1e-6
    fd = [(circuit(c + h * e) - circuit(c - h * e)) / (2 * h) for e in onp.eye(2)]
    assert onp.allclose(g, fd, atol=1e-6)
    with pytest.raises(ValueError, match="normalized"):
        circuit(pnp.array([0.6, 0.6], requires_grad=True))


# --- MultiplexerStatePreparation, QROMStatePreparation ------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_multiplexer_state_preparation_gives_the_state_with_its_phases(n):
    rng = onp.random.default_rng(n)
    v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    v /= onp.linalg.norm(v)

    @qml.qnode(qml.device("default.qubit", wires=n))
    def circuit():
        qml.MultiplexerStatePreparation(v, wires=range(n))
        return qml.state()

    assert onp.allclose(circuit(), v, atol=1e-10)
    names = [g.name for g in qml.MultiplexerStatePreparation(v, wires=range(n)).decomposition()]
    assert names == ["SelectPauliRot"] * n + ["DiagonalQubitUnitary"]


def test_multiplexer_state_preparation_checks():
    with pytest.raises(ValueError, match="State vector must be of length 4; got length 3"):
        qml.MultiplexerStatePreparation(onp.ones(3) / onp.sqrt(3), wires=[0, 1])
    with pytest.raises(ValueError, match="State vector must have norm 1.0"):
        qml.MultiplexerStatePreparation(onp.ones(4), wires=[0, 1])

    @qml.qnode(qml.device("default.qubit", wires=1))
    def traced(v):
        qml.MultiplexerStatePreparation(v, wires=[0])
        return qml.probs()

    with pytest.raises(ValueError, match="must be numbers"):
        traced(pnp.array([0.6, 0.8]))


def test_qrom_state_preparation_is_exact_for_angles_with_few_binary_digits():
    # level angles 2 arccos(sqrt(L/P)) / pi are 1/2, 0, 1/2 and the phases 0, 1/4, 1/2, 3/4
    # of a turn: three precision bits hold them exactly, so the state is exact
    v = onp.array([1, 1j, -1, -1j]) / 2
    wires = qml.registers({"state": 2, "prec": 3, "work": 1})

    @qml.qnode(qml.device("default.qubit", wires=6))
    def circuit():
        qml.QROMStatePreparation(v, wires["state"], wires["prec"], wires["work"])
        return qml.state()

    state = circuit().reshape(4, 16)
    assert onp.allclose(state[:, 1:], 0, atol=1e-12)  # precision and work wires end in |0>
    assert onp.allclose(state[:, 0], v, atol=1e-12)
    ops = qml.QROMStatePreparation.compute_decomposition(
        v, wires=range(6), input_wires=wires["state"], precision_wires=wires["prec"],
        work_wires=wires["work"])
    assert {op.name for op in ops} == {"QROM", "Adjoint(QROM)", "CRY", "C(GlobalPhase)"}


def test_qrom_state_preparation_truncates_angles_to_the_precision_wires():
    p = onp.array([0.1, 0.2, 0.3, 0.4])
    # one level-0 angle 2 arccos(sqrt(0.3)) / pi = 0.6309...: two bits keep 0.5
    assert qml.templates.state_preparations.qrom_state_prep._float_to_binary(
        2 * onp.arccos(onp.sqrt(0.3)) / onp.pi, 2) == "10"

    @qml.qnode(qml.device("default.qubit", wires=5))
    def circuit():
        qml.QROMStatePreparation(onp.sqrt(p), [0, 1], [2, 3, 4])
        return qml.probs(wires=[0, 1])

    # each RY angle truncated to 3 binary digits of pi: the probabilities from those angles
    def truncated(x):
        return onp.floor(8 * x) / 8
    a0 = truncated(2 * onp.arccos(onp.sqrt(0.3)) / onp.pi) * onp.pi
    a1 = [truncated(2 * onp.arccos(onp.sqrt(q / (q + r))) / onp.pi) * onp.pi
          for q, r in ((0.1, 0.2), (0.3, 0.4))]
    top = [onp.cos(a0 / 2) ** 2, onp.sin(a0 / 2) ** 2]
    expected = [top[k] * f(a1[k] / 2) ** 2 for k in (0, 1) for f in (onp.cos, onp.sin)]
    assert onp.allclose(circuit(), expected, atol=1e-12)


# --- FABLE --------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_fable_block_encodes_the_matrix(n):
    A = onp.random.default_rng(n).uniform(-1, 1, size=(2**n, 2**n))
    U = qml.matrix(qml.FABLE(A, wires=range(2 * n + 1), tol=0))
    assert onp.allclose(U @ U.conj().T, onp.eye(2 ** (2 * n + 1)), atol=1e-10)
    assert onp.allclose(2**n * U[:2**n, :2**n], A, atol=1e-10)


def test_fable_tolerance_drops_small_rotations_and_pads_other_shapes():
    A = onp.array([[0.5, 0.5], [0.5, 0.49]])  # arccos nearly equal: small Gray-code angles
    full = qml.FABLE(A, wires=range(3), tol=0).decomposition()
    cut = qml.FABLE(A, wires=range(3), tol=0.05).decomposition()
    assert sum(g.name == "RY" for g in cut) < sum(g.name == "RY" for g in full) == 4
    assert onp.allclose(2 * qml.matrix(qml.FABLE(A, wires=range(3), tol=0.05))[:2, :2],
                        A, atol=0.05)
    with pytest.warns(UserWarning, match="The input matrix should be of shape NxN"):
        op = qml.FABLE(onp.array([[0.3, 0.2, 0.1]]), wires=range(5))
    assert onp.allclose(4 * op.matrix()[0, :3].real, [0.3, 0.2, 0.1])


@pytest.mark.parametrize("call, message", [
    (lambda: qml.FABLE(onp.array([[0.5j, 0], [0, 0.1]]), wires=range(3)), "imaginary"),
    (lambda: qml.FABLE(onp.array([[1.5, 0], [0, 0.1]]), wires=range(3)), "subnormalization"),
    (lambda: qml.FABLE(onp.eye(2) / 2, wires=range(4)), "expected 3 but got 4"),
])
def test_fable_refuses_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_fable_gradient_by_the_matrix_entries_matches_finite_differences():
    A = onp.array([[-0.5, -0.4, 0.6, 0.7], [0.9, 0.9, 0.8, 0.9],
                   [0.8, 0.7, 0.9, 0.8], [0.9, 0.7, 0.8, 0.3]])

    @qml.qnode(qml.device("default.qubit", wires=5))
    def circuit(m):
        qml.FABLE(m, wires=range(5), tol=0)
        return qml.expval(qml.PauliZ(0))

    m = pnp.array(A, requires_grad=True)
    g = qml.grad(circuit)(m)
    h = 1e-6
    for idx in [(0, 0), (1, 2), (3, 3)]:
        e = onp.zeros_like(A)
        e[idx] = h
        fd = (circuit(pnp.array(A + e)) - circuit(pnp.array(A - e))) / (2 * h)
        assert onp.isclose(g[idx], fd, atol=1e-6)

    @qml.qnode(qml.device("default.qubit", wires=5))
    def with_tol(m):
        qml.FABLE(m, wires=range(5), tol=0.1)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match="tol=0"):
        with_tol(m)


def test_qsvt_with_the_fable_encoding_applies_the_polynomial():
    A = onp.array([[0.1, 0.2], [0.05, -0.15]])
    poly = [0, 1.0, 0, -0.5]  # P(x) = x - x^3 / 2: on A, A - A A^T A / 2 (singular values)
    U = qml.qsvt(A, poly, encoding_wires=[0, 1, 2], block_encoding="fable").matrix()
    assert onp.allclose(U[:2, :2].real, A - 0.5 * A @ A.T @ A, atol=1e-8)


# --- QuantumMonteCarlo --------------------------------------------------------------------
def test_qmc_helpers_from_their_definitions():
    p = onp.array([0.1, 0.2, 0.3, 0.4])
    A = qml.templates.subroutines.qmc.probs_to_unitary(p)
    assert onp.allclose(A @ A.T, onp.eye(4)) and onp.allclose(A[:, 0], onp.sqrt(p))
    f = [0.0, 0.25, 0.5, 1.0]
    R = qml.templates.subroutines.qmc.func_to_unitary(lambda i: f[i], 4)
    for i in range(4):
        col = R[:, 2 * i]  # R|i>|0> = |i>(sqrt(1-f)|0> + sqrt(f)|1>)
        assert onp.allclose(col[2 * i:2 * i + 2], [onp.sqrt(1 - f[i]), onp.sqrt(f[i])])
    Q = qml.templates.subroutines.qmc.make_Q(A, R)
    # Q rotates by 2 * 2 theta in the plane of the good/bad states: for the state
    # psi = R (A|0>)|0>, <psi|Q|psi> = cos(4 theta) with sin^2(theta) = mu
    mu = float(onp.dot(p, f))
    psi = R @ onp.kron(A[:, 0], [1, 0])
    theta = onp.arcsin(onp.sqrt(mu))
    assert onp.isclose(psi @ Q @ psi, onp.cos(4 * theta))
    with pytest.raises(ValueError, match="valid probability distribution"):
        qml.templates.subroutines.qmc.probs_to_unitary([0.5, 0.6])
    with pytest.raises(ValueError, match="bounded within the interval"):
        qml.templates.subroutines.qmc.func_to_unitary(lambda i: 2.0, 2)


def test_quantum_monte_carlo_estimates_the_expectation():
    m, n = 2, 6
    p = onp.array([0.1, 0.4, 0.3, 0.2])
    f = [0.9, 0.1, 0.5, 0.3]
    mu = float(onp.dot(p, f))
    target, est = list(range(m + 1)), list(range(m + 1, m + 1 + n))

    @qml.qnode(qml.device("default.qubit", wires=m + 1 + n))
    def circuit():
        qml.QuantumMonteCarlo(p, lambda i: f[i], target, est)
        return qml.probs(est)

    theta = onp.argmax(circuit()[: 2 ** (n - 1)]) / 2**n
    assert abs((1 - onp.cos(onp.pi * theta)) / 2 - mu) < 0.02
    op = qml.QuantumMonteCarlo(p, lambda i: f[i], target, est)
    assert [g.name for g in op.decomposition()] == ["QubitUnitary", "QubitUnitary",
                                                   "QuantumPhaseEstimation"]
    with pytest.raises(ValueError, match="requires 3 target wires"):
        qml.QuantumMonteCarlo(p, lambda i: f[i], range(4), range(4, 6))
    with pytest.raises(ValueError, match="power of two"):
        qml.QuantumMonteCarlo(onp.ones(5) / 5, lambda i: 0.0, range(3), range(3, 5))


def test_new_templates_equal_pennylanes_matrices():
    pl = pytest.importorskip("pennylane")
    rng = onp.random.default_rng(7)
    A = rng.uniform(-1, 1, size=(4, 4))
    v = rng.normal(size=8) + 1j * rng.normal(size=8)
    v /= onp.linalg.norm(v)
    c = onp.sqrt([0.2, 0.3, 0.5])
    bases = [[1, 0, 1], [0, 1, 1], [0, 0, 0]]
    pairs = [
        (qml.FABLE(A, wires=range(5), tol=0.1), pl.FABLE(A, wires=range(5), tol=0.1), range(5)),
        (qml.MultiplexerStatePreparation(v, range(3)),
         pl.MultiplexerStatePreparation(v, range(3)), range(3)),
        (qml.Superposition(c, bases, range(3), 3), pl.Superposition(c, bases, range(3), 3),
         range(4)),
    ]
    for ours, theirs, order in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = pl.matrix(theirs, wire_order=list(order))
        got = qml.matrix(ours, wire_order=list(order))
        assert onp.allclose(got[:, 0], expected[:, 0], atol=1e-8)
        if ours.name == "FABLE":  # a unitary, not only a state: the whole matrix
            assert onp.allclose(got, expected, atol=1e-8)


# --- TrotterProduct.error -----------------------------------------------------------------
def test_trotter_error_bounds_are_the_published_formulas_and_bound_the_error():
    H = qml.sum(qml.X(0), qml.Y(0))
    # one-norm bound, order 4, n = 1: (||H||_1 t)^5 / 5! (upsilon^5 + 1), upsilon = 10
    e = qml.TrotterProduct(H, time=0.05, order=4).error(method="one-norm-bound")
    assert isinstance(e, qml.resource.SpectralNormError)
    assert onp.isclose(e.error, (10**5 + 1) / 120 * 0.1**5)
    # commutator bound, order 2: (t^3 / 12 ||[B,[B,A]]|| + t^3 / 24 ||[A,[A,B]]||) ... for
    # X + Y: 2 * 2 * t^3 / (3 n^2) * (||[X,[X,Y]]|| ... ) = 32/3 t^3 / n^2
    e = qml.TrotterProduct(H, time=0.05, order=2, n=10).error()
    assert onp.isclose(e.error, 32 / 3 * 0.05**3 / 100)
    with pytest.raises(ValueError, match="'crazy' method is not supported"):
        qml.TrotterProduct(H, 1.23).error("crazy")

    # each bound is above the true spectral-norm error of the product it describes
    X1, Y1 = onp.array([[0, 1], [1, 0]]), onp.array([[0, -1j], [1j, 0]])
    Z1 = onp.diag([1, -1])
    c = [0.8, -0.5, 0.3]
    Hm = c[0] * onp.kron(X1, X1) + c[1] * onp.kron(Z1, onp.eye(2)) + c[2] * onp.kron(onp.eye(2), Y1)
    w, v = onp.linalg.eigh(Hm)
    for order, n, t in [(1, 2, 0.4), (2, 3, 0.7), (4, 1, 0.5)]:
        exact = (v * onp.exp(1j * w * t)) @ v.conj().T
        op = qml.TrotterProduct(qml.dot(c, [qml.X(0) @ qml.X(1), qml.Z(0), qml.Y(1)]), t,
                                n=n, order=order)
        actual = onp.linalg.norm(qml.matrix(op, wire_order=[0, 1]) - exact, 2)
        for method in ("one-norm-bound", "commutator-bound"):
            for fast in (True, False):
                assert op.error(method, fast=fast).error >= actual


# --- IQP ------------------------------------------------------------------------------------
def test_iqp_is_the_product_of_x_word_exponentials():
    X1, Y1, I1 = onp.array([[0, 1], [1, 0]]), onp.array([[0, -1j], [1j, 0]]), onp.eye(2)

    def word(letters):
        out = onp.eye(1)
        for m in letters:
            out = onp.kron(out, m)
        return out

    n, w = 3, [0.3, -0.7, 1.1]
    pattern = [[[0]], [[0, 1]], [[1, 2], [0, 2]]]
    expected = onp.eye(2**n)
    # spin_sym: PauliRot(pi/2, "YXX") = cos(pi/4) I - i sin(pi/4) Y X X, applied first
    P = word([Y1, X1, X1])
    expected = (onp.cos(onp.pi / 4) * onp.eye(8) - 1j * onp.sin(onp.pi / 4) * P) @ expected
    for wk, gate in zip(w, pattern):
        for gen in gate:  # exp(-i w X_g) = cos(w) I - i sin(w) X_g
            Xg = word([X1 if q in gen else I1 for q in range(n)])
            expected = (onp.cos(wk) * onp.eye(8) - 1j * onp.sin(wk) * Xg) @ expected
    assert onp.allclose(qml.matrix(qml.IQP(w, n, pattern, spin_sym=True), wire_order=range(n)),
                        expected, atol=1e-12)
    with pytest.raises(ValueError, match="must be the same"):
        qml.IQP([0.1], 2, [[[0]], [[1]]])
    with pytest.raises(ValueError, match="At least one valid wire"):
        qml.IQP([0.1], 0, [[[0]]])


# --- MPSPrep --------------------------------------------------------------------------------
def test_mps_prep_prepares_the_contracted_state():
    rng = onp.random.default_rng(3)
    mps = [rng.normal(size=(2, 2)), rng.normal(size=(2, 2, 4)), rng.normal(size=(4, 2, 2)),
           rng.normal(size=(2, 2))]
    psi = onp.einsum("ab,bcd,def,fg->aceg", *mps).ravel()  # the state, contracted by hand
    mps[0] = mps[0] / onp.linalg.norm(psi)
    psi = psi / onp.linalg.norm(psi)

    @qml.qnode(qml.device("default.qubit", wires=6))
    def circuit():
        qml.MPSPrep(mps, wires=[0, 1, 2, 3], work_wires=[4, 5], right_canonicalize=True)
        return qml.state()

    state = circuit().reshape(16, 4)
    assert onp.allclose(state[:, 1:], 0, atol=1e-10)  # the work wires end in |00>
    assert onp.allclose(state[:, 0], psi, atol=1e-10)
    canonical = qml.templates.state_preparations.state_prep_mps.right_canonicalize_mps(mps)
    for a in canonical[1:-1]:
        assert onp.allclose(onp.tensordot(a, a.conj(), axes=([1, 2], [1, 2])), onp.eye(len(a)))


def test_mps_prep_checks_shapes_and_work_wires():
    with pytest.raises(AssertionError, match="first dimension of the first tensor must be exactly 2"):
        qml.MPSPrep([onp.ones((3, 2)), onp.ones((2, 2))], wires=[0, 1])
    mps = [onp.eye(2) / onp.sqrt(2), onp.ones((2, 2, 4)) / 2, onp.ones((4, 2)) / 2]
    op = qml.MPSPrep(mps, wires=[0, 1, 2])  # PennyLane's operator exists without work wires
    with pytest.raises(ValueError, match="requires `work_wires`"):
        op.decomposition()
    with pytest.raises(ValueError, match="At least 2 `work_wires`"):
        qml.MPSPrep(mps, wires=[0, 1, 2], work_wires=[3]).decomposition()

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.MPSPrep(mps, wires=[0, 1, 2])
        return qml.state()

    with pytest.raises(ValueError, match="requires `work_wires`"):
        circuit()


@pytest.mark.parametrize("bad", [onp.nan, onp.inf, -onp.inf])
def test_fable_refuses_non_finite_entries(bad):
    # a NaN angle failed the test |theta| > tol, so its rotation was left out and the
    # circuit ran: a finite block encoding of a matrix with no values
    A = onp.array([[bad, 0.0], [0.0, 0.1]])
    with pytest.raises(qml.errors.GateError, match="NaN or infinite entries"):
        qml.FABLE(A, wires=range(3))


@pytest.mark.parametrize("reps", [1.5, -1, "2", True])
def test_iqp_embedding_refuses_n_repeats_that_is_not_a_non_negative_integer(reps):
    # 1.5 was truncated to one repetition; -1 ran none
    with pytest.raises(qml.errors.ArgumentError, match="n_repeats must be a non-negative integer"):
        qml.IQPEmbedding(onp.array([0.1, 0.2]), wires=[0, 1], n_repeats=reps)


def test_iqp_embedding_zero_repeats_is_the_identity():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.IQPEmbedding(onp.array([0.1, 0.2]), wires=[0, 1], n_repeats=0)
        return qml.state()

    assert onp.allclose(circuit(), basis_state([0, 0]))


def test_qrom_state_preparation_needs_a_precision_wire():
    # no precision wire was "invalid literal for int() with base 10: 'b'" from the bit string
    with pytest.raises(qml.errors.GateError, match="at least one precision wire"):
        qml.QROMStatePreparation(onp.array([0.6, 0.8, 0.0, 0.0]), wires=[0, 1], precision_wires=[])


def test_basis_state_zero_bits_are_wires_of_a_device_without_wires():
    """On a device made without ``wires=``, every wire of ``qml.BasisState`` is the
    circuit's, the bits 0 too (PennyLane's device applies the template whole): here the
    wires are ``[2, 0]`` (first use), so ``|1 0>`` is index 2 of 4, and with ``RX`` on wire
    1 the wires are ``0, 1, 2`` (the integers ``0..2``: numeric order). Found by
    differential fuzzing: qsym dropped wire 0 (2 probabilities instead of 4)."""
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def probs():
        qml.BasisState(pnp.array([1, 0]), wires=[2, 0])
        return qml.probs()

    @qml.qnode(dev)
    def state():
        qml.BasisState(pnp.array([1, 0]), wires=[2, 0])
        return qml.state()

    @qml.qnode(dev)
    def three(t):
        qml.BasisState(pnp.array([1, 0]), wires=[2, 0])
        qml.RX(t, wires=1)
        return qml.probs()

    @qml.qnode(dev)
    def embedded():
        qml.BasisEmbedding(2, wires=["a", "b"])  # bits 1 0
        qml.Hadamard(wires="c")
        return qml.state()

    onp.testing.assert_allclose(probs(), [0, 0, 1, 0], atol=1e-12)
    onp.testing.assert_allclose(state(), [0, 0, 1, 0], atol=1e-12)
    t = 0.3
    want = onp.zeros(8)
    want[0b001], want[0b011] = onp.cos(t / 2) ** 2, onp.sin(t / 2) ** 2  # wires 0, 1, 2
    onp.testing.assert_allclose(three(t), want, atol=1e-12)
    psi = onp.zeros(8, dtype=complex)
    psi[0b100] = psi[0b101] = 1 / onp.sqrt(2)  # a=1, b=0, c=|+>
    onp.testing.assert_allclose(embedded(), psi, atol=1e-12)


@pytest.mark.parametrize("feats, wires, index", [([-0.7], [0], 0), ([-0.5], [0, 1], 0),
                                                  ([0.0, -0.3], [0, 1], 1),
                                                  ([0.0, 0.0, -2.0], [0, 1, 2], 2),
                                                  ([0.0, 0.0, 2.0], [0, 1, 2], 2)])
def test_a_padded_state_of_one_amplitude_keeps_its_sign(feats, wires, index):
    # a / |a| padded with zeros is sign(a) |index>: the sign was dropped (+|index>), for
    # numbers and for a traced amplitude (differential fuzzer, seed 7258)
    dev = qml.device("default.qubit", wires=len(wires))

    @qml.qnode(dev)
    def numbers():
        qml.AmplitudeEmbedding(feats, wires=wires, normalize=True, pad_with=0.0)
        return qml.state()

    @qml.qnode(dev)
    def traced(x):
        qml.AmplitudeEmbedding(x, wires=wires, normalize=True, pad_with=0.0)
        return qml.state()

    expected = onp.zeros(2 ** len(wires), dtype=complex)
    expected[index] = onp.sign(feats[index])
    onp.testing.assert_allclose(numbers(), expected, atol=1e-15)
    onp.testing.assert_allclose(traced(qml.numpy.array(feats, requires_grad=True)), expected,
                               atol=1e-15)


def test_a_block_of_float_zeros_has_a_finite_derivative():
    # AmplitudeEmbedding([0, 0, x0, x1]): the left half's norm is the constant 0.0, which
    # sympy's Float(0.0) == 0 does not see as 0: the root angle took the general form whose
    # derivative is NaN where a norm is 0, and the Jacobian was NaN. By hand: p2 = x0^2 / r^2,
    # p3 = x1^2 / r^2, dp2/dx0 = 2 x0 x1^2 / r^4, dp2/dx1 = -2 x0^2 x1 / r^4
    dev = qml.device("default.qubit", wires=2)
    x0, x1 = 0.6, 0.8
    r4 = (x0**2 + x1**2) ** 2
    d2 = [2 * x0 * x1**2 / r4, -2 * x0**2 * x1 / r4]
    expected = onp.array([[0.0, 0.0], [0.0, 0.0], d2, [-d2[0], -d2[1]]])
    for method in ("parameter-shift", "adjoint"):
        @qml.qnode(dev, diff_method=method)
        def c(x):
            qml.AmplitudeEmbedding([0.0, 0.0, x[0], x[1]], wires=[0, 1], normalize=True)
            return qml.probs(wires=[0, 1])

        jac = qml.jacobian(c)(qml.numpy.array([x0, x1], requires_grad=True))
        onp.testing.assert_allclose(jac, expected, atol=1e-12)


# --- the data a state preparation stores (PennyLane's op.data) ----------------------------
@pytest.mark.parametrize("make, expected", [
    # normalize: [1, 1, 0, 0] / sqrt(2)
    (lambda: qml.StatePrep([1, 1, 0, 0], wires=[0, 1], normalize=True),
     [2 ** -0.5, 2 ** -0.5, 0.0, 0.0]),
    # pad_with means normalize: [3, 0] padded with 4 -> [3, 0, 4, 4] / sqrt(41)
    (lambda: qml.StatePrep(onp.array([3.0, 0.0]), wires=[0, 1], pad_with=4.0),
     [3 / 41 ** 0.5, 0.0, 4 / 41 ** 0.5, 4 / 41 ** 0.5]),
    (lambda: qml.AmplitudeEmbedding([3, 4], wires=0, normalize=True), [0.6, 0.8]),
    (lambda: qml.AmplitudeEmbedding([1.0, 1.0, 1.0], wires=[0, 1], pad_with=1.0), [0.5] * 4),
    # complex amplitudes: (1, i) / sqrt(2)
    (lambda: qml.StatePrep([1, 1j], wires=0, normalize=True), [2 ** -0.5, 1j * 2 ** -0.5]),
    # one norm per row of a batch: rows [1, 1] / sqrt(2) and [0, 2] / 2
    (lambda: qml.StatePrep(onp.array([[1, 1], [0, 2]]), wires=0, normalize=True),
     [[2 ** -0.5, 2 ** -0.5], [0.0, 1.0]]),
])
def test_state_preparation_data_is_the_padded_normalized_state(make, expected):
    op = make()
    assert isinstance(op.data[0], onp.ndarray)
    onp.testing.assert_allclose(op.data[0], expected, atol=1e-15)
    onp.testing.assert_allclose(op.parameters[0], expected, atol=1e-15)
    # the same operator again from its data and hyperparameters
    again = type(op)._unflatten(*op._flatten())
    onp.testing.assert_allclose(again.data[0], expected, atol=1e-15)


def test_state_preparation_data_keeps_a_state_of_norm_one_as_given():
    state = onp.array([0.6, 0.0, 0.0, 0.8])
    assert qml.StatePrep(state, wires=[0, 1], normalize=True).data[0] is state
    assert qml.MottonenStatePreparation(state, wires=[0, 1]).data[0] is state
    listed = qml.MottonenStatePreparation([0.6, 0.8], wires=0).data[0]
    assert isinstance(listed, onp.ndarray) and listed.tolist() == [0.6, 0.8]


def test_a_normalized_trainable_state_stays_trainable():
    op = qml.StatePrep(pnp.array([3.0, 4.0], requires_grad=True), wires=0, normalize=True)
    assert isinstance(op.data[0], pnp.tensor) and op.data[0].requires_grad
    onp.testing.assert_allclose(op.data[0], [0.6, 0.8])
    padded = qml.AmplitudeEmbedding(pnp.array([1.0], requires_grad=False), wires=0, pad_with=1.0)
    assert isinstance(padded.data[0], pnp.tensor) and not padded.data[0].requires_grad
    onp.testing.assert_allclose(padded.data[0], [2 ** -0.5, 2 ** -0.5])


def test_amplitude_embedding_takes_validate_norm():
    op = qml.AmplitudeEmbedding([0.6, 0.8], wires=0, validate_norm=False)
    assert op.hyperparameters == {"pad_with": None, "normalize": False, "validate_norm": False}
    with pytest.raises(Exception, match="norm"):
        qml.AmplitudeEmbedding([1.0, 1.0], wires=0)


def test_density_matrix_data_is_an_array():
    op = qml.QubitDensityMatrix([[1.0, 0.0], [0.0, 0.0]], wires=0)
    assert isinstance(op.data[0], onp.ndarray)
    assert op.data[0].tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_a_normalized_state_in_a_circuit_prepares_the_normalized_state():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.AmplitudeEmbedding([1.0, 2.0, 2.0], wires=[0, 1], pad_with=4.0)
        return qml.state()

    # [1, 2, 2, 4] / 5
    onp.testing.assert_allclose(circuit(), onp.array([1, 2, 2, 4]) / 5, atol=1e-12)
    tape = qml.workflow.construct_tape(circuit)()
    onp.testing.assert_allclose(tape.operations[0].data[0], [0.2, 0.4, 0.4, 0.8], atol=1e-15)
