"""Issue #18: small PennyLane 0.45 gaps (gates' ``terms()``, ``qml.adjoint`` of a sum,
``qml.cond`` of a template, ``qml.matrix`` of arithmetic in the ``qsym.numpy`` interface,
analytic tree-traversal on a device's wires, decomposition rule names and order).
Expected values are closed forms and hand-written matrices."""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp


# --- op.terms() ------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: qml.RX(0.3, 0), lambda: qml.PauliX(0), lambda: qml.CNOT([0, 1]),
    lambda: qml.Identity(0), lambda: qml.adjoint(qml.S(0)), lambda: qml.exp(qml.X(0), 1j),
    lambda: qml.GlobalPhase(0.3)])
def test_terms_of_a_gate_is_undefined(make):
    op = make()
    with pytest.raises(qml.operation.TermsUndefinedError):
        op.terms()
    assert issubclass(qml.operation.TermsUndefinedError, qml.exceptions.OperatorPropertyUndefined)


def test_terms_of_arithmetic_operators():
    assert (2 * qml.X(0)).terms() == ([2], [qml.X(0)])
    coeffs, ops = qml.Hamiltonian([1.0, 2.0], [qml.X(0), qml.Z(0)]).terms()
    assert coeffs == [1.0, 2.0] and ops == [qml.X(0), qml.Z(0)]
    prod = qml.RX(0.3, 0) @ qml.RY(0.2, 1)
    coeffs, ops = prod.terms()
    assert coeffs == [1.0] and len(ops) == 1 and qml.equal(ops[0], prod)


# --- qml.adjoint of a Sum / Prod -----------------------------------------------------------
def test_adjoint_of_a_non_hermitian_sum_is_shown_as_adjoint():
    s = qml.S(0) + qml.T(0)
    a = qml.adjoint(s)
    assert repr(a) == str(a) == "Adjoint(S(0) + T(0))"
    assert a.base is s and isinstance(a, qml.ops.op_math.Adjoint)
    t = np.exp(1j * np.pi / 4)
    expected = np.diag([2, np.conj(1j + t)])  # (S + T)^dagger, by hand
    assert np.allclose(qml.matrix(a), expected)
    simplified = qml.simplify(a)
    assert not repr(simplified).startswith("Adjoint(")
    assert np.allclose(qml.matrix(simplified), expected)


def test_adjoint_of_a_hermitian_sum_is_measured_as_the_sum():
    a = qml.adjoint(qml.X(0) + qml.Z(0))
    assert repr(a) == "Adjoint(X(0) + Z(0))" and qml.equal(a.base, qml.X(0) + qml.Z(0))
    assert not hasattr(qml.X(0) + qml.Z(0), "base")
    assert not isinstance(qml.X(0) + qml.Z(0), qml.ops.op_math.Adjoint)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def f():
        qml.Hadamard(0)
        return qml.expval(qml.adjoint(qml.X(0) + qml.Z(0)))

    assert np.isclose(f(), 1.0)  # <+|X|+> + <+|Z|+> = 1 + 0


# --- qml.cond of a template / of a function ---------------------------------------------
def _entangler_probs(a, b):
    """RX(a) x RX(b) on |00>, then CNOT(1, 2): the probabilities, by hand."""
    ca, sa, cb, sb = np.cos(a / 2) ** 2, np.sin(a / 2) ** 2, np.cos(b / 2) ** 2, np.sin(b / 2) ** 2
    return np.array([ca * cb, ca * sb, sa * sb, sa * cb])


def test_cond_of_a_template_queues_one_conditional():
    w = np.array([[0.3, 0.5]])

    def f(x):
        qml.RX(x, 0)
        qml.adjoint(qml.S(1))

    with qml.queuing.AnnotatedQueue() as q:
        m = qml.measure(0)
        qml.cond(m, qml.BasicEntanglerLayers)(w, wires=[1, 2])
        qml.cond(m, f)(0.3)
    texts = [repr(o) for o in q.queue[1:]]
    assert texts == ["Conditional(BasicEntanglerLayers)(array([[0.3, 0.5]]), wires=[1, 2])",
                     "Conditional(RX)(0.3, wires=[0])", "Conditional(Adjoint(S))(wires=[1])"]
    assert type(q.queue[1].base).__name__ == "BasicEntanglerLayers"

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.Hadamard(0)
        m = qml.measure(0)
        qml.cond(m, qml.BasicEntanglerLayers)(w, wires=[1, 2])
        return qml.probs(wires=[1, 2])

    expected = 0.5 * np.array([1, 0, 0, 0]) + 0.5 * _entangler_probs(0.3, 0.5)
    assert np.allclose(circuit(), expected)
    tape = qml.tape.QuantumScript.from_queue(q)  # the queue's Conditional(template) runs
    tape = qml.tape.QuantumScript(
        [qml.Hadamard(0), *tape.operations[:2]], [qml.probs(wires=[1, 2])])
    assert np.allclose(qml.device("default.qubit").execute(tape), expected)


# --- qml.matrix in the parameters' interface --------------------------------------------------
def _rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _ry(t):
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])


def test_matrix_of_arithmetic_with_a_tensor_is_a_tensor():
    m = qml.matrix(qml.RX(pnp.array(0.3), 0) @ qml.RY(0.2, 1))
    assert isinstance(m, pnp.tensor) and m.requires_grad
    assert np.allclose(m, np.kron(_rx(0.3), _ry(0.2)))
    m = qml.matrix(qml.RX(pnp.array(0.3, requires_grad=False), 0) + qml.RY(0.2, 0))
    assert isinstance(m, pnp.tensor) and not m.requires_grad
    assert np.allclose(m, _rx(0.3) + _ry(0.2))
    m = qml.matrix(pnp.array(2.0) * qml.X(0))
    assert isinstance(m, pnp.tensor) and np.allclose(m, [[0, 2], [2, 0]])
    assert type(qml.matrix(qml.X(0) + qml.Z(0))) is np.ndarray
    assert type(qml.matrix(qml.Hermitian(pnp.eye(2), 0))) is np.ndarray  # (PennyLane's)


# --- analytic tree-traversal -----------------------------------------------------------------
def test_tree_traversal_without_shots_runs_on_the_device_wires():
    x = 0.4
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, mcm_method="tree-traversal")
    def circuit(x):
        qml.RX(x, 0)
        m = qml.measure(0)
        qml.cond(m, qml.RY)(0.5, 1)
        qml.RX(0.3, 0)
        m2 = qml.measure(0, reset=True)
        qml.cond(m2, qml.RX)(0.7, 1)
        return qml.expval(qml.Z(1)), qml.expval(m)

    p1 = np.sin(x / 2) ** 2
    q0, q1 = np.sin(0.15) ** 2, np.cos(0.15) ** 2  # P(m2 = 1 | m = 0), P(m2 = 1 | m = 1)
    z1 = ((1 - p1) * ((1 - q0) + q0 * np.cos(0.7))
          + p1 * ((1 - q1) * np.cos(0.5) + q1 * np.cos(0.5) * np.cos(0.7)))
    ez, em = circuit(x)
    assert np.isclose(ez, z1) and np.isclose(em, p1)
    with pytest.raises(qml.exceptions.WireError, match="wires not found"):
        qml.QNode(circuit.func, dev, mcm_method="deferred")(x)  # (the deferral's copies)


def test_tree_traversal_probs_without_wires_is_of_the_circuit_wires():
    @qml.qnode(qml.device("default.qubit"), mcm_method="tree-traversal")
    def circuit(x):
        qml.RX(x, 0)
        qml.measure(0)
        qml.RX(0.3, 0)
        return qml.probs()

    c, s = np.cos(0.2) ** 2, np.sin(0.2) ** 2
    p0 = c * np.cos(0.15) ** 2 + s * np.sin(0.15) ** 2
    assert np.allclose(circuit(0.4), [p0, 1 - p0])

    @qml.set_shots(shots=50)
    @qml.qnode(qml.device("default.qubit", seed=1), mcm_method="one-shot")
    def sampled():
        qml.X(1)
        qml.measure(1)
        qml.X(0)  # (wire 1 then 0: PennyLane's order of the circuit's wires)
        return qml.probs()

    assert np.array_equal(sampled(), [0, 0, 0, 1])  # |1>|1>, the measured wire not copied in


# --- decomposition rules: PennyLane's names and order ----------------------------------------
def test_rule_names_and_order_are_pennylanes():
    names = {g: [r.name for r in qml.list_decomps(getattr(qml, g))]
             for g in ("PauliRot", "CZ", "CRX", "Hadamard", "SX", "CRZ", "Toffoli", "PCPhase")}
    assert names == {"PauliRot": ["_pauli_rot_decomposition"],
                     "CZ": ["_cz_to_cps", "_cz_to_cnot"],
                     "CRX": ["_crx_to_rx_cz", "_crx_to_rz_ry", "_crx_to_h_crz"],
                     "Hadamard": ["_hadamard_to_rz_rx", "_hadamard_to_rz_ry"],
                     "SX": ["_sx_to_rx"], "CRZ": ["_crz"], "Toffoli": ["_toffoli"],
                     "PCPhase": ["PCPhase"]}  # (qsym's own: PennyLane's rule differs)
    assert qml.decomposition.has_decomp(qml.SWAP) and "_swap_to_cnot" in qml.list_decomps(qml.SWAP)


@pytest.mark.parametrize("op, expected", [
    (qml.CRZ(0.7, wires=[0, 1]), np.diag([1, 1, np.exp(-0.35j), np.exp(0.35j)])),
    (qml.ControlledPhaseShift(0.7, wires=[0, 1]), np.diag([1, 1, 1, np.exp(0.7j)])),
    (qml.SX(0), 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])),
])
def test_pennylanes_added_rules_make_the_gate(op, expected):
    (rule,) = qml.list_decomps(type(op))
    with qml.queuing.AnnotatedQueue() as q:
        rule(*op.data, wires=op.wires)
    made = qml.matrix(qml.tape.QuantumScript(q.queue), wire_order=op.wires)
    assert np.allclose(made, expected)
    counts = rule.compute_resources().gate_counts
    assert sum(counts.values()) == len(q.queue)


def test_rule_counts_are_by_resource_form():
    (rule,) = qml.list_decomps(qml.PauliRot)
    counts = rule.compute_resources(pauli_word="XYZ").gate_counts
    rep = qml.decomposition.resource_rep
    assert counts == {rep(qml.Hadamard): 2, rep(qml.RX): 2, rep(qml.MultiRZ, num_wires=3): 1}


def test_inspector_lists_rules_last_registered_first():
    with qml.decomposition.toggle_graph_ctx(True):
        @qml.transforms.decomp_inspector(gate_set={"RZ", "RX", "RY", "GlobalPhase"})
        @qml.qnode(qml.device("default.qubit"))
        def circuit():
            qml.H(0)
            return qml.probs()

        text = str(circuit().inspect_decomps(qml.H(0)))
    heads = [line for line in text.splitlines() if "Decomposition" in line]
    assert [h.replace("CHOSEN: ", "") for h in heads] == [
        "Decomposition 0 (name: _hadamard_to_rz_ry)", "Decomposition 1 (name: _hadamard_to_rz_rx)"]
    assert heads[0].startswith("CHOSEN: ")  # RZ RY GlobalPhase: 3 gates against 4
