"""Issue #18: decompositions that keep PennyLane's operator objects one level down
(``StatePrep`` -> ``MottonenStatePreparation``, the arithmetic templates ->
``ChangeOpBasis`` / ``ControlledSequence`` / ``Adjoint(QFT)``, ``CCZ`` and ``Toffoli`` with
``Adjoint(T)``) while circuits built from them still compute the right numbers, and
``SumOfSlatersPrep``'s rule allocating its work wires with ``qml.allocate``.

Expected values are closed forms (modular arithmetic on basis states, hand-written
matrices and amplitudes), independent of the code under test."""
import itertools
import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym.tape import expand_tape_state_prep


def _bits(value, n):
    return [(value >> (n - 1 - i)) & 1 for i in range(n)]


def _value(probs, wires, order):
    """The integer held on ``wires`` of the (basis) state whose probabilities are given."""
    index = int(onp.argmax(probs))
    assert onp.isclose(probs[index], 1.0)
    bits = _bits(index, len(order))
    return int("".join(str(bits[order.index(w)]) for w in wires), 2)


# --- StatePrep: one MottonenStatePreparation ----------------------------------------------
def test_state_prep_decomposes_into_one_mottonen_of_the_prepared_state():
    op = qml.StatePrep([3.0, 0.0, 4.0], wires=[0, 1], pad_with=0.0)
    (mottonen,) = op.decomposition()
    assert isinstance(mottonen, qml.MottonenStatePreparation)
    assert mottonen.wires.tolist() == [0, 1]
    assert onp.allclose(mottonen.state, [0.6, 0.0, 0.8, 0.0])  # padded, normalized

    @qml.qnode(qml.device("default.qubit", wires=2))
    def prepared():
        op.decomposition()  # applied where it is called, as PennyLane queues it
        return qml.state()

    assert onp.allclose(prepared(), [0.6, 0.0, 0.8, 0.0])


def test_amplitude_embedding_and_tape_state_prep_expansion_give_mottonen():
    (m,) = qml.AmplitudeEmbedding([0.0, 1.0j, 0.0, 0.0], wires=[0, 1]).decomposition()
    assert isinstance(m, qml.MottonenStatePreparation)
    assert onp.allclose(m.state, [0.0, 1.0j, 0.0, 0.0])
    tape = qml.tape.QuantumScript([qml.StatePrep([0.0, 1.0], wires=0), qml.PauliZ(0),
                                   qml.BasisState([0], wires=1),
                                   qml.StatePrep([0.0, 1.0], wires=0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = expand_tape_state_prep(tape, skip_first=False)
    # BasisState([0]) applies nothing; each StatePrep is one MottonenStatePreparation
    assert [op.name for op in new.operations] == ["MottonenStatePreparation", "PauliZ",
                                                  "MottonenStatePreparation"]
    assert isinstance(qml.MottonenStatePreparation([0, 1], wires=0).decomposition()[0], qml.RY)


# --- CCZ and Toffoli: PennyLane's gates, T^dagger as Adjoint(T) -----------------------------
@pytest.mark.parametrize("name, diagonal", [("CCZ", True), ("Toffoli", False)])
def test_ccz_and_toffoli_decompose_into_cnot_t_and_adjoint_t(name, diagonal):
    op = getattr(qml, name)(wires=[0, 1, 2])
    decomposition = op.decomposition()
    names = [g.name for g in decomposition]
    assert names.count("Adjoint(T)") == 3 and names.count("T") == 4 and names.count("CNOT") == 6
    expected = onp.eye(8, dtype=complex)
    if diagonal:
        expected[7, 7] = -1
    else:
        expected[6:, 6:] = [[0, 1], [1, 0]]
    assert onp.allclose(qml.matrix(op.decomposition, wire_order=[0, 1, 2])(), expected)


def test_controlled_z_with_two_controls_decomposes_like_ccz():
    op = qml.ops.Controlled(qml.PauliZ(0), control_wires=[2, 1])
    assert op.decomposition() == qml.CCZ(wires=[2, 1, 0]).decomposition()
    zero = qml.ops.Controlled(qml.PauliZ(0), control_wires=[2, 1], control_values=[0, 0])
    d = zero.decomposition()
    assert [g.name for g in d[:2] + d[-2:]] == ["PauliX"] * 4
    expected = onp.diag([1, 1, 1, 1, -1, 1, 1, 1])  # Z on wire 0 when wires 1, 2 are 0: |100>
    assert onp.allclose(qml.matrix(zero.decomposition, wire_order=[0, 1, 2])(), expected)


# --- the arithmetic templates: PennyLane's operators, right on every basis input ---------
def _run_decomposition(op, inputs, measured):
    """The integer on ``measured`` after ``op.decomposition()`` applied to basis inputs."""
    order = list(op.wires)

    @qml.qnode(qml.device("default.qubit", wires=order))
    def circuit():
        for wires, value in inputs:
            qml.BasisEmbedding(value, wires=wires)
        op.decomposition()
        return qml.probs(wires=order)

    return _value(circuit(), measured, order)


@pytest.mark.parametrize("mod, work", [(None, []), (5, [3, 4])])
def test_adder_decomposition_is_change_op_basis_and_adds(mod, work):
    x = [0, 1, 2]
    op = qml.Adder(3, x, mod, work)
    (cob,) = op.decomposition()
    assert [type(o).__name__ for o in cob.decomposition()] == ["QFT", "PhaseAdder", "AdjointOperation"]
    m = mod or 8
    for value in range(m):
        assert _run_decomposition(op, [(x, value)], x) == (value + 3) % m


@pytest.mark.parametrize("mod, work", [(None, [2]), (3, [2])])
def test_phase_adder_decomposition_adds_in_the_fourier_basis(mod, work):
    x = [0, 1]
    op = qml.PhaseAdder(2, x, mod, work)
    names = [o.name for o in op.decomposition()]
    assert names[:2] == ["PhaseShift", "PhaseShift"]
    assert (names.count("ChangeOpBasis") == 2) == (mod is not None)
    m = mod or 4
    for value in range(m):
        @qml.qnode(qml.device("default.qubit", wires=[0, 1, 2]))
        def circuit():
            qml.BasisEmbedding(value, wires=x)
            qml.QFT(wires=x)
            op.decomposition()
            qml.adjoint(qml.QFT)(wires=x)
            return qml.probs(wires=[0, 1, 2])

        assert _value(circuit(), x, [0, 1, 2]) == (value + 2) % m


@pytest.mark.parametrize("mod, work", [(None, [2, 3]), (3, [2, 3, 4, 5])])
def test_multiplier_decomposition_is_three_pennylane_operators_and_multiplies(mod, work):
    x = [0, 1]
    op = qml.Multiplier(2 if mod else 3, x, mod, work)
    d = op.decomposition()
    assert [o.name for o in d] == ["ChangeOpBasis", "Prod", "ChangeOpBasis"]
    assert type(d[0].decomposition()[1]).__name__ == "ControlledSequence"
    k, m = (2, 3) if mod else (3, 4)
    for value in range(m):
        assert _run_decomposition(op, [(x, value)], x) == (k * value) % m


def test_out_adder_out_multiplier_and_mod_exp_decompositions_compute():
    x, y, out = [0, 1], [2, 3], [4, 5]
    adder, multiplier = qml.OutAdder(x, y, out), qml.OutMultiplier(x, y, out)
    assert [o.name for o in adder.decomposition()] == ["ChangeOpBasis"]
    assert adder.decomposition()[0].decomposition()[1].name == "Prod"
    assert multiplier.decomposition()[0].decomposition()[1].name == "ControlledSequence"
    for a, b, c in itertools.product(range(4), range(4), [0, 3]):
        inputs = [(x, a), (y, b), (out, c)]
        assert _run_decomposition(adder, inputs, out) == (c + a + b) % 4
        assert _run_decomposition(multiplier, inputs, out) == (c + a * b) % 4
    mod_exp = qml.ModExp([0, 1], [2, 3], base=3, mod=4, work_wires=[4, 5])
    (seq,) = mod_exp.decomposition()
    assert type(seq).__name__ == "ControlledSequence"
    for a, b in itertools.product(range(4), [1, 3]):
        assert _run_decomposition(mod_exp, [([0, 1], a), ([2, 3], b)], [2, 3]) == b * 3 ** a % 4


# --- SumOfSlatersPrep: its rule allocates its work wires -----------------------------------
def test_sum_of_slaters_rule_allocates_its_work_wires_and_gives_them_back_zeroed():
    c = onp.array([0.5, -0.5j, 0.5, 0.5])
    indices = (1, 4, 7, 2)
    rule = qml.list_decomps(qml.SumOfSlatersPrep)[0]

    @qml.qnode(qml.device("default.qubit"))
    def circuit():
        qml.Identity(wires=[0, 1, 2])
        rule(c, wires=[0, 1, 2], indices=indices)
        return qml.state()

    state = circuit()
    extra = int(onp.log2(state.shape[0])) - 3
    assert extra > 0  # the work wires qml.allocate took (new wires after 0, 1, 2)
    amplitudes = state.reshape(8, 2 ** extra)
    assert onp.allclose(amplitudes[:, 1:], 0.0)  # returned to |0>
    expected = onp.zeros(8, dtype=complex)
    expected[list(indices)] = c
    assert onp.allclose(amplitudes[:, 0], expected)


# --- Reflection, ControlledSequence: PennyLane's operators ----------------------------------
def test_reflection_decomposition_keeps_u_and_its_adjoint_whole():
    U = qml.QFT(wires=[0, 1])
    op = qml.Reflection(U, 0.5)
    d = op.decomposition()
    assert [type(o).__name__ for o in d] == ["GlobalPhase", "AdjointOperation", "PauliX",
                                            "ControlledOp", "PauliX", "QFT"]
    assert d[-1] is U
    # -(I - (1 - e^{i a}) |psi><psi|), |psi> = QFT|00> = |++>
    psi = onp.full(4, 0.5)
    expected = -(onp.eye(4) - (1 - onp.exp(0.5j)) * onp.outer(psi, psi))
    assert onp.allclose(qml.matrix(op.decomposition, wire_order=[0, 1])(), expected)


def test_controlled_sequence_compute_decomposition_is_powers_of_controlled_base():
    base = qml.RZ(0.3, wires=2)
    lazy = qml.ControlledSequence.compute_decomposition(base=base, control_wires=[0, 1], lazy=True)
    assert [op.z for op in lazy] == [2, 1]
    assert all(isinstance(op, qml.ops.Pow) for op in lazy)
    assert [op.base.control_wires.tolist() for op in lazy] == [[0], [1]]
    eager = qml.ControlledSequence.compute_decomposition(base=base, control_wires=[0, 1])
    assert [(op.name, op.parameters[0]) for op in eager] == [("CRZ", 0.6), ("CRZ", 0.3)]


def test_a_symbolic_gate_queues_as_one_entry_and_a_batch_of_one_state_keeps_its_size():
    adj = qml.adjoint(qml.T(0))
    with qml.queuing.AnnotatedQueue() as q:
        adj.queue()
    assert q.queue == [adj]
    assert qml.StatePrep(onp.array([[0.6, 0.8]]), wires=0).batch_size == 1
    assert qml.StatePrep(onp.array([0.6, 0.8]), wires=0).batch_size is None


# --- templates compare as PennyLane's operators; GQSP and PrepSelPrep one level down --------
def test_templates_are_equal_as_qml_equal_compares_them():
    assert qml.QFT(wires=[0, 1]) == qml.QFT(wires=[0, 1])
    assert qml.QFT(wires=[0, 1]) != qml.QFT(wires=[1, 0])
    assert qml.QFT(wires=[0]) != qml.Hadamard(0)
    d = onp.array([1.0, 1.0, -1.0, 1.0j])
    assert qml.DiagonalQubitUnitary(d, wires=[1, 0]) == qml.DiagonalQubitUnitary(d, wires=[1, 0])
    assert qml.DiagonalQubitUnitary(d, wires=[1, 0]) != qml.DiagonalQubitUnitary(-d, wires=[1, 0])


def test_gqsp_decomposition_controls_the_unitary_on_zero():
    angles = onp.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    op = qml.GQSP(qml.Z(1), angles, control=0)
    d = op.decomposition()
    assert [o.name for o in d] == ["PauliX", "U3", "PauliX", "PauliZ", "C(PauliZ)",
                                   "PauliX", "U3", "PauliX", "PauliZ"]
    assert d[4].control_values == [False]
    # by hand: R_k = Z X U3(2 theta_k, phi_k, lambda_k) X on the control, then the base's
    # Z on wire 1 when the control is 0, then R_1
    X, Z, I = onp.array([[0, 1], [1, 0]]), onp.diag([1, -1]), onp.eye(2)

    def u3(t, p, l):
        return onp.array([[onp.cos(t / 2), -onp.exp(1j * l) * onp.sin(t / 2)],
                          [onp.exp(1j * p) * onp.sin(t / 2), onp.exp(1j * (p + l)) * onp.cos(t / 2)]])

    def rot(k):
        return onp.kron(Z @ X @ u3(2 * angles[0, k], angles[1, k], angles[2, k]) @ X, I)

    cz0 = onp.diag([1, -1, 1, 1])  # Z on wire 1 when wire 0 is |0>
    expected = rot(1) @ cz0 @ rot(0)
    assert onp.allclose(qml.matrix(op.decomposition, wire_order=[0, 1])(), expected)


def test_prep_sel_prep_decomposition_block_encodes_the_lcu():
    lcu = qml.dot([0.5, -0.25], [qml.Z(1), qml.X(1)])
    op = qml.PrepSelPrep(lcu, control=[0])
    (cob,) = op.decomposition()
    assert [o.name for o in cob.decomposition()] == ["AmplitudeEmbedding", "Select",
                                                     "Adjoint(AmplitudeEmbedding)"]
    block = qml.matrix(op.decomposition, wire_order=[0, 1])()[:2, :2]
    expected = (0.5 * onp.diag([1, -1]) - 0.25 * onp.array([[0, 1], [1, 0]])) / 0.75
    assert onp.allclose(block, expected)
