"""A table gate made the common way (parameters by position, wires by keyword, nothing
else) skips the argument sorting of ``Operation.__init__`` (issue #17: a circuit's trace and
its two replays make every gate three times). The object is the one the general path makes:
checked here against the same gate made through that path (wires by position), for every
gate of the table without hyperparameters, and the refusals are the same."""

import numpy as onp
import pytest

import qsym as qml
from qsym import _operations as operations
from qsym._gates import GATES
from qsym.errors import GateError, WireError

PLAIN = [name for name, row in GATES.items() if not row.hyper]


def _state(op):
    return (type(op), op.name, op.params, tuple(op.wires), type(op.wires), op.hyper, op.id,
            op._tensors, list(vars(op)),
            {k: v for k, v in vars(op).items() if k not in ("params", "_tensors")})


def _wires(row):
    return list(range(row.num_wires if row.num_wires else 3))


@pytest.mark.parametrize("name", PLAIN)
def test_fast_path_makes_the_general_paths_object(name):
    row = GATES[name]
    cls = operations.GATE_CLASSES[name]
    params = [0.25 * (k + 1) for k in range(row.num_params)]
    wires = _wires(row)
    fast = cls(*params, wires=wires)
    general = cls(*params, wires)  # wires by position: the general path
    assert _state(fast) == _state(general)


@pytest.mark.parametrize("given", [2, [2], (2,), onp.int64(2), [onp.int64(2)], qml.wires.Wires([2]),
                                   "a", ["a"], [True]])
def test_wire_forms_agree(given):
    """Wires as one int, a list or tuple of ints (the fast path's plain labels), or any
    other form (NumPy ints, a Wires, a string label, a bool: the general path): the same
    object as wires by position makes."""
    for cls, params in ((qml.RY, (0.5,)), (qml.Hadamard, ())):
        assert _state(cls(*params, wires=given)) == _state(cls(*params, given))
    pair = [given, 5] if not isinstance(given, (list, tuple)) else [*given, 5]
    assert _state(qml.CNOT(wires=pair)) == _state(qml.CNOT(pair))


@pytest.mark.parametrize("value", [onp.float64(0.3), qml.numpy.array(0.3, requires_grad=True),
                                   qml.numpy.array(0.3, requires_grad=False), 1, 0.3])
def test_parameter_kinds_agree(value):
    fast = qml.RX(value, wires=0)
    general = qml.RX(value, 0)
    assert fast.params == general.params and type(fast.params[0]) is type(general.params[0])
    assert [type(t) for t in fast._tensors] == [type(t) for t in general._tensors]
    assert fast._tensors[0] is general._tensors[0] or fast._tensors[0] is value


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), onp.float64("-inf")])
def test_non_finite_parameter_refused_with_the_same_words(bad):
    with pytest.raises(GateError) as fast:
        qml.RY(bad, wires=0)
    with pytest.raises(GateError) as general:
        qml.RY(bad, 0)
    assert str(fast.value) == str(general.value)
    assert "must be finite" in str(fast.value)


def test_refusals_on_the_fast_path():
    with pytest.raises(WireError, match="duplicate wires"):
        qml.CNOT(wires=[1, 1])
    with pytest.raises(WireError, match="acts on 2 wire"):
        qml.CNOT(wires=[0])
    with pytest.raises(GateError, match="complex"):
        qml.RX(1j, wires=0)
    # a bool is the angle 1 or 0, as in PennyLane, on both paths (refused until stop 63)
    assert qml.RX(True, wires=0).data == qml.RX(True, 0).data == (1.0,)


def test_recorded_on_the_tape_once():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    tape = qml.workflow.construct_tape(circuit)(0.4)
    assert [op.name for op in tape.operations] == ["RX", "CNOT"]
    assert circuit(0.4) == pytest.approx(onp.cos(0.4), abs=1e-12)  # <Z1> = cos x, by hand
