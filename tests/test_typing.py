"""The public API carries type hints (issue #21): every parameter and the return value of
the listed callables are annotated, the hints resolve (no undefined names behind
``from __future__ import annotations``), and the package ships its ``py.typed`` marker."""

import inspect
import typing
from pathlib import Path

import pytest

import qsym as qml

OPTIMIZERS = [qml.GradientDescentOptimizer, qml.MomentumOptimizer,
              qml.NesterovMomentumOptimizer, qml.AdagradOptimizer, qml.RMSPropOptimizer,
              qml.AdamOptimizer]
CALLABLES = [
    qml.minimize, qml.device, qml.qnode, qml.specs, qml.draw, qml.QNode.__init__,
    qml.grad.__init__, qml.grad.__call__, qml.jacobian.__init__, qml.jacobian.__call__,
    qml.hessian.__init__, qml.hessian.__call__,
] + [getattr(o, m) for o in OPTIMIZERS for m in ("__init__", "step", "step_and_cost")]


@pytest.mark.parametrize("fn", CALLABLES, ids=lambda f: f.__qualname__)
def test_annotated(fn):
    hints = typing.get_type_hints(fn)
    params = [p for n, p in inspect.signature(fn).parameters.items() if n != "self"]
    missing = [p.name for p in params if p.name not in hints]
    assert not missing, f"{fn.__qualname__}: no hint for {missing}"
    assert "return" in hints


def test_minimize_hints_say_what_it_takes():
    hints = typing.get_type_hints(qml.minimize)
    assert hints["return"] is qml.OptimizeResult
    assert hints["steps"] is int and hints["tol"] is float


def test_py_typed_ships():
    root = Path(qml.__file__).parent
    assert (root / "py.typed").is_file()
    pyproject = root.parent / "pyproject.toml"
    if pyproject.is_file():  # a source checkout: the marker is package data
        import re

        line = re.search(r"^qsym = \[(.*)\]", pyproject.read_text(), re.M)
        assert line and '"py.typed"' in line.group(1)
