"""PennyLane 0.45 semantics that real programs rely on: which arguments ``qml.grad`` /
``qml.jacobian`` differentiate without ``argnum`` (pennylane/_grad/grad.py,
``_get_grad_fn`` / ``_get_argnum``), and what ``qml.Tracker`` records for
``default.qubit`` (pennylane/devices/modifiers/simulator_tracking.py).

Expected values are exact formulas, and the Tracker's records were read from PennyLane
0.45.1 running the same circuits (docs/pennylane.md).
"""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

NO_TRAINABLE = "Attempted to differentiate a function with no trainable parameters"

dev2 = qml.device("default.qubit", wires=2)


@qml.qnode(dev2)
def zz(w, x):
    qml.RX(w[0], wires=0)
    qml.RY(w[1], wires=0)
    qml.RX(x, wires=1)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))  # cos(w0) cos(w1) cos(x)


def exact(w, x):
    a, b = w
    return onp.array([-onp.sin(a) * onp.cos(b) * onp.cos(x),
                      -onp.cos(a) * onp.sin(b) * onp.cos(x)]), \
        -onp.cos(a) * onp.cos(b) * onp.sin(x)


W = [0.4, -0.7]
X = 0.3


# --- trainability without argnum -------------------------------------------------------------
def test_a_tensor_and_a_plain_float_give_one_array_as_in_pennylane():
    w = np.array(W)
    g = qml.grad(zz)(w, X)
    dw, _ = exact(W, X)
    assert isinstance(g, onp.ndarray) and g.shape == (2,)
    assert onp.allclose(g, dw, atol=1e-12)
    j = qml.jacobian(zz)(w, X)
    assert isinstance(j, onp.ndarray) and j.shape == (2,)
    assert onp.allclose(j, dw, atol=1e-12)


def test_two_tensors_give_a_tuple():
    g = qml.grad(zz)(np.array(W), np.array(X))
    dw, dx = exact(W, X)
    assert isinstance(g, tuple) and len(g) == 2
    assert onp.allclose(g[0], dw, atol=1e-12) and onp.isclose(g[1], dx, atol=1e-12)


@pytest.mark.parametrize("w, x", [
    (W, X),                                     # a list and a float
    (onp.array(W), X),                          # a plain numpy array
    (np.array(W, requires_grad=False), np.array(X, requires_grad=False)),
])
def test_no_trainable_argument_warns_returns_empty_and_sets_forward(w, x):
    for make in (qml.grad, qml.jacobian):
        fn = make(zz)
        with pytest.warns(UserWarning, match=NO_TRAINABLE) as rec:
            assert fn(w, x) == ()
        assert "'argnums' keyword" in str(rec[0].message)  # PennyLane 0.45's wording
    g = qml.grad(zz)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        g(w, x)
    assert onp.isclose(g.forward, onp.cos(W[0]) * onp.cos(W[1]) * onp.cos(X))


def test_argnum_differentiates_whatever_is_given():
    dw, dx = exact(W, X)
    assert onp.allclose(qml.grad(zz, argnum=0)(W, X), dw, atol=1e-12)
    assert onp.allclose(qml.grad(zz, argnum=0)(onp.array(W), X), dw, atol=1e-12)
    assert onp.isclose(qml.grad(zz, argnum=1)(np.array(W), X), dx, atol=1e-12)
    g = qml.grad(zz, argnums=[0, 1])(W, X)
    assert onp.allclose(g[0], dw, atol=1e-12) and onp.isclose(g[1], dx, atol=1e-12)


def test_argnum_naming_a_non_trainable_tensor_raises_non_differentiable_error():
    """PennyLane 0.45.1 (measured): qml.grad(f, argnums=0)(np.array(0.3, requires_grad=False),
    y) raises pennylane.numpy.NonDifferentiableError "0.3 is non-differentiable. Set the
    requires_grad attribute to True." (tensor_to_arraybox), for grad, jacobian and hybrid
    functions alike; the same argument left out of argnums is fine."""
    frozen = np.array(W, requires_grad=False)

    def cost(w, x):
        return zz(w, x) ** 2

    for make in (qml.grad, qml.jacobian, qml.hessian):
        for fun in (zz, cost):
            for argnum in (0, [0, 1], [1, 0], -2):
                with pytest.raises(qml.NonDifferentiableError, match="is non-differentiable"):
                    make(fun, argnum=argnum)(frozen, np.array(X))
    assert issubclass(qml.numpy.NonDifferentiableError, qml.DifferentiationError)
    # the trainable argument alone: fine, and the exact derivative
    _, dx = exact(W, X)
    assert onp.isclose(qml.grad(zz, argnum=1)(frozen, np.array(X)), dx, atol=1e-12)
    assert onp.isclose(qml.grad(zz)(frozen, np.array(X)), dx, atol=1e-12)


def test_a_trainable_integer_tensor_raises_pennylanes_value_error():
    def cost(w, x):
        return zz(w, x) ** 2

    for fn in (qml.grad(zz), qml.jacobian(zz), qml.grad(cost), qml.jacobian(cost)):
        with pytest.raises(ValueError, match="Autograd does not support differentiation of ints"):
            fn(np.array([1, 2]), X)
        with pytest.raises(qml.DifferentiationError):
            fn(np.array([1, 2]), X)
    # not trainable, or chosen by argnum: fine (argnum promotes it to float)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        qml.grad(zz)(np.array([1, 2], requires_grad=False), X)
    assert onp.allclose(qml.grad(zz, argnum=0)(np.array([1, 2]), X), exact([1.0, 2.0], X)[0])


def test_hybrid_costs_and_nested_derivatives_follow_the_rule():
    def cost(w, x):
        return zz(w, x) ** 2

    w = np.array(W)
    dw, _ = exact(W, X)
    f = onp.cos(W[0]) * onp.cos(W[1]) * onp.cos(X)
    g = qml.grad(cost)(w, X)
    assert isinstance(g, onp.ndarray) and onp.allclose(g, 2 * f * dw, atol=1e-12)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert qml.grad(cost)(W, X) == ()
    # d2/dw2 of cos(a) cos(b) cos(x), by w only (x a plain float)
    a, b = W
    H = onp.cos(X) * onp.array([[-onp.cos(a) * onp.cos(b), onp.sin(a) * onp.sin(b)],
                                [onp.sin(a) * onp.sin(b), -onp.cos(a) * onp.cos(b)]])
    for h in (qml.jacobian(qml.grad(zz))(w, X), qml.hessian(zz)(w, X)):
        assert onp.shape(h) == (2, 2) and onp.allclose(h, H, atol=1e-10)


def test_the_short_path_follows_the_rule():
    """grad's short path (one float64 array, called again and again) never differentiates a
    plain ndarray without argnum, even right after a trainable tensor of the same shape."""

    @qml.qnode(dev2)
    def c(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    d = qml.grad(c)
    t = np.array(W)
    first, again = d(t), d(t)
    assert onp.allclose(first, again) and onp.allclose(
        first, [-onp.sin(W[0]) * onp.cos(W[1]), -onp.cos(W[0]) * onp.sin(W[1])], atol=1e-12)
    with pytest.warns(UserWarning, match=NO_TRAINABLE):
        assert d(onp.array(W)) == ()
    assert onp.allclose(qml.grad(c, argnum=0)(onp.array(W)), first)
    assert onp.allclose(d(t), first)


# --- the Tracker's records, as PennyLane 0.45.1's default.qubit makes them --------------------
def crx(x):
    qml.RX(x[0], wires=0)
    qml.CRX(x[1], wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


PT = np.array([0.3, 0.4])


def test_tracker_evaluation_record():
    c = qml.QNode(crx, dev2)
    with qml.Tracker(dev2) as t:
        c(PT)
    assert t.totals == {"batches": 1, "simulations": 1, "executions": 1}
    assert sorted(t.history) == ["batches", "errors", "executions", "resources", "results",
                                 "simulations"]
    assert t.history["errors"] == [{}]
    assert sorted(t.latest) == ["errors", "executions", "resources", "results", "simulations"]
    assert t.latest["resources"].gate_types == {"RX": 1, "CRX": 1}
    assert onp.isclose(t.latest["results"], c(PT))


def test_tracker_parameter_shift_gradient_is_two_batches_of_circuits():
    seen = []
    c = qml.QNode(crx, dev2, diff_method="parameter-shift")
    with qml.Tracker(dev2, callback=lambda totals, history, latest: seen.append(latest)) as t:
        qml.grad(c)(PT)
    # the value circuit, then 2 (RX) + 4 (CRX) shifted circuits
    assert t.history["batches"] == [1, 1]
    assert t.history["executions"] == [1] * 7 and t.history["simulations"] == [1] * 7
    assert t.totals["executions"] == 7 and t.totals["batches"] == 2
    assert len(seen) == 2 + 7  # one record per batch and per circuit


# ("device" on default.qubit: PennyLane's QuantumFunctionError when the QNode is made)
@pytest.mark.parametrize("method", ["adjoint"])
def test_tracker_adjoint_is_one_device_derivative(method):
    c = qml.QNode(crx, dev2, diff_method=method)
    with qml.Tracker(dev2) as t:
        qml.grad(c)(PT)
    assert t.totals == {"execute_and_derivative_batches": 1, "executions": 1, "derivatives": 1}
    assert t.latest == {"execute_and_derivative_batches": 1, "executions": 1, "derivatives": 1}
    assert sorted(t.history) == ["derivatives", "errors", "execute_and_derivative_batches",
                                 "executions", "resources"]


def _rx_ry(v, w=0.3):
    qml.RX(v[0], wires=0)  # (v of shape (2, B): B broadcast rows)
    qml.CNOT(wires=[0, 1])
    qml.RY(v[1], wires=1)
    qml.RZ(w, wires=1)
    return qml.expval(qml.PauliZ(1))


DERIV = {"execute_and_derivative_batches": 1, "executions": 1, "derivatives": 1}
BATCH = {"batches": 1, "simulations": 1, "executions": 1}


# (read from PennyLane 0.45.1 running the same calls, stop 68: its adjoint method under the
# autograd interface computes the derivative with the values, grad_on_execution)
@pytest.mark.parametrize("interface, call, want", [
    ("auto", lambda c: c(np.array([0.1, 0.2])), DERIV),
    ("auto", lambda c: c(np.array([0.1, 0.2], requires_grad=False)), DERIV),
    ("autograd", lambda c: c([0.1, 0.2]), DERIV),
    ("auto", lambda c: c([0.1, 0.2], w=np.array(0.5)), DERIV),
    ("auto", lambda c: c([0.1, 0.2]), BATCH),
    ("numpy", lambda c: c(np.array([0.1, 0.2])), BATCH),
    ("auto", lambda c: c(np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])),
     {"execute_and_derivative_batches": 1, "executions": 3, "derivatives": 3}),
    ("auto", lambda c: qml.jacobian(c)(np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])),
     {"execute_and_derivative_batches": 1, "executions": 3, "derivatives": 3}),
])
def test_tracker_adjoint_evaluation_under_autograd_is_a_device_derivative(interface, call, want):
    """An adjoint QNode evaluated (not differentiated) with the autograd interface is
    recorded as PennyLane records it: one device derivative, each broadcast row one
    circuit (qsym recorded a batch of executions, and a broadcast derivative as one)."""
    c = qml.QNode(_rx_ry, dev2, diff_method="adjoint", interface=interface)
    with qml.Tracker(dev2) as t:
        call(c)
    assert {k: v for k, v in t.totals.items() if k != "results"} == want


def test_tracker_adjoint_without_grad_on_execution():
    """``grad_on_execution=False`` (PennyLane 0.45.1's records): an evaluation is a batch of
    one circuit, a gradient that batch and then one device derivative (qsym recorded both as
    ``execute_and_derivative_batches``)."""
    c = qml.QNode(_rx_ry, dev2, diff_method="adjoint", grad_on_execution=False)
    x = np.array([0.1, 0.2])
    with qml.Tracker(dev2) as t:
        c(x)
    assert {k: v for k, v in t.totals.items() if k != "results"} == BATCH
    with qml.Tracker(dev2) as t:
        qml.grad(c)(x)
    assert {k: v for k, v in t.totals.items() if k != "results"} == dict(
        BATCH, derivative_batches=1, derivatives=1)


def test_tracker_two_qnodes_on_one_device_backprop_and_adjoint():
    """A cost of a backprop and an adjoint QNode sharing a device (PennyLane 0.45.1: the
    value 1 batch, 1 simulation, 2 executions; its gradient the same)."""
    def n2_fn(v):
        qml.RY(v[0], wires=0)
        qml.RX(v[2], wires=1)
        return qml.expval(qml.PauliX(0) @ qml.PauliZ(1))
    n1 = qml.QNode(lambda v: _rx_ry(v[:2]), dev2, diff_method="backprop")
    n2 = qml.QNode(n2_fn, dev2, diff_method="adjoint")
    x = np.array([0.1, 0.2, 0.3])
    for step in (lambda: n1(x) + n2(x) ** 2, lambda: qml.grad(lambda v: n1(v) + n2(v) ** 2)(x)):
        with qml.Tracker(dev2) as t:
            step()
        assert (t.totals.get("batches"), t.totals.get("simulations"), t.totals["executions"]) == (1, 1, 2)


def test_tracker_backprop_is_recorded_as_one_evaluation():
    c = qml.QNode(crx, dev2, diff_method="backprop")
    with qml.Tracker(dev2) as t:
        qml.grad(c)(PT)
    assert t.totals == {"batches": 1, "simulations": 1, "executions": 1}


def test_tracker_executions_count_measurement_groups_shots_and_batches():
    def meas(x):
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(0)), qml.probs(wires=[0, 1])

    def commuting(x):
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1)), qml.var(qml.PauliZ(0))

    def ham(x):
        qml.RX(x[0], wires=0)
        return qml.expval(qml.Hamiltonian([0.5, 0.2], [qml.PauliZ(0), qml.PauliX(1)]))

    def broadcast(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for fn, args, shots, executions in [
        (meas, (PT,), None, 3),           # Z0 and X0 do not commute; probs: one more
        (meas, (PT,), 100, 3),
        (commuting, (PT,), None, 1),
        (ham, (PT,), None, 1),
        (ham, (PT,), 10, 1),
        (broadcast, (np.array([0.1, 0.2, 0.3]),), None, 3),  # a batch of 3
    ]:
        node = qml.QNode(fn, dev2, shots=shots)
        with qml.Tracker(dev2) as t:
            node(*args)
        expected = {"batches": 1, "simulations": 1, "executions": executions}
        if shots:
            expected["shots"] = shots * executions
        totals = {k: v for k, v in t.totals.items() if k != "results"}
        assert totals == expected, (fn.__name__, shots)


@pytest.mark.parametrize("shots", [None, 100])
def test_tracker_splits_an_expectation_by_the_observables_type_as_written(shots):
    """PennyLane's split_non_commuting splits a Sum by its flattened terms and a
    LinearCombination by its own operands; a scalar product of a sum (2 * (X + Z)) is
    one observable, one circuit. qsym counted the terms of every sum it met (2 for
    2 * (X + Z)). Counts by PennyLane 0.45.1's default.qubit (plvenv), RX(0.3) then:"""
    X, Y, Z = qml.PauliX, qml.PauliY, qml.PauliZ
    cases = [
        (lambda: 2 * (X(0) + Z(0)), 1), (lambda: qml.s_prod(2.0, qml.sum(X(0), Y(0))), 1),
        (lambda: -(X(0) + Z(0)), 1), (lambda: 2.0 * (3.0 * (X(0) + Z(0))), 1),
        (lambda: X(0) + Z(0), 2), (lambda: qml.sum(2 * (X(0) + Z(0))), 2),
        (lambda: 0.5 * (X(0) + Y(0)) + Z(0), 3),
        (lambda: qml.Hamiltonian([2.0, 1.0], [X(0), Z(0)]), 2),
        (lambda: qml.Hamiltonian([2.0], [X(0) + Z(0)]), 1),
        (lambda: qml.prod(X(0) + Z(0), Z(1)), 1),
    ]
    dev = qml.device("default.qubit", wires=2)

    def node(make):
        @qml.qnode(dev, shots=shots)
        def c():
            qml.RX(0.3, wires=0)
            return qml.expval(make())

        return c

    for make, executions in cases:
        with qml.Tracker(dev) as t:
            node(make)()
        obs = make()
        assert t.totals["executions"] == executions, repr(obs)
        assert t.totals.get("shots") == (None if shots is None else shots * executions)


def test_tracker_sampled_gradient_records_shots_per_circuit():
    c = qml.QNode(crx, qml.device("default.qubit", wires=2, seed=1), shots=100)
    with qml.Tracker(c.device) as t:
        qml.grad(c)(PT)
    assert t.history["shots"] == [100] * 7 and t.totals["shots"] == 700
    assert t.history["batches"] == [1, 1]


def test_tracker_update_and_record_are_pennylanes():
    seen = []
    t = qml.Tracker(dev2, callback=lambda totals, history, latest: seen.append(dict(totals)))
    t.update(a=1, b="x", c=None)
    t.update(a=2)
    t.record()
    assert t.totals == {"a": 3} and t.history == {"a": [1, 2], "b": ["x"], "c": [None]}
    assert t.latest == {"a": 2} and seen == [{"a": 3}]


def test_tracker_without_a_device_and_its_repr_and_device_attribute():
    t = qml.Tracker()
    assert (t.totals, t.history, t.latest, t.active, t.callback, t.persistent) == (
        {}, {}, {}, False, None, False)
    assert repr(t) == "Tracker(active=False, totals={}, history={}, latest={}, persistent=False)"
    with t:
        assert t.active
    assert not t.active

    class Other:
        short_name = "other"

    with pytest.raises(qml.DeviceError, match="Device 'other' does not support device tracking"):
        qml.Tracker(Other())
    dev = qml.device("default.qubit", wires=1)
    assert qml.Tracker(dev).device is dev and dev.tracker is not None


def test_tracker_results_of_an_evaluation_without_trainable_tensors_are_summed():
    """PennyLane records an exact evaluation's result as a float (summed into totals)
    unless the QNode got trainable tensors (then a 0-d tensor, not summed)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def z():
        return qml.expval(qml.PauliZ(0))

    with qml.Tracker(dev) as t:
        z()
        z()
    assert t.totals == {"executions": 2, "batches": 2, "results": 2.0, "simulations": 2}
    with qml.Tracker(dev) as t:
        qml.set_shots(z, 10)()
        qml.set_shots(z, 20)()
    assert t.totals == {"executions": 2, "shots": 30, "batches": 2, "results": 2.0,
                        "simulations": 2}


# --- StatePrep / AmplitudeEmbedding preprocessing, as PennyLane's StatePrep._preprocess ----
def test_padding_normalizes_and_pad_with_may_be_an_input():
    dev3 = qml.device("default.qubit", wires=2)

    @qml.qnode(dev3)
    def padded(f, pad):
        qml.AmplitudeEmbedding(f, wires=[0, 1], pad_with=pad)  # normalize=False: PennyLane
        return qml.state()                                    # normalizes a padded state

    f = [0.6, 0.0, 0.8]
    for pad in (0.0, 0.5):
        v = onp.array(f + [pad])
        onp.testing.assert_allclose(padded(f, pad), v / onp.linalg.norm(v), atol=1e-12)
    with pytest.raises(ValueError, match="Input state must be of length 4 or smaller to be padded"):
        padded([0.1] * 5, 0.0)


def test_math_cast_of_traced_inputs_to_complex_keeps_them():
    dev3 = qml.device("default.qubit", wires=1)

    @qml.qnode(dev3)
    def prep(f):
        qml.StatePrep(qml.math.cast(f, onp.complex128), wires=[0])
        return qml.expval(qml.PauliX(0))

    f = np.array([0.6, 0.8])
    assert prep(f) == pytest.approx(2 * 0.6 * 0.8, abs=1e-12)
    assert onp.array_equal(qml.math.cast([1, 2], float), [1.0, 2.0])


def test_arrays_built_from_tensors_are_tensors_as_in_pennylane():
    """pennylane.numpy wraps NumPy so that an array result is a tensor (trainable if any
    tensor argument is, or if none is one): np.concatenate([a, b]) is then a trainable
    argument for qml.grad, as in PennyLane."""
    a, b = np.array([W[0]]), np.array([W[1]])
    frozen = np.array([0.1], requires_grad=False)
    for make in (lambda: np.concatenate([a, b]), lambda: np.hstack([a, b]),
                 lambda: np.stack([a, b])[:, 0], lambda: np.append(a, W[1]),
                 lambda: np.copy(np.array(W)), lambda: np.asarray(W),
                 lambda: np.where(np.array(W) > -10, np.array(W), 0.0)):
        w = make()
        assert isinstance(w, np.tensor) and w.requires_grad
        assert onp.allclose(qml.grad(zz)(w, X), exact(W, X)[0], atol=1e-12)
    assert not np.concatenate([frozen, frozen]).requires_grad
    assert np.concatenate([frozen, frozen], requires_grad=True).requires_grad


@pytest.mark.parametrize("make", (qml.grad, qml.jacobian))
def test_qjit_only_options_are_refused_at_the_call_as_in_pennylane(make):
    def f(x):
        return x**2

    x = np.array(0.5)
    with pytest.raises(ValueError, match="method = 'fd' unsupported without QJIT."):
        make(f, method="fd")(x)
    with pytest.raises(ValueError, match="unsupported without QJIT. "):
        make(f, h=1e-6)(0.5)
    assert make(f)(x) == pytest.approx(1.0)


# --- QNode options: the default diff_method, update, execute_kwargs ---------------------------


def test_best_is_recorded_as_backprop_and_is_parameter_shift_with_shots():
    c = qml.QNode(crx, dev2, diff_method="best")
    # not given: it reads "best" (PennyLane's default) and runs parameter shift
    assert c.diff_method == "best" and qml.QNode(crx, dev2).diff_method == "best"
    assert qml.QNode(crx, dev2, "autograd").interface == "autograd"  # PennyLane's 3rd argument
    with qml.Tracker(dev2) as t:
        g = qml.grad(c)(PT)
    assert t.totals == {"batches": 1, "simulations": 1, "executions": 1}  # PennyLane's backprop
    ps = qml.grad(qml.QNode(crx, dev2, diff_method="parameter-shift"))(PT)
    onp.testing.assert_allclose(g, ps, atol=1e-12)  # the same exact derivative
    sampled = qml.set_shots(c, shots=50)  # with shots, "best" is parameter shift (PennyLane)
    with qml.Tracker(dev2) as t:
        qml.grad(sampled)(PT)
    assert t.totals["batches"] == 2 and t.totals["executions"] == 7


def test_update_returns_a_new_qnode_with_the_options_changed():
    c = qml.QNode(crx, dev2, gradient_kwargs={"atol": 1})
    assert c.gradient_kwargs == {"atol": 1}
    new = c.update(diff_method="finite-diff", gradient_kwargs={"h": 1e-3},
                   device_vjp=True)
    assert new is not c and new.func is c.func and new.device is c.device
    assert (new.diff_method, c.diff_method) == ("finite-diff", "best")
    assert new.gradient_kwargs == {"atol": 1, "h": 1e-3} and new.h == 1e-3
    assert new.execute_kwargs["device_vjp"] and not c.execute_kwargs["device_vjp"]
    with pytest.raises(qml.QuantumFunctionError, match="device_vjp=True is not supported"):
        new(PT)  # PennyLane's: default.qubit has no vjp of finite differences
    new = new.update(device_vjp=False)
    # a forward difference with h = 1e-3: within 1e-3 of the exact gradient, not equal to it
    g_fd, g = qml.grad(new)(PT), qml.grad(c)(PT)
    onp.testing.assert_allclose(g_fd, g, atol=2e-3)
    assert not onp.allclose(g_fd, g, atol=1e-9)  # really a finite difference

    def other(x):
        qml.RY(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    assert float(c.update(func=other)(PT)) == pytest.approx(onp.cos(0.3), abs=1e-12)
    with pytest.raises(ValueError, match="Must specify at least one configuration property"):
        c.update()
    with pytest.raises(qml.ArgumentError, match="Must specify"):
        c.update()
    with pytest.raises(TypeError):
        c.update(no_such_option=1)


def test_update_keeps_shots_set_on_the_qnode_and_warns_for_a_device_with_other_shots():
    c = qml.set_shots(qml.QNode(crx, dev2), shots=30)
    kept = c.update(diff_method="parameter-shift")
    assert kept.configured_shots() == 30 and kept.update_shots(7).configured_shots() == 7
    assert kept._shots == qml.measurements.Shots(30) and kept._shots_override_device
    plain = qml.QNode(crx, dev2)
    with pytest.warns(UserWarning, match="shots value does not match"):
        moved = plain.update(device=qml.device("default.qubit", wires=2, shots=100))
    # PennyLane 0.45 (workflow/test_qnode.py::test_shots_not_updated_with_device): the
    # QNode keeps the shots it had (here exact), set on it over the new device's
    assert moved.configured_shots() is None and moved._shots_override_device


def test_execute_kwargs_are_pennylanes():
    c = qml.QNode(crx, dev2, cachesize=5, max_diff=2)
    assert c.execute_kwargs == {
        "grad_on_execution": "best", "cache": "auto", "cachesize": 5, "max_diff": 2,
        "device_vjp": False, "postselect_mode": None, "mcm_method": None,
        "executor_backend": None}


# --- result types (read from PennyLane 0.45.1 running the same calls) --------------------------


@qml.qnode(dev2)
def rx_z(x):
    qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))  # cos(x)


def test_gradient_and_jacobian_types_are_pennylanes():
    t = np.array(0.3)
    g = qml.grad(rx_z)(t)
    assert type(g) is np.tensor and g.ndim == 0 and g.requires_grad
    assert float(g) == pytest.approx(-onp.sin(0.3), abs=1e-12)
    h = qml.grad(lambda x: rx_z(x) ** 2)(t)  # hybrid: d cos^2 = -sin(2x)
    assert type(h) is np.tensor and float(h) == pytest.approx(-onp.sin(0.6), abs=1e-12)
    both = qml.grad(zz)(np.array([0.4, -0.7]), np.array(0.3))
    assert type(both[0]) is onp.ndarray and type(both[1]) is np.tensor
    assert type(qml.grad(rx_z, argnum=0)(0.3)) is onp.float64  # a float: a NumPy number
    j = qml.jacobian(rx_z)(t)
    assert type(j) is onp.ndarray and j.shape == () and float(j) == pytest.approx(-onp.sin(0.3))
    in_list = qml.grad(lambda v: zz(v, 0.3), argnum=0)([0.4, -0.7])
    assert type(in_list) is list and all(type(v) is onp.ndarray and v.shape == () for v in in_list)
    onp.testing.assert_allclose(in_list, exact(W, X)[0], atol=1e-12)


def test_sampled_results_are_arrays_and_tensor_repr_is_pennylanes():
    sampled = qml.set_shots(rx_z, shots=20)
    for x in (np.array(0.3), 0.3):
        r = sampled(x)
        assert not isinstance(r, np.tensor) and r.shape == ()
    assert type(sampled(np.array(0.3))) is onp.ndarray  # a 0-d array (PennyLane's)
    assert type(sampled(0.3)) is onp.float64
    assert isinstance(rx_z(np.array(0.3)), np.tensor)  # exact: a tensor
    # NumPy's own layout for the class name "tensor(": continued lines indented by 8
    assert repr(np.array([[0.5, 1.0], [1.5, 2.0]])) == (
        "tensor([[0.5, 1. ],\n        [1.5, 2. ]], requires_grad=True)")


def test_grad_of_a_one_element_array_result_is_pennylanes():
    """PennyLane's qml.grad takes a result of one element in any shape ((1,), (1, 1)) as
    the scalar; more elements still need qml.jacobian."""
    x = np.array([0.3], requires_grad=True)
    onp.testing.assert_allclose(qml.grad(np.sin)(x), [onp.cos(0.3)], atol=1e-15)
    v = np.array([1.0, 2.0], requires_grad=True)
    onp.testing.assert_allclose(qml.grad(lambda v: np.sum(v**2, keepdims=True))(v), [2.0, 4.0])
    with pytest.raises(qml.DifferentiationError, match="qml.jacobian"):
        qml.grad(lambda v: v**2)(v)
    opt = qml.AdamOptimizer(0.1)  # the first Adam step moves each entry by the step size
    onp.testing.assert_allclose(opt.step(np.sin, x), [0.3 - 0.1], atol=1e-7)
    assert opt.t == 1 and opt.fm == opt.accumulation["fm"]


def test_wrapped_numpy_results_are_tensors_with_pennylanes_flags():
    """pennylane/numpy/wrapper.py: every NumPy function's array result is a tensor,
    trainable if any tensor argument is (or if none is one), ``requires_grad=`` deciding
    when given; numbers stay numbers; linalg and fft are wrapped the same way."""
    x = np.array([0.0, 1.0, 2.0], requires_grad=True)
    out = np.sin(x, requires_grad=False)
    assert isinstance(out, np.tensor) and out.requires_grad is False and x.requires_grad
    onp.testing.assert_array_equal(out, onp.sin([0.0, 1.0, 2.0]))
    plain = np.sin(onp.array([0.0, 1.0]))
    assert isinstance(plain, np.tensor) and plain.requires_grad
    frozen = np.array([0.0, 1.0], requires_grad=False)
    assert not np.arctan2(frozen, frozen + 1).requires_grad
    assert np.arctan2(frozen, np.array([1.0, 2.0])).requires_grad
    assert type(np.sin(0.3)) is onp.float64
    assert "Trigonometric sine, element-wise." in np.sin.__doc__
    assert isinstance(np.linalg.eigvals([[1.0, 1.0], [1.0, 1.0]]), np.tensor)
    assert isinstance(np.fft.fft(np.arange(8)), np.tensor)
    a, b = np.tensor([1.0]), np.tensor(2.0, requires_grad=False)
    assert [t is a or t is b for t in np.extract_tensors([a, "ab", (b, onp.ones(2))])] == [True, True]
    assert list(np.extract_tensors([])) == []
    # derivatives through them are unchanged
    onp.testing.assert_allclose(qml.grad(lambda v: np.sum(np.sin(v)))(np.array([0.1, 0.2])),
                                onp.cos([0.1, 0.2]), atol=1e-15)
    onp.testing.assert_allclose(qml.grad(np.linalg.norm)(np.array([3.0, 4.0])), [0.6, 0.8])
