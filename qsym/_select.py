"""PennyLane's decomposition rules of :class:`~qsym._subroutines.Select`, in PennyLane's
order in ``qml.list_decomps(qml.Select)``:

1. the multi-controlled rule: each operator controlled by the whole control register
   (``partial=True``: only the controls that tell it apart from the other indices below
   ``len(ops)``);
2. the unary iterator (Babbush et al. 2018, arXiv:1805.03662): ``c - 1`` work wires hold
   the ANDs of the control wires (:class:`~qsym._arithmetic.TemporaryAND` and its
   adjoint), so each operator is controlled by one wire; applicable with at least
   ``len(control) - 1`` work wires;
3. one work wire: a multi-controlled ``X`` writes "the control register holds ``j``" on
   the work wire, the operator is controlled by it, the ``X`` is undone; applicable with
   at least one work wire.

``qml.list_decomps(qml.PrepSelPrep)`` holds PennyLane's one rule of ``PrepSelPrep``
(``StatePrep`` of the square roots of the coefficients' sizes, ``Select``, the
preparation undone), also here.

Each rule is called as PennyLane's: ``rule(ops=..., control=..., work_wires=...,
partial=...)``; it applies (records where it is called) the operators and returns the
list the unary iterator builds (the others return None, as PennyLane's). PennyLane's
module path ``qml.templates.subroutines.select`` holds them under PennyLane's names
(``_select_decomp_unary``, ...).

>>> import qsym as qml
>>> [r.name for r in qml.list_decomps(qml.Select)]
['select_multi_control', 'select_unary', 'select_multi_control_work_wire']
>>> ops = [qml.X(0), qml.Y(0), qml.Z(0)]
>>> [o.name for o in qml.list_decomps(qml.Select)[1](ops=ops, control=[1, 2], work_wires=[3],
...                                                   partial=True)]
['TemporaryAND', 'CNOT', 'MultiControlledX', 'CY', 'Adjoint(TemporaryAND)', 'CZ']
"""

from __future__ import annotations

import sys
from itertools import product

from ._operations import GATE_CLASSES, wires_tuple
from ._opmath import adjoint, ctrl, reapply
from ._subroutines import (QROM, PrepSelPrep, bitstrings, partial_select_controls,
                           qrom_select_swap, Select, template_module)
from ._trace import Tape, recording
from .templates import StatePrep
from ._arithmetic import TemporaryAND
from .decomposition import (add_decomps, adjoint_resource_rep, change_op_basis_resource_rep,
                            controlled_resource_rep, register_condition, register_resources,
                            resource_rep)
from .errors import WireError


def _ceil_log2(n: int) -> int:
    return max(int(n) - 1, 0).bit_length()


def _x(wire):
    return GATE_CLASSES["PauliX"](wires=wire)


def _cnot(wires):
    return GATE_CLASSES["CNOT"](wires=list(wires))


def _multi_control_resources(op_reps, num_control_wires, partial=False, num_work_wires=0, **_):
    """PennyLane's resources of the multi-controlled rule: each operator's resource form
    under its controls (:func:`qsym.decomposition.controlled_resource_rep`)."""
    counts: dict = {}
    if partial and len(op_reps) == 1:
        return {op_reps[0]: 1}
    control = list(range(num_control_wires))
    pairs = (partial_select_controls(len(op_reps), control) if partial
             else [(control, values) for values in product([0, 1], repeat=num_control_wires)])
    for (controls, values), rep in zip(pairs, op_reps):
        key = controlled_resource_rep(rep.name, dict(rep.params), len(controls),
                                      len(controls) - sum(values), num_work_wires)
        counts[key] = counts.get(key, 0) + 1
    return counts


@register_resources(_multi_control_resources)
def select_multi_control(*_, ops, control, work_wires=None, partial=False, **__):
    """PennyLane's ``_select_decomp_multi_control``: ``ops[j]`` controlled by the control
    register holding ``j`` (``partial=True``: PennyLane's reduced controls; one operator
    is applied as it is)."""
    control = list(wires_tuple(control))
    if partial:
        if len(ops) == 1:
            reapply(ops[0])
            return
        for (controls, values), op in zip(partial_select_controls(len(ops), control), ops):
            ctrl(op, list(controls), control_values=list(values), work_wires=work_wires)
        return
    for values, op in zip(product([0, 1], repeat=len(control)), ops):
        ctrl(op, control, control_values=list(values), work_wires=work_wires)


def _k_units(ops, controls, work_wires, k) -> list:
    """PennyLane's ``_add_k_units`` (the recursion ``R`` of its docstring): ``k`` operators
    on ``2 ceil(log2 k) + 1`` control and work wires, the first of which holds the AND
    of the controls above."""
    bits = _ceil_log2(k)
    if k == 1:
        return [ctrl(ops[0], control=controls[0], control_values=[1], work_wires=work_wires)]
    controls = controls[:1] + controls[-(2 * bits):]
    and_wires, inner = controls[:3], controls[2:]
    first = 2 ** (bits - 1)
    return ([TemporaryAND(and_wires, control_values=(1, 0))]
            + _k_units(ops[:first], inner, work_wires, first)
            + [_cnot(and_wires[::2])]
            + _k_units(ops[first:], inner, work_wires, k - first)
            + [adjoint(TemporaryAND)(and_wires)])


def _first_k_units(ops, controls, work_wires) -> list:
    """PennyLane's ``_add_first_k_units``: the outer level of the partial unary iterator
    (``len(ops) > 2``), in its three variants by how many operators the second half has."""
    k = len(ops)
    a = _ceil_log2(k)
    controls = controls[:2 * a - 1]
    and_wires, inner = controls[:3], controls[2:]
    k01, k0 = 2 ** (a - 1), 2 ** (a - 2)
    rest = k - k01
    k2 = 2 ** (_ceil_log2(rest) - 1) if rest > 1 else 1
    out = ([TemporaryAND(and_wires, control_values=(0, 0))]
           + _k_units(ops[:k0], inner, work_wires, k0)
           + [ctrl(_x(controls[2]), control=controls[0], control_values=[0])]
           + _k_units(ops[k0:k01], inner, work_wires, k01 - k0))
    if rest == 1:  # one operator left: no elbow for it
        second_and, second_controls = [], controls
        out.append(adjoint(TemporaryAND)(and_wires, control_values=(0, 1)))
    else:
        c_bar = 2 * (a - _ceil_log2(rest) - 1)
        second_and = [controls[0], controls[c_bar + 1], controls[c_bar + 2]]
        second_controls = controls[c_bar + 2:]
        if c_bar > 0:
            out += [adjoint(TemporaryAND)(and_wires, control_values=(0, 1)),
                    TemporaryAND(second_and, control_values=(1, 0))]
        else:
            out += [_cnot(and_wires[::2]), _cnot(and_wires[1:])]
    out += _k_units(ops[k01:k01 + k2], second_controls, work_wires, k2)
    if second_and:
        out += ([_cnot(second_and[::2])]
                + _k_units(ops[k01 + k2:], second_controls, work_wires, k - k01 - k2)
                + [adjoint(TemporaryAND)(second_and)])
    return out


def _work_wires_check(c, work_wires):
    if len(work_wires) < c - 1:
        raise WireError(
            f"Can't use this decomposition with less than {c - 1} work wires for {c} controls. "
            f"Got {len(work_wires)} work wires: {work_wires}.")


def _unary_full(ops, control, work_wires) -> list:
    """PennyLane's ``_select_decomp_unary_not_partial``: a ladder of elbows, then per
    operator the operator controlled by the last work wire and the elbows between the
    index ``k`` and ``k + 1`` (merged into CNOTs where a right and a left elbow meet),
    then the closing ladder."""
    c, K = len(control), len(ops)
    if c == 1:
        return [ctrl(op, control=control, control_values=[i], work_wires=work_wires)
                for i, op in enumerate(ops)]
    _work_wires_check(c, work_wires)
    rest = work_wires[c - 1:]
    aux = [control[0]]
    for cw, ww in zip(control[1:], work_wires[:c - 1]):
        aux += [cw, ww]
    triples = [aux[2 * i:2 * i + 3] for i in range(c - 1)]
    out = [TemporaryAND(t, control_values=(0, 0) if i == 0 else (1, 0))
           for i, t in enumerate(triples)]
    first_flipped = False
    for k, op in enumerate(ops[:-1]):
        out.append(ctrl(op, control=aux[-1], work_wires=rest))
        bits = format(k, f"0{c}b")
        flip = bits.rfind("0")  # the most significant bit that changes from k to k + 1
        sub = triples[max(flip, 1):c - 1]
        out += [adjoint(TemporaryAND(t)) for t in reversed(sub)]
        c0, c1, c2 = triples[0]
        if flip == 1:
            out.append(_cnot([c0, c2]) if first_flipped
                       else ctrl(_x(c2), control=c0, control_values=[0]))
        elif flip == 0:
            out += [_cnot([c0, c2]), _cnot([c1, c2])]
            first_flipped = True
        else:
            out.append(_cnot(triples[flip - 1][::2]))
        out += [TemporaryAND(t, control_values=(1, 0)) for t in sub]
    closing = [int(b) for b in format(K - 1, f"0{c}b")]
    out.append(ctrl(ops[-1], control=aux[-1], work_wires=rest))
    out += [adjoint(TemporaryAND(t, control_values=(1, v)))
            for v, t in zip(closing[2:], reversed(triples))]
    out.append(adjoint(TemporaryAND(triples[0], control_values=closing[:2])))
    return out


def _unary_condition(op_reps=(), num_control_wires=0, partial=False, num_work_wires=0, **_):
    return num_work_wires >= num_control_wires - 1


def _controlled_once(rep, num_work_wires, zero=0):
    """The resource form of ``rep`` controlled by one wire (``zero``: on 0)."""
    return controlled_resource_rep(rep.name, dict(rep.params), 1, zero, num_work_wires)


def _unary_full_resources(op_reps, c, num_work_wires) -> dict:
    """PennyLane's ``_select_resources_unary_not_partial``: ``N(c, K) = c + K - 2 -
    popcount(K - 1) - [K > 2^(c-1)]`` elbows and as many right elbows, the merged elbows'
    CNOTs and open-controlled ``X``, each operator controlled by one wire."""
    K, counts = len(op_reps), {}
    rest = num_work_wires - (c - 1)
    if c == 1:
        for i, rep in enumerate(op_reps):
            key = _controlled_once(rep, rest, 1 - i)
            counts[key] = counts.get(key, 0) + 1
        return counts
    elbows = c + K - 2 - bin(K - 1).count("1") - int(K > 2 ** (c - 1))
    quarter, half = int(K > 2 ** (c - 2)), int(K > 2 ** (c - 1))
    counts = {resource_rep(TemporaryAND): elbows, adjoint_resource_rep(TemporaryAND): elbows,
              resource_rep(GATE_CLASSES["CNOT"]): K - 1 + half - quarter,
              _controlled_once(resource_rep(GATE_CLASSES["PauliX"]), 0, 1): quarter}
    for rep in op_reps:
        key = _controlled_once(rep, rest)
        counts[key] = counts.get(key, 0) + 1
    return {k: v for k, v in counts.items() if v}


def _unary_resources(op_reps, num_control_wires, partial=False, num_work_wires=0, **_) -> dict:
    """PennyLane's ``_select_resources_unary``: what :func:`select_unary` makes, counted (so
    the graph-based system can weigh the rule and decompose what it makes)."""
    K = len(op_reps)
    if K == 0:
        return {}
    if not partial:
        return _unary_full_resources(op_reps, num_control_wires, num_work_wires)
    if K == 1:
        return {op_reps[0]: 1}
    if K == 2:
        return {_controlled_once(rep, num_work_wires, 1 - i): 1 for i, rep in enumerate(op_reps)}
    bits = _ceil_log2(K)
    elbows, cnots = (K - 3, K - 1) if K / 2 ** bits > 3 / 4 else (K - 2, K - 3)
    counts = {resource_rep(TemporaryAND): elbows, adjoint_resource_rep(TemporaryAND): elbows,
              resource_rep(GATE_CLASSES["CNOT"]): cnots,
              _controlled_once(resource_rep(GATE_CLASSES["PauliX"]), 0, 1): 1}
    rest = num_work_wires - max(bits - 1, 0)
    for rep in op_reps:
        key = _controlled_once(rep, rest)
        counts[key] = counts.get(key, 0) + 1
    return {k: v for k, v in counts.items() if v}


@register_condition(_unary_condition)
@register_resources(_unary_resources)
def select_unary(*_, ops, control, work_wires=(), partial=False, **__):
    """PennyLane's ``_select_decomp_unary``: the unary iterator, with ``len(control) - 1``
    work wires at least; returns the operators it applies."""
    ops, control = list(ops), list(wires_tuple(control))
    work_wires = list(wires_tuple(work_wires)) if work_wires is not None else []
    K, c = len(ops), len(control)
    if K == 0:
        return []
    need = max(_ceil_log2(K), 1)
    if c < need:
        raise WireError(f"At least {need} control wires are required to implement Select of "
                        f"{K} operators, but only {c} control wires were provided: {control}.")
    if not partial:
        return _unary_full(ops, control, work_wires)
    control = control[-need:]
    if K == 1:
        reapply(ops[0])
        return list(ops)
    if K == 2:
        return [ctrl(op, control=control[-1], control_values=[i], work_wires=work_wires)
                for i, op in enumerate(ops)]
    _work_wires_check(c, work_wires)
    aux = [control[0]]
    for i in range(need - 1):
        aux += [control[i + 1], work_wires[i]]
    return _first_k_units(ops, aux, work_wires[need - 1:])


def _work_wire_condition(op_reps=(), num_control_wires=0, partial=False, num_work_wires=0, **_):
    return num_work_wires >= 1


def _flag_and_apply(op, controls, values, work_wires):
    flag, rest = work_wires[:1], work_wires[1:]
    ctrl(_x(flag), list(controls), control_values=list(values), work_wires=rest)
    ctrl(op, control=flag, work_wires=rest)
    ctrl(_x(flag), list(controls), control_values=list(values), work_wires=rest)


def _work_wire_resources(op_reps, num_control_wires, partial=False, num_work_wires=0, **_):
    """PennyLane's ``_select_multi_control_work_wire_resources``: per operator, the operator
    controlled by the flag wire and two multi-controlled ``X`` writing and clearing it."""
    x = resource_rep(GATE_CLASSES["PauliX"])
    control = list(range(num_control_wires))
    if partial and len(op_reps) == 1:
        pairs = [(control, [0] * num_control_wires)]
    elif partial:
        pairs = partial_select_controls(len(op_reps), control)
    else:
        pairs = [(control, values) for values in product([0, 1], repeat=num_control_wires)]
    counts: dict = {}
    for (controls, values), rep in zip(pairs, op_reps):
        for key, n in ((_controlled_once(rep, num_work_wires - 1), 1),
                       (controlled_resource_rep(x.name, {}, len(controls),
                                                len(controls) - sum(values),
                                                num_work_wires - 1), 2)):
            counts[key] = counts.get(key, 0) + n
    return counts


@register_condition(_work_wire_condition)
@register_resources(_work_wire_resources)
def select_multi_control_work_wire(*_, ops, control, work_wires, partial=False, **__):
    """PennyLane's ``_select_decomp_multi_control_work_wire``: per operator, its index
    written on the first work wire by a multi-controlled ``X``, the operator controlled
    by that wire, the ``X`` undone."""
    control, work_wires = list(wires_tuple(control)), list(wires_tuple(work_wires))
    if not ops:
        return
    if not work_wires:
        raise WireError("select_multi_control_work_wire needs at least one work wire")
    if partial and len(ops) == 1:
        _flag_and_apply(ops[0], control, [0] * len(control), work_wires)
        return
    pairs = (partial_select_controls(len(ops), control) if partial
             else [(control, values) for values in product([0, 1], repeat=len(control))])
    for (controls, values), op in zip(pairs, ops):
        _flag_and_apply(op, controls, values, work_wires)


add_decomps(Select, select_multi_control, select_unary, select_multi_control_work_wire)


def _prepselprep_resources(op_reps, num_control, **_):
    """PennyLane's: one change of basis, ``StatePrep`` on the control wires around the
    partial ``Select`` of each operator times a ``GlobalPhase``."""
    phase = resource_rep(GATE_CLASSES["GlobalPhase"])
    phased = tuple(resource_rep("Prod", resources={phase: 1, rep: 1}) for rep in op_reps)
    select = resource_rep(Select, op_reps=phased, num_control_wires=num_control, partial=True,
                          num_work_wires=0)
    return {change_op_basis_resource_rep(resource_rep(StatePrep, num_wires=num_control),
                                         select): 1}


@register_resources(_prepselprep_resources)
def prepselprep_decomp(*_, lcu, control, **__):
    """PennyLane's ``_prepselprep_decomp``: ``change_op_basis(StatePrep(sqrt|c|,
    normalize=True, pad_with=0), Select(ops, partial=True))``, recorded where it is called
    (:meth:`qsym._subroutines.PrepSelPrep.change_of_basis`).

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     prepselprep_decomp(lcu=qml.dot([1.0, 3.0], [qml.X(1), qml.Z(1)]), control=[0])
    >>> [o.name for o in q.queue[0].decomposition()]
    ['StatePrep', 'Select', 'Adjoint(StatePrep)']
    """
    with recording(Tape()):
        op = PrepSelPrep(lcu, control)
    op.change_of_basis(StatePrep)


add_decomps(PrepSelPrep, prepselprep_decomp)
vars(sys.modules["qsym.templates.subroutines.select"]).update(
    _select_decomp_multi_control=select_multi_control, _select_decomp_unary=select_unary,
    _select_decomp_multi_control_work_wire=select_multi_control_work_wire)


def qrom_select_work_wires(terms, num_control_wires, num_target_wires, num_work_wires, **_) -> int:
    """How many of ``QROM``'s work wires its decomposition rule gives the ``Select`` (the
    rest widen the SWAP network; PennyLane's ``_calculate_n_select_work_wires``): the
    columns are ``2**k`` bitstrings deep, ``k`` the largest that the target and work
    wires hold, no more than the data needs, and that leaves the ``Select`` on the
    remaining ``num_control_wires - k`` control wires the ``num_control_wires - k - 1``
    work wires of its unary iterator; with fewer than ``num_control_wires - 1`` work
    wires, all go to the ``Select``.

    >>> qrom_select_work_wires(16, 4, 1, 3), qrom_select_work_wires(4, 2, 1, 1)
    (2, 0)
    """
    c, t, w = int(num_control_wires), int(num_target_wires), int(num_work_wires)
    if w < c - 1:
        return w
    k = min((t + w) // t, int(terms)).bit_length() - 1
    while k > 0 and w - t * (2**k - 1) < c - k - 1:
        k -= 1
    return w - t * (2**k - 1)


def _qrom_resources(num_bitstrings, num_control_wires, num_target_wires, num_work_wires, clean):
    """PennyLane's resources of ``QROM``'s rule: the columns (``BasisEmbedding`` products)
    under one ``Select``, the controlled SWAPs, doubled (with Hadamards) when ``clean``."""
    from .templates import BasisEmbedding
    from ._operations import Prod

    if num_control_wires == 0:
        return {resource_rep(BasisEmbedding, num_wires=num_target_wires): num_bitstrings}
    n_select = qrom_select_work_wires(num_bitstrings, num_control_wires, num_target_wires,
                                      num_work_wires)
    t = num_target_wires
    depth = min(2 ** ((t + num_work_wires - n_select) // t).bit_length() // 2, num_bitstrings)
    embed, identity = resource_rep(BasisEmbedding, num_wires=t), resource_rep(GATE_CLASSES["Identity"])
    columns = []
    for i in range(-(-num_bitstrings // depth)):
        kinds = [embed if k < num_bitstrings else identity for k in range(i * depth, (i + 1) * depth)]
        counts = {r: kinds.count(r) for r in dict.fromkeys(kinds)}
        columns.append(kinds[0] if len(kinds) == 1 else resource_rep(Prod, resources=counts))
    n_sel = num_control_wires - (depth.bit_length() - 1)
    if n_sel > 0:
        out = {resource_rep(Select, num_control_wires=n_sel, op_reps=tuple(columns), partial=False,
                            num_work_wires=n_select): 1}
    else:
        out = {r: columns.count(r) for r in dict.fromkeys(columns)}
    swaps = sum(2**ind for ind in range(num_control_wires - n_sel)) * t
    if swaps:
        out[resource_rep(GATE_CLASSES["CSWAP"])] = swaps
    if not clean or depth == 1:
        return out
    out = {r: 2 * n for r, n in out.items()}
    out[resource_rep(GATE_CLASSES["CSWAP"])] = 4 * swaps
    out[resource_rep(GATE_CLASSES["Hadamard"])] = 2 * t
    return out


@register_resources(_qrom_resources)
def qrom_decomposition(data, control_wires, target_wires, work_wires, clean=True, **_):
    """PennyLane's rule of ``QROM`` (``_qrom_decomposition``): the select-swap QROM with
    :func:`qrom_select_work_wires` of the work wires given to the ``Select`` (its unary
    iterator can use them), the rest to the SWAP network."""
    control, target = tuple(wires_tuple(control_wires)), tuple(wires_tuple(target_wires))
    work = tuple(wires_tuple(work_wires)) if work_wires is not None else ()
    data = bitstrings(data, "QROM")
    n = qrom_select_work_wires(len(data), len(control), len(target), len(work))
    qrom_select_swap(data, control, target, work[n:], clean, select_work=work[:n])


add_decomps(QROM, qrom_decomposition)
template_module("qrom", "PennyLane's module", QROM=QROM,
                _calculate_n_select_work_wires=qrom_select_work_wires,
                _qrom_decomposition=qrom_decomposition)
