"""PennyLane's documentation examples run on PennyLane and on qsym, side by side (issue #18).

Users copy the ``>>>`` examples of PennyLane's docstrings. This driver reads those
docstrings at run time from an installed PennyLane (it holds no PennyLane text), runs each
docstring's examples in order in a fresh namespace on both sides and compares the two
outputs (not the docstring's own expected text):

* **collect** (PennyLane's interpreter, ``--python``): for each area (:data:`AREAS`, a
  PennyLane package or module), the public objects (``__all__`` or the names not starting
  with ``_`` whose ``__module__`` lies in the area; for ``toplevel`` the ``qml.X`` names
  that belong to no other area) and the public methods of classes; a docstring's segments
  are its ``>>>`` examples (``doctest.DocTestParser().get_examples``) and its ``..
  code-block:: python`` blocks without ``>>>`` (run whole, they usually define the circuit
  the examples use), in the order they appear; plus the names the segments use that the
  docstring's module defines (``from module import *`` is how PennyLane's docs read);
* **run** twice, one subprocess per side: PennyLane (``qml`` = ``pennylane``, ``np`` =
  ``pennylane.numpy``) and qsym (this interpreter and environment, so set ``PYTHONPATH``
  to the checkout; ``QSYM_TIER=python`` unless set; ``qml`` = ``qsym``, ``np`` =
  ``qsym.numpy``, every ``pennylane`` in a segment rewritten to ``qsym``; the module's names
  resolved from ``qsym.<same module>``, its parent packages, then ``qsym``). Each docstring
  starts from ``numpy.random.seed(42)``; an expression's value is printed as the
  interactive prompt does; each docstring has ``--timeout`` seconds (SIGALRM); results are
  appended one docstring per line, and a side whose process dies is restarted after the
  docstring that killed it (recorded as ``crash``);
* **compare**, per segment: ``ok`` (same text, or same after :func:`normalise`: NumPy
  scalar and ``tensor(...)`` wrappers, whitespace, addresses; or the same count of numbers
  all within ``1e-6 + 1e-5 |x|``), ``same-error`` (both raise), ``pl-error`` (only
  PennyLane raises, e.g. a missing optional package), ``qsym-error`` and ``mismatch``
  (``mismatch-num``: numbers that differ; ``mismatch-text``). A docstring counts by its
  first segment that is not ok / same-error; later segments usually fail because of it.

Output in ``--out``: ``examples.json``, ``pl.jsonl``, ``qsym.jsonl``, ``report.txt`` and
``summary.json``; on stdout a table per area (docstrings, segments, each category) and the
qsym failures grouped by their normalised error text (``-v`` also lists each failing
docstring with both sides' output).

Usage::

    PYTHONPATH=. python benchmarks/pennylane_docs.py --python /work/plvenv/bin/python \\
        --areas optimize,qchem,fourier --out /tmp/pldocs
    PYTHONPATH=. python benchmarks/pennylane_docs.py --out /tmp/pldocs --report-only -v
    # one docstring (key substring), both sides, output printed:
    PYTHONPATH=. python benchmarks/pennylane_docs.py --out /tmp/pldocs --areas qchem --only mol_data -v
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.abspath(__file__)

# area -> PennyLane modules (a package covers its submodules)
AREAS = {
    # earlier rounds (docexA, docexB)
    "ops": ["pennylane.ops"], "measurements": ["pennylane.measurements"],
    "math": ["pennylane.math"], "pauli": ["pennylane.pauli"],
    "transforms": ["pennylane.transforms"], "gradients": ["pennylane.gradients"],
    "workflow": ["pennylane.workflow"], "templates": ["pennylane.templates"],
    "drawer": ["pennylane.drawer"],
    # the rest
    "optimize": ["pennylane.optimize"], "qchem": ["pennylane.qchem"],
    "fourier": ["pennylane.fourier"], "kernels": ["pennylane.kernels"],
    "shadows": ["pennylane.shadows"], "noise": ["pennylane.noise"],
    "pulse": ["pennylane.pulse"], "liealg": ["pennylane.liealg"],
    "spin": ["pennylane.spin"], "fermi": ["pennylane.fermi"], "bose": ["pennylane.bose"],
    "qaoa": ["pennylane.qaoa"], "qnn": ["pennylane.qnn"], "devices": ["pennylane.devices"],
    "resource": ["pennylane.resource"], "estimator": ["pennylane.estimator"],
    "data": ["pennylane.data"], "io": ["pennylane.io"], "wires": ["pennylane.wires"],
    "tape": ["pennylane.tape"], "operation": ["pennylane.operation"],
    "queuing": ["pennylane.queuing"], "toplevel": ["pennylane"],
}
EARLIER = ["ops", "measurements", "math", "pauli", "transforms", "gradients", "workflow",
           "templates", "drawer"]
DEFAULT_AREAS = [a for a in AREAS if a not in EARLIER]
SKIP_MODULES = ("legacy", "qutrit", "capture", "labs", "ftqc", "compiler")

CATS = ["ok", "same-error", "pl-error", "qsym-error", "mismatch-num", "mismatch-text",
        "crash"]


# ----------------------------------------------------------------------------- collect
def _segments(doc, parser):
    import inspect
    import textwrap
    lines = inspect.cleandoc(doc).split("\n")
    segs, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)\.\. code-block::\s*python3?\s*$", lines[i])
        if m:
            ind, j, block = len(m.group(1)), i + 1, []
            while j < len(lines) and (not lines[j].strip()
                                      or len(lines[j]) - len(lines[j].lstrip()) > ind):
                if not block and lines[j].strip().startswith(":"):
                    j += 1
                    continue
                block.append(lines[j])
                j += 1
            code = textwrap.dedent("\n".join(block)).strip("\n")
            if code and ">>>" not in code:
                segs.append("##BLOCK\n" + code + "\n")
            elif code:
                segs.extend(e.source for e in parser.get_examples(code))
            i = j
        elif lines[i].lstrip().startswith(">>>"):
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            segs.extend(e.source for e in parser.get_examples(textwrap.dedent(
                "\n".join(lines[i:j]))))
            i = j
        else:
            i += 1
    return segs


def _area_of(modname):
    best = None
    for a, prefixes in AREAS.items():
        for p in prefixes:
            if (modname == p or modname.startswith(p + ".")) and p != "pennylane":
                if best is None or len(p) > len(AREAS[best][0]):
                    best = a
    return best


def collect(areas, out):
    """Run under PennyLane's interpreter: write the examples of ``areas`` to ``out``."""
    import doctest
    import importlib
    import inspect
    import types
    import warnings
    warnings.filterwarnings("ignore")
    import pennylane
    parser = doctest.DocTestParser()
    found, seen = {}, set()

    def objmod(o):
        for cand in (o, getattr(o, "__wrapped__", None), getattr(o, "_transform", None)):
            m = getattr(cand, "__module__", None)
            if isinstance(m, str):
                return m
        return ""

    def add(key, area, o, modname):
        doc = getattr(o, "__doc__", None)
        if not isinstance(doc, str) or id(o) in seen or ">>>" not in doc:
            return
        seen.add(id(o))
        try:
            segs = _segments(doc, parser)
        except ValueError:
            return
        if not segs:
            return
        try:
            mod = importlib.import_module(modname)
        except Exception:  # noqa: BLE001 - a module that does not import has no names
            mod = None
        ids = set(re.findall(r"\b[A-Za-z_]\w*\b", "\n".join(segs)))
        names = {}
        for n in sorted(ids):
            if n.startswith("__") or not hasattr(mod, n):
                continue
            v = getattr(mod, n)  # where it comes from: a module's name, or its own module
            origin = v.__name__ if isinstance(v, types.ModuleType) else objmod(v)
            names[n] = [origin if isinstance(origin, str) else "",
                        isinstance(v, types.ModuleType)]
        found[key] = {"area": area, "module": modname, "names": names, "examples": segs}

    def visit(area, path, o):
        m = objmod(o)
        if not m.startswith("pennylane") or any(s in m for s in SKIP_MODULES):
            return
        if _area_of(m) != area and not (area == "toplevel" and _area_of(m) is None):
            return
        add(path, area, o, m)
        if inspect.isclass(o):
            for n, v in vars(o).items():
                if n.startswith("_"):
                    continue
                v = v.__func__ if isinstance(v, (staticmethod, classmethod)) else v
                v = v.fget if isinstance(v, property) else v
                if callable(v):
                    add(path + "." + n, area, v, m)

    for area in areas:
        for p in AREAS[area]:
            try:
                mod = importlib.import_module(p)
            except Exception:  # noqa: BLE001 - an optional package PennyLane lacks
                continue
            if area == "toplevel":
                names = [n for n in dir(mod) if not n.startswith("_")]
            else:
                names = getattr(mod, "__all__", None) or [n for n in dir(mod)
                                                          if not n.startswith("_")]
            if p != "pennylane":
                add(p, area, mod, p)  # the module's own docstring
            for n in names:
                o = getattr(mod, n, None)
                if o is None or isinstance(o, types.ModuleType):
                    continue
                visit(area, p + "." + n, o)
    with open(out, "w") as f:
        json.dump(found, f, indent=1)
    return found


# ----------------------------------------------------------------------------- run
class _Timeout(BaseException):
    pass


def _resolver(side, Q):
    import importlib

    def load(qmod):
        try:
            return importlib.import_module(qmod)
        except Exception:  # noqa: BLE001 - qsym has no such module
            return None

    def resolve(name, modname, origin, is_module):
        if side == "pl":
            return getattr(importlib.import_module(modname), name, None)
        if not origin.startswith("pennylane"):  # another package's name (rustworkx as rx)
            m = load(origin)
            return m if is_module else getattr(m, name, None)
        for where in (modname, origin):
            parts = where.split(".")
            for k in range(len(parts), 0, -1):
                m = load(".".join(["qsym"] + parts[1:k]))
                if hasattr(m, name):
                    return getattr(m, name)
        return None
    return resolve


def run_side(side, examples_path, out_path, timeout, only=None):
    """Run the examples of one side (``pl`` or ``qsym``), appending results to ``out_path``."""
    import contextlib
    import io
    import signal
    import warnings
    warnings.filterwarnings("ignore")
    os.environ.setdefault("MPLBACKEND", "Agg")
    import numpy as onp
    if side == "pl":
        import pennylane as Q
        from pennylane import numpy as NP
    else:
        import qsym as Q
        from qsym import numpy as NP
    resolve = _resolver(side, Q)
    ex = json.load(open(examples_path))
    scratch = os.path.join(os.path.dirname(os.path.abspath(out_path)), "cwd-" + side)
    os.makedirs(scratch, exist_ok=True)
    os.chdir(scratch)  # examples that write files (qml.io) write them here
    done = set()
    if os.path.exists(out_path):
        for line in open(out_path):
            done.add(json.loads(line)["key"])

    def alarm(*_):
        raise _Timeout()
    signal.signal(signal.SIGALRM, alarm)
    for key, d in ex.items():
        if key in done or (only and only not in key):
            continue
        with open(out_path, "a") as f:  # a marker: the parent sees which key crashed
            f.write(json.dumps({"key": key, "started": True}) + "\n")
        onp.random.seed(42)
        ns = {"qml": Q, "qp": Q, "np": NP, "pnp": NP, "__name__": "__main__"}
        for ident, (origin, is_module) in d["names"].items():
            if ident not in ns:
                try:
                    v = resolve(ident, d["module"], origin, is_module)
                except Exception:  # noqa: BLE001
                    v = None
                if v is not None:
                    ns[ident] = v
        outs = []
        signal.alarm(timeout)
        try:
            for src in d["examples"]:
                if side == "qsym":
                    src = re.sub(r"\bpennylane\b", "qsym", src)
                buf = io.StringIO()
                try:
                    with contextlib.redirect_stdout(buf), \
                            contextlib.redirect_stderr(io.StringIO()):
                        mode = "exec" if src.startswith("##BLOCK") else "single"
                        exec(compile(src, "<doc>", mode), ns)
                    outs.append(["ok", buf.getvalue()])
                except (_Timeout, KeyboardInterrupt):
                    raise
                except BaseException as e:  # noqa: BLE001 - SystemExit too
                    outs.append(["exc", f"{type(e).__name__}: {str(e)[:400]}",
                                 buf.getvalue()[-400:]])
        except _Timeout:
            outs.append(["exc", f"Timeout: docstring over {timeout} s"])
        finally:
            signal.alarm(0)
        try:
            import matplotlib.pyplot as plt
            plt.close("all")
        except Exception:  # noqa: BLE001
            pass
        with open(out_path, "a") as f:
            f.write(json.dumps({"key": key, "outs": outs}) + "\n")


def load_side(path):
    res, started = {}, []
    if not os.path.exists(path):
        return res, started
    for line in open(path):
        r = json.loads(line)
        if "outs" in r:
            res[r["key"]] = r["outs"]
        else:
            started.append(r["key"])
    return res, [k for k in started if k not in res]


def drive(side, cmd, env, out_dir, timeout, only):
    path = os.path.join(out_dir, side + ".jsonl")
    for _ in range(50):
        args = cmd + [HERE, "--_run", side, "--out", out_dir, "--timeout", str(timeout)]
        if only:
            args += ["--only", only]
        subprocess.run(args, env=env)
        res, crashed = load_side(path)
        if not crashed:
            return
        with open(path, "a") as f:
            for k in crashed:
                f.write(json.dumps({"key": k, "outs": [["crash", "process died"]]}) + "\n")


# ----------------------------------------------------------------------------- compare
NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
                 r"(?:\s*[+-]\s*(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?j)?")


def _numbers(s):
    out = []
    for t in NUM.findall(s):
        try:
            out.append(complex(t.replace(" ", "")))
        except ValueError:
            pass
    return out


def normalise(s):
    s = re.sub(r"np\.(?:float|int|complex)\d+\(([^()]*)\)", r"\1", s)
    s = re.sub(r"np\.(True|False)_", r"\1", s)
    s = re.sub(r"tensor\((.*), requires_grad=(True|False)\)", r"\1", s, flags=re.S)
    s = re.sub(r"0x[0-9a-f]+", "0x", s)
    s = re.sub(r"\bqsym\b", "pennylane", s)
    return re.sub(r"\s+", " ", s).strip()


def compare_one(a, b):
    if a[0] == "crash" or b[0] == "crash":
        return "crash" if b[0] == "crash" else "pl-error"
    if a[0] == "exc" and b[0] == "exc":
        return "same-error"
    if a[0] == "exc":
        return "pl-error"
    if b[0] == "exc":
        return "qsym-error"
    if a[1] == b[1] or normalise(a[1]) == normalise(b[1]):
        return "ok"
    na, nb = _numbers(normalise(a[1])), _numbers(normalise(b[1]))
    if na and len(na) == len(nb):
        if all(abs(x - y) <= 1e-6 + 1e-5 * abs(x) for x, y in zip(na, nb)):
            return "ok"
        return "mismatch-num"
    return "mismatch-text"


def group_reason(text):
    t = text.split("\n")[0]
    t = re.sub(r"0x[0-9a-f]+", "0x", t)
    t = re.sub(r"\d+(\.\d+)?", "N", t)
    return t[:140]


def report(out_dir, areas, verbose=False):
    ex = json.load(open(os.path.join(out_dir, "examples.json")))
    pl, _ = load_side(os.path.join(out_dir, "pl.jsonl"))
    qs, _ = load_side(os.path.join(out_dir, "qsym.jsonl"))
    table = {a: collections.Counter() for a in areas}
    reasons = collections.defaultdict(list)
    lines, rows = [], []
    for key, d in ex.items():
        if d["area"] not in table or key not in pl or key not in qs:
            continue
        t = table[d["area"]]
        t["docstrings"] += 1
        first = None
        n = max(len(pl[key]), len(qs[key]))
        for i in range(n):
            a = pl[key][i] if i < len(pl[key]) else ["exc", "(not run)"]
            b = qs[key][i] if i < len(qs[key]) else ["exc", "(not run)"]
            c = compare_one(a, b)
            t["seg:" + c] += 1
            if c not in ("ok", "same-error", "pl-error") and first is None:
                first = (i, c, a, b)
        if first is None:
            t["doc-ok"] += 1
            continue
        i, c, a, b = first
        t["doc:" + c] += 1
        src = d["examples"][i] if i < len(d["examples"]) else "(timeout)"
        why = group_reason(b[1]) if c in ("qsym-error", "crash") else c
        reasons[why].append(key)
        rows.append((d["area"], c, key, i, src, a, b))
    head = ("area", "docs", "doc-ok", "qsym-err", "mism-num", "mism-txt", "segs",
            "seg-ok", "same-err", "pl-err", "qsym-err", "mismatch")
    lines.append("%-13s" % head[0] + "".join("%9s" % h for h in head[1:]))
    tot = collections.Counter()
    for a in areas:
        t = table[a]
        tot.update(t)
        lines.append(_row(a, t))
    lines.append(_row("TOTAL", tot))
    lines.append("")
    lines.append("qsym failures by cause (docstrings, first failing segment):")
    for why, keys in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"{len(keys):4d}  {why}  [{', '.join(keys[:3])}]")
    if verbose:
        lines.append("")
        for area, c, key, i, src, a, b in sorted(rows):
            lines.append(f"== [{area}] {c} {key} #{i}: {src.strip()[:300]!r}")
            lines.append("   PL: " + a[1].replace("\n", "\\n")[:400])
            lines.append("   QS: " + b[1].replace("\n", "\\n")[:400])
    text = "\n".join(lines)
    with open(os.path.join(out_dir, "report.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump({"table": {a: dict(table[a]) for a in areas},
                   "reasons": {k: v for k, v in reasons.items()}}, f, indent=1)
    print(text)


def _row(name, t):
    segs = sum(v for k, v in t.items() if k.startswith("seg:"))
    mism = t["seg:mismatch-num"] + t["seg:mismatch-text"]
    vals = (t["docstrings"], t["doc-ok"], t["doc:qsym-error"] + t["doc:crash"],
            t["doc:mismatch-num"], t["doc:mismatch-text"], segs, t["seg:ok"],
            t["seg:same-error"], t["seg:pl-error"], t["seg:qsym-error"] + t["seg:crash"], mism)
    return "%-13s" % name + "".join("%9d" % v for v in vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default="/work/plvenv/bin/python",
                    help="PennyLane's interpreter (collects and runs PennyLane's side)")
    ap.add_argument("--areas", default=",".join(DEFAULT_AREAS),
                    help="comma-separated names of AREAS, or 'all' (default: the areas "
                         "beyond ops/measurements/math/pauli/transforms/gradients/"
                         "workflow/templates/drawer)")
    ap.add_argument("--out", default="/tmp/pennylane_docs")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per docstring")
    ap.add_argument("--only", help="run only docstrings whose key contains this")
    ap.add_argument("--side", choices=["both", "pl", "qsym"], default="both",
                    help="rerun one side (its .jsonl is replaced)")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--_collect", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_run", choices=["pl", "qsym"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    areas = list(AREAS) if args.areas == "all" else args.areas.split(",")
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        ap.error(f"unknown areas {unknown}; known: {', '.join(AREAS)}")
    os.makedirs(args.out, exist_ok=True)
    exp = os.path.join(args.out, "examples.json")
    if args._collect:
        found = collect(areas, exp)
        print(f"{len(found)} docstrings, {sum(len(v['examples']) for v in found.values())}"
              " segments")
        return
    if args._run:
        run_side(args._run, exp, os.path.join(args.out, args._run + ".jsonl"), args.timeout,
                 args.only)
        return
    if not args.report_only:
        subprocess.run([args.python, HERE, "--_collect", "--areas", ",".join(areas),
                        "--out", args.out], check=True)
        env_pl = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env_qs = dict(os.environ)
        env_qs.setdefault("QSYM_TIER", "python")
        sides = ["pl", "qsym"] if args.side == "both" else [args.side]
        for side in sides:
            path = os.path.join(args.out, side + ".jsonl")
            if os.path.exists(path) and not args.only:
                os.remove(path)
            elif os.path.exists(path):  # rerun the selected docstrings only
                keep = [ln for ln in open(path) if args.only not in json.loads(ln)["key"]]
                with open(path, "w") as f:
                    f.writelines(keep)
            cmd = [args.python] if side == "pl" else [sys.executable]
            drive(side, cmd, env_pl if side == "pl" else env_qs, args.out, args.timeout,
                  args.only)
    report(args.out, areas, args.verbose)


if __name__ == "__main__":
    main()
