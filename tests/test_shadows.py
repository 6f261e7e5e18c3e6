"""Classical shadows (qml.classical_shadow, qml.shadow_expval, qml.ClassicalShadow) with
PennyLane 0.45's semantics (pennylane/measurements/classical_shadow.py and
pennylane/shadows/classical_shadow.py, read for the semantics: recipes drawn from
``np.random.RandomState(seed)``, bits from the device's generator, shapes, errors).

References are independent of the code under test: the estimator on hand-made snapshots
(values worked out by hand from the protocol of arXiv:2002.08953), local snapshots as
matrices written out, and sampled estimates against exact expectation values within a
tolerance computed from the estimator's variance bound (3**weight per snapshot).
"""

import dataclasses

import numpy as onp
import pytest

import qsym as qml
from qsym import _shadows as shadows
from qsym.errors import DeviceError, DifferentiationError, MeasurementError


def bell(seed=1, shots=1000, recipe_seed=None):
    dev = qml.device("default.qubit", wires=2, seed=seed)

    @qml.set_shots(shots)
    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        qml.CNOT([0, 1])
        return qml.classical_shadow(wires=[0, 1], seed=recipe_seed)

    return circuit


# --- the estimator on hand-made snapshots -------------------------------------------------------
BITS = onp.array([[0, 1], [1, 1], [0, 0]])
RECIPES = onp.array([[2, 2], [2, 0], [0, 0]])  # ZZ, ZX, XX


def test_expval_of_hand_made_snapshots():
    shadow = qml.ClassicalShadow(BITS, RECIPES)
    # Z0 Z1: only snapshot 0 measured ZZ: 3*3*(-1)^(0+1) = -9; mean over 3 snapshots: -3
    assert shadow.expval(qml.Z(0) @ qml.Z(1)) == pytest.approx(-3.0)
    # Z0: snapshots 0 and 1 measured Z on wire 0: 3*(+1), 3*(-1); the third 0: mean 0
    assert shadow.expval(qml.Z(0)) == pytest.approx(0.0)
    # X1: snapshots 1 and 2: bits 1 and 0: (-3 + 3) / 3
    assert shadow.expval(qml.X(1)) == pytest.approx(0.0)
    # X0 X1: snapshot 2: 9 * (+1) / 3
    assert shadow.expval(qml.X(0) @ qml.X(1)) == pytest.approx(3.0)
    # a sum and a list: coefficients times the word estimates, one value per observable
    assert shadow.expval(2 * qml.X(0) @ qml.X(1) - qml.Z(0) @ qml.Z(1)) == pytest.approx(9.0)
    assert onp.allclose(shadow.expval([qml.X(0) @ qml.X(1), qml.Z(0) @ qml.Z(1)]), [3, -3])
    # median of means with k=3 (one snapshot per batch): ZZ estimates -9, 0, 0 -> 0
    assert shadow.expval(qml.Z(0) @ qml.Z(1), k=3) == pytest.approx(0.0)
    # k=2: batches of ceil(3/2)=2 snapshots: means (-9+0)/2 and 0 -> median -2.25
    assert shadow.expval(qml.Z(0) @ qml.Z(1), k=2) == pytest.approx(-2.25)


def test_more_batches_than_snapshots_fill_is_refused_not_nan():
    """k batches of ceil(T/k) snapshots can leave the last batch empty (T=3, k=4; T=10,
    k=6: batches of 2, the sixth empty): its mean was nan, and so the estimate."""
    shadow = qml.ClassicalShadow(BITS, RECIPES)
    with pytest.raises(qml.MeasurementError, match="leave a batch empty"):
        shadow.expval(qml.Z(0), k=4)
    dev = qml.device("default.qubit", wires=1, seed=5)

    @qml.set_shots(shots=10)
    @qml.qnode(dev)
    def c(k):
        return qml.shadow_expval(qml.Z(0), k=k)

    # |0>: a Z-basis snapshot estimates 3, the others 0; five batches of two: 0, 1.5 or 3
    assert float(c(5)) in (0.0, 1.5, 3.0)
    with pytest.raises(qml.MeasurementError, match="use fewer batches"):
        c(6)


def test_wire_map_names_the_columns():
    shadow = qml.ClassicalShadow(BITS, RECIPES, wire_map=["a", "b"])
    assert shadow.expval(qml.X("a") @ qml.X("b")) == pytest.approx(3.0)
    with pytest.raises(MeasurementError, match="did not measure"):
        shadow.expval(qml.Z(0))


def test_local_and_global_snapshots_are_the_inverted_channel():
    shadow = qml.ClassicalShadow(onp.array([[0, 1]]), onp.array([[2, 0]]))
    local = shadow.local_snapshots()
    assert local.shape == (1, 2, 2, 2)
    # bit 0 in Z: 3|0><0| - I; bit 1 in X: 3|-><-| - I
    z0 = onp.array([[2, 0], [0, -1]])
    xm = onp.array([[0.5, -1.5], [-1.5, 0.5]])
    assert onp.allclose(local[0, 0], z0) and onp.allclose(local[0, 1], xm)
    assert onp.allclose(shadow.global_snapshots()[0], onp.kron(z0, xm))
    # Y with bit 0: 3|+i><+i| - I
    y = qml.ClassicalShadow(onp.array([[0]]), onp.array([[1]])).local_snapshots()[0, 0]
    assert onp.allclose(y, [[0.5, -1.5j], [1.5j, 0.5]])


def test_closest_spectrum_by_hand():
    # -0.1 removed, its weight spread over the two others: 0.3-0.05, 0.8-0.05
    assert onp.allclose(shadows.closest_spectrum(onp.array([0.8, -0.1, 0.3])), [0.25, 0.75])
    assert onp.allclose(shadows.closest_spectrum(onp.array([0.5, 0.5])), [0.5, 0.5])


def test_bad_shadows_and_observables():
    with pytest.raises(ValueError, match="same shape"):
        qml.ClassicalShadow(onp.zeros((2, 2)), onp.zeros((3, 2)))
    shadow = qml.ClassicalShadow(BITS, RECIPES)
    with pytest.raises(ValueError, match="valid pauli representation"):
        shadow.expval(qml.Hadamard(0))
    with pytest.raises(ValueError, match="valid pauli representation"):
        shadow.expval(qml.Hermitian(onp.eye(2), wires=0))


# --- sampling ----------------------------------------------------------------------------------
def test_shape_dtype_and_values():
    bits, recipes = out = bell()()
    assert out.shape == (2, 1000, 2) and out.dtype == onp.int8
    assert set(onp.unique(bits)) <= {0, 1} and set(onp.unique(recipes)) <= {0, 1, 2}
    # the recipes are uniform: each basis about a third of 2000 draws (binomial, 6 sigma)
    counts = onp.bincount(recipes.ravel(), minlength=3)
    assert onp.all(onp.abs(counts - 2000 / 3) < 6 * onp.sqrt(2000 * 2 / 9))
    # a Bell pair measured ZZ or XX gives equal bits, YY opposite bits
    same = recipes[:, 0] == recipes[:, 1]
    parity = bits[:, 0] ^ bits[:, 1]
    assert onp.all(parity[same & (recipes[:, 0] != 1)] == 0)
    assert onp.all(parity[same & (recipes[:, 0] == 1)] == 1)


def test_recipes_from_the_seed_bits_from_the_device():
    a = bell(seed=1, recipe_seed=42)()
    b = bell(seed=2, recipe_seed=42)()
    assert onp.array_equal(a[1], b[1])  # same recipes
    assert onp.array_equal(a[1], onp.random.RandomState(42).randint(0, 3, size=(1000, 2)))
    assert not onp.array_equal(a[0], b[0])  # bits from each device's own generator
    c = bell(seed=1, recipe_seed=42)()
    assert onp.array_equal(a, c)  # the same device seed: the same shadow
    node = bell(seed=1, recipe_seed=42)
    assert not onp.array_equal(node()[0], node()[0])  # a generator moves on


def test_pauli_eigenstates_measured_in_their_basis():
    for basis, gates in ((0, [qml.Hadamard]), (1, [qml.Hadamard, qml.S]), (2, [])):
        dev = qml.device("default.qubit", wires=3, seed=5)

        @qml.set_shots(300)
        @qml.qnode(dev)
        def circuit():
            for w in range(3):
                for g in gates:
                    g(wires=w)
            return qml.classical_shadow(wires=range(3))

        bits, recipes = circuit()
        assert onp.all(bits[recipes == basis] == 0)  # the +1 eigenstate of that Pauli
        other = bits[recipes != basis]  # the other bases: fair coins
        assert abs(other.mean() - 0.5) < 6 * 0.5 / onp.sqrt(other.size)


def _tolerance(shots, weight, sigmas=5):
    """A bound on the estimator's spread: one snapshot's estimate of a weight-w Pauli word
    has variance at most 3**w, so the mean of T has standard deviation at most
    sqrt(3**w / T)."""
    return sigmas * onp.sqrt(3.0**weight / shots)


@pytest.mark.parametrize("x", [0.3, 1.2])
def test_shadow_expval_against_exact_expectations(x):
    dev = qml.device("default.qubit", wires=2, seed=7)
    obs = [qml.Z(0), qml.Z(0) @ qml.Z(1), qml.Y(0), qml.X(1)]

    def body(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])

    @qml.set_shots(4000)
    @qml.qnode(dev)
    def shadow(x):
        body(x)
        return qml.shadow_expval(obs, seed=3)

    estimates = shadow(x)
    # the state cos(x/2)|00> - i sin(x/2)|11>: <Z0> = cos x, <Z0 Z1> = 1, <Y0> = <X1> = 0
    exact = [onp.cos(x), 1.0, 0.0, 0.0]
    weights = [1, 2, 1, 1]
    assert estimates.shape == (4,)
    for e, v, w in zip(estimates, exact, weights):
        assert abs(e - v) < _tolerance(4000, w)


def test_shadow_expval_beside_other_measurements_and_single():
    dev = qml.device("default.qubit", wires=2, seed=3)

    @qml.set_shots(3000)
    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        return qml.shadow_expval(qml.X(0)), qml.expval(qml.Z(1)), qml.classical_shadow(wires=[1])

    s, z, cs = circuit()
    assert onp.shape(s) == () and abs(s - 1) < _tolerance(3000, 1)
    assert z == 1.0 and cs.shape == (2, 3000, 1)


def test_shot_vectors_and_broadcasting():
    dev = qml.device("default.qubit", wires=2, seed=3)

    @qml.set_shots([(50, 2), 100])
    @qml.qnode(dev)
    def vector():
        return qml.classical_shadow(wires=[0, 1])

    assert [r.shape for r in vector()] == [(2, 50, 2), (2, 50, 2), (2, 100, 2)]

    @qml.set_shots(20)
    @qml.qnode(dev)
    def batch(x):
        qml.RX(x, 0)
        return qml.classical_shadow(wires=[0, 1])

    assert batch(onp.array([0.1, 0.2, 0.3])).shape == (3, 2, 20, 2)


def test_process_state_with_shots_is_the_same_sampler():
    psi = onp.array([[1, 1], [0, 0]]) / onp.sqrt(2)  # |+> on wire 0... of a (2, 2) tensor
    mp = qml.classical_shadow(wires=[0, 1], seed=9)
    out = mp.process_state_with_shots(psi, qml.wires.Wires([0, 1]), shots=500, rng=4)
    again = mp.process_state_with_shots(psi, qml.wires.Wires([0, 1]), shots=500, rng=4)
    assert onp.array_equal(out, again)
    bits, recipes = out
    assert onp.all(bits[:, 0][recipes[:, 0] == 2] == 0)  # wire 0 is |0>: Z gives +1
    assert onp.all(bits[:, 1][recipes[:, 1] == 0] == 0)  # wire 1 is |+>: X gives +1
    rho = onp.outer(psi.ravel(), psi.ravel().conj()).reshape((2,) * 4)
    bits_m, recipes_m = mp.process_density_matrix_with_shots(rho, qml.wires.Wires([0, 1]), 500, 4)
    assert onp.array_equal(recipes_m, recipes)
    assert onp.all(bits_m[:, 1][recipes_m[:, 1] == 0] == 0)


def test_errors():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def analytic():
        return qml.classical_shadow(wires=[0])

    with pytest.raises(DeviceError, match="not accepted for analytic simulation"):
        analytic()

    @qml.set_shots(100)
    @qml.qnode(dev)
    def non_pauli():
        return qml.shadow_expval(qml.Hadamard(0) @ qml.Hadamard(1))

    with pytest.raises(ValueError, match="valid pauli representation"):
        non_pauli()

    @qml.set_shots(100)
    @qml.qnode(dev)
    def estimate(x):
        qml.RX(x, 0)
        return qml.shadow_expval(qml.Z(0))

    @qml.set_shots(100)
    @qml.qnode(dev)
    def two(x):
        qml.RX(x, 0)
        return qml.shadow_expval(qml.Z(0)), qml.expval(qml.Z(0))

    with pytest.raises(DifferentiationError, match="differentiated alone"):
        qml.jacobian(two)(qml.numpy.array(0.3))

    @qml.set_shots(100)
    @qml.qnode(dev)
    def bits(x):
        qml.RX(x, 0)
        return qml.classical_shadow(wires=[0])

    with pytest.raises(DifferentiationError, match="no derivative"):
        qml.jacobian(bits)(qml.numpy.array(0.3))
    with pytest.raises(qml.measurements.MeasurementShapeError, match="Shots must be specified"):
        qml.classical_shadow(wires=[0]).shape(None, 1)


def test_measurement_classes():
    mp = qml.shadow_expval(qml.Z(0) @ qml.Z(1), k=3, seed=2)
    assert isinstance(mp, qml.measurements.ShadowExpvalMP)
    assert isinstance(mp, qml.measurements.MeasurementTransform)
    assert (mp.k, mp.seed, mp.numeric_type, mp.shape(10, 2)) == (3, 2, float, ())
    assert qml.shadow_expval([qml.Z(0), qml.X(1)]).shape(10, 2) == (2,)
    cs = qml.classical_shadow(wires=[0, 1], seed=4)
    assert isinstance(cs, qml.measurements.ClassicalShadowMP)
    assert (cs.shape(10, 2), cs.numeric_type, cs.seed) == ((2, 10, 2), int, 4)
    import copy
    assert copy.copy(cs).seed == 4 and copy.copy(mp).k == 3
    with qml.queuing.AnnotatedQueue() as q:
        qml.PauliY(0)
        qml.shadow_expval(qml.PauliZ(0))
    tape = qml.tape.QuantumScript.from_queue(q)
    assert [op.name for op in tape.operations] == ["PauliY"]
    assert isinstance(tape.measurements[0], qml.measurements.ShadowExpvalMP)


def test_entropy_of_half_a_bell_pair():
    bits, recipes = bell(seed=3, shots=4000, recipe_seed=1)()
    shadow = qml.ClassicalShadow(bits, recipes)
    # exact reduced state I/2: Renyi-2 entropy log 2, von Neumann log 2
    assert abs(shadow.entropy(wires=[0], alpha=2) - onp.log(2)) < 0.1
    assert abs(shadow.entropy(wires=[0], alpha=1, base=2) - 1.0) < 0.1


def test_shadow_of_a_mixed_state():
    dev = qml.device("default.mixed", wires=2, seed=3)
    p = 0.3

    @qml.set_shots(3000)
    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        qml.CNOT([0, 1])
        qml.DepolarizingChannel(p, wires=0)
        return qml.shadow_expval([qml.Z(0) @ qml.Z(1), qml.X(0) @ qml.X(1)], seed=2)

    # a depolarized Bell pair: <ZZ> = <XX> = 1 - 4p/3
    for e in circuit():
        assert abs(e - (1 - 4 * p / 3)) < _tolerance(3000, 2)


def test_shadow_after_postselection_keeps_the_kept_shots():
    dev = qml.device("default.qubit", wires=2, seed=8)

    @qml.set_shots(400)
    @qml.qnode(dev)
    def circuit():
        qml.RX(onp.pi / 2, 0)
        qml.CNOT([0, 1])
        qml.measure(0, postselect=1)
        return qml.classical_shadow(wires=[1])

    bits, recipes = circuit()
    kept = bits.shape[0]
    assert abs(kept - 200) < 6 * 10  # binomial(400, 1/2)
    assert onp.all(bits[recipes == 2] == 1)  # wire 1 is |1> after keeping outcome 1


def test_shadow_expval_derivative_by_parameter_shift():
    """PennyLane's derivative: parameter shift, a new shadow per shifted circuit. Each
    derivative is (f(x + pi/2) - f(x - pi/2)) / 2 of two independent estimates, so its
    spread is at most sqrt(3**w / T) / sqrt(2)."""
    dev = qml.device("default.qubit", wires=2, seed=5)
    T = 8000

    @qml.set_shots(T)
    @qml.qnode(dev)
    def shadow(x):
        qml.RX(x[0], 0)
        qml.RY(x[1], 1)
        qml.CNOT([0, 1])
        return qml.shadow_expval([qml.Z(0), qml.Z(0) @ qml.Z(1)], seed=3)

    x = qml.numpy.array([0.4, 0.9], requires_grad=True)
    jac = qml.jacobian(shadow)(x)
    # <Z0> = cos x0, <Z0 Z1> = cos x1 (the CNOT maps Z0 Z1 to Z1): exact derivatives
    exact = onp.array([[-onp.sin(0.4), 0.0], [0.0, -onp.sin(0.9)]])
    assert jac.shape == (2, 2)
    for w, row_j, row_e in zip((1, 2), jac, exact):
        assert onp.all(onp.abs(row_j - row_e) < _tolerance(T, w) / onp.sqrt(2))
    g = qml.grad(lambda v: shadow(v)[0])(x)  # a hybrid cost around it
    assert onp.all(onp.abs(g - exact[0]) < _tolerance(T, 1) / onp.sqrt(2))


def test_same_shadow_as_pennylane():
    """With PennyLane installed as a test-only peer: the same device seed and recipe seed
    give PennyLane's bits and recipes, and its shadow_expval, exactly (both draw one
    uniform number per wire and snapshot, in the same order, from the device's
    generator)."""
    pl = pytest.importorskip("pennylane")

    def run(lib, measure):
        dev = lib.device("default.qubit", wires=3, seed=5)

        @lib.set_shots(500)
        @lib.qnode(dev)
        def circuit(x):
            for w in range(3):
                lib.RY(x * (w + 1), wires=w)
            lib.CNOT(wires=[0, 1])
            lib.CNOT(wires=[1, 2])
            return measure(lib)

        return onp.asarray(circuit(0.7))

    shadow = lambda lib: lib.classical_shadow(wires=[0, 1, 2], seed=3)  # noqa: E731
    assert onp.array_equal(run(qml, shadow), run(pl, shadow))
    est = lambda lib: lib.shadow_expval([lib.Z(0) @ lib.Z(1), lib.X(2)], seed=3)  # noqa: E731
    assert onp.allclose(run(qml, est), run(pl, est), atol=1e-12)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7"])
def test_a_bad_seed_is_refused_where_it_is_written(seed):
    """NumPy's ValueError/TypeError came from inside the run (RandomState(seed))."""
    with pytest.raises(qml.MeasurementError, match="seed must be None or an int"):
        qml.classical_shadow(wires=[0], seed=seed)
    with pytest.raises(qml.MeasurementError, match="seed must be None or an int"):
        qml.shadow_expval(qml.Z(0), seed=seed)


def test_a_bool_seed_is_the_int_numpy_takes():
    """PennyLane hands the seed to NumPy, which takes True as 1 (its tests pass seed=True)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(20)
    @qml.qnode(dev)
    def circuit(seed):
        qml.Hadamard(0)
        qml.CNOT([0, 1])
        return qml.classical_shadow(wires=[0, 1], seed=seed)

    assert onp.array_equal(circuit(True)[1], circuit(1)[1])  # the recipes (the bits: the device's)
    assert onp.array_equal(onp.random.RandomState(True).randint(0, 3, 8),
                           onp.random.RandomState(1).randint(0, 3, 8))


def test_shadow_expval_mp_flatten_unflatten_round_trip():
    """PennyLane's pytree protocol of ``ShadowExpvalMP``: the observable(s) as data, the seed
    and ``k`` as hashable metadata; unflattened, the same measurement."""
    from qsym.measurements import ShadowExpvalMP

    for H, seed, k in ((qml.s_prod(3.0, qml.PauliX(0)), 97, 2),
                       ([qml.PauliZ(0), 4.0 * qml.PauliX(0)], 86, 4)):
        mp = ShadowExpvalMP(H, seed=seed, k=k)
        data, metadata = mp._flatten()
        assert data == (H,) and dict(metadata) == {"seed": seed, "k": k} and hash(metadata)
        new = type(mp)._unflatten(data, metadata)
        qml.assert_equal(new, mp)
        assert (new.seed, new.k, new.H) == (seed, k, H)


@pytest.mark.parametrize("shots", [10, (10, 10)])
def test_shadow_expval_after_a_postselection_that_keeps_nothing_is_nan(shots):
    """An impossible postselected outcome keeps no snapshot: PennyLane's estimate of no
    snapshot is NaN (one per observable), and the classical shadow has no snapshot."""
    dev = qml.device("default.qubit", seed=3)

    def circuit(m):
        qml.RX(onp.pi, 0)  # wire 0 is |1>: keeping 0 is impossible
        qml.CNOT([0, 1])
        qml.measure(0, postselect=0)
        return qml.apply(m)

    for m, check in [
        (qml.shadow_expval(qml.Z(0) + qml.X(0)), lambda r: onp.shape(r) == () and onp.isnan(r)),
        (qml.shadow_expval([qml.Z(0), qml.X(1)]),
         lambda r: onp.shape(r) == (2,) and onp.isnan(r).all()),
        (qml.classical_shadow(wires=[0]), lambda r: onp.shape(r) == (2, 0, 1)),
    ]:
        node = qml.set_shots(qml.QNode(lambda: circuit(m), dev, mcm_method="deferred"),
                             shots=shots)
        result = node()
        for r in (result if isinstance(shots, tuple) else [result]):
            assert check(r)
