"""``qml.adjoint`` and ``qml.ctrl`` of a function take each operator the function applied
whole, as PennyLane's do: ``qml.adjoint(qml.ctrl(f, control))`` records
``Adjoint(Controlled(op))`` with ``op``'s parameters (the circuit's arguments, trainable on
the tape), not the numbers of the gates qsym wrote for it. The tape structures are the ones
PennyLane 0.45 records (printed there); matrices are built here by hand; a gradient
transform of each tape is checked against central finite differences of the circuit."""
import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.ops.op_math import Adjoint, Controlled, Pow

Z = np.diag([1.0, -1.0])


def rx(t):
    c, s = np.cos(t / 2), -1j * np.sin(t / 2)
    return np.array([[c, s], [s, c]])


def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def on(u, wire, n):
    """``u`` on ``wire`` of ``n`` wires (wire 0 the most significant)."""
    m = np.eye(1)
    for w in range(n):
        m = np.kron(m, u if w == wire else np.eye(2))
    return m


def controlled(u, control, target, value, n):
    """``u`` on ``target`` where wire ``control`` reads ``value``, else the identity."""
    p = np.diag([0.0, 1.0]) if value else np.diag([1.0, 0.0])  # onto |value>
    return on(p, control, n) @ on(u, target, n) + on(np.eye(2) - p, control, n)


def finite_differences(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def tape_gradient(tape, transform, **kwargs):
    """``transform`` of ``tape`` (a gradient transform), executed."""
    dev = qml.device("default.qubit", wires=3)
    tapes, fn = transform(tape, **kwargs)
    return np.asarray(fn(qml.execute(tapes, dev, diff_method=None)), dtype=float)


def _rz_and_z(x):
    qml.adjoint(qml.RZ)(x, wires=0)
    qml.adjoint(qml.Z)(0)


def test_adjoint_of_ctrl_of_a_function_records_pennylanes_operators():
    """PennyLane 0.45: ``[Adjoint(Controlled(Adjoint(Z(0)), control_wires=[1])),
    Adjoint(Controlled(Adjoint(RZ(x, wires=[0])), control_wires=[1]))]``, ``x`` trainable
    (qsym recorded ``Adjoint(CRZ(-x))`` with ``-x`` a number: no trainable parameter)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(1)
        qml.RY(0.4, wires=0)
        qml.adjoint(qml.ctrl(_rz_and_z, control=1))(x)
        return qml.expval(qml.X(0) @ qml.X(1))

    x = pnp.array(0.7, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(x)
    ops = tape.operations[2:]
    assert len(ops) == 2 and all(isinstance(o, Adjoint) for o in ops)
    assert all(isinstance(o.base, Controlled) and list(o.base.control_wires) == [1] for o in ops)
    assert all(isinstance(o.base.base, Adjoint) for o in ops)
    assert [o.base.base.base.name for o in ops] == ["PauliZ", "RZ"]
    assert tape.trainable_params == [1] and [float(p) for p in tape.get_parameters()] == [0.7]
    # the operator's matrix: (C-(RZ(x)^dag Z^dag))^dag = C-(Z RZ(x)), by hand
    want = controlled(Z @ rz(0.7), 1, 0, 1, 2)
    assert np.allclose(qml.matrix(ops[1], wire_order=[0, 1]) @ qml.matrix(ops[0], wire_order=[0, 1]),
                       want)
    # param_shift of the tape (exact) against finite differences of the circuit
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.7)
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd, atol=1e-6)
    assert np.allclose(qml.grad(circuit)(x), fd, atol=1e-6)


def _two_rotations(x, y):
    qml.RX(x, wires=1)
    qml.CNOT(wires=[1, 2])
    qml.RY(y, wires=2)


def test_ctrl_on_zero_of_several_operators_flips_once_and_keeps_parameters():
    """PennyLane 0.45 records ``qml.adjoint(qml.ctrl(f, 0, control_values=[0]))`` of
    ``RX(x), CNOT, RY(y)`` as ``[Adjoint(X(0)), Adjoint(CRY(y)), Adjoint(Toffoli),
    Adjoint(CRX(x)), Adjoint(X(0))]``: one flip around the operators, both angles
    trainable; the tape's param_shift and finite_diff agree with finite differences."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.Hadamard(0)
        qml.adjoint(qml.ctrl(_two_rotations, control=[0], control_values=[0]))(x, y)
        return qml.expval(qml.Z(1) @ qml.Z(2))

    x, y = pnp.array(0.3, requires_grad=True), pnp.array(0.9, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(x, y)
    assert [o.name for o in tape.operations] == [
        "Hadamard", "Adjoint(PauliX)", "Adjoint(CRY)", "Adjoint(Toffoli)", "Adjoint(CRX)",
        "Adjoint(PauliX)"]
    assert tape.trainable_params == [0, 1]
    assert np.allclose([float(p) for p in tape.get_parameters()], [0.9, 0.3])
    # the unitary, by hand: (X0 C-RY(y) Toffoli C-RX(x) X0)^dagger, reversed order applied
    toffoli = np.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]]
    forward = (on(np.array([[0, 1], [1, 0]]), 0, 3) @ controlled(ry(0.9), 0, 2, 1, 3) @ toffoli
               @ controlled(rx(0.3), 0, 1, 1, 3) @ on(np.array([[0, 1], [1, 0]]), 0, 3))
    m = np.eye(8, dtype=complex)
    for op in tape.operations[1:]:
        m = qml.matrix(op, wire_order=[0, 1, 2]) @ m
    assert np.allclose(m, forward.conj().T)
    fd = [finite_differences(lambda v: float(circuit(pnp.array(v), y)), 0.3),
          finite_differences(lambda v: float(circuit(x, pnp.array(v))), 0.9)]
    # (tape order: y first)
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd[::-1], atol=1e-6)
    assert np.allclose(tape_gradient(tape, qml.gradients.finite_diff, h=1e-7, approx_order=2),
                       fd[::-1], atol=1e-5)


def test_ctrl_on_zero_of_one_operator_shifts_through_its_flips():
    """One operator controlled on 0 stays ``Controlled(RY(y), control_values=[False])``
    (PennyLane's), its gates ``X CRY X``: param_shift of the tape shifts ``y`` by ``CRY``'s
    rule (the flips are constant), checked by finite differences."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(y):
        qml.Hadamard(0)
        qml.adjoint(qml.ctrl(qml.RY, control=0, control_values=0))(y, wires=1)
        return qml.expval(qml.Z(1))

    tape = qml.workflow.construct_tape(circuit)(pnp.array(0.8, requires_grad=True))
    (op,) = tape.operations[1:]
    assert isinstance(op, Adjoint) and isinstance(op.base, Controlled)
    assert list(op.base.control_values) == [False] and tape.trainable_params == [0]
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.8)
    assert np.isclose(fd, -0.5 * np.sin(0.8))  # <Z> = (1 + cos y) / 2 by hand
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd, atol=1e-6)


@pytest.mark.parametrize("depth", [2, 3])
def test_nested_adjoints_of_a_gate_keep_its_parameter(depth):
    """``qml.adjoint(qml.adjoint(qml.RX))(x)`` is PennyLane's
    ``Adjoint(Adjoint(RX(x)))``, ``x`` trainable (three: three Adjoints)."""
    dev = qml.device("default.qubit", wires=1)
    f = qml.RX
    for _ in range(depth):
        f = qml.adjoint(f)

    @qml.qnode(dev)
    def circuit(x):
        f(x, wires=0)
        return qml.expval(qml.Z(0))

    tape = qml.workflow.construct_tape(circuit)(pnp.array(0.3, requires_grad=True))
    (op,) = tape.operations
    assert repr(op) == ("Adjoint(" * depth + "RX(tensor(0.3, requires_grad=True), wires=[0])"
                        + ")" * depth)  # (the tape holds the tensor: PennyLane's repr)
    assert tape.trainable_params == [0]
    sign = -1 if depth % 2 else 1
    assert np.allclose(qml.matrix(op), rx(sign * 0.3))
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.3)
    assert np.isclose(fd, -np.sin(0.3))
    assert np.allclose(tape_gradient(tape, qml.gradients.param_shift), fd, atol=1e-6)


def _power_and_s(x):
    qml.pow(qml.RX(x, wires=0), 2)
    qml.S(1)


def test_adjoint_of_a_function_takes_powers_whole():
    """PennyLane 0.45: ``[Adjoint(S(1)), Adjoint(RX(x, wires=[0])**2)]``, ``x`` trainable
    (qsym recorded ``Adjoint(RX(2x))`` with ``2x`` a number); under ``qml.ctrl``:
    ``Adjoint(Controlled(Adjoint(RX(x)**2), control_wires=[2]))``. finite_diff of the tape
    against finite differences of the circuit."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(2)
        qml.adjoint(_power_and_s)(x)
        qml.adjoint(qml.ctrl(qml.adjoint(_power_and_s), 2))(x)
        return qml.expval(qml.Z(0) @ qml.X(2))

    x = pnp.array(0.45, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(x)
    ops = tape.operations
    assert isinstance(ops[2], Adjoint) and isinstance(ops[2].base, Pow)
    assert ops[2].base.base.name == "RX" and ops[2].base.z == 2
    inner = ops[3].base.base
    assert isinstance(ops[3].base, Controlled) and isinstance(inner, Adjoint)
    assert isinstance(inner.base, Pow) and list(ops[3].base.control_wires) == [2]
    assert tape.trainable_params == [0, 1]
    assert np.allclose(qml.matrix(ops[2]), rx(-0.9))
    fd = finite_differences(lambda v: float(circuit(pnp.array(v))), 0.45)
    got = tape_gradient(tape, qml.gradients.finite_diff, h=1e-7, approx_order=2)
    assert np.isclose(got.sum(), fd, atol=1e-5)


def _qft_embedding_ry(w, y):
    qml.QFT(wires=[0, 1])
    qml.AngleEmbedding(w, wires=[0, 1])
    qml.RY(y, wires=1)


def test_adjoint_of_a_function_takes_templates_whole():
    """PennyLane 0.45: ``[Adjoint(RY(y)), Adjoint(AngleEmbedding(w)), Adjoint(QFT),
    RX(y)]``, trainable ``[0, 1, 2]`` (qsym recorded the templates' gates one by one: the
    ``ControlledPhaseShift(pi/2)`` of the QFT a parameter, the RX's index 4, not 2). The
    circuit's value and gradient against a hand-built state and finite differences."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(w, y):
        qml.adjoint(_qft_embedding_ry)(w, y)
        qml.RX(y, wires=0)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    w, y = pnp.array([0.2, 0.5], requires_grad=True), pnp.array(0.8, requires_grad=True)
    tape = qml.workflow.construct_tape(circuit)(w, y)
    assert [o.name for o in tape.operations] == [
        "Adjoint(RY)", "Adjoint(AngleEmbedding)", "Adjoint(QFT)", "RX"]
    assert tape.trainable_params == [0, 1, 2]
    assert [np.shape(p) for p in tape.get_parameters()] == [(), (2,), ()]
    qft = np.array([[1, 1, 1, 1], [1, 1j, -1, -1j], [1, -1, 1, -1], [1, -1j, -1, 1j]]) / 2
    forward = on(ry(0.8), 1, 2) @ on(rx(0.5), 1, 2) @ on(rx(0.2), 0, 2) @ qft
    state = on(rx(0.8), 0, 2) @ forward.conj().T @ np.eye(4)[0]
    zz = np.diag([1, -1, -1, 1])
    assert np.isclose(float(circuit(w, y)), np.real(state.conj() @ zz @ state))
    fd = finite_differences(lambda v: float(circuit(w, pnp.array(v))), 0.8)
    assert np.isclose(qml.grad(circuit, argnum=1)(w, y), fd, atol=1e-6)


# --- Adjoint / Controlled of a template: one operator, PennyLane's decomposition ----------
QFT2 = np.array([[1, 1, 1, 1], [1, 1j, -1, -1j], [1, -1, 1, -1], [1, -1j, -1, 1j]]) / 2


def test_adjoint_of_a_template_decomposes_into_adjoints_last_first():
    """PennyLane 0.45: ``Adjoint(AngleEmbedding(w)).decomposition()`` is
    ``[Adjoint(RX(w1, 1)), Adjoint(RX(w0, 0))]`` (not the inverse gates ``RX(-w)``), its
    ``grad_method`` None (gradient transforms decompose it); the matrix is the hand-built
    inverse."""
    w = pnp.array([0.3, 0.7], requires_grad=True)
    op = qml.adjoint(qml.AngleEmbedding(w, wires=[0, 1]))
    parts = op.decomposition()
    assert [(p.name, p.wires.tolist()) for p in parts] == [("Adjoint(RX)", [1]), ("Adjoint(RX)", [0])]
    assert [float(p.base.data[0]) for p in parts] == [0.7, 0.3]
    assert op.grad_method is None and qml.adjoint(qml.RX(0.3, 0)).grad_method == "A"
    forward = on(rx(0.7), 1, 2) @ on(rx(0.3), 0, 2)
    assert np.allclose(qml.matrix(op, wire_order=[0, 1]), forward.conj().T)
    product = np.eye(4)
    for p in parts:
        product = qml.matrix(p, wire_order=[0, 1]) @ product
    assert np.allclose(product, forward.conj().T)


def test_adjoint_of_adjoint_and_of_a_gate_without_adjoint_decompose_as_pennylane():
    """``Adjoint(Adjoint(op)).decomposition()`` is ``[op]`` (the operator itself); of ``SX``
    (no ``adjoint()`` in PennyLane) the adjoints of its decomposition, last first, whose
    product is ``SX``'s inverse (hand-written)."""
    base = qml.X(0)
    assert Adjoint(Adjoint(base)).decomposition()[0] is base
    assert [o.name for o in Adjoint(Adjoint(qml.QFT(wires=[0, 1]))).decomposition()] == ["QFT"]
    parts = Adjoint(qml.SX(0)).decomposition()
    assert parts and all(isinstance(p, Adjoint) for p in parts)
    assert [p.base.name for p in parts] == [g.name for g in reversed(qml.SX(0).decomposition())]
    product = np.eye(2)
    for p in parts:
        product = qml.matrix(p) @ product
    sx = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])
    assert np.allclose(product, sx.conj().T)


def test_controlled_template_matrix_and_grad_method():
    """``qml.ctrl(StronglyEntanglingLayers, control=2)``: one ``C(StronglyEntanglingLayers)``
    with PennyLane's ``grad_method`` None; its matrix equals the controlled product of its
    decomposition's gates built here by hand (Rot on each wire, then the CNOT ring)."""
    W = pnp.array([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]], requires_grad=True)
    op = qml.ctrl(qml.StronglyEntanglingLayers(W, wires=[0, 1]), control=2)
    assert op.name == "C(StronglyEntanglingLayers)" and op.grad_method is None
    assert op.wires.tolist() == [2, 0, 1]

    def rot(a, b, c):
        return rz(c) @ ry(b) @ rz(a)

    x = np.array([[0, 1], [1, 0]])
    cnot01 = controlled(x, 0, 1, 1, 3)
    cnot10 = controlled(x, 1, 0, 1, 3)
    u = on(rot(0.4, 0.5, 0.6), 1, 3) @ on(rot(0.1, 0.2, 0.3), 0, 3)
    u = cnot10 @ cnot01 @ u  # on wires 0, 1 (wire 2 idle): the template's unitary
    p1 = on(np.diag([0.0, 1.0]), 2, 3)
    expected = p1 @ u + (np.eye(8) - p1)  # applied where wire 2 is 1
    assert np.allclose(qml.matrix(op, wire_order=[0, 1, 2]), expected)


def _qft_and_embedding(w):
    qml.QFT(wires=[0, 1])
    qml.AngleEmbedding(w, wires=[0, 1])


def test_ctrl_of_a_function_takes_templates_whole_drawn_as_pennylane():
    """``qml.ctrl(f, control=2)`` with templates in ``f``: ``C(QFT)``, ``C(AngleEmbedding)``
    on the tape, each drawn as one box with one control dot (qsym drew the QFT's gates in
    four boxes); the state against the hand-built controlled unitary."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(w):
        qml.Hadamard(2)
        qml.ctrl(_qft_and_embedding, control=2)(w)
        return qml.state()

    w = pnp.array([0.2, 0.5], requires_grad=False)
    tape = qml.workflow.construct_tape(circuit)(w)
    assert [o.name for o in tape.operations] == ["Hadamard", "C(QFT)", "C(AngleEmbedding)"]
    assert qml.draw(circuit)(w) == (
        "0: ────╭QFT─╭AngleEmbedding(M0)─┤  State\n"
        "1: ────├QFT─├AngleEmbedding(M0)─┤  State\n"
        "2: ──H─╰●───╰●──────────────────┤  State\n\nM0 = \n[0.2 0.5]")
    u = on(rx(0.5), 1, 2) @ on(rx(0.2), 0, 2) @ QFT2
    p1 = np.kron(np.eye(4), np.diag([0.0, 1.0]))  # wire 2 (least significant) reads 1
    cu = p1 @ np.kron(u, np.eye(2)) + (np.eye(8) - p1)
    h = on(np.array([[1, 1], [1, -1]]) / np.sqrt(2), 2, 3)
    assert np.allclose(circuit(w), cu @ h @ np.eye(8)[0])


def test_nested_symbolic_templates_drawn_with_pennylanes_labels():
    """PennyLane 0.45's drawings: ``Adjoint(Adjoint(QFT))`` is ``(QFT†)†``,
    ``Adjoint(C(QFT))`` one box ``(QFT)†`` on all three wires (no control dot), the adjoint
    of a power ``(RX(0.30)²)†``."""
    dev = qml.device("default.qubit", wires=3)

    def drawn(make):
        @qml.qnode(dev)
        def circuit():
            make()
            return qml.state()
        return qml.draw(circuit)()

    assert drawn(lambda: qml.adjoint(qml.adjoint(qml.QFT(wires=[0, 1])))) == (
        "0: ─╭(QFT†)†─┤  State\n1: ─╰(QFT†)†─┤  State")
    assert drawn(lambda: qml.adjoint(qml.ctrl(qml.QFT(wires=[0, 1]), control=2))) == (
        "0: ─╭(QFT)†─┤  State\n1: ─├(QFT)†─┤  State\n2: ─╰(QFT)†─┤  State")
    assert drawn(lambda: qml.adjoint(lambda: qml.ctrl(qml.QFT(wires=[0, 1]), control=2))()) == (
        "0: ─╭(QFT)†─┤  State\n1: ─├(QFT)†─┤  State\n2: ─╰(QFT)†─┤  State")
    assert drawn(lambda: qml.adjoint(qml.pow(qml.RX(0.3, 0), 2))) == "0: ──(RX(0.30)²)†─┤  State"
    assert qml.adjoint(qml.adjoint(qml.S(0))).label() == "(S†)†"


def _embedding_ry(w, y):
    qml.AngleEmbedding(w, wires=[0, 1])
    qml.RY(y, wires=1)


def test_gradients_through_adjoint_and_controlled_templates():
    """Parameter shift through ``Adjoint(template)`` (from ``qml.adjoint`` of a function)
    and ``C(StronglyEntanglingLayers)`` equals central finite differences; SPSA of the
    QNode equals ``spsa_grad`` of its tape with the same ``sampler_rng`` (PennyLane's
    expansion: ``Adjoint(RX(w))`` perturbed in ``w``; qsym perturbed the inverse gates'
    ``-w`` beside ``y``: another estimate)."""
    dev = qml.device("default.qubit", wires=3)
    w, y = pnp.array([0.2, 0.5], requires_grad=True), pnp.array(0.8, requires_grad=True)
    W = pnp.array([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]], requires_grad=True)

    def body(w, y, W):
        qml.Hadamard(2)
        qml.adjoint(_embedding_ry)(w, y)
        qml.ctrl(qml.StronglyEntanglingLayers, control=2)(W, wires=[0, 1])
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(0) @ qml.Z(1))

    ps = qml.QNode(body, dev, diff_method="parameter-shift")
    got = qml.jacobian(ps)(w, y, W)
    for k, arg in enumerate((w, y, W)):
        flat = np.array(arg, dtype=float).ravel()
        for i in range(flat.size):
            def shifted(t, k=k, i=i):
                args = [np.array(a, dtype=float) for a in (w, y, W)]
                moved = args[k].ravel().copy()
                moved[i] = t
                args[k] = moved.reshape(np.shape(args[k]))
                return float(ps(*[pnp.array(a, requires_grad=False) for a in args]))
            assert np.isclose(np.ravel(got[k])[i], finite_differences(shifted, flat[i]), atol=1e-6)

    kw = {"sampler_rng": 7, "num_directions": 3}
    spsa = qml.QNode(body, dev, diff_method="spsa", gradient_kwargs=kw)
    tape = qml.workflow.construct_tape(spsa)(w, y, W)
    assert [o.name for o in tape.operations] == [
        "Hadamard", "Adjoint(RY)", "Adjoint(AngleEmbedding)", "C(StronglyEntanglingLayers)", "CNOT"]
    by_tape = tape_gradient(tape, qml.gradients.spsa_grad, **kw)  # (y, w, W) in tape order
    got = qml.jacobian(spsa)(w, y, W)
    assert np.isclose(float(got[1]), by_tape[0])
    assert np.allclose(np.ravel(got[0]), by_tape[1:3][::-1])
    assert np.allclose(np.ravel(got[2]), by_tape[3:])


def test_adjoint_of_a_template_with_lazy_false_is_still_one_adjoint():
    """PennyLane 0.45: a template has no ``adjoint()``, so ``qml.adjoint(qml.QFT(...),
    lazy=False)`` is ``Adjoint(QFT)`` too (qsym returned the inverse gates and left the
    ``QFT`` itself on the tape: the tape applied the QFT and then its inverse, the identity);
    the tape's state is the hand-built inverse DFT's column."""
    with qml.tape.QuantumTape() as tape:
        out = qml.adjoint(qml.QFT(wires=[0, 1]), lazy=False)
        qml.state()
    assert isinstance(out, Adjoint) and [o.name for o in tape.operations] == ["Adjoint(QFT)"]
    (state,) = qml.execute([tape], qml.device("default.qubit", wires=2))
    assert np.allclose(state, QFT2.conj().T[:, 0])

    w = pnp.array([0.2, 0.5], requires_grad=False)
    with qml.tape.QuantumTape() as tape:
        out = qml.adjoint(_qft_and_embedding, lazy=False)(w)
        qml.state()
    assert [o.name for o in tape.operations] == ["Adjoint(AngleEmbedding)", "Adjoint(QFT)"]
    (state,) = qml.execute([tape], qml.device("default.qubit", wires=2))
    forward = on(rx(0.5), 1, 2) @ on(rx(0.2), 0, 2) @ QFT2
    assert np.allclose(state, forward.conj().T[:, 0])


def test_adjoint_of_a_gate_with_lazy_false_returns_the_gate_it_queued():
    """PennyLane 0.45: ``qml.adjoint(op, lazy=False)`` queues the adjoint gate it returns (the
    same object), whether ``op`` was made inside the queue (taken off it) or outside;
    ``RX(x)``'s is ``RX(-x)`` (its matrix the conjugate transpose, written here)."""
    for inside in (True, False):
        base = qml.RX(1.2, wires="b")
        with qml.queuing.AnnotatedQueue() as q:
            if inside:
                base = qml.RX(1.2, wires="b")
            out = qml.adjoint(base, lazy=False)
        assert len(q.queue) == 1 and q.queue[0] is out
        assert isinstance(out, qml.RX) and out.data == (-1.2,)
        c, s = np.cos(0.6), np.sin(0.6)
        assert np.allclose(out.matrix(), [[c, 1j * s], [1j * s, c]])


def test_gradient_transforms_of_a_tape_open_adjoint_and_controlled_templates():
    """``param_shift``/``finite_diff`` of a tape (not a QNode) holding trainable
    ``Adjoint(AngleEmbedding(w))`` and ``C(StronglyEntanglingLayers(W))`` run PennyLane's
    expansion first (its ``expand_transform``): the Jacobian has one entry per parameter of
    ``Adjoint(RX)``, ``CRot`` (8; PennyLane's 28 and 9 tapes), equal to central finite
    differences of the hand-built circuit (qsym refused the array parameters:
    ``BroadcastGradientError``)."""
    w0 = np.array([0.3, 0.7])
    W0 = np.array([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]])
    w, W = pnp.array(w0, requires_grad=True), pnp.array(W0, requires_grad=True)
    ops = [qml.Hadamard(0), qml.Hadamard(2), qml.adjoint(qml.AngleEmbedding(w, wires=[0, 1])),
           qml.ctrl(qml.StronglyEntanglingLayers(W, wires=[0, 1]), control=2)]
    tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0) @ qml.Y(1))])

    def hand(flat):  # (w0, w1, the six angles) -> <Z0 Y1>
        a, b, r = flat[0], flat[1], flat[2:]
        h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
        x = np.array([[0, 1], [1, 0]])

        def rot(p, t, o):
            return rz(o) @ ry(t) @ rz(p)
        u = controlled(x, 1, 0, 1, 3) @ controlled(x, 0, 1, 1, 3) @ on(rot(*r[3:]), 1, 3) @ on(rot(*r[:3]), 0, 3)
        p1 = on(np.diag([0.0, 1.0]), 2, 3)
        state = (p1 @ u + np.eye(8) - p1) @ on(rx(-a), 0, 3) @ on(rx(-b), 1, 3) @ on(h, 2, 3) @ on(h, 0, 3) @ np.eye(8)[0]
        y = np.array([[0, -1j], [1j, 0]])
        obs = np.kron(np.kron(Z, y), np.eye(2))
        return float(np.real(state.conj() @ obs @ state))

    flat = np.concatenate([w0, W0.ravel()])
    fd = []
    for i in range(flat.size):
        e = np.eye(flat.size)[i] * 1e-6
        fd.append((hand(flat + e) - hand(flat - e)) / 2e-6)
    want = np.array([fd[1], fd[0], *fd[2:]])  # Adjoint(RX(w1)) first: PennyLane's order
    for transform, n_tapes in ((qml.gradients.param_shift, 28), (qml.gradients.finite_diff, 9)):
        tapes, _ = transform(tape)
        assert len(tapes) == n_tapes
        got = tape_gradient(tape, transform)
        assert np.allclose(np.ravel(got), want, atol=1e-5)
