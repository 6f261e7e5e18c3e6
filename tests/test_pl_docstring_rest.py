"""Issue #18: PennyLane's docstring examples outside ops/measurements/math/pauli and
transforms/gradients/workflow/templates/drawer (``benchmarks/pennylane_docs.py``: resource,
queuing, operation, shadows, ...) give PennyLane's numbers on qsym. Expected values are
counted by hand or computed a second way, independent of the code under test."""
import qsym as qml
from qsym.resource import Resources, ResourcesOperation


class _FiveGates(ResourcesOperation):
    """Reports 2 Hadamard, 1 CNOT, 2 PauliZ in 3 layers (not its own gates)."""
    num_wires = 2

    def resources(self):
        return Resources(num_wires=2, num_gates=5,
                         gate_types={"Hadamard": 2, "CNOT": 1, "PauliZ": 2},
                         gate_sizes={1: 4, 2: 1}, depth=3)


# --- qml.specs: a TrotterProduct's depth is its gates' (PennyLane's ResourcesOperation) ---

def test_specs_depth_of_a_trotter_product_counts_its_evolutions():
    H = qml.dot([1.0, 0.5], [qml.X(0), qml.Y(0)])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.TrotterProduct(H, time=1.0, n=3, order=1)  # 3 steps x 2 terms, all on wire 0
        return qml.probs(wires=[0, 1])

    r = qml.specs(circuit)(0.1).resources
    assert r.gate_types == {"RX": 1, "CNOT": 1, "Evolution": 6}
    assert r.depth == 1 + 1 + 6  # one wire: every gate a layer of its own


def test_specs_depth_of_a_trotter_product_beside_a_parallel_gate():
    H = qml.dot([1.0, 1.0], [qml.Z(0), qml.X(0)])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        qml.TrotterProduct(H, time=0.5, n=2, order=2)  # order 2: 2 * 2 * 2 = 8 evolutions
        qml.Hadamard(1)  # wire 1 only: in the first layer
        return qml.expval(qml.Z(0))

    r = qml.specs(circuit)().resources
    assert r.gate_types["Evolution"] == 8
    assert r.depth == 8


# --- the tracker's resources count a ResourcesOperation by its resources() --------------

def test_tracker_resources_count_a_resources_operation_by_its_report():
    dev = qml.device("null.qubit", wires=[0, 1, 2])

    @qml.set_shots(shots=100)
    @qml.qnode(dev)
    def circuit(theta):
        qml.RZ(theta, wires=0)
        qml.CNOT(wires=[0, 1])
        _FiveGates(wires=[1, 2])
        return qml.expval(qml.Z(1))

    with qml.Tracker(dev) as tracker:
        circuit(1.23)
    r = tracker.history["resources"][0]
    assert r.gate_types == {"RZ": 1, "CNOT": 2, "Hadamard": 2, "PauliZ": 2}
    assert r.gate_sizes == {1: 5, 2: 2}
    assert r.num_gates == 7
    assert r.depth == 1 + 1 + 3  # RZ, then CNOT on wires 0-1, then the 3 reported layers


def test_tape_resources_of_a_resources_operation_in_parallel():
    tape = qml.tape.QuantumScript([_FiveGates(wires=[0, 1]), qml.X(2), qml.CNOT([1, 2])])
    r = tape.specs["resources"]
    assert r.gate_types == {"Hadamard": 2, "CNOT": 2, "PauliZ": 2, "PauliX": 1}
    assert r.depth == 3 + 1  # X(2) beside the operation, CNOT after both


# --- QueuingManager.active_context() is the user's AnnotatedQueue (queuing's docstring) ---

def test_active_context_is_the_annotated_queue_and_nests():
    assert qml.QueuingManager.active_context() is None
    with qml.queuing.AnnotatedQueue() as q1:
        assert qml.QueuingManager.active_context() is q1
        with qml.queuing.AnnotatedQueue() as q2:
            assert qml.QueuingManager.active_context() is q2
            op = qml.X(0)
        assert qml.QueuingManager.active_context() is q1
        qml.QueuingManager.active_context().append(qml.Z(1), owner_note="mine")
    assert q2.queue == [op]
    assert [o.name for o in q1.queue] == ["PauliZ"]  # (q2's X is queued in q2 only)
    assert q1[q1.queue[0]] == {"owner_note": "mine"}
    assert qml.QueuingManager.active_context() is None


# --- ClassicalShadow.entropy(wires=4): PennyLane reads wires that are not a sequence as all ---

def test_shadow_entropy_with_wires_not_a_sequence_uses_every_wire():
    import itertools

    import numpy as np
    # wire 0 in |0> (Z gives 0; X, Y give 0 and 1 equally), wire 1 maximally mixed (every
    # basis, both outcomes): the snapshots' mean is exactly |0><0| (x) I/2
    w0 = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 0)]
    w1 = [(r, b) for r in (0, 1, 2) for b in (0, 1)]
    rows = list(itertools.product(w0, w1))
    recipes = np.array([[a[0], b[0]] for a, b in rows])
    bits = np.array([[a[1], b[1]] for a, b in rows])
    shadow = qml.ClassicalShadow(bits, recipes)
    for alpha in (1.0, 2.0, 3.0):
        assert np.isclose(shadow.entropy(wires=4, alpha=alpha), np.log(2))  # both wires
        assert np.isclose(shadow.entropy(wires=[0, 1], alpha=alpha), np.log(2))
        assert np.isclose(shadow.entropy(wires=[0], alpha=alpha), 0.0, atol=1e-12)


# --- NumPy scalars times a PauliWord / PauliSentence (qml.spin.kitaev's docstring) --------

def test_numpy_scalars_scale_pauli_words_and_sentences():
    import numpy
    from qsym import numpy as pnp
    from qsym.pauli import PauliSentence, PauliWord
    w = PauliWord({0: "X", 1: "Z"})
    s = PauliSentence({w: 2.0, PauliWord({2: "Y"}): -1.0})
    for c in (numpy.float64(0.5), numpy.array(0.5), pnp.array([0.5, 0.7])[0]):
        out = c * s
        assert type(out) is PauliSentence
        assert dict(out) == {w: 1.0, PauliWord({2: "Y"}): -0.5}
        assert type(c * w) is PauliSentence and dict(c * w) == {w: 0.5}


def test_kitaev_with_an_array_of_couplings():
    from qsym import numpy as pnp
    H = qml.spin.kitaev([2, 2], coupling=pnp.array([0.5, 0.6, 0.7]))
    # PennyLane's honeycomb of 2 x 2 cells: XX on the 4 cells' bonds, YY and ZZ between
    expected = {((0, "X"), (1, "X")): 0.5, ((2, "X"), (3, "X")): 0.5, ((4, "X"), (5, "X")): 0.5,
                ((6, "X"), (7, "X")): 0.5, ((1, "Y"), (2, "Y")): 0.6, ((5, "Y"), (6, "Y")): 0.6,
                ((1, "Z"), (4, "Z")): 0.7, ((3, "Z"), (6, "Z")): 0.7}
    got = {tuple(sorted(word.items())): float(c) for word, c in H.pauli_rep.items()}
    assert got == expected


# --- qml.tape.expand_tape (PennyLane 0.45's deprecated function) -------------------------

def test_expand_tape_function_warns_and_expands():
    import numpy as np
    import pytest
    from qsym.exceptions import PennyLaneDeprecationWarning
    from qsym.tape import expand_tape
    tape = qml.tape.QuantumScript([qml.Permute((2, 1, 0), wires=(0, 1, 2)), qml.X(0)],
                                  [qml.expval(qml.X(0))])
    with pytest.warns(PennyLaneDeprecationWarning, match="expand_tape function is deprecated"):
        kept = expand_tape(tape, stop_at=lambda op: isinstance(op, qml.X))
    assert [op.name for op in kept.operations] == ["SWAP", "PauliX"]
    assert list(kept.operations[0].wires) == [0, 2]
    with pytest.warns(PennyLaneDeprecationWarning):
        deeper = expand_tape(tape, depth=3)
    assert all(op.name != "Permute" for op in deeper.operations)
    # the expanded gates make the same unitary: SWAP(0, 2) then X(0), by hand
    x = np.array([[0, 1], [1, 0]])
    swap02 = np.zeros((8, 8))
    for b in range(8):
        b0, b1, b2 = (b >> 2) & 1, (b >> 1) & 1, b & 1
        swap02[(b2 << 2) | (b1 << 1) | b0, b] = 1
    expected = np.kron(x, np.eye(4)) @ swap02
    got = qml.matrix(qml.tape.QuantumScript(deeper.operations), wire_order=[0, 1, 2])
    # up to a global phase: at depth 3 X's GlobalPhase expands to nothing (PennyLane 0.45.1
    # gives the same four gates: CNOT(0,2) CNOT(2,0) CNOT(0,2) RX(pi) on wire 0)
    assert [(op.name, list(op.wires)) for op in deeper.operations] == [
        ("CNOT", [0, 2]), ("CNOT", [2, 0]), ("CNOT", [0, 2]), ("RX", [0])]
    assert np.isclose(abs(np.trace(expected.conj().T @ got)) / 8, 1.0)


# --- Adjoint of an operator of your own with an adjoint() decomposes into it --------------

def test_adjoint_decomposition_of_your_operator_is_its_adjoint():
    import numpy as np

    class Phase(qml.operation.Operator):
        num_wires = 1

        @staticmethod
        def compute_matrix(a):
            return np.diag([1.0, np.exp(1j * a)])

        def adjoint(self):
            return Phase(-self.data[0], wires=self.wires)

    with qml.queuing.AnnotatedQueue() as q:
        op = qml.adjoint(Phase(0.3, wires=0))
        parts = op.decomposition()
    assert len(parts) == 1 and isinstance(parts[0], Phase)
    assert np.isclose(parts[0].data[0], -0.3)
    assert q.queue[-1] is parts[0]  # queued where it is made (PennyLane's)
    assert np.allclose(parts[0].matrix(), np.diag([1.0, np.exp(-0.3j)]))  # (by hand)

    class Mine(qml.operation.Operator):
        def adjoint(self):
            return self

    base = Mine(wires=0)
    assert qml.adjoint(base).decomposition() == [base]


# --- gate classes declare PennyLane's resource_keys (register_resources' docstring) -------

def test_gate_classes_declare_resource_keys_of_their_resource_params():
    import numpy as np
    import pytest
    assert qml.CNOT.resource_keys == set() and qml.RX.resource_keys == set()
    assert qml.MultiRZ.resource_keys == {"num_wires"}
    assert qml.PauliRot.resource_keys == {"pauli_word"}
    assert qml.QubitUnitary.resource_keys == {"num_wires"}
    # each instance's resource_params has exactly its class's keys
    for op in (qml.MultiRZ(0.5, wires=[0, 1, 2]), qml.PauliRot(0.1, "XY", wires=[0, 1]),
               qml.QubitUnitary(np.eye(4), wires=[0, 1]), qml.CNOT([0, 1]), qml.RX(0.2, 0),
               qml.PCPhase(0.3, dim=2, wires=[0, 1]), qml.GlobalPhase(0.1),
               qml.MultiControlledX(wires=[0, 1, 2], control_values=[0, 1])):
        assert set(op.resource_params) == type(op).resource_keys, op
    assert qml.resource_rep(qml.MultiRZ, num_wires=3).params == {"num_wires": 3}
    with pytest.raises(TypeError, match="Missing keyword arguments"):
        qml.resource_rep(qml.MultiRZ)


# --- shadow_expval measures the observables' wires in PennyLane's order -------------------

def test_shadow_expval_wires_are_the_observables_as_written():
    assert list(qml.shadow_expval(qml.X(1) @ qml.X(0)).wires) == [1, 0]
    words = [qml.Identity(0) @ qml.Identity(1), qml.Identity(0) @ qml.X(1), qml.Z(0) @ qml.Y(1)]
    assert list(qml.shadow_expval(words).wires) == [0, 1]


def test_shadow_expval_and_state_of_words_when_the_tape_starts_on_another_wire():
    # |0>|1>, the tape's first wire 1: <Z0> = 1, <Z1> = -1 (PennyLane 0.45.1's shadow_expval
    # returns them swapped here; its classical_shadow is right)
    import numpy as np
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(3000)
    @qml.qnode(dev)
    def est():
        qml.X(1)
        return qml.shadow_expval([qml.Z(0) @ qml.Identity(1), qml.Identity(0) @ qml.Z(1)],
                                 seed=7)

    assert np.allclose(est(), [1.0, -1.0], atol=0.15)  # (3000 snapshots: std 0.026)

    @qml.set_shots(3000)
    @qml.shadows.shadow_state(wires=[0, 1], diffable=True)
    @qml.qnode(dev)
    def state():
        qml.X(1)
        return qml.classical_shadow(wires=[0, 1])

    np.random.seed(3)
    rho = state()
    expected = np.zeros((4, 4))
    expected[1, 1] = 1.0  # |01><01|, wire 0 the most significant
    assert np.allclose(rho, expected, atol=0.25)
    assert abs(rho[1, 1] - 1) < 0.1


# --- a template prints its data before its wires (PennyLane's Operator.__repr__) ----------

def test_template_repr_shows_its_data():
    import numpy as np
    from qsym import numpy as pnp
    w = pnp.array([[0.5, 0.25]], requires_grad=True)
    assert repr(qml.BasicEntanglerLayers(w, wires=[0, 1])) == \
        "BasicEntanglerLayers(tensor([[0.5 , 0.25]], requires_grad=True), wires=[0, 1])"
    assert repr(qml.StatePrep(np.array([0.0, 1.0]), wires=[0])) == \
        "StatePrep(array([0., 1.]), wires=[0])"
    assert repr(qml.QFT(wires=[0, 1])) == "QFT(wires=[0, 1])"  # no data
    tape = qml.tape.QuantumScript([qml.BasisState(np.array([1, 0]), wires=[0, 1]), qml.S(0)])
    assert repr(tape.operations[0]).startswith("BasisState(") and "1, 0" in repr(tape.operations[0])


# --- tape.draw() is qml.drawer.tape_text (PennyLane's; expand's docstring drawings) -------

def test_tape_draw_is_the_drawer_tape_text():
    t = qml.tape.QuantumScript([qml.SWAP([0, 2]), qml.GlobalPhase(0.3, wires=[0])],
                               [qml.expval(qml.X(0))])
    expected = "0: ─╭SWAP─╭GlobalPhase─┤  <X>\n2: ─╰SWAP─╰GlobalPhase─┤     "  # PennyLane's
    assert t.draw() == expected
    assert t.draw() == qml.drawer.tape_text(t)


# --- is_verified_hermitian: PennyLane's inconclusive rules for products and scalings ------

def test_is_verified_hermitian_follows_pennylanes_rules():
    import numpy as np
    op = (qml.X(0) @ qml.Y(0) - qml.X(0) @ qml.Z(0)) * 1j  # = -(Y + Z): Hermitian
    assert not op.is_verified_hermitian and qml.is_hermitian(op)  # the docstring's pair
    cases = [(qml.X(0) @ qml.Y(0), False), (qml.X(0) @ qml.Y(1), True), (2 * qml.X(0), True),
             (1j * qml.X(0), False), (qml.X(0) @ qml.X(0), False),
             (1j * (qml.X(0) @ qml.Y(0)), False), (qml.s_prod(1 + 0j, qml.X(0)), True),
             (qml.X(0) @ qml.Y(1) @ qml.Z(0), False), (2 * (qml.X(0) @ qml.Y(1)), True),
             (qml.prod(qml.X(0), qml.Hermitian(np.eye(2), 1)), True),
             ((qml.X(0) + qml.Y(0)) @ qml.Z(1), True), (qml.X(0) + qml.Y(0), True)]
    for o, expected in cases:  # PennyLane 0.45.1's answers, one by one
        assert o.is_verified_hermitian is expected, o
    assert qml.Hermitian(np.eye(2), 0).is_verified_hermitian
    assert qml.Projector([0], wires=0).is_verified_hermitian
    # the eigenvalues still come from the (Hermitian) matrix: X(0) @ X(0) is the identity
    assert np.allclose(sorted(qml.eigvals(qml.X(0) @ qml.X(0))), [1.0, 1.0])
