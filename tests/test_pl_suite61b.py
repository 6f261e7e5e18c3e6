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


# --- AmplitudeEmbedding: a complex padding constant of traced features ---------------------
_DEV2 = qml.device("default.qubit", wires=2)


@qml.qnode(_DEV2)
def _padded_state(x):
    qml.AmplitudeEmbedding(features=x, wires=range(2), pad_with=0.3 - 0.4j, normalize=False)
    return qml.state()


@qml.qnode(_DEV2)
def _padded_expval(x):
    qml.AmplitudeEmbedding(features=x, wires=range(2), pad_with=0.3 - 0.4j)
    qml.RX(0.4, wires=0)
    qml.CNOT([0, 1])
    qml.RY(0.3, wires=1)
    return qml.expval(qml.PauliY(1) @ qml.PauliX(0))


def test_amplitude_embedding_pads_traced_features_with_a_complex_constant():
    """Real features (circuit inputs) padded with ``0.3 - 0.4j``: the state is the padded
    vector over its norm (PennyLane 0.45.1's states, run in /work/plvenv; was refused:
    "complex amplitudes must be numbers"); a batch of rows too. The gradient by the real
    features is real; it matches central differences (PennyLane's autograd gives the same
    real part, plus an imaginary part from casting the real features to complex)."""
    x = pnp.array([0.5, -0.2, 0.7], requires_grad=True)
    expected = [0.49266464, -0.19706586, 0.68973049, 0.29559878 - 0.39413171j]
    assert onp.allclose(_padded_state(x), expected)
    xb = pnp.array([[0.5, -0.2, 0.7], [0.1, 0.2, -0.3]], requires_grad=True)
    rows = [expected, [0.16012815, 0.32025631, -0.48038446, 0.48038446 - 0.64051262j]]
    assert onp.allclose(_padded_state(xb), rows)
    g = qml.grad(_padded_expval)(x)
    h = 1e-6
    fd = [(_padded_expval(x + h * e) - _padded_expval(x - h * e)) / (2 * h) for e in onp.eye(3)]
    assert onp.allclose(g, fd, atol=1e-6)
    assert onp.allclose(g, [-0.25017785, 0.51299747, 0.70836398])  # PennyLane's real part


# --- compute_matrix of autograd's values ----------------------------------------------------
def test_compute_matrix_of_autograd_values_is_differentiated():
    """``qml.Rot.compute_matrix(*p)`` inside ``qml.jacobian`` (PennyLane's
    ctrl_decomp_zyz gradient test builds its unitary so): the table's exact matrix written
    with autograd; checked against central differences of the numbers' matrix, and a
    broadcast ``RX`` angle gives one matrix per angle."""
    p = pnp.array([0.123, 0.234, 0.345], requires_grad=True)
    m = lambda q: qml.math.imag(qml.Rot.compute_matrix(*q))
    jac = qml.jacobian(m)(p)
    h = 1e-6
    fd = onp.stack([(m(p + h * e) - m(p - h * e)) / (2 * h) for e in onp.eye(3)], axis=-1)
    assert onp.allclose(jac, fd, atol=1e-8)
    t = pnp.array([0.1, 0.2], requires_grad=True)
    d = qml.jacobian(lambda a: qml.math.imag(qml.RX.compute_matrix(a)))(t)
    # d/dt Im RX(t) = [[0, -cos(t/2)/2], [-cos(t/2)/2, 0]] per batch element, by hand
    assert onp.allclose(d[0, 0, 1, 0], -onp.cos(0.05) / 2) and onp.allclose(d[0, 0, 1, 1], 0)
    assert onp.allclose(d[1, 1, 0, 1], -onp.cos(0.1) / 2)


# --- PrepSelPrep: coefficients of the circuit's arguments ------------------------------------
_DEV5 = qml.device("default.qubit", wires=5)


@qml.qnode(_DEV5)
def _block(coeffs):
    H = qml.ops.LinearCombination(
        coeffs, [qml.Y(0), qml.Y(1) @ qml.Y(2), qml.X(0), -1 * qml.X(1) @ qml.X(2)])
    qml.PrepSelPrep(H, control=(3, 4))
    return qml.expval(qml.PauliZ(3) @ qml.PauliZ(4))


@pytest.mark.parametrize("coeffs, value, grad", [
    ([0.4, 0.5, 0.1, 0.3], 0.14539460820056915,
     [-0.57485039, 0.31253535, -0.717947, 0.48489061]),
    ([0.4, -0.5, 0.1, 0.3], -0.19799158387446797,
     [0.41177729, 0.21262357, 1.64370435, -0.74256522]),
])
def test_prepselprep_coefficients_of_the_circuit_arguments_are_differentiated(coeffs, value, grad):
    """``qml.PrepSelPrep`` of a linear combination whose coefficients are the QNode's
    trainable argument (PennyLane's test_prepselprep::test_autograd; was refused: "the
    coefficients must be numbers"), a term ``-1 * X(1) @ X(2)`` a unitary times -1 (was
    refused by name). A negative coefficient's sign is decided at the call (its phase pi).
    Values and gradients are PennyLane 0.45.1's (run in /work/plvenv)."""
    c = pnp.array(coeffs, requires_grad=True)
    assert onp.isclose(_block(c), value)
    assert onp.allclose(qml.grad(_block)(c), grad)


def test_a_scaled_term_that_is_not_unitary_is_refused_by_name():
    """A term ``0.5 * X(1)`` inside an operator of PrepSelPrep is not a unitary: refused,
    saying to move the scalar into the coefficient."""
    H = qml.ops.LinearCombination([0.3, 0.7], [qml.Y(0), 0.5 * qml.X(1) @ qml.X(2)])
    with pytest.raises(qml.errors.GateError, match="not a unitary .* move the scalar"):
        qml.PrepSelPrep(H, control=(3, 4))


# --- QubitUnitary / DiagonalQubitUnitary: PennyLane's num_params ---------------------------
def test_matrix_gates_count_their_matrix_as_one_parameter():
    """PennyLane 0.45.1 (run in /work/plvenv): ``QubitUnitary`` and ``DiagonalQubitUnitary``
    have ``num_params`` 1 (class and instance), ``grad_method`` None, ``grad_recipe``
    ``[None]`` and no parameter frequencies (ParameterFrequenciesUndefinedError); qsym's
    were 0 / absent. The adjoint method's count of a tape's parameters past a
    ``QubitUnitary`` stays aligned: ``d<Z>/dx`` of ``RY(0.3)``'s matrix then ``RX(x)`` is
    ``-cos(0.3) sin(x)`` (by hand)."""
    U = qml.QubitUnitary(qml.RY.compute_matrix(0.3), wires=0)
    D = qml.DiagonalQubitUnitary([1, 1j], wires=0)
    assert (qml.QubitUnitary.num_params, U.num_params, qml.DiagonalQubitUnitary.num_params,
            D.num_params) == (1, 1, 1, 1)
    assert (U.grad_method, U.grad_recipe, D.grad_method) == (None, [None], None)
    with pytest.raises(qml.exceptions.ParameterFrequenciesUndefinedError):
        U.parameter_frequencies
    assert onp.allclose(qml.QubitUnitary.compute_matrix(onp.eye(2)), onp.eye(2))
    x = 0.7
    tape = qml.tape.QuantumScript([U, qml.RX(x, wires=0)], [qml.expval(qml.Z(0))],
                                  trainable_params=[1])
    jac = qml.devices.qubit.adjoint_jacobian(tape)
    assert onp.allclose(jac, -onp.cos(0.3) * onp.sin(x))


# --- Möttönen / Superposition of a complex state differentiated ------------------------------
_V4 = onp.array([0.3 + 0.1j, -0.2 + 0.5j, 0.4 - 0.3j, 0.1 + 0.2j])
_V3 = onp.array([0.3 + 0.1j, -0.2 + 0.5j, 0.4 - 0.3j])
_DEV3 = qml.device("default.qubit", wires=3)


@qml.qnode(_DEV2)
def _mottonen(s):
    qml.MottonenStatePreparation(s, wires=range(2))
    qml.RX(0.3, wires=0)
    qml.CNOT([0, 1])
    qml.RY(0.2, wires=1)
    return qml.expval(qml.PauliY(1) @ qml.PauliX(0))


@qml.qnode(_DEV3)
def _superposition(c):
    qml.Superposition(c, bases=[[1, 0], [0, 1], [1, 1]], wires=range(2), work_wire=2)
    qml.RX(0.3, wires=0)
    qml.CNOT([0, 1])
    return qml.expval(qml.PauliY(1) @ qml.PauliX(0))


def test_mottonen_state_of_a_complex_trainable_vector_is_differentiated():
    """``qml.grad`` by a complex state vector (autograd's ``d/dRe - i d/dIm``) through
    ``MottonenStatePreparation``: PennyLane's Möttönen gates with autograd angles (was
    refused: "complex trainable amplitudes are not differentiated"). Value and gradient
    are PennyLane 0.45.1's (run in /work/plvenv)."""
    s = pnp.array(_V4 / onp.linalg.norm(_V4), requires_grad=True)
    assert onp.isclose(_mottonen(s), 0.05626950937373022)
    expected = [-0.94415702 + 1.004773j, -0.57524559 - 0.51804199j,
                0.0004012 - 0.51723959j, 1.06538897 - 0.29063397j]
    assert onp.allclose(qml.grad(_mottonen)(s), expected)


def test_superposition_of_complex_trainable_coefficients_is_differentiated():
    """The same for ``qml.Superposition`` of three complex coefficients (the fourth
    amplitude a constant zero: its phase and angle share are constants). Expected:
    central differences of ``d/dRe - i d/dIm`` (h = 1e-6); PennyLane 0.45.1 gives the last
    two entries and NaN for the first (``angle`` of its zero padding)."""
    c = pnp.array(_V3 / onp.linalg.norm(_V3), requires_grad=True)
    expected = [-0.140313 + 0.046771j, 0.810045 - 0.721481j, 0.416046 - 1.061262j]
    assert onp.allclose(qml.grad(_superposition)(c), expected, atol=1e-5)


def test_basis_rotation_matrix_differentiated_is_refused_saying_it_is_data():
    """``qml.grad`` by ``BasisRotation``'s unitary matrix: PennyLane's ``grad_method`` is
    None and its autograd returns zeros (its test_basis_rotation::test_autograd); a
    derivative by a unitary's entries is not the circuit's, so qsym refuses by name (was a
    bare "takes a matrix of numbers, got the entry ArrayBox")."""
    u = pnp.array([[0.6, 0.8j], [0.8j, 0.6]], requires_grad=True)

    @qml.qnode(_DEV2)
    def circuit(m):
        qml.BasisState(onp.array([1, 0]), wires=[0, 1])
        qml.BasisRotation(wires=[0, 1], unitary_matrix=m)
        return qml.expval(qml.PauliZ(0))

    assert onp.isclose(circuit(u), 0.28)  # 1 - 2 |u00|^2 (PennyLane 0.45.1 too)
    with pytest.raises(qml.DifferentiationError, match="its matrix is data, not differentiated"):
        qml.grad(circuit)(u)
