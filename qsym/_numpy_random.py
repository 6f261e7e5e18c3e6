"""``qsym.numpy.random``: NumPy's random module returning qsym tensors (as
``pennylane.numpy.random``): arrays come back as :class:`qsym.numpy.tensor` with
``requires_grad=True`` unless ``requires_grad=False`` is given; numbers stay numbers.
``seed``, ``get_state`` and ``set_state`` are NumPy's own (the global generator, which
qsym's shot devices also draw their default seed from, as PennyLane's do).

>>> from qsym import numpy as np
>>> np.random.seed(42)
>>> a = np.random.uniform(0, 1, size=2, requires_grad=False)
>>> np.random.seed(42)
>>> b = np.random.uniform(0, 1, size=2)
>>> a.requires_grad, b.requires_grad, bool((a == b).all())
(False, True, True)
>>> np.random.default_rng(1).normal(size=(2,)).shape
(2,)
"""

from __future__ import annotations

import functools

import numpy as _np
import numpy.random as _npr

from ._trace import active_tape, known
from .errors import TracingError
from .numpy import tensor as _tensor

_PLAIN = frozenset(("seed", "get_state", "set_state", "RandomState",
                    "SeedSequence", "BitGenerator", "PCG64", "MT19937", "Philox", "SFC64",
                    "bit_generator"))


def _wrap(fn):
    @functools.wraps(fn)
    def wrapped(*args, requires_grad=True, **kwargs):
        if _traced() and known() is None:  # (a per-call trace: drawn)
            raise _inside_circuit(fn)
        out = fn(*args, **kwargs)
        if isinstance(out, _np.ndarray):
            return _tensor(out, requires_grad=requires_grad)
        return out

    return wrapped


def _traced() -> bool:
    """Whether a circuit function is being traced: a tape is active and it is not a
    user's recording queue (``qml.queuing.AnnotatedQueue``, ``qml.tape.QuantumTape``,
    which draw like plain Python) nor ``qml.draw``'s run on the numbers (PennyLane's one
    recording: its draws are made, and advance the generator, as PennyLane's)."""
    tape = active_tape()
    return (tape is not None and not hasattr(tape, "add_measurement")
            and not getattr(tape, "drawn_only", False))


def _inside_circuit(fn) -> TracingError:
    """A random draw inside a circuit function being traced: qsym traces a signature once,
    so the draw would be made once and its numbers reused at every later call, where
    PennyLane draws again at each call (a silently different result): refused, unless the
    QNode traces at every call (``trace="auto"`` switches it to that)."""
    name = getattr(fn, "__name__", "a random function")
    err = TracingError(
        f"np.random.{name} was called inside a circuit function: qsym traces the function "
        "once per signature, so the numbers would be drawn once and reused at every call "
        "(PennyLane draws new ones each call). Draw them outside the QNode and pass them "
        "as an argument (e.g. a keyword argument, or an argument not differentiated), or "
        "let qsym trace it at every call (QNode(..., trace='auto' or 'per-call'))")
    err.per_call = "it draws random numbers while traced"  # (QNode._switch_per_call)
    return err


class Generator(_npr.Generator):
    """NumPy's ``Generator`` whose array results are qsym tensors (PennyLane's
    ``np.random.Generator``); a draw inside a circuit function traced once raises
    ``TracingError``.

    >>> g = Generator(_npr.PCG64(3))
    >>> isinstance(g, _npr.Generator), type(g.random(2)).__name__
    (True, 'tensor')
    """

    def __init__(self, bit_generator):
        super().__init__(bit_generator)
        for name in dir(_npr.Generator):
            if name[0] != "_" and name != "bit_generator":
                attr = getattr(super(), name)
                if callable(attr):
                    self.__dict__[name] = _wrap(attr)

    def __repr__(self):
        return f"qsym {super().__repr__()}"


def default_rng(seed=None):
    """``numpy.random.default_rng`` whose draws are qsym tensors: a :class:`Generator`
    (a bit generator is wrapped, a :class:`Generator` passed through, as PennyLane's)."""
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, _npr.BitGenerator):
        return Generator(seed)
    return Generator(_npr.PCG64(seed))


seed = _npr.seed
get_state = _npr.get_state
set_state = _npr.set_state


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    attr = getattr(_npr, name)  # AttributeError as NumPy's
    if name in _PLAIN or not callable(attr) or isinstance(attr, type):
        return attr
    return _wrap(attr)
