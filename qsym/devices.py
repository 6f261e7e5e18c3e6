"""Device classes (PennyLane's ``qml.devices``).

``qml.devices.DefaultQubit(wires=None, shots=None, seed="global")`` is the device
``qml.device("default.qubit", ...)`` makes; ``LightningQubit`` is the same simulator under
PennyLane-Lightning's name. ``DefaultMixed`` and the other simulators qsym does not have
exist as names, and creating one raises :class:`qsym.errors.DeviceError` naming what is
missing.

>>> import qsym as qml
>>> dev = qml.devices.DefaultQubit(wires=2, shots=100, seed=7)
>>> dev.name, dev.wires, dev.shots, isinstance(dev, qml.devices.Device)
('default.qubit', Wires([0, 1]), 100, True)
"""

from __future__ import annotations

from .errors import DeviceError
from .simulator import UNSIMULATED_DEVICES, Device, check_device_options


class DefaultQubit(Device):
    """PennyLane's ``default.qubit``: qsym's statevector simulator."""

    def __init__(self, wires=None, shots=None, seed="global", max_workers=None):
        check_device_options({"max_workers": max_workers})
        super().__init__("default.qubit", wires=wires, shots=shots, seed=seed)


class LightningQubit(Device):
    """``lightning.qubit``: an alias of qsym's statevector simulator (same numbers)."""

    def __init__(self, wires=None, shots=None, seed="global", **kwargs):
        check_device_options(kwargs)
        super().__init__("lightning.qubit", wires=wires, shots=shots, seed=seed)


def _unsimulated(cls_name: str, name: str):
    def __init__(self, *args, **kwargs):
        raise DeviceError(
            f"qml.devices.{cls_name} ({name!r}) needs {UNSIMULATED_DEVICES[name]}, which "
            "qsym does not simulate; use qml.devices.DefaultQubit (pure states, exact or "
            "sampled)"
        )

    return type(cls_name, (Device,), {"__init__": __init__, "__doc__": f"Not available: {name}."})


DefaultMixed = _unsimulated("DefaultMixed", "default.mixed")
DefaultQutrit = _unsimulated("DefaultQutrit", "default.qutrit")
DefaultQutritMixed = _unsimulated("DefaultQutritMixed", "default.qutrit.mixed")
DefaultGaussian = _unsimulated("DefaultGaussian", "default.gaussian")
DefaultClifford = _unsimulated("DefaultClifford", "default.clifford")
DefaultTensor = _unsimulated("DefaultTensor", "default.tensor")
NullQubit = _unsimulated("NullQubit", "null.qubit")

__all__ = ["Device", "DefaultQubit", "LightningQubit", "DefaultMixed", "DefaultQutrit",
           "DefaultQutritMixed", "DefaultGaussian", "DefaultClifford", "DefaultTensor",
           "NullQubit"]
