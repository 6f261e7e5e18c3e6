"""The subroutines and templates added in the ctrlmat round (Select, Reflection,
AmplitudeAmplification, PrepSelPrep, Qubitization, QROM, MERA, TrotterProduct,
CommutingEvolution) and templates in operator arithmetic: every matrix against a
reference built here from small known matrices (kron, outer products, eigendecompositions),
gradients against central finite differences."""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def kron(*ms):
    out = np.eye(1)
    for m in ms:
        out = np.kron(out, m)
    return out


def rx(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * X


def ry(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * Y


def proj(j, n):
    e = np.zeros(2**n)
    e[j] = 1
    return np.outer(e, e)


def expm_h(h, t):
    """exp(-i t h) of a Hermitian matrix by its eigendecomposition."""
    w, v = np.linalg.eigh(h)
    return v @ np.diag(np.exp(-1j * t * w)) @ v.conj().T


def test_select_is_the_block_diagonal_of_its_operators():
    U = qml.matrix(qml.Select([qml.X(2), qml.RY(0.3, 2), qml.Z(2)], control=[0, 1]),
                   wire_order=[0, 1, 2])
    blocks = [X, ry(0.3), Z, I2]  # index 3 is not selected: identity
    ref = sum(np.kron(proj(j, 2), b) for j, b in enumerate(blocks))
    assert np.allclose(U, ref)
    op = qml.Select([qml.X(2), qml.Z(2)], control=[0])
    assert list(op.wires) == [0, 2] and list(op.target_wires) == [2]
    with pytest.raises(qml.GateError, match="Not enough control wires"):
        qml.Select([qml.X(2)] * 3, control=[0])
    with pytest.raises(qml.WireError, match="different from operation wires"):
        qml.Select([qml.X(0), qml.X(1)], control=[0])


def test_partial_select_agrees_on_the_selected_indices():
    full = qml.matrix(qml.Select([qml.X(2), qml.Y(2), qml.Z(2)], control=[0, 1]), wire_order=[0, 1, 2])
    part = qml.matrix(qml.Select([qml.X(2), qml.Y(2), qml.Z(2)], control=[0, 1], partial=True),
                      wire_order=[0, 1, 2])
    for j in range(3):
        sl = slice(2 * j, 2 * j + 2)
        assert np.allclose(part[sl, sl], full[sl, sl])


@pytest.mark.parametrize("alpha", [np.pi, 0.7])
def test_reflection_about_the_prepared_state(alpha):
    u = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]) @ np.kron(ry(0.4), H)  # CNOT(0,1) after RY(0) H(1)
    psi = u[:, 0]
    ref = -(np.eye(4) - (1 - np.exp(1j * alpha)) * np.outer(psi, psi.conj()))
    U = qml.CNOT([0, 1]) @ (qml.RY(0.4, 0) @ qml.Hadamard(1))
    assert np.allclose(qml.matrix(qml.Reflection(U, alpha), wire_order=[0, 1]), ref)


def test_amplitude_amplification_finds_the_marked_state():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def grover(iters):
        for w in range(3):
            qml.Hadamard(w)
        U = qml.Hadamard(0) @ qml.Hadamard(1) @ qml.Hadamard(2)
        qml.AmplitudeAmplification(U, qml.FlipSign([1, 0, 1], wires=[0, 1, 2]), iters=iters)
        return qml.probs(wires=[0, 1, 2])

    # Grover on 8 states: success sin^2((2k+1) theta), sin(theta) = 1/sqrt(8)
    theta = np.arcsin(1 / np.sqrt(8))
    for k in (1, 2):
        assert np.isclose(grover(k)[5], np.sin((2 * k + 1) * theta) ** 2)


def test_fixed_point_amplification_reaches_p_min():
    @qml.qnode(qml.device("default.qubit", wires=4))
    def fp():
        for w in range(3):
            qml.Hadamard(w)
        U = qml.Hadamard(0) @ qml.Hadamard(1) @ qml.Hadamard(2)
        qml.AmplitudeAmplification(U, qml.FlipSign([1, 1, 0], wires=[0, 1, 2]), iters=6,
                                   fixed_point=True, work_wire=3, p_min=0.8)
        return qml.probs(wires=[0, 1, 2])

    assert fp()[6] >= 0.8 - 1e-9
    with pytest.raises(qml.WireError, match="work_wire"):
        qml.AmplitudeAmplification(qml.Hadamard(0), qml.Z(0), fixed_point=True)


def test_prep_sel_prep_block_encodes_the_combination():
    coeffs = [0.3, -0.5, 0.2j]
    lcu = qml.dot(coeffs, [qml.X(2), qml.Z(2) @ qml.Z(3), qml.Y(3)])
    U = qml.matrix(qml.PrepSelPrep(lcu, control=[0, 1]), wire_order=[0, 1, 2, 3])
    ref = (0.3 * kron(X, I2) - 0.5 * kron(Z, Z) + 0.2j * kron(I2, Y)) / 1.0
    assert np.allclose(U[:4, :4], ref / np.sum(np.abs(coeffs)))
    assert np.allclose(U @ U.conj().T, np.eye(16))


def test_qubitization_walk_operator():
    h = 0.4 * kron(Z, I2) + 0.6 * kron(X, X)
    W = qml.matrix(qml.Qubitization(qml.dot([0.4, 0.6], [qml.Z(1), qml.X(1) @ qml.X(2)]), control=[0]),
                   wire_order=[0, 1, 2])
    assert np.allclose(W @ W.conj().T, np.eye(8))
    assert np.allclose(W[:4, :4], h / 1.0)
    # the walk's eigenphases are +-arccos(E / lambda) for each eigenvalue E of h
    phases = np.sort(np.abs(np.angle(np.linalg.eigvals(W))))
    expected = np.sort(np.concatenate([np.arccos(np.linalg.eigvalsh(h))] * 2))
    assert np.allclose(phases, expected)


@pytest.mark.parametrize("work, clean", [(None, True), ([4, 5], True), ([4, 5], False)])
def test_qrom_writes_the_bitstrings(work, clean):
    data = ["01", "11", "10", "00"]
    wires = [0, 1, 2, 3] + (work or [])
    U = qml.matrix(qml.QROM(data, control_wires=[0, 1], target_wires=[2, 3], work_wires=work,
                            clean=clean), wire_order=wires)
    n = len(wires)
    for j, bits in enumerate(data):
        col = U[:, j << (n - 2)]  # control j, target and work wires 0
        out = int(f"{j:02b}{bits}".ljust(n, "0"), 2)
        if clean:
            assert np.isclose(abs(col[out]), 1)
        else:  # work wires may hold garbage: the control and target wires are right
            hit = np.flatnonzero(np.abs(col) > 1e-9)
            assert len(hit) == 1 and hit[0] >> (n - 4) == out >> (n - 4)


def _qrom_reference_columns(data, n_control, n_extra):
    """QROM's action where the target and work wires start in 0: control ``j``, target
    ``data[j]``, work wires 0 (column and row indices, control wires first)."""
    nt = len(data[0])
    for j, bits in enumerate(data):
        yield j << (nt + n_extra), ((j << nt) | int(bits, 2)) << n_extra


@pytest.mark.parametrize("data, n_work, clean", [
    (["01", "11", "11", "00", "01", "11", "11", "00"], 2, True),  # all work wires to Select
    (["1", "0", "0", "1", "1", "1", "0", "1", "0", "0", "1", "0", "1", "1", "0", "0"], 3, True),
    (["1", "0", "0", "1", "1", "1", "0", "1", "0", "0", "1", "0", "1", "1", "0", "0"], 3, False),
    (["10", "01", "11"], 2, True),
])
def test_qrom_rule_splits_work_wires_and_writes_the_bitstrings(data, n_work, clean):
    """PennyLane's QROM rule (qml.list_decomps(qml.QROM)): some work wires to the Select's
    unary iterator, the rest to the SWAP network; the gates write data[j] for control j
    and (clean) leave the work wires in 0."""
    nc, nt = max(len(data) - 1, 1).bit_length(), len(data[0])
    control, target = list(range(nc)), list(range(nc, nc + nt))
    work = list(range(nc + nt, nc + nt + n_work))
    (rule,) = qml.list_decomps(qml.QROM)

    def apply():
        rule(np.array([[int(b) for b in s] for s in data]), wires=control + target + work,
             control_wires=control, target_wires=target, work_wires=work, clean=clean)

    U = qml.matrix(apply, wire_order=control + target + work)()
    for col, row in _qrom_reference_columns(data, nc, n_work):
        if clean:
            assert np.isclose(abs(U[row, col]), 1)
        else:  # the work wires may hold garbage: control and target are right
            hit = np.flatnonzero(np.abs(U[:, col]) > 1e-9)
            assert len(hit) == 1 and hit[0] >> n_work == row >> n_work


def test_qrom_select_work_wires_pennylane_numbers():
    """PennyLane's allocation (its tests' numbers): how many work wires the Select gets."""
    from qsym.templates.subroutines.qrom import _calculate_n_select_work_wires as n_select
    for args, expected in [((16, 4, 1, 3), 2), ((16, 4, 10, 5), 5), ((7, 3, 2, 2), 2),
                           ((14, 4, 2, 10), 4), ((256, 8, 2, 10), 8), ((4, 2, 1, 1), 0)]:
        assert n_select(*args) == expected


def test_qrom_decomposition_is_pennylanes_objects():
    """QROM's decomposition lists PennyLane's entries: Hadamards, controlled SWAPs and one
    Select of BasisEmbedding products, twice (clean)."""
    op = qml.QROM([[1], [0], [0], [1]], control_wires=[0, 1], target_wires=[2], work_wires=[3])
    assert [o.name for o in op.decomposition()] == ["Hadamard", "CSWAP", "Select", "CSWAP"] * 2
    sel = op.decomposition()[2]
    assert list(sel.control) == [0] and len(sel.hyperparameters["ops"]) == 2
    assert op.resource_params == {"num_bitstrings": 4, "num_control_wires": 2,
                                  "num_target_wires": 1, "num_work_wires": 1, "clean": True}
    assert repr(op) == ("QROM(control_wires=Wires([0, 1]), target_wires=Wires([2]),  "
                        "work_wires=Wires([3]), clean=True)")
    with pytest.raises(ValueError, match="At least 2 control wires are required"):
        qml.QROM([[1], [0], [0], [1]], control_wires=[0], target_wires=[1], work_wires=None)


def test_qrom_rule_as_pennylanes():
    pl = pytest.importorskip("pennylane")
    from pennylane.templates.subroutines.qrom import _qrom_decomposition
    data = np.array([[0, 1], [1, 1], [1, 0], [0, 0], [1, 1]])
    kw = dict(control_wires=[0, 1, 2], target_wires=[3, 4], work_wires=[5, 6, 7], clean=True)
    wires = list(range(8))
    (rule,) = qml.list_decomps(qml.QROM)
    ours = qml.matrix(lambda: rule(data, wires=wires, **kw), wire_order=wires)()
    theirs = pl.matrix(lambda: _qrom_decomposition(data, wires=wires, **kw), wire_order=wires)()
    assert np.allclose(ours, theirs)


def test_trotter_product_first_order_and_convergence():
    c, t = [0.3, -0.5], 0.7
    Hq = qml.dot(c, [qml.X(0), qml.Z(0) @ qml.Z(1)])
    P = [kron(X, I2), kron(Z, Z)]
    # PennyLane's TrotterProduct approximates exp(+i H t); first order applies the last term first
    first = expm_h(P[0], -c[0] * t) @ expm_h(P[1], -c[1] * t)
    assert np.allclose(qml.matrix(qml.TrotterProduct(Hq, t, n=1, order=1), wire_order=[0, 1]), first)
    exact = expm_h(c[0] * P[0] + c[1] * P[1], -t)
    for order in (2, 4):
        U = qml.matrix(qml.TrotterProduct(Hq, t, n=20, order=order), wire_order=[0, 1])
        assert np.abs(U - exact).max() < 1e-3
    with pytest.raises(qml.GateError, match="order"):
        qml.TrotterProduct(Hq, t, order=3)
    with pytest.raises(qml.GateError, match="at least 2 terms"):
        qml.TrotterProduct(qml.Hamiltonian([1.0], [qml.X(0)]), t)
    with pytest.raises(TypeError, match="must be a PennyLane ~.Sum or ~.SProd"):  # PennyLane's
        qml.TrotterProduct(qml.X(0) @ qml.Z(1), t)


def test_commuting_evolution_is_the_exact_evolution():
    h = 0.3 * kron(X, X) - 0.5 * kron(Z, Z)
    op = qml.CommutingEvolution(qml.Hamiltonian([0.3, -0.5], [qml.X(0) @ qml.X(1), qml.Z(0) @ qml.Z(1)]), 1.1)
    assert np.allclose(qml.matrix(op, wire_order=[0, 1]), expm_h(h, 1.1))
    # words that do not commute: one first-order Trotter step, as PennyLane applies it
    step = qml.CommutingEvolution(qml.Hamiltonian([1.0, 0.5], [qml.X(0), qml.Z(0)]), 0.1)
    assert np.allclose(qml.matrix(step, wire_order=[0]), expm_h(0.5 * Z, 0.1) @ expm_h(X, 0.1))


def test_mera_windows_and_matrix():
    # PennyLane 0.45.1's mera.compute_indices(range(4), 2), run there
    assert qml.templates.tensornetworks.mera.compute_indices(range(4), 2) == (
        (1, 0), (2, 3), (3, 1), (0, 2), (0, 1))
    assert qml.MERA.get_n_blocks(range(8), 2) == 13

    def block(w, wires):
        qml.RY(w[0], wires=wires[0])
        qml.CNOT(wires=wires)

    weights = np.arange(1, 6)[:, None] * 0.1
    U = qml.matrix(qml.MERA(range(4), 2, block, 1, weights), wire_order=[0, 1, 2, 3])
    ref = np.eye(16)
    for k, (a, b) in enumerate([(1, 0), (2, 3), (3, 1), (0, 2), (0, 1)]):
        g = qml.matrix(qml.CNOT([a, b]), wire_order=[0, 1, 2, 3]) @ qml.matrix(
            qml.RY(weights[k, 0], a), wire_order=[0, 1, 2, 3])
        ref = g @ ref
    assert np.allclose(U, ref)


def test_templates_in_operator_arithmetic():
    P = qml.GlobalPhase(0.4, wires=0) @ qml.QFT(wires=[0, 1])
    assert isinstance(P, qml.ops.Prod)
    qft = np.exp(2j * np.pi * np.outer(range(4), range(4)) / 4) / 2
    assert np.allclose(qml.matrix(P), np.exp(-0.4j) * qft)
    assert np.allclose(qml.matrix(qml.SWAP([0, 1]) @ qml.GlobalPhase(3)),
                       np.exp(-3j) * qml.SWAP([0, 1]).matrix())


def test_subroutine_gradients_match_finite_differences():
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def c(x):
        qml.Hadamard(0)
        qml.Hadamard(1)
        qml.Select([qml.RX(x[0], 2), qml.RY(x[1], 3), qml.CRZ(x[2], [3, 2])], control=[0, 1])
        qml.Reflection(qml.RY(x[3], 2) @ qml.Hadamard(3), alpha=x[4])
        qml.TrotterProduct(qml.dot([0.3, x[5]], [qml.X(2), qml.Z(2) @ qml.Z(3)]), x[6], n=2, order=2)
        return qml.expval(qml.Z(2) @ qml.X(3) + 0.5 * qml.Y(0))

    x = pnp.array([0.3, 0.7, -0.4, 0.9, 1.3, -0.6, 0.8], requires_grad=True)
    g = qml.grad(c)(x)
    e = 1e-6
    fd = [(c(x + d) - c(x - d)) / (2 * e) for d in np.eye(7) * e]
    assert np.allclose(g, fd, atol=1e-7)
    assert np.all(np.abs(g[[0, 1, 3, 4, 5, 6]]) > 1e-3)  # every parameter reaches the output


def test_block_encode_matrices():
    assert np.allclose(qml.matrix(qml.BlockEncode(0.6, wires=[0])), [[0.6, 0.8], [0.8, -0.6]])
    # diagonal A: sqrt(I - A A^+) is the diagonal of sqrt(1 - a^2)
    A = np.diag([0.6, 0.8])
    ref = np.block([[A, np.diag([0.8, 0.6])], [np.diag([0.8, 0.6]), -A]])
    assert np.allclose(qml.matrix(qml.BlockEncode(A, wires=[0, 1])), ref)
    # a 1x3 row on 3 wires: unitary, A (divided by its norm) in the corner, identity padding
    row = np.array([[0.1, 0.2j, 0.3]])
    U = qml.matrix(qml.BlockEncode(row, wires=[0, 1, 2]))
    assert np.allclose(U @ U.conj().T, np.eye(8)) and np.allclose(U[0, :3], row)
    assert np.allclose(U[4:, 4:], np.eye(4))
    big = np.array([[2.0, 1.0], [0.5, 3.0]])
    op = qml.BlockEncode(big, wires=[0, 1, 2])
    norm = max(np.abs(big @ big.T).sum(1).max(), np.abs(big.T @ big).sum(1).max())
    assert op.hyperparameters["norm"] == norm and np.allclose(qml.matrix(op)[:2, :2], big / norm)
    with pytest.raises(qml.GateError, match="Hilbert space"):
        qml.BlockEncode(np.eye(2) * 0.5, wires=[0])


def test_one_qubit_unitary_decomposition_keeps_the_global_phase():
    # PennyLane's documented example: Hadamard = RZ(pi), RY(pi/2), RZ(0), GlobalPhase(-pi/2)
    d = qml.QubitUnitary(H, wires=0).decomposition()
    assert [g.name for g in d] == ["RZ", "RY", "RZ", "GlobalPhase"]
    assert np.allclose([g.parameters[0] for g in d], [np.pi, np.pi / 2, 0, -np.pi / 2])
    rng = np.random.default_rng(7)
    for _ in range(5):
        q, r = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
        U = q * (np.diag(r) / abs(np.diag(r)))
        d = qml.QubitUnitary.compute_decomposition(U, wires=0)
        # applied in order: the product with the last gate leftmost
        prodm = np.eye(2, dtype=complex)
        for g in d:
            prodm = qml.matrix(g, wire_order=[0]) @ prodm
        assert np.allclose(prodm, U)


def test_diagonal_qubit_unitary_pow_adjoint_and_static_methods():
    D = np.exp(1j * np.array([0.3, -1.1, 2.0, 0.7]))
    op = qml.DiagonalQubitUnitary(D, wires=[0, 1])
    assert np.allclose(qml.matrix(op.adjoint()), np.diag(D.conj()))
    assert np.allclose(qml.matrix(op.pow(0.5)[0]), np.diag(np.exp(0.5j * np.array([0.3, -1.1, 2.0, 0.7]))))
    assert np.allclose(qml.DiagonalQubitUnitary.compute_matrix(D), np.diag(D))
    assert np.allclose(op.eigvals(), D)
    assert op.label() == "U" and op.label(cache={"matrices": []}) == "U\n(M0)"


def test_matrix_of_a_tape():
    tape = qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1]), qml.GlobalPhase(0.2)],
                                  [qml.expval(qml.Z(0))])
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    assert np.allclose(qml.matrix(tape, wire_order=[0, 1]), np.exp(-0.2j) * cnot @ np.kron(H, I2))
    swap = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    assert np.allclose(qml.matrix(tape, wire_order=[1, 0]), swap @ qml.matrix(tape, wire_order=[0, 1]) @ swap)
    # PennyLane 0.45.1: a tape on two wires needs wire_order (its ValueError)
    with pytest.raises(ValueError, match="wire_order is required by qml.matrix"):
        qml.matrix(tape)


def _random_unitary(rng, n=2):
    q, r = np.linalg.qr(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
    return q * (np.diag(r) / abs(np.diag(r)))


@pytest.mark.parametrize("c, K, partial", [(2, 3, False), (2, 4, False), (3, 5, False), (3, 8, False),
                                           (2, 3, True), (3, 5, True), (3, 6, True), (3, 7, True),
                                           (4, 11, True), (4, 13, False)])
def test_select_rules_apply_each_operator_on_its_index(c, K, partial):
    """Each of PennyLane's three Select rules, as a matrix on control, work and target
    wires: with the work wires in |0> (in and out), control index j < K applies U_j to the
    target (a random 2x2 unitary, block by block: the reference); j >= K applies the
    identity when not partial."""
    rng = np.random.default_rng(7 + c * K)
    us = [_random_unitary(rng) for _ in range(K)]
    control, work, target = list(range(c)), list(range(c, 2 * c - 1)), [2 * c - 1]
    order = control + work + target
    sub = [i * 2 ** len(order) // 2 ** c + t for i in range(2**c) for t in range(2)]  # work = 0
    for rule in qml.list_decomps(qml.Select):
        def qfunc():
            ops = [qml.QubitUnitary(u, wires=target) for u in us]
            rule(ops=ops, control=control, work_wires=work, partial=partial)

        M = qml.matrix(qfunc, wire_order=order)()[np.ix_(sub, sub)]
        for j in range(2**c if not partial else K):
            block = M[2 * j:2 * j + 2, 2 * j:2 * j + 2]
            assert np.allclose(block, us[j] if j < K else I2), (rule.name, j)
        assert np.allclose(M @ M.conj().T, np.eye(2 ** (c + 1)))  # nothing leaks to work != 0


def test_select_rules_pennylane_order_names_and_errors():
    rules = qml.list_decomps(qml.Select)
    from qsym.templates.subroutines.select import (_select_decomp_multi_control_work_wire,
                                                   _select_decomp_unary)
    assert rules[1] is _select_decomp_unary and rules[2] is _select_decomp_multi_control_work_wire
    assert rules[1].is_applicable(op_reps=(), num_control_wires=3, partial=False, num_work_wires=2)
    assert not rules[1].is_applicable(op_reps=(), num_control_wires=3, partial=False, num_work_wires=1)
    with pytest.raises(ValueError, match="At least 4 control wires are required"):
        _select_decomp_unary(ops=[qml.X(0)] * 9, control=[1, 2, 3], work_wires=[4, 5], partial=False)
    with pytest.raises(ValueError, match="less than 3 work wires for 4 controls"):
        _select_decomp_unary(ops=[qml.X(0)] * 9, control=[1, 2, 3, 4], work_wires=[5], partial=False)
    with qml.queuing.AnnotatedQueue() as q:
        assert _select_decomp_unary(ops=[], control=[0, 1], work_wires=[2], partial=True) == []
    assert len(q) == 0


def test_select_repr_and_resource_params():
    op = qml.Select([qml.X(0), qml.RY(0.2, 0)], control=[1], work_wires=[2, 3], partial=True)
    assert repr(op) == "Select(ops=(X(0), RY(0.2, wires=[0])), control=Wires([1]), partial=True)"
    assert qml.Select.resource_keys == {"op_reps", "num_control_wires", "partial", "num_work_wires"}
    assert op.resource_params == {"op_reps": (qml.resource_rep(qml.X), qml.resource_rep(qml.RY)),
                                  "num_control_wires": 1, "partial": True, "num_work_wires": 2}


@pytest.mark.parametrize("c, K, partial", [(2, 3, False), (3, 6, True), (3, 5, True), (4, 11, True),
                                           (3, 7, False)])
def test_select_unary_matches_pennylane(c, K, partial):
    pl = pytest.importorskip("pennylane")
    from pennylane.templates.subroutines.select import _select_decomp_unary as pl_rule
    from qsym.templates.subroutines.select import _select_decomp_unary as rule
    control, work = [f"c{i}" for i in range(c)], [f"w{i}" for i in range(c - 1)]
    ours = rule(ops=[qml.RX(0.1 * j, "t") for j in range(K)], control=control, work_wires=work,
                partial=partial)
    theirs = pl_rule(ops=[pl.RX(0.1 * j, "t") for j in range(K)], control=control, work_wires=work,
                     partial=partial)
    assert [(o.name, list(o.wires)) for o in ours] == [(o.name, list(o.wires)) for o in theirs]


def test_select_multi_control_resources_and_controlled_resource_rep():
    """The multi-controlled rule's resources, written out by hand from its controls: index
    j on two control wires has 2 - popcount(j) zero control values; controlled X dispatches
    to CNOT/Toffoli only with every control value 1 (PennyLane's ``qml.ctrl``)."""
    crr = qml.decomposition.resources.controlled_resource_rep
    rule = qml.list_decomps(qml.Select)[0]
    reps = (qml.resource_rep(qml.X),) * 3 + (qml.resource_rep(qml.Y),)
    got = rule.compute_resources(reps, num_control_wires=2, partial=False, num_work_wires=0)
    mcx = [qml.resource_rep("MultiControlledX", num_control_wires=2, num_zero_control_values=z,
                            num_work_wires=0, work_wire_type="borrowed") for z in (2, 1)]
    cy = qml.resource_rep("Controlled", base_class="PauliY", base_params=(), num_control_wires=2,
                          num_zero_control_values=0, num_work_wires=0, work_wire_type="borrowed")
    assert got.gate_counts == {mcx[0]: 1, mcx[1]: 2, cy: 1}
    part = rule.compute_resources(reps[:3], num_control_wires=2, partial=True, num_work_wires=0)
    assert part.gate_counts == {mcx[0]: 1, qml.resource_rep(qml.CNOT): 2}  # controls (0,1), (1,), (0,)
    assert crr(qml.X, {}, 2) == qml.resource_rep(qml.Toffoli)
    assert crr(qml.CNOT, {}, 1) == qml.resource_rep(qml.Toffoli)
    assert crr(qml.Z, {}, 1) == qml.resource_rep(qml.CZ)
    assert crr(qml.CRX, {}, 1, 1) == crr(qml.RX, {}, 2, 1)  # a controlled gate's base, flattened


def _qram_read(make, n_wires, address, controls):
    """The basis state after ``make()`` on |address> of ``controls``: (target bits, the rest)."""
    dev = qml.device("default.qubit", wires=n_wires)

    @qml.qnode(dev)
    def read():
        qml.BasisEmbedding(address, wires=controls)
        make()
        return qml.probs(wires=list(range(n_wires)))

    p = read()
    k = int(np.argmax(p))
    assert np.isclose(p[k], 1.0)
    return [int(b) for b in format(k, f"0{n_wires}b")]


@pytest.mark.parametrize("n", [1, 2])
def test_bbqram_reads_the_addressed_bitstring(n):
    """Every address of random data: the targets hold data[address], the address stays, the
    bus and the tree's work wires end in |0> (the reference: the data table itself)."""
    rng = np.random.default_rng(3 + n)
    data = rng.integers(0, 2, size=(2**n, 2))
    control, target = list(range(n)), [n, n + 1]
    work = list(range(n + 2, n + 2 + 1 + 3 * (2**n - 1)))
    for a in range(2**n):
        bits = _qram_read(lambda: qml.BBQRAM(data, control, target, work), n + 2 + len(work),
                          a, control)
        assert bits[n:n + 2] == list(data[a]) and bits[n + 2:] == [0] * len(work)
        assert bits[:n] == [int(b) for b in format(a, f"0{n}b")]


@pytest.mark.parametrize("k", [0, 1])
def test_hybrid_qram_reads_the_addressed_bitstring(k):
    data = ["01", "11", "10", "00"]
    control, target = [0, 1], [2, 3]
    work = list(range(4, 4 + 2 + 3 * (2 ** (2 - k) - 1)))
    for a in range(4):
        bits = _qram_read(lambda: qml.HybridQRAM(data, control, target, work, k=k),
                          4 + len(work), a, control)
        assert bits[2:4] == [int(b) for b in data[a]] and bits[4:] == [0] * len(work)


def test_select_only_qram_reads_and_sets_the_select_value():
    data = ["1", "0", "0", "1", "1", "1", "0", "0"]  # address: select wire 3, then controls 0, 1
    for a in range(4):
        bits = _qram_read(lambda: qml.SelectOnlyQRAM(data, [0, 1], [2], select_wires=[3],
                                                     select_value=1), 4, a, [0, 1])
        assert bits[3] == 1 and bits[2] == int(data[4 + a])  # the select wire set to 1
    with pytest.raises(ValueError, match=r"select_value must be an integer in \[0, 1\]"):
        qml.SelectOnlyQRAM(data, [0, 1], [2], select_wires=[3], select_value=2)
    with pytest.raises(ValueError, match="work_wires must have length 4"):
        qml.BBQRAM(["0", "1"], [0], [1], [2, 3, 4])
    with pytest.raises(ValueError, match="k must satisfy 0 <= k < len"):
        qml.HybridQRAM(["0", "1"], [0], [1], [2, 3, 4, 5, 6], k=1)


def test_qram_decompositions_match_pennylane():
    pl = pytest.importorskip("pennylane")
    data = [[0, 1], [1, 1], [1, 0], [0, 0]]
    cases = [("BBQRAM", (data, [0, 1], [2, 3], list(range(4, 14))), {}),
             ("HybridQRAM", (data, [0, 1], [2, 3], list(range(4, 9))), {"k": 1}),
             ("SelectOnlyQRAM", (data, [0], [2, 3]), {"select_wires": [1], "select_value": 1})]
    for name, args, kw in cases:
        ours = getattr(qml, name)(*args, **kw).decomposition()
        theirs = getattr(pl, name)(*args, **kw).decomposition()
        assert [(o.name, list(o.wires)) for o in ours] == [(o.name, list(o.wires)) for o in theirs]


def test_commuting_evolution_grad_recipe_from_frequencies():
    Hx = qml.Hamiltonian([1.0], [qml.PauliX(0)])
    op = qml.CommutingEvolution(Hx, 0.1, frequencies=(2,))
    # one frequency w = 2: f' = (w/2) [f(t + pi/(2w)) - f(t - pi/(2w))], so c = 1, s = pi/4
    assert op.grad_method == "A"
    assert np.allclose(op.grad_recipe[0], [[1.0, 1.0, np.pi / 4], [-1.0, 1.0, -np.pi / 4]])
    assert tuple(op.grad_recipe[1:]) == (None,)
    plain = qml.CommutingEvolution(Hx, 0.1)  # no frequencies: no recipe (PennyLane's)
    assert plain.grad_method is None and plain.grad_recipe == [None, None]

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def one(t):
        qml.PauliX(0)
        qml.CommutingEvolution(Hx, t, (2,))
        return qml.expval(qml.PauliZ(0))

    # exp(-i t X)|1>: <Z> = -cos(2t), derivative 2 sin(2t)
    for t in (-1.3, 0.2, 0.9):
        x = pnp.array(t, requires_grad=True)
        assert np.isclose(one(x), -np.cos(2 * t))
        assert np.isclose(qml.gradients.param_shift(one)(x), 2 * np.sin(2 * t))

    H2 = qml.Hamiltonian([1.0, -1.0], [qml.X(0) @ qml.Y(1), qml.Y(0) @ qml.X(1)])

    @qml.qnode(dev)
    def two(t):
        qml.PauliX(0)
        qml.CommutingEvolution(H2, t, (2, 4))
        return qml.expval(qml.PauliZ(0))

    for t in (-0.7, 0.4):
        x = pnp.array(t, requires_grad=True)
        fd = (two(t + 1e-6) - two(t - 1e-6)) / 2e-6
        assert np.isclose(qml.gradients.param_shift(two)(x), fd, atol=1e-6)


def test_prepselprep_resource_params_and_rule_block_encode_the_combination():
    """PennyLane's resource_params and registered rule of PrepSelPrep: the rule's
    operators multiply to a unitary whose top-left block (control wires in |0>) is
    ``sum_j c_j U_j / sum_j |c_j|``, computed here from the Pauli matrices."""
    coeffs = [0.5, -1.5, 1.0j]
    ops = [qml.X(0), qml.Z(1), qml.X(0) @ qml.Y(1)]
    op = qml.PrepSelPrep(qml.dot(coeffs, ops), control=(2, 3))
    params = op.resource_params
    assert params["num_control"] == 2
    assert [rep.name for rep in params["op_reps"]] == ["PauliX", "PauliZ", "Prod"]
    rule = qml.list_decomps(qml.PrepSelPrep)[0]
    counts = rule.compute_resources(**params).gate_counts
    assert len(counts) == 1 and list(counts.values()) == [1]
    with qml.queuing.AnnotatedQueue() as q:
        rule(*op.data, wires=op.wires, **op.hyperparameters)
    assert [o.name for o in q.queue[0].decomposition()] == [
        "StatePrep", "Select", "Adjoint(StatePrep)"]
    U = qml.matrix(q.queue[0], wire_order=[2, 3, 0, 1])
    X, Y, Z, I = (np.array(m, dtype=complex) for m in
                  ([[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]], np.eye(2)))
    A = 0.5 * np.kron(X, I) - 1.5 * np.kron(I, Z) + 1.0j * np.kron(X, Y)
    np.testing.assert_allclose(U[:4, :4], A / 3.0, atol=1e-12)


def test_commuting_evolution_refuses_an_operator_without_pauli_form_as_a_type_error():
    """PennyLane raises TypeError for a Hamiltonian without a Pauli form (a Hermitian)."""
    with pytest.raises(TypeError, match="linear combination of pauli words"):
        qml.CommutingEvolution(qml.Hermitian(np.eye(2), 0), 1.0)
    with pytest.raises(qml.errors.ArgumentError, match="CommutingEvolution"):
        qml.CommutingEvolution(qml.Hermitian(np.eye(2), 0), 1.0)


def test_select_data_are_its_operators_and_the_tape_transforms_differentiate_them():
    """``qml.Select``'s data are its operators' (PennyLane's ``op.data``): a tape lists them
    as parameters and ``qml.gradients.param_shift`` of the tape differentiates them. Its data
    was empty: the tape had only the other gates' parameters and the transform returned 0
    for all (a silent wrong number; the oracle's moreops family, stop 65). Hand values: H on
    the control, then RX(a) or RY(b) on the target by the control's value, <Z2> =
    (cos a + cos b) / 2, so d/da = -sin(a)/2, d/db = -sin(b)/2; RX(c) on wire 1: 0."""
    import qsym as qml
    from qsym import numpy as pnp

    dev = qml.device("default.qubit", wires=3)

    def circuit(x):
        qml.Hadamard(0)
        qml.Select([qml.RX(x[0], wires=2), qml.RY(x[1], wires=2)], control=[0])
        qml.RX(x[2], wires=1)
        return qml.expval(qml.Z(2))

    a, b, c = 0.3, 0.5, 0.7
    x = pnp.array([a, b, c], requires_grad=True)
    tape = qml.workflow.construct_tape(qml.QNode(circuit, dev))(x)
    assert tape.trainable_params == [0, 1, 2]
    assert np.allclose([float(p) for p in tape.get_parameters()], [a, b, c])
    tapes, fn = qml.gradients.param_shift(tape)
    grad = np.asarray(fn(qml.execute(tapes, dev)), dtype=float)
    assert np.allclose(grad, [-np.sin(a) / 2, -np.sin(b) / 2, 0.0], atol=1e-7)
    op = qml.Select([qml.RX(0.1, wires=1), qml.Z(1), qml.RY(0.2, wires=1)], control=[0, 2])
    assert op.data == (0.1, 0.2)
    new = op.remake([0.4, 0.5])
    assert np.allclose(qml.matrix(new, wire_order=[0, 2, 1]), qml.matrix(
        qml.Select([qml.RX(0.4, wires=1), qml.Z(1), qml.RY(0.5, wires=1)], control=[0, 2]), wire_order=[0, 2, 1]))
