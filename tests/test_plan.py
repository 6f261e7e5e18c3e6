"""The gradient plan: chain rule and shift rule separately, light cone, execution count."""

import sympy as sp

from qsym._ir import Circuit, Measurement, Op
from qsym._plan import (ChainEntry, chain_rule, graph_cone, light_cone, make_plan, shift_terms,
                        slots_of)

a, b = sp.symbols("a b", real=True)
Z0 = Measurement("expval", ((sp.S(1), ((0, "Z"),)),))


def test_chain_rule_is_the_exact_derivative_of_each_slot():
    c = Circuit(1, (Op("RX", (0,), (a * b + sp.sin(a),)), Op("RY", (0,), (sp.S(0.3),))),
                (Z0,), inputs=(a, b))
    chain = chain_rule(slots_of(c), c.inputs)
    assert chain == (ChainEntry(0, 0, b + sp.cos(a)), ChainEntry(0, 1, a))


def test_shift_terms_come_from_the_rule_table_per_slot():
    c = Circuit(1, (Op("Rot", (0,), (a, sp.S(0.1), b)),), (Z0,), inputs=(a, b))
    calls = []

    class Rule:
        def numeric(self):
            return ((1.0, 1.0, 0.25), (-1.0, 1.0, -0.25))

    def rule_of(op, pos):
        calls.append((op.name, pos))
        return Rule()

    terms = shift_terms(c, slots_of(c), {0, 2}, rule_of)
    assert calls == [("Rot", 0), ("Rot", 2)]
    assert [(t.slot, t.pos, t.coeff, t.shift) for t in terms] == [
        (0, 0, 1.0, 0.25), (0, 0, -1.0, -0.25), (2, 2, 1.0, 0.25), (2, 2, -1.0, -0.25)]


def test_a_by_kind_rule_is_asked_once_per_kind_with_the_same_terms():
    """A ``rule_of`` marked ``by_kind`` (the default, a QNode's) is asked once per gate
    kind and parameter (name, wire count, hyperparameters, position); the terms are the
    ones a rule asked for every op gives (an unmarked ``rule_of``: asked per op), here
    the table's RX/RY/PauliRot rules: coefficients +-1/2 at shifts +-pi/2, period 2 pi."""
    import math

    from qsym import rules

    c = Circuit(2, (Op("RX", (0,), (a,)), Op("RY", (1,), (b,)), Op("RX", (1,), (a * b,)),
                    Op("PauliRot", (0, 1), (a,), (("pauli_word", "XY"),)),
                    Op("PauliRot", (0, 1), (b,), (("pauli_word", "ZZ"),)),
                    Op("RY", (0,), (a + b,))), (Z0,), inputs=(a, b))
    slots = slots_of(c)
    asked = {True: [], False: []}

    def per_op(op, pos):
        asked[False].append(op.name)
        return rules.rule_for_op(op, pos)

    def by_kind(op, pos):
        asked[True].append(op.name)
        return rules.rule_for_op(op, pos)

    by_kind.by_kind = True
    every = set(range(len(slots)))
    want = shift_terms(c, slots, every, per_op)
    got = shift_terms(c, slots, every, by_kind)
    assert got == want and len(got) == 2 * len(slots)
    assert asked[False] == ["RX", "RY", "RX", "PauliRot", "PauliRot", "RY"]
    assert asked[True] == ["RX", "RY", "PauliRot", "PauliRot"]  # (two words: two kinds)
    assert {(t.coeff, t.shift, t.period) for t in got} == {
        (0.5, math.pi / 2, 2 * math.pi), (-0.5, -math.pi / 2, 2 * math.pi)}


def test_light_cone_and_pruned_slots():
    c = Circuit(
        3,
        (Op("RX", (2,), (a,)), Op("CNOT", (1, 0)), Op("RY", (1,), (b,)), Op("RZ", (2,), (b,))),
        (Z0,),
        inputs=(a, b),
    )
    # only the CNOT reaches wire 0: RX (wire 2) never meets it, and RY (wire 1) comes after
    # the CNOT that couples wire 1 to wire 0
    assert light_cone(c) == (False, True, False, False)
    plan = make_plan(c)
    assert plan.terms == () and plan.executions == 1
    assert set(plan.pruned) == {0, 1, 2}  # every slot (slots count parameters, not ops)


def test_an_identity_factors_wire_is_in_pennylanes_cone_counted_not_run():
    # <Z1 (x) I0>: the label holds the observable's wires as written (device indices)
    z1_i0 = Measurement("expval", ((sp.S(1), ((1, "Z"),)),), label=("expval", "Prod", 0, 0, (1, 0)))
    c = Circuit(2, (Op("RX", (0,), (a,)), Op("CRY", (0, 1), (b,))), (z1_i0,), inputs=(a, b))
    c2 = Circuit(2, (Op("RX", (0,), (a,)), Op("RY", (1,), (b,))), (z1_i0,), inputs=(a, b))
    assert light_cone(c2) == (False, True) and graph_cone(c2) == (True, True)
    plan = make_plan(c2)
    assert plan.pruned == (0,) and {t.slot for t in plan.terms} == {1}
    # RY's two shifted circuits run; RX's two (derivative exactly 0) are only counted
    assert (plan.executions, plan.idle_runs, plan.counted_executions) == (3, 2, 5)
    # CRY couples wire 0 to wire 1: RX is in both cones, nothing idle
    assert light_cone(c) == graph_cone(c) and make_plan(c).idle_runs == 0


def test_coefficients_depending_on_inputs_enter_the_plan():
    m = Measurement("expval", ((a**2, ((0, "Z"),)), (sp.S(2), ((0, "X"),))))
    c = Circuit(1, (Op("RX", (0,), (b,)),), (m,), inputs=(a, b))
    plan = make_plan(c)
    assert [(e.measurement, e.word, e.input, e.factor) for e in plan.coeff_chain] == [
        (0, 0, 0, 2 * a)]
