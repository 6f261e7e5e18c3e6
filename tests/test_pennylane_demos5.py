"""What PennyLane's demos (fifth round, issue #18) needed, written from PennyLane 0.45's
documented semantics and checked by hand-computed values (and PennyLane itself, where
installed)."""
import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import ArgumentError


def test_a_quantum_function_returning_operators_is_drawn_without_measurements():
    """PennyLane draws what a quantum function queued; a returned list of operators (the
    intro-to-QSVT demo draws ``op.decomposition``) is no measurement (was a
    ``MeasurementError``)."""
    def f(x):
        qml.RX(x, wires=0)
        return [qml.CNOT(wires=[0, 1]), qml.Hadamard(1)]

    # PennyLane 0.45.1's text for the same function
    assert qml.draw(f)(0.3) == "0: ──RX(0.30)─╭●────┤  \n1: ───────────╰X──H─┤  "
    with pytest.raises(qml.errors.MeasurementError):  # a QNode still needs measurements
        qml.QNode(f, qml.device("default.qubit", wires=2))(0.3)


def test_measured_only_wires_of_a_returned_dict_are_on_a_device_without_wires():
    """A device made without ``wires=`` takes the wires the circuit measures too, also in
    a returned dict (the arithmetic demo's ``{name: qml.sample(wires=...)}``; was a
    ``WireError``)."""
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def c():
        qml.X(1)
        return {"a": qml.expval(qml.Z(0)), "b": [qml.probs(wires=[2]), qml.expval(qml.Z(1))]}

    out = c()  # |010>: <Z0> = 1, P(wire 2 = 0) = 1, <Z1> = -1
    assert float(out["a"]) == 1.0 and float(out["b"][1]) == -1.0
    np.testing.assert_array_equal(out["b"][0], [1.0, 0.0])

    @qml.set_shots(2)
    @qml.qnode(dev)
    def s():
        qml.X(1)
        return {"x": qml.sample(wires=[0, 1]), "y": qml.sample(wires=[2])}

    out = s()
    np.testing.assert_array_equal(out["x"], [[0, 1], [0, 1]])
    np.testing.assert_array_equal(out["y"], [[0], [0]])


def _two_level():
    """H = Z0 + (X0 X1 + Y0 Y1) / 2 on |10>: a SingleExcitation(t) gives
    -cos t + sin t (up to the sign of t): |gradient| 1 at 0, minimum -sqrt(2); an RY on
    wire 1 leaves <H> = -1 (gradient 0)."""
    H = qml.Z(0) + 0.5 * qml.X(0) @ qml.X(1) + 0.5 * qml.Y(0) @ qml.Y(1)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        qml.PauliX(0)
        return qml.expval(H)

    return circuit, [qml.RY(0.0, wires=1), qml.SingleExcitation(0.0, wires=[0, 1])]


def test_adaptive_optimizer_keeps_the_gate_of_largest_gradient():
    circuit, pool = _two_level()
    opt = qml.AdaptiveOptimizer(param_steps=20)
    grown, energy, gradient = opt.step_and_cost(circuit, pool)
    assert np.isclose(energy, -1.0, atol=1e-12) and np.isclose(gradient, 1.0, atol=1e-12)
    ops = qml.workflow.construct_tape(grown)().operations
    assert [op.name for op in ops] == ["PauliX", "SingleExcitation"]
    # 20 steps of gradient descent (stepsize 0.5) on -cos t + sin t from 0: converged
    assert np.isclose(float(grown()), -np.sqrt(2), atol=1e-9)
    assert np.isclose(abs(ops[1].parameters[0]), np.pi / 4, atol=1e-9)
    # the circuit given is unchanged
    assert np.isclose(float(circuit()), -1.0)


def test_adaptive_optimizer_drains_the_pool_and_refuses_an_empty_one():
    circuit, pool = _two_level()
    opt = qml.AdaptiveOptimizer()
    grown = opt.step(circuit, pool)
    # with drain_pool the SingleExcitation is left out: the RY (gradient 0 at the minimum)
    again, energy, gradient = opt.step_and_cost(grown, pool, drain_pool=True)
    assert np.isclose(energy, -np.sqrt(2), atol=1e-9) and abs(gradient) < 1e-9
    names = [op.name for op in qml.workflow.construct_tape(again)().operations]
    assert names == ["PauliX", "SingleExcitation", "RY"]
    with pytest.raises(ArgumentError, match="operator pool is empty"):
        opt.step_and_cost(grown, pool[1:], drain_pool=True)
    with pytest.raises(ArgumentError, match="needs a parameter"):
        opt.step_and_cost(circuit, [qml.CNOT(wires=[0, 1])])
    with pytest.raises(ArgumentError, match="param_steps"):
        qml.AdaptiveOptimizer(param_steps=-1)
    assert qml.optimize.AdaptiveOptimizer is qml.AdaptiveOptimizer


def test_append_gate_and_the_private_circuit_of_the_adaptive_optimizer():
    """PennyLane's ``qml.optimize.adaptive.append_gate`` on a quantum function and on a
    tape, and ``AdaptiveOptimizer._circuit`` as a QNode: X then RY(t) gives <Z> = -cos t."""
    dev = qml.device("default.qubit", wires=1)

    def prep():
        qml.PauliX(0)
        return qml.expval(qml.Z(0))

    append_gate = qml.optimize.adaptive.append_gate
    rot = qml.Rot(0.0, 0.2, 0.3, wires=0)
    grown = append_gate(prep, np.array([0.5, 0.1]), [qml.RY(0.0, wires=0), rot])
    ops = qml.workflow.construct_tape(qml.QNode(grown, dev))()
    assert [op.name for op in ops.operations] == ["PauliX", "RY", "Rot"]
    assert ops.operations[1].parameters == [0.5]
    np.testing.assert_allclose(ops.operations[2].parameters, [0.1, 0.2, 0.3])
    assert rot.parameters == [0.0, 0.2, 0.3]  # the pool gate itself is unchanged

    tape = qml.workflow.construct_tape(qml.QNode(prep, dev))()
    tapes, fn = append_gate(tape, [0.5], [qml.RY(0.0, wires=0)])
    assert isinstance(tapes, list) and len(tapes) == 1 and fn(tapes) is tapes[0]
    assert [op.name for op in tapes[0].operations] == ["PauliX", "RY"]
    with pytest.raises(ArgumentError, match="one .first. parameter per gate"):
        append_gate(tape, [0.5, 0.1], [qml.RY(0.0, wires=0)])

    node = qml.QNode(qml.AdaptiveOptimizer._circuit, dev)
    t = pnp.array([0.8], requires_grad=True)
    assert np.isclose(node(t, [qml.RY(0.0, wires=0)], prep), -np.cos(0.8), atol=1e-12)
    g = qml.grad(node, argnum=0)(t, [qml.RY(0.0, wires=0)], prep)
    np.testing.assert_allclose(g, [np.sin(0.8)], atol=1e-12)


def test_adaptive_optimizer_with_a_pool_of_broadcast_gates():
    """PennyLane's pool ``qml.RX(np.array([1.0]), 0)``: a batch of one angle. From t = 1
    (params_zero=False) gradient descent on <Z> = cos t with step 0.5 is
    t <- t + 0.5 sin t; the RZ's gradient on |0> is 0, so the RX is kept."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return qml.expval(qml.PauliZ(0))

    pool = [qml.RX(np.array([1.0]), wires=0), qml.RZ(np.array([1.0]), wires=0)]
    grown, cost, gradient = qml.AdaptiveOptimizer(param_steps=20).step_and_cost(
        circuit, pool, params_zero=False)
    t = 1.0
    for _ in range(20):
        t += 0.5 * np.sin(t)
    assert np.isclose(cost, 1.0) and np.isclose(gradient, np.sin(1.0), atol=1e-12)
    op = qml.workflow.construct_tape(grown)().operations[-1]
    assert op.name == "RX" and np.shape(op.parameters[0]) == (1,)
    np.testing.assert_allclose(op.parameters[0], [t], atol=1e-10)
    np.testing.assert_allclose(grown(), [np.cos(t)], atol=1e-10)


def test_adaptive_optimizer_follows_pennylane():
    """Three steps (plain, drained, not from zero) on a 4-qubit excitation pool: the same
    energies, gradients and grown circuits as PennyLane 0.45.1's optimizer."""
    pl = pytest.importorskip("pennylane")

    def run(q):
        H = (q.Z(0) + 0.5 * q.Z(1) - 0.3 * q.Z(2) + 0.2 * q.X(0) @ q.X(2)
             + 0.4 * q.Y(1) @ q.Y(3) + 0.25 * q.X(0) @ q.X(1) @ q.Y(2) @ q.Y(3))

        @q.qnode(q.device("default.qubit", wires=4))
        def circuit():
            q.PauliX(0)
            q.PauliX(1)
            return q.expval(H)

        pool = [q.SingleExcitation(0.0, wires=[0, 2]), q.SingleExcitation(0.0, wires=[1, 3]),
                q.DoubleExcitation(0.0, wires=[0, 1, 2, 3]), q.RY(0.3, wires=2)]
        opt = q.AdaptiveOptimizer(param_steps=5, stepsize=0.3)
        out = []
        for kw in ({}, {"drain_pool": True}, {"params_zero": False}):
            circuit, energy, gradient = opt.step_and_cost(circuit, pool, **kw)
            ops = q.workflow.construct_tape(circuit)().operations
            out.append((float(energy), float(gradient), [op.name for op in ops],
                        [float(p) for op in ops for p in op.parameters]))
        return out + [float(circuit())]

    ours, theirs = run(qml), run(pl)
    for a, b in zip(ours[:-1], theirs[:-1]):
        assert a[2] == b[2]
        np.testing.assert_allclose(a[:2], b[:2], atol=1e-12)
        np.testing.assert_allclose(a[3], b[3], atol=1e-12)
    assert np.isclose(ours[-1], theirs[-1], atol=1e-12)


def test_an_observable_scaled_by_a_one_element_array():
    """``core * qml.Identity(0)`` with ``core`` of shape (1,) (the fermionic-operators
    demo, from ``qml.qchem.electron_integrals``) scales by its number (was a
    ``MeasurementError``); an array of several numbers is PennyLane's batched SProd,
    which cannot be measured."""
    H = qml.Z(0) + np.array([0.75]) * qml.Identity(0)
    np.testing.assert_allclose(qml.matrix(H, wire_order=[0]), np.diag([1.75, -0.25]))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.X(0)
        return qml.expval(H)

    assert np.isclose(float(c()), -0.25)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def batched():
        return qml.expval(np.array([0.5, 0.25]) * qml.Z(0))

    with pytest.raises(qml.errors.MeasurementError, match="scaled by a number"):
        batched()


def test_a_ragged_list_of_wires_is_a_static_argument():
    """``excitations=[[0, 1, 2, 3], [1, 3]]`` (the adaptive-circuits demo's selected
    doubles and singles) has no array shape: a static argument, not an ``ArgumentError``.
    DoubleExcitation(a) on |1100> then a SingleExcitation on wires 1, 3: <Z0> = -cos a."""
    @qml.qnode(qml.device("default.qubit", wires=4))
    def c(params, excitations):
        qml.BasisState(np.array([1, 1, 0, 0]), wires=range(4))
        for i, e in enumerate(excitations):
            if len(e) == 4:
                qml.DoubleExcitation(params[i], wires=e)
            else:
                qml.SingleExcitation(params[i], wires=e)
        return qml.expval(qml.Z(0))

    p = pnp.array([0.3, 0.2], requires_grad=True)
    for call in ({"excitations": [[0, 1, 2, 3], [1, 3]]}, {"excitations": ([0, 1, 2, 3], (1, 3))}):
        assert np.isclose(float(c(p, **call)), -np.cos(0.3))
        np.testing.assert_allclose(qml.grad(c)(p, **call), [np.sin(0.3), 0.0], atol=1e-12)
    # another ragged value traces again: the single on wires 0, 2 now moves wire 0
    # (|1100> -> cos(0.1)|1100> + ... after the double, RY-like on 0, 2)
    assert not np.isclose(float(c(p, excitations=[[0, 1, 2, 3], [0, 2]])), -np.cos(0.3))
