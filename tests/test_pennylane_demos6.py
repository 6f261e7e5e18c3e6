"""What PennyLane's demos (sixth round, issue #18: the demos tutorial_a... to tutorial_l...)
needed, written from PennyLane 0.45's documented semantics and checked by hand-computed
values."""
import numpy as np
import pytest

import qsym as qml


def test_numpy_functions_take_an_operator_as_one_object():
    """NumPy's reductions see an operator as one object, as in PennyLane (its operators set
    ``__array_priority__``, not ``__array_ufunc__ = None``): the fermionic-operators demo
    adds ``np.sum(core * qml.Identity(0))`` to a Hamiltonian (was a ``TypeError``)."""
    core = np.array([0.743])
    term = np.sum(core * qml.Identity(0))          # a one-element coefficient, kept
    h = qml.X(0) + qml.Z(1) + term
    # X0 + Z1 + 0.743: on |00>, |01>, |10>, |11> the diagonal is Z1 + 0.743
    diag = np.real(np.diag(qml.matrix(h, wire_order=[0, 1])))
    np.testing.assert_allclose(diag, [1.743, -0.257, 1.743, -0.257])
    assert np.sum(qml.X(0)) is not None and repr(np.sum(qml.PauliZ(3))) == "Z(3)"
    # NumPy's operators still defer to the operator: a scaled operator, not an object array
    for scaled in (np.array(0.5) * qml.X(0), np.float64(0.5) * qml.X(0), np.multiply(0.5, qml.X(0))):
        np.testing.assert_allclose(qml.matrix(scaled), [[0, 0.5], [0.5, 0]])
    # a sum of a list of operators is their Sum
    np.testing.assert_allclose(qml.matrix(np.sum([qml.X(0), qml.Z(0)])), [[1, 1], [1, -1]])


def test_a_zero_or_identity_simplifies_on_the_operator_wires():
    """``simplify`` of a result without Pauli terms is PennyLane's ``0 * I(wires)`` (integer
    zero, the operator's wires, none for a wireless one); the identity word acts on the
    operator's wires (PennyLane's ``PauliSentence.operation(wire_order=op.wires)``), not on
    wire 0 (the Lie-algebra demo prints ``[1j * Z(0), 1j * Z(1)] = 0 * I()``)."""
    Z = qml.Z
    zero = (qml.commutator(1j * Z(0), 1j * Z(1)) / 2).simplify()   # [Z0, Z1] = 0
    assert repr(zero) == "0 * I()" and len(zero.wires) == 0 and zero.scalar == 0
    assert repr((qml.X(0) - qml.X(0)).simplify()) == "0 * I(0)"
    assert repr(qml.s_prod(0.5, qml.Identity(wires=[])).simplify()) == "0.5 * I()"
    h = (qml.X(0) + 2 * qml.I(1)).simplify()
    assert repr(h) == "X(0) + 2.0 * I([0, 1])"
    # the same operator: X0 + 2 on two qubits
    np.testing.assert_allclose(qml.matrix(h, wire_order=[0, 1]),
                               np.kron([[0, 1], [1, 0]], np.eye(2)) + 2 * np.eye(4))


def _phase(phi):
    return np.diag([np.exp(1j * phi), np.exp(-1j * phi)])  # PCPhase(phi, dim=1) on one qubit


def test_controlled_qsvt_of_operators_made_outside_applies_them_only_inside():
    """``qml.ctrl(qml.QSVT, control=..., control_values=(0,))(UA, projectors)`` (the
    QSVT-in-practice demo's even/odd sum): the block encoding and the projectors made before
    the call leave the circuit, as PennyLane's ``ctrl`` of a function removes its operator
    arguments from the queue (they were applied uncontrolled too: wrong matrices, wrong
    optimisation)."""
    x, phis = 0.357, [0.3, 0.7]
    s = np.sqrt(1 - x ** 2)
    U = np.array([[x, s], [s, -x]])                        # BlockEncode of a scalar
    qsvt = _phase(phis[1]) @ U @ _phase(phis[0])            # projector, U, projector

    def circuit(cv):
        ua = qml.BlockEncode(x, wires=[0])
        projectors = [qml.PCPhase(p, dim=1, wires=[0]) for p in phis]
        qml.ctrl(qml.QSVT, control=("a",), control_values=(cv,))(ua, projectors)

    z = np.zeros((2, 2))
    np.testing.assert_allclose(qml.matrix(circuit, wire_order=["a", 0])(0),
                               np.block([[qsvt, z], [z, np.eye(2)]]), atol=1e-12)
    np.testing.assert_allclose(qml.matrix(circuit, wire_order=["a", 0])(1),
                               np.block([[np.eye(2), z], [z, qsvt]]), atol=1e-12)


def test_adjoint_and_ctrl_of_a_function_take_its_operator_arguments_off_the_circuit():
    """PennyLane's ``qml.adjoint(f)(op)`` and ``qml.ctrl(f, ...)(op)`` remove ``op`` (made
    before the call) from the queue: it is applied only as ``f`` applies it."""
    dev = qml.device("default.qubit", wires=["a", 0])
    x = 0.61

    @qml.qnode(dev)
    def inverted():
        qml.RY(0.4, wires=0)
        op = qml.RX(x, wires=0)
        qml.adjoint(lambda o: qml.apply(o))(op)   # RX(-x) only
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def unused():
        op = qml.RX(x, wires=0)                   # taken off, never applied
        qml.ctrl(lambda o: qml.RY(0.2, wires=0), control="a", control_values=0)(op)
        return qml.expval(qml.Z(0))

    # RX(-x) RY(0.4)|0>: <Z> = cos(0.4) cos(x); RY(0.2)|0> (wire a is 0): <Z> = cos(0.2)
    np.testing.assert_allclose(inverted(), np.cos(0.4) * np.cos(x), atol=1e-12)
    np.testing.assert_allclose(unused(), np.cos(0.2), atol=1e-12)


def test_drawing_specs_and_batches_run_the_circuit_function_once():
    """PennyLane records a QNode's tape once for ``qml.draw``, ``qml.draw_mpl``,
    ``qml.specs`` and ``construct_batch``: NumPy's global generator advances by one run of
    the function (qsym ran it twice: the learning-dynamics demo's parameters, drawn after a
    ``qml.draw_mpl`` of a shadow circuit, were other numbers); the drawing shows that run's
    draw."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x + np.random.random(), wires=0)
        return qml.expval(qml.Z(0))

    @qml.set_shots(10)
    @qml.qnode(dev)
    def shadow(x):
        qml.RX(x, wires=0)
        return qml.classical_shadow(wires=[0])   # PennyLane: seed = np.random.randint(2**30)

    np.random.seed(3)
    r, after_random = np.random.random(), np.random.random()
    np.random.seed(3)
    np.random.randint(2**30)
    after_randint = np.random.random()
    uses = [lambda q: qml.draw(q)(0.1), lambda q: qml.specs(q)(0.1),
            lambda q: qml.workflow.construct_batch(q, level="device")(0.1)]
    try:
        import matplotlib
        matplotlib.use("Agg")
        uses.append(lambda q: qml.draw_mpl(q)(0.1))
    except ImportError:
        pass
    for use in uses:
        for q, expected in ((c, after_random), (shadow, after_randint)):
            np.random.seed(3)
            use(q)
            assert np.random.random() == pytest.approx(expected, abs=0)
    np.random.seed(3)
    assert f"RX({0.1 + r:.4f})" in qml.draw(c, decimals=4)(0.1)


def test_a_shadow_estimate_is_differentiable_in_the_observable_coefficients():
    """``ClassicalShadow.expval`` of an observable whose coefficients are being
    differentiated (the learning-dynamics demo: ``qml.pauli_decompose`` of a QNode's density
    matrix, trained): the estimate is linear in them (was a ``TypeError`` from
    ``complex(ArrayBox)``)."""
    from qsym import numpy as pnp

    # snapshots 1-2 measured Z (+1, +1), 3-5 measured Y (+1, -1, -1): the shadow estimates
    # are 3 * mean of the matching outcomes: <Z> = (3 + 3) / 5 = 1.2, <Y> = (3 - 3 - 3) / 5
    bits = np.array([[0], [0], [0], [1], [1]])
    recipes = np.array([[2], [2], [1], [1], [1]])
    shadow = qml.ClassicalShadow(bits, recipes)

    def cost(a):
        m = pnp.array([[1.0, 0.0], [0.0, -1.0]], requires_grad=False) * a \
            + pnp.array([[0.0, -1j], [1j, 0.0]], requires_grad=False)   # a Z + Y
        return shadow.expval(qml.pauli_decompose(m, wire_order=[0]))

    a = pnp.array(0.7, requires_grad=True)
    assert float(cost(a)) == pytest.approx(0.7 * 1.2 - 0.6)
    assert float(qml.grad(cost)(a)) == pytest.approx(1.2)
    # a list of observables: one estimate each, the derivative of the first
    first = lambda a: shadow.expval([qml.pauli_decompose(  # noqa: E731
        pnp.array([[1.0, 0.0], [0.0, -1.0]], requires_grad=False) * a, wire_order=[0]),
        qml.Y(0)])[0]
    assert float(qml.grad(first)(a)) == pytest.approx(1.2)


def test_a_shadow_gradient_draws_one_seed_from_the_global_generator():
    """``qml.grad`` / ``qml.jacobian`` of a QNode returning ``qml.shadow_expval`` run the
    circuit function once, as PennyLane's (one ``np.random.randint(2**30)`` for the
    shadow's seed; the shifted circuits copy it): the differentiable-shadows demo's later
    random parameters, and so its exact values, were other numbers (qsym's first, compiled
    attempt had drawn a seed too)."""
    from qsym import numpy as pnp

    H = qml.Hamiltonian([1.0, 1.0], [qml.Z(0) @ qml.Z(1), qml.X(0) @ qml.X(1)])
    dev = qml.device("default.qubit", wires=2)

    @qml.set_shots(100)
    @qml.qnode(dev)
    def c(x, obs):
        qml.Hadamard(0)
        qml.CNOT([0, 1])
        qml.RX(x, wires=0)
        return qml.shadow_expval(obs)

    np.random.seed(5)
    np.random.randint(2**30)
    after_one_run = np.random.random()
    x = pnp.array(0.5, requires_grad=True)
    for run in (lambda: c(x, H), lambda: qml.grad(c)(x, H),
                lambda: qml.jacobian(c)(x, [H, qml.X(0)])):
        np.random.seed(5)
        run()
        assert np.random.random() == after_one_run


def test_an_attempt_snapshots_the_random_state_only_when_a_circuit_function_runs():
    """qml.grad's first try is a trace.Attempt: a compiled signature called again runs no
    circuit function, so no snapshot (about 30 us) is taken; a new signature is traced,
    so its draws can be undone."""
    from qsym import _trace as trace

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    c(0.1)
    with trace.Attempt(c.func) as attempt:
        c(0.2)
    assert attempt.state is None
    with trace.Attempt(c.func) as attempt:
        c(np.array([0.1, 0.2]))  # a broadcast: a new signature, traced
    assert attempt.state is not None
