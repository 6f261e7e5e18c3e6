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


# --- qml.ops.qubit.attributes, single_qubit_rot_angles, matrix_ops helpers (issue #18) ---

def _rot(phi, theta, omega):
    """Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi), written out."""
    rz = lambda a: onp.diag([onp.exp(-0.5j * a), onp.exp(0.5j * a)])  # noqa: E731
    c, s = onp.cos(theta / 2), onp.sin(theta / 2)
    return rz(omega) @ onp.array([[c, -s], [s, c]]) @ rz(phi)


def _equal_up_to_phase(a, b) -> bool:
    k = onp.argmax(onp.abs(b))
    phase = a.flat[k] / b.flat[k]
    return abs(abs(phase) - 1) < 1e-12 and onp.allclose(a, phase * b, atol=1e-12)


HAND = {  # hand-written matrices, independent of qsym's table
    "Hadamard": onp.array([[1, 1], [1, -1]]) / onp.sqrt(2),
    "PauliX": onp.array([[0, 1], [1, 0]]), "PauliY": onp.array([[0, -1j], [1j, 0]]),
    "PauliZ": onp.diag([1, -1]), "S": onp.diag([1, 1j]), "T": onp.diag([1, onp.exp(0.25j * onp.pi)]),
    "SX": 0.5 * onp.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_single_qubit_rot_angles_of_constant_gates(name):
    angles = getattr(qml, name)(wires=0).single_qubit_rot_angles()
    assert _equal_up_to_phase(_rot(*angles), HAND[name])


def test_single_qubit_rot_angles_of_rotations_and_their_adjoints():
    t = 0.37
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    hand = {"RX": onp.array([[c, -1j * s], [-1j * s, c]]), "RY": onp.array([[c, -s], [s, c]]),
            "RZ": onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)]),
            "PhaseShift": onp.diag([1, onp.exp(1j * t)])}
    for name, m in hand.items():
        op = getattr(qml, name)(t, wires=0)
        assert _equal_up_to_phase(_rot(*op.single_qubit_rot_angles()), m)
        assert _equal_up_to_phase(_rot(*qml.adjoint(op).single_qubit_rot_angles()), m.conj().T)
    assert qml.Rot(0.1, 0.2, 0.3, wires=0).single_qubit_rot_angles() == [0.1, 0.2, 0.3]
    # PennyLane's values, written here (its docstrings' closed forms)
    assert qml.Hadamard(0).single_qubit_rot_angles() == [onp.pi, onp.pi / 2, 0.0]


def test_single_qubit_rot_angles_of_other_gates_raise_not_implemented():
    with pytest.raises(NotImplementedError, match="U3 has no single_qubit_rot_angles"):
        qml.U3(0.1, 0.2, 0.3, wires=0).single_qubit_rot_angles()
    with pytest.raises(qml.errors.GateError, match="CNOT"):
        qml.CNOT([0, 1]).single_qubit_rot_angles()


def test_attribute_membership_and_addition():
    from qsym.ops.qubit.attributes import Attribute

    a = Attribute(["PauliX", "RZ"])
    assert qml.X(0) in a and qml.RZ in a and "RZ" in a
    assert qml.RX(0.1, 0) not in a and qml.RX not in a and 3 not in a and object() not in a
    assert qml.expval(qml.X(0)) not in a
    a.add(qml.RY)
    a.add(qml.PhaseShift(0.1, wires=0))
    a.add("CNOT")
    assert {"RY", "PhaseShift", "CNOT"} <= a and len(a) == 5
    for bad in (0, object()):
        with pytest.raises(TypeError, match="can be added to an attribute"):
            a.add(bad)
    assert len(a) == 5


def _matrix(name, wires):
    cls = getattr(qml, name)
    n = cls.num_params
    return qml.matrix(cls(*([0.37] * n), wires=wires)) if n else qml.matrix(cls(wires=wires))


def test_attribute_sets_hold_what_they_say():
    """Each set's claim checked on the matrices: self-inverse gates square to 1, diagonal
    gates are diagonal, symmetric gates are unchanged when their wires are reordered."""
    from itertools import permutations

    from qsym.ops.qubit import attributes as at

    for name in at.self_inverses:
        k = getattr(qml, name).num_wires
        m = _matrix(name, list(range(k)))
        assert onp.allclose(m @ m, onp.eye(2 ** k)), name
    for name in at.diagonal_in_z_basis - {"DiagonalQubitUnitary", "PCPhase", "MultiRZ"}:
        k = getattr(qml, name).num_wires
        m = _matrix(name, list(range(k)))
        assert onp.allclose(m, onp.diag(onp.diag(m))), name
    for name in at.symmetric_over_all_wires - {"SQISW", "MultiRZ", "Identity"}:
        k = getattr(qml, name).num_wires
        m = _matrix(name, list(range(k)))
        for p in permutations(range(k)):
            assert onp.allclose(qml.matrix(getattr(qml, name)(
                *([0.37] * getattr(qml, name).num_params), wires=list(p)), wire_order=range(k)), m)
    # the compilation passes read the same sets
    from qsym import _compilation

    assert _compilation.SELF_INVERSES is at.self_inverses


def test_walsh_hadamard_transform_is_the_hadamard_product():
    from functools import reduce

    from qsym.ops.qubit.matrix_ops import _walsh_hadamard_transform

    rng = onp.random.default_rng(7)
    for n in (1, 2, 3):
        h = reduce(onp.kron, [onp.array([[0.5, 0.5], [0.5, -0.5]])] * n)
        x = rng.random((4, 2 ** n))
        assert onp.allclose(_walsh_hadamard_transform(x[0]), h @ x[0])
        assert onp.allclose(_walsh_hadamard_transform(x, n=n), x @ h.T)
    with pytest.raises(qml.errors.ArgumentError, match="shape"):
        _walsh_hadamard_transform(onp.ones(3))


def test_fractional_matrix_power_and_udv():
    from qsym.ops.op_math.decompositions.unitary_decompositions import _compute_udv
    from qsym.ops.qubit.matrix_ops import fractional_matrix_power

    rng = onp.random.default_rng(3)
    q, _ = onp.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    r = fractional_matrix_power(q, 1 / 3)
    assert onp.allclose(r @ r @ r, q)
    # principal: every eigenvalue's phase divided by 3 lies in (-pi/3, pi/3]
    assert onp.all(onp.abs(onp.angle(onp.linalg.eigvals(r))) <= onp.pi / 3 + 1e-12)
    # a defective matrix (a Jordan block) has no eigenbasis: refused, not a wrong power
    # (its true square root is [[1, 0.5], [0, 1]]; the eigenvalue formula gave the identity)
    from qsym.errors import ArgumentError
    for jordan in ([[1, 1], [0, 1]], [[2, 1, 0], [0, 2, 1], [0, 0, 2]]):
        with pytest.raises(ArgumentError, match="eigenbasis"):
            fractional_matrix_power(jordan, 0.5)
    q2, _ = onp.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    u, d, v = _compute_udv(q, q2)
    assert onp.allclose(u @ onp.diag(d) @ v, q) and onp.allclose(u @ onp.diag(d.conj()) @ v, q2)


def test_a_gate_class_has_its_name_on_the_class():
    # PennyLane's controlled gates and Projector have ``name`` as a class attribute
    # (qml.CZ.name == "CZ"); qsym gives every gate class the name its instances have
    assert (qml.CZ.name, qml.CNOT.name, qml.Toffoli.name, qml.CRX.name) == (
        "CZ", "CNOT", "Toffoli", "CRX")
    assert qml.CPhase.name == "ControlledPhaseShift" == qml.CPhase(0.1, wires=[0, 1]).name
    assert qml.Projector.name == "Projector" and qml.Hermitian.name == "Hermitian"
    for name, cls in GATE_CLASSES.items():
        if cls._row is not None:
            assert cls.name == name, name

    class MyCNOT(qml.CNOT):  # a user's subclass of a gate: that gate's name, as its instances
        pass

    assert MyCNOT.name == "CNOT" == MyCNOT(wires=[0, 1]).name
    op = qml.RX(0.1, wires=0)
    op.name = "label"  # an instance's own name stays settable; the class's is unchanged
    assert op.name == "label" and qml.RX.name == "RX" and qml.RX(0.2, wires=0).name == "RX"
    op2 = qml.CZ(wires=[0, 1])
    op2._name = "mine"  # PennyLane's private attribute sets the name
    assert op2.name == "mine"


def test_grad_method_of_a_class_of_your_own_is_pennylanes_default():
    # "A" with a grad_recipe, parameter frequencies or a generator; "F" with none of them;
    # None without parameters; the table's gates with parameters: "A"
    class Bare(qml.operation.Operation):
        num_wires = 1

    class WithGenerator(qml.operation.Operation):
        num_wires = 1

        def generator(self):
            return qml.PauliX(self.wires)

    class WithRecipe(qml.operation.Operation):
        num_wires = 1
        grad_recipe = ([[0.5, 1, 0.1], [-0.5, 1, -0.1]],)

    class WithFrequencies(qml.operation.Operation):
        num_wires = 1
        parameter_frequencies = [(1,)]

    class NoParameters(qml.operation.Operation):
        num_wires = 1
        num_params = 0

    assert Bare(0.6, wires=0).grad_method == "F"
    assert [c(0.6, wires=0).grad_method for c in (WithGenerator, WithRecipe, WithFrequencies)] \
        == ["A", "A", "A"]
    assert NoParameters(wires=0).grad_method is None
    assert (qml.RX(0.1, 0).grad_method, qml.Hadamard(0).grad_method) == ("A", None)
