"""Probabilities on many wires after a postselected mid-circuit measurement (issue #18,
demo66's ``tutorial_constant_depth_mps_prep``): the ``2^k`` outcomes are linear rows of
``2^k`` Z words times the projector's, and building them with a sympy product and
``expand`` per term took 79 s of CPU at 9 wires (4.8 s at 8 here, some 1.1 s now). The
numbers are kept as they are (:func:`qsym._ir.between_projector`) and the plan and program
add and convert them once. References: a NumPy state vector (project, renormalise,
probabilities; central differences for the derivatives) and PennyLane 0.45.1's backprop
numbers (default.qubit, diff_method="best", the circuit below run in a PennyLane venv,
``qml.jacobian``; pasted). PennyLane's parameter-shift transform gives other derivatives
here (it shifts the postselected ratio's terms separately: 0.02775 for 0.02808)."""

import numpy as onp
import pytest
import sympy as sp

import qsym as qml
from qsym import numpy as np
from qsym._ir import between_projector, linear_rows, Measurement

N = 7  # probability wires; N and N + 1: the postselected ancillas
X = [0.7, -0.4, 1.1]


def _body(x):
    for i in range(N):
        qml.RY(x[i % len(x)] * (1 + 0.1 * i), wires=i)
    for i in range(N - 1):
        qml.CNOT(wires=[i, i + 1])
    qml.CRX(x[0], wires=[N - 1, N])
    qml.CNOT(wires=[2, N + 1])
    qml.RY(x[1], wires=N + 1)
    qml.measure(N, postselect=1)
    qml.measure(N + 1, postselect=0)
    return qml.probs(wires=range(N))


def _reference(x):
    """The circuit's postselected probabilities by a NumPy state vector (wire 0 first)."""
    n = N + 2
    psi = onp.zeros((2,) * n, complex)
    psi[(0,) * n] = 1

    def apply(u, wires):
        u = onp.asarray(u, complex).reshape((2,) * (2 * len(wires)))
        k = len(wires)
        out = onp.tensordot(u, psi, axes=(list(range(k, 2 * k)), list(wires)))
        return onp.moveaxis(out, list(range(k)), list(wires))

    def ry(t):
        c, s = onp.cos(t / 2), onp.sin(t / 2)
        return onp.array([[c, -s], [s, c]])

    def controlled(u):
        m = onp.eye(4, dtype=complex)
        m[2:, 2:] = u
        return m

    xmat = onp.array([[0, 1], [1, 0]])
    for i in range(N):
        psi = apply(ry(x[i % len(x)] * (1 + 0.1 * i)), [i])
    for i in range(N - 1):
        psi = apply(controlled(xmat), [i, i + 1])
    c, s = onp.cos(x[0] / 2), onp.sin(x[0] / 2)
    psi = apply(controlled(onp.array([[c, -1j * s], [-1j * s, c]])), [N - 1, N])
    psi = apply(controlled(xmat), [2, N + 1])
    psi = apply(ry(x[1]), [N + 1])
    kept = onp.abs(psi[..., 1, 0].reshape(-1)) ** 2  # ancilla N in |1>, N + 1 in |0>
    return kept / kept.sum()


PL_PROBS = {0: 0.0, 5: 0.016051549609077075, 77: 0.00030959068840913194,
            127: 0.00230753630623871}
PL_JAC = {5: [0.02807605799316942, -0.0733261408176134, 0.012541652967312295],
          77: [0.0025221941136639673, -0.0013813929587236855, 0.0002418943385841675]}


@pytest.mark.parametrize("method", ["parameter-shift", "backprop"])
def test_postselected_probs_on_seven_wires_values_and_jacobian(method):
    f = qml.QNode(_body, qml.device("default.qubit", wires=N + 2), diff_method=method)
    x = np.array(X, requires_grad=True)
    p = f(x)
    jac = qml.jacobian(f)(x)
    assert p.shape == (2**N,) and jac.shape == (2**N, 3)
    assert onp.allclose(p, _reference(onp.array(X)), atol=1e-12)
    h = 1e-6
    central = onp.stack([(_reference(onp.array(X) + h * e) - _reference(onp.array(X) - h * e))
                         / (2 * h) for e in onp.eye(3)], axis=1)
    assert onp.allclose(jac, central, atol=1e-7)
    for b, v in PL_PROBS.items():
        assert abs(p[b] - v) < 1e-12
    for b, row in PL_JAC.items():
        assert onp.allclose(jac[b], row, atol=1e-12)


def test_between_projector_keeps_exact_numbers_and_symbols():
    """Rational coefficients stay rational (no floating point enters exact rows), symbolic
    ones are expanded, and terms that cancel are dropped (worked out by hand)."""
    a = sp.Symbol("a", real=True)
    P = ((sp.Rational(1, 2), ()), (sp.Rational(-1, 2), ((0, "Z"),)))  # |1><1| on wire 0
    terms = ((sp.Rational(1, 3), ((1, "Z"),)), (a * (a + 1), ((0, "Z"),)),
             (5, ((0, "X"),)), (sp.Rational(1, 3), ((0, "Z"), (1, "Z"))))
    out = dict((w, c) for c, w in between_projector(terms, P))
    # Z1/3 P + a(a+1) Z0 P + Z0Z1/3 P: Z0 P = -P, so the Z1 words cancel to 0
    assert out == {(): -(a**2 + a) / 2, ((0, "Z"),): (a**2 + a) / 2}
    # coefficients made on the fly (a generator: each freed after its use) are not mixed up
    made = ((sp.Rational(j, 7) + 0, ((1, "Z"),) * (j % 2) + ((2, "Z"),) * (j // 2))
            for j in range(4))
    assert dict((w, c) for c, w in between_projector(made, P)) == {
        ((1, "Z"),): sp.Rational(1, 14), ((2, "Z"),): sp.Rational(1, 7),
        ((1, "Z"), (2, "Z")): sp.Rational(3, 14), ((0, "Z"), (1, "Z")): -sp.Rational(1, 14),
        ((0, "Z"), (2, "Z")): -sp.Rational(1, 7),
        ((0, "Z"), (1, "Z"), (2, "Z")): -sp.Rational(3, 14)}
    assert all(isinstance(c, sp.Basic) for c in out.values())
    m = Measurement("probs", on=(1, 2), post=P)
    rows = linear_rows(m)
    assert len(rows) == 5 and rows[-1] == P
    assert all(isinstance(c, sp.Rational) for row in rows[:-1] for c, _ in row)
    assert linear_rows(m)[0] is rows[0]  # built once (cached), asked for three times


def test_a_build_expands_each_postselected_row_once(monkeypatch):
    """The layout, the plan and the written-out values each ask for the rows: a new circuit's
    build expands each of the ``2^k`` rows between the projectors once (it was thrice)."""
    from qsym import _ir

    calls = []
    original = _ir.between_projector
    monkeypatch.setattr(_ir, "between_projector", lambda *a: calls.append(1) or original(*a))
    _ir._ROWS.clear()  # the rows' cache: empty, so that they are built here
    dev = qml.device("default.qubit", wires=6)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x):
        for i in range(5):
            qml.RX(x * (i + 1), wires=i)
        qml.CNOT(wires=[4, 5])
        qml.measure(5, postselect=1)
        return qml.probs(wires=range(5))

    x = np.array(0.4, requires_grad=True)
    p, jac = circuit(x), qml.jacobian(circuit)(x)
    assert len(calls) == 2**5
    # wire 4 is 1 (postselected through the CNOT); the others independent: by hand
    def by_hand(t):
        out = onp.ones(1)
        for i in range(4):
            qi = onp.sin(t * (i + 1) / 2) ** 2
            out = onp.kron(out, [1 - qi, qi])
        return onp.kron(out, [0, 1])

    assert onp.allclose(p, by_hand(0.4), atol=1e-12)
    assert onp.allclose(jac, (by_hand(0.4 + 1e-6) - by_hand(0.4 - 1e-6)) / 2e-6, atol=1e-7)
