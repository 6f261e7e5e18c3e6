"""PennyLane 0.45.1's semantics left by the stop 65 demo run (issue #18): ``FlipSign``'s
decomposition, ``qml.Hamiltonian`` of ``qsym.numpy`` tensor coefficients with
``requires_grad=False``, and the types of ``qml.execute(..., interface="numpy")`` and
``dev.execute`` results of tapes holding tensors. The expected values are PennyLane's own,
scripted in /work/plvenv (PennyLane 0.45.1) and written here; the matrices by hand."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp


@pytest.mark.parametrize("bits, expected", [
    # PennyLane's FlipSign(bits, wires=range(n)).decomposition(), printed in /work/plvenv
    ([1, 1], "[CZ(wires=[0, 1])]"),
    ([1, 1, 1], "[CCZ(wires=[0, 1, 2])]"),
    ([1, 1, 1, 1], "[Controlled(Z(3), control_wires=[0, 1, 2])]"),
    ([1, 0, 1], "[Controlled(Z(2), control_wires=[0, 1], control_values=[True, False])]"),
    ([0, 0], "[X(1), Controlled(Z(1), control_wires=[0], control_values=[False]), X(1)]"),
])
def test_flip_sign_decomposes_into_pennylanes_controlled_z(bits, expected):
    op = qml.FlipSign(bits, wires=range(len(bits)))
    assert repr(op.decomposition()) == expected
    # the sign flip of |bits> alone (by hand: I - 2|n><n|)
    n = int("".join(map(str, bits)), 2)
    want = onp.diag([-1.0 if i == n else 1.0 for i in range(2 ** len(bits))])
    assert onp.allclose(qml.matrix(op), want)
    assert onp.allclose(qml.matrix(qml.tape.QuantumScript(op.decomposition()),
                                   wire_order=range(len(bits))), want)


def test_grover_circuit_draws_flip_sign_as_pennylanes_controlled_z():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit():
        for w in range(3):
            qml.Hadamard(w)
        qml.FlipSign([1, 0, 1], wires=range(3))
        qml.GroverOperator(wires=range(3))
        return qml.probs()

    # PennyLane 0.45.1's qml.draw(circuit, level="device")()
    assert qml.draw(circuit, level="device")() == (
        "0: ──H─╭●─╭GroverOperator─┤ ╭Probs\n"
        "1: ──H─├○─├GroverOperator─┤ ├Probs\n"
        "2: ──H─╰Z─╰GroverOperator─┤ ╰Probs")
    # one Grover step on 3 qubits: the marked state's probability (5/sqrt(8))^2/8 = 25/32
    assert circuit()[0b101] == pytest.approx(25 / 32)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_hamiltonian_keeps_tensor_coefficients_as_pennylane(requires_grad):
    c = pnp.array([0.5, 0.2], requires_grad=requires_grad)
    H = qml.Hamiltonian(c, [qml.Z(0), qml.X(0)])
    # PennyLane 0.45.1: H.coeffs is the tensor, H.data and terms()[0] 0-d tensors, each with
    # the given flag
    assert isinstance(H.coeffs, pnp.tensor) and H.coeffs.requires_grad is requires_grad
    for entries in (H.data, H.terms()[0]):
        assert [type(x) for x in entries] == [pnp.tensor, pnp.tensor]
        assert [x.requires_grad for x in entries] == [requires_grad] * 2
    assert H == qml.Hamiltonian([0.5, 0.2], [qml.Z(0), qml.X(0)])
    # the split sum is a tensor (PennyLane's); its value by hand: on RY(0.3) RX(0.1)|0>,
    # <Z> = cos 0.1 cos 0.3 and <X> = cos 0.1 sin 0.3
    tape = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.3, 0)], [qml.expval(H)])
    dev = qml.device("default.qubit")
    tapes, fn = qml.transforms.split_non_commuting(tape, grouping_strategy=None)
    result = fn(qml.execute(tapes, dev))
    assert isinstance(result, pnp.tensor)
    want = 0.5 * onp.cos(0.1) * onp.cos(0.3) + 0.2 * onp.cos(0.1) * onp.sin(0.3)
    assert float(result) == pytest.approx(want)


def test_hamiltonian_of_untrainable_tensor_coefficients_is_not_differentiated():
    H = qml.Hamiltonian(pnp.array([0.5, 0.2], requires_grad=False), [qml.Z(0), qml.X(0)])

    @qml.qnode(qml.device("default.qubit"))
    def f(x):
        qml.RX(x, 0)
        qml.RY(0.3, 0)
        return qml.expval(H)

    x = pnp.array(0.4, requires_grad=True)
    # d/dx [cos x (0.5 cos 0.3 + 0.2 sin 0.3)] by hand (PennyLane: -0.20902897)
    want = -onp.sin(0.4) * (0.5 * onp.cos(0.3) + 0.2 * onp.sin(0.3))
    assert qml.grad(f)(x) == pytest.approx(want)


def _kinds(result):
    """The result's structure as (type name, requires_grad) pairs."""
    if isinstance(result, (tuple, list)):
        return tuple(_kinds(r) for r in result)
    if isinstance(result, dict):
        return "dict"
    return type(result).__name__, getattr(result, "requires_grad", None)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_execute_of_tensor_tapes_returns_tensors_as_pennylanes_default_qubit(requires_grad):
    dev = qml.device("default.qubit")
    x = pnp.array(0.1, requires_grad=requires_grad)
    tape = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0)), qml.probs(0)])
    tensors = (("tensor", True), ("tensor", True))
    # PennyLane 0.45.1's types (printed in /work/plvenv): tensors, requires_grad=True, both
    # for a trainable and a non-trainable tensor parameter
    assert _kinds(dev.execute(tape)) == tensors
    assert _kinds(dev.execute([tape])) == (tensors,)
    assert _kinds(qml.execute([tape], dev, interface="numpy")) == (tensors,)
    assert _kinds(qml.execute([tape], dev, interface=None)) == (tensors,)
    # interface "auto": autograd's boundary, NumPy arrays (PennyLane's array(0.995))
    assert _kinds(qml.execute([tape], dev)) == ((("ndarray", None), ("ndarray", None)),)
    expval, probs = dev.execute(tape)
    assert float(expval) == pytest.approx(onp.cos(0.1))
    assert onp.allclose(probs, [onp.cos(0.05) ** 2, onp.sin(0.05) ** 2])
    # an observable's tensor coefficients count too (PennyLane: tensor(0.49750208, True))
    obs = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(
        qml.Hamiltonian(pnp.array([0.5], requires_grad=requires_grad), [qml.Z(0)]))])
    assert _kinds(dev.execute(obs)) == ("tensor", True)


def test_execute_keeps_numpy_values_without_tensors_with_shots_and_on_lightning():
    # PennyLane 0.45.1: plain parameters give NumPy values; shots give NumPy samples, a
    # NumPy float expectation and counts; lightning.qubit gives floats
    dev = qml.device("default.qubit", seed=1)
    plain = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    assert _kinds(dev.execute(plain)) == ("float64", None)
    assert _kinds(qml.execute([plain], dev, interface="numpy")) == (("float64", None),)
    shots = qml.tape.QuantumScript([qml.RX(pnp.array(0.1), 0)], [
        qml.expval(qml.Z(0)), qml.sample(qml.Z(0)), qml.counts(qml.Z(0))], shots=5)
    assert _kinds(dev.execute(shots)) == (("float64", None), ("ndarray", None), "dict")
    light = qml.device("lightning.qubit", wires=1)
    tape = qml.tape.QuantumScript([qml.RX(pnp.array(0.1), 0)], [qml.expval(qml.Z(0))])
    assert getattr(light.execute(tape), "requires_grad", None) is None
    assert getattr(qml.execute([tape], light, interface="numpy")[0], "requires_grad", None) is None


def test_flip_sign_on_four_wires_draws_pennylanes_controlled_z_and_stays_sparse():
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def circuit():
        for w in range(4):
            qml.Hadamard(w)
        qml.FlipSign([1, 0, 1, 1], wires=range(4))
        qml.GroverOperator(wires=range(4))
        return qml.probs()

    # PennyLane 0.45.1's qml.draw(circuit, level="device")()
    assert qml.draw(circuit, level="device")() == (
        "0: ──H─╭●─╭GroverOperator─┤ ╭Probs\n"
        "1: ──H─├○─├GroverOperator─┤ ├Probs\n"
        "2: ──H─├●─├GroverOperator─┤ ├Probs\n"
        "3: ──H─╰Z─╰GroverOperator─┤ ╰Probs")
    # one Grover step on 16 states: sin(3 theta)^2, sin(theta) = 1/4 (by hand)
    assert circuit()[0b1011] == pytest.approx((3 / 4 - 4 / 64) ** 2)
    # 12 wires: applied as H, MultiControlledX, H (no 4096 x 4096 matrix of qml.ctrl's)
    big = qml.FlipSign([1] * 12, wires=range(12))
    assert [g.name for g in big.gates()] == ["Hadamard", "MultiControlledX", "Hadamard"]
    assert repr(big.decomposition()) == (
        "[Controlled(Z(11), control_wires=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]")
