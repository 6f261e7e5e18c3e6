"""Qubit tapering (issue #18, sixth demo round): qml.symmetry_generators, qml.paulix_ops,
qml.taper, qml.taper_operation, qml.qchem.optimal_sector / taper_hf / clifford.

Independent facts: the generators commute with every term and are independent (matrices);
the spectra of the tapered Hamiltonians over all 2^k sectors together are the spectrum of
the full Hamiltonian (numpy.linalg.eigvalsh of both); the tapered Hartree-Fock state has
the Hartree-Fock energy; a tapered circuit gives the full circuit's energy at any angles,
and its gradient agrees with finite differences; PennyLane's own functions where installed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp

# H2 (STO-3G, R = 1.3228 Bohr): PennyLane's Jordan-Wigner Hamiltonian written out
H2_TERMS = [(-0.042072551947439224, ""), (0.1777135822909176, "Z0"), (0.1777135822909176, "Z1"),
            (0.17059759276836803, "Z0 Z1"), (-0.2427450126094144, "Z2"),
            (0.12293330449299361, "Z0 Z2"), (0.16768338855601356, "Z1 Z2"),
            (0.044750084063019925, "Y0 X1 X2 Y3"), (-0.044750084063019925, "Y0 Y1 X2 X3"),
            (-0.044750084063019925, "X0 X1 Y2 Y3"), (0.044750084063019925, "X0 Y1 Y2 X3"),
            (-0.2427450126094144, "Z3"), (0.16768338855601356, "Z0 Z3"),
            (0.12293330449299361, "Z1 Z3"), (0.1762766139418181, "Z2 Z3")]


def _build(lib, terms):
    ops = []
    for _, word in terms:
        factors = [getattr(lib, "Pauli" + w[0])(int(w[1:])) for w in word.split()]
        ops.append(lib.prod(*factors) if len(factors) > 1 else
                   factors[0] if factors else lib.Identity(0))
    return lib.Hamiltonian([c for c, _ in terms], ops)


def _mat(op, n):
    return qml.matrix(op, wire_order=range(n))


@pytest.fixture(scope="module")
def h2():
    return _build(qml, H2_TERMS)


def test_generators_commute_with_every_term_and_are_independent(h2):
    gens = qml.symmetry_generators(h2)
    assert len(gens) == 3  # 2n - rank of the binary matrix (n = 4, rank 5)
    H = _mat(h2, 4)
    for g in gens:
        G = _mat(g, 4)
        assert np.allclose(G @ H, H @ G)
        for _, word in H2_TERMS[1:]:
            T = _mat(_build(qml, [(1.0, word)]), 4)
            assert np.allclose(G @ T, T @ G)
    # independent: no product of a non-empty subset is the identity (up to a phase)
    for k in range(1, len(gens) + 1):
        for subset in itertools.combinations(gens, k):
            P = np.linalg.multi_dot([_mat(g, 4) for g in subset] + [np.eye(16)])
            assert not np.allclose(abs(np.trace(P)), 16)


def test_paulix_ops_anticommute_with_their_generator_only(h2):
    gens = qml.symmetry_generators(h2)
    xs = qml.paulix_ops(gens, 4)
    for i, x in enumerate(xs):
        X = _mat(x, 4)
        for j, g in enumerate(gens):
            G = _mat(g, 4)
            assert np.allclose(X @ G, (-1 if i == j else 1) * G @ X)


def test_sectors_together_hold_the_whole_spectrum(h2):
    gens = qml.symmetry_generators(h2)
    xs = qml.paulix_ops(gens, 4)
    full = np.linalg.eigvalsh(_mat(h2, 4))
    parts = []
    for sector in itertools.product((1, -1), repeat=len(gens)):
        tapered = qml.taper(h2, gens, xs, list(sector))
        assert len(tapered.wires) == 1 and list(tapered.wires) == [0]
        parts += list(np.linalg.eigvalsh(_mat(tapered, 1)))
    assert np.allclose(np.sort(parts), full, atol=1e-12)


def test_optimal_sector_holds_the_ground_state_and_hf_state_tapers(h2):
    gens = qml.symmetry_generators(h2)
    xs = qml.paulix_ops(gens, 4)
    sector = qml.qchem.optimal_sector(h2, gens, 2)
    tapered = qml.taper(h2, gens, xs, sector)
    # ground state of H2 (2 electrons, Sz = 0): the lowest eigenvalue of H restricted to
    # the two-electron states, computed from the full matrix
    H = _mat(h2, 4)
    two = [i for i in range(16) if bin(i).count("1") == 2]
    ground = np.linalg.eigvalsh(H[np.ix_(two, two)])[0]
    assert np.isclose(np.linalg.eigvalsh(_mat(tapered, 1))[0], ground, atol=1e-12)
    hf = qml.qchem.taper_hf(gens, xs, sector, 2, 4)
    assert hf.shape == (1,)
    e_hf_full = H[12, 12].real  # |1100>
    v = np.zeros(2)
    v[int(hf[0])] = 1.0
    assert np.isclose(v @ _mat(tapered, 1).real @ v, e_hf_full, atol=1e-12)


def test_tapered_circuit_gives_the_full_energy_and_its_gradient(h2):
    gens = qml.symmetry_generators(h2)
    xs = qml.paulix_ops(gens, 4)
    sector = qml.qchem.optimal_sector(h2, gens, 2)
    tapered = qml.taper(h2, gens, xs, sector)
    hf = qml.qchem.taper_hf(gens, xs, sector, 2, 4)
    double = qml.taper_operation(qml.DoubleExcitation, gens, xs, sector, wire_order=range(4),
                                 op_wires=[0, 1, 2, 3])

    @qml.qnode(qml.device("default.qubit", wires=4))
    def full(t):
        qml.BasisState(np.array([1, 1, 0, 0]), wires=range(4))
        qml.DoubleExcitation(t, wires=[0, 1, 2, 3])
        return qml.expval(h2)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def small(t):
        qml.BasisState(hf, wires=[0])
        double(t)
        return qml.expval(tapered)

    for t in (0.0, 0.37, -1.2, 2.9):
        assert np.isclose(small(t), full(t), atol=1e-12)
    t = pnp.array(0.41, requires_grad=True)
    fd = (small(0.41 + 1e-6) - small(0.41 - 1e-6)) / 2e-6
    assert np.isclose(qml.grad(small)(t), fd, atol=1e-7)


def test_taper_operation_of_a_gate_and_of_a_breaking_generator(h2):
    gens = qml.symmetry_generators(h2)
    xs = qml.paulix_ops(gens, 4)
    sector = qml.qchem.optimal_sector(h2, gens, 2)
    ops = qml.taper_operation(qml.DoubleExcitation(0.8, wires=[0, 1, 2, 3]), gens, xs, sector,
                              wire_order=range(4))
    assert [op.name for op in ops] == ["Exp"] and ops[0].wires.tolist() == [0]
    # the single excitation 0 -> 1 flips the spin: it breaks the symmetries, no gates
    assert qml.taper_operation(qml.SingleExcitation(0.8, wires=[0, 1]), gens, xs, sector,
                               wire_order=range(4)) == []
    with pytest.raises(qml.errors.ArgumentError, match="op_wires"):
        qml.taper_operation(qml.SingleExcitation, gens, xs, sector, wire_order=range(4))


def test_errors_and_the_warning_for_an_operator_breaking_the_symmetry(h2):
    gens = qml.symmetry_generators(h2)
    xs = qml.paulix_ops(gens, 4)
    with pytest.raises(qml.errors.ArgumentError, match="one eigenvalue"):
        qml.taper(h2, gens, xs, [1, -1])
    with pytest.raises(qml.errors.ArgumentError, match=r"\+1 or -1"):
        qml.taper(h2, gens, xs, [1, 0, -1])
    with pytest.raises(qml.errors.ArgumentError, match="alone"):
        qml.paulix_ops([qml.Z(0) @ qml.Z(1), qml.Z(0) @ qml.Z(1) @ qml.Z(2)], 3)
    with pytest.warns(UserWarning, match="does not commute with the symmetry generators"):
        qml.taper(qml.X(0), gens, xs, [1, 1, 1])
    with pytest.raises(qml.errors.ArgumentError, match="greater than zero"):
        qml.qchem.optimal_sector(h2, gens, 0)


def test_same_as_pennylane(h2):
    pl = pytest.importorskip("pennylane")
    H_pl = _build(pl, H2_TERMS)
    g_pl = pl.symmetry_generators(H_pl)
    g_q = qml.symmetry_generators(h2)
    assert [str(g) for g in g_q] == [str(g) for g in g_pl]
    x_pl, x_q = pl.paulix_ops(g_pl, 4), qml.paulix_ops(g_q, 4)
    assert [str(x) for x in x_q] == [str(x) for x in x_pl]
    s_pl = pl.qchem.optimal_sector(H_pl, g_pl, 2)
    assert qml.qchem.optimal_sector(h2, g_q, 2) == s_pl
    t_pl = pl.matrix(pl.taper(H_pl, g_pl, x_pl, s_pl), wire_order=[0])
    assert np.allclose(_mat(qml.taper(h2, g_q, x_q, s_pl), 1), t_pl, atol=1e-12)
    assert np.array_equal(qml.qchem.taper_hf(g_q, x_q, s_pl, 2, 4),
                          pl.qchem.taper_hf(g_pl, x_pl, s_pl, 2, 4))


def test_exp_with_a_circuit_input_in_its_coefficient():
    """qml.exp(P, 1j * t) and a Pauli sentence scaled by an input (the tapered gates, the
    mapping demo's excitations): exp(i t Y) = RY(-2t), so <Z> = cos(2t)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(t):
        qml.exp(qml.Y(0), 1j * t)
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def g(t):
        word = qml.pauli.PauliSentence({qml.pauli.PauliWord({0: "Y"}): 0.5j})
        qml.exp((word * t).operation())
        return qml.expval(qml.Z(0))

    t = pnp.array(0.3, requires_grad=True)
    assert np.isclose(f(t), np.cos(0.6)) and np.isclose(qml.grad(f)(t), -2 * np.sin(0.6))
    assert np.isclose(g(t), np.cos(0.3)) and np.isclose(qml.grad(g)(t), -np.sin(0.3))

    @qml.qnode(dev)
    def bad(t):
        qml.exp(qml.Y(0), t)  # real coefficient: not unitary
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.errors.GateError, match="not unitary"):
        bad(t)
