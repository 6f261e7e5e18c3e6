"""PennyLane's transform mechanism (``qml.transform``, ``qml.transforms.core``): a function
``tape -> (tapes, postprocessing)`` becomes a :class:`Transform` that applies to a tape, a
batch of tapes, a quantum function, a QNode or a :class:`CompilePipeline`.

A transformed QNode is a copy of the QNode carrying a pipeline (``qnode.compile_pipeline``,
the QNode's ``pipeline`` hook): each call records the QNode's function on the numbers as a
tape, runs the pipeline on it and executes the tapes it gives with ``qml.execute`` (qsym's
compiled circuit per tape structure, :mod:`qsym._tapes`), then applies the postprocessing.
Under ``qml.grad`` the tapes' parameters are autograd boxes, so derivatives flow through the
transform, the compiled circuits (parameter shift) and the postprocessing alike.

>>> import qsym as qml
>>> @qml.transform
... def drop_rz(tape):
...     ops = [op for op in tape.operations if op.name != "RZ"]
...     return [tape.copy(operations=ops)], lambda results: results[0]
>>> t = qml.tape.QuantumScript([qml.RZ(0.1, 0), qml.RX(0.2, 0)], [qml.expval(qml.Z(0))])
>>> (new,), fn = drop_rz(t)
>>> new.operations
[RX(0.2, wires=[0])]
"""

from __future__ import annotations

import contextvars
import copy as _copy
import enum
import functools
import types
import warnings
from collections.abc import Callable, MutableMapping, Sequence

import autograd.numpy as anp
from autograd.builtins import SequenceBox
from autograd.tracer import Box
import numpy as np

from ._operations import MeasurementProcess
from ._runtime import QNode, typed_results
from ._shots import Shots
from . import devices as _devices
from .devices import Device, own_derivatives, runs_own_execute, untransformed_device
from ._tapes import (EXACT, NO_GRADIENTS, QuantumScript, QuantumTape, apply, device_derivatives, execute,
                     GRADIENT_EXPANSIONS, gate_parameters)
from ._trace import Tape, active_tape, output_kind, recording
from .errors import ArgumentError, LevelError, MeasurementError, QuantumFunctionError, TransformError
from .exceptions import PennyLaneDeprecationWarning
from .math import requires_grad

__all__ = ["Transform", "BoundTransform", "CompilePipeline", "TransformProgram", "transform",
           "TransformDispatcher", "TransformContainer", "null_postprocessing", "qnode_tape",
           "run_qnode", "qnode_gradient", "LEVELS", "level_slice", "apply_op", "detached", "apply_transform",
           "with_transform", "record", "install_qnode_pipeline", "GENERIC",
           "batch_postprocessing", "apply_postprocessing_stack", "ProtectedLevel",
           "CotransformCache", "VALUES_UNSEEN", "results_unchanged"]


def null_postprocessing(results):
    """The postprocessing of a transform that changes nothing: the first result.

    >>> null_postprocessing([0.5])
    0.5
    """
    return results[0]


def results_unchanged(results):
    """The postprocessing of an empty pipeline: the results themselves (PennyLane's
    ``null_postprocessing`` of ``qml.transforms.core.compile_pipeline``).

    >>> r = [0.5, 0.25]
    >>> results_unchanged(r) is r
    True
    """
    return results


class _Sink(Tape):
    """A tape nobody reads: gates made inside a transform are not applied anywhere."""

    def add_measurement(self, mp) -> None:
        self.items.append(mp)


def detached():
    """A context in which new gates and measurements are recorded nowhere (PennyLane's
    ``QueuingManager.stop_recording``): a transform's rewritten gates are made in it.

    >>> import qsym as qml
    >>> with qml.tape.QuantumTape() as t:
    ...     with detached():
    ...         _ = qml.RX(0.1, 0)
    >>> t.operations
    []
    """
    return recording(_Sink())


def apply_op(op):
    """Record an existing gate or measurement on the tape being recorded (``qml.apply``).

    >>> import qsym as qml
    >>> with qml.tape.QuantumTape() as t:
    ...     _ = apply_op(qml.RY(0.2, 0, id=None))
    >>> len(t.operations)
    2
    """
    return apply(op)


GENERIC: dict = {}  # type -> how every transform applies to it (Transform.generic_register)


class Transform:
    """PennyLane's ``Transform`` (``qml.transform(fn)``; also ``TransformDispatcher``): a
    tape transform ``fn(tape, *targs, **tkwargs) -> (tapes, postprocessing)`` that applies
    to a tape (its tapes and postprocessing), a batch of tapes, a quantum function (one
    tape out), a QNode (a new QNode running the transform at every call) or a
    :class:`CompilePipeline`; called with keywords only, a :class:`BoundTransform`.

    ``expand_transform`` runs before the transform on each tape; ``classical_cotransform``
    runs when the pipeline holds a :class:`CotransformCache`; ``is_informative`` transforms
    return the postprocessing of the tapes themselves (nothing runs); ``final_transform``
    marks a transform that must be last in a pipeline.

    >>> import qsym as qml
    >>> @qml.transform
    ... def twice(tape):
    ...     return [tape, tape], lambda res: res[0] + res[1]
    >>> @twice
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.RX(x, 0)
    ...     return qml.expval(qml.Z(0))
    >>> round(float(c(0.0)), 12)
    2.0
    """

    def __init__(self, tape_transform=None, pass_name=None, *, setup_inputs=None,
                 expand_transform=None, classical_cotransform=None, is_informative=False,
                 final_transform=False, use_argnum_in_expand=False, plxpr_transform=None):
        if tape_transform is not None and not callable(tape_transform):
            raise TransformError(
                f"The function to register, {tape_transform}, does not appear to be a valid "
                "Python function or callable.")
        if expand_transform is not None and not callable(expand_transform):
            raise TransformError("The expand function must be a valid Python function.")
        if classical_cotransform is not None and not callable(classical_cotransform):
            raise TransformError("The classical co-transform must be a valid Python function.")
        if tape_transform is None and pass_name is None:
            raise ValueError("Transforms must define either a tape transform or a pass_name")
        self._tape_transform = tape_transform
        self._expand_transform = expand_transform
        self._classical_cotransform = classical_cotransform
        self._is_informative = is_informative
        self._is_final_transform = is_informative or final_transform
        self._custom_qnode_transform = None
        self._pass_name = pass_name
        self._setup_inputs = setup_inputs or (lambda *a, **k: (a, k))
        self._registered: dict = {}
        if tape_transform is not None:
            functools.update_wrapper(self, tape_transform)

    tape_transform = property(lambda self: self._tape_transform, doc="the tape function")
    expand_transform = property(lambda self: self._expand_transform, doc="the expansion")
    classical_cotransform = property(lambda self: self._classical_cotransform,
                                     doc="the classical co-transform (run with a CotransformCache)")
    is_informative = property(lambda self: self._is_informative,
                              doc="whether the transform's result is its postprocessing of "
                                  "the tapes (nothing executes)")
    is_final_transform = property(lambda self: self._is_final_transform,
                                  doc="whether the transform must be a pipeline's last")
    pass_name = property(lambda self: self._pass_name, doc="the compiler pass name (None)")
    plxpr_transform = property(lambda self: None, doc="None: qsym has no program capture")

    def setup_inputs(self, *targs, **tkwargs):
        """The transform's arguments as its ``setup_inputs`` function normalises them (a
        ``TypeError`` of that call names the transform, not the function)."""
        try:
            return self._setup_inputs(*targs, **tkwargs)
        except TypeError as exc:
            name = getattr(self._setup_inputs, "__qualname__", None)
            text = str(exc.args[0]) if exc.args else str(exc)
            if name is None or f"{name}()" not in text:
                raise
            raise TypeError(text.replace(f"{name}()", repr(self))) from exc

    def register(self, kind):
        """A decorator registering how the transform applies to objects of type ``kind``
        (``@my_transform.register`` on ``def _(obj: Kind, *targs, **tkwargs)``, or
        ``my_transform.register(Kind)(fn)``)."""
        return _register(self._registered, kind)

    @staticmethod
    def generic_register(kind):
        """A decorator registering how every transform applies to objects of type
        ``kind``: ``fn(obj, transform, *targs, **tkwargs)`` (a type, or a function whose
        first argument is annotated with one)."""
        return _register(GENERIC, kind)

    def custom_qnode_transform(self, fn):
        """Register ``fn(self, qnode, targs, tkwargs) -> QNode``, used instead of the
        default when the transform applies to a QNode."""
        self._custom_qnode_transform = fn

    def default_qnode_transform(self, qnode, targs, tkwargs):
        """A copy of ``qnode`` with this transform appended to its pipeline."""
        return with_transform(qnode, BoundTransform(self, targs, tkwargs))

    def generic_apply_transform(self, obj, *targs, **tkwargs):
        """Apply the transform to ``obj`` by its kind (tape, batch, QNode, function,
        pipeline); anything else is taken as the transform's first argument."""
        return apply_transform(self, obj, targs, tkwargs)

    def __call__(self, *args, **kwargs):
        if not args and not kwargs:
            raise TypeError(f"{self!r} requires at least one argument. Provide a tape, qfunc, "
                            "QNode, or device to transform, or provide keyword arguments to "
                            "create a BoundTransform for composition.")
        if not args:
            targs, tkwargs = self.setup_inputs(**kwargs)
            return BoundTransform(self, targs, tkwargs)
        obj, *targs = args
        for kind, fn in self._registered.items():
            if isinstance(obj, kind):
                return fn(obj, *targs, **kwargs)
        return apply_transform(self, obj, tuple(targs), kwargs)

    def __repr__(self):
        name = self._tape_transform.__name__ if self._tape_transform else self._pass_name
        return f"<transform: {name}>"

    def __add__(self, other):
        if not isinstance(other, (Transform, BoundTransform)):
            return NotImplemented
        return BoundTransform(self) + other

    def __mul__(self, n):
        return BoundTransform(self) * n

    __rmul__ = __mul__


_devices.GRADIENT_METHOD_TYPES.append(Transform)  # PennyLane's ExecutionConfig check


def _register(table: dict, kind):
    """``table[type] = fn`` for ``register(type)(fn)`` or ``register(fn)`` (the type
    read from the annotation of ``fn``'s first argument)."""
    if isinstance(kind, type):
        def decorate(fn):
            table[kind] = fn
            return fn

        return decorate
    hint = list(getattr(kind, "__annotations__", {}).values())
    if not hint:
        raise TransformError(f"register needs a type, or a function whose first argument is "
                             f"annotated with one; got {kind!r}")
    table[_annotation(hint[0], kind)] = kind
    return kind


def _annotation(hint, fn):
    if isinstance(hint, type):
        return hint
    raise TransformError(f"register needs a type, or a function whose first argument is "
                         f"annotated with one; got {fn!r}")


class BoundTransform:
    """PennyLane's ``BoundTransform`` (also ``TransformContainer``): a transform with its
    arguments, as a pipeline holds it; calling it on an object applies the transform.

    >>> import qsym as qml
    >>> b = qml.transforms.merge_rotations(atol=1e-4)
    >>> b, b.kwargs
    (<merge_rotations(atol=0.0001)>, {'atol': 0.0001})
    """

    def __init__(self, transform, args=(), kwargs=None, *, use_argnum=False, **config):
        if not isinstance(transform, Transform):
            transform = Transform(transform, **config)
        elif config:
            raise ValueError(f"transform_config kwargs {config} cannot be passed if a "
                             "transform is provided.")
        self._transform = transform
        self._args = tuple(args)
        self._kwargs = dict(kwargs or {})

    transform_object = property(lambda self: self._transform, doc="the :class:`Transform`")
    args = property(lambda self: self._args, doc="the positional arguments")
    kwargs = property(lambda self: self._kwargs, doc="the keyword arguments")
    tape_transform = property(lambda self: self._transform.tape_transform,
                              doc="the tape function")

    @property
    def transform(self):
        """The tape function (PennyLane 0.45's deprecated name of :attr:`tape_transform`;
        warns as PennyLane does)."""
        warnings.warn("The 'BoundTransform.transform' property is deprecated and will be "
                      "removed in v0.46. Please use 'BoundTransform.tape_transform' instead.",
                      PennyLaneDeprecationWarning, stacklevel=2)
        return self.tape_transform
    classical_cotransform = property(lambda self: self._transform.classical_cotransform,
                                     doc="the classical co-transform")
    is_informative = property(lambda self: self._transform.is_informative,
                              doc="whether the transform is informative")
    is_final_transform = property(lambda self: self._transform.is_final_transform,
                                  doc="whether it must be last")
    pass_name = property(lambda self: self._transform.pass_name, doc="the pass name")
    plxpr_transform = property(lambda self: None, doc="None")

    @property
    def expand_transform(self):
        """The expansion as a bound transform with the same arguments, or None."""
        fn = self._transform.expand_transform
        return None if fn is None else BoundTransform(fn, self._args, self._kwargs)

    def __call__(self, obj):
        return self._transform(obj, *self._args, **self._kwargs)

    def __iter__(self):
        t = self._transform
        return iter((t.tape_transform, self._args, self._kwargs, t.classical_cotransform,
                     None, t.is_informative, t.is_final_transform))

    def __eq__(self, other):
        return (isinstance(other, BoundTransform) and self.args == other.args
                and self.tape_transform == other.tape_transform
                and self.pass_name == other.pass_name
                and self.kwargs == other.kwargs
                and self.classical_cotransform == other.classical_cotransform
                and self.is_informative == other.is_informative
                and self.is_final_transform == other.is_final_transform)

    def __hash__(self):
        return hash((self.tape_transform, self.pass_name, self.args,
                     tuple(self.kwargs.items())))

    def __repr__(self):
        name = self.tape_transform.__name__ if self.tape_transform else self.pass_name
        parts = [repr(a) for a in self._args] + [f"{k}={v}" for k, v in self._kwargs.items()]
        return f"<{name}({', '.join(parts)})>"

    def __add__(self, other):
        if not isinstance(other, (Transform, BoundTransform)):
            return NotImplemented
        if self.is_final_transform and other.is_final_transform:
            raise TransformError(f"Both {self} and {other} are final transforms and cannot "
                                 "be combined.")
        return CompilePipeline(self, other)

    def __mul__(self, n):
        if not isinstance(n, int):
            return NotImplemented
        if n < 0:
            raise ValueError("Cannot multiply transform container by negative integer")
        if self.is_final_transform and n > 1:
            raise TransformError(f"{self} is a final transform and cannot be applied more "
                                 "than once.")
        return CompilePipeline(*([self] * n))

    __rmul__ = __mul__


def _bound(obj) -> BoundTransform:
    if isinstance(obj, BoundTransform):
        return obj
    if isinstance(obj, Transform):
        return BoundTransform(obj)
    raise TransformError(f"a compile pipeline holds transforms; got {obj!r} (make one with "
                         "qml.transform(fn))")


def batch_postprocessing(results, individual_fns, slices):
    """Each tape's postprocessing on its slice of a batch's results (PennyLane's
    ``_batch_postprocessing``).

    >>> batch_postprocessing((1, 2, 3), [sum, lambda r: r[0]], [slice(0, 2), slice(2, 3)])
    (3, 3)
    """
    return tuple(fn(results[s]) for fn, s in zip(individual_fns, slices))


def apply_postprocessing_stack(results, postprocessing_stack):
    """The postprocessings of a pipeline's transforms, last transform's first (PennyLane's
    ``_apply_postprocessing_stack``).

    >>> apply_postprocessing_stack((1.0,), [lambda r: r[0], lambda r: (2 * r[0],)])
    2.0
    """
    for fn in reversed(postprocessing_stack):
        results = fn(results)
    return results


class ProtectedLevel(str, enum.Enum):
    """PennyLane's names of a pipeline's levels (no marker may take them).

    >>> [level.value for level in ProtectedLevel][:4]
    ['top', 'user', 'gradient', 'device']
    """

    TOP = "top"
    USER = "user"
    GRADIENT = "gradient"
    DEVICE = "device"
    ALL = "all"
    ALL_MLIR = "all-mlir"


class CotransformCache:
    """PennyLane's ``CotransformCache``: a QNode and the arguments of one call, from which
    a transform with a classical co-transform (a gradient transform) gets the classical
    Jacobian of each of its input tapes' trainable parameters by the QNode's trainable
    arguments (autograd through the QNode's tape and the transforms before it).

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> @qml.gradients.param_shift
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.RX(2 * x, 0)
    ...     qml.RY(x ** 2, 0)
    ...     return qml.expval(qml.Z(0))
    >>> cache = CotransformCache(c, (pnp.array(3.0),), {})
    >>> cache.get_classical_jacobian(c.compile_pipeline[-1], 0)
    array([2., 6.])
    """

    def __init__(self, qnode, args, kwargs):
        self.qnode = qnode
        self.args = args
        self.kwargs = kwargs

    def __eq__(self, other):
        return (isinstance(other, CotransformCache) and self.qnode == other.qnode
                and self.args == other.args and self.kwargs == other.kwargs)

    __hash__ = None

    def _index(self, bound) -> int:
        for i, item in enumerate(self.qnode.compile_pipeline):
            if item == bound:
                return i
        raise ValueError(f"Could not find {bound} in qnode's transform program.")

    def get_classical_jacobian(self, bound, tape_idx: int):
        """The Jacobian of the trainable parameters of the ``tape_idx``-th tape the
        transforms before ``bound`` make, by the trainable arguments (one: an array; several:
        a tuple, as ``qml.jacobian``); None if ``bound`` has no classical co-transform."""
        from autograd import jacobian as ajacobian

        index = self._index(bound)
        if bound.classical_cotransform is None:
            return None
        # (trainable: autograd values and tensors with requires_grad=True; any other
        # argument, a graph or a plain float, a constant)
        diff = [i for i, a in enumerate(self.args)
                if isinstance(a, Box) or getattr(a, "requires_grad", False) is True]
        if not diff:
            raise QuantumFunctionError("No trainable parameters. (qsym: the arguments "
                                       "differentiated are tensors with requires_grad=True)")
        before = self.qnode.compile_pipeline[:index]

        def params(*args):
            tapes, _ = before((qnode_tape(self.qnode, args, self.kwargs),))
            data = tapes[tape_idx].get_parameters(trainable_only=True)
            return anp.stack(data) if data else anp.zeros(0)

        jacs = []
        for i in diff:
            def one(a, i=i):
                return params(*self.args[:i], a, *self.args[i + 1:])
            jacs.append(ajacobian(one)(self.args[i]))
        return jacs[0] if len(jacs) == 1 else tuple(jacs)

    def get_argnums(self, bound):
        """PennyLane's trainable positions from a transform's ``argnums`` under JAX: None
        (qsym differentiates with autograd, where ``argnum`` selects tape parameters)."""
        self._index(bound)
        return None


def _one_transform(bound: BoundTransform, tapes):
    """Apply one bound transform's tape function to each tape (its expansion is the
    pipeline's previous item): the new batch and its postprocessing."""
    fn_of_tape = bound.tape_transform
    if fn_of_tape is None:
        raise NotImplementedError(f"transform {bound} has no defined tape transform.")
    # (PennyLane's: ``argnums`` and ``hybrid`` are the QNode's, not the tape function's)
    kwargs = {k: v for k, v in bound.kwargs.items() if k not in ("argnums", "hybrid")}
    out, fns, slices = [], [], []
    for tape in tapes:
        new, fn = fn_of_tape(tape, *bound.args, **kwargs)
        slices.append(slice(len(out), len(out) + len(new)))
        out.extend(new)
        fns.append(fn)
    return tuple(out), functools.partial(batch_postprocessing, individual_fns=fns, slices=slices)


def _cotransform_step(bound, tapes, cache):
    """The postprocessing of the classical co-transform of ``bound`` on its input
    ``tapes`` (each tape's result contracted with its classical Jacobian from ``cache``),
    or None when there is none (no co-transform, no cache)."""
    cotransform = bound.classical_cotransform
    if cotransform is None or cache is None:
        return None
    fns = [functools.partial(cotransform, cjac=cache.get_classical_jacobian(bound, i), tape=t)
           for i, t in enumerate(tapes)]
    return functools.partial(batch_postprocessing, individual_fns=fns,
                             slices=list(range(len(tapes))))


class CompilePipeline:
    """PennyLane's ``CompilePipeline`` (also ``TransformProgram``): an ordered list of
    bound transforms. Called on a tape or a batch it gives ``(tapes, postprocessing)``, the
    transforms applied in order and their postprocessings in reverse; called on a QNode or
    a quantum function it applies each transform to it.

    >>> import qsym as qml
    >>> p = qml.CompilePipeline(qml.transforms.cancel_inverses, qml.transforms.merge_rotations)
    >>> t = qml.tape.QuantumScript([qml.X(0), qml.X(0), qml.RX(0.1, 0), qml.RX(0.2, 0)])
    >>> (new,), fn = p(t)
    >>> new.operations
    [RX(0.30000000000000004, wires=[0])]
    """

    def __init__(self, *transforms, cotransform_cache=None):
        self._items: list = []
        self._markers: dict = {}
        self.cotransform_cache = cotransform_cache
        if len(transforms) == 1 and isinstance(transforms[0], (list, tuple)):
            items = list(transforms[0])
            if all(isinstance(t, BoundTransform) for t in items):
                self._items = items  # as given (expansions included by whoever made them)
                return
            transforms = tuple(items)
        for obj in transforms:
            if not isinstance(obj, (CompilePipeline, BoundTransform, Transform)):
                raise TypeError("CompilePipeline can only be constructed with a series of "
                                "transforms or compile pipelines, or with a single list of "
                                "transforms.")
            self += obj

    def __copy__(self):
        new = CompilePipeline(self._items[:], cotransform_cache=self.cotransform_cache)
        new._markers = dict(self._markers)
        return new

    copy = __copy__

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return bool(self._items)

    def __getitem__(self, idx):
        if not isinstance(idx, slice):
            return self._items[idx]
        start, stop, step = idx.indices(len(self._items))
        new = CompilePipeline(self._items[idx])
        if step == 1:
            upper = stop + 1 if stop == len(self._items) else stop
            new._markers = {k: v - start for k, v in self._markers.items() if start <= v < upper}
        elif self._markers:
            warnings.warn("Slicing a CompilePipeline that contains markers with a step size "
                          "other than 1 is not supported. Markers have been dropped from the "
                          "result (slice with step 1 to keep them).", UserWarning, stacklevel=2)
        return new

    def __eq__(self, other):
        return (isinstance(other, CompilePipeline) and self._items == other._items
                and self._markers == other._markers)

    __hash__ = None

    def __contains__(self, obj):
        if isinstance(obj, BoundTransform):
            return obj in self._items
        if isinstance(obj, Transform):
            return any(obj.tape_transform == b.tape_transform for b in self._items)
        return False

    @staticmethod
    def _as_pipeline(other):
        if isinstance(other, Transform):
            other = BoundTransform(other)
        if isinstance(other, BoundTransform):
            expand = other.expand_transform
            return CompilePipeline([expand, other] if expand is not None else [other])
        return other if isinstance(other, CompilePipeline) else None

    def __add__(self, other):
        new = _copy.copy(self)
        return new._extend_with(other)

    def __iadd__(self, other):
        return self._extend_with(other)

    def _extend_with(self, other):
        other = self._as_pipeline(other)
        if other is None:
            return NotImplemented
        if self.has_final_transform and other.has_final_transform:
            raise TransformError("The compile pipeline already has a terminal transform.")
        if self.cotransform_cache is not None and other.cotransform_cache is not None:
            raise ValueError("Cannot add two compile pipelines with cotransform caches.")
        for name, pos in other._markers.items():
            self._markers[name] = pos + len(self._items)
        self._items.extend(other._items)
        self.cotransform_cache = self.cotransform_cache or other.cotransform_cache
        return self

    def __radd__(self, other):
        first = self._as_pipeline(other)
        if first is None or isinstance(other, CompilePipeline):
            return NotImplemented
        return first._extend_with(self)

    def __mul__(self, n):
        if not isinstance(n, int):
            return NotImplemented
        if n < 0:
            raise ValueError("Cannot multiply compile pipeline by negative integer")
        if self.has_final_transform:
            raise TransformError("Cannot multiply a compile pipeline that has a terminal "
                                 "transform.")
        new = CompilePipeline(self._items * n, cotransform_cache=self.cotransform_cache)
        new._markers = dict(self._markers)
        return new

    __rmul__ = __mul__

    def _lines(self, entry) -> str:
        """PennyLane's layout: one numbered line per transform (``entry`` of it), each
        marker's name after the transforms below it."""
        at: dict = {}
        for label, index in self._markers.items():
            at.setdefault(index, []).append(label)
        lines = []
        if 0 in at:
            lines.append(f"   {'├─▶' if self else '└─▶'} {', '.join(at[0])}")
        for i, bound in enumerate(self._items):
            lines.append(f"  [{i + 1}] {entry(bound)}" + "," * (i != len(self._items) - 1))
            if i + 1 in at:
                lines.append(f"   {'├─▶' if i != len(self._items) - 1 else '└─▶'} "
                             f"{', '.join(at[i + 1])}")
        return "CompilePipeline(\n" + "\n".join(lines) + "\n)" if lines else "CompilePipeline()"

    def __repr__(self):
        return self._lines(repr)

    def __str__(self):
        return self._lines(lambda bound: f"{_name(bound)}({_args_text(bound)})")

    def _ipython_display_(self):
        """IPython shows the pipeline's ``str`` (PennyLane's)."""
        print(str(self))

    @property
    def has_final_transform(self) -> bool:
        """Whether a transform of the pipeline is a final one (a gradient transform)."""
        return any(b.is_final_transform for b in self._items)

    @property
    def is_informative(self) -> bool:
        """Whether the last transform is informative."""
        return bool(self._items) and self._items[-1].is_informative

    def has_classical_cotransform(self) -> bool:
        """Whether a transform has a classical co-transform."""
        return any(b.classical_cotransform is not None for b in self._items)

    def set_classical_component(self, qnode, args, kwargs) -> None:
        """Keep ``qnode`` and a call's arguments (a :class:`CotransformCache`) when a
        transform has a classical co-transform and the last is hybrid (no
        ``hybrid=False``): calling the pipeline on tapes then contracts the gradient
        transform's results with the classical Jacobian by the arguments."""
        if self.has_classical_cotransform() and self._items[-1].kwargs.get("hybrid", True):
            self.cotransform_cache = CotransformCache(qnode, args, kwargs)

    def append(self, transform) -> None:
        """Add a transform (and before it its expansion, if it has one) at the end."""
        if isinstance(transform, (list, tuple, CompilePipeline)):
            raise TypeError("append() expects a single transform, not a sequence. Use "
                            "extend() to add multiple transforms at once.")
        bound = transform if isinstance(transform, BoundTransform) else BoundTransform(transform)
        if self.has_final_transform and bound.is_final_transform:
            raise TransformError("The compile pipeline already has a terminal transform.")
        if bound.expand_transform is not None:
            self._items.append(bound.expand_transform)
        self._items.append(bound)

    push_back = append

    def add_transform(self, transform, *targs, **tkwargs) -> None:
        """Append ``transform`` bound to these arguments (a function standing for a
        transform, ``qml.compile``, is that transform)."""
        transform = getattr(transform, "pennylane_transform", transform)
        if not isinstance(transform, Transform):
            raise TransformError("Only transforms can be added to the compile pipeline.")
        self.append(BoundTransform(transform, targs, tkwargs))

    def extend(self, transforms) -> None:
        """Append each transform (or a pipeline's transforms and markers) in turn."""
        if isinstance(transforms, CompilePipeline):
            self._extend_with(transforms)
            return
        for t in transforms:
            self._extend_with(t)

    def insert(self, index: int, transform) -> None:
        """Insert a transform (after its expansion) at ``index``."""
        self._markers = {k: (v + 1 if v >= index else v) for k, v in self._markers.items()}
        bound = transform if isinstance(transform, BoundTransform) else BoundTransform(transform)
        if self and bound.is_final_transform:
            raise TransformError("Terminal transform can only be added to the end of the "
                                 "pipeline.")
        self._items.insert(index, bound)
        if bound.expand_transform is not None:
            self._items.insert(index, bound.expand_transform)

    def pop(self, index: int = -1):
        """Remove and return the transform at ``index`` (with the expansion right before
        it, if that is its own ``expand_transform``)."""
        bound = self._items.pop(index)
        index = index if index >= 0 else len(self._items) + index + 1
        self._markers = {k: (v - 1 if v > index else v) for k, v in self._markers.items()}
        if index > 0 and bound.expand_transform is not None \
                and bound.expand_transform == self._items[index - 1]:
            self._items.pop(index - 1)
            self._markers = {k: (v - 1 if v > index - 1 else v) for k, v in self._markers.items()}
        return bound

    def remove(self, obj) -> None:
        """Remove every occurrence of a transform (or of one bound transform), with the
        expansion before it."""
        if not isinstance(obj, (Transform, BoundTransform)):
            raise TypeError("Only BoundTransform or Transform can be removed.")
        i = len(self._items) - 1
        while i >= 0:
            b = self._items[i]
            if (isinstance(obj, Transform) and obj is b.transform_object) or b == obj:
                before = len(self._items)
                self.pop(i)  # (its expansion before it too)
                i -= before - len(self._items) - 1
            i -= 1

    def is_empty(self) -> bool:
        """Whether the pipeline holds no transform."""
        return not self._items

    def get_last(self):
        """The last transform."""
        if not self._items:
            raise TransformError("The compile pipeline is empty and you cannot get the last "
                                 "transform container.")
        return self._items[-1]

    @property
    def markers(self) -> list:
        """The markers' names, in the order they were added."""
        return list(self._markers)

    def add_marker(self, label: str, level=None) -> None:
        """Name the level after the transforms so far (or ``level``): ``level=label`` in
        ``construct_tape``; PennyLane's level names (:class:`ProtectedLevel`) are refused."""
        if not isinstance(label, str):
            raise ValueError("Marker label must be a string.")
        protected = [p.value for p in ProtectedLevel]
        if label in protected:
            raise ValueError(f"Found marker for protected level '{label}'. Protected options "
                             f"are {', '.join(protected)}.")
        if label in self._markers:
            raise ValueError(f"Found multiple markers for level '{label}'. Markers must be "
                             "unique.")
        if level is None:
            level = len(self._items)
        elif not isinstance(level, int) or not 0 <= level <= len(self._items):
            raise ValueError("Marker level must be an integer between 0 and the number of "
                             f"transforms in the pipeline ({len(self._items)}), inclusive.")
        self._markers[label] = level

    def remove_marker(self, label: str) -> None:
        """Forget a marker."""
        if label not in self._markers:
            raise ValueError(f"No marker found with label '{label}'.")
        del self._markers[label]

    def get_marker_level(self, label: str):
        """The level a marker names (None if there is no such marker)."""
        return self._markers.get(label)

    def level_tapes(self, qnode, args, kwargs, level=None) -> list:
        """The tapes this pipeline (up to ``level``) makes of ``qnode`` at these arguments
        (``qml.draw`` of a transform that splits the circuit draws them all)."""
        tape = qnode_tape(qnode, args, kwargs)
        return list(self[level_slice(self, level)]((tape,))[0])

    def tape_qnode(self, qnode, args, kwargs, level=None, tapes=None):
        """A QNode without arguments that applies the one tape this pipeline (up to
        ``level``) makes of ``qnode`` at these arguments (or the one of ``tapes``, made by
        :meth:`level_tapes`): what ``qml.draw``, ``qml.matrix`` and ``qml.specs`` of a
        transformed QNode look at."""
        if tapes is None:
            tapes = self.level_tapes(qnode, args, kwargs, level)
        if len(tapes) != 1:
            raise TransformError(f"the transforms make {len(tapes)} tapes at level {level!r}; "
                                 "qml.draw, qml.matrix and qml.specs show one circuit (use "
                                 "qml.workflow.construct_batch, or a level before the split)")
        final = tapes[0]

        def replay():
            for op in final.operations:
                apply_op(op)
            meas = [apply_op(m) for m in final.measurements]
            return meas[0] if len(meas) == 1 else tuple(meas)

        node = qnode.update(func=replay)  # a new QNode, the same options
        node.pipeline = None  # the tape is transformed already
        return node

    def run(self, qnode, args, kwargs):
        """Call ``qnode`` through this pipeline (:func:`run_qnode`; the QNode's hook)."""
        return run_qnode(qnode, args, kwargs)

    def __call__(self, obj, *args, **kwargs):
        if not self._items and isinstance(obj, (QuantumScript, Sequence)):
            return obj, results_unchanged  # PennyLane's: the input itself
        if isinstance(obj, (QuantumScript, Sequence)):
            tapes = (obj,) if isinstance(obj, QuantumScript) else tuple(obj)
            stack = []
            for bound in self._items:
                new, fn = _one_transform(bound, tapes)
                contract = _cotransform_step(bound, tapes, self.cotransform_cache)
                stack += [fn] if contract is None else [contract, fn]
                tapes = new
            return tapes, functools.partial(apply_postprocessing_stack,
                                            postprocessing_stack=stack)
        before = getattr(obj, "pipeline", None)
        start = len(before) if isinstance(before, CompilePipeline) else 0
        for bound in self._items:
            obj = bound(obj)
        after = getattr(obj, "pipeline", None)
        if (self._markers and isinstance(after, CompilePipeline) and after is not before
                and after._items[start:] == self._items):  # a QNode: the markers kept
            for name, pos in self._markers.items():
                after._markers.setdefault(name, start + pos)
        return obj


def _name(bound) -> str:
    t = bound.tape_transform
    return t.__name__ if t is not None else str(bound.pass_name)


def _args_text(bound) -> str:
    """The arguments as PennyLane's ``str`` of a pipeline shows them: longer than 50
    characters, ``...``."""
    def short(value) -> str:
        text = str(value)
        return "..." if len(text) > 50 else text

    return ", ".join([short(a) for a in bound.args]
                     + [f"{k}={short(v)}" for k, v in bound.kwargs.items()])


TransformProgram = CompilePipeline


def _on_tape(transform: Transform, tape, targs, tkwargs):
    """``transform`` on one tape: its expansion first (if any), then the tape function on
    each expanded tape; ``(tapes, postprocessing)``."""
    fn = transform.tape_transform
    if fn is None:
        raise NotImplementedError(
            f"Transform {transform} has no defined tape implementation, and can only be applied "
            "when decorating the entire workflow with '@qp.qjit' and when it is placed after all "
            "transforms that only have a tape implementation. (PennyLane's message: qsym has no "
            "qjit; a transform made from a pass name only applies to QNodes, for compilers: give "
            "qml.transform a tape function)")
    targs, tkwargs = transform.setup_inputs(*targs, **tkwargs)
    expand = transform.expand_transform
    if expand is None:
        return fn(tape, *targs, **tkwargs)
    expanded, expand_fn = expand(tape, *targs, **tkwargs)
    out, fns, slices = [], [], []
    for t in expanded:
        new, post = fn(t, *targs, **tkwargs)
        slices.append(slice(len(out), len(out) + len(new)))
        out.extend(new)
        fns.append(post)
    return out, lambda results: expand_fn(batch_postprocessing(results, fns, slices))


def apply_transform(transform: Transform, obj, targs, tkwargs):
    """Apply ``transform`` (with its arguments) to ``obj`` by kind: a tape gives
    ``(tapes, postprocessing)`` (an informative transform: the postprocessing's result), a
    batch of tapes likewise, a QNode a transformed QNode, a pipeline a longer pipeline, a
    quantum function a quantum function; any other first argument is the transform's own
    first argument (a :class:`BoundTransform`).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.X(0), qml.X(0)], [qml.expval(qml.Z(0))])
    >>> apply_transform(qml.transforms.cancel_inverses, t, (), {})[0][0].operations
    []
    """
    for kind, fn in GENERIC.items():
        if isinstance(obj, kind):
            return fn(obj, transform, *targs, **tkwargs)
    if isinstance(obj, QuantumScript):
        tapes, fn = _on_tape(transform, obj, targs, tkwargs)
        return fn(tapes) if transform.is_informative else (tapes, fn)
    if isinstance(obj, QNode):
        return _on_qnode(transform, obj, targs, tkwargs)
    if isinstance(obj, CompilePipeline):
        new = _copy.copy(obj)
        new.append(BoundTransform(transform, *transform.setup_inputs(*targs, **tkwargs)))
        return new
    if isinstance(obj, Sequence) and obj and all(isinstance(t, QuantumScript) for t in obj):
        return _on_batch(transform, obj, targs, tkwargs)
    if callable(obj) and not isinstance(obj, (Transform, BoundTransform, type)):
        return _on_qfunc(transform, obj, targs, tkwargs)
    return BoundTransform(transform, *transform.setup_inputs(obj, *targs, **tkwargs))


def _on_batch(transform, tapes, targs, tkwargs):
    out, fns, slices = [], [], []
    for t in tapes:
        own = next((f for kind, f in transform._registered.items() if isinstance(t, kind)), None)
        # each tape as the transform applies to one: its registered override, if any
        new, fn = own(t, *targs, **tkwargs) if own else _on_tape(transform, t, targs, tkwargs)
        slices.append(slice(len(out), len(out) + len(new)))
        out.extend(new)
        fns.append(fn)
    return tuple(out), functools.partial(batch_postprocessing, individual_fns=fns, slices=slices)


def _on_device(device, transform, *targs, **tkwargs):
    """A transform applied to a device (PennyLane's ``transform(dev)``): a copy of the
    device whose circuits run the transform after their own transforms (its QNodes,
    ``qml.execute``, its ``preprocess_transforms()``); the transforms it carries are
    ``applied_transforms``, the device it was made from ``original_device`` (PennyLane's:
    one transform per wrapper, so a device transformed twice holds the once-transformed
    one; :func:`untransformed_device` is the device without any)."""
    for refused, what in ((transform.is_informative, "informative"),
                          (transform.is_final_transform, "final"),
                          (transform.expand_transform is not None, "expand")):
        if refused:  # PennyLane's texts
            raise TransformError(f"Device transform does not support {what} transforms. "
                                 f"({transform!r} cannot transform a device: apply it to a "
                                 "QNode or a tape)")
    new = _copy.copy(device)
    new.__class__ = _transformed_device_class(type(device))
    new.transformed_from, new.transform = device, transform  # (its repr, as PennyLane's)
    targs, tkwargs = transform.setup_inputs(*targs, **tkwargs)
    new.applied_transforms = CompilePipeline(*getattr(device, "applied_transforms", ()),
                                             BoundTransform(transform, targs, tkwargs))
    new.original_device = device
    return new


GENERIC[Device] = _on_device


@functools.lru_cache(maxsize=None)
def _transformed_device_class(cls):
    """The class of a transformed device of class ``cls`` (a subclass, one per class, so
    ``isinstance`` holds): printed as PennyLane's ``TransformedDevice``."""
    if getattr(cls, "_is_transformed_device", False):
        return cls

    def __repr__(self):
        return (f"Transformed Device({self.transformed_from!r} with additional preprocess "
                f"transform {self.transform})")

    def __reduce_ex__(self, protocol):  # pickled and copied as its class and its state
        return remake_transformed_device, (cls, dict(vars(self)))

    def preprocess_transforms(self, execution_config=None):
        """The device's own preprocessing (a user's class may define it), then the
        transforms applied to the device (PennyLane's ``TransformedDevice``)."""
        own = untransformed_device(self).preprocess_transforms(execution_config)
        return own + self.applied_transforms

    return type(cls.__name__, (cls,), {"__repr__": __repr__, "__reduce_ex__": __reduce_ex__,
                                       "preprocess_transforms": preprocess_transforms,
                                       "_is_transformed_device": True,
                                       "__module__": cls.__module__})


def remake_transformed_device(cls, state):
    """A transformed device of base class ``cls`` with this state (its unpickling).

    >>> import qsym as qml
    >>> dev = qml.transforms.cancel_inverses(qml.device("default.qubit", wires=1))
    >>> repr(remake_transformed_device(type(dev.original_device), vars(dev))).split("(")[0]
    'Transformed Device'
    """
    new = object.__new__(_transformed_device_class(cls))
    vars(new).update(state)
    return new


def with_transform(qnode, bound: BoundTransform):
    """A copy of ``qnode`` whose pipeline has ``bound`` appended (the original unchanged)."""
    new = _copy.copy(qnode)
    pipeline = _copy.copy(qnode.pipeline) if qnode.pipeline is not None else CompilePipeline()
    pipeline.append(bound)
    new.pipeline = pipeline
    return new


def _on_qnode(transform, qnode, targs, tkwargs):
    targs, tkwargs = transform.setup_inputs(*targs, **tkwargs)
    if transform._custom_qnode_transform is not None:
        return transform._custom_qnode_transform(transform, qnode, targs, tkwargs)
    return with_transform(qnode, BoundTransform(transform, targs, tkwargs))


def record(fn, args, kwargs, check=False):
    """Run the quantum function ``fn`` on these arguments, recording a tape: the tape of its
    gates and the measurements it returns (or, returning none, the ones it queued), and
    what it returned. ``check``: PennyLane's QNode rules, the function returns measurements
    (or trees of them), in the order it made them."""
    tape = QuantumTape()
    # a QNode's function: a gate written after a measurement acts before every measurement,
    # as when the QNode runs it (qsym's trace; AdaptiveOptimizer's grown functions); only a
    # user's own QuantumTape block refuses it, as PennyLane's does
    tape._any_order = True
    with tape:
        result = fn(*args, **kwargs)
    if isinstance(result, MeasurementProcess):
        returned = [result]
    elif isinstance(result, (tuple, list)) and all(isinstance(r, MeasurementProcess)
                                                   for r in result) and result:
        returned = list(result)
    else:
        returned = tape.measurements
    if check:
        _check_returned(result, tape.measurements)
    return QuantumScript(tape.operations, returned), result


def _check_returned(result, queued):
    """PennyLane's QNode refusals: a function returning anything but measurements, or
    returning the measurements it made in another order."""
    _, returned = output_kind(result)
    made = {id(m) for m in queued}
    order = [id(m) for m in returned if id(m) in made]
    if order != [id(m) for m in queued if id(m) in set(order)]:
        raise MeasurementError("All measurements must be returned in the order they are "
                               "measured: make the measurements in the order the circuit "
                               "function returns them")


# True while a transform runs inside a QNode's circuit function: the values it sees are a
# trace's (symbols, or the numbers a replay check feeds), so the rewriting passes must not
# let them decide the circuit's structure (qsym._compilation reads it)
VALUES_UNSEEN = contextvars.ContextVar("qsym_transform_values_unseen", default=False)


def _on_qfunc(transform, fn, targs, tkwargs):
    targs, tkwargs = transform.setup_inputs(*targs, **tkwargs)

    @functools.wraps(fn)
    def transformed(*args, **kwargs):
        outer = active_tape()
        traced = outer is not None and not hasattr(outer, "add_measurement")  # a QNode's trace
        token = VALUES_UNSEEN.set(traced or VALUES_UNSEEN.get())  # nested: the outer trace
        try:
            return _run_qfunc(transform, fn, targs, tkwargs, args, kwargs)
        finally:
            VALUES_UNSEEN.reset(token)

    return transformed


def _run_qfunc(transform, fn, targs, tkwargs, args, kwargs):
    """The transformed quantum function's call: record, transform (one tape), apply."""
    with detached():
        tape, result = record(fn, args, kwargs)
        if transform.is_informative:
            tapes, post = transform.tape_transform(tape, *targs, **tkwargs)
            return post(tapes)
        tapes, _ = _on_tape(transform, tape, targs, tkwargs)
    if len(tapes) != 1:
        raise TransformError("Impossible to dispatch your transform on quantum function, "
                             "because more than one tape is returned")
    recorded = {id(op) for op in tape.operations}
    for op in tapes[0].operations:
        apply_op(op if id(op) in recorded else _released(op))
    mps = [apply_op(m) for m in tapes[0].measurements]
    if not mps:
        return result
    if isinstance(result, MeasurementProcess):
        return tuple(mps) if len(mps) > 1 else mps[0]
    if _measurement_array(result) and len(mps) == result.size:  # an array stays one
        out = np.empty(len(mps), dtype=object)
        out[:] = mps
        return out.reshape(result.shape)
    return type(result)(mps) if isinstance(result, (tuple, list)) else tuple(mps)


# what a gate keeps of the composite operator that wrote it (a template, ``qml.ctrl``,
# ``qml.adjoint``): its box in ``qml.draw`` (``templates.add_draw_group``), the run
# ``qml.adjoint`` of a function takes whole (``_opmath.owned_runs``), the template whose
# shift rule ``qml.Tracker`` counts
_OWNER_MARKS = ("_draw_groups", "_made_by", "pl_template")


def _released(op):
    """A gate a transform of a quantum function made of a recorded operator's decomposition
    (``qml.transforms.decompose(max_expansion=1)`` of a template): a copy that no longer
    names the operator it came from, which is no entry of the transformed tape (PennyLane's
    tape holds the gate as itself: drawn as itself, not as the template's box); any other
    operator as it is.

    >>> import qsym as qml
    >>> g = qml.RX(0.1, wires=0)
    >>> g._made_by = ("template", (g,))
    >>> hasattr(_released(g), "_made_by"), hasattr(g, "_made_by")
    (False, True)
    """
    marks = [m for m in _OWNER_MARKS if m in getattr(op, "__dict__", {})]
    if not marks:
        return op
    out = _copy.copy(op)
    for m in marks:
        del out.__dict__[m]
    return out


def qnode_tape(qnode, args, kwargs, check=False) -> QuantumScript:
    """The tape a QNode's function records at these arguments (run on the numbers: under
    ``qml.grad`` its parameters are autograd boxes), with the QNode's shots. ``check``:
    PennyLane's refusals of what the function returns (running it; constructing its tape
    for ``qml.specs`` or ``qml.draw`` takes a function that returns nothing, as PennyLane's).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.RX(x, 0)
    ...     return qml.expval(qml.Z(0))
    >>> qnode_tape(c, (0.5,), {}).operations
    [RX(0.5, wires=[0])]
    """
    return _tape_and_result(qnode, args, kwargs, check)[0]


def _tape_and_result(qnode, args, kwargs, check=True):
    """:func:`qnode_tape`, and what the function returned."""
    tape, result = record(qnode.func, args, kwargs, check=check)
    shots = qnode.configured_shots()
    # the recorded operators themselves (as PennyLane's tape): a qml.cond keeps naming the
    # tape's mid-circuit measurements
    script = type(tape)(list(tape.operations), list(tape.measurements),
                        shots if isinstance(shots, Shots) else Shots(shots))
    # PennyLane's QNode tape: every parameter autograd differentiates is trainable, the
    # measured observables' (a Hamiltonian's coefficients) after the gates'
    script.trainable_params = trainable_positions(script.data)
    return script, result


def trainable_positions(params) -> list:
    """PennyLane's ``qml.math.get_trainable_indices`` under autograd, which its QNode's tape
    takes as ``trainable_params``: the positions of the values autograd differentiates or
    that are ``qsym.numpy`` tensors with ``requires_grad=True`` (a float or a plain NumPy
    array is a constant).

    >>> from qsym import numpy as np
    >>> trainable_positions([np.array(0.1), 0.2, np.array(0.3, requires_grad=False)])
    [0]
    """
    return [i for i, d in enumerate(params) if requires_grad(d)]


def as_returned(result, out, partitioned: bool):
    """A tape's result ``out`` in the structure the circuit function returned, as
    PennyLane's QNode gives it: one measurement its value, a tuple or a list of them that
    container (a one-element one too), per count of a shot vector (``partitioned``).

    >>> import qsym as qml
    >>> as_returned([qml.expval(qml.Z(0))], 0.5, False), as_returned(qml.expval(qml.Z(0)), (0.5,), False)
    ([0.5], 0.5)
    >>> as_returned((qml.expval(qml.Z(0)),), (0.5, 0.25), True)
    ((0.5,), (0.25,))

    An array of measurements (``qml.math.stack([qml.expval(...), ...])``) gives the array of
    their values (stacked, autograd boxes too), as the QNode's own path:

    >>> as_returned(qml.math.stack([qml.expval(qml.Z(0)), qml.expval(qml.X(0))]), (0.5, 0.25), False)
    array([0.5 , 0.25])

    Under autograd a tape's tuple of results is one autograd sequence (``_tapes._sequence``):
    unpacked here into a tuple of boxes at each level, as PennyLane's QNode returns them
    (before stop 70 a shot vector's results through a gradient transform, ``spsa``,
    ``hadamard`` or ``argnum``, stayed a sequence box per count, and a returned list was
    the outer container).
    """
    if isinstance(out, SequenceBox):
        out = tuple(out[i] for i in range(len(out)))
    if partitioned and isinstance(out, tuple):
        return tuple(as_returned(result, o, False) for o in out)
    if _measurement_array(result):
        if isinstance(out, (tuple, list)):
            stacked = anp.stack(list(out))
        elif anp.shape(out)[:1] == (result.size,):  # already one array (a postprocessing's)
            stacked = out
        else:
            stacked = anp.reshape(out, (1,) + anp.shape(out))
        return anp.reshape(stacked, result.shape + anp.shape(stacked)[1:])
    if isinstance(result, (tuple, list)) and result and all(
            isinstance(r, MeasurementProcess) for r in result):
        one = len(result) == 1 and not (isinstance(out, (tuple, list)) and len(out) == 1)
        return type(result)([out] if one else list(out))
    if getattr(result, "kind", None) == "":  # a class of the user's own: what it returned
        return out
    if isinstance(out, (tuple, list)) and len(out) == 1:
        return out[0]
    return out


def _measurement_array(result) -> bool:
    """Whether the circuit function returned a NumPy array of measurements."""
    return (isinstance(result, np.ndarray) and result.dtype == object and result.size > 0
            and all(isinstance(r, MeasurementProcess) for r in result.flat))


# PennyLane's named levels of a QNode's pipeline: "top" (no transform), "user" (the
# transforms the user applied), "gradient" and "device" (qsym adds none: the user's level)
LEVELS = ("top", "user", "gradient", "device")


def level_slice(pipeline, level) -> slice:
    """The part of ``pipeline`` a PennyLane ``level`` names: ``"top"`` none of it,
    ``"user"``/``"gradient"``/``"device"``/None all of it (qsym adds no gradient or device
    transforms), an int the first so many, a slice that slice, a marker's name the
    transforms before the marker.

    >>> level_slice(CompilePipeline(), "top"), level_slice(CompilePipeline(), 2)
    (slice(0, 0, None), slice(0, 2, None))
    """
    if isinstance(level, bool) or not isinstance(level, (type(None), str, int, slice)):
        raise LevelError(f"level {level} not recognized. Acceptable types are None, int, str, "
                         "and slice.")
    if level is None or level in LEVELS[1:]:
        return slice(0, None)
    if level == "top":
        return slice(0, 0)
    if isinstance(level, int):
        return slice(0, level)
    if isinstance(level, slice):
        return level
    where = pipeline.get_marker_level(level) if isinstance(level, str) else None
    if where is not None:
        return slice(0, where)
    raise LevelError(
        f"Level {level} not found in transform program. Builtin options are 'top', 'user', "
        f"'device', and 'gradient'. Custom levels are {pipeline.markers}.")


def restrict_trainable(tape, argnum):
    """PennyLane's ``gradient_kwargs={"argnum": ...}`` on a QNode's tape: of the parameters
    autograd differentiates (the trainable ones), only those at the positions ``argnum``
    stay trainable; the others are constants of the tape (zero derivatives). The positions
    count the parameters of the tape PennyLane's gradient transform is given, its trainable
    templates opened into their gates (``StronglyEntanglingLayers``' weights one position
    each, not the whole array at 0): that tape is returned (the tape itself without
    ``argnum``)."""
    if argnum is None:
        return tape
    # (the gates': PennyLane's gradient expansion measures trainable coefficients' terms
    # apart, so its argnum positions are among the gates' parameters)
    boxed = [i for i, d in enumerate(gate_parameters(tape)) if isinstance(d, Box)]
    if not boxed:
        return tape
    opened = GRADIENT_EXPANSIONS.get("opened")
    if opened is not None:
        new = opened(tape)
        if new is not tape:
            tape = new
            boxed = [i for i, d in enumerate(gate_parameters(tape)) if isinstance(d, Box)]
    bad = [a for a in argnum if a >= len(boxed)]
    if bad:
        raise ArgumentError(f"gradient_kwargs' argnum {list(argnum)} names positions beyond "
                            f"the tape's {len(boxed)} trainable gate parameters")
    tape.trainable_params = [boxed[a] for a in argnum]
    return tape


def qnode_gradient(qnode) -> dict:
    """The ``diff_method`` and ``gradient_kwargs`` (and ``cache``, ``cachesize``,
    ``max_diff``: :func:`_execute_options`) its tapes are executed with under autograd
    (:func:`qsym._tapes.execute`): the QNode's method as a gradient transform
    (PennyLane's: ``finite_diff`` with the QNode's ``h``, ``approx_order``, ``strategy``;
    ``spsa_grad`` with its ``gradient_kwargs``; ``param_shift``); the exact methods
    (adjoint, backprop), qsym's per-gate ``shifts`` and parameter shift when no
    ``qml.Tracker`` records the device (the same exact rules) keep qsym's compiled
    derivative.

    >>> import qsym as qml
    >>> c = qml.QNode(lambda x: qml.expval(qml.Z(0)), qml.device("default.qubit", wires=1),
    ...               diff_method="finite-diff", gradient_kwargs={"h": 0.1})
    >>> qnode_gradient(c)["gradient_kwargs"]
    {'h': 0.1, 'approx_order': 1, 'strategy': 'forward'}
    >>> qnode_gradient(c)["cache"], qnode_gradient(c)["max_diff"]
    (False, None)
    """
    if qnode.resolved_method is None:  # values; differentiated: PennyLane's NoGradients error
        return {"diff_method": NO_GRADIENTS}
    own = own_derivatives(qnode.device, qnode.resolved_method, qnode.grad_on_execution)
    if own is not None:  # the device class's own derivatives (PennyLane calls them)
        return {"diff_method": device_derivatives(qnode.device, own, qnode.resolved_method),
                "max_diff": None}
    if qnode.shifts:
        return {"diff_method": EXACT}
    kwargs = dict(qnode.resolved_kwargs)
    if qnode.method == "finite-diff":
        kwargs.update(h=qnode.h, approx_order=qnode.approx_order, strategy=qnode.strategy)
    name = qnode.resolved_method if qnode.resolved_method in ("spsa", "hadamard") else qnode.method
    if name == "adjoint" and qnode.resolved_method == "best" and qnode.current_shots():
        name = "parameter-shift"  # (PennyLane's "best" with shots; gradient_kwargs' argnum)
    if name == "hadamard" and getattr(qnode.device, "wires", None) is not None:
        kwargs.setdefault("device_wires", qnode.device.wires)  # (PennyLane's QNode passes them)
    if name == "parameter-shift" and not qnode.device.trackers and not runs_own_execute(
            qnode.device):
        # the same exact rules compiled: 5x less CPU on a 20-parameter gradient (12 against
        # 59 ms); with a tracker, the transform's tapes, which PennyLane's counts record (a
        # device's own execute: the transform's tapes run there, to any order)
        return {"diff_method": EXACT}
    return {"diff_method": name, "gradient_kwargs": kwargs, **_execute_options(qnode)}


def _execute_options(qnode) -> dict:
    """The QNode's ``cache`` and ``cachesize`` as PennyLane's QNode passes them to
    ``qml.execute`` (``"auto"``: a cache when ``max_diff > 1``; a mapping of the user's is
    the QNode's own, not passed), and ``max_diff=None``: a QNode's derivatives of any order
    are computed whatever its ``max_diff``, on its tapes as in its compiled code. On a
    device class's own ``execute`` a mapping is passed: its results are the device's runs."""
    options = qnode.execute_kwargs
    cache = options.get("cache", "auto")
    if isinstance(cache, str):
        cache = options.get("max_diff", 1) > 1
    if not (isinstance(cache, MutableMapping) and runs_own_execute(qnode.device)):
        cache = cache is True  # (a device's own execute: the user's mapping, as PennyLane's)
    return {"cache": cache, "cachesize": options.get("cachesize", 10000), "max_diff": None}


def _check_legacy_method(qnode, tape) -> None:
    """PennyLane's refusal of a device derivative a legacy device's facade does not give
    for this tape (``"adjoint"`` with shots, ``"backprop"`` of a ``SparseHamiltonian``)."""
    method = qnode.resolved_method
    if (method in ("adjoint", "backprop", "device")
            and getattr(type(qnode.device), "wraps_legacy_device", False)
            and not qnode.device.supports_derivatives(
                _devices.ExecutionConfig(gradient_method=method), tape)):
        raise QuantumFunctionError(
            f"Device {qnode.device} does not support {method} with requested circuit.")


def run_qnode(qnode, args, kwargs):
    """Call a QNode that has transforms: its tape at these arguments, the pipeline, the
    tapes executed on its device (:func:`qsym._tapes.execute`), the postprocessing (one
    returned measurement: its value, not a 1-tuple, as PennyLane's QNode). A pipeline of
    rewrites only runs, from its third call, as one QNode traced once (:func:`_fused`)."""
    pipeline = qnode.pipeline if qnode.pipeline is not None else CompilePipeline()
    final = _final_call(qnode, pipeline)
    if final is not None:
        return final(*args, **kwargs)
    if getattr(qnode.device, "applied_transforms", None):
        # a transformed device: after the QNode's transforms, the device's preprocessing
        # (templates decomposed, as PennyLane's device does) and then its transforms
        pipeline = pipeline + qnode.device.preprocess_transforms()
    fused = _fused(qnode, pipeline, args, kwargs)
    if fused is not None:
        return fused(*args, **kwargs)
    tape, result = _tape_and_result(qnode, args, kwargs)
    _check_legacy_method(qnode, tape)
    if not tape.measurements:  # PennyLane's QNode refuses it (as qsym's traced QNode: spsa
        output_kind(result)    # and transforms run this path; was an empty result)
    tape = restrict_trainable(tape, qnode.tape_argnum())
    tapes, stack, rewrites = (tape,), [], True
    for bound in pipeline:
        tapes, fn = _one_transform(bound, tapes)
        stack.append(fn)
        rewrites = rewrites and len(tapes) == 1 and all(
            f is null_postprocessing for f in fn.keywords["individual_fns"])
    post = functools.partial(apply_postprocessing_stack, postprocessing_stack=stack)
    if pipeline.is_informative:
        return post(tapes)[0]
    device = untransformed_device(qnode.device)  # (its transforms applied above)
    results = execute(list(tapes), device, **qnode_gradient(qnode)) if tapes else ()
    out = as_returned(result, post(results)[0], tape.shots.has_partitioned_shots)
    if isinstance(out, (tuple, list)) and any(isinstance(r, Box) for r in out):
        return out  # the container of boxes, as PennyLane's QNode (qml.jacobian reads it)
    if not isinstance(out, Box):  # PennyLane's result types, as the QNode's own
        out = typed_results(qnode, out, args, kwargs)
    return _fuse_next(qnode, pipeline, rewrites and _fusable(result), tape, args, kwargs, out)


def _final_call(qnode, pipeline):
    """A QNode whose pipeline ends with a gradient transform (``param_shift(qnode)``; its
    transform has a ``qnode_call``, :func:`qsym.gradients._gradient_transform`): the
    function computing that transform's Jacobian of the QNode without it, else None. With
    transforms before it, PennyLane's mechanism: the pipeline with the call's
    :class:`CotransformCache` on the QNode's tape, the tapes executed, the classical
    co-transform contracting each tape's Jacobian (:func:`_pipeline_jacobian`)."""
    last = pipeline[-1] if len(pipeline) else None
    runner = getattr(getattr(last, "transform_object", None), "qnode_runner", None)
    if runner is not None:  # (qml.metric_tensor(qnode): its own computation of the QNode
        rest = _copy.copy(pipeline)  # with the transforms before it)
        rest.pop()
        return runner(qnode, rest, last)
    call = getattr(getattr(last, "transform_object", None), "qnode_call", None)
    if call is None:
        return None
    rest = _copy.copy(pipeline)
    rest.pop()  # (and its expansion)
    if getattr(qnode.device, "applied_transforms", None):
        raise TransformError(
            f"qsym computes {last!r} of a QNode on a transformed device only without the "
            "device's transforms: apply them to the QNode instead")
    if len(rest):
        return functools.partial(_pipeline_jacobian, qnode, pipeline)
    inner = _copy.copy(qnode)
    inner.pipeline = None
    return call(inner, last.args, last.kwargs)


def _pipeline_jacobian(qnode, pipeline, *args, **kwargs):
    """The Jacobian a QNode's pipeline ending with a gradient transform computes (the
    transforms before it applied to the QNode's tape first): PennyLane's execution with the
    classical component set, its result for the one tape."""
    if _boxed_args(args, kwargs):
        raise TransformError(
            "differentiating a gradient transform of a QNode with other transforms before "
            "it (inside qml.grad or qml.jacobian) is not supported: differentiate the "
            "transformed QNode twice instead (qml.jacobian(qml.jacobian(circuit)))")
    full = _copy.copy(pipeline)
    full.set_classical_component(qnode, args, kwargs)
    tapes, post = full((qnode_tape(qnode, args, kwargs, check=True),))
    results = execute(list(tapes), qnode.device, EXACT) if tapes else ()
    return post(results)[0]


# A transformed QNode whose pipeline only rewrites its one tape (every transform returns
# one tape and ``null_postprocessing``: cancel_inverses, merge_rotations, ...) is, from its
# third call, a QNode of its own: the circuit function and the pipeline run inside its
# trace (``VALUES_UNSEEN``: no value decides the structure), compiled once per signature,
# instead of recording and transforming a tape and looking up its structure at every
# call. ``qnode.__dict__[_FUSED]`` holds ``(id(qnode), pipeline items, state, fused
# QNode)``: state "seen" after a first call of rewrites only, "on" once a second call's
# answer agreed with the fused QNode's, "off" for good.
_FUSED = "_qsym_fused_pipeline"


def _fused_state(qnode, pipeline):
    held = qnode.__dict__.get(_FUSED)
    items = tuple(pipeline)
    if held is None or held[0] != id(qnode) or len(held[1]) != len(items) or any(
            a is not b for a, b in zip(held[1], items)):
        return None, items
    return held, items


def _fused(qnode, pipeline, args, kwargs):
    """The fused QNode of ``qnode`` if it is on (and no tracker records this call: its
    records stay those of the tapes), else None."""
    held, _ = _fused_state(qnode, pipeline)
    if (held is None or held[2] != "on" or qnode.device.trackers
            or qnode.tape_argnum() is not None):
        return None
    return held[3]


def _fusable(result) -> bool:
    """A returned value the fused QNode returns alike: one measurement's, or a tuple of
    several (a list, or a one-element tuple, the fused function does not rebuild: the tape
    path gives those, :func:`as_returned`)."""
    return isinstance(result, MeasurementProcess) or (
        type(result) is tuple and len(result) > 1)


def _fused_function(qnode, items):
    """The circuit function of the fused QNode: ``qnode``'s function recorded, the
    pipeline's rewrites applied to its tape, the result replayed into the trace."""
    func = qnode.func
    # the items reached through an object, not a closure cell: the QNode's guard would
    # compare the tuple by value at every call (BoundTransform.__eq__); _fused_state
    # checks them by identity instead
    held = types.SimpleNamespace(items=items)

    def fused(*args, **kwargs):
        token = VALUES_UNSEEN.set(True)
        try:
            with detached():
                tape, result = record(func, args, kwargs)
                tapes = (tape,)
                for bound in held.items:
                    tapes, _ = _one_transform(bound, tapes)
            if len(tapes) != 1:
                raise TransformError("the pipeline made more than one tape")
            for op in tapes[0].operations:
                apply_op(op)
            mps = [apply_op(m) for m in tapes[0].measurements]
        finally:
            VALUES_UNSEEN.reset(token)
        return mps[0] if isinstance(result, MeasurementProcess) else tuple(mps)

    return fused


def _fuse_next(qnode, pipeline, rewrites, tape, args, kwargs, out):
    """After a call on the tape path: note a pipeline of rewrites (first call); at the
    second, build the fused QNode and keep it if its answer is this call's (to 1e-10),
    else never try again. Calls with autograd boxes or a tracker only look."""
    held, items = _fused_state(qnode, pipeline)
    state = held[2] if held is not None else None
    if (state in ("on", "off") or qnode.device.trackers or _boxed_args(args, kwargs)
            or qnode.resolved_method in ("spsa", "hadamard")  # (their tape path is their derivative)
            or runs_own_execute(qnode.device)  # (a device's own execute: no extra run to compare)
            or getattr(qnode.device, "applied_transforms", None)):  # (the fused QNode's device
        return out                                               # would transform it again)
    if not rewrites or pipeline.is_informative or tape.shots.total_shots is not None:
        qnode.__dict__[_FUSED] = (id(qnode), items, "off", None)
    elif state is None:
        qnode.__dict__[_FUSED] = (id(qnode), items, "seen", None)
    else:
        qnode.__dict__[_FUSED] = (id(qnode), items) + _agree(qnode, items, args, kwargs, out)
    return out


def _agree(qnode, items, args, kwargs, out):
    """``("on", fused QNode)`` if the fused QNode answers ``out`` at these arguments (to
    1e-10), else ``("off", None)``."""
    node = qnode.update(func=_fused_function(qnode, items))
    node.pipeline = None
    node.trace = "once"  # a transform that needs the values stays on the tape path
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = node(*args, **kwargs)
        same = _same_numbers(got, out)
    except Exception:  # any refusal: the tape path, as before
        same = False
    return ("on", node) if same else ("off", None)


def _same_numbers(a, b) -> bool:
    import numpy as np

    if type(a) is not type(b):  # also the types returned: tuple, tensor, float64 ...
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_numbers(x, y) for x, y in zip(a, b))
    if getattr(a, "requires_grad", None) != getattr(b, "requires_grad", None):
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-10, atol=1e-10))


def _boxed_args(args, kwargs) -> bool:
    from autograd.tracer import isbox

    def boxed(v):
        if isbox(v):
            return True
        if isinstance(v, (list, tuple)):
            return any(boxed(u) for u in v)
        return False

    return any(boxed(v) for v in (*args, *kwargs.values()))


def _get_pipeline(qnode):
    if qnode.pipeline is None:
        qnode.pipeline = CompilePipeline()
    return qnode.pipeline


def _set_pipeline(qnode, pipeline):
    qnode.pipeline = pipeline if isinstance(pipeline, CompilePipeline) else CompilePipeline(pipeline)


def install_qnode_pipeline(qnode_class) -> None:
    """Give ``qnode_class`` PennyLane's ``compile_pipeline`` / ``transform_program``
    attribute: the QNode's :class:`CompilePipeline` (made empty on first use), its
    ``pipeline`` hook."""
    prop = property(_get_pipeline, _set_pipeline, doc="the QNode's CompilePipeline")
    qnode_class.compile_pipeline = prop
    qnode_class.transform_program = property(
        _get_deprecated_pipeline, _set_pipeline,
        doc="the QNode's CompilePipeline (PennyLane's deprecated name of compile_pipeline)")


def _get_deprecated_pipeline(qnode):
    warnings.warn(
        "The 'transform_program' property of the QNode has been renamed to 'compile_pipeline'. "
        "Access through 'transform_program' will be removed in PennyLane v0.46.",
        PennyLaneDeprecationWarning, stacklevel=2)
    return _get_pipeline(qnode)


install_qnode_pipeline(QNode)


def transform(quantum_transform=None, pass_name=None, *, expand_transform=None,
              classical_cotransform=None, is_informative=False, final_transform=False,
              setup_inputs=None, use_argnum_in_expand=False, plxpr_transform=None):
    """PennyLane's ``qml.transform``: make a :class:`Transform` of a function
    ``tape -> (tapes, postprocessing)`` (``postprocessing`` takes the tapes' results, in
    order, and returns the transformed tape's result).

    >>> import qsym as qml
    >>> @qml.transform
    ... def scale(tape, factor=2.0):
    ...     return [tape], lambda results: factor * results[0]
    >>> @scale(factor=3.0)
    ... @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c():
    ...     return qml.expval(qml.Z(0))
    >>> float(c())
    3.0
    """
    return Transform(quantum_transform, pass_name, setup_inputs=setup_inputs,
                     expand_transform=expand_transform,
                     classical_cotransform=classical_cotransform,
                     is_informative=is_informative, final_transform=final_transform,
                     use_argnum_in_expand=use_argnum_in_expand, plxpr_transform=plxpr_transform)


TransformDispatcher = Transform
TransformContainer = BoundTransform
