"""PennyLane's ``qml.to_openqasm``: a tape or QNode written as an OpenQASM 2.0 program.

The gates are named by :data:`OPENQASM_GATES` (PennyLane's map); every other operator is
decomposed (qsym's decompositions, :func:`qsym._preprocess.decompose`) until only those,
mid-circuit measurements and their conditionals are left. The terminal measurements are
computational-basis ``measure`` lines, on every wire by default (``measure_all``), after
the observables' diagonalizing gates (``rotations``).
"""

from __future__ import annotations

from functools import wraps

from ._mcm import Conditional, MidMeasure
from ._preprocess import decompose
from .tape import QuantumScript
from .transforms import convert_to_numpy_parameters
from .errors import WireError
from .wires import Wires
from .workflow import construct_tape

OPENQASM_GATES = {
    "CNOT": "cx", "CZ": "cz", "U3": "u3", "U2": "u2", "U1": "u1", "Identity": "id",
    "PauliX": "x", "PauliY": "y", "PauliZ": "z", "Hadamard": "h", "S": "s",
    "Adjoint(S)": "sdg", "T": "t", "Adjoint(T)": "tdg", "RX": "rx", "RY": "ry", "RZ": "rz",
    "CRX": "crx", "CRY": "cry", "CRZ": "crz", "SWAP": "swap", "Toffoli": "ccx",
    "CSWAP": "cswap", "PhaseShift": "u1", "GlobalPhase": "gphase",
}
"""PennyLane's map of operator names to OpenQASM 2.0 (``qelib1.inc``) gate names."""


def _accepted(op) -> bool:
    return op.name in OPENQASM_GATES or isinstance(op, (MidMeasure, Conditional))


def _number(p, precision) -> str:
    if hasattr(p, "free_symbols"):  # qsym's exact (sympy) angles, as diagonalizing gates'
        if p.free_symbols:
            raise ValueError(f"to_openqasm writes numbers: the parameter {p} has free symbols "
                             f"{sorted(map(str, p.free_symbols))}; substitute their values")
        p = float(p)
    return str(p) if precision is None else f"{p:.{precision}}"


def _gate_line(op, wires: Wires, precision) -> str:
    gate = OPENQASM_GATES.get(op.name)
    if gate is None:
        raise ValueError(f"Operation {op.name} not supported by the QASM serializer")
    qubits = ",".join(f"q[{wires.index(w)}]" for w in op.wires.tolist())
    params = op.parameters
    args = "(" + ",".join(_number(p, precision) for p in params) + ")" if params else ""
    return f"{gate}{args} {qubits};"


def _op_line(op, wires: Wires, bits: dict, precision) -> str:
    """One operation's line; a mid-circuit measurement takes the next bit of ``mcms``."""
    if isinstance(op, MidMeasure):
        if op.reset:
            raise NotImplementedError(
                f"Unable to translate mid circuit measurements with reset {op}.")
        if op.postselect is not None:
            raise NotImplementedError(
                f"Unable to translate mid circuit measurement with postselection {op}")
        bits[id(op)] = len(bits)
        return f"measure q[{wires.index(op.wires[0])}] -> mcms[{bits[id(op)]}];"
    if isinstance(op, Conditional):
        value = op.meas_val
        if value.has_processing or len(value.measurements) != 1:
            raise NotImplementedError("to_openqasm does not support translating Conditionals "
                                      "with measurement postprocessing.")
        bit = bits[id(value.measurements[0])]
        return f"if(mcms[{bit}]==1) {_op_line(op.base, wires, bits, precision)}"
    return _gate_line(op, wires, precision)


def _tape_openqasm(tape, wires, rotations: bool, measure_all: bool, precision) -> str:
    """The OpenQASM 2.0 program of one tape."""
    wires = Wires(wires) if wires is not None and len(wires) else tape.wires
    missing = [w for w in tape.wires if w not in wires]
    if missing:
        raise WireError(f"to_openqasm: the circuit's wires {missing} are not in the wires "
                        f"given ({wires.tolist()}); give all the circuit's wires")
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";']
    if tape.num_wires == 0:
        return "\n".join(lines) + "\n"
    lines.append(f"qreg q[{len(wires)}];")
    measured = wires if measure_all else Wires.all_wires(
        [m.wires for m in tape.measurements if getattr(m, "mv", None) is None])
    if len(measured):
        lines.append(f"creg c[{len(measured)}];")
    n_mcms = sum(isinstance(op, MidMeasure) for op in tape.operations)
    if n_mcms:
        lines.append(f"creg mcms[{n_mcms}];")
    [numeric], _ = convert_to_numpy_parameters(tape)
    ops = list(numeric.operations) + (list(tape.diagonalizing_gates) if rotations else [])
    [flat], _ = decompose(QuantumScript(ops), stopping_condition=_accepted,
                          skip_initial_state_prep=False, name="to_openqasm", error=ValueError)
    bits: dict = {}
    lines += [_op_line(op, wires, bits, precision) for op in flat.operations]
    lines += [f"measure q[{wires.index(w)}] -> c[{i}];" for i, w in enumerate(measured)]
    return "\n".join(lines) + "\n"


def to_openqasm(circuit, wires=None, rotations: bool = True, measure_all: bool = True,
                precision: int | None = None):
    """PennyLane's ``qml.to_openqasm``: the OpenQASM 2.0 program of a tape (a string), or of
    a QNode (a function of the QNode's arguments returning the string).

    Gates outside :data:`OPENQASM_GATES` are decomposed (an operator that cannot be raises
    ``ValueError`` "... not supported with to_openqasm ..."); ``wires`` orders (and may
    add to) the register ``q``; ``rotations`` appends the measured observables'
    diagonalizing gates; ``measure_all`` measures every wire into ``c``, otherwise only the
    wires of the tape's terminal measurements; ``precision`` is the number of significant
    digits of the parameters (Python's ``format(p, ".{precision}")``; ``None``: ``str(p)``).
    Mid-circuit measurements go to a register ``mcms`` and a ``qml.cond`` on one of them
    becomes ``if(mcms[i]==1)``; a reset, a postselection or a processed measurement value
    raises ``NotImplementedError``.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def circuit(theta):
    ...     qml.RX(theta, wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.expval(qml.PauliX(1))
    >>> print(qml.to_openqasm(circuit)(1.2))
    OPENQASM 2.0;
    include "qelib1.inc";
    qreg q[2];
    creg c[2];
    rx(1.2) q[0];
    cx q[0],q[1];
    h q[1];
    measure q[0] -> c[0];
    measure q[1] -> c[1];
    """
    options = dict(wires=wires, rotations=rotations, measure_all=measure_all,
                   precision=precision)
    if isinstance(circuit, QuantumScript):
        return _tape_openqasm(circuit, **options)
    if not callable(circuit):
        raise TypeError(f"qml.to_openqasm takes a tape or a QNode, not {type(circuit).__name__}")

    @wraps(circuit)
    def wrapper(*args, **kwargs) -> str:
        return _tape_openqasm(construct_tape(circuit)(*args, **kwargs), **options)

    return wrapper
