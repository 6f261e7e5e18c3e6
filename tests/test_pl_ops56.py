"""PennyLane 0.45.1's operator-level semantics met by PennyLane's own test files (issue #18,
stop 56). Expected values are PennyLane's, computed in /work/plvenv and pasted (each says
so), or derived by hand; none is qsym's own output."""

import numpy as np
import pytest

import qsym as qml
from qsym.ops.functions import bind_new_parameters

# two qutrit observables' matrices (Hermitian 3x3, written by hand)
A = np.diag([1.0, -1.0, 0.0])
B = np.diag([1.0, 1.0, -2.0]) / np.sqrt(3)


def _qutrit_sum(c, m1, m2):
    return qml.sum(qml.s_prod(c, qml.sum(qml.THermitian(m1, 0), qml.GellMann(0, 2))),
                   qml.prod(qml.GellMann(1, 3), qml.THermitian(m2, 2)))


# ---- qutrit records as operands of operator arithmetic --------------------------------------

def test_qutrit_records_are_operands_of_arithmetic_and_rebind():
    s = _qutrit_sum(0.5, A, B)
    # PennyLane 0.45.1: wires [0, 1, 2]; data shapes [(), (3, 3), (3, 3)]; s.data[0] == 0.5
    assert s.wires.tolist() == [0, 1, 2]
    assert [np.shape(d) for d in s.data] == [(), (3, 3), (3, 3)] and s.data[0] == 0.5
    new = bind_new_parameters(s, [-0.5, B, A])
    # PennyLane 0.45.1: equal to the operator written with the new parameters, not to s
    assert qml.equal(new, _qutrit_sum(-0.5, B, A))
    assert not qml.equal(s, new)
    assert qml.equal(s, _qutrit_sum(0.5, A, B))  # s itself unchanged


def test_gellmann_index_is_a_hyperparameter():
    g = qml.GellMann(wires=0, index=2)
    # PennyLane 0.45.1: data (), hyperparameters {'index': 2}, repr GellMann2(wires=[0])
    assert g.data == () and g.hyperparameters == {"index": 2} and repr(g) == "GellMann2(wires=[0])"
    assert qml.GellMann(0).hyperparameters == {"index": 1}  # PennyLane's default index
    # PennyLane 0.45.1: False for another index, False for another wire
    assert not qml.equal(qml.GellMann(0, 2), qml.GellMann(0, 3))
    assert not qml.equal(qml.THermitian(A, 0), qml.THermitian(A, 1))
    assert qml.equal(qml.THermitian(A, 0), qml.THermitian(A.copy(), 0))


def test_qutrit_arithmetic_is_refused_where_a_number_is_needed():
    s = _qutrit_sum(0.5, A, B)
    with pytest.raises(qml.GateError, match="qml.THermitian is a qutrit operator"):
        s.matrix()
    with pytest.raises(qml.GateError, match="qutrit operator"):
        qml.matrix(s)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        return qml.expval(s)

    with pytest.raises(qml.GateError, match="qutrit operator"):
        circuit()


# ---- bind_new_parameters of an Evolution, a controlled operator product, a Projector ------

def test_bind_new_parameters_evolution_takes_its_parameter_and_a_new_base():
    op = qml.evolve(qml.X(0), 0.5)
    new = bind_new_parameters(op, [-0.5])
    # PennyLane 0.45.1: equal to qml.evolve(qml.X(0), -0.5), its base a new object
    assert qml.equal(new, qml.evolve(qml.X(0), -0.5)) and new.base is not op.base
    # by hand: exp(-i (-0.5) X) = cos(0.5) I + i sin(0.5) X
    expected = np.cos(0.5) * np.eye(2) + 1j * np.sin(0.5) * np.array([[0, 1], [1, 0]])
    assert np.allclose(qml.matrix(new), expected, atol=1e-12)
    assert qml.equal(op, qml.evolve(qml.X(0), 0.5))  # op unchanged


def test_bind_new_parameters_ctrl_of_a_scalar_product():
    op = qml.ctrl(qml.s_prod(0.5, qml.RX(0.123, 0)), [1])
    new = bind_new_parameters(op, [-0.5, 0.456])
    # PennyLane 0.45.1: equal to qml.ctrl(qml.s_prod(-0.5, qml.RX(0.456, 0)), [1]); a new base
    assert qml.equal(new, qml.ctrl(qml.s_prod(-0.5, qml.RX(0.456, 0)), [1]))
    assert new.base is not op.base
    # by hand: control 1 first in the wire order: blockdiag(I, -0.5 RX(0.456))
    c, s = np.cos(0.228), np.sin(0.228)
    rx = np.array([[c, -1j * s], [-1j * s, c]])
    expected = np.block([[np.eye(2), np.zeros((2, 2))], [np.zeros((2, 2)), -0.5 * rx]])
    assert np.allclose(qml.matrix(new, wire_order=[1, 0]), expected, atol=1e-12)


@pytest.mark.parametrize("state, new_state, expected", [
    ([1, 0, 0, 0], [0, 0], np.diag([1.0, 0, 0, 0])),  # a basis state: |00><00|
    ([1, 1], [0.5] * 4, np.full((4, 4), 0.25)),  # a state vector: |v><v|, v = (1/2, ...)
])
def test_bind_new_parameters_projector_takes_the_kind_of_its_new_state(state, new_state, expected):
    op = qml.Projector(state, [0, 1])
    new = bind_new_parameters(op, [new_state])
    # PennyLane 0.45.1: equal to qml.Projector(new_state, [0, 1])
    assert qml.equal(new, qml.Projector(new_state, [0, 1])) and new is not op
    assert np.allclose(qml.matrix(new), expected, atol=1e-12)


# ---- qml.eigvals of an operator without eigenvalues: its decomposition's -----------------

def test_eigvals_of_an_operator_without_eigenvalues_uses_its_decomposition():
    class Mine(qml.operation.Operation):
        num_params, num_wires = 0, 2

        @staticmethod
        def compute_decomposition(wires):
            return [qml.Hadamard(wires[0]), qml.CNOT(wires)]

    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    expected = np.linalg.eigvals(cnot @ np.kron(h, np.eye(2)))  # by hand: CNOT (H x I)
    # PennyLane 0.45.1: the gates share a wire, so the warning and their matrix's eigenvalues
    with pytest.warns(UserWarning, match="the eigenvalues will be computed numerically"):
        res = qml.eigvals(Mine(wires=[0, 1]))
    assert np.allclose(np.sort_complex(np.round(res, 12)), np.sort_complex(np.round(expected, 12)))

    class Bare(qml.operation.Operation):  # no eigenvalues, no matrix, no decomposition
        num_params, num_wires = 0, 1

    with pytest.raises(qml.operation.EigvalsUndefinedError):
        qml.eigvals(Bare(wires=0))


# ---- an operator class of your own with a read-only ``wires`` property -------------------

def test_operator_class_with_its_own_wires_property():
    class Flip(qml.operation.Operation):
        num_params, num_wires = 0, 1

        @property
        def wires(self):  # PennyLane's Operator.wires: self._wires
            return self._wires

        @staticmethod
        def compute_decomposition(wires):
            return [qml.X(wires[0])]

    op = Flip(wires=0)
    assert op.wires == qml.wires.Wires([0])
    assert op.map_wires({0: "a"}).wires == qml.wires.Wires(["a"]) and op.wires == qml.wires.Wires([0])

    class Pinned(qml.operation.Operator):  # wires that map_wires cannot move
        def __init__(self, inner):
            self.hyperparameters["inner"] = inner
            super().__init__(wires=inner.wires)

        @property
        def wires(self):
            return self.hyperparameters["inner"].wires

    # PennyLane 0.45.1's assert_valid: AssertionError "wires must be mappable with map_wires"
    with pytest.raises(AssertionError, match="wires must be mappable"):
        qml.ops.functions.assert_valid(Pinned(qml.X(0)), skip_pickle=True)


# ---- qml.draw of a transformed QNode whose tape measures nothing -------------------------

def test_draw_of_a_transform_giving_a_tape_without_measurements():
    @qml.transform
    def only_x(_):
        return (qml.tape.QuantumScript([qml.PauliX(0)]),), lambda res: res[0]

    @only_x
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.RX(x, wires=0)
        qml.SWAP(wires=(0, 1))
        return qml.probs(wires=(0, 1))

    # PennyLane 0.45.1: '0: ──X─┤  ' (the device's unused wire 1 not drawn)
    assert qml.draw(circuit)(1.234) == "0: ──X─┤  "


def test_draw_of_a_transformed_qnode_at_device_level_decomposes_templates():
    @qml.transforms.cancel_inverses
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x):
        qml.Permute([2, 1, 0], wires=(0, 1, 2))
        qml.PauliX(0)
        qml.PauliX(0)
        qml.RX(x, wires=1)
        return qml.expval(qml.PauliZ(0))

    # PennyLane 0.45.1: default.qubit decomposes Permute into a SWAP at level="device"
    assert qml.draw(circuit, level="device")(0.5) == (
        "0: ─╭SWAP───────────┤  <Z>\n1: ─│──────RX(0.50)─┤     \n2: ─╰SWAP───────────┤     ")
    assert qml.draw(circuit, level="user")(0.5) == (
        "0: ─╭Permute───────────┤  <Z>\n1: ─├Permute──RX(0.50)─┤     \n"
        "2: ─╰Permute───────────┤     ")


def test_qutrit_records_have_no_eigenvalues_here():
    # PennyLane computes them (qutrit matrices); qsym simulates qubits only: refused, named
    for make in (lambda: qml.GellMann(0, 1), lambda: qml.prod(qml.GellMann(0, 1), qml.GellMann(1, 8)),
                 lambda: qml.sum(qml.GellMann(0, 1), qml.THermitian(A, 1))):
        with pytest.raises(qml.operation.EigvalsUndefinedError, match="qutrit operator"):
            qml.eigvals(make())
    with pytest.raises(qml.operation.EigvalsUndefinedError, match="qml.GellMann is a qutrit"):
        qml.prod(qml.GellMann(0, 1), qml.GellMann(1, 8)).eigvals()


# ---- qml.Snapshot drawn, and applied by qml.apply ----------------------------------------

def test_snapshots_are_drawn_as_pennylane_draws_them():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x):
        qml.RX(x, 0)
        qml.Snapshot()
        qml.CNOT([0, 1])
        qml.Snapshot("p", measurement=qml.probs(wires=[1]))
        qml.Snapshot("e", measurement=qml.expval(qml.Z(0)))
        return qml.expval(qml.Z(0))

    # PennyLane 0.45.1: on every wire without a measurement's wires, else on those
    assert qml.draw(circuit)(0.3) == (
        "0: ──RX(0.30)──|Snap|─╭●──|Snap|─┤  <Z>\n"
        "1: ────────────|Snap|─╰X──|Snap|─┤     ")


def test_a_snapshot_made_outside_is_applied_by_qml_apply():
    snap = qml.Snapshot()

    def func():
        qml.X(0)
        qml.X(1)
        m = qml.measure(0)
        qml.cond(m, qml.X)(0)
        qml.apply(snap)
        return qml.expval(qml.Z(0))

    # PennyLane 0.45.1's drawing (mid-circuit measurement: the recorded circuit)
    assert qml.draw(func)() == (
        "0: ──X──┤↗├──X──|Snap|─┤  <Z>\n1: ──X───║───║──|Snap|─┤     \n         ╚═══╝               ")

    def plain():
        qml.X(0)
        qml.apply(snap)
        return qml.expval(qml.Z(0))

    # by hand: the state after X on wire 0 of two wires is |10>
    out = qml.snapshots(qml.QNode(plain, qml.device("default.qubit", wires=2)))()
    assert np.allclose(out[0], [0, 0, 1, 0]) and np.isclose(out["execution_results"], -1.0)
