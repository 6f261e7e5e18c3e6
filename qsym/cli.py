"""The ``qsym`` command.

``qsym rules`` prints the shift-rule table: for every gate parameter (and, for gates on
any number of wires, a few example variants) its frequencies, the number of terms, the
shifts and coefficients, and whether the rule and the generator are proved.
``qsym rules --verify`` derives and proves every rule again from the gate matrices and
exits with status 1 if any proof fails.

>>> main(["rules", "--gate", "RX"])  # doctest: +NORMALIZE_WHITESPACE
gate  param  wires/hyper  frequencies  terms  shifts             coefficients  generator  rule
RX    0      -            1            2      +1.570796 -1.570796  +0.5 -0.5  given      proved
0
"""

from __future__ import annotations

import argparse
import sys
import time

import sympy as sp

from . import gates, rules
from .errors import QsymError


def _fmt_numbers(values) -> str:
    return " ".join(f"{float(v):+.7g}" for v in values)


def _variant_label(row, num_wires, hyper) -> str:
    parts = []
    if row.num_wires == 0:
        parts.append(f"{num_wires}w")
    parts += [f"{h}={v}" for h, v in hyper]
    return ",".join(parts) or "-"


def rule_rows(names=None, verify: bool = False):
    """One dict per gate parameter and variant: the rule, its frequencies and proofs."""
    t = sp.Symbol("t", real=True)
    out = []
    for name in names or gates.GATES:
        row = gates.gate_def(name)
        for num_wires, hyper in row.variants():
            generator = row.sympy_generator(num_wires, hyper)
            for pos in range(row.num_params):
                entry = {
                    "gate": name,
                    "param": pos,
                    "variant": _variant_label(row, num_wires, hyper),
                }
                started = time.perf_counter()
                try:
                    rule = rules.rule_for_gate(name, pos, num_wires=num_wires, hyper=hyper)
                    proof = rules.prove_rule(rule) if verify else rules.Proof(True, ())
                    entry.update(
                        rule=rule,
                        frequencies=" ".join(str(f) for f in rule.frequencies) or "-",
                        terms=len(rule.terms),
                        shifts=_fmt_numbers(s for _, _, s in rule.terms) or "-",
                        coefficients=_fmt_numbers(c for c, _, _ in rule.terms) or "-",
                        rule_ok=bool(proof),
                    )
                except QsymError as exc:
                    entry.update(rule=None, frequencies="?", terms=0, shifts="", coefficients="",
                                 rule_ok=False, error=str(exc))
                entry["generator_ok"] = None
                if generator is not None and row.num_params == 1:
                    if verify:
                        U = row.sympy_matrix((t,), num_wires, hyper)
                        ok = bool(rules.prove_generator(U, t, generator))
                        if ok and entry.get("rule") is not None:
                            # the generator's eigenvalue differences are the frequencies
                            ok = rules.frequencies_from_generator(generator) == entry[
                                "rule"
                            ].frequencies
                        entry["generator_ok"] = ok
                    else:
                        entry["generator_ok"] = True
                entry["seconds"] = time.perf_counter() - started
                out.append(entry)
    return out


def _status(ok, verified: bool) -> str:
    if ok is None:
        return "-"
    if not ok:
        return "FAILED"
    return "proved" if verified else "given"


def cmd_rules(args) -> int:
    if args.verify:
        rules.rule_for_gate.cache_clear()
    names = [args.gate] if args.gate else None
    if args.gate:
        gates.gate_def(args.gate)  # unknown names fail with the list of gates
    table = rule_rows(names, verify=args.verify)
    header = ["gate", "param", "wires/hyper", "frequencies", "terms", "shifts",
              "coefficients", "generator", "rule"]
    lines = [header]
    for e in table:
        lines.append([e["gate"], str(e["param"]), e["variant"], e["frequencies"],
                      str(e["terms"]), e["shifts"], e["coefficients"],
                      _status(e["generator_ok"], args.verify),
                      # a rule is proved when it is derived, before any use
                      _status(e["rule_ok"], True)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    failed = [e for e in table if not e["rule_ok"] or e["generator_ok"] is False]
    if args.verify:
        total = sum(e["seconds"] for e in table)
        print(
            f"\nverified {len(table)} rules of {len({e['gate'] for e in table})} gates in "
            f"{total:.1f} s: {len(table) - len(failed)} proved, {len(failed)} failed",
            file=sys.stderr,
        )
    for e in failed:
        print(f"FAILED {e['gate']}[{e['param']}] {e['variant']}: {e.get('error', 'proof failed')}",
              file=sys.stderr)
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="qsym", description="qsym: compiled circuit gradients")
    sub = parser.add_subparsers(dest="command", required=True)
    p_rules = sub.add_parser("rules", help="print the shift-rule table")
    p_rules.add_argument("--verify", action="store_true",
                         help="derive and prove every rule again; exit 1 if any proof fails")
    p_rules.add_argument("--gate", help="only this gate")
    p_rules.set_defaults(func=cmd_rules)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except QsymError as exc:
        print(f"qsym: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
