"""Issue #18 (stop 60): PennyLane 0.45.1 semantics its own test files reach.

Complex trainable arguments: PennyLane's ``qml.grad`` is autograd's, which differentiates
a complex input (``df/dRe - i df/dIm``); qsym's compiled circuits take real inputs, so the
function runs on autograd's values and its tape is differentiated. The expected numbers
are PennyLane 0.45.1's (computed in /work/plvenv and pasted) and central differences.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp

DEV = qml.device("default.qubit", wires=2)


@qml.qnode(DEV)
def _polar(z):
    qml.RX(pnp.abs(z[0]), wires=0)
    qml.RY(pnp.angle(z[1]), wires=1)
    qml.CNOT([0, 1])
    return qml.expval(qml.PauliZ(1))  # cos|z0| cos(arg z1)


@qml.qnode(DEV)
def _mixed(x, z):
    qml.RX(x, wires=0)
    qml.RY(pnp.real(z * pnp.conj(z)), wires=1)
    qml.CNOT([0, 1])
    return qml.expval(qml.PauliZ(1))  # cos x cos|z|^2


def _central(f, z, h=1e-6):
    """``df/dRe - i df/dIm`` of a real function of a complex array, by central differences."""
    z = onp.asarray(z, dtype=complex)
    out = onp.zeros(z.shape, dtype=complex)
    for k in onp.ndindex(z.shape):
        for step, weight in ((h, 1.0), (1j * h, -1j)):
            up, down = z.copy(), z.copy()
            up[k] += step
            down[k] -= step
            out[k] += weight * (float(f(up)) - float(f(down))) / (2 * h)
    return out


def test_grad_and_jacobian_of_a_complex_argument():
    z = pnp.array([0.3 + 0.4j, -0.5 + 0.2j], requires_grad=True)
    # PennyLane 0.45.1 (/work/plvenv): qml.grad(circuit)(z), and of sin(circuit(z))
    pl = [0.2670812625654681 - 0.3561083500872908j, 0.22477653877036738 - 0.5619413469259184j]
    pl_sin = [0.18321855941465734 - 0.24429141255287648j,
              0.15419739006821784 - 0.38549347517054455j]
    g = qml.grad(_polar)(z)
    assert onp.allclose(g, pl, atol=1e-12)
    assert onp.allclose(g, _central(lambda v: onp.cos(abs(v[0])) * onp.cos(onp.angle(v[1])), z),
                        atol=1e-7)
    assert onp.allclose(qml.jacobian(_polar)(z), pl, atol=1e-12)
    assert onp.allclose(qml.grad(lambda v: pnp.sin(_polar(v)))(z), pl_sin, atol=1e-12)


def test_a_complex_argument_beside_a_real_one():
    gx, gz = qml.grad(_mixed)(pnp.array(0.2), pnp.array(0.5 + 0.1j))
    # PennyLane 0.45.1 (/work/plvenv)
    assert onp.isclose(gx, -0.19199205024303762, atol=1e-12)
    assert onp.isclose(gz, -0.2519560567224822 + 0.05039121134449645j, atol=1e-12)
    assert onp.iscomplexobj(gz) and not onp.iscomplexobj(gx)


def test_a_complex_input_the_function_cannot_run_on_autograds_values_of_is_refused():
    """A complex input used where autograd's values cannot go (``float`` of it: PennyLane's
    autograd fails there too) is a DifferentiationError naming the complex input, the
    function's own error kept as its cause."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(z):
        qml.RX(float(pnp.abs(z)), wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.DifferentiationError, match="complex input") as info:
        qml.grad(circuit)(pnp.array(0.6 + 0.8j, requires_grad=True))
    assert isinstance(info.value.__cause__, TypeError)


def test_a_complex_state_of_a_template_is_differentiated():
    """MottonenStatePreparation's real and complex amplitudes are differentiated (PennyLane
    differentiates both; stop 61 added the complex ones: autograd's ``d/dRe - i d/dIm``)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(state):
        qml.MottonenStatePreparation(state, wires=0)
        return qml.expval(qml.PauliZ(0))

    real = pnp.array([0.6, 0.8], requires_grad=True)
    # d/da (a^2 - b^2) / (a^2 + b^2) at (0.6, 0.8): (4 a b^2, -4 a^2 b) = (1.536, -1.152)
    assert onp.allclose(qml.grad(circuit)(real), [1.536, -1.152], atol=1e-12)
    # f = (|a|^2 - |b|^2) / (|a|^2 + |b|^2): d/dRe - i d/dIm is (4 |b|^2 conj(a), -4 |a|^2 conj(b))
    # at (0.6, 0.8j), norm 1: (1.536, 1.152j)
    grad = qml.grad(circuit)(pnp.array([0.6, 0.8j], requires_grad=True))
    assert onp.allclose(grad, [1.536, 1.152j], atol=1e-10)


# --- qml.devices.qubit's adjoint methods: a matrix parameter counted (devices/qubit/
# test_adjoint_jacobian.py::test_with_nontrainable_parametrized); by hand: <Z> = cos x


def test_adjoint_methods_count_a_nontrainable_matrix_parameter():
    from qsym.devices.qubit import adjoint_jacobian, adjoint_jvp, adjoint_vjp

    x = 0.6
    ops = [qml.RY(onp.array(x), wires=0), qml.QubitUnitary(onp.eye(2), wires=0)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.PauliZ(0))], trainable_params=[0])
    assert onp.isclose(adjoint_jacobian(tape), -onp.sin(x), atol=1e-12)
    assert onp.isclose(adjoint_jvp(tape, (0.45,)), -0.45 * onp.sin(x), atol=1e-12)
    assert onp.allclose(adjoint_vjp(tape, (0.45,)), [-0.45 * onp.sin(x)], atol=1e-12)
    # the state: d/dx [cos(x/2), sin(x/2)] (RY), the identity after it
    state = qml.tape.QuantumScript(ops, [qml.state()], trainable_params=[0])
    (jac,) = adjoint_jacobian(state)
    assert onp.allclose(jac, [-onp.sin(x / 2) / 2, onp.cos(x / 2) / 2], atol=1e-12)
    # a trainable parameter of a gate of several is refused (was a derivative of 0)
    rot = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)], [qml.expval(qml.PauliZ(0))],
                                 trainable_params=[1])
    with pytest.raises(ValueError, match="one parameter; Rot has 3"):
        adjoint_jacobian(rot)


def test_a_gate_angle_of_complex_type_and_zero_imaginary_part_is_its_real_part():
    """PennyLane takes RY(np.array(0.654 + 0j)) (devices/qubit/test_adjoint_jacobian.py's
    batched state VJP); an imaginary part is still refused."""
    from qsym.devices.qubit import adjoint_vjp

    assert qml.RX(onp.complex128(0.3 + 0j), wires=0).data == (0.3,)
    with pytest.raises(qml.GateError, match="complex"):
        qml.RX(0.3 + 0.1j, wires=0)
    x, y = 0.654, 1.221
    tape = qml.tape.QuantumScript([qml.RY(onp.array(x + 0j), wires=0),
                                   qml.RX(onp.array(y + 0j), wires=1)], [qml.state()],
                                  trainable_params=[0, 1])
    cot = onp.array([0.1, -0.2, 0.3j, 0.4])
    c, s = onp.cos, onp.sin
    # d/dx, d/dy of RY(x)|0> (x) RX(y)|0> = [c(x/2), s(x/2)] (x) [c(y/2), -i s(y/2)], by hand
    jac = onp.array([[-s(x / 2) * c(y / 2) / 2, 0.5j * s(x / 2) * s(y / 2),
                      c(x / 2) * c(y / 2) / 2, -0.5j * c(x / 2) * s(y / 2)],
                     [-c(x / 2) * s(y / 2) / 2, -0.5j * c(x / 2) * c(y / 2),
                      -s(x / 2) * s(y / 2) / 2, -0.5j * s(x / 2) * c(y / 2)]])
    assert onp.allclose(adjoint_vjp(tape, cot), jac @ cot, atol=1e-12)


def test_a_controlled_gate_on_a_tape_made_under_autograd_is_differentiated():
    """devices/qubit/test_simulate.py::test_autograd_op_arithmetic: a tape built inside
    qml.jacobian with qml.ctrl(RX(x)) on wire labels, simulated (its wires mapped to
    0..n-1): the controls hold (X on "a", "b"; -3 at 0), so by hand
    <Y + Z_b> = -sin x - 1 and <3 Z> = 3 cos x."""
    from qsym.devices.qubit import simulate

    def f(x):
        ops = [qml.PauliX("a"), qml.PauliX("b"),
               qml.ctrl(qml.RX(x, "target"), ("a", "b", -3), control_values=[1, 1, 0])]
        tape = qml.tape.QuantumScript(ops, [
            qml.expval(qml.sum(qml.PauliY("target"), qml.PauliZ("b"))),
            qml.expval(qml.s_prod(3, qml.PauliZ("target")))])
        return pnp.array(simulate(tape))

    x = pnp.array(1.2)
    assert onp.allclose(f(x), [-onp.sin(1.2) - 1, 3 * onp.cos(1.2)], atol=1e-12)
    assert onp.allclose(qml.jacobian(f)(x), [-onp.cos(1.2), -3 * onp.sin(1.2)], atol=1e-12)
    # the controlled matrix of an autograd value: d/dx of <1 1| C(RX(x)) |1 0>, -i sin(x/2)
    g = qml.jacobian(lambda v: pnp.imag(qml.ctrl(qml.RX(v, 1), 0).matrix()[3, 2]))(x)
    assert onp.isclose(g, -onp.cos(0.6) / 2, atol=1e-12)


def test_qdrift_refuses_a_coefficient_derivative_with_pennylanes_error():
    """templates/.../test_qdrift.py::test_error_gradient_workflow_autograd: the template's
    own refusal (PennyLane's QuantumFunctionError and text), not the generic refusal of an
    input used by its number; the time stays differentiable."""
    from qsym.exceptions import QuantumFunctionError

    terms = [qml.PauliX(0), qml.PauliZ(0)]

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circ(time, coeffs):
        qml.QDrift(qml.dot(coeffs, terms), time, n=3, seed=7)
        return qml.expval(qml.Hadamard(0))

    time, coeffs = pnp.array(1.5), pnp.array([1.23, -0.45], requires_grad=True)
    with pytest.raises(QuantumFunctionError, match="doesn't support differentiation through "
                       "the coefficients"):
        qml.grad(circ)(time, coeffs)
    with pytest.raises(QuantumFunctionError, match="coefficients of the input Hamiltonian"):
        qml.jacobian(circ)(time, coeffs)
    g = qml.grad(circ, argnum=0)(time, pnp.array([1.23, -0.45], requires_grad=False))
    assert onp.isfinite(g)


def test_state_scalars_are_numpy_floats_under_autograd_on_default_qubit():
    """PennyLane 0.45.1 (/work/plvenv) on default.qubit / default.mixed, autograd
    interface: qml.purity, qml.vn_entropy, qml.mutual_info come back as NumPy's float64
    (backpropagation, and default.qubit's adjoint method), expval and density_matrix as
    tensors; parameter shift: 0-d arrays (devices/default_qubit/test_default_qubit.py's
    test_postselection_invalid_analytic reads the interface)."""
    x = pnp.array(0.3)
    dev = qml.device("default.qubit", wires=2)

    def circuit(v):
        qml.RX(v, 0)
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(0)), qml.purity(0), qml.vn_entropy(1), qml.mutual_info(0, 1)

    types = [type(v).__name__ for v in qml.QNode(circuit, dev)(x)]
    assert types == ["tensor", "float64", "float64", "float64"]
    types = [type(v).__name__ for v in qml.QNode(circuit, dev, diff_method="adjoint")(x)]
    assert types == ["ndarray", "float64", "float64", "float64"]
    shift = qml.QNode(circuit, dev, diff_method="parameter-shift")(x)
    assert [type(v).__name__ for v in shift] == ["ndarray"] * 4
    # the values: purity of RX(x) CNOT's reduced state, 1 - sin(x)^2 / 2
    assert onp.isclose(shift[1], 1 - onp.sin(0.3) ** 2 / 2, atol=1e-12)
    mixed = qml.QNode(circuit, qml.device("default.mixed", wires=2))(x)
    assert [type(v).__name__ for v in mixed] == ["tensor", "float64", "float64", "float64"]


def test_state_quantities_of_a_simulated_tape_under_autograd():
    """devices/qubit/test_simulate.py::test_qinfo_autograd_backprop: simulate's state of
    autograd's values measured by qml.purity, qml.vn_entropy, qml.mutual_info and
    qml.density_matrix, differentiated by qml.jacobian. IsingXX(x)|00> = c|00> - i s|11>
    (c, s = cos, sin of x/2); by hand: purity 1 - sin(x)^2 / 2, entropy of wire 0
    S = -c^2 ln c^2 - s^2 ln s^2 with dS/dx = sin(x)/2 ln(c^2/s^2), mutual info 2 S."""
    from qsym.devices.qubit import simulate

    def f(v, mp):
        return qml.math.real(simulate(qml.tape.QuantumScript([qml.IsingXX(v, wires=(0, 1))],
                                                             [mp])))

    x = pnp.array(0.263)
    c2, s2 = onp.cos(0.263 / 2) ** 2, onp.sin(0.263 / 2) ** 2
    dS = onp.sin(0.263) / 2 * onp.log(c2 / s2)
    assert onp.isclose(qml.jacobian(f)(x, qml.purity(0)), -onp.sin(2 * 0.263) / 2, atol=1e-10)
    assert onp.isclose(qml.jacobian(f)(x, qml.vn_entropy(0)), dS, atol=1e-10)
    assert onp.isclose(qml.jacobian(f)(x, qml.mutual_info(0, 1)), 2 * dS, atol=1e-10)
    drho = qml.jacobian(f)(x, qml.density_matrix(0))  # diag(c^2, s^2)
    assert onp.allclose(drho, [[-onp.sin(0.263) / 2, 0], [0, onp.sin(0.263) / 2]], atol=1e-10)


def test_a_tensor_matrix_decomposes_into_angles_of_its_trainability():
    """PennyLane's qml.math: QubitUnitary(tensor).decomposition() (and
    one_qubit_decomposition of a tensor) gives rotation angles that are tensors of the
    matrix's requires_grad, the GlobalPhase a NumPy float (default_qubit_preprocessing's
    test_trainable_params_decomposed reads the trainability); the product is the matrix."""
    X = [[0, 1], [1, 0]]
    for rg in (True, False):
        ops = qml.QubitUnitary(pnp.array(X, requires_grad=rg), wires=0).decomposition()
        assert [o.name for o in ops] == ["RZ", "RY", "RZ", "GlobalPhase"]
        for o in ops[:3]:
            assert type(o.data[0]).__name__ == "tensor" and o.data[0].requires_grad is rg
        assert not hasattr(ops[3].data[0], "requires_grad")
        assert onp.allclose(qml.matrix(qml.prod(*reversed(ops[:3]))) * onp.exp(
            -1j * float(ops[3].data[0])), X, atol=1e-12)
    plain = qml.QubitUnitary(onp.array(X), wires=0).decomposition()
    assert not any(hasattr(o.data[0], "requires_grad") for o in plain)
    rot = qml.ops.one_qubit_decomposition(pnp.array(X), 0, rotations="rot")
    assert rot[0].name == "Rot" and all(p.requires_grad for p in rot[0].data)


def test_simulate_keeps_the_shots_a_postselection_keeps():
    """PennyLane's get_final_state: a Projector (a deferred postselection) with shots draws
    the shots that keep the outcome, binomial(shots, p) from the sampling's generator
    (PennyLane 0.45.1 in /work/plvenv: 754 samples of 1000 for default_rng(1), p = 3/4),
    "fill-shots" keeps them all; the user's tape keeps its shots."""
    from qsym.devices.qubit import simulate

    tape = qml.tape.QuantumScript([qml.RX(onp.pi / 3, 0), qml.Projector([0], wires=0)],
                                  [qml.sample(op=qml.Z(0))], shots=1000)
    expected = onp.random.default_rng(1).binomial(1000, onp.cos(onp.pi / 6) ** 2)
    samples = simulate(tape, rng=onp.random.default_rng(1))
    assert samples.shape == (expected,) == (754,) and onp.all(samples == 1)
    assert tape.shots.total_shots == 1000
    full = simulate(tape, rng=onp.random.default_rng(1), postselect_mode="fill-shots")
    assert full.shape == (1000,)
    m = qml.measure(0, postselect=0)
    deferred = qml.tape.QuantumScript([qml.RX(onp.pi / 3, 0), *m.measurements],
                                      [qml.counts(op=qml.Z(0))], shots=1000)
    tapes, post = qml.defer_measurements(deferred)
    counts = post([simulate(t, rng=onp.random.default_rng(1)) for t in tapes])
    assert sum(counts.values()) == 754
