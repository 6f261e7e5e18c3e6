"""qml.debugging (issue #18): sampled snapshots and the debugger's measurements.

References are independent of the code under test: exact values worked out by hand
(<Z> = cos x after RX(x), P(1) = sin^2(x/2)), statistical bounds of a binomial estimate
(5 standard deviations), counts that must sum to the shots, and a seeded device run twice.
"""
from __future__ import annotations

import numpy as np
import pytest

import qsym as qml

X = 0.7
P1 = np.sin(X / 2) ** 2  # P(wire 0 = 1) after RX(X), by hand
EZ = np.cos(X)           # <Z0> = 1 - 2 P1


def _circuit(seed, shots=None, snapshot_shots=1000):
    dev = qml.device("default.qubit", wires=2, seed=seed)

    @qml.qnode(dev, shots=shots)
    def c(x):
        qml.RX(x, wires=0)
        qml.Snapshot("e", qml.expval(qml.Z(0)), shots=snapshot_shots)
        qml.Snapshot("p", qml.probs(wires=[0]), shots=snapshot_shots)
        qml.Snapshot("s", qml.sample(wires=[0]), shots=7)
        qml.Snapshot("c", qml.counts(wires=[0]), shots=50)
        qml.Snapshot("exact", qml.expval(qml.Z(0)), shots=None)
        qml.Snapshot("state")
        return qml.expval(qml.Z(0))

    return c


def test_a_snapshots_own_shots_are_sampled_not_exact():
    n = 1000
    out = qml.snapshots(_circuit(seed=11, snapshot_shots=n))(X)
    sd = 2 * np.sqrt(P1 * (1 - P1) / n)  # of the mean of +-1 outcomes
    assert abs(out["e"] - EZ) < 5 * sd
    assert out["e"] != pytest.approx(EZ, abs=1e-9)  # an estimate, not the exact value
    assert out["e"] * n % 2 == pytest.approx(n % 2)  # a mean of n values +-1
    assert abs(out["p"][1] - P1) < 5 * np.sqrt(P1 * (1 - P1) / n)
    assert np.isclose(out["p"].sum(), 1.0) and (out["p"] * n % 1 == 0).all()
    assert out["s"].shape == (7, 1) and set(np.unique(out["s"])) <= {0, 1}
    assert sum(out["c"].values()) == 50 and set(out["c"]) <= {"0", "1"}
    assert out["exact"] == pytest.approx(EZ)  # shots=None: exact
    psi = np.kron([np.cos(X / 2), -1j * np.sin(X / 2)], [1, 0])  # by hand
    assert np.allclose(out["state"], psi)  # a state is always exact
    assert out["execution_results"] == pytest.approx(EZ)  # the QNode has no shots


def test_a_seeded_device_repeats_the_samples():
    a = qml.snapshots(_circuit(seed=5))(X)
    b = qml.snapshots(_circuit(seed=5))(X)
    c = qml.snapshots(_circuit(seed=6))(X)
    assert a["e"] == b["e"] and np.array_equal(a["s"], b["s"]) and a["c"] == b["c"]
    assert (a["e"], a["c"]) != (c["e"], c["c"])


def test_workflow_shots_come_from_the_qnode():
    n = 400
    c = _circuit(seed=3, shots=n, snapshot_shots="workflow")
    out = qml.snapshots(c)(X)
    assert abs(out["e"] - EZ) < 5 * 2 * np.sqrt(P1 * (1 - P1) / n)
    assert out["e"] * n % 2 == pytest.approx(0)
    assert abs(out["execution_results"] - EZ) < 5 * 2 * np.sqrt(P1 * (1 - P1) / n)
    assert np.allclose(np.abs(out["state"]) ** 2, [1 - P1, 0, P1, 0])  # exact under shots


def test_impossible_samples_are_refused():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def state_with_shots():
        qml.Snapshot("s", qml.state(), shots=10)
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def sample_without_shots():
        qml.Snapshot("s", qml.sample(wires=[0]))
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.DeviceError, match="cannot be sampled"):
        qml.snapshots(state_with_shots)()
    with pytest.raises(qml.DeviceError, match="needs shots"):
        qml.snapshots(sample_without_shots)()


def test_a_repeated_tag_collects_a_list():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.Snapshot("t", qml.expval(qml.Z(0)))
        qml.X(0)
        qml.Snapshot("t", qml.expval(qml.Z(0)))
        return qml.state()

    assert qml.snapshots(c)()["t"] == [1.0, -1.0]


def test_debug_measurements_see_the_circuit_so_far_and_leave_it():
    dev = qml.device("default.qubit", wires=2)
    with qml.debugging.pldb_device_manager(dev):
        with qml.queuing.AnnotatedQueue() as q:
            qml.RX(X, wires=0)
            qml.CNOT(wires=[0, 1])
            before = list(q.queue)
            state = qml.debugging.debug_state()
            ez = qml.debugging.debug_expval(qml.Z(1))
            p = qml.debugging.debug_probs(wires=[1])
            tape = qml.debugging.debug_tape()
            assert list(q.queue) == before
    a, b = np.cos(X / 2), -1j * np.sin(X / 2)
    assert np.allclose(state, [a, 0, 0, b])  # RX then CNOT, by hand
    assert ez == pytest.approx(EZ) and np.allclose(p, [1 - P1, P1])
    assert [o.name for o in tape.operations] == ["RX", "CNOT"]
    assert not qml.debugging.PLDB.has_active_dev()


def test_debug_measurements_are_exact_on_a_device_with_shots():
    # PennyLane's debugger runs a tape of the recording, which has no shots: exact values
    # even where the device has shots (PennyLane 0.45.1 prints [0.88242109 0.11757891] here)
    n = 2000
    dev = qml.device("default.qubit", wires=1, shots=n, seed=9)
    with qml.debugging.pldb_device_manager(dev):
        with qml.queuing.AnnotatedQueue():
            qml.RX(X, wires=0)
            p = qml.debugging.debug_probs()
    assert np.allclose(p, [1 - P1, P1], atol=1e-12)


def test_breakpoint_outside_a_circuit_is_refused():
    with pytest.raises(RuntimeError, match="outside of a qnode execution"):
        qml.breakpoint()
    with qml.debugging.pldb_device_manager(qml.device("default.mixed", wires=1)):
        with qml.queuing.AnnotatedQueue():
            with pytest.raises(TypeError, match="not supported on this device"):
                qml.breakpoint()


def test_a_channel_before_a_snapshot_is_refused_not_skipped():
    @qml.qnode(qml.device("default.mixed", wires=1))
    def c():
        qml.Hadamard(0)
        qml.DepolarizingChannel(0.3, wires=0)
        qml.Snapshot("p", qml.probs(wires=[0]))
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.MeasurementError, match="has no unitary"):
        qml.snapshots(c)()


def test_tapes_split_at_the_snapshots():
    tape = qml.tape.QuantumScript(
        [qml.Snapshot(), qml.Hadamard(0), qml.Snapshot("h", qml.probs(wires=[0]), shots=10)],
        [qml.expval(qml.Z(0))], shots=5)
    tapes, fn = qml.snapshots(tape)
    assert [len(t.operations) for t in tapes] == [0, 1, 1]
    assert [t.shots.total_shots for t in tapes] == [None, 10, 5]  # a state is exact
    assert fn(["a", "b", "c"]) == {0: "a", "h": "b", "execution_results": "c"}
    with pytest.raises(ValueError, match="only be of type 'str'"):
        qml.snapshots(qml.tape.QuantumScript([qml.Snapshot(3)], []))


def test_a_state_quantity_is_refused_not_shown_as_a_density_matrix():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.Hadamard(0)
        qml.Snapshot(measurement=qml.mutual_info(0, 1))
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.MeasurementError, match="not supported"):
        qml.snapshots(c)()
    with pytest.raises(qml.DeviceError, match="cannot be sampled"):
        qml.snapshots(qml.set_shots(c, shots=20))()


def test_default_mixed_state_snapshot_is_the_density_matrix():
    @qml.qnode(qml.device("default.mixed", wires=2))
    def c():
        qml.Hadamard(0)
        qml.Snapshot("rho")
        return qml.expval(qml.Z(0))

    rho = np.zeros((4, 4))
    rho[np.ix_([0, 2], [0, 2])] = 0.5  # |+>|0><+|<0|, by hand
    assert np.allclose(qml.snapshots(c)()["rho"], rho)


def test_a_device_without_snapshot_support_warns_and_gives_the_same_values(monkeypatch):
    monkeypatch.setattr(qml.debugging.snapshot, "_is_snapshot_compatible", lambda dev: False)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.X(0)
        qml.Snapshot("z", qml.expval(qml.Z(0)))
        return qml.expval(qml.Z(0))

    with pytest.warns(UserWarning, match="n_snapshots \\+ 1 executions"):
        out = qml.snapshots(c)()
    assert out == {"z": -1.0, "execution_results": -1.0}


def test_a_mid_circuit_measurement_before_a_snapshot_is_deferred_not_skipped():
    def c():
        qml.Hadamard(0)
        qml.measure(0, reset=True)  # the state after it is |0>: skipping it would be wrong
        qml.Snapshot("after")
        return qml.expval(qml.Z(0))

    # deferred (no shots), as PennyLane's: the outcome is copied onto a new wire, which a
    # device of one wire does not have (PennyLane's WireError)
    with pytest.raises(qml.WireError, match="wires not found on the device: {1}"):
        qml.snapshots(qml.QNode(c, qml.device("default.qubit", wires=1)))()
    out = qml.snapshots(qml.QNode(c, qml.device("default.qubit", wires=2)))()
    # wire 0 reset to |0>, wire 1 the outcome: (|00> + |01>)/√2
    assert np.allclose(out["after"], np.array([1, 1, 0, 0]) / np.sqrt(2))
    assert np.isclose(out["execution_results"], 1.0)


def test_snapshots_inside_an_adjoint_function_are_taken_in_reverse_order():
    def f(a, b):
        qml.RX(a, 0)
        qml.Snapshot("a")
        qml.RY(b, 0)
        qml.Snapshot()
        qml.CNOT([0, 1])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.adjoint(f)(0.3, 0.5)  # CNOT, snapshot 0, RY(-0.5), snapshot "a", RX(-0.3)
        qml.Snapshot(measurement=qml.expval(qml.Z(0)))
        return qml.expval(qml.Z(0))

    out = qml.snapshots(c)()
    assert np.allclose(out[0], [1, 0, 0, 0])  # only the CNOT on |00> before it
    # RY(-0.5)|0> = cos(0.25)|0> - sin(0.25)|1>, by hand (wire 0 the most significant)
    assert np.allclose(out["a"], [np.cos(0.25), 0, -np.sin(0.25), 0])
    # <Z> after RY(-0.5) then RX(-0.3): cos(0.5) cos(0.3), by hand
    assert out[2] == pytest.approx(np.cos(0.5) * np.cos(0.3))
    assert out["execution_results"] == pytest.approx(np.cos(0.5) * np.cos(0.3))


@pytest.mark.parametrize("name", ["lightning.qubit", "reference.qubit"])
def test_devices_without_snapshot_support_warn_as_pennylanes(name):
    @qml.qnode(qml.device(name, wires=2))
    def c(x):
        qml.RX(x, wires=0)
        qml.Snapshot()
        qml.Snapshot("p", qml.probs(wires=[0]))
        return qml.expval(qml.Z(0))

    with pytest.warns(UserWarning, match="Snapshots are not supported for the given device"):
        out = qml.snapshots(c)(X)
    assert np.allclose(out[0], [np.cos(X / 2), 0, -1j * np.sin(X / 2), 0])  # by hand
    assert np.allclose(out["p"], [1 - P1, P1]) and out["execution_results"] == pytest.approx(EZ)
    assert not qml.debugging.snapshot._is_snapshot_compatible(qml.device(name, wires=1))
    assert qml.debugging.snapshot._is_snapshot_compatible(qml.device("default.qubit"))


@pytest.mark.parametrize("method", ["adjoint", "backprop"])
def test_lightning_state_snapshots_need_a_method_its_tapes_support(method):
    if method == "backprop":  # PennyLane 0.45.1: lightning.qubit refuses it when the QNode
        # is made (its supports_derivatives), before any snapshot
        with pytest.raises(qml.QuantumFunctionError, match="does not support backprop"):
            qml.QNode(lambda: qml.expval(qml.X(0)), qml.device("lightning.qubit", wires=2),
                      diff_method=method)
        return

    @qml.qnode(qml.device("lightning.qubit", wires=2), diff_method=method)
    def c():
        qml.Snapshot()
        return qml.expval(qml.X(0))

    with pytest.warns(UserWarning, match="not supported"):
        with pytest.raises(qml.QuantumFunctionError, match=f"does not support {method}"):
            qml.snapshots(c)()

    @qml.qnode(qml.device("lightning.qubit", wires=2), diff_method="adjoint")
    def measured():
        qml.Hadamard(0)
        qml.Snapshot(measurement=qml.expval(qml.X(0)))  # not a state: its tape runs
        return qml.expval(qml.X(0))

    with pytest.warns(UserWarning, match="not supported"):
        assert qml.snapshots(measured)()[0] == pytest.approx(1.0)


def test_debug_measurements_inside_a_qnode_use_its_device():
    # PennyLane's QNode makes its device the debugger's while the function runs
    seen = {}

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        queue = qml.QueuingManager.active_context().queue
        seen["state"] = qml.debugging.debug_state()
        seen["z"] = qml.debugging.debug_expval(qml.Z(1))
        seen["p"] = qml.debugging.debug_probs(wires=[0])
        seen["same"] = qml.QueuingManager.active_context().queue == queue
        return qml.expval(qml.Z(0))

    assert c(X) == pytest.approx(EZ)  # the debug measurements leave the circuit as it was
    a, b = np.cos(X / 2), -1j * np.sin(X / 2)
    assert np.allclose(seen["state"], [a, 0, 0, b])  # RX then CNOT, by hand
    assert seen["z"] == pytest.approx(EZ) and np.allclose(seen["p"], [1 - P1, P1])
    assert seen["same"] and not qml.debugging.PLDB.has_active_dev()


def test_tree_traversal_takes_a_snapshot_per_branch():
    # PennyLane's tree traversal: outcome 0 before 1 at each mid-circuit measurement, a
    # postselected branch not followed; every snapshot's values a list (values by hand)
    @qml.qnode(qml.device("default.qubit"), mcm_method="tree-traversal")
    def c():
        qml.H(0)
        m0 = qml.measure(0)
        qml.Snapshot(measurement=qml.expval(qml.Z(0)))  # |0> then |1>
        qml.H(0)
        qml.measure(0, reset=True)  # every branch back to |0>
        qml.Snapshot(measurement=qml.expval(qml.Z(0)))
        qml.cond(m0, qml.RX)(0.4, wires=1)  # only where the first outcome was 1
        qml.Snapshot("z1", measurement=qml.expval(qml.Z(1)))
        qml.H(0)
        qml.measure(0, postselect=1)
        qml.Snapshot("post", measurement=qml.expval(qml.Z(0)))
        return qml.expval(qml.Z(0))

    out = qml.snapshots(c)()
    assert np.allclose(out[0], [1, -1])
    assert np.allclose(out[1], [1, 1, 1, 1])
    assert np.allclose(out["z1"], [1, 1, np.cos(0.4), np.cos(0.4)])
    assert np.allclose(out["post"], [-1, -1, -1, -1])

    @qml.qnode(qml.device("default.qubit", wires=2), mcm_method="tree-traversal")
    def d():
        qml.Snapshot()
        qml.RY(0.7, 0)
        qml.measure(0)
        qml.Snapshot("p", measurement=qml.probs(wires=[0, 1]))
        return qml.expval(qml.Z(0))

    out = qml.snapshots(d)()
    assert len(out[0]) == 1 and np.allclose(out[0][0], [1, 0, 0, 0])
    assert np.allclose(out["p"], [[1, 0, 0, 0], [0, 0, 1, 0]])
    assert out["execution_results"] == pytest.approx(np.cos(0.7))


def test_pldb_runs_tapes_on_its_device_and_keeps_pennylanes_names():
    assert qml.debugging.PLDB._PLDB__active_dev is None  # PennyLane's private attribute
    assert qml.debug_state is qml.debugging.debug_state and qml.debug_tape is not None
    dev = qml.device("default.qubit", wires=2)
    bell = qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1])], [qml.probs()])
    one = qml.tape.QuantumScript([qml.Hadamard(0)], [qml.state()])  # over the device's wires
    with qml.debugging.pldb_device_manager(dev):
        assert qml.debugging.PLDB._PLDB__active_dev is dev
        assert np.allclose(qml.debugging.PLDB._execute((bell,)), [0.5, 0, 0, 0.5])
        s = 1 / np.sqrt(2)
        assert np.allclose(qml.debugging.PLDB._execute((one,)), [s, 0, s, 0])
        with qml.queuing.AnnotatedQueue() as q:
            qml.X(0)
            qml.Hadamard(1)
            qml.expval(qml.Z(0))
            tape = qml.debug_tape()
    assert [o.name for o in tape.operations] == ["PauliX", "Hadamard"]
    assert len(tape.measurements) == 1 and len(q.queue) == 3
    assert qml.debugging.PLDB._PLDB__active_dev is None


def test_a_debug_measurement_runs_the_recording_plus_it_and_leaves_the_queue(monkeypatch):
    ran = []
    monkeypatch.setattr(qml.debugging.PLDB, "_execute",
                        classmethod(lambda cls, tapes: ran.append(tapes[0]) or 0.5))
    with qml.queuing.AnnotatedQueue() as q:  # no device needed: _execute is PennyLane's hook
        qml.X(0)
        qml.Hadamard(1)
        qml.expval(qml.Z(0))
        before = list(q.queue)
        assert qml.debug_probs(wires=[1]) == 0.5
    assert list(q.queue) == before and len(ran) == 1
    assert [o.name for o in ran[0].operations] == ["PauliX", "Hadamard"]
    assert [type(m).__name__ for m in ran[0].measurements] == ["ExpectationMP", "ProbabilityMP"]
    assert qml.debugging.debugger._measure is not None


def test_one_shot_takes_a_snapshot_per_shot():
    # PennyLane's one-shot: each shot a circuit of its own, its outcomes drawn, the snapshot
    # measured with that shot (+-1); postselection drops the shot later, not its snapshots
    def make(seed):
        @qml.qnode(qml.device("default.qubit", seed=seed), mcm_method="one-shot", shots=1000)
        def c():
            qml.H(0)
            qml.measure(0)
            qml.Snapshot(measurement=qml.expval(qml.Z(0)))
            qml.H(0)
            qml.measure(0, reset=True)
            qml.Snapshot(measurement=qml.expval(qml.Z(0)))
            qml.H(0)
            qml.measure(0, postselect=1)
            qml.Snapshot("tag", measurement=qml.expval(qml.Z(0)))
            return qml.expval(qml.Z(0))

        return c

    out = qml.snapshots(make(5))()
    for key in (0, 1, "tag"):
        assert len(out[key]) == 1000 and set(np.unique(out[key])) <= {-1.0, 1.0}
    bound = 5 / np.sqrt(1000)  # five standard deviations of the mean of fair +-1 outcomes
    assert abs(np.mean(out[0])) < bound and abs(np.mean(out["tag"])) < bound
    assert np.mean(out[1]) == 1.0  # reset to |0> in every shot
    again = qml.snapshots(make(5))()  # a seeded device repeats the draws
    assert np.array_equal(out[0], again[0]) and np.array_equal(out["tag"], again["tag"])


def test_snapshots_refuse_a_device_with_worker_processes():
    # PennyLane's debugger does not run in max_workers' processes: its DeviceError; the
    # same circuit without workers gives its snapshots (H|0> on wire 0)
    def circuit():
        qml.Snapshot("tag")
        qml.Hadamard(wires=0)
        qml.Snapshot()
        return qml.expval(qml.PauliX(0))

    pooled = qml.QNode(circuit, qml.devices.DefaultQubit(max_workers=2))
    with pytest.raises(qml.DeviceError,
                       match="Debugging with ``Snapshots`` is not available with multiprocessing"):
        qml.snapshots(pooled)()
    out = qml.snapshots(qml.QNode(circuit, qml.devices.DefaultQubit()))()
    assert np.allclose(out[1], [2 ** -0.5, 2 ** -0.5]) and np.isclose(out["execution_results"], 1)


def test_snapshots_after_deferred_mid_circuit_measurements():
    # PennyLane defers the measurements without shots: a measured wire used again is
    # copied onto a new wire by a CNOT, a conditioned gate is controlled by the measured
    # wire, and the snapshots are states of that circuit
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def copied():
        qml.Hadamard(wires=0)
        qml.measure(0)
        qml.Snapshot("label")
        return qml.probs(wires=0)

    out = qml.snapshots(copied)()
    assert np.allclose(out["label"], np.array([1, 0, 0, 1]) / np.sqrt(2))  # (|00> + |11>)/√2
    assert np.allclose(out["execution_results"], [0.5, 0.5])

    @qml.qnode(dev)
    def conditioned(x):
        qml.RX(x, 0)
        m = qml.measure(0)
        qml.Snapshot("before")
        qml.cond(m, qml.X)(1)
        qml.Snapshot("after")
        return qml.expval(qml.Z(1))

    x = 0.4
    c, s = np.cos(x / 2), np.sin(x / 2)  # RX(x)|0> = c|0> - i s|1>
    out = qml.snapshots(conditioned)(x)
    assert np.allclose(out["before"], [c, 0, -1j * s, 0])
    assert np.allclose(out["after"], [c, 0, 0, -1j * s])
    assert np.isclose(out["execution_results"], c**2 - s**2)
