"""BasisRotation (Givens rotations of a single-particle basis change) and TrotterProduct's
PennyLane surface (Evolution entries, compute_decomposition, resources, refusals).

References are independent of the code under test: the one-particle block of a basis
rotation's matrix is the transpose of the unitary (second quantization: a_k^dagger goes to
sum_j U[j, k] a_j^dagger), hand-written 2x2 rotations, matrix exponentials; PennyLane itself
behind importorskip.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym._linalg import givens_decomposition


def random_unitary(n, real, seed):
    rng = onp.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + (0 if real else 1j * rng.normal(size=(n, n)))
    q, r = onp.linalg.qr(a)
    return q * (onp.sign(onp.diag(r).real) if real else 1)


def one_particle_block(m, n):
    """The rows and columns of the states with one wire set (wire 0 the leftmost bit)."""
    idx = [1 << (n - 1 - k) for k in range(n)]
    return m[onp.ix_(idx, idx)]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("real", [True, False])
def test_one_particle_block_is_the_transposed_unitary(n, real):
    u = random_unitary(n, real, seed=n)
    if real and onp.linalg.det(u) < 0:
        u[:, 1] = -u[:, 1]  # determinant +1 (the -1 case follows PennyLane's own phase)
    m = qml.BasisRotation(wires=range(n), unitary_matrix=u).matrix()
    block = one_particle_block(m, n)
    if real:
        # PennyLane's real path (SingleExcitation angles by arctan2) fixes the modes' signs
        # its own way: u.T up to a sign per mode, s_i s_j u[j, i]
        signs = onp.sign(block[0].real) * onp.sign(u.T[0])
        signs = signs * signs[0]
        assert onp.allclose(block, onp.outer(signs, signs) * u.T, atol=1e-10)
    else:
        assert onp.allclose(block, u.T, atol=1e-10)
    ops = qml.BasisRotation(wires=range(n), unitary_matrix=u).decomposition()
    assert {op.name for op in ops} <= {"PhaseShift", "SingleExcitation"}
    assert sum(op.name == "SingleExcitation" for op in ops) == n * (n - 1) // 2


def test_two_mode_rotation_by_hand():
    # SingleExcitation(phi) on |01>, |10>: [[cos(phi/2), -sin(phi/2)], [sin, cos]]; a real
    # rotation by theta is one such gate with phi = 2 theta, up to the transpose
    c, s = 0.6, 0.8
    u = onp.array([[c, -s], [s, c]])
    (op,) = qml.BasisRotation(wires=["a", "b"], unitary_matrix=u).decomposition()
    assert op.name == "SingleExcitation" and list(op.wires) == ["a", "b"]
    # theta = atan2(g01, g00) of the rotation zeroing u's corner: -2 atan2(s, c) here
    assert onp.isclose(op.parameters[0], -2 * onp.arctan2(s, c))
    assert onp.allclose(one_particle_block(op.matrix(), 2), u)


def test_givens_decomposition_rebuilds_the_matrix():
    # each rotation G on (i, j) acts on those rows; the product with the phases is U
    for real in (True, False):
        u = random_unitary(4, real, seed=11)
        phases, rotations = givens_decomposition(u)
        m = onp.diag(phases).astype(complex)
        for g, (i, j) in rotations:
            full = onp.eye(4, dtype=complex)
            full[onp.ix_([i, j], [i, j])] = g
            m = m @ full
        assert onp.allclose(m, u, atol=1e-10)


def test_state_in_a_circuit_and_the_data_is_not_trained():
    u = random_unitary(3, False, seed=7)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.BasisRotation(wires=range(3), unitary_matrix=u)
        return qml.expval(qml.Z(0))

    m = qml.BasisRotation(wires=range(3), unitary_matrix=u).matrix()
    z0 = onp.kron(onp.diag([1.0, -1.0]), onp.eye(4))
    rx = onp.kron(onp.array([[onp.cos(0.15), -1j * onp.sin(0.15)],
                             [-1j * onp.sin(0.15), onp.cos(0.15)]]), onp.eye(4))
    psi = m @ rx[:, 0]
    assert abs(circuit(0.3) - onp.vdot(psi, z0 @ psi).real) < 1e-10
    x, h = np.array(0.3, requires_grad=True), 1e-6
    assert abs(qml.grad(circuit)(x) - (circuit(0.3 + h) - circuit(0.3 - h)) / (2 * h)) < 1e-7


def test_basis_rotation_checks():
    u = random_unitary(3, False, seed=1)
    with pytest.raises(ValueError, match="The unitary matrix should be of shape NxN"):
        qml.BasisRotation(wires=[0, 1, 2], unitary_matrix=u[:2])
    with pytest.raises(ValueError, match="should be unitary"):
        qml.BasisRotation(wires=[0, 1, 2], unitary_matrix=2 * u, check=True)
    with pytest.raises(ValueError, match="at least two wires"):
        qml.BasisRotation(wires=[0], unitary_matrix=onp.eye(1))
    with pytest.raises(ValueError, match="one wire per mode"):
        qml.BasisRotation(wires=[0, 1], unitary_matrix=u)
    with pytest.raises(ValueError, match="should be unitary"):
        qml.BasisRotation.compute_decomposition(wires=[0, 1, 2], unitary_matrix=2 * u, check=True)
    ops = qml.BasisRotation.compute_decomposition(u, [0, 1, 2])
    assert [o.name for o in ops] == [o.name for o in qml.BasisRotation([0, 1, 2], u).decomposition()]
    assert [r.name for r in qml.list_decomps(qml.BasisRotation)] == ["_basis_rotation_rule"]


@pytest.mark.parametrize("real", [True, False])
def test_basis_rotation_agrees_with_pennylane(real):
    pl = pytest.importorskip("pennylane")
    for n, seed in ((3, 2), (4, 5)):
        u = random_unitary(n, real, seed)
        if real:
            u[:, 0] = -u[:, 0] if onp.linalg.det(u) > 0 else u[:, 0]  # determinant -1
        ours = qml.BasisRotation(wires=range(n), unitary_matrix=u).decomposition()
        theirs = pl.BasisRotation(wires=range(n), unitary_matrix=u).decomposition()
        assert [o.name for o in ours] == [o.name for o in theirs]
        assert all(list(a.wires) == list(b.wires) for a, b in zip(ours, theirs))
        assert onp.allclose([float(o.parameters[0]) for o in ours],
                            [float(o.parameters[0]) for o in theirs])


# --- TrotterProduct -----------------------------------------------------------------------


def test_trotter_entries_are_evolutions_of_the_terms():
    H = qml.dot([0.3, -0.5], [qml.X(0), qml.Z(0) @ qml.Y(1)])
    op = qml.TrotterProduct(H, 0.7, n=2, order=2)
    ops = op.decomposition()
    assert [o.name for o in ops] == ["Evolution"] * 8
    # exp(i H t) by steps t / n: each entry exp(-i p c P) with p = -t / (2 n) at order 2
    words = [qml.simplify(o) for o in ops]
    assert onp.allclose([w.param for w in words], [-0.175 * 0.3, 0.175 * 0.5, 0.175 * 0.5,
                                                   -0.175 * 0.3] * 2)
    # the entries' product is the template's matrix
    m = onp.eye(4, dtype=complex)
    for o in ops:
        m = qml.matrix(o, wire_order=[0, 1]) @ m
    assert onp.allclose(m, qml.matrix(op, wire_order=[0, 1]))
    # PennyLane's compute_decomposition(*parameters, **hyperparameters): the time is last
    again = op.compute_decomposition(*op.parameters, **op.hyperparameters)
    assert [qml.simplify(o).param for o in again] == [w.param for w in words]


def test_trotter_resources_count_the_entries():
    op = qml.TrotterProduct(qml.X(0) + qml.Y(0) + qml.Z(1), 0.5, n=3, order=2)
    with qml.queuing.AnnotatedQueue() as q:
        r = op.resources()
    assert len(q.queue) == 0
    # per step: X Y Z Z Y X, the wire-0 terms 4 layers deep
    assert (r.num_wires, r.num_gates, r.gate_types, r.gate_sizes, r.depth) == \
        (2, 18, {"Evolution": 18}, {1: 18}, 12)


def test_trotter_refusals_and_unappliable_hamiltonians():
    with pytest.raises(TypeError, match="must be a PennyLane ~.Sum or ~.SProd"):
        qml.TrotterProduct(qml.X(0), 1.0)
    H = qml.dot([1.23, 4 + 5j], [qml.X(0), qml.Z(1)])
    with pytest.raises(ValueError, match="not verified to be Hermitian"):
        qml.TrotterProduct(H, 0.5)
    op = qml.TrotterProduct(H, 0.5, check_hermitian=False)  # made, as PennyLane's
    assert list(op.wires) == [0, 1]
    with pytest.raises(qml.GateError, match="complex coefficients"):
        op.decomposition()
    rot = qml.dot([1.23, 0.5], [qml.RY(1.23, 0), qml.RZ(3.45, 1)])
    with pytest.raises(ValueError, match="not verified to be Hermitian"):
        qml.TrotterProduct(rot, 0.5)
    qml.TrotterProduct(rot, 0.5, check_hermitian=False)
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.TrotterProduct(rot, 0.5, check_hermitian=False)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.GateError, match="Pauli word"):
        circuit()


def test_trotter_queue_holds_the_template_only():
    with qml.queuing.AnnotatedQueue() as q:
        H = qml.s_prod(1.2, qml.X(0) + qml.Y(1))
        op = qml.TrotterProduct(H, time=2)
    assert q.queue == [op]


def test_trotter_gradient_with_evolution_entries():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(c, t):
        qml.TrotterProduct(qml.dot(c, [qml.X(0), qml.Z(0) @ qml.Y(1)]), t, n=2, order=2)
        return qml.expval(qml.Z(0))

    c, t, h = np.array([0.3, 0.7], requires_grad=True), np.array(0.4, requires_grad=True), 1e-6
    gc, gt = qml.grad(circuit)(c, t)
    assert abs(gt - (circuit(c, t + h) - circuit(c, t - h)) / (2 * h)) < 1e-7
    e0 = onp.array([h, 0.0])
    assert abs(gc[0] - (circuit(c + e0, t) - circuit(c - e0, t)) / (2 * h)) < 1e-7


def test_evolution_simplify_moves_the_scalar():
    e = qml.evolve(qml.s_prod(2.0, qml.X(0)), 0.25).simplify()
    assert e.name == "Evolution" and e.param == 0.5 and e.base.name == "PauliX"
    x = qml.simplify(qml.exp(qml.s_prod(2.0, qml.Z(0)), 0.5j))
    assert x.coeff == 1j and onp.allclose(x.matrix(), onp.diag([onp.exp(1j), onp.exp(-1j)]))


# --- phase estimation of products, controlled sequences, U2's exchange gate ----------------


def _rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


CNOT = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])


def controlled_powers_reference(u, m):
    """sum_k |k><k| (control wires first, the first most significant) (x) u**k."""
    d = u.shape[0]
    out = onp.zeros((2**m * d, 2**m * d), dtype=complex)
    for k in range(2**m):
        out[k * d:(k + 1) * d, k * d:(k + 1) * d] = onp.linalg.matrix_power(u, k)
    return out


def test_controlled_sequence_of_a_product_is_its_controlled_powers():
    u = CNOT @ onp.kron(_rx(0.7), onp.eye(2))  # RX(0.7, 0) first, then CNOT(0, 1)
    op = qml.ControlledSequence(qml.CNOT(wires=[0, 1]) @ qml.RX(0.7, wires=0), control=[2, 3])
    m = qml.matrix(op, wire_order=[2, 3, 0, 1])
    assert onp.allclose(m, controlled_powers_reference(u, 2))
    assert repr(qml.ControlledSequence(qml.RX(0.25, wires=3), control=[0, 1])) == \
        "ControlledSequence(RX(0.25, wires=[3]), control=[0, 1])"


def test_phase_estimation_of_a_product_and_its_entries():
    u = CNOT @ onp.kron(_rx(0.7), onp.eye(2))
    prod = qml.QuantumPhaseEstimation(qml.CNOT(wires=[0, 1]) @ qml.RX(0.7, wires=0),
                                      estimation_wires=[2, 3])
    matrix = qml.QuantumPhaseEstimation(u, target_wires=[0, 1], estimation_wires=[2, 3])
    assert onp.allclose(qml.matrix(prod, wire_order=[0, 1, 2, 3]),
                        qml.matrix(matrix, wire_order=[0, 1, 2, 3]))
    # PennyLane's entries: Hadamards, C(Pow(U)) per estimation wire, Adjoint(QFT)
    ops = qml.QuantumPhaseEstimation(_rx(0.3), target_wires=[0], estimation_wires=[1, 2]).decomposition()
    assert [o.name for o in ops[:2]] == ["Hadamard", "Hadamard"] and len(ops) == 5
    assert [(o.base.z, list(o.control_wires)) for o in ops[2:4]] == [(2, [1]), (1, [2])]
    assert onp.allclose(ops[2].base.base.matrix(), _rx(0.3))
    assert ops[4].name == "Adjoint(QFT)" or type(ops[4]).__name__ == "AdjointOperation"


def test_phase_estimation_errors_and_error_bound():
    from qsym.exceptions import QuantumFunctionError

    with pytest.raises(QuantumFunctionError, match="Target wires must be specified"):
        qml.QuantumPhaseEstimation(onp.eye(2), estimation_wires=[1, 2])
    with pytest.raises(QuantumFunctionError, match="already has target wires"):
        qml.QuantumPhaseEstimation(qml.RX(3, wires=0), target_wires=[1], estimation_wires=[2])
    with pytest.raises(QuantumFunctionError, match="No estimation wires specified"):
        qml.QuantumPhaseEstimation(qml.RX(3, wires=0))
    with pytest.raises(QuantumFunctionError, match="must not overlap"):
        qml.QuantumPhaseEstimation(onp.eye(4), target_wires=[0, 1], estimation_wires=[1, 2])

    class Approx(qml.resource.ErrorOperation):
        def error(self):
            return qml.resource.SpectralNormError(0.01)

    # powers 4, 2, 1 of a unitary off by 0.01: errors add up to 0.07
    assert onp.isclose(qml.QuantumPhaseEstimation(Approx(wires=[0]), estimation_wires=[1, 2, 3])
                       .error().error, 0.07)
    assert qml.QuantumPhaseEstimation(qml.RX(0.1, 0), estimation_wires=[1]).error().error == 0.0
    a = onp.array([[3.0, 0.0], [4.0, 5.0]])
    assert onp.allclose(qml.math.svd(a, compute_uv=False), onp.linalg.svd(a, compute_uv=False))


def test_u2_exchange_gate_and_the_rule_of_particle_conserving_u2():
    phi = 0.4
    with qml.tape.QuantumTape() as tape:
        qml.particle_conserving_u2.u2_ex_gate(phi, wires=[0, 1])
    m = qml.matrix(tape, wire_order=[0, 1])
    c, s = onp.cos(phi), onp.sin(phi)
    expected = onp.array([[1, 0, 0, 0], [0, c, -1j * s, 0], [0, -1j * s, c, 0], [0, 0, 0, 1]])
    assert onp.allclose(m, expected)
    (rule,) = qml.list_decomps(qml.ParticleConservingU2)
    counts = rule.compute_resources(num_wires=4, n_layers=3).gate_counts
    assert counts == {qml.resource_rep(qml.BasisEmbedding, num_wires=4): 1, qml.resource_rep(qml.RZ): 12,
                      qml.resource_rep(qml.CNOT): 18, qml.resource_rep(qml.CRX): 9}
    w = onp.random.default_rng(0).normal(size=(2, 5))
    op = qml.ParticleConservingU2(w, wires=[0, 1, 2], init_state=[1, 0, 0])
    with qml.tape.QuantumTape() as t2:
        rule(w, wires=[0, 1, 2], init_state=(1, 0, 0))
    assert onp.allclose(qml.matrix(t2, wire_order=[0, 1, 2]), qml.matrix(op, wire_order=[0, 1, 2]))


def test_prep_sel_prep_label_repr_and_pytree():
    lcu = qml.dot([0.25, 0.75], [qml.Z(2), qml.X(1) @ qml.X(2)])
    op = qml.PrepSelPrep(lcu, control=0)
    assert op.label() == op.label(decimals=3) == "PrepSelPrep"
    assert op.label(base_label="U(A)") == "U(A)"
    cache = {"matrices": [0.1]}
    assert op.label(cache=cache) == "PrepSelPrep(M1)" and op.label(cache=cache) == "PrepSelPrep(M1)"
    assert repr(op) == "PrepSelPrep(lcu=0.25 * Z(2) + 0.75 * (X(1) @ X(2)), control=Wires([0]))"
    data, meta = op._flatten()
    again = type(op)._unflatten(data, meta)
    assert data[0] is lcu and list(meta[0]) == [0] and again.wires == op.wires
    assert onp.allclose(qml.matrix(again, wire_order=[0, 1, 2]), qml.matrix(op, wire_order=[0, 1, 2]))


def test_state_preparation_error_texts_are_pennylanes():
    with pytest.raises(ValueError, match="state_vector must be one-dimensional"):
        qml.MottonenStatePreparation(onp.ones((1, 1, 4)) / 2, wires=[0, 1])
    with pytest.raises(ValueError, match="state_vector must have a last axis of size 4 for 2 wires"):
        qml.MottonenStatePreparation(onp.ones(3) / onp.sqrt(3), wires=[0, 1])
    with pytest.raises(ValueError, match="state_vector has to be of norm"):
        qml.MottonenStatePreparation(onp.array([0.5, 0.5]), wires=[0])
    with pytest.raises(ValueError, match="State must be a one-dimensional tensor, or two-dimensional"):
        qml.AmplitudeEmbedding(onp.ones((2, 2, 2)), wires=[0, 1, 2], normalize=True)
    # a template with a method named _row (not a gate's table row) lists its own rules
    assert qml.list_decomps(qml.AmplitudeEmbedding) == []
