"""Adversarial round, stop 60 (benchmarks/results/adversarial-2026-12-06e.md): the oracle's
new families (``qml.specs`` and ``qml.Tracker`` of circuits with mid-circuit measurements,
``qml.jacobian`` of the state or probabilities by ``argnum`` subsets) and what the round's
probes of the last two sessions' changes found."""

from __future__ import annotations

import pytest

import qsym as qml

# --- qml.specs(level="device") and qml.Tracker of mid-circuit measurements ------------------


def _circuit(x):
    qml.RX(x, 0)
    m = qml.measure(0)
    qml.cond(m, qml.RY)(x, 1)
    m2 = qml.measure(1, reset=True)
    qml.cond(m & m2, qml.PauliY)(2)
    return qml.var(qml.Z(1)), qml.expval(m2)


# PennyLane 0.45.1's answers (computed in /work/plvenv with the import switched):
# (gate_types, num_allocs, measurements) at level="device", tracker (executions, shots)
_WRITTEN = {"RX": 1, "MidMeasureMP": 2, "Conditional(RY)": 1, "Conditional(PauliY)": 1}
_DEFERRED = {"RX": 1, "CRY": 1, "CNOT": 2, "2C(PauliY)": 1}
_PL = {
    (None, None): (_DEFERRED, 4, {"var(PauliZ)": 1, "expval(mcm)": 1}, (2, None)),
    (100, None): (_WRITTEN, 3, {"sample(PauliZ)": 1, "sample(mcm)": 2}, (2, 200)),
    (100, "one-shot"): (_WRITTEN, 3, {"sample(PauliZ)": 1, "sample(mcm)": 2}, (2, 200)),
    (100, "tree-traversal"): (_WRITTEN, 3, {"var(PauliZ)": 1, "expval(mcm)": 1}, (2, 200)),
    (100, "deferred"): (_DEFERRED, 4, {"var(PauliZ)": 1, "expval(mcm)": 1}, (2, 200)),
}


@pytest.mark.parametrize("shots,method", list(_PL))
def test_device_level_specs_and_tracker_of_mid_circuit_measurements(shots, method):
    """At ``level="device"`` the tape PennyLane's device runs for the QNode's method: the
    deferred circuit (copies by ``CNOT``, ``qml.cond`` as controlled gates, the new wires
    allocated; qsym counted the circuit as written), or one-shot's auxiliary tape (a
    variance sampled, one ``sample(mcm)`` per measurement, the values' statistics dropped);
    the tracker counts one-shot's sample group as PennyLane's device does (qsym: one
    circuit and its shots fewer)."""
    dev = qml.device("default.qubit")
    c = qml.set_shots(qml.QNode(_circuit, dev, mcm_method=method), shots=shots)
    x = qml.numpy.array(0.4)
    gates, allocs, measured, (executions, total) = _PL[(shots, method)]
    r = qml.specs(c, level="device")(x).resources
    assert (dict(r.gate_types), r.num_allocs, dict(r.measurements)) == (gates, allocs, measured)
    assert dict(qml.specs(c)(x).resources.gate_types) == _WRITTEN  # (the gradient level)
    with qml.Tracker(dev) as t:
        c(x)
    assert (t.totals["executions"], t.totals.get("shots")) == (executions, total)


def test_one_shot_tracker_adds_the_sample_group_only_when_it_is_new():
    """Measurements without an observable already make one group (a ``probs``): one-shot's
    samples join it; Pauli words that commute qubit-wise make one group, the samples a
    second (PennyLane 0.45.1: executions 2 and 2, shots 200 and 200 for 100 shots)."""
    dev = qml.device("default.qubit")

    def make(kind):
        @qml.set_shots(shots=100)
        @qml.qnode(dev)
        def c(x):
            qml.RX(x, 0)
            m = qml.measure(0)
            qml.cond(m, qml.RY)(x, 1)
            if kind == "probs":
                return qml.expval(qml.Z(1)), qml.probs(wires=[0])
            return qml.expval(qml.Z(1)), qml.expval(qml.X(0))
        return c
    for kind in ("probs", "words"):
        with qml.Tracker(dev) as t:
            make(kind)(qml.numpy.array(0.4))
        assert (t.totals["executions"], t.totals["shots"]) == (2, 200)
