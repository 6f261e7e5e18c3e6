"""Run the interactive examples in docs/*.md with doctest, so the docs cannot rot.

Every ```python fenced block of a page that contains a line starting with the doctest
prompt is an example session; the page's sessions run in order in one namespace (a later
block may use names defined by an earlier one). Blocks without the prompt (plain code
listings) are not run. A page with no sessions passes.
"""

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))

PROMPT = ">>> "


def doctest_flags(config) -> int:
    """The doctest option flags configured once for the whole suite (pyproject.toml,
    ``doctest_optionflags``: what ``--doctest-modules`` uses for the docstrings)."""
    flags = 0
    for name in config.getini("doctest_optionflags"):
        flags |= doctest.OPTIONFLAGS_BY_NAME[name]
    return flags

# an opening fence (``` or longer, optionally indented) with its info string, up to the
# matching closing fence
_FENCE = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)`*[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def doctest_blocks(text: str):
    """``(line number of the block's first line (0-based), body)`` for each ```python block
    that is a doctest session."""
    blocks = []
    for m in _FENCE.finditer(text):
        info = m.group("info").strip().split()
        if not info or info[0].lower() not in ("python", "py", "pycon", "python3"):
            continue
        body = m.group("body")
        if not any(line.lstrip().startswith(PROMPT) for line in body.splitlines()):
            continue
        first_line = text.count("\n", 0, m.start("body"))
        blocks.append((first_line, body))
    return blocks


def page_session(text: str) -> str:
    """The page's doctest blocks as one text, each block at its own line number in the page
    (everything else blanked) so failures report the markdown line."""
    lines = [""] * (text.count("\n") + 1)
    for first, body in doctest_blocks(text):
        for k, line in enumerate(body.splitlines()):
            lines[first + k] = line
    # a blank line ends an example's expected output: make sure blocks are separated
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_doc_examples(page, pytestconfig):
    text = page.read_text(encoding="utf-8")
    if not doctest_blocks(text):
        return  # nothing to run on this page
    parser = doctest.DocTestParser()
    test = parser.get_doctest(page_session(text), {}, page.name, str(page), 0)
    out = []
    runner = doctest.DocTestRunner(optionflags=doctest_flags(pytestconfig))
    try:
        result = runner.run(test, out=out.append, clear_globs=True)
    finally:
        test.globs.clear()
    if result.failed:
        pytest.fail(
            f"{result.failed} of {result.attempted} examples failed in {page.name}:\n"
            + "".join(out),
            pytrace=False,
        )
    assert result.attempted > 0


def test_blocks_are_found():
    page = "\n".join(
        [
            "text",
            "```python",
            PROMPT + "1 + 1",
            "2",
            "```",
            "```python",
            "x = 1  # a listing, not a session",
            "```",
            "```bash",
            PROMPT + "not python",
            "```",
        ]
    )
    assert doctest_blocks(page) == [(2, PROMPT + "1 + 1\n2\n")]
    session = page_session(page)
    assert session.splitlines()[2:4] == [PROMPT + "1 + 1", "2"]


def test_doctest_flags_are_configured_once(pytestconfig):
    """The Markdown pages and the docstrings use the same flags, from pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    configured = tomllib.loads(pyproject.read_text())["tool"]["pytest"]["ini_options"]
    assert set(configured["doctest_optionflags"]) == {"ELLIPSIS", "NORMALIZE_WHITESPACE"}
    assert doctest_flags(pytestconfig) == doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
