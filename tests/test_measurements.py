"""Hermitian and Projector observables against dense NumPy references."""

import numpy as np
import pytest

import qsym as qml
from qsym import ir, symbolic
from qsym.shapes import flat

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
    assert qml.jacobian(c)(t)[0] == pytest.approx(np.sin(t) / 2, abs=1e-12)


def test_bad_observables_are_refused():
    with pytest.raises(qml.MeasurementError, match="not Hermitian"):
        qml.Hermitian([[0, 1], [0, 0]], wires=0)
    with pytest.raises(qml.MeasurementError, match="4x4"):
        qml.Hermitian(np.eye(2), wires=[0, 1])
    with pytest.raises(qml.MeasurementError, match="norm"):
        qml.Projector([1, 1, 0, 0], wires=[0, 1])
    with pytest.raises(qml.MeasurementError, match="basis state"):
        qml.Projector([1, 0, 1], wires=[0, 1])
