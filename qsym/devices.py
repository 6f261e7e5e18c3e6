"""Devices: what simulates circuits and counts what it ran (``qml.device``,
``qml.Tracker``, PennyLane's ``qml.devices``), and the memory a circuit needs.

A :class:`Device` holds what a QNode reads (wires, shots, the random generator of its
samples) and two counters, ``num_executions`` (circuits) and ``num_calls`` (evaluations
and derivatives), changed only by :func:`qsym._executors.execute`, once per evaluation (it also reports
the evaluation to the active :class:`Tracker` objects). ``qml.devices.DefaultQubit(wires=None, shots=None,
seed="global")`` is the device ``qml.device("default.qubit", ...)`` makes;
``LightningQubit`` is the same simulator under PennyLane-Lightning's name;
``DefaultMixed`` is the density-matrix simulator (``qml.device("default.mixed", ...)``);
the other simulators qsym does not have exist as names, and creating one raises
:class:`qsym.errors.DeviceError` naming what is missing.

>>> import qsym as qml
>>> dev = qml.devices.DefaultQubit(wires=2, shots=100, seed=7)
>>> dev.name, dev.wires, dev.shots, isinstance(dev, qml.devices.Device)
('default.qubit', Wires([0, 1]), Shots(total_shots=100, shot_vector=(ShotCopies(100 shots x 1),)), True)
>>> dev.given_shots
100
"""

from __future__ import annotations

import copy
import dataclasses
import enum

import contextlib
import contextvars
import numbers
import threading
import types
import warnings
from collections.abc import Hashable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ArgumentError, DeviceError, QuantumFunctionError, WireError
from ._options import check_mcm_options, is_device_method
from ._capabilities import DeviceCapabilities, ExecutionCondition, OperatorProperties
from ._shots import check_shots
from .wires import Wires
from .resource import SpecsResources
from .math import Interface

# "lightning.qubit" and "reference.qubit" (PennyLane's plain reference simulator) are
# aliases of qsym's simulator: pure states, exact or sampled, the same numbers
DEVICE_NAMES = ("default.qubit", "lightning.qubit", "reference.qubit", "qsym.qubit",
                "default.mixed")
# PennyLane's derivative methods of each simulator qsym provides (its supports_derivatives;
# the first is what "best" resolves to): default.qubit backpropagates (the adjoint method
# with max_workers), lightning.qubit differentiates by the adjoint method only,
# default.mixed by backpropagation only, reference.qubit not at all (parameter shift)
DERIVATIVE_METHODS = {"lightning.qubit": ("adjoint",), "default.mixed": ("backprop",),
                      "reference.qubit": ()}


def derivative_methods(dev) -> tuple:
    """The derivative methods PennyLane's device of ``dev``'s name supports (its
    ``supports_derivatives``), ``"best"``'s first: :data:`DERIVATIVE_METHODS`, else
    ``default.qubit``'s (``"backprop"``, ``"adjoint"``).

    >>> import qsym as qml
    >>> [derivative_methods(qml.device(n, wires=1))
    ...  for n in ("default.qubit", "lightning.qubit", "reference.qubit")]
    [('backprop', 'adjoint'), ('adjoint',), ()]
    """
    return DERIVATIVE_METHODS.get(getattr(dev, "name", None), ("backprop", "adjoint"))


# the density-matrix simulator: noise channels, mixed states (qsym._mixed)
MIXED_DEVICES = ("default.mixed",)
# PennyLane device names qsym does not simulate, with what is missing
UNSIMULATED_DEVICES = {
    "lightning.gpu": "GPU simulation",
    "lightning.kokkos": "Kokkos simulation",
    "lightning.tensor": "tensor-network simulation",
    "default.qutrit": "qutrits",
    "default.qutrit.mixed": "qutrits and noise channels",
    "default.clifford": "the stabilizer (Clifford) simulator",
    "default.tensor": "tensor-network simulation",
    "default.qubit.legacy": "the legacy device API",
}


# device classes of the modules above (``qsym._null_qubit``): name -> class, registered
# by :func:`register_device_class`; ``qml.device(name, ...)`` makes one
DEVICE_CLASSES: dict = {}

# the class of gradient transforms (qsym._transform, above this module, adds its Transform):
# PennyLane's ExecutionConfig takes a gradient_method that is a str, one of them, or None
GRADIENT_METHOD_TYPES: list = []


def register_device_class(cls) -> None:
    """Make ``qml.device(cls.name, ...)`` create ``cls`` (a :class:`Device` subclass of a
    module above this one; its name as a class attribute or property of its instances),
    and ``qml.devices.<cls.__name__>`` name it."""
    name = cls.name.fget(None) if isinstance(cls.name, property) else cls.name
    DEVICE_CLASSES[name] = cls
    globals()[cls.__name__] = cls


def _global_seed(name: str = "default.qubit"):
    """PennyLane's ``seed="global"``: one draw from NumPy's global generator at device
    creation, so ``np.random.seed(42)`` before the device makes its samples reproducible.
    The draw is the one PennyLane's device of that name makes (``default.qubit``:
    ``randint(0, 10**7)``; ``lightning.qubit``: ``randint(2**31 - 1)``), so the global
    stream a script draws from afterwards is the same as under PennyLane."""
    if name.startswith("lightning"):
        return np.random.randint(2**31 - 1)
    return np.random.randint(0, high=10000000)


_UNMADE = object()  # Device._rng not made yet



def _seed_ok(seed) -> bool:
    """Whether ``numpy.random.default_rng(seed)`` makes the samples' generator, as PennyLane's
    ``default.qubit`` makes it: None, a non-negative int or a 1-D sequence of them, or a
    NumPy Generator, BitGenerator, SeedSequence or RandomState.

    >>> _seed_ok(7), _seed_ok([1, 2]), _seed_ok(np.random.PCG64(3)), _seed_ok(-1), _seed_ok(1.5)
    (True, True, True, False, False)
    """
    rnd = np.random
    if seed is None or isinstance(seed, (rnd.Generator, rnd.BitGenerator, rnd.SeedSequence,
                                         rnd.RandomState)):
        return True
    if isinstance(seed, numbers.Integral):
        return seed >= 0
    if isinstance(seed, (list, tuple, np.ndarray)) and np.ndim(seed) == 1 and len(seed):
        try:
            rnd.SeedSequence(seed)
        except (TypeError, ValueError):
            return False
        return all(isinstance(v, numbers.Integral) for v in seed)
    return False

class Device:
    """A statevector simulator: qsym's compiled kernels, exact, or sampled with ``shots``.

    The names ``"default.qubit"`` and ``"lightning.qubit"`` are accepted so that
    PennyLane code runs unchanged; both select qsym's own simulator. ``wires`` is a number
    of wires, a list of labels, or None (PennyLane's default: the wires are those the
    circuit uses, found when it is traced). ``shots=N`` estimates every measurement from
    ``N`` samples of the simulated state (:mod:`qsym._shots`); ``seed`` (an int, a NumPy
    generator, None for fresh entropy, or ``"global"``, the default: a seed drawn from
    NumPy's global generator, as PennyLane does) makes the samples reproducible.

    >>> Device("default.qubit", wires=["a", "b"]).wires
    Wires(['a', 'b'])
    >>> Device("default.qubit").wires is None
    True
    """

    def __init__(self, name: str = "default.qubit", wires=None, shots=None, seed="global"):
        if name in UNSIMULATED_DEVICES:
            raise DeviceError(
                f"device {name!r} needs {UNSIMULATED_DEVICES[name]}, which qsym does not "
                f"simulate; qsym provides {', '.join(DEVICE_NAMES)} (exact or sampled "
                "pure-state simulation)"
            )
        if name not in DEVICE_NAMES and name not in DEVICE_CLASSES:
            raise DeviceError(f"Device {name} does not exist. Make sure the required plugin is "
                              f"installed. (unknown device {name!r}; qsym provides "
                              f"{', '.join(DEVICE_NAMES)})")  # (PennyLane's words first)
        if wires is None:
            labels = None
        elif isinstance(wires, (bool, str, bytes)) or not isinstance(
            wires, (numbers.Integral, Iterable)
        ):
            raise DeviceError(
                f"wires must be a number of wires, a list of labels or None, got {wires!r}"
            )
        elif isinstance(wires, numbers.Integral):
            # a user's device class may have none (PennyLane's Device(wires=0): Wires([]));
            # qsym's simulators need one
            if wires < 1 and not (wires == 0 and users_class(type(self))):
                raise DeviceError(f"a device needs at least one wire, got wires={wires}")
            _check_wire_count(int(wires))
            labels = Wires(range(int(wires)))
        else:
            if not isinstance(wires, (list, tuple, range, np.ndarray, Wires)):
                wires = tuple(wires)  # any iterable of labels (a networkx graph's nodes), as PennyLane
            if len(wires) == 0:
                raise DeviceError("a device needs at least one wire")
            _check_wire_count(len(wires))
            try:
                labels = Wires(wires)
            except WireError:  # PennyLane's type, qsym's message
                for label in wires:  # a list or a dict as a label
                    try:
                        hash(label)
                    except TypeError:
                        raise WireError(
                            f"wire labels must be hashable (numbers, strings, tuples), got "
                            f"{label!r} in {list(wires)!r}") from None
                raise WireError(f"duplicate wire labels {list(wires)}: a device's wire "
                                "labels must be unique") from None
        # a user's device class on PennyLane's base class (not on one of qsym's simulators)
        user = users_class(type(self))
        if user and type(self).execute is Device.execute:  # PennyLane's abstract method
            raise TypeError(f"Can't instantiate abstract class {type(self).__name__} without "
                            "an implementation for abstract method 'execute'")
        declared = next((vars(c)["name"] for c in type(self).__mro__
                         if c.__module__.split(".")[0] != "qsym"
                         and isinstance(vars(c).get("name"), str)), None)
        if declared is not None and name == "default.qubit":
            name = declared  # a user's device class naming itself (name = "my.device")
        elif user and name == "default.qubit":
            name = type(self).__name__  # PennyLane's default: the class's name
        if not isinstance(getattr(type(self), "name", None), property):
            self.name = name
            self.short_name = name
        # a density-matrix simulator (noise channels): its QNodes run on qsym._mixed
        self.mixed = name in MIXED_DEVICES
        self.readout_prob = None  # default.mixed's readout errors (DefaultMixed)
        if self.mixed and labels is not None and len(labels) > MIXED_MAX_WIRES:
            raise DeviceError(
                f"This device does not currently support computations on more than "
                f"{MIXED_MAX_WIRES} wires (qsym: a density matrix of 4**n numbers)")
        self._device_wires = labels  # read as ``wires`` (fixed once made, as PennyLane's)
        # the shots as qsym's runtime reads them (a plain attribute: read at every call):
        # None (exact), an int, or a Shots for a shot vector; ``shots`` is PennyLane's view
        self.given_shots = check_shots(shots)
        if self.given_shots is not None:  # PennyLane 0.45's deprecation (the shots still work)
            from .exceptions import PennyLaneDeprecationWarning
            warnings.warn(
                "Setting shots on device is deprecated. Please use the `set_shots` transform "
                "on the respective QNode instead.", PennyLaneDeprecationWarning, stacklevel=3)
        if isinstance(seed, str) and seed == "global":
            seed = _global_seed(name)
        elif not _seed_ok(seed):
            raise DeviceError(
                "seed must be a non-negative int (or a list of them), None, \"global\" or a "
                f"numpy Generator, BitGenerator, SeedSequence or RandomState, got {seed!r}"
            )
        self.seed = seed
        # the samples' generator (``rng``, PennyLane's ``_rng``): made at its first use;
        # made now (PennyLane's ``__init__`` assigns it) where a class shadows the property
        # (a class attribute ``_rng`` would otherwise stand for every instance's generator)
        if type(self)._rng is not _RNG:
            self._rng = np.random.default_rng(seed)
        # PennyLane's DefaultQubit attributes (the device options of ExecutionConfig)
        self._prng_key, self._max_workers, self._debugger = None, None, None
        self.num_executions = 0  # circuits run on this device (see qsym.Tracker)
        self.num_calls = 0  # QNode evaluations and derivatives run on this device
        self.trackers: list = []  # the active qsym.Tracker objects
        # PennyLane's attribute: a Tracker of its own (``with dev.tracker:``), replaced by
        # the last qsym.Tracker made for it
        self.tracker = Tracker(self)

    # PennyLane's device capabilities (a DeviceCapabilities from a TOML file): qsym's
    # simulators declare none; what they run is the gate table and qsym's measurements
    capabilities = None
    config_filepath = None

    def __init_subclass__(cls, **kwargs):
        # PennyLane's rule for a device class: preprocess, or setup_execution_config and
        # preprocess_transforms, not both
        base = Device.__dict__
        if "preprocess" in base and cls.preprocess is not base["preprocess"] and (
                cls.setup_execution_config is not base["setup_execution_config"]
                or cls.preprocess_transforms is not base["preprocess_transforms"]):
            raise ValueError("A device should implement either `preprocess` or "
                             "`setup_execution_config` and `preprocess_transforms`, but not both.")
        if vars(cls).get("config_filepath") is not None:  # PennyLane loads it here
            cls.capabilities = DeviceCapabilities.from_toml_file(cls.config_filepath)
        if users_class(cls) and getattr(cls, "__getattr__", None) is None:
            cls.__getattr__ = Device._legacy_attribute
        super().__init_subclass__(**kwargs)

    @property
    def _rng(self):
        """PennyLane's ``dev._rng``: ``numpy.random.default_rng(seed)``, made at its first
        read (issue #17: making it was 0.15 ms of a new process's first answer, which draws
        no sample unless it has shots). The same generator as one made with the device: an
        int seed gives the same stream, a Generator is itself, None fresh entropy; a copy
        or a pickle makes it first (:meth:`__getstate__`), so a copy shares it as before.

        >>> dev = Device("default.qubit", wires=1, seed=7)
        >>> bool(dev._rng.random() == np.random.default_rng(7).random())
        True
        """
        rng = self.__dict__.get("_samples_rng", _UNMADE)
        if rng is _UNMADE:  # (two threads: one generator, the first stored)
            rng = self.__dict__.setdefault("_samples_rng", np.random.default_rng(self.seed))
        return rng

    @_rng.setter
    def _rng(self, value):
        self.__dict__["_samples_rng"] = value

    def __getstate__(self):
        self._rng  # made before a copy or a pickle takes the state (a copy shares it)
        base = getattr(super(), "__getstate__", None)  # (Python 3.11's object.__getstate__)
        return self.__dict__ if base is None else base()

    @property
    def rng(self):
        """The generator the device samples with (PennyLane's ``dev._rng``); set
        ``dev._rng = None`` (as PennyLane's tests do) and it samples from NumPy's global
        random functions (``np.random.binomial``, ...)."""
        return np.random if self._rng is None else self._rng

    @rng.setter
    def rng(self, value):
        self._rng = value

    @property
    def wires(self):
        """The device's wires (a :class:`qsym.wires.Wires`), or None: a circuit's own
        wires. Fixed when the device is made, as PennyLane's (assigning raises
        ``AttributeError``)."""
        return self._device_wires

    @wires.setter
    def wires(self, _):
        raise AttributeError("a device's wires cannot be set after it is made (PennyLane's "
                             "rule); make another device: qml.device(name, wires=...)")

    @property
    def num_wires(self) -> int | None:
        return None if self.wires is None else len(self.wires)

    def widened(self, wires) -> "Device":
        """This device with ``wires`` after its own (:meth:`rewired`). PennyLane's
        ``dev.execute(tape)`` (no preprocessing) simulates a tape's wires whether the device
        has them or not (a gradient transform's auxiliary wire); qsym runs such a tape on
        this copy.

        >>> Device("default.qubit", wires=2).widened([5]).wires
        Wires([0, 1, 5])
        """
        return self.rewired(list(self.wires or ()) + list(wires))

    def rewired(self, wires) -> "Device":
        """A copy of this device on exactly ``wires``, sharing its shots, random generator
        and tracker (made once per list of wires): the wires a computation runs on when
        they are not the device's (:meth:`widened`; a measurement class of the user's own
        gets the state of the tape's wires only, as PennyLane's ``default.qubit``).

        >>> Device("default.qubit").rewired(["a", "b"]).wires
        Wires(['a', 'b'])
        """
        key = tuple(wires)
        if self.wires is not None and key == tuple(self.wires):
            return self
        copies = self.__dict__.setdefault("_rewired_copies", {})
        other = copies.get(key)
        if other is None:
            other = copy.copy(self)
            other.__dict__.pop("_rewired_copies", None)
            other._device_wires = Wires(list(key))
            copies[key] = other
        return other

    @property
    def shots(self):
        """The device's default shots as a ``Shots`` (PennyLane's ``dev.shots``:
        ``Shots(None)`` for exact results); read only, as PennyLane's (set shots on a QNode
        with ``qml.set_shots``, or make another device). qsym's runtime reads
        ``dev.given_shots``: None, an int, or a ``Shots`` for a shot vector.

        >>> import qsym as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> dev.shots, bool(dev.shots), dev.given_shots is None
        (Shots(total_shots=None, shot_vector=()), False, True)
        """
        from ._shots import Shots
        return Shots(self.given_shots)

    @shots.setter
    def shots(self, _):
        raise AttributeError(
            "Shots can no longer be set on a device instance. You can set shots on a call to "
            "a QNode, on individual tapes, or create a new device instance instead. (qsym: "
            "qml.set_shots(qnode, shots=...), or qml.device(..., shots=...))")

    @property
    def _shots(self):
        """PennyLane's ``dev._shots``: the device's shots as a ``Shots``."""
        return self.shots

    def __repr__(self):
        if users_class(type(self)):  # PennyLane's repr of a device class
            details = ([f"wires={len(self.wires)}"] if self.wires else []) + (
                [f"shots={self.given_shots}"] if self.given_shots else [])
            details = f"({', '.join(details)}) " if details else ""
            return f"<{self.name} device {details}at {hex(id(self))}>"
        wires = None if self.wires is None else list(self.wires)
        return f"<qsym device {self.name!r}, wires={wires}>"

    def _legacy_attribute(self, key):
        # a user's device class only (PennyLane's message for the legacy API), installed as
        # its __getattr__ by __init_subclass__: a class with a __getattr__ loses CPython's
        # specialized attribute reads, which qsym's own devices keep (every call reads them)
        raise AttributeError(
            f"{type(self).__name__} has no attribute '{key}'. You may be looking for a "
            "property or method present in the legacy device interface. Please consult the "
            f"{type(self).__name__} documentation for an updated list of public properties "
            "and methods.")


# More wires than any machine's memory holds the state of (16 * 2**60 bytes = 16 EiB):
# refused when the device is made, before a list of their labels fills the memory.
MAX_WIRES = 60


def users_class(cls) -> bool:
    """Whether ``cls`` is a user's device class on PennyLane's base class
    ``qml.devices.Device`` (not qsym's ``Device`` itself, nor a subclass of one of qsym's
    simulators such as ``qml.devices.DefaultQubit``).

    >>> Mine = type("Mine", (Device,), {"__module__": "my_plugin"})
    >>> users_class(Mine), users_class(DefaultQubit), users_class(Device)
    (True, False, False)
    """
    return cls is not Device and not any(c.__module__.split(".")[0] == "qsym" and c is not Device
                                         for c in cls.__mro__ if c is not object)


# PennyLane's legacy devices (qml.devices.QubitDevice & co, qsym._legacy_device, above this
# module): the function that wraps one in a device of the current API, registered there
_LEGACY_FACADE = []


def register_legacy_facade(wrap) -> None:
    """Register ``wrap(device)``: a legacy device as a device of the current API (PennyLane's
    ``LegacyDeviceFacade``; :mod:`qsym._legacy_device` registers it when imported), used
    by :func:`current_api`.

    >>> saved = list(_LEGACY_FACADE)
    >>> register_legacy_facade(lambda device: ("wrapped", device))
    >>> current_api("a legacy device")
    ('wrapped', 'a legacy device')
    >>> _LEGACY_FACADE[:] = saved
    """
    _LEGACY_FACADE[:] = [wrap]


def current_api(device):
    """``device`` itself, or a legacy device (a ``qml.devices.QubitDevice`` subclass's
    instance) wrapped as a device of the current API, as PennyLane's QNode and
    ``qml.execute`` wrap one.

    >>> dev = Device("default.qubit")
    >>> current_api(dev) is dev
    True
    """
    if isinstance(device, Device) or not _LEGACY_FACADE:
        return device
    return _LEGACY_FACADE[0](device)


# the derivative methods only a device gives (PennyLane's "device-only derivatives")
DEVICE_ONLY_METHODS = ("backprop", "adjoint", "device")


def unsupported_method(device, diff_method, where: str) -> QuantumFunctionError:
    """PennyLane's ``QuantumFunctionError`` for a device-only ``diff_method`` the device's
    ``supports_derivatives`` refuses (``where``: whose check, in qsym's note).

    >>> str(unsupported_method("<dev>", "device", "a QNode's")).split(" (")[0]
    'Device <dev> does not support device with requested circuit.'
    """
    return QuantumFunctionError(
        f"Device {device} does not support {diff_method} with requested circuit. (qsym: "
        f"PennyLane's check of {where} diff_method: give a method the device supports, e.g. "
        "'parameter-shift' (qml.gradients.param_shift), or a device class with "
        "compute_derivatives for 'device')")


def runs_own_execute(dev) -> bool:
    """Whether ``dev`` is a user's device class (a subclass of :class:`Device`, as
    PennyLane's ``qml.devices.Device``) that defines its own ``execute``: QNodes on it
    run their tapes through that ``execute`` (not qsym's simulator), and differentiate by
    parameter shift with the shifted tapes run there too.

    >>> class Zero(Device):
    ...     def execute(self, circuits, execution_config=None):
    ...         return tuple(0.0 for _ in circuits)
    >>> runs_own_execute(Zero()), runs_own_execute(Device("default.qubit"))
    (True, False)
    """
    return defines_execute(dev) and id(dev) not in _BASE_EXECUTE.get()


def defines_execute(dev) -> bool:
    """Whether ``dev``'s class is a user's device class defining its own ``execute`` (what
    :func:`runs_own_execute` answers outside the class's base ``execute``), or ``dev`` has
    an ``execute`` of its own set on it (a test's ``mocker.spy(dev, "execute")``, a
    monkeypatch): QNodes then send it their tapes, preprocessed as PennyLane's.

    >>> class Zero(Device):
    ...     def execute(self, circuits, execution_config=None):
    ...         return tuple(0.0 for _ in circuits)
    >>> defines_execute(Zero()), defines_execute(Device("default.qubit"))
    (True, False)
    >>> dev = Device("default.qubit")
    >>> dev.execute = lambda circuits, execution_config=None: Device.execute(dev, circuits)
    >>> defines_execute(dev)
    True
    """
    return isinstance(dev, Device) and (type(dev).execute is not Device.execute
                                        or execute_set_on(dev))


def execute_set_on(dev) -> bool:
    """Whether an ``execute`` is set on the device object itself (a spy, a monkeypatch), not
    only its class's: read by attribute, not from the object's ``__dict__``. On CPython
    3.11 asking for an object's ``__dict__`` makes it a dictionary for good, and every
    later attribute read and write of the object gets slower (a device's two counters,
    added at each call: 51 -> 110 ns). Only an ``execute`` set on the object that is
    exactly the class's own bound to this object (which runs as the class's does) is not
    told apart.

    >>> dev = Device("default.qubit")
    >>> execute_set_on(dev)
    False
    >>> dev.execute = lambda circuits, execution_config=None: Device.execute(dev, circuits)
    >>> execute_set_on(dev)
    True
    """
    found = getattr(dev, "execute", None)
    return not (type(found) is types.MethodType and found.__self__ is dev
                and found.__func__ is getattr(type(dev), "execute", None))


# the devices whose base ``execute`` is running: a user's device class that calls
# ``super().execute(circuits)`` from its own ``execute`` has its tapes simulated by qsym there,
# not sent back through the class's ``execute`` (which would call itself again)
_BASE_EXECUTE: contextvars.ContextVar = contextvars.ContextVar("qsym_base_execute",
                                                               default=frozenset())


@contextlib.contextmanager
def base_execute(dev):
    """Inside, ``dev`` runs its tapes on qsym's simulator (:func:`runs_own_execute` is False
    for it): the base class's ``execute`` (PennyLane's ``DefaultQubit.execute``) running.

    >>> class Zero(Device):
    ...     def execute(self, circuits, execution_config=None):
    ...         return tuple(0.0 for _ in circuits)
    >>> dev = Zero()
    >>> with base_execute(dev):
    ...     runs_own_execute(dev)
    False
    """
    token = _BASE_EXECUTE.set(_BASE_EXECUTE.get() | {id(dev)})
    try:
        yield
    finally:
        _BASE_EXECUTE.reset(token)


def untransformed_device(device):
    """The device a transformed device was made from, without any of its transforms (the
    device itself if it has none).

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> twice = qml.transforms.merge_rotations(qml.transforms.cancel_inverses(dev))
    >>> untransformed_device(twice) is dev, twice.original_device.original_device is dev
    (True, True)
    """
    while getattr(device, "_is_transformed_device", False):
        device = device.original_device
    return device


def own_derivatives(dev, diff_method, grad_on_execution="best"):
    """The name of the derivative method of a user's device class a QNode differentiates
    with, as PennyLane's device derivatives: with ``diff_method="device"`` or
    ``"adjoint"`` (or a name of the device's own, :func:`qsym._options.is_device_method`,
    as ``"device"``), ``compute_derivatives`` (``grad_on_execution`` False; ``"best"`` for
    ``"device"``) or ``execute_and_compute_derivatives`` (True; ``"best"`` for
    ``"adjoint"``), if the class defines its own; else None (qsym's exact derivative).

    >>> class Twice(DefaultQubit):
    ...     def compute_derivatives(self, circuits, execution_config=None):
    ...         return tuple(2.0 for _ in circuits)
    >>> own_derivatives(Twice(wires=1), "device"), own_derivatives(Twice(wires=1), "adjoint")
    ('compute_derivatives', None)
    """
    if (diff_method not in ("device", "adjoint") and not is_device_method(diff_method)
            or not isinstance(dev, Device)):
        return None
    on_execution = (diff_method == "adjoint" if grad_on_execution == "best"
                    else bool(grad_on_execution))
    name = "execute_and_compute_derivatives" if on_execution else "compute_derivatives"
    mine = getattr(type(dev), name, None)
    return name if mine is not None and mine is not getattr(Device, name, None) else None


_RNG = Device._rng  # the property (a class that shadows it gets its generator at __init__)


def _check_wire_count(n: int) -> None:
    if n > MAX_WIRES:
        raise DeviceError(
            f"a device of {n} wires cannot be simulated: qsym keeps the state vector of all "
            f"the device's wires (2**{n} amplitudes of 16 bytes; at most {MAX_WIRES} wires "
            "are accepted, and memory limits a machine to far fewer); create the device "
            "with the wires the circuit uses"
        )


# PennyLane's SpecsResources (qsym.resource), the resources of Tracker records
Resources = SpecsResources


def _qubit_wise_groups(words) -> int:
    """The number of groups of qubit-wise commuting Pauli words, greedily (PennyLane's
    grouping of measured Pauli words, ``compute_partition_indices``)."""
    groups: list = []
    for word in words:
        letters = dict(word)
        for g in groups:
            if all(g.get(w, b) == b for w, b in letters.items()):
                g.update(letters)
                break
        else:
            groups.append(dict(letters))
    return len(groups)


def _wire_groups(words) -> int:
    """The number of circuits PennyLane 0.45.1's ``default.qubit`` records for the
    expectation of a Hamiltonian without ``grouping_indices``
    (``sampling._get_num_wire_groups_for_expval_H``): in term order, a word joins the first
    group whose *first* word's wires it does not share, else starts a group. The words a
    group took in later do not count (PennyLane keeps only each group's first wires), so
    ``X0 + Z1 Z2 + Z1 Y3`` is one group (stop 66's oracle: qsym counted two, the wires of a
    whole group).

    >>> _wire_groups([((0, "X"),), ((1, "Z"), (2, "Z")), ((1, "Z"), (3, "Y"))])
    1
    >>> _wire_groups([((0, "X"),), ((0, "Z"), (1, "Z")), ((1, "Y"),)])
    2
    """
    firsts: list = []
    for word in words:
        wires = {w for w, _ in word}
        if all(f & wires for f in firsts):
            firsts.append(wires)
    return len(firsts)


def qpu_executions(circuit, mcm_samples: bool = False, var_as_expval: bool = False) -> int:
    """The circuits hardware would run for one execution of ``circuit`` (PennyLane's
    ``get_num_shots_and_executions``, what ``default.qubit`` records as ``executions``):
    measurements of single Pauli words grouped into qubit-wise commuting groups, the
    measurements without an observable (``probs``, ``sample``/``counts`` of wires,
    ``state``) one group, and every observable of several terms (a Hamiltonian, a sum) its
    groups: those of ``H.compute_grouping()`` if it was called (``grouping_indices``),
    else groups of words on disjoint wires, and for a ``qml.sum`` qubit-wise commuting
    groups (PennyLane 0.45.1's counts, measured); a product, a projector or a ``Hermitian``
    whose Pauli form has several words is one observable, one circuit, and so is the
    variance of a sum (PennyLane splits only the expectation of a sum or a Hamiltonian; a
    ``Hermitian`` is no Pauli word, its own circuit even when its matrix is one).
    ``mcm_samples``: the circuit runs by PennyLane's one-shot method, whose
    ``dynamic_one_shot`` appends a ``sample`` of each mid-circuit measurement (measurements
    without an observable: that group) and drops the statistics of measured values.
    ``var_as_expval``: each variance counted as the expectation of its observable (the
    circuits of ``<A>`` that PennyLane's parameter shift of a variance runs: a sum's
    groups, where the variance itself is one circuit).

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Measurement
    >>> m = Measurement("var", ((sp.S(1), ((0, "Z"),)), (sp.S(1), ((0, "X"),))), split=("sum",))
    >>> c = Circuit(1, (), (m,))
    >>> qpu_executions(c), qpu_executions(c, var_as_expval=True)
    (1, 2)
    """
    words, others, plain = [], 0, mcm_samples
    for m in circuit.measurements:
        if getattr(m, "shadow", None):  # counted per snapshot: shadow_measurements
            continue
        if mcm_samples and (getattr(m, "of_values", False)
                            or getattr(m, "label", ())[1:2] == ("MeasurementValue",)):
            continue  # (one-shot's auxiliary tape samples the values instead)
        terms = [word for _, word in m.terms if word]
        written = "".join(getattr(m, "label", ())[1:2])
        kind = getattr(m, "kind", "expval")
        if (getattr(m, "split", ())[:1] == ("hamiltonian",) and not m.split[1]
                and not getattr(m, "groups", 0)
                and (kind == "expval" or (var_as_expval and kind == "var"))):
            # the expectation of a Hamiltonian whose operands are all Identity (a constant,
            # not grouped): no circuit, no shots (PennyLane's wire groups skip Identity
            # operands: 0; alone it ran one, beside others it joined their group)
            continue
        if not m.terms:
            plain = True
        elif written.startswith(("Hermitian", "Projector")):  # no Pauli word: its own circuit
            others += 1
        elif len(m.terms) == 1:
            words.append(m.terms[0][1])
        else:
            # a qml.sum's words in qubit-wise commuting groups, a Hamiltonian's on disjoint
            # wires (PennyLane 0.45.1's split_non_commuting, measured); anything else (a
            # product, a variance or another statistic of a sum) one operator, measured as one
            form = getattr(m, "split", ())
            if ((kind != "expval" and not (var_as_expval and kind == "var"))
                    or written.startswith("Prod(")
                    or form[:1] == ("one",)):
                others += 1
                continue
            if form[:1] == ("hamiltonian",):  # its own operands (a sum among them: one)
                terms = [tuple((w, "Z") for w in wires) for wires in form[1]]
            split = (_qubit_wise_groups if form[:1] == ("sum",) or (
                not form and written.startswith("Sum(")) else _wire_groups)
            others += max(getattr(m, "groups", 0) or split(terms), 1)
    return _qubit_wise_groups(words) + int(plain) + others


def shadow_measurements(circuit) -> int:
    """The classical shadows among ``circuit``'s measurements: PennyLane counts each as one
    execution per shot (a snapshot), and its shots once.

    >>> import qsym as qml
    >>> shadow_measurements(qml.tape.QuantumScript([], [qml.classical_shadow(wires=[0])]))
    1
    """
    return sum(1 for m in circuit.measurements if getattr(m, "shadow", None))


class Tracker:
    """Counts what a device ran inside a ``with`` block (PennyLane's ``qml.Tracker``),
    with the records PennyLane 0.45's ``default.qubit`` makes:

    - an evaluation is one batch, ``update(batches=1)``, then one record per circuit,
      ``update(simulations=1, executions=..., results=..., [shots=...,] resources=...,
      errors={})``; ``executions`` counts the circuits hardware would run
      (:func:`qpu_executions`: one per group of qubit-wise commuting measurements, times
      the batch size of a broadcast circuit), ``shots`` the samples drawn;
    - a gradient by parameter shift or finite differences is two batches, as in
      PennyLane: the value circuit (with its ``results``), then the shifted circuits, one
      record each (without ``results``: qsym's compiled code sums the shifted values
      without returning them one by one);
    - an adjoint gradient (``diff_method="adjoint"`` or ``"device"``) is one device
      derivative: ``update(resources=..., errors={})``, then
      ``update(execute_and_derivative_batches=1, executions=1, derivatives=1)``;
    - ``diff_method="backprop"`` or ``"best"`` (PennyLane's backpropagation, qsym's adjoint
      method) is recorded as PennyLane records backpropagation: one evaluation.

    ``totals`` sums the numeric values, ``history`` lists each key's values one per
    update, ``latest`` is the last update, and a ``callback(totals=..., history=...,
    latest=...)`` runs after each record, as in PennyLane. ``persistent=True`` keeps what
    an earlier ``with`` block recorded.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev, diff_method="parameter-shift")
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> with qml.Tracker(dev) as tracker:
    ...     _ = qml.grad(c, argnum=0)(0.3)
    ...     _ = c(0.0)
    >>> tracker.totals   # the gradient: 2 batches (value, 2 shifted circuits); c(0.0): 1
    {'batches': 3, 'simulations': 4, 'executions': 4, 'results': np.float64(1.9553364891256058)}
    >>> tracker.history["executions"], tracker.history["batches"], tracker.latest["results"]
    ([1, 1, 1, 1], [1, 1, 1], np.float64(1.0))
    >>> tracker.latest["resources"].gate_types
    {'RX': 1}
    """

    def __init__(self, dev: Device = None, callback=None, persistent: bool = False,
                 persistence: bool | None = None):
        if dev is not None and not isinstance(dev, Device):
            if not hasattr(dev, "tracker"):  # PennyLane's test and message
                raise DeviceError(f"Device '{getattr(dev, 'short_name', type(dev).__name__)}' "
                                  "does not support device tracking")
        if callback is not None and not callable(callback):
            raise ArgumentError("Tracker callback must be callable, e.g. callback(totals, history, latest)")
        self.device = dev
        self.callback = callback
        self.persistent = bool(persistent if persistence is None else persistence)
        self.active = False
        self.reset()
        if dev is not None:
            dev.tracker = self  # PennyLane's attribute (a qsym device reports to
            # every tracker active on it: Device.trackers)

    persistence = property(lambda self: self.persistent)  # qsym's earlier name

    def __repr__(self):
        return (f"Tracker(active={self.active}, totals={self.totals}, history={self.history}, "
                f"latest={self.latest}, persistent={self.persistent})")

    def reset(self):
        """Forget everything recorded."""
        self.totals = {}
        self.history = {}
        self.latest = {}

    def update(self, **kwargs):
        """Record ``kwargs`` (PennyLane's ``Tracker.update``): ``latest`` becomes them, each
        is appended to ``history``, numeric ones are added to ``totals``."""
        self.latest = kwargs
        for k, v in kwargs.items():
            self.history.setdefault(k, []).append(v)
            if v is not None and isinstance(v, numbers.Number):
                self.totals[k] = v + self.totals.get(k, 0)

    def record(self, runs: int = None, **info):
        """PennyLane's ``Tracker.record``: the callback, if any, with the current
        ``totals``, ``history`` and ``latest``. Called by :func:`qsym._executors.execute`
        with the ``runs`` of one evaluation or derivative and what it ran (``info``:
        :func:`qsym._executors.tracker_info`), it first makes PennyLane's updates for it."""
        if runs is not None:
            self._device_records(runs, **info)
            return
        if self.callback is not None:
            self.callback(totals=self.totals, history=self.history, latest=self.latest)

    def _device_records(self, runs, how="values", circuit=None, size=None, shots_each=None,
                        resources=None, results=None, mcm_samples=False, expval_circuits=0,
                        **_):
        """``how``: ``"values"`` (one circuit), ``"shifts"`` (the value circuit, then a batch
        of the other ``runs - 1``), ``"shifted"`` (a batch of ``runs`` shifted circuits: the
        value was recorded by autograd's forward pass), ``"device"`` (a device derivative).
        ``expval_circuits``: how many of the shifted circuits measure each variance's
        observable by its expectation value (PennyLane's parameter shift of a variance:
        the circuits of ``<A>``; :func:`qsym._executors.tracker_info`)."""
        shadows = shadow_measurements(circuit) if circuit is not None else 0
        count = runs // (size or 1) if size else runs  # circuits (each broadcast: B runs)

        groups_of = {var_as_expval: qpu_executions(circuit, mcm_samples, var_as_expval)
                     if circuit is not None else 1
                     for var_as_expval in ((False, True) if expval_circuits else (False,))}

        def one_circuit(with_results, var_as_expval=False):
            groups = groups_of[var_as_expval]
            per_circuit = (groups + shadows * int(shots_each or 0)) * (size or 1)
            kw = {"simulations": 1, "executions": per_circuit}
            if with_results:
                kw["results"] = results
            if shots_each:
                kw["shots"] = int(shots_each) * (groups + shadows) * (size or 1)
            kw["resources"] = resources
            kw["errors"] = {}
            self.update(**kw)
            self.record()

        if how == "shifted":  # autograd's backward pass under shots: the shifted circuits
            if count:  # alone (the forward pass recorded the value circuit)
                self.update(batches=1)
                self.record()
                for k in range(count):
                    one_circuit(False, k < expval_circuits)
            return
        if how == "value_then_device":  # grad_on_execution=False: the value's batch, then
            self._batch()  # the device derivative alone
            one_circuit(True)
            self.update(derivative_batches=1, derivatives=count * (size or 1))
            self.record()
            return
        if how == "device":  # a device derivative (adjoint): no batch of executions; a
            # broadcast circuit is one circuit per row (PennyLane's adjoint splits it)
            self.update(resources=resources, errors={})
            rows = count * (size or 1)
            self.update(execute_and_derivative_batches=1, executions=rows, derivatives=rows)
            self.record()
            return
        self._batch()
        one_circuit(True)
        if how == "values" or count <= 1:
            return
        self.update(batches=1)  # the shifted (or stepped) circuits
        self.record()
        for k in range(count - 1):
            one_circuit(False, k < expval_circuits)

    def _batch(self):
        """One batch, unless this tracker counted one already in the :func:`one_batch`
        scope running on this thread (the circuits of one ``dev.execute(tapes)``)."""
        counted = getattr(_BATCH, "counted", None)
        if counted is not None:
            if id(self) in counted:
                return
            counted.add(id(self))
        self.update(batches=1)
        self.record()

    def __enter__(self):
        if not self.persistent:
            self.reset()
        self.active = True
        if isinstance(self.device, Device):
            self.device.trackers.append(self)
        return self

    def __exit__(self, *exc):
        self.active = False
        if isinstance(self.device, Device) and self in self.device.trackers:
            self.device.trackers.remove(self)
        return False


# PennyLane's class attribute (each device gets its own in __init__)
Device.tracker = Tracker()

_BATCH = threading.local()  # .counted: ids of the trackers that counted this scope's batch


@contextlib.contextmanager
def one_batch(shared=None):
    """Inside, the circuits run on a device count as one batch for each tracker, as
    PennyLane counts ``dev.execute(tapes)`` and ``qml.execute(tapes, dev)`` of several tapes
    (each circuit still has its own record). Scopes nest: the outermost counts; ``shared``
    (:func:`batch_scope` of another thread) joins that thread's scope.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0)], [qml.expval(qml.Z(0))])
    >>> with qml.Tracker(dev) as tracker:
    ...     _ = dev.execute([t, t])
    >>> tracker.totals["batches"], tracker.totals["executions"]
    (1, 2)
    """
    if getattr(_BATCH, "counted", None) is not None:
        yield
        return
    _BATCH.counted = set() if shared is None else shared
    try:
        yield
    finally:
        _BATCH.counted = None


def batch_scope():
    """The trackers that counted the batch of the :func:`one_batch` scope running on this
    thread (None outside one): give it to ``one_batch(shared)`` in a worker thread that runs
    circuits of the same batch."""
    return getattr(_BATCH, "counted", None)


def available_memory() -> int:
    """Bytes of memory available now without swapping (``psutil.virtual_memory().available``:
    Linux's ``MemAvailable``, and its counterpart on macOS and Windows). On Linux, until
    psutil is imported, ``MemAvailable`` is read from ``/proc/meminfo`` here, where psutil
    reads it: importing psutil costs 15-40 ms, the largest single cost of a small
    circuit's first call (docs/design.md, "The first answer: where the time goes")."""
    import sys

    if "psutil" not in sys.modules and sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo", "rb") as fh:
                for line in fh:
                    if line.startswith(b"MemAvailable:"):
                        return int(line.split()[1]) * 1024  # kB
        except (OSError, ValueError, IndexError):
            pass
    import psutil

    return int(psutil.virtual_memory().available)


def state_memory(num_wires: int, method: str, num_outputs: int = 1) -> int:
    """Bytes of state vectors a gradient needs: 16 bytes per amplitude, times the states
    kept at once (parameter shift: the state before the current gate, the shifted copy and
    the value circuit's; adjoint: the state, a work vector and one per measured row)."""
    states = 2 + num_outputs if method == "adjoint" else 3
    return 16 * (2**num_wires) * states


def check_memory(num_wires: int, method: str, num_outputs: int = 1,
                 density_wires: int | None = None) -> None:
    """Refuse, with what to do, a gradient whose state vectors do not fit in memory
    (``density_wires``: the states are density matrices of that many wires, held as
    vectors of ``num_wires = 2 * density_wires`` wires)."""
    need = state_memory(num_wires, method, num_outputs)
    have = available_memory()
    if need > have:
        if num_outputs > 1 and method == "adjoint":  # one backward state per output
            raise DeviceError(
                f"the adjoint method keeps one {num_wires}-wire state per output and this "
                f"circuit has {num_outputs} (probabilities count one each): about "
                f"{need / 2**30:.3g} GiB, and this machine has {have / 2**30:.3g} GiB "
                "available: use diff_method='parameter-shift' (its memory does not grow "
                "with the outputs), or measure fewer wires"
            )
        what = (f"a {num_wires}-wire state vector" if density_wires is None else
                f"a {density_wires}-wire density matrix (4**{density_wires} entries)")
        raise DeviceError(
            f"{what} needs {16 * 2**num_wires / 2**30:.3g} GiB, and a "
            f"gradient about {need / 2**30:.3g} GiB; this machine has {have / 2**30:.3g} GiB "
            "available: use fewer wires"
        )


def check_max_workers(max_workers):
    """``max_workers`` as PennyLane's devices take it: None (the calling thread runs every
    tape) or a positive int (a pool of that many workers runs the tapes of a batch);
    anything else is a :class:`qsym.errors.DeviceError`.

    >>> check_max_workers(2), check_max_workers(None)
    (2, None)
    """
    if max_workers is None:
        return None
    if isinstance(max_workers, bool) or not isinstance(max_workers, numbers.Integral) \
            or max_workers < 1:
        raise DeviceError(f"max_workers must be None or a positive integer (the number of "
                          f"workers executing a batch of tapes), got {max_workers!r}")
    return int(max_workers)


# lightning.qubit's own options: batch_obs splits an adjoint gradient's observables between
# threads (the same numbers); mcmc (with kernel_name, num_burnin) samples shots by a Markov
# chain, which qsym does not: refused when on, accepted (and ignored, as lightning does) off
LIGHTNING_OPTIONS = ("batch_obs", "mcmc", "kernel_name", "num_burnin")


def check_device_options(kwargs: dict, name: str | None = None) -> None:
    """Device options PennyLane's simulators take: accepted where qsym does the same.

    >>> check_device_options({"batch_obs": True, "mcmc": False}, "lightning.qubit")
    >>> check_device_options({"mcmc": True, "kernel_name": "Local", "num_burnin": 10},
    ...                      "lightning.qubit")
    Traceback (most recent call last):
    ...
    qsym.errors.DeviceError: lightning.qubit's mcmc=True draws shots by Markov chain Monte Carlo (correlated samples after num_burnin steps); qsym draws each shot independently from the state's exact probabilities: drop mcmc, kernel_name and num_burnin (analytic results are the same either way)
    """
    known = ("max_workers", "c_dtype") + (LIGHTNING_OPTIONS if name == "lightning.qubit" else ())
    bad = sorted(k for k in kwargs if k not in known)
    if bad:
        raise DeviceError(f"unsupported device options: {', '.join(bad)}")
    if kwargs.get("mcmc"):
        raise DeviceError(
            "lightning.qubit's mcmc=True draws shots by Markov chain Monte Carlo (correlated "
            "samples after num_burnin steps); qsym draws each shot independently from the "
            "state's exact probabilities: drop mcmc, kernel_name and num_burnin (analytic "
            "results are the same either way)")
    check_max_workers(kwargs.get("max_workers"))
    if "c_dtype" in kwargs and np.dtype(kwargs["c_dtype"]) != np.complex128:
        raise DeviceError("qsym simulates in complex128 only; drop c_dtype")


def device(
    name: str = "default.qubit",
    wires: int | Sequence[Hashable] | None = None,
    shots: int | None = None,
    seed: int | str | None = "global",
    **kwargs: Any,
) -> Device:
    """Create a device, as ``qml.device`` does.

    ``wires=None`` (the default, as in PennyLane) lets each circuit use the wires it
    names: they are found when the circuit is traced (PennyLane's order: the gates' wires
    in order of first use, then wires only measured; integer wires ``0..n-1`` in numeric
    order), and ``qml.state()`` / ``qml.probs()`` cover exactly those wires.
    ``"lightning.qubit"`` and ``"reference.qubit"`` are aliases of qsym's simulator;
    ``"default.mixed"`` simulates density matrices (noise channels: docs/noise.md);
    devices qsym does not simulate (``"default.qutrit"``, ...) are refused with what is
    missing. ``config=`` a :class:`qsym.configuration.Configuration` gives options as
    PennyLane's does (its ``"main"``, ``"<plugin>.global"`` and ``"<name>"`` tables; the
    keyword arguments given win).

    >>> device("default.qubit", wires=2)
    <qsym device 'default.qubit', wires=[0, 1]>
    >>> device("default.qubit")
    <qsym device 'default.qubit', wires=None>
    """
    config = kwargs.pop("config", None)
    if config:  # PennyLane's: the configuration's options, then the keyword arguments
        from .configuration import device_options

        kwargs = {**device_options(config, name), **kwargs}
        shots = kwargs.pop("shots", None) if shots is None else shots
        kwargs.pop("shots", None)
    if name in DEVICE_CLASSES:  # a device class of its own (null.qubit)
        if not (isinstance(seed, str) and seed == "global"):
            raise DeviceError(f"device {name!r} takes no seed (it draws no samples)")
        return DEVICE_CLASSES[name](wires=wires, shots=shots, **kwargs)
    if name in UNSIMULATED_DEVICES:  # made, refused when it would run a circuit
        return UnsimulatedDevice(name, wires=wires, shots=shots, **kwargs)
    if name in MIXED_DEVICES:
        readout = kwargs.pop("readout_prob", None)
        check_device_options(kwargs)
        return DefaultMixed(wires=wires, shots=shots, seed=seed, readout_prob=readout)
    check_device_options(kwargs, name)
    dev = Device(name, wires=wires, shots=shots, seed=seed)
    dev._max_workers = check_max_workers(kwargs.get("max_workers"))
    return dev


class FrozenMapping(MutableMapping):
    """PennyLane's ``FrozenMapping``: a read-only, hashable mapping (an
    :class:`ExecutionConfig`'s ``device_options`` and ``gradient_keyword_arguments``;
    ``dataclasses.replace`` makes a changed configuration). Its copies are plain dicts.

    >>> m = FrozenMapping(a=1)
    >>> m["a"], dict(m), m.copy()
    (1, {'a': 1}, {'a': 1})
    >>> m["a"] = 2
    Traceback (most recent call last):
        ...
    TypeError: FrozenMapping is immutable. To update this field please use `dataclasses.replace`. 
    """

    def __init__(self, *args, **kwargs):
        self._data = dict(*args, **kwargs)
        self._hash = None

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def _immutable(self, *_):
        raise TypeError("FrozenMapping is immutable. To update this field please use "
                        "`dataclasses.replace`. ")

    __setitem__ = __delitem__ = _immutable

    def __repr__(self):
        return repr(self._data)

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def copy(self):
        """A plain (mutable) dict of the same items."""
        return self._data.copy()

    __copy__ = copy

    def __deepcopy__(self, memo=None):
        return copy.deepcopy(self._data, memo)


class MCM_METHOD(str, enum.Enum):  # noqa: N801 (PennyLane's name)
    """PennyLane's mid-circuit measurement methods (``MCMConfig.mcm_method``); a member
    equals its string."""

    DEFERRED = "deferred"
    ONE_SHOT = "one-shot"
    TREE_TRAVERSAL = "tree-traversal"
    SINGLE_BRANCH_STATISTICS = "single-branch-statistics"
    DEVICE = "device"
    __str__ = str.__str__


class POSTSELECT_MODE(str, enum.Enum):  # noqa: N801 (PennyLane's name)
    """PennyLane's postselection modes (``MCMConfig.postselect_mode``); a member equals its
    string."""

    HW_LIKE = "hw-like"
    FILL_SHOTS = "fill-shots"
    PAD_INVALID_SAMPLES = "pad-invalid-samples"
    DEVICE = "device"
    __str__ = str.__str__


class _ExecutorBackend:
    """``ExecutionConfig.executor_backend`` (a data descriptor, as a dataclass field's
    default): None given is PennyLane's default, ``qml.concurrency``'s ``MPPoolExec``
    class (its ``__post_init__`` sets ``get_executor(ExecBackends.MP_Pool)``), looked up
    when read, so importing qsym does not import ``qml.concurrency`` (~25 ms)."""

    def __set_name__(self, owner, name):
        self._slot = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return None  # (the field's default, as dataclasses reads it)
        value = obj.__dict__.get(self._slot)
        if value is None:
            from .concurrency import ExecBackends, get_executor

            value = get_executor(ExecBackends.MP_Pool)
        return value

    def __set__(self, obj, value):
        obj.__dict__[self._slot] = value


@dataclasses.dataclass(frozen=True)
class ExecutionConfig:
    """PennyLane's ``qml.devices.ExecutionConfig``: options of an execution, accepted by
    ``dev.execute(circuits, execution_config)`` and the device API
    (``dev.setup_execution_config``, ``dev.preprocess``, ``dev.compute_derivatives``).
    Frozen, checked as PennyLane checks it (``dataclasses.replace`` makes a changed
    copy). qsym's executions are exact (or sampled with the tape's shots) whatever it says;
    a gradient method is chosen with ``qml.gradients`` or a QNode's ``diff_method``.

    >>> ExecutionConfig(gradient_method="parameter-shift").gradient_method
    'parameter-shift'
    >>> ExecutionConfig().mcm_config
    MCMConfig(mcm_method=None, postselect_mode=None)
    >>> ExecutionConfig().executor_backend.__name__  # None given: PennyLane's default
    'MPPoolExec'
    >>> ExecutionConfig(grad_on_execution="yes")
    Traceback (most recent call last):
        ...
    ValueError: grad_on_execution must be True, False, or None. Got yes instead.
    """

    grad_on_execution: Any = None
    use_device_gradient: Any = None
    use_device_jacobian_product: Any = None
    gradient_method: Any = None
    gradient_keyword_arguments: dict = dataclasses.field(default_factory=dict)
    device_options: dict = dataclasses.field(default_factory=dict)
    interface: Any = "numpy"
    derivative_order: int = 1
    mcm_config: Any = dataclasses.field(default_factory=lambda: MCMConfig())
    convert_to_numpy: bool = True
    executor_backend: Any = _ExecutorBackend()  # None: PennyLane's default, MPPoolExec

    def __post_init__(self):
        object.__setattr__(self, "interface", Interface(self.interface))
        if self.grad_on_execution not in (True, False, None):
            raise ValueError("grad_on_execution must be True, False, or None. "
                             f"Got {self.grad_on_execution} instead.")
        for name in ("device_options", "gradient_keyword_arguments"):
            value = getattr(self, name)
            if not isinstance(value, (dict, FrozenMapping)):
                raise TypeError(f"Got invalid type {type(value)} for '{name}'")
            if isinstance(value, dict):  # PennyLane's: read-only once configured
                object.__setattr__(self, name, FrozenMapping(value))
        transforms = tuple(GRADIENT_METHOD_TYPES)
        if not (self.gradient_method is None or isinstance(self.gradient_method, str)
                or (isinstance(self.gradient_method, transforms) if transforms
                    else callable(self.gradient_method))):
            raise ValueError(f"Differentiation method {self.gradient_method} must be a str, "
                             f"Transform, or None. Got {type(self.gradient_method)} instead.")
        if isinstance(self.mcm_config, dict):
            object.__setattr__(self, "mcm_config", MCMConfig(**self.mcm_config))
        elif not isinstance(self.mcm_config, MCMConfig):
            raise ValueError(f"Got invalid type {type(self.mcm_config)} for 'mcm_config'")




@dataclasses.dataclass(frozen=True)
class MCMConfig:
    """PennyLane's ``qml.devices.MCMConfig``: the options for mid-circuit measurements,
    ``mcm_method`` and ``postselect_mode`` (a QNode's keywords of the same names), checked
    as PennyLane checks them. qsym defers every mid-circuit measurement, whatever the
    method (docs/pennylane.md, "Mid-circuit measurements").

    >>> MCMConfig(mcm_method="deferred", postselect_mode="hw-like")
    MCMConfig(mcm_method='deferred', postselect_mode='hw-like')
    >>> MCMConfig(postselect_mode="foo")
    Traceback (most recent call last):
        ...
    qsym.errors.ArgumentError: 'foo' is not a valid postselect_mode. Please use one of the supported postselection modes available: [None, 'hw-like', 'fill-shots', 'pad-invalid-samples', 'device']
    """

    mcm_method: str | None = None
    postselect_mode: str | None = None

    def __post_init__(self):
        check_mcm_options(self.mcm_method, self.postselect_mode)
        if self.mcm_method is not None:
            object.__setattr__(self, "mcm_method", MCM_METHOD(self.mcm_method))
        if self.postselect_mode is not None:
            object.__setattr__(self, "postselect_mode", POSTSELECT_MODE(self.postselect_mode))

    def __repr__(self):
        method, mode = (None if v is None else repr(str(v))
                        for v in (self.mcm_method, self.postselect_mode))
        return f"MCMConfig(mcm_method={method}, postselect_mode={mode})"


DefaultExecutionConfig = ExecutionConfig()  # PennyLane's default options


# the devices whose PennyLane simulator computes on pennylane.numpy tensors: an analytic
# result of a tape holding one is a tensor (qsym._tapes.tensor_results); lightning's are
# floats; default.mixed's are tensors too, with other flags (not done here)
TENSOR_DEVICES = ("default.qubit",)


class DefaultQubit(Device):
    """PennyLane's ``default.qubit``: qsym's statevector simulator.

    >>> import qsym as qml
    >>> dev = qml.devices.DefaultQubit(wires=2)
    >>> dev.name, dev.num_wires
    ('default.qubit', 2)
    """

    def __init__(self, wires=None, shots=None, seed="global", max_workers=None):
        max_workers = check_max_workers(max_workers)
        super().__init__("default.qubit", wires=wires, shots=shots, seed=seed)
        self._max_workers = max_workers


class LightningQubit(Device):
    """``lightning.qubit``: an alias of qsym's statevector simulator (same numbers).

    >>> import qsym as qml
    >>> dev = qml.devices.LightningQubit(wires=2)
    >>> dev.name, dev.num_wires
    ('lightning.qubit', 2)
    """

    def __init__(self, wires=None, shots=None, seed="global", **kwargs):
        check_device_options(kwargs, "lightning.qubit")
        super().__init__("lightning.qubit", wires=wires, shots=shots, seed=seed)


class ReferenceQubit(Device):
    """``reference.qubit`` (PennyLane's plain reference simulator): an alias of qsym's
    statevector simulator (same numbers).

    >>> import qsym as qml
    >>> qml.devices.ReferenceQubit(wires=1).name
    'reference.qubit'
    """

    def __init__(self, wires=None, shots=None, seed="global"):
        super().__init__("reference.qubit", wires=wires, shots=shots, seed=seed)


def _unsimulated(cls_name: str, name: str):
    def __init__(self, *args, **kwargs):
        raise DeviceError(
            f"qml.devices.{cls_name} ({name!r}) needs {UNSIMULATED_DEVICES[name]}, which "
            "qsym does not simulate; use qml.devices.DefaultQubit (pure states, exact or "
            "sampled)"
        )

    doc = (f"Not available: {name} (PennyLane's ``qml.devices.{cls_name}``).\n\n"
           f">>> import qsym as qml\n>>> try:\n...     qml.devices.{cls_name}(wires=1)\n"
           f"... except qml.DeviceError as exc:\n...     print(str(exc)[:{len(cls_name) + 13}])\n"
           f"qml.devices.{cls_name}\n")
    return type(cls_name, (Device,), {"__init__": __init__, "__doc__": doc})


class UnsimulatedDevice(Device):
    """A PennyLane device qsym does not simulate (``qml.device("default.qutrit", ...)``,
    names in ``UNSIMULATED_DEVICES``): made (with a warning) so that a script or module
    that only creates it still runs; running a circuit on it (a QNode call,
    ``dev.execute``) raises :class:`qsym.errors.DeviceError` naming what is missing.

    >>> import warnings, qsym as qml
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     dev = qml.device("default.qutrit", wires=1)
    >>> try:
    ...     dev.execute(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]))
    ... except qml.DeviceError as exc:
    ...     print(str(exc)[:37])
    device 'default.qutrit' needs qutrits
    """

    def __init__(self, name, wires=None, shots=None, **options):
        super().__init__("default.qubit", wires=wires, shots=shots, seed=None)
        self.name = self.short_name = name
        self.options = options  # the device's own options, kept unread
        warnings.warn(f"{self._refusal()}: running a circuit on it raises DeviceError",
                      UserWarning, stacklevel=3)

    def _refusal(self) -> str:
        return (f"device {self.name!r} needs {UNSIMULATED_DEVICES[self.name]}, which qsym "
                f"does not simulate; qsym provides {', '.join(DEVICE_NAMES)} (exact or "
                "sampled pure-state simulation)")

    def execute(self, circuits, execution_config=None):
        raise DeviceError(self._refusal())

    def __repr__(self):
        return f"<qsym device {self.name!r} (not simulated), wires={self.num_wires}>"


# PennyLane's default.mixed refuses more wires than this (a density matrix of 4**n numbers)
MIXED_MAX_WIRES = 23


def check_readout(readout_prob):
    """PennyLane's checks of ``default.mixed``'s ``readout_prob`` (its messages); the value.

    >>> check_readout(0.1)
    0.1
    """
    if readout_prob is None:
        return None
    if isinstance(readout_prob, bool) or not isinstance(readout_prob, (float, int)):
        raise ArgumentError(
            "The readout error probability should be an integer or a floating-point number "
            "in [0,1].")
    if not 0 <= readout_prob <= 1:
        raise DeviceError("The readout error probability should be in the range [0,1].")
    return readout_prob


class DefaultMixed(Device):
    """PennyLane's ``default.mixed``: qsym's density-matrix simulator (noise channels,
    exact derivatives of gate and channel parameters; docs/noise.md).

    >>> import qsym as qml
    >>> dev = qml.devices.DefaultMixed(wires=2)
    >>> dev.name, dev.num_wires, dev.mixed
    ('default.mixed', 2, True)
    """

    def __init__(self, wires=None, shots=None, seed="global", readout_prob=None):
        super().__init__("default.mixed", wires=wires, shots=shots, seed=seed)
        self.readout_prob = check_readout(readout_prob)
        self._prng_key = None  # PennyLane's attribute name

    def _setup_execution_config(self, execution_config=None):
        """PennyLane's private name of :meth:`setup_execution_config` on ``default.mixed``."""
        return self.setup_execution_config(execution_config)


DefaultQutrit = _unsimulated("DefaultQutrit", "default.qutrit")
DefaultQutritMixed = _unsimulated("DefaultQutritMixed", "default.qutrit.mixed")
DefaultClifford = _unsimulated("DefaultClifford", "default.clifford")
DefaultTensor = _unsimulated("DefaultTensor", "default.tensor")

__all__ = ["Device", "current_api", "register_legacy_facade", "runs_own_execute", "defines_execute", "own_derivatives", "ExecutionConfig", "MCMConfig", "DefaultQubit", "LightningQubit", "ReferenceQubit", "DefaultMixed", "DefaultQutrit",
           "DefaultQutritMixed", "DefaultGaussian", "DefaultClifford", "DefaultTensor",
           "NullQubit"]
