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
