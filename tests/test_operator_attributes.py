"""PennyLane's operator attributes: ``Exp.decomposition()`` (the exponential of a table
gate's generator times an imaginary number is that gate, found by comparing matrices;
gates on exactly the base's wires first; one Pauli word otherwise a PauliRot),
``has_generator`` read on the class, ``basis`` (PennyLane 0.45's values, written here)."""

import numpy as onp
import pytest

import qsym as qml
from qsym._operations import GATE_CLASSES

GENERATED = [n for n, c in GATE_CLASSES.items() if c._row is not None and c.has_generator
             and n not in ("PauliRot", "PCPhase", "GlobalPhase", "OrbitalRotation")]


def test_has_generator_is_read_on_the_class():
    assert qml.RX.has_generator and qml.IsingZZ.has_generator and qml.MultiRZ.has_generator
    assert not qml.T.has_generator and not qml.Rot.has_generator and not qml.CNOT.has_generator
    assert qml.RX(0.1, wires=0).has_generator


@pytest.mark.parametrize("name", GENERATED)
def test_the_exponential_of_a_generator_decomposes_into_its_gate(name):
    cls = GATE_CLASSES[name]
    n = cls._row.num_wires or 3
    op = cls(1.23, wires=list(range(n)))
    try:
        gen = op.generator()
    except qml.errors.GateError:
        pytest.skip(f"{name}: no generator operator")
    [g] = qml.evolve(gen, coeff=-1.23).decomposition()
    # the gate's own matrix, from the table: the decomposition is the same unitary
    assert onp.allclose(g.matrix(wire_order=op.wires), op.matrix(), atol=1e-12)
    if name not in ("PhaseShift", "U1"):  # the same generator: either is PennyLane's answer
        assert g.name == name and onp.isclose(g.parameters[0], 1.23)


def test_pauli_words_without_a_gate_of_their_own_become_pauli_rotations():
    assert qml.exp(qml.Z(0) @ qml.Z(1), -0.25j).decomposition()[0].name == "IsingZZ"
    [r] = qml.exp(qml.X(0) @ qml.Y(1), -0.5j).decomposition()
    assert r.name == "PauliRot" and r.hyperparameters["pauli_word"] == "XY"
    X, Y = onp.array([[0, 1], [1, 0]]), onp.array([[0, -1j], [1j, 0]])
    expected = onp.cos(0.5) * onp.eye(4) - 1j * onp.sin(0.5) * onp.kron(X, Y)   # exp(-0.5i XY)
    assert onp.allclose(r.matrix(), expected)
    with pytest.raises(qml.exceptions.DecompositionUndefinedError, match="not defined"):
        qml.exp(qml.X(0) @ qml.Y(1), 0.5).decomposition()   # a real coefficient: not unitary


def test_basis_of_gates_and_of_adjoints_powers_and_controls():
    expected = {"RX": "X", "SX": "X", "CNOT": "X", "Toffoli": "X", "RY": "Y", "CY": "Y",
                "PhaseShift": "Z", "S": "Z", "T": "Z", "CZ": "Z", "CRZ": "Z", "CCZ": "Z",
                "Hadamard": None, "U1": None, "MultiRZ": None, "CSWAP": None}
    for name, basis in expected.items():
        cls = GATE_CLASSES[name]
        n = cls._row.num_wires or 2
        op = cls(*[0.1] * cls._row.num_params, wires=list(range(n)))
        assert op.basis == basis, name
    assert qml.adjoint(qml.SX(-1)).basis == "X" and qml.pow(qml.RY(0.2, wires=0), 3).basis == "Y"
    assert qml.ctrl(qml.PhaseShift(0.3, wires=1), control=0).basis == "Z"


def test_exp_generator_and_simplify():
    assert qml.exp(qml.X(0), 1j).has_generator and qml.exp(qml.X(0), 1j).generator() == qml.X(0)
    assert not qml.exp(qml.X(0), 2.0).has_generator
    assert not qml.exp(qml.RX(0.3, wires=0), 1j).has_generator   # not Hermitian
    with pytest.raises(qml.exceptions.GeneratorUndefinedError):
        qml.exp(qml.X(0), 0.01 + 2j).generator()
    e = qml.exp(qml.s_prod(2, qml.sum(qml.X(0), qml.X(0))), 3).simplify()   # 3 * 2 * 2 X
    assert e.base == qml.X(0) and e.coeff == 12


def test_exp_label_hermiticity_and_refusal_in_pennylanes_words():
    assert qml.exp(qml.RZ(1.234, wires=0), 5.678).label(decimals=2) == "Exp(5.68 RZ\n(1.23))"
    assert qml.exp(qml.Z(0), 2 + 3j).label(decimals=2) == "Exp(2.00+3.00j Z)"
    assert qml.exp(qml.X(0), -1.0).is_verified_hermitian
    assert not qml.exp(qml.X(0), 1 + 2j).is_verified_hermitian
    assert qml.exp(qml.X(0), 1j)._queue_category == "_ops"
    with pytest.raises(qml.exceptions.DecompositionUndefinedError, match="real coefficients"):
        qml.exp(qml.X(0), 1 + 0.5j).decomposition()
