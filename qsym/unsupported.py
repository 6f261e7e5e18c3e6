"""PennyLane names qsym knows but does not support: using one raises a qsym error that
names the missing feature (rather than an ``AttributeError`` on ``qml``).

- mid-circuit measurements and classical control: ``qml.measure``, ``qml.cond``
  (:class:`qsym.errors.MeasurementError`);
- noise channels (``qml.DepolarizingChannel``, ``qml.AmplitudeDamping``, ...) and
  ``qml.density_matrix``: they need mixed states, which qsym does not simulate
  (:class:`qsym.errors.GateError`, :class:`qsym.errors.MeasurementError`).

>>> import qsym as qml
>>> try:
...     qml.measure(0)
... except qml.MeasurementError as exc:
...     print(str(exc)[:59])
qml.measure (a mid-circuit measurement) is not supported: q
"""

from __future__ import annotations

from .errors import GateError, MeasurementError

_MCM = (
    "{name} ({what}) is not supported: qsym compiles circuits of gates followed by final "
    "measurements; measure at the end instead (qml.probs / qml.sample of the wire), or "
    "use PennyLane for dynamic circuits"
)


def measure(wires=None, reset=False, postselect=None):
    """Not supported: a mid-circuit measurement (PennyLane's ``qml.measure``)."""
    raise MeasurementError(_MCM.format(name="qml.measure", what="a mid-circuit measurement"))


def cond(condition, true_fn=None, false_fn=None, elifs=()):
    """Not supported: an operation conditioned on a mid-circuit measurement (PennyLane's
    ``qml.cond``)."""
    raise MeasurementError(
        _MCM.format(name="qml.cond", what="classical control on a mid-circuit measurement")
    )


def density_matrix(wires=None):
    """Not supported: the reduced density matrix (PennyLane's ``qml.density_matrix``)."""
    raise MeasurementError(
        "qml.density_matrix is not supported: qsym returns state vectors; use qml.state() and "
        "form the (reduced) density matrix with NumPy"
    )


CHANNELS = ("AmplitudeDamping", "GeneralizedAmplitudeDamping", "PhaseDamping",
            "DepolarizingChannel", "BitFlip", "PhaseFlip", "ResetError", "PauliError",
            "ThermalRelaxationError", "QubitChannel", "KrausChannel")


def _channel(name):
    def __init__(self, *args, **kwargs):
        raise GateError(
            f"qml.{name} is a noise channel: it needs mixed states (a density-matrix "
            "simulator such as PennyLane's default.mixed), which qsym does not simulate; "
            "qsym's circuits are unitary"
        )

    return type(name, (), {"__init__": __init__, "__doc__": f"Not supported: the {name} noise channel."})


globals().update({name: _channel(name) for name in CHANNELS})

__all__ = ["measure", "cond", "density_matrix", *CHANNELS]
