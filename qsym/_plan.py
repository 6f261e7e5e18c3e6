"""Stage 4, plan: the gradient of a circuit as data.

The derivative of a measurement by an input ``x_j`` is

    sum over gate-parameter slots s:  (d theta_s / d x_j) * (shift rule of s applied to theta_s)
    + sum over Pauli words t:          (d c_t / d x_j) * <P_t>        (coefficients that depend on x)

The chain rule (:func:`chain_rule`, exact sympy) and the shift rule (:func:`shift_terms`, from
the rule table in :mod:`qsym.rules`) are separate functions, tested separately. Slots that
cannot reach a measured wire (:func:`light_cone`) get no circuits at all.

>>> import sympy as sp
>>> from qsym._ir import Circuit, Op, Measurement
>>> a, b = sp.symbols("a b", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (2 * a,)), Op("RY", (0,), (a * b,))),
...             (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),), inputs=(a, b))
>>> p = make_plan(c)
>>> [(e.slot, e.input, e.factor) for e in p.chain]
[(0, 0, 2), (1, 0, b), (1, 1, a)]
>>> [(t.slot, t.coeff, round(t.shift, 6)) for t in p.terms]
[(0, 0.5, 1.570796), (0, -0.5, -1.570796), (1, 0.5, 1.570796), (1, -0.5, -1.570796)]
>>> p.executions
5
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, NamedTuple

import sympy as sp
from sympy.core.function import ArgumentIndexError

from ._ir import Circuit, kernel_outcomes, kernel_probs, linear_rows


@dataclass(frozen=True)
class Slot:
    """Parameter ``pos`` of op ``op``, whose value is ``expr`` (of inputs and data)."""

    op: int
    pos: int
    expr: sp.Expr


@dataclass(frozen=True)
class ChainEntry:
    """``factor = d theta_slot / d inputs[input]``, exact and non-zero."""

    slot: int
    input: int
    factor: sp.Expr


@dataclass(frozen=True)
class ShiftTerm:
    """One term of a shift rule: ``coeff * f(mult * theta_slot + shift)``."""

    slot: int
    op: int
    pos: int
    coeff: float
    mult: float
    shift: float
    # a period of the circuit's value in theta_slot (qsym.rules.ShiftRule.period; 0.0:
    # none known): the shifted parameter is reduced_angle(theta, period) + shift
    period: float = 0.0

    @property
    def zero(self) -> bool:
        """True if this term is the unshifted circuit (its value is reused, nothing runs)."""
        return self.mult == 1.0 and self.shift == 0.0


@dataclass(frozen=True)
class CoeffChainEntry:
    """``factor = d coeffs[measurement][word] / d inputs[input]``."""

    measurement: int
    word: int
    input: int
    factor: sp.Expr


class ProbWord(NamedTuple):
    """A measured word that is a probability: outcome ``outcome`` (an index, ``on[0]`` most
    significant) of the computational basis on wires ``on``. A ``qml.probs`` over ``k``
    wires is ``2^k`` of them, measured from one pass over the state (see
    ``qsym._kernels.marginal_probs``); as a Pauli sum it would be ``4^k`` coefficients."""

    on: tuple
    outcome: int


@dataclass(frozen=True)
class GradientPlan:
    """Everything the emitter needs to compute values and the Jacobian.

    Attributes:
        slots: every gate parameter, in op order.
        chain: non-zero chain-rule factors.
        terms: shift terms, sorted by op (the kernel walks the circuit once).
        words: the distinct Pauli words measured, then the probabilities
            (:class:`ProbWord`, ``probs`` of them, in the order of the measurements).
        coeffs: ``coeffs[r][t]``: coefficient of word ``t`` in linear row ``r`` (the rows of
            the measurements but ``probs``, in order, :func:`qsym._ir.linear_rows`). The
            outputs are these rows, then the ``probs`` probabilities
            (:func:`qsym._ir.post_layout`).
        probs: the number of probabilities (the last words and the last outputs).
        coeff_chain: non-zero derivatives of coefficients by inputs.
        pruned: slots that depend on inputs but cannot reach a measured wire.
        diff_slots: the slots that are differentiated (depend on inputs, inside the light
            cone), sorted by op: what the adjoint method sweeps over.
        derivatives: False for a plan of values only (``make_plan(derivatives=False)``:
            no chain rule, no shift terms, no coefficient derivatives): it computes
            values, never a derivative.
    """

    slots: tuple[Slot, ...]
    chain: tuple[ChainEntry, ...]
    terms: tuple[ShiftTerm, ...]
    words: tuple
    coeffs: tuple[tuple[sp.Expr, ...], ...]
    coeff_chain: tuple[CoeffChainEntry, ...]
    pruned: tuple[int, ...]
    diff_slots: tuple[int, ...] = ()
    probs: int = 0
    derivatives: bool = True
    # shifted circuits PennyLane's parameter shift runs for the slots of inputs in its light
    # cone but not in qsym's (:func:`graph_cone`: gates reaching only an identity factor's
    # wire): their derivative is exactly 0, computed without a circuit; counted, not run
    idle_runs: int = 0
    # PennyLane's circuits for a variance beyond those of <A> (``var_param_shift``): the
    # unshifted expectation tape, and with an observable it squares (a Hermitian,
    # :attr:`qsym._ir.Measurement.pl_squared`) the shifted tapes of <A^2>; counted, not run
    # (qsym measures <A> and <A^2> from the same states)
    var_runs: int = 0
    # PennyLane's parameter shift differentiates a Conditional's (qml.cond's) parameters by a
    # forward difference (its grad_method "F"): one circuit per parameter, and the unshifted
    # circuit once; qsym differentiates the deferred controlled gate exactly by its own rule.
    # The difference in circuits, counted as PennyLane's (qml.Tracker), not run
    cond_runs: int = 0
    # PennyLane's parameter shift keeps a template of grad_method "A" whole
    # (FermionicDoubleExcitation: 4 circuits by its frequencies (0.5, 1)); qsym shifts the
    # gates it wrote (16). The difference, counted as PennyLane's (qml.Tracker), not run
    template_runs: int = 0

    @property
    def num_outputs(self) -> int:
        """The number of outputs: linear rows, then probabilities."""
        return len(self.coeffs) + self.probs

    @cached_property
    def executions(self) -> int:
        """Circuit executions for one gradient: the value circuit plus each shifted one."""
        return 1 + sum(1 for t in self.terms if not t.zero)

    @cached_property  # read on every gradient call (qml.Tracker counts)
    def counted_executions(self) -> int:
        """The circuits one parameter-shift gradient runs as PennyLane counts them
        (``qml.Tracker``): :attr:`executions` and PennyLane's circuits for derivatives
        qsym knows are 0 (:attr:`idle_runs`) and a variance's (:attr:`var_runs`)."""
        return (self.executions + self.idle_runs + self.var_runs + self.cond_runs
                + self.template_runs)


def light_cone(circuit: Circuit) -> tuple[bool, ...]:
    """For each op: can it influence a measured or postselected wire? (Backward sweep over
    wire sets.)

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> c = Circuit(2, (Op("Hadamard", (1,)), Op("Hadamard", (0,))),
    ...             (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),))
    >>> light_cone(c)
    (False, True)
    """
    live = set()
    for m in circuit.measurements:
        live.update(m.wires)
        live.update(post_wires(m))
    return _cone(circuit, live)


def post_wires(m) -> set:
    """The wires a measurement postselects on (a deferred ``qml.measure(...,
    postselect=v)``): its value is that of the renormalised projected state, so every op
    that reaches one of them changes it, as a measured wire's ops do.

    >>> import sympy as sp
    >>> from qsym._ir import Measurement
    >>> z0 = ((sp.S(1), ((0, "Z"),)),)
    >>> post = ((0.5, ()), (-0.5, ((2, "Z"),)))
    >>> sorted(post_wires(Measurement("expval", z0, post=post)))
    [2]
    """
    return {w for _, word in m.post for w, _ in word}


def graph_wires(m) -> set:
    """The wires of a measurement in PennyLane's circuit graph (``mp.wires``): those it
    measures, and an observable's wires as written (``m.label[4]``, device indices), identity
    factors included: ``qml.Z(1) @ qml.I(0)`` and ``qml.Hamiltonian([a, b], [qml.Z(1),
    qml.I(0)])`` are on wires 1 and 0, though only wire 1 is measured. Not the wires a
    measurement postselects on (:func:`post_wires`): PennyLane's graph has the
    postselecting ``MidMeasureMP`` as an operator on its wire, reached only through the
    ops after it (a ``qml.cond`` reading it), so its gradient transforms count no circuit
    for a gate that reaches the measurements only through the postselected wire (and give
    its derivative 0, which is wrong where the renormalisation depends on it: qsym's
    :func:`light_cone` keeps the postselected wires and computes it).

    >>> import sympy as sp
    >>> from qsym._ir import Measurement
    >>> z1 = ((sp.S(1), ((1, "Z"),)),)
    >>> sorted(graph_wires(Measurement("expval", z1, label=("expval", "Prod", 0, 0, (1, 0)))))
    [0, 1]
    """
    wires = set(m.wires)
    if len(m.label) > 4:
        wires.update(m.label[4])
    return wires


def graph_cone(circuit: Circuit) -> tuple[bool, ...]:
    """For each op: is it in PennyLane's light cone of the measurements, the ops its
    gradient transforms differentiate (the others get its ``"0"`` method: no circuit)?
    :func:`light_cone` but with each measurement on its :func:`graph_wires`, identity
    factors included: an op that reaches only an identity factor's wire is in this cone and
    not in :func:`light_cone` (its derivative is exactly 0, which qsym computes without a
    circuit; PennyLane runs the circuits, and they are counted as it counts them:
    :attr:`GradientPlan.counted_executions`, :func:`finite_difference_inputs`). A deferred
    ``qml.cond``'s gates are PennyLane's ``Conditional`` there: on its graph wires
    (:attr:`qsym._ir.Circuit.conditional_groups`), not the deferred gates' own."""
    return _pl_graph(circuit)[0]


def _pl_graph(circuit: Circuit) -> tuple[tuple[bool, ...], set]:
    """``(per op: in PennyLane's graph cone, the Conditional numbers in it)``: the backward
    sweep of :func:`_cone` over PennyLane's circuit graph, where a deferred ``qml.cond``'s
    gates (and a ``Conditional`` that wrote none, at its place) stand on its graph wires
    (written, and the outcomes' wires; a wireless one on every wire)."""
    groups = getattr(circuit, "conditional_groups", ()) if not circuit.one_shot else ()
    every = set(range(circuit.num_wires))
    own: dict = {}
    marks: dict = {}
    for i, number, _, wires, *where in groups:
        graph = set(wires) if wires else every
        if (where[0] if where else 0) == 0:
            own[i] = (number, graph)
        else:
            marks.setdefault((i, where[0]), []).append((number, graph))
    live = set()
    for m in circuit.measurements:
        live |= graph_wires(m)
    inside_groups: set = set()
    out = []

    def visit(number, graph):
        if live & graph:
            live.update(graph)
            inside_groups.add(number)

    for k in range(len(circuit.ops) - 1, -1, -1):
        for number, graph in marks.get((k, 1), ()):
            visit(number, graph)
        if k in own:
            number, wires = own[k]
        else:
            number, wires = None, set(circuit.ops[k].wires)
        hit = bool(live & wires)
        if hit:
            live.update(wires)
            if number is not None:
                inside_groups.add(number)
        out.append(hit)
        for number, graph in marks.get((k, -1), ()):
            visit(number, graph)
    return tuple(reversed(out)), inside_groups


def _class_rule_runs(circuit: Circuit, slots, differentiated: set, terms) -> int:
    """The shifted circuits PennyLane runs for the ``differentiated`` slots whose rule here
    has none (a gate instance whose generator is a multiple of the identity: its derivative
    is 0) but whose gate's PennyLane frequencies are those of its class
    (:data:`qsym.rules.PL_CLASS_FREQUENCIES`): two per frequency; counted, not run."""
    from .rules import PL_CLASS_FREQUENCIES

    shifted = {t.slot for t in terms if not t.zero}
    # (a deferred qml.cond's gates: PennyLane's forward differences, _cond_runs)
    conditional = {g[0] for g in circuit.conditional_groups if (g[4] if len(g) > 4 else 0) == 0}
    return sum(2 * len(PL_CLASS_FREQUENCIES.get(circuit.ops[slots[s].op].name, ()))
               for s in differentiated
               if s not in shifted and slots[s].op not in conditional)


def _counted_runs(circuit: Circuit, slots, differentiated: set, terms, idle_terms) -> tuple:
    """``(idle_runs, template_runs)`` of :class:`GradientPlan`: PennyLane's shifted circuits
    for the ``differentiated`` slots qsym runs none for (``idle_terms``, the slots outside
    its light cone; :func:`_class_rule_runs`), and for the templates it keeps whole
    (:func:`_template_runs`)."""
    template_ops = {g[0] for g in getattr(circuit, "template_groups", ())}
    idle_runs = sum(1 for t in idle_terms if not t.zero) + _class_rule_runs(
        circuit, slots, {s for s in differentiated if slots[s].op not in template_ops},
        terms + idle_terms)
    return idle_runs, _template_runs(circuit, slots, differentiated, terms + idle_terms)


def _template_runs(circuit: Circuit, slots, differentiated: set, terms) -> int:
    """The shifted circuits PennyLane's parameter shift runs for the templates it keeps
    whole (:attr:`qsym._ir.Circuit.template_groups`: its shift rule of the template's
    frequencies for each trainable parameter) less qsym's shifted circuits of the gates
    those templates wrote (``terms``), for the templates with a ``differentiated`` slot."""
    groups = getattr(circuit, "template_groups", ())
    if not groups:
        return 0
    of_op = {g[0]: g for g in groups}
    own = sum(1 for t in terms if not t.zero and slots[t.slot].op in of_op)
    theirs = {of_op[slots[s].op][1]: of_op[slots[s].op][3]
              for s in differentiated if slots[s].op in of_op}
    return sum(theirs.values()) - own


def _cond_runs(circuit: Circuit, slots, terms, unshifted: bool) -> tuple[int, int]:
    """``(runs, own)``: the circuits PennyLane's parameter shift runs for the circuit's
    ``qml.cond`` gates beyond qsym's own shifted ones (``terms``, the needed and idle
    slots' shift terms): PennyLane's forward differences (:func:`_conditional_runs`) and
    the unshifted circuit once, less ``own``, qsym's shifted circuits of the deferred gates
    (not run by PennyLane), and less qsym's shifted circuits of gates outside PennyLane's
    graph cone (:func:`_pl_graph`: PennyLane's ``"0"``; a gate reaching the measurements
    only through a measured wire's control of a ``qml.ctrl`` of a ``qml.cond``)."""
    groups = getattr(circuit, "conditional_groups", ()) if not circuit.one_shot else ()
    matrices = sum(getattr(m, "pl_trainable_matrices", 0) for m in circuit.measurements)
    if not groups and not matrices:
        return 0, 0
    cond_ops = {g[0] for g in groups if (g[4] if len(g) > 4 else 0) == 0}
    own = sum(1 for t in terms if not t.zero and slots[t.slot].op in cond_ops)
    cone, _ = _pl_graph(circuit)
    outside = sum(1 for t in terms if not t.zero and slots[t.slot].op not in cond_ops
                  and not cone[slots[t.slot].op])
    # (a trainable Hermitian matrix: PennyLane's forward difference too, the same fallback)
    pl_runs = _conditional_runs(circuit, groups) + matrices
    runs = pl_runs - own - outside + (1 if pl_runs and not unshifted else 0)
    return runs, own + outside


def _conditional_runs(circuit: Circuit, groups) -> int:
    """The forward-difference circuits PennyLane's parameter shift runs for the
    ``Conditional``s of ``groups`` (:attr:`qsym._ir.Circuit.conditional_groups`): one per
    trainable parameter of each inside its circuit graph's cone of the measurements
    (:func:`_pl_graph`)."""
    _, inside = _pl_graph(circuit)
    counted = {g[1]: g[2] for g in groups if g[1] in inside}
    return sum(counted.values())


def _cone(circuit: Circuit, live: set) -> tuple[bool, ...]:
    """For each op: can it influence one of the wires ``live``?"""
    live = set(live)
    out = []
    for op in reversed(circuit.ops):
        hit = bool(live.intersection(op.wires))
        if hit:
            live.update(op.wires)
        out.append(hit)
    return tuple(reversed(out))


def slots_of(circuit: Circuit) -> tuple[Slot, ...]:
    """Every gate parameter of the circuit, in op order."""
    return tuple(
        Slot(k, pos, expr) for k, op in enumerate(circuit.ops) for pos, expr in enumerate(op.params)
    )


def finite_difference_inputs(circuit: Circuit) -> tuple[tuple[int, ...], int]:
    """``(inputs, parameters)`` of a finite-difference gradient, as PennyLane's
    ``finite_diff`` takes them: the indices of the inputs that a gate parameter inside the
    light cone or an observable's coefficient reads (every other input's derivative is
    exactly 0, PennyLane's ``"0"`` gradient method: stepping it would add rounding, or
    under shots sampling noise divided by the step), and how many such parameters and
    coefficients there are (PennyLane's trainable tape parameters with a gradient to
    compute: one shifted circuit each per point of the stencil, as it counts them).

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> a, b, c = sp.symbols("a b c", real=True)
    >>> circ = Circuit(2, (Op("RX", (0,), (a,)), Op("RY", (0,), (2 * a,)), Op("RX", (1,), (b,))),
    ...                (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),), inputs=(a, b, c))
    >>> finite_difference_inputs(circ)       # b acts on an unmeasured wire, c on nothing
    ((0,), 2)

    The count is of PennyLane's light cone (:func:`graph_cone`): with ``qml.Z(0) @
    qml.I(1)`` measured, PennyLane steps ``b`` too (a derivative of exactly 0 that qsym
    does not step) and counts its circuit.

    >>> z0_i1 = Measurement("expval", ((sp.S(1), ((0, "Z"),)),), label=("expval", "Prod", 0, 0, (0, 1)))
    >>> finite_difference_inputs(Circuit(2, circ.ops, (z0_i1,), inputs=(a, b, c)))
    ((0,), 3)
    """
    index = {s: j for j, s in enumerate(circuit.inputs)}
    cone, counted = light_cone(circuit), graph_cone(circuit)
    used: set = set()
    count = 0
    # (a deferred qml.cond's parameters are its Conditional's, counted as PennyLane's tape
    # holds them, whatever gates its branches wrote, also none: _pl_graph)
    groups = getattr(circuit, "conditional_groups", ()) if not circuit.one_shot else ()
    conditional = {g[0] for g in groups if (g[4] if len(g) > 4 else 0) == 0}
    # (a template PennyLane keeps whole: its trainable parameters, not its gates' slots)
    templates = {g[0]: g for g in getattr(circuit, "template_groups", ())}
    stepped: dict = {}
    for slot in slots_of(circuit):
        syms = getattr(slot.expr, "free_symbols", set()) & index.keys()
        if syms and cone[slot.op]:
            used |= syms
        if syms and counted[slot.op] and slot.op in templates:
            stepped[templates[slot.op][1]] = templates[slot.op][2]
        elif syms and counted[slot.op] and slot.op not in conditional:
            count += 1  # (PennyLane's cone: identity factors' wires too)
    count += sum(stepped.values())
    if groups:
        inside = _pl_graph(circuit)[1]
        count += sum({g[1]: g[2] for g in groups if g[1] in inside}.values())
    # (a trainable Hermitian matrix: a parameter PennyLane steps, its derivative unused)
    count += sum(getattr(m, "pl_trainable_matrices", 0) for m in circuit.measurements)
    for m in circuit.measurements:
        for coeff, _ in m.terms:
            syms = getattr(coeff, "free_symbols", set()) & index.keys()
            if syms:
                used |= syms
                count += 1
    return tuple(sorted(index[s] for s in used)), count


def negated_angle(expr) -> bool:
    """Whether a gate angle is ``a * x + b`` of one symbol with ``a < 0``: an adjoint folded
    into the angle (``qml.adjoint(qml.RZ(x))`` is ``RZ(-x)``, ``qml.adjoint(qml.Rot(a, b,
    c))`` is ``Rot(-c, -b, -a)``), whose tape parameter ``x`` PennyLane's ``finite_diff``
    steps by ``h``, the angle by ``-h`` (:func:`qsym._shapes.parameter_differences`). An
    angle written so by the user (``qml.RZ(-x)``: PennyLane steps ``-x`` itself) reads the
    same, O(h) apart there; other angles (products, functions: a state preparation's) are
    stepped as they are.

    >>> x, y = sp.symbols("x y")
    >>> negated_angle(-x), negated_angle(-2 * x + 1), negated_angle(-x * y), negated_angle(2 * x)
    (True, True, False, False)
    """
    expr = sp.sympify(expr)
    syms = expr.free_symbols
    if len(syms) != 1:
        return False
    slope = sp.diff(expr, next(iter(syms)))
    return bool(slope.is_number and slope < 0)


def state_cone(circuit: Circuit) -> tuple[bool, ...]:
    """For each op: can it influence the wires of a ``qml.state()`` measurement (every
    wire for the state or a postselected one; a quantity's own wires)?"""
    live: set = set()
    for m in circuit.measurements:
        if m.kind == "state":
            live.update(range(circuit.num_wires) if not m.reduce or m.post else
                        (w for part in m.reduce[1:] if isinstance(part, tuple) for w in part))
    return _cone(circuit, live)


def state_difference_inputs(circuit: Circuit) -> tuple[int, ...]:
    """The inputs a finite difference of the circuit's ``qml.state()`` measurements (and
    their quantities: ``qml.density_matrix``, ``qml.purity``, ...) steps: those a gate
    parameter reads that can influence the wires they are of (every wire for the state or
    a postselected one), as :func:`finite_difference_inputs` for the other measurements.

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> a, b = sp.symbols("a b", real=True)
    >>> ops = (Op("RX", (0,), (a,)), Op("RX", (1,), (b,)))
    >>> state_difference_inputs(Circuit(2, ops, (Measurement("state", reduce=("purity", (1,))),), inputs=(a, b)))
    (1,)
    """
    index = {s: j for j, s in enumerate(circuit.inputs)}
    cone = state_cone(circuit)
    used = {s for slot in slots_of(circuit) if cone[slot.op]
            for s in getattr(slot.expr, "free_symbols", set()) & index.keys()}
    return tuple(sorted({index[s] for s in used} | set(finite_difference_inputs(circuit)[0])))


def chain_rule(slots, inputs) -> tuple[ChainEntry, ...]:
    """Exact non-zero ``d theta_s / d x_j`` for every slot and input (sympy; shared
    subexpressions differentiated once per input, :class:`_Derivatives`)."""
    index = {s: j for j, s in enumerate(inputs)}
    out = []
    derivatives: dict = {}
    for s, slot in enumerate(slots):
        if slot.expr.is_Symbol:  # the common case; sympy's diff is slow in a new process
            if slot.expr in index:
                out.append(ChainEntry(s, index[slot.expr], sp.S.One))
            continue
        simple = _simple(slot.expr)
        for sym in sorted(slot.expr.free_symbols & index.keys(), key=index.get):
            if simple:
                d = sp.diff(slot.expr, sym)
            else:
                d = derivatives.setdefault(sym, _Derivatives(sym))(slot.expr)
            if d != 0:
                out.append(ChainEntry(s, index[sym], d))
    return tuple(out)


class _Derivatives:
    """Exact derivatives by one symbol of many expressions that share subexpressions (a
    state preparation's angles all divide by the norm of the features): each distinct
    subexpression is differentiated once (sum, product and power rules, a function's
    ``fdiff``; anything else by ``sp.diff``), where ``sp.diff`` of each expression
    differentiates the shared parts again for every expression."""

    def __init__(self, sym):
        self.sym = sym
        self.memo: dict = {}
        self.has: dict = {}

    def depends(self, e) -> bool:
        got = self.has.get(e)
        if got is None:
            got = self.has[e] = e == self.sym or (
                bool(e.args) and any(self.depends(a) for a in e.args))
        return got

    def __call__(self, e):
        got = self.memo.get(e)
        if got is None:
            got = self.memo[e] = self._derive(e)
        return got

    def _derive(self, e):
        if not self.depends(e):
            return sp.S.Zero
        if e == self.sym:
            return sp.S.One
        if e.is_Add:
            return sp.Add(*[self(a) for a in e.args])
        if e.is_Mul:
            args = e.args
            return sp.Add(*[sp.Mul(*args[:i], self(a), *args[i + 1:])
                            for i, a in enumerate(args) if self.depends(a)])
        if e.is_Pow and not self.depends(e.exp):  # as sympy's Pow._eval_derivative
            base, n = e.args
            return e * (self(base) * n / base)
        if isinstance(e, sp.Function) and (type(e)._eval_derivative  # its chain rule is
                                           is sp.Function._eval_derivative):  # the default
            out = []
            for i, a in enumerate(e.args):
                if self.depends(a):
                    try:
                        out.append(e.fdiff(i + 1) * self(a))
                    except ArgumentIndexError:
                        return sp.diff(e, self.sym)
            return sp.Add(*out)
        return sp.diff(e, self.sym)


def _simple(expr) -> bool:
    """A symbol, a number, or sums and products of them (``2*x``, ``x*y + 1``): its
    derivatives cost sympy next to nothing."""
    if expr.is_Symbol or expr.is_number:
        return True
    if expr.is_Add or expr.is_Mul:
        return all(a.is_Symbol or a.is_number or (a.is_Mul and all(
            b.is_Symbol or b.is_number for b in a.args)) for a in expr.args)
    return False


def _cheap_chain(slots, circuit: Circuit) -> bool:
    """Whether the chain rule of ``circuit`` is cheap (every gate parameter and observable
    coefficient :func:`_simple`), or there is nothing to differentiate: then a value-only
    plan computes it anyway, and a later derivative needs no second plan."""
    if not circuit.inputs:
        return True
    return all(_simple(s.expr) for s in slots) and all(
        _simple(sp.sympify(c)) for m in circuit.measurements for c, _ in m.terms)


def _default_rule(op, pos: int):
    from .rules import rule_for_op

    return rule_for_op(op, pos)


# (rule_for_op reads the op's name, wire count and hyperparameters only)
_default_rule.by_kind = True


def shift_terms(
    circuit: Circuit, slots, needed: set, rule_of: Callable | None = None
) -> tuple[ShiftTerm, ...]:
    """The shift-rule terms of the ``needed`` slots, from the rule table, sorted by op.

    ``rule_of(op, pos)`` gives the rule of parameter ``pos`` of IR op ``op`` (default:
    :func:`qsym.rules.rule_for_op`, derived from the gate's matrix and proved). A
    ``rule_of`` marked ``by_kind`` (its rule depends on the op's name, wire count,
    hyperparameters and ``pos`` only: the default, a QNode's) is asked once per kind
    (issue #17: a 12x8 HEA asked it, and the rule for its floats and period, 192 times).
    """
    rule_of = rule_of or _default_rule
    by_kind = getattr(rule_of, "by_kind", False) is True
    kinds: dict = {}
    out = []
    for s in sorted(needed, key=lambda s: (slots[s].op, slots[s].pos)):
        slot = slots[s]
        op = circuit.ops[slot.op]
        kind = (op.name, len(op.wires), getattr(op, "hyper", ()), slot.pos) if by_kind else None
        try:
            found = kinds.get(kind)
        except TypeError:  # an unhashable hyperparameter: asked for this op
            kind = found = None
        if found is None:
            rule = rule_of(op, slot.pos)
            # (a rule of the caller's own without a period: its shifts are added as given)
            found = (rule.period() if hasattr(rule, "period") else 0.0, rule.numeric())
            if kind is not None:
                kinds[kind] = found
        period, numeric = found
        for coeff, mult, shift in numeric:
            out.append(ShiftTerm(s, slot.op, slot.pos, coeff, mult, shift, period))
    return tuple(out)


def _coefficient_rows(rows, widx: dict, n_words: int, inputs, derivatives: bool):
    """The rows' coefficients by word (``widx``: a word's column) and, with ``derivatives``,
    the chain entries of the symbolic ones. A postselected ``probs`` on ``k`` wires has
    ``4^k`` numeric terms (issue #18): each added once, none differentiated."""
    coeffs = []
    coeff_chain = []
    inputs = {s: j for j, s in enumerate(inputs)}
    zero = sp.S.Zero
    for mi, row_terms in enumerate(rows):
        row = [zero] * n_words
        for c, w in row_terms:
            i = widx[w]
            c = c if isinstance(c, sp.Basic) else sp.sympify(c)
            row[i] = c if row[i] is zero else row[i] + c
        coeffs.append(tuple(row))
        for t, c in enumerate(row if derivatives else ()):
            if c.is_Number:
                continue
            for sym in sorted(c.free_symbols & inputs.keys(), key=inputs.get):
                d = sp.diff(c, sym)
                if d != 0:
                    coeff_chain.append(CoeffChainEntry(mi, t, inputs[sym], d))
    return coeffs, coeff_chain


def make_plan(circuit: Circuit, rule_of: Callable | None = None,
              derivatives: bool = True, cheap_chain: bool = True) -> GradientPlan:
    """The gradient plan of ``circuit`` with respect to ``circuit.inputs``.

    ``derivatives=False`` plans the values only: the chain rule (sympy differentiating
    every gate parameter and coefficient, seconds for a state preparation of many
    features) is not computed, and the plan has no shift terms and no derivatives,
    unless the chain rule is cheap (:func:`_cheap_chain`) and ``cheap_chain``: then the
    plan has its derivatives anyway (a module made from it serves a later gradient).
    ``cheap_chain=False`` (a circuit whose value call gets a module for values only,
    :func:`qsym._stages.make_plan`) plans the values only even then: no gate's shift
    rule is looked up for a value.

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> a = sp.Symbol("a", real=True)
    >>> c = Circuit(1, (Op("RX", (0,), (sp.asin(a / 2),)),),
    ...             (Measurement("expval", ((a, ((0, "Z"),)),)),), inputs=(a,))
    >>> v = make_plan(c, derivatives=False)
    >>> (v.chain, v.terms, v.coeff_chain, v.executions, v.derivatives)
    ((), (), (), 1, False)
    >>> v.words == make_plan(c).words and v.coeffs == make_plan(c).coeffs
    True
    >>> b = Circuit(1, (Op("RX", (0,), (a,)),), c.measurements, inputs=(a,))
    >>> make_plan(b, derivatives=False).derivatives  # a cheap chain rule: planned anyway
    True
    >>> make_plan(b, derivatives=False, cheap_chain=False).terms
    ()
    """
    slots = slots_of(circuit)
    derivatives = derivatives or (cheap_chain and _cheap_chain(slots, circuit))
    chain = chain_rule(slots, circuit.inputs) if derivatives else ()
    cone = light_cone(circuit)
    wanted = {e.slot for e in chain}
    needed = {s for s in wanted if cone[slots[s].op]}
    pruned = tuple(sorted(wanted - needed))
    chain = tuple(e for e in chain if e.slot in needed)
    terms = shift_terms(circuit, slots, needed, rule_of)
    counted = graph_cone(circuit) if pruned else ()
    idle = {s for s in pruned if counted[slots[s].op]}
    idle_terms = shift_terms(circuit, slots, idle, rule_of)
    idle_runs, template_runs = _counted_runs(circuit, slots, needed | idle, terms, idle_terms)
    var_runs = 0
    shifted = sum(1 for t in terms if not t.zero) + idle_runs
    unshifted = any(t.zero for t in terms + idle_terms)
    cond_runs, own = _cond_runs(circuit, slots, terms + idle_terms, unshifted)
    rule_runs = shifted - own  # (PennyLane's shift-rule circuits: not a Conditional's)
    shifted += cond_runs
    if (rule_runs or unshifted) and any(m.kind == "var" for m in circuit.measurements):
        # (the squared observable's shifted circuits: not a Conditional's forward differences;
        # PennyLane's var_param_shift runs only for parameters of a shift rule: a variance
        # whose trainable parameters are all a Conditional's is its forward differences alone)
        var_runs = 1 + (rule_runs + unshifted
                        if any(getattr(m, "pl_squared", False) for m in circuit.measurements)
                        else 0)

    # the kernels measure linear rows (Pauli sums; var is made from two), then the
    # probabilities, each a word of its own (not 2^k rows of 2^k Z words)
    rows = [row for m in circuit.measurements if not kernel_probs(m) for row in linear_rows(m)]
    words: list = []
    widx: dict = {}
    for row in rows:
        for _, w in row:
            if w not in widx:
                widx[w] = len(words)
                words.append(w)
    prob_words = [ProbWord(on, b) for m in circuit.measurements if kernel_probs(m)
                  for on, b in kernel_outcomes(m)]
    words += prob_words
    coeffs, coeff_chain = _coefficient_rows(rows, widx, len(words), circuit.inputs,
                                            derivatives)
    return GradientPlan(
        slots=slots,
        chain=chain,
        terms=terms,
        words=tuple(words),
        coeffs=tuple(coeffs),
        coeff_chain=tuple(coeff_chain),
        pruned=pruned,
        diff_slots=tuple(sorted(needed, key=lambda s: (slots[s].op, slots[s].pos))),
        probs=len(prob_words),
        derivatives=derivatives,
        idle_runs=idle_runs,
        var_runs=var_runs,
        cond_runs=cond_runs,
        template_runs=template_runs,
    )
