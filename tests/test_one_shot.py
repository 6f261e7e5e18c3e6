"""qml.dynamic_one_shot (the one-shot mid-circuit measurement method as a tape transform),
its gathering of single-shot results, the native methods' refusals, and qml.cond/qml.ctrl
recording. Expected values are hand-derived: gathered statistics from hand-written shot
lists, exact probabilities from the circuits' closed forms, sampled ones within a binomial
tolerance at fixed seeds."""

import numpy as onp
import pytest

import qsym as qml
from qsym.ops import MeasurementValue, MidMeasure
from qsym.transforms.dynamic_one_shot import (
    fill_in_value, gather_non_mcm, parse_native_mid_circuit_measurements)


def test_auxiliary_tape_structure():
    # 3 shots become a vector of 3 single shots; the variance is taken from samples of Z;
    # the statistic of the measurement value is dropped, a sample of each MCM appended
    m = MidMeasure(0)
    tape = qml.tape.QuantumScript(
        [qml.H(0), m], [qml.var(qml.Z(0)), qml.expval(MeasurementValue([m]))], shots=3)
    (aux,), _ = qml.dynamic_one_shot(tape)
    assert aux.shots.total_shots == 3 and aux.shots.num_copies == 3
    assert [type(mp).__name__ for mp in aux.measurements] == ["SampleMP", "SampleMP"]
    assert aux.measurements[1].mv.measurements == [m]


def test_batched_tape_split_and_refusals():
    tape = qml.tape.QuantumScript([qml.RX(onp.array([0.1, 0.2, 0.3]), 0), MidMeasure(0)],
                                  [qml.expval(qml.Z(0))], shots=4)
    tapes, _ = qml.dynamic_one_shot(tape)
    assert len(tapes) == 3
    with pytest.raises(TypeError, match="does not support StateMP"):
        qml.dynamic_one_shot(qml.tape.QuantumScript([MidMeasure(0)], [qml.state()], shots=2))
    with pytest.raises(qml.QuantumFunctionError, match="finite shots"):
        qml.dynamic_one_shot(qml.tape.QuantumScript([MidMeasure(0)], [qml.probs(wires=0)]))


def test_processing_discards_postselected_shots_by_hand():
    # 4 shots; the MCM postselects 1; shots 0 and 2 measured 1 (kept), 1 and 3 measured 0
    m = MidMeasure(0, postselect=1)
    tape = qml.tape.QuantumScript([qml.H(0), m],
                                  [qml.expval(qml.Z(1)), qml.probs(wires=1),
                                   qml.sample(MeasurementValue([m]))], shots=4)
    _, fn = qml.dynamic_one_shot(tape)
    z = [1.0, -1.0, -1.0, 1.0]  # kept: +1 and -1 -> mean 0
    probs = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]  # kept: [1,0], [0,1]
    mcm = [1, 0, 1, 0]
    shots = tuple(zip(z, probs, mcm))
    expval, p, s = fn((shots,))
    assert expval == pytest.approx(0.0)
    assert onp.allclose(p, [0.5, 0.5])
    assert list(s) == [1, 1]


def test_gather_pads_discarded_samples():
    valid = onp.array([True, False, True])
    out = gather_non_mcm(qml.sample(wires=0), onp.array([[1], [0], [1]]), valid,
                         postselect_mode="pad-invalid-samples")
    assert out.ravel().tolist() == [1, fill_in_value, 1]
    var = gather_non_mcm(qml.var(qml.Z(0)), [1.0, 5.0, -1.0], valid)
    assert var == pytest.approx(1.0)  # kept +1, -1: mean 0, variance 1


def test_all_shots_discarded_gives_nan():
    m = MidMeasure(0, postselect=1)
    tape = qml.tape.QuantumScript([m], [qml.probs(wires=[0, 1]), qml.expval(qml.Z(0)),
                                        qml.probs(op=qml.X(1))], shots=2)
    res = parse_native_mid_circuit_measurements(
        tape, results=[([1, 0, 0, 0], [1, 0, 0, 0]), (1.0, 1.0), ([1, 0], [1, 0]), (0, 0)])
    # PennyLane 0.45's one-shot processing (NaN times ones_like of the eigenvalues): a
    # scalar NaN for probs of wires (no eigenvalues), NaN per eigenvalue for probs(op=X)
    assert isinstance(res[0], float) and onp.isnan(res[0]) and onp.isnan(res[1])
    assert res[2].shape == (2,) and onp.isnan(res[2]).all()


def test_dynamic_one_shot_refused_on_a_qnode():
    with pytest.raises(qml.TransformError, match="mcm_method='one-shot'"):
        qml.dynamic_one_shot(qml.qnode(qml.device("default.qubit"))(lambda: qml.probs(wires=0)))


@pytest.mark.parametrize("method", ["one-shot", "tree-traversal"])
def test_native_methods_refuse_shadows(method):
    @qml.set_shots(10)
    @qml.qnode(qml.device("default.qubit"), mcm_method=method)
    def f():
        qml.measure(0)
        return qml.classical_shadow(wires=0)

    with pytest.raises(TypeError, match="does not support ClassicalShadowMP"):
        f()


def test_one_shot_statistics_match_closed_form():
    # RY(x) then measure: P(m=1) = sin^2(x/2); X on wire 1 when m = 1, so wire 1 copies m.
    # 4000 shots: the standard error of a frequency is at most 0.5/sqrt(4000) = 0.008; 0.04
    # is 5 of them (a fixed seed: the check is deterministic)
    x = 1.1
    p1 = onp.sin(x / 2) ** 2
    onp.random.seed(7)

    @qml.set_shots(4000)
    @qml.qnode(qml.device("default.qubit"), mcm_method="one-shot")
    def f():
        qml.RY(x, wires=0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(wires=1)
        return qml.expval(m), qml.probs(wires=1)

    e, p = f()
    assert abs(e - p1) < 0.04 and abs(p[1] - p1) < 0.04


def test_postselect_hw_like_keeps_a_binomial_share():
    # RX(pi/2): P(1) = 1/2; hw-like discards the others: ~ 200 of 400 kept, sd 10
    onp.random.seed(3)

    @qml.set_shots(400)
    @qml.qnode(qml.device("default.qubit"), mcm_method="one-shot", postselect_mode="hw-like")
    def f():
        qml.RX(onp.pi / 2, 0)
        qml.measure(0, postselect=1)
        return qml.sample(wires=[0])

    s = f()
    assert 150 < len(s) < 250 and onp.all(s == 1)


def test_ctrl_of_a_conditioned_function_keeps_the_condition():
    # H on 0 and 1; RX(t) on 2 when m0 = 1 and wire 1 is 1: P(2 = 1) = 1/4 sin^2(t/2)
    t = 0.9

    @qml.qnode(qml.device("default.qubit", wires=3))
    def f():
        qml.H(0)
        qml.H(1)
        m = qml.measure(0)
        qml.ctrl(qml.cond(m, qml.RX), 1)(t, wires=2)
        return qml.probs(wires=2)

    assert f()[1] == pytest.approx(0.25 * onp.sin(t / 2) ** 2, abs=1e-12)


def test_cond_records_unqueued_results_and_dequeues_arguments():
    mp = MidMeasure(0, meas_uid="a")
    mv = MeasurementValue([mp])

    def circuit():
        qml.apply(mp)
        qml.cond(mv, qml.simplify)(qml.T(0))
        return qml.expval(qml.Z(0))

    tape = qml.tape.make_qscript(circuit)()
    assert len(tape.operations) == 2 and tape.operations[1].base.name == "T"

    def classical(x):
        qml.cond(x > 0, qml.apply, qml.apply)(qml.X(0))

    with qml.queuing.AnnotatedQueue() as q:
        classical(1)
    assert len(q.queue) == 1


def test_conditional_map_wires_maps_the_measurements():
    with qml.queuing.AnnotatedQueue() as q:
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(1)
    meas, op = q.queue
    mapped = op.map_wires({0: "a", 1: "b"})
    assert mapped.meas_val.measurements == [meas.map_wires({0: "a"})]
    assert list(mapped.wires) == ["b"]


def test_values_and_wires_are_sampled_from_the_same_shots():
    # X on wire 1 exactly when m = 1, so wire 1 copies m shot by shot; m0 * 2 is 2 m
    onp.random.seed(11)

    @qml.set_shots(200)
    @qml.qnode(qml.device("default.qubit"), mcm_method="one-shot")
    def f():
        qml.H(0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(wires=1)
        return qml.sample(m), qml.sample(wires=1), qml.sample(2 * m), qml.counts(m)

    s_m, s_w, s_2m, counts = f()
    assert s_m.ravel().tolist() == s_w.ravel().tolist()
    assert (s_2m.ravel() == 2 * s_m.ravel()).all()
    assert counts[1.0] == int(s_m.sum()) and counts[0.0] == 200 - int(s_m.sum())


def test_postselected_measurements_share_their_kept_shots():
    # H on 0 and 1, keep m0 = 1 (P = 1/2), X on 2 when m1 = 1: every computational-basis
    # measurement sees the same kept shots, so wire 2 copies m1 and wire 0 is 1 throughout,
    # and the counts, probabilities and mean agree with the samples exactly
    onp.random.seed(2)

    @qml.set_shots(100)
    @qml.qnode(qml.device("default.qubit"), mcm_method="one-shot")
    def f():
        qml.H(0)
        qml.H(1)
        qml.measure(0, postselect=1)
        m1 = qml.measure(1)
        qml.cond(m1, qml.X)(2)
        return (qml.sample(m1), qml.sample(wires=[0, 2]), qml.counts(m1), qml.probs(wires=2),
                qml.expval(m1))

    s, w, counts, p, e = f()
    kept = len(s)
    assert 30 < kept < 70 and w.shape == (kept, 2)  # binomial(100, 1/2): sd 5
    assert (w[:, 0] == 1).all() and (w[:, 1] == s.ravel()).all()
    ones = int(s.sum())
    assert counts == {0.0: kept - ones, 1.0: ones}
    assert onp.allclose(p, [(kept - ones) / kept, ones / kept]) and e == pytest.approx(ones / kept)


def test_a_queued_ctrl_of_a_conditional_is_pennylanes_and_runs():
    # the queue holds Controlled(Conditional(RX)); run as a tape it is RX on 2 when m0 = 1
    # and wire 1 is 1: P(2 = 1) = 1/4 sin^2(t/2) after H on 0 and 1
    t = 0.9
    probs = qml.probs(wires=2)  # (made outside: qml.apply queues it once)
    with qml.queuing.AnnotatedQueue() as q:
        qml.H(0)
        qml.H(1)
        m = qml.measure(0)
        qml.ctrl(qml.cond(m, qml.RX), 1)(t, wires=2)
        qml.apply(probs)
    tape = qml.tape.QuantumScript.from_queue(q)
    op = tape.operations[3]
    assert isinstance(op, qml.ops.op_math.Controlled) and isinstance(op.base, qml.ops.Conditional)
    assert list(op.control_wires) == [1] and op.base.base.name == "RX"
    res = qml.execute([tape], qml.device("default.qubit", wires=3))[0]
    assert res[1] == pytest.approx(0.25 * onp.sin(t / 2) ** 2, abs=1e-12)
