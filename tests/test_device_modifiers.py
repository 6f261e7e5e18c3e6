"""PennyLane's device modifiers, device capabilities from TOML, the functional simulator's
mid-circuit measurements and a literal given as a measurement's observable.

Expected values are worked out by hand (probabilities of one-qubit rotations, the
circuits hardware would run for commuting groups), never read from the code under test."""

import numpy as np
import pytest

import qsym as qml
from qsym.devices.capabilities import (DeviceCapabilities, ExecutionCondition,
                                       OperatorProperties, load_toml_file,
                                       observable_stopping_condition_factory,
                                       parse_toml_document, update_device_capabilities)
from qsym.devices.modifiers import simulator_tracking, single_tape_support
from qsym.devices.qubit import simulate
from qsym.devices.qubit.simulate import simulate_tree_mcm
from qsym.errors import MeasurementError, QuantumFunctionError
from qsym.exceptions import InvalidCapabilitiesError


# --- a literal as a measurement's observable ------------------------------------------------
@pytest.mark.parametrize("fn, cls", [(qml.counts, "CountsMP"), (qml.sample, "SampleMP")])
def test_literal_observable_is_made_and_refused_where_used(fn, cls):
    mp = fn(0)
    assert type(mp).__name__ == cls
    with pytest.raises(MeasurementError, match=r"wires=0"):
        _ = mp.wires

    @qml.qnode(qml.device("default.qubit", wires=1), shots=5)
    def circuit():
        return fn(0)

    with pytest.raises(MeasurementError, match="is not an observable"):
        circuit()


# --- the functional simulator with mid-circuit measurements ---------------------------------
def _conditioned_tape(theta, shots=None, postselect=None):
    m = qml.measure(0, postselect=postselect)
    ops = [qml.RX(theta, 0), *m.measurements, qml.ops.op_math.Conditional(m == 1, qml.X(1))]
    return qml.tape.QuantumScript(ops, [qml.expval(qml.Z(1)), qml.probs(wires=0)], shots=shots)


def test_simulate_tree_traversal_exact():
    # P(m=1) = sin^2(theta/2); X on wire 1 when m=1: <Z1> = 1 - 2 sin^2(theta/2) = cos(theta)
    theta = 0.7
    z1, p0 = simulate(_conditioned_tape(theta), mcm_method="tree-traversal")
    assert np.isclose(z1, np.cos(theta))
    assert np.allclose(p0, [np.cos(theta / 2) ** 2, np.sin(theta / 2) ** 2])
    z1, _ = simulate_tree_mcm(_conditioned_tape(theta, postselect=1))
    assert np.isclose(z1, -1.0)  # postselected on 1: X applied


def test_simulate_one_shot_statistics():
    theta = 1.1
    z1, p0 = simulate(_conditioned_tape(theta, shots=4000), mcm_method="one-shot", rng=7)
    assert abs(z1 - np.cos(theta)) < 0.1
    assert abs(p0[1] - np.sin(theta / 2) ** 2) < 0.05


def test_postselection_of_probability_zero():
    tape = qml.tape.QuantumScript([qml.Projector([1], wires=0)], [qml.expval(qml.Z(0))])
    assert np.isnan(simulate(tape))  # |0> never gives 1: PennyLane's NaN
    shots = tape.copy(shots=10)
    with pytest.raises(RuntimeError, match="probability of the postselected"):
        simulate(shots, postselect_mode="fill-shots")


# --- modifiers ------------------------------------------------------------------------------
def test_single_tape_support_unwraps_one_tape():
    @single_tape_support
    class Ones(qml.devices.Device):
        def execute(self, circuits, execution_config=None):
            return tuple(float(len(c.operations)) for c in circuits)

        def compute_derivatives(self, circuits, execution_config=None):
            return tuple("jac" for _ in circuits)

    t = qml.tape.QuantumScript([qml.H(0), qml.H(1)], [qml.expval(qml.Z(0))])
    dev = Ones()
    assert dev.execute(t) == 2.0
    assert dev.execute((t, t)) == (2.0, 2.0)
    assert dev.compute_derivatives(t) == "jac"
    assert Ones.compute_jvp is qml.devices.Device.compute_jvp  # not defined: untouched
    assert Ones._applied_modifiers == [single_tape_support]
    with pytest.raises(ValueError, match="only accepts subclasses"):
        single_tape_support(int)


def test_simulator_tracking_records_execute_and_jvp():
    @simulator_tracking
    @single_tape_support
    class Zero(qml.devices.Device):
        def execute(self, circuits, execution_config=None):
            return tuple(0.0 for _ in circuits)

        def compute_jvp(self, circuits, tangents, execution_config=None):
            return tuple(0.0 for _ in circuits)

    # X(0) and Y(0) do not commute: two circuits, each taking the 50 shots
    t = qml.tape.QuantumScript([qml.H(0)], [qml.expval(qml.X(0)), qml.expval(qml.Y(0))],
                               shots=50)
    dev = Zero()
    with dev.tracker:
        assert dev.execute(t) == 0.0
        dev.compute_jvp((t, t, t), (0, 0, 0))
    h = dev.tracker.history
    assert h["batches"] == [1] and h["simulations"] == [1]
    assert h["executions"] == [2] and h["shots"] == [100]
    assert h["resources"][0].gate_types == {"Hadamard": 1}
    assert h["jvp_batches"] == [1] and h["jvps"] == [3]
    assert Zero._applied_modifiers == [single_tape_support, simulator_tracking]


# --- capabilities from TOML -----------------------------------------------------------------
TOML = """
schema = 3
[operators.gates]
RY = { properties = ["controllable", "invertible"] }
RZ = { properties = ["invertible"] }
Rot = { conditions = ["analytic"] }
[operators.observables]
PauliZ = {}
[measurement_processes]
ExpectationMP = {}
CountsMP = { conditions = ["finiteshots"] }
[compilation]
supported_mcm_methods = ["one-shot"]
[pennylane.operators.observables]
PauliX = {}
"""


def test_toml_is_parsed_section_by_section(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text(TOML)
    doc = load_toml_file(str(path))
    caps = parse_toml_document(doc)
    assert caps.operations["RY"] == OperatorProperties(invertible=True, controllable=True)
    assert caps.operations["Rot"].conditions == [ExecutionCondition.ANALYTIC_MODE_ONLY]
    assert set(caps.observables) == {"PauliZ"}
    update_device_capabilities(caps, doc, "pennylane")
    assert set(caps.observables) == {"PauliZ", "PauliX"}
    assert caps.supports_operation("Adjoint(C(RY))") and not caps.supports_operation("C(RZ)")
    assert caps.gate_set() == {"RY", "C(RY)", "Adjoint(RY)", "RZ", "Adjoint(RZ)", "Rot"}
    assert set(caps.filter(finite_shots=True).operations) == {"RY", "RZ"}
    assert set(caps.filter(finite_shots=False).measurement_processes) == {"ExpectationMP"}
    ok = observable_stopping_condition_factory(caps)
    assert ok(qml.Z(0)) and not ok(qml.Y(0))


@pytest.mark.parametrize("text, match", [
    ('schema = 3\n[operators.gates]\nRX = { properties = ["fast"] }\n', "unknown properties"),
    ('schema = 3\n[operators.gates]\nRX = { conditions = ["analytic", "finiteshots"] }\n',
     "both"),
    ('schema = 3\n[compilation]\nspeed = 1\n', "unknown options"),
    ('schema = 3\n[compilation]\noverlapping_observables = false\n'
     'non_commuting_observables = true\n', "overlapping_observables is False"),
])
def test_malformed_toml_is_refused(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InvalidCapabilitiesError, match=match):
        DeviceCapabilities.from_toml_file(str(path))
    with pytest.raises(ValueError, match="subset"):
        DeviceCapabilities(supported_mcm_methods=["teleport"])


def test_device_class_pipeline_from_its_toml(tmp_path):
    path = tmp_path / "dev.toml"
    path.write_text(TOML)

    class Mine(qml.devices.Device):
        config_filepath = str(path)

        def execute(self, circuits, execution_config=None):
            return tuple(0.0 for _ in circuits)

    dev = Mine()
    assert isinstance(dev.capabilities, DeviceCapabilities)
    tape = qml.tape.QuantumScript([qml.ops.MidMeasure(0)], [], shots=10)
    config = dev.setup_execution_config(qml.devices.ExecutionConfig(), tape)
    assert config.mcm_config.mcm_method == "one-shot"  # supported, and shots given
    with pytest.raises(QuantumFunctionError, match="tree-traversal"):
        dev.setup_execution_config(qml.devices.ExecutionConfig(
            mcm_config=qml.devices.MCMConfig(mcm_method="tree-traversal")), tape)
    program = dev.preprocess_transforms()
    rot = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)], [qml.expval(qml.Z(0))])
    (kept,), _ = program((rot,))
    assert [op.name for op in kept.operations] == ["Rot"]  # supported without shots
    (split,), _ = program((rot.copy(shots=10),))
    assert [op.name for op in split.operations] == ["RZ", "RY", "RZ"]
    # Rot(a, b, c) = RZ(c) RY(b) RZ(a): the product of the three, by hand
    a, b, c = 0.1, 0.2, 0.3

    def rz(t):
        return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])

    ry = np.array([[np.cos(b / 2), -np.sin(b / 2)], [np.sin(b / 2), np.cos(b / 2)]])
    assert np.allclose(qml.matrix(split), rz(c) @ ry @ rz(a))
    with pytest.raises(qml.DeviceError, match="not accepted"):  # CountsMP: shots only
        program((qml.tape.QuantumScript([], [qml.counts(wires=0)]),))


def test_deferred_tape_measures_values_of_measurements():
    # P(m0=1) = sin^2(0.25), P(m1=1) = sin^2(0.15), independent wires
    m0, m1 = qml.measure(0), qml.measure(1)
    tape = qml.tape.QuantumScript(
        [qml.RX(0.5, 0), *m0.measurements, qml.RX(0.3, 1), *m1.measurements],
        [qml.expval(op=m0), qml.expval(op=0.5 * m0 + m1), qml.var(op=m0)])
    (deferred,), fn = qml.defer_measurements(tape)
    p0, p1 = np.sin(0.25) ** 2, np.sin(0.15) ** 2
    e0, e, v0 = fn([simulate(deferred, mcm_method="deferred")])
    assert np.isclose(e0, p0) and np.isclose(e, 0.5 * p0 + p1)
    assert np.isclose(v0, p0 * (1 - p0))
    assert np.allclose(qml.expval(op=0.5 * m0 + m1).eigvals(), [0, 1, 0.5, 1.5])


def test_flex_shots_count_zero_shots():
    from qsym.devices.qubit.simulate import _FlexShots
    assert tuple(_FlexShots(((10, 3), (0, 2)))) == (10, 10, 10, 0, 0)
    assert _FlexShots((10, 0, 5, 0)).total_shots == 15
    with pytest.raises(ValueError, match="not a count"):
        _FlexShots((0, -1))


def test_snapshot_wires_are_its_measurements():
    assert list(qml.Snapshot().wires) == []
    assert list(qml.Snapshot("p", measurement=qml.probs(wires=[2, 0])).wires) == [2, 0]


def test_default_qubit_records_both_modifiers_and_a_subclass_its_own_list():
    # PennyLane's DefaultQubit is made with single_tape_support and simulator_tracking; a
    # modified subclass gets a list of its own (the base's left as it was)
    base = [single_tape_support, simulator_tracking]
    assert qml.devices.DefaultQubit()._applied_modifiers == base

    @single_tape_support
    class Mine(qml.devices.DefaultQubit):
        pass

    assert Mine._applied_modifiers == base + [single_tape_support]
    assert qml.devices.DefaultQubit._applied_modifiers == base
