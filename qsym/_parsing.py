"""``ast.parse`` under one process-wide lock, retried after a race it cannot lock out.

CPython before 3.12.4 keeps the recursion depth of the converter from its parser's tree to
Python's ``ast`` objects in state shared by the whole interpreter, so two threads parsing
at the same moment can corrupt it: ``SystemError: AST constructor recursion depth mismatch``
(seen on Python 3.11.7, while a loop module was exported beside qsym's background threads,
which parse generated code too). qsym's own parses take this lock; parses the lock does not
cover (Python 3.11's ``traceback`` parses source lines to place its carets, in any thread:
a Dask client's, a logger's) can still collide with one, so that error is retried (the
converter starts from a fresh depth at every parse). The parse itself is unchanged.
"""

from __future__ import annotations

import ast

from ._locks import new_rlock

__all__ = ["parse"]

_LOCK = new_rlock()
_ATTEMPTS = 5  # a collision needs another thread to parse inside this parse: rare


def parse(source, *args, **kwargs) -> ast.AST:
    """``ast.parse(source, *args, **kwargs)``, one thread at a time (again if a parse outside
    the lock collided with it).

    >>> type(parse("x + 1", mode="eval").body).__name__
    'BinOp'
    """
    with _LOCK:
        for attempt in range(_ATTEMPTS):
            try:
                return ast.parse(source, *args, **kwargs)
            except SystemError as exc:  # another thread's parse ran inside this one's
                if "recursion depth mismatch" not in str(exc) or attempt == _ATTEMPTS - 1:
                    raise
