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
    (value and derivative) come from the table, equal to sympy's derivation, and are
    saved to the folder as records."""
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
    for g, (rule, code, dcode) in expected.items():
        assert rules.rule_for_gate(g, 0) == rule
        assert emit.gate_body(g) == code and emit.gate_body(g, None, (), 0) == dcode
    assert len(list((fresh / "rules").glob("*.json"))) == 2
    assert len(list((fresh / "gate-code").glob("*.json"))) == 4
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
