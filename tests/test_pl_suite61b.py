"""Issue #18 (stop 61, pl61b): PennyLane 0.45.1 semantics its own test files reach
(templates, state preparation, ``QubitUnitary``'s parameters, ``qml.qchem``'s molecules).

Expected numbers are PennyLane 0.45.1's (computed in /work/plvenv and pasted, said so
where used), derived by hand, or central finite differences.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp

_STO_A = [3.42525091, 0.62391373, 0.1688554]
_STO_C = [0.15432897, 0.53532814, 0.44463454]


# --- qml.qchem: atoms at one place, argument rows per integral argument -------------------
def test_molecule_with_two_atoms_at_one_place_has_integrals_and_refuses_hartree_fock():
    """PennyLane builds a molecule whose atoms coincide: its basis functions' integrals are
    numbers (two normalized s functions at one place overlap by 1, by hand). Its Hartree-Fock energy is NaN there (1/0 nuclear repulsion, a singular
    overlap): qsym refuses it, saying what to do."""
    mol = qml.qchem.Molecule(["H", "H"], pnp.array([[0.0, 0, 0], [0, 0, 0]], requires_grad=False))
    a, b = mol.basis_set
    assert onp.isclose(qml.qchem.overlap_integral(a, b)(), 1.0)
    for run in (qml.qchem.hf_energy(mol), qml.qchem.scf(mol), qml.qchem.electron_integrals(mol)):
        with pytest.raises(qml.errors.ArgumentError, match="same position .* move them apart"):
            run()


def test_integral_args_hold_a_row_per_integral_argument_more_than_the_basis_functions():
    """A repulsion integral's ``args`` hold a row per argument (four), so PennyLane's own
    tests give a two-function molecule four rows of exponents and coefficients (the rows
    past its basis functions unused by the molecule). Value and exponent gradient are
    PennyLane 0.45.1's (run in /work/plvenv); fewer rows than basis functions stay refused."""
    alpha = pnp.array([_STO_A] * 4, requires_grad=True)
    coeff = pnp.array([_STO_C] * 4, requires_grad=True)
    geometry = pnp.array([[0.0, 0, 0], [0, 0, 1.0]], requires_grad=False)
    mol = qml.qchem.Molecule(["H", "H"], geometry, alpha=alpha, coeff=coeff)
    a, b = mol.basis_set
    f = qml.qchem.repulsion_integral(a, b, a, b)
    assert onp.isclose(f(alpha, coeff), 0.45590152)
    row = [-0.00110959, -0.0066617, 0.06292986]
    assert onp.allclose(qml.grad(f, argnums=0)(alpha, coeff), [row] * 4, atol=1e-7)
    with pytest.raises(qml.errors.ArgumentError, match="2 basis functions need 2 rows"):
        qml.qchem.Molecule(["H", "H"], geometry, alpha=pnp.array([_STO_A]))


# --- a gate's matrix at a complex autograd angle --------------------------------------------
def test_matrix_of_a_gate_at_a_complex_autograd_angle_is_differentiated():
    """``qml.jacobian`` of a real part of ``qml.matrix(RX(phi))`` / ``IsingXY`` at a complex
    ``phi`` (PennyLane's test_rx_grad_autograd gives ``0.325 + 0j``): autograd's
    ``d/dRe - i d/dIm``. Expected values are PennyLane 0.45.1's (run in /work/plvenv)."""
    phi = pnp.array(0.3 + 0j, requires_grad=True)
    g = qml.jacobian(lambda x: qml.math.real(qml.matrix(qml.RX(x, wires=0))))(phi)
    assert onp.allclose(g, [[-0.07471907, -0.49438554j], [-0.49438554j, -0.07471907]])
    ket = onp.array([0.6, 0, 0.8j, 0])
    f = lambda x: qml.math.real(qml.matrix(qml.IsingXY(x, wires=[0, 1])) @ ket)
    assert onp.allclose(qml.jacobian(f)(phi), [0, -0.39550843, -0.05977525j, 0])
