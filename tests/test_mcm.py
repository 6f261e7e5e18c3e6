"""Mid-circuit measurements (qml.measure, qml.cond, qml.defer_measurements): values
against hand-derived closed forms and against the same circuit written out by hand with
CNOTs and controlled gates, gradients against finite differences and the closed forms."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_conditioned_flip_closed_form_and_gradient(method):
    # P(m=1) = sin^2(x/2); X on wire 1 when m=1: <Z1> = 1 - 2 sin^2(x/2) = cos x
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method)
    def f(x):
        qml.RY(x, wires=0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(wires=1)
        return qml.expval(qml.PauliZ(1))

    for x in (0.3, 1.1, 2.5):
        assert onp.isclose(f(x), onp.cos(x), atol=1e-12)
        g = qml.grad(f)(np.array(x, requires_grad=True))
        assert onp.isclose(g, -onp.sin(x), atol=1e-10)
        assert onp.isclose(g, _fd(lambda t: float(f(t)), x), atol=1e-6)


def test_teleportation_closed_form_and_jacobian():
    # RY(t) RX(p)|0> has Bloch vector (cos p sin t, -sin p, cos p cos t); teleported to wire 2
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def tele(p, t):
        qml.RX(p, 0)
        qml.RY(t, 0)
        qml.Hadamard(1)
        qml.CNOT([1, 2])
        qml.CNOT([0, 1])
        qml.Hadamard(0)
        m0 = qml.measure(0)
        qml.cond(m0, qml.PauliZ)(2)
        m1 = qml.measure(1)
        qml.cond(m1, qml.PauliX)(2)
        return qml.expval(qml.PauliZ(2)), qml.expval(qml.PauliX(2)), qml.expval(qml.PauliY(2))

    p, t = 0.3, 0.4
    z, x, y = tele(p, t)
    assert onp.allclose([z, x, y], [onp.cos(p) * onp.cos(t), onp.cos(p) * onp.sin(t), -onp.sin(p)],
                        atol=1e-12)
    jz = qml.jacobian(tele)(np.array(p, requires_grad=True), t)
    assert onp.allclose(jz, [-onp.sin(p) * onp.cos(t), -onp.sin(p) * onp.sin(t), -onp.cos(p)],
                        atol=1e-10)


def test_same_as_the_circuit_written_with_cnots():
    # reset and conditions on expressions, against the deferred circuit written by hand
    dev = qml.device("default.qubit", wires=5)

    @qml.qnode(dev)
    def mcm(x, y):
        qml.RY(x, 0)
        qml.RX(y, 1)
        m0 = qml.measure(0, reset=True)   # used again: copied onto wire 4 (after the largest)
        m1 = qml.measure(1)               # not used again: its own control
        qml.RY(y, 0)
        qml.cond(m0 & m1, qml.RX)(x, 3)
        qml.cond(m0 + m1 == 1, qml.RZ, qml.RY)(y, 0)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(3)), qml.probs(wires=[0, 3])

    @qml.qnode(dev)
    def by_hand(x, y):
        qml.RY(x, 0)
        qml.RX(y, 1)
        qml.CNOT([0, 4])
        qml.CNOT([4, 0])
        qml.RY(y, 0)
        qml.ctrl(qml.RX(x, 3), control=[4, 1], control_values=[1, 1])
        for bits in ((0, 1), (1, 0)):
            qml.ctrl(qml.RZ(y, 0), control=[4, 1], control_values=list(bits))
        for bits in ((0, 0), (1, 1)):
            qml.ctrl(qml.RY(y, 0), control=[4, 1], control_values=list(bits))
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(3)), qml.probs(wires=[0, 3])

    x, y = 0.7, 1.3
    a, b = mcm(x, y), by_hand(x, y)
    assert onp.isclose(a[0], b[0], atol=1e-12) and onp.allclose(a[1], b[1], atol=1e-12)
    ga = qml.grad(lambda u, v: mcm(u, v)[0])(np.array(x, requires_grad=True),
                                             np.array(y, requires_grad=True))
    gb = qml.grad(lambda u, v: by_hand(u, v)[0])(np.array(x, requires_grad=True),
                                                 np.array(y, requires_grad=True))
    assert onp.allclose(ga, gb, atol=1e-10)
    assert onp.isclose(ga[1], _fd(lambda v: float(mcm(x, v)[0]), y), atol=1e-6)


def test_statistics_of_values_closed_forms():
    # independent outcomes with P(m0=1) = p, P(m1=1) = q
    dev = qml.device("default.qubit")
    a, b = 1.2, 0.6
    p, q = onp.sin(a / 2) ** 2, onp.sin(b / 2) ** 2

    @qml.qnode(dev)
    def f(a, b):
        qml.RX(a, 0)
        qml.RX(b, 1)
        m0, m1 = qml.measure(0), qml.measure(1)
        return (qml.expval(m0), qml.var(m0 + m1), qml.probs(op=m0), qml.probs(op=[m0, m1]),
                qml.expval(m0 & m1), qml.expval(2 * m0 - m1), qml.var(m0 == m1),
                qml.expval(~m0))

    e0, v, p0, p01, both, lin, veq, inv = f(a, b)
    assert onp.isclose(e0, p)
    assert onp.isclose(v, p * (1 - p) + q * (1 - q))
    assert onp.allclose(p0, [1 - p, p])
    assert onp.allclose(p01, onp.kron([1 - p, p], [1 - q, q]))
    assert onp.isclose(both, p * q)
    assert onp.isclose(lin, 2 * p - q)
    same = p * q + (1 - p) * (1 - q)
    assert onp.isclose(veq, same * (1 - same))
    assert onp.isclose(inv, 1 - p)
    # d<m0>/da = sin(a)/2
    g = qml.grad(lambda t: f(t, b)[0])(np.array(a, requires_grad=True))
    assert onp.isclose(g, onp.sin(a) / 2, atol=1e-10)


def test_reset_and_wires_inferred():
    dev = qml.device("default.qubit")  # no wires: the copy gets the next integer wire

    @qml.qnode(dev)
    def f(x, y):
        qml.RY(x, 0)
        m0 = qml.measure(0, reset=True)
        qml.cond(m0, qml.RX)(y, 1)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1)), qml.expval(m0)

    x, y = 0.9, 0.4
    z0, z1, e = f(x, y)
    p = onp.sin(x / 2) ** 2
    assert onp.isclose(z0, 1.0) and onp.isclose(e, p)
    assert onp.isclose(z1, 1 - p + p * onp.cos(y))
    tape = qml.workflow.construct_tape(f)(x, y)
    (deferred,), _ = qml.defer_measurements(tape)
    assert [op.name for op in deferred.operations] == ["RY", "CNOT", "CNOT", "CRX"]
    assert list(deferred.operations[1].wires) == [0, 2]


def test_device_without_room_and_refusals():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(x):
        qml.RX(x, 0)
        m = qml.measure(0)
        qml.RX(x, 0)  # wire 0 used again: needs a second wire
        return qml.expval(m)

    with pytest.raises(qml.WireError, match="wires not found on the device: {1}"):
        f(0.3)
    with pytest.raises(ValueError, match="truth value of a MeasurementValue"):
        bool(qml.measure(0))
    m0, m1 = qml.measure(0), qml.measure(1)
    with pytest.raises(qml.QuantumFunctionError, match="multiple mid-circuit"):
        qml.probs(op=m0 + m1)
    with pytest.raises(qml.QuantumFunctionError, match="unprocessed"):
        qml.counts(op=[m0 + 1, m1])



def test_postselected_samples_keep_a_binomial_number_of_shots():
    # PennyLane's "hw-like": the shots with the kept outcome, from the projected state
    @qml.set_shots(4000)
    @qml.qnode(qml.device("default.qubit", seed=11))
    def post(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        qml.measure(0, postselect=1)
        return qml.sample(wires=[0, 1])

    s = post(onp.pi / 3)  # P(wire 0 = 1) = 1/4
    assert s.ndim == 2 and s.shape[1] == 2 and 800 < s.shape[0] < 1200
    assert (s == 1).all()
    # the kept outcome is impossible: no shots; deferred, an empty sample; with shots and
    # no mcm_method PennyLane runs one-shot, whose processing gives a scalar NaN instead
    assert qml.QNode(post.func, post.device, mcm_method="deferred",
                     shots=4000)(0.0).shape == (0, 2)
    nothing = post(0.0)
    assert isinstance(nothing, float) and onp.isnan(nothing)


def _post_closed_form(x, y):
    # RY(x)|0> = c|0> + s|1>, RY(y)|0> = a|0> + b|1>; after CNOT(0, 1), keeping wire 1 = 1
    # leaves c b |0> + s a |1> (unnormalised)
    c, s, a, b = onp.cos(x / 2), onp.sin(x / 2), onp.cos(y / 2), onp.sin(y / 2)
    p0, p1 = (c * b) ** 2, (s * a) ** 2
    return (p0 - p1) / (p0 + p1), onp.array([p0, p1]) / (p0 + p1)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_postselection_renormalises(method):
    dev = qml.device("default.qubit")

    @qml.qnode(dev, diff_method=method)
    def f(x, y):
        qml.RY(x, 0)
        qml.RY(y, 1)
        qml.CNOT([0, 1])
        qml.measure(1, postselect=1)
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[0]), qml.var(qml.PauliZ(0))

    x, y = 0.8, 1.9
    e, p, v = f(x, y)
    want_e, want_p = _post_closed_form(x, y)
    assert onp.isclose(e, want_e, atol=1e-12) and onp.allclose(p, want_p, atol=1e-12)
    assert onp.isclose(v, 1 - want_e**2, atol=1e-12)
    gx, gy = qml.grad(lambda u, w: f(u, w)[0])(np.array(x, requires_grad=True),
                                              np.array(y, requires_grad=True))
    assert onp.isclose(gx, _fd(lambda u: _post_closed_form(u, y)[0], x), atol=1e-6)
    assert onp.isclose(gy, _fd(lambda w: _post_closed_form(x, w)[0], y), atol=1e-6)
    jp = qml.jacobian(lambda u: f(u, y)[1])(np.array(x, requires_grad=True))
    assert onp.allclose(jp, _fd(lambda u: _post_closed_form(u, y)[1], x), atol=1e-6)


def test_postselection_hessian_and_impossible_outcome():
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def f(xy):
        qml.RY(xy[0], 0)
        qml.RY(xy[1], 1)
        qml.CNOT([0, 1])
        qml.measure(1, postselect=1)
        return qml.expval(qml.PauliZ(0))

    xy = np.array([0.8, 1.9], requires_grad=True)
    hess = qml.hessian(f)(xy)
    g = qml.grad(f)
    fd = onp.array([(g(xy + h) - g(xy - h)) / 2e-5 for h in onp.eye(2) * 1e-5])
    assert onp.allclose(hess, fd, atol=1e-5)

    @qml.qnode(dev)
    def never(x):
        qml.RX(x, 0)
        qml.measure(0, postselect=1)
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[1])

    e, p = never(0.0)  # the kept outcome has probability 0: NaN, as PennyLane's
    assert onp.isnan(e) and onp.isnan(p).all()


def test_samples_and_counts_of_values():
    dev = qml.device("default.qubit", seed=7)

    @qml.set_shots(2000)
    @qml.qnode(dev)
    def f():
        qml.Hadamard(0)
        qml.PauliX(1)
        m0, m1 = qml.measure(0), qml.measure(1)
        return qml.sample(m0), qml.sample(m0 + m1), qml.counts(m1), qml.sample([m0, m1])

    s0, s01, c1, both = f()
    assert s0.shape == (2000,) and set(onp.unique(s0)) <= {0, 1}
    assert set(onp.unique(s01)) <= {1, 2}  # m1 is always 1 (qsym draws each sample of an
    # expression of values from its own shots: see docs/pennylane.md)
    assert dict(c1) == {1.0: 2000}
    assert both.shape == (2000, 2) and onp.all(both[:, 1] == 1)
    assert 800 < s0.sum() < 1200


def _two_coins(shots, seed, returns, **qnode_options):
    """A QNode measuring two wires in |+> mid-circuit (a, b), returning ``returns(a, b)``."""
    @qml.set_shots(shots)
    @qml.qnode(qml.device("default.qubit", seed=seed), **qnode_options)
    def f():
        qml.Hadamard(0)
        qml.Hadamard(1)
        a, b = qml.measure(0), qml.measure(1)
        return returns(a, b)

    return f


@pytest.mark.parametrize("expr, dtype, keys", [
    (lambda a, b: a, onp.int64, {0, 1}),               # a bit: its integer values
    (lambda a, b: a == b, onp.bool_, {False, True}),   # a comparison: booleans
    (lambda a, b: a & b, onp.bool_, {False, True}),
    (lambda a, b: a + b, onp.int64, {0, 1, 2}),        # a sum of bits: integers
    (lambda a, b: 2.0 * a, onp.float64, {0.0, 2.0}),   # a float factor: floats, even 2.0
    (lambda a, b: 0.5 * a + b, onp.float64, {0.0, 0.5, 1.0, 1.5}),
])
@pytest.mark.parametrize("all_outcomes", [False, True])
def test_deferred_counts_and_samples_keep_the_values_type(expr, dtype, keys, all_outcomes):
    # PennyLane 0.45's deferred counts of a measurement value are keyed by the type of its
    # processed values (np.True_, np.int64(2), np.float64(0.5)), and its samples have it:
    # the NumPy type of the values the expression gives on the branches, written out above
    f = _two_coins(400, 3, lambda a, b: (qml.counts(expr(a, b), all_outcomes=all_outcomes),
                                         qml.sample(expr(a, b))), mcm_method="deferred")
    counts, samples = f()
    assert samples.dtype == dtype
    assert all(type(k) is dtype for k in counts)  # np.bool_ is NumPy's bool type
    assert set(counts) == keys  # (400 shots of uniform bits: every value is drawn)
    assert sum(counts.values()) == 400
    # the same numbers as the samples' own tally
    values, tally = onp.unique(samples, return_counts=True)
    assert {v: c for v, c in zip(values.tolist(), tally.tolist())} == {
        k.item(): int(c) for k, c in counts.items() if c}


def test_all_outcomes_keys_in_pennylanes_order():
    # PennyLane lists every outcome in its eigvals' order: the branches (a, b) = 00, 01,
    # 10, 11 for mid-circuit values (first appearance), [1, -1] for a Pauli word, a
    # Hermitian's eigenvalues ascending (-1 -+ 2 sqrt 2 for [[1, 2], [2, -3]])
    dev = qml.device("default.qubit", seed=2)
    values = _two_coins(50, 2, lambda a, b: (
        qml.counts(a == b, all_outcomes=True), qml.counts(b - a, all_outcomes=True),
        qml.counts(2 * b + a, all_outcomes=True)), mcm_method="deferred")
    same, diff, weighted = values()
    assert list(same) == [True, False]
    assert list(diff) == [0, 1, -1]
    assert list(weighted) == [0, 2, 1, 3]

    H = qml.Hermitian(np.array([[1.0, 2.0], [2.0, -3.0]]), wires=0)

    @qml.set_shots(50)
    @qml.qnode(dev)
    def observables():
        qml.RY(0.3, 0)
        qml.RX(0.5, 1)
        return (qml.counts(qml.Z(0), all_outcomes=True),
                qml.counts(qml.Z(0) @ qml.Z(1), all_outcomes=True),
                qml.counts(H, all_outcomes=True))

    z, zz, h = observables()
    assert list(z) == [1.0, -1.0] and list(zz) == [1.0, -1.0]
    assert onp.allclose(list(h), [-1 - 2 * onp.sqrt(2), -1 + 2 * onp.sqrt(2)])
    assert sum(h.values()) == 50


def test_one_shot_counts_keyed_as_pennylanes_one_shot_processing():
    # PennyLane's one-shot processing (mcm_method unset with shots, or "tree-traversal")
    # keys counts of a measurement value, and of an observable measured beside mid-circuit
    # measurements, by Python floats whatever their type, counts of a list of values by
    # Python strings (wires' counts stay np.str_); qml.defer_measurements applied to the
    # QNode defers first, so the device sees no measurement to run in one-shot mode
    f = _two_coins(300, 5, lambda a, b: (qml.counts(a == b), qml.counts(qml.Z(1)),
                                         qml.counts([a, b]), qml.counts(wires=[1])))
    same, z1, pair, wires = f()
    assert {type(k) for k in same} == {float} and set(same) == {0.0, 1.0}
    assert {type(k) for k in z1} == {float} and set(z1) == {-1.0, 1.0}
    assert {type(k) for k in pair} == {str} and set(pair) == {"00", "01", "10", "11"}
    assert {type(k) for k in wires} == {onp.str_}
    # the same shots: wire 1 reads b, and a == b counted from the pairs
    assert wires["1"] == pair["01"] + pair["11"]
    assert same[1.0] == pair["00"] + pair["11"]
    assert sum(z1.values()) == 300
    deferred = qml.defer_measurements(f)()
    assert set(deferred[0]) == {False, True} and {type(k) for k in deferred[0]} == {onp.bool_}
    assert {type(k) for k in deferred[1]} == {onp.float64}
    assert {type(k) for k in deferred[2]} == {onp.str_}
    assert sum(deferred[0].values()) == 300


def test_tape_transform_structure():
    m1 = qml.ops.MidMeasure(0, meas_uid="foo")
    m2 = qml.ops.MidMeasure(0, meas_uid="bar")
    v1, v2 = qml.ops.MeasurementValue([m1]), qml.ops.MeasurementValue([m2])
    tape = qml.tape.QuantumScript([qml.PauliX(0), m1, m2], [qml.expval(v1 * v2)])
    (new,), fn = qml.defer_measurements(tape)
    assert new.operations == [qml.PauliX(0), qml.CNOT([0, 1]), qml.CNOT([0, 2])]
    # merged values order their measurements by id (PennyLane's): bar, then foo
    assert new.measurements[0].mv.wires == qml.wires.Wires([2, 1])
    assert fn(["r"]) == "r"
    assert qml.measurements.MidMeasureMP is qml.ops.MidMeasure
    assert qml.measurements.MeasurementValue is qml.ops.MeasurementValue


def test_tape_with_mid_circuit_measurements_runs():
    m = qml.ops.MidMeasure(0, meas_uid="x")
    v = qml.ops.MeasurementValue([m])
    tape = qml.tape.QuantumScript(
        [qml.RY(0.7, 0), m, qml.ops.Conditional(v, qml.PauliX(1))],
        [qml.expval(qml.PauliZ(1)), qml.expval(v)])
    dev = qml.device("default.qubit", wires=3)
    want = (onp.cos(0.7), onp.sin(0.35) ** 2)  # X on wire 1 with probability sin^2(0.35)
    assert onp.allclose(qml.execute([tape], dev)[0], want)
    (deferred,), fn = qml.defer_measurements(tape)
    assert [op.name for op in deferred.operations] == ["RY", "CNOT", "CNOT"]
    assert onp.allclose(fn(qml.execute([deferred], dev)), want)


def test_a_measurement_dephases_what_is_measured_after_it():
    # H|0> measured mid-circuit: <X> = 0 (the outcome is recorded even if unused), <Z> = 0;
    # postselected on 0: the state |0>, <X> = 0, <Z> = 1
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def f(post):
        qml.Hadamard(0)
        qml.measure(0, postselect=post)
        return qml.expval(qml.PauliX(0)), qml.expval(qml.PauliZ(0))

    assert onp.allclose(f(None), [0.0, 0.0], atol=1e-12)
    assert onp.allclose(f(0), [0.0, 1.0], atol=1e-12)


def test_t_gadget_with_reset():
    # the T gadget (a magic state, CNOT, measure with reset, S if 1) followed by T^dagger
    # is the identity on |+> and |->
    dev = qml.device("default.qubit")
    magic = onp.array([1, onp.exp(1j * onp.pi / 4)]) / onp.sqrt(2)

    @qml.qnode(dev)
    def f(minus):
        qml.Hadamard(0)
        if minus:
            qml.PauliZ(0)
        qml.StatePrep(magic, wires=1)
        qml.CNOT([0, 1])
        m = qml.measure(1, reset=True)
        qml.cond(m, qml.S)(0)
        qml.adjoint(qml.T)(0)
        return qml.expval(qml.PauliX(0))

    assert onp.isclose(f(False), 1.0) and onp.isclose(f(True), -1.0)


def test_postselected_estimates_with_shots_are_means_of_the_kept_shots():
    """With finite shots, expval/var/probs after a postselection are estimated from the
    kept shots (PennyLane's "hw-like" mode): every kept shot of RX(1.8) postselected on 1
    gives Z = -1, so the estimate is exactly -1 (a ratio of two independent estimates was
    seen at -1.046); an impossible outcome gives NaN."""
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(1000)
    @qml.qnode(dev)
    def f(x):
        qml.RX(x, 0)
        qml.measure(0, postselect=1)
        return qml.expval(qml.Z(0)), qml.var(qml.Z(0)), qml.probs(wires=[0])

    for _ in range(3):
        e, v, p = f(1.8)
        assert e == -1.0 and v == 0.0 and list(p) == [0.0, 1.0]

    @qml.set_shots(4000)
    @qml.qnode(dev)
    def g(x):  # postselected on wire 0 = 1, wire 1 is RY(0.7)|1>: <Z1> = -cos(0.7)
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        qml.RY(0.7, 1)
        qml.measure(0, postselect=1)
        return qml.expval(qml.Z(1)), qml.probs(wires=[1])

    e, p = g(1.8)
    kept = 4000 * onp.sin(0.9) ** 2
    assert abs(e + onp.cos(0.7)) < 5 * onp.sqrt((1 - onp.cos(0.7) ** 2) / kept)
    assert -1.0 <= e <= 1.0 and p.sum() == pytest.approx(1.0)

    @qml.set_shots(100)
    @qml.qnode(dev)
    def never():
        qml.measure(0, postselect=1)
        return qml.expval(qml.Z(0))

    assert onp.isnan(never())


def test_defer_measurements_of_a_qnode_returns_a_new_qnode():
    # PennyLane's transforms leave the QNode they are given unchanged
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def f(x):
        qml.RY(x, 0)
        m0 = qml.measure(0)
        qml.cond(m0, qml.X)(1)
        return qml.expval(qml.PauliZ(1))

    deferred = qml.defer_measurements(f)
    assert deferred is not f
    names = [op.name for op in qml.workflow.construct_tape(deferred)(0.7).operations]
    assert "MidMeasureMP" not in names and "CNOT" in names
    original = [type(op).__name__ for op in qml.workflow.construct_tape(f)(0.7).operations]
    assert any("Measure" in n for n in original)  # the given QNode's tape is unchanged
    # <Z1> = 1 - 2 P(m0 = 1) = cos(x) on either
    assert onp.isclose(f(0.7), onp.cos(0.7)) and onp.isclose(deferred(0.7), onp.cos(0.7))


def test_statistics_of_a_value_from_samples_are_keyed_by_its_values():
    """PennyLane's ``process_samples`` of ``counts``/``sample`` of a mid-circuit value: the
    value's classical function of the bits on its wires, per row; counts keyed by values
    (all of the value's outcomes with ``all_outcomes``). Expected numbers counted here."""
    rows = onp.array([[0, 0], [0, 1], [1, 1], [1, 1], [0, 1]])
    m0, m1 = qml.measure(0), qml.measure(1)
    assert qml.counts(m0).process_samples(rows, wire_order=[0, 1]) == {0: 3, 1: 2}
    both = qml.counts(m0 + 2 * m1).process_samples(rows, wire_order=[0, 1])
    assert both == {0: 1, 2: 2, 3: 2}
    value = (m0 - 1) * 2 * (m1 + 1) - 2  # 00: -4, 01: -6, 10: -2, 11: -2
    every = qml.counts(value, all_outcomes=True).process_samples(onp.zeros((4, 2), int), [0, 1])
    assert every == {-6: 0, -4: 4, -2: 0}
    onp.testing.assert_array_equal(qml.sample(m1).process_samples(rows, wire_order=[0, 1]),
                                   [0, 1, 1, 1, 1])
    binned = qml.counts(wires=0).process_samples(rows[:4], wire_order=[0, 1], bin_size=2)
    assert binned == [{"0": 2}, {"1": 2}]
    with pytest.raises(qml.QuantumFunctionError, match="Only sequences of unprocessed"):
        qml.counts(op=[m0, qml.PauliZ(0)])


def test_deferred_conditioned_gates_keep_their_trainable_parameters():
    """The gates a deferred ``qml.cond`` writes keep the tensors they were given (PennyLane's
    tape: trainable), controlled or not; the values are those of the circuit by hand."""
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    @qml.defer_measurements
    def circuit(phi, theta):
        qml.RX(phi, 0)
        m0 = qml.measure(0)
        qml.cond(m0, qml.RY)(theta, wires=1)
        return qml.probs(wires=[0, 1])

    phi, theta = np.array(0.7, requires_grad=True), np.array(1.3, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(phi, theta)
    assert tape.operations[-1].name == "CRY" and tape.get_parameters() == [phi, theta]
    assert qml.ctrl(qml.RY(theta, wires=1), control=0).data[0] is theta
    # P(0) = cos^2(phi/2); on 1, RY(theta) turns |0> into cos(theta/2)|0> + sin(theta/2)|1>
    p0, p1 = onp.cos(0.35) ** 2, onp.sin(0.35) ** 2
    expected = [p0, 0, p1 * onp.cos(0.65) ** 2, p1 * onp.sin(0.65) ** 2]
    assert onp.allclose(circuit(phi, theta), expected)


def test_conditional_is_its_base_as_a_symbolic_operator():
    # PennyLane's Conditional delegates to the conditioned operation
    with qml.queuing.AnnotatedQueue() as q:
        m = qml.measure(0)
        qml.cond(m, qml.RX)(0.3, wires=1)
    c = q.queue[1]
    base = qml.RX(0.3, wires=1)
    assert c.label() == base.label() == "RX"
    assert c.label(decimals=2) == "RX\n(0.30)"
    assert (c.num_params, c.ndim_params, c.batch_size) == (1, (0,), None)
    assert c.has_matrix and c.has_adjoint
    assert np.allclose(c.matrix(), qml.matrix(base))
    assert np.allclose(c.eigvals(), qml.eigvals(base))
    adj = c.adjoint()
    assert adj.meas_val is c.meas_val and np.allclose(adj.base.data, [-0.3])
    moved = c.map_wires({1: "a"})
    assert moved.wires.tolist() == ["a"] and c.wires.tolist() == [1]
    c.data = (0.7,)
    assert np.allclose(c.base.data, [0.7])


def test_cond_errors_are_pennylanes_conditional_transform_error():
    from qsym.exceptions import ConditionalTransformError

    dev = qml.device("default.qubit", wires=2)

    def measuring():
        return qml.expval(qml.Z(0))

    for true_fn, args, match in ((qml.measure, (1,), "contain no measurements"),
                                 (measuring, (), "contain no measurements"),
                                 (1, (), "Only operations and quantum functions")):
        @qml.qnode(dev)
        def circuit():
            m = qml.measure(0)
            qml.cond(m, true_fn)(*args)
            return qml.probs()

        with pytest.raises(ConditionalTransformError, match=match):
            circuit()
    assert issubclass(ConditionalTransformError, ValueError)
    assert issubclass(ConditionalTransformError, qml.QuantumFunctionError)  # as before


def test_cond_callable_exposes_its_branches():
    f, g, h = (lambda: 1), (lambda: 2), (lambda: 3)
    c = qml.cond(False, f, g, elifs=((True, h),))
    assert (c.true_fn, c.false_fn, c.condition) == (f, g, False)
    assert c.elifs == [(True, h)] and c() == 3


def test_qml_equal_of_conditionals_and_measurement_values():
    """qml.equal as PennyLane's: qml.cond's operations are equal when their operations are
    (wires, parameters to the tolerances) and their conditions measure the same mid-circuit
    measurements; measurement values by their measurements (same wires and ids, in order),
    not by their classical processing; statistics of values likewise, a list of values
    never equal to one value. (qml.equal raised GateError on Conditional, and statistics of
    values compared equal whatever they measured.)"""
    from qsym.ops import Conditional

    m, other = qml.measure(0), qml.measure(0)  # same wire, another measurement
    assert qml.equal(Conditional(m, qml.PauliX(0)), Conditional(m, qml.PauliX(0)))
    assert not qml.equal(Conditional(m, qml.PauliX(0)), Conditional(m, qml.PauliX(1)))
    assert not qml.equal(Conditional(m, qml.PauliX(0)), Conditional(other, qml.PauliX(0)))
    near = (Conditional(m, qml.RX(1.2, 0)), Conditional(m, qml.RX(1.2 + 1e-4, 0)))
    assert qml.equal(*near, atol=1e-3, rtol=0) and not qml.equal(*near, atol=1e-5, rtol=0)

    a, b, b2 = qml.measure(0), qml.measure(1), qml.measure(1)
    assert qml.equal(3 * a + 1, 4 * a + 2) and not qml.equal(a, b)
    for stat in (qml.sample, qml.counts, qml.probs):
        assert qml.equal(stat(op=[a, b]), stat(op=[a, b]))
        assert not qml.equal(stat(op=[a, b]), stat(op=[a, b2]))
        assert not qml.equal(stat(op=[a, b]), stat(op=[b, a]))
    for stat in (qml.expval, qml.var, qml.sample, qml.counts):
        assert qml.equal(stat(op=a * b), stat(op=b * a))  # the same measurements
        assert not qml.equal(stat(op=a * b), stat(op=a * b2))
    assert not qml.equal(qml.sample(op=a * b), qml.sample(op=[a, b]))
    with pytest.raises(AssertionError, match="different mid-circuit measurements"):
        qml.assert_equal(Conditional(m, qml.PauliX(0)), Conditional(other, qml.PauliX(0)))


@pytest.mark.parametrize("name", ["default.qubit", "default.mixed", "lightning.qubit"])
def test_too_few_wires_for_the_deferral_names_the_device_it_runs_on(name):
    # a measured wire used again is copied onto a new wire: one device wire is too few
    dev = qml.device(name, wires=1)

    @qml.qnode(dev)
    def f():
        qml.measure(0)
        qml.RX(0.3, wires=0)
        return qml.expval(qml.measure(0))

    with pytest.raises(qml.wires.WireError, match=rf"Cannot run circuit\(s\) on {name} as"):
        f()


def test_statistics_of_mixed_or_composite_values_raise_pennylanes_errors():
    """PennyLane's texts: a list mixing measurement values and operators (``sample``:
    "single", others "unprocessed"); ``qml.probs`` of an expression of several
    measurements is its ``ValueError``."""
    m0, m1 = qml.measure(0), qml.measure(1)
    with pytest.raises(qml.QuantumFunctionError,
                       match="Only sequences of single MeasurementValues can be passed"):
        qml.sample(op=[m0, qml.PauliZ(0)])
    with pytest.raises(qml.QuantumFunctionError,
                       match="Only sequences of unprocessed MeasurementValues can be passed"):
        qml.probs(op=[m0, qml.PauliZ(0)])
    with pytest.raises(ValueError, match=r"Cannot use qp.probs\(\) when measuring multiple"):
        qml.probs(op=m0 + m1)


@pytest.mark.parametrize("method", [None, "one-shot", "tree-traversal", "deferred"])
def test_every_shot_discarded_gives_what_pennylanes_method_gives(method):
    """A shot vector whose postselection keeps no shot (the outcome has probability 0):
    PennyLane 0.45's one-shot processing (its method with shots when none is given) gives
    ``_measurement_with_no_shots``: a scalar NaN for each measurement, ``probs`` of wires,
    ``sample`` and ``counts`` included, NaN per eigenvalue for ``probs`` of an observable or
    of a measurement value; tree-traversal NaN per outcome for every ``probs`` and a scalar
    NaN for the others; the deferred method NaN estimates, an empty sample, empty counts."""
    dev = qml.device("default.qubit", wires=4, seed=5)  # (a fourth for the deferral)

    @qml.set_shots([5, 7])
    @qml.qnode(dev, mcm_method=method)
    def f(x):
        qml.RX(x, 0)
        m = qml.measure(0, postselect=1)
        return (qml.expval(qml.Z(1)), qml.var(qml.Z(1)), qml.probs(wires=[1, 2]),
                qml.sample(wires=[1]), qml.counts(wires=1), qml.expval(m),
                qml.probs(op=m), qml.sample(m), qml.counts(m))

    @qml.set_shots(9)
    @qml.qnode(dev, mcm_method=method)
    def g(x):
        qml.RX(x, 0)
        qml.measure(0, postselect=1)
        return qml.probs(op=qml.X(1))

    def scalar_nan(v):
        return isinstance(v, float) and onp.isnan(v)

    def nans(v, size):
        return isinstance(v, onp.ndarray) and v.shape == (size,) and onp.isnan(v).all()

    results = f(0.0)
    assert isinstance(results, tuple) and len(results) == 2
    for r in results:
        e, v, p, s, c, em, pm, sm, cm = r
        assert onp.isnan(e) and onp.isnan(v) and onp.isnan(em) and nans(pm, 2)
        if method in (None, "one-shot"):
            assert scalar_nan(p) and all(scalar_nan(u) for u in (s, c, sm, cm))
        elif method == "tree-traversal":
            assert nans(p, 4) and all(scalar_nan(u) for u in (s, c, sm, cm))
        else:
            assert nans(p, 4) and s.shape == (0,) and sm.shape == (0,)
            assert c == {} and cm == {}
    # (PennyLane 0.45 itself raises for g with tree-traversal, ZeroDivisionError, and for
    # f and g deferred, ValueError from an empty reshape; qsym gives NaN per outcome)
    assert nans(g(0.0), 2)
    # an outcome that is kept: the usual statistics of the kept shots
    e, v, p, s, c, em, pm, sm, cm = f(onp.pi)[1]
    assert e == 1.0 and v == 0.0 and list(p) == [1.0, 0.0, 0.0, 0.0]
    assert list(s) == [0] * 7 and c == {"0": 7} and em == 1.0 and list(pm) == [0.0, 1.0]


def test_find_post_processed_mcms_names_postselected_and_collected_measurements():
    # PennyLane's: the postselected measurements and those a terminal measurement collects
    # (a measurement neither postselected nor collected, m3, is not needed)
    from qsym.devices.qubit.simulate import _find_post_processed_mcms

    assert qml.measurements.find_post_processed_mcms is _find_post_processed_mcms
    with qml.queuing.AnnotatedQueue() as q:
        m0, m1 = qml.measure(0, postselect=1), qml.measure(1)
        m2, m3 = qml.measure(2), qml.measure(3)
        qml.expval(m1)
        qml.sample([m2, m0])
        qml.expval(qml.Z(3))
    tape = qml.tape.QuantumScript.from_queue(q)
    found = _find_post_processed_mcms(tape)
    assert found == {m0.measurements[0], m1.measurements[0], m2.measurements[0]}
    assert m3.measurements[0] not in found


def test_a_measurement_class_made_directly_takes_processed_values_unchecked():
    # PennyLane checks processed values in qml.probs(op=...) only, not in ProbabilityMP(...)
    from qsym.measurements import ProbabilityMP
    from qsym.wires import Wires

    m0 = qml.ops.MeasurementValue([qml.ops.MidMeasure(Wires(0), meas_uid="0")], lambda v: v)
    m1 = qml.ops.MeasurementValue([qml.ops.MidMeasure(Wires(1), meas_uid="1")], lambda v: v)
    assert repr(ProbabilityMP(obs=[m0, m1])) == (
        "probs([MeasurementValue(wires=[0]), MeasurementValue(wires=[1])])")
    assert repr(ProbabilityMP(obs=m0 * m1)) == "probs(MeasurementValue(wires=[0, 1]))"
    with pytest.raises(qml.QuantumFunctionError, match="unprocessed"):
        qml.probs(op=[m0 + 1, m1])
    with pytest.raises(ValueError, match="multiple mid-circuit measurements"):
        qml.probs(op=m0 * m1)


def test_map_wires_of_a_statistic_of_a_list_of_measurement_values():
    # PennyLane's mp.map_wires maps each measurement value of a list too
    m0, m1 = qml.measure("a"), qml.measure("b")
    mapped = qml.sample(op=[m0, m1]).map_wires({"a": 0, "b": 1})
    assert list(mapped.wires) == [0, 1]
    assert [list(v.wires) for v in mapped.mv] == [[0], [1]]
    assert [v.measurements[0].id for v in mapped.mv] == [m0.measurements[0].id,
                                                         m1.measurements[0].id]


def test_cond_of_the_qubit_unitary_class_applies_its_matrix():
    """qml.cond(m, qml.QubitUnitary)(U, wires) (the matrix given positionally: its data)
    is deferred as a controlled QubitUnitary (it raised "got 'U' twice"). By hand: H on
    wire 1, measured; X on wire 0 when 1: <Z0> = 1/2 - 1/2 = 0 and <Z0 Z1> = 1."""

    @qml.qnode(qml.device("default.qubit"))
    def c():
        qml.Hadamard(1)
        m = qml.measure(1)
        qml.cond(m, qml.QubitUnitary)(onp.array([[0, 1], [1, 0]]), wires=0)
        return qml.expval(qml.Z(0)), qml.expval(qml.Z(0) @ qml.Z(1))

    z0, zz = c()
    assert abs(float(z0)) < 1e-12 and abs(float(zz) - 1.0) < 1e-12


def _mcm_then_cond(qml_mod, diff_method, **kw):
    @qml_mod.qnode(qml_mod.device("default.qubit"), diff_method=diff_method, **kw)
    def f(x):
        qml_mod.RY(x[0], wires=1)
        m = qml_mod.measure(1)
        qml_mod.cond(m, qml_mod.RX)(x[1], wires=0)
        qml_mod.RY(x[2], wires=2)  # off the measured light cone: a zero derivative
        return qml_mod.expval(qml_mod.PauliZ(0))
    return f


def _mcm_then_cond_value(x):
    # P(m=1) = sin^2(x0/2); RX(x1) on |0> when m=1: <Z0> = 1 - sin^2(x0/2) (1 - cos x1)
    return 1 - onp.sin(x[0] / 2) ** 2 * (1 - onp.cos(x[1]))


def test_a_gate_before_a_measurement_reaches_the_operations_conditioned_on_it():
    # the light cone (PennyLane's circuit graph) links a mid-circuit measurement to each
    # qml.cond on it: RY(x0) reaches expval(Z0) through the conditioned RX; the SPSA
    # estimate perturbed only x1 (column 0 was 0 while d/dx0 = -sin(x0)/2 (1 - cos x1))
    from qsym._tapes import light_cone_params

    def ops():
        qml.RY(0.3, wires=1)
        qml.cond(qml.measure(1), qml.RX)(0.5, wires=0)
        qml.RY(0.7, wires=2)

    t = qml.tape.make_qscript(ops)().copy(measurements=[qml.expval(qml.PauliZ(0))])
    assert sorted(light_cone_params(t)) == [0, 1]
    x, h, seed = onp.array([0.3, 0.5, 0.7]), 1e-5, 11
    # one Rademacher direction, drawn as PennyLane's spsa_grad draws it for the two
    # parameters on the light cone, then the central difference along it
    d = onp.random.default_rng(seed).choice([-1, 1], size=2)
    step = onp.array([d[0], d[1], 0.0]) * h
    slope = (_mcm_then_cond_value(x + step) - _mcm_then_cond_value(x - step)) / (2 * h)
    f = _mcm_then_cond(qml, "spsa", gradient_kwargs={"sampler_rng": seed})
    g = qml.jacobian(f)(np.array(x, requires_grad=True))
    assert onp.allclose(g, [slope * d[0], slope * d[1], 0.0], atol=1e-8)
    exact = qml.jacobian(_mcm_then_cond(qml, "parameter-shift"))(np.array(x, requires_grad=True))
    assert onp.allclose(exact, [-onp.sin(0.3) / 2 * (1 - onp.cos(0.5)),
                                -onp.sin(0.15) ** 2 * onp.sin(0.5), 0.0],
                        atol=1e-10)


def test_cond_of_a_product_of_gates_made_in_the_circuit_closed_form_and_gradient():
    # H, m = measure(0); when m = 1: RX(x) on wire 0 and X RY(0.3 x) on wire 1 (a product
    # made as an argument in the circuit). <Z0 Z1> = 1/2 + 1/2 cos x cos(0.3 x)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def f(x):
        qml.Hadamard(0)
        m = qml.measure(0)
        qml.cond(m, qml.prod)(qml.RX(x, 0), qml.prod(qml.PauliX(1), qml.RY(0.3 * x, 1)))
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    for x in (0.4, 1.3):
        assert onp.isclose(f(x), 0.5 + 0.5 * onp.cos(x) * onp.cos(0.3 * x), atol=1e-12)
        g = qml.grad(f)(np.array(x, requires_grad=True))
        exact = -0.5 * (onp.sin(x) * onp.cos(0.3 * x) + 0.3 * onp.cos(x) * onp.sin(0.3 * x))
        assert onp.isclose(g, exact, atol=1e-10)


def test_cond_on_a_users_queue_conditions_a_product_and_a_template_whole():
    # PennyLane's queue: the operator the branch queues is conditioned as one entry
    p = qml.prod(qml.PauliX(1), qml.PauliZ(1))
    with qml.queuing.AnnotatedQueue() as q:
        m = qml.measure(0)
        qml.cond(m, qml.prod)(qml.T(0), p)
        qml.cond(m, qml.AngleEmbedding)(features=[1.0, 2.0], wires=[1, 2], rotation="Z")
    kinds = [type(op).__name__ for op in q.queue]
    assert kinds == ["MidMeasure", "Conditional", "Conditional"]
    assert q.queue[1].base.name == "Prod" and len(q.queue[1].base.operands) == 2
    assert q.queue[2].base.name == "AngleEmbedding"
    onp.testing.assert_allclose(q.queue[2].data[0], [1.0, 2.0])


def test_defer_measurements_of_a_function_keeps_a_conditioned_template_whole():
    # PennyLane's deferred tape: the template controlled by the measured wire (as qml.ctrl
    # of the template gives). H on wire 1, RZ(1) on it when m = 1: <X1> = 1/2 (1 + cos 1)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    @qml.defer_measurements
    def f():
        qml.Hadamard(0)
        qml.Hadamard(1)
        m = qml.measure(0)
        qml.cond(m, qml.AngleEmbedding)(features=[1.0, 2.0], wires=[1, 2], rotation="Z")
        return qml.expval(qml.PauliX(1))

    assert onp.isclose(f(), 0.5 * (1 + onp.cos(1.0)), atol=1e-12)
    ops = qml.workflow.construct_tape(f)().operations
    assert [op.name for op in ops[:2]] == ["Hadamard", "Hadamard"] and len(ops) == 3
    assert isinstance(ops[2], qml.ops.op_math.Controlled)
    assert ops[2].base.name == "AngleEmbedding" and list(ops[2].control_wires) == [0]


def test_a_pauli_product_measurement_in_a_branch_is_refused_by_cond():
    m = qml.measure(1)
    with pytest.raises(qml.errors.ConditionalTransformError, match="no measurements"):
        qml.cond(m, qml.pauli_measure)("X", wires=[0])


def test_cond_of_prod_given_a_product_queues_one_conditional_in_a_qnode():
    """qml.cond(m, qml.prod)(qml.T(1), qml.prod(qml.X(1), qml.Z(2))) in a QNode: the product
    given as an argument is taken off the queue (PennyLane's cond dequeues its arguments),
    so the tape and qml.specs hold one Conditional, as PennyLane 0.45.1's (checked in
    /work/plvenv: gate_types {'Hadamard': 1, 'MidMeasureMP': 1, 'Conditional(Prod)': 1})."""
    @qml.qnode(qml.device("default.qubit", wires=3))
    def c():
        qml.Hadamard(0)
        m = qml.measure(0)
        qml.cond(m, qml.prod)(qml.T(1), qml.prod(qml.PauliX(1), qml.PauliZ(2)))
        return qml.expval(qml.Z(1))

    ops = qml.workflow.construct_tape(c)().operations
    assert [type(o).__name__ for o in ops] == ["Hadamard", "MidMeasure", "Conditional"]
    assert dict(qml.specs(c)()["resources"].gate_types) == {
        "Hadamard": 1, "MidMeasureMP": 1, "Conditional(Prod)": 1}
    assert abs(float(c())) < 1e-12  # <Z1>: +1 when m = 0, -1 (X flips it) when m = 1


def test_tracker_counts_a_conditional_gates_derivative_as_pennylane():
    # PennyLane's parameter shift differentiates a Conditional's parameters by a forward
    # difference (grad_method "F"): one circuit each and the unshifted one, not the deferred
    # controlled gate's four-term rule. Counts: PennyLane 0.45.1's (/work/plvenv): 5 for
    # cond(m, RX), 6 for cond(m, RX, RY) (its two Conditionals); the values by hand
    dev = qml.device("default.qubit", wires=2)

    def make(both):
        @qml.qnode(dev, diff_method="parameter-shift")
        def c(x):
            qml.RY(x[0], 0)
            m = qml.measure(0)
            qml.cond(m, qml.RX, qml.RY if both else None)(x[1], wires=1)
            return qml.expval(qml.Z(1))
        return c

    x = np.array([0.4, 0.9], requires_grad=True)
    for both, runs in ((False, 5), (True, 6)):
        with qml.Tracker(dev) as t:
            g = qml.grad(make(both))(x)
        assert t.totals["executions"] == runs
        # <Z1> = 1 - p (1 - cos x1), p = sin^2(x0/2); with RY on m = 0 too: cos x1
        p, dp = onp.sin(0.2) ** 2, onp.sin(0.4) / 2
        want = [0.0, -onp.sin(0.9)] if both else [-dp * (1 - onp.cos(0.9)), -p * onp.sin(0.9)]
        assert onp.allclose(g, want, atol=1e-9)  # (qsym's exact rule, not the difference)
