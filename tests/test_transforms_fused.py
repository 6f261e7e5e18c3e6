"""A transformed QNode whose pipeline only rewrites its tape runs as one QNode traced once
(qsym._transform: ``_fused``), from its third call; everything else stays on the tape
path. References are written by hand: <Z1 X2> after RX(a) RX(b) on wire 0, two
Hadamards on wire 1, CNOT(0, 1) and RY(c) on wire 2 is cos(a + b) sin(c)."""

import numpy
import pytest

import qsym as qml
from qsym import _transform
from qsym import numpy as np


def _ref(x):
    return numpy.cos(x[0] + x[1]) * numpy.sin(x[2])


def _ref_grad(x):
    s = -numpy.sin(x[0] + x[1]) * numpy.sin(x[2])
    return numpy.array([s, s, numpy.cos(x[0] + x[1]) * numpy.cos(x[2])])


def _body(runs):
    def body(x):
        runs.append(1)
        qml.RX(x[0], wires=0)
        qml.RX(x[1], wires=0)
        qml.Hadamard(wires=1)
        qml.Hadamard(wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RY(x[2], wires=2)
        return qml.expval(qml.PauliZ(1) @ qml.PauliX(2))

    return body


def _state(node):
    held, _ = _transform._fused_state(node, node.pipeline)
    return None if held is None else held[2]


def test_rewrites_run_as_one_qnode_traced_once():
    runs = []
    dev = qml.device("default.qubit", wires=3)
    c = qml.transforms.merge_rotations(qml.transforms.cancel_inverses(
        qml.QNode(_body(runs), dev)))
    points = [numpy.array([0.1 * k, 0.3, 0.2 + 0.1 * k]) for k in range(8)]
    values = []
    for k, p in enumerate(points):
        values.append(c(np.array(p, requires_grad=True)))
        if k == 2:
            assert _state(c) == "on"
            n = len(runs)
    assert len(runs) == n  # traced once: later calls run the compiled circuit
    for v, p in zip(values, points):
        assert v == pytest.approx(_ref(p), abs=1e-12)
    # the types are the same before and after (PennyLane's: a tensor for default.qubit)
    assert len({type(v) for v in values}) == 1
    for p in points[:3]:
        g = qml.grad(c)(np.array(p, requires_grad=True))
        assert numpy.allclose(g, _ref_grad(p), atol=1e-12)
    # the fused QNode's circuit is the rewritten one: one merged RX, no Hadamards
    fused = c.__dict__[_transform._FUSED][3]
    names = [op.name for op in fused._last.circuit.ops]
    assert names.count("RX") == 1 and "Hadamard" not in names


def test_a_new_transform_starts_again():
    dev = qml.device("default.qubit", wires=3)
    c = qml.transforms.cancel_inverses(qml.QNode(_body([]), dev))
    x = np.array([0.2, 0.4, 0.9], requires_grad=True)
    for _ in range(3):
        c(x)
    assert _state(c) == "on"
    c2 = qml.transforms.merge_rotations(c)  # a copy with another pipeline
    assert _state(c2) is None
    assert c2(x) == pytest.approx(_ref(x), abs=1e-12)


def test_a_split_stays_on_the_tape_path():
    dev = qml.device("default.qubit", wires=1)

    @qml.transforms.split_non_commuting
    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliY(0))

    for x in (0.3, 0.5, 0.7):
        z, y = c(np.array(x, requires_grad=True))
        assert (z, y) == pytest.approx((numpy.cos(x), -numpy.sin(x)), abs=1e-12)
    assert _state(c) == "off"


def test_a_transform_reading_values_stays_on_the_tape_path():
    """A rewrite decided by the numbers (a user's transform) cannot be traced: its
    structure follows each call's values, as on the tape path."""

    @qml.transform
    def drop_small(tape):
        ops = [op for op in tape.operations if not op.data or abs(float(op.data[0])) > 0.5]
        return [tape.copy(operations=ops)], _transform.null_postprocessing

    dev = qml.device("default.qubit", wires=1)

    @drop_small
    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for x in (0.9, 0.3, 0.8, 0.2, 1.1):
        want = numpy.cos(x) if x > 0.5 else 1.0
        assert c(x) == pytest.approx(want, abs=1e-12)
    assert _state(c) == "off"


def test_a_tracker_sees_the_tape_path():
    dev = qml.device("default.qubit", wires=3)
    c = qml.transforms.cancel_inverses(qml.QNode(_body([]), dev))
    x = np.array([0.2, 0.4, 0.9], requires_grad=True)
    with qml.Tracker(dev) as tracker:
        for _ in range(4):
            c(x)
    assert _state(c) is None
    assert tracker.totals["executions"] == 4
