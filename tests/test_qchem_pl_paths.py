"""PennyLane's qml.qchem module paths and names (issue #18): tapering, spin, dipole, the
integrals and basis data, each checked independently (exact diagonalisation, closed forms,
finite differences, symmetry), never against numbers copied from the code."""

from __future__ import annotations

import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp

H2 = (["H", "H"], onp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
HEH = (["He", "H"], onp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4588684632]]))


def _matrix(op, n):
    return qml.matrix(op, wire_order=list(range(n)))


def _sector_energy(h, n, electrons):
    """The lowest eigenvalue of ``h`` among the basis states with ``electrons`` ones."""
    mat = _matrix(h, n)
    idx = [k for k in range(2 ** n) if bin(k).count("1") == electrons]
    return onp.linalg.eigvalsh(mat[onp.ix_(idx, idx)])[0]


# ---------------------------------------------------------------- module paths

def test_the_module_paths_hold_the_functions():
    from qsym.qchem.basis_set import BasisFunction, atom_basis_data
    from qsym.qchem.dipole import dipole_moment
    from qsym.qchem.integrals import overlap_integral
    from qsym.qchem.matrices import moment_matrix
    from qsym.qchem.spin import spin2
    from qsym.qchem.tapering import clifford, optimal_sector, taper, taper_hf

    assert taper is qml.taper and clifford is qml.qchem.clifford
    assert optimal_sector is qml.qchem.optimal_sector and taper_hf is qml.qchem.taper_hf
    assert spin2 is qml.qchem.spin2 and dipole_moment is qml.qchem.dipole_moment
    assert overlap_integral is qml.qchem.overlap_integral
    assert moment_matrix is qml.qchem.moment_matrix
    assert BasisFunction is qml.qchem.BasisFunction
    assert atom_basis_data is qml.qchem.atom_basis_data


# ---------------------------------------------------------------- tapering

@pytest.mark.parametrize("symbols, geometry, charge", [(*H2, 0), (*HEH, 1)])
def test_tapered_ground_energy_is_the_full_one_in_the_hf_sector(symbols, geometry, charge):
    H, n = qml.qchem.molecular_hamiltonian(symbols, geometry, charge=charge)
    electrons = 2
    gens = qml.symmetry_generators(H)
    xs = qml.paulix_ops(gens, n)
    sector = qml.qchem.optimal_sector(H, gens, electrons)
    tapered = qml.taper(H, gens, xs, sector)
    m = n - len(gens)
    e_tapered = onp.linalg.eigvalsh(_matrix(tapered, m))[0]
    assert e_tapered == pytest.approx(_sector_energy(H, n, electrons), abs=1e-8)
    # the tapered Hartree-Fock state has the Hartree-Fock energy of the full Hamiltonian
    hf = qml.qchem.taper_hf(gens, xs, sector, electrons, n)
    full_hf = int("".join(map(str, qml.qchem.hf_state(electrons, n))), 2)
    tap_hf = int("".join(map(str, hf)), 2)
    assert _matrix(tapered, m)[tap_hf, tap_hf].real == pytest.approx(
        _matrix(H, n)[full_hf, full_hf].real, abs=1e-8)


def test_the_sectors_together_hold_the_whole_spectrum():
    H, n = qml.qchem.molecular_hamiltonian(*H2)
    gens = qml.symmetry_generators(H)
    xs = qml.paulix_ops(gens, n)
    spectra = []
    for sector in itertools.product((1, -1), repeat=len(gens)):
        tapered = qml.taper(H, gens, xs, list(sector))
        spectra += list(onp.linalg.eigvalsh(_matrix(tapered, n - len(gens))))
    assert onp.allclose(sorted(spectra), onp.linalg.eigvalsh(_matrix(H, n)), atol=1e-8)


def test_kernel_and_split_helpers():
    from qsym.qchem.tapering import _kernel, _split_pauli_sentence

    rref = onp.array([[1, 0, 1, 1], [0, 1, 1, 0]])
    kernel = _kernel(rref)
    assert kernel.shape == (2, 4) and not (rref @ kernel.T % 2).any()
    ps = qml.pauli.PauliSentence({qml.pauli.PauliWord({i: "Z"}): 1.0 for i in range(5)})
    chunks = list(_split_pauli_sentence(ps, max_size=2))
    assert [len(c) for c in chunks] == [2, 2, 1] and sum(chunks, qml.pauli.PauliSentence()) == ps


def test_taper_operation_checks_a_given_generator():
    H, n = qml.qchem.molecular_hamiltonian(*HEH, charge=1)
    gens = qml.symmetry_generators(H)
    xs = qml.paulix_ops(gens, n)
    sector = qml.qchem.optimal_sector(H, gens, 2)
    with pytest.raises(ValueError, match="doesn't seem to be the correct generator"):
        qml.taper_operation(qml.RX(0.3, wires=0), gens, xs, sector, range(n),
                            op_gen=qml.Hamiltonian([1.0], [qml.Z(0)]))
    with pytest.raises(ValueError, match="needs to be a valid operator"):
        qml.taper_operation(qml.RX(0.3, wires=0), gens, xs, sector, range(n),
                            op_gen=onp.eye(2))
    # a parameterless gate: its generator from the matrix logarithm (X = exp(i pi/2 (X - 1)))
    ops = qml.taper_operation(qml.PauliX(1), gens, xs, sector, range(n))
    assert isinstance(ops, list)


# ---------------------------------------------------------------- spin

def test_s2_of_hand_built_states():
    s2 = _matrix(qml.qchem.spin.spin2(2, 4), 4)
    # |1010>: both electrons spin up (orbitals 0, 2): a triplet; |1100>: one spatial orbital
    assert s2[0b1010, 0b1010].real == pytest.approx(2.0)
    assert s2[0b1100, 0b1100].real == pytest.approx(0.0)
    two = [k for k in range(16) if bin(k).count("1") == 2]
    # two electrons in two spatial orbitals: three singlets and one triplet (three states)
    values = onp.linalg.eigvalsh(s2[onp.ix_(two, two)])
    assert onp.allclose(values, [0, 0, 0, 2, 2, 2], atol=1e-12)


def test_spin2_matrix_elements_table():
    table = qml.qchem.spin._spin2_matrix_elements(onp.array([0.5, -0.5]))
    # s1.s2 on one spatial orbital: sz sz on the diagonal, the flips s+ s- / 2
    diag = {(a, b): v for a, b, g, d, v in table if a == d and b == g}
    assert diag == {(0, 0): 0.25, (0, 1): -0.25, (1, 0): -0.25, (1, 1): 0.25}
    flips = sorted((int(a), int(b), int(g), int(d)) for a, b, g, d, v in table if v == 0.5)
    assert flips == [(0, 1, 0, 1), (1, 0, 1, 0)]


def test_spinz_counts_up_minus_down():
    sz = onp.diag(_matrix(qml.qchem.spin.spinz(4), 4)).real
    for k in range(16):
        bits = [(k >> (3 - w)) & 1 for w in range(4)]
        assert sz[k] == pytest.approx(0.5 * (bits[0] + bits[2]) - 0.5 * (bits[1] + bits[3]))


# ---------------------------------------------------------------- dipole

def _hf_expval(op, n, electrons):
    k = int("1" * electrons + "0" * (n - electrons), 2)
    return _matrix(op, n)[k, k].real


def test_dipole_shifts_with_the_charge_under_translation():
    shift = onp.array([0.3, -0.2, 0.5])
    values = []
    for symbols, geometry, charge in ((*H2, 0), (*HEH, 1)):
        for g in (geometry, geometry + shift):
            mol = qml.qchem.Molecule(symbols, g, charge=charge)
            d = qml.qchem.dipole_moment(mol)()
            values.append([_hf_expval(dk, 4, 2) for dk in d])
    h2, h2_moved, heh, heh_moved = map(onp.array, values)
    assert onp.allclose(h2, 0.0, atol=1e-8) and onp.allclose(h2_moved, 0.0, atol=1e-8)
    assert onp.allclose(heh_moved - heh, 1 * shift, atol=1e-8)  # charge +1 moves with it
    assert abs(heh[2]) > 0.1 and onp.allclose(heh[:2], 0.0, atol=1e-10)


def test_molecular_dipole_active_space_and_errors():
    mol = qml.qchem.Molecule(["Li", "H"], onp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]]))
    dip = qml.qchem.molecular_dipole(mol, active_electrons=2, active_orbitals=2,
                                     wires=["a", "b", "c", "d"])
    assert len(dip) == 3 and set(dip[2].wires) <= {"a", "b", "c", "d"}
    with pytest.raises(ValueError, match="Only 'dhf', and 'openfermion'"):
        qml.qchem.molecular_dipole(mol, method="pyscf")


# ---------------------------------------------------------------- integrals, basis data

def test_primitive_integrals_have_their_closed_forms():
    from qsym.qchem import integrals as I

    z, s = onp.zeros(3), (0, 0, 0)
    a, b = 0.7, 1.3
    p = a + b
    assert I.gaussian_overlap(s, s, z, z, a, b) == pytest.approx((onp.pi / p) ** 1.5)
    assert I.gaussian_kinetic(s, s, z, z, a, b) == pytest.approx(3 * a * b / p
                                                                  * (onp.pi / p) ** 1.5)
    assert float(I.nuclear_attraction(s, s, z, z, a, b, z)[0, 0]) == pytest.approx(2 * onp.pi / p)
    q = a + a
    eri = onp.ravel(I.electron_repulsion(s, s, s, s, z, z, z, z, a, b, a, a))[0]
    assert eri == pytest.approx(2 * onp.pi ** 2.5 / (p * q * onp.sqrt(p + q)))
    # <x^2> of a Gaussian exp(-p x^2): (1/2p) sqrt(pi/p)
    assert I.gaussian_moment(0, 0, 0.0, 0.0, a, b, 2, 0.0) == pytest.approx(
        onp.sqrt(onp.pi / p) / (2 * p))


def test_pl_integrals_agree_with_the_numpy_matrices():
    mol = qml.qchem.Molecule(["H", "Li"], onp.array([[0.0, 0.0, 0.0], [0.3, 0.1, 2.9]]))
    basis = mol.basis_set
    S = qml.qchem.overlap_matrix(basis)()
    T = qml.qchem.kinetic_matrix(basis)()
    for i, j in [(0, 1), (1, 4), (3, 5), (2, 2)]:
        assert qml.qchem.overlap_integral(basis[i], basis[j], False)() == pytest.approx(S[i, j])
        assert qml.qchem.kinetic_integral(basis[i], basis[j], False)() == pytest.approx(T[i, j])
    M0 = qml.qchem.moment_matrix(basis, 0, 1)()
    assert onp.allclose(M0, S)
    eri = qml.qchem.repulsion_tensor(basis)()
    assert qml.qchem.repulsion_integral(basis[0], basis[1], basis[3], basis[5], False)() \
        == pytest.approx(eri[0, 1, 3, 5])


def test_gradients_by_the_basis_parameters_match_finite_differences():
    alpha = pnp.array([[3.42525091, 0.62391373, 0.1688554]] * 2, requires_grad=True)
    coeff = pnp.array([[0.15432897, 0.53532814, 0.44463454]] * 2, requires_grad=True)
    geometry = pnp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.2]], requires_grad=False)
    mol = qml.qchem.Molecule(["H", "H"], geometry, alpha=alpha, coeff=coeff)
    f = qml.qchem.overlap_matrix(mol.basis_set)
    g = qml.jacobian(lambda a: f(a, mol.coeff)[0, 1])(mol.alpha)
    h = 1e-6
    for i, j in [(0, 0), (1, 2)]:
        up, down = onp.array(alpha), onp.array(alpha)
        up[i, j] += h
        down[i, j] -= h
        fd = (f(pnp.array(up), mol.coeff)[0, 1] - f(pnp.array(down), mol.coeff)[0, 1]) / (2 * h)
        assert g[i, j] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_args_without_trainable_parameters_are_still_refused():
    mol = qml.qchem.Molecule(*H2)
    with pytest.raises(qml.errors.DifferentiationError):
        qml.qchem.overlap_matrix(mol.basis_set)(onp.ones((2, 3)))


def test_basis_data():
    rows = qml.qchem.atom_basis_data("sto-3g", "Li")
    assert [r[0] for r in rows] == [(0, 0, 0), (0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    n_basis, params = qml.qchem.mol_basis_data("sto-3g", ["H", "Li"])
    assert n_basis == [1, 5] and len(params) == 6
    with pytest.raises(ValueError, match="not available for Os"):
        qml.qchem.atom_basis_data("sto-3g", "Os")
    b = qml.qchem.BasisFunction((1, 0, 0), pnp.array([1.0, 2.0], requires_grad=True),
                                [0.5, 0.5], [0.0, 0.0, 1.0])
    assert b.params[0].requires_grad and not b.params[1].requires_grad


def test_orbitals_are_normalized_on_a_grid():
    mol = qml.qchem.Molecule(["H", "H"], onp.array([[0.0, 0.0, -0.7], [0.0, 0.0, 0.7]]))
    qml.qchem.scf(mol)()
    mol.mo_coefficients = mol.mo_coefficients.T  # PennyLane's molecular_orbital takes a row
    x = onp.linspace(-7, 7, 71)
    X, Y, Z = onp.meshgrid(x, x, x, indexing="ij")
    dv = (x[1] - x[0]) ** 3
    for orbital in (mol.atomic_orbital(0), mol.molecular_orbital(0), mol.molecular_orbital(1)):
        assert onp.sum(orbital(X, Y, Z) ** 2) * dv == pytest.approx(1.0, abs=2e-3)
    # the antibonding orbital changes sign through the mirror plane z = 0
    assert mol.molecular_orbital(1)(0.0, 0.0, 0.0) == pytest.approx(0.0, abs=1e-12)


def test_nuclear_energy_gradient_is_coulombs_force():
    r = pnp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0]], requires_grad=True)
    g = qml.grad(lambda c: qml.qchem.nuclear_energy([1, 3], r)(c)[0])(r)
    # E = 3 / |z2 - z1|: dE/dz2 = -3 / 4, dE/dz1 = +3 / 4
    assert onp.allclose(g, [[0, 0, 0.75], [0, 0, -0.75]])


def test_hf_energy_gradient_matches_finite_differences():
    geometry = onp.array([[0.0, 0.0, 0.0], [0.1, 0.0, 1.5]])
    mol = qml.qchem.Molecule(["He", "H"], pnp.array(geometry, requires_grad=True), charge=1)
    g = qml.grad(qml.qchem.hf_energy(mol))(mol.coordinates)

    def energy(c):
        return qml.qchem.hf_energy(qml.qchem.Molecule(["He", "H"], c, charge=1))()

    h = 1e-5
    for i, k in [(0, 2), (1, 0), (1, 2)]:
        up, down = geometry.copy(), geometry.copy()
        up[i, k] += h
        down[i, k] -= h
        assert g[i, k] == pytest.approx((energy(up) - energy(down)) / (2 * h), abs=1e-7)
    assert onp.allclose(g.sum(axis=0), 0.0, atol=1e-8)  # no net force


def test_chemist_transform_keeps_the_operator():
    from qsym.qchem.factorization import _chemist_transform

    n, rng = 3, onp.random.default_rng(1)
    h = rng.normal(size=(n, n))
    v = rng.normal(size=(n, n, n, n))  # chemists' integrals (ps|qr) with their symmetries
    v = v + v.transpose(1, 0, 2, 3)
    v = v + v.transpose(0, 1, 3, 2)
    v = v + v.transpose(2, 3, 0, 1)
    g = onp.einsum("psqr->pqrs", v)  # multiplies a+_p a+_q a_r a_s
    h2, g2 = _chemist_transform(h, g, spatial_basis=False)
    C, A = qml.FermiC, qml.FermiA

    def mat(f):
        return qml.matrix(qml.jordan_wigner(f), wire_order=range(n))

    idx = list(itertools.product(range(n), repeat=4))
    one = [(p, q) for p in range(n) for q in range(n)]
    before = sum(h[p, q] * mat(C(p) * A(q)) for p, q in one) + sum(
        g[i] * mat(C(i[0]) * C(i[1]) * A(i[2]) * A(i[3])) for i in idx)
    after = sum(h2[p, q] * mat(C(p) * A(q)) for p, q in one) + sum(
        g2[i] * mat(C(i[0]) * A(i[1]) * C(i[2]) * A(i[3])) for i in idx)
    assert onp.allclose(before, after)


def test_molecular_hamiltonian_input_errors_are_pennylanes():
    """PennyLane 0.45.1 raises NotImplementedError for an input that is neither a list of
    symbols nor a Molecule (and for no symbols at all), and checks open shells before the
    backend: method="pyscf" with mult=3 is its open-shell ValueError (read from its
    source, hamiltonian.py)."""
    geometry = onp.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    with pytest.raises(NotImplementedError, match="supports only list or molecule object types"):
        qml.qchem.molecular_hamiltonian(symbols=1, coordinates=geometry, method="dhf")
    with pytest.raises(NotImplementedError, match="do not contain information about symbols"):
        qml.qchem.molecular_hamiltonian(charge=0, mult=1, method="dhf")
    with pytest.raises(ValueError, match="Open-shell systems are not supported"):
        qml.qchem.molecular_hamiltonian(["H", "H"], geometry, mult=3, method="pyscf")
    with pytest.raises(ValueError, match="Open-shell systems are not supported"):
        qml.qchem.molecular_hamiltonian(qml.qchem.Molecule(["H", "H"], geometry, mult=3),
                                        method="pyscf")
    with pytest.raises(qml.ArgumentError, match="method='pyscf' needs PennyLane's external"):
        qml.qchem.molecular_hamiltonian(["H", "H"], geometry, method="pyscf")


def test_diff_hamiltonian_is_differentiable_by_the_basis_inside_a_qnode():
    """``qml.qchem.diff_hamiltonian(mol)(*args)`` built inside a QNode from the exponents it
    is differentiated by (PennyLane's test_gradient_expvalH): the gradient equals a central
    difference of the energy in one exponent (Hamiltonians at fixed exponents)."""
    geometry = pnp.array([[0.0, 0.0, -0.3674625962], [0.0, 0.0, 0.3674625962]],
                         requires_grad=False) / 0.529177210903
    alpha = pnp.array([[3.42525091, 0.62391373, 0.1688554]] * 2, requires_grad=True)
    mol = qml.qchem.Molecule(["H", "H"], geometry, alpha=alpha)
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def circuit(*args):
        qml.PauliX(0)
        qml.PauliX(1)
        qml.DoubleExcitation(0.22350048111151138, wires=[0, 1, 2, 3])
        return qml.expval(qml.qchem.diff_hamiltonian(mol)(*args))

    grad = qml.grad(circuit, argnums=0)(alpha)
    h = 1e-4

    # the contraction coefficients stay those the molecule normalized at its exponents (as
    # PennyLane's args replace the exponents only): molecules at fixed numbers with them;
    # the state is cos(t/2)|1100> - sin(t/2)|0011> (DoubleExcitation on |1100>)
    coeff = [onp.array(c) for c in mol.coeff]
    t = 0.22350048111151138
    psi = onp.zeros(16)
    psi[0b1100], psi[0b0011] = onp.cos(t / 2), -onp.sin(t / 2)

    def shifted(d):
        a = onp.array(alpha)
        a[0, 0] += d
        return a

    def at(d):
        m = qml.qchem.Molecule(["H", "H"], geometry, alpha=shifted(d), coeff=coeff)
        H = qml.matrix(qml.qchem.diff_hamiltonian(m)(), wire_order=range(4))
        return float(onp.real(psi @ H @ psi))

    fd = (at(h) - at(-h)) / (2 * h)
    assert float(grad[0, 0]) == pytest.approx(fd, abs=1e-7)
    assert onp.allclose(grad[0], grad[1], atol=1e-9)  # the two atoms alike
    # new numbers as args (no derivative; PennyLane's own finite difference): the
    # Hamiltonian at them
    H_args = qml.matrix(qml.qchem.diff_hamiltonian(mol)(shifted(h)), wire_order=range(4))
    assert float(onp.real(psi @ H_args @ psi)) == pytest.approx(at(h), abs=1e-10)


def test_sums_with_equal_pauli_forms_are_equal_whatever_the_coefficients_interface():
    """PennyLane's ``qml.equal`` of two sums takes exactly equal Pauli forms as equal
    without comparing interfaces (its qchem tests compare ``particle_number`` and ``spinz``
    with ``qml.dot`` of a ``pennylane.numpy`` array); by hand: ``N = sum (1 - Z_i)/2``,
    ``S_z = sum -s_i Z_i / 2`` with ``s_i = +-1/2`` (the identity cancels)."""
    n = qml.qchem.particle_number(4)
    ref = qml.dot(pnp.array([2.0, -0.5, -0.5, -0.5, -0.5]),
                  [qml.Identity(0), qml.Z(0), qml.Z(1), qml.Z(2), qml.Z(3)])
    qml.assert_equal(ref, n)
    sz = qml.qchem.spinz(4)
    assert sz == qml.dot(pnp.array([-0.25, 0.25, -0.25, 0.25]), [qml.Z(i) for i in range(4)])
    assert not qml.equal(sz, qml.dot(pnp.array([0.25, 0.25, -0.25, 0.25]),
                                     [qml.Z(i) for i in range(4)]))
    # a gate's parameters keep their interface check (only sums and products shortcut)
    assert not qml.equal(qml.RX(pnp.array(0.5), 0), qml.RX(0.5, 0))


def test_dipole_moment_is_differentiable_by_the_basis_inside_a_qnode():
    """``qml.qchem.dipole_moment(mol)(*args)`` built inside a QNode from the exponents it is
    differentiated by (PennyLane's test_gradient_expvalD, on HeH+): the gradient equals a
    central difference of the dipole at fixed exponents (molecules built at the numbers,
    the numeric SCF and integrals, not the differentiated path); ``args`` with new numbers
    give the operator at them, and ``molecular_dipole(args=...)`` the same operators."""
    symbols, geometry = HEH
    alpha = pnp.array(qml.qchem.Molecule(symbols, geometry, charge=1).alpha,
                      requires_grad=True)
    mol = qml.qchem.Molecule(symbols, geometry, charge=1, alpha=alpha)
    coeff = [onp.array(c) for c in mol.coeff]  # kept, as PennyLane's args replace alpha only
    dev = qml.device("default.qubit", wires=4)
    t = 0.3

    @qml.qnode(dev)
    def circuit(*args):
        qml.PauliX(0)
        qml.PauliX(1)
        qml.DoubleExcitation(t, wires=[0, 1, 2, 3])
        return qml.expval(qml.qchem.dipole_moment(mol)(*args)[2])

    grad = qml.grad(circuit)(alpha)
    psi = onp.zeros(16)
    psi[0b1100], psi[0b0011] = onp.cos(t / 2), -onp.sin(t / 2)

    def shifted(i, j, d):
        a = onp.array(alpha)
        a[i, j] += d
        return a

    def at(a):
        m = qml.qchem.Molecule(symbols, geometry, charge=1, alpha=a, coeff=coeff)
        return float(onp.real(psi @ _matrix(qml.qchem.dipole_moment(m)()[2], 4) @ psi))

    h = 1e-5
    for i, j in [(0, 0), (1, 2)]:
        fd = (at(shifted(i, j, h)) - at(shifted(i, j, -h))) / (2 * h)
        assert float(grad[i, j]) == pytest.approx(fd, rel=1e-6, abs=1e-8)
    assert abs(float(grad[1, 2])) > 1e-3  # a derivative that is not zero by symmetry
    moved = shifted(1, 2, 0.1)
    assert float(circuit(pnp.array(moved, requires_grad=False))) == pytest.approx(
        at(moved), abs=1e-10)
    d_args = qml.qchem.molecular_dipole(mol, args=[pnp.array(moved, requires_grad=False)])
    assert onp.allclose(_matrix(d_args[2], 4),
                        _matrix(qml.qchem.dipole_moment(mol)(moved)[2], 4), atol=1e-12)


def test_molecular_hamiltonian_coefficients_have_pennylanes_types():
    """PennyLane 0.45.1's ``molecular_hamiltonian`` (``"dhf"``) makes its coefficients one
    array of the interface of the coordinates, exponents and contraction coefficients:
    ``pennylane.numpy`` tensors when one is such a tensor (``requires_grad`` whether
    ``args`` were given; its test_differentiable_hamiltonian), NumPy floats otherwise; the
    terms of a sum keep the tensors its summands are scaled by (PennyLane's ``pauli_rep``:
    ``scalar * 1.0``, added where two summands share a word)."""
    symbols, geometry = H2
    fixed = qml.qchem.molecular_hamiltonian(symbols, pnp.array(geometry, requires_grad=False))[0]
    coeffs = fixed.terms()[0]
    assert all(isinstance(c, pnp.tensor) and c.requires_grad is False for c in coeffs)
    x = pnp.array(geometry, requires_grad=True)
    by_args = qml.qchem.molecular_hamiltonian(symbols, x, args=[x])[0]
    assert all(isinstance(c, pnp.tensor) and c.requires_grad is True for c in by_args.terms()[0])
    mol = qml.qchem.Molecule(symbols, pnp.array(geometry, requires_grad=False))
    assert all(c.requires_grad is False for c in qml.qchem.molecular_hamiltonian(mol)[0].terms()[0])
    plain = qml.qchem.molecular_hamiltonian(symbols, geometry)[0].terms()[0]
    assert not any(isinstance(c, onp.ndarray) for c in plain)
    assert onp.allclose(onp.array(coeffs, dtype=float), onp.array(plain, dtype=float), atol=1e-14)
    assert onp.allclose(_matrix(by_args, 4), _matrix(fixed, 4), atol=1e-9)
    a, b = pnp.tensor(0.5, requires_grad=True), pnp.tensor(0.25, requires_grad=False)
    c, ops = (qml.s_prod(a, qml.Z(0)) + qml.s_prod(b, qml.Z(0)) + 2.0 * qml.X(1)).terms()
    assert ops == [qml.Z(0), qml.X(1)] and c[0].requires_grad is True and float(c[0]) == 0.75
    assert c[1] == 2.0 and not isinstance(c[1], onp.ndarray)

