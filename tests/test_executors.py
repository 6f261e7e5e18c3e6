"""The QNode's executors (qsym.executors): every kind and method has one, the device
counts each evaluation once, refused inputs are named on every path, and what the
executors keep per QNode follows a gate defined again. Reference numbers come from the
definitions (circuits per shift rule, finite differences), never from the code under
test."""

import numpy as onp
import pytest

import qsym as qml
from qsym import _executors as executors
from qsym import numpy as np
from qsym.errors import ArgumentError, DifferentiationError

X = onp.array([0.54, 0.12])


def seed(dev, diff_method="parameter-shift"):
    @qml.qnode(dev, diff_method=diff_method)
    def circuit(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit


def test_every_kind_and_method_has_an_executor():
    for method in ("parameter-shift", "adjoint", "finite-diff"):
        for kind in ("exact", "sampled"):
            assert callable(executors.JACOBIANS[kind, method])
    assert set(executors.VALUES) == {"exact", "state", "sampled"}


def test_the_device_counts_each_evaluation_once():
    # RX and RY have two-term shift rules: a gradient runs 1 + 2 * 2 circuits; forward
    # finite differences (PennyLane's default) count 1 + 1 + 2 (PennyLane's gradient batch
    # holds the unshifted circuit again); the adjoint method counts one
    dev = qml.device("default.qubit", wires=1)
    nodes = {m: seed(dev, m) for m in ("parameter-shift", "adjoint", "finite-diff")}
    with qml.Tracker(dev) as tracker:
        nodes["parameter-shift"](X)
        for node in nodes.values():
            qml.jacobian(node, argnum=0)(X)
        qml.jacobian(nodes["parameter-shift"], argnum=0)(
            onp.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]))
    # PennyLane's records: one per circuit (a broadcast circuit of 3 counts 3), the
    # adjoint method one device derivative
    assert tracker.history["executions"] == [1] + [1] * 5 + [1] + [1] * 4 + [3] * 5
    assert tracker.totals["executions"] == 1 + 5 + 1 + 4 + 15
    assert tracker.totals["batches"] == 1 + 2 + 2 + 2 and dev.num_calls == 5
    assert dev.num_executions == 1 + 5 + 1 + 4 + 15


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "finite-diff"])
def test_jacobian_of_samples_is_refused(method):
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method=method)
    def c(x):
        qml.RX(x, wires=0)
        return qml.sample(qml.PauliZ(0))

    with pytest.raises(DifferentiationError, match="no gradient"):
        qml.jacobian(c)(np.array(0.3))


def test_a_returned_tuple_of_the_state_is_a_tuple():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return (qml.state(),)

    out = c(0.3)
    assert type(out) is tuple and len(out) == 1
    onp.testing.assert_allclose(out[0], [onp.cos(0.15), -1j * onp.sin(0.15)], atol=1e-15)


def test_a_nan_after_compiling_is_named_on_every_path():
    exact = seed(qml.device("default.qubit", wires=1))
    sampled = seed(qml.device("default.qubit", wires=1, shots=50, seed=3))
    nan = onp.array([0.3, onp.nan])
    for node in (exact, sampled):
        node(X)  # compiled at finite inputs
        qml.grad(lambda p: 2.0 * node(p))(np.array(X))
    for call in (lambda: exact(nan), lambda: qml.grad(exact, argnum=0)(nan), lambda: sampled(nan),
                 lambda: qml.grad(lambda p: 2.0 * exact(p))(np.array(nan)),
                 lambda: qml.grad(lambda p: 2.0 * sampled(p))(np.array(nan))):
        with pytest.raises(ArgumentError, match="NaN"):
            call()


def test_hybrid_gradient_follows_a_redefined_gate():
    # the QNode's autodiff memo (the last Jacobian autograd asked for) must not outlive
    # the gate's definition: the gradient after a redefinition is the new gate's
    name = "ExecMemoG"
    try:
        qml.define_gate(name, 1, generator=[(0.5, "X")])  # RX(x)
        dev = qml.device("default.qubit", wires=1)

        @qml.qnode(dev)
        def c(x):
            getattr(qml, name)(x, wires=0)
            return qml.expval(qml.PauliZ(0))

        def cost(x):
            return 2.0 * c(x)

        x = np.array(0.3)
        assert float(qml.grad(cost)(x)) == pytest.approx(-2 * onp.sin(0.3), abs=1e-12)
        qml.undefine_gate(name)
        qml.define_gate(name, 1, generator=[(1.0, "X")])  # RX(2x): 2 cos(2x)
        assert float(qml.grad(cost)(x)) == pytest.approx(-4 * onp.sin(0.6), abs=1e-12)
    finally:
        if name in qml._gates.GATES:
            qml.undefine_gate(name)


def test_a_state_is_one_execution_as_pennylane_counts_it():
    """PennyLane 0.45.1's default.qubit records every circuit it simulates: ``qml.state()``
    alone is 1 execution, with ``expval(Z)`` 2 (the state's group and Z's), measured."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def state(x):
        qml.RX(x, 0)
        return qml.state()

    @qml.qnode(dev)
    def both(x):
        qml.RX(x, 0)
        return qml.state(), qml.expval(qml.Z(0))

    before = dev.num_executions
    with qml.Tracker(dev) as tracker:
        psi = state(0.3)
    assert tracker.totals == {"batches": 1, "simulations": 1, "executions": 1}
    assert dev.num_executions == before + 1
    assert onp.allclose(tracker.history["results"][0], psi)
    assert onp.allclose(psi, [onp.cos(0.15), -1j * onp.sin(0.15)])
    with qml.Tracker(dev) as tracker:
        both(0.3)
    assert tracker.totals["executions"] == 2


def test_best_with_max_workers_is_recorded_as_pennylanes_adjoint():
    """PennyLane's "best" on default.qubit with max_workers is the adjoint method (no
    backpropagation through a pool of workers): a gradient is one execute-and-derivative
    batch of one circuit, as with diff_method="adjoint" (PennyLane's test
    test_integration_uses_adjoint_if_maxworkers), whatever qsym computes it with."""
    def make(dev, **kw):
        @qml.qnode(dev, **kw)
        def circuit(x):
            qml.RX(x, wires=0)
            return qml.expval(qml.PauliZ(0))
        return circuit

    pooled = qml.device("default.qubit", max_workers=2)
    plain = qml.device("default.qubit", wires=1)
    x = np.array(0.1)
    for dev, kw in ((pooled, {}), (plain, {"diff_method": "adjoint"})):
        node = make(dev, **kw)
        before = dev.num_executions
        with dev.tracker:
            g = qml.grad(node)(x)
        assert dev.tracker.totals == {"execute_and_derivative_batches": 1, "executions": 1,
                                      "derivatives": 1}, kw
        assert onp.isclose(g, -onp.sin(0.1))
        for _ in range(3):  # the short path of later gradients counts the same
            qml.grad(node)(x)
        assert dev.num_executions == before + 4
        assert type(node(x)) is onp.ndarray  # an adjoint QNode's value, not a tensor
    # without max_workers PennyLane backpropagates: one evaluation recorded, a tensor back
    node = make(qml.device("default.qubit", wires=1))
    with node.device.tracker:
        qml.grad(node)(x)
    assert node.device.tracker.totals == {"batches": 1, "simulations": 1, "executions": 1}
    assert type(node(x)) is np.tensor
