"""qml.Tracker's circuit counts of a gradient through a template PennyLane's gradient
transforms keep whole (issue #18): PennyLane 0.45.1's parameter shift and finite
differences stop expanding at an operator whose ``grad_method`` is not None, so
``FermionicSingleExcitation`` / ``FermionicDoubleExcitation`` (``grad_method "A"``,
``parameter_frequencies [(0.5, 1.0)]``) are shifted by their own four-term rule and stepped
once per parameter, where qsym differentiates the gates they write (a double excitation:
eight rotations, 16 shifted circuits; 8 steps counted before). The counts below were
taken from PennyLane 0.45.1 running the same circuits (/work/plvenv); the derivatives are
checked against PennyLane's parameter-shift values of the same run."""

import pytest

import qsym as qml
from qsym import numpy as np


def _fde(x):
    qml.PauliX(0)
    qml.PauliX(1)
    qml.FermionicDoubleExcitation(x, wires1=[0, 1], wires2=[2, 3])
    return qml.expval(qml.Z(0))


def _fse_and_rx(x):
    qml.PauliX(0)
    qml.FermionicSingleExcitation(x, wires=[0, 1, 2])
    qml.RX(x, wires=3)
    return qml.expval(qml.Z(2) + qml.Z(3))


def _uccsd(w):
    qml.UCCSD(w, wires=[0, 1, 2, 3], s_wires=[[0, 1, 2], [1, 2, 3]],
              d_wires=[[[0, 1], [2, 3]]], init_state=np.array([1, 1, 0, 0]))
    return qml.expval(qml.Z(1) + 0.5 * qml.Z(2))


def _executions(circuit, arg, diff_method):
    dev = qml.device("default.qubit", wires=4)
    node = qml.qnode(dev, diff_method=diff_method)(circuit)
    with qml.Tracker(dev) as tracker:
        jac = qml.jacobian(node)(arg)
    return tracker.totals["executions"], jac


# (PennyLane 0.45.1's executions: the value circuit, then the gradient's circuits)
@pytest.mark.parametrize("circuit, arg, ps, fd, pl_jac", [
    # one parameter, four shifts by the template's frequencies; one step
    (_fde, 0.3, 5, 3, 0.2955202066613378),  # (= sin(0.3): <Z0> = -cos(x))
    # the template's four shifts and RX's two; the template's step and RX's
    (_fse_and_rx, 0.7, 7, 4, -1.288435374475),
    # UCCSD is expanded (grad_method None) to two single and one double excitation kept
    # whole: 3 x 4 shifts; 3 steps
    (_uccsd, [0.2, -0.4, 0.5], 13, 5, [-0.087174370144, -0.34174674649, 0.206645689662]),
])
def test_a_kept_template_is_counted_as_pennylane_runs_it(circuit, arg, ps, fd, pl_jac):
    x = np.array(arg, requires_grad=True)
    n_ps, jac_ps = _executions(circuit, x, "parameter-shift")
    n_fd, jac_fd = _executions(circuit, x, "finite-diff")
    assert (n_ps, n_fd) == (ps, fd)  # before: 17 / 10, 7 / 5, 25 / 14
    assert np.allclose(jac_ps, pl_jac, atol=1e-10)
    assert np.allclose(jac_fd, pl_jac, atol=1e-6)


def test_special_unitary_stays_expanded_as_pennylane_counts_it():
    # qsym's SpecialUnitary has grad_method "A" (its own rule) but no parameter frequencies;
    # PennyLane's is grad_method None and expanded: PennyLane 0.45.1 (JAX interface, as
    # autograd cannot differentiate its expm) runs 31 and 17 circuits for this gradient
    def su(t):
        qml.SpecialUnitary(t, wires=[0, 1])
        return qml.expval(qml.Z(0) @ qml.X(1))

    dev = qml.device("default.qubit", wires=2)
    t = np.array([0.1, 0.2, 0.3] + [0.05] * 12, requires_grad=True)
    counts = []
    for method in ("parameter-shift", "finite-diff"):
        node = qml.qnode(dev, diff_method=method)(su)
        with qml.Tracker(dev) as tracker:
            grad = qml.grad(node)(t)
        counts.append(tracker.totals["executions"])
        assert np.allclose(grad[:3], [0.71278473, -1.54521463, 0.44885661], atol=1e-6)
    assert counts == [31, 17]
