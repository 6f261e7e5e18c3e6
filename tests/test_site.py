"""The documentation site (issue #21): every page of ``docs/`` is in the site's navigation,
every public name of ``qsym`` has an entry in the API reference (``docs/api/``), and the
griffe extension that renders the docstrings turns doctest sessions and ``::`` blocks into
fenced code. CI builds the site itself (``mkdocs build --strict`` in ``.ci/run``); these
checks are cheap and need neither mkdocs nor griffe (but for the last one).
"""

import importlib.util
import re
import types
from pathlib import Path

import pytest

import qsym
from qsym import errors
from qsym._noise import CHANNEL_CLASSES
from qsym._operations import GATE_CLASSES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _nav_pages():
    text = (ROOT / "mkdocs.yml").read_text()
    nav = text[text.index("\nnav:"):]
    return set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.M))


def test_every_page_is_in_the_nav():
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    nav = _nav_pages()
    assert pages == nav, (pages - nav, nav - pages)
    assert {"index.md", "pennylane.md", "api/index.md"} <= nav


def test_strict_build_is_configured_and_run_by_ci():
    config = (ROOT / "mkdocs.yml").read_text()
    assert re.search(r"^strict: true$", config, re.M)
    assert "mkdocstrings" in config and "name: material" in config
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"pip install .*\.\[docs\]", ci)
    assert re.search(r"mkdocs build --strict", ci)


def _check_channel_row(name):
    """The channel's line of docs/api/gates.md's hand-written table names its parameters
    and wires as the channel table declares them."""
    row = CHANNEL_CLASSES[name]._channel
    lines = [ln for ln in (DOCS / "api" / "gates.md").read_text().splitlines()
             if ln.startswith(f"| `qml.{name}` |")]
    assert len(lines) == 1, f"{name}: one row in docs/api/gates.md's channel table"
    _, _, params, wires, _ = lines[0].split("|")
    assert all(f"`{p}`" in params for p in row.params), (name, params, row.params)
    assert wires.strip() == (str(row.num_wires) if row.num_wires else "any"), (name, wires)


def test_every_public_name_has_a_reference_entry():
    documented = set()
    for page in (DOCS / "api").glob("*.md"):
        documented |= set(re.findall(r"^::: qsym\.(\w+)", page.read_text(), re.M))
    assert "errors" in documented  # the exceptions, through their module's entry
    missing = []
    for name in dict.fromkeys(qsym.__all__):
        obj = getattr(qsym, name)
        if name in documented or isinstance(obj, types.ModuleType):
            continue
        if name in GATE_CLASSES or obj in GATE_CLASSES.values():
            continue  # made from the gate table at import (docs/api/gates.md); X, H aliases
        if name in CHANNEL_CLASSES:  # made from the channel table: listed in gates.md's table
            _check_channel_row(name)
            continue
        if getattr(obj, "__module__", None) == errors.__name__:
            continue
        missing.append(name)
    assert missing == []
    # and each entry names something that exists
    assert all(hasattr(qsym, name) for name in documented)


@pytest.fixture(scope="module")
def extension():
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("griffe_qsym", DOCS / "griffe_qsym.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docstrings_become_markdown(extension):
    text = "\n".join([
        "See :func:`qsym._cache.cache_info` and :class:`~qsym.QNode`.",
        "",
        ">>> 1 + 1",
        "2",
        "",
        "Example (values vary)::",
        "",
        "    >>> qml.about()  # doctest: +SKIP, +ELLIPSIS",
        "    qsym: 0.1.0",
        "",
        "Plain::",
        "",
        "    a listing",
        "",
        "End.",
    ])
    assert extension.convert(text) == "\n".join([
        "See ``qsym._cache.cache_info`` and ``qsym.QNode``.",
        "",
        "```pycon",
        ">>> 1 + 1",
        "2",
        "```",
        "",
        "Example (values vary):",
        "",
        "```pycon",
        ">>> qml.about()",
        "qsym: 0.1.0",
        "```",
        "",
        "Plain:",
        "",
        "```text",
        "a listing",
        "```",
        "",
        "End.",
    ])
    fenced = "```python\n>>> x = 1\n```"
    assert extension.convert(fenced) == fenced  # already fenced: left alone
