"""Issue #18, stop 70 (gaps70): the gaps stop 69 left, with PennyLane 0.45.1's numbers and
strings (printed in /work/plvenv) or values worked by hand as the references."""


import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

A, B = 0.3, 0.5
# RX(a) on 0, RY(b) on 1, CNOT: <Z1> = cos(a) cos(b)
DA, DB = -onp.sin(A) * onp.cos(B), -onp.cos(A) * onp.sin(B)


def _argnum_circuit(dev, **kw):
    @qml.qnode(dev, gradient_kwargs={"argnum": [0]}, **kw)
    def c(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(1))
    return c


# PennyLane 0.45.1: gradient_kwargs={"argnum": [0]} of this circuit, qml.grad by (a, b):
# backprop / adjoint / best / no diff_method: (-0.25934338, -0.45801271) (argnum ignored);
# parameter-shift / finite-diff: (-0.25934338, 0.0)
@pytest.mark.parametrize("device,kw,restricted", [
    ("default.qubit", {"diff_method": "backprop"}, False),
    ("default.qubit", {"diff_method": "adjoint"}, False),
    ("default.qubit", {"diff_method": "best"}, False),
    ("default.qubit", {}, False),
    ("lightning.qubit", {"diff_method": "best"}, False),
    ("lightning.qubit", {"diff_method": "adjoint"}, False),
    ("default.mixed", {"diff_method": "best"}, False),  # (raised on main: adjoint refused)
    ("default.mixed", {"diff_method": "backprop"}, False),
    ("default.qubit", {"diff_method": "parameter-shift"}, True),
    ("default.qubit", {"diff_method": "finite-diff"}, True),
])
def test_gradient_kwargs_argnum_is_used_by_gradient_transforms_only(device, kw, restricted):
    c = _argnum_circuit(qml.device(device, wires=2), **kw)
    a, b = np.array(A, requires_grad=True), np.array(B, requires_grad=True)
    da, db = qml.grad(c)(a, b)
    assert float(da) == pytest.approx(DA, abs=1e-6)
    assert float(db) == pytest.approx(0.0 if restricted else DB, abs=1e-6)
    assert (c.tape_argnum() is not None) == restricted


@pytest.mark.parametrize("device", ["default.qubit", "lightning.qubit"])
def test_best_with_shots_is_parameter_shift_and_keeps_argnum(device):
    """PennyLane's "best" with shots is parameter shift, a gradient transform: argnum holds
    (PennyLane 0.45.1: (-0.3, 0.0) at 1000 shots; qsym raised "does not support adjoint")."""
    c = qml.set_shots(_argnum_circuit(qml.device(device, wires=2, seed=7),
                                      diff_method="best"), 20000)
    a, b = np.array(A, requires_grad=True), np.array(B, requires_grad=True)
    da, db = qml.grad(c)(a, b)
    assert float(db) == 0.0
    assert float(da) == pytest.approx(DA, abs=0.05)


def _hadamard_circuit(x):
    qml.RX(x, wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.Z(1))


@pytest.mark.parametrize("name, mode", [("direct-hadamard", "direct"),
                                        ("reversed-hadamard", "reversed"),
                                        ("reversed-direct-hadamard", "reversed-direct")])
def test_a_hadamard_alias_is_shown_as_given(name, mode):
    """PennyLane 0.45.1 (printed in plvenv): qnode.diff_method is the alias, the QNode's repr
    says it, qnode.gradient_kwargs are the user's ({'aux_wire': 2}); the mode is in the
    execution configuration (resolve=False: the alias and the user's options). qsym showed
    "hadamard" and {'aux_wire': 2, 'mode': ...}."""
    dev = qml.device("default.qubit", wires=3)
    node = qml.QNode(_hadamard_circuit, dev, diff_method=name, gradient_kwargs={"aux_wire": 2})
    x = np.array(0.3, requires_grad=True)
    assert node.diff_method == name and node.gradient_kwargs == {"aux_wire": 2}
    assert f"diff_method='{name}'" in repr(node)
    raw = qml.workflow.construct_execution_config(node, resolve=False)(x)
    assert raw.gradient_method == name and raw.gradient_keyword_arguments == {"aux_wire": 2}
    config = qml.workflow.construct_execution_config(node)(x)
    assert config.gradient_keyword_arguments == {"aux_wire": 2, "mode": mode}
    # the mode runs: d/dx cos(x) = -sin(x); PennyLane 0.45.1's Tracker: 2 executions
    # (reversed), 3 (the direct modes)
    with qml.Tracker(dev) as tracker:
        g = qml.grad(node)(x)
    assert float(g) == pytest.approx(-onp.sin(0.3), abs=1e-12)
    assert tracker.totals["executions"] == (2 if mode == "reversed" else 3)
    # a change in place keeps the alias and the user's options
    node.gradient_kwargs["aux_wire"] = 2
    assert node.diff_method == name and node.gradient_kwargs == {"aux_wire": 2}
    with pytest.raises(ValueError, match=f"diff_method={name} cannot be provided with a 'mode'"):
        node.gradient_kwargs["mode"] = "direct"
    assert node.update(diff_method="hadamard").diff_method == "hadamard"


# PennyLane 0.45.1 (plvenv): qml.grad by (a, b, c, d) of the circuit below with
# gradient_kwargs={"argnum": [k]}: its parameter shift decomposes the Pow (no gradient
# method) into Rot, Rot, so the positions are a, b, c, a, b, c (the two copies), d
_POW_PL = {0: (0.0, 0.0, 0.0, 0.0), 1: (0.0, 2.061156, 0.0, 0.0), 2: (0.0, 0.0, 0.760671, 0.0),
           3: (0.760671, 0.0, 0.0, 0.0), 4: (0.0, -0.058016, 0.0, 0.0),
           5: (0.0, 0.0, 1.859748, 0.0), 6: (0.0, 0.0, 0.0, 1.092288)}
_R = onp.random.default_rng(1).normal(size=(4, 4)) + 1j * onp.random.default_rng(2).normal(
    size=(4, 4))
_HERM = _R + _R.conj().T


@pytest.mark.parametrize("method", ["parameter-shift", "finite-diff"])
def test_argnum_counts_a_powers_decomposition(method):
    """qml.pow(qml.Rot(a, b, c), 2): 6 argnum positions, as PennyLane's (qsym counted 3 and
    raised ArgumentError past them); the columns are PennyLane's, and the two copies' sum is
    the full derivative (the unrestricted gradient)."""
    dev = qml.device("default.qubit", wires=2)
    args = [np.array(v, requires_grad=True) for v in (0.3, 0.5, 0.7, 0.2)]

    def body(a, b, c, d):
        qml.pow(qml.Rot(a, b, c, wires=0), 2)
        qml.RY(d, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Hermitian(_HERM, wires=[0, 1]))

    tol = 1e-5 if method == "finite-diff" else 1e-6
    for k, want in _POW_PL.items():
        node = qml.QNode(body, dev, diff_method=method, gradient_kwargs={"argnum": [k]})
        got = [float(g) for g in qml.grad(node)(*args)]
        assert onp.allclose(got, want, atol=tol), (k, got, want)
    full = [float(g) for g in qml.grad(qml.QNode(body, dev, diff_method=method))(*args)]
    assert onp.allclose(full, onp.sum(list(_POW_PL.values()), axis=0), atol=tol)
    with pytest.raises(qml.ArgumentError, match="beyond the tape's 7 trainable"):
        qml.grad(qml.QNode(body, dev, diff_method=method, gradient_kwargs={"argnum": [7]}))(
            *args)


def test_argnum_of_a_fractional_power_is_its_decomposition():
    """qml.pow(qml.RY(a), 0.5) is RY(a / 2) on PennyLane's gradient tape: argnum [0] is a
    (d/da of cos(a / 2) = -sin(a / 2) / 2, by hand); qsym raised ClosureDerivativeError."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="parameter-shift", gradient_kwargs={"argnum": [0]})
    def c(a):
        qml.pow(qml.RY(a, wires=0), 0.5)
        return qml.expval(qml.Z(0))

    g = qml.grad(c)(np.array(0.3, requires_grad=True))
    assert float(g) == pytest.approx(-onp.sin(0.15) / 2, abs=1e-10)


def test_temporary_and_is_drawn_as_pennylanes_elbow():
    """qml.draw of TemporaryAND (left elbow) and its adjoint (right elbow): PennyLane
    0.45.1's text (printed in plvenv), control values, wires out of order, a wire between,
    wire_order reversed; qsym drew a TemporaryAND box."""
    dev = qml.device("default.qubit", wires=5)

    @qml.qnode(dev)
    def c():
        qml.TemporaryAND(wires=[3, 0, 1])
        qml.adjoint(qml.TemporaryAND(wires=[3, 0, 1], control_values=(1, 0)))
        qml.TemporaryAND(wires=[0, 4, 2], control_values=(0, 0))
        qml.adjoint(qml.TemporaryAND(wires=[4, 0, 2]))
        qml.RX(0.3, wires=3)
        qml.Elbow(wires=[1, 2, 3])
        return qml.probs(wires=[2])

    assert qml.draw(c)() == (
        "0: ─╭●──○╮─╭○──●╮──────────────┤       \n"
        "1: ─├⊕──⊕┤─│────│───────────╭●─┤       \n"
        "2: ─│────│─├⊕──⊕┤───────────├●─┤  Probs\n"
        "3: ─╰●──●╯─│────│──RX(0.30)─╰⊕─┤       \n"
        "4: ────────╰○──●╯──────────────┤       ")
    assert qml.draw(c, wire_order=[4, 3, 2, 1, 0])() == (
        "4: ────────╭○──●╮──────────────┤       \n"
        "3: ─╭●──●╮─│────│──RX(0.30)─╭⊕─┤       \n"
        "2: ─│────│─├⊕──⊕┤───────────├●─┤  Probs\n"
        "1: ─├⊕──⊕┤─│────│───────────╰●─┤       \n"
        "0: ─╰●──○╯─╰○──●╯──────────────┤       ")

    @qml.qnode(qml.device("default.qubit", wires=4))
    def d():
        qml.X(0)
        qml.X(1)
        qml.TemporaryAND(wires=[0, 1, 2])
        qml.adjoint(qml.TemporaryAND(wires=[0, 1, 2]))
        qml.TemporaryAND(wires=[1, 3, 2], control_values=(0, 1))
        return qml.probs(wires=[2])

    want = ("0: ──X─╭●──●╮────┤       \n"
            "1: ──X─├●──●┤─╭○─┤       \n"
            "2: ────╰⊕──⊕╯─├⊕─┤  Probs\n"
            "3: ───────────╰●─┤       ")
    assert qml.draw(d)() == want and qml.draw(d, level="device")() == want


@pytest.mark.parametrize("kind", ["evolve", "exp"])
@pytest.mark.parametrize("method", ["best", "parameter-shift", "adjoint"])
def test_a_broadcast_time_over_non_commuting_words_is_refused_by_name(kind, method):
    """A batch of times in qml.evolve / qml.exp of non-commuting words (pl69's path) raises
    qsym's GateError naming the batch and saying to call once per value; one value at a time
    equals SciPy's expm. PennyLane 0.45.1: backprop gives its Exp.matrix fault's numbers
    (-0.0914 at t = 0.5, expm's -0.2718), parameter shift an IndexError, adjoint a
    ValueError; no right answer to follow."""
    from scipy.linalg import expm

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method)
    def c(t):
        h = qml.dot([0.3, 0.7], [qml.X(0), qml.Z(0) @ qml.Z(1)])
        qml.RY(0.4, wires=1)
        if kind == "evolve":
            qml.evolve(h, t)
        else:
            qml.exp(h, -1j * t)
        return qml.expval(qml.Y(0))

    ts = np.array([0.5, 1.0], requires_grad=True)
    with pytest.raises(qml.GateError, match="broadcasting.*do not commute.*call once per value"):
        c(ts)
    x, z, i2 = onp.array([[0, 1], [1, 0]]), onp.diag([1, -1]), onp.eye(2)
    y = onp.array([[0, -1j], [1j, 0]])
    h = 0.3 * onp.kron(x, i2) + 0.7 * onp.kron(z, z)
    psi = onp.kron([1, 0], [onp.cos(0.2), onp.sin(0.2)])

    def f(t):
        s = expm(-1j * t * h) @ psi
        return float(onp.real(s.conj() @ onp.kron(y, i2) @ s))

    for t in (0.5, 1.0):
        assert float(c(np.array(t, requires_grad=True))) == pytest.approx(f(t), abs=1e-10)
