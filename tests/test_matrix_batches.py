"""Matrices as data (issue #18): broadcast ``QubitUnitary`` and ``DiagonalQubitUnitary``
(a leading batch dimension), PennyLane's unitarity checks, ``PCPhase``'s decomposition and
hyperparameters, ``op.simplify()`` of rotations, PennyLane's closed-form eigenvalues,
gates' ``_flatten``/``_unflatten`` and ``qml.gradients.eigvals_to_frequencies``.

Independent evidence only: matrices written out here by hand, a NumPy statevector
simulation written here (``_simulate``), every element of a batch against the same
circuit or operator with that element alone, derivatives against central finite
differences, decompositions multiplied out with NumPy.
"""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

X = onp.array([[0, 1], [1, 0]], complex)
Z = onp.diag([1.0, -1.0]).astype(complex)
H = onp.array([[1, 1], [1, -1]], complex) / onp.sqrt(2)
S = onp.diag([1, 1j])
CNOT = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], complex)


def _rx(t):
    return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])


def _ry(t):
    return onp.array([[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]], complex)


def _haar(n, seed):
    """A random unitary on n wires (QR of a complex Gaussian matrix)."""
    rng = onp.random.default_rng(seed)
    q, r = onp.linalg.qr(rng.normal(size=(2**n, 2**n)) + 1j * rng.normal(size=(2**n, 2**n)))
    return q * (onp.diag(r) / abs(onp.diag(r)))


U1 = onp.stack([1j * Z, 1j * X, H, _haar(1, 3)])  # four one-wire unitaries


def _simulate(x, V):
    """<Z_1> and probs of wire 0 after RX(x) on wire 0, V on wire 0, CNOT(0, 1) (NumPy)."""
    psi = onp.zeros(4, complex)
    psi[0] = 1
    psi = CNOT @ onp.kron(V @ _rx(x), onp.eye(2)) @ psi
    p = abs(psi) ** 2
    return p[0] - p[1] + p[2] - p[3], onp.array([p[0] + p[1], p[2] + p[3]])


# --- the operator ---------------------------------------------------------------------------
def test_batched_qubit_unitary_is_pennylanes_operator():
    op = qml.QubitUnitary(U1, wires="a")
    assert op.batch_size == 4 and op.ndim_params == (2,)
    assert qml.QubitUnitary(H, wires=0).batch_size is None
    assert onp.allclose(op.matrix(), U1) and onp.allclose(qml.matrix(op), U1)
    wide = op.matrix(wire_order=["b", "a"])
    assert wide.shape == (4, 4, 4)
    for b in range(4):
        assert onp.allclose(wide[b], onp.kron(onp.eye(2), U1[b]))
        one = qml.QubitUnitary(U1[b], wires="a")
        assert onp.allclose(onp.sort_complex(op.eigvals()[b].round(12)),
                            onp.sort_complex(onp.linalg.eigvals(U1[b]).round(12)))
        assert onp.allclose(one.matrix(), U1[b])
    assert onp.allclose(op.adjoint().matrix(), onp.conj(onp.swapaxes(U1, 1, 2)))


def test_shape_errors_and_unitarity_checks():
    with pytest.raises(qml.GateError, match="must be of shape"):
        qml.QubitUnitary(onp.eye(4), wires=0)
    with pytest.raises(qml.GateError, match="must be of shape"):
        qml.QubitUnitary(onp.ones((2, 2, 2, 2)), wires=0)
    bad = onp.array([[1.0, 1.0], [0.0, 1.0]])
    with pytest.warns(UserWarning, match="may not be unitary"):
        qml.QubitUnitary(bad, wires=0, unitary_check=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        op = qml.QubitUnitary(bad, wires=0)  # PennyLane's default: no check, no warning
        qml.QubitUnitary(H, wires=0, unitary_check=True)
    assert onp.allclose(op.matrix(), bad)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.QubitUnitary(bad, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.GateError, match="not unitary"):
        c()  # never a number from a non-unitary "state"

    # a unitary written to 8 decimals (U^dagger U - 1 ~ 1e-8) is applied as given
    h8 = onp.array([[0.70710678, 0.70710678], [0.70710678, -0.70710678]])
    assert not onp.allclose(h8.T @ h8, onp.eye(2), rtol=0, atol=1e-10)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c8():
        qml.QubitUnitary(h8, wires=0)
        return qml.expval(qml.PauliX(0))

    psi = h8 @ onp.array([1.0, 0.0])
    assert abs(c8() - 2 * psi[0] * psi[1]) < 1e-15


@pytest.mark.parametrize("n", [1, 3, -1, -2])
def test_integer_powers_of_a_batch(n):
    powers = qml.QubitUnitary(U1, wires=0).pow(n)
    assert len(powers) == 1
    want = [onp.linalg.matrix_power(u, n) for u in U1]
    assert onp.allclose(powers[0].matrix(), want)


def test_fractional_powers():
    V = _haar(1, 5)
    (half,) = qml.QubitUnitary(V, wires=0).pow(0.5)
    assert onp.allclose(half.matrix() @ half.matrix(), V)
    with pytest.raises(qml.operation.PowUndefinedError):
        qml.QubitUnitary(U1, wires=0).pow(0.5)


def test_decomposition_of_a_one_wire_batch_multiplies_out():
    ops = qml.QubitUnitary(U1, wires=0).decomposition()
    assert [g.name for g in ops] == ["RZ", "RY", "RZ", "GlobalPhase"]
    for b in range(4):
        phi, theta, omega = (float(g.params[0][b]) for g in ops[:3])
        alpha = -float(ops[3].params[0][b])
        rz = lambda t: onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])  # noqa: E731
        assert onp.allclose(onp.exp(1j * alpha) * rz(omega) @ _ry(theta) @ rz(phi), U1[b])
    with pytest.raises(qml.operation.DecompositionUndefinedError, match="broadcasting"):
        qml.QubitUnitary(onp.stack([_haar(2, 1), _haar(2, 2)]), wires=[0, 1]).decomposition()


# --- in a QNode -----------------------------------------------------------------------------
def _circuits():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def batch(x):
        qml.RX(x, wires=0)
        qml.QubitUnitary(U1, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])

    @qml.qnode(dev)
    def single(x, V):
        qml.RX(x, wires=0)
        qml.QubitUnitary(V, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])

    return batch, single


def test_a_broadcast_matrix_in_a_qnode_gives_each_elements_numbers():
    batch, single = _circuits()
    x = np.array(0.4, requires_grad=True)
    ev, probs = batch(x)
    assert ev.shape == (4,) and probs.shape == (4, 2)
    for b in range(4):
        want_ev, want_p = _simulate(0.4, U1[b])
        assert abs(ev[b] - want_ev) < 1e-13 and onp.allclose(probs[b], want_p, atol=1e-13)
        one_ev, one_p = single(x, U1[b])
        assert abs(ev[b] - one_ev) < 1e-13 and onp.allclose(probs[b], one_p, atol=1e-13)
    # derivative of each element: finite differences of the NumPy simulation
    g = qml.grad(lambda x: np.sum(batch(x)[0]))(x)
    h = 1e-6
    fd = sum(_simulate(0.4 + h, V)[0] - _simulate(0.4 - h, V)[0] for V in U1) / (2 * h)
    assert abs(g - fd) < 1e-8


def test_a_broadcast_matrix_with_broadcast_angles_and_a_size_mismatch():
    batch, _ = _circuits()
    xs = np.array([0.1, 0.2, 0.3, 0.7], requires_grad=True)
    ev, _ = batch(xs)
    assert onp.allclose(ev, [_simulate(x, V)[0] for x, V in zip(xs, U1)], atol=1e-13)
    jac = qml.jacobian(lambda x: batch(x)[0])(xs)
    h = 1e-6
    fd = [(_simulate(x + h, V)[0] - _simulate(x - h, V)[0]) / (2 * h) for x, V in zip(xs, U1)]
    assert onp.allclose(jac, onp.diag(fd), atol=1e-8)
    with pytest.raises(qml.ArgumentError, match="batch sizes"):
        batch(np.array([0.1, 0.2], requires_grad=True))


def test_a_wide_broadcast_matrix_is_refused_and_broadcast_expand_splits_it():
    U2 = onp.stack([_haar(2, 1), _haar(2, 2), CNOT])
    dev = qml.device("default.qubit", wires=2)

    def body(x):
        qml.RY(x, wires=0)
        qml.QubitUnitary(U2, wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    with pytest.raises(qml.ArgumentError, match="broadcast_expand"):
        qml.QNode(body, dev)(0.3)
    split = qml.transforms.broadcast_expand(qml.QNode(body, dev))
    got = split(0.3)
    for b in range(3):
        psi = U2[b] @ onp.kron(_ry(0.3), onp.eye(2))[:, 0]
        want = abs(psi[0]) ** 2 - abs(psi[1]) ** 2 + abs(psi[2]) ** 2 - abs(psi[3]) ** 2
        assert abs(got[b] - want) < 1e-12


# --- DiagonalQubitUnitary -------------------------------------------------------------------
D = onp.array([[1.0, 1j, -1, -1j], onp.exp(1j * onp.array([0.3, -1.1, 2.0, 0.5]))])


def test_batched_diagonal_unitary():
    op = qml.DiagonalQubitUnitary(D, wires=[1, 0])
    assert op.batch_size == 2 and op.data[0].shape == (2, 4)
    assert onp.allclose(op.matrix(), [onp.diag(d) for d in D])
    assert onp.allclose(op.eigvals(), D)
    assert onp.allclose(op.adjoint().matrix(), [onp.diag(d.conj()) for d in D])
    wide = op.matrix(wire_order=[0, 1])
    swap = onp.eye(4)[[0, 2, 1, 3]]
    for b in range(2):
        assert onp.allclose(wide[b], swap @ onp.diag(D[b]) @ swap)
        # the decomposition's gates (PennyLane's: GlobalPhase, and Z rotations by
        # multiplexed RZ and CNOTs), applied by hand with this element's angles
        gates = [(g.name, float(g.params[0][b]) if g.params else None, list(g.wires))
                 for g in op.gates()]
        u = onp.eye(4, dtype=complex)
        order = (1, 0)  # the operator's wire order: 1 is the first bit
        for name, t, w in gates:
            if name == "GlobalPhase":
                u = onp.exp(-1j * t) * u
            elif name == "CNOT":
                c, tg = order.index(w[0]), order.index(w[1])
                perm = [i ^ (1 << (1 - tg)) if (i >> (1 - c)) & 1 else i for i in range(4)]
                u = onp.eye(4)[perm] @ u
            else:
                assert name in ("RZ", "MultiRZ")
                zz = onp.ones(1)
                for wire in (1, 0):  # the operator's wire order: 1 is the first bit
                    zz = onp.kron(zz, onp.array([1.0, -1.0]) if wire in w else onp.ones(2))
                u = onp.diag(onp.exp(-0.5j * t * zz)) @ u
        assert onp.allclose(u, onp.diag(D[b]))
    with pytest.raises(ValueError, match="Operator must be unitary"):
        qml.DiagonalQubitUnitary.compute_matrix(onp.array([[1, 2], [1, 1]]))
    with pytest.raises(ValueError, match="Operator must be unitary"):
        qml.DiagonalQubitUnitary.compute_eigvals(onp.array([1, 0.5]))


def _between_hadamards():
    """A QNode: probabilities of ``H H diag H H |00>``."""

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(diag):
        qml.Hadamard(0)
        qml.Hadamard(1)
        qml.DiagonalQubitUnitary(diag, wires=[0, 1])
        qml.Hadamard(0)
        qml.Hadamard(1)
        return qml.probs(wires=[0, 1])

    return c


def test_batched_diagonal_unitary_in_a_qnode():
    c = _between_hadamards()
    got = c(D)
    H2 = onp.kron(H, H)
    for b in range(2):
        want = abs(H2 @ onp.diag(D[b]) @ H2[:, 0]) ** 2
        assert onp.allclose(got[b], want, atol=1e-13) and onp.allclose(c(D[b]), want, atol=1e-13)


# --- PCPhase, simplify, eigenvalues, flatten -----------------------------------------------
@pytest.mark.parametrize("dim, wires", [(0, [0, 1]), (1, [1, 0]), (3, ["a", 2]), (5, [0, 1, 2]),
                                        (1, [0]), (6, [2, 0, 1])])
def test_pcphase_decomposition_is_its_diagonal(dim, wires):
    phi = 0.37
    want = onp.diag([onp.exp(1j * phi) if k < dim else onp.exp(-1j * phi)
                     for k in range(2 ** len(wires))])
    op = qml.PCPhase(phi, dim, wires=wires)
    assert onp.allclose(op.matrix(), want)
    assert op.hyperparameters == {"dimension": (dim, 2 ** len(wires))}
    assert onp.allclose(qml.PCPhase.compute_matrix(phi, **op.hyperparameters), want)
    ops = op.decomposition()
    assert {g.name for g in ops} <= {"GlobalPhase", "MultiRZ"}
    u = onp.eye(2 ** len(wires), dtype=complex)
    for g in ops:
        u = (g.matrix(wire_order=wires) if g.wires and g.name != "GlobalPhase"
             else g.matrix()[0, 0] * onp.eye(len(u))) @ u
    assert onp.allclose(u, want)


def test_pcphase_decomposition_broadcasts():
    phis = onp.array([0.1, -2.0, 3.0])
    ops = qml.PCPhase(phis, 3, wires=[0, 1]).decomposition()
    for b, phi in enumerate(phis):
        one = qml.PCPhase(phi, 3, wires=[0, 1]).decomposition()
        assert [(g.name, list(g.wires)) for g in ops] == [(g.name, list(g.wires)) for g in one]
        assert all(abs(g.params[0][b] - h.params[0]) < 1e-15 for g, h in zip(ops, one))


def test_simplify_reduces_angles_by_the_matrix_period():
    for op, period in [(qml.RX(-50.0, wires=0), 4 * onp.pi), (qml.PhaseShift(50.0, wires=0), 2 * onp.pi),
                       (qml.CRY(13.0, wires=[0, 1]), 4 * onp.pi),
                       (qml.PCPhase(-50.0, dim=2, wires=[0, 1]), 2 * onp.pi)]:
        s = qml.simplify(op)
        assert type(s) is type(op) and 0 <= s.params[0] < period
        assert onp.allclose(s.matrix(), op.matrix())
    assert isinstance(qml.simplify(qml.RZ(0.0, wires=0)), qml.Identity)
    assert isinstance(qml.simplify(qml.IsingZZ(4 * onp.pi, wires=[0, 1])), qml.Identity)
    assert qml.equal(qml.simplify(qml.PSWAP(0.0, wires=[0, 1])), qml.SWAP(wires=[0, 1]))
    assert not isinstance(qml.simplify(qml.RX(2 * onp.pi, wires=0)), qml.Identity)  # -I
    b = qml.simplify(qml.RY(onp.array([-50.0, 3.0]), wires=0))
    assert onp.allclose(b.matrix(), qml.RY(onp.array([-50.0, 3.0]), wires=0).matrix())

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.simplify(qml.RX(x, wires=0))  # a traced angle: the gate as it is
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.3, requires_grad=True)
    assert abs(c(x) - onp.cos(0.3)) < 1e-14 and abs(qml.grad(c)(x) + onp.sin(0.3)) < 1e-12


@pytest.mark.parametrize("name", ["PSWAP", "IsingXY", "ISWAP", "SISWAP", "ECR"])
def test_closed_form_eigvals_are_the_matrix_eigenvalues(name):
    cls = getattr(qml, name)
    for t in (0.0, 0.5, -2.3):
        op = cls(t, wires=[0, 1]) if cls.num_params else cls(wires=[0, 1])
        e = onp.asarray(op.eigvals(), dtype=complex)
        m = onp.linalg.eigvals(op.matrix())
        assert onp.allclose(onp.sort_complex(e.round(10)), onp.sort_complex(m.round(10)))
    assert onp.allclose(qml.PSWAP(0.5, wires=[0, 1]).eigvals(),
                        [1, 1, -onp.exp(0.5j), onp.exp(0.5j)])


def test_gates_flatten_and_unflatten():
    for op in [qml.RX(0.1, wires=0), qml.PauliRot(0.2, "XY", wires=["a", "b"]),
               qml.PCPhase(0.3, 2, wires=[0, 1]), qml.QubitUnitary(U1, wires=0),
               qml.RZ(onp.array([0.1, 0.2]), wires=1), qml.CNOT(wires=[1, 0])]:
        data, meta = op._flatten()
        assert hash(meta) is not None
        new = type(op)._unflatten(data, meta)
        assert new.name == op.name and new.wires == op.wires
        assert onp.allclose(new.matrix(), op.matrix())


def test_eigvals_to_frequencies_matches_the_proved_frequencies():
    for op in [qml.RX(0.1, wires=0), qml.CRZ(0.1, wires=[0, 1]), qml.IsingXY(0.2, wires=[0, 1]),
               qml.PCPhase(0.2, 1, wires=[0, 1]), qml.DoubleExcitation(0.1, wires=[0, 1, 2, 3])]:
        gen = qml.matrix(qml.generator(op, format="observable"), wire_order=op.wires)
        freqs = qml.gradients.eigvals_to_frequencies(tuple(onp.round(onp.linalg.eigvalsh(gen), 8)))
        assert onp.allclose(sorted(freqs), sorted(op.parameter_frequencies[0]))


def test_simple_forms_of_rot_u2_u3_are_the_same_matrix():
    from qsym._opmath import SIMPLE_FORMS

    rng = onp.random.default_rng(1)
    for gate, forms in SIMPLE_FORMS.items():
        for when, name, _ in forms:
            p = [w if w is not None else rng.uniform(0.5, 3) for w in when]
            op = getattr(qml, gate)(*p, wires=list(range(getattr(qml, gate).num_wires)))
            s = qml.simplify(op)
            assert s.name == name and onp.allclose(s.matrix(), op.matrix(), atol=1e-14)
    assert qml.equal(qml.simplify(qml.Rot(onp.pi / 2, 0.1, -onp.pi / 2, wires=0)), qml.RX(0.1, wires=0))


@pytest.mark.parametrize("angles, name", [((onp.pi / 2, 0.1, -onp.pi / 2), "CRX"),
                                          ((0.0, 0.1, 0.0), "CRY"), ((0.1, 0.0, 0.2), "CRZ"),
                                          ((0.1, 0.2, 0.3), "CRot")])
def test_simplify_crot_is_rots_form_controlled(angles, name):
    """PennyLane's CRot.simplify (ctrl of Rot's simplified base): CRX, CRY, CRZ at Rot's
    special angles, CRot otherwise; each the block matrix diag(I, Rot) written here."""
    a, b, c = angles
    rz = lambda t: onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])  # noqa: E731
    ry = onp.array([[onp.cos(b / 2), -onp.sin(b / 2)], [onp.sin(b / 2), onp.cos(b / 2)]])
    block = onp.eye(4, dtype=complex)
    block[2:, 2:] = rz(c) @ ry @ rz(a)
    s = qml.CRot(*angles, wires=[0, 1]).simplify()
    assert s.name == name and onp.allclose(s.matrix(), block, atol=1e-14)


def _expm_hermitian(Hm, t):
    """exp(-1j t Hm) for a Hermitian matrix, by its eigenvectors (NumPy)."""
    w, v = onp.linalg.eigh(Hm)
    return (v * onp.exp(-1j * t * w)) @ v.conj().T


def _keyword_evolution_qnode(rng):
    """A random Hermitian ``Hm`` and PennyLane's QGRNN pattern on it: a QNode applying
    ``QubitUnitary(expm(-1j Hm t))`` with ``t`` a keyword argument, then ``RY(w)``."""
    A = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    Hm = A + A.conj().T

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(w, t=None):
        qml.QubitUnitary(_expm_hermitian(Hm, float(t)), wires=0)
        qml.RY(w, wires=0)
        return qml.expval(qml.PauliZ(0))

    return Hm, c


def test_a_matrix_made_from_a_keyword_at_every_call_keeps_bounded_signatures():
    """PennyLane's QGRNN pattern: QubitUnitary(expm(-1j H t)) with t a keyword argument.
    t becomes static (each value a signature); the QNode keeps a bounded number of them
    (qsym._runtime.LEARNED_STATIC_SIGNATURES) and every call's numbers are right."""
    from qsym import _runtime

    rng = onp.random.default_rng(11)
    Hm, c = _keyword_evolution_qnode(rng)

    w = np.array(0.3, requires_grad=True)
    for t in rng.random(_runtime.LEARNED_STATIC_SIGNATURES + 6):
        psi = _ry(0.3) @ _expm_hermitian(Hm, t)[:, 0]
        assert abs(c(w, t=t) - (abs(psi[0]) ** 2 - abs(psi[1]) ** 2)) < 1e-12
    assert len(c._compiled) <= _runtime.LEARNED_STATIC_SIGNATURES
    h = 1e-6
    fd = (c(0.3 + h, t=0.05) - c(0.3 - h, t=0.05)) / (2 * h)
    assert abs(qml.grad(c)(w, t=0.05) - fd) < 1e-8


def test_signatures_of_one_keyword_value_compile_by_their_calls_not_their_seconds(monkeypatch):
    """Issue #17 (PennyLane's QGRNN: ``time=dt`` drawn anew at each call): a signature
    built for one value of a learned static argument moves off tier 0 after
    COMPILE_AFTER_CALLS calls of that value only; its Python seconds do not start a
    background compile (one per new value was started and never used). A signature of
    an ordinary QNode still compiles by its seconds."""
    from qsym import _runtime, _tiers

    monkeypatch.delenv("QSYM_TIER", raising=False)  # (QSYM_TIER=python never promotes)
    monkeypatch.setattr(_tiers, "COMPILE_AFTER_SECONDS", 0.0)  # every call "slow"
    started = []
    monkeypatch.setattr(_runtime.Compiled, "_promote",
                        lambda self, x, d: started.append(self))
    rng = onp.random.default_rng(5)
    _, c = _keyword_evolution_qnode(rng)

    w = np.array(0.3, requires_grad=True)
    for t in rng.random(4):
        for _ in range(3):
            qml.grad(c)(w, t=t)
    entries = list(c._compiled.values())
    assert entries and all(e.one_value for e in entries)
    assert started == []

    @qml.qnode(qml.device("default.qubit", wires=1))
    def plain(w):
        qml.RY(w, wires=0)
        return qml.expval(qml.PauliZ(0))

    for _ in range(3):
        qml.grad(plain)(w)
    assert started and not started[0].one_value


@pytest.mark.parametrize("dtype, real", [(onp.float64, onp.float64), (onp.int64, onp.float64),
                                         (onp.int32, onp.float64), (onp.complex128, onp.float64),
                                         (onp.float32, onp.float32), (onp.int16, onp.float32),
                                         (onp.complex64, onp.float32)])
def test_diagonal_unitary_decomposition_keeps_the_precision(dtype, real):
    # PennyLane 0.45: single-precision input decomposes into complex64 / float32 data
    cplx = onp.complex64 if real == onp.float32 else onp.complex128
    Dd = onp.array([1, 1, -1, -1]).astype(dtype)
    for ops in (qml.DiagonalQubitUnitary(Dd, [0, 1]).decomposition(),
                qml.DiagonalQubitUnitary.compute_decomposition(Dd, [0, 1])):
        assert [op.name for op in ops] == ["DiagonalQubitUnitary", "SelectPauliRot"]
        assert ops[0].data[0].dtype == cplx and ops[1].data[0].dtype == real


def test_single_precision_diagonal_unitary_in_a_qnode():
    # a complex64 diagonal of phases holds them to ~1e-7: accepted (PennyLane's check), and
    # the circuit's probabilities agree with the double-precision ones to that precision
    phi = onp.array([0.3, -1.1, 2.0, 0.7])
    f = _between_hadamards()
    Hh = onp.kron(H, H)
    want = onp.abs(Hh @ onp.diag(onp.exp(1j * phi)) @ Hh[:, 0]) ** 2
    assert onp.allclose(f(onp.exp(1j * phi)), want, atol=1e-12)
    assert onp.allclose(f(onp.exp(1j * phi).astype(onp.complex64)), want, atol=1e-6)
    with pytest.raises(ValueError, match="Operator must be unitary"):
        qml.DiagonalQubitUnitary(onp.array([1, 1.001], dtype=onp.complex64), wires=0)


def test_broadcast_identity_pauli_rot_decomposes_to_a_broadcast_global_phase():
    # PennyLane 0.45: PauliRot(theta, "II") is GlobalPhase(theta / 2); PauliRot(t, "II") is
    # exp(-i t/2) I, GlobalPhase(p) is exp(-i p) I (closed forms)
    theta = onp.array([0.4, 0.9, 1.2])
    (gp,) = qml.PauliRot(theta, "II", wires=[0, 1]).decomposition()
    assert gp.name == "GlobalPhase"
    onp.testing.assert_allclose(onp.ravel(gp.data[0]), theta / 2)
    want = [onp.exp(-0.5j * t) * onp.eye(4) for t in theta]
    onp.testing.assert_allclose(gp.matrix(wire_order=[0, 1]), want, atol=1e-12)
    onp.testing.assert_allclose(qml.PauliRot(theta, "II", wires=[0, 1]).matrix(), want, atol=1e-12)
    # a broadcast word with letters: the same rotations around one broadcast MultiRZ
    names = [g.name for g in qml.PauliRot(theta, "XY", wires=[0, 1]).decomposition()]
    assert names == ["Hadamard", "RX", "MultiRZ", "Hadamard", "RX"]


def test_broadcast_parameters_are_the_arrays_given_and_decompositions_pass_them_on():
    # PennyLane's op.data (and op.parameters, list(op.data)) holds the array given, and a
    # decomposition's gates hold their parent's arrays: qml.Rot(phi, ...).decomposition()[0]
    # has data (phi,), the same object (PennyLane's test_Rot_decomposition_broadcasted)
    phi, theta, omega = onp.array([0.1, 2.1]), onp.array([0.4, -0.2]), onp.array([1.1, 0.2])
    rot = qml.Rot(phi, theta, omega, wires=0)
    assert rot.data[0] is phi and rot.parameters == [phi, theta, omega]
    for ops in (rot.decomposition(), qml.Rot.compute_decomposition(phi, theta, omega, wires=0)):
        assert [g.name for g in ops] == ["RZ", "RY", "RZ"]
        assert [g.parameters for g in ops] == [[phi], [theta], [omega]]
        u = onp.eye(2)[None]
        for g in ops:
            u = g.matrix() @ u
        assert onp.allclose(u, rot.matrix())  # (the product is still Rot's matrix, per element)
    t = np.array([0.3, 0.5], requires_grad=True)  # a qsym.numpy tensor: kept too
    assert qml.Rot(t, theta, omega, wires=0).decomposition()[0].data[0] is t


def test_broadcast_u2_decomposition_has_a_broadcast_constant_angle():
    # PennyLane's U2.compute_decomposition: Rot(lam, ones_like(lam) * pi / 2, -lam),
    # PhaseShift(lam), PhaseShift(phi): with a broadcast lam the middle angle is an array of
    # the batch's size (PennyLane's test_U2_decomposition_broadcasted)
    phi, lam = onp.array([0.1, 2.1]), onp.array([1.2, 4.9])
    op = qml.U2(phi, lam, wires=0)
    ops = op.decomposition()
    assert [g.name for g in ops] == ["Rot", "PhaseShift", "PhaseShift"]
    assert onp.allclose(ops[0].parameters, [lam, onp.full(2, onp.pi / 2), -lam])
    assert ops[1].parameters[0] is lam and ops[2].parameters[0] is phi
    u = onp.eye(2)[None]
    for g in ops:
        u = g.matrix() @ u
    assert onp.allclose(u, op.matrix())
    # not broadcast: the number, as before
    assert qml.U2(0.1, 1.2, wires=0).decomposition()[0].parameters[1] == onp.pi / 2


@pytest.mark.parametrize("dim", [3, 1.5, -1])
def test_pcphase_dim_out_of_range_says_pennylanes_message(dim):
    # PennyLane: ValueError "The projected dimension {dim} must be an integer that is less
    # than or equal to the max size of the matrix {2 ** n}. Try adding more wires."
    with pytest.raises(ValueError, match=f"The projected dimension {dim} .*max size of the matrix 2"):
        qml.PCPhase(1.23, dim=dim, wires=0)


def test_parametric_gates_have_pennylanes_module_paths():
    # pennylane.ops.qubit.parametric_ops_single_qubit / parametric_ops_multi_qubit name the
    # gate classes (PennyLane's test_op_aliases_are_valid)
    from qsym.ops.qubit import RX, MultiRZ, CPhaseShift01

    assert qml.ops.qubit.parametric_ops_single_qubit.RX is RX is qml.RX
    assert qml.ops.qubit.parametric_ops_multi_qubit.MultiRZ is MultiRZ is qml.MultiRZ
    assert qml.ops.qubit.parametric_ops_multi_qubit.CPhaseShift01 is CPhaseShift01


def test_a_broadcast_array_changed_in_place_changes_the_gate_as_pennylane():
    """PennyLane 0.45.1 keeps the caller's array (op.data[0] is phi) and computes the matrix
    from it at each call: after phi[0] = 5, op.data and op.matrix() both use 5 (checked in
    /work/plvenv). qsym changed op.data but kept the old matrix (0.1)."""
    phi = onp.array([0.1, 0.2])
    op = qml.RX(phi, wires=0)
    first = op.matrix()  # (computed once before the change)
    onp.testing.assert_allclose(first[0], qml.RX.compute_matrix(0.1), atol=1e-15)
    phi[0] = 5.0
    c, s = onp.cos(2.5), onp.sin(2.5)  # RX(5) by hand: [[cos 5/2, -i sin 5/2], ...]
    want = onp.array([[c, -1j * s], [-1j * s, c]])
    assert op.data[0] is phi
    onp.testing.assert_allclose(op.matrix()[0], want, atol=1e-15)
    # (PennyLane 0.45.1's order, plvenv: exp(+2.5i) first)
    onp.testing.assert_allclose(op.eigvals()[0], [onp.exp(2.5j), onp.exp(-2.5j)], atol=1e-15)
    onp.testing.assert_allclose(op.adjoint().matrix()[0], want.conj().T, atol=1e-15)
    assert repr(op) == "RX(array([5. , 0.2]), wires=[0])"  # (PennyLane's repr, plvenv)
    # a qsym.numpy tensor given: the same
    t = np.array([0.1, 0.2], requires_grad=True)
    rot = qml.Rot(t, 0.0, 0.0, wires=0)
    t[0] = 5.0
    onp.testing.assert_allclose(rot.matrix()[0], qml.RZ.compute_matrix(5.0), atol=1e-15)
    assert rot.decomposition()[0].data[0] is t
    # a change to a value no gate takes is refused where the gate is used again
    phi[1] = onp.inf
    with pytest.raises(qml.GateError, match="finite"):
        op.matrix()


def test_an_operator_a_circuit_applies_is_read_again_when_changed_between_calls():
    """PennyLane runs the circuit function at every call, so qml.apply(op) of an operator
    made outside uses its data as they are then. qsym's guard watched such an operator
    by identity only (a changed array or op.data = ... kept the first trace's numbers), and
    a broadcast operator applied by a second QNode failed ("parameter _literal0 uses
    unknown symbols": the first trace had made the user's operator's parameter its
    symbol). Values by hand: <Z> after RX(a) is cos a, after RX(b) RY(c) cos b cos c."""
    dev = qml.device("default.qubit", wires=1)
    phi = onp.array([0.1, 0.2])
    op = qml.RX(phi, wires=0)

    def f():
        qml.apply(op)
        return qml.expval(qml.PauliZ(0))

    c = qml.QNode(f, dev)
    onp.testing.assert_allclose(c(), onp.cos([0.1, 0.2]), atol=1e-15)
    onp.testing.assert_allclose(qml.QNode(f, dev)(), onp.cos([0.1, 0.2]), atol=1e-15)
    assert op.data[0] is phi and op.params[0] == (0.1, 0.2)
    phi[0] = 5.0
    onp.testing.assert_allclose(c(), onp.cos([5.0, 0.2]), atol=1e-15)
    ry = qml.RY(0.3, wires=0)

    @qml.qnode(dev)
    def d(x):
        qml.RX(x, wires=0)
        qml.apply(ry)
        return qml.expval(qml.PauliZ(0))

    assert d(0.1) == pytest.approx(onp.cos(0.1) * onp.cos(0.3), abs=1e-15)
    ry.data = (0.7,)
    assert d(0.1) == pytest.approx(onp.cos(0.1) * onp.cos(0.7), abs=1e-15)
