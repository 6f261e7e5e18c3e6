"""``ast.parse`` under one process-wide lock.

CPython before 3.12.4 keeps the recursion depth of the converter from its parser's tree to
Python's ``ast`` objects in state shared by the whole interpreter, so two threads parsing
at the same moment can corrupt it: ``SystemError: AST constructor recursion depth mismatch``
(seen once here on Python 3.11.7, while a loop module was exported beside qsym's
background threads, which parse generated code too). qsym's own parses take this lock; the
parse itself is unchanged.
"""

from __future__ import annotations

import ast
import threading

__all__ = ["parse"]

_LOCK = threading.RLock()


def parse(source, *args, **kwargs) -> ast.AST:
    """``ast.parse(source, *args, **kwargs)``, one thread at a time.

    >>> type(parse("x + 1", mode="eval").body).__name__
    'BinOp'
    """
    with _LOCK:
        return ast.parse(source, *args, **kwargs)
