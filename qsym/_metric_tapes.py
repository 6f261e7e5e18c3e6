"""``qml.metric_tensor`` as PennyLane's transform: of a tape, the tapes that measure it and
the function that builds it from their results; of a QNode, qsym's exact metric tensor
(:mod:`qsym._natural_gradient`, no tapes).

On a tape (PennyLane 0.45's semantics): gates whose generator cannot be measured with
single-qubit rotations are first decomposed (``Rot`` into ``RZ RY RZ``, ...; the trainable
parameters of a decomposed tape are then those that require gradients, as in PennyLane).
The trainable parameters fall into PennyLane's layers (a new layer starts at a gate that
depends, through shared wires, on a gate of the current one). Each layer with a parameter
in ``argnum`` gives one tape: the gates before the layer (its backward light cone), the
rotations into the eigenbasis of the layer's generators, ``probs`` of all wires; the
processing function takes the generators' covariances from those probabilities
(``approx="block-diag"``; ``"diag"`` keeps the variances). ``approx=None`` adds, for every
pair of parameters in different layers, Hadamard tests on an auxiliary wire
(``aux_wire``, or a free wire of ``device_wires``, or the first integer label the tape does
not use): ``Re<d_i psi|d_j psi>`` from ``expval(X(aux))`` of the circuit with the two
generators controlled by the auxiliary wire. qsym controls the generators' Pauli words (one
``CNOT``/``CY``/``CZ`` per wire; a generator that is a sum of words, such as
``PhaseShift``'s ``(I - Z)/2``, gives one tape per pair of words), so every tape is unitary
and the numbers are exact also where PennyLane 0.45 controls another operator
(``PhaseShift`` by ``CZ``): ``allow_nonunitary`` is accepted and not needed.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> ops = [qml.RX(np.array(0.4), 0), qml.CNOT([0, 1]), qml.RY(np.array(0.3), 1)]
>>> tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0))])
>>> tapes, fn = qml.metric_tensor(tape)
>>> [[op.name for op in t.operations] for t in tapes]   # two layers, one Hadamard test
[['Hadamard'], ['RX', 'CNOT', 'PauliZ', 'S', 'Hadamard'], ['Hadamard', 'CNOT', 'RX', 'CNOT', 'CY']]
>>> dev = qml.device("default.qubit", wires=3)
>>> print(np.round(fn(qml.execute(tapes, dev)), 6))   # Var(X_0) / 4, Var(Y_1) / 4: 1/4 each
[[0.25 0.  ]
 [0.   0.25]]
"""

from __future__ import annotations

import copy
import types
import warnings

import autograd.numpy as anp
import numpy as np
from autograd.tracer import Box, getval

from . import numpy as qnp
from ._autodiff import trainable_indices
from ._natural_gradient import gate_ancestors, generator_terms, get_aux_wire
from ._natural_gradient import metric_tensor as qnode_metric_tensor
from ._operations import GATE_CLASSES, expval, probs
from ._runtime import QNode
from ._tapes import QuantumScript, rebuild_op
from ._trace import Tape, outside_recordings, recording
from ._transform import BoundTransform, CompilePipeline, transform, with_transform
from .errors import ArgumentError, DifferentiationError, GateError, QuantumFunctionError
from .math import requires_grad
from .wires import Wires

__all__ = ["metric_tensor", "expand_metric_tensor", "generator_terms", "QNodeMetricTensor",
           "metric_runner"]

_MAX_DEPTH = 10  # nested decompositions followed before a gate is kept as it is
_APPROX = (None, "block-diag", "diag")


def _check_approx(approx) -> None:
    if approx not in _APPROX or isinstance(approx, bool):
        raise ArgumentError(
            f"Unknown value {approx!r} for keyword argument approx. Valid values are "
            "'diag', 'block-diag' and None.")


def _needs_expansion(op) -> bool:
    return len(op.data) > 0 and generator_terms(op) is None


def _requires_grad(p) -> bool:
    return isinstance(p, Box) or bool(requires_grad(p))


def _decomposition(op):
    """``op.decomposition()`` queued nowhere, its gates keeping autograd-boxed parameters
    (a tape's metric tensor under ``qml.jacobian``: the shots path's classical Jacobian)."""
    with outside_recordings():
        return op.decomposition()


def _children_trainable(op, flags, parts) -> list:
    """Which parameters of ``op``'s decomposition ``parts`` depend on its trainable ones
    (``flags``): those that move when the trainable parameters move (PennyLane reads it
    from its tensors' ``requires_grad``; qsym's decompositions return plain numbers)."""
    own = [[_requires_grad(p) for p in part.data] for part in parts]
    if not any(flags):
        return own
    moved = [float(getval(p)) + (0.1234567 * (k + 1) if f else 0.0)
             for k, (p, f) in enumerate(zip(op.data, flags))]
    try:
        other = _decomposition(rebuild_op(op, moved))
    except (GateError, NotImplementedError, TypeError):
        other = None
    if other is None or [len(o.data) for o in other] != [len(o.data) for o in parts]:
        return [[True] * len(part.data) for part in parts]
    return [[a or not np.allclose(getval(p), getval(q)) for a, p, q in zip(row, part.data, new.data)]
            for row, part, new in zip(own, parts, other)]


def _expanded_ops(ops, flags, depth=0):
    """``(ops, flags)``: the gates with those that need it decomposed (nested up to
    ``_MAX_DEPTH``), and per gate which of its parameters are trainable."""
    out, out_flags = [], []
    for op, f in zip(ops, flags):
        if depth >= _MAX_DEPTH or not _needs_expansion(op):
            out.append(op)
            out_flags.append(f)
            continue
        try:
            parts = _decomposition(op)
        except (GateError, NotImplementedError):
            out.append(op)  # refused later only if a trainable parameter is in it
            out_flags.append(f)
            continue
        more, more_flags = _expanded_ops(parts, _children_trainable(op, f, parts), depth + 1)
        out.extend(more)
        out_flags.extend(more_flags)
    return out, out_flags


def expand_metric_tensor(tape, argnum=None, approx=None, allow_nonunitary=True,
                         aux_wire=None, device_wires=None):
    """PennyLane's expansion before the metric tensor: gates whose generator is not
    measurable with single-qubit rotations (``Rot``, ``U3``, ``SingleExcitation``, ...)
    replaced by their decompositions; a tape that changed takes as trainable the
    parameters that require gradients (PennyLane's ``get_trainable_indices``), and those of
    a decomposition that depend on them.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> t = qml.tape.QuantumScript([qml.Rot(*np.array([0.1, 0.2, 0.3]), wires=0)])
    >>> [new], _ = expand_metric_tensor(t)
    >>> new.operations, new.trainable_params
    ([RZ(tensor(0.1, requires_grad=True), wires=[0]), RY(tensor(0.2, requires_grad=True), wires=[0]), RZ(tensor(0.3, requires_grad=True), wires=[0])], [0, 1, 2])
    """
    del argnum, allow_nonunitary, aux_wire, device_wires
    _check_approx(approx)
    flags = [[_requires_grad(p) for p in op.data] for op in tape.operations]
    ops, flags = _expanded_ops(tape.operations, flags)
    if len(ops) == len(tape.operations) and all(a is b for a, b in zip(ops, tape.operations)):
        return [tape], lambda results: results[0]
    trainable = [i for i, f in enumerate(f for row in flags for f in row) if f]
    new = QuantumScript(ops, tape.measurements, shots=tape.shots, trainable_params=trainable)
    return [new], lambda results: results[0]


class _Param:
    """One trainable tape parameter: its index, gate and generator words."""

    def __init__(self, index, op_index, op):
        self.index, self.op_index, self.op = index, op_index, op
        self.terms = generator_terms(op)
        if self.terms is None:
            raise DifferentiationError(
                f"qml.metric_tensor of a tape: trainable parameter {index} is in "
                f"{op.name}, whose generator qsym cannot measure with single-qubit rotations "
                "and which has no decomposition; use qml.metric_tensor of a QNode (exact, "
                "no tapes) or qml.adjoint_metric_tensor")
        self.letters = {w: p for _, word in self.terms for w, p in word.items()}


def _layers(tape):
    """PennyLane's parametrized layers of the trainable parameters: a list of
    ``(params, pre)`` with ``pre`` the indices of the gates before the layer that its
    gates depend on, in tape order."""
    ops = tape.operations
    ancestors = gate_ancestors(ops)
    where = [(k, op) for k, op in enumerate(ops) for _ in op.data]
    layers: list = []
    for index in tape.trainable_params:
        k, op = where[index]
        current = layers[-1][0] if layers else None
        if current is None or any(p.op_index in ancestors[k] for p in current):
            layers.append(([], None))
        layers[-1][0].append(_Param(index, k, op))
    out = []
    for params, _ in layers:
        pre = set().union(*(ancestors[p.op_index] for p in params))
        out.append((params, sorted(pre)))
    return out


def _rotations(params) -> list:
    """The gates turning each generator's words into ``Z`` words (PennyLane's
    diagonalizing gates of ``X`` and ``Y``)."""
    gates = []
    with recording(Tape()):
        for p in params:
            for w in p.op.wires:
                letter = p.letters.get(w)
                if letter in ("X", "Y"):
                    gates.extend(GATE_CLASSES["Pauli" + letter](wires=w).diagonalizing_gates())
    return gates


def _word_diagonal(word, wires) -> np.ndarray:
    """A Pauli word in the rotated basis (a ``Z`` word): its values on the basis states of
    ``wires`` (the tape's wires, the first one the most significant bit), flat."""
    n = len(wires)
    out = np.ones(2 ** n)
    for w in word:
        k = list(wires).index(w)
        out = out * (1 - 2 * ((np.arange(2 ** n) >> (n - 1 - k)) & 1))
    return out


def _diagonal(param, wires) -> np.ndarray:
    """The generator in the rotated basis, a diagonal over the basis states of ``wires``."""
    return sum(c * _word_diagonal(word, wires) for c, word in param.terms)


def _controlled_word(word, aux) -> list:
    """A Pauli word controlled by the auxiliary wire: one ``CNOT``/``CY``/``CZ`` a wire."""
    name = {"X": "CNOT", "Y": "CY", "Z": "CZ"}
    with recording(Tape()):
        return [GATE_CLASSES[name[p]](wires=[aux, w]) for w, p in word.items()]


def _argnum(tape, argnum) -> list:
    trainable = tape.trainable_params
    chosen = list(trainable) if argnum is None else (
        [argnum] if isinstance(argnum, (int, np.integer)) else list(argnum))
    if any(i not in trainable for i in chosen):
        raise ArgumentError(
            "Some parameters specified in argnum are not in the trainable parameters "
            f"{trainable} of the tape and will be ignored. This may be caused by attempting "
            "to differentiate with respect to parameters that are not marked as trainable.")
    return chosen


def _covariance_tapes(tape, layers, argnum):
    """One tape per layer with a parameter in ``argnum``: the gates before it, the
    rotations into its generators' eigenbasis, ``probs`` of all the tape's wires; and per
    such layer its chosen parameters with their generators' diagonals."""
    wires = list(tape.wires)
    tapes, blocks = [], []
    for params, pre in layers:
        chosen = [p for p in params if p.index in argnum]
        if not chosen:
            continue
        ops = [tape.operations[k] for k in pre] + _rotations(chosen)
        with recording(Tape()):
            measured = probs(wires=wires)
        tapes.append(QuantumScript(ops, [measured], shots=tape.shots))
        blocks.append((chosen, pre, [_diagonal(p, wires) for p in chosen]))
    return tapes, blocks


def _hadamard_tapes(tape, blocks, aux):
    """PennyLane's Hadamard tests for the entries between two layers: ``H(aux)``, the gates
    before the first layer, a word of its generator controlled by ``aux``, the further
    gates before the second layer, a word of the other generator controlled;
    ``expval(X(aux))``. A pair with the identity word needs no tape: its value is the
    other word's mean, read from a layer's probabilities. Returns the tapes and the terms
    ``(i, j, coefficient, source)`` (positions among the blocks' parameters; ``source``:
    ``("tape", k)``, ``("mean", block, word)`` or ``("one",)``)."""
    tapes, terms = [], []
    ops = tape.operations
    offsets = np.cumsum([0] + [len(b[0]) for b in blocks])
    for a, (chosen_a, pre_a, _) in enumerate(blocks):
        before_a = set(pre_a)
        for b in range(a + 1, len(blocks)):
            chosen_b, pre_b, _ = blocks[b]
            between = [ops[k] for k in pre_b if k not in before_a]
            for i, pi in enumerate(chosen_a):
                for j, pj in enumerate(chosen_b):
                    for ci, wi in pi.terms:
                        for cj, wj in pj.terms:
                            where = (offsets[a] + i, offsets[b] + j, ci * cj)
                            if not wi or not wj:
                                source = (("one",) if not wi and not wj else
                                          ("mean", b, wj) if wj else ("mean", a, wi))
                                terms.append(where + (source,))
                                continue
                            with recording(Tape()):
                                gates = ([GATE_CLASSES["Hadamard"](wires=aux)]
                                         + [ops[k] for k in pre_a] + _controlled_word(wi, aux)
                                         + between + _controlled_word(wj, aux))
                                measured = expval(GATE_CLASSES["PauliX"](wires=aux))
                            terms.append(where + (("tape", len(tapes)),))
                            tapes.append(QuantumScript(gates, [measured], shots=tape.shots))
    return tapes, terms


def _matrix(entries: dict, n: int):
    """An ``n x n`` array of the entries ``{(row, col): value}`` (zeros elsewhere);
    autograd boxes among the values stay differentiable."""
    rows = [[entries.get((r, c), 0.0) for c in range(n)] for r in range(n)]
    if not any(isinstance(v, Box) for row in rows for v in row):
        return np.array(rows, dtype=float)
    return anp.stack([anp.stack([anp.array(v, dtype=float) for v in row]) for row in rows])


def _processing(tape, blocks, entries, diag_approx):
    """The processing function: covariances in each layer (variances only with
    ``diag_approx``), then, with Hadamard tests, ``Re<d_i psi|d_j psi> - <d_i psi|psi>
    <psi|d_j psi>`` between layers; the matrix over the tape's trainable parameters."""
    position = {index: k for k, index in enumerate(tape.trainable_params)}
    wires = list(tape.wires)
    indices = [position[p.index] for chosen, _, _ in blocks for p in chosen]
    n_cov = len(blocks)

    def fn(results):
        out, means = {}, []
        for (chosen, _, diags), p in zip(blocks, results[:n_cov]):
            p = anp.reshape(p, (-1,)) if isinstance(p, Box) else np.reshape(p, -1)
            layer_means = [anp.dot(p, d) for d in diags]
            means.extend(layer_means)
            start = len(means) - len(chosen)
            for i in range(len(chosen)):
                for j in range(i, len(chosen) if not diag_approx else i + 1):
                    v = anp.dot(p, diags[i] * diags[j]) - layer_means[i] * layer_means[j]
                    out[indices[start + i], indices[start + j]] = v
                    out[indices[start + j], indices[start + i]] = v
        first: dict = {}
        for i, j, c, source in entries:
            if source[0] == "tape":
                value = results[n_cov + source[1]]
            elif source[0] == "mean":
                value = anp.dot(anp.reshape(results[source[1]], (-1,)),
                                _word_diagonal(source[2], wires))
            else:
                value = 1.0
            first[i, j] = first.get((i, j), 0.0) + c * value
        for (i, j), v in first.items():
            v = v - means[i] * means[j]
            out[indices[i], indices[j]] = out[indices[j], indices[i]] = v
        return _matrix(out, len(position))

    return fn


def metric_tensor(tape, argnum=None, approx=None, allow_nonunitary=True, aux_wire=None,
                  device_wires=None):
    """PennyLane's ``qml.metric_tensor`` transform: ``Re[<d_i psi|d_j psi> - <d_i psi|psi>
    <psi|d_j psi>]`` over the trainable parameters.

    Of a tape: ``(tapes, fn)``, the tapes measuring it (see the module) and ``fn`` building
    the tensor from their results (``qml.execute(tapes, dev)``); differentiable under
    autograd. Of a QNode: a function of its arguments returning qsym's exact metric tensor
    (:func:`qsym._natural_gradient.metric_tensor`: with ``hybrid``, no tapes run).

    Args:
        tape: a tape (or a batch of tapes, or a QNode).
        argnum: ``None`` (all) or the indices of the trainable tape parameters (after the
            decompositions) to compute; the other rows and columns are zero.
        approx: ``None`` (the full tensor: Hadamard tests between layers),
            ``"block-diag"`` or ``"diag"``.
        allow_nonunitary: accepted (qsym's tapes are unitary either way).
        aux_wire, device_wires: the auxiliary wire of the Hadamard tests, or the device's
            wires to choose a free one from (PennyLane's rules and ``WireError``).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> t = qml.tape.QuantumScript([qml.RX(np.array(0.5), 0), qml.RY(np.array(0.2), 0)],
    ...                            [qml.expval(qml.Z(0))])
    >>> tapes, fn = qml.metric_tensor(t, approx="block-diag")
    >>> len(tapes)
    2
    >>> dev = qml.device("default.qubit", wires=1)
    >>> print(np.round(fn(qml.execute(tapes, dev)), 6))   # diag(1/4, cos(0.5)^2 / 4)
    [[0.25     0.      ]
     [0.       0.192538]]
    """
    del allow_nonunitary  # every tape qsym makes is unitary
    _check_approx(approx)
    if not tape.trainable_params:
        warnings.warn(
            "Attempted to compute the metric tensor of a tape with no trainable parameters. "
            "If this is unintended, please mark trainable parameters in accordance with the "
            "chosen auto differentiation framework, or via the 'tape.trainable_params' "
            "property.", UserWarning, stacklevel=3)
        return [], lambda _: ()
    chosen = _argnum(tape, argnum)
    tapes, blocks = _covariance_tapes(tape, _layers(tape), set(chosen))
    entries: list = []
    if approx is None and len(blocks) > 1:
        wires = None if device_wires is None else Wires(device_wires)
        aux = get_aux_wire(aux_wire, tape, wires)
        more, entries = _hadamard_tapes(tape, blocks, aux)
        tapes = tapes + more
    return tapes, _processing(tape, blocks, entries, approx == "diag")


metric_tensor = transform(metric_tensor, expand_transform=expand_metric_tensor,
                          final_transform=True)


class QNodeMetricTensor:
    """``qml.metric_tensor(qnode, ...)``: a function of the QNode's arguments. Without
    shots, qsym's exact tensor from the state (:func:`qsym._natural_gradient.metric_tensor`,
    no tapes run); with finite shots, PennyLane's way: the tape of the call, its metric
    tensor tapes run on the device with the shots, and (``hybrid``) the classical Jacobian
    of the tape's trainable parameters by the trainable arguments, ``J^T g J`` per argument.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.set_shots(shots=20000)
    ... @qml.qnode(qml.device("default.qubit", wires=2, seed=7))
    ... def circuit(x):
    ...     qml.RX(2 * x, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> g = qml.metric_tensor(circuit)(np.array(0.3))   # exact: 2^2 * Var(X) / 4 = 1
    >>> bool(abs(g - 1.0) < 0.05)
    True
    """

    def __init__(self, qnode, argnum=None, approx=None, allow_nonunitary=True, aux_wire=None,
                 device_wires=None, hybrid=True):
        self.exact = qnode_metric_tensor(qnode, argnum, approx, allow_nonunitary, aux_wire,
                                         device_wires, hybrid)
        self.qnode, self.hybrid = qnode, hybrid
        self.options = dict(argnum=argnum, approx=approx, aux_wire=aux_wire,
                            device_wires=device_wires)
        self.__doc__ = self.exact.__doc__

    @property
    def compile_pipeline(self):
        """The QNode's transforms, then ``metric_tensor``'s expansion and its tape transform
        with this tensor's options (PennyLane's pipeline of ``qml.metric_tensor(qnode)``,
        which ``qml.workflow.get_compile_pipeline`` and ``construct_batch`` read)."""
        pipeline = CompilePipeline(self.qnode.compile_pipeline)
        transform_, options = self.pipeline_transform()
        pipeline.add_transform(transform_, **options)
        return pipeline

    def pipeline_transform(self) -> tuple:
        """The transform its compile pipeline ends with, and that transform's options."""
        return metric_tensor, {k: v for k, v in self.options.items() if v is not None}

    # the QNode's device and options, which resolve the configuration of its pipeline
    device = property(lambda self: self.qnode.device)
    diff_method = property(lambda self: self.qnode.diff_method)
    resolved_method = property(lambda self: self.qnode.resolved_method)
    resolved_kwargs = property(lambda self: self.qnode.resolved_kwargs)
    interface = property(lambda self: self.qnode.interface)
    gradient_kwargs = property(lambda self: self.qnode.gradient_kwargs)
    execute_kwargs = property(lambda self: self.qnode.execute_kwargs)

    def __call__(self, *args, **kwargs):
        if not self.qnode.current_shots():
            return self.exact(*args, **kwargs)
        return self.sampled(args, kwargs)

    def _expanded_tape(self, args, kwargs):
        from .workflow import construct_tape

        tape = construct_tape(self.qnode)(*args, **kwargs)
        [expanded], _ = expand_metric_tensor(tape, approx=self.options["approx"])
        return expanded

    def sampled(self, args, kwargs):
        """The tensor from the tapes, run with the QNode's shots."""
        from ._tapes import EXACT, execute
        from ._runtime import jacobian

        options = dict(self.options)
        if options["device_wires"] is None:
            options["device_wires"] = getattr(self.qnode.device, "wires", None) or None
        # PennyLane's trainable arguments: requires_grad tensors, not floats or lists
        trainable = list(trainable_indices(args, getattr(self.qnode, "static_positions", ())))
        if self.hybrid and not trainable:
            raise QuantumFunctionError("No trainable parameters.")
        args = tuple(qnp.array(a, requires_grad=True) if i in trainable else a
                     for i, a in enumerate(args))  # their gate parameters: trainable
        tape = self._expanded_tape(args, kwargs)
        tapes, fn = metric_tensor(tape, **options)
        g = fn(execute(tapes, self.qnode.device, EXACT))
        if not self.hybrid or isinstance(g, tuple):
            return g

        def parameters(*values):
            t = self._expanded_tape(values, kwargs)
            if len(t.trainable_params) != g.shape[0]:
                raise DifferentiationError(
                    "qml.metric_tensor with shots: the tape's trainable parameters changed "
                    "under differentiation; use hybrid=False (the tensor over them)")
            return anp.stack([anp.reshape(p, ()) for p in t.get_parameters()])

        jac = jacobian(parameters, argnum=trainable)(*args)
        jac = jac if isinstance(jac, tuple) else (jac,)
        out = tuple(np.tensordot(c, np.tensordot(g, c, axes=[[-1], [0]]), axes=[[0], [0]])
                    for c in jac)
        return out[0] if len(out) == 1 else out


@metric_tensor.custom_qnode_transform
def _qnode_metric_tensor(self, qnode, targs, tkwargs):
    """A QNode's metric tensor: PennyLane 0.45's transformed QNode (``qnode`` with
    ``metric_tensor`` and its expansion at the end of its pipeline: a ``QNode``, its
    ``compile_pipeline`` listing them, other transforms applicable to it), whose call gives
    the tensor (:func:`metric_runner`). The options are checked here (``approx``)."""
    _check_approx(tkwargs.get("approx", targs[1] if len(targs) > 1 else None))
    if len(targs) < 5:  # PennyLane's: the device's wires among the options
        tkwargs = {**tkwargs, "device_wires": tkwargs.get("device_wires", qnode.device.wires)}
    return with_transform(qnode, BoundTransform(self, targs, tkwargs))


def metric_runner(make):
    """The ``qnode_runner`` of a metric-tensor transform (:func:`qsym._transform._final_call`):
    the function a transformed QNode ending with the transform (``bound``) calls,
    ``make(qnode with the transforms before it, *bound.args, **bound.kwargs)``
    (:class:`QNodeMetricTensor`), made once per transformed QNode (its prepared functions
    are reused by the next calls)."""
    def runner(qnode, rest, bound):
        memo = qnode.__dict__.setdefault("_metric_runners", {})
        hit = memo.get(id(bound))
        if hit is None or hit[0] is not bound:
            inner = copy.copy(qnode)
            inner.pipeline = rest if len(rest) else None
            hit = memo[id(bound)] = (bound, make(inner, *bound.args, **bound.kwargs))
        return hit[1]

    return runner


metric_tensor.qnode_runner = metric_runner(QNodeMetricTensor)


@metric_tensor.register(types.FunctionType)
def _not_a_circuit(fn, *targs, **tkwargs):
    """A plain function: PennyLane's metric tensor needs its QNode."""
    del targs, tkwargs
    raise ArgumentError(
        f"qml.metric_tensor needs a QNode or a tape, got the function {fn.__name__!r}; for a "
        "cost function of several QNodes, give the optimizer a metric_tensor_fn")
