"""PennyLane's operator attributes (``qml.ops.qubit.attributes``): named sets of gate names.

An :class:`Attribute` is a set of operator names that also answers for an operator or an
operator class (``qml.RZ(0.1, 0) in diagonal_in_z_basis``, ``qml.RZ in ...``). The sets are
data, PennyLane 0.45's lists; the compilation passes (``qml.transforms``) read the same
sets, so a gate added to one (``self_inverses.add("MyGate")``) is seen by them.

>>> import qsym as qml
>>> from qsym.ops.qubit.attributes import Attribute, self_inverses
>>> qml.Hadamard(0) in self_inverses, qml.RX in self_inverses, "CNOT" in self_inverses
(True, False, True)
>>> pauli = Attribute(["PauliX", "PauliZ"])
>>> pauli.add(qml.Y(0)); sorted(pauli)
['PauliX', 'PauliY', 'PauliZ']
"""

from __future__ import annotations

from inspect import isclass

from ._operations import OPERATORS

__all__ = ["Attribute", "composable_rotations", "has_unitary_generator", "self_inverses",
           "symmetric_over_all_wires", "symmetric_over_control_wires", "diagonal_in_z_basis",
           "supports_broadcasting"]


def _operator_name(obj) -> str | None:
    """The name an attribute files ``obj`` under: a string itself, an operator's
    ``name``, an operator class's ``__name__``; None for anything else."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, OPERATORS):
        return obj.name
    if isclass(obj) and issubclass(obj, OPERATORS):
        return obj.__name__
    return None


class Attribute(set):
    """A set of operator names that an operator, an operator class or a name is looked up
    in (PennyLane's ``qml.ops.qubit.attributes.Attribute``). Anything else is not in it;
    adding anything else is a ``TypeError``.

    >>> import qsym as qml
    >>> a = Attribute(["RZ"])
    >>> qml.RZ(0.5, wires=0) in a, qml.RZ in a, 3 in a
    (True, True, False)
    >>> a.add(0)
    Traceback (most recent call last):
        ...
    TypeError: Only an Operator or string representing an Operator can be added to an attribute.
    """

    def add(self, obj):
        name = _operator_name(obj)
        if name is None:
            raise TypeError("Only an Operator or string representing an Operator can be added "
                            "to an attribute.")
        return super().add(name)

    def __contains__(self, obj):
        name = _operator_name(obj)
        return name is not None and super().__contains__(name)


# PennyLane 0.45's lists (pennylane/ops/qubit/attributes.py)
composable_rotations = Attribute([
    "RX", "RY", "RZ", "PhaseShift", "CRX", "CRY", "CRZ", "ControlledPhaseShift", "IsingXX",
    "IsingYY", "IsingXY", "IsingZZ", "Rot", "SingleExcitation", "DoubleExcitation",
    "SingleExcitationMinus", "SingleExcitationPlus", "DoubleExcitationMinus",
    "DoubleExcitationPlus", "OrbitalRotation"])
"""Gates two of which in a row are one of them with the parameters added (``Rot``: its
effective angle)."""

has_unitary_generator = Attribute([
    "RX", "RY", "RZ", "MultiRZ", "PauliRot", "IsingXX", "IsingYY", "IsingZZ",
    "SingleExcitationMinus", "SingleExcitationPlus", "DoubleExcitationMinus",
    "DoubleExcitationPlus", "PCPhase", "GlobalPhase"])
"""Gates whose generator is unitary up to a factor (``qml.metric_tensor``'s Hadamard tests)."""

self_inverses = Attribute(["Hadamard", "PauliX", "PauliY", "PauliZ", "CNOT", "CZ", "CY", "CH",
                           "SWAP", "Toffoli", "CCZ"])
"""Gates that are their own inverses."""

symmetric_over_all_wires = Attribute([
    "CZ", "CCZ", "SWAP", "IsingXX", "Identity", "ISWAP", "SISWAP", "SQISW", "MultiRZ",
    "IsingXY", "IsingYY", "IsingZZ", "PSWAP"])
"""Gates unchanged by any order of their wires."""

symmetric_over_control_wires = Attribute(["CCZ", "Toffoli"])
"""Controlled gates unchanged by any order of their control wires."""

diagonal_in_z_basis = Attribute([
    "PauliZ", "S", "T", "CZ", "CCZ", "DiagonalQubitUnitary", "RZ", "PhaseShift", "PCPhase",
    "ControlledPhaseShift", "MultiRZ", "CRZ", "IsingZZ"])
"""Gates diagonal in the computational basis."""

supports_broadcasting = Attribute([
    "QubitUnitary", "ControlledQubitUnitary", "DiagonalQubitUnitary", "SpecialUnitary", "RX",
    "RY", "RZ", "PhaseShift", "PCPhase", "ControlledPhaseShift", "Rot", "MultiRZ", "PauliRot",
    "CRX", "CRY", "CRZ", "CRot", "U1", "U2", "U3", "IsingXX", "IsingYY", "IsingZZ", "IsingXY",
    "SingleExcitation", "SingleExcitationPlus", "SingleExcitationMinus", "DoubleExcitation",
    "DoubleExcitationPlus", "DoubleExcitationMinus", "OrbitalRotation", "FermionicSWAP",
    "StatePrep", "AmplitudeEmbedding", "AngleEmbedding", "IQPEmbedding", "QAOAEmbedding"])
"""Operators that take a batch of parameters (a leading broadcast dimension)."""
