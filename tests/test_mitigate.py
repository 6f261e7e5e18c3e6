"""Zero-noise extrapolation (qsym._mitigate): fold_global's gate sequences written out by
hand, the extrapolations on data of known limit, mitigate_with_zne on a device that
depolarizes after every gate (a Bloch vector shrinks by 1 - 4p/3 per gate, so the
folded circuits' values are known in closed form), and PennyLane where it is installed."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _names(tape):
    return [(o.name, list(o.wires)) for o in tape.operations]


def test_fold_global_sequences():
    ops = [qml.RX(0.1, 0), qml.CNOT([0, 1]), qml.RY(0.2, 1), qml.H(0)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
    base = [("RX", [0]), ("CNOT", [0, 1]), ("RY", [1]), ("Hadamard", [0])]
    adj = [("Adjoint(RX)", [0]), ("Adjoint(CNOT)", [0, 1]), ("Adjoint(RY)", [1]),
           ("Adjoint(Hadamard)", [0])]
    (one,), _ = qml.noise.fold_global(tape, 1)
    assert _names(one) == base
    (three,), fn = qml.noise.fold_global(tape, 3)
    assert _names(three) == base + adj[::-1] + base and fn(["r"]) == "r"
    (two,), _ = qml.noise.fold_global(tape, 2)  # half the gates folded: the last two
    assert _names(two) == base + [adj[3], adj[2], base[2], base[3]]
    (more,), _ = qml.noise.fold_global(tape, 3.5)  # one fold, then the last gate
    assert _names(more) == base + adj[::-1] + base + [adj[3], base[3]]
    assert more.measurements == tape.measurements


def test_fold_global_keeps_the_state():
    ops = [qml.RX(0.3, 0), qml.CNOT([0, 1]), qml.RY(0.7, 1), qml.T(1)]
    tape = qml.tape.QuantumScript(ops, [qml.state()])
    dev = qml.device("default.qubit", wires=2)
    want = qml.execute([tape], dev)[0]
    for s in (2, 3, 4.5):
        (folded,), _ = qml.noise.fold_global(tape, s)
        assert onp.allclose(qml.execute([folded], dev)[0], want, atol=1e-12, rtol=0)


def test_fold_global_refuses_channels():
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.BitFlip(0.1, 0)], [qml.expval(qml.Z(0))])
    with pytest.raises(ValueError, match="Circuits containing quantum channels cannot be folded"):
        qml.noise.fold_global(tape, 3)


@pytest.mark.parametrize("scale", [0.5, 0, -1, float("nan"), float("inf"), 1 + 0.5j, "3"])
def test_fold_global_refuses_scale_factors_that_are_not_real_and_at_least_one(scale):
    # below 1 the fold counts went negative and the circuit was folded all the same
    # (0.5 gave the gates of scale 2.33: a noise scale nobody asked for)
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1]), qml.RY(0.2, 1)],
                                  [qml.expval(qml.Z(0))])
    with pytest.raises(qml.errors.ArgumentError, match="scale_factor must be a finite real number >= 1"):
        qml.noise.fold_global(tape, scale)


@pytest.mark.parametrize("extrapolate, x, y, match", [
    # a repeated scale factor leaves the Richardson polynomial undetermined: the pseudo-inverse
    # gave 0.0667 for the points (1, 0.1), (1, 0.2), (1, 0.3)
    (qml.noise.richardson_extrapolate, [1, 1, 1], [0.1, 0.2, 0.3], "needs at least 3 distinct"),
    (lambda x, y: qml.noise.poly_extrapolate(x, y, 3), [1, 2, 3], [1.0, 2.0, 4.0],
     "needs at least 4 distinct"),
    (qml.noise.exponential_extrapolate, [2, 2], [0.5, 0.4], "needs at least 2 distinct"),
    (qml.noise.richardson_extrapolate, [1, 2, 3], [0.1, 0.2], "3 scale factors and 2 results"),
    (lambda x, y: qml.noise.poly_extrapolate(x, y, -1), [1, 2], [0.1, 0.2], "non-negative integer"),
    (lambda x, y: qml.noise.poly_extrapolate(x, y, 1.5), [1, 2, 3], [0.1, 0.2, 0.3], "non-negative integer"),
    (qml.noise.richardson_extrapolate, [1, 2, float("inf")], [0.1, 0.2, 0.3], "must be finite"),
    (qml.noise.richardson_extrapolate, [], [], "at least one scale factor"),
])
def test_extrapolations_refuse_fits_that_are_not_unique(extrapolate, x, y, match):
    with pytest.raises(qml.errors.ArgumentError, match=match):
        extrapolate(x, y)


@pytest.mark.parametrize("reps", [0, -2, 1.5])
def test_mitigate_with_zne_refuses_reps_per_factor_that_is_not_a_positive_integer(reps):
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.errors.ArgumentError, match="reps_per_factor must be a positive integer"):
        qml.noise.mitigate_with_zne(tape, [1, 3], qml.noise.fold_global,
                                    qml.noise.richardson_extrapolate, reps_per_factor=reps)


def test_mitigate_with_zne_refuses_no_scale_factors():
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.errors.ArgumentError, match="scale_factors is empty"):
        qml.noise.mitigate_with_zne(tape, [], qml.noise.fold_global,
                                    qml.noise.richardson_extrapolate)


def test_extrapolations_recover_known_limits():
    x = [1.0, 2.0, 3.0, 4.0]
    cubic = [2.0 - v + 0.5 * v**2 - 0.25 * v**3 for v in x]
    assert abs(qml.noise.richardson_extrapolate(x, cubic) - 2.0) < 1e-10
    line = [3.0 + 0.5 * v for v in x]
    assert abs(qml.noise.poly_extrapolate(x, line, 1) - 3.0) < 1e-12
    # a least-squares line through points that are not on one: the intercept of the
    # normal equations, written out (sums over the points)
    ys = [1.0, 0.7, 0.6, 0.2]
    n, sx, sy = len(x), sum(x), sum(ys)
    sxx, sxy = sum(v * v for v in x), sum(v * w for v, w in zip(x, ys))
    intercept = (sy * sxx - sx * sxy) / (n * sxx - sx**2)
    assert abs(qml.noise.poly_extrapolate(x, ys, 1) - intercept) < 1e-12
    decay = [0.8 * onp.exp(-0.3 * v) for v in x]
    assert abs(qml.noise.exponential_extrapolate(x, decay) - 0.8) < 1e-12
    rising = [1.5 - 0.8 * onp.exp(-0.3 * v) for v in x]
    assert abs(qml.noise.exponential_extrapolate(x, rising, asymptote=1.5) - 0.7) < 1e-12
    # several values at once: one fit per entry
    pairs = [onp.array([3.0 + 0.5 * v, 1.0 - v]) for v in x]
    assert onp.allclose(qml.noise.poly_extrapolate(x, pairs, 1), [3.0, 1.0], atol=1e-12)


P = 0.02
SHRINK = 1 - 4 * P / 3  # the Bloch vector after a depolarizing channel


def _noisy_device():
    model = qml.NoiseModel({qml.noise.wires_in([0]): qml.noise.partial_wires(qml.DepolarizingChannel, P)})
    return qml.add_noise(qml.device("default.mixed", wires=1), noise_model=model)


def _lagrange_at_zero(xs, ys):
    total = 0.0
    for i, (xi, yi) in enumerate(zip(xs, ys)):
        w = 1.0
        for j, xj in enumerate(xs):
            if j != i:
                w *= (0 - xj) / (xi - xj)
        total += w * yi
    return total


def test_mitigate_with_zne_on_a_depolarizing_device():
    dev = _noisy_device()

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    x, scales = 0.4, [1, 3, 5]
    assert abs(circuit(x) - onp.cos(x) * SHRINK) < 1e-12  # one gate, one channel
    values = [onp.cos(x) * SHRINK**s for s in scales]  # s gates: s channels
    richardson = qml.noise.mitigate_with_zne(circuit, scales, qml.noise.fold_global,
                                             qml.noise.richardson_extrapolate)
    assert abs(richardson(x) - _lagrange_at_zero(scales, values)) < 1e-12
    exponential = qml.noise.mitigate_with_zne(circuit, scales, qml.noise.fold_global,
                                              qml.noise.exponential_extrapolate)
    assert abs(exponential(x) - onp.cos(x)) < 1e-12  # the decay is exactly exponential
    # its derivative too (autograd through the fits): d cos(x) / dx
    assert abs(qml.grad(exponential)(np.array(x, requires_grad=True)) + onp.sin(x)) < 1e-10
    linear = qml.noise.mitigate_with_zne(circuit, scales, qml.noise.fold_global,
                                         qml.noise.poly_extrapolate,
                                         extrapolate_kwargs={"order": 1}, reps_per_factor=2)
    n, sx, sy = 3, sum(scales), sum(values)
    sxx, sxy = sum(s * s for s in scales), sum(s * v for s, v in zip(scales, values))
    assert abs(linear(x) - (sy * sxx - sx * sxy) / (n * sxx - sx**2)) < 1e-12


def test_mitigate_with_zne_tapes_and_several_measurements():
    tape = qml.tape.QuantumScript([qml.StatePrep([0, 1], wires=0), qml.RX(0.3, 0)],
                                  [qml.expval(qml.Z(0)), qml.expval(qml.Y(0))])
    tapes, fn = qml.noise.mitigate_with_zne(tape, [1, 3], qml.noise.fold_global,
                                            qml.noise.richardson_extrapolate, reps_per_factor=2)
    assert [[o.name for o in t.operations] for t in tapes] == [
        ["StatePrep", "RX"]] * 2 + [["StatePrep", "RX", "Adjoint(RX)", "RX"]] * 2
    out = fn([(0.9, 0.1), (0.9, 0.1), (0.7, 0.3), (0.7, 0.3)])
    assert isinstance(out, tuple) and onp.allclose(out, (1.0, 0.0), atol=1e-12)
    assert qml.transforms.mitigate_with_zne is qml.noise.mitigate_with_zne


def test_zne_matches_pennylane():
    pl = pytest.importorskip("pennylane")

    def run(lib, lnp):
        model = lib.NoiseModel({lib.noise.wires_in([0, 1]): lib.noise.partial_wires(
            lib.DepolarizingChannel, 0.02)})
        noisy = lib.add_noise(lib.device("default.mixed", wires=2), noise_model=model)

        @lib.noise.mitigate_with_zne(scale_factors=[1, 1.5, 2, 3], folding=lib.noise.fold_global,
                                     extrapolate=lib.noise.richardson_extrapolate)
        @lib.qnode(noisy)
        def circuit(x, y):
            lib.RX(x, wires=0)
            lib.CNOT([0, 1])
            lib.RY(y, wires=1)
            return lib.expval(lib.Z(1)), lib.expval(lib.Z(0) @ lib.Z(1))

        x, y = lnp.array(0.4, requires_grad=True), lnp.array(0.9, requires_grad=True)
        grad = lib.grad(lambda a, b: circuit(a, b)[0])(x, y)
        return [float(v) for v in circuit(x, y)], [float(g) for g in grad]

    (v1, g1), (v2, g2) = run(pl, pl.numpy), run(qml, np)
    assert onp.allclose(v1, v2, atol=1e-11, rtol=0) and onp.allclose(g1, g2, atol=1e-10, rtol=0)


def test_pennylane_module_path_of_polyfit_and_array_results():
    # PennyLane's tests import _polyfit from pennylane.noise.mitigate; an extrapolation of
    # an array of results is an array (0-d), as PennyLane's tensor
    from qsym.noise.mitigate import _polyfit
    x = onp.linspace(1, 4, 4)
    assert onp.allclose(_polyfit(x, 3.0 * x**2 + 2.0 * x + 1.0, 2), [3, 2, 1])
    value = qml.noise.exponential_extrapolate([1, 3, 5], np.array([0.9, 0.8, 0.7]))
    assert isinstance(value, onp.ndarray) and value.ndim == 0
    value = qml.noise.richardson_extrapolate([1, 2], np.array([1.0, 2.0]))
    assert isinstance(value, onp.ndarray) and float(value) == pytest.approx(0.0)


def test_extrapolations_of_tensors_are_tensors_as_pennylanes():
    # PennyLane 0.45.1 returns tensor(..., requires_grad=True) for results that hold
    # qsym.numpy tensors (a list of them, or one array), whatever their requires_grad; a
    # list of plain numbers stays a NumPy float. The values by hand: the parabola through
    # (1, 0.5), (2, 0.4), (3, 0.35) is 0.65 at zero (3 y1 - 3 y2 + y3), the least-squares
    # line 0.5667 (0.6 - 0.075 x + ..., mean 0.41667 at x = 2, slope -0.075)
    x, ys = [1, 2, 3], [0.5, 0.4, 0.35]
    for y in ([np.array(v) for v in ys], [np.array(v, requires_grad=False) for v in ys],
              np.array(ys)):
        for value, expected in ((qml.noise.richardson_extrapolate(x, y), 0.65),
                                (qml.noise.poly_extrapolate(x, y, 1), 0.41666666666666667 + 0.15)):
            assert isinstance(value, np.tensor) and value.requires_grad
            assert float(value) == pytest.approx(expected, abs=1e-12)
        value = qml.noise.exponential_extrapolate(x, y)
        assert isinstance(value, np.tensor) and value.requires_grad
    plain = qml.noise.richardson_extrapolate(x, ys)
    assert type(plain) is onp.float64 and plain == pytest.approx(0.65, abs=1e-12)
