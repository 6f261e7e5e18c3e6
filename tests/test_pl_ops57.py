"""PennyLane 0.45.1's operator-level semantics met in its own test files (issue #18, stop 57).

Expected values are PennyLane 0.45.1's, computed in /work/plvenv (noted where so), or
matrices and values derived by hand.
"""

import numpy as onp
import pytest

import qsym as qml

Controlled = qml.ops.op_math.Controlled
ControlledOp = qml.ops.op_math.ControlledOp


# --- Controlled(...) keeps its class; qml.ctrl gives the gate of its own -------------------
# PennyLane 0.45.1 (/work/plvenv): type(...).__name__, .name and repr of each construction
@pytest.mark.parametrize("make, name, text", [
    (lambda: Controlled(qml.X(0), 1), "C(PauliX)", "Controlled(X(0), control_wires=[1])"),
    (lambda: Controlled(qml.X(0), [1, 2]), "C(PauliX)", "Controlled(X(0), control_wires=[1, 2])"),
    (lambda: Controlled(qml.RX(0.3, 0), 1), "C(RX)", "Controlled(RX(0.3, wires=[0]), control_wires=[1])"),
    (lambda: Controlled(qml.Z(0), 1), "C(PauliZ)", "Controlled(Z(0), control_wires=[1])"),
    (lambda: Controlled(qml.CNOT([0, 3]), 1), "C(CNOT)", "Controlled(CNOT(wires=[0, 3]), control_wires=[1])"),
    (lambda: ControlledOp(qml.X(0), 1), "C(PauliX)", "Controlled(X(0), control_wires=[1])"),
    (lambda: Controlled(Controlled(qml.RX(0.3, 0), 1), 2), "C(C(RX))",
     "Controlled(Controlled(RX(0.3, wires=[0]), control_wires=[1]), control_wires=[2])"),
])
def test_controlled_constructor_keeps_its_class(make, name, text):
    op = make()
    assert type(op).__name__ == "ControlledOp" and isinstance(op, Controlled)
    assert op.name == name and repr(op) == text


@pytest.mark.parametrize("make, cls", [
    (lambda: qml.ctrl(qml.X(0), 1), "CNOT"), (lambda: qml.ctrl(qml.X(0), [1, 2]), "Toffoli"),
    (lambda: qml.ctrl(qml.RX(0.3, 0), 1), "CRX"), (lambda: qml.ctrl(qml.Z(0), 1), "CZ"),
    (lambda: qml.ctrl(qml.CNOT([0, 3]), 1), "Toffoli"),
])
def test_ctrl_still_gives_the_gate_of_its_own(make, cls):
    assert type(make()).__name__ == cls  # PennyLane 0.45.1's classes


def test_controlled_x_decomposes_as_pennylane():
    # PennyLane 0.45.1: Controlled(X(0), 1).decomposition() == [CNOT(wires=[1, 0])]
    # (qml.ctrl's CNOT has none: DecompositionUndefinedError)
    assert Controlled(qml.X(0), 1).decomposition() == [qml.CNOT([1, 0])]
    with pytest.raises(qml.operation.DecompositionUndefinedError):
        qml.ctrl(qml.X(0), 1).decomposition()
    # the others: the decomposition of the gate qml.ctrl writes (PennyLane's rule), e.g.
    # Controlled(RZ(x), 1) -> CRZ's: PhaseShift(x/2), CNOT, PhaseShift(-x/2), CNOT
    d = Controlled(qml.RZ(0.3, 0), 1).decomposition()
    assert [o.name for o in d] == ["PhaseShift", "CNOT", "PhaseShift", "CNOT"]
    assert [o.parameters for o in d] == [[0.15], [], [-0.15], []]
    # a control on 0: X around it (PennyLane: [X(1), CNOT(wires=[1, 0]), X(1)])
    assert Controlled(qml.X(0), 1, control_values=0).decomposition() == [
        qml.X(1), qml.CNOT([1, 0]), qml.X(1)]


@pytest.mark.parametrize("make", [
    lambda: Controlled(qml.X(0), 1), lambda: Controlled(qml.X(0), [1, 2]),
    lambda: Controlled(qml.RX(0.3, 0), 1), lambda: Controlled(qml.Z(0), 1),
    lambda: Controlled(qml.CNOT([0, 2]), 1),
])
def test_controlled_matrix_is_the_controlled_matrix(make):
    op = make()
    base = op.base.matrix()
    k = len(op.control_wires)
    expected = onp.eye(2 ** len(op.wires), dtype=complex)
    expected[-base.shape[0]:, -base.shape[0]:] = base  # identity but where all controls are 1
    onp.testing.assert_allclose(qml.matrix(op), expected, atol=1e-12)
    onp.testing.assert_allclose(qml.matrix(op.decomposition(), wire_order=op.wires), expected,
                                atol=1e-12)
    assert k >= 1


def test_controlled_in_a_circuit_values_and_gradient():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def f(x):
        qml.RY(x, 0)
        Controlled(qml.RX(x, 1), 0)
        Controlled(qml.X(1), 0)
        return qml.expval(qml.Z(1))

    # by hand: |psi> = cos(x/2)|00> + sin(x/2)|1>(RX(x)|0> then X) ;
    # <Z1> = cos^2(x/2) - sin^2(x/2) (cos^2(x/2) - sin^2(x/2)) = c2 - s2 cos x
    x = 0.4
    exact = onp.cos(x / 2) ** 2 - onp.sin(x / 2) ** 2 * onp.cos(x)
    assert abs(float(f(x)) - exact) < 1e-12
    h = 1e-6
    fd = (onp.cos((x + h) / 2) ** 2 - onp.sin((x + h) / 2) ** 2 * onp.cos(x + h)
          - onp.cos((x - h) / 2) ** 2 + onp.sin((x - h) / 2) ** 2 * onp.cos(x - h)) / (2 * h)
    g = qml.grad(f)(qml.numpy.array(x, requires_grad=True))
    assert abs(float(g) - fd) < 1e-8
    tape = qml.workflow.construct_tape(f)(x)
    assert [o.name for o in tape.operations] == ["RY", "C(RX)", "C(PauliX)"]  # PennyLane's


def test_controlled_equal_to_the_gate_of_its_own_given_first():
    # PennyLane 0.45.1: qml.equal(Controlled(X(1), 0), CNOT([0, 1])) is True (CNOT is a
    # ControlledOp), qml.equal(CNOT([0, 1]), Controlled(X(1), 0)) is False (types differ)
    assert qml.equal(Controlled(qml.X(1), 0), qml.CNOT([0, 1]))
    assert not qml.equal(qml.CNOT([0, 1]), Controlled(qml.X(1), 0))
    assert qml.equal(Controlled(qml.X(2), [0, 1]), qml.Toffoli([0, 1, 2]))
    assert qml.equal(Controlled(qml.X(3), [0, 1, 2], control_values=[1, 0, 1]),
                     qml.MultiControlledX(wires=[0, 1, 2, 3], control_values=[1, 0, 1]))
    assert qml.equal(Controlled(qml.RX(0.2, 2), [0]), qml.CRX(0.2, [0, 2]))
    assert not qml.equal(Controlled(qml.RX(0.2, 2), [0]), qml.CRX(0.3, [0, 2]))
    assert not qml.equal(Controlled(qml.RX(0.2, 2), [0], work_wires=[4]), qml.CRX(0.2, [0, 2]))
    with pytest.raises(AssertionError, match="different control dictionaries"):
        qml.assert_equal(Controlled(qml.X(0), [1, 2], control_values=[1, 1]),
                         Controlled(qml.X(0), [1, 2], control_values=[1, 0]))


def test_controlled_adjoint_pow_map_wires_bind_as_pennylane():
    c = Controlled(qml.RX(0.3, 1), 0)
    # PennyLane 0.45.1: c.adjoint() is CRX(-0.3, wires=[0, 1]); c.pow(2) is [CRX(0.6, ...)];
    # c.map_wires({0: 5, 1: 6}) is CRX(0.3, wires=[5, 6]) (qml.ctrl of the mapped base);
    # bind_new_parameters(c, [0.5]) is Controlled(RX(0.5, wires=[1]), control_wires=[0])
    assert qml.equal(c.adjoint(), qml.CRX(-0.3, [0, 1])) and type(c.adjoint()).__name__ == "CRX"
    (p,) = c.pow(2)
    assert type(p).__name__ == "CRX" and qml.equal(p, qml.CRX(0.6, [0, 1]))
    m = c.map_wires({0: 5, 1: 6})
    assert type(m).__name__ == "CRX" and list(m.wires) == [5, 6]
    b = qml.ops.functions.bind_new_parameters(c, [0.5])
    assert repr(b) == "Controlled(RX(0.5, wires=[1]), control_wires=[0])"
    x = Controlled(qml.X(1), 0)
    assert type(x.adjoint()).__name__ == "CNOT" and x.pow(2) == []  # X ** 2 is no gate
    # qml.ctrl's controlled operators follow the same rule: C(RX) on two controls
    a = qml.ctrl(qml.RX(0.3, 0), [1, 2]).adjoint()
    assert repr(a) == "Controlled(RX(-0.3, wires=[0]), control_wires=[1, 2])"
    onp.testing.assert_allclose(qml.matrix(a) @ qml.matrix(qml.ctrl(qml.RX(0.3, 0), [1, 2])),
                                onp.eye(8), atol=1e-12)


def test_controlled_queues_itself_once():
    with qml.queuing.AnnotatedQueue() as q:
        base = qml.X(1)
        op = Controlled(base, 0)
    assert q.queue == [op] and base not in q  # PennyLane's queue


# --- ControlledSequence's data is its base's -------------------------------------------------
def test_controlled_sequence_data_is_the_base_data_and_binds():
    # PennyLane 0.45.1: ControlledSequence(RX(0.25, 3), control=[0, 1, 2]).data == (0.25,);
    # bind_new_parameters(op, (0.5,)) is ControlledSequence(RX(0.5, wires=[3]), control=[0, 1, 2])
    op = qml.ControlledSequence(qml.RX(0.25, wires=3), control=[0, 1, 2])
    assert op.data == (0.25,)
    new = qml.ops.functions.bind_new_parameters(op, (0.5,))
    assert new.data == (0.5,) and qml.equal(new.base, qml.RX(0.5, wires=3))
    assert op.data == (0.25,)  # unchanged
    # the matrix: RX(0.5 * k) on wire 3 where the controls hold k (first control: 4)
    m = qml.matrix(new, wire_order=[0, 1, 2, 3])
    for k in range(8):
        t = 0.5 * k
        rx = onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])
        onp.testing.assert_allclose(m[2 * k:2 * k + 2, 2 * k:2 * k + 2], rx, atol=1e-12)
    assert qml.ControlledSequence(qml.QFT(wires=[3, 4]), control=[0]).data == ()
    with pytest.raises(qml.errors.GateError, match="takes 1"):
        qml.ops.functions.bind_new_parameters(op, (0.5, 0.6))


# --- qml.adjoint of a Hermitian observable is PennyLane's Adjoint ---------------------------
def test_adjoint_of_a_hermitian_observable_is_an_adjoint_in_its_place():
    A = onp.array([[1.0, 0.5j], [-0.5j, -2.0]])
    with qml.queuing.AnnotatedQueue() as q:
        base = qml.Hermitian(A, wires=0)
        a = qml.adjoint(base)
    # PennyLane 0.45.1: the base leaves the queue, the Adjoint is its one entry; name
    # "Adjoint(Hermitian)", label "𝓗†", .base the Hermitian, isinstance Adjoint
    assert q.queue == [a] and base not in q
    assert a.name == "Adjoint(Hermitian)" and a.base is base and a.label() == "𝓗†"
    assert repr(a) == f"Adjoint({base!r})" and isinstance(a, qml.ops.op_math.Adjoint)
    onp.testing.assert_allclose(qml.matrix(a), A.conj().T, atol=1e-15)  # A is Hermitian
    p = qml.adjoint(qml.Projector([1], wires=0))
    assert p.name == "Adjoint(Projector)" and p.label() == "|1⟩⟨1|†"
    # PennyLane 0.45.1: qml.equal(Adjoint(H), H) is False (types), of two Adjoints True
    assert not qml.equal(a, qml.Hermitian(A, wires=0))
    assert qml.equal(a, qml.adjoint(qml.Hermitian(A, wires=0)))


def test_adjoint_of_a_hermitian_observable_measures_as_the_observable():
    A = onp.array([[1.0, 0.5j], [-0.5j, -2.0]])
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(x):
        qml.RX(x, 0)
        return qml.expval(qml.adjoint(qml.Hermitian(A, wires=0))), qml.var(qml.adjoint(qml.Hermitian(A, wires=0)))

    x = 0.7
    psi = onp.array([onp.cos(x / 2), -1j * onp.sin(x / 2)])  # RX(x)|0>, by hand
    e = onp.real(psi.conj() @ A @ psi)
    v = onp.real(psi.conj() @ A @ A @ psi) - e ** 2
    out = f(x)
    assert abs(float(out[0]) - e) < 1e-12 and abs(float(out[1]) - v) < 1e-12
    # PennyLane 0.45.1 draws it 𝓗(M0)†
    assert "<𝓗(M0)†>" in qml.draw(f)(x) and "Var[𝓗(M0)†]" in qml.draw(f)(x)


def test_controlled_diagonalizing_gates_are_the_base_ones():
    # PennyLane 0.45.1: Controlled(X(0), [1, 2]).diagonalizing_gates() == [H(0)];
    # ctrl(Y(0), [1, 2], control_values=[0, 1]) -> [Z(0), S(0), H(0)]; ctrl(RX) -> DiagGatesUndefinedError
    op = Controlled(qml.X(0), [1, 2])
    assert op.diagonalizing_gates() == [qml.H(0)]
    y = qml.ctrl(qml.Y(0), [1, 2], control_values=[0, 1])
    assert y.diagonalizing_gates() == [qml.Z(0), qml.S(0), qml.H(0)]
    # check by hand: the gates make the operator diagonal
    for o in (op, y):
        U = qml.matrix(qml.prod(*reversed(o.diagonalizing_gates())), wire_order=o.wires)
        D = U @ qml.matrix(o) @ U.conj().T
        onp.testing.assert_allclose(D, onp.diag(onp.diag(D)), atol=1e-12)
    with pytest.raises(qml.exceptions.DiagGatesUndefinedError):
        qml.ctrl(qml.RX(0.2, 0), [1, 2]).diagonalizing_gates()


def test_adjoint_of_an_operator_class_has_its_name():
    # PennyLane 0.45.1: qml.adjoint(qml.CNOT).name == "CNOT" (functools.wraps copies the
    # class's attributes; PennyLane's CNOT declares name); it still applies the inverse
    f = qml.adjoint(qml.CNOT)
    assert f.name == "CNOT"
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c():
        qml.X(0)
        f(wires=[0, 1])
        return qml.probs()

    onp.testing.assert_allclose(c(), [0, 0, 0, 1], atol=1e-15)  # |10> -> |11>, by hand


def test_adjoint_of_a_product_with_a_template_factor_decomposes():
    """``qml.adjoint(prod(BasisEmbedding(...), RX(x)))``: a factor without an ``adjoint()``
    of its own (a template) is taken as ``qml.adjoint(factor)``, as PennyLane's
    ``Prod.adjoint`` (PennyLane 0.45.1's decomposition, printed in /work/plvenv:
    ``[(Adjoint(RX(0.3, wires=[0]))) @ (Adjoint(BasisEmbedding(array([1, 0]), wires=[0, 1])))]``;
    qsym raised AdjointUndefinedError, test_qrom_state_prep). The matrix by hand:
    (RX(x)^dagger X) on wire 0, identity on wire 1."""
    x = 0.3
    p = qml.prod(qml.BasisEmbedding([1, 0], wires=[0, 1]), qml.RX(x, 0))
    (term,) = qml.adjoint(p).decomposition()
    c, s = onp.cos(x / 2), onp.sin(x / 2)
    rx = onp.array([[c, -1j * s], [-1j * s, c]])
    X = onp.array([[0, 1], [1, 0]])
    expected = onp.kron(rx.conj().T @ X, onp.eye(2))
    onp.testing.assert_allclose(qml.matrix(term, wire_order=[0, 1]), expected, atol=1e-12)
    scaled = qml.adjoint(qml.s_prod(2j, qml.BasisEmbedding([1], wires=[0])))
    onp.testing.assert_allclose(qml.matrix(scaled), -2j * X, atol=1e-12)


def test_adjoint_of_a_template_without_gates_decomposes_as_pennylane():
    """``qml.adjoint`` of a template that writes no gate at these inputs (a BasisEmbedding
    of zeros; a QROM of zeros without control wires) decomposes as PennyLane 0.45.1's
    (printed in /work/plvenv: ``[]`` and ``[Adjoint(BasisEmbedding(array([0, 0]),
    wires=[0, 1]))]``); qsym called the template's own ``adjoint()``, which raised
    AdjointUndefinedError (PennyLane's test_qrom_state_prep)."""
    assert qml.adjoint(qml.BasisEmbedding([0, 0], wires=[0, 1])).decomposition() == []
    rom = qml.QROM(data=["00"], control_wires=[], target_wires=[0, 1], work_wires=[2, 3],
                   clean=False)
    (part,) = qml.adjoint(rom).decomposition()
    assert repr(part) == "Adjoint(BasisEmbedding(array([0, 0]), wires=[0, 1]))"
