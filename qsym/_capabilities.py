"""PennyLane's device capabilities (``qml.devices.capabilities``): what a device class
declares it runs, read from a TOML file (schema 3) named by its ``config_filepath``.

:class:`DeviceCapabilities` holds the operations and observables (each with its
:class:`OperatorProperties`), the measurement processes (each with its
:class:`ExecutionCondition` list) and the compilation options; the functions below parse a
TOML document section by section as PennyLane 0.45's (``load_toml_file``,
``parse_toml_document``, ``update_device_capabilities`` with the ``[pennylane.*]`` or
``[qjit.*]`` sections), with its ``InvalidCapabilitiesError`` for a malformed file.

The TOML reader is Python's ``tomllib`` (3.11+), else the ``tomli`` package.

>>> caps = parse_toml_document({"schema": 3, "operators": {"gates": {
...     "RX": {"properties": ["invertible"]}}}})
>>> caps.supports_operation("Adjoint(RX)"), caps.supports_operation("C(RX)")
(True, False)
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass

from ._options import MCM_METHODS
from .errors import QuantumFunctionError
from .exceptions import InvalidCapabilitiesError

ALL_SUPPORTED_SCHEMAS = [3]


def load_toml_file(file_path: str) -> dict:
    """The TOML document at ``file_path`` as a dict (PennyLane's ``load_toml_file``).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "dev.toml")
    >>> _ = open(path, "w").write("schema = 3\\n[operators.gates]\\nRX = {}\\n")
    >>> load_toml_file(path)
    {'schema': 3, 'operators': {'gates': {'RX': {}}}}
    """
    try:
        import tomllib as toml
    except ImportError:  # Python 3.10
        try:
            import tomli as toml
        except ImportError:
            raise ImportError("reading a device's TOML capabilities needs Python 3.11's "
                              "tomllib or the tomli package: pip install tomli") from None
    with open(file_path, "rb") as file:
        return toml.load(file)


class ExecutionCondition(enum.Enum):
    """PennyLane's ``ExecutionCondition``: a constraint on the support of an operator or
    measurement in a device's capabilities.

    >>> ExecutionCondition("analytic")
    <ExecutionCondition.ANALYTIC_MODE_ONLY: 'analytic'>
    """

    FINITE_SHOTS_ONLY = "finiteshots"
    ANALYTIC_MODE_ONLY = "analytic"
    TERMS_MUST_COMMUTE = "terms-commute"


VALID_CONDITION_STRINGS = {c.value for c in ExecutionCondition}


@dataclass
class OperatorProperties:
    """PennyLane's ``OperatorProperties``: how a device supports an operator; ``a & b`` is
    the support of both (their conditions joined).

    >>> p = OperatorProperties(invertible=True) & OperatorProperties(invertible=True)
    >>> p.invertible, p.controllable
    (True, False)
    """

    invertible: bool = False
    controllable: bool = False
    differentiable: bool = False
    conditions: list = dataclasses.field(default_factory=list)

    def __and__(self, other):
        return OperatorProperties(self.invertible and other.invertible,
                                  self.controllable and other.controllable,
                                  self.differentiable and other.differentiable,
                                  list(set(self.conditions) | set(other.conditions)))


def _supported_base(name: str, table: dict) -> str | None:
    """The entry of ``table`` supporting the operator ``name``: itself, or through
    ``Adjoint(...)`` of an invertible or ``C(...)`` of a controllable entry."""
    if name in table:
        return name
    for pattern, needs in ((r"Adjoint\((.*)\)", "invertible"), (r"C\((.*)\)", "controllable")):
        match = re.fullmatch(pattern, name)
        if match:
            base = _supported_base(match.group(1), table)
            if base and getattr(table[base], needs):
                return base
    return None


@dataclass
class DeviceCapabilities:  # pylint: disable=too-many-instance-attributes
    """PennyLane's ``DeviceCapabilities``: the operations, observables, measurement
    processes and compilation options a device declares (``from_toml_file``: read from its
    TOML file).

    >>> caps = DeviceCapabilities(operations={"RX": OperatorProperties(controllable=True)})
    >>> sorted(caps.gate_set()), caps.supports_operation("C(RX)")
    (['C(RX)', 'RX'], True)
    """

    operations: dict = dataclasses.field(default_factory=dict)
    observables: dict = dataclasses.field(default_factory=dict)
    measurement_processes: dict = dataclasses.field(default_factory=dict)
    qjit_compatible: bool = False
    runtime_code_generation: bool = False
    dynamic_qubit_management: bool = False
    overlapping_observables: bool = True
    non_commuting_observables: bool = False
    initial_state_prep: bool = False
    supported_mcm_methods: list = dataclasses.field(default_factory=list)
    options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        valid = {m for m in MCM_METHODS if m is not None}
        if not set(self.supported_mcm_methods) <= valid:
            raise ValueError("The device's supported mcm methods must be a subset of the "
                             "following supported mid-circuit measurement methods "
                             f"available: {valid}")

    def filter(self, finite_shots: bool) -> DeviceCapabilities:
        """The capabilities for finite shots (without the analytic-only entries) or for
        exact results (without the finite-shots-only entries)."""
        drop = (ExecutionCondition.ANALYTIC_MODE_ONLY if finite_shots
                else ExecutionCondition.FINITE_SHOTS_ONLY)
        return dataclasses.replace(
            self,
            operations={k: v for k, v in self.operations.items() if drop not in v.conditions},
            observables={k: v for k, v in self.observables.items() if drop not in v.conditions},
            measurement_processes={k: v for k, v in self.measurement_processes.items()
                                   if drop not in v})

    @classmethod
    def from_toml_file(cls, file_path, runtime_interface="pennylane") -> DeviceCapabilities:
        """The capabilities in the TOML file ``file_path``, with the sections of
        ``runtime_interface`` (``"pennylane"`` or ``"qjit"``) applied over the common ones."""
        document = load_toml_file(file_path)
        capabilities = parse_toml_document(document)
        update_device_capabilities(capabilities, document, runtime_interface)
        return capabilities

    def gate_set(self, differentiable=False) -> set:
        """The names of the supported gates (``C(...)`` and ``Adjoint(...)`` forms too);
        with ``differentiable=True`` only the differentiable ones."""
        names = set()
        for op, prop in self.operations.items():
            if differentiable and not prop.differentiable:
                continue
            names.add(op)
            if prop.controllable:
                names.add(f"C({op})")
            if prop.invertible:
                names.add(f"Adjoint({op})")
        return names

    def supports_operation(self, operation) -> bool:
        """Whether the operation (a name or an operator) is supported."""
        name = operation if isinstance(operation, str) else operation.name
        return _supported_base(name, self.operations) is not None

    def supports_observable(self, observable) -> bool:
        """Whether the observable (a name or an operator) is supported."""
        name = observable if isinstance(observable, str) else observable.name
        return _supported_base(name, self.observables) is not None


VALID_COMPILATION_OPTIONS = {
    "qjit_compatible", "runtime_code_generation", "dynamic_qubit_management",
    "overlapping_observables", "non_commuting_observables", "initial_state_prep",
    "supported_mcm_methods"}
_COMPOSITES = ("Prod", "SProd", "Sum", "LinearCombination", "Hamiltonian")


def _get_toml_section(document: dict, path: str, prefix: str = "") -> dict:
    """The section at the dotted ``path`` (under ``prefix``), ``{}`` when absent."""
    for key in (f"{prefix}.{path}" if prefix else path).split("."):
        if not isinstance(document, dict) or key not in document:
            return {}
        document = document[key]
    return document


def _conditions(strings, what, target=None) -> list:
    if unknown := set(strings) - VALID_CONDITION_STRINGS:
        raise InvalidCapabilitiesError(f"{what} has unknown conditions: {list(unknown)}")
    conditions = [ExecutionCondition(c) for c in strings]
    if (ExecutionCondition.ANALYTIC_MODE_ONLY in conditions
            and ExecutionCondition.FINITE_SHOTS_ONLY in conditions):
        raise InvalidCapabilitiesError("Conditions cannot contain both 'analytic' and "
                                       "'finiteshots'")
    if ExecutionCondition.TERMS_MUST_COMMUTE in conditions and target not in _COMPOSITES:
        raise InvalidCapabilitiesError("'terms-commute' is only applicable to Prod, SProd, "
                                       "Sum, and LinearCombination.")
    return conditions


def _entries(section):
    """A section's entries with their attributes (a list of names: no attributes)."""
    return section.items() if hasattr(section, "items") else ((k, {}) for k in section)


def _get_operators(section: dict) -> dict:
    operators = {}
    for name, attributes in _entries(section):
        if unknown := set(attributes) - {"properties", "conditions"}:
            raise InvalidCapabilitiesError(
                f"Operator '{name}' has unknown attributes: {list(unknown)}")
        properties = attributes.get("properties", [])
        if unknown := set(properties) - {"invertible", "controllable", "differentiable"}:
            raise InvalidCapabilitiesError(
                f"Operator '{name}' has unknown properties: {list(unknown)}")
        operators[name] = OperatorProperties(
            invertible="invertible" in properties, controllable="controllable" in properties,
            differentiable="differentiable" in properties,
            conditions=_conditions(attributes.get("conditions", []), f"Operator '{name}'", name))
    return operators


def _get_operations(document: dict, prefix: str = "") -> dict:
    """The ``[operators.gates]`` section (under ``prefix``) as ``OperatorProperties``."""
    return _get_operators(_get_toml_section(document, "operators.gates", prefix))


def _get_observables(document: dict, prefix: str = "") -> dict:
    """The ``[operators.observables]`` section (under ``prefix``)."""
    return _get_operators(_get_toml_section(document, "operators.observables", prefix))


def _get_measurement_processes(document: dict, prefix: str = "") -> dict:
    """The ``[measurement_processes]`` section: each measurement's conditions."""
    out = {}
    for name, attributes in _entries(_get_toml_section(document, "measurement_processes",
                                                       prefix)):
        if unknown := set(attributes) - {"conditions"}:
            raise InvalidCapabilitiesError(
                f"Measurement '{name}' has unknown attributes: {list(unknown)}")
        out[name] = _conditions(attributes.get("conditions", []), f"Measurement '{name}'")
    return out


def _get_compilation_options(document: dict, prefix: str = "") -> dict:
    """The ``[compilation]`` section's options, checked."""
    section = _get_toml_section(document, "compilation", prefix)
    if unknown := set(section) - VALID_COMPILATION_OPTIONS:
        raise InvalidCapabilitiesError(
            f"The compilation section has unknown options: {list(unknown)}")
    if (not section.get("overlapping_observables", True)
            and section.get("non_commuting_observables", False)):
        raise InvalidCapabilitiesError("When overlapping_observables is False, "
                                       "non_commuting_observables cannot be True.")
    return dict(section)


def parse_toml_document(document: dict) -> DeviceCapabilities:
    """The capabilities of a TOML document's common sections (PennyLane's
    ``parse_toml_document``; its ``schema`` must be 3).

    >>> parse_toml_document({"schema": 3, "compilation": {"initial_state_prep": True}}).initial_state_prep
    True
    """
    schema = int(document["schema"])
    if schema not in ALL_SUPPORTED_SCHEMAS:
        raise InvalidCapabilitiesError(f"Unsupported config TOML schema {schema}: qsym "
                                       f"reads schemas {ALL_SUPPORTED_SCHEMAS}")
    return DeviceCapabilities(operations=_get_operations(document),
                              observables=_get_observables(document),
                              measurement_processes=_get_measurement_processes(document),
                              **_get_compilation_options(document))


def update_device_capabilities(capabilities, document: dict, runtime_interface: str) -> None:
    """Apply a TOML document's ``[pennylane.*]`` or ``[qjit.*]`` sections to
    ``capabilities`` in place (PennyLane's ``update_device_capabilities``).

    >>> caps = parse_toml_document({"schema": 3})
    >>> update_device_capabilities(caps, {"pennylane": {"operators": {"gates": {"RX": {}}}}},
    ...                            "pennylane")
    >>> list(caps.operations)
    ['RX']
    """
    if runtime_interface not in {"pennylane", "qjit"}:
        raise ValueError(f"Invalid runtime interface: {runtime_interface} (use 'pennylane' "
                         "or 'qjit')")
    capabilities.operations.update(_get_operations(document, runtime_interface))
    capabilities.observables.update(_get_observables(document, runtime_interface))
    capabilities.measurement_processes.update(
        _get_measurement_processes(document, runtime_interface))
    for option, value in _get_compilation_options(document, runtime_interface).items():
        setattr(capabilities, option, value)
    if runtime_interface == "qjit" and "qjit" in document and not capabilities.qjit_compatible:
        raise InvalidCapabilitiesError(
            "qjit-specific sections are found but the device is not qjit-compatible.")


def observable_stopping_condition_factory(capabilities):
    """A function telling whether an observable is supported by ``capabilities``, its
    terms (of a sum or product) and base (of a scalar product) included.

    >>> import qsym as qml
    >>> caps = DeviceCapabilities(observables={"PauliZ": OperatorProperties()})
    >>> ok = observable_stopping_condition_factory(caps)
    >>> ok(qml.Z(0)), ok(qml.X(0))
    (True, False)
    """
    def observable_stopping_condition(obs) -> bool:
        if not capabilities.supports_observable(obs.name):
            return False
        operands = getattr(obs, "operands", None)
        if operands is not None:
            return all(observable_stopping_condition(o) for o in operands)
        base = getattr(obs, "base", None)
        return True if base is None else observable_stopping_condition(base)
    return observable_stopping_condition


def validate_mcm_method(capabilities, mcm_method, shots_present: bool) -> None:
    """PennyLane's check of a requested mid-circuit measurement method against a device's
    capabilities (None: the three methods PennyLane simulates).

    >>> validate_mcm_method(DeviceCapabilities(supported_mcm_methods=["one-shot"]), "one-shot", True)
    """
    if mcm_method is None or mcm_method == "deferred":
        return
    if mcm_method == "one-shot" and not shots_present:
        raise QuantumFunctionError('The "one-shot" MCM method is only supported with finite '
                                   'shots.')
    supported = (["deferred", "one-shot", "tree-traversal"] if capabilities is None
                 else capabilities.supported_mcm_methods + ["deferred"])
    if mcm_method not in supported:
        listed = ", ".join(f'"{m}"' for m in supported[:-1]) + f', and "{supported[-1]}"' \
            if capabilities is None else ", ".join(f'"{m}"' for m in supported)
        raise QuantumFunctionError(f'Requested MCM method "{mcm_method}" unsupported by the '
                                   f"device. Supported methods are: {listed}.")


__all__ = ["DeviceCapabilities", "ExecutionCondition", "OperatorProperties", "load_toml_file",
           "parse_toml_document", "update_device_capabilities",
           "observable_stopping_condition_factory", "validate_mcm_method"]
