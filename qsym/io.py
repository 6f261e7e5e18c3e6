"""PennyLane's ``qml.io``: circuits and operators read from other frameworks by converter
plugins (:func:`from_qiskit`, :func:`from_qiskit_op`, :func:`from_qiskit_noise`,
:func:`from_qasm`, :func:`from_pyquil`, :func:`from_quil`, :func:`from_quil_file`; each also
``qml.<name>``), and ``to_openqasm`` (qsym's own writer, ``qml.to_openqasm``).

A converter is a Python entry point of the group ``"qsym.io"`` (:data:`ENTRY_POINT_GROUP`)
named as PennyLane names them (``"qiskit"``, ``"qiskit_op"``, ``"qiskit_noise"``,
``"qasm"``, ``"pyquil_program"``, ``"quil"``, ``"quil_file"``); :data:`plugin_converters`
maps each name to its entry point, and a function loads the one it needs and calls it with
its arguments, as PennyLane's do. PennyLane's own plugins register under
``"pennylane.io"``: those are not read, since their converters queue PennyLane's operators,
which a qsym circuit would not record (the circuit would run without them).

>>> import qsym as qml
>>> qml.io.from_qiskit is qml.from_qiskit
True
>>> sorted(qml.io.plugin_converters) == sorted(qml.io.plugin_converters.keys())
True
"""

from __future__ import annotations

import sys
from importlib import metadata

from ._openqasm import to_openqasm

__all__ = ["from_qiskit", "from_qiskit_op", "from_qiskit_noise", "from_qasm", "from_pyquil",
           "from_quil", "from_quil_file", "plugin_converters", "to_openqasm",
           "ENTRY_POINT_GROUP"]

#: the entry-point group qsym's converters register under
ENTRY_POINT_GROUP = "qsym.io"



def __getattr__(name):
    """``plugin_converters``, the installed converters (entry-point name -> entry point;
    ``.load()`` gives the converter), read from the installed packages' metadata at its
    first use, then kept: reading it scans every installed distribution (6 ms of CPU, more
    wall time, at each ``import qsym`` before; issue #17)."""
    if name == "plugin_converters":
        found = {entry.name: entry for entry in metadata.entry_points(group=ENTRY_POINT_GROUP)}
        return globals().setdefault("plugin_converters", found)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# PennyLane's module path qml.io.io (its functions' module): this module
io = sys.modules[__name__]
sys.modules.setdefault(f"{__name__}.io", io)

_MISSING_QISKIT = (
    "Conversion from Qiskit requires a converter registered under the entry-point group "
    f"{ENTRY_POINT_GROUP!r} (names 'qiskit', 'qiskit_op', 'qiskit_noise'); the "
    "PennyLane-Qiskit plugin registers its converters for PennyLane only (they build "
    "PennyLane operators, which a qsym circuit does not record): write the circuit with "
    "qsym's gates, or export it with Qiskit's qasm2.dumps and write its gates in qsym")


def _converter(name: str, missing: str | None = None):
    """The converter registered as ``name`` (loaded); a missing one is a ``RuntimeError``
    (``missing``, else one naming the entry point to install)."""
    try:
        entry = getattr(sys.modules[__name__], "plugin_converters")[name]
    except KeyError as exc:
        raise RuntimeError(missing or (
            f"no converter {name!r} is installed for qsym: qml.io reads converters from "
            f"entry points of the group {ENTRY_POINT_GROUP!r}; PennyLane's plugins register "
            "theirs for PennyLane only")) from exc
    return entry.load()


def from_qiskit(quantum_circuit, measurements=None):
    """PennyLane's ``qml.from_qiskit``: a Qiskit ``QuantumCircuit`` as a quantum function,
    by the converter ``"qiskit"`` (``RuntimeError`` without one: see the module).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_qiskit(object())
    ... except RuntimeError as exc:
    ...     print(str(exc)[:31])
    Conversion from Qiskit requires
    """
    return _converter("qiskit", _MISSING_QISKIT)(quantum_circuit, measurements=measurements)


def from_qiskit_op(qiskit_op, params=None, wires=None):
    """PennyLane's ``qml.from_qiskit_op``: a Qiskit ``SparsePauliOp`` as an operator, by the
    converter ``"qiskit_op"`` (``RuntimeError`` without one).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_qiskit_op(object())
    ... except RuntimeError as exc:
    ...     print(str(exc)[:31])
    Conversion from Qiskit requires
    """
    return _converter("qiskit_op", _MISSING_QISKIT)(qiskit_op, params=params, wires=wires)


def from_qiskit_noise(noise_model, verbose=False, decimal_places=None):
    """PennyLane's ``qml.from_qiskit_noise``: a Qiskit noise model as a noise model, by the
    converter ``"qiskit_noise"`` (``RuntimeError`` without one).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_qiskit_noise(object())
    ... except RuntimeError as exc:
    ...     print(str(exc)[:31])
    Conversion from Qiskit requires
    """
    return _converter("qiskit_noise", _MISSING_QISKIT)(
        noise_model, verbose=verbose, decimal_places=decimal_places)


def from_qasm(quantum_circuit: str, measurements=None):
    """PennyLane's ``qml.from_qasm``: an OpenQASM 2.0 program as a quantum function, by the
    converter ``"qasm"`` (``RuntimeError`` without one).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_qasm("OPENQASM 2.0;")
    ... except RuntimeError as exc:
    ...     print(str(exc)[:25])
    no converter 'qasm' is in
    """
    return _converter("qasm")(quantum_circuit, measurements=measurements)


def from_pyquil(pyquil_program):
    """PennyLane's ``qml.from_pyquil``: a pyQuil ``Program``, by the converter
    ``"pyquil_program"`` (``RuntimeError`` without one).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_pyquil(object())
    ... except RuntimeError as exc:
    ...     print(str(exc)[:35])
    no converter 'pyquil_program' is in
    """
    return _converter("pyquil_program")(pyquil_program)


def from_quil(quil: str):
    """PennyLane's ``qml.from_quil``: a Quil program (a string), by the converter
    ``"quil"`` (``RuntimeError`` without one).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_quil("H 0")
    ... except RuntimeError as exc:
    ...     print(str(exc)[:25])
    no converter 'quil' is in
    """
    return _converter("quil")(quil)


def from_quil_file(quil_filename: str):
    """PennyLane's ``qml.from_quil_file``: a Quil file, by the converter ``"quil_file"``
    (``RuntimeError`` without one).

    >>> import qsym as qml
    >>> try:
    ...     qml.from_quil_file("circuit.quil")
    ... except RuntimeError as exc:
    ...     print(str(exc)[:30])
    no converter 'quil_file' is in
    """
    return _converter("quil_file")(quil_filename)
