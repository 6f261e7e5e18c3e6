"""qml.specs and qml.Tracker: counts known before running, and counted while running."""

import numpy as np

import qsym as qml


def test_specs_counts_match_what_runs():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(w):
        qml.RX(w[0], wires=0)
        qml.CRX(w[1], wires=[0, 1])
        qml.RY(w[2], wires=2)  # never reaches wire 1: pruned
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    w = np.array([0.1, 0.2, 0.3])
    info = qml.specs(c)(w)
    res = info.resources
    assert res.gate_types == {"RX": 1, "CRX": 1, "RY": 1, "CNOT": 1}
    assert res.num_gates == 4 and res.depth == 3 and res.num_allocs == 3
    assert info["num_trainable_inputs"] == 3
    assert info["num_trainable_gate_params"] == 2 and info["num_pruned_gate_params"] == 1
    # value + 2 (RX) + 4 (CRX: frequencies 1/2 and 1); RY is outside the light cone
    assert info["executions"]["parameter-shift"] == 7
    with qml.Tracker(dev) as tracker:
        qml.grad(c, argnum=0)(w)
        c(w)
    assert (tracker.totals["executions"], tracker.totals["batches"]) == (7 + 1, 3)
    assert tracker.history["executions"] == [1] * 8
    adj = qml.QNode(c.func, dev, diff_method="adjoint")
    with qml.Tracker(dev) as tracker:
        qml.grad(adj, argnum=0)(w)
    assert tracker.totals["executions"] == 1


# ---- qml.specs as PennyLane 0.45.1 returns it (CircuitSpecs / SpecsResources) ----------------
# The expected labels, counts and printed text are PennyLane 0.45.1's, written down from
# its documentation and from running the same circuits with PennyLane (benchenv).
import pytest  # noqa: E402

H3 = ([0.5, 0.2, 0.1], "Z0 X0Y1 Z2")


def _five_gates(measure, shots=None, wires=3):
    dev = qml.device("default.qubit", wires=wires)

    @qml.qnode(dev, shots=shots)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(x[1], wires=1)
        qml.Hadamard(wires=2)
        qml.CRZ(x[0], wires=[1, 2])
        return measure()

    return qml.specs(c)(np.array([0.1, 0.2]))


LABELS = [
    (lambda: qml.expval(qml.PauliZ(0)), None, {"expval(PauliZ)": 1}),
    (lambda: qml.expval(qml.PauliZ(0) @ qml.PauliX(1)), None,
     {"expval(Prod(num_wires=2, num_terms=2))": 1}),
    (lambda: qml.expval(qml.Z(0) @ qml.X(1) @ qml.Y(2)), None,
     {"expval(Prod(num_wires=3, num_terms=3))": 1}),
    (lambda: qml.expval(qml.PauliZ(0) + qml.PauliX(1)), None,
     {"expval(Sum(num_wires=2, num_terms=2))": 1}),
    (lambda: qml.expval(2.0 * qml.PauliZ(0)), None, {"expval(PauliZ)": 1}),
    (lambda: qml.expval(qml.Hamiltonian(H3[0], [qml.Z(0), qml.X(0) @ qml.Y(1), qml.Z(2)])),
     None, {"expval(Hamiltonian(num_wires=3, num_terms=3))": 1}),
    (lambda: qml.expval(qml.Hermitian(np.array([[1.0, 2.0], [2.0, -1.0]]), wires=0)), None,
     {"expval(Hermitian)": 1}),
    (lambda: qml.expval(qml.Identity(0)), None, {"expval(Identity)": 1}),
    (lambda: (qml.expval(qml.Z(0)), qml.expval(qml.Z(1)), qml.var(qml.PauliY(0))), None,
     {"expval(PauliZ)": 2, "var(PauliY)": 1}),
    (lambda: qml.probs(wires=[1]), None, {"probs(1 wires)": 1}),
    (lambda: qml.probs(wires=[0, 2]), None, {"probs(2 wires)": 1}),
    (lambda: qml.probs(wires=[0, 1, 2]), None, {"probs(all wires)": 1}),
    (lambda: qml.probs(), None, {"probs(all wires)": 1}),
    (lambda: qml.probs(op=qml.PauliX(0)), None, {"probs(PauliX)": 1}),
    (lambda: qml.state(), None, {"state(all wires)": 1}),
    (lambda: qml.density_matrix(wires=[0]), None, {"state(1 wires)": 1}),
    (lambda: qml.sample(qml.PauliZ(0)), 100, {"sample(PauliZ)": 1}),
    (lambda: qml.sample(wires=[0, 1]), 100, {"sample(2 wires)": 1}),
    (lambda: qml.sample(), 100, {"sample(all wires)": 1}),
    (lambda: qml.counts(), 100, {"counts(all wires)": 1}),
    (lambda: qml.counts(qml.PauliZ(0) @ qml.PauliZ(1)), 100,
     {"counts(Prod(num_wires=2, num_terms=2))": 1}),
]


@pytest.mark.parametrize("measure, shots, expected", LABELS)
def test_specs_measurement_labels_are_pennylanes(measure, shots, expected):
    info = _five_gates(measure, shots)
    res = info.resources
    assert isinstance(info, qml.resource.CircuitSpecs)
    assert isinstance(res, qml.resource.SpecsResources)
    assert res.measurements == expected
    # the gates the function applied (probs(op=X)'s basis change is not one of them)
    assert res.gate_types == {"RX": 1, "CNOT": 1, "RY": 1, "Hadamard": 1, "CRZ": 1}
    assert res.gate_sizes == {1: 3, 2: 2} and res.num_gates == 5
    assert res.num_allocs == 3 and res.depth == 4  # RX, CNOT, RY, CRZ in a row
    assert info.num_device_wires == 3 and info.device_name == "default.qubit"
    assert str(info.shots) == f"Shots(total={shots})" and info.level == "gradient"


def test_specs_prints_as_pennylane():
    info = _five_gates(lambda: qml.expval(qml.PauliZ(0)), 100)
    assert str(info) == """Device: default.qubit
Device wires: 3
Shots: Shots(total=100)
Level: gradient

Wire allocations: 3
Total gates: 5
Gate counts:
- RX: 1
- CNOT: 1
- RY: 1
- Hadamard: 1
- CRZ: 1
Measurements:
- expval(PauliZ): 1
Depth: 4"""
    assert info.to_dict()["resources"]["num_gates"] == 5


def test_specs_counts_the_wires_used_not_the_devices():
    @qml.qnode(qml.device("default.qubit", wires=4))
    def c(x):
        qml.RX(x, wires=0)
        qml.RY(x, wires=0)
        return qml.expval(qml.Z(1))

    info = qml.specs(c, level="top", compute_depth=False)(0.3)
    assert (info.num_device_wires, info.resources.num_allocs) == (4, 2)
    assert info.resources.depth is None and info.level == "top"
    assert "Depth: Not computed" in str(info)

    @qml.qnode(qml.device("default.qubit"))
    def e(x):
        qml.RX(x, wires="a")
        qml.CNOT(wires=["a", 2])
        return qml.expval(qml.Z("a"))

    info = qml.specs(e)(0.3)
    assert info.num_device_wires is None and info.resources.num_allocs == 2
    assert info.resources.depth == 2


@pytest.mark.parametrize("key, message", [
    ("num_observables", "absorbed into the 'measurements' attribute"),
    ("diff_method", "key 'diff_method' is no longer included in specs."),
    ("num_trainable_params", "specs no longer gathers gradient information"),
    ("gradient_fn", "specs no longer gathers gradient information"),
    ("foo", "key 'foo' not available. Options are ['device_name', 'num_device_wires', "
            "'shots', 'level', 'resources']"),
])
def test_specs_removed_keys_raise_pennylanes_keyerrors(key, message):
    info = _five_gates(lambda: qml.expval(qml.PauliZ(0)))
    with pytest.raises(KeyError) as err:
        info[key]
    assert message in err.value.args[0]


def test_specs_resources_keys():
    res = _five_gates(lambda: qml.expval(qml.PauliZ(0))).resources
    assert res["num_gates"] == 5 and res["gate_counts"] is res.gate_types
    with pytest.raises(KeyError, match="renamed to num_allocs"):
        res["num_wires"]
    with pytest.raises(KeyError, match="check the top-level object"):
        res["shots"]


def test_specs_shot_vector_prints_as_pennylane():
    info = _five_gates(lambda: qml.expval(qml.PauliZ(0)), [10, 10, 20])
    assert str(info.shots) == "Shots(total=40, vector=[10 shots x 2, 20 shots])"


def test_specs_of_a_function_that_is_not_a_qnode():
    with pytest.raises(qml.ArgumentError, match="can only be applied to a QNode"):
        qml.specs(lambda: 0)


def test_tracker_resources_use_pennylanes_labels():
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def g(x):
        qml.RX(x, wires=0)
        return (qml.expval(qml.Hamiltonian([1.0, 2.0], [qml.Z(0), qml.X(0) @ qml.X(2)])),
                qml.probs(op=qml.Y(1)),
                qml.expval(qml.Hermitian(np.diag([1.0, -1.0]), wires=2)))

    with dev.tracker:  # the device's own tracker (PennyLane's attribute)
        g(0.3)
    res = dev.tracker.latest["resources"]
    assert res.measurements == {"expval(Hamiltonian(num_wires=2, num_terms=2))": 1,
                                "probs(PauliY)": 1, "expval(Hermitian)": 1}
    assert (res.gate_types, res.num_allocs, res.depth) == ({"RX": 1}, 3, 1)


def test_tracker_groups_a_sums_terms_qubit_wise():
    # PennyLane 0.45.1 splits a qml.sum into qubit-wise commuting groups (X0 and X0 X1: one
    # circuit), a Hamiltonian into groups of terms on disjoint wires (two circuits)
    dev = qml.device("default.qubit", wires=2, shots=10)
    for obs, circuits in ((qml.sum(qml.X(0), qml.X(0) @ qml.X(1)), 1),
                          (qml.Hamiltonian([1, 1], [qml.X(0), qml.X(0) @ qml.X(1)]), 2)):
        node = qml.QNode(lambda: qml.expval(obs), dev)
        with qml.Tracker(dev) as t:
            node()
        assert t.totals["executions"] == circuits


def test_jacobian_of_samples_is_refused_precisely():
    # PennyLane 0.45.1 differentiates qml.sample(obs) shot by shot; qsym refuses it and
    # says what to differentiate instead
    dev = qml.device("default.qubit", wires=1, shots=20, seed=3)

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(a):
        qml.RX(a, wires=0)
        return qml.sample(qml.PauliZ(0))

    with pytest.raises(qml.DifferentiationError, match="qml.jacobian of qml.sample") as err:
        qml.jacobian(c)(qml.numpy.array(0.3, requires_grad=True))
    assert "qml.expval" in str(err.value)


MORE_LABELS = [  # (measurement, shots, labels, wires in use): PennyLane 0.45.1's
    (lambda: qml.expval(qml.Projector([1], wires=0)), None, {"expval(Projector)": 1}, 2),
    (lambda: qml.vn_entropy(wires=[0]), None, {"vnentropy(1 wires)": 1}, 2),
    (lambda: qml.purity(wires=[0]), None, {"purity(1 wires)": 1}, 2),
    (lambda: qml.mutual_info(wires0=[0], wires1=[1]), None, {"mutualinfo(all wires)": 1}, 2),
    (lambda: qml.counts(all_outcomes=True), 10, {"allcounts(all wires)": 1}, 2),
    (lambda: qml.counts(qml.Z(0), all_outcomes=True), 10, {"allcounts(PauliZ)": 1}, 2),
    (lambda: qml.expval(qml.Hamiltonian([1.0], [qml.Z(0)])), None,
     {"expval(Hamiltonian(num_wires=1, num_terms=1))": 1}, 2),
    # an identity factor's wire is in use (PennyLane's tape wires), a Hermitian's all wires
    (lambda: qml.expval(qml.X(0) @ qml.Identity(2)), None,
     {"expval(Prod(num_wires=2, num_terms=2))": 1}, 3),
    (lambda: qml.var(qml.Hermitian(np.eye(4), wires=[0, 2])), None, {"var(Hermitian)": 1}, 3),
    (lambda: qml.probs(wires=[2]), None, {"probs(1 wires)": 1}, 3),
    (lambda: qml.expval(qml.dot([1.0, 2.0], [qml.Z(0), qml.X(1)])), None,
     {"expval(Sum(num_wires=2, num_terms=2))": 1}, 2),
]


@pytest.mark.parametrize("measure, shots, expected, allocs", MORE_LABELS)
def test_specs_more_labels_and_wires_in_use(measure, shots, expected, allocs):
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, shots=shots)
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return measure()

    res = qml.specs(c)(0.3).resources
    assert (res.measurements, res.num_allocs, res.depth) == (expected, allocs, 2)


def test_specs_counts_templates_whole_and_the_device_level_their_gates():
    # PennyLane's counts of the tape: a template, Adjoint(...) and C(...) one operator each
    # (the default level, "gradient"); at level="device" the gates the device runs
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(w, x):
        qml.StronglyEntanglingLayers(w, wires=range(3))
        qml.ctrl(qml.RX, 0)(x, wires=1)
        qml.adjoint(qml.RY(x, wires=2))
        return qml.expval(qml.Z(0))

    w = np.ones((1, 3, 3))
    res = qml.specs(c)(w, 0.3).resources
    assert res.gate_types == {"StronglyEntanglingLayers": 1, "CRX": 1, "Adjoint(RY)": 1}
    assert res.gate_sizes == {3: 1, 2: 1, 1: 1} and res.num_gates == 3
    assert res.depth == 2 and res.num_allocs == 3  # the template, then two disjoint gates
    assert qml.specs(c, level="top")(w, 0.3).resources == res
    low = qml.specs(c, level="device")(w, 0.3).resources
    # one layer on 3 wires, by hand: a Rot per wire, then CNOTs (0,1), (1,2), (2,0)
    assert low.gate_types == {"Rot": 3, "CNOT": 3, "CRX": 1, "Adjoint(RY)": 1}
    assert low.num_gates == 8 and low.depth == 5 and low.gate_sizes == {1: 4, 2: 4}


def test_specs_of_a_level_with_several_tapes_is_one_count_per_tape():
    # split_non_commuting makes one tape per group: PennyLane's list of resources
    @qml.transforms.split_non_commuting
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.X(0)), qml.expval(qml.Z(0) @ qml.Z(1))

    info = qml.specs(c)(0.3)
    assert isinstance(info.resources, list) and len(info.resources) == 2
    first, second = info.resources
    for r in (first, second):  # the same two gates in each tape, by hand
        assert r.gate_types == {"RX": 1, "CNOT": 1} and r.depth == 2 and r.num_gates == 2
    assert first.measurements == {"expval(PauliX)": 1} and first.num_allocs == 2
    assert second.measurements == {"expval(Prod(num_wires=2, num_terms=2))": 1}
    top = qml.specs(c, level="top")(0.3).resources  # before the split: one tape
    assert top.measurements == {"expval(PauliX)": 1,
                                "expval(Prod(num_wires=2, num_terms=2))": 1}
    assert "Batched tape a:" in str(info) and "Batched tape b:" in str(info)


def test_specs_default_level_is_after_the_parameter_shift_expansion():
    # PennyLane's default level "gradient" is the tape after the gradient method's expansion:
    # parameter shift decomposes a template with trainable parameters into its gates (one
    # layer on 2 wires, by hand: RX per wire, one CNOT); backprop expands nothing, nor does
    # parameter shift a template of constants. (PennyLane 0.45.1 in /work/plvenv gives these
    # counts; qsym counted the template whole, the oracle's specs family, seed 900 #2.)
    dev = qml.device("default.qubit", wires=2)

    def make(diff_method, shots=None):
        @qml.qnode(dev, diff_method=diff_method, shots=shots)
        def c(x):
            qml.BasicEntanglerLayers(x[:2].reshape(1, 2), wires=[0, 1])
            qml.RY(x[2], wires=0)
            return qml.expval(qml.Z(0))
        return c

    x = qml.numpy.array([0.1, 0.2, 0.3])
    gates = {"RX": 2, "CNOT": 1, "RY": 1}
    whole = {"BasicEntanglerLayers": 1, "RY": 1}
    shift = make("parameter-shift")
    assert qml.specs(shift)(x).resources.gate_types == gates
    assert qml.specs(shift, level="gradient")(x).resources.gate_types == gates
    assert qml.specs(shift, level="device")(x).resources.gate_types == gates
    assert qml.specs(shift, level="top")(x).resources.gate_types == whole
    res = qml.specs(shift)(x).resources
    assert res.num_gates == 4 and res.depth == 3 and res.gate_sizes == {1: 3, 2: 1}
    assert qml.specs(shift)(qml.numpy.array(x, requires_grad=False)).resources.gate_types == whole
    assert qml.specs(make("backprop"))(x).resources.gate_types == whole
    # with shots "best" is parameter shift
    assert qml.specs(make("best", shots=100))(x).resources.gate_types == gates


def test_tracker_executions_split_only_the_expectation_of_a_sum():
    # PennyLane's default.qubit records as executions one circuit per group of qubit-wise
    # commuting Pauli words, and one per other observable: it splits only the expectation
    # of a Hamiltonian or a sum. A Hermitian (no Pauli word) or a variance of a sum is one
    # circuit. Counts of PennyLane 0.45.1 (/work/plvenv), 100 shots each; qsym split a
    # Hermitian into its Pauli words' groups (oracle seed 153, specs family).
    A = np.array([[1.0, 0.5 - 0.2j], [0.5 + 0.2j, -0.3]])
    H = qml.Hamiltonian([0.4, 0.7, 0.2], [qml.X(0), qml.Z(0) @ qml.Y(1), qml.Y(0)])
    cases = [
        (lambda: [qml.expval(qml.Hermitian(A, wires=0))], 1),
        (lambda: [qml.var(qml.Hermitian(A, wires=0))], 1),
        (lambda: [qml.expval(H)], 3),
        (lambda: [qml.var(H)], 1),
        (lambda: [qml.expval(qml.sum(qml.X(0), qml.Z(0)))], 2),
        (lambda: [qml.var(qml.sum(qml.X(0), qml.Z(0)))], 1),
        (lambda: [qml.var(qml.X(1) @ qml.Y(0)), qml.expval(qml.Hermitian(A, wires=1))], 2),
        (lambda: [qml.expval(qml.Hermitian(np.kron(A, A), wires=[0, 1])), qml.expval(qml.Z(0))], 2),
        (lambda: [qml.expval(qml.Hermitian(np.diag([1.0, -1.0]), wires=0)), qml.expval(qml.Z(1))], 2),
        (lambda: [qml.expval(H), qml.expval(qml.Z(1))], 4),
        (lambda: [qml.expval(qml.prod(qml.Hermitian(A, wires=0), qml.X(1)))], 1),
    ]
    for measure, executions in cases:
        dev = qml.device("default.qubit", wires=2)

        @qml.qnode(dev, shots=100)
        def c(x, measure=measure):
            qml.RX(x, wires=0)
            qml.CNOT(wires=[0, 1])
            return tuple(measure())

        with qml.Tracker(dev) as t:
            c(0.3)
        assert (t.totals["executions"], t.totals["shots"]) == (executions, 100 * executions)
