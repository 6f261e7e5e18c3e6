"""PennyLane's controlled decompositions (qsym._controlled_decompositions): every
decomposition's matrix against the controlled matrix built here by hand (identity blocks,
the target's matrix where every control holds its value), random targets from a seeded
generator, several control counts; the multi-controlled X with and without work wires
against its permutation matrix (zeroed work wires: on the block where they start in 0);
gradients of a decomposition traced in a QNode against finite differences and against the
undecomposed gate."""

from __future__ import annotations

import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.ops.op_math.controlled_decompositions import (
    _decompose_mcx_with_one_worker_b95,
    _decompose_multicontrolled_unitary,
    _decompose_recursive,
    decompose_mcx,
)
from qsym.ops.op_math.decompositions.controlled_decompositions import (
    _bisect_compute_a,
    _bisect_compute_b,
    decompose_mcx_many_workers_explicit,
    decompose_mcx_one_worker_explicit,
    decompose_mcx_two_workers_explicit,
    decompose_mcx_with_no_worker,
)

X = onp.array([[0, 1], [1, 0]], dtype=complex)
H = onp.array([[1, 1], [1, -1]], dtype=complex) / onp.sqrt(2)


def random_unitary(rng, special=False):
    z = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    q, r = onp.linalg.qr(z)
    u = q * (onp.diag(r) / abs(onp.diag(r)))
    if special:
        u = u / onp.sqrt(onp.linalg.det(u))
    return u


def controlled_by_hand(u, k):
    """The identity on k controls and the target, ``u`` on the block where all are 1."""
    m = onp.eye(2 ** (k + 1), dtype=complex)
    m[-2:, -2:] = u
    return m


def ops_matrix(ops, wire_order):
    """Product of the operators' matrices (each expanded onto ``wire_order``), by hand."""
    n = len(wire_order)
    total = onp.eye(2**n, dtype=complex)
    for op in ops:
        m = onp.asarray(op.matrix(), dtype=complex)
        k = len(op.wires)
        if k == 0:  # a global phase
            total = m.reshape(-1)[0] * total
            continue
        axes = [wire_order.index(w) for w in op.wires]
        t = total.reshape((2,) * n + (2**n,))
        t = onp.tensordot(m.reshape((2,) * 2 * k), t, axes=(list(range(k, 2 * k)), axes))
        t = onp.moveaxis(t, list(range(k)), axes)
        total = t.reshape(2**n, 2**n)
    return total


def mcx_by_hand(n_controls, values, extra):
    """MultiControlledX on wires 0..n (controls first) and ``extra`` idle wires after them:
    the target flipped where the controls read ``values``."""
    n = n_controls + 1 + extra
    m = onp.zeros((2**n, 2**n))
    for i in range(2**n):
        bits = [(i >> (n - 1 - b)) & 1 for b in range(n)]
        j = i
        if bits[:n_controls] == list(values):
            j = i ^ (1 << (n - 1 - n_controls))
        m[j, i] = 1
    return m


def zeroed_block(m, n_main, n_work):
    """The block of ``m`` on states whose last ``n_work`` wires are 0."""
    step = 2**n_work
    idx = onp.arange(0, 2 ** (n_main + n_work), step)
    return m[onp.ix_(idx, idx)]


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_ctrl_decomp_zyz_random_targets(k, seed):
    rng = onp.random.default_rng(100 + seed)
    u = random_unitary(rng)
    a, b, c = rng.uniform(-3, 3, size=3)
    controls = list(range(1, k + 1))
    for target, mat in ((qml.QubitUnitary(u, wires=0), u),
                        (qml.Rot(a, b, c, wires=0), qml.Rot.compute_matrix(a, b, c)),
                        (qml.PhaseShift(a, wires=0), onp.diag([1, onp.exp(1j * a)]))):
        ops = qml.ops.ctrl_decomp_zyz(target, controls)
        got = ops_matrix(ops, controls + [0])
        onp.testing.assert_allclose(got, controlled_by_hand(mat, k), atol=1e-10)


def test_ctrl_decomp_zyz_with_work_wires_and_errors():
    rng = onp.random.default_rng(7)
    u = random_unitary(rng)
    ops = qml.ops.ctrl_decomp_zyz(qml.QubitUnitary(u, wires=0), [1, 2, 3, 4], work_wires=[5, 6])
    mcx = [op for op in ops if op.name == "MultiControlledX"]
    assert len(mcx) == 2 and all(list(op.work_wires) == [5, 6] for op in mcx)
    got = ops_matrix(ops, [1, 2, 3, 4, 0, 5, 6])
    # borrowed work wires: the identity on them, whatever their state
    onp.testing.assert_allclose(got, onp.kron(controlled_by_hand(u, 4), onp.eye(4)), atol=1e-10)
    with pytest.raises(ValueError, match="single-qubit operation"):
        qml.ops.ctrl_decomp_zyz(qml.CNOT([0, 1]), [2])
    with pytest.raises(ValueError, match="single-qubit operation"):
        qml.ops.ctrl_decomp_bisect(qml.CNOT([0, 1]), [2, 3])


def test_ctrl_decomp_zyz_leaves_out_zero_rotations():
    # RZ(pi) = RZ(omega=pi) RY(0) RZ(0): Lemma 5.1 with the RY by 0 left out, by hand
    ops = qml.ops.ctrl_decomp_zyz(qml.RZ(onp.pi, wires=0), [1])
    assert [(op.name, op.parameters) for op in ops] == [
        ("RZ", [onp.pi]), ("CNOT", []), ("RZ", [-onp.pi / 2]), ("CNOT", []), ("RZ", [-onp.pi / 2])]


@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", range(3))
def test_ctrl_decomp_bisect_random_targets(k, seed):
    rng = onp.random.default_rng(200 + seed)
    controls = list(range(1, k + 1))
    # a general unitary, a special one, and the od / md shapes (real off- / main diagonal)
    t = rng.uniform(0, 2 * onp.pi)
    targets = [random_unitary(rng), random_unitary(rng, special=True),
               onp.array([[onp.exp(1j * t), 0], [0, onp.exp(-1j * t)]]),
               onp.array([[onp.cos(t), 1j * onp.sin(t)], [1j * onp.sin(t), onp.cos(t)]])]
    for u in targets:
        ops = qml.ops.ctrl_decomp_bisect(qml.QubitUnitary(u, wires=0), controls)
        onp.testing.assert_allclose(ops_matrix(ops, controls + [0]), controlled_by_hand(u, k),
                                    atol=1e-9)


def test_bisect_factors_by_their_defining_identities():
    rng = onp.random.default_rng(3)
    for _ in range(5):
        t, s = rng.uniform(-3, 3, size=2)
        od = onp.array([[onp.exp(1j * t) * onp.cos(s), -onp.sin(s)],
                        [onp.sin(s), onp.exp(-1j * t) * onp.cos(s)]])  # SU(2), real off-diagonal
        a = _bisect_compute_a(od)
        at = a.conj().T
        onp.testing.assert_allclose(at @ X @ a @ X @ at @ X @ a @ X, od, atol=1e-10)
        md = H @ od @ H  # a real main diagonal
        if onp.allclose(md.imag.diagonal(), 0):
            b = _bisect_compute_b(md)
            onp.testing.assert_allclose(H @ b.conj().T @ X @ b @ X @ H, md, atol=1e-10)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_multicontrolled_unitary_and_recursion(k):
    rng = onp.random.default_rng(300 + k)
    controls = list(range(1, k + 1))
    for u in (random_unitary(rng), random_unitary(rng, special=True)):
        op = qml.QubitUnitary(u, wires=0)
        ops = _decompose_multicontrolled_unitary(op, controls)
        onp.testing.assert_allclose(ops_matrix(ops, controls + [0]), controlled_by_hand(u, k),
                                    atol=1e-9)
    ops = _decompose_recursive(qml.Hadamard(0), 1.0, qml.wires.Wires(controls), qml.wires.Wires([0]),
                               qml.wires.Wires([]))
    onp.testing.assert_allclose(ops_matrix(ops, controls + [0]), controlled_by_hand(H, k), atol=1e-9)


@pytest.mark.parametrize("n", [3, 4, 5, 6])
@pytest.mark.parametrize("work_wire_type", ["borrowed", "zeroed"])
def test_mcx_decompositions_by_work_wires(n, work_wire_type):
    controls, target = list(range(n)), n
    for m in sorted(m for m in {0, 1, 2, n - 2} if n + 1 + m <= 9):  # dense matrices: small
        work = list(range(n + 1, n + 1 + m))
        ops = decompose_mcx(controls, target, work, work_wire_type)
        got = ops_matrix(ops, controls + [target] + work)
        want = mcx_by_hand(n, [1] * n, m)
        if work_wire_type == "zeroed" and m:
            got, want = zeroed_block(got, n + 1, m), zeroed_block(want, n + 1, m)
        onp.testing.assert_allclose(got, want, atol=1e-9, err_msg=f"{m} work wire(s)")


@pytest.mark.parametrize("values", [(1, 0, 1), (0, 0, 1, 1), (0, 1, 1, 0, 1)])
def test_multicontrolled_x_decomposition_with_control_values(values):
    n = len(values)
    for work, kind in (([], "borrowed"), ([n + 1], "borrowed"), ([n + 1, n + 2], "zeroed")):
        op = qml.MultiControlledX(wires=list(range(n + 1)), control_values=list(values),
                                  work_wires=work, work_wire_type=kind)
        got = ops_matrix(op.decomposition(), list(range(n + 1)) + work)
        want = mcx_by_hand(n, values, len(work))
        if kind == "zeroed":
            got, want = zeroed_block(got, n + 1, len(work)), zeroed_block(want, n + 1, len(work))
        onp.testing.assert_allclose(got, want, atol=1e-9)


def test_explicit_rules_flip_zero_controls_and_apply():
    values = [0, 1, 1, 0]
    n = len(values)
    cases = [(decompose_mcx_many_workers_explicit, [5, 6], "borrowed"),
             (decompose_mcx_one_worker_explicit, [5], "zeroed"),
             (decompose_mcx_two_workers_explicit, [5, 6], "borrowed"),
             (decompose_mcx_with_no_worker, [], "borrowed")]
    for rule, work, kind in cases:
        op = qml.MultiControlledX(wires=list(range(n + 1)), control_values=values, work_wires=work,
                                  work_wire_type=kind)
        assert rule.is_applicable(**op.resource_params)
        with qml.queuing.AnnotatedQueue() as q:
            rule(wires=op.wires, **op.hyperparameters)
        got = ops_matrix(q.queue, list(range(n + 1)) + work)
        want = mcx_by_hand(n, values, len(work))
        if kind == "zeroed":
            got, want = zeroed_block(got, n + 1, len(work)), zeroed_block(want, n + 1, len(work))
        onp.testing.assert_allclose(got, want, atol=1e-9, err_msg=repr(rule))


def test_one_worker_b95_restores_the_borrowed_wire():
    n = 4
    ops = _decompose_mcx_with_one_worker_b95(list(range(n)), n, n + 1)
    got = ops_matrix(ops, list(range(n + 2)))
    onp.testing.assert_allclose(got, mcx_by_hand(n, [1] * n, 1), atol=1e-9)


def test_multicontrolled_x_keeps_work_wires_and_checks_their_type():
    op = qml.MultiControlledX(wires=[0, 1, 2, 3], control_values=[1, 0, 1], work_wires=[4],
                              work_wire_type="zeroed")
    assert op.work_wires == qml.wires.Wires([4]) and op.work_wire_type == "zeroed"
    assert op.hyperparameters == {"control_wires": qml.wires.Wires([0, 1, 2]),
                                  "control_values": [True, False, True],
                                  "work_wires": qml.wires.Wires([4]), "work_wire_type": "zeroed"}
    assert op.resource_params == {"num_control_wires": 3, "num_zero_control_values": 1,
                                  "num_work_wires": 1, "work_wire_type": "zeroed"}
    assert op.map_wires({4: "a"}).work_wires == qml.wires.Wires(["a"])
    with pytest.raises(ValueError, match="work_wire_type must be either 'zeroed' or 'borrowed'"):
        qml.MultiControlledX(wires=[0, 1, 2], work_wires=[3], work_wire_type="clean")
    with pytest.raises(ValueError, match="work_wire_type must be either 'zeroed' or 'borrowed'"):
        qml.ctrl(qml.X(0), [1, 2, 3], work_wires=[4], work_wire_type="clean")
    with pytest.raises(ValueError, match="Work wires must be different"):
        qml.ctrl(qml.X(0), [1, 2, 3], work_wires=[3])
    made = qml.ctrl(qml.X(0), [1, 2, 3], work_wires=[4, 5], work_wire_type="zeroed")
    assert made.name == "MultiControlledX" and made.work_wires == qml.wires.Wires([4, 5])
    assert made.work_wire_type == "zeroed"
    # PennyLane's: two controls and work wires give a MultiControlledX, none a Toffoli
    assert qml.ctrl(qml.X(0), [1, 2], work_wires=[3]).name == "MultiControlledX"
    assert qml.ctrl(qml.X(0), [1, 2]).name == "Toffoli"


def test_decomposition_in_a_queue_is_what_it_returns():
    with qml.queuing.AnnotatedQueue() as q:
        ops = qml.ops.ctrl_decomp_bisect(qml.Hadamard(0), [1, 2, 3])
    assert q.queue[-len(ops):] == ops


@pytest.mark.parametrize("controls", [[1], [1, 2], [1, 2, 3]])
def test_traced_decomposition_gradients(controls):
    dev = qml.device("default.qubit", wires=4)

    def prepare():
        for w in controls:
            qml.Hadamard(w)

    @qml.qnode(dev, diff_method="parameter-shift")
    def decomposed(a, b, c):
        prepare()
        qml.ops.ctrl_decomp_zyz(qml.Rot(a, b, c, wires=0), controls)
        qml.ops.ctrl_decomp_zyz(qml.PhaseShift(b, wires=0), controls)
        return qml.expval(qml.Y(0) @ qml.X(controls[0]))

    @qml.qnode(dev, diff_method="parameter-shift")
    def direct(a, b, c):
        prepare()
        qml.ctrl(qml.Rot(a, b, c, wires=0), controls)
        qml.ctrl(qml.PhaseShift(b, wires=0), controls)
        return qml.expval(qml.Y(0) @ qml.X(controls[0]))

    args = [pnp.array(v, requires_grad=True) for v in (0.3, -0.8, 1.1)]
    grad = qml.grad(decomposed, argnum=[0, 1, 2])(*args)
    onp.testing.assert_allclose(decomposed(*args), direct(*args), atol=1e-10)
    onp.testing.assert_allclose(grad, qml.grad(direct, argnum=[0, 1, 2])(*args), atol=1e-8)
    h = 1e-6
    for i in range(3):
        up = [float(a) + (h if j == i else 0) for j, a in enumerate(args)]
        down = [float(a) - (h if j == i else 0) for j, a in enumerate(args)]
        fd = (decomposed(*up) - decomposed(*down)) / (2 * h)
        assert abs(grad[i] - fd) < 1e-6


def test_multicontrolled_x_decomposition_in_a_circuit():
    n = 4
    dev = qml.device("default.qubit", wires=n + 2)
    ops = qml.MultiControlledX(wires=range(n + 1), work_wires=[n + 1]).decomposition()
    assert {op.name for op in ops} == {"Toffoli", "PauliX"}  # Khattar and Gidney: one work wire

    @qml.qnode(dev)
    def circuit(state):
        qml.BasisState(state, wires=range(n + 2))
        for op in ops:
            qml.apply(op)
        return qml.probs(wires=range(n + 2))

    for bits in itertools.product([0, 1], repeat=n):
        state = pnp.array(list(bits) + [0, 1], requires_grad=False)  # the work wire in 1
        expected = list(bits) + [int(all(bits)), 1]
        index = int("".join(map(str, expected)), 2)
        assert abs(circuit(state)[index] - 1) < 1e-9


def test_temporary_and_equality_is_pennylanes():
    """PennyLane's ``==`` of operators: equal wires and control values (not identity)."""
    a = qml.TemporaryAND(wires=[0, 1, 2])
    assert a == qml.TemporaryAND(wires=[0, 1, 2]) and hash(a) == hash(qml.TemporaryAND([0, 1, 2]))
    assert a != qml.TemporaryAND(wires=[1, 0, 2])
    assert a != qml.TemporaryAND(wires=[0, 1, 2], control_values=(0, 1))
    assert a != qml.Toffoli(wires=[0, 1, 2])


def test_mcx_zeroed_work_wire_decomposition_compares_equal():
    """Three controls and one zeroed work wire: PennyLane 0.45's gates (written out here from
    its output), and on the work wire's |0> the product is the multi-controlled X."""
    op = qml.MultiControlledX(wires=[0, 1, 2, 3], work_wires=4, work_wire_type="zeroed")
    ops = op.decomposition()
    assert ops == [qml.TemporaryAND(wires=[2, 1, 4]), qml.Toffoli(wires=[0, 4, 3]),
                   qml.adjoint(qml.TemporaryAND(wires=[2, 1, 4]))]
    m = qml.matrix(qml.tape.QuantumScript(ops), wire_order=[0, 1, 2, 3, 4])
    mcx = onp.eye(16)
    mcx[[14, 15]] = mcx[[15, 14]]
    assert onp.allclose(m[::2, ::2], mcx)  # work wire (last) in |0> in and out


# Issue #18: PennyLane 0.45.1's rules of MultiControlledX (names and order as printed by
# qml.list_decomps(qml.MultiControlledX) in /work/plvenv)
PENNYLANE_MCX_RULES = [
    "_mcx_to_cnot_or_toffoli", "many_explicit_workers", "many_borrowed_workers",
    "many_zeroed_workers", "two_explicit_workers", "two_borrowed_workers", "two_zeroed_workers",
    "one_explicit_worker", "one_borrowed_worker", "one_zeroed_worker", "no_workers",
    "flip_zero_ctrl_values(_2cx_elbow_explicit)"]


def test_multicontrolled_x_lists_pennylanes_rules():
    assert [r.name for r in qml.list_decomps(qml.MultiControlledX)] == PENNYLANE_MCX_RULES


def _rep_of(op):
    """An emitted gate's resource form, by the public resource functions."""
    dec = qml.decomposition
    if type(op).__name__ == "Adjoint":
        return dec.adjoint_resource_rep(type(op.base), op.base.resource_params)
    if type(op).__name__ in ("Controlled", "ControlledOp"):
        return dec.controlled_resource_rep(type(op.base), op.base.resource_params,
                                           num_control_wires=len(op.control_wires))
    return dec.resource_rep(type(op), **op.resource_params)


# (rule, controls' values, work wires given (their type), work wires the rule allocates)
MCX_RULE_CASES = [
    ("_mcx_to_cnot_or_toffoli", [1], None, 0), ("_mcx_to_cnot_or_toffoli", [0], None, 0),
    ("_mcx_to_cnot_or_toffoli", [0, 1], None, 0), ("_mcx_to_cnot_or_toffoli", [1, 1], None, 0),
    ("many_explicit_workers", [1, 0, 1, 1], (2, "borrowed"), 0),
    ("many_explicit_workers", [1, 0, 1, 1], (2, "zeroed"), 0),
    ("many_explicit_workers", [0, 1, 1, 1], (3, "zeroed"), 0),
    ("many_borrowed_workers", [1, 1, 0, 1], None, 2),
    ("many_zeroed_workers", [1, 1, 0, 1, 1], None, 3),
    ("two_explicit_workers", [1, 0, 1, 1], (1, "borrowed"), 0),
    ("two_explicit_workers", [1, 1, 1, 0, 1, 1], (2, "zeroed"), 0),
    ("two_borrowed_workers", [1, 1, 1, 1, 0, 1], None, 2),
    ("two_zeroed_workers", [0, 1, 1, 1, 1, 1], None, 2),
    ("one_explicit_worker", [1, 0, 1], (1, "borrowed"), 0),
    ("one_explicit_worker", [1, 1, 0, 1, 1], (1, "zeroed"), 0),
    ("one_borrowed_worker", [1, 1, 0, 1], None, 1),
    ("one_zeroed_worker", [0, 1, 1], None, 1),
    ("no_workers", [1, 0, 1], None, 0), ("no_workers", [1, 1, 0, 1], None, 0),
    ("flip_zero_ctrl_values(_2cx_elbow_explicit)", [0, 1], (1, "zeroed"), 0),
]


@pytest.mark.parametrize("name, values, given, allocated", MCX_RULE_CASES)
def test_multicontrolled_x_rule_matrix_and_resources(name, values, given, allocated):
    """Each rule's gates: the permutation matrix of MultiControlledX built by hand (zeroed
    work wires: on the block where they start in 0, where they also end), and exactly the
    gates its resources declare (counted here)."""
    n = len(values)
    n_given, kind = given or (0, "borrowed")
    work = list(range(n + 1, n + 1 + n_given))
    op = qml.MultiControlledX(wires=list(range(n + 1)), control_values=values, work_wires=work,
                              work_wire_type=kind)
    rule = next(r for r in qml.list_decomps(qml.MultiControlledX) if r.name == name)
    assert rule.is_applicable(**op.resource_params)
    spec = rule.get_work_wire_spec(**op.resource_params)
    assert (spec.zeroed + spec.borrowed, spec.zeroed > 0) == (
        allocated, allocated > 0 and "zeroed" in name)
    with qml.queuing.AnnotatedQueue() as q:
        rule(wires=op.wires, **op.hyperparameters)
    tape = qml.tape.QuantumScript(q.queue)
    new = list(range(n + 1 + n_given, n + 1 + n_given + allocated))
    if allocated:  # the rule's own work wires put on wires after the others
        (tape,), _ = qml.transforms.resolve_dynamic_wires(
            tape, **({"zeroed": new} if spec.zeroed else {"any_state": new}))
    gates = tape.operations
    counted = {}
    for g in gates:
        counted[_rep_of(g)] = counted.get(_rep_of(g), 0) + 1
    assert counted == dict(rule.compute_resources(**op.resource_params).gate_counts)
    zeroed = n_given if kind == "zeroed" else 0
    zeroed += allocated if spec.zeroed else 0
    got = ops_matrix(gates, list(range(n + 1)) + work + new)
    want = mcx_by_hand(n, values, n_given + allocated)
    if zeroed:  # the zeroed wires are the last ones
        got, want = zeroed_block(got, n + 1 + n_given + allocated - zeroed, zeroed), \
            zeroed_block(want, n + 1 + n_given + allocated - zeroed, zeroed)
    onp.testing.assert_allclose(got, want, atol=1e-9)


@pytest.mark.parametrize("n, work, kind, allowed", [
    (2, 0, "borrowed", {"_mcx_to_cnot_or_toffoli"}),
    (2, 1, "zeroed", {"_mcx_to_cnot_or_toffoli", "flip_zero_ctrl_values(_2cx_elbow_explicit)"}),
    (3, 0, "borrowed", {"one_borrowed_worker", "one_zeroed_worker", "no_workers"}),
    (4, 2, "borrowed", {"many_explicit_workers", "two_explicit_workers", "no_workers"}),
    (6, 0, "borrowed", {"many_borrowed_workers", "many_zeroed_workers", "two_borrowed_workers",
                        "two_zeroed_workers", "one_borrowed_worker", "one_zeroed_worker",
                        "no_workers"}),
])
def test_multicontrolled_x_rule_conditions(n, work, kind, allowed):
    """Which rules apply, as PennyLane 0.45.1's conditions say (each rule's
    ``register_condition`` read there: controls fewer than 3; at least n - 2 work wires; ...)."""
    params = {"num_control_wires": n, "num_zero_control_values": 0, "num_work_wires": work,
              "work_wire_type": kind}
    got = {r.name for r in qml.list_decomps(qml.MultiControlledX) if r.is_applicable(**params)}
    assert got == allowed


def test_pennylanes_rule_check_skips_rules_that_do_not_apply_and_allocates():
    """PennyLane's ``_test_decomposition_rule`` (its test of every MultiControlledX rule on
    one operator): a rule whose conditions the operator does not meet is not checked; a rule
    allocating its own work wires is checked on new zeroed wires, and a wrong one fails."""
    from qsym.ops.functions.assert_valid import _test_decomposition_rule

    mcx = qml.MultiControlledX(wires=[2, 1, 0, 3], control_values=[0, 0, 1])
    for rule in qml.list_decomps(qml.MultiControlledX):
        _test_decomposition_rule(mcx, rule)

    @qml.register_resources({qml.Toffoli: 1})
    def wrong(wires, **_):  # the AND of two controls, left on the work wire
        with qml.allocate(1, state="zero", restored=True) as w:
            qml.Toffoli([wires[0], wires[1], w[0]])

    with pytest.raises(AssertionError, match="matrix differs"):
        _test_decomposition_rule(qml.MultiControlledX(wires=[0, 1, 2]), wrong)
