"""Issue #18 (stop 61): PennyLane 0.45.1's one-shot simulation of postselected mid-circuit
measurements (devices/qubit/test_simulate.py::TestMidMeasurements::test_simple_dynamic_circuit,
its postselected cases).

``qml.devices.qubit.simulate(tape, mcm_method="one-shot")`` of ``qml.dynamic_one_shot``'s
auxiliary tape returns one result per shot, each mid-circuit measurement sampled from its
own probabilities (a postselected one too); the transform's processing keeps the shots whose
postselected outcomes have their value. Expected values are derived by hand (deterministic
circuits) or are PennyLane 0.45.1's output for the same seed, computed in /work/plvenv and
pasted (qsym draws the outcomes and samples of these circuits from the generator in
PennyLane's order).
"""

import numpy as np
import pytest

import qsym as qml
from qsym.devices.qubit import simulate


def _one_shot(ops, measurements, shots, seed, postselect_mode=None):
    tape = qml.tape.QuantumScript(ops, measurements, shots=shots)
    tapes, fn = qml.dynamic_one_shot(tape, postselect_mode=postselect_mode)
    rng = np.random.default_rng(seed)
    raw = [simulate(t, mcm_method="one-shot", rng=rng) for t in tapes]
    return raw, fn(raw)


def _rx_circuit():
    m0 = qml.measure(0)
    m1 = qml.measure(1, postselect=0)
    return m0, m1, [qml.RX(1.0, 0), *m0.measurements, qml.RX(1.2, 1), *m1.measurements]


def test_per_shot_results_and_their_postselection_are_pennylanes():
    """Each shot's results (the measurement, then the outcome of each mid-circuit
    measurement, discarded shots included) and the processed statistics of the kept
    shots (m1 == 0: shots 2 and 3). PennyLane 0.45.1, default_rng(1), pasted:
    raw ((array([[1, 0]]), 0, 1), (array([[0, 1]]), 1, 0), (array([[0, 1]]), 1, 0),
    (array([[1, 0]]), 0, 1)) -> array([[0, 1], [0, 1]]); expval(Y(0)) -> 0.0;
    probs(wires=[1, 0]) -> [0, 1, 0, 0]; var(m0) -> 0.25; sample([m0, m1]) -> [[0, 0], [1, 0]]."""
    m0, m1, ops = _rx_circuit()
    raw, out = _one_shot(ops, [qml.sample(wires=[1, 0])], 4, 1)
    (shots,) = raw
    assert [(np.asarray(s).tolist(), a, b) for s, a, b in shots] == [
        ([[1, 0]], 0, 1), ([[0, 1]], 1, 0), ([[0, 1]], 1, 0), ([[1, 0]], 0, 1)]
    np.testing.assert_array_equal(out, [[0, 1], [0, 1]])

    m0, m1, ops = _rx_circuit()
    (shots,), out = _one_shot(ops, [qml.expval(qml.Y(0))], 4, 1)
    assert [s[0] for s in shots] == [1.0, 1.0, -1.0, -1.0]
    assert out == 0.0

    m0, m1, ops = _rx_circuit()
    _, out = _one_shot(ops, [qml.probs(wires=[1, 0])], 4, 1)
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.0, 0.0])

    m0, m1, ops = _rx_circuit()
    _, out = _one_shot(ops, [qml.var(m0)], 4, 1)
    assert out == 0.25

    m0, m1, ops = _rx_circuit()
    _, out = _one_shot(ops, [qml.sample([m0, m1])], 4, 1)
    np.testing.assert_array_equal(out, [[0, 0], [1, 0]])
    assert out.dtype.kind == "i"  # the outcomes' integers, as PennyLane's


def test_no_shot_kept_gives_pennylanes_nan():
    """X(0) then postselecting 0: every shot is discarded (by hand). PennyLane 0.45.1,
    pasted: (nan, nan, array([nan, nan]), nan, nan, nan) (probs of wires is a scalar NaN:
    no eigenvalues; probs of a measurement value one per value); a shot vector [2, 3]:
    (nan, nan)."""
    m = qml.measure(0, postselect=0)
    _, out = _one_shot([qml.X(0), *m.measurements],
                       [qml.expval(qml.Z(1)), qml.probs(wires=[0]), qml.probs(op=m),
                        qml.var(qml.Z(0)), qml.sample(wires=0), qml.counts(wires=0)], 3, 1)
    assert len(out) == 6
    assert np.isnan(out[0]) and np.ndim(out[1]) == 0 and np.isnan(out[1])
    assert np.shape(out[2]) == (2,) and np.all(np.isnan(out[2]))
    assert all(np.ndim(r) == 0 and np.isnan(r) for r in out[3:])

    m = qml.measure(0, postselect=0)
    _, out = _one_shot([qml.X(0), *m.measurements], [qml.expval(qml.Z(1))], [2, 3], 1)
    assert isinstance(out, tuple) and len(out) == 2 and all(np.isnan(r) for r in out)


def test_every_shot_kept_with_a_shot_vector():
    """X(0), postselecting 1 (every shot kept), X(1): <Z1> = -1 and every sample |11>, per
    bin of the shot vector [2, 3] (by hand; PennyLane 0.45.1 gives the same)."""
    m = qml.measure(0, postselect=1)
    _, out = _one_shot([qml.X(0), *m.measurements, qml.X(1)],
                       [qml.expval(qml.Z(1)), qml.sample(wires=[0, 1])], [2, 3], 1)
    assert len(out) == 2
    for (ev, samples), n in zip(out, (2, 3)):
        assert ev == -1.0
        np.testing.assert_array_equal(samples, np.ones((n, 2)))


def test_postselection_keeps_the_shots_with_the_outcome():
    """H(0), postselecting 1, CNOT: a kept shot has wire 1 in |1> (by hand), so the samples
    are ones, <Z1> = -1, and the counts of the outcome are the number of kept shots, a
    binomial number of 100 with p = 1/2 (inside 50 +- 25: 5 standard deviations). With
    "pad-invalid-samples" every shot stays, a discarded one padded with
    ``fill_in_value`` in both samples, at the same shots."""
    m = qml.measure(0, postselect=1)
    (shots,), (samples, ev, counts) = _one_shot(
        [qml.H(0), *m.measurements, qml.CNOT([0, 1])],
        [qml.sample(wires=[1]), qml.expval(qml.Z(1)), qml.counts(op=m)], 100, 7)
    kept = sum(s[-1] == 1 for s in shots)
    assert 25 <= kept <= 75 and kept < 100
    assert np.shape(samples) == (kept, 1) and np.all(samples == 1)
    assert ev == -1.0 and counts == {1.0: kept}

    fill = -2147483648  # PennyLane 0.45.1's fill_in_value (np.iinfo(np.int32).min), pasted
    m = qml.measure(0, postselect=1)
    (shots,), (wire1, outcome) = _one_shot(
        [qml.H(0), *m.measurements, qml.CNOT([0, 1])],
        [qml.sample(wires=[1]), qml.sample(op=m)], 12, 7, "pad-invalid-samples")
    valid = np.array([s[-1] == 1 for s in shots])
    assert 0 < valid.sum() < 12
    np.testing.assert_array_equal(np.ravel(wire1), np.where(valid, 1, fill))
    np.testing.assert_array_equal(outcome, np.where(valid, 1, fill))


def test_another_tape_keeps_the_devices_results():
    """A tape that is not dynamic_one_shot's (no samples of its mid-circuit measurements
    last) is not split into shots (PennyLane's would read its last measurement as the
    outcome): X(0), measure, <Z0> = -1 (by hand)."""
    m = qml.measure(0)
    tape = qml.tape.QuantumScript([qml.X(0), *m.measurements], [qml.expval(qml.Z(0))], shots=3)
    assert simulate(tape, mcm_method="one-shot", rng=1) == -1.0


def test_device_execution_of_the_auxiliary_tape():
    """dynamic_one_shot's tape run by qsym's default.qubit (a shot vector of single shots
    the device postselects itself: a discarded shot is NaN in every result) then
    processed: H(0), postselecting 1, CNOT keeps the shots with wire 1 in |1> (by hand:
    <Z1> = -1, samples ones, as many samples as kept shots)."""
    dev = qml.device("default.qubit", seed=3)
    m = qml.measure(0, postselect=1)
    tape = qml.tape.QuantumScript([qml.H(0), *m.measurements, qml.CNOT([0, 1])],
                                  [qml.expval(qml.Z(1)), qml.sample(wires=[1])], shots=40)
    tapes, fn = qml.dynamic_one_shot(tape)
    (raw,) = dev.execute(tapes)
    nan = [bool(np.isnan(np.asarray(r[0], dtype=float)).all()) for r in raw]
    for shot, lost in zip(raw, nan):  # every result of a shot kept or every one NaN
        assert all(bool(np.isnan(np.asarray(x, dtype=float)).all()) == lost for x in shot)
    ev, samples = fn((raw,))
    assert 0 < sum(nan) < 40
    assert ev == -1.0 and np.shape(samples) == (40 - sum(nan), 1) and np.all(samples == 1)


def test_one_shot_results_discarded_in_some_measurements_only_are_refused():
    """A shot NaN in one result and not in another cannot be processed (its value would be
    counted with another shot's outcome): a MeasurementError that says what to give."""
    m = qml.measure(0, postselect=1)
    tape = qml.tape.QuantumScript([qml.H(0), *m.measurements], [qml.expval(qml.Z(0))], shots=2)
    _, fn = qml.dynamic_one_shot(tape)
    with pytest.raises(qml.errors.MeasurementError, match="NaN .* in some measurements"):
        fn((((-1.0, 1), (np.nan, 1)),))


def test_postselected_measurements_of_one_execution_keep_the_same_shots():
    """PennyLane draws the shots a postselection keeps once per execution (per bin of a
    shot vector), and every measurement reads them: samples of X(1) and of Z(1) (measured
    from different rotations of the state) have the same length in each bin."""
    dev = qml.device("default.qubit", seed=5)

    @qml.qnode(dev, mcm_method="deferred", shots=[3] * 6)
    def circuit():
        qml.H(0)
        qml.measure(0, postselect=1)
        qml.RX(0.4, 1)
        return qml.sample(qml.X(1)), qml.sample(qml.Z(1)), qml.expval(qml.Y(1))

    lengths = [(len(a), len(b), bool(np.isnan(e))) for a, b, e in circuit()]
    assert all(a == b and (a == 0) == lost for a, b, lost in lengths)


def test_simulate_one_shot_native_mcm_is_one_shot():
    """PennyLane's simulate_one_shot_native_mcm (its module's name; the second positional
    argument is the debugger): one shot, the measurements then the outcome. X(0) then a
    measurement postselecting 0 gives outcome 1 (the processing discards the shot), <Z0> =
    -1; RX(pi/2): each outcome half of the time, the terminal value the outcome's."""
    from qsym.devices.qubit.simulate import simulate_one_shot_native_mcm

    m = qml.measure(0, postselect=0)
    tape = qml.tape.QuantumScript([qml.X(0), *m.measurements],
                                  [qml.expval(qml.Z(0)), qml.sample(m)], shots=[1])
    assert simulate_one_shot_native_mcm(tape, None, rng=np.random.default_rng(0)) == (-1.0, 1)
    m = qml.measure(0)
    tape = qml.tape.QuantumScript([qml.RX(np.pi / 2, 0), *m.measurements],
                                  [qml.expval(qml.Z(0)), qml.sample(m)], shots=[1])
    rng = np.random.default_rng(0)
    shots = [simulate_one_shot_native_mcm(tape, rng=rng) for _ in range(60)]
    assert all(ev == 1 - 2 * outcome for ev, outcome in shots)
    assert 0 < sum(outcome for _, outcome in shots) < 60


def test_split_circuit_at_mcms():
    """PennyLane's split_circuit_at_mcms (by hand from its definition): one segment per
    mid-circuit measurement measuring its wire (sample with shots, probs without), then
    the rest with the measurements of wires and observables only."""
    from qsym.devices.qubit.simulate import split_circuit_at_mcms

    m0, m1 = qml.measure(0), qml.measure(1)
    ops = [qml.H(0), *m0.measurements, qml.RX(0.3, 1), qml.CNOT([0, 1]), *m1.measurements,
           qml.X(0)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0)), qml.sample(m0)], shots=5)
    parts = split_circuit_at_mcms(tape)
    assert [[op.name for op in t.operations] for t in parts] == [
        ["Hadamard"], ["RX", "CNOT"], ["PauliX"]]
    assert [[(m.kind, list(m.wires)) for m in t.measurements] for t in parts] == [
        [("sample", [0])], [("sample", [1])], [("expval", [0])]]
    assert all(t.shots.total_shots == 5 for t in parts)
    analytic = split_circuit_at_mcms(tape.copy(shots=None, measurements=[qml.probs(wires=0)]))
    assert [m.kind for t in analytic for m in t.measurements] == ["probs", "probs", "probs"]
