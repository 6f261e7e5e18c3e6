"""Exception types. Every error qsym raises on bad input is one of these, with a message
that says what to do.

>>> issubclass(WireError, QsymError) and issubclass(WireError, ValueError)
True
"""


class QsymError(Exception):
    """Base class of qsym's errors."""


class TracingError(QsymError, TypeError):
    """The circuit function could not be traced (e.g. a branch on a traced input)."""


class GateError(QsymError, ValueError):
    """Unknown gate, or a gate called with the wrong number or kind of parameters."""


class WireError(QsymError, ValueError):
    """A wire that is not on the device, or a gate given duplicate wires."""


class MeasurementError(QsymError, ValueError):
    """The circuit returns something other than supported measurements."""


class ArgumentError(QsymError, TypeError):
    """A circuit argument of the wrong kind (non-numeric, complex, NaN, ...)."""


class DeviceError(QsymError, ValueError):
    """Unknown device name or bad device options."""


class DifferentiationError(QsymError, ValueError):
    """A gradient that cannot be computed as asked (no exact rule, bad argnum, ...)."""


class RuleError(QsymError, ValueError):
    """A shift rule could not be derived or failed its proof."""


class CacheWarning(UserWarning):
    """The on-disk cache cannot be used as configured (a folder or file that is not the
    current user's alone, or cannot be written): qsym uses a private folder or recomputes
    the file, and says so once."""
