"""Hermitian and Projector observables against dense NumPy references."""

import numpy as np
import pytest

import qsym as qml
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
    with pytest.raises(qml.MeasurementError, match="op="):  # probs(op=...) of a sum
        qml.probs(op=qml.PauliX(0) + qml.PauliZ(1))


def test_state_is_the_reference_state_and_has_no_gradient():
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
    with pytest.raises(qml.DifferentiationError, match="no gradient"):
        qml.jacobian(node, argnum=[0, 1])(x, y, data=data)

    def both(x):
        qml.RX(x, wires=0)
        return qml.state(), qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.MeasurementError, match="only measurement"):
        qml.QNode(both, qml.device("default.qubit", wires=1))(0.1)
