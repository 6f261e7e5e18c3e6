"""PennyLane's device modifiers (``qml.devices.modifiers``): class decorators for a device
class of your own (a subclass of ``qml.devices.Device``).

- :func:`single_tape_support`: ``execute`` (and the derivative, jvp and vjp methods the
  class defines) accept one tape as well as a batch, and give one result for one tape;
- :func:`simulator_tracking`: ``dev.tracker`` records what the class's methods run, as
  PennyLane's simulators record it (batches, simulations, executions, results, shots,
  resources; derivative, jvp and vjp batches).

Both add themselves to the class's ``_applied_modifiers`` list and leave the methods the
class does not define as the base class's.

>>> import qsym as qml
>>> @single_tape_support
... class Zero(qml.devices.Device):
...     def execute(self, circuits, execution_config=None):
...         return tuple(0.0 for _ in circuits)
>>> Zero().execute(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]))
0.0
"""

from __future__ import annotations

import functools

from ._null_qubit import tape_executions
from ._tapes import QuantumScript
from .devices import DefaultQubit, Device

# the methods a modifier wraps when the class defines them (not the base class's), and
# whether they take a second per-tape argument (tangents, cotangents)
_DERIVATIVE_METHODS = {
    "compute_derivatives": False, "execute_and_compute_derivatives": False,
    "compute_jvp": True, "execute_and_compute_jvp": True,
    "compute_vjp": True, "execute_and_compute_vjp": True}


def _check_class(cls, modifier):
    if not (isinstance(cls, type) and issubclass(cls, Device)):
        raise ValueError(f"{modifier.__name__} only accepts subclasses of "
                         "pennylane.devices.Device (qml.devices.Device); got "
                         f"{getattr(cls, '__name__', cls)!r}")
    # the class's own list (a subclass of a modified class starts from its base's, which
    # it leaves unchanged)
    cls._applied_modifiers = [*getattr(cls, "_applied_modifiers", ()), modifier]


def _own_methods(cls):
    """The derivative methods ``cls`` defines itself (not the base class's)."""
    return [name for name in _DERIVATIVE_METHODS
            if getattr(cls, name) is not getattr(Device, name)]


def _single(method, paired: bool, executes: bool):
    """``method`` taking one tape as a batch of one, its result(s) unwrapped."""
    @functools.wraps(method)
    def wrapped(self, circuits, *args, **kwargs):
        if not isinstance(circuits, QuantumScript):
            return method(self, circuits, *args, **kwargs)
        if paired:  # the tangents / cotangents of the one tape
            args = ([args[0]], *args[1:]) if args else args
            if "tangents" in kwargs or "cotangents" in kwargs:
                key = "tangents" if "tangents" in kwargs else "cotangents"
                kwargs[key] = [kwargs[key]]
        out = method(self, (circuits,), *args, **kwargs)
        if executes:  # (results, derivatives)
            return out[0][0], out[1][0]
        return out[0]
    return wrapped


def single_tape_support(cls: type) -> type:
    """PennyLane's ``qml.devices.modifiers.single_tape_support``: the class's ``execute``
    and the derivative, jvp and vjp methods it defines also take a single tape (one
    result back), not only a batch.

    >>> import qsym as qml
    >>> @single_tape_support
    ... class Ones(qml.devices.Device):
    ...     def execute(self, circuits, execution_config=None):
    ...         return tuple(1.0 for _ in circuits)
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    >>> Ones().execute(t), Ones().execute((t, t)), Ones._applied_modifiers == [single_tape_support]
    (1.0, (1.0, 1.0), True)
    """
    _check_class(cls, single_tape_support)
    cls.execute = _single(cls.execute, False, False)
    for name in _own_methods(cls):
        setattr(cls, name, _single(getattr(cls, name), _DERIVATIVE_METHODS[name],
                                   name.startswith("execute_and")))
    return cls


def _batch(circuits):
    return (circuits,) if isinstance(circuits, QuantumScript) else tuple(circuits)


def _track_execute(method):
    @functools.wraps(method)
    def execute(self, circuits, execution_config=None):
        results = method(self, circuits, execution_config)
        tracker = self.tracker
        if not tracker.active:
            return results
        batch = _batch(circuits)
        per_tape = (results,) if isinstance(circuits, QuantumScript) else results
        tracker.update(batches=1)
        tracker.record()
        for result, tape in zip(per_tape, batch):
            executions, shots = tape_executions(tape)
            record = {"simulations": 1, "executions": executions, "results": result}
            if tape.shots:
                record["shots"] = shots
            tracker.update(**record, resources=tape.specs["resources"],
                           errors=tape.specs["errors"])
            tracker.record()
        return results
    return execute


def _track_derivatives(method, name):
    kind = {"derivatives": "derivative", "jvp": "jvp", "vjp": "vjp"}[name.rsplit("_", 1)[1]]
    count = {"derivative": "derivatives", "jvp": "jvps", "vjp": "vjps"}[kind]

    @functools.wraps(method)
    def tracked(self, circuits, *args, **kwargs):
        tracker = self.tracker
        if tracker.active:
            batch = _batch(circuits)
            if name.startswith("execute_and"):
                for tape in batch:
                    tracker.update(resources=tape.specs["resources"],
                                   errors=tape.specs["errors"])
                tracker.update(**{f"execute_and_{kind}_batches": 1, "executions": len(batch),
                                  count: len(batch)})
            else:
                tracker.update(**{f"{kind}_batches": 1, count: len(batch)})
            tracker.record()
        return method(self, circuits, *args, **kwargs)
    return tracked


def simulator_tracking(cls: type) -> type:
    """PennyLane's ``qml.devices.modifiers.simulator_tracking``: ``dev.tracker`` records
    the class's ``execute`` (a batch, then per tape its simulation, executions, result,
    shots, resources) and the derivative, jvp and vjp methods it defines, as PennyLane's
    simulators.

    >>> import qsym as qml
    >>> @simulator_tracking
    ... class Zero(qml.devices.Device):
    ...     def execute(self, circuits, execution_config=None):
    ...         return tuple(0.0 for _ in circuits)
    >>> dev = Zero()
    >>> t = qml.tape.QuantumScript([qml.H(0)], [qml.expval(qml.Z(0))], shots=10)
    >>> with dev.tracker:
    ...     _ = dev.execute((t, t))
    >>> dev.tracker.totals
    {'batches': 1, 'simulations': 2, 'executions': 2, 'results': 0.0, 'shots': 20}
    """
    _check_class(cls, simulator_tracking)
    cls.execute = _track_execute(cls.execute)
    for name in _own_methods(cls):
        setattr(cls, name, _track_derivatives(getattr(cls, name), name))
    return cls


# PennyLane's DefaultQubit is made with both modifiers (qsym's tracks and takes one tape
# by its own code): the record of them
DefaultQubit._applied_modifiers = [single_tape_support, simulator_tracking]

__all__ = ["single_tape_support", "simulator_tracking"]
