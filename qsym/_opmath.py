"""Operator arithmetic and transforms of gates: PennyLane's ``qml.adjoint``, ``qml.ctrl``,
``qml.prod``, ``qml.sum``, ``qml.s_prod``, ``qml.dot`` and the short names ``qml.X``,
``qml.Y``, ``qml.Z``, ``qml.I``, ``qml.H``.

Adjoints and controlled gates are written as gates of the table (:mod:`qsym._gates`), so
that every parameter keeps an exact expression of the inputs and a proved shift rule:

- the adjoint of ``U(t) = exp(-i t G)`` is ``U(-t)``; of ``Rot(a, b, c)`` it is
  ``Rot(-c, -b, -a)``; of a constant gate, the gate itself or its conjugate transpose
  (``S`` -> ``PhaseShift(-pi/2)``, else ``QubitUnitary(U^dagger)``);
- a controlled gate is its table version when there is one (``RX`` -> ``CRX``, ``PauliX``
  -> ``CNOT``/``Toffoli``/``MultiControlledX``, ``PhaseShift`` -> ``ControlledPhaseShift``
  ...); otherwise a constant gate becomes a ``QubitUnitary`` of the controlled matrix,
  ``Rot``/``U2``/``U3`` are split into ``RZ RY RZ`` (and a phase), and a one-parameter gate
  becomes a new table row ``C<k>_<gate>`` whose matrix is the controlled matrix; its
  shift rule is derived and proved like any other (:func:`qsym.rules.rule_for_gate`).
  Control values 0 are X gates on those control wires before and after, as in PennyLane
  (an X-type gate becomes one ``MultiControlledX`` with the control values).

What they return is what PennyLane returns: ``Adjoint(RX(0.3, wires=[0]))``,
``RX(0.5, wires=[0])**2``, ``Controlled(RY(0.2, wires=[2]), control_wires=[0, 1])``
(:class:`SymbolicOp`: PennyLane's repr, name, base, hyperparameters, matrix), or the gate
PennyLane has for a controlled gate (``CRY``); the gates of the table they apply are
their ``table_gates``.

>>> import qsym as qml
>>> a = qml.adjoint(qml.RX(0.3, wires=0))
>>> a, a.table_gates
(Adjoint(RX(0.3, wires=[0])), (RX(-0.3, wires=[0]),))
>>> qml.ctrl(qml.RY(0.2, wires=1), control=0)
CRY(0.2, wires=[0, 1])
>>> qml.dot([0.5, 2.0], [qml.X(0), qml.Z(0) @ qml.Z(1)])
0.5 * X(0) + 2.0 * (Z(0) @ Z(1))
"""

from __future__ import annotations

import abc
import builtins
import contextlib
import copy
import functools
import inspect
import itertools
import numbers
import types
import warnings

import numpy as np
import sympy as sp
import autograd.numpy as anp
from autograd.tracer import Box, getval

from .exceptions import (DiagGatesUndefinedError, ParameterFrequenciesUndefinedError, QueuingError,
                         TermsUndefinedError)
from .errors import (AdjointUndefinedError, ArgumentError, DecompositionUndefinedError,
                     DifferentiationError, OperandError,
                     EigvalsUndefinedError, GateError, GeneratorUndefinedError,
                     MatrixUndefinedError, MeasurementError, PowUndefinedError,
                     QuantumFunctionError, SparseMatrixUndefinedError, TracingError, WireError)
from ._gates import (GATES, REGISTRY, STRUCTURED_MIN_WIRES, GateDef, controlled_pauli_form,
                     definition_key, gate_def,
                     is_sparse_matrix, numeric_matrix_function, pauli_span, register,
                     rule_variant, structured)
from .rules import eigen_frequencies
from ._operations import (
    CONTROLLED_TARGETS,
    compare,
    controlled_eigenvalues,
    GATE_CLASSES,
    METHODS,
    PARAMETRIZED_EVOLUTION,
    PARAMETRIZED_HAMILTONIAN,
    GateSequence,
    Hamiltonian,
    Observable,
    OperatorRecord,
    merge_matmul,
    Projector,
    Operation,
    Prod,
    SProd,
    Sum,
    wires_tuple,
    as_observable,
    batched_scalar,
    carrier_gates,
    expand_matrix,
    mark_used,
    matrix_label,
    pauli_decomposition,
    sparse_of,
    table_gates,
    user_declares,
    unitary_carriers,
    written_terms,
)
from ._trace import (QueueLog, Tape, Traced, active_tape, aside_tape, choice, known, not_recording,
                     outer_tape, recording, recording_root, recording_tapes, take_over)
from .wires import Wires, order_list
from . import templates
from .templates import QFT, BoxKey, Template, add_draw_group, clear_draw_groups, current_draw_groups, gates_matrix
from ._unitary_decompositions import (multi_qubit_decomposition, one_qubit_decomposition,
                                      two_qubit_decomposition)

from types import SimpleNamespace as _Namespace

# --- short names --------------------------------------------------------------------------
X = GATE_CLASSES["PauliX"]
Y = GATE_CLASSES["PauliY"]
Z = GATE_CLASSES["PauliZ"]
I = GATE_CLASSES["Identity"]  # noqa: E741
I.identity_op = staticmethod(lambda *params: np.identity(2))  # PennyLane's: the 2x2 identity
I.ev_order = 1  # PennyLane's Identity is also a first-order CV observable (default.gaussian)
H = GATE_CLASSES["Hadamard"]


# --- operator arithmetic: PennyLane's Prod, Sum, SProd, LinearCombination -----------------
def _check_operands(fn: str, ops) -> None:
    bad = [o for o in ops if isinstance(o, (type, types.FunctionType, types.MethodType,
                                            functools.partial))]
    if len(ops) > 1 and bad:  # (PennyLane reads the operand's wires: its AttributeError)
        raise OperandError(
            f"{type(bad[0]).__name__!r} object has no attribute 'wires': qml.{fn} takes "
            f"operators (e.g. qml.X(0)), or one quantum function alone (qml.{fn}(qfunc)() "
            f"is the {fn} of the operators it queues), got {bad[0]!r}")
    if len(ops) == 1 and callable(ops[0]) and not isinstance(ops[0], (Operation, Observable)):
        raise MeasurementError(
            f"qml.{fn} of a function (of the gates it applies) is not supported; "
            "apply the gates in the circuit, or give operators")
    if fn == "prod" and len(ops) == 1 and not isinstance(ops[0], (Operation, Observable)):
        raise ArgumentError(  # (PennyLane's TypeError and words)
            f"Unexpected argument of type {type(ops[0]).__name__} passed to qp.prod "
            "(qml.prod takes operators, or one quantum function)")


def _operator_leaves(tree) -> list:
    """The operators among the leaves of nested tuples, lists and dicts."""
    if isinstance(tree, (tuple, list)):
        return [o for t in tree for o in _operator_leaves(t)]
    if isinstance(tree, dict):
        return _operator_leaves(list(tree.values()))
    return [tree] if isinstance(tree, (Operation, Observable)) else []


def _prod_of_function(fn, id, lazy):
    """``qml.prod(qfunc)``: a function giving the product of the operators ``qfunc``
    queues, the last one first, as PennyLane (the operators as queued: a product made
    there is one factor, flattened with ``lazy=False``; in a user's queue the operators
    passed as arguments leave it, and the product, or the one operator, is queued)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        tape = active_tape()
        if tape is not None and tape.log is None:  # in a circuit: applied unless used
            start, pended = len(tape.items), len(tape.pending)
            fn(*args, **kwargs)
            tape.apply_pending(since=pended)  # (a product written as a statement in fn: its
            ops = [op for op in tape.items[start:] if isinstance(op, Operation)]  # gates)
            if len(ops) == 1:
                return ops[0]
            factors = _boxed_factors(ops)  # (read before the product's own box is added)
            out = Prod(*ops[::-1], id=id, _flat=not lazy)
            if factors is not None:  # drawn as PennyLane's Prod of the queued operators
                out.label = functools.partial(_factors_label, out, factors[::-1])
            return out
        if tape is not None:
            tape.unqueue(_operator_leaves((args, kwargs)))
        with AnnotatedQueue() as q:
            fn(*args, **kwargs)
        # (templates too: qml.FlipSign, qml.QFT, ... are factors, as PennyLane's operators)
        ops = [op for op in q.queue if isinstance(op, (Operation, Observable, GateSequence))]
        if len(ops) != 1:
            return Prod(*ops[::-1], id=id, _flat=not lazy)
        if tape is not None:  # (PennyLane's qml.apply: a copy queued)
            with not_recording():
                ops[0] = copy.copy(ops[0])
            tape.log.append(ops[0])
        return ops[0]

    return wrapper


def _boxed_factors(gates) -> list | None:
    """While ``qml.draw`` runs the circuit: what wrote the circuit's ``gates`` in order, one
    entry per operator (a template's gates: the template, labelled ``|Ψ⟩``, ``QFT``, ...; an
    adjoint's: its box; any other gate itself); None where every gate is its own operator
    (or outside a drawing run, where no box is recorded)."""
    out, last, boxed = [], None, False
    for g in gates:
        groups = current_draw_groups(g)
        if groups and not groups[0][3]:  # (the outermost box, one without control dots)
            if groups[0][0] != last:
                out.append(groups[0][1])
            last, boxed = groups[0][0], True
        else:
            out.append(g)
            last = None
    return out if boxed else None


def _factors_label(prod, factors, decimals=None, base_label=None, cache=None) -> str:
    """PennyLane's label of ``qml.prod(qfunc)``'s ``Prod`` of the operators ``qfunc``
    queued (``X@|Ψ⟩``, its factors last first), where ``prod``'s factors are their gates."""
    if base_label is not None:
        return type(prod).label(prod, decimals, base_label, cache)
    parts = (f.label(decimals, None, cache) for f in factors)
    return "@".join(f"({t})" if getattr(f, "arithmetic_depth", 0) > 0 else t
                    for f, t in zip(factors, parts))


def prod(*ops, id=None, lazy=True) -> Prod:
    """The product of operators, ``ops[0] @ ops[1] @ ...`` (PennyLane's ``qml.prod``): a
    :class:`~qsym.ops.Prod`; with ``lazy=False`` nested products are flattened; one operator
    is returned as it is.

    >>> prod(X(0), Z(1)), prod(X(0))
    (X(0) @ Z(1), X(0))
    >>> prod(prod(X(0), Y(1)), Z(2)), prod(prod(X(0), Y(1)), Z(2), lazy=False)
    ((X(0) @ Y(1)) @ Z(2), X(0) @ Y(1) @ Z(2))
    """
    if len(ops) == 1 and callable(ops[0]) and not isinstance(ops[0], (Operation, Observable)):
        return _prod_of_function(ops[0], id, lazy)
    _check_operands("prod", ops)
    if len(ops) == 1 and isinstance(ops[0], (Operation, Observable)):  # PennyLane's: itself
        return ops[0]
    return Prod(*ops, id=id, _flat=not lazy)


def sum(*ops, id=None, lazy=True, grouping_type=None, method="rlf") -> Sum:  # noqa: A001
    """The sum of operators (PennyLane's ``qml.sum``): a :class:`~qsym.ops.Sum`, terms as
    written (``lazy=False`` flattens nested sums).

    >>> sum(X(0), Z(0))
    X(0) + Z(0)
    """
    _check_operands("sum", ops)
    out = Sum(*ops, id=id, _flat=not lazy)
    if grouping_type is not None:
        out.compute_grouping(grouping_type, method)
    return out


def s_prod(scalar, operator, lazy=True, id=None) -> SProd:
    """``scalar * operator`` (PennyLane's ``qml.s_prod``): a :class:`~qsym.ops.SProd`;
    ``lazy=False`` folds a scalar product of a scalar product into one.

    >>> s_prod(0.5, Z(0)), s_prod(2, s_prod(3, X(0)), lazy=False)
    (0.5 * Z(0), 6 * X(0))
    """
    return SProd(scalar, operator, id=id, _flat=not lazy)


def dot(coeffs, ops, pauli=False, grouping_type=None, method="lf"):
    """``sum(c * o for c, o in zip(coeffs, ops))`` (PennyLane's ``qml.dot``): a
    :class:`~qsym.ops.Sum` of ``c * o`` (``o`` itself where ``c`` is 1), one term alone as
    it is; ``pauli=True`` gives a ``qml.pauli.PauliSentence``. The coefficients may be
    traced inputs.

    >>> dot([1.0, -1.0], [X(0), Y(0)])
    X(0) + -1.0 * Y(0)
    """
    kind = ("Operator" if isinstance(ops, (Operation, Observable)) else type(ops).__name__
            if type(ops).__name__ in ("PauliWord", "PauliSentence") else None)
    if kind is not None:  # (PennyLane's words)
        raise MeasurementError(f"qml.dot: ops must be an Iterable of {kind}'s, not a {kind} "
                               "itself.")
    ops = [o.operation() if hasattr(o, "operation") and not isinstance(o, (Operation, Observable))
           else o for o in ops]
    coeffs = list(coeffs) if not isinstance(coeffs, np.ndarray) else list(coeffs.ravel())
    if len(coeffs) != len(ops):
        raise MeasurementError("qml.dot: Number of coefficients and operators does not match.")
    if not ops:
        raise MeasurementError("qml.dot: Cannot compute the dot product of an empty sequence.")
    if any(not isinstance(o, (Operation, Observable)) for o in ops):
        raise MeasurementError("qml.dot takes a list of coefficients and a list of operators")
    if any(callable(c) for c in coeffs) and PARAMETRIZED_HAMILTONIAN:  # functions f(p, t)
        return PARAMETRIZED_HAMILTONIAN[0](coeffs, ops)
    if pauli:
        return METHODS["pauli_rep"](Hamiltonian(coeffs, ops).terms)
    operands = [o if _is_one(c) else SProd(c, o) for c, o in zip(coeffs, ops)]
    if len(operands) == 1:
        return operands[0]
    out = Sum(*operands)
    if grouping_type is not None:
        out.compute_grouping(grouping_type, method)
    return out


def _is_one(c) -> bool:
    """Whether the coefficient ``c`` is the number 1 (a Python number, or a 0-d array of
    one: ``qml.dot(np.array([1.0, 2.0]), ...)`` drops it as PennyLane does); a traced input
    or an autograd value is never looked at."""
    if isinstance(c, np.ndarray) and c.ndim == 0 and c.dtype.kind in "iuf":
        return bool(c == 1)
    return isinstance(c, numbers.Number) and c == 1


# --- helpers --------------------------------------------------------------------------------
def _make(name: str, params=(), wires=(), hyper=()) -> Operation:
    """A gate instance (recorded on the active tape if there is one)."""
    return GATE_CLASSES[name](*params, wires=list(wires), **dict(hyper))


def _neg(p):
    from ._broadcast import Batched

    if isinstance(p, Batched):
        return Batched(-v for v in p)
    return -p


def _elementwise(fn, *ps):
    """``fn`` of parameters, element by element if any is broadcast (a Batched tuple)."""
    from ._broadcast import Batched

    sizes = {len(q) for q in ps if isinstance(q, Batched)}
    if not sizes:
        return fn(*ps)
    (n,) = sizes
    return Batched(fn(*[q[b] if isinstance(q, Batched) else q for q in ps]) for b in range(n))


def _record(fn, args, kwargs, keep=None) -> list:
    """The gates ``fn(*args, **kwargs)`` applies, recorded on a tape of their own (and the
    other items ``keep(item)`` is true of, in their places)."""
    tape = Tape()
    with recording(tape):
        fn(*args, **kwargs)
    tape.apply_pending()  # (a product of gates written as a statement in fn: applied)
    return [op for op in tape.items
            if isinstance(op, Operation) or (keep is not None and keep(op))]


def _is_snapshot(item) -> bool:
    """Whether a recorded item is a ``qml.Snapshot`` taken by a running ``qml.snapshots``
    (qsym._drawing's: recorded where the state is taken, no gate)."""
    return type(item).__name__ == "Snapshot" and not isinstance(item, Operation)


def _take_off_tape(op: Operation) -> None:
    tape = active_tape()
    if tape is not None and isinstance(op, SymbolicOp) and op._gates is None:
        tape.remove(op)  # made from an operator of your own: recorded as itself
    elif tape is not None:
        for g in op.table_gates:
            tape.remove(g)
        unqueue = getattr(tape, "unqueue", None)
        if unqueue is not None and isinstance(op, SymbolicOp):
            unqueue((op,))  # (Adjoint(RX) queued as itself: qml.adjoint(it, lazy=False))
        marks = getattr(tape, "barriers", None)
        if marks and not op.table_gates:  # a gate-less Pow's drawn mark (_drawn_if_empty)
            marks[:] = [(k, m) for k, m in marks if m is not op]


def _hyper_value(op, name):
    return dict(op.hyper).get(name)


def _boxed_u(op, refuse: str = ""):
    """A ``QubitUnitary``'s matrix if autograd computed it from differentiated values (the
    box it was given), else None; with ``refuse`` (what is made of it), such a matrix is
    refused: its numbers would drop the derivative."""
    U = op.__dict__.get("_u_given")
    if not isinstance(U, Box):
        return None
    if refuse:
        raise DifferentiationError(
            f"{refuse} of a QubitUnitary whose matrix autograd computed from differentiated "
            "inputs is not differentiable in qsym: apply the QubitUnitary itself (its "
            "derivative is exact), or build the operation from gate parameters")
    return U


# --- adjoint ---------------------------------------------------------------------------------
_SELF_INVERSE = frozenset(
    {"Identity", "PauliX", "PauliY", "PauliZ", "Hadamard", "CNOT", "CY", "CZ", "SWAP",
     "Toffoli", "CSWAP", "MultiControlledX", "CH", "CCZ", "ECR"}
)
_PHASE_INVERSE = {"S": -sp.pi / 2, "T": -sp.pi / 4}


@REGISTRY.memo  # reads the row by name: a gate defined again must not keep the answer
def _negation_is_inverse(name: str, num_wires, hyper: tuple) -> bool:
    """True if ``U(-t) = U(t)^dagger`` for every ``t`` (proved with sympy): always for
    gates ``exp(-i t G)``; checked on the matrix for the others."""
    row = gate_def(name)
    if row.num_params != 1:
        return False
    if row.generator is not None:
        return True
    t = sp.Symbol("t", real=True)
    m = row.sympy_matrix((t,), num_wires, hyper)
    diff = (row.sympy_matrix((-t,), num_wires, hyper) - m.H).applyfunc(
        lambda e: sp.simplify(sp.expand_complex(e.rewrite(sp.exp)))
    )
    return diff == sp.zeros(*m.shape)


class _Dagger:
    """The label of an adjoint template's box: the template's with a dagger (PennyLane's
    ``Adjoint.label``)."""

    labels_an_adjoint = True  # (qsym._drawing._elbow: the adjoint of an elbow is drawn closing)

    def __init__(self, base, of_controlled=False):
        self.base, self.of_controlled = base, of_controlled  # (a Controlled's box: bracketed)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        label = self.base.label(decimals, base_label, cache)
        if self.of_controlled:  # (PennyLane's: one letter unbracketed, H† of a C(C(H)))
            return f"({label})†" if len(label) > 1 else label + "†"
        return _daggered(self.base, label)

    @property
    def arithmetic_depth(self) -> int:
        return 1 + getattr(self.base, "arithmetic_depth", 0)

    def device_applies(self) -> bool:
        applies = getattr(self.base, "device_applies", None)  # a template's; a gate: yes
        return True if applies is None else applies()


def _daggered(base, label: str) -> str:
    """PennyLane's label of ``Adjoint(base)``: the base's label with a dagger, in brackets
    where the base is itself made from another and its label is longer than one
    character (``(QFT†)†``, ``(RX)†`` of a ``CRX``; ``X†`` of a ``CNOT``).

    >>> import qsym as qml
    >>> _daggered(qml.QFT(wires=[0]), "QFT"), _daggered(qml.adjoint(qml.S(0)), "S†")
    ('QFT†', '(S†)†')
    """
    return f"({label})†" if getattr(base, "arithmetic_depth", 0) > 0 and len(label) > 1 \
        else label + "†"


def _adjoint_boxes(op, inverses, call) -> None:
    """While ``qml.draw`` runs the circuit: the inverse gates of ``op`` are drawn in the
    boxes of the templates ``op`` belongs to, daggered (``call``: a token of the
    ``qml.adjoint`` call, one box per call and template)."""
    for key, labeller, wires, controls, values in reversed(current_draw_groups(op)):
        ctrl_box = isinstance(key, tuple) and key[0] in ("ctrl", "ctrl-values")  # Adjoint(C(U)): one box
        if ctrl_box:  # on all its wires, no control dots, labelled (U)† (PennyLane's)
            controls, values = (), ()
        for g in inverses:
            add_draw_group(g, ("adjoint", key, call), _Dagger(labeller, ctrl_box), wires,
                           controls, values)


_SUPERSCRIPT = str.maketrans("0123456789.+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⋅⁺⁻")


class _Powered:
    """The label of a powered gate's box: the base's label and the power in superscript
    (PennyLane's ``Pow.label``: ``Rϕ(1.26)¹⁶``); ``default.qubit`` applies it as a matrix."""

    def __init__(self, base, z):
        self.base, self.z = base, z

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        label = self.base.label(decimals, base_label, cache)
        if self.z != "" and getattr(self.base, "arithmetic_depth", 0) > 0 and len(label) > 1:
            label = f"({label})"  # (PennyLane's: a product's or sum's label bracketed)
        return label + format(self.z).translate(_SUPERSCRIPT)

    @property
    def arithmetic_depth(self) -> int:  # (a power's box: its adjoint's label bracketed)
        return getattr(self.base, "arithmetic_depth", 0) + (self.z != "")

    def device_applies(self) -> bool:
        return True


def _controlled_boxes(op, made, controls, values, call) -> None:
    """While ``qml.draw`` runs the circuit: the controlled gates ``made`` of ``op`` are
    drawn in the boxes ``op`` belongs to (a power, an adjoint), with control dots
    (``call``: a token of the ``qml.ctrl`` call, one box per call and box)."""
    groups = current_draw_groups(op)
    orig = getattr(op, "_adjoint_of", None)
    if not groups and orig is not None:  # a gate's adjoint: its label with a dagger
        dagger = _Dagger(orig)  # (held by the box key)
        groups = ((BoxKey(dagger), dagger, tuple(op.wires), (), ()),)
    for key, labeller, wires, cws, cvs in reversed(groups):
        for g in made:
            add_draw_group(g, ("ctrl", key, call), labeller,
                           tuple(controls) + tuple(wires),
                           tuple(controls) + tuple(cws), tuple(values) + tuple(cvs))


def _inverse_ops(op: Operation) -> list:
    """Gates (not recorded) whose product is ``op``'s inverse, each remembering ``op``
    (``qml.draw`` labels it ``op``'s label with a dagger, as PennyLane does)."""
    if isinstance(op, SymbolicOp):
        return [i for g in reversed(op.table_gates) for i in _inverse_ops(g)]
    orig = getattr(op, "_adjoint_of", None)
    if (_table_gate(orig) and orig.name != "QubitUnitary"  # (a matrix may carry autograd's box)
            and tuple(orig.wires) == tuple(op.wires)):
        out = _gate_copies([orig])  # the inverse of an inverse gate: the gate (S, not Rϕ(π/2))
    else:
        out = _inverse_gates(op)
    if len(out) == 1:  # (of an inverse gate too: drawn as PennyLane's Adjoint(Adjoint(op)))
        out[0]._adjoint_of = op
    return out


def _adjoint_of_product(prod, lazy: bool):
    """PennyLane's ``Adjoint(Prod)`` of a product of gates (``qml.adjoint(qml.S(0) @
    qml.T(0))``): its base the product, its gates the inverses of the product's gates in
    reverse order (applied in a circuit where it is made; a queue holds it in place of
    the product); ``lazy=False``: the product of the factors' adjoints, reversed."""
    mark_used(prod)  # replaced by its adjoint
    if not lazy:
        out = prod.adjoint()
        take_over(out, (prod,))  # a queue holds the adjoint in place of the product
        return out
    inv = [g for gate in reversed(prod.applied_gates()) for g in _inverse_ops(gate)]
    call = object()
    for g in inv:  # drawn as PennyLane draws it: one box on its wires, (S@T)†
        add_draw_group(g, ("adjoint", BoxKey(prod), call), _Dagger(prod), prod.wires)
    tape = active_tape()
    if tape is not None:
        for g in inv:
            tape.append(g)
    return AdjointOperation(prod, inv)


def _boxed_inverses(op: Operation) -> list:
    """:func:`_inverses` of ``op``; of an operator made by ``qml.adjoint`` or ``qml.ctrl``
    (``Adjoint(QFT)``), the inverse of each of its gates drawn in the boxes that gate is
    drawn in, daggered (``qml.adjoint(qml.adjoint(qml.QFT(...)))``: ``(QFT†)†``)."""
    if not isinstance(op, SymbolicOp) or not op._gates:
        return _inverses(op)
    out, call = [], object()
    for g in reversed(op.table_gates):
        inv = _inverse_ops(g)
        _adjoint_boxes(g, inv, call)
        out += inv
    _controlled_template_box(op, out, call)
    return out


def _controlled_template_box(op, inverses, call) -> None:
    """While ``qml.draw`` runs: the inverse gates of ``Controlled(template)`` drawn as
    PennyLane draws its ``Adjoint``: one box on all its wires, ``(QFT)†``, no control dots."""
    if isinstance(op, ControlledOp) and not isinstance(op.base, Operation):
        for g in inverses:
            add_draw_group(g, ("adjoint", BoxKey(op), call), _Dagger(op, True), op.wires)


def _inverses(op: Operation) -> list:
    """:func:`_inverse_ops` of ``op``, or of the table gates an operator of your own
    decomposes into (in reverse order: PennyLane's ``Adjoint`` of it decomposes so)."""
    if _decomposes(op):
        return [i for g in reversed(table_gates(op)) for i in _inverse_ops(g)]
    return _inverse_ops(op)


def _table_gate(op) -> bool:
    return isinstance(op, Operation) and type(op) is GATE_CLASSES.get(getattr(op, "name", None))


def _gate_copies(gates) -> list:
    """New gates equal to ``gates`` (not recorded), made as :func:`_inverse_gates` makes its."""
    outside = not_recording() if outer_tape() is None else contextlib.nullcontext()
    with outside, recording(Tape()):
        return [_make(g.name, g.params, g.wires, g.hyper) for g in gates]


def _inverse_gates(op: Operation) -> list:
    name, p, w, hyper = op.name, op.params, op.wires, op.hyper
    # outside any circuit, the inverse keeps autograd boxes as the gate did (a tape's gate
    # under autograd: qml.adjoint of it, PennyLane's reversed Hadamard test)
    outside = not_recording() if outer_tape() is None else contextlib.nullcontext()
    with outside, recording(Tape()):
        if name in _SELF_INVERSE:
            return [_make(name, p, w, hyper)]
        if name in _PHASE_INVERSE:
            return [_make("PhaseShift", (_PHASE_INVERSE[name],), w)]
        if name in ("Rot", "CRot"):
            return [_make(name, (_neg(p[2]), _neg(p[1]), _neg(p[0])), w)]
        if name == "U3":
            return [_make("U3", (_neg(p[0]), _neg(p[2]), _neg(p[1])), w)]
        if name == "U2":
            return [_make("U3", (-sp.pi / 2, _neg(p[1]), _neg(p[0])), w)]
        if name == "QubitUnitary":
            U = _boxed_u(op)  # autograd's matrix: its adjoint autograd differentiates
            U = np.array(_hyper_value(op, "U"), dtype=complex) if U is None else U
            xp = anp if isinstance(U, Box) else np  # (a batch: each one's)
            return [_make("QubitUnitary", (), w, (("U", xp.swapaxes(xp.conj(U), -1, -2)),))]
        row = gate_def(name)
        nw = None if row.num_wires else len(w)
        if row.num_params == 0:
            return [_make("QubitUnitary", (), w, (("U", op.matrix().conj().T),))]
        if _negation_is_inverse(name, nw, hyper):
            return [_make(name, tuple(_neg(x) for x in p), w, hyper)]
    raise GateError(
        f"qml.adjoint of {name} is not supported: its matrix at -t is not its inverse; "
        "write the inverse gates yourself"
    )


def _is_template_class(fn) -> bool:
    """Whether ``fn`` is a template class (``qml.QFT``): called, it makes one operator."""
    from .templates import Template

    return isinstance(fn, type) and issubclass(fn, Template)


def _one_operator(fn):
    """What makes the one operator ``fn(*args)`` applies (a template class: itself; a
    :class:`~qsym.templates.Subroutine`: its ``operator``), or None."""
    from ._template_core import Subroutine

    if _is_template_class(fn):
        return fn
    return fn.operator if isinstance(fn, Subroutine) else None


def _template_ops(obj):
    """The gates of a template instance (taken off the active tape), or None."""
    from .templates import Template

    if not isinstance(obj, Template):
        return None
    recorded = obj.gates()
    ops = obj.operator_gates()  # (a StatePrep's: PennyLane's decomposition, as an operator)
    obj.release()
    for op in recorded:
        _take_off_tape(op)
    return ops


def _user_adjoint(op) -> bool:
    """Whether ``op``'s class (a user's, not one of qsym's) writes its own ``adjoint()``."""
    for k in type(op).__mro__:
        if "adjoint" in vars(k):
            return not k.__module__.startswith("qsym._")
    return False


def _adjoint_now(fn, inv):
    """``qml.adjoint(fn, lazy=False)`` of a gate ``fn`` whose inverse gates ``inv`` are applied:
    PennyLane's ``fn.adjoint()`` (the same gates) where a user's class writes one or a
    symbolic operator has one (``Adjoint(op).adjoint()`` is ``op``); else the one inverse
    gate, or PennyLane's ``Adjoint(fn)`` for several (never a list)."""
    _plain(inv)
    if ((_user_adjoint(fn) and getattr(fn, "has_adjoint", True))
            or (isinstance(fn, SymbolicOp) and _own_adjoint(fn))):
        with recording(Tape()):
            return fn.adjoint()
    return inv[0] if len(inv) == 1 else AdjointOperation(fn, inv)


_ADJOINT_OBSERVABLES: dict = {}  # observable class -> its Adjoint class (_adjoint_observable)


def _adjoint_label(self, decimals=None, base_label=None, cache=None) -> str:
    """PennyLane's ``Adjoint.label``: the base's and a dagger (in parentheses for an
    arithmetic base whose label is longer than one character)."""
    base = self._adjoint_base
    text = base.label(decimals, base_label, cache)
    return f"({text})†" if getattr(base, "arithmetic_depth", 0) > 0 and len(text) > 1 else f"{text}†"


def _adjoint_observable(fn):
    """``qml.adjoint`` of a Hermitian observable (``Hermitian``, ``Projector``, ...):
    PennyLane's ``Adjoint(obs)``, an operator of its own in a queue (``obs`` leaves it),
    shown as ``Adjoint(obs)`` with ``.base`` ``obs``; qsym's is a copy of ``obs`` of a
    subclass named ``Adjoint`` (the same observable: measured, compared and multiplied
    as it).

    >>> import numpy as np, qsym as qml
    >>> a = qml.adjoint(qml.Hermitian(np.eye(2), wires=0))
    >>> a, a.name, a.base.name, isinstance(a, qml.ops.op_math.Adjoint)
    (Adjoint(Hermitian(array([[1., 0.],
           [0., 1.]]), wires=[0])), 'Adjoint(Hermitian)', 'Hermitian', True)
    """
    cls = type(fn)
    sub = _ADJOINT_OBSERVABLES.get(cls)
    if sub is None:
        sub = _ADJOINT_OBSERVABLES[cls] = type("Adjoint", (cls,), {
            "__module__": __name__, "__qualname__": "Adjoint",
            "__doc__": "PennyLane's ``Adjoint`` of a Hermitian observable (qml.adjoint).",
            "__repr__": lambda self: f"Adjoint({self._adjoint_base!r})",
            "__str__": lambda self: f"Adjoint({self._adjoint_base})",
            "__reduce__": lambda self: (adjoint, (self._adjoint_base,)),
            "name": property(lambda self: f"Adjoint({self._adjoint_base.name})"),
            "base": property(lambda self: self._adjoint_base),
            "adjoint": lambda self: self._adjoint_base,  # PennyLane's: the base
            "label": _adjoint_label})
    out = copy.copy(fn)
    out.__class__ = sub
    out._adjoint_base = fn
    return out


def _adjoint_of_observable(fn, lazy):
    """``qml.adjoint`` of an observable (a sum, product, multiple, ``Hermitian``, ...)."""
    hermitian = not hasattr(fn, "adjoint") or getattr(fn, "is_verified_hermitian", True)
    if not isinstance(fn, (Sum, Prod)):
        # (not of an operator with a base of its own, SProd: the subclass's ``base`` would
        # hide it from SProd's own methods, 0.5 * H's adjoint had eigenvalues +-0.25)
        if hermitian and lazy and not hasattr(fn, "base"):
            out = _adjoint_observable(fn)  # PennyLane's Adjoint(Hermitian(...)), in its place
            take_over(out, (fn,))
            return out
        if hermitian:
            return fn  # its own adjoint
        out = fn.adjoint()  # complex coefficients: conjugated
    else:  # PennyLane's Adjoint(Sum), Adjoint(Prod): shown so, with its .base, until
        # qml.simplify; the operator itself if Hermitian, else the operands conjugated
        out = copy.copy(fn) if hermitian else fn.adjoint()
        out._adjoint_base = fn
    take_over(out, (fn,))
    return out


def adjoint(fn, lazy=True):
    """The inverse of a gate, or of all the gates a function applies (PennyLane's
    ``qml.adjoint``).

    ``qml.adjoint(qml.RX(x, wires=0))`` is PennyLane's ``Adjoint(RX(x, wires=[0]))``
    (:class:`AdjointOperation`) and applies ``RX(-x)``, a gate of the table (with
    ``lazy=False``: that gate); ``qml.adjoint(f)(*args)`` applies the inverses of ``f``'s
    gates in reverse order. Parameters stay exact expressions, so gradients through
    adjoints are exact.

    >>> adjoint(GATE_CLASSES["S"](wires=0))
    Adjoint(S(0))
    >>> adjoint(GATE_CLASSES["Rot"](0.1, 0.2, 0.3, wires=0)).table_gates
    (Rot(-0.3, -0.2, -0.1, wires=[0]),)
    >>> adjoint(GATE_CLASSES["S"](wires=0), lazy=False)
    PhaseShift(-pi/2, wires=[0])
    """
    if isinstance(fn, Operation) and _no_gates(fn) and not _decomposes(fn):
        return _in_place_of(fn, AdjointOperation(fn, None))
    if isinstance(fn, Operation):
        marked = _has_drawn_mark(fn)  # (a gate-less Pow: Adjoint(H**0) drawn as PennyLane's)
        _take_off_tape(fn)
        inv = _boxed_inverses(fn)
        tape = active_tape()
        if tape is not None:
            for g in inv:
                tape.append(g)
        if lazy:  # PennyLane's Adjoint(fn), applied as the inverse gates
            made = AdjointOperation(fn, inv)
            return _drawn_if_empty(made) if marked else made
        return _adjoint_now(fn, inv)
    if isinstance(fn, Exp) and fn._applies():  # PennyLane's Adjoint(Exp), Adjoint(Evolution)
        return _adjoint_exponential(fn)
    if isinstance(fn, Prod) and fn.is_gate_product:  # a product of gates: not Hermitian
        return _adjoint_of_product(fn, lazy)
    if isinstance(fn, Observable):
        return _adjoint_of_observable(fn, lazy)
    marked = _has_drawn_mark(fn)  # (a template of no gate: Adjoint(BasisState(0)) drawn)
    ops = _template_ops(fn)
    if ops is not None and not lazy and fn.has_adjoint:
        return fn.adjoint()  # PennyLane's: a template's own adjoint() (made where called)
    if ops is not None:  # qml.adjoint(qml.AngleEmbedding(...)): PennyLane's Adjoint(template)
        tape, out, call = active_tape(), [], object()
        for g in reversed(ops):
            inverses = _inverse_ops(g)
            _adjoint_boxes(g, inverses, call)
            for inv in inverses:
                out.append(inv)
                if tape is not None:
                    tape.append(inv)
        # lazy=False: PennyLane's Adjoint(template) still where it has no adjoint() of its own
        made = AdjointOperation(fn, out)
        return _drawn_if_empty(made) if marked else made
    if fn is None:  # PennyLane's ValueError texts (GateError is one)
        raise GateError("None is not callable: qml.adjoint takes a gate or a function of "
                        "gates. This error might occur if you apply adjoint to the output of a "
                        "Subroutine (template); pass the template's function instead")
    if not callable(fn):
        raise GateError(f"The object {fn!r} of type {type(fn)} is not callable: qml.adjoint "
                        "takes a gate or a function of gates, not a list of operations")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        make = _one_operator(fn)
        if make is not None:
            # qml.adjoint(qml.QFT)(wires=...): PennyLane's Adjoint(QFT), one operator
            return adjoint(make(*args, **kwargs), lazy=lazy)
        ops = _record(fn, args, kwargs, keep=_is_snapshot)
        _arguments_off_tape(args, kwargs)
        tape = active_tape()
        out, call = [], object()
        for _, item, gates in reversed(owned_runs(ops)):
            if _is_snapshot(item):  # PennyLane's: its own adjoint, taken in place (reversed)
                if tape is not None:
                    tape.append(item)
                continue
            inv = []
            for g in reversed(gates):
                inv_g = _inverses(g)
                _adjoint_boxes(g, inv_g, call)
                inv += inv_g
            _controlled_template_box(item, inv, call)
            if tape is not None:
                for i in inv:
                    tape.append(i)
            base = item if isinstance(item, SymbolicOp) else _lazy_base(item)
            whole = lazy or not isinstance(base, Operation) and not getattr(base, "has_adjoint", False)
            out += [AdjointOperation(base, inv)] if whole else _plain(inv)  # (a template: whole)
        return out[0] if len(out) == 1 else out

    if isinstance(fn, type) and isinstance(getattr(fn, "name", None), str):
        # qml.adjoint(qml.CNOT).name is "CNOT": PennyLane's functools.wraps copies the
        # class's attributes (its CNOT, Paulis, controlled gates declare name)
        wrapper.name = fn.name
    return wrapper


def _ctrl_each(gates, controls, values, work_wires, work_wire_type) -> list:
    """``qml.ctrl`` of each of ``gates`` in order (:func:`_make_ctrl`, flattened): the
    controlled operators made, one list."""
    out = []
    for g in gates:
        made = _make_ctrl(g, controls, values, work_wires, work_wire_type, flatten=True)
        out += made if isinstance(made, list) else [made]
    return out


def _ctrl_exponential(op, controls, values, work_wires, work_wire_type):
    """``qml.ctrl`` of an exponential applied as rotations (PennyLane's ``Controlled(Exp)``,
    the same unitary): each rotation it applied controlled in its place (made elsewhere,
    its rotations are made aside and controlled here); a queue holds the controlled
    rotations instead of the exponential."""
    gates = getattr(op, "_applied", None)
    if gates is None:
        with not_recording():
            gates = op._rotations()
    made = _ctrl_each(gates, controls, values, work_wires, work_wire_type)
    tape = active_tape()
    if tape is not None:
        tape.unqueue((op,))
    return made[0] if len(made) == 1 else made


def _adjoint_exponential(op):
    """``qml.adjoint`` of an exponential applied as rotations (PennyLane's ``Adjoint(Exp)``):
    in a circuit the rotations it applied there are taken off and their inverses applied in
    their place (made elsewhere, its rotations are made aside and inverted); with
    ``lazy=False`` too, as PennyLane's (an exponential has no ``adjoint()`` of its own)."""
    tape = active_tape()
    gates = getattr(op, "_applied", None)
    if gates is None or tape is None or not all([tape.remove(g) for g in gates]):
        with not_recording():
            gates = op._rotations()
    inv = [i for g in reversed(gates) for i in _inverse_ops(g)]
    call = object()
    for g in inv:  # drawn as PennyLane draws Adjoint(Exp): one box, (Exp(c B))†
        add_draw_group(g, ("adjoint", BoxKey(op), call), _Dagger(op), op.wires)
    if tape is not None:
        for g in inv:
            tape.append(g)
    return AdjointOperation(op, inv)


def _link_gates(op) -> None:
    """Each table gate a symbolic operator wrote (``qml.ctrl``, ``qml.adjoint``,
    ``qml.pow`` of a gate) remembers it: :func:`owned_runs` puts the operator back in the
    gates' place when a function's gates are inverted or controlled as a whole."""
    gates = tuple(op._gates or ())
    for g in gates:
        g._made_by = (op, gates)  # (a template's gates too: templates.Template._record)


def check_recorded_order(op) -> None:
    """Refuse a symbolic operator whose gates the active tape holds in another order than
    its ``table_gates``: a circuit applies the gates in the order they were recorded (made),
    not in ``table_gates``' order, so such an operator would be silently wrong (stop 68's
    first ``Controlled.pow`` of a gate controlled on 0s made the power before the ``X`` gates
    around it). The gates on the tape must appear there as a subsequence of ``table_gates``,
    in order (matched from the tape's end, where they were just recorded); gates not on it
    (made aside) are not checked.

    >>> import qsym as qml
    >>> from qsym._trace import Tape, recording
    >>> with recording(Tape()):
    ...     a, b = qml.X(0), qml.RX(0.2, wires=0)
    ...     check_recorded_order(SymbolicOp(qml.X(1), (b, a), wires=[0]))
    Traceback (most recent call last):
    ...
    qsym.errors.GateError: ...recorded its gates in another order than its table_gates...
    """
    tape, gates = active_tape(), op._gates
    if tape is None or not gates or len(gates) < 2:
        return
    items = getattr(tape, "items", None)
    if items is None:
        return
    ids = getattr(items, "ids", None)
    on = [g for g in gates if ids is None or id(g) in ids]
    i = len(items) - 1
    for g in reversed(on):  # each gate at a position before the next one's
        while i >= 0 and items[i] is not g:
            i -= 1
        if i < 0:
            raise GateError(
                f"qsym bug: {type(op).__name__} of {op.base!r} recorded its gates in another order than its table_gates "
                f"({list(gates)!r}); a circuit would apply them in the recorded order. Please "
                "report it; meanwhile apply the gates of qml.matrix(op) another way "
                "(qml.QubitUnitary(qml.matrix(op), wires))")
        i -= 1


def owned_runs(items) -> list:
    """The items a function recorded, as ``(index, item, gates)``: each run of table gates
    that one symbolic operator wrote, in order and whole, as that operator (PennyLane's
    ``qml.adjoint``/``qml.ctrl`` of a function take each operator it queued:
    ``Adjoint(Controlled(RX(x)))``, its parameters the circuit's arguments, trainable on the
    tape, not the numbers of the gates written for it), a template's gates as the template;
    any other item as itself.

    >>> import qsym as qml
    >>> c = qml.ctrl(qml.S(1), control=0, control_values=0)
    >>> [(i, op) for i, op, _ in owned_runs([qml.H(0), *c.table_gates])]
    [(0, H(0)), (1, Controlled(S(1), control_wires=[0], control_values=[False]))]
    """
    out, i = [], 0
    while i < len(items):
        g = items[i]
        owner, gates = getattr(g, "_made_by", None) or (None, ())
        if gates and len(gates) <= len(items) - i and all(
                a is b for a, b in zip(gates, items[i:i + len(gates)])):
            out.append((i, owner, gates))
            i += len(gates)
        else:
            out.append((i, g, (g,)))
            i += 1
    return out


def _lazy_base(g: Operation) -> Operation:
    """What ``qml.adjoint`` of a function that applied gate ``g`` takes the adjoint of:
    ``g`` itself, or, when ``g`` is the inverse gate an inner ``qml.adjoint`` applied,
    that ``Adjoint(op)`` (PennyLane's ``Adjoint(Adjoint(op))``: its parameters ``op``'s,
    the circuit's arguments, trainable on the tape, not ``g``'s negated numbers)."""
    orig = getattr(g, "_adjoint_of", None)
    if not isinstance(orig, Operation) or isinstance(g, SymbolicOp):
        return g
    return AdjointOperation(orig, [g])


# PennyLane 0.45's gates without an ``adjoint()`` of their own (``has_adjoint`` False there):
# ``qml.adjoint(op, lazy=False)`` of one is still ``Adjoint(op)``
NO_ADJOINT_METHOD = frozenset({"S", "T", "SX", "ISWAP", "SISWAP"})


def _plain(gates: list) -> list:
    """The inverse gates of ``qml.adjoint(..., lazy=False)`` as PennyLane's: plain gates
    (``op.adjoint()``), not ``Adjoint`` of what they invert (nor drawn with a dagger), but
    for the gates PennyLane has no ``adjoint()`` for (:data:`NO_ADJOINT_METHOD`)."""
    for g in gates:
        orig = getattr(g, "_adjoint_of", None)
        if orig is not None and getattr(orig, "name", None) not in NO_ADJOINT_METHOD:
            g._adjoint_of = None
    return gates


# --- methods of gates: op.adjoint(), op.pow(z), op.decomposition() --------------------------
def _gate_adjoint(op: Operation) -> Operation:
    """``op.adjoint()``: the inverse gate, recorded on the active tape like any gate made
    there (``op`` itself stays, as in PennyLane)."""
    (inv,) = _inverse_gates(op)
    tape = active_tape()
    if tape is not None:
        tape.append(inv)
    return inv


# PennyLane's powers of the constant gates (their ``op.pow(z)``), as data: name ->
# (period, {z mod period: gates}, phase). A gate is ``(name, wire)``, ``wire`` None for all
# the gate's wires; ``phase``: the angle of ``PhaseShift(phase * (z mod period))`` that
# any other power is (PauliZ, S, T), or None: any other power is the gate repeated for an
# integer, else PennyLane's PowUndefinedError. Controlled gates of the table take their
# target's power, controlled (:func:`_controlled_pow`); rotations scale their angle.
POWERS = {
    "PauliX": (2, {0.5: (("SX", None),)}, None),
    "PauliY": (2, {}, None), "Hadamard": (2, {}, None), "SWAP": (2, {}, None),
    "ECR": (2, {}, None),
    "PauliZ": (2, {0.5: (("S", None),), 0.25: (("T", None),)}, np.pi),
    "S": (4, {0.5: (("T", None),), 2: (("PauliZ", None),)}, np.pi / 2),
    "T": (8, {2: (("S", None),), 4: (("PauliZ", None),)}, np.pi / 4),
    "SX": (4, {2: (("PauliX", None),)}, None),
    "ISWAP": (4, {0.5: (("SISWAP", None),), 2: (("PauliZ", 0), ("PauliZ", 1))}, None),
    "SISWAP": (8, {2: (("ISWAP", None),), 4: (("PauliZ", 0), ("PauliZ", 1))}, None),
}


def _made(name, params, wires, hyper=()):
    """A gate made where the caller is: recorded on the active tape, as PennyLane queues.
    ``"Adjoint(T)"`` is PennyLane's ``qml.adjoint(qml.T(w))`` (in its Toffoli and CCZ
    decompositions)."""
    if name == "Adjoint(T)":
        return adjoint(GATE_CLASSES["T"](wires=list(wires)))
    return GATE_CLASSES[name](*params, wires=list(wires), **dict(hyper))


def _is_integer(z) -> bool:
    return isinstance(z, (int, np.integer)) or (isinstance(z, (float, np.floating))
                                                and float(z).is_integer())


def _pow_undefined(name, z):
    return PowUndefinedError(
        f"{name} ** {z} is not defined (PennyLane's PowUndefinedError): op.pow(z) has gates "
        "for rotations, the powers PennyLane lists for constant gates (qsym._opmath.POWERS) "
        "and non-negative integers; qml.pow(op, z) applies the matrix power of any gate")


def _table_pow(op: Operation, z) -> list:
    """``op.pow(z)`` of a gate of :data:`POWERS`, or a non-negative integer power."""
    period, table, phase = POWERS.get(op.name, (None, {}, None))
    zm = z % period if period else z
    if zm == 0:
        return []
    for k, gates in table.items():
        if abs(zm - k) < 1e-6:
            return [_made(n, (), op.wires if w is None else [op.wires[w]]) for n, w in gates]
    if phase is not None and abs(zm - 1) >= 1e-6:
        return [_made("PhaseShift", (phase * zm,), op.wires)]
    if _is_integer(zm) and zm > 0:
        return [_made(op.name, op.params, op.wires, op.hyper) for _ in range(int(round(zm)))]
    raise _pow_undefined(op.name, z)


def _matrix_power(op: Operation, z) -> np.ndarray:
    """A ``QubitUnitary``'s matrix to the power ``z`` (PennyLane's ``QubitUnitary.pow``):
    an integer power (of each matrix of a batch; negative: of the inverse), or the
    principal fractional power of one matrix (its eigenvalues' principal powers in its
    eigenbasis); a batch to a fractional power is PennyLane's ``PowUndefinedError``."""
    U = np.asarray(_hyper_value(op, "U"), dtype=complex)
    if _is_integer(z):
        return np.linalg.matrix_power(U, int(round(z)))
    if U.ndim == 3:
        raise _pow_undefined(op.name + " (broadcast)", z)
    return fractional_matrix_power(U, z)


def fractional_matrix_power(A, t) -> np.ndarray:
    """The principal power ``A**t`` of a diagonalisable square matrix: each eigenvalue's
    principal power (its phase in (-pi, pi] times ``t``) in ``A``'s eigenbasis; what
    PennyLane's ``qml.ops.qubit.matrix_ops.fractional_matrix_power`` (SciPy's) gives for
    the unitary matrices ``QubitUnitary.pow`` takes.

    >>> fractional_matrix_power(np.diag([1, -1]), 0.5).round(12)
    array([[1.+0.j, 0.+0.j],
           [0.+0.j, 0.+1.j]])

    A matrix without an eigenbasis is refused (its power is not a function of its
    eigenvalues):

    >>> fractional_matrix_power([[1, 1], [0, 1]], 0.5)
    Traceback (most recent call last):
    ...
    qsym.errors.ArgumentError: fractional_matrix_power: the matrix has no well-conditioned eigenbasis (it is not diagonalisable, or nearly not), so its power by eigenvalues would be wrong; use scipy.linalg.fractional_matrix_power (Schur-Pade) for such a matrix
    """
    A = np.asarray(A, dtype=complex)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ArgumentError(f"fractional_matrix_power takes a square matrix, got shape {A.shape}")
    w, v = np.linalg.eig(A)
    # a defective (or nearly defective) matrix has no eigenbasis: its eigenvectors are
    # (nearly) parallel and the power above would be wrong, silently ([[1, 1], [0, 1]]
    # gave the identity as its square root): refused
    if np.linalg.cond(v) > 1e8:  # (eig refuses inf and nan itself)
        raise ArgumentError(
            "fractional_matrix_power: the matrix has no well-conditioned eigenbasis (it is "
            "not diagonalisable, or nearly not), so its power by eigenvalues would be wrong; "
            "use scipy.linalg.fractional_matrix_power (Schur-Pade) for such a matrix")
    return (v * w ** t) @ np.linalg.inv(v)


def _controlled_pow(op: Operation, z) -> list:
    """A controlled gate of the table to the power ``z``: its target's power, controlled
    (PennyLane's ``ControlledOp.pow``): ``CZ ** 0.3`` is ``ControlledPhaseShift(0.3 pi)``."""
    base_name = CONTROLLED_TARGETS[op.name]
    k = len(op.wires) - (gate_def(base_name).num_wires or 1)
    with recording(Tape()):
        base = _make(base_name, op.params, op.wires[k:], ())
        try:
            parts = _gate_pow(base, z)
        except PowUndefinedError:
            raise _pow_undefined(op.name, z) from None
    if all(g.name == base_name and tuple(g.params) == tuple(base.params) for g in parts):
        return [_made(op.name, op.params, op.wires, op.hyper) for _ in parts]
    values = _hyper_value(op, "control_values")
    return [ctrl(g, control=list(op.wires[:k]), control_values=values) for g in parts]


def _user_copy(op):
    """A copy of an operator of your own, recorded where it is made (PennyLane's
    ``qml.apply(op)`` in a queue)."""
    out = copy.copy(op)
    tape = active_tape()
    if tape is not None:
        tape.append(out)
    return out


def _gate_pow(op: Operation, z) -> list:
    """``op.pow(z)``: PennyLane's rules: ``[]`` for ``z = 0`` (but a rotation's ``U(0 t)``
    and ``QubitUnitary``'s identity); a rotation ``U(t)`` with a generator gives ``U(z t)``; the gates of :data:`POWERS`; a controlled gate's target
    power, controlled; else a non-negative integer ``z`` repeats the gate."""
    if np.ndim(z) == 0 and z == 0 and not (op._row is not None and op.has_generator
                                            or op.name == "QubitUnitary"):
        return []  # (PennyLane's: a rotation's angle times 0, U ** 0 the identity matrix)
    if isinstance(op, SymbolicOp):  # Adjoint(U) ** z etc.: of its one gate, or repeated
        if len(op.table_gates) == 1:
            return _gate_pow(op.table_gates[0], z)
        conjugated = _conjugated_pow(op, z)
        if conjugated is not None:
            return conjugated
        if isinstance(z, (int, np.integer)) and z > 0:
            return [_copy(g) for _ in range(int(z)) for g in op.table_gates]
        raise _pow_undefined(op.name, z)
    if op._row is None:  # an operator of your own: PennyLane's Operator.pow
        if isinstance(z, (int, np.integer)) and z > 0:
            return [_user_copy(op) for _ in range(int(z))]
        raise _pow_undefined(op.name, z)
    name = op.name
    if op.has_generator:
        zz = np.asarray(z, dtype=float) if np.ndim(z) else z
        t = op.params[0]
        if np.ndim(z) and isinstance(t, tuple):  # both broadcast: element by element
            if len(t) != np.size(zz):
                raise GateError("Broadcasting was attempted but the broadcasted dimensions do "
                                f"not match: {np.size(zz)}, {len(t)} (the exponents and "
                                f"{name}'s angles)")
            return [_made(name, (type(t)(a * b for a, b in zip(t, zz.ravel())),), op.wires,
                             op.hyper)]
        return [_made(name, (_elementwise(lambda t: t * zz, t),), op.wires, op.hyper)]
    if np.ndim(z):
        raise _pow_undefined(name, z)
    if name == "QubitUnitary":
        _boxed_u(op, "a power")
        return [_made(name, (), op.wires, (("U", _matrix_power(op, z)),))]
    if name == "Identity":
        return [_made(name, (), op.wires)]
    if name in CONTROLLED_TARGETS and op.num_params == 0:
        return _controlled_pow(op, z)
    return _table_pow(op, z)


def _conjugated_pow(op, z) -> list | None:
    """The gates of ``op ** z`` for a gate controlled on 0s, applied as constant gates
    ``P``, one gate ``V`` with parameters, then constant gates ``Q`` that undo ``P`` (``X``
    on the controls on 0 around the gate controlled on 1s,
    :meth:`ControlledOp._flipped_decomposition`): ``P``, ``V ** z``, ``Q`` (PennyLane's
    ``Controlled.pow``: ``ctrl(RZ(t), 0, control_values=0) ** 2`` is
    ``ctrl(RZ(2 t), 0, control_values=0)``, one gate of twice the frequencies), not the
    whole sequence ``z`` times (the parameter in ``z`` gates: ``z`` times the shifted
    circuits); None for any other operator, or where ``V`` has no such power."""
    if not _flipped_gate(op):  # (PennyLane's Controlled.pow of a gate; an adjoint or a
        return None  # controlled adjoint has none: repeated, as PennyLane decomposes it)
    gates = op.table_gates
    varied = [k for k, g in enumerate(gates) if g.num_params]
    if len(varied) != 1:
        return None
    k = varied[0]
    before, after = list(gates[:k]), list(gates[k + 1:])
    order = sorted({w for g in before + after for w in g.wires}, key=str)
    m = np.eye(2 ** len(order), dtype=complex)
    try:
        for g in after + before:  # Q then P: the identity if Q undoes P
            m = g.matrix(wire_order=order) @ m
        if not np.allclose(m, np.eye(len(m)), rtol=0.0, atol=1e-12):
            return None
        with recording(Tape()):  # (whether V has such a power: nothing recorded)
            _gate_pow(gates[k], z)
    except (GateError, TypeError, ValueError):
        return None
    # made (recorded) in the order they apply
    out = [_copy(g) for g in before]
    out += _gate_pow(gates[k], z)
    return out + [_copy(g) for g in after]


def _inner_power(op):
    """``|z1 z2 ...|``: the product of the exponents of the powers ``op`` is made of
    (itself, its base, the base's base, ...): 1.0 for none; None for an exponent that is
    not one real number."""
    scale = 1.0
    while isinstance(op, SymbolicOp):
        if isinstance(op, PowOperation):
            z = op.z
            if np.ndim(z) != 0 or isinstance(z, (complex, np.complexfloating)):
                return None
            scale *= abs(float(z))
        op = op.base
    return scale


def _flipped_gate(op) -> bool:
    """Whether ``op`` is a gate of the table controlled with controls on 0 (applied as
    ``X`` on those controls around the gate controlled on 1s)."""
    base = getattr(op, "base", None)
    return (isinstance(op, ControlledOp) and isinstance(base, Operation)
            and base._row is not None and len(op.table_gates) > 1)


def rotation_and_phase(name: str):
    """The decomposition (:data:`DECOMPOSITIONS`) of a constant gate into one rotation (a
    gate with a generator) and global phases, as ``(gate, (angle,), wire positions)``
    triples, else None: ``PauliX`` is ``RX(pi)`` and ``GlobalPhase(-pi/2)``.

    >>> rotation_and_phase("PauliZ"), rotation_and_phase("Hadamard")
    ([('PhaseShift', (3.141592653589793,), [0])], None)
    """
    if name not in DECOMPOSITIONS:  # (also a symbolic operator's name: "Adjoint(CNOT**2)")
        return None
    row = gate_def(name)
    if row.num_params:
        return None
    parts = DECOMPOSITIONS[name]((), list(range(row.num_wires or 1)))
    rotations = [p for p in parts if p[0] != "GlobalPhase"]
    if len(rotations) != 1 or gate_def(rotations[0][0]).generator is None:
        return None
    return parts


def scaled_pow(op: Operation, z):
    """``op ** z`` for a gate that is one rotation and global phases
    (:func:`rotation_and_phase`): those gates with every angle times ``z`` (also a
    broadcast ``z``); the principal power, every eigenvalue's phase (in (-pi, pi]) times
    ``z``. None for other gates. Made where it is called.

    >>> scaled_pow(GATE_CLASSES["S"](0), 0.5)
    [PhaseShift(0.7853981633974483, wires=[0])]
    """
    parts = rotation_and_phase(op.name)
    if parts is None:
        return None
    zz = np.asarray(z, dtype=float) if np.ndim(z) else z
    return [_made(g, (angle * zz,), [op.wires[i] for i in w]) for g, (angle,), w in parts]


def _cphase_core(phi, w):
    """PennyLane's CPhaseShiftXY core: a phase on |11> by two PhaseShifts and two CNOTs."""
    return [("PhaseShift", (phi / 2,), w[:1]), ("PhaseShift", (phi / 2,), w[1:]),
            ("CNOT", (), w), ("PhaseShift", (-phi / 2,), w[1:]), ("CNOT", (), w)]


class _Element(float):
    """One element of a broadcast parameter, as :func:`_broadcast_rule` gives it to a rule
    (a float: the rule's arithmetic gives plain floats)."""


class _BroadcastConstant(float):
    """A rule's ``ones_like(param) * value`` of an :class:`_Element`: the same value for every
    element, kept broadcast (PennyLane's is an array of the batch's size)."""


def _constant_like(param, value):
    """``value``, as a ``qsym.numpy`` tensor like ``param`` when ``param`` is one (PennyLane's
    ``ones_like(param) * value``: its trainability); broadcast when ``param`` is an element of
    a broadcast parameter; else the number."""
    if getattr(param, "requires_grad", None) is not None and isinstance(param, np.ndarray):
        return param * 0 + value
    if isinstance(param, _Element):
        return _BroadcastConstant(value)
    return value


def _given_params(op) -> tuple:
    """``op``'s parameters with the ``qsym.numpy`` tensors it was given in place of their
    numbers (a decomposition's gates keep them, as PennyLane's arithmetic on its data does);
    its numbers when none was given, or when a parameter is broadcast."""
    from ._broadcast import Batched

    tensors = getattr(op, "_tensors", ()) or ()
    if not any(t is not None for t in tensors) or any(isinstance(p, Batched) for p in op.params):
        return tuple(op.params)
    return tuple(p if t is None else t for t, p in zip(tensors, op.params))


def _decomposition_table():
    """PennyLane 0.45's ``compute_decomposition`` of the gates that have one: name ->
    function of (parameters, wires) giving ``(gate, parameters, wires)`` triples."""
    pi = np.pi
    cnot = lambda w: ("CNOT", (), w)  # noqa: E731
    return {
        "PhaseShift": lambda p, w: [("RZ", p, w), ("GlobalPhase", (-p[0] / 2,), ())],
        "Rot": lambda p, w: [("RZ", (p[0],), w), ("RY", (p[1],), w), ("RZ", (p[2],), w)],
        "U1": lambda p, w: [("PhaseShift", p, w)],
        "U2": lambda p, w: [("Rot", (p[1], _constant_like(p[1], pi / 2), -p[1]), w),
                            ("PhaseShift", (p[1],), w), ("PhaseShift", (p[0],), w)],
        "U3": lambda p, w: [("Rot", (p[2], p[0], -p[2]), w), ("PhaseShift", (p[2],), w),
                            ("PhaseShift", (p[1],), w)],
        "IsingXX": lambda p, w: [cnot(w), ("RX", p, w[:1]), cnot(w)],
        "IsingYY": lambda p, w: [("CY", (), w), ("RY", p, w[:1]), ("CY", (), w)],
        "IsingXY": lambda p, w: [("Hadamard", (), w[:1]), ("CY", (), w), ("RY", (p[0] / 2,), w[:1]),
                                 ("RX", (-p[0] / 2,), w[1:]), ("CY", (), w), ("Hadamard", (), w[:1])],
        "IsingZZ": lambda p, w: [cnot(w), ("RZ", p, w[1:]), cnot(w)],
        "PSWAP": lambda p, w: [("SWAP", (), w), cnot(w), ("PhaseShift", p, w[1:]), cnot(w)],
        "Hadamard": lambda p, w: [("PhaseShift", (pi / 2,), w), ("RX", (pi / 2,), w),
                                  ("PhaseShift", (pi / 2,), w)],
        "PauliX": lambda p, w: [("RX", (pi,), w), ("GlobalPhase", (-pi / 2,), w)],
        "PauliY": lambda p, w: [("RY", (pi,), w), ("GlobalPhase", (-pi / 2,), w)],
        "PauliZ": lambda p, w: [("PhaseShift", (pi,), w)],
        "S": lambda p, w: [("PhaseShift", (pi / 2,), w)],
        "T": lambda p, w: [("PhaseShift", (pi / 4,), w)],
        "SX": lambda p, w: [("RZ", (pi / 2,), w), ("RY", (pi / 2,), w), ("RZ", (-pi / 2,), w),
                            ("GlobalPhase", (-pi / 4,), w)],
        "SWAP": lambda p, w: [cnot(w), cnot(w[::-1]), cnot(w)],
        "ISWAP": lambda p, w: [("S", (), w[:1]), ("S", (), w[1:]), ("Hadamard", (), w[:1]),
                               cnot(w), cnot(w[::-1]), ("Hadamard", (), w[1:])],
        "CY": lambda p, w: [("CRY", (pi,), w), ("S", (), w[:1])],
        "CZ": lambda p, w: [("ControlledPhaseShift", (pi,), w)],
        "CSWAP": lambda p, w: [cnot([w[2], w[1]]), ("Toffoli", (), w), cnot([w[2], w[1]])],
        # T^dagger as PennyLane writes it, qml.adjoint(T) ("Adjoint(T)": see _made)
        "Toffoli": lambda p, w: [("Hadamard", (), w[2:])] + _ccz_core(w)[:-1],
        "CCZ": lambda p, w: _ccz_core(w),
        "CRX": lambda p, w: [("RZ", (pi / 2,), w[1:]), ("RY", (p[0] / 2,), w[1:]), cnot(w),
                             ("RY", (-p[0] / 2,), w[1:]), cnot(w), ("RZ", (-pi / 2,), w[1:])],
        "CRY": lambda p, w: [("RY", (p[0] / 2,), w[1:]), cnot(w), ("RY", (-p[0] / 2,), w[1:]),
                             cnot(w)],
        "CRZ": lambda p, w: [("PhaseShift", (p[0] / 2,), w[1:]), cnot(w),
                             ("PhaseShift", (-p[0] / 2,), w[1:]), cnot(w)],
        "CRot": lambda p, w: [("RZ", ((p[0] - p[2]) / 2,), w[1:]), cnot(w),
                              ("RZ", (-(p[0] + p[2]) / 2,), w[1:]), ("RY", (-p[1] / 2,), w[1:]),
                              cnot(w), ("RY", (p[1] / 2,), w[1:]), ("RZ", (p[2],), w[1:])],
        "ControlledPhaseShift": lambda p, w: [
            ("PhaseShift", (p[0] / 2,), w[:1]), cnot(w), ("PhaseShift", (-p[0] / 2,), w[1:]),
            cnot(w), ("PhaseShift", (p[0] / 2,), w[1:])],
        "CH": lambda p, w: [("RY", (-pi / 4,), w[1:]), ("CZ", (), w), ("RY", (pi / 4,), w[1:])],
        "ECR": lambda p, w: [("PauliZ", (), w[:1]), cnot(w), ("SX", (), w[1:]),
                             ("RX", (pi / 2,), w[:1]), ("RY", (pi / 2,), w[:1]),
                             ("RX", (pi / 2,), w[:1])],
        "SISWAP": lambda p, w: [
            ("SX", (), w[:1]), ("RZ", (pi / 2,), w[:1]), cnot(w), ("SX", (), w[:1]),
            ("RZ", (7 * pi / 4,), w[:1]), ("SX", (), w[:1]), ("RZ", (pi / 2,), w[:1]),
            ("SX", (), w[1:]), ("RZ", (7 * pi / 4,), w[1:]), cnot(w), ("SX", (), w[:1]),
            ("SX", (), w[1:])],
        "CPhaseShift00": lambda p, w: [("PauliX", (), w[:1]), ("PauliX", (), w[1:])]
        + _cphase_core(p[0], w) + [("PauliX", (), w[1:]), ("PauliX", (), w[:1])],
        "CPhaseShift01": lambda p, w: [("PauliX", (), w[:1])] + _cphase_core(p[0], w)
        + [("PauliX", (), w[:1])],
        "CPhaseShift10": lambda p, w: [("PauliX", (), w[1:])] + _cphase_core(p[0], w)
        + [("PauliX", (), w[1:])],
        "MultiRZ": lambda p, w: (
            [cnot([a, b]) for a, b in zip(w[:0:-1], w[-2::-1])] + [("RZ", p, w[:1])]
            + [cnot([a, b]) for a, b in zip(w[1:], w[:-1])]),
        # the fermionic gates (PennyLane's qchem_ops: arXiv:2104.05695, Fig. 2 and p. 17)
        "SingleExcitation": lambda p, w: [
            ("Hadamard", (), w[:1]), cnot(w), ("RY", (-p[0] / 2,), w[:1]),
            ("RY", (-p[0] / 2,), w[1:]), cnot(w), ("Hadamard", (), w[:1])],
        "SingleExcitationMinus": lambda p, w: _excitation_pm(p[0], w, 1),
        "SingleExcitationPlus": lambda p, w: _excitation_pm(p[0], w, -1),
        "DoubleExcitation": lambda p, w: _double_excitation(p[0], w),
        "OrbitalRotation": lambda p, w: [
            ("FermionicSWAP", (pi,), [w[1], w[2]]), ("SingleExcitation", p, w[:2]),
            ("SingleExcitation", p, w[2:]), ("FermionicSWAP", (pi,), [w[1], w[2]])],
        "Identity": lambda p, w: [],  # PennyLane's: nothing
        "FermionicSWAP": lambda p, w: [
            ("Hadamard", (), w[:1]), ("Hadamard", (), w[1:]), ("MultiRZ", (p[0] / 2,), w),
            ("Hadamard", (), w[:1]), ("Hadamard", (), w[1:]), ("RX", (pi / 2,), w[:1]),
            ("RX", (pi / 2,), w[1:]), ("MultiRZ", (p[0] / 2,), w), ("RX", (-pi / 2,), w[:1]),
            ("RX", (-pi / 2,), w[1:]), ("RZ", (p[0] / 2,), w[:1]), ("RZ", (p[0] / 2,), w[1:]),
            ("GlobalPhase", (-p[0] / 2,), ())],  # PennyLane's exp(0.5j phi I)
    }


def _ccz_core(w) -> list:
    """PennyLane's ``CCZ`` decomposition (its ``Toffoli``'s is ``H`` on the target, then
    these but the last ``H``): T gates between CNOTs, the target turned by Hadamards."""
    cnot = lambda a, b: ("CNOT", (), [w[a], w[b]])  # noqa: E731
    t = lambda a: ("T", (), [w[a]])  # noqa: E731
    tdg = lambda a: ("Adjoint(T)", (), [w[a]])  # noqa: E731
    return [cnot(1, 2), tdg(2), cnot(0, 2), t(2), cnot(1, 2), tdg(2), cnot(0, 2), t(2), t(1),
            cnot(0, 1), ("Hadamard", (), [w[2]]), t(0), tdg(1), cnot(0, 1), ("Hadamard", (), [w[2]])]


def _excitation_pm(phi, w, sign) -> list:
    """PennyLane's SingleExcitationMinus (``sign`` 1) / SingleExcitationPlus (-1)."""
    return [("Hadamard", (), w[1:]), ("CNOT", (), [w[1], w[0]]), ("RY", (phi / 2,), w[:1]),
            ("RY", (phi / 2,), w[1:]), ("CY", (), [w[1], w[0]]), ("S", (), w[1:]),
            ("Hadamard", (), w[1:]), ("RZ", (sign * phi / 2,), w[1:]), ("CNOT", (), w),
            ("GlobalPhase", (sign * phi / 4,), ())]


def _double_excitation(phi, w) -> list:
    """PennyLane's DoubleExcitation: 28 gates, RY(+-phi/8) between CNOTs and Hadamards."""
    c = lambda a, b: ("CNOT", (), [w[a], w[b]])  # noqa: E731
    h = lambda a: ("Hadamard", (), [w[a]])  # noqa: E731
    ry = lambda s, a: ("RY", (s * phi / 8,), [w[a]])  # noqa: E731
    return [c(2, 3), c(0, 2), h(3), h(0), c(2, 3), c(0, 1), ry(1, 1), ry(-1, 0), c(0, 3), h(3),
            c(3, 1), ry(1, 1), ry(-1, 0), c(2, 1), c(2, 0), ry(-1, 1), ry(1, 0), c(3, 1), h(3),
            c(0, 3), ry(-1, 1), ry(1, 0), c(0, 1), c(2, 0), h(0), h(3), c(0, 2), c(2, 3)]


DECOMPOSITIONS = _decomposition_table()
"""PennyLane's decompositions of gates into other gates (``op.decomposition()``), by name."""


def _pauli_rot_decomposition(theta, wires, word) -> list:
    """PennyLane's PauliRot decomposition: X and Y rotated to Z (Hadamard, RX(pi/2)), a
    MultiRZ on the wires of the word's non-identity letters, rotated back; for an
    identity word, GlobalPhase(theta / 2)."""
    if set(word) == {"I"}:
        return [("GlobalPhase", (theta / 2,), ())]
    active = [(w, g) for w, g in zip(wires, word) if g != "I"]
    basis = {"X": [("Hadamard", ())], "Y": [("RX", (np.pi / 2,))], "Z": []}
    back = {"X": [("Hadamard", ())], "Y": [("RX", (-np.pi / 2,))], "Z": []}
    return ([(n, p, [w]) for w, g in active for n, p in basis[g]]
            + [("MultiRZ", (theta,), [w for w, _ in active])]
            + [(n, p, [w]) for w, g in active for n, p in back[g]])


def _mcx_decomposition(wires: list, values) -> list:
    """MultiControlledX as gates of the table, made here: X on the controls whose value is
    0, then ``CNOT`` (one control), PennyLane's ``Toffoli`` decomposition (two), or
    ``H``, the controlled ``PhaseShift(pi)`` (a controlled Z; a row of its own), ``H`` on
    the target (more); the X again."""
    controls, target = wires[:-1], wires[-1:]
    flips = [c for c, v in zip(controls, values or ()) if not v]
    out = [_made("PauliX", (), [c]) for c in flips]
    if len(controls) == 1:
        out.append(_made("CNOT", (), wires))
    elif len(controls) == 2:
        out += [_made(n, p, w) for n, p, w in DECOMPOSITIONS["Toffoli"]((), wires)]
    else:
        cz = _controlled_row("PhaseShift", len(controls), 1, ())
        out += [_made("Hadamard", (), target), _made(cz, (np.pi,), wires), _made("Hadamard", (), target)]
    return out + [_made("PauliX", (), [c]) for c in flips]


def _gate_decomposition(op: Operation) -> list:
    """``op.decomposition()``: the gates of :data:`DECOMPOSITIONS`, recorded on the active
    tape (PennyLane queues them); a template's own decomposition."""
    if op.name == "QubitUnitary":
        return _qubit_unitary_decomposition(op)
    if op.name == "PauliRot":
        word = _hyper_value(op, "pauli_word")  # (a broadcast theta: the rule per element)
        return [_made(n, p, w) for n, p, w in _broadcast_rule(
            lambda ps, ws: _pauli_rot_decomposition(ps[0], ws, word), op.params[:1], list(op.wires),
            op)]
    if op.name == "MultiControlledX":  # PennyLane's (qsym._controlled_decompositions)
        rule = METHODS.get("mcx_decomposition")
        if rule is None:
            return _mcx_decomposition(list(op.wires), _hyper_value(op, "control_values"))
        return rule(op.wires, op.work_wires, op.control_values, op.work_wire_type)
    if op.name == "PCPhase":
        return _pcphase_decomposition(op.params[0], _hyper_value(op, "dim"), list(op.wires))
    if op.name == "GlobalPhase":  # PennyLane's compute_decomposition: nothing (no rule for
        return []  # its graph: qml.list_decomps(qml.GlobalPhase) is empty)
    rule = DECOMPOSITIONS.get(op.name)
    if rule is None:
        raise DecompositionUndefinedError(
            f"{op.name} has no decomposition (PennyLane's DecompositionUndefinedError): it is "
            f"applied as it is; gates with one: {', '.join(sorted(DECOMPOSITIONS))}")
    return [_made(n, p, w) for n, p, w in _broadcast_rule(rule, _given_params(op), list(op.wires), op)]


def _qubit_unitary_decomposition(op: Operation) -> list:
    """PennyLane's ``QubitUnitary.compute_decomposition``: Euler rotations (ZYZ) and a phase
    on one wire, the CNOT circuits on two, the quantum Shannon decomposition on more."""
    U = _hyper_value(op, "U")
    if len(op.wires) == 1:  # (the matrix given, a tensor: its trainability to the angles;
        given = op.data[0] if op.data and hasattr(op.data[0], "requires_grad") else U
        given = _boxed_u(op) if _boxed_u(op) is not None else given  # autograd's: its own)
        return one_qubit_decomposition(given, op.wires[0], return_global_phase=True)
    _boxed_u(op, "the decomposition on several wires")
    if op.batch_size is not None:
        raise DecompositionUndefinedError(
            f"The decomposition of a {len(op.wires)}-qubit QubitUnitary does not support "
            "broadcasting (as in PennyLane): decompose each matrix of the batch")
    if len(op.wires) == 2:
        return two_qubit_decomposition(U, op.wires)
    return multi_qubit_decomposition(U, op.wires)


def _broadcast_rule(rule, params: tuple, wires: list, op=None) -> list:
    """A row of :data:`DECOMPOSITIONS` applied to parameters some of which are broadcast
    (Batched): the rule of each element (the same gates on the same wires), each
    parameter broadcast where the elements differ or where the rule makes an array of the
    batch's size (:func:`_constant_like`); a parameter the rule passes on unchanged is
    ``op``'s array (its ``op.data``, as PennyLane's gates pass theirs on)."""
    from ._broadcast import Batched

    tensors = (getattr(op, "_tensors", ()) or (None,) * len(op.params)) if op is not None else ()
    given = {} if op is None else {id(p): t if t is not None else op._batch_array(i, p)
                                   for i, (t, p) in enumerate(zip(tensors, op.params))
                                   if isinstance(p, Batched)}

    sizes = {len(p) for p in params if isinstance(p, Batched)}
    if not sizes:
        return rule(params, wires)
    (size,) = sizes

    def element(v):
        return _Element(v) if isinstance(v, (float, np.floating)) else v

    elements = [[element(p[b]) for b in range(size)] if isinstance(p, Batched) else None
                for p in params]
    per = [rule(tuple(p if e is None else e[b] for p, e in zip(params, elements)), wires)
           for b in range(size)]

    def column(c):
        for p, e in zip(params, elements):  # a parameter passed on: the same one (op.data's
            if e is not None and all(v is x for v, x in zip(c, e)):  # array, given arrays)
                return given.get(id(p), p)
        if not isinstance(c[0], _BroadcastConstant) and all(v is c[0] or v == c[0] for v in c):
            return c[0]
        return Batched([float(v) if isinstance(v, float) else v for v in c])

    out = []
    for k, (name, ps, w) in enumerate(per[0]):
        out.append((name, tuple(column([e[k][1][i] for e in per]) for i in range(len(ps))), w))
    return out


@REGISTRY.memo
def parameter_period(name: str, num_wires=None, hyper: tuple = (), pos: int = 0):
    """The period of a gate's matrix in parameter ``pos`` (``2 pi`` or ``4 pi``; None if
    neither), checked on the gate's matrix at two sets of points.

    >>> parameter_period("RX"), parameter_period("PhaseShift"), parameter_period("U3", pos=1)
    (12.566370614359172, 6.283185307179586, 6.283185307179586)
    """
    from ._gates import numeric_matrix_function

    f = numeric_matrix_function(name, num_wires, hyper)
    rng = np.random.default_rng(7)
    points = [rng.uniform(-3, 3, gate_def(name).num_params) for _ in range(2)]
    for period in (2 * np.pi, 4 * np.pi):
        moved = [np.where(np.arange(len(p)) == pos, p + period, p) for p in points]
        if all(np.allclose(f(*p), f(*q), atol=1e-12) for p, q in zip(points, moved)):
            return period
    return None


def _gate_simplify(op: Operation):
    """``op.simplify()`` (PennyLane's): see :meth:`qsym._operations.Operation.simplify`.
    Angles that are not numbers (traced inputs, autograd values), and any gate made in a
    circuit function, leave the gate as it is: the same matrix, and no structure chosen by
    a value (the circuit is traced once, for every later value)."""
    from ._broadcast import Batched

    def number(p):
        return isinstance(p, (numbers.Real, np.floating, np.integer)) and not isinstance(p, bool)

    params = op.params
    tape = active_tape()
    if tape is not None and not getattr(tape, "user_queue", False):
        return op  # in a circuit: the same gate (its replays at other numbers record it too)
    if not params or not all(number(v) for p in params
                             for v in (p if isinstance(p, Batched) else (p,))):
        return op
    nw = None if op.num_wires else len(op.wires)
    periods = [parameter_period(op.name, nw, op.hyper, k) for k in range(len(params))]
    reduced = tuple(p if T is None else _elementwise(lambda t, T=T: float(t) % T, p)
                    for p, T in zip(params, periods))
    if all(np.allclose(np.asarray(p, dtype=float), 0.0) for p in reduced):
        m = op.matrix()
        same = [n for n in ("Identity", "SWAP") if gate_def(n).num_wires in (0, len(op.wires))
                and np.allclose(m, GATE_CLASSES[n].compute_matrix(num_wires=len(op.wires)))]
        if same:
            return _in_place_of(op, _detached(same[0], (), op.wires, ()))
    for when, name, new_params in SIMPLE_FORMS.get(op.name, ()):
        if np.ndim(reduced[0]) == 0 and all(
                w is None or np.isclose(p, w) for p, w in zip(reduced, when)):
            return _in_place_of(op, _detached(name, new_params(*reduced), op.wires, ()))
    if reduced == tuple(params):
        return op
    return _in_place_of(op, _detached(op.name, reduced, op.wires, op.hyper))


_PI = np.pi
# PennyLane's simpler gates for Rot, U2 and U3 at special (reduced) angles, in its order:
# (angles, None for any; the gate; its parameters from the reduced angles). Each is the
# same matrix exactly (tests/test_matrix_batches.py multiplies them out); PennyLane's two
# that hold only up to a global phase (Rot -> Hadamard, U2 -> RX(3 pi / 2)) are left out.
SIMPLE_FORMS = {
    "Rot": ((( _PI / 2, None, 7 * _PI / 2), "RX", lambda a, b, c: (b,)),
            ((0.0, None, 0.0), "RY", lambda a, b, c: (b,)),
            ((None, 0.0, None), "RZ", lambda a, b, c: ((a + c) % (4 * _PI),))),
    "U2": (((0.0, 0.0), "RY", lambda a, b: (_PI / 2,)),
           ((3 * _PI / 2, _PI / 2), "RX", lambda a, b: (_PI / 2,))),
    "U3": (((0.0, None, 0.0), "PhaseShift", lambda a, b, c: (b,)),
           ((None, 3 * _PI / 2, _PI / 2), "RX", lambda a, b, c: (a,)),
           ((None, 0.0, 0.0), "RY", lambda a, b, c: (a,))),
}
# CRot: Rot's forms controlled (PennyLane's Controlled.simplify: the base simplified, then
# ctrl of it: CRX, CRY, CRZ)
SIMPLE_FORMS["CRot"] = tuple((when, "C" + name, fn) for when, name, fn in SIMPLE_FORMS["Rot"])


def _detached(name, params, wires, hyper):
    with recording(Tape()):
        return _make(name, params, wires, hyper)


def simplify(op):
    """PennyLane's ``qml.simplify``: a gate as it is; a product, sum or linear combination
    with its equal Pauli words merged.

    >>> simplify(X(0) + X(0))
    2.0 * X(0)
    """
    if isinstance(op, (Operation, Observable, Exp)):
        return op.simplify()
    raise GateError(f"qml.simplify takes a gate or an observable, got {op!r}")


def word_operator(word: tuple, wires: list = ()):
    """The operator of a Pauli word ``((wire, letter), ...)``: a Pauli gate, their
    product, or the identity on the first of ``wires`` (PennyLane's form of a Hamiltonian's
    term: what ``split_non_commuting`` measures).

    >>> word_operator(((0, "X"), (1, "Z")))
    X(0) @ Z(1)
    """
    with recording(Tape()):
        gates = [GATE_CLASSES["Pauli" + p](wires=w) for w, p in word]
        if not gates:
            return GATE_CLASSES["Identity"](wires=wires[0])
    return gates[0] if len(gates) == 1 else Prod(*gates)


def _generator_hamiltonian(obs, decomposed):
    """PennyLane's ``format="hamiltonian"`` form of a generator ``obs``: a
    ``LinearCombination`` as it is; the terms of a ``Sum``, ``SProd`` or ``Prod``; the Pauli
    decomposition (``decomposed``, of its matrix) of an observable given by a matrix;
    ``1.0 * obs`` otherwise."""
    if isinstance(obs, Hamiltonian):
        return obs
    if isinstance(obs, (Sum, SProd, Prod)):
        return Hamiltonian(*obs.terms())
    if type(obs).__name__ in ("Hermitian", "SparseHamiltonian"):
        wires = list(obs.wires)
        words = list(decomposed.terms.items())
        return Hamiltonian([complex(c).real for _, c in words],
                           [word_operator(w, wires) for w, _ in words])
    return Hamiltonian([1.0], [obs])


def _factored(gen):
    """``(scalar, factors)`` of a product whose factors act on disjoint wires, the scalars
    of its scalar-product factors (nested too) multiplied out; None for another product."""
    scalar, factors, seen = 1, [], set()
    stack = list(gen.operands)
    while stack:
        f = stack.pop(0)
        if isinstance(f, SProd):
            scalar = scalar * f.scalar
            stack.insert(0, f.base)
        elif isinstance(f, Prod):
            stack[:0] = list(f.operands)
        elif seen & set(f.wires):
            return None
        else:
            seen |= set(f.wires)
            factors.append(f)
    return scalar, factors


def _prefactor_form(gen) -> tuple:
    """PennyLane's ``(obs, p)`` with ``G = p * obs`` of a generator as written: a product
    its scalar taken out (factors on shared wires simplified first); a sum (a Hamiltonian
    as a sum of scalar products) its common coefficient, or the common absolute value of
    its coefficients (the signs stay in the sum); a scalar product its scalar; any other
    operator with ``p = 1``."""
    if isinstance(gen, Prod):
        parts = _factored(gen)
        if parts is None:
            gen = simplify(gen)
        else:
            scalar, factors = parts
            return (factors[0] if len(factors) == 1 else Prod(*factors)), scalar
    if isinstance(gen, Hamiltonian):  # (PennyLane's LinearCombination)
        gen = dot(*gen.terms())
    if isinstance(gen, Prod):
        coeffs, ops = gen.terms()
        return ops[0], coeffs[0]
    if isinstance(gen, Sum):
        ops = [o.base if isinstance(o, SProd) else o for o in gen.operands]
        coeffs = [o.scalar if isinstance(o, SProd) else 1 for o in gen.operands]
        if all(np.all(c == coeffs[0]) for c in coeffs):
            return sum(*ops), coeffs[0]
        size = abs(coeffs[0])
        if all(np.all(abs(c) == size) for c in coeffs):
            return dot([c / size for c in coeffs], ops), size
        return gen, 1.0
    if isinstance(gen, SProd):
        return gen.base, gen.scalar
    return gen, 1.0


def operation_derivative(operation) -> np.ndarray:
    """The matrix of ``dU/dt`` of a one-parameter operation ``U(t) = exp(i t G)``: ``i G U``
    (PennyLane's ``qml.operation.operation_derivative``), on the operation's wires. An
    operation without a generator raises PennyLane's ``GeneratorUndefinedError``.

    >>> import qsym as qml
    >>> d = operation_derivative(qml.RX(0.3, wires=0))
    >>> bool(np.allclose(d, [[-np.sin(0.15) / 2, -0.5j * np.cos(0.15)],
    ...                      [-0.5j * np.cos(0.15), -np.sin(0.15) / 2]]))
    True
    """
    g = generator(operation, format="observable")
    return 1j * g.matrix(wire_order=operation.wires) @ operation.matrix()


def is_trainable(obj) -> bool:
    """Whether any parameter of an operator is trainable by ``qml.math.requires_grad``
    (PennyLane's ``qml.operation.is_trainable``): a ``qsym.numpy`` tensor's flag, an
    autograd value; plain numbers are not.

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> is_trainable(qml.RX(pnp.array(0.3), wires=0)), is_trainable(qml.RX(0.3, wires=0))
    (True, False)
    """
    from .math import requires_grad

    return any(requires_grad(p) for p in obj.data)  # (op.data keeps the tensors given)


def _old_style_generator(op, old):
    """PennyLane's reading of a generator written as a class attribute ``[class or matrix,
    prefactor]`` (PennyLane <= 0.22), with its deprecation warning: ``prefactor * class``
    on the gate's wires, ``prefactor * Hermitian(matrix)``, else ``GeneratorUndefinedError``."""
    from .exceptions import PennyLaneDeprecationWarning
    from ._operations import Hermitian

    warnings.warn(
        "The Operator.generator property is deprecated. Please update the operator so that "
        "\n\t1. Operator.generator() is a method, and"
        "\n\t2. Operator.generator() returns an Operator instance representing the operator.",
        PennyLaneDeprecationWarning, stacklevel=3)
    kind, prefactor = (list(old) + [None, None])[:2]
    with recording(Tape()):
        if inspect.isclass(kind):
            return prefactor * kind(wires=op.wires)
        if isinstance(kind, np.ndarray) and kind.ndim == 2:
            return prefactor * Hermitian(kind, wires=op.wires)
    raise GeneratorUndefinedError(f"{op.name} has no generator (its old-style generator "
                                  f"property is {old!r})")


def generator(op: Operation, format="prefactor"):  # noqa: A002  (PennyLane's name)
    """The generator of a one-parameter gate (PennyLane's ``qml.generator``): ``G`` with
    ``U(t) = exp(i t G)``. ``format="prefactor"`` (the default) gives ``(obs, p)`` with
    ``G = p * obs``, taken from the generator as written, as PennyLane does: a product's
    scalar, a sum's common coefficient or common absolute coefficient, else ``p = 1``
    (a ``Projector``, a ``Hermitian``); with ``"observable"``, ``"hamiltonian"`` or
    ``"arithmetic"``, ``G`` as an observable.

    >>> generator(GATE_CLASSES["RX"](0.3, wires=0))
    (X(0), -0.5)
    >>> generator(GATE_CLASSES["IsingXY"](0.3, wires=[0, 1]))
    (X(0) @ X(1) + Y(0) @ Y(1), 0.25)
    >>> generator(GATE_CLASSES["CRX"](0.3, wires=[0, 1]))
    (Projector(array([1]), wires=[0]) @ X(1), -0.5)
    >>> generator(GATE_CLASSES["PhaseShift"](0.3, wires=0))
    (Projector(array([1]), wires=[0]), 1.0)
    >>> generator(GATE_CLASSES["RX"](0.3, wires=0), format="observable")
    -0.5 * X(0)

    An operator class (a user's too, with a ``generator()`` method) or a function making
    one gives a function of its arguments, as PennyLane's:

    >>> generator(GATE_CLASSES["RY"])(0.3, wires=1)
    (Y(1), -0.5)
    """
    if format not in ("prefactor", "observable", "hamiltonian", "arithmetic"):
        raise GateError("qml.generator: format must be one of ('prefactor', 'hamiltonian', "
                        f"'observable', 'arithmetic'); got {format!r}")
    if not isinstance(op, Operation) and callable(op):
        def of_arguments(*args, **kwargs):
            with not_recording():
                made = op(*args, **kwargs)
            return generator(made, format)
        return of_arguments
    if not isinstance(op, (Operation, Exp)):  # (qml.evolve's Evolution has one)
        raise GateError(f"qml.generator takes a gate, e.g. qml.RX(0.1, wires=0); got {op!r}")
    if op.num_params != 1:
        raise ValueError(f"Operation {type(op).__name__} is not written in terms of a single "
                         f"parameter ({op.name} has {op.num_params})")
    old_style = getattr(op, "generator", None)
    obs = _old_style_generator(op, old_style) if isinstance(old_style, (list, tuple)) else (
        op.generator())
    # (GlobalPhase on no wires: its generator's wires)
    wires = list(op.wires) or list(obs.wires)  # G as a Pauli sum, from the matrix op gives
    mat = np.asarray(obs.matrix(wire_order=wires), dtype=complex)
    if not np.allclose(mat, mat.conj().T):
        raise QuantumFunctionError(f"Generator {getattr(obs, 'name', obs)} of operation "
                                   f"{op.name} is not hermitian")
    if format == "observable":
        return obs
    # an operator as written, on the gate's wires (GlobalPhase's, on one wire or none, is
    # the identity on the gate's wires, below)
    if format == "prefactor" and type(obs) is not Observable and set(obs.wires) == set(op.wires):
        with recording(Tape()):
            return _prefactor_form(obs)
    gen = pauli_decomposition(mat, tuple(wires))
    if format in ("hamiltonian", "arithmetic"):
        h = _generator_hamiltonian(obs, gen)
        return h if format == "hamiltonian" else dot(*h.terms())
    coeffs = [complex(c).real for c in gen.terms.values()]
    if len(coeffs) == 1:
        (word,) = gen.terms
        if not word:  # a multiple of the identity (GlobalPhase): on the gate's wires
            with recording(Tape()):
                return GATE_CLASSES["Identity"](wires=list(op.wires)), coeffs[0]
        if len(word) == 1:
            (w, p), = word
            with recording(Tape()):
                return GATE_CLASSES["Pauli" + p](wires=w), coeffs[0]
        return Observable({word: 1}), coeffs[0]
    if np.allclose(coeffs, coeffs[0]):
        return Observable({w: 1 for w in gen.terms}), coeffs[0]
    if np.allclose(np.abs(coeffs), abs(coeffs[0])):
        p = abs(coeffs[0])
        return Observable({w: c / p for w, c in zip(gen.terms, coeffs)}), p
    return gen, 1.0


def walsh_weights(signs) -> np.ndarray:
    """The Walsh-Hadamard transform of a diagonal's phase pattern: ``w[s] = sum_k
    signs[k] (-1)**popcount(k & s)`` (exact for integer ``signs``, O(N log N)), so that
    ``exp(i phi signs[k]) = prod_s exp(i phi w[s] / N (-1)**popcount(k & s))``.

    >>> walsh_weights([1, 1, -1, -1]).tolist()
    [0, 0, 4, 0]
    """
    return _walsh_butterflies(np.array(signs, dtype=np.int64))


def _walsh_butterflies(w: np.ndarray) -> np.ndarray:
    """The unnormalised Walsh-Hadamard transform along the last axis (length a power of
    two; leading axes are a batch), by ``log2(N)`` butterflies, in ``w``'s dtype."""
    lead, size = w.shape[:-1], w.shape[-1]
    h = 1
    while h < size:
        w = w.reshape(*lead, -1, 2, h)
        w = np.stack([w[..., 0, :] + w[..., 1, :], w[..., 0, :] - w[..., 1, :]], axis=-2)
        h *= 2
    return w.reshape(*lead, size)


def walsh_hadamard_transform(D, n=None) -> np.ndarray:
    """PennyLane's ``_walsh_hadamard_transform(D, n)`` (``qml.ops.qubit.matrix_ops``):
    ``H^{(x)n} D`` with ``H = [[1, 1], [1, -1]] / 2``, along the last axis of ``D`` (of length
    ``2**n``; a 2-D ``D`` is a batch, one transform per row).

    >>> walsh_hadamard_transform([1, 0, -1, 2.5]).tolist()
    [0.625, -0.625, -0.125, 1.125]
    """
    D = np.asarray(D)
    size = D.shape[-1]
    n = int(round(np.log2(size))) if n is None else int(n)
    if D.ndim not in (1, 2) or size != 2 ** n:
        raise ArgumentError(f"walsh_hadamard_transform: D must be of shape (2**n,) or "
                            f"(batch, 2**n) with n={n}, got shape {D.shape}")
    dtype = np.result_type(D.dtype, float)
    return _walsh_butterflies(D.astype(dtype)) / 2 ** n


def _pcphase_decomposition(phi, dim: int, wires: list) -> list:
    """PCPhase(phi, dim) as the exact product of a ``GlobalPhase`` and ``MultiRZ`` gates
    (the Walsh transform of its phases ``+phi`` on the first ``dim`` basis states, ``-phi``
    on the others; the first wire the most significant bit): each angle is ``phi`` times
    a rational number, so the rule of the decomposition is MultiRZ's. Gates whose weight
    is 0 are left out."""
    n = len(wires)
    N = 2**n
    weights = walsh_weights([1 if k < dim else -1 for k in range(N)])
    out = []
    for s, w in enumerate(weights.tolist()):
        if w == 0:
            continue
        on = [wires[i] for i in range(n) if (s >> (n - 1 - i)) & 1]
        c = w / N  # exact: an integer over a power of two
        if not on:  # exp(i c phi) on every state: GlobalPhase(-c phi)
            out.append(_made("GlobalPhase", (_elementwise(lambda t: -c * t, phi),), wires))
        else:  # exp(i c phi (-1)^|k & s|): MultiRZ(-2 c phi)
            out.append(_made("MultiRZ", (_elementwise(lambda t: -2 * c * t, phi),), on))
    return out


def _user_pow(base, z):
    """``qml.pow(base, z, lazy=False)`` of an operator of your own (PennyLane's): the
    operators of ``base.pow(z)`` (the identity for none, their product for several), or
    ``Pow(base, z)`` where that power is not defined."""
    with recording(Tape()):
        try:
            ops = list(base.pow(z))
        except PowUndefinedError:
            return PowOperation(base, None, z)
        if not ops:
            return _made("Identity", (), base.wires)
        return ops[0] if len(ops) == 1 else prod(*ops)


def _unapplied_pow(base, z) -> "PowOperation":
    """PennyLane's lazy ``Pow(base, z)`` of a gate whose ``base.pow(z)`` is undefined
    (``Rot ** 1.2``): its matrix is the matrix power, it has no decomposition; recorded
    where it is made, so that a circuit refuses it (:attr:`SymbolicOp.table_gates`)."""
    op = PowOperation(base, None, z)
    tape = active_tape()
    if tape is not None:
        tape.append(op)
    return op


def _product_box(prod) -> None:
    """While ``qml.draw`` runs the circuit: the gates of a product written as a statement
    are drawn as one box labelled as the product, as PennyLane draws the ``Prod`` its queue
    holds (``RX(0.50)@RY(0.30)``)."""
    label = _Powered(prod, "")  # (its label as written; the device applies it)
    for g in prod.applied_gates():
        add_draw_group(g, BoxKey(prod), label, prod.wires)


METHODS["product_box"] = _product_box


def _product_pow(prod, z: int, lazy: bool):
    """PennyLane's ``Pow(Prod, z)`` of a product of gates (``qml.pow(qml.S(0) @ qml.T(1),
    2)``, ``qml.pow(qml.prod(qfunc)(x), 2)``) for a non-negative integer ``z``: the
    product's gates applied ``z`` times where it is made (none for 0), the product no longer
    applied itself; drawn as one box ``base**z``. ``lazy=False``: those gates."""
    mark_used(prod)  # replaced by its power
    ops = list(prod.applied_gates())
    gates = []
    with recording(Tape()):
        for _ in range(z):
            gates += [_copy(g) for g in ops]
    label = _Powered(prod, z)
    for g in gates:
        add_draw_group(g, BoxKey(label), label, prod.wires)
    tape = active_tape()
    if tape is not None:
        for g in gates:
            tape.append(g)
    if lazy:
        return PowOperation(prod, gates, z)
    if not gates:
        return _made("Identity", (), prod.wires)
    return gates[0] if len(gates) == 1 else gates


def _exp_pow(base, z, lazy):
    """PennyLane's ``Pow(Exp, z)`` of an exponential applied as rotations: its rotations
    taken off the tape and applied as a template's gates are (:func:`_template_pow`)."""
    tape = active_tape()
    gates = getattr(base, "_applied", None)
    if gates is None or tape is None or not all([tape.remove(g) for g in gates]):
        with not_recording():
            gates = base._rotations()
    return _template_pow(base, z, lazy, list(gates))


def _template_pow(base, z, lazy, ops=None):
    """PennyLane's ``Pow(template, z)``: applied as the template's gates ``z`` times for a
    non-negative integer ``z`` (none for 0); any other power has no gates (PennyLane's
    ``Operator.pow`` is undefined there): its matrix is the matrix power, a circuit refuses
    it. ``lazy=False``: the gates (the identity for none), or that ``Pow``. ``ops``: the
    gates (an exponential's rotations), else the template's."""
    if ops is None:
        ops = _template_ops(base)  # (taken off the active tape)
    if not (np.ndim(z) == 0 and _is_integer(z) and z >= 0):
        return _unapplied_pow(base, z)  # (lazy=False too: PennyLane's Pow where pow fails)
    if int(z) * len(ops) > templates.MAX_TEMPLATE_GATES:  # (z copies: refused before any)
        templates.refuse_size(base, int(z) * len(ops), f"qml.pow(..., {int(z):,}) of ")
    gates = []
    with recording(Tape()):
        for k in range(int(z)):
            gates += ops if k == 0 else [_copy(g) for g in ops]
    label = _Powered(base, z)
    for g in gates:  # drawn as PennyLane draws Pow(base, z): one box, base**z
        add_draw_group(g, BoxKey(label), label, base.wires)
    tape = active_tape()
    if tape is not None:
        for g in gates:
            tape.append(g)
    if lazy:
        return _drawn_if_empty(PowOperation(base, gates, z))
    if not gates:
        return _made("Identity", (), base.wires)
    return gates[0] if len(gates) == 1 else gates


def _has_drawn_mark(op) -> bool:
    """Whether ``op`` holds a drawn mark of ``qml.draw``'s run (:func:`_drawn_if_empty`): an
    operator made of it (``qml.adjoint``, ``qml.ctrl``) takes the mark over."""
    tape = active_tape()
    return any(m is op for _, m in (getattr(tape, "barriers", None) or ()))


def _drawn_if_empty(power):
    """A ``Pow`` that applies no gate (``qml.pow(qml.H(0), 0)``) marked where it is made
    on a recording that collects drawn marks (``qml.draw``'s run: ``tape.barriers``), so
    it is drawn as PennyLane draws it, ``──H⁰──``, though nothing is applied."""
    tape = active_tape()
    if not power.table_gates and tape is not None and getattr(tape, "barriers", None) is not None:
        tape.barriers.append((len(tape.items), power))
    return power


def _principal_power(base: Operation, z, ops: list) -> list:
    """The gates of PennyLane's ``Pow(base, z)`` of numbers: PennyLane's devices apply a
    ``Pow`` whose data do not require gradients by its matrix, the *principal* power
    (SciPy's ``fractional_matrix_power``), and decompose only a trainable one into
    ``base.pow(z)`` (angles scaled). The two differ where the base's angle lies outside the
    principal range (``Pow(PhaseShift(-3 pi/2), 0.5)``: ``PhaseShift(pi/4)``, not
    ``PhaseShift(-3 pi/4)``): then the principal power as a ``QubitUnitary``, else ``ops``.
    One rule for a batch (a broadcast base, a broadcast ``z`` or both, element by element
    as PennyLane's ``Pow.matrix``): each element's principal power, a batch
    ``QubitUnitary``.
    The choice is the traced run's (:func:`qsym._trace.choice`): a power of a circuit's
    inputs keeps the scaled gates on every replay, as PennyLane's trainable ``Pow``.
    ``ops`` None (``base.pow(z)`` is not defined: ``Rot ** 0.5``): the principal power of
    numbers, else None.

    >>> S = GATE_CLASSES["PhaseShift"](-3 * np.pi / 2, wires=0)
    >>> [g.name for g in _principal_power(S, 0.5, _gate_pow(S, 0.5))]
    ['QubitUnitary']
    >>> R = GATE_CLASSES["RX"](0.5, wires=0)
    >>> _principal_power(R, 0.5, _gate_pow(R, 0.5))
    [RX(0.25, wires=[0])]
    >>> B = GATE_CLASSES["PhaseShift"](np.array([0.3, -3 * np.pi / 2]), wires=0)
    >>> _principal_power(B, 0.5, _gate_pow(B, 0.5))[0].matrix()[:, 1, 1].round(6)
    array([0.988771+0.149438j, 0.707107+0.707107j])
    """
    zs = z
    if np.ndim(z) == 1 and not isinstance(z, sp.Basic):
        zs = np.asarray(getval(z))
        fractional = zs.dtype.kind in "if" and not all(_is_integer(v) for v in zs.tolist())
    else:
        fractional = np.ndim(z) == 0 and not _is_integer(z) and isinstance(z, numbers.Real)
    numeric = (fractional
               and len(base.wires) > 0  # (a GlobalPhase on no wires: a phase, kept scaled)
               and all(_plain_number(p) for p in base.params))
    if not choice(numeric):
        return ops
    try:
        principal = _principal_matrix(base, zs)
        if ops is not None and np.allclose(principal, _ops_matrix(ops, list(base.wires)),
                                           atol=1e-10):
            return ops
    except (GateError, np.linalg.LinAlgError, TypeError, ValueError):
        return ops  # (no matrix, or none in an eigenbasis: base.pow(z)'s gates)
    for g in ops or ():
        _take_off_tape(g)
    return [_made("QubitUnitary", (), base.wires, (("U", principal),))]


def _plain_number(p) -> bool:
    """Whether a gate parameter is numbers PennyLane would not differentiate: not a symbol of a
    trace, an autograd box or a trainable tensor (a broadcast one: each element)."""
    if isinstance(p, tuple):  # (a broadcast parameter, qsym._broadcast.Batched)
        return len(p) > 0 and all(_plain_number(e) for e in p)
    return not (isinstance(p, sp.Basic) or getval(p) is not p  # (a box)
                or getattr(p, "requires_grad", False))


def _principal_matrix(base: Operation, z) -> np.ndarray:
    """PennyLane's ``Pow.matrix`` of numbers: the principal power of ``base``'s matrix, element
    by element for a broadcast base and/or a broadcast ``z`` (the batch axis first; equal
    sizes zipped)."""
    m = np.asarray(base.matrix(), dtype=complex)
    batched = base.batch_size is not None
    if np.ndim(z) == 0:
        if not batched:
            return fractional_matrix_power(m, float(z))
        return np.stack([fractional_matrix_power(mi, float(z)) for mi in m])
    if batched:
        if len(m) != len(z):
            raise ValueError("unequal batch sizes")  # (refused by pow() before)
        return np.stack([fractional_matrix_power(mi, float(zi)) for mi, zi in zip(m, z)])
    return np.stack([fractional_matrix_power(m, float(zi)) for zi in z])


def _ops_matrix(ops: list, order: list) -> np.ndarray:
    """The product of the gates ``ops`` on the wires ``order`` (a batch where a gate is
    broadcast)."""
    if not any(getattr(g, "batch_size", None) is not None for g in ops):
        return gates_matrix(ops, order)
    m = np.eye(2 ** len(order), dtype=complex)
    for g in ops:
        m = (g.matrix(wire_order=order) if g.wires else g.matrix()[..., :1, :1]) @ m
    return m


def pow(base, z=1, lazy=True, id=None):  # noqa: A001,A002  (PennyLane's names)
    """``base`` to the power ``z`` (PennyLane's ``qml.pow``): PennyLane's ``Pow``
    (:class:`PowOperation`), applied as the gates of ``base.pow(z)`` (``RX(t) ** z`` is
    ``RX(z t)``, ``S ** 2`` is ``PauliZ``), none for ``z = 0``, else ``base`` applied ``z``
    times (an integer ``z``) or, for a gate without parameters, the ``QubitUnitary`` of its
    matrix power. A fractional power of numbers (no trainable or traced parameter) is the
    principal matrix power, as PennyLane's devices apply it (:func:`_principal_power`:
    ``base.pow(z)``'s gates where they agree). Made where it is called (in a circuit:
    applied), ``base`` taken off the tape. ``lazy=False``: the gate itself (the identity
    for no gate).

    >>> p = pow(GATE_CLASSES["RX"](0.5, wires=0), 2)
    >>> p, p.table_gates
    (RX(0.5, wires=[0])**2, (RX(1.0, wires=[0]),))
    >>> pow(GATE_CLASSES["S"](wires=0), 2, lazy=False)
    Z(0)
    """
    observable = isinstance(base, Observable) and hasattr(base, "matrix")
    if z is None or isinstance(z, (str, bytes)) or (
            not observable and isinstance(z, (complex, np.complexfloating))) or (
            isinstance(z, np.ndarray) and z.dtype.kind not in ("biufcO" if observable
                                                               else "biufO")):
        # (a bare TypeError of Python's % deep in the power: "not all arguments converted
        # during string formatting" for qml.pow(X(0), "a"); an operator's matrix power may
        # take a complex exponent, a gate's not)
        raise GateError(f"qml.pow: the exponent must be a real number (or a 1-D array of "
                        f"them, to broadcast), e.g. qml.pow(qml.X(0), 2); got {z!r}")
    if (isinstance(base, Prod) and base.is_gate_product and np.ndim(z) == 0
            and _is_integer(z) and z >= 0):
        return _product_pow(base, int(z), lazy)
    if observable:
        # an arithmetic operator (X(0) + Y(1)): PennyLane's Pow of it, its matrix power;
        # not applied (no gates: not unitary in general)
        return _in_place_of(base, PowOperation(base, None, z))
    if isinstance(base, Template):
        return _template_pow(base, z, lazy)
    if isinstance(base, Exp) and base._applies():  # PennyLane's Pow(Exp): its rotations z times
        return _exp_pow(base, z, lazy)
    if not isinstance(base, Operation):
        raise GateError(f"qml.pow takes an operator, e.g. qml.pow(qml.RX(0.1, wires=0), 2); got {base!r}")
    if _no_gates(base):
        return _in_place_of(base, PowOperation(base, None, z) if lazy else _user_pow(base, z))
    if np.ndim(z) and getattr(base, "batch_size", None) not in (None, np.size(z)):
        _take_off_tape(base)  # PennyLane's: made; its batch_size (and a circuit) refuses it
        return _unapplied_pow(base, z)
    _take_off_tape(base)
    try:
        ops = _gate_pow(base, z)
    except GateError as exc:
        if base.num_params and lazy and isinstance(exc, PowUndefinedError) and np.ndim(z) == 0:
            # PennyLane's lazy Pow(Rot, 1.2): applied by its matrix if numbers, else refused;
            # a negative integer power (U2 ** -1): the adjoint's gates |z| times, exact
            ops = _inverse_power(base, z)
            if ops is not None:
                return _powered(base, z, ops, lazy, True)
            ops = _principal_power(base, z, None)
            return _unapplied_pow(base, z) if ops is None else _powered(base, z, ops, lazy, True)
        if base.num_params:
            raise
        # base.pow(z) is undefined: applied as the principal power (the rotation angles
        # scaled, or the matrix power); no decomposition (PennyLane's Pow(X, 0.11))
        ops = scaled_pow(base, z)
        if ops is None:  # a batch z (Pow(ISWAP, [0.25, 0.5])): a batch of matrices
            ops = [_made("QubitUnitary", (), base.wires, (("U", _eigen_power(base, z)),))]
        return _powered(base, z, ops, lazy, True)
    applied = _principal_power(base, z, ops) if lazy else ops
    return _powered(base, z, applied, lazy, applied is not ops)


def _inverse_power(base: Operation, z):
    """The gates of ``base ** z`` for a negative integer ``z``: ``base.adjoint()`` applied
    ``-z`` times (the same unitary as PennyLane's matrix power, exact, and differentiable by
    the base's parameters); None for another ``z`` or a base without an adjoint.

    >>> U = GATE_CLASSES["U2"](0.3, 0.4, wires=0)
    >>> ops = _inverse_power(U, -1)
    >>> bool(np.allclose(gates_matrix(ops, [0]) @ U.matrix(), np.eye(2)))
    True
    """
    if not _is_integer(z) or int(z) >= 0:
        return None
    try:  # (made where pow is called: the gates it applies, as _gate_pow's)
        return [base.adjoint() for _ in range(-int(z))]
    except (AdjointUndefinedError, GateError, AttributeError):
        return None


def _eigen_power(base: Operation, z) -> np.ndarray:
    """``base``'s matrix to the power ``z`` through its eigenvalues (principal branch of each);
    a batch ``z`` gives a batch of matrices, the batch axis first.

    >>> _eigen_power(GATE_CLASSES["PauliZ"](0), [0.5, 1.0]).round(12)[:, 1, 1]
    array([ 0.+1.j, -1.+0.j])
    """
    w, v = np.linalg.eig(np.asarray(base.matrix(), dtype=complex))
    zz = np.asarray(getval(z), dtype=float)
    p = w ** (zz[:, None] if zz.ndim else zz)
    return (v * p[..., None, :]) @ np.linalg.inv(v)


def _powered(base, z, ops: list, lazy: bool, principal: bool = False):
    """:func:`pow`'s result of the gates ``ops`` of ``base ** z`` (``principal``: they are
    the principal matrix power, not ``base.pow(z)``'s gates, which stay its decomposition)."""
    label = _Powered(base, z)  # (held by the box key)
    for g in ops:  # drawn as PennyLane draws Pow(base, z): one box, base**z
        add_draw_group(g, BoxKey(label), label, base.wires)
    if lazy:  # PennyLane's Pow(base, z), applied as the gates of base.pow(z)
        out = PowOperation(base, ops, z)
        out._principal = principal
        return _drawn_if_empty(out)
    if not ops:
        return _made("Identity", (), base.wires)
    if len(ops) == 1:
        ops[0]._pow_of = (base, z)
    return ops[0] if len(ops) == 1 else ops


# Pauli letters multiplied (PennyLane's Prod.simplify): (left, right) -> (phase, letter)
_LETTER_PRODUCTS = {("X", "Y"): (1j, "Z"), ("Y", "Z"): (1j, "X"), ("Z", "X"): (1j, "Y"),
                    ("Y", "X"): (-1j, "Z"), ("Z", "Y"): (-1j, "X"), ("X", "Z"): (-1j, "Y")}
_PAULI_GATE_LETTERS = {"Identity": "I", "PauliX": "X", "PauliY": "Y", "PauliZ": "Z"}


def _letter_product(a: str, b: str) -> tuple:
    if a == "I":
        return 1, b
    if b == "I":
        return 1, a
    return (1, "I") if a == b else _LETTER_PRODUCTS[(a, b)]


class _FactorGroups:
    """PennyLane's grouping of a product's simplified factors, left to right: Pauli
    factors multiplied per wire (phases collected), equal non-Pauli factors on the same
    wires counted as a power, ``RX``/``RY``/``RZ`` on the same wire added; a factor on a
    wire flushes what waits there of the other kind; a :class:`Sum` flushes its wires and
    becomes a choice of terms (expanded by the caller)."""

    def __init__(self):
        self.paulis: dict = {}  # wire -> (phase, letter)
        self.others: dict = {}  # wires -> [hash, exponent, operator]
        self.factors: list = []  # tuples of alternatives (a Sum's terms), in order
        self.phase = 1

    def add(self, factor) -> None:
        wires = tuple(factor.wires)
        if isinstance(factor, Prod):
            for f in factor.operands:
                self.add(f)
        elif isinstance(factor, Sum):
            self.flush(wires)
            self.factors.append(tuple(factor.operands))
        elif getattr(factor, "name", None) != "Identity":
            if isinstance(factor, SProd):
                self.phase = self.phase * factor.scalar
                factor = factor.base
                wires = tuple(factor.wires)
            letter = _PAULI_GATE_LETTERS.get(getattr(factor, "name", None))
            if letter is not None and len(wires) <= 1 and isinstance(factor, Operation):
                for w in wires:
                    phase, old = self.paulis.get(w, (1, "I"))
                    extra, new = _letter_product(old, letter)
                    self.paulis[w] = (phase * extra, new)
                self._flush_others(wires)
            else:
                self._add_other(factor, wires)
                self._flush_paulis(wires)

    def _add_other(self, factor, wires) -> None:
        exponent = 1
        if isinstance(factor, PowOperation):
            exponent, factor = factor.z, factor.base
        old = self.others.get(wires)
        if old is not None and old[2].name in ("RX", "RY", "RZ") and factor.name == old[2].name \
                and old[1] == 1 and exponent == 1:  # (a rotation's power is simplified first)
            total = old[2].params[0] + factor.params[0]
            old[2] = GATE_CLASSES[factor.name](total, wires=list(wires)).simplify()
            old[0] = factor.hash
        elif old is not None and old[0] == factor.hash:
            old[1] = old[1] + exponent
        else:
            self._flush_others(wires)
            self.others[wires] = [factor.hash, exponent, factor]

    def _flush_others(self, wires) -> None:
        for w in wires:
            for key in [k for k in self.others if w in k]:
                _, exponent, op = self.others.pop(key)
                if exponent == 0:
                    continue
                if exponent != 1:
                    op = pow(op, exponent).simplify()
                if getattr(op, "name", None) != "Identity":
                    self.factors.append((op,))

    def _flush_paulis(self, wires) -> None:
        for w in wires:
            phase, letter = self.paulis.pop(w, (1, "I"))
            if letter != "I":
                self.factors.append((GATE_CLASSES["Pauli" + letter](wires=w),))
            self.phase = self.phase * phase

    def flush(self, wires) -> None:
        self._flush_paulis(wires)
        self._flush_others(wires)


def _prod_simplify(op):
    """PennyLane's ``Prod.simplify`` of a product without a Pauli form: the factors
    simplified and grouped (:class:`_FactorGroups`), a product of sums expanded into a
    :class:`Sum`, the collected phase as a scalar. Made aside, not applied."""
    with not_recording():
        groups = _FactorGroups()
        for factor in op.operands:
            groups.add(factor.simplify() if hasattr(factor, "simplify") else factor)
        groups.flush(tuple(op.wires))
        phase, choices = groups.phase, list(itertools.product(*groups.factors))
        if len(choices) == 1:
            (chosen,) = choices
            out = _made("Identity", (), op.wires) if not chosen else (
                chosen[0] if len(chosen) == 1 else Prod(*chosen))
            return out if phase == 1 else s_prod(phase, out)
        terms = [Prod(*c).simplify() if len(c) > 1 else c[0] for c in choices]
        out = Sum(*terms).simplify()
        return out if phase == 1 else s_prod(phase, out).simplify()


def _no_pauli_rep(op) -> bool:
    return isinstance(op, (Prod, Sum, SProd)) and getattr(op, "pauli_rep", None) is None


def _pl_simplify(op, cutoff=1.0e-12):
    """PennyLane's ``op.simplify()`` where an operand without a ``pauli_rep`` (``Hadamard``,
    a rotation) keeps the arithmetic structure: a scalar multiple folded, a sum's equal
    summands (by ``hash``) added, a product's factors grouped (:class:`_FactorGroups`);
    what has a ``pauli_rep`` is qsym's ``simplify()`` (its Pauli words merged).

    >>> import qsym as qml
    >>> _pl_simplify(qml.s_prod(2.0, qml.Hadamard(0) + qml.Hadamard(0)))
    4.0 * H(0)
    """
    if not _no_pauli_rep(op) or batched_scalar(getattr(op, "scalar", None)):
        return op.simplify() if hasattr(op, "simplify") else op
    with not_recording():
        if isinstance(op, SProd):
            scalar, base = op.scalar, op.base
            if isinstance(base, SProd):
                scalar, base = scalar * base.scalar, base.base
            if scalar == 1:
                return _pl_simplify(base)
            new = _pl_simplify(base)
            if isinstance(new, Sum):
                return Sum(*(_pl_simplify(SProd(scalar, s)) for s in new.operands))
            if isinstance(new, SProd):  # the scalars folded
                return _pl_simplify(SProd(scalar, new))
            return SProd(scalar, new)
        if isinstance(op, Sum):
            terms = [o if c == 1 else SProd(c, o) for c, o in zip(*_pl_terms(op, cutoff))]
            if not terms:
                return SProd(0, _made("Identity", (), op.wires))
            return terms[0] if len(terms) == 1 else Sum(*terms)
        phase, choices = _factor_choices(op)
        terms = [_one_product(c) for c in choices]
        out = terms[0] if len(terms) == 1 else Sum(*terms)
        return out if phase == 1 else SProd(phase, out)


def _factor_choices(op) -> tuple:
    """PennyLane's ``Prod._simplify_factors``: the global phase and each choice of factors
    (one per term of the product of sums)."""
    groups = _FactorGroups()
    for factor in op.operands:
        groups.add(_pl_simplify(factor))
    groups.flush(tuple(op.wires))
    return groups.phase, list(itertools.product(*groups.factors))


def _one_product(chosen):
    if not chosen:
        return _made("Identity", (), ())
    return chosen[0] if len(chosen) == 1 else Prod(*chosen)


def _summands(ops, out: dict) -> dict:
    """PennyLane's ``_SumSummandsGrouping``: ``{hash: [coefficient, operator]}``, nested sums
    flattened, scalar multiples unwrapped, equal operators' coefficients added."""
    for summand in ops:
        s = summand if isinstance(summand, Sum) else _pl_simplify(summand)
        if isinstance(s, Sum):
            _summands(s.operands, out)
            continue
        coeff = 1
        while isinstance(s, SProd):
            coeff, s = coeff * s.scalar, s.base
        entry = out.get(s.hash)
        if entry is None:
            out[s.hash] = [coeff, s]
        else:
            entry[0] = entry[0] + coeff
    return out


def _pl_terms(op, cutoff=1.0e-12) -> tuple:
    """PennyLane's ``terms()`` of a product or sum without a ``pauli_rep``: ``(coeffs, ops)``
    of the simplified structure (a product: each choice of its factors' terms, the phase
    and scalars collected; a sum: its summands grouped, those of a coefficient at most
    ``cutoff`` dropped), not the Pauli decomposition of the matrix.

    >>> import qsym as qml
    >>> _pl_terms(qml.prod(qml.Hadamard(0), qml.s_prod(4, qml.X(1)), qml.s_prod(2, qml.X(2))))
    ([8.0], [X(1) @ X(2) @ H(0)])
    """
    coeffs, ops = [], []
    with not_recording():
        if isinstance(op, Sum):
            for c, o in _summands(op.operands, {}).values():
                if c == 1 or abs(c) > cutoff:
                    coeffs.append(1.0 if c == 1 else c)
                    ops.append(o)
            return coeffs, ops
        phase, choices = _factor_choices(op)
        for chosen in choices:
            f = _pl_simplify(Prod(*chosen)) if len(chosen) > 1 else _one_product(chosen)
            if isinstance(f, SProd):
                coeffs.append(phase * f.scalar)
                ops.append(f.base)
            else:
                coeffs.append(phase)
                ops.append(f)
    return coeffs, ops


# PennyLane's products of Pauli letters on one wire: (factor, letter), its ``mul_map``
_LETTER_PRODUCTS = {
    ("X", "Y"): (1j, "Z"), ("Y", "Z"): (1j, "X"), ("Z", "X"): (1j, "Y"),
    ("Y", "X"): (-1j, "Z"), ("Z", "Y"): (-1j, "X"), ("X", "Z"): (-1j, "Y"),
}


def _word_product(a: dict, b: dict):
    """PennyLane's ``PauliWord._matmul``: the product word (the longer word's wires first,
    the other's new wires after) and its factor (the int 1, or 1j / -1j)."""
    base, other, swapped = (a, b, False) if len(a) >= len(b) else (b, a, True)
    result, coeff = dict(base), 1
    for wire, letter in other.items():
        if wire in base:
            pair = (letter, base[wire]) if swapped else (base[wire], letter)
            if pair[0] == pair[1]:
                del result[wire]
            else:
                factor, result[wire] = _LETTER_PRODUCTS[pair]
                coeff *= factor
        else:
            result[wire] = letter
    return result, coeff


def _pl_typed_rep(op):
    """PennyLane's ``op.pauli_rep`` with its coefficients' types: ``{key: (word, c)}``
    (``key`` the word's frozenset, ``word`` a ``{wire: letter}`` dict), computed as
    PennyLane's classes compute it (a Pauli operator's ``1.0``; a scalar multiple's
    ``qml.math.dot(c, scalar)``, a NumPy scalar for numbers, the tensor's product for a
    ``qsym.numpy`` tensor; a sum's ``0.0 + c`` added in order; a product's words
    multiplied, ``0.0 + factor * c1 * c2``; a linear combination's ``c * coefficient``),
    or None where ``op`` has none or is not one of these."""
    name = getattr(op, "name", None)
    if name in ("PauliX", "PauliY", "PauliZ") and len(op.wires) == 1:
        word = {op.wires[0]: name[-1]}
        return {frozenset(word.items()): (word, 1.0)}
    if name == "Identity":
        return {frozenset(): ({}, 1.0)}
    if isinstance(op, SProd):
        scalar = getattr(op, "_scalar_tensor", None)
        plain = op.scalar if scalar is None else None
        if plain is not None and (batched_scalar(plain)
                                  or not isinstance(plain, (numbers.Number, np.generic))):
            return None
        base = _pl_typed_rep(op.base)
        if base is None:
            return None
        return {k: (w, c * scalar if scalar is not None else np.dot(c, plain))
                for k, (w, c) in base.items()}
    if isinstance(op, Hamiltonian):
        pairs = zip(op.coeffs, op._ops)
    elif isinstance(op, Sum):
        pairs = ((None, o) for o in op.operands)
    elif isinstance(op, Prod):
        reps = [_pl_typed_rep(o) for o in op.operands]
        if not reps or any(r is None for r in reps):
            return None
        out = reps[0]
        for rep in reps[1:]:
            final = {}
            for w1, c1 in out.values():
                for w2, c2 in rep.values():
                    word, factor = _word_product(w1, w2)
                    key = frozenset(word.items())
                    before = final[key][1] if key in final else 0.0
                    final[key] = (word, before + factor * c1 * c2)
            out = final
        return out
    else:
        return None
    new = {}
    for coeff, o in pairs:
        rep = _pl_typed_rep(o)
        if rep is None or coeff is not None and not isinstance(
                coeff, (numbers.Number, np.generic, np.ndarray)):
            return None
        for key, (word, c) in rep.items():
            before = new[key][1] if key in new else 0.0
            new[key] = (word, before + (c if coeff is None else c * coeff))
    return new


def _tensor_terms(op):
    """PennyLane's ``terms()`` of a sum or product with a ``pauli_rep``: its Pauli sentence's words
    and coefficients, of PennyLane's types (:func:`_pl_typed_rep`: ``0.5 * X(0) + Z(1)``
    gives ``[np.float64(0.5), 1.0]``, summands scaled by ``qsym.numpy`` 0-d tensors, as
    ``molecular_hamiltonian``'s, tensors with the scalars' ``requires_grad``; qsym's merged
    sum holds plain numbers). The words in PennyLane's order (of first appearance), also
    those whose coefficients cancelled to 0 (PennyLane keeps them); None where a summand
    is of another kind (the merged sum's terms are listed then).

    >>> import qsym as qml
    >>> from qsym import numpy as qnp
    >>> h = qml.s_prod(qnp.tensor(0.5, requires_grad=True), qml.Z(0)) + qml.X(1)
    >>> h.terms()[0]
    [tensor(0.5, requires_grad=True), 1.0]
    >>> (0.5 * qml.X(0) + qml.Z(1)).terms()[0]
    [np.float64(0.5), 1.0]
    """
    if not isinstance(op, (Sum, Prod)):
        return None
    try:
        rep = _pl_typed_rep(op)
    except (TypeError, ValueError):  # (traced values, sympy coefficients)
        return None
    if rep is None:
        return None
    _, ops = op.terms.listed(identity_wires=[])
    listed = dict(zip((frozenset(word) for word in op.terms), ops))
    out_c, out_o = [], []
    with not_recording():
        for key, (word, c) in rep.items():  # (PennyLane's order: first appearance)
            o = listed.get(key)
            if o is None:  # cancelled in the merged sum, kept by PennyLane
                factors = [GATE_CLASSES["Pauli" + p](wires=w) for w, p in word.items()]
                o = factors[0] if len(factors) == 1 else Prod(*factors) if factors else I(wires=[])
            out_c.append(c)
            out_o.append(o)
    return out_c, out_o


def _structural_terms(op):
    """``op.terms()`` as PennyLane's: :func:`_pl_terms` without a ``pauli_rep``, the
    summands' tensors kept (:func:`_tensor_terms`), else None."""
    return _pl_terms(op) if _no_pauli_rep(op) else _tensor_terms(op)


METHODS.update(prod_simplify=_prod_simplify, structural_terms=_structural_terms,
               structural_simplify=_pl_simplify)
METHODS.update(adjoint=_gate_adjoint, pow=_gate_pow, simplify=_gate_simplify, qml_pow=lambda op, z: pow(op, z),
               decomposition=_gate_decomposition,
               decompositions=frozenset(DECOMPOSITIONS) | {"PauliRot", "MultiControlledX", "PCPhase",
                                                            "QubitUnitary", "GlobalPhase"})


def _touched(tape, wires) -> bool:
    """Whether a gate recorded on ``tape`` acts on any of ``wires``."""
    wires = set(wires)
    return any(isinstance(g, Operation) and wires & set(g.wires) for g in tape.items)


def apply_operation(op, _call=None):
    """Apply a gate made earlier (``qml.apply`` of an operation, :func:`qsym._tapes.apply`):
    in a circuit it is recorded again, where ``qml.apply`` is called; a template's gates
    likewise; a product of gates its factors. Returns ``op``.

    >>> import qsym as qml
    >>> g = qml.RX(0.4, wires=0)
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def f():
    ...     qml.apply(g)
    ...     return qml.expval(qml.Z(0))
    >>> bool(abs(f() - np.cos(0.4)) < 1e-12)
    True
    """
    from .templates import Template

    tape = active_tape()
    if isinstance(op, Operation):
        if tape is not None:
            call = object() if _call is None else _call  # (one application: one box)
            for g in op.table_gates:
                tape.append(_again(g, tape, call))
        return op
    if isinstance(op, Template):
        if tape is not None:
            # after gates on its wires, a template's operator gates (a state preparation
            # made on fresh wires holds gates right from |0> only: PennyLane's Mottonen
            # unitary here, as its adjoint and controlled forms)
            gates = op.operator_gates() if _touched(tape, op.wires) else op.table_gates
            call = object() if any(_applied(g, tape) for g in gates) else None
            for g in gates:
                if call is not None:  # applied before here: its own box (Template.queue's)
                    g = copy.copy(g)
                    clear_draw_groups(g)
                    add_draw_group(g, (BoxKey(op), call), op, op.wires, *op.draw_controls())
                else:
                    add_draw_group(g, BoxKey(op), op, op.wires, *op.draw_controls())
                tape.append(g)
            if not gates:  # a barrier, a template of no gate: drawn where applied
                op.mark_drawn(tape)
        return op
    if isinstance(op, Prod) and _all_gates(op):  # PennyLane applies a product: its factors
        if tape is not None:
            if not any(made is op for _, made, _ in tape.pending):
                tape.measured(op._gates)  # its Pauli factors are applied, not dropped observables
            # (one made here as a statement stays pending: PennyLane's queue holds it where
            # it was made and again here, ``qml.prod(qml.RX(x, 0), qml.RY(x, 1))`` then
            # ``qml.apply`` of it applies both twice; a measurement of it takes the first)
            call = object()  # its factors applied again: one box, as the first's
            with recording(Tape()):  # (ChangeOpBasis.decomposition applies its operands
                factors = op.decomposition()  # where called: aside, not a second time)
            start = len(tape.items)
            for g in factors:
                apply_operation(g, call)
            for g in tape.items[start:]:  # (in qml.draw's run) drawn as one box, as
                add_draw_group(g, (BoxKey(op), call), _Powered(op, ""), op.wires)  # PennyLane's
        return op
    if isinstance(op, OperatorRecord) and callable(getattr(op, "reapply", None)):
        if tape is not None:  # a qml.Snapshot made outside: a point of the circuit here
            op.reapply()
        return op
    if isinstance(op, Exp):  # qml.apply(qml.evolve(H, t)): its rotations again
        if tape is not None:
            tape.measured(as_observable(op.base)._gates)
            for g in op._rotations():
                tape.append(g)
        return op
    raise GateError(f"qml.apply takes a gate, a template or a product of gates (qsym applies "
                    f"the gates of its table; sums and scalar multiples are observables), got {op!r}")


def _applied(g, tape) -> bool:
    """Whether the gate ``g`` is on ``tape`` already, or waits there to be applied (a factor
    of a product written as a statement, :meth:`qsym._trace.Tape.pend`)."""
    return id(g) in tape.items.ids or id(g) in tape.observed


def _again(g, tape, call):
    """The gate ``g`` to record where ``qml.apply`` applies it: ``g`` itself, or, where it
    was applied before on ``tape`` (an operator queued where it was made and applied again,
    PennyLane's two entries), a copy whose boxes in ``qml.draw`` are its own (each box's key
    made new by this application's ``call``, its label kept): PennyLane draws the operator
    twice, not one box."""
    if not _applied(g, tape):
        return g
    if id(g) in tape.observed:  # (as appending ``g`` itself would: Tape.append's count)
        tape.epoch += 1
    out = copy.copy(g)
    held = out.__dict__.get("_draw_groups")
    if held is not None:
        stamp, groups = held
        out._draw_groups = (stamp, tuple(((key, call), *rest) for key, *rest in groups))
    out.__dict__.pop("_made_by", None)
    return out


def _all_gates(op) -> bool:
    """Whether every factor of the product ``op`` applies gates (a gate, a template such as
    ``change_op_basis``'s ``SemiAdder``, a product of such)."""
    return all(isinstance(o, (Operation, Template)) or (isinstance(o, Prod) and _all_gates(o))
               for o in op.operands)


class QueuingManager:
    """PennyLane's ``qml.QueuingManager``, the parts circuits and tests use:
    ``stop_recording()`` (a context manager and a decorator: gates made inside are not
    recorded), ``recording()`` (whether gates made now are recorded) and
    ``active_context()``.

    >>> with QueuingManager.stop_recording():
    ...     QueuingManager.recording()
    False
    """

    @staticmethod
    def stop_recording():
        """Gates made inside are recorded nowhere (also ``@QueuingManager.stop_recording()``)."""
        return not_recording()

    @staticmethod
    def recording() -> bool:
        """Whether a gate made now is recorded (a circuit, a queue, a tape is active)."""
        return active_tape() is not None

    @staticmethod
    def active_context():
        """The active recording, or None: the user's ``qml.queuing.AnnotatedQueue`` itself
        inside its ``with`` block (PennyLane's ``q is active_context()``), else qsym's
        recording (a circuit's, a tape's)."""
        tape = active_tape()
        return getattr(tape, "owner", tape)

    @staticmethod
    def append(obj, **kwargs) -> None:
        """Queue ``obj`` on the active recording (PennyLane's ``QueuingManager.append``): in
        a user's queue at its end; in a circuit its gates are applied."""
        tape = active_tape()
        if tape is None:
            return
        if tape.log is not None:
            if not any(o is obj for o in tape.log):
                tape.log.append(obj)
            return
        apply_operation(obj)

    @staticmethod
    def get_info(obj):
        """The metadata of ``obj`` in the active user's queue, None without one (PennyLane's)."""
        owner = getattr(active_tape(), "owner", None)
        return owner.get_info(obj) if owner is not None else None

    @staticmethod
    def update_info(obj, **kwargs) -> None:
        """Update ``obj``'s metadata in the active user's queue, if it is queued there."""
        owner = getattr(active_tape(), "owner", None)
        if owner is not None:
            owner.update_info(obj, **kwargs)

    @staticmethod
    def remove(obj) -> None:
        """Take ``obj`` off the active recording (PennyLane's ``QueuingManager.remove``:
        an operator becoming another's operand); no error if it is not there."""
        tape = active_tape()
        if tape is None:
            return
        tape.remove(obj)
        try:
            gates = tuple(getattr(obj, "table_gates", ()))
        except GateError:  # an operator of your own: no gates recorded
            gates = ()
        for g in gates:  # the gates it applies (a template's, an Adjoint's)
            if g is not obj:
                tape.remove(g)


# --- qml.queuing.AnnotatedQueue (qml.tape.QuantumScript: qsym._tapes) ---------------------------------------
class WrappedObj:
    """PennyLane's ``qml.queuing.WrappedObj``: an object compared and hashed by identity.

    >>> a = GATE_CLASSES["PauliX"](0)
    >>> WrappedObj(a) == WrappedObj(a), WrappedObj(a) == WrappedObj(GATE_CLASSES["PauliX"](0))
    (True, False)
    """

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return isinstance(other, WrappedObj) and self.obj is other.obj

    def __repr__(self):
        return f"Wrapped({self.obj!r})"


class AnnotatedQueue:
    """PennyLane's ``qml.queuing.AnnotatedQueue``: the gates made inside the ``with`` block,
    in order (``q.queue``), not applied anywhere else.

    >>> with AnnotatedQueue() as q:
    ...     _ = GATE_CLASSES["Rot"](0.1, 0.2, 0.3, wires=0).decomposition()
    >>> [op.name for op in q.queue]
    ['Rot', 'RZ', 'RY', 'RZ']
    """

    def __init__(self):
        self._tape = Tape()
        self._tape.add_measurement = self._tape.items.append  # measurements are queued too
        self._tape.user_queue = True  # a QNode called inside runs, queuing nothing here
        self._tape.log = QueueLog()  # PennyLane's queue: operators as made (qsym._trace.Tape.log)
        self._tape.owner = self
        self._info: dict = {}  # id(object) -> its metadata (PennyLane's annotations)
        self._ctx = None

    def __enter__(self):
        self._ctx = recording(self._tape)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    @property
    def queue(self) -> list:
        """The queued operators and measurements, in order (PennyLane's: a template, an
        ``Adjoint``, a ``Controlled`` is one entry; an operand leaves the queue when the
        operator using it is made)."""
        return list(self._tape.log)

    def __len__(self):
        return len(self._tape.log)

    def __contains__(self, op):
        op = op.obj if isinstance(op, WrappedObj) else op
        return any(o is op for o in self._tape.log)

    def __getitem__(self, op):
        if op in self:
            return self._info.setdefault(id(op.obj if isinstance(op, WrappedObj) else op), {})
        raise KeyError(op)

    def items(self) -> tuple:
        """``(object, metadata)`` pairs in queue order (PennyLane's ``items()``)."""
        return tuple((o, self[o]) for o in self._tape.log)

    def append(self, obj, **kwargs) -> None:
        """Queue ``obj`` at the end with the metadata ``kwargs`` (PennyLane's
        ``AnnotatedQueue.append``; an object queued already keeps its place, its metadata
        replaced)."""
        obj = obj.obj if isinstance(obj, WrappedObj) else obj
        if obj not in self:
            self._tape.log.append(obj)
        self._info[id(obj)] = dict(kwargs)

    def remove(self, obj) -> None:
        """Take ``obj`` off the queue (PennyLane's ``AnnotatedQueue.remove``); no error if
        it is not there."""
        self._tape.unqueue((obj.obj if isinstance(obj, WrappedObj) else obj,))

    def get_info(self, obj) -> dict:
        """The metadata queued with ``obj`` (PennyLane's ``get_info``); a ``QueuingError``
        if it is not in the queue."""
        if obj not in self:
            raise QueuingError(f"Object {obj.obj if isinstance(obj, WrappedObj) else obj} "
                               "not in the queue.")
        return self[obj]

    def update_info(self, obj, **kwargs) -> None:
        """Update the metadata of ``obj`` if it is queued (PennyLane's ``update_info``)."""
        if obj in self:
            self[obj].update(kwargs)


# --- ctrl -------------------------------------------------------------------------------------
# gates that are controlled versions of a base gate: name -> (base, number of controls)
_CONTROLLED_FORM = {
    "CNOT": ("PauliX", 1), "CY": ("PauliY", 1), "CZ": ("PauliZ", 1), "CRX": ("RX", 1),
    "CRY": ("RY", 1), "CRZ": ("RZ", 1), "CRot": ("Rot", 1),
    "ControlledPhaseShift": ("PhaseShift", 1), "Toffoli": ("PauliX", 2), "CSWAP": ("SWAP", 1),
}
# what PennyLane's qml.ctrl gives as a gate of its own (else a Controlled)
_PENNYLANE_CONTROLLED = frozenset(_CONTROLLED_FORM) | {"MultiControlledX", "CCZ", "CH"}
# base gate with one control -> the table's controlled gate
_ONE_CONTROL = {
    "PauliX": "CNOT", "PauliY": "CY", "PauliZ": "CZ", "RX": "CRX", "RY": "CRY", "RZ": "CRZ",
    "Rot": "CRot", "PhaseShift": "ControlledPhaseShift", "SWAP": "CSWAP",
}  # (not U1: PennyLane's qml.ctrl(U1) is a Controlled, C(U1), its custom forms are by type)


def _controlled_matrix(u: sp.Matrix, k: int) -> sp.Matrix:
    dim = 2**k * u.rows
    m = sp.eye(dim)
    m[dim - u.rows :, dim - u.cols :] = u
    return m


# the controlled rows made from each gate: a gate of your own defined again or removed
# takes its controlled rows with it (and so every compiled circuit that uses them)
_DERIVED: dict[str, set] = {}


def _drop_derived(names) -> None:
    for base in names:
        for cname in _DERIVED.pop(base, ()):
            if cname in GATES:
                REGISTRY.remove(cname)


REGISTRY.on_change(_drop_derived)


def _controlled_row(base: str, k: int, num_wires: int, hyper: tuple) -> str:
    """The name of a table row for ``base`` controlled by ``k`` wires (registered once)."""
    row = gate_def(base)
    tag = "".join(f"_{v}" for _, v in hyper)
    name = f"C{k}_{base}" + (f"_{num_wires}w" if not row.num_wires else "") + tag
    if name in GATES:
        return name
    nw = None if row.num_wires else num_wires
    P = sp.zeros(2**k)
    P[-1, -1] = 1  # projector on |1...1> of the controls

    def mat(t):
        return _controlled_matrix(row.sympy_matrix((t,), nw, hyper), k)

    gen = row.sympy_generator(nw, hyper)
    generator = None if gen is None else (lambda: sp.kronecker_product(P, gen))
    # a controlled diagonal (real) matrix is diagonal (real): the same kernel kind
    structure = row.structure if row.structure in ("diagonal", "real") else "dense"
    form = numeric = rule_gate = None
    try:
        span = _pauli_span_of(base, nw, hyper) if k + num_wires >= STRUCTURED_MIN_WIRES else None
    except TypeError:  # a hyperparameter that is not hashable: the dense row
        span = None
    if span is not None:
        # a I + b P on the base's wires (RX, PhaseShift, IsingZZ, MultiRZ, ...): applied on
        # the states whose controls are all 1 only (the kernels' "pauli" form with control
        # masks; its derivative zero elsewhere), one gate of the circuit, not a matrix of
        # 4^(k+m) entries printed, compiled and multiplied
        s_, a_, b_, word = span

        def form(t, num_wires=None):
            return controlled_pauli_form(a_.subs(s_, t), b_.subs(s_, t), word, k)

        def numeric(t, num_wires=None):
            U = numeric_matrix_function(base, nw, hyper)(t)
            C = np.eye(2**k * U.shape[0], dtype=complex)
            C[-U.shape[0]:, -U.shape[0]:] = U
            return C

        # the rule: the one-control row's (the same frequencies: the base's and 0)
        rnw, rhyper = rule_variant(base, nw, hyper)
        if (k, nw, hyper) != (1, rnw, rhyper):
            rule_gate = _controlled_row(base, 1, row.num_wires or rnw, rhyper)
    register(
        GateDef(name, k + num_wires, 1, mat, structure,
                doc=f"{base} controlled by {k} wire(s) (qml.ctrl)", generator=generator,
                form=form, numeric=numeric, rule_gate=rule_gate,
                definition=_ctrl_definition(base, k, nw, hyper))
    )
    if base not in REGISTRY.builtin:
        _DERIVED.setdefault(base, set()).add(name)
    # (its class: made by qsym.operations when the registry adds the row)
    return name


def _ctrl_definition(base: str, k: int, num_wires, hyper: tuple) -> str | None:
    """What defines ``base`` controlled by ``k`` wires (``GateDef.definition``): its base,
    the base's key, the controls and hyperparameters, where those are plain values whose
    ``repr`` is all of them (None otherwise: an array's repr is cut; the matrix's key)."""
    def plain(v):
        if isinstance(v, (tuple, list)):
            return all(plain(u) for u in v)
        return v is None or isinstance(v, (str, bool, int, float))

    if not plain(hyper):
        return None
    return repr(("ctrl", base, definition_key(base), k, num_wires, hyper))


@REGISTRY.memo(maxsize=256)
def _pauli_span_of(base: str, num_wires, hyper: tuple):
    """``(t, a, b, word)``: gate ``base`` (on ``num_wires`` wires if it takes any number,
    with ``hyper``) is ``a(t) I + b(t) P`` for the Pauli ``word`` (its structured form where
    it has one, else :func:`qsym._gates.pauli_span` of its matrix); None otherwise."""
    t = sp.Symbol("p0", real=True)
    kind_form = structured(base, num_wires, hyper, (t,))
    if kind_form is not None:
        kind, values, masks = kind_form
        if kind != "pauli" or masks[3]:  # (another structured kind, e.g. PCPhase's: dense)
            return None
        (a, b), (flip, z) = values, masks[:2]
        m = num_wires
        word = "".join("IXZY"[((flip >> (m - 1 - q)) & 1) + 2 * ((z >> (m - 1 - q)) & 1)]
                       for q in range(m))
        return t, a, b, word
    span = pauli_span(gate_def(base).sympy_matrix((t,), num_wires, hyper))
    return None if span is None else (t, *span)


def _controlled_ops(op: Operation, controls: tuple) -> list:
    """Gates (recorded on the active tape) applying ``op`` controlled by ``controls``
    (all with control value 1)."""
    name, p, w, hyper = op.name, op.params, op.wires, op.hyper
    if not controls:
        return [_make(name, p, w, hyper)]
    if name in _CONTROLLED_FORM:  # peel the gate's own controls off
        base, k = _CONTROLLED_FORM[name]
        return _controlled_ops(_bare(base, p, w[k:], ()), controls + tuple(w[:k]))
    if name == "MultiControlledX":
        values = _hyper_value(op, "control_values") or (1,) * (len(w) - 1)
        cs = controls + tuple(w[:-1])
        vals = (1,) * len(controls) + tuple(values)
        if all(vals):
            return [_make("MultiControlledX", (), cs + (w[-1],))]
        return [_make("MultiControlledX", (), cs + (w[-1],), (("control_values", vals),))]
    k = len(controls)
    if name == "Identity":
        return []
    if name == "PauliX":
        if k == 1:
            return [_make("CNOT", (), controls + w)]
        if k == 2:
            return [_make("Toffoli", (), controls + w)]
        return [_make("MultiControlledX", (), controls + w)]
    if k == 1 and name in _ONE_CONTROL:  # (the tensors given kept: PennyLane's data)
        return [_make(_ONE_CONTROL[name], _given_params(op), controls + w)]
    if (name, k) in (("Hadamard", 1), ("PauliZ", 2)):  # PennyLane's CH and CCZ
        return [_make("CH" if name == "Hadamard" else "CCZ", (), controls + w)]
    if name == "GlobalPhase":  # exp(-i t) where every control is 1: a phase on the controls
        return _controlled_ops(_bare("PhaseShift", (_neg(p[0]),), controls[-1:], ()),
                               controls[:-1])
    if name == "Rot":  # RZ(omega) RY(theta) RZ(phi)
        out = []
        for g, v in (("RZ", p[0]), ("RY", p[1]), ("RZ", p[2])):
            out += _controlled_ops(_bare(g, (v,), w, ()), controls)
        return out
    if name in ("U3", "U2"):
        # PennyLane's decomposition, U3(t, f, d) = P(f) P(d) RZ(-d) RY(t) RZ(d) (no global
        # phase): t and f each one gate parameter, so the metric tensor's approximations
        # see each alone, as PennyLane's do (a controlled phase (f + d)/2 mixed f with d)
        theta, phi, delta = (p if name == "U3" else (sp.pi / 2, *p))
        out = []
        for g, v in (("RZ", delta), ("RY", theta), ("RZ", _neg(delta)), ("PhaseShift", delta),
                     ("PhaseShift", phi)):
            out += _controlled_ops(_bare(g, (v,), w, ()), controls)
        return out
    if name == "QubitUnitary" and op.batch_size is not None and len(w) == 1:
        # a stack of one-wire matrices: its RZ RY RZ and phase with broadcast angles, each
        # controlled (a circuit broadcasts those; a stack on more wires is refused there)
        with recording(Tape()):
            parts = op.decomposition()
        return [c for g in parts for c in _controlled_ops(g, controls)]
    if name == "QubitUnitary" and _boxed_u(op) is not None and np.ndim(_boxed_u(op)) == 2:
        U = _boxed_u(op)  # autograd's matrix: the controlled one, differentiated through it
        d, top = np.shape(U)[-1], 2**k * np.shape(U)[-1] - np.shape(U)[-1]
        C = anp.concatenate([np.hstack([np.eye(top), np.zeros((top, d))]),
                             anp.concatenate([np.zeros((d, top)), U], axis=1)], axis=0)
        return [_make("QubitUnitary", (), controls + w, (("U", C),))]
    if name == "QubitUnitary":  # numbers (a stack of them: a broadcast), controlled
        _boxed_u(op, "a controlled operation")
        U = np.asarray(_hyper_value(op, "U"), dtype=complex)  # (given sparse too)
        gates = None if U.ndim != 2 or k + len(w) < STRUCTURED_MIN_WIRES else \
            _many_controlled_constant(U, controls, w)
        if gates is not None:
            return gates
        C = np.zeros(U.shape[:-2] + (2**k * U.shape[-1],) * 2, dtype=complex)
        C[..., range(C.shape[-1]), range(C.shape[-1])] = 1
        C[..., -U.shape[-1]:, -U.shape[-1]:] = U
        return [_make("QubitUnitary", (), controls + w, (("U", C),))]
    row = gate_def(name)
    if k + len(w) >= STRUCTURED_MIN_WIRES and row.num_params == 0:
        gates = _many_controlled_constant(np.asarray(op.matrix(), dtype=complex), controls, w)
        if gates is not None:
            return gates
    if row.num_params == 0:  # identity but for the last block (in NumPy: a sympy matrix
        U = np.asarray(op.matrix(), dtype=complex)  # of 2^(k+n) entries cost 0.07 s each)
        C = np.eye(2**k * U.shape[-1], dtype=complex)
        C[-U.shape[-2]:, -U.shape[-1]:] = U
        return [_make("QubitUnitary", (), controls + w, (("U", C),))]
    if row.num_params == 1:
        factors = (_commuting_factors(name, len(w), hyper)
                   if k + len(w) >= STRUCTURED_MIN_WIRES else None)
        if factors is not None:  # IsingXY, SingleExcitation(+-), ...: no 4^(k+m) matrix
            return _controlled_factors(factors, _given_params(op)[0], w, controls)
        cname = _controlled_row(name, k, len(w), hyper)
        return [_make(cname, _given_params(op), controls + w)]
    raise GateError(f"qml.ctrl of {name} is not supported")


def _counted_as_one(made, gates):
    """``made``, the ``Controlled`` of ``gates``: those of commuting factors
    (:func:`_controlled_factors`) counted by qml.Tracker as the one gate it is
    (``pl_template``: its frequencies' shifted circuits). Only a ``Controlled`` of one such
    gate is one: that of a template whose gates include some (``C(QSVT)``, its controlled
    ``PCPhase`` factors among other gates) has no frequencies, and PennyLane's gradient
    transforms decompose it."""
    marked = [g for g in gates if getattr(g, "ctrl_factor", None) is not None]
    if not marked:
        return made
    try:
        made.parameter_frequencies
    except ParameterFrequenciesUndefinedError:
        return made
    for g in marked:
        g.pl_template = made
    return made


def _controlled_factors(factors, t, wires, controls) -> list:
    """``exp(-i t sum_j c_j P_j)`` (commuting Pauli words, :func:`_commuting_factors`)
    controlled by ``controls``: ``PauliRot(2 c_j t, P_j)`` each controlled (the kernels'
    ``"pauli"`` form under a control mask: a few numbers each, where the controlled matrix
    has ``4^(k+m)`` entries printed by sympy: 8 wires 3.6 s, 10 over 200 s), the identity's
    term a controlled phase. Each gate is marked (``ctrl_factor``) so that the
    ``Controlled`` answers for the one gate PennyLane applies (its frequencies, and
    qml.Tracker's circuits: :attr:`Controlled.parameter_frequencies`, ``pl_template``)."""
    def times(r):  # (exact for a traced parameter; a number or tensor times a float)
        return _elementwise(lambda v: r * v if isinstance(v, sp.Basic) else float(r) * v, t)

    out = []
    for c, word in factors:
        if set(word) == {"I"}:
            base = _bare("GlobalPhase", (times(c),), (), ())
        else:
            base = _bare("PauliRot", (times(2 * c),), wires, (("pauli_word", word),))
        made = _controlled_ops(base, controls)
        for g in made:
            if g.num_params:
                g.ctrl_factor = factors
        out += made
    return out


def _letters_matrix(word: str) -> np.ndarray:
    """The matrix of a Pauli word of letters (``"XIY"``: the first wire most significant)."""
    return _word_matrix(tuple((i, q) for i, q in enumerate(word) if q != "I"),
                        list(range(len(word))))


@functools.lru_cache(maxsize=64)
def _factors_frequencies(factors) -> tuple:
    """The frequencies of ``exp(-i t sum_j c_j P_j)`` controlled: from its spectrum (the
    commuting sum's, by :func:`numpy.linalg.eigvalsh`, rounded to 12 digits) and 0 (the
    states off the controls).

    >>> _factors_frequencies(_commuting_factors("IsingXY", 2, ()))
    (0.5, 1.0)
    """
    G = builtins.sum(float(c) * _letters_matrix(word) for c, word in factors)
    spectrum = sorted({round(float(e), 12) + 0.0 for e in np.linalg.eigvalsh(G)} | {0.0})
    # (in PennyLane's order: a set of the differences of the sorted distinct eigenvalues,
    # qsym.gradients.eigvals_to_frequencies)
    return tuple({b - a for i, a in enumerate(spectrum) for b in spectrum[i + 1:]})


@REGISTRY.memo(maxsize=256)
def _commuting_factors(base: str, num_wires: int, hyper: tuple):
    """``((c_j, word_j), ...)`` with ``U(t) = exp(-i t sum_j c_j P_j)`` for gate ``base``
    (one parameter, on ``num_wires <= 4`` wires): its generator as a sum of Pauli words
    that commute with each other, with rational coefficients, so that ``U(t)`` is the
    product of ``exp(-i t c_j P_j)`` (checked against its matrix); None for any other
    gate or one that is a single Pauli span already (:func:`_pauli_span_of`).

    >>> _commuting_factors("IsingXY", 2, ())
    ((-1/4, 'XX'), (-1/4, 'YY'))
    """
    try:
        if num_wires > 4 or _pauli_span_of(base, num_wires, hyper) is not None:
            return None
        G = gate_def(base).sympy_generator(num_wires, hyper)
    except Exception:  # (an unhashable hyperparameter, a generator sympy cannot make: the
        return None    # controlled row, exact as before)
    if G is None or G.free_symbols:
        return None
    G = np.array(G.evalf(), dtype=complex)
    factors = []
    for word in itertools.product("IXYZ", repeat=num_wires):
        P = _letters_matrix(word)
        c = np.trace(P @ G) / 2**num_wires
        if abs(c) > 1e-12:
            r = sp.nsimplify(float(c.real), rational=True, tolerance=1e-13)
            if abs(c.imag) > 1e-12 or abs(float(r) - c.real) > 1e-12:
                return None
            factors.append((r, "".join(word), P))
    commute = all(np.allclose(P @ Q, Q @ P) for _, _, P in factors for _, _, Q in factors)
    if not commute or len(factors) < 2:
        return None
    t = 0.7317  # the product equals the gate's matrix (the generator's sign and scale)
    U = functools.reduce(np.matmul, [np.cos(float(c) * t) * np.eye(2**num_wires)
                                     - 1j * np.sin(float(c) * t) * P for c, _, P in factors])
    nw = None if gate_def(base).num_wires else num_wires
    if not np.allclose(U, numeric_matrix_function(base, nw, hyper)(t), atol=1e-12):
        return None
    return tuple((c, word) for c, word, _ in factors)


def _many_controlled_rotation(name: str, t, controls: tuple, target) -> list:
    """``RX``/``RY``/``RZ(t)`` of a constant ``t`` on ``target`` controlled by the wires
    ``controls`` (three or more) as gates on the state's own size: ``MultiControlledX,
    R(-t/2), MultiControlledX, R(t/2)`` (``X R(a) X = R(-a)`` for ``RY``/``RZ``; ``RX`` as
    ``H RZ H``): :func:`_phase_on_ones`'s. (Not for a gate of the circuit's: its parameter
    would be in two gates, whose light cones differ from PennyLane's one ``C(RX)``, and
    ``parameter_frequencies`` of the ``Controlled`` need it to be one gate.)

    >>> with recording(Tape()) as tape:
    ...     _ = _many_controlled_rotation("RY", 0.5, (0, 1, 2), 3)
    >>> [g.name for g in tape.items]
    ['MultiControlledX', 'RY', 'MultiControlledX', 'RY']
    """
    half = _elementwise(lambda v: v / 2, t)
    if name == "RX":
        return ([_make("Hadamard", (), (target,))]
                + _many_controlled_rotation("RZ", t, controls, target)
                + [_make("Hadamard", (), (target,))])
    cx = (controls + (target,))
    return [_make("MultiControlledX", (), cx), _make(name, (_neg(half),), (target,)),
            _make("MultiControlledX", (), cx), _make(name, (half,), (target,))]


def _phase_on_ones(wires: tuple, phi: float) -> list:
    """Gates multiplying the basis states whose ``wires`` all hold 1 by ``exp(i phi)``
    (a ``PhaseShift`` controlled by all but the last wire): ``PhaseShift(phi)`` on one
    wire; on more, the last wire's controlled ``RZ(phi)`` (two ``MultiControlledX`` and
    two ``RZ``) and the rest's phase ``phi/2`` (``PhaseShift = e^{i phi/2} RZ``): about four
    gates a wire, none denser than the structured ``MultiControlledX``."""
    if len(wires) == 1:
        return [_make("PhaseShift", (phi,), wires)]
    *rest, target = wires
    rz = (_controlled_ops(_bare("RZ", (phi,), (target,), ()), tuple(rest))
          if len(rest) < 2 else _many_controlled_rotation("RZ", phi, tuple(rest), target))
    return rz + _phase_on_ones(tuple(rest), phi / 2)


# the largest entry of W^+ U W off its diagonal (and of |d| - 1) accepted by
# _unitary_eigenbasis: the applied W diag(d) W^+ is then U to that (rounding: a Haar
# unitary's eigh leaves up to ~1e-12 where two eigenvalues of the mix are close; adv67)
_EIGEN_TOL = 4e-15
# the mixes (U + U^+) / 2 + c (U - U^+) / 2i tried in turn on clusters left coupled
_EIGEN_MIXES = (0.6180339887, -1.4142135623, 0.3819660113, 2.7182818284)


def _unitary_eigenbasis(U: np.ndarray):
    """``(W, d)``: ``U = W diag(d) W^+`` with ``W`` unitary, every entry of ``W^+ U W``
    off its diagonal and every ``||d_j| - 1|`` within ``_EIGEN_TOL``; None if not found
    (``U`` not unitary). ``U``'s Hermitian and anti-Hermitian parts commute: an ``eigh``
    of a mix of them diagonalizes ``U`` with an orthonormal ``W`` (degenerate eigenvalues
    too; NumPy's, no SciPy), but where two eigenvalues of the mix are close (not of ``U``)
    their eigenvectors are found only to ``1e-16 / gap``: each cluster of coupled columns
    is diagonalized again with another mix, where they are far apart.

    >>> U = np.array([[0, 1], [1, 0]], dtype=complex)
    >>> W, d = _unitary_eigenbasis(U)
    >>> bool(np.allclose(W @ np.diag(d) @ W.conj().T, U, rtol=0, atol=1e-15))
    True
    >>> _unitary_eigenbasis(np.array([[1, 0], [0, 1.001]], dtype=complex)) is None
    True
    """
    def mix(a, c):
        return (a + a.conj().T) / 2 + c * (a - a.conj().T) / 2j

    W = np.linalg.eigh(mix(U, _EIGEN_MIXES[0]))[1]
    for c in _EIGEN_MIXES[1:] + (None,):
        D = W.conj().T @ U @ W
        coupled = np.abs(D - np.diag(np.diag(D))) > _EIGEN_TOL
        if not coupled.any():
            d = np.diag(D)
            return (W, d) if np.all(np.abs(np.abs(d) - 1) <= _EIGEN_TOL) else None
        if c is None:
            return None
        cluster = list(range(len(D)))  # the coupled columns' clusters (union-find)

        def root(i):
            while cluster[i] != i:
                i = cluster[i]
            return i

        for i, j in zip(*np.nonzero(coupled)):
            cluster[root(i)] = root(j)
        groups = {}
        for i in range(len(D)):
            groups.setdefault(root(i), []).append(i)
        for idx in groups.values():
            if len(idx) > 1:
                W[:, idx] = W[:, idx] @ np.linalg.eigh(mix(D[np.ix_(idx, idx)], c))[1]
    return None


def _many_controlled_constant(U: np.ndarray, controls: tuple, wires: tuple) -> list:
    """The constant unitary ``U`` on ``wires`` controlled by ``controls`` (all on 1) as
    gates no larger than ``U`` and structured ``MultiControlledX`` (a controlled matrix of
    ``2^(k+m)`` rows: 1 GiB at 13 wires); None where ``U`` was not diagonalized (then the
    matrix). ``U = W D W^+`` (``U`` is normal; ``W`` unitary): ``W^+``,
    the phase ``D_j`` on each eigenvector ``j`` (the basis state ``j`` of ``wires`` with
    every control on 1: :func:`_phase_on_ones` between ``X`` on the wires whose bit is 0),
    ``W``. A one-wire reflection (``Z``, ``Y``, ``H``; eigenvalues 1 and -1) is ``V X
    V^+``: ``V^+``, ``MultiControlledX``, ``V`` (PennyLane's ``H``, ``MultiControlledX``,
    ``H`` for ``Z``).

    >>> with recording(Tape()) as tape:
    ...     _ = _many_controlled_constant(np.diag([1.0, -1.0]).astype(complex), (0, 1, 2), (3,))
    >>> [g.name for g in tape.items]
    ['QubitUnitary', 'MultiControlledX', 'QubitUnitary']
    """
    found = _unitary_eigenbasis(U)
    if found is None:
        return None  # (a matrix that is not unitary, or not diagonalized to rounding)
    W, d = found
    m = len(wires)
    tol = _EIGEN_TOL
    if m == 1 and np.allclose(np.sort(d.real), [-1, 1], atol=tol) and np.allclose(d.imag, 0, atol=tol):
        if d[0].real < 0:  # eigenvector of +1 first
            W = W[:, ::-1]
        V = W @ (np.array([[1, 1], [1, -1]]) / np.sqrt(2))  # V X V^+ = W Z W^+ = U
        return [_make("QubitUnitary", (), wires, (("U", V.conj().T),)),
                _make("MultiControlledX", (), controls + wires),
                _make("QubitUnitary", (), wires, (("U", V),))]
    rotated = np.abs(W - np.eye(len(d))).max() > _EIGEN_TOL
    out = [_make("QubitUnitary", (), wires, (("U", W.conj().T),))] if rotated else []
    for j, dj in enumerate(d):
        phi = float(np.angle(dj))
        if abs(phi) < 1e-15:
            continue
        flips = [wires[q] for q in range(m) if not (j >> (m - 1 - q)) & 1]
        out += [_make("PauliX", (), (f,)) for f in flips]
        out += _phase_on_ones(controls + wires, phi)
        out += [_make("PauliX", (), (f,)) for f in flips]
    if rotated:
        out.append(_make("QubitUnitary", (), wires, (("U", W),)))
    return out


def _same_params(a, b) -> bool:
    """Whether two gates' parameter lists are the same values (numbers, arrays or traced
    expressions, compared as they are).

    >>> _same_params((0.5,), (0.5,)), _same_params((-0.5,), (0.5,)), _same_params((), (1.0,))
    (True, False, False)
    """
    if len(a) != len(b):
        return False
    try:
        return all(np.array_equal(np.asarray(u, dtype=object), np.asarray(v, dtype=object))
                   for u, v in zip(a, b))
    except (TypeError, ValueError):
        return False


def _bare(name, params, wires, hyper) -> Operation:
    with recording(Tape()):
        return _make(name, params, wires, hyper)


def _apply_ctrl(op: Operation, controls: tuple, values: tuple) -> list:
    overlap = set(controls) & set(op.wires)
    if overlap:
        raise WireError(
            f"The control wires must be different from the base operation wires. (qml.ctrl: "
            f"the control wires {list(controls)} overlap the wires of {op.name} "
            f"{list(op.wires)})")
    if not all(values) and op.name in ("PauliX", "CNOT", "Toffoli", "MultiControlledX"):
        # an X with controls: one MultiControlledX with the control values (drawn as ○)
        own = dict(op.hyper).get("control_values") or (1,) * (len(op.wires) - 1)
        return [_make("MultiControlledX", (), controls + tuple(op.wires),
                      (("control_values", tuple(values) + tuple(own)),))]
    flips = [c for c, v in zip(controls, values) if not v]
    out = [_make("PauliX", (), (c,)) for c in flips]
    core = _controlled_ops(op, controls)
    out += core + [_make("PauliX", (), (c,)) for c in flips]
    if (flips or len(core) != 1 or core[0].name == "QubitUnitary") and op.name not in (
            "GlobalPhase", "Identity"):
        _values_box(op, out, controls, values)
    return out


def _values_box(op, gates, controls, values) -> None:
    """While ``qml.draw`` runs the circuit: the gates of one controlled gate that is not one
    gate of the table (a control on 0: ``X`` on both sides; a gate controlled through its
    decomposition or a matrix) are drawn as PennyLane draws it, one box of ``op``'s label
    with a dot on each control (open on 0), its own controls included."""
    k = _CONTROLLED_FORM[op.name][1] if op.name in _CONTROLLED_FORM else 0
    own = tuple(op.wires[:k])
    labeller = _Powered(op, "")  # op's label; default.qubit applies it as a matrix
    for g in gates:
        add_draw_group(g, ("ctrl-values", BoxKey(gates[0])), labeller,
                       tuple(controls) + tuple(op.wires), tuple(controls) + own,
                       tuple(values) + (1,) * k)


def _control_values(control, control_values) -> tuple:
    controls = wires_tuple(control)
    try:
        distinct = len(set(controls)) == len(controls)
    except TypeError:  # PennyLane's Wires: a WireError (was a bare TypeError from set)
        raise WireError(f"Wires must be hashable; got {list(controls)}. (qml.ctrl's control "
                        "wires are labels: numbers, strings or tuples)") from None
    if not distinct:
        raise WireError(f"qml.ctrl got duplicate control wires {list(controls)}")
    if control_values is None:
        values = (1,) * len(controls)
    else:
        if isinstance(control_values, (bool, numbers.Integral, np.integer, np.bool_)):
            control_values = [control_values]
        if isinstance(control_values, str):  # PennyLane: bool("0") is True, all 1 silently
            raise GateError(f"qml.ctrl: control_values={control_values!r} is a string; give a "
                            "list of 0/1 or bools, one per control wire (PennyLane would read "
                            "each character's truth, '0' as True)")
        try:  # PennyLane's: each value's truth (0/1, bools; "" and None are False)
            values = tuple(int(bool(v)) for v in control_values)
        except (TypeError, ValueError):
            raise GateError(f"qml.ctrl: control_values must give one 0/1 or bool per control "
                            f"wire, got {control_values!r}") from None
        if len(values) != len(controls):
            raise GateError(
                f"control_values should be the same length as control_wires (qml.ctrl: "
                f"{len(controls)} control wire(s), got control_values={control_values!r})")
    return controls, values


def ctrl(op, control, control_values=None, work_wires=None, work_wire_type="borrowed"):
    """A gate, or all the gates a function applies, controlled by the wires ``control``
    (PennyLane's ``qml.ctrl``); ``control_values`` (0/1 or bools, one per control wire;
    default all 1) selects the control state; ``work_wires`` and ``work_wire_type`` are
    accepted and not needed (the controlled gates are applied exactly).

    A gate PennyLane has for the result (``CNOT``, ``CRX``, ``Toffoli``, ...) is returned
    as that gate; otherwise PennyLane's ``Controlled`` (:class:`ControlledOp`), applied as
    the controlled gates of the table it wrote (``table_gates``).

    >>> ctrl(GATE_CLASSES["PauliX"](wires=2), control=[0, 1])
    Toffoli(wires=[0, 1, 2])
    >>> c = ctrl(GATE_CLASSES["RZ"](0.5, wires=1), control=0, control_values=0)
    >>> c, c.table_gates
    (Controlled(RZ(0.5, wires=[1]), control_wires=[0], control_values=[False]), (X(0), CRZ(0.5, wires=Wires([0, 1])), X(0)))
    """
    return _make_ctrl(op, control, control_values, work_wires, work_wire_type, flatten=True)


def _make_ctrl(op, control, control_values, work_wires, work_wire_type, flatten):
    """``qml.ctrl``; ``flatten``: a controlled operator given is controlled as its base
    on all the control wires (PennyLane's ``qml.ctrl``; its ``Controlled(...)`` does not)."""
    controls, values = _control_values(control, control_values)
    if not controls:
        raise WireError("qml.ctrl needs at least one control wire")
    if work_wire_type not in ("zeroed", "borrowed"):
        raise GateError(f"work_wire_type must be either 'zeroed' or 'borrowed'. Got "
                        f"'{work_wire_type}'. (qml.ctrl: 'zeroed' work wires start and end in "
                        "|0>, 'borrowed' ones in any state)")
    # (Wires: an unhashable or repeated work wire is PennyLane's WireError, not set's TypeError)
    work = () if work_wires is None else tuple(Wires(wires_tuple(work_wires)))
    if set(work) & (set(controls) | set(getattr(op, "wires", ()))):
        raise WireError("Work wires must be different the control_wires and base operation "
                        f"wires. (qml.ctrl: work_wires {list(work)}, control wires "
                        f"{list(controls)}, {op!r})")
    if getattr(op, "name", None) in ("Barrier", "Snapshot"):
        take_over(op)  # PennyLane's: not controlled, queued again where ctrl is
        return op
    nested = _nested_controls(op) if flatten else None
    if nested is not None:  # PennyLane's: ctrl(ctrl(U, a), b) is ctrl(U, b + a)
        base, inner, inner_values, inner_work, inner_type = nested
        _take_off_tape(op)
        both = tuple(work) + tuple(w for w in inner_work if w not in work)
        kind = "borrowed" if (inner_work and inner_type == "borrowed") or (
            work and work_wire_type == "borrowed") or not both else "zeroed"
        made = _make_ctrl(base, controls + inner, values + inner_values, list(both) or None,
                          kind, flatten=True)
        take_over(made, (op,))  # the operator given leaves the queue
        return made
    if isinstance(op, Operation) and _no_gates(op) and not _decomposes(op):
        if set(controls) & set(op.wires):
            raise WireError(f"The control wires must be different from the base operation "
                            f"wires. (qml.ctrl: the control wires {list(controls)} overlap the "
                            f"wires of {op.name} {list(op.wires)})")
        return _in_place_of(op, ControlledOp.made(op, None, controls, values, work_wires, work_wire_type))
    if isinstance(op, Exp) and op._applies():  # its rotations controlled (PennyLane's C(Exp))
        return _ctrl_exponential(op, controls, values, work_wires, work_wire_type)
    if isinstance(op, ControlledQubitUnitary):  # PennyLane's: one with more controls
        _take_off_tape(op)
        return ControlledQubitUnitary(op.data[0], controls + tuple(op.wires),
                                      list(values) + op.control_values, work_wires=work_wires,
                                      work_wire_type=work_wire_type)
    if isinstance(op, Operation) and op.name == "QubitUnitary" and not isinstance(op, SymbolicOp):
        return ControlledQubitUnitary(op, controls + tuple(op.wires), values,  # PennyLane's
                                      work_wires=work_wires, work_wire_type=work_wire_type)
    if isinstance(op, Operation):
        yours = _decomposes(op)  # a class of your own: controlled through its decomposition
        marked = _has_drawn_mark(op)  # (a gate-less Pow: C(H**0) drawn as PennyLane's)
        _take_off_tape(op)
        out, call = [], object()
        for g in (table_gates(op) if yours else op.table_gates):
            made = _apply_ctrl(g, controls, values)  # recorded
            _controlled_boxes(g, made, controls, values, call)
            out += made
        if op.name == "MultiControlledX" and not yours:
            work, work_wire_type = _with_own_work_wires(op, work, work_wire_type)
        if len(out) == 1 and (out[0].name == "MultiControlledX" and (
                work or work_wire_type != "borrowed") or out[0].name == "Toffoli" and work
                and op.name in ("PauliX", "CNOT")):  # PennyLane's: X on 2 controls with work
            out = [_with_work_wires(out[0], work, work_wire_type)]  # wires: MultiControlledX
        if (len(out) == 1 and out[0].name in _PENNYLANE_CONTROLLED and not yours
                and not isinstance(op, SymbolicOp) and op.name != "GlobalPhase"):
            # (PennyLane's ctrl of a GlobalPhase is C(GlobalPhase) on any number of
            # controls, not the ControlledPhaseShift(-t) two controls make here)
            return _own_controlled_gate(op, out, controls, values, work_wires, work_wire_type,
                                        flatten)
        made = _counted_as_one(ControlledOp.made(op, out, controls, values, work_wires,
                                                 work_wire_type), out)  # PennyLane's
        return _drawn_if_empty(made) if marked else made
    if hasattr(op, "meas_val") and hasattr(op, "controlled"):  # a Conditional (qml.cond)
        return _ctrl_conditional(op, controls, values, work_wires, work_wire_type)
    marked = _has_drawn_mark(op)  # (a template of no gate: C(BasisState(0)) drawn)
    ops = _template_ops(op)
    if ops is not None:  # qml.ctrl(qml.BasicEntanglerLayers(...), control=...)
        out = []
        for g in ops:
            out += _apply_ctrl(g, controls, values)
        made = ControlledOp.made(op, out, controls, values, work_wires, work_wire_type)  # a template
        if isinstance(op, Template):  # drawn as the template's box with control dots
            base_controls, base_values = op.draw_controls()
            for g in out:
                add_draw_group(g, BoxKey(made), op, tuple(controls) + tuple(op.wires),
                               tuple(controls) + tuple(base_controls),
                               tuple(values) + tuple(base_values))
        return _drawn_if_empty(made) if marked else made
    if isinstance(op, Observable):  # a sum, product or multiple of operators
        return _ctrl_arithmetic(op, controls, values, work_wires, work_wire_type)
    if op is None:
        raise GateError("None is not callable. This error might occur if you apply ctrl to the "
                        "output of a Subroutine (template). Subroutines should now be treated "
                        "as Quantum Functions, rather than operators: qml.ctrl(MyTemplate, "
                        "control)(*args)")
    if not callable(op):
        raise GateError(f"The object {op!r} of type {type(op)} is not an Operator or callable: "
                        "qml.ctrl takes a gate or a function of gates (a list of operations "
                        "is neither)")

    return _ctrl_function(op, controls, values, work_wires, work_wire_type)


def _own_controlled_gate(op, out, controls, values, work_wires, work_wire_type, flatten):
    """``qml.ctrl`` of ``op`` written as one gate PennyLane has a class for (``out``:
    ``[CNOT]``, ``[CRX]``, ...): that gate (``.base`` ``op``); ``flatten=False`` (PennyLane's
    ``Controlled(...)`` constructor, which never gives that class): a ``ControlledOp``
    applied as that gate, decomposed as it (PennyLane's rule)."""
    if not flatten:
        made = ControlledOp.made(op, out, controls, values, work_wires, work_wire_type)
        made._wraps = True  # (its decomposition is that gate's: ControlledOp.decomposition)
        return made
    out[0]._ctrl_of = op  # a gate PennyLane has too (CNOT, CRX, ...): .base, .control_wires
    if any(t is not None for t in getattr(op, "_tensors", ())) and _same_params(
            out[0].params, op.params):
        # CRX of RX(tensor): the tensors kept (PennyLane's data, trainable), only
        # where the controlled gate's parameters are the base's own
        out[0]._tensors = op._tensors
    return out[0]


def _ctrl_conditional(op, controls, values, work_wires, work_wire_type):
    """``qml.ctrl`` of a gate conditioned on mid-circuit measurements (``qml.cond``): the
    condition kept, its gate controlled (recorded); a user's queue holds PennyLane's
    ``Controlled(Conditional(...))`` in its place."""
    tape = active_tape()
    if tape is not None:
        tape.remove(op)
    made = op.controlled(controls, values)
    return ControlledOp.made(op, [made], controls, values, work_wires, work_wire_type)


class _BarrierLog(QueueLog):
    """The queue of a function ``qml.ctrl`` controls: also where each ``Barrier`` was made
    among the gates (``marks``: (index of the next gate, barrier)), which PennyLane's
    ``qml.ctrl`` queues uncontrolled in its place."""

    def __init__(self, tape):
        super().__init__()
        self.tape, self.marks = tape, []

    def append(self, x) -> None:
        super().append(x)
        if getattr(x, "name", None) == "Barrier":
            self.marks.append((len(self.tape.items), x))


def _ctrl_function(op, controls, values, work_wires, work_wire_type):
    """``qml.ctrl`` of a function of gates: each gate it records controlled."""
    @functools.wraps(op)
    def wrapper(*args, **kwargs):
        out = []
        tape = Tape()
        outer = active_tape()
        if outer is not None and outer.log is not None:  # a user's queue: barriers kept
            tape.log = _BarrierLog(tape)
        with recording(tape):
            op(*args, **kwargs)
        tape.apply_pending()  # (a product of gates written as a statement: controlled too)
        if tape.log is not None:  # a user's queue: each operator it holds (a template whole)
            outer.unqueue(_operators_in((args, kwargs)))  # PennyLane's: arguments leave it
            return _ctrl_queued(tape.log, controls, values, work_wires, work_wire_type)
        _arguments_off_tape(args, kwargs)
        marks = list(getattr(tape.log, "marks", ()))
        runs = owned_runs(tape.items)  # each operator applied, whole (a template too)
        flips = [w for w, v in zip(controls, values) if not v] if len(
            [g for _, g, _ in runs if isinstance(g, (Operation, Template))
             or hasattr(g, "meas_val")]) > 1 else []
        for w in flips:  # PennyLane's: X on the controls on 0 once around several operators
            GATE_CLASSES["PauliX"](wires=w)
        inner = (1,) * len(values) if flips else values
        for i, g, _ in runs:
            while marks and marks[0][0] <= i:
                take_over(marks.pop(0)[1])  # PennyLane's: not controlled, queued where ctrl is
            if isinstance(g, (Operation, Template)):  # as qml.ctrl of the operator
                # (PennyLane's Controlled of it: its parameters, trainable, not its gates')
                out += _ctrl_each((g,), controls, inner, work_wires, work_wire_type)
            elif hasattr(g, "meas_val") and hasattr(g, "controlled"):
                out.append(_ctrl_conditional(g, controls, inner, work_wires, work_wire_type))
            elif type(g).__name__ == "Snapshot" and outer is not None:
                outer.append(g)  # PennyLane's: not controlled, taken in place (qml.snapshots)
        for _, barrier in marks:
            take_over(barrier)
        for w in flips:
            GATE_CLASSES["PauliX"](wires=w)
        return out[0] if len(out) == 1 else out

    return wrapper


def _ctrl_queued(log, controls, values, work_wires, work_wire_type):
    """``qml.ctrl`` of a function in a user's queue (PennyLane's): each operator the function
    queued (a template as one operator, ``Controlled(QFT)``) controlled in order; a
    ``Barrier`` or ``Snapshot`` queued uncontrolled in its place; measurements left out."""
    out = []
    operators = [g for g in log if getattr(g, "name", None) in ("Barrier", "Snapshot") or
                 isinstance(g, (Operation, Template)) or hasattr(g, "meas_val")
                 or isinstance(g, Exp) and hasattr(g, "_applied")]
    flips = [w for w, v in zip(controls, values) if not v]
    if len([g for g in operators if getattr(g, "name", None) not in ("Barrier", "Snapshot")]) < 2:
        flips = []  # PennyLane's: X on the controls on 0 once around several operators
    for w in flips:
        GATE_CLASSES["PauliX"](wires=w)
    inner = (1,) * len(values) if flips else values
    for g in operators:
        if getattr(g, "name", None) in ("Barrier", "Snapshot"):
            take_over(g)
        elif hasattr(g, "meas_val") and hasattr(g, "controlled"):
            out.append(_ctrl_conditional(g, controls, inner, work_wires, work_wire_type))
        elif isinstance(g, (Operation, Template)):
            out += _ctrl_each((g,), controls, inner, work_wires, work_wire_type)
        elif isinstance(g, Exp):  # an Evolution: the rotations it applied, controlled
            # (PennyLane's C(Evolution) of a queue; the same gate)
            out += _ctrl_each(g._applied, controls, inner, work_wires, work_wire_type)
    for w in flips:
        GATE_CLASSES["PauliX"](wires=w)
    return out[0] if len(out) == 1 else out


def _arguments_off_tape(args, kwargs) -> None:
    """PennyLane's ``qml.ctrl`` / ``qml.adjoint`` of a function: the operators among its
    arguments (in lists, tuples and dicts) leave the circuit being recorded, where they were
    made before the call; they are the function's operands, applied (controlled, inverted)
    through it: ``qml.ctrl(qml.QSVT, control=0)(UA, projectors)`` applies ``UA`` and the
    projectors only inside the controlled ``QSVT``."""
    if active_tape() is None:
        return
    for op in _operators_in((args, kwargs)):
        if isinstance(op, Operation):
            _take_off_tape(op)
        elif isinstance(op, GateSequence):  # a template: the gates it recorded
            for g in op.table_gates:
                active_tape().remove(g)


def _operators_in(tree) -> list:
    """The operators among a function's arguments (in lists, tuples and dicts)."""
    if isinstance(tree, (list, tuple)):
        return [o for x in tree for o in _operators_in(x)]
    if isinstance(tree, dict):
        return [o for x in tree.values() for o in _operators_in(x)]
    return [tree] if isinstance(tree, (Operation, Observable, GateSequence)) else []


def _nested_controls(op):
    """Of a controlled operator (``Controlled``, or a controlled gate of the table with a
    target gate such as ``CY``, ``CRX``): (base, control wires, control values, work wires,
    work wire type); None for any other operator and for the X-based ones (``CNOT``,
    ``Toffoli``, ``MultiControlledX``), which ``qml.ctrl`` turns into one ``MultiControlledX``."""
    if not isinstance(op, Operation) or isinstance(op, ControlledQubitUnitary):
        return None
    if type.__instancecheck__(ControlledOp, op):  # (made by qml.ctrl; not a table gate)
        return (op.base, tuple(op.control_wires), tuple(int(v) for v in op.control_values),
                tuple(op.work_wires), op.work_wire_type)
    if op.name in ("CNOT", "Toffoli", "MultiControlledX"):
        return None
    made_by_ctrl = getattr(op, "_ctrl_of", None) is not None and all(
        getattr(op, a, None) is None for a in ("_adjoint_of", "_pow_of"))
    if made_by_ctrl or op.name in CONTROLLED_TARGETS:
        # (a gate made by qml.adjoint / qml.pow: its base is the gate given there, not the target)
        controls = tuple(op.control_wires)
        base = op._ctrl_of if made_by_ctrl else op._target_gate()
        return base, controls, (1,) * len(controls), (), "borrowed"
    return None


def _with_own_work_wires(mcx, work, work_wire_type) -> tuple:
    """``(work wires, type)`` of ``qml.ctrl(mcx, ..., work, work_wire_type)`` for a
    ``MultiControlledX`` given: its own work wires after those given to ``qml.ctrl``,
    borrowed if either set is borrowed (PennyLane's ``resolve_work_wire_type``).

    >>> mcx = GATE_CLASSES["MultiControlledX"](wires=[0, 1, 2], work_wires=[4])
    >>> _with_own_work_wires(mcx, (7,), "zeroed")
    ((7, 4), 'borrowed')
    """
    own = tuple(mcx.work_wires)
    if not own:
        return work, work_wire_type
    kind = "borrowed" if mcx.work_wire_type == "borrowed" or (
        work and work_wire_type == "borrowed") else "zeroed"
    return tuple(work) + tuple(w for w in own if w not in work), kind


def _with_work_wires(mcx, work_wires, work_wire_type):
    """The ``MultiControlledX`` (or ``Toffoli``) ``qml.ctrl`` made, made again (where it
    was) as a ``MultiControlledX`` with the work wires given to ``qml.ctrl`` (PennyLane's:
    its decomposition uses them)."""
    _take_off_tape(mcx)
    return _make("MultiControlledX", (), mcx.wires, tuple(mcx.hyper) + (
        ("work_wires", tuple(work_wires)), ("work_wire_type", work_wire_type)))


def _ctrl_arithmetic(op, controls, values, work_wires=None, work_wire_type="borrowed"):
    """PennyLane's ``Controlled`` of an operator made with ``@``, ``+`` or ``*``: a product of
    gates is applied as its gates controlled; any other is a matrix only (its ``matrix``,
    not applied in a circuit: ``table_gates`` says so)."""
    if set(controls) & set(op.wires):
        raise WireError(f"The control wires must be different from the base operation wires. "
                        f"(qml.ctrl: the control wires {list(controls)} overlap the wires of "
                        f"{op!r} {list(op.wires)})")
    mark_used(op)
    gates = None
    if isinstance(op, ChangeOpBasis) and op.is_gate_product:  # only the target controlled
        gates = [g.remake() for g in _gates_of(op[2])]  # recorded in this order
        gates += [c for g in _gates_of(op[1]) for c in _apply_ctrl(g, controls, values)]
        gates += [g.remake() for g in _gates_of(op[0])]
    elif isinstance(op, Prod) and op.is_gate_product:
        gates = [c for g in op.applied_gates() for c in _apply_ctrl(g, controls, values)]
    return ControlledOp.made(op, gates, controls, values, work_wires, work_wire_type)


# --- PennyLane's controlled unitary and phase estimation --------------------------------------
class QuantumPhaseEstimation(Template):
    """PennyLane's ``qml.QuantumPhaseEstimation(unitary, estimation_wires=...)``:
    Hadamards on the estimation wires, ``unitary ** 2**(m-1-i)`` controlled by the
    ``i``-th estimation wire (:func:`pow`, :func:`ctrl`), then the inverse :class:`QFT`.
    ``unitary`` is a gate (taken off the tape, as PennyLane's), a product of gates, a
    template, or a matrix with ``target_wires``. The decomposition lists PennyLane's
    entries: the Hadamards, a ``Controlled`` of a ``Pow`` per estimation wire, the
    ``Adjoint`` of the ``QFT``.

    >>> ops = QuantumPhaseEstimation(GATE_CLASSES["PauliZ"](wires=0), estimation_wires=[1, 2]).decomposition()
    >>> [op.name for op in ops]
    ['Hadamard', 'Hadamard', 'C(PauliZ**2)', 'C(PauliZ**1)', 'Adjoint(QFT)']
    """

    @property
    def parameters(self) -> list:
        """PennyLane's: the unitary's data (its label's numbers too): ``QuantumPhaseEstimation(
        Qubitization(H, ...), ...)`` shows ``H``'s coefficients, not its gates' angles.

        >>> import qsym as qml
        >>> qml.QuantumPhaseEstimation(qml.RX(0.25, wires=0), estimation_wires=[1, 2]).data
        (0.25,)
        """
        return list(getattr(self.unitary, "data", ()))

    def remake(self, params=None):
        """PennyLane's ``bind_new_parameters``: the unitary with ``params`` (its data), on
        the same estimation wires, made where it is called.

        >>> import qsym as qml
        >>> qml.QuantumPhaseEstimation(qml.RX(0.25, 0), estimation_wires=[1]).remake([0.5]).unitary
        RX(0.5, wires=[0])
        """
        return QuantumPhaseEstimation(_rebound(self, self.unitary, params),
                                      estimation_wires=list(self.estimation_wires))

    def __init__(self, unitary, target_wires=None, estimation_wires=None, id=None):
        from .exceptions import QuantumFunctionError

        matrix = isinstance(unitary, (np.ndarray, list))
        if matrix and target_wires is None:
            raise QuantumFunctionError("Target wires must be specified if the unitary is "
                                       "expressed as a matrix.")
        if not matrix and target_wires is not None:
            raise QuantumFunctionError("The unitary is expressed as an operator, which already "
                                       "has target wires defined, do not additionally specify "
                                       "target wires.")
        if estimation_wires is None:
            raise QuantumFunctionError("No estimation wires specified.")
        if matrix:  # a matrix (PennyLane accepts one with target_wires): its QubitUnitary
            unitary = _made("QubitUnitary", (), wires_tuple(target_wires), (("U", np.asarray(unitary)),))
        self.unitary = unitary
        self.base_ops = _powered_ops(unitary, "QuantumPhaseEstimation: unitary")
        self.target_wires = tuple(dict.fromkeys(w for g in self.base_ops for w in g.wires))
        if target_wires is not None and not isinstance(unitary, Operation):
            self.target_wires = wires_tuple(target_wires)
        self.estimation_wires, self.id = wires_tuple(estimation_wires), id
        if set(self.target_wires) & set(self.estimation_wires):
            raise QuantumFunctionError("The target wires and estimation wires must not overlap.")
        self.wires = self.target_wires + self.estimation_wires
        self._hyperparameters = {"unitary": unitary, "target_wires": Wires(self.target_wires),
                                 "estimation_wires": Wires(self.estimation_wires)}  # PennyLane's
        self._record()

    def _flatten(self):
        """PennyLane's: the unitary as data, the estimation wires as metadata."""
        return (self.unitary,), (Wires(self.estimation_wires),)

    @classmethod
    def _unflatten(cls, data, metadata):
        with recording(Tape()):
            return cls(data[0], estimation_wires=metadata[0])

    def error(self):
        """PennyLane's bound on the phase estimation's spectral-norm error from its
        unitary's: ``e (2**m - 1)`` for an ``ErrorOperation`` of error ``e`` powered up to
        ``2**(m-1)`` on ``m`` estimation wires; 0 for any other unitary.

        >>> import qsym as qml
        >>> class Approx(qml.resource.ErrorOperation):
        ...     def error(self):
        ...         return qml.resource.SpectralNormError(0.005)
        >>> QuantumPhaseEstimation(Approx(wires=[0]), estimation_wires=range(1, 5)).error()
        SpectralNormError(0.075)
        """
        from .resource import SpectralNormError

        if not isinstance(self.unitary, ErrorOperation):
            return SpectralNormError(0.0)
        e = self.unitary.error().error  # powers 2**(m-1), ..., 1: their errors add up
        return SpectralNormError(e * (2 ** len(self.estimation_wires) - 1))

    def gate_count(self) -> int | None:
        """At least the gates of the controlled powers of a template (``2**m - 1`` copies
        of its sequence for ``m`` estimation wires: :func:`controlled_powers`); None for a
        gate's (one power each).

        >>> QuantumPhaseEstimation(QFT(wires=[0, 1]), estimation_wires=[2, 3]).gate_count()
        12
        """
        return _powers_count(self.base_ops, self.estimation_wires)

    def _build(self):
        est = self.estimation_wires
        for w in est:
            GATE_CLASSES["Hadamard"](wires=w)
        controlled_powers(self.base_ops, est, entry=self._one_entry)
        self._one_entry(lambda: adjoint(QFT(wires=est)))


def _rebound(op, base, params):
    """``base`` (the operator ``op`` powers, whose data is ``op``'s) with ``params`` (default:
    its own), made off the tape: :meth:`QuantumPhaseEstimation.remake` and
    :meth:`ControlledSequence.remake`."""
    if params is not None and len(params) != len(op.parameters):
        raise GateError(f"{type(op).__name__} takes {len(op.parameters)} parameters (its "
                        f"base's data), got {len(params)}")
    with recording(Tape()):
        return METHODS["bind_new_parameters"](base, op.parameters if params is None else list(params))


def _powered_ops(op, what: str) -> list:
    """The gates whose powers phase estimation controls, taken off the tape: a gate; a
    product of gates (its factors, applied right to left, as one sequence); a template's
    gates."""
    if isinstance(op, Prod) and op.is_gate_product:  # (a product holds its factors off the tape)
        ops = [_copy(g) for g in op.applied_gates()]
        for g in ops:
            _take_off_tape(g)
        return ops
    if isinstance(op, Operation):
        _take_off_tape(op)
        return [op]
    ops = _template_ops(op)
    if ops is None:
        raise GateError(f"{what} must be a gate, a product of gates or a template, got {op!r}")
    return ops


def _powers_count(base_ops, control_wires) -> int | None:
    """The gates :func:`controlled_powers` writes for a template's sequence (``2**m - 1``
    copies of it), None for one gate (its powers are one gate each)."""
    return (2 ** len(control_wires) - 1) * len(base_ops) if len(base_ops) > 1 else None


def controlled_powers(base_ops, control_wires, powers_drawn=True, entry=None) -> None:
    """Record ``base ** 2**(m-1-i)`` controlled by the ``i``-th of the ``m`` control wires
    (the sequence of :class:`QuantumPhaseEstimation` and :class:`ControlledSequence`):
    one gate's power by :func:`pow` (its exact power, e.g. a rotation's scaled angle), a
    template's whole gate sequence repeated ``2**(m-1-i)`` times (``U**n`` of a product
    ``U = G2 G1`` is ``G2 G1 G2 G1 ...``, not ``G2**n G1**n``)."""
    m = len(control_wires)
    for i, w in enumerate(control_wires):
        if len(base_ops) > 1:  # a template: its whole sequence of gates, 2**k times over
            for _ in range(2 ** (m - 1 - i)):
                for g in base_ops:
                    ctrl(_copy(g), control=w)
            continue

        def controlled_power(w=w, z=2 ** (m - 1 - i)):
            powered, made = pow(_copy(base_ops[0]), z), None
            for p in (powered if isinstance(powered, list) else [powered]):
                if not powers_drawn:  # PennyLane's ControlledSequence: base.pow(z), the gates
                    for g in p.table_gates:
                        clear_draw_groups(g)
                made = ctrl(p, control=w)
            return made

        # with ``entry``: one entry of the template's decomposition (PennyLane's C(Pow(U)))
        controlled_power() if entry is None else entry(controlled_power)


class ControlledSequence(Template):
    """PennyLane's ``qml.ControlledSequence(base, control)``: ``base ** 2**(m-1-i)``
    controlled by the ``i``-th of the ``m`` control wires (the first control wire applies
    the highest power), the controlled powers of quantum phase estimation. ``base`` is a
    gate (taken off the tape, as PennyLane's) or a template; its wires follow the control
    wires in ``wires``.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=3)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.Hadamard(1)
    ...     qml.Hadamard(2)
    ...     qml.ControlledSequence(qml.RX(x, wires=0), control=[1, 2])
    ...     return qml.expval(qml.PauliZ(0))
    >>> print(round(float(c(0.4)), 12))  # (1 + cos(x) + cos(2x) + cos(3x)) / 4: RX(kx), k = 0..3
    0.745031364457
    >>> [(op.name, op.parameters) for op in qml.ControlledSequence(qml.RZ(0.5, 0), control=[1, 2]).decomposition()]
    [('CRZ', [1.0]), ('CRZ', [0.5])]
    """

    @property
    def arithmetic_depth(self) -> int:
        """PennyLane's (a ``SymbolicOp``): one more than the base's.

        >>> ControlledSequence(GATE_CLASSES["PauliX"](0), control=[2]).arithmetic_depth
        1
        """
        return 1 + getattr(self.base, "arithmetic_depth", 0)

    @property
    def num_wires(self) -> int:
        """PennyLane's (a ``SymbolicOp``): its wires' number, the control wires too."""
        return len(self.wires)

    def __init__(self, base, control, id=None):
        self.base_ops = _powered_ops(base, "ControlledSequence: base")
        self.base = base
        # (Wires: an unhashable or repeated control is PennyLane's WireError)
        self.control_wires = self.control = tuple(Wires(wires_tuple(control)))
        target = tuple(dict.fromkeys(w for g in self.base_ops for w in g.wires))
        if set(target) & set(self.control_wires):
            raise WireError("The control wires must be different from the base operation wires.")
        self.wires, self.id = self.control_wires + target, id
        self._record()

    def gate_count(self) -> int | None:
        """As :meth:`QuantumPhaseEstimation.gate_count`: ``2**m - 1`` copies of a
        template's gates for ``m`` control wires, None for a gate."""
        return _powers_count(self.base_ops, self.control_wires)

    def _build(self):
        controlled_powers(self.base_ops, self.control_wires, powers_drawn=False)

    @property
    def parameters(self) -> list:
        """PennyLane's: the base's data (``ControlledSequence(RX(0.25, 3), [0, 1]).data``
        is ``(0.25,)``; a template's base, ``QFT``, has none)."""
        return list(getattr(self.base, "data", ()))

    def remake(self, params=None):
        """PennyLane's ``bind_new_parameters``: the base with ``params`` (its data),
        controlled on the same wires, made where it is called.

        >>> import qsym as qml
        >>> qml.ControlledSequence(qml.RX(0.25, wires=3), control=[0, 1]).remake([0.5]).base
        RX(0.5, wires=[3])
        """
        return ControlledSequence(_rebound(self, self.base, params),
                                  control=list(self.control_wires))

    @staticmethod
    def compute_decomposition(*_, base=None, control_wires=None, lazy=False, **__) -> list:
        """PennyLane's: ``qml.pow(qml.ctrl(base, control=w), z=2**(m-1-i), lazy=lazy)`` for
        the ``i``-th of the ``m`` control wires ``w``, made where it is called.

        >>> import qsym as qml
        >>> ControlledSequence.compute_decomposition(base=qml.RX(0.25, 2), control_wires=[0, 1])
        [CRX(0.5, wires=[0, 2]), CRX(0.25, wires=[1, 2])]
        """
        controls = wires_tuple(control_wires)
        return [pow(ctrl(base, control=w), z=2 ** (len(controls) - 1 - i), lazy=lazy)
                for i, w in enumerate(controls)]

    def __repr__(self):
        """PennyLane's: the base and the control wires.

        >>> import qsym as qml
        >>> qml.ControlledSequence(qml.RX(0.25, wires=3), control=[0, 1, 2])
        ControlledSequence(RX(0.25, wires=[3]), control=[0, 1, 2])
        """
        return f"ControlledSequence({self.base!r}, control={list(self.control_wires)})"


def _copy(op: Operation) -> Operation:
    """A fresh copy of a gate, recorded where it is made (ctrl and pow take it off)."""
    return op.remake()


def _ops_namespace():
    from ._operations import Hermitian, Projector

    return _Namespace(LinearCombination=Hamiltonian, Hamiltonian=Hamiltonian,
                      Hermitian=Hermitian, Projector=Projector,
                      CPhase=GATE_CLASSES["ControlledPhaseShift"], SQISW=GATE_CLASSES["SISWAP"],
                      one_qubit_decomposition=one_qubit_decomposition,
                      two_qubit_decomposition=two_qubit_decomposition,
                      multi_qubit_decomposition=multi_qubit_decomposition, **GATE_CLASSES)


ops = _ops_namespace()
ops.__doc__ = """``qml.ops``: PennyLane's operator namespace (``qml.ops.LinearCombination``,
the gates).

>>> import qsym as qml
>>> qml.ops.LinearCombination is qml.Hamiltonian, qml.ops.RX is qml.RX
(True, True)
"""


# --- what qml.adjoint, qml.ctrl and qml.pow return: PennyLane's objects over table gates ---


class SymbolicOp(Operation):
    """An operator made from another (``base``) by ``qml.adjoint``, ``qml.ctrl`` or
    ``qml.pow``, shown as PennyLane shows it (``Adjoint(S(0))``, ``RX(0.5, wires=[0])**2``,
    ``Controlled(S(1), control_wires=[0])``), applied in a circuit as the exact gates of
    qsym's table it wrote (:attr:`table_gates`, recorded where it was made).

    >>> import qsym as qml
    >>> a = qml.adjoint(qml.S(0))
    >>> a, a.name, a.base, a.table_gates
    (Adjoint(S(0)), 'Adjoint(S)', S(0), (PhaseShift(-pi/2, wires=[0]),))
    """

    has_decomposition = True

    @property
    def has_matrix(self) -> bool:
        """Whether the base has a matrix (PennyLane's rule)."""
        return bool(getattr(self._base, "has_matrix", True))

    def __init__(self, base, gates, wires, hyper=()):
        # (a gate written as a symbolic operator, ``CNOT ** 0.5``'s ``Controlled(SX)``: its
        # table gates, which the tape holds; ``qml.ctrl`` of the power controls those)
        self._base, self._gates = base, None if gates is None else tuple(
            t for g in gates for t in (g.table_gates if isinstance(g, SymbolicOp) else (g,)))
        if gates is not None and any(isinstance(g, SymbolicOp) for g in gates):
            self._wrote_symbolic = True  # (its decomposition: PennyLane's, not these gates)
        self._base_params = vars(base).get("params")  # (data set on the base later: see data)
        self.params = tuple(base.params if hasattr(base, "params") else base.data)
        self._tensors = tuple(getattr(base, "_tensors", ()))
        self.wires = Wires(wires)
        self.hyper = tuple(hyper) + (("base", base),)
        self.id = None
        self.num_params, self.num_wires = len(self.params), len(self.wires)
        _link_gates(self)
        check_recorded_order(self)
        # PennyLane's queue: the base and the gates written for it leave, this joins
        take_over(self, (base, *(self._gates or ())))

    @property
    def data(self) -> tuple:
        """The base's parameters (PennyLane's ``op.data`` of a symbolic operator); set on
        the base since (``base.data = ...``), this operator's gates are written again."""
        if vars(self._base).get("params", self._base_params) is not self._base_params:
            self._rewrite()
        return Operation.data.fget(self)

    def _matrix_data(self) -> tuple:
        """The base's matrix data (``QubitUnitary``'s ``(U,)``, else ``()``): PennyLane's
        ``data`` of a symbolic operator is its base's, the matrix included, so a tape of
        ``qml.adjoint(qml.QubitUnitary(U, ...))`` counts ``U`` among its parameters (tape
        indices as PennyLane's)."""
        base_matrix = getattr(self._base, "_matrix_data", None)
        return base_matrix() if base_matrix is not None else ()

    @data.setter
    def data(self, values) -> None:
        """New parameters for the base (PennyLane's ``op.data = ...``), this operator's gates
        written again for them.

        >>> import qsym as qml
        >>> a = qml.adjoint(qml.RX(0.1, wires=0))
        >>> a.data = (0.2,)
        >>> a.base, a.table_gates
        (RX(0.2, wires=[0]), (RX(-0.2, wires=[0]),))
        """
        self._base.data = values
        self._rewrite()

    def __copy__(self):
        """A copy with its own copy of the base (PennyLane's): setting the copy's data
        leaves this operator alone."""
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        new._base = copy.copy(self._base)
        if "hyper" in vars(self):
            new.hyper = tuple((k, new._base if k == "base" else v) for k, v in self.hyper)
        return new

    def _rewrite(self) -> None:
        """This operator made again from its base's present parameters."""
        with recording(Tape()):
            new = self._remake(self._base, {})
        vars(self).update({k: v for k, v in vars(new).items() if k != "_base"})
        self._base_params = vars(self._base).get("params")
        _link_gates(self)

    @property
    def basis(self):
        """The base's Pauli basis (PennyLane's ``Adjoint``/``Pow``/``Controlled``.basis)."""
        return getattr(self._base, "basis", None)

    @property
    def base(self):
        """The operator this one was made from (PennyLane's ``op.base``)."""
        return self._base

    @property
    def table_gates(self) -> tuple:
        """The gates of the table that apply this operator, in order (a ``GateError`` if
        its base is an operator of your own, which qsym does not apply)."""
        if vars(self._base).get("params", self._base_params) is not self._base_params:
            self._rewrite()  # the base's data set since
        if self._gates is None and isinstance(self._base, Template):
            raise PowUndefinedError(
                f"{self.name} is not applied in a circuit: a template's power is defined for a "
                "non-negative integer exponent only (PennyLane's PowUndefinedError); apply "
                "qml.QubitUnitary(qml.matrix(op), wires) for its matrix, or an integer power")
        if self._gates is None and getattr(self._base, "_row", None) is not None:
            raise PowUndefinedError(
                f"{self.name} is not applied in a circuit: {self._base.name}.pow("
                f"{self.hyperparameters.get('z')!r}) is not defined (PennyLane's "
                "PowUndefinedError), so qsym has no gates for it; apply "
                "qml.QubitUnitary(qml.matrix(op), wires) for its matrix (not differentiable "
                "by the base's parameters), or a power that is defined")
        if self._gates is None:
            raise GateError(f"{self.name} is not applied in a circuit: its base {self._base.name} "
                            "is not a gate of qsym's table (qml.define_gate makes one)")
        return self._gates

    @property
    def is_verified_hermitian(self) -> bool:
        """The base's (PennyLane's rule for its symbolic operators)."""
        return bool(getattr(self._base, "is_verified_hermitian", False))

    @property
    def arithmetic_depth(self) -> int:
        return 1 + getattr(self._base, "arithmetic_depth", 0)

    @property
    def shift_gate(self):
        """The table gate of the same parameters it applies, the only one of its gates with
        parameters (the others constant: ``X`` around a gate controlled on 0), else None:
        its frequencies are this operator's."""
        g = [gate for gate in self._gates or () if len(gate.params)]
        if len(g) != 1 or len(g[0].params) != len(self.params):
            return None
        try:
            if all(bool(np.all(a == b)) for a, b in zip(g[0].params, self.params)):
                return g[0]
            negated = len(self.params) == 1 and bool(np.all(g[0].params[0] == _neg(self.params[0])))
        except (TypeError, ValueError):  # (values that do not compare)
            return None
        if not negated:
            return None
        # a gate at -t (a controlled inverse): the same gate at t has the same frequencies
        # (a set closed under t -> -t), so its shift rule holds for this operator's t
        with recording(Tape()):
            return _make(g[0].name, tuple(self.params), g[0].wires, g[0].hyper)

    @property
    def has_generator(self) -> bool:
        return len(self._gates or ()) == 1 and self._gates[0].has_generator

    def generator(self):
        (g,) = self._gates
        return g.generator()

    @property
    def parameter_frequencies(self) -> list:
        """The frequencies of the one gate of the table it applies that has parameters
        (the others constant: ``X`` around a gate controlled on 0s, PennyLane's frequencies
        of the base); else :class:`~qsym.exceptions.ParameterFrequenciesUndefinedError`.

        >>> import qsym as qml
        >>> op = qml.ctrl(qml.RZ(0.3, wires=2), control=[0, 1], control_values=[0, 1])
        >>> op.parameter_frequencies
        [(0.5, 1.0)]
        """
        varied = [g for g in self._gates or () if g.num_params]
        scale = _inner_power(self._base)
        factors = {getattr(g, "ctrl_factor", None) for g in varied}
        if len(factors) == 1 and None not in factors and scale is not None:
            # one gate of commuting Pauli factors (_controlled_factors): the controlled
            # generator's frequencies, as PennyLane's Controlled has them
            freqs = [_factors_frequencies(factors.pop())]
            return freqs if scale == 1 else [tuple(scale * f for f in fs) for fs in freqs]
        if len(varied) != 1 or scale is None:
            raise ParameterFrequenciesUndefinedError(
                f"Operation {self.name} does not have parameter frequencies defined: it is not "
                "applied as one gate of the table (one with a generator has them)")
        freqs = varied[0].parameter_frequencies
        # (that gate's parameter is the base's times the powers inside: Adjoint(RX(t) ** 2)
        # applies RX(-2 t), of frequency 2 in t)
        return freqs if scale == 1 else [tuple(scale * f for f in fs) for fs in freqs]

    @property
    def pauli_rep(self):
        return self._gates[0].pauli_rep if len(self._gates or ()) == 1 else None

    @property
    def control_wires(self):
        return Wires([])

    @property
    def z(self):
        raise AttributeError(f"{self.name} has no exponent: it was not made by qml.pow")

    def matrix(self, wire_order=None) -> np.ndarray:
        """The product of the gates' matrices (on ``wire_order`` if given)."""
        order = list(self.wires)
        m = np.eye(2 ** len(order), dtype=complex)
        for g in self.table_gates:
            m = (g.matrix(wire_order=order) if g.wires else g.matrix()[..., :1, :1]) @ m
        if wire_order is None or order_list(wire_order) == order:
            return m
        return expand_matrix(m, self.wires, wire_order)

    def decomposition(self) -> list:
        """The gates of the table it applies (copies, recorded where this is called)."""
        return [_copy(g) for g in self.table_gates]

    def adjoint(self):
        """The inverse (PennyLane's ``op.adjoint()``), recorded where it is called."""
        with recording(Tape()):
            out = AdjointOperation(self, [i for g in reversed(self.table_gates) for i in _inverse_gates(g)])
        _record_gates(out)
        return out

    def pow(self, z) -> list:
        """``[op ** z]`` (PennyLane's ``op.pow(z)``), recorded where it is called."""
        with recording(Tape()):
            out = pow(self, z)
        _record_gates(out)
        return [out]

    def remake(self, params=None):
        """A copy with ``params`` (the base's; default: its own), its gates made where it is
        called (in a circuit: applied)."""
        with recording(Tape()):
            if hasattr(self._base, "remake"):
                base = self._base.remake(params)
            else:  # an operator of operator arithmetic (qml.ctrl(qml.s_prod(0.5, RX))): its own
                base = METHODS["bind_new_parameters"](  # copy (qsym._tapes), PennyLane's order
                    self._base, self._base.data if params is None else params)
        return self._remake(base, {})

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``; outside any
        circuit its gates keep autograd-boxed parameters: :func:`qsym._trace.aside_tape`)."""
        with recording(aside_tape()):
            return self._remake(self._base.map_wires(wire_map), wire_map)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        return self._base.label(decimals, base_label, cache)


def _decomposes(op) -> bool:
    """An instance of an operator class of your own that defines its decomposition (a
    circuit applies the table gates it decomposes into): ``qml.ctrl`` and ``qml.adjoint``
    of it apply those gates controlled, or inverted in reverse order, as PennyLane's
    ``Controlled`` and ``Adjoint`` of it decompose."""
    return (isinstance(op, Operation) and not isinstance(op, SymbolicOp) and op._row is None
            and user_declares(type(op), "compute_decomposition", "decomposition"))


def _base_grad_method(base, num_params):
    """PennyLane's ``grad_method`` of ``Adjoint(base)`` and ``Controlled(base)``: the base's;
    a template's (a gate sequence, not one gate) None unless it declares one, so gradient
    transforms decompose it first, as PennyLane's do.

    >>> import qsym as qml
    >>> _base_grad_method(qml.RX(0.1, 0), 1), _base_grad_method(qml.QFT(wires=[0, 1]), 0)
    ('A', None)
    """
    if not isinstance(base, Operation):
        return getattr(base, "grad_method", None)
    return getattr(base, "grad_method", "A" if num_params else None)


def _no_gates(op) -> bool:
    """An operator of the user's own (or made from one): qsym writes no gates for it."""
    return (op._row is None and not isinstance(op, SymbolicOp)) or (
        isinstance(op, SymbolicOp) and op._gates is None)


def _in_place_of(base, op):
    """``op`` (made from an operator of your own) recorded where ``base`` was: a circuit
    refuses it as it refuses ``base``; a queue keeps it (PennyLane's queueing)."""
    tape = active_tape()
    if tape is not None:
        tape.remove(base)
        tape.append(op)
    return op


def _record_gates(op) -> None:
    tape = active_tape()
    if tape is not None:
        for g in op.table_gates:
            tape.append(g)


# the gates whose PennyLane class defines no adjoint(): Adjoint(S(0)).simplify() stays
_NO_PL_ADJOINT = frozenset({"S", "T", "SX", "ISWAP", "SISWAP"})


def _own_adjoint(base) -> bool:
    """Whether PennyLane's ``Adjoint(base).decomposition()`` is ``[base.adjoint()]``: the
    base has an ``adjoint()`` of its own (``has_adjoint``; not ``S``, ``T``, ``SX``,
    ``ISWAP``, ``SISWAP``, templates, or a ``Controlled`` of one); else it is the adjoint of
    each operator of the base's decomposition, last first."""
    return (bool(getattr(base, "has_adjoint", False)) and callable(getattr(base, "adjoint", None))
            and (isinstance(base, SymbolicOp) or getattr(base, "name", None) not in NO_ADJOINT_METHOD))


class AdjointOperation(SymbolicOp):
    """PennyLane's ``Adjoint(base)`` (what ``qml.adjoint(op)`` returns): applied as the
    inverse gates of the table.

    >>> import qsym as qml
    >>> a = qml.adjoint(qml.RX(0.3, wires=0))
    >>> a, a.name, a.label(decimals=1), a.decomposition()
    (Adjoint(RX(0.3, wires=[0])), 'Adjoint(RX)', 'RX\\n(0.3)†', [RX(-0.3, wires=[0])])
    """

    @property
    def name(self) -> str:
        return f"Adjoint({self._base.name})"

    def __repr__(self):
        return f"Adjoint({self._base!r})"

    compared_by_base = True  # qml.equal: by the base (PennyLane's rule for Adjoint)

    @property
    def resource_params(self) -> dict:
        """PennyLane's ``Adjoint.resource_params``: the base's type and resource parameters.

        >>> import qsym as qml
        >>> qml.adjoint(qml.RX(0.3, wires=0)).resource_params["base_params"]
        {}
        """
        return {"base_class": resource_class(self._base),
                "base_params": getattr(self._base, "resource_params", None) or {}}

    def __init__(self, base, gates):
        super().__init__(base, gates, base.wires)

    @property
    def has_matrix(self) -> bool:
        """Whether the base has a matrix (PennyLane's rule)."""
        return bool(getattr(self._base, "has_matrix", True))

    @property
    def has_decomposition(self) -> bool:
        """Whether there are gates to decompose into: the table's, or the base's
        decomposition reversed and inverted (an operator of your own with one)."""
        return self._gates is not None or bool(getattr(self._base, "has_decomposition", False))

    @property
    def grad_method(self):
        """The base's (PennyLane's rule; a template's: None, gradient transforms decompose it)."""
        return _base_grad_method(self._base, self.num_params)

    def decomposition(self) -> list:
        """The inverse table gates; of a base of your own, the adjoint of each gate of the
        base's decomposition, last first (PennyLane's ``Adjoint.decomposition()``)."""
        if self._gates == () and not isinstance(self._base, Operation) and callable(
                getattr(self._base, "adjoint", None)):  # a Barrier, a WireCut: their adjoint
            try:
                return [self._base.adjoint()]
            except AdjointUndefinedError:  # (a template without gates here, a QROM of
                pass  # work wires: the adjoint of each of its decomposition's operators)
        if _own_adjoint(self._base):  # PennyLane's: the base's adjoint()
            return [self._base.adjoint()]
        if not getattr(self._base, "has_decomposition", False):
            if getattr(self._base, "decomposition_undefined", False):
                self._base.decomposition()  # PennyLane's DecompositionUndefinedError
            return super().decomposition()
        with recording(Tape()):
            parts = list(self._base.decomposition())
        return [adjoint(g) for g in reversed(parts)]

    @property
    def control_wires(self):
        """The base's (PennyLane's ``Adjoint(CNOT).control_wires``)."""
        return self._base.control_wires

    def single_qubit_rot_angles(self) -> list:
        """The base's angles undone (PennyLane's): ``Rot(-omega, -theta, -phi)`` is the
        inverse of ``Rot(phi, theta, omega)``.

        >>> import qsym as qml
        >>> qml.adjoint(qml.RZ(0.3, wires=0)).single_qubit_rot_angles()
        [-0.0, -0.0, -0.3]
        """
        phi, theta, omega = self._base.single_qubit_rot_angles()
        return [-omega, -theta, -phi]

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        return _daggered(self._base, self._base.label(decimals, base_label, cache))

    @property
    def has_sparse_matrix(self) -> bool:
        """PennyLane's: whether the base has a sparse matrix (``default.qubit`` then runs
        the adjoint as it is).

        >>> import qsym as qml
        >>> qml.adjoint(qml.X(0)).has_sparse_matrix, qml.adjoint(qml.S(0)).has_sparse_matrix
        (True, False)
        """
        return bool(getattr(self._base, "has_sparse_matrix", False))

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002  (PennyLane's name)
        """The conjugate transpose of the base's sparse matrix (PennyLane's); its
        ``SparseMatrixUndefinedError`` when the base has none."""
        if not self.has_sparse_matrix:
            raise SparseMatrixUndefinedError(
                f"{self.name} has no sparse matrix (PennyLane's SparseMatrixUndefinedError): its "
                f"base {self._base.name} has none; use matrix()")
        return self._base.sparse_matrix(wire_order=wire_order).conj().T.asformat(format)

    def matrix(self, wire_order=None) -> np.ndarray:
        """The conjugate transpose of the base's matrix (on ``wire_order`` if given;
        autograd's matrix of a base computed from differentiated values: autograd's)."""
        m = self._base.matrix()
        xp = anp if isinstance(m, Box) else np
        m = xp.conj(xp.swapaxes(m if xp is anp else np.asarray(m, dtype=complex), -1, -2))
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return m
        return expand_matrix(m, self.wires, wire_order)

    def adjoint(self):
        """The base itself (PennyLane's ``Adjoint(op).adjoint()``, ``op.queue()``), recorded
        where it is called.

        >>> import qsym as qml
        >>> base = qml.X(0)
        >>> qml.adjoint(base).adjoint() is base
        True
        """
        if isinstance(self._base, SymbolicOp):
            _record_gates(self._base)
            return self._base
        if isinstance(self._base, Operation) and self._base._row is not None:  # a table gate
            return self._base.queue()
        b = self._base
        if isinstance(b, Exp) and not hasattr(b, "remake"):  # made again, applied here
            return Exp(b.base, b.coeff, num_steps=b.num_steps, id=b.id)
        return _copy(b)

    def _remake(self, base, wire_map):
        return adjoint(base)

    def _flatten(self):
        """PennyLane's pytree form: ``((base,), ())``.

        >>> import qsym as qml
        >>> a = qml.adjoint(qml.RX(0.3, wires=0))
        >>> a._flatten(), type(a)._unflatten(*a._flatten())
        (((RX(0.3, wires=[0]),), ()), Adjoint(RX(0.3, wires=[0])))
        """
        return (self._base,), ()

    @classmethod
    def _unflatten(cls, data, metadata):
        return adjoint(data[0])

    def simplify(self):
        """PennyLane's ``Adjoint.simplify``: the simplified base's adjoint, simplified again
        (``Adjoint(Adjoint(X(0)))`` is ``X(0)``, ``Adjoint(RZ(t))`` is ``RZ(4 pi - t)``), or
        ``Adjoint`` of the simplified base where it has none. Made aside, not applied.

        >>> import qsym as qml
        >>> qml.adjoint(qml.adjoint(qml.X(0))).simplify()
        X(0)
        """
        with not_recording():  # (a gate simplified in a circuit stays as it is)
            base = self._base.simplify() if hasattr(self._base, "simplify") else self._base
            if not getattr(base, "has_adjoint", False) or getattr(base, "name", None) in \
                    _NO_PL_ADJOINT:
                return adjoint(base)
            out = base.adjoint()
            if isinstance(out, AdjointOperation) and out._base is base:
                return out  # (the base's adjoint is its lazy Adjoint: simplified already)
            return out.simplify() if hasattr(out, "simplify") else out

    def eigvals(self) -> np.ndarray:
        """The complex conjugates of the base's eigenvalues, in its order (PennyLane's; of a
        broadcast base, per batch element).

        >>> import qsym as qml
        >>> qml.adjoint(qml.S(0)).eigvals()
        array([1.-0.j, 0.-1.j])
        """
        eigvals = getattr(self._base, "eigvals", None)
        if eigvals is None:  # (a template, a state preparation: PennyLane raises the same)
            raise EigvalsUndefinedError(
                f"{self.name} has no eigenvalues: its base {self._base.name} defines none "
                "(PennyLane's EigvalsUndefinedError); qml.eigvals(op) of a function of gates "
                "computes them from the matrix")
        return np.conj(np.asarray(eigvals()))

    @property
    def has_diagonalizing_gates(self) -> bool:
        """The base's: ``U^dagger`` shares the eigenbasis of a normal ``U``."""
        return bool(getattr(self._base, "has_diagonalizing_gates", False))

    def diagonalizing_gates(self) -> list:
        """The base's diagonalizing gates (PennyLane's)."""
        return self._base.diagonalizing_gates()

    @property
    def shift_gate(self):
        """The base's: ``U(-t)`` has the frequencies of ``U(t)``."""
        return self._base.shift_gate

    def generator(self):
        """``-G`` of the base's generator ``G`` (PennyLane's): ``U(t)^dagger = exp(-i t
        (-G))`` in the adjoint's own parameter ``t``.

        >>> import qsym as qml
        >>> qml.adjoint(qml.RY(0.3, wires=0)).generator()
        0.5 * Y(0)

        A base without a generator applied as one gate (the adjoint of an adjoint of a
        one-qubit ``AngleEmbedding`` is ``RY(t)``): that gate's generator in ``t``.
        """
        if getattr(self._base, "has_generator", False):
            return -1 * self._base.generator()
        gates = self._gates or ()
        if len(gates) == 1 and gates[0].has_generator:
            at_t = SymbolicOp.shift_gate.fget(self)  # the gate at its own parameter t
            if at_t is gates[0]:
                return at_t.generator()
            if at_t is not None:  # applied at -t: exp(i t G) = exp(-i t (-G))
                return -1 * at_t.generator()
        raise GeneratorUndefinedError(
            f"{self.name} has no generator: its base {self._base.name} has none and it is not "
            "applied as one gate of its parameters")


class PowOperation(SymbolicOp):
    """PennyLane's ``Pow(base, z)`` (what ``qml.pow(op, z)`` and ``op ** z`` return):
    applied as the gates of ``base.pow(z)``.

    >>> import qsym as qml
    >>> p = qml.X(0) ** 2
    >>> p, p.name, p.z, p.label(), p.table_gates, p.matrix().real
    (X(0)**2, 'PauliX**2', 2, 'X²', (), array([[1., 0.],
           [0., 1.]]))
    """

    compared_by_base = True  # qml.equal: the exponent, then the base (PennyLane's rule)
    _principal = False  # its gates are the principal matrix power (qsym._opmath.pow)
    _wrote_symbolic = False  # base.pow(z) gave symbolic operators (CNOT ** 0.5: C(SX))

    def __init__(self, base, gates, z):
        super().__init__(base, gates, base.wires, (("z", z),))
        self._z = z

    @property
    def shift_gate(self):
        """The gate it writes, for ``z = 1`` or ``-1`` only (the same parameters, or
        negated: the same frequencies); else None: ``U(t)**z`` is ``U(z t)``, its
        frequencies scaled by ``|z|``, although ``z t`` equals ``t`` at ``t = 0`` (the
        comparison of values :class:`SymbolicOp` makes would take the gate's rule there).

        >>> import qsym as qml
        >>> with qml.tape.QuantumTape() as tape:
        ...     p = qml.pow(qml.RX(0.0, wires=0), 2)
        ...     q = qml.pow(qml.RX(0.0, wires=0), -1)
        >>> [op.shift_gate is None for op in tape.operations]
        [True, False]
        """
        if np.ndim(self._z) != 0 or not any(self._z == k for k in (1, -1)):
            return None
        return super().shift_gate

    @property
    def parameter_frequencies(self) -> list:
        """The written gate's frequencies times ``|z|`` (PennyLane's, from the generator
        ``z G``): ``U(t)**z`` is ``U(z t)``, a function of ``t`` of ``|z|`` times the
        frequencies (they were the written gate's by its own parameter ``z t``).

        >>> import qsym as qml
        >>> with qml.tape.QuantumTape() as tape:
        ...     p = qml.pow(qml.RX(0.3, wires=0), 2)
        >>> tape.operations[0].parameter_frequencies
        [(2.0,)]
        """
        try:
            freqs = super().parameter_frequencies
        except ParameterFrequenciesUndefinedError:  # applied as the base repeated: the base's
            freqs = self._base.parameter_frequencies  # (in its own parameter, times |z| below)
        if len(freqs) != 1 or np.ndim(self._z) != 0 or isinstance(self._z, complex):
            raise ParameterFrequenciesUndefinedError(
                f"Operation {self.name} does not have parameter frequencies defined: a power "
                "of one real exponent of a one-parameter gate has them")
        z = abs(float(self._z))
        return [tuple(z * f for f in freqs[0])]

    @property
    def table_gates(self) -> tuple:
        """The gates of ``base.pow(z)``; none for a power that is not defined, or exponents
        whose number is not the base's batch size (the ``GateError`` of :attr:`batch_size`)."""
        if self._gates is None:
            self.batch_size  # noqa: B018  (raises for mismatched broadcasting)
        return SymbolicOp.table_gates.fget(self)

    def generator(self):
        """``z G`` of the base's generator ``G`` (PennyLane's): ``U(t)**z = exp(-i t z G)``
        in the base's parameter ``t``.

        >>> import qsym as qml
        >>> qml.pow(qml.RX(0.3, wires=0), 3).generator()
        -1.5 * X(0)
        """
        return self._z * self._base.generator()

    @property
    def z(self):
        """The exponent (PennyLane's ``Pow.z``)."""
        return self._z

    @property
    def batch_size(self):
        """The exponents' number (a broadcast ``z``), else the base's batch size
        (PennyLane's ``Pow.batch_size``).

        >>> import qsym as qml
        >>> qml.pow(qml.RX(0.1, wires=0), np.array([1.0, 2.0, 3.0])).batch_size
        3
        """
        base = getattr(self._base, "batch_size", None)
        if np.ndim(self._z) == 0:
            return base
        if base is not None and base != np.size(self._z):
            raise GateError("Broadcasting was attempted but the broadcasted dimensions do not "
                            f"match: {np.size(self._z)}, {base}.")
        return int(np.size(self._z))

    @property
    def ndim_params(self) -> tuple:
        """The base's (PennyLane's ``Pow.ndim_params``)."""
        return self._base.ndim_params

    @property
    def control_wires(self):
        """The base's (PennyLane's ``Pow(Toffoli, z).control_wires``)."""
        return self._base.control_wires

    @property
    def resource_params(self) -> dict:
        """PennyLane's ``Pow.resource_params``: the base's type and resource parameters, ``z``.

        >>> import qsym as qml
        >>> qml.pow(qml.X(0), 0.5).resource_params["z"]
        0.5
        """
        return {"base_class": resource_class(self._base), "base_params": self._base.resource_params,
                "z": self._z}

    @property
    def has_decomposition(self) -> bool:
        """PennyLane's: True for a positive integer ``z``, else whether ``base.pow(z)`` has
        gates (False for ``Hadamard ** 0.5``, whose power qsym applies as a matrix).

        >>> import qsym as qml
        >>> qml.pow(qml.X(0), 0.5).has_decomposition, qml.pow(qml.H(0), 0.5).has_decomposition
        (True, False)
        """
        z = self._z
        if isinstance(z, (int, np.integer)) and z > 0:
            return True
        if isinstance(self._base, Template):  # (PennyLane's Operator.pow: [] for z = 0)
            return self._gates is not None
        if np.ndim(z):
            return False
        try:
            with recording(Tape()):
                self._base.pow(z)
        except (PowUndefinedError, AttributeError):
            return False
        return True

    @property
    def is_verified_hermitian(self) -> bool:
        """True for a Hermitian base and an integer ``z`` (PennyLane answers the base's for
        any ``z``, which is wrong for ``X ** 0.5 = SX``; "verified" must not claim that).

        >>> import qsym as qml
        >>> qml.pow(qml.X(0), 0.5).is_verified_hermitian
        False
        """
        return _is_integer(self._z) and bool(getattr(self._base, "is_verified_hermitian", False))

    @property
    def has_adjoint(self) -> bool:
        """True for an integer ``z`` (PennyLane's type check: ``2.0`` is not an integer)."""
        return isinstance(self._z, (int, np.integer))

    def adjoint(self):
        """``Pow(adjoint(base), z)`` for an integer ``z`` (PennyLane's); else an
        ``AdjointUndefinedError``: a fractional power's adjoint depends on the branch cut.

        >>> import qsym as qml
        >>> qml.pow(qml.S(0), 2).adjoint()
        (Adjoint(S(0)))**2
        """
        if not self.has_adjoint:
            raise AdjointUndefinedError(
                "The adjoint of Pow operators only is well-defined for integer powers: "
                f"{self!r} has z = {self._z!r}; use qml.pow(qml.adjoint(base), z) for the power "
                "of the adjoint")
        with recording(Tape()):
            out = pow(adjoint(self._base), self._z)
        _record_gates(out)
        return out

    def matrix(self, wire_order=None) -> np.ndarray:
        """The matrix power of the base's (its gates' product for a gate of the table)."""
        if self._gates is not None:
            return super().matrix(wire_order)
        b = np.asarray(self._base.matrix(), dtype=complex)
        if isinstance(self._z, (int, np.integer)) and self._z >= 0:
            m = np.linalg.matrix_power(b, int(self._z))
        else:  # a batch of powers (z a list) gives a batch of matrices
            m = _eigen_power(self._base, self._z)
        return m if wire_order is None else expand_matrix(m, self.wires, wire_order)

    @property
    def name(self) -> str:
        return f"{self._base.name}**{self._z}"

    def __repr__(self):
        b = f"({self._base!r})" if self._base.arithmetic_depth else repr(self._base)
        return f"{b}**{self._z}"

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        b = self._base.label(decimals, base_label, cache)
        return f"({b})" + f"{self._z}".translate(_SUPERSCRIPT) if self._base.arithmetic_depth \
            else b + f"{self._z}".translate(_SUPERSCRIPT)

    def _remake(self, base, wire_map):
        return pow(base, self._z)

    def _flatten(self):
        """PennyLane's pytree form: ``((base,), (z,))``."""
        return (self._base,), (self._z,)

    @classmethod
    def _unflatten(cls, data, metadata):
        return pow(data[0], z=metadata[0])

    @property
    def pauli_rep(self):
        """The base's Pauli sentence to a positive integer power ``z`` (PennyLane's), else
        None.

        >>> import qsym as qml
        >>> qml.pow(qml.X(0) @ qml.Y(1), 2).pauli_rep
        1.0 * I
        """
        base = getattr(self._base, "pauli_rep", None)
        if base is None or not isinstance(self._z, (int, np.integer)) or self._z <= 0 \
                or getattr(self._base, "batch_size", None) is not None:
            return None
        out = base
        for _ in range(int(self._z) - 1):
            out = out @ base
        return out

    @property
    def has_diagonalizing_gates(self) -> bool:
        """The base's: a power shares its base's eigenbasis."""
        return bool(getattr(self._base, "has_diagonalizing_gates", False))

    def diagonalizing_gates(self) -> list:
        """The base's diagonalizing gates (``U S^z U^dagger`` shares ``U``)."""
        return self._base.diagonalizing_gates()

    def decomposition(self) -> list:
        """The gates it applies; of an operator of your own, ``base.pow(z)``, or the base
        repeated for a positive integer ``z`` (PennyLane's), else a
        ``DecompositionUndefinedError``. (A fractional power of numbers applied as its
        principal matrix power decomposes as PennyLane's: ``base.pow(z)``.) A product's
        power to a positive integer is the product repeated, as PennyLane's (a product has
        no ``pow``), not its gates.

        >>> import qsym as qml
        >>> qml.pow(qml.X(0) @ qml.Z(1), 2).decomposition()
        [X(0) @ Z(1), X(0) @ Z(1)]
        """
        if (isinstance(self._base, Prod) and isinstance(self._z, (int, np.integer))
                and self._z > 0):
            return [_user_copy(self._base) for _ in range(int(self._z))]
        if (self._gates is not None and not self._principal and not _flipped_gate(self._base)
                and not self._wrote_symbolic):
            return super().decomposition()  # (a flipped control: PennyLane's base.pow(z))
        try:
            return list(self._base.pow(self._z))
        except (PowUndefinedError, AttributeError):  # (an observable has no pow)
            if isinstance(self._z, (int, np.integer)) and self._z > 0:
                return [_user_copy(self._base) for _ in range(int(self._z))]
            raise DecompositionUndefinedError(
                f"{self.name} has no decomposition: {self._base.name} defines no pow({self._z!r})"
            ) from None
        except Exception as exc:  # PennyLane's: any failure of base.pow(z) (a batched z, ...)
            raise DecompositionUndefinedError(
                f"{self.name} has no decomposition: {self._base.name}.pow({self._z!r}) raised "
                f"{type(exc).__name__}: {exc}") from exc

    @property
    def has_sparse_matrix(self) -> bool:
        """PennyLane's: the base has a sparse matrix and ``z`` is an integer.

        >>> import qsym as qml
        >>> qml.pow(qml.X(0), 2).has_sparse_matrix, qml.pow(qml.X(0), 0.5).has_sparse_matrix
        (True, False)
        """
        return bool(getattr(self._base, "has_sparse_matrix", False)) and isinstance(
            self._z, (int, np.integer))

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002  (PennyLane's name)
        """The base's sparse matrix to the integer power ``z`` (PennyLane's
        ``Pow.sparse_matrix``, SciPy's); ``SparseMatrixUndefinedError`` for another exponent
        (PennyLane's: a fractional power is not sparse in general), a negative one or a base
        without a sparse matrix.

        >>> import qsym as qml
        >>> qml.pow(qml.S(0), 2).sparse_matrix().toarray().real  # doctest: +SKIP
        array([[ 1.,  0.],
               [ 0., -1.]])
        """
        if not self.has_sparse_matrix or self._z < 0:
            raise SparseMatrixUndefinedError(
                f"{self.name} has no sparse matrix (PennyLane's SparseMatrixUndefinedError): "
                "only a non-negative integer power of an operator with a sparse matrix has one; "
                "op.matrix() gives the dense matrix")
        base = self._base.sparse_matrix(format="csr")
        out = sparse_of(np.eye(base.shape[0], dtype=complex))
        for _ in range(int(self._z)):
            out = out @ base
        if wire_order is not None and order_list(wire_order) != list(self.wires):
            return sparse_of(expand_matrix(out.toarray(), self.wires, wire_order), format)
        return out.asformat(format)

    def simplify(self):
        """PennyLane's ``Pow.simplify``: by the Pauli sentence where there is one; else the
        simplified base's ``pow(z)`` (the identity for no operator, their product for
        several), or ``Pow`` of the simplified base where that power is not defined. Made
        aside, not applied.

        >>> import qsym as qml
        >>> qml.pow(qml.CNOT([0, 1]), 0).simplify(), qml.pow(qml.S(0), 2).simplify()
        (I([0, 1]), Z(0))
        """
        with recording(Tape()):
            rep = self.pauli_rep
            if rep is not None:
                rep.simplify()
                return rep.operation(wire_order=self.wires)
            base = self._base.simplify()
            try:
                ops = list(base.pow(self._z))
            except PowUndefinedError:
                try:
                    return pow(base, self._z)
                except PowUndefinedError:  # made before (a gate's matrix power): as it is
                    return self
            if not ops:
                return _made("Identity", (), self.wires)
            ops = [o.simplify() for o in ops]
            return prod(*ops) if len(ops) > 1 else ops[0]


class _ControlledOpType(type):
    """PennyLane's ``ControlledOp`` as a class: ``ControlledOp(base, control_wires, ...)``
    is ``Controlled(...)`` (PennyLane's signature; qsym's own constructions go through
    :meth:`ControlledOp.made`), and the controlled gates of the table (``CNOT``, ``CRX``, ...,
    PennyLane's subclasses of it) are instances."""

    def __call__(cls, *args, **kwargs):
        if cls is not ControlledOp and cls is not PlainControlled:
            return type.__call__(cls, *args, **kwargs)
        return _controlled_op(*args, **kwargs)

    def __instancecheck__(cls, obj):
        if cls is ControlledOp and _plain_operator(obj):
            return False  # PennyLane's Controlled of a plain Operator is not a ControlledOp
        return type.__instancecheck__(cls, obj) or (cls is ControlledOp and isinstance(
            obj, Operation) and (getattr(obj, "_ctrl_of", None) is not None
                                 or obj.name in CONTROLLED_TARGETS))


def _controlled_op(base, control_wires, control_values=None, work_wires=None,
                   work_wire_type="borrowed", id=None):
    """``ControlledOp(...)`` with PennyLane's arguments: the base controlled, not flattened;
    a ``ControlledOp`` even of a plain operator (PennyLane's: the class asked for)."""
    out = _make_ctrl(base, control_wires, control_values, work_wires, work_wire_type,
                     flatten=False)
    if type(out) is PlainControlled:
        out.__class__ = ControlledOp
    return out


class ControlledOp(SymbolicOp, metaclass=_ControlledOpType):
    """PennyLane's ``Controlled(base, control_wires, control_values)`` (what ``qml.ctrl``
    returns where PennyLane has no gate of its own for it): applied as the controlled
    gates of the table qsym wrote.

    >>> import qsym as qml
    >>> c = qml.ctrl(qml.S(1), control=0, control_values=0)
    >>> c, c.name, c.control_wires, c.target_wires, c.control_values
    (Controlled(S(1), control_wires=[0], control_values=[False]), 'C(S)', Wires([0]), Wires([1]), [False])
    """

    @classmethod
    def made(cls, base, gates, controls, values, work_wires=None, work_wire_type="borrowed"):
        """The operator ``qml.ctrl`` made: ``base`` controlled by ``controls`` on ``values``,
        applied as ``gates`` (the controlled gates of the table it wrote; None for an
        operator of your own, which qsym does not apply). Of a plain operator of yours
        (PennyLane's ``Operator``, not ``Operation``): a :class:`PlainControlled`, which
        is not a ``ControlledOp`` to ``isinstance``, as PennyLane's ``Controlled``."""
        if cls is ControlledOp and _plain_operator(base):
            cls = PlainControlled
        return type.__call__(cls, base, gates, controls, values, work_wires, work_wire_type)

    def __init__(self, base, gates, controls, values, work_wires=None, work_wire_type="borrowed"):
        self._values = tuple(bool(v) for v in values)
        self._work = Wires(() if work_wires is None else wires_tuple(work_wires))
        super().__init__(base, gates, tuple(controls) + tuple(base.wires),
                         (("control_wires", Wires(controls)), ("control_values", self._values),
                          ("work_wires", self._work), ("work_wire_type", work_wire_type)))

    @property
    def has_matrix(self) -> bool:
        """Whether the base has a matrix (PennyLane's rule)."""
        return bool(getattr(self._base, "has_matrix", True))

    def device_applies(self) -> bool:
        """Whether PennyLane's ``default.qubit`` applies it whole (its stopping condition:
        the operator has a matrix): ``qml.draw(..., level="device")`` keeps its box (a
        FlipSign's controlled Z on three or more controls, applied as H, MultiControlledX,
        H, is drawn as PennyLane's ``Controlled(Z)``)."""
        return self.has_matrix

    @property
    def resource_params(self) -> dict:
        """PennyLane's ``Controlled.resource_params``: the base's type and resource
        parameters, the numbers of controls, of zero controls and of work wires, and the work
        wires' type.

        >>> import qsym as qml
        >>> qml.ctrl(qml.S(1), control=0, control_values=0).resource_params["num_zero_control_values"]
        1
        """
        return {"base_class": resource_class(self._base),
                "base_params": getattr(self._base, "resource_params", None) or {},
                "num_control_wires": len(self._values),
                "num_zero_control_values": len([v for v in self._values if not v]),
                "num_work_wires": len(self._work),
                "work_wire_type": dict(self.hyper)["work_wire_type"]}

    @property
    def has_sparse_matrix(self) -> bool:
        """Whether the base has a sparse or a dense matrix (PennyLane's rule)."""
        return bool(getattr(self._base, "has_sparse_matrix", False)
                    or getattr(self._base, "has_matrix", True))

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002  (PennyLane's name)
        """The matrix in SciPy's sparse ``format``; PennyLane's ``SparseMatrixUndefinedError``
        when the base has neither a sparse nor a dense matrix."""
        if not self.has_sparse_matrix:
            raise SparseMatrixUndefinedError(
                f"{self.name} has no sparse matrix (PennyLane's SparseMatrixUndefinedError): its "
                f"base {self._base.name} has no matrix; define its compute_matrix or "
                "compute_sparse_matrix")
        return super().sparse_matrix(wire_order=wire_order, format=format)

    @property
    def has_decomposition(self) -> bool:
        """Whether there are gates to decompose into: the table's, or the base's
        decomposition controlled (an operator of your own with one)."""
        return self._gates is not None or not all(self._values) or bool(
            getattr(self._base, "has_decomposition", False))

    @property
    def grad_method(self):
        """The base's (PennyLane's rule; a template's: None, gradient transforms decompose it)."""
        return _base_grad_method(self._base, self.num_params)

    def decomposition(self) -> list:
        """The table gates it applies; of a base of your own, each gate of the base's
        decomposition controlled the same way (PennyLane's decomposition of a
        ``Controlled`` whose base has no controlled form). With a control on 0: ``X`` on
        those controls around the decomposition of the operator controlled on 1s
        (PennyLane's), that operator itself if it has none."""
        if not all(self._values):
            return self._flipped_decomposition()
        if self._base.name == "Identity":  # PennyLane's: the identity on all the wires
            return [GATE_CLASSES["Identity"](wires=list(self.wires))]
        if self._base.name == "GlobalPhase" and len(self._base.params) == 1:
            return self._global_phase_decomposition()
        if self._gates is None and not getattr(self._base, "has_decomposition", False):
            raise DecompositionUndefinedError(
                f"{self.name} has no decomposition: its base {self._base.name} has none and is "
                "not a gate of qsym's table (define compute_decomposition, or qml.define_gate)")
        if vars(self).get("_wraps"):  # Controlled(X(1), 0) etc.: PennyLane's decomposition
            # of a Controlled that qml.ctrl writes as a gate of its own is that gate's
            # (compute_decomposition), [CNOT] for one control on an X (CNOT has none)
            gate = self.table_gates[0]
            return super().decomposition() if gate.name == "CNOT" else gate.decomposition()
        own = getattr(type(self._base), "_controlled", None)  # PennyLane's: one control, a
        if len(self._values) == 1 and own is not None and own is not Operation._controlled \
                and not type.__instancecheck__(ControlledOp, self._base):  # a form of its own
            return [self._base._controlled(self.control_wires[0])]
        special = METHODS.get("controlled_su2_decomposition")  # (qsym._controlled_decompositions)
        su2 = None if self._gates is None or special is None else special(self)
        if su2 is not None:
            return su2
        if not getattr(self._base, "has_decomposition", False) or (
                self._gates is not None and not _decomposes_numerically(self._base)):
            return super().decomposition()
        with recording(Tape()):
            parts = list(self._base.decomposition())
        return [ctrl(g, control=list(self.control_wires), work_wires=list(self._work) or None,
                     work_wire_type=self.work_wire_type) for g in parts]

    def _global_phase_decomposition(self) -> list:
        """PennyLane's: a controlled ``GlobalPhase(t)`` is ``PhaseShift(-t)`` on the last
        control, controlled by the others (Barenco et al., Lemma 5.2); recorded where this
        is called."""
        with recording(Tape()):
            shift = _make("PhaseShift", (_neg(self._base.params[0]),), self.control_wires[-1:])
        if len(self._values) == 1:
            tape = active_tape()
            if tape is not None:
                tape.append(shift)
            return [shift]
        return [ctrl(shift, control=list(self.control_wires[:-1]))]

    def adjoint(self):
        """PennyLane's: the base's ``adjoint()`` controlled the same way, recorded where it
        is called (``Controlled(RX(x), 0).adjoint()`` is ``CRX(-x)``); a base of the table
        without an ``adjoint()`` of its own in PennyLane (``S``, ``T``, ``SX``, a template) is
        inverted gate by gate (its ``Adjoint``; PennyLane raises ``AdjointUndefinedError``)."""
        if self._gates is not None and not _own_adjoint(self._base):
            return super().adjoint()
        with recording(Tape()):
            inverse = self._base.adjoint()
        return ctrl(inverse, list(self.control_wires), list(self._values),
                    work_wires=list(self._work) or None, work_wire_type=self.work_wire_type)

    def pow(self, z) -> list:
        """PennyLane's: each operator of the base's ``pow(z)`` controlled the same way,
        recorded where it is called (``Controlled(RX(x), 0).pow(2)`` is ``[CRX(2x)]``); a
        base of the table without a power of that exponent gives ``[op ** z]``."""
        if self._gates is not None and not callable(getattr(self._base, "pow", None)):
            return super().pow(z)  # (a template)
        try:
            with recording(Tape()):
                powers = list(self._base.pow(z))
        except PowUndefinedError:
            if self._gates is None:
                raise
            return super().pow(z)
        return [ctrl(p, list(self.control_wires), list(self._values),
                     work_wires=list(self._work) or None, work_wire_type=self.work_wire_type)
                for p in powers]

    @property
    def has_generator(self) -> bool:
        """Applied as one gate: that gate's; else the base's (PennyLane's rule)."""
        if len(self._gates or ()) == 1:
            return self._gates[0].has_generator
        return bool(getattr(self._base, "has_generator", False))

    def generator(self):
        """Applied as one gate: that gate's generator; else the projectors of the
        controls on their values times the base's generator (PennyLane's)."""
        if len(self._gates or ()) == 1:
            return self._gates[0].generator()
        from ._operations import Projector

        obs, factor = generator(self._base, "prefactor")  # the scalar kept outside
        with recording(Tape()):
            parts = [Projector([int(v)], wires=w) for w, v in zip(self.control_wires, self._values)]
            return s_prod(factor, prod(*parts, obs))

    def simplify(self):
        """PennyLane's: the base simplified and controlled again (a controlled base's
        controls joined to these); a base that simplifies to the identity is that
        identity. Made where it is called.

        >>> import qsym as qml
        >>> qml.ops.op_math.Controlled(qml.ops.op_math.Controlled(qml.S(0), 1), 2).simplify()
        Controlled(S(0), control_wires=[2, 1])
        """
        base = self._base.simplify()  # (ctrl takes it off the tape again)
        if getattr(base, "name", None) == "Identity":
            return base
        return ctrl(base, list(self.control_wires), list(self._values),
                    work_wires=list(self._work) or None, work_wire_type=self.work_wire_type)

    def _flipped_decomposition(self) -> list:
        """``X`` on the controls on 0, the operator controlled on 1s decomposed (itself
        if it has no decomposition), ``X`` again; recorded where this is called."""
        zeros = [w for w, v in zip(self.control_wires, self._values) if not v]
        with recording(Tape()):
            ones = _make_ctrl(self._base, list(self.control_wires), None, list(self._work) or None,
                              self.work_wire_type, flatten=False)
        out = [GATE_CLASSES["PauliX"](wires=w) for w in zeros]
        try:
            out += ones.decomposition()
        except DecompositionUndefinedError:
            if not _no_gates(ones):
                _record_gates(ones)
            out.append(ones)
        return out + [GATE_CLASSES["PauliX"](wires=w) for w in zeros]

    @property
    def hyperparameters(self) -> dict:
        return {**dict(self.hyper), "control_values": list(self._values)}

    def _flatten(self):
        """PennyLane's pytree form: ``((base,), (control_wires, control_values, work_wires,
        work_wire_type))``, the metadata hashable.

        >>> import qsym as qml
        >>> qml.ctrl(qml.S(1), control=0, control_values=0)._flatten()
        ((S(1),), (Wires([0]), (False,), Wires([]), 'borrowed'))
        """
        return (self._base,), (self.control_wires, self._values, self._work, self.work_wire_type)

    @classmethod
    def _unflatten(cls, data, metadata):
        return _make_ctrl(data[0], metadata[0], list(metadata[1]), list(metadata[2]) or None,
                          metadata[3], flatten=False)

    @property
    def control_wires(self):
        return Wires(self.wires[: len(self._values)])

    @property
    def target_wires(self):
        return Wires(self.wires[len(self._values):])

    @property
    def control_values(self) -> list:
        return list(self._values)

    @property
    def work_wires(self):
        """The ``work_wires`` given to ``qml.ctrl`` (qsym applies the controlled gates
        exactly and needs none)."""
        return self._work

    @property
    def work_wire_type(self) -> str:
        """The ``work_wire_type`` given to ``qml.ctrl`` (``"borrowed"`` or ``"zeroed"``)."""
        return dict(self.hyper)["work_wire_type"]

    @property
    def _control_int(self) -> int:
        """PennyLane's: the control values as an integer (the first control most significant)."""
        return builtins.sum(2 ** i for i, v in enumerate(reversed(self._values)) if v)

    @property
    def has_adjoint(self) -> bool:
        """The base's (PennyLane's rule)."""
        return bool(getattr(self._base, "has_adjoint", True))

    @property
    def has_diagonalizing_gates(self) -> bool:
        """The base's (PennyLane's rule)."""
        return bool(getattr(self._base, "has_diagonalizing_gates", False))

    def diagonalizing_gates(self) -> list:
        """PennyLane's: the base's diagonalizing gates (a controlled operator is diagonal on
        its controls, so the base's eigenbasis diagonalizes it: ``Controlled(X(0), [1, 2])``
        by ``H(0)``); a ``DiagGatesUndefinedError`` for a base without them.

        >>> import qsym as qml
        >>> qml.ops.op_math.Controlled(qml.X(0), [1, 2]).diagonalizing_gates()
        [H(0)]
        """
        if not self.has_diagonalizing_gates:
            raise DiagGatesUndefinedError(
                f"{self.name} has no diagonalizing gates (PennyLane's DiagGatesUndefinedError): "
                f"its base {self._base.name} has none")
        return self._base.diagonalizing_gates()

    @property
    def _queue_category(self):
        """The base's (PennyLane's rule)."""
        return getattr(self._base, "_queue_category", "_ops")

    @property
    def batch_size(self):
        """The base's broadcast batch size (PennyLane's rule)."""
        return getattr(self._base, "batch_size", None)

    def eigvals(self) -> np.ndarray:
        """PennyLane's ``Controlled.eigvals``: ones for the states the control leaves
        alone, then the base's eigenvalues.

        >>> import qsym as qml
        >>> qml.ctrl(qml.Z(0), control=[1, 2], control_values=[0, 1]).eigvals()
        array([ 1.,  1.,  1.,  1.,  1.,  1.,  1., -1.])
        """
        with not_recording():
            return controlled_eigenvalues(self._base.eigvals(), len(self.wires))

    def matrix(self, wire_order=None) -> np.ndarray:
        """The identity, with the base's matrix where the controls hold their values."""
        given = getattr(self._base, "sparse_given", None)  # a QubitUnitary given sparse
        u = self._base.matrix() if given is None else given.toarray()
        at_values = int("".join(str(int(v)) for v in self._values), 2)
        if isinstance(u, Box) and np.ndim(getval(u)) == 2 and len(self._base.wires):
            # autograd's values (a tape made outside any circuit, under qml.grad): the
            # same matrix, I - E (x) I_d + E (x) u (E the controls' projector), by autograd
            k, d = len(self._values), np.shape(getval(u))[-1]
            sel = np.zeros((2**k, 2**k))
            sel[at_values, at_values] = 1.0
            m = np.eye(2**k * d) - np.kron(sel, np.eye(d)) + anp.kron(sel, u)
            if wire_order is None or order_list(wire_order) == list(self.wires):
                return m
            return expand_matrix(m, self.wires, wire_order)
        u = np.asarray(u, dtype=complex)
        if not len(self._base.wires):  # a GlobalPhase on no wire: its phase, a 1x1 block
            u = u[..., :1, :1]
        k, d = len(self._values), u.shape[-1]
        m = np.zeros(u.shape[:-2] + (2**k * d, 2**k * d), dtype=complex)
        m[..., range(2**k * d), range(2**k * d)] = 1
        at = at_values * d
        m[..., at:at + d, at:at + d] = u
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return m
        return expand_matrix(m, self.wires, wire_order)

    @property
    def name(self) -> str:
        return f"C({self._base.name})"

    def __repr__(self):
        work = f", work_wires={list(self._work)}" if len(self._work) else ""
        values = "" if all(self._values) else f", control_values={list(self._values)}"
        return f"Controlled({self._base!r}, control_wires={list(self.control_wires)}{work}{values})"

    def _remake(self, base, wire_map):
        """PennyLane's ``Controlled(base, ...)`` again (its ``bind_new_parameters`` and its
        data setter keep the class: ``Controlled(RX(x), 0)`` stays one, never a ``CRX``)."""
        return _make_ctrl(base, [wire_map.get(w, w) for w in self.control_wires],
                          list(self._values), [wire_map.get(w, w) for w in self._work] or None,
                          dict(self.hyper)["work_wire_type"], flatten=False)

    def map_wires(self, wire_map: dict):
        """PennyLane's: ``qml.ctrl`` of the base's ``map_wires`` on the mapped controls (so
        ``Controlled(RX(x), 0).map_wires(...)`` is a ``CRX``, as ``qml.ctrl`` makes it)."""
        if type(self)._remake is not ControlledOp._remake:  # (ControlledQubitUnitary's own)
            return super().map_wires(wire_map)
        with recording(aside_tape()):  # (autograd boxes kept outside any circuit)
            return ctrl(self._base.map_wires(wire_map),
                        [wire_map.get(w, w) for w in self.control_wires], list(self._values),
                        work_wires=[wire_map.get(w, w) for w in self._work] or None,
                        work_wire_type=dict(self.hyper)["work_wire_type"])


# --- PennyLane's ControlledQubitUnitary: Controlled of a QubitUnitary ------------------------
def _decomposes_numerically(base) -> bool:
    """Whether a table gate's decomposition can be controlled gate by gate: no circuit input
    among its parameters (those keep the controlled gates of the table)."""
    return not any(isinstance(p, sp.Basic) and p.free_symbols for p in getattr(base, "params", ()))


def _bits(control_values, n: int) -> tuple:
    """``ControlledQubitUnitary``'s control values: ``None`` (all 1), one 0/1 or bool, a list
    of them, or a string of bits (``"01"``: the first control on 0, the second on 1, as
    PennyLane's documentation describes it), one per control wire."""
    if control_values is None:
        return (True,) * n
    if isinstance(control_values, str):
        if set(control_values) - {"0", "1"}:
            raise GateError(f"ControlledQubitUnitary: a string of control values has only the "
                            f"characters 0 and 1; got {control_values!r}")
        control_values = [int(c) for c in control_values]
    elif isinstance(control_values, (bool, numbers.Integral, np.integer, np.bool_)):
        control_values = [control_values]
    values = list(control_values)
    if len(values) != n:
        raise GateError(f"ControlledQubitUnitary: control_values should be the same length as "
                        f"control_wires: {len(values)} value(s) for the {n} control wire(s)")
    if any(v not in (0, 1) for v in values):
        raise GateError(f"ControlledQubitUnitary: control values are 0 or 1 (or bools); got "
                        f"{control_values!r}")
    return tuple(bool(v) for v in values)


def _base_matrix(base):
    """The matrix a ``ControlledQubitUnitary`` is given: an array (a stack of them: a
    broadcast), a SciPy sparse matrix, or a ``QubitUnitary`` (taken off the tape)."""
    if isinstance(base, Operation):
        if base.name != "QubitUnitary":
            # PennyLane 0.45 refuses every operator ("Base must be a matrix."); before 0.41 an
            # operator's own wires were the targets and ``wires`` the controls, so taking its
            # matrix onto the last of ``wires`` would silently move it
            raise GateError(
                f"ControlledQubitUnitary: Base must be a matrix; got the operator {base!r}. "
                f"To control it, use qml.ctrl({base.name}(..., wires=...), control=[...]); or "
                f"give its matrix, qml.matrix(op), with wires= the control wires then its wires")
        _take_off_tape(base)
        given = getattr(base, "sparse_given", None)  # a QubitUnitary given sparse: as given
        return given if given is not None else base.matrix()
    if is_sparse_matrix(base):
        return base
    if not hasattr(base, "__len__") and not hasattr(base, "__array__"):
        raise GateError(f"ControlledQubitUnitary: Base must be a matrix (an array of numbers, "
                        f"or a QubitUnitary); got {base!r}")
    U = np.asarray(base)
    if U.ndim not in (2, 3) or U.shape[-1] != U.shape[-2] or U.shape[-1] & (U.shape[-1] - 1) \
            or U.shape[-1] < 2:
        raise GateError("ControlledQubitUnitary: the base must be a square 2**t x 2**t matrix "
                        f"(or a stack of them); got shape {U.shape}")
    return U



class PlainControlled(ControlledOp):
    """PennyLane's ``Controlled`` of a plain ``qml.operation.Operator`` of yours: qsym's
    :class:`ControlledOp` in all but ``isinstance(op, ControlledOp)``, which is false as in
    PennyLane (no ``Operation`` mixin without an ``Operation`` base)."""


PlainControlled.__name__ = PlainControlled.__qualname__ = "Controlled"

class ControlledQubitUnitary(ControlledOp):
    """PennyLane's ``qml.ControlledQubitUnitary(base, wires, control_values=None,
    unitary_check=False, work_wires=(), work_wire_type="borrowed")``: the unitary ``base``
    (a ``2**t x 2**t`` matrix, a stack of them to broadcast, or a ``QubitUnitary`` on those
    wires; another operator is PennyLane 0.45's "Base must be a matrix", a
    :class:`~qsym.errors.GateError`) on the last ``t`` of ``wires``, controlled by the others (``control_values``: the control
    state, one 0/1 or bool per control wire or a string of bits; default all 1). It is
    PennyLane's ``Controlled`` of a ``QubitUnitary`` (``.base``, ``.control_wires``,
    ``.target_wires``, ``.control_values``, ``data == (base matrix,)``), what
    ``qml.ctrl`` makes of a ``QubitUnitary``; in a circuit it is applied as one
    ``QubitUnitary`` of the controlled matrix (``X`` on the controls that are 0 around it).

    >>> op = ControlledQubitUnitary(np.array([[0, 1], [1, 0]]), wires=[0, 2, 1], control_values=[1, 0])
    >>> op.name, op.control_wires, op.target_wires, op.control_values
    ('ControlledQubitUnitary', Wires([0, 2]), Wires([1]), [True, False])
    >>> op.matrix().real.astype(int)[4:6, 4:6]   # wire 0 is 1, wire 2 is 0: X on wire 1
    array([[0, 1],
           [1, 0]])
    """

    def __init__(self, base, wires, control_values=None, unitary_check=False, work_wires=(),
                 work_wire_type="borrowed", id=None):
        if wires is None:
            raise ArgumentError("ControlledQubitUnitary: Must specify a set of wires. None is "
                                "not a valid `wires` label: give the control wires, then the "
                                "target wires")
        U, all_wires = _base_matrix(base), wires_tuple(wires)
        t = U.shape[-1].bit_length() - 1
        if len(all_wires) <= t:
            raise WireError(
                f"ControlledQubitUnitary: wires must list the control wires then the {t} "
                f"target wire(s) of the {U.shape[-1]}x{U.shape[-1]} base; got {list(all_wires)}")
        controls, targets = all_wires[:-t], all_wires[-t:]
        if isinstance(base, Operation) and tuple(base.wires) != tuple(targets):
            raise WireError(
                f"ControlledQubitUnitary: the QubitUnitary acts on {list(base.wires)} but "
                f"wires={list(all_wires)} puts its matrix on {list(targets)} (wires lists the "
                f"control wires, then the target wires: PennyLane 0.45's form); give "
                f"wires={list(w for w in all_wires if w not in base.wires) + list(base.wires)}"
                f", or use qml.ctrl(op, control=[...])")
        if len(set(all_wires)) != len(all_wires):
            raise WireError(f"ControlledQubitUnitary: the control wires {list(controls)} and the "
                            f"target wires {list(targets)} must all be different")
        values = _bits(control_values, len(controls))
        with recording(Tape()):
            unitary = GATE_CLASSES["QubitUnitary"](U, wires=list(targets),
                                                    unitary_check=unitary_check)
        self._sparse, self._matrix = is_sparse_matrix(U), U  # (as given: PennyLane's data)
        flips = [_make("PauliX", (), (c,)) for c, v in zip(controls, values) if not v]
        gates = flips + _controlled_ops(unitary, controls) + [g.remake() for g in flips]
        super().__init__(unitary, gates, controls, values, work_wires, work_wire_type)
        self.id = id
        labeller = _Powered(self, "")  # drawn as PennyLane draws it: one box, its label
        for g in gates:
            add_draw_group(g, ("ctrl-values", BoxKey(self)), labeller, tuple(self.wires),
                           tuple(controls), tuple(int(v) for v in values))
        _controlled_boxes(base if isinstance(base, Operation) else unitary, gates, controls,
                          values, object())  # (the boxes the given gate is drawn in)

    @property
    def name(self) -> str:
        return "ControlledQubitUnitary"

    resource_keys = frozenset({"num_target_wires", "num_control_wires", "num_zero_control_values",
                               "num_work_wires", "work_wire_type"})  # PennyLane's

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the numbers of target, control and work wires, of zero control
        values, and the work wires' type (not ``Controlled``'s base class and parameters)."""
        return {"num_target_wires": len(self.target_wires),
                "num_control_wires": len(self.control_wires),
                "num_zero_control_values": len([v for v in self.control_values if not v]),
                "num_work_wires": len(self.work_wires), "work_wire_type": self.work_wire_type}

    @property
    def data(self) -> tuple:
        """PennyLane's: ``(base matrix,)``, as given."""
        return (self._matrix,)

    @property
    def parameters(self) -> list:
        return list(self.data)

    @property
    def num_params(self) -> int:
        return 1

    @num_params.setter
    def num_params(self, value) -> None:  # set by SymbolicOp.__init__ (the base's: none)
        pass

    @property
    def ndim_params(self) -> tuple:
        return (2,)

    @property
    def has_decomposition(self) -> bool:
        """PennyLane's: none for a sparse base."""
        return not self._sparse

    def decomposition(self) -> list:
        """The gates it applies (copies, recorded where this is called): ``X`` on the
        controls that are 0, the ``QubitUnitary`` of the controlled matrix, the ``X`` again."""
        if self._sparse:
            raise DecompositionUndefinedError(
                "ControlledQubitUnitary of a sparse matrix has no decomposition (PennyLane's); "
                "give the matrix as an array to decompose it")
        return super().decomposition()

    def _with_matrix(self, U):
        return ControlledQubitUnitary(U, wires=list(self.wires), control_values=self.control_values,
                                      work_wires=list(self.work_wires),
                                      work_wire_type=self.work_wire_type)

    def adjoint(self):
        """PennyLane's: the ``ControlledQubitUnitary`` of the base's inverse, recorded where
        it is called."""
        return self._with_matrix(np.swapaxes(np.conj(self._base.matrix()), -1, -2))

    def pow(self, z) -> list:
        """PennyLane's: ``[ControlledQubitUnitary(U ** z)]``, recorded where it is called
        (an integer power, or the principal fractional power of one matrix; a broadcast
        base to a fractional power is a ``PowUndefinedError``)."""
        if np.ndim(z) == 0 and z == 0:
            return []
        return [self._with_matrix(_matrix_power(self._base, z))]

    def _controlled(self, wire):
        """PennyLane's: the same unitary with ``wire`` as one more control (the first)."""
        wires = wires_tuple(wire)
        return ControlledQubitUnitary(self._matrix, wires=list(wires) + list(self.wires),
                                      control_values=[True] * len(wires) + self.control_values,
                                      work_wires=list(self.work_wires),
                                      work_wire_type=self.work_wire_type)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's label, ``"U"`` (with a drawing cache: the index of the base matrix)."""
        return matrix_label(base_label or "U", self._matrix, cache)

    def _remake(self, base, wire_map):
        wires = [wire_map.get(w, w) for w in self.control_wires] + list(base.wires)
        return ControlledQubitUnitary(base.matrix(), wires=wires, control_values=self.control_values,
                                      work_wires=[wire_map.get(w, w) for w in self.work_wires],
                                      work_wire_type=self.work_wire_type)


# --- PennyLane's symbolic operator classes -------------------------------------------------
class _Marked(type):
    """``isinstance(op, Adjoint)`` etc.: true for the gates ``qml.adjoint``, ``qml.ctrl``,
    ``qml.pow`` made (qsym writes them as gates of the table, which remember their base)."""

    def __instancecheck__(cls, obj):
        if isinstance(obj, Observable):  # a sum or product qml.adjoint made: Adjoint
            return cls._marks_observable(obj)
        return isinstance(obj, Operation) and cls._marks(obj)

    _marks_observable = staticmethod(lambda obj: False)


class Adjoint(metaclass=_Marked):
    """PennyLane's ``qml.ops.op_math.Adjoint``: ``Adjoint(op)`` is ``qml.adjoint(op)``
    (an :class:`AdjointOperation`, applied as the inverse gates of the table); the gates
    written by ``qml.adjoint(op, lazy=False)`` are ``Adjoint`` too, their ``.base`` ``op``.

    >>> import qsym as qml
    >>> a = qml.adjoint(qml.S(0))
    >>> a, isinstance(a, qml.ops.op_math.Adjoint), a.base
    (Adjoint(S(0)), True, S(0))
    """

    _marks = staticmethod(lambda op: isinstance(op, AdjointOperation)
                          or getattr(op, "_adjoint_of", None) is not None)
    _marks_observable = staticmethod(lambda obj: getattr(obj, "_adjoint_base", None) is not None)

    def __new__(cls, base, id=None):
        return adjoint(base)


class Controlled(metaclass=_Marked):
    """PennyLane's ``qml.ops.op_math.Controlled``: ``Controlled(op, control_wires)`` is
    ``qml.ctrl(op, control_wires)``; the controlled gates of the table (``CNOT``, ``CRX``,
    ``Toffoli``, ...) are ``Controlled`` too, as in PennyLane, ``.base`` their target gate.

    >>> import qsym as qml
    >>> c = qml.ctrl(qml.RX(0.1, wires=1), control=0)
    >>> c, isinstance(c, qml.ops.op_math.Controlled), c.base, c.control_wires
    (CRX(0.1, wires=[0, 1]), True, RX(0.1, wires=[1]), Wires([0]))
    """

    _marks = staticmethod(lambda op: type.__instancecheck__(ControlledOp, op)
                          or isinstance(op, ControlledOp) or getattr(op, "_ctrl_of", None)
                          is not None or op.name in CONTROLLED_TARGETS)

    def __new__(cls, base, control_wires, control_values=None, work_wires=None,
                work_wire_type="borrowed", id=None):
        return _make_ctrl(base, control_wires, control_values, work_wires, work_wire_type,
                          flatten=False)


class Pow(metaclass=_Marked):
    """PennyLane's ``qml.ops.op_math.Pow``: ``Pow(op, z)`` is ``qml.pow(op, z)``; ``.base``
    and ``.z`` are kept.

    >>> import qsym as qml
    >>> p = qml.pow(qml.RX(0.3, wires=0), 2)
    >>> p, isinstance(p, qml.ops.op_math.Pow), p.base, p.z
    (RX(0.3, wires=[0])**2, True, RX(0.3, wires=[0]), 2)
    """

    _marks = staticmethod(lambda op: isinstance(op, PowOperation)
                          or getattr(op, "_pow_of", None) is not None)

    def __new__(cls, base, z=1, id=None):
        return pow(base, z)


def _commute(w1: tuple, w2: tuple) -> bool:
    """Whether two Pauli words commute: an even number of wires with different letters."""
    a = dict(w1)
    return len([w for w, p in w2 if w in a and a[w] != p]) % 2 == 0


def _rotation(word: tuple, theta):
    """``exp(-i theta/2 P)`` of a Pauli word ``P`` as PennyLane writes it: RX/RY/RZ on one
    wire, else a PauliRot (a GlobalPhase for the identity); not recorded."""
    with recording(Tape()):
        if not word:
            return GATE_CLASSES["GlobalPhase"](theta / 2)
        if len(word) == 1:
            (w, p), = word
            return GATE_CLASSES["R" + p](theta, wires=w)
        return GATE_CLASSES["PauliRot"](theta, wires=[w for w, _ in word],
                                        pauli_word="".join(p for _, p in word))


_PAULI_2X2 = {"X": np.array([[0, 1], [1, 0]], dtype=complex),
              "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
              "Z": np.array([[1, 0], [0, -1]], dtype=complex)}


def _word_matrix(word: tuple, wires: list) -> np.ndarray:
    """The matrix of a Pauli word (``((wire, letter), ...)``) on ``wires`` (the first the
    most significant)."""
    letters = dict(word)
    m = np.ones((1, 1), dtype=complex)
    for w in wires:
        m = np.kron(m, _PAULI_2X2[letters[w]] if w in letters else np.eye(2))
    return m


def _exp_of(m: np.ndarray, coeff) -> np.ndarray:
    """``exp(coeff * m)`` by the eigendecomposition of ``m``."""
    w, v = np.linalg.eig(m)
    return (v * np.exp(complex(coeff) * w)) @ np.linalg.inv(v)


class Exp:
    """``exp(coeff * base)`` (PennyLane's ``qml.exp`` and ``qml.ops.op_math.Exp``) of an
    operator with a Pauli form. Made in a circuit it is applied when ``coeff * base`` is
    anti-Hermitian (``coeff`` imaginary): commuting Pauli words as one rotation per word
    (RX/RY/RZ, ``PauliRot``), exactly; others by the base's eigenbasis (its coefficients
    circuit inputs: traced per call, exact first derivatives, :meth:`_gates_at_call`;
    docs/pennylane.md); otherwise refused.

    >>> import qsym as qml
    >>> E = qml.exp(qml.X(0), -0.5j)
    >>> E, E.decomposition()
    (Exp((-0-0.5j) PauliX), [RX(1.0, wires=[0])])
    >>> np.allclose(E.matrix(), [[np.cos(0.5), -1j * np.sin(0.5)], [-1j * np.sin(0.5), np.cos(0.5)]])
    True
    """

    name = "Exp"
    has_matrix = True
    has_sparse_matrix = True  # PennyLane's (its Exp defines sparse_matrix, for every base)

    def __eq__(self, other):
        """``qml.equal`` (PennyLane's ``op1 == op2`` of operators): the same class, an
        equal base and coefficient; so lists of exponentials compare as PennyLane's.

        >>> import qsym as qml
        >>> qml.evolve(qml.Z(0), 0.25) == qml.evolve(qml.Z(0), 0.25), qml.exp(qml.Z(0), 1j) == qml.exp(qml.Z(0), 2j)
        (True, False)
        """
        if not isinstance(other, Exp):
            return NotImplemented
        return compare(self, other) is True

    def __hash__(self):
        return self.hash

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash`` of an exponential: of its class name, the base's hash and
        the coefficient's text (equal for equal exponentials)."""
        return hash((self.name, self.base.hash, str(self.coeff)))
    _queue_category = "_ops"  # PennyLane's: an exponential is an operation of the circuit
    # whether a user's queue (a QNode's tape) holds the operator itself rather than the
    # rotations it applies: Evolution's real parameter is a tape parameter every gradient
    # method takes; an Exp's coefficient stays its rotations' angles (qsym differentiates a
    # traced imaginary coefficient, PennyLane's tape methods give 0: docs/pennylane.md)
    _queued_whole = False

    def __init__(self, base, coeff=1.0, num_steps=None, id=None):
        if not isinstance(base, (Operation, Observable)):
            raise ArgumentError(f"The base is expected to be of type Operator, but received "
                                f"{type(base).__name__}: qml.exp takes an operator, e.g. "
                                "qml.exp(qml.X(0), -0.5j)")
        self.base, self.coeff, self.num_steps, self.id = base, coeff, num_steps, id
        tape = active_tape()
        if tape is None:
            return
        try:
            obs = self._pauli_form(base)  # a gate with a Pauli form leaves the tape here
            for t in recording_tapes():  # ... and is used: not a dropped observable (on
                t.measured(obs._gates)  # the tape it was made on too: qml.adjoint(qml.exp)(H, c))
            root = recording_root()
            if (root is None or getattr(root, "log", None) is None) and self._hermitian():
                # in a circuit, exp(c H) of a real c: a measurement takes it as its
                # observable (PennyLane's); else refused when the circuit is traced
                tape.unqueue((base,))
                tape.hold(self, f"{self!r} is not unitary (coeff * base is Hermitian, not "
                                "anti-Hermitian): qsym cannot apply it as a gate (PennyLane "
                                "applies its matrix, which does not keep the state normalized); "
                                "measure it (qml.expval(qml.exp(H, c)) is the observable "
                                "exp(c H)) or use an imaginary coeff, e.g. qml.exp(P, 1j * t)")
                return
            gates = self._rotations()
        except GateError:
            root = recording_root()
            if root is None or getattr(root, "log", None) is None:
                raise  # in a circuit: not applied as rotations, refused
            # a user's queue or tape (no circuit runs): recorded as written, PennyLane's;
            # running it refuses it (its _rotations)
            tape.unqueue((base,))
            tape.append(self)
            return
        tape.unqueue((base,))  # an operator sum or product too leaves a user's queue (PennyLane's)
        for g in gates:
            tape.append(g)
            # drawn as PennyLane draws its tape's operator: one box, Exp(c B) (qml.draw)
            add_draw_group(g, BoxKey(self), self, self.wires)
        self._applied = tuple(gates)  # (qml.adjoint of it takes them back, qml.ctrl controls)
        if self._queued_whole:  # PennyLane's queue (a QNode's tape, qml.tape.QuantumTape):
            take_over(self, gates)  # the evolution is one entry, not the rotations it applies

    def device_applies(self) -> bool:
        """Whether PennyLane's ``default.qubit`` applies the exponential as one matrix
        (its stopping condition: the operator has a matrix, as an exponential of an
        operator with one has): ``qml.draw(..., level="device")`` keeps its box."""
        return bool(getattr(self.base, "has_matrix", True))

    def _exponent_terms(self):
        """``{word: c h}``: the exponent ``coeff * base`` as Pauli words (numbers,
        autograd boxes or sympy expressions of the circuit inputs)."""
        out, coeff = {}, self.coeff
        if isinstance(coeff, np.ndarray) and coeff.ndim == 0:
            coeff = coeff[()]  # (a 0-d array, qml.evolve(G, np.array(t)): its number)
        for word, h in self._pauli_form(self.base).terms.items():
            if isinstance(coeff, (Traced, sp.Basic)) or isinstance(h, sp.Basic):
                out[word] = sp.expand(sp.sympify(coeff * h))
            else:
                out[word] = coeff * h
        return out

    def _applies(self) -> bool:
        """Whether qsym applies this exponential as a gate (its rotations): recorded so in a
        circuit, or of an exponent that is not Hermitian and has a Pauli form."""
        if getattr(self, "_applied", None) is not None:
            return True
        try:
            with not_recording():
                self._pauli_form(self.base)
        except GateError:
            return False
        return not self._hermitian()

    def _hermitian(self) -> bool:
        """Whether ``coeff * base`` is Hermitian (real on every Pauli word, for every
        value of the circuit inputs): ``exp(coeff * base)`` is then a Hermitian observable
        (PennyLane measures ``qml.exp(qml.Z(0), 0.5)``); never for ``qml.evolve``'s
        ``exp(-i t G)`` (a traced ``t`` has no coefficient)."""
        if self.coeff is None or np.ndim(self.coeff) > 0:  # (a batch: applied, or refused)
            return False
        c = getval(self.coeff)
        if not isinstance(c, (Traced, sp.Basic)) and np.iscomplexobj(c) and not np.any(
                np.real(c)):  # a complex zero (-1j * t at t = 0: a rotation's exponent,
            return False  # which sympy's product with a word's number would make a real 0)
        try:
            terms = self._exponent_terms()
        except GateError:
            return False
        if not terms:  # a zero exponent (a replay at zero drops its words): the identity
            return False
        for t in terms.values():  # decided by the form, the same for every value of the
            if isinstance(t, sp.Basic):  # inputs (the replay on numbers: at 0 too)
                if sp.simplify(sp.im(t)) != 0:
                    return False
                continue
            t = np.asarray(getval(t))
            if t.dtype == object:  # (traced values in an array)
                if any(sp.simplify(sp.im(sp.sympify(e))) != 0 for e in t.flat):
                    return False
                continue
            if np.any(t.imag != 0) or (np.iscomplexobj(t) and not np.any(t.real)):
                return False  # (a complex zero: 1j * x at x = 0, a rotation's exponent)
        return True

    def pauli_observable(self):
        """The observable ``exp(c H)`` of a Hermitian exponent ``c H = sum_w t_w P_w``
        whose Pauli words commute, as a Pauli sum: the product of ``cosh(t_w) I + sinh(t_w)
        P_w`` (``P_w^2 = I``), exact and differentiable by the inputs in ``c`` and ``H``;
        None where the words do not commute (then measured by its matrix, numbers only).
        A non-Hermitian exponent raises :class:`~qsym.errors.MeasurementError`.

        >>> import qsym as qml
        >>> terms = qml.exp(qml.Z(0), 0.5).pauli_observable().terms  # cosh 0.5 I + sinh 0.5 Z
        >>> bool(np.isclose(terms[()], np.cosh(0.5)) and np.isclose(terms[((0, "Z"),)], np.sinh(0.5)))
        True
        """
        if self.coeff is not None and not self._exponent_terms():
            return Observable({(): 1.0})  # exp(0) = I
        if not self._hermitian():
            raise MeasurementError(
                f"{self!r} is measured but is not Hermitian (its coefficient times the base "
                "is not Hermitian for every value of the circuit inputs): qsym measures "
                "Hermitian observables only; use a real coefficient and a Hermitian base")
        terms = self._exponent_terms()
        words = list(terms)
        if not _all_commute(words):
            return self._eigen_observable()
        out = Observable({(): 1.0})
        for word, t in terms.items():
            if isinstance(t, sp.Basic):
                t = sp.re(t) if t.free_symbols else complex(t).real
                ch, sh, ex = ((sp.cosh(t), sp.sinh(t), sp.exp(t)) if isinstance(t, sp.Basic)
                              else (np.cosh(t), np.sinh(t), np.exp(t)))
            else:
                t = anp.real(t)
                ch, sh, ex = anp.cosh(t), anp.sinh(t), anp.exp(t)
            factor = Observable({word: sh, (): ch} if word else {(): ex})
            out = merge_matmul(out, factor)
        return out

    def _eigen_observable(self):
        """``exp(c H) = sum_l exp(c l) P_l`` (``P_l`` the projector on the eigenspace of the
        eigenvalue ``l`` of the numeric base ``H``) as a Pauli sum, exact in ``c`` (numbers
        or inputs); a base whose Pauli words do not commute and whose coefficients are
        circuit inputs raises :class:`~qsym.errors.MeasurementError`."""
        try:
            H = np.asarray(self.base.matrix(), dtype=complex)
        except (TypeError, ValueError, AttributeError, GateError, MatrixUndefinedError):
            H = None
        if H is None or H.ndim != 2:
            raise MeasurementError(
                f"{self!r}: the exponential of a base whose Pauli words do not commute and "
                "whose coefficients are circuit inputs is not measured by qsym (it measures "
                "it by the base's eigenspaces, a matrix of numbers); pass those coefficients "
                "as numbers, or keep the inputs in the exponential's coefficient")
        c = self.coeff
        c = sp.re(sp.sympify(c)) if isinstance(c, (Traced, sp.Basic)) else anp.real(c)
        lam, V = np.linalg.eigh(H)
        out: dict = {}
        start = 0
        while start < len(lam):  # eigenvalues equal to 1e-9: one eigenspace
            stop = start + 1
            while stop < len(lam) and lam[stop] - lam[start] < 1e-9:
                stop += 1
            Vg = V[:, start:stop]
            l = float(np.mean(lam[start:stop]))
            weight = sp.exp(c * l) if isinstance(c, sp.Basic) else anp.exp(c * l)
            for word, v in pauli_decomposition(Vg @ Vg.conj().T, tuple(self.base.wires)).terms.items():
                if abs(v) > 1e-14:
                    out[word] = out.get(word, 0.0) + weight * float(np.real(v))
            start = stop
        return Observable(out)

    def _pauli_form(self, base):
        """The base's Pauli form (its observable), or a :class:`GateError`: qsym applies an
        exponential as rotations of the base's Pauli words only."""
        try:
            return as_observable(base)
        except MeasurementError as exc:
            raise GateError(
                f"{self!r}: the base {getattr(base, 'name', type(base).__name__)} has no Pauli "
                "form, so qsym cannot apply its exponential (it applies qml.exp / qml.evolve "
                "of Pauli words, their products, sums and Hermitian matrices, as rotations)"
            ) from exc

    scalar = property(lambda self: self.coeff)
    wires = property(lambda self: self.base.wires)
    num_wires = property(lambda self: len(self.base.wires))
    num_params = property(lambda self: len(self.data))
    arithmetic_depth = property(lambda self: 1 + getattr(self.base, "arithmetic_depth", 0))

    @property
    def data(self) -> tuple:
        """``(coeff, *base.data)`` (PennyLane's); set, the first value is the coefficient
        and the rest the base's parameters.

        >>> import qsym as qml
        >>> E = qml.exp(qml.RX(0.1, wires=0), 2.0)
        >>> E.data = (3.0, 0.2)
        >>> E.coeff, E.base
        (3.0, RX(0.2, wires=[0]))
        """
        return (self.coeff, *self.base.data)

    @data.setter
    def data(self, values) -> None:
        values = tuple(values)
        self.coeff = values[0]
        self.base.data = values[1:]

    @property
    def batch_size(self):
        """The coefficients' number (a broadcast ``coeff``), else the base's batch size
        (PennyLane's ``Exp.batch_size``).

        >>> import qsym as qml
        >>> qml.exp(qml.X(0), np.array([0.1j, 0.2j])).batch_size
        2
        """
        base = getattr(self.base, "batch_size", None)
        if isinstance(self.coeff, (Traced, sp.Basic)) or np.ndim(self.coeff) == 0:
            return base
        if base is not None and base != np.size(self.coeff):
            raise GateError("Broadcasting was attempted but the broadcasted dimensions do not "
                            f"match: {np.size(self.coeff)}, {base}.")
        return int(np.size(self.coeff))

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002  (PennyLane's name)
        """The matrix as a SciPy sparse matrix (PennyLane's ``Exp.sparse_matrix``; a
        ``wire_order`` is not supported there either: ``NotImplementedError``).

        >>> import qsym as qml
        >>> qml.exp(qml.Z(0), 1.0).sparse_matrix().toarray().real.round(3)  # doctest: +SKIP
        array([[2.718, 0.   ],
               [0.   , 0.368]])
        """
        if wire_order is not None:
            raise NotImplementedError("Exp.sparse_matrix: wire_order is not supported (as in "
                                      "PennyLane); use qml.matrix(op, wire_order=...)")
        return sparse_of(self.matrix(), format)
    control_wires = property(lambda self: Wires([]))

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's: the base and the number of Trotter steps."""
        return {"base": self.base, "num_steps": self.num_steps}

    def _flatten(self):
        """PennyLane's pytree protocol: ``((base, parameter), (num_steps,))``.

        >>> import qsym as qml
        >>> qml.exp(qml.X(0), 2j)._flatten()
        ((X(0), 2j), (None,))
        """
        return (self.base, self.data[0]), (self.num_steps,)

    @classmethod
    def _unflatten(cls, data, metadata):
        with not_recording():  # (not applied: PennyLane's unflatten makes the operator)
            return cls(data[0], data[1], num_steps=metadata[0])

    def pow(self, z):
        """``exp(coeff * base) ** z`` as one exponential, ``exp(z * coeff * base)``
        (PennyLane's ``Exp.pow``), not applied.

        >>> import qsym as qml
        >>> qml.exp(qml.X(0), 2j).pow(0.5)
        Exp(1j PauliX)
        """
        with not_recording():
            return Exp(self.base, self.coeff * z, num_steps=self.num_steps)

    def _simplified_base(self) -> tuple:
        """``(base, factor)``: the simplified base, a scalar it carries moved out."""
        base = self.base.simplify()
        if isinstance(base, SProd):
            return base.base, base.scalar
        return base, 1

    def diagonalizing_gates(self) -> list:
        """The base's diagonalizing gates (an exponential shares its eigenbasis)."""
        return self.base.diagonalizing_gates()

    def _base_terms(self) -> dict:
        """The base's Pauli words as written (:func:`written_terms`): a term whose value is
        0 at some input stays a (zero) rotation, as traced (a replay at zero)."""
        with not_recording():  # (looked at: its gates left the tape when it was made)
            terms = written_terms(self.base)
        return self._pauli_form(self.base).terms if terms is None else terms

    def _angles(self) -> list:
        """``(word, theta)`` with ``coeff * h P = -i theta/2 P`` for each word of the base."""
        out, coeff = [], self.coeff
        for word, h in self._base_terms().items():
            if isinstance(coeff, np.ndarray) and coeff.dtype == object:
                # a batch of traced coefficients (broadcasting): each element's angle
                out.append((word, np.array([self._traced_angle(c, h) for c in coeff.flat],
                                           dtype=object).reshape(coeff.shape)))
                continue
            if any(isinstance(v, Traced) or (isinstance(v, sp.Basic) and v.free_symbols)
                   for v in (coeff, h)):
                out.append((word, self._traced_angle(coeff, h)))
                continue
            # an autograd box under a tape's derivative; an array of coefficients: broadcast
            boxed = 2j * coeff * (h if isinstance(h, Box) else complex(h))
            theta = np.asarray(getval(boxed), dtype=complex)
            if np.any(abs(theta.imag) > 1e-12):
                raise GateError(f"{self!r} is not unitary (coeff * base is not anti-Hermitian): "
                                "it cannot be applied as a gate; use an imaginary coeff")
            real = theta.real if theta.ndim else float(theta.real)
            out.append((word, real if boxed is getval(boxed) else anp.real(boxed)))
        return out

    def _traced_angle(self, coeff, h):
        """A circuit input in the coefficient (``qml.exp(P, 1j * t)``): the angle is the
        real part of ``2i coeff h``, exactly, when its imaginary part is zero for every
        value of the inputs (they are real symbols)."""
        re, im = sp.expand(sp.sympify(2j * coeff * h)).as_real_imag()
        if sp.simplify(im) != 0:
            raise GateError(f"{self!r} is not unitary for every value of the circuit "
                            "inputs (coeff * base is not anti-Hermitian): it cannot be "
                            "applied as a gate; use an imaginary coeff, e.g. "
                            "qml.exp(P, 1j * t)")
        return Traced(re)

    def _rotations(self) -> list:
        angles = self._angles()
        if not _all_commute([w for w, _ in angles]):
            inputs = self._base_inputs()
            if inputs:  # the base's coefficients are circuit inputs: this call's numbers
                return self._gates_at_call(inputs)
            # a written word of a zero number (qml.Hamiltonian([0.0, 1.0], [X, Z])) left
            # out, as the merged Pauli sum leaves it: rotations if the rest commute; a
            # replay keeps the trace's words (at zero every input's word is 0 too)
            merged = self._pauli_form(self.base).terms
            angles = [(w, t) for w, t in angles if choice(w in merged)]
            if not _all_commute([w for w, _ in angles]):
                return self._eigenbasis_gates()
        # each word's letters in the base's order of wires, as PennyLane's Exp (and its
        # PauliRot) holds them: the device numbers the sampled wires in that order, so
        # qml.exp(X(13) @ X("q0"), 1j t) under shots draws as PennyLane's (a PauliRot on
        # ["q0", 13] moved every sample: oracle70, seed 7030 case 33)
        order = {w: i for i, w in enumerate(self.base.wires)}
        return [_rotation(tuple(sorted(w, key=lambda wp: order.get(wp[0], len(order)))), t)
                for w, t in angles]

    def _base_inputs(self) -> frozenset:
        """The circuit inputs (symbols) in the base's Pauli coefficients."""
        out = set()
        for h in self._pauli_form(self.base).terms.values():
            if isinstance(h, np.ndarray) and h.dtype == object:
                h = next(iter(h.flat), None)
            e = h.expr if isinstance(h, Traced) else h
            if isinstance(e, sp.Basic):
                out |= e.free_symbols
        return frozenset(out)

    def _gates_at_call(self, inputs) -> list:
        """``exp(-i theta/2 H(s))`` of non-commuting Pauli words whose coefficients are
        circuit inputs ``s`` (PennyLane applies its matrix): the matrix has no closed form
        in them, so traced once it raises a :class:`TracingError` naming them (the QNode then
        traces at every call); in a per-call trace, the gates a run on this call's numbers
        records (the eigenbasis gates or, when a word's number is 0, the rotations of the
        rest: the replay on numbers compares them), ``theta``'s derivative exact in their
        angles, then rotations by zero that carry the exact first derivative by ``s``
        (:func:`qsym._operations.unitary_carriers`; the Hessian by ``s`` is refused)."""
        looks = known()
        names = ", ".join(sorted(map(str, inputs)))
        if looks is None:
            err = TracingError(
                f"{self!r}: the Pauli words of the base do not commute and its coefficients "
                f"are the circuit inputs {names}; its matrix has no closed form in them, so "
                "the QNode traces it at every call (trace='per-call'; trace='once' refuses "
                "it: use qml.ApproxTimeEvolution / a Trotter product there)")
            err.symbols = frozenset(inputs)
            raise err
        what = ("qml.exp / qml.evolve of non-commuting Pauli words with input coefficients "
                "(exact first derivatives only)")
        theta = self._unit_angle()
        theta0 = self._number_at_call(theta, looks, what)
        terms = self._pauli_form(self.base).terms
        wires = list(dict.fromkeys(w for word in terms for w, _ in word))
        h0 = {w: self._number_at_call(h, looks, what) for w, h in terms.items()}
        nonzero = [w for w in self._base_terms() if h0.get(w, 0.0) != 0]  # (written order)
        with recording(Tape()):
            if _all_commute(nonzero):
                gates = [_rotation(w, theta * looks.constant(h0[w])) for w in nonzero]
            else:
                gates = self._eigenbasis_of({w: h0[w] for w in nonzero}, theta, looks.constant)
            gates += carrier_gates(self._input_carriers(terms, h0, theta0, wires, inputs,
                                                        looks, what), wires)
        return gates

    @staticmethod
    def _number_at_call(v, looks, what) -> float:
        """A coefficient's (or angle's) real number at a per-call trace's numbers."""
        e = v.expr if isinstance(v, Traced) else v
        z = complex(looks.number(e, what, decides=True)) if isinstance(e, sp.Basic) else \
            complex(getval(e))
        if abs(z.imag) > 1e-12:
            raise GateError(f"exp of a base that is not Hermitian at these inputs ({v} = {z}): "
                            "the exponential is not a gate")
        return z.real

    def _input_carriers(self, terms, h0, theta0, wires, inputs, looks, what) -> list:
        """The carriers of the derivative of ``exp(-i theta0/2 H(s))`` by each input in
        ``H``'s coefficients (``dU/ds``: the Frechet derivative of the exponential in the
        direction ``-i theta0/2 dH/ds``, through ``H``'s eigenbasis)."""
        if len(wires) > EXP_CARRIER_WIRES:
            for sym in inputs:  # (no carriers: a derivative by these inputs is refused)
                looks.by_value.setdefault(sym, what.split(" (")[0] + f" on more than "
                                          f"{EXP_CARRIER_WIRES} wires")
            return []
        mats = {w: _word_matrix(w, wires) for w in terms}
        M0 = builtins.sum((h0[w] * mats[w] for w in terms), np.zeros((2**len(wires),) * 2))
        lam, V = np.linalg.eigh(M0)
        a = -0.5j * theta0 * lam
        ea = np.exp(a)
        diff = a[:, None] - a[None, :]
        small = np.abs(diff) < 1e-12
        phi = np.where(small, ea[None, :], ea[None, :] * np.expm1(np.where(small, 1, diff))
                       / np.where(small, 1, diff))  # (e^a_i - e^a_j) / (a_i - a_j)
        U0 = (V * ea) @ V.conj().T
        moves = []
        for sym in sorted(inputs, key=str):
            dM = builtins.sum((self._number_at_call(sp.diff(getattr(h, "expr", h), sym), looks,
                                                    what) * mats[w]
                               for w, h in terms.items() if isinstance(getattr(h, "expr", h),
                                                                       sp.Basic)),
                              np.zeros_like(M0))
            E = V.conj().T @ (-0.5j * theta0 * dM) @ V
            moves.append((sym, self._number_at_call(sym, looks, what),
                          V @ (phi * E) @ V.conj().T))
        return unitary_carriers(U0, moves, what, looks, len(wires), sparse=True)

    def _eigenbasis_gates(self) -> list:
        """``exp(-i s H)`` of a base whose Pauli words do not commute, exactly (PennyLane
        applies its matrix): ``H = V diag(lam) V^dagger`` numerically, so the gates are
        ``QubitUnitary(V^dagger)``, the diagonal ``exp(-i s diag(lam))`` as its Z words'
        rotations (``diag(lam) = sum_z c_z Z_z``, commuting: each ``s``-dependent angle is
        ``2 s c_z``, with its proved two-term rule) and ``QubitUnitary(V)``. ``s`` may be a
        circuit input; the base's coefficients must be numbers (inputs:
        :meth:`_gates_at_call`)."""
        terms = as_observable(self.base).terms
        if any(getval(h) is not h or np.ndim(h) for h in terms.values()):
            raise GateError(f"{self!r}: the Pauli words of the base do not commute and its "
                            "coefficients are autograd values or a batch: the exponential "
                            "is not a product of rotations; call it with one value at a time "
                            "inside a QNode (its inputs are then traced), or use "
                            "qml.ApproxTimeEvolution / a Trotter product")
        return self._eigenbasis_of(terms, self._unit_angle(), float)

    def _eigenbasis_of(self, terms: dict, theta, number) -> list:
        """The gates of :meth:`_eigenbasis_gates` of ``terms`` (``{word: number}``) at the
        angle ``theta``; each Z word's factor ``c_z`` as ``number(c_z)`` (a float, or this
        call's number as runtime data)."""
        wires = list(dict.fromkeys(w for word in terms for w, _ in word))
        m = builtins.sum(complex(getval(h)) * _word_matrix(word, wires)
                         for word, h in terms.items())
        if not np.allclose(m, m.conj().T, atol=1e-10):
            raise GateError(f"{self!r}: the base is not Hermitian, so the exponential is not "
                            "a gate")
        lam, vecs = np.linalg.eigh(m)
        n = len(wires)
        c = lam.astype(float)
        for j in range(n):  # Walsh-Hadamard transform: the Z words' coefficients
            c = c.reshape(2**j, 2, -1)
            c = np.stack([c[:, 0] + c[:, 1], c[:, 0] - c[:, 1]], axis=1) / 2
        c = c.reshape(-1)
        tol = 1e-13 * max(1.0, float(np.max(np.abs(lam))))
        with recording(Tape()):
            gates = [GATE_CLASSES["QubitUnitary"](vecs.conj().T, wires=wires)]
            for z in range(2**n):
                if abs(c[z]) > tol:
                    word = tuple((wires[j], "Z") for j in range(n) if (z >> (n - 1 - j)) & 1)
                    gates.append(_rotation(word, theta * number(float(c[z]))))
            gates.append(GATE_CLASSES["QubitUnitary"](vecs, wires=wires))
        return gates

    def _unit_angle(self):
        """``2i coeff`` as a real angle (a circuit input's, an autograd box's or a
        number's): ``exp(coeff * base) = exp(-i angle/2 base)``; refused when ``coeff`` is
        not imaginary or is a batch (broadcasting)."""
        coeff = self.coeff
        if isinstance(coeff, Traced) or (isinstance(coeff, sp.Basic) and coeff.free_symbols):
            return self._traced_angle(coeff, 1)
        boxed = 2j * coeff
        if np.ndim(getval(boxed)):
            raise GateError(f"{self!r}: a batch of coefficients (broadcasting) of a base whose "
                            "Pauli words do not commute is not supported: call once per value")
        theta = complex(getval(boxed))
        if abs(theta.imag) > 1e-12:
            raise GateError(f"{self!r} is not unitary (coeff * base is not anti-Hermitian): "
                            "it cannot be applied as a gate; use an imaginary coeff")
        return theta.real if boxed is getval(boxed) else anp.real(boxed)

    @property
    def has_generator(self) -> bool:
        """True when the coefficient is imaginary and the base Hermitian (PennyLane's):
        ``exp(i c H) = exp(-i (-c) H)``, the base its generator.

        >>> import qsym as qml
        >>> qml.exp(qml.X(0), 1j).has_generator, qml.exp(qml.RX(0.1, 0), 1j).has_generator
        (True, False)
        """
        c = self.coeff
        return (isinstance(c, numbers.Number) and complex(c).real == 0
                and bool(getattr(self.base, "is_verified_hermitian", False)))

    def _base_frequencies(self) -> list:
        m = np.asarray(self.base.matrix(), dtype=complex)
        if not np.allclose(m, m.conj().T, atol=1e-10):
            raise GateError(f"{self!r}: the generator is not Hermitian, so the parameter has "
                            "no frequencies (use a Hermitian operator in qml.evolve)")
        # the eigenvalues read as the decimals they round to; their differences exact
        return [tuple(float(f) for f in eigen_frequencies(
            [round(float(v), 8) for v in np.linalg.eigvalsh(m)]))]

    @property
    def parameter_frequencies(self) -> list:
        """The frequencies of the coefficient (PennyLane's): the distinct differences of the
        base's eigenvalues, when the exponential has a generator and the base no parameters
        of its own; else :class:`~qsym.exceptions.ParameterFrequenciesUndefinedError`.

        >>> import qsym as qml
        >>> qml.exp(qml.Z(0), 1j).parameter_frequencies
        [(2.0,)]
        """
        if not self.has_generator or tuple(getattr(self.base, "data", ())):
            raise ParameterFrequenciesUndefinedError(
                f"Operation {self.name} does not have parameter frequencies defined: the "
                "coefficient must be imaginary, the base Hermitian and without parameters")
        return self._base_frequencies()

    def terms(self):
        """Refused, as PennyLane's ``Exp.terms()``: an exponential is no sum of terms.

        >>> import qsym as qml
        >>> try:
        ...     qml.exp(qml.X(0), 1j).terms()
        ... except qml.operation.TermsUndefinedError:
        ...     print("no terms")
        no terms
        """
        raise TermsUndefinedError(
            "Exp has no terms (no representation as a sum of operators, PennyLane's "
            "TermsUndefinedError): use qml.pauli_decompose(qml.matrix(op)) for its Pauli sum")

    def generator(self):
        """The base, when :attr:`has_generator` (PennyLane's ``Exp.generator()``)."""
        if self.has_generator:
            return self.base
        raise GeneratorUndefinedError(
            f"Exponential with coefficient {self.coeff} and base operator {self.base} does not "
            "appear to have a generator: the coefficient must be imaginary and the base "
            "Hermitian")

    def simplify(self):
        """The same exponential with its base simplified and a scalar factor of the base
        moved into the coefficient (PennyLane's ``Exp.simplify()``).

        >>> import qsym as qml
        >>> e = qml.exp(qml.s_prod(2.0, qml.X(0)), 3j).simplify()
        >>> e.base, e.coeff
        (X(0), 6j)
        """
        with recording(Tape()):
            base, coeff = simplify(self.base), self.coeff
            while isinstance(base, SProd):
                base, coeff = simplify(base.base), coeff * base.scalar
        out = Exp.__new__(Exp)  # not applied (PennyLane's simplify makes an operator only)
        out.base, out.coeff, out.num_steps, out.id = base, coeff, self.num_steps, self.id
        return out

    @property
    def has_decomposition(self) -> bool:
        """True for one Pauli word times an imaginary coefficient (PennyLane's rule)."""
        try:
            return len(self._angles()) == 1
        except (GateError, TypeError, MeasurementError):
            return False

    def decomposition(self) -> list:
        """One gate (PennyLane's ``Exp.decomposition()``): the gate of the table whose
        generator is the base up to a real factor (``qml.evolve(RX(t).generator(), -t)`` is
        ``RX(t)``; gates on exactly the base's wires first, then those on any number),
        else for one Pauli word its rotation (RX/RY/RZ or a PauliRot)."""
        found = self._generator_gate()
        if found is not None:
            name, phi, wires = found
            return [_made(name, (phi,), wires)]
        if not self.has_decomposition:
            real = (" Decomposition is not defined for real coefficients of hermitian "
                    "operators." if isinstance(self.coeff, numbers.Number)
                    and complex(self.coeff).real != 0
                    and getattr(self.base, "is_verified_hermitian", False) else "")
            raise DecompositionUndefinedError(
                f"The decomposition of the {self!r} operator is not defined.{real} (qsym: exp "
                "of one Pauli word, or of a gate's generator, times an imaginary number has one)")
        return self._rotations()

    def _generator_gate(self):
        """The table gate ``G(phi)`` with ``exp(coeff * base) = exp(i phi g)``, ``g`` its
        generator (PennyLane's sign) and ``base = c g`` (matrices compared; ``c`` complex
        where ``phi = -i coeff c`` is real: PennyLane's ``Exp.decomposition`` first moves a
        scalar of the base into the coefficient, ``Exp(1j * Z(0) @ Z(1))`` is
        ``IsingZZ(-2)``); None if there is none (PennyLane's ``_find_equal_generator``)."""
        if self.coeff is None or not isinstance(self.coeff, numbers.Number):
            return None
        wires = list(self.base.wires)
        try:
            B = np.asarray(self.base.matrix(wire_order=wires), dtype=complex)
        except Exception:  # noqa: BLE001 (no matrix: no generator to compare with)
            return None
        for name in _generator_gates(len(wires)):
            try:
                with recording(Tape()):
                    g = GATE_CLASSES[name](1.0, wires=wires).generator()
            except GateError:  # no generator qsym can write for it
                continue
            # a generator written on its wires in another order (OrbitalRotation): the gate
            # on the wires that put them in the base's order
            moved = dict(zip(g.wires, wires)) if set(g.wires) == set(wires) else {}
            for on in (wires, [moved.get(w, w) for w in wires]):
                with recording(Tape()):
                    G = np.asarray(GATE_CLASSES[name](1.0, wires=on).generator().matrix(
                        wire_order=wires), dtype=complex)
                k = np.unravel_index(np.argmax(np.abs(G)), G.shape)
                c = B[k] / G[k]
                phi = -1j * complex(self.coeff) * c
                if abs(phi.imag) < 1e-12 and np.allclose(B, c * G):
                    return name, float(phi.real), on
        return None

    def matrix(self, wire_order=None) -> np.ndarray:
        """``exp(coeff * M)`` of the base's matrix ``M`` (by its eigendecomposition); for a
        trainable coefficient and a base without diagonalizing gates, PennyLane's warning
        that the matrix is not differentiable."""
        from ._operations import expand_matrix

        if getattr(self.coeff, "requires_grad", False) and not self.has_diagonalizing_gates:
            warnings.warn(f"The autograd matrix for {self} is not differentiable. Use a "
                          "different interface if you need backpropagation.", UserWarning)
        m = np.asarray(self.base.matrix(), dtype=complex)
        if self.batch_size is not None:  # one matrix per batch element, batch first
            n = self.batch_size
            ms = m if m.ndim == 3 else np.broadcast_to(m, (n, *m.shape))
            cs = np.broadcast_to(np.asarray(self.coeff, dtype=complex).ravel(), (n,)) \
                if np.ndim(self.coeff) else [self.coeff] * n
            out = np.stack([_exp_of(mi, ci) for mi, ci in zip(ms, cs)])
            return out if wire_order is None or order_list(wire_order) == list(self.wires) else \
                expand_matrix(out, self.wires, wire_order)
        out = _exp_of(m, self.coeff)
        if wire_order is None or order_list(wire_order) == list(self.wires):
            return out
        return expand_matrix(out, self.wires, wire_order)

    def eigvals(self) -> np.ndarray:
        """``exp(coeff * lambda)`` for the eigenvalues ``lambda`` of the base."""
        return np.exp(complex(self.coeff) * np.linalg.eigvals(np.asarray(self.base.matrix(), dtype=complex)))

    @property
    def parameters(self) -> list:
        """``[coeff, *base parameters]`` (PennyLane's ``op.parameters``)."""
        return list(self.data)

    @property
    def has_diagonalizing_gates(self) -> bool:
        """The base's (the exponential shares its eigenbasis)."""
        return bool(getattr(self.base, "has_diagonalizing_gates", False))

    @property
    def is_verified_hermitian(self) -> bool:
        """True for a real coefficient and a Hermitian base (PennyLane's)."""
        return (isinstance(self.coeff, numbers.Number) and complex(self.coeff).imag == 0
                and bool(getattr(self.base, "is_verified_hermitian", False)))

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label: ``Exp(coeff X)``, the coefficient and the base's
        parameters rounded to ``decimals``.

        >>> import qsym as qml
        >>> qml.exp(qml.RZ(1.234, wires=0), 5.678).label(decimals=2)
        'Exp(5.68 RZ\\n(1.23))'
        """
        c = self.coeff
        if decimals is not None:  # (PennyLane's: a number or a 0-d array of one, formatted)
            try:
                c = format(np.asarray(getval(c)), f".{decimals}f")
            except (TypeError, ValueError):
                pass  # (a traced coefficient: written as it is)
        return base_label or f"{self.name}({c} {self.base.label(decimals=decimals, cache=cache)})"

    def __repr__(self):
        inner = f"{self.base}" if self.arithmetic_depth > 1 else self.base.name
        return f"{self.name}({self.coeff} {inner})"


@functools.lru_cache(maxsize=None)
def _generator_gates_cached(n: int, version: int) -> tuple:
    exact, any_wires = [], []
    for name, cls in GATE_CLASSES.items():
        row = cls._row
        if row is None or not cls.has_generator or name in ("PauliRot", "PCPhase"):
            continue
        if row.num_wires == n:
            exact.append(name)
        elif not row.num_wires:  # 0: any number of wires
            any_wires.append(name)
    return tuple(exact + any_wires)


def _generator_gates(n: int) -> tuple:
    """The table gates with a generator that act on ``n`` wires: those of exactly ``n``
    first, then those of any number (PennyLane's order: ``RZ`` before ``MultiRZ``)."""
    return _generator_gates_cached(n, len(GATE_CLASSES))


def _evolution_coeff(param):
    """``-i param``, the coefficient of ``exp(-i param G)``, for a number (a NumPy array
    too); None for a traced input, whose rotations are written from ``param`` itself."""
    if isinstance(param, numbers.Number) or (
            isinstance(param, np.ndarray) and param.dtype != object):
        return -1j * param
    return None


class Evolution(Exp):
    """``exp(-i param * generator)`` (PennyLane's ``qml.evolve`` of an operator and
    ``qml.ops.op_math.Evolution``); ``param`` may be a traced input (its gradient is exact).

    >>> import qsym as qml
    >>> E = qml.evolve(qml.X(0), 0.5)
    >>> E, E.param, E.decomposition()
    (Evolution(-0.5j PauliX), 0.5, [RX(1.0, wires=[0])])
    """

    name = "Evolution"
    _queued_whole = True  # PennyLane's tape holds the Evolution (its Hadamard tests by term)

    def __init__(self, generator, param=1, num_steps=None, id=None):
        self.param = param
        super().__init__(generator, _evolution_coeff(param), num_steps, id)

    @property
    def data(self) -> tuple:
        """``(param,)`` (PennyLane's); set, the parameter and its coefficient ``-i param``.

        >>> import qsym as qml
        >>> E = qml.evolve(qml.X(0), 0.5)
        >>> E.data = (0.25,)
        >>> E.param, E.coeff
        (0.25, -0.25j)
        """
        return (self.param,)

    @data.setter
    def data(self, values) -> None:
        self.param = values[0]
        self.coeff = _evolution_coeff(self.param)

    def pow(self, z):
        """``exp(-i param G) ** z`` as one evolution, ``Evolution(G, z * param)``
        (PennyLane's ``Evolution.pow``), not applied.

        >>> import qsym as qml
        >>> qml.evolve(qml.Z(0), -0.5).pow(2.5)
        Evolution(1.25j PauliZ)
        """
        with not_recording():
            return Evolution(self.base, self.param * z, num_steps=self.num_steps)

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``), not applied.

        >>> import qsym as qml
        >>> qml.evolve(qml.X(0), 0.5).map_wires({0: "a"}).wires
        Wires(['a'])
        """
        with not_recording():
            return Evolution(self.base.map_wires(wire_map), self.param,
                             num_steps=self.num_steps, id=self.id)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's label of ``exp(-i t G)``: ``Exp(-tj G)``, ``-t`` rounded to ``decimals``.

        >>> import qsym as qml
        >>> qml.evolve(qml.Z(0), 2).label(), qml.evolve(qml.RZ(1.234, 0), 5.678).label(decimals=2)
        ('Exp(-2j Z)', 'Exp(-5.68j RZ\\n(1.23))')
        """
        t = -self.param if decimals is None else format(np.asarray(-self.param), f".{decimals}f")
        return base_label or f"Exp({t}j {self.base.label(decimals=decimals, cache=cache)})"
    # what a tape's structure holds besides the parameter (qsym._tapes: one circuit each)
    hyper = property(lambda self: (("base", self.base), ("num_steps", self.num_steps)))

    def simplify(self):
        """PennyLane's ``Evolution.simplify``: the base simplified, its scalar moved into the
        parameter; made aside, not applied.

        >>> import qsym as qml
        >>> qml.evolve(qml.s_prod(2.0, qml.X(0)), 0.25).simplify()
        Evolution(-0.5j PauliX)
        """
        base, factor = self._simplified_base()
        with not_recording():
            return Evolution(base, self.param * factor, num_steps=self.num_steps)

    def remake(self, params=None):
        """A copy with the parameter ``params[0]`` (a tape's parameter), made where it is
        called (in a circuit: applied as rotations)."""
        param = self.param if params is None else params[0]
        return Evolution(self.base, param, num_steps=self.num_steps, id=self.id)

    @property
    def has_generator(self) -> bool:
        """True for a real parameter (PennyLane's: the coefficient ``-i param`` is
        imaginary); the generator is ``-1 * base`` (``U(t) = exp(i t G)``).

        >>> import qsym as qml
        >>> qml.evolve(qml.X(0), 0.5).generator()
        -1 * X(0)
        """
        return not np.iscomplexobj(np.asarray(getval(self.param)))

    def generator(self):
        if not self.has_generator:
            raise GeneratorUndefinedError(
                f"The operator coefficient {-1j * complex(getval(self.param))} is not "
                "imaginary; the expected format is exp(-ixG). The generator is not defined.")
        if not getattr(self.base, "is_verified_hermitian", False):  # PennyLane's warning
            warnings.warn(f"The base {self.base} may not be hermitian.", UserWarning,
                          stacklevel=2)
        with recording(Tape()):
            return s_prod(-1, self.base)

    @property
    def parameter_frequencies(self) -> list:
        """The frequencies of the parameter: the distinct positive differences of the
        generator's eigenvalues (rounded to 8 decimals, as PennyLane's), in increasing order;
        a shift rule comes from them (:func:`qsym.gradients.generate_shift_rule`).

        >>> import qsym as qml
        >>> qml.evolve(qml.Y(0), 0.3).parameter_frequencies
        [(2.0,)]
        >>> qml.evolve(qml.Z(0) @ qml.Z(1) + 0.5 * qml.Z(0), 0.3).parameter_frequencies
        [(1.0, 2.0, 3.0)]
        """
        self.generator()  # GeneratorUndefinedError for a complex parameter
        return self._base_frequencies()

    def _angles(self) -> list:
        out = []
        for word, h in self._base_terms().items():
            if isinstance(h, numbers.Number) and complex(h).imag != 0:
                raise GateError(f"{self!r}: the generator is not Hermitian")
            h = h.real if isinstance(h, complex) else h
            if isinstance(h, sp.Basic) and h.is_number and getval(self.param) is not self.param:
                h = float(h)  # an exact coefficient (Hadamard's 1/sqrt(2)) times an autograd box
            out.append((word, 2 * self.param * h))
        return out

    def _unit_angle(self):
        """``2 param`` (``exp(-i param G) = exp(-i angle/2 G)``): a circuit input's, an
        autograd box's or a number's; a batch (broadcasting) refused."""
        if np.ndim(getval(self.param)) and not isinstance(self.param, Traced):
            raise GateError(f"{self!r}: a batch of parameters (broadcasting) of a generator "
                            "whose Pauli words do not commute is not supported: call once "
                            "per value")
        return 2 * self.param

    def matrix(self, wire_order=None) -> np.ndarray:
        self.coeff = -1j * complex(self.param)
        return super().matrix(wire_order)


EXP_CARRIER_WIRES = 7
"""An exponential of non-commuting Pauli words whose coefficients are circuit inputs carries
its derivative by them (:meth:`Exp._input_carriers`) on up to this many wires (the carriers'
Pauli coefficients of ``4^n`` words: 0.5 s a call and input on 7 wires)."""


def _all_commute(words) -> bool:
    return all(_commute(a, b) for i, a in enumerate(words) for b in words[i + 1:])


def exp(op, coeff=1.0, num_steps=None, id=None) -> Exp:
    """``exp(coeff * op)`` (PennyLane's ``qml.exp``): an :class:`Exp`; in a circuit, applied
    as rotations when ``coeff`` is imaginary.

    >>> import qsym as qml
    >>> qml.exp(qml.Z(0) @ qml.Z(1), -0.25j).decomposition()
    [IsingZZ(0.5, wires=[0, 1])]
    """
    return Exp(op, coeff, num_steps=num_steps, id=id)


def evolve(op, coeff=1, num_steps=None, **kwargs):
    """``exp(-i coeff * op)`` (PennyLane's ``qml.evolve`` of an operator): an
    :class:`Evolution`; in a circuit, one rotation per Pauli word (they must commute).
    Of a ``qml.pulse.ParametrizedHamiltonian``: its ``ParametrizedEvolution`` (keywords
    passed on), to be called with the parameters and the time window.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def f(t):
    ...     qml.evolve(qml.X(0), t)
    ...     return qml.expval(qml.Z(0))
    >>> bool(abs(f(0.3) - np.cos(0.6)) < 1e-12)
    True
    """
    if PARAMETRIZED_HAMILTONIAN and isinstance(op, PARAMETRIZED_HAMILTONIAN[0]):
        if coeff != 1 or num_steps is not None:
            raise TypeError("qml.evolve of a ParametrizedHamiltonian takes keyword arguments "
                            "only (return_intermediate, complementary, dense, atol, rtol); "
                            "call the result with the parameters and the time: "
                            "qml.evolve(H)(params, t)")
        return PARAMETRIZED_EVOLUTION[0](op, **kwargs)
    if not isinstance(op, (Operation, Observable)):
        raise GateError(f"No dispatch rule for first argument of type {type(op)}. Options are "
                        f"Operator and ParametrizedHamiltonian (qml.evolve); got {op!r}")
    if kwargs:
        raise TypeError(f"qml.evolve of an operator takes coeff and num_steps; got "
                        f"{sorted(kwargs)}")
    return Evolution(op, coeff, num_steps=num_steps)


# The classes ``isinstance(x, qml.operation.Operator)`` accepts besides qsym's own operator
# classes: stages above this one register theirs here (``qsym._mcm``: ``MidMeasure``).
OPERATOR_CLASSES: list = []


class _OperatorType(abc.ABCMeta):
    """``isinstance(x, qml.operation.Operator)``: true for every operator qsym makes (gates,
    the arithmetic classes, ``Exp``, templates, ``Snapshot``/``Barrier``, mid-circuit
    measurements), as PennyLane's base class; a user's subclass checks as any class does.
    An ``ABCMeta``, as PennyLane's: a user's class may also derive from ``abc.ABC``."""

    def __instancecheck__(cls, obj):
        if cls is Operator:
            return isinstance(obj, (Operation, Observable, Exp, GateSequence, OperatorRecord,
                                    *OPERATOR_CLASSES))
        if cls is PennyLaneOperation:
            return is_pl_operation(obj)
        return type.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub):
        if cls is Operator:
            return isinstance(sub, type) and issubclass(
                sub, (Operation, Observable, Exp, GateSequence, OperatorRecord, *OPERATOR_CLASSES))
        if cls is PennyLaneOperation:
            return isinstance(sub, type) and (
                PennyLaneOperation in sub.__mro__
                or Operator not in sub.__mro__ and issubclass(sub, _PL_OPERATION_CLASSES))
        return type.__subclasscheck__(cls, sub)


def _plain_operator(obj) -> bool:
    """A user's ``qml.operation.Operator`` subclass that is not an ``Operation`` (PennyLane's
    plain operator), or ``Adjoint``/``Pow``/``Controlled`` of one (PennyLane adds the
    ``Operation`` mixin only when the base is one)."""
    mro = type(obj).__mro__
    if PennyLaneOperation in mro:
        return False
    if Operator in mro:
        return True
    return isinstance(obj, SymbolicOp) and _plain_operator(getattr(obj, "base", None))


class _OperationMixin(type):
    """PennyLane's ``AdjointOperation`` / ``PowOperation`` (``qml.ops.op_math.adjoint``,
    ``.pow``): the ``Operation`` mixin PennyLane adds to ``Adjoint``/``Pow`` of an
    ``Operation``; an instance is qsym's class (``cls.of``) but not of a plain operator."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.of) and not _plain_operator(obj)

    def __subclasscheck__(cls, sub):
        return isinstance(sub, type) and issubclass(sub, cls.of)


def is_pl_operation(obj) -> bool:
    """``isinstance(obj, qml.operation.Operation)`` with PennyLane 0.45's answers: the gates,
    templates, ``Exp``/``Evolution``, ``Snapshot``, projectors and a user's ``Operation``
    subclass are; a user's plain ``Operator`` subclass is not, nor its ``Adjoint``, ``Pow``
    or ``Controlled``; nor operator arithmetic (``Prod``, ``Sum``, ``SProd``) and matrix
    observables (``Hermitian``).

    >>> import qsym as qml
    >>> class Plain(qml.operation.Operator):
    ...     num_wires = 1
    >>> [isinstance(op, qml.operation.Operation) for op in
    ...  (qml.RX(0.1, 0), qml.adjoint(Plain(0)), qml.QFT(wires=[0, 1]), qml.X(0) @ qml.Y(1))]
    [True, False, True, False]
    """
    if _plain_operator(obj):
        return False
    return isinstance(obj, _PL_OPERATION_CLASSES)


class Operator(Operation, metaclass=_OperatorType):
    """PennyLane's ``qml.operation.Operator``: every operator qsym makes is one (gates,
    ``Prod``/``Sum``/``SProd``/``LinearCombination``, ``Exp``); subclass it for an operator
    of your own (its ``compute_matrix`` is its matrix; circuits apply only table gates).

    >>> import qsym as qml
    >>> isinstance(qml.X(0) + qml.Z(1), qml.operation.Operator), isinstance(qml.RX(0.1, 0), qml.operation.Operator)
    (True, True)
    """

    num_wires = None  # PennyLane's default: any number of wires


class PennyLaneOperation(Operation, metaclass=_OperatorType):
    """PennyLane's ``qml.operation.Operation`` (also ``qml.ops.Operation``): subclass it for a gate of
    your own, as :class:`~qsym.Operation`. ``isinstance`` answers as PennyLane's
    (:func:`is_pl_operation`): a plain ``Operator`` of yours, and ``qml.adjoint`` /
    ``qml.pow`` / ``qml.ctrl`` of it, are not operations.

    >>> import qsym as qml
    >>> class MyGate(qml.operation.Operation):
    ...     num_wires = 1
    >>> isinstance(qml.adjoint(MyGate(wires=0)), qml.operation.Operation)
    True
    """


PennyLaneOperation.__name__ = PennyLaneOperation.__qualname__ = "Operation"
# PennyLane's names of the mixins: isinstance as PennyLane's (_OperationMixin)
PennyLaneAdjointOperation = _OperationMixin("AdjointOperation", (), {"of": AdjointOperation})
PennyLanePowOperation = _OperationMixin("PowOperation", (), {"of": PowOperation})
# what PennyLane derives from Operation (a plain Operator excepted: _plain_operator)
_PL_OPERATION_CLASSES = (Operation, Exp, Template, OperatorRecord, Projector)


class ErrorOperation(Operation):
    """PennyLane's ``qml.resource.ErrorOperation``: an operation of your own that knows its
    algorithmic error. Subclass it, give the gates (``compute_decomposition``) and define
    ``error()`` returning a ``qml.resource.SpectralNormError`` (or another
    ``AlgorithmicError``); ``SpectralNormError.get_error(exact, approx)`` compares the
    matrices (yours: the product of the decomposition's). An example: docs/pennylane.md,
    "Templates, time evolution and QAOA".

    >>> import qsym as qml
    >>> issubclass(qml.resource.ErrorOperation, qml.operation.Operation)
    True
    """

    def __new__(cls, *args, **kwargs):
        _refuse_abstract(cls, "error", ErrorOperation)
        return super().__new__(cls)

    def error(self, *args, **kwargs):
        """The operation's algorithmic error: defined by each subclass (PennyLane's
        abstract method: a subclass without it cannot be made)."""
        raise NotImplementedError(f"{type(self).__name__} is an ErrorOperation without an error() "
                                  "method: define error() returning a "
                                  "qml.resource.SpectralNormError")


def _refuse_abstract(cls, method: str, base) -> None:
    """PennyLane's ``TypeError`` for making a subclass of an abstract operation class
    (``ErrorOperation``, ``ResourcesOperation``) that does not define ``method``."""
    if getattr(cls, method) is getattr(base, method):
        raise TypeError(f"Can't instantiate abstract class {cls.__name__} without an "
                        f"implementation for abstract method '{method}': define {method}()")


class ResourcesOperation(Operation):
    """PennyLane's ``qml.resource.ResourcesOperation``: an operation of your own that reports
    what it costs. Subclass it and define ``resources()`` returning a
    ``qml.resource.Resources``.

    >>> import qsym as qml
    >>> class TwoCNOTs(qml.resource.ResourcesOperation):
    ...     num_wires = 2
    ...     def resources(self):
    ...         return qml.resource.Resources(num_wires=2, num_gates=2,
    ...                                       gate_types={"CNOT": 2}, gate_sizes={2: 2}, depth=2)
    >>> TwoCNOTs(wires=[0, 1]).resources().num_gates
    2
    """

    def __new__(cls, *args, **kwargs):
        _refuse_abstract(cls, "resources", ResourcesOperation)
        return super().__new__(cls)

    def resources(self):
        """The operation's resources: defined by each subclass (PennyLane's abstract
        method: a subclass without it cannot be made)."""
        raise NotImplementedError(f"{type(self).__name__} is a ResourcesOperation without a "
                                  "resources() method: define resources() returning a "
                                  "qml.resource.Resources")


# PennyLane's paths: qml.resource.ErrorOperation, qml.resource.error.ErrorOperation,
# qml.resource.ResourcesOperation
from . import resource as _resource  # noqa: E402

_resource.ErrorOperation = _resource.error.ErrorOperation = ErrorOperation
_resource.ResourcesOperation = ResourcesOperation


# --- PennyLane's compute-uncompute pattern ---------------------------------------------------
def _operand_of(op_or_func, what="change_op_basis"):
    """An operator given to :func:`change_op_basis`: itself, or the product of the gates a
    function of no arguments applies."""
    if isinstance(op_or_func, (Operation, Observable, Template)):
        return op_or_func
    if callable(op_or_func):
        try:
            return _one_template(op_or_func) or prod(op_or_func)()
        except TypeError as e:
            raise ArgumentError(
                f"{what} requires that Callable inputs have no parameters. functools.partial "
                "can be used to achieve this.") from e
    raise ArgumentError(f"The parameters to {what} must be Operator or Callable, not "
                        f"{type(op_or_func)}")


def _one_template(fn):
    """The template ``fn()`` queues, when it queues just one (PennyLane's ``qml.prod(fn)()``
    is then that operator: a :class:`~qsym.templates.Subroutine`'s ``SubroutineOp``), its
    gates applied on the active tape; else None (nothing applied)."""
    from .templates import Template

    tape = Tape()
    tape.log = QueueLog()
    with recording(tape):
        fn()
    if len(tape.log) != 1 or not isinstance(tape.log[0], Template):
        return None
    reapply(tape.log[0])
    return tape.log[0]


def _gates_of(op) -> tuple:
    """The gates of the table that apply ``op`` (a gate, a product of gates, a template,
    what ``qml.adjoint``/``qml.ctrl`` make); none for an observable that is not a gate."""
    if isinstance(op, Prod):
        return op.applied_gates() if op.is_gate_product else ()
    return tuple(getattr(op, "table_gates", ()))


def resource_class(op):
    """The class an operator's resource form names (PennyLane's ``type(op)``): the
    ``Adjoint``, ``Pow`` and ``Controlled`` classes for qsym's symbolic operators.

    >>> resource_class(adjoint(GATE_CLASSES["S"](wires=0))).__name__
    'Adjoint'
    """
    return {"AdjointOperation": Adjoint, "PowOperation": Pow,
            "ControlledOp": Controlled}.get(type(op).__name__, type(op))


def reapply(op) -> None:
    """Record the gates that apply ``op`` on the active tape (if any) again, as PennyLane's
    ``qml.apply`` queues an operator a second time (the decomposition rules of
    :class:`ChangeOpBasis` apply their operands this way).

    >>> with recording(Tape()) as tape:
    ...     reapply(GATE_CLASSES["RX"](0.1, wires=0))
    >>> tape.items
    [RX(0.1, wires=[0]), RX(0.1, wires=[0])]
    """
    tape = active_tape()
    if tape is None:
        return
    gates = _gates_of(op)
    log = tape.log
    if log is None or (len(gates) == 1 and gates[0] is op):
        for g in gates:
            tape.append(g)
        return
    # a user's queue (an AnnotatedQueue, a rule's queue) holds the operator itself, as
    # PennyLane's qml.apply queues it (a copy if it is there already); the tape its gates
    tape.log = None
    try:
        for g in gates:
            tape.append(g)
    finally:
        tape.log = log
    log.append(copy.copy(op) if id(op) in log.ids else op)


class ChangeOpBasis(Prod):
    """PennyLane's ``ChangeOpBasis(compute_op, target_op, uncompute_op=None)`` (what
    :func:`change_op_basis` makes): the product ``uncompute_op @ target_op @ compute_op``,
    applied as ``compute_op``, ``target_op``, ``uncompute_op`` (default: the adjoint of
    ``compute_op``). Its operands are in product order (``op[0]`` the uncompute); like
    PennyLane's it has no matrix (``MatrixUndefinedError``: use ``qml.matrix`` of the
    gates, or :meth:`decomposition`); ``qml.ctrl`` of it controls ``target_op`` only.

    >>> op = ChangeOpBasis(GATE_CLASSES["Hadamard"](0), GATE_CLASSES["PauliZ"](0))
    >>> op.decomposition()
    [H(0), Z(0), Adjoint(H(0))]
    """

    has_matrix = False
    has_sparse_matrix = False
    grad_method = None
    resource_keys = frozenset({"compute_op", "target_op", "uncompute_op"})

    def __init__(self, compute_op, target_op, uncompute_op=None, id=None):
        if uncompute_op is None:
            with recording(Tape()):  # made here; applied through this operator only
                uncompute_op = adjoint(compute_op)
        tape = active_tape()
        if tape is not None:  # its operands leave the tape: applied once, as its gates
            for op in (compute_op, target_op, uncompute_op):
                for g in _gates_of(op):
                    tape.remove(g)
        super().__init__(uncompute_op, target_op, compute_op, id=id)
        if tape is not None and self.is_gate_product:  # (else an observable: measured)
            self._gates = self.applied_gates()
            for g in self._gates:
                tape.observe(g)

    def __getitem__(self, i):
        return self.operands[i]

    @property
    def hash(self) -> int:
        """PennyLane's ``op.hash``: of the name and the operands in order."""
        return hash(("ChangeOpBasis",) + tuple(getattr(o, "hash", None) or hash(o)
                                              for o in self.operands))

    __hash__ = Prod.__hash__

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``{"operands": ...}`` (in product order)."""
        return {"operands": self.operands}

    @property
    def resource_params(self) -> dict:
        """``compute_op``, ``target_op``, ``uncompute_op`` as ``qml.resource_rep``s."""
        resource_rep = METHODS["resource_rep"]  # qsym.decomposition's (registered there)

        def rep(o):
            return resource_rep(type(o), **(getattr(o, "resource_params", None) or {}))

        return {"compute_op": rep(self[2]), "target_op": rep(self[1]),
                "uncompute_op": rep(self[0])}

    @property
    def terms(self):
        if self._merged is None:  # measured: the product's matrix (PennyLane gives none)
            self._merged = pauli_decomposition(Prod.matrix(self), self._wires).terms
        return self._merged

    @terms.setter
    def terms(self, value):
        self._merged = value

    def matrix(self, wire_order=None):
        """None: PennyLane's ``ChangeOpBasis`` has no matrix (``MatrixUndefinedError``)."""
        raise MatrixUndefinedError("ChangeOpBasis has no matrix (as in PennyLane): qml.matrix(op) "
                                   "gives the product of its decomposition's gates")

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """None (PennyLane's ``SparseMatrixUndefinedError``)."""
        raise SparseMatrixUndefinedError("ChangeOpBasis has no sparse matrix (as in PennyLane)")

    @property
    def is_verified_hermitian(self) -> bool:
        """Whether ``target_op`` is known to be Hermitian (PennyLane's rule)."""
        return bool(self[1].is_verified_hermitian)

    def decomposition(self) -> list:
        """``[compute_op, target_op, uncompute_op]``, applied again where it is called."""
        ops = list(self.operands[::-1])
        for op in ops:
            reapply(op)
        return ops

    has_decomposition = True
    has_adjoint = True

    def adjoint(self):
        """The adjoint: each operand's adjoint, the compute and uncompute swapped."""
        with recording(Tape()):
            return ChangeOpBasis(*(adjoint(o, lazy=False) for o in self.operands))

    def _flatten(self):
        return tuple(reversed(self.operands)), ()

    def _rebuild(self, operands):
        return ChangeOpBasis(*reversed(operands))


def change_op_basis(compute_op, target_op, uncompute_op=None) -> ChangeOpBasis:
    """PennyLane's ``qml.change_op_basis``: the compute-uncompute pattern ``compute_op``,
    ``target_op``, ``uncompute_op`` (default ``qml.adjoint(compute_op)``) as one operator,
    a :class:`ChangeOpBasis`; each argument an operator or a function of no arguments that
    applies gates (``functools.partial`` binds arguments). Applied in a circuit, its three
    parts run in that order; ``qml.ctrl`` of it controls only ``target_op``.

    >>> import qsym as qml
    >>> op = qml.change_op_basis(qml.Hadamard(0), qml.PauliZ(0))
    >>> op.operands
    (Adjoint(H(0)), Z(0), H(0))
    """
    return ChangeOpBasis(_operand_of(compute_op), _operand_of(target_op),
                         None if uncompute_op is None else _operand_of(uncompute_op))


METHODS["ctrl"] = ctrl  # op._controlled(wire) (qsym._operations)
METHODS["controlled_op"] = ControlledOp.made  # a controlled operator applied as given gates (qsym.templates: FlipSign)
METHODS["evolve"] = evolve  # the entries of TrotterProduct's decomposition (qsym.templates)
# the decompositions of templates (qsym.templates: SelectPauliRot) use them
METHODS["change_op_basis"], METHODS["qml_adjoint"] = change_op_basis, adjoint  # (METHODS["adjoint"] is a gate's own: _gate_adjoint)


def check_splittable(tape) -> None:
    """PennyLane's refusal (``RuntimeError``): only expectation values of sums are split
    into terms; a variance, a sample or ``probs(op=...)`` of a sum is not.

    >>> import qsym as qml
    >>> check_splittable(qml.tape.QuantumScript([], [qml.expval(qml.X(0) + qml.Z(0))]))
    >>> check_splittable(qml.tape.QuantumScript([], [qml.probs(op=qml.X(0) + qml.Y(0))]))
    Traceback (most recent call last):
        ...
    RuntimeError: Cannot split up terms in sums for MeasurementProcess ...
    >>> check_splittable(qml.tape.QuantumScript([], [qml.var(qml.Hamiltonian([0.5], [qml.Z(0)]))]))
    Traceback (most recent call last):
        ...
    RuntimeError: Cannot split up terms in sums for MeasurementProcess ...
    """
    for m in tape.measurements:
        if m.kind == "expval":
            continue
        obs = m.written_obs if m.measured_obs is not None else None
        op = getattr(m, "op", None) if obs is None else obs  # probs(op=...): its operator
        if isinstance(op, (Prod, SProd)):  # as PennyLane: a sum after simplification
            op = op.simplify()
        if isinstance(op, Sum):  # (a sum of one term too: a Hamiltonian of one word)
            raise RuntimeError(
                f"Cannot split up terms in sums for MeasurementProcess {type(m)} (only "
                "expectation values of sums are split: measure each term)")
