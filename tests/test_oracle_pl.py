"""Regressions found by the differential oracle against PennyLane
(``benchmarks/pennylane_oracle.py``). Every expectation is a closed form written here."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def test_spsa_qnode_returns_a_plain_tuple_under_autograd():
    """A QNode run as a tape (``diff_method="spsa"``) returns its measurements in a plain
    tuple while differentiated, as PennyLane's QNode (was an autograd SequenceBox, which
    ``isinstance(r, tuple)`` misses); the Jacobian of a one-parameter circuit is exact."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="spsa", gradient_kwargs={"sampler_rng": 3})
    def c(x):
        qml.RX(x[0], wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[1])

    seen = []

    def f(v):
        r = c(v)
        seen.append(type(r))
        return qml.math.hstack([qml.math.ravel(a) for a in r])

    x = 0.7
    jac = qml.jacobian(f)(np.array([x], requires_grad=True))
    assert seen == [tuple]
    # <Z0> = cos x, p1(0) = cos^2(x/2), p1(1) = sin^2(x/2)
    onp.testing.assert_allclose(jac[:, 0], [-onp.sin(x), -onp.sin(x) / 2, onp.sin(x) / 2],
                                atol=1e-8)


def test_spsa_perturbs_a_wireless_global_phase():
    """A gate without wires acts on every wire (PennyLane's circuit graph), so its parameter
    is trainable for ``spsa``: the simultaneous perturbation moves it with the others and
    its column is the same estimate times its direction's sign, +-f'(x0) (was 0)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="spsa", gradient_kwargs={"sampler_rng": 5})
    def c(x):
        qml.RX(x[0], wires=0)
        qml.GlobalPhase(x[1])
        return qml.expval(qml.PauliZ(0))

    x0 = 0.4
    jac = qml.jacobian(c)(np.array([x0, 0.9], requires_grad=True))
    onp.testing.assert_allclose(abs(jac), [onp.sin(x0), onp.sin(x0)], atol=1e-8)


def test_postselected_wire_is_on_a_device_without_wires():
    """A postselected mid-circuit measurement on a wire no gate touches: the device made
    without ``wires=`` has that wire (was a WireError naming it as missing)."""
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def c(x):
        m = qml.measure(2, postselect=0)  # |0>: probability 1
        qml.cond(m, qml.PauliX)(wires=1)  # never applied
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.density_matrix(wires=[1])

    x = 0.3
    ez, rho = c(x)
    assert ez == pytest.approx(onp.cos(x))
    onp.testing.assert_allclose(rho, [[1, 0], [0, 0]], atol=1e-12)
