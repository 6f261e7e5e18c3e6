"""``qml.shadows`` (PennyLane 0.45's module: ``ClassicalShadow``, ``median_of_means``,
``pauli_expval``, the transform ``shadow_state``; pennylane/shadows/*.py read for the
semantics).

The references are independent of the code under test: density matrices and Pauli
matrices written out by hand, estimates worked out from the protocol's definition
(arXiv:2002.08953: a matching snapshot contributes ``3 * (+-1)`` per measured qubit), a
shadow built to hold every outcome in exactly its Born proportion (its snapshots' mean is
then the state itself, exactly), sampled shadows drawn here by a Born-rule sampler of the
test's own, tolerances from the sample's standard error.
"""

import itertools
from functools import reduce

import numpy as onp
import pytest

import qsym as qml
from qsym.errors import MeasurementError

I2 = onp.eye(2, dtype=complex)
X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]], dtype=complex)
Z = onp.array([[1, 0], [0, -1]], dtype=complex)
PAULI = [X, Y, Z]  # recipe 0, 1, 2


def kron(*ms):
    return reduce(onp.kron, ms)


def born(rho_1q, recipe):
    """P(bit 0) of one qubit measured in the recipe's basis: (1 + Tr(rho P)) / 2."""
    return float(onp.real(1 + onp.trace(rho_1q @ PAULI[recipe])) / 2)


def exact_shadow(rhos, per_recipe):
    """Bits and recipes of a product state ``rhos`` (one 2x2 per wire) holding every
    recipe combination equally and, within it, every outcome in exactly its Born count
    (``per_recipe`` snapshots per recipe combination; the counts must be whole)."""
    bits, recipes = [], []
    n = len(rhos)
    for rec in itertools.product(range(3), repeat=n):
        for out in itertools.product(range(2), repeat=n):
            p = onp.prod([born(r, a) if b == 0 else 1 - born(r, a)
                          for r, a, b in zip(rhos, rec, out)])
            count = p * per_recipe
            assert abs(count - round(count)) < 1e-9
            bits += [out] * round(count)
            recipes += [rec] * round(count)
    return onp.array(bits), onp.array(recipes)


def sampled_shadow(psi, n, shots, rng):
    """A shadow of a pure state drawn here: uniform recipes, outcomes by the Born rule of
    the full state rotated into each snapshot's bases (wire 0 most significant)."""
    rot = [onp.array([[1, 1], [1, -1]]) / onp.sqrt(2),           # X: H
           onp.array([[1, -1j], [1, 1j]]) / onp.sqrt(2),         # Y: H S^dagger
           I2]                                                   # Z
    recipes = rng.integers(0, 3, size=(shots, n))
    bits = onp.zeros((shots, n), dtype=int)
    for t in range(shots):
        probs = onp.abs(kron(*[rot[a] for a in recipes[t]]) @ psi) ** 2
        idx = rng.choice(2**n, p=probs / probs.sum())
        bits[t] = [(idx >> (n - 1 - i)) & 1 for i in range(n)]
    return bits, recipes


# --- the module and its paths -----------------------------------------------------------------
def test_pennylane_paths_import():
    from qsym.shadows.classical_shadow import _project_density_matrix_spectrum
    from qsym.shadows.transforms import _replace_obs

    from qsym.shadows import ClassicalShadow, median_of_means, pauli_expval, shadow_state

    assert ClassicalShadow is qml.ClassicalShadow
    assert callable(median_of_means) and callable(pauli_expval) and callable(_replace_obs)
    assert shadow_state.is_final_transform
    assert onp.allclose(_project_density_matrix_spectrum(onp.diag([-0.1, -0.1, 0.1, 1.1])), [1.0])


# --- estimators on hand-made data -------------------------------------------------------------
def test_median_of_means_by_hand():
    arr = onp.array([1.0, 5.0, 2.0, 2.0, 9.0, 3.0, 0.0])
    # k=3: batches of ceil(7/3) = 3: [1, 5, 2] -> 8/3, [2, 9, 3] -> 14/3, [0] -> 0
    assert qml.shadows.median_of_means(arr, 3) == pytest.approx(8 / 3)
    assert qml.shadows.median_of_means(arr, 1) == pytest.approx(22 / 7)
    # k=2: batches of 4: [1, 5, 2, 2] -> 2.5, [9, 3, 0] -> 4; median of two: their mean
    assert qml.shadows.median_of_means(arr, 2) == pytest.approx(3.25)
    assert onp.shape(qml.shadows.median_of_means(arr, 2)) == ()


def test_pauli_expval_by_hand():
    bits = onp.array([[0, 1, 1], [1, 1, 0], [0, 0, 0]])
    recipes = onp.array([[2, 0, 1], [2, 0, 0], [1, 1, 1]])
    words = onp.array([[2, 0, -1],    # Z X I
                       [-1, -1, 1],   # I I Y
                       [1, 1, 1],     # Y Y Y
                       [-1, -1, -1]])  # identity
    got = qml.shadows.pauli_expval(bits, recipes, words)
    expected = onp.array([
        # snapshot 0: Z,X match: 3*(+1) * 3*(-1); Y on 2 matches: 3*(-1); YYY no; I: 1
        [-9, -3, 0, 1],
        # snapshot 1: Z,X match: 3*(-1) * 3*(-1); third measured X: no
        [9, 0, 0, 1],
        # snapshot 2: Z X no; Y on 2: +3; YYY all +: 27
        [0, 3, 27, 1]])
    assert got.shape == (3, 4) and got.dtype == onp.float64
    assert onp.array_equal(got, expected)


def test_expval_and_pauli_words_by_hand():
    bits = onp.array([[0, 1], [1, 1], [0, 0], [1, 0]])
    recipes = onp.array([[0, 2], [0, 2], [2, 2], [0, 1]])
    shadow = qml.ClassicalShadow(bits, recipes, wire_map=["a", "b"])
    H = 2.0 * qml.X("a") @ qml.Z("b") - qml.Y("b")
    words = sorted(shadow._convert_to_pauli_words(H), key=lambda cw: cw[1])
    assert words == [(-1.0, [-1, 1]), (2.0, [0, 2])]
    # X(a) Z(b): snapshots 0, 1 match: 3*(+1)*3*(-1) = -9, 3*(-1)*3*(-1) = 9 -> mean 0/4
    # Y(b): snapshot 3 matches: 3*(+1) -> mean 3/4
    assert float(shadow.expval(H)) == pytest.approx(2.0 * 0 - 0.75)
    # per observable of a list, and k=2: batches [0, 1] and [2, 3]
    x_only = shadow.expval([qml.X("a"), qml.Z("b")], k=2)
    # X(a): snapshots 0, 1 (+3, -3) -> 0; 3 (-3) -> batch 2 mean -1.5; median -0.75
    # Z(b): snapshots 0, 1 (-3, -3) -> -3; 2 (+3) -> 1.5; median -0.75
    assert onp.allclose(x_only, [-0.75, -0.75])
    with pytest.raises(ValueError, match="valid pauli representation"):
        shadow.expval(qml.Hadamard("a"))


# --- snapshots: exact in expectation ----------------------------------------------------------
RHO0 = onp.diag([0.75, 0.25]).astype(complex)          # mixed, Z-diagonal
RHO1 = onp.full((2, 2), 0.5, dtype=complex)             # |+><+|


def test_snapshots_of_an_exact_shadow_average_to_the_state():
    bits, recipes = exact_shadow([RHO0, RHO1], 16)
    shadow = qml.ClassicalShadow(bits, recipes)
    assert onp.allclose(shadow.global_snapshots().mean(0), kron(RHO0, RHO1), atol=1e-12)
    local = shadow.local_snapshots().mean(0)
    assert onp.allclose(local[0], RHO0, atol=1e-12) and onp.allclose(local[1], RHO1, atol=1e-12)
    # one snapshot by hand: recipe Z then X, bits 1 then 0: (3|1><1| - I) (x) (3|+><+| - I)
    one = qml.ClassicalShadow(onp.array([[1, 0]]), onp.array([[2, 0]])).global_snapshots()[0]
    assert onp.allclose(one, kron(3 * onp.diag([0, 1]) - I2, 3 * RHO1 - I2))


def test_sampled_snapshots_average_within_their_standard_error():
    rng = onp.random.default_rng(2024)
    a, b = 0.7, 1.9
    psi = kron(onp.array([onp.cos(a / 2), onp.sin(a / 2)]),
               onp.array([onp.cos(b / 2), 1j * onp.sin(b / 2)]))
    rho = onp.outer(psi, psi.conj())
    bits, recipes = sampled_shadow(psi, 2, 6000, rng)
    snaps = qml.ClassicalShadow(bits, recipes).global_snapshots()
    mean = snaps.mean(0)
    se = onp.sqrt(snaps.real.var(0) / len(snaps)) + 1j * onp.sqrt(snaps.imag.var(0) / len(snaps))
    assert onp.all(onp.abs(mean.real - rho.real) < 5 * se.real + 1e-12)
    assert onp.all(onp.abs(mean.imag - rho.imag) < 5 * se.imag + 1e-12)


def test_qnode_shadow_average_within_their_standard_error():
    @qml.set_shots(4000)
    @qml.qnode(qml.device("default.qubit", wires=2, seed=17))
    def circuit():
        qml.RY(0.7, 0)
        qml.RX(1.9, 1)
        return qml.classical_shadow(wires=[0, 1], seed=4)

    a, b = 0.7, 1.9
    psi = kron(onp.array([onp.cos(a / 2), onp.sin(a / 2)]),
               onp.array([onp.cos(b / 2), -1j * onp.sin(b / 2)]))
    rho = onp.outer(psi, psi.conj())
    snaps = qml.ClassicalShadow(*circuit()).global_snapshots()
    err = onp.abs(snaps.mean(0) - rho)
    se = onp.sqrt(snaps.real.var(0) / len(snaps)) + onp.sqrt(snaps.imag.var(0) / len(snaps))
    assert onp.all(err < 5 * se + 1e-12)


# --- entropies --------------------------------------------------------------------------------
def renyi(evals, alpha, base=onp.e):
    evals = onp.array([e for e in evals if e > 0])
    if alpha == 1:
        return float(-onp.sum(evals * onp.log(evals)) / onp.log(base))
    return float(onp.log(onp.sum(evals**alpha)) / (1 - alpha) / onp.log(base))


@pytest.mark.parametrize("alpha", [1, 2, 3, 1.5])
@pytest.mark.parametrize("base", [None, 2])
def test_entropy_of_a_product_state_is_the_exact_renyi_entropy(alpha, base):
    shadow = qml.ClassicalShadow(*exact_shadow([RHO0, RHO1], 16))
    exact = renyi([0.75, 0.25], alpha, base or onp.e)
    assert shadow.entropy(wires=[0], alpha=alpha, base=base) == pytest.approx(exact, abs=1e-10)
    # the second wire is pure: the whole product state has the first wire's entropy
    assert shadow.entropy(wires=[0, 1], alpha=alpha, base=base) == pytest.approx(exact, abs=1e-10)
    assert shadow.entropy(wires=[1], alpha=alpha, base=base) == pytest.approx(0.0, abs=1e-10)


def test_sampled_entropy_within_the_bloch_vectors_error():
    # one qubit, Bloch vector r = (0.6, 0, 0): eigenvalues (1 +- |r|) / 2
    rho = (I2 + 0.6 * X) / 2
    w, v = onp.linalg.eigh(rho)
    rng = onp.random.default_rng(5)
    # a mixed state sampled as its eigenstates with their weights
    T = 6000
    which = rng.choice(2, size=T, p=w)
    bits, recipes = onp.zeros((T, 1), int), onp.zeros((T, 1), int)
    for i in range(2):
        idx = onp.nonzero(which == i)[0]
        b, r = sampled_shadow(v[:, i], 1, len(idx), rng)
        bits[idx], recipes[idx] = b, r
    got = qml.ClassicalShadow(bits, recipes).entropy(wires=[0], alpha=2)
    # each Bloch component's estimate has variance <= 3 / T per snapshot mean: 5 sigma on |r|
    d = 5 * onp.sqrt(3 * 3 / T)
    lo, hi = (renyi([(1 + s) / 2, (1 - s) / 2], 2) for s in (0.6 + d, 0.6 - d))
    assert lo <= got <= hi


# --- the transforms ---------------------------------------------------------------------------
def test_replace_obs_on_a_tape():
    tape = qml.tape.QuantumScript([qml.Hadamard(0)], [qml.classical_shadow(wires=[0])], shots=10)
    (new,), fn = qml.shadows.transforms._replace_obs(tape, qml.probs, wires=0)
    assert [op.name for op in new.operations] == ["Hadamard"]
    assert len(new.measurements) == 1 and new.shots.total_shots == 10
    assert fn(["only"]) == "only"


def test_pauli_basis_state_against_kron():
    rng = onp.random.default_rng(1)
    values = rng.normal(size=64)
    mats = [kron(*[[I2, X, Y, Z][i] for i in idx]) for idx in itertools.product(range(4), repeat=3)]
    ref = sum(c * m for c, m in zip(values, mats)) / 8
    assert onp.allclose(qml.shadows.state_from_paulis(values, 3), ref, atol=1e-14)
    words = qml.shadows.pauli_basis([0, 1])
    assert len(words) == 16 and words[6].terms == {((0, "X"), (1, "Y")): 1.0}


def circuit_rx(shots=3000, seed=11):
    @qml.set_shots(shots)
    @qml.qnode(qml.device("default.qubit", wires=2, seed=seed))
    def circuit(x):
        qml.RX(x, 0)
        qml.Hadamard(1)
        return qml.classical_shadow(wires=[0, 1], seed=3)

    return circuit


def rho_rx(x):
    psi = onp.array([onp.cos(x / 2), -1j * onp.sin(x / 2)])
    return onp.outer(psi, psi.conj())


def test_shadow_state_undiffable_is_the_mean_of_global_snapshots():
    x = 0.8
    states = qml.shadows.shadow_state(circuit_rx(), wires=[[0], [1, 0]])(x)
    bits, recipes = circuit_rx()(x)  # the same seeds: the same shadow
    shadow = qml.ClassicalShadow(bits, recipes)
    assert onp.allclose(states[0], shadow.global_snapshots(wires=[0]).mean(0))
    # wire labels in the order asked: [1, 0] are columns 1, 0
    assert onp.allclose(states[1], shadow.global_snapshots(wires=[1, 0]).mean(0))
    assert onp.allclose(states[0], rho_rx(x), atol=0.1)
    assert onp.allclose(states[1], onp.kron(onp.full((2, 2), 0.5), rho_rx(x)), atol=0.1)


def test_shadow_state_diffable_value_and_derivative():
    import qsym.numpy as pnp

    T = 3000
    circuit = qml.shadows.shadow_state(circuit_rx(T), wires=[0], diffable=True)
    x = pnp.array(0.8, requires_grad=True)
    # each Pauli estimate has std <= sqrt(3 / T); an entry sums two of them over 2
    tol = 5 * onp.sqrt(3 / T)
    assert onp.allclose(circuit(x), rho_rx(0.8), atol=tol)
    jac = qml.jacobian(lambda v: qml.math.real(circuit(v)))(x)
    exact = onp.array([[-onp.sin(0.8) / 2, 0], [0, onp.sin(0.8) / 2]])  # d Re rho / dx
    assert onp.allclose(jac, exact, atol=tol)


def test_shadow_state_errors():
    with pytest.raises(MeasurementError, match="not in the classical shadow"):
        qml.shadows.shadow_state(circuit_rx(10), wires=[2])(0.1)

    @qml.set_shots(10)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def expval():
        return qml.expval(qml.Z(0))

    with pytest.raises(MeasurementError, match="must return qml.classical_shadow"):
        qml.shadows.shadow_state(expval, wires=[0])()


def test_shadow_state_diffable_measures_every_word_as_a_product_of_all_wires():
    """shadow_state(diffable=True)'s 4**n observables are PennyLane's products of I, X, Y, Z
    on every wire, in itertools.product order of "IXYZ" (first wire most significant): each
    one's matrix is the Kronecker product of the hand-written Pauli matrices."""
    from qsym.shadows import _word_products

    mats = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]),
            "Y": onp.array([[0, -1j], [1j, 0]]), "Z": onp.diag([1, -1])}
    words = _word_products(["a", "b", "c"])
    assert len(words) == 64
    for word, letters in zip(words, itertools.product("IXYZ", repeat=3)):
        assert isinstance(word, qml.ops.Prod) and len(word.operands) == 3
        assert [w for o in word.operands for w in o.wires] == ["a", "b", "c"]
        expected = reduce(onp.kron, [mats[p] for p in letters])
        assert onp.allclose(qml.matrix(word, wire_order=["a", "b", "c"]), expected)
