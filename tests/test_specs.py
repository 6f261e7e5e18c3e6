"""qml.specs and qml.Tracker: counts known before running, and counted while running."""

import numpy as np

import qsym as qml


def test_specs_counts_match_what_runs():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(w):
        qml.RX(w[0], wires=0)
        qml.CRX(w[1], wires=[0, 1])
        qml.RY(w[2], wires=2)  # never reaches wire 1: pruned
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    w = np.array([0.1, 0.2, 0.3])
    info = qml.specs(c)(w)
    assert info["gate_types"] == {"RX": 1, "CRX": 1, "RY": 1, "CNOT": 1}
    assert info["num_gates"] == 4 and info["depth"] == 3 and info["num_wires"] == 3
    assert info["num_trainable_params"] == 3
    assert info["num_trainable_gate_params"] == 2 and info["num_pruned_gate_params"] == 1
    # value + 2 (RX) + 4 (CRX: frequencies 1/2 and 1); RY is outside the light cone
    assert info["executions"]["parameter-shift"] == 7
    with qml.Tracker(dev) as tracker:
        qml.grad(c, argnum=0)(w)
        c(w)
    assert (tracker.totals["executions"], tracker.totals["batches"]) == (7 + 1, 3)
    assert tracker.history["executions"] == [1] * 8
    adj = qml.QNode(c.func, dev, diff_method="adjoint")
    with qml.Tracker(dev) as tracker:
        qml.grad(adj, argnum=0)(w)
    assert tracker.totals["executions"] == 1
