"""The records qsym ships (``qsym/gate_records.json``, :func:`qsym._cache.shipped_record`):
the built-in gates' shift rules and printed matrix code, derived when qsym is built, so
that a gate kind's first use on a machine waits for no sympy derivation (issue #17).

Independent checks: the table is compared with what qsym derives and prints now (a fresh
derivation in a temporary folder, the exact sympy rules); a shipped entry is used only
after the same checks as a cache record (a wrong rule or code under a gate's key is
refused and derived again); the numbers it gives are the exact derivative.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from qsym import _cache as cache, _emit as emit, rules


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and empty in-process memos (restored afterwards)."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()
    yield tmp_path
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()


def _no_derivation(monkeypatch):
    def refuse(*args):
        raise AssertionError(f"derived or printed again: {args[:2]}")

    monkeypatch.setattr(rules, "_derive_gate_rule", refuse)
    monkeypatch.setattr(emit, "print_gate_body", refuse)


def test_shipped_table_is_what_qsym_derives_now(tmp_path):
    """Every shipped entry equals what the current rules.py derives and _emit.py prints
    (a fresh derivation of the whole table); if this fails, the derivation or the printer
    changed: regenerate with ``python -c "from qsym import _emit as emit; emit.ship_records()"``."""
    shipped = json.loads(cache.SHIPPED_RECORDS.read_text())
    now = emit.ship_records(tmp_path / "table.json")
    assert len(now) > 100
    assert shipped == now


def test_a_new_gate_kind_is_neither_derived_nor_printed(fresh, monkeypatch):
    """RZ and DoubleExcitation in an empty cache folder: the rules and the matrix code
    (value and derivative) come from the table, equal to sympy's derivation, and no
    record file is read or written for them (the table is looked up first)."""
    monkeypatch.setattr(cache, "_shipped", {})
    expected = {g: (rules.rule_for_gate(g, 0), emit.gate_body(g), emit.gate_body(g, None, (), 0))
                for g in ("RZ", "DoubleExcitation")}
    for kind in ("rules", "gate-code"):  # a new folder: nothing on disk
        for f in (fresh / kind).glob("*.json"):
            f.unlink()
    monkeypatch.setattr(cache, "_shipped", None)  # the real table, read again
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()
    _no_derivation(monkeypatch)

    def no_file(*args):
        raise AssertionError(f"a record file read or written: {args[:2]}")

    with monkeypatch.context() as m:
        m.setattr(cache, "load_record", no_file)
        m.setattr(cache, "save_record", no_file)
        for g, (rule, code, dcode) in expected.items():
            assert rules.rule_for_gate(g, 0) == rule
            assert emit.gate_body(g) == code and emit.gate_body(g, None, (), 0) == dcode
    assert not list((fresh / "rules").glob("*.json"))
    assert not list((fresh / "gate-code").glob("*.json"))
    # the rule is the exact one: RZ's frequency 1/2 (shifts ±pi/2, coefficients ±1/2)
    rz = expected["RZ"][0]
    assert rules.prove_rule(rz)
    assert sorted((sp.nsimplify(c), s) for c, _, s in rz.terms) == [
        (-sp.Rational(1, 2), -sp.pi / 2), (sp.Rational(1, 2), sp.pi / 2)]


def test_wrong_shipped_entries_are_refused(fresh, monkeypatch):
    """A self-consistent rule for the wrong frequency and RY's code under RX's keys in the
    table: both refused by the checks a cache record gets; RX is derived and printed."""
    monkeypatch.setattr(cache, "_shipped", {})
    rx_rule, rx_code = rules.rule_for_gate("RX", 0), emit.gate_body("RX")
    ry_code = emit.gate_body("RY")
    wrong = rules.derive_rule([2])
    assert rules._numerically_exact(wrong)
    rule_key = rules._disk_key("RX", 0, None, None, ())
    (code_file,) = [f for f in (fresh / "gate-code").glob("*.json")
                    if json.loads(f.read_text())["payload"] == list(rx_code)]
    code_key = json.loads(code_file.read_text())["key"]
    table = {
        cache.shipped_key("rules", rule_key): {
            "terms": [[sp.srepr(x) for x in t] for t in wrong.terms],
            "frequencies": [sp.srepr(f) for f in wrong.frequencies]},
        cache.shipped_key("gate-code", code_key): list(ry_code),
    }
    for kind in ("rules", "gate-code"):
        for f in (fresh / kind).glob("*.json"):
            f.unlink()
    monkeypatch.setattr(cache, "_shipped", table)
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()
    assert rules.rule_for_gate("RX", 0) == rx_rule
    assert emit.gate_body("RX") == rx_code
    # RX's code at a point, against its matrix written here
    env = {"math": math, "complex": complex, "out": np.zeros(4, complex), "off": 0, "p0": 0.7}
    exec("\n".join(rx_code), env)
    c, s = math.cos(0.35), math.sin(0.35)
    assert np.allclose(env["out"], [c, -1j * s, -1j * s, c], atol=1e-15)


def test_every_shipped_rule_reads_back_as_derived(fresh, monkeypatch):
    """Each rule of the table, read from it, is the rule sympy derives now, expression for
    expression (sums rebuilt without sympy's evaluation, functions such as cos(3*pi/8) left
    as the derivation leaves them, not rewritten as radicals), with the same floats."""
    from qsym import _gates as gates

    calls = []
    for name in sorted(gates.BUILTIN_GATES):  # the shipped table holds built-in gates only
        row = gates.gate_def(name)
        for num_wires, hyper in row.variants():
            calls += [(name, j, num_wires, hyper) for j in range(row.num_params)]

    def rules_now():
        rules.rule_for_gate.cache_clear()
        out = {}
        for name, j, num_wires, hyper in calls:
            try:
                out[name, j, num_wires, hyper] = rules.rule_for_gate(
                    name, j, num_wires=num_wires, hyper=hyper)
            except Exception:  # noqa: BLE001 - a variant with no rule (ship_records too)
                pass
        return out

    monkeypatch.setattr(cache, "_shipped", {})
    derived = rules_now()
    for f in (fresh / "rules").glob("*.json"):  # the table, not the records just saved
        f.unlink()
    monkeypatch.setattr(cache, "_shipped", None)  # the real table, read again
    _no_derivation(monkeypatch)
    shipped = rules_now()
    assert len(derived) > 30 and shipped.keys() == derived.keys()
    with_cos = 0
    for k, rule in derived.items():
        assert shipped[k] == rule, k
        assert shipped[k].numeric() == rule.numeric(), k
        with_cos += any(x.has(sp.cos) for t in rule.terms for x in t)
    assert with_cos  # the case sympy's evaluation would have rewritten


def test_reading_rules_does_not_import_sympy_tensor():
    """A shipped rule with an exact sum (DoubleExcitation's) is read without sympy's first
    evaluated Add, which imports ``sympy.tensor.tensor`` (20-100 ms of a new circuit's
    first answer); a sum that is not canonical is still evaluated by sympy."""
    import subprocess
    import sys

    code = (
        "import sys, sympy as sp\n"
        "from qsym import rules\n"
        "x = rules._from_srepr('Add(Rational(1, 4), Mul(Rational(1, 8), "
        "Pow(Integer(2), Rational(1, 2))), Mul(Rational(1, 8), cos(Mul(Rational(1, 8), pi))))')\n"
        "assert 'sympy.tensor.tensor' not in sys.modules\n"
        "assert x == sp.Rational(1, 4) + sp.sqrt(2) / 8 + sp.cos(sp.pi / 8, evaluate=False) / 8\n"
        "assert rules._from_srepr('Add(Integer(1), Integer(2), pi, pi)') == 3 + 2 * sp.pi\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("text", [
    "__import__('os')", "open('x')", "eval('1')", "_canonical_add(Integer(1))",
    "Integer.__subclasses__()", "lambdify", "Symbol('x')", "Integer(1).__class__",
])
def test_a_rule_record_reads_sympy_numbers_only(text):
    """``_from_srepr`` resolves sympy's public names (looked up at first use), nothing
    else: no builtins, no qsym names, no underscores; and the value must be a number."""
    with pytest.raises((NameError, TypeError, AttributeError)):
        rules._from_srepr(text)


def test_a_rule_record_keeps_functions_as_printed():
    """Names resolved at first use keep the rule of the full table: functions
    unevaluated, sums by ``_canonical_add``, the same float."""
    x = rules._from_srepr("cos(Mul(Rational(3, 8), pi))")
    assert isinstance(x, sp.cos) and x == sp.cos(3 * sp.pi / 8, evaluate=False)
    assert abs(float(x) - math.cos(3 * math.pi / 8)) < 1e-15
    total = rules._from_srepr("Add(Integer(1), Mul(Integer(2), pi))")
    assert total == 1 + 2 * sp.pi and total.args == (1, 2 * sp.pi)  # the number first


def test_shipped_index_is_current_and_found_by_name(tmp_path):
    """The index by gate name (``qsym/gate_index.json``) is what ship_records makes now,
    tied to this very table file and to the sources the records are computed from; if this
    fails, regenerate with ``python -c "from qsym import _emit as emit; emit.ship_records()"``."""
    emit.ship_records(tmp_path / "table.json")
    now = json.loads((tmp_path / cache.SHIPPED_INDEX.name).read_text())
    shipped = json.loads(cache.SHIPPED_INDEX.read_text())
    assert shipped == now
    assert shipped["sources"] == cache.index_sources_digest()
    assert len(shipped["rules"]) > 30 and len(shipped["gate-code"]) > 60
    table = json.loads(cache.SHIPPED_RECORDS.read_text())
    assert set(shipped["rules"].values()) | set(shipped["gate-code"].values()) <= table.keys()


def test_a_builtin_gate_by_name_needs_no_sympy_key(fresh, monkeypatch):
    """With the index, a built-in gate's rule and code (value and derivative) are found by
    name: no sympy key (the exact matrix printed), no record file, no check against the
    matrix; they equal sympy's derivation and printing (derived here with no table), and
    the rule gives the exact derivative of a one-qubit expectation (checked by hand). The
    code is not parsed again (plain arithmetic: checked when the table was made,
    :func:`test_every_gate_code_row_by_name_is_plain_arithmetic`; issue #17)."""
    monkeypatch.setattr(cache, "_shipped", {})
    expected = {g: (rules.rule_for_gate(g, 0), emit.gate_body(g), emit.gate_body(g, None, (), 0))
                for g in ("RX", "CRY", "DoubleExcitation")}
    monkeypatch.setattr(cache, "_shipped", None)  # the real table and its index, read again
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()
    _no_derivation(monkeypatch)

    def refuse(*args):
        raise AssertionError(f"a sympy key, a record file or a matrix check: {args[:2]}")

    with monkeypatch.context() as m:
        for mod, name in ((rules, "_disk_key"), (emit, "_gate_body_key"),
                          (cache, "load_record"), (cache, "save_record"),
                          (rules, "rule_matches_gate"), (emit, "gate_code_matches"),
                          (emit, "_plain_lines"), (emit, "_plain_source")):
            m.setattr(mod, name, refuse)
        for g, (rule, code, dcode) in expected.items():
            assert rules.rule_for_gate(g, 0) == rule
            assert emit.gate_body(g) == code and emit.gate_body(g, None, (), 0) == dcode
    # d/dt <Z> after RX(t) on |0> is -sin(t): the rule's shifted cosines
    t = 0.37
    got = sum(c * math.cos(m * t + s) for c, m, s in expected["RX"][0].numeric())
    assert abs(got + math.sin(t)) < 1e-15


def test_every_gate_code_row_by_name_is_plain_arithmetic():
    """What :func:`qsym._emit.gate_body` runs unparsed (a built-in gate's code found by name
    in the shipped table, whose SHA-256 the index names): every gate-code row the index
    names is plain arithmetic, as :func:`qsym._emit.ship_records` checks when it makes the
    table (a row that is not is refused there)."""
    index = json.loads(cache.SHIPPED_INDEX.read_text())
    table = json.loads(cache.SHIPPED_RECORDS.read_text())
    names = set(index["gate-code"].values())
    assert len(names) > 50
    for name in names:
        assert emit._plain_lines(table[name]), name
    assert not emit._plain_lines(["_q_c0 = p0", "open('x', 'w')"])


def test_a_stale_or_replaced_index_is_not_used(fresh, monkeypatch):
    """An index made from other sources (a changed gate table, rule derivation or printer),
    or a table replaced for the process, gives nothing by name: the records are found by
    their full key and checked against the gate's matrix, as before."""
    monkeypatch.setattr(cache, "_shipped", None)
    monkeypatch.setattr(cache, "index_sources_digest", lambda: "changed")
    assert cache.shipped_by_name("rules", rules.rule_name_key("RX", 0)) is None
    rules.rule_for_gate.cache_clear()
    checked = []
    real = rules.rule_matches_gate
    monkeypatch.setattr(rules, "rule_matches_gate",
                        lambda *a, **k: checked.append(a[1]) or real(*a, **k))
    assert rules.rule_for_gate("RX", 0).numeric() == ((0.5, 1.0, math.pi / 2),
                                                      (-0.5, 1.0, -math.pi / 2))
    assert checked == ["RX"]
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_shipped", None)
    assert cache.shipped_by_name("rules", rules.rule_name_key("RX", 0)) is not None
    cache.set_shipped(dict(cache._shipped_table()))  # the same entries, another table
    try:
        assert cache.shipped_by_name("rules", rules.rule_name_key("RX", 0)) is None
    finally:
        cache.set_shipped(None)


def test_a_row_by_name_is_read_alone_and_is_the_tables_row(monkeypatch):
    """shipped_by_name parses the one row it needs (the byte range the index gives for it,
    written with the table; issue #17), never the whole table, nor the whole index (its
    entry's line: ``_cache.index_text``'s layout), and that row is the row of the table
    parsed whole, for every row the index names."""
    table = json.loads(cache.SHIPPED_RECORDS.read_bytes())
    index = json.loads(cache.SHIPPED_INDEX.read_bytes())
    named = set(index["rules"].values()) | set(index["gate-code"].values())
    assert named <= index["offsets"].keys() == table.keys()
    monkeypatch.setattr(cache, "_shipped", None)  # the file read again
    whole = []
    real = cache.json.loads
    monkeypatch.setattr(cache.json, "loads",
                        lambda s, *a, **k: whole.append(len(s) > 20000) or real(s, *a, **k))
    for kind in ("rules", "gate-code"):
        for name_key, key in index[kind].items():
            assert cache.shipped_by_name(kind, name_key) == table[key]
    assert whole and not any(whole)  # single rows and index lines only
    monkeypatch.undo()
    # the table parsed whole afterwards: the same rows; a table set for the process: none
    monkeypatch.setattr(cache, "_shipped", None)
    assert cache._shipped_table() == table
    name_key, key = next(iter(index["rules"].items()))
    assert cache.shipped_by_name("rules", name_key) == table[key]
    monkeypatch.setattr(cache, "_shipped", dict(table))
    assert cache.shipped_by_name("rules", name_key) is None


def test_the_index_read_by_lines_is_the_index_parsed_whole(tmp_path, monkeypatch):
    """The shipped index read an entry at a time (``_cache._IndexText``) gives, for every
    entry of every section, what ``json.loads`` of the whole file gives, and None (the
    default) for a key or section it does not have; the file is valid JSON. The same index
    in another layout (one line, as ``json.dumps`` writes it) is parsed whole and used the
    same way."""
    text = cache.SHIPPED_INDEX.read_text()
    whole = json.loads(text)
    assert text.startswith(cache._INDEX_HEAD) and cache.index_text(whole) == text
    lines = cache._IndexText(text)
    assert lines.get("sources") == whole["sources"] and lines.get("table") == whole["table"]
    assert {k for k in whole if k not in ("sources", "table", "body")} == {
        "gate-code", "offsets", "rule-numbers", "rules"}
    for section in ("gate-code", "offsets", "rule-numbers", "rules"):
        for key, value in whole[section].items():
            assert lines.get(section, {}).get(key) == value, (section, key)
        assert lines.get(section, {}).get("('RX', 0, None, ()) ") is None
        assert lines.get(section, {}).get(None, "no") == "no"
    assert lines.get("no such section", {}) == {}
    # the index in another layout: parsed whole, the same lookups
    one_line = tmp_path / "gate_index.json"
    one_line.write_text(json.dumps(whole))
    monkeypatch.setattr(cache, "SHIPPED_INDEX", one_line)
    monkeypatch.setattr(cache, "_shipped", None)
    name_key, key = next(iter(whole["rules"].items()))
    assert cache.shipped_by_name("rules", name_key) == json.loads(
        cache.SHIPPED_RECORDS.read_text())[key]
    assert isinstance(cache._index, dict) and cache._index == whole
    monkeypatch.setattr(cache, "_shipped", None)


def test_a_damaged_line_of_the_index_is_not_found_and_the_others_still_are():
    """An entry line of the index that is not JSON (a damaged file: its digests, on the
    first lines, still match) is read as no entry, so the caller derives and checks that
    gate as without an index; it raises nothing, and the other entries are still read."""
    text = cache.SHIPPED_INDEX.read_text()
    whole = json.loads(text)
    (bad_key, _), (good_key, good) = list(whole["rules"].items())[:2]
    section = text.index('\n"rules":{\n')
    start = text.index("\n" + json.dumps(bad_key) + ":", section) + 1
    end = text.index("\n", start)
    damaged = text[:start] + json.dumps(bad_key) + ':{"unclosed' + text[end:]
    lines = cache._IndexText(damaged)
    assert lines.get("rules", {}).get(bad_key) is None
    assert lines.get("rules", {}).get(good_key) == good


def _exact_float(x) -> float:
    """An exact sympy number to the nearest float, from 50 digits (not qsym's conversion)."""
    return float(sp.re(sp.N(x, 50)))


def test_shipped_rule_numbers_are_the_exact_rules_evaluated(fresh, monkeypatch):
    """The floats a plan reads (the index's ``rule-numbers``), for every rule the index
    names: the exact rule sympy derives and proves now, each number evaluated to 50 digits
    and rounded once; terms in the rule's order, frequencies ascending."""
    import ast

    index = json.loads(cache.SHIPPED_INDEX.read_text())
    numbers = index["rule-numbers"]
    assert numbers.keys() == index["rules"].keys() and len(numbers) > 30
    monkeypatch.setattr(cache, "_shipped", {})  # derived now: nothing from the table
    for name_key, payload in numbers.items():
        name, j, num_wires, hyper = ast.literal_eval(name_key)
        rule = rules.rule_for_gate(name, j, num_wires=num_wires, hyper=hyper)
        assert rules.prove_rule(rule), name_key
        assert payload == {
            "terms": [[_exact_float(x) for x in term] for term in rule.terms],
            "frequencies": [_exact_float(w) for w in rule.frequencies],
        }, name_key


def test_shipped_numbers_match_tells_the_shipped_rule_from_another(tmp_path):
    """``rules.shipped_numbers_match`` (what ``qsym rules --verify`` reads): True for the
    rule RX ships (its derivation now, frequency 1), False for another frequency's rule.
    In a new process: this one's tests set other tables."""
    import os
    import subprocess
    import sys

    code = ("from qsym import rules; print(rules.shipped_numbers_match('RX', 0, "
            "rules.derive_rule([1])), rules.shipped_numbers_match('RX', 0, "
            "rules.derive_rule([2])))")
    env = dict(os.environ, QSYM_CACHE_DIR=str(tmp_path))
    env.pop("QSYM_CACHE", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]


def test_a_plan_reads_the_shipped_floats_only(fresh, monkeypatch):
    """A built-in rule's first use in a process (memo cleared, the table and index read
    again) parses no sympy text, converts no exact number, proves and derives nothing: the
    plan's shift terms are the shipped floats, the rules worked by hand (RX: 1/2 at +-pi/2;
    CRY and DoubleExcitation, frequencies 1/2 and 1: 1/(16 sin^2(pi/8)) at +-pi/2 and
    -1/(16 sin^2(3pi/8)) at +-3pi/2). The exact form is read when asked for: sympy's."""
    from qsym import _plan as plan
    from qsym._ir import Circuit, Measurement, Op

    monkeypatch.setattr(cache, "_shipped", {})
    gates = ("RX", "CRY", "DoubleExcitation")
    exact = {g: rules.rule_for_gate(g, 0) for g in gates}
    monkeypatch.setattr(cache, "_shipped", None)  # the real table and index, read again
    rules.rule_for_gate.cache_clear()
    _no_derivation(monkeypatch)
    a = sp.Symbol("a", real=True)
    circuit = Circuit(4, (Op("RX", (0,), (a,)), Op("CRY", (0, 1), (a,)),
                          Op("DoubleExcitation", (0, 1, 2, 3), (a,))),
                      (Measurement("expval", ((sp.S(1), ((3, "Z"),)),)),), inputs=(a,))

    def refuse(*args):
        raise AssertionError(f"sympy text parsed, a number converted or a rule proved: {args}")

    with monkeypatch.context() as m:
        for mod, name in ((rules, "_from_srepr"), (rules, "_to_float"), (rules, "prove_rule"),
                          (rules, "_disk_key"), (rules, "rule_matches_gate"),
                          (cache, "load_record"), (cache, "_shipped_table")):
            m.setattr(mod, name, refuse)
        terms = plan.make_plan(circuit).terms
    h, q = math.pi / 2, 3 * math.pi / 2
    c1, c2 = 1 / (16 * math.sin(math.pi / 8) ** 2), -1 / (16 * math.sin(3 * math.pi / 8) ** 2)
    by_hand = [(0, 0.5, h), (0, -0.5, -h)] + [
        (k, c, s) for k in (1, 2) for c, s in ((c1, h), (-c1, -h), (c2, q), (-c2, -q))]
    assert [(t.op, t.mult) for t in terms] == [(k, 1.0) for k, _, _ in by_hand]
    for t, (_, c, s) in zip(terms, by_hand):
        assert math.isclose(t.coeff, c, rel_tol=1e-15) and math.isclose(t.shift, s, rel_tol=1e-15)
    for k, g in enumerate(gates):  # and bit for bit the exact rule's numbers
        assert [(t.coeff, t.mult, t.shift) for t in terms if t.op == k] == [
            tuple(_exact_float(x) for x in term) for term in exact[g].terms]
    for g in gates:  # the exact form, from the table's record
        assert rules.rule_for_gate(g, 0).terms == exact[g].terms
        assert rules.rule_for_gate(g, 0) == exact[g]


def test_a_plans_first_rule_in_a_new_process_parses_no_sympy_text():
    """In a new process, the seed's first value and first gradient (RX and RY, planned
    from the shipped floats) call no sympy parse of a rule record and no 30-digit
    conversion; the numbers are the closed forms cos(a) cos(b) and its derivatives."""
    import subprocess
    import sys

    code = (
        "import math, qsym as qml\n"
        "from qsym import rules\n"
        "calls = []\n"
        "for name in ('_from_srepr', '_to_float', 'prove_rule'):\n"
        "    real = getattr(rules, name)\n"
        "    setattr(rules, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))\n"
        "dev = qml.device('default.qubit', wires=1)\n"
        "@qml.qnode(dev)\n"
        "def f(p):\n"
        "    qml.RX(p[0], wires=0)\n"
        "    qml.RY(p[1], wires=0)\n"
        "    return qml.expval(qml.PauliZ(0))\n"
        "p = qml.numpy.array([0.54, 0.12], requires_grad=True)\n"
        "v, g = float(f(p)), qml.grad(f)(p)\n"
        "a, b = 0.54, 0.12\n"
        "assert abs(v - math.cos(a) * math.cos(b)) < 1e-14\n"
        "assert abs(g[0] + math.sin(a) * math.cos(b)) < 1e-14\n"
        "assert abs(g[1] + math.cos(a) * math.sin(b)) < 1e-14\n"
        "print(calls)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.strip() == "[]", out.stderr
