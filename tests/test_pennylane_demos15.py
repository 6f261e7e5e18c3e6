"""PennyLane's published demos (PennyLaneAI/qml, ``demonstrations_v2``) not run by earlier
rounds, with the import switched (issue #18, stop 63). Each test is the demo's code cut to
a few seconds (JAX / jaxopt replaced by ``qsym.numpy`` and qsym's optimizers, as the
earlier rounds did on both sides); the numbers are what PennyLane 0.45.1 printed for the
same code in /work/plvenv (a throwaway script), or worked out by hand where marked,
never qsym's own output.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


# --- Gaussian transformation (tutorial_gaussian_transformation) -------------------------
# default.gaussian: a displacement and a rotation of one qumode, the mean photon number
# driven to 1 (jaxopt's GradientDescent(stepsize=0.1) as qml.GradientDescentOptimizer)

def _gaussian_demo_qnode():
    dev_gaussian = qml.device("default.gaussian", wires=1)

    @qml.qnode(dev_gaussian)
    def mean_photon_gaussian(mag_alpha, phase_alpha, phi):
        qml.Displacement(mag_alpha, phase_alpha, wires=0)
        qml.Rotation(phi, wires=0)
        return qml.expval(qml.NumberOperator(0))

    return mean_photon_gaussian


def test_gaussian_transformation_demo():
    mean_photon_gaussian = _gaussian_demo_qnode()

    def cost(params):
        return (mean_photon_gaussian(params[0], params[1], params[2]) - 1.0) ** 2

    init_params = np.array([0.015, 0.02, 0.005], requires_grad=True)
    # by hand: <n> = |alpha|^2, so cost = (m^2 - 1)^2 and d cost / d m = 4 m (m^2 - 1)
    m = 0.015
    assert cost(init_params) == pytest.approx((m**2 - 1) ** 2, abs=1e-14)
    grad = qml.grad(cost)(init_params)
    assert onp.allclose(grad, [4 * m * (m**2 - 1), 0.0, 0.0], atol=1e-14)

    opt = qml.GradientDescentOptimizer(stepsize=0.1)
    params, costs = init_params, []
    for _ in range(20):
        params = opt.step(cost, params)
        costs.append(float(cost(params)))
    # PennyLane 0.45.1's costs after steps 1, 10, 15, 20 and its optimized parameters
    assert onp.allclose([costs[i] for i in (0, 9, 14, 19)],
                        [0.9991183078273503, 0.6908117715091872, 0.0010009194417920134,
                         1.3158494489605848e-10], rtol=1e-9, atol=1e-15)
    assert onp.allclose(params, [0.9999942644594935, 0.02, 0.005], atol=1e-12)
    # the demo's drawing (qml.draw of a default.gaussian QNode raised GateError: the qubit
    # path traced its CV gates)
    assert qml.draw(mean_photon_gaussian)(*params) == "0: ──D(1.00,0.02)──R(0.01)─┤  <n>"


def test_drawing_of_a_default_gaussian_qnode_is_pennylanes():
    dev = qml.device("default.gaussian", wires=3)

    @qml.qnode(dev)
    def c(x, y):
        qml.Squeezing(x, 0.1, wires=0)
        qml.Beamsplitter(y, 0.3, wires=[0, 1])
        qml.Displacement(0.5, 0.0, wires=2)
        qml.Rotation(x, wires=1)
        return (qml.expval(qml.QuadX(0)), qml.var(qml.NumberOperator(1)),
                qml.expval(qml.QuadOperator(0.4, wires=2)))

    # PennyLane 0.45.1's text for the same QNode
    assert qml.draw(c)(0.2, 0.7) == (
        "0: ──S(0.20,0.10)─╭BS(0.70,0.30)──────────┤  <QuadX>                \n"
        "1: ───────────────╰BS(0.70,0.30)──R(0.20)─┤  Var[n]                 \n"
        "2: ──D(0.50,0.00)─────────────────────────┤  <cos(0.40)x+sin(0.40)p>")
    assert qml.draw(c, decimals=None, wire_order=[2, 1, 0])(0.2, 0.7) == (
        "2: ──D────────┤  <cos(φ)x+sin(φ)p>\n"
        "1: ────╭BS──R─┤  Var[n]           \n"
        "0: ──S─╰BS────┤  <QuadX>          ")
