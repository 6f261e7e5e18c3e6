"""PennyLane's wrapper and record classes that programs (and PennyLane's own test
configuration) build: ``LabelledOp``/``qml.drawer.label``, ``MarkedOp``/``qml.fourier.mark``,
``qml.ops.PauliMeasure``, ``qml.Snapshot(measurement=...)``, ``qml.pulse``'s
``ParametrizedHamiltonian`` and ``ParametrizedEvolution``, ``CollectedSubroutine``,
``qml.resource.ResourcesOperation`` and ``qml.FromBloq``.

References are independent of the code under test: closed forms (cos, sin, a Bell state's
marginals), the same circuit without the wrapper, finite differences, SciPy's ``expm``.
"""

import warnings

import numpy as np
import pytest
from scipy.linalg import expm

import qsym as qml
from qsym import numpy as pnp
from qsym.drawer.label import LabelledOp
from qsym.fourier.mark import MarkedOp

DEV2 = qml.device("default.qubit", wires=2)


def test_label_strings_follow_pennylane():
    op = LabelledOp(qml.RX(1.23456, wires=0), "my-rx")
    assert op.hyperparameters["custom_label"] == "my-rx"
    assert op.label() == 'RX("my-rx")'
    assert op.label(decimals=2) == 'RX\n(1.23, "my-rx")'
    assert qml.drawer.label(qml.X(0), "my-x").label() == 'X("my-x")'
    assert repr(op) == 'LabelledOp(RX(1.23456, wires=[0]), custom_label="my-rx")'


def test_wrappers_act_as_their_base_in_circuits_and_gradients():
    @qml.qnode(DEV2)
    def wrapped(x, y):
        qml.drawer.label(qml.RX(x, wires=0), "a")
        qml.fourier.mark(qml.RY(y, wires=1), "y")
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    x, y = pnp.array(0.4, requires_grad=True), pnp.array(-0.9, requires_grad=True)
    # <Z1> after RX(x) RY(y) CNOT = cos(x) cos(y)
    assert np.isclose(wrapped(x, y), np.cos(0.4) * np.cos(-0.9), atol=1e-12)
    gx, gy = qml.grad(wrapped)(x, y)
    assert np.isclose(gx, -np.sin(0.4) * np.cos(-0.9), atol=1e-12)
    assert np.isclose(gy, -np.cos(0.4) * np.sin(-0.9), atol=1e-12)


def test_draw_shows_the_label_in_pennylanes_form():
    @qml.qnode(DEV2)
    def circuit():
        qml.drawer.label(qml.H(0), "my-h")
        qml.CNOT([0, 1])
        return qml.probs()

    # PennyLane's documented drawing of this circuit (qml.drawer.label's docstring)
    assert qml.draw(circuit)() == ('0: ──H("my-h")─╭●─┤  Probs\n'
                                   '1: ────────────╰X─┤  Probs')


def test_tape_with_wrappers_runs_and_param_shift_matches_finite_differences():
    with qml.tape.QuantumTape() as tape:
        qml.fourier.mark(qml.RX(0.3, wires=0), "x0")
        qml.drawer.label(qml.CRY(0.5, wires=[0, 1]), "c")
        qml.expval(qml.PauliZ(1))
    assert [type(op).__name__ for op in tape.operations] == ["MarkedOp", "LabelledOp"]
    tapes, fn = qml.gradients.param_shift(tape)
    shift = np.array(fn(qml.execute(tapes, DEV2)), dtype=float)

    def value(a, b):
        with qml.tape.QuantumTape() as t:
            qml.RX(a, wires=0)
            qml.CRY(b, wires=[0, 1])
            qml.expval(qml.PauliZ(1))
        return float(qml.execute([t], DEV2)[0])

    h = 1e-6
    fd = [(value(0.3 + h, 0.5) - value(0.3 - h, 0.5)) / (2 * h),
          (value(0.3, 0.5 + h) - value(0.3, 0.5 - h)) / (2 * h)]
    assert np.allclose(shift, fd, atol=1e-8)


def test_equality_hash_copies_and_wires():
    a, b = LabelledOp(qml.RX(0.3, 0), "a"), LabelledOp(qml.RX(0.3, 0), "a")
    assert qml.equal(a, b) and hash(a) == hash(b)
    assert not qml.equal(a, LabelledOp(qml.RX(0.3, 0), "b"))
    assert not qml.equal(MarkedOp(qml.RX(0.3, 0), "x"), MarkedOp(qml.RX(0.4, 0), "x"))
    moved = a.map_wires({0: 5})
    assert moved.wires.tolist() == [5] and moved.custom_label == "a"
    data, meta = a._flatten()
    assert qml.equal(type(a)._unflatten(data, meta), a)
    assert np.allclose(a.matrix(), qml.matrix(qml.RX(0.3, 0)))
    m = MarkedOp(qml.RX(0.5, 0), "x0")
    assert m.has_generator and qml.equal(m.generator(), qml.RX(0.5, 0).generator())


def test_circuit_spectrum_reads_markers_and_warns_for_ids():
    @qml.qnode(DEV2)
    def circuit(x):
        qml.fourier.mark(qml.RX(x[0], wires=0), "x0")
        qml.fourier.mark(qml.PhaseShift(x[1], wires=0), "x1")
        qml.fourier.mark(qml.RY(x[0], wires=1), "x0")
        return qml.expval(qml.PauliZ(0))

    res = qml.fourier.circuit_spectrum(circuit)(np.array([1.0, 2.0]))
    # two gates with generator eigenvalues +-1/2 on input x0: frequencies up to 2
    assert [float(w) for w in res["x0"]] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert [float(w) for w in res["x1"]] == [-1.0, 0.0, 1.0]

    @qml.qnode(DEV2)
    def by_id(x):
        qml.RX(x, wires=0, id="a")
        return qml.expval(qml.PauliZ(0))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [float(w) for w in qml.fourier.circuit_spectrum(by_id)(0.3)["a"]] == [-1.0, 0.0, 1.0]
    assert any("deprecated" in str(w.message) for w in caught)


def test_pauli_measure_is_a_record_that_circuits_refuse():
    op = qml.ops.PauliMeasure("XY", wires=[0, 2], postselect=1)
    assert op.pauli_word == "XY" and op.wires.tolist() == [0, 2]
    assert op.label() == "┤↗₁XY├" and op.label(wire=2) == "┤↗₁Y├"
    with pytest.raises(ValueError, match="not allowed"):
        qml.ops.PauliMeasure("XQ", wires=[0, 1])
    with pytest.raises(ValueError, match="equal to the length"):
        qml.ops.PauliMeasure("XY", wires=[0])
    with qml.queuing.AnnotatedQueue() as q:
        m = qml.pauli_measure("ZX", wires=[1, 0])
    assert list(q.queue) == [m.measurements[0]] and m.measurements[0].pauli_word == "ZX"

    @qml.qnode(DEV2)
    def circuit():
        qml.ops.PauliMeasure("Z", wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.errors.MeasurementError, match="Pauli product measurement"):
        circuit()


def test_snapshot_measurements_on_a_bell_state():
    @qml.qnode(DEV2)
    def circuit():
        qml.Snapshot("z0", measurement=qml.expval(qml.PauliZ(0)))
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.Snapshot("bell")
        qml.Snapshot("p1", measurement=qml.probs(wires=[1]))
        qml.Snapshot("zz", measurement=qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)))
        qml.Snapshot("varx", measurement=qml.var(qml.PauliX(0)))
        qml.Snapshot("rho1", measurement=qml.density_matrix(wires=[1]))
        return qml.expval(qml.PauliX(0))

    out = qml.snapshots(circuit)()
    s = 1 / np.sqrt(2)
    assert out["z0"] == 1.0
    assert np.allclose(out["bell"], [s, 0, 0, s])
    assert np.allclose(out["p1"], [0.5, 0.5])
    assert np.isclose(out["zz"], 1.0)
    assert np.isclose(out["varx"], 1.0)  # <X0> = 0 on a Bell state, X0^2 = 1
    assert np.allclose(out["rho1"], np.eye(2) / 2)
    # the snapshots' measurements are not the circuit's: it returns <X0> alone
    assert np.isclose(out["execution_results"], 0.0) and np.ndim(circuit()) == 0
    with pytest.raises(ValueError, match="only be of type 'str'"):
        qml.Snapshot(tag=1.5)


def test_pulse_hamiltonian_and_evolution_against_closed_forms():
    f = lambda p, t: p * t  # noqa: E731
    H = qml.PauliX(0) + f * qml.PauliZ(0)
    assert H.coeffs_fixed == [1.0] and len(H.coeffs_parametrized) == 1
    assert np.allclose(qml.matrix(H([2.0], 0.5)), qml.matrix(qml.X(0) + qml.Z(0)))
    with pytest.raises(ValueError, match="same"):
        H([1.0, 2.0], 0.1)
    unbound = qml.pulse.ParametrizedEvolution(H)
    with pytest.raises(ValueError, match="required to compute the matrix"):
        unbound.matrix()
    # commuting, time-dependent: exp(-i p (t1^2 - t0^2)/2 Z)
    U = qml.pulse.ParametrizedEvolution(f * qml.PauliZ(0), [0.9], t=[0.5, 1.5]).matrix()
    phase = 0.9 * (1.5 ** 2 - 0.5 ** 2) / 2
    assert np.allclose(U, np.diag([np.exp(-1j * phase), np.exp(1j * phase)]), atol=1e-9)
    # constant coefficients on two wires: SciPy's expm
    g = lambda p, t: p  # noqa: E731
    op = qml.pulse.ParametrizedEvolution(g * qml.X(0) + 0.5 * qml.Z(1))([0.8], 2.0)
    h = 0.8 * np.kron(qml.matrix(qml.X(0)), np.eye(2)) + 0.5 * np.kron(np.eye(2), qml.matrix(qml.Z(1)))
    assert np.allclose(op.matrix(wire_order=[0, 1]), expm(-2j * h), atol=1e-9)

    @qml.qnode(DEV2)
    def circuit():
        qml.pulse.ParametrizedEvolution(g * qml.X(0), [0.1], 1.0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.GateError, match="does not simulate pulses"):
        circuit()
    with pytest.raises(ValueError, match="number of coefficients and operators does not match"):
        qml.pulse.ParametrizedHamiltonian([1.0, f], [qml.X(0)])
    with pytest.raises(ValueError, match="expected 1 parameters"):
        qml.pulse.ParametrizedEvolution(f * qml.PauliZ(0), [0.1, 0.2], t=1.0)
    with pytest.raises(AttributeError, match=r"qml\.pulse\.not_a_pulse_name is not supported"):
        qml.pulse.not_a_pulse_name  # noqa: B018  (a name qml.pulse does not have: refused)
    with pytest.raises(ImportError):
        exec("from qsym.pulse import not_a_pulse_name", {})


def test_collected_subroutine_takes_its_operators_place():
    with qml.queuing.AnnotatedQueue() as q:
        op = qml.templates.core.CollectedSubroutine("Bell", [qml.H(0), qml.CNOT([0, 1])])
    assert list(q.queue) == [op] and op.name == "Bell" and op.wires.tolist() == [0, 1]

    @qml.qnode(DEV2)
    def circuit(x):
        qml.templates.core.CollectedSubroutine("blk", [qml.RX(x, 0), qml.CNOT([0, 1])])
        return qml.expval(qml.PauliZ(1))

    x = pnp.array(0.3, requires_grad=True)
    assert np.isclose(circuit(x), np.cos(0.3), atol=1e-12)  # applied once, not twice
    assert np.isclose(qml.grad(circuit)(x), -np.sin(0.3), atol=1e-12)


def test_resources_operation_and_from_bloq():
    class TwoCNOTs(qml.resource.ResourcesOperation):
        num_wires = 2

        def resources(self):
            return qml.resource.Resources(num_wires=2, num_gates=2, gate_types={"CNOT": 2})

    assert TwoCNOTs(wires=[0, 1]).resources().num_gates == 2

    class Missing(qml.resource.ResourcesOperation):
        num_wires = 1

    with pytest.raises(TypeError, match="Can't instantiate abstract class Missing"):
        Missing(wires=0)  # PennyLane's abstract method
    with pytest.raises(qml.GateError, match="Qualtran"):
        qml.FromBloq(None, wires=[0])


def test_a_snapshot_inside_a_controlled_function_is_placed_after_its_controlled_gates():
    # the gates of qml.ctrl(f) are rewritten after f ran: the snapshot is passed on in
    # place (PennyLane's), so it sees the controlled gates before it
    def body(wire):
        qml.Hadamard(wire)
        qml.Snapshot()

    @qml.qnode(DEV2)
    def circuit():
        qml.Hadamard(0)
        qml.ctrl(body, 0)(wire=1)
        return qml.expval(qml.PauliZ(1))

    s = 1 / np.sqrt(2)  # H(0) then CH(0, 1), by hand: (|00> + (|10> + |11>)/sqrt2)/sqrt2
    assert np.allclose(qml.snapshots(circuit)()[0], [s, 0, 0.5, 0.5])

    @qml.qnode(DEV2)
    def adjointed():
        qml.adjoint(body)(1)  # reversed: the snapshot, then H(1) (PennyLane's)
        qml.Snapshot()
        return qml.expval(qml.PauliZ(1))

    taken = qml.snapshots(adjointed)()  # |00>, then H(1) on it: (|00> + |01>)/sqrt2
    assert np.allclose(taken[0], [1, 0, 0, 0]) and np.allclose(taken[1], [s, s, 0, 0])
    # the QNode itself ignores the snapshot: <Z1> after H(0), CH(0, 1) is 1/2
    assert np.isclose(circuit(), 0.5, atol=1e-12)


def test_parametrized_hamiltonian_queues_in_place_of_its_terms():
    f = lambda p, t: p * t  # noqa: E731
    with qml.queuing.AnnotatedQueue() as q:
        xx = qml.PauliX(0) @ qml.PauliX(1)
        H = 2 * xx + f * (qml.PauliY(0) @ qml.PauliY(1)) + qml.Hamiltonian([0.5], [qml.Z(0)])
    assert list(q.queue) == [H]
    assert H.coeffs_fixed == [2, 0.5] and len(H.coeffs_parametrized) == 1
    assert qml.dot([0.3, f], [qml.X(0), qml.Z(1)]).coeffs_fixed == [0.3]  # qml.dot too

    @qml.qnode(DEV2)
    def circuit():
        qml.RX(0.4, wires=0)
        f * qml.PauliX(0)  # a Hamiltonian made in a circuit applies no gate
        return qml.expval(qml.PauliZ(0))

    assert np.isclose(circuit(), np.cos(0.4), atol=1e-12)


def test_simplify_and_map_wires_of_tapes_qnodes_and_queues():
    @qml.qnode(DEV2)
    def circuit(x):
        qml.prod(qml.PauliX(0), qml.PauliX(0), qml.RY(x, wires=1))  # X X is the identity
        return qml.expval(qml.prod(qml.PauliZ(1), qml.PauliZ(1), qml.PauliX(0)))

    x = 0.7
    # <X0> of RY(x) on wire 1 only: 0; the simplified QNode agrees with the original
    assert np.isclose(qml.simplify(circuit)(x), circuit(x), atol=1e-12)
    tape = qml.tape.QuantumScript([qml.prod(qml.X(0), qml.X(0), qml.Z(1))],
                                  [qml.expval(qml.Z(1) @ qml.Z(1) @ qml.Y(0))], shots=10)
    (new,), _ = qml.simplify(tape)
    assert new.operations == [qml.Z(1)] and new.shots == tape.shots
    assert qml.equal(new.measurements[0], qml.expval(qml.Y(0)))
    # queues: the simplified operator replaces the input; map_wires queues nothing unless asked
    with qml.queuing.AnnotatedQueue() as q:
        op = qml.X(0) + qml.X(0)
        simplified = qml.simplify(op)
        moved = qml.map_wires(qml.RX(0.1, 0), {0: 5})
    queued = [id(o) for o in q.queue]
    assert id(simplified) in queued and id(op) not in queued
    assert moved.wires.tolist() == [5] and id(moved) not in queued
    # a QNode written on wires 0 and 1 run on a device of wires "a", "b" once mapped:
    # <Z_a Z_b> after RX(x) on "a" and CNOT("a", "b") is 1 (the two bits always agree)
    # and <Z_b> is cos(x)
    @qml.qnode(qml.device("default.qubit", wires=["a", "b"]))
    def labelled(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)), qml.expval(qml.PauliZ(1))

    zz, z1 = qml.map_wires(labelled, {0: "a", 1: "b"})(x)
    assert np.isclose(zz, 1.0) and np.isclose(z1, np.cos(x))
    with qml.queuing.AnnotatedQueue() as q:
        queued = qml.map_wires(qml.RY(0.2, 0), {0: 3}, queue=True, replace=True)
    assert [o.wires.tolist() for o in q.queue] == [[3]] and q.queue[0] is queued
    with pytest.raises(qml.GateError, match="Cannot simplify"):
        qml.simplify("not an operator")


def test_eigvals_of_circuits_tapes_and_templates():
    # gates on separate wires: the Kronecker product of each gate's eigenvalues, in order
    def separate():
        qml.PauliZ(0)
        qml.PauliX(1)

    assert np.allclose(qml.eigvals(separate)(), np.kron([1, -1], [1, -1]))
    assert np.allclose(qml.eigvals(qml.PauliZ)(wires=0), [1, -1])  # an operator class
    # gates sharing a wire: the matrix's eigenvalues, with PennyLane's warning
    tape = qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1])])
    with pytest.warns(UserWarning, match="computed numerically"):
        vals = qml.eigvals(tape)
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    ref = np.linalg.eigvals(cnot @ np.kron(h, np.eye(2)))
    assert np.allclose(np.sort_complex(np.round(vals, 10)), np.sort_complex(np.round(ref, 10)))
    with pytest.raises(qml.TransformError, match="Input is not an Operator"):
        qml.eigvals(None)


def test_dot_refuses_what_is_not_a_list_of_operators_in_pennylanes_words():
    from qsym.pauli import PauliWord

    with pytest.raises(ValueError, match="ops must be an Iterable of Operator's"):
        qml.dot([1.0], qml.X(0))
    with pytest.raises(ValueError, match="ops must be an Iterable of PauliWord's"):
        qml.dot([1.0], PauliWord({0: "X"}))  # (a dict: it was iterated)
    with pytest.raises(ValueError, match="Number of coefficients and operators does not match"):
        qml.dot([1.0, 2.0], [qml.X(0)])
    with pytest.raises(ValueError, match="Cannot compute the dot product of an empty sequence"):
        qml.dot([], [])
