"""Measurement classes of the user's own (PennyLane's ``SampleMeasurement``,
``StateMeasurement``, ``MeasurementTransform`` subclasses) returned from a QNode or run on a
tape: qsym hands their ``process_*`` method the samples, state or density matrix of every
wire (PennyLane's shapes, wires numbered in the device's order). Expected values are closed
forms of the states written by hand."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml
from qsym.errors import DeviceError, DifferentiationError, MeasurementError
from qsym.measurements import (MeasurementProcess, MeasurementTransform, SampleMeasurement,
                               StateMeasurement)
from qsym.wires import Wires


class SumOfSamples(SampleMeasurement):
    """The number of 1s on its wires; records what it was handed."""

    def process_samples(self, samples, wire_order, shot_range=None, bin_size=None):
        self.__class__.seen = (np.shape(samples), wire_order, self.wires)
        return np.sum(samples[..., list(self.wires)])

    def process_counts(self, counts, wire_order):
        return counts


class TheState(StateMeasurement):
    """The state itself (after its observable's diagonalizing gates, if any)."""

    def process_state(self, state, wire_order):
        self.__class__.order = wire_order
        return np.asarray(state)


class TheDensityMatrix(StateMeasurement):
    def process_state(self, state, wire_order):
        raise AssertionError("default.mixed hands the density matrix")

    def process_density_matrix(self, density_matrix, wire_order):
        return np.asarray(density_matrix)


def test_sample_measurement_counts_the_ones_of_each_wire():
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(200)
    @qml.qnode(dev)
    def circuit():
        qml.PauliX(0)
        return SumOfSamples(wires=[0]), SumOfSamples(wires=[1])

    assert [int(v) for v in circuit()] == [200, 0]
    assert SumOfSamples.seen[0] == (200, 2)  # (shots, every wire)
    assert SumOfSamples.seen[1] == Wires([0, 1])


def test_the_tapes_wires_only_numbered_as_pennylanes_standard_wires():
    """PennyLane's default.qubit simulates the tape's wires (the gates', then those only
    measured; a measurement without wires measures the device's), numbered 0 .. n-1."""
    dev = qml.device("default.qubit", wires=["a", "b", "c"])

    @qml.set_shots(50)
    @qml.qnode(dev)
    def circuit():
        qml.PauliX("c")
        return SumOfSamples(wires=["c"])

    assert int(circuit()) == 50
    assert SumOfSamples.seen == ((50, 1), Wires([0]), Wires([0]))

    @qml.qnode(qml.device("default.qubit", wires=["b", "a", "c"]))
    def labelled():
        qml.PauliX("a")
        qml.RY(1.0, wires="b")
        return TheState(wires=["a"])

    # wires in the order the gates use them, [a, b]: |1> (x) (cos 0.5 |0> + sin 0.5 |1>)
    assert np.allclose(labelled(), [0, 0, np.cos(0.5), np.sin(0.5)])


def test_state_measurement_without_wires_gets_the_devices_wires():
    dev = qml.device("default.qubit", wires=2)
    theta = 0.7

    @qml.qnode(dev)
    def circuit(x):
        qml.RY(x, wires=1)
        return TheState()

    # the gates' wire 1 first, then the measured-only wire 0: amplitudes (w1, w0)
    expected = np.array([np.cos(theta / 2), 0, np.sin(theta / 2), 0])
    assert np.allclose(circuit(theta), expected)
    assert TheState.order == Wires([0, 1])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def nothing():
        return TheState()

    assert np.allclose(nothing(), [1, 0, 0, 0])


def test_observable_diagonalizing_gates_are_applied_first():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit():
        return TheState(qml.PauliX(0))

    # H|0> = (|0> + |1>) / sqrt(2): X's eigenbasis rotated to the computational one
    assert np.allclose(circuit(), np.array([1, 1]) / np.sqrt(2))


def test_mixed_with_qsym_measurements_keeps_the_order():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), TheState(), qml.probs(wires=0)

    x = 0.4
    ev, psi, probs = circuit(x)
    assert np.isclose(ev, np.cos(x))
    assert np.allclose(psi, [np.cos(x / 2), -1j * np.sin(x / 2)])
    assert np.allclose(probs, [np.cos(x / 2) ** 2, np.sin(x / 2) ** 2])


def test_shot_vector_gives_one_result_per_partition():
    dev = qml.device("default.qubit", wires=1)

    @qml.set_shots([10, 30])
    @qml.qnode(dev)
    def circuit():
        qml.PauliX(0)
        return SumOfSamples(wires=[0])

    assert [int(v) for v in circuit()] == [10, 30]


def test_broadcast_parameters_give_a_batch_of_states():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        qml.RY(x, wires=0)
        return TheState()

    xs = np.array([0.0, np.pi])
    assert np.allclose(circuit(xs), [[1, 0], [0, 1]])


def test_default_mixed_hands_the_density_matrix():
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        qml.DepolarizingChannel(0.3, wires=0)
        return TheDensityMatrix()

    # depolarizing p keeps |+><+| with weight 1 - 4p/3 of its coherence: off-diagonal 0.5(1-4p/3)
    off = 0.5 * (1 - 4 * 0.3 / 3)
    assert np.allclose(circuit(), [[0.5, off], [off, 0.5]])


def test_device_execute_of_a_tape():
    dev = qml.device("default.qubit", wires=2)
    tape = qml.tape.QuantumScript([qml.PauliX(1)], [SumOfSamples(wires=[1])], shots=25)
    assert int(dev.execute(tape)) == 25


def test_measurement_transform_sampled_by_its_process_samples():
    class Flag(MeasurementTransform, SampleMeasurement):
        def process(self, tape, device):
            raise AssertionError("default.qubit samples it")

        def process_samples(self, samples, wire_order, shot_range=None, bin_size=None):
            return [True]

    @qml.set_shots(5)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return Flag(wires=[0])

    assert circuit() == [True]


def test_sample_measurement_without_shots_is_refused():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return SumOfSamples(wires=[0])

    with pytest.raises(DeviceError, match="not accepted for analytic simulation on default.qubit"):
        circuit()


def test_state_measurement_with_shots_is_refused():
    @qml.set_shots(10)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return TheState()

    with pytest.raises(DeviceError, match="not accepted with finite shots on default.qubit"):
        circuit()


def test_no_derivative():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, wires=0)
        return TheState()

    with pytest.raises((DifferentiationError, MeasurementError), match="TheState"):
        qml.jacobian(circuit)(qml.numpy.array(0.3, requires_grad=True))


def test_undefined_methods_raise_not_implemented():
    with pytest.raises(NotImplementedError, match="process_density_matrix"):
        TheState().process_density_matrix(np.eye(2), Wires([0]))
    with pytest.raises(NotImplementedError, match="process_state"):
        SumOfSamples(wires=[0]).process_state(np.array([1.0, 0.0]), Wires([0]))


def test_direct_measurement_process_subclass():
    class Dummy(MeasurementProcess):
        _shortname = "Dummy"

    a, b = Dummy(wires=Wires(0)), Dummy(wires=Wires(0))
    assert a == b and len({a, b}) == 1 and hash(a) == a.hash
    assert repr(a) == "Dummy(wires=[0])"
    with pytest.raises(qml.QuantumFunctionError, match="numeric type of the measurement Dummy"):
        _ = a.numeric_type
    with pytest.raises(qml.QuantumFunctionError, match="shape of the measurement Dummy"):
        a.shape(None, 1)
    with pytest.raises(qml.QuantumFunctionError, match="shape of the measurement CountsMP"):
        qml.counts(wires=[0]).shape(10, 1)


def test_drawn_with_pennylanes_label():
    """PennyLane draws a measurement of the user's class by its ``str``:
    ``_shortname(wires=[...])``, else ``None(wires=[...])``."""
    class Named(StateMeasurement):
        _shortname = "mine"

        def process_state(self, state, wire_order):
            return np.asarray(state)

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return TheState(wires=[0]), qml.expval(qml.Z(1)), Named()

    drawn = qml.draw(circuit)(0.1).splitlines()
    assert drawn[0] == "0: ──RX(0.10)─╭●─┤  None(wires=[0])  mine(wires=[])"
    assert drawn[1].startswith("1: ───────────╰X─┤  <Z>")


class Purity(StateMeasurement):
    """Tr(rho^2) of its wires, named as PennyLane's labels read it (``_shortname``)."""

    _shortname = "mypurity"

    def process_state(self, state, wire_order):
        psi = np.reshape(state, (2, -1)) if list(self.wires) == [0] else None
        rho = psi @ psi.conj().T
        return float(np.real(np.trace(rho @ rho)))


def _entangled(measurement, shots=None):
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(shots)
    @qml.qnode(dev)
    def circuit(x):
        qml.RY(x, wires=0)
        qml.CNOT([0, 1])
        return measurement()
    return dev, circuit


def test_specs_counts_a_measurement_of_the_users_class():
    """PennyLane 0.45.1's specs label a measurement by its class's ``_shortname``."""
    _, circuit = _entangled(lambda: Purity(wires=[0]))
    resources = qml.specs(circuit)(0.4)["resources"]
    assert resources.gate_types == {"RY": 1, "CNOT": 1}
    assert resources.measurements == {"mypurity(1 wires)": 1}
    _, sampled = _entangled(lambda: SumOfSamples(wires=[0, 1]), shots=10)
    assert qml.specs(sampled)(0.4)["resources"].measurements == {"SumOfSamples(all wires)": 1}


def test_tracker_records_the_tape_of_a_users_measurement_once():
    """One circuit, the tape's own measurement and its result (PennyLane's record), not
    the carrier run: the purity of RY(x)|0>, CNOT is (1 + cos(x)^2) / 2."""
    dev, circuit = _entangled(lambda: Purity(wires=[0]))
    with qml.Tracker(dev) as tracker:
        value = circuit(0.4)
    expected = (1 + np.cos(0.4) ** 2) / 2
    assert value == pytest.approx(expected)
    assert tracker.totals == {"batches": 1, "simulations": 1, "executions": 1,
                              "results": pytest.approx(expected)}
    assert tracker.history["resources"][0].measurements == {"mypurity(1 wires)": 1}
    dev, sampled = _entangled(lambda: SumOfSamples(wires=[0, 1]), shots=10)
    with qml.Tracker(dev) as tracker:
        sampled(0.0)  # |00>: no ones
    assert tracker.history["shots"] == [10] and tracker.history["results"] == [0]
    assert tracker.history["resources"][0].measurements == {"SumOfSamples(all wires)": 1}
