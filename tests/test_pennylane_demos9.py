"""What PennyLane's demos (ninth round, issue #18) needed, written from PennyLane 0.45's
documented semantics; every expected drawing below is the text PennyLane 0.45.1 printed
for the same circuit (in /work/plvenv, a throwaway script), never qsym's own output."""
import numpy as np

import qsym as qml


def test_barriers_are_drawn_as_pennylanes():
    """``qml.Barrier`` is drawn ``||`` where the circuit makes it (PennyLane's tape holds it):
    on every wire without a bracket when made without wires, bracketed on its wires
    otherwise, and the gates after it start a new layer. ``level="device"`` drops it, as
    PennyLane's preprocessing does (the ANNNI and VQD demos' drawings lost every barrier)."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        qml.Barrier()
        qml.RY(x, 1)
        qml.Barrier(wires=[1, 2])
        qml.CNOT([1, 2])
        qml.Barrier(only_visual=True)
        qml.H(0)
        return qml.expval(qml.Z(0))

    assert qml.draw(c)(0.1) == (
        "0: ──RX(0.10)──||───────────────────||──H─┤  <Z>\n"
        "1: ────────────||──RY(0.10)─╭||─╭●──||────┤     \n"
        "2: ────────────||───────────╰||─╰X──||────┤     ")
    assert qml.draw(c, level="device")(0.1) == (
        "0: ──RX(0.10)──H─┤  <Z>\n"
        "1: ──RY(0.10)─╭●─┤     \n"
        "2: ───────────╰X─┤     ")

    def f(x):  # a quantum function
        qml.Barrier()
        qml.RZ(x, 0)
        qml.Barrier([0, 1])
        qml.adjoint(qml.S)(1)

    assert qml.draw(f)(0.3) == ("0: ──||──RZ(0.30)─╭||─────┤  \n"
                                "1: ──||───────────╰||──S†─┤  ")
    # barriers apply nothing: <Z0> after H is <X0> of RX(0.1)|0>, which is 0
    assert np.isclose(c(0.1), 0.0, atol=1e-12)


def test_barriers_among_templates_and_mid_circuit_measurements():
    """Barriers beside a template's box and a state preparation's ``|Ψ⟩``, and in a circuit
    drawn with classical wires (the ANNNI demo's QCNN: ``qml.measure``, ``qml.cond``, then
    ``qml.Barrier()``)."""
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def a(x):
        qml.StatePrep(np.array([0.6, 0.8]), wires=0)
        qml.Barrier(wires=[0, 2])
        qml.RX(x, 1)
        m = qml.measure(1)
        qml.cond(m == 1, qml.RY)(x, wires=2)
        qml.Barrier()
        qml.H(3)
        qml.Barrier(wires=3)
        return qml.probs(wires=[2, 3])

    assert qml.draw(a)(0.2) == (
        "0: ──|Ψ⟩─╭||───────────────────────────||────────┤       \n"
        "1: ──────│────RX(0.20)──┤↗├────────────||────────┤       \n"
        "2: ──────╰||─────────────║───RY(0.20)──||────────┤ ╭Probs\n"
        "3: ──────────────────────║───║─────────||──H──||─┤ ╰Probs\n"
        "                         ╚═══╝                           ")

    @qml.qnode(dev)
    def c(x):
        qml.BasicEntanglerLayers(np.array([[x, x]]), wires=[0, 1])
        qml.Barrier(wires=[0, 1])
        qml.Barrier(wires=[1, 2])
        qml.RX(x, 2)
        return qml.state()

    assert qml.draw(c)(0.1) == (
        "0: ─╭BasicEntanglerLayers(M0)─╭||───────────────┤  State\n"
        "1: ─╰BasicEntanglerLayers(M0)─╰||─╭||───────────┤  State\n"
        "2: ───────────────────────────────╰||──RX(0.10)─┤  State\n"
        "\n"
        "M0 = \n"
        "[[0.1 0.1]]")


def test_a_barriers_wires_are_drawn_on_a_device_without_wires():
    """A barrier's wires are the tape's: a wire only a barrier touches is drawn (sorted
    with the others when no device fixes their order, or where ``wire_order`` puts it)."""
    @qml.qnode(qml.device("default.qubit"))
    def b(x):
        qml.RX(x, "a")
        qml.Barrier(wires=["a", "c"])
        qml.QFT(wires=["a", "b"])
        qml.Barrier(only_visual=True)
        qml.CNOT(["b", "a"])
        qml.Barrier()
        return qml.expval(qml.Z("a"))

    assert qml.draw(b)(0.2) == (
        "a: ──RX(0.20)─╭||─╭QFT──||─╭X──||─┤  <Z>\n"
        "b: ───────────│───╰QFT──||─╰●──||─┤     \n"
        "c: ───────────╰||───────||─────||─┤     ")
    assert qml.draw(b, show_all_wires=True, wire_order=["c", "b", "a", "d"])(0.2) == (
        "c: ───────────╭||───────||─────||─┤     \n"
        "b: ───────────│───╭QFT──||─╭●──||─┤     \n"
        "a: ──RX(0.20)─╰||─╰QFT──||─╰X──||─┤  <Z>\n"
        "d: ─────────────────────||─────||─┤     ")


def test_a_first_layer_longer_than_max_length_is_wrapped_before_it():
    """PennyLane's ``tape_text`` checks every layer against ``max_length``, the first one
    too: a first layer that does not fit starts the drawing with the wire labels alone and
    ``···``, then a blank line (qsym drew the first layer on the first line)."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.BasicEntanglerLayers(np.array([[x, x]]), wires=[0, 1])
        qml.Barrier(wires=[0, 1])
        qml.Barrier(wires=[1, 2])
        qml.RX(x, 2)
        return qml.state()

    assert qml.draw(c, decimals=None, max_length=20)(0.1) == (
        "0:  ···\n1:  ···\n2:  ···\n\n"
        "0: ··· ─╭BasicEntanglerLayers(M0) ···\n"
        "1: ··· ─╰BasicEntanglerLayers(M0) ···\n"
        "2: ··· ────────────────────────── ···\n\n"
        "0: ··· ─╭||──── ···\n"
        "1: ··· ─╰||─╭|| ···\n"
        "2: ··· ─────╰|| ···\n\n"
        "0: ··· ─────┤  State\n"
        "1: ··· ─────┤  State\n"
        "2: ··· ──RX─┤  State\n\n"
        "M0 = \n"
        "[[0.1 0.1]]")


def test_a_tensor_argument_used_by_value_leaves_numpys_results():
    """PennyLane takes a QNode's interface from its tape's parameters: a tensor argument
    that reaches the gates only by value (``x.item()``, ``float(x)``, a matrix made by
    ``scipy.linalg.expm`` of it) leaves them NumPy's, so the results are ``np.float64``
    and arrays, not tensors (the stochastic parameter-shift demo's cross-resonance
    circuit, traced at every call; the types are PennyLane 0.45.1's for the same
    circuits). A tensor a gate holds still gives tensors."""
    from scipy.linalg import expm

    dev = qml.device("default.qubit", wires=2)
    X = np.array([[0, 1], [1, 0]])

    @qml.qnode(dev)
    def by_float(x):
        qml.RX(float(x), 0)
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def by_matrix(x):
        qml.QubitUnitary(expm(-1j * x * X), wires=0)  # exp(-i x X) = RX(2x)
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def by_item(x):
        qml.RY(np.sin(x.item()), 0)
        return qml.probs(wires=0)

    @qml.qnode(dev)
    def held(x):  # x used by value (the branch) and as a gate parameter
        qml.RX(x, 0)
        if x > 0:
            qml.H(0)
        return qml.expval(qml.Z(0))

    x = qml.numpy.array(0.3, requires_grad=True)
    r = by_float(x)
    assert type(r) is np.float64 and np.isclose(r, np.cos(0.3))
    r = by_matrix(x)
    assert type(r) is np.float64 and np.isclose(r, np.cos(0.6))
    r = by_item(x)
    a = np.sin(0.3) / 2
    assert type(r) is np.ndarray and np.allclose(r, [np.cos(a) ** 2, np.sin(a) ** 2])
    r = held(qml.numpy.array(-0.3, requires_grad=True))  # no H: <Z> = cos(-0.3)
    assert isinstance(r, qml.numpy.tensor) and np.isclose(r, np.cos(0.3))
