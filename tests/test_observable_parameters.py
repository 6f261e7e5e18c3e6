"""Issue #18: a measured observable's data (a Hamiltonian's coefficients, a scalar
product's scalar, a Hermitian's matrix) are tape parameters after the gates' (PennyLane
0.45's ``par_info``/``get_parameters``/``trainable_params``), and ``param_shift``
differentiates an expectation value by a coefficient: the expectation of its term.

Expected values are closed forms: after ``RX(x)`` on ``|0>``, ``<Z> = cos x`` and
``<Y> = -sin x``."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import DifferentiationError

X0 = 0.3


def _tape(c1=2.0, c2=0.5, **kwargs):
    H = qml.Hamiltonian([c1, c2], [qml.Z(0), qml.Y(0)])
    return qml.tape.QuantumScript([qml.RX(X0, 0)], [qml.expval(H)], **kwargs)


def _dev():
    return qml.device("default.qubit", wires=2)


def test_coefficients_are_parameters_after_the_gates():
    herm = onp.diag([1.0, -1.0])
    t = qml.tape.QuantumScript(
        [qml.RX(0.1, 0), qml.RY(0.2, 1)],
        [qml.expval(qml.Hamiltonian([0.5, -1.5], [qml.Z(0), qml.X(1)])),
         qml.expval(qml.s_prod(3.0, qml.Z(1))), qml.expval(qml.Hermitian(herm, 0)),
         qml.probs(wires=[0])])
    assert t.num_params == 6 and t.trainable_params == [0, 1, 2, 3, 4, 5]
    data = t.get_parameters(trainable_only=False)
    assert data[:5] == [0.1, 0.2, 0.5, -1.5, 3.0]
    onp.testing.assert_array_equal(data[5], herm)
    assert t.get_parameters(trainable_only=False, operations_only=True) == [0.1, 0.2]
    assert [(i["op_idx"], i["p_idx"]) for i in t.par_info] == [
        (0, 0), (1, 0), (2, 0), (2, 1), (3, 0), (4, 0)]
    t.trainable_params = [1, 3, 4]
    assert t.get_parameters() == [0.2, -1.5, 3.0]
    assert t.get_parameters(operations_only=True) == [0.2]
    op, op_idx, p_idx = t.get_operation(1)
    assert (op_idx, p_idx) == (2, 1) and op is t.measurements[0].written_obs


def test_binding_a_coefficient_changes_the_measured_value():
    t = _tape()
    new = t.bind_new_parameters([4.0, -1.0], [1, 2])
    (value,) = _dev().execute([new])
    assert value == pytest.approx(4.0 * onp.cos(X0) + 1.0 * onp.sin(X0), abs=1e-12)
    (old,) = _dev().execute([t])  # the original keeps its coefficients
    assert old == pytest.approx(2.0 * onp.cos(X0) - 0.5 * onp.sin(X0), abs=1e-12)
    t.trainable_params = [2]
    t.set_parameters([3.0])
    assert t.get_parameters(trainable_only=False) == [X0, 2.0, 3.0]


@pytest.mark.parametrize("transform", ["param_shift", "finite_diff"])
def test_derivative_by_a_coefficient_is_its_terms_expectation(transform):
    t = _tape()
    tapes, fn = getattr(qml.gradients, transform)(t)
    dx, dc1, dc2 = fn(_dev().execute(tapes))
    tol = 1e-12 if transform == "param_shift" else 1e-6
    assert dx == pytest.approx(-2.0 * onp.sin(X0) - 0.5 * onp.cos(X0), abs=tol)
    assert dc1 == pytest.approx(onp.cos(X0), abs=tol)
    assert dc2 == pytest.approx(-onp.sin(X0), abs=tol)


def test_scalar_of_a_scalar_product_and_other_measurements():
    t = qml.tape.QuantumScript([qml.RX(X0, 0)], [qml.expval(qml.s_prod(2.5, qml.Z(0))),
                                                  qml.expval(qml.Y(0))])
    tapes, fn = qml.gradients.param_shift(t)
    (dx1, ds1), (dx2, ds2) = fn(_dev().execute(tapes))
    assert dx1 == pytest.approx(-2.5 * onp.sin(X0), abs=1e-12)
    assert ds1 == pytest.approx(onp.cos(X0), abs=1e-12)
    assert dx2 == pytest.approx(-onp.cos(X0), abs=1e-12)
    assert ds2 == pytest.approx(0.0, abs=1e-12)  # <Y> does not depend on the scalar


def test_a_hermitian_matrix_has_a_zero_derivative():
    t = qml.tape.QuantumScript([qml.RX(X0, 0)], [qml.expval(qml.Hermitian(onp.diag([1.0, -1.0]), 0))])
    tapes, fn = qml.gradients.param_shift(t)
    dx, dm = fn(_dev().execute(tapes))
    assert dx == pytest.approx(-onp.sin(X0), abs=1e-12)
    assert onp.all(onp.asarray(dm) == 0)


def test_a_variance_by_a_coefficient_is_refused():
    H = qml.Hamiltonian([2.0, 0.5], [qml.Z(0), qml.Y(0)])
    t = qml.tape.QuantumScript([qml.RX(X0, 0)], [qml.var(H)])
    with pytest.raises(DifferentiationError, match="for expectations, not"):
        qml.gradients.param_shift(t)
    t.trainable_params = [0]  # the gate only
    tapes, fn = qml.gradients.param_shift(t)
    got = fn(_dev().execute(tapes))
    h = 1e-6

    def var(x):
        # H^2 = 4.25 I + 2*0.5 {Z, Y} = 4.25 I (Z and Y anticommute)
        return 4.25 - (2.0 * onp.cos(x) - 0.5 * onp.sin(x)) ** 2
    assert got == pytest.approx((var(X0 + h) - var(X0 - h)) / (2 * h), abs=1e-7)


def test_hadamard_grad_refuses_coefficients_and_takes_the_gates():
    with pytest.raises(DifferentiationError, match="coefficients"):
        qml.gradients.hadamard_grad(_tape(), aux_wire=1)
    tapes, fn = qml.gradients.hadamard_grad(_tape(trainable_params=[0]), aux_wire=1)
    assert fn(_dev().execute(tapes)) == pytest.approx(
        -2.0 * onp.sin(X0) - 0.5 * onp.cos(X0), abs=1e-12)


def test_a_trainable_scalar_times_an_operator_keeps_its_tensor():
    a = pnp.array(2.0, requires_grad=True)
    for op in (a * qml.X(0), qml.X(0) * a, a * (qml.X(0) + qml.Y(0))):
        assert qml.math.requires_grad(op.data[0])
    tape = qml.tape.QuantumScript([], [qml.probs(op=a * (qml.X(0) + qml.Y(0)))])
    with pytest.raises(DifferentiationError, match="Can only differentiate Hamiltonian coefficients"):
        qml.gradients.hadamard_grad(tape, mode="direct", aux_wire=1)


def test_qnode_gradient_by_coefficients_still_agrees():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x, coeffs):
        qml.RX(x, 0)
        return qml.expval(qml.Hamiltonian(coeffs, [qml.Z(0), qml.Y(0)]))

    x = pnp.array(X0, requires_grad=True)
    coeffs = pnp.array([2.0, 0.5], requires_grad=True)
    dx, dc = qml.grad(circuit)(x, coeffs)
    assert dx == pytest.approx(-2.0 * onp.sin(X0) - 0.5 * onp.cos(X0), abs=1e-10)
    onp.testing.assert_allclose(dc, [onp.cos(X0), -onp.sin(X0)], atol=1e-10)


def test_broadcast_shifts_keep_a_coefficient_unbatched():
    t = _tape()
    tapes, fn = qml.gradients.param_shift(t, broadcast=True)
    assert [s.batch_size for s in tapes] == [2, None, None, None, None]
    dx, dc1, dc2 = fn(_dev().execute(tapes))
    assert dx == pytest.approx(-2.0 * onp.sin(X0) - 0.5 * onp.cos(X0), abs=1e-12)
    assert dc1 == pytest.approx(onp.cos(X0), abs=1e-12)
    assert dc2 == pytest.approx(-onp.sin(X0), abs=1e-12)


def test_counts_by_a_coefficient_is_refused_as_pennylane():
    H = qml.Hamiltonian([2.0, 0.5], [qml.Z(0), qml.Y(0)])
    t = qml.tape.QuantumScript([qml.RX(X0, 0)], [qml.counts(H)], shots=10, trainable_params=[1])
    with pytest.raises(DifferentiationError, match="Can only differentiate Hamiltonian coefficients"):
        qml.gradients.param_shift(t)


def test_a_qnodes_tape_counts_its_trainable_observable_parameters():
    # PennyLane's QNode tape: the parameters that require grad, the gates' then the
    # measured observables' (a Hamiltonian's coefficients, a scalar product's scalar)
    @qml.qnode(_dev())
    def circuit(x, coeffs, a, b):
        qml.RX(x, 0)
        qml.RY(0.2, 1)
        return (qml.expval(qml.Hamiltonian(coeffs, [qml.Z(0), qml.Y(0)])),
                qml.expval(qml.s_prod(a, qml.X(1))), qml.expval(qml.s_prod(b, qml.Z(1))))

    args = (pnp.array(X0), pnp.array([2.0, 0.5]), pnp.array(1.5),
            pnp.array(0.7, requires_grad=False))
    tape = qml.workflow.construct_tape(circuit)(*args)
    assert tape.get_parameters(trainable_only=False) == [X0, 0.2, 2.0, 0.5, 1.5, 0.7]
    assert tape.trainable_params == [0, 2, 3, 4] and tape.num_params == 4
    assert tape.get_parameters() == [X0, 2.0, 0.5, 1.5]
    # finite_diff (PennyLane's expansion splits no observable) takes every column
    tapes, fn = qml.gradients.finite_diff(tape)
    (dx0, dc1, dc2, da0), (dx1, _, _, da1), _ = fn(_dev().execute(tapes))
    assert dx0 == pytest.approx(-2.0 * onp.sin(X0) - 0.5 * onp.cos(X0), abs=1e-6)
    assert (dc1, dc2) == pytest.approx((onp.cos(X0), -onp.sin(X0)), abs=1e-6)
    assert (da0, dx1) == pytest.approx((0.0, 0.0), abs=1e-6)
    assert da1 == pytest.approx(onp.sin(0.2), abs=1e-6)
    # the Jacobian by the arguments agrees (closed forms)
    jac = qml.jacobian(lambda *a: qml.math.stack(circuit(*a)))(*args[:3], args[3])
    onp.testing.assert_allclose(jac[1][0], [onp.cos(X0), -onp.sin(X0)], atol=1e-10)
    onp.testing.assert_allclose(jac[2], [0.0, onp.sin(0.2), 0.0], atol=1e-10)


def _embedding_circuit(w, coeffs):
    qml.AngleEmbedding(w, wires=[0, 1])  # RX(w0) on 0, RX(w1) on 1
    return qml.expval(qml.Hamiltonian(coeffs, [qml.Z(0), qml.Y(1)]))


def test_hybrid_false_expands_a_template_with_trainable_coefficients():
    # <c1 Z0 + c2 Y1> = c1 cos w0 - c2 sin w1; the columns are the expanded tape's (the
    # template's RX gates), then the coefficients where the expansion keeps them
    w, c = pnp.array([0.3, 0.8]), pnp.array([2.0, 0.5])
    circuit = qml.QNode(_embedding_circuit, _dev())
    gates = [-2.0 * onp.sin(0.3), -0.5 * onp.cos(0.8)]
    fd = qml.gradients.finite_diff(circuit, hybrid=False)(w, c)
    onp.testing.assert_allclose(fd, gates + [onp.cos(0.3), -onp.sin(0.8)], atol=1e-6)
    # param_shift's expansion measures the terms apart (PennyLane's split_to_single_terms):
    # the coefficients are then classical, no column of the tape's Jacobian
    ps = qml.gradients.param_shift(circuit, hybrid=False)(w, c)
    onp.testing.assert_allclose(ps, gates, atol=1e-12)
    # by the arguments, every method gives the full Jacobian (PennyLane 0.45's
    # param_shift of this QNode raises NumPy's "all input arrays must have the same shape")
    for grad, kw in ((qml.gradients.param_shift, {}), (qml.gradients.param_shift,
                     {"broadcast": True}), (qml.gradients.finite_diff, {})):
        dw, dc = grad(circuit, **kw)(w, c)
        onp.testing.assert_allclose(dw, gates, atol=1e-6)
        onp.testing.assert_allclose(dc, [onp.cos(0.3), -onp.sin(0.8)], atol=1e-6)


@pytest.mark.parametrize("mode", ["standard", "direct"])
def test_hadamard_on_a_qnode_differentiates_coefficients(mode):
    dev = qml.device("default.qubit", wires=3)

    def f(x, c):
        qml.RX(x, 0)
        return qml.expval(qml.Hamiltonian(c, [qml.Z(0), qml.Y(0)]))

    x, c = pnp.array(X0), pnp.array([2.0, 0.5])
    expected_x = -2.0 * onp.sin(X0) - 0.5 * onp.cos(X0)
    opts = {"aux_wire": 2} if mode == "standard" else {"mode": mode}
    dx, dc = qml.gradients.hadamard_grad(qml.QNode(f, dev), **opts)(x, c)
    assert dx == pytest.approx(expected_x, abs=1e-12)
    onp.testing.assert_allclose(dc, [onp.cos(X0), -onp.sin(X0)], atol=1e-12)
    node = qml.QNode(f, dev, diff_method="hadamard", gradient_kwargs=opts)
    dx, dc = qml.jacobian(node)(x, c)
    assert dx == pytest.approx(expected_x, abs=1e-10)
    onp.testing.assert_allclose(dc, [onp.cos(X0), -onp.sin(X0)], atol=1e-10)


def test_lowering_and_splitting_keep_observable_parameters_trainable():
    from qsym._tapes import lowered, split_coefficients

    H = qml.Hamiltonian([2.0, 0.5], [qml.Z(0), qml.Y(0)])
    t = qml.tape.QuantumScript([qml.QFT(wires=[0, 1]), qml.RX(X0, 0)], [qml.expval(H)],
                               trainable_params=[0, 2])  # the RX angle and 0.5
    low = lowered(t)
    assert len(low.operations) > 2  # QFT made of table gates (with parameters)
    assert low.get_parameters() == [X0, 0.5]
    seen = {}

    def cost(c):
        s = qml.tape.QuantumScript(
            [qml.RX(X0, 0)], [qml.expval(qml.Hamiltonian(c, [qml.Z(0), qml.Y(0)])),
                              qml.expval(qml.s_prod(1.5, qml.X(0)))], trainable_params=[0, 1, 3])
        split, _ = split_coefficients(s)  # the coefficients leave; 1.5 stays trainable
        seen["params"] = split.get_parameters()
        return qml.execute([s], _dev(), diff_method="backprop")[0][0]

    g = qml.grad(cost)(pnp.array([2.0, 0.5]))
    assert seen["params"] == [X0, 1.5]
    onp.testing.assert_allclose(g, [onp.cos(X0), -onp.sin(X0)], atol=1e-10)


def test_classical_jacobian_has_rows_for_the_coefficients():
    # the QNode's tape parameters (2x, c1, c2) by the arguments (x, c), as PennyLane's
    @qml.qnode(_dev())
    def circuit(x, c):
        qml.RX(2 * x, 0)
        return qml.expval(qml.Hamiltonian(c, [qml.Z(0), qml.Y(0)]))

    by_x, by_c = qml.gradients.classical_jacobian(circuit)(pnp.array(X0), pnp.array([2.0, 0.5]))
    onp.testing.assert_allclose(by_x, [2.0, 0.0, 0.0])
    onp.testing.assert_allclose(by_c, [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])


def test_hessian_by_gates_and_coefficients():
    # E = c1 cos t - c2 sin t: d2E/dt2 = -c1 cos t + c2 sin t, d2E/dt dc1 = -sin t,
    # d2E/dt dc2 = -cos t, and 0 by two coefficients (E is linear in each)
    t0 = 0.6
    H = qml.Hamiltonian([2.0, 0.5], [qml.Z(0), qml.Y(0)])
    tape = qml.tape.QuantumScript([qml.RX(t0, 0)], [qml.expval(H)])
    tapes, fn = qml.gradients.param_shift_hessian(tape)
    hess = onp.array(fn(_dev().execute(tapes)), dtype=float)
    expected = onp.array([[-2.0 * onp.cos(t0) + 0.5 * onp.sin(t0), -onp.sin(t0), -onp.cos(t0)],
                          [-onp.sin(t0), 0.0, 0.0], [-onp.cos(t0), 0.0, 0.0]])
    onp.testing.assert_allclose(hess, expected, atol=1e-12)
    # coefficients that require gradients: PennyLane's expansion measures the terms apart,
    # the Hessian is by the gate's angle only
    H = qml.Hamiltonian(pnp.array([2.0, 0.5]), [qml.Z(0), qml.Y(0)])
    tape = qml.tape.QuantumScript([qml.RX(pnp.array(t0), 0)], [qml.expval(H)])
    assert tape.num_params == 3
    tapes, fn = qml.gradients.param_shift_hessian(tape)
    assert fn(_dev().execute(tapes)) == pytest.approx(expected[0, 0], abs=1e-12)
