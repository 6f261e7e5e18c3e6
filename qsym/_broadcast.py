"""Parameter broadcasting: one circuit, many parameter sets, one compiled call.

As in PennyLane, a gate that receives a 1-D array of ``B`` values instead of a number is
*broadcast*: the QNode evaluates ``B`` circuits and every result gets a leading batch
dimension of size ``B``.

qsym finds, for each argument whose entries feed broadcast gate parameters, its batch
axis (the axis along which element ``b`` of the batch reads its values; the leading axis
of ``x`` in ``qml.RX(x[:, 0], ...)``, the trailing one in ``qml.RX(x[0], ...)``), then
traces the circuit function again with the symbols of that argument *shared* along its
batch axis: every broadcast parameter becomes ``B`` copies of one expression of the
reduced symbols, and that single circuit is compiled once. Before it is used, the
collapsed trace is proved equal to the original one element by element: substituting
element ``b``'s symbols into every collapsed gate parameter must give exactly the
parameter element ``b`` had (sympy, symbol by symbol). A circuit that treats batch
elements differently is refused with :class:`~qsym.errors.ArgumentError`.

Values and Jacobians of all ``B`` elements come from the batched compiled entry points
(:meth:`qsym._runtime.Compiled.batch_value_and_grad`, threads across the batch).
Jacobians have PennyLane's shape for a broadcast QNode, ``(B, *result shape, *argument
shape)``: the derivative of element ``b`` by the whole argument, zero off element ``b``'s
slice (a shared argument without a batch axis gets a full row per element).

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def c(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> x = np.array([0.0, 0.5, 1.0])
>>> bool(np.allclose(c(x), np.cos(x)))
True
>>> bool(np.allclose(qml.jacobian(c)(x), np.diag(-np.sin(x))))
True
"""

from __future__ import annotations

import copy

import numpy as np
import sympy as sp

from .errors import ArgumentError


class Batched(tuple):
    """A broadcast gate parameter: one value per batch element."""


def batch_size(items) -> int | None:
    """The batch size of a recorded tape (None if no parameter is broadcast)."""
    sizes = {len(p) for op in items for p in op.params if isinstance(p, Batched)}
    if not sizes:
        return None
    if len(sizes) > 1:
        raise ArgumentError(
            f"broadcast gate parameters have different batch sizes {sorted(sizes)}; every "
            "broadcast parameter of a circuit must have the same length"
        )
    return sizes.pop()


def batched_symbols(items) -> frozenset:
    """The symbols the broadcast parameters of a recorded tape use."""
    return frozenset(s for op in items for p in op.params if isinstance(p, Batched)
                     for e in p for s in sp.sympify(e).free_symbols)


def find_axes(items, size, arrays: dict) -> dict:
    """The batch axis of each argument (``{key: axis}``; arguments without one are left
    out). ``arrays`` maps an argument key to its object array of symbols."""
    where: dict = {}  # symbol -> set of batch elements whose broadcast parameters use it
    for op in items:
        for p in op.params:
            if isinstance(p, Batched):
                for b, e in enumerate(p):
                    for s in sp.sympify(e).free_symbols:
                        where.setdefault(s, set()).add(b)
    axes = {}
    for key, arr in arrays.items():
        arr = np.asarray(arr, dtype=object)
        used = [(idx, where[s]) for idx, s in np.ndenumerate(arr) if s in where]
        everyone = set(range(size))
        if not used or all(els == everyone for _, els in used):
            continue  # shared by every batch element: no batch axis
        for a in range(arr.ndim):
            if arr.shape[a] == size and all(els == {idx[a]} for idx, els in used):
                axes[key] = a
                break
        else:
            raise ArgumentError(
                f"argument {key!r} of shape {arr.shape} feeds broadcast gate parameters, but "
                f"no axis of length {size} indexes the batch element consistently; give it "
                f"a batch axis of length {size} (e.g. params[:, 0] for shape ({size}, n))"
            )
    return axes


def collapsed_symbols(make, name, shape, axis, size):
    """Symbols for an argument with batch axis ``axis``: the reduced symbols repeated
    along it. ``make(name, shape)`` is :func:`qsym._trace.symbols_like`."""
    reduced = shape[:axis] + shape[axis + 1 :]
    v, flat = make(name, reduced)
    arr = np.empty(shape, dtype=object)
    view = np.moveaxis(arr, axis, 0)
    for b in range(size):
        view[b] = v
    return arr, flat


def element(arr, axis, b):
    """Element ``b`` of an argument along its batch axis."""
    return np.take(np.asarray(arr, dtype=object), b, axis=axis)


def collapse(items, original, size, substitutions, literals=None):
    """Replace broadcast parameters of the collapsed trace by their single expression,
    after proving that element ``b`` of the original trace is that expression with
    ``substitutions[b]`` (reduced symbol -> element ``b``'s symbol).

    A broadcast parameter given as numbers in the circuit (``qml.RX([0.54, 0.65], ...)``)
    becomes a new data symbol; ``literals`` (a list) receives ``(symbol, values)`` pairs,
    the values to feed it per batch element."""
    if len(items) != len(original):
        raise ArgumentError("broadcasting: the circuit records a different number of gates "
                            "when its batch axes are shared; it cannot be broadcast")
    items = list(items)
    for i, (op, orig) in enumerate(zip(items, original)):
        if op.name != orig.name or op.wires != orig.wires:
            raise ArgumentError("broadcasting: the circuit's gates depend on the batch element")
        params = []
        for p, q in zip(op.params, orig.params):
            if isinstance(p, Batched) and literals is not None and all(
                not sp.sympify(e).free_symbols for e in p
            ):  # (equal numbers too: a drawing shows the parameter as PennyLane's M<i>)
                from ._trace import TracedSymbol

                sym = TracedSymbol(f"_literal{len(literals)}")
                values = [float(sp.sympify(e)) for e in p]
                literals.append((sym, values))
                for b in range(size):
                    substitutions[b][sym] = sp.sympify(p[b])
                p = sym
            if isinstance(p, Batched):
                first = sp.sympify(p[0])
                if any(sp.sympify(e) != first for e in p[1:]):
                    raise ArgumentError(
                        f"broadcasting: a parameter of {op.name} differs between batch "
                        "elements in a way the batch axes do not explain"
                    )
                p = first
            expr = sp.sympify(p)
            for b in range(size):
                want = sp.sympify(q[b] if isinstance(q, Batched) else q)
                if expr.xreplace(substitutions[b]) != want:
                    raise ArgumentError(
                        f"broadcasting: element {b} of {op.name}'s parameter is {want}, but "
                        f"the shared circuit gives {expr.xreplace(substitutions[b])}; arguments "
                        "with a batch axis must only be used along it (e.g. not x[0, 0] "
                        "next to x[:, 1])"
                    )
            params.append(p)
        if tuple(params) != tuple(op.params):
            # a copy: the recorded gate may be the user's own operator (qml.apply(op)),
            # whose parameters stay its numbers (made the literal's symbol, a second QNode
            # or a new trace applying it failed: "parameter _literal0 uses unknown symbols")
            op = items[i] = copy.copy(op)
            op.params = tuple(params)
    return items


def gather_index(shapes, axes, size):
    """``idx[b, c]``: the flat full-input position of reduced column ``c`` of element ``b``,
    for arguments of ``shapes`` (in order) with batch ``axes`` (None: shared)."""
    cols, at = [], 0
    for shape, axis in zip(shapes, axes):
        n = int(np.prod(shape, dtype=np.int64))
        pos = at + np.arange(n).reshape(shape)
        if axis is None:
            cols.append(np.broadcast_to(pos.reshape(1, -1), (size, n)))
        else:
            cols.append(np.moveaxis(pos, axis, 0).reshape(size, -1))
        at += n
    if not cols:
        return np.zeros((size, 0), dtype=np.int64)
    return np.ascontiguousarray(np.concatenate(cols, axis=1), dtype=np.int64)


def _batched_columns(shapes, axes, size) -> list:
    """Per element column (in :func:`gather_index`'s order): whether it comes from an
    argument's batch axis."""
    flags = []
    for shape, axis in zip(shapes, axes):
        n = int(np.prod(shape, dtype=np.int64))
        flags += [axis is not None] * (n // size if axis is not None else n)
    return flags


class Broadcast:
    """A broadcast signature of a QNode: the compiled single-element circuit, the batch
    size, and where each element's inputs are in the full (batched) inputs."""

    broadcast = True
    reads: tuple = ()  # the globals the circuit read when traced (set by the QNode)
    # set by the QNode's build, as on its element (qsym._runtime.Compiled's fields)
    guard = None
    value_only = False
    tensor_constants = False
    per_call = False
    by_value = first_order = cache_key = None

    def __init__(self, element, size, x_shapes, x_axes, d_shapes, d_axes, blocks, diff_args,
                 literals=None, batched=frozenset()):
        self.element = element
        self.size = size
        self.circuit = element.circuit
        self.plan = element.plan
        self.post = element.post
        self.simple = False
        self.is_state = element.is_state
        self.has_state = element.has_state
        self.drawn = element.drawn
        self.blocks = blocks  # full argument shapes
        self.diff_args = diff_args
        self.gx = gather_index(x_shapes, x_axes, size)
        self.gd = gather_index(d_shapes, d_axes, size)
        self.nx = int(sum(int(np.prod(s, dtype=np.int64)) for s in x_shapes))
        # which element columns come from a batch axis (x, then d before the literals)
        self.x_batched = _batched_columns(x_shapes, x_axes, size)
        self.d_batched = _batched_columns(d_shapes, d_axes, size)
        self.n_literals = len(literals) if literals else 0
        self.used_by_batches = frozenset(batched)  # (a batch of one: no batch axis)
        # numbers broadcast in the circuit itself: data columns after the arguments' data
        self.literals = (np.ascontiguousarray(np.array(literals, dtype=np.float64).T)
                         if literals else None)

    def batched_symbols(self, circuit) -> set:
        """The symbols of ``circuit`` (the element circuit, or one drawn from it) whose
        values come from a batch axis: the inputs of broadcast arguments and the numbers
        broadcast in the circuit itself, whatever their values (all equal in a batch of
        one), so a drawing shows their gates' parameters as PennyLane's ``M<i>``."""
        d_flags = [*self.d_batched, *([True] * self.n_literals)]
        return ({s for s, b in zip(circuit.inputs, self.x_batched) if b}
                | {s for s, b in zip(circuit.data, d_flags) if b}
                | (self.used_by_batches & {*circuit.inputs, *circuit.data}))

    def inputs(self, x, d):
        """Per-element inputs ``X[b]`` and data ``D[b]`` of the compiled element circuit."""
        D = np.ascontiguousarray(d[self.gd]) if self.gd.size else np.zeros((self.size, 0))
        if self.literals is not None:
            D = np.ascontiguousarray(np.concatenate([D, self.literals], axis=1))
        tail = getattr(self.element, "data_tail", None)  # its QubitUnitary matrices, shared
        if tail is not None and tail.size:
            D = np.ascontiguousarray(np.concatenate(
                [D, np.broadcast_to(tail, (self.size, tail.size))], axis=1))
        return (np.ascontiguousarray(x[self.gx]) if self.gx.size else np.zeros((self.size, 0)),
                D)

    def scatter(self, jac):
        """Per-element Jacobians ``jac[b, r, c]`` over reduced columns -> full columns."""
        full = np.zeros((self.size, jac.shape[1], self.nx))
        for b in range(self.size):
            np.add.at(full[b], (slice(None), self.gx[b]), jac[b])
        return full

    def stack(self, per_element):
        """Per-element lists of measured values -> one array per measurement (batch first);
        ``qml.counts`` a tuple of each element's dict, as PennyLane's (was a list)."""
        out = []
        for m in range(len(per_element[0])):
            vals = [e[m] for e in per_element]
            out.append(tuple(vals) if isinstance(vals[0], dict) else np.stack([np.asarray(v) for v in vals]))
        return out
