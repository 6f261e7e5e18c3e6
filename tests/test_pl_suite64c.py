"""Issue #18 (stop 64): PennyLane 0.45.1 semantics found by pl64b's legacy-device work.

1. A second derivative through ``qml.execute(..., diff_method=qml.gradients.param_shift,
   max_diff=2)`` of a 0-d argument by ``qml.grad(qml.grad(f))`` (and
   ``qml.jacobian(qml.grad(f))``): autograd's second derivative of indexing (the vjp of
   ``untake``) indexes the cotangent, which must be an array, also of shape ``()`` (autograd's
   own ``grad`` passes ``vspace(ans).ones()``); qsym passed a Python float.
2. ``diff_method`` values a device does not support: ``qml.execute`` with ``"device"``
   (``"adjoint"``, ``"backprop"``) raises PennyLane's ``QuantumFunctionError`` where the
   device's ``supports_derivatives`` says no (a user's device class without
   ``compute_derivatives``, ``default.qubit`` for ``"device"``), and a QNode with
   ``diff_method=None`` on a user's device class is not differentiated (PennyLane: "Derivatives
   cannot be calculated with diff_method=None").

The expected behaviour was scripted in /work/plvenv (PennyLane 0.45.1): its numbers and its
exceptions; the second derivatives are also worked out by hand.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp

X = 0.3


def _cos_cos2(x):
    """``<Z1>`` after RX(x) on 0, RY(2x) on 1, CNOT: cos(x) cos(2x), by parameter shift
    up to second order (x appears twice: the gradient is a sum of two 0-d pieces)."""
    tape = qml.tape.QuantumScript([qml.RX(x, wires=0), qml.RY(2 * x, wires=1), qml.CNOT([0, 1])],
                                  [qml.expval(qml.PauliZ(1))])
    return qml.execute([tape], qml.device("default.qubit", wires=2),
                       diff_method=qml.gradients.param_shift, max_diff=2)[0]


def _cos(x):
    tape = qml.tape.QuantumScript([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
    return qml.execute([tape], qml.device("default.qubit", wires=1),
                       diff_method=qml.gradients.param_shift, max_diff=2)[0]


# d2/dx2 cos(x) cos(2x) = -5 cos(x) cos(2x) + 4 sin(x) sin(2x) (by hand); PennyLane 0.45.1
# gives -3.2749131 for all four forms below (grad/jacobian nested)
_BY_HAND = -5 * onp.cos(X) * onp.cos(2 * X) + 4 * onp.sin(X) * onp.sin(2 * X)


@pytest.mark.parametrize("outer, inner", [
    (qml.grad, qml.grad), (qml.jacobian, qml.grad),
    (qml.grad, qml.jacobian), (qml.jacobian, qml.jacobian)])
def test_second_derivative_of_a_0d_argument_through_execute(outer, inner):
    x = pnp.array(X, requires_grad=True)
    h = outer(inner(_cos_cos2))(x)
    assert onp.shape(h) == ()
    assert float(h) == pytest.approx(_BY_HAND, abs=1e-10)
    assert float(h) == pytest.approx(-3.2749131, abs=1e-7)  # PennyLane 0.45.1's


def test_second_derivative_of_one_parameter_through_execute():
    """One gate: d2/dx2 cos x = -cos x, by grad of grad (the inner gradient is untake's
    output itself)."""
    assert float(qml.grad(qml.grad(_cos))(pnp.array(X, requires_grad=True))) == pytest.approx(
        -onp.cos(X), abs=1e-10)


class _OwnExecute(qml.devices.Device):
    """A user's device class (PennyLane's new API) with its own ``execute`` and no
    ``compute_derivatives``: it supports no device derivatives."""

    def execute(self, circuits, execution_config=None):
        return tuple(qml.devices.DefaultQubit().execute(c) for c in circuits)


def _rx_tape(x):
    return qml.tape.QuantumScript([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])


@pytest.mark.parametrize("make", [lambda: _OwnExecute(wires=1),
                                  lambda: qml.device("default.qubit", wires=1)])
@pytest.mark.parametrize("x", [0.3, pnp.array(X, requires_grad=True)])
def test_execute_with_device_derivatives_the_device_lacks_raises(make, x):
    """PennyLane 0.45.1's qml.execute checks ``supports_derivatives`` for "device"
    (``_resolve_diff_method``): QuantumFunctionError "Device ... does not support device with
    requested circuit", for the value as for qml.grad (parameter shift before)."""
    dev = make()

    def f(x):
        return qml.execute([_rx_tape(x)], dev, diff_method="device")[0]

    with pytest.raises(qml.QuantumFunctionError, match="does not support device with requested"):
        f(x)
    with pytest.raises(qml.QuantumFunctionError, match="does not support device with requested"):
        qml.grad(f)(pnp.array(X, requires_grad=True))


def test_execute_with_adjoint_a_user_device_lacks_raises_and_default_qubit_differentiates():
    x = pnp.array(X, requires_grad=True)
    with pytest.raises(qml.QuantumFunctionError, match="does not support adjoint"):
        qml.execute([_rx_tape(x)], _OwnExecute(wires=1), diff_method="adjoint")
    dq = qml.device("default.qubit", wires=1)  # supports it: d/dx cos x = -sin x
    g = qml.grad(lambda x: qml.execute([_rx_tape(x)], dq, diff_method="adjoint")[0])(x)
    assert float(g) == pytest.approx(-onp.sin(X), abs=1e-12)


def _none_qnode(dev, transformed=False):
    @qml.qnode(dev, diff_method=None)
    def c(x):
        qml.RX(x, 0)
        qml.RX(x, 0)
        return qml.expval(qml.PauliZ(0))
    return qml.transforms.merge_rotations(c) if transformed else c


@pytest.mark.parametrize("dev, transformed", [(_OwnExecute(wires=1), False),
                                              (_OwnExecute(wires=1), True),
                                              (qml.device("default.qubit", wires=1), True)])
def test_a_qnode_with_diff_method_none_is_not_differentiated(dev, transformed):
    """PennyLane 0.45.1: values, and QuantumFunctionError "Derivatives cannot be calculated
    with diff_method=None" from qml.grad and qml.jacobian (also of a hybrid cost), where qsym
    gave parameter-shift derivatives on a user's device class or a transformed QNode."""
    c = _none_qnode(dev, transformed)
    x = pnp.array(X, requires_grad=True)
    assert float(c(x)) == pytest.approx(onp.cos(2 * X), abs=1e-12)
    for how in (qml.grad(c), qml.jacobian(c), qml.grad(lambda x: 2 * c(x) + pnp.sin(x))):
        with pytest.raises(qml.QuantumFunctionError, match="cannot be calculated with diff_method=None"):
            how(x)
    # a constant argument: not differentiated, the value is used (PennyLane: cos(0.4))
    y = pnp.array(0.2, requires_grad=False)
    assert float(qml.grad(lambda x, y: c(y) * x)(x, y)) == pytest.approx(onp.cos(0.4), abs=1e-12)


_LEGACY = pytest.mark.skipif(
    not __import__("importlib").util.find_spec("qsym._legacy_device"),
    reason="PennyLane's legacy device API (qsym._legacy_device, branch pl64b) not merged yet")


def _legacy_device():
    class Legacy(qml.devices.QubitDevice):
        """PennyLane's legacy device API: ``apply`` and probabilities, no device Jacobian
        (``capabilities()['provides_jacobian']`` unset)."""
        name, short_name, pennylane_requires, version, author = (
            "legacy", "my.legacy", ">=0.1", "0.1", "pl64c")
        operations, observables = {"RX", "RY", "CNOT"}, {"PauliZ"}

        def __init__(self, wires=1, shots=None):
            super().__init__(wires=wires, shots=shots)
            self._state = None

        def _run(self, ops, measurement):
            return qml.devices.DefaultQubit().execute(qml.tape.QuantumScript(ops, [measurement]))

        def apply(self, operations, **kwargs):
            self._state = self._run(operations, qml.state())

        def analytic_probability(self, wires=None):
            prep = [qml.StatePrep(self._state, wires=range(self.num_wires))]
            return self._run(prep, qml.probs(wires=wires))

    return Legacy(wires=1)


@_LEGACY
def test_a_legacy_device_without_a_jacobian():
    """The same two PennyLane 0.45.1 answers on a legacy device (its LegacyDeviceFacade):
    qml.execute with "device" raises, a diff_method=None QNode is not differentiated."""
    dev = _legacy_device()
    x = pnp.array(X, requires_grad=True)
    with pytest.raises(qml.QuantumFunctionError, match="does not support device with requested"):
        qml.execute([_rx_tape(x)], dev, diff_method="device")
    c = _none_qnode(dev)
    assert float(c(x)) == pytest.approx(onp.cos(2 * X), abs=1e-12)
    with pytest.raises(qml.QuantumFunctionError, match="cannot be calculated with diff_method=None"):
        qml.grad(c)(x)
