"""What PennyLane's demos (sixth round, issue #18: the demos tutorial_a... to tutorial_l...)
needed, written from PennyLane 0.45's documented semantics and checked by hand-computed
values."""
import numpy as np

import qsym as qml


def test_numpy_functions_take_an_operator_as_one_object():
    """NumPy's reductions see an operator as one object, as in PennyLane (its operators set
    ``__array_priority__``, not ``__array_ufunc__ = None``): the fermionic-operators demo
    adds ``np.sum(core * qml.Identity(0))`` to a Hamiltonian (was a ``TypeError``)."""
    core = np.array([0.743])
    term = np.sum(core * qml.Identity(0))          # a one-element coefficient, kept
    h = qml.X(0) + qml.Z(1) + term
    # X0 + Z1 + 0.743: on |00>, |01>, |10>, |11> the diagonal is Z1 + 0.743
    diag = np.real(np.diag(qml.matrix(h, wire_order=[0, 1])))
    np.testing.assert_allclose(diag, [1.743, -0.257, 1.743, -0.257])
    assert np.sum(qml.X(0)) is not None and repr(np.sum(qml.PauliZ(3))) == "Z(3)"
    # NumPy's operators still defer to the operator: a scaled operator, not an object array
    for scaled in (np.array(0.5) * qml.X(0), np.float64(0.5) * qml.X(0), np.multiply(0.5, qml.X(0))):
        np.testing.assert_allclose(qml.matrix(scaled), [[0, 0.5], [0.5, 0]])
    # a sum of a list of operators is their Sum
    np.testing.assert_allclose(qml.matrix(np.sum([qml.X(0), qml.Z(0)])), [[1, 1], [1, -1]])


def test_a_zero_or_identity_simplifies_on_the_operator_wires():
    """``simplify`` of a result without Pauli terms is PennyLane's ``0 * I(wires)`` (integer
    zero, the operator's wires, none for a wireless one); the identity word acts on the
    operator's wires (PennyLane's ``PauliSentence.operation(wire_order=op.wires)``), not on
    wire 0 (the Lie-algebra demo prints ``[1j * Z(0), 1j * Z(1)] = 0 * I()``)."""
    Z = qml.Z
    zero = (qml.commutator(1j * Z(0), 1j * Z(1)) / 2).simplify()   # [Z0, Z1] = 0
    assert repr(zero) == "0 * I()" and len(zero.wires) == 0 and zero.scalar == 0
    assert repr((qml.X(0) - qml.X(0)).simplify()) == "0 * I(0)"
    assert repr(qml.s_prod(0.5, qml.Identity(wires=[])).simplify()) == "0.5 * I()"
    h = (qml.X(0) + 2 * qml.I(1)).simplify()
    assert repr(h) == "X(0) + 2.0 * I([0, 1])"
    # the same operator: X0 + 2 on two qubits
    np.testing.assert_allclose(qml.matrix(h, wire_order=[0, 1]),
                               np.kron([[0, 1], [1, 0]], np.eye(2)) + 2 * np.eye(4))
