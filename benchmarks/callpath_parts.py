#!/usr/bin/env python
"""What each part of ``grad.__call__``'s short path costs where it runs (issue #19).

Usage::

    python benchmarks/callpath_parts.py                 # every part, the tensor and the list
    python benchmarks/callpath_parts.py grad execute     # one case, some parts
    python benchmarks/callpath_parts.py --run N CASE PART   # (one counted run; internal)

For an accounting only, never a build: each part is taken out of
``qsym._runtime.grad.__call__`` by a text substitution of its source (:data:`PARTS`: the
check or step replaced by what it answers when it passes), the method rebuilt in the
module's namespace, and the seed's ``qml.grad(circuit)(p)`` (``grad``) or
``qml.grad(circuit, argnum=0)(lst)`` (``list``) counted as
``bench_callpath.py --callgrind`` counts it: under ``valgrind --tool=callgrind
--instr-atstart=no``, 300 warm-up calls, then N calls with the instrumentation on, for
N = 1000 and 3000; the difference over 2000 is one call's instructions. The part's cost
is ``none``'s count (nothing taken out: the method rebuilt as it is) minus the
variant's. Where a part is taken out the answers can be wrong (that is not checked here);
a substitution that no longer matches the source fails (the method changed: update
:data:`PARTS`). Each run takes one to three minutes (valgrind runs the import too).
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

_GUARDS = ("and node.method == method and dev is device\n"
           "                and not (node._qnode_shots if node._shots_set else dev.given_shots)\n"
           "                and not recording and (guard is None or guard())\n"
           "                and not node.pipeline  # (diff_method, gradient_kwargs changed: "
           "_grad_fast None)")
_ITEMS = """                    i = 0
                    for v in items:
                        if type(v) is not float:
                            arr = _floats_array(first, True, _NOT_TAKEN, n)
                            break
                        put[i] = v
                        i += 1
                    else:
                        arr = kept
"""

# part: (what it is, the cases it applies to, [(source text, replacement), ...])
PARTS = {
    "none": ("nothing taken out (the method rebuilt as it is)", ("grad", "list"), []),
    "execute": ("the spy check: `type(ex := dev.execute) is bound and ex == own`",
                ("grad", "list"),
                [("\n                and type(ex := dev.execute) is bound and ex == own", "")]),
    "array": (("the tensor's checks: `arr.dtype is F64 and arr.strides == step and "
               "len(arr) == n`"), ("grad",),
              [("arr.dtype is F64 and arr.strides == step and len(arr) == n", "True")]),
    "counters": ("the device's counters: `dev.num_executions += runs`, `dev.num_calls += 1`",
                 ("grad", "list"),
                 [("        dev.num_executions += runs\n        dev.num_calls += 1\n", "")]),
    "reuse": ("the kept arrays' reference checks (`rc`, `wrc`, `held[k] is`)", ("grad",),
              [("if row is None or rc(row) != alone_row or wrc(row) or held[2] is not row:",
                "if row is None:"),
               ("elif rc(out) != alone_out or held[0] is not out:  # (a kept ``forward``)",
                "elif False:")]),
    "guards": (("the QNode's and device's state: method, device, shots, recording, guard, "
                "pipeline, trackers"), ("grad", "list"),
               [(_GUARDS, ""), ("  # (the entry point now)\n                and not dev.trackers):",
                                 "):")]),
    "stores": ("`node._last = entry`, `self._forward = out`", ("grad", "list"),
               [("        node._last = entry\n        self._forward = out\n", "")]),
    "items": ("the list's items written into the kept array (type test, memoryview write)",
              ("list",), [(_ITEMS, "                    arr = kept\n")]),
    "new list": ("the new list of the views (`[*row]`)", ("list",),
                 [("return row if arr is first else [*row]", "return row")]),
}


def rebuilt(part: str):
    """``grad.__call__`` with ``part`` taken out (see the module's docstring)."""
    import qsym._runtime as rt
    src = inspect.getsource(rt.grad.__call__)
    for old, new in PARTS[part][2]:
        if old not in src:
            raise SystemExit(f"part {part!r}: its text is no longer in grad.__call__: {old!r}")
        src = src.replace(old, new)
    namespace: dict = {}
    code = compile(textwrap.dedent(src), f"<grad.__call__ without {part}>", "exec")
    exec(code, rt.__dict__, namespace)  # noqa: S102  (a rebuilt method, for an accounting)
    return namespace["__call__"]


def run(n: int, case: str, part: str) -> int:
    """``--run N CASE PART``: bench_callpath's counted calls with the part taken out."""
    os.environ.setdefault("QSYM_TIER", "compiled")
    import qsym._runtime as rt
    rt.grad.__call__ = rebuilt(part)
    sys.path.insert(0, HERE)
    import bench_callpath
    return bench_callpath.count_calls(n, case)


def count(case: str, part: str) -> float:
    """One call's instructions with ``part`` taken out (two valgrind runs)."""
    env = dict(os.environ, PYTHONHASHSEED="0", QSYM_TIER="compiled")
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env.setdefault(v, "1")
    total = {}
    for n in (1000, 3000):
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
             sys.executable, os.path.abspath(__file__), "--run", str(n), case, part],
            capture_output=True, text=True, env=env, check=True)
        total[n] = int(re.search(r"refs:\s+([\d,]+)", out.stderr)[1].replace(",", ""))
    return (total[3000] - total[1000]) / 2000


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--run"]:
        return run(int(args[1]), args[2], args[3])
    cases = [a for a in args if a in ("grad", "list")] or ["grad", "list"]
    parts = [a for a in args if a in PARTS and a != "none"] or [p for p in PARTS if p != "none"]
    for case in cases:
        base = count(case, "none")
        print(f"\n`{case}`: {base:.0f} instructions a call\n")
        print("| part taken out | instructions a call | the part's cost |\n|---|---|---|")
        for part in parts:
            if case in PARTS[part][1]:
                v = count(case, part)
                print(f"| {PARTS[part][0]} | {v:.0f} | {base - v:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
