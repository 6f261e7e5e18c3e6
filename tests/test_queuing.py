"""PennyLane's queuing: what a user's queue (qml.queuing.AnnotatedQueue, qml.tape.QuantumTape)
records, and the operator fixes of issue #18. Expected values are written by hand (PennyLane
0.45.1's documented behaviour) or computed independently; the last test compares with
PennyLane itself when it is installed."""

import numpy as onp
import pytest
import sympy as sp

import qsym as qml
from qsym import numpy as np


def _names(ops):
    return [type(op).__name__ if not hasattr(op, "name") else op.name for op in ops]


def test_a_queue_holds_operators_as_made():
    with qml.queuing.AnnotatedQueue() as q:
        qml.QFT(wires=[0, 1])
        a = qml.adjoint(qml.QFT(wires=[0, 1]))
        c = qml.ctrl(qml.RZ(0.2, 1), 0, control_values=0)
        p = qml.pow(qml.RX(0.5, 0), 2)
        prod = qml.Z(0) @ qml.Y(1)
    assert _names(q.queue) == ["QFT", "Adjoint(QFT)", c.name, p.name, prod.name]
    assert q.queue[1] is a and q.queue[2] is c and q.queue[3] is p and q.queue[4] is prod
    assert len(q) == 5 and a in q and a.base not in q


def test_a_measurement_takes_its_observable_off_the_queue():
    with qml.queuing.AnnotatedQueue() as q:
        qml.RX(0.1, 0)
        obs = qml.Z(0) @ qml.X(1)
        m = qml.expval(obs)
        h = qml.Hermitian(onp.eye(2), wires=2)
    assert q.queue == [q.queue[0], m, h] and q.queue[0].name == "RX"


def test_template_operands_leave_the_queue():
    with qml.queuing.AnnotatedQueue() as q:
        ops = [qml.X(2), qml.Y(2)]
        sel = qml.Select(ops, control=[0])
    assert q.queue == [sel]


def test_decomposition_queues_what_it_returns():
    op = qml.Select([qml.X(1), qml.RY(0.3, 1)], control=[0])
    with qml.queuing.AnnotatedQueue() as q:
        parts = op.decomposition()
    assert q.queue == parts and len(parts) == 2
    with qml.queuing.AnnotatedQueue() as q2:
        ops = [qml.X(1), qml.RY(0.3, 1)]
        parts2 = qml.Select.compute_decomposition(ops, control=[0])
    assert q2.queue == parts2  # the operands given became parts of the result
    with qml.tape.QuantumTape() as tape:
        qml.QFT(wires=[0, 1]).decomposition()
    # the QFT made inside the tape is queued, then what its decomposition returns
    assert _names(tape.operations) == ["QFT", "Hadamard", "ControlledPhaseShift", "Hadamard", "SWAP"]


def test_apply_queues_a_copy_and_needs_a_context():
    h = qml.Hadamard(0)
    with qml.queuing.AnnotatedQueue() as q1:
        first = qml.apply(h)
        adj = qml.adjoint(h)  # h itself was never queued: the copy stays
        with qml.queuing.AnnotatedQueue() as q2:
            z = qml.Z(0)
            other = qml.apply(z, q1)
    assert q1.queue == [first, adj, other] and first is not h and other is not z
    assert q2.queue == [z]
    with pytest.raises(RuntimeError, match="No queuing context"):
        qml.apply(qml.Z(0))


def test_queue_metadata_and_stop_recording():
    a = qml.RZ(0.5, wires=1)
    with qml.queuing.AnnotatedQueue() as q:
        q.append(a, inv=True)
        qml.QueuingManager.update_info(a, key="v")
        with qml.QueuingManager.stop_recording():
            qml.X(0)
        qml.QueuingManager.remove(qml.Y(0))
    assert q.queue == [a] and q.get_info(a) == {"inv": True, "key": "v"}
    assert q.items() == ((a, {"inv": True, "key": "v"}),)
    with pytest.raises(qml.exceptions.QueuingError, match="not in the queue"):
        q.get_info(qml.X(0))
    w = qml.queuing.WrappedObj(a)
    assert w == qml.queuing.WrappedObj(a) and w != qml.queuing.WrappedObj(qml.RZ(0.5, wires=1))


def test_a_tape_records_adjoint_and_pow_with_their_parameters():
    with qml.tape.QuantumTape() as tape:
        qml.adjoint(qml.RX(0.3, 0))
        qml.pow(qml.RY(0.2, 0), 2)
        qml.expval(qml.Z(0))
    assert _names(tape.operations) == ["Adjoint(RX)", "RY**2"]
    assert tape.get_parameters() == [0.3, 0.2] and tape.trainable_params == [0, 1]
    (value,) = qml.execute([tape], qml.device("default.qubit", wires=1))
    # RY(0.4) RX(-0.3)|0>: <Z> = cos(0.3) cos(0.4)
    assert abs(value - onp.cos(0.3) * onp.cos(0.4)) < 1e-12


def test_a_tape_of_templates_runs_as_their_gates():
    with qml.tape.QuantumTape() as tape:
        qml.AngleEmbedding([0.3, 0.7], wires=[0, 1])
        qml.RX(0.2, 1) @ qml.X(0)
        qml.expval(qml.Z(0) @ qml.Z(1))
    assert _names(tape.operations)[0] == "AngleEmbedding" and len(tape.operations) == 2
    (value,) = qml.execute([tape], qml.device("default.qubit", wires=2))
    # X flips Z(0); RX(0.3) on 0, RX(0.7 + 0.2) on 1: <Z0 Z1> = -cos(0.3) cos(0.9)
    assert abs(value + onp.cos(0.3) * onp.cos(0.9)) < 1e-12


def test_controlled_qubit_unitary_on_an_executed_tape():
    c, s = onp.cos(0.3), onp.sin(0.3)
    V = onp.array([[c, -s], [s, c]])
    ops = [qml.Hadamard(0), qml.Hadamard(1),
           qml.ControlledQubitUnitary(V, wires=[1, 0, 2], control_values=[0, 1])]
    tape = qml.tape.QuantumScript(ops, [qml.probs(wires=[0, 1, 2])])
    (probs,) = qml.execute([tape], qml.device("default.qubit", wires=3))
    # |1>_0 |0>_1 (the controls' values) rotates wire 2 by V: cos^2, sin^2 of that quarter
    expected = onp.array([0.25, 0, 0.25, 0, 0.25 * c**2, 0.25 * s**2, 0.25, 0])
    assert onp.allclose(probs, expected, atol=1e-12)


@pytest.mark.parametrize("phi", [0.3, -1.2, 2.5])
def test_isingxy_decomposition_is_its_matrix(phi):
    ops = qml.IsingXY(phi, wires=[0, 1]).decomposition()
    assert _names(ops) == ["Hadamard", "CY", "RY", "RX", "CY", "Hadamard"]
    m = onp.eye(4)
    for op in ops:
        m = qml.matrix(op, wire_order=[0, 1]) @ m
    c, s = onp.cos(phi / 2), onp.sin(phi / 2)
    ref = onp.array([[1, 0, 0, 0], [0, c, 1j * s, 0], [0, 1j * s, c, 0], [0, 0, 0, 1]])
    assert onp.allclose(m, ref, atol=1e-12)


def test_dot_drops_a_unit_coefficient_given_as_an_array():
    d = qml.dot(np.array([1.0, 2.0]), [qml.X(0), qml.Z(0)])
    assert [float(x) for x in d.data] == [2.0] and d.operands[0].name == "PauliX"


def test_equal_compares_exact_and_float_numbers():
    assert qml.equal(qml.PhaseShift(sp.pi / 2, 0), qml.PhaseShift(onp.pi / 2, 0))
    assert not qml.equal(qml.PhaseShift(sp.pi / 2, 0), qml.PhaseShift(onp.pi / 3, 0))


def test_generator_of_a_global_phase():
    obs, pref = qml.generator(qml.GlobalPhase(0.3))
    assert obs.name == "Identity" and list(obs.wires) == [] and pref == -1.0
    obs, pref = qml.generator(qml.GlobalPhase(0.3, wires=[0, 1]))
    assert list(obs.wires) == [0, 1] and pref == -1.0


def test_queues_as_pennylane():
    pl = pytest.importorskip("pennylane")

    def record(m):
        with m.queuing.AnnotatedQueue() as q:
            m.QFT(wires=[0, 1])
            m.adjoint(m.S(0))
            m.ctrl(m.RX(0.2, 1), 0, control_values=0)
            m.pow(m.RX(0.5, 0), 2)
            m.X(0) @ m.Y(1)
            ops = [m.X(2), m.Y(2)]
            m.Select(ops, control=[0])
            m.expval(m.Z(0) + m.X(1))
            m.Hadamard(1)
            m.apply(m.RZ(0.1, 0))
        return [(type(o).__name__, list(o.measured_obs.wires)) if hasattr(o, "measured_obs") else
                (o.name, list(o.wires)) for o in q.queue]

    assert record(qml) == record(pl)


def test_names_pennylane_tests_import_are_importable_and_refused():
    from qsym import FromBloq, Rotation
    from qsym.operation import _UNSET_BATCH_SIZE
    from qsym.transforms import create_expand_trainable_multipar

    assert _UNSET_BATCH_SIZE == -1
    with pytest.raises(qml.GateError, match="not supported by qsym"):
        FromBloq(None, wires=0)
    assert Rotation(0.1, wires=0).data == (0.1,)  # a CV record: made, never applied
    from qsym.ops.op_math.controlled_ops import CNOT, CPhase, MultiControlledX, _toffoli_elbow

    assert (CNOT, CPhase, MultiControlledX) == (qml.CNOT, qml.ControlledPhaseShift,
                                                qml.MultiControlledX)
    with pytest.raises(qml.DeviceError, match="_toffoli_elbow is not supported.*allocate"):
        _toffoli_elbow(wires=[0, 1, 2])
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning,
                      match="create_expand_trainable_multipar"):  # PennyLane's, deprecated
        assert create_expand_trainable_multipar(None) is qml.transforms.expand_trainable_multipar


def test_tapes_holding_exponentials_run_as_their_rotations():
    """A tape with ``qml.exp`` / ``qml.evolve`` (Hadamard-gradient tapes hold Evolutions)
    runs: exp(-i t X) on |0> gives <Z> = cos(2t); the Evolution keeps its parameter, so
    the tape's derivative by autograd is -2 sin(2t) (it was an AttributeError once tapes
    with templates ran as their gates)."""
    dev = qml.device("default.qubit", wires=1)
    for op in (qml.exp(qml.X(0), -0.5j), qml.evolve(qml.X(0), 0.5)):
        tape = qml.tape.QuantumScript([op], [qml.expval(qml.Z(0))])
        assert float(qml.execute([tape], dev)[0]) == pytest.approx(onp.cos(1.0), abs=1e-12)

    def cost(t):
        tape = qml.tape.QuantumScript([qml.evolve(qml.X(0), t)], [qml.expval(qml.Z(0))])
        return qml.execute([tape], dev, diff_method="backprop")[0]

    t = qml.numpy.array(0.3, requires_grad=True)
    assert float(qml.grad(cost)(t)) == pytest.approx(-2 * onp.sin(0.6), abs=1e-10)


def test_a_tape_of_templates_with_trainable_params_set():
    """A tape holding a template runs as its table gates, whose parameters are numbered
    otherwise: trainable_params of the gates kept are renumbered (QFT's own phase gates come
    first); a template's own parameter trainable makes its gates' parameters trainable."""
    dev = qml.device("default.qubit", wires=2)
    tape = qml.tape.QuantumScript([qml.QFT(wires=[0, 1]), qml.RY(0.3, 0)], [qml.expval(qml.Z(0))])
    tape.trainable_params = [0]
    # QFT|00> = |++>; RY(t) on |+> gives <Z0> = -sin(t), d/dt = -cos(t)
    assert float(qml.execute([tape], dev)[0]) == pytest.approx(-np.sin(0.3), abs=1e-12)
    tapes, fn = qml.gradients.param_shift(tape)
    assert float(fn(qml.execute(tapes, dev))) == pytest.approx(-np.cos(0.3), abs=1e-12)
    # a template's own parameter trainable: its gates' parameters are (PennyLane's QNode
    # tapes mark a template's weights so); by hand: RX(0.3)_0 CNOT (RX(0.2) x RX(0.1)) |00>
    with_template = qml.tape.QuantumScript([qml.BasicEntanglerLayers([[0.2, 0.1]], wires=[0, 1]),
                                            qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    with_template.trainable_params = [0]

    def rx(t):
        return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])

    cnot = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    psi = onp.kron(rx(0.3), onp.eye(2)) @ cnot @ onp.kron(rx(0.2), rx(0.1)) @ onp.eye(4)[0]
    z0 = onp.kron(onp.diag([1, -1]), onp.eye(2))
    assert float(qml.execute([with_template], dev)[0]) == pytest.approx(
        float(onp.real(psi.conj() @ z0 @ psi)), abs=1e-12)
    untouched = qml.tape.QuantumScript([qml.QFT(wires=[0, 1]), qml.RX(0.3, 0)],
                                       [qml.expval(qml.Z(0))])  # no trainable_params: runs
    # QFT of |00> is |++>; RX(0.3) on wire 0 leaves <Z0> of |+> at 0
    assert float(qml.execute([untouched], qml.device("default.qubit", wires=2))[0]) == \
        pytest.approx(0.0, abs=1e-12)


def test_decomposition_called_in_a_circuit_applies_its_operators():
    """PennyLane queues the template and then what ``op.decomposition()`` returns: both
    apply. QFT twice on 2 wires maps |j> to |-j mod 4>; RX(x) twice is RX(2x)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def qft_twice():
        qml.PauliX(1)  # |01>: j = 1
        qml.QFT(wires=[0, 1]).decomposition()
        return qml.probs(wires=[0, 1])

    assert np.allclose(qft_twice(), [0, 0, 0, 1])  # |-1 mod 4> = |11>

    @qml.qnode(dev)
    def angle_twice(x):
        qml.AngleEmbedding(np.array([x, 0.0]), wires=[0, 1]).decomposition()
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.3, requires_grad=True)
    assert np.isclose(angle_twice(x), np.cos(2 * 0.3))
    assert np.isclose(qml.grad(angle_twice)(x), -2 * np.sin(2 * 0.3))
    assert np.isclose(angle_twice(np.array(0.5, requires_grad=True)), np.cos(1.0))

    @qml.qnode(dev)
    def select_twice():
        qml.Select([qml.X(1), qml.Y(1)], control=[0]).decomposition()  # X applied twice
        return qml.probs(wires=[0, 1])

    assert np.allclose(select_twice(), [1, 0, 0, 0])


@pytest.mark.parametrize("bits", [(0, 1, 1), (1, 0, 0)])
def test_a_projector_is_queued_and_multiplies_a_tape_matrix(bits):
    """PennyLane queues every operator, ``qml.Projector`` too (its tests multiply a tape's
    matrix by one): from_queue keeps it among the operations, a measurement of it takes it
    off, its powers and wire maps are copies that queue nothing. The reference is written
    by hand: |s><s| on wires 0-2 times X on wire 3."""
    with qml.queuing.AnnotatedQueue() as q:
        p = qml.Projector(list(bits), wires=[0, 1, 2])
        p.pow(2), p.map_wires({0: 5})
        qml.PauliX(3)
    tape = qml.tape.QuantumScript.from_queue(q)
    assert tape.operations[0] is p and len(tape.operations) == 2 and not tape.measurements
    ket = onp.zeros(8)
    ket[int("".join(map(str, bits)), 2)] = 1
    expected = onp.kron(onp.outer(ket, ket), onp.array([[0, 1], [1, 0]]))
    assert onp.allclose(qml.matrix(tape, wire_order=[0, 1, 2, 3]), expected)
    with qml.queuing.AnnotatedQueue() as q:
        m = qml.expval(qml.Projector([0.6, 0.8], wires=0))
    assert q.queue == [m]


@pytest.mark.parametrize("geq", [True, False])
@pytest.mark.parametrize("value", [0, 3, 5, 8])
def test_integer_comparator_decomposition_on_each_basis_state(value, geq):
    """IntegerComparator's decomposition flips wire 3 exactly on the basis states of wires 0-2
    whose integer compares true (PennyLane's test, a queued projector per state)."""
    for n in range(8):
        bits = [int(b) for b in format(n, "03b")]
        with qml.queuing.AnnotatedQueue() as q:
            qml.Projector(bits, wires=[0, 1, 2])
            qml.IntegerComparator.compute_decomposition(value, wires=[0, 1, 2, 3], geq=geq)
        got = qml.matrix(qml.tape.QuantumScript.from_queue(q), wire_order=[0, 1, 2, 3])
        flip = (n >= value) if geq else (n < value)
        ket = onp.zeros(8)
        ket[n] = 1
        target = onp.array([[0, 1], [1, 0]]) if flip else onp.eye(2)
        assert onp.allclose(got, onp.kron(onp.outer(ket, ket), target)), (n, value, geq)


@pytest.mark.parametrize("name, args", [("Rotation", (0.3,)), ("Displacement", (0.1, 0.2)),
                                        ("QuadX", ())])
def test_cv_operations_are_made_and_refused_where_they_would_act(name, args):
    """PennyLane's continuous-variable classes: made outside a circuit with their data and
    wires (PennyLane's tests list one among their parameters); in a circuit or a recording
    queue a GateError names them (a qubit simulator cannot apply them: never a silent no-op)."""
    cls = getattr(qml, name)
    op = cls(*args, wires=[1])
    assert op.name == name and op.data == args and list(op.wires) == [1]
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        cls(*args, wires=[1])
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.GateError, match=f"qml.{name} is a continuous-variable operation"):
        circuit()
    with qml.queuing.AnnotatedQueue() as q:  # PennyLane's queue keeps it (default.gaussian's)
        cls(*args, wires=[1])
    tape = qml.tape.QuantumScript.from_queue(q)
    if name != "QuadX":
        with pytest.raises(qml.GateError, match="continuous-variable"):  # never dropped silently
            dev.execute(tape)
