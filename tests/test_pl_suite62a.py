"""Issue #18 (stop 62, pl62a): PennyLane 0.45.1 semantics its own test files in ops/,
measurements/, gradients/, devices/, workflow/ and tape/ reach.

Expected numbers are derived by hand (said so where used) or PennyLane 0.45.1's (computed
in /work/plvenv and pasted, said so where used).
"""

import numpy as onp

import qsym as qml
from qsym import numpy as pnp


# --- qml.BasisState after gates on its wires: PennyLane's X gates, no reset ----------------
def test_basis_state_after_gates_flips_the_current_state():
    """PennyLane's default.qubit decomposes a BasisState that does not open the circuit into
    its X gates (``construct_batch(level="device")`` shows ``[RX, X(0)]``): the bits flip
    the current state. By hand: RX(x) on 0 then X gives <Z0> = -cos x; RY(y) on 1 and no
    flip gives <X1> = sin y; the product and its gradient follow. (qsym refused it.)"""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.BasisState(onp.array([1, 0]), wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    x, y = pnp.array(0.7, requires_grad=True), pnp.array(-0.4, requires_grad=True)
    assert onp.isclose(circuit(x, y), -onp.cos(0.7) * onp.sin(-0.4), atol=1e-14)
    dx, dy = qml.grad(circuit)(x, y)
    assert onp.isclose(dx, onp.sin(0.7) * onp.sin(-0.4), atol=1e-14)
    assert onp.isclose(dy, -onp.cos(0.7) * onp.cos(-0.4), atol=1e-14)

    def body():  # PennyLane's change_op_basis of a subroutine that prepares after a gate
        qml.RX(0.2, wires=0)
        qml.adjoint(qml.BasisState)(onp.array([1]), wires=[0])

    ops = qml.tape.make_qscript(body)().operations
    assert [op.name for op in ops] == ["RX", "Adjoint(BasisState)"]
    assert onp.allclose(qml.matrix(ops[1]), [[0, 1], [1, 0]])


# --- GlobalPhase's decomposition: PennyLane's [] ------------------------------------------
def test_global_phase_decomposes_to_nothing_but_has_no_graph_rule():
    """PennyLane 0.45.1 (run in /work/plvenv): ``GlobalPhase(1.23).decomposition()`` and
    ``GlobalPhase.compute_decomposition(1.23)`` are ``[]``, ``has_decomposition`` True,
    ``qml.list_decomps(qml.GlobalPhase)`` empty and ``Adjoint(GlobalPhase)`` one rule. A
    controlled adjoint phase must keep its phase (by hand: H, controlled e^{+i x}, H on one
    wire gives <Z> = cos x)."""
    assert qml.GlobalPhase(1.23).decomposition() == []
    assert qml.GlobalPhase.compute_decomposition(1.23) == []
    assert qml.GlobalPhase.has_decomposition and qml.GlobalPhase(0.5).has_decomposition
    assert len(qml.list_decomps(qml.GlobalPhase)) == 0
    assert [r.name for r in qml.list_decomps("Adjoint(GlobalPhase)")] == ["adjoint_GlobalPhase"]

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x):
        qml.Hadamard(1)
        qml.ctrl(qml.adjoint(qml.GlobalPhase(x)), 1)
        qml.Hadamard(1)
        return qml.expval(qml.PauliZ(1))

    decomposed = qml.transforms.decompose(circuit, gate_set={"RZ", "CNOT", "Hadamard", "PhaseShift"})
    assert onp.isclose(decomposed(0.3), onp.cos(0.3), atol=1e-14)


# --- qml.grad through qml.devices.qubit / qubit_mixed's functions ---------------------------
def _functional_expval(module, x, c, p=None):
    """RX(x) on 0, RX(2x) on 1 (a BitFlip(p) on 1 for a density matrix), measured by
    ``H = c0 X0 X1 + c1 Y0 Y1``, by PennyLane's functional simulators."""
    H = qml.Hamiltonian(c, [qml.X(0) @ qml.X(1), qml.Y(0) @ qml.Y(1)])
    state = module.create_initial_state([0, 1], like="autograd")
    ops = [qml.RX(x, wires=0), qml.RX(2 * x, wires=1)] + (
        [] if p is None else [qml.BitFlip(p, wires=1)])
    for op in ops:
        state = module.apply_operation(op, state)
    return module.measure(qml.expval(H), state)


def test_grad_through_the_functional_simulators_by_angles_coefficients_and_noise():
    """PennyLane's devices/qubit_mixed tests differentiate ``apply_operation`` and
    ``measure`` with autograd, Hamiltonian coefficients included. By hand: RX(a)|0> has
    <X> = 0, <Y> = -sin a, so <H> = c1 sin x sin 2x, and a BitFlip(p) scales <Y1> by
    1 - 2p. (qsym raised TypeError on autograd's matrices and coefficients, and the pure
    state's Pauli-word kernels made object arrays of them.)"""
    from qsym.devices import qubit, qubit_mixed

    x, c, p = pnp.array(0.4), pnp.array([2.5, 6.2]), pnp.array(0.1)
    s, s2, cx, c2x = onp.sin(0.4), onp.sin(0.8), onp.cos(0.4), onp.cos(0.8)
    value = 6.2 * s * s2
    dx = 6.2 * (cx * s2 + 2 * s * c2x)
    for module, scale in ((qubit, 1.0), (qubit_mixed, 0.8)):
        args = (x, c) if module is qubit else (x, c, p)
        assert onp.isclose(_functional_expval(module, *args), value * scale, atol=1e-14)
        grads = qml.grad(lambda *a, m=module: _functional_expval(m, *a))(*args)
        assert onp.isclose(grads[0], dx * scale, atol=1e-13)
        assert onp.allclose(grads[1], [0.0, s * s2 * scale], atol=1e-14)
        if module is qubit_mixed:
            assert onp.isclose(grads[2], -2 * value, atol=1e-13)


def test_broadcast_diagonal_gate_keeps_the_autograd_state_framework():
    """PennyLane's ``qubit_mixed.apply_operation`` of a broadcast diagonal gate (or
    GlobalPhase) on one autograd density matrix returns autograd's tensor of the batch (qsym
    stacked the copies with NumPy). By hand: RZ(t) on |+><+| keeps 1/2 on the diagonal and
    puts e^{-it}/2 above it."""
    from qsym.devices import qubit_mixed

    rho = qml.math.asarray(onp.full((2, 2), 0.5, dtype=complex), like="autograd")
    t = onp.array([0.0, 0.5, 1.0])
    for op in (qml.RZ(t, wires=0), qml.GlobalPhase(t)):
        out = qubit_mixed.apply_operation(op, rho)
        assert qml.math.get_interface(out) == "autograd" and out.shape == (3, 2, 2)
    out = qubit_mixed.apply_operation(qml.RZ(t, wires=0), rho)
    assert onp.allclose(out[:, 0, 1], 0.5 * onp.exp(-1j * t))


# --- qml.Hermitian of a ragged list: NumPy's reason, as PennyLane's ValueError --------------
def test_hermitian_of_a_ragged_list_says_numpys_reason():
    """PennyLane 0.45.1 (run in /work/plvenv) raises NumPy's ValueError for a ragged matrix
    ("... The requested array has an inhomogeneous shape ..."); qsym's MeasurementError (a
    ValueError) says what it takes and now gives NumPy's reason too."""
    import pytest

    with pytest.raises(ValueError, match="square matrix of numbers.*inhomogeneous shape"):
        qml.Hermitian([[1, 0], [0, 1, 2]], wires=0)


# --- a large Grover operator on a density matrix (its wires shifted to the columns) --------
def test_grover_operator_on_nine_wires_of_a_density_matrix():
    """PennyLane's qml.devices.qubit_mixed applies a real gate on 9+ wires to the rows, then
    to the columns through map_wires; qsym's map_wires refused a template there (GateError).
    By hand: G|0> = (2/N) sum_i |i> - |0> for N = 2**9, so rho[0, 0] = (2/N - 1)**2,
    rho[1, 1] = rho[0, 1] / (2/N - 1) * (2/N) = (2/N)**2 and the trace stays 1."""
    from qsym.devices import qubit_mixed

    n, N = 9, 2 ** 9
    rho = qubit_mixed.create_initial_state(range(n))
    out = qubit_mixed.apply_operation(qml.GroverOperator(wires=range(n)), rho).reshape(N, N)
    assert onp.isclose(out[0, 0].real, (2 / N - 1) ** 2, atol=1e-14)
    assert onp.isclose(out[1, 1].real, (2 / N) ** 2, atol=1e-14)
    assert onp.isclose(out[0, 1].real, (2 / N - 1) * (2 / N), atol=1e-14)
    assert onp.isclose(onp.trace(out).real, 1.0, atol=1e-12)



# --- tape.specs["errors"]: PennyLane's algorithmic errors -----------------------------------
def test_tape_specs_errors_and_null_qubit_tracker_record_the_trotter_error():
    """PennyLane 0.45.1 (run in /work/plvenv): a tape holding ``TrotterProduct(X + 0.5 Y, 0.1,
    n=2, order=2)`` has ``specs["errors"] == {"SpectralNormError": 0.0010000000000000002}``,
    and null.qubit's tracker records it when executing the tape (qsym's were always {})."""
    H = qml.dot([1.0, 0.5], [qml.X(0), qml.Y(0)])
    tape = qml.tape.QuantumScript([qml.TrotterProduct(H, 0.1, n=2, order=2), qml.RX(0.1, 0)],
                                  [qml.expval(qml.Z(0))])
    errors = tape.specs["errors"]
    assert list(errors) == ["SpectralNormError"]
    assert onp.isclose(errors["SpectralNormError"].error, 0.0010000000000000002, rtol=1e-12)
    dev = qml.device("null.qubit", wires=1)
    with qml.Tracker(dev) as tracker:
        dev.execute([tape])
    assert onp.isclose(tracker.latest["errors"]["SpectralNormError"].error, 0.001, rtol=1e-12)
    assert qml.tape.QuantumScript([qml.RX(0.1, 0)]).specs["errors"] == {}
