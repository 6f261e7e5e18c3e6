"""Dynamic qubit allocation (qsym._allocation: qml.allocate, qml.deallocate,
qml.transforms.resolve_dynamic_wires): circuits with allocated work wires against the same
circuits written on explicit wires and against values computed by hand."""

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.allocation import Allocate, AllocateState, Deallocate, DynamicRegister, DynamicWire
from qsym.exceptions import AllocationError


def _and_circuit(dev_wires, allocated: bool):
    """<Z(2)> after RY(x0), RY(x1) on wires 0, 1 and the AND of them copied to wire 2
    through a work wire (allocated, or wire 3 written by hand), uncomputed."""

    @qml.qnode(qml.device("default.qubit", wires=dev_wires))
    def circuit(x):
        qml.RY(x[0], wires=0)
        qml.RY(x[1], wires=1)
        if allocated:
            with qml.allocate(1, state="zero", restored=True) as [work]:
                qml.Toffoli(wires=[0, 1, work])
                qml.CNOT(wires=[work, 2])
                qml.Toffoli(wires=[0, 1, work])
        else:
            qml.Toffoli(wires=[0, 1, 3])
            qml.CNOT(wires=[3, 2])
            qml.Toffoli(wires=[0, 1, 3])
        return qml.expval(qml.Z(2)), qml.probs(wires=[0, 1, 2])

    return circuit


def _hand_and(x):
    """By hand: wire 2 is 1 exactly when both wires are, with probability
    sin^2(x0/2) sin^2(x1/2)."""
    p0, p1 = np.sin(x[0] / 2) ** 2, np.sin(x[1] / 2) ** 2
    return 1 - 2 * p0 * p1


@pytest.mark.parametrize("dev_wires", [4, None])
def test_and_on_an_allocated_wire_matches_explicit_wires_and_hand_values(dev_wires):
    x = np.array([0.3, 2.1])
    z, probs = _and_circuit(dev_wires, True)(x)
    z_ref, probs_ref = _and_circuit(4, False)(x)
    assert np.isclose(z, _hand_and(x))
    assert np.isclose(z, z_ref)
    assert np.allclose(probs, probs_ref)
    # the uncomputed work wire is back in |0>: wire 2 equals the AND of wires 0 and 1
    assert np.allclose(probs[[1, 3, 5, 6]], 0)


def test_gradient_through_an_allocated_wire():
    x = pnp.array([0.4, 1.3], requires_grad=True)
    f = _and_circuit(4, True)
    g = qml.grad(lambda v: f(v)[0])(x)
    p0, p1 = np.sin(0.2) ** 2, np.sin(0.65) ** 2
    # d/dx sin^2(x/2) = sin(x)/2
    expected = [-2 * np.sin(0.4) / 2 * p1, -2 * p0 * np.sin(1.3) / 2]
    assert np.allclose(g, expected)


@pytest.mark.parametrize("a,b", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_basis_inputs_and(a, b):
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.BasisState(np.array([a, b]), wires=[0, 1])
        [work] = qml.allocate(1)  # (not given back: measured at the end)
        qml.Toffoli(wires=[0, 1, work])
        return qml.probs(wires=work)

    # the work wire is wire 2 (the one the circuit leaves free): it holds a AND b
    assert np.allclose(circuit(), [1 - a * b, a * b])


def test_deallocated_wire_is_reused():
    # two allocations of one wire each, one after the other, on a device with one spare
    # wire: both get it. The second kicks a phase back onto wire 0: H Z H |0> = |1>
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(kick):
        qml.H(0)
        with qml.allocate(1, restored=True) as [w]:
            qml.CNOT(wires=[0, w])
            qml.CNOT(wires=[0, w])
        with qml.allocate(1, restored=True) as [w]:
            qml.X(w)
            qml.H(w)
            if kick:
                qml.CNOT(wires=[0, w])
            qml.H(w)
            qml.X(w)
        qml.H(0)
        return qml.expval(qml.Z(0))

    assert np.isclose(circuit(True), -1.0) and np.isclose(circuit(False), 1.0)


def test_garbage_wire_is_not_reused_as_zeroed_on_a_full_device():
    # restored=False: the first wire may hold anything, so the second allocation (zero)
    # needs another wire; with a device of two wires there is none
    def body():
        qml.H(0)
        with qml.allocate(1, restored=False) as [w]:
            qml.CNOT(wires=[0, w])
        [w] = qml.allocate(1)
        qml.X(w)
        return qml.expval(qml.Z(w)), qml.expval(qml.Z(0))

    with pytest.raises(AllocationError, match="Not enough available wires"):
        qml.QNode(body, qml.device("default.qubit", wires=2))()
    # with three wires the second allocation gets a fresh one: X|0> gives Z = -1
    zw, z0 = qml.QNode(body, qml.device("default.qubit", wires=3))()
    assert np.isclose(zw, -1.0) and np.isclose(z0, 0.0)


def test_device_without_wires_adds_integers_after_the_largest():
    @qml.qnode(qml.device("default.qubit"))
    def circuit():
        qml.X(0)
        ws = qml.allocate(2)
        qml.CNOT(wires=[0, ws[1]])
        return qml.probs(wires=ws)

    # |1>|00> -> CNOT onto the second allocated wire: probability 1 of |01>
    assert np.allclose(circuit(), [0, 1, 0, 0])


def test_errors_in_circuits():
    @qml.qnode(qml.device("default.qubit", wires=2))
    def after_deallocate():
        [w] = qml.allocate(1)
        qml.deallocate(w)
        qml.X(w)
        return qml.expval(qml.Z(0))

    with pytest.raises(AllocationError, match="deallocated wires"):
        after_deallocate()
    with pytest.raises(ValueError, match="only accepts DynamicWire"):
        qml.deallocate(0)
    with pytest.raises(ValueError, match="not a valid AllocateState"):
        qml.allocate(1, state="one")


def test_allocate_records_and_register_behaves_as_wires():
    with qml.queuing.AnnotatedQueue() as q:
        with qml.allocate(2, state="any", restored=True) as reg:
            qml.CNOT(wires=reg)
    assert isinstance(reg, DynamicRegister) and repr(reg) == "<DynamicRegister: size=2>"
    assert all(isinstance(w, DynamicWire) for w in reg) and reg[0] != reg[1]
    assert [op.name for op in q.queue] == ["Allocate", "CNOT", "Deallocate"]
    alloc = q.queue[0]
    assert alloc.state == AllocateState.ANY and alloc.restored
    assert list(alloc.wires) == list(reg) == list(q.queue[2].wires)
    with pytest.raises(TypeError, match="unhashable"):
        hash(reg)
    a = DynamicWire()
    assert a == DynamicWire(a.key) and len({a, DynamicWire(a.key), DynamicWire()}) == 2


def _two_allocations(state="zero", restored=False):
    first = Allocate.from_num_wires(1, state=state, restored=restored)
    second = Allocate.from_num_wires(1, state=state, restored=restored)
    return qml.tape.QuantumScript([
        first, qml.X(first.wires), Deallocate(first.wires),
        second, qml.Y(second.wires), Deallocate(second.wires)], [qml.expval(qml.Z("a"))])


def test_transform_registers_and_resets():
    resolve = qml.transforms.resolve_dynamic_wires
    # two zeroed wires: the last one first, no reset
    (t,), fn = resolve(_two_allocations(), zeroed=("a", "b"))
    assert [(op.name, list(op.wires)) for op in t.operations] == [("PauliX", ["b"]), ("PauliY", ["a"])]
    assert fn(["r"]) == "r"
    # one zeroed wire, given back in any state: reset before its reuse
    (t,), _ = resolve(_two_allocations(), zeroed=("a",))
    assert [op.name for op in t.operations] == ["PauliX", "MidMeasureMP", "PauliY"]
    assert t.operations[1].reset and list(t.operations[1].wires) == ["a"]
    # restored=True: no reset
    (t,), _ = resolve(_two_allocations(restored=True), zeroed=("a",))
    assert [op.name for op in t.operations] == ["PauliX", "PauliY"]
    # state="any" takes a wire in any state first
    (t,), _ = resolve(_two_allocations(state="any"), zeroed=("z",), any_state=("g",))
    assert [list(op.wires) for op in t.operations] == [["g"], ["g"]]
    # no resets: new integers from min_int
    (t,), _ = resolve(_two_allocations(), min_int=5, allow_resets=False)
    assert [list(op.wires) for op in t.operations] == [[5], [6]]
    with pytest.raises(AllocationError, match="no wires left"):
        resolve(_two_allocations(), zeroed=("a",), allow_resets=False)
    # a tape without allocations is the same tape
    plain = qml.tape.QuantumScript([qml.X(0)])
    assert resolve(plain)[0][0] is plain


def test_transform_result_runs_with_the_reset():
    # X on the first allocated wire, given back in any state; the second allocation gets
    # the same wire (min_int=1: wire 1) reset to |0>, then RY(0.8) and a CNOT onto wire 0.
    # By hand: P(wire 0 = 1) = sin^2(0.4); without the reset it would be cos^2(0.4)
    first, second = Allocate.from_num_wires(1), Allocate.from_num_wires(1)
    tape = qml.tape.QuantumScript(
        [first, qml.X(first.wires), Deallocate(first.wires), second,
         qml.RY(0.8, second.wires), qml.CNOT([second.wires[0], 0])], [qml.probs(wires=[0])])
    (resolved,), _ = qml.transforms.resolve_dynamic_wires(tape, min_int=1)
    assert [op.name for op in resolved.operations] == ["PauliX", "MidMeasureMP", "RY", "CNOT"]
    assert set(resolved.wires) == {0, 1}
    got = qml.device("default.qubit").execute([resolved])[0]
    assert np.allclose(got, [np.cos(0.4) ** 2, np.sin(0.4) ** 2])


def test_transform_refuses_use_after_deallocation():
    op = Allocate.from_num_wires(1)
    for tape in (qml.tape.QuantumScript([op, Deallocate(op.wires), qml.X(op.wires)]),
                 qml.tape.QuantumScript([op, Deallocate(op.wires)], [qml.probs(wires=op.wires)])):
        with pytest.raises(AllocationError, match="Encountered deallocated wires"):
            qml.transforms.resolve_dynamic_wires(tape, min_int=0)
    with pytest.raises(AllocationError, match="Not enough available wires on device"):
        qml.devices.preprocess.device_resolve_dynamic_wires(
            qml.tape.QuantumScript([Allocate.from_num_wires(2), qml.X(0)]), wires=(0, 1))
