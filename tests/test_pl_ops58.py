"""PennyLane 0.45.1's operator-level semantics met in its own test files (issue #18, stop 58).

Expected values are PennyLane 0.45.1's, computed in /work/plvenv (noted where so), or
matrices and values derived by hand.
"""

import numpy as onp
import pytest

import qsym as qml


# --- Exp: a scalar of the base moves into the coefficient before the generator search ----
@pytest.mark.parametrize("make, expected", [
    # PennyLane 0.45.1 (/work/plvenv): Exp(1j * Z(0) @ Z(1)).decomposition() is
    # [IsingZZ(-2.0, wires=[0, 1])]; exp(1j * 0.5 Z(0) @ Z(1)) is IsingZZ(-1.0)
    (lambda: qml.exp(1j * qml.Z(0) @ qml.Z(1)), qml.IsingZZ(-2.0, wires=[0, 1])),
    (lambda: qml.exp(qml.s_prod(0.5j, qml.Z(0) @ qml.Z(1))), qml.IsingZZ(-1.0, wires=[0, 1])),
    (lambda: qml.exp(qml.s_prod(2j, qml.X(0) @ qml.X(1)), 0.25), qml.IsingXX(-1.0, wires=[0, 1])),
])
def test_exp_imaginary_scalar_in_the_base(make, expected):
    op = make()
    [d] = op.decomposition()
    qml.assert_equal(d, expected)
    # by hand: IsingZZ(phi) = exp(-i phi/2 ZZ), so phi = -2 is exp(i ZZ), the Exp's matrix
    assert onp.allclose(d.matrix(), op.matrix())
