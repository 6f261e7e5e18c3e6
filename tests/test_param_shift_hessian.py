"""PennyLane's ``qml.gradients.param_shift_hessian`` on tapes and QNodes (issue #18), checked
against second-order central finite differences of a state-vector simulation written here
(hand-written RX, RY, CRY matrices), independent of qsym's rules and kernels."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.gradients.parameter_shift_hessian import _process_argnum

I2 = onp.eye(2)
Z = onp.diag([1.0, -1.0])


def rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def ry(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -s], [s, c]])


def cry(t):
    m = onp.eye(4, dtype=complex)
    m[2:, 2:] = ry(t)
    return m


def sim(a, b, c):
    """RX(a) on 0, CRY(b) on [0, 1], RY(c) on 1: (<Z1>, probs of wires 0, 1)."""
    psi = onp.zeros(4, dtype=complex)
    psi[0] = 1
    psi = onp.kron(rx(a), I2) @ psi
    psi = cry(b) @ psi
    psi = onp.kron(I2, ry(c)) @ psi
    probs = onp.abs(psi) ** 2
    return onp.concatenate([[onp.real(psi.conj() @ onp.kron(I2, Z) @ psi)], probs])


def fd_hessian(f, x, h=1e-4):
    """(n, n, *out) second derivatives of f by central differences."""
    x = onp.asarray(x, dtype=float)
    n = x.size
    out = onp.zeros((n, n) + onp.shape(f(x)))
    for i in range(n):
        for j in range(n):
            ei, ej = onp.eye(n)[i] * h, onp.eye(n)[j] * h
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return out


X = onp.array([0.4, -0.7, 1.1])
EXPECTED = fd_hessian(lambda p: sim(*p), X)  # (3, 3, 5): <Z1>, then the 4 probabilities


def tape_at(x):
    return qml.tape.QuantumScript(
        [qml.RX(x[0], 0), qml.CRY(x[1], wires=[0, 1]), qml.RY(x[2], 1)],
        [qml.expval(qml.Z(1)), qml.probs(wires=[0, 1])])


def run(tapes):
    return qml.device("default.qubit", wires=2).execute(tapes)


def test_tape_hessian_matches_finite_differences():
    tapes, fn = qml.gradients.param_shift_hessian(tape_at(X))
    ev, probs = fn(run(tapes))
    assert onp.allclose(onp.array(ev), EXPECTED[:, :, 0], atol=1e-6)
    assert onp.array(probs).shape == (3, 3, 4)  # PennyLane's order: parameters, then output
    assert onp.allclose(onp.array(probs), EXPECTED[:, :, 1:], atol=1e-6)


def test_argnum_mask_and_custom_shifts():
    mask = onp.array([[True, False, True], [False, False, False], [True, False, True]])
    tapes, fn = qml.gradients.param_shift_hessian(
        tape_at(X), argnum=mask, diagonal_shifts=[(0.3,), (0.9,)],
        off_diagonal_shifts=[(1.2,), (0.5,)])
    ev, _ = fn(run(tapes))
    assert onp.allclose(onp.array(ev), EXPECTED[:, :, 0] * mask, atol=1e-6)
    with pytest.raises(ValueError, match="sets of shift values for diagonal entries"):
        qml.gradients.param_shift_hessian(tape_at(X), diagonal_shifts=[(0.3,)])


def test_fewer_tapes_than_nested_jacobians():
    # two-term rules: the unshifted tape, one per diagonal entry, 4 per off-diagonal one;
    # the CRY's four-term rule gives 2 + 16 (its diagonal, its two products with RX, RY)
    tapes, _ = qml.gradients.param_shift_hessian(tape_at(X))
    assert len(tapes) == 1 + 1 + 3 + 1 + 8 + 4 + 8


def test_process_argnum():
    t = tape_at(X)
    assert (_process_argnum([0, 2], t) == onp.array([[1, 0, 1], [0, 0, 0], [1, 0, 1]], bool)).all()
    with pytest.raises(ValueError, match="The index 5 exceeds the number"):
        _process_argnum(5, t)
    with pytest.raises(ValueError, match="Expected a symmetric 2D Boolean array"):
        _process_argnum(onp.triu(onp.ones((3, 3), bool)), t)


@pytest.mark.parametrize("meas, words", [(qml.var, "variances"), (None, "the state")])
def test_refused_measurements(meas, words):
    m = qml.state() if meas is None else meas(qml.Z(0))
    t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [m])
    with pytest.raises(ValueError, match=f"Computing the Hessian of circuits that return {words}"):
        qml.gradients.param_shift_hessian(t)


def test_no_trainable_parameters_warn():
    t = tape_at(X)
    t.trainable_params = []
    with pytest.warns(UserWarning, match="Hessian of a tape with no trainable parameters"):
        tapes, fn = qml.gradients.param_shift_hessian(t)
    assert tapes == [] and [r.shape for r in fn([])] == [(0,), (0,)]


dev = qml.device("default.qubit", wires=2)


@qml.qnode(dev)
def nonlinear(x):
    qml.RX(x[0] * x[1], wires=0)
    qml.CRY(np.sin(x[1]), wires=[0, 1])
    qml.RY(x[0] ** 2, wires=1)
    return qml.probs(wires=[0, 1])


def test_qnode_with_nonlinear_classical_processing_is_exact():
    x = np.array([0.5, 0.8])
    expected = fd_hessian(lambda v: sim(v[0] * v[1], onp.sin(v[1]), v[0] ** 2)[1:], x)
    got = qml.gradients.param_shift_hessian(nonlinear)(x)  # the compiled exact Hessian
    with qml.Tracker(dev) as tracker:  # a Tracker counts PennyLane's tapes: they are run
        by_tapes = qml.gradients.param_shift_hessian(nonlinear)(x)
    assert tracker.totals["executions"] > 0
    for h in (got, by_tapes):
        assert h.shape == (2, 2, 4)
        assert onp.allclose(h, expected, atol=1e-6)


@qml.qnode(dev)
def two_args(a, c):
    qml.RX(a, wires=0)
    qml.CRY(0.3, wires=[0, 1])
    qml.RY(c, wires=1)
    return qml.expval(qml.Z(1))


def test_qnode_two_arguments_gives_each_arguments_block():
    a, c = np.array(0.4), np.array(1.1)
    ha, hc = qml.gradients.param_shift_hessian(two_args)(a, c)
    full = fd_hessian(lambda v: sim(v[0], 0.3, v[1])[0], [0.4, 1.1])
    assert onp.allclose([ha, hc], [full[0, 0], full[1, 1]], atol=1e-6)


@qml.qnode(dev)
def linear(x):
    qml.RX(x[1], wires=0)
    qml.CRY(x[0], wires=[0, 1])
    qml.RY(0.2, wires=1)
    return qml.expval(qml.Z(1))


def test_qnode_hessian_is_differentiable():
    x = np.array([0.3, -0.6])
    third = qml.jacobian(lambda v: qml.gradients.param_shift_hessian(linear)(v))(x)
    f = lambda v: fd_hessian(lambda w: sim(w[1], w[0], 0.2)[0], v, h=1e-3)  # noqa: E731
    h = 1e-3
    expected = onp.stack([(f(x + e) - f(x - e)) / (2 * h) for e in onp.eye(2) * h], axis=-1)
    assert onp.allclose(third, expected, atol=1e-4)


def test_qnode_without_trainable_arguments_raises():
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.gradients.param_shift_hessian(linear)([0.1, 0.2])


def test_qnode_matches_qml_hessian_reordered():
    x = np.array([0.5, 0.8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = qml.jacobian(qml.jacobian(nonlinear))(x)  # (4, 2, 2): output first
    assert onp.allclose(qml.gradients.param_shift_hessian(nonlinear)(x),
                        onp.transpose(ref, (1, 2, 0)), atol=1e-10)
