"""PennyLane details of templates: MottonenStatePreparation's decomposition (its gates, a
batch of complex states), a device whose ``execute`` is replaced on the instance (a test's
spy) receiving the QNode's tapes, FlipSign's and Permute's messages and reprs, PrepSelPrep's
label with an id and its identity terms. Checked against hand-written matrices and states."""

import numpy as np
import pytest

import qsym as qml

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
P0, P1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])


def _ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def _on(mat, wire, n):
    """A one-qubit matrix on ``wire`` of ``n`` (wire 0 most significant)."""
    out = np.eye(1)
    for w in range(n):
        out = np.kron(out, mat if w == wire else I2)
    return out


def _cnot(c, t, n):
    return _on(P0, c, n) + _on(P1, c, n) @ _on(X, t, n)


def _hand_unitary(ops, n):
    """The product of RY, RZ, CNOT and GlobalPhase gates, from their textbook matrices."""
    U = np.eye(2**n, dtype=complex)
    for op in ops:
        w = list(op.wires)
        if op.name == "RY":
            G = _on(_ry(float(op.parameters[0])), w[0], n)
        elif op.name == "RZ":
            G = _on(_rz(float(op.parameters[0])), w[0], n)
        elif op.name == "CNOT":
            G = _cnot(w[0], w[1], n)
        elif op.name == "GlobalPhase":
            G = np.exp(-1j * float(op.parameters[0])) * np.eye(2**n)
        else:
            raise AssertionError(f"unexpected gate {op.name}")
        U = G @ U
    return U


def test_mottonen_decomposition_is_rotations_cnots_and_a_global_phase():
    state = np.array([-0.5, 0.2, 0.3, 0.9, 0.5, 0.2, 0.3, 0.9])
    state = state / np.linalg.norm(state)
    ops = qml.MottonenStatePreparation(state, wires=[0, 1, 2]).decomposition()
    assert ops[-1].name == "GlobalPhase"
    # the mean of minus the phases: one amplitude of eight has phase pi
    assert np.isclose(float(ops[-1].parameters[0]), -np.pi / 8)
    assert {op.name for op in ops} == {"RY", "RZ", "CNOT", "GlobalPhase"}
    assert np.allclose(_hand_unitary(ops, 3)[:, 0], state)


def test_mottonen_of_a_complex_state_prepares_it_exactly():
    rng = np.random.default_rng(7)
    psi = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi /= np.linalg.norm(psi)
    ops = qml.MottonenStatePreparation(psi, wires=[0, 1, 2]).decomposition()
    assert np.allclose(_hand_unitary(ops, 3)[:, 0], psi)  # the phase too


@pytest.mark.parametrize("state", [[0.6, 0.0, 0.0, 0.8], [0.5, 0.5, 0.5, 0.5],
                                   [0, 0, 0, 0, 0, 0, 0, 1]])
def test_mottonen_of_a_non_negative_state_skips_the_phases(state):
    n = int(np.log2(len(state)))
    ops = qml.MottonenStatePreparation(state, wires=range(n)).decomposition()
    assert {op.name for op in ops} <= {"RY", "CNOT"}
    # the RY cascade: 2^k CNOTs for k controls, k = 1 .. n - 1
    assert sum(op.name == "CNOT" for op in ops) == 2**n - 2
    assert np.allclose(_hand_unitary(ops, n)[:, 0], state)


def test_mottonen_batch_of_complex_states_in_a_circuit():
    states = np.array([[1, 0, 0, 1j], [0, 1j, 1, 0], [0.5, 0.5j, -0.5, 0.5]])
    states[:2] /= np.sqrt(2)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit():
        qml.MottonenStatePreparation(states, wires=[0, 1])
        return qml.state()

    assert np.allclose(circuit(), states)
    assert qml.MottonenStatePreparation.resource_keys == frozenset({"num_wires"})
    assert qml.MottonenStatePreparation([0, 0, 0, 1], wires=(0, 1)).resource_params == {
        "num_wires": 2}


def test_mottonen_of_inputs_is_still_differentiable():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(v):
        qml.MottonenStatePreparation(v, wires=[0])
        return qml.expval(qml.Z(0))

    v = qml.numpy.array([0.6, 0.8], requires_grad=True)
    assert np.isclose(circuit(v), 0.36 - 0.64)
    # <Z> = (a^2 - b^2) / (a^2 + b^2) on the unit circle: d/da = 4 a b^2, d/db = -4 a^2 b
    assert np.allclose(qml.grad(circuit)(v), [4 * 0.6 * 0.64, -4 * 0.36 * 0.8])


def test_a_spy_on_the_device_execute_receives_the_device_tapes():
    dev = qml.device("default.qubit", wires=3)
    seen = []
    base = dev.execute

    def spy(circuits, execution_config=None):
        seen.append(circuits)
        return base(circuits, execution_config)

    @qml.qnode(dev)
    def circuit():
        qml.Permute([2, 0, 1], wires=[0, 1, 2])
        qml.PauliX(0)
        return qml.expval(qml.PauliZ(1))

    assert np.isclose(circuit(), 1.0)  # (compiled: no tapes to see); Z(1) of |100>
    dev.execute = spy
    assert np.isclose(circuit(), 1.0)
    tape = seen[-1][0]
    assert [(op.name, list(op.wires)) for op in tape.operations] == [
        ("SWAP", [0, 2]), ("SWAP", [1, 2]), ("PauliX", [0])]
    del dev.execute  # the spy removed: the compiled circuit again
    n = len(seen)
    assert np.isclose(circuit(), 1.0) and len(seen) == n


def test_a_spy_sees_the_permutation_moving_a_state():
    dev = qml.device("default.qubit", wires=2)
    calls = []
    base = dev.execute
    dev.execute = lambda c, execution_config=None: calls.append(c) or base(c, execution_config)

    @qml.qnode(dev)
    def circuit():
        qml.PauliX(0)
        qml.Permute([1, 0], wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    assert np.isclose(circuit(), -1.0)  # |10> swapped to |01>
    assert calls and [op.name for op in calls[0][0].operations] == ["PauliX", "SWAP"]


@pytest.mark.parametrize("n, wires, text", [
    (-1, 0, "The given basis state cannot be a negative integer number."),
    (2, 1, "Cannot encode basis state 2 on 1 wires."),
    (5, [0, 1], "Cannot encode basis state 5 on 2 wires."),
    ([0, 1], [2], "The basis state (0, 1) and wires [2] must be of equal length."),
    ([1, 0], [], "At least one valid wire is required."),
    (1, "", "At least one valid wire is required."),
])
def test_flip_sign_messages(n, wires, text):
    with pytest.raises(ValueError) as info:
        qml.FlipSign(n, wires=wires)
    assert text in str(info.value)


def test_flip_sign_and_permute_reprs():
    assert repr(qml.FlipSign([0, 1], wires=("a", "b"))) == "FlipSign((0, 1), wires=['a', 'b'])"
    assert repr(qml.FlipSign(2, wires=[0, 1])) == "FlipSign((1, 0), wires=[0, 1])"
    assert repr(qml.Permute([2, 1, 0], wires=(0, 1, 2))) == "Permute((2, 1, 0), wires=[0, 1, 2])"


def test_prep_sel_prep_label_with_an_id():
    lcu = qml.dot([0.25, 0.75], [qml.Z(1), qml.X(1)])
    op = qml.PrepSelPrep(lcu, control=0, id="myID")
    assert op.label() == op.label(decimals=3) == 'PrepSelPrep("myID")'
    assert op.label(base_label="U(A)") == 'U(A)("myID")'
    assert op.label(cache={"matrices": [0.1, 0.6]}) == 'PrepSelPrep(M2,"myID")'
    assert qml.PrepSelPrep(lcu, control=0).label(cache={"matrices": []}) == "PrepSelPrep(M0)"


def test_prep_sel_prep_of_an_identity_term():
    lcu = qml.dot([0.5, 0.5], [qml.Identity(1), qml.PauliZ(1)])
    U = qml.matrix(qml.PrepSelPrep(lcu, control=0), wire_order=[0, 1])
    assert np.allclose(U[:2, :2], np.diag([1.0, 0.0]))  # (I + Z) / 2
    assert np.allclose(U @ U.conj().T, np.eye(4))


def test_qsvt_data_setter_and_copy():
    import copy

    op = qml.QSVT(qml.RX(1, wires=0), [qml.RY(2, wires=0), qml.RZ(3, wires=0)])
    op.data = [4, 5, 6]
    assert op.data == (4, 5, 6)
    # two projectors: Pi_1 U Pi_0, i.e. RZ(6) RX(4) RY(5), from the textbook matrices
    assert np.allclose(op.matrix(), _rz(6) @ (np.cos(2) * I2 - 1j * np.sin(2) * X) @ _ry(5))
    dup = copy.copy(op)
    assert dup.hyperparameters["UA"] is not op.hyperparameters["UA"]
    assert np.allclose(dup.matrix(), op.matrix())
    with pytest.raises(AssertionError, match="Invalid conversion"):
        qml.transform_angles([0.1, 0.2], "QFT", "QSVT")


def _qsp_value(angles, x):
    """<0|RX(2 a_d) RZ(-2 arccos x) ... RX(2 a_1) RZ(-2 arccos x) RX(2 a_0)|0>, by hand."""
    def rx(t):
        return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])

    M = rx(2 * angles[0])
    for a in angles[1:]:
        M = rx(2 * a) @ _rz(-2 * np.arccos(x)) @ M
    return M[0, 0]


@pytest.mark.parametrize("poly", [[0, 0.5, 0, -0.3], [0.1, 0, 0.4], [0, 0.9]])
def test_iterative_qsp_angles_make_the_polynomial(poly):
    angles = qml.poly_to_angles(poly, "QSP", angle_solver="iterative")
    assert len(angles) == len(poly)
    for x in (-0.8, 0.1, 0.37, 0.95):
        assert np.isclose(_qsp_value(angles, x).real, np.polyval(poly[::-1], x), atol=1e-6)
    # QSVT's angles are the QSP angles shifted (transform_angles), both ways
    qsvt = qml.poly_to_angles(poly, "QSVT", angle_solver="iterative")
    assert np.allclose(qml.transform_angles(qsvt, "QSVT", "QSP"), angles)
    with pytest.raises(qml.ArgumentError, match="iterative-optax"):
        qml.poly_to_angles(poly, "QSP", angle_solver="iterative-optax")


@pytest.mark.parametrize("n", [2, 3])
def test_grover_operator_is_pennylanes_decomposition(n):
    s = np.full(2**n, 2 ** (-n / 2))
    ops = qml.GroverOperator(wires=range(n), work_wires=["w"]).decomposition()
    assert [op.name for op in ops] == (["Hadamard"] * (n - 1) + ["PauliZ", "MultiControlledX",
                                       "PauliZ"] + ["Hadamard"] * (n - 1) + ["GlobalPhase"])
    assert list(ops[n].hyperparameters["work_wires"]) == ["w"]
    assert np.allclose(qml.matrix(qml.GroverOperator(wires=range(n))),
                       2 * np.outer(s, s) - np.eye(2**n))  # 2|s><s| - I
    op = qml.GroverOperator(wires=(0, 1, 2), work_wires=(3, 4))
    assert repr(op) == "GroverOperator(wires=[0, 1, 2], work_wires=[3, 4])"
    with pytest.raises(ValueError, match="GroverOperator must have at least two wires"):
        qml.GroverOperator(wires=[0])


def test_approx_time_evolution_needs_pauli_words_and_flattens():
    with pytest.raises(ValueError, match="linear combination of pauli words"):
        qml.ApproxTimeEvolution(qml.Hamiltonian([1, 1], [qml.PauliX(0), qml.Hadamard(0)]), 2, 3)
    H = 2.0 * qml.PauliX(0) + 3.0 * qml.PauliY(0)
    op = qml.ApproxTimeEvolution(H, 0.1, n=20)
    data, meta = op._flatten()
    assert data[0] is H and data[1] == 0.1 and meta == (20,)
    new = type(op)._unflatten(data, meta)
    assert new is not op and np.allclose(qml.matrix(new), qml.matrix(op))


def test_map_wires_maps_control_wires_and_operator_arguments():
    import copy

    H = qml.dot([1.0, 2.0], [qml.PauliX(0), qml.PauliZ(1)])
    op = qml.Qubitization(H, control=[2, 3])
    moved = op.map_wires({0: 5, 1: 6, 2: 7, 3: 8})
    assert list(moved.wires) == [7, 8, 5, 6]
    # the same operator on the new wires: equal matrices in the mapped wire order
    assert np.allclose(qml.matrix(moved, wire_order=[7, 8, 5, 6]),
                       qml.matrix(op, wire_order=[2, 3, 0, 1]))
    seq = qml.ControlledSequence(qml.CNOT([0, 1]), control=[2, 3])
    new = seq.map_wires({0: "a", 1: "b", 2: "c", 3: "d"})
    assert list(new.wires) == ["c", "d", "a", "b"] and list(new.base.wires) == ["a", "b"]
    dup = copy.copy(op)
    assert dup.hamiltonian is not op.hamiltonian and dup.control is not op.control
    assert np.allclose(qml.matrix(dup), qml.matrix(op))


def test_qml_map_wires_of_a_template():
    # qml.map_wires (the function, not only the method) takes a template
    u = qml.RX(np.pi / 4, wires=[0]) @ qml.CNOT(wires=[0, 1])
    qpe = qml.QuantumPhaseEstimation(u, estimation_wires=[2, 3])
    new = qml.map_wires(qpe, {0: 2, 1: 3, 2: 4, 3: 5})
    assert list(new.wires) == [2, 3, 4, 5] and list(new.hyperparameters["estimation_wires"]) == [4, 5]
    assert list(new.hyperparameters["unitary"].wires) == [2, 3]
    assert np.allclose(qml.matrix(new, wire_order=[2, 3, 4, 5]),
                       qml.matrix(qpe, wire_order=[0, 1, 2, 3]))
    # QFT on two wires, written out: F[j, k] = i^(j k) / 2
    F = np.array([[1j ** (j * k) for k in range(4)] for j in range(4)]) / 2
    moved = qml.map_wires(qml.QFT(wires=[0, 1]), {0: "b", 1: "a"})
    assert list(moved.wires) == ["b", "a"]
    assert np.allclose(qml.matrix(moved, wire_order=["b", "a"]), F)
    with qml.queuing.AnnotatedQueue() as q:
        op = qml.QFT(wires=[0, 1])
        moved = qml.map_wires(op, {0: 7}, queue=True, replace=True)
    assert q.queue == [moved] and list(moved.wires) == [7, 1]


def test_template_module_paths_are_attributes_too():
    import importlib
    import sys

    # every module path qsym registers under qsym.templates is reachable by attribute as well
    # as by import (PennyLane's tests write qml.templates.subroutines.select._select_decomp_unary)
    # a copy made by one C call (dict.copy): iterating the live dict, or list() of its items,
    # can run a garbage collection whose finalizers let another thread import a module
    # midway ("dictionary changed size during iteration", seen once in a -n 2 run)
    for name, mod in sys.modules.copy().items():
        if name.startswith("qsym.templates."):
            parent, _, leaf = name.rpartition(".")
            assert getattr(sys.modules[parent], leaf) is mod, name
    select = qml.templates.subroutines.select
    assert select is importlib.import_module("qsym.templates.subroutines.select")
    assert select._select_decomp_unary in qml.list_decomps(qml.Select)
    # PennyLane's qml.ops.op_math.condition module: Conditional and cond
    from qsym.ops.op_math.condition import Conditional, cond

    assert qml.ops.op_math.condition.Conditional is Conditional is qml.ops.Conditional
    assert cond is qml.cond


def test_permute_has_no_data_however_its_permutation_is_given():
    # PennyLane's Permute: the permutation is a hyperparameter (a tuple), never data, so a
    # tape holding it has no parameter of it; map_wires maps the permutation's labels
    for op in (qml.Permute([2, 1, 0], (0, 1, 2)), qml.Permute([2, 1, 0], wires=[0, 1, 2]),
               qml.Permute(permutation=[2, 1, 0], wires=(0, 1, 2))):
        assert op.data == () and op.parameters == []
        assert op.hyperparameters == {"permutation": (2, 1, 0)}
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.Permute([1, 0], (0, 1))],
                                  [qml.expval(qml.Z(0))])
    assert tape.num_params == 1 and tape.get_parameters() == [0.3]
    mapped = qml.Permute([2, 1, 0], (0, 1, 2)).map_wires({0: "x"})
    assert list(mapped.wires) == ["x", 1, 2]
    assert mapped.hyperparameters == {"permutation": (2, 1, "x")}


# -- templates holding a Hamiltonian: PennyLane's data, and new parameters that reach it -----

def _ham():
    return qml.Hamiltonian([0.5, -0.3], [qml.X(0) @ qml.X(1), qml.Z(0)])


@pytest.mark.parametrize("make, data", [
    # PennyLane 0.45.1's op.data (printed in /work/plvenv): the time first for
    # CommutingEvolution, last for the Trotter-type templates, none for the block encodings
    (lambda: qml.CommutingEvolution(_ham(), 0.7), (0.7, 0.5, -0.3)),
    (lambda: qml.ApproxTimeEvolution(_ham(), 0.7, 2), (0.5, -0.3, 0.7)),
    (lambda: qml.TrotterProduct(_ham(), 0.7, n=2), (0.5, -0.3, 0.7)),
    (lambda: qml.QDrift(_ham(), 0.7, n=2, seed=1), (0.5, -0.3, 0.7)),
    (lambda: qml.Qubitization(_ham(), control=[2]), (0.5, -0.3)),
    (lambda: qml.PrepSelPrep(_ham(), control=[2]), (0.5, -0.3)),
])
def test_hamiltonian_template_data_and_new_parameters(make, data):
    op = make()
    assert np.allclose([float(d) for d in op.data], data)
    new = [d + 0.125 for d in data]
    tape = qml.tape.QuantumScript([op], [qml.expval(qml.Z(0))])
    bound = tape.bind_new_parameters(new, list(range(len(data)))).operations[0]
    assert type(bound) is type(op)
    assert np.allclose([float(d) for d in bound.data], new)


def test_approx_time_evolution_new_coefficients_reach_its_gates():
    op = qml.ApproxTimeEvolution(_ham(), 0.7, 2)
    bound = qml.tape.QuantumScript([op]).bind_new_parameters([2.0, 1.0, 0.25], [0, 1, 2])
    gates = bound.operations[0].decomposition()
    # PauliRot(2 c t / n): 2 * 2.0 * 0.25 / 2 = 0.5 and 2 * 1.0 * 0.25 / 2 = 0.25 (by hand)
    assert [g.name for g in gates[:2]] == ["PauliRot", "PauliRot"]
    assert np.allclose([float(g.data[0]) for g in gates[:2]], [0.5, 0.25])


def test_commuting_evolution_gradient_by_its_coefficients():
    """PennyLane's test_differentiable_hamiltonian: finite differences, the parameter-shift
    rule (the template opened, as PennyLane's grad_method None) and autograd agree; the
    values are PennyLane 0.45.1's (/work/plvenv) and a central difference by hand."""
    from qsym import numpy as pnp

    obs = [qml.PauliX(0) @ qml.PauliY(1), qml.PauliY(0) @ qml.PauliX(1)]

    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(time, coeffs):
        qml.PauliX(0)
        qml.CommutingEvolution(qml.Hamiltonian(coeffs, obs), time, (2, 4))
        return qml.expval(qml.PauliZ(0))

    x, c = pnp.array(0.7, requires_grad=True), pnp.array([1.0, -1.0], requires_grad=True)
    h = 1e-5
    central = [(circuit(x, c + h * e) - circuit(x, c - h * e)) / (2 * h) for e in np.eye(2)]
    expected = [0.46898341, -0.46898341]  # PennyLane 0.45.1's param_shift and qml.grad
    assert np.allclose(central, expected, atol=1e-6)
    for method in (qml.gradients.finite_diff, qml.gradients.param_shift):
        d_time, d_coeffs = method(circuit)(x, c)
        assert np.allclose(d_coeffs, expected, atol=1e-5)
        assert np.isclose(d_time, 1.3399526, atol=1e-5)  # PennyLane 0.45.1's
    assert np.allclose(qml.grad(circuit)(x, c)[1], expected, atol=1e-7)


@pytest.mark.parametrize("wrap", ["adjoint", "ctrl"])
def test_gradient_transforms_open_an_adjoint_or_controlled_template_of_numbers(wrap):
    """qml.gradients.param_shift / finite_diff of a QNode holding qml.adjoint (or qml.ctrl)
    of an ApproxTimeEvolution with a trainable coefficient: the template inside the wrapper
    is opened as the bare template is (they returned [0, 0] silently). References: a
    central difference by hand and autograd (backprop); PennyLane 0.45.1's param_shift of
    the adjoint case gives [-0.046244, -0.225503] (/work/plvenv)."""
    from qsym import numpy as pnp

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(x, t):
        qml.RX(0.4, wires=0)
        qml.RY(0.3, wires=1)
        qml.Hadamard(2)
        H = qml.Hamiltonian([x, 0.5], [qml.X(0) @ qml.X(1), qml.Z(1)])
        if wrap == "adjoint":
            qml.adjoint(qml.ApproxTimeEvolution(H, t, 1))
        else:
            qml.ctrl(qml.ApproxTimeEvolution(H, t, 1), control=2)
        return qml.expval(qml.Z(0) + 0.5 * qml.Y(0) + qml.X(1))

    x, t = pnp.array(0.7, requires_grad=True), pnp.array(0.3, requires_grad=True)
    h = 1e-6
    central = [(circuit(x + h, t) - circuit(x - h, t)) / (2 * h),
               (circuit(x, t + h) - circuit(x, t - h)) / (2 * h)]
    if wrap == "adjoint":
        assert np.allclose(central, [-0.046244, -0.225503], atol=1e-6)  # PennyLane's
    assert np.allclose(qml.grad(circuit)(x, t), central, atol=1e-6)
    for method in (qml.gradients.param_shift, qml.gradients.finite_diff):
        assert np.allclose(method(circuit)(x, t), central, atol=1e-5)
