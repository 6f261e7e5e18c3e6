"""Issue #18 (stop 62, pl62a): PennyLane 0.45.1 semantics its own test files in ops/,
measurements/, gradients/, devices/, workflow/ and tape/ reach.

Expected numbers are derived by hand (said so where used) or PennyLane 0.45.1's (computed
in /work/plvenv and pasted, said so where used).
"""

import numpy as onp

import qsym as qml
from qsym import numpy as pnp


# --- qml.BasisState after gates on its wires: PennyLane's X gates, no reset ----------------
def test_basis_state_after_gates_flips_the_current_state():
    """PennyLane's default.qubit decomposes a BasisState that does not open the circuit into
    its X gates (``construct_batch(level="device")`` shows ``[RX, X(0)]``): the bits flip
    the current state. By hand: RX(x) on 0 then X gives <Z0> = -cos x; RY(y) on 1 and no
    flip gives <X1> = sin y; the product and its gradient follow. (qsym refused it.)"""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.BasisState(onp.array([1, 0]), wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    x, y = pnp.array(0.7, requires_grad=True), pnp.array(-0.4, requires_grad=True)
    assert onp.isclose(circuit(x, y), -onp.cos(0.7) * onp.sin(-0.4), atol=1e-14)
    dx, dy = qml.grad(circuit)(x, y)
    assert onp.isclose(dx, onp.sin(0.7) * onp.sin(-0.4), atol=1e-14)
    assert onp.isclose(dy, -onp.cos(0.7) * onp.cos(-0.4), atol=1e-14)

    def body():  # PennyLane's change_op_basis of a subroutine that prepares after a gate
        qml.RX(0.2, wires=0)
        qml.adjoint(qml.BasisState)(onp.array([1]), wires=[0])

    ops = qml.tape.make_qscript(body)().operations
    assert [op.name for op in ops] == ["RX", "Adjoint(BasisState)"]
    assert onp.allclose(qml.matrix(ops[1]), [[0, 1], [1, 0]])


# --- GlobalPhase's decomposition: PennyLane's [] ------------------------------------------
def test_global_phase_decomposes_to_nothing_but_has_no_graph_rule():
    """PennyLane 0.45.1 (run in /work/plvenv): ``GlobalPhase(1.23).decomposition()`` and
    ``GlobalPhase.compute_decomposition(1.23)`` are ``[]``, ``has_decomposition`` True,
    ``qml.list_decomps(qml.GlobalPhase)`` empty and ``Adjoint(GlobalPhase)`` one rule. A
    controlled adjoint phase must keep its phase (by hand: H, controlled e^{+i x}, H on one
    wire gives <Z> = cos x)."""
    assert qml.GlobalPhase(1.23).decomposition() == []
    assert qml.GlobalPhase.compute_decomposition(1.23) == []
    assert qml.GlobalPhase.has_decomposition and qml.GlobalPhase(0.5).has_decomposition
    assert len(qml.list_decomps(qml.GlobalPhase)) == 0
    assert [r.name for r in qml.list_decomps("Adjoint(GlobalPhase)")] == ["adjoint_GlobalPhase"]

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.Hadamard(1)
        qml.ctrl(qml.adjoint(qml.GlobalPhase(x)), 1)
        qml.Hadamard(1)
        return qml.expval(qml.PauliZ(1))

    decomposed = qml.transforms.decompose(circuit, gate_set={"RZ", "CNOT", "Hadamard", "PhaseShift"})
    assert onp.isclose(decomposed(0.3), onp.cos(0.3), atol=1e-14)
