"""Tapes (qml.tape), qml.execute / dev.execute, qml.gradients and qml.measurements' classes.

Expected values are independent of the code under test: closed forms of small circuits
(cos, sin products), central finite differences of closed forms, and PennyLane 0.45.1's
documented tape counts and shapes."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _dev(n=2):
    return qml.device("default.qubit", wires=n)


def _f(x, y, z):
    # <Z1> after RX(x) on 0, CRX(y) on 0->1, RY(z) on 1 (by hand: the control is 1 with
    # probability sin^2(x/2); then RX(y) on wire 1 before RY(z))
    p1 = onp.sin(x / 2) ** 2
    return (1 - p1) * onp.cos(z) + p1 * onp.cos(y) * onp.cos(z)


def _central(f, args, i, h=1e-5):
    a, b = list(args), list(args)
    a[i] += h
    b[i] -= h
    return (f(*a) - f(*b)) / (2 * h)


def _tape(x=0.3, y=0.2, z=0.5):
    return qml.tape.QuantumScript(
        [qml.RX(x, wires=0), qml.CRX(y, wires=[0, 1]), qml.RY(z, wires=1)],
        [qml.expval(qml.PauliZ(1))])


def test_tape_records_gates_and_measurements_and_runs():
    with qml.tape.QuantumTape() as tape:
        qml.RX(0.3, wires=0)
        qml.CRX(0.2, wires=[0, 1])
        qml.RY(0.5, wires=1)
        qml.expval(qml.PauliZ(1))
    assert [op.name for op in tape.operations] == ["RX", "CRX", "RY"]
    assert len(tape.measurements) == 1 and tape.num_params == 3
    assert tape.shots.total_shots is None and not tape.shots
    value = _dev().execute(tape)
    assert isinstance(value, onp.float64)
    assert value == pytest.approx(_f(0.3, 0.2, 0.5), abs=1e-12)
    (again,) = qml.execute([tape], _dev())
    assert again == pytest.approx(value, abs=1e-14)


def test_several_measurements_and_batches():
    t1 = qml.tape.QuantumScript([qml.RY(0.4, 0)], [qml.expval(qml.Z(0)), qml.probs(wires=0)])
    t2 = qml.tape.QuantumScript([qml.RY(0.4, 0)], [qml.var(qml.X(0))])
    r1, r2 = _dev(1).execute([t1, t2])
    assert r1[0] == pytest.approx(onp.cos(0.4))
    onp.testing.assert_allclose(r1[1], [onp.cos(0.2) ** 2, onp.sin(0.2) ** 2], atol=1e-12)
    assert r2 == pytest.approx(1 - onp.sin(0.4) ** 2)


def test_parameters_trainable_and_copy():
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.Rot(0.2, 0.3, 0.4, 1)],
                                  [qml.expval(qml.Z(0))], shots=10)
    assert tape.get_parameters() == [0.1, 0.2, 0.3, 0.4]
    tape.trainable_params = {3, 1}
    assert tape.trainable_params == [1, 3] and tape.num_params == 2
    assert tape.get_parameters() == [0.2, 0.4]
    tape.set_parameters([0.7, 0.9])
    assert tape.get_parameters(trainable_only=False) == [0.1, 0.7, 0.3, 0.9]
    copy = tape.copy()
    assert copy.shots.total_shots == 10 and copy.trainable_params == [1, 3]
    new = tape.bind_new_parameters([5.0], [0])
    assert new.get_parameters(trainable_only=False)[0] == 5.0
    assert tape.get_parameters(trainable_only=False)[0] == 0.1  # the original unchanged
    with pytest.raises(qml.ArgumentError):
        tape.trainable_params = [7]


def test_make_qscript():
    def f(a):
        qml.RY(a, wires=0)
        return qml.expval(qml.PauliZ(0))

    s = qml.tape.make_qscript(f)(0.25)
    assert [op.name for op in s.operations] == ["RY"] and len(s.measurements) == 1


def test_param_shift_tapes_and_jacobian_match_closed_form():
    tape = _tape()
    tapes, fn = qml.gradients.param_shift(tape)
    assert len(tapes) == 2 + 4 + 2  # RX and RY two terms, CRX four (frequencies 1/2, 1)
    shifted = [t.get_parameters() for t in tapes[:2]]
    assert shifted == [[0.3 + onp.pi / 2, 0.2, 0.5], [0.3 - onp.pi / 2, 0.2, 0.5]]
    jac = fn(_dev().execute(tapes))
    assert isinstance(jac, tuple) and len(jac) == 3
    for i in range(3):
        assert jac[i] == pytest.approx(_central(_f, (0.3, 0.2, 0.5), i), abs=1e-8)


def test_finite_diff_and_spsa_counts_and_values():
    tape = _tape()
    tapes, fn = qml.gradients.finite_diff(tape)
    assert len(tapes) == 1 + 3  # the unshifted tape once, one forward step each
    jac = fn(_dev().execute(tapes))
    for i in range(3):
        assert jac[i] == pytest.approx(_central(_f, (0.3, 0.2, 0.5), i), abs=1e-6)
    tapes, fn = qml.gradients.finite_diff(tape, approx_order=2, strategy="center", h=1e-4)
    assert len(tapes) == 6
    jac = fn(_dev().execute(tapes))
    assert jac[2] == pytest.approx(_central(_f, (0.3, 0.2, 0.5), 2), abs=1e-7)
    one = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.spsa_grad(one, sampler_rng=7)
    assert len(tapes) == 2  # one direction, center: two tapes
    assert fn(_dev(1).execute(tapes)) == pytest.approx(-onp.sin(0.3), abs=1e-8)


def test_finite_diff_coeffs_are_pennylanes_stencils():
    onp.testing.assert_allclose(qml.gradients.finite_diff_coeffs(1, 1, "forward"),
                                [[-1, 1], [0, 1]])
    onp.testing.assert_allclose(qml.gradients.finite_diff_coeffs(1, 2, "center"),
                                [[-0.5, 0.5], [-1, 1]])
    onp.testing.assert_allclose(qml.gradients.finite_diff_coeffs(2, 2, "center"),
                                [[-2, 1, 1], [0, -1, 1]])
    with pytest.raises(qml.DifferentiationError):
        qml.gradients.finite_diff_coeffs(1, 1, "sideways")


def test_independent_parameter_needs_no_tape_and_argnum():
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RY(0.2, 1)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.param_shift(tape)
    assert len(tapes) == 2
    d0, d1 = fn(_dev().execute(tapes))
    assert d0 == pytest.approx(-onp.sin(0.3)) and d1 == 0.0
    tapes, fn = qml.gradients.param_shift(tape, argnum=[1])
    assert tapes == []
    tape.trainable_params = []
    with pytest.warns(UserWarning, match="no trainable parameters"):
        tapes, fn = qml.gradients.param_shift(tape)
    assert tapes == [] and fn([]).shape == (0,)


def test_custom_shifts_and_gradient_recipes_change_the_tapes_not_the_value():
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.param_shift(tape, shifts=[(onp.pi / 4,)])
    assert tapes[0].get_parameters()[0] == pytest.approx(0.3 + onp.pi / 4)
    assert fn(_dev(1).execute(tapes)) == pytest.approx(-onp.sin(0.3), abs=1e-12)
    recipe = ([[0.5, 1, onp.pi / 2], [-0.5, 1, -onp.pi / 2]],)
    tapes, fn = qml.gradients.param_shift(tape, gradient_recipes=recipe)
    assert fn(_dev(1).execute(tapes)) == pytest.approx(-onp.sin(0.3), abs=1e-12)


def test_variance_and_probs_gradients():
    # var(Z) after RX(x), RY(y) on one wire: 1 - cos(x)^2 cos(y)^2
    def v(x, y):
        return 1 - (onp.cos(x) * onp.cos(y)) ** 2

    H = onp.diag([1.0, 3.0])  # not involutory: <H^2> is measured too

    def vh(x, y):
        p0 = (1 + onp.cos(x) * onp.cos(y)) / 2
        return p0 * 1 + (1 - p0) * 9 - (p0 * 1 + (1 - p0) * 3) ** 2

    tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RY(0.2, 0)],
                                  [qml.var(qml.Z(0)), qml.var(qml.Hermitian(H, 0)), qml.probs(wires=0)])
    tapes, fn = qml.gradients.param_shift(tape)
    (vz, vhh, pr) = fn(_dev(1).execute(tapes))
    for i in range(2):
        assert vz[i] == pytest.approx(_central(v, (0.3, 0.2), i), abs=1e-8)
        assert vhh[i] == pytest.approx(_central(vh, (0.3, 0.2), i), abs=1e-7)
        dp0 = _central(lambda x, y: (1 + onp.cos(x) * onp.cos(y)) / 2, (0.3, 0.2), i)
        onp.testing.assert_allclose(pr[i], [dp0, -dp0], atol=1e-8)


def test_transforms_on_qnodes_give_pennylanes_shapes():
    @qml.qnode(_dev())
    def c(x, y):
        qml.RX(x[0], 0)
        qml.RY(x[1], 0)
        qml.RX(y, 1)
        return qml.expval(qml.Z(0)), qml.probs(wires=1)

    x, y = np.array([0.1, 0.2]), np.array(0.3)
    (dex, dey), (dpx, dpy) = qml.gradients.param_shift(c)(x, y)
    assert dex.shape == (2,) and dey.shape == () and dpx.shape == (2, 2) and dpy.shape == (2,)
    ez = lambda a, b: onp.cos(a) * onp.cos(b)  # noqa: E731
    assert dex[0] == pytest.approx(_central(ez, (0.1, 0.2), 0), abs=1e-8)
    assert dpy[0] == pytest.approx(-onp.sin(0.3) / 2, abs=1e-10)
    fd = qml.gradients.finite_diff(c)(x, y)
    assert fd[0][0][1] == pytest.approx(_central(ez, (0.1, 0.2), 1), abs=1e-6)


def test_second_derivative_through_tapes_with_autograd():
    dev = _dev()
    params = np.array([0.543, -0.654], requires_grad=True)

    def cost(p):
        with qml.queuing.AnnotatedQueue() as q:
            qml.RX(p[0], wires=[0])
            qml.RY(p[1], wires=[1])
            qml.CNOT(wires=[0, 1])
            qml.expval(qml.PauliZ(0) @ qml.PauliX(1))
        tape = qml.tape.QuantumScript.from_queue(q)
        tapes, fn = qml.gradients.param_shift(tape)
        return np.array(fn(dev.execute(tapes)))

    # <Z0 X1> = cos(x) sin(y): its Hessian by hand
    x, y = params
    expected = [[-onp.cos(x) * onp.sin(y), -onp.sin(x) * onp.cos(y)],
                [-onp.sin(x) * onp.cos(y), -onp.cos(x) * onp.sin(y)]]
    onp.testing.assert_allclose(qml.jacobian(cost)(params), expected, atol=1e-8)


def test_diff_method_given_as_a_transform():
    @qml.qnode(_dev(1), diff_method=qml.gradients.param_shift)
    def f(a):
        qml.RX(a, 0)
        return qml.expval(qml.Z(0))

    assert qml.grad(f)(np.array(0.3)) == pytest.approx(-onp.sin(0.3), abs=1e-12)


def test_measurement_classes_and_processing():
    from qsym.measurements import (CountsMP, ExpectationMP, ProbabilityMP, SampleMP, StateMP,
                                   VarianceMP)

    assert isinstance(qml.expval(qml.Z(0)), ExpectationMP)
    assert isinstance(qml.var(qml.Z(0)), VarianceMP)
    assert isinstance(qml.probs(wires=0), ProbabilityMP)
    assert isinstance(qml.sample(wires=0), SampleMP)
    assert isinstance(qml.counts(wires=0), CountsMP)
    assert isinstance(qml.state(), StateMP)
    psi = onp.array([0.6, 0.0, 0.0, 0.8])  # 0.6|00> + 0.8|11>
    assert ExpectationMP(qml.Z(0) @ qml.Z(1)).process_state(psi, [0, 1]) == pytest.approx(1.0)
    assert VarianceMP(qml.Z(1)).process_state(psi, [0, 1]) == pytest.approx(1 - 0.28**2)
    onp.testing.assert_allclose(ProbabilityMP(wires=[1]).process_state(psi, [0, 1]), [0.36, 0.64])
    samples = onp.array([[0, 0], [1, 1], [1, 1], [0, 1]])
    assert ExpectationMP(qml.Z(0)).process_samples(samples, [0, 1]) == pytest.approx(0.0)
    assert ExpectationMP(qml.Z(1)).process_samples(samples, [0, 1]) == pytest.approx(-0.5)
    onp.testing.assert_allclose(ProbabilityMP(wires=[0, 1]).process_samples(samples, [0, 1]),
                                [0.25, 0.25, 0.0, 0.5])
    assert CountsMP(wires=[0, 1]).process_samples(samples, [0, 1]) == {"00": 1, "01": 1, "11": 2}
    assert ExpectationMP(qml.Z(0)).process_counts({"00": 3, "11": 1}, [0, 1]) == pytest.approx(0.5)


def test_shots_objects():
    from qsym.measurements import Shots

    s = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))], shots=[10, 10, 5]).shots
    assert isinstance(s, Shots) and s.total_shots == 25 and s.has_partitioned_shots
    assert not Shots(None) and Shots(5) == Shots(5) and Shots(5) != 5


def test_bad_input_is_refused():
    with pytest.raises(qml.ArgumentError):
        qml.execute(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]), _dev(1))
    st = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.state()])
    with pytest.raises(qml.DifferentiationError):
        qml.gradients.param_shift(st)
    with pytest.raises(qml.ArgumentError):
        qml.gradients.param_shift("not a tape")


def test_counts_processing_batches_all_outcomes_and_eigvals():
    from qsym.measurements import CountsMP

    samples = onp.array([[[0, 1, 1], [0, 1, 0]], [[1, 1, 0], [1, 1, 1]]], dtype=float)
    batch = qml.counts(wires=[0, 2], all_outcomes=True).process_samples(samples, [0, 1, 2])
    assert batch == [{"00": 1, "01": 1, "10": 0, "11": 0}, {"00": 0, "01": 0, "10": 1, "11": 1}]
    valued = CountsMP(eigvals=[1, -1], wires=0).process_samples(samples[1], [0, 1, 2])
    assert valued == {-1.0: 2}
    assert list(qml.expval(qml.X(0) @ qml.Z(1)).eigvals()) == [1, -1, -1, 1]


def test_qnode_transform_with_a_shot_vector_gives_one_jacobian_per_count():
    dev = qml.device("default.qubit", wires=1, seed=3)

    @qml.set_shots([4000, 8000])
    @qml.qnode(dev)
    def f(x):
        qml.RX(x[0], 0)
        return qml.expval(qml.Z(0))

    per_count = qml.gradients.param_shift(f)(np.array([0.3]))
    assert len(per_count) == 2
    for g in per_count:  # each from shifted circuits of that many shots: within 5 sigma
        assert abs(g[0] + onp.sin(0.3)) < 5 * onp.sqrt(0.5 / 4000)


def test_density_matrix_runs_on_a_tape_and_reduces_a_state():
    m = qml.density_matrix(wires=[1])
    assert isinstance(m, qml.measurements.DensityMatrixMP)
    assert isinstance(m, qml.measurements.StateMP)  # as PennyLane's class tree
    rho = m.process_state(onp.array([0.6, 0.0, 0.0, 0.8]), [0, 1])
    onp.testing.assert_allclose(rho, onp.diag([0.36, 0.64]), atol=1e-12)
    # RY(t) on wire 1: its reduced state is [[cos^2, cos sin], [cos sin, sin^2]] (t/2)
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.8, 1)], [m])
    c, s = onp.cos(0.4), onp.sin(0.4)
    onp.testing.assert_allclose(_dev().execute(tape), [[c * c, c * s], [c * s, s * s]],
                                atol=1e-12)
    for cls, made in ((qml.measurements.PurityMP, qml.purity(wires=[0])),
                      (qml.measurements.VnEntropyMP, qml.vn_entropy(wires=[0])),
                      (qml.measurements.MutualInfoMP, qml.mutual_info([0], [1]))):
        assert isinstance(made, cls)


def test_apply_hash_diagonalizing_gates_and_op_keyword():
    op, m = qml.RY(0.2, wires=0), qml.expval(op=qml.PauliX(0))
    with qml.tape.QuantumTape() as tape:
        qml.apply(op)
        qml.apply(m)
    assert tape.operations == [op] and tape.measurements == [m]
    same = qml.tape.QuantumScript([qml.RY(0.2, wires=0)], [qml.expval(qml.PauliX(0))])
    other = qml.tape.QuantumScript([qml.RY(0.3, wires=0)], [qml.expval(qml.PauliX(0))])
    assert tape.hash == same.hash and tape.hash != other.hash
    assert [g.name for g in tape.diagonalizing_gates] == ["Hadamard"]  # X's eigenbasis
    assert qml.var(op=qml.PauliZ(1)).measured_obs.terms == qml.var(qml.PauliZ(1)).measured_obs.terms


def test_math_takes_pennylanes_like_argument():
    a = qml.math.asarray(range(3), like="numpy")
    assert type(a) is onp.ndarray and list(a) == [0, 1, 2]
    with pytest.raises(qml.ArgumentError, match="NumPy and autograd"):
        qml.math.asarray([1.0], like="torch")


def test_construct_tape_of_a_qnode_runs_and_differentiates():
    @qml.qnode(_dev())
    def g(a):
        qml.RY(a, wires=1)
        return qml.probs(wires=[1]), qml.expval(qml.PauliZ(1))

    # trainable as PennyLane's autograd interface marks them: a qsym.numpy tensor, not a float
    assert qml.workflow.construct_tape(g)(0.1).trainable_params == []
    tape = qml.workflow.construct_tape(g)(np.array(0.1))
    assert tape.trainable_params == [0]
    assert [op.name for op in tape.operations] == ["RY"] and len(tape.measurements) == 2
    tapes, fn = qml.gradients.param_shift(tape)
    dprobs, dz = fn(_dev().execute(tapes))
    onp.testing.assert_allclose(dprobs, [-onp.sin(0.1) / 2, onp.sin(0.1) / 2], atol=1e-12)
    assert dz == pytest.approx(-onp.sin(0.1), abs=1e-12)


def test_qnode_transform_hybrid_false_and_list_outputs():
    @qml.qnode(_dev())
    def circuit(x):
        qml.RX(2 * x, wires=[0])
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.543)
    # by the gate parameter 2x (no chain rule): -sin(2x); with it: -2 sin(2x)
    assert qml.gradients.param_shift(circuit, hybrid=False)(x) == pytest.approx(-onp.sin(2 * 0.543))
    assert qml.gradients.param_shift(circuit)(x) == pytest.approx(-2 * onp.sin(2 * 0.543))

    @qml.qnode(_dev())
    def listed(v):
        qml.RX(v[0], 0)
        return [qml.expval(qml.Z(0))]

    out = qml.gradients.param_shift(listed)(np.array([0.1]))
    assert isinstance(out, list) and out[0][0] == pytest.approx(-onp.sin(0.1))


def test_measurements_compare_by_value():
    assert qml.counts() == qml.counts() and qml.expval(2 * qml.X(0)) == qml.expval(2 * qml.X(0))
    assert qml.expval(qml.X(0)) != qml.expval(qml.Y(0))
    assert qml.probs(wires=[0]) != qml.probs(wires=[1])
    assert len({qml.var(qml.Z(0)), qml.var(qml.Z(0))}) == 1


def test_broadcast_tapes_and_param_shift_broadcast():
    dev = _dev()
    tape = _tape()
    tapes, fn = qml.gradients.param_shift(tape, broadcast=True)
    assert len(tapes) == 3 and [t.batch_size for t in tapes] == [2, 4, 2]
    jac = fn(dev.execute(tapes))
    for i in range(3):
        assert jac[i] == pytest.approx(_central(_f, (0.3, 0.2, 0.5), i), abs=1e-8)
    # a tape broadcast over a non-trainable angle: one derivative per batch element
    batched = qml.tape.QuantumScript([qml.RX(onp.array([0.3, 0.4]), 0), qml.RY(0.5, 0)],
                                     [qml.expval(qml.Z(0))])
    batched.trainable_params = [1]
    tapes, fn = qml.gradients.param_shift(batched)
    onp.testing.assert_allclose(fn(dev.execute(tapes)), -onp.cos([0.3, 0.4]) * onp.sin(0.5),
                                atol=1e-12)


def test_generate_shift_rule_differentiates_trigonometric_polynomials():
    # f(t) = 0.3 cos(t) + 0.7 sin(2t) - 0.2 cos(2t): frequencies (1, 2); exact derivatives by hand
    def f(t):
        return 0.3 * onp.cos(t) + 0.7 * onp.sin(2 * t) - 0.2 * onp.cos(2 * t)

    def d1(t):
        return -0.3 * onp.sin(t) + 1.4 * onp.cos(2 * t) + 0.4 * onp.sin(2 * t)

    def d2(t):
        return -0.3 * onp.cos(t) - 2.8 * onp.sin(2 * t) + 0.8 * onp.cos(2 * t)

    t = 0.37
    for order, exact in ((1, d1), (2, d2)):
        rule = qml.gradients.generate_shift_rule((1, 2), order=order)
        assert sum(c * f(t + s) for c, s in rule) == pytest.approx(exact(t), abs=1e-12)
    first = qml.gradients.generate_shift_rule((1,))
    onp.testing.assert_allclose(first, [[0.5, onp.pi / 2], [-0.5, -onp.pi / 2]])


def test_observable_eigvals_in_pennylanes_order():
    assert list((qml.PauliX(0) @ qml.PauliY(1)).eigvals()) == [1, -1, -1, 1]
    assert list(qml.Hermitian(onp.diag([3.0, 1.0]), wires=0).eigvals()) == [1, 3]


def test_expand_decomposes_and_warns_as_pennylane():
    from qsym.exceptions import PennyLaneDeprecationWarning

    tape = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)], [qml.expval(qml.Z(0))])
    with pytest.warns(PennyLaneDeprecationWarning, match="expand"):
        new = tape.expand()
    assert [op.name for op in new.operations] == ["RZ", "RY", "RZ"]
    assert new.get_parameters() == [0.1, 0.2, 0.3] and new.shots is tape.shots
    # the decomposition is the same circuit: the same value
    dev = _dev(1)
    assert dev.execute(new) == pytest.approx(dev.execute(tape), abs=1e-12)


def test_expand_measurements_refuses_measurements_in_two_bases_on_a_wire():
    ok = qml.tape.QuantumScript([qml.RX(0.3, 0)],
                                [qml.expval(qml.X(0)), qml.var(qml.X(0) @ qml.Z(1))])
    bad = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.X(0)), qml.sample(wires=[0])])
    with pytest.warns(UserWarning):
        ok.expand(expand_measurements=True)
        with pytest.raises(qml.QuantumFunctionError, match="qubit-wise commuting"):
            bad.expand(expand_measurements=True)


def test_expand_measurements_measures_eigenvalues_after_the_diagonalizing_gates():
    """PennyLane's expand(expand_measurements=True): an observable's diagonalizing gates
    are appended and it is measured by its eigenvalues on its wires; the values are the
    tape's. By hand: |11> -> CNOT -> |1, 0>, RY(0.2) on "a": <Z_a H_b> = cos(0.2) / sqrt(2)
    (b in |0>: <H> = 1/sqrt(2)); M = [[1, 2], [2, 4]] on |0>: <M> = 1, <M^2> = 5, Var = 4
    (eigenvalues 0 and 5)."""
    from qsym.exceptions import PennyLaneDeprecationWarning

    tape = qml.tape.QuantumScript(
        [qml.BasisState(onp.array([1, 1]), wires=[0, "a"]), qml.CNOT(wires=[0, "a"]),
         qml.RY(0.2, wires="a")],
        [qml.probs(wires=0), qml.expval(qml.PauliZ("a") @ qml.Hadamard("b")),
         qml.var(qml.Hermitian(onp.array([[1.0, 2.0], [2.0, 4.0]]), wires=[1]))])
    with pytest.warns(PennyLaneDeprecationWarning):
        new = tape.expand(expand_measurements=True)
    assert len(new.operations) == 6 and [op.name for op in new.operations[4:]] == [
        "RY", "QubitUnitary"]
    assert new.measurements[0] is tape.measurements[0]
    assert [m.obs for m in new.measurements] == [None, None, None]
    assert onp.allclose(new.measurements[1].eigvals(), [1, -1, -1, 1])
    assert onp.allclose(new.measurements[2].eigvals(), [0, 5])
    dev = qml.device("default.qubit", wires=[0, "a", "b", 1])
    expected = [[0.0, 1.0], onp.cos(0.2) / onp.sqrt(2), 4.0]
    for t in (tape, new):
        got = qml.execute([t], dev)[0]
        assert onp.allclose(got[0], expected[0]) and onp.allclose(got[1:], expected[1:])


def test_refusals_of_broadcast_trainables_and_of_qnodes_without_trainables():
    batched = qml.tape.QuantumScript([qml.RX([0.4, 0.2], 0)], [qml.expval(qml.PauliZ(0))])
    for transform in (qml.gradients.param_shift, qml.gradients.finite_diff,
                      qml.gradients.spsa_grad):
        with pytest.raises(NotImplementedError, match="broadcasted parameters"):
            transform(batched)

    @qml.qnode(_dev())
    def circuit(w):
        qml.RX(w[0], 0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.gradients.finite_diff(circuit)([0.1, 0.2])  # a list: not trainable


@pytest.mark.parametrize("diff_method", ["backprop", "param_shift"])
def test_jacobian_of_stacked_multi_measurement_tape_results_is_not_lost(diff_method):
    """qml.execute's result of a tape with several measurements is one autograd sequence
    (PennyLane's): ``anp.hstack`` of the list of tape results keeps every derivative. It was
    a plain tuple of boxes, which hstack read as constants: a silent zero Jacobian."""
    import autograd

    dev = qml.device("default.qubit", wires=2)
    dm = qml.gradients.param_shift if diff_method == "param_shift" else diff_method

    def cost(p):
        t1 = qml.tape.QuantumScript([qml.RY(p[0], 0), qml.RX(p[1], 0)],
                                    [qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))])
        t2 = qml.tape.QuantumScript([qml.RY(p[0], 0)], [qml.expval(qml.PauliZ(0))])
        return autograd.numpy.hstack(qml.execute([t1, t2], dev, diff_method=dm))

    x, y = 0.1, 0.2
    jac = qml.jacobian(cost)(np.array([x, y], requires_grad=True))
    # <Z0> after RY(x) RX(y) is cos x cos y; <Z1> = 1; second tape cos x
    expected = [[-onp.sin(x) * onp.cos(y), -onp.cos(x) * onp.sin(y)], [0, 0], [-onp.sin(x), 0]]
    onp.testing.assert_allclose(jac, expected, atol=1e-10)


def test_execute_of_several_tapes_is_one_batch():
    dev = qml.device("default.qubit", wires=["a", 0])
    t1 = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.PauliZ(0))])
    t2 = qml.tape.QuantumScript([qml.RX(0.1, "a")], [qml.expval(qml.PauliZ("a"))])
    with qml.Tracker(dev) as tracker:
        qml.execute([t1, t2], dev)
        dev.execute([t1, t2])
    assert tracker.totals["batches"] == 2 and tracker.totals["executions"] == 4


# --- PennyLane 0.45's QuantumScript / QuantumTape semantics (issue #18) -----------------------
def test_a_tape_inside_a_tape_is_one_operation_expanded_as_one_level():
    from qsym.exceptions import PennyLaneDeprecationWarning

    with qml.tape.QuantumTape() as tape:
        qml.BasisState(onp.array([1, 1]), wires=[0, "a"])  # -> X(0), X(a)
        with qml.tape.QuantumTape() as inner:
            qml.Rot(0.543, 0.1, 0.4, wires=0)  # -> RZ, RY, RZ
        qml.CNOT(wires=[0, "a"])
        qml.probs(wires=0)
    assert tape.operations[1] is inner and len(tape.operations) == 3
    with pytest.warns(PennyLaneDeprecationWarning):
        one = tape.expand(depth=1)
        two = tape.expand(depth=2, stop_at=lambda op: getattr(op, "name", None) == "PauliX")
    # depth 1: the inner tape opens to its Rot; depth 2: the Rot to its three rotations
    assert [op.name for op in one.operations] == ["PauliX", "PauliX", "Rot", "CNOT"]
    assert [op.name for op in two.operations] == ["PauliX", "PauliX", "RZ", "RY", "RZ", "CNOT"]
    # the same circuit: wire 0 is |1> rotated by Rot, its probabilities by hand
    # (Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi): |<1|RY(0.1)|1>|^2 = cos^2(0.05))
    p1 = onp.cos(0.05) ** 2
    dev = qml.device("default.qubit", wires=[0, "a"])
    for t in (one, two):
        assert onp.allclose(dev.execute(t), [1 - p1, p1], atol=1e-12)


def test_gates_after_a_measurement_are_refused_as_pennylane_does():
    with pytest.raises(ValueError, match="must occur prior to measurements"):
        with qml.tape.QuantumTape():
            qml.expval(qml.PauliZ(1))
            qml.RX(0.5, wires=0)
    with qml.queuing.AnnotatedQueue() as q:
        qml.probs(wires=0)
        qml.X(0)
    with pytest.raises(ValueError, match="must occur prior to measurements"):
        qml.tape.QuantumScript.from_queue(q)


def test_adjoint_tape_undoes_the_circuit_and_is_queued_from_a_quantum_tape():
    ops = [qml.BasisState([1, 0], wires=[0, 1]), qml.RX(0.3, 0), qml.CNOT([0, 1]),
           qml.RY(0.7, 1), qml.S(0)]
    tape = qml.tape.QuantumScript(ops, [qml.probs(wires=[0, 1])])
    adj = tape.adjoint()
    assert adj.operations[0] is ops[0] and adj.measurements == tape.measurements
    # the circuit followed by its adjoint is the state preparation alone: |10>
    both = qml.tape.QuantumScript(ops + adj.operations[1:], [qml.probs(wires=[0, 1])])
    assert onp.allclose(_dev().execute(both), [0, 0, 1, 0], atol=1e-12)
    with qml.tape.QuantumTape() as outer:
        queued = qml.tape.QuantumTape(ops, []).adjoint()
    assert outer.operations == [queued]
    with qml.queuing.AnnotatedQueue() as q:  # a script's adjoint is not queued
        tape.adjoint()
    assert len(q.queue) == 0


def test_specs_count_the_gates_wires_and_depth_by_hand():
    tape = qml.tape.QuantumScript(
        [qml.RX(0.1, 0), qml.Rot(0.1, 0.2, 0.3, 0), qml.CNOT([0, "a"]), qml.RX(0.2, 4)],
        [qml.expval(qml.X("a")), qml.probs(wires=[0, "a"])])
    r = tape.specs["resources"]
    assert r.gate_types == {"RX": 2, "Rot": 1, "CNOT": 1} and r.gate_sizes == {1: 3, 2: 1}
    assert r.num_allocs == 3 and r.depth == 3  # RX, Rot, CNOT on wire 0; RX(4) beside
    assert r.measurements == {"expval(PauliX)": 1, "probs(2 wires)": 1}
    assert tape.specs["shots"] == qml.measurements.Shots(None)
    tape.operations.append(qml.Hadamard(4))
    assert tape.specs["resources"].gate_types.get("Hadamard") is None  # cached, as PennyLane's
    tape._update()
    assert tape.specs["resources"].gate_types["Hadamard"] == 1


def test_trainable_params_are_fixed_when_read_and_reset_by_update():
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)], [qml.expval(qml.Z(0))])
    assert tape._trainable_params is None
    assert tape.trainable_params == [0, 1] and tape._trainable_params == [0, 1]
    tape.trainable_params = {1, 0}
    assert tape._trainable_params == [0, 1]
    tape._ops = [qml.RX(0.1, 0), qml.RY(0.2, 0), qml.RZ(0.3, 0)]
    tape._update()
    assert tape.trainable_params == [0, 1, 2]
    data, meta = tape._flatten()
    again = qml.tape.QuantumScript._unflatten(data, meta)
    assert again.operations == tape.operations and again.trainable_params == (0, 1, 2)


def test_hash_tells_trainability_and_exact_parameters_apart():
    def make(x, trainable=None):
        return qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(0.2, 1)],
                                      [qml.expval(qml.Z(0))], trainable_params=trainable)

    assert make(0.3).hash == make(0.3).hash
    assert make(0.3, [0]).hash != make(0.3, [0, 1]).hash
    # PennyLane's: a rotation angle to 10 decimals, modulo its period up to a global phase
    # (2 pi; 4 pi controlled), any other parameter exactly
    assert make(0.3).hash == make(0.3 + 1e-13).hash == make(0.3 - 2 * onp.pi).hash
    assert make(0.3).hash != make(0.3 + 1e-9).hash

    def ising(x):
        return qml.tape.QuantumScript([qml.IsingXX(x, [0, 1])], [qml.expval(qml.Z(0))])

    assert ising(0.3).hash != ising(0.3 + 1e-13).hash

    def crx(x):
        return qml.tape.QuantumScript([qml.CRX(x, [0, 1])], [qml.expval(qml.Z(1))])

    assert crx(0.3).hash == crx(0.3 + 4 * onp.pi).hash != crx(0.3 + 2 * onp.pi).hash
    # a matrix parameter's imaginary part counts too
    u1, u2 = onp.diag([1, 1j]), onp.diag([1, -1j])
    t1, t2 = (qml.tape.QuantumScript([qml.QubitUnitary(u, 0)], [qml.state()]) for u in (u1, u2))
    assert t1.hash != t2.hash
    cache = {}
    r1 = qml.execute([t1], _dev(1), cache=cache)[0]
    r2 = qml.execute([t2], _dev(1), cache=cache)[0]
    assert onp.allclose(r1, [1, 0]) and onp.allclose(r2, [1, 0])  # |0>: both phases unseen
    plus = [qml.Hadamard(0)]
    t1, t2 = (qml.tape.QuantumScript(plus + [qml.QubitUnitary(u, 0)], [qml.state()])
              for u in (u1, u2))
    r1, r2 = (qml.execute([t], _dev(1), cache=cache)[0] for t in (t1, t2))
    assert onp.allclose(r1, onp.array([1, 1j]) / onp.sqrt(2))
    assert onp.allclose(r2, onp.array([1, -1j]) / onp.sqrt(2))


def test_copy_semantics_follow_pennylane():
    import copy

    with qml.tape.QuantumTape() as tape:
        qml.RY(0.5, wires=[1])
        qml.CNOT(wires=[0, 1])
        qml.expval(qml.PauliZ(0) @ qml.PauliY(1))
    tape.trainable_params = [0]
    for new in (copy.copy(tape), tape.copy(copy_operations=True), copy.deepcopy(tape)):
        assert type(new) is qml.tape.QuantumTape
        assert all(a is not b for a, b in zip(new.operations, tape.operations))
        assert all(a is not b for a, b in zip(new.measurements, tape.measurements))
        assert all(a is not b for a, b in zip(new.observables, tape.observables))
        assert new.trainable_params == [0] and new.data == tape.data
    assert tape.copy(ops=[qml.RX(0.1, 0), qml.RZ(0.2, 0)]).trainable_params == [0, 1]
    assert tape.copy(operations=[qml.RX(0.1, 0)]).trainable_params == [0]
    with pytest.raises(TypeError, match="got an unexpected key 'update'"):
        tape.copy(update={"shots": 3})


def test_make_qscript_records_nothing_in_the_surrounding_queue():
    def qfunc(x):
        qml.Hadamard(0)
        qml.RX(x, 1)
        return qml.expval(qml.Z(1))

    with qml.queuing.AnnotatedQueue() as q:
        before = qml.PauliX(0)
        script = qml.tape.make_qscript(qfunc, shots=5)(0.2)
    assert q.queue == [before]
    assert type(script) is qml.tape.QuantumScript and script.shots.total_shots == 5
    assert [op.name for op in script.operations] == ["Hadamard", "RX"]
    assert len(script.measurements) == 1


def test_expand_rotates_observables_sharing_a_wire_and_keeps_their_values():
    from qsym.exceptions import PennyLaneDeprecationWarning

    tape = qml.tape.QuantumScript([qml.RY(0.3, 0), qml.RX(0.4, 1)],
                                  [qml.expval(qml.X(0)), qml.var(qml.X(0) @ qml.Y(1)),
                                   qml.expval(qml.Y(1))])
    with pytest.warns(PennyLaneDeprecationWarning):
        new = tape.expand()
    assert [op.name for op in new.operations[2:]] == ["RY", "RX"]  # to the Z basis
    assert new.operations[2].data[0] == pytest.approx(-onp.pi / 2)
    assert all(set(w for word in m.measured_obs.terms for _, w in word) == {"Z"}
               for m in new.measurements)
    # by hand: <X0> = sin(0.3), <Y1> = -sin(0.4), Var(X0 Y1) = 1 - (sin 0.3 sin 0.4)^2
    expected = [onp.sin(0.3), 1 - (onp.sin(0.3) * onp.sin(0.4)) ** 2, -onp.sin(0.4)]
    assert onp.allclose(_dev().execute(new), expected, atol=1e-12)
    assert onp.allclose(_dev().execute(tape), expected, atol=1e-12)
    assert [str(o) for o in tape.obs_sharing_wires] == ["X(0)", "X(0) @ Y(1)", "Y(1)"]

    clash = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.X(0)),
                                                      qml.sample(qml.Z(0))])
    with pytest.warns(PennyLaneDeprecationWarning):
        with pytest.raises(qml.QuantumFunctionError, match="Try removing all probability"):
            clash.expand()
    sampled = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.X(0)), qml.counts()])
    rotated = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.probs(op=qml.X(0)),
                                                        qml.sample(wires=[0])])
    for bad in (sampled, rotated):
        with pytest.warns(PennyLaneDeprecationWarning):
            with pytest.raises(qml.QuantumFunctionError, match="qubit-wise commuting"):
                bad.expand()
    fine = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.probs(op=qml.Z(0)), qml.sample()])
    with pytest.warns(PennyLaneDeprecationWarning):
        assert fine.expand().measurements == fine.measurements


def test_expand_tape_state_prep_decomposes_the_later_preparations():
    from qsym.exceptions import PennyLaneDeprecationWarning

    ops = [qml.BasisState([1, 0], wires=[0, 1]), qml.RY(0.4, 1),
           qml.BasisState([1], wires=1)]
    tape = qml.tape.QuantumScript(ops, [qml.probs(wires=[0, 1])])
    with pytest.warns(PennyLaneDeprecationWarning):
        kept = qml.tape.expand_tape_state_prep(tape)
        first = qml.tape.expand_tape_state_prep(tape, skip_first=False)
    assert [op.name for op in kept.operations] == ["BasisState", "RY", "PauliX"]
    assert [op.name for op in first.operations] == ["PauliX", "RY", "PauliX"]


def test_a_tape_without_measurements_gives_an_empty_tuple():
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0)], [])
    assert _dev().execute(tape) == ()
    assert qml.execute([tape], _dev()) == ((),)


def test_measurement_diagonalizing_gates():
    assert [g.name for g in qml.expval(qml.X(0) @ qml.Y(1)).diagonalizing_gates()] == [
        "Hadamard", "PauliZ", "S", "Hadamard"]
    assert qml.probs(wires=[0]).diagonalizing_gates() == []
    assert [g.name for g in qml.probs(op=qml.X(0)).diagonalizing_gates()] == ["Hadamard"]
    with qml.tape.QuantumTape() as tape:  # made, not queued
        qml.expval(qml.X(0)).diagonalizing_gates()
    assert tape.operations == []


def test_bind_new_parameters_makes_new_operators_in_pennylanes_parameter_order():
    from qsym.ops.functions import bind_new_parameters

    z = np.diag([1.0, -1.0])
    cases = [
        (qml.RX(0.1, wires=0), [0.2], qml.RX(0.2, wires=0)),
        (qml.s_prod(0.5, qml.RX(0.1, wires=0)), [-0.5, 0.4], qml.s_prod(-0.5, qml.RX(0.4, wires=0))),
        (qml.prod(qml.s_prod(1.1, qml.X(0)), qml.Z(1)), [0.1],
         qml.prod(qml.s_prod(0.1, qml.X(0)), qml.Z(1))),
        (qml.sum(qml.Hermitian(np.eye(2), 0), qml.Z(1)), [z], qml.sum(qml.Hermitian(z, 0), qml.Z(1))),
        (qml.exp(qml.X(0), 0.5), [-0.5], qml.exp(qml.X(0), -0.5)),
        (qml.pow(qml.RX(0.1, 0), 2), [0.3], qml.pow(qml.RX(0.3, 0), 2)),
        (qml.Hamiltonian([1.0, 2.0], [qml.RX(0.3, 0), qml.Z(1)]), [3.0, 0.5, 4.0],
         qml.Hamiltonian([3.0, 4.0], [qml.RX(0.5, 0), qml.Z(1)])),
        (qml.PCPhase(0.1, 2, wires=[1, 2]), [0.4], qml.PCPhase(0.4, 2, wires=[1, 2])),
    ]
    for op, params, expected in cases:
        before = repr(op)
        new = bind_new_parameters(op, params)
        qml.assert_equal(new, expected)
        assert repr(op) == before and new is not op  # the original is left alone
    # the matrices agree with the operators written directly (an independent reference)
    new = bind_new_parameters(qml.prod(qml.RX(0.1, 0), qml.RY(0.2, 1)), [0.3, 0.4])
    assert np.allclose(qml.matrix(new, wire_order=[0, 1]),
                       np.kron(qml.matrix(qml.RX(0.3, 0)), qml.matrix(qml.RY(0.4, 1))))
    with qml.tape.QuantumTape() as tape:  # made, not queued
        bind_new_parameters(qml.RX(0.1, 0), [0.2])
    assert [op.data for op in tape.operations] == [(0.1,)]


def test_dev_execute_runs_a_tapes_wires_not_on_the_device():
    """PennyLane's ``dev.execute(tape)`` simulates the tape's wires (a gradient transform's
    auxiliary wire); ``qml.execute`` checks them against the device's (``WireError``)."""
    dev = qml.device("default.qubit", wires=1)
    tape = qml.tape.QuantumScript([qml.Hadamard(5), qml.CNOT([5, 0])],
                                  [qml.probs(wires=[0]), qml.expval(qml.Z(0) @ qml.Z(5))])
    probs, zz = dev.execute(tape)  # the Bell state (|00> + |11>) / sqrt(2) of wires 5, 0
    assert onp.allclose(probs, [0.5, 0.5]) and onp.isclose(zz, 1.0)
    [(probs2, zz2)] = dev.execute([tape])
    assert onp.allclose(probs2, probs) and onp.isclose(zz2, zz)
    with pytest.raises(qml.WireError, match=r"wires not found on the device: \{5\}"):
        qml.execute([tape], dev)
    assert dev.widened([5]).wires == qml.wires.Wires([0, 5]) and dev.wires == qml.wires.Wires([0])


def test_hadamard_grad_tapes_with_an_auxiliary_wire_on_dev_execute():
    """The Hadamard test's tapes on an auxiliary wire the device lacks, run by dev.execute:
    d<Z0 X1>/dtheta of Rot(x, y, z) on wire 0 and H on wire 1 is d cos(y)/dy = -sin(y)."""
    dev = qml.device("default.qubit", wires=2)
    x = np.array([0.3, 0.7, 1.1])
    tape = qml.tape.QuantumScript([qml.Rot(*x, wires=0), qml.Hadamard(1)],
                                  [qml.expval(qml.Z(0) @ qml.X(1))])
    tapes, fn = qml.gradients.hadamard_grad(tape, aux_wire=7)
    assert onp.allclose(fn(dev.execute(tapes)), [0.0, -onp.sin(0.7), 0.0])


def _var_tape(x):
    ops = [qml.RX(x[0], wires=[0]), qml.RY(x[1], wires=[1])]
    ops += [qml.RZ(x[i], wires=[i % 2]) for i in range(2, len(x))]
    return qml.tape.QuantumScript(ops + [qml.CNOT(wires=[0, 1])],
                                  [qml.var(qml.prod(qml.Z(0), qml.X(1)))])


@pytest.mark.parametrize("n", [2, 3])
def test_execute_cache_dedupes_the_tapes_of_a_hessian(n):
    """PennyLane's counts of a parameter-shift Hessian of a variance (an involutory
    observable: 2 shifted expvals per parameter and the unshifted one per Jacobian):
    without a cache every Jacobian tape is shifted again, 1 + (2n + 1)(1 + 2n); with one
    (``cache=True``, or ``"auto"`` with ``max_diff=2``) each distinct circuit runs once:
    1 + 2n + (n + 1) + 4 n(n - 1)/2 (the +-pi shifts of one angle are one circuit)."""
    dev = qml.device("default.qubit")
    params = np.arange(1, n + 1) / 10

    def cost(x, cache):
        return qml.execute([_var_tape(x)], dev, diff_method=qml.gradients.param_shift,
                           cache=cache, max_diff=2)[0]

    counts, hessians = {}, {}
    for cache in (False, True, "auto"):
        with qml.Tracker(dev) as tracker:
            hessians[cache] = qml.jacobian(qml.grad(cost))(params, cache)
        counts[cache] = tracker.totals["executions"]
    assert counts[False] == 1 + (2 * n + 1) * (1 + 2 * n)
    assert counts[True] == counts["auto"] == 1 + 2 * n + (n + 1) + 4 * n * (n - 1) // 2
    # n = 2: Var(Z0 X1) = 1 - cos(x)^2 sin(y)^2, differentiated by hand
    if n == 2:
        x, y = params
        expected = [[2 * onp.cos(2 * x) * onp.sin(y) ** 2, onp.sin(2 * x) * onp.sin(2 * y)],
                    [onp.sin(2 * x) * onp.sin(2 * y), -2 * onp.cos(x) ** 2 * onp.cos(2 * y)]]
        assert onp.allclose(hessians[False], expected)
    assert onp.allclose(hessians[True], hessians[False])


def test_execute_cache_options_and_key():
    dev = qml.device("default.qubit")
    t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    for cache, runs in ((False, 2), ("auto", 2), (True, 1), ({}, 1)):
        with qml.Tracker(dev) as tracker:
            r1, r2 = qml.execute([t, t], dev, cache=cache)
        assert tracker.totals["executions"] == runs, cache
        assert onp.isclose(r1, onp.cos(0.3)) and onp.isclose(r2, onp.cos(0.3))
    with pytest.raises(qml.errors.ArgumentError, match="not an option of qml.execute"):
        qml.execute([t], dev, cache="always")
    # PennyLane's key: rotation angles modulo 2 pi (cos(0.3 + pi) = cos(0.3 - pi))
    a = qml.tape.QuantumScript([qml.RX(0.3 + onp.pi, 0)], [qml.expval(qml.Z(0))])
    b = qml.tape.QuantumScript([qml.RX(0.3 - onp.pi, 0)], [qml.expval(qml.Z(0))])
    with qml.Tracker(dev) as tracker:
        ra, rb = qml.execute([a, b], dev, cache=True)
    assert tracker.totals["executions"] == 1 and onp.isclose(ra, rb)
    assert onp.isclose(rb, onp.cos(0.3 - onp.pi))
    # ... but a state changes sign with RX(x + 2 pi) = -RX(x): both run
    a, b = (qml.tape.QuantumScript([qml.RX(x, 0)], [qml.state()]) for x in (0.3, 0.3 + 2 * onp.pi))
    with qml.Tracker(dev) as tracker:
        sa, sb = qml.execute([a, b], dev, cache=True)
    assert tracker.totals["executions"] == 2
    assert onp.allclose(sa, [onp.cos(0.15), -1j * onp.sin(0.15)]) and onp.allclose(sb, -sa)


def _two_tapes_cost(x, max_diff):
    ops = [qml.RX(x[0], 0), qml.RY(x[1], 1), qml.CNOT((0, 1))]
    tape1 = qml.tape.QuantumScript(ops, [qml.var(qml.PauliZ(0) @ qml.PauliX(1))])
    ops2 = [qml.RX(x[0], 0), qml.RY(x[0], 1), qml.CNOT((0, 1))]
    tape2 = qml.tape.QuantumScript(ops2, [qml.probs(wires=1)])
    result = qml.execute([tape1, tape2], qml.device("default.qubit"),
                         diff_method=qml.gradients.param_shift, max_diff=max_diff)
    return result[0] + result[1][0]


def test_execute_max_diff_bounds_the_derivative_order():
    """f = (3 + cos(x)^2 cos(2y)) / 2 (PennyLane's test_max_diff): with max_diff=1 (the
    default) a gradient transform's Jacobian is a constant to autograd, as PennyLane
    computes it: a second derivative is zero with autograd's warning; max_diff=2 gives the
    Hessian."""
    params = np.array([0.543, -0.654], requires_grad=True)
    x, y = params
    assert onp.isclose(_two_tapes_cost(params, 1), 0.5 * (3 + onp.cos(x) ** 2 * onp.cos(2 * y)))
    grad = [-onp.cos(x) * onp.cos(2 * y) * onp.sin(x), -onp.cos(x) ** 2 * onp.sin(2 * y)]
    assert onp.allclose(qml.grad(_two_tapes_cost)(params, 1), grad)
    with pytest.warns(UserWarning, match="Output seems independent"):
        hess = qml.jacobian(qml.grad(_two_tapes_cost))(params, 1)
    assert onp.allclose(hess, 0)
    hess = qml.jacobian(qml.grad(_two_tapes_cost))(params, 2)
    expected = [[-onp.cos(2 * x) * onp.cos(2 * y), onp.sin(2 * x) * onp.sin(2 * y)],
                [onp.sin(2 * x) * onp.sin(2 * y), -2 * onp.cos(x) ** 2 * onp.cos(2 * y)]]
    assert onp.allclose(hess, expected)


def test_execute_derivatives_of_a_batch_run_as_one_batch():
    """PennyLane runs the parameter-shift tapes of all of a qml.execute call's tapes as one
    batch: a Jacobian is 2 batches (values, shifted tapes) of 1 + 1 and 2 + 2 circuits;
    d/dx (P_RX(x)(0) + P_RY(x)(0)) = (-sin(x) / 2 - sin(x) / 2, ...) by hand."""
    dev = qml.device("default.qubit")

    def f(x):
        tape1 = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.probs(wires=0)])
        tape2 = qml.tape.QuantumScript([qml.RY(x, 0)], [qml.probs(wires=0)])
        results = qml.execute([tape1, tape2], dev, diff_method=qml.gradients.param_shift)
        return results[0] + results[1]

    x = np.array(0.1)
    with dev.tracker:
        out = qml.jacobian(f)(x)
    assert dev.tracker.totals["batches"] == 2
    assert dev.tracker.history["simulations"] == [1] * 6
    assert onp.allclose(out, [-onp.sin(x), onp.sin(x)])


def test_process_queue_splits_a_queue_as_pennylanes():
    import warnings

    from qsym.exceptions import PennyLaneDeprecationWarning, QueuingError

    with qml.queuing.AnnotatedQueue() as q:
        qml.RX(0.1, 0)
        m = qml.measure(0)
        qml.expval(qml.Z(0))
        qml.probs(op=m)
    ops, ms = qml.queuing.process_queue(q)
    assert [op.name for op in ops] == ["RX", "MidMeasureMP"]
    assert [type(mp).__name__ for mp in ms] == ["ExpectationMP", "ProbabilityMP"]
    q = qml.queuing.AnnotatedQueue()
    q.append(1)
    with pytest.raises(QueuingError, match="not an object that can be processed"):
        qml.queuing.process_queue(q)

    class Hidden(qml.operation.Operator):
        _queue_category = None
        num_wires = 1
        num_params = 0

    q = qml.queuing.AnnotatedQueue()
    q.append(Hidden(wires=[0]))
    with pytest.warns(PennyLaneDeprecationWarning, match="_queue_category=None"):
        assert qml.queuing.process_queue(q) == ([], [])
    with qml.queuing.AnnotatedQueue() as q:
        qml.expval(qml.Z(0))
        qml.RX(0.1, 0)
    with pytest.raises(ValueError, match="must occur prior to measurements"):
        qml.queuing.process_queue(q)


def test_execute_returns_arrays_at_pennylanes_autograd_boundary():
    # PennyLane 0.45.1's qml.execute: where the interface resolves to autograd (a tape
    # parameter, or an observable's, is a qsym.numpy tensor, also with
    # requires_grad=False; or interface="autograd"), each result is autograd.numpy.array of
    # it (a 0-d array for an expectation value; counts as they are); NumPy otherwise
    dev = qml.device("default.qubit", wires=1)
    c = onp.cos(0.1)

    def tape(p, obs=None, shots=None, extra=()):
        return qml.tape.QuantumScript([qml.RX(p, 0)], [qml.expval(obs or qml.Z(0)), *extra],
                                      shots=shots)

    for t, kw in ((tape(np.array(0.1)), {}),
                  (tape(np.array(0.1, requires_grad=False)), {"diff_method": None}),
                  (tape(0.1), {"interface": "autograd"})):
        (value,) = qml.execute([t], dev, **kw)
        assert type(value) is onp.ndarray and value.shape == ()
        assert float(value) == pytest.approx(c, abs=1e-15)
    for kw in ({}, {"diff_method": None}, {"interface": "numpy"}):
        (value,) = qml.execute([tape(0.1)], dev, **kw)  # plain parameters: NumPy's float
        assert type(value) is onp.float64 and value == pytest.approx(c, abs=1e-15)
    (value,) = qml.execute([tape(0.1, obs=qml.Hermitian(np.eye(2), 0))], dev)
    assert type(value) is onp.ndarray and float(value) == pytest.approx(1.0)
    ((value, counts),) = qml.execute(
        [tape(np.array(0.0), shots=10, extra=[qml.counts(wires=0)])], dev)
    assert type(value) is onp.ndarray and counts == {"0": 10}
    ((a, b),) = qml.execute([tape(np.array(0.0), shots=[3, 4])], dev)
    assert type(a) is onp.ndarray and type(b) is onp.ndarray and float(a) == float(b) == 1.0
    # under a derivative the results stay autograd's boxes (the gradient: -sin(0.2))
    def cost(x):
        return qml.execute([tape(x)], dev, diff_method=qml.gradients.param_shift)[0]
    assert qml.grad(cost)(np.array(0.2)) == pytest.approx(-onp.sin(0.2), abs=1e-12)
