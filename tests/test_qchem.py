"""qml.qchem (issue #18): Hartree-Fock states, excitations, STO-3G integrals, restricted
Hartree-Fock and molecular Hamiltonians.

Independent facts: Szabo and Ostlund's H2 integrals (STO-3G, R = 1.4 Bohr, their chapter 3
tables), published STO-3G energies of H2 (PySCF's RHF, OpenFermion's and Qiskit's full CI),
the Boys function against mpmath, symmetries of the Hamiltonian (Hermitian, electron
number and spin conserving, invariant under rotating the molecule), the Hartree-Fock
energy as the expectation of the qubit Hamiltonian in the Hartree-Fock state, and (where
installed) PennyLane's own molecular_hamiltonian."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml
from qsym import _integrals as ints

H2 = (["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
WATER = (["O", "H", "H"], np.array([[0.0, 0.0, 0.0], [1.63, 1.2, 0.1], [-1.6, 1.25, 0.0]]))


def _ground(H, n):
    return np.linalg.eigvalsh(qml.matrix(H, wire_order=range(n)))[0]


def _number_operators(n):
    total = sum(qml.jordan_wigner(qml.FermiC(j) * qml.FermiA(j), ps=True) for j in range(n))
    sz = sum((0.5 if j % 2 == 0 else -0.5) * qml.jordan_wigner(qml.FermiC(j) * qml.FermiA(j),
                                                               ps=True) for j in range(n))
    return total.to_mat(wire_order=range(n)), sz.to_mat(wire_order=range(n))


# ---- states and excitations -----------------------------------------------------------------

def test_hf_state_in_the_three_bases():
    assert qml.qchem.hf_state(2, 4).tolist() == [1, 1, 0, 0]
    assert qml.qchem.hf_state(3, 6, basis="parity").tolist() == [1, 0, 1, 1, 1, 1]
    # Bravyi-Kitaev: qubit i holds the occupations of modes (i - lowbit(i + 1), i]
    assert qml.qchem.hf_state(2, 4, basis="bravyi_kitaev").tolist() == [1, 0, 0, 0]
    with pytest.raises(ValueError, match="has to be larger than zero"):
        qml.qchem.hf_state(0, 4)
    with pytest.raises(ValueError, match="cannot be smaller than the number of active electrons"):
        qml.qchem.hf_state(5, 4)


def test_excitations_are_pennylanes_lists():
    assert qml.qchem.excitations(2, 4) == ([[0, 2], [1, 3]], [[0, 1, 2, 3]])
    singles, doubles = qml.qchem.excitations(2, 6, delta_sz=1)
    assert singles == [[1, 2], [1, 4]] and doubles == [[0, 1, 2, 4]]
    # counting (4 electrons: 2 up, 2 down; 8 virtual spin orbitals: 4 up, 4 down): singles
    # up->up and down->down; doubles from the occupied pairs (1 up-up, 1 down-down, 4 mixed)
    # to the virtual pairs of the same spins (6, 6, 16)
    singles, doubles = qml.qchem.excitations(4, 12)
    assert len(singles) == 2 * 4 + 2 * 4
    assert len(doubles) == 1 * 6 + 1 * 6 + 4 * 16
    for s, r, q, p in doubles:
        assert (s % 2) + (r % 2) == (q % 2) + (p % 2)
    fs, fd = qml.qchem.excitations(2, 4, fermionic=True)
    assert fs[0] == qml.FermiC(0) * qml.FermiA(2)
    assert fd[0] == qml.FermiC(0) * qml.FermiC(1) * qml.FermiA(2) * qml.FermiA(3)
    for bad, match in (((0, 4), "greater than 0"), ((4, 4), "has to be greater than"),
                       ((2, 4, 3), "delta_sz")):
        with pytest.raises(ValueError, match=match):
            qml.qchem.excitations(*bad)


def test_excitations_to_wires():
    s, d = qml.qchem.excitations(2, 6)
    sw, dw = qml.qchem.excitations_to_wires(s, d)
    assert sw == [[0, 1, 2], [0, 1, 2, 3, 4], [1, 2, 3], [1, 2, 3, 4, 5]]
    assert dw[0] == [[0, 1], [2, 3]] and dw[-1] == [[0, 1], [4, 5]]
    sw, _ = qml.qchem.excitations_to_wires(s, d, wires=list("abcdef"))
    assert sw[0] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="Expected number of wires is 6; got 3"):
        qml.qchem.excitations_to_wires(s, d, wires=[0, 1, 2])
    with pytest.raises(ValueError, match="can not be both empty"):
        qml.qchem.excitations_to_wires([], [])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        qml.qchem.excitations_to_wires([[0, 1, 2]], [])


def test_active_space():
    assert qml.qchem.active_space(10, 7, active_electrons=4, active_orbitals=4) == ([0, 1, 2], [3, 4, 5, 6])
    assert qml.qchem.active_space(2, 2) == ([], [0, 1])
    with pytest.raises(ValueError, match="should be even"):
        qml.qchem.active_space(10, 7, active_electrons=3)
    with pytest.raises(ValueError, match="no virtual orbitals"):
        qml.qchem.active_space(10, 7, active_electrons=4, active_orbitals=2)


# ---- integrals --------------------------------------------------------------------------------

def test_boys_function_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    ts = np.array([0.0, 1e-9, 0.3, 2.0, 11.0, 29.99, 30.01, 45.0, 120.0])
    for n in range(5):
        ours = ints.boys(n, ts)
        for t, v in zip(ts, ours):
            ref = mpmath.quad(lambda u: u ** (2 * n) * mpmath.exp(-t * u * u), [0, 1])
            assert v == pytest.approx(float(ref), rel=1e-13, abs=1e-300)


def test_h2_integrals_are_szabo_and_ostlunds():
    mol = qml.qchem.Molecule(*H2)
    S = qml.qchem.overlap_matrix(mol.basis_set)()
    T = qml.qchem.kinetic_matrix(mol.basis_set)()
    V1 = ints.attraction(mol.basis_set, [1], [H2[1][0]])  # nucleus 1 only
    eri = qml.qchem.repulsion_tensor(mol.basis_set)()
    assert S[0, 1] == pytest.approx(0.6593, abs=1e-4)
    assert (T[0, 0], T[0, 1]) == pytest.approx((0.7600, 0.2365), abs=1e-4)
    assert (V1[0, 0], V1[0, 1], V1[1, 1]) == pytest.approx((-1.2266, -0.5974, -0.6538), abs=1e-4)
    assert (eri[0, 0, 0, 0], eri[0, 0, 1, 1], eri[1, 0, 1, 0], eri[1, 0, 0, 0]) == \
        pytest.approx((0.7746, 0.5697, 0.2970, 0.4441), abs=1e-4)
    energies = qml.qchem.scf(mol)()[0]
    assert energies == pytest.approx([-0.578, 0.6703], abs=1e-3)
    assert float(qml.qchem.hf_energy(mol)()) == pytest.approx(-1.1167, abs=1e-4)


def test_p_orbital_integrals_are_symmetric_under_rotation():
    # rotating the molecule rotates the p orbitals among themselves: the overlap, core and
    # repulsion matrices change by the same orthogonal map, and the energies do not
    symbols, geo = WATER
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0],
                    [0, 0, 1.0]]) @ np.array([[1, 0, 0], [0, np.cos(0.3), -np.sin(0.3)],
                                                [0, np.sin(0.3), np.cos(0.3)]])
    a = qml.qchem.Molecule(symbols, geo)
    b = qml.qchem.Molecule(symbols, geo @ rot.T + np.array([0.3, -1.0, 2.0]))
    U = np.eye(7)
    U[2:5, 2:5] = rot  # O's 2px, 2py, 2pz
    for build in (ints.overlap, ints.kinetic):
        assert np.allclose(build(b.basis_set), U @ build(a.basis_set) @ U.T, atol=1e-12)
    eri_a, eri_b = ints.repulsion(a.basis_set), ints.repulsion(b.basis_set)
    assert np.allclose(eri_b, np.einsum("ai,bj,ijkl,ck,dl->abcd", U, U, eri_a, U, U), atol=1e-12)
    assert float(qml.qchem.hf_energy(a)()) == pytest.approx(float(qml.qchem.hf_energy(b)()), abs=1e-9)


# ---- Hamiltonians ---------------------------------------------------------------------------

@pytest.mark.parametrize("bohr_length, energy", [
    (0.74 / qml.qchem.BOHR_TO_ANG, -1.137283834),   # OpenFermion's H2 at 0.74 A, full CI
    (0.735 / qml.qchem.BOHR_TO_ANG, -1.137306036),  # Qiskit Nature's H2 at 0.735 A
])
def test_h2_full_ci_energy_is_the_published_one(bohr_length, energy):
    H, qubits = qml.qchem.molecular_hamiltonian(["H", "H"], np.array([0, 0, 0, 0, 0, bohr_length]))
    assert qubits == 4 and len(H.pauli_rep) == 15
    assert _ground(H, 4) == pytest.approx(energy, abs=2e-9)


def test_h2_hartree_fock_energy_is_pyscfs():
    mol = qml.qchem.Molecule(["H", "H"], np.array([[0, 0, 0], [0, 0, 0.74]]), unit="angstrom")
    assert float(qml.qchem.hf_energy(mol)()) == pytest.approx(-1.11675930740, abs=1e-9)


@pytest.mark.parametrize("symbols, geometry, kwargs", [
    (["H", "H", "H"], [0.028, 0.054, 0.0, 0.986, 1.610, 0.0, 1.855, 0.002, 0.0], {"charge": 1}),
    (["Li", "H"], [0, 0, 0, 0, 0, 3.0], {"active_electrons": 2, "active_orbitals": 3}),
])
def test_hamiltonian_symmetries_and_the_hartree_fock_energy(symbols, geometry, kwargs):
    H, n = qml.qchem.molecular_hamiltonian(symbols, np.array(geometry, dtype=float), **kwargs)
    M = qml.matrix(H, wire_order=range(n))
    assert np.allclose(M, M.conj().T)
    number, sz = _number_operators(n)
    assert np.allclose(M @ number, number @ M) and np.allclose(M @ sz, sz @ M)
    # <HF|H|HF> is the Hartree-Fock energy of the SCF (the frozen core included)
    electrons = kwargs.get("active_electrons", sum({"H": 1, "Li": 3}[s] for s in symbols)
                           - kwargs.get("charge", 0))
    bits = qml.qchem.hf_state(electrons, n)
    index = int("".join(map(str, bits)), 2)
    mol = qml.qchem.Molecule(symbols, np.array(geometry, dtype=float), charge=kwargs.get("charge", 0))
    e_hf = float(qml.qchem.hf_energy(mol)())
    assert M[index, index].real == pytest.approx(e_hf, abs=1e-9)
    # the lowest state with the molecule's electrons (the Fock space also holds other
    # charges) lies below Hartree-Fock, and the Hartree-Fock state is in that sector
    sector = np.isclose(np.diag(number).real, electrons)
    assert sector[index]
    assert np.linalg.eigvalsh(M[np.ix_(sector, sector)])[0] < e_hf - 1e-4


def test_a_molecule_object_and_wire_labels():
    mol = qml.qchem.Molecule(*H2)
    H1, n1 = qml.qchem.molecular_hamiltonian(mol)
    H2_, n2 = qml.qchem.molecular_hamiltonian(molecule=mol, wires=["a", "b", "c", "d"])
    assert n1 == n2 == 4 and set(H2_.wires) == {"a", "b", "c", "d"}
    assert np.allclose(qml.matrix(H1, wire_order=range(4)),
                       qml.matrix(H2_, wire_order=list("abcd")))
    Hp, _ = qml.qchem.molecular_hamiltonian(mol, mapping="parity")
    assert _ground(Hp, 4) == pytest.approx(_ground(H1, 4), abs=1e-12)


def test_vqe_on_h2_reaches_the_full_ci_energy():
    symbols, geo = H2
    H, qubits = qml.qchem.molecular_hamiltonian(symbols, geo)
    dev = qml.device("default.qubit", wires=qubits)

    @qml.qnode(dev)
    def energy(theta):
        qml.BasisState(qml.qchem.hf_state(2, qubits), wires=range(qubits))
        qml.DoubleExcitation(theta, wires=[0, 1, 2, 3])
        return qml.expval(H)

    opt = qml.GradientDescentOptimizer(stepsize=0.4)
    theta = qml.numpy.array(0.0, requires_grad=True)
    for _ in range(60):
        theta = opt.step(energy, theta)
    assert float(energy(theta)) == pytest.approx(_ground(H, qubits), abs=1e-8)


@pytest.mark.parametrize("call, error, match", [
    (lambda: qml.qchem.molecular_hamiltonian(*H2, args=[H2[1] + 0.1]), qml.DifferentiationError, "derivatives"),
    (lambda: qml.qchem.molecular_hamiltonian(*H2, charge=1), ValueError, "Open-shell"),
    (lambda: qml.qchem.molecular_hamiltonian(*H2, basis="6-31g*"), ValueError,
     "only supported basis sets are 'sto-3g', '6-31g', '6-311g' and 'cc-pvdz'"),
    (lambda: qml.qchem.molecular_hamiltonian(*H2, method="pyscf"), ValueError, "method='dhf'"),
    (lambda: qml.qchem.molecular_hamiltonian(*H2, mapping="xyz"), ValueError, "not supported"),
    (lambda: qml.qchem.molecular_hamiltonian(["Na", "H"], np.zeros(6)), ValueError, "Na"),
    (lambda: qml.qchem.molecular_hamiltonian(), ValueError, "do not contain information"),
    (lambda: qml.qchem.Molecule(*H2, unit="pm"), ValueError, "unit"),
    # made as PennyLane makes it; its basis functions and functions refuse it
    (lambda: qml.qchem.Molecule(["H", "H"], np.zeros(5)).basis_set, ValueError,
     "need 6 coordinates"),
    (lambda: qml.qchem.molecular_hamiltonian(["H", "H"], np.zeros(5)), ValueError,
     "does not match the number of atoms"),
    (lambda: qml.qchem.molecular_hamiltonian(["H", "H"], np.zeros(6)), ValueError, "same position"),
    # NaN coordinates reached the eigensolver: "Eigenvalues did not converge"
    (lambda: qml.qchem.molecular_hamiltonian(["H", "H"], np.array([0, 0, -0.7, 0, 0, np.nan])),
     ValueError, "`coordinates` has NaN or infinite values"),
    (lambda: qml.qchem.Molecule(["H", "H"], np.array([0, 0, 0, 0, 0, np.inf])), ValueError,
     "NaN or infinite"),
])
def test_what_qsym_does_not_provide_says_so(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_args_that_repeat_the_molecules_parameters_change_nothing():
    mol = qml.qchem.Molecule(*H2)
    plain = qml.qchem.electron_integrals(mol)()
    repeated = qml.qchem.electron_integrals(mol)(H2[1], np.array(mol.alpha))
    assert all(np.allclose(a, b) for a, b in zip(plain, repeated))
    with pytest.raises(qml.DifferentiationError, match="derivatives"):
        qml.qchem.electron_integrals(mol)(np.array(mol.alpha) * 1.01)


def test_a_gradient_through_the_coordinates_is_refused():
    def energy(x):
        H, n = qml.qchem.molecular_hamiltonian(["H", "H"], x)
        return 0.0

    with pytest.raises(qml.DifferentiationError, match="derivatives"):
        qml.grad(energy)(qml.numpy.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.4], requires_grad=True))


def test_number_and_spin_observables_count_electrons_and_spin():
    n = 4
    N = qml.matrix(qml.qchem.particle_number(n), wire_order=range(n))
    Sz = qml.matrix(qml.qchem.spinz(n), wire_order=range(n))
    S2 = qml.matrix(qml.qchem.spin2(2, n), wire_order=range(n))
    for index in range(2 ** n):
        bits = [int(b) for b in f"{index:04b}"]
        assert N[index, index].real == pytest.approx(sum(bits))
        assert Sz[index, index].real == pytest.approx(0.5 * (bits[0] + bits[2] - bits[1] - bits[3]))
    # two electrons in two spatial orbitals: S^2 has eigenvalues 0 (singlets) and 2 (triplets)
    two = [i for i in range(16) if bin(i).count("1") == 2]
    w = np.linalg.eigvalsh(S2[np.ix_(two, two)])
    assert np.allclose(sorted(w), [0, 0, 0, 2, 2, 2])
    with pytest.raises(ValueError, match="'orbitals' must be greater than 0"):
        qml.qchem.spinz(0)


# ---- against PennyLane ----------------------------------------------------------------------

@pytest.mark.parametrize("symbols, geometry, kwargs", [
    (["H", "H"], [0.0, 0.0, -0.6614, 0.0, 0.0, 0.6614], {}),
    (["H", "H", "H"], [0.028, 0.054, 0.0, 0.986, 1.610, 0.0, 1.855, 0.002, 0.0], {"charge": 1}),
    (WATER[0], WATER[1].ravel().tolist(), {"active_electrons": 4, "active_orbitals": 4}),
])
def test_hamiltonians_agree_with_pennylane(symbols, geometry, kwargs):
    pl = pytest.importorskip("pennylane")
    ours, n1 = qml.qchem.molecular_hamiltonian(symbols, np.array(geometry), **kwargs)
    theirs, n2 = pl.qchem.molecular_hamiltonian(symbols, pl.numpy.array(geometry, requires_grad=False), **kwargs)
    a = {frozenset(w.items()): float(np.real(c)) for w, c in ours.pauli_rep.items()}
    b = {frozenset(w.items()): float(np.real(c)) for w, c in pl.pauli.pauli_sentence(theirs).items()}
    assert n1 == n2 and a.keys() == b.keys()
    assert max(abs(a[k] - b[k]) for k in a) < 1e-8
