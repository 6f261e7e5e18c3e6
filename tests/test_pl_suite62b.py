"""Issue #18 (stop 62, pl62b): PennyLane 0.45.1 semantics its own test files reach
(templates/, transforms/, optimize/, ... and the top-level test files).

Expected numbers are PennyLane 0.45.1's (computed in /work/plvenv and pasted, said so where
used), derived by hand, or counted from what the code under test actually makes.
"""

from collections import Counter

import numpy as onp
import pytest

import qsym as qml
from qsym.decomposition import DecompositionGraph
from qsym.templates.subroutines.select import (_select_decomp_multi_control_work_wire,
                                               _select_decomp_unary)


# --- Select's unary and work-wire rules declare what they make ------------------------------
def _made(rule, sel):
    """The operators ``rule`` really makes for ``sel``, counted by their graph nodes."""
    with qml.queuing.AnnotatedQueue() as q:
        rule(**sel.hyperparameters)
    return Counter(DecompositionGraph.node_of(op) for op in q.queue)


@pytest.mark.parametrize("rule", [_select_decomp_unary, _select_decomp_multi_control_work_wire])
@pytest.mark.parametrize("k, c, partial", [(2, 1, False), (3, 2, True), (4, 2, False),
                                          (5, 3, True), (6, 3, False), (7, 3, True),
                                          (8, 3, True)])
def test_select_rules_resources_count_the_gates_they_make(rule, k, c, partial):
    """The graph-based system weighs a rule by the resources it declares: the unary
    iterator and the flag-wire rule declared none (cost 0: always chosen, and nothing they
    make was in the graph, so their TemporaryANDs fell back to their own decomposition and
    left gates outside the gate set). Their declared counts are now those of the gates they
    make (counted here from the rule's own output)."""
    ops = [qml.RX(0.1 * (i + 1), wires=9) if i % 2 else qml.Z(9) for i in range(k)]
    sel = qml.Select(ops, control=list(range(c)), work_wires=[20, 21, 22], partial=partial)
    declared = rule.compute_resources(**sel.resource_params).gate_counts
    assert dict(declared) == dict(_made(rule, sel))


def test_graph_decomposition_of_select_by_the_unary_rule_stays_in_the_gate_set():
    """PennyLane's test_adjoint_temporary_and_integration circuit: Select by the unary rule,
    TemporaryAND by Toffoli, its adjoint by PennyLane's measurement rule. The tape is
    PennyLane 0.45.1's (run in /work/plvenv): every gate in the gate set."""
    from qsym.templates.subroutines.arithmetic.temporary_and import (_adjoint_temporary_and,
                                                                      _temporary_and_to_toffoli)
    gate_set = {"X", "Hadamard", "CNOT", "CZ", "MidMeasureMP", "Toffoli"}
    ops = [qml.Z(2) for _ in range(4)]
    tape = qml.tape.QuantumScript(
        [qml.Select(ops, control=[0, 1], work_wires=["aux0"], partial=True)])
    qml.decomposition.enable_graph()
    try:
        [out], _ = qml.transforms.decompose(tape, gate_set=gate_set, fixed_decomps={
            qml.Select: _select_decomp_unary, "Adjoint(TemporaryAND)": _adjoint_temporary_and,
            "TemporaryAND": _temporary_and_to_toffoli})
    finally:
        qml.decomposition.disable_graph()
    names = [op.name for op in out.operations]
    assert names == ["PauliX", "PauliX", "Toffoli", "PauliX", "PauliX", "CZ", "CNOT", "PauliX",
                     "CZ", "CNOT", "CNOT", "CZ", "CNOT", "CZ", "Hadamard", "MidMeasureMP",
                     "Conditional(CZ)"]
    assert [list(op.wires) for op in out.operations[5:8]] == [["aux0", 2], [0, "aux0"], ["aux0"]]


def test_select_by_the_flag_wire_rule_has_its_matrix():
    """The flag-wire rule's gates (decomposed by the graph) act as Select on a clean flag:
    the matrix of Select ⊗ I on the work wire, restricted to the work wire in |0>."""
    ops = [qml.X(3), qml.Y(3), qml.Z(3)]
    sel = qml.Select(ops, control=[0, 1], work_wires=[2], partial=False)
    tape = qml.tape.QuantumScript([sel])
    qml.decomposition.enable_graph()
    try:
        [out], _ = qml.transforms.decompose(
            tape, gate_set={"CNOT", "Toffoli", "X", "CY", "CZ", "MultiControlledX"},
            fixed_decomps={qml.Select: _select_decomp_multi_control_work_wire})
    finally:
        qml.decomposition.disable_graph()
    u = qml.matrix(out, wire_order=[0, 1, 2, 3])
    blocks = [qml.matrix(o) for o in ops] + [onp.eye(2)]
    expected = onp.zeros((8, 8), complex)
    for j, b in enumerate(blocks):
        expected[2 * j:2 * j + 2, 2 * j:2 * j + 2] = b
    keep = [i for i in range(16) if not (i >> 1) & 1]  # work wire (2) in |0>
    assert onp.allclose(u[onp.ix_(keep, keep)], expected)


# --- QSVT's rule: PennyLane's operators and their resources ---------------------------------
@pytest.mark.parametrize("n_proj", [2, 3, 4])
def test_qsvt_rule_declares_and_makes_pennylanes_operators(n_proj):
    """QSVT's graph rule declared no resources and recorded the block encoding's matrix
    (a QubitUnitary), so a gate set holding BlockEncode got RZ/RY/GlobalPhase. It now makes
    ``op.decomposition()``'s operators; what it declares is what it makes (counted)."""
    from qsym.templates.subroutines.qsvt import QSVT
    rule = qml.list_decomps(QSVT)[0]
    op = qml.QSVT(qml.BlockEncode(0.1, wires=0),
                  [qml.PCPhase(0.1 * (i + 1), dim=1, wires=0) for i in range(n_proj)])
    with qml.queuing.AnnotatedQueue() as q:
        rule(**op.hyperparameters)
    made = Counter(DecompositionGraph.node_of(o) for o in q.queue)
    assert dict(rule.compute_resources(**op.resource_params).gate_counts) == dict(made)
    assert [o.name for o in q.queue] == [o.name for o in op.decomposition()]


def test_graph_decomposition_of_qsvt_keeps_the_block_encoding():
    """PennyLane 0.45.1's tape (run in /work/plvenv): PCPhase, BlockEncode, PCPhase."""
    tape = qml.tape.QuantumScript([qml.QSVT(qml.BlockEncode(0.1, wires=0), [
        qml.PCPhase(0.2, dim=1, wires=0), qml.PCPhase(0.3, dim=1, wires=0)])])
    qml.decomposition.enable_graph()
    try:
        [out], _ = qml.transforms.decompose(tape, gate_set={"PCPhase", "BlockEncode", "RZ", "Z"})
    finally:
        qml.decomposition.disable_graph()
    assert [o.name for o in out.operations] == ["PCPhase", "BlockEncode", "PCPhase"]
    assert [o.parameters for o in out.operations] == [[0.2], [0.1], [0.3]]
    assert onp.allclose(qml.matrix(out, wire_order=[0]), qml.matrix(tape, wire_order=[0]))


# --- the arithmetic templates' rules: their decomposition, not the template again -----------
def test_graph_decomposition_of_an_arithmetic_template_takes_its_entries():
    """``qml.list_decomps(qml.Multiplier)``'s rule recorded the Multiplier itself, so the
    graph-based ``decompose`` never got past it (unchanged with ``max_expansion``, else a
    RecursionError). PennyLane 0.45.1's entries (run in /work/plvenv): one level, three
    change-of-basis products; two levels, their nine operators."""
    tape = qml.tape.QuantumScript([qml.Multiplier(4, [0, 1, 2], 7, [3, 4, 5, 6, 7])])
    qml.decomposition.enable_graph()
    try:
        [one], _ = qml.transforms.decompose(tape, max_expansion=1)
        [two], _ = qml.transforms.decompose(tape, max_expansion=2)
    finally:
        qml.decomposition.disable_graph()
    assert [o.name for o in one.operations] == ["ChangeOpBasis", "Prod", "ChangeOpBasis"]
    assert [o.name for o in two.operations] == [
        "QFT", "ControlledSequence", "Adjoint(QFT)", "SWAP", "SWAP", "SWAP", "QFT",
        "Adjoint(ControlledSequence)", "Adjoint(QFT)"]
    assert [list(o.wires) for o in two.operations[3:6]] == [[0, 5], [1, 6], [2, 7]]


# --- RandomLayers' hyperparameters ----------------------------------------------------------
def test_random_layers_hyperparameters_hold_the_gate_classes():
    """PennyLane's ``RandomLayers(...).hyperparameters`` hold the defaults resolved: the
    ``CNOT`` class and the ``(RX, RY, RZ)`` classes (qsym held ``None``); flattened and
    made again, the template applies the same gates."""
    op = qml.RandomLayers(onp.array([[0.1, -2.1, 1.4]]), wires=(0, 1))
    assert op.hyperparameters == {"ratio_imprim": 0.3, "imprimitive": qml.CNOT,
                                  "rotations": (qml.RX, qml.RY, qml.RZ), "seed": 42}
    again = type(op)._unflatten(*op._flatten())
    assert again.hyperparameters == op.hyperparameters
    assert [(g.name, list(g.wires)) for g in again.decomposition()] == [
        (g.name, list(g.wires)) for g in op.decomposition()]
    op2 = qml.RandomLayers(onp.array([[0.1]]), wires=(0, 1), imprimitive=qml.CZ,
                           rotations=(qml.RX,), seed=None)
    assert op2.hyperparameters == {"ratio_imprim": 0.3, "imprimitive": qml.CZ,
                                   "rotations": (qml.RX,), "seed": None}


# --- a template made again with its *args (map_wires, assert_valid) -------------------------
def test_trotterized_qfunc_map_wires_keeps_its_positional_arguments():
    """``TrotterizedQfunc(time, *args, qfunc=...)`` mapped to new wires lost ``*args`` (the
    qfunc then missed its arguments: a TypeError in PennyLane's assert_valid). Mapped, it
    applies the gates of the same template made on the new wires."""
    from qsym.templates.subroutines.time_evolution.trotter import TrotterizedQfunc

    def step(time, theta, phi, wires=(0, 1, 2), flip=False):
        qml.RX(time * theta, wires[0])
        qml.RY(time * phi, wires[1])
        if flip:
            qml.CNOT(wires=wires[:2])

    op = TrotterizedQfunc(0.1, 0.12, -3.45, qfunc=step, n=1, order=2, wires=["a", "b", "c"],
                          flip=True)
    mapped = op.map_wires({"a": 0, "b": 1, "c": 2})
    direct = TrotterizedQfunc(0.1, 0.12, -3.45, qfunc=step, n=1, order=2, wires=[0, 1, 2],
                              flip=True)
    assert mapped.parameters == [0.1, 0.12, -3.45]
    assert [(g.name, list(g.wires), g.parameters) for g in mapped.decomposition()] == [
        (g.name, list(g.wires), g.parameters) for g in direct.decomposition()]
    qml.ops.functions.assert_valid(op, skip_pickle=True)


# --- a device transformed twice holds the once-transformed one ------------------------------
def test_a_device_transformed_twice_wraps_the_once_transformed_device():
    """PennyLane's ``TransformedDevice`` wraps one transform: ``original_device`` of a device
    transformed twice is the once-transformed device (qsym gave the bare device), and its
    ``preprocess_transforms()`` are the device's own then both transforms, in order. A QNode
    on it runs them: ``H RX(a) RX(b) H`` measured by ``Z`` is ``cos(a + b)`` by hand."""
    dev = qml.device("default.qubit", wires=1)
    once = qml.transforms.cancel_inverses(dev)
    twice = qml.transforms.merge_rotations(once)
    assert twice.original_device is once and once.original_device is dev
    assert repr(twice).startswith("Transformed Device(Transformed Device(")
    own, new = dev.preprocess_transforms(), twice.preprocess_transforms()
    assert len(new) == len(own) + 2
    assert new[-2].tape_transform is qml.transforms.cancel_inverses.tape_transform
    assert new[-1].tape_transform is qml.transforms.merge_rotations.tape_transform

    @qml.qnode(twice)
    def f(a, b):
        qml.Hadamard(0)
        qml.Hadamard(0)
        qml.RX(a, wires=0)
        qml.RX(b, wires=0)
        return qml.expval(qml.Z(0))

    assert onp.isclose(f(0.3, 0.4), onp.cos(0.7))
    assert qml.specs(f, level="device")(0.3, 0.4)["resources"].gate_types == {"RX": 1}


# --- matrices of several-parameter gates under autograd; fused Rot angles' derivatives ------
def _fd_jacobian(f, x, h=1e-6):
    """Central finite differences of a complex-valued ``f`` at ``x`` (the oracle's)."""
    from test_oracle import central_jacobian
    return central_jacobian(f, x, h)


def _complex_jacobian(f):
    re = qml.jacobian(lambda a: qml.math.real(f(a)))
    im = qml.jacobian(lambda a: qml.math.imag(f(a)))
    return lambda a: re(a) + 1j * im(a)


@pytest.mark.parametrize("name", ["Rot", "U3"])
def test_matrix_of_a_several_parameter_gate_is_differentiated_by_autograd(name):
    """``qml.matrix`` of ``Rot``/``U3`` at autograd's values was refused (only one-parameter
    gates with a generator were traced); it is the product of its decomposition's traced
    matrices, checked here against central finite differences of the numeric matrix."""
    cls = getattr(qml, name)
    x = qml.numpy.array([0.3, -1.1, 0.7], requires_grad=True)
    jac = _complex_jacobian(lambda a: qml.matrix(cls(a[0], a[1], a[2], wires=0)))(x)
    fd = _fd_jacobian(lambda a: qml.matrix(cls(*a, wires=0)), onp.array(x))
    assert onp.allclose(jac, fd, atol=1e-7)


def test_fused_rot_angles_have_the_products_derivative_at_special_points():
    """At ``Rot(pi, pi, pi)`` then ``Rot(pi, 0, 0)`` the fused Euler angles are smooth, but
    qsym's fusion fixed a phase to 0 at ``u10 = 0`` and its derivative was wrong (a matrix
    derivative unlike the product's). Now the matrix of ``Rot(*fused)`` has the product's
    derivative (central finite differences of the product); at a singular point (theta 0
    on both) the derivative is NaN, as PennyLane's."""
    from qsym.transforms.optimization.optimization_utils import fuse_rot_angles

    def fused(a):
        f = fuse_rot_angles(a[0], a[1])
        return qml.matrix(qml.Rot(f[0], f[1], f[2], wires=0))

    def product(a):
        a = onp.reshape(a, (2, 3))
        return qml.matrix(qml.Rot(*a[1], wires=0)) @ qml.matrix(qml.Rot(*a[0], wires=0))

    pi = onp.pi
    x = qml.numpy.array([[pi, pi, pi], [pi, 0.0, 0.0]], requires_grad=True)
    jac = _complex_jacobian(fused)(x)
    fd = _fd_jacobian(product, onp.array(x).ravel()).reshape(jac.shape)
    assert onp.allclose(jac, fd, atol=1e-6)
    assert onp.allclose(qml.matrix(qml.Rot(*fuse_rot_angles(x[0], x[1]), wires=0)),
                        product(onp.array(x)))
    singular = qml.numpy.array([[0.2, 0.0, 0.3], [0.1, 0.0, 0.4]], requires_grad=True)
    with onp.errstate(all="ignore"):
        assert onp.isnan(_complex_jacobian(fused)(singular)).any()


# --- the dagger label of an adjoint whose base's label is one character ---------------------
def test_adjoint_label_brackets_only_a_longer_label_of_a_composite_base():
    """PennyLane's ``Adjoint.label``: brackets when the base is composite and its label is
    longer than one character. PennyLane 0.45.1's labels (run in /work/plvenv)."""
    assert qml.adjoint(qml.CNOT([1, 2])).label() == "X†"
    assert qml.adjoint(qml.CH([0, 1])).label() == "H†"
    assert qml.adjoint(qml.MultiControlledX(wires=[0, 1, 2])).label() == "X†"
    assert qml.adjoint(qml.CRX(0.1, [0, 1])).label() == "(RX)†"
    assert qml.ctrl(qml.adjoint(qml.CNOT(["a", 1.23])), 0).label() == "X†"
    assert qml.adjoint(qml.adjoint(qml.S(0))).label() == "(S†)†"


# --- PennyLane's op._hyperparameters; phase estimation's hyperparameters --------------------
def test_phase_estimation_hyperparameters_are_pennylanes_and_mapped():
    """``op._hyperparameters`` (read by PennyLane's own tests) is the templates'
    hyperparameters; ``QuantumPhaseEstimation``'s are PennyLane 0.45.1's (run in
    /work/plvenv): the unitary, its wires as ``target_wires`` and the estimation wires,
    mapped by ``qml.map_wires``; flattened and made again it is the same operator."""
    unitary = qml.RX(onp.pi / 4, wires=[0]) @ qml.CNOT(wires=[0, 1])
    qpe = qml.QuantumPhaseEstimation(unitary, estimation_wires=[2, 3])
    assert qpe.hyperparameters["target_wires"] == qml.wires.Wires([0, 1])
    assert qpe.hyperparameters["estimation_wires"] == qml.wires.Wires([2, 3])
    new = qml.map_wires(qpe, wire_map={0: 2, 1: 3, 2: 4, 3: 5})
    assert list(new._hyperparameters["target_wires"]) == [2, 3]
    assert list(new._hyperparameters["estimation_wires"]) == [4, 5]
    assert list(new._hyperparameters["unitary"].wires) == [2, 3]
    again = type(qpe)._unflatten(*qpe._flatten())
    assert onp.allclose(qml.matrix(again), qml.matrix(qpe))
    emb = qml.AngleEmbedding([0.1], wires=[0], rotation="Z")
    assert emb._hyperparameters == emb.hyperparameters == {"rotation": "Z"}


# --- templates' num_params -----------------------------------------------------------------
def test_templates_have_pennylanes_num_params():
    """``op.num_params`` of templates (an AttributeError before): PennyLane 0.45.1's counts,
    run in /work/plvenv (its default: the parameters the operator was made with; QSVT and
    AQFT none, phase estimation its unitary's)."""
    cases = [
        (qml.AngleEmbedding([0.1, 0.2], wires=[0, 1]), 1),
        (qml.QFT(wires=[0, 1]), 0),
        (qml.StronglyEntanglingLayers(onp.zeros((1, 2, 3)), wires=[0, 1]), 1),
        (qml.BasisEmbedding([1, 0], wires=[0, 1]), 1),
        (qml.QSVT(qml.RX(0.1, 0), [qml.RZ(0.2, 0)]), 0),
        (qml.TrotterProduct(qml.X(0) + qml.Z(0), 0.1), 1),
        (qml.QuantumPhaseEstimation(qml.RX(0.3, 0), estimation_wires=[1, 2]), 1),
        (qml.AQFT(1, wires=[0, 1, 2]), 0),
        (qml.Permute([1, 0], wires=[0, 1]), 0),
        (qml.FermionicDoubleExcitation(0.2, wires1=[0, 1], wires2=[2, 3]), 1),
        (qml.QAOAEmbedding([0.1, 0.2], onp.zeros((1, 3)), wires=[0, 1]), 2),
        (qml.GroverOperator(wires=[0, 1]), 0),
        (qml.TemporaryAND([0, 1, 2]), 0),
    ]
    assert [op.num_params for op, _ in cases] == [n for _, n in cases]
