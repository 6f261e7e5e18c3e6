"""``qml.estimator`` (PennyLane's QPE resource estimators) and ``qml.qchem.factorize``.

References are independent of the code under test: values worked out by hand from the
papers' formulas (Su et al., PRX Quantum 2, 040332 (2021); von Burg et al., PRX Quantum 2,
030305 (2021); Koridon et al., Phys. Rev. Research 3, 033055 (2021)), formulas recomputed
here in plain arithmetic (the double integral of ``lambda_nu`` in closed form, by the
inverse tangent integral), and the example numbers of PennyLane 0.45's docstrings.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qsym as qml

FQ = qml.estimator.FirstQuantization
DF = qml.estimator.DoubleFactorization
CATALAN = 0.915965594177219015054603514932


def ti2(u: float) -> float:
    """The inverse tangent integral ``int_0^u arctan(t)/t dt`` by its series (u < 1)."""
    return sum((-1) ** k * u ** (2 * k + 1) / (2 * k + 1) ** 2 for k in range(400))


def square_integral(a: float) -> float:
    """``int_1^a int_1^a dx dy / (x^2 + y^2) = Ti2(a) + Ti2(1/a) - 2 Ti2(1)`` and
    ``Ti2(a) = Ti2(1/a) + pi/2 ln a``."""
    return 2 * ti2(1 / a) + math.pi / 2 * math.log(a) - 2 * CATALAN


def bits(x: float) -> int:
    """The smallest ``b`` with ``2**b >= x``."""
    b = 0
    while 2**b < x:
        b += 1
    return b


def success(n: int, br: int) -> float:
    """Eqs. (59, 60) of Su et al."""
    c = n / 2 ** bits(n)
    step = 2 * math.pi / 2**br
    theta = step * round(math.asin(math.sqrt(1 / (4 * c))) / step)
    return c * ((1 + (2 - 4 * c) * math.sin(theta) ** 2) ** 2 + math.sin(2 * theta) ** 2)


def test_the_square_integral_closed_form_against_a_midpoint_sum():
    a, m = 3.0, 1500  # the reference itself, checked once by brute force
    x = 1 + (np.arange(m) + 0.5) * (a - 1) / m
    brute = np.sum(1 / (x[:, None] ** 2 + x[None, :] ** 2)) * ((a - 1) / m) ** 2
    assert square_integral(a) == pytest.approx(brute, rel=1e-6)


def test_success_probability():
    # a power of two: c = 1 and p = cos^2(2 theta) + sin^2(2 theta) = 1
    assert FQ.success_prob(4, 7) == pytest.approx(1.0, abs=1e-15)
    assert FQ.success_prob(3, 8) == pytest.approx(0.9999928850303523, abs=1e-15)  # PennyLane's doc
    assert FQ.success_prob(11, 5) == pytest.approx(success(11, 5), abs=1e-15)


def test_cost_of_erasing_a_qrom():
    # lz = 100: k = 3 gives 8 + ceil(100/8) = 21, k = 4 gives 16 + 7 = 23
    assert FQ._cost_qrom(100) == 21
    assert FQ._cost_qrom(5) == 5  # k = 1: 2 + 3; k = 2: 4 + 2 = 6
    with pytest.raises(ValueError, match="sum of the atomic numbers must be a positive integer"):
        FQ._cost_qrom(2.5)


def cubic_norm(n, eta, omega, error, br=7, charge=0):
    """Eq. (126) of Su et al., with Eqs. (25), (63), (71), (113), (124), (129), (132)."""
    lz = eta + charge
    n_p = bits(n ** (1 / 3) + 1)
    a = n ** (1 / 3)
    lam_nu = 4 * math.pi * (math.sqrt(3) * a / 2 - 1) + 3 - 3 / a + 3 * square_integral(a)
    poly = 7 * 2 ** (n_p + 1) - 9 * n_p - 11 - 3 / 2**n_p
    n_m = math.floor(math.log2(2 * eta * (eta - 1 + 2 * lz) * poly
                               / (0.01 * error * math.pi * omega ** (1 / 3))))
    scale = (lam_nu + 4 * poly / 2**n_m) / lam_nu
    lam_u = scale * eta * lz * lam_nu / (math.pi * omega ** (1 / 3))
    lam_v = scale * eta * (eta - 1) * lam_nu / (2 * math.pi * omega ** (1 / 3))
    lam_t = 6 * eta * math.pi**2 * 4 ** (n_p - 1) / omega ** (2 / 3)
    p_amp = math.sin(3 * math.asin(math.sqrt(0.2398))) ** 2
    p_eq = success(3, 8) * success(3 * eta + 2 * charge, br) * success(eta, br) ** 2
    return max(lam_t + lam_u + lam_v, (lam_u + lam_v / (1 - 1 / eta)) / p_amp) / p_eq


@pytest.mark.parametrize("n, eta, omega, error, charge", [
    (27, 2, 8.0, 0.1, 0), (1000, 10, 50.0, 0.01, 1), (100000, 156, 169.69608, 0.01, 0)])
def test_first_quantization_norm_by_the_papers_formulas(n, eta, omega, error, charge):
    assert FQ.norm(n, eta, omega, error, charge=charge) == pytest.approx(
        cubic_norm(n, eta, omega, error, charge=charge), rel=1e-12)


def test_first_quantization_pennylane_examples():
    # the example numbers of PennyLane 0.45's docstrings
    assert FQ.norm(10000, 156, 1145.166, 0.001) == pytest.approx(281053.7561251118, rel=1e-12)
    assert FQ.unitary_cost(100000, 156, 169.69608, 0.01) == 17033
    assert FQ.estimation_cost(100000, 156, 1145.166, 0.01) == 102133985
    assert FQ.gate_cost(100000, 156, 169.69608, 0.01) == 3676557345574
    assert FQ.qubit_cost(100000, 156, 169.69608, 0.01) == 4377
    algo = FQ(100000, 156, vectors=10.46219511 * np.eye(3))
    assert algo.cubic and algo.lamb == pytest.approx(649912.4804278888, rel=1e-12)
    assert f"{algo.gates:.1e}" == "1.1e+13" and algo.qubits == 4416


def test_estimation_cost_is_pi_lambda_over_twice_the_qpe_error():
    n, eta, omega, error = 1000, 10, 50.0, 0.01
    error_qpe = math.sqrt(error**2 * (1 - 0.03**2))  # Eq. (131), three errors of 0.01
    expected = math.ceil(math.pi * cubic_norm(n, eta, omega, error) / (2 * error_qpe))
    assert FQ.estimation_cost(n, eta, omega, error) == expected
    assert FQ.gate_cost(n, eta, omega, error) == expected * FQ.unitary_cost(n, eta, omega, error)


def noncubic_norm(n, eta, error, vectors, br=7, charge=0):
    """Eq. (126) of Su et al. for a general cell (arXiv:2302.07981: Eqs. (F3), (I7), (J13),
    Appendix I.1), the fewest amplitude-amplification rounds with success above 0.95."""
    v = np.asarray(vectors, dtype=float)
    omega = abs(np.linalg.det(v))
    b = 2 * np.pi * np.linalg.inv(v).T  # reciprocal vectors: b_i . a_j = 2 pi delta_ij
    bmin = np.linalg.svd(b, compute_uv=False).min()
    gram = b @ b.T
    orthogonal = np.allclose(gram, np.diag(np.diag(gram)), atol=1e-9)
    lz, n_p, a = eta + charge, bits(n ** (1 / 3) + 1), n ** (1 / 3)
    poly = 7 * 2 ** (n_p + 1) - 9 * n_p - 11 - 3 / 2**n_p
    n_m = bits(8 * np.pi * eta * (eta - 1 + 2 * lz) * poly
               / (0.0248759298 * error * omega * bmin**2))
    lam_nu = (4 * math.pi * (math.sqrt(3) * a / 2 - 1) + 3 - 3 / a + 3 * square_integral(a)) / bmin**2
    lam_nu_1 = lam_nu + 4 * poly / (2**n_m * bmin**2)
    p_nu = lam_nu_1 * bmin**2 / 2 ** (n_p + 6)
    rounds = next(i for i in range(30) if math.sin((2 * i + 1) * math.asin(math.sqrt(p_nu))) ** 2 > 0.95)
    p_amp = math.sin((2 * rounds + 1) * math.asin(math.sqrt(p_nu))) ** 2
    lam_u = 4 * math.pi * eta * lz * lam_nu_1 / omega
    lam_v = 2 * math.pi * eta * (eta - 1) * lam_nu_1 / omega
    lam_t = np.abs(gram).sum() * eta * 4 ** (n_p - 1) / (4 if orthogonal else 2)
    p_eq = success(3 * eta + 2 * charge, br) * success(eta, br) ** 2
    if p_amp * lam_t >= (1 - p_amp) * (lam_u + lam_v):
        return (lam_t + lam_u + lam_v) / p_eq
    return (lam_u + lam_v / (1 - 1 / eta)) / p_amp / p_eq


@pytest.mark.parametrize("vectors", [np.diag([4.0, 5.0, 6.0]),
                                     [[0.0, 2.0, 2.0], [2.0, 0.0, 2.0], [2.0, 2.0, 0.0]]])
def test_non_cubic_cells(vectors):
    algo = FQ(1000, 10, vectors=np.array(vectors))
    assert not algo.cubic
    assert algo.omega == pytest.approx(abs(np.linalg.det(np.array(vectors))))
    assert algo.lamb == pytest.approx(noncubic_norm(1000, 10, 0.0016, vectors), rel=1e-12)
    error_qpe = math.sqrt(0.0016**2 * (1 - (4 * 0.0248759298) ** 2))
    calls = math.ceil(math.pi * algo.lamb / (2 * error_qpe))
    assert algo.gates % calls == 0 and algo.gates // calls > 0
    assert len(algo.wires) == algo.qubits > 0


def test_momentum_state_qrom_by_hand():
    # n_p = 2, n_m = 3, 40 dirty qubits, one Toffoli at a time: x = 64,
    # beta = min(floor(40/3), floor(sqrt(128/9))) = min(13, 3) = 3,
    # QROM = 2 ceil(64/3) + 3*3*3 = 44 + 27 = 71; total 2*71 + 3 + 8 + 12 + 2 + 4 + 3 + 2 = 176
    cost, beta = FQ._momentum_state_qrom(2, 3, 40, 1, 1)
    assert (cost, beta) == (176, 3)


def test_first_quantization_as_an_operation():
    with qml.queuing.AnnotatedQueue() as q:
        op = FQ(1, 2, 1)
    assert q.queue == [op] and isinstance(op, qml.operation.Operation)
    assert op.data == (1, 2) and list(op.wires) == list(range(op.qubits))
    assert (op.n, op.eta, op.omega, op.error, op.charge, op.br) == (1, 2, 1, 0.0016, 0, 7)
    again = type(op)._unflatten(*op._flatten())
    assert (again.lamb, again.gates, again.qubits) == (op.lamb, op.gates, op.qubits)
    algo = FQ(1000, 10, vectors=np.diag([4.0, 5.0, 6.0]))
    assert type(algo)._unflatten(*algo._flatten()).gates == algo.gates
    mapped = op.map_wires({0: "a", 1: "b"})
    assert list(mapped.wires[:3]) == ["a", "b", 2] and list(op.wires[:2]) == [0, 1]
    assert mapped.gates == op.gates
    qml.ops.functions.assert_valid(op)


@pytest.mark.parametrize("args, match", [
    ((0, 2, 1.0, 0.01), "plane waves must be a positive"),
    ((10, 2.5, 1.0, 0.01), "electrons must be a positive integer"),
    ((10, 2, -1.0, 0.01), "volume must be a positive"),
    ((10, 2, 1.0, 0.0), "error must be greater than zero"),
])
def test_first_quantization_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        FQ.norm(*args)


def test_first_quantization_needs_one_of_volume_and_vectors():
    with pytest.raises(ValueError, match="lattice vectors must be provided"):
        FQ(10, 2)
    with pytest.raises(ValueError, match="should not be provided together"):
        FQ(10, 2, omega=1.0, vectors=np.eye(3))
    with pytest.raises(ValueError, match="br must be a positive integer"):
        FQ.unitary_cost(10, 2, 1.0, 0.01, br=0)
    with pytest.raises(ValueError, match="charge must be an integer"):
        FQ.gate_cost(10, 2, 1.0, 0.01, charge=0.5)


# ------------------------------------------------------------------ double factorization

def qrom_brute(a, b, c, d, e):
    """The QROM cost of Eq. (C39) of von Burg et al. the way PennyLane's docstring describes
    it: the cheaper of the two powers of two either side of the continuous optimum
    ``sqrt((a + b + c) / d)`` (below 1 when ``d > a + b + c``: PennyLane takes ``k = 1/2``
    there, and so do its costs)."""
    opt = math.log2(math.sqrt((a + b + c) / d))
    return min((math.ceil((a + b) / k) + math.ceil(c / k) + d * (k + e), int(k))
               for k in (2.0 ** math.floor(opt), 2.0 ** math.ceil(opt)))


def test_qrom_cost():
    # (151, 7, 151, 30, -1): k = 2 costs 79 + 76 + 30 = 185, k = 4 costs 40 + 38 + 90 = 168
    assert DF._qrom_cost((151.0, 7.0, 151.0, 30.0, -1.0)) == (168, 4)
    # (26, 1, 0, 17, -1): sqrt(27/17) = 1.26, k = 1 costs 27 + 0 = 27, k = 2 costs 14 + 17 = 31
    assert DF._qrom_cost((26, 1, 0, 17, -1)) == (27, 1) == qrom_brute(26, 1, 0, 17, -1)


def df_unitary(n, r, m, mx, br=7, alpha=10, beta=20):
    """Eq. (C39) of von Burg et al., with Eqs. (C14, C15, C27, C29, C31)."""
    eta = max(j for j in range(8) if r % 2**j == 0)
    nxi, nl, nlxi = bits(mx), bits(r + 1), bits(r * m + n / 2)
    bp1, bo, bp2 = nl + alpha, nxi + nlxi + br + 1, nxi + alpha + 2
    rm = r * m
    cost = 9 * nl - 6 * eta + 12 * br + 34 * nxi + 8 * nlxi + 9 * alpha + 3 * n * beta - 6 * n - 43
    cost += qrom_brute(r, 1, 0, bp1, -1)[0] + qrom_brute(r, 1, 0, bo, -1)[0]
    cost += 2 * qrom_brute(r, 1, 0, 1, 0)[0] + qrom_brute(rm, n / 2, rm, n * beta, 0)[0]
    cost += 2 * qrom_brute(rm, n / 2, rm, 2, 0)[0] + qrom_brute(rm, n / 2, rm, 2 * bp2, -1)[0]
    return cost


def test_double_factorization_costs():
    # PennyLane 0.45's docstring examples
    assert DF.unitary_cost(14, 26, 5.5, 7) == 2007 == df_unitary(14, 26, 5.5, 7)
    assert DF.estimation_cost(72.49779513025341, 0.001) == 113880
    assert DF.gate_cost(14, 52.98761457453095, 0.001, 26, 5.5, 7) == 167048631
    assert DF.qubit_cost(14, 52.98761457453095, 0.001, 26, 5.5, 7) == 292
    assert DF.unitary_cost(4, 3, 2, 2) == df_unitary(4, 3, 2, 2)
    assert DF.unitary_cost(8, 12, 3.5, 4, br=6, alpha=9, beta=16) == \
        df_unitary(8, 12, 3.5, 4, br=6, alpha=9, beta=16)


def test_double_factorization_of_a_diagonal_tensor_by_hand():
    # V_0000 = a, V_1111 = b (chemist notation): factors sqrt(a) E00, sqrt(b) E11;
    # T = h - V_illj/2 + V_llij = diag(h0 + a/2, h1 + b/2); lambda = |T| + (a + b)/4
    a, b, h0, h1 = 0.6, 0.4, -1.2, -0.5
    two = np.zeros((2, 2, 2, 2))
    two[0, 0, 0, 0], two[1, 1, 1, 1] = a, b
    algo = DF(np.diag([h0, h1]), two, chemist_notation=True)
    assert algo.lamb == pytest.approx(abs(h0 + a / 2) + abs(h1 + b / 2) + (a + b) / 4)
    assert (algo.n, algo.rank_r, algo.rank_m, algo.rank_max) == (4, 2, 1, 1)
    assert sorted(float(abs(v[0])) for v in algo.eigvals) == pytest.approx([b**0.5, a**0.5])
    calls = math.ceil(math.pi * algo.lamb / (2 * 0.0016))
    assert algo.gates == calls * df_unitary(4, 2, 1, 1)
    assert list(algo.wires) == list(range(algo.qubits))
    again = type(algo)._unflatten(*algo._flatten())
    assert (again.gates, again.qubits) == (algo.gates, algo.qubits)


def test_double_factorization_takes_physicist_notation():
    two_chem = np.zeros((2, 2, 2, 2))
    two_chem[0, 0, 1, 1] = two_chem[1, 1, 0, 0] = 0.3
    two_chem[0, 0, 0, 0] = two_chem[1, 1, 1, 1] = 0.7
    two_phys = np.einsum("pqrs->psrq", two_chem)  # chemist V_pqrs = physicist h_psrq
    algo = DF(np.eye(2), two_phys)
    assert np.allclose(algo.two_electron, two_chem)
    assert algo.lamb == pytest.approx(DF(np.eye(2), two_chem, chemist_notation=True).lamb)


def test_double_factorization_bad_input():
    with pytest.raises(ValueError, match="positive even integer"):
        DF.unitary_cost(5, 3, 2, 2)
    with pytest.raises(ValueError, match="first factorization step must be a positive integer"):
        DF.unitary_cost(4, 2.5, 2, 2)
    with pytest.raises(ValueError, match="1-norm must be greater than zero"):
        DF.gate_cost(4, -1.0, 0.001, 3, 2, 2)
    with pytest.raises(ValueError, match="beta must be a positive integer"):
        DF.qubit_cost(4, 1.0, 0.001, 3, 2, 2, beta=0)


# ------------------------------------------------------------------ qml.qchem.factorize

@pytest.fixture(scope="module")
def h2_two():
    mol = qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    _, _, two = qml.qchem.electron_integrals(mol)()
    return np.swapaxes(two, 1, 3)  # chemist notation


@pytest.mark.parametrize("cholesky", [False, True])
def test_factorize_rebuilds_the_tensor(h2_two, cholesky):
    factors, cores, leaves = qml.qchem.factorize(h2_two, 1e-10, 1e-10, cholesky=cholesky)
    assert np.allclose(np.einsum("rij,rkl->ijkl", factors, factors), h2_two, atol=1e-8)
    rebuilt = sum(np.einsum("ip,jp,pq,kq,lq->ijkl", u, u, z, u, u) for u, z in zip(leaves, cores))
    assert np.allclose(rebuilt, h2_two, atol=1e-8)
    assert all(np.allclose(f, f.T) for f in factors)


def _chemist_hamiltonian(core, one, two, norb):
    """``core + sum T_pq E_pq + sum V_pqrs E_pq E_rs`` (``E_pq = sum_s a+_ps a_qs``) as a
    matrix on ``2 norb`` spin orbitals (Jordan-Wigner, built here with NumPy), and the
    electron number of each basis state."""
    modes = 2 * norb
    lower = np.array([[0.0, 1.0], [0.0, 0.0]])  # |1> -> |0>: the annihilator on one mode

    def annihilate(j):
        m = np.eye(1)
        for k in range(modes):
            m = np.kron(m, np.diag([1.0, -1.0]) if k < j else lower if k == j else np.eye(2))
        return m

    a = [annihilate(j) for j in range(modes)]
    E = [[sum(a[2 * p + s].T @ a[2 * q + s] for s in (0, 1)) for q in range(norb)]
         for p in range(norb)]
    h = np.asarray(core).item() * np.eye(2**modes)
    h = h + sum(one[p, q] * E[p][q] for p in range(norb) for q in range(norb))
    h = h + sum(two[p, q, r, s] * E[p][q] @ E[r][s] for p in range(norb) for q in range(norb)
                for r in range(norb) for s in range(norb))
    count = np.array([bin(i).count("1") for i in range(2**modes)])
    return h, count


def test_symmetry_shift_acts_as_the_hamiltonian_on_its_electron_number():
    """``qml.qchem.symmetry_shift`` (BLISS, issue #18: PennyLane's compressed
    double-factorization demo) against PennyLane 0.45.1's numbers for its docstring's H2
    (computed in /work/plvenv; to 1e-7: both stop L-BFGS-B at its tolerance, from integrals
    that agree to 1e-12), and by hand: the shifted terms make a Hamiltonian equal to the
    original on the states of ``n_elec`` electrons, with smaller tensors."""
    geometry = np.array([[0.0, 0.0, 0.0], [1.398397361, 0.0, 0.0]])
    mol = qml.qchem.Molecule(["H", "H"], geometry, basis_name="STO-3G")
    core, one, two = qml.qchem.electron_integrals(mol)()
    ctwo = np.swapaxes(two, 1, 3)
    s_core, s_one, s_two = qml.qchem.symmetry_shift(core, one, ctwo, n_elec=mol.n_electrons)
    assert np.allclose(s_core, [2.1626883868627003], atol=1e-7)
    assert np.allclose(s_one, [[-0.6500821798781573, -4.663750535657208e-09],
                               [-4.663750202590301e-09, 0.17394973044502623]], atol=1e-7)
    assert np.allclose(s_two.ravel(), [
        0.011246110577288596, 0, 0, -0.011246166220023349, 0, 0.1812104622634122,
        0.18121046226341236, 0, 0, 0.1812104622634122, 0.18121046226341236, 0,
        -0.011246166220023238, 0, 0, 0.011246185412984736], atol=1e-7)
    h, count = _chemist_hamiltonian(core, one, ctwo, 2)
    h_shift, _ = _chemist_hamiltonian(s_core, s_one, s_two, 2)
    sector = count == 2
    assert np.allclose(h_shift[np.ix_(sector, sector)], h[np.ix_(sector, sector)], atol=1e-12)
    assert not np.allclose(h_shift, h, atol=1e-3)  # (other electron numbers are shifted)
    assert np.linalg.norm(s_two) < 0.3 * np.linalg.norm(ctwo)
    # a random symmetric problem of 3 orbitals, 4 electrons: the same identity
    rng = np.random.default_rng(64)
    t = rng.normal(size=(3, 3))
    v = rng.normal(size=(3, 3, 3, 3))
    t, v = t + t.T, v + v.transpose(2, 3, 0, 1)
    shifted = qml.qchem.symmetry_shift(np.array([0.3]), t, v, n_elec=4)
    h, count = _chemist_hamiltonian(np.array([0.3]), t, v, 3)
    h_shift, _ = _chemist_hamiltonian(*shifted, 3)
    sector = count == 4
    assert np.allclose(h_shift[np.ix_(sector, sector)], h[np.ix_(sector, sector)], atol=1e-10)


def test_factorize_bad_input():
    with pytest.raises(ValueError, match=r"\(N x N x N x N\) shape"):
        qml.qchem.factorize(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="All factors are discarded"):
        qml.qchem.factorize(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="compressed=True.*not provided"):
        qml.qchem.factorize(np.eye(4).reshape(2, 2, 2, 2), compressed=True)


def test_double_factorization_of_water_pennylane_example():
    # PennyLane 0.45's DoubleFactorization docstring: H2O in STO-3G
    geometry = np.array([[0.0, 0.0, 0.28377432], [0.0, 1.45278171, -1.00662237],
                         [0.0, -1.45278171, -1.00662237]])
    mol = qml.qchem.Molecule(["O", "H", "H"], geometry)
    _, one, two = qml.qchem.electron_integrals(mol)()
    algo = DF(one, two)
    assert algo.lamb == pytest.approx(53.62, abs=0.01)
    assert (algo.gates, algo.qubits) == (103969925, 290)
