"""The ``qsym`` command.

``qsym rules`` prints the shift-rule table: for every gate parameter (and, for gates on
any number of wires, a few example variants) its frequencies, the number of terms, the
shifts and coefficients, and whether the rule and the generator are proved.
``qsym rules --verify`` derives and proves every rule again from the gate matrices and
exits with status 1 if any proof fails.

``qsym cache info`` prints the cache folder, its size and bound and its entries by kind;
``qsym cache clear`` deletes them (see :func:`qsym._cache.cache_info`).

``qsym warmup`` compiles qsym's kernel library for this machine ahead of time (a fresh
machine otherwise compiles it at the first circuit that needs it, saying so on stderr);
``qsym warmup file.py:function --args JSON`` compiles that circuit's code too.

``qsym compile path/to/file.py:function --args '[[0.54, 0.12]]' -o module.py`` compiles a
QNode for example arguments and exports its value and gradient as a standalone module
(see :mod:`qsym._aot`). It runs ``file.py``'s top level, as an import would (not its
``if __name__ == "__main__":`` block), and prints the SHA-256 of the module written.

>>> main(["rules", "--gate", "RX"])  # doctest: +NORMALIZE_WHITESPACE
gate  param  wires/hyper  frequencies  terms  shifts             coefficients  generator  rule
RX    0      -            1            2      +1.570796 -1.570796  +0.5 -0.5  given      proved
0
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import inspect
import json
import shutil
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import sympy as sp

from . import _gates as gates, rules
from ._version import __version__
from .errors import GateError, QsymError


def _fmt_numbers(values) -> str:
    return " ".join(f"{float(v):+.7g}" for v in values)


def _variant_label(row, num_wires, hyper) -> str:
    parts = []
    if row.num_wires == 0:
        parts.append(f"{num_wires}w")
    parts += [f"{h}={v}" for h, v in hyper]
    return ",".join(parts) or "-"


def _gate_progress(names, progress):
    """``names`` wrapped in a tqdm bar on stderr (``progress``: True always, False never,
    None when stderr is a terminal)."""
    if progress is False:
        return names
    from tqdm.auto import tqdm

    return tqdm(names, desc="verifying rules", unit="gate", file=sys.stderr,
                disable=None if progress is None else False, dynamic_ncols=True,
                mininterval=0.1, leave=False)


def rule_rows(names=None, verify: bool = False, progress=False):
    """One dict per gate parameter and variant: the rule, its frequencies and proofs.
    ``progress``: a progress bar over the gates on stderr (see :func:`_gate_progress`)."""
    t = sp.Symbol("t", real=True)
    out = []
    names = list(names or gates.GATES)
    bar = _gate_progress(names, progress)
    for name in bar:
        if bar is not names:
            bar.set_postfix_str(name, refresh=False)
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
                    if verify and rules.shipped_numbers_match(
                            name, pos, rule, num_wires, hyper) is False:
                        # the floats a plan reads (qsym/gate_index.json) are not this rule's
                        entry["error"] = ("the float form qsym ships (gate_index.json) differs "
                                          "from the rule derived now")
                        proof = rules.Proof(False, proof.checks)
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


def _find_gate(name: str) -> str:
    """The gate-table name for ``name``, case-insensitively; an unknown name raises
    :class:`qsym.GateError` with the closest names (difflib)."""
    if name in gates.GATES:
        return name
    by_lower = {g.lower(): g for g in gates.GATES}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = ("; did you mean " + " or ".join(by_lower[c] for c in close) + "?") if close else ""
    raise GateError(f"no gate named {name!r}{hint} (`qsym rules` lists every gate that has "
                    "parameters)")


def _wrap_table(lines, width, wrappable=(2, 3, 5, 6)):
    """Rows of cells as text lines at most ``width`` columns wide where possible: the
    widest space-separated cells (shifts, coefficients, frequencies, variants: the
    columns ``wrappable``) are wrapped onto continuation lines, never inside a number."""
    n = len(lines[0])
    widths = [max(len(line[i]) for line in lines) for i in range(n)]
    wrappable = [i for i in wrappable if i < n]
    floor = {i: max(len(w) for line in lines for w in (line[i].split() or [""]))
             for i in wrappable}
    while sum(widths) + 2 * (n - 1) > width:
        shrink = [i for i in wrappable if widths[i] > floor[i]]
        if not shrink:
            break
        i = max(shrink, key=lambda j: widths[j] - floor[j])
        widths[i] -= 1
    out = []
    for line in lines:
        cells = [textwrap.wrap(c, w, break_long_words=False) or [""]
                 for c, w in zip(line, widths)]
        for k in range(max(len(c) for c in cells)):
            out.append("  ".join((c[k] if k < len(c) else "").ljust(w)
                                 for c, w in zip(cells, widths)).rstrip())
    return out


def _json_rows(table, verified: bool):
    out = []
    for e in table:
        rule = e.get("rule")
        item = {
            "gate": e["gate"],
            "param": e["param"],
            "variant": e["variant"],
            "frequencies": [] if rule is None else [str(f) for f in rule.frequencies],
            "terms": [] if rule is None else [
                {"coefficient": float(c), "multiplier": float(m), "shift": float(sh),
                 "exact": [str(c), str(m), str(sh)]}
                for c, m, sh in rule.terms
            ],
            "generator": _status(e["generator_ok"], verified),
            "rule": _status(e["rule_ok"], True),
        }
        if "error" in e:
            item["error"] = e["error"]
        out.append(item)
    return out


def cmd_rules(args) -> int:
    names = None
    if args.gate:
        name = _find_gate(args.gate)
        if gates.gate_def(name).num_params == 0:
            print(f"qsym: {name} has no parameters, so it has no shift rule (`qsym rules` "
                  "lists every gate that has)", file=sys.stderr)
            return 1
        names = [name]
    if args.verify:  # derive every rule again: not from the memo, nor from the disk cache
        rules.rule_for_gate.cache_clear()
        disk = rules.use_disk_cache(False)
        try:
            table = rule_rows(names, verify=True, progress=None if args.progress else False)
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
    if args.json:
        print(json.dumps(_json_rows(table, args.verify), indent=2))
    else:
        width = args.width
        if width is None and sys.stdout.isatty():  # piped: the whole lines, for tools
            width = shutil.get_terminal_size().columns
        out = _wrap_table(lines, width if width else 10**9)
        if width and max(len(line) for line in out) > width:  # narrow: the compact table
            compact = [["gate[param] variant", "freqs", "terms", "shifts", "coeffs",
                        "gen/rule"]]
            for line in lines[1:]:
                gate, param, variant = line[:3]
                head = f"{gate}[{param}]" + ("" if variant == "-" else f" {variant}")
                compact.append([head, line[3], line[4], line[5], line[6],
                                f"{line[7]}/{line[8]}"])
            out = _wrap_table(compact, width, wrappable=(0, 1, 3, 4))
        for line in out:
            print(line)
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


def _load_qnode(target: str):
    """The QNode ``path/to/file.py:function`` (the file's top level runs, as on import)."""
    from ._runtime import QNode

    file, _, name = target.rpartition(":")
    if not file or not name:
        raise QsymError(f"give the circuit as path/to/file.py:function, got {target!r}")
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
    return qnode, name


def _parse_arguments(args_json, kwargs_json):
    """The example arguments of ``--args`` / ``--kwargs`` (read before the file runs)."""
    call_args = _json_args(args_json, "--args")
    if not isinstance(call_args, list):
        raise QsymError("--args must be a JSON list of the circuit's positional arguments")
    call_kwargs = _json_args(kwargs_json, "--kwargs") if kwargs_json else {}
    return [_arrays(a) for a in call_args], {k: _arrays(v) for k, v in call_kwargs.items()}


def _check_arguments(qnode, name, call_args, call_kwargs):
    """The example arguments fit the QNode's function."""
    try:
        inspect.signature(qnode.func).bind(*call_args, **call_kwargs)
    except TypeError as exc:
        raise QsymError(
            f"--args/--kwargs do not fit {name}{inspect.signature(qnode.func)}: {exc} "
            f"(--args gave {len(call_args)} positional argument(s))"
        ) from None
    except ValueError:  # no signature (a builtin or C callable): let the call decide
        pass


def cmd_compile(args) -> int:
    from ._aot import compile as compile_qnode

    call_args, call_kwargs = _parse_arguments(args.args, args.kwargs)
    qnode, name = _load_qnode(args.target)
    _check_arguments(qnode, name, call_args, call_kwargs)
    compiled = compile_qnode(qnode, *call_args, **call_kwargs)
    out = compiled.export(args.output)
    print(f"wrote {out} ({compiled.executions} circuits per gradient, circuit hash "
          f"{compiled.circuit_hash[:12]}); sha256 {compiled.export_sha256} "
          "(load it with qml.load(path, expected_hash=...))")
    return 0


# the kernel library's entry points a circuit's calls run (qsym.runtime, qsym.executors),
# compiled by `qsym warmup` through a 10-wire circuit (CNOT runs of 8+ wires and a
# Hamiltonian: the size-dependent code paths too) on tier 0 (QSYM_TIER=python: no circuit
# module is compiled, only the library); the blocked adjoint of large states
# (kernels.BLOCK_MIN_WIRES) is called directly on the same circuit (the same types)
_WARMUP_STEPS = (
    ("value", "program_value_into"),
    ("gradient, parameter shift", "program_value_and_grad_into"),
    ("gradient, adjoint", "program_value_and_grad_adjoint_into"),
    ("gradient, adjoint, large states", "program_value_and_grad_adjoint_blocked_into"),
    ("state", "program_state"),
    # the draws of finite shots (choice_check, choice_into, odd_parity_count, ...): a
    # sampled circuit moved to its compiled tier would else compile them at its next call
    ("sampled value and gradient", "choice_into"),
    ("batch value", "batch_value"),
    ("batch gradient, parameter shift", "batch_value_and_grad"),
    ("batch gradient, adjoint", "batch_value_and_grad_adjoint"),
)

# the kernel library's functions a first use reaches that no entry point above compiles
# (issue #17: each compiled at its first use, seconds of numba after `qsym warmup`): the
# fused gradient and value every small circuit's compiled module links (3.5 s), the parameter shift
# and the adjoint on numba's threads (large circuits, 8-16 s), the Hessian's gate gradient
# (2 s) and qsym.minimize's adjoint step (the kernels' step form of a loop module, 5-6 s).
# Each is compiled through the caller the library has (a compiled circuit module, a loop
# module) or with the argument types the runtime passes it: the same numba signature, so
# a first use loads it (tests/test_warmup_extras.py). tests/conftest.py's session compile
# runs these steps by name (EXTRA_KERNELS, LATE_KERNELS).
_WARMUP_EXTRA_STEPS = (
    ("gradient, a small circuit's compiled module", "program_value_and_grad_small_into"),
    ("gradient, parameter shift on threads", "program_value_and_grad_parallel"),
    ("Hessian, gate gradient", "program_gate_gradient"),
    ("gradient, adjoint on threads", "program_value_and_grad_adjoint_parallel"),
    ("minimize, adjoint step", "adjoint_step_into"),
    # a batch kernel of its own from kernels.BLOCK_MIN_WIRES wires (the common one does not
    # link the blocked adjoint): through a 12-wire circuit's batch (not with --no-batch)
    ("batch gradient, adjoint, large states", "batch_value_and_grad_adjoint_blocked"),
)


def _warmup_tiny(qml):
    def tiny(p):
        qml.RX(p[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(p[1], wires=1)
        return qml.expval(qml.PauliZ(1))

    return tiny


def warmup_extra(kernel: str) -> None:
    """Compile (or load) the kernel library function ``kernel`` of
    :data:`_WARMUP_EXTRA_STEPS` as its first use would (``qsym warmup``; the test session's
    kernel compile). The circuit modules it compiles on the way (a 2-wire circuit's) are
    written to the cache folder as a first use would write them."""
    import os

    import qsym as qml

    from . import _kernel_table as kernel_table, _kernels as kernels, _shapes as shapes, _tiers as tiers

    dev2 = qml.device("default.qubit", wires=2)
    x2 = qml.numpy.array([0.3, 0.4], requires_grad=True)
    saved = os.environ.get("QSYM_TIER")
    try:
        if kernel == "program_value_and_grad_small_into":  # a compiled module's fused entry
            os.environ["QSYM_TIER"] = "compiled"
            node = qml.QNode(_warmup_tiny(qml), dev2, diff_method="parameter-shift")
            entry = node.compiled((x2,), {})[0]
            entry.module.fused_value_and_grad_into(np.array([0.3, 0.4]), np.zeros(0),
                                                   np.empty(1), np.empty((1, 2)))
            # and its fused value (program_value_small_into, linked the same way)
            entry.module.fused_value_into(np.array([0.3, 0.4]), np.zeros(0), np.empty(1))
        elif kernel == "adjoint_step_into":  # a loop module's kernels' step
            from . import _minimize as minimize

            os.environ["QSYM_TIER"] = "compiled"
            node = qml.QNode(_warmup_tiny(qml), dev2, diff_method="adjoint")
            entry = node.compiled((x2,), {}, diff=(0,))[0]
            limits = minimize.STEP_MAX_OPS, minimize.SWEEP_MAX_OPS
            minimize.STEP_MAX_OPS = minimize.SWEEP_MAX_OPS = 0  # not the written-out step
            try:
                minimize.loop_module(entry, "adjoint")
            finally:
                minimize.STEP_MAX_OPS, minimize.SWEEP_MAX_OPS = limits
            # the loop calls the kernel through its table (compiled at a first step, which
            # the loop's compile does not run): compiled here
            kernel_table.address("adjoint_step_into")
        else:  # called from Python, as the runtime calls them
            os.environ["QSYM_TIER"] = "python"
            fn, _ = _warmup_circuit(qml)
            dev = qml.device("default.qubit", wires=10)
            p = qml.numpy.array(np.linspace(0.1, 0.9, 20), requires_grad=True)
            with tiers.kernel_compiles_on_call():
                if kernel == "batch_value_and_grad_adjoint_blocked":
                    big, _ = _warmup_circuit(qml, kernels.BLOCK_MIN_WIRES)
                    wires = kernels.BLOCK_MIN_WIRES
                    q = qml.numpy.array(np.linspace(0.1, 0.9, 2 * wires), requires_grad=True)
                    entry, xs, _ = qml.QNode(big, qml.device("default.qubit", wires=wires),
                                             diff_method="adjoint").compiled((q,), {})
                    entry.batch_value_and_grad_adjoint(np.tile(shapes.flat(xs), (2, 1)))
                    return
                if kernel == "program_value_and_grad_adjoint_parallel":
                    entry, xs, ds = qml.QNode(fn, dev, diff_method="adjoint").compiled((p,), {})
                    entry.value_and_grad_adjoint(shapes.flat(xs), shapes.flat(ds),
                                                 kernel=kernel)
                    return
                entry, xs, ds = qml.QNode(fn, dev, diff_method="parameter-shift").compiled(
                    (p,), {})
                mats, smats, ch, C, cc, _ = entry._prepare(shapes.flat(xs), shapes.flat(ds), 1)
                if kernel == "program_value_and_grad_parallel":
                    kernels.program_value_and_grad_parallel(entry._ints, entry._floats, mats,
                                                            smats, ch, C, cc, 2)
                elif kernel == "program_gate_gradient":
                    kernels.program_gate_gradient(entry._ints, entry._floats, mats, smats)
                else:
                    raise ValueError(f"qsym warmup: no step compiles {kernel!r}")
    finally:
        if saved is None:
            os.environ.pop("QSYM_TIER", None)
        else:
            os.environ["QSYM_TIER"] = saved


def _warmup_sample(qml, wires=10):
    """A circuit of ``qml.sample`` and ``qml.counts`` (``qsym warmup``'s draws)."""
    def circuit():
        for i in range(wires):
            qml.Hadamard(wires=i)
        return qml.sample(wires=range(wires)), qml.counts(qml.PauliZ(0) @ qml.PauliZ(1))

    return circuit


def _warmup_circuit(qml, wires=10):
    def circuit(p):
        for i in range(wires):
            qml.RX(p[i], wires=i)
        for i in range(wires - 1):
            qml.CNOT(wires=[i, i + 1])
        for i in range(wires):
            qml.RY(p[wires + i], wires=i)
        qml.CZ(wires=[0, wires - 1])
        H = qml.Hamiltonian([0.5, -0.3, 0.2], [qml.PauliX(0) @ qml.PauliX(1), qml.PauliZ(5),
                                               qml.PauliY(wires - 1)])
        return qml.expval(H)

    def state(p):
        for i in range(wires):
            qml.RX(p[i], wires=i)
        for i in range(wires - 1):
            qml.CNOT(wires=[i, i + 1])
        return qml.state()

    return circuit, state


def _kernel_files() -> int:
    from . import _cache as cache

    return sum(1 for d in cache.kernel_cache_dirs() if d.is_dir() for f in d.iterdir()
               if f.suffix in (".nbi", ".nbc"))


def cmd_warmup(args) -> int:
    """Compile qsym's kernel library (and optionally one circuit) ahead of time."""
    import os

    import qsym as qml

    from . import _cache as cache, _shapes as shapes, _tiers as tiers

    if args.target:  # a wrong target or arguments: said before minutes of compiling
        call_args, call_kwargs = _parse_arguments(args.args or "[]", args.kwargs)
        qnode, name = _load_qnode(args.target)
        _check_arguments(qnode, name, call_args, call_kwargs)
    cache.kernel_compile_said()  # this command prints its own progress
    progress = sys.stderr
    before = _kernel_files()
    t_start = time.perf_counter()
    steps = [s for s in _WARMUP_STEPS if args.batch or not s[1].startswith("batch")]
    # (the test session's compile picks some by name: args.extra)
    wanted = getattr(args, "extra", None)
    extras = [s for s in _WARMUP_EXTRA_STEPS if (wanted is None or s[1] in wanted)
              and (args.batch or wanted is not None or not s[1].startswith("batch"))]
    total = len(steps) + len(extras)
    saved = os.environ.get("QSYM_TIER")
    os.environ["QSYM_TIER"] = "python"  # the library only: no circuit module compiled
    # (tier 0 runs a kernel with no code on disk as its twin: here it compiles it)
    with tiers.kernel_compiles_on_call():
        try:
            fn, state_fn = _warmup_circuit(qml)
            p = qml.numpy.array(np.linspace(0.1, 0.9, 20), requires_grad=True)
            dev = qml.device("default.qubit", wires=10)
            nodes = {m: qml.QNode(fn, dev, diff_method=m) for m in ("parameter-shift", "adjoint")}
            state = qml.QNode(state_fn, dev)
            for i, (what, kernel) in enumerate(steps, 1):
                print(f"qsym warmup: [{i}/{total}] {what} ({kernel}) ...", end="",
                      file=progress, flush=True)
                t = time.perf_counter()
                if kernel == "program_value_into":
                    nodes["parameter-shift"](p)
                elif kernel == "program_value_and_grad_into":
                    qml.grad(nodes["parameter-shift"])(p)
                elif kernel == "program_value_and_grad_adjoint_into":
                    qml.grad(nodes["adjoint"])(p)
                elif kernel.startswith("program_value_and_grad_adjoint_"):  # BLOCK_MIN_WIRES on
                    entry, xs, ds = nodes["adjoint"].compiled((p,), {})
                    entry.value_and_grad_adjoint(shapes.flat(xs), shapes.flat(ds), kernel=kernel)
                elif kernel == "program_state":
                    state(p)
                elif kernel == "choice_into":
                    sampled = qml.set_shots(nodes["parameter-shift"], 100)
                    qml.grad(sampled)(p)
                    qml.set_shots(qml.QNode(_warmup_sample(qml), dev), 100)()
                else:
                    entry, xs, _ = nodes["parameter-shift"].compiled((p,), {})
                    getattr(entry, kernel)(np.tile(shapes.flat(xs), (2, 1)))
                print(f" {time.perf_counter() - t:.1f} s", file=progress, flush=True)
        finally:
            if saved is None:
                os.environ.pop("QSYM_TIER", None)
            else:
                os.environ["QSYM_TIER"] = saved
    # the kernel twins' Python code (tier 0's first calls) compiled and kept in the cache
    # folder for the next processes (tiers._twins_namespace: a few ms, once)
    tiers.kernel_twins()
    # the first answers' cell kernels as one library each (qsym._cell_bundles: 2-3 s)
    from . import _cell_bundles as cell_bundles

    cell_bundles.compile_bundles()
    for i, (what, kernel) in enumerate(extras, len(steps) + 1):
        print(f"qsym warmup: [{i}/{total}] {what} ({kernel}) ...", end="",
              file=progress, flush=True)
        t = time.perf_counter()
        warmup_extra(kernel)
        print(f" {time.perf_counter() - t:.1f} s", file=progress, flush=True)
    if args.target:
        print(f"qsym warmup: compiling {name} ...", end="", file=progress, flush=True)
        t = time.perf_counter()
        os.environ["QSYM_TIER"] = "compiled"  # this signature: compiled at its first call
        try:
            entry, xs, ds = qnode.compiled(call_args, call_kwargs)
        finally:
            if saved is None:
                os.environ.pop("QSYM_TIER", None)
            else:
                os.environ["QSYM_TIER"] = saved
        x, d = shapes.flat(xs), shapes.flat(ds)
        entry.value(x, d)
        if x.size:
            if qnode.resolved_method == "adjoint":
                entry.value_and_grad_adjoint(x, d)
            else:
                entry.value_and_grad(x, d)
        print(f" {time.perf_counter() - t:.1f} s", file=progress, flush=True)
    where = ", ".join(str(d) for d in cache.kernel_cache_dirs()) or "numba's cache folder"
    print(f"qsym warmup: done in {time.perf_counter() - t_start:.1f} s; "
          f"{max(_kernel_files() - before, 0)} new kernel cache files in {where}")
    return 0


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def cmd_cache(args) -> int:
    from . import _cache as cache

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
    if info.get("kernels"):
        print(f"kernels  {info['kernels']} (numba's cache of qsym's kernel library)")
    for kind, count in info["entries"].items():
        print(f"{kind:<12} {count}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="qsym", description="qsym: compiled circuit gradients")
    parser.add_argument("--version", action="version", version=f"qsym {__version__}")
    sub = parser.add_subparsers(dest="command")
    p_rules = sub.add_parser(
        "rules", help="print the shift-rule table",
        description="Print the shift-rule table. On a terminal the lines are wrapped to its "
        "width; piped, each rule is one line. Exit status: 0, or 1 if a proof fails "
        "(--verify) or the gate has no parameters, 2 for an unknown gate.")
    p_rules.add_argument("--verify", action="store_true",
                         help="derive and prove every rule again; exit 1 if any proof fails")
    p_rules.add_argument("--gate", help="only this gate (any case: rx is RX)")
    p_rules.add_argument("--json", action="store_true",
                         help="print the rules as JSON (exact and float terms) instead")
    p_rules.add_argument("--width", type=int, default=None,
                         help="wrap the table to this many columns (default: the "
                         "terminal's width; no wrapping when piped)")
    p_rules.add_argument("--no-progress", dest="progress", action="store_false",
                         help="no progress bar for --verify (shown on a terminal)")
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
    p_warm = sub.add_parser(
        "warmup", help="compile qsym's kernel library (and a circuit) ahead of time",
        description="Compile qsym's kernel library for this machine now (about 1-3 min on 2 "
        "cores; once per machine and qsym version, cached in the cache folder), so that no "
        "later circuit waits for it. With path/to/file.py:function and --args, also "
        "compile that circuit's generated code. Progress on stderr.")
    p_warm.add_argument("target", nargs="?", default=None,
                        help="optional: path/to/file.py:function (a QNode) to compile too")
    p_warm.add_argument("--args", help="JSON list of the circuit's example positional arguments")
    p_warm.add_argument("--kwargs", help="JSON object of example keyword arguments")
    p_warm.add_argument("--no-batch", dest="batch", action="store_false",
                        help="skip the batch kernels (compiled at the first batch call otherwise)")
    p_warm.set_defaults(func=cmd_warmup)
    p_cache = sub.add_parser("cache", help="show or clear the on-disk cache")
    p_cache.add_argument("action", choices=["info", "clear"],
                         help="info: path, size and entries by kind; clear: delete them")
    p_cache.set_defaults(func=cmd_cache)
    args = parser.parse_args(argv)
    if args.command is None:  # `qsym` alone: the help, not a usage error
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except QsymError as exc:
        print(f"qsym: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
