"""Mid-circuit measurements drawn branch by branch on the circuit's own wires
(qsym._branches, qsym._shots.native_values): PennyLane's one-shot method without the
deferral's copy wires. Expected values come from a second method (the deferred circuit's
exact probabilities, shots=None) or closed forms."""

import itertools
import tracemalloc

import numpy as np
import pytest

import qsym as qml
import qsym._ir as ir
from qsym import _branches, _shots
from qsym.errors import DeviceError, PostselectionError


@pytest.fixture
def native(monkeypatch):
    """Every one-shot circuit with copy wires drawn branch by branch; the number of
    branch-by-branch runs made."""
    runs = []
    original = _shots.branches

    def counted(*args, **kwargs):
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_shots, "NATIVE_FROM_WIRES", 0)
    monkeypatch.setattr(_shots, "branches", counted)
    return runs


def _body(x, y):
    qml.RX(x, 0)
    m0 = qml.measure(0, reset=True)
    qml.cond(m0, qml.RY)(y, wires=1)
    qml.RX(y, 0)
    qml.CNOT([0, 1])
    m1 = qml.measure(1)
    qml.cond(~m1, qml.RX)(x, wires=1)
    qml.cond(m0 & m1, qml.Hadamard)(wires=0)
    return m0, m1


def _exact(x, y):
    """The values' and the wires' distributions, deferred and exact."""

    @qml.qnode(qml.device("default.qubit", wires=4))
    def exact(x, y):
        m0, m1 = _body(x, y)
        return qml.probs(op=[m0, m1]), qml.probs(wires=[0, 1])

    return exact(x, y)


def test_draws_follow_the_deferred_distribution(native):
    x, y, shots = 1.1, 0.7, 40000
    dev = qml.device("default.qubit", wires=2, seed=11)

    @qml.qnode(dev, shots=shots, mcm_method="one-shot")
    def drawn(x, y):
        m0, m1 = _body(x, y)
        return qml.sample(m0), qml.sample(m1), qml.sample(wires=[0, 1])

    s0, s1, wires = drawn(x, y)
    assert native  # (drawn branch by branch)
    assert s0.shape == (shots,) and s1.shape == (shots,) and wires.shape == (shots, 2)
    values, wire_probs = _exact(x, y)
    # the joint frequencies of (m0, m1, wire 0, wire 1) against the exact joint: the
    # deferred circuit's probabilities of its copy wire 2 (m0), wire 1 as measured (m1 is
    # its own copy: not used again), wire 0 and 1 after
    outcome = (s0 * 8 + s1 * 4 + wires[:, 0] * 2 + wires[:, 1]).astype(int)
    freq = np.bincount(outcome, minlength=16) / shots
    expected = _joint_by_deferral(x, y)
    sigma = np.sqrt(expected * (1 - expected) / shots) + 1e-12
    assert np.all(np.abs(freq - expected) < 5 * sigma + 1e-9)
    assert np.allclose(np.bincount(s0 * 2 + s1, minlength=4) / shots, values, atol=0.01)
    assert np.allclose(np.bincount(wires[:, 0] * 2 + wires[:, 1], minlength=4) / shots,
                       wire_probs, atol=0.01)


def _joint_by_deferral(x, y):
    """(m0, m1, wire 0, wire 1) from the deferred state: m0 on a copy wire, m1 copied too
    (CNOT onto a fresh wire written by hand), all four measured at the end."""

    @qml.qnode(qml.device("default.qubit", wires=5))
    def deferred(x, y):
        qml.RX(x, 0)
        qml.CNOT([0, 2])  # m0's copy
        qml.CNOT([2, 0])  # reset
        qml.CRY(y, wires=[2, 1])
        qml.RX(y, 0)
        qml.CNOT([0, 1])
        qml.CNOT([1, 3])  # m1's copy
        qml.PauliX(3)
        qml.CRX(x, wires=[3, 1])
        qml.PauliX(3)
        qml.Toffoli([2, 3, 4])  # m0 & m1
        qml.CH(wires=[4, 0])
        qml.Toffoli([2, 3, 4])
        return qml.probs(wires=[2, 3, 0, 1])

    return np.asarray(deferred(x, y))


def test_statistics_match_the_deferred_values(native):
    x, y = 0.9, 1.3
    dev = qml.device("default.qubit", wires=2, seed=5)

    @qml.qnode(dev, shots=30000, mcm_method="one-shot")
    def drawn(x, y):
        m0, m1 = _body(x, y)
        return (qml.expval(m0 + 2 * m1), qml.var(qml.PauliX(0)), qml.expval(qml.PauliY(1)),
                qml.probs(wires=[1]), qml.counts(m0))

    @qml.qnode(qml.device("default.qubit", wires=4))
    def exact(x, y):
        m0, m1 = _body(x, y)
        return (qml.expval(m0 + 2 * m1), qml.var(qml.PauliX(0)), qml.expval(qml.PauliY(1)),
                qml.probs(wires=[1]), qml.expval(m0))

    e, v, ey, p, counts = drawn(x, y)
    assert native
    ee, ev, eey, ep, em0 = exact(x, y)
    assert abs(e - ee) < 0.03 and abs(v - ev) < 0.03 and abs(ey - eey) < 0.03
    assert np.allclose(p, ep, atol=0.015)
    assert set(counts) <= {0.0, 1.0} and sum(counts.values()) == 30000
    assert abs(counts.get(1.0, 0) / 30000 - em0) < 0.015


def test_shapes_and_types_as_the_deferred_draws(native, monkeypatch):
    def make():
        @qml.qnode(qml.device("default.qubit", wires=2, seed=3), shots=[50, 70],
                   mcm_method="one-shot")
        def f(x):
            m0, m1 = _body(x, 0.4)
            return (qml.sample(m0), qml.counts(m1), qml.sample(wires=[0, 1]),
                    qml.counts(wires=[0]), qml.probs(op=m1), qml.expval(qml.Z(0)),
                    qml.counts(qml.PauliZ(1)))

        return f

    got = make()(0.8)
    assert native
    monkeypatch.setattr(_shots, "NATIVE_FROM_WIRES", 10**6)
    want = make()(0.8)
    assert len(got) == len(want) == 2
    for g_copy, w_copy in zip(got, want):
        for g, w in zip(g_copy, w_copy):
            assert type(g) is type(w)
            if isinstance(w, dict):
                assert {type(k) for k in g} == {type(k) for k in w}
            else:
                assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype


def test_postselection_discards_shots_hw_like(native):
    x, y, shots = 1.2, 0.5, 20000
    dev = qml.device("default.qubit", wires=2, seed=8)

    @qml.qnode(dev, shots=shots, mcm_method="one-shot", postselect_mode="hw-like")
    def f(x, y):
        qml.RX(x, 0)
        m0 = qml.measure(0, reset=True, postselect=1)
        qml.RY(y, 0)
        qml.cond(m0, qml.PauliX)(1)
        return qml.sample(wires=[0, 1]), qml.counts(m0), qml.expval(qml.Z(0))

    samples, counts, z = f(x, y)
    assert native
    p = np.sin(x / 2) ** 2  # the kept outcome's probability
    kept = samples.shape[0]
    assert abs(kept - shots * p) < 5 * np.sqrt(shots * p * (1 - p))
    assert counts == {1.0: kept}
    assert np.all(samples[:, 1] == 1)  # the X conditioned on m0 = 1 ran on every kept shot
    assert abs(np.mean(samples[:, 0]) - np.sin(y / 2) ** 2) < 5 * 0.5 / np.sqrt(kept)
    assert abs(z - np.cos(y)) < 0.05


def test_postselection_with_no_kept_shot(native, monkeypatch):
    def run():
        @qml.qnode(qml.device("default.qubit", wires=2, seed=2), shots=100,
                   mcm_method="one-shot")
        def f():
            m0 = qml.measure(0, reset=True, postselect=1)  # |0>: never 1
            qml.RY(0.3, 0)
            qml.cond(m0, qml.PauliX)(1)
            return qml.sample(wires=[0]), qml.expval(qml.Z(0)), qml.probs(wires=[0, 1])

        return f()

    got = run()
    assert native
    monkeypatch.setattr(_shots, "NATIVE_FROM_WIRES", 10**6)
    want = run()  # the deferred draws' answer when nothing is kept
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        assert np.array_equal(np.isnan(np.asarray(g, dtype=float)),
                              np.isnan(np.asarray(w, dtype=float)))


def test_many_reused_measurements_in_bounded_memory():
    """25 measurements of a reset wire: 28 wires deferred (a 4 GiB state); drawn branch by
    branch on the 3 own wires (NATIVE_FROM_WIRES chooses it by itself)."""
    k, x, shots = 25, 0.7, 3000
    dev = qml.device("default.qubit", wires=3, seed=4)

    @qml.qnode(dev, shots=shots, mcm_method="one-shot")
    def f(x):
        ms = []
        for _ in range(k):
            qml.RX(x, 0)
            ms.append(qml.measure(0, reset=True))
            qml.cond(ms[-1], qml.PauliX)(1)  # wire 1 flips once per outcome 1
        return qml.expval(ms[0]), qml.expval(ms[-1]), qml.sample(wires=[1]), qml.counts(ms[3])

    tracemalloc.start()
    try:
        first, last, parity, counts = f(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20
    p = np.sin(x / 2) ** 2  # each measurement reads 1 with this probability
    tol = 5 * np.sqrt(p * (1 - p) / shots)
    assert abs(first - p) < tol and abs(last - p) < tol
    assert sum(counts.values()) == shots
    # wire 1: the parity of the k outcomes, 1 with probability (1 - (1 - 2p)^k) / 2
    odd = (1 - (1 - 2 * p) ** k) / 2
    assert abs(parity.mean() - odd) < 5 * np.sqrt(odd * (1 - odd) / shots)


def test_refused_with_the_memory_each_way_needs(monkeypatch):
    monkeypatch.setattr(_shots, "_physical_memory", lambda: 2.0**9)  # (256 bytes for a state)

    @qml.qnode(qml.device("default.qubit", wires=3, seed=1), shots=10, mcm_method="one-shot")
    def f():
        qml.Hadamard(0)
        m = qml.measure(0, reset=True)
        qml.cond(m, qml.PauliX)(1)
        return qml.sample(wires=[0, 1, 2])

    with pytest.raises(DeviceError, match=r"4-wire state when deferred.*GiB.*3 own wires"):
        f()


# --- the branches of a deferred circuit (qsym._branches) ------------------------------------
def _copy_circuit(after=()):
    """H on 0, copied onto 2 (a measurement), reset, then ``after``; probs of 0, 1, 2."""
    ops = (ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 2)), ir.Op("CNOT", (2, 0)),
           ir.Op("CNOT", (2, 1))) + tuple(after)
    return ir.Circuit(3, ops, (ir.Measurement("probs", on=(0, 1, 2)),))


def test_branches_split_the_shots_binomially():
    c = _copy_circuit()
    plan = _branches.branch_plan(c)
    assert plan.own == 2 and plan.classical == (2,)
    leaves = list(_branches.branches(plan, c, (), (), 100000, np.random.default_rng(0)))
    assert sorted(bits for _, bits, _ in leaves) == [0, 1]
    for psi, bits, count in leaves:
        want = np.zeros((2, 2))
        want[0, bits] = 1.0  # wire 0 reset, wire 1 flipped by the copy's bit
        assert np.allclose(np.abs(psi), want)
        assert abs(count - 50000) < 5 * np.sqrt(25000)


def test_branches_postselected():
    c = ir.Circuit(3, _copy_circuit().ops, (ir.Measurement(
        "probs", on=(0, 1), post=((0.5, ()), (-0.5, ((2, "Z"),)))),))
    plan = _branches.branch_plan(c)
    assert plan.required == {2: 1}
    rng = np.random.default_rng(1)
    leaves = list(_branches.branches(plan, c, (), (), 1000, rng))
    kept = [count for psi, _, count in leaves if psi is not None]
    discarded = [count for psi, _, count in leaves if psi is None]
    assert sum(kept) + sum(discarded) == 1000 and abs(sum(kept) - 500) < 80
    filled = list(_branches.branches(plan, c, (), (), 1000, rng, fill=True))
    assert [(bits, count) for _, bits, count in filled] == [(1, 1000)]
    never = ir.Circuit(3, (ir.Op("CNOT", (0, 2)),) + c.ops[2:], c.measurements)
    with pytest.raises(PostselectionError):
        list(_branches.branches(_branches.branch_plan(never), never, (), (), 10, rng,
                                fill=True))


def test_a_gate_that_mixes_a_copy_is_not_classical():
    c = _copy_circuit([ir.Op("Hadamard", (2,))])
    plan = _branches.branch_plan(c)
    with pytest.raises(_branches.NotClassical):
        list(_branches.branches(plan, c, (), (), 10, np.random.default_rng(0)))


def test_copies_read_in_another_basis_are_not_classical():
    c = ir.Circuit(3, _copy_circuit().ops,
                   (ir.Measurement("expval", terms=((1, ((2, "X"),)),)),))
    assert _branches.branch_plan(c) is None


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_walsh_expansion_of_measurement_values(k):
    """The Walsh-Hadamard expansion (fast transform) against the definition."""
    from qsym._mcm import MeasurementValue, MidMeasure, diagonal_terms

    ms = [MeasurementValue([MidMeasure(i, meas_uid=str(i))]) for i in range(k)]
    mv = sum((i + 1) * m for i, m in enumerate(ms)) % 3

    terms = diagonal_terms(mv)
    for bits in itertools.product((0, 1), repeat=k):
        value = sum(c * np.prod([(-1) ** bits[w] for w, _ in word]) for word, c in terms.items())
        assert np.isclose(value, sum((i + 1) * b for i, b in enumerate(bits)) % 3)


def test_a_derivative_that_needs_the_deferred_state_is_refused(monkeypatch):
    """Drawn branch by branch because the deferred state does not fit: a parameter-shift
    derivative under shots, which samples the deferred state, is refused before it."""
    monkeypatch.setattr(_shots, "_physical_memory", lambda: 2.0**11)  # (1 KiB for states)

    @qml.qnode(qml.device("default.qubit", wires=3, seed=1), shots=10, mcm_method="one-shot",
               diff_method="parameter-shift")
    def f(x):
        qml.RX(x, 0)
        m = qml.measure(0, reset=True)
        qml.cond(m, qml.RX)(x, wires=1)
        qml.RX(x, 0)
        m2 = qml.measure(0, reset=True)
        qml.cond(m2, qml.PauliX)(2)
        return qml.expval(qml.Z(1))

    x = qml.numpy.array(0.5, requires_grad=True)
    assert -1 <= f(x) <= 1  # (the value: branch by branch, 3 own wires)
    with pytest.raises(DeviceError, match="deferred state"):
        qml.grad(f)(x)


def test_a_device_without_wires_checks_the_memory_without_the_copies(monkeypatch):
    """12 reused measurements on a device without wires: 15 wires deferred, too many for
    the memory given here; the 3 own wires fit, and the circuit is drawn branch by branch
    (it was refused at its recording)."""
    monkeypatch.setattr(qml.devices, "available_memory", lambda: 2.0**20)
    monkeypatch.setattr(_shots, "_physical_memory", lambda: 2.0**21)
    x, shots = 0.9, 2000

    @qml.qnode(qml.device("default.qubit", seed=6), shots=shots, mcm_method="one-shot")
    def f(x):
        ms = []
        for _ in range(12):
            qml.RX(x, 0)
            ms.append(qml.measure(0, reset=True))
            qml.cond(ms[-1], qml.PauliX)(1)
        qml.Hadamard(2)
        return qml.expval(ms[5]), qml.expval(qml.PauliX(2))

    value, x2 = f(x)
    p = np.sin(x / 2) ** 2
    assert abs(value - p) < 5 * np.sqrt(p * (1 - p) / shots)
    assert x2 == 1.0
