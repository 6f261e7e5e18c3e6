"""PennyLane 0.45.1's fault: a fractional power inside ``qml.ctrl`` is simulated with the
principal root of the base's matrix, a fractional power alone with ``base.pow(z)`` (the
angle scaled), so the same operator gives two answers: after Hadamards on both wires, the
|11> amplitude of ``ctrl(pow(U1(x), 1.5))`` is ``-e^{1.5 i x}`` at ``x = -4.68`` (SciPy's
principal root of ``e^{ix}``: ``e^{1.5 i (x + 2 pi)}``), while ``ControlledPhaseShift(1.5 x)``
and PennyLane's own ``pow(U1(x), 1.5)`` alone (``U1(1.5 x)``) give ``+e^{1.5 i x}``. qsym
applies ``base.pow(z)`` everywhere (pl_fault_pow_plain.py: PennyLane's choice for a
trainable angle). Likewise ``adjoint(pow(adjoint(U1(x)), 0.5))``: ``Adjoint.pow(z)`` is
undefined for z not an integer, so PennyLane applies the principal root of the adjoint's
matrix (and refuses ``pow(adjoint(U1(x)), 0.5)`` of a trainable ``x`` with a
``DeviceError``), where qsym scales the adjoint gate's angle. Found by the oracle's ``forms``
family (nested modifiers: seed 6712 circuit 1, ``pow(ctrl(pow(U1, 3)), 0.5)``; seed 6706
circuit 11, the adjoint).

    /work/plvenv/bin/python benchmarks/pl_fault_pow_ctrl.py
"""

import numpy as onp
import pennylane as qml

dev = qml.device("default.qubit", wires=2)


def amplitude_11(make, x):
    @qml.qnode(dev)
    def c(v):
        qml.Hadamard(0)
        qml.Hadamard(1)
        make(v)
        return qml.state()
    return complex(c(qml.numpy.array(x))[3] * 2)


for x in (-4.68178086, 2.5):
    ctrl_pow = amplitude_11(lambda v: qml.ctrl(qml.pow(qml.U1(v, wires=1), 1.5), control=0), x)
    scaled = amplitude_11(lambda v: qml.ControlledPhaseShift(1.5 * v, wires=[0, 1]), x)
    print(f"x = {x:+.4f}: ctrl(pow(U1, 1.5)) {ctrl_pow:.4f}, ControlledPhaseShift(1.5 x) {scaled:.4f}, "
          f"e^(1.5ix) {onp.exp(1.5j * x):.4f}")


@qml.qnode(qml.device("default.qubit", wires=1))
def adjoint_power(v):
    qml.Hadamard(0)
    qml.adjoint(qml.pow(qml.adjoint(qml.U1(v, wires=0)), 0.5))
    return qml.state()


x = -6.3709339368646924
amp = complex(adjoint_power(qml.numpy.array(x))[1] * onp.sqrt(2))
print(f"x = {x:+.4f}: adjoint(pow(adjoint(U1(x)), 0.5)), |1> amplitude {amp:.4f}; the scaled angle "
      f"e^(ix/2) {onp.exp(0.5j * x):.4f}, the principal root {onp.exp(0.5j * (x + 2 * onp.pi)):.4f}")
