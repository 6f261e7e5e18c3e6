"""qml.to_openqasm: OpenQASM 2.0 text written by hand for small circuits, and programs run
by a small OpenQASM reader and simulator of this file (hand-written gate matrices) against
the state each circuit is meant to make."""

from __future__ import annotations

import re
from textwrap import dedent

import numpy as np
import pytest

import qsym as qml

# -- an independent reader: the qelib1 gates to_openqasm writes, as hand-written matrices --

_H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
_X = np.array([[0, 1], [1, 0]])


def _rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _ry(t):
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])


def _rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


ONE_QUBIT = {"h": lambda: _H, "x": lambda: _X, "s": lambda: np.diag([1, 1j]),
             "z": lambda: np.diag([1, -1]), "sdg": lambda: np.diag([1, -1j]),
             "rx": _rx, "ry": _ry, "rz": _rz, "u1": lambda t: np.diag([1, np.exp(1j * t)])}


def _apply(state, matrix, qubits, n):
    """``matrix`` on ``qubits`` (q[0] the most significant) of an ``n``-qubit state."""
    psi = np.moveaxis(state.reshape([2] * n), qubits, range(len(qubits)))
    k = len(qubits)
    psi = (matrix @ psi.reshape(2 ** k, -1)).reshape([2] * n)
    return np.moveaxis(psi, range(k), qubits).reshape(-1)


def run_qasm(text: str) -> np.ndarray:
    """The state a gate-only OpenQASM 2.0 program makes from |0...0> (measurements skipped)."""
    n = int(re.search(r"qreg q\[(\d+)\];", text).group(1))
    state = np.zeros(2 ** n, complex)
    state[0] = 1
    for line in text.splitlines()[3:]:
        name, args, qubits = re.fullmatch(r"(\w+)(?:\(([^)]*)\))? ([^;]*);", line).groups()
        if name == "measure" or name == "creg":
            continue
        qs = [int(q) for q in re.findall(r"q\[(\d+)\]", qubits)]
        params = [float(a) for a in args.split(",")] if args else []
        if name == "cx":
            state = _apply(state, np.block([[np.eye(2), 0 * _X], [0 * _X, _X]]), qs, n)
        elif name == "gphase":
            state = np.exp(-1j * params[0]) * state
        else:
            state = _apply(state, ONE_QUBIT[name](*params), qs, n)
    return state


# -- hand-written programs ----------------------------------------------------------------


def test_a_small_circuit_is_the_hand_written_program():
    tape = qml.tape.QuantumScript(
        [qml.RX(0.5, wires="a"), qml.CNOT(wires=["a", "b"]), qml.S(wires="b"),
         qml.adjoint(qml.T(wires="a")), qml.PhaseShift(0.25, wires="b")],
        [qml.expval(qml.PauliY("b"))])
    assert qml.to_openqasm(tape) == dedent("""\
        OPENQASM 2.0;
        include "qelib1.inc";
        qreg q[2];
        creg c[2];
        rx(0.5) q[0];
        cx q[0],q[1];
        s q[1];
        tdg q[0];
        u1(0.25) q[1];
        z q[1];
        s q[1];
        h q[1];
        measure q[0] -> c[0];
        measure q[1] -> c[1];
        """)


def test_options_wires_rotations_measure_all_precision():
    tape = qml.tape.QuantumScript([qml.RY(np.pi, wires=1)], [qml.expval(qml.PauliX(1))])
    text = qml.to_openqasm(tape, wires=[1, 0, 2], rotations=False, measure_all=False,
                           precision=3)
    assert text == dedent("""\
        OPENQASM 2.0;
        include "qelib1.inc";
        qreg q[3];
        creg c[1];
        ry(3.14) q[0];
        measure q[0] -> c[0];
        """)


def test_empty_tape_is_the_header_only():
    assert qml.to_openqasm(qml.tape.QuantumScript()) == 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def test_a_qnode_is_a_function_of_its_arguments():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RZ(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    to_qasm = qml.to_openqasm(circuit)
    assert to_qasm(0.5).splitlines()[4] == "rz(0.5) q[0];"
    assert to_qasm(1.5).splitlines()[4] == "rz(1.5) q[0];"


def test_mid_circuit_measurements_and_conditionals():
    m0 = qml.measure(1)
    tape = qml.tape.QuantumScript([qml.H(1), *m0.measurements, qml.ops.Conditional(m0, qml.X(0))])
    assert qml.to_openqasm(tape) == dedent("""\
        OPENQASM 2.0;
        include "qelib1.inc";
        qreg q[2];
        creg c[2];
        creg mcms[1];
        h q[0];
        measure q[0] -> mcms[0];
        if(mcms[0]==1) x q[1];
        measure q[0] -> c[0];
        measure q[1] -> c[1];
        """)


def test_refusals():
    with pytest.raises(NotImplementedError, match="reset"):
        qml.to_openqasm(qml.tape.QuantumScript(qml.measure(0, reset=True).measurements))
    with pytest.raises(NotImplementedError, match="postselection"):
        qml.to_openqasm(qml.tape.QuantumScript(qml.measure(0, postselect=0).measurements))
    m0 = qml.measure(0)
    processed = qml.tape.QuantumScript([*m0.measurements, qml.ops.Conditional(2 * m0, qml.X(0))])
    with pytest.raises(NotImplementedError, match="postprocessing"):
        qml.to_openqasm(processed)
    with pytest.raises(ValueError, match="not supported with to_openqasm"):
        qml.to_openqasm(qml.tape.QuantumScript([qml.DoubleExcitationPlus(0.5, [0, 1, 2, 3])]))
    with pytest.raises(TypeError, match="tape or a QNode"):
        qml.to_openqasm(3)
    with pytest.raises(ValueError, match=r"wires \[1\] are not in the wires given"):
        qml.to_openqasm(qml.tape.QuantumScript([qml.CNOT([0, 1])]), wires=[0])


# -- decomposed programs run by the reader above ------------------------------------------


def test_rot_is_decomposed_to_its_unitary():
    a, b, c = 0.3, 1.1, -0.7
    text = qml.to_openqasm(qml.tape.QuantumScript([qml.Rot(a, b, c, wires=0)]))
    rot = _rz(c) @ _ry(b) @ _rz(a)  # Rot(a, b, c) = RZ(c) RY(b) RZ(a)
    assert np.allclose(run_qasm(text), rot[:, 0])


@pytest.mark.parametrize("seed", [0, 1])
def test_state_preparation_program_makes_the_state(seed):
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi /= np.linalg.norm(psi)
    text = qml.to_openqasm(qml.tape.QuantumScript([qml.MottonenStatePreparation(psi, [0, 1, 2])]))
    assert np.allclose(run_qasm(text), psi)


def test_basis_state_is_x_gates():
    text = qml.to_openqasm(qml.tape.QuantumScript([qml.BasisState(np.array([1, 0, 1]), [0, 1, 2])]))
    expected = np.zeros(8)
    expected[0b101] = 1
    assert [line for line in text.splitlines() if line.startswith("x ")] == ["x q[0];", "x q[2];"]
    assert np.allclose(run_qasm(text), expected)
