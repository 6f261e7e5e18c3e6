"""PennyLane 0.45.1's drawings of exponentials and of operator ids, and the workflow
details found by the stop-57 sweep of PennyLane's test directories (issue #18).

The expected texts are PennyLane 0.45.1's outputs, computed in /work/plvenv
(``import pennylane as qml``) and pasted; each test says which.
"""

import warnings

import pytest

import qsym as qml
from qsym import numpy as pnp


@pytest.fixture
def quiet():
    with warnings.catch_warnings():  # (the id's deprecation warning: PennyLane's too)
        warnings.simplefilter("ignore")
        yield


# --- qml.exp / qml.evolve drawn as PennyLane draws its tape's operator --------------------

def _exponentials(x):
    qml.RX(x, wires=0)
    qml.evolve(qml.X(0), x)
    qml.exp(qml.Z(0) @ qml.Z(1), -0.5j * x)
    qml.exp(qml.X(1), 1j * x)
    qml.evolve(qml.X(0) + qml.Z(1), 0.3)
    return qml.expval(qml.Z(0))


def test_exponentials_drawn_as_one_box_each():
    c = qml.QNode(_exponentials, qml.device("default.qubit", wires=2))
    # PennyLane 0.45.1, qml.draw(c)(0.3) (qsym drew the rotations RX(0.60), RZZ(0.30), ...)
    assert qml.draw(c)(0.3) == (
        "0: ──RX(0.30)──Exp(-0.30j X)─╭Exp(0.00-0.15j Z@Z)────────────────────╭Exp(-0.30j 𝓗)─┤  <Z>\n"
        "1: ──────────────────────────╰Exp(0.00-0.15j Z@Z)──Exp(0.00+0.30j X)─╰Exp(-0.30j 𝓗)─┤     ")
    # PennyLane 0.45.1, decimals=None
    assert qml.draw(c, decimals=None)(0.3) == (
        "0: ──RX──Exp(-0.3j X)─╭Exp(-0.15j Z@Z)──────────────╭Exp(-0.3j 𝓗)─┤  <Z>\n"
        "1: ───────────────────╰Exp(-0.15j Z@Z)──Exp(0.3j X)─╰Exp(-0.3j 𝓗)─┤     ")
    # PennyLane 0.45.1: default.qubit applies an exponential as its matrix, so the box stays
    assert qml.draw(c, level="device")(0.3) == qml.draw(c)(0.3)


def test_exponential_of_trainable_inputs_adjoint_and_controlled_drawn():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def c(x, y):
        qml.evolve(qml.X(0) @ qml.Y(1), x)
        qml.exp(qml.Z(0), -1j * y)
        qml.adjoint(qml.evolve(qml.Z(2), 0.5))
        qml.ctrl(qml.evolve(qml.Z(2), 0.25), control=0)
        return qml.expval(qml.Z(0))

    x, y = pnp.array(0.3, requires_grad=True), pnp.array(0.7, requires_grad=True)
    # PennyLane 0.45.1, qml.draw(c)(x, y) (qsym drew "Exp(-0.7j Z)" and "RZ(1.00)†")
    assert qml.draw(c)(x, y) == (
        "0: ─╭Exp(-0.30j X@Y)───Exp(0.00-0.70j Z)─╭●─────────────┤  <Z>\n"
        "1: ─╰Exp(-0.30j X@Y)─────────────────────│──────────────┤     \n"
        "2: ──(Exp(-0.50j Z))†────────────────────╰Exp(-0.25j Z)─┤     ")
    # the value is the rotations' (drawing changed nothing): by hand, exp(-i x X0 Y1)|000>
    # = cos x |000> + sin x |110>, so <Z0> = cos 2x and d/dx = -2 sin 2x
    g = qml.grad(c)(x, y)[0]
    assert abs(g - (-2 * pnp.sin(2 * 0.3))) < 1e-12


# --- operator ids in drawings (deprecated in PennyLane 0.45, still drawn there) -----------

def test_operator_ids_drawn_as_pennylane(quiet):
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(x, wires=0, id="a")
        qml.Hadamard(1, id="h")
        qml.CNOT(wires=[0, 1], id="cn")
        qml.QFT(wires=[0, 1], id="q")
        return qml.expval(qml.Z(0))

    # PennyLane 0.45.1: Hadamard's and CNOT's own labels do not show the id
    assert qml.draw(c)(0.3) == (
        '0: ──RX(0.30,"a")─╭●─╭QFT("q")─┤  <Z>\n'
        '1: ──H────────────╰X─╰QFT("q")─┤     ')
    assert qml.draw(c, decimals=None)(0.3) == (
        '0: ──RX("a")─╭●─╭QFT("q")─┤  <Z>\n'
        '1: ──H───────╰X─╰QFT("q")─┤     ')


@pytest.mark.parametrize("make, label, label2", [
    # PennyLane 0.45.1's op.label() and op.label(decimals=2)
    (lambda: qml.Hadamard(0, id="i"), "H", "H"),
    (lambda: qml.PauliX(0, id="i"), "X", "X"),
    (lambda: qml.CNOT([0, 1], id="i"), "X", "X"),
    (lambda: qml.CRX(0.3, [0, 1], id="i"), "RX", "RX\n(0.30)"),
    (lambda: qml.ControlledPhaseShift(0.3, [0, 1], id="i"), "Rϕ", "Rϕ\n(0.30)"),
    (lambda: qml.PauliRot(0.3, "XY", [0, 1], id="i"), "RXY", "RXY\n(0.30)"),
    (lambda: qml.Identity(0, id="i"), "I", "I"),
    (lambda: qml.RX(0.3, 0, id="i"), 'RX\n("i")', 'RX\n(0.30,"i")'),
    (lambda: qml.SWAP([0, 1], id="i"), 'SWAP("i")', 'SWAP("i")'),
    (lambda: qml.QFT(wires=[0, 1], id="i"), 'QFT("i")', 'QFT("i")'),
])
def test_labels_with_ids(quiet, make, label, label2):
    op = make()
    assert op.label() == label
    assert op.label(decimals=2) == label2


# --- a gradient transform's tapes keep an operator of fixed data (PennyLane's expansion) ---

def _prepared(x, w):
    qml.StatePrep(pnp.array([0.6, 0.0, 0.8, 0.0], requires_grad=False), wires=(0, 1))
    qml.RX(x, wires=1)
    qml.StronglyEntanglingLayers(w, wires=[0, 1])
    return qml.expval(qml.Z(1))


def test_gradient_tapes_keep_a_fixed_state_preparation():
    c = qml.QNode(_prepared, qml.device("default.qubit", wires=2))
    x = pnp.array(0.4, requires_grad=True)
    w = pnp.array([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]], requires_grad=True)
    parts = qml.draw(qml.gradients.param_shift(c))(x, w).split("\n\n")
    # PennyLane 0.45.1: 14 tapes (two per trainable angle), the state preparation kept as
    # |Ψ⟩ (qsym drew its gates, ╭●─╭●, in place of the box); the first and the last tape:
    assert len(parts) == 14
    assert parts[0] == (
        "0: ─╭|Ψ⟩──Rot(0.10,0.20,0.30)──────────────────────╭●─╭X─┤     \n"
        "1: ─╰|Ψ⟩──RX(1.97)─────────────Rot(0.40,0.50,0.60)─╰X─╰●─┤  <Z>")
    assert parts[-1] == (
        "0: ─╭|Ψ⟩──Rot(0.10,0.20,0.30)───────────────────────╭●─╭X─┤     \n"
        "1: ─╰|Ψ⟩──RX(0.40)─────────────Rot(0.40,0.50,-0.97)─╰X─╰●─┤  <Z>")
    # the same derivatives as qsym's exact Jacobian (a second method)
    gx, gw = qml.gradients.param_shift(c)(x, w)
    jx, jw = qml.jacobian(c)(x, w)
    assert abs(gx - jx) < 1e-12 and pnp.allclose(gw, jw, atol=1e-12, rtol=0)


# --- qml.draw's levels past the user's transforms (PennyLane's whole pipeline) ------------

def _levels_circuit(w, x):
    qml.BasicEntanglerLayers(w, wires=[0, 1])
    qml.Hadamard(2)
    qml.Hadamard(2)
    qml.Permute([2, 0, 1], wires=[0, 1, 2])
    qml.RY(x, wires=2)
    return qml.expval(qml.Z(0) @ qml.Z(2))


# PennyLane 0.45.1's drawings, qml.draw(c, level=...)(w, x) (show_matrices left on)
_USER = ("0: ─╭BasicEntanglerLayers(M0)─╭Permute───────────┤ ╭<Z@Z>\n"
         "1: ─╰BasicEntanglerLayers(M0)─├Permute───────────┤ │     \n"
         "2: ───────────────────────────╰Permute──RY(0.50)─┤ ╰<Z@Z>\n\n"
         "M0 = \n[[0.3 0.4]]")
_GRADIENT = ("0: ──RX(0.30)─╭●─╭Permute───────────┤ ╭<Z@Z>\n"
             "1: ──RX(0.40)─╰X─├Permute───────────┤ │     \n"
             "2: ──────────────╰Permute──RY(0.50)─┤ ╰<Z@Z>")
_DEVICE = ("0: ──RX(0.30)─╭●─╭SWAP─────────────────┤ ╭<Z@Z>\n"
           "1: ──RX(0.40)─╰X─│─────╭SWAP───────────┤ │     \n"
           "2: ──────────────╰SWAP─╰SWAP──RY(0.50)─┤ ╰<Z@Z>")


@pytest.mark.parametrize("level, expected", [
    ("user", _USER), (1, _USER), ("gradient", _GRADIENT), (2, _GRADIENT),
    (4, _DEVICE), (5, _DEVICE), (7, _DEVICE), ("device", _DEVICE)])
def test_draw_levels_past_the_user_transforms(level, expected):
    # (qsym drew the user's tape at every level past the one transform: the template boxed)
    c = qml.transforms.cancel_inverses(qml.QNode(
        _levels_circuit, qml.device("default.qubit", wires=3), diff_method="parameter-shift"))
    w = pnp.array([[0.3, 0.4]], requires_grad=True)
    assert qml.draw(c, level=level)(w, pnp.array(0.5, requires_grad=True)) == expected


@pytest.mark.parametrize("method, expected", [
    # PennyLane 0.45.1: the default level "gradient" opens the trainable template of a
    # parameter-shift QNode (its method's expansion), not the fixed one; backprop keeps both
    ("backprop", "0: ─╭BasicEntanglerLayers(M0)─╭BasicEntanglerLayers(M1)─┤ ╭Probs\n"
                 "1: ─╰BasicEntanglerLayers(M0)─╰BasicEntanglerLayers(M1)─┤ ╰Probs\n\n"
                 "M0 = \n[[0.3 0.4]]\nM1 = \n[[0.1 0.2]]"),
    ("parameter-shift", "0: ──RX(0.30)─╭●─╭BasicEntanglerLayers(M0)─┤ ╭Probs\n"
                        "1: ──RX(0.40)─╰X─╰BasicEntanglerLayers(M0)─┤ ╰Probs\n\n"
                        "M0 = \n[[0.1 0.2]]"),
])
def test_default_draw_level_is_after_the_gradient_expansion(method, expected):
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method=method)
    def c(w, v):
        qml.BasicEntanglerLayers(w, wires=[0, 1])
        qml.BasicEntanglerLayers(v, wires=[0, 1])
        return qml.probs(wires=[0, 1])

    w = pnp.array([[0.3, 0.4]], requires_grad=True)
    assert qml.draw(c)(w, pnp.array([[0.1, 0.2]], requires_grad=False)) == expected


@pytest.mark.parametrize("method, expansion", [
    ("finite-diff", "_expand_transform_finite_diff"), ("spsa", "_expand_transform_spsa")])
def test_finite_diff_and_spsa_have_pennylane_expansions(method, expansion):
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method=method)
    def c(w, x):
        qml.StronglyEntanglingLayers(w, wires=[0, 1])
        qml.RY(x, 0)
        return qml.expval(qml.Z(0) + 0.5 * qml.X(1))

    w = pnp.array(pnp.arange(6.0).reshape(1, 2, 3) / 7, requires_grad=True)
    x = pnp.array(0.5, requires_grad=True)
    # PennyLane 0.45.1: the method's expand_transform is the "gradient" level (qsym had
    # none for finite_diff and spsa_grad: the template stayed whole there)
    assert getattr(qml.gradients, "finite_diff" if method == "finite-diff"
                   else "spsa_grad").expand_transform.__name__ == expansion
    pipeline = qml.workflow.get_compile_pipeline(c, "gradient")(w, x)
    assert [t.tape_transform.__name__ for t in pipeline] == [expansion]
    (tape,), _ = qml.workflow.construct_batch(c, level="gradient")(w, x)
    assert [op.name for op in tape.operations] == ["Rot", "Rot", "CNOT", "CNOT", "RY"]
    # PennyLane 0.45.1, qml.draw(c)(w, x)
    assert qml.draw(c)(w, x) == (
        "0: ──Rot(0.00,0.14,0.29)─╭●─╭X──RY(0.50)─┤ ╭<𝓗(0.50)>\n"
        "1: ──Rot(0.43,0.57,0.71)─╰X─╰●───────────┤ ╰<𝓗(0.50)>")
