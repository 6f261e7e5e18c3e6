"""qml.ftqc: measurements in other bases, cond_measure, diagonalize_mcms, the MBQC
patterns, the Pauli tracker, graph states and graphs (issue #18).

Expected values are closed forms: outcome probabilities |<v|psi>|^2 of hand-written basis
states, Pauli matrices multiplied by hand, graph states' signs (-1)^(sum of b_i b_j over the
edges), and the exact one-qubit gates the measurement patterns implement."""

from functools import partial

import networkx as nx
import numpy as np
import pytest

import qsym as qml
from qsym import ftqc
from qsym.errors import ConditionalTransformError

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])
I2 = np.eye(2, dtype=complex)
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
S = np.diag([1, 1j])


def rx(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * X


def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def random_state(seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=2) + 1j * rng.normal(size=2)
    return v / np.linalg.norm(v)


def outcome_zero_state(plane, angle):
    """The state a measurement in (plane, angle) reports as 0 (PennyLane's conventions,
    written from the axes: XY at 0 is |+>, ZX at 0 is |0>, YZ at pi/2 is the -1 state of Y)."""
    if plane == "XY":
        return np.array([1, np.exp(1j * angle)]) / np.sqrt(2)
    if plane == "ZX":
        return np.array([np.cos(angle / 2), np.sin(angle / 2)])
    return np.array([np.cos(angle / 2), -1j * np.sin(angle / 2)])


DEV = qml.device("default.qubit")


@pytest.mark.parametrize("plane", ["XY", "ZX", "YZ"])
@pytest.mark.parametrize("angle", [0.0, 0.7, -2.1, np.pi / 2])
def test_arbitrary_basis_outcome_probability(plane, angle):
    psi = random_state(7)

    @qml.qnode(DEV)
    def f():
        qml.StatePrep(psi, wires=0)
        return qml.expval(ftqc.measure_arbitrary_basis(0, angle=angle, plane=plane))

    p1 = 1 - abs(np.vdot(outcome_zero_state(plane, angle), psi)) ** 2
    assert np.isclose(f(), p1, atol=1e-12)


def test_measure_x_and_y_leave_the_outcome_in_the_computational_basis():
    # RY(x)|0>: P(X outcome 1) = (1 - sin x)/2; afterwards the wire holds |outcome>
    x = 0.83

    @qml.qnode(DEV)
    def f():
        qml.RY(x, wires=0)
        m = ftqc.measure_x(0)
        qml.RX(-np.pi / 2, wires=1)          # (|0> + i|1>)/sqrt(2): Y outcome 0 always
        m2 = ftqc.measure_y(1)
        return qml.expval(m), qml.expval(qml.Z(0)), qml.expval(m2)

    p1, z0, y1 = f()
    assert np.isclose(p1, (1 - np.sin(x)) / 2)
    assert np.isclose(z0, np.sin(x))         # 1 - 2 p1
    assert abs(y1) < 1e-12


def test_reset_and_postselect_in_another_basis():
    @qml.qnode(DEV)
    def f():
        qml.Hadamard(0)
        ftqc.measure_y(0, reset=True)
        qml.RY(1.1, wires=1)
        ftqc.measure_x(1, postselect=1)       # keeps |->, left as |1> (diagonalized)
        return qml.expval(qml.Z(0)), qml.expval(qml.Z(1))

    assert np.allclose(f(), [1.0, -1.0])


def test_diagonalizing_gates_rotate_the_axis_onto_z():
    for plane in ("XY", "ZX", "YZ"):
        mp = ftqc.ParametricMidMeasure([0], angle=0.9, plane=plane)
        u = np.eye(2)
        for g in mp.diagonalizing_gates():
            u = qml.matrix(g) @ u
        assert np.allclose(abs(u @ outcome_zero_state(plane, 0.9))[0], 1)
    assert ftqc.XMidMeasure(0).diagonalizing_gates() == [qml.H(0)]
    with pytest.raises(NotImplementedError, match="plane not implemented"):
        ftqc.ParametricMidMeasure([0], angle=1.0, plane="AB").diagonalizing_gates()


def test_measurement_objects():
    mp = ftqc.ParametricMidMeasure([0], angle=np.pi / 4, plane="XY", meas_uid="a")
    assert repr(mp) == "measure_xy(wires=[0], angle=0.7853981633974483)"
    assert mp.label(decimals=2) == "┤↗ˣʸ(0.79)├"
    assert ftqc.YMidMeasure(1, reset=True, postselect=0).label() == "┤↗ʸ₀│  │0⟩"
    same = ftqc.ParametricMidMeasure([0], angle=np.pi / 4, plane="XY", meas_uid="a")
    other = ftqc.ParametricMidMeasure([0], angle=np.pi / 4, plane="ZX", meas_uid="a")
    assert mp.hash == same.hash and mp.hash != other.hash
    data, meta = mp._flatten()
    assert type(mp)._unflatten(data, meta).hash == mp.hash
    assert mp.map_wires({0: 3}).wires == qml.wires.Wires([3])
    with pytest.raises(qml.QuantumFunctionError, match="Only a single qubit"):
        ftqc.measure_x([0, 1])
    assert type(ftqc.measure_z(0).measurements[0]).__name__ == "MidMeasure"


def test_draw_shows_the_plane_and_angle():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def f():
        ftqc.ParametricMidMeasure([0], angle=np.pi / 4, plane="XY")
        return qml.expval(qml.Z(0))

    assert qml.draw(f)() == "0: ──┤↗ˣʸ(0.79)├─┤  <Z>"


def test_cond_measure_picks_the_basis_by_an_outcome():
    # wire 0 measured 1: wire 1 (RX(a)|0>) is measured in Y: P(1) = (1 + sin a)/2
    a = 2.345

    @qml.qnode(DEV)
    def f():
        qml.PauliX(0)
        m = qml.measure(0)
        qml.RX(a, 1)
        m2 = ftqc.cond_measure(m == 0, ftqc.measure_x, ftqc.measure_y)(1)
        qml.cond(m2, qml.PauliX)(2)
        return qml.expval(m2), qml.expval(qml.Z(1)), qml.expval(qml.Z(2))

    p1, z1, z2 = f()
    assert np.isclose(p1, (1 + np.sin(a)) / 2)
    assert np.isclose(z1, 1 - 2 * p1) and np.isclose(z2, 1 - 2 * p1)
    assert np.allclose(ftqc.diagonalize_mcms(f)(), f())


def test_cond_measure_checks_its_branches():
    with qml.queuing.AnnotatedQueue():
        m = qml.measure(0)
        with pytest.raises(ValueError, match="Only measurement functions can be applied"):
            ftqc.cond_measure(m, 1, ftqc.measure_x)
        with pytest.raises(ValueError, match="must be consistent for both branches"):
            ftqc.cond_measure(m, partial(ftqc.measure_x, reset=True), ftqc.measure_y)(1)
        with pytest.raises(ValueError, match="return a measurement value"):
            ftqc.cond_measure(m, qml.X, ftqc.measure_y)(1)
    with qml.queuing.AnnotatedQueue() as q:
        out = ftqc.cond_measure(1, ftqc.measure_x, ftqc.measure_y)(0)
    assert isinstance(out.measurements[0], ftqc.XMidMeasure) and len(q.queue) == 1


def test_a_lone_conditional_measurement_is_refused():
    m0 = ftqc.MeasurementValue([ftqc.MidMeasure(0, meas_uid="a")])
    with qml.queuing.AnnotatedQueue():
        c = ftqc.Conditional(m0, ftqc.XMidMeasure(1, meas_uid="b"))
    from qsym._mcm import unconditioned_measurements

    with pytest.raises(ConditionalTransformError, match="pair"):
        unconditioned_measurements([m0.measurements[0], c])


def test_diagonalize_mcms_rewrites_the_tape():
    tape = qml.tape.QuantumScript([qml.RY(0.3, 0), ftqc.YMidMeasure(0, meas_uid="m")])
    (new,), _ = ftqc.diagonalize_mcms(tape)
    assert new.operations[1:3] == ftqc.YMidMeasure(0).diagonalizing_gates()
    last = new.operations[3]
    assert type(last) is ftqc.MidMeasure and last.meas_uid == "m"


def test_rz_by_measurements_on_a_chain():
    """Raussendorf-Browne-Briegel's RZ pattern teleports RZ(angle)|psi> to wire 5 (exact)."""
    psi, angle = random_state(3), 0.7
    chain = ftqc.generate_lattice([4], "chain").graph

    @qml.qnode(DEV)
    def mbqc():
        qml.StatePrep(psi, wires=1)
        ftqc.GraphStatePrep(chain, wires=[2, 3, 4, 5])
        qml.CZ([1, 2])
        m0, m1 = ftqc.measure_x(1), ftqc.measure_x(2)
        m2 = ftqc.cond_measure(m1, partial(ftqc.measure_arbitrary_basis, angle=angle),
                               partial(ftqc.measure_arbitrary_basis, angle=-angle))(
            plane="XY", wires=3)
        m3 = ftqc.measure_x(4)
        qml.cond((m0 + m2) % 2, qml.Z)(5)
        qml.cond((m1 + m3) % 2, qml.X)(5)
        return [qml.expval(P(5)) for P in (qml.X, qml.Y, qml.Z)]

    out = rz(angle) @ psi
    expected = [np.vdot(out, P @ out).real for P in (X, Y, Z)]
    assert np.allclose(mbqc(), expected)


@pytest.mark.parametrize("op, matrix", [
    (qml.H(0), H), (qml.S(0), S), (qml.RZ(0.4, 0), rz(0.4)),
    (ftqc.RotXZX(0.3, -1.1, 0.6, 0), rx(0.6) @ rz(-1.1) @ rx(0.3)),
])
@pytest.mark.parametrize("diagonalize", [False, True])
def test_single_qubit_patterns_with_online_corrections(op, matrix, diagonalize):
    psi = random_state(11)

    @qml.qnode(DEV)
    def mbqc():
        mgr = ftqc.QubitMgr(num_qubits=5)
        w = mgr.acquire_qubit()
        qml.StatePrep(psi, wires=w)
        out, ms = ftqc.queue_single_qubit_gate(mgr, op, w, diagonalize_mcms=diagonalize)
        ftqc.queue_corrections(op, ms)(out)
        return [qml.expval(P(out)) for P in (qml.X, qml.Y, qml.Z)]

    out = matrix @ psi
    assert np.allclose(mbqc(), [np.vdot(out, P @ out).real for P in (X, Y, Z)])


def test_convert_to_mbqc_formalism_structure_and_errors():
    tape = qml.tape.QuantumScript([qml.H(0), qml.X(0), qml.GlobalPhase(0.2)],
                                  [qml.sample(wires=[0])], shots=5)
    (new,), _ = ftqc.convert_to_mbqc_formalism(tape)
    names = [type(o).__name__ for o in new.operations]
    assert names[:2] == ["GraphStatePrep", "CZ"] and names[-2:] == ["PauliX", "GlobalPhase"]
    assert new.operations[-2].wires == new.measurements[0].wires == new.operations[0].wires[-1:]
    with pytest.raises(NotImplementedError, match="single samples measurement"):
        ftqc.convert_to_mbqc_formalism(qml.tape.QuantumScript([qml.H(0)], [qml.expval(qml.Z(0))]))
    with pytest.raises(NotImplementedError, match="unsupported gate"):
        ftqc.convert_to_mbqc_formalism(
            qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.sample(wires=[0])], shots=5))


@pytest.mark.parametrize("name", ["Hadamard", "S", "CNOT"])
def test_commute_clifford_op_against_matrices(name):
    wires = 2 if name == "CNOT" else 1
    c = {"Hadamard": H, "S": S,
         "CNOT": np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])}[name]
    gate = qml.CNOT([0, 1]) if wires == 2 else getattr(qml, name)(0)
    paulis = {(0, 0): I2, (1, 0): X, (1, 1): X @ Z, (0, 1): Z}   # X^x Z^z
    import itertools

    for xz in itertools.product(paulis, repeat=wires):
        p = paulis[xz[0]] if wires == 1 else np.kron(paulis[xz[0]], paulis[xz[1]])
        moved = ftqc.commute_clifford_op(gate, list(xz))
        q = paulis[moved[0]] if wires == 1 else np.kron(paulis[moved[0]], paulis[moved[1]])
        lhs, rhs = c @ p, q @ c              # C P = P' C up to a phase
        k = np.argmax(abs(rhs.ravel()))
        assert np.allclose(lhs, rhs * lhs.ravel()[k] / rhs.ravel()[k])
    with pytest.raises(NotImplementedError):
        ftqc.commute_clifford_op(qml.X(0), [(0, 1)])


def test_pauli_encodings_and_byproduct_corrections():
    assert [ftqc.pauli_to_xz(P) for P in (qml.I, qml.X, qml.Y, qml.Z)] == [
        (0, 0), (1, 0), (1, 1), (0, 1)]
    assert ftqc.xz_to_pauli(1, 1) is qml.Y
    assert ftqc.pauli_prod([qml.X(0), qml.Y(0), qml.Z(0)]) == (0, 0)   # XYZ = i I
    with pytest.raises(NotImplementedError):
        ftqc.pauli_to_xz(qml.H(0))
    # S pattern: x = m2 ^ m4; then X on the wire flips x again
    tape = qml.tape.QuantumScript([qml.S(0), qml.X(0)], [qml.sample(wires=[0])])
    assert ftqc.get_byproduct_corrections(tape, [0, 1, 0, 0], [0]).tolist() == [0]
    assert ftqc.get_byproduct_corrections(tape, [0, 1, 0, 1], [0]).tolist() == [1]


def test_rotxzx_matrix_gradient_and_adjoint():
    op = ftqc.RotXZX(0.3, -1.1, 0.6, wires=0)
    assert np.allclose(qml.matrix(op), rx(0.6) @ rz(-1.1) @ rx(0.3))
    assert qml.adjoint(op, lazy=False).data == (-0.6, 1.1, -0.3)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def f(x):
        ftqc.RotXZX(x, -1.1, 0.6, wires=0)
        return qml.expval(qml.Z(0))

    x, h = 0.3, 1e-6
    fd = (f(x + h) - f(x - h)) / (2 * h)
    assert np.isclose(qml.grad(f)(qml.numpy.array(x, requires_grad=True)), fd, atol=1e-7)


def test_graph_state_signs():
    g = nx.Graph([(0, 1), (1, 2), (0, 2), (2, 3)])        # a triangle and a tail

    @qml.qnode(qml.device("default.qubit", wires=4))
    def f():
        ftqc.make_graph_state(g, wires=[0, 1, 2, 3])
        return qml.state()

    bits = np.array([[(i >> (3 - k)) & 1 for k in range(4)] for i in range(16)])
    signs = [(-1) ** sum(b[u] * b[v] for u, v in g.edges) for b in bits]
    assert np.allclose(f(), np.array(signs) / 4)


def test_graph_state_prep_objects():
    q = ftqc.QubitGraph(ftqc.generate_lattice([2, 2], "square").graph)
    op = ftqc.GraphStatePrep(q)
    assert repr(op) == "GraphStatePrep(Hadamard, CZ)" and len(op.decomposition()) == 8
    assert all(isinstance(w, ftqc.QubitGraph) for w in op.wires)
    with pytest.raises(ValueError, match="wires is specified"):
        ftqc.GraphStatePrep(nx.path_graph(2))
    with pytest.raises(TypeError, match="sortable"):
        ftqc.GraphStatePrep.compute_decomposition([0, 1, 2], nx.Graph({0: {"a"}, "a": {1}}))


def test_qubit_graph_and_lattices():
    q = ftqc.QubitGraph(id="top")
    with pytest.warns(UserWarning, match="uninitialized"):
        assert q.node_labels is None
    q.init_graph_surface_code_17()
    assert len(q.graph.nodes) == 17 and len(q.graph.edges) == 24
    assert sorted(n.id for n in q[("aux", 11)].neighbors) == [("data", i) for i in (0, 1, 3, 4)]
    q[("data", 0)].init_graph_2d_grid(2, 2)
    leaf = q[("data", 0)][(1, 1)]
    assert repr(leaf) == "QubitGraph<id=(1, 1), loc=[('data', 0), top]>" and leaf.is_leaf
    with pytest.raises(TypeError, match="must also be a QubitGraph"):
        q[("data", 1)] = 3
    assert ftqc.generate_lattice([2, 3], "rectangle").graph.number_of_edges() == 7
    with pytest.raises(ValueError, match="not supported"):
        ftqc.generate_lattice([2], "kagome")
    with pytest.raises(ValueError, match="length of dims should be 2"):
        ftqc.generate_lattice([2], "square")


def test_qubit_manager_and_parity():
    mgr = ftqc.QubitMgr(num_qubits=3, start_idx=4)
    assert mgr.acquire_qubits(2) == [4, 5] and mgr.inactive == {6}
    with pytest.raises(RuntimeError, match="Cannot allocate"):
        mgr.acquire_qubits(2)
    mgr.release_qubits([4, 5])
    mgr.reserve_qubit(5)
    assert mgr.active == {5}
    with pytest.raises(RuntimeError, match="not found in active set"):
        mgr.release_qubit(9)
    with pytest.raises(TypeError, match="positive integers"):
        ftqc.QubitMgr(-1)
    assert ftqc.parity(1, 0, 1, 1) == 1
    m = [ftqc.MeasurementValue([ftqc.MidMeasure(i, meas_uid=str(i))]) for i in range(3)]
    par = ftqc.parity(*m, 1)
    assert par.measurements == [v.measurements[0] for v in m]
    assert [bool(par.processing_fn(*b)) for b in ((0, 0, 0), (1, 0, 0), (1, 1, 0))] == [
        True, False, True]


def test_the_measurement_angle_is_differentiable():
    # RY(0.7)|0> measured along the ZX axis at a: P(1) = sin^2((a - 0.7)/2)
    @qml.qnode(DEV)
    def f(a):
        qml.RY(0.7, 0)
        m = ftqc.measure_arbitrary_basis(0, angle=a, plane="ZX")
        return qml.expval(m + qml.measure(1))

    a = qml.numpy.array(0.4, requires_grad=True)
    assert np.isclose(f(a), np.sin((0.4 - 0.7) / 2) ** 2)
    assert np.isclose(qml.grad(f)(a), np.sin(0.4 - 0.7) / 2)
    assert np.isclose(qml.grad(ftqc.diagonalize_mcms(f))(a), np.sin(0.4 - 0.7) / 2)


@pytest.mark.parametrize("diagonalize", [False, True])
def test_converted_tape_computes_the_circuit(diagonalize):
    # H then RZ(0.3) on |0>, in the MBQC formalism: <X>, <Y>, <Z> = cos 0.3, sin 0.3, 0
    tape = qml.tape.QuantumScript([qml.H(0), qml.RZ(0.3, 0)], [qml.sample(wires=[0])], shots=10)
    (new,), _ = ftqc.convert_to_mbqc_formalism(tape, diagonalize_mcms=diagonalize)
    out = new.measurements[0].wires[0]
    exact = qml.tape.QuantumScript(new.operations,
                                   [qml.expval(P(out)) for P in (qml.X, qml.Y, qml.Z)])
    res = qml.execute([exact], qml.device("default.qubit"))[0]
    assert np.allclose(res, [np.cos(0.3), np.sin(0.3), 0.0])
