"""PennyLane names qsym knows but does not support: using one raises a qsym error that
names the missing feature (rather than an ``AttributeError`` on ``qml``).

- ``qml.KrausChannel`` (not one of PennyLane 0.45's channels): use ``qml.QubitChannel``
  (:class:`qsym.errors.GateError`). PennyLane's noise channels themselves run on
  ``default.mixed`` (:mod:`qsym._noise`).

>>> import qsym as qml
>>> try:
...     qml.KrausChannel(0.1, wires=0)
... except qml.GateError as exc:
...     print(str(exc)[:40])
qml.KrausChannel is not a noise channel
"""

from __future__ import annotations

import types

from .errors import DeviceError, EigvalsUndefinedError, GateError, MatrixUndefinedError

CHANNELS = ("KrausChannel",)


def _channel(name):
    def __init__(self, *args, **kwargs):
        raise GateError(
            f"qml.{name} is not a noise channel qsym (or PennyLane 0.45) provides: give "
            "the Kraus matrices to qml.QubitChannel(K_list, wires=...) and run it on "
            "qml.device('default.mixed', ...)"
        )

    return type(name, (), {"__init__": __init__, "__doc__": f"Not supported: the {name} noise channel."})


globals().update({name: _channel(name) for name in CHANNELS})

__all__ = [*CHANNELS]

# PennyLane names of namespaces and transforms qsym does not provide: ``qml.<name>`` raises
# an AttributeError that names the feature (``hasattr(qml, name)`` is False, as it should
# be), never reaches one of qsym's internal modules (docs/pennylane.md, "Not supported")
NAMESPACES = {
    "broadcast": "PennyLane's qml.broadcast (removed from PennyLane in 0.40): write the loop "
                 "over the wires in the circuit function, or use a template "
                 "(qml.BasicEntanglerLayers, ...)",
    "qinfo": "PennyLane's quantum-information transforms (qml.qinfo)",
    "dynamic_one_shot": "PennyLane's one-shot mid-circuit measurement transform (its tapes need "
                        "a device that runs each shot's mid-circuit measurements natively); "
                        "qsym defers mid-circuit measurements: use qml.defer_measurements, or "
                        "mcm_method='one-shot', which qsym runs deferred",
    "pulse": "PennyLane's pulse programming (qml.pulse; ParametrizedHamiltonian and "
             "ParametrizedEvolution's matrix are provided, qsym's circuits do not simulate "
             "pulses)",
    "drawer": "PennyLane's drawing internals (qml.drawer): use qml.draw or qml.draw_mpl "
              "(qml.drawer.use_style and available_styles are provided)",
    "tape": "PennyLane's tape internals (qml.tape; QuantumScript, QuantumTape, "
            "OperationRecorder and make_qscript are provided, and run with qml.execute / "
            "dev.execute)",
    "queuing": "PennyLane's queuing internals (qml.queuing; qml.queuing.AnnotatedQueue is "
               "provided)",
    "workflow": "PennyLane's execution workflow (qml.workflow; construct_tape, "
                "construct_batch, set_shots, construct_execution_config, "
                "get_best_diff_method, get_compile_pipeline and jacobian_products are "
                "provided)",
    "qnn": "PennyLane's Keras and Torch layers (qml.qnn)",
    "data": "PennyLane's data sets (qml.data)",
    "capture": "PennyLane's program capture (qml.capture)",
    "noise": "a name outside PennyLane 0.45's qml.noise (qsym provides its noise models, "
             "add_noise, the conditionals, insert and the zero-noise extrapolation)",
    "compiler": "PennyLane's compiler interface (qml.compiler): qsym compiles every QNode "
                "itself (qml.compile for ahead-of-time modules)",
    "qjit": "Catalyst's qml.qjit: qsym compiles every QNode itself (qml.compile for "
            "ahead-of-time modules)",
    "operation": "PennyLane's operator base module (qml.operation; qml.operation.Operation "
                 "and Operator are qsym's gate base class)",
}


def capture_enabled() -> bool:
    """``qml.capture.enabled()``: False, always (qsym traces circuits itself; PennyLane's
    program capture is not provided)."""
    return False


def capture_refused(*args, **kwargs):
    """``qml.capture.run_autograph`` and the other capture entry points: refused."""
    raise namespace_error("capture")


def namespace_error(name: str) -> AttributeError | None:
    """The error for ``qml.<name>`` when ``name`` is a PennyLane name qsym does not provide
    (:data:`NAMESPACES`), else None.

    >>> print(namespace_error("qinfo"))  # doctest: +ELLIPSIS
    qml.qinfo is not supported by qsym: PennyLane's quantum-information transforms ...
    >>> namespace_error("RX") is None
    True
    """
    what = NAMESPACES.get(name)
    if what is None:
        return None
    return AttributeError(f"qml.{name} is not supported by qsym: {what} (the PennyLane "
                          "names qsym does not provide: docs/pennylane.md, 'Not supported')")


class _PartialNamespace(types.SimpleNamespace):
    """A PennyLane namespace of which qsym provides a few names: any other attribute is an
    AttributeError naming it as unsupported (so ``hasattr`` is False)."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        name = object.__getattribute__(self, "_qml_name")
        raise AttributeError(
            f"qml.{name}.{attr} is not supported by qsym: {NAMESPACES.get(name, '')} (the "
            "PennyLane names qsym does not provide: docs/pennylane.md, 'Not supported')")


def partial_namespace(name: str, **provided) -> _PartialNamespace:
    """``qml.<name>`` with only ``provided`` (e.g. ``qml.drawer.use_style``).

    >>> ns = partial_namespace("drawer", use_style=print)
    >>> hasattr(ns, "use_style"), hasattr(ns, "tape_text")
    (True, False)
    """
    ns = _PartialNamespace(**provided)
    object.__setattr__(ns, "_qml_name", name)
    return ns


# PennyLane classes qsym does not provide, importable by their module paths (so a program or
# test module that imports one still loads): making one raises a GateError that names it
CLASSES = {
    "devices.QutritDevice": "PennyLane's legacy device API (QutritDevice, the base class of "
                            "qutrit devices before qml.devices.Device): qsym simulates "
                            "qubits only; no qsym device is one",
    "FromBloq": "PennyLane's adapter of Qualtran bloqs (qml.FromBloq): qsym does not read "
                "Qualtran programs; write the bloq's gates as a circuit function",
}


def unsupported_class(path: str) -> type:
    """The stand-in for the PennyLane class ``qml.<path>`` (a key of :data:`CLASSES`):
    importable (a subclass of it too), and making one raises a
    :class:`~qsym.errors.GateError` naming it (a :class:`~qsym.errors.DeviceError` for a
    device class, ``devices.<name>``).

    >>> cls = unsupported_class("FromBloq")
    >>> try:
    ...     cls(None, wires=[0, 1])
    ... except GateError as exc:
    ...     print(str(exc)[:37])
    qml.FromBloq is not supported by qsym
    """
    what = CLASSES[path]
    error = DeviceError if path.startswith("devices.") else GateError

    def __init__(self, *args, **kwargs):
        raise error(f"qml.{path} is not supported by qsym: {what} (the PennyLane names "
                    "qsym does not provide: docs/pennylane.md, 'Not supported')")

    return type(path.rsplit(".", 1)[-1], (), {"__init__": __init__, "__doc__": f"Not supported: {what}."})


# PennyLane 0.45's qutrit operators (qml.ops.qutrit): records of their parameters and wires
# (a test module lists qml.GellMann(0, 3) among its parameters beside qubit cases), refused
# where they would act: in a circuit or a recording queue
QUTRIT_NAMES = ("TRX", "TRY", "TRZ", "TShift", "TClock", "TAdd", "TSWAP", "THadamard",
                "QutritUnitary", "ControlledQutritUnitary", "QutritBasisState", "GellMann",
                "THermitian", "QutritChannel", "QutritDepolarizingChannel",
                "QutritAmplitudeDamping", "TritFlip")

# the stand-ins whose first positional argument is the wires (PennyLane's signatures)
_WIRES_FIRST = frozenset({"GellMann"})

# the stand-ins' hyperparameters (after the data, by position or name) and their defaults:
# PennyLane's GellMann(wires, index=1) has no data (num_params 0)
_HYPERPARAMETERS = {"GellMann": {"index": 1}}

_FAMILIES = {"qutrit": "a qutrit operator (PennyLane's qml.ops.qutrit)"}

# PennyLane 0.45's class attribute ``num_wires`` of the qutrit classes (None: any number)
_NUM_WIRES = {"TRX": 1, "TRY": 1, "TRZ": 1, "TShift": 1, "TClock": 1, "TAdd": 2, "TSWAP": 2,
              "THadamard": 1, "GellMann": 1, "QutritDepolarizingChannel": 1,
              "QutritAmplitudeDamping": 1, "TritFlip": 1}

# PennyLane 0.45's parameter_frequencies of the qutrit rotations (a generator with
# eigenvalues -1/2, 0, 1/2: frequencies 1/2 and 1), which its parameter shift reads
_FREQUENCIES = {"TRX": [(0.5, 1)], "TRY": [(0.5, 1)], "TRZ": [(0.5, 1)]}


def cv_class(name: str, family: str = "qutrit") -> type:
    """The stand-in for PennyLane's qutrit class ``qml.<name>`` (the continuous-variable
    classes are :mod:`qsym._cv`'s): it can be made (its ``data``, ``parameters``,
    ``wires`` and ``name``, as written; PennyLane's ``num_wires``), recorded by a user's queue
    or tape (whose execution refuses it), and made inside a circuit it raises a
    :class:`~qsym.errors.GateError` naming it: qsym simulates qubits only.

    >>> import qsym as qml
    >>> qml.TRX(1.2, wires=0).data
    (1.2,)
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def circuit():
    ...     qml.TRX(1.2, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> try:
    ...     circuit()
    ... except qml.GateError as exc:
    ...     print(str(exc)[:56])
    qml.TRX is a qutrit operator (PennyLane's qml.ops.qutrit
    >>> qml.GellMann(0, 3).data, qml.GellMann(0, 3).hyperparameters, qml.GellMann(0, 3).wires
    ((), {'index': 3}, Wires([0]))

    Like PennyLane's, they are operands of operator arithmetic (a test module's
    ``qml.sum(qml.THermitian(A, 0), qml.GellMann(0, 2))``), compared by ``qml.equal`` (class,
    wires, data, hyperparameters) and rebound by ``bind_new_parameters``; anything that
    needs their matrix (measuring such a sum, ``qml.matrix``) raises the GateError above.

    >>> s = qml.sum(qml.TRX(0.5, wires=0), qml.GellMann(0, 2))
    >>> qml.equal(s, qml.sum(qml.TRX(0.5, wires=0), qml.GellMann(0, 2)))
    True
    >>> try:
    ...     qml.matrix(s)
    ... except qml.GateError as exc:
    ...     print("qml.TRX is a qutrit operator" in str(exc))
    True
    """
    from ._trace import active_tape
    from .wires import Wires

    what = _FAMILIES[family]

    def __init__(self, *params, wires=None, id=None, **named):
        # parameters by PennyLane's names (``GellMann(wires=0, index=1)``): after the others
        params = params + tuple(named.values())
        tape = active_tape()
        queue = tape is not None and (getattr(tape, "user_queue", False)
                                      or hasattr(tape, "add_measurement"))
        if tape is not None and not queue:  # (a user's queue or tape records it, as
            raise GateError(
                f"qml.{name} is {what}: qsym simulates qubits only, so it cannot be applied "
                "or queued (docs/pennylane.md, 'Not supported')")
        if wires is None and name in _WIRES_FIRST and params:  # GellMann(wires, index),
            wires, params = params[0], params[1:]  # the CV observables without parameters
        elif wires is None and params:  # PennyLane's operators: the wires last, by position
            wires, params = params[-1], params[:-1]
        if wires is None:
            raise GateError(f"qml.{name}: must specify the wires that the operation acts on")
        self.hyperparameters = {}
        if name in _HYPERPARAMETERS:  # GellMann's index: a hyperparameter, not data
            keys = _HYPERPARAMETERS[name]
            given = dict(zip(keys, params))
            self.hyperparameters = {k: given.get(k, default) for k, default in keys.items()}
            params = params[len(given):]
        self.data, self.wires, self.id = tuple(params), Wires(wires), id
        if queue:  # PennyLane's; a tape holding it is refused where it runs: `unsupported`)
            tape.append(self)

    def __repr__(self):
        if name == "GellMann":  # PennyLane's: GellMann2(wires=[0])
            return f"GellMann{self.hyperparameters['index']}(wires=[{self.wires[0]}])"
        return f"{name}({', '.join(map(repr, self.data))}, wires={self.wires.tolist()})"

    def label(self, decimals=None, base_label=None, cache=None):
        """PennyLane's default ``Operator.label``: the name, then the scalar parameters
        rounded to ``decimals`` on a second line."""
        text = base_label or name
        if decimals is None or not self.data:
            return text
        try:
            params = ",".join(format(float(p), f".{decimals}f") for p in self.data)
        except TypeError:  # an array parameter: the name only
            return text
        return f"{text}\n({params})"

    refusal = (f"qml.{name} is {what}: qsym simulates qubits only, so it cannot be measured "
               "(docs/pennylane.md, 'Not supported')")
    return type(name, (), {"__init__": __init__, "__repr__": __repr__, "name": name,
                           "num_wires": _NUM_WIRES.get(name),
                           **({"parameter_frequencies": _FREQUENCIES[name]}
                              if name in _FREQUENCIES else {}),
                           "label": label, **_refusing_methods(name, what),
                           "unsupported": refusal,  # (a measurement of one: refused at run)
                           "parameters": property(lambda self: list(self.data)),
                           "num_params": property(lambda self: len(self.data)),
                           "__doc__": f"PennyLane's {what.split(' (')[0][2:]} {name}: made, "
                                      "never applied (qsym simulates qubits only)."})


def _refusing_methods(name: str, what: str) -> dict:
    """A qutrit record's ``matrix`` and ``eigvals`` (refused, naming it: a
    ``MatrixUndefinedError``, so ``qml.equal`` compares operator arithmetic holding one by its
    operands), its ``hash``, and no gate-table row (no Pauli form)."""
    def matrix(self, wire_order=None):
        raise MatrixUndefinedError(
            f"qml.{name} is {what}: qsym simulates qubits only, so it has no matrix here and "
            "an operator holding it cannot be measured or applied (docs/pennylane.md, "
            "'Not supported')")

    def eigvals(self):
        raise EigvalsUndefinedError(
            f"qml.{name} is {what}: qsym simulates qubits only, so it has no eigenvalues here "
            "(docs/pennylane.md, 'Not supported')")

    def hash_(self):
        return hash((name, tuple(self.wires), repr(self.data), repr(self.hyperparameters)))

    return {"matrix": matrix, "eigvals": eigvals, "hash": property(hash_), "_row": None}


# PennyLane functions qsym does not provide, importable by their module paths (a program or
# test module that imports one still loads): calling one raises a DeviceError naming it
FUNCTIONS = {
    "ops.op_math.controlled_ops._toffoli_elbow":
        "PennyLane's Toffoli decomposition on a dynamically allocated work wire (qml.allocate; "
        "qsym's Toffoli is a table gate: qml.TemporaryAND gives the elbow on a wire you name)",
    "ops.functions.assert_valid._check_capture":
        "assert_valid's check that an operator is captured into a jaxpr (PennyLane's program "
        "capture, qml.capture, with JAX)",
}


def unsupported_function(path: str):
    """The stand-in for the PennyLane function ``qml.<path>`` (a key of :data:`FUNCTIONS`):
    importable; calling it raises a :class:`~qsym.errors.DeviceError` naming it.

    >>> f = unsupported_function("ops.functions.assert_valid._check_capture")
    >>> try:
    ...     f(None)
    ... except DeviceError as exc:
    ...     print(str(exc).split(":")[0])
    qml.ops.functions.assert_valid._check_capture is not supported by qsym
    """
    what = FUNCTIONS[path]

    def refused(*args, **kwargs):
        raise DeviceError(f"qml.{path} is not supported by qsym: {what} (the PennyLane "
                          "names qsym does not provide: docs/pennylane.md, 'Not supported')")

    refused.__name__ = path.rsplit(".", 1)[-1]
    refused.__doc__ = f"Not supported: {what}."
    return refused
