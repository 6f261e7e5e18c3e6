"""PennyLane 0.45.1's decomposition-graph rule of a subroutine and ``qml.ctrl`` of a
``MultiControlledX`` that has work wires (issue #18; PennyLane's
templates/test_subroutine.py and decomposition/test_symbolic_decomposition.py).

Expected gates and matrices are written by hand; PennyLane 0.45.1's outputs quoted below
were computed in /work/plvenv (``import pennylane as qp``).
"""

import warnings
from functools import partial

import numpy as onp
import pytest

import qsym as qml

X = onp.array([[0, 1], [1, 0]])


@pytest.fixture
def graph():
    qml.decomposition.enable_graph()
    try:
        yield
    finally:
        qml.decomposition.disable_graph()


def _layer(gate):
    def resources(params, wires):
        return {gate: qml.math.shape(params)[0]}

    @partial(qml.templates.Subroutine, compute_resources=resources)
    def layer(params, wires):
        for p, w in zip(params, wires):
            gate(p, wires=w)

    return layer


# --- a SubroutineOp is a node of the decomposition graph -------------------------------------
def test_a_subroutine_op_has_pennylanes_rule_with_its_resources():
    # PennyLane 0.45.1: list_decomps(SubroutineOp) lists one rule, "_Subroutine_decomp",
    # whose resources are the subroutine's compute_resources
    rules = qml.list_decomps(qml.templates.SubroutineOp)
    assert [r.name for r in rules] == ["_Subroutine_decomp"]
    layer = _layer(qml.RZ)
    op = layer.operator(onp.array([0.1, 0.2, 0.3, 0.4]), wires=[0, 1, 2, 3])
    assert dict(rules[0].compute_resources(**op.resource_params).gate_counts) == {
        qml.resource_rep(qml.RZ): 4}


def test_the_graph_chooses_the_rule_whose_subroutine_reaches_the_gate_set(graph):
    rx_layer, ry_layer = _layer(qml.RX), _layer(qml.RY)
    shapes = (qml.templates.AbstractArray((2,), float), qml.templates.AbstractArray((2,)))
    rx_rep = qml.templates.subroutine_resource_rep(rx_layer, *shapes)
    ry_rep = qml.templates.subroutine_resource_rep(ry_layer, *shapes)

    class TwoWays(qml.operation.Operator):
        resource_keys = frozenset()

        @property
        def resource_params(self):
            return {}

    @qml.register_resources({rx_rep: 1})
    def by_rx(wires, **_):
        rx_layer(onp.array([0.5, 0.7]), wires)

    @qml.register_resources({ry_rep: 1})
    def by_ry(wires, **_):
        ry_layer(onp.array([0.5, 0.7]), wires)

    with qml.decomposition.local_decomps():
        qml.add_decomps(TwoWays, by_rx, by_ry)
        tape = qml.tape.QuantumScript([TwoWays(wires=[3, 5])])
        for gate in (qml.RX, qml.RY):  # the second rule only when the gate set wants RY
            [out], _ = qml.decompose(tape, gate_set={gate})
            assert out.operations == [gate(0.5, wires=3), gate(0.7, wires=5)]


# --- qml.ctrl of a MultiControlledX keeps its work wires -------------------------------------
@pytest.mark.parametrize("inner_type, outer, outer_type, work, kind", [
    # PennyLane 0.45.1 (/work/plvenv): qp.ctrl(qp.MultiControlledX(wires=[0, 1, 2, 3],
    # control_values=[1, 0, 1], work_wires=[4], work_wire_type=...), control=[6], ...)
    # .work_wires / .work_wire_type
    ("borrowed", [7], "borrowed", [7, 4], "borrowed"),
    ("zeroed", [7], "zeroed", [7, 4], "zeroed"),
    ("zeroed", None, "borrowed", [4], "zeroed"),
    ("borrowed", [7], "zeroed", [7, 4], "borrowed"),
    ("zeroed", [7], "borrowed", [7, 4], "borrowed"),
])
def test_ctrl_of_a_multicontrolledx_adds_its_work_wires(inner_type, outer, outer_type, work, kind):
    base = qml.MultiControlledX(wires=[0, 1, 2, 3], control_values=[1, 0, 1], work_wires=[4],
                                work_wire_type=inner_type)
    op = qml.ctrl(base, control=[6], work_wires=outer, work_wire_type=outer_type)
    assert op.name == "MultiControlledX"
    assert list(op.wires) == [6, 0, 1, 2, 3]
    assert list(op.work_wires) == work and op.work_wire_type == kind
    # X on wire 3 when wires 6, 0, 1, 2 read 1, 1, 0, 1 (work wires change no matrix)
    expected = onp.eye(32)
    i = 0b11010
    expected[[i, i + 1]] = expected[[i + 1, i]]
    assert onp.allclose(qml.matrix(op, wire_order=[6, 0, 1, 2, 3]), expected)



# --- ControlledQubitUnitary in the decomposition graph ---------------------------------------
def test_controlled_qubit_unitary_resource_params_are_pennylanes():
    op = qml.ControlledQubitUnitary(onp.eye(4), wires=[5, 6, 2, 3, 0, 1],
                                    control_values=[0, 1, 1, 0], work_wires=[9])
    # PennyLane 0.45.1's op.resource_params
    assert op.resource_params == {"num_target_wires": 2, "num_control_wires": 4,
                                  "num_zero_control_values": 2, "num_work_wires": 1,
                                  "work_wire_type": "borrowed"}


@pytest.mark.parametrize("base_type", ["borrowed", "zeroed"])
def test_a_controlled_qubit_unitary_rep_is_a_controlledqubitunitary(base_type):
    rep = qml.decomposition.resource_rep
    crep = qml.decomposition.controlled_resource_rep
    # PennyLane 0.45.1: controlled_resource_rep(qp.QubitUnitary, {"num_wires": 2}, 2, 2, 2,
    # "zeroed") and of a ControlledQubitUnitary (controls, zero values, work wires joined)
    assert crep(qml.QubitUnitary, {"num_wires": 2}, 2, 2, 2, "zeroed") == rep(
        qml.ControlledQubitUnitary, num_target_wires=2, num_control_wires=2,
        num_zero_control_values=2, num_work_wires=2, work_wire_type="zeroed")
    base = rep(qml.ControlledQubitUnitary, num_target_wires=1, num_control_wires=2,
               num_zero_control_values=1, num_work_wires=1, work_wire_type=base_type)
    assert crep(qml.ControlledQubitUnitary, dict(base.params), 2, 2, 2, "zeroed") == rep(
        qml.ControlledQubitUnitary, num_target_wires=1, num_control_wires=4,
        num_zero_control_values=3, num_work_wires=3, work_wire_type=base_type)


def _controlled(U, n_controls, values):
    """The matrix of U on the last wires, applied where the controls read ``values``."""
    d = U.shape[0]
    m = onp.eye(d << n_controls, dtype=complex)
    k = int("".join(map(str, values)), 2) * d
    m[k:k + d, k:k + d] = U
    return m


def _rz(t):
    return onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])


@pytest.mark.parametrize("op, wire_order, expected", [
    (lambda: qml.ctrl(qml.RZ(0.3, wires=0), control=[1, 2, 3]), [1, 2, 3, 0],
     _controlled(_rz(0.3), 3, [1, 1, 1])),
    (lambda: qml.ctrl(qml.RZ(0.7, wires=0), control=[1, 2], control_values=[1, 0]), [1, 2, 0],
     _controlled(_rz(0.7), 2, [1, 0])),
    (lambda: qml.ControlledQubitUnitary(onp.array([[0, 1j], [1j, 0]]), wires=[1, 0],
                                        control_values=[0]), [1, 0],
     _controlled(onp.array([[0, 1j], [1j, 0]]), 1, [0])),
    (lambda: qml.ControlledQubitUnitary(onp.kron(X, _rz(0.4)), wires=[2, 3, 0, 1],
                                        control_values=[0, 1]), [2, 3, 0, 1],
     _controlled(onp.kron(X, _rz(0.4)), 2, [0, 1])),
])
def test_the_graph_decomposes_controlled_unitaries_to_rotations_and_cnots(graph, op, wire_order,
                                                                          expected):
    # PennyLane's rules of ControlledQubitUnitary (Barenco's Z-Y-Z lemmas, Vale's bisection,
    # the controlled two-qubit decomposition): the graph reaches the gate set (it warned
    # "unable to find a decomposition for {'C(RZ)'}" and fell back)
    gate_set = {"RX", "RY", "RZ", "CNOT", "GlobalPhase"}
    tape = qml.tape.QuantumScript([op()])
    with warnings.catch_warnings():
        warnings.simplefilter("error", qml.exceptions.DecompositionWarning)
        [out], _ = qml.decompose(tape, gate_set=gate_set)
    assert {g.name for g in out.operations} <= gate_set
    assert onp.allclose(qml.matrix(out, wire_order=wire_order), expected)


def test_to_controlled_qubit_unitary_counts_a_controlledqubitunitary():
    op = qml.ctrl(qml.Rot(0.1, 0.2, 0.3, wires=0), control=[1, 2, 3], work_wires=[4, 5])
    rule = qml.decomposition.symbolic_decomposition.to_controlled_qubit_unitary
    # PennyLane 0.45.1's resources of the rule
    assert dict(rule.compute_resources(**op.resource_params).gate_counts) == {
        qml.decomposition.resource_rep(
            qml.ControlledQubitUnitary, num_target_wires=1, num_control_wires=3,
            num_zero_control_values=0, num_work_wires=2, work_wire_type="borrowed"): 1}
    assert [r.name for r in qml.list_decomps(qml.ControlledQubitUnitary)] == [
        "flip_zero_ctrl_values(ctrl_decomp_bisect_rule)",
        "flip_zero_ctrl_values(single_ctrl_decomp_zyz_rule)",
        "flip_zero_ctrl_values(multi_control_decomp_zyz_rule)",
        "controlled_two_qubit_unitary_rule"]  # PennyLane's first four (not _to_general_c_qu)


# --- split_non_commuting measures a named observable whole -----------------------------------
def _ry_state_tape(measurements):
    return qml.tape.QuantumScript([qml.RY(0.5, wires=0)], measurements)


def test_a_hadamard_or_projector_observable_is_not_split_into_pauli_words():
    # PennyLane 0.45.1: only Sum, Prod and SProd observables are split into terms;
    # split_non_commuting(expval(H(0))) is the tape as it is, expval(H(0)) and expval(Z(0))
    # two tapes [expval(H(0))], [expval(Z(0))] (checked in /work/plvenv)
    for transform in (partial(qml.transforms.split_non_commuting, grouping_strategy="qwc"),
                      qml.transforms.split_to_single_terms):
        for obs in (qml.H(0), qml.Projector([1], wires=0)):
            tapes, fn = transform(_ry_state_tape([qml.expval(obs)]))
            assert [m.obs for t in tapes for m in t.measurements] == [obs]
    tapes, fn = qml.transforms.split_non_commuting(
        _ry_state_tape([qml.expval(qml.H(0)), qml.expval(qml.Z(0))]), grouping_strategy="qwc")
    assert [[m.obs for m in t.measurements] for t in tapes] == [[qml.H(0)], [qml.Z(0)]]
    h, z = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    # <H> = (<X> + <Z>) / sqrt(2) for RY(0.5)|0>: (sin 0.5 + cos 0.5) / sqrt(2)
    assert isinstance(h, (float, onp.floating, onp.ndarray))
    assert onp.isclose(h, (onp.sin(0.5) + onp.cos(0.5)) / onp.sqrt(2))
    assert onp.isclose(z, onp.cos(0.5))


def test_a_device_declaring_hadamard_not_paulix_measures_hadamard(tmp_path):
    # PennyLane's preprocessing of a device with a TOML file: observables Hadamard and PauliZ
    # declared (not PauliX): expval(H(0)) passes validation (qsym split it into X and Z and
    # refused "Observable ... 1 * X(0) not supported")
    toml = tmp_path / "dev.toml"
    toml.write_text("schema = 3\n\n[operators.gates]\n\n[operators.observables]\n\n"
                    "[pennylane.operators.observables]\n\n[measurement_processes]\n\n"
                    "[pennylane.measurement_processes]\n\n[compilation]\n")
    from qsym.devices.capabilities import OperatorProperties

    class HadamardDevice(qml.devices.Device):
        config_filepath = str(toml)

        def __init__(self):
            super().__init__()
            self.capabilities.observables.update(
                {"Hadamard": OperatorProperties(), "PauliZ": OperatorProperties()})
            self.capabilities.measurement_processes.update({"ExpectationMP": []})

        def execute(self, circuits, execution_config=None):
            return (0,)

    program = HadamardDevice().preprocess_transforms()
    [out], _ = program((qml.tape.QuantumScript([], [qml.expval(qml.H(0))]),))
    assert [m.obs for m in out.measurements] == [qml.H(0)]
    with pytest.raises(qml.exceptions.DeviceError, match="not supported"):
        program((qml.tape.QuantumScript([], [qml.expval(qml.X(0))]),))


# --- a mid-circuit measurement's resource form -----------------------------------------------
def test_a_mid_circuit_measurement_resource_is_shown_as_pennylanes_class():
    # PennyLane 0.45.1: resource_rep(qp.ops.MidMeasure) is named "MidMeasureMP" (gate sets
    # name it so) and shown as its class, MidMeasure; a rule's counts print
    # "{MidMeasure: 1, Hadamard: 1}" (decomposition/test_decomposition_rule.py's texts)
    rep = qml.decomposition.resource_rep(qml.ops.MidMeasure)
    assert rep.name == "MidMeasureMP" and repr(rep) == "MidMeasure"
    assert "MidMeasureMP" in qml.gate_sets.ROTATIONS_PLUS_CNOT

    @qml.register_resources({qml.ops.MidMeasure: 1, qml.H: 1})
    def rule(wires, **_):
        qml.H(wires[0])
        qml.measure(wires[0])

    assert repr(rule.compute_resources().gate_counts) == "{MidMeasure: 1, Hadamard: 1}"


def _u2(a, b, c, phase):
    """A one-qubit unitary written out: exp(i phase) RZ(a) RY(b) RZ(c)."""
    ry = onp.array([[onp.cos(b / 2), -onp.sin(b / 2)], [onp.sin(b / 2), onp.cos(b / 2)]])
    return onp.exp(1j * phase) * _rz(a) @ ry @ _rz(c)


@pytest.mark.parametrize("name, U, n_controls, values", [
    ("flip_zero_ctrl_values(ctrl_decomp_bisect_rule)", _u2(0.3, 1.1, -0.4, 0.2), 3, [1, 0, 1]),
    ("flip_zero_ctrl_values(ctrl_decomp_bisect_rule)", X.astype(complex), 2, [1, 1]),  # a real off-diagonal
    ("flip_zero_ctrl_values(ctrl_decomp_bisect_rule)",  # RX(0.9): a real main diagonal
     onp.array([[onp.cos(0.45), -1j * onp.sin(0.45)], [-1j * onp.sin(0.45), onp.cos(0.45)]]), 2,
     [0, 1]),
    ("flip_zero_ctrl_values(multi_control_decomp_zyz_rule)", _u2(-0.7, 0.4, 1.3, 0.5), 3,
     [0, 1, 1]),
    ("flip_zero_ctrl_values(single_ctrl_decomp_zyz_rule)", _u2(0.2, 2.1, 0.6, -0.3), 1, [0]),
    ("controlled_two_qubit_unitary_rule", onp.kron(_u2(0.1, 0.2, 0.3, 0.4), _u2(0.5, 0.6, 0.7, 0))
     @ onp.eye(4)[[0, 1, 3, 2]], 2, [1, 0]),
])
def test_each_controlledqubitunitary_rule_gives_the_controlled_matrix(name, U, n_controls, values):
    t = U.shape[0].bit_length() - 1
    wires = list(range(1, n_controls + 1)) + [0] if t == 1 else [2, 3][:n_controls] + [0, 1]
    op = qml.ControlledQubitUnitary(U, wires=wires, control_values=values)
    [rule] = [r for r in qml.list_decomps(qml.ControlledQubitUnitary) if r.name == name]
    assert rule.is_applicable(**op.resource_params)
    with qml.queuing.AnnotatedQueue() as q:
        rule(*op.parameters, wires=op.wires, **op.hyperparameters)
    got = qml.matrix(qml.tape.QuantumScript(q.queue), wire_order=wires)
    assert onp.allclose(got, _controlled(U, n_controls, values))


# --- the adjoint TemporaryAND rule counts its mid-circuit measurement ------------------------
def test_the_measurement_uncompute_of_temporary_and_needs_a_measurement_in_the_gate_set(graph):
    # PennyLane 0.45.1: list_decomps("Adjoint(TemporaryAND)") is _adjoint_temporary_and
    # {Hadamard: 1, MidMeasure: 1, CZ: 1, PauliX: 2} and _adjoint_temporary_and_to_toffoli
    # {Toffoli: 1, PauliX: 2}; without the measurement counted, the graph chose the first for a
    # gate set that has no mid-circuit measurement and its output measured
    op = qml.adjoint(qml.TemporaryAND(wires=[0, 1, 2]))
    rules = qml.list_decomps("Adjoint(TemporaryAND)")
    assert [r.name for r in rules] == ["_adjoint_temporary_and",
                                       "_adjoint_temporary_and_to_toffoli"]
    assert repr(rules[0].compute_resources(**op.resource_params).gate_counts) == (
        "{Hadamard: 1, MidMeasure: 1, CZ: 1, PauliX: 2}")
    assert [r.name for r in qml.list_decomps(qml.TemporaryAND)] == [
        "_temporary_and", "_temporary_and_to_toffoli"]
    tape = qml.tape.QuantumScript([op])
    weights = {"Hadamard": 1, "CZ": 1, "PauliX": 1, "Toffoli": 10}
    [out], _ = qml.decompose(tape, gate_set=weights)
    assert [g.name for g in out.operations] == ["Toffoli"]
    [out], _ = qml.decompose(tape, gate_set={**weights, "MidMeasureMP": 1})
    assert [g.name for g in out.operations][:2] == ["Hadamard", "MidMeasureMP"]


# --- ExecutionConfig's gradient_method -------------------------------------------------------
@pytest.mark.parametrize("method", [123, True, lambda tape: tape])
def test_execution_config_refuses_a_gradient_method_that_is_not_a_transform(method):
    # PennyLane 0.45.1: "Differentiation method <...> must be a str, Transform, or None. Got
    # <class 'function'> instead." (a plain function was accepted)
    with pytest.raises(ValueError, match="must be a str, Transform, or None"):
        qml.devices.ExecutionConfig(gradient_method=method)
    for ok in ("parameter-shift", None, qml.gradients.param_shift):
        assert qml.devices.ExecutionConfig(gradient_method=ok).gradient_method is ok
