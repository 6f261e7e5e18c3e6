"""qml.math's quantum-information functions (issue #18): each against exact values or an
independent NumPy computation written here (explicit index sums, eigenvalue formulas of
commuting states), derivatives against exact derivatives or central differences, and
PennyLane 0.45.1 itself where it is installed."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

RNG = onp.random.default_rng(7)


def random_dm(n, rank=None, rng=RNG):
    d = 2**n
    a = rng.normal(size=(d, rank or d)) + 1j * rng.normal(size=(d, rank or d))
    rho = a @ a.conj().T
    return rho / onp.trace(rho).real


def random_state(n, rng=RNG):
    v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return v / onp.linalg.norm(v)


def reference_reduce(rho, keep, n):
    """Tr_rest rho by an explicit sum over the traced wires' basis states."""
    rest = [w for w in range(n) if w not in keep]
    m = 2 ** len(keep)
    out = onp.zeros((m, m), dtype=complex)
    for i in range(m):
        for j in range(m):
            for r in range(2 ** len(rest)):
                def index(sub):
                    bits = [0] * n
                    for k, w in enumerate(keep):
                        bits[w] = (sub >> (len(keep) - 1 - k)) & 1
                    for k, w in enumerate(rest):
                        bits[w] = (r >> (len(rest) - 1 - k)) & 1
                    return int("".join(map(str, bits)), 2)
                out[i, j] += rho[index(i), index(j)]
    return out


@pytest.mark.parametrize("keep", [[0], [2], [1, 0], [0, 2], [2, 1, 0], [1, 2]])
def test_reduce_dm_and_statevector_match_an_explicit_partial_trace(keep):
    rho, psi = random_dm(3), random_state(3)
    assert onp.allclose(qml.math.reduce_dm(rho, keep), reference_reduce(rho, keep, 3))
    pure = onp.outer(psi, psi.conj())
    assert onp.allclose(qml.math.reduce_statevector(psi, keep), reference_reduce(pure, keep, 3))
    traced = [w for w in range(3) if w not in keep]
    assert onp.allclose(qml.math.partial_trace(rho, traced),
                        reference_reduce(rho, sorted(keep), 3))


def test_batches_are_each_item():
    rhos = onp.stack([random_dm(2) for _ in range(3)])
    psis = onp.stack([random_state(2) for _ in range(3)])
    out = qml.math.reduce_dm(rhos, [1])
    assert out.shape == (3, 2, 2)
    assert all(onp.allclose(out[i], reference_reduce(rhos[i], [1], 2)) for i in range(3))
    dms = qml.math.dm_from_state_vector(psis)
    assert all(onp.allclose(dms[i], onp.outer(psis[i], psis[i].conj())) for i in range(3))
    ent = qml.math.vn_entropy(rhos, [0])
    assert ent.shape == (3,)


def entropy_of(p, base=onp.e):
    p = onp.asarray([x for x in p if x > 0])
    return -onp.sum(p * onp.log(p)) / onp.log(base)


def test_entropies_and_purity_of_diagonal_states_are_the_formulas():
    p = onp.array([0.5, 0.2, 0.2, 0.1])     # wire 0 marginal: (0.7, 0.3); wire 1: (0.7, 0.3)
    rho = onp.diag(p)
    assert onp.isclose(qml.math.vn_entropy(rho, [0, 1]), entropy_of(p))
    assert onp.isclose(qml.math.vn_entropy(rho, [0], base=2), entropy_of([0.7, 0.3], 2))
    assert onp.isclose(qml.math.purity(rho, [0]), 0.7**2 + 0.3**2)
    assert onp.isclose(qml.math.mutual_info(rho, [0], [1]),
                       2 * entropy_of([0.7, 0.3]) - entropy_of(p))
    assert onp.isclose(qml.math.max_entropy(rho, [0, 1], base=2), 2.0)
    assert onp.isclose(qml.math.min_entropy(rho, [0, 1]), -onp.log(0.5))
    assert onp.isclose(qml.math.max_entropy(onp.diag([1.0, 0, 0, 0]), [0]), 0.0)


def test_pairwise_quantities_of_commuting_states_are_the_classical_formulas():
    p, q = onp.array([0.6, 0.3, 0.1, 0.0]), onp.array([0.25, 0.25, 0.25, 0.25])
    rho, sigma = onp.diag(p), onp.diag(q)
    assert onp.isclose(qml.math.fidelity(rho, sigma), onp.sum(onp.sqrt(p * q)) ** 2)
    assert onp.isclose(qml.math.trace_distance(rho, sigma), onp.sum(onp.abs(p - q)) / 2)
    keep = p > 0
    assert onp.isclose(qml.math.relative_entropy(rho, sigma, base=2),
                       onp.sum(p[keep] * onp.log2(p[keep] / q[keep])))
    assert qml.math.relative_entropy(sigma, rho) == onp.inf   # sigma's support leaves rho's


def test_fidelity_of_pure_states_is_the_overlap_and_batches_broadcast():
    a, b = random_state(2), random_state(2)
    overlap = abs(onp.vdot(a, b)) ** 2
    assert onp.isclose(qml.math.fidelity_statevector(a, b), overlap)
    da, db = onp.outer(a, a.conj()), onp.outer(b, b.conj())
    assert onp.isclose(qml.math.fidelity(da, db), overlap, atol=1e-7)
    both = qml.math.fidelity(onp.stack([da, db]), db)
    assert onp.allclose(both, [overlap, 1.0], atol=1e-7)
    assert onp.allclose(qml.math.fidelity_statevector(onp.stack([a, b]), b), [overlap, 1.0])
    # the trace distance of pure states: sqrt(1 - F)
    assert onp.isclose(qml.math.trace_distance(da, db), onp.sqrt(1 - overlap))


def test_sqrt_matrix_and_expectation_value():
    rho = random_dm(2)
    root = qml.math.sqrt_matrix(rho)
    assert onp.allclose(root @ root, rho) and onp.allclose(root, root.conj().T)
    psi, h = random_state(2), random_dm(2)     # any Hermitian matrix
    assert onp.isclose(qml.math.expectation_value(h, psi), psi.conj() @ h @ psi)


def explicit_choi(ks):
    """(1/d) sum_ij |i><j| (x) E(|i><j|), E(X) = sum K X K^dagger, as written."""
    d = ks[0].shape[0]
    out = onp.zeros((d * d, d * d), dtype=complex)
    for i in range(d):
        for j in range(d):
            e = onp.zeros((d, d)); e[i, j] = 1
            out += onp.kron(e, sum(k @ e @ k.conj().T for k in ks))
    return out / d


def test_choi_matrix_is_the_definition():
    p = 0.3
    ks = [onp.sqrt(1 - p) * onp.eye(2), onp.sqrt(p) * onp.array([[0, 1], [1, 0]])]
    assert onp.allclose(qml.math.choi_matrix(ks, check_Ks=True), explicit_choi(ks))
    cnot = onp.eye(4)[[0, 1, 3, 2]]
    lam = qml.math.choi_matrix([cnot])
    assert onp.allclose(lam, explicit_choi([cnot])) and onp.isclose(onp.trace(lam @ lam), 1)
    with pytest.raises(ValueError, match="not trace-preserving"):
        qml.math.choi_matrix([0.5 * onp.eye(2)], check_Ks=True)


def test_bad_input_gets_pennylanes_errors():
    with pytest.raises(ValueError, match="Density matrix must be of shape"):
        qml.math.reduce_dm(onp.eye(3) / 3, [0])
    with pytest.raises(ValueError, match="The trace of the density matrix should be one"):
        qml.math.vn_entropy(onp.eye(2), [0], check_state=True)
    with pytest.raises(ValueError, match="not Hermitian"):
        qml.math.fidelity(onp.array([[0.5, 0.5], [0.1, 0.5]]), onp.eye(2) / 2, check_state=True)
    with pytest.raises(ValueError, match="not positive semi-definite"):
        qml.math.trace_distance(onp.diag([1.5, -0.5]), onp.eye(2) / 2, check_state=True)
    with pytest.raises(ValueError, match="Sum of amplitudes-squared does not equal one"):
        qml.math.reduce_statevector(onp.array([1.0, 1.0]), [0], check_state=True)
    with pytest.raises(ValueError, match="State vector must be of shape"):
        qml.math.fidelity_statevector(onp.ones(3), onp.ones(3))
    with pytest.raises(ValueError, match="same number of wires"):
        qml.math.fidelity(onp.eye(2) / 2, onp.eye(4) / 4)
    with pytest.raises(ValueError, match="batches of the same size"):
        qml.math.trace_distance(onp.stack([onp.eye(2) / 2] * 2), onp.stack([onp.eye(2) / 2] * 3))
    with pytest.raises(ValueError, match="must not overlap"):
        qml.math.mutual_info(onp.eye(4) / 4, [0], [0, 1])
    with pytest.raises(ValueError, match="distinct wire positions"):
        qml.math.reduce_dm(onp.eye(4) / 4, [2])


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def mixed_state(x):
    """cos^2(x/2) |+><+| (x) |0><0| + sin^2(x/2) |Bell><Bell|, mixed with 10% of the
    maximally mixed state (full rank: central differences of square roots stay accurate)."""
    plus = qml.math.dm_from_state_vector(onp.array([1.0, 1.0, 0.0, 0.0]) / onp.sqrt(2))
    bell = qml.math.dm_from_state_vector(onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2))
    return 0.9 * (np.cos(x / 2) ** 2 * plus + np.sin(x / 2) ** 2 * bell) + 0.1 * onp.eye(4) / 4


@pytest.mark.parametrize("quantity", [
    lambda r: qml.math.vn_entropy(r, [0]),
    lambda r: qml.math.purity(r, [1]),
    lambda r: qml.math.mutual_info(r, [0], [1], base=2),
    lambda r: qml.math.min_entropy(r, [0]),
    lambda r: qml.math.trace_distance(r, onp.eye(4) / 4),
    lambda r: qml.math.relative_entropy(r, onp.diag([0.4, 0.3, 0.2, 0.1])),
    lambda r: qml.math.fidelity(r, onp.diag([0.4, 0.3, 0.2, 0.1])),
    lambda r: qml.math.fidelity(onp.diag([0.4, 0.3, 0.2, 0.1]), r),
    lambda r: np.real(qml.math.reduce_dm(r, [1])[0, 1]),
])
def test_derivatives_equal_central_differences(quantity):
    f = lambda x: quantity(mixed_state(x))
    x = np.array(0.8, requires_grad=True)
    assert onp.isclose(qml.grad(f)(x), central(f, 0.8), atol=1e-6)


def test_fidelity_derivative_at_pure_states_is_exact():
    # F(rho(x), |0><0|) with rho(x) = cos^2(x/2)|0><0| + sin^2(x/2)|1><1|: cos^2(x/2), also
    # at x = 0 where rho is pure and the square roots' derivatives are singular
    def f(x):
        rho = np.cos(x / 2) ** 2 * onp.diag([1.0, 0]) + np.sin(x / 2) ** 2 * onp.diag([0, 1.0])
        return qml.math.fidelity(rho, onp.diag([1.0, 0])) + qml.math.fidelity(onp.diag([1.0, 0]), rho)
    for x in (0.0, 1e-7, 0.456, onp.pi / 2):
        assert onp.isclose(f(np.array(x)), 2 * onp.cos(x / 2) ** 2)
        assert onp.isclose(qml.grad(f)(np.array(x, requires_grad=True)), -onp.sin(x), atol=1e-7)
    g = qml.grad(lambda x: qml.math.max_entropy(mixed_state(x), [0]))(np.array(0.3))
    assert g == 0.0


def test_quantities_of_qnode_states():
    """The functions on QNode outputs (PennyLane 0.45 has no qml.qinfo): the same numbers as
    qsym's measurements, derivatives through the state."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def state(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.state()

    @qml.qnode(dev)
    def entropy(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.vn_entropy(wires=[0])

    x = np.array(0.7, requires_grad=True)
    via_math = lambda x: qml.math.vn_entropy(qml.math.dm_from_state_vector(state(x)), [0])
    assert onp.isclose(via_math(x), entropy(x))
    assert onp.isclose(qml.grad(via_math)(x), qml.grad(entropy)(x))
    bell = onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2)
    fid = lambda x: qml.math.fidelity_statevector(state(x), bell)
    # <Bell|psi(x)> = (cos(x/2) + sin(x/2)) / sqrt(2): F = (1 + sin x) / 2
    assert onp.isclose(fid(x), (1 + onp.sin(0.7)) / 2)
    assert onp.isclose(qml.grad(fid)(x), onp.cos(0.7) / 2)


def test_agrees_with_pennylane():
    pl = pytest.importorskip("pennylane")
    rho, sigma, psi, psd = random_dm(3), random_dm(3, rank=2), random_state(3), random_dm(3)
    pairs = [
        (qml.math.reduce_dm(rho, [2, 0]), pl.math.reduce_dm(rho, [2, 0])),
        (qml.math.reduce_statevector(psi, [1, 2]), pl.math.reduce_statevector(psi, [1, 2])),
        (qml.math.partial_trace(rho, [1]), pl.math.partial_trace(rho, [1])),
        (qml.math.vn_entropy(rho, [0, 1], base=2), pl.math.vn_entropy(rho, [0, 1], base=2)),
        (qml.math.mutual_info(rho, [0], [2]), pl.math.mutual_info(rho, [0], [2])),
        (qml.math.purity(rho, [1]), pl.math.purity(rho, [1])),
        (qml.math.fidelity(rho, sigma), pl.math.fidelity(rho, sigma)),
        (qml.math.trace_distance(rho, sigma), pl.math.trace_distance(rho, sigma)),
        (qml.math.relative_entropy(rho, psd), pl.math.relative_entropy(rho, psd)),
        (qml.math.max_entropy(sigma, [0, 1, 2]), pl.math.max_entropy(sigma, [0, 1, 2])),
        (qml.math.min_entropy(rho, [0]), pl.math.min_entropy(rho, [0])),
        (qml.math.sqrt_matrix(rho), pl.math.sqrt_matrix(rho)),
        (qml.math.expectation_value(rho, psi), pl.math.expectation_value(rho, psi)),
        (qml.math.choi_matrix([rho[:2, :2]]), pl.math.choi_matrix([rho[:2, :2]])),
    ]
    for ours, theirs in pairs:
        assert onp.allclose(ours, theirs, atol=1e-8)


@pytest.mark.parametrize("value, real", [(0.4, True), (onp.complex128(0.4), True),
                                         (0.4 + 0.2j, False), (0.4 + 1e-14j, True),
                                         (np.array([1.0, 2.0 + 1e-3j]), False)])
def test_is_real_obj_or_close(value, real):
    assert qml.math.is_real_obj_or_close(value) is real


@pytest.mark.parametrize("fn", ["reduce_dm", "purity", "vn_entropy"])
@pytest.mark.parametrize("indices", [[1.5], ["a"], [0.0]])
def test_indices_must_be_integer_positions(fn, indices):
    # a float index was truncated (1.5 read as position 1): an answer for another question
    rho = onp.diag([0.5, 0.25, 0.25, 0.0]).astype(complex)
    with pytest.raises(ValueError, match="must be integer wire positions"):
        getattr(qml.math, fn)(rho, indices)


@pytest.mark.parametrize("fn", ["vn_entropy", "max_entropy", "min_entropy"])
@pytest.mark.parametrize("base", [0, 1, -2, float("nan")])
def test_entropy_bases_that_are_not_positive_and_not_one_are_refused(fn, base):
    # base 1 gave inf, a negative base nan, 0 the natural logarithm (as qml.vn_entropy's
    # log_base, already refused by the measurement)
    rho = onp.diag([0.5, 0.25, 0.25, 0.0]).astype(complex)
    with pytest.raises(ValueError, match="base must be a positive number other than 1"):
        getattr(qml.math, fn)(rho, [0], base=base)


def test_relative_entropy_and_mutual_info_check_the_base_too():
    rho = onp.diag([0.5, 0.25, 0.25, 0.0]).astype(complex)
    with pytest.raises(ValueError, match="base must be a positive number"):
        qml.math.relative_entropy(rho, onp.eye(4) / 4, base=1)
    with pytest.raises(ValueError, match="base must be a positive number"):
        qml.math.mutual_info(rho, [0], [1], base=-1)
    assert float(qml.math.vn_entropy(onp.eye(2) / 2, [0], base=2)) == pytest.approx(1.0)
