"""``qml.about()`` and the ``qsym`` logger (issue #21)."""

import logging
import os
import platform
import sys
from pathlib import Path

import numba
import numpy as onp
import scipy
import sympy

import qsym as qml


def test_about_prints_versions_cache_and_threads(capsys):
    dev = qml.device("default.qubit", wires=1)  # something in the cache, even when fresh

    @qml.qnode(dev)
    def seeded(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    seeded.circuit(0.1)  # traced and emitted: writes its module (no numba compile)
    info = qml.about()
    out = capsys.readouterr().out
    lines = dict(line.split(":", 1) for line in out.splitlines())
    # PennyLane's fields first, under its labels (pennylane/about.py of 0.45.1)
    assert list(lines)[:4] == ["Name", "Version", "Summary", "Location"]
    assert lines["Version"].strip() == qml.__version__
    assert lines["Location"].strip() == str(Path(qml.__file__).resolve().parent)
    assert lines["Numpy version"].strip() == onp.__version__
    assert lines["Scipy version"].strip() == scipy.__version__
    assert lines["numba"].strip() == numba.__version__
    assert lines["sympy"].strip() == sympy.__version__
    assert lines["Python version"].split()[0] == platform.python_version()
    assert "autograd" in lines and "Platform info" in lines
    assert {"default.qubit", "default.mixed", "default.gaussian"} <= {
        d.strip() for d in lines["Installed devices"].split(",")}
    assert lines["threads"].split()[0] == str(numba.get_num_threads())
    # the cache folder and its size, counted here independently
    path = Path(info["cache"])
    if os.environ.get("QSYM_CACHE_DIR"):
        assert path == Path(os.environ["QSYM_CACHE_DIR"])
    assert lines["cache"].strip().startswith(str(path))
    files = [p for p in path.rglob("*") if p.is_file()]
    # other processes may write meanwhile: a lower bound from before, a rough match
    assert info["cache size"] > 0 and len(files) > 0
    assert abs(info["cache size"] - sum(p.stat().st_size for p in files)) < 0.5 * info["cache size"]
    assert lines["cache"].strip().endswith(" files)") and " MiB in " in lines["cache"]


def test_about_without_the_cache(monkeypatch, capsys):
    monkeypatch.setenv("QSYM_CACHE", "0")
    info = qml.about()
    assert info["cache"] is None
    assert "cache:          off (QSYM_CACHE=0" in capsys.readouterr().out
    assert qml.about(show=False) == info and capsys.readouterr().out == ""


def test_about_module_path_and_pennylane_fields(monkeypatch, capsys):
    """PennyLane's module ``pennylane.about``: import_module gives the module (whose about()
    qml.about is), an editable install's folder from PEP 610's direct_url.json, and
    catalyst_version from find_spec / the pennylane_catalyst distribution (PennyLane
    0.45.1's tests/test_about.py does the same with these stand-ins)."""
    import importlib
    import json

    about = importlib.import_module("qsym.about")
    assert about.about is qml.about and callable(qml.about)
    assert importlib.import_module("qsym.about") is about  # qml.about is still the function
    assert callable(qml.about)

    class Dist:
        def __init__(self):
            self.metadata = {"Name": "qsym", "Version": "x", "Summary": "s"}

        @staticmethod
        def read_text(name):
            assert name == "direct_url.json"
            return json.dumps({"dir_info": {"editable": True}, "url": "file:///src/qsym"})

    monkeypatch.setattr(about.metadata, "distribution", lambda name: Dist())
    monkeypatch.setattr(about, "_pkg_location", lambda: "/where/qsym")
    info = about.about()
    out = capsys.readouterr().out
    assert "Editable project location: /src/qsym\n" in out
    assert "Location:       /where/qsym\n" in out and "Summary:        s\n" in out
    assert info["editable location"] == "/src/qsym"

    monkeypatch.setattr(about, "find_spec", lambda name: None)
    assert about.catalyst_version() is None
    monkeypatch.setattr(about, "find_spec", lambda name: object())
    monkeypatch.setattr(about, "version", lambda name: {"pennylane_catalyst": "0.9"}[name])
    assert about.catalyst_version() == "0.9"


def test_logger_is_silent_by_default_and_reports_compiles(caplog):
    logger = logging.getLogger("qsym")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def logged(p):
        qml.RX(p[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(p[1], wires=1)
        return qml.expval(qml.PauliZ(1))

    with caplog.at_level(logging.DEBUG, logger="qsym"):
        qml.minimize(logged, [0.3, 0.2], steps=2)
    runtime = [r.getMessage() for r in caplog.records if r.name == "qsym.runtime"]
    assert any("traced and planned 3 operations on 2 wires" in m and "cache" in m
               for m in runtime), runtime
    mini = [r.getMessage() for r in caplog.records if r.name == "qsym.minimize"]
    assert any("loop ready in" in m for m in mini)
    assert any(m.startswith("minimize: ran 2 steps (compiled loop)") for m in mini), mini
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name.startswith("qsym"))
    assert sys.modules["qsym._minimize"].logger.parent is logger
