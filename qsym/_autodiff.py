"""Hybrid cost functions: ``qml.grad`` of Python code around QNodes, via autograd.

A cost such as ``lambda p: (circuit(p) - 0.5) ** 2`` mixes NumPy arithmetic with circuit
evaluations. qsym differentiates the classical part with `autograd
<https://github.com/HIPS/autograd>`_, the reverse-mode library PennyLane itself uses for
its default interface, and treats each QNode call as one autograd *primitive* whose
vector-Jacobian product is the compiled exact Jacobian (parameter shift or adjoint, by the
QNode's ``diff_method``). The Jacobian is a primitive too, whose own product is the exact
Hessian (:mod:`qsym._second_order`), so second derivatives of hybrid costs
(``qml.jacobian(qml.grad(cost))``, :func:`hessian`) are exact as well. Third derivatives
are refused.

Inside a cost, use ``from qsym import numpy as np`` (it is autograd's NumPy): plain
``numpy`` functions cannot see autograd's boxes.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(p):
...     qml.RY(2 * p, wires=0)
...     return qml.expval(qml.PauliX(0))
>>> def cost(p):
...     return circuit(p) ** 2  # <X> = sin(2p), so cost = sin(2p)^2
>>> p = np.array(0.3, requires_grad=True)
>>> g = qml.grad(cost)(p)
>>> bool(np.isclose(g, 2 * np.sin(4 * 0.3), atol=1e-12))  # d/dp sin(2p)^2 = 2 sin(4p)
True

A complex trainable argument has autograd's (PennyLane's) gradient ``df/dRe - i df/dIm``;
the compiled circuits take real inputs, so the function runs on autograd's values of it
and its tape is differentiated (:func:`call_boxed`):

>>> @qml.qnode(dev)
... def polar(z):
...     qml.RY(np.abs(z), wires=0)
...     return qml.expval(qml.PauliZ(0))  # cos|z|
>>> z = np.array(0.6 + 0.8j)  # |z| = 1: d cos|z| = -sin(1) (Re z, Im z) / |z|
>>> bool(np.isclose(qml.grad(polar)(z), -np.sin(1.0) * (0.6 - 0.8j)))
True
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from autograd import numpy as anp
from autograd.builtins import tuple as ag_tuple
from autograd.core import make_vjp
from autograd.extend import Box, defvjp_argnums, primitive
from autograd.tracer import getval

from ._locks import new_lock
from .errors import (DifferentiationError, IntegerArgumentError, NonDifferentiableError,
                     ScalarOutputError)
from ._shapes import format_values


class Boxed(Exception):
    """Internal: a QNode was called with autograd boxes (inside a hybrid derivative)."""


def has_box(value) -> bool:
    """True if ``value`` is, or is a list/tuple holding, an autograd box."""
    if isinstance(value, Box):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_box(v) for v in value)
    return False


# --- a QNode call as an autograd primitive ------------------------------------------------
# The primitives return flat float vectors: all measured values, concatenated. The caller
# (call_boxed) cuts them back into the QNode's return structure with boxed slicing.


def _value_key(v):
    """An exact key of an argument's value (numbers by their bytes, never a repr that
    NumPy shortens): a dict, or a list or tuple that is no array of numbers (ragged,
    holding arrays of several shapes), by the keys of its items."""
    v = getval(v)
    if isinstance(v, dict):
        return ("dict", type(v).__name__,
                tuple((_value_key(k), _value_key(x)) for k, x in v.items()))
    try:
        a = np.asarray(v)
    except Exception:  # ragged or exotic: its items' keys, else its repr
        a = None
    if a is not None and a.dtype.kind in "biufc":
        return (a.dtype.str, a.shape, a.tobytes())
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(_value_key(x) for x in v))
    return ("repr", type(v).__name__, repr(v))  # (static arguments are hashable reprs)


def _key(qnode, kwargs, diff, args):
    return (id(qnode), diff, tuple(sorted((k, _value_key(v)) for k, v in kwargs.items())),
            tuple(_value_key(a) for a in args))


def _cached(qnode, name, key, compute):
    """The last result of ``compute`` for this key: autograd's jacobian calls a vjp once
    per output element, each time asking for the same Jacobian or Hessian. Not with
    finite shots: every evaluation must draw new samples."""
    if qnode.current_shots():
        return compute()
    memo = qnode.autodiff_memo  # a declared field of the QNode
    hit = memo.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = compute()
    memo[name] = (key, value)
    return value


EAGER_BYTES = 1 << 28  # the Jacobians computed with their values, kept until asked for
_EAGER_LOCK = new_lock()  # the kept Jacobians' tables (a QNode called from threads)


def _keep_eager(memo, key, jac) -> None:
    """Keep a Jacobian computed with its values (:func:`qnode_values`) until the backward
    pass asks for it: one per call (a cost that calls the QNode at many points, such as a
    sum over a data set, has its backward pass ask for each), at most ``EAGER_BYTES`` of
    them per QNode with their keys, which hold the arguments' bytes (the sum kept as
    ``memo["eager_bytes"]``), the oldest dropped first (the backward pass then computes
    it again). Under :data:`_EAGER_LOCK`: threads share a QNode."""
    size = _entry_bytes(key, jac)
    with _EAGER_LOCK:
        eager = memo.setdefault("eager", {})
        old = eager.pop(key, None)
        total = memo.get("eager_bytes", 0) - (0 if old is None else _entry_bytes(key, old))
        while eager and total + size > EAGER_BYTES:
            oldest = next(iter(eager))
            total -= _entry_bytes(oldest, eager.pop(oldest))
        if size <= EAGER_BYTES:
            eager[key] = jac
            total += size
        memo["eager_bytes"] = total


def _entry_bytes(key, jac) -> int:
    """The bytes a kept Jacobian holds: its array's and its key's (the arguments' bytes)."""
    def key_bytes(k):
        if isinstance(k, (bytes, str)):
            return len(k)
        if isinstance(k, tuple):
            return sum(key_bytes(v) for v in k)
        return 8
    return getattr(jac, "nbytes", 0) + key_bytes(key)


def _take_eager(memo, key):
    """The Jacobian :func:`_keep_eager` kept for ``key``, taken out of the table (None
    without one; one check-and-take, as another thread may take it meanwhile)."""
    with _EAGER_LOCK:
        eager = memo.get("eager")
        jac = eager.pop(key, None) if eager else None
        if jac is not None:
            memo["eager_bytes"] = memo.get("eager_bytes", 0) - _entry_bytes(key, jac)
    return jac


@primitive
def qnode_values(qnode, kwargs, diff, *args):
    """The QNode's measured values at ``args``, flat.

    A QNode called with autograd boxes is inside a derivative, whose backward pass asks
    for the Jacobian at the same point: without shots, the values and the Jacobian are
    computed here in one run of the QNode's method (its forward values are those of its
    Jacobian's run, as ``qml.grad`` of the QNode itself gives them), and the Jacobian is
    kept for :func:`qnode_jacobian`. So a hybrid cost runs the circuit as often as
    PennyLane does (``qml.Tracker``: one execution for backprop and adjoint, the shifted
    circuits once for parameter shift), not once more for the value. With shots the
    value is drawn now and the shifted circuits in the backward pass (PennyLane's two
    batches); where the Jacobian fails, the values are computed alone and the backward
    pass raises its error as before."""
    if not qnode.current_shots():
        try:
            values, jac, _ = qnode.flat_jacobian(args, kwargs, diff)
        except Exception:  # noqa: BLE001 - the value alone, and the error when asked for
            pass
        else:
            _keep_eager(qnode.autodiff_memo, _key(qnode, kwargs, diff, args), jac)
            return values
    values, _ = qnode.flat_values(args, kwargs, diff)
    return values


def _backward_jacobian(qnode, args, kwargs, diff):
    """The Jacobian asked for by autograd's backward pass (``qnode.backward_pass``: with
    shots, the value was drawn by the forward pass, as PennyLane draws it, and only the
    shifted circuits are drawn now)."""
    before = qnode.backward_pass
    qnode.backward_pass = True
    try:
        return qnode.flat_jacobian(args, kwargs, diff)[1]
    finally:
        qnode.backward_pass = before


@primitive
def qnode_jacobian(qnode, kwargs, diff, *args):
    """``J[v, c]``: flat values by the flat differentiated inputs (arguments ``diff``)."""
    key = _key(qnode, kwargs, diff, args)
    jac = _take_eager(qnode.autodiff_memo, key)
    if jac is not None:  # computed with the values (qnode_values)
        qnode.autodiff_memo["jac"] = (key, jac)  # for the vjp's further calls
        return jac
    return _cached(qnode, "jac", key, lambda: _backward_jacobian(qnode, args, kwargs, diff))


def qnode_hessian(qnode, kwargs, diff, *args):
    """``H[v, c, k]``: flat values by the flat differentiated inputs, twice."""
    if any(has_box(a) for a in args):
        raise DifferentiationError(
            "third and higher derivatives of QNodes are not supported (qsym has exact first "
            "and second derivatives)"
        )
    key = _key(qnode, kwargs, diff, args)
    return _cached(qnode, "hess", key, lambda: qnode.flat_hessian(args, kwargs, diff)[2])


def _split(vector, qnode, kwargs, diff, args, argnums):
    """Cut a flat vector over the differentiated inputs into the arguments' shapes."""
    out = []
    offsets = np.cumsum([0] + [int(np.size(getval(args[i]))) for i in diff])
    for argnum in argnums:
        i = argnum - 3
        j = diff.index(i)
        piece = vector[..., offsets[j] : offsets[j + 1]]
        shape = np.shape(getval(args[i]))
        out.append(anp.reshape(piece, piece.shape[:-1] + shape))
    return out


def _values_vjp(argnums, ans, args, kwargs):
    qnode, kw, diff, *xs = args
    once = []  # with shots: one Jacobian per forward value (PennyLane's one batch of
    # shifted circuits), however many times autograd's jacobian calls this vjp

    def vjp(g):
        if not qnode.current_shots():
            jac = qnode_jacobian(qnode, kw, diff, *xs)
        else:
            if not once:
                once.append(qnode_jacobian(qnode, kw, diff, *xs))
            jac = once[0]
        v = anp.dot(g, jac)
        if np.iscomplexobj(jac):  # qml.state(): real inputs take Re(g . J) (autograd's rule)
            v = anp.real(v)
        return _split(v, qnode, kw, diff, xs, argnums)

    return vjp


def _jacobian_vjp(argnums, ans, args, kwargs):
    qnode, kw, diff, *xs = args

    def vjp(g):
        hess = qnode_hessian(qnode, kw, diff, *xs)
        v = anp.tensordot(g, hess, axes=([0, 1], [0, 1]))
        if np.iscomplexobj(hess):  # qml.state(): real inputs take the real part
            v = anp.real(v)
        return _split(v, qnode, kw, diff, xs, argnums)

    return vjp


@primitive
def counts_values(nodes, kwargs, diff, *args):
    """A shot vector's measured values, flat: the values of each count's QNode in
    ``nodes`` (one per count, each with its own shots), concatenated. One primitive for
    all counts: autograd's jacobian of ``stack(qnode(x))`` then makes one backward pass
    per output through one node, not through one node per count (quadratic in the
    number of counts)."""
    return np.concatenate([node.flat_values(args, kwargs, diff)[0] for node in nodes])


def _counts_vjp(argnums, ans, args, kwargs):
    nodes, kw, diff, *xs = args
    once = []  # one Jacobian per count per forward value (each count drew its own shots)

    def vjp(g):
        if not once:
            # (anp: under a Hessian the counts' Jacobians are boxes themselves)
            once.append(anp.concatenate([qnode_jacobian(node, kw, diff, *xs)
                                         for node in nodes], axis=0))
        v = anp.dot(g, once[0])
        if np.iscomplexobj(getval(once[0])):
            v = anp.real(v)
        return _split(v, nodes[0], kw, diff, xs, argnums)

    return vjp


defvjp_argnums(qnode_values, _values_vjp)
defvjp_argnums(qnode_jacobian, _jacobian_vjp)
defvjp_argnums(counts_values, _counts_vjp)


def _boxed_inputs(args, kwargs):
    """``(args, diff, plain)``: the arguments (a list or tuple holding boxes as one boxed
    array), the positions of the boxed ones, and their values without boxes."""
    for name, v in kwargs.items():
        if has_box(v):
            raise DifferentiationError(
                f"keyword argument {name!r} is being differentiated, but keyword arguments "
                "are data in qsym (as in PennyLane); pass it as a positional argument"
            )
    args = [anp.array(a) if isinstance(a, (list, tuple)) and has_box(a) else a for a in args]
    diff = tuple(i for i, a in enumerate(args) if isinstance(a, Box))
    return args, diff, [getval(a) for a in args]


def call_boxed(qnode, args, kwargs):
    """Evaluate ``qnode(*args, **kwargs)`` where some arguments are autograd boxes."""
    given = args
    args, diff, plain = _boxed_inputs(args, kwargs)
    if any(np.iscomplexobj(plain[i]) for i in diff):
        # a complex input differentiated: the compiled circuits take real inputs, so the
        # function runs on autograd's boxes and its tape is differentiated, as PennyLane
        return qnode.run_boxed_tape(given, kwargs, None)
    before = qnode.global_random_state()  # (qsym._trace's: NumPy's read from its memory)
    # (a QNode traced at every call: a copy holding this call's trace, so that autograd's
    # later Jacobian and Hessian are of the same circuit as this value)
    node, entry = qnode.pin(plain, kwargs, diff)
    if entry.by_value:  # a differentiated input used by its number (numpy.linalg, qchem):
        # the function runs on autograd's boxes and its tape is differentiated, as PennyLane;
        # from the generators' state before the trace, so the call draws once, as there
        qnode.restore_global_random(before)
        return qnode.run_boxed_tape(given, kwargs, entry)
    if not entry.drawn and not qnode.reads_arguments(entry):
        # no gate or coefficient holds an argument: PennyLane's tape has no trainable
        # parameter, and its result is no autograd box (qml.math.is_independent reads that)
        return _cut(entry, node.flat_values(plain, kwargs, diff)[0])  # (the pinned trace)
    return _cut(entry, qnode_values(node, kwargs, diff, *args))


def call_boxed_counts(nodes, args, kwargs):
    """``call_boxed`` of a shot vector: ``nodes`` holds one QNode per count (each with
    that count's shots); one result per count, as a tuple, from one autograd primitive."""
    args, diff, plain = _boxed_inputs(args, kwargs)
    pinned = [node.pin(plain, kwargs, diff) for node in nodes]
    flat = counts_values(tuple(node for node, _ in pinned), kwargs, diff, *args)
    out, at = [], 0
    for _, entry in pinned:
        size = _flat_size(entry)
        out.append(_cut(entry, flat[at : at + size]))
        at += size
    return tuple(out)


def _shapes(entry):
    """The shape of each measured value of a compiled signature, in its flat vector."""
    lead = (entry.size,) if entry.broadcast else ()  # a broadcast QNode: batch first
    for (kind, _, _, shape), m in zip(entry.post, entry.circuit.measurements):
        # qml.state(): complex amplitudes (the flat vector is then complex); a quantity
        # of the state (qml.vn_entropy, qml.density_matrix, ...): its own shape
        yield lead + ((2**entry.circuit.num_wires,) if kind == "state" and not m.reduce
                      else shape)


def _flat_size(entry) -> int:
    return sum(int(np.prod(shape)) for shape in _shapes(entry))


def _cut(entry, flat):
    """The flat values of a compiled signature, cut into its return structure (boxed
    slicing: the derivatives follow)."""
    values, at = [], 0
    complex_flat = np.iscomplexobj(getval(flat))
    for shape, m in zip(_shapes(entry), entry.circuit.measurements):
        size = int(np.prod(shape))
        value = flat[at] if shape == () else anp.reshape(flat[at : at + size], shape)
        if complex_flat and not _complex_valued(m):
            # (the flat vector is complex when it holds a state: an expectation value, a
            # probability, an entropy next to it is real, as outside a derivative)
            value = anp.real(value)
        values.append(value)
        at += size
    return format_values(entry.circuit.output, values)


def _complex_valued(m) -> bool:
    """Whether a measurement's values are complex: a state, a density matrix."""
    return m.kind == "state" and (not m.reduce or m.reduce[0] == "density_matrix")


# --- grad, jacobian and hessian of any function -------------------------------------------
NO_TRAINABLE = (
    "Attempted to differentiate a function with no trainable parameters. If this is "
    "unintended, please add trainable parameters via the 'requires_grad' attribute or "
    "'argnums' keyword."
)


def no_trainable():
    """PennyLane's answer when nothing is to be differentiated: a warning and ``()``."""
    warnings.warn(NO_TRAINABLE, UserWarning, stacklevel=3)
    return ()


def _int_tensor(value) -> bool:
    return (isinstance(value, np.ndarray) and hasattr(value, "requires_grad")
            and value.dtype.kind in "iu")


INT_NOT_DIFFERENTIABLE = "Autograd does not support differentiation of ints."


def trainable_indices(args, skip=frozenset()) -> tuple:
    """The positional arguments a derivative takes when no ``argnum`` is given:
    PennyLane's rule (``pennylane/_grad/grad.py``, ``_get_argnum``): an argument is
    trainable if ``getattr(arg, "requires_grad", None)`` is truthy (a ``qsym.numpy``
    tensor, True by default) or it is an autograd box (of an outer derivative). Plain
    Python floats, lists and plain ``numpy`` arrays are not; ``skip``: positions never
    differentiated (the QNode's static arguments). A trainable integer tensor raises
    PennyLane's error (a :class:`DifferentiationError`, a ``ValueError``).

    >>> from qsym import numpy as np
    >>> trainable_indices((np.array([0.1, 0.2]), 0.3, [0.4], np.array(0.5, requires_grad=False)))
    (0,)
    """
    out = []
    for i, a in enumerate(args):
        if isinstance(a, Box):
            out.append(i)
        elif getattr(a, "requires_grad", None) and i not in skip:
            dtype = getattr(a, "dtype", None)
            # (kind "i": the signed integers, the dtypes named "int..."; ``dtype.name`` is
            # computed in Python by NumPy, about 1 us, on every derivative's full path)
            if dtype is not None and getattr(dtype, "kind", None) == "i":
                raise DifferentiationError(
                    f"{INT_NOT_DIFFERENTIABLE} (argument {i} is an integer tensor with "
                    "requires_grad=True: make it float, e.g. np.array([1, 2], dtype=float), "
                    "or pass requires_grad=False)"
                )
            out.append(i)
    return tuple(out)


def check_argnum(argnum, n: int) -> None:
    """Refuse an ``argnum`` index outside ``n`` positional arguments (negative ones count
    from the end, as in Python)."""
    for i in argnum:
        if not -n <= i < n:
            raise DifferentiationError(f"argnum {i} is out of range: the function was called "
                                       f"with {n} positional argument(s)")
    if len({i % n for i in argnum}) != len(argnum):  # [-1, 0] of one argument
        raise DifferentiationError(f"argnum {list(argnum)} repeats an argument (negative "
                                   f"indices count from the end of the {n} arguments)")


def check_named(args, idx) -> None:
    """PennyLane's rule for arguments named by ``argnum``/``argnums``: anything numeric is
    differentiated (a plain float, list or array too), except a tensor marked
    ``requires_grad=False``, which raises PennyLane's ``NonDifferentiableError``
    (``pennylane/numpy/tensor.py``, ``tensor_to_arraybox``)."""
    for i in idx:
        a = args[i]
        # a qsym.numpy tensor (an ndarray with requires_grad; qsym.numpy is not imported
        # here: docs/design.md, the modules' order)
        if isinstance(a, np.ndarray) and hasattr(a, "requires_grad") and not a.requires_grad:
            raise NonDifferentiableError(
                f"{a} is non-differentiable. Set the requires_grad attribute to True. "
                f"(argument {i}, named by argnum, is a tensor with requires_grad=False: "
                "make it trainable or leave it out of argnum)"
            )
        if isinstance(a, (list, tuple)):  # autograd differentiates each item (PennyLane's)
            item = _integer_item(a)
            if item is not None:
                raise IntegerArgumentError(
                    f"Can't differentiate w.r.t. type {type(item)}: argument {i} "
                    f"({type(a).__name__} {a!r:.60}), named by argnum, holds the integer "
                    f"{item!r}; write it as a float ({float(item)!r}) or pass a float array")


def _integer_item(items):
    """The first integer (a bool too) in the nested list or tuple ``items``, else None.

    >>> _integer_item([0.3, [0.1, 2]]), _integer_item((0.3, 1.0))
    (2, None)
    """
    for v in items:
        if isinstance(v, (list, tuple)):
            found = _integer_item(v)
            if found is not None:
                return found
        elif isinstance(v, (numbers.Integral, np.bool_)):
            return v
    return None


def _prepare(args, argnum, name):
    n = len(args)
    if argnum is None:
        idx = trainable_indices(args)
    else:
        check_argnum(argnum, n)
        idx = tuple(i % n for i in argnum)
        check_named(args, idx)
    start = []
    for i in idx:
        a = args[i]
        if isinstance(a, Box):
            start.append(a)
            continue
        if _int_tensor(a):  # promoted, as NumPy promotes ints in float arithmetic
            start.append(np.asarray(a, dtype=np.float64) if a.ndim else float(a))
            continue
        if isinstance(a, numbers.Integral) or (
            isinstance(a, np.ndarray) and a.dtype.kind in "iub"
        ):
            raise DifferentiationError(
                f"argument {i} ({a!r}) is an integer and cannot be differentiated; pass floats"
            )
        if (isinstance(a, np.ndarray) and hasattr(a, "requires_grad")
                and a.dtype == np.float64):
            # a qsym.numpy tensor: autograd's boxes wrap the tensor itself, as PennyLane's
            # do, so the chain rule's products with it (np.sin's vjp: g * cos(x)) are
            # tensors there too and the gradient has PennyLane's type
            start.append(a)
            continue
        arr = np.asarray(a)
        if arr.dtype.kind == "c":  # autograd's (PennyLane's) complex gradient: d/dRe - i d/dIm
            start.append(arr.view(np.ndarray) if arr.ndim else complex(arr))
            continue
        if arr.dtype.kind not in "f":
            raise DifferentiationError(
                f"argument {i} ({type(a).__name__}) cannot be differentiated: only floats "
                "and float arrays can"
            )
        start.append(arr.astype(np.float64).view(np.ndarray) if arr.ndim else float(arr))
    return idx, tuple(start)


def _traceable(out):
    """A function's result as autograd traces it: a tuple or list holding boxes (several
    results, a Jacobian of several arguments inside an outer derivative) becomes autograd's
    own tuple, one box whose parts carry the derivatives; a plain tuple of boxes would be
    taken for a constant (zero derivatives)."""
    if isinstance(out, (tuple, list)) and has_box(out):
        return ag_tuple(_traceable(o) for o in out)
    return out


def _vjp(fun, args, kwargs, idx, start):
    def f(diff_values):
        full = list(args)
        for i, v in zip(idx, diff_values):
            full[i] = v
        return _traceable(fun(*full, **kwargs))

    if len(start) == 1:  # one argument: its own vjp, as autograd's grad of one argnum (a
        # tuple of starts would sum each gradient into vspace zeros: plain arrays always)
        one, ans = make_vjp(lambda v: f((v,)), start[0])
        return (lambda g: (one(g),)), ans
    return make_vjp(f, start)


def _check_numbers(value, what: str, error) -> None:
    """Refuse a result that is not numbers (a string, None, an object): its derivative is
    not zero, it does not exist (PennyLane's autograd raises a ``TypeError`` for ``grad``
    and a ``ValueError`` for ``jacobian``, which ``error`` is)."""
    if isinstance(value, (tuple, list)):
        for v in value:
            _check_numbers(getval(v), what, error)
        return
    if isinstance(value, numbers.Number):
        return
    try:
        array = np.asarray(value)
        kind = array.dtype.kind
    except Exception:  # noqa: BLE001 - not convertible: not numbers
        array, kind = None, "X"
    if kind == "O":
        flat = list(array.flat)
        if any(isinstance(v, Box) for v in flat):  # autograd would give zeros
            raise error(
                f"{what}: the function returned a plain NumPy array holding traced values "
                "(numpy.array of QNode results): NumPy drops their derivatives; build it "
                "with qsym's numpy (from qsym import numpy as np) or qml.math.stack")
        if flat and all(isinstance(v, numbers.Number) for v in flat):
            return
    if kind not in "biufc":
        raise error(
            f"{what} differentiates functions that return numbers (a float or an array of "
            f"floats); this one returned {type(value).__name__} {value!r:.60}: return a "
            "number, e.g. a QNode's measurement")


def grad(fun, args, kwargs, argnum, single):
    """The gradient of a scalar function; ``(gradient, value)``."""
    idx, start = _prepare(args, argnum, "grad")
    if not idx:
        return no_trainable(), fun(*args, **kwargs)
    vjp, ans = _vjp(fun, args, kwargs, idx, start)
    _check_numbers(getval(ans), "grad", ScalarOutputError)
    # one number, also as an array of one element (shape (1,), (1, 1): PennyLane's rule)
    if isinstance(getval(ans), (tuple, list)) or np.size(getval(ans)) != 1:
        raise ScalarOutputError(
            "grad only applies to real scalar-output functions (one number); this one returns "
            f"{type(getval(ans)).__name__} of shape {np.shape(getval(ans))}: use qml.jacobian"
        )
    if np.iscomplexobj(getval(ans)):  # autograd's grad would give Re(df/dx) alone
        raise ScalarOutputError(
            "grad only applies to real scalar-output functions; this one returns a complex "
            "number: use qml.jacobian for its complex derivative, or differentiate its real "
            "and imaginary parts (np.real, np.imag) apart")
    shape = np.shape(getval(ans))
    # the cotangent as autograd's grad makes it (vspace(ans).ones()): an array, also of
    # shape () for a number (a float cotangent reaches the vjp of untake, autograd's own
    # second derivative of indexing, which indexes it: a 0-d argument's Hessian by grad)
    grads = vjp(anp.ones(shape))
    grads = tuple(grads)
    return (grads[0] if single or (argnum is None and len(idx) == 1) else grads), ans


def jacobian(fun, args, kwargs, argnum, single):
    """The Jacobian of an array-valued function (or a tuple of them); ``(jacobian, value)``.

    Each result has the shape ``(*output shape, *argument shape)``.
    """
    idx, start = _prepare(args, argnum, "jacobian")
    if not idx:
        return no_trainable(), fun(*args, **kwargs)
    vjp, ans = _vjp(fun, args, kwargs, idx, start)
    # several results (also as autograd's tuple box inside an outer derivative)
    several = type(getval(ans)) if isinstance(getval(ans), (tuple, list)) else None
    outputs = [ans[i] for i in range(len(getval(ans)))] if several else [ans]
    for out in outputs:
        _check_numbers(getval(out), "jacobian", DifferentiationError)
    sizes = [int(np.size(getval(o))) for o in outputs]
    shapes = [np.shape(getval(o)) for o in outputs]
    kinds = [complex if np.iscomplexobj(getval(o)) else float for o in outputs]
    per_output = []
    for m, out in enumerate(outputs):
        rows = []
        for j in range(sizes[m]):
            def row(unit, m=m, j=j):
                cot = []
                for q, o in enumerate(outputs):
                    c = np.zeros(sizes[q], dtype=kinds[q])
                    if q == m:
                        c[j] = unit
                    cot.append(c.reshape(shapes[q]))  # (an array also of shape (): grad's)
                return tuple(vjp(several(cot) if several else cot[0]))
            g = row(1.0)
            if kinds[m] is complex:
                # a complex result (qml.state()): autograd's vjp of a real input takes
                # Re(g . J), so J = vjp(1) - 1j vjp(1j), row by row: the whole complex
                # Jacobian, as a QNode's own qml.jacobian gives it (never its real part)
                g = tuple(a - 1j * b for a, b in zip(g, row(1j)))
            rows.append(g)
        jacs = []
        for a in range(len(idx)):
            stacked = anp.stack([r[a] for r in rows]) if rows else np.zeros((0,))
            jacs.append(anp.reshape(stacked, shapes[m] + np.shape(getval(start[a]))))
        per_output.append(jacs[0] if single or (argnum is None and len(idx) == 1) else tuple(jacs))
    result = several(per_output) if several else per_output[0]
    return result, ans
