"""Issue #18, stop 70 (gaps70): the gaps stop 69 left, with PennyLane 0.45.1's numbers and
strings (printed in /work/plvenv) or values worked by hand as the references."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

A, B = 0.3, 0.5
# RX(a) on 0, RY(b) on 1, CNOT: <Z1> = cos(a) cos(b)
DA, DB = -onp.sin(A) * onp.cos(B), -onp.cos(A) * onp.sin(B)


def _argnum_circuit(dev, **kw):
    @qml.qnode(dev, gradient_kwargs={"argnum": [0]}, **kw)
    def c(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(1))
    return c


# PennyLane 0.45.1: gradient_kwargs={"argnum": [0]} of this circuit, qml.grad by (a, b):
# backprop / adjoint / best / no diff_method: (-0.25934338, -0.45801271) (argnum ignored);
# parameter-shift / finite-diff: (-0.25934338, 0.0)
@pytest.mark.parametrize("device,kw,restricted", [
    ("default.qubit", {"diff_method": "backprop"}, False),
    ("default.qubit", {"diff_method": "adjoint"}, False),
    ("default.qubit", {"diff_method": "best"}, False),
    ("default.qubit", {}, False),
    ("lightning.qubit", {"diff_method": "best"}, False),
    ("lightning.qubit", {"diff_method": "adjoint"}, False),
    ("default.mixed", {"diff_method": "best"}, False),  # (raised on main: adjoint refused)
    ("default.mixed", {"diff_method": "backprop"}, False),
    ("default.qubit", {"diff_method": "parameter-shift"}, True),
    ("default.qubit", {"diff_method": "finite-diff"}, True),
])
def test_gradient_kwargs_argnum_is_used_by_gradient_transforms_only(device, kw, restricted):
    c = _argnum_circuit(qml.device(device, wires=2), **kw)
    a, b = np.array(A, requires_grad=True), np.array(B, requires_grad=True)
    da, db = qml.grad(c)(a, b)
    assert float(da) == pytest.approx(DA, abs=1e-6)
    assert float(db) == pytest.approx(0.0 if restricted else DB, abs=1e-6)
    assert (c.tape_argnum() is not None) == restricted


@pytest.mark.parametrize("device", ["default.qubit", "lightning.qubit"])
def test_best_with_shots_is_parameter_shift_and_keeps_argnum(device):
    """PennyLane's "best" with shots is parameter shift, a gradient transform: argnum holds
    (PennyLane 0.45.1: (-0.3, 0.0) at 1000 shots; qsym raised "does not support adjoint")."""
    c = qml.set_shots(_argnum_circuit(qml.device(device, wires=2, seed=7),
                                      diff_method="best"), 20000)
    a, b = np.array(A, requires_grad=True), np.array(B, requires_grad=True)
    da, db = qml.grad(c)(a, b)
    assert float(db) == 0.0
    assert float(da) == pytest.approx(DA, abs=0.05)


def _hadamard_circuit(x):
    qml.RX(x, wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.Z(1))


@pytest.mark.parametrize("name, mode", [("direct-hadamard", "direct"),
                                        ("reversed-hadamard", "reversed"),
                                        ("reversed-direct-hadamard", "reversed-direct")])
def test_a_hadamard_alias_is_shown_as_given(name, mode):
    """PennyLane 0.45.1 (printed in plvenv): qnode.diff_method is the alias, the QNode's repr
    says it, qnode.gradient_kwargs are the user's ({'aux_wire': 2}); the mode is in the
    execution configuration (resolve=False: the alias and the user's options). qsym showed
    "hadamard" and {'aux_wire': 2, 'mode': ...}."""
    dev = qml.device("default.qubit", wires=3)
    node = qml.QNode(_hadamard_circuit, dev, diff_method=name, gradient_kwargs={"aux_wire": 2})
    x = np.array(0.3, requires_grad=True)
    assert node.diff_method == name and node.gradient_kwargs == {"aux_wire": 2}
    assert f"diff_method='{name}'" in repr(node)
    raw = qml.workflow.construct_execution_config(node, resolve=False)(x)
    assert raw.gradient_method == name and raw.gradient_keyword_arguments == {"aux_wire": 2}
    config = qml.workflow.construct_execution_config(node)(x)
    assert config.gradient_keyword_arguments == {"aux_wire": 2, "mode": mode}
    # the mode runs: d/dx cos(x) = -sin(x); PennyLane 0.45.1's Tracker: 2 executions
    # (reversed), 3 (the direct modes)
    with qml.Tracker(dev) as tracker:
        g = qml.grad(node)(x)
    assert float(g) == pytest.approx(-onp.sin(0.3), abs=1e-12)
    assert tracker.totals["executions"] == (2 if mode == "reversed" else 3)
    # a change in place keeps the alias and the user's options
    node.gradient_kwargs["aux_wire"] = 2
    assert node.diff_method == name and node.gradient_kwargs == {"aux_wire": 2}
    with pytest.raises(ValueError, match=f"diff_method={name} cannot be provided with a 'mode'"):
        node.gradient_kwargs["mode"] = "direct"
    assert node.update(diff_method="hadamard").diff_method == "hadamard"
