"""Issue #18 (tapes, transforms, decomposition, specs): PennyLane 0.45.1's semantics, checked
by hand-written expectations."""
from collections import Counter

import numpy as onp
import pytest

import qsym as qml


def test_cancel_inverses_follows_pennylane_and_keeps_opposite_rotations():
    # PennyLane cancels self-inverse pairs and op / adjoint(op) only: RX(x) RX(-x) stays
    t = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RX(-0.3, 0), qml.S(1), qml.adjoint(qml.S(1)),
                                qml.X(0), qml.X(0), qml.T(1), qml.PhaseShift(-onp.pi / 4, 1)])
    (new,), _ = qml.transforms.cancel_inverses(t)
    assert [op.name for op in new.operations] == ["RX", "RX", "T", "PhaseShift"]
    # and the unitary is the same (hand-written: RX(0.3) RX(-0.3) = 1, T PhaseShift(-pi/4) = 1)
    assert onp.allclose(qml.matrix(new, wire_order=[0, 1]), onp.eye(4))


def test_subroutine_resources_as_pennylane():
    from functools import partial

    from qsym.templates import AbstractArray, Subroutine, SubroutineOp

    seen = {}

    def counts(x, wires, meta):
        seen.update(wires=wires, meta=meta)
        return {qml.RX: len(wires)}

    @partial(Subroutine, compute_resources=counts)
    def Given(x, wires, meta=2):
        pass

    assert Given.compute_resources(0.5, 0) == {qml.RX: 1}  # one wire label: a register of one
    assert isinstance(seen["wires"], qml.wires.Wires) and seen["meta"] == 2  # defaults applied

    @partial(Subroutine, static_argnames="word")
    def Layer(params, wires, word):
        for p, w in zip(params, wires):
            qml.PauliRot(p, word, w)
        qml.CNOT(wires[:2])

    got = Layer.compute_resources(AbstractArray((3,), float), AbstractArray((3,)), "Y")
    assert dict(got) == {qml.resource_rep(qml.PauliRot, pauli_word="Y"): 3,
                         qml.resource_rep(qml.CNOT): 1}

    @Subroutine
    def Broken(wires):
        raise ValueError("no")

    with pytest.raises(ValueError, match="Fallback for computing resources for <Subroutine: Broken>"):
        Broken.compute_resources(AbstractArray((2,)))

    op = Layer.operator(onp.zeros((2, 3), dtype=onp.float32), [0, 1], "Z")
    assert SubroutineOp.resource_keys == frozenset({"subroutine", "signature_key"})
    key = op.resource_params["signature_key"]
    assert key[0][1] == (AbstractArray((2, 3), onp.float32),)  # the array's shape and dtype
    assert key[1:] == (AbstractArray((2,)), "Z")  # the register's length, the static word
    with pytest.raises(ValueError, match="never be directly captured"):
        SubroutineOp._primitive_bind_call()


def test_pauli_rot_resource_params_and_graph_decomposition():
    assert qml.PauliRot(0.2, "XZ", wires=[0, 1]).resource_params == {"pauli_word": "XZ"}
    t = qml.tape.QuantumScript([qml.PauliRot(0.3, "XZ", [0, 1])])
    qml.decomposition.enable_graph()
    try:
        (new,), _ = qml.transforms.decompose(t, gate_set={"RZ", "CNOT", "H", "RX", "GlobalPhase"})
    finally:
        qml.decomposition.disable_graph()
    assert {op.name for op in new.operations} <= {"RZ", "CNOT", "Hadamard", "RX", "GlobalPhase"}
    # exp(-i 0.3/2 X0 Z1), written out by hand
    X, Z = onp.array([[0, 1], [1, 0]]), onp.diag([1, -1])
    expected = onp.cos(0.15) * onp.eye(4) - 1j * onp.sin(0.15) * onp.kron(X, Z)
    assert onp.allclose(qml.matrix(new, wire_order=[0, 1]), expected)


def test_assert_valid_takes_pennylanes_skip_keywords():
    class Wrong(qml.operation.Operation):
        num_wires = 1

        @staticmethod
        def compute_matrix():
            return onp.eye(2)

        @staticmethod
        def compute_decomposition(wires):
            return [qml.X(wires)]  # not the identity: caught unless skipped

    with pytest.raises(AssertionError, match="decomposition"):
        qml.ops.functions.assert_valid(Wrong(0), skip_pickle=True)
    qml.ops.functions.assert_valid(Wrong(0), skip_pickle=True, skip_decomp_matrix_check=True,
                                   skip_deepcopy=True, skip_capture=True)


def test_a_transformed_device_prints_as_pennylanes_and_stays_the_device():
    import copy

    dev = qml.device("default.qubit", wires=1)
    new = qml.transforms.cancel_inverses(dev)
    assert repr(new) == (f"Transformed Device({dev!r} with additional preprocess transform "
                         f"{qml.transforms.cancel_inverses!r})")
    assert isinstance(new, type(dev)) and new.original_device is dev and repr(dev)[0] == "<"
    again = copy.copy(new)
    assert type(again) is type(new) and repr(again) == repr(new)

    @qml.qnode(again)
    def c(x):
        qml.RX(x, 0)
        qml.X(0)
        qml.X(0)
        return qml.expval(qml.Z(0))

    assert onp.isclose(c(0.3), onp.cos(0.3))


def test_shadow_measurements_do_not_sample_the_computational_basis():
    shadow = qml.classical_shadow(wires=[0, 1])
    estimate = qml.shadow_expval(qml.X(0))
    assert not shadow.samples_computational_basis and not estimate.samples_computational_basis
    assert qml.sample().samples_computational_basis
    t = qml.tape.QuantumScript([], [qml.expval(qml.Z(0)), shadow])
    assert t.samples_computational_basis is False
    assert qml.tape.QuantumScript([], [shadow, qml.sample()]).samples_computational_basis is True


def test_a_copy_keeps_the_batch_size_worked_out():
    t = qml.tape.QuantumScript([qml.RX([0.1, 0.2, 0.3], 0)], [qml.expval(qml.Z(0))])
    from qsym.operation import _UNSET_BATCH_SIZE

    assert t.copy()._batch_size is _UNSET_BATCH_SIZE  # not worked out by copying
    assert t.batch_size == 3
    assert t.copy()._batch_size == 3
    assert t.copy(operations=[qml.RX(0.1, 0)])._batch_size is _UNSET_BATCH_SIZE


def test_drawn_unitary_matrices_are_listed_as_qml_draw_lists_them():
    t = qml.tape.QuantumScript([qml.QubitUnitary(onp.eye(2), wires=0),
                                qml.QubitUnitary(onp.array([[0, 1j], [1j, 0]]), wires=0)])
    text = qml.drawer.tape_text(t)
    assert text == t.draw()
    assert "M0 = \n[[1. 0.]\n [0. 1.]]" in text  # a real matrix printed real
    assert "M1 = \n[[0.+0.j 0.+1.j]\n [0.+1.j 0.+0.j]]" in text


def _product(ops, wires):
    u = onp.eye(2 ** len(wires), dtype=complex)
    for op in ops:
        u = qml.matrix(op, wire_order=wires) @ u
    return u


H1 = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
CNOT_M = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
CZ_M = onp.diag([1, 1, 1, -1])


def _crx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    m = onp.eye(4, dtype=complex)
    m[2:, 2:] = [[c, -1j * s], [-1j * s, c]]
    return m


@pytest.mark.parametrize("gate, name, args, expected", [
    ("CNOT", "_cnot_to_cz_h", (), CNOT_M),
    ("CZ", "_cz_to_cnot", (), CZ_M),
    ("CRX", "_crx_to_rx_cz", (0.7,), _crx(0.7)),
    ("CRX", "_crx_to_h_crz", (0.7,), _crx(0.7)),
    ("Hadamard", "_hadamard_to_rz_rx", (), H1),
    ("Hadamard", "_hadamard_to_rz_ry", (), H1),
])
def test_pennylanes_gate_rules_make_the_gate(gate, name, args, expected):
    rule = next(r for r in qml.list_decomps(gate) if r.name == name)
    wires = [0, 1] if expected.shape[0] == 4 else [0]
    with qml.queuing.AnnotatedQueue() as q:
        rule(*args, wires=wires)
    assert onp.allclose(_product(q.queue, wires), expected)
    counts = Counter(op.name for op in q.queue)
    declared = {r.name: n for r, n in rule.compute_resources().gate_counts.items()}
    assert counts == declared


def test_the_graph_picks_pennylanes_rules_by_weight():
    t = qml.tape.QuantumScript([qml.CNOT(wires=[1, 0])])
    with qml.decomposition.toggle_graph_ctx(True):
        (new,), _ = qml.transforms.decompose(t, gate_set={"RY", "RZ", "CZ", "Hadamard"})
    assert [op.name for op in new.operations] == ["Hadamard", "CZ", "Hadamard"]
    assert onp.allclose(_product(new.operations, [1, 0]), CNOT_M)


def test_qubit_unitary_resources_and_nested_graph_decomposition():
    assert qml.QubitUnitary(onp.eye(4), wires=[0, 1]).resource_params == {"num_wires": 2}
    a, b, c = 0.1, 0.2, 0.3
    rz = lambda t: onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])  # noqa: E731
    ry = lambda t: onp.array([[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]])  # noqa: E731
    rot = rz(c) @ ry(b) @ rz(a)
    U = onp.kron(rot, onp.eye(2))
    tape = qml.tape.QuantumScript([qml.QubitUnitary(U, wires=[0, 1])])

    def keep_identity(op):
        return op.name == "QubitUnitary" and onp.allclose(op.matrix(), onp.eye(2 ** len(op.wires)))

    with qml.decomposition.toggle_graph_ctx(True):
        (new,), _ = qml.transforms.decompose(tape, gate_set={"RZ", "RY", "GlobalPhase", "CNOT"},
                                             stopping_condition=keep_identity)
    # the wire-0 unitary by its cheapest rule (ZYZ, no phase: det 1), the identity kept
    assert [op.name for op in new.operations] == ["RZ", "RY", "RZ", "QubitUnitary"]
    assert onp.allclose([op.data[0] for op in new.operations[:3]], [a, b, c])
    assert onp.allclose(qml.matrix(new, wire_order=[0, 1]), U)


def test_probs_of_an_operator_shares_wires_like_an_observable():
    import warnings

    t = qml.tape.QuantumScript([qml.RY(0.4, 0)], [qml.expval(qml.X(0)), qml.probs(op=qml.X(0))])
    assert t.obs_sharing_wires_id == [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = t.expand(expand_measurements=True)
        bad = qml.tape.QuantumScript([], [qml.expval(qml.X(0)), qml.probs(op=qml.Z(0))])
        with pytest.raises(qml.QuantumFunctionError, match="Try removing all probability"):
            bad.expand(expand_measurements=True)
    ev, pr = qml.execute([new], qml.device("default.qubit"))[0]
    # RY(0.4)|0>: <X> = sin(0.4); X-basis probabilities (1 +- sin(0.4)) / 2
    assert onp.isclose(ev, onp.sin(0.4))
    assert onp.allclose(pr, [(1 + onp.sin(0.4)) / 2, (1 - onp.sin(0.4)) / 2])


def test_a_deep_copy_shares_a_templates_parameters():
    import copy

    state = onp.array([1, 0])
    t = qml.tape.QuantumScript([qml.BasisState(state, wires=[0, 1]), qml.RY(0.5, wires=1)],
                               [qml.expval(qml.Z(0))])
    new = copy.deepcopy(t)
    assert new.operations[0] is not t.operations[0]
    assert new.operations[0].wires is not t.operations[0].wires
    assert new.operations[0].data[0] is t.operations[0].data[0]  # PennyLane's: data shared
    # |10>: <Z0> = -1 on both
    dev = qml.device("default.qubit")
    assert onp.isclose(qml.execute([new], dev)[0], -1) and onp.isclose(qml.execute([t], dev)[0], -1)


def test_a_measurement_only_identity_wire_is_a_tape_wire():
    # PennyLane's QuantumScript.wires: every operation's and measurement's mp.wires (PennyLane
    # 0.45.1, /work/plvenv: Wires([0, 3]) and num_wires 2 for var(I(3)); Wires([0, 4]) for
    # sample(I(4))); the identity's wire is measured even though nothing acts on it
    t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.var(qml.I(3))])
    assert t.wires.tolist() == [0, 3] and t.num_wires == 2
    t = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.sample(qml.I(4))])
    assert t.wires.tolist() == [0, 4]
    # mapped to standard wires, the identity is on the first wire after the gates'
    new = qml.tape.QuantumScript([qml.RX(0.3, 5)], [qml.var(qml.I(3))]).map_to_standard_wires()
    assert new.measurements[0].wires.tolist() == [1]


def test_quantities_of_the_state_are_different_tapes():
    # qml.purity, qml.vn_entropy (and its log_base) and qml.density_matrix of one wire are all
    # of kind "state": one key made a tape's hash, qml.execute's cache and the compiled node
    # answer the purity for the entropy. By hand: RX(0.4) CNOT RY(0.3) leaves wire 0 in
    # diag(cos^2 0.2, sin^2 0.2)
    p = onp.array([onp.cos(0.2) ** 2, onp.sin(0.2) ** 2])
    ops = [qml.RX(0.4, 0), qml.CNOT([0, 1]), qml.RY(0.3, 1)]
    want = [(qml.purity([0]), onp.sum(p ** 2)), (qml.vn_entropy([0]), -onp.sum(p * onp.log(p))),
            (qml.vn_entropy([0], log_base=2), -onp.sum(p * onp.log2(p))),
            (qml.density_matrix([0]), onp.diag(p)), (qml.purity([0]), onp.sum(p ** 2))]
    tapes = [qml.tape.QuantumScript(ops, [m]) for m, _ in want]
    assert len({t.hash for t in tapes}) == 4
    dev = qml.device("default.qubit")
    for t, (_, value) in zip(tapes, want):  # one call each: the results of earlier calls kept
        assert onp.allclose(qml.execute([t], dev)[0], value, atol=1e-12)
