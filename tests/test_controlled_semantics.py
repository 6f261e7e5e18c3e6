"""PennyLane's semantics of controlled operators: ``qml.ctrl`` of a controlled operator
flattens, a Barrier is not controlled, a control on 0 decomposes into X flips around the
decomposition of the operator controlled on 1s. Every matrix is checked against one built
here by hand (block-diagonal: the identity with the target's matrix at the control state)."""
import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import DecompositionUndefinedError
from qsym.ops.op_math import Controlled

S = np.diag([1, 1j])
Y = np.array([[0, -1j], [1j, 0]])
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
SWAP = np.eye(4)[[0, 2, 1, 3]]
X = np.array([[0, 1], [1, 0]])


def rx(t):
    c, s = np.cos(t / 2), -1j * np.sin(t / 2)
    return np.array([[c, s], [s, c]])


def controlled(u, values):
    """Identity on the controls and target, ``u`` where the controls read ``values``."""
    d = u.shape[0]
    m = np.eye(2 ** len(values) * d, dtype=complex)
    at = int("".join(str(v) for v in values), 2) * d
    m[at:at + d, at:at + d] = u
    return m


def product(ops, wires):
    m = np.eye(2 ** len(wires), dtype=complex)
    for g in ops:
        m = qml.matrix(g, wire_order=wires) @ m
    return m


def test_ctrl_of_nested_controlled_is_one_controlled_on_all_wires():
    with qml.queuing.AnnotatedQueue() as q:
        op = qml.ctrl(Controlled(Controlled(qml.S(0), [1]), [2], control_values=[0]), control=[3])
    assert q.queue == [op]  # the operators given left the queue
    assert op.base.name == "S" and list(op.control_wires) == [3, 2, 1]
    assert op.control_values == [True, False, True]
    assert np.allclose(op.matrix(wire_order=[3, 2, 1, 0]), controlled(S, [1, 0, 1]))


def test_ctrl_of_a_controlled_gate_of_the_table_flattens_to_its_target():
    op = qml.ctrl(Controlled(qml.CY(wires=[1, 0]), ["b"], control_values=[0]), control=["a"])
    assert op.base.name == "PauliY" and list(op.control_wires) == ["a", "b", 1]
    assert op.control_values == [True, False, True]
    assert np.allclose(op.matrix(wire_order=["a", "b", 1, 0]), controlled(Y, [1, 0, 1]))
    crx = qml.ctrl(qml.CRX(0.4, wires=[0, 1]), control=2)
    assert crx.base.name == "RX" and list(crx.control_wires) == [2, 0]
    assert np.allclose(crx.matrix(wire_order=[2, 0, 1]), controlled(rx(0.4), [1, 1]))


def test_controlled_class_keeps_the_nesting():
    op = Controlled(Controlled(qml.S(0), [1]), [2])
    assert list(op.control_wires) == [2] and list(op.base.control_wires) == [1]
    assert np.allclose(op.matrix(wire_order=[2, 1, 0]), controlled(S, [1, 1]))


def test_ctrl_of_a_barrier_is_the_barrier_queued_where_ctrl_is():
    with qml.queuing.AnnotatedQueue() as q:
        b = qml.Barrier(wires=[0, 1])
        qml.X(0)
        out = qml.ctrl(b, [2])
    assert out is b
    assert [o.name for o in q.queue] == ["PauliX", "Barrier"]


def test_ctrl_of_a_broadcast_trainable_rotation():
    angles = pnp.array([0.1, 0.7], requires_grad=True)
    op = qml.ctrl(qml.RX(angles, wires=1), control=0)
    m = qml.matrix(op, wire_order=[0, 1])
    assert m.shape == (2, 4, 4)
    for k, t in enumerate([0.1, 0.7]):
        assert np.allclose(m[k], controlled(rx(t), [1]))


@pytest.mark.parametrize("base, u, ncontrols", [
    (lambda w: qml.Y(w[0]), Y, 1), (lambda w: qml.Hadamard(w[0]), H, 1),
    (lambda w: qml.RX(0.3, wires=w[0]), rx(0.3), 1), (lambda w: qml.S(w[0]), S, 2),
    (lambda w: qml.SWAP(wires=w[:2]), SWAP, 1), (lambda w: qml.RX(1.1, wires=w[0]), rx(1.1), 2),
])
def test_control_on_zero_decomposes_into_flips_around_the_controlled_on_one(base, u, ncontrols):
    controls = ["c%d" % i for i in range(ncontrols)]
    targets = ["t0", "t1"][: int(np.log2(u.shape[0]))]
    op = Controlled(base(targets), controls, control_values=[0] * ncontrols)
    decomp = op.decomposition()
    flips = [qml.X(w) for w in controls]
    assert decomp[:ncontrols] == flips and decomp[-ncontrols:] == flips
    ones = Controlled(base(targets), controls)  # the same on 1s, decomposed in between
    assert decomp[ncontrols:-ncontrols] == ones.decomposition()
    wires = controls + targets
    assert np.allclose(product(decomp, wires), controlled(u, [0] * ncontrols))


def test_control_on_zero_of_an_operator_without_decomposition():
    class Mine(qml.operation.Operation):
        num_wires = 1

    op = Controlled(Mine(wires="t"), [0, 1], control_values=[1, 0])
    decomp = op.decomposition()
    assert decomp[0] == qml.X(1) and decomp[2] == qml.X(1) and len(decomp) == 3
    assert decomp[1].control_values == [True, True] and list(decomp[1].control_wires) == [0, 1]
    with pytest.raises(DecompositionUndefinedError):
        Controlled(Mine(wires="t"), [0, 1]).decomposition()


def test_properties_of_a_controlled_operator_of_your_own():
    class Mine(qml.operation.Operation):
        num_wires = 1
        grad_method = "F"

    op = Controlled(Mine(0.2, wires="t"), [0], control_values=[0])
    assert op.has_decomposition is True  # X flips around the operator controlled on 1
    assert op.grad_method == "F"
    with pytest.raises(qml.operation.ParameterFrequenciesUndefinedError,
                       match="does not have parameter frequencies"):
        op.parameter_frequencies
    assert qml.ctrl(qml.RX(0.1, wires=0), [1, 2]).parameter_frequencies == [(0.5, 1.0)]


@pytest.mark.parametrize("values", [[0, 0, 0], [0, 1, 0], [1, 1, 1]])
def test_sparse_matrix_of_a_controlled_gate(values):
    phi, delta = 1.234, -3.2
    u2 = np.array([[1, -np.exp(1j * delta)],
                   [np.exp(1j * phi), np.exp(1j * (phi + delta))]]) / np.sqrt(2)
    op = Controlled(qml.U2(phi, delta, wires=3), (0, 1, 2), control_values=values)
    assert op.has_sparse_matrix
    assert np.allclose(op.sparse_matrix().toarray(), controlled(u2, values))


def test_generator_of_a_control_on_zero_is_projectors_times_the_base_generator():
    from scipy.linalg import expm

    theta = -0.123
    op = Controlled(qml.RZ(theta, wires="a"), ("b", "c"), control_values=[0, 1])
    assert op.has_generator
    obs, factor = qml.generator(op)
    assert factor == -0.5
    wires = ["b", "c", "a"]
    p0, p1, z = np.diag([1, 0]), np.diag([0, 1]), np.diag([1, -1])
    assert np.allclose(qml.matrix(obs, wire_order=wires), np.kron(np.kron(p0, p1), z))
    rz = np.diag([np.exp(-1j * theta / 2), np.exp(1j * theta / 2)])
    g = factor * np.kron(np.kron(p0, p1), z)
    assert np.allclose(expm(1j * theta * g), controlled(rz, [0, 1]))


def test_simplify_flattens_nested_controls_and_simplifies_the_base():
    op = Controlled(Controlled(qml.Hadamard(0), 1), 2).simplify()
    assert op.base.name == "Hadamard" and list(op.control_wires) == [2, 1]
    assert np.allclose(op.matrix(wire_order=[2, 1, 0]), controlled(H, [1, 1]))
    op = Controlled(qml.RX(4 * np.pi + 0.5, wires=0), [1, 2], control_values=[0, 1]).simplify()
    assert np.isclose(op.base.parameters[0], 0.5) and op.control_values == [False, True]
    assert np.allclose(op.matrix(wire_order=[1, 2, 0]), controlled(rx(0.5), [0, 1]))
    assert Controlled(qml.Identity(0), [1]).simplify().name == "Identity"


def test_decomposition_of_a_controlled_identity_is_the_identity_on_all_wires():
    assert Controlled(qml.Identity(0), [1, 2]).decomposition() == [qml.Identity(wires=[1, 2, 0])]
    decomp = Controlled(qml.Identity(0), [1, 2], control_values=[0, 1]).decomposition()
    assert decomp == [qml.X(1), qml.Identity(wires=[1, 2, 0]), qml.X(1)]


def test_adjoint_of_an_operator_of_your_own_without_a_decomposition():
    # the adjoint's has_decomposition reads only its base (an AttributeError before)
    class Flip(qml.operation.Operation):
        num_wires = 1

        @staticmethod
        def compute_matrix(*params, **hyper):
            return np.array([[0.0, 1.0], [1.0, 0.0]])

    a = qml.adjoint(Flip(wires=0))
    assert a.has_decomposition is False
    assert np.allclose(qml.matrix(a), np.array([[0.0, 1.0], [1.0, 0.0]]))


# --- PennyLane's decomposition forms of a Controlled of a table gate --------------------------
def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def test_controlled_special_unitary_decomposes_by_bisection_or_zyz():
    """PennyLane's rule: a one-wire special unitary with two controls or more is bisected
    (multi-controlled X between QubitUnitary factors) when no parameter is trainable, else
    decomposed by its Z-Y-Z angles; both products are the block matrix."""
    wires = [1, 2, 3, 4, 0]
    plain = qml.ctrl(qml.RZ(1.2, wires=0), (1, 2, 3, 4)).decomposition()
    assert [g.name for g in plain[1::2]] == ["QubitUnitary", "Adjoint(QubitUnitary)"] * 2
    assert [g.name for g in plain[::2]] == ["MultiControlledX"] * 4
    assert [list(g.wires) for g in plain[::2]] == [[1, 2, 0], [3, 4, 0]] * 2
    assert np.allclose(product(plain, wires), controlled(rz(1.2), [1, 1, 1, 1]))
    trainable = qml.ctrl(qml.RZ(pnp.array(1.2), wires=0), (1, 2, 3, 4)).decomposition()
    assert [g.name for g in trainable] == ["CRZ", "MultiControlledX", "CRZ", "MultiControlledX",
                                           "CRZ"]
    assert np.allclose([g.data[0] for g in trainable[::2]], [1.2, -0.6, -0.6])
    assert np.allclose(product(trainable, wires), controlled(rz(1.2), [1, 1, 1, 1]))


@pytest.mark.parametrize("values", [[1, 1], [0, 1], [1, 0], [0, 0]])
def test_controlled_rotation_decomposition_matches_block_matrix(values):
    ops = qml.ctrl(qml.RY(0.7, wires=0), [1, 2], control_values=values).decomposition()
    assert np.allclose(product(ops, [1, 2, 0]), controlled(ry(0.7), values))


def test_controlled_gate_decomposes_through_its_base_decomposition():
    """A base that is not special unitary: its decomposition controlled gate by gate
    (PennyLane's): S is PhaseShift(pi/2), controlled once a ControlledPhaseShift."""
    one = qml.ctrl(qml.S(1), 0).decomposition()
    assert [g.name for g in one] == ["ControlledPhaseShift"]
    assert np.isclose(one[0].data[0], np.pi / 2) and list(one[0].wires) == [0, 1]
    two = qml.ctrl(qml.S(0), [1, 2]).decomposition()
    assert len(two) == 1 and isinstance(two[0], Controlled) and two[0].base.name == "PhaseShift"
    assert np.allclose(product(two, [1, 2, 0]), controlled(S, [1, 1]))
    ising = qml.ctrl(qml.IsingXX(0.3, wires=[0, 1]), [2]).decomposition()
    xx = np.cos(0.15) * np.eye(4) - 1j * np.sin(0.15) * np.kron(X, X)
    assert np.allclose(product(ising, [2, 0, 1]), controlled(xx, [1]))


def test_nested_controlled_rz_decomposes_as_pennylane():
    op = Controlled(Controlled(qml.RZ(0.123, wires=0), control_wires=1), control_wires=2)
    ops = op.decomposition()
    assert [(g.name, list(g.wires)) for g in ops] == [
        ("ControlledPhaseShift", [2, 0]), ("Toffoli", [2, 1, 0]),
        ("ControlledPhaseShift", [2, 0]), ("Toffoli", [2, 1, 0])]
    assert np.allclose([ops[0].data[0], ops[2].data[0]], [0.0615, -0.0615])
    assert np.allclose(product(ops, [2, 1, 0]), controlled(rz(0.123), [1, 1]))


@pytest.mark.parametrize("controls", [[0], [0, 1, 3]])  # (two: a ControlledPhaseShift)
def test_controlled_global_phase_decomposes_into_phase_shift(controls):
    """Barenco et al., Lemma 5.2: exp(-i t) where every control is 1 is PhaseShift(-t) on the
    last control, controlled by the others."""
    op = Controlled(qml.GlobalPhase(0.4, wires=2), controls)
    ops = op.decomposition()
    assert len(ops) == 1
    shift = ops[0] if len(controls) == 1 else ops[0].base
    assert shift.name == "PhaseShift" and np.isclose(shift.data[0], -0.4)
    assert list(shift.wires) == controls[-1:]
    expected = controlled(np.exp(-0.4j) * np.eye(1), [1] * len(controls))
    assert np.allclose(product(ops, controls), expected)


def test_controlled_rotation_gradient_is_unchanged():
    """H on both controls, RY(x) on the target where both are 1: <Z> = 3/4 + cos(x)/4."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(1)
        qml.Hadamard(2)
        qml.ctrl(qml.RY(x, wires=0), [1, 2])
        return qml.expval(qml.PauliZ(0))

    x = pnp.array(0.37, requires_grad=True)
    assert np.isclose(circuit(x), 0.75 + np.cos(0.37) / 4)
    assert np.isclose(qml.grad(circuit)(x), -np.sin(0.37) / 4)


class _Dummy(qml.operation.Operator):
    num_wires = 1

    @staticmethod
    def compute_matrix(*params):
        t = params[0]
        return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])

    def adjoint(self):
        return _Dummy(-self.data[0], wires=self.wires)

    def pow(self, z):
        return [_Dummy(z * self.data[0], wires=self.wires)]


def test_adjoint_and_pow_of_controlled_operator_of_your_own():
    """PennyLane's: the base's adjoint / powers, each controlled the same way."""
    op = Controlled(_Dummy(0.3, wires=0), [1, 2], [1, 0], work_wires=["aux"])
    for made in (op.adjoint(), *op.pow(2)):
        assert isinstance(made, Controlled)
        assert list(made.control_wires) == [1, 2] and made.control_values == [True, False]
        assert list(made.work_wires) == ["aux"]
    rot = _Dummy.compute_matrix
    assert np.isclose(op.adjoint().base.data[0], -0.3)
    assert np.allclose(op.adjoint().matrix(), controlled(rot(-0.3), [1, 0]))
    assert np.allclose(op.adjoint().matrix(), op.matrix().conj().T)
    (square,) = op.pow(2)
    assert np.allclose(square.matrix(), controlled(rot(0.6), [1, 0]))
    assert np.allclose(square.matrix(), op.matrix() @ op.matrix())


def test_controlled_flatten_unflatten():
    target = qml.S(0)
    op = Controlled(target, qml.wires.Wires((1, 2)), control_values=(0, 0), work_wires=3)
    data, metadata = op._flatten()
    assert data == (target,) and data[0] is target
    assert metadata == (qml.wires.Wires([1, 2]), (False, False), qml.wires.Wires([3]), "borrowed")
    assert hash(metadata)
    new = type(op)._unflatten(data, metadata)
    qml.assert_equal(op, new)
    assert np.allclose(new.matrix(), controlled(S, [0, 0]))


# --- qml.ctrl of a function in a user's queue: PennyLane's queue ------------------------------
def test_ctrl_of_function_queues_a_template_whole():
    with qml.queuing.AnnotatedQueue() as q:
        qml.ctrl(qml.templates.QFT, 2)(wires=[0, 1])
    (op,) = q.queue
    assert isinstance(op, Controlled) and op.base.name == "QFT" and list(op.control_wires) == [2]
    n = 4  # the QFT on 2 wires: F[j, k] = i^(jk) / 2, controlled by wire 2 on 1
    qft = np.array([[1j ** (j * k) for k in range(n)] for j in range(n)]) / 2
    assert np.allclose(qml.matrix(op, wire_order=[2, 0, 1]), controlled(qft, [1]))
    assert [g.name for g in op.decomposition()] == ["CH", "C(PhaseShift)", "CH", "CSWAP"]


def test_ctrl_of_function_leaves_its_operator_arguments_out_of_the_queue():
    with qml.queuing.AnnotatedQueue() as q:
        qml.ctrl(qml.QSVT, control=0)(qml.X(1), [qml.Z(1)])
        qml.ctrl(qml.QSVT(qml.X(1), [qml.Z(1)]), control=0)
    assert [op.name for op in q.queue] == ["C(QSVT)", "C(QSVT)"]


@pytest.mark.parametrize("values", [[0], [1]])
def test_ctrl_of_function_flips_zero_controls_once(values):
    """PennyLane's: X on the controls on 0 once around all the controlled operators."""
    def ops():
        qml.RX(0.123, wires=0)
        qml.RY(0.456, wires=2)
        qml.PauliX(wires=2)

    with qml.queuing.AnnotatedQueue() as q:
        qml.ctrl(ops, control=1, control_values=values)()
    names = [op.name for op in q.queue]
    assert names == ["PauliX"] * (1 - values[0]) + ["CRX", "CRY", "CNOT"] + ["PauliX"] * (
        1 - values[0])
    u = np.kron(rx(0.123), X @ ry(0.456))  # on wires [0, 2]
    m = product(q.queue, [1, 0, 2])
    assert np.allclose(m, controlled(u, values))


def test_controlled_diagonal_unitary_decomposes_into_a_diagonal_unitary():
    """PennyLane's: one control and a base with a controlled form of its own (a
    DiagonalQubitUnitary's: ones where the control is 0)."""
    d = np.array([-1.0, 1.0j])
    op = qml.ctrl(qml.DiagonalQubitUnitary(d, wires=0), 1)
    (diag,) = op.decomposition()
    assert diag.name == "DiagonalQubitUnitary" and list(diag.wires) == [1, 0]
    assert np.allclose(qml.matrix(diag), np.diag([1, 1, -1, 1j]))
    assert np.allclose(qml.matrix(op), controlled(np.diag(d), [1]))
    two = qml.ctrl(qml.DiagonalQubitUnitary(d, wires=0), [1, 2], control_values=[0, 1])
    assert np.allclose(product(two.decomposition(), [1, 2, 0]), controlled(np.diag(d), [0, 1]))


class MyRot(qml.operation.Operation):
    """An operation of your own: a matrix, no gate of qsym's table."""
    num_wires = 1

    @staticmethod
    def compute_matrix(t):
        return rx(t)


def test_nested_ctrl_of_an_operation_of_your_own_in_a_queue():
    """qml.ctrl(qml.ctrl(MyOp, 7), 3): one Controlled on both controls (was a GateError)."""
    with qml.queuing.AnnotatedQueue() as q:
        qml.ctrl(qml.ctrl(MyRot, 7), 3)(0.3, wires=0)
    (op,) = q.queue
    assert isinstance(op, Controlled) and op.base.name == "MyRot"
    assert list(op.control_wires) == [3, 7]
    assert np.allclose(op.matrix(), controlled(rx(0.3), [1, 1]))


def test_controlled_op_is_a_class_with_pennylanes_constructor():
    from qsym.ops.op_math import ControlledOp

    op = Controlled(MyRot(0.4, wires=0), 6.5)
    assert type(op) is ControlledOp and isinstance(op, Controlled)
    direct = ControlledOp(MyRot(0.4, wires="a"), "b", control_values=[0])
    assert type(direct) is ControlledOp and list(direct.control_wires) == ["b"]
    assert np.allclose(direct.matrix(), controlled(rx(0.4), [0]))
    assert isinstance(qml.CNOT(wires=[0, 1]), ControlledOp)
    assert isinstance(qml.ctrl(qml.RX(0.1, wires=0), 1), ControlledOp)
    assert not isinstance(qml.RX(0.1, wires=0), ControlledOp)


def test_sparse_matrix_of_a_controlled_operator_without_matrix_is_refused():
    from qsym.errors import SparseMatrixUndefinedError

    class NoMatrix(qml.operation.Operator):
        num_wires = 1

    op = Controlled(NoMatrix(1, wires=0), 2)
    assert not op.has_sparse_matrix
    with pytest.raises(SparseMatrixUndefinedError, match="compute_matrix"):
        op.sparse_matrix()
    s = qml.ctrl(qml.S(1), 0, control_values=0).sparse_matrix()
    assert np.allclose(s.toarray(), controlled(S, [0]))


def test_label_of_a_controlled_gate_is_its_bases():
    """PennyLane's Controlled.label is the base's: Controlled(U1) is labelled U1; a
    PhaseShift's stays Rϕ."""
    u1 = Controlled(qml.U1(1.23, wires=0), "a")
    assert u1.label() == "U1" and u1.label(decimals=2) == "U1\n(1.23)"
    assert u1.label(base_label="hi") == "hi"
    assert qml.ctrl(qml.PhaseShift(0.5, wires=0), 1).label() == "Rϕ"
    assert qml.ctrl(qml.RX(0.2, wires=0), 1).label(decimals=1) == "RX\n(0.2)"


def test_ctrl_of_u1_is_a_controlled_u1_as_pennylanes():
    # PennyLane 0.45.1 maps qml.ctrl to a gate of its own by the base's type (PhaseShift ->
    # ControlledPhaseShift), not U1's: qml.ctrl(U1) is Controlled(U1), "C(U1)" in qml.specs
    # (names and counts: PennyLane's, /work/plvenv); the same matrix, by hand
    op = qml.ctrl(qml.U1(0.3, wires=1), control=0)
    assert op.name == "C(U1)"
    assert np.allclose(qml.matrix(op), np.diag([1, 1, 1, np.exp(0.3j)]))

    @qml.qnode(qml.device("default.qubit", wires=3))
    def c(x):
        qml.ctrl(qml.U1(x, wires=2), control=0)
        qml.ctrl(qml.PhaseShift(x, wires=2), control=1)
        return qml.expval(qml.Z(0))

    assert dict(qml.specs(c)(0.2).resources.gate_types) == {"C(U1)": 1, "ControlledPhaseShift": 1}
