"""qml.ControlledQubitUnitary (qsym/_opmath.py): PennyLane's Controlled of a QubitUnitary.

Independent evidence only: reference matrices written here from projectors on the control
states (|c><c| (x) U + (1 - |c><c|) (x) 1, wires reordered with an explicit permutation),
powers and inverses from hand-diagonal matrices, a QNode's values and gradients against
closed forms derived by hand and against central finite differences.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

I2 = onp.eye(2)
P0, P1 = onp.diag([1.0, 0.0]), onp.diag([0.0, 1.0])
H = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
V = onp.array([[0.6, 0.8j], [0.8j, 0.6]])  # unitary: V V^dagger = 1


def kron(*ms):
    out = onp.eye(1)
    for m in ms:
        out = onp.kron(out, m)
    return out


def controlled_by_hand(U, values):
    """|c><c| (x) U + (1 - |c><c|) (x) 1 on wires (controls..., targets...)."""
    proj = kron(*[P1 if v else P0 for v in values])
    return kron(proj, U) + kron(onp.eye(len(proj)) - proj, onp.eye(len(U)))


def test_matrix_is_the_projector_form_on_its_own_wires():
    op = qml.ControlledQubitUnitary(V, wires=[0, 1, 2], control_values=[0, 1])
    assert onp.allclose(op.matrix(), controlled_by_hand(V, [0, 1]))
    U2 = kron(V, H)  # a 2-wire target
    op = qml.ControlledQubitUnitary(U2, wires=[3, 0, 1], control_values=0)
    assert onp.allclose(op.matrix(), controlled_by_hand(U2, [0]))
    # wire_order (0, 1, 3): the same operator with its wires permuted by hand
    perm = onp.zeros((8, 8))
    for i in range(8):  # basis index on (3, 0, 1) -> index on (0, 1, 3)
        b3, b0, b1 = (i >> 2) & 1, (i >> 1) & 1, i & 1
        perm[(b0 << 2) | (b1 << 1) | b3, i] = 1
    assert onp.allclose(op.matrix(wire_order=[0, 1, 3]), perm @ controlled_by_hand(U2, [0]) @ perm.T)


def test_pennylane_attributes_and_bit_string_values():
    op = qml.ControlledQubitUnitary(V, wires=["b", "c", "a"], control_values="01")
    assert op.name == "ControlledQubitUnitary"
    assert list(op.control_wires) == ["b", "c"] and list(op.target_wires) == ["a"]
    assert op.control_values == [False, True]
    assert op.base.name == "QubitUnitary" and list(op.base.wires) == ["a"]
    assert onp.allclose(op.data[0], V) and op.num_params == 1 and op.ndim_params == (2,)
    assert isinstance(op, qml.ops.op_math.Controlled)
    same = qml.ControlledQubitUnitary(V, wires=["b", "c", "a"], control_values=[0, 1])
    assert onp.allclose(op.matrix(), same.matrix())
    assert onp.allclose(op.matrix(), controlled_by_hand(V, [0, 1]))


def test_broadcast_matrix_gives_a_stack():
    stack = onp.array([V, H, I2])
    m = qml.ControlledQubitUnitary(stack, wires=[1, 0]).matrix()
    assert m.shape == (3, 4, 4)
    for k in range(3):
        assert onp.allclose(m[k], controlled_by_hand(stack[k], [1]))


def test_bad_input_is_refused_by_name():
    with pytest.raises(TypeError, match="Must specify a set of wires"):
        qml.ControlledQubitUnitary(V, wires=None)
    with pytest.raises(ValueError, match="Base must be a matrix"):
        qml.ControlledQubitUnitary(lambda x: x, wires=[0, 1])
    with pytest.raises(qml.GateError, match="same length as control_wires"):
        qml.ControlledQubitUnitary(V, wires=[0, 1, 2], control_values="011")
    with pytest.raises(qml.GateError, match="0 and 1"):
        qml.ControlledQubitUnitary(V, wires=[0, 1], control_values="x")
    with pytest.raises(qml.WireError, match="different"):
        qml.ControlledQubitUnitary(V, wires=[0, 0])
    with pytest.raises(qml.WireError, match="control wires"):
        qml.ControlledQubitUnitary(onp.eye(4), wires=[0, 1])
    with pytest.warns(UserWarning, match="may not be unitary"):
        qml.ControlledQubitUnitary(onp.array([[1, 0], [5, 1]]), wires=[0, 1], unitary_check=True)


def test_pow_and_adjoint_keep_the_controls():
    D = onp.diag([1.0, 1j])  # S: powers by hand
    op = qml.ControlledQubitUnitary(D, wires=["b", "c", "a"], control_values=[0, 1])
    for z, dz in ((2, onp.diag([1, -1])), (-1, onp.diag([1, -1j])), (0.5, onp.diag([1, onp.exp(1j * onp.pi / 4)]))):
        (p,) = op.pow(z)
        assert isinstance(p, qml.ControlledQubitUnitary) and p.control_values == [False, True]
        assert list(p.wires) == ["b", "c", "a"]
        assert onp.allclose(p.matrix(), controlled_by_hand(dz, [0, 1]))
    a = op.adjoint()
    assert isinstance(a, qml.ControlledQubitUnitary)
    assert onp.allclose(a.matrix(), controlled_by_hand(D.conj().T, [0, 1]))
    with pytest.raises(qml.operation.PowUndefinedError):
        qml.ControlledQubitUnitary(onp.array([D, D]), wires=[0, 1]).pow(0.5)


def test_ctrl_of_a_qubit_unitary_is_one_and_controls_merge():
    c = qml.ctrl(qml.QubitUnitary(V, wires=2), control=[0, 1], control_values=[1, 0])
    assert isinstance(c, qml.ControlledQubitUnitary)
    assert onp.allclose(c.matrix(), controlled_by_hand(V, [1, 0]))
    cc = qml.ctrl(c, control=3, control_values=0)
    assert isinstance(cc, qml.ControlledQubitUnitary) and list(cc.control_wires) == [3, 0, 1]
    assert onp.allclose(cc.matrix(), controlled_by_hand(V, [0, 1, 0]))
    more = c._controlled("a")
    assert list(more.control_wires) == ["a", 0, 1] and more.control_values == [True, True, False]


def test_equal_compares_each_control_wire_with_its_value():
    a = qml.ControlledQubitUnitary(V, wires=[0, 1, 4], control_values=[0, 1])._controlled("a")
    b = qml.ControlledQubitUnitary(V, wires=[0, 1, "a", 4], control_values=[0, 1, 1])
    assert qml.equal(a, b)
    c = qml.ControlledQubitUnitary(V, wires=[0, 1, "a", 4], control_values=[1, 1, 1])
    assert not qml.equal(a, c)
    assert not qml.equal(b, qml.ControlledQubitUnitary(H, wires=[0, 1, "a", 4], control_values=[0, 1, 1]))


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
@pytest.mark.parametrize("value", [0, 1])
def test_in_a_qnode_values_and_gradients_are_exact(method, value):
    """RX(x) on wire 0, then H on wire 1 when wire 0 is ``value``: <Z1> is cos^2(x/2) (value 1:
    H acts on the sin part, <+|Z|+> = 0) or sin^2(x/2) (value 0)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.ControlledQubitUnitary(H, wires=[0, 1], control_values=[value])
        return qml.expval(qml.PauliZ(1))

    x = np.array(0.7, requires_grad=True)
    want = (1 + onp.cos(0.7)) / 2 if value else (1 - onp.cos(0.7)) / 2
    dwant = -onp.sin(0.7) / 2 if value else onp.sin(0.7) / 2
    assert onp.isclose(circuit(x), want, atol=1e-12)
    g = qml.grad(circuit)(x)
    assert onp.isclose(g, dwant, atol=1e-10)
    h = 1e-6
    assert onp.isclose(g, (circuit(0.7 + h) - circuit(0.7 - h)) / (2 * h), atol=1e-7)


def test_in_a_qnode_the_state_is_the_reference_matrix_applied():
    dev = qml.device("default.qubit", wires=3)
    U2 = kron(V, H)

    @qml.qnode(dev)
    def circuit():
        for w in range(3):
            qml.Hadamard(wires=w)
        qml.ControlledQubitUnitary(U2, wires=[2, 0, 1], control_values=[0])
        return qml.state()

    plus = onp.ones(8) / onp.sqrt(8)
    # the reference acts on wires (2, 0, 1); the state is ordered (0, 1, 2)
    perm = onp.zeros((8, 8))
    for i in range(8):
        b2, b0, b1 = (i >> 2) & 1, (i >> 1) & 1, i & 1
        perm[(b0 << 2) | (b1 << 1) | b2, i] = 1
    want = perm @ controlled_by_hand(U2, [0]) @ perm.T @ plus
    assert onp.allclose(circuit(), want)


def test_new_matrices_of_one_shape_share_one_module():
    """The controlled matrix is a QubitUnitary's, runtime data: a new U traces again (it is
    static by value) into the same generated module; values from the projector form."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x, t=0.0):
        ct, st = onp.cos(float(t)), onp.sin(float(t))
        qml.Hadamard(wires=0)
        qml.RX(x, wires=1)
        qml.ControlledQubitUnitary(onp.array([[ct, -1j * st], [-1j * st, ct]]), wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    x = np.array(0.3, requires_grad=True)
    modules = set()
    for t in (0.2, 0.7, 1.9):
        # half the amplitude sees RX(0.3), half RX(0.3 + 2t): <Z1> averages the two cosines
        want = (onp.cos(0.3) + onp.cos(0.3 + 2 * t)) / 2
        assert c(x, t=t) == pytest.approx(want, abs=1e-12)
        assert qml.grad(c)(x, t=t) == pytest.approx(-(onp.sin(0.3) + onp.sin(0.3 + 2 * t)) / 2, abs=1e-10)
        modules.add(c.compiled((x,), {"t": t})[0].module.__name__)
    assert len(modules) == 1


@pytest.mark.parametrize("values", [[0], [1, 0]])
def test_a_stack_of_one_wire_matrices_broadcasts_in_a_circuit(values):
    """Each element of the broadcast state is the projector form of its own matrix applied
    to |+...+> (the phase of each matrix included)."""
    stack = onp.array([V, H, onp.diag([1j, -1.0])])
    n = len(values) + 1

    @qml.qnode(qml.device("default.qubit", wires=n))
    def circuit():
        for w in range(n):
            qml.Hadamard(wires=w)
        qml.ControlledQubitUnitary(stack, wires=list(range(n)), control_values=values)
        return qml.state()

    states = circuit()
    assert states.shape == (3, 2**n)
    plus = onp.ones(2**n) / onp.sqrt(2**n)
    for k in range(3):
        assert onp.allclose(states[k], controlled_by_hand(stack[k], values) @ plus)
    with pytest.raises(qml.ArgumentError, match="broadcast_expand"):
        @qml.qnode(qml.device("default.qubit", wires=3))
        def wide():
            qml.ControlledQubitUnitary(onp.array([kron(V, H)] * 2), wires=[0, 1, 2])
            return qml.state()
        wide()


def test_a_broadcast_controlled_rotation_decomposes_element_by_element():
    """CRZ(t) with t a batch: its gates' product is the hand-written CRZ of each element,
    diag(1, 1, exp(-i t/2), exp(i t/2)) (the rule applied to each element)."""
    ts = onp.array([0.1, 0.5, -2.0])
    gates = qml.CRZ(ts, wires=[0, 1]).decomposition()
    for k, t in enumerate(ts):
        m = onp.eye(4, dtype=complex)
        for g in gates:
            gm = g.matrix(wire_order=[0, 1])
            m = (gm[k] if gm.ndim == 3 else gm) @ m
        assert onp.allclose(m, onp.diag([1, 1, onp.exp(-0.5j * t), onp.exp(0.5j * t)]))
