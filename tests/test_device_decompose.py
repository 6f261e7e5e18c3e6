"""Decomposition to what a device or a gate set accepts, PennyLane's way (issue #18):
``qml.devices.preprocess.decompose`` and ``default.qubit``'s ``stopping_condition``,
``DefaultQubit``'s preprocessing pipeline, the graph-based decomposition system
(``qml.decomposition.enable_graph``, ``DecompositionGraph``, ``qml.transforms.decompose``
with ``gate_set``, ``fixed_decomps``, ``alt_decomps``), the ``Adjoint(<gate>)`` rules, and
``max_workers``.

Every decomposition is checked by matrices against references written here by hand (or
the table's matrices, themselves checked against hand-written ones in
``test_gate_matrices.py``), never against the rule itself.
"""

import warnings

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.devices.default_qubit import stopping_condition
from qsym.devices.preprocess import decompose as device_decompose

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Z = np.diag([1, -1]).astype(complex)
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def rx(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def crx(t):
    m = np.eye(4, dtype=complex)
    m[2:, 2:] = rx(t)
    return m


def multirz3(t):
    parity = [(-1) ** bin(k).count("1") for k in range(8)]
    return np.diag([np.exp(-0.5j * t * p) for p in parity])


def _matrix(ops, wires):
    m = np.eye(2 ** len(wires), dtype=complex)
    for g in ops:
        gm = g.matrix(wire_order=wires) if g.wires else g.matrix()[0, 0] * np.eye(2 ** len(wires))
        m = gm @ m
    return m


class NoMatOp(qml.operation.Operation):
    """An operation of one wire with no matrix: X then Z (so X @ Z... applied: Z X)."""

    num_wires = 1

    @property
    def has_matrix(self):
        return False

    def decomposition(self):
        return [qml.PauliX(self.wires), qml.PauliZ(self.wires)]


class NoDecompOp(qml.operation.Operation):
    num_wires = 1

    @property
    def has_matrix(self):
        return False


class LoopOp(qml.operation.Operation):
    num_wires = 1

    @property
    def has_matrix(self):
        return False

    def decomposition(self):
        return [LoopOp(self.wires)]


# --- qml.devices.preprocess.decompose ------------------------------------------------------
def test_device_decompose_stops_at_the_condition_and_keeps_the_unitary():
    t = qml.tape.QuantumScript([qml.IsingXX(1.2, wires=(0, 1)), qml.Hadamard(1)],
                               [qml.expval(qml.Z(0))])
    (new,), fn = device_decompose(t, lambda op: op.name in {"CNOT", "RX", "Hadamard"})
    assert [op.name for op in new.operations] == ["CNOT", "RX", "CNOT", "Hadamard"]
    c, s = np.cos(0.6), np.sin(0.6)
    xx = c * np.eye(4) - 1j * s * np.kron(X, X)  # IsingXX written out
    assert np.allclose(_matrix(new.operations, [0, 1]), np.kron(I2, H) @ xx)
    assert fn([1.0]) == 1.0


def test_device_decompose_errors_in_pennylanes_words():
    t = qml.tape.QuantumScript([qml.IsingXX(1.2, wires=(0, 1))], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.DeviceError, match=r"Operator CNOT\(wires=\[0, 1\]\) not supported "
                                              "with my.dev and does not provide a decomposition"):
        device_decompose(t, lambda op: op.name == "S", name="my.dev")
    with pytest.raises(ValueError, match="not supported with device"):
        device_decompose(qml.tape.QuantumScript([NoDecompOp(0)]), lambda op: False,
                         error=ValueError)
    with pytest.raises(qml.DeviceError, match="Reached recursion limit"):
        device_decompose(qml.tape.QuantumScript([LoopOp(0)]), lambda op: False)


def test_device_decompose_shots_condition_state_prep_and_decomposer():
    ops = [qml.BasisState([1], wires=0), qml.BasisState([1], wires=1), NoMatOp(0)]
    t = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
    accept = lambda op: op.name in {"PauliX", "PauliZ"}  # noqa: E731
    (new,), _ = device_decompose(t, accept)
    assert new.operations[0] is ops[0]  # the first state preparation is kept
    assert [op.name for op in new.operations[1:]] == ["PauliX", "PauliX", "PauliZ"]
    (new,), _ = device_decompose(t, accept, skip_initial_state_prep=False)
    assert [op.name for op in new.operations] == ["PauliX", "PauliX", "PauliX", "PauliZ"]
    # with shots the shots condition decides; a custom decomposer replaces op.decomposition()
    shot_tape = qml.tape.QuantumScript([NoMatOp(0)], [qml.expval(qml.Z(0))], shots=10)
    (new,), _ = device_decompose(shot_tape, lambda op: False,
                                 stopping_condition_shots=lambda op: op.name != "NoMatOp")
    assert [op.name for op in new.operations] == ["PauliX", "PauliZ"]
    (new,), _ = device_decompose(qml.tape.QuantumScript([NoMatOp(0)]), lambda op: op.name == "PauliY",
                                 decomposer=lambda op: [qml.PauliY(op.wires)])
    assert [op.name for op in new.operations] == ["PauliY"]


def test_default_qubit_stopping_condition():
    assert stopping_condition(qml.CRX(0.1, wires=[0, 1]))
    assert not stopping_condition(qml.Barrier())
    assert not stopping_condition(NoMatOp(0))
    assert stopping_condition(qml.QFT(wires=range(5)))
    assert not stopping_condition(qml.QFT(wires=range(6)))
    assert stopping_condition(qml.pow(qml.RX(1.1, 0), 3))
    assert not stopping_condition(qml.pow(qml.RX(pnp.array(1.1, requires_grad=True), 0), 3))


def test_default_qubit_pipeline_decomposes_what_has_no_matrix():
    dev = qml.devices.DefaultQubit(wires=2)
    t = qml.tape.QuantumScript([NoMatOp(0), qml.CNOT([0, 1])], [qml.probs(wires=[0, 1])])
    (new,), _ = dev.preprocess_transforms()([t])
    assert [op.name for op in new.operations] == ["PauliX", "PauliZ", "CNOT"]
    # the same state: |00> -> X -> Z -> CNOT = -|11>
    assert np.allclose(dev.execute(new), [0, 0, 0, 1])
    with pytest.raises(qml.DeviceError, match="not supported with default.qubit"):
        dev.preprocess_transforms()([qml.tape.QuantumScript([NoDecompOp(0)])])


def test_adjoint_pipeline_decomposes_multi_parameter_trainable_gates():
    dev = qml.devices.DefaultQubit(wires=1)
    config = qml.devices.ExecutionConfig(gradient_method="adjoint")
    a, b, c = pnp.array([0.1, 0.2, 0.3], requires_grad=True)
    t = qml.tape.QuantumScript([qml.Rot(a, b, c, wires=0)], [qml.expval(qml.Z(0))])
    (new,), _ = dev.preprocess_transforms(config)([t])
    assert [op.name for op in new.operations] == ["RZ", "RY", "RZ"]
    with pytest.raises(qml.DeviceError, match="Finite shots are not supported with adjoint"):
        dev.preprocess_transforms(config)([qml.tape.QuantumScript(
            [qml.RX(0.1, 0)], [qml.expval(qml.Z(0))], shots=5)])


def test_decompositions_keep_the_trainability_of_their_parameters():
    dev = qml.devices.DefaultQubit(wires=1)
    config = qml.devices.ExecutionConfig(gradient_method="adjoint")
    phi, delta = pnp.array(0.1), pnp.array(0.2)  # trainable: U2 and then Rot are opened
    t = qml.tape.QuantumScript([qml.U2(phi, delta, wires=0)], [qml.expval(qml.Z(0))])
    (new,), _ = dev.preprocess_transforms(config)([t])
    # U2(phi, delta) = Rot(delta, pi/2, -delta) PhaseShift(delta) PhaseShift(phi) (PennyLane's)
    assert [(op.name, float(op.data[0])) for op in new.operations] == [
        ("RZ", 0.2), ("RY", np.pi / 2), ("RZ", -0.2), ("PhaseShift", 0.2), ("PhaseShift", 0.1)]
    assert all(qml.math.requires_grad(op.data[0]) for op in new.operations)
    assert new.trainable_params == [0, 1, 2, 3, 4]
    # the same unitary (hand-written U2), and the same expectation by tape execution
    u2 = np.array([[1, -np.exp(0.2j)], [np.exp(0.1j), np.exp(0.3j)]]) / np.sqrt(2)
    assert np.allclose(qml.matrix(new, wire_order=[0]), u2)
    # plain numbers stay numbers: nothing to differentiate
    (plain,), _ = dev.preprocess_transforms()([qml.tape.QuantumScript(
        [qml.Rot(0.1, 0.2, 0.3, wires=0)], [qml.expval(qml.Z(0))])])
    assert all(not qml.math.requires_grad(d) for d in plain.data)


# --- qml.transforms.decompose: PennyLane's semantics -----------------------------------------
def test_transform_decompose_warns_and_keeps_what_cannot_be_decomposed():
    t = qml.tape.QuantumScript([NoDecompOp(0), qml.Hadamard(0)])
    with pytest.warns(UserWarning, match="does not define a decomposition to the target gate"):
        (new,), _ = qml.decompose(t, gate_set={"Hadamard"})
    assert [op.name for op in new.operations] == ["NoDecompOp", "Hadamard"]
    with pytest.raises(RecursionError, match="Reached recursion limit"):
        qml.decompose(qml.tape.QuantumScript([LoopOp(0)]), gate_set={"RX"})
    with pytest.raises(TypeError, match="only available with the new"):
        qml.decompose(t, gate_set={"RX"}, fixed_decomps={"CRX": qml.list_decomps("CRX")[0]})


# --- the graph-based system -----------------------------------------------------------------
def test_graph_switch_is_a_context_setting():
    assert qml.decomposition.enabled_graph() is False
    with qml.decomposition.toggle_graph_ctx(True):
        assert qml.decomposition.enabled_graph() is True
        with qml.decomposition.toggle_graph_ctx(False):
            assert not qml.decomposition.enabled_graph()
        assert qml.decomposition.enabled_graph()
    assert qml.decomposition.enabled_graph() is False
    qml.decomposition.enable_graph()
    try:
        with pytest.raises(TypeError, match="gate_set argument is required"):
            qml.decompose(qml.tape.QuantumScript([NoMatOp(0)]), stopping_condition=lambda op: False)
    finally:
        qml.decomposition.disable_graph()


@qml.register_resources({qml.RX: 2, qml.CZ: 2})
def _crx_by_cz(theta, wires, **_):
    """CRX(t) with CZ: Z RX(-t/2) Z = RX(t/2), so the target turns by t when the control
    is 1 and by 0 when it is 0."""
    qml.RX(theta / 2, wires=wires[1])
    qml.CZ(wires=wires)
    qml.RX(-theta / 2, wires=wires[1])
    qml.CZ(wires=wires)


def test_crx_by_cz_is_crx():
    with qml.queuing.AnnotatedQueue() as q:
        _crx_by_cz(0.7, wires=[0, 1])
    assert np.allclose(_matrix(q.queue, [0, 1]), crx(0.7))


def test_graph_chooses_the_cheapest_rule_and_fixed_and_alt_rules():
    t = qml.tape.QuantumScript([qml.CRX(0.7, wires=[0, 1])], [qml.expval(qml.Z(1))])
    gates = {"RX": 1, "RY": 1, "RZ": 1, "CNOT": 1, "CZ": 1}
    dear_cz = {**gates, "CZ": 10}
    with qml.decomposition.toggle_graph_ctx(True):
        (own,), _ = qml.decompose(t, gate_set=gates)
        # the table's rule (2 RZ, 2 RY, 2 CNOT) weighs 6, the CZ rule (2 RX, 2 CZ) 4 or 22
        (cheap,), _ = qml.decompose(t, gate_set=gates, alt_decomps={qml.CRX: [_crx_by_cz]})
        (dear,), _ = qml.decompose(t, gate_set=dear_cz, alt_decomps={qml.CRX: [_crx_by_cz]})
        (fixed,), _ = qml.decompose(t, gate_set=dear_cz, fixed_decomps={qml.CRX: _crx_by_cz})
    # PennyLane's own CRX rules include the CZ one: it weighs 4 against the table's 6
    assert [op.name for op in own.operations] == ["RX", "CZ", "RX", "CZ"]
    assert sorted(op.name for op in dear.operations) == ["CNOT", "CNOT", "RY", "RY", "RZ", "RZ"]
    assert [op.name for op in cheap.operations] == ["RX", "CZ", "RX", "CZ"]
    assert [op.name for op in fixed.operations] == ["RX", "CZ", "RX", "CZ"]
    for new in (own, cheap, dear, fixed):
        assert np.allclose(_matrix(new.operations, [0, 1]), crx(0.7))


def test_graph_solution_resources_and_unsolved_operators():
    g = qml.decomposition.DecompositionGraph([qml.MultiRZ(0.3, wires=[0, 1, 2])],
                                             {"RZ": 2, "CNOT": 3})
    sol = g.solve()
    est = sol.resource_estimate(qml.MultiRZ(0.1, wires=[3, 4, 5]))
    assert est.gate_counts == {qml.resource_rep("RZ"): 1, qml.resource_rep("CNOT"): 4}
    assert est.weighted_cost == 2 + 4 * 3
    with pytest.warns(qml.exceptions.DecompositionWarning, match="unable to find"):
        sol = qml.decomposition.DecompositionGraph([qml.RX(0.1, 0)], {"CNOT"}).solve()
    with pytest.raises(qml.exceptions.DecompositionError, match="unsolved"):
        sol.decomposition(qml.RX(0.1, 0))


def test_graph_decompose_keeps_the_unitary_of_each_gate():
    ops = [qml.MultiRZ(0.3, wires=[0, 1, 2]), qml.adjoint(qml.CRX(0.4, wires=[1, 2])),
           qml.adjoint(qml.S(0))]
    t = qml.tape.QuantumScript(ops)
    with qml.decomposition.toggle_graph_ctx(True):
        (new,), _ = qml.decompose(t, gate_set={"RZ", "RY", "CNOT", "PhaseShift"})
    assert {op.name for op in new.operations} <= {"RZ", "RY", "CNOT", "PhaseShift"}
    s_dag = np.diag([1, -1j])
    expected = np.kron(s_dag, np.eye(4)) @ np.kron(I2, crx(0.4).conj().T) @ multirz3(0.3)
    assert np.allclose(_matrix(new.operations, [0, 1, 2]), expected)


@pytest.mark.parametrize("name, params, wires, reference", [
    ("RX", (0.3,), [0], rx(0.3)),
    ("S", (), [0], np.diag([1, 1j])),
    ("Hadamard", (), [0], H),
    ("CRX", (0.5,), [0, 1], crx(0.5)),
    ("MultiRZ", (0.3,), [0, 1, 2], multirz3(0.3)),
])
def test_adjoint_rules_are_the_inverse(name, params, wires, reference):
    rules = qml.list_decomps(f"Adjoint({name})")
    assert rules
    resource_params = {"num_wires": len(wires)} if name == "MultiRZ" else {}
    for rule in rules:
        assert rule.is_applicable(**resource_params)
        with qml.queuing.AnnotatedQueue() as q:
            rule(*params, wires=wires)
        assert np.allclose(_matrix(q.queue, wires), reference.conj().T), rule.name
        counts = rule.compute_resources(**resource_params).gate_counts
        assert sum(counts.values()) == len(q.queue)


def test_gate_set_contains_operators_classes_and_aliases():
    gs = qml.decomposition.GateSet({"X": 1, qml.RZ: 2})
    assert qml.PauliX(0) in gs and qml.X in gs and "PauliX" in gs and qml.RZ(0.1, 0) in gs
    assert gs["RZ"] == 2 and "RZ" not in gs - {"RZ"}
    with pytest.raises(ValueError, match="Negative weights"):
        qml.decomposition.GateSet({"RX": -1})


# --- max_workers ----------------------------------------------------------------------------
def test_max_workers_runs_a_batch_on_a_pool_with_the_same_numbers():
    xs = np.linspace(0.1, 2.9, 12)
    tapes = [qml.tape.QuantumScript([qml.RX(x, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
             for x in xs]
    pooled = qml.devices.DefaultQubit(wires=2, max_workers=2).execute(tapes)
    assert np.allclose(pooled, np.cos(xs))
    config = qml.devices.ExecutionConfig(device_options={"max_workers": 2})
    assert np.allclose(qml.device("default.qubit", wires=2).execute(tapes, config), np.cos(xs))
    assert np.allclose(qml.execute(tapes, qml.device("default.qubit", max_workers=2)), np.cos(xs))
    # with shots: the samples of one worker (same seed, same numbers)
    shot_tapes = [t.copy(shots=50) for t in tapes]
    one = qml.devices.DefaultQubit(wires=2, seed=3).execute(shot_tapes)
    two = qml.devices.DefaultQubit(wires=2, seed=3, max_workers=2).execute(shot_tapes)
    assert np.array_equal(one, two)


def test_max_workers_options_and_errors():
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(qml.DeviceError, match="max_workers must be None or a positive"):
            qml.device("default.qubit", max_workers=bad)
    dev = qml.device("default.qubit", max_workers=2)
    config, = [dev.setup_execution_config(qml.devices.ExecutionConfig(gradient_method="best"))]
    assert config.gradient_method == "adjoint" and config.device_options["max_workers"] == 2
    t = qml.tape.QuantumScript([qml.Snapshot(), qml.X(0)], [qml.expval(qml.Z(0))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the oversubscription warning on small machines
        with pytest.raises(RuntimeError, match="ProcessPoolExecutor cannot execute"):
            dev.preprocess_transforms()([t])


# --- operators of your own: what they have, and their adjoint and controlled forms -----------
class TwoGates(qml.operation.Operation):
    """S then X on one wire, given by compute_decomposition (PennyLane's other way)."""

    num_wires = 1

    @staticmethod
    def compute_decomposition(wires):
        return [qml.S(wires), qml.PauliX(wires)]


def test_classes_of_your_own_say_what_they_define():
    op = TwoGates(0)
    assert op.has_decomposition and not op.has_matrix and not op.has_generator
    assert not op.has_sparse_matrix
    assert [g.name for g in op.decomposition()] == ["S", "PauliX"]

    class WithGenerator(qml.operation.Operator):
        def generator(self):
            return qml.PauliX(self.wires)

    assert WithGenerator(0.1, wires=0).has_generator
    assert qml.RX(0.1, 0).has_matrix and not qml.RX(0.1, 0).has_decomposition


def test_adjoint_and_controlled_of_your_own_operator_decompose_to_table_gates():
    u = X @ np.diag([1, 1j])  # S, then X
    t = qml.tape.QuantumScript([qml.adjoint(TwoGates(1)), qml.ctrl(TwoGates(1), control=0)])
    (new,), _ = qml.decompose(t)
    assert {op.name for op in new.operations} <= set(qml.ops.qubit.__all__)  # table gates
    controlled = np.eye(4, dtype=complex)
    controlled[2:, 2:] = u
    expected = controlled @ np.kron(I2, u.conj().T)
    assert np.allclose(_matrix(new.operations, [0, 1]), expected)


def test_cnot_count_of_two_qubit_unitaries():
    """0 for a tensor product, 1 for CNOT, 2 for an XX+YY interaction (no ZZ part), 3 for
    SWAP (the counts of Vatan-Williams / Shende-Markov-Bullock), each in SU(4)."""
    from qsym.ops.op_math.decompositions.unitary_decompositions import _compute_num_cnots
    su4 = lambda m: m * np.exp(-1j * np.angle(np.linalg.det(m)) / 4)  # noqa: E731
    Y = np.array([[0, -1j], [1j, 0]])
    w, v = np.linalg.eigh(0.3 * np.kron(X, X) + 0.2 * np.kron(Y, Y))
    xy = v @ np.diag(np.exp(1j * w)) @ v.conj().T
    assert _compute_num_cnots(su4(np.kron(rx(0.3), H))) == 0
    assert _compute_num_cnots(su4(np.eye(4)[[0, 1, 3, 2]])) == 1
    assert _compute_num_cnots(su4(xy)) == 2
    assert _compute_num_cnots(su4(np.eye(4)[[0, 2, 1, 3]])) == 3
    u = np.diag([1, 1, 1, 1j])
    su, phase = qml.math.convert_to_su4(u, return_global_phase=True)
    assert np.isclose(np.linalg.det(su), 1) and np.isclose(phase, np.pi / 8)
    assert np.allclose(su * np.exp(1j * phase), u)
    su2 = qml.math.convert_to_su2(np.stack([np.diag([1, 1j]), 1j * H]))  # a batch
    assert np.allclose(np.linalg.det(su2), [1, 1])


@pytest.mark.parametrize("basis, names", [("ZYZ", ["RZ", "RY", "RZ"]), ("XYX", ["RX", "RY", "RX"]),
                                          ("XZX", ["RX", "RZ", "RX"]), ("ZXZ", ["RZ", "RX", "RZ"])])
def test_one_qubit_decomposition_in_every_euler_basis(basis, names):
    rng = np.random.default_rng(11)
    unitaries = [np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))[0]
                 for _ in range(4)] + [H, np.diag([1, 1j]), X, np.eye(2)]
    for u in unitaries:
        gates = qml.ops.one_qubit_decomposition(u, 0, rotations=basis, return_global_phase=True)
        assert [g.name for g in gates] == names + ["GlobalPhase"]
        assert np.allclose(_matrix(gates, [0]), u)
    gates = qml.ops.one_qubit_decomposition(H, qml.wires.Wires("a"), rotations=basis)
    assert all(g.wires == qml.wires.Wires("a") for g in gates)  # a Wires of one label
    with pytest.raises(ValueError, match="YXY passed to rotations"):
        qml.ops.one_qubit_decomposition(H, 0, rotations="YXY")


def test_su2_x_su2_factors():
    a, b = rx(0.4), np.diag([np.exp(-0.2j), np.exp(0.2j)])
    A, B = qml.math.decomposition.su2su2_to_tensor_products(np.kron(a, b))
    assert np.allclose(np.kron(A, B), np.kron(a, b))
