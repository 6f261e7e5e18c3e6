"""Issue #18 (tapes, transforms, decomposition, specs): PennyLane 0.45.1's semantics, checked
by hand-written expectations."""
from collections import Counter

import numpy as onp
import pytest

import qsym as qml


def test_cancel_inverses_follows_pennylane_and_keeps_opposite_rotations():
    # PennyLane cancels self-inverse pairs and op / adjoint(op) only: RX(x) RX(-x) stays
    t = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RX(-0.3, 0), qml.S(1), qml.adjoint(qml.S(1)),
                                qml.X(0), qml.X(0), qml.T(1), qml.PhaseShift(-onp.pi / 4, 1)])
    (new,), _ = qml.transforms.cancel_inverses(t)
    assert [op.name for op in new.operations] == ["RX", "RX", "T", "PhaseShift"]
    # and the unitary is the same (hand-written: RX(0.3) RX(-0.3) = 1, T PhaseShift(-pi/4) = 1)
    assert onp.allclose(qml.matrix(new, wire_order=[0, 1]), onp.eye(4))
