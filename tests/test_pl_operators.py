"""PennyLane's operator interface on qsym's gates (issue #18): ``qml.equal`` /
``qml.assert_equal``, ``op.adjoint()``, ``op.pow(z)``, ``op.decomposition()``,
``op.generator()`` / ``qml.generator``, ``op.eigvals()``, ``op.label()``,
``op.parameter_frequencies``, ``op.matrix(wire_order=...)``, ``op == op``.

Expected values are independent of the code under test: PennyLane 0.45's documented
semantics (its docstrings' examples), hand-written matrices, and identities checked in
NumPy (a decomposition's product is the gate's matrix, ``exp(i t G)`` is ``U(t)``, the
adjoint is the conjugate transpose, the power is the matrix power).
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym._gates import GATES
from qsym._opmath import DECOMPOSITIONS

I2 = onp.eye(2)
X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0, -1.0]).astype(complex)


def _rx(t):
    return onp.cos(t / 2) * I2 - 1j * onp.sin(t / 2) * X


def _gate(name, params=None):
    """A gate of the table with generic parameters, on wires 0..k-1 (3 for any-wire gates)."""
    row = GATES[name]
    k = row.num_wires or 3
    params = params if params is not None else [0.3 + 0.2 * i for i in range(row.num_params)]
    hyper = {}
    if name == "PauliRot":
        hyper = {"pauli_word": "XYZ"}
    elif name == "PCPhase":
        hyper = {"dim": 3}
    elif name == "QubitUnitary":
        return None
    return getattr(qml, name)(*params, wires=list(range(k)), **hyper)


def _product(ops, wires):
    """The matrix of gates applied in order, on ``wires`` (GlobalPhase() is a scalar)."""
    U = onp.eye(2 ** len(wires), dtype=complex)
    for g in ops:
        if not g.wires:
            U = onp.exp(-1j * float(g.params[0])) * U
        else:
            U = qml.matrix(g, wire_order=wires) @ U
    return U


def _expm_hermitian(H, t):
    """``exp(i t H)`` of a Hermitian matrix by its eigendecomposition (no scipy)."""
    w, v = onp.linalg.eigh(H)
    return (v * onp.exp(1j * t * w)) @ v.conj().T


# --- qml.equal / qml.assert_equal -------------------------------------------------------------
def test_equal_gates_as_pennylane_documents():
    # PennyLane's docstring: RX(.12) vs RY(1.23) -> (True, False)
    op1, op2 = qml.RX(onp.array(0.12), wires=0), qml.RY(onp.array(1.23), wires=0)
    assert (qml.equal(op1, op1), qml.equal(op1, op2)) == (True, False)
    assert qml.equal(qml.RX(0.1, wires=0), qml.RX(0.1 + 1e-12, wires=0))
    assert not qml.equal(qml.RX(0.1, wires=0), qml.RX(0.1, wires=1))
    assert not qml.equal(qml.RX(1.2, wires=0), qml.RX(1.2 + 1e-6, wires=0), rtol=0, atol=1e-7)
    assert qml.equal(qml.RX(1.2, wires=0), qml.RX(1.2 + 1e-6, wires=0), rtol=0, atol=1e-5)
    assert qml.equal(qml.Identity(0), qml.Identity(1))  # all identities are equal
    assert not qml.equal(qml.CNOT(wires=[0, 1]), qml.CNOT(wires=[1, 0]))


def test_equal_checks_trainability_unless_told_not_to():
    # PennyLane's docstring: requires_grad True vs False differ unless check_trainability=False
    op3 = qml.RX(np.array(1.2, requires_grad=True), wires=0)
    op4 = qml.RX(np.array(1.2, requires_grad=False), wires=0)
    assert not qml.equal(op3, op4)
    assert qml.equal(op3, op4, check_trainability=False)


def test_equal_observables_term_by_term():
    # PennyLane's docstring: X(0) @ Y(1) == Y(1) @ X(0) != X(1) @ Y(0)
    assert qml.equal(qml.X(0) @ qml.Y(1), qml.Y(1) @ qml.X(0))
    assert not qml.equal(qml.X(0) @ qml.Y(1), qml.X(1) @ qml.Y(0))
    H1 = qml.Hamiltonian([0.5, 0.5], [qml.Z(0) @ qml.Y(1), qml.Y(1) @ qml.Z(0) @ qml.Identity("a")])
    H2 = qml.Hamiltonian([1], [qml.Z(0) @ qml.Y(1)])
    H3 = qml.Hamiltonian([2], [qml.Z(0) @ qml.Y(1)])
    assert (qml.equal(H1, H2), qml.equal(H1, H3)) == (True, False)
    assert qml.equal(qml.sum(qml.X(0), qml.Z(1)), qml.sum(qml.Z(1), qml.X(0)))
    assert not qml.equal(qml.X(0), qml.Hamiltonian([1.0], [qml.X(0)]))  # a gate, a sum


def test_equal_measurements():
    assert qml.equal(qml.expval(qml.X(0)), qml.expval(qml.X(0)))
    assert not qml.equal(qml.expval(qml.X(0)), qml.var(qml.X(0)))
    assert not qml.equal(qml.probs(wires=(0, 1)), qml.probs(wires=(1, 2)))


def test_assert_equal_raises_with_the_reason():
    qml.assert_equal(qml.RX(0.12, wires=0), qml.RX(0.12, wires=0))
    with pytest.raises(AssertionError, match="op1 and op2 have different data"):
        qml.assert_equal(qml.RX(0.12, wires=0), qml.RX(1.23, wires=0))
    with pytest.raises(AssertionError, match="different wires"):
        qml.assert_equal(qml.RX(0.12, wires=0), qml.RX(0.12, wires=1))
    with pytest.raises(AssertionError, match="different types"):
        qml.assert_equal(qml.RX(0.12, wires=0), qml.RY(0.12, wires=0))
    # PennyLane's docstring: different scalars of a Hamiltonian
    h1 = qml.Hamiltonian([1, 2], [qml.PauliX(0), qml.PauliY(1)])
    h2 = qml.Hamiltonian([1, 1], [qml.PauliX(0), qml.PauliY(1)])
    with pytest.raises(AssertionError, match="different scalars. Got 2 and 1"):
        qml.assert_equal(h1, h2)


def test_gates_compare_and_hash_by_value():
    assert qml.RX(0.1, wires=0) == qml.RX(0.1, wires=0)
    assert qml.RX(0.1, wires=0) != qml.RX(0.2, wires=0)
    assert qml.RX(0.1, wires=0) != "RX"
    assert len({qml.CNOT(wires=[0, 1]), qml.CNOT(wires=[0, 1]), qml.CNOT(wires=[1, 0])}) == 2


# --- methods ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DECOMPOSITIONS))
def test_decomposition_multiplies_to_the_gate(name):
    op = _gate(name)
    wires = list(op.wires)
    assert op.has_decomposition
    assert onp.allclose(_product(op.decomposition(), wires), op.matrix())


def test_decomposition_is_pennylanes():
    # PennyLane's Rot.compute_decomposition: RZ(phi) RY(theta) RZ(omega)
    assert qml.Rot(0.1, 0.2, 0.3, wires=0).decomposition() == [
        qml.RZ(0.1, wires=0), qml.RY(0.2, wires=0), qml.RZ(0.3, wires=0)]
    assert qml.SWAP(wires=[0, 1]).decomposition() == [
        qml.CNOT(wires=[0, 1]), qml.CNOT(wires=[1, 0]), qml.CNOT(wires=[0, 1])]
    assert not qml.RX(0.1, wires=0).has_decomposition
    with pytest.raises(qml.GateError, match="RX has no decomposition"):
        qml.RX(0.1, wires=0).decomposition()


def test_decomposition_inside_a_circuit_applies_its_gates():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.CRX(x, wires=[0, 1]).decomposition()
        return qml.expval(qml.Z(1))

    @qml.qnode(dev)
    def direct(x):
        qml.CRX(x, wires=[0, 1])
        return qml.expval(qml.Z(1))

    x = np.array(0.7)
    assert onp.isclose(circuit(x), direct(x))  # the control is |0>: 1
    assert onp.isclose(qml.grad(circuit)(x), qml.grad(direct)(x))


_PARAMETRIC = sorted(n for n, r in GATES.items() if r.num_params and n != "QubitUnitary")


@pytest.mark.parametrize("name", _PARAMETRIC)
def test_adjoint_is_the_conjugate_transpose(name):
    op = _gate(name)
    assert onp.allclose(op.adjoint().matrix(), op.matrix().conj().T)


@pytest.mark.parametrize("name", sorted(n for n in _PARAMETRIC if GATES[n].generator is not None
                                        and GATES[n].num_params == 1))
def test_generator_exponentiates_to_the_gate(name):
    # PennyLane's convention: U(t) = exp(i t G)
    t = 0.37
    op = _gate(name, [t])
    G = qml.matrix(op.generator(), wire_order=list(op.wires))
    assert op.has_generator
    assert onp.allclose(_expm_hermitian(G, t), op.matrix())
    obs, pref = qml.generator(op)
    assert onp.allclose(pref * qml.matrix(obs, wire_order=list(op.wires)), G)


def test_generator_values_as_pennylane_documents():
    obs, pref = qml.generator(qml.RX(0.3, wires=0))
    assert isinstance(obs, qml.PauliX) and pref == -0.5
    assert not qml.Rot(0.1, 0.2, 0.3, wires=0).has_generator
    with pytest.raises(qml.GateError, match="Operation Rot does not have a generator"):
        qml.Rot(0.1, 0.2, 0.3, wires=0).generator()


@pytest.mark.parametrize("name", ["RX", "RZ", "PhaseShift", "IsingXX", "CRY", "PauliRot"])
@pytest.mark.parametrize("z", [2, 3, 0.5])
def test_pow_of_a_rotation_is_the_rotation_by_z_t(name, z):
    op = _gate(name, [0.4])
    (p,) = op.pow(z)
    # a rotation exp(-i t G) to the z: exp(-i z t G), by the eigendecomposition of U
    w, v = onp.linalg.eig(op.matrix())
    expected = (v * onp.exp(1j * z * onp.angle(w))) @ onp.linalg.inv(v)
    assert onp.allclose(p.matrix(), expected)


@pytest.mark.parametrize("name,z,expected", [
    ("PauliZ", 0.5, ["S"]), ("PauliZ", 0.25, ["T"]), ("PauliZ", 2, []), ("S", 0.5, ["T"]),
    ("S", 2, ["PauliZ"]), ("T", 2, ["S"]), ("T", 4, ["PauliZ"]), ("PauliX", 0.5, ["SX"]),
    ("PauliX", 3, ["PauliX"]), ("Hadamard", 2, []), ("CNOT", 5, ["CNOT"]), ("SX", 2, ["PauliX"]),
    ("SX", 3, ["SX", "SX", "SX"]), ("ISWAP", 2, ["PauliZ", "PauliZ"]),
])
def test_pow_of_constant_gates_as_pennylane(name, z, expected):
    op = _gate(name)
    ops = op.pow(z)
    assert [g.name for g in ops] == expected
    M = op.matrix()
    if float(z).is_integer():
        assert onp.allclose(_product(ops, list(op.wires)), onp.linalg.matrix_power(M, int(z)))


def test_pow_undefined_raises():
    with pytest.raises(qml.GateError, match="not defined"):
        qml.Hadamard(0).pow(0.5)


def test_parameter_frequencies_as_pennylane():
    # PennyLane's values: RX (1,), CRX (0.5, 1), Rot one frequency per parameter
    assert qml.RX(0.1, wires=0).parameter_frequencies == [(1.0,)]
    assert qml.CRX(0.1, wires=[0, 1]).parameter_frequencies == [(0.5, 1.0)]
    assert qml.Rot(0.1, 0.2, 0.3, wires=0).parameter_frequencies == [(1.0,)] * 3
    assert qml.RX(0.1, wires=0).grad_recipe == [None]
    assert qml.RX(0.1, wires=0).grad_method == "A" and qml.CNOT([0, 1]).grad_method is None


def test_eigvals_and_labels():
    assert onp.allclose(qml.PauliZ(0).eigvals(), [1, -1])
    assert onp.allclose(sorted(qml.PauliX(0).eigvals()), [-1, 1])
    assert onp.allclose(qml.RZ(0.4, wires=0).eigvals(), onp.exp([-0.2j, 0.2j]))
    # PennyLane's Operator.label docstring
    assert qml.RX(1.23456, wires=0).label() == "RX"
    assert qml.RX(1.23456, wires=0).label(decimals=2) == "RX\n(1.23)"
    assert qml.RX(1.23456, wires=0).label(base_label="my_label") == "my_label"
    assert qml.RX(1.23456, wires=0).label(decimals=2, base_label="my_label") == "my_label\n(1.23)"
    cache = {"matrices": []}
    assert qml.QubitUnitary(onp.eye(2), wires=0).label(cache=cache) == "U\n(M0)"
    assert qml.QubitUnitary(onp.eye(4), wires=(0, 1)).label(cache=cache) == "U\n(M1)"
    assert [qml.Hadamard(0).label(), qml.CNOT([0, 1]).label(), qml.PhaseShift(0.1, 0).label()] \
        == ["H", "X", "Rϕ"]


def test_matrix_on_a_wire_order():
    # PauliX on wire 1 of [0, 1] is I (x) X; on [1, 0], X (x) I
    assert onp.allclose(qml.PauliX(1).matrix(wire_order=[0, 1]), onp.kron(I2, X))
    assert onp.allclose(qml.PauliX(1).matrix(wire_order=[1, 0]), onp.kron(X, I2))
    assert onp.allclose(qml.matrix(qml.RX(0.3, wires="a"), wire_order=["b", "a"]),
                        onp.kron(I2, _rx(0.3)))


def test_attributes_tests_read():
    op = qml.RX(0.1, wires=0)
    assert op.has_matrix and op.has_sparse_matrix and op.has_adjoint  # PennyLane 0.45's RX
    assert not qml.PhaseShift(0.1, wires=0).has_sparse_matrix and qml.CNOT.has_sparse_matrix
    assert op.arithmetic_depth == 0 and op.num_params == 1 and op.batch_size is None
    assert qml.RX(onp.array([0.1, 0.2]), wires=0).batch_size == 2
    assert qml.PauliX(0).has_diagonalizing_gates and not op.has_diagonalizing_gates
    assert qml.CNOT(wires=[0, 1]).map_wires({0: "a"}) == qml.CNOT(wires=["a", 1])
    assert op.simplify() is op


# --- qml.pow, aliases, keywords -----------------------------------------------------------------
def test_qml_pow_is_the_matrix_power():
    for op, z in [(qml.RX(0.5, wires=0), 2), (qml.S(0), 2), (qml.T(0), 3), (qml.SISWAP([0, 1]), 2),
                  (qml.Hadamard(0), 2), (qml.CNOT([0, 1]), 3)]:
        p = qml.pow(op, z)
        wires = list(op.wires)
        M = onp.linalg.matrix_power(qml.matrix(op), z)
        got = _product(p if isinstance(p, list) else [p], wires)
        assert onp.allclose(got, M), (op, z)
    # a fractional power of a constant gate: its square is the gate
    r = qml.pow(qml.ECR(wires=[0, 1]), 0.5)
    assert onp.allclose(qml.matrix(r) @ qml.matrix(r), qml.matrix(qml.ECR(wires=[0, 1])))


def test_pow_in_a_circuit_replaces_its_base():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.pow(qml.RX(x, wires=0), 2)
        return qml.expval(qml.Z(0))

    x = np.array(0.3)
    assert onp.isclose(circuit(x), onp.cos(2 * 0.3))
    assert onp.isclose(qml.grad(circuit)(x), -2 * onp.sin(2 * 0.3))


def test_pennylane_aliases_and_ignored_keywords():
    assert qml.CPhase is qml.ControlledPhaseShift and qml.SQISW is qml.SISWAP
    assert qml.ops.CPhase is qml.ControlledPhaseShift
    op = qml.MultiControlledX(wires=[0, 1, 2], work_wires=[3], work_wire_type="zeroed")
    toffoli = onp.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]]  # |110> <-> |111>
    assert onp.allclose(op.matrix(), toffoli)
    with pytest.raises(ValueError, match="work_wire_type must be either"):  # PennyLane's
        qml.MultiControlledX(wires=[0, 1, 2], work_wires=[3], work_wire_type="clean")


def test_pauli_rot_decomposition_as_pennylane_documents():
    # PennyLane's PauliRot.compute_decomposition docstring
    ops = qml.PauliRot.compute_decomposition(1.2, wires=[0, 1], pauli_word="XY")
    assert [repr(o) for o in ops] == ["H(0)", "RX(1.5707963267948966, wires=[1])",
                                      "MultiRZ(1.2, wires=[0, 1])", "H(0)",
                                      "RX(-1.5707963267948966, wires=[1])"]
    for word in ("XIZ", "YZY", "IIX"):
        op = qml.PauliRot(0.7, word, wires=[0, 1, 2])
        assert onp.allclose(_product(op.decomposition(), [0, 1, 2]), op.matrix())


def test_compute_methods_take_pennylanes_positional_hyperparameters():
    P = onp.kron(X, Y)
    assert onp.allclose(qml.PauliRot.compute_matrix(0.3, "XY"),
                        onp.cos(0.15) * onp.eye(4) - 1j * onp.sin(0.15) * P)
    assert onp.allclose(qml.MultiRZ.compute_matrix(0.3, 2),
                        onp.diag(onp.exp(-0.15j * onp.array([1, -1, -1, 1]))))
    # eigenvalues of IsingXY: exp(+-i t/2) on the |01>, |10> block and 1, 1
    ev = qml.IsingXY.compute_eigvals(0.3)
    def key(v):
        return (round(v.real, 9), round(v.imag, 9))
    assert onp.allclose(sorted(ev, key=key), sorted([1, 1, onp.exp(0.15j), onp.exp(-0.15j)], key=key))
    batch = qml.RX(onp.array([0.1, 0.2]), wires=0)
    assert onp.allclose(batch.data[0], [0.1, 0.2])
    assert onp.allclose(batch.pow(2)[0].matrix(), onp.stack([_rx(0.2), _rx(0.4)]))
    assert qml.equal(qml.simplify(qml.X(0) + qml.X(0)), 2 * qml.X(0))


def test_tape_and_queue_for_inspection():
    with qml.queuing.AnnotatedQueue() as q:
        qml.AngleEmbedding([0.1, 0.2], wires=[0, 1])
    tape = qml.tape.QuantumScript.from_queue(q)
    # PennyLane 0.45.1 queues the template as one operator: [AngleEmbedding(...)]
    assert [op.name for op in tape.operations] == ["AngleEmbedding"]
    assert [op.name for op in tape.operations[0].decomposition()] == ["RX", "RX"]
    assert list(tape.wires) == [0, 1]
    script = qml.tape.QuantumScript(qml.Rot(0.1, 0.2, 0.3, wires=0).decomposition())
    assert [op.name for op in script.operations] == ["RZ", "RY", "RZ"]
    assert isinstance(qml.RX(0.1, 0), qml.operation.Operator)
    # PennyLane 0.45's deprecated qml.tape.expand_tape: tape.expand as a function
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning):
        assert [op.name for op in qml.tape.expand_tape(script).operations] == ["RZ", "RY", "RZ"]


def test_numpy_random_generator_is_a_numpy_generator():
    # PennyLane's np.random.default_rng: a Generator subclass; a Generator passes through
    rng = np.random.default_rng(42)
    assert isinstance(rng, np.random.Generator) and isinstance(rng, onp.random.Generator)
    assert np.random.default_rng(rng) is rng
    draw = rng.random(3)
    assert isinstance(draw, np.tensor) and draw.requires_grad
    assert onp.allclose(np.random.default_rng(42).random(3), onp.random.default_rng(42).random(3))
    bitgen = onp.random.MT19937(5)
    assert np.random.default_rng(bitgen).bit_generator is bitgen


# --- qml.Hermitian and qml.Projector as PennyLane's classes ------------------------------
@pytest.mark.parametrize("op, label", [
    (lambda: qml.Hermitian(onp.eye(2), wires=1), "𝓗"),
    (lambda: qml.Projector([1, 0, 1], wires=(0, 1, 2)), "|101⟩⟨101|"),
    (lambda: qml.Projector([1, 0, 0, 0], wires=(0, 1)), "|00⟩⟨00|"),
    (lambda: qml.Projector([0.5, 0.5, 0.5, 0.5], wires=(0, 1)), "P"),
])
def test_matrix_observable_labels_are_pennylanes(op, label):
    op = op()
    assert op.label() == label and op.label(decimals=5) == label
    assert op.label(base_label="obs") == "obs"


def test_matrix_observable_label_caches():
    h = qml.Hermitian(X, wires=0)
    cache = {"matrices": [Z]}
    assert h.label(cache=cache) == "𝓗\n(M1)" and len(cache["matrices"]) == 2
    cache = {"matrices": [Z, Y, X]}
    assert h.label(cache=cache) == "𝓗\n(M2)" and len(cache["matrices"]) == 3
    p = qml.Projector(onp.array([1, 1]) / onp.sqrt(2), wires=0)
    assert p.label(cache={}) == "P" and p.label(cache={"matrices": 0}) == "P"
    cache = {"matrices": []}
    assert p.label(cache=cache) == "P(M0)" and onp.allclose(cache["matrices"][0], p.parameters[0])


def test_matrix_observables_keep_what_was_written():
    A = onp.array([[2.0, 1j], [-1j, 0.0]])
    h = qml.Hermitian(A, wires="a")
    assert isinstance(h, qml.Hermitian) and h.name == "Hermitian"
    assert h.num_params == 1 and h.num_wires == 1 and list(h.wires) == ["a"]
    assert onp.array_equal(h.parameters[0], A) and onp.array_equal(h.data[0], A)
    assert onp.array_equal(qml.Hermitian.compute_matrix(A), A)
    onp.testing.assert_allclose(h.matrix(), A, atol=1e-15)
    # an observable that is the identity on its wire still acts on that wire
    e = qml.Hermitian(onp.eye(2), wires=1)
    assert list(e.wires) == [1] and e.matrix().shape == (2, 2)
    b, s = qml.Projector([0, 1], wires=[0, 1]), qml.Projector(onp.array([1, 0, 0, 1]) / onp.sqrt(2), wires=[0, 1])
    assert isinstance(b, qml.Projector) and isinstance(s, qml.Projector) and type(b) is not type(s)
    assert b.name == s.name == "Projector"
    onp.testing.assert_allclose(b.matrix(), onp.diag([0, 1, 0, 0]), atol=1e-15)
    onp.testing.assert_allclose(s.matrix(), onp.outer([1, 0, 0, 1], [1, 0, 0, 1]) / 2, atol=1e-15)
    import copy
    import pickle
    for op in (h, b, s):
        for other in (pickle.loads(pickle.dumps(op)), copy.deepcopy(op)):
            assert type(other) is type(op) and other == op and list(other.wires) == list(op.wires)
    with pytest.raises(qml.errors.MeasurementError, match="0s and 1s"):
        qml.Projector([2, 0], wires=[0, 1])


def test_projector_values_and_gradient_by_hand():
    dev = qml.device("default.qubit", wires=2)
    bell = onp.array([1, 0, 0, 1]) / onp.sqrt(2)

    @qml.qnode(dev)
    def f(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Projector([1, 1], wires=[0, 1])), qml.expval(qml.Projector(bell, wires=[0, 1]))

    x = 0.7  # the state cos(x/2)|00> + sin(x/2)|11>
    onp.testing.assert_allclose(f(x), [onp.sin(x / 2) ** 2, (onp.cos(x / 2) + onp.sin(x / 2)) ** 2 / 2],
                                atol=1e-14)
    g = qml.jacobian(lambda t: qml.math.stack(f(t)))(np.array(x))
    onp.testing.assert_allclose(g, [onp.sin(x) / 2, onp.cos(x) / 2], atol=1e-12)


def test_pauli_word_and_wire_count_errors_in_pennylane_words():
    with pytest.raises(ValueError, match='The given Pauli word "IXV" contains characters'):
        qml.PauliRot(0.3, "IXV", wires=[0, 1, 2])
    with pytest.raises(ValueError, match="Allowed characters are I, X, Y and Z"):
        qml.PauliRot.compute_matrix(0.3, "XV")
    with pytest.raises(ValueError, match="must be equal to the length of the Pauli word"):
        qml.PauliRot(0.3, "XYZ", wires=[0, 1])
    for make in (lambda: qml.PauliRot(0.5, "X", wires=[]), lambda: qml.MultiRZ(0.5, wires=[])):
        with pytest.raises(qml.WireError, match="wrong number of wires.*at least one wire"):
            make()


# --- MultiControlledX's checks, pauli_rep of constant gates, op._controlled, gate sets ------
@pytest.mark.parametrize("make, error, message", [
    (lambda: qml.MultiControlledX(wires=[0, 1, 2], control_values="01"), ValueError, "boolean or int"),
    (lambda: qml.MultiControlledX(wires=None, control_values=[1, 0]), ValueError, "Must specify the wires"),
    (lambda: qml.MultiControlledX(wires=[0, 1, 2], control_values=[0, 1, 0]), ValueError,
     "Length of control values must equal number of control wires"),
    (lambda: qml.MultiControlledX(wires=[1], control_values=[1]), ValueError,
     r"wrong number of wires. 1 wire\(s\) given. Need at least 2"),
    (lambda: qml.MultiControlledX.compute_decomposition((0,), control_values=[1]), ValueError,
     "Wrong number of wires"),
    (lambda: qml.MultiControlledX(wires=range(4), work_wires=range(2)), ValueError,
     "Work wires must be different"),
])
def test_multi_controlled_x_checks(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_multi_controlled_x_repr_and_decomposition():
    op = qml.MultiControlledX(wires=[0, 1, 2], control_values=[False, True])
    assert repr(op) == "MultiControlledX(wires=[0, 1, 2], control_values=[False, True])"
    toffoli = onp.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]]
    gates = qml.MultiControlledX.compute_decomposition((0, 1, 2))
    assert onp.allclose(qml.matrix(lambda: [qml.apply(g) for g in gates], wire_order=[0, 1, 2])(), toffoli)


SQRT_X = onp.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2
CONSTANT_GATES = [  # PennyLane's pauli_rep gates, their matrices written by hand
    (qml.S(7), onp.diag([1, 1j])), (qml.T("t"), onp.diag([1, onp.exp(1j * onp.pi / 4)])),
    (qml.SX(0), SQRT_X), (qml.SWAP([0, 1]), onp.eye(4)[[0, 2, 1, 3]]),
    (qml.ISWAP([0, 1]), onp.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])),
    (qml.ECR([-1, 1]), onp.array([[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]]) / onp.sqrt(2)),
    (qml.SISWAP(["a", "b"]), onp.array([[1, 0, 0, 0], [0, 1 / onp.sqrt(2), 1j / onp.sqrt(2), 0],
                                        [0, 1j / onp.sqrt(2), 1 / onp.sqrt(2), 0], [0, 0, 0, 1]])),
]


@pytest.mark.parametrize("op, m", CONSTANT_GATES)
def test_pauli_rep_of_constant_gates(op, m):
    assert op._pauli_rep is None  # computed when asked, as PennyLane's
    rep = op.pauli_rep
    assert op._pauli_rep is rep
    assert onp.allclose(qml.matrix(rep, wire_order=op.wires), m)
    assert qml.Hadamard(0).pauli_rep is None


def test_controlled_method_gives_pennylanes_gates():
    assert qml.equal(qml.PauliX(0)._controlled("a"), qml.CNOT(["a", 0]))
    assert qml.equal(qml.Hadamard(0)._controlled("a"), qml.CH(["a", 0]))
    assert qml.equal(qml.CZ(wires=[0, 1])._controlled("a"), qml.CCZ(["a", 0, 1]))
    assert qml.equal(qml.SWAP([0, 1])._controlled("a"), qml.CSWAP(["a", 0, 1]))
    # the gates are the controlled matrices: blocks of identity and the base
    H = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    ch = onp.eye(4, dtype=complex)
    ch[2:, 2:] = H
    assert onp.allclose(qml.matrix(qml.ctrl(qml.Hadamard(1), control=0)), ch)
    assert onp.allclose(qml.matrix(qml.ctrl(qml.CZ([1, 2]), control=0)), onp.diag([1] * 7 + [-1]))


def test_gate_sets_and_op_queue():
    from qsym.decomposition.gate_sets import CLIFFORD_T, ROTATIONS_PLUS_CNOT

    assert all(n in CLIFFORD_T for n in ("Hadamard", "T", "CNOT", "Adjoint(T)", "GlobalPhase"))
    assert CLIFFORD_T.name == "Clifford+T" and qml.gate_sets.CLIFFORD_T is CLIFFORD_T
    assert CLIFFORD_T.weights["GlobalPhase"] == 0.0 and "RX" in ROTATIONS_PLUS_CNOT
    tape = qml.tape.QuantumScript([qml.Toffoli([0, 1, 2])])
    [out], _ = qml.transforms.decompose(tape, gate_set=qml.gate_sets.CLIFFORD_T | {"PhaseShift"})
    assert all(op.name in CLIFFORD_T | {"PhaseShift"} for op in out.operations)
    assert onp.allclose(qml.matrix(out, wire_order=[0, 1, 2]), onp.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]])
    with qml.queuing.AnnotatedQueue() as q:
        for op in out.operations:
            op.queue()
    assert q.queue == out.operations


@pytest.mark.parametrize("op, kind", [  # the types PennyLane 0.45.1's op.generator() returns
    (qml.MultiRZ(0.1, wires=[0, 1]), "LinearCombination"), (qml.RX(0.2, 0), "LinearCombination"),
    (qml.PauliRot(0.2, "XY", wires=[0, 1]), "LinearCombination"),
    (qml.PhaseShift(0.3, wires=0), "BasisStateProjector"), (qml.U1(0.3, 0), "BasisStateProjector"),
    (qml.CPhaseShift01(0.1, wires=[0, 1]), "BasisStateProjector"),
    (qml.ControlledPhaseShift(0.2, wires=[0, 1]), "Prod"), (qml.CRY(0.3, wires=[0, 1]), "Prod"),
    (qml.PCPhase(0.1, 1, wires=[0, 1]), "Hermitian"),
])
def test_generator_types_are_pennylanes(op, kind):
    G = op.generator()
    assert type(G).__name__ == kind
    t = op.parameters[0]  # U(t) = exp(i t G), G's matrix exponentiated by hand
    assert onp.allclose(_expm_hermitian(qml.matrix(G, wire_order=list(op.wires)), t), op.matrix())


@pytest.mark.parametrize("make", [
    lambda t: qml.adjoint(qml.RY(t, wires=0)),
    lambda t: qml.adjoint(qml.IsingXX(t, wires=[0, 1])),
    lambda t: qml.adjoint(qml.PhaseShift(t, wires=0)),
    lambda t: qml.pow(qml.RX(t, wires=0), 3),
    lambda t: qml.pow(qml.CRZ(t, wires=[0, 1]), 0.5),
])
def test_generator_of_adjoint_and_pow_is_in_their_own_parameter(make):
    """qml.generator of Adjoint / Pow: G with dU/dt = i G U(t) in the operator's own
    parameter t (PennyLane's convention): checked by central differences of the matrix."""
    import numpy as onp

    t, h = 0.37, 1e-6
    op = make(t)
    wires = list(op.wires)
    U = qml.matrix(op, wire_order=wires)
    dU = (qml.matrix(make(t + h), wire_order=wires)
          - qml.matrix(make(t - h), wire_order=wires)) / (2 * h)
    G = qml.matrix(qml.generator(op, format="observable"), wire_order=wires)
    assert onp.allclose(dU, 1j * G @ U, atol=1e-7)


class _HamiltonianGenerated(qml.operation.Operation):
    num_params, num_wires = 1, 2

    def generator(self):
        w = self.wires
        return qml.Hamiltonian([0.5, -0.5], [qml.X(w[0]) @ qml.Identity(w[1]), qml.X(w[0]) @ qml.Y(w[1])])


def test_generator_prefactor_is_taken_from_the_generator_as_written():
    # PennyLane's format="prefactor" reads the generator's structure: a product's scalar,
    # a sum's common (absolute) coefficient, else 1 (a projector stays a projector)
    obs, p = qml.generator(qml.PhaseShift(0.3, wires=0))
    assert type(obs).__name__ == "BasisStateProjector" and p == 1.0
    obs, p = qml.generator(qml.CRX(0.3, wires=[0, 1]))
    assert isinstance(obs, qml.ops.Prod) and p == -0.5
    assert onp.allclose(qml.matrix(obs, wire_order=[0, 1]), onp.diag([0, 0, 1, 1]) @ onp.kron(
        onp.eye(2), [[0, 1], [1, 0]]))  # |1><1| (x) X
    obs, p = qml.generator(qml.IsingXY(0.3, wires=[0, 1]))
    assert isinstance(obs, qml.ops.Sum) and p == 0.25 and len(obs.operands) == 2
    obs, p = qml.generator(qml.PCPhase(0.2, dim=1, wires=[0, 1]))
    assert obs.name == "Hermitian" and p == 1.0
    obs, p = qml.generator(_HamiltonianGenerated)(0.5, wires=[0, 1])
    assert isinstance(obs, qml.ops.Sum) and p == 0.5
    first, second = obs.operands  # the signs stay in the sum
    assert isinstance(first, qml.ops.Prod) and isinstance(second, qml.ops.SProd) and second.scalar == -1
    # p * obs is the generator, whatever the form
    for op in (qml.CRY(0.1, wires=[1, 0]), qml.ControlledPhaseShift(0.2, wires=[0, 1]),
               qml.SingleExcitation(0.3, wires=[0, 1]), _HamiltonianGenerated(0.5, wires=[0, 1])):
        obs, p = qml.generator(op)
        assert onp.allclose(p * qml.matrix(obs, wire_order=[0, 1]),
                            qml.matrix(op.generator(), wire_order=[0, 1]))


def test_generator_prefactor_agrees_with_pennylane():
    pl = pytest.importorskip("pennylane")
    for name, args, wires in [("RX", (0.3,), [0]), ("CRX", (0.3,), [0, 1]), ("PhaseShift", (0.3,), [0]),
                              ("IsingXY", (0.3,), [0, 1]), ("MultiRZ", (0.3,), [0, 1, 2]),
                              ("ControlledPhaseShift", (0.3,), [0, 1]), ("PCPhase", (0.2, 1), [0, 1]),
                              ("SingleExcitationPlus", (0.3,), [0, 1]), ("CPhaseShift01", (0.3,), [0, 1])]:
        mine, p = qml.generator(getattr(qml, name)(*args, wires=wires))
        theirs, q = pl.generator(getattr(pl, name)(*args, wires=wires))
        assert onp.isclose(p, q) and type(mine).__name__ == type(theirs).__name__, name
        assert onp.allclose(qml.matrix(mine, wire_order=wires), pl.matrix(theirs, wire_order=wires)), name


# --- the fermionic gates: generators on the gate's wires, decompositions, powers -----------
_FERMIONIC = {"SingleExcitation": 2, "SingleExcitationPlus": 2, "SingleExcitationMinus": 2,
              "DoubleExcitation": 4, "DoubleExcitationPlus": 4, "DoubleExcitationMinus": 4,
              "OrbitalRotation": 4, "FermionicSWAP": 2}


def _expm_hermitian(H, t):
    """exp(i t H) of a Hermitian matrix by its eigenvectors (no qsym code)."""
    vals, vecs = onp.linalg.eigh(H)
    return (vecs * onp.exp(1j * t * vals)) @ vecs.conj().T


@pytest.mark.parametrize("name", sorted(_FERMIONIC))
def test_generator_is_on_the_gates_wires_in_order(name):
    # PennyLane's test: exp(i t G) with G = qml.matrix(qml.generator(op)), no wire order
    # given, is the gate: the generator's wires must be the gate's, in the gate's order
    wires = list(range(_FERMIONIC[name]))
    op = getattr(qml, name)(0.37, wires=wires)
    g = qml.generator(op, format="observable")
    assert list(g.wires) == wires
    assert onp.allclose(_expm_hermitian(qml.matrix(g), 0.37), op.matrix())


def test_fermionic_swap_by_hand():
    # FermionicSWAP(t): 1 on |00>, exp(i t) on |11>, exp(i t / 2) (cos(t/2), -i sin(t/2)) on
    # the |01>, |10> block; its generator 1/2 - (Z0 + Z1)/4 - (XX + YY)/4 (PennyLane's)
    t = 0.81
    c, s, e = onp.cos(t / 2), onp.sin(t / 2), onp.exp(1j * t / 2)
    want = onp.array([[1, 0, 0, 0], [0, e * c, -1j * e * s, 0], [0, -1j * e * s, e * c, 0],
                      [0, 0, 0, onp.exp(1j * t)]])
    op = qml.FermionicSWAP(t, wires=[0, 1])
    assert onp.allclose(op.matrix(), want)
    Z, X, Y, I2 = (onp.diag([1.0, -1.0]), onp.array([[0, 1], [1, 0]]),
                   onp.array([[0, -1j], [1j, 0]]), onp.eye(2))
    G = (0.5 * onp.eye(4) - 0.25 * (onp.kron(Z, I2) + onp.kron(I2, Z))
         - 0.25 * (onp.kron(X, X) + onp.kron(Y, Y)))
    assert onp.allclose(qml.matrix(qml.generator(op, format="observable")), G)
    assert onp.allclose(_expm_hermitian(G, t), want)
    # a power is the rotation by z t (PennyLane's pow of a gate with a generator)
    (p,) = op.pow(-0.6)
    assert p.name == "FermionicSWAP" and onp.isclose(p.data[0], -0.6 * t)


@pytest.mark.parametrize("name", ["SingleExcitation", "SingleExcitationPlus",
                                  "SingleExcitationMinus", "DoubleExcitation",
                                  "OrbitalRotation", "FermionicSWAP"])
def test_fermionic_gates_decompose_as_pennylanes(name):
    wires = ["a", 3, "c", 1][:_FERMIONIC[name]]
    op = getattr(qml, name)(-0.43, wires=wires)
    ops = op.decomposition()
    assert {w for o in ops for w in o.wires} <= set(wires)
    assert onp.allclose(_product(ops, wires), op.matrix())
    # the static form gives the same gates
    assert getattr(qml, name).compute_decomposition(-0.43, wires=wires) == ops


def test_hamiltonian_simplify_keeps_a_pauli_words_zero_sum_in_order():
    # PennyLane's LinearCombination.simplify of Pauli words: coefficients of equal words
    # summed, words in order of first appearance, a zero sum kept as a 0.0 term
    H = qml.Hamiltonian([0.5, 1.0, -1.0, 2.0], [qml.X(1), qml.Z(0) @ qml.Y(2), qml.Z(0) @ qml.Y(2),
                                               qml.X(1)])
    coeffs, ops = H.simplify().terms()
    assert coeffs == [2.5, 0.0]
    assert [repr(o) for o in ops] == ["X(1)", "Z(0) @ Y(2)"]
    # a word squared is the identity: Z(0) @ Z(0) merges with I
    coeffs, ops = qml.Hamiltonian([1.0, 2.0], [qml.Z(0) @ qml.Z(0), qml.Identity(0)]).simplify().terms()
    assert coeffs == [3.0] and ops[0].name == "Identity"
    # the simplified operator is the same matrix
    assert onp.allclose(qml.matrix(H.simplify(), wire_order=[0, 1, 2]),
                        qml.matrix(H, wire_order=[0, 1, 2]))


def test_linear_combination_flattens_with_its_grouping():
    # PennyLane's pytree protocol: data (coeffs, ops) as held, metadata (grouping_indices,)
    # hashable; unflattened, the same operator with the same groups
    H = qml.Hamiltonian([0.5, -1.0, 2.0], [qml.X(0), qml.Z(0), qml.X(1)], grouping_type="qwc")
    data, meta = H._flatten()
    assert hash(meta) is not None and meta[0] == H.grouping_indices
    assert list(data[0]) == [0.5, -1.0, 2.0] and data[1] == H.ops
    # X(0) and Z(0) do not commute qubit-wise: two groups, X(1) with one of them
    assert sorted(len(g) for g in H.grouping_indices) == [1, 2]
    again = type(H)._unflatten(data, meta)
    assert again.grouping_indices == H.grouping_indices
    assert onp.allclose(qml.matrix(again, wire_order=[0, 1]), qml.matrix(H, wire_order=[0, 1]))
    given = qml.ops.LinearCombination([1.0, 1.0], [qml.X(0), qml.X(1)], _grouping_indices=[[0], [1]])
    assert given.grouping_indices == [[0], [1]]  # as given, unchecked (PennyLane 0.45's)
    with pytest.raises(ValueError, match="cannot be specified at the same time"):
        qml.ops.LinearCombination([1.0], [qml.X(0)], _grouping_indices=[[0]], grouping_type="qwc")
