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


# --- templates repeated: qml.pow, phase estimation, Permute ---------------------------------


def test_a_power_of_a_template_is_refused_before_its_copies_are_built():
    """``qml.pow(template, z)`` applies the template's gates ``z`` times: above
    ``MAX_TEMPLATE_GATES`` refused before any copy (QFT on 4 wires: 4 Hadamards, 6 phases,
    2 SWAPs, 12 gates; 10**7 times: 120,000,000; it built copies until memory ran out).
    Below it, the power's matrix is the DFT matrix's cube (written by hand)."""
    import numpy as onp

    with pytest.raises(qml.errors.ArgumentError, match=r"qml.pow\(\.\.\., 10,000,000\) of QFT "
                                                       r"on 4 wires would write 120,000,000"):
        qml.pow(qml.QFT(wires=range(4)), 10**7)
    op = qml.pow(qml.QFT(wires=[0, 1]), 3)
    w = onp.exp(2j * onp.pi / 4)
    dft = onp.array([[w ** (j * k) for k in range(4)] for j in range(4)]) / 2
    assert onp.allclose(qml.matrix(op, wire_order=[0, 1]), onp.linalg.matrix_power(dft, 3))


def test_phase_estimation_of_a_template_is_refused_by_its_count():
    """The controlled powers of a template repeat its gates ``2**m - 1`` times: QFT on 20
    wires (220 gates) estimated on 20 wires is 230,686,500 gates, refused at once (it built
    them until the backstop's millionth gate); ``ControlledSequence`` the same; a gate's
    powers are one gate each (no count)."""
    with pytest.raises(qml.errors.ArgumentError,
                       match=r"QuantumPhaseEstimation on 40 wires would write 230,686,500"):
        qml.QuantumPhaseEstimation(qml.QFT(wires=range(20)), estimation_wires=range(20, 40))
    with pytest.raises(qml.errors.ArgumentError,
                       match=r"ControlledSequence on 40 wires would write 230,686,500"):
        qml.ControlledSequence(qml.QFT(wires=range(20)), control=range(20, 40))
    small = qml.QuantumPhaseEstimation(qml.QFT(wires=[0, 1]), estimation_wires=[2, 3])
    assert small.gate_count() == (2**2 - 1) * 4
    assert qml.QuantumPhaseEstimation(qml.RX(0.3, 0), estimation_wires=range(1, 31)).gate_count() is None


def test_permute_of_many_wires_is_linear_and_exact():
    """``qml.Permute``'s checks and SWAPs by index (its ``in`` on a tuple and
    ``list.index`` were quadratic: 10**5 wires did not build in 25 s); the SWAPs still
    permute as written: the matrix of a 5-wire permutation equals the permutation matrix
    built by hand (wire ``perm[i]``'s value moves to position ``i``), and reversing 3000 wires
    takes 1500 SWAPs of mirrored pairs."""
    import itertools

    import numpy as onp

    perm = [3, 0, 4, 1, 2]
    P = onp.zeros((32, 32))
    for bits in itertools.product((0, 1), repeat=5):
        out = [bits[p] for p in perm]  # position i holds what wire perm[i] held
        P[int("".join(map(str, out)), 2), int("".join(map(str, bits)), 2)] = 1
    assert onp.allclose(qml.matrix(qml.Permute(perm, wires=range(5)), wire_order=range(5)), P)
    n = 3000
    swaps = qml.Permute(list(range(n))[::-1], wires=range(n)).decomposition()
    assert [tuple(g.wires) for g in swaps] == [(i, n - 1 - i) for i in range(n // 2)]


# --- construct_batch at a negative level --------------------------------------------------


def test_construct_batch_negative_level_counts_from_the_end_of_the_user_transforms():
    """PennyLane 0.45.1's ``construct_batch`` reads an int level as ``slice(0, level)`` of
    the user's transforms and stops there when the slice does (a negative stop counts from
    their end); qsym sliced the whole pipeline (``level=-1``: the user's transforms all
    applied, the device's but the last). PennyLane's gate names (computed in /work/plvenv
    with the import switched)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.transforms.merge_rotations
    @qml.transforms.cancel_inverses
    @qml.qnode(dev, diff_method="parameter-shift")
    def c(x):
        qml.RX(x, 0)
        qml.RX(x, 0)
        qml.Hadamard(1)
        qml.Hadamard(1)
        qml.AngleEmbedding([x, x], wires=[0, 1])
        return qml.expval(qml.Z(0))

    none = ["RX", "RX", "Hadamard", "Hadamard", "AngleEmbedding"]
    pl = [(-3, none), (-2, none), (-1, ["RX", "RX", "AngleEmbedding"]),
          (1, ["RX", "RX", "AngleEmbedding"]), (2, ["RX", "AngleEmbedding"]),
          (slice(0, -1), ["RX", "RX", "AngleEmbedding"]), (slice(None, -2), none),
          (10, ["RX", "RX", "RX"])]
    x = qml.numpy.array(0.3, requires_grad=True)
    for level, names in pl:
        (tape,), _ = qml.workflow.construct_batch(c, level=level)(x)
        assert [op.name for op in tape.operations] == names, level


# --- qml.Tracker of a parameter-shift gradient through qml.cond ---------------------------


def test_tracker_counts_a_conditionals_own_parameters_and_written_wires():
    """PennyLane's parameter shift differentiates a ``Conditional`` by a forward difference
    per trainable parameter of its base (plus the unshifted circuit once), when the base's
    wires as written reach the measurement: qsym counted the parameters of the gates the
    deferral wrote (a branch each for ``~(m & m1)``, three; ``U2``'s decomposition) and a
    controlled ``GlobalPhase`` by the measured wire its phase acts on. Executions of
    ``qml.grad`` (the value circuit included) from PennyLane 0.45.1 (/work/plvenv, the
    import switched); the gradients agree."""
    dev = qml.device("default.qubit")

    def grad_executions(kind):
        @qml.qnode(dev, diff_method="parameter-shift")
        def c(x):
            qml.RX(0.7, 0)
            qml.RX(0.4, 1)
            qml.Hadamard(2)
            m, m1 = qml.measure(0), qml.measure(1)
            if kind == "and_u2":
                qml.cond(m & m1, qml.U2)(x[0], x[1], wires=2)
            elif kind == "not_and_rot":
                qml.cond(~(m & m1), qml.Rot)(x[0], x[1], x[2], wires=2)
            elif kind == "gp_measured":
                qml.cond(m, qml.GlobalPhase)(x[0], wires=2)
            elif kind == "gp_elsewhere":
                qml.cond(m, qml.GlobalPhase)(x[0], wires=3)
            elif kind == "gp_wireless":
                qml.cond(m, qml.GlobalPhase)(x[0])
            qml.RY(x[3], 2)
            return qml.expval(qml.X(2))

        x = qml.numpy.array([0.3, 0.5, 0.2, 0.9], requires_grad=True)
        with qml.Tracker(dev) as t:
            qml.grad(c)(x)
        return t.totals["executions"]

    # PennyLane: value 1 + RY's two shifts + a forward difference per parameter + 1
    pl = {"and_u2": 6, "not_and_rot": 7, "gp_measured": 5, "gp_elsewhere": 3, "gp_wireless": 5}
    assert {kind: grad_executions(kind) for kind in pl} == pl


def test_tracker_of_a_variance_does_not_square_a_conditionals_differences():
    """A variance of a ``Hermitian`` is differentiated by PennyLane's parameter shift from
    ``<A>`` and ``<A^2>`` by the shift rules (their circuits twice), but a ``Conditional``'s
    forward differences once, on the variance itself: 12 executions (PennyLane 0.45.1,
    /work/plvenv; qsym counted 14)."""
    import numpy as onp

    dev = qml.device("default.qubit")
    A = onp.array([[1.0, 0.5 - 0.2j], [0.5 + 0.2j, -2.0]])

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(x):
        qml.RX(x[0], 0)
        qml.Hadamard(1)
        m = qml.measure(0)
        qml.cond(m, qml.U1)(x[1], wires=1)
        qml.RY(x[2], 1)
        return qml.var(qml.Hermitian(A, wires=1))

    with qml.Tracker(dev) as t:
        qml.grad(c)(qml.numpy.array([0.3, 0.5, 0.2], requires_grad=True))
    assert t.totals["executions"] == 12
