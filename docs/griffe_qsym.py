"""A griffe extension for the API reference (mkdocs.yml): qsym's docstrings are written in
the reStructuredText habits of the Python docs (``code``, :func:`name`, doctest sessions,
``Example::`` blocks); this turns them into the Markdown mkdocstrings renders:

- a doctest session (lines from ``>>>`` up to a blank line) becomes a ```` ```pycon ````
  block, so ``>>>`` is not read as a Markdown quote;
- a paragraph ending in ``::`` followed by an indented block: the block is fenced;
- ``:func:`x```, ``:class:`x```, ``:mod:`x``` ... become code spans (``x``);
- ``# doctest: +SKIP`` and other directives are left out of the sessions shown.

Nothing else changes, and the docstrings in the source stay as they are (their doctests
run in the test suite).

It also silences one griffe warning that does not apply: ``qsym.__all__`` lists the gate
and template classes through ``*GATE_CLASSES`` and ``*templates.TEMPLATES`` (made when
qsym is imported), which a static reader cannot expand; the reference pages name the
public objects one by one.
"""

from __future__ import annotations

import logging
import re
import textwrap

import griffe

_ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj|py:\w+):`~?([^`]+)`")
_FLAGS = re.compile(r"\s*#\s*doctest:\s*[+-]\w+(?:\s*,\s*[+-]\w+)*\s*$")


def _session(lines: list[str]) -> list[str]:
    """A doctest session's lines without ``# doctest: +FLAG`` comments (for readers)."""
    return [_FLAGS.sub("", line) if line.lstrip().startswith((">>>", "...")) else line
            for line in lines]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def convert(text: str) -> str:
    """qsym's docstring text as Markdown (see the module docstring)."""
    text = _ROLE.sub(r"``\1``", text)
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            out.append(line)
            i += 1
            continue
        if in_fence:
            out.append(line)
            i += 1
            continue
        if stripped.endswith("::") and not stripped.startswith(">>>"):
            # a literal block follows (indented more than this line), after a blank line
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            base = _indent(line)
            block = []
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            if block:
                body = textwrap.dedent("\n".join(block))
                lang = "pycon" if body.lstrip().startswith(">>>") else "text"
                head = stripped[:-2].rstrip()  # "Example::" -> "Example:"; "::" alone goes
                out.append(" " * base + head + ":" if head else "")
                out.append("")
                out.append(" " * base + "```" + lang)
                body_lines = body.split("\n")
                if lang == "pycon":
                    body_lines = _session(body_lines)
                out.extend(" " * base + b if b else "" for b in body_lines)
                out.append(" " * base + "```")
                out.append("")
                i = j
                continue
        if stripped.startswith(">>>"):
            base = _indent(line)
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][base:] if _indent(lines[i]) >= base else lines[i].strip())
                i += 1
            out.append(" " * base + "```pycon")
            out.extend(" " * base + b for b in _session(block))
            out.append(" " * base + "```")
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class _DynamicAllFilter(logging.Filter):
    """Drop griffe's "Unsupported item in qsym.__all__" warnings (see the module
    docstring); every other warning still fails the strict build."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Unsupported item in qsym.__all__" not in record.getMessage()


for _name in ("griffe", "mkdocs.plugins.griffe"):
    logging.getLogger(_name).addFilter(_DynamicAllFilter())


class QsymDocstrings(griffe.Extension):
    """Convert every docstring griffe loads (:func:`convert`)."""

    def on_object(self, *, obj, **kwargs):  # griffe calls it once per loaded object
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value)
