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


def test_spsa_differentiates_an_exponential_of_a_pauli_word():
    """``qml.exp(Y, 1j x)`` on a tape traced with autograd boxes (``spsa``) is the rotation
    ``RY(-2x)`` (was a TypeError from ``complex()`` of the box): <Z> = cos 2x, and with one
    parameter the simultaneous perturbation is the central difference, -2 sin 2x."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="spsa", gradient_kwargs={"sampler_rng": 3})
    def c(x):
        qml.exp(qml.PauliY(0), 1j * x[0])
        return qml.expval(qml.PauliZ(0))

    x = 0.4
    assert c(np.array([x])) == pytest.approx(onp.cos(2 * x))
    jac = qml.jacobian(c)(np.array([x], requires_grad=True))
    onp.testing.assert_allclose(jac, [-2 * onp.sin(2 * x)], atol=1e-8)


def test_hadamard_refuses_expval_of_a_mid_circuit_measurement():
    """The Hadamard test of ``expval(m)`` is refused with what to do (was a TypeError);
    ``probs(op=m)`` is differentiated: p(m=1) = sin^2(x1/2) after RX(x1)."""
    dev = qml.device("default.qubit", wires=3)

    def make(kind):
        @qml.qnode(dev, diff_method="hadamard", gradient_kwargs={"aux_wire": 2})
        def c(x):
            qml.RX(x[1], 0)
            m = qml.measure(0, reset=True)
            qml.RY(x[0], 0)
            return qml.expval(m) if kind == "expval" else qml.probs(op=m)
        return c

    x = np.array([0.4, 0.3], requires_grad=True)
    with pytest.raises(qml.DifferentiationError, match="probs\\(op=m\\)"):
        qml.jacobian(make("expval"))(x)
    d = onp.sin(0.3) / 2
    onp.testing.assert_allclose(qml.jacobian(make("probs"))(x), [[0, -d], [0, d]], atol=1e-8)


def test_exp_of_a_pauli_word_broadcasts():
    """``qml.exp(P, 1j * x)`` with a batch of ``x`` is a broadcast rotation (was a TypeError
    converting the array to one complex number): <Z0> = cos 2x for exp(i x Y0 X1) |00>."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.exp(qml.PauliY(0) @ qml.PauliX(1), 1j * x)
        return qml.expval(qml.PauliZ(0))

    x = onp.array([0.1, 0.4, 1.0])
    onp.testing.assert_allclose(c(np.array(x)), onp.cos(2 * x), atol=1e-12)


def test_exp_broadcasts_next_to_another_batched_gate():
    """``qml.exp(P, 1j * x[..., 1])`` beside ``RX(x[..., 2])``: each batch element's angle
    is traced (was refused: the angle was baked in as element 0's number).
    <Z0> = cos 2 x1 for exp(i x1 Y0) |0>, <Z1> = cos x2."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.exp(qml.PauliY(0), 1j * x[..., 1])
        qml.RX(x[..., 2], wires=1)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))

    xb = onp.array([[-3.1, 4.9, 6.3], [0.2, 3.0, 1.0], [0.5, 2.0, 0.7]])
    z0, z1 = c(np.array(xb))
    onp.testing.assert_allclose(z0, onp.cos(2 * xb[:, 1]), atol=1e-12)
    onp.testing.assert_allclose(z1, onp.cos(xb[:, 2]), atol=1e-12)


def test_hadamard_gradient_through_a_decomposition_with_a_fixed_angle():
    """``adjoint(U2)`` decomposes with U2's fixed pi/2 (a sympy number): the Hadamard
    gradient reads it as a constant (was a TypeError from autograd). After RX(0.3),
    U2(phi, delta)^dagger gives <Z> = -sin(0.3) sin(phi)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="hadamard", gradient_kwargs={"aux_wire": 1})
    def c(x):
        qml.RX(0.3, 0)
        qml.adjoint(qml.U2)(x[0], x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    phi, delta = 0.4, 0.7
    x = np.array([phi, delta], requires_grad=True)
    assert c(x) == pytest.approx(-onp.sin(0.3) * onp.sin(phi))
    onp.testing.assert_allclose(qml.jacobian(c)(x), [-onp.sin(0.3) * onp.cos(phi), 0], atol=1e-10)


def _ones(indices, num_params, *_, rng=None):
    """An SPSA direction of +1 on every perturbed parameter (a deterministic ``sampler``)."""
    d = onp.zeros(num_params)
    d[list(indices)] = 1.0
    return d


def test_spsa_perturbs_the_decomposed_power_as_pennylane():
    """``qml.pow(RY(x), 3)`` has no gradient method of its own in PennyLane: its ``spsa_grad``
    decomposes it to ``RY(3x)`` and perturbs ``3x`` (was ``x``, so the same ``sampler_rng``
    gave another estimate than PennyLane's). With direction (1, 1) and the center stencil,
    the estimate is ``D = (f(a+h, 3b+h) - f(a-h, 3b-h)) / 2h`` for both expanded
    parameters, and by the chain rule ``[D, 3D]`` by the arguments (a, b)."""
    dev = qml.device("default.qubit", wires=2)
    h = 1e-2

    @qml.qnode(dev, diff_method="spsa", gradient_kwargs={"sampler": _ones, "h": h})
    def c(x):
        qml.RX(x[0], wires=0)
        qml.pow(qml.RY(x[1], wires=1), 3)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    a, b = 0.4, -0.7
    f = lambda u, v: onp.cos(u) * onp.cos(v)  # <Z0 Z1> of RX(u), RY(v)
    d = (f(a + h, 3 * b + h) - f(a - h, 3 * b - h)) / (2 * h)
    jac = qml.jacobian(c)(np.array([a, b], requires_grad=True))
    onp.testing.assert_allclose(jac, [d, 3 * d], atol=1e-10)


def test_spsa_grad_tape_expands_powers_as_pennylane():
    """On a tape, ``spsa_grad`` shifts the decomposed power's parameter ``3b`` (PennyLane's
    expansion of an operation whose data require gradients), and its Jacobian is by the
    expanded tape's parameters. Of plain floats PennyLane 0.45.1 keeps the power and refuses
    it (its grad_method None: "Cannot differentiate with respect to parameter(s) [1]", run
    in /work/plvenv)."""
    a, b, h = 0.4, -0.7, 1e-2
    plain = qml.tape.QuantumScript([qml.RX(a, 0), qml.pow(qml.RY(b, wires=1), 3)],
                                   [qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))])
    with pytest.raises(ValueError, match=r"Cannot differentiate with respect to parameter\(s\) \[1\]"):
        qml.gradients.spsa_grad(plain, sampler=_ones, h=h)
    t = qml.tape.QuantumScript([qml.RX(np.array(a), 0), qml.pow(qml.RY(np.array(b), wires=1), 3)],
                               [qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))])
    tapes, fn = qml.gradients.spsa_grad(t, sampler=_ones, h=h)
    got = sorted([round(float(p), 12) for p in tt.get_parameters()] for tt in tapes)
    assert got == sorted([[round(a + s * h, 12), round(3 * b + s * h, 12)] for s in (1, -1)])
    d = (onp.cos(a + h) * onp.cos(3 * b + h) - onp.cos(a - h) * onp.cos(3 * b - h)) / (2 * h)
    dev = qml.device("default.qubit", wires=2)
    onp.testing.assert_allclose(onp.array(fn(dev.execute(tapes)), dtype=float), [d, d], atol=1e-10)


def test_hamiltonian_of_repeated_words_with_another_measurement_under_shots():
    """A Hamiltonian whose terms are one word repeated, measured with another expectation
    under a shot vector, gives both measurements for each shot copy (PennyLane 0.45 drops
    the second one); ``X0`` of ``RX(x)|0>`` is 0 on average, ``Z2`` of ``|0>`` is 1 exactly."""
    dev = qml.device("default.qubit", wires=3, seed=1)

    @qml.set_shots(shots=[(100, 2), 300])
    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        H = qml.Hamiltonian([-1.0, 0.5, 0.25], [qml.X(0), qml.X(0), qml.X(0)])
        return qml.expval(H), qml.expval(qml.Z(2))

    r = c(np.array(0.3))
    assert len(r) == 3 and all(len(copy) == 2 for copy in r)
    assert all(float(copy[1]) == 1.0 for copy in r)
    assert all(abs(float(copy[0])) <= 0.25 + 1e-12 for copy in r)  # |sum c| |<X>| <= 0.25


def test_spsa_expands_a_power_in_a_circuit_with_a_mid_circuit_measurement():
    """The expansion is made on the tape autograd traces also where a mid-circuit
    measurement is deferred inside the QNode's recording (the decomposition's gates keep
    their autograd values: was a GateError caught, and ``b`` perturbed instead of ``b/2``).
    ``<Z1>`` of ``RX(a)`` on 0 then ``CRX(t)`` (0 controls 1) is
    ``cos^2(a/2) + sin^2(a/2) cos t``; ``CRX(b)**0.5`` is ``CRX(b/2)``: ``[D, D/2]``."""
    dev = qml.device("default.qubit")
    h = 1e-2

    @qml.qnode(dev, diff_method="spsa", gradient_kwargs={"sampler": _ones, "h": h})
    def c(x):
        qml.RX(x[0], wires=0)
        qml.measure(2)
        qml.pow(qml.CRX(x[1], wires=[0, 1]), 0.5)
        return qml.expval(qml.PauliZ(1))

    a, b = 0.4, -0.7
    f = lambda u, t: onp.cos(u / 2) ** 2 + onp.sin(u / 2) ** 2 * onp.cos(t)
    d = (f(a + h, b / 2 + h) - f(a - h, b / 2 - h)) / (2 * h)
    jac = qml.jacobian(c)(np.array([a, b], requires_grad=True))
    onp.testing.assert_allclose(jac, [d, d / 2], atol=1e-10)


def test_ctrl_of_a_function_records_controlled_gates_with_their_trainable_parameters():
    """``qml.ctrl(f, control)`` of a function records each gate ``f`` applies as
    ``qml.ctrl`` of that gate (PennyLane's ``Controlled(Rot(a, b, c))``, parameters a, b, c
    trainable), not as the controlled gates of its decomposition with plain angles (the tape
    listed none of them trainable, and a gradient transform of the tape had no derivative
    by them). On ``|1>|0>``, ``U3(a, b, c)`` gives ``<Z1> = cos a``."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.PauliX(wires=0)
        qml.ctrl(lambda v: qml.U3(v[0], v[1], v[2], wires=1), control=0)(x)
        return qml.expval(qml.PauliZ(1))

    a, b, g = 0.3, -0.4, 0.5
    tape = qml.workflow.construct_tape(c)(np.array([a, b, g], requires_grad=True))
    (op,) = [o for o in tape.operations if o.data]
    assert op.name == "C(U3)" and tape.trainable_params == [0, 1, 2]
    onp.testing.assert_allclose([float(p) for p in tape.get_parameters()], [a, b, g])
    tapes, fn = qml.gradients.finite_diff(tape, h=1e-7)
    onp.testing.assert_allclose(onp.array(fn(dev.execute(tapes)), dtype=float),
                                [-onp.sin(a), 0.0, 0.0], atol=1e-6)


def test_ctrl_of_a_controlled_gate_keeps_its_trainable_parameter():
    """``qml.ctrl(CRX(x, [1, 2]), 0, control_values=[False])`` is PennyLane's
    ``C(RX(x))`` on controls (0, 1): its base keeps the tensor ``x`` (was a plain number on
    the QNode's tape, not trainable). With wire 1 in ``|1>`` and wire 0 in ``|0>``,
    ``<Z2> = cos x``."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.PauliX(wires=1)
        qml.ctrl(qml.CRX(x[0], wires=[1, 2]), control=0, control_values=[False])
        return qml.expval(qml.PauliZ(2))

    x = 0.8
    tape = qml.workflow.construct_tape(c)(np.array([x], requires_grad=True))
    assert tape.operations[-1].name == "C(RX)" and tape.trainable_params == [0]
    tapes, fn = qml.gradients.finite_diff(tape, h=1e-7)
    onp.testing.assert_allclose(float(fn(dev.execute(tapes))), -onp.sin(x), atol=1e-6)


def test_spsa_qnode_without_measurements_is_refused():
    """A QNode run as a tape (``diff_method="spsa"``) whose function returns nothing raises
    PennyLane's error, as the other methods do (its Jacobian was an empty tuple)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="spsa")
    def c(x):
        qml.RX(x[0], wires=0)

    with pytest.raises(qml.QuantumFunctionError, match="nonempty sequence of measurements"):
        qml.jacobian(c)(np.array([0.3], requires_grad=True))


def test_impossible_postselection_after_a_conditional_gate_is_nan():
    """A postselection whose outcome is impossible (wire 2 is |0>, kept value 1) with a
    ``qml.cond`` gate on it: every value is NaN, as PennyLane's (the kept probability's
    rounding, ~1e-17, was divided into +-inf or arbitrary finite probabilities); first and
    second derivatives NaN too. A small but possible probability (sin^2(a/2), a = 1e-4)
    still gives the exact values of the renormalised state."""
    dev = qml.device("default.qubit")

    def make(diff_method="best", max_diff=1):
        @qml.qnode(dev, diff_method=diff_method, max_diff=max_diff)
        def c(x):
            m = qml.measure(2, postselect=1)
            qml.cond(m, qml.IsingXX)(x, wires=[0, 1])
            qml.RX(x, wires=0)
            qml.CH(wires=[2, 1])
            return qml.probs(wires=[2, 0])
        return c

    x = np.array(0.3, requires_grad=True)
    assert onp.isnan(make()(x)).all()
    assert onp.isnan(qml.jacobian(make("parameter-shift"))(x)).all()
    assert onp.isnan(qml.jacobian(qml.jacobian(make("parameter-shift", 2)))(x)).all()

    @qml.qnode(dev)
    def small(a):
        qml.RX(a, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.measure(0, postselect=1)
        return qml.probs(wires=[1]), qml.expval(qml.PauliZ(1))

    p, z = small(np.array(1e-4))
    onp.testing.assert_allclose(p, [0.0, 1.0], atol=1e-6)
    assert z == pytest.approx(-1.0, abs=1e-6)


def test_adjoint_of_a_function_applying_an_adjoint_keeps_its_parameter_trainable():
    """``qml.adjoint(f)`` where ``f`` applies ``qml.adjoint(qml.RY)(x)``: the tape holds
    PennyLane's ``Adjoint(Adjoint(RY(x)))``, ``x`` a trainable tape parameter (was
    ``Adjoint(RY(-x))`` with ``-x`` a plain number: no trainable parameter, so a gradient
    transform of the tape had nothing to differentiate). RY(x)|0>: <Z> = cos x, and the
    tape's parameter-shift gradient is -sin x."""
    dev = qml.device("default.qubit", wires=1)

    def body(x):
        qml.adjoint(qml.RY)(x, wires=0)

    @qml.qnode(dev)
    def c(x):
        qml.adjoint(body)(x)
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.7, requires_grad=True)
    tape = qml.workflow.construct_tape(c)(x)
    (op,) = tape.operations
    assert repr(op) == "Adjoint(Adjoint(RY(tensor(0.7, requires_grad=True), wires=[0])))"
    assert tape.trainable_params == [0]
    assert tape.get_parameters() == [pytest.approx(0.7)]
    tapes, fn = qml.gradients.param_shift(tape)
    assert fn(qml.execute(tapes, dev)) == pytest.approx(-onp.sin(0.7))
    assert c(x) == pytest.approx(onp.cos(0.7))
    assert qml.grad(c)(x) == pytest.approx(-onp.sin(0.7))


def _apply(psi, u, wires):
    """``u`` (2^k x 2^k) on qubits ``wires`` of the state tensor ``psi`` (one axis a qubit)."""
    k = len(wires)
    t = onp.tensordot(u.reshape((2,) * 2 * k), psi, axes=(list(range(k, 2 * k)), list(wires)))
    return onp.moveaxis(t, list(range(k)), list(wires))


def _controlled(u):
    return onp.block([[onp.eye(2), onp.zeros((2, 2))], [onp.zeros((2, 2)), u]])


def _var_coeffs_by_hand(x, second="Y"):
    """The oracle's circuit (seed 65, case 9 of ``coeffs``) written out in numpy, wire
    a = 'q0', b = -1, the two resets deferred by hand onto ancillas m, n (CNOT onto the
    ancilla, then CNOT back: the measured wire returns to |0>); an RY(x[0]) on a first makes
    the first measurement's outcome random. Returns Var(x[6] X_a X_b + x[7] P_a), P the
    Pauli ``second``."""
    X = onp.array([[0, 1], [1, 0]], complex)
    Y = onp.array([[0, -1j], [1j, 0]])
    H = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    cnot = _controlled(X)

    def ry(t):
        return onp.array([[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]])

    def rz(t):
        return onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])

    def excitation(t, phase):
        c, s = onp.cos(t / 2), onp.sin(t / 2)
        return onp.array([[phase, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, phase]])

    a, b, m, n = 0, 1, 2, 3
    psi = onp.zeros((2,) * 4, complex)
    psi[0, 0, 0, 0] = 1
    psi = _apply(psi, ry(x[0]), [a])
    psi = _apply(_apply(psi, cnot, [a, m]), cnot, [m, a])          # measure(a, reset=True)
    psi = _apply(psi, _controlled(Y), [a, b])                        # CY(a -> b)
    psi = _apply(_apply(psi, cnot, [b, n]), cnot, [n, b])          # measure(b, reset=True)
    psi = _apply(psi, excitation(x[1], onp.exp(-0.5j * x[1])), [b, a])  # SingleExcitationMinus
    psi = _apply(psi, excitation(x[2], 1.0), [b, a])                 # SingleExcitation
    psi = _apply(psi, rz(x[5]) @ ry(x[4]) @ rz(x[3]), [b])           # Rot
    psi = _apply(psi, _controlled(H), [a, b])                        # CH(a -> b)
    hpsi = x[6] * _apply(_apply(psi, X, [a]), X, [b]) + x[7] * _apply(psi, {"X": X, "Y": Y}[second], [a])
    mean = onp.vdot(psi, hpsi).real
    return onp.vdot(hpsi, hpsi).real - mean**2


def _hessian_by_differences(f, x, h=1e-4):
    n = len(x)
    out = onp.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = onp.eye(n)[i] * h, onp.eye(n)[j] * h
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return out


@pytest.mark.parametrize("first, second", [(0.0, "Y"), (1.1, "Y"), (1.1, "X")])
@pytest.mark.parametrize("method", ["best", "parameter-shift", "backprop", "adjoint"])
def test_hessian_of_a_variance_with_trainable_coefficients_after_resets(first, second, method):
    """The differential oracle's case (seed 65, case 9 of ``coeffs``): the Hessian of
    Var(c0 X_a X_b + c1 Y_a) after two mid-circuit measurements with reset. The two terms
    anticommute, so H^2 = (c0^2 + c1^2) 1 and with RY(0) first (both measurements give 0)
    Var = c0^2 + c1^2 exactly: Hessian 2 on the coefficients' diagonal, 0 elsewhere.
    PennyLane 0.45's backprop Hessian there is wrong (asymmetric, up to 0.25 off: it
    differentiates the eigendecomposition of the degenerate H, benchmarks/pl_fault_var_degenerate.py);
    qsym's is checked against that closed form and against central differences of the
    circuit written out by hand in numpy (the resets deferred onto ancillas); with X_a for
    Y_a (commuting terms, <H> != 0) the gates' angles enter the Hessian too."""
    dev = qml.device("default.qubit")

    @qml.qnode(dev, diff_method=method, max_diff=2)
    def c(x):
        qml.RY(x[0], wires="q0")
        qml.measure("q0", reset=True)
        qml.CY(wires=["q0", -1])
        qml.measure(-1, reset=True)
        qml.SingleExcitationMinus(x[1], wires=[-1, "q0"])
        qml.SingleExcitation(x[2], wires=[-1, "q0"])
        qml.Rot(x[3], x[4], x[5], wires=-1)
        qml.CH(wires=["q0", -1])
        H = qml.dot([x[6], x[7]], [qml.PauliX("q0") @ qml.PauliX(-1), getattr(qml, "Pauli" + second)("q0")])
        return qml.var(H)

    x = onp.array([first, 1.62528759, -1.06825212, 2 * onp.pi, -5.20732928, -4.92383038,
                   -0.93214962, 1.27346096e-03 if second == "Y" else 0.8])
    if method == "parameter-shift":
        # PennyLane 0.45.1 (run in /work/plvenv) refuses it, at the value call too: its
        # parameter shift splits trainable observables into terms, which a variance cannot
        for call in (lambda: c(np.array(x)),
                     lambda: qml.jacobian(qml.jacobian(c))(np.array(x, requires_grad=True))):
            with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coeff"):
                call()
        return
    hess = qml.jacobian(qml.jacobian(c))(np.array(x, requires_grad=True))
    assert float(c(np.array(x))) == pytest.approx(_var_coeffs_by_hand(x, second), abs=1e-12)
    expected = _hessian_by_differences(lambda v: _var_coeffs_by_hand(v, second), x)
    onp.testing.assert_allclose(hess, expected, atol=2e-6)
    if second == "X":
        assert abs(expected[:6, :6]).max() > 0.1  # the angles' second derivatives are checked
    if first == 0.0:
        onp.testing.assert_allclose(hess, onp.diag([0.0] * 6 + [2.0, 2.0]), atol=1e-9)


def _kept_on_wire_0(a, b):
    """Wire 0 kept at 1 (probability sin^2(a/2)), wire 1 RX(0.4) RY(b)|0> when it is."""
    qml.RX(a, wires=0)
    qml.CRY(b, wires=[0, 1])
    qml.RX(0.4, wires=1)
    qml.measure(0, postselect=1)


def _postselected_circuit(dev, **kw):
    @qml.qnode(dev, **kw)
    def c(a, b):
        _kept_on_wire_0(a, b)
        return (qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliX(1)), qml.var(qml.PauliX(1)),
                qml.probs(wires=[1]))
    return c


def _kept_closed_form(b):
    """Wire 1 when wire 0 is kept at 1: RX(0.4) RY(b) |0>; <Z>, <X>, Var X, probs."""
    psi = onp.array([onp.cos(b / 2), onp.sin(b / 2)], complex)
    psi = onp.array([[onp.cos(0.2), -1j * onp.sin(0.2)], [-1j * onp.sin(0.2), onp.cos(0.2)]]) @ psi
    z = abs(psi[0]) ** 2 - abs(psi[1]) ** 2
    x = 2 * (onp.conj(psi[0]) * psi[1]).real
    return z, x, 1 - x * x, abs(psi) ** 2


@pytest.mark.parametrize("p", [1e-4, 1e-8, 1e-10])
def test_postselected_values_at_a_small_kept_probability(p):
    """RX(a) with sin^2(a/2) = p keeps wire 0's outcome 1 with probability p; the kept
    state of wire 1 is RX(0.4) RY(b)|0> whatever p. qsym's values are ratios of rows whose
    rounding is absolute: the documented relative error is about 1e-16 / p (docs/pennylane.md,
    qsym._shapes.POSTSELECTION_ATOL; PennyLane renormalises the projected state: ~1e-16)."""
    a, b = 2 * onp.arcsin(onp.sqrt(p)), 1.3
    z, x, v, probs = _kept_closed_form(b)
    got = _postselected_circuit(qml.device("default.qubit"))(a, b)
    rtol = 1e-12 + 1e-15 / p
    assert float(got[0]) == pytest.approx(z, rel=rtol)
    assert float(got[1]) == pytest.approx(x, rel=rtol)
    assert float(got[2]) == pytest.approx(v, rel=10 * rtol)
    onp.testing.assert_allclose(got[3], probs, rtol=rtol)


def test_postselection_threshold_is_one_rule_on_both_sides():
    """One rule (qsym._shapes.POSTSELECTION_ATOL = 1e-12) for an impossible outcome, with
    and without shots: kept probability 1e-11 gives the renormalised state's values (no
    shots: to the 1e-16 / p bound; "fill-shots": every shot from it, so wire 1's sample
    mean estimates <Z>; "hw-like": a binomial number of shots, here none), the reduced
    density matrix too; 1e-13 gives NaN values, NaN density matrix, no kept shot with
    "hw-like" and PostselectionError with "fill-shots" (was: values down to 1e-15 there)."""
    b = 1.3
    z, x, v, probs = _kept_closed_form(b)
    dev = qml.device("default.qubit", seed=7)
    above, below = 2 * onp.arcsin(onp.sqrt(1e-11)), 2 * onp.arcsin(onp.sqrt(1e-13))
    c = _postselected_circuit(dev)
    got = c(above, b)
    assert float(got[0]) == pytest.approx(z, rel=1e-3) and float(got[1]) == pytest.approx(x, rel=1e-3)
    assert onp.isnan(onp.hstack([onp.ravel(g) for g in c(below, b)])).all()

    @qml.qnode(dev)
    def dm(a):
        _kept_on_wire_0(a, b)
        return qml.density_matrix(wires=[1])

    onp.testing.assert_allclose(onp.diag(dm(above)).real, probs, atol=1e-9)
    assert onp.isnan(dm(below)).all()

    def sampled(a, mode):
        @qml.qnode(dev, postselect_mode=mode, mcm_method="deferred")
        def s(a):
            _kept_on_wire_0(a, b)
            return qml.sample(wires=[1])
        return qml.set_shots(s, shots=2000)(a)

    kept = onp.asarray(sampled(above, "fill-shots")).ravel()
    assert kept.size == 2000 and abs((1 - 2 * kept.mean()) - z) < 6 * onp.sqrt((1 - z * z) / 2000)
    assert onp.asarray(sampled(above, "hw-like")).size == 0  # binomial(2000, 1e-11): none
    assert onp.asarray(sampled(below, "hw-like")).size == 0
    with pytest.raises(qml.errors.PostselectionError, match="probability of the postselected"):
        sampled(below, "fill-shots")


def test_controlled_global_phase_on_two_controls_is_pennylanes_controlled_op():
    """``qml.ctrl`` of ``GlobalPhase(t)`` on two controls is PennyLane's
    ``Controlled(GlobalPhase(t))`` on the controls and the target, its data the tensor t,
    as on one or three controls (it was ``ControlledPhaseShift(-t)`` on the controls with
    the tensor t as data: the tape's parameter had the wrong sign, so the tape executed gave
    the negated value, +0.00838 for -0.00838 here, and ``spsa``, perturbing the tape's
    parameters, another estimate than PennyLane's). Found by the oracle (seed 66, case 31
    of ``block``)."""
    dev = qml.device("default.qubit", wires=3)

    def body(v):
        qml.RY(v[0], wires=0)
        qml.GlobalPhase(v[1], wires=0)

    @qml.qnode(dev)
    def c(v):
        qml.RX(0.4, wires=1)
        qml.RY(0.3, wires=2)
        qml.ctrl(body, control=[1, 2])(v)
        qml.CNOT(wires=[2, 1])
        qml.RX(0.2, wires=2)
        return qml.expval(qml.PauliX(1) @ qml.PauliY(2))

    x = np.array([0.3, 0.7], requires_grad=True)
    tape = qml.workflow.construct_tape(c)(x)
    op = tape.operations[-3]
    assert repr(op) == ("Controlled(GlobalPhase(tensor(0.7, requires_grad=True), wires=[0]), "
                        "control_wires=[1, 2])")
    assert list(op.wires) == [1, 2, 0] and float(op.data[0]) == pytest.approx(0.7)
    assert tape.trainable_params == [2, 3]
    # exp(-i t) where both controls are 1 (basis order wires 1, 2, 0)
    onp.testing.assert_allclose(qml.matrix(op), onp.diag([1] * 6 + [onp.exp(-0.7j)] * 2), atol=1e-12)
    for k in ([1], [1, 2, 3]):
        assert repr(qml.ctrl(qml.GlobalPhase(0.7, wires=0), control=k)).startswith("Controlled(GlobalPhase")
    assert float(qml.execute([tape], dev)[0]) == pytest.approx(float(c(x)), abs=1e-12)
    tapes, fn = qml.gradients.param_shift(tape)
    onp.testing.assert_allclose(onp.array(fn(qml.execute(tapes, dev))), qml.jacobian(c)(x), atol=1e-9)


@pytest.mark.parametrize("method", ["finite-diff", "parameter-shift", "backprop"])
def test_hessian_of_coefficients_written_with_operator_arithmetic(method):
    """Coefficients that are circuit parameters, written with operator arithmetic (``x1 *
    Z + x2 * X``, a box plus and minus an operator): the Hessian with ``max_diff=2`` by every
    method. Finite differences run the tapes under two autograd boxes, and ``box * op``
    was autograd's ``np.multiply`` of the number and the operator, an SProd autograd cannot
    box (a TypeError); ``box + op`` a MeasurementError. Found by the oracle (seed 71, case 0
    of ``arith``). <psi|Z|psi> = cos x0 and <psi|X|psi> = 0 after RX(x0)."""
    dev = qml.device("default.qubit", wires=1)
    kw = {"gradient_kwargs": {"h": 1e-4, "approx_order": 2}} if method == "finite-diff" else {}

    @qml.qnode(dev, diff_method=method, max_diff=2, **kw)
    def c(x):
        qml.RX(x[0], wires=0)
        H = x[1] * qml.PauliZ(0) + x[2] * qml.PauliX(0)
        return qml.expval(H), qml.expval(x[2] - x[1] * qml.PauliZ(0) + (x[1] + qml.PauliX(0)))

    x0, x1, x2 = 0.3, 0.7, -0.4
    x = np.array([x0, x1, x2], requires_grad=True)
    # f = x1 cos x0; g = x2 - x1 cos x0 + x1
    onp.testing.assert_allclose(c(x), [x1 * onp.cos(x0), x2 - x1 * onp.cos(x0) + x1], atol=1e-12)
    hess = qml.jacobian(qml.jacobian(lambda v: qml.math.stack(c(v))))(x)
    f_hess = [[-x1 * onp.cos(x0), -onp.sin(x0), 0], [-onp.sin(x0), 0, 0], [0, 0, 0]]
    onp.testing.assert_allclose(hess[0], f_hess, atol=1e-6)
    onp.testing.assert_allclose(hess[1], -onp.array(f_hess), atol=1e-6)


def test_an_autograd_box_times_an_operator_is_a_scaled_operator():
    """``box * op`` under autograd is the operator scaled by the box (the operator's
    ``__rmul__``, as NumPy's arrays defer to it; was autograd's ``np.multiply``, an SProd
    it cannot box: a TypeError); ``box + op`` and ``box - op`` add a multiple of the
    identity with the box as its coefficient."""
    import autograd

    seen = []

    def f(c):
        op = c * qml.PauliZ(0)
        seen.append((type(op).__name__, op.scalar is c))
        s = c - qml.PauliX(0) + c
        seen.append(sorted(type(o).__name__ for o in s.operands))
        return 3.0 * op.scalar

    assert autograd.grad(f)(0.5) == pytest.approx(3.0)
    assert seen[0] == ("SProd", True)
    assert seen[1] == ["SProd", "SProd", "SProd"]


def test_matrix_of_a_sum_with_autograd_coefficients_is_differentiable():
    """``qml.matrix`` of an operator whose coefficients are autograd values keeps them
    (was ``complex(box)``: a TypeError). M = c0 Z(x)I + c1 X(x)Y: M[0,0] = c0, M[3,3] = -c0,
    M[1,2] = <0|X|1><1|Y|0> = i c1, so M[0,0] + Im M[1,2] + M[3,3] = c1."""

    def f(c):
        M = qml.matrix(c[0] * qml.PauliZ(0) + c[1] * (qml.PauliX(0) @ qml.PauliY(1)), wire_order=[0, 1])
        return qml.math.real(M[0, 0] + qml.math.imag(M[1, 2]) + M[3, 3])

    c = np.array([0.5, 0.8], requires_grad=True)
    assert float(f(c)) == pytest.approx(0.8)
    onp.testing.assert_allclose(qml.grad(f)(c), [0.0, 1.0], atol=1e-12)


def _hessian_circuit():
    """A constant two-wire AngleEmbedding before RX(x0^2), RY(x1) and constant RZ's: the
    template expands to two gate parameters, so the tape's parameter positions are not the
    recorded operations' (the curvature term must read the expanded ones)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift", max_diff=2)
    def c(x):
        qml.AngleEmbedding(onp.array([0.2, 0.5]), wires=[0, 1])
        qml.RX(x[0] ** 2, wires=0)
        qml.RY(x[1], wires=1)
        qml.RZ(0.3, wires=0)
        qml.RZ(0.4, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    return dev, c


def test_param_shift_hessian_of_a_qnode_reads_the_expanded_tapes_parameters():
    """``param_shift_hessian`` of a QNode on its tapes (a ``qml.Tracker`` counting them)
    adds ``df/dtheta d2theta/dx2`` for a parameter nonlinear in its argument; the second
    derivatives were read at the positions of the recorded operations, not the template-
    expanded tape's (here RY(x1) and RZ(0.3) instead of RX(x0^2) and RY(x1): no curvature
    found, d2f/dx0^2 silently missed the -2 sin(a) term). Closed form: f = cos(a) cos(0.5)
    cos(x1), a = 0.2 + x0^2."""
    dev, c = _hessian_circuit()
    x0, x1 = 0.7, -0.4
    a = 0.2 + x0**2
    k = onp.cos(0.5)
    want = [[(-onp.cos(a) * 4 * x0**2 - 2 * onp.sin(a)) * k * onp.cos(x1), 2 * x0 * onp.sin(a) * k * onp.sin(x1)],
            [2 * x0 * onp.sin(a) * k * onp.sin(x1), -onp.cos(a) * k * onp.cos(x1)]]
    x = np.array([x0, x1], requires_grad=True)
    with qml.Tracker(dev) as tracker:
        got = qml.gradients.param_shift_hessian(c)(x)
    assert tracker.totals["executions"] > 0  # the tapes ran (not the compiled Hessian)
    onp.testing.assert_allclose(onp.asarray(got), want, atol=1e-8)


def test_param_shift_hessian_with_argnum_refuses_a_nonlinear_parameter_behind_a_template():
    """With ``argnum`` the curvature term cannot be added: refused, also where a template
    comes first (the curvature was read at the wrong positions, found none, and the Hessian
    without it was returned)."""
    _, c = _hessian_circuit()
    with pytest.raises(qml.DifferentiationError, match="nonlinearly"):
        qml.gradients.param_shift_hessian(c, argnum=[0, 1])(np.array([0.7, -0.4], requires_grad=True))


def _amplitudes(x):
    qml.AmplitudeEmbedding(x, wires=[0], normalize=True)
    return qml.expval(qml.PauliZ(0))


def test_spsa_differentiates_trainable_amplitudes_and_hadamard_refuses_them():
    """``diff_method="spsa"``/``"hadamard"`` run the QNode as a tape under autograd; an
    ``AmplitudeEmbedding`` (a ``StatePrep``) of trainable features raised a TypeError
    there. spsa now differentiates it through Moettoenen's gates with autograd angles as
    PennyLane does (stop 64, pl64a: PennyLane 0.45.1 gives [1.1781411, 0.64262242] with
    sampler_rng=1, the exact derivative here: one angle); the Hadamard test is refused with
    qsym's DifferentiationError naming the methods that work (PennyLane answers it: a
    known difference). Backprop checked by hand: d<Z>/dx of the normalized (x0, x1) is
    (4 x0 x1^2, -4 x0^2 x1)/|x|^4."""
    dev = qml.device("default.qubit", wires=2)
    x = np.array([0.6, -1.1], requires_grad=True)
    n2 = 0.6**2 + 1.1**2
    exact = [4 * 0.6 * 1.1**2 / n2**2, -4 * 0.6**2 * -1.1 / n2**2]
    spsa = qml.QNode(_amplitudes, dev, diff_method="spsa", gradient_kwargs={"sampler_rng": 1})
    onp.testing.assert_allclose(qml.jacobian(spsa)(x), [1.1781411, 0.64262242], atol=1e-7)
    with pytest.raises(qml.DifferentiationError, match="parameter-shift"):
        qml.jacobian(qml.QNode(_amplitudes, dev, diff_method="hadamard"))(x)
    onp.testing.assert_allclose(qml.jacobian(qml.QNode(_amplitudes, dev, diff_method="backprop"))(x),
                                exact, atol=1e-10)


def test_param_shift_of_a_power_at_zero_is_not_the_base_gates_rule():
    """``qml.pow(RX(t), 2)`` applies RX(2t): twice the frequency. Its shift gate was found by
    comparing values, and at t = 0 the written RX(2t) = RX(0) looked like RX(t): the base
    rule (shifts +-pi/2 of t) gave 0 silently. <Y> after RY(a), RX(2t) is -cos(a) sin(2t),
    so d/dt at 0 is -2 cos(a) != 0: the tape transform now refuses the power at t = 0 as
    at every other t (no rule of its own; ``lazy=False`` writes the gate)."""
    a = 0.4
    ops = [qml.RY(a, 0), qml.pow(qml.RX(0.0, 0), 2)]
    t = qml.tape.QuantumScript(ops, [qml.expval(qml.PauliY(0))])
    t.trainable_params = [1]
    with pytest.raises(qml.DifferentiationError, match="lazy=False"):
        qml.gradients.param_shift(t)
    t2 = qml.tape.QuantumScript([qml.RY(a, 0), qml.pow(qml.RX(0.0, 0), 2, lazy=False)],
                                [qml.expval(qml.PauliY(0))])
    t2.trainable_params = [1]
    tapes, fn = qml.gradients.param_shift(t2)
    # the written RX(2t)'s own parameter 2t: d<Y>/d(2t) at 0 is -cos(a)
    onp.testing.assert_allclose(fn(qml.execute(tapes, qml.device("default.qubit"))), -onp.cos(a), atol=1e-12)


def test_param_shift_hessian_on_tapes_of_a_power_at_zero_refuses():
    """The QNode's ``param_shift_hessian`` on its tapes (a Tracker) of ``pow(MultiRZ(t), 2)``
    at t = 0 returned zeros (the mixed entry is 2 cos(x0), below); now the refusal it gives
    at t != 0."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="parameter-shift", max_diff=2)
    def c(x):
        qml.RY(x[0], wires=0)
        qml.pow(qml.MultiRZ(x[1], wires=[0]), 2)
        qml.SX(wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.4, 0.0], requires_grad=True)
    # Bloch vector after RY(x0), RZ(2 x1): (sin x0 cos 2x1, sin x0 sin 2x1, cos x0); SX
    # (RX(pi/2)) sends y to z: f = sin(x0) sin(2 x1), d2f/dx0 dx1 at x1 = 0 is 2 cos(x0)
    onp.testing.assert_allclose(qml.jacobian(qml.jacobian(c))(x)[0, 1], 2 * onp.cos(0.4), atol=1e-8)
    with qml.Tracker(dev), pytest.raises(qml.DifferentiationError, match="lazy=False"):
        qml.gradients.param_shift_hessian(c)(x)


def test_a_powers_frequencies_scale_with_the_exponent():
    """``U(t)**z`` is ``U(z t)``: by ``t`` its frequencies are ``|z|`` times the gate's
    (PennyLane's, from the generator ``z G``); they were the written gate's by its own
    parameter (RX**2: 1 instead of 2), and the second-order shift rule built from them
    silently gave 0 for d2/dt2 of sin(a) sin(2t) (RY(a), MultiRZ(t)**2, SX measuring Z:
    the Bloch vector's y, sin(a) sin(2t), rotated to z), -4 sin(a) sin(2t)."""
    with qml.tape.QuantumTape() as tape:
        qml.pow(qml.RX(0.3, wires=0), 2)
        qml.pow(qml.RX(0.3, wires=0), -0.5)
        qml.pow(qml.IsingXX(0.3, wires=[0, 1]), 3)
    assert [op.parameter_frequencies for op in tape.operations] == [[(2.0,)], [(0.5,)], [(3.0,)]]
    a, t = 0.4, 0.3
    tape = qml.tape.QuantumScript([qml.RY(a, 0), qml.pow(qml.MultiRZ(t, wires=[0]), 2), qml.SX(0)],
                                  [qml.expval(qml.PauliZ(0))])
    tape.trainable_params = [1]
    tapes, fn = qml.gradients.param_shift_hessian(tape)
    got = fn(qml.execute(tapes, qml.device("default.qubit")))
    onp.testing.assert_allclose(got, -4 * onp.sin(a) * onp.sin(2 * t), atol=1e-10)


def test_param_shift_hessian_of_a_global_phase_is_zero():
    """A ``GlobalPhase``'s shift recipes have no rows (no frequencies): the Hessian's
    diagonal entry raised an IndexError and its off-diagonal ones a ValueError from
    ``np.stack`` (PennyLane's tape transform fails alike; its QNode answers). An
    expectation does not see a global phase: its entries are 0, and the RX entry is
    d2 cos(t)/dt2 = -cos(t)."""
    t = qml.tape.QuantumScript([qml.GlobalPhase(0.3), qml.RX(0.5, 0)], [qml.expval(qml.PauliZ(0))])
    t.trainable_params = [0, 1]
    tapes, fn = qml.gradients.param_shift_hessian(t)
    got = onp.asarray(fn(qml.execute(tapes, qml.device("default.qubit"))))
    onp.testing.assert_allclose(got, [[0.0, 0.0], [0.0, -onp.cos(0.5)]], atol=1e-12)


def test_a_power_of_a_several_parameter_gate_has_no_frequencies():
    """Only a power of a one-parameter gate has frequencies (|z| times the gate's): a
    power of ``Rot`` refuses, as PennyLane's ``Pow(Rot)`` does (no generator), while the
    same power of ``RX`` has RX's."""
    from qsym.exceptions import ParameterFrequenciesUndefinedError

    with qml.tape.QuantumTape() as tape:
        qml.pow(qml.Rot(0.1, 0.2, 0.3, wires=0), 1)
        qml.pow(qml.RX(0.3, wires=0), 1)
    with pytest.raises(ParameterFrequenciesUndefinedError, match="one-parameter gate"):
        tape.operations[0].parameter_frequencies
    assert tape.operations[1].parameter_frequencies == [(1.0,)]


def test_matrix_of_an_operator_made_in_a_circuit_is_not_applied():
    """``qml.matrix(op)`` of an operator made in a circuit takes it off the queue (PennyLane's
    rule): neither the gate nor a product of gates written as its argument is applied (both
    were: |11> instead of |00>), and the matrix may be applied by ``QubitUnitary``:
    ``H(0)`` then ``RY(x)`` on wire 1 gives probabilities (1/2)(cos^2, sin^2, cos^2, sin^2)(x/2)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c():
        qml.matrix(qml.PauliX(0))
        qml.matrix(qml.prod(qml.PauliX(1), qml.PauliY(0)))
        qml.matrix(qml.CNOT(wires=[0, 1]) @ qml.RX(0.3, wires=1))
        return qml.probs(wires=[0, 1])

    onp.testing.assert_allclose(c(), [1, 0, 0, 0], atol=1e-12)

    @qml.qnode(dev)
    def u(x):
        qml.Hadamard(0)
        qml.QubitUnitary(qml.matrix(qml.RY(x, wires=0)), wires=1)
        return qml.probs(wires=[0, 1])

    x = 0.5
    c2, s2 = onp.cos(x / 2) ** 2, onp.sin(x / 2) ** 2
    onp.testing.assert_allclose(u(x), [c2 / 2, s2 / 2, c2 / 2, s2 / 2], atol=1e-12)
    with qml.queuing.AnnotatedQueue() as q:
        qml.RX(0.2, wires=0)
        qml.matrix(qml.X(1) @ qml.Z(0))
    assert [op.name for op in q.queue] == ["RX"]


def test_finite_diff_of_a_variance_differences_the_variances():
    """PennyLane's ``finite_diff`` shifts the circuit and differences the measured results:
    after ``RX(x)``, ``var(Z) = sin^2 x``, so the forward difference of order 1 with step h is
    ``(sin^2(x + h) - sin^2 x) / h`` (0.98562; qsym differenced the moments and chained them,
    ``var' = d<Z^2> - 2<Z> d<Z>``, 0.98603, until issue fd56: qsym._shapes.finished_rows)."""
    x, h = 0.7, 1e-3

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="finite-diff",
               gradient_kwargs={"h": h, "approx_order": 1, "strategy": "forward"})
    def c(v):
        qml.RX(v, wires=0)
        return qml.var(qml.PauliZ(0))

    expected = (onp.sin(x + h) ** 2 - onp.sin(x) ** 2) / h
    assert abs(qml.grad(c)(np.array(x, requires_grad=True)) - expected) < 1e-9


def test_probs_of_two_measured_values_of_one_wire_has_four_entries():
    """``qml.probs(op=[a, b])`` of two mid-circuit measurements of one wire has a bit per value:
    shape (4,) (was (2,), the wires' count), so ``spsa`` (whose zero derivatives take that
    shape) no longer fails stacking them; on |0> both values are 0: probabilities (1, 0, 0, 0)
    for every x, a zero Jacobian."""
    dev = qml.device("default.qubit")

    @qml.qnode(dev, diff_method="spsa", gradient_kwargs={"sampler_rng": 1})
    def c(x):
        a = qml.measure(0)
        b = qml.measure(0)
        qml.RY(x[0], wires=1)
        return qml.expval(qml.Z(1)), qml.probs(op=[a, b])

    x = np.array([0.3, 0.5], requires_grad=True)
    tape = qml.workflow.construct_tape(c)(x)
    assert tape.measurements[1].shape(None, 2) == (4,)
    onp.testing.assert_allclose(c(x)[1], [1, 0, 0, 0], atol=1e-12)
    jac = qml.jacobian(lambda v: qml.math.hstack([qml.math.ravel(r) for r in c(v)]))(x)
    assert jac.shape == (5, 2)
    onp.testing.assert_allclose(jac[1:], onp.zeros((4, 2)), atol=1e-9)  # (rounding / h)
