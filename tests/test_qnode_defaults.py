"""A QNode's default ``diff_method`` reads PennyLane's ``"best"`` but runs parameter shift;
``diff_method=None`` refuses derivatives with PennyLane's exception class (issue #18)."""

import numpy as onp
import pytest

import qsym as qml

dev = qml.device("default.qubit", wires=1)


def _rx(x):
    qml.RX(x, wires=0)
    return qml.expval(qml.Z(0))


def test_default_reads_best_in_attribute_repr_and_update():
    node = qml.QNode(_rx, dev)
    assert node.diff_method == "best"
    assert "diff_method='best'" in repr(node)
    assert node.update(diff_method="adjoint").diff_method == "adjoint"
    assert node.update(interface="autograd").diff_method == "best"


def test_default_runs_parameter_shift_with_shots():
    # with shots the default samples two shifted circuits per parameter (parameter shift):
    # d/dx cos(x) = -sin(x), by hand
    node = qml.set_shots(qml.QNode(_rx, dev), shots=20000)
    with qml.Tracker(dev) as t:
        g = qml.grad(node)(qml.numpy.array(0.4, requires_grad=True))
    assert abs(g + onp.sin(0.4)) < 0.05
    assert t.totals["executions"] == 3  # the value, then the two shifted circuits


def test_default_exact_gradient_matches_hand_derivative():
    g = qml.grad(qml.QNode(_rx, dev))(qml.numpy.array(0.7, requires_grad=True))
    assert g == pytest.approx(-onp.sin(0.7), abs=1e-12)


@pytest.mark.parametrize("exc", [qml.QuantumFunctionError, qml.DifferentiationError])
def test_diff_method_none_refuses_derivative_with_pennylanes_class(exc):
    node = qml.QNode(_rx, dev, diff_method=None)
    assert node(0.5) == pytest.approx(onp.cos(0.5))
    with pytest.raises(exc, match="with diff_method=None"):
        qml.grad(node)(qml.numpy.array(0.5, requires_grad=True))
