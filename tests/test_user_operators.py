"""A user's own operator classes (``qml.operation.Operation`` subclasses with
``compute_decomposition``, a matrix, or a gate subclass renamed) inside circuits: traced
through their decomposition like any code, differentiated by every method, checked
against derivatives written by hand and central differences."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

METHODS = ["parameter-shift", "adjoint", "finite-diff", "backprop", "hadamard", "spsa"]


class Warp(qml.operation.Operation):
    """Two parameters, classical processing inside the decomposition, no matrix."""

    num_wires = 2
    num_params = 2

    @staticmethod
    def compute_decomposition(a, b, wires):
        return [qml.RX(a * b, wires=wires[0]), qml.CNOT(wires=wires),
                qml.RY(np.sin(b), wires=wires[1])]


class Outer(qml.operation.Operation):
    """Decomposes into another user class (expanded again)."""

    num_wires = 2
    num_params = 1

    @staticmethod
    def compute_decomposition(t, wires):
        return [Warp(t, 2 * t, wires=wires)]


def _warp_circuit(x):
    Warp(x[0], x[1], wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


def _exact(x):
    """<Z1> after RX(ab) on 0, CNOT, RY(sin b) on 1: cos(ab) cos(sin b)."""
    a, b = x
    return onp.array([-b * onp.sin(a * b) * onp.cos(onp.sin(b)),
                      -a * onp.sin(a * b) * onp.cos(onp.sin(b))
                      - onp.cos(a * b) * onp.sin(onp.sin(b)) * onp.cos(b)])


@pytest.mark.parametrize("method", METHODS)
def test_decomposition_is_traced_and_differentiated(method):
    dev = qml.device("default.qubit", wires=3)
    kw = {"sampler_rng": 7, "num_directions": 40} if method == "spsa" else {}
    node = qml.QNode(_warp_circuit, dev, diff_method=method, gradient_kwargs=kw)
    x = np.array([0.4, -0.9], requires_grad=True)
    a, b = 0.4, -0.9
    assert node(x) == pytest.approx(onp.cos(a * b) * onp.cos(onp.sin(b)), abs=1e-12)
    tol = {"finite-diff": 1e-6, "spsa": 0.2}.get(method, 1e-12)
    onp.testing.assert_allclose(qml.grad(node)(x), _exact(x), atol=tol)


def test_nested_user_classes_and_central_differences():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(t):
        Outer(t, wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    t = np.array(0.7, requires_grad=True)
    h = 1e-6
    central = (c(0.7 + h) - c(0.7 - h)) / (2 * h)
    assert qml.grad(c)(t) == pytest.approx(central, abs=1e-8)
    a, b = 0.7, 1.4  # Warp(t, 2t): d/dt cos(2 t^2) cos(sin 2t)
    want = (-4 * a * onp.sin(a * b) * onp.cos(onp.sin(b))
            - 2 * onp.cos(a * b) * onp.sin(onp.sin(b)) * onp.cos(b))
    assert qml.grad(c)(t) == pytest.approx(want, abs=1e-12)


class _MyU3(qml.U3):
    """PennyLane's tests' renamed U3 (its own name, U3's decomposition written out)."""
    name = "MyU3"

    def decomposition(self):
        theta, phi, lam = self.data
        return [qml.Rot(lam, theta, -lam, wires=self.wires),
                qml.PhaseShift(phi + lam, wires=self.wires)]


def test_renamed_gate_subclass_is_the_gate():
    """PennyLane's test_differentiable_expand: a U3 subclass named MyU3 (its own
    decomposition is U3's): the same values and derivatives as U3."""
    MyU3 = _MyU3
    dev = qml.device("default.qubit", wires=1)
    p = np.array([0.1, 0.2, 0.3], requires_grad=True)

    def circuit(gate):
        def f(p):
            qml.RX(0.1, wires=0)
            gate(p[0], p[1], p[2], wires=0)
            return qml.expval(qml.PauliX(0))
        return f

    a, (t, f_, l) = 0.1, (0.1, 0.2, 0.3)
    want = [onp.cos(f_) * (onp.cos(a) * onp.cos(t) - onp.sin(a) * onp.sin(t) * onp.sin(l)),
            onp.cos(f_) * onp.cos(l) * onp.sin(a)
            - onp.sin(f_) * (onp.cos(a) * onp.sin(t) + onp.cos(t) * onp.sin(a) * onp.sin(l)),
            onp.sin(a) * (onp.cos(t) * onp.cos(f_) * onp.cos(l) - onp.sin(f_) * onp.sin(l))]
    for method in ("parameter-shift", "adjoint", "hadamard"):
        node = qml.QNode(circuit(MyU3), dev, diff_method=method,
                         gradient_kwargs={"mode": "direct"} if method == "hadamard" else {})
        onp.testing.assert_allclose(qml.grad(node)(p), want, atol=1e-12)


def test_matrix_only_class_with_traced_parameters_is_refused_clearly():
    class OnlyMatrix(qml.operation.Operation):
        num_wires = 1
        num_params = 1

        @staticmethod
        def compute_matrix(t):
            return onp.array([[onp.cos(t), -onp.sin(t)], [onp.sin(t), onp.cos(t)]])

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(t):
        OnlyMatrix(t, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.GateError, match="compute_decomposition"):
        c(np.array(0.3))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def fixed():
        OnlyMatrix(0.3, wires=0)  # a number: applied by its matrix
        return qml.expval(qml.PauliZ(0))

    assert fixed() == pytest.approx(onp.cos(0.6), abs=1e-12)


def test_has_decomposition_and_decomposition_of_a_user_class():
    op = Warp(0.5, 2.0, wires=[0, 1])
    assert op.has_decomposition
    names = [g.name for g in op.decomposition()]
    assert names == ["RX", "CNOT", "RY"]


def test_tape_wire_helpers_are_pennylanes():
    t = qml.tape.QuantumScript([qml.X("z")], [qml.probs(wires=[0, 1])])
    assert t._get_standard_wire_map() == {"z": 0, 0: 1, 1: 2}
    assert qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(1))])._get_standard_wire_map() is None
    t = qml.tape.QuantumScript([qml.X("a")], [qml.expval(qml.Z("b"))])
    assert list(t.wires) == ["a", "b"]
    assert repr(t.map_to_standard_wires().circuit) == "[X(0), expval(Z(1))]"
    t = qml.tape.QuantumScript(
        [qml.BasisState(np.array([1]), wires=0), qml.RX(0.2, 0), qml.RY(0.3, 1)],
        [qml.expval(qml.Z(0)), qml.expval(qml.X(0) @ qml.Y(1)), qml.expval(qml.Z(2))])
    assert t.num_preps == 1 and not t.samples_computational_basis
    assert t.obs_sharing_wires_id == [0, 1]
    assert t.get_operation(2)[1:] == (2, 0)  # data: the basis state, 0.2, 0.3


# --- qml.generator of a user's operation class (issue #18) ---------------------------------
class _GenOp(qml.operation.Operation):
    """A user's one-parameter operation whose generator is -0.6 X (no matrix needed)."""
    num_params = 1
    num_wires = 1

    def generator(self):
        return -0.6 * qml.PauliX(self.wires)


class _HermitianGenOp(_GenOp):
    H = onp.array([[1.0, 2.0], [2.0, 3.0]])

    def generator(self):
        return qml.Hermitian(self.H, wires=self.wires)


def test_generator_of_a_user_class_is_a_function_of_its_arguments():
    obs, p = qml.generator(_GenOp)(0.5, wires=0)
    x = onp.array([[0, 1], [1, 0]])
    assert onp.allclose(p * qml.matrix(obs, wire_order=[0]), -0.6 * x)
    assert onp.allclose(qml.matrix(qml.generator(_GenOp, format="observable")(0.5, wires=3)), -0.6 * x)
    h = qml.generator(_HermitianGenOp, format="hamiltonian")(0.1, wires=0)
    assert isinstance(h, qml.Hamiltonian)
    assert onp.allclose(qml.matrix(h, wire_order=[0]), _HermitianGenOp.H)   # its Pauli form
    a = qml.generator(_HermitianGenOp, format="arithmetic")(0.1, wires=0)
    assert onp.allclose(qml.matrix(a, wire_order=[0]), _HermitianGenOp.H)
    with qml.queuing.AnnotatedQueue() as q:
        qml.generator(_GenOp)(0.5, wires=0)
    # the operation made to read its generator is not queued; the generator's own arithmetic
    # is, as in PennyLane 0.45.1 (its queue: [-0.6 * X(0)])
    assert len(q.queue) == 1 and not isinstance(q.queue[0], _GenOp)
    assert onp.allclose(qml.matrix(q.queue[0], wire_order=[0]), -0.6 * x)


def test_generator_refuses_what_pennylane_refuses():
    class NotHermitian(_GenOp):
        def generator(self):
            return qml.RX(self.data[0], wires=self.wires[0])

    class TwoParameters(_GenOp):
        num_params = 2

    with pytest.raises(qml.QuantumFunctionError, match="is not hermitian"):
        qml.generator(NotHermitian(0.5, wires=0))
    with pytest.raises(ValueError, match="not written in terms of a single parameter"):
        qml.generator(TwoParameters(0.5, 0.1, wires=0))
    with pytest.raises(qml.GateError, match="format must be one of"):
        qml.generator(_GenOp(0.5, wires=0), format="pauli")


def test_param_shift_of_a_tape_with_a_renamed_subclass_of_a_table_gate():
    """``class MyU3(qml.U3)`` with its own ``name`` (PennyLane's test_autograd execute
    tests) on a tape differentiated by parameter shift: it shifts by U3's rule (it was an
    'unknown gate' error); the gradient is the one of the same circuit written with qml.U3
    as a QNode (the compiled exact gradient)."""
    dev = qml.device("default.qubit", wires=1)

    MyU3 = _MyU3
    def cost(a, p):
        tape = qml.tape.QuantumScript([qml.RX(a, wires=0), MyU3(*p, wires=0)],
                                      [qml.expval(qml.PauliX(0))])
        return qml.execute([tape], dev, diff_method="parameter-shift")[0]

    @qml.qnode(dev, diff_method="adjoint")
    def plain(a, p):
        qml.RX(a, wires=0)
        qml.U3(*p, wires=0)
        return qml.expval(qml.PauliX(0))

    a, p = qml.numpy.array(0.1), qml.numpy.array([0.1, 0.2, 0.3])
    assert float(cost(a, p)) == pytest.approx(float(plain(a, p)), abs=1e-12)
    got, want = qml.grad(cost)(a, p), qml.grad(plain)(a, p)
    onp.testing.assert_allclose(got[0], want[0], atol=1e-12)
    onp.testing.assert_allclose(got[1], want[1], atol=1e-12)


class TwoTurns(qml.operation.Operation):
    """A fixed decomposition (RY then RX), as PennyLane's debugger tests write one."""

    num_wires = 1

    @staticmethod
    def compute_decomposition(wires):
        return [qml.RY(0.5, wires=wires), qml.RX(0.5, wires=wires)]


def _rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def _ry(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -s], [s, c]])


def test_ctrl_and_adjoint_of_a_class_of_your_own_apply_its_decomposition():
    # by hand: TwoTurns is RX(0.5) @ RY(0.5); controlled on wire 0, inverted in reverse
    u = _rx(0.5) @ _ry(0.5)
    h = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    cu = onp.block([[onp.eye(2), onp.zeros((2, 2))], [onp.zeros((2, 2)), u]])
    start = onp.kron(h, onp.eye(2)) @ onp.array([1, 0, 0, 0])
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def by_class():
        qml.Hadamard(0)
        qml.ctrl(TwoTurns, control=0)(wires=1)
        return qml.state()

    @qml.qnode(dev)
    def by_instance():
        qml.Hadamard(0)
        qml.ctrl(TwoTurns(wires=1), control=0)
        qml.adjoint(TwoTurns(wires=1))
        qml.adjoint(TwoTurns)(wires=0)
        return qml.state()

    assert onp.allclose(by_class(), cu @ start)
    expected = onp.kron(u.conj().T, u.conj().T) @ cu @ start
    assert onp.allclose(by_instance(), expected)
    assert onp.allclose(qml.matrix(qml.ctrl(TwoTurns(wires=1), 0)), cu)
    assert onp.allclose(qml.matrix(qml.adjoint(TwoTurns(wires=0))), u.conj().T)
    with qml.queuing.AnnotatedQueue() as q:  # PennyLane's queue: one operator each
        qml.ctrl(TwoTurns(wires=1), 0)
        qml.adjoint(TwoTurns(wires=1))
    assert [type(o).__name__ for o in q.queue] == ["ControlledOp", "AdjointOperation"]


class _PlainForTests(qml.operation.Operator):
    num_wires = 1
    num_params = 1

    @staticmethod
    def compute_matrix(t):
        return onp.array([[onp.cos(t), -onp.sin(t)], [onp.sin(t), onp.cos(t)]])


class _GateForTests(qml.operation.Operation):
    num_wires = 1


def test_operation_isinstance_answers_as_pennylane():
    # PennyLane 0.45: Adjoint/Pow/Controlled take the Operation mixin only from an Operation
    # base; a plain Operator is not one; templates, Exp, Snapshot, projectors are; operator
    # arithmetic and Hermitian are not (answers written from PennyLane 0.45, not from qsym)
    Operation, Operator = qml.operation.Operation, qml.operation.Operator
    plain, gate = _PlainForTests(0.3, wires=0), _GateForTests(wires=0)
    cases = {
        "plain": (plain, False), "adjoint(plain)": (qml.adjoint(plain), False),
        "pow(plain)": (qml.pow(_PlainForTests(0.3, wires=0), 2), False),
        "ctrl(plain)": (qml.ctrl(_PlainForTests(0.3, wires=0), 1), False),
        "gate": (gate, True), "adjoint(gate)": (qml.adjoint(gate), True),
        "RX": (qml.RX(0.1, 0), True), "adjoint(RX)": (qml.adjoint(qml.RX(0.1, 0)), True),
        "QFT": (qml.QFT(wires=[0, 1]), True), "exp": (qml.exp(qml.X(0), 0.1j), True),
        "evolve": (qml.evolve(qml.X(0), 0.1), True), "Snapshot": (qml.Snapshot(), True),
        "Barrier": (qml.Barrier(0), True), "Projector": (qml.Projector([0], 0), True),
        "prod": (qml.X(0) @ qml.Y(1), False), "sum": (qml.X(0) + qml.Z(0), False),
        "sprod": (2 * qml.X(0), False), "Hermitian": (qml.Hermitian(onp.eye(2), 0), False),
    }
    for name, (op, want) in cases.items():
        assert isinstance(op, Operation) is want, name
        assert isinstance(op, Operator), name
    assert qml.ops.Operation is Operation
    assert issubclass(_GateForTests, Operation) and issubclass(qml.RX, Operation)
    assert not issubclass(_PlainForTests, Operation) and issubclass(_PlainForTests, Operator)
    # a plain operator still works as before: its adjoint's matrix is the inverse
    onp.testing.assert_allclose(qml.matrix(qml.adjoint(_PlainForTests(0.3, wires=0))),
                                _PlainForTests.compute_matrix(-0.3), atol=1e-12)


def test_symbolic_mixins_of_a_plain_operator_as_pennylane():
    # PennyLane 0.45's TestInheritanceMixins: Adjoint/Pow/Controlled of a plain Operator are
    # not AdjointOperation / PowOperation / ControlledOp; of an Operation they are
    from qsym.ops.op_math.adjoint import Adjoint, AdjointOperation
    from qsym.ops.op_math.pow import Pow, PowOperation
    from qsym.ops.op_math import Controlled, ControlledOp

    plain = lambda: _PlainForTests(0.3, wires=0)  # noqa: E731
    gate = lambda: _GateForTests(wires=0)  # noqa: E731
    for make, is_op in ((plain, False), (gate, True)):
        adj, pw, ct = Adjoint(make()), Pow(make(), 1.2), Controlled(make(), control_wires=[1])
        assert isinstance(adj, Adjoint) and isinstance(pw, Pow) and isinstance(ct, Controlled)
        assert isinstance(adj, AdjointOperation) is is_op
        assert isinstance(pw, PowOperation) is is_op
        assert isinstance(ct, ControlledOp) is is_op
    assert isinstance(qml.CNOT([0, 1]), ControlledOp) and isinstance(qml.CNOT([0, 1]), Controlled)
    # the plain operator's Controlled still has the controlled matrix
    m = _PlainForTests.compute_matrix(0.3)
    want = onp.eye(4, dtype=complex)
    want[2:, 2:] = m
    onp.testing.assert_allclose(qml.matrix(qml.ctrl(_PlainForTests(0.3, wires=0), 1),
                                           wire_order=[1, 0]), want, atol=1e-12)


def test_controlled_op_asked_for_is_one_even_of_a_plain_operator():
    # PennyLane 0.45's test_controlledop_new: ControlledOp(base, ...) directly is that class
    from qsym.ops.op_math import ControlledOp

    op = ControlledOp(_PlainForTests(0.3, wires="a"), "b")
    assert type(op) is ControlledOp and isinstance(op, ControlledOp)
    assert not isinstance(qml.ctrl(_PlainForTests(0.3, wires="a"), "b"), ControlledOp)


def test_operation_and_operator_subclasses_may_mix_in_abc():
    # PennyLane's Operator is an abc.ABC: a user's class may derive from abc.ABC as well
    import abc

    class Gate(qml.operation.Operation, abc.ABC):
        num_wires = 1

    class Plain(qml.operation.Operator, abc.ABC):
        num_wires = 1

    assert isinstance(Gate(wires=0), qml.operation.Operation)
    assert not isinstance(Plain(wires=0), qml.operation.Operation)
    assert isinstance(Plain(wires=0), qml.operation.Operator)
