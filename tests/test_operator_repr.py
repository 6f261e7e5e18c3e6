"""Operators print their parameters as PennyLane 0.45's ``Operator.__repr__``: the repr of
each parameter as given (NumPy scalars as ``np.float64(...)``, tensors with their
``requires_grad``, a broadcast parameter as its array); ``PauliRot`` in its own form."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp


@pytest.mark.parametrize("param, text", [
    (0.5, "0.5"),
    (2, "2"),
    (onp.float64(0.5), "np.float64(0.5)"),
    (onp.float32(0.5), "np.float32(0.5)"),
    (onp.int64(2), "np.int64(2)"),
    (pnp.array(0.5, requires_grad=True), "tensor(0.5, requires_grad=True)"),
    (pnp.array(0.5, requires_grad=False), "tensor(0.5, requires_grad=False)"),
])
def test_parameter_printed_by_its_repr(param, text):
    assert repr(qml.PhaseShift(param, wires=0)) == f"PhaseShift({text}, wires=[0])"
    assert str(qml.RX(param, wires="a")) == f"RX({text}, wires=['a'])"


def test_several_parameters_and_broadcasting():
    op = qml.Rot(onp.float64(0.1), 0.2, onp.float32(0.3), wires=1)
    assert repr(op) == "Rot(np.float64(0.1), 0.2, np.float32(0.3), wires=[1])"
    assert repr(qml.RX(onp.array([0.1, 0.2]), wires=0)) == "RX(array([0.1, 0.2]), wires=[0])"
    assert repr(qml.CNOT(wires=[0, 1])) == "CNOT(wires=[0, 1])"


def test_pauli_rot_in_pennylane_form():
    assert repr(qml.PauliRot(0.5, "XY", wires=[0, 1])) == "PauliRot(0.5, XY, wires=[0, 1])"
    # (PennyLane's PauliRot shows the angle's str, not its repr)
    assert repr(qml.PauliRot(onp.float64(0.5), "Z", wires=[2])) == "PauliRot(0.5, Z, wires=[2])"


def test_decomposition_prints_numpy_angles():
    # one_qubit_decomposition's angles are NumPy floats (PennyLane's, printed so); the
    # numbers printed are the angles themselves: RX(0.3) is RZ(pi/2) RY(0.3) RZ(-pi/2)
    # up to a phase, the last angle taken in [0, 4 pi)
    ops = qml.ops.one_qubit_decomposition(qml.matrix(qml.RX(0.3, wires=0)), 0)
    assert [type(op.data[0]) for op in ops] == [onp.float64] * 3
    for op, text in zip(ops, map(repr, (op.data[0] for op in ops))):
        assert repr(op) == f"{op.name}({text}, wires=[0])"
    assert onp.isclose(ops[1].data[0], 0.3)
