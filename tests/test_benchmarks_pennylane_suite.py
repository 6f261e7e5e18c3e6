"""benchmarks/pennylane_suite.py: its pure functions (the import rewrite, pytest.ini's
filter, the -rA summary parser, the failure-reason normalisation and ranking). No
PennyLane and no subprocess needed; plain Python, fast."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def suite():
    spec = importlib.util.spec_from_file_location(
        "pennylane_suite", ROOT / "benchmarks" / "pennylane_suite.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("line, expected", [
    ("import pennylane as qp\n", "import qsym as qp\n"),
    ("import pennylane as qml  # noqa\n", "import qsym as qml  # noqa\n"),
    ("import pennylane.numpy as pnp\n", "import qsym.numpy as pnp\n"),
    ("import pennylane.ops.op_math as om\n", "import qsym.ops.op_math as om\n"),
    ("from pennylane import numpy as np\n", "from qsym import numpy as np\n"),
    ("from pennylane import numpy as pnp\n", "from qsym import numpy as pnp\n"),
    ("from pennylane import X, Y\n", "from qsym import X, Y\n"),
    ("from pennylane.measurements import (\n", "from qsym.measurements import (\n"),
    ("from pennylane.ops.op_math import Prod, Sum\n", "from qsym.ops.op_math import Prod, Sum\n"),
    ("    import pennylane as qp\n", "    import qsym as qp\n"),
    ("        from pennylane.exceptions import DeviceError\n",
     "        from qsym.exceptions import DeviceError\n"),
    ("from pennylane import numpy as np\r\n", "from qsym import numpy as np\r\n"),
    # a bare import binds the name ``pennylane``; the file then writes pennylane.tape.X
    ("import pennylane.tape\n", 'pennylane = __import__("qsym.tape")\n'),
    ("import pennylane.data.data_manager  # noqa\n",
     'pennylane = __import__("qsym.data.data_manager")  # noqa\n'),
    ("        import pennylane\n", '        pennylane = __import__("qsym")\n'),
    # a dynamic import by name is an import too (a test would otherwise run PennyLane's)
    ('about = importlib.import_module("pennylane.about")\n',
     'about = importlib.import_module("qsym.about")\n'),
    ("m = import_module('pennylane')\n", "m = import_module('qsym')\n"),
])
def test_import_lines_are_rewritten(suite, line, expected):
    assert suite.rewrite_line(line) == expected


@pytest.mark.parametrize("line", [
    "import numpy as np\n",
    "import pennylane_lightning\n",
    'importlib.import_module("pennylane_qiskit")\n',
    'grouping = sys.modules["pennylane.pauli.grouping.group_observables"]\n',
    "from pennylane_lightning import LightningQubit\n",
    "import pennylane_lightning as pl\n",
    'mocker.patch("pennylane.ops.qubit.RX.compute_matrix")\n',
    '@pytest.mark.filterwarnings("ignore::pennylane.exceptions.PennyLaneDeprecationWarning")\n',
    "    # from pennylane import numpy as np\n",
    "x = qp.RX(0.5, wires=0)  # from pennylane import\n",
    "Prod,\n",
    ")\n",
])
def test_other_lines_are_untouched(suite, line):
    assert suite.rewrite_line(line) == line


def test_rewrite_imports_counts_and_keeps_the_rest(suite):
    src = ('"""Doc."""\n'
           "import numpy as np\n"
           "import pytest\n"
           "\n"
           "import pennylane as qp\n"
           "from pennylane import numpy as pnp\n"
           "from pennylane.measurements import (\n"
           "    ExpectationMP,\n"
           "    ProbabilityMP,\n"
           ")\n"
           "\n"
           "def test_x(mocker):\n"
           '    mocker.patch("pennylane.math.sum")\n'
           "    import pennylane.numpy as np2\n"
           "    assert qp.RX(0.1, 0).name == 'pennylane'\n")
    new, changed = suite.rewrite_imports(src)
    assert changed == 4
    old_lines, new_lines = src.splitlines(), new.splitlines()
    assert len(old_lines) == len(new_lines)
    diff = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert diff == [
        ("import pennylane as qp", "import qsym as qp"),
        ("from pennylane import numpy as pnp", "from qsym import numpy as pnp"),
        ("from pennylane.measurements import (", "from qsym.measurements import ("),
        ("    import pennylane.numpy as np2", "    import qsym.numpy as np2"),
    ]
    assert suite.rewrite_imports(new) == (new, 0)


def test_a_bare_import_binds_pennylane_to_qsym(suite):
    import qsym
    import qsym.tape
    ns = {}
    exec(suite.rewrite_line("import pennylane.tape\n"), ns)
    assert ns["pennylane"] is qsym
    assert ns["pennylane"].tape.QuantumTape is qsym.tape.QuantumTape
    assert "qsym" not in ns  # only the name the original binds


INI = ("[pytest]\nmarkers =\n    logging: marks tests for pennylane logging\n"
       "    drawer: tests of pennylane.drawer.X\n"
       "filterwarnings =\n    ignore::DeprecationWarning:autograd.numpy.numpy_wrapper\n"
       "    error::pennylane.exceptions.PennyLaneDeprecationWarning\n"
       "    # error::pennylane.exceptions.Commented\n"
       "    error:AutoGraph will not transform:pennylane.capture.autograph.AutoGraphWarning\n"
       "    error:.*Deprecated NumPy 1\\..*:DeprecationWarning\n"
       "xfail_strict=true\nrng_salt = v0.45.0\n")


def test_pytest_ini_switches_resolved_warning_filters_to_qsym(suite):
    assert suite.warning_names(INI, ini=True) == {
        "qsym.exceptions.PennyLaneDeprecationWarning",
        "qsym.capture.autograph.AutoGraphWarning"}
    out = suite.rewrite_pytest_ini(INI, {"qsym.exceptions.PennyLaneDeprecationWarning"})
    assert out == INI.replace("error::pennylane.exceptions.PennyLane",
                              "error::qsym.exceptions.PennyLane").replace(
        "    error:AutoGraph will not transform:pennylane.capture.autograph.AutoGraphWarning\n",
        "")
    # nothing resolved: every filter naming a pennylane class goes, nothing else
    out = suite.rewrite_pytest_ini(INI)
    assert out.count("\n") == INI.count("\n") - 2
    for keep in ("logging: marks tests for pennylane logging", "tests of pennylane.drawer.X",
                 "autograd.numpy.numpy_wrapper", "Deprecated NumPy", "xfail_strict=true",
                 "rng_salt = v0.45.0", "# error::pennylane.exceptions.Commented"):
        assert keep in out


def test_filterwarnings_markers_are_switched_or_dropped(suite):
    src = ('@pytest.mark.filterwarnings("ignore::pennylane.exceptions.PennyLaneDeprecationWarning")\n'
           "def test_a():\n"
           '    mocker.patch("pennylane.exceptions.X")\n'
           '@pytest.mark.filterwarnings("ignore::pennylane.exceptions.NoSuchWarning")\n'
           "def test_b():\n"
           "    pass\n")
    assert suite.warning_names(src, ini=False) == {
        "qsym.exceptions.PennyLaneDeprecationWarning", "qsym.exceptions.NoSuchWarning"}
    new, changed = suite.rewrite_warning_filters(
        src, {"qsym.exceptions.PennyLaneDeprecationWarning"}, ini=False)
    assert changed == 2
    assert new == ('@pytest.mark.filterwarnings("ignore::qsym.exceptions.PennyLaneDeprecationWarning")\n'
                   "def test_a():\n"
                   '    mocker.patch("pennylane.exceptions.X")\n'
                   "def test_b():\n"
                   "    pass\n")
    compile(new, "t.py", "exec")


def test_resolve_warnings_keeps_only_qsym_warning_classes(suite):
    import sys
    names = {"qsym.exceptions.PennyLaneDeprecationWarning",  # a Warning subclass in qsym
             "qsym.capture.autograph.AutoGraphWarning",       # no such module
             "qsym.exceptions.NoSuchWarning",                 # no such name
             "qsym.exceptions.DeviceError"}                   # not a Warning
    assert suite.resolve_warnings(sys.executable, names) == {
        "qsym.exceptions.PennyLaneDeprecationWarning"}
    assert suite.resolve_warnings(sys.executable, set()) == set()


def test_prepare_trees_rewrites_imports_ini_and_markers(suite, tmp_path):
    import sys
    pl = tmp_path / "tests"
    (pl / "transforms").mkdir(parents=True)
    (pl / "conftest.py").write_text("import pennylane as qp\n")
    (pl / "pytest.ini").write_text(INI)
    (pl / "transforms" / "test_x.py").write_text(
        "import pennylane.tape\n"
        '@pytest.mark.filterwarnings("ignore::pennylane.exceptions.PennyLaneDeprecationWarning")\n'
        "def test_x():\n    pennylane.tape.QuantumTape()\n")
    trees = suite.prepare_trees(pl, tmp_path / "out", False, sys.executable)
    q = trees["qsym"]
    assert (q / "transforms" / "test_x.py").read_text() == (
        'pennylane = __import__("qsym.tape")\n'
        '@pytest.mark.filterwarnings("ignore::qsym.exceptions.PennyLaneDeprecationWarning")\n'
        "def test_x():\n    pennylane.tape.QuantumTape()\n")
    ini = (q / "pytest.ini").read_text()
    assert "    error::qsym.exceptions.PennyLaneDeprecationWarning\n" in ini
    assert "AutoGraph" not in ini
    assert (q / "conftest.py").read_text() == suite.CONFTEST


@pytest.mark.parametrize("reason, expected", [
    ("AttributeError: module 'qsym' has no attribute 'Snapshot'",
     "AttributeError: module 'qsym' has no attribute 'Snapshot'"),
    ("ImportError: cannot import name 'ExpectationMP' from 'qsym.measurements' "
     "(/work/main/qsym/measurements.py)",
     "ImportError: cannot import name 'ExpectationMP' from 'qsym.measurements'"),
    ("ModuleNotFoundError: No module named 'qsym.ops'",
     "ModuleNotFoundError: No module named 'qsym.ops'"),
    ("TypeError: <function f at 0x7f3a2b1c> got 3 arguments",
     "TypeError: <function f> got N arguments"),
    ("assert 0.5123 == 0.75", "assert N == N"),
    ("AssertionError: assert 1e-05 < 1e-08", "AssertionError: assert N < N"),
    ("Failed: Timeout (>60.0s) from pytest-timeout.", "Failed: Timeout (pytest-timeout)"),
    ("  ValueError:   two   spaces  ", "ValueError: two spaces"),
])
def test_normalise_reason(suite, reason, expected):
    assert suite.normalise_reason(reason) == expected


def test_normalise_reason_groups_by_missing_name(suite):
    a = suite.normalise_reason("AttributeError: module 'qsym' has no attribute 'X'")
    b = suite.normalise_reason("AttributeError: module 'qsym' has no attribute 'Y'")
    assert a != b
    c = suite.normalise_reason("ValueError: expected 3 wires, got 2")
    d = suite.normalise_reason("ValueError: expected 4 wires, got 1")
    assert c == d
    # identifiers holding digits are not numbers
    assert suite.normalise_reason("no attribute 'RX2'") == "no attribute 'RX2'"
    assert len(suite.normalise_reason("x" * 500)) <= 161


def test_parse_summary(suite):
    out = (
        "..F.sE\n"
        "=========================== short test summary info ============================\n"
        "PASSED m/test_a.py::test_ok\n"
        "PASSED m/test_a.py::TestC::test_p[a - b]\n"
        "SKIPPED [3] m/test_a.py:12: needs jax\n"
        "SKIPPED [1] m/test_a.py:40: other\n"
        "XFAIL m/test_a.py::test_xf - known\n"
        "FAILED m/test_a.py::test_bad[x - y] - AttributeError: module 'qsym' has no attribute 'Z'\n"
        "FAILED m/test_a.py::test_bad2 - assert 1 == 2\n"
        "ERROR m/test_a.py::test_fix - fixture 'foo' not found\n"
        "ERROR m/test_b.py - ImportError: cannot import name 'A' from 'qsym.B'\n"
        "=========== 2 failed, 2 passed, 4 skipped, 1 xfailed, 2 errors in 1.0s ==========\n"
        "FAILED not/in/summary.py::t - x\n")
    res = suite.parse_summary(out)
    assert res["found"]
    assert res["passed"] == ["m/test_a.py::test_ok", "m/test_a.py::TestC::test_p[a - b]"]
    assert res["skipped"] == 4 and res["xfailed"] == 1 and res["xpassed"] == 0
    assert res["failed"] == {
        "m/test_a.py::test_bad[x - y]": "AttributeError: module 'qsym' has no attribute 'Z'",
        "m/test_a.py::test_bad2": "assert 1 == 2"}
    assert res["error"] == {"m/test_a.py::test_fix": "fixture 'foo' not found",
                            "m/test_b.py": "ImportError: cannot import name 'A' from 'qsym.B'"}
    assert not suite.parse_summary("no summary here\n")["found"]


def test_parse_log_and_rank(suite):
    import json
    recs = [
        {"id": "f.py::a", "when": "call", "outcome": "passed", "msg": ""},
        {"id": "f.py::b", "when": "call", "outcome": "failed",
         "msg": "AssertionError: \nNot equal to tolerance"},
        {"id": "f.py::c", "when": "setup", "outcome": "failed", "msg": "fixture gone"},
        {"id": "f.py::d", "when": "setup", "outcome": "skipped", "msg": "no jax"},
    ]
    res = suite.parse_log([json.dumps(r) for r in recs] + ["{truncated"])
    assert res["passed"] == ["f.py::a"] and res["skipped"] == 1
    assert res["failed"] == {"f.py::b": "AssertionError: Not equal to tolerance"}
    assert res["error"] == {"f.py::c": "fixture gone"}

    def side(passed, failed=None, error=None):
        return {"passed": passed, "failed": failed or {}, "error": error or {}}
    summary = {"files": {
        "a.py": {"qsym": side(1, {"a.py::t1": "AttributeError: module 'qsym' has no attribute 'X'",
                                  "a.py::t2": "AttributeError: module 'qsym' has no attribute 'X'",
                                  "a.py::t3": "assert 1 == 2"}),
                 "pennylane": side(4)},
        "b.py": {"qsym": side(0, error={"b.py": "ImportError: cannot import name 'Y' from "
                                                "'qsym.m' (/x/qsym/m.py)"}),
                 "pennylane": side(7)},
    }}
    ranked = suite.rank_reasons(summary)
    assert [(g["reason"], g["count"], g["blocks"]) for g in ranked] == [
        ("ImportError: cannot import name 'Y' from 'qsym.m'", 1, 7),
        ("AttributeError: module 'qsym' has no attribute 'X'", 2, 0),
        ("assert N == N", 1, 0)]
    assert ranked[1]["example"] == "a.py::t1" and ranked[1]["files"] == ["a.py"]


def test_first_line_of_a_collection_error(suite):
    text = ("ImportError while importing test module '/x/tests/m/test_state.py'.\n"
            "Hint: make sure your test modules/packages have valid Python names.\n"
            "Traceback:\n"
            "/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
            "    return _bootstrap._gcd_import(name[level:], package, level)\n"
            "m/test_state.py:22: in <module>\n"
            "    from qsym.devices import DefaultMixed\n"
            "E   ImportError: cannot import name 'DefaultMixed' from 'qsym.devices' (/q/devices.py)\n")
    assert suite.first_line(text) == (
        "ImportError: cannot import name 'DefaultMixed' from 'qsym.devices' (/q/devices.py)")
    assert suite.first_line("ValueError: bad\nmore") == "ValueError: bad"


def test_a_run_that_stops_before_any_test_is_one_error(suite, tmp_path):
    log = tmp_path / "x.log"
    log.write_text("ImportError while loading conftest '/t/ops/functions/conftest.py'.\n"
                   "ops/functions/conftest.py:29: in <module>\n"
                   "    from qsym.operation import StatePrepBase\n"
                   "E   ImportError: cannot import name 'StatePrepBase' from 'qsym.operation'\n")
    res = suite.collect_result("ops/functions/test_matrix.py", log, tmp_path / "x.jsonl",
                               False, 4, 1.0)
    assert res["passed"] == 0 and res["failed"] == {}
    assert res["error"] == {"ops/functions/test_matrix.py":
                            "ImportError: cannot import name 'StatePrepBase' from 'qsym.operation'"}
    # no tests at all (exit code 5) is not an error
    log.write_text("no tests ran in 0.01s\n")
    assert suite.collect_result("t.py", log, tmp_path / "x.jsonl", False, 5, 1.0)["error"] == {}


def test_an_absolute_path_names_the_switched_copy(suite, tmp_path):
    """An absolute path into PennyLane's own tests/ runs the copy's file (it ran
    PennyLane's original file against PennyLane: 9 "qsym" passes of decomp_inspector that
    were PennyLane's); a path outside any tests/ is skipped."""
    mod = suite
    copy = tmp_path / "qsym" / "tests"
    (copy / "noise").mkdir(parents=True)
    (copy / "noise" / "test_add_noise.py").write_text("")
    original = tmp_path / "site" / "tests" / "noise" / "test_add_noise.py"
    original.parent.mkdir(parents=True)
    original.write_text("")  # (PennyLane's own file exists: it was taken as it is)
    elsewhere = tmp_path / "x.py"
    elsewhere.write_text("")
    got = mod.expand_paths(copy, [str(original), str(elsewhere)])
    assert got == ["noise/test_add_noise.py"]
    assert all(not Path(f).is_absolute() for f in got)
