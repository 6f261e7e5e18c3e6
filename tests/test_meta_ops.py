"""Barrier, WireCut and Snapshot as PennyLane's operators that apply nothing: their
simplification, matrices, adjoints, control and copies (expected values written by hand)."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml


def test_only_visual_barrier_simplifies_to_identities():
    assert repr(qml.Barrier(wires="a", only_visual=True).simplify()) == "I('a')"
    prod = qml.Barrier(wires=(0, 1, 2), only_visual=True).simplify()
    assert [repr(o) for o in prod.operands] == ["I(0)", "I(1)", "I(2)"]
    barrier = qml.Barrier(wires=(0, 1), only_visual=False)
    assert barrier.simplify() is barrier


@pytest.mark.parametrize("op", [qml.Barrier(wires=0), qml.WireCut(wires=0)])
def test_no_matrix_of_their_own_but_qml_matrix_is_the_identity(op):
    with pytest.raises(qml.errors.MatrixUndefinedError):
        op.matrix()
    assert not op.has_matrix
    assert np.array_equal(qml.matrix(op), np.eye(2))
    assert np.array_equal(qml.matrix(qml.Barrier(), wire_order=[0, 3]), np.eye(4))


def test_empty_wirecut_is_refused_in_pennylanes_words():
    with pytest.raises(ValueError, match="At least one wire has to be provided"):
        qml.WireCut(wires=[])


def test_adjoint_of_a_barrier_decomposes_to_a_barrier():
    [op] = qml.ops.op_math.Adjoint(qml.Barrier(wires=(0, 1))).decomposition()
    assert op.name == "Barrier" and list(op.wires) == [0, 1]


def test_ctrl_of_a_function_keeps_its_barriers_in_place_uncontrolled():
    def body():
        qml.PauliX(wires=0)
        qml.Barrier(wires=[0, 1])
        qml.CNOT(wires=[0, 1])

    with qml.queuing.AnnotatedQueue() as q:
        qml.ctrl(body, 2)()
    assert [(o.name, list(o.wires)) for o in q.queue] == [
        ("CNOT", [2, 0]), ("Barrier", [0, 1]), ("Toffoli", [2, 0, 1])]

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.PauliX(wires=2)
        qml.ctrl(body, 2)()
        return qml.probs()

    # |001> -> X on 0 -> |101> -> Toffoli(2, 0 -> 1) -> |111>
    assert np.allclose(circuit(), np.eye(8)[7])


def test_snapshot_copies():
    snap = qml.Snapshot("t", measurement=qml.expval(qml.Z(0)), shots=2)
    assert repr(snap) == "<Snapshot: tag=t, measurement=expval(Z(0)), shots=Shots(total=2)>"
    renamed = snap.update_tag("u")
    assert (renamed.tag, snap.tag) == ("u", "t")
    assert renamed.hyperparameters["shots"] == qml.measurements.Shots(2)
    assert snap.adjoint().tag == snap._controlled(0).tag == "t"
    assert qml.Snapshot.compute_decomposition() == [] and snap.decomposition() == []
    moved = snap.map_wires({0: "a"})
    assert repr(moved.measurement) == "expval(Z('a'))" and moved.tag == "t"
    assert qml.Snapshot().hyperparameters["shots"] == qml.measurements.Shots(None)
    data, meta = snap._flatten()
    assert repr(qml.Snapshot._unflatten(data, meta)) == repr(snap)
