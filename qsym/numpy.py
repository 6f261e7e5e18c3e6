"""NumPy for circuit functions: ``from qsym import numpy as np``.

Everything in NumPy is here, as autograd's NumPy (the functions see the boxes autograd
passes through a hybrid cost function under ``qml.grad``, :mod:`qsym._autodiff`). While a
circuit is traced its inputs are traced values (:class:`qsym._trace.Traced`, or object
arrays of them); every elementwise NumPy function (each ufunc) then builds the exact sympy
expression, so ``np.sin(x[1])`` inside a circuit is differentiated exactly, or raises a
:class:`~qsym.errors.TracingError` naming the function if it has no exact form here
(those that compare or round, such as ``np.sign`` or ``np.maximum``). On ordinary numbers
they are NumPy's own functions.

``np.array(..., requires_grad=False)`` makes a :class:`tensor`, PennyLane's way of marking
an argument as data: it is not differentiated, and its values can change between calls
without a recompile.

>>> from qsym import numpy as np
>>> p = np.array([0.54, 0.12], requires_grad=True)
>>> p.requires_grad, float(np.sin(0.0))
(True, 0.0)
>>> import sympy
>>> np.cos(sympy.Symbol("a")) * 2
2*cos(a)
"""

from __future__ import annotations

import builtins as _builtins

import numpy as _np
import sympy as _sp
from autograd import numpy as _anp
from autograd.extend import Box as _Box
from autograd.extend import VSpace as _VSpace
from autograd.numpy.numpy_boxes import ArrayBox as _ArrayBox
from autograd.numpy.numpy_vspaces import ArrayVSpace as _ArrayVSpace

# this module is numpy, plus what follows: NumPy's public names (``numpy.__all__``), except
# the subpackages NumPy itself imports at their first use (``testing``, ``f2py``, ``ma``,
# ``polynomial``, ...: ``from numpy import *`` imported them all, 0.3-0.8 s of every
# ``import qsym``; issue #17), which :func:`__getattr__` hands out the same way
globals().update({_n: vars(_np)[_n] for _n in _np.__all__ if _n in vars(_np)})
_NUMPY_LAZY = frozenset(_n for _n in _np.__all__ if _n not in vars(_np))
from autograd.numpy import *  # noqa: F401,F403,E402  (autograd's wrappers of the same)
from autograd.numpy import fft, linalg, random  # noqa: F401,E402

from ._trace import Traced as _Traced  # noqa: E402
from ._trace import apply_ufunc as _apply_ufunc  # noqa: E402
from .errors import NonDifferentiableError  # noqa: E402,F401  (PennyLane's qml.numpy has it)

pi = _np.pi
e = _np.e


class tensor(_np.ndarray):
    """A NumPy array with a ``requires_grad`` flag (PennyLane's ``pennylane.numpy.tensor``).

    >>> t = tensor([1.0, 2.0], requires_grad=False)
    >>> t.requires_grad, (t * 2).requires_grad, t[0].requires_grad
    (False, False, False)
    >>> import pickle
    >>> pickle.loads(pickle.dumps(t)).requires_grad
    False
    """

    # ``requires_grad`` a slot (a member descriptor: CPython 3.11 specializes its read, a
    # tenth of the generic lookup in the instance's dictionary, which ndarray subclasses
    # do not get specialized); other attributes still go to the instance's ``__dict__``
    __slots__ = ("requires_grad", "__dict__")

    def __new__(cls, input_array, *args, requires_grad=True, **kwargs):
        obj = _np.asarray(input_array, *args, **kwargs).view(cls)
        obj.requires_grad = requires_grad
        return obj

    def __array_finalize__(self, obj):
        self.requires_grad = getattr(obj, "requires_grad", True)

    def __reduce__(self):
        # NumPy pickles an ndarray's data only (not a subclass's slots or ``__dict__``): the
        # flag goes after NumPy's state, as PennyLane's tensor pickles it (an unpickled
        # ``requires_grad=False`` tensor came back trainable: another gradient's shape)
        rebuild, args, state = super().__reduce__()
        return rebuild, args, (*state, self.requires_grad)

    def __setstate__(self, state):
        # NumPy's state ends with the data (bytes, or a list for object arrays), never a
        # bool: a pickle of a qsym that did not save the flag loads as trainable, as before
        # (``bool`` in this module is NumPy's: the builtin by its module)
        if isinstance(state, tuple) and state and isinstance(state[-1], (_builtins.bool,
                                                                         _np.bool_)):
            self.requires_grad = _builtins.bool(state[-1])
            state = state[:-1]
        super().__setstate__(state)

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        # PennyLane's rule: a ufunc's result is trainable when one of its array inputs is
        # (a plain ndarray counts as trainable; Python numbers do not), whichever the order
        # of the operands (NumPy's default copied the flag of the first tensor only). The
        # flag is fixed here, on NumPy's own wrapping (a Python __array_ufunc__ tripled the
        # cost of ``x + y``: 0.8 -> 2.4 us; this 1.1 us)
        out = super().__array_wrap__(arr, context, return_scalar)
        if context is not None and isinstance(out, tensor):
            trainable = False
            for i in context[1]:
                if isinstance(i, _np.ndarray) and getattr(i, "requires_grad", True):
                    trainable = True
                    break
            out.requires_grad = trainable
        return out

    def __getitem__(self, key):
        # as PennyLane's tensor: an element keeps the flag (``x[0]`` of a trainable array
        # is trainable, e.g. for the optimizers); ``t[()]`` of a 0-d tensor is its number
        item = super().__getitem__(key)
        if self.ndim and not isinstance(item, _np.ndarray):
            # ``tensor(item, requires_grad=...)`` made directly: the constructor's call
            # (keywords, ``asarray``'s empty ``*args, **kwargs``) cost 2-3 us an element, the
            # view 0.6 (every gate angle ``w[i, j]`` of a circuit called on a trainable
            # array: the 12x8 HEA's replay indexes 192, issue #17)
            item = _np.asarray(item).view(tensor)
            item.requires_grad = self.requires_grad
        return item

    def __hash__(self):
        if self.ndim == 0:  # a scalar hashes as its number (a dict key, a wire label)
            return hash(self.item())
        raise TypeError("unhashable type: 'numpy.tensor' (only 0-d tensors are hashable)")

    def __repr__(self):
        # NumPy's repr of the subclass (its name, ``tensor(``, sets the indentation of
        # continued lines), then the flag: PennyLane's tensor.__repr__
        body = _np.ndarray.__repr__(self)
        return f"{body[:-1]}, requires_grad={self.requires_grad})"

    def numpy(self) -> _np.ndarray:
        """The plain NumPy array."""
        return self.view(_np.ndarray)

    def unwrap(self):
        """The plain NumPy array, sharing the data (PennyLane's name); a 0-d tensor gives
        a Python scalar, as PennyLane's ``unwrap`` does.

        >>> tensor([1.5, 2.0]).unwrap(), tensor(1.5).unwrap()
        (array([1.5, 2. ]), 1.5)
        """
        if self.ndim == 0:
            return self.view(_np.ndarray).item()
        return self.view(_np.ndarray)


# autograd differentiates tensors as it does arrays
_ArrayBox.register(tensor)
_VSpace.register(tensor, lambda x: _ArrayVSpace(x))


def tensor_to_arraybox(x, *args):
    """An autograd ``ArrayBox`` of ``x`` (PennyLane's ``qml.numpy.tensor.tensor_to_arraybox``,
    ``x`` and autograd's box arguments ``trace, node``); a tensor marked
    ``requires_grad=False`` raises :class:`~qsym.errors.NonDifferentiableError`.

    >>> from qsym import numpy as np
    >>> type(tensor_to_arraybox(np.array([0.5]), None, None)).__name__
    'ArrayBox'
    >>> try:
    ...     tensor_to_arraybox(np.array(0.5, requires_grad=False), None, None)
    ... except NonDifferentiableError as exc:
    ...     print(str(exc)[:29])
    0.5 is non-differentiable. Se
    """
    if isinstance(x, tensor) and not x.requires_grad:
        raise NonDifferentiableError(
            f"{x} is non-differentiable. Set the requires_grad attribute to True.")
    return _ArrayBox(x, *args)


def _has_box(obj) -> bool:
    if isinstance(obj, _Box):
        return True
    if isinstance(obj, (list, tuple)):
        return _builtins.any(_has_box(v) for v in obj)
    return False


def array(obj, *args, requires_grad=True, **kwargs):
    """``numpy.array`` returning a :class:`tensor` with ``requires_grad`` set (inside a
    derivative, an array of autograd boxes is autograd's array).

    >>> array([0.1, 0.2], requires_grad=False)
    tensor([0.1, 0.2], requires_grad=False)
    """
    if _has_box(obj):
        return _anp.array(obj, *args, **kwargs)
    return tensor(_np.array(obj, *args, **kwargs), requires_grad=requires_grad)


def _is_symbolic(x) -> bool:
    if isinstance(x, (_sp.Basic, _Traced)):
        return True
    if isinstance(x, _np.ndarray) and x.dtype == object:
        return _builtins.any(isinstance(v, (_sp.Basic, _Traced)) for v in x.flat)
    if isinstance(x, (list, tuple)):
        return _builtins.any(_is_symbolic(v) for v in x)
    return False


def extract_tensors(x):
    """The :class:`tensor` objects in ``x`` and in the sequences it nests, in order
    (PennyLane's ``pennylane.numpy.extract_tensors``); a plain NumPy array is not one.

    >>> a, b = tensor([1.0]), tensor(2.0, requires_grad=False)
    >>> [t.requires_grad for t in extract_tensors([a, "text", (b, [1, 2])])]
    [True, False]
    """
    if isinstance(x, tensor):
        yield x
    elif isinstance(x, (list, tuple)):
        for item in x:
            yield from extract_tensors(item)


def _as_tensor_result(out, args, requires_grad):
    """PennyLane's wrapped NumPy: an array result is a :class:`tensor`, trainable if any
    tensor argument is, or if none is one (``requires_grad=`` decides if given)."""
    if not isinstance(out, _np.ndarray) or out.dtype == object:  # a number, a box, sympy
        return out
    if requires_grad is None:
        flags = [t.requires_grad for t in extract_tensors(list(args))]
        requires_grad = _builtins.any(flags) if flags else True
    out = out.view(tensor)  # no copy (a new object: the flag is its own)
    out.requires_grad = requires_grad
    return out


def _summary(doc) -> str:
    """The part of a NumPy docstring before its sections (its signature and summary), the
    examples left out (they are NumPy's, not run here)."""
    head = (doc or "").split("\nParameters\n")[0]
    return "\n".join(line for line in head.splitlines() if ">>>" not in line).strip()


def _symbolic_ufunc(name):
    """NumPy's elementwise function ``name``: autograd's NumPy on numbers and boxes; on
    traced circuit inputs (and sympy expressions) the exact sympy form
    (:func:`qsym._trace.apply_ufunc`), or a TracingError naming the function if it has
    none. Array results are tensors, as PennyLane's wrapped NumPy gives."""
    npfn = getattr(_anp, name)

    def fn(*args, **kwargs):
        if _builtins.any(_is_symbolic(a) for a in args):
            kwargs.pop("requires_grad", None)
            return _apply_ufunc(name, args, kwargs)
        requires_grad = kwargs.pop("requires_grad", None)
        return _as_tensor_result(npfn(*args, **kwargs), args, requires_grad)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = (
        f"``numpy.{name}`` that also accepts traced circuit inputs (then the exact sympy "
        f"expression is built, or a TracingError says why it cannot be); an array result "
        f"is a :class:`tensor` (``requires_grad=`` as PennyLane's wrapped NumPy).\n\n"
        f"NumPy's summary:\n\n{_summary(getattr(_np, name).__doc__)}"
    )
    return fn


# every NumPy ufunc: on traced values, its exact form (qsym._trace.UFUNCS) or a clear refusal
# (``vars``, not ``dir`` and ``getattr``, which would import every lazily loaded subpackage)
for _name in [n for n, v in vars(_np).items() if isinstance(v, _np.ufunc)]:
    if hasattr(_anp, _name):
        globals()[_name] = _symbolic_ufunc(_name)
del _name


def _sinc_expr(a):
    t = _sp.pi * a
    return _sp.Piecewise((_sp.Integer(1), _sp.Eq(a, 0)), (_sp.sin(t) / t, True))


def sinc(x):
    """``numpy.sinc`` (``sin(pi x) / (pi x)``, 1 at 0); on traced circuit inputs the exact
    sympy expression (a ``Piecewise`` that is 1 at 0: no branch on the traced value, the
    compiled code evaluates it for each value).

    >>> float(sinc(0.5)) == 2 / pi
    True
    """
    if _is_symbolic(x):
        from ._trace import has_traced

        wrap = has_traced(x)

        def one(v):
            e = _sinc_expr(_sp.sympify(v.expr if isinstance(v, _Traced) else v))
            return _Traced(e) if wrap else e

        out = _np.vectorize(one, otypes=[object])(_np.asarray(x, dtype=object))
        return out[()] if out.ndim == 0 else out
    return _as_tensor_result(_anp.sinc(x), (x,), None)


# --- creation functions (PennyLane's ``pennylane.numpy``) ------------------------------------
# They return qsym tensors with ``requires_grad`` (default True, or, for ``*_like`` of a
# tensor, that tensor's flag; ``requires_grad=`` sets it), as PennyLane's wrapped NumPy does.
# Random draws: :mod:`qsym._numpy_random` (``np.random``).
def _creation(name):
    npfn = getattr(_np, name)
    agfn = getattr(_anp, name, npfn)

    def fn(*args, requires_grad=None, **kwargs):
        if _builtins.any(_has_box(a) for a in args):
            return agfn(*args, **kwargs)
        if requires_grad is None:
            flags = [a.requires_grad for a in args if isinstance(a, tensor)]
            requires_grad = _builtins.any(flags) if flags else True
        return tensor(npfn(*args, **kwargs), requires_grad=requires_grad)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = (
        f"``numpy.{name}`` returning a :class:`tensor` (``requires_grad=True`` unless "
        "given, as in PennyLane)."
    )
    return fn


zeros = _creation("zeros")
ones = _creation("ones")
empty = _creation("empty")
full = _creation("full")
eye = _creation("eye")
identity = _creation("identity")
linspace = _creation("linspace")
logspace = _creation("logspace")
arange = _creation("arange")
zeros_like = _creation("zeros_like")
ones_like = _creation("ones_like")
empty_like = _creation("empty_like")
full_like = _creation("full_like")
fromstring = _creation("fromstring")  # arrays read from text, bytes, a function (fromiter:
frombuffer = _creation("frombuffer")  # with the array-building functions below)
fromfunction = _creation("fromfunction")



# --- functions that build arrays from arrays: tensors out, as PennyLane's wrapped NumPy ---
# (``pennylane/numpy/wrapper.py``: a NumPy array result becomes a tensor, trainable if any
# tensor argument is, or if there is none), so that ``qml.grad`` (PennyLane's trainability
# rule: ``requires_grad``) differentiates ``np.concatenate([a, b])`` as PennyLane does.
# Boxes (inside a derivative) and arrays of traced circuit inputs pass through unchanged.
def _tensor_flags(args):
    for a in args:
        if isinstance(a, tensor):
            yield a.requires_grad
        elif isinstance(a, (list, tuple)):
            yield from _tensor_flags(a)


def _joining(name):
    fn0 = globals()[name]

    def fn(*args, **kwargs):
        requires_grad = kwargs.pop("requires_grad", None)
        out = fn0(*args, **kwargs)
        if type(out) is _np.ndarray and out.dtype.kind in "biufc":
            if requires_grad is None:
                flags = list(_tensor_flags(args))
                requires_grad = _builtins.any(flags) if flags else True
            out = tensor(out, requires_grad=requires_grad)
        return out

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``numpy.{name}``; a NumPy array result is a :class:`tensor` (trainable "
                  "if any tensor argument is, or if none is one), as in PennyLane.")
    return fn


for _name in ("concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
              "append", "copy", "where", "outer", "asarray", "tile", "repeat", "flip", "diag",
              "triu", "tril", "block", "einsum", "tensordot", "round", "loadtxt", "genfromtxt",
              "fromiter", "broadcast_to", "cross", "interp"):
    globals()[_name] = _joining(_name)
del _name



def _wrapped_module(name, source):
    """``numpy.linalg`` / ``numpy.fft`` (autograd's), each function's array results as
    tensors (PennyLane wraps these subpackages the same way)."""
    import types as _types

    mod = _types.ModuleType(f"qsym.numpy.{name}", source.__doc__)
    for attr in dir(source):
        obj = getattr(source, attr)
        if callable(obj) and not isinstance(obj, type) and not attr.startswith("_"):
            def fn(*args, _f=obj, **kwargs):
                requires_grad = kwargs.pop("requires_grad", None)
                return _as_tensor_result(_f(*args, **kwargs), args, requires_grad)

            fn.__name__ = fn.__qualname__ = attr
            fn.__doc__ = getattr(obj, "__doc__", None)
            setattr(mod, attr, fn)
        else:
            setattr(mod, attr, obj)
    return mod


def _tensor_results(fn0):
    """Autograd's NumPy function ``fn0`` with PennyLane's wrapping of its array result (its
    ``tensor_wrapper``): a NumPy array comes back as a :class:`tensor` (a view, trainable if
    any tensor argument is, or if none is one; ``requires_grad=`` decides if given); numbers,
    boxes, object arrays and anything else as they are."""

    def fn(*args, **kwargs):
        requires_grad = kwargs.pop("requires_grad", None)
        out = fn0(*args, **kwargs)
        if type(out) is _np.ndarray:
            return _as_tensor_result(out, args, requires_grad)
        return out

    fn.__name__ = fn.__qualname__ = name = getattr(fn0, "__name__", "function")
    fn.__doc__ = (f"``numpy.{name}`` (autograd's); an array result is a :class:`tensor`, "
                  "as PennyLane's wrapped NumPy gives.\n\nNumPy's summary:\n\n"
                  f"{_summary(getattr(fn0, '__doc__', None))}")  # (NumPy's examples left out)
    return fn


# every other function of NumPy's namespace (autograd's: sum, mean, transpose, unique, ...):
# an array result is a tensor, as PennyLane's wrapped NumPy gives (``np.sum([a, b], axis=0)``
# of plain arrays is a trainable tensor there, as qml.grad then treats it)
for _name, _obj in list(globals().items()):
    if (not _name.startswith("_") and callable(_obj) and not isinstance(_obj, type)
            and str(getattr(_obj, "__module__", "")).startswith("autograd")
            and hasattr(_np, _name) and _name not in ("asmatrix", "bmat")):
        globals()[_name] = _tensor_results(_obj)
del _name, _obj

linalg = _wrapped_module("linalg", linalg)  # noqa: F811
fft = _wrapped_module("fft", fft)  # noqa: F811

from ._operations import note_float_array_type as _note  # noqa: E402

_note(tensor)  # (a gate of one element w[i, j]: Operation._init_plain's short way)

from . import _numpy_random as random  # noqa: E402,F811


def __getattr__(name):
    """NumPy's subpackages that NumPy imports at their first use (``np.testing``,
    ``np.polynomial``, ``np.ma``, ...): imported here at theirs too, not by ``import qsym``.

    >>> from qsym import numpy as np
    >>> np.polynomial.Polynomial([1, 2])(3.0)
    np.float64(7.0)
    """
    if name in _NUMPY_LAZY:
        value = getattr(_np, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qsym.numpy' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _NUMPY_LAZY)
