"""The gradient method a user chooses is the one that runs (issue #18): finite differences
and SPSA give their estimates (not exact parameter-shift numbers) with ``argnum``, on
QNodes, as transforms of QNodes and through ``qml.execute``; ``qml.Tracker`` counts the
method's circuits; a device class's own ``compute_derivatives`` is called.

References are written out here: the stencils' formulas on the closed form
<Z1> = cos(x) cos(y) of the circuit below, the Rademacher directions drawn from
``np.random.default_rng(seed)`` as PennyLane's ``spsa_grad`` draws them, and the counts
from each method's definition (one forward circuit, then the method's shifted circuits)."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

X0, Y0 = 0.4, -0.7


def body(x, y):
    qml.RX(x, wires=0)
    qml.RY(y, wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


def closed(p):
    return onp.cos(p[0]) * onp.cos(p[1])


def exact_grad(p):
    return onp.array([-onp.sin(p[0]) * onp.cos(p[1]), -onp.cos(p[0]) * onp.sin(p[1])])


def args():
    return np.array(X0, requires_grad=True), np.array(Y0, requires_grad=True)


def grad_and_count(node):
    with qml.Tracker(node.device) as t:
        g = qml.grad(node)(*args())
    return onp.array(g, dtype=float), t.totals.get("executions")


P0 = onp.array([X0, Y0])
E = onp.eye(2)


@pytest.mark.parametrize("argnum", [[0], 1, [0, 1]])
def test_finite_diff_with_argnum_gives_the_forward_difference(argnum):
    h = 0.1
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="finite-diff",
                     gradient_kwargs={"h": h, "argnum": argnum})
    g, count = grad_and_count(node)
    chosen = [argnum] if isinstance(argnum, int) else argnum
    want = onp.array([(closed(P0 + h * E[k]) - closed(P0)) / h if k in chosen else 0.0
                      for k in range(2)])
    onp.testing.assert_allclose(g, want, atol=1e-12)
    assert onp.abs(g - exact_grad(P0))[chosen].min() > 1e-3  # an estimate, not the exact one
    assert count == 1 + 1 + len(chosen)  # forward; the unshifted and one shifted per param


def test_finite_diff_center_second_order_with_argnum():
    h = 0.2
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="finite-diff",
                     gradient_kwargs={"h": h, "approx_order": 2, "strategy": "center",
                                      "argnum": [1]})
    g, count = grad_and_count(node)
    want = (closed(P0 + h * E[1]) - closed(P0 - h * E[1])) / (2 * h)
    onp.testing.assert_allclose(g, [0.0, want], atol=1e-12)
    assert count == 1 + 2


def spsa_reference(seed, num_directions, h, chosen=(0, 1)):
    rng = onp.random.default_rng(seed)
    g = onp.zeros(2)
    for _ in range(num_directions):
        d = onp.zeros(2)
        d[list(chosen)] = rng.choice([-1, 1], size=len(chosen))
        diff = (closed(P0 + h * d) - closed(P0 - h * d)) / (2 * h)
        g[list(chosen)] += diff / d[list(chosen)] / num_directions
    return g


@pytest.mark.parametrize("num_directions", [1, 3])
def test_spsa_qnode_gives_the_simultaneous_perturbation_estimate(num_directions):
    h = 0.1
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="spsa",
                     gradient_kwargs={"h": h, "sampler_rng": 11,
                                      "num_directions": num_directions})
    g, count = grad_and_count(node)
    onp.testing.assert_allclose(g, spsa_reference(11, num_directions, h), atol=1e-12)
    assert count == 1 + 2 * num_directions


def test_spsa_with_argnum_perturbs_the_chosen_parameters_only():
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="spsa",
                     gradient_kwargs={"h": 0.1, "sampler_rng": 3, "argnum": [1]})
    g, _ = grad_and_count(node)
    onp.testing.assert_allclose(g, spsa_reference(3, 1, 0.1, chosen=(1,)), atol=1e-12)


def test_parameter_shift_with_argnum_counts_the_two_term_rule():
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="parameter-shift",
                     gradient_kwargs={"argnum": [0]})
    g, count = grad_and_count(node)
    onp.testing.assert_allclose(g, [exact_grad(P0)[0], 0.0], atol=1e-12)
    assert count == 1 + 2


def test_spsa_options_refused_for_other_methods():
    with pytest.raises(qml.errors.ArgumentError, match="spsa"):
        qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="finite-diff",
                  gradient_kwargs={"sampler_rng": 1})


def test_finite_diff_argnum_with_two_measurements_under_jacobian():
    h = 0.05

    def two(x, y):
        body(x, y)
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=0)

    node = qml.QNode(two, qml.device("default.qubit", wires=2), diff_method="finite-diff",
                     gradient_kwargs={"h": h, "argnum": [0]})
    x = np.array([X0, Y0], requires_grad=True)
    jac = qml.jacobian(lambda v: qml.math.hstack(node(v[0], v[1])))(x)

    def f(p):
        return onp.array([closed(p), onp.cos(p[0] / 2) ** 2, onp.sin(p[0] / 2) ** 2])
    want = onp.zeros((3, 2))
    want[:, 0] = (f(P0 + h * E[0]) - f(P0)) / h
    onp.testing.assert_allclose(jac, want, atol=1e-12)


# --- the transforms on QNodes ------------------------------------------------------------------
def test_finite_diff_transform_of_a_qnode_with_argnum_and_the_chain_rule():
    h = 0.1

    def scaled(x, y):  # the gate parameters 2x and y: the chain rule gives 2 d/d(2x)
        qml.RX(2 * x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    node = qml.QNode(scaled, qml.device("default.qubit", wires=2))
    x, y = args()
    with qml.Tracker(node.device) as t:
        g = qml.gradients.finite_diff(node, argnum=[0], h=h)(x, y)
    q = onp.array([2 * X0, Y0])
    want0 = 2 * (closed(q + h * E[0]) - closed(q)) / h
    onp.testing.assert_allclose(onp.array(g, dtype=float), [want0, 0.0], atol=1e-12)
    assert t.totals["executions"] == 2  # the unshifted tape and one shifted: no forward run
    with qml.Tracker(node.device) as t:
        g = qml.gradients.finite_diff(node, h=h)(x, y)
    want = [want0, (closed(q + h * E[1]) - closed(q)) / h]
    onp.testing.assert_allclose(onp.array(g, dtype=float), want, atol=1e-12)
    assert t.totals["executions"] == 3


def test_spsa_grad_of_a_qnode():
    node = qml.QNode(body, qml.device("default.qubit", wires=2))
    g = qml.gradients.spsa_grad(node, h=0.1, sampler_rng=5, num_directions=2)(*args())
    onp.testing.assert_allclose(onp.array(g, dtype=float), spsa_reference(5, 2, 0.1),
                                atol=1e-12)


def test_execute_differentiates_tapes_by_the_chosen_transform():
    dev = qml.device("default.qubit", wires=2)
    h = 0.1

    def cost(p):
        tape = qml.tape.QuantumScript(
            [qml.RX(p[0], 0), qml.RY(p[1], 1), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
        return qml.execute([tape], dev, diff_method=qml.gradients.finite_diff,
                           gradient_kwargs={"h": h})[0]

    g = qml.grad(cost)(np.array([X0, Y0], requires_grad=True))
    want = [(closed(P0 + h * E[k]) - closed(P0)) / h for k in range(2)]
    onp.testing.assert_allclose(g, want, atol=1e-12)


# --- a device class's own derivatives --------------------------------------------------------
class OwnDerivatives(qml.devices.DefaultQubit):
    calls = 0

    def compute_derivatives(self, circuits, execution_config=None):
        OwnDerivatives.calls += 1
        return tuple(tuple(onp.array(2.5 + k) for k in range(len(c.trainable_params)))
                     if len(c.trainable_params) > 1 else onp.array(2.5) for c in circuits)


def test_a_device_classs_compute_derivatives_is_called():
    dev = OwnDerivatives(wires=1)

    @qml.qnode(dev, diff_method="device")
    def c(x, y):
        qml.RX(x, 0)
        qml.RY(y, 0)
        return qml.expval(qml.Z(0))

    OwnDerivatives.calls = 0
    assert not c.compiled_directly
    g = qml.grad(c)(np.array(0.3), np.array(0.2))
    onp.testing.assert_allclose(onp.array(g, dtype=float), [2.5, 3.5])  # the device's numbers
    assert OwnDerivatives.calls == 1
    # the value is still the simulation's: cos(0.3) cos(0.2)
    assert float(c(0.3, 0.2)) == pytest.approx(onp.cos(0.3) * onp.cos(0.2), abs=1e-12)


def test_grad_on_execution_chooses_which_device_method():
    dev = OwnDerivatives(wires=1)

    def rx(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    # grad_on_execution=True: PennyLane calls execute_and_compute_derivatives, which this
    # class does not define: qsym's exact derivative, -sin(x)
    node = qml.QNode(rx, dev, diff_method="device", grad_on_execution=True)
    assert node.compiled_directly
    assert float(qml.grad(node)(np.array(0.3))) == pytest.approx(-onp.sin(0.3), abs=1e-12)
    # adjoint with grad_on_execution=False: compute_derivatives
    node = qml.QNode(rx, dev, diff_method="adjoint", grad_on_execution=False)
    assert float(qml.grad(node)(np.array(0.3))) == 2.5

    class Both(qml.devices.DefaultQubit):
        def execute_and_compute_derivatives(self, circuits, execution_config=None):
            return self.execute(circuits), tuple(onp.array(7.0) for _ in circuits)

    node = qml.QNode(rx, Both(wires=1), diff_method="adjoint")
    assert float(qml.grad(node)(np.array(0.3))) == 7.0


@pytest.mark.parametrize("gradient_kwargs", [{"h": 0.1}, {"h": 0.1, "argnum": [0, 1]}])
def test_second_derivative_of_finite_differences_is_finite_differences(gradient_kwargs):
    # PennyLane differentiates the forward differences by forward differences again:
    # H_ij = (f(p + h e_i + h e_j) - f(p + h e_i) - f(p + h e_j) + f(p)) / h^2
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="finite-diff",
                     gradient_kwargs=gradient_kwargs, max_diff=2)
    h = 0.1
    hess = qml.jacobian(qml.jacobian(lambda v: node(v[0], v[1])))(
        np.array([X0, Y0], requires_grad=True))
    want = onp.array([[(closed(P0 + h * E[i] + h * E[j]) - closed(P0 + h * E[i])
                        - closed(P0 + h * E[j]) + closed(P0)) / h ** 2 for j in range(2)]
                      for i in range(2)])
    onp.testing.assert_allclose(hess, want, atol=1e-9)
    assert abs(hess[0, 0] + onp.cos(X0) * onp.cos(Y0)) > 1e-2  # not the exact Hessian


def test_hessian_of_a_finite_difference_qnode_is_finite_differences():
    node = qml.QNode(body, qml.device("default.qubit", wires=2), diff_method="finite-diff",
                     gradient_kwargs={"h": 0.1}, max_diff=2)
    h = 0.1
    hess = qml.hessian(lambda v: node(v[0], v[1]))(np.array([X0, Y0], requires_grad=True))
    direct = qml.hessian(node)(*args())
    want = onp.array([[(closed(P0 + h * E[i] + h * E[j]) - closed(P0 + h * E[i])
                        - closed(P0 + h * E[j]) + closed(P0)) / h ** 2 for j in range(2)]
                      for i in range(2)])
    onp.testing.assert_allclose(hess, want, atol=1e-9)
    onp.testing.assert_allclose(onp.array(direct, dtype=float), want, atol=1e-9)


def test_spsa_grad_of_a_qnode_with_a_shot_vector_gives_one_jacobian_per_count():
    """(Refused before; PennyLane's per-copy results since the grad2 round: each an SPSA
    estimate, so only its shape and finiteness are fixed here; its numbers are checked
    against the exact central difference in tests/test_gradient_helpers.py.)"""
    node = qml.set_shots(qml.QNode(body, qml.device("default.qubit", wires=2, seed=3)),
                         shots=[100, 200])
    res = qml.gradients.spsa_grad(node, sampler_rng=1)(*args())
    assert len(res) == 2
    for per_copy in res:
        assert len(per_copy) == 2 and all(onp.isfinite(float(v)) for v in per_copy)


@pytest.mark.parametrize("num_directions", [0, -1, 1.5])
def test_spsa_without_a_positive_number_of_directions_is_refused(num_directions):
    """0 or -1 directions averaged nothing: the gradient was (0, 0), silently."""
    with pytest.raises(qml.DifferentiationError, match="num_directions must be a positive"):
        qml.qnode(qml.device("default.qubit", wires=2), diff_method="spsa",
                  gradient_kwargs={"num_directions": num_directions})(body)
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.DifferentiationError, match="num_directions must be a positive"):
        qml.gradients.spsa_grad(tape, num_directions=num_directions)


@pytest.mark.parametrize("transform", ["finite_diff", "spsa_grad"])
def test_a_tape_transform_with_a_zero_or_nan_step_is_refused(transform):
    """h=0 divided by zero: inf/nan derivatives with a RuntimeWarning (PennyLane's
    ZeroDivisionError); a negative step stays PennyLane's mirrored stencil."""
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    fn = getattr(qml.gradients, transform)
    for h in (0, 0.0, float("nan"), float("inf")):
        with pytest.raises(qml.DifferentiationError, match="finite nonzero"):
            fn(tape, h=h)
    tapes, post = qml.gradients.finite_diff(tape, h=-1e-6)
    assert post(qml.execute(tapes, qml.device("default.qubit"))) == pytest.approx(
        -onp.sin(0.3), abs=1e-5)


# --- PennyLane's light cone: an observable's identity factors are measured wires ---------------
# <Z1 (x) I0> = cos(y) after RX(x) on wire 0 and RY(y) on wire 1: its derivative by x is 0, but
# PennyLane's gradient transforms put the measurement on the observable's wires as written
# (1 and 0), so x is inside their light cone: SPSA perturbs it (the random direction has an
# entry for it, and every later entry moves with it), finite differences step it and the
# parameter shift shifts it, and qml.Tracker counts those circuits.
IDENTITY_FACTORS = {
    "prod": (lambda: qml.PauliZ(1) @ qml.Identity(0), 1.0),
    "hamiltonian": (lambda: qml.Hamiltonian([0.5, -0.25], [qml.PauliZ(1), qml.Identity(0)]), 0.5),
}


def on_one_wire(observable):
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        return qml.expval(observable())
    return circuit


def spsa_of(f, seed, num_directions, h, p0):
    rng = onp.random.default_rng(seed)
    g = onp.zeros(len(p0))
    for _ in range(num_directions):
        d = rng.choice([-1, 1], size=len(p0))
        g += (f(p0 + h * d) - f(p0 - h * d)) / (2 * h) / d / num_directions
    return g


@pytest.mark.parametrize("name", sorted(IDENTITY_FACTORS))
def test_spsa_perturbs_a_parameter_reaching_only_an_identity_factor(name):
    observable, scale = IDENTITY_FACTORS[name]
    node = qml.QNode(on_one_wire(observable), qml.device("default.qubit", wires=2),
                     diff_method="spsa",
                     gradient_kwargs={"h": 0.1, "sampler_rng": 11, "num_directions": 3})
    g, count = grad_and_count(node)
    want = spsa_of(lambda p: scale * onp.cos(p[1]) + (0.0 if scale == 1.0 else -0.25),
                   11, 3, 0.1, P0)
    onp.testing.assert_allclose(g, want, atol=1e-12)
    # PennyLane 0.45.1 (/work/plvenv, this QNode): prod [0.21438150927085378,
    # 0.6431445278125635], hamiltonian [0.10719075463542718, 0.32157226390628185], 7 circuits
    pennylane = {"prod": [0.21438150927085378, 0.6431445278125635],
                 "hamiltonian": [0.10719075463542718, 0.32157226390628185]}[name]
    onp.testing.assert_allclose(g, pennylane, atol=1e-12)
    assert g[0] != 0.0  # an estimate: x was perturbed
    assert count == 1 + 2 * 3


@pytest.mark.parametrize("name", sorted(IDENTITY_FACTORS))
@pytest.mark.parametrize("method, runs", [("finite-diff", 1 + 1 + 2), ("parameter-shift", 1 + 2 * 2)])
def test_identity_factors_wires_count_as_pennylane_and_the_zero_stays_exact(name, method, runs):
    observable, scale = IDENTITY_FACTORS[name]
    node = qml.QNode(on_one_wire(observable), qml.device("default.qubit", wires=2),
                     diff_method=method)
    g, count = grad_and_count(node)
    assert g[0] == 0.0  # no circuit was needed: exactly 0 (PennyLane's is 1e-15 or 1e-17)
    want = -scale * onp.sin(Y0)
    onp.testing.assert_allclose(g[1], want, atol=1e-6 if method == "finite-diff" else 1e-12)
    assert count == runs  # PennyLane 0.45.1's Tracker: 4 (finite-diff), 5 (parameter-shift)


@pytest.mark.parametrize("name", sorted(IDENTITY_FACTORS))
def test_gradient_transforms_of_a_tape_shift_a_parameter_reaching_an_identity_factor(name):
    observable, scale = IDENTITY_FACTORS[name]
    tape = qml.tape.QuantumScript([qml.RX(X0, 0), qml.RY(Y0, 1)], [qml.expval(observable())],
                                  trainable_params=[0, 1])
    counts = [len(qml.gradients.param_shift(tape)[0]), len(qml.gradients.finite_diff(tape)[0]),
              len(qml.gradients.hadamard_grad(tape, aux_wire=2)[0])]
    # PennyLane 0.45.1: [4, 3, 2] (without the factor: [2, 2, 1])
    assert counts == [2 * 2, 1 + 2, 2]
    dev = qml.device("default.qubit", wires=3)
    for tapes, fn in (qml.gradients.param_shift(tape), qml.gradients.hadamard_grad(tape, aux_wire=2)):
        g = onp.array(fn(qml.execute(tapes, dev)), dtype=float)
        assert g[0] == 0.0  # exactly (PennyLane's param_shift: 2.6e-17, -8.2e-19)
        onp.testing.assert_allclose(g[1], -scale * onp.sin(Y0), atol=1e-12)


def test_a_wireless_identity_adds_no_wire():
    # qml.I() has no wires: Z(1) + I() is on wire 1 only (PennyLane 0.45.1: 3 circuits for
    # the parameter shift, x not shifted)
    node = qml.QNode(on_one_wire(lambda: qml.PauliZ(1) + qml.I()),
                     qml.device("default.qubit", wires=2), diff_method="parameter-shift")
    g, count = grad_and_count(node)
    onp.testing.assert_allclose(g, [0.0, -onp.sin(Y0)], atol=1e-12)
    assert count == 1 + 2
