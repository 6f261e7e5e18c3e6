"""PennyLane's subroutines built from other operators: ``Select``, ``Reflection``,
``AmplitudeAmplification``, ``PrepSelPrep``, ``Qubitization``, ``QROM``.

Each is a template (:class:`qsym.templates.Template`): it records the gates of its
decomposition, PennyLane's, made with :func:`qsym.ctrl` and :func:`qsym.adjoint` of the
operators it is given (a gate, a product of gates, a template), so parameters stay exact
expressions of the circuit's inputs and gradients use the proved rules of those gates.
An operator given to one of them is taken off the circuit's tape, as PennyLane takes it
off its queue: it is applied only through the subroutine.

>>> import qsym as qml
>>> op = qml.Select([qml.X(2), qml.Z(2)], control=[0])
>>> op.wires, [g.name for g in op.decomposition()]
(Wires([0, 2]), ['MultiControlledX', 'CZ'])
"""

from __future__ import annotations

import copy
import numbers

import autograd.numpy as anp
import numpy as np
import sympy as sp
from autograd.tracer import Box, getval

from ._operations import (GATE_CLASSES, METHODS, GateSequence, Operation, Prod, StatePrepBase, mark_used,
                          sparse_of, wires_tuple)
from ._opmath import adjoint, change_op_basis, ctrl, evolve, prod, reapply
from ._operations import LinearCombination, SProd, Sum
from ._trace import Tape, Traced, active_tape, add_check, choice, not_recording, recording, unwrap
from .errors import QuantumFunctionError, DifferentiationError, GateError, MatrixUndefinedError, SparseMatrixUndefinedError, WireError
from . import templates
from .templates import (QFT, ApproxTimeEvolution, BasisEmbedding, CommutingEvolution, Template, operator_params,
                        TrotterizedQfunc, TrotterProduct, real_state_gates, state_on_wires,
                        pennylane_entries, suzuki_scalar, trotter_sequence, trotterize)
from .wires import Wires


def operator_gates(op, what: str) -> list:
    """The gates of the table an operator given to a subroutine applies, in order (a gate:
    itself; a product of gates, a template, ``qml.adjoint``/``qml.ctrl`` of a gate: theirs),
    taken off the active tape.

    >>> operator_gates(GATE_CLASSES["RX"](0.1, wires=0), "Select")
    [RX(0.1, wires=[0])]
    """
    tape = active_tape()
    unit = _unit_scalar(op, what)
    if unit is not None:  # a unitary times a phase (PennyLane's -1 * X(1) @ X(2))
        scalar, bare = unit
        gates = operator_gates(bare, what)
        if scalar != 1:
            gates.append(_bare("GlobalPhase", -float(np.angle(scalar)), wires=list(op.wires)))
        if tape is not None:
            tape.remove(op)
        return gates
    if isinstance(op, Prod) and op.is_gate_product:
        gates = list(op.applied_gates())
        if tape is not None:
            tape.measured(gates)  # used here, not an observable left unmeasured
    elif isinstance(op, (Operation, GateSequence)):
        gates = list(op.table_gates)
        if isinstance(op, Template):
            op.release()
    else:
        raise GateError(f"{what} takes gates, products of gates or templates (qsym applies the "
                        f"gates of its table), got {op!r}")
    if tape is not None:
        for g in gates:
            tape.remove(g)
    return gates


def _unit_scalar(op, what: str):
    """``(scalar, operator)`` of a product holding scalar factors (``SProd``, in a
    ``Prod`` or alone) whose scalars multiply to a number of modulus 1: the product is a
    unitary times that phase; None for anything else. A scalar of another size is not a
    unitary: refused."""
    if not isinstance(op, (SProd, Prod)) or (isinstance(op, Prod) and op.is_gate_product):
        return None
    scalar, factors = 1.0 + 0j, []

    def walk(o):
        nonlocal scalar
        if isinstance(o, SProd):
            try:
                scalar *= complex(unwrap(o.scalar))
            except TypeError:
                raise GateError(f"{what}: a scalar factor of an operator must be a number, got "
                                f"{o.scalar!r}") from None
            walk(o.base)
        elif isinstance(o, Prod):
            for f in o.operands:
                walk(f)
        else:
            factors.append(o)

    walk(op)
    if not factors:
        return None
    if not np.isclose(abs(scalar), 1.0, rtol=0, atol=1e-10):
        raise GateError(f"{what}: {op!r} is not a unitary (its scalar {scalar} has modulus "
                        f"{abs(scalar)}); move the scalar into the coefficient")
    with recording(Tape()):
        bare = factors[0] if len(factors) == 1 else prod(*factors)
    return scalar, bare


def _bare(name, *params, **kwargs) -> Operation:
    """A gate made without recording it (:func:`_ctrl_all` records what applies it)."""
    with recording(Tape()):
        return GATE_CLASSES[name](*params, **kwargs)


def _apply(gates) -> None:
    """Fresh copies of ``gates``, recorded on the active tape."""
    for g in gates:
        g.remake()


def _ctrl_all(gates, controls, values) -> None:
    if not controls:
        _apply(gates)
        return
    for g in gates:
        ctrl(g, control=list(controls), control_values=list(values))


def partial_select_controls(n_ops: int, control) -> list:
    """PennyLane's partial ``Select`` controls: for each operator ``j``, the control wires
    and values that tell it apart from every other index below ``n_ops`` (a control wire
    whose value 0 is only ever compared with indices ``>= n_ops`` is left out).

    >>> partial_select_controls(3, [0, 1])
    [((0, 1), (0, 0)), ((1,), (1,)), ((0,), (1,))]
    """
    c = len(control)
    out = []
    for j in range(n_ops):
        pairs = [(control[r], (j >> (c - 1 - r)) & 1) for r in range(c)
                 if (j >> (c - 1 - r)) & 1 or j + 2 ** (c - 1 - r) < n_ops]
        out.append((tuple(w for w, _ in pairs), tuple(v for _, v in pairs)))
    return out


class Select(Template):
    """PennyLane's ``qml.Select(ops, control, work_wires=None, partial=False)``: applies
    ``ops[j]`` when the control wires hold ``j`` (the first control wire most
    significant), each operator controlled by the control register; ``partial=True``
    (PennyLane's) drops the controls that only matter for indices ``>= len(ops)``, so it
    acts as ``Select`` only on control states below ``len(ops)``. Its wires are the
    control wires, then the operators' wires (PennyLane's order).

    >>> import qsym as qml
    >>> U = qml.matrix(qml.Select([qml.X(1), qml.Z(1)], control=[0]), wire_order=[0, 1])
    >>> np.allclose(U, np.kron(np.diag([1, 0]), qml.X(0).matrix()) + np.kron(np.diag([0, 1]), qml.Z(0).matrix()))
    True
    """

    def __init__(self, ops, control, work_wires=None, partial=False, id=None):
        self.control = Wires(wires_tuple(control))
        self.work_wires = Wires(() if work_wires is None else wires_tuple(work_wires))
        ops = list(ops)
        if 2 ** len(self.control) < len(ops):
            need = max(len(ops) - 1, 1).bit_length()
            raise GateError(f"Not enough control wires ({len(self.control)}) for the desired "
                            f"number of operations ({len(ops)}). At least {need} control wires "
                            "are required.")
        target = []
        for op in ops:
            target += [w for w in op.wires if w not in target]
        if set(target) & set(self.control):
            raise WireError("Control wires should be different from operation wires.")
        self._op_gates = [operator_gates(op, "Select") for op in ops]
        self.ops, self.partial, self.id = tuple(ops), bool(partial), id
        self.target_wires = Wires(tuple(target))
        self.wires = Wires(tuple(self.control) + tuple(target))
        self._record()

    resource_keys = frozenset({"op_reps", "num_control_wires", "partial", "num_work_wires"})

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"ops": self.ops, "control": self.control, "work_wires": self.work_wires,
                "partial": self.partial, "target_wires": self.target_wires}

    @property
    def resource_params(self) -> dict:
        """PennyLane's: each operator's ``qml.resource_rep``, the numbers of control and
        work wires, ``partial``.

        >>> import qsym as qml
        >>> qml.Select([qml.X(1), qml.RY(0.1, 1)], control=[0]).resource_params["op_reps"]
        (PauliX, RY)
        """
        resource_rep = METHODS["resource_rep"]  # qsym.decomposition's (registered there)
        reps = tuple(resource_rep(type(op), **(getattr(op, "resource_params", None) or {}))
                     for op in self.ops)
        return {"op_reps": reps, "num_control_wires": len(self.control),
                "partial": self.partial, "num_work_wires": len(self.work_wires)}

    def __repr__(self):
        return f"Select(ops={self.ops}, control={self.control!r}, partial={self.partial})"

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.data``: the operators' data, in order (a tape's parameters, which
        ``construct_tape`` lists and gradient transforms differentiate).

        >>> import qsym as qml
        >>> qml.Select([qml.RX(0.1, wires=1), qml.Z(1), qml.RY(0.2, wires=1)], control=[0, 2]).data
        (0.1, 0.2)
        """
        return [d for op in self.ops for d in op.data]

    def _flatten(self):
        return tuple(self.ops), (self.control, self.work_wires, self.partial)

    @classmethod
    def _unflatten(cls, data, metadata):
        control, work_wires, partial = metadata
        return cls(list(data), control, work_wires=work_wires or None, partial=partial)

    def remake(self, params=None):
        """A copy with ``params`` in place of its :attr:`data` (each operator takes as many
        as it has, in order; PennyLane's ``bind_new_parameters``), made where it is called.

        >>> import qsym as qml
        >>> qml.Select([qml.RX(0.1, wires=1), qml.RY(0.2, wires=1)], control=[0]).remake([0.3, 0.4]).ops
        (RX(0.3, wires=[1]), RY(0.4, wires=[1]))
        """
        n = [len(op.data) for op in self.ops]
        params = self.data if params is None else tuple(params)
        if len(params) != sum(n):
            raise GateError(f"Select takes {sum(n)} parameters (those of its operators, in "
                            f"order), got {len(params)}")
        edges = np.cumsum([0] + n)
        ops = [operator_params(op, params[lo:hi], op)[0] for op, lo, hi in zip(self.ops, edges[:-1], edges[1:])]
        return type(self)(ops, self.control, work_wires=self.work_wires or None, partial=self.partial,
                          id=self.id)

    def _build(self):
        n, c = len(self._op_gates), len(self.control)
        if self.partial:
            pairs = partial_select_controls(n, tuple(self.control))
        else:
            pairs = [(tuple(self.control), tuple((j >> (c - 1 - r)) & 1 for r in range(c)))
                     for j in range(n)]
        self._entries = []  # PennyLane's decomposition: one controlled operator per operator
        for op, gates, (controls, values) in zip(self.ops, self._op_gates, pairs):
            if controls:
                self._entries.append(ctrl(op, control=list(controls), control_values=list(values)))
            else:
                _apply(gates)
                self._entries.append(op)

    def decomposition(self) -> list:
        """PennyLane's decomposition: each operator controlled by its index (``qml.ctrl``
        of it: a gate PennyLane has, such as ``MultiControlledX``, or ``Controlled``).

        >>> import qsym as qml
        >>> qml.Select([qml.X(1), qml.Y(1)], control=[0]).decomposition()
        [MultiControlledX(wires=[0, 1], control_values=[False]), CY(wires=[0, 1])]
        """
        return list(self._entries)


class Reflection(Template):
    """PennyLane's ``qml.Reflection(U, alpha=pi, reflection_wires=None)``: the reflection
    ``-(I - (1 - exp(i alpha)) |psi><psi|)`` about ``|psi> = U|0>`` (on
    ``reflection_wires``, default ``U``'s wires), as PennyLane decomposes it: a global
    phase of pi, ``U``'s adjoint, a phase on ``|0...0>`` (a controlled ``PhaseShift``
    between ``X`` gates), then ``U``. ``alpha`` may be a circuit argument.

    >>> import qsym as qml
    >>> R = qml.matrix(qml.Reflection(qml.Hadamard(0)))
    >>> plus = np.array([1, 1]) / np.sqrt(2)
    >>> np.allclose(R, 2 * np.outer(plus, plus) - np.eye(2))
    True
    """

    _params = ("alpha",)

    def __init__(self, U, alpha=np.pi, reflection_wires=None, id=None):
        self.base, self.alpha, self.id = U, alpha, id
        self.wires = Wires(tuple(U.wires))
        rw = tuple(self.wires) if reflection_wires is None else wires_tuple(reflection_wires)
        if not set(rw) <= set(self.wires):
            raise WireError("The reflection wires must be a subset of the operation wires.")
        self.reflection_wires = rw
        self._u_gates = operator_gates(U, "Reflection")
        self._record()

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"base": self.base, "reflection_wires": tuple(self.reflection_wires)}

    def decomposition(self) -> list:
        """PennyLane's: ``GlobalPhase(pi)``, ``qml.adjoint(U)``, the phase on ``|0...0>``
        (``X``, ``PhaseShift`` controlled on zeros, ``X``), ``U`` itself.

        >>> import qsym as qml
        >>> qml.Reflection(qml.Hadamard(0), 0.5).decomposition()[:2]
        [GlobalPhase(3.141592653589793, wires=[]), Adjoint(H(0))]
        """
        w, alpha, X = self.reflection_wires, self.alpha, GATE_CLASSES["PauliX"]

        def make():
            phase = GATE_CLASSES["PhaseShift"](alpha, wires=w[-1])
            if len(w) > 1:
                phase = ctrl(phase, control=list(w[:-1]), control_values=[0] * (len(w) - 1))
            return [GATE_CLASSES["GlobalPhase"](np.pi), adjoint(self.base), X(wires=w[-1]),
                    phase, X(wires=w[-1]), self.base]
        return pennylane_entries(make)

    def _build(self):
        w, alpha = self.reflection_wires, unwrap(self.alpha)
        GATE_CLASSES["GlobalPhase"](np.pi)
        for g in reversed(self._u_gates):
            adjoint(g.remake())  # a copy: adjoint takes its gate off the tape
        GATE_CLASSES["PauliX"](wires=w[-1])
        if len(w) > 1:
            ctrl(GATE_CLASSES["PhaseShift"](alpha, wires=w[-1]), control=list(w[:-1]),
                 control_values=[0] * (len(w) - 1))
        else:
            GATE_CLASSES["PhaseShift"](alpha, wires=w[-1])
        GATE_CLASSES["PauliX"](wires=w[-1])
        _apply(self._u_gates)


def fixed_point_angles(iters: int, p_min: float) -> tuple:
    """The angles of fixed-point amplitude amplification (Yoder, Low, Chuang 2014, eq. 11;
    PennyLane's): ``(alphas, betas)``, ``iters // 2`` of each.

    >>> a, b = fixed_point_angles(4, 0.9)
    >>> len(a), np.allclose(b, [-a[1], -a[0]])
    (2, True)
    """
    delta = np.sqrt(1 - p_min)
    gamma = np.cos(np.arccos(1 / delta, dtype=np.complex128) / iters, dtype=np.complex128) ** -1
    alphas = [float(np.real(2 * np.arctan(1 / (np.tan(2 * np.pi * j / iters) * np.sqrt(1 - gamma**2)))))
              for j in range(1, iters // 2 + 1)]
    betas = [-alphas[-j] for j in range(1, iters // 2 + 1)]
    return alphas[: iters // 2], betas[: iters // 2]


class AmplitudeAmplification(Template):
    """PennyLane's ``qml.AmplitudeAmplification(U, O, iters=1, fixed_point=False,
    work_wire=None, p_min=0.9, reflection_wires=None)``: ``iters`` rounds of the oracle
    ``O`` then :class:`Reflection` about ``U|0>``; with ``fixed_point=True`` the
    fixed-point version (the oracle controlled by ``work_wire``, PennyLane's angles).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def grover():
    ...     for w in (0, 1):
    ...         qml.Hadamard(w)
    ...     U = qml.Hadamard(0) @ qml.Hadamard(1)
    ...     qml.AmplitudeAmplification(U, qml.FlipSign([1, 1], wires=[0, 1]), iters=1)
    ...     return qml.probs(wires=[0, 1])
    >>> np.round(grover(), 6)
    array([0., 0., 0., 1.])
    """

    def __init__(self, U, O, iters=1, fixed_point=False, work_wire=None, p_min=0.9,
                 reflection_wires=None):
        if not isinstance(iters, numbers.Integral) or iters < 0:
            raise GateError(f"AmplitudeAmplification: iters must be a non-negative int, got {iters!r}")
        if fixed_point and work_wire is None:
            raise WireError("work_wire must be specified if fixed_point == True.")
        if fixed_point and work_wire in tuple(O.wires):
            raise WireError("work_wire must be different from the wires of O.")
        self.U, self.O, self.iters, self.fixed_point = U, O, int(iters), bool(fixed_point)
        self.work_wire, self.p_min, self.id = work_wire, p_min, None
        self.reflection_wires = Wires(tuple(U.wires) if reflection_wires is None
                                      else wires_tuple(reflection_wires))
        self.wires = Wires(tuple(U.wires) + ((work_wire,) if fixed_point else ()))
        self._o_gates = operator_gates(O, "AmplitudeAmplification")
        operator_gates(U, "AmplitudeAmplification")  # applied through the reflections
        self._record()

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"U": self.U, "O": self.O, "iters": self.iters, "fixed_point": self.fixed_point,
                "work_wire": self.work_wire, "p_min": self.p_min,
                "reflection_wires": self.reflection_wires}

    def _build(self):
        rw = list(self.reflection_wires)
        if not self.fixed_point:
            for _ in range(self.iters):
                _apply(self._o_gates)
                Reflection(self.U, np.pi, reflection_wires=rw)
            return
        alphas, betas = fixed_point_angles(self.iters, self.p_min)
        h, ww = GATE_CLASSES["Hadamard"], self.work_wire
        for a, b in zip(alphas, betas):
            h(wires=ww)
            _ctrl_all(self._o_gates, (ww,), (1,))
            h(wires=ww)
            GATE_CLASSES["PhaseShift"](b, wires=ww)
            h(wires=ww)
            _ctrl_all(self._o_gates, (ww,), (1,))
            h(wires=ww)
            Reflection(self.U, -a, reflection_wires=rw)


def _coefficient(c, what: str):
    """A coefficient of a linear combination of unitaries: a number (complex), or a real
    expression of the circuit's inputs (sympy; a complex one is refused)."""
    if isinstance(c, sp.Basic) and c.free_symbols:
        if c.is_real is False or c.has(sp.I):
            raise GateError(f"{what}: a coefficient computed from circuit arguments must be "
                            f"real (got {c}); give complex coefficients as numbers")
        return c
    try:
        return complex(c)
    except TypeError as exc:
        raise GateError(f"{what}: the coefficients must be numbers or real expressions of "
                        f"the circuit's arguments, got {c!r}") from exc


def _lcu_weights(coeffs) -> tuple:
    """``(amplitudes, phases)`` of a linear combination's coefficients: ``sqrt(|c_j|)``
    and ``angle(c_j)``. A real coefficient of the circuit's inputs has its sign decided at
    the call's numbers (a per-call trace, as PennyLane's autograd runs the sign's branch):
    its amplitude is ``sqrt(c)`` or ``sqrt(-c)``, differentiable, its phase 0 or pi."""
    amps, phases = [], []
    for c in coeffs:
        if isinstance(c, sp.Basic):
            negative = bool(Traced(c) < 0)  # (a traced value's look: the call's sign)
            amps.append(sp.sqrt(-c if negative else c))
            phases.append(float(np.pi) if negative else 0.0)
        else:
            amps.append(float(np.sqrt(abs(c))))
            phases.append(float(np.angle(c)))
    return amps, phases


def _lcu_terms(lcu, what: str) -> tuple:
    """``(coefficients, operators)`` of a linear combination of unitaries, the
    coefficients as numbers."""
    mark_used(lcu)
    try:
        coeffs, ops = lcu.terms()
    except AttributeError as exc:
        raise GateError(f"{what} takes a linear combination of unitaries (qml.dot, "
                        f"qml.Hamiltonian, a sum), got {lcu!r}") from exc
    coeffs = [_coefficient(unwrap(c), what) for c in coeffs]
    coeffs = (np.asarray(coeffs, dtype=complex)
              if not any(isinstance(c, sp.Basic) for c in coeffs)
              else np.asarray(coeffs, dtype=object))
    # an identity term (PennyLane's wireless I()) acts on the combination's wires
    target = list(lcu.wires)
    with recording(Tape()):
        ops = [GATE_CLASSES["Identity"](wires=target)
               if getattr(op, "name", None) == "Identity" and not set(op.wires) <= set(target)
               else op for op in ops]
    return coeffs, ops


class PrepSelPrep(Template):
    """PennyLane's ``qml.PrepSelPrep(lcu, control)``: the block encoding of
    ``lcu = sum_j c_j U_j`` (divided by ``sum_j |c_j|``) as Prepare, Select, Prepare
    adjoint: ``sqrt(|c_j|)`` prepared on the control wires (RY and CNOT gates), then
    ``U_j`` with the phase of ``c_j`` selected by them (:class:`Select`, partial), then
    the preparation undone. Its wires are the control wires, then ``lcu``'s.

    >>> import qsym as qml
    >>> lcu = qml.dot([0.25, 0.75], [qml.Z(1), qml.X(1)])
    >>> U = qml.matrix(qml.PrepSelPrep(lcu, control=[0]), wire_order=[0, 1])
    >>> np.allclose(U[:2, :2], 0.25 * qml.Z(0).matrix() + 0.75 * qml.X(0).matrix())
    True
    """

    def __init__(self, lcu, control, id=None):
        self.lcu, self.control, self.id = lcu, Wires(wires_tuple(control)), id
        self.target_wires = Wires(tuple(lcu.wires))
        if set(self.control) & set(self.target_wires):
            raise WireError("Control wires should be different from operation wires.")
        self.coeffs, self._ops = _lcu_terms(lcu, "PrepSelPrep")
        if 2 ** len(self.control) < len(self._ops):
            raise GateError(f"PrepSelPrep: {len(self.control)} control wire(s) cannot select "
                            f"{len(self._ops)} operators")
        self._op_gates = [operator_gates(op, "PrepSelPrep") for op in self._ops]
        self.wires = Wires(tuple(self.control) + tuple(self.target_wires))
        self._record()

    resource_keys = frozenset({"num_control", "op_reps"})  # PennyLane's

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the ``qml.resource_rep`` of each operator of the linear
        combination, the number of control wires.

        >>> import qsym as qml
        >>> qml.PrepSelPrep(qml.dot([1.0, 2.0], [qml.X(0), qml.Z(0)]), control=[1]).resource_params
        {'op_reps': (PauliX, PauliZ), 'num_control': 1}
        """
        resource_rep = METHODS["resource_rep"]  # qsym.decomposition's (registered there)
        reps = tuple(resource_rep(type(op), **(getattr(op, "resource_params", None) or {}))
                     for op in self.lcu.terms()[1])
        return {"op_reps": reps, "num_control": len(self.control)}

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the linear combination's."""
        return list(self.lcu.data)

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's label: the name (``decimals`` do not change it); with a drawing
        cache of matrices, the index of the coefficients in it, ``PrepSelPrep(M0)``.

        >>> import qsym as qml
        >>> op = qml.PrepSelPrep(qml.dot([0.25, 0.75], [qml.Z(1), qml.X(1)]), control=0)
        >>> op.label(decimals=2), op.label(cache={"matrices": [0.1]})
        ('PrepSelPrep', 'PrepSelPrep(M1)')

        An ``id`` comes last, quoted:

        >>> qml.PrepSelPrep(op.lcu, control=0, id="a").label(cache={"matrices": []})
        'PrepSelPrep(M0,"a")'
        """
        from ._operations import matrix_label

        base = base_label or self.name
        # PennyLane's: the combination's coefficients as given (real ones real), not the
        # complex numbers qsym computes with
        shown = np.asarray([unwrap(c) for c in self.lcu.terms()[0]])
        shown = np.asarray(self.coeffs) if shown.dtype == object else shown
        text = matrix_label(base, shown, cache).replace("\n", "")
        if self.id is None:
            return text
        # PennyLane's: the id last, quoted: PrepSelPrep("a"), PrepSelPrep(M0,"a")
        return f'{base}("{self.id}")' if text == base else f'{text[:-1]},"{self.id}")'

    def __repr__(self):
        return f"PrepSelPrep(lcu={self.lcu}, control={self.control!r})"

    def remake(self, params=None):
        """A copy with ``params`` (the linear combination's data), made where it is called
        (``bind_new_parameters``)."""
        lcu, _ = templates.operator_params(self, params, self.lcu)
        return type(self)(lcu, self.control)

    def _flatten(self):
        """PennyLane's pytree protocol: ``((lcu,), (control,))``."""
        return (self.lcu,), (self.control,)

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(data[0], metadata[0])

    def _prepare(self) -> list:
        amps, _ = _lcu_weights(self.coeffs)
        amps = amps + [0.0] * (2 ** len(self.control) - len(amps))
        tape = active_tape()
        start = len(tape.items)
        if not any(isinstance(a, sp.Basic) for a in amps):
            amps = list(np.asarray(amps) / np.linalg.norm(amps))
        real_state_gates(amps, tuple(self.control))  # (its angles: ratios of the amplitudes)
        return tape.items[start:]

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"lcu": self.lcu, "control": self.control, "target_wires": self.target_wires}

    def decomposition(self) -> list:
        """PennyLane's: ``change_op_basis(AmplitudeEmbedding(sqrt|c|, normalize=True,
        pad_with=0), Select(ops, partial=True))``, each operator times the
        ``GlobalPhase`` that removes its coefficient's phase.

        >>> import qsym as qml
        >>> op = qml.PrepSelPrep(qml.dot([0.5, -0.5], [qml.Z(1), qml.X(1)]), control=[0])
        >>> [o.name for o in op.decomposition()[0].decomposition()]
        ['AmplitudeEmbedding', 'Select', 'Adjoint(AmplitudeEmbedding)']
        """
        return pennylane_entries(lambda: [self.change_of_basis(templates.AmplitudeEmbedding)])

    def change_of_basis(self, prepare):
        """``change_op_basis(prepare(sqrt|c|, normalize=True, pad_with=0), Select(ops,
        partial=True))``, each operator times the ``GlobalPhase`` that removes its
        coefficient's phase, recorded where it is called: PennyLane's decomposition
        (``prepare`` ``AmplitudeEmbedding``) and its rule (``StatePrep``).

        >>> import qsym as qml
        >>> op = qml.PrepSelPrep(qml.dot([0.5, -0.5], [qml.Z(1), qml.X(1)]), control=[0])
        >>> [o.name for o in op.change_of_basis(qml.StatePrep).decomposition()]
        ['StatePrep', 'Select', 'Adjoint(StatePrep)']
        """
        coeffs, ops = _lcu_terms(self.lcu, "PrepSelPrep")
        amps, phases = _lcu_weights(coeffs)
        phased = [prod(op, GATE_CLASSES["GlobalPhase"](-phase, wires=list(op.wires)))
                  for phase, op in zip(phases, ops)]
        if any(isinstance(a, sp.Basic) for a in amps):
            amps = np.asarray([Traced(sp.sympify(a)) for a in amps], dtype=object)
        state = prepare(amps, normalize=True, pad_with=0, wires=self.control)
        return change_op_basis(state, Select(phased, self.control, partial=True))

    def _build(self):
        prep = self._prepare()
        pairs = partial_select_controls(len(self._op_gates), tuple(self.control))
        _, phases = _lcu_weights(self.coeffs)
        for gates, angle, (controls, values) in zip(self._op_gates, phases, pairs):
            phase = _bare("GlobalPhase", -angle, wires=list(self.target_wires))
            _ctrl_all([phase, *gates], controls, values)
        for g in reversed(prep):
            adjoint(g.remake())  # a copy: adjoint takes its gate off the tape


class Qubitization(Template):
    """PennyLane's ``qml.Qubitization(hamiltonian, control)``: the walk operator of
    ``hamiltonian`` (a linear combination of unitaries): a :class:`Reflection` on the
    control wires, then :class:`PrepSelPrep`; its eigenphases are ``arccos`` of the
    Hamiltonian's eigenvalues over ``sum_j |c_j|``. Its wires are the control wires, then
    the Hamiltonian's.

    >>> import qsym as qml
    >>> H = qml.dot([0.4, 0.6], [qml.Z(1), qml.X(1)])
    >>> W = qml.matrix(qml.Qubitization(H, control=[0]), wire_order=[0, 1])
    >>> np.allclose(W @ W.conj().T, np.eye(4))
    True
    """

    def __init__(self, hamiltonian, control, id=None):
        self.hamiltonian, self.control, self.id = hamiltonian, Wires(wires_tuple(control)), id
        self.wires = Wires(tuple(self.control) + tuple(hamiltonian.wires))
        _lcu_terms(hamiltonian, "Qubitization")
        self._record()

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the Hamiltonian's."""
        return list(self.hamiltonian.data)

    def remake(self, params=None):
        """A copy with ``params`` (the Hamiltonian's data), made where it is called
        (``bind_new_parameters``)."""
        hamiltonian, _ = templates.operator_params(self, params, self.hamiltonian)
        return type(self)(hamiltonian, self.control)

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"hamiltonian": self.hamiltonian, "control": self.control}

    def __copy__(self):
        """A copy with a copy of the Hamiltonian and of the control wires (PennyLane's:
        not aliased).

        >>> import copy, qsym as qml
        >>> op = qml.Qubitization(qml.dot([1.0, 2.0], [qml.X(0), qml.Z(1)]), control=[2, 3])
        >>> dup = copy.copy(op)
        >>> dup.hamiltonian is op.hamiltonian, dup.wires == op.wires
        (False, True)
        """
        with recording(Tape()):
            return Qubitization(copy.copy(self.hamiltonian), Wires(tuple(self.control)), id=self.id)

    def _build(self):
        Reflection(GATE_CLASSES["Identity"](wires=list(self.control)))
        PrepSelPrep(self.hamiltonian, control=list(self.control))


def bitstrings(data, what: str) -> np.ndarray:
    rows = [[int(b) for b in s] if isinstance(s, str) else list(np.ravel(s)) for s in data]
    arr = np.asarray(rows)
    if arr.ndim != 2 or not np.isin(arr, (0, 1)).all():
        raise GateError(f"{what}: the data must be bitstrings (strings of 0 and 1, or rows of "
                        "bits) of one length")
    return arr.astype(int)


class QROM(Template):
    """PennyLane's ``qml.QROM(data, control_wires, target_wires, work_wires, clean=True)``:
    writes the bitstring ``data[j]`` onto ``target_wires`` (by ``X`` gates) when the
    control wires hold ``j``; with ``work_wires``, PennyLane's select-swap decomposition
    (columns of bitstrings selected, then controlled SWAPs; ``clean=True``: the work wires
    left as they were). Its wires are the control, target, then work wires.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=3))
    ... def read():
    ...     qml.X(0)  # control register holds 1
    ...     qml.QROM(["01", "10"], control_wires=[0], target_wires=[1, 2], work_wires=None)
    ...     return qml.probs(wires=[1, 2])
    >>> np.round(read(), 6)
    array([0., 0., 1., 0.])
    """

    def __init__(self, data, control_wires, target_wires, work_wires, clean=True, id=None):
        self.control_wires = Wires(wires_tuple(control_wires))
        self.target_wires = Wires(wires_tuple(target_wires))
        self.work_wires = Wires(() if work_wires is None else wires_tuple(work_wires))
        c, t, w = set(self.control_wires), set(self.target_wires), set(self.work_wires)
        if w & c:
            raise WireError("Control wires should be different from work wires.")
        if w & t:
            raise WireError("Target wires should be different from work wires.")
        if t & c:
            raise WireError("Target wires should be different from control wires.")
        self.bitstrings = bitstrings(data, "QROM")
        if 2 ** len(self.control_wires) < len(self.bitstrings):
            raise GateError(f"Not enough control wires ({len(self.control_wires)}) for the desired "
                            f"number of data ({len(self.bitstrings)}). At least "
                            f"{max(len(self.bitstrings) - 1, 0).bit_length()} control wires are required.")
        if self.bitstrings.shape[1] != len(self.target_wires):
            raise GateError("Bitstring length must match the number of target wires.")
        self.clean, self.id = bool(clean), id
        self.wires = Wires(tuple(self.control_wires) + tuple(self.target_wires)
                           + tuple(self.work_wires))
        self._record()

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.parameters``: the bitstrings."""
        return [self.bitstrings]

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"control_wires": self.control_wires, "target_wires": self.target_wires,
                "work_wires": self.work_wires, "clean": self.clean}

    @property
    def resource_params(self) -> dict:
        """PennyLane's resource parameters of ``QROM`` (what its decomposition rule's
        resources are a function of)."""
        return {"num_bitstrings": len(self.bitstrings), "num_control_wires": len(self.control_wires),
                "num_target_wires": len(self.target_wires),
                "num_work_wires": len(self.work_wires), "clean": self.clean}

    def __repr__(self):
        return (f"QROM(control_wires={self.control_wires!r}, target_wires={self.target_wires!r},  "
                f"work_wires={self.work_wires!r}, clean={self.clean})")

    def _build(self):
        qrom_select_swap(self.bitstrings, tuple(self.control_wires), tuple(self.target_wires),
                         tuple(self.work_wires), self.clean, entry=self._one_entry)


def qrom_select_swap(data, control, target, swap_work, clean, select_work=(), entry=None) -> None:
    """PennyLane's select-swap QROM (Low, Kliuchnikov, Schaeffer 2018; ``clean``: Berry et
    al. 2019, Fig. 4) applied: the bitstrings ``data`` in columns of ``depth`` (a power of
    2, as many as ``target + swap_work`` hold), each column a product of
    ``BasisEmbedding``s (``I`` past the data) on successive blocks of the swap wires,
    chosen by a :class:`Select` on the leading control wires (``select_work``: its work
    wires), then the column entry moved onto ``target`` by controlled SWAPs on the
    remaining control wires. ``entry(make)`` records what ``make()`` applies as one entry
    of a decomposition (a template's :meth:`~qsym.templates.Template._one_entry`)."""
    entry = entry or (lambda make: make())
    if not control:
        for bits in data:
            BasisEmbedding(bits, wires=list(target))
        return
    nt, swap = len(target), tuple(target) + tuple(swap_work)
    depth = min(2 ** (len(swap) // nt).bit_length() // 2, len(data))
    n_sel = len(control) - (depth.bit_length() - 1)
    sel, sw = list(control[:n_sel]), control[n_sel:]
    swaps = []  # PennyLane's order: the last swap-control wire's blocks first
    for ind in range(len(sw)):
        for j in range(2**ind):
            pairs = list(zip(swap[j * nt:(j + 1) * nt], swap[(j + 2**ind) * nt:(j + 2 ** (ind + 1)) * nt]))
            swaps.insert(0, (sw[-ind - 1], pairs))

    def apply_swaps(order):
        for c, pairs in order:
            entry(lambda c=c, pairs=pairs: ctrl(_swap_product(pairs), control=c))

    def apply_select():
        columns = _qrom_columns(data, depth, swap, nt)
        if sel:
            Select(columns, control=sel, work_wires=list(select_work) or None)
        else:
            for col in columns:
                entry(lambda col=col: reapply(col) or col)

    if not clean or depth == 1:
        apply_select()
        apply_swaps(swaps)
        return
    for _ in range(2):
        for w in target:
            GATE_CLASSES["Hadamard"](wires=w)
        apply_swaps(swaps[::-1])
        apply_select()
        apply_swaps(swaps)


def _qrom_columns(data, depth, swap, nt) -> list:
    """QROM's columns, made without recording: column ``i`` the product of the bitstrings
    ``i*depth + j`` (``I`` past the data) written by ``BasisEmbedding`` on the swap wires'
    block ``j``."""
    def aside(k, block):  # each made on a tape of its own: a BasisEmbedding prepares its wires
        with recording(Tape()):
            return (BasisEmbedding(data[k], wires=block) if k < len(data)
                    else GATE_CLASSES["Identity"](wires=block))

    cols = []
    for i in range(-(-len(data) // depth)):
        ops = [aside(i * depth + j, list(swap[j * nt:(j + 1) * nt])) for j in range(depth)]
        cols.append(ops[0] if len(ops) == 1 else Prod(*ops))
    return cols


def _swap_product(pairs):
    """PennyLane's ``prod(_multi_swap)(a, b)``: one SWAP, or the product of the SWAPs of
    the pairs (the last pair's written first, so the first is applied first)."""
    with recording(Tape()):
        swaps = [GATE_CLASSES["SWAP"](wires=list(p)) for p in pairs]
    return swaps[0] if len(swaps) == 1 else Prod(*swaps[::-1])


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    """The square root of a Hermitian positive semi-definite matrix (by ``eigh``; rounding
    below zero clipped); autograd's matrix differentiated through ``eigh`` (PennyLane's
    ``qml.math.sqrt_matrix``)."""
    xp = anp if isinstance(m, Box) else np
    w, v = xp.linalg.eigh(m)
    return xp.dot(v * xp.sqrt(xp.clip(w, 0, None)), xp.conj(v).T)


class BlockEncode(Template):
    """PennyLane's ``qml.BlockEncode(A, wires)``: the unitary
    ``[[A, sqrt(I - A A^†)], [sqrt(I - A^† A), -A^†]]`` (padded with the identity to the
    wires' size), ``A`` first divided by ``max(1, ||A A^†||, ||A^† A||)`` (infinity norms;
    PennyLane's ``hyperparameters["norm"]``), applied as a ``QubitUnitary``. ``A`` must be
    numbers (a scalar, a row or a matrix).

    >>> import qsym as qml
    >>> qml.BlockEncode(0.6, wires=[0]).matrix().round(6).real
    array([[ 0.6,  0.8],
           [ 0.8, -0.6]])
    """

    def device_applies(self) -> bool:
        """``default.qubit`` applies it as a matrix."""
        return True

    _params = ("A",)

    def __init__(self, A, wires, id=None):
        self.wires, self.id = Wires(wires_tuple(wires)), id
        # a SciPy sparse matrix (duck-typed: scipy is not a dependency) is applied as its
        # dense block encoding; the operator then has a sparse matrix only, as PennyLane's
        self._issparse = hasattr(A, "toarray") and hasattr(A, "asformat")
        A = A.toarray() if self._issparse else A
        # autograd's matrix (a trainable A in qml.grad): kept, the unitary computed from it
        # by autograd's functions, so that the circuit is differentiated through it
        xp = anp if isinstance(A, Box) else np
        try:  # a circuit's input is used by its number at each call (not differentiable)
            if xp is np:
                A = np.asarray(A, dtype=complex if np.iscomplexobj(A) else float)
        except QuantumFunctionError:
            raise  # (TracingError: the circuit is traced again with the call's numbers)
        except TypeError as exc:
            raise GateError(f"BlockEncode: A must be numbers (a scalar, a row or a matrix), "
                            f"got {A!r}") from exc
        if np.size(A) == 1:
            A = xp.reshape(A, (1, 1))
            norm = xp.abs(A[0, 0])
            subspace = (1, 1, 2 ** len(self.wires))
        else:
            A = xp.reshape(A, (1, -1)) if xp.ndim(A) == 1 else A
            ah = xp.conj(A).T
            norm = xp.maximum(xp.max(xp.sum(xp.abs(xp.dot(A, ah)), axis=1)),
                              xp.max(xp.sum(xp.abs(xp.dot(ah, A)), axis=1)))
            subspace = (*xp.shape(A), 2 ** len(self.wires))
        if subspace[2] < subspace[0] + subspace[1]:
            raise GateError(
                f"Block encoding a ({subspace[0]} x {subspace[1]}) matrix requires a Hilbert "
                f"space of size at least ({subspace[0] + subspace[1]} x "
                f"{subspace[0] + subspace[1]}). Cannot be embedded in a {len(self.wires)} qubit system.")
        if xp is anp:  # (autograd's: divided by its norm's value where it exceeds 1)
            self.A = A / norm if getval(norm) > 1 else A
        else:
            norm = float(norm)
            self.A = A / max(norm, 1.0)
        self.hyperparameters = {"norm": norm, "subspace": subspace}
        self._record()

    @staticmethod
    def compute_matrix(A, subspace) -> np.ndarray:
        """The block-encoding unitary of ``A`` (already normalized) in a space of size
        ``subspace[2]``.

        >>> BlockEncode.compute_matrix(np.array([[0.6]]), subspace=(1, 1, 2)).real
        array([[ 0.6,  0.8],
               [ 0.8, -0.6]])
        """
        n, m, k = subspace
        if isinstance(A, Box):  # autograd's matrix: the same unitary, differentiated
            A = anp.reshape(A, (n, m))
            ah = anp.conj(A).T
            u = anp.concatenate([
                anp.concatenate([A, _psd_sqrt(np.eye(n) - anp.dot(A, ah))], axis=1),
                anp.concatenate([_psd_sqrt(np.eye(m) - anp.dot(ah, A)), -ah], axis=1)], axis=0)
            pad = k - n - m
            if pad:
                u = anp.concatenate([anp.concatenate([u, np.zeros((n + m, pad))], axis=1),
                                     np.hstack([np.zeros((pad, n + m)), np.eye(pad)])], axis=0)
            return u if np.iscomplexobj(getval(A)) else anp.real(u)
        A = np.atleast_2d(np.asarray(A))
        ah = A.conj().T
        u = np.block([[A, _psd_sqrt(np.eye(n) - A @ ah)], [_psd_sqrt(np.eye(m) - ah @ A), -ah]])
        out = np.eye(k, dtype=complex)
        out[: n + m, : n + m] = u
        return out if np.iscomplexobj(A) else out.real

    def _build(self):
        u = BlockEncode.compute_matrix(self.A, self.hyperparameters["subspace"])
        GATE_CLASSES["QubitUnitary"](u, wires=list(self.wires))

    @property
    def has_matrix(self) -> bool:
        """True unless ``A`` was given sparse (PennyLane's: then only :meth:`sparse_matrix`)."""
        return not self._issparse

    has_adjoint = True  # PennyLane's (its adjoint: the block encoding of A^dagger)

    @property
    def has_sparse_matrix(self) -> bool:
        """True if ``A`` was given as a SciPy sparse matrix (PennyLane's).

        >>> BlockEncode(0.6, wires=[0]).has_sparse_matrix
        False
        """
        return self._issparse

    def _unitary(self, wire_order):
        m = super().matrix(wire_order)
        return m if np.iscomplexobj(self.A) else m.real

    def matrix(self, wire_order=None) -> np.ndarray:
        """The block-encoding unitary on ``wire_order`` (default: its wires), real for a
        real ``A`` as PennyLane's (its dtype follows ``A``'s). ``A`` given sparse: a
        ``MatrixUndefinedError``, as PennyLane's (use :meth:`sparse_matrix`).

        >>> BlockEncode(np.array([[0.1, 0.2], [0.3, 0.4]]), wires=[0, 1]).matrix().dtype
        dtype('float64')
        """
        if self._issparse:
            raise MatrixUndefinedError("BlockEncode: the operator was initialized with a sparse "
                                       "matrix; use op.sparse_matrix(), or give A dense")
        if isinstance(self.A, Box):  # autograd's A: the unitary autograd differentiates
            if wire_order is not None and list(wire_order) != list(self.wires):
                raise DifferentiationError(
                    "BlockEncode of a trainable A (autograd's values): qml.matrix on its own "
                    "wires only; take the matrix with wire_order=None and expand it, or at "
                    "numbers")
            return BlockEncode.compute_matrix(self.A, self.hyperparameters["subspace"])
        return self._unitary(wire_order)

    def sparse_matrix(self, wire_order=None, format="csr"):  # noqa: A002
        """The block-encoding unitary as a SciPy sparse matrix in ``format``, for ``A``
        given sparse (PennyLane's; a dense ``A``: ``SparseMatrixUndefinedError``, use
        :meth:`matrix`). Needs scipy, which qsym does not depend on.

        >>> BlockEncode(0.6, wires=[0]).has_sparse_matrix
        False
        """
        if not self._issparse:
            raise SparseMatrixUndefinedError("BlockEncode: The operator is initialized with a "
                                             "dense matrix, use the matrix method instead.")
        return sparse_of(self._unitary(wire_order), format)

    def adjoint(self):
        """The block encoding of ``A^†`` (PennyLane's ``BlockEncode.adjoint``)."""
        return BlockEncode(self.A.conj().T, wires=list(self.wires))

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """PennyLane's drawing label, ``"BlockEncode"``."""
        return base_label or "BlockEncode"


class CosineWindow(Template):
    """PennyLane's ``qml.CosineWindow(wires)``: the state
    ``sqrt(2**(1-m)) sum_k cos(pi k / 2**m - pi/2) |k>`` on ``m`` wires (the first most
    significant), from ``|0...0>``, as PennyLane decomposes it: ``Hadamard`` and
    ``RZ(pi)`` on the last wire, ``Adjoint(QFT)``, then ``PhaseShift(pi / 2**(i+1))`` on
    wire ``i``. :meth:`state_vector` gives the state without a circuit.

    >>> import qsym as qml
    >>> np.round(qml.CosineWindow(wires=[0, 1]).state_vector().ravel() ** 2, 6) + 0.0
    array([0.  , 0.25, 0.5 , 0.25])
    """

    _box = "CosineWindow"  # PennyLane's label

    def __init__(self, wires, id=None):
        self.wires, self.id = Wires(wires_tuple(wires)), id
        self._record()

    def _build(self):
        w = tuple(self.wires)
        GATE_CLASSES["Hadamard"](wires=w[-1])
        GATE_CLASSES["RZ"](np.pi, wires=w[-1])
        self._one_entry(lambda: adjoint(QFT(wires=w)))
        for i, wire in enumerate(w):
            GATE_CLASSES["PhaseShift"](np.pi * 2.0 ** (-i - 1), wires=wire)

    def state_vector(self, wire_order=None) -> np.ndarray:
        """The prepared state as a tensor, one axis per wire of ``wire_order`` (default:
        the template's wires; the other wires in ``|0>``), PennyLane's ``state_vector``.

        >>> CosineWindow(wires=[0]).state_vector().round(12) + 0.0
        array([0., 1.])
        """
        m = len(self.wires)
        k = np.arange(2 ** m)
        vector = np.sqrt(2.0 ** (1 - m)) * np.cos(-np.pi / 2 + np.pi * k / 2 ** m)
        return state_on_wires(vector, self.wires, wire_order, "CosineWindow")


StatePrepBase.register(CosineWindow)  # PennyLane's CosineWindow is a StatePrepBase


def _operators(ops, arg: str) -> tuple:
    """``HilbertSchmidt``'s ``U`` or ``V``: one operator or an iterable of operators."""
    kinds = (Operation, GateSequence, Prod)
    if isinstance(ops, kinds):
        return (ops,)
    ops = tuple(ops) if isinstance(ops, (list, tuple)) else (ops,)
    if not ops or not all(isinstance(op, kinds) for op in ops):
        raise GateError(f"The argument '{arg}' must be an Operator or an iterable of Operators.")
    return ops


def _all_wires(ops) -> tuple:
    out = []
    for op in ops:
        out += [w for w in op.wires if w not in out]
    return tuple(out)


class HilbertSchmidt(Template):
    """PennyLane's ``qml.HilbertSchmidt(V, U)``: the Hilbert-Schmidt test of a unitary
    ``U`` (operators on the first register) against ``V`` (on a second register of as many
    wires): Bell pairs between the registers, ``U``, the complex conjugate of each
    operator of ``V`` (a ``QubitUnitary`` of its matrix), then the Bell pairs undone; the
    probability of ``|0...0>`` is ``|Tr(V^dagger U)|^2 / d^2``. ``V``'s operators must
    have numbers as parameters (their matrices are conjugated).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def hst():
    ...     qml.HilbertSchmidt(qml.RZ(0.5, wires=1), qml.Hadamard(0))
    ...     return qml.probs()
    >>> bool(np.isclose(hst()[0], np.sin(0.25) ** 2 / 2))  # |Tr(RZ(0.5)^dagger H)|^2 / 4
    True
    """

    num_params = 0  # PennyLane's (the operators' parameters are their own)

    def __init__(self, V, U, id=None):
        u_ops, v_ops = _operators(U, "U"), _operators(V, "V")
        u_wires, v_wires = _all_wires(u_ops), _all_wires(v_ops)
        if len(u_wires) != len(v_wires):
            raise GateError("U and V must have the same number of wires.")
        if set(u_wires) & set(v_wires):
            raise GateError("Operators in U and V must act on distinct wires.")
        self._hyperparameters = {"U": u_ops, "V": v_ops}
        self.wires, self.id = Wires(u_wires + v_wires), id
        self._u_gates = [operator_gates(op, type(self).__name__) for op in u_ops]
        for op in v_ops:
            operator_gates(op, type(self).__name__)  # taken off the tape: applied conjugated
        self._record()

    @property
    def data(self) -> tuple:
        """The parameters of ``V``'s operators, then ``U``'s (PennyLane's ``data``)."""
        ops = (*self._hyperparameters["V"], *self._hyperparameters["U"])
        return tuple(d for op in ops for d in op.data)

    @data.setter
    def data(self, new_data) -> None:
        """New parameters for ``V``'s gates, then ``U``'s, in :attr:`data`'s order (the
        gates made again with them; PennyLane's setter)."""
        new_data, out = list(new_data), {}
        for key in ("V", "U"):
            ops = []
            for op in self._hyperparameters[key]:
                k = len(op.data)
                if k and new_data and hasattr(op, "remake"):
                    with recording(Tape()):
                        op = op.remake(new_data[:k])
                    new_data = new_data[k:]
                ops.append(op)
            out[key] = tuple(ops)
        self._hyperparameters = {"U": out["U"], "V": out["V"]}
        with recording(Tape()):  # the decomposition made again with the new numbers
            self._u_gates = [operator_gates(op, self.name) for op in out["U"]]
            self._record()

    def _flatten(self):
        """PennyLane's: ``((V, U), ())``."""
        return (self._hyperparameters["V"], self._hyperparameters["U"]), ()

    @classmethod
    def _unflatten(cls, data, metadata):
        """The test again from :meth:`_flatten`'s output."""
        return cls(*data)

    def map_wires(self, wire_map: dict):
        """PennyLane does not map the wires of this test."""
        raise NotImplementedError("Mapping the wires of HilbertSchmidt is not implemented.")

    def __copy__(self):
        with recording(Tape()):
            return type(self)([copy.copy(op) for op in self._hyperparameters["V"]],
                              [copy.copy(op) for op in self._hyperparameters["U"]])

    def _v_conjugates(self) -> None:
        for op in self._hyperparameters["V"]:
            try:
                m = np.asarray(op.matrix(), dtype=complex)
            except (TypeError, ValueError, GateError) as exc:
                raise GateError(
                    f"{self.name}: V's operator {op!r} needs a numeric matrix (its complex "
                    "conjugate is applied as a QubitUnitary); give V's parameters as numbers, "
                    "not circuit inputs") from exc
            GATE_CLASSES["QubitUnitary"](m.conjugate(), wires=list(op.wires))

    def _build(self):
        w, n = tuple(self.wires), len(self.wires)
        half = n // 2
        for i in range(half):
            GATE_CLASSES["Hadamard"](wires=w[i])
        for i in range(half):
            GATE_CLASSES["CNOT"](wires=[w[i], w[half + i]])
        for gates in self._u_gates:
            _apply(gates)
        self._v_conjugates()
        self._undo_bell_pairs(w, half)

    def _undo_bell_pairs(self, w, half) -> None:
        for i in reversed(range(half)):
            GATE_CLASSES["CNOT"](wires=[w[i], w[half + i]])
        for i in range(half):
            GATE_CLASSES["Hadamard"](wires=w[i])


class LocalHilbertSchmidt(HilbertSchmidt):
    """PennyLane's ``qml.LocalHilbertSchmidt(V, U)``: :class:`HilbertSchmidt` with only
    the first Bell pair undone at the end (the local test, measured on two wires).

    >>> import qsym as qml
    >>> [g.name for g in qml.LocalHilbertSchmidt(qml.RZ(0.1, wires=1), qml.Hadamard(0)).decomposition()]
    ['Hadamard', 'CNOT', 'Hadamard', 'QubitUnitary', 'CNOT', 'Hadamard']
    """

    def _undo_bell_pairs(self, w, half) -> None:
        GATE_CLASSES["CNOT"](wires=[w[0], w[half]])
        GATE_CLASSES["Hadamard"](wires=w[0])


def _hamiltonian_terms(hamiltonian) -> tuple:
    """PennyLane's QDrift terms of a ``Sum``: ``(coefficients, operators)``, a
    ``LinearCombination``'s ``terms()``, else each operand's scalar and base (1 for an
    operand that is not a scalar product)."""
    if not isinstance(hamiltonian, Sum):
        raise TypeError(f"The given operator must be a PennyLane ~.Sum, got {hamiltonian}")
    if isinstance(hamiltonian, LinearCombination):
        coeffs, ops = hamiltonian.terms()
        return list(coeffs), list(ops)
    coeffs, ops = [], []
    for op in hamiltonian.operands:
        coeffs.append(op.scalar if isinstance(op, SProd) else 1.0)
        ops.append(op.base if isinstance(op, SProd) else op)
    return coeffs, ops


def sample_decomposition(coeffs, ops, time, n=1, seed=None) -> list:
    """PennyLane's QDrift sample (``_sample_decomposition``): ``n`` factors
    ``Evolution(P_j, -sign(h_j) * lambda * time / n)`` (``exp(i sign(h_j) lambda time P_j /
    n)``, ``lambda = sum |h_j|``), ``j`` drawn with probability ``|h_j| / lambda`` by
    ``numpy.random.default_rng(seed).choice`` (PennyLane's draws); recorded nowhere.

    >>> [str(e) for e in sample_decomposition([1.0, -0.001], [GATE_CLASSES["PauliX"](0), GATE_CLASSES["PauliZ"](0)], 0.5, n=2, seed=1)]
    ['Evolution(0.25025j PauliX)', 'Evolution(0.25025j PauliX)']
    """
    mags = np.abs(np.asarray([complex(c) for c in coeffs]))
    norm = float(np.sum(mags))
    exps = []
    for op, c, m in zip(ops, coeffs, mags):
        if complex(c).imag == 0:
            with recording(Tape()):  # (its rotations made: applied where the template is)
                exps.append(evolve(op, -(complex(c) / m).real * norm * time / n))
        else:  # a complex coefficient's phase: not a unitary, an operator only (PennyLane's)
            with not_recording():
                exps.append(evolve(op, -(complex(c) / m) * norm * time / n))
    picks = np.random.default_rng(seed).choice(len(exps), p=mags / norm, size=n, replace=True)
    return [exps[int(k)] for k in picks]


def _no_coefficient_gradient(values) -> None:
    raise QuantumFunctionError(
        "The QDrift template currently doesn't support differentiation through the "
        "coefficients of the input Hamiltonian.")


class QDrift(Template):
    """PennyLane's ``qml.QDrift(hamiltonian, time, n=1, seed=None)``: the QDrift product
    approximating ``exp(i H time)`` for ``H = sum_j h_j P_j`` (a ``Sum``): ``n`` factors
    ``exp(i sign(h_j) lambda time P_j / n)``, ``lambda = sum |h_j|``, each term drawn with
    probability ``|h_j| / lambda`` (:func:`sample_decomposition`, PennyLane's draws for a
    seed). The time may be a circuit input (its gradient is exact); the coefficients'
    numbers choose the terms: a derivative by them is PennyLane's
    ``QuantumFunctionError``. Without a seed, qsym draws once per trace.

    >>> import qsym as qml
    >>> H = qml.dot([0.25, 0.75], [qml.X(0), qml.Z(0)])
    >>> [op.base.name for op in qml.QDrift(H, time=1.2, n=3, seed=10).decomposition()]
    ['PauliZ', 'PauliX', 'PauliZ']
    """

    def __init__(self, hamiltonian, time, n=1, seed=None, id=None):
        coeffs, ops = _hamiltonian_terms(hamiltonian)
        if len(ops) < 2:
            raise GateError("There should be at least 2 terms in the Hamiltonian. Otherwise use `qp.exp`")
        mark_used(hamiltonian)
        exprs = [unwrap(c) for c in coeffs]
        traced = [e for e in exprs if getattr(e, "free_symbols", None)]
        if traced:
            add_check("QDrift", traced, _no_coefficient_gradient, derivative=True)
        self.hamiltonian, self.time, self.n, self.seed, self.id = hamiltonian, time, n, seed, id
        self.wires = Wires(tuple(hamiltonian.wires))
        # without a seed, a fresh draw (PennyLane's default_rng(None)) made once per trace:
        # the trace's replay (and a per-call trace's reruns) reuse the traced run's seed
        draw = seed if seed is not None else choice(int(np.random.SeedSequence().entropy))
        self._sample = sample_decomposition(coeffs, ops, unwrap(time), n=n, seed=draw)
        self._record()

    parameters = TrotterProduct.parameters  # the Hamiltonian's data, then the time

    def remake(self, params=None):
        """A copy with ``params`` (the Hamiltonian's data, then the time), the same ``n`` and
        ``seed``, made where it is called (``bind_new_parameters``)."""
        hamiltonian, time = templates.operator_params(self, params, self.hamiltonian,
                                                       time="last")
        return type(self)(hamiltonian, time, self.n, self.seed)

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's ``op.hyperparameters`` (its keys)."""
        return {"n": self.n, "seed": self.seed, "base": self.hamiltonian}

    def _flatten(self):
        """PennyLane's: ``((hamiltonian, time), (("n", n), ("seed", seed)))``."""
        return (self.hamiltonian, self.time), (("n", self.n), ("seed", self.seed))

    @classmethod
    def _unflatten(cls, data, metadata):
        """The operator again from :meth:`_flatten`'s output."""
        return cls(*data, **dict(metadata))

    @staticmethod
    def compute_decomposition(*params, **hyperparameters) -> list:
        """PennyLane's ``QDrift.compute_decomposition(*op.parameters,
        **op.hyperparameters)``: the sample for ``base``, ``n``, ``seed`` and the time (the
        last parameter), recorded where it is called."""
        coeffs, ops = _hamiltonian_terms(hyperparameters["base"])
        sample = sample_decomposition(coeffs, ops, params[-1], n=hyperparameters["n"],
                                      seed=hyperparameters["seed"])
        return [evolve(e.base, e.param) for e in sample]

    @staticmethod
    def error(hamiltonian, time, n=1) -> float:
        """PennyLane's bound on the QDrift error, ``(2 lambda^2 t^2 / n) exp(2 lambda t /
        n)`` with ``lambda = sum |h_j|``.

        >>> import qsym as qml
        >>> round(float(QDrift.error(qml.dot([0.5, 0.5], [qml.X(0), qml.Z(0)]), 0.1, n=10)), 10)
        0.0020404027
        """
        coeffs, _ = _hamiltonian_terms(hamiltonian)
        lam = float(np.sum(np.abs([complex(c) for c in coeffs])))
        return (2 * lam**2 * time**2 / n) * np.exp(2 * lam * time / n)

    def _build(self):
        for e in self._sample:
            self._one_entry(lambda e=e: evolve(e.base, e.param))


SUBROUTINES = {cls.__name__: cls for cls in (Select, Reflection, AmplitudeAmplification,
                                             PrepSelPrep, Qubitization, QROM, BlockEncode,
                                             CosineWindow, HilbertSchmidt, LocalHilbertSchmidt,
                                             QDrift)}


def recursive_expression(x, order, ops) -> list:
    """PennyLane's Suzuki-Trotter product of ``ops`` as ``Evolution`` factors
    (``_recursive_expression``): ``Evolution(op, -t)`` for each ``(t, op)`` of
    :func:`qsym.templates.trotter_sequence`, recorded nowhere.

    >>> [e.param for e in recursive_expression(0.5, 2, [GATE_CLASSES["PauliX"](0), GATE_CLASSES["PauliZ"](0)])]
    [-0.25, -0.25, -0.25, -0.25]
    """
    with recording(Tape()):
        return [evolve(op, -t) for t, op in trotter_sequence(x, order, list(ops))]


def recursive_qfunc(time, order, qfunc, wires, reverse, *qfunc_args, **qfunc_kwargs) -> list:
    """PennyLane's ``_recursive_qfunc``: the gates of one order-``order`` step of
    :func:`qsym.templates.trotterize` at ``time``, recorded nowhere."""
    with recording(Tape()):
        return TrotterizedQfunc(time, *qfunc_args, qfunc=qfunc, n=1, order=order,
                                reverse=reverse, wires=wires, **qfunc_kwargs).decomposition()


def _module(name: str, doc: str, **names):
    import sys
    import types

    full = name if name.split(".")[0] in ("state_preparations", "subroutines") else f"subroutines.{name}"
    mod = types.ModuleType(f"{templates.__name__}.{full}", doc)
    mod.__dict__.update(names)
    sys.modules[mod.__name__] = mod
    parent, _, leaf = mod.__name__.rpartition(".")
    if parent in sys.modules and not hasattr(sys.modules[parent], leaf):
        setattr(sys.modules[parent], leaf, mod)  # the attribute path too (qml.templates.subroutines.select)
    return mod


template_module = _module  # PennyLane's module paths of the template modules below this one

# PennyLane's module paths of the time-evolution templates (its tests import private helpers)
time_evolution = _module(
    "time_evolution", "PennyLane's time-evolution templates",
    TrotterProduct=TrotterProduct, TrotterizedQfunc=TrotterizedQfunc, trotterize=trotterize,
    ApproxTimeEvolution=ApproxTimeEvolution, CommutingEvolution=CommutingEvolution, QDrift=QDrift,
    trotter=_module("time_evolution.trotter", "PennyLane's trotter module",
                    TrotterProduct=TrotterProduct, TrotterizedQfunc=TrotterizedQfunc,
                    trotterize=trotterize, _scalar=suzuki_scalar,
                    _recursive_expression=recursive_expression, _recursive_qfunc=recursive_qfunc),
    qdrift=_module("time_evolution.qdrift", "PennyLane's qdrift module", QDrift=QDrift,
                   _sample_decomposition=sample_decomposition),
    approx_time_evolution=_module("time_evolution.approx_time_evolution", "PennyLane's module",
                                  ApproxTimeEvolution=ApproxTimeEvolution),
    commuting_evolution=_module("time_evolution.commuting_evolution", "PennyLane's module",
                                CommutingEvolution=CommutingEvolution),
)
"""The subroutines of this module, by PennyLane name (all also ``qml.<name>``)."""



def gray_code(rank: int) -> np.ndarray:
    """The binary Gray code of ``rank`` bits as integers (PennyLane's ``gray_code`` of its
    Mottonen module).

    >>> gray_code(3).tolist()
    [0, 1, 3, 2, 6, 7, 5, 4]
    """
    g = np.array([0, 1], dtype=np.int64)
    for i in range(1, rank):
        g = np.concatenate([g, g[::-1] + 2**i])
    return g


def compute_theta(alpha, num_qubits=None) -> np.ndarray:
    """The Gray-code angles of a uniformly controlled rotation from its multiplexed angles
    ``alpha`` (last axis, length ``2**n``): ``theta_i = 2**-n sum_j (-1)**(j . g_i)
    alpha_j``, ``g_i`` the ``i``-th Gray code, ``.`` the bitwise dot product (Mottonen et
    al. 2004, Eq. 3, inverted; PennyLane's ``compute_theta``).

    >>> compute_theta(np.array([1.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    alpha = np.asarray(alpha)
    size = alpha.shape[-1] if num_qubits is None else 2**num_qubits
    if alpha.shape[-1] != size:
        raise GateError(f"compute_theta: alpha's last axis must have length 2**num_qubits = {size}, "
                        f"got {alpha.shape[-1]}")
    g = [(i >> 1) ^ i for i in range(size)]
    signs = np.array([[(-1) ** bin(j & gi).count("1") for j in range(size)] for gi in g])
    return np.tensordot(alpha, signs, axes=([-1], [1])) / size


def not_provided(module: str, name: str):
    """A PennyLane private helper qsym does not reproduce (its tests import it): calling
    it raises ``NotImplementedError`` naming it."""
    def refused(*args, **kwargs):
        raise NotImplementedError(
            f"{module}.{name} is PennyLane's private helper; qsym does not provide it (use the "
            "template itself)")

    refused.__name__ = name
    return refused


_SP, _SUB = "pennylane.templates.state_preparations", "pennylane.templates.subroutines"
# PennyLane's module paths of templates with the private helpers its tests import: qsym's
# equivalents where qsym has one, a refusal otherwise
templates.state_preparations.mottonen = _module(
    "state_preparations.mottonen", "PennyLane's mottonen module",
        MottonenStatePreparation=templates.MottonenStatePreparation, gray_code=gray_code,
        _get_alpha_y=templates.mottonen_alpha_y, _get_alpha_z=templates.mottonen_alpha_z,
        compute_theta=compute_theta,
        # (qsym.decomposition puts the rule here once it is made)
        mottonen_decomp=not_provided(f"{_SP}.mottonen", "mottonen_decomp"))
_module("state_preparations.arbitrary_state_preparation", "PennyLane's module",
        ArbitraryStatePreparation=templates.ArbitraryStatePreparation,
        _state_preparation_pauli_words=templates.state_preparation_words)
_module("subroutines.arbitrary_unitary", "PennyLane's module",
        ArbitraryUnitary=templates.ArbitraryUnitary, _n_k_gray_code=templates.n_k_gray_code,
        _all_pauli_words_but_identity=templates.pauli_words_gray,
        _tuple_to_word=lambda t: "".join("IXYZ"[c] for c in t))
_module("subroutines.amplitude_amplification", "PennyLane's module",
        AmplitudeAmplification=AmplitudeAmplification, _get_fixed_point_angles=fixed_point_angles)
_module("subroutines.select", "PennyLane's module", Select=Select,
        _partial_select=lambda K, control: [list(p) for p in partial_select_controls(K, control)],
)  # its decomposition rules: qsym._select
