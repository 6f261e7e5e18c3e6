"""Gradients and noise as PennyLane's (issue #18), checked independently: closed forms and
central finite differences of the same QNode's values."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _finite_differences(f, x, h=1e-6):
    x = onp.asarray(x, dtype=float)
    out = onp.zeros(x.shape)
    for idx in onp.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (float(f(np.array(up))) - float(f(np.array(down)))) / (2 * h)
    return out


def test_insert_opens_a_template_under_grad_closed_form():
    # BasicEntanglerLayers on one wire with two layers is RX(a) RX(b); a BitFlip(p) after
    # each gate (PennyLane opens the template): <Z> = (1 - 2p)^2 cos(a + b)
    p = 0.1

    @qml.noise.insert(qml.BitFlip, p)
    @qml.qnode(qml.device("default.mixed", wires=1))
    def f(w):
        qml.BasicEntanglerLayers(w, wires=[0])
        return qml.expval(qml.Z(0))

    w = np.array([[0.3], [0.5]], requires_grad=True)
    assert np.isclose(f(w), (1 - 2 * p) ** 2 * np.cos(0.8), atol=1e-12)
    expected = -(1 - 2 * p) ** 2 * np.sin(0.8)
    assert np.allclose(qml.grad(f)(w), [[expected], [expected]], atol=1e-12)


def test_insert_opened_template_gradient_matches_finite_differences():
    @qml.noise.insert(qml.AmplitudeDamping, 0.2)
    @qml.qnode(qml.device("default.mixed", wires=2))
    def f(w):
        qml.StronglyEntanglingLayers(w, wires=[0, 1])
        return qml.expval(qml.Z(0) @ qml.Z(1))

    w = np.array(onp.random.default_rng(3).uniform(-2, 2, (2, 2, 3)), requires_grad=True)
    grad = qml.grad(f)(w)
    assert onp.abs(grad).max() > 1e-3
    assert onp.allclose(grad, _finite_differences(f, w), atol=1e-7)


def test_mitigated_qnode_with_a_template_differentiates_like_finite_differences():
    # the noise on the device (PennyLane's rule for zero-noise extrapolation), after each
    # gate of the template as the device runs the folded circuits
    dev = qml.noise.insert(qml.device("default.mixed", wires=2), qml.DepolarizingChannel, 0.05)

    @qml.noise.mitigate_with_zne(scale_factors=[1, 3, 5],
                                 folding=qml.noise.fold_global,
                                 extrapolate=qml.noise.richardson_extrapolate)
    @qml.qnode(dev)
    def f(w):
        qml.BasicEntanglerLayers(w, wires=[0, 1])
        return qml.expval(qml.Z(1))

    w = np.array([[0.4, 1.1]], requires_grad=True)
    grad = qml.grad(f)(w)
    assert onp.abs(grad).max() > 1e-3
    assert onp.allclose(grad, _finite_differences(f, w), atol=1e-6)


@pytest.mark.parametrize("position", ["all", "end"])
def test_insert_position_with_a_template_keeps_the_circuit_without_noise(position):
    # p = 0: the inserted channels are identities, so the value is the noiseless one
    @qml.noise.insert(qml.PhaseDamping, 0.0, position=position)
    @qml.qnode(qml.device("default.mixed", wires=1))
    def f(w):
        qml.AngleEmbedding(w, wires=[0])
        return qml.expval(qml.Z(0))

    x = np.array([0.7], requires_grad=True)
    assert np.isclose(f(x), np.cos(0.7), atol=1e-12)
    assert np.allclose(qml.grad(f)(x), [-np.sin(0.7)], atol=1e-12)
