"""PennyLane 0.45.1's fault: a ``qml.Tracker`` changes the circuits a parameter-shift
gradient runs. Counting executions, ``default.qubit`` (``sampling._group_measurements``,
called by ``get_num_shots_and_executions`` when a tracker is active) replaces each measured
``Sum``'s observable by ``qml.simplify`` of it in place, and the simplified Hamiltonian's
``Identity`` operand moves to the other operands' wires (``1.5 * I(3)`` becomes
``1.5 * I([1, 4, 5])``). The shifted tapes built afterwards from the same tape no longer
measure wire 3, so a gate reaching the measurements only through that wire gets the
``"0"`` method: 3 circuits under a tracker where 5 run without it (the Jacobian is the
same: the gate's derivative is 0). Needs two measurements (one alone is not grouped).
qsym counts what PennyLane runs without a tracker (5). Found by the oracle's ``forms``
family (seed 6704, circuit 3: an overlapping Hamiltonian with an Identity term).

    /work/plvenv/bin/python benchmarks/pl_fault_tracker_identity.py
"""

import pennylane as qml

dev = qml.device("default.qubit", wires=6)
runs = []
execute = dev.execute


def counting(circuits, execution_config=None):
    runs.extend(str(t.measurements[0]) for t in circuits)
    return execute(circuits, execution_config)


dev.execute = counting


@qml.qnode(dev, diff_method="parameter-shift")
def circuit(x):
    qml.Hadamard(3)
    qml.Hadamard(1)
    qml.SingleExcitationMinus(x[0], wires=[3, 1])
    qml.MultiRZ(x[1], wires=[3])
    H = qml.Hamiltonian([-0.32, 0.7, 1.5], [qml.X(1) @ qml.X(4) @ qml.X(5), qml.Z(1), qml.I(3)])
    return qml.expval(H), qml.expval(qml.Z(0))


x = qml.numpy.array([0.3, 0.4], requires_grad=True)
for tracked in (False, True):
    runs.clear()
    if tracked:
        with qml.Tracker(dev) as t:
            qml.jacobian(lambda v: qml.math.hstack(circuit(v)))(x)
    else:
        qml.jacobian(lambda v: qml.math.hstack(circuit(v)))(x)
    print(f"tracker {tracked}: {len(runs)} circuits; the last measures {runs[-1]}")
