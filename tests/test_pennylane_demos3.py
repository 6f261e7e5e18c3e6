"""What PennyLane's demos (third round, issue #18) needed, written from PennyLane 0.45's
documented semantics and checked by hand-computed values."""
import numpy as np

import qsym as qml
from qsym.wires import Wires


def test_wire_set_operations_as_pennylanes():
    """PennyLane's Wires |, &, -, ^ (and union, ...) build the result from a Python set:
    for integer labels its order is sorted; a number or a list is taken as wires."""
    a, b = Wires([3, 1, 2]), Wires([2, 5, 0])
    assert a | b == Wires([0, 1, 2, 3, 5]) and isinstance(a | b, Wires)
    assert a & b == Wires([2]) and a - b == Wires([1, 3]) and b - a == Wires([0, 5])
    assert a ^ b == Wires([0, 1, 3, 5])
    assert 9 | a == Wires([1, 2, 3, 9]) and [1, 9] - a == Wires([9]) and [1, 3] & a == Wires([1, 3])
    assert a.union(b) == a | b and a.intersection([1]) == Wires([1]) and a.difference(1) == Wires([2, 3])


def test_swap_test_on_registers():
    """The registers demo's swap test: |psi> = |000>, |phi> = RX(pi/2)|0> (x) |00>, so
    <Z_aux> = |<psi|phi>|^2 = cos^2(pi/4) = 1/2."""
    reg = qml.registers({"auxiliary": 1, "psi": 3, "phi": 3})

    @qml.qnode(qml.device("default.qubit"))
    def swap_test():
        qml.RX(np.pi / 2, reg["phi"][0])
        qml.Hadamard(reg["auxiliary"])
        for i in range(3):
            qml.CSWAP(reg["auxiliary"] | reg["psi"][i] | reg["phi"][i])
        qml.Hadamard(reg["auxiliary"])
        return qml.expval(qml.Z(wires=reg["auxiliary"]))

    assert np.isclose(swap_test(), 0.5)


def _ry(t):
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])


def test_state_prep_after_gates_applies_mottonens_unitary():
    """A StatePrep after gates on its wires is PennyLane's Möttönen decomposition acting on
    the current state (not a reset): for the real positive [0.6, 0.8] that is
    RY(2 arcsin 0.8), so H then StatePrep gives RY(2 arcsin 0.8) H |0>."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c():
        qml.Hadamard(0)
        qml.StatePrep(np.array([0.6, 0.8]), wires=0)
        return qml.state()

    H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    expected = _ry(2 * np.arcsin(0.8)) @ H @ np.array([1.0, 0.0])
    assert np.allclose(c(), expected, atol=1e-12)


def test_adjoint_state_prep_undoes_the_preparation_for_complex_states():
    """StatePrep(psi) then adjoint(StatePrep(psi)) returns to |00> whatever unitary each
    uses, as long as both prepare psi from |00> (Möttönen's, with its phases and global
    phase, for the second)."""
    psi = np.array([0.5, 0.5j, -0.5, 0.5 * np.exp(0.3j)])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.StatePrep(psi, wires=[0, 1])
        qml.adjoint(qml.StatePrep(psi, wires=[0, 1]))
        return qml.state()

    assert np.allclose(c(), [1, 0, 0, 0], atol=1e-12)


def test_lcu_block_encoding_of_the_demo():
    """tutorial_lcu_blockencoding: PREP (StatePrep), SEL (Select), PREP^dagger block-encode
    A = 0.25 Z Z... written out: the top-left 4x4 block of the circuit's matrix is A
    (its LCU coefficients sum to 1)."""
    a, b = 0.25, 0.75
    A = np.array([[a, 0, 0, b], [0, -a, b, 0], [0, b, a, 0], [b, 0, 0, -a]])
    coeffs, ops = qml.pauli_decompose(A).terms()
    alphas = np.sqrt(coeffs) / np.linalg.norm(np.sqrt(coeffs))
    unitaries = [qml.map_wires(op, {0: 1, 1: 2}) for op in ops]

    def lcu():
        qml.StatePrep(alphas, wires=0)
        qml.Select(unitaries, control=0)
        qml.adjoint(qml.StatePrep(alphas, wires=0))

    U = qml.matrix(lcu, wire_order=[0, 1, 2])()
    assert np.allclose(U[:4, :4], A, atol=1e-12)
    assert np.allclose(U @ U.conj().T, np.eye(8), atol=1e-12)


def test_adjoint_of_a_state_prep_at_the_start_is_mottonens_inverse():
    """PennyLane inverts (and controls) a StatePrep through its Möttönen decomposition, also
    at the start of a circuit. For psi = [a e^{i w0}, b e^{i w1}] that unitary is
    e^{i(w0+w1)/2} RZ(w1-w0) RY(2 arcsin b), so its adjoint takes |0> to
    [a e^{-i w0}, -b e^{-i w0}] (any other unitary with first column psi would not)."""
    a, b, w0, w1 = 0.6, 0.8, 0.4, 1.9
    psi = np.array([a * np.exp(1j * w0), b * np.exp(1j * w1)])

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.adjoint(qml.StatePrep(psi, wires=0))
        return qml.state()

    assert np.allclose(c(), [a * np.exp(-1j * w0), -b * np.exp(-1j * w0)], atol=1e-12)


def test_drawer_namespace_has_draw_and_is_importable_by_pennylanes_path():
    from qsym.drawer import draw, draw_mpl  # PennyLane's tests: from pennylane.drawer import draw

    assert draw is qml.draw and draw_mpl is qml.draw_mpl and qml.drawer.draw is qml.draw

    def f():
        qml.Hadamard(0)

    assert draw(f)() == "0: ──H─┤  "
