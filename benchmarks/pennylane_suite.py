"""How much of PennyLane's own test suite runs with qsym: copy, switch the import, run, rank.

PennyLane ships its tests (``site-packages/tests``; its files write ``import pennylane as
qp``). This harness does to a copy of that tree exactly what a user switching to qsym
does, and nothing else:

* in every ``.py`` file (tests, helpers and sub-``conftest.py`` files) only the import
  lines change: ``import pennylane as X`` -> ``import qsym as X``, ``import
  pennylane.A.B as X`` -> ``import qsym.A.B as X``, ``from pennylane import ...`` ->
  ``from qsym import ...`` (so ``from pennylane import numpy as np`` -> ``from qsym import
  numpy as np``), ``from pennylane.A import ...`` -> ``from qsym.A import ...``. Every
  other line is left byte for byte (strings such as ``mocker.patch("pennylane.X")`` or
  ``sys.modules["pennylane.X"]`` too), except three kinds: a bare ``import
  pennylane[.A.B]`` (no ``as``; the file then writes ``pennylane.A.B.X``) becomes
  ``pennylane = __import__("qsym[.A.B]")``, which binds ``pennylane`` to qsym after
  importing ``qsym.A.B`` as the original binds it to PennyLane;
  ``importlib.import_module("pennylane.A")`` imports ``"qsym.A"``; and a
  ``@pytest.mark.filterwarnings("...::pennylane.A.W")`` marker names ``qsym.A.W`` (see
  ``pytest.ini`` below);
* the top-level ``conftest.py`` is replaced by a minimal one (:data:`CONFTEST`) with the
  same fixtures that does not import PennyLane-only things: ``tol`` (1e-3),
  ``tol_stochastic`` (0.05), ``tf_tol``, ``n_layers`` [1, 2], ``n_subsystems`` [2, 3],
  ``qubit_device`` (``qml.device("default.qubit", wires=n)``), ``restore_global_seed``
  (autouse), ``seed`` (pytest-rng's, plus the ``local_salt`` marker), ``interface``
  (autograd / jax / jax-jit / torch), the graph-decomposition toggles and
  ``ignore_id_deprecation``; the marker-based skips of jax / torch / tf / all_interfaces
  tests when those are not installed are the original's; ``helpers/`` stays on
  ``sys.path``, and so does the copy's parent (``from tests.x.conftest import ...`` reads
  the copy, not the ``tests`` package PennyLane installs in site-packages);
* ``pytest.ini`` keeps its markers, ``xfail_strict`` and ``rng_salt``; its
  ``filterwarnings`` entries naming a ``pennylane.A.W`` warning class name ``qsym.A.W``
  instead where ``--python`` (with the harness's environment) resolves that name, so
  ``error::pennylane.exceptions.PennyLaneDeprecationWarning`` turns qsym's deprecation
  warnings into errors as the original does PennyLane's; an entry whose class qsym does
  not have is dropped (resolving ``pennylane.`` would import PennyLane into the qsym run,
  and pytest stops on a class it cannot import). The same holds for the markers above.

Each test file then runs in its own pytest subprocess (one at a time; ``-p
no:cacheprovider -p no:xdist -q -rA --tb=line``, ``--timeout`` per test through
pytest-timeout, ``--file-timeout`` wall seconds per file, ``QSYM_TIER=python`` so no
circuit is compiled in the background), and the per-test outcomes are parsed from
pytest's short summary (``PASSED`` / ``FAILED id - reason`` / ``ERROR`` / ``SKIPPED [n]``
/ ``XFAIL`` / ``XPASS`` lines). A small plugin (``-p _plsuite_log``) also logs each
outcome as it happens, so a file killed at ``--file-timeout`` still reports the tests it
finished, and an ``AssertionError`` whose first line is empty gets its next line as reason.

With ``--baseline`` the untouched copy runs the same way under real PennyLane (its own
conftest), so every file has a qsym pass count beside PennyLane's.

Output (in ``--out``, a temp dir by default): ``summary.json`` (per file and side:
passed / failed / error / skipped / xfailed / xpassed, the one-line reason of each
failing test, wall time, pytest's exit code; plus the reason ranking), ``logs/`` (each
pytest's full output), and on stdout a table (per file: qsym passes, PennyLane passes)
followed by the failure reasons ranked by the number of failing qsym tests, normalised
by :func:`normalise_reason` (``AttributeError: module 'qsym' has no attribute 'X'`` is
one group per ``X``, paths and addresses are dropped, numbers become ``N``), each with
one example test id and its exact error line. A file that does not even collect (an
import that fails at the top of the file) counts as one error, and its ranking row also
shows how many tests PennyLane passes in that file (``blocks``).

Usage (pure stdlib; the pytest side needs pytest, pytest-rng, pytest-timeout, pytest-mock
and flaky in ``--python``'s environment)::

    python benchmarks/pennylane_suite.py \\
        --pl-site /work/plvenv/lib/python3.11/site-packages \\
        --python /work/plvenv/bin/python --baseline --timeout 60 --out /tmp/plsuite \\
        measurements workflow/test_qnode.py math

Paths are relative to ``tests/`` (files or directories: a directory means its
``test_*.py`` files, recursively). ``--report-only`` re-prints the table and ranking of an
existing ``summary.json`` in ``--out`` (``--reparse`` re-reads its results from the logs
first, for a run made by an older version of this script); ``--top`` sets how many reasons are listed;
``--resume`` keeps the results already in ``--out/summary.json`` and runs only the files
and sides missing there (so qsym's side can run first and ``--baseline --resume`` later).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

# -- the import rewrite --------------------------------------------------------------

_IMPORT_AS = re.compile(r"^(\s*)import pennylane((?:\.\w+)*)(\s+as\s+\w+)")
_FROM = re.compile(r"^(\s*)from pennylane((?:\.\w+)*)(\s+import\b)")
_IMPORT_BARE = re.compile(r"^(\s*)import pennylane((?:\.\w+)*)(?=\s*(?:#|$))")
# a warning class in a filter: ``action:message:pennylane.A.W`` (ini) or the same inside
# ``@pytest.mark.filterwarnings("...")``; group 1 is the dotted name after ``pennylane``
_PL_WARNING = re.compile(r"(?<![\w.])pennylane((?:\.\w+)+)")
_MARKER = re.compile(r"^\s*@pytest\.mark\.filterwarnings\(")
_IMPORT_MODULE = re.compile(r"""(\bimport_module\(\s*)(["'])pennylane(?=[."'])""")


def rewrite_line(line: str) -> str:
    """One source line with PennyLane's import switched to qsym's (``import pennylane[.A]
    as X``, ``from pennylane[.A] import ...``, and a bare ``import pennylane[.A]``, which
    becomes ``pennylane = __import__("qsym[.A]")`` so the file's ``pennylane.A.X`` names
    read qsym's; ``importlib.import_module("pennylane.A")`` becomes
    ``importlib.import_module("qsym.A")``); any other line is returned unchanged."""
    m = _IMPORT_AS.match(line)
    if m:
        return f"{m.group(1)}import qsym{m.group(2)}{m.group(3)}" + line[m.end():]
    m = _FROM.match(line)
    if m:
        return f"{m.group(1)}from qsym{m.group(2)}{m.group(3)}" + line[m.end():]
    m = _IMPORT_BARE.match(line)
    if m:
        return (f'{m.group(1)}pennylane = __import__("qsym{m.group(2)}")'
                + line[m.end():])
    return _IMPORT_MODULE.sub(r"\1\2qsym", line)


def _is_filter(lines: list[str], ini: bool) -> list[bool]:
    """Which of ``lines`` are warning filters: in ``pytest.ini`` (``ini``) the indented
    lines under its ``filterwarnings =`` key, in a test file the one-line
    ``@pytest.mark.filterwarnings(...)`` markers."""
    if not ini:
        return [bool(_MARKER.match(ln)) and ln.count("(") == ln.count(")") for ln in lines]
    flags, inside = [], False
    for ln in lines:
        if ln.strip() and not ln[0].isspace():
            inside = re.match(r"^filterwarnings\s*=", ln) is not None
            flags.append(False)
        else:
            flags.append(inside and not ln.lstrip().startswith("#"))
    return flags


def warning_names(text: str, ini: bool) -> set[str]:
    """The ``pennylane.A.W`` names in the warning filters of ``text`` (``pytest.ini``'s
    ``filterwarnings`` entries if ``ini``, else a test file's ``@pytest.mark.filterwarnings``
    markers), as ``qsym.A.W``: the names :func:`rewrite_warning_filters` needs resolved."""
    lines = text.splitlines()
    return {"qsym" + m.group(1) for ln, f in zip(lines, _is_filter(lines, ini)) if f
            for m in _PL_WARNING.finditer(ln)}


def rewrite_warning_filters(text: str, resolved: set[str], ini: bool) -> tuple[str, int]:
    """``text`` with each warning filter (see :func:`warning_names`) naming
    ``pennylane.A.W`` switched to ``qsym.A.W`` where that name is in ``resolved``, and
    removed where it is not (qsym has no such class). Returns the text and how many lines
    changed or went."""
    lines = text.splitlines(keepends=True)
    out, changed = [], 0
    for line, is_filter in zip(lines, _is_filter(lines, ini)):
        names = ["qsym" + m.group(1) for m in _PL_WARNING.finditer(line)] if is_filter else []
        if not names:
            out.append(line)
            continue
        changed += 1
        if all(n in resolved for n in names):
            out.append(_PL_WARNING.sub(r"qsym\1", line))
    return "".join(out), changed


def rewrite_imports(text: str) -> tuple[str, int]:
    """``text`` with every import line rewritten by :func:`rewrite_line`, and how many
    lines changed. Line endings are kept."""
    out, changed = [], 0
    for line in text.splitlines(keepends=True):
        new = rewrite_line(line)
        changed += new != line
        out.append(new)
    return "".join(out), changed


def rewrite_pytest_ini(text: str, resolved: set[str] = frozenset()) -> str:
    """PennyLane's ``pytest.ini`` with its ``filterwarnings`` lines naming a
    ``pennylane.A.W`` warning class switched to ``qsym.A.W`` where that name is in
    ``resolved`` and dropped otherwise (pytest would import PennyLane to resolve them)."""
    return rewrite_warning_filters(text, resolved, ini=True)[0]


_RESOLVE = """
import importlib, json, sys
ok = []
for name in json.loads(sys.argv[1]):
    mod, _, attr = name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(mod), attr)
    except Exception:
        continue
    if isinstance(cls, type) and issubclass(cls, Warning):
        ok.append(name)
print(json.dumps(ok))
"""


def resolve_warnings(python: str, names: set[str]) -> set[str]:
    """Which of ``names`` (``qsym.A.W``) ``python`` imports as a ``Warning`` subclass, in
    the harness's environment (the one the qsym side's pytest runs in)."""
    if not names:
        return set()
    env = dict(os.environ, QSYM_TIER="python")  # no background compiles for a lookup
    proc = subprocess.run([python, "-c", _RESOLVE, json.dumps(sorted(names))],
                          capture_output=True, text=True, timeout=300, env=env)
    if proc.returncode:
        raise RuntimeError(f"resolving warning classes with {python} failed:\n{proc.stderr}")
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


CONFTEST = '''\
"""Minimal stand-in for PennyLane's tests/conftest.py (written by
benchmarks/pennylane_suite.py): the same fixtures, without PennyLane-only imports."""
import os
import pathlib
import sys
import warnings

import numpy as np
import pytest

import qsym as qml

sys.path.append(os.path.join(os.path.dirname(__file__), "helpers"))

TOL = 1e-3
TF_TOL = 2e-2
TOL_STOCHASTIC = 0.05


@pytest.fixture
def ignore_id_deprecation():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The 'id' argument is deprecated")
        yield


@pytest.fixture(scope="session")
def tol():
    return float(os.environ.get("TOL", TOL))


@pytest.fixture(scope="session")
def tol_stochastic():
    return TOL_STOCHASTIC


@pytest.fixture(scope="session")
def tf_tol():
    return float(os.environ.get("TF_TOL", TF_TOL))


@pytest.fixture(scope="session", params=[1, 2])
def n_layers(request):
    return request.param


@pytest.fixture(scope="session", params=[2, 3], name="n_subsystems")
def n_subsystems_fixture(request):
    return request.param


@pytest.fixture(scope="session")
def qubit_device(n_subsystems):
    return qml.device("default.qubit", wires=n_subsystems)


@pytest.fixture(autouse=True)
def restore_global_seed():
    original_state = np.random.get_state()
    yield
    np.random.set_state(original_state)


@pytest.fixture
def seed(request):
    """pytest-rng's seed, plus the ``local_salt`` marker's salt."""
    fixture_defs = request._fixturemanager.getfixturedefs("seed", request.node)
    original_seed = fixture_defs[0].func(request)
    marker = request.node.get_closest_marker("local_salt")
    if marker and marker.args:
        return original_seed + marker.args[0]
    return original_seed


@pytest.fixture
def tear_down_hermitian():
    yield None
    qml.Hermitian._eigs = {}


@pytest.fixture
def tear_down_thermitian():
    yield None
    qml.THermitian._eigs = {}


@pytest.fixture(scope="function")
def enable_graph_decomposition():
    with qml.decomposition.toggle_graph_ctx(True):
        yield


@pytest.fixture(scope="function")
def disable_graph_decomposition():
    with qml.decomposition.toggle_graph_ctx(False):
        yield


@pytest.fixture(params=[False, True], ids=["graph_disabled", "graph_enabled"])
def enable_and_disable_graph_decomp(request):
    with qml.decomposition.toggle_graph_ctx(request.param):
        yield


try:
    import torch  # noqa: F401

    torch_available = True
except ImportError:
    torch_available = False

try:
    import jax

    jax_available = True
except ImportError:
    jax_available = False


def pytest_generate_tests(metafunc):
    if jax_available:
        jax.config.update("jax_enable_x64", True)


@pytest.fixture(
    params=[
        pytest.param("autograd", marks=pytest.mark.autograd),
        pytest.param("jax", marks=pytest.mark.jax),
        pytest.param("jax-jit", marks=pytest.mark.jax),
        pytest.param("torch", marks=pytest.mark.torch),
    ],
    scope="function",
)
def interface(request):
    yield request.param


def pytest_collection_modifyitems(items, config):
    rootdir = pathlib.Path(config.rootdir)
    for item in items:
        parts = pathlib.Path(item.fspath).relative_to(rootdir).parts
        for folder, mark in (("qchem", "qchem"), ("finite_diff", "finite-diff"),
                             ("parameter_shift", "param-shift"), ("data", "data")):
            if folder in parts:
                item.add_marker(getattr(pytest.mark, mark))
    suites = {"autograd", "data", "torch", "jax", "qchem", "qcut", "all_interfaces",
              "finite-diff", "param-shift", "external", "capture"}
    for item in items:
        markers = {mark.name for mark in item.iter_markers()}
        if not markers & suites:
            item.add_marker(pytest.mark.core)
        if "capture" in markers and "jax" not in markers:
            item.add_marker(pytest.mark.jax)


def pytest_runtest_setup(item):
    """Skip tests whose interface is not installed (autograd is assumed)."""
    available = {"torch": torch_available, "jax": jax_available}
    allowed = [name for name, ok in available.items() if ok]
    marks = {m.name for m in item.iter_markers()
             if m.name in {"tf", "torch", "jax", "all_interfaces"}}
    for b in marks:
        needed = {"torch", "jax"} if b == "all_interfaces" else {b}
        if not needed <= set(allowed):
            pytest.skip(f"Test {item.nodeid} only runs with {allowed} interfaces(s) "
                        f"but {b} interface provided")
'''

# Logs each test outcome as it happens (so a file killed at --file-timeout still counts
# what it finished), with the full crash message (the summary line keeps the first line).
PLUGIN = '''\
import json
import os

_PATH = os.environ["PLSUITE_LOG"]


def pytest_runtest_logreport(report):
    if report.passed and report.when != "call":
        return
    if report.skipped and hasattr(report, "wasxfail"):
        outcome = "xfailed"
    elif report.passed and hasattr(report, "wasxfail"):
        outcome = "xpassed"
    else:
        outcome = report.outcome
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    msg = crash.message if crash is not None else ""
    if report.skipped and isinstance(report.longrepr, tuple):
        msg = str(report.longrepr[2])
    where = f"{os.path.basename(str(crash.path))}:{crash.lineno}" if crash is not None else ""
    # the last frame in the test's own file (the test line that led to the crash)
    test_file = os.path.basename(report.location[0]) if report.location else None
    entries = getattr(getattr(report.longrepr, "reprtraceback", None), "reprentries", [])
    for entry in reversed(entries or []):
        loc = getattr(entry, "reprfileloc", None)
        if loc is not None and os.path.basename(str(loc.path)) == test_file:
            at = f"{test_file}:{loc.lineno}"
            where = at if at == where else f"{at} > {where}"
            break
    with open(_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": report.nodeid, "when": report.when,
                            "outcome": outcome, "msg": msg, "where": where}) + "\\n")


def pytest_collectreport(report):
    if report.failed:
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        with open(_PATH, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": report.nodeid, "when": "collect", "outcome": "failed",
                                "msg": crash.message if crash else str(report.longrepr)})
                    + "\\n")
'''


# -- preparing the trees ---------------------------------------------------------------

def prepare_trees(pl_tests: Path, out: Path, baseline: bool,
                  python: str = sys.executable) -> dict[str, Path]:
    """Copy ``pl_tests`` to ``out/qsym/tests`` (imports and warning filters rewritten,
    conftest replaced) and, with ``baseline``, to ``out/pennylane/tests`` untouched.
    ``python`` resolves the warning classes the filters name. Returns side -> tests dir."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    trees = {}
    qdir = out / "qsym" / "tests"
    if qdir.exists():
        shutil.rmtree(qdir)
    shutil.copytree(pl_tests, qdir, ignore=ignore)
    texts = {path: path.read_text(encoding="utf-8") for path in qdir.rglob("*.py")}
    ini = qdir / "pytest.ini"
    ini_text = ini.read_text(encoding="utf-8") if ini.exists() else ""
    names = warning_names(ini_text, ini=True)
    for text in texts.values():
        names |= warning_names(text, ini=False)
    resolved = resolve_warnings(python, names)
    changed_files = changed_lines = 0
    for path, text in texts.items():
        new, n = rewrite_imports(text)
        new, m = rewrite_warning_filters(new, resolved, ini=False)
        if n + m:
            path.write_text(new, encoding="utf-8")
            changed_files += 1
            changed_lines += n + m
    (qdir / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    if ini.exists():
        ini.write_text(rewrite_pytest_ini(ini_text, resolved), encoding="utf-8")
    print(f"qsym tree: {changed_lines} import and filter lines rewritten in {changed_files} "
          f"files; warning classes in qsym: {sorted(resolved)}, not: {sorted(names - resolved)}",
          file=sys.stderr)
    trees["qsym"] = qdir
    if baseline:
        pdir = out / "pennylane" / "tests"
        if not pdir.exists():
            shutil.copytree(pl_tests, pdir, ignore=ignore)
        trees["pennylane"] = pdir
    plugin_dir = out / "plugin"
    plugin_dir.mkdir(parents=True, exist_ok=True)
    (plugin_dir / "_plsuite_log.py").write_text(PLUGIN, encoding="utf-8")
    return trees


def expand_paths(tests_dir: Path, paths: list[str]) -> list[str]:
    """The test files (relative to ``tests_dir``) that ``paths`` name; a missing path is
    reported on stderr and skipped. An absolute path names the file of the same path after
    its last ``tests/`` in the copy (``tests_dir / "/abs/.../x.py"`` would be the absolute
    path itself: PennyLane's own file, run against PennyLane, not the switched copy)."""
    files = []
    for p in paths:
        if Path(p).is_absolute():
            parts = Path(p).parts
            if "tests" not in parts:
                print(f"skipping {p}: give paths relative to tests/", file=sys.stderr)
                continue
            last = len(parts) - 1 - parts[::-1].index("tests")
            p = str(Path(*parts[last + 1:])) if last + 1 < len(parts) else "."
        target = tests_dir / p
        if target.is_file():
            files.append(p)
        elif target.is_dir():
            files.extend(str(f.relative_to(tests_dir)) for f in sorted(target.rglob("test_*.py")))
        else:
            print(f"skipping {p}: not in {tests_dir}", file=sys.stderr)
    return list(dict.fromkeys(files))


# -- parsing pytest's output -------------------------------------------------------------

_KINDS = ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS")


def _split_id(rest: str) -> tuple[str, str]:
    """``"id - reason"`` -> (id, reason); a parametrised id may hold `` - `` inside ``[]``."""
    if "[" in rest:
        start = rest.index("[")
        dash = rest.find(" - ")
        if dash == -1 or start < dash:
            depth = 0
            for i in range(start, len(rest)):
                depth += {"[": 1, "]": -1}.get(rest[i], 0)
                if depth == 0:
                    tail = rest[i + 1:]
                    return rest[:i + 1], tail[3:] if tail.startswith(" - ") else tail.strip()
    if " - " in rest:
        nid, reason = rest.split(" - ", 1)
        return nid, reason
    return rest.strip(), ""


def parse_summary(output: str) -> dict:
    """The per-test outcomes in the "short test summary info" of ``pytest -rA``:
    ``{"passed": [ids], "failed": {id: reason}, "error": {id: reason}, "skipped": n,
    "xfailed": n, "xpassed": n}`` (``found`` says whether a summary was there)."""
    res = {"passed": [], "failed": {}, "error": {}, "skipped": 0, "xfailed": 0,
           "xpassed": 0, "found": False}
    in_summary = False
    for line in output.splitlines():
        if re.match(r"^=+ short test summary info =+$", line):
            in_summary, res["found"] = True, True
            continue
        if not in_summary:
            continue
        if re.match(r"^=+ .* =+$", line) or re.match(r"^=+$", line):
            break
        kind, _, rest = line.partition(" ")
        if kind not in _KINDS:
            continue
        if kind == "SKIPPED":
            m = re.match(r"\[(\d+)\]", rest)
            res["skipped"] += int(m.group(1)) if m else 1
        elif kind == "XFAIL":
            res["xfailed"] += 1
        elif kind == "XPASS":
            res["xpassed"] += 1
        elif kind == "PASSED":
            res["passed"].append(rest.strip())
        else:
            nid, reason = _split_id(rest)
            res["failed" if kind == "FAILED" else "error"][nid] = reason
    return res


def parse_log(lines: list[str]) -> dict:
    """The same result as :func:`parse_summary` from the plugin's JSON lines (used when a
    file was killed before pytest printed its summary)."""
    res = {"passed": [], "failed": {}, "error": {}, "skipped": 0, "xfailed": 0,
           "xpassed": 0, "found": True}
    by_id: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        by_id[rec["id"]].append(rec)
    for nid, recs in by_id.items():
        if any(r["when"] == "collect" for r in recs):
            res["error"][nid] = first_line(recs[0]["msg"])
            continue
        bad = [r for r in recs if r["outcome"] == "failed"]
        if any(r["when"] == "call" for r in bad):
            res["failed"][nid] = first_line(next(r for r in bad if r["when"] == "call")["msg"])
        elif bad:
            res["error"][nid] = first_line(bad[0]["msg"])
        elif any(r["outcome"] == "xfailed" for r in recs):
            res["xfailed"] += 1
        elif any(r["outcome"] == "xpassed" for r in recs):
            res["xpassed"] += 1
        elif any(r["outcome"] == "skipped" for r in recs):
            res["skipped"] += 1
        elif any(r["outcome"] == "passed" for r in recs):
            res["passed"].append(nid)
    return res


def first_line(msg: str) -> str:
    """The first line of a crash message, or for a bare ``AssertionError:`` line the first
    line that says something, or for a collection error's traceback text its last ``E``
    line naming an exception."""
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    if not lines:
        return ""
    # a collection error's text (ImportError while importing test module ...): the
    # traceback's last "E   Xxx: ..." line is the exception
    e_lines = [ln[1:].strip() for ln in lines if re.match(r"E\s", ln)]
    if e_lines:
        excs = [ln for ln in e_lines if re.match(r"[\w.]*(Error|Exception|Warning)\b", ln)]
        return (excs or e_lines)[-1]
    head = lines[0]
    if head.rstrip(":") in {"AssertionError", "assert"} and len(lines) > 1:
        return f"{head} {lines[1]}"
    return head


# -- normalising failure reasons -------------------------------------------------------

_NORMALISERS = [
    # ImportError: cannot import name 'X' from 'qsym.Y' (/path/to/file.py)
    (re.compile(r"(cannot import name '[^']+' from '[^']+')( \(.*\))?"), r"\1"),
    (re.compile(r" at 0x[0-9a-fA-F]+"), ""),
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),
    (re.compile(r"(/[\w.\-]+)+/([\w.\-]+\.py)"), r"\2"),
    (re.compile(r"(?<![\w'\"])[-+]?\d+(\.\d*)?([eE][-+]?\d+)?(?![\w'\"])"), "N"),
    (re.compile(r"\s+"), " "),
]


def normalise_reason(reason: str) -> str:
    """A failure's one-line reason made groupable: the identifiers that say *what* is
    missing are kept (``module 'qsym' has no attribute 'X'`` stays one group per ``X``;
    ``cannot import name 'X' from 'qsym.Y'`` keeps ``X`` and ``Y`` but drops the file),
    while paths, memory addresses and numbers (``N``) are dropped; cut at 160 chars."""
    text = reason.strip()
    if text.startswith("Failed: Timeout"):
        return "Failed: Timeout (pytest-timeout)"
    for pattern, repl in _NORMALISERS:
        text = pattern.sub(repl, text)
    text = text.strip()
    return text[:160] + ("…" if len(text) > 160 else "")


# -- running ---------------------------------------------------------------------------

def run_file(python: str, tests_dir: Path, rel: str, log_dir: Path, side: str,
             timeout: float, file_timeout: float, plugin_dir: Path) -> dict:
    """Run one test file in a pytest subprocess; its outcomes, wall time, exit code."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = rel.replace("/", "__")
    out_path = log_dir / f"{side}__{stem}.log"
    jsonl = log_dir / f"{side}__{stem}.jsonl"
    jsonl.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update({"PLSUITE_LOG": str(jsonl), "COLUMNS": "4000", "OPENBLAS_NUM_THREADS": "1",
                # the copy's parent first: ``from tests.x.conftest import ...`` (a test
                # importing another file of the suite) reads the copy, not the ``tests``
                # package PennyLane installs into site-packages
                "PYTHONPATH": os.pathsep.join(filter(None, [str(plugin_dir),
                                                            str(tests_dir.parent),
                                                            env.get("PYTHONPATH")]))})
    if side == "qsym" and _qsym_has_tier_setting():
        env["QSYM_TIER"] = "python"
    cmd = [python, "-m", "pytest", rel, "-p", "no:cacheprovider", "-p", "no:xdist",
           "-p", "_plsuite_log", "-q", "-rA", "--tb=line", f"--timeout={timeout:g}"]
    start = time.monotonic()
    killed = False
    with open(out_path, "w", encoding="utf-8") as fout:
        proc = subprocess.Popen(cmd, cwd=tests_dir, env=env, stdout=fout,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=file_timeout)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(proc.pid, 9)
            code = proc.wait()
    wall = time.monotonic() - start
    return collect_result(rel, out_path, jsonl, killed, code, wall)


def collect_result(rel: str, out_path: Path, jsonl: Path, killed: bool, code,
                   wall: float) -> dict:
    """Test file ``rel``'s result from its pytest output ``out_path`` and plugin log
    ``jsonl``. A run that ended before any test (a sub-conftest that does not import,
    a usage error) is one error for the file, with the output's exception line."""
    output = out_path.read_text(encoding="utf-8", errors="replace")
    res = parse_summary(output)
    log_lines = jsonl.read_text(encoding="utf-8").splitlines() if jsonl.exists() else []
    if killed or not res["found"]:
        res = parse_log(log_lines)
        if not killed and not log_lines and code not in (0, 5):
            res["error"][rel] = first_line(output) or f"pytest exit code {code}"
    else:
        # an AssertionError's summary line may be empty after the colon: take the log's
        full = {}
        for rec in _records(log_lines):
            if rec["outcome"] == "failed":
                full.setdefault(rec["id"], rec["msg"])
        for key in ("failed", "error"):
            for nid, reason in res[key].items():
                if nid in full and (not reason.strip() or reason.strip().endswith(":")):
                    res[key][nid] = first_line(full[nid])
    # where each failure raised (file:line of the crash), to tell apart generic messages
    where = {}
    for rec in _records(log_lines):
        if rec["outcome"] == "failed" and rec.get("where"):
            where.setdefault(rec["id"], rec["where"])
    where = {nid: w for nid, w in where.items() if nid in res["failed"] or nid in res["error"]}
    return {"passed": len(res["passed"]), "failed": res["failed"], "error": res["error"],
            "where": where,
            "skipped": res["skipped"], "xfailed": res["xfailed"], "xpassed": res["xpassed"],
            "wall": round(wall, 1), "exit": code, "killed": killed,
            "log": str(out_path)}


def _records(lines):
    for line in lines:
        try:
            yield json.loads(line)
        except ValueError:
            continue


_TIER = None


def _qsym_has_tier_setting() -> bool:
    """Whether qsym reads ``QSYM_TIER`` (looked up in qsym's source, not imported)."""
    global _TIER
    if _TIER is None:
        _TIER = False
        try:
            import importlib.util
            spec = importlib.util.find_spec("qsym")
            root = Path(spec.origin).parent if spec and spec.origin else None
        except (ImportError, ValueError):
            root = None
        if root is None:
            root = Path(__file__).resolve().parent.parent / "qsym"
        if root.is_dir():
            _TIER = any("QSYM_TIER" in p.read_text(encoding="utf-8", errors="ignore")
                        for p in root.glob("*.py"))
    return _TIER


# -- reporting ---------------------------------------------------------------------------

def rank_reasons(summary: dict) -> list[dict]:
    """The qsym failures and errors grouped by :func:`normalise_reason`, most tests first
    (a test that fails under PennyLane too, in a ``--baseline`` run, is left out):
    ``{"reason", "count", "example", "line", "files", "blocks", "sites"}`` (``blocks``: for
    a file that did not collect, the tests PennyLane passes in it; ``sites``: the most
    common file:line the failures raised at: the crash frame, which for a failure raised
    inside the library is the library line, not the test line)."""
    groups: dict[str, dict] = {}
    for rel, entry in summary["files"].items():
        q = entry.get("qsym")
        if not q:
            continue
        base = entry.get("pennylane") or {}
        base_bad = set(base.get("failed", {})) | set(base.get("error", {}))
        for key in ("failed", "error"):
            for nid, line in q[key].items():
                if nid in base_bad:  # fails under PennyLane too (e.g. catalyst missing)
                    continue
                norm = normalise_reason(line) or "(no message)"
                g = groups.setdefault(norm, {"reason": norm, "count": 0, "example": nid,
                                             "line": line, "files": set(), "blocks": 0,
                                             "sites": Counter()})
                g["count"] += 1
                g["sites"][q.get("where", {}).get(nid, "?")] += 1
                g["files"].add(rel)
                if "::" not in nid:  # a collection error: the whole file
                    g["blocks"] += base.get("passed", 0)
    ranked = sorted(groups.values(), key=lambda g: (-(g["count"] + g["blocks"]), g["reason"]))
    for g in ranked:
        g["files"] = sorted(g["files"])
        g["sites"] = dict(g["sites"].most_common(5))
    return ranked


def print_report(summary: dict, top: int) -> None:
    files = summary["files"]
    width = max([len(f) for f in files] + [20])
    print(f"\n{'file':<{width}}  {'qsym pass':>9} {'PL pass':>8} {'q fail':>7} {'q err':>6} "
          f"{'q skip':>7} {'PL fail':>7} {'q s':>6} {'PL s':>6}")
    tot = Counter()
    for rel, entry in files.items():
        q, p = entry.get("qsym"), entry.get("pennylane")
        def n(side, key):
            if not side:
                return "-"
            v = side[key]
            return len(v) if isinstance(v, dict) else v
        row = [n(q, "passed"), n(p, "passed"), n(q, "failed"), n(q, "error"), n(q, "skipped"),
               (n(p, "failed") + n(p, "error")) if p else "-",
               q["wall"] if q else "-", p["wall"] if p else "-"]
        for key, v in zip(("qp", "pp", "qf", "qe", "qs", "pf"), row):
            if isinstance(v, int):
                tot[key] += v
        flag = " (killed)" if (q and q["killed"]) or (p and p["killed"]) else ""
        print(f"{rel:<{width}}  {row[0]:>9} {row[1]:>8} {row[2]:>7} {row[3]:>6} {row[4]:>7} "
              f"{row[5]:>7} {row[6]:>6} {row[7]:>6}{flag}")
    print(f"{'TOTAL':<{width}}  {tot['qp']:>9} {tot['pp']:>8} {tot['qf']:>7} {tot['qe']:>6} "
          f"{tot['qs']:>7} {tot['pf']:>7}")
    ranked = summary.get("ranking") or rank_reasons(summary)
    print(f"\nTop {min(top, len(ranked))} of {len(ranked)} qsym failure reasons "
          "(tests; blocks = PennyLane passes in files that did not collect):")
    for i, g in enumerate(ranked[:top], 1):
        blocks = f" (+blocks {g['blocks']})" if g["blocks"] else ""
        print(f"{i:3}. [{g['count']}{blocks}; {len(g['files'])} files] {g['reason']}\n"
              f"       e.g. {g['example']}\n       {g['line']}")
        sites = {k: v for k, v in g.get("sites", {}).items() if k != "?"}
        if sites:
            print("       raised at: " + ", ".join(f"{k} ({v})" for k, v in sites.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", help="test files or directories, relative to tests/")
    ap.add_argument("--pl-site", help="the site-packages directory holding tests/")
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs pytest")
    ap.add_argument("--out", help="work dir (default: a new temp dir)")
    ap.add_argument("--baseline", action="store_true",
                    help="also run the untouched files under real PennyLane")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test")
    ap.add_argument("--file-timeout", type=float, default=600, help="wall seconds per file")
    ap.add_argument("--top", type=int, default=40, help="failure reasons listed")
    ap.add_argument("--resume", action="store_true",
                    help="keep the results already in --out/summary.json; run only the "
                         "files and sides missing there (e.g. qsym first, then --baseline)")
    ap.add_argument("--reparse", action="store_true",
                    help="re-read every result in --out/summary.json from its logs, then "
                         "print the report (no test runs)")
    ap.add_argument("--report-only", action="store_true",
                    help="print the report of --out/summary.json and stop")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="plsuite-"))
    out.mkdir(parents=True, exist_ok=True)
    summary_path = out / "summary.json"
    if args.report_only or args.reparse:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        if args.reparse:
            for rel, entry in summary["files"].items():
                for side, r in entry.items():
                    log = Path(r["log"])
                    entry[side] = collect_result(rel, log, log.with_suffix(".jsonl"),
                                                 r["killed"], r["exit"], r["wall"])
            summary["ranking"] = rank_reasons(summary)
            summary_path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
        print_report(summary, args.top)
        return 0
    if not args.pl_site or not args.paths:
        ap.error("--pl-site and at least one test path are needed")
    pl_tests = Path(args.pl_site) / "tests"
    if not pl_tests.is_dir():
        ap.error(f"no tests/ in {args.pl_site}")
    print(f"work dir: {out}", file=sys.stderr)
    trees = prepare_trees(pl_tests, out, args.baseline, args.python)
    files = expand_paths(trees["qsym"], args.paths)
    summary = {"pl_site": str(args.pl_site), "python": args.python,
               "timeout": args.timeout, "file_timeout": args.file_timeout,
               "qsym_tier": "python" if _qsym_has_tier_setting() else None, "files": {}}
    if args.resume and summary_path.exists():
        summary["files"] = json.loads(summary_path.read_text(encoding="utf-8"))["files"]
    for i, rel in enumerate(files, 1):
        entry = summary["files"].setdefault(rel, {})
        for side, tests_dir in trees.items():
            if side in entry:
                continue
            print(f"[{i}/{len(files)}] {side}: {rel} ...", end="", file=sys.stderr, flush=True)
            r = run_file(args.python, tests_dir, rel, out / "logs", side, args.timeout,
                         args.file_timeout, out / "plugin")
            entry[side] = r
            print(f" {r['passed']} passed, {len(r['failed'])} failed, {len(r['error'])} "
                  f"errors, {r['skipped']} skipped in {r['wall']}s"
                  + (" (killed at --file-timeout)" if r["killed"] else ""),
                  file=sys.stderr, flush=True)
        ranking = rank_reasons(summary)
        summary["ranking"] = ranking
        summary_path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print_report(summary, args.top)
    print(f"\nsummary: {summary_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
