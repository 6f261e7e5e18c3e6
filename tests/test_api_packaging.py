"""Packaging (issue #21): ``pip wheel .`` builds a wheel cleanly (no build warnings), with
the license text, the ``py.typed`` marker, every module of ``qsym/`` and a console script
that points at a module the wheel holds; the license is declared as PEP 639 wants it (an
SPDX expression and the file; setuptools warns about the old table and classifiers)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_license_is_declared_as_pep_639_says():
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression, not a table
    assert project["license-files"] == ["LICENSE"] and (ROOT / "LICENSE").is_file()
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]
    requires = _pyproject()["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77
               for r in requires), requires  # the first setuptools that reads them


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "qsym", src / "qsym",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(out)],
        cwd=src, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    if proc.returncode and re.search(r"Could not find a version|No matching distribution|"
                                     r"Failed to establish|Network|connection", log, re.I):
        pytest.skip("the build backend (setuptools) cannot be fetched here: no network")
    assert proc.returncode == 0, log
    wheels = list(out.glob("qsym-*.whl"))
    assert len(wheels) == 1
    return wheels[0], log


def test_the_wheel_builds_without_warnings(wheel):
    _, log = wheel
    assert not re.search(r"Warning|deprecated", log), log


def test_the_wheel_holds_the_package_license_and_marker(wheel):
    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    modules = {f"qsym/{p.name}" for p in (ROOT / "qsym").glob("*.py")}
    assert modules <= names, modules - names
    assert "qsym/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "docs/", "benchmarks/"))]
    # the console script names a module the wheel holds, and the pyproject's entry
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(path).read(entry).decode()
    script = _pyproject()["project"]["scripts"]["qsym"]
    assert f"qsym = {script}" in text
    module = script.split(":")[0].replace(".", "/") + ".py"
    assert module in names
