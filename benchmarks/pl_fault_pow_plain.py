"""PennyLane 0.45.1's fault: ``qml.pow(qml.RX(t), 0.5)`` at ``t = 2 pi`` given as a plain float
(or a ``requires_grad=False`` tensor) is not unitary: its matrix is SciPy's
``fractional_matrix_power`` of RX(2 pi) = -I (up to rounding), and the probabilities of
``|0>`` come out 0.30 and 2.32. A circuit given a trainable tensor applies ``RX.pow``
(``RX(z t)`` = RX(pi): probabilities 0 and 1, qsym's answer; ``qml.matrix`` of the power is
not unitary either way).

    /work/plvenv/bin/python benchmarks/pl_fault_pow_plain.py

More generally the plain parameter gets the principal root, a trainable one ``op.pow(z)``
(the angle scaled): ``qml.pow(qml.PhaseShift(-6.76), 0.5)`` after a Hadamard gives <X> 0.972
plain and -0.972 trainable (PhaseShift(-3.38), qsym's). Found by the differential oracle's ``evolve`` family (seed 142, circuit 16; seed 147, circuit 0), which compares
with PennyLane's values of a plain array; it lists this fault (``pl_pow_fault``).
"""

import math

import numpy as onp
import pennylane as qml

dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def circuit(t):
    qml.pow(qml.RX(t, wires=0), 0.5)
    return qml.probs(wires=0)


for t in (2 * math.pi, qml.numpy.array(2 * math.pi, requires_grad=False),
          qml.numpy.array(2 * math.pi, requires_grad=True)):
    M = onp.asarray(qml.matrix(qml.pow(qml.RX(t, wires=0), 0.5)))
    print(f"{t!r:45} probs {onp.round(circuit(t), 5)}  unitary: "
          f"{onp.allclose(M @ M.conj().T, onp.eye(2))}")
