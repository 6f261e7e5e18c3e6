"""PennyLane 0.45's graph rules of multi-controlled rotations (issue #18): ``C(RX)``,
``C(RY)``, ``C(RZ)``, ``C(Rot)`` (the rotation halved about two ``MultiControlledX``) and
``C(PhaseShift)`` (Z-rotations of every subset of the wires, ``_cphase_to_ppr``), each
under ``flip_zero_ctrl_values``. Their gates are checked against the controlled matrix
built by hand (identity but the controls' pattern block, which is the gate's matrix), and
the graph's weighted costs against PennyLane 0.45.1's ``decomp_inspector`` numbers for the
same operators (/work/plvenv), which they change (a multi-controlled X of four controls
165 -> 133, PennyLane's)."""

import numpy as onp
import pytest

import qsym as qml


def _by_hand(u, controls):
    """The matrix of ``u`` (on the last wire) controlled by ``controls`` values, wires in
    order: the identity but the block of the controls' pattern."""
    n = len(controls)
    dim = 2 ** (n + 1)
    m = onp.eye(dim, dtype=complex)
    start = int("".join(str(v) for v in controls), 2) * 2
    m[start:start + 2, start:start + 2] = u
    return m


def _rot(a, b, c):
    rz = lambda t: onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])  # noqa: E731
    ry = onp.array([[onp.cos(b / 2), -onp.sin(b / 2)], [onp.sin(b / 2), onp.cos(b / 2)]])
    return rz(c) @ ry @ rz(a)


GATES = {
    "RX": ((0.7,), lambda t: onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)],
                                        [-1j * onp.sin(t / 2), onp.cos(t / 2)]])),
    "RY": ((0.7,), lambda t: onp.array([[onp.cos(t / 2), -onp.sin(t / 2)],
                                        [onp.sin(t / 2), onp.cos(t / 2)]])),
    "RZ": ((0.7,), lambda t: onp.diag([onp.exp(-0.35j), onp.exp(0.35j)])),
    "Rot": ((0.3, -1.1, 0.8), _rot),
    "PhaseShift": ((0.7,), lambda t: onp.diag([1, onp.exp(0.7j)])),
}


@pytest.mark.parametrize("name", sorted(GATES))
@pytest.mark.parametrize("controls", [(1,), (1, 1), (0, 1), (1, 0, 1), (0, 0, 1)])
def test_each_rule_applies_the_controlled_gate(name, controls):
    params, matrix = GATES[name]
    rule = next(r for r in qml.list_decomps(f"C({name})")
                if r.name.startswith("flip_zero_ctrl_values(_c"))
    n = len(controls)
    wires = list(range(n + 1))
    with qml.queuing.AnnotatedQueue() as q:
        rule(*params, wires=wires, control_wires=wires[:n], control_values=list(controls),
             work_wires=[], work_wire_type="borrowed")
    tape = qml.tape.QuantumScript(q.queue)
    got = qml.matrix(tape, wire_order=wires)
    want = _by_hand(matrix(*params), controls)
    assert onp.allclose(got, want, atol=1e-12)  # (exact: global phases included)


def test_the_rules_are_pennylanes_by_name_and_resources():
    assert [r.name for r in qml.list_decomps("C(RZ)")][:1] == [
        "flip_zero_ctrl_values(_controlled_rz_decomp)"]
    rule = qml.list_decomps("C(PhaseShift)")[0]
    counts = rule.compute_resources(num_control_wires=2, num_zero_control_values=1,
                                    num_work_wires=0, work_wire_type="borrowed").gate_counts
    # PennyLane's: C(3,1)=3 one-wire, C(3,2)=3 two-wire, one three-wire Z rotation, a phase,
    # and two X around the zero control
    assert {str(k): v for k, v in counts.items()} == {
        "PauliRot(pauli_word=Z)": 3, "PauliRot(pauli_word=ZZ)": 3, "PauliRot(pauli_word=ZZZ)": 1,
        "GlobalPhase": 1, "PauliX": 2}


def test_graph_costs_are_pennylanes():
    ops = [qml.MultiControlledX([0, 1, 2, 3, 4]), qml.MultiControlledX([0, 1, 2, 3]),
           qml.ctrl(qml.GlobalPhase(0.3, wires=4), control=[0, 1, 2, 3]),
           qml.ctrl(qml.GlobalPhase(0.3, wires=3), control=[0, 1, 2]),
           qml.ctrl(qml.RZ(0.5, 0), control=[3, 4, 5])]
    with qml.decomposition.toggle_graph_ctx(True):
        graph = qml.decomposition.DecompositionGraph(ops, qml.gate_sets.ROTATIONS_PLUS_CNOT)
        sol = graph.solve()
    costs = [sol.resource_estimate(op).weighted_cost for op in ops]
    # PennyLane 0.45.1's decomp_inspector, num_work_wires=0 (before: 165, 79, 81, 27, 81)
    assert costs == [133.0, 69.0, 49.0, 17.0, 66.0]


def test_inspecting_the_adjoint_of_a_qubit_unitary():
    # the adjoint rules' applicability built an example QubitUnitary without its matrix:
    # GateError "QubitUnitary needs U"; PennyLane 0.45.1 chooses a rule of cost 3.0
    u = qml.RX(0.3, 0).matrix()
    with qml.decomposition.toggle_graph_ctx(True):
        @qml.transforms.decomp_inspector(gate_set=qml.gate_sets.ROTATIONS_PLUS_CNOT)
        @qml.qnode(qml.device("default.qubit"))
        def circuit():
            qml.adjoint(qml.QubitUnitary(u, wires=0))
            return qml.probs()

        text = str(circuit().inspect_decomps(qml.adjoint(qml.QubitUnitary(u, wires=0))))
    chosen = next(b for b in text.split("\n\n") if b.startswith("CHOSEN"))
    assert chosen.endswith("Weighted Cost: 3.0")
