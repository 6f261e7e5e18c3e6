"""PennyLane 0.45.1's semantics left from stop 65 (issue #18): ``qml.pow(op, 0)`` drawn and
decomposed as PennyLane's; the spellings of a tuple's Jacobian and of gradient options that
PennyLane accepts give its numbers and shapes in qsym. Every expected text and number was
printed by PennyLane 0.45.1 in /work/plvenv (the same code with ``import pennylane as
qml``), or is worked out by hand."""
import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp


def _powers_circuit(x):
    qml.pow(qml.RX(x, 0), 0)
    qml.pow(qml.Rot(x, 0.2, 0.3, 1), 0)
    qml.pow(qml.QFT(wires=[0, 1]), 0)
    qml.pow(qml.S(0), 0)
    qml.pow(qml.CNOT([0, 1]), 0)
    qml.pow(qml.RX(x, 0), 2)
    return qml.expval(qml.Z(0))


# PennyLane 0.45.1's qml.draw of _powers_circuit at 0.3 (also at level="device")
PL_POWERS = ("0: ──RX(0.30)⁰────────────╭QFT⁰──S⁰─╭(X)⁰──RX(0.30)²─┤  <Z>\n"
             "1: ──Rot(0.30,0.20,0.30)⁰─╰QFT⁰─────╰(X)⁰────────────┤     ")
PL_POWERS_NO_DECIMALS = ("0: ──RX⁰──╭QFT⁰──S⁰─╭(X)⁰──RX²─┤  <Z>\n"
                         "1: ──Rot⁰─╰QFT⁰─────╰(X)⁰──────┤     ")


@pytest.mark.parametrize("level", ["gradient", "device"])
def test_zeroth_powers_are_drawn_as_pennylane_draws_them(level):
    node = qml.QNode(_powers_circuit, qml.device("default.qubit", wires=2))
    assert qml.draw(node, level=level)(0.3) == PL_POWERS
    assert qml.draw(node, decimals=None)(0.3) == PL_POWERS_NO_DECIMALS


def test_zeroth_powers_beside_barriers_and_mid_circuit_measurements():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(0)
        m = qml.measure(0)
        qml.pow(qml.S(1), 0)
        qml.cond(m, qml.RX)(x, wires=1)
        qml.Barrier()
        qml.pow(qml.Hadamard(2), 0)
        return qml.expval(qml.Z(1))

    assert qml.draw(circuit)(0.3) == (
        "0: ──H──┤↗├────────────────||─────┤     \n"
        "1: ──────║───S⁰──RX(0.30)──||─────┤  <Z>\n"
        "2: ──────║───────║─────────||──H⁰─┤     \n"
        "         ╚═══════╝                      ")
    # the value: H**0 and S**0 are the identity
    assert np.isclose(circuit(0.3), 0.5 + 0.5 * np.cos(0.3))


def test_zeroth_power_decompositions_are_pennylanes():
    """A rotation's 0th power is the rotation by 0 (PennyLane's ``RX.pow``), a
    ``QubitUnitary``'s the identity matrix, any other gate's nothing."""
    cases = [(lambda: qml.RX(0.3, 0), [("RX", [0.0])]),
             (lambda: qml.PhaseShift(0.2, 0), [("PhaseShift", [0.0])]),
             (lambda: qml.IsingXX(0.2, [0, 1]), [("IsingXX", [0.0])]),
             (lambda: qml.Hadamard(0), []), (lambda: qml.Rot(0.1, 0.2, 0.3, 0), []),
             (lambda: qml.SWAP([0, 1]), []), (lambda: qml.QFT(wires=[0, 1]), [])]
    for make, expected in cases:
        with qml.queuing.AnnotatedQueue():
            op = qml.pow(make(), 0)
        got = [(g.name, [float(p) for p in g.parameters]) for g in op.decomposition()]
        assert got == expected, op
    with qml.queuing.AnnotatedQueue():
        (u,) = qml.QubitUnitary(np.array([[0, 1], [1, 0]]), wires=0).pow(0)
    assert np.allclose(qml.matrix(u), np.eye(2))


def test_zeroth_power_of_a_trainable_rotation_has_no_derivative():
    dev = qml.device("default.qubit", wires=1)
    for method in ("parameter-shift", "adjoint", "backprop"):
        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            qml.RY(x, 0)
            qml.pow(qml.RX(x, 0), 0)
            return qml.expval(qml.Z(0))

        assert np.isclose(qml.grad(circuit)(pnp.array(0.3, requires_grad=True)), -np.sin(0.3))


def _two_outputs():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x[0], 0)
        qml.RY(x[1], 1)
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(0)), qml.probs(wires=1)

    return circuit


def test_pennylanes_spellings_of_a_tuples_jacobian():
    """PennyLane raises ValueError for ``qml.jacobian`` of a tuple (qsym gives a tuple of
    Jacobians, docs/pennylane.md); what PennyLane users write instead gives PennyLane's
    numbers and shapes."""
    circuit = _two_outputs()
    x = pnp.array([0.3, 0.7], requires_grad=True)

    def stacked(x):
        a, p = circuit(x)
        return qml.math.stack([a * 2, p[0] + p[1] * x[0]])

    def flat(x):
        a, p = circuit(x)
        return pnp.hstack([a, p])

    j = qml.jacobian(stacked)(x)
    assert j.shape == (2, 2)
    assert np.allclose(j, [[-0.591040413323, 0.0], [0.055549962595, -0.215405632245]], atol=1e-11)
    j = qml.jacobian(flat)(x)
    assert j.shape == (3, 2)
    assert np.allclose(j, [[-0.295520206661, 0.0], [-0.113013160625, -0.307722331779],
                           [0.113013160625, 0.307722331779]], atol=1e-11)
    # qsym's extension: a tuple of the same rows
    a, b = qml.jacobian(lambda x: (stacked(x)[0], stacked(x)[1]))(x)
    assert np.allclose(np.stack([a, b]), qml.jacobian(stacked)(x), atol=1e-15)


def test_gradient_options_on_the_qnode_and_in_gradient_kwargs_agree():
    """``h=`` on the QNode (qsym's; PennyLane 0.45.1 raises TypeError) and PennyLane's
    ``gradient_kwargs={"h": ...}``: the same forward difference, -0.5224694698069443 at
    0.5 for h = 0.1 (PennyLane's number; (cos(0.6) - cos(0.5)) / 0.1 by hand)."""
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    x = pnp.array(0.5, requires_grad=True)
    pl = qml.QNode(f, dev, diff_method="finite-diff", gradient_kwargs={"h": 0.1})
    ours = qml.QNode(f, dev, diff_method="finite-diff", h=0.1)
    assert np.isclose(qml.grad(pl)(x), (np.cos(0.6) - np.cos(0.5)) / 0.1, atol=1e-12)
    assert np.isclose(qml.grad(pl)(x), -0.5224694698069443, atol=1e-12)
    assert qml.grad(ours)(x) == qml.grad(pl)(x)
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        qml.QNode(f, dev, foo=1)


def _postselected_cond(post):
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x):
        qml.RX(x[0], 0)
        qml.RY(x[1], 1)
        qml.RX(x[2], 2)
        qml.RY(x[3], 3)
        m = qml.measure(0, postselect=post)
        qml.cond(m, qml.RY)(x[4], wires=1)
        qml.CNOT([1, 2])
        qml.cond(~m, qml.RZ)(x[5], wires=3)
        return qml.expval(qml.Z(2))

    return dev, circuit


@pytest.mark.parametrize("post", [None, 1])
def test_tracker_counts_a_postselected_conditionals_gradient_as_pennylane(post):
    """PennyLane 0.45.1 runs 9 circuits for this gradient with and without the
    postselection: its circuit graph has the postselecting measurement as an operator on
    wire 0, so the ``qml.cond`` on wires 0 and 3 after the CNOT does not reach Z(2) (qsym
    counted 12: the postselected wire was in its emulation of PennyLane's graph)."""
    dev, circuit = _postselected_cond(post)
    x = pnp.array([0.3, 0.4, 0.5, 0.6, 0.7, 0.8], requires_grad=True)
    with qml.Tracker(dev) as tracker:
        g = qml.grad(circuit)(x)
    assert tracker.totals["executions"] == 9
    h = 1e-6
    for k in range(6):
        e = np.zeros(6)
        e[k] = h
        fd = (circuit(pnp.array(x + e)) - circuit(pnp.array(x - e))) / (2 * h)
        assert np.isclose(g[k], fd, atol=1e-7), k


def test_a_template_given_an_empty_tensor_returns_pennylanes_tensor():
    """PennyLane 0.45.1's tape holds the template with its empty weights as data (a
    trainable tensor), so its results are autograd tensors: ``tensor(1., requires_grad=True)``
    and for (expval, probs) two tensors; an unused argument leaves NumPy's float64."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def layers(w):
        qml.BasicEntanglerLayers(w, wires=[0, 1])
        return qml.expval(qml.Z(0)), qml.probs(wires=[0])

    @qml.qnode(dev)
    def embedding(w):
        qml.AngleEmbedding(w, wires=[0, 1])
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def unused(w):
        qml.RX(0.2, 0)
        return qml.expval(qml.Z(0))

    for w in (pnp.zeros((0, 2)), pnp.zeros((0, 2), requires_grad=False)):
        e, p = layers(w)
        assert isinstance(e, pnp.tensor) and e.requires_grad and e == 1.0
        assert isinstance(p, pnp.tensor) and p.requires_grad and np.allclose(p, [1.0, 0.0])
    r = embedding(pnp.zeros(0))
    assert isinstance(r, pnp.tensor) and r.requires_grad and r == 1.0
    r = unused(pnp.zeros(0))
    assert type(r) is np.float64 and np.isclose(r, np.cos(0.2))
    # its derivative: an empty array of the weights' shape (PennyLane's)
    assert qml.jacobian(lambda w: layers(w)[0])(pnp.zeros((0, 2))).shape == (0, 2)
