"""PennyLane's templates and state preparations (qsym/templates.py).

Gate lists are compared with lists written out here from PennyLane's documented
decompositions; numbers with a small statevector simulation written in this file (numpy
matrices typed in by hand) or with closed forms; derivatives with finite differences.
"""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp

# --- an independent reference: hand-written matrices, a tensordot simulator -----------------
_C = lambda t: np.cos(t / 2)  # noqa: E731
_S = lambda t: np.sin(t / 2)  # noqa: E731
MATS = {
    "PauliX": lambda: np.array([[0, 1], [1, 0]], complex),
    "Hadamard": lambda: np.array([[1, 1], [1, -1]], complex) / np.sqrt(2),
    "RX": lambda t: np.array([[_C(t), -1j * _S(t)], [-1j * _S(t), _C(t)]]),
    "RY": lambda t: np.array([[_C(t), -_S(t)], [_S(t), _C(t)]], complex),
    "RZ": lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)]),
    "Rot": lambda a, b, c: MATS["RZ"](c) @ MATS["RY"](b) @ MATS["RZ"](a),
    "CNOT": lambda: np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], complex),
    "CZ": lambda: np.diag([1, 1, 1, -1]).astype(complex),
    "MultiRZ": lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t), np.exp(0.5j * t), np.exp(-0.5j * t)]),
    "GlobalPhase": lambda t: np.exp(-1j * t) * np.eye(2),
}


def run(gates, n):
    """Final state of ``[(name, params, wires)]`` from |0...0>, wire 0 most significant."""
    psi = np.zeros((2,) * n, complex)
    psi[(0,) * n] = 1
    for name, params, wires in gates:
        k = len(wires)
        m = MATS[name](*params).reshape((2,) * 2 * k)
        psi = np.tensordot(m, psi, axes=(list(range(k, 2 * k)), list(wires)))
        psi = np.moveaxis(psi, list(range(k)), list(wires))
    return psi.reshape(-1)


def listed(template):
    """A template's gates as ``(name, rounded params, wires)``."""
    return [(op.name, tuple(round(float(p), 12) for p in op.params), list(op.wires))
            for op in template.decomposition()]


def z_on(psi, wire, n):
    probs = np.abs(psi.reshape((2,) * n)) ** 2
    return float(np.sum(np.take(probs, 0, axis=wire)) - np.sum(np.take(probs, 1, axis=wire)))


# --- gate lists ------------------------------------------------------------------------------
def test_strongly_entangling_layers_gate_list_and_ranges():
    w = np.arange(18.0).reshape(2, 3, 3)
    got = listed(qml.StronglyEntanglingLayers(w, wires=["a", "b", "c"]))
    rot = [("Rot", (0.0, 1.0, 2.0), ["a"]), ("Rot", (3.0, 4.0, 5.0), ["b"]),
           ("Rot", (6.0, 7.0, 8.0), ["c"])]
    rot2 = [("Rot", (9.0, 10.0, 11.0), ["a"]), ("Rot", (12.0, 13.0, 14.0), ["b"]),
            ("Rot", (15.0, 16.0, 17.0), ["c"])]
    # default ranges: layer 0 range 1 (a->b, b->c, c->a), layer 1 range 2 (a->c, b->a, c->b)
    assert got == rot + [("CNOT", (), ["a", "b"]), ("CNOT", (), ["b", "c"]), ("CNOT", (), ["c", "a"])] \
        + rot2 + [("CNOT", (), ["a", "c"]), ("CNOT", (), ["b", "a"]), ("CNOT", (), ["c", "b"])]
    got = listed(qml.StronglyEntanglingLayers(w[:1], wires=[0, 1, 2], ranges=[2], imprimitive=qml.CZ))
    assert [g[0] for g in got[3:]] == ["CZ"] * 3 and [g[2] for g in got[3:]] == [[0, 2], [1, 0], [2, 1]]
    one = listed(qml.StronglyEntanglingLayers(np.ones((2, 1, 3)), wires=[0]))
    assert [g[0] for g in one] == ["Rot", "Rot"]  # no entanglers on one wire
    assert qml.StronglyEntanglingLayers.shape(n_layers=2, n_wires=3) == (2, 3, 3)
    with pytest.raises(qml.GateError, match="Ranges must not be zero nor divisible"):
        qml.StronglyEntanglingLayers(w, wires=[0, 1, 2], ranges=[1, 3])
    with pytest.raises(qml.GateError, match="Weights tensor must have second dimension of length 2"):
        qml.StronglyEntanglingLayers(w, wires=[0, 1])


def test_basic_entangler_angle_iqp_qaoa_two_design_gate_lists():
    assert listed(qml.BasicEntanglerLayers([[1.2, -0.4], [0.3, -0.2]], wires=["a", "b"])) == [
        ("RX", (1.2,), ["a"]), ("RX", (-0.4,), ["b"]), ("CNOT", (), ["a", "b"]),
        ("RX", (0.3,), ["a"]), ("RX", (-0.2,), ["b"]), ("CNOT", (), ["a", "b"])]
    assert listed(qml.BasicEntanglerLayers([[1.0, 2.0, 3.0]], wires=[0, 1, 2], rotation=qml.RZ)) == [
        ("RZ", (1.0,), [0]), ("RZ", (2.0,), [1]), ("RZ", (3.0,), [2]),
        ("CNOT", (), [0, 1]), ("CNOT", (), [1, 2]), ("CNOT", (), [2, 0])]
    assert qml.BasicEntanglerLayers.shape(n_layers=4, n_wires=2) == (4, 2)

    for rotation, name in (("X", "RX"), ("Y", "RY"), ("Z", "RZ")):
        assert listed(qml.AngleEmbedding([0.1, 0.2], wires=[0, 1, 2], rotation=rotation)) == [
            (name, (0.1,), [0]), (name, (0.2,), [1])]
    with pytest.raises(qml.GateError, match="Features must be of length 2 or less"):
        qml.AngleEmbedding([0.1, 0.2, 0.3], wires=[0, 1])

    # PennyLane's IQPEmbedding example: features [1, 2, 3], all pairs
    assert listed(qml.IQPEmbedding([1.0, 2.0, 3.0], wires=[0, 1, 2])) == [
        ("Hadamard", (), [0]), ("RZ", (1.0,), [0]), ("Hadamard", (), [1]), ("RZ", (2.0,), [1]),
        ("Hadamard", (), [2]), ("RZ", (3.0,), [2]),
        ("MultiRZ", (2.0,), [0, 1]), ("MultiRZ", (3.0,), [0, 2]), ("MultiRZ", (6.0,), [1, 2])]
    assert [g for g in listed(qml.IQPEmbedding([1.0, 2.0, 3.0], wires=[0, 1, 2], n_repeats=2,
                                               pattern=[[2, 1]])) if g[0] == "MultiRZ"] == [
        ("MultiRZ", (6.0,), [2, 1])] * 2

    # PennyLane's QAOAEmbedding example on two wires
    assert listed(qml.QAOAEmbedding([1.0, 2.0], [[0.1, -0.3, 1.3], [0.9, -0.2, -2.1]],
                                    wires=["a", "b"])) == [
        ("RX", (1.0,), ["a"]), ("RX", (2.0,), ["b"]), ("MultiRZ", (0.1,), ["a", "b"]),
        ("RY", (-0.3,), ["a"]), ("RY", (1.3,), ["b"]),
        ("RX", (1.0,), ["a"]), ("RX", (2.0,), ["b"]), ("MultiRZ", (0.9,), ["a", "b"]),
        ("RY", (-0.2,), ["a"]), ("RY", (-2.1,), ["b"]),
        ("RX", (1.0,), ["a"]), ("RX", (2.0,), ["b"])]
    three = listed(qml.QAOAEmbedding([1.0], [[1, 2, 3, 4, 5, 6.0]], wires=[0, 1, 2], local_field="Z"))
    assert three == [
        ("RX", (1.0,), [0]), ("Hadamard", (), [1]), ("Hadamard", (), [2]),
        ("MultiRZ", (1.0,), [0, 1]), ("MultiRZ", (2.0,), [1, 2]), ("MultiRZ", (3.0,), [2, 0]),
        ("RZ", (4.0,), [0]), ("RZ", (5.0,), [1]), ("RZ", (6.0,), [2]),
        ("RX", (1.0,), [0]), ("Hadamard", (), [1]), ("Hadamard", (), [2])]
    assert qml.QAOAEmbedding.shape(2, 1) == (2, 1) and qml.QAOAEmbedding.shape(2, 4) == (2, 8)

    # PennyLane's SimplifiedTwoDesign example (pi -> 1, 0 -> 0 to tell them apart)
    w = np.array([[[0.0, 1.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]]])
    assert listed(qml.SimplifiedTwoDesign([1.0, 1.0, 1.0], w, wires=["a", "b", "c"])) == [
        ("RY", (1.0,), ["a"]), ("RY", (1.0,), ["b"]), ("RY", (1.0,), ["c"]),
        ("CZ", (), ["a", "b"]), ("RY", (0.0,), ["a"]), ("RY", (1.0,), ["b"]),
        ("CZ", (), ["b", "c"]), ("RY", (0.0,), ["b"]), ("RY", (1.0,), ["c"]),
        ("CZ", (), ["a", "b"]), ("RY", (1.0,), ["a"]), ("RY", (0.0,), ["b"]),
        ("CZ", (), ["b", "c"]), ("RY", (1.0,), ["b"]), ("RY", (0.0,), ["c"])]
    assert qml.SimplifiedTwoDesign.shape(n_layers=2, n_wires=3) == [(3,), (2, 2, 2)]
    # the namespaces PennyLane code imports them from
    assert qml.templates.StronglyEntanglingLayers is qml.StronglyEntanglingLayers
    assert qml.templates.embeddings.AngleEmbedding is qml.AngleEmbedding
    assert qml.templates.layers.BasicEntanglerLayers is qml.BasicEntanglerLayers


# --- numbers and gradients ------------------------------------------------------------------
DEV2 = qml.device("default.qubit", wires=2)


@qml.qnode(DEV2)
def classifier(weights, x):
    qml.AngleEmbedding(x, wires=[0, 1], rotation="Y")
    qml.StronglyEntanglingLayers(weights, wires=[0, 1])
    return qml.expval(qml.PauliZ(0))


def _classifier_reference(weights, x):
    gates = [("RY", (x[0],), (0,)), ("RY", (x[1],), (1,))]
    for layer in weights:
        gates += [("Rot", tuple(layer[0]), (0,)), ("Rot", tuple(layer[1]), (1,)),
                  ("CNOT", (), (0, 1)), ("CNOT", (), (1, 0))]
    return z_on(run(gates, 2), 0, 2)


def test_template_circuit_values_and_gradients():
    rng = np.random.default_rng(7)
    weights = pnp.array(rng.normal(size=(2, 2, 3)))
    x = pnp.array([0.3, -1.1], requires_grad=False)
    assert classifier(weights, x) == pytest.approx(_classifier_reference(weights, x), abs=1e-12)
    g = qml.grad(classifier, argnum=0)(weights, x)
    fd = np.zeros_like(g)
    h = 1e-6
    for idx in np.ndindex(weights.shape):
        e = np.zeros(weights.shape)
        e[idx] = h
        fd[idx] = (_classifier_reference(weights + e, x) - _classifier_reference(weights - e, x)) / (2 * h)
    np.testing.assert_allclose(g, fd, atol=1e-8)
    # broadcasting: a batch of feature rows, one value per row
    X = pnp.array([[0.3, -1.1], [0.7, 0.2], [-0.5, 1.9]], requires_grad=False)
    np.testing.assert_allclose(classifier(weights, X),
                               [_classifier_reference(weights, row) for row in X], atol=1e-12)
    # and a batch of weight tensors (leading axis), as PennyLane's weights[..., l, i, k]
    W = pnp.array(rng.normal(size=(3, 2, 2, 3)))
    np.testing.assert_allclose(classifier(W, x), [_classifier_reference(w, x) for w in W], atol=1e-12)


DEV3 = qml.device("default.qubit", wires=3)


@qml.qnode(DEV3)
def amplitude_state(f):
    qml.AmplitudeEmbedding(f, wires=[0, 1, 2], normalize=True, pad_with=0.0)
    return qml.state()


def test_amplitude_embedding_of_inputs_prepares_the_normalized_state():
    for f in ([0.1, -0.3, 0.2, 0.5, -0.4, 0.3, 0.1], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0],
              [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0]):
        v = np.array(f + [0.0])
        np.testing.assert_allclose(amplitude_state(np.array(f)), v / np.linalg.norm(v), atol=1e-12)


@qml.qnode(DEV2)
def amplitude_expval(f):
    qml.AmplitudeEmbedding(f, wires=[0, 1], normalize=True)
    qml.RX(0.4, wires=1)
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))


def test_amplitude_embedding_gradient_is_exact():
    def reference(f):
        psi = np.asarray(f, complex) / np.linalg.norm(f)
        psi = psi.reshape(2, 2)
        m = MATS["RX"](0.4)
        psi = (psi @ m.T).reshape(-1)
        ZX = np.kron(np.diag([1, -1]), np.array([[0, 1], [1, 0]]))
        return float(np.vdot(psi, ZX @ psi).real)

    f = np.array([0.3, -0.8, 0.5, 0.2])
    assert amplitude_expval(f) == pytest.approx(reference(f), abs=1e-12)
    g = qml.grad(amplitude_expval, argnum=0)(f)
    fd = [(reference(f + e) - reference(f - e)) / 2e-6 for e in np.eye(4) * 1e-6]
    np.testing.assert_allclose(g, fd, atol=1e-8)


def test_state_prep_numbers_complex_padding_and_refusals():
    @qml.qnode(DEV2)
    def c(state=None):
        qml.StatePrep(np.array([0.5, 0.5j, -0.5, 0.5 * np.exp(0.3j)]), wires=[0, 1])
        return qml.state()

    np.testing.assert_allclose(c(), [0.5, 0.5j, -0.5, 0.5 * np.exp(0.3j)], atol=1e-12)
    prep = qml.StatePrep([0.6, 0.8], wires=[1, 0], pad_with=0.0)
    # wire 1 is the most significant bit of the given vector: 0.8 is |w1=0, w0=1>
    # the gates it applies (its decomposition is PennyLane's one MottonenStatePreparation)
    gates = [(op.name, tuple(round(float(p), 12) for p in op.params), tuple(op.wires))
             for op in prep.gates()]
    psi = run(gates, 2)
    np.testing.assert_allclose(psi, [0.6, 0.0, 0.8, 0.0], atol=1e-12)
    with pytest.raises(qml.GateError, match="vector of norm 1.0"):
        qml.StatePrep([1.0, 1.0], wires=0)
    with pytest.raises(qml.GateError, match="State must be of length 4"):
        qml.StatePrep([1.0, 0.0], wires=[0, 1])
    with pytest.raises(qml.GateError, match="State must be of length 4"):
        qml.AmplitudeEmbedding([1.0] * 5, wires=[0, 1], normalize=True)

    @qml.qnode(DEV2)
    def late():  # PennyLane: after gates, Möttönen's gates for the state (here none), no reset
        qml.RX(0.1, wires=0)
        qml.StatePrep([1.0, 0.0], wires=0)
        return qml.state()

    assert np.allclose(late(), [np.cos(0.05), 0, -1j * np.sin(0.05), 0])

    @qml.qnode(DEV2)
    def late_input(v):  # the amplitudes as circuit inputs after a gate: Möttönen's gates too
        qml.RX(0.1, wires=0)
        qml.StatePrep(v, wires=0)
        return qml.state()

    # (stop 64: was refused, "must come before any gate"; PennyLane applies Möttönen's gates)
    # by hand: RY(2 arcsin 0.8) on RX(0.1)|0> = [cos 0.05, -i sin 0.05]
    theta = 2 * np.arcsin(0.8)
    ry = np.array([[np.cos(theta / 2), -np.sin(theta / 2)], [np.sin(theta / 2), np.cos(theta / 2)]])
    first = ry @ np.array([np.cos(0.05), -1j * np.sin(0.05)])
    assert np.allclose(late_input(np.array([0.6, 0.8])), [first[0], 0, first[1], 0], atol=1e-12)
    # a negative amplitude (Möttönen's phases): PennyLane 0.45.1's state
    assert np.allclose(late_input(np.array([0.6, -0.8])),
                       [0.5992501562369797 + 0.03998333541654267j, 0,
                        -0.7990002083159731 + 0.029987501562407093j, 0], atol=1e-12)


def test_basis_state_and_embedding():
    assert listed(qml.BasisState(np.array([1, 0, 1]), wires=[0, 1, 2])) == [
        ("PauliX", (), [0]), ("PauliX", (), [2])]
    assert listed(qml.BasisEmbedding(6, wires=[0, 1, 2])) == [("PauliX", (), [0]), ("PauliX", (), [1])]
    assert listed(qml.BasisEmbedding("01", wires=["a", "b"])) == [("PauliX", (), ["b"])]
    with pytest.raises(qml.GateError, match="only consist of 0s and 1s"):
        qml.BasisState([2, 0], wires=[0, 1])
    with pytest.raises(qml.GateError, match="State must be of length 3"):
        qml.BasisState([1, 0], wires=[0, 1, 2])

    @qml.qnode(DEV3)
    def basis(bits):  # float bits are traced inputs: RX(pi b) and a phase, exactly X^b
        qml.BasisState(bits, wires=[0, 1, 2])
        return qml.state()

    for bits in ([1.0, 0.0, 1.0], [0.0, 1.0, 1.0]):
        expected = np.zeros(8)
        expected[int("".join(str(int(b)) for b in bits), 2)] = 1
        np.testing.assert_allclose(basis(pnp.array(bits, requires_grad=False)), expected, atol=1e-12)


@qml.qnode(DEV2)
def amplitude_x0(f):
    qml.AmplitudeEmbedding(f, wires=[0, 1], normalize=True)
    return qml.expval(qml.PauliX(0))


def test_amplitude_embedding_zero_blocks_and_broadcast():
    def reference(f):  # <X0> of f / |f|
        return 2 * (f[0] * f[2] + f[1] * f[3]) / (f @ f)

    for f in ([0.2, 0.0, 0.4, 0.0], [0.0, 0.5, 0.0, -0.3]):  # zero amplitudes, no zero block
        f = np.array(f)
        fd = [(reference(f + e) - reference(f - e)) / 2e-6 for e in np.eye(4) * 1e-6]
        assert amplitude_x0(f) == pytest.approx(reference(f), abs=1e-12)
        np.testing.assert_allclose(qml.grad(amplitude_x0, argnum=0)(f), fd, atol=1e-8)
    # a zero block of two inputs: the value is exact; the angles are not differentiable
    # there, but the state is: the derivative is exact (by two more evaluations per
    # input, qsym.templates.zero_block_jacobian), 2 (M f - <X0> f) / |f|^2 = (0, 0, 2, 0)
    for f in ([1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.6, -0.8], [0.5, 0.0, 0.0, 0.0]):
        f = np.array(f)
        assert amplitude_x0(f) == pytest.approx(reference(f), abs=1e-12)
        fd = [(reference(f + e) - reference(f - e)) / 2e-6 for e in np.eye(4) * 1e-6]
        np.testing.assert_allclose(qml.grad(amplitude_x0, argnum=0)(f), fd, atol=1e-8)
    np.testing.assert_allclose(qml.grad(amplitude_x0)(pnp.array([1.0, 0.0, 0.0, 0.0])),
                               [0.0, 0.0, 2.0, 0.0], atol=1e-12)
    # a 2-D array broadcasts: one state per row
    F = np.array([[0.3, -0.8, 0.5, 0.2], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 1.0]])
    np.testing.assert_allclose(amplitude_x0(F), [reference(r) for r in F], atol=1e-12)



def test_amplitude_embedding_batch_of_numbers_with_different_zero_angles():
    """A batch of constant states whose rows skip different zero-angle RYs alone (basis
    states, a sign) still prepares each row: the state is each row as given."""
    rows = np.array([[0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, -1, 0, 0, 0],
                     [0.6, 0, 0, 0, 0, 0, 0, -0.8]], dtype=float)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def prepared():
        qml.AmplitudeEmbedding(rows, wires=[0, 1, 2])
        return qml.state()

    np.testing.assert_allclose(prepared(), rows, atol=1e-12)

@qml.qnode(DEV3)
def amplitude_padded(f, w):
    qml.AmplitudeEmbedding(f, wires=[0, 1, 2], normalize=True, pad_with=0.0)
    qml.RY(w, wires=1)
    qml.CNOT(wires=[1, 2])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(2) + 0.5 * qml.PauliX(0) @ qml.PauliZ(1))


adjoint_padded = qml.QNode(amplitude_padded.func, DEV3, diff_method="adjoint")


def _padded_reference(f, w):
    """<O> of the circuit above and its exact gradient by the features: with M the real
    part of U^T O U (U the gates after the preparation) and x the padded features,
    f = x.M.x / x.x and grad f = 2 (M x - f x) / x.x (a quotient of quadratic forms)."""
    X, Z, I = np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0]), np.eye(2)
    c, s = np.cos(w / 2), np.sin(w / 2)
    ry = np.kron(np.kron(I, np.array([[c, -s], [s, c]])), I)
    P0, P1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
    cnot = np.kron(np.kron(I, P0), I) + np.kron(np.kron(I, P1), X)
    U = cnot @ ry
    O = np.kron(np.kron(Z, I), X) + 0.5 * np.kron(np.kron(X, Z), I)
    M = (U.T @ O @ U).real
    x = np.concatenate([f, np.zeros(8 - len(f))])
    val = x @ M @ x / (x @ x)
    return val, (2 * (M @ x - val * x) / (x @ x))[: len(f)]


def test_amplitude_embedding_gradient_where_a_padded_block_is_zero():
    # 5 features on 3 wires: the right half (f4, 0, 0, 0) holds one input; at f4 = 0 (and
    # blocks such as (f2, f3) = (0, 0.3)) the gradient is finite and exact, not NaN; so it
    # is where a block of two inputs is all zero ((f2, f3) = (0, 0), (f0, f1) = (0, 0)), by
    # either method
    for f in ([0.3, -0.5, 0.0, 0.3, 0.0], [0.1, 0.2, -0.3, 0.4, -0.6], [0.0, 0.7, 0.2, 0.0, 0.0],
              [1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.3, -0.2, 0.5], [0.3, 0.1, 0.0, 0.0, 0.0]):
        f = pnp.array(f)
        val, grad = _padded_reference(np.asarray(f), 0.4)
        assert amplitude_padded(f, 0.4) == pytest.approx(val, abs=1e-12)
        g, _ = qml.grad(amplitude_padded, argnum=[0, 1])(f, pnp.array(0.4))
        np.testing.assert_allclose(g, grad, atol=1e-10)
        np.testing.assert_allclose(qml.grad(adjoint_padded)(f, 0.4), grad, atol=1e-10)
        # and finite differences of the reference agree with the reference's formula
        fd = [(_padded_reference(np.asarray(f) + e, 0.4)[0] - _padded_reference(np.asarray(f) - e, 0.4)[0]) / 2e-6
              for e in np.eye(5) * 1e-6]
        np.testing.assert_allclose(grad, fd, atol=1e-7)
    # numbers (no inputs): a padded block's negative amplitude keeps its sign
    for v in ([0.6, 0.0, -0.8], [0.0, 0.0, -1.0], [0.0, -0.6, 0.0, 0.0, -0.8]):
        @qml.qnode(DEV3)
        def literal():
            qml.StatePrep(v, wires=[0, 1, 2], pad_with=0.0)
            return qml.state()

        np.testing.assert_allclose(literal(), v + [0.0] * (8 - len(v)), atol=1e-12)


def test_state_prep_norm_is_checked_at_every_call():
    @qml.qnode(DEV2)
    def prep(s, w):
        qml.StatePrep(s, wires=[0, 1])
        qml.RX(w, wires=0)
        return qml.expval(qml.PauliZ(0))

    good = pnp.array([0.6, 0.0, 0.0, 0.8], requires_grad=False)
    assert prep(good, 0.0) == pytest.approx(0.36 - 0.64)
    for bad in ([1.0, 1.0, 0.0, 0.0], [0.6, 0.0, 0.0, 0.7]):
        for _ in range(2):  # every call, not only the first (the trace)
            with pytest.raises(qml.GateError, match="The state must be a vector of norm 1.0; got norm"):
                prep(pnp.array(bad, requires_grad=False), 0.1)
        with pytest.raises(qml.GateError, match="vector of norm 1.0"):
            qml.grad(prep, argnum=1)(pnp.array(bad, requires_grad=False), pnp.array(0.1))
    assert prep(good, 0.0) == pytest.approx(-0.28)

    @qml.qnode(DEV2)
    def normalized(s):
        qml.StatePrep(s, wires=[0, 1], normalize=True)
        return qml.expval(qml.PauliZ(0))

    s = pnp.array([3.0, 0.0, 0.0, 4.0], requires_grad=False)
    assert normalized(s) == pytest.approx((9 - 16) / 25)
    assert normalized(2 * s) == pytest.approx((9 - 16) / 25)
    with pytest.raises(qml.GateError, match="zero vector"):  # not |00> (angles atan2(0, 0) = 0)
        normalized(0 * s)


def test_qft_is_the_discrete_fourier_transform():
    n = 3
    ops = qml.QFT(wires=[0, 1, 2]).decomposition()
    assert [op.name for op in ops] == ["Hadamard", "ControlledPhaseShift", "ControlledPhaseShift",
                                       "Hadamard", "ControlledPhaseShift", "Hadamard", "SWAP"]
    U = np.eye(2**n, dtype=complex)
    for op in ops:
        U = np.stack([_apply_numeric(U[:, j], op.matrix(), list(op.wires), n) for j in range(2**n)], 1)
    N = 2**n
    dft = np.exp(2j * np.pi * np.outer(range(N), range(N)) / N) / np.sqrt(N)
    np.testing.assert_allclose(U, dft, atol=1e-12)
    assert qml.templates.subroutines.QFT is qml.QFT


def _apply_numeric(psi, mat, wires, n):
    k = len(wires)
    t = np.tensordot(mat.reshape((2,) * 2 * k), psi.reshape((2,) * n),
                     axes=(list(range(k, 2 * k)), list(wires)))
    return np.moveaxis(t, list(range(k)), list(wires)).reshape(-1)


def test_layer_repeats_a_template_with_per_layer_arguments():
    def block(a, b, wires):
        qml.RX(a, wires=wires[0])
        qml.RY(b, wires=wires[1])
        qml.CNOT(wires=wires)

    qml.layer(block, 2, [0.1, 0.2], [0.3, 0.4], wires=[1, 0])  # outside a circuit: nothing
    from qsym._trace import Tape, recording
    tape = Tape()
    with recording(tape):
        qml.layer(block, 2, [0.1, 0.2], [0.3, 0.4], wires=[1, 0])
    assert [(op.name, op.params, list(op.wires)) for op in tape.items] == [
        ("RX", (0.1,), [1]), ("RY", (0.3,), [0]), ("CNOT", (), [1, 0]),
        ("RX", (0.2,), [1]), ("RY", (0.4,), [0]), ("CNOT", (), [1, 0])]
    with pytest.raises(qml.GateError, match="one entry per layer"):
        qml.layer(block, 3, [0.1, 0.2], [0.3, 0.4], wires=[1, 0])


def test_a_real_state_of_numbers_on_several_wires_is_prepared_by_one_matrix():
    """Issue #17: StatePrep of a real state of numbers on 3-10 wires is one QubitUnitary
    (a reflection whose first column is the state), not the 2^(n+1) gates of the RY tree
    (traced at every call of a QGRNN-style circuit); on 1-2 wires the RY tree stays. The
    state prepared equals the vector given (independent: the vector itself), a negative
    first amplitude included, and a gradient after it agrees with finite differences."""
    from qsym import templates as tpl

    rng = np.random.default_rng(8)
    psi = rng.normal(size=16)
    psi[0] = -abs(psi[0])
    psi /= np.linalg.norm(psi)
    names = [op.name for op in tpl.StatePrep(psi, wires=range(4)).gates()]  # what it applies
    assert names == ["QubitUnitary"]
    assert "RY" in [op.name for op in tpl.StatePrep(psi[:4] / np.linalg.norm(psi[:4]),
                                                    wires=[0, 1]).gates()]
    dev = qml.device("default.qubit", wires=5)

    @qml.qnode(dev)
    def state():
        qml.StatePrep(psi, wires=[1, 2, 3, 4])
        return qml.state()

    want = np.kron([1, 0], psi)  # wire 0 untouched
    assert np.allclose(state(), want, atol=1e-14, rtol=0)

    @qml.qnode(dev, diff_method="parameter-shift")
    def cost(x):
        qml.StatePrep(psi, wires=[0, 1, 2, 3])
        qml.RY(x, wires=2)
        qml.CNOT(wires=[2, 4])
        return qml.expval(qml.PauliZ(4) @ qml.PauliX(1))

    x = pnp.array(0.37, requires_grad=True)
    h = 1e-6
    fd = (cost(x + h) - cost(x - h)) / (2 * h)
    assert abs(qml.grad(cost)(x) - fd) < 1e-8


@pytest.mark.parametrize("make", [
    lambda w: qml.AngleEmbedding([0.3, 0.2], wires=w),
    lambda w: qml.BasisState(pnp.array([1, 1]), wires=w),
    lambda w: qml.RandomLayers(pnp.ones((1, 3)) * 0.5, wires=w, seed=4),
    lambda w: qml.BasicEntanglerLayers(pnp.ones((1, 2)) * 0.5, wires=w),
    lambda w: qml.StronglyEntanglingLayers(pnp.ones((1, 2, 3)) * 0.5, wires=w),
    lambda w: qml.IQPEmbedding([0.3, 0.2], wires=w),
    lambda w: qml.QAOAEmbedding([0.3, 0.2], pnp.ones((1, 3)), wires=w),
    lambda w: qml.SimplifiedTwoDesign(pnp.ones(2), pnp.ones((1, 1, 2)), wires=w),
])
def test_templates_take_tuple_wire_labels(make):
    """A wire labelled by a tuple (``("t", 1)``) is one wire in a template's gates, not two
    (was ``WireError: RX acts on 1 wire(s), got 2``; found by differential fuzzing): the
    same probabilities as the template on the labels ``0, 1``."""
    def probs(labels):
        @qml.qnode(qml.device("default.qubit", wires=labels))
        def c():
            make(labels)
            return qml.probs(wires=labels)
        return c()

    np.testing.assert_allclose(probs([("t", 1), "a"]), probs([0, 1]), atol=1e-12)


def test_qaoa_embedding_broadcasts_features_or_weights():
    """A 2-D batch of features or a 3-D batch of weights (PennyLane's broadcasting): each
    row's expectation equals the hand-simulated state of that row's gates; batch_size,
    shape(n_broadcast), PennyLane's messages and the local field as a gate class."""
    feats = np.array([[0.3, -1.1], [0.8, 0.4], [-0.5, 2.0]])
    weights = np.array([[0.1, -0.3, 1.3, 0.7, 0.2, -0.9], [0.9, -0.2, -2.1, 0.5, 1.5, 0.4]])
    z0 = np.kron(np.diag([1.0, -1.0]), np.eye(4))

    def gates(x, w):  # PennyLane's QAOAEmbedding on 3 wires, local field Y, written out
        feat = [("RX", (x[0],), [0]), ("RX", (x[1],), [1]), ("Hadamard", (), [2])]
        out = []
        for layer in w:
            out += feat + [("MultiRZ", (layer[i],), [i, (i + 1) % 3]) for i in range(3)]
            out += [("RY", (layer[3 + i],), [i]) for i in range(3)]
        return out + feat

    def expected(x, w):
        psi = run(gates(x, w), 3)
        return float(np.real(psi.conj() @ z0 @ psi))

    @qml.qnode(qml.device("default.qubit", wires=3))
    def c(x, w):
        qml.QAOAEmbedding(x, w, wires=[0, 1, 2])
        return qml.expval(qml.PauliZ(0))

    assert np.allclose(c(feats, weights), [expected(x, weights) for x in feats])
    wb = np.stack([weights, -weights])
    assert np.allclose(c(feats[0], wb), [expected(feats[0], w) for w in wb])
    op = qml.QAOAEmbedding(feats, weights, wires=[0, 1, 2])
    assert op.batch_size == 3 and qml.QAOAEmbedding(feats[0], wb, wires=[0, 1, 2]).batch_size == 2
    assert op.hyperparameters["local_field"] is qml.RY
    assert qml.QAOAEmbedding.shape(2, 3, n_broadcast=4) == (4, 2, 6)
    with pytest.raises(ValueError, match="Features must be a one-dimensional tensor or two"):
        qml.QAOAEmbedding(np.zeros((2, 2, 1)), weights, wires=[0, 1, 2])
    with pytest.raises(ValueError, match="Weights must be a two-dimensional tensor or three"):
        qml.QAOAEmbedding(feats[0], weights[0], wires=[0, 1, 2])
    with pytest.raises(ValueError, match="did not recognize local field A"):
        qml.QAOAEmbedding(feats[0], weights, wires=[0, 1, 2], local_field="A")


@pytest.mark.parametrize("make, size", [
    (lambda: qml.AngleEmbedding(np.arange(15.0).reshape(5, 3), wires=range(3)), 5),
    (lambda: qml.AngleEmbedding(np.arange(3.0), wires=range(3)), None),
    (lambda: qml.IQPEmbedding(np.arange(9.0).reshape(3, 3), wires=range(3)), 3),
    (lambda: qml.AmplitudeEmbedding(np.full((3, 4), 0.5), wires=range(2)), 3),
    (lambda: qml.AmplitudeEmbedding(np.full(4, 0.5), wires=range(2)), None),
    (lambda: qml.StronglyEntanglingLayers(np.ones((4, 2, 3, 3)), wires=range(3)), 4),
    (lambda: qml.StronglyEntanglingLayers(np.ones((2, 3, 3)), wires=range(3)), None),
    (lambda: qml.QFT(wires=[0, 1]), None),
])
def test_template_batch_size_is_the_leading_axis_of_its_parameters(make, size):
    """PennyLane's ``batch_size`` of a template: the number of parameter sets given (a
    leading batch axis on the features or weights), None for one set; the gates of its
    decomposition broadcast over the same batch, and so does a tape holding it."""
    op = make()
    assert op.batch_size == size
    assert {g.batch_size for g in op.decomposition()} <= {size, None}
    assert qml.tape.QuantumScript([op], [qml.expval(qml.Z(0))]).batch_size == size


@pytest.mark.parametrize("make, words", [
    (lambda: qml.IQPEmbedding(np.ones((2, 3, 4)), wires=range(3)),
     "Features must be a one-dimensional tensor, or two-dimensional when broadcasting"),
    (lambda: qml.AngleEmbedding(np.ones(()), wires=range(3)),
     "Features must be a one-dimensional tensor"),
    (lambda: qml.BasisEmbedding([[1], [0]], wires=[0, 1]), "State must be one-dimensional"),
    (lambda: qml.BasisState(np.array([[1, 0]]), wires=[0, 1]), "State must be one-dimensional"),
    (lambda: qml.BasisEmbedding(4, wires=[0, 1]), "Integer state must be < 4"),
    (lambda: qml.BasisEmbedding([0, 1, 1], wires=[0, 1]), "State must be of length 2"),
    (lambda: qml.SimplifiedTwoDesign(np.ones(2), np.ones((2, 2, 2)), wires=range(2)),
     "Weights tensor must have second dimension of length 1; got 2"),
    (lambda: qml.SimplifiedTwoDesign(np.ones(3), np.ones((2, 2, 3)), wires=range(3)),
     "Weights tensor must have third dimension of length 2; got 3"),
])
def test_template_input_errors_use_pennylanes_words(make, words):
    """Wrong template inputs raise a ValueError (qsym's GateError) whose text contains
    PennyLane 0.45's words for the same mistake (programs and tests match on them)."""
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_basis_state_from_a_zero_dimensional_integer_array():
    """A 0-d integer array is the integer (PennyLane: an input of shape () is an integer
    state): 2 on two wires is |10>."""
    bits = qml.BasisEmbedding(np.array(2), wires=[0, 1]).parameters[0]
    assert bits.tolist() == [1, 0] and bits.dtype.kind == "i"  # PennyLane's integer array


def test_a_state_of_complex_amplitudes_of_inputs_made_with_plain_numpy():
    # PennyLane's noise-models demo writes its state with plain NumPy:
    # np.array([np.cos(t / 2), 1j * np.sin(t / 2)]). Traced, those amplitudes are sympy
    # expressions holding I, which the real RY tree took as real: the phases were dropped
    # (caught by the replay: a TracingError). Now Python looks at their numbers (traced at
    # every call, the inputs used by value) and the state is exact. <Y> = sin t sin p and
    # <X> = sin t cos p by hand (PennyLane 0.45.1 gives the same on both devices)
    import numpy as onp

    from qsym.errors import DifferentiationError

    for name in ("default.qubit", "default.mixed"):
        @qml.qnode(qml.device(name, wires=2))
        def c(t, p):
            qml.StatePrep(onp.array([onp.cos(t / 2), onp.exp(1j * p) * onp.sin(t / 2)]),
                          wires=[0])
            qml.Hadamard(1)
            return qml.expval(qml.Y(0)), qml.expval(qml.X(0))

        for t, p in ((0.4, 0.3), (0.0, 0.0), (1.1, -0.7), (0.4, 0.0), (2.0, 1.5)):
            y, x = c(t, p)
            assert float(y) == pytest.approx(onp.sin(t) * onp.sin(p), abs=1e-14)
            assert float(x) == pytest.approx(onp.sin(t) * onp.cos(p), abs=1e-14)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def d(t):
        qml.StatePrep(onp.array([onp.cos(t / 2), 1j * onp.sin(t / 2)]), wires=[0])
        return qml.expval(qml.Y(0))

    assert float(d(pnp.array(0.4))) == pytest.approx(onp.sin(0.4), abs=1e-14)
    # PennyLane: TypeError (NumPy's cos of autograd's box); qsym names the input
    with pytest.raises(DifferentiationError, match="cannot differentiate by t"):
        qml.grad(d)(pnp.array(0.4))
