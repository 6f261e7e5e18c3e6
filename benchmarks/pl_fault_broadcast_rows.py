"""PennyLane 0.45.1's fault: on 14 wires, a circuit broadcast over 2 parameter rows (``Rot``
on wire 13, ``RX`` on wire 0, five ``IsingXY`` on wires 3-12) returns the probabilities of
wire 1 as [0.47, 0] and [3.53, 0] (not even normalised), where each row alone gives [1, 0]
(no gate touches wire 1). Without the ``Rot`` or the ``RX``, or with one ``IsingXY``, the
broadcast result is right. qsym's broadcast values equal PennyLane's row by row. Found by the
oracle's layered family on the default tier (seed 6703, circuit 1, mixed 14x2; the
measured value, a Hermitian on wires [2, 1], -1.94/-1.96 by rows, -4.03/7.04 broadcast).

    /work/plvenv/bin/python benchmarks/pl_fault_broadcast_rows.py
"""

import numpy as onp
import pennylane as qml

ROT = ([-2.4009600478037, -2.975885753233343], [-5.69542129312453, -6.5676446451681425],
       [4.808081886694348, 3.900283035657411])
RX = [2.3874327152529595, 2.499890925921728]
XY = [[-1e-12, -0.6738802110548968], [1.953577957218842, 1.1751157015074363],
      [-6.283185307179586, -6.0892473078963025], [-2.65552459548716, -2.413448160876163],
      [-3.141592653589793, -2.5031874390448734]]


@qml.qnode(qml.device("default.qubit", wires=14), diff_method="backprop")
def circuit(a, b, c, r, *xy):
    qml.Rot(a, b, c, wires=13)
    qml.RX(r, wires=0)
    for v, w in zip(xy, ([3, 4], [5, 6], [7, 8], [9, 10], [11, 12])):
        qml.IsingXY(v, wires=w)
    return qml.probs(wires=[1])


args = [qml.numpy.array(v) for v in (*ROT, RX, *XY)]
print("broadcast:", onp.round(circuit(*args), 4).tolist())
print("row by row:", [onp.round(circuit(*[a[k] for a in args]), 4).tolist() for k in range(2)])
