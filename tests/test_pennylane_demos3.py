"""What PennyLane's demos (third round, issue #18) needed, written from PennyLane 0.45's
documented semantics and checked by hand-computed values."""
import numpy as np

import qsym as qml
from qsym.wires import Wires


def test_wire_set_operations_as_pennylanes():
    """PennyLane's Wires |, &, -, ^ (and union, ...) build the result from a Python set:
    for integer labels its order is sorted; a number or a list is taken as wires."""
    a, b = Wires([3, 1, 2]), Wires([2, 5, 0])
    assert a | b == Wires([0, 1, 2, 3, 5]) and isinstance(a | b, Wires)
    assert a & b == Wires([2]) and a - b == Wires([1, 3]) and b - a == Wires([0, 5])
    assert a ^ b == Wires([0, 1, 3, 5])
    assert 9 | a == Wires([1, 2, 3, 9]) and [1, 9] - a == Wires([9]) and [1, 3] & a == Wires([1, 3])
    assert a.union(b) == a | b and a.intersection([1]) == Wires([1]) and a.difference(1) == Wires([2, 3])


def test_swap_test_on_registers():
    """The registers demo's swap test: |psi> = |000>, |phi> = RX(pi/2)|0> (x) |00>, so
    <Z_aux> = |<psi|phi>|^2 = cos^2(pi/4) = 1/2."""
    reg = qml.registers({"auxiliary": 1, "psi": 3, "phi": 3})

    @qml.qnode(qml.device("default.qubit"))
    def swap_test():
        qml.RX(np.pi / 2, reg["phi"][0])
        qml.Hadamard(reg["auxiliary"])
        for i in range(3):
            qml.CSWAP(reg["auxiliary"] | reg["psi"][i] | reg["phi"][i])
        qml.Hadamard(reg["auxiliary"])
        return qml.expval(qml.Z(wires=reg["auxiliary"]))

    assert np.isclose(swap_test(), 0.5)
