"""``qml.adjoint`` and ``qml.ctrl`` of a function take each operator the function applied
whole, as PennyLane's do: ``qml.adjoint(qml.ctrl(f, control))`` records
``Adjoint(Controlled(op))`` with ``op``'s parameters (the circuit's arguments, trainable on
the tape), not the numbers of the gates qsym wrote for it. The tape structures are the ones
PennyLane 0.45 records (printed there); matrices are built here by hand; a gradient
transform of each tape is checked against central finite differences of the circuit."""
import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.ops.op_math import Adjoint, Controlled, Pow

Z = np.diag([1.0, -1.0])


def rx(t):
    c, s = np.cos(t / 2), -1j * np.sin(t / 2)
    return np.array([[c, s], [s, c]])


def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def on(u, wire, n):
    """``u`` on ``wire`` of ``n`` wires (wire 0 the most significant)."""
    m = np.eye(1)
    for w in range(n):
        m = np.kron(m, u if w == wire else np.eye(2))
    return m


def controlled(u, control, target, value, n):
    """``u`` on ``target`` where wire ``control`` reads ``value``, else the identity."""
    p = np.diag([0.0, 1.0]) if value else np.diag([1.0, 0.0])  # onto |value>
    return on(p, control, n) @ on(u, target, n) + on(np.eye(2) - p, control, n)


def finite_differences(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def tape_gradient(tape, transform, **kwargs):
    """``transform`` of ``tape`` (a gradient transform), executed."""
    dev = qml.device("default.qubit", wires=3)
    tapes, fn = transform(tape, **kwargs)
    return np.asarray(fn(qml.execute(tapes, dev, diff_method=None)), dtype=float)


def _rz_and_z(x):
    qml.adjoint(qml.RZ)(x, wires=0)
    qml.adjoint(qml.Z)(0)


def test_adjoint_of_ctrl_of_a_function_records_pennylanes_operators():
    """PennyLane 0.45: ``[Adjoint(Controlled(Adjoint(Z(0)), control_wires=[1])),
    Adjoint(Controlled(Adjoint(RZ(x, wires=[0])), control_wires=[1]))]``, ``x`` trainable
    (qsym recorded ``Adjoint(CRZ(-x))`` with ``-x`` a number: no trainable parameter)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(1)
        qml.RY(0.4, wires=0)
        qml.adjoint(qml.ctrl(_rz_and_z, control=1))(x)
        return qml.expval(qml.X(0) @ qml.X(1))

    x = pnp.array(0.7, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(x)
    ops = tape.operations[2:]
    assert len(ops) == 2 and all(isinstance(o, Adjoint) for o in ops)
    assert all(isinstance(o.base, Controlled) and list(o.base.control_wires) == [1] for o in ops)
    assert all(isinstance(o.base.base, Adjoint) for o in ops)
    assert [o.base.base.base.name for o in ops] == ["PauliZ", "RZ"]
    assert tape.trainable_params == [1] and [float(p) for p in tape.get_parameters()] == [0.7]
    # the operator's matrix: (C-(RZ(x)^dag Z^dag))^dag = C-(Z RZ(x)), by hand
    want = controlled(Z @ rz(0.7), 1, 0, 1, 2)
    assert np.allclose(qml.matrix(ops[1], wire_order=[0, 1]) @ qml.matrix(ops[0], wire_order=[0, 1]),
                       want)
    # param_shift of the tape (exact) against finite differences of the circuit
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.7)
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd, atol=1e-6)
    assert np.allclose(qml.grad(circuit)(x), fd, atol=1e-6)


def _two_rotations(x, y):
    qml.RX(x, wires=1)
    qml.CNOT(wires=[1, 2])
    qml.RY(y, wires=2)


def test_ctrl_on_zero_of_several_operators_flips_once_and_keeps_parameters():
    """PennyLane 0.45 records ``qml.adjoint(qml.ctrl(f, 0, control_values=[0]))`` of
    ``RX(x), CNOT, RY(y)`` as ``[Adjoint(X(0)), Adjoint(CRY(y)), Adjoint(Toffoli),
    Adjoint(CRX(x)), Adjoint(X(0))]``: one flip around the operators, both angles
    trainable; the tape's param_shift and finite_diff agree with finite differences."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.Hadamard(0)
        qml.adjoint(qml.ctrl(_two_rotations, control=[0], control_values=[0]))(x, y)
        return qml.expval(qml.Z(1) @ qml.Z(2))

    x, y = pnp.array(0.3, requires_grad=True), pnp.array(0.9, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(x, y)
    assert [o.name for o in tape.operations] == [
        "Hadamard", "Adjoint(PauliX)", "Adjoint(CRY)", "Adjoint(Toffoli)", "Adjoint(CRX)",
        "Adjoint(PauliX)"]
    assert tape.trainable_params == [0, 1]
    assert np.allclose([float(p) for p in tape.get_parameters()], [0.9, 0.3])
    # the unitary, by hand: (X0 C-RY(y) Toffoli C-RX(x) X0)^dagger, reversed order applied
    toffoli = np.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]]
    forward = (on(np.array([[0, 1], [1, 0]]), 0, 3) @ controlled(ry(0.9), 0, 2, 1, 3) @ toffoli
               @ controlled(rx(0.3), 0, 1, 1, 3) @ on(np.array([[0, 1], [1, 0]]), 0, 3))
    m = np.eye(8, dtype=complex)
    for op in tape.operations[1:]:
        m = qml.matrix(op, wire_order=[0, 1, 2]) @ m
    assert np.allclose(m, forward.conj().T)
    fd = [finite_differences(lambda v: float(circuit(pnp.array(v), y)), 0.3),
          finite_differences(lambda v: float(circuit(x, pnp.array(v))), 0.9)]
    # (tape order: y first)
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd[::-1], atol=1e-6)
    assert np.allclose(tape_gradient(tape, qml.gradients.finite_diff, h=1e-7, approx_order=2),
                       fd[::-1], atol=1e-5)


def test_ctrl_on_zero_of_one_operator_shifts_through_its_flips():
    """One operator controlled on 0 stays ``Controlled(RY(y), control_values=[False])``
    (PennyLane's), its gates ``X CRY X``: param_shift of the tape shifts ``y`` by ``CRY``'s
    rule (the flips are constant), checked by finite differences."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(y):
        qml.Hadamard(0)
        qml.adjoint(qml.ctrl(qml.RY, control=0, control_values=0))(y, wires=1)
        return qml.expval(qml.Z(1))

    tape = qml.workflow.construct_tape(circuit)(pnp.array(0.8, requires_grad=True))
    (op,) = tape.operations[1:]
    assert isinstance(op, Adjoint) and isinstance(op.base, Controlled)
    assert list(op.base.control_values) == [False] and tape.trainable_params == [0]
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.8)
    assert np.isclose(fd, -0.5 * np.sin(0.8))  # <Z> = (1 + cos y) / 2 by hand
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd, atol=1e-6)


@pytest.mark.parametrize("depth", [2, 3])
def test_nested_adjoints_of_a_gate_keep_its_parameter(depth):
    """``qml.adjoint(qml.adjoint(qml.RX))(x)`` is PennyLane's
    ``Adjoint(Adjoint(RX(x)))``, ``x`` trainable (three: three Adjoints)."""
    dev = qml.device("default.qubit", wires=1)
    f = qml.RX
    for _ in range(depth):
        f = qml.adjoint(f)

    @qml.qnode(dev)
    def circuit(x):
        f(x, wires=0)
        return qml.expval(qml.Z(0))

    tape = qml.workflow.construct_tape(circuit)(pnp.array(0.3, requires_grad=True))
    (op,) = tape.operations
    assert repr(op) == ("Adjoint(" * depth + "RX(tensor(0.3, requires_grad=True), wires=[0])"
                        + ")" * depth)  # (the tape holds the tensor: PennyLane's repr)
    assert tape.trainable_params == [0]
    sign = -1 if depth % 2 else 1
    assert np.allclose(qml.matrix(op), rx(sign * 0.3))
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.3)
    assert np.isclose(fd, -np.sin(0.3))
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd, atol=1e-6)


def _power_and_s(x):
    qml.pow(qml.RX(x, wires=0), 2)
    qml.S(1)


def test_adjoint_of_a_function_takes_powers_whole():
    """PennyLane 0.45: ``[Adjoint(S(1)), Adjoint(RX(x, wires=[0])**2)]``, ``x`` trainable
    (qsym recorded ``Adjoint(RX(2x))`` with ``2x`` a number); under ``qml.ctrl``:
    ``Adjoint(Controlled(Adjoint(RX(x)**2), control_wires=[2]))``. finite_diff of the tape
    against finite differences of the circuit."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(2)
        qml.adjoint(_power_and_s)(x)
        qml.adjoint(qml.ctrl(qml.adjoint(_power_and_s), 2))(x)
        return qml.expval(qml.Z(0) @ qml.X(2))

    x = pnp.array(0.45, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(x)
    ops = tape.operations
    assert isinstance(ops[2], Adjoint) and isinstance(ops[2].base, Pow)
    assert ops[2].base.base.name == "RX" and ops[2].base.z == 2
    inner = ops[3].base.base
    assert isinstance(ops[3].base, Controlled) and isinstance(inner, Adjoint)
    assert isinstance(inner.base, Pow) and list(ops[3].base.control_wires) == [2]
    assert tape.trainable_params == [0, 1]
    assert np.allclose(qml.matrix(ops[2]), rx(-0.9))
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.45)
    got = tape_gradient(tape, qml.gradients.finite_diff, h=1e-7, approx_order=2)
    assert np.isclose(got.sum(), fd, atol=1e-5)
