"""qml.TTN, qml.MPS and qml.MERA: PennyLane's block-calling rules, a block of None, and
_flatten / _unflatten (gate lists written by hand from the tree of windows)."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml


def _gates(op):
    return [(g.name, list(g.wires), [float(p) for p in g.parameters]) for g in op.decomposition()]


def test_ttn_block_with_one_argument_per_weight():
    def block(a, b, wires):
        qml.RX(a, wires=wires[0])
        qml.RY(b, wires=wires[1])

    op = qml.TTN([0, 1, 2, 3], 2, block, 2, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    # the tree on 4 wires: (0, 1), (2, 3), then (1, 3)
    assert _gates(op) == [("RX", [0], [0.1]), ("RY", [1], [0.2]), ("RX", [2], [0.3]),
                          ("RY", [3], [0.4]), ("RX", [1], [0.5]), ("RY", [3], [0.6])]


def test_ttn_without_block_only_warns_about_the_wires():
    with pytest.warns(UserWarning, match="n_block_wires times 2\\^n"):
        op = qml.TTN([1, 2, 3, 4, 5], 4, block=None, n_params_block=1)
    assert op.decomposition() == []


def test_ttn_block_that_takes_weights_needs_them():
    with pytest.raises(ValueError, match="give template_weights"):
        qml.TTN([0, 1, 2, 3], 2, lambda w, wires: None, 2)


@pytest.mark.parametrize("make", [
    lambda block: qml.TTN(qml.wires.Wires([0, 1, 2, 3]), 2, block, 2, [[0.1, -0.3]] * 3),
    lambda block: qml.MERA(qml.wires.Wires([0, 1, 2, 3]), 2, block, 2, [[0.1, -0.3]] * 5),
    lambda block: qml.MPS(qml.wires.Wires([0, 1, 2, 3]), 2, block, 2, [[0.1, -0.3]] * 3,
                          flip=True),
])
def test_flatten_unflatten_round_trip(make):
    def block(weights, wires, **flip):  # (two positional arguments: TTN's and MERA's rule)
        qml.CNOT(wires=wires[::-1] if flip else wires)
        qml.RY(weights[0], wires=wires[0])
        qml.RY(weights[1], wires=wires[1])

    op = make(block)
    data, meta = op._flatten()
    assert len(data) == 1 and np.allclose(data[0], [[0.1, -0.3]] * len(data[0]))
    assert meta[0] == qml.wires.Wires([0, 1, 2, 3]) and dict(meta[1]) == op.hyperparameters
    assert set(op.hyperparameters) >= {"ind_gates", "block"}
    hash(meta)
    new = type(op)._unflatten(data, meta)
    assert new is not op and _gates(new) == _gates(op)


def test_mps_keyword_arguments_are_hyperparameters():
    def block(weights, wires, flip=False):
        qml.CNOT(wires=wires[::-1] if flip else wires)

    op = qml.MPS([0, 1, 2], 2, block, 1, [[0.0], [0.0]], flip=True)
    assert op.hyperparameters["flip"] is True
    assert op.hyperparameters["ind_gates"] == ((0, 1), (1, 2))
    assert [(g.name, list(g.wires)) for g in op.decomposition()] == [("CNOT", [1, 0]),
                                                                      ("CNOT", [2, 1])]
