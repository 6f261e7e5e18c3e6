"""Every bad input gets a specific exception with a message that says what to do."""

import math

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

dev1 = qml.device("default.qubit", wires=1)
dev2 = qml.device("default.qubit", wires=2)


def test_branch_on_a_traced_input():
    @qml.qnode(dev1, trace="once")  # (traced once: refused)
    def c(x):
        if x > 0:
            qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="static_argnames"):
        c(0.3)


def test_truthiness_and_equality_on_inputs_are_refused_for_every_value():
    # sympy answers these without error (a symbol is truthy, `x == 0.3` is structurally
    # False): without a check, the first trace would be reused for values where the
    # branch goes the other way.
    @qml.qnode(dev1, trace="once")  # (traced once: refused)
    def eq(x):
        if x == 0.3:
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev1, trace="once")  # (traced once: refused)
    def truth(x, flip):
        if flip:
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for value in (0.3, 0.0):
        with pytest.raises(qml.TracingError, match="`x == 0.3` needs the value"):
            eq(value)
    for flip in (1.0, 0.0):
        with pytest.raises(qml.TracingError, match="if flip"):
            truth(0.3, flip)


def test_branch_on_an_expression_of_inputs_is_refused_at_trace_time():
    # a sympy Mul is truthy: the tracer's value type refuses the truth test itself
    @qml.qnode(dev1, trace="once")  # (traced once: refused)
    def c(x, y):
        if x * y:
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match=r"`if x\*y:`.*x, y"):
        c(0.3, 0.2)


def test_static_argnames_also_apply_to_positional_arguments():
    @qml.qnode(dev1, static_argnames=["layers"])
    def c(x, layers):
        for _ in range(int(layers)):
            qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert c(0.3, 2.0) == pytest.approx(onp.cos(0.6))
    assert c(0.3, 3.0) == pytest.approx(onp.cos(0.9))


def test_math_functions_on_inputs():
    @qml.qnode(dev1, trace="once")  # (traced once: refused)
    def c(x):
        qml.RX(math.sin(x), wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="qsym.numpy"):
        c(0.3)


def test_static_argnames_make_a_float_keyword_a_structural_choice():
    @qml.qnode(dev1, static_argnames=["flip"])
    def c(x, flip=0.0):
        if flip > 0.5:
            qml.PauliX(wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert c(0.3, flip=1.0) == pytest.approx(-onp.cos(0.3))
    assert c(0.3, flip=0.0) == pytest.approx(onp.cos(0.3))


def test_unknown_gate_name():
    with pytest.raises(qml.GateError, match="unknown gate"):
        qml._gates.gate_def("RXX")


def test_wire_outside_the_device():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(x, wires=1)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.WireError, match="not on the device"):
        c(0.3)


def test_observable_wire_outside_the_device():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(3))

    with pytest.raises(qml.WireError, match="not on the device"):
        c(0.3)


def test_duplicate_and_wrong_count_of_wires():
    with pytest.raises(qml.WireError, match="duplicate"):
        qml.CNOT(wires=[0, 0])
    with pytest.raises(qml.WireError, match="acts on 2"):
        qml.CNOT(wires=[0])


def test_wrong_number_of_parameters():
    with pytest.raises(qml.GateError, match="takes 1 parameter"):
        qml.RX(0.1, 0.2, wires=0)
    with pytest.raises(qml.GateError, match="takes 3 parameter"):
        qml.Rot(0.1, wires=0)
    with pytest.raises(qml.GateError, match="wires"):
        qml.RX(0.1)


def test_array_parameter_where_a_scalar_is_needed():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    # a 1-D array broadcasts (PennyLane's parameter broadcasting); 2-D is refused
    with pytest.raises(qml.GateError, match="index it"):
        c(onp.array([[0.1, 0.2], [0.3, 0.4]]))


def test_non_numeric_and_complex_arguments():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.GateError, match="real number"):
        c("0.3")
    # complex arguments are data (a state vector for StatePrep, as in PennyLane): a gate
    # angle made from one is refused by the gate, naming it
    with pytest.raises(qml.GateError, match="complex"):
        c(0.3 + 0.1j)
    with pytest.raises(qml.GateError, match="complex"):
        c(onp.array([0.3 + 0.1j]))


def test_nan_and_inf_arguments_name_the_problem():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    c(onp.array([0.1]))  # compile first: the check must also hold on the fast path
    with pytest.raises(qml.ArgumentError, match="NaN"):
        c(onp.array([onp.nan]))
    with pytest.raises(qml.ArgumentError, match="infinite"):
        qml.grad(c, argnum=0)(onp.array([onp.inf]))
    fresh = qml.QNode(c.func, dev1)
    with pytest.raises(qml.ArgumentError, match="finite"):
        fresh(onp.array([onp.nan]))


def test_unsupported_return_value():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(x, wires=0)
        return qml.PauliZ(0)

    with pytest.raises(qml.MeasurementError, match="must return a measurement"):
        c(0.3)


def test_gate_that_is_not_an_observable():
    # in a circuit: refused at once
    @qml.qnode(dev1)
    def c(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.RX(0.1, wires=0))

    with pytest.raises(qml.MeasurementError, match="cannot be used as an observable"):
        c(0.3)
    # outside a circuit the measurement is made (PennyLane's semantics: data for tapes) and
    # refused when it runs, never measured as something else
    m = qml.expval(qml.RX(0.1, wires=0))
    assert repr(m) == "expval(RX(0.1, wires=[0]))"
    tape = qml.tape.QuantumScript([qml.RY(0.3, wires=0)], [m])
    with pytest.raises(qml.MeasurementError, match="cannot be used as an observable"):
        qml.execute([tape], qml.device("default.qubit", wires=1))
    with pytest.raises(qml.MeasurementError, match="cannot be used as an observable"):
        qml.var(qml.CNOT(wires=[0, 1])).measured_obs.terms


def test_argnum_out_of_range_and_non_float_arguments():
    @qml.qnode(dev2)
    def c(x, n):
        for _ in range(n):
            qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.DifferentiationError, match="out of range"):
        qml.grad(c, argnum=2)(0.3, 1)
    with pytest.raises(qml.DifferentiationError, match="cannot be differentiated"):
        qml.grad(c, argnum=1)(0.3, 1)
    with pytest.raises(qml.DifferentiationError, match="int or a list"):
        qml.grad(c, argnum="0")
    # nothing trainable: PennyLane's warning and (), not an error
    with pytest.warns(UserWarning, match="Attempted to differentiate a function with no"):
        assert qml.grad(c)(np.array(0.3, requires_grad=False), 1) == ()
    assert qml.grad(c)(np.array(0.3), 2) == pytest.approx(-2 * onp.sin(0.6))
    with pytest.warns(UserWarning, match="Attempted to differentiate a function with no"):
        assert qml.grad(c)(0.3, 2) == ()  # a plain float is not trainable (PennyLane)


def test_unknown_diff_method_and_device():
    with pytest.raises(qml.QNodeError, match="Differentiation method magic not recognized"):
        qml.qnode(dev1, diff_method="magic")(lambda x: None)
    with pytest.raises(qml.DeviceError, match="unknown device"):
        qml.device("nonexistent.qubit", wires=1)
    with pytest.raises(qml.DeviceError, match="shots"):
        qml.device("default.qubit", wires=1, shots="many")
    with pytest.raises(qml.DeviceError, match="at least one wire"):
        qml.device("default.qubit", wires=0)


def test_qnode_inside_a_qnode():
    @qml.qnode(dev1)
    def inner(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev1)
    def outer(x):
        inner(x)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="inside another QNode"):
        outer(0.3)


def test_grad_of_a_non_function_and_of_plain_numpy_code():
    with pytest.raises(qml.DifferentiationError, match="needs a function"):
        qml.grad(3.0)
    # a plain Python function is a (trivial) hybrid cost: differentiated by autograd
    assert qml.grad(lambda x: x**2, argnum=0)(3.0) == 6.0


def test_unhashable_static_argument():
    @qml.qnode(dev1)
    def c(x, opts):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    class Opts:  # unhashable and not a container qsym can compare by content
        __hash__ = None

    with pytest.raises(qml.ArgumentError, match="hashable"):
        c(0.3, Opts())
    # dicts (and tuples, sets of them) are static data compared by content (PennyLane
    # code passes dicts of options): tests/test_pennylane_front.py
    assert np.isclose(c(0.3, {"a": [1]}), np.cos(0.3))


def test_gate_parameter_that_is_not_finite_at_these_inputs():
    @qml.qnode(dev1)
    def c(x):
        qml.RX(np.sqrt(x), wires=0)  # real only for x >= 0
        return qml.expval(qml.PauliZ(0))

    assert c(0.25) == pytest.approx(onp.cos(0.5))
    with pytest.raises(qml.ArgumentError, match="sqrt or log"):
        c(-0.25)
    with pytest.raises(qml.ArgumentError, match="sqrt or log"):
        qml.grad(c, argnum=0)(-0.25)


def test_circuits_too_large_for_memory_are_refused_before_allocating():
    dev = qml.device("default.qubit", wires=40)  # 16 TiB per state vector

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.DeviceError, match="TiB|GiB"):
        c(0.1)
    assert qml._runtime.state_memory(20, "parameter-shift") == 3 * 16 * 2**20


def test_argument_errors_are_both_type_and_value_errors():
    """PennyLane raises ValueError or TypeError for the same kinds of bad arguments; code
    written for it catches either from qsym's ArgumentError."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    for kind in (ValueError, TypeError):
        with pytest.raises(kind, match="finite"):
            f(float("nan"))
    with pytest.raises(ValueError, match="must be encoded as a single QNode"):
        qml.QNGOptimizer().step(lambda a: f(a), 0.5)
