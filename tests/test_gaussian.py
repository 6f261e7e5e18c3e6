"""default.gaussian and param_shift_cv (qsym/_gaussian.py): closed forms of Gaussian states
written out by hand, and derivatives checked against central differences of the circuit's
own values (an independent second method)."""

import math

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.devices import default_gaussian as dg

HBAR = 2.0


def _node(fn, wires=1, **kwargs):
    return qml.QNode(fn, qml.device("default.gaussian", wires=wires), **kwargs)


def _central(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


# ------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("a,phi", [(0.0, 0.0), (0.3, 0.7), (1.2, -2.1)])
def test_coherent_state_photon_number_is_poisson(a, phi):
    def mean():
        qml.Displacement(a, phi, wires=0)
        return qml.expval(qml.NumberOperator(0))

    def var():
        qml.Displacement(a, phi, wires=0)
        return qml.var(qml.NumberOperator(0))
    assert np.isclose(_node(mean)(), a ** 2)
    assert np.isclose(_node(var)(), a ** 2)  # Poisson: variance = mean


@pytest.mark.parametrize("r", [0.0, 0.4, 1.1])
def test_squeezed_quadrature_variances(r):
    def vx():
        qml.Squeezing(r, 0.0, wires=0)
        return qml.var(qml.QuadX(0))

    def vp():
        qml.Squeezing(r, 0.0, wires=0)
        return qml.var(qml.QuadP(0))
    assert np.isclose(_node(vx)(), HBAR / 2 * math.exp(-2 * r))
    assert np.isclose(_node(vp)(), HBAR / 2 * math.exp(2 * r))


def test_squeezed_mean_photon_number_is_sinh_squared():
    def n(r):
        qml.Squeezing(r, 0.3, wires=0)
        return qml.expval(qml.NumberOperator(0))
    assert np.isclose(_node(n)(0.7), math.sinh(0.7) ** 2)


def test_quadrature_of_a_displaced_rotated_state():
    def x(phi):
        qml.Displacement(0.5, 0.0, wires=0)
        qml.Rotation(phi, wires=0)
        return qml.expval(qml.QuadX(0))
    # <x> = sqrt(2 hbar) Re(alpha e^{i phi})
    assert np.isclose(_node(x)(0.9), math.sqrt(2 * HBAR) * 0.5 * math.cos(0.9))


@pytest.mark.parametrize("theta,phi", [(0.3, 0.0), (1.1, 0.7), (2.5, -1.3)])
def test_beamsplitter_conserves_the_photon_number(theta, phi):
    total = np.diag([-1.0, 0.25, 0.25, 0.25, 0.25])  # n_0 + n_1 = (x^2 + p^2) / 4 - 1/2 each

    def circuit():
        qml.Displacement(0.4, 0.2, wires=0)
        qml.Displacement(0.9, -1.0, wires=1)
        qml.Beamsplitter(theta, phi, wires=[0, 1])
        return qml.expval(qml.PolyXP(total, wires=[0, 1]))

    def first():
        qml.Displacement(0.4, 0.2, wires=0)
        qml.Displacement(0.9, -1.0, wires=1)
        qml.Beamsplitter(theta, phi, wires=[0, 1])
        return qml.expval(qml.NumberOperator(0))
    assert np.isclose(_node(circuit, wires=2)(), 0.4 ** 2 + 0.9 ** 2)
    # a 50:50-or-not split: mode 0 keeps |t a0 - r* a1|^2
    a0, a1 = 0.4 * np.exp(0.2j), 0.9 * np.exp(-1.0j)
    out0 = np.cos(theta) * a0 - np.exp(-1j * phi) * np.sin(theta) * a1
    assert np.isclose(_node(first, wires=2)(), abs(out0) ** 2)


def test_thermal_state_moments():
    def mean():
        qml.ThermalState(0.6, wires=0)
        return qml.expval(qml.NumberOperator(0))

    def var():
        qml.ThermalState(0.6, wires=0)
        return qml.var(qml.NumberOperator(0))
    assert np.isclose(_node(mean)(), 0.6)
    assert np.isclose(_node(var)(), 0.6 ** 2 + 0.6)  # Bose-Einstein


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_fock_probabilities_of_a_coherent_state(n):
    a = 0.8

    def circuit():
        qml.CoherentState(a, 0.4, wires=0)
        return qml.expval(qml.FockStateProjector(np.array([n]), wires=0))
    assert np.isclose(_node(circuit)(), math.exp(-a ** 2) * a ** (2 * n) / math.factorial(n))


def test_fock_probability_of_a_squeezed_vacuum():
    r = 0.5

    def circuit():
        qml.SqueezedState(r, 0.0, wires=0)
        return qml.expval(qml.FockStateProjector(np.array([2]), wires=0))
    # |<2|S(r)>|^2 = tanh(r)^2 / (2 cosh r); odd numbers never
    assert np.isclose(_node(circuit)(), math.tanh(r) ** 2 / (2 * math.cosh(r)))
    cov, mu = dg.squeezed_state(r, 0.0)
    assert np.isclose(dg.fock_prob(cov, mu, [1]), 0.0)


def test_two_mode_fock_probability_is_a_product_for_a_product_state():
    cov = np.eye(4)
    mu = np.array([1.0, 0.4, 0.2, -0.6])  # (x0, x1, p0, p1) of two coherent states
    alphas = (mu[:2] + 1j * mu[2:]) / math.sqrt(2 * HBAR)
    expected = np.prod([math.exp(-abs(b) ** 2) * abs(b) ** (2 * k) / math.factorial(k)
                        for b, k in zip(alphas, (2, 1))])
    assert np.isclose(dg.fock_prob(cov, mu, [2, 1]), expected)


def test_the_gates_are_symplectic():
    omega = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.eye(2), np.zeros((2, 2))]])
    for s in (dg.beamsplitter(0.3, 1.2), dg.two_mode_squeezing(0.4, -0.5),
              dg.controlled_addition(0.7), dg.controlled_phase(-0.2)):
        assert np.allclose(s @ omega @ s.T, omega)
    w = np.array([[0.0, 1.0], [-1.0, 0.0]])
    for s in (dg.squeezing(0.3, 0.9), dg.rotation(0.4), dg.quadratic_phase(0.8)):
        assert np.allclose(s @ w @ s.T, w)


def test_gaussian_state_and_identity():
    def circuit():
        qml.GaussianState(np.diag([0.5, 2.0]), np.array([0.3, -0.1]), wires=0)
        return qml.expval(qml.QuadX(0))

    def one():
        qml.Displacement(0.5, 0.0, wires=0)
        return qml.expval(qml.Identity(0))
    assert np.isclose(_node(circuit)(), 0.3)
    assert _node(one)() == 1


# ------------------------------------------------------------------------- derivatives
def _circuit(obs, kind="expval"):
    def circuit(x):
        qml.Displacement(x[0], 0.3, wires=0)
        qml.Squeezing(x[1], -0.4, wires=0)
        qml.Beamsplitter(x[2], 0.7, wires=[0, 1])
        qml.Rotation(x[3], wires=0)
        qml.TwoModeSqueezing(0.2, 0.1, wires=[0, 1])
        return getattr(qml, kind)(obs())
    return circuit


CASES = [(lambda: qml.QuadX(0), "expval"), (lambda: qml.NumberOperator(0), "expval"),
         (lambda: qml.QuadP(1), "var"), (lambda: qml.NumberOperator(1), "var")]


@pytest.mark.parametrize("obs,kind", CASES)
@pytest.mark.parametrize("method", ["parameter-shift", "best", "finite-diff"])
def test_grad_matches_central_differences(obs, kind, method):
    fn = _circuit(obs, kind)
    node = _node(fn, wires=2, diff_method=method)
    x = pnp.array([0.5, 0.3, 0.8, -0.6], requires_grad=True)
    expected = _central(lambda v: float(node(v)), x)
    atol = 1e-5 if method == "finite-diff" else 1e-7
    assert np.allclose(qml.grad(node)(x), expected, atol=atol)


@pytest.mark.parametrize("obs,kind", CASES[:2])
def test_force_order2_agrees(obs, kind):
    node = _node(_circuit(obs, kind), wires=2)
    x = pnp.array([0.5, 0.3, 0.8, -0.6], requires_grad=True)
    forced = qml.gradients.param_shift_cv(node, dev=node.device, force_order2=True)(x)
    assert np.allclose(forced, _central(lambda v: float(node(v)), x), atol=1e-7)


def test_squeezing_derivative_closed_form():
    dev = qml.device("default.gaussian", wires=1)
    t = qml.tape.QuantumScript([qml.Squeezing(0.6, 0.0, wires=0)],
                               [qml.expval(qml.NumberOperator(0))])
    tapes, fn = qml.gradients.param_shift_cv(t, dev)
    dr, dphi = fn(dev.execute(tapes))
    assert np.isclose(dr, math.sinh(2 * 0.6)) and np.isclose(dphi, 0.0)


def test_non_gaussian_gate_after_falls_back_to_finite_differences():
    t = qml.tape.QuantumScript([qml.Rotation(0.3, wires=0), qml.Kerr(0.1, wires=0)],
                               [qml.expval(qml.QuadX(0))])
    assert qml.gradients.parameter_shift_cv._grad_method_cv(t, 0) == "F"
    with pytest.raises(ValueError, match="analytic gradient method cannot be used"):
        qml.gradients.param_shift_cv(t, qml.device("default.gaussian", wires=1),
                                     fallback_fn=None)


# ------------------------------------------------------------------------------ refusals
def test_refusals():
    # (PennyLane 0.45.1 splits measurements on shared wires into tapes of one each, and
    # refuses a tape of measurements on different wires: test_pennylane_demos8.py)
    def two():
        qml.Displacement(0.5, 0.0, wires=0)
        return qml.expval(qml.QuadX(0)), qml.expval(qml.QuadP(1))
    with pytest.raises(qml.QuantumFunctionError, match="single measurements"):
        _node(two, wires=2)()

    def kerr():
        qml.Kerr(0.5, wires=0)
        return qml.expval(qml.QuadX(0))
    with pytest.raises(qml.DeviceError, match="Kerr not supported"):
        _node(kerr)()

    def number_sample():
        return qml.sample(qml.NumberOperator(0))
    with pytest.raises(NotImplementedError, match="does not support sampling NumberOperator"):
        _node(number_sample)()

    def displaced(x):
        qml.Displacement(x, 0.0, wires=0)
        return qml.expval(qml.QuadX(0))
    with pytest.raises(qml.QuantumFunctionError, match="does not support backprop"):
        qml.grad(_node(displaced, diff_method="backprop"))(pnp.array(0.3, requires_grad=True))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def on_qubits():
        qml.Rotation(0.1, wires=0)
        return qml.expval(qml.Z(0))
    with pytest.raises(qml.GateError, match="continuous-variable"):
        on_qubits()
    with pytest.raises(TypeError, match="wires"):
        qml.device("default.gaussian")


def test_shots_sample_homodyne():
    np.random.seed(7)

    def circuit():
        qml.Displacement(1.0, 0.0, wires=0)
        return qml.sample(qml.QuadX(0))
    samples = qml.set_shots(_node(circuit), shots=4000)()
    assert samples.shape == (4000,)
    # mean sqrt(2 hbar) * 1 = 2, standard deviation sqrt(hbar / 2) = 1: 5 sigma of the mean
    assert abs(samples.mean() - 2.0) < 5 / math.sqrt(4000)
    assert abs(samples.std() - 1.0) < 0.1


# ------------------------------------------------------------------------------ templates
def test_displacement_embedding_amplitudes_are_photon_numbers():
    def circuit(x):
        qml.DisplacementEmbedding(x, wires=[0, 1], c=0.0)
        return qml.expval(qml.NumberOperator(1))
    assert np.isclose(_node(circuit, wires=2)(np.array([0.3, 0.8])), 0.8 ** 2)


def test_squeezing_embedding_quadrature_variance():
    def circuit(x):
        qml.SqueezingEmbedding(x, wires=[0], c=0.0)
        return qml.var(qml.QuadX(0))
    assert np.isclose(_node(circuit)(np.array([0.6])), math.exp(-1.2))


def test_interferometer_decomposition_and_energy():
    theta, phi, varphi = [0.3, 1.1, -0.4], [0.2, 0.5, 0.9], [0.1, 0.2, 0.3]
    rect = qml.Interferometer(theta, phi, varphi, wires=[0, 1, 2]).decomposition()
    # Clements' rectangle on 3 modes: (0,1), (1,2), (0,1), then a rotation per mode
    assert [op.name for op in rect] == ["Beamsplitter"] * 3 + ["Rotation"] * 3
    assert [op.wires.tolist() for op in rect[:3]] == [[0, 1], [1, 2], [0, 1]]
    tri = qml.Interferometer(theta, phi, varphi, wires=[0, 1, 2],
                             mesh="triangular").decomposition()
    assert [op.wires.tolist() for op in tri[:3]] == [[1, 2], [0, 1], [1, 2]]
    total = np.diag([-1.5] + [0.25] * 6)

    def circuit(t):
        qml.Displacement(0.5, 0.0, wires=0)
        qml.Displacement(0.7, 1.0, wires=2)
        qml.Interferometer(t, phi, varphi, wires=[0, 1, 2])
        return qml.expval(qml.PolyXP(total, wires=[0, 1, 2]))
    assert np.isclose(_node(circuit, wires=3)(np.array(theta)), 0.5 ** 2 + 0.7 ** 2)
    with pytest.raises(ValueError, match="did not recognize mesh"):
        qml.Interferometer(theta, phi, varphi, wires=[0, 1, 2], mesh="hex").decomposition()


def test_interferometer_gradient_against_central_differences():
    def circuit(t):
        qml.Squeezing(0.4, 0.2, wires=0)
        qml.Displacement(0.3, 0.0, wires=1)
        qml.Interferometer(t, [0.3], [0.1, -0.2], wires=[0, 1])
        return qml.expval(qml.NumberOperator(1))
    node = _node(circuit, wires=2)
    t = pnp.array([0.7], requires_grad=True)
    assert np.allclose(qml.grad(node)(t), _central(lambda v: float(node(v)), t), atol=1e-7)


def test_state_and_transforms_are_refused():
    dev = qml.device("default.gaussian", wires=1)

    @qml.qnode(dev)
    def state():
        return qml.state()
    with pytest.raises(qml.QuantumFunctionError, match="Returning the state is not supported"):
        state()

    @qml.transform
    def drop(tape):
        return [tape.copy(operations=[])], lambda r: r[0]

    def circuit(x):
        qml.Displacement(x, 0.0, wires=0)
        return qml.expval(qml.QuadX(0))
    with pytest.raises(qml.QuantumFunctionError, match="transforms of a QNode"):
        drop(qml.QNode(circuit, dev))(0.5)  # never run untransformed


def test_cv_neural_net_layers_decomposition_shapes_and_errors():
    shapes = qml.CVNeuralNetLayers.shape(n_layers=2, n_wires=3)
    # 3 modes: 3 beamsplitters per interferometer, else one gate per mode (PennyLane's order)
    assert shapes == [(2, 3)] * 11
    assert qml.CVNeuralNetLayers.shape(1, 2) == [(1, 1)] * 2 + [(1, 2)] * 3 + [(1, 1)] * 2 + [(1, 2)] * 4
    w = [np.full(s, 0.1 * (i + 1)) for i, s in enumerate(qml.CVNeuralNetLayers.shape(1, 2))]
    ops = qml.CVNeuralNetLayers(*w, wires=["a", "b"]).decomposition()
    assert [(op.name, op.wires.tolist()) for op in ops] == [
        ("Interferometer", ["a", "b"]), ("Squeezing", ["a"]), ("Squeezing", ["b"]),
        ("Interferometer", ["a", "b"]), ("Displacement", ["a"]), ("Displacement", ["b"]),
        ("Kerr", ["a"]), ("Kerr", ["b"])]
    assert [float(p) for p in ops[1].parameters] == [0.4, 0.5]  # r, phi_r
    assert [float(p) for p in ops[4].parameters] == [0.9, 1.0]  # a, phi_a
    assert np.isclose(float(ops[7].parameters[0]), 1.1)  # k
    inner = ops[3].decomposition()  # theta_2, phi_2, varphi_2
    assert [(op.name, [round(float(p), 12) for p in op.parameters]) for op in inner] == [
        ("Beamsplitter", [0.6, 0.7]), ("Rotation", [0.8]), ("Rotation", [0.8])]
    with pytest.raises(ValueError, match="first dimension of all parameters"):
        qml.CVNeuralNetLayers(*w[:-1], np.zeros((2, 2)), wires=[0, 1])
    with pytest.raises(ValueError, match="unexpected shape"):
        qml.CVNeuralNetLayers(*w[:-1], np.zeros((1, 1)), wires=[0, 1])

    def circuit():
        qml.CVNeuralNetLayers(*w, wires=[0, 1])
        return qml.expval(qml.QuadX(0))
    with pytest.raises(qml.DeviceError, match="Kerr"):  # not Gaussian
        _node(circuit, wires=2)()


def test_defer_measurements_refuses_continuous_variable_circuits():
    """qml.defer_measurements of a tape, or of a QNode on default.gaussian, with
    mid-circuit measurements and CV operations or observables: PennyLane's ValueError
    ("Continuous variable operations and observables are not supported."), never a
    deferral onto qumodes; a CV circuit without mid-circuit measurements is returned as
    it is (PennyLane's), and the QNode without the transform still runs (<n> of the vacuum
    is 0, by hand)."""
    from qsym._mcm import MidMeasure

    msg = "Continuous variable operations and observables are not supported"
    for ops, ms in (([MidMeasure(0), qml.Rotation(0.1, wires=[0])], []),
                    ([MidMeasure(0)], [qml.expval(qml.NumberOperator(1))])):
        with pytest.raises(ValueError, match=msg):
            qml.defer_measurements(qml.tape.QuantumScript(ops, ms))
    plain = qml.tape.QuantumScript([qml.Rotation(0.1, wires=[0])],
                                   [qml.expval(qml.NumberOperator(0))])
    assert qml.defer_measurements(plain)[0][0] is plain

    def circuit():
        qml.measure(0)
        return qml.expval(qml.NumberOperator(1))

    with pytest.raises(ValueError, match=msg):
        qml.defer_measurements(_node(circuit, wires=2))()

    def no_mcm():
        qml.Displacement(0.0, 0.0, wires=0)
        return qml.expval(qml.NumberOperator(1))

    assert float(_node(no_mcm, wires=2)()) == pytest.approx(0.0, abs=1e-12)
