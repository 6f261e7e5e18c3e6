"""PennyLane 0.45.1's operator-level semantics met by PennyLane's own test files (issue #18,
stop 56). Expected values are PennyLane's, computed in /work/plvenv and pasted (each says
so), or derived by hand; none is qsym's own output."""

import numpy as np
import pytest

import qsym as qml
from qsym.ops.functions import bind_new_parameters

# two qutrit observables' matrices (Hermitian 3x3, written by hand)
A = np.diag([1.0, -1.0, 0.0])
B = np.diag([1.0, 1.0, -2.0]) / np.sqrt(3)


def _qutrit_sum(c, m1, m2):
    return qml.sum(qml.s_prod(c, qml.sum(qml.THermitian(m1, 0), qml.GellMann(0, 2))),
                   qml.prod(qml.GellMann(1, 3), qml.THermitian(m2, 2)))


# ---- qutrit records as operands of operator arithmetic --------------------------------------

def test_qutrit_records_are_operands_of_arithmetic_and_rebind():
    s = _qutrit_sum(0.5, A, B)
    # PennyLane 0.45.1: wires [0, 1, 2]; data shapes [(), (3, 3), (3, 3)]; s.data[0] == 0.5
    assert s.wires.tolist() == [0, 1, 2]
    assert [np.shape(d) for d in s.data] == [(), (3, 3), (3, 3)] and s.data[0] == 0.5
    new = bind_new_parameters(s, [-0.5, B, A])
    # PennyLane 0.45.1: equal to the operator written with the new parameters, not to s
    assert qml.equal(new, _qutrit_sum(-0.5, B, A))
    assert not qml.equal(s, new)
    assert qml.equal(s, _qutrit_sum(0.5, A, B))  # s itself unchanged


def test_gellmann_index_is_a_hyperparameter():
    g = qml.GellMann(wires=0, index=2)
    # PennyLane 0.45.1: data (), hyperparameters {'index': 2}, repr GellMann2(wires=[0])
    assert g.data == () and g.hyperparameters == {"index": 2} and repr(g) == "GellMann2(wires=[0])"
    assert qml.GellMann(0).hyperparameters == {"index": 1}  # PennyLane's default index
    # PennyLane 0.45.1: False for another index, False for another wire
    assert not qml.equal(qml.GellMann(0, 2), qml.GellMann(0, 3))
    assert not qml.equal(qml.THermitian(A, 0), qml.THermitian(A, 1))
    assert qml.equal(qml.THermitian(A, 0), qml.THermitian(A.copy(), 0))


def test_qutrit_arithmetic_is_refused_where_a_number_is_needed():
    s = _qutrit_sum(0.5, A, B)
    with pytest.raises(qml.GateError, match="qml.THermitian is a qutrit operator"):
        s.matrix()
    with pytest.raises(qml.GateError, match="qutrit operator"):
        qml.matrix(s)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        return qml.expval(s)

    with pytest.raises(qml.GateError, match="qutrit operator"):
        circuit()
