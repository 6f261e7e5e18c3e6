"""The exact API (qml.expectation / qml.gradient / qml.check) for every measurement kind, and
complex Hermitian observables in expval and var by every differentiation method.

References are independent of qsym: closed forms written by hand (var Z after RY(t) is
sin(t)**2), a state computed with hand-written NumPy matrices, and finite differences.
"""

import numpy as onp
import pytest
import sympy as sp

import qsym as qml
from qsym import numpy as np

T = sp.Symbol("t", real=True)


def _num(value, names):
    """Evaluate an exact result (expression, sympy Array, tuple or list of them) at
    ``names`` (``{symbol name: float}``), keeping its structure as NumPy arrays."""
    if isinstance(value, (tuple, list)):
        return type(value)(_num(v, names) for v in value)
    if isinstance(value, sp.NDimArray):
        return onp.array([_num(v, names) for v in value], dtype=float).reshape(value.shape)
    expr = sp.sympify(value)
    return float(expr.xreplace({s: names[s.name] for s in expr.free_symbols}))


# --- closed forms written by hand ---------------------------------------------------------
dev1 = qml.device("default.qubit", wires=1)


@qml.qnode(dev1)
def var_z(t):
    qml.RY(t, wires=0)
    return qml.var(qml.PauliZ(0))


@qml.qnode(dev1)
def probs_0(t):
    qml.RY(t, wires=0)
    return qml.probs(wires=0)


def test_var_and_probs_closed_forms_are_the_hand_written_ones():
    assert sp.simplify(qml.expectation(var_z, 0.3) - sp.sin(T) ** 2) == 0
    (d,) = qml.gradient(var_z, 0.3)
    assert sp.simplify(d - sp.sin(2 * T)) == 0
    p = qml.expectation(probs_0, 0.3)
    assert isinstance(p, sp.NDimArray) and p.shape == (2,)
    assert sp.simplify(p[0] - sp.cos(T / 2) ** 2) == 0
    assert sp.simplify(p[1] - sp.sin(T / 2) ** 2) == 0
    dp = qml.gradient(probs_0, 0.3)
    assert dp.shape == (2, 1)
    assert sp.simplify(dp[0, 0] + sp.sin(T) / 2) == 0 and sp.simplify(dp[1, 0] - sp.sin(T) / 2) == 0
    for t in (0.3, -1.2):
        assert var_z(t) == pytest.approx(onp.sin(t) ** 2, abs=1e-12)
        assert _num(qml.expectation(var_z, t), {"t": t}) == pytest.approx(var_z(t), abs=1e-12)


def test_state_sample_and_counts_are_refused_by_name():
    @qml.qnode(dev1)
    def st(t):
        qml.RY(t, wires=0)
        return qml.state()

    with pytest.raises(qml.MeasurementError, match=r"qml\.state\(\) has no closed form"):
        qml.expectation(st, 0.3)
    with pytest.raises(qml.MeasurementError, match="state"):
        qml.gradient(st, 0.3)
    dev_shots = qml.device("default.qubit", wires=1, shots=10, seed=1)
    for kind in ("sample", "counts"):
        node = qml.QNode(lambda t, k=kind: (qml.RY(t, wires=0), getattr(qml, k)(qml.PauliZ(0)))[1],
                         dev_shots)
        with pytest.raises(qml.MeasurementError, match=rf"qml\.{kind}\(\) has no closed form"):
            qml.expectation(node, 0.3)


# --- every measurement kind on one small circuit -----------------------------------------
rng = onp.random.default_rng(7)
_M = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
A2 = _M + _M.conj().T                               # complex Hermitian on two wires
A1 = onp.array([[0.7, 0.3 - 0.8j], [0.3 + 0.8j, -1.1]])  # complex Hermitian on one wire
V = onp.array([0.6, 0.8j * onp.exp(0.4j)])           # a complex state for the Projector
dev2 = qml.device("default.qubit", wires=2)


def every_kind(x):
    qml.RY(x[0], wires=0)
    qml.RX(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(x[0] * x[1], wires=1)
    return (
        qml.expval(qml.PauliX(0) @ qml.PauliY(1)),
        qml.expval(0.4 * qml.PauliZ(0) + qml.PauliX(1)),
        qml.var(qml.Hamiltonian([0.5, -1.2], [qml.PauliZ(0) @ qml.PauliZ(1), qml.PauliY(0)])),
        qml.expval(qml.Hermitian(A2, wires=[0, 1])),
        qml.var(qml.Hermitian(A2, wires=[1, 0])),
        qml.var(qml.Hermitian(A1, wires=1)),
        qml.expval(qml.Projector(V, wires=0)),
        qml.var(qml.Projector(V, wires=1)),
        qml.var(qml.Projector([1, 0], wires=[0, 1])),
        qml.probs(wires=[1]),
        qml.probs(wires=[1, 0]),
    )


# hand-written NumPy: the state and every observable as a 4x4 matrix (wire 0 most significant)
_I = onp.eye(2)
_X = onp.array([[0, 1], [1, 0]], dtype=complex)
_Y = onp.array([[0, -1j], [1j, 0]])
_Z = onp.diag([1.0, -1.0]).astype(complex)
_SWAP = onp.eye(4)[[0, 2, 1, 3]]


def _state(x):
    c, s = onp.cos(x[0] / 2), onp.sin(x[0] / 2)
    ry = onp.array([[c, -s], [s, c]])
    rx = onp.array([[onp.cos(x[1] / 2), -1j * onp.sin(x[1] / 2)],
                    [-1j * onp.sin(x[1] / 2), onp.cos(x[1] / 2)]])
    cnot = onp.eye(4)[[0, 1, 3, 2]]
    rz = onp.diag([onp.exp(-0.5j * x[0] * x[1]), onp.exp(0.5j * x[0] * x[1])])
    psi = onp.zeros(4, dtype=complex)
    psi[0] = 1
    for u in (onp.kron(ry, _I), onp.kron(_I, rx), cnot, onp.kron(_I, rz)):
        psi = u @ psi
    return psi


def _reference(x):
    psi = _state(x)
    pv = onp.outer(V, V.conj())
    p10 = onp.kron(onp.diag([0.0, 1.0]), onp.diag([1.0, 0.0]))
    ev = lambda O: (psi.conj() @ O @ psi).real  # noqa: E731
    var = lambda O: ev(O @ O) - ev(O) ** 2  # noqa: E731
    prob = onp.abs(psi) ** 2  # index b0 b1
    return (
        ev(onp.kron(_X, _Y)),
        ev(0.4 * onp.kron(_Z, _I) + onp.kron(_I, _X)),
        var(0.5 * onp.kron(_Z, _Z) - 1.2 * onp.kron(_Y, _I)),
        ev(A2),
        var(_SWAP @ A2 @ _SWAP),
        var(onp.kron(_I, A1)),
        ev(onp.kron(pv, _I)),
        var(onp.kron(_I, pv)),
        var(p10),
        onp.array([prob[0] + prob[2], prob[1] + prob[3]]),
        onp.array([prob[0], prob[2], prob[1], prob[3]]),
    )


def _fd(f, x, h=1e-6):
    cols = []
    for j in range(len(x)):
        e = onp.zeros(len(x))
        e[j] = h
        up, dn = f(x + e), f(x - e)
        cols.append([(onp.asarray(u) - onp.asarray(d)) / (2 * h) for u, d in zip(up, dn)])
    return [onp.stack([c[m] for c in cols], axis=-1) for m in range(len(cols[0]))]


X0 = onp.array([0.7, -0.45])


def test_every_kind_values_and_gradients_against_a_hand_written_reference():
    """Complex Hermitian / Projector observables in expval and var (#15 item 6), by every
    differentiation method, against psi^H A psi and psi^H A^2 psi - (psi^H A psi)^2 written
    in NumPy and their finite differences."""
    want = _reference(X0)
    want_jac = _fd(_reference, X0)
    for method in ("parameter-shift", "adjoint", "finite-diff", "best"):
        fd = {"approx_order": 4, "strategy": "center", "h": 1e-3} if method == "finite-diff" else {}
        node = qml.QNode(every_kind, dev2, diff_method=method, **fd)
        got = node(np.array(X0))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert onp.shape(g) == onp.shape(w)
            onp.testing.assert_allclose(g, w, atol=1e-12, err_msg=method)
        jac = qml.jacobian(node)(np.array(X0))
        for g, w in zip(jac, want_jac):
            assert onp.shape(g) == onp.shape(w)
            onp.testing.assert_allclose(g, w, atol=1e-7, err_msg=method)


def test_exact_api_matches_the_numeric_results_for_every_kind():
    node = qml.QNode(every_kind, dev2)
    names = {"x[0]": X0[0], "x[1]": X0[1]}
    exact = qml.expectation(node, np.array(X0), simplify=False)
    got = _num(exact, names)
    numeric = node(np.array(X0))
    assert isinstance(exact, tuple) and len(got) == len(numeric)
    for g, w in zip(got, numeric):
        assert onp.shape(g) == onp.shape(w)
        onp.testing.assert_allclose(g, w, atol=1e-12)
    grads = _num(qml.gradient(node, np.array(X0), simplify=False), names)
    jac = qml.jacobian(node)(np.array(X0))
    for g, w in zip(grads, jac):
        g = onp.asarray(g)
        assert g.shape == onp.shape(w)  # (inputs,) per scalar result, (2**k, inputs) for probs
        onp.testing.assert_allclose(g, w, atol=1e-10)
    report = qml.check(node, np.array(X0))
    assert report.ok and report.max_error_symbolic < 1e-10 and report.max_error_value < 1e-10
    assert report.symbolic_values.shape == report.values.shape == (15,)
    assert "closed forms" in str(report)


def test_check_reports_a_wrong_value_and_a_wrong_closed_form():
    """qml.check's value comparisons can fail: a tampered compiled value is reported."""
    node = qml.QNode(every_kind, dev2)
    report = qml.check(node, np.array(X0))
    entry = node.compiled((np.array(X0),), {})[0]
    real_value = entry.value

    def off_by_one(x, d):
        out = onp.array(real_value(x, d), dtype=float)
        out[0] += 1e-6
        return out

    entry.value = off_by_one
    try:
        bad = qml.check(node, np.array(X0))
    finally:
        entry.value = real_value
    assert report.ok and not bad.ok
    assert bad.max_error_value == pytest.approx(1e-6, rel=1e-3)
    assert bad.max_error_symbolic == pytest.approx(1e-6, rel=1e-3)


def test_check_refuses_a_broadcast_batch():
    @qml.qnode(dev1)
    def batch(w, x=None):
        qml.RY(x, wires=0)
        qml.RX(w[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.ArgumentError, match="check each element of the batch"):
        qml.check(batch, np.array([0.3]), x=np.array([0.1, 0.2]))
    assert qml.check(batch, np.array([0.3]), x=0.1).ok
