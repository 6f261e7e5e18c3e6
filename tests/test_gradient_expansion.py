"""PennyLane's expansion before a gradient transform of a tape (``qml.gradients.param_shift``
expands templates without a gradient method and splits an observable with trainable
coefficients into its terms first, the tapes' trainable parameters then those that require
gradients), and ``LinearCombination`` keeping trainable coefficients trainable. Expected
values are closed forms of the circuits and central finite differences."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp


def _run(tapes):
    return qml.execute(tapes, qml.device("default.qubit"))


def _hamiltonian_tape(coeffs, weights):
    obs = [qml.PauliZ(0), qml.PauliZ(0) @ qml.PauliX(1), qml.PauliY(0)]
    with qml.queuing.AnnotatedQueue() as q:
        qml.RX(weights[0], wires=0)
        qml.RY(weights[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.expval(qml.Hamiltonian(coeffs, obs))
    return qml.tape.QuantumScript.from_queue(q)


def _closed_form(coeffs, weights):
    """<RX(x)_0 RY(y)_1 CNOT| a Z0 + b Z0 X1 + c Y0 |...>, by hand."""
    (a, b, c), (x, y) = coeffs, weights
    return -c * onp.sin(x) * onp.sin(y) + onp.cos(x) * (a + b * onp.sin(y))


def test_trainable_coefficients_stay_trainable():
    c = pnp.array([0.5, -0.3], requires_grad=True)
    H = qml.ops.LinearCombination(c, [qml.Z(0), qml.X(0)])
    assert [qml.math.requires_grad(d) for d in H.data] == [True, True]
    assert qml.math.requires_grad(H.coeffs) and onp.allclose(H.coeffs, [0.5, -0.3])
    assert [qml.math.requires_grad(d) for d in qml.Hamiltonian(c, [qml.Z(0), qml.X(0)]).data] \
        == [True, True]
    assert all(qml.math.requires_grad(d) for d in (2.0 * H).data)
    assert onp.allclose([float(d) for d in (2.0 * H).data], [1.0, -0.6])
    fixed = qml.Hamiltonian(pnp.array([0.5, -0.3], requires_grad=False), [qml.Z(0), qml.X(0)])
    assert not any(qml.math.requires_grad(d) for d in fixed.data)
    # the matrix is the coefficients' combination of the terms' matrices
    Z, X = onp.diag([1.0, -1.0]), onp.array([[0.0, 1.0], [1.0, 0.0]])
    assert onp.allclose(qml.matrix(H), 0.5 * Z - 0.3 * X)
    tape = qml.tape.QuantumScript([qml.RX(pnp.array(0.2), 0)], [qml.expval(H)])
    assert qml.math.get_trainable_indices(tape.get_parameters(trainable_only=False)) == {0, 1, 2}


@pytest.mark.parametrize("broadcast", [False, True])
def test_param_shift_splits_trainable_coefficients(broadcast):
    coeffs, weights = pnp.array([0.1, 0.2, 0.3]), pnp.array([0.4, 0.5])
    tape = _hamiltonian_tape(coeffs, weights)
    tape.trainable_params = {0, 1, 2, 4}
    tapes, fn = qml.gradients.param_shift(tape, broadcast=broadcast)
    # PennyLane's: the terms measured apart, the coefficients no tape parameters: two
    # shifts per rotation, one (broadcast) tape each with broadcasting
    assert len(tapes) == (2 if broadcast else 4)
    assert [t.batch_size for t in tapes] == ([2, 2] if broadcast else [None] * 4)
    assert all(t.trainable_params == [0, 1] for t in tapes)
    jac = onp.asarray(fn(_run(tapes)))
    h, c = 1e-6, onp.asarray(coeffs)
    fd = [(_closed_form(c, onp.array([0.4 + h, 0.5])) - _closed_form(c, onp.array([0.4 - h, 0.5]))) / (2 * h),
          (_closed_form(c, onp.array([0.4, 0.5 + h])) - _closed_form(c, onp.array([0.4, 0.5 - h]))) / (2 * h)]
    assert jac.shape == (2,)
    assert onp.allclose(jac, fd, atol=1e-7)


def test_param_shift_keeps_a_tape_the_expansion_leaves():
    # float coefficients (no requires_grad): no split; the tape's trainable parameters as
    # set, the coefficients' derivatives the terms' expectation values
    coeffs, weights = [0.1, 0.2, 0.3], [0.4, 0.5]
    tape = _hamiltonian_tape(coeffs, weights)
    tape.trainable_params = {0, 1, 2}
    tapes, fn = qml.gradients.param_shift(tape)
    jac = fn(_run(tapes))
    x, y = weights
    assert len(jac) == 3
    assert onp.isclose(jac[2], onp.cos(x))  # d/da = <Z0> = cos x


def test_param_shift_decomposes_a_trainable_template():
    a, b = 0.3, -0.7
    tape = qml.tape.QuantumScript([qml.AngleEmbedding(pnp.array([a, b]), wires=[0, 1])],
                                  [qml.expval(qml.Z(0) @ qml.Z(1))])
    tapes, fn = qml.gradients.param_shift(tape)
    assert all(t.operations[0].name == "RX" for t in tapes)
    jac = onp.asarray(fn(_run(tapes)))
    # <Z0 Z1> = cos(a) cos(b)
    assert onp.allclose(jac, [-onp.sin(a) * onp.cos(b), -onp.cos(a) * onp.sin(b)])


def test_param_shift_of_a_batch_expands_each_tape():
    coeffs, weights = pnp.array([0.1, 0.2, 0.3]), pnp.array([0.4, 0.5])
    t1 = _hamiltonian_tape(coeffs, weights)
    t2 = qml.tape.QuantumScript([qml.RX(pnp.array(0.9), 0)], [qml.expval(qml.Z(0))])
    tapes, fn = qml.gradients.param_shift((t1, t2))
    assert len(tapes) == 6
    j1, j2 = fn(_run(tapes))
    assert onp.shape(j1) == (2,) and onp.isclose(j2, -onp.sin(0.9))


def _coefficient_qnode():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x, cs):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return qml.expval(qml.Hamiltonian(cs, [qml.Z(1), qml.X(0)]))

    return circuit


@pytest.mark.parametrize("transform", [qml.gradients.param_shift, qml.gradients.finite_diff])
def test_gradient_transform_of_a_qnode_differentiates_coefficients(transform):
    # <a Z1 + b X0> after RX(x), CNOT = a cos x: d/dx = -a sin x, d/da = cos x, d/db = 0
    x, cs = pnp.array(0.4), pnp.array([0.5, 0.3])
    dx, dcs = transform(_coefficient_qnode())(x, cs)
    assert onp.isclose(dx, -0.5 * onp.sin(0.4), atol=1e-6)
    assert onp.allclose(dcs, [onp.cos(0.4), 0.0], atol=1e-6)


def test_gradient_transform_of_a_qnode_coefficient_by_a_gate_argument():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, 0)
        return qml.expval(qml.Hamiltonian([x ** 2, 0.5], [qml.Z(0), qml.X(0)]))

    x = 0.4
    expected = 2 * x * onp.cos(x) - x ** 2 * onp.sin(x)  # d/dx x^2 cos x
    assert onp.isclose(qml.gradients.param_shift(circuit)(pnp.array(x)), expected)


def test_gradient_transform_of_a_qnode_refuses_coefficients_of_a_variance():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x, cs):
        qml.RX(x, 0)
        return qml.var(qml.Hamiltonian(cs, [qml.Z(0), qml.X(0)]))

    with pytest.raises(qml.errors.DifferentiationError, match="expectations, not var"):
        qml.gradients.param_shift(circuit)(pnp.array(0.4), pnp.array([0.5, 0.3]))


def test_execute_on_default_gaussian_takes_tapes_as_they_are():
    dev = qml.device("default.gaussian", wires=1)
    tape = qml.tape.QuantumScript([qml.Displacement(0.1, 0.0, wires=0), qml.Rotation(0.2, wires=0)],
                                  [qml.expval(qml.QuadX(0))])
    tape.trainable_params = [0, 1]
    # <x> = 2 a cos(theta) (hbar = 2)
    assert onp.isclose(qml.execute([tape], dev, None)[0], 2 * 0.1 * onp.cos(0.2))
    tapes, fn = qml.gradients.param_shift_cv(tape, dev)
    assert onp.allclose(fn(qml.execute(tapes, dev, None)),
                        [2 * onp.cos(0.2), -2 * 0.1 * onp.sin(0.2)])


def test_param_shift_expansion_keeps_pow_and_an_evolution():
    # qml.pow(RX(x), 2) is kept (PennyLane's RX(2x) would not be trainable): qsym's refusal
    t = qml.tape.QuantumScript([qml.pow(qml.RX(pnp.array(0.3), 0), 2)], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.errors.DifferentiationError, match="lazy=False"):
        qml.gradients.param_shift(t)
    # qml.evolve(G, x) keeps its generator's rule: d/dx <X0> of exp(-i x Z0 Z1)|++> = -2 sin 2x
    ev = qml.evolve(1.0 * (qml.Z(0) @ qml.Z(1)) + 0.0 * qml.Z(0), pnp.array(0.3))
    t = qml.tape.QuantumScript([qml.Hadamard(0), qml.Hadamard(1), ev], [qml.expval(qml.X(0))])
    tapes, fn = qml.gradients.param_shift(t)
    assert type(tapes[0].operations[-1]).__name__ == "Evolution"
    assert onp.isclose(fn(_run(tapes)), -2 * onp.sin(0.6))


@pytest.mark.parametrize("measure", [qml.var, qml.counts])
def test_param_shift_refuses_trainable_coefficients_of_a_non_expectation(measure):
    H = qml.Hamiltonian(pnp.array([0.5, 0.2]), [qml.Z(0), qml.X(0)])
    tape = qml.tape.QuantumScript([qml.RX(pnp.array(0.3), 0)], [measure(H)])
    with pytest.raises(qml.errors.DifferentiationError, match="for expectations, not"):
        qml.gradients.param_shift(tape)
