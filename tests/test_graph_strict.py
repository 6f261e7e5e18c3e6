"""The graph-based decompose with strict=False (qsym/decomposition.py): an operator with no
decomposition rule is kept as it is, and a rule making one is chosen only when no other
rule reaches the gate set (PennyLane's infinite weight)."""

import warnings

import numpy as np
import pytest

import qsym as qml
from qsym.operation import Operation


class _Wrapped(Operation):
    resource_keys = set()

    @property
    def resource_params(self):
        return {}


class _Opaque(Operation):
    resource_keys = set()

    @property
    def resource_params(self):
        return {}


@pytest.fixture
def graph():
    qml.decomposition.enable_graph()
    yield
    qml.decomposition.disable_graph()


@qml.register_resources({_Opaque: 1})
def _to_opaque(wires):
    _Opaque(wires)


@qml.register_resources({qml.H: 2, qml.CZ: 1})
def _as_cz(wires):
    qml.H(wires[1])
    qml.CZ(wires)
    qml.H(wires[1])


def test_an_operator_without_rules_is_kept_when_not_strict(graph):
    tape = qml.tape.QuantumScript([_Wrapped([0, 1])])
    with qml.decomposition.local_decomps(), warnings.catch_warnings():
        warnings.simplefilter("error")
        qml.add_decomps(_Wrapped, _to_opaque)
        [new], _ = qml.decompose(tape, gate_set={"CZ", "Hadamard"}, strict=False)
    assert [op.name for op in new.operations] == ["_Opaque"]


def test_a_rule_reaching_the_gate_set_wins_over_one_making_an_unsupported_operator(graph):
    tape = qml.tape.QuantumScript([_Opaque([0, 1]), _Wrapped([0, 1])])
    with qml.decomposition.local_decomps(), warnings.catch_warnings():
        warnings.simplefilter("error")
        qml.add_decomps(_Wrapped, _to_opaque, _as_cz)
        [new], _ = qml.decompose(tape, gate_set={"CZ", "Hadamard"}, strict=False)
    assert [op.name for op in new.operations] == ["_Opaque", "Hadamard", "CZ", "Hadamard"]
    # the chosen rule is a CNOT: H on the target around CZ, by hand
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    hh = np.kron(np.eye(2), h)
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    got = qml.matrix(qml.tape.QuantumScript(new.operations[1:]), wire_order=[0, 1])
    assert np.allclose(got, hh @ np.diag([1, 1, 1, -1]) @ hh) and np.allclose(got, cnot)


def test_a_fixed_rule_for_global_phase_is_used(graph):
    # GlobalPhase has no resource keys (PennyLane's), so the rule fixed for it is found for
    # every GlobalPhase the other rules make: here none is left, and no warning is given
    tape = qml.tape.QuantumScript([qml.H(0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [new], _ = qml.decompose(tape, gate_set={"RX", "RY", "RZ"},
                                 fixed_decomps={qml.GlobalPhase: qml.decomposition.null_decomp})
    assert all(op.name != "GlobalPhase" for op in new.operations)
    assert qml.GlobalPhase(0.3).resource_params == {}
    got = qml.matrix(new, wire_order=[0])
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    phase = got[0, 0] / h[0, 0]  # equal to H up to a global phase
    assert np.isclose(abs(phase), 1) and np.allclose(got, phase * h)
