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
