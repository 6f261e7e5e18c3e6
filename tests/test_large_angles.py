"""Parameter shifts at huge angles (docs/shift-rules.md, "Huge angles").

``x + pi/2`` in floats loses the shift once ``|x|`` is near ``2^53 * pi/2`` (at ``3e16`` the
shifted circuit is the unshifted one, the gradient 0). qsym reduces a shifted gate
parameter modulo its rule's period first (``qsym.rules.reduced_angle``) on every path that
forms one. References here are independent of qsym: the analytic derivatives written out
by hand with the C library's ``sin``/``cos`` of the float ``x`` (exact argument reduction),
and the reduction itself against mpmath's ``x mod 2 pi`` at 400 digits.
"""

from __future__ import annotations

import math

import mpmath
import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.rules import reduced_angle, rule_for_gate

HUGE = [1e14, 1e15, 3e16, -1e300]


@pytest.mark.parametrize("g", [7.0, -20.5, 30.0, 1e6, 1e14, 3e16, -1e300, 1.7976931348623157e308])
@pytest.mark.parametrize("period", [2 * math.pi, 4 * math.pi, 8 * math.pi])
def test_reduced_angle_is_the_exact_remainder(g, period):
    m = period / (2 * math.pi)
    with mpmath.workdps(400):
        exact = mpmath.mpf(g) - m * 2 * mpmath.pi * mpmath.nint(
            mpmath.mpf(g) / (m * 2 * mpmath.pi))
        r = reduced_angle(g, period)
        if abs(g) <= period:
            assert r == g
            return
        assert abs(r) <= period / 2 + 1e-12
        assert abs(mpmath.mpf(r) - exact) < 4e-15 * m  # a few ulps of the period


def test_reduced_angle_keeps_small_angles_and_refuses_nothing():
    for g in (0.0, 1.0, -6.2, 2 * math.pi):
        assert reduced_angle(g, 2 * math.pi) == g  # within one period: the same bits
    assert reduced_angle(1e20, 0.0) == 1e20  # no period known: as given


def test_rule_periods():
    # RX: frequency 1 (period 2 pi); CRX: 1/2 and 1 (4 pi); IsingXX: 1 (2 pi)
    assert rule_for_gate("RX", 0).period() == 2 * math.pi
    assert rule_for_gate("CRX", 0).period() == 4 * math.pi
    assert rule_for_gate("PhaseShift", 0).period() == 2 * math.pi


def _two_wires(x, y):
    qml.RX(x, wires=0)
    qml.CRX(y, wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


def _reference(x, y):
    """<Z1> = (1 + cos x)/2 + (1 - cos x)/2 cos y, by hand; its gradient."""
    cx, sx, cy, sy = math.cos(x), math.sin(x), math.cos(y), math.sin(y)
    value = (1 + cx) / 2 + (1 - cx) / 2 * cy
    return value, (-sx / 2 * (1 - cy), -(1 - cx) / 2 * sy)


@pytest.mark.parametrize("interp", ["1", "0"])  # the interpreter; the generated text
@pytest.mark.parametrize("x", HUGE)
def test_parameter_shift_at_huge_angles(monkeypatch, interp, x):
    monkeypatch.setenv("QSYM_INTERP", interp)
    node = qml.QNode(_two_wires, qml.device("default.qubit", wires=2),
                     diff_method="parameter-shift")
    y = 0.5 * x + 0.3  # an affine parameter: its gate angle is formed from y
    args = (np.array(x, requires_grad=True), np.array(y, requires_grad=True))
    value, grad = _reference(x, y)
    assert float(node(*args)) == pytest.approx(value, abs=1e-14)
    onp.testing.assert_allclose(qml.grad(node)(*args), grad, rtol=0, atol=1e-13)


@pytest.mark.parametrize("x", [3e16, -1e300])
def test_hessian_by_parameter_shift_at_huge_angles(x):
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift",
               max_diff=2)
    def node(a):
        qml.RX(a, wires=0)
        return qml.expval(qml.PauliZ(0))

    a = np.array(x, requires_grad=True)
    assert float(qml.jacobian(qml.grad(node))(a)) == pytest.approx(-math.cos(x), abs=1e-13)


@pytest.mark.parametrize("x", [3e16, -1e300])
def test_default_mixed_parameter_shift_at_huge_angles(x):
    node = qml.QNode(_two_wires, qml.device("default.mixed", wires=2),
                     diff_method="parameter-shift")
    y = 0.5 * x + 0.3
    args = (np.array(x, requires_grad=True), np.array(y, requires_grad=True))
    onp.testing.assert_allclose(qml.grad(node)(*args), _reference(x, y)[1], rtol=0, atol=1e-13)


def test_shot_gradient_at_a_huge_angle():
    """The shot gradient's shifted circuits are the exact ones: at 3e16 it estimates
    -sin(x) = -0.443 (it was an estimate of 0, two samples of one circuit)."""
    x = 3e16
    node = qml.QNode(_two_wires, qml.device("default.qubit", wires=2, seed=7),
                     diff_method="parameter-shift", shots=20000)
    g = qml.grad(lambda a: node(a, 2.0))(np.array(x, requires_grad=True))
    exact = -math.sin(x) / 2 * (1 - math.cos(2.0))
    assert abs(float(g) - exact) < 0.05 and abs(exact) > 0.3
