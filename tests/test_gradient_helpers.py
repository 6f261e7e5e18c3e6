"""PennyLane's shift-rule and gradient helpers on ``qml.gradients`` and its module paths
(issue #18), checked against closed forms written here: trigonometric polynomials whose
derivatives are known, cos(x) cos(y) for mixed derivatives, hand-made Jacobians."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.gradients.general_shift_rules import (
    frequencies_to_period,
    generate_multi_shift_rule,
    generate_shift_rule,
    generate_shifted_tapes,
    process_shifts,
)
from qsym.gradients.parameter_shift import (
    _evaluate_gradient,
    _get_operation_recipe,
    _make_zero_rep,
    _put_zeros_in_pdA2_involutory,
)
from qsym.measurements import Shots


def trig(freqs, a, b):
    """f(x) = sum_l a_l cos(w_l x) + b_l sin(w_l x) and f'(0) = sum_l b_l w_l."""
    return (lambda x: sum(al * onp.cos(w * x) + bl * onp.sin(w * x)
                          for w, al, bl in zip(freqs, a, b)),
            sum(bl * w for w, bl in zip(freqs, b)))


@pytest.mark.parametrize("freqs, shifts", [((1, 4, 5, 6), (onp.pi / 13, 3 * onp.pi / 7,
                                                           2 * onp.pi / 3, 3 * onp.pi / 4)),
                                           ((0.5, 1.0), (0.4, 0.8)), ((1.0,), (0.3,))])
def test_custom_shifts_differentiate_trigonometric_polynomials(freqs, shifts):
    rng = onp.random.default_rng(1)
    f, want = trig(freqs, rng.normal(size=len(freqs)), rng.normal(size=len(freqs)))
    rule = generate_shift_rule(freqs, shifts)
    assert len(rule) == 2 * len(freqs)
    assert sum(c * f(s) for c, s in rule) == pytest.approx(want, abs=1e-10)


def test_near_singular_warning():
    with pytest.warns(UserWarning, match="near zero determinant"):
        generate_shift_rule((1, 2, 3, 4, 5, 67), (0.1, 0.2, 0.3, 0.4, 0.5, 0.6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generate_shift_rule((1, 2, 3))  # equidistant: no linear problem


def test_mixed_second_derivative_rule():
    rule = generate_multi_shift_rule([(1,), (1,)])
    f = lambda x, y: onp.cos(x + 0.3) * onp.cos(y - 0.2)  # noqa: E731
    got = sum(c * f(s1, s2) for c, s1, s2 in rule)
    assert got == pytest.approx(onp.sin(0.3) * onp.sin(-0.2), abs=1e-12)


def test_period_and_processing():
    assert frequencies_to_period((0.5, 1.0)) == pytest.approx(4 * onp.pi)
    assert frequencies_to_period((1, 3)) == pytest.approx(2 * onp.pi)
    rows = process_shifts(onp.array([[0.25, -1.0], [0.25, 1.0], [0.25, 1.0], [1e-12, 0.5]]))
    onp.testing.assert_allclose(rows, [[0.5, 1.0], [0.25, -1.0]])


def test_shifted_tapes():
    t = qml.tape.QuantumScript([qml.RX(0.5, 0), qml.RY(0.1, 0)], [qml.expval(qml.Z(0))])
    t.trainable_params = [1]
    tapes = generate_shifted_tapes(t, 0, [0.2, -0.2], multipliers=[2.0, 1.0])
    got = [[float(p) for p in s.get_parameters(trainable_only=False)] for s in tapes]
    onp.testing.assert_allclose(got, [[0.5, 0.4], [0.5, -0.1]])


def test_operation_recipe_custom_and_second_order():
    recipe = [[0.5, 1.0, onp.pi / 2], [-0.5, 1.0, -onp.pi / 2]]

    class MyRX(qml.RX):
        grad_recipe = (recipe,)

    t = qml.tape.QuantumScript([MyRX(0.2, wires=0)], [qml.expval(qml.Z(0))])
    onp.testing.assert_allclose(_get_operation_recipe(t, 0, None), recipe)
    second = _get_operation_recipe(t, 0, None, order=2)
    # d^2/dx^2 cos(x) = -cos(x) from the twice-applied rule, shifts folded into [-pi, pi)
    x = 0.2
    assert sum(c * onp.cos(m * x + s) for c, m, s in second) == pytest.approx(-onp.cos(x))
    with pytest.raises(NotImplementedError, match="orders 1 and 2"):
        _get_operation_recipe(t, 0, None, order=3)


def test_param_shift_uses_an_operations_own_recipe():
    # a deliberately different recipe: 2 f(x + 1) (not the derivative); param_shift uses it
    class Odd(qml.RX):
        grad_recipe = ([[2.0, 1.0, 1.0]],)

    t = qml.tape.QuantumScript([Odd(0.3, wires=0)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.param_shift(t)
    got = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    assert float(got) == pytest.approx(2 * onp.cos(1.3), abs=1e-12)


def test_evaluate_gradient_layouts():
    coeffs = onp.array([0.5, -0.5])
    data = [None, coeffs, None, None, None]
    # one measurement, no shot vector: results per shifted tape
    g = _evaluate_gradient((None, None, 1, Shots(None)), (onp.array(0.8), onp.array(0.2)),
                           data, None, None)
    assert g == pytest.approx(0.3)
    # two measurements, shot vector of 2, broadcast (shifts on the first axis)
    res = tuple((onp.array([1.0, 0.0]), onp.array([[0.6, 0.4], [0.2, 0.8]])) for _ in range(2))
    g = _evaluate_gradient((None, None, 2, Shots((10, 20))), res, data, None, 4)
    assert len(g) == 2 and g[0][0] == pytest.approx(0.5)
    onp.testing.assert_allclose(g[1][1], [0.2, -0.2])
    # no shifted tape: the unshifted term alone
    g = _evaluate_gradient((None, None, 1, Shots(None)), (),
                           [None, onp.ones(0), None, 2.0, None], onp.array(0.25), None)
    assert g == pytest.approx(0.5)


def test_zero_representatives():
    rep = _make_zero_rep(((onp.array(0.1), onp.ones(3)),) * 2, False, True)
    assert [[r.shape for r in c] for c in rep] == [[(), (3,)], [(), (3,)]]
    rep = _make_zero_rep(onp.ones((2, 3)), True, False, par_shapes=((2,), (4, 5)))
    assert rep.shape == (4, 5, 3) and not rep.any()
    t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)],
                               [qml.expval(qml.Z(0)), qml.var(qml.Z(0))])
    out = _put_zeros_in_pdA2_involutory(t, ((1.0, 2.0), (3.0, 4.0)), [1])
    assert out[0] == (1.0, 2.0) and out[1] == (0, 0)


def test_jvp_of_a_tape_against_the_closed_form():
    # <Z> = cos(x) cos(y): J = (-sin x cos y, -cos x sin y)
    x, y = 0.4, -0.7
    t = qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(y, 0)], [qml.expval(qml.Z(0))])
    tangent = onp.array([0.5, 2.0])
    tapes, fn = qml.gradients.jvp(t, tangent, qml.gradients.param_shift)
    got = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    want = 0.5 * -onp.sin(x) * onp.cos(y) + 2.0 * -onp.cos(x) * onp.sin(y)
    assert float(got) == pytest.approx(want, abs=1e-12)
    tapes, fn = qml.gradients.jvp(t, onp.zeros(2), qml.gradients.param_shift)
    assert tapes == [] and float(fn([])) == 0.0


def test_compute_jvp_shapes():
    # two parameters, one of shape (2,), a result of shape (3,)
    jac = (onp.arange(3.0), onp.arange(6.0).reshape(3, 2))
    tangent = [onp.array(2.0), onp.array([1.0, -1.0])]
    want = 2.0 * onp.arange(3.0) + onp.arange(6.0).reshape(3, 2) @ onp.array([1.0, -1.0])
    onp.testing.assert_allclose(qml.gradients.compute_jvp_single(tangent, jac), want)
    out = qml.gradients.compute_jvp_multi(onp.array([3.0]), (onp.array(0.5), onp.ones(2)))
    assert out[0] == 1.5 and list(out[1]) == [3.0, 3.0]
    tapes, fn = qml.gradients.batch_jvp(
        [qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])] * 2,
        [np.array([1.0]), np.array([0.0])], qml.gradients.param_shift)
    res = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    assert float(res[0]) == pytest.approx(-onp.sin(0.3)) and float(res[1]) == 0.0


def test_second_order_rule_of_incommensurate_minimum_frequency():
    # frequencies (2, 3): period 2 pi (gcd 1); the rule is exact on such a polynomial
    rng = onp.random.default_rng(4)
    a, b = rng.normal(size=2), rng.normal(size=2)
    f = lambda x: sum(al * onp.cos(w * x) + bl * onp.sin(w * x)  # noqa: E731
                      for w, al, bl in zip((2, 3), a, b))
    want = -sum(al * w ** 2 for w, al in zip((2, 3), a))  # f''(0)
    rule = generate_shift_rule((2, 3), order=2)
    assert sum(c * f(s) for c, s in rule) == pytest.approx(want, abs=1e-9)
    assert onp.all(onp.abs(rule[:, 1]) <= onp.pi + 1e-12)  # folded into one period
    assert len(rule) == 7


def test_multishifted_tapes_in_any_index_order():
    from qsym.gradients import generate_multishifted_tapes
    t = qml.tape.QuantumScript([qml.RX(1.0, 0), qml.RY(2.0, 0), qml.RZ(3.0, 0)],
                               [qml.expval(qml.Z(0))])
    t.trainable_params = [0, 2]
    (s,) = generate_multishifted_tapes(t, [1, 0], [[0.3, -0.6]], [[0.2, 0.5]])
    got = [float(p) for p in s.get_parameters(trainable_only=False)]
    onp.testing.assert_allclose(got, [0.5 * 1.0 - 0.6, 2.0, 0.2 * 3.0 + 0.3])


def test_variance_gradient_per_shot_copy():
    # Var(Z) = sin(x)^2 for RX(x): d/dx = sin(2x); each copy sampled with its own shots
    x = 0.7
    t = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.var(qml.Z(0)), qml.expval(qml.Z(0))],
                               shots=(20000, 30000))
    tapes, fn = qml.gradients.param_shift(t)
    res = fn(qml.execute(tapes, qml.device("default.qubit", wires=1, seed=3)))
    assert len(res) == 2
    for var_g, exp_g in res:
        assert float(var_g) == pytest.approx(onp.sin(2 * x), abs=0.05)
        assert float(exp_g) == pytest.approx(-onp.sin(x), abs=0.05)


def test_vjp_of_a_tape_against_the_closed_form():
    # <Z> = cos(x) cos(y), probs of wire 0 = ((1 + <Z>) / 2, (1 - <Z>) / 2)
    x, y = 0.4, -0.7
    t = qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(y, 0)],
                               [qml.expval(qml.Z(0)), qml.probs(wires=0)])
    dy = (onp.array(2.0), onp.array([1.0, -1.0]))
    tapes, fn = qml.gradients.vjp(t, dy, qml.gradients.param_shift)
    got = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    grad_z = onp.array([-onp.sin(x) * onp.cos(y), -onp.cos(x) * onp.sin(y)])
    # d probs = (dZ / 2, -dZ / 2): dy . J = 2 dZ + (1/2 + 1/2) dZ = 3 dZ
    onp.testing.assert_allclose(got, 3 * grad_z, atol=1e-12)
    tapes, fn = qml.gradients.vjp(t, (onp.array(0.0), onp.zeros(2)), qml.gradients.param_shift)
    assert tapes == [] and list(fn([])) == [0.0, 0.0]
    tapes, fn = qml.gradients.batch_vjp([t, t], [dy, dy], qml.gradients.param_shift)
    both = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    onp.testing.assert_allclose(both[1], 3 * grad_z, atol=1e-12)


def test_gradient_method_analysis():
    from qsym.gradients.gradient_transform import (
        _find_gradient_methods,
        _validate_gradient_methods,
        choose_trainable_param_indices,
    )

    t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 1), qml.RZ(0.3, 0)],
                               [qml.expval(qml.Z(0))])
    idx = choose_trainable_param_indices(t)
    assert idx == [0, 1, 2] and choose_trainable_param_indices(t, 2) == [2]
    assert _find_gradient_methods(t, idx) == {0: "A", 1: "0", 2: "A"}  # RY(wire 1) unseen
    assert _find_gradient_methods(t, idx, use_graph=False)[1] == "A"
    with pytest.raises(ValueError, match="Cannot differentiate"):
        _validate_gradient_methods(t, "best", {0: "A", 1: None})
    with pytest.raises(ValueError, match="analytic gradient method cannot"):
        _validate_gradient_methods(t, "analytic", {0: "F"})
    with pytest.warns(UserWarning, match="No trainable parameters"):
        assert choose_trainable_param_indices(t, []) == []


def test_spsa_sampler_with_zero_entries_is_coordinate_finite_differences():
    """A sampler may leave parameters unperturbed (direction 0): PennyLane multiplies by
    1/direction where it is nonzero and by 0 elsewhere (it was a division by zero)."""
    from qsym.gradients.spsa_gradient import _rademacher_sampler

    def coordinate(indices, num_params, idx, rng=None):
        d = onp.zeros(num_params)
        d[indices[idx % len(indices)]] = 1.0
        return d

    x, y = 0.543, -0.654
    t = qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(y, 1), qml.CNOT([0, 1])],
                               [qml.expval(qml.Z(0) @ qml.X(1))])
    tapes, fn = qml.gradients.spsa_grad(t, h=1e-6, num_directions=2, sampler=coordinate)
    res = 2 * onp.array(fn(qml.device("default.qubit", wires=2).execute(tapes)))
    assert onp.allclose(res, [-onp.sin(y) * onp.sin(x), onp.cos(y) * onp.cos(x)], atol=1e-7)
    d = _rademacher_sampler([0, 2], 4, rng=onp.random.default_rng(0))
    assert set(onp.abs(d[[0, 2]])) == {1.0} and not d[[1, 3]].any()


def test_spsa_grad_of_a_qnode_with_a_shot_vector_gives_one_jacobian_per_copy():
    """Coordinate directions make SPSA the central difference, whose value for
    cos(x0) cos(x1) is known exactly: -sin(x0) cos(x1) sin(h) / h (and likewise for x1)."""
    def coordinate(indices, num_params, idx, rng=None):
        d = onp.zeros(num_params)
        d[indices[idx % len(indices)]] = 1.0
        return d

    @qml.set_shots((100000, 200000))
    @qml.qnode(qml.device("default.qubit", wires=1, seed=7))
    def c(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=0)

    x, h = np.array([0.4, 0.3]), 0.5
    res = qml.gradients.spsa_grad(c, h=h, num_directions=2, sampler=coordinate)(x)
    # the directions are averaged (PennyLane's): each coordinate's difference counts 1/2
    fd = 0.5 * onp.sin(h) / h * onp.array([-onp.sin(0.4) * onp.cos(0.3),
                                         -onp.cos(0.4) * onp.sin(0.3)])
    assert isinstance(res, tuple) and len(res) == 2
    for ev, probs in res:
        assert ev.shape == (2,) and probs.shape == (2, 2)
        assert onp.allclose(ev, fd, atol=0.03)
        assert onp.allclose(probs[0], -probs[1])  # probabilities sum to one


def test_no_trainable_parameters_with_a_shot_vector():
    t = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0)), qml.probs(wires=0)],
                               shots=(10, 20, 30))
    t.trainable_params = []
    with pytest.warns(UserWarning, match="no trainable parameters"):
        tapes, fn = qml.gradients.spsa_grad(t)
    res = fn([])
    assert tapes == [] and len(res) == 3 and all(len(r) == 2 and r[0].shape == (0,) for r in res)


# --- vjp / jvp differentiated again (they were silent zeros: issue #18) ----------------------
def _probs_tape(x):
    """RX(x0) RY(x1) CNOT, probabilities of both wires: p = (c0 c1, c0 s1, s0 s1, s0 c1)
    with c_i = cos^2(x_i / 2), s_i = sin^2(x_i / 2) (the CNOT swaps the last two)."""
    with qml.queuing.AnnotatedQueue() as q:
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.probs(wires=[0, 1])
    return qml.tape.QuantumScript.from_queue(q)


def _probs_by_hand(x):
    c0, s0 = onp.cos(x[0] / 2) ** 2, onp.sin(x[0] / 2) ** 2
    c1, s1 = onp.cos(x[1] / 2) ** 2, onp.sin(x[1] / 2) ** 2
    return onp.array([c0 * c1, c0 * s1, s0 * s1, s0 * c1])


def _fd_jacobian(f, x, h=1e-6):
    cols = []
    for i in range(len(x)):
        e = onp.zeros(len(x))
        e[i] = h
        cols.append((onp.asarray(f(x + e)) - onp.asarray(f(x - e))) / (2 * h))
    return onp.stack(cols, axis=-1)


def test_vjp_and_jvp_of_a_tape_are_differentiable_by_qml_jacobian():
    """qml.jacobian of the processing functions of qml.gradients.vjp / jvp (a tape built
    from the traced argument): their products kept autograd's values (they were turned into
    object arrays and came back as zeros); checked against central differences of the
    closed-form VJP/JVP of the probabilities."""
    dev = qml.device("default.qubit", wires=2)
    dy = onp.array([-1.0, 0.0, 0.0, 1.0])
    tangent = onp.array([0.3, -0.7])
    x0 = onp.array([0.543, -0.654])

    def vjp_cost(x):
        tapes, fn = qml.gradients.vjp(_probs_tape(x), dy, qml.gradients.param_shift)
        return fn(dev.execute(tapes))

    def jvp_cost(x):
        tapes, fn = qml.gradients.jvp(_probs_tape(x), tangent, qml.gradients.param_shift)
        return fn(dev.execute(tapes))

    def vjp_by_hand(x):
        return dy @ _fd_jacobian(_probs_by_hand, x, 1e-5)

    def jvp_by_hand(x):
        return _fd_jacobian(_probs_by_hand, x, 1e-5) @ tangent

    x = qml.numpy.array(x0, requires_grad=True)
    onp.testing.assert_allclose(vjp_cost(x), vjp_by_hand(x0), atol=1e-8)
    onp.testing.assert_allclose(jvp_cost(x), jvp_by_hand(x0), atol=1e-8)
    got = onp.asarray(qml.jacobian(vjp_cost)(x))
    onp.testing.assert_allclose(got, _fd_jacobian(vjp_by_hand, x0, 1e-4), atol=1e-5)
    assert onp.abs(got).max() > 0.1  # (not the zeros it was)
    got = onp.asarray(qml.jacobian(jvp_cost)(x))
    onp.testing.assert_allclose(got, _fd_jacobian(jvp_by_hand, x0, 1e-4), atol=1e-5)
    # several measurements: compute_vjp_multi sums the products, differentiably too
    def vjp_multi(x):
        with qml.queuing.AnnotatedQueue() as q:
            qml.RX(x[0], wires=0)
            qml.RY(x[1], wires=1)
            qml.expval(qml.Z(0))
            qml.expval(qml.Z(1))
        tapes, fn = qml.gradients.vjp(qml.tape.QuantumScript.from_queue(q),
                                      (onp.array(1.0), onp.array(2.0)), qml.gradients.param_shift)
        return fn(dev.execute(tapes))
    # d/dx of (-sin x0, -2 sin x1): diag(-cos x0, -2 cos x1)
    onp.testing.assert_allclose(onp.asarray(qml.jacobian(vjp_multi)(x)),
                               onp.diag([-onp.cos(x0[0]), -2 * onp.cos(x0[1])]), atol=1e-10)


def test_eigvals_to_frequencies_in_pennylanes_order():
    """The distinct positive differences, in the order of a set built from the pairs of the
    sorted eigenvalues (so the tuple equals PennyLane's, not only as a set)."""
    eigvals = (0.453, 0.65, -1.2, 0)
    res = qml.gradients.eigvals_to_frequencies(eigvals)
    s = sorted(eigvals)
    diffs = [b - a for i, a in enumerate(s) for b in s[i + 1:]]
    assert sorted(res) == sorted(set(diffs)) and len(res) == 6
    assert res == tuple(set(diffs))  # a set's order, not increasing order
    assert res != tuple(sorted(res))
    pl = pytest.importorskip("pennylane")
    assert res == pl.gradients.eigvals_to_frequencies(eigvals)


def test_second_order_rule_of_two_non_equidistant_frequencies_is_exact():
    """Frequencies (2, 3): f(x) = sum a cos(w x) + b sin(w x) has f..(0) = -sum a w^2; the
    rule must give it (PennyLane 0.45 takes two frequencies as equidistant and returns a
    rule that is wrong for this function: its test quotes those numbers)."""
    f, _ = trig((2, 3), [0.3, -0.7], [1.1, 0.4])
    exact = -(0.3 * 4 + -0.7 * 9)
    rule = generate_shift_rule((2, 3), order=2)
    assert onp.isclose(sum(c * f(s) for c, s in rule), exact)


def test_legacy_device_module_paths_import_and_refuse():
    """PennyLane's legacy QubitDevice and the default.qubit internals import (a test
    helper that subclasses QubitDevice loads); a subclass without PennyLane's abstract
    methods (apply, ...) cannot be made, as PennyLane's (tests/test_pl_suite64b.py runs a
    complete one)."""
    from qsym.devices._qubit_device import QubitDevice
    from qsym.devices.qubit import measure
    from qsym.ops.qubit.attributes import diagonal_in_z_basis
    from qsym.pulse import ParametrizedEvolution

    class Legacy(QubitDevice):
        short_name = "legacy"

    with pytest.raises(TypeError, match="abstract"):
        Legacy(wires=2)
    assert onp.isclose(measure(qml.expval(qml.Z(0)), onp.array([0.6, 0.8])), 0.36 - 0.64)
    # qml.pulse provides PennyLane's pulse objects by both paths; a name it does not have is
    # an AttributeError that says so
    assert ParametrizedEvolution is qml.pulse.ParametrizedEvolution
    with pytest.raises(AttributeError, match="qml.pulse.not_a_pulse_name is not supported"):
        qml.pulse.not_a_pulse_name  # noqa: B018
    # a qutrit operator is a record (a test module lists one among its parameters), refused
    # in a circuit; a user's queue records it, as PennyLane's (stop 63: its parameter-shift
    # tests queue a qml.TRX subclass), and a tape holding it is refused where it runs
    assert qml.GellMann(0, 3).wires.tolist() == [0] and qml.TRX(0.5, wires=1).data == (0.5,)
    # PennyLane's CV observables without parameters take the wires first: QuadX(0)
    assert qml.QuadX(0).wires.tolist() == [0] and qml.TensorN([0, 1]).wires.tolist() == [0, 1]

    @qml.qnode(qml.device("default.qubit", wires=1))
    def qutrit_circuit():
        qml.TRX(0.5, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.GateError, match="qutrit operator"):
        qutrit_circuit()
    with qml.queuing.AnnotatedQueue() as q:
        queued = qml.GellMann(0, 3)
    assert q.queue == [queued]
    with pytest.raises(qml.GateError, match="qutrit operator"):
        qml.execute([qml.tape.QuantumScript([qml.TRX(0.5, wires=0)], [qml.expval(qml.Z(0))])],
                    qml.device("default.qubit", wires=1))
    measured = qml.sample(qml.GellMann(0, 3))  # data; refused when it runs
    with pytest.raises(qml.MeasurementError, match="qutrit operator"):
        measured.measured_obs.terms
    # the attribute: membership by name, operator or class; the diagonal gates
    for op in (qml.RZ(0.1, 0), qml.CZ([0, 1]), qml.MultiRZ(0.2, [0, 1, 2]), qml.S(0),
               qml.DiagonalQubitUnitary([1, -1], 0)):
        assert op in diagonal_in_z_basis and type(op) in diagonal_in_z_basis
        if op.name != "DiagonalQubitUnitary":
            m = qml.matrix(op)
            assert onp.allclose(m, onp.diag(onp.diag(m)))
    assert qml.RX(0.1, 0) not in diagonal_in_z_basis and "Hadamard" not in diagonal_in_z_basis


def test_tape_with_a_template_and_trainable_params_of_its_gates():
    """A tape whose template (StatePrep) is not trainable runs with trainable_params
    renumbered to the gates kept: RY(t) on |-> gives <Z> = sin(t), d/dt = cos(t)."""
    dev = qml.device("default.qubit", wires=2)
    t = 0.7
    with qml.queuing.AnnotatedQueue() as q:
        qml.StatePrep(np.array([1.0, -1.0], requires_grad=False) / np.sqrt(2), wires=0)
        qml.RY(t, wires=0)
        qml.expval(qml.PauliZ(0))
    tape = qml.tape.QuantumScript.from_queue(q)
    tape.trainable_params = {1}
    assert onp.isclose(dev.execute(tape), onp.sin(t))
    for transform, kw in ((qml.gradients.param_shift, {}),
                          (qml.gradients.hadamard_grad, {"aux_wire": 1})):
        tapes, fn = transform(tape, **kw)
        assert onp.isclose(fn(dev.execute(tapes)), onp.cos(t))
    tape.trainable_params = {0, 1}  # the template's own parameter too: its gates' are
    assert onp.isclose(dev.execute(tape), onp.sin(t))


@pytest.mark.parametrize("dtype", [onp.float32, onp.float64])
def test_zero_jvp_and_vjp_keep_the_tangents_dtype(dtype):
    """A zero tangent / dy needs no tape; the zeros have its dtype (PennyLane's)."""
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.jvp(tape, onp.zeros(1, dtype=dtype), qml.gradients.param_shift)
    assert tapes == [] and fn([]).dtype == dtype and fn([]) == 0
    tapes, fn = qml.gradients.vjp(tape, onp.zeros(1, dtype=dtype), qml.gradients.param_shift)
    assert tapes == [] and fn([]).dtype == dtype and onp.array_equal(fn([]), [0.0])


def test_own_grad_recipe_is_ordered_by_shift_as_pennylanes():
    """An operation's own recipe [f(2x) - f(0)] / (2 sin x) (multiplier 0): the tapes in
    PennyLane's order (|shift| increasing: the value 0 first), the derivative -sin(x)."""
    class RXd(qml.RX):
        @property
        def grad_recipe(self):
            x = self.data[0]
            c = 0.5 / np.sin(x)
            return ([[c, 0.0, 2 * x], [-c, 0.0, 0.0]],)

    x = 0.654
    tape = qml.tape.QuantumScript([RXd(x, wires=0)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.param_shift(tape)
    assert [float(t.operations[0].data[0]) for t in tapes] == [0.0, 2 * x]
    assert onp.isclose(fn(qml.execute(tapes, qml.device("default.qubit", wires=1))), -onp.sin(x))


def test_param_shift_asks_the_module_for_each_operation_recipe(monkeypatch):
    """PennyLane's param_shift gets each parameter's rule from
    ``qml.gradients.parameter_shift._get_operation_recipe`` (``shifts=`` its tuple); a
    wrapper put there sees the calls and its recipe is the one the tapes are shifted by."""
    ps = qml.gradients.parameter_shift
    real, calls = ps._get_operation_recipe, []

    def wrapper(tape, t_idx, shifts, order=1):
        calls.append((t_idx, shifts))
        return real(tape, t_idx, shifts=shifts, order=order) * onp.array([1.0, 1.0, 2.0])

    monkeypatch.setattr(ps, "_get_operation_recipe", wrapper)
    x = 0.3
    tape = qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(0.2, 0)], [qml.expval(qml.Z(0))])
    tapes, _ = qml.gradients.param_shift(tape, shifts=[(0.4,), None])
    assert calls == [(0, (0.4,)), (1, None)]
    # the wrapper doubled the shifts: RX's tapes at x +- 0.8
    assert sorted(round(float(t.operations[0].data[0]) - x, 6) for t in tapes[:2]) == [-0.8, 0.8]


def test_param_shift_calls_expval_and_var_param_shift_with_the_shifted_positions(monkeypatch):
    """PennyLane's param_shift hands the parameters it shifts (positions into
    trainable_params; not those no measurement depends on) to
    ``parameter_shift.expval_param_shift``, or ``var_param_shift`` for variances."""
    ps = qml.gradients.parameter_shift
    seen = []
    for name in ("expval_param_shift", "var_param_shift"):
        real = getattr(ps, name)
        monkeypatch.setattr(ps, name, lambda *a, _r=real, _n=name, **k: (
            seen.append((_n, a[1])), _r(*a, **k))[1])
    dev = qml.device("default.qubit", wires=2)
    for m, name in ((qml.expval, "expval_param_shift"), (qml.var, "var_param_shift")):
        tape = qml.tape.QuantumScript([qml.RX(0.5, 0), qml.RY(0.2, 1)], [m(qml.Z(0))])
        start = len(seen)
        tapes, fn = qml.gradients.param_shift(tape)
        # var_param_shift gets d<A> from expval_param_shift, as PennyLane's (Z(0) squared is
        # the identity: no tape of <A^2>)
        assert seen[start:] == [(name, [0])] + [("expval_param_shift", [0])] * (m is qml.var)
        res = fn(qml.execute(tapes, dev))
        want = -onp.sin(0.5) if m is qml.expval else 2 * onp.cos(0.5) * onp.sin(0.5)
        assert onp.allclose(res, [want, 0.0])


def test_param_shift_fallback_fn_takes_the_numeric_parameters():
    """``fallback_fn`` differentiates the parameters of operations with ``grad_method = "F"``
    (called with ``argnum=`` their positions); the others are shifted, the Jacobians added."""
    calls = []

    def fallback(tape, argnum=None, **kw):
        calls.append(argnum)
        return qml.gradients.finite_diff(tape, argnum=argnum, **kw)

    class RYF(qml.RY):
        grad_method = "F"

    x, y = 0.543, -0.654
    tape = qml.tape.QuantumScript([qml.RX(x, 0), RYF(y, 1), qml.CNOT([0, 1])],
                                  [qml.expval(qml.Z(0)), qml.expval(qml.Z(1))])
    tapes, fn = qml.gradients.param_shift(tape, fallback_fn=fallback)
    assert calls == [{1}]
    res = fn(qml.execute(tapes, qml.device("default.qubit", wires=2)))
    want = [[-onp.sin(x), 0.0], [-onp.sin(x) * onp.cos(y), -onp.cos(x) * onp.sin(y)]]
    assert onp.allclose(res, want, atol=1e-6)
    tape = qml.tape.QuantumScript([RYF(y, 1)], [qml.expval(qml.Z(1))])
    qml.gradients.param_shift(tape, fallback_fn=fallback)
    assert calls[-1] is None  # no parameter shifts: the fallback on the whole tape


def test_param_shift_with_a_fallback_keeps_array_entries():
    """The Jacobian of a fallback and a shift rule added: 0-d arrays, as PennyLane's."""
    class RYF(qml.RY):
        grad_method = "F"

    tape = qml.tape.QuantumScript([qml.RX(0.4, 0), RYF(0.2, 1)],
                                  [qml.expval(qml.Z(0)), qml.expval(qml.Z(1))])
    tapes, fn = qml.gradients.param_shift(tape, fallback_fn=qml.gradients.finite_diff)
    res = fn(qml.execute(tapes, qml.device("default.qubit", wires=2)))
    assert all(isinstance(e, onp.ndarray) and e.shape == () for row in res for e in row)


def test_param_shift_refuses_an_operation_without_recipe_frequencies_or_generator():
    """PennyLane's OperatorPropertyUndefined: a user's RX whose parameter_frequencies says
    there are none, or an operation with neither a recipe nor a generator."""
    from qsym.exceptions import OperatorPropertyUndefined

    class RXnone(qml.RX):
        @property
        def parameter_frequencies(self):
            raise qml.operation.ParameterFrequenciesUndefinedError

    class NewOp(qml.operation.Operation):
        num_params = 1
        grad_method = "A"
        num_wires = 1

    for op in (RXnone, NewOp):
        tape = qml.tape.QuantumScript([op(0.654, wires=0)], [qml.expval(qml.Z(0))])
        with pytest.raises(OperatorPropertyUndefined, match="does not have a grad_recipe"):
            qml.gradients.param_shift(tape)


def test_variance_of_a_hamiltonian_with_terms_sharing_wires():
    """``param_shift`` of ``var(H)`` with ``H = 0.1 Z0 + 0.2 Z0 X1 + 0.3 Y0`` (terms on the
    same wires, whose ``H @ H`` PennyLane's LinearCombination refuses): <H^2> measured as the
    product, d var = d<H^2> - 2 <H> d<H>, against central differences of the variance; and
    PennyLane's mark ``fn.first_result_unshifted`` with the unshifted tape run once."""
    obs = [qml.PauliZ(0), qml.PauliZ(0) @ qml.PauliX(1), qml.PauliY(0)]
    H = qml.Hamiltonian(np.array([0.1, 0.2, 0.3], requires_grad=False), obs)
    dev = qml.device("default.qubit", wires=2)

    def tape_at(w):
        # the gates' parameters (H's coefficients are tape parameters too, which PennyLane's
        # param_shift refuses to differentiate in a variance)
        return qml.tape.QuantumScript([qml.RX(w[0], 0), qml.RY(w[1], 1), qml.CNOT([0, 1])],
                                      [qml.var(H)], trainable_params=[0, 1])

    w = onp.array([0.4, 0.5])
    tapes, fn = qml.gradients.param_shift(tape_at(w))
    assert len(tapes) == 9  # the unshifted tape, 2 x 2 shifted for <H>, 2 x 2 for <H^2>
    h = 1e-6
    fd = [(dev.execute(tape_at(w + h * e)) - dev.execute(tape_at(w - h * e))) / (2 * h)
          for e in onp.eye(2)]
    assert onp.allclose(fn(dev.execute(tapes)), fd, atol=1e-7)
    ps = qml.gradients.parameter_shift
    t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    assert ps.expval_param_shift(t, [0])[1].first_result_unshifted is False
    # a rule with a zero shift puts the unshifted tape first: var_param_shift reuses it
    # f'(x) = -f(x)/2 + f(x + pi/2) - f(x + pi)/2 for f = a + b cos x + c sin x
    recipe = ([[-0.5, 1.0, 0.0], [1.0, 1.0, onp.pi / 2], [-0.5, 1.0, onp.pi]],)
    t_tapes, t_fn = ps.expval_param_shift(t, [0], gradient_recipes=recipe)
    assert t_fn.first_result_unshifted is True and len(t_tapes) == 3
    v = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.var(qml.X(0) + qml.Z(0))])
    v_tapes, v_fn = ps.var_param_shift(v, [0], gradient_recipes=recipe)
    assert len(v_tapes) == 3  # <A>'s rule, the unshifted tape not run twice ((X+Z)^2 = 2)
    # var(X + Z) at RX(x)|0>: <X+Z> = cos x, <(X+Z)^2> = 2, so d var = 2 cos x sin x
    assert onp.isclose(v_fn(dev.execute(v_tapes)), 2 * onp.cos(0.3) * onp.sin(0.3))


@pytest.mark.parametrize("strategy,order", [("forward", 1), ("center", 2), ("backward", 2)])
def test_finite_diff_builds_its_tapes_by_the_module_paths_generate_shifted_tapes(
        monkeypatch, strategy, order):
    """``finite_diff`` of a tape makes each parameter's stencil with
    ``qml.gradients.finite_difference.generate_shifted_tapes(tape, position, shifts * h)``
    (PennyLane's; a spy there sees one call per parameter in a measurement's light cone), and
    the Jacobian is the closed form: d cos(x) cos(y) / d(x, y), the RY on wire 1 unmeasured."""
    fd_mod = qml.gradients.finite_difference
    real, calls = fd_mod.generate_shifted_tapes, []
    monkeypatch.setattr(fd_mod, "generate_shifted_tapes",
                        lambda *a, **k: calls.append(a[:2]) or real(*a, **k))
    x, y = 0.543, -0.654
    tape = qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(0.3, 1), qml.RY(y, 0)],
                                  [qml.expval(qml.Z(0))])
    dev = qml.device("default.qubit", wires=2)
    h = 1e-6
    tapes, fn = qml.gradients.finite_diff(tape, h=h, approx_order=order, strategy=strategy)
    assert [(t is tape, k) for t, k in calls] == [(True, 0), (True, 2)]
    coeffs, offsets = qml.gradients.finite_diff_coeffs(1, order, strategy)
    per_param = len([s for s in offsets if s != 0])
    assert len(tapes) == 2 * per_param + (0 in offsets)  # the unshifted tape once
    res = fn(dev.execute(tapes))
    want = [-onp.sin(x) * onp.cos(y), 0.0, -onp.cos(x) * onp.sin(y)]
    assert onp.allclose([float(r) for r in res], want, atol=1e-5)
    if 0 in offsets:  # f0 given: no unshifted tape, the same Jacobian
        f0 = dev.execute(tape)
        tapes2, fn2 = qml.gradients.finite_diff(tape, h=h, approx_order=order,
                                                strategy=strategy, f0=f0)
        assert len(tapes2) == len(tapes) - 1
        assert onp.allclose([float(r) for r in fn2(dev.execute(tapes2))], want, atol=1e-5)


def test_finite_diff_warns_of_float32_parameters():
    """PennyLane's warning for float32 parameters (a step of 1e-7 is below their
    resolution); float64 parameters give none."""
    t32 = qml.tape.QuantumScript([qml.RX(onp.array(0.1, dtype=onp.float32), 0)],
                                 [qml.expval(qml.Z(0))])
    with pytest.warns(UserWarning, match="Finite differences with float32 detected"):
        qml.gradients.finite_diff(t32)
    t64 = qml.tape.QuantumScript([qml.RX(onp.array(0.1), 0)], [qml.expval(qml.Z(0))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        qml.gradients.finite_diff(t64)


def test_spsa_grad_builds_its_tapes_by_the_module_paths_generate_multishifted_tapes(monkeypatch):
    """``spsa_grad`` of a tape makes each direction's tapes with
    ``qml.gradients.spsa_gradient.generate_multishifted_tapes(tape, positions, shifts)``
    (PennyLane's: one call per direction, only the parameters in a measurement's light cone,
    shifts ``h * offset * direction``); with a sampler giving the unit directions e_0 and
    e_2 the estimate is the central difference of each parameter, checked against the closed
    form d cos(x) cos(y) / d(x, y) (the unmeasured RY on wire 1: 0)."""
    mod = qml.gradients.spsa_gradient
    real, calls = mod.generate_multishifted_tapes, []
    monkeypatch.setattr(mod, "generate_multishifted_tapes",
                        lambda *a, **k: calls.append(a) or real(*a, **k))

    def unit(indices, num_params, rep, rng):  # e_0 for the first direction, e_2 for the next
        d = onp.zeros(num_params)
        d[indices[rep % len(indices)]] = 1.0
        return d

    x, y = 0.543, -0.654
    tape = qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(0.3, 1), qml.RY(y, 0)],
                                  [qml.expval(qml.Z(0))])
    h = 1e-5
    tapes, fn = qml.gradients.spsa_grad(tape, h=h, num_directions=2, sampler=unit)
    assert len(calls) == 2 and len(tapes) == 4  # "center": two tapes per direction
    for (t, positions, shifts), rep in zip(calls, (0, 2)):
        assert t is tape and list(positions) == [0, 2]
        want = onp.outer([-h, h], [rep == 0, rep == 2])  # the central stencil: -+h * e
        assert onp.allclose(shifts, want)
    res = fn(qml.device("default.qubit", wires=2).execute(tapes))
    # each parameter's estimate averages its own direction's difference and a zero one
    want = onp.array([-onp.sin(x) * onp.cos(y), 0.0, -onp.cos(x) * onp.sin(y)]) / 2
    assert onp.allclose([float(r) for r in res], want, atol=1e-6)


@pytest.mark.parametrize("channel", ["DepolarizingChannel", "BitFlip", "PhaseFlip"])
def test_param_shift_of_a_channel_probability_by_its_affine_recipe(channel):
    """PennyLane's ``grad_recipe`` of the channels affine in their probability p
    (``f(1) - f(0)``): ``param_shift`` of a ``default.mixed`` tape differentiates p (and the
    gates' angles) with it, checked against central differences of the tape's value."""
    ch = getattr(qml, channel)
    assert ch(0.2, wires=0).grad_recipe == ([[1, 0, 1], [-1, 0, 0]],)
    dev = qml.device("default.mixed", wires=1)

    def tape_at(x, p):
        return qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(0.4, 0), ch(p, wires=0)],
                                      [qml.expval(qml.Z(0) + 0.5 * qml.X(0))])

    x, p, h = 0.3, 0.2, 1e-6
    tapes, fn = qml.gradients.param_shift(tape_at(x, p))
    got = [float(g) for g in fn(dev.execute(tapes))]
    fd_x = (dev.execute(tape_at(x + h, p)) - dev.execute(tape_at(x - h, p))) / (2 * h)
    fd_p = (dev.execute(tape_at(x, p + h)) - dev.execute(tape_at(x, p - h))) / (2 * h)
    assert onp.allclose([got[0], got[2]], [fd_x, fd_p], atol=1e-7)
