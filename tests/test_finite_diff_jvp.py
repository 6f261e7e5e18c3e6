"""Issue #18: ``qml.gradients.finite_diff_jvp`` (PennyLane's finite-difference JVP of a
plain function). Expected values are closed-form derivatives."""

import numpy
import pytest

import qsym as qml


def test_tuple_result_forward_difference():
    def f(x, y):
        return 2 * x * y, x**2

    res, jvp = qml.gradients.finite_diff_jvp(f, (0.5, 1.2), (1.0, 1.0))
    assert res == (1.2, 0.25)
    assert isinstance(jvp, tuple) and len(jvp) == 2
    # d(2xy) . (1, 1) = 2y + 2x = 3.4; d(x^2) . (1, 1) = 2x = 1
    assert numpy.allclose(jvp, [3.4, 1.0], atol=1e-6)


def test_nested_result_center_difference_and_array_argument():
    def g(x):
        return {"a": x**2, "b": [numpy.sin(x), x]}

    x = numpy.array([0.5, 1.0])
    t = numpy.array([1.0, -2.0])
    res, jvp = qml.gradients.finite_diff_jvp(g, (x,), (t,), approx_order=2, strategy="center",
                                            h=1e-5)
    assert set(jvp) == {"a", "b"} and isinstance(jvp["b"], list)
    assert numpy.allclose(res["a"], x**2)
    assert numpy.allclose(jvp["a"], 2 * x * t, atol=1e-8)
    assert numpy.allclose(jvp["b"][0], numpy.cos(x) * t, atol=1e-8)
    assert numpy.allclose(jvp["b"][1], t, atol=1e-8)


def test_zero_tangents_and_backward_strategy():
    def f(x, y):
        return x * y

    res, jvp = qml.gradients.finite_diff_jvp(f, (0.5, 1.2), (0.0, 0.0))
    assert res == pytest.approx(0.6) and jvp == 0  # no shifted evaluation
    calls = []

    def sq(x):
        calls.append(x)
        return x**2

    res, jvp = qml.gradients.finite_diff_jvp(sq, (0.5,), (2.0,), strategy="backward")
    assert jvp == pytest.approx(2.0, abs=1e-5)  # 2 * (2x) at x = 0.5
    assert calls[1] < 0.5  # the shift goes backward


def test_bad_strategy_raises():
    with pytest.raises(qml.errors.DifferentiationError, match="Unknown strategy"):
        qml.gradients.finite_diff_jvp(lambda x: x, (0.5,), (1.0,), strategy="sideways")
