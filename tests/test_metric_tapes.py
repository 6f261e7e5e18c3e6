"""qml.metric_tensor of a tape (PennyLane's transform: tapes + processing function).

References, independent of the code under test: the metric tensor from central finite
differences of the compiled ``qml.state()`` (``Re[<d_i psi|d_j psi> - <d_i psi|psi>
<psi|d_j psi>]``), qsym's exact QNode metric tensor (a different computation: exact gate
derivatives propagated through the state, no tapes), values by hand, and PennyLane 0.45
itself where it is installed (test-only)."""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def layered(x, q=qml):
    q.RY(0.4, 0)
    q.RX(0.3, 1)
    q.Hadamard(2)
    q.RX(x[0], 0)
    q.RY(x[1], 1)
    q.CNOT([0, 1])
    q.CNOT([1, 2])
    q.RZ(x[2], 0)
    q.RX(x[3], 2)
    q.CNOT([2, 0])
    q.RY(x[4], 1)
    q.RZ(x[5], 2)


def multi_qubit(x, q=qml):
    q.Rot(x[0], x[1], x[2], 0)
    q.RX(0.2, 1)
    q.CNOT([0, 1])
    q.IsingXX(x[3], [1, 2])
    q.MultiRZ(x[4], [0, 1, 2])
    q.RY(x[5], 0)


def phases(x, q=qml):  # generators that are sums of Pauli words: (I - Z)/2, (Z - ZZ)/2 ...
    q.RY(0.4, 0)
    q.RX(0.3, 1)
    q.PhaseShift(x[0], 0)
    q.CNOT([0, 1])
    q.PhaseShift(x[1], 1)
    q.CRX(x[2], [1, 0])
    q.ControlledPhaseShift(x[3], [0, 2])
    q.RX(x[4], 2)


ANSATZE = [(layered, 6), (multi_qubit, 6), (phases, 5)]
DEV = qml.device("default.qubit", wires=4)


def tape_of(ansatz, x):
    """The ansatz's tape, its trainable parameters those of ``x`` (after the expansion
    for Rot: RZ, RY, RZ of x[0], x[1], x[2])."""
    with qml.tape.QuantumTape() as tape:
        ansatz(x)
        qml.expval(qml.Z(0))
    tape.trainable_params = [i for i, p in enumerate(tape.data) if isinstance(p, np.tensor)]
    return tape


def gate_parameter_metric(ansatz, x, h=1e-5):
    """The metric over the tape's trainable gate parameters, from central differences of
    the compiled state (Rot's three angles are gate parameters as they are)."""
    tape = tape_of(ansatz, x)
    params = onp.array([float(p) for p in tape.get_parameters(trainable_only=False)])
    trainable = [i for i, p in enumerate(tape.get_parameters(trainable_only=False))
                 if isinstance(p, np.tensor)]

    def state(values):
        new = tape.bind_new_parameters(list(values), list(range(len(values))))
        (psi,) = qml.execute([qml.tape.QuantumScript(new.operations, [qml.state()])], DEV)
        return onp.asarray(psi)

    psi = state(params)
    cols = []
    for i in trainable:
        e = onp.zeros(len(params))
        e[i] = h
        cols.append((state(params + e) - state(params - e)) / (2 * h))
    D = onp.stack(cols, axis=1)
    a = psi.conj() @ D
    return onp.real(D.conj().T @ D - onp.outer(a.conj(), a))


def run(tape, **kwargs):
    tapes, fn = qml.metric_tensor(tape, **kwargs)
    return tapes, onp.asarray(fn(qml.execute(tapes, DEV)), dtype=float)


@pytest.mark.parametrize("ansatz, n", ANSATZE)
def test_full_tensor_equals_finite_differences_of_the_state(ansatz, n):
    x = np.array(onp.random.default_rng(7).uniform(-1, 1, n), requires_grad=True)
    _, g = run(tape_of(ansatz, x))
    assert onp.allclose(g, gate_parameter_metric(ansatz, x), atol=1e-7)


@pytest.mark.parametrize("approx", ["block-diag", "diag", None])
@pytest.mark.parametrize("ansatz, n", ANSATZE)
def test_tapes_equal_the_exact_qnode_metric(ansatz, n, approx):
    """The tapes' numbers are qsym's exact metric tensor of the same circuit (its QNode
    form over the gate parameters, hybrid=False: no tapes), approximation by
    approximation."""
    x = np.array(onp.random.default_rng(11).uniform(-1, 1, n), requires_grad=True)

    @qml.qnode(DEV)
    def circuit(x):
        ansatz(x)
        return qml.expval(qml.Z(0))

    _, g = run(tape_of(ansatz, x), approx=approx)
    exact = qml.metric_tensor(circuit, approx=approx, hybrid=False)(x)
    assert onp.allclose(g, exact, atol=1e-12)


def test_block_diag_by_hand():
    """RX(a), RY(b) on one wire: two layers, diag(1/4, cos(a)^2 / 4) (the variance of
    Y after RX(a) is 1 - sin(a)^2)."""
    a, b = 0.432, 0.12
    t = qml.tape.QuantumScript([qml.RX(a, 0), qml.RY(b, 0)], [qml.expval(qml.Z(0))])
    tapes, g = run(t, approx="block-diag")
    assert len(tapes) == 2
    assert onp.allclose(g, onp.diag([0.25, onp.cos(a) ** 2 / 4]), atol=1e-12)


def assert_y_rotation(ops):  # PennyLane's diagonalizing gates of PauliY
    assert [op.name for op in ops] == ["PauliZ", "S", "Hadamard"]


def test_rot_is_decomposed_into_three_layers():
    params = np.array([1.0, 2.0, 3.0], requires_grad=True)
    t = qml.tape.QuantumScript([qml.Rot(*params, wires=0)], [qml.expval(qml.X(0))])
    tapes, _ = qml.metric_tensor(t, approx="block-diag")
    assert len(tapes) == 3
    assert tapes[0].operations == []
    assert tapes[1].operations[0].name == "RZ" and tapes[1].operations[0].data == (1.0,)
    assert_y_rotation(tapes[1].operations[1:])
    assert [op.name for op in tapes[2].operations] == ["RZ", "RY"]
    assert [op.data for op in tapes[2].operations] == [(1.0,), (2.0,)]


def test_layers_and_their_tapes():
    """The four layers of a layered circuit: each tape is the gates before its layer (its
    light cone) and the rotations into the layer's generators' eigenbasis."""
    p = np.ones(8)
    ops = [qml.RX(p[0], 0), qml.RY(p[1], 0), qml.CNOT([0, 1]), qml.CNOT([1, 2]),
           qml.RX(p[2], 0), qml.RY(p[3], 1), qml.RZ(p[4], 2), qml.CNOT([0, 1]),
           qml.CNOT([1, 2]), qml.RX(p[5], 0), qml.RY(p[6], 1), qml.RZ(p[7], 2)]
    t = qml.tape.QuantumScript(ops, [qml.expval(qml.X(0))])
    tapes, _ = qml.metric_tensor(t, approx="block-diag")
    assert [len(t.operations) for t in tapes] == [1, 4, 8, 13]
    assert [op.name for op in tapes[2].operations[:5]] == ["RX", "RY", "CNOT", "CNOT",
                                                           "Hadamard"]
    assert_y_rotation(tapes[2].operations[5:])
    assert [list(tape.measurements[0].wires) for tape in tapes] == [[0, 1, 2]] * 4


def test_argnum_zeroes_the_others_and_saves_tapes():
    w = np.array([0.1, 0.2, 0.3, 0.5], requires_grad=True)
    ops = [qml.RX(w[0], 0), qml.RY(w[1], 0), qml.CNOT([0, 1]), qml.RZ(w[2], 1),
           qml.RZ(w[3], 0)]
    t = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
    _, full = run(t)
    tapes, g = run(t, argnum=(0, 1, 3))
    assert len(tapes) == 6  # three layers, three Hadamard tests (0-1, 0-3, 1-3)
    keep = [0, 1, 3]
    assert onp.allclose(g[onp.ix_(keep, keep)], full[onp.ix_(keep, keep)], atol=1e-12)
    assert not g[2].any() and not g[:, 2].any()
    tapes, g = run(t, argnum=0)
    assert len(tapes) == 1 and onp.isclose(g[0, 0], full[0, 0]) and not g[1:].any()
    with pytest.raises(ValueError, match=r"trainable parameters \[0, 1, 2, 3\]"):
        qml.metric_tensor(t, argnum=4)


def test_no_trainable_parameters():
    t = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    t.trainable_params = []
    with pytest.warns(UserWarning, match="tensor of a tape with no trainable parameters"):
        tapes, fn = qml.metric_tensor(t)
    assert tapes == [] and fn(qml.execute(tapes, DEV)) == ()

    @qml.qnode(DEV)
    def circuit(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.metric_tensor(circuit)(np.array(0.3, requires_grad=False))


@pytest.mark.parametrize("approx", [True, False, "Invalid", 2])
def test_invalid_approx(approx):
    t = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.X(0))])
    with pytest.raises(ValueError, match="keyword argument approx"):
        qml.metric_tensor(t, approx=approx)


def test_auxiliary_wire_rules():
    t = qml.tape.QuantumScript([qml.RX(0.5, "a"), qml.RY(0.2, "a"), qml.RZ(0.1, "b")],
                               [qml.expval(qml.Z("a"))])
    tapes, _ = qml.metric_tensor(t, aux_wire="aux")
    assert {w for tape in tapes[2:] for w in tape.wires} >= {"aux"}
    tapes, _ = qml.metric_tensor(t, device_wires=qml.wires.Wires(["a", 7, "b"]))
    assert all(7 in tape.wires for tape in tapes[2:])
    with pytest.raises(qml.wires.WireError, match="already in use"):
        qml.metric_tensor(t, aux_wire="b")
    with pytest.raises(qml.wires.WireError, match="does not exist on the used device"):
        qml.metric_tensor(t, aux_wire="c", device_wires=qml.wires.Wires(["a", "b"]))
    with pytest.raises(qml.wires.WireError, match="no free wire"):
        qml.metric_tensor(t, device_wires=qml.wires.Wires(["a", "b"]))
    # one layer only, or an approximation: no Hadamard test, no auxiliary wire needed
    one = qml.tape.QuantumScript([qml.RX(0.5, "a"), qml.RZ(0.1, "b")], [qml.probs()])
    qml.metric_tensor(one, device_wires=qml.wires.Wires(["a", "b"]))
    qml.metric_tensor(t, approx="block-diag", device_wires=qml.wires.Wires(["a", "b"]))


def test_same_gate_twice_is_two_layers():
    op = qml.RX(0.5, 0)
    first, _ = qml.metric_tensor(qml.tape.QuantumScript([op, op], [qml.expval(qml.Z(0))]))
    second, _ = qml.metric_tensor(
        qml.tape.QuantumScript([op, qml.RX(0.5, 0)], [qml.expval(qml.Z(0))]))
    assert len(first) == len(second) == 3
    assert [t.operations for t in first] == [t.operations for t in second]


def test_unmeasurable_generator_without_decomposition_is_refused():
    # DoubleExcitationPlus: no decomposition in PennyLane 0.45.1 either
    t = qml.tape.QuantumScript([qml.DoubleExcitationPlus(0.3, [0, 1, 2, 3])], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.DifferentiationError, match="DoubleExcitationPlus"):
        qml.metric_tensor(t)


def test_a_plain_function_is_refused():
    def f(x):
        qml.RX(x, 0)

    with pytest.raises(TypeError, match="needs a QNode or a tape"):
        qml.metric_tensor(f)


def test_differentiable_through_the_tapes():
    """qml.jacobian of the tapes' block-diagonal (executed under autograd) is the
    derivative of the exact block-diagonal (qsym's autograd-traced QNode form)."""
    def circuit_ops(w):
        qml.RX(w[0], 0)
        qml.RY(w[1], 0)
        qml.CNOT([0, 1])
        qml.RZ(w[2], 1)

    def by_tapes(w):
        with qml.tape.QuantumTape() as t:
            circuit_ops(w)
            qml.expval(qml.Z(0))
        tapes, fn = qml.metric_tensor(t, approx="block-diag")
        return np.diag(fn(qml.execute(tapes, DEV, diff_method="backprop")))

    @qml.qnode(DEV)
    def node(w):
        circuit_ops(w)
        return qml.expval(qml.Z(0))

    w = np.array([0.432, 0.12, -0.292], requires_grad=True)
    expected = qml.jacobian(lambda w: np.diag(qml.metric_tensor(node, approx="block-diag")(w)))(w)
    assert onp.allclose(qml.jacobian(by_tapes)(w), expected, atol=1e-8)
    # by hand (PennyLane's expected_diag_jac_1): d/dw0 of cos(w0)^2/4 is -sin(2 w0)/4
    assert onp.isclose(expected[1, 0], -onp.sin(2 * 0.432) / 4)


def test_pennylane_gives_the_same_tapes_and_numbers():
    pl = pytest.importorskip("pennylane")
    from pennylane import numpy as pnp

    for ansatz, n in ANSATZE[:2]:  # Pauli-word generators (PennyLane's phases differ)
        values = onp.random.default_rng(3).uniform(-1, 1, n)
        for approx in ["block-diag", "diag", None]:
            tapes, g = run(tape_of(ansatz, np.array(values, requires_grad=True)),
                           approx=approx)
            with pl.tape.QuantumTape() as t:
                ansatz(pnp.array(values, requires_grad=True), q=pl)
                pl.expval(pl.Z(0))
            t.trainable_params = [i for i, p in enumerate(t.get_parameters(trainable_only=False))
                                  if isinstance(p, pnp.tensor)]
            pl_tapes, fn = pl.metric_tensor(t, approx=approx)
            expected = fn(pl.execute(pl_tapes, pl.device("default.qubit", wires=4), None))
            assert len(tapes) == len(pl_tapes)
            k = sum(isinstance(b.measurements[0], pl.measurements.ProbabilityMP) for b in pl_tapes)
            # the covariance tapes gate for gate; the Hadamard tests control each Pauli word
            # (IsingXX: two CNOTs where PennyLane has one ControlledQubitUnitary)
            assert [len(a.operations) for a in tapes[:k]] == [len(b.operations) for b in pl_tapes[:k]]
            assert onp.allclose(g, expected, atol=1e-10)


def test_qnode_form_keeps_the_exact_path():
    """A QNode's metric tensor runs no tapes (qsym's exact tensor from the state)."""
    @qml.qnode(DEV)
    def circuit(w):
        qml.RX(w[0], 0)
        qml.RY(w[1], 0)
        return qml.expval(qml.Z(0))

    with qml.Tracker(DEV) as tracker:
        g = qml.metric_tensor(circuit)(np.array([0.3, 0.2], requires_grad=True))
    assert tracker.totals.get("executions", 0) == 0
    assert onp.allclose(g, onp.diag([0.25, onp.cos(0.3) ** 2 / 4]), atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = qml.metric_tensor(approx="block-diag")
    assert onp.allclose(bound(circuit)(np.array([0.3, 0.2], requires_grad=True)), g)


def test_qnode_with_shots_runs_the_tapes():
    """With finite shots a QNode's metric tensor is PennyLane's: its tapes sampled on the
    device, then J^T g J by the classical Jacobian (RX(2 x): a factor 4). Within the
    sampling error of the exact tensor (40000 shots: standard errors below 0.003)."""
    dev = qml.device("default.qubit", wires=3)

    def body(x, y):
        qml.RX(2 * x[0], 0)
        qml.Rot(x[1], y, x[0], 1)
        qml.CNOT([0, 1])
        qml.RY(x[1] * y, 0)
        return qml.expval(qml.Z(0))

    exact_node = qml.qnode(dev)(body)
    sampled_node = qml.set_shots(qml.qnode(dev)(body), shots=40000)
    x, y = np.array([0.3, 0.4]), np.array(0.7)
    for approx in [None, "block-diag"]:
        exact = qml.metric_tensor(exact_node, approx=approx)(x, y)
        with qml.Tracker(dev) as tracker:
            sampled = qml.metric_tensor(sampled_node, approx=approx)(x, y)
        assert tracker.totals["executions"] > 0
        assert [onp.shape(s) for s in sampled] == [(2, 2), ()]
        for e, s in zip(exact, sampled):
            assert onp.allclose(s, e, atol=0.02)
        gates_exact = qml.metric_tensor(exact_node, approx=approx, hybrid=False)(x, y)
        gates = qml.metric_tensor(sampled_node, approx=approx, hybrid=False)(x, y)
        assert gates.shape == gates_exact.shape == (5, 5)
        assert onp.allclose(gates, gates_exact, atol=0.02)
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        qml.metric_tensor(sampled_node)(np.array(x, requires_grad=False),
                                        np.array(y, requires_grad=False))
