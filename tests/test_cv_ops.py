"""PennyLane's continuous-variable operations and observables (qml.ops.cv, qsym/_cv.py):
their Heisenberg matrices checked against the symplectic form, against the Bogoliubov
transformations of the ladder operators written by hand, and against the gates' unitaries
on a truncated Fock space; adjoints, expansion, derivatives, labels; refusal in qubit
circuits (issue #18)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

import qsym as qml
from qsym.ops import cv
from qsym.wires import Wires

RNG = np.random.default_rng(7)


def _random_unitary(n):
    q, r = np.linalg.qr(RNG.normal(size=(n, n)) + 1j * RNG.normal(size=(n, n)))
    return q * (np.diag(r) / abs(np.diag(r)))


# (gate, its parameters) for every Gaussian gate
GAUSSIAN = [
    (cv.Rotation, (0.7,)), (cv.Squeezing, (0.4, 1.1)), (cv.Displacement, (0.8, -0.6)),
    (cv.Beamsplitter, (0.5, 0.9)), (cv.TwoModeSqueezing, (0.3, -1.2)),
    (cv.QuadraticPhase, (0.45,)), (cv.ControlledAddition, (-0.8,)),
    (cv.ControlledPhase, (1.3,)), (cv.InterferometerUnitary, (_random_unitary(3),)),
]


def _omega(modes):
    return np.kron(np.eye(modes), np.array([[0.0, 1.0], [-1.0, 0.0]]))


@pytest.mark.parametrize("gate, params", GAUSSIAN, ids=lambda x: getattr(x, "__name__", ""))
def test_gaussian_gates_preserve_the_symplectic_form(gate, params):
    M = gate._heisenberg_rep(list(params))
    S = M[1:, 1:]
    modes = len(S) // 2
    assert np.allclose(S @ _omega(modes) @ S.T, _omega(modes))
    assert np.allclose(M[0], np.eye(len(M))[0])  # the identity stays the identity
    assert gate.supports_heisenberg and gate.grad_method in ("A", None)


# the ladder operators' transformations U^† a_k U = sum_j alpha_kj a_j + beta_kj a_j^† + g_k,
# as the textbooks write them (hbar = 2: x = a + a^†, p = -i (a - a^†))
def _bogoliubov(name, p):
    c, s, e = np.cos, np.sin, np.exp
    if name == "Rotation":
        return np.array([[e(1j * p[0])]]), np.zeros((1, 1)), np.zeros(1)
    if name == "Displacement":
        return np.eye(1), np.zeros((1, 1)), np.array([p[0] * e(1j * p[1])])
    if name == "Squeezing":
        return (np.array([[np.cosh(p[0])]]), np.array([[-e(1j * p[1]) * np.sinh(p[0])]]),
                np.zeros(1))
    if name == "Beamsplitter":
        alpha = np.array([[c(p[0]), -e(-1j * p[1]) * s(p[0])], [e(1j * p[1]) * s(p[0]), c(p[0])]])
        return alpha, np.zeros((2, 2)), np.zeros(2)
    if name == "TwoModeSqueezing":
        beta = e(1j * p[1]) * np.sinh(p[0]) * np.array([[0, 1], [1, 0]])
        return np.cosh(p[0]) * np.eye(2), beta, np.zeros(2)
    if name == "InterferometerUnitary":
        return p[0], np.zeros_like(p[0]), np.zeros(len(p[0]))
    raise KeyError(name)


def _real_matrix(alpha, beta, gamma):
    """The (I, x_0, p_0, ...) matrix of a Bogoliubov transformation: a = (x + i p) / 2."""
    n = len(alpha)
    M = np.eye(1 + 2 * n)
    for k in range(n):
        # x_k = a_k + a_k^†, p_k = -i a_k + i a_k^†; a_j = (x_j + i p_j)/2, a_j^† = (x_j - i p_j)/2
        a_row = np.zeros(2 * n, complex)  # a_k' in (x_j, p_j)
        for j in range(n):
            a_row[2 * j] += (alpha[k, j] + beta[k, j]) / 2
            a_row[2 * j + 1] += 1j * (alpha[k, j] - beta[k, j]) / 2
        x_row, p_row = 2 * a_row.real, 2 * a_row.imag
        M[1 + 2 * k, 1:], M[2 + 2 * k, 1:] = x_row, p_row
        M[1 + 2 * k, 0], M[2 + 2 * k, 0] = 2 * gamma[k].real, 2 * gamma[k].imag
    return M


@pytest.mark.parametrize("gate, params", [g for g in GAUSSIAN if g[0].__name__ in (
    "Rotation", "Displacement", "Squeezing", "Beamsplitter", "TwoModeSqueezing",
    "InterferometerUnitary")], ids=lambda x: getattr(x, "__name__", ""))
def test_heisenberg_matrices_match_the_bogoliubov_transformations(gate, params):
    expected = _real_matrix(*_bogoliubov(gate.__name__, params))
    assert np.allclose(gate._heisenberg_rep(list(params)), expected)


def test_the_shear_gates_by_hand():
    s = 0.37
    # P(s): p -> p + s x;  CX(s): x_1 -> x_1 + s x_0, p_0 -> p_0 - s p_1;
    # CZ(s): p_0 -> p_0 + s x_1, p_1 -> p_1 + s x_0
    assert np.allclose(cv.QuadraticPhase._heisenberg_rep([s]),
                       [[1, 0, 0], [0, 1, 0], [0, s, 1]])
    cx = np.eye(5)
    cx[3, 1], cx[2, 4] = s, -s
    assert np.allclose(cv.ControlledAddition._heisenberg_rep([s]), cx)
    cz = np.eye(5)
    cz[2, 3], cz[4, 1] = s, s
    assert np.allclose(cv.ControlledPhase._heisenberg_rep([s]), cz)


def test_displacement_closed_form():
    a, phi = 0.65, 2.2
    hand = np.array([[1, 0, 0], [2 * a * np.cos(phi), 1, 0], [2 * a * np.sin(phi), 0, 1]])
    assert np.allclose(cv.Displacement(a, phi, wires=0).heisenberg_tr([0]), hand)


def test_rotations_compose():
    a, b = 0.4, -1.9
    R = cv.Rotation._heisenberg_rep
    assert np.allclose(R([a]) @ R([b]), R([a + b]))
    assert np.allclose(R([2 * np.pi]), np.eye(3))


# ---- a second method: the gates' unitaries on a truncated Fock space ----------------------
N = 40
LOWER = np.diag(np.sqrt(np.arange(1, N)), 1)


def _fock_unitary(name, p):
    a, ad = LOWER, LOWER.conj().T
    if name == "Rotation":  # exp(i phi n)
        return expm(1j * p[0] * ad @ a)
    if name == "Displacement":  # exp(alpha a^† - alpha^* a)
        alpha = p[0] * np.exp(1j * p[1])
        return expm(alpha * ad - np.conj(alpha) * a)
    if name == "Squeezing":  # exp(r/2 (e^{-i phi} a^2 - e^{i phi} a^†2))
        return expm(p[0] / 2 * (np.exp(-1j * p[1]) * a @ a - np.exp(1j * p[1]) * ad @ ad))
    raise KeyError(name)


@pytest.mark.parametrize("name, params", [("Rotation", (0.9,)), ("Displacement", (0.3, 0.8)),
                                          ("Squeezing", (0.2, -0.7))])
def test_heisenberg_matrices_match_the_fock_space_unitaries(name, params):
    U = _fock_unitary(name, params)
    x, p = LOWER + LOWER.T, -1j * (LOWER - LOWER.T)
    r = [np.eye(N), x, p]
    M = getattr(cv, name)._heisenberg_rep(list(params))
    low = slice(0, 6)  # far from the truncation
    for i in (1, 2):
        lhs = (U.conj().T @ r[i] @ U)[low, low]
        rhs = sum(M[i, j] * r[j] for j in range(3))[low, low]
        assert np.allclose(lhs, rhs, atol=1e-8)


def test_number_operator_coefficients():
    # n = (x^2 + p^2) / (2 hbar) - 1/2 with hbar = 2, in the truncated Fock space
    x, p = LOWER + LOWER.T, -1j * (LOWER - LOWER.T)
    q = cv.NumberOperator(0).heisenberg_obs(Wires([0]))
    r = [np.eye(N), x, p]
    n = sum(q[i, j] * r[i] @ r[j] for i in range(3) for j in range(3))
    assert np.allclose(np.diag(n)[:10], np.arange(10))
    assert cv.NumberOperator.ev_order == 2 and cv.QuadX.ev_order == 1


# ---- adjoints, inverses, derivatives, expansion ---------------------------------------------
@pytest.mark.parametrize("gate, params", GAUSSIAN, ids=lambda x: getattr(x, "__name__", ""))
def test_adjoint_and_inverse_give_the_inverse_matrix(gate, params):
    wires = list(range(len(gate._heisenberg_rep(list(params))) // 2))
    op = gate(*params, wires=wires)
    M = op.heisenberg_tr(wires)
    assert np.allclose(op.heisenberg_tr(wires, inverse=True), np.linalg.inv(M))
    if gate is cv.QuadraticPhase:  # PennyLane defines no adjoint() for it
        with pytest.raises(qml.errors.AdjointUndefinedError):
            op.adjoint()
        return
    adj = op.adjoint()
    assert type(adj) is gate and adj.wires == op.wires
    assert np.allclose(adj.heisenberg_tr(wires) @ M, np.eye(len(M)))


def test_non_gaussian_gates():
    for op in (cv.Kerr(0.1, wires=0), cv.CrossKerr(0.1, wires=[0, 1]), cv.CubicPhase(0.1, wires=0)):
        assert op.adjoint().data == (-0.1,) and not op.supports_heisenberg
        with pytest.raises(RuntimeError, match="not a Gaussian operation"):
            op.heisenberg_tr(op.wires)


@pytest.mark.parametrize("gate, params", GAUSSIAN[:-1], ids=lambda x: getattr(x, "__name__", ""))
def test_heisenberg_pd_is_the_derivative(gate, params):
    op = gate(*params, wires=list(range(gate.num_wires)))
    for idx in range(gate.num_params):
        h = 1e-6
        up, down = list(params), list(params)
        up[idx] += h
        down[idx] -= h
        fd = (gate._heisenberg_rep(up) - gate._heisenberg_rep(down)) / (2 * h)
        # the recipes with a finite shift of 0.1 are exact where the matrix is linear or
        # exponential in the parameter (Displacement's a, the shears; sinh/cosh of r)
        assert np.allclose(op.heisenberg_pd(idx), fd, atol=1e-6)


def test_heisenberg_expand_places_the_block():
    op = cv.Rotation(0.3, wires="b")
    M = op.heisenberg_tr(Wires(["a", "b", "c"]))
    expected = np.eye(7)
    expected[3:5, 3:5] = [[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]]
    assert np.allclose(M, expected)
    bs = cv.Beamsplitter(0.4, 0.1, wires=[2, 0]).heisenberg_tr(Wires([0, 1, 2]))
    local = cv.Beamsplitter._heisenberg_rep([0.4, 0.1])
    # local modes (wire 2, wire 0) sit at device modes 2 and 0
    assert np.allclose(bs[5:7, 1:3], local[1:3, 3:5]) and np.allclose(bs[3:5, 3:5], np.eye(2))
    assert np.allclose(cv.QuadP(wires=1).heisenberg_obs(Wires([0, 1])), [0, 0, 0, 0, 1])
    obs = cv.NumberOperator(1).heisenberg_obs(Wires([0, 1]))
    assert np.allclose(obs, np.diag([-0.5, 0, 0, 0.25, 0.25]))  # zero off the observable
    with pytest.raises(ValueError, match="do not exist"):
        op.heisenberg_tr(Wires([0, 1]))


# ---- records: construction, labels, refusal --------------------------------------------------
def test_records():
    op = cv.Displacement(a=0.1, phi=0.2, wires=3)
    assert op.data == (0.1, 0.2) and op.parameters == [0.1, 0.2] and op.wires == Wires([3])
    assert repr(op) == "Displacement(0.1, 0.2, wires=[3])"
    assert type(cv.TensorN(wires=[4])) is cv.NumberOperator
    assert cv.TensorN(wires=[0, 1]).label() == "n⊗n"
    assert cv.QuadX(2).wires == Wires([2]) and qml.Rotation is cv.Rotation
    with pytest.raises(ValueError, match="wrong number of wires"):
        cv.Beamsplitter(0.1, 0.2, wires=0)
    with pytest.raises(ValueError, match="wrong number of parameters"):
        cv.Rotation(0.1, 0.2, wires=0)
    assert cv.Squeezing.grad_recipe[0][0][0] == pytest.approx(0.5 / np.sinh(0.1))
    assert cv.FockState(3, wires=0).label(base_label="F", decimals=1) == "F\n(3)"
    assert len(cv.__ops__) == 21 and len(cv.__obs__) == 7 and "QuadX" in cv.__obs__


def test_a_users_class_takes_as_many_parameters_as_given():
    # PennyLane's Operator.num_params default: the count passed (a class may fix it)
    class Free(qml.operation.CVOperation):
        num_wires = 1

    assert Free(wires=1).num_params == 0 and Free(wires=1).data == ()
    two = Free(0.1, 0.2, 5)  # the wires last, by position
    assert two.num_params == 2 and two.data == (0.1, 0.2) and two.wires == Wires([5])

    class Fixed(qml.operation.CVOperation):
        num_wires = 1

        @property
        def num_params(self):
            return 2

    with pytest.raises(ValueError, match="1 parameters passed, 2 expected"):
        Fixed(0.1, wires=0)
    op = Free(wires=1)  # heisenberg_expand's checks on a record of no parameters
    with pytest.raises(ValueError, match="do not exist on this device"):
        op.heisenberg_expand(np.eye(3), Wires(["a", "b"]))
    with pytest.raises(ValueError, match="wrong size"):
        op.heisenberg_expand(np.eye(1), op.wires)
    with pytest.raises(ValueError, match="order-1 and order-2"):
        op.heisenberg_expand(np.zeros((3, 3, 3)), op.wires)


def test_qubit_circuits_refuse_them():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def applies():
        cv.Displacement(0.1, 0.0, wires=0)
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def measures(obs):
        return qml.expval(obs)

    with pytest.raises(qml.GateError, match=r"qml\.Displacement is a continuous-variable"):
        applies()
    with pytest.raises(qml.errors.MeasurementError, match=r"qml\.QuadX is a continuous-var"):
        measures(cv.QuadX(0))


@pytest.mark.parametrize("op", [cv.NumberOperator(wires=0), cv.QuadX(wires=1),
                                cv.Squeezing(0.1, 0.2, wires=0)])
def test_cv_operators_have_no_matrix_or_eigenvalues(op):
    """PennyLane's: an operator on an infinite-dimensional mode has no matrix and no
    eigenvalues (MatrixUndefinedError, EigvalsUndefinedError), and a measurement of one
    raises the latter from its eigvals() (it raised AttributeError)."""
    assert op.has_matrix is False
    with pytest.raises(qml.operation.MatrixUndefinedError):
        op.matrix()
    with pytest.raises(qml.operation.EigvalsUndefinedError):
        op.eigvals()
    with pytest.raises(qml.operation.EigvalsUndefinedError):
        type(op).compute_eigvals(*op.data)


def test_expectation_of_a_cv_observable_has_no_eigenvalues():
    m = qml.expval(op=qml.NumberOperator(wires=0))
    with pytest.raises(qml.operation.EigvalsUndefinedError, match="NumberOperator"):
        m.eigvals()


def test_measurements_of_operators_qsym_does_not_measure_compare_by_the_operator():
    """qml.equal of qml.expval(op) for an op qsym measures on no qubit device (a CV
    observable, a gate without a Pauli form) compares the operators, as PennyLane's (it
    raised the MeasurementError of measuring them)."""
    e = qml.expval
    assert qml.equal(e(qml.NumberOperator(0)), e(qml.NumberOperator(0)))
    assert not qml.equal(e(qml.NumberOperator(0)), e(qml.NumberOperator(1)))
    assert not qml.equal(e(qml.NumberOperator(0)), e(qml.QuadX(0)))
    assert qml.equal(e(qml.RX(0.5, 0)), e(qml.RX(0.5, 0)))
    assert not qml.equal(e(qml.RX(0.5, 0)), e(qml.RX(0.6, 0)))
    assert not qml.equal(e(qml.RX(0.5, 0)), e(qml.Z(0)))
