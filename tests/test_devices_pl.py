"""PennyLane's device-level functions (issue #18): ``qml.devices.qubit.apply_operation`` keeps
the state's framework, ``qml.math.flatten``, an operator's unset ``_batch_size``, the legacy
``qml.devices.QutritDevice``.

Expected values are hand-written matrices and closed forms (not qsym's own numbers).
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as qnp
from qsym.devices.qubit import (apply_operation, apply_operation_einsum,
                                apply_operation_tensordot)

METHODS = [apply_operation, apply_operation_einsum, apply_operation_tensordot]


def _rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def _kron_on_last(mat):  # a one-wire matrix on wire 1 of two wires
    return onp.kron(onp.eye(2), mat)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("like", ["numpy", "autograd"])
def test_result_keeps_the_state_framework(method, like):
    state = onp.array([1, 0, 0, 0], dtype=complex).reshape(2, 2)
    given = qml.math.asarray(state, like=like)
    out = method(qml.RX(0.4, wires=1), given)
    assert qml.math.get_interface(out) == like
    assert (type(out) is onp.ndarray) == (like == "numpy")
    expected = _kron_on_last(_rx(0.4)) @ state.reshape(-1)
    assert onp.allclose(qml.math.to_numpy(out).reshape(-1), expected)


@pytest.mark.parametrize("op, mat", [
    (qml.X(1), onp.array([[0, 1], [1, 0]])),
    (qml.Z(1), onp.diag([1, -1])),
    (qml.S(1), onp.diag([1, 1j])),
    (qml.PhaseShift(0.3, wires=1), onp.diag([1, onp.exp(0.3j)])),
])
def test_special_kernels_keep_an_autograd_batched_state(op, mat):
    rng = onp.random.default_rng(3)
    state = rng.normal(size=(3, 2, 2)) + 1j * rng.normal(size=(3, 2, 2))
    out = apply_operation(op, qml.math.asarray(state, like="autograd"), is_state_batched=True)
    assert qml.math.get_interface(out) == "autograd"
    full = _kron_on_last(mat)
    expected = [(full @ s.reshape(-1)).reshape(2, 2) for s in state]
    assert onp.allclose(qml.math.to_numpy(out), expected)


def test_cnot_kernel_keeps_an_autograd_state():
    state = qml.math.asarray(onp.array([0, 0, 1, 0], dtype=complex).reshape(2, 2),
                             like="autograd")
    out = apply_operation(qml.CNOT([0, 1]), state)
    assert qml.math.get_interface(out) == "autograd"
    assert onp.allclose(qml.math.to_numpy(out).reshape(-1), [0, 0, 0, 1])  # |10> -> |11>


@pytest.mark.parametrize("method", METHODS)
def test_broadcast_gate_on_an_autograd_state(method):
    angles = onp.array([0.0, onp.pi / 2, onp.pi])
    state = qml.math.asarray(onp.array([1, 0], dtype=complex), like="autograd")
    out = method(qml.RX(angles, wires=0), state)
    assert qml.math.get_interface(out) == "autograd"
    assert out.shape == (3, 2)
    expected = [[onp.cos(t / 2), -1j * onp.sin(t / 2)] for t in angles]
    assert onp.allclose(qml.math.to_numpy(out), expected)


def test_einsum_and_tensordot_go_through_qml_math(monkeypatch):
    calls = []
    for name in ("einsum", "tensordot"):
        original = getattr(qml.math, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(qml.math, name, spy)
    state = onp.zeros((2, 2, 2), dtype=complex)
    state[0, 0, 0] = 1
    apply_operation(qml.Hadamard(0), state)  # few wires: einsum
    apply_operation(qml.Toffoli([0, 1, 2]), state)  # three wires: tensordot
    assert calls == ["einsum", "tensordot"]


def test_flatten():
    assert qml.math.flatten(onp.arange(6).reshape(2, 3)).tolist() == [0, 1, 2, 3, 4, 5]
    assert type(qml.math.flatten(onp.ones((2, 2)))) is onp.ndarray
    x = qnp.array([[0.5, 1.0]], requires_grad=True)
    assert qml.math.get_interface(qml.math.flatten(x)) == "autograd"
    grad = qml.grad(lambda v: qml.math.sum(qml.math.flatten(v) ** 2))(x)
    assert onp.allclose(grad, [[1.0, 2.0]])  # d/dv sum v^2 = 2v


def test_a_new_gate_has_an_unset_batch_size():
    op = qml.RX(qnp.array([0.1, 0.2, 0.3]), wires=0)
    assert op._batch_size is qml.operation._UNSET_BATCH_SIZE  # noqa: SLF001
    out = apply_operation(op, onp.array([1, 0], dtype=complex))
    assert out.shape == (3, 2)
    assert op.batch_size == 3


def test_qutrit_device_is_a_legacy_class_no_device_is():
    assert isinstance(qml.devices.QutritDevice, type)
    assert not isinstance(qml.device("default.qubit", wires=1), qml.devices.QutritDevice)
    with pytest.raises(qml.DeviceError, match="QutritDevice is not supported by qsym"):
        qml.devices.QutritDevice(wires=1)


# ---- preprocessing: PennyLane's defaults ---------------------------------------------------

@pytest.mark.parametrize("mps", [[qml.sample(wires=0)], [qml.state(), qml.counts(wires=0)]])
def test_analytic_validation_refuses_samples_by_default(mps):
    from qsym.devices.preprocess import validate_measurements

    tape = qml.tape.QuantumScript([], mps, shots=None)
    with pytest.raises(qml.DeviceError, match="not accepted for analytic simulation on dev"):
        validate_measurements(tape, name="dev")
    sampled = qml.tape.QuantumScript([], mps[-1:], shots=10)
    assert validate_measurements(sampled)[0][0] is sampled


def test_a_leading_amplitude_embedding_is_a_state_preparation():
    from qsym.devices.preprocess import decompose

    ops = [qml.AmplitudeEmbedding([0.0, 1.0], wires=1), qml.Hadamard(0),
           qml.AmplitudeEmbedding([0.0, 1.0, 0.0, 0.0], wires=[0, 1])]
    tape = qml.tape.QuantumScript(ops, [qml.probs()])
    (out,), _ = decompose(tape, lambda op: op.has_matrix and "Embedding" not in op.name,
                          skip_initial_state_prep=True)
    assert out.operations[0] is ops[0]
    # |01>: wire 0 stays |0> (no RY(0)), wire 1 by RY(pi/2) CNOT RY(pi/2) CNOT from |0>
    assert [op.name for op in out.operations[1:]] == ["Hadamard", "RY", "CNOT", "RY", "CNOT"]
    state = onp.zeros(4)
    state[0] = 1
    full = {"RY": lambda t: onp.kron(onp.eye(2), [[onp.cos(t / 2), -onp.sin(t / 2)],
                                                  [onp.sin(t / 2), onp.cos(t / 2)]]),
            "CNOT": lambda: onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])}
    for op in out.operations[2:]:
        state = full[op.name](*op.parameters) @ state
    assert onp.allclose(state, [0, 1, 0, 0])


def test_zero_rotations_of_a_state_preparation_are_left_out():
    # |00> needs no rotation: PennyLane's Mottonen gates keep only the Gray-code CNOTs
    names = [op.name for op in qml.StatePrep(onp.array([1.0, 0, 0, 0]), wires=[0, 1])
             .decomposition()]
    assert "RY" not in names


def test_qutrit_stand_in_takes_its_parameter_by_name():
    from qsym.devices.preprocess import validate_observables

    obs = qml.GellMann(wires=0, index=2)
    # PennyLane 0.45.1 (/work/plvenv): data (), hyperparameters {'index': 2}, GellMann2(wires=[0])
    assert obs.data == () and obs.hyperparameters == {"index": 2}
    assert obs.wires == qml.wires.Wires([0]) and repr(obs) == "GellMann2(wires=[0])"
    tape = qml.tape.QuantumScript([], [qml.expval(obs)])
    with pytest.raises(qml.DeviceError, match="not supported on abc"):
        validate_observables(tape, lambda o: o.name == "PauliX", name="abc")


# ---- qml.io -------------------------------------------------------------------------------

class _Entry:
    def __init__(self):
        self.calls = []

    def load(self):
        return lambda *args, **kwargs: self.calls.append((args, kwargs)) or "converted"


def test_io_functions_call_their_converter(monkeypatch):
    entries = {n: _Entry() for n in ("qiskit", "qiskit_op", "qasm", "quil_file")}
    monkeypatch.setattr(qml.io, "plugin_converters", entries)
    assert qml.from_qiskit("qc", measurements=[]) == "converted"
    qml.io.from_qiskit_op("op", params=[1], wires=[2])
    qml.from_qasm("prog")
    qml.from_quil_file("f.quil")
    assert entries["qiskit"].calls == [(("qc",), {"measurements": []})]
    assert entries["qiskit_op"].calls == [(("op",), {"params": [1], "wires": [2]})]
    assert entries["qasm"].calls == [(("prog",), {"measurements": None})]
    assert entries["quil_file"].calls == [(("f.quil",), {})]


def test_io_without_a_converter_says_which(monkeypatch):
    monkeypatch.setattr(qml.io, "plugin_converters", {})
    with pytest.raises(RuntimeError, match="Conversion from Qiskit requires"):
        qml.from_qiskit_noise("model")
    with pytest.raises(RuntimeError, match="no converter 'quil' is installed for qsym"):
        qml.from_quil("H 0")
    assert qml.io.ENTRY_POINT_GROUP == "qsym.io"


def test_device_wires_fill_in_a_snapshot_measurement_and_equal_compares_snapshots():
    from qsym.devices.preprocess import validate_device_wires

    given = qml.Snapshot("p", measurement=qml.probs())
    tape = qml.tape.QuantumScript([qml.Snapshot(), given, qml.X(0)])
    (out,), _ = validate_device_wires(tape, wires=qml.wires.Wires([0, 1]))
    assert out.operations[0].measurement.wires == qml.wires.Wires([0, 1])
    assert out.operations[2] is tape.operations[2]
    assert not given.measurement.wires  # the tape's own snapshot is left as it was
    assert qml.equal(out.operations[1], qml.Snapshot("p", measurement=qml.probs(wires=[0, 1])))
    assert not qml.equal(out.operations[1], qml.Snapshot("p", measurement=qml.probs(wires=[0])))
    assert not qml.equal(qml.Snapshot("a"), qml.Snapshot("b"))


# ---- autograd through gate matrices --------------------------------------------------------

@pytest.mark.parametrize("gate, entry, closed_form", [
    # d/dt of an entry of the gate's matrix applied to |0> (or |1> for PhaseShift), by hand
    (qml.RX, lambda s: qml.math.real(s[0]), lambda t: -0.5 * onp.sin(t / 2)),
    (qml.RY, lambda s: qml.math.real(s[1]), lambda t: 0.5 * onp.cos(t / 2)),
    (qml.RZ, lambda s: qml.math.imag(s[0]), lambda t: -0.5 * onp.cos(t / 2)),
])
@pytest.mark.parametrize("method", METHODS)
def test_autograd_differentiates_apply_operation(gate, entry, closed_form, method):
    state = onp.array([1.0, 0.0], dtype=complex)
    grad = qml.grad(lambda t: entry(method(gate(t, wires=0), state)))(qnp.array(0.7))
    assert onp.isclose(grad, closed_form(0.7))


def test_autograd_differentiates_a_phase_shift_and_a_controlled_rotation():
    one = onp.array([0.0, 1.0], dtype=complex)
    f = lambda t: qml.math.imag(apply_operation(qml.PhaseShift(t, wires=0), one)[1])
    assert onp.isclose(qml.grad(f)(qnp.array(0.4)), onp.cos(0.4))  # Im e^{it}
    ten = onp.array([[0, 0], [1, 0]], dtype=complex)  # |10>: CRX acts
    g = lambda t: qml.math.imag(apply_operation(qml.CRX(t, wires=[0, 1]), ten)[1, 1])
    assert onp.isclose(qml.grad(g)(qnp.array(0.4)), -0.5 * onp.cos(0.2))  # Im -i sin(t/2)


def test_a_gate_of_several_parameters_is_differentiated_under_autograd():
    """(Refused until stop 62.) Rot(t, b, c)[0, 0] = exp(-i (t + c) / 2) cos(b / 2): the real
    part's derivative by t is -sin((t + c) / 2) cos(b / 2) / 2, by hand. A gate whose
    decomposition leaves its wires (CRot) stays refused."""
    g = qml.grad(lambda t: qml.math.real(qml.Rot(t, 0.1, 0.2, wires=0).matrix()[0, 0]))(
        qnp.array(0.3))
    assert onp.isclose(g, -onp.sin(0.25) * onp.cos(0.05) / 2)
    with pytest.raises(qml.DifferentiationError, match="gates of one parameter"):
        qml.grad(lambda t: qml.math.real(qml.CRot(t, 0.1, 0.2, wires=[0, 1]).matrix()[3, 3]))(
            qnp.array(0.3))


# ---- default.mixed: snapshots in observables, readout-error warnings ----------------------

def test_a_snapshot_is_an_operand_without_a_matrix():
    from qsym.devices.default_mixed import observable_stopping_condition, stopping_condition

    h = qml.Hamiltonian([1.0, 0.5], [qml.Snapshot(), qml.DepolarizingChannel(0.4, wires=0)])
    assert observable_stopping_condition(h) is False
    assert observable_stopping_condition(qml.Snapshot()) is False
    assert stopping_condition(qml.Snapshot()) is True
    assert observable_stopping_condition(qml.Hamiltonian([1.0], [qml.X(0)])) is True
    with pytest.raises(qml.MatrixUndefinedError, match="has no matrix"):
        qml.matrix(qml.Hamiltonian([1.0, 2.0], [qml.Snapshot(), qml.X(0)]))


def test_default_mixed_warns_that_readout_errors_leave_the_state():
    import warnings

    tapes = [qml.tape.QuantumScript([], [qml.state(), qml.expval(qml.Z(1))]),
             qml.tape.QuantumScript([qml.Hadamard(0)], [qml.density_matrix(0)]),
             qml.tape.QuantumScript([], [qml.vn_entropy(0), qml.probs(0)])]
    for readout, expected in ((0.1, 2), (None, 0)):
        program, _ = qml.devices.DefaultMixed(wires=2, readout_prob=readout).preprocess()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            program(tapes)
        messages = [str(w.message) for w in caught if "readout error" in str(w.message)]
        assert len(messages) == expected
        assert all(m.endswith("is not affected by readout error.") for m in messages)
