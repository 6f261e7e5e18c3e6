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
    """The layout, the plan and the written-out values each asked for the rows: a new
    circuit's build expanded each of the ``2^k`` rows between the projectors once (it was
    thrice); since stop 69 the kernels measure the probabilities themselves
    (:func:`qsym._ir.kernel_outcomes`): no row is expanded at all."""
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
    assert calls == []
    # wire 4 is 1 (postselected through the CNOT); the others independent: by hand
    def by_hand(t):
        out = onp.ones(1)
        for i in range(4):
            qi = onp.sin(t * (i + 1) / 2) ** 2
            out = onp.kron(out, [1 - qi, qi])
        return onp.kron(out, [0, 1])

    assert onp.allclose(p, by_hand(0.4), atol=1e-12)
    assert onp.allclose(jac, (by_hand(0.4 + 1e-6) - by_hand(0.4 - 1e-6)) / 2e-6, atol=1e-7)


# --- stop 69 (issue #18): postselected probs as 2^k + 1 kernel probabilities -----------
K, P = 3, 2  # probability wires 0..2 (asked for in the order 2, 0, 1); postselected 3, 4


def _small(x):
    for w in range(K + P):
        qml.RY(x[w % 3] * (1 + 0.1 * w), wires=w)
    for w in range(K + P - 1):
        qml.CNOT(wires=[w, w + 1])
    qml.CRX(x[0], wires=[K + P - 1, 0])
    qml.measure(3, postselect=1)
    qml.measure(4, postselect=0)
    return qml.probs(wires=[2, 0, 1])


def _on(psi, u, wires):
    """The state tensor ``psi`` after the matrix ``u`` on ``wires`` (first most significant)."""
    u = onp.asarray(u, complex).reshape((2,) * (2 * len(wires)))
    k = len(wires)
    out = onp.tensordot(u, psi, axes=(list(range(k, 2 * k)), list(wires)))
    return onp.moveaxis(out, list(range(k)), list(wires))


def _small_reference(x):
    """A NumPy state vector of :func:`_small`: project wires 3, 4 on 1, 0, renormalise,
    probabilities of wires (2, 0, 1), wire 2 most significant."""
    n = K + P
    psi = onp.zeros((2,) * n, complex)
    psi[(0,) * n] = 1
    for w in range(n):
        t = x[w % 3] * (1 + 0.1 * w)
        psi = _on(psi, [[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]],
                  [w])
    for w in range(n - 1):
        psi = _on(psi, onp.eye(4)[[0, 1, 3, 2]], [w, w + 1])
    c, s = onp.cos(x[0] / 2), onp.sin(x[0] / 2)
    crx = onp.eye(4, dtype=complex)
    crx[2:, 2:] = [[c, -1j * s], [-1j * s, c]]
    psi = _on(psi, crx, [n - 1, 0])
    kept = onp.abs(psi[..., 1, 0]) ** 2  # axes: wires 0, 1, 2
    kept = onp.transpose(kept, (2, 0, 1)).reshape(-1)
    return kept / kept.sum()


def _central(x, h=1e-6):
    return onp.stack([(_small_reference(x + h * e) - _small_reference(x - h * e)) / (2 * h)
                      for e in onp.eye(3)], axis=1)


def test_postselected_probs_are_kernel_probabilities_not_pauli_rows():
    """The plan measures ``2^k`` joint probabilities and the kept outcome's (the norm): no
    linear row of Pauli words (before: ``2^k + 1`` rows of up to ``2^(k + p)`` words each,
    35 s for a first value at 16 wires)."""
    from qsym import _ir
    from qsym._plan import ProbWord, make_plan

    x = sp.symbols("x0:3", real=True)
    meas = Measurement("probs", on=(2, 0, 1), post=(
        (sp.Rational(1, 4), ()), (sp.Rational(-1, 4), ((3, "Z"),)),
        (sp.Rational(1, 4), ((4, "Z"),)), (sp.Rational(-1, 4), ((3, "Z"), (4, "Z")))))
    assert _ir.kept_outcome(meas.post, meas.on) == ((3, 4), 2)
    outcomes = _ir.kernel_outcomes(meas)
    assert outcomes == [((2, 0, 1, 3, 4), (b << 2) | 2) for b in range(8)] + [((3, 4), 2)]
    c = _ir.Circuit(K + P, (_ir.Op("RY", (0,), (x[0],)),), (meas,), inputs=(x[0],))
    plan = make_plan(c)
    assert plan.coeffs == () and plan.probs == 9
    assert plan.words == tuple(ProbWord(on, b) for on, b in outcomes)
    assert _ir.post_layout(c) == (("probs", 0, 9, (8,)),)
    # a projector that keeps two outcomes, or one on a measured wire: Pauli rows as before
    two = ((sp.Rational(1, 2), ()), (sp.Rational(1, 2), ((3, "Z"), (4, "Z"))))
    assert _ir.kept_outcome(two, (0,)) is None
    assert not _ir.kernel_probs(Measurement("probs", on=(3,), post=meas.post))


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "finite-diff", "backprop"])
def test_postselected_probs_by_every_method(method):
    """Values and Jacobians of the postselected probabilities, every method, against the
    NumPy reference and its central differences (parameter shift differentiates the
    ratio exactly, as backprop; PennyLane's transform shifts the ratio: other numbers)."""
    f = qml.QNode(_small, qml.device("default.qubit", wires=K + P), diff_method=method)
    x = np.array([0.7, -0.4, 1.1], requires_grad=True)
    ref = onp.array([0.7, -0.4, 1.1])
    assert onp.allclose(f(x), _small_reference(ref), atol=1e-12)
    atol = 1e-6 if method == "finite-diff" else 1e-8
    assert onp.allclose(qml.jacobian(f)(x), _central(ref), atol=atol)


def test_postselected_probs_with_shots_and_on_default_mixed():
    """With shots, the rows and the norm come from one draw: the estimated Jacobian is
    within the sampling error of the exact one (its Pauli rows' estimates were 0.03-0.09
    off at these shots); default.mixed's exact numbers equal the
    reference."""
    x = np.array([0.7, -0.4, 1.1], requires_grad=True)
    ref = onp.array([0.7, -0.4, 1.1])
    mixed = qml.QNode(_small, qml.device("default.mixed", wires=K + P))
    assert onp.allclose(mixed(x), _small_reference(ref), atol=1e-12)
    assert onp.allclose(qml.jacobian(mixed)(x), _central(ref), atol=1e-8)
    shots = qml.QNode(_small, qml.device("default.qubit", wires=K + P, shots=10**6, seed=0),
                      diff_method="parameter-shift")
    assert onp.allclose(shots(x), _small_reference(ref), atol=0.02)
    assert onp.allclose(qml.jacobian(shots)(x), _central(ref), atol=0.05)  # (seeds: < 0.022)
