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

from ._trace import active_tape
from .errors import TracingError
from .numpy import tensor as _tensor

_PLAIN = frozenset(("seed", "get_state", "set_state", "RandomState", "Generator",
                    "SeedSequence", "BitGenerator", "PCG64", "MT19937", "Philox", "SFC64",
                    "bit_generator"))


def _wrap(fn):
    @functools.wraps(fn)
    def wrapped(*args, requires_grad=True, **kwargs):
        if active_tape() is not None:
            raise _inside_circuit(fn)
        out = fn(*args, **kwargs)
        if isinstance(out, _np.ndarray):
            return _tensor(out, requires_grad=requires_grad)
        return out

    return wrapped


def _inside_circuit(fn) -> TracingError:
    """A random draw inside a circuit function being traced: qsym traces a signature once,
    so the draw would be made once and its numbers reused at every later call, where
    PennyLane draws again at each call (a silently different result): refused."""
    name = getattr(fn, "__name__", "a random function")
    return TracingError(
        f"np.random.{name} was called inside a circuit function: qsym traces the function "
        "once per signature, so the numbers would be drawn once and reused at every call "
        "(PennyLane draws new ones each call). Draw them outside the QNode and pass them "
        "as an argument (e.g. a keyword argument, or an argument not differentiated)")


class _GeneratorProxy:
    """A NumPy ``Generator`` whose array results are qsym tensors."""

    def __init__(self, gen):
        self._gen = gen

    def __getattr__(self, name):
        attr = getattr(self._gen, name)
        return _wrap(attr) if callable(attr) else attr

    def __repr__(self):
        return f"qsym {self._gen!r}"


def default_rng(seed=None):
    """``numpy.random.default_rng`` whose draws are qsym tensors."""
    return _GeneratorProxy(_npr.default_rng(seed))


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
