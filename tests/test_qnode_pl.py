"""PennyLane's QNode semantics of mid-circuit measurements (issue #18): ``qml.defer_measurements``
is a transform object whose tape function a QNode really runs when PennyLane's device would
defer; one-shot semantics on the device's wires with shots; ``Projector`` operations of a
tape as postselections. Expected values are written by hand."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym.errors import GateError, WireError


class Spy:
    """Counts the calls of ``qml.defer_measurements``'s tape function (and their tapes)."""

    def __init__(self, monkeypatch):
        self.tapes = []
        original = qml.defer_measurements.tape_transform

        def spy(tape, *args, **kwargs):
            self.tapes.append(tape)
            return original(tape, *args, **kwargs)

        monkeypatch.setattr(qml.defer_measurements, "_tape_transform", spy)


def _conditional(dev, **qnode_kwargs):
    @qml.qnode(dev, **qnode_kwargs)
    def f(x):
        qml.RY(x, wires=0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(wires=1)
        return qml.expval(qml.PauliZ(1))

    return f


def test_defer_measurements_is_a_transform_with_a_tape_function():
    assert isinstance(qml.defer_measurements, qml.transforms.core.Transform)
    assert callable(qml.defer_measurements.tape_transform)
    m = qml.ops.MidMeasure(0, meas_uid="a")
    tape = qml.tape.QuantumScript([qml.H(0), m, qml.ops.Conditional(
        qml.ops.MeasurementValue([m]), qml.X(1))], [qml.probs(wires=[1])])
    (new,), fn = qml.defer_measurements(tape)
    assert [op.name for op in new.operations] == ["Hadamard", "CNOT"]  # the cond: a CNOT
    assert fn(["r"]) == "r"


def test_a_qnode_that_defers_runs_the_tape_function_once_per_structure(monkeypatch):
    spy = Spy(monkeypatch)
    f = _conditional(qml.device("default.qubit", wires=2))
    # X on wire 1 with probability sin^2(x/2): <Z1> = 1 - 2 sin^2(x/2) = cos(x)
    assert onp.isclose(f(0.4), onp.cos(0.4))
    assert onp.isclose(f(0.9), onp.cos(0.9))  # the same structure: traced once
    assert len(spy.tapes) == 1
    ops = spy.tapes[0].operations  # the recorded tape, before its deferral
    assert [type(op).__name__ for op in ops] == ["RY", "MidMeasure", "Conditional"]


def test_a_qnode_without_measurements_runs_it_too(monkeypatch):
    spy = Spy(monkeypatch)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def g(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert onp.isclose(g(0.3), onp.cos(0.3))
    assert len(spy.tapes) == 1 and spy.tapes[0].measurements[0].kind == "expval"


def test_with_shots_one_shot_runs_no_deferral_transform(monkeypatch):
    spy = Spy(monkeypatch)
    f = qml.set_shots(_conditional(qml.device("default.qubit", wires=2)), shots=50)
    assert f(onp.pi) == -1.0  # the measured outcome is 1 for sure: X on wire 1
    assert spy.tapes == []
    dm = qml.set_shots(_conditional(qml.device("default.mixed", wires=2)), shots=50)
    assert dm(onp.pi) == -1.0  # default.mixed always defers
    assert len(spy.tapes) == 1


def test_explicit_deferred_method_with_shots_runs_it(monkeypatch):
    spy = Spy(monkeypatch)
    f = qml.set_shots(_conditional(qml.device("default.qubit", wires=2),
                                   mcm_method="deferred"), shots=20)
    assert f(0.0) == 1.0
    assert len(spy.tapes) == 1


def test_defer_measurements_of_a_qnode_runs_it_as_well(monkeypatch):
    spy = Spy(monkeypatch)
    f = qml.defer_measurements(_conditional(qml.device("default.qubit", wires=2)))
    assert onp.isclose(f(0.7), onp.cos(0.7))
    # the user's transform on the recording, then the device's on the deferred tape
    assert len(spy.tapes) == 2
    assert [op.name for op in spy.tapes[1].operations] == ["RY", "CNOT"]


def _reused(measurement):
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(40)
    @qml.qnode(dev)
    def circuit():
        qml.PauliX(0)
        qml.measure(0)
        qml.CNOT(wires=[0, 1])  # wire 0 used again: the deferral copies it
        return measurement()

    return circuit


def test_one_shot_runs_on_the_device_wires():
    probs = _reused(qml.probs)()  # no wires: the device's two, not the copy
    assert onp.allclose(probs, [0, 0, 0, 1])
    samples = _reused(qml.sample)()
    assert onp.shape(samples) == (40, 2) and onp.all(samples == 1)
    both = _reused(lambda: {"p": qml.probs(wires=1), "z": qml.expval(qml.Z(0))})()
    assert onp.allclose(both["p"], [0, 1]) and both["z"] == -1.0


def test_deferred_without_shots_still_needs_the_wire():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.PauliX(0)
        qml.measure(0)
        qml.CNOT(wires=[0, 1])
        return qml.probs(wires=[0, 1])

    with pytest.raises(WireError, match="not found on"):
        circuit()


def test_projector_operations_of_a_tape_postselect():
    dev = qml.device("default.qubit", wires=3)
    # RX(0.7)|0>, kept on |1> (copied to wire 2), wire 0 flipped back, CRY on wire 1
    tape = qml.tape.QuantumScript(
        [qml.RX(0.7, 0), qml.Projector([1], wires=0), qml.CNOT([0, 2]), qml.X(0),
         qml.CRY(0.3, wires=[2, 1])], [qml.probs(wires=[1]), qml.expval(qml.Z(0))])
    probs, z0 = qml.execute([tape], dev)[0]
    assert onp.allclose(probs, [onp.cos(0.15) ** 2, onp.sin(0.15) ** 2])
    assert onp.isclose(z0, 1.0)
    # a projector kept to the end: the renormalised state H|0> -> |1>, then CNOT
    tape = qml.tape.QuantumScript([qml.H(0), qml.Projector([1], wires=0), qml.CNOT([0, 1])],
                                  [qml.probs(wires=[0, 1])])
    assert onp.allclose(qml.execute([tape], dev)[0], [0, 0, 0, 1])


def test_projector_operations_refused_where_not_exact():
    dev = qml.device("default.qubit", wires=2)
    changed = qml.tape.QuantumScript([qml.H(0), qml.Projector([1], wires=0), qml.H(0)],
                                     [qml.expval(qml.Z(0))])
    with pytest.raises(GateError, match="change the wire's outcome"):
        qml.execute([changed], dev)
    vector = qml.tape.QuantumScript([qml.Projector([0, 1], wires=0)], [qml.expval(qml.Z(0))])
    with pytest.raises(GateError, match="postselection of computational-basis"):
        qml.execute([vector], dev)


def _postselected(mode, x, **kwargs):
    @qml.set_shots(200)
    @qml.qnode(qml.device("default.qubit", seed=7), postselect_mode=mode, **kwargs)
    def f():
        qml.RX(x, 0)
        qml.measure(0, postselect=1)
        return qml.sample(wires=[0]), qml.counts(wires=[0])

    return f


def test_fill_shots_keeps_every_shot():
    # P(1) = sin^2(pi/8) ~ 0.146: hw-like keeps about 29 of 200 shots, fill-shots all 200
    samples, counts = _postselected("fill-shots", onp.pi / 4, mcm_method="deferred")()
    assert samples.shape == (200, 1) and onp.all(samples == 1) and counts == {"1": 200}
    samples, _ = _postselected("hw-like", onp.pi / 4, mcm_method="deferred")()
    assert 0 < len(samples) < 100 and onp.all(samples == 1)


def test_fill_shots_refusals():
    with pytest.raises(qml.errors.DeviceError, match="only supported with mcm_method='deferred'"):
        _postselected("fill-shots", 0.3)()  # shots and no method: one-shot
    with pytest.raises(qml.errors.MeasurementError, match="measurement outcome is 0"):
        _postselected("fill-shots", 0.0, mcm_method="deferred")()  # |0> never gives 1
    # PennyLane's error there is a RuntimeError (its message)
    with pytest.raises(RuntimeError, match="The probability of the postselected mid-circuit "
                       "measurement outcome is 0. This leads to invalid results"):
        _postselected("fill-shots", 0.0, mcm_method="deferred")()


def test_shots_without_mid_circuit_measurements_keep_the_device_wires():
    @qml.set_shots(5)
    @qml.qnode(qml.device("default.qubit", wires=3))
    def f():
        return qml.sample()

    assert onp.array_equal(f(), onp.zeros((5, 3)))  # |000>, every wire of the device
