"""qml.spin: lattices and lattice Hamiltonians, checked against hand-written edges, matrices
built here with NumPy (Kronecker products of 2x2 matrices, fermions by hand), and
mapping-independent facts (the three fermion encodings give the same spectrum; the
Hubbard interaction counts doubly occupied sites)."""

import functools

import numpy as np
import pytest

import qsym as qml
from qsym import spin
from qsym.errors import ArgumentError

I2 = np.eye(2)
PX = np.array([[0, 1], [1, 0]], dtype=complex)
PY = np.array([[0, -1j], [1j, 0]])
PZ = np.diag([1.0, -1.0]).astype(complex)


def on(n, **factors):
    """The Kronecker product on n qubits (wire 0 leftmost) of {wire: 2x2 matrix}."""
    return functools.reduce(np.kron, [factors.get(f"w{w}", I2) for w in range(n)])


def mat(H, n):
    return qml.matrix(H, wire_order=range(n))


def test_lattice_edges_by_hand():
    # square 2x2, open: sites 0 1 / 2 3 (the last axis fastest)
    assert sorted(spin.generate_lattice("square", [2, 2]).edges) == [
        (0, 1, 0), (0, 2, 0), (1, 3, 0), (2, 3, 0)]
    # a periodic chain of 4: the ring, and the next-nearest shell with order 1
    ring = spin.generate_lattice("chain", [4], boundary_condition=True, neighbour_order=2)
    assert sorted(ring.edges) == [(0, 1, 0), (0, 2, 1), (0, 3, 0), (1, 2, 0), (1, 3, 1),
                                  (2, 3, 0)]
    honey = spin.generate_lattice("honeycomb", [2, 1])  # two cells along a1
    assert honey.n_sites == 4 and sorted(honey.edges) == [(0, 1, 0), (1, 2, 0), (2, 3, 0)]


def test_custom_edges_repeat_in_every_cell_and_wrap():
    lat = spin.Lattice([3], [[1.0]], custom_edges=[[(0, 1), ("XY", 0.5)]])
    assert lat.edges == [(0, 1, ("XY", 0.5)), (1, 2, ("XY", 0.5))]
    ring = spin.Lattice([3], [[1.0]], boundary_condition=True, custom_edges=[[(0, 1)]])
    assert ring.edges == [(0, 1, 0), (1, 2, 0), (2, 0, 0)]


@pytest.mark.parametrize("call, message", [
    (lambda: spin.Lattice([2, 0], np.eye(2)), "n_cells"),
    (lambda: spin.Lattice([2], [1.0]), "dimensions of vectors"),
    (lambda: spin.Lattice([2, 2], np.eye(2), boundary_condition=[True]), "boundary_condition"),
    (lambda: spin.generate_lattice("octagon", [2]), "not supported"),
    (lambda: spin.generate_lattice("square", [2]), "dimension"),
    (lambda: spin.transverse_ising("chain", [3], coupling=[1.0, 2.0]), r"\(1,\) or \(3,3\)"),
    (lambda: spin.fermi_hubbard("chain", [2], mapping="bk_sf"), "'bk_sf' transformation"),
    (lambda: spin.spin_hamiltonian(spin.generate_lattice("chain", [2])), "Custom edges"),
])
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises(ArgumentError, match=message):
        call()


def test_transverse_ising_and_heisenberg_matrices():
    n, J, h = 3, 0.7, 0.3
    want = sum(-J * on(n, **{f"w{i}": PZ, f"w{i + 1}": PZ}) for i in range(n - 1))
    want = want + sum(-h * on(n, **{f"w{i}": PX}) for i in range(n))
    assert np.allclose(mat(spin.transverse_ising("chain", [n], coupling=J, h=h), n), want)
    c = [0.2, 0.5, -1.1]
    H = spin.heisenberg("chain", [n], coupling=c)
    want = sum(c[k] * on(n, **{f"w{i}": P, f"w{i + 1}": P})
               for i in range(n - 1) for k, P in enumerate((PX, PY, PZ)))
    assert np.allclose(mat(H, n), want)


def fermion_matrices(n):
    """Annihilation operators on n modes written with explicit sign strings."""
    lower = np.array([[0, 1], [0, 0]], dtype=complex)  # |0><1|: removes a particle
    return [on(n, **{f"w{k}": PZ for k in range(j)}, **{f"w{j}": lower}) for j in range(n)]


def test_fermi_hubbard_jordan_wigner_by_hand():
    t, U = 0.4, 1.3
    a = fermion_matrices(4)  # sites 0, 1; mode 2 i + s
    d = lambda m: m.conj().T  # noqa: E731
    want = sum(-t * (d(a[s]) @ a[2 + s] + d(a[2 + s]) @ a[s]) for s in range(2))
    want = want + sum(U * d(a[2 * i]) @ a[2 * i] @ d(a[2 * i + 1]) @ a[2 * i + 1] for i in range(2))
    assert np.allclose(mat(spin.fermi_hubbard("chain", [2], hopping=t, coulomb=U), 4), want)


@pytest.mark.parametrize("build", [
    lambda m: spin.fermi_hubbard("square", [2, 1], hopping=0.3, coulomb=0.9, mapping=m),
    lambda m: spin.emery("chain", [3], hopping=0.5, coulomb=0.2, intersite_coupling=0.7, mapping=m),
    lambda m: spin.haldane("chain", [3], hopping=1.0, hopping_next=0.4, phi=0.3, mapping=m),
])
def test_the_three_encodings_have_one_spectrum(build):
    mats = [mat(build(m), 6) for m in ("jordan_wigner", "parity", "bravyi_kitaev")]
    for m in mats:
        assert np.allclose(m, m.conj().T)
    spectra = [np.linalg.eigvalsh(m) for m in mats]
    assert np.allclose(spectra[0], spectra[1]) and np.allclose(spectra[0], spectra[2])


@pytest.mark.parametrize("mapping", ["jordan_wigner", "parity", "bravyi_kitaev"])
def test_hubbard_interaction_counts_double_occupations(mapping):
    # no hopping: the energies are U times the number of doubly occupied sites (3 sites)
    H = spin.fermi_hubbard("chain", [3], hopping=0.0, coulomb=2.0, mapping=mapping)
    values, counts = np.unique(np.round(np.linalg.eigvalsh(mat(H, 6)), 9), return_counts=True)
    # k doubly occupied of 3 sites, each other site in 3 states: C(3, k) 3^(3-k)
    assert list(values) == [0.0, 2.0, 4.0, 6.0] and list(counts) == [27, 27, 9, 1]


def test_kitaev_and_spin_hamiltonian_from_custom_edges():
    # 2x2 honeycomb cells, site 4 c0 + 2 c1 + s: XX inside each cell, YY from site 1 to the
    # next cell along a2 (site 2), ZZ from site 1 to the next cell along a1 (site 4)
    H = spin.kitaev([2, 2], coupling=[0.5, 0.6, 0.7])
    n = 8
    pairs = {id(PX): [(0, 1), (2, 3), (4, 5), (6, 7)], id(PY): [(1, 2), (5, 6)], id(PZ): [(1, 4), (3, 6)]}
    want = sum(c * on(n, **{f"w{i}": P, f"w{j}": P})
               for c, P in ((0.5, PX), (0.6, PY), (0.7, PZ)) for i, j in pairs[id(P)])
    assert np.allclose(mat(H, n), want)
    lat = spin.Lattice([2], [[1.0]], custom_edges=[[(0, 1), ("XZ", 0.25)]],
                       custom_nodes=[[0, ("Y", 0.5)], [1, ("X", -1.0)]])
    want = 0.25 * on(2, w0=PX, w1=PZ) + 0.5 * on(2, w0=PY) - on(2, w1=PX)
    assert np.allclose(mat(spin.spin_hamiltonian(lat), 2), want)


def test_a_hamiltonian_is_measured_in_a_qnode():
    H = spin.transverse_ising("chain", [2], coupling=1.0, h=0.5)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def energy(x):
        qml.RY(x, wires=0)
        return qml.expval(H)

    # RY(x)|0> on wire 0: <Z0 Z1> = cos x, <X0> = sin x, <X1> = 0
    x = 0.3
    assert np.isclose(energy(x), -np.cos(x) - 0.5 * np.sin(x))
