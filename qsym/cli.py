"""The ``qsym`` command.

``qsym rules`` prints the shift-rule table: for every gate parameter (and, for gates on
any number of wires, a few example variants) its frequencies, the number of terms, the
shifts and coefficients, and whether the rule and the generator are proved.
``qsym rules --verify`` derives and proves every rule again from the gate matrices and
exits with status 1 if any proof fails.

``qsym cache info`` prints the cache folder, its size and bound and its entries by kind;
``qsym cache clear`` deletes them (see :func:`qsym.cache.cache_info`).

``qsym compile path/to/file.py:function --args '[[0.54, 0.12]]' -o module.py`` compiles a
QNode for example arguments and exports its value and gradient as a standalone module
(see :mod:`qsym.aot`). It runs ``file.py``'s top level, as an import would (not its
``if __name__ == "__main__":`` block), and prints the SHA-256 of the module written.

>>> main(["rules", "--gate", "RX"])  # doctest: +NORMALIZE_WHITESPACE
gate  param  wires/hyper  frequencies  terms  shifts             coefficients  generator  rule
RX    0      -            1            2      +1.570796 -1.570796  +0.5 -0.5  given      proved
0
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import sys
import time
from pathlib import Path

import numpy as np
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
    names = [args.gate] if args.gate else None
    if args.gate:
        gates.gate_def(args.gate)  # unknown names fail with the list of gates
    if args.verify:  # derive every rule again: not from the memo, nor from the disk cache
        rules.rule_for_gate.cache_clear()
        disk = rules.use_disk_cache(False)
        try:
            table = rule_rows(names, verify=True)
        finally:
            rules.use_disk_cache(disk)
    else:
        table = rule_rows(names, verify=False)
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


def _json_args(text: str, what: str):
    """Arguments from JSON: lists of floats become float arrays; ints stay ints (static)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QsymError(f"{what} is not valid JSON: {exc}") from None
    return value


def _arrays(value):
    """Nested lists of numbers with any float become NumPy float arrays (trainable)."""
    if isinstance(value, list) and value and all(isinstance(v, (int, float, list)) for v in value):
        arr = np.asarray(value)
        if arr.dtype.kind == "f":
            return arr
    return value


def cmd_compile(args) -> int:
    from .aot import compile as compile_qnode
    from .runtime import QNode

    call_args = _json_args(args.args, "--args")
    if not isinstance(call_args, list):
        raise QsymError("--args must be a JSON list of the circuit's positional arguments")
    call_kwargs = _json_args(args.kwargs, "--kwargs") if args.kwargs else {}
    file, _, name = args.target.rpartition(":")
    if not file or not name:
        raise QsymError(f"give the circuit as path/to/file.py:function, got {args.target!r}")
    path = Path(file)
    if not path.is_file():
        raise QsymError(f"no such file: {file}")
    # the file's top level runs (as on import), not its `if __name__ == "__main__":` block
    spec = importlib.util.spec_from_file_location(f"_qsym_user_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        spec.loader.exec_module(module)
    except QsymError:
        raise
    except Exception as exc:
        raise QsymError(f"running {file} failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.pop(0)
    if not hasattr(module, name):
        defined = sorted(k for k, v in vars(module).items() if isinstance(v, QNode))
        raise QsymError(f"{file} defines no {name!r}; its QNodes: {', '.join(defined) or 'none'}")
    qnode = getattr(module, name)
    if not isinstance(qnode, QNode):
        raise QsymError(f"{file}:{name} is not a QNode (decorate it with @qml.qnode(dev))")
    call_args = [_arrays(a) for a in call_args]
    call_kwargs = {k: _arrays(v) for k, v in call_kwargs.items()}
    try:
        inspect.signature(qnode.func).bind(*call_args, **call_kwargs)
    except TypeError as exc:
        raise QsymError(
            f"--args/--kwargs do not fit {name}{inspect.signature(qnode.func)}: {exc} "
            f"(--args gave {len(call_args)} positional argument(s))"
        ) from None
    except ValueError:  # no signature (a builtin or C callable): let the call decide
        pass
    compiled = compile_qnode(qnode, *call_args, **call_kwargs)
    out = compiled.export(args.output)
    print(f"wrote {out} ({compiled.executions} circuits per gradient, circuit hash "
          f"{compiled.circuit_hash[:12]}); sha256 {compiled.export_sha256} "
          "(load it with qml.load(path, expected_hash=...))")
    return 0


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def cmd_cache(args) -> int:
    from . import cache

    if args.action == "clear":
        done = cache.clear_cache()
        print(f"removed {done['files']} files ({_mb(done['bytes'])}) from {done['path']}")
        return 0
    info = cache.cache_info()
    bound = "no bound" if info["max_size"] is None else f"bound {_mb(info['max_size'])}"
    print(f"path     {info['path']}")
    if info["problem"]:
        print(f"problem  the folder {info['problem']}: qsym does not use it")
    print(f"size     {_mb(info['size'])} ({bound}, QSYM_CACHE_MAX_MB)")
    for kind, count in info["entries"].items():
        print(f"{kind:<12} {count}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="qsym", description="qsym: compiled circuit gradients")
    sub = parser.add_subparsers(dest="command", required=True)
    p_rules = sub.add_parser("rules", help="print the shift-rule table")
    p_rules.add_argument("--verify", action="store_true",
                         help="derive and prove every rule again; exit 1 if any proof fails")
    p_rules.add_argument("--gate", help="only this gate")
    p_rules.set_defaults(func=cmd_rules)
    p_compile = sub.add_parser(
        "compile", help="compile a QNode and export its value and gradient as a module",
        description="Compile a QNode for example arguments and export its value and gradient "
        "as a standalone module. FILE.py is run as on import (its top-level code runs, its "
        "`if __name__ == '__main__':` block does not) to find the QNode; prints the SHA-256 "
        "of the module written, for qml.load(path, expected_hash=...).",
    )
    p_compile.add_argument("target", help="path/to/file.py:function (a QNode); the file's "
                           "top level runs (not its __main__ block)")
    p_compile.add_argument("--args", required=True,
                           help="JSON list of example positional arguments, e.g. '[[0.1, 0.2]]'")
    p_compile.add_argument("--kwargs", help="JSON object of example keyword arguments")
    p_compile.add_argument("-o", "--output", required=True, help="the module to write (.py)")
    p_compile.set_defaults(func=cmd_compile)
    p_cache = sub.add_parser("cache", help="show or clear the on-disk cache")
    p_cache.add_argument("action", choices=["info", "clear"],
                         help="info: path, size and entries by kind; clear: delete them")
    p_cache.set_defaults(func=cmd_cache)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except QsymError as exc:
        print(f"qsym: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
