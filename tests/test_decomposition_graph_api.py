"""PennyLane's graph-decomposition API (qsym.decomposition and its PennyLane module paths):
resource forms, gate sets, rule collections, reconstructors and the symbolic rules of
Adjoint / Pow / Controlled. Every decomposition is checked against a matrix written out by
hand (or built by Kronecker products of hand-written blocks), never by the code under test.
"""

import numpy as np
import pytest

import qsym as qml
from qsym.decomposition import (CompressedResourceOp, DecompCollection, GateSet, Resources,
                                controlled_resource_rep, resource_rep, translate_op_alias)
from qsym.decomposition.resources import adjoint_resource_rep, pow_resource_rep
from qsym.decomposition.reconstruct import has_reconstructor, reconstruct
from qsym.decomposition.symbolic_decomposition import (
    adjoint_rotation, controlled_hadamard, controlled_x_decomp, controlled_global_phase_decomp,
    flip_control_adjoint, flip_zero_control, make_adjoint_decomp, make_controlled_decomp,
    merge_powers, pow_involutory, pow_rotation, qjit_compatible_adjoint_rotation,
    repeat_pow_base, self_adjoint, cancel_adjoint)
from qsym.decomposition.decomposition_rule import auto_wrap

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
S = np.diag([1, 1j])
P0, P1 = np.diag([1, 0]), np.diag([0, 1])


def rx(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def controlled(u, control_values):
    """``u`` on the last wire(s), applied when the controls (first wires) read the values."""
    n = len(control_values)
    dim_t = u.shape[0]
    out = np.zeros((2 ** n * dim_t,) * 2, dtype=complex)
    for k in range(2 ** n):
        bits = [(k >> (n - 1 - i)) & 1 for i in range(n)]
        block = u if bits == list(control_values) else np.eye(dim_t)
        out[k * dim_t:(k + 1) * dim_t, k * dim_t:(k + 1) * dim_t] = block
    return out


def product(ops, wires):
    m = np.eye(2 ** len(wires), dtype=complex)
    for op in ops:
        m = qml.matrix(op, wire_order=wires) @ m
    return m


def made(rule, *args, **kwargs):
    with qml.queuing.AnnotatedQueue() as q:
        rule(*args, **kwargs)
    return list(q.queue)


def counted(ops):
    """Gate names and how often each is applied."""
    counts = {}
    for op in ops:
        counts[op.name] = counts.get(op.name, 0) + 1
    return counts


def by_name(resources):
    return {k.name: v for k, v in resources.gate_counts.items()}


# --- resource forms -------------------------------------------------------------------

def test_compressed_resource_op_is_keyed_by_type_and_params():
    a = CompressedResourceOp(qml.MultiRZ, {"num_wires": 3})
    assert a == resource_rep(qml.MultiRZ, num_wires=3) and hash(a) == hash(
        resource_rep(qml.MultiRZ, num_wires=3))
    assert a != resource_rep(qml.MultiRZ, num_wires=2)
    assert a.op_type is qml.MultiRZ and a.params == {"num_wires": 3} and a.name == "MultiRZ"
    assert repr(a) == "MultiRZ(num_wires=3)"


def test_symbolic_resource_forms_name_their_base():
    adj = adjoint_resource_rep(qml.RX)
    assert adj.name == "Adjoint(RX)" and adj.params == {"base_class": qml.RX, "base_params": {}}
    assert resource_rep(qml.ops.Adjoint, base_class=qml.RX, base_params={}) == adj
    assert pow_resource_rep(qml.H, {}, 3).name == "Pow(Hadamard)"
    assert repr(pow_resource_rep(qml.H, {}, 3)) == "Pow(Hadamard, z=3)"


@pytest.mark.parametrize("base, n, zeros, work, expected", [
    (qml.X, 1, 0, 0, "CNOT"), (qml.X, 2, 0, 0, "Toffoli"), (qml.CNOT, 1, 0, 0, "Toffoli"),
    (qml.X, 2, 0, 1, "MultiControlledX"), (qml.X, 1, 1, 0, "MultiControlledX"),
    (qml.Z, 1, 0, 0, "CZ"), (qml.RX, 1, 0, 0, "CRX"), (qml.RX, 2, 0, 0, "C(RX)")])
def test_controlled_resource_rep_dispatches_as_qml_ctrl(base, n, zeros, work, expected):
    assert controlled_resource_rep(base, {}, n, zeros, work).name == expected


def test_nested_controlled_x_is_flattened_with_its_work_wires():
    inner = {"base_class": qml.MultiControlledX,
             "base_params": {"num_control_wires": 2, "num_zero_control_values": 1,
                             "num_work_wires": 1, "work_wire_type": "zeroed"},
             "num_control_wires": 1, "num_zero_control_values": 1, "num_work_wires": 1,
             "work_wire_type": "zeroed"}
    rep = controlled_resource_rep(qml.ops.Controlled, inner, 1, 1, 1, "zeroed")
    assert rep == resource_rep(qml.MultiControlledX, num_control_wires=4,
                               num_zero_control_values=3, num_work_wires=3,
                               work_wire_type="zeroed")


def test_resources_add_and_scale_and_refuse_negative_counts():
    r = Resources({resource_rep(qml.RX): 2})
    s = Resources({resource_rep(qml.RX): 1, resource_rep(qml.CNOT): 1}, 5.0)
    assert (r + s).gate_counts == {resource_rep(qml.RX): 3, resource_rep(qml.CNOT): 1}
    assert (r + s).weighted_cost == 7.0 and (2 * r).gate_counts == {resource_rep(qml.RX): 4}
    with pytest.raises(AssertionError):
        Resources({resource_rep(qml.RX): -1})


def test_auto_wrap_refuses_a_class_needing_resource_keys():
    class NeedsKeys(qml.operation.Operator):
        resource_keys = {"foo"}

    assert auto_wrap(qml.CNOT) == resource_rep(qml.CNOT)
    with pytest.raises(TypeError, match="non-empty resource_keys"):
        auto_wrap(NeedsKeys)
    with pytest.raises(TypeError, match="subclass of Operator"):
        auto_wrap(int)


def test_translate_op_alias_refuses_an_unknown_symbolic_name():
    assert translate_op_alias("Controlled(H)") == "C(Hadamard)"
    with pytest.raises(ValueError, match="'Adj' is not a valid name"):
        translate_op_alias("Adj(X)")


# --- gate sets and rule collections ---------------------------------------------------

def test_gate_set_is_an_immutable_mapping_sorted_by_weight():
    gs = GateSet({qml.CNOT: 2, "RX": 1, qml.I: 0})
    assert list(gs) == ["Identity", "RX", "CNOT"] and gs[qml.CNOT] == 2 and qml.RX in gs
    assert str(gs) == "{Identity=0, RX, CNOT=2}" and repr(gs) == "GateSet({Identity=0, RX, CNOT=2})"
    assert list(gs - qml.RX) == ["Identity", "CNOT"] and "RY" in (gs | {"RY"})
    with pytest.raises(TypeError, match="immutable"):
        gs["RY"] = 1
    with pytest.raises(ValueError, match="Negative"):
        GateSet({"RX": -1})


def test_list_decomps_is_a_collection_by_name():
    rules = qml.list_decomps(qml.SWAP)
    # (PennyLane 0.45's name of SWAP's rule as three CNOTs)
    assert isinstance(rules, DecompCollection) and rules["_swap_to_cnot"] is rules[0]
    assert "_swap_to_cnot" in rules and "SWAP" not in rules
    with pytest.raises(ValueError, match="already exists"):
        rules.append(rules[0])
    with pytest.raises(KeyError):
        rules["nope"]


def test_add_decomps_refuses_duplicate_names_and_plain_functions():
    @qml.register_resources({qml.RZ: 1}, name="dup")
    def one(wires, **_):
        qml.RZ(0.1, wires=wires)

    @qml.register_resources({qml.RZ: 1}, name="dup")
    def two(wires, **_):
        qml.RZ(0.2, wires=wires)

    with qml.decomposition.local_decomps():
        with pytest.raises(ValueError, match="same name"):
            qml.add_decomps("DupOp", one, two)
        qml.add_decomps("DupOp", one)
        with pytest.raises(ValueError, match="already exists"):
            qml.add_decomps("DupOp", two)
        with pytest.raises(TypeError, match="register_resources"):
            qml.add_decomps("DupOp", lambda wires: None)


def test_stacked_condition_and_resources_keep_both():
    @qml.register_resources({qml.H: 2})
    @qml.register_condition(lambda num_wires: num_wires == 3)
    def rule(wires, **_):
        pass

    assert rule.is_applicable(num_wires=3) and not rule.is_applicable(num_wires=2)
    assert rule.compute_resources(num_wires=3).gate_counts == {resource_rep(qml.H): 2}
    rule.set_resources({qml.H: 1}, exact_resources=False)
    assert rule.compute_resources(num_wires=3).gate_counts == {resource_rep(qml.H): 1}
    assert not rule.exact_resources
    with pytest.raises(NotImplementedError, match="No resource estimation"):
        qml.register_resources(None, lambda wires: None).compute_resources()


def test_identity_decomposes_to_nothing():
    assert qml.Identity(wires=[0, 1]).decomposition() == []
    assert qml.Identity.compute_decomposition(wires=[0]) == []


# --- reconstructors -------------------------------------------------------------------

def test_reconstruct_nested_symbolic_operators():
    rep = adjoint_resource_rep(qml.ops.Pow, {"base_class": qml.CRX, "base_params": {}, "z": 2})
    assert has_reconstructor(rep.op_type, rep.params)
    op = reconstruct((0.5,), [0, 1], rep.op_type, rep.params)
    expected = controlled(rx(-1.0), [1])  # (CRX(0.5)^2)^dagger = CRX(-1.0)
    np.testing.assert_allclose(qml.matrix(op, wire_order=[0, 1]), expected, atol=1e-12)


# --- the symbolic rules, by matrices --------------------------------------------------

def test_adjoint_and_power_of_a_rotation():
    base = qml.RX(0.7, wires=0)
    np.testing.assert_allclose(product(made(adjoint_rotation, 0.7, wires=[0], base=base), [0]),
                               rx(-0.7), atol=1e-12)
    got = made(qjit_compatible_adjoint_rotation, 0.7, wires=[0], base_class=qml.RX,
               base_params={})
    np.testing.assert_allclose(product(got, [0]), rx(-0.7), atol=1e-12)
    np.testing.assert_allclose(product(made(pow_rotation, 0.7, wires=[0], base=base, z=3), [0]),
                               rx(2.1), atol=1e-12)


@pytest.mark.parametrize("z, expected", [(3, H), (4, I2), (5, H)])
def test_power_of_an_involution(z, expected):
    ops = made(pow_involutory, wires=[0], base_class=qml.H, base_params={}, z=z)
    np.testing.assert_allclose(product(ops, [0]), expected, atol=1e-12)
    res = pow_involutory.compute_resources(base_class=qml.H, base_params={}, z=z)
    assert by_name(res) == counted(ops)


def test_repeat_and_merge_powers():
    s = qml.S(0)
    np.testing.assert_allclose(product(made(repeat_pow_base, wires=[0], base=s, z=3), [0]),
                               S @ S @ S, atol=1e-12)
    inner = qml.pow(qml.S(0), 2)
    ops = made(merge_powers, wires=[0], base=inner, z=3)  # (S^2)^3 = S^6 = Z
    np.testing.assert_allclose(product(ops, [0]), np.diag([1, -1]), atol=1e-12)


def test_self_adjoint_and_cancel_adjoint():
    np.testing.assert_allclose(product(made(self_adjoint, wires=[0], base=qml.H(0)), [0]), H,
                               atol=1e-12)
    inner = qml.adjoint(qml.S(0))  # the base of Adjoint(Adjoint(S)): the rule gives S
    np.testing.assert_allclose(product(made(cancel_adjoint, wires=[0], base=inner), [0]),
                               S, atol=1e-12)


def test_adjoint_of_a_rule_reverses_it():
    # PennyLane's ISWAP rule: its adjoint must be ISWAP^dagger (written out by hand)
    iswap = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])
    rule = make_adjoint_decomp(qml.list_decomps(qml.ISWAP)[0])
    ops = made(rule, wires=[0, 1], base=qml.ISWAP([0, 1]))
    np.testing.assert_allclose(product(ops, [0, 1]), iswap.conj().T, atol=1e-12)


def test_controlled_rule_with_a_zero_control():
    rule = make_controlled_decomp(qml.list_decomps(qml.Hadamard)[0])
    op = qml.ctrl(qml.H(1), control=[0], control_values=[0])
    ops = made(rule, wires=[0, 1], base=op.base, control_wires=[0], control_values=[0],
               work_wires=[], work_wire_type="borrowed")
    expected = controlled(H, [0])
    phase = product(ops, [0, 1])[0, 0] / expected[0, 0]  # the rule may differ by a phase
    np.testing.assert_allclose(product(ops, [0, 1]), phase * expected, atol=1e-10)
    assert abs(abs(phase) - 1) < 1e-12


@pytest.mark.parametrize("values", [[0], [1], [0, 1], [1, 0], [0, 0, 1]])
def test_controlled_x(values):
    n = len(values)
    rule = flip_zero_control(controlled_x_decomp)
    wires = list(range(n + 1))
    ops = made(rule, wires=wires, control_wires=wires[:n], control_values=values,
               work_wires=[], work_wire_type="borrowed")
    np.testing.assert_allclose(product(ops, wires), controlled(X, values), atol=1e-12)
    res = rule.compute_resources(num_control_wires=n, num_zero_control_values=values.count(0),
                                 num_work_wires=0, work_wire_type="borrowed")
    assert by_name(res) == counted(ops)


@pytest.mark.parametrize("values", [[1], [0], [1, 1], [0, 1], [1, 0, 1]])
def test_controlled_global_phase(values):
    n, phi = len(values), 0.37
    wires = list(range(n + 1))
    ops = made(controlled_global_phase_decomp, phi, wires=wires, control_wires=wires[:n],
               control_values=values, work_wires=[])
    expected = controlled(np.exp(-1j * phi) * I2, values)
    np.testing.assert_allclose(product(ops, wires), expected, atol=1e-12)


@pytest.mark.parametrize("values", [[1], [0, 1], [1, 1, 0]])
def test_controlled_hadamard(values):
    n = len(values)
    wires = list(range(n + 1))
    ops = made(controlled_hadamard, wires=wires, control_wires=wires[:n], control_values=values,
               work_wires=[], work_wire_type="borrowed")
    np.testing.assert_allclose(product(ops, wires), controlled(H, values), atol=1e-12)


def test_flip_control_adjoint():
    op = qml.ctrl(qml.adjoint(qml.S(1)), control=[0])
    ops = made(flip_control_adjoint, wires=[0, 1], control_wires=[0], control_values=[1],
               work_wires=[], work_wire_type="borrowed", base=op.base)
    np.testing.assert_allclose(product(ops, [0, 1]), controlled(S.conj().T, [1]), atol=1e-12)


# --- the graph on symbolic operators --------------------------------------------------

def test_graph_solves_adjoint_and_controlled_operators():
    adj = qml.adjoint(qml.RX(0.4, wires=0))
    cx = qml.ctrl(qml.X(1), control=[0], control_values=[0])
    sol = qml.decomposition.DecompositionGraph([adj, cx], {"RX", "CNOT", "PauliX"}).solve()
    with qml.queuing.AnnotatedQueue() as q:
        sol.decomposition(adj)(0.4, wires=adj.wires, **qml.decomposition.get_decomp_kwargs(adj))
    np.testing.assert_allclose(product(q.queue, [0]), rx(-0.4), atol=1e-12)
    with qml.queuing.AnnotatedQueue() as q:
        sol.decomposition(cx)(wires=cx.wires, **qml.decomposition.get_decomp_kwargs(cx))
    np.testing.assert_allclose(product(q.queue, [0, 1]), controlled(X, [0]), atol=1e-12)


def test_graph_powers_and_controlled_adjoints_end_to_end():
    tape = qml.tape.QuantumScript([qml.pow(qml.S(0), 3),
                                   qml.ctrl(qml.adjoint(qml.S(1)), control=0, control_values=0)])
    with qml.decomposition.toggle_graph_ctx(True):
        (new,), _ = qml.decompose(tape, gate_set={"S", "Adjoint(S)", "PauliX", "CNOT", "T",
                                                  "Adjoint(T)", "RZ", "GlobalPhase"})
    expected = controlled(S.conj().T, [0]) @ np.kron(S @ S @ S, I2)
    got = product(new.operations, [0, 1])
    phase = got[0, 0] / expected[0, 0]
    np.testing.assert_allclose(got, phase * expected, atol=1e-10)
    assert abs(abs(phase) - 1) < 1e-12


def test_lazy_solve_keeps_only_what_the_operators_need():
    op = qml.pow(qml.S(0), 3)
    graph = qml.decomposition.DecompositionGraph([op], {"S", "PhaseShift", "RZ", "GlobalPhase"})
    lazy = graph.solve(lazy=True)
    assert lazy.is_solved_for(op)
    needed = {op.name for op in made(lazy.decomposition(op), wires=[0], base=qml.S(0), z=3,
                                     base_class=qml.S, base_params={})}
    assert needed <= {"S", "PhaseShift", "RZ", "GlobalPhase"}
    # an operator the chosen rules do not make is not solved
    other = qml.pow(qml.S(0), 2)
    assert not lazy.is_solved_for(other)
    assert graph.solve(lazy=False).is_solved_for(op)


def test_inspect_decomps_shows_each_rule():
    text = str(qml.inspect_decomps(qml.SWAP(wires=[0, 1])))
    assert text.startswith("Decomposition 0 (name: _swap_to_cnot)") and "Gate Count: {CNOT: 3}" in text
    with pytest.raises(TypeError, match="concrete operator instance"):
        qml.inspect_decomps(qml.SWAP)
    op = qml.DoubleExcitationPlus(0.1, wires=[0, 1, 2, 3])  # (no rules in PennyLane 0.45)
    assert str(qml.inspect_decomps(op)) == "No available decomposition rules."
    assert str(qml.inspect_decomps(qml.RX(0.1, wires=0))).startswith(
        "Decomposition 0 (name: _rx_to_rot)\n0: ──Rot(1.57,0.10,11.00)─┤  \nGate Count: {Rot: 1}")


def test_mid_circuit_measurements_in_rules_and_gate_sets():
    # PennyLane 0.45's aliases: "measure" / "ppm" name the mid-circuit measurements in a
    # gate set; a rule may declare a MidMeasure or PauliMeasure among its resources
    from qsym.ops.mid_measure import MidMeasure
    from qsym.ops.mid_measure.pauli_measure import PauliMeasure
    assert [translate_op_alias(n) for n in ("measure", "MidCircuitMeasure", "ppm",
                                            "pauli_measure", "BasisStateProjector")] == [
        "MidMeasureMP", "MidMeasureMP", "PauliMeasure", "PauliMeasure", "Projector"]
    assert resource_rep(MidMeasure).name == "MidMeasureMP"
    assert resource_rep(PauliMeasure).name == "PauliMeasure"

    class Custom(qml.operation.Operation):
        num_wires = 2
        resource_keys = set()

        @property
        def resource_params(self):
            return {}

    @qml.register_resources({qml.H: 2, MidMeasure: 1})
    def cheap(wires, **_):
        qml.H(wires[0])
        qml.cond(qml.measure(wires[0]), qml.H)(wires[1])

    @qml.register_resources({qml.H: 3, qml.X: 2, qml.CNOT: 1})
    def dear(wires, **_):
        raise AssertionError("the cheaper rule has a way to the gate set")

    def circuit(custom):
        if custom:
            Custom(wires=[0, 1])
        else:  # what the cheap rule makes, by hand
            qml.H(0)
            qml.cond(qml.measure(0), qml.H)(1)
        return qml.probs(wires=[0, 1])

    with qml.decomposition.toggle_graph_ctx(True):
        node = qml.transforms.decompose(
            qml.QNode(circuit, qml.device("default.qubit")),
            gate_set={qml.RX, qml.RY, qml.RZ, qml.CNOT, "measure"},
            fixed_decomps={qml.GlobalPhase: qml.decomposition.null_decomp},
            alt_decomps={Custom: [cheap, dear]})
        tape = qml.workflow.construct_tape(node, level="user")(True)
        probs = node(True)
    assert [type(o).__name__ for o in tape.operations] == [
        "RZ", "RY", "MidMeasure", "Conditional", "Conditional"]
    # H|0> measured: 0 or 1, half each; on 1, H on wire 1 gives |+>: probs of |00>, |1+>
    np.testing.assert_allclose(probs, [0.5, 0, 0.25, 0.25], atol=1e-12)


def test_change_op_basis_resource_rep_is_pennylanes():
    from qsym.decomposition.resources import change_op_basis_resource_rep
    rep = change_op_basis_resource_rep(qml.S, qml.RY)  # uncompute: the compute's adjoint
    assert rep.name == "ChangeOpBasis"
    assert rep.params == {"compute_op": resource_rep(qml.S), "target_op": resource_rep(qml.RY),
                          "uncompute_op": adjoint_resource_rep(qml.S)}
    op = qml.change_op_basis(qml.H(0), qml.RZ(0.3, 0), qml.H(0))  # the operator's own form
    assert change_op_basis_resource_rep(qml.H, qml.RZ, qml.H) == resource_rep(
        type(op), **op.resource_params)
