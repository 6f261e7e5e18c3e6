"""Issue #18 (PennyLane's resource/test_specs.py): one shift for every parameter
(``gradient_kwargs={"shifts": s}``), circuits of no wires, ``qml.specs`` of a circuit that
returns no measurement or has mid-circuit measurements, ``qml.matrix`` of a list of
operators, ``op._name``. Expected values are written by hand."""

from types import SimpleNamespace

import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import DifferentiationError, RuleError, WireError


def _two_rotations(dev, **kw):
    @qml.qnode(dev, diff_method="parameter-shift", **kw)
    def c(x):
        qml.RX(x, wires=0)
        qml.RY(2 * x, wires=0)
        return qml.expval(qml.PauliZ(0))

    return c


def _by_hand(x):  # <Z> = cos(x) cos(2x)
    return -np.sin(x) * np.cos(2 * x) - 2 * np.cos(x) * np.sin(2 * x)


@pytest.mark.parametrize("s", [np.pi / 4, 0.3, 2.0, 1.0e-3])
def test_one_shift_for_every_parameter_is_exact(s):
    dev = qml.device("default.qubit", wires=1)
    x = pnp.array(0.37, requires_grad=True)
    for c in (_two_rotations(dev, gradient_kwargs={"shifts": s}), _two_rotations(dev, shifts=s)):
        assert c.shifts == s
        assert np.isclose(qml.grad(c)(x), _by_hand(0.37), atol=1e-9)
        # the rule used is the general two-term rule with this shift
        terms = c.rule_of(SimpleNamespace(name="RX", wires=(0,), hyper=()), 0).numeric()
        expected = [(1 / (2 * np.sin(s)), 1.0, s), (-1 / (2 * np.sin(s)), 1.0, -s)]
        assert np.allclose(sorted(terms), sorted(expected), rtol=1e-12, atol=0)


def test_two_term_rule_by_hand_on_one_gate():
    dev = qml.device("default.qubit", wires=1)
    s = 0.9

    @qml.qnode(dev, diff_method="parameter-shift", gradient_kwargs={"shifts": s})
    def c(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = pnp.array(0.4, requires_grad=True)
    two_term = (np.cos(0.4 + s) - np.cos(0.4 - s)) / (2 * np.sin(s))  # <Z> = cos x
    assert np.isclose(two_term, -np.sin(0.4))
    assert np.isclose(qml.grad(c)(x), two_term, atol=1e-12)


def test_bad_single_shifts_are_refused():
    dev = qml.device("default.qubit", wires=1)
    with pytest.raises(RuleError, match="singular"):
        _two_rotations(dev, gradient_kwargs={"shifts": np.pi})  # sin(pi) = 0
    with pytest.raises(RuleError, match="positive"):
        _two_rotations(dev, gradient_kwargs={"shifts": 0.0})
    with pytest.raises(DifferentiationError, match="finite"):
        _two_rotations(dev, gradient_kwargs={"shifts": np.inf})
    with pytest.raises(DifferentiationError, match="one positive number"):
        _two_rotations(dev, gradient_kwargs={"shifts": [(0.5,)]})

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift",
               gradient_kwargs={"shifts": 0.5})
    def two_frequencies(x):
        qml.Hadamard(0)
        qml.CRX(x, wires=[0, 1])  # frequencies 1/2 and 1: one shift is not enough
        return qml.expval(qml.PauliZ(1))

    with pytest.raises(RuleError, match="one shift per frequency"):
        qml.grad(two_frequencies)(pnp.array(0.3, requires_grad=True))


def test_param_shift_transform_takes_one_shift():
    s = 0.6
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RY(0.5, 0)], [qml.expval(qml.PauliZ(0))])
    tapes, fn = qml.gradients.param_shift(tape, shifts=s)
    shifted = sorted(tuple(np.round(t.get_parameters(), 12)) for t in tapes)
    assert shifted == sorted([(round(0.3 + s, 12), 0.5), (round(0.3 - s, 12), 0.5),
                              (0.3, round(0.5 + s, 12)), (0.3, round(0.5 - s, 12))])
    grad = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    # <Z> = cos(a) cos(b)
    assert np.allclose(grad, [-np.sin(0.3) * np.cos(0.5), -np.cos(0.3) * np.sin(0.5)])


def test_circuit_of_no_wires_on_a_device_without_wires():
    dev = qml.device("default.qubit")
    assert np.allclose(qml.QNode(lambda: qml.state(), dev)(), [1.0])
    assert np.allclose(qml.QNode(lambda: qml.probs(), dev)(), [1.0])
    sampled = qml.set_shots(qml.QNode(lambda: qml.sample(), dev), 5)
    with pytest.raises(WireError, match="nothing to sample"):
        sampled()

    def phase_only(x):
        qml.GlobalPhase(x)
        return qml.state()

    with pytest.raises(WireError, match="give the device wires="):
        qml.QNode(phase_only, dev)(0.3)
    info = qml.specs(qml.QNode(lambda: qml.state(), qml.device("null.qubit")))()
    assert info.resources.num_gates == 0 and info.resources.num_allocs == 0
    assert info.resources.measurements == {"state(all wires)": 1}


def test_specs_of_a_circuit_returning_no_measurement():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(x, wires=1)

    info = qml.specs(c)(0.2)
    res = info.resources
    assert res.gate_types == {"RX": 1, "CNOT": 1, "RY": 1}
    assert (res.measurements, res.num_allocs, res.depth, info.num_device_wires) == ({}, 2, 3, 3)
    with pytest.raises(qml.errors.MeasurementError):
        c(0.2)  # running it still needs a measurement


def test_specs_counts_mid_circuit_measurements_on_the_tape():
    @qml.qnode(qml.device("default.qubit"))
    def c():
        m0 = qml.measure(0)
        qml.X(0)
        m1 = qml.measure(1)
        qml.cond(m0 & m1, qml.Z)(2)
        return qml.expval(qml.Z(2)), qml.probs(op=m0), qml.sample(m1)

    res = qml.specs(c)().resources
    assert res.gate_types == {"MidMeasureMP": 2, "PauliX": 1, "Conditional(PauliZ)": 1}
    assert res.gate_sizes == {1: 4}
    assert res.measurements == {"expval(PauliZ)": 1, "probs(mcm)": 1, "sample(mcm)": 1}
    # layers: m0 and m1 | X(0) | ... the cond waits for both measurements: layer 2
    assert (res.num_allocs, res.depth) == (3, 2)


def test_matrix_of_a_list_of_operators():
    c, s = np.cos(0.6), np.sin(0.6)
    rx = np.array([[c, -1j * s], [-1j * s, c]])
    assert np.allclose(qml.matrix([qml.RX(1.2, 0), qml.GlobalPhase(0.5)]), np.exp(-0.5j) * rx)
    # X on wire 0, then CNOT(0 -> 1): |00> -> |11>, |01> -> |10>, |10> -> |00>, |11> -> |01>
    expected = np.zeros((4, 4))
    for col, row in ((0, 3), (1, 2), (2, 0), (3, 1)):
        expected[row, col] = 1
    assert np.allclose(qml.matrix([qml.X(0), qml.CNOT([0, 1])], wire_order=[0, 1]), expected)
    with pytest.raises(ValueError, match="wire_order is required"):
        qml.matrix([qml.X(0), qml.X(1)])


def test_operator_name_attribute():
    assert qml.RX(0.1, 0)._name == "RX"
    assert qml.QFT(wires=[0, 1])._name == "QFT"
    assert (qml.X(0) @ qml.Z(1))._name == "Prod"
    op = qml.RY(0.2, 0)
    op._name = "mine"
    assert op.name == "mine"  # PennyLane's name is its _name
