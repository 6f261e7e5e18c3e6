"""PennyLane 0.45 semantics (issue #18): a first ``StatePrep``'s unnormalized derivative
under backpropagation, ``qml.exp`` observables, ... Expected values are closed forms
written here (NumPy matrices), finite differences or a second method."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import DifferentiationError, MeasurementError

Z = onp.diag([1.0, -1.0])
X = onp.array([[0.0, 1.0], [1.0, 0.0]])
Y = onp.array([[0.0, -1j], [1j, 0.0]])


def rx(t):
    return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])


# --- 1. StatePrep differentiated by its amplitudes -----------------------------------------
def _prep_circuit(diff_method, measure, wires=1, after=None, **kw):
    @qml.qnode(qml.device("default.qubit", wires=wires), diff_method=diff_method)
    def c(a):
        qml.StatePrep(a, wires=range(wires), **kw)
        if after:
            after(a)
        return measure()
    return c


@pytest.mark.parametrize("method", ["backprop", "best", None])
def test_first_stateprep_backprop_differentiates_unnormalized_amplitudes(method):
    # PennyLane's default.qubit starts from a itself: <Z> = a0^2 - a1^2, gradient 2 Z a
    kw = {} if method is None else {"diff_method": method}
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, **kw)
    def c(a):
        qml.StatePrep(a, wires=0)
        return qml.expval(qml.Z(0))

    for a in ([1.0, 0.0], [0.6, 0.8], [-0.28, 0.96]):
        g = qml.grad(c)(np.array(a, requires_grad=True))
        assert onp.allclose(g, 2 * Z @ onp.array(a), atol=1e-12)


def test_unnormalized_derivative_with_gates_after_and_argument_reuse():
    # f(a) = a^T M a with M = Re(U^dag O U), U = RX(a0): the product rule by hand
    a = onp.array([0.6, 0.8])
    c = _prep_circuit("backprop", lambda: qml.expval(qml.Y(0)), after=lambda a: qml.RX(a[0], 0))

    def f(v):
        psi = rx(v[0]) @ v.astype(complex)
        return float(onp.real(psi.conj() @ Y @ psi))

    h = 1e-6
    expected = [(f(a + h * e) - f(a - h * e)) / (2 * h) for e in onp.eye(2)]
    assert onp.allclose(qml.grad(c)(np.array(a, requires_grad=True)), expected, atol=1e-8)


def test_unnormalized_probs_var_identity_and_two_wires():
    a = onp.array([0.6, 0.8])
    probs = _prep_circuit("backprop", lambda: qml.probs(wires=0))
    assert onp.allclose(qml.jacobian(probs)(np.array(a, requires_grad=True)), onp.diag(2 * a))
    # var(X) = |a|^2 - (2 a0 a1)^2 unnormalized
    var = _prep_circuit("backprop", lambda: qml.var(qml.X(0)))
    expected = 2 * a - 2 * (2 * a[0] * a[1]) * onp.array([2 * a[1], 2 * a[0]])
    assert onp.allclose(qml.grad(var)(np.array(a, requires_grad=True)), expected)
    # an identity term scales with |a|^2 too: 0.5 I + X -> 0.5 * 2a + (2 a1, 2 a0)
    ham = _prep_circuit("backprop", lambda: qml.expval(0.5 * qml.I(0) + qml.X(0)))
    assert onp.allclose(qml.grad(ham)(np.array(a, requires_grad=True)), a + 2 * a[::-1])
    # two wires, CNOT after: grad = 2 M b with M = CNOT^T (Z x X) CNOT
    b = onp.array([0.1, 0.2, 0.3, 0.0]) / onp.sqrt(0.14)
    cnot = onp.eye(4)[[0, 1, 3, 2]]
    M = cnot.T @ onp.kron(Z, X) @ cnot
    c2 = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0) @ qml.X(1)), wires=2,
                       after=lambda a: qml.CNOT([0, 1]))
    assert onp.allclose(qml.grad(c2)(np.array(b, requires_grad=True)), 2 * M @ b)


def test_unnormalized_hessian_and_default_mixed():
    a = np.array([0.6, 0.8], requires_grad=True)
    c = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0)))
    assert onp.allclose(qml.jacobian(qml.grad(c))(a), 2 * Z)

    @qml.qnode(qml.device("default.mixed", wires=1))
    def m(a):
        qml.StatePrep(a, wires=0)
        return qml.expval(qml.Z(0))
    assert onp.allclose(qml.grad(m)(a), 2 * Z @ a)


def test_normalized_state_derivative_where_pennylane_differentiates_it():
    a = onp.array([0.6, 0.8])
    sphere = (onp.eye(2) - onp.outer(a, a)) @ (2 * Z @ a)   # d <Z>(a/|a|) at |a| = 1
    # parameter shift and adjoint: the normalized state's derivative (PennyLane's too)
    for method in ("parameter-shift", "adjoint"):
        c = _prep_circuit(method, lambda: qml.expval(qml.Z(0)))
        assert onp.allclose(qml.grad(c)(np.array(a, requires_grad=True)), sphere)
    # not the first operation: PennyLane decomposes it (Mottonen's rotations)

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="backprop")
    def late(a):
        qml.RX(0.2, 1)
        qml.StatePrep(a, wires=0)
        return qml.expval(qml.Z(0))
    assert onp.allclose(qml.grad(late)(np.array(a, requires_grad=True)), sphere)
    # normalize=True of a state whose norm is not 1: PennyLane divides by it
    far = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0)), normalize=True)
    assert onp.allclose(qml.grad(far)(np.array(2 * a, requires_grad=True)), sphere / 2)


def test_unnormalized_batch_of_states_is_refused():
    c = _prep_circuit("backprop", lambda: qml.expval(qml.Z(0)))
    with pytest.raises(DifferentiationError, match="batch of state vectors"):
        qml.jacobian(c)(np.array([[0.6, 0.8], [1.0, 0.0]], requires_grad=True))


# --- 2. qml.exp(H, c) of a real c measured: the observable exp(c H) ----------------------
def _expm_h(H, c):
    lam, V = onp.linalg.eigh(H)
    return (V * onp.exp(c * lam)) @ V.conj().T


def _bell_like(x):
    """H(0), RY(0.7) on 1, CNOT: the state, by matrices."""
    h = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    ry = onp.array([[onp.cos(0.35), -onp.sin(0.35)], [onp.sin(0.35), onp.cos(0.35)]])
    cnot = onp.eye(4)[[0, 1, 3, 2]]
    return cnot @ onp.kron(h, ry) @ onp.array([1, 0, 0, 0], dtype=complex)


@pytest.mark.parametrize("base, H", [
    (lambda: qml.Z(0), onp.kron(Z, onp.eye(2))),
    (lambda: qml.Z(0) @ qml.Z(1) + 0.5 * qml.X(0) @ qml.X(1),       # commuting words
     onp.kron(Z, Z) + 0.5 * onp.kron(X, X)),
    (lambda: qml.Z(0) + 0.5 * qml.X(0), onp.kron(Z + 0.5 * X, onp.eye(2))),  # non-commuting
])
def test_exp_of_real_coefficient_measured_as_observable(base, H):
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.Hadamard(0)
        qml.RY(0.7, 1)
        qml.CNOT([0, 1])
        return qml.expval(qml.exp(base(), x)), qml.var(qml.exp(base(), 0.3))

    psi = _bell_like(0)

    def expval(x):
        return float(onp.real(psi.conj() @ _expm_h(H, x) @ psi))

    x = 0.4
    E = _expm_h(H, 0.3)
    var = float(onp.real(psi.conj() @ E @ E @ psi)) - float(onp.real(psi.conj() @ E @ psi)) ** 2
    res = c(np.array(x, requires_grad=True))
    assert onp.allclose(res, [expval(x), var], atol=1e-12)
    grad = qml.grad(lambda x: c(x)[0])(np.array(x, requires_grad=True))
    assert onp.isclose(grad, (expval(x + 1e-6) - expval(x - 1e-6)) / 2e-6, atol=1e-7)


def test_exp_of_real_coefficient_not_measured_is_refused():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.exp(qml.Z(0), 0.5)
        return qml.expval(qml.Z(0))
    with pytest.raises(qml.errors.GateError, match="not unitary.*measure it"):
        c()

    @qml.qnode(qml.device("default.qubit", wires=1))
    def rotation(t):  # an imaginary coefficient is still a gate: exp(-i t/2 X) = RX(t)
        qml.exp(qml.X(0), -0.5j * t)
        return qml.expval(qml.Z(0))
    assert onp.isclose(rotation(np.array(0.8, requires_grad=True)), onp.cos(0.8))
    assert onp.isclose(qml.grad(rotation)(np.array(0.8, requires_grad=True)), -onp.sin(0.8))


# --- 4. qml.gradients.param_shift_cv is a final Transform --------------------------------
def test_param_shift_cv_is_a_final_transform():
    T = qml.gradients.param_shift_cv
    assert isinstance(T, qml.transforms.core.Transform) and repr(T) == "<transform: param_shift_cv>"
    dev = qml.device("default.gaussian", wires=1)
    t = qml.tape.QuantumScript([qml.Squeezing(0.3, 0.0, wires=0)], [qml.expval(qml.NumberOperator(0))])
    tapes, fn = T(t, dev)
    # <n> = sinh(r)^2 after squeezing the vacuum: d/dr = 2 sinh r cosh r, d/dphi = 0
    assert onp.allclose(fn(dev.execute(tapes)), [onp.sinh(0.6), 0.0])

    @qml.qnode(dev)
    def c(r):
        qml.Squeezing(r, 0.0, wires=0)
        return qml.expval(qml.NumberOperator(0))
    r = np.array(0.3, requires_grad=True)
    assert onp.isclose(T(c, dev)(r), onp.sinh(0.6))
    assert onp.isclose(qml.grad(qml.QNode(c.func, dev, diff_method=T))(r), onp.sinh(0.6))


# --- 6. a negative integer power of a gate without pow(z): its adjoint's gates ------------
def _u2(phi, lam):
    return onp.array([[1, -onp.exp(1j * lam)], [onp.exp(1j * phi), onp.exp(1j * (phi + lam))]]) / onp.sqrt(2)


def _rot(a, b, c):
    rz = lambda t: onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])
    ry = onp.array([[onp.cos(b / 2), -onp.sin(b / 2)], [onp.sin(b / 2), onp.cos(b / 2)]])
    return rz(c) @ ry @ rz(a)


def test_negative_integer_power_of_u2_and_rot_is_applied():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(0.3, 0)
        qml.U2(x, 0.4, wires=0) ** -1
        qml.pow(qml.Rot(0.1, x, 0.3, wires=0), -2)
        return qml.expval(qml.Y(0))

    def ref(x):
        U = onp.linalg.matrix_power(onp.linalg.inv(_rot(0.1, x, 0.3)), 2) @ onp.linalg.inv(_u2(x, 0.4))
        psi = U @ rx(0.3) @ onp.array([1, 0], dtype=complex)
        return float(onp.real(psi.conj() @ Y @ psi))

    x = np.array(0.7, requires_grad=True)
    assert onp.isclose(c(x), ref(0.7), atol=1e-12)
    assert onp.isclose(qml.grad(c)(x), (ref(0.7 + 1e-6) - ref(0.7 - 1e-6)) / 2e-6, atol=1e-8)
    with pytest.raises(qml.exceptions.DecompositionUndefinedError):  # PennyLane's: none
        (qml.U2(0.3, 0.4, wires=0) ** -1).decomposition()

    @qml.set_shots(20000)
    @qml.qnode(qml.device("default.qubit", wires=1, seed=7))
    def sampled():
        qml.RX(0.3, 0)
        qml.U2(0.7, 0.4, wires=0) ** -1
        return qml.expval(qml.Z(0))

    psi = onp.linalg.inv(_u2(0.7, 0.4)) @ rx(0.3) @ onp.array([1, 0], dtype=complex)
    assert abs(sampled() - float(onp.real(psi.conj() @ Z @ psi))) < 0.05


# --- 7. second derivatives of qml.var by trainable Hamiltonian coefficients ---------------
@pytest.mark.parametrize("method", ["finite-diff", "parameter-shift"])
def test_var_hessian_by_hamiltonian_coefficients(method):
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method, max_diff=2)
    def c(x, coeffs):
        qml.RX(x, 0)
        qml.RY(2 * x, 1)
        qml.CNOT([0, 1])
        return qml.var(qml.Hamiltonian(coeffs, [qml.Z(0), qml.X(0) @ qml.X(1), qml.Y(0)]))

    # var(sum c_i P_i) = c^T C c with C_ij = <{P_i, P_j}>/2 - <P_i><P_j>: Hessian 2 C
    ry = onp.array([[onp.cos(0.4), -onp.sin(0.4)], [onp.sin(0.4), onp.cos(0.4)]])
    psi = onp.eye(4)[[0, 1, 3, 2]] @ onp.kron(rx(0.4), ry) @ onp.array([1, 0, 0, 0], dtype=complex)
    P = [onp.kron(Z, onp.eye(2)), onp.kron(X, X), onp.kron(Y, onp.eye(2))]
    ev = lambda A: float(onp.real(psi.conj() @ A @ psi))
    C = onp.array([[ev(a @ b + b @ a) / 2 - ev(a) * ev(b) for b in P] for a in P])
    x = np.array(0.4, requires_grad=True)
    co = np.array([0.5, 0.3, -0.2], requires_grad=True)
    if method == "parameter-shift":
        # PennyLane 0.45.1 (run in /work/plvenv) refuses it, at the value call too: its
        # parameter shift splits trainable observables into terms, which a variance cannot
        for call in (lambda: c(x, co), lambda: qml.jacobian(c, argnum=1)(x, co)):
            with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coeff"):
                call()
        return
    hess = qml.jacobian(qml.jacobian(c, argnum=1), argnum=1)(x, co)
    assert onp.allclose(hess, 2 * C, atol=1e-5)
    assert onp.allclose(qml.jacobian(c, argnum=1)(x, co), 2 * C @ onp.array([0.5, 0.3, -0.2]),
                        atol=1e-5)


# --- 8. a batch of one under PennyLane's backpropagation: qml.grad gives a tensor ---------
def test_grad_of_a_batch_of_one_is_a_trainable_tensor_under_backprop():
    dev = qml.device("default.qubit", wires=1)
    for method, kind in (("best", np.tensor), ("backprop", np.tensor), ("adjoint", onp.ndarray)):
        @qml.qnode(dev, diff_method=method)
        def c(x):
            qml.RX(x, 0)
            return qml.expval(qml.Z(0))
        for _ in range(2):  # (the second call as the first)
            g = qml.grad(c)(np.array([0.3], requires_grad=True))
            assert type(g) is kind and onp.allclose(g, [-onp.sin(0.3)])
        if kind is np.tensor:
            assert g.requires_grad


# --- 9. one-shot: terminal measurements in the branch of each shot's mid-circuit values ---
@pytest.mark.parametrize("method", ["one-shot", "tree-traversal", None])
def test_one_shot_counts_and_samples_share_the_mid_circuit_values(method):
    dev = qml.device("default.qubit", wires=3, seed=11)

    @qml.set_shots(400)
    @qml.qnode(dev, mcm_method=method)
    def c(x):
        qml.RX(x, 0)
        m = qml.measure(0)
        qml.CNOT([0, 1])  # wire 1 copies the measured bit: Z(1) = 1 - 2 m in every shot
        return qml.sample(m), qml.sample(qml.Z(1)), qml.counts(m), qml.counts(qml.Z(1))

    ms, z1, cm, cz = c(1.1)
    assert onp.array_equal(1 - 2 * onp.asarray(ms), onp.asarray(z1))
    assert cm.get(1.0, 0) == cz.get(-1.0, 0) and cm.get(0.0, 0) == cz.get(1.0, 0)
    # the marginal is still P(m = 1) = sin(x/2)^2 (within 5 standard deviations)
    p = onp.sin(0.55) ** 2
    assert abs(onp.mean(ms) - p) < 5 * onp.sqrt(p * (1 - p) / 400)


def test_conditional_draw_keeps_the_given_outcomes():
    from qsym._shots import conditional_draw
    psi = onp.array([0.6, 0.0, 0.0, 0.8j])  # 0.6|00> + 0.8i|11>: the bits always agree
    given = onp.array([1, 0, 0, 1, 1])
    d = conditional_draw(psi, 2, given, (0,), onp.random.default_rng(2))
    assert d.bits([0, 1]).tolist() == [[g, g] for g in given]


def test_exp_of_a_batch_of_imaginary_coefficients_is_still_applied():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.exp(qml.X(0), 0.5j * x)  # RX(-x): <Y> = sin(x)
        return qml.expval(qml.Y(0))
    x = np.array([1.234, 2.34, 3.456])
    assert onp.allclose(c(x), onp.sin(x))


def test_exp_matrix_of_a_trainable_coefficient_warns_without_diagonalizing_gates():
    op = qml.exp(qml.RX(2.0, wires=0), np.array(0.4, requires_grad=True))
    with pytest.warns(UserWarning, match="The autograd matrix for "):
        mat = op.matrix()
    c, s = onp.cos(1.0), onp.sin(1.0)  # exp(0.4 RX(2)) by its eigendecomposition
    lam, V = onp.linalg.eig(onp.array([[c, -1j * s], [-1j * s, c]]))
    assert onp.allclose(mat, V @ onp.diag(onp.exp(0.4 * lam)) @ onp.linalg.inv(V))


def test_stateprep_resources_and_decomposition_rule():
    assert qml.StatePrep.resource_keys == frozenset({"num_wires"})
    assert qml.StatePrep([0, 0, 0, 1], wires=(0, 1)).resource_params == {"num_wires": 2}
    rule = qml.list_decomps(qml.StatePrep)[0]
    res = rule.compute_resources(num_wires=2)
    assert res.num_gates == 1
    assert res.gate_counts == {qml.resource_rep(qml.MottonenStatePreparation, num_wires=2): 1}
    with qml.queuing.AnnotatedQueue() as q:
        rule(onp.array([0.0, 0.6, 0.0, 0.8]), wires=(0, 1))
    (op,) = q.queue
    assert isinstance(op, qml.MottonenStatePreparation) and list(op.wires) == [0, 1]
    # its gates prepare the state: the matrix's first column
    assert onp.allclose(qml.matrix(op, wire_order=[0, 1])[:, 0], [0.0, 0.6, 0.0, 0.8])


def test_unnormalized_state_jacobian_under_backprop():
    a = np.array([0.6, 0.8], requires_grad=True)

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="backprop")
    def pure(a):
        qml.StatePrep(a, wires=0)
        return qml.state()
    assert onp.allclose(qml.jacobian(pure)(a), onp.eye(2))  # the state is a itself

    @qml.qnode(qml.device("default.mixed", wires=1), diff_method="backprop")
    def mixed(a):
        qml.StatePrep(a, wires=0)
        return qml.state()
    # rho = a a^T: d rho_ij / d a_k = delta_ik a_j + a_i delta_jk
    expected = onp.einsum("ik,j->ijk", onp.eye(2), a) + onp.einsum("i,jk->ijk", a, onp.eye(2))
    assert onp.allclose(qml.jacobian(mixed)(a), expected)


def test_unnormalized_state_hessian_under_backprop():
    a = np.array([0.6, 0.8], requires_grad=True)

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="backprop", max_diff=2)
    def c(a):
        qml.StatePrep(a, wires=0)
        qml.RY(a[0], 0)
        return qml.state()

    def f(v):  # the unnormalized state RY(v0) v, by its matrix
        t = v[0] / 2
        return onp.array([[onp.cos(t), -onp.sin(t)], [onp.sin(t), onp.cos(t)]]) @ v

    def jac(v, h=1e-5):
        return onp.stack([(f(v + h * e) - f(v - h * e)) / (2 * h) for e in onp.eye(2)], axis=-1)

    v = onp.array([0.6, 0.8])
    hess = onp.stack([(jac(v + 1e-4 * e) - jac(v - 1e-4 * e)) / 2e-4 for e in onp.eye(2)], axis=-1)
    assert onp.allclose(qml.jacobian(c)(a), jac(v), atol=1e-7)
    assert onp.allclose(qml.jacobian(qml.jacobian(c))(a), hess, atol=1e-5)


def test_measured_exponentials_qsym_cannot_measure_are_refused_precisely():
    """exp(c H) measured: a non-Hermitian exponent (an imaginary c), and a base whose words
    do not commute with coefficients that are circuit inputs (no eigenspaces of numbers),
    each raise MeasurementError saying why, never a number."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def inputs_in_base(x):
        qml.RX(0.2, wires=0)
        return qml.expval(qml.exp(x * qml.Z(0) + qml.X(0), 0.3))

    @qml.qnode(dev)
    def imaginary(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.exp(qml.Z(0), 0.3j))

    with pytest.raises(MeasurementError, match="do not commute and whose coefficients"):
        inputs_in_base(np.array(0.4))
    with pytest.raises(MeasurementError, match="is not Hermitian"):
        imaginary(np.array(0.4))
