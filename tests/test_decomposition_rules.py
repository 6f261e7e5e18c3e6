"""Decompositions and powers of every gate of the table, checked by matrices.

- every gate with a decomposition rule (``qml.list_decomps``): the product of the gates the
  rule makes equals the gate's matrix (the table's matrices are checked against
  independently written ones in ``test_gate_matrices.py``), and the rule's resource counts
  are the gates it makes;
- ``op.pow(z)`` for every gate of the table and many ``z``: where defined, the product of
  its gates equals the principal matrix power ``V diag(exp(i z arg(l))) V^-1`` (computed
  here from the eigenvalues, arguments in (-pi, pi]); where not defined, PennyLane's
  ``PowUndefinedError``; the ``"Pow(<gate>)"`` rules agree with it;
- PennyLane's documented special powers (ISWAP, SISWAP, CZ, SX, S, T) by name.
"""

from collections import Counter

import numpy as np
import pytest

import qsym as qml
from qsym import _gates

RNG = np.random.default_rng(7)


def _hyper(name, n):
    return {"PauliRot": {"pauli_word": "XYZ"[:n]}, "PCPhase": {"dim": 3},
            "MultiControlledX": {"control_values": [1, 0, 1][: n - 1]},
            "QubitUnitary": {"U": np.linalg.qr(RNG.normal(size=(2 ** n, 2 ** n))
                                               + 1j * RNG.normal(size=(2 ** n, 2 ** n)))[0]},
            }.get(name, {})


def _gate(name, params=None):
    """A gate of row ``name`` on wires 0..n-1 (3 for gates on any number of wires; 2 for
    PCPhase and a QubitUnitary)."""
    row = _gates.GATES[name]
    n = row.num_wires or (2 if name in ("PCPhase", "QubitUnitary") else 3)
    if params is None:
        params = RNG.uniform(0.1, 0.9, size=row.num_params)
    wires = list(range(n)) if row.num_wires or name != "GlobalPhase" else []
    return getattr(qml, name)(*params, wires=wires, **_hyper(name, n))


def _product(ops, wires):
    m = np.eye(2 ** len(wires), dtype=complex)
    for g in ops:
        if not g.has_matrix:  # a ChangeOpBasis: the product of its operators
            gm = qml.matrix(g, wire_order=wires)
        else:
            gm = g.matrix(wire_order=wires) if g.wires else g.matrix()[0, 0] * np.eye(2 ** len(wires))
        m = gm @ m
    return m


def _principal_power(U, z):
    w, v = np.linalg.eig(U)
    ang = np.angle(w)
    ang = np.where(ang <= -np.pi + 1e-9, np.pi, ang)
    return (v * np.exp(1j * z * ang)) @ np.linalg.inv(v)


GATES = sorted(_gates.BUILTIN_GATES)
WITH_RULES = [n for n in GATES if qml.list_decomps(getattr(qml, n))]


def test_the_rules_cover_the_decomposition_table():
    assert len(WITH_RULES) >= 35
    for name in ("Hadamard", "PauliX", "SWAP", "ISWAP", "SISWAP", "CZ", "Toffoli", "CRot",
                 "PauliRot", "MultiRZ", "MultiControlledX", "ECR"):
        assert name in WITH_RULES


@pytest.mark.parametrize("name", WITH_RULES)
def test_every_rule_multiplies_back_to_the_gate(name):
    op = _gate(name)
    wires = list(op.wires) or [0]
    rules = [r for r in qml.list_decomps(type(op)) if r.is_applicable(**op.resource_params)]
    assert rules, name  # QubitUnitary's rules apply to 1, 2 or more wires each
    for rule in rules:
        with qml.queuing.AnnotatedQueue() as q:
            rule(*op.parameters, wires=op.wires, **op.hyperparameters)
        made = list(q.queue)
        assert made or name == "Identity", name  # (PennyLane's Identity: no gates)
        np.testing.assert_allclose(_product(made, wires), op.matrix(wire_order=wires), atol=1e-10)
        if name not in ("PauliRot", "MultiControlledX", "MultiRZ"):  # counts from the row's wires
            counts = rule.compute_resources(**op.resource_params).gate_counts
            if rule.exact_resources:
                # the gates made, by name, or with their resource parameters (a PauliRot's
                # word, a ChangeOpBasis's operators: PennyLane's rotation rules declare them)
                assert counts in (dict(Counter(qml.resource_rep(g.name) for g in made)), dict(
                    Counter(qml.resource_rep(type(g), **g.resource_params) for g in made)))
            else:  # an upper bound (PennyLane's QubitUnitary rules: a phase may be left out)
                bound = Counter()
                for k, v in counts.items():
                    bound[k.name] += v
                assert not Counter(g.name for g in made) - bound, rule


def test_a_gate_without_a_decomposition_says_so():
    with pytest.raises(qml.exceptions.DecompositionUndefinedError, match="no decomposition"):
        qml.RX(0.1, wires=0).decomposition()
    assert qml.list_decomps(qml.DoubleExcitationPlus) == []  # (none in PennyLane 0.45 either)


def test_the_rotations_have_pennylanes_rules():
    # PennyLane 0.45's rules of RX, RY, RZ by name (the op has no decomposition of its own);
    # each multiplies back to its gate (test_every_rule_multiplies_back_to_the_gate)
    assert [r.name for r in qml.list_decomps(qml.RX)] == [
        "_rx_to_rot", "_rx_to_rz_ry", "_rx_to_ppr", "_rx_to_ry_cliff", "_rx_to_rz_cliff"]
    assert [r.name for r in qml.list_decomps(qml.RY)] == [
        "_ry_to_rot", "_ry_to_rz_rx", "_ry_to_ppr", "_ry_to_rx_cliff", "_ry_to_rz_cliff"]
    assert [r.name for r in qml.list_decomps(qml.RZ)] == [
        "_rz_to_ps", "_rz_to_rot", "_rz_to_ry_rx", "_rz_to_ppr", "_rz_to_rx_cliff",
        "_rz_to_ry_cliff"]
    s, sdg = qml.S(0).matrix(), qml.adjoint(qml.S(0)).matrix()
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    for gate, rule, outer in ((qml.RX, "_rx_to_ry_cliff", (s, sdg)),
                              (qml.RY, "_ry_to_rz_cliff", (h @ sdg, s @ h))):
        with qml.queuing.AnnotatedQueue() as q:
            qml.list_decomps(gate)[rule](0.7, wires=[0])
        (made,) = q.queue
        assert isinstance(made, qml.ops.ChangeOpBasis)  # compute first, target, uncompute
        target = (qml.RY if gate is qml.RX else qml.RZ)(0.7, 0).matrix()
        np.testing.assert_allclose(qml.matrix(made), outer[1] @ target @ outer[0], atol=1e-12)


def test_convert_to_mbqc_gateset_takes_rotations_to_its_gate_set():
    qml.decomposition.enable_graph()
    try:
        tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RY(0.2, 0), qml.RZ(0.1, 0)])
        (out,), _ = qml.ftqc.convert_to_mbqc_gateset(tape)
    finally:
        qml.decomposition.disable_graph()
    allowed = {"CNOT", "Hadamard", "S", "RotXZX", "RZ", "PauliX", "PauliY", "PauliZ",
               "Identity", "GlobalPhase"}
    assert {type(o).__name__ for o in out.operations} <= allowed
    rz = lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])  # noqa: E731
    ry = lambda t: np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])  # noqa: E731
    rx = lambda t: h @ rz(t) @ h  # noqa: E731
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    np.testing.assert_allclose(qml.matrix(out, wire_order=[0]), rz(0.1) @ ry(0.2) @ rx(0.3),
                               atol=1e-12)


ZS = (0, 1, 2, 3, 5, -1, -2, -3, 0.5, 0.25, -0.5, 1.5, 2.5, 4.5, 1.234, -0.3)


@pytest.mark.parametrize("name", GATES)
def test_every_power_is_the_principal_matrix_power(name):
    """Small angles, so the principal power of a rotation is the rotation by z t."""
    row = _gates.GATES[name]
    op = _gate(name, RNG.uniform(0.05, 0.3, size=row.num_params))
    wires = list(op.wires) or [0]
    U = op.matrix(wire_order=wires)
    defined = 0
    for z in ZS:
        try:
            with qml.queuing.AnnotatedQueue():
                ops = op.pow(z)
        except qml.operation.PowUndefinedError:
            assert not (isinstance(z, int) and z >= 0), (name, z)
            continue
        defined += 1
        np.testing.assert_allclose(_product(ops, wires), _principal_power(U, z), atol=1e-9,
                                   err_msg=f"{name} ** {z}")
        pow_op = qml.pow(op, z)
        for rule in qml.list_decomps(f"Pow({name})"):
            if rule.is_applicable(**pow_op.resource_params):
                with qml.queuing.AnnotatedQueue() as q:
                    rule(*pow_op.parameters, wires=op.wires, **pow_op.hyperparameters)
                np.testing.assert_allclose(_product(q.queue, wires), _principal_power(U, z),
                                           atol=1e-9, err_msg=f"{rule} at z={z}")
    assert defined >= 4


@pytest.mark.parametrize("z, names", [
    (0.5, ["SISWAP"]), (4.5, ["SISWAP"]), (2, ["PauliZ", "PauliZ"]), (-2, ["PauliZ", "PauliZ"]),
    (4, []), (-3, ["ISWAP"]), (5, ["ISWAP"])])
def test_iswap_powers_pennylane_lists(z, names):
    assert [g.name for g in qml.ISWAP(wires=[0, 1]).pow(z)] == names


@pytest.mark.parametrize("z, names", [(2, ["ISWAP"]), (9, ["SISWAP"]), (4, ["PauliZ", "PauliZ"]),
                                      (8, [])])
def test_siswap_powers_pennylane_lists(z, names):
    assert [g.name for g in qml.SISWAP(wires=[0, 1]).pow(z)] == names


def test_controlled_gates_take_their_targets_power():
    (cp,) = qml.CZ(wires=[0, 1]).pow(0.12)
    assert cp.name == "ControlledPhaseShift" and isinstance(cp, qml.ops.ControlledOp)
    assert np.isclose(cp.data[0], 0.12 * np.pi)
    assert cp.base.name == "PhaseShift"
    (csx,) = qml.CNOT(wires=[0, 1]).pow(0.5)
    np.testing.assert_allclose(csx.matrix() @ csx.matrix(), qml.CNOT(wires=[0, 1]).matrix(),
                               atol=1e-12)
    with pytest.raises(qml.operation.PowUndefinedError, match="CNOT"):
        qml.CNOT(wires=[0, 1]).pow(1.234)
    assert [g.name for g in qml.Toffoli(wires=[0, 1, 2]).pow(5)] == ["Toffoli"]


def test_sx_powers_and_barrier():
    assert [g.name for g in qml.SX(0).pow(2)] == ["PauliX"]
    assert [g.name for g in qml.SX(0).pow(-3)] == ["SX"]
    with pytest.raises(qml.exceptions.PowUndefinedError):
        qml.SX(0).pow(2.43)
    assert [type(b).__name__ for b in qml.Barrier(wires=[0]).pow(0.123)] == ["Barrier"]


@pytest.mark.parametrize("name", ["PauliX", "PauliY", "PauliZ", "S", "T"])
def test_a_broadcast_power_rule(name):
    op = getattr(qml, name)(0)
    pow_op = qml.pow(op, [0.5, 0.25])
    rules = [r for r in qml.list_decomps(f"Pow({name})") if r.is_applicable(**pow_op.resource_params)]
    assert rules
    with qml.queuing.AnnotatedQueue() as q:
        rules[0](*pow_op.parameters, wires=pow_op.wires, **pow_op.hyperparameters)
    U = op.matrix()
    mats = _product(q.queue, [0])
    for k, z in enumerate([0.5, 0.25]):
        np.testing.assert_allclose(mats[k], _principal_power(U, z), atol=1e-12)


def test_a_broadcast_power_without_a_rule_is_its_batch_of_principal_powers():
    # PennyLane 0.45: Pow(H, [0.5, 0.25]) is a batch of matrices, applied broadcast; no
    # decomposition (Hadamard.pow(z) is undefined). H^z = P+ + e^{i pi z} P-, P± = (I ± H)/2
    op = qml.pow(qml.Hadamard(0), [0.5, 0.25])
    H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    want = [(np.eye(2) + H) / 2 + np.exp(1j * np.pi * z) * (np.eye(2) - H) / 2 for z in (0.5, 0.25)]
    np.testing.assert_allclose(qml.matrix(op), want, atol=1e-12)
    with pytest.raises(qml.exceptions.DecompositionUndefinedError):
        op.decomposition()

    @qml.qnode(qml.device("default.qubit", wires=1))
    def f():
        qml.pow(qml.Hadamard(0), [0.5, 0.25])
        return qml.expval(qml.Z(0))

    Z = np.diag([1, -1])
    np.testing.assert_allclose(f(), [np.real(u[:, 0].conj() @ Z @ u[:, 0]) for u in want],
                               atol=1e-12)
    with pytest.raises(qml.exceptions.PowUndefinedError):
        qml.Hadamard(0).pow([0.5, 0.25])


def test_a_power_without_a_pow_rule_has_no_decomposition():
    # PennyLane 0.45: PauliX.pow(0.11) is undefined, so Pow(X, 0.11) has no decomposition;
    # qsym still applies it, as its principal power X^t = e^{i pi t/2} RX(pi t)
    op = qml.ops.op_math.Pow(qml.PauliX(0), 0.11)
    with pytest.raises(qml.exceptions.DecompositionUndefinedError):
        op.decomposition()
    t = 0.11
    want = np.exp(1j * np.pi * t / 2) * np.array(
        [[np.cos(np.pi * t / 2), -1j * np.sin(np.pi * t / 2)],
         [-1j * np.sin(np.pi * t / 2), np.cos(np.pi * t / 2)]])
    np.testing.assert_allclose(qml.matrix(op), want, atol=1e-12)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def f():
        qml.pow(qml.PauliX(0), t)
        return qml.expval(qml.Z(0))

    assert np.isclose(f(), np.cos(np.pi * t))
    assert [g.name for g in qml.pow(qml.PauliX(0), 0.5).decomposition()] == ["SX"]


def test_a_broadcast_power_of_two_wires_is_its_matrix_batch():
    # PennyLane's TestSpecialPowDecomps: Pow(ISWAP, [0.25, 0.5]) has a matrix batch; no
    # Pow(ISWAP) rule applies to a batch z. ISWAP = diag(1) + i (|01><10| + |10><01|)
    pow_op = qml.pow(qml.ISWAP(wires=[0, 1]), [0.25, 0.5])
    assert not [r for r in qml.list_decomps("Pow(ISWAP)") if r.is_applicable(**pow_op.resource_params)]
    mats = qml.matrix(pow_op)
    for k, z in enumerate([0.25, 0.5]):
        # on span{|01>, |10>}: i X has eigenvalues ±i, (±i)^z = e^{± i pi z/2}
        c, s_ = np.cos(np.pi * z / 2), np.sin(np.pi * z / 2)
        want = np.array([[1, 0, 0, 0], [0, c, 1j * s_, 0], [0, 1j * s_, c, 0], [0, 0, 0, 1]])
        np.testing.assert_allclose(mats[k], want, atol=1e-12)


def test_rules_of_your_own():
    @qml.register_resources({qml.CNOT: 3})
    def three_cnots(wires, **_):
        qml.CNOT(wires=[wires[0], wires[1]])
        qml.CNOT(wires=[wires[1], wires[0]])
        qml.CNOT(wires=[wires[0], wires[1]])

    qml.add_decomps("MySwapForTests", three_cnots)
    (rule,) = qml.list_decomps("MySwapForTests")
    assert rule.compute_resources().gate_counts == {qml.resource_rep(qml.CNOT): 3}
    with qml.queuing.AnnotatedQueue() as q:
        rule(wires=["a", "b"])
    np.testing.assert_allclose(_product(q.queue, ["a", "b"]), qml.SWAP(wires=["a", "b"]).matrix())
    with pytest.raises(TypeError, match="register_resources"):
        qml.add_decomps("MySwapForTests", lambda wires: None)
    assert qml.decomposition.enabled_graph() is False
    from qsym.decomposition.reconstruct import get_decomp_kwargs
    assert get_decomp_kwargs(qml.pow(qml.X(0), 0.5))["z"] == 0.5


def test_controlled_change_op_basis_rule_has_resources_and_controls_the_target_only():
    """Issue #18: PennyLane's ``C(ChangeOpBasis)`` rule counts the compute and uncompute
    operators once and the controlled target once (PennyLane 0.45.1 in /work/plvenv:
    num_gates=3, SWAP 1, Controlled(PhaseAdder) 1, Adjoint(SWAP) 1); without resources the
    graph could not choose it (and compute_resources raised NotImplementedError). Checked:
    the graph decomposition controls only the target, and its matrix is the operator's."""
    op = qml.ctrl(qml.change_op_basis(qml.SWAP([1, 2]), qml.PhaseAdder(1, x_wires=[1, 2])), control=0)
    (rule,) = qml.list_decomps("C(ChangeOpBasis)")
    res = rule.compute_resources(**op.resource_params)
    assert res.num_gates == 3
    counts = {str(k).split(",")[0]: v for k, v in res.gate_counts.items()}
    assert counts == {"SWAP": 1, "Controlled(PhaseAdder": 1, "Adjoint(SWAP)": 1}
    qml.decomposition.enable_graph()
    try:
        (out,), _ = qml.transforms.decompose(qml.tape.QuantumScript([op]),
                                             gate_set=qml.gate_sets.ALL_OPS, max_expansion=1)
    finally:
        qml.decomposition.disable_graph()
    names = [o.name for o in out.operations]
    # PennyLane 0.45.1's tape (/work/plvenv): the uncompute operator as queued, Adjoint(SWAP)
    assert names == ["SWAP", "C(PhaseAdder)", "Adjoint(SWAP)"]
    order = [0, 1, 2]
    np.testing.assert_allclose(qml.matrix(out, wire_order=order), qml.matrix(op, wire_order=order),
                               atol=1e-12)
