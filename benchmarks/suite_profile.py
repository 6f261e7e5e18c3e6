"""The test suite's time per file and per mechanism, from a pytest JUnit XML report (issue #17).

    python -m pytest --durations=0 --junitxml=/tmp/junit.xml     # the suite, as CI runs it
    python benchmarks/suite_profile.py /tmp/junit.xml .            # (report, repository root)

Per file: the sum of its tests' times (setup, call and teardown: pytest's JUnit "total"; a
module fixture's cost is in its file's first test). Per mechanism: a test is flagged by
what its function's source (and the source of the same file's fixtures it takes by name)
contains: a subprocess, hypothesis, a wait or sleep, a compiled tier asked for (or waited
for), a Dask cluster. The flags are a reading of the text, not a measurement: a test can
compile through a helper without saying so; the per-file sums are exact.
"""

import argparse
import ast
import collections
import re
import xml.etree.ElementTree as ET
from pathlib import Path

FLAGS = {
    "subprocess": r"subprocess|run_script|_run_without_qsym|Popen|sys\.executable",
    "hypothesis": r"@given|hypothesis",
    "sleep/wait": r"time\.sleep|\.wait\(|wait_for\w*\(",
    "compiled-tier": r"QSYM_TIER|\.wait\(\)|wait_for_numba|_tiers|tiers\.|promot|\.compile\(",
    "dask": r"dask|distributed|Client\(",
}
BUCKETS = ((0.1, "<0.1 s"), (1, "0.1-1 s"), (5, "1-5 s"), (20, "5-20 s"), (float("inf"), ">=20 s"))


def read_report(junit, repo):
    """``(file, test name, seconds)`` of every test case of the report."""
    out = []
    for case in ET.parse(junit).iter("testcase"):
        parts = case.get("classname", "").split(".")
        path = next((p for p in ("/".join(parts[:k]) + ".py" for k in range(len(parts), 0, -1))
                     if (repo / p).exists()), case.get("classname", ""))
        out.append((path, case.get("name", ""), float(case.get("time") or 0)))
    return out


_functions: dict = {}


def functions(repo, path):
    """``{name: (source, argument names)}`` of the functions of the file ``path``."""
    if path not in _functions:
        found = {}
        try:
            text = (repo / path).read_text()
            tree = ast.parse(text)
        except (OSError, SyntaxError, UnicodeDecodeError):
            tree = None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[node.name] = (ast.get_source_segment(text, node) or "",
                                    [a.arg for a in node.args.args])
        _functions[path] = found
    return _functions[path]


def flags(repo, path, name):
    """The mechanisms the test's source (and its fixtures' in the same file) names."""
    found = functions(repo, path) if path.endswith(".py") else {}
    text, args = found.get(name.split("[")[0], ("", []))
    text += "".join(found[a][0] for a in args if a in found)
    return [k for k, pattern in FLAGS.items() if re.search(pattern, text)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit")
    parser.add_argument("repo", nargs="?", default=".")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    repo = Path(args.repo)
    tests = read_report(args.junit, repo)
    per_file = collections.defaultdict(lambda: [0.0, 0])
    per_flag = collections.defaultdict(lambda: [0.0, 0])
    per_bucket = collections.defaultdict(lambda: [0.0, 0])
    for path, name, t in tests:
        per_file[path][0] += t
        per_file[path][1] += 1
        for k in flags(repo, path, name) or ["none"]:
            per_flag[k][0] += t
            per_flag[k][1] += 1
        bucket = next(label for bound, label in BUCKETS if t < bound)
        per_bucket[bucket][0] += t
        per_bucket[bucket][1] += 1
    print(f"{len(tests)} tests, {sum(t for *_, t in tests):.0f} s of test time")

    def table(title, rows):
        print(f"\n== {title} ==")
        for key, (t, n) in rows:
            print(f"{t:9.1f} s {n:6d} tests  {key}")

    table(f"per file (top {args.top})",
          sorted(per_file.items(), key=lambda kv: -kv[1][0])[:args.top])
    table("per mechanism (a test may have several)",
          sorted(per_flag.items(), key=lambda kv: -kv[1][0]))
    table("per test duration", [(label, per_bucket[label]) for _, label in BUCKETS])
    print(f"\n== slowest {args.top} tests ==")
    for path, name, t in sorted(tests, key=lambda x: -x[2])[:args.top]:
        print(f"{t:9.1f} s  {path}::{name}  {' '.join(flags(repo, path, name))}")


if __name__ == "__main__":
    main()
