"""What PennyLane's demos (fourth round, issue #18) needed, written from PennyLane 0.45's
documented semantics and checked by hand-computed values."""
import numpy as np

import qsym as qml
from qsym import _gates
from qsym import numpy as pnp


def test_coefficients_are_kept_as_given():
    """PennyLane's LinearCombination keeps ``coeffs`` as given: ``H.coeffs`` and
    ``H.terms()[0]`` are the list a Hamiltonian was made with, the array
    ``pauli_decompose`` makes; a Sum's ``terms()`` gives lists."""
    H = qml.Hamiltonian([1.0, 2.0], [qml.X(0), qml.Z(0)])
    assert H.coeffs == [1.0, 2.0] and isinstance(H.coeffs, list)
    coeffs, ops = H.terms()
    assert coeffs == [1.0, 2.0] and [repr(o) for o in ops] == ["X(0)", "Z(0)"]
    A = np.array([[0.5, 0.25], [0.25, -0.5]])  # = 0.25 X + 0.5 Z
    P = qml.pauli_decompose(A)
    assert isinstance(P.terms()[0], np.ndarray) and isinstance(P.coeffs, np.ndarray)
    np.testing.assert_allclose(sorted(P.terms()[0]), [0.25, 0.5])
    S = qml.X(0) + 0.5 * qml.Z(1)
    coeffs, ops = S.terms()
    assert isinstance(coeffs, list) and coeffs == [1.0, 0.5]
    np.testing.assert_allclose(S.coeffs, [1.0, 0.5])  # qsym's array (PennyLane's Sum has none)
    # the measured value does not depend on the container: <psi|H|psi> for |0>: 2
    dev = qml.device("default.qubit", wires=1)
    assert np.isclose(qml.QNode(lambda: qml.expval(H), dev)(), 2.0)


def test_a_trace_that_registers_controlled_rows_is_built_once(monkeypatch):
    """``qml.ctrl`` of a gate registers its controlled row on the first trace: that adds a
    name (no definition can be mixed), so the signature is built once, not again."""
    from qsym import _runtime

    name = "Demos4Gate"
    qml.define_gate(name, 1, generator=[[0, 0.5], [0.5, 0]])  # RX
    builds = []
    real = _runtime.QNode.build

    def counting(self, *args, **kwargs):
        builds.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_runtime.QNode, "build", counting)
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(t):
        qml.PauliX(wires=0)
        qml.ctrl(getattr(qml, name), control=0)(t, wires=1)
        return qml.expval(qml.PauliZ(1))

    try:
        before = _gates.REGISTRY.redefinitions
        assert np.isclose(c(0.3), np.cos(0.3))  # control on: RX(0.3)|0>, <Z> = cos 0.3
        assert len(builds) == 1 and _gates.REGISTRY.redefinitions == before
        assert np.isclose(qml.grad(c, argnum=0)(pnp.array(0.3)), -np.sin(0.3))
    finally:
        qml.undefine_gate(name)
    assert _gates.REGISTRY.redefinitions > before  # the gate and its controlled row removed


def _u3(theta, phi, lam):
    return np.array([[np.cos(theta / 2), -np.exp(1j * lam) * np.sin(theta / 2)],
                     [np.exp(1j * phi) * np.sin(theta / 2), np.exp(1j * (phi + lam)) * np.cos(theta / 2)]])


def test_gqsp_is_pennylanes_sequence_and_applies_the_polynomial():
    """GQSP(U, angles, control): X U3(2 th0, ph0, la0) X Z on the control, then per further
    triple U controlled on the control's |0> and the same four gates (written out here with
    hand-made matrices); with poly_to_angles' GQSP angles the control's |0> block is P(U)."""
    rng = np.random.default_rng(7)
    angles = rng.uniform(-np.pi, np.pi, size=(3, 3))
    U = qml.RY(0.7, wires=1).matrix()
    M = qml.matrix(qml.GQSP(qml.RY(0.7, wires=1), angles, control=0), wire_order=[0, 1])
    X, Z, I2 = np.array([[0, 1], [1, 0]]), np.diag([1, -1]), np.eye(2)
    P0, P1 = np.diag([1, 0]), np.diag([0, 1])

    def rot(t, p, lam):  # on the control (wire 0, the first factor)
        return np.kron(Z @ X @ _u3(2 * t, p, lam) @ X, I2)

    expected = rot(*angles[:, 0])
    for k in (1, 2):
        cu0 = np.kron(P0, U) + np.kron(P1, I2)  # U when the control is |0>
        expected = rot(*angles[:, k]) @ cu0 @ expected
    np.testing.assert_allclose(M, expected, atol=1e-12)
    poly = [0.1, 0.2j, 0.3]
    M = qml.matrix(qml.GQSP(qml.RY(0.7, wires=1), qml.poly_to_angles(poly, "GQSP"), control=0),
                   wire_order=[0, 1])
    np.testing.assert_allclose(M[:2, :2], 0.1 * I2 + 0.2j * U + 0.3 * U @ U, atol=1e-10)


def test_gqsp_in_a_circuit_and_its_wires():
    """In a QNode the operator given is applied through GQSP only (not once more)."""
    angles = qml.poly_to_angles([0.3, 0.4], "GQSP")  # P(z) = 0.3 + 0.4 z
    op = qml.GQSP(qml.PauliX(wires=1), angles, control="c")
    assert list(op.wires) == ["c", 1]

    @qml.qnode(qml.device("default.qubit", wires=["c", 1]))
    def f():
        qml.GQSP(qml.PauliX(wires=1), angles, control="c")
        return qml.probs(wires=["c", 1])

    # P(X)|0> = 0.3|0> + 0.4|1> on the control's |0> block
    np.testing.assert_allclose(f()[:2], [0.09, 0.16], atol=1e-12)


def test_binary_decimals_and_int_to_binary():
    """PennyLane's qml.math helpers: nearest binary decimals of (phi mod unit)/unit, ties to
    even; bits most significant first."""
    assert qml.math.binary_decimals(0.84375, 2).tolist() == [1, 1]  # 0.11011 -> 0.11
    assert qml.math.binary_decimals(0.6875, 2).tolist() == [1, 1]  # 0.1011: past the midpoint
    assert qml.math.binary_decimals(0.625, 2).tolist() == [1, 0]  # 0.101: tie, to even
    assert qml.math.binary_decimals(3 * np.pi / 2, 3, unit=2 * np.pi).tolist() == [1, 1, 0]
    assert qml.math.binary_decimals(2 * np.pi - 1e-9, 3, unit=2 * np.pi).tolist() == [0, 0, 0]
    assert qml.math.int_to_binary(13, 5).tolist() == [0, 1, 1, 0, 1]
    assert qml.math.int_to_binary(np.array([1, 2]), 2).tolist() == [[0, 1], [1, 0]]


def _phase_gradient_state(wires):
    for i, w in enumerate(wires):
        qml.Hadamard(w)
        qml.PhaseShift(-np.pi / 2**i, w)


def test_rz_phase_gradient_realises_rz_of_the_rounded_angle():
    """RZ(phi) through the phase-gradient register: H RZ(phi) H is RX(phi), so
    P(1) = sin^2(phi'/2) with phi' phi rounded to the angle register's bits of a turn."""
    from qsym.transforms.rz_phase_gradient import rz_phase_gradient

    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    @rz_phase_gradient(angle_wires=[1, 2], phase_grad_wires=[3, 4], work_wires=[5])
    def rx(phi):
        _phase_gradient_state([3, 4])
        qml.Hadamard(0)
        qml.RZ(phi, 0)
        qml.Hadamard(0)
        return qml.probs(0)

    for phi, rounded in [(np.pi / 2, np.pi / 2), (np.pi, np.pi), (1.7, np.pi / 2), (3 * np.pi / 2, 3 * np.pi / 2)]:
        p1 = np.sin(rounded / 2) ** 2
        np.testing.assert_allclose(rx(phi), [1 - p1, p1], atol=1e-12)
    assert qml.transforms.rz_phase_gradient is rz_phase_gradient


def test_rz_phase_gradient_is_rz_with_its_global_phase():
    """The whole transformed circuit is RZ(phi) on the target (phase included, the
    angle register back in |0>, the gradient register unchanged) for a representable
    phi: the state equals RZ(phi)|+> (x) |rest>."""
    from qsym.transforms.rz_phase_gradient import rz_phase_gradient

    phi = 2 * np.pi * 0.75  # (0.11)_2 of a turn: exact with two bits
    wires = [0, 1, 2, 3, 4, 5]

    def body(rz):
        _phase_gradient_state([3, 4])
        qml.Hadamard(0)
        if rz:
            qml.RZ(phi, 0)
        return qml.state()

    dev = qml.device("default.qubit", wires=wires)
    out = qml.QNode(rz_phase_gradient(lambda: body(True), angle_wires=[1, 2], phase_grad_wires=[3, 4],
                                      work_wires=[5]), dev)()
    ref = qml.QNode(lambda: body(False), dev)()
    rz = np.diag([np.exp(-1j * phi / 2), np.exp(1j * phi / 2)])
    expected = np.kron(rz, np.eye(32)) @ ref
    np.testing.assert_allclose(out, expected, atol=1e-10)


def test_matrix_of_an_operator_class_is_a_quantum_function():
    """qml.matrix(qml.QSVT, wire_order)(UA, projectors): the class called as a quantum
    function (PennyLane's); the same matrix as the operator's."""
    be = qml.BlockEncode(0.3, wires=[0])
    pr = [qml.PCPhase(a, dim=1, wires=[0]) for a in (0.1, 0.2, 0.3)]
    m = qml.matrix(qml.QSVT, wire_order=[0])(be, pr)
    np.testing.assert_allclose(m, qml.matrix(qml.QSVT(qml.BlockEncode(0.3, wires=[0]),
                                                      [qml.PCPhase(a, dim=1, wires=[0]) for a in (0.1, 0.2, 0.3)])))
    np.testing.assert_allclose(qml.matrix(qml.RX)(0.2, wires=0),
                               [[np.cos(0.1), -1j * np.sin(0.1)], [-1j * np.sin(0.1), np.cos(0.1)]])


def test_shadow_seed_is_drawn_from_numpys_global_generator_at_each_call():
    """PennyLane's qml.shadow_expval / qml.classical_shadow without a seed draw one with
    np.random.randint(2**30) each time the circuit runs: after np.random.seed, a script's
    shadows repeat, and equal the ones made with that drawn seed given explicitly."""
    def run(explicit):
        np.random.seed(321)
        dev = qml.device("default.qubit", wires=1)  # seed="global": draws its own seed
        seed = np.random.randint(2**30) if explicit else None
        np.random.seed(321)
        dev = qml.device("default.qubit", wires=1)

        @qml.set_shots(200)
        @qml.qnode(dev)
        def c():
            qml.RY(0.4, wires=0)
            return qml.classical_shadow(wires=[0], seed=seed)

        return c(), c()

    (b1, r1), (b2, r2) = run(False)
    (e1, s1), _ = run(True)
    assert np.array_equal(r1, s1) and np.array_equal(b1, e1)  # the drawn seed's recipes
    assert not np.array_equal(r1, r2)  # a new draw at the second call
    (c1, q1), _ = run(False)
    assert np.array_equal(q1, r1) and np.array_equal(c1, b1)  # reproducible


def test_tapes_of_different_shadows_are_different_circuits():
    """Two shadow measurements on the same wires differ by seed, observables or shape: a
    tape run after another must use its own (recipes: PennyLane's
    RandomState(seed).randint(0, 3, (T, n)); a list of observables: one estimate each)."""
    dev = qml.device("default.qubit", wires=2, seed=9)
    ops = [qml.Hadamard(0), qml.CNOT([0, 1])]
    for seed in (1, 2):
        tape = qml.tape.QuantumScript(ops, [qml.classical_shadow(wires=[0, 1], seed=seed)], shots=50)
        _, recipes = qml.execute([tape], dev)[0]
        np.testing.assert_array_equal(recipes, np.random.RandomState(seed).randint(0, 3, size=(50, 2)))
    one = qml.tape.QuantumScript(ops, [qml.shadow_expval(qml.Z(0) @ qml.Z(1), seed=3)], shots=500)
    many = qml.tape.QuantumScript(ops, [qml.shadow_expval([qml.Z(0) @ qml.Z(1), qml.X(0)], seed=3)], shots=500)
    assert np.shape(qml.execute([one], dev)[0]) == ()
    assert np.shape(qml.execute([many], dev)[0]) == (2,)


def test_jacobian_of_a_list_of_shadow_estimates_after_a_single_one():
    """qml.jacobian of shadow_expval([...]) has one entry per observable, also after
    qml.grad of the same QNode with one observable (its tape is another circuit)."""
    dev = qml.device("default.qubit", wires=2, seed=5)

    @qml.set_shots(400)
    @qml.qnode(dev)
    def f(x, H):
        qml.RX(x, wires=0)
        return qml.shadow_expval(H)

    x = pnp.array(0.5, requires_grad=True)
    assert np.shape(qml.grad(f)(x, qml.Z(0))) == ()
    jac = qml.jacobian(f)(x, [qml.Z(0), qml.X(0), qml.Y(0)])
    assert np.shape(jac) == (3,)
    # d<Z>/dx = -sin(0.5) ~ -0.48 estimated; d<X>/dx = 0 exactly for RX|0> (X unmeasured: 0)
    assert abs(jac[0] + np.sin(0.5)) < 0.5 and np.all(np.isfinite(jac))
