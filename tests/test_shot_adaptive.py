"""qml.ShotAdaptiveOptimizer (Rosalin), the single-shot gradients it is built on (the
Jacobian of a stacked shot vector), and assigning a QNode's circuit function."""

from copy import copy

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def _rx_cost(seed, shots=100):
    dev = qml.device("default.qubit", wires=1, seed=seed)

    @qml.set_shots(shots)
    @qml.qnode(dev)
    def cost(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    return cost


def test_single_shot_gradients_are_parameter_shift_samples_of_the_exact_gradient():
    # d<Z>/dx = -sin x; one shot of each shifted circuit gives (z+ - z-)/2 in {-1, 0, 1}
    cost = _rx_cost(seed=11)
    x = np.array(0.9, requires_grad=True)
    node = qml.set_shots(cost, shots=[(1, 200)])
    rows = qml.jacobian(lambda a: qml.math.stack(node(a)))(x)
    assert rows.shape == (200,)
    assert set(onp.unique(rows)) <= {-1.0, 0.0, 1.0}
    # std of one sample <= 1: 5 sigma of the mean of 200
    assert abs(onp.mean(rows) - (-onp.sin(0.9))) < 0.36


def test_stacked_shot_vector_jacobian_has_one_row_per_count():
    dev = qml.device("default.qubit", wires=2, seed=5)

    @qml.set_shots([(2000, 3), 4000])
    @qml.qnode(dev)
    def circuit(w):
        qml.RY(w[0], wires=0)
        qml.RX(w[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    w = np.array([0.4, -0.7], requires_grad=True)
    jac = qml.jacobian(lambda a: qml.math.stack(circuit(a)))(w)
    assert jac.shape == (4, 2)
    # <Z1> = cos(w0) cos(w1): the exact gradient by hand
    exact = onp.array([-onp.sin(0.4) * onp.cos(-0.7), -onp.cos(0.4) * onp.sin(-0.7)])
    for row in jac:
        assert onp.allclose(row, exact, atol=0.1)
    assert not onp.allclose(jac[0], jac[1])  # each count its own samples


def test_rosalin_minimizes_and_adapts_the_shot_budget():
    cost = _rx_cost(seed=3)
    opt = qml.ShotAdaptiveOptimizer(min_shots=10, stepsize=0.5)
    x = np.array(0.5, requires_grad=True)
    budgets = []
    for _ in range(40):
        x, before = opt.step_and_cost(cost, x)
        budgets.append(opt.shots_used)
    assert isinstance(x, np.tensor) and x.requires_grad
    assert abs(float(x) - onp.pi) < 0.3  # the minimum of cos x
    assert opt.total_shots_used == sum(budgets)
    assert budgets[0] == 2 * 10 and max(budgets) > budgets[0]  # the budget grows near the end
    assert opt.k == 40


def test_the_gradient_and_variance_of_the_first_s_shots():
    opt = qml.ShotAdaptiveOptimizer(min_shots=10)
    x = np.array([0.3, 1.2], requires_grad=True)

    @qml.set_shots(50)
    @qml.qnode(qml.device("default.qubit", wires=1, seed=4))
    def two(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    opt.step(two, x)
    samples = [onp.arange(12.0).reshape(6, 2) ** 2]
    opt._single_shot_qnode_gradients = lambda *a, **k: samples
    opt.s = [onp.array([3, 6])]
    grad, var = opt.compute_grad(two, [x], {})
    assert onp.allclose(grad[0], [onp.mean(samples[0][:3, 0]), onp.mean(samples[0][:, 1])])
    assert onp.allclose(var[0], [onp.var(samples[0][:3, 0], ddof=1),
                                 onp.var(samples[0][:, 1], ddof=1)])


def test_weighted_random_sampling_is_unbiased_and_shaped_per_argument():
    coeffs = [0.3, -0.2]
    H = qml.Hamiltonian(coeffs, [qml.PauliZ(0), qml.PauliX(0) @ qml.PauliX(1)])
    dev = qml.device("default.qubit", wires=2, seed=8)

    @qml.set_shots(100)
    @qml.qnode(dev)
    def circuit(w, y):
        qml.RY(w[0], wires=0)
        qml.RY(w[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RX(y, wires=0)
        return qml.expval(H)

    w = np.array([0.5, -0.4], requires_grad=True)
    y = np.array(0.8, requires_grad=True)
    onp.random.seed(2)
    gw, gy = qml.ShotAdaptiveOptimizer.qnode_weighted_random_sampling(
        circuit, coeffs, H.ops, 150, [0, 1], w, y)
    assert gw.shape == (150, 2) and gy.shape == (150,)
    exact = qml.jacobian(qml.set_shots(circuit, shots=None), argnum=[0, 1])(w, y)
    # one sample is c_i / p_i times a shot difference in {-1, 0, 1}: |sample| <= sum |c|
    assert onp.max(onp.abs(gw)) <= 0.5 + 1e-12
    assert onp.allclose(gw.mean(axis=0), exact[0], atol=0.2)
    assert abs(gy.mean() - exact[1]) < 0.2
    # the terms' shots are one multinomial draw from NumPy's global stream (PennyLane's):
    # seeded again, the same draw as NumPy's own multinomial
    from qsym._shot_adaptive import _shots_per_term

    onp.random.seed(2)
    drawn = _shots_per_term(150, onp.array([0.6, 0.4]))
    onp.random.seed(2)
    assert onp.array_equal(drawn, onp.random.multinomial(150, [0.6, 0.4]))


def test_weighted_random_sampling_step():
    H = qml.Hamiltonian([0.4, 0.2], [qml.PauliZ(0), qml.PauliZ(0) @ qml.PauliZ(1)])

    @qml.set_shots(100)
    @qml.qnode(qml.device("default.qubit", wires=2, seed=1))
    def circuit(w):
        qml.RX(w[0], wires=0)
        qml.RX(w[1], wires=1)
        return qml.expval(H)

    opt = qml.ShotAdaptiveOptimizer(min_shots=10, term_sampling="weighted_random_sampling",
                                    stepsize=1.0)
    w = np.array([0.3, 0.2], requires_grad=True)
    for _ in range(25):
        w = opt.step(circuit, w)
    # minimum of 0.4 cos w0 + 0.2 cos w0 cos w1: w0 = pi (then w1 = 0)
    assert abs(float(w[0]) - onp.pi) < 0.5


@pytest.mark.parametrize("case, match", [
    ("analytic", "finite number of shots"),
    ("learning rate", "learning rate must be less than"),
    ("not a qnode", "single QNode object"),
    ("sampling", "Unknown Hamiltonian term sampling method"),
    ("variance", "one expectation value"),
])
def test_errors_say_what_to_do(case, match):
    H = qml.Hamiltonian([0.3, 0.1], [qml.PauliX(0), qml.PauliZ(0)])
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.var(qml.PauliZ(0)) if case == "variance" else qml.expval(H)

    node = qml.QNode(f, dev) if case == "analytic" else qml.set_shots(qml.QNode(f, dev), 10)
    opt = qml.ShotAdaptiveOptimizer(
        min_shots=5, stepsize=100.0 if case == "learning rate" else 0.07,
        term_sampling="uniform" if case == "sampling" else None)
    x = np.array(0.5, requires_grad=True)
    with pytest.raises(ValueError, match=match):
        if case == "not a qnode":
            opt.compute_grad(lambda x: x, [x], {})
        else:
            opt.step(node, x)


def test_assigning_func_traces_the_new_function():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(w):
        qml.RX(w[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    w = np.array([0.2, 0.4], requires_grad=True)
    assert onp.isclose(circuit(w), onp.cos(0.2))
    qml.grad(circuit)(w)  # the short paths of value and gradient are set

    def other(w):
        qml.RX(w[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    twin = copy(circuit)
    twin.func = other
    assert onp.isclose(twin(w), onp.cos(0.4))
    assert onp.allclose(qml.grad(twin)(w), [0.0, -onp.sin(0.4)])
    assert twin.__name__ == "other"
    # the original keeps its own function and signatures
    assert onp.isclose(circuit(w), onp.cos(0.2))
    assert onp.allclose(qml.grad(circuit)(w), [-onp.sin(0.2), 0.0])
    circuit.func = other
    assert onp.isclose(circuit(w), onp.cos(0.4))
    with pytest.raises(qml.ArgumentError, match="circuit function"):
        circuit.func = 3
