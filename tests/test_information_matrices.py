"""qml.gradients.classical_fisher / quantum_fisher (PennyLane's qml.gradients.fisher) and
qml.adjoint_metric_tensor of a tape, checked against closed forms and finite differences of the simulated probabilities and state."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def test_classical_fisher_of_one_ry_is_one_everywhere_and_its_derivative_zero():
    # p = (cos^2(x/2), sin^2(x/2)): sum_l (dp_l)^2 / p_l = sin^2 x / (4 cos^2 sin^2 (x/2)) = 1
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circ(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0))  # ignored: the probabilities of all wires count

    for x in (0.3, 1.1, 2.5):
        assert onp.allclose(qml.gradients.classical_fisher(circ)(np.array(x)), [[1.0]])
    d = qml.jacobian(qml.gradients.classical_fisher(circ))(np.array(0.7))
    assert onp.allclose(d, 0.0, atol=1e-10)


def _probs_by_hand(x):
    """RX(x0) on wire 0, CNOT, RY(x1) on wire 1, probabilities of |00>..|11> (statevector)."""
    c0, s0 = onp.cos(x[0] / 2), onp.sin(x[0] / 2)
    c1, s1 = onp.cos(x[1] / 2), onp.sin(x[1] / 2)
    psi = onp.array([c0, 0, 0, -1j * s0])  # RX then CNOT
    ry = onp.array([[c1, -s1], [s1, c1]])
    psi = onp.kron(onp.eye(2), ry) @ psi
    return onp.abs(psi) ** 2


def test_classical_fisher_agrees_with_finite_differences_of_the_probabilities():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circ(x):
        qml.RX(x[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(x[1], wires=1)
        return qml.expval(qml.PauliX(0))

    x = onp.array([0.4, 1.3])
    h = 1e-6
    p = _probs_by_hand(x)
    dp = onp.stack([(_probs_by_hand(x + h * e) - _probs_by_hand(x - h * e)) / (2 * h)
                    for e in onp.eye(2)], axis=1)
    expected = sum(onp.outer(dp[k], dp[k]) / p[k] for k in range(4) if p[k] > 0)
    got = qml.gradients.classical_fisher(circ)(np.array(x, requires_grad=True))
    assert got.shape == (2, 2)
    assert onp.allclose(got, expected, atol=1e-7)


def test_classical_fisher_of_several_arguments_is_a_list_of_matrices():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circ(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=0)
        return qml.probs(wires=0)

    x, y = np.array(0.5, requires_grad=True), np.array(0.6, requires_grad=True)
    res = qml.gradients.classical_fisher(circ)(x, y)
    assert isinstance(res, list) and len(res) == 2

    def p(a, b):  # <0|RY(b)RX(a)|0> probabilities by hand: P(0) = (1 + cos a cos b) / 2
        return onp.array([(1 + onp.cos(a) * onp.cos(b)) / 2, (1 - onp.cos(a) * onp.cos(b)) / 2])

    h = 1e-6
    for k, (dx, dy) in enumerate([(h, 0), (0, h)]):
        d = (p(0.5 + dx, 0.6 + dy) - p(0.5 - dx, 0.6 - dy)) / (2 * h)
        assert onp.allclose(res[k], [[onp.sum(d * d / p(0.5, 0.6))]], atol=1e-7)


def test_compute_cfim_skips_outcomes_of_probability_zero():
    from qsym.gradients.fisher import _compute_cfim

    p = onp.array([1.0, 0.0, 0.0, 0.0])
    dp = onp.arange(8.0).reshape(4, 2)
    assert onp.array_equal(_compute_cfim(p, dp), onp.outer(dp[0], dp[0]))


def test_quantum_fisher_is_four_times_the_fubini_study_metric_of_the_state():
    dev = qml.device("default.qubit", wires=2)

    def body(x):
        qml.RX(x[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(x[1], wires=1)
        qml.CRZ(x[2], wires=[1, 0])

    @qml.qnode(dev)
    def circ(x):
        body(x)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def state(x):
        body(x)
        return qml.state()

    x = onp.array([0.4, 1.3, -0.8])
    h = 1e-5
    psi = onp.asarray(state(x))
    d = [(onp.asarray(state(x + h * e)) - onp.asarray(state(x - h * e))) / (2 * h)
         for e in onp.eye(3)]
    g = onp.array([[onp.real(onp.vdot(d[i], d[j]) - onp.vdot(d[i], psi) * onp.vdot(psi, d[j]))
                    for j in range(3)] for i in range(3)])
    got = qml.gradients.quantum_fisher(circ)(np.array(x, requires_grad=True))
    assert onp.allclose(got, 4 * g, atol=1e-6)


def test_fisher_functions_refuse_what_is_not_a_qnode():
    with pytest.raises(qml.errors.ArgumentError, match="needs a QNode"):
        qml.gradients.classical_fisher(lambda x: x)
    with pytest.raises(qml.errors.ArgumentError, match="needs a QNode"):
        qml.gradients.quantum_fisher(lambda x: x)


def test_adjoint_metric_tensor_of_a_tape_is_the_metric_by_its_trainable_parameters():
    # The Fubini-Study metric of RX(a) RY(b) |0> by hand: diag(1/4, cos(a)^2 / 4); with a
    # third, untrainable parameter the tensor keeps the trainable ones only.
    a, b = 0.54, 0.12
    tape = qml.tape.QuantumScript([qml.RX(a, "w"), qml.RY(b, "w"), qml.RZ(0.3, "w")],
                                  [qml.expval(qml.PauliZ("w"))])
    tape.trainable_params = [0, 1]
    got = qml.adjoint_metric_tensor(tape)
    assert onp.allclose(got, onp.diag([0.25, onp.cos(a) ** 2 / 4]), atol=1e-12)
    shots = qml.tape.QuantumScript([qml.RX(a, 0)], [qml.expval(qml.PauliZ(0))], shots=10)
    with pytest.raises(qml.errors.DifferentiationError, match="only implemented for shots=None"):
        qml.adjoint_metric_tensor(shots)
