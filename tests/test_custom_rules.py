"""Custom shifts and user-defined gates: derived, proved, and exact in circuits."""

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _ir as ir, _symbolic as symbolic
from qsym._shapes import flat as _flat


@pytest.fixture(autouse=True)
def remove_user_gates():
    """Gates defined by a test leave the table afterwards (other tests walk the table)."""
    yield
    for name in list(qml._gates.GATES):
        if name not in qml._gates.BUILTIN_GATES:
            qml.undefine_gate(name)


def _rx_circuit(**kw):
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, **kw)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.CRX(x[1], wires=[0, 1])
        qml.RX(x[0] * x[1], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliY(1))

    return c


def test_custom_shift_for_rx_gives_a_over_2_sin_s():
    c = _rx_circuit(shifts={"RX": np.pi / 4, "CRX": (np.pi / 3, 2 * np.pi / 3)})
    x = np.array([0.4, -1.1])
    entry = c.compiled((x,), {})[0]
    rx_terms = [t for t in entry.plan.terms if entry.circuit.ops[t.op].name == "RX"]
    # a = 1 / (2 sin s) for a frequency-1 gate at shift s
    assert {round(t.shift, 12) for t in rx_terms} == {round(np.pi / 4, 12), round(-np.pi / 4, 12)}
    assert {round(t.coeff, 12) for t in rx_terms} == {
        round(1 / (2 * np.sin(np.pi / 4)), 12), round(-1 / (2 * np.sin(np.pi / 4)), 12)}
    report = qml.check(c, x)
    assert report.ok, str(report)
    default = qml.grad(_rx_circuit(), argnum=0)(x)
    np.testing.assert_allclose(qml.grad(c, argnum=0)(x), default, atol=1e-12)


def test_bad_custom_shifts_are_refused_when_the_qnode_is_made():
    with pytest.raises(qml.RuleError, match="singular"):
        _rx_circuit(shifts={"RX": np.pi})  # sin(pi) = 0: no rule exists
    with pytest.raises(qml.RuleError, match="one shift per frequency"):
        _rx_circuit(shifts={"RX": (0.1, 0.2)})
    with pytest.raises(qml.RuleError, match="too close to zeros"):
        _rx_circuit(shifts={"RX": 1e-9})
    with pytest.raises(qml.DifferentiationError, match="no parameters"):
        _rx_circuit(shifts={"CNOT": 0.1})
    with pytest.raises(qml.GateError, match="unknown gate"):
        _rx_circuit(shifts={"RXX": 0.1})


def _user_gate_circuit(name, n_wires=2):
    dev = qml.device("default.qubit", wires=2)  # the gate acts on the first n_wires

    @qml.qnode(dev)
    def c(x):
        qml.Hadamard(wires=0)
        qml.RY(0.4, wires=1)
        getattr(qml, name)(x[0], wires=list(range(n_wires)))
        qml.RZ(x[1], wires=0)
        getattr(qml, name)(x[0] * x[1], wires=list(range(n_wires))[::-1])
        qml.Hadamard(wires=0)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1) + 0.5 * qml.PauliY(1))

    return c


def _check_against_exact(c, x):
    out, jac, entry = c.value_and_jacobian((x,), {})
    xf = _flat(c.compiled((x,), {})[1])
    np.testing.assert_allclose(out, ir.simulate(entry.circuit, xf), atol=1e-12)
    np.testing.assert_allclose(jac, symbolic.exact_jacobian(entry.circuit, xf), atol=1e-10)


def test_user_gate_from_a_pauli_sum_generator():
    qml.define_gate("UserXYZZ", 2, generator=[(0.5, "XY"), (0.25, "ZZ")])
    # eigenvalues of XY/2 + ZZ/4 are +-3/4, +-1/4: frequencies 1/2, 1, 3/2 (six terms)
    rule = qml.rules.rule_for_gate("UserXYZZ", 0)
    assert rule.frequencies == (sp.Rational(1, 2), 1, sp.Rational(3, 2))
    assert len(rule.terms) == 6
    _check_against_exact(_user_gate_circuit("UserXYZZ"), np.array([0.37, -1.2]))


def test_user_gate_from_a_generator_matrix_and_from_a_matrix_function():
    qml.define_gate("UserLadder", 1, generator=np.diag([0.0, 2.0]))
    assert qml.rules.rule_for_gate("UserLadder", 0).frequencies == (2,)
    _check_against_exact(_user_gate_circuit("UserLadder", 1), np.array([0.5, 0.9]))

    qml.define_gate(
        "UserSqueeze", 2,
        matrix=lambda t: sp.Matrix([[sp.cos(t), 0, 0, -sp.sin(t)], [0, 1, 0, 0],
                                    [0, 0, sp.exp(2 * sp.I * t), 0], [sp.sin(t), 0, 0, sp.cos(t)]]),
    )
    # exponents {0, +-1, 2}: frequencies 1, 2, 3
    assert qml.rules.rule_for_gate("UserSqueeze", 0).frequencies == (1, 2, 3)
    _check_against_exact(_user_gate_circuit("UserSqueeze"), np.array([-0.3, 0.8]))


def test_user_gates_without_an_exact_rule_or_with_bad_input_are_refused():
    with pytest.raises(qml.RuleError, match="no exact shift rule"):
        qml.define_gate("UserChirp", 1, matrix=lambda t: sp.diag(1, sp.exp(sp.I * t**2)))
    assert not hasattr(qml, "UserChirp") and "UserChirp" not in qml._gates.GATES
    with pytest.raises(qml.GateError, match="sympy functions"):
        qml.define_gate("UserNumpy", 1, matrix=lambda t: np.diag([1, np.exp(1j * t)]))
    with pytest.raises(qml.GateError, match="not Hermitian"):
        qml.define_gate("UserNonHermitian", 1, generator=[[0, 1], [0, 0]])
    with pytest.raises(qml.GateError, match="not unitary"):
        qml.define_gate("UserNonUnitary", 1, matrix=lambda t: sp.diag(1, 2 * sp.cos(t)))
    with pytest.raises(qml.GateError, match="exists already"):
        qml.define_gate("RX", 1, generator=[(0.5, "X")])
    with pytest.raises(qml.GateError, match="cannot be removed"):
        qml.undefine_gate("RX")
    with pytest.raises(qml.GateError, match="exactly one"):
        qml.define_gate("UserNothing", 1)
    with pytest.raises(qml.GateError, match="must be 4x4"):
        qml.define_gate("UserWrongSize", 2, generator=[[1, 0], [0, -1]])
