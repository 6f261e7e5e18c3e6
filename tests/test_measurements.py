"""Hermitian and Projector observables against dense NumPy references."""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym import _ir as ir, _symbolic as symbolic
from qsym._shapes import flat

from conftest import random_circuit_function


def random_hermitian(rng, k):
    a = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
    return a + a.conj().T


def dense_expval(state, M, wires, n):
    """<psi| M on wires |psi> by reshaping the state: independent of Pauli decompositions."""
    psi = state.reshape((2,) * n)
    k = len(wires)
    m = M.reshape((2,) * (2 * k))
    phi = np.tensordot(m, psi, axes=(list(range(k, 2 * k)), list(wires)))
    phi = np.moveaxis(phi, list(range(k)), list(wires))
    return np.vdot(psi.ravel(), phi.ravel()).real


@pytest.mark.parametrize("k", [1, 2, 3])
def test_hermitian_expectation_and_gradients(k):
    rng = np.random.default_rng(k)
    n = 3
    M = random_hermitian(rng, k)
    wires = [int(w) for w in rng.permutation(n)[:k]]
    body = random_circuit_function(40 + k, n, n_ops=8)

    def fn(x, y, data=None):
        body(x, y, data=data)  # its own measurement is discarded
        return qml.expval(qml.Hermitian(M, wires=wires))

    x, y, data = np.array([0.3, -0.8, 1.2]), 0.6, np.array([0.5, -0.4])
    for method in ("parameter-shift", "adjoint"):
        node = qml.QNode(fn, qml.device("default.qubit", wires=n), diff_method=method)
        out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
        _, xs, ds = node.compiled((x, y), {"data": data})
        state = ir.final_state(entry.circuit, flat(xs), flat(ds))
        assert out[0] == pytest.approx(dense_expval(state, M, wires, n), abs=1e-10)
        np.testing.assert_allclose(
            jac, symbolic.exact_jacobian(entry.circuit, flat(xs), flat(ds)), atol=1e-10
        )


def test_projector_basis_state_and_state_vector():
    dev = qml.device("default.qubit", wires=2)
    v = np.array([1, 1j, 0, 1]) / np.sqrt(3)

    @qml.qnode(dev)
    def c(t):
        qml.RY(t, wires=0)
        qml.CNOT(wires=[0, 1])
        return (qml.expval(qml.Projector([1, 1], wires=[0, 1])),
                qml.expval(qml.Projector(v, wires=[0, 1])))

    t = 0.7
    state = np.array([np.cos(t / 2), 0, 0, np.sin(t / 2)])
    p11, pv = c(t)
    assert p11 == pytest.approx(np.sin(t / 2) ** 2, abs=1e-12)
    assert pv == pytest.approx(abs(np.vdot(v, state)) ** 2, abs=1e-12)
    assert qml.jacobian(c, argnum=0)(t)[0] == pytest.approx(np.sin(t) / 2, abs=1e-12)


def test_bad_observables_are_refused():
    with pytest.raises(qml.MeasurementError, match="not Hermitian"):
        qml.Hermitian([[0, 1], [0, 0]], wires=0)
    with pytest.raises(qml.MeasurementError, match="4x4"):
        qml.Hermitian(np.eye(2), wires=[0, 1])
    with pytest.raises(qml.MeasurementError, match="norm"):
        qml.Projector([1, 1, 0, 0], wires=[0, 1])
    with pytest.raises(qml.MeasurementError, match="basis state"):
        qml.Projector([1, 0, 1], wires=[0, 1])


@pytest.mark.parametrize("obs", [
    lambda v: qml.Hamiltonian(v, [qml.PauliX(0) @ qml.PauliZ(0), qml.PauliZ(0)]),  # -i v0 Y
    lambda v: qml.Hamiltonian(v, [qml.PauliZ(0) @ qml.Hadamard(0), qml.PauliX(0)]),
    lambda v: v[0] * qml.prod(qml.PauliY(0), qml.PauliX(0)) + v[1] * qml.PauliZ(0),
])
def test_an_argument_times_a_non_hermitian_product_is_refused(obs):
    """A coefficient that is an argument times an imaginary constant (``X(0) @ Z(0)`` is
    ``-i Y(0)``) is as non-Hermitian as a complex number: refused by name, on every tier,
    before any code runs (it reached the generated code's ``float()``: a ``TypeError``)."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(v):
        qml.RX(0.3, wires=0)
        return qml.expval(obs(v))

    with pytest.raises(qml.MeasurementError, match="not Hermitian"):
        c(pnp.array([0.2, -0.543], requires_grad=True))


def test_an_argument_times_a_hermitian_word_is_accepted():
    """The refusal above looks at the constant factor only: an argument times a real constant
    or a real function of arguments stays accepted (checked against the closed form)."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(v):
        qml.RX(v[1], wires=0)
        return qml.expval(qml.Hamiltonian([2.0 * v[0], pnp.cos(v[1])],
                                          [qml.PauliZ(0), qml.PauliX(0) @ qml.PauliX(0)]))

    v = pnp.array([0.2, 0.7], requires_grad=True)
    assert c(v) == pytest.approx(2 * 0.2 * np.cos(0.7) + np.cos(0.7), abs=1e-12)


def test_var_and_probs_closed_forms():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(t):
        qml.RX(t, wires=0)
        return qml.var(qml.PauliZ(0)), qml.probs(wires=[0])

    t = 0.8
    v, p = c(t)
    # <Z> = cos t: var = 1 - cos^2 t = sin^2 t; probs = (cos^2(t/2), sin^2(t/2))
    assert v == pytest.approx(np.sin(t) ** 2, abs=1e-12)
    np.testing.assert_allclose(p, [np.cos(t / 2) ** 2, np.sin(t / 2) ** 2], atol=1e-12)
    jv, jp = qml.jacobian(c, argnum=0)(t)
    assert jv == pytest.approx(np.sin(2 * t), abs=1e-12)
    np.testing.assert_allclose(jp, [-np.sin(t) / 2, np.sin(t) / 2], atol=1e-12)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_var_and_probs_on_random_circuits_against_the_reference(method):
    n = 3
    body = random_circuit_function(77, n, n_ops=9)
    H = qml.Hamiltonian([0.7, -1.3], [qml.PauliX(0) @ qml.PauliZ(2), qml.PauliY(1)])
    M = random_hermitian(np.random.default_rng(5), 1)

    def fn(x, y, data=None):
        body(x, y, data=data)
        return (qml.var(H), qml.probs(wires=[2, 0]), qml.var(qml.Hermitian(M, wires=1)),
                qml.probs())

    node = qml.QNode(fn, qml.device("default.qubit", wires=n), diff_method=method)
    x, y, data = np.array([0.3, -0.8, 1.2]), 0.6, np.array([0.5, -0.4])
    vals = node(x, y, data=data)
    assert vals[1].shape == (4,) and vals[3].shape == (8,)
    out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
    _, xs, ds = node.compiled((x, y), {"data": data})
    xf, df = flat(xs), flat(ds)
    flat_vals = np.concatenate([np.atleast_1d(v) for v in vals])
    np.testing.assert_allclose(flat_vals, ir.simulate(entry.circuit, xf, df), atol=1e-10)
    got = symbolic.compiled_jacobian(entry, out, jac)
    np.testing.assert_allclose(got, symbolic.exact_jacobian(entry.circuit, xf, df), atol=1e-10)
    fd = symbolic.finite_difference_jacobian(entry.circuit, xf, df, h=1e-5)
    np.testing.assert_allclose(got, fd, atol=1e-7)
    # probabilities sum to one, so their derivatives sum to zero
    np.testing.assert_allclose(got[1:5].sum(axis=0), 0, atol=1e-12)  # rows 1-4: probs([2, 0])
    np.testing.assert_allclose(got[6:14].sum(axis=0), 0, atol=1e-12)  # rows 6-13: probs()


def test_probs_shapes_and_grad_refusal():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(w):
        qml.RY(w[0], wires=0)
        qml.RY(w[1], wires=1)
        return qml.probs(wires=[1, 0])

    w = np.array([0.4, 1.1])
    p = c(w)
    a0, a1 = np.cos(w[0] / 2) ** 2, np.cos(w[1] / 2) ** 2
    # wire 1 is the most significant bit here
    np.testing.assert_allclose(p, [a1 * a0, a1 * (1 - a0), (1 - a1) * a0, (1 - a1) * (1 - a0)],
                               atol=1e-12)
    assert qml.jacobian(c, argnum=0)(w).shape == (4, 2)
    with pytest.raises(qml.DifferentiationError, match="jacobian"):
        qml.grad(c, argnum=0)(w)
    with pytest.raises(qml.MeasurementError, match="op="):  # probs(op=...) of a Hamiltonian
        qml.probs(op=qml.Hamiltonian([1.0, 1.0], [qml.PauliX(0), qml.PauliZ(1)]))


def test_state_is_the_reference_state():
    n = 3
    body = random_circuit_function(91, n, n_ops=8)

    def fn(x, y, data=None):
        body(x, y, data=data)
        return qml.state()

    node = qml.QNode(fn, qml.device("default.qubit", wires=n))
    x, y, data = np.array([0.3, -0.8, 1.2]), 0.6, np.array([0.5, -0.4])
    psi = node(x, y, data=data)
    assert psi.dtype == complex and psi.shape == (8,)
    entry, xs, ds = node.compiled((x, y), {"data": data})
    np.testing.assert_allclose(psi, ir.final_state(entry.circuit, flat(xs), flat(ds)), atol=1e-12)


def _bell_phase(a, b):
    """RY(a) on 0, CNOT, RZ(b) on 1: cos(a/2) e^(-ib/2) |00> + sin(a/2) e^(ib/2) |11>,
    and its derivatives by a and b, written out by hand."""
    c, s, m, p = np.cos(a / 2), np.sin(a / 2), np.exp(-0.5j * b), np.exp(0.5j * b)
    psi = np.array([c * m, 0, 0, s * p])
    da = np.array([-s * m / 2, 0, 0, c * p / 2])
    db = np.array([-0.5j * c * m, 0, 0, 0.5j * s * p])
    return psi, da, db


def _bell_phase_node(*measure, **options):
    @qml.qnode(qml.device("default.qubit", wires=2), **options)
    def node(a, b):
        qml.RY(a, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RZ(b, wires=1)
        return measure[0]() if len(measure) == 1 else tuple(m() for m in measure)
    return node


@pytest.mark.parametrize("method", ["best", "parameter-shift", "backprop"])
def test_state_jacobian_is_the_hand_derived_one(method):
    node = _bell_phase_node(qml.state, diff_method=method)
    a, b = qml.numpy.array(0.7), qml.numpy.array(-0.4)
    psi, da, db = _bell_phase(0.7, -0.4)
    if method == "parameter-shift":  # PennyLane 0.45.1's assert_no_state_returns (its
        # measurements/test_state.py::test_jacobian_not_supported): a hardware method
        for f in (node, lambda a, b: qml.numpy.real(node(a, b))):
            with pytest.raises(ValueError, match="parameter-shift rule gradient transform "
                                                 "is not supported"):
                qml.jacobian(f)(a, b)
        return
    ja, jb = qml.jacobian(node)(a, b)  # the complex Jacobian of the amplitudes
    assert ja.dtype == complex and ja.shape == (4,)
    np.testing.assert_allclose(ja, da, atol=1e-12)
    np.testing.assert_allclose(jb, db, atol=1e-12)
    # through autograd (PennyLane's pattern: differentiate the real and imaginary parts)
    re = qml.jacobian(lambda a, b: qml.numpy.real(node(a, b)))(a, b)
    im = qml.jacobian(lambda a, b: qml.numpy.imag(node(a, b)))(a, b)
    for got, want in ((re, (da.real, db.real)), (im, (da.imag, db.imag))):
        np.testing.assert_allclose(got[0], want[0], atol=1e-12)
        np.testing.assert_allclose(got[1], want[1], atol=1e-12)
    with pytest.raises(qml.DifferentiationError, match="one scalar"):
        qml.grad(node)(a, b)
    # second derivatives by hand: d^2/da^2 (cos(a/2), sin(a/2)) = -(cos(a/2), sin(a/2)) / 4,
    # d^2/db^2 e^(-+ib/2) = -e^(-+ib/2) / 4, d^2/dadb: the products of the first ones
    c, s, m, p = np.cos(0.35), np.sin(0.35), np.exp(0.2j), np.exp(-0.2j)
    haa = np.array([-c * m / 4, 0, 0, -s * p / 4])
    hab = np.array([0.25j * s * m, 0, 0, 0.25j * c * p])
    hbb = np.array([-c * m / 4, 0, 0, -s * p / 4])
    for part in (qml.numpy.real, qml.numpy.imag):
        got = qml.jacobian(qml.jacobian(lambda a, b: part(node(a, b)), argnum=[0, 1]),
                           argnum=[0, 1])(a, b)
        want = ((part(haa), part(hab)), (part(hab), part(hbb)))
        for i in range(2):
            for j in range(2):
                np.testing.assert_allclose(got[i][j], want[i][j], atol=1e-12)
    assert qml.hessian(lambda a: qml.numpy.real(node(a, b))[3])(a) == pytest.approx(
        -s * p.real / 4, abs=1e-12)


def test_state_jacobian_matches_finite_differences_and_the_probabilities_gradient():
    n = 3
    body = random_circuit_function(92, n, n_ops=10)

    def fn(x, y, measure, data=None):
        body(x, y, data=data)
        return qml.state() if measure == "state" else qml.probs(wires=range(n))

    dev = qml.device("default.qubit", wires=n)
    node = qml.QNode(fn, dev, static_argnames="measure")
    x, y, d = np.array([0.3, -0.8, 1.2]), 0.6, np.array([0.5, -0.4])
    jx, jy = qml.jacobian(node, argnum=[0, 1])(x, y, measure="state", data=d)
    assert jx.shape == (8, 3) and jy.shape == (8,)
    h = 1e-6  # central differences of the compiled state
    for k in range(3):
        e = np.eye(3)[k] * h
        fd = (node(x + e, y, measure="state", data=d) - node(x - e, y, measure="state", data=d)) / (2 * h)
        np.testing.assert_allclose(jx[:, k], fd, atol=1e-8)
    fd = (node(x, y + h, measure="state", data=d) - node(x, y - h, measure="state", data=d)) / (2 * h)
    np.testing.assert_allclose(jy, fd, atol=1e-8)
    # d|psi|^2 = 2 Re(conj(psi) dpsi) against the probabilities' parameter-shift Jacobian
    psi = node(x, y, measure="state", data=d)
    px, py = qml.jacobian(node, argnum=[0, 1])(x, y, measure="probs", data=d)
    np.testing.assert_allclose(2 * (psi.conj()[:, None] * jx).real, px, atol=1e-12)
    np.testing.assert_allclose(2 * (psi.conj() * jy).real, py, atol=1e-12)


def test_state_hessian_matches_finite_differences_of_its_jacobian():
    """Second derivatives of qml.state() (PennyLane's metric-tensor references take
    qml.jacobian of a Jacobian of a state-returning QNode): exact, against central
    differences of the exact first derivative; beside an expectation value, whose own
    Hessian stays the parameter-shift one."""
    n = 3
    body = random_circuit_function(93, n, n_ops=10)

    def fn(x, y, data=None):
        body(x, y, data=data)
        return qml.state(), qml.expval(qml.PauliZ(0) @ qml.PauliX(2))

    node = qml.QNode(fn, qml.device("default.qubit", wires=n))
    x, y, d = qml.numpy.array([0.3, -0.8, 1.2]), qml.numpy.array(0.6), np.array([0.5, -0.4])

    def jac(x, y):  # the complex Jacobian of the amplitudes by x, real and imaginary
        f = lambda part: qml.jacobian(lambda x, y: part(node(x, y, data=d)[0]), argnum=0)
        return f(qml.numpy.real)(x, y) + 1j * f(qml.numpy.imag)(x, y)

    hess = (qml.jacobian(lambda x, y: qml.numpy.real(jac(x, y)), argnum=[0, 1])(x, y),
            qml.jacobian(lambda x, y: qml.numpy.imag(jac(x, y)), argnum=[0, 1])(x, y))
    hx, hy = hess[0][0] + 1j * hess[1][0], hess[0][1] + 1j * hess[1][1]
    assert hx.shape == (8, 3, 3) and hy.shape == (8, 3)
    h = 1e-6
    for k in range(3):
        e = np.eye(3)[k] * h
        np.testing.assert_allclose(hx[:, :, k], (jac(x + e, y) - jac(x - e, y)) / (2 * h),
                                   atol=1e-8)
    np.testing.assert_allclose(hy, (jac(x, y + h) - jac(x, y - h)) / (2 * h), atol=1e-8)
    np.testing.assert_allclose(hx, np.transpose(hx, (0, 2, 1)), atol=1e-12)
    # the expectation value beside it: the Hessian of a QNode measuring it alone
    alone = qml.QNode(lambda x, y: fn(x, y, data=d)[1], qml.device("default.qubit", wires=n))
    np.testing.assert_allclose(qml.hessian(lambda x: node(x, y, data=d)[1])(x),
                               qml.hessian(lambda x: alone(x, y))(x), atol=1e-12)


def test_second_derivatives_of_a_quantity_of_the_state_are_refused():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def node(a):
        qml.RY(a, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.density_matrix(wires=0)

    a = qml.numpy.array(0.7)
    qml.jacobian(lambda a: qml.numpy.real(node(a)))(a)  # first derivatives: fine
    with pytest.raises(qml.DifferentiationError, match="second derivatives of a quantity"):
        qml.jacobian(qml.jacobian(lambda a: qml.numpy.real(node(a))))(a)


def test_state_returned_with_other_measurements():
    dev = qml.device("default.qubit", wires=2)
    node = _bell_phase_node(qml.state, lambda: qml.expval(qml.PauliZ(1)),
                            lambda: qml.probs(wires=0))
    psi, ez, p0 = node(0.7, -0.4)
    want, da, db = _bell_phase(0.7, -0.4)
    np.testing.assert_allclose(psi, want, atol=1e-12)
    assert ez == pytest.approx(np.cos(0.7), abs=1e-12)  # <Z1> = cos^2(a/2) - sin^2(a/2)
    np.testing.assert_allclose(p0, [np.cos(0.35) ** 2, np.sin(0.35) ** 2], atol=1e-12)
    a, b = qml.numpy.array(0.7), qml.numpy.array(-0.4)
    (psi_a, psi_b), (ez_a, ez_b), (p_a, p_b) = qml.jacobian(node)(a, b)
    np.testing.assert_allclose(psi_a, da, atol=1e-12)
    np.testing.assert_allclose(psi_b, db, atol=1e-12)
    assert (ez_a, ez_b) == (pytest.approx(-np.sin(0.7), abs=1e-12), pytest.approx(0, abs=1e-12))
    np.testing.assert_allclose(p_a, [-np.sin(0.7) / 2, np.sin(0.7) / 2], atol=1e-12)
    # a hybrid cost of both, through autograd, against the hand-derived derivative
    cost = lambda a: qml.numpy.real(node(a, b)[0][3]) * node(a, b)[1]  # noqa: E731
    want = 0.5 * np.cos(0.35) * np.cos(0.2) * np.cos(0.7) - np.sin(0.35) * np.cos(0.2) * np.sin(0.7)
    assert float(qml.grad(cost)(a)) == pytest.approx(want, abs=1e-12)
    with pytest.raises(qml.MeasurementError, match="finite shots"):
        qml.set_shots(node, shots=10)(0.7, -0.4)
    assert qml.QNode(lambda: (qml.state(), qml.state()), dev)()[1].shape == (4,)
