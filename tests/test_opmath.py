"""qml.adjoint, qml.ctrl, operator arithmetic and probs(op=...) (qsym/_opmath.py).

References are independent of the code under test: the conjugate transpose of a gate's
matrix, controlled matrices assembled here with numpy, probabilities computed here from
eigenvectors, exact derivatives (qml.check) and finite differences.
"""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym._gates import BUILTIN_GATES, GATES


@pytest.fixture(scope="module", autouse=True)
def _forget_controlled_rows():
    """qml.ctrl adds C<k>_<gate> rows to the table; other test modules count the rows."""
    yield
    from qsym import _operations as operations

    for name in [n for n in GATES if n not in BUILTIN_GATES and n.startswith("C")
                 and "_" in n and n[1:n.index("_")].isdigit()]:
        qml._gates.unregister(name)
        operations.GATE_CLASSES.pop(name, None)
    qml.rules.rule_for_gate.cache_clear()


def apply(psi, mat, wires, n):
    k = len(wires)
    t = np.tensordot(mat.reshape((2,) * 2 * k), psi.reshape((2,) * n),
                     axes=(list(range(k, 2 * k)), list(wires)))
    return np.moveaxis(t, list(range(k)), list(wires)).reshape(-1)


def unitary(ops, n):
    """The 2^n x 2^n matrix of a gate list (wire labels are indices)."""
    U = np.eye(2**n, dtype=complex)
    for op in ops:
        U = np.stack([apply(U[:, j], op.matrix(), list(op.wires), n) for j in range(2**n)], axis=1)
    return U


def controlled(u, controls, values, target_wires, n):
    """``u`` on ``target_wires`` where the control wires hold ``values``, else identity."""
    U = np.zeros((2**n, 2**n), dtype=complex)
    for j in range(2**n):
        bits = [(j >> (n - 1 - w)) & 1 for w in range(n)]
        e = np.zeros(2**n, dtype=complex)
        e[j] = 1
        if all(bits[c] == v for c, v in zip(controls, values)):
            U[:, j] = apply(e, u, target_wires, n)
        else:
            U[:, j] = e
    return U


SAMPLES = {  # (params, wires, hyper) per gate
    "MultiRZ": ((0.7,), [0, 1, 2], {}),
    "PauliRot": ((0.7,), [0, 1], {"pauli_word": "XY"}),
    "PCPhase": ((0.7,), [0, 1], {"dim": 3}),
    "GlobalPhase": ((0.7,), [0], {}),
    "MultiControlledX": ((), [0, 1, 2], {"control_values": [1, 0]}),
    "QubitUnitary": ((), [0], {"U": np.array([[0, 1j], [np.exp(0.3j), 0]])}),
    "Identity": ((), [0, 1], {}),
}


def sample(name):
    row = GATES[name]
    if name in SAMPLES:
        params, wires, hyper = SAMPLES[name]
    else:
        params, wires, hyper = tuple(0.3 + 0.4 * i for i in range(row.num_params)), list(range(row.num_wires)), {}
    return qml.GATE_CLASSES[name](*params, wires=wires, **hyper)


@pytest.mark.parametrize("name", sorted(BUILTIN_GATES))
def test_adjoint_of_every_gate_is_its_inverse(name):
    op = sample(name)
    inv = qml.adjoint(op)
    inv = inv if isinstance(inv, list) else [inv]
    n = max(max(op.wires) + 1, 1)
    np.testing.assert_allclose(unitary(inv, n), unitary([op], n).conj().T, atol=1e-12)


CTRL_CASES = [
    ("RX", (0.7,), [3]), ("RY", (0.7,), [3]), ("RZ", (0.7,), [3]), ("PhaseShift", (0.7,), [3]),
    ("Rot", (0.3, 0.5, -0.9), [3]), ("U3", (0.3, 0.5, -0.9), [3]), ("U2", (0.5, -0.9), [3]),
    ("Hadamard", (), [3]), ("S", (), [3]), ("PauliX", (), [3]), ("PauliY", (), [3]),
    ("PauliZ", (), [3]), ("IsingXX", (0.7,), [2, 3]), ("SWAP", (), [2, 3]), ("CNOT", (), [2, 3]),
    ("CRY", (0.7,), [2, 3]), ("PSWAP", (0.7,), [2, 3]), ("GlobalPhase", (0.7,), [3]),
]


@pytest.mark.parametrize("name,params,wires", CTRL_CASES, ids=[c[0] for c in CTRL_CASES])
def test_ctrl_matrix_is_the_controlled_matrix(name, params, wires):
    base = qml.GATE_CLASSES[name](*params, wires=wires)
    u = base.matrix()
    for controls, values in (([0], [1]), ([0, 1], [1, 1]), ([1, 0], [0, 1])):
        ops = qml.ctrl(base, control=controls, control_values=values)
        ops = ops if isinstance(ops, list) else [ops]
        n = 4
        expected = controlled(u, controls, values, wires, n)
        np.testing.assert_allclose(unitary(ops, n), expected, atol=1e-12, err_msg=str(ops))


def test_ctrl_uses_table_gates_and_adjoint_signs():
    assert repr(qml.ctrl(qml.RX(0.2, wires=1), control=0)) == "CRX(0.2, wires=[0, 1])"
    assert qml.ctrl(qml.PauliX(wires=2), control=[0, 1]).name == "Toffoli"
    assert qml.ctrl(qml.CNOT(wires=[2, 3]), control=[0, 1]).name == "MultiControlledX"
    assert qml.ctrl(qml.PhaseShift(0.3, wires=1), control=0).name == "ControlledPhaseShift"
    adj = qml.adjoint(qml.Rot(0.1, 0.2, 0.3, wires=0))
    assert repr(adj) == "Adjoint(Rot(0.1, 0.2, 0.3, wires=[0]))"
    assert [repr(g) for g in adj.table_gates] == ["Rot(-0.3, -0.2, -0.1, wires=[0])"]
    with pytest.raises(qml.WireError, match="overlap"):
        qml.ctrl(qml.RX(0.2, wires=0), control=0)
    with pytest.raises(qml.GateError, match="control_values"):  # one value per control wire
        qml.ctrl(qml.RX(0.2, wires=1), control=[0, 2], control_values=[1])


def test_adjoint_ctrl_pow_are_pennylanes_objects():
    """What PennyLane 0.45.1 shows for qml.adjoint / qml.ctrl / qml.pow (its reprs, names,
    hyperparameters), with matrices written by hand."""
    S = np.diag([1, 1j])
    a = qml.adjoint(qml.S(0))
    assert (repr(a), a.name, a.label(), repr(a.base)) == ("Adjoint(S(0))", "Adjoint(S)", "S†", "S(0)")
    assert isinstance(a, qml.ops.op_math.Adjoint) and a.hyperparameters == {"base": qml.S(0)}
    np.testing.assert_allclose(a.matrix(), np.diag([1, -1j]), atol=0)
    assert repr(qml.adjoint(qml.adjoint(qml.T(0)))) == "Adjoint(Adjoint(T(0)))"
    assert qml.equal(a, qml.adjoint(qml.S(0))) and not qml.equal(a, qml.adjoint(qml.T(0)))
    assert repr(qml.adjoint(qml.S(0), lazy=False)) == "PhaseShift(-pi/2, wires=[0])"

    p = qml.pow(qml.RX(0.5, wires=0), 2)
    assert (repr(p), p.name, p.z, p.label()) == ("RX(0.5, wires=[0])**2", "RX**2", 2, "RX²")
    assert p.hyperparameters == {"z": 2, "base": qml.RX(0.5, wires=0)}
    assert repr(p.decomposition()) == "[RX(1.0, wires=[0])]"
    x2 = qml.X(0) ** 2
    assert (repr(x2), x2.name, x2.decomposition()) == ("X(0)**2", "PauliX**2", [])
    np.testing.assert_allclose(x2.matrix(), np.eye(2), atol=0)
    np.testing.assert_allclose(qml.pow(qml.S(0), 2).matrix(), S @ S, atol=1e-15)

    c = qml.ctrl(qml.S(1), 0, control_values=0)
    assert repr(c) == "Controlled(S(1), control_wires=[0], control_values=[False])"
    assert (c.name, c.control_wires, c.target_wires, c.control_values) == (
        "C(S)", qml.wires.Wires([0]), qml.wires.Wires([1]), [False])
    assert isinstance(c, qml.ops.op_math.Controlled)
    np.testing.assert_allclose(c.matrix(), np.diag([1, 1j, 1, 1]), atol=0)
    c2 = qml.ctrl(qml.RY(0.2, wires=2), [0, 1])
    assert (repr(c2), c2.name) == ("Controlled(RY(0.2, wires=[2]), control_wires=[0, 1])", "C(RY)")
    assert c2.hyperparameters["control_wires"] == qml.wires.Wires([0, 1])
    ry = np.array([[np.cos(0.1), -np.sin(0.1)], [np.sin(0.1), np.cos(0.1)]])
    expected = np.eye(8, dtype=complex)
    expected[6:, 6:] = ry
    np.testing.assert_allclose(c2.matrix(), expected, atol=1e-15)
    np.testing.assert_allclose(qml.matrix(c2.table_gates[0]), expected, atol=1e-15)
    assert repr(c.map_wires({0: 5, 1: 6})) == "Controlled(S(6), control_wires=[5], control_values=[False])"
    # PennyLane's own controlled gates stay gates
    assert repr(qml.ctrl(qml.CNOT([1, 2]), 0)) == "Toffoli(wires=[0, 1, 2])"


def test_adjoint_ctrl_pow_objects_apply_their_gates_once():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def written(x):
        qml.Hadamard(0)
        qml.Hadamard(1)
        qml.adjoint(qml.S(0))
        qml.ctrl(qml.RY(x, 2), [0, 1])
        qml.ctrl(qml.RX(x, 2), 0, control_values=0)
        qml.RX(x, 1) ** 2
        qml.adjoint(qml.RZ(x, 0)) @ qml.X(1)
        qml.apply(qml.X(2) ** 2)
        return qml.expval(qml.Y(0)), qml.expval(qml.Z(2)), qml.expval(qml.Z(1))

    @qml.qnode(dev)
    def by_hand(x):
        qml.Hadamard(0)
        qml.Hadamard(1)
        qml.PhaseShift(-np.pi / 2, 0)
        u = np.eye(8, dtype=complex)
        u[6:, 6:] = qml.RY.compute_matrix(x)
        qml.QubitUnitary(u, wires=[0, 1, 2])
        qml.X(0)
        qml.CRX(x, [0, 2])
        qml.X(0)
        qml.RX(2 * x, 1)
        qml.X(1)
        qml.RZ(-x, 0)
        return qml.expval(qml.Y(0)), qml.expval(qml.Z(2)), qml.expval(qml.Z(1))

    x = pnp.array(0.37, requires_grad=True)
    np.testing.assert_allclose(written(x), by_hand(0.37), atol=1e-12)
    h = 1e-6  # its gradient (compiled) against central differences of the hand-written circuit
    fd = (np.array(by_hand(0.37 + h)) - np.array(by_hand(0.37 - h))) / (2 * h)
    np.testing.assert_allclose(qml.jacobian(lambda t: pnp.stack(written(t)))(x), fd, atol=1e-7)


DEV = qml.device("default.qubit", wires=3)


@qml.qnode(DEV)
def transformed(x):
    qml.Hadamard(0)
    qml.ctrl(qml.RX, control=0)(x[0], wires=1)
    qml.ctrl(qml.RY(x[1], wires=2), control=[0, 1], control_values=[1, 0])
    qml.adjoint(lambda a, b: (qml.RZ(a, wires=2), qml.IsingXY(b, wires=[1, 2])))(x[0], 2 * x[1])
    qml.ctrl(qml.Rot, control=2)(x[0], x[1], 0.3, wires=0)
    return qml.expval(qml.PauliX(0) @ qml.PauliZ(2)), qml.probs(op=qml.PauliY(1))


def _transformed_reference(x):
    c, s = np.cos, np.sin
    H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    RX = lambda t: np.array([[c(t / 2), -1j * s(t / 2)], [-1j * s(t / 2), c(t / 2)]])  # noqa: E731
    RY = lambda t: np.array([[c(t / 2), -s(t / 2)], [s(t / 2), c(t / 2)]])  # noqa: E731
    RZ = lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])  # noqa: E731
    XY = lambda t: np.array([[1, 0, 0, 0], [0, c(t / 2), 1j * s(t / 2), 0],  # noqa: E731
                             [0, 1j * s(t / 2), c(t / 2), 0], [0, 0, 0, 1]])
    psi = np.zeros(8, complex)
    psi[0] = 1
    psi = apply(psi, H, [0], 3)
    psi = controlled(RX(x[0]), [0], [1], [1], 3) @ psi
    psi = controlled(RY(x[1]), [0, 1], [1, 0], [2], 3) @ psi
    psi = apply(psi, XY(2 * x[1]).conj().T, [1, 2], 3)  # adjoint: reversed order, inverses
    psi = apply(psi, RZ(x[0]).conj().T, [2], 3)
    rot = RZ(0.3) @ RY(x[1]) @ RZ(x[0])
    psi = controlled(rot, [2], [1], [0], 3) @ psi
    XZ = np.kron(np.kron(np.array([[0, 1], [1, 0]]), np.eye(2)), np.diag([1, -1]))
    ev = np.vdot(psi, XZ @ psi).real
    _, vecs = np.linalg.eigh(np.array([[0, -1j], [1j, 0]]))  # eigenvalues -1, +1
    Y_basis = vecs[:, ::-1]  # PennyLane's order: +1 first (diagonalized to |0>)
    p = []
    for k in range(2):
        proj = np.kron(np.kron(np.eye(2), np.outer(Y_basis[:, k], Y_basis[:, k].conj())), np.eye(2))
        p.append(np.vdot(psi, proj @ psi).real)
    return ev, np.array(p)


def test_ctrl_adjoint_probs_op_in_a_circuit_values_and_exact_gradients():
    x = pnp.array([0.4, -1.3])
    ev, p = transformed(x)
    ref_ev, ref_p = _transformed_reference(x)
    assert ev == pytest.approx(ref_ev, abs=1e-12)
    np.testing.assert_allclose(p, ref_p, atol=1e-12)
    jac_ev, jac_p = qml.jacobian(transformed)(x)
    h = 1e-6
    fd = [(np.array(_transformed_reference(x + e)[0]) - _transformed_reference(x - e)[0]) / (2 * h)
          for e in np.eye(2) * h]
    np.testing.assert_allclose(jac_ev, fd, atol=1e-8)
    fdp = np.stack([(_transformed_reference(x + e)[1] - _transformed_reference(x - e)[1]) / (2 * h)
                    for e in np.eye(2) * h], axis=1)
    np.testing.assert_allclose(jac_p, fdp, atol=1e-8)
    assert "ok" in str(qml.check(transformed, x))
    # the controlled RY with two controls is a table row with a proved rule
    # (its generator |11><11| (x) Y/2 has eigenvalues 0, +-1/2: frequencies 1/2 and 1)
    rule = qml.rules.rule_for_gate("C2_RY", 0)
    assert sorted(float(f) for f in rule.frequencies) == [0.5, 1.0]


def test_probs_op_bases_and_refusals():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(t):
        qml.RY(t, wires=0)
        qml.RX(0.3, wires=1)
        return (qml.probs(op=qml.PauliX(0)), qml.probs(op=qml.Hermitian(np.array([[2.0, 1j], [-1j, 0.0]]), wires=1)))

    t = 0.7
    px, ph = c(t)
    psi0 = np.array([np.cos(t / 2), np.sin(t / 2)])
    plus, minus = np.array([1, 1]) / np.sqrt(2), np.array([1, -1]) / np.sqrt(2)
    np.testing.assert_allclose(px, [abs(plus @ psi0) ** 2, abs(minus @ psi0) ** 2], atol=1e-12)
    psi1 = np.array([np.cos(0.15), -1j * np.sin(0.15)])
    vals, vecs = np.linalg.eigh(np.array([[2.0, 1j], [-1j, 0.0]]))
    np.testing.assert_allclose(ph, [abs(np.vdot(vecs[:, k], psi1)) ** 2 for k in range(2)], atol=1e-12)

    @qml.qnode(dev)
    def clash():
        qml.RY(0.3, wires=0)
        return qml.probs(op=qml.PauliX(0)), qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.MeasurementError, match="changes their basis"):
        clash()
    with pytest.raises(qml.MeasurementError, match="Hamiltonians are not supported"):
        qml.probs(op=qml.Hamiltonian([1.0, 1.0], [qml.PauliX(0), qml.PauliZ(0)]))


def test_operator_arithmetic_names_and_hamiltonian_interface():
    assert qml.X is qml.PauliX and qml.Z is qml.PauliZ and qml.I is qml.Identity and qml.H is qml.Hadamard
    H = qml.dot([0.5, -2.0], [qml.X(0), qml.prod(qml.Z(0), qml.Y(1))])
    H2 = qml.sum(qml.s_prod(0.5, qml.X(0)), -2.0 * qml.Z(0) @ qml.Y(1))
    np.testing.assert_allclose(H.matrix(wire_order=[0, 1]), H2.matrix(wire_order=[0, 1]))
    X = np.array([[0, 1], [1, 0]])
    Y = np.array([[0, -1j], [1j, 0]])
    Z = np.diag([1, -1])
    np.testing.assert_allclose(H.matrix(wire_order=[0, 1]), 0.5 * np.kron(X, np.eye(2)) - 2 * np.kron(Z, Y))
    coeffs, ops = H.terms()
    np.testing.assert_allclose(coeffs, [0.5, -2.0])
    np.testing.assert_allclose(H.coeffs, coeffs)
    assert ops[0].name == "PauliX" and ops[0].wires == (0,)
    np.testing.assert_allclose(ops[1].matrix(wire_order=[0, 1]), np.kron(Z, Y))
    assert qml.Hamiltonian([1.0, 2.0], [qml.I(0), qml.Z(0)]).ops[0].name == "Identity"
    # X(1) @ X(0) keeps the written order for its matrix
    np.testing.assert_allclose((qml.Z(1) @ qml.X(0)).matrix(), np.kron(Z, X))

    @qml.qnode(qml.device("default.qubit", wires=2))
    def energy(t):
        qml.RX(t, wires=0)
        qml.Hadamard(wires=1)
        return qml.expval(qml.dot([0.5, -2.0, 1.5], [qml.X(0), qml.Z(0) @ qml.X(1), qml.Y(0)]))

    t = 0.9  # <X0> = 0, <Z0 X1> = cos t, <Y0> = -sin t
    assert energy(t) == pytest.approx(-2.0 * np.cos(t) - 1.5 * np.sin(t), abs=1e-12)
    assert qml.grad(energy)(pnp.array(t)) == pytest.approx(2.0 * np.sin(t) - 1.5 * np.cos(t), abs=1e-12)


def test_hamiltonian_isinstance_ops_namespace_matrix_and_template_transforms():
    H = qml.Hamiltonian([1.0, 0.5], [qml.Z(0), qml.X(1)])
    assert isinstance(H, qml.Hamiltonian) and isinstance(H, qml.ops.LinearCombination)
    assert not isinstance(qml.RX(0.1, wires=0), qml.Hamiltonian)
    assert qml.ops.LinearCombination is qml.Hamiltonian and qml.ops.RX is qml.RX
    # qml.matrix on a wire order: CNOT(1 -> 0) on wires (0, 1) flips wire 0 where wire 1 is 1
    np.testing.assert_allclose(qml.matrix(qml.CNOT(wires=[1, 0]), wire_order=[0, 1]),
                               [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])
    np.testing.assert_allclose(qml.matrix(qml.X(0) @ qml.Z(1), wire_order=[1, 0]),
                               np.kron(np.diag([1, -1]), [[0, 1], [1, 0]]))
    # adjoint and ctrl of a template instance: PennyLane's Adjoint/Controlled of it, acting
    # on its gates
    adj = qml.adjoint(qml.AngleEmbedding([0.1, 0.2], wires=[0, 1]))
    # PennyLane 0.45.1 (/work/plvenv): AngleEmbedding's own repr, the features as NumPy prints them
    assert repr(adj) == "Adjoint(AngleEmbedding([0.1 0.2], wires=[0, 1], rotation=X))"
    assert [repr(g) for g in adj.table_gates] == [
        "RX(np.float64(-0.2), wires=[1])", "RX(np.float64(-0.1), wires=[0])"]  # (NumPy angles)
    c = qml.ctrl(qml.BasicEntanglerLayers([[0.1, 0.2]], wires=[1, 2]), control=0)
    assert isinstance(c, qml.ops.Controlled) and list(c.control_wires) == [0]
    assert [g.name for g in c.table_gates] == ["CRX", "CRX", "Toffoli"]


def test_ctrl_of_u3_broadcasts():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(t):
        qml.Hadamard(0)
        qml.ctrl(qml.U3(t, 0.3, t, wires=1), control=0)
        return qml.expval(qml.PauliX(0))

    t = np.array([0.1, 0.5, 0.9])
    # (|0>|0> + |1> U3|0>)/sqrt 2: <X0> = Re <0|U3|0> = cos(t/2)
    np.testing.assert_allclose(c(t), np.cos(t / 2), atol=1e-12)


def test_an_operator_product_statement_is_applied_and_a_sum_refused():
    """PennyLane applies ``qml.prod(X(0), Z(1))`` written as a statement as an operation
    (its factors); a sum of gates is not a gate: refused, never dropped silently."""
    dev = qml.device("default.qubit", wires=2)

    def statement(kind):
        def circuit(x):
            qml.RX(x, wires=0)
            if kind == "prod":
                qml.prod(qml.PauliX(0), qml.PauliZ(1))
            elif kind == "matmul":
                qml.PauliX(0) @ qml.PauliZ(1)
            else:
                qml.sum(qml.PauliX(1), qml.s_prod(0.5, qml.PauliZ(0)))
            return qml.expval(qml.PauliZ(0))
        return circuit

    for kind in ("prod", "matmul"):  # X RX(x)|0>: <Z> = -cos x
        assert qml.QNode(statement(kind), dev)(0.3) == pytest.approx(-np.cos(0.3), abs=1e-12)
    with pytest.raises(qml.TracingError, match="neither measured nor applied"):
        qml.QNode(statement("sum"), dev)(0.3)

    @qml.qnode(dev)
    def measured(x):  # products and sums made in the circuit and measured are fine
        qml.RX(x, wires=0)
        H = qml.Hamiltonian([0.5, 1.0], [qml.PauliZ(0), qml.PauliX(0) @ qml.PauliZ(1)])
        z = qml.PauliZ(0)
        return qml.expval(H), qml.expval(z), qml.var(qml.prod(qml.PauliX(1), qml.PauliZ(0)))

    h, z, v = measured(0.3)
    assert abs(h - 0.5 * np.cos(0.3)) < 1e-12 and abs(z - np.cos(0.3)) < 1e-12
    assert abs(v - 1.0) < 1e-12  # <X1 Z0> = 0 on |psi>|0>, (X1 Z0)^2 = I


def test_a_product_statement_inside_a_transformed_function_is_applied():
    """A ``qml.prod`` of gates written as a statement inside a function that ``qml.adjoint``,
    ``qml.ctrl``, ``qml.trotterize`` or ``qml.prod`` records is applied there, as PennyLane
    applies it (issue #18, stop 64: these recorded it on a tape of their own and dropped
    it, a silent wrong state; PennyLane's compressed double-factorization demo,
    ``qml.trotterize`` of a step holding ``qml.prod(*rotations)``, kept only its phase).
    References: the matrices multiplied here with NumPy."""
    a = 0.7

    def step(x, wires=(0, 1)):
        qml.prod(qml.RX(x, wires=wires[0]), qml.RY(0.3, wires=wires[1]))
        qml.CNOT(wires=list(wires))

    def trotter_step(t, x, wires):
        step(t * x, wires)

    def rx(t):
        return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])

    def ry(t):
        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])

    cnot = np.eye(4)[[0, 1, 3, 2]]
    U = np.kron(cnot, np.eye(2)) @ np.kron(np.kron(rx(a), ry(0.3)), np.eye(2))  # wires 0, 1, 2
    zero = np.zeros(8)
    zero[0] = 1.0
    one_on_2 = np.zeros(8)
    one_on_2[1] = 1.0
    # U on wires 0, 1 controlled by wire 2
    ctrl_U = (np.kron(cnot @ np.kron(rx(a), ry(0.3)), np.diag([0, 1]))
              + np.kron(np.eye(4), np.diag([1, 0])))
    expected = {
        "adjoint": U.conj().T @ zero,
        "adjoint of adjoint": U @ zero,
        "ctrl": ctrl_U @ one_on_2,
        "trotterize": U @ zero,
        "adjoint of prod(f)": U.conj().T @ zero,
        "ctrl of prod(f)": ctrl_U @ one_on_2,
    }
    bodies = {
        "adjoint": lambda: qml.adjoint(step)(a),
        "adjoint of adjoint": lambda: qml.adjoint(qml.adjoint(step))(a),
        "ctrl": lambda: (qml.X(2), qml.ctrl(step, control=2)(a)),
        "trotterize": lambda: qml.trotterize(trotter_step, 1, 1)(1.0, a, [0, 1]),
        "adjoint of prod(f)": lambda: qml.adjoint(qml.prod(step)(a)),
        "ctrl of prod(f)": lambda: (qml.X(2), qml.ctrl(qml.prod(step)(a), 2)),
    }
    dev = qml.device("default.qubit", wires=3)
    for name, body in bodies.items():
        @qml.qnode(dev)
        def c():
            body()
            return qml.state()

        np.testing.assert_allclose(c(), expected[name], atol=1e-12, err_msg=name)
    # a second-order step: S1(t/2) then its gates reversed
    half = np.kron(cnot, np.eye(2)) @ np.kron(np.kron(rx(a / 2), ry(0.3)), np.eye(2))
    half_reversed = np.kron(np.kron(rx(a / 2), ry(0.3)), np.eye(2)) @ np.kron(cnot, np.eye(2))

    @qml.qnode(dev)
    def second_order():
        qml.trotterize(trotter_step, 1, 2)(1.0, a, [0, 1])
        return qml.state()

    np.testing.assert_allclose(second_order(), half_reversed @ half @ zero, atol=1e-12)


def test_a_power_of_a_product_of_gates_is_applied():
    """``qml.pow`` of a product of gates (``qml.prod(...)``, ``@``, ``qml.prod(qfunc)(...)``)
    to a non-negative integer: its gates applied that many times, as PennyLane's
    ``Pow(Prod)`` (issue #18, stop 64: a ``GateError`` "unknown gate 'Prod**2'", and for
    ``qml.prod(qfunc)`` the product applied once, a silent wrong state). References: matrices
    multiplied here, central differences, PennyLane 0.45.1's drawing."""
    def rx(t):
        return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])

    def ry(t):
        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])

    cnot = np.eye(4)[[0, 1, 3, 2]]
    dev = qml.device("default.qubit", wires=2)

    def step(x):
        qml.prod(qml.RX(x, wires=0), qml.RY(0.3, wires=1))  # a statement
        qml.CNOT(wires=[0, 1])

    @qml.qnode(dev)
    def powers(x, y):
        qml.pow(qml.prod(qml.RX(x, 0), qml.RY(y, 1)), 2)
        qml.pow(qml.prod(step)(x), 3)
        qml.pow(qml.RX(x, 0) @ qml.RY(0.1, 1), 0)
        return qml.state()

    x, y = 0.4, 0.9
    one_step = cnot @ np.kron(rx(x), ry(0.3))
    expected = np.linalg.matrix_power(one_step, 3) @ np.kron(rx(2 * x), ry(2 * y)) @ np.eye(4)[0]
    np.testing.assert_allclose(powers(x, y), expected, atol=1e-12)

    @qml.qnode(dev)
    def cost(x, y):
        qml.pow(qml.prod(qml.RX(x, 0), qml.RY(y, 1)), 2)
        qml.CNOT([0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    args = (pnp.array(x, requires_grad=True), pnp.array(y, requires_grad=True))
    grads = qml.grad(cost)(*args)
    h = 1e-6
    fd = [(cost(x + h, y) - cost(x - h, y)) / (2 * h), (cost(x, y + h) - cost(x, y - h)) / (2 * h)]
    np.testing.assert_allclose(grads, fd, atol=1e-8)
    assert qml.draw(cost)(*args) == (  # PennyLane 0.45.1's text
        "0: ─╭(RX(0.40)@RY(0.90))²─╭●─┤ ╭<Z@X>\n"
        "1: ─╰(RX(0.40)@RY(0.90))²─╰X─┤ ╰<Z@X>")


@pytest.mark.parametrize("n", [2, 3, 4])
def test_multicontrolledx_decomposition_is_its_permutation(n):
    """MultiControlledX.compute_decomposition (PennyLane's test modules build it at import):
    gates of the table whose product is the hand-written permutation, any control values."""
    import itertools

    for vals in itertools.product([0, 1], repeat=n - 1):
        op = qml.MultiControlledX(wires=list(range(n)), control_values=list(vals))
        assert op.has_decomposition
        m = np.eye(2**n, dtype=complex)
        for g in op.decomposition():
            m = g.matrix(wire_order=list(range(n))) @ m
        ref = np.zeros((2**n, 2**n))
        for i in range(2**n):
            bits = [(i >> (n - 1 - k)) & 1 for k in range(n)]
            ref[i ^ 1 if bits[:-1] == list(vals) else i, i] = 1
        np.testing.assert_allclose(m, ref, atol=1e-12, err_msg=str(vals))
    assert len(qml.MultiControlledX.compute_decomposition(wires=list(range(n)), work_wires=[])) >= 1


def test_adjoint_and_controlled_objects_in_a_tape_execute_and_differentiate():
    dev = qml.device("default.qubit", wires=3)
    tape = qml.tape.QuantumScript(
        [qml.RX(0.4, 0), qml.adjoint(qml.RY(0.3, 0)), qml.ctrl(qml.S(1), 0, control_values=0)],
        [qml.expval(qml.Z(0))])
    assert qml.execute([tape], dev)[0] == pytest.approx(np.cos(0.4) * np.cos(0.3), abs=1e-12)
    tapes, fn = qml.gradients.param_shift(tape)  # by the base's parameters: 0.4 and 0.3
    np.testing.assert_allclose(fn(qml.execute(tapes, dev)),
                               [-np.sin(0.4) * np.cos(0.3), -np.cos(0.4) * np.sin(0.3)], atol=1e-12)
    tape = qml.tape.QuantumScript([qml.Hadamard(0), qml.Hadamard(1), qml.ctrl(qml.RY(0.3, 2), [0, 1])],
                                  [qml.expval(qml.Z(2))])
    tapes, fn = qml.gradients.param_shift(tape)  # <Z2> = 3/4 + cos(t)/4
    assert qml.execute([tape], dev)[0] == pytest.approx(0.75 + 0.25 * np.cos(0.3), abs=1e-12)
    assert fn(qml.execute(tapes, dev)) == pytest.approx(-0.25 * np.sin(0.3), abs=1e-12)
    with pytest.raises(qml.DifferentiationError, match="lazy=False"):
        qml.gradients.param_shift(qml.tape.QuantumScript([qml.RX(0.3, 0) ** 2], [qml.expval(qml.Z(0))]))


def test_adjoint_ctrl_pow_of_an_operator_of_your_own_keep_its_matrix_and_are_refused_in_circuits():
    class MyOp(qml.operation.Operator):
        num_wires = 1

        @staticmethod
        def compute_matrix(*params, **hyper):
            return np.array([[0, 1j], [1, 0]])

    u = np.array([[0, 1j], [1, 0]])
    a = qml.adjoint(MyOp(wires=0))
    assert repr(a) == "Adjoint(MyOp(wires=[0]))"
    np.testing.assert_allclose(a.matrix(), u.conj().T, atol=0)
    c = qml.ctrl(MyOp(wires=1), 0)
    expected = np.eye(4, dtype=complex)
    expected[2:, 2:] = u
    np.testing.assert_allclose(c.matrix(), expected, atol=0)
    np.testing.assert_allclose((MyOp(wires=0) ** 2).matrix(), u @ u, atol=0)
    with qml.queuing.AnnotatedQueue() as q:
        qml.adjoint(MyOp(wires=0))
    assert [repr(o) for o in q.queue] == ["Adjoint(MyOp(wires=[0]))"]

    @qml.qnode(qml.device("default.qubit", wires=2))
    def f():
        qml.adjoint(MyOp(wires=0))
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.GateError):
        f()


@pytest.mark.parametrize("obj, text", [
    (None, "None is not callable.*output of a Subroutine"),
    ([qml.Hadamard(1), qml.RX(-0.2, wires=1)], "of type <class 'list'> is not callable"),
])
def test_adjoint_of_something_not_callable_says_what_to_pass(obj, text):
    """PennyLane's ValueError texts: a list of operations or a template's output (None)."""
    with pytest.raises(ValueError, match=text):
        qml.adjoint(obj)


def test_compute_decomposition_of_a_gate_without_one_is_undefined_whatever_the_arguments():
    """PennyLane's CNOT.compute_decomposition() (no arguments) raises
    DecompositionUndefinedError, as CNOT([0, 1]).decomposition() does; a gate with one keeps it."""
    from qsym.errors import DecompositionUndefinedError

    assert not qml.CNOT((0, 1)).has_decomposition
    for call in (lambda: qml.CNOT.compute_decomposition(),
                 lambda: qml.CNOT.compute_decomposition(wires=[0, 1]),
                 lambda: qml.CNOT([0, 1]).decomposition()):
        with pytest.raises(DecompositionUndefinedError):
            call()
    assert [g.name for g in qml.CZ.compute_decomposition(wires=[0, 1])] == [
        g.name for g in qml.CZ([0, 1]).decomposition()]
