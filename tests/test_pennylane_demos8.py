"""What PennyLane's demos (eighth round, issue #18: demos no earlier round ran) needed,
written from PennyLane 0.45's documented semantics and checked by hand-written drawings and
hand-computed values."""
import numpy as np

import qsym as qml


def test_state_preparation_of_an_argument_is_drawn_as_a_box_with_the_other_boxes():
    """A ``StatePrep`` of a QNode argument is traced as its gates (a tree of ``RY`` and
    ``CNOT``) while the drawing's numeric run prepares the numbers as one matrix: the
    drawing still shows PennyLane's ``|Ψ⟩`` box, the adjoint of a function's gates with
    ``†`` and a multi-controlled gate with its dots (the signed-integer block-encoding
    demo drew the whole circuit as traced gates and a 16x16 ``U(M0)``)."""
    dev = qml.device("default.qubit", wires=["c", "s", "t", "a0", "a1"])

    def prep():
        qml.H("s")
        qml.S("t")

    @qml.qnode(dev)
    def circuit(state):
        qml.X("c")
        qml.StatePrep(state, wires=["a0", "a1"])
        prep()
        qml.ctrl(qml.Z("t"), control=["c", "s", "a0"], control_values=[1, 1, 0])
        qml.adjoint(prep)()
        return qml.state()

    state = np.array([1.0, 1.0, 1.0, -1.0]) / 2
    expected = (
        " c: ──X───╭●─────┤  State\n"
        " s: ──H───├●──H†─┤  State\n"
        " t: ──S───├Z──S†─┤  State\n"
        "a0: ─╭|Ψ⟩─╰○─────┤  State\n"
        "a1: ─╰|Ψ⟩────────┤  State"
    )
    assert qml.draw(circuit)(state) == expected
    # the drawing does not change what runs: amplitudes by hand. X on c, |+> on s, S|0> = |0>
    # on t, the state on (a0, a1); the controlled Z acts on |t=0> (no sign), the adjoint
    # gates undo H and S: the result is |1, 0, 0> (x) state
    out = circuit(state)
    want = np.zeros(32)
    want[16:20] = state  # c=1, s=0, t=0, then (a0, a1)
    np.testing.assert_allclose(out, want, atol=1e-12)


def test_measurements_of_no_wires_are_drawn_on_the_wires_the_gates_use():
    """``qml.state()``, ``qml.probs()`` and ``qml.sample()`` written without wires have no
    wires on PennyLane's tape: the drawing shows the wires the gates use (also on a device
    of more wires), not all of the device's; measurements with wires keep theirs."""
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def state():
        qml.X(1)
        return qml.state()

    @qml.qnode(dev)
    def two():
        qml.X(1)
        return qml.expval(qml.Z(0)), qml.sample()

    @qml.qnode(dev)
    def probs_all():
        qml.X(1)
        return qml.probs(wires=[0, 1, 2, 3])

    assert qml.draw(state)() == "1: ──X─┤  State"
    assert qml.draw(two)() == "0: ────┤  <Z>  Sample\n1: ──X─┤       Sample"
    assert qml.draw(probs_all)() == (
        "0: ────┤ ╭Probs\n1: ──X─┤ ├Probs\n2: ────┤ ├Probs\n3: ────┤ ╰Probs")
    assert qml.draw(state, show_all_wires=True)() == (
        "0: ────┤  State\n1: ──X─┤  State\n2: ────┤  State\n3: ────┤  State")


def test_adjoint_of_controlled_gates_is_drawn_with_its_label_on_every_wire():
    """PennyLane draws ``Adjoint(CNOT)``, ``Adjoint(CRX)``, ... as one box labelled on every
    wire, the control wires included (an ``Adjoint`` has no control dots), a label with
    parameters in parentheses: ``(RX(0.30))†``."""
    dev = qml.device("default.qubit", wires=3)

    def gates():
        qml.CNOT([0, 1])
        qml.ctrl(qml.H, control=0)(wires=1)
        qml.ctrl(qml.X(2), control=1, control_values=0)
        qml.Toffoli([0, 1, 2])
        qml.CRX(0.3, [0, 2])

    @qml.qnode(dev)
    def circuit():
        qml.adjoint(gates)()
        return qml.state()

    assert qml.draw(circuit)() == (
        "0: ─╭(RX(0.30))†─╭X†─────╭H†─╭X†─┤  State\n"
        "1: ─│────────────├X†─╭X†─╰H†─╰X†─┤  State\n"
        "2: ─╰(RX(0.30))†─╰X†─╰X†─────────┤  State")
    # the gates run are the adjoints, in reverse order; by hand on |010> (wire 1 set):
    # CRX and Toffoli and CH and CNOT need wire 0 set (no), the X on wire 2 needs wire 1
    # unset (no): |010> stays
    @qml.qnode(dev)
    def on_010():
        qml.X(1)
        qml.adjoint(gates)()
        return qml.probs()

    np.testing.assert_allclose(on_010()[0b010], 1.0, atol=1e-12)

    # the same where the drawing is the numeric run as recorded (a state of an argument)
    @qml.qnode(dev)
    def prepared(state):
        qml.StatePrep(state, wires=[1, 2])
        qml.adjoint(qml.CNOT)([0, 1])
        qml.adjoint(qml.CRX)(0.3, [0, 2])
        return qml.state()

    assert qml.draw(prepared)(np.array([0.6, 0.0, 0.0, 0.8])) == (
        "0: ──────╭X†─╭(RX(0.30))†─┤  State\n"
        "1: ─╭|Ψ⟩─╰X†─│────────────┤  State\n"
        "2: ─╰|Ψ⟩─────╰(RX(0.30))†─┤  State")


def test_a_controlled_gate_of_a_tensor_keeps_the_tensor():
    """``qml.ctrl`` of a gate made from a ``qsym.numpy`` tensor keeps the tensor in the
    controlled gate's data (PennyLane's), so ``qml.matrix`` of a quantum function is a
    tensor as PennyLane's (the QSVT demo prints ``tensor(0.5, requires_grad=True)``)."""
    from qsym import numpy as pnp

    t = pnp.array(0.4, requires_grad=True)

    def f(a):
        qml.ctrl(qml.PCPhase(a, dim=1, wires=[1]), control=0)

    U = qml.matrix(f, wire_order=[0, 1])(t)
    assert isinstance(U, pnp.tensor) and U.requires_grad
    # PCPhase(phi, dim=1) on one wire: diag(e^{i phi}, e^{-i phi}); controlled on wire 0
    want = np.diag([1, 1, np.exp(0.4j), np.exp(-0.4j)])
    np.testing.assert_allclose(np.asarray(U), want, atol=1e-12)
    assert not isinstance(qml.matrix(f, wire_order=[0, 1])(0.4), pnp.tensor)


def test_estimator_names_its_missing_resource_framework():
    """The demos that build their own ``qre.ResourceOperator`` (block encoding signed
    integers, phase-gradient rotations) get an ``AttributeError`` naming PennyLane's
    resource-tracking framework as not provided, not a bare missing attribute; the
    estimators qsym has stay."""
    import pytest

    with pytest.raises(AttributeError, match="resource-tracking framework"):
        qml.estimator.ResourceOperator
    assert not hasattr(qml.estimator, "estimate")
    assert callable(qml.estimator.estimate_shots)
    # 1 / 0.5^2: one group of coefficients (1.0), error 0.5 -> 4 shots
    assert qml.estimator.estimate_shots([np.array([1.0])], error=0.5) == 4


def test_drawing_a_circuit_that_draws_random_gates_advances_numpy_as_one_run():
    """``qml.draw`` records the circuit function once on the numbers, as PennyLane: random
    draws inside it are made there (qsym refused them in that run and drew the traced
    circuit instead, leaving NumPy's generator where it was), so the numbers drawn after
    the drawing are PennyLane's (the barren-gadgets demo draws its random ansatz, then its
    weights: every later cost differed)."""
    from qsym import numpy as pnp

    gate_set = [qml.RX, qml.RY, qml.RZ]

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(w):
        chosen = pnp.random.choice(gate_set, size=(2,))
        for i, gate in enumerate(chosen):
            gate.item()(w, wires=i)
        return qml.expval(qml.Z(0))

    pnp.random.seed(7)
    text = qml.draw(circuit)(0.5)
    after = pnp.random.rand()
    # the same draws by NumPy alone: the gates drawn, then the next number
    np.random.seed(7)
    names = [g.__name__ for g in np.random.choice(np.array(gate_set, dtype=object), size=(2,))]
    assert after == np.random.rand()
    assert text.startswith(f"0: ──{names[0]}(0.50)")
    assert f"1: ──{names[1]}(0.50)" in text


def test_gaussian_device_runs_measurements_on_shared_wires_one_by_one():
    """PennyLane's ``default.gaussian`` takes one measurement per tape; its legacy-device
    preprocessing splits a tape whose observables share wires into tapes of one each, so
    ``return qml.expval(qml.QuadX(0)), qml.expval(qml.QuadP(0))`` runs (the
    superconducting-qubits demo's circuits, their means measured together); measurements on
    different wires stay one tape, which the device refuses, as PennyLane's."""
    import pytest

    dev = qml.device("default.gaussian", wires=2)
    a, phi, rot = 0.5, 0.3, 0.2

    @qml.qnode(dev)
    def same_wire():
        qml.Displacement(a, phi, wires=0)
        qml.Rotation(rot, wires=0)
        return (qml.expval(qml.QuadX(0)), qml.expval(qml.QuadP(0)), qml.var(qml.QuadP(0)),
                qml.expval(qml.NumberOperator(0)), qml.expval(qml.QuadX(0)))

    # a coherent state |alpha>, alpha = a e^{i(phi + rot)}, hbar = 2: <x> = 2 Re alpha,
    # <p> = 2 Im alpha, Var(p) = 1, <n> = |alpha|^2
    x, p, vp, n, x_again = same_wire()
    np.testing.assert_allclose([x, p, vp, n, x_again],
                               [2 * a * np.cos(phi + rot), 2 * a * np.sin(phi + rot), 1.0,
                                a**2, 2 * a * np.cos(phi + rot)], atol=1e-12)

    @qml.qnode(dev)
    def two_wires():
        qml.Displacement(a, 0.0, wires=0)
        return qml.expval(qml.QuadX(0)), qml.expval(qml.QuadX(1))

    with pytest.raises(qml.exceptions.QuantumFunctionError, match="single measurements"):
        two_wires()


def test_approx_time_evolution_keeps_words_of_zero_coefficient():
    """PennyLane's ``ApproxTimeEvolution`` applies a ``PauliRot`` for every Pauli word of
    the Hamiltonian's ``pauli_rep``, one of coefficient 0 included (``PauliRot(0.0)``);
    qsym dropped it, so a QNode whose coefficients are ``cos(phi)``, ``sin(phi)`` of an
    argument recorded other gates at ``phi = 0`` than traced (``TracingError`` in the
    superconducting-qubits demo's ``H_evolve``)."""
    H = qml.Hamiltonian([1.0, 0.0], [qml.X(0), qml.Y(0)])
    ops = qml.ApproxTimeEvolution(H, 0.5, 1).decomposition()
    assert [(op.name, op.hyperparameters["pauli_word"]) for op in ops] == [
        ("PauliRot", "X"), ("PauliRot", "Y")]
    assert [float(op.data[0]) for op in ops] == [1.0, 0.0]

    @qml.qnode(qml.device("default.qubit", wires=1))
    def evolve(phi, time):
        H = qml.Hamiltonian([np.cos(phi), np.sin(phi)], [qml.X(0), qml.Y(0)])
        qml.ApproxTimeEvolution(H, time, 1)
        return qml.state()

    # exp(-i t (cos(phi) X + sin(phi) Y)) |0> = cos(t) |0> - i sin(t) e^{i phi} |1>
    # (first order: the two words' rotations, each exact; for phi = 0 only X acts)
    t = np.pi / 6
    np.testing.assert_allclose(evolve(0.0, t), [np.cos(t), -1j * np.sin(t)], atol=1e-12)
    for phi in (0.0, np.pi / 2):
        want = qml.matrix(qml.RY(2 * t * np.sin(phi), 0)) @ qml.matrix(qml.RX(2 * t * np.cos(phi), 0))
        np.testing.assert_allclose(evolve(phi, t), want[:, 0], atol=1e-12)


def _depolarize(rho, p, wire, n):
    """rho after PennyLane's DepolarizingChannel(p) on ``wire`` (of ``n``), by hand."""
    paulis = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])]
    out = (1 - p) * rho
    for P in paulis:
        full = np.kron(np.kron(np.eye(2**wire), P), np.eye(2 ** (n - wire - 1)))
        out = out + p / 3 * full @ rho @ full.conj().T
    return out


def test_noise_inserted_on_default_mixed_follows_its_decomposition():
    """``qml.noise.insert(dev, channel, p, position="all")`` inserts the noise after the
    gates ``default.mixed`` runs: PennyLane's ``default.mixed`` decomposes ``IsingZZ`` (not
    in its gate set) into ``CNOT RZ CNOT``, so the noise follows each of them (qsym kept
    ``IsingZZ`` whole: the error-mitigation-advantage demo's noisy values were too good)."""
    p, t = 0.1, 0.3
    dev = qml.noise.insert(qml.device("default.mixed", wires=2), qml.DepolarizingChannel, p,
                           position="all")

    @qml.qnode(dev)
    def circuit(x):
        qml.IsingZZ(-np.pi / 2, wires=(0, 1))
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    # by hand: CNOT, noise on 0 and 1; RZ(-pi/2) on 1, noise on 1; CNOT, noise on 0 and 1;
    # RX(t) on 0, noise on 0
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    rz = np.kron(np.eye(2), np.diag([np.exp(1j * np.pi / 4), np.exp(-1j * np.pi / 4)]))
    rx = np.kron(np.array([[np.cos(t / 2), -1j * np.sin(t / 2)],
                           [-1j * np.sin(t / 2), np.cos(t / 2)]]), np.eye(2))
    rho = np.zeros((4, 4), dtype=complex)
    rho[0, 0] = 1
    for U, noisy in ((cnot, (0, 1)), (rz, (1,)), (cnot, (0, 1)), (rx, (0,))):
        rho = U @ rho @ U.conj().T
        for w in noisy:
            rho = _depolarize(rho, p, w, 2)
    want = np.real(np.trace(np.kron(np.diag([1.0, -1.0]), np.eye(2)) @ rho))
    np.testing.assert_allclose(circuit(t), want, atol=1e-12)
