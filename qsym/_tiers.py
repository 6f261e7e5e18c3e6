"""Tiers: the first answer of a new circuit without a per-circuit compile.

Every circuit signature has a generated module (:func:`qsym._emit.emit_module`) whose
``prepare`` computes the gate matrices, shifted matrices and chain-rule factors from the
inputs; the kernel library (:mod:`qsym._kernels`, compiled once per machine and cached)
runs the circuits. numba compiling a generated module costs about 1-4 s per circuit (more
on a loaded machine), so a circuit's calls go through three tiers
(:class:`qsym._runtime.Compiled` holds the state):

``python`` (tier 0)
    first, where it runs the program (:mod:`qsym._interp`), a fixed interpreter of the
    lowered program: no text made for the circuit, the same bits (a tiny circuit moves to
    its written-out code below after :data:`TEXT_AFTER_CALLS` calls); else
    the generated ``prepare`` / ``prepare_adjoint`` / batch functions run as plain Python
    (:func:`python_twin`: their source without the ``@njit`` decorators, ``x ** n`` for a
    constant integer ``n`` computed by numba's own repeated squaring) feeding the
    already-compiled kernel entry points (a tiny circuit's value and gradient: its
    written-out fused code, as plain Python). Nothing is compiled for the circuit. The
    numbers are bit for bit those of the compiled path (the same IEEE operations in the
    same order, the same libm functions). Where Python and numba differ (Python raises
    ``ZeroDivisionError``, ``OverflowError`` or a math domain ``ValueError`` where
    numba's ``error_model="numpy"`` gives inf or nan: a singular point of the classical
    processing), that call runs the compiled code instead (compiled here, then the
    circuit stays on the ``module`` tier).
``module``
    the generated module compiled by numba: ``prepare`` then the kernels, two calls.
``fused``
    a small circuit's (``WORK <= qsym._runtime.FUSED_MAX_WORK``) entry points as one
    compiled call each (``fused_*_into``), about 2.5 us less per call.

A circuit starts on tier 0; if its compiled code is already in the disk cache (from an
earlier process), a thread loads it (:func:`load_in_background`: 30-50 ms in a new process,
after the process's first answer) and the calls move to it, so a cached circuit's first
answer is never slower than a new one's. Once its ``prepare``
has run :data:`COMPILE_AFTER_CALLS` times, or has taken :data:`COMPILE_AFTER_SECONDS` of
Python time (the part that compiling removes), the module is compiled **off the caller's
path**: a background Python process (:func:`_worker`) imports the same generated file
from the same cache folder, calls the entry points this circuit has used, so that numba
writes its (signed) cache files, and exits; a thread of this process then loads them and
swaps the circuit to ``fused`` (small circuits) or ``module``. Calls keep running on tier 0
meanwhile, and give the same numbers after the swap.

With the disk cache off (``QSYM_CACHE=0``) or not usable, there is nothing a background
process could hand over: the module is compiled in this process at the threshold (one line
on stderr says so, once per process), and a small circuit is fused after
``qsym._runtime.FUSE_AFTER_CALLS`` more calls.

``QSYM_TIER`` (read when a circuit signature is built) forces a tier: ``python`` never
compiles a circuit (tier 0 for ever), ``compiled`` compiles at the first call (the fused
form for small circuits: the steady state at once, for benchmarks), ``auto`` (the default)
as above.

>>> ipow(3.0, 3), ipow(2.0, -2)
(27.0, 0.25)
"""

from __future__ import annotations

import ast
import atexit
import base64
import contextlib
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import threading
import time
import types
import weakref
from pathlib import Path

import numba
import numpy as np

from ._locks import new_lock, new_rlock
from ._parsing import parse
from ._trace import thread_setting

logger = logging.getLogger("qsym.tiers")

# Promotion thresholds (measured, docs/design.md "Tiers"): tier 0 costs the Python time of
# prepare per call (seed: about 25 us, 12x8 HEA: about 1.5 ms) over the compiled call; a
# circuit called this often is worth the background compile.
COMPILE_AFTER_CALLS = 100
# a tiny circuit's calls move from the interpreter (qsym._interp: no text made for the first
# answer) to its written-out code run as Python after this many calls (measured at load
# 7-9: the seed's gradient 0.86 ms a call on the interpreter with the kernels' Python twins,
# 25 us written out; making and running the text costs about 10 ms once)
TEXT_AFTER_CALLS = 4
COMPILE_AFTER_SECONDS = 0.2
# The promotion clock: the calling thread's CPU time (time.thread_time), the Python work
# that compiling removes. Not wall time: on a loaded machine most of a call's wall time is
# waiting for a core, so a new circuit's first call by the wall reached
# COMPILE_AFTER_SECONDS and made its module's text (10-30 ms of CPU for a 12x8 HEA) before
# it answered, and whether a circuit was promoted depended on the other processes (issue
# #17); by CPU time the same circuit is promoted at the same call on any load.
clock = time.thread_time
MODES = ("auto", "python", "compiled")
# seconds a background compile may take before it is given up (then: compiled here)
WORKER_TIMEOUT = 600.0
# A generated module whose longest function has more lines than this is not compiled when
# tier 0 promotes it (background or here): the circuit stays on tier 0 (the interpreter or
# its text as Python, feeding the compiled kernel library), where it gives the same bits.
# numba's compile time grows faster than a function's length (measured at load ~13, numba
# 0.68, one thread: the gate code of a PSWAP with 2 controls, 263 lines, 2.4 s; with 3
# controls, 1,031 lines, 39 s each for `_q_gate` and `_q_dgate`; with 4, about 4,100 lines:
# a background compile still running after 7 min of CPU, issue #17). Since the gate code
# copies a gate's constant entries from tables (`_emit.constant_entries`), those controlled
# gates' longest functions are 68 lines: what is left over the cap is a gate with hundreds
# of entries that depend on the inputs. Ordinary modules' longest functions: 68-264 lines
# (a 12x8 HEA, the H2 VQE's DoubleExcitation before the tables); a tiny circuit's
# written-out code at most a few hundred. ``qml.compile``, an export and
# ``QSYM_TIER=compiled`` still compile any module (asked for by the user).
COMPILE_MAX_FUNCTION_LINES = 600


def compile_workers() -> int:
    """How many background compile processes may run at once: ``QSYM_COMPILE_WORKERS``,
    else half the CPUs this process may use (at least 1). Each is a Python process with
    numba (about 150 MB) compiling one circuit: a script or test file that makes many
    circuits queues them instead of starting one process per circuit at once (32 on a
    2-core machine were seen, each slowing the others and the caller).

    >>> compile_workers() >= 1
    True
    """
    raw = os.environ.get("QSYM_COMPILE_WORKERS", "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n < 1:
            from .errors import QsymError

            raise QsymError(f"QSYM_COMPILE_WORKERS must be a whole number >= 1, got {raw!r}")
        return n
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, cpus // 2)


_slots: threading.BoundedSemaphore | None = None
_slots_lock = new_lock()


def _compile_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(compile_workers())
        return _slots


def _forget_slots() -> None:
    """In a forked child: the parent's jobs are not running here, so their slots are free."""
    global _slots
    _slots = None  # (_slots_lock is free again in the child: _locks)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_slots)

_warned = False
_warn_lock = new_lock()
# numba work in a background thread (loading a swapped-in module, warming the kernels) must
# not run while the interpreter shuts down (LLVM is torn down then): at exit, wait for the
# one under way and start no other
_load_lock = new_lock()
_exiting = False


@atexit.register
def _at_exit():
    global _exiting
    with _load_lock:
        _exiting = True
    _warm_start.set()  # a warm-up still waiting for the first answer: it ends at once
    _answered.set()
    if _warm_thread is not None:
        _warm_thread.join()


# A fork while a background thread holds _load_lock (loading a swapped-in module, or
# compiling it in that thread after its compile process failed: seconds, under numba's
# compiler lock) gave a child in which the lock, and numba's, stay held by a thread that
# does not exist there: the child's first numba compile and its exit (_at_exit) waited
# forever. A fork therefore waits for the load under way (as it waits for the kernel
# warm-up, _join_warm_up), and the child starts with the lock free (every qsym lock is,
# _locks).
def _before_fork() -> None:
    _load_lock.acquire()


def _after_fork() -> None:
    _load_lock.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork)


def mode() -> str:
    """The tier mode from ``QSYM_TIER``: ``auto`` (default), ``python`` or ``compiled``."""
    value = os.environ.get("QSYM_TIER", "auto").strip().lower() or "auto"
    if value not in MODES:
        from .errors import QsymError

        raise QsymError(f"QSYM_TIER={value!r} is not one of {', '.join(MODES)}; unset it "
                        "for the default (auto)")
    return value


def ipow(a, n):
    """``a ** n`` for a constant integer ``n`` as numba computes it
    (``numba.cpython.numbers.static_power_impl``): repeated squaring, starting from 1.
    Python's ``float ** int`` calls ``pow`` instead, which can differ in the last bit."""
    invert = n < 0
    n = -n if invert else n
    r = 1.0
    while n:
        if n & 1:
            r = r * a
        n >>= 1
        if n:
            a = a * a
    return 1.0 / r if invert else r


def _int_exponent(node):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int):
        return -node.operand.value
    return None


class _NumbaPowers(ast.NodeTransformer):
    """``a ** n`` (``n`` a constant integer) -> ``_q_ipow(a, n)``."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            n = _int_exponent(node.right)
            if n is not None:
                return ast.copy_location(ast.Call(
                    func=ast.Name("_q_ipow", ast.Load()),
                    args=[node.left, ast.Constant(n)], keywords=[]), node)
        return node


class _Table(list):
    """A 1-D table as a list, with the ``shape`` the generated code reads."""

    @property
    def shape(self):
        return (len(self),)


# The generated source imports numba's decorator on this line (qsym.emit); tier 0 runs the
# same text with a decorator that returns the function as it is.
_NJIT_IMPORT = "\nfrom numba import njit\n"
_NJIT_PLAIN = "\nnjit = _q_plain_njit\n"  # the same number of lines: tracebacks agree


def _plain_njit(*args, **kwargs):
    """``@njit`` / ``@njit(...)`` that leave the function plain Python."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda fn: fn


def _twin_file(name: str) -> str:
    return f"<qsym tier 0: {name}>"


def _code(text: str, filename: str, first_line: int = 0, powers: bool = True):
    """``text`` compiled as lines ``first_line + 1, ...`` of ``filename``, with ``x ** n``
    for a constant integer ``n`` computed as numba does (:func:`ipow`) if ``powers``."""
    text = "\n" * first_line + text  # (tracebacks give the module's own line numbers)
    if not powers:
        return compile(text, filename, "exec")
    body = text.split('"""', 2)[-1] if text.startswith('"""') else text
    if "**" in body:  # powers: numba's repeated squaring, not Python's pow()
        return compile(ast.fix_missing_locations(_NumbaPowers().visit(parse(text))),
                       filename, "exec")
    return compile(text, filename, "exec")


def python_code(text: str, filename: str):
    """``text`` compiled by Python as ``filename``, with ``x ** n`` for a constant integer
    ``n`` computed as numba does (:func:`ipow`): what tier 0 runs of generated code.

    >>> ns = {"_q_ipow": ipow}
    >>> exec(python_code("y = 3.0 ** 2", "<example>"), ns); ns["y"]
    9.0
    """
    return _code(text, filename)


_DEF = re.compile(r"def ([A-Za-z_][A-Za-z0-9_]*)\(")


def split_functions(text: str):
    """``(rest, functions)``: the module text's top-level functions (``(name, first line,
    text)``, decorators included) taken out of it, and the rest (blank lines in their
    place, so line numbers stay). A function's text ends at the next line that starts in
    column 0 (a docstring is indented in generated code); ``None`` where that cannot be
    told from the lines (a string literal that would cross the cut): then the text is
    run as a whole."""
    lines = text.split("\n")
    rest = list(lines)
    functions = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not (line.startswith("@") or line.startswith("def ")):
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith("@"):
            j += 1
        m = _DEF.match(lines[j]) if j < len(lines) else None
        if m is None:
            return None
        end = j + 1
        while end < len(lines) and (not lines[end] or lines[end][0] in " \t"):
            end += 1
        chunk = "\n".join(lines[i:end])
        if chunk.count('"""') % 2 or chunk.count("'''") % 2:
            return None
        functions.append((m.group(1), i, chunk))
        rest[i:end] = [""] * (end - i)
        i = end
    return "\n".join(rest), functions


_materialize_lock = new_rlock()


def _lazy_function(ns: dict, name: str, first_line: int, chunk: str, filename: str,
                   powers: bool = True, code=None):
    """A stand-in for the module's function ``name``: its first call compiles the
    function's text into ``ns`` (where it replaces the stand-in, unless something else
    was put there meanwhile: :func:`python_twin`'s ``wrap``) and calls it; later calls
    go straight to it. The same code as compiling the whole text at once, so the same
    bits; the functions a circuit never calls on tier 0 are never compiled. ``code``: a
    callable that gives the function's code object instead (unmarshalled:
    :func:`stored_lazy_exec`)."""
    real = None

    def function(*args, **kwargs):
        nonlocal real
        if real is None:
            with _materialize_lock:
                if real is None:
                    before = ns.get(name)
                    exec(code() if code is not None  # noqa: S102
                         else _code(chunk, filename, first_line, powers), ns)
                    made = ns[name]
                    if before is not function:  # a wrapper: keep it
                        ns[name] = before
                    real = made
        return real(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.lazy_text = chunk
    return function


def python_namespace(source: str, name: str) -> dict:
    """The generated module's source run as plain Python: its constants, tables and
    functions (``@njit`` returns the function unchanged) in a new namespace, with
    ``x ** n`` for a constant integer ``n`` computed as numba does (:func:`ipow`). No
    numba dispatcher, no file (the numba module is loaded by :class:`LazyModule` only when
    something needs it compiled); prepare's element loops as NumPy slice operations
    (:func:`qsym._emit.python_form`: the same bits). Each function is compiled at its first call
    (:func:`_lazy_function`): a first answer compiles only the code it runs."""
    from .errors import QsymError

    if _NJIT_IMPORT not in source:
        raise QsymError(f"generated module {name} does not import numba's njit as qsym.emit "
                        "writes it; regenerate it (qsym cache clear)")
    from ._emit import python_form

    text = python_form(source.replace(_NJIT_IMPORT, _NJIT_PLAIN, 1))
    ns = {"__name__": name, "_q_plain_njit": _plain_njit, "_q_ipow": ipow}
    lazy_exec(text, ns, _twin_file(name))
    return ns


def lazy_exec(text: str, ns: dict, filename: str, powers: bool = True) -> None:
    """Run the module text ``text`` in ``ns`` as ``exec`` would, each top-level function
    compiled at its first call (:func:`split_functions`, :func:`_lazy_function`); with
    ``powers``, ``x ** n`` as numba computes it (:func:`ipow`)."""
    parts = split_functions(text)
    if parts is None:
        exec(_code(text, filename, 0, powers), ns)  # noqa: S102 - qsym's own text
        return
    rest, functions = parts
    for fname, first_line, chunk in functions:
        ns[fname] = _lazy_function(ns, fname, first_line, chunk, filename, powers)
    exec(_code(rest, filename, 0, powers), ns)  # noqa: S102 - qsym's own text


# Python's compile of the text tier 0 runs the same in every process (the kernel twins) is
# kept in the cache folder as a signed blob (qsym._cache.save_blob, kind "code": marshal's
# bytes of each top-level function's code object and of the rest, keyed by the Python
# version, the file name and the text's SHA-256): a new process unmarshals the functions
# it calls instead of compiling them (issue #17: the kernel twins' functions were 1.1-1.6
# ms of compile in the seed's first value of 7-8 ms; split_functions 0.3-0.45 ms more).
CODE_BLOBS = "code"


def stored_lazy_exec(text: str, ns: dict, filename: str, powers: bool = True) -> None:
    """:func:`lazy_exec`, each function's code object (the same one :func:`_code` makes
    from its text, so the same bits) unmarshalled from the cache folder at its first call
    if an earlier process saved them; else every function compiled here (once per
    machine and text) and saved. With the disk cache off (``QSYM_CACHE=0``), or a text
    :func:`split_functions` cannot cut, :func:`lazy_exec` as before.

    >>> ns = {}
    >>> stored_lazy_exec("def f(x): return 2.0 * x", ns, "<example>")
    >>> ns["f"](1.5)
    3.0
    """
    import hashlib

    from . import _cache as cache

    if not cache.enabled():
        lazy_exec(text, ns, filename, powers)
        return
    key = (f"python code\n{code_tag()}\nfile {filename}\npowers {bool(powers)}\n"
           f"text {hashlib.sha256(text.encode()).hexdigest()}")
    table = stored_code(key)
    if table is None:
        table = compile_functions(text, filename, powers)
        if table is None:
            lazy_exec(text, ns, filename, powers)
            return
        save_code(key, table)
    install_code(ns, table)


_code_tag = None


def code_tag() -> str:
    """What a marshalled code object is valid for: this Python (its cache tag and bytecode
    magic number), marshal's format and the SHA-256 of this file, which compiles the code
    kept (:func:`_code`'s powers, :func:`split_functions`' cut: stop 62, a qsym that
    compiles the same text otherwise never reads another's code); part of every key code is
    kept under.

    >>> code_tag().startswith(sys.implementation.cache_tag)
    True
    """
    global _code_tag
    if _code_tag is None:
        import importlib.util
        import marshal

        from . import _cache as cache

        _code_tag = (f"{sys.implementation.cache_tag} {importlib.util.MAGIC_NUMBER.hex()} "
                     f"marshal {marshal.version} compiler {cache.file_digest(__file__)}")
    return _code_tag


def compile_functions(text: str, filename: str, powers: bool = True):
    """``text`` compiled as :func:`stored_lazy_exec` keeps it: ``{"rest": marshal of the
    code of the text without its top-level functions, "functions": {name: marshal of the
    function's code}}`` (each as :func:`_code` compiles it), or None if
    :func:`split_functions` cannot cut the text."""
    import marshal

    parts = split_functions(text)
    if parts is None:
        return None
    rest_text, chunks = parts
    return {"rest": marshal.dumps(_code(rest_text, filename, 0, powers)),
            "functions": {name: marshal.dumps(_code(chunk, filename, first_line, powers))
                          for name, first_line, chunk in chunks}}


def save_code(key: str, table: dict) -> None:
    """Keep :func:`compile_functions`' ``table`` (and any other marshallable entries) in
    the cache folder under ``key`` (a signed blob: :func:`qsym._cache.save_blob`)."""
    import marshal

    from . import _cache as cache

    cache.save_blob(CODE_BLOBS, key, marshal.dumps(table))


def stored_code(key: str):
    """The table :func:`save_code` kept under ``key``, or None (none, damaged, foreign,
    or not of the layout :func:`compile_functions` makes)."""
    import marshal

    from . import _cache as cache

    blob = cache.load_blob(CODE_BLOBS, key)
    if blob is None:
        return None
    try:
        table = marshal.loads(blob)
        functions = table["functions"]
        if (type(table["rest"]) is bytes and isinstance(functions, dict)
                and all(type(v) is bytes for v in functions.values())):
            return table
    except (ValueError, TypeError, EOFError, KeyError):
        pass
    return None


def install_code(ns: dict, table: dict) -> None:
    """Run :func:`compile_functions`' ``table`` in ``ns`` as :func:`lazy_exec` runs the
    text: each function a stand-in (:class:`_StoredFunction`) that unmarshals its code at
    its first call, then the rest."""
    import marshal

    rest = marshal.loads(table["rest"])
    if not isinstance(rest, types.CodeType):
        raise TypeError("not a code object")
    tail, from_text = table.get("tail"), table.get("from_text")
    for name, data in table["functions"].items():
        if tail is not None:
            data = (tail, *data, from_text)
        ns[name] = _StoredFunction(ns, name, data)
    exec(rest, ns)  # noqa: S102 - qsym's own text


def save_code_tail(key: str, table: dict) -> None:
    """:func:`save_code` with the functions' code in the blob's unsigned tail and, in its
    signed part, their names (one string), offsets and lengths (one tuple) and SHA-256 (one
    bytes): few objects to unmarshal (:func:`qsym._cache.save_blob_tail`). A process that
    loads it (:func:`stored_code_tail`) hashes only the functions it runs. ``table``'s
    other entries (strings, lists of strings) are kept in the signed part as they are."""
    import hashlib
    import marshal

    from . import _cache as cache

    names, spans, digests, parts, at = [], [], [], [], 0
    for name, data in table["functions"].items():
        names.append(name)
        spans += [at, len(data)]
        digests.append(hashlib.sha256(data).digest())
        parts.append(data)
        at += len(data)
    head = {k: " ".join(v) if isinstance(v, list) else v for k, v in table.items()
            if k != "functions"}
    head.update(names=" ".join(names), spans=tuple(spans), digests=b"".join(digests))
    cache.save_blob_tail(CODE_BLOBS, key, marshal.dumps(head), b"".join(parts))


def stored_code_tail(key: str, from_text):
    """The table :func:`save_code_tail` kept under ``key`` as :func:`install_code` takes
    it (each function's code checked at its first call; ``from_text(name)``: its code
    compiled from the text instead, if those bytes do not match; the kept lists as lists
    of strings), or None."""
    import marshal

    from . import _cache as cache

    found = cache.load_blob_tail(CODE_BLOBS, key)
    if found is None:
        return None
    data, tail = found
    try:
        head = marshal.loads(data)
        names, spans, digests = head.pop("names").split(), head.pop("spans"), head.pop(
            "digests")
        if not (type(head["rest"]) is bytes and type(spans) is tuple and type(digests) is bytes
                and len(spans) == 2 * len(names) and len(digests) == 32 * len(names)):
            return None
        functions = {name: (spans[2 * i], spans[2 * i + 1], digests[32 * i:32 * i + 32])
                     for i, name in enumerate(names)}
        table = {k: v.split() if type(v) is str else v for k, v in head.items()}
        return dict(table, functions=functions, tail=tail, from_text=from_text)
    except (ValueError, TypeError, EOFError, KeyError, AttributeError):
        return None


class _StandIn:
    """A stand-in for function ``name`` of namespace ``ns``: its first call makes the
    function (``_build``), puts it in ``ns`` in its place (unless something else was put
    there meanwhile, as :func:`_lazy_function` does) and calls it; later calls go to it."""

    __slots__ = ("name", "ns", "real")

    @property
    def __name__(self):  # (the function's, as a closure stand-in had it)
        return self.name

    def __call__(self, *args, **kwargs):
        real = self.real
        if real is None:
            real = self._make()
        return real(*args, **kwargs)

    def _make(self):
        with _materialize_lock:
            if self.real is None:
                real = self._build()
                if self.ns.get(self.name) is self:  # (not a wrapper put there meanwhile)
                    self.ns[self.name] = real
                self.real = real
        return self.real


class _StoredFunction(_StandIn):
    """A stand-in for function ``name`` of a namespace run from marshalled code
    (:func:`install_code`; ``data``: the marshalled code, or ``(tail, offset, length,
    digest, from_text)``, a part of a blob's tail checked against ``digest`` at the first
    call, ``from_text(name)`` giving the code if it does not match): its first call
    unmarshals the function's code object, defines
    the function in ``ns`` (where it replaces the stand-in, unless something else was put
    there meanwhile, as :func:`_lazy_function` does) and calls it. An instance of a small
    class rather than a closure: a namespace makes dozens of them (the kernel twins: 39)."""

    __slots__ = ("data",)
    lazy_text = ""  # (as _lazy_function's stand-ins of stored code)

    def __init__(self, ns: dict, name: str, data: bytes):
        self.ns, self.name, self.data, self.real = ns, name, data, None

    def _build(self):
        import marshal

        data = self.data
        if type(data) is tuple:  # a part of a blob's tail: checked, else from text
            from . import _cache as cache

            tail, offset, length, digest, from_text = data
            part = cache.tail_part(tail, offset, length, digest)
            code = marshal.loads(part) if part is not None else from_text(self.name)
        else:
            code = marshal.loads(data)
        made: dict = {}
        exec(code, self.ns, made)  # noqa: S102 - qsym's own code
        return made[self.name]


class _Rebound(_StandIn):
    """A stand-in for the kernel library's numba function ``value`` (a dispatcher of
    ``g``, the kernels' module namespace) in the kernel twins' namespace ``ns``
    (:func:`_twins_namespace`): its first call (or a look at its code) binds the
    function's ``py_func`` to ``ns`` and puts that function in its place. A new process's
    first answer calls a handful of the library's 151 functions; binding each ahead was
    0.1-0.2 ms of it (a ``FunctionType`` and a first ``py_func`` look apiece, issue #17).
    The same code object and namespace as binding it ahead, so the same bits; a function
    whose ``py_func`` is not of ``g`` (not rebound when the names were listed) is the
    dispatcher itself, as it was then."""

    __slots__ = ("value", "g")

    def __init__(self, ns: dict, name: str, value, g: dict):
        self.ns, self.name, self.value, self.g, self.real = ns, name, value, g, None

    def __getattr__(self, attr):  # (``__code__``, ``__globals__``, ...: the bound function's)
        if attr in ("name", "ns", "real", "value", "g"):  # (a slot not set: no recursion)
            raise AttributeError(attr)
        return getattr(self._make(), attr)

    def _build(self):
        py = getattr(self.value, "py_func", None)
        if py is not None and py.__globals__ is self.g:
            return types.FunctionType(py.__code__, self.ns, py.__name__, py.__defaults__,
                                      py.__closure__)
        return self.value


def is_module_function(value, filename: str) -> bool:
    """``value`` is a function of the generated module run as Python from ``filename``
    (compiled, or a stand-in compiled at its first call)."""
    if not isinstance(value, types.FunctionType):
        return False
    return hasattr(value, "lazy_text") or value.__code__.co_filename == filename


def _is_constant(name: str) -> bool:
    return name[:1].isupper() and name.upper() == name


class LazyModule:
    """A circuit's generated module, loaded only when something needs it compiled.

    Tier 0 needs only the module's plain-Python namespace (:func:`python_namespace`); the
    numba module (the source written to the cache folder, imported, a dispatcher per
    function: 20-80 ms) is made at the first access to anything but its constants
    (``NUM_INPUTS``, ``PROGRAM``, ``WORK``, ...: upper-case names, the same objects the
    numba module would give, as both run the same text): a function, ``__file__``, its
    ``__dict__`` (``vars``). Its owner (:meth:`own`) keeps it in ``sys.modules`` from then
    on, as :func:`qsym._cache.hold` does for a module loaded at once."""

    __slots__ = ("_source", "_name", "_ns", "_mod", "_owner", "_lock", "_disk", "__weakref__")

    def __init__(self, source: str, name: str, ns: dict):
        self._source, self._name, self._ns = source, name, ns
        self._mod = None
        self._disk = None
        self._owner = None
        self._lock = new_lock()

    def __repr__(self):
        return f"<qsym generated module {self._name} ({'loaded' if self._mod else 'not loaded'})>"

    @property
    def __name__(self):
        return self._name

    @property
    def __dict__(self):  # vars(module): the numba module's
        return vars(self.load())

    @property
    def loaded(self) -> bool:
        return self._mod is not None

    def source(self) -> str:
        """The generated module's text."""
        return self._source

    def interpreted(self) -> bool:
        """Its calls run on the interpreter (:class:`qsym._interp.InterpretedModule`), not
        on its text."""
        return False

    @property
    def namespace(self) -> dict:
        """The plain-Python namespace (shared: :func:`python_twin` uses it)."""
        return self._ns

    def own(self, owner) -> None:
        """Keep the numba module in ``sys.modules`` while ``owner`` lives (from its load)."""
        from . import _cache as cache

        with self._lock:
            self._owner = weakref.ref(owner)
            mod = self._mod
        if mod is not None:
            cache.hold(mod, owner)

    def load(self):
        """The numba module (:func:`qsym._cache.load_module`: written, checked, imported)."""
        mod = self._mod
        if mod is not None:
            return mod
        from . import _cache as cache

        with self._lock:
            if self._mod is None:
                mod = cache.load_module(self._source)
                owner = self._owner() if self._owner is not None else None
                if owner is not None:
                    cache.hold(mod, owner)
                self._mod = mod
                logger.debug("%s: numba module loaded", self._name)
            return self._mod

    def on_disk(self) -> bool:
        """The numba module is loaded, or its file was in the cache folder (written by an
        earlier process that compiled it) when first asked (two ``stat`` calls, once)."""
        if self._mod is not None:
            return True
        if self._disk is None:
            from . import _cache as cache

            try:
                self._disk = cache.enabled() and (
                    cache.cache_dir() / f"{self._name}.py").is_file()
            except OSError:
                self._disk = False
        return self._disk

    def folder(self) -> str:
        """The folder the module's file is (or will be) in."""
        if self._mod is not None:
            return os.path.dirname(self._mod.__file__)
        from . import _cache as cache

        return str(cache.cache_dir())

    def __getattr__(self, attr):
        if _is_constant(attr):
            try:
                return self._ns[attr]
            except KeyError:
                pass
        return getattr(self.load(), attr)


def loaded(module):
    """The numba module behind ``module`` (a :class:`LazyModule` is loaded)."""
    return module.load() if isinstance(module, LazyModule) else module


def python_twin(module, source: str, wrap=None) -> types.SimpleNamespace:
    """Plain-Python versions of every function of the generated ``module`` (whose source is
    ``source``): the same code without ``@njit``, calling each other and the module's
    compiled kernel-library imports. ``wrap(name, fn)``, if given, may replace a function
    in the namespace the others call (a counting ``prepare``). Nothing is compiled. A
    :class:`LazyModule`'s namespace is used as it is (made once per build)."""
    if isinstance(module, LazyModule) and module.interpreted():
        return module.twin(wrap)
    name = module.__name__
    if isinstance(module, LazyModule):
        ns = module.namespace
    else:
        ns = python_namespace(source, name)
    here = _twin_file(name)
    raw = {}
    aliases = {}
    for key, value in list(ns.items()):
        if is_module_function(value, here):
            if key == value.__name__:
                raw[key] = value
            else:
                aliases[key] = value.__name__
        # the tables prepare reads element by element: Python lists (a list item costs a
        # third of a NumPy scalar; the same numbers, exactly)
        elif key.startswith("_q_") and isinstance(value, np.ndarray) and value.ndim == 1:
            ns[key] = _Table(value.tolist())
    if wrap is not None:
        for key, fn in raw.items():
            ns[key] = wrap(key, fn)
    twin = {key: ns[key] for key in raw}
    # the module's public aliases of its own functions (gate_entries = _q_gate)
    for key, target in aliases.items():
        twin[key] = ns[target]
    return types.SimpleNamespace(**twin, raw=raw)


def is_python_semantics_error(exc: BaseException) -> bool:
    """True for an exception plain Python raises where numba's compiled code (with
    ``error_model="numpy"``) gives inf or nan: the call must run compiled instead."""
    if isinstance(exc, (ZeroDivisionError, OverflowError)):
        return True
    return isinstance(exc, ValueError) and not str(exc).startswith("qsym:")


def has_cached(module, name) -> bool:
    """True if numba's (signed, checked) disk cache holds the overload of the module's
    entry point ``name`` (``prepare`` or ``fused_<entry point>``) that the runtime calls
    (the argument types of :func:`calls_for`)."""
    if isinstance(module, LazyModule) and not module.on_disk():
        return False  # never written by a process that compiled it: nothing to load
    try:
        x = np.zeros(1)
        (fname, args), = calls_for([name], module, x, x)
        sig = tuple(numba.typeof(a) for a in args)
        return sig in cached_signatures(getattr(module, fname))
    except Exception:  # noqa: BLE001 - no such entry point, another layout: not cached
        return False


def longest_function_lines(source: str) -> int:
    """The most lines of one top-level function of a generated module's text (from its
    ``def`` line to the next line at column 0), what numba's compile time grows with
    fastest (:data:`COMPILE_MAX_FUNCTION_LINES`).

    >>> text = "\\n".join(["x = 1", "def f():", "    a = 1", "    return a", "", "def g():",
    ...                     "    pass"])
    >>> longest_function_lines(text)
    4
    """
    longest = run = 0
    inside = False
    for line in source.splitlines():
        if line[:1] not in ("", " ", "\t", "#"):  # a line at column 0
            if inside:
                longest = max(longest, run)
            inside = line.startswith("def ")
            run = 0
        if inside:
            run += 1
    return max(longest, run) if inside else longest


def too_large_to_compile(source: str) -> str | None:
    """Why a promotion does not compile a module of text ``source`` (its longest function
    is over :data:`COMPILE_MAX_FUNCTION_LINES` lines), or None."""
    n = longest_function_lines(source)
    if n <= COMPILE_MAX_FUNCTION_LINES:
        return None
    return (f"its longest generated function has {n} lines (more than "
            f"qsym._tiers.COMPILE_MAX_FUNCTION_LINES = {COMPILE_MAX_FUNCTION_LINES}: numba "
            "would take minutes)")


def say_compiling_here(why: str) -> None:
    """One line on stderr (once per process): a circuit is compiled on the caller's path."""
    global _warned
    with _warn_lock:
        if _warned:
            return
        _warned = True
    if os.environ.get("QSYM_TIER", "").strip().lower() == "python":  # (as it is set)
        hint = ("QSYM_TIER=python compiles only at such a point: plain Python raises where "
                "the compiled code gives inf or nan")
    else:
        hint = ("set QSYM_TIER=python to run plain Python instead (it compiles only at a "
                "singular point of the classical processing)")
    sys.stderr.write(
        f"qsym: compiling a circuit's generated code in this process (about 1-4 s per "
        f"circuit, once): {why}; {hint}\n")
    sys.stderr.flush()


# --- the background compile --------------------------------------------------------------
def _qsym_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def background_possible(module) -> bool:
    """A background process can compile ``module`` and hand it over through the disk cache:
    the cache is on and the module's file is in the configured cache folder (not in a
    private temporary folder, which the other process would not share)."""
    from . import _cache as cache

    if not cache.enabled():
        return False
    try:
        folder = (module.folder() if isinstance(module, LazyModule)
                  else os.path.dirname(module.__file__))
        here = os.path.realpath(folder)
        return here == os.path.realpath(str(cache.cache_dir())) and here == os.path.realpath(
            str(cache.configured_dir()))
    except Exception:  # noqa: BLE001
        return False


def calls_for(names, module, x, d):
    """``(function name, args)`` calls that make numba compile (or load) the module's
    functions behind ``names`` at the point ``x``, ``d``."""
    n_out, n_in = module.NUM_OUTPUTS, module.NUM_INPUTS
    out = []
    for name in names:
        if name == "prepare":
            out.append(("prepare", (x, d, 1)))
        elif name == "prepare_adjoint":
            out.append(("prepare_adjoint", (x, d)))
        elif name == "batch":
            out.append(("_q_batch_prepare", (x[None, :].copy(), d[None, :].copy(), 1)))
        elif name == "batch_adjoint":
            out.append(("_q_batch_prepare_adjoint", (x[None, :].copy(), d[None, :].copy())))
        elif name == "fused_value":
            out.append(("fused_value_into", (x, d, np.empty(n_out))))
        elif name in ("fused_value_and_grad", "fused_value_and_grad_adjoint"):
            out.append((name + "_into", (x, d, np.empty(n_out), np.empty((n_out, n_in)))))
        elif name in BATCH_CALLS:  # the batch function: its kernel library batch kernel too
            out.append((name, (x[None, :].copy(), d[None, :].copy())))
        elif name in KERNEL_CALLS:
            out.append((name, (x, d)))
    return out


# a circuit's batch functions (each calls ``_q_batch_prepare`` or its adjoint form, then
# the kernel library's batch kernel of the same name): a background compile runs them
BATCH_CALLS = ("batch_value", "batch_value_and_grad", "batch_value_and_grad_adjoint")


# the kernel library entry points a circuit's compiled tier calls after its ``prepare``
# (qsym._runtime.Compiled.value / value_and_grad / value_and_grad_adjoint): a background
# compile runs them too, so that a circuit leaves tier 0 only once they are on disk
KERNEL_CALLS = {"kernel_value": "program_value_into",
                "kernel_grad": "program_value_and_grad_into",
                "kernel_adjoint": "program_value_and_grad_adjoint_into"}


def _kernel_call(module, name, x, d):
    """Run ``module``'s ``prepare`` at ``x``, ``d`` and the kernel library entry point
    ``KERNEL_CALLS[name]`` on what it made (numba compiles or loads that entry point)."""
    from . import _kernels as kernels

    ints, floats = module.PROGRAM
    kernel = getattr(kernels, KERNEL_CALLS[name])
    n_out = module.NUM_OUTPUTS
    out = np.empty(n_out)  # (the runtime's arrays: the same numba signature)
    if name == "kernel_value":
        mats, _, _, C, _, _ = module.prepare(x, d, 0)
        kernel(ints, floats, mats, C, out)
    else:
        prepared = (module.prepare_adjoint(x, d) if name == "kernel_adjoint"
                    else module.prepare(x, d, 1))
        # (mats, shifted or derivative mats, ch, C, cc)
        kernel(ints, floats, *prepared[:5], out, np.empty((n_out, module.NUM_INPUTS)))


def run_calls(module, calls) -> None:
    """Run ``calls`` (:func:`calls_for`), ignoring what a call raises at that point (the
    compile happens before the run)."""
    for fname, args in calls:
        try:
            if fname in KERNEL_CALLS:
                _kernel_call(module, fname, *args)
            else:
                getattr(module, fname)(*args)
        except Exception:  # noqa: BLE001 - a singular point: compiled all the same
            pass


# at most this many (kernel, signature) pairs noted per circuit (a bound, never reached by
# qsym's own calls: a few sampling kernels with one signature each)
KERNEL_SIGS_MAX = 64


# (kernel name, the arguments' kinds: _arg_kind) -> numba's signature of such arguments
_SIGNATURES: dict = {}
_SIGNATURES_MAX = 4096


def _arg_kind(a):
    """What numba's type of the argument ``a`` depends on, found without numba: an array's
    dtype, dimensions, layout and flags, a sequence's items' kinds, else the Python type
    (numba's ``typeof_pyval`` of each argument cost tens of microseconds a kernel call).

    >>> _arg_kind(np.zeros((2, 3))) == _arg_kind(np.ones((4, 5)))
    True
    >>> _arg_kind(np.zeros(2)) == _arg_kind(np.zeros(2, dtype=complex))
    False
    """
    t = type(a)
    if isinstance(a, np.ndarray):  # (a subclass too: its class is part of the kind)
        f = a.flags
        return (t, a.dtype.str, a.ndim, f.c_contiguous, f.f_contiguous, f.writeable,
                f.aligned)
    if t is tuple or t is list:
        return (t, *map(_arg_kind, a))
    if t is int:  # (int64, or uint64 beyond it)
        return (t, -(1 << 63) <= a < (1 << 63))
    return t


def note_kernel_call(sigs: set, name: str, args) -> None:
    """Add ``(name, signature of args)`` to ``sigs``: a kernel library entry point a
    circuit ran as its plain-Python twin on tier 0 (its sampled answers, second
    derivatives), which its background compile then compiles (:func:`compile_kernels`)
    so that the compiled tiers, which call compiled kernels, load it instead of compiling
    it in the caller (issue #17). numba's signature of arguments of kinds seen before
    (:func:`_arg_kind`) is remembered, not asked of numba at every call."""
    if len(sigs) >= KERNEL_SIGS_MAX:
        return
    key = (name, tuple(map(_arg_kind, args)))
    sig = _SIGNATURES.get(key)
    if sig is None:
        from . import _kernels as kernels

        disp = getattr(kernels, name)
        sig = tuple(disp.typeof_pyval(a) for a in args)
        if len(_SIGNATURES) < _SIGNATURES_MAX:
            _SIGNATURES[key] = sig
    sigs.add((name, sig))


def compile_kernels(sigs) -> None:
    """Compile (or load from numba's disk cache) each ``(name, signature)`` of the kernel
    library (:func:`note_kernel_call`); one that fails is skipped (it compiles at its call,
    as before)."""
    from . import _kernels as kernels

    for name, sig in sigs:
        try:
            getattr(kernels, name).compile(sig)
        except Exception as exc:  # noqa: BLE001 - compiled at its call instead
            logger.debug("kernel %s%s not compiled ahead: %s", name, sig, exc)


def _worker() -> None:
    """The background process: read ``{"source", "names", "x", "d", "modules", "kernels"}``
    (JSON) from stdin, load the module from the cache (:func:`qsym._cache.load_module`
    checks and signs everything as in the parent) and call its entry points, so numba
    compiles them and writes its cache files; compile the kernel library overloads in
    ``kernels`` (:func:`compile_kernels`, from the parent's pickle); then load each of ``modules`` (sources of modules that import
    it: an optimization loop, :mod:`qsym._minimize`) and call its ``_q_compile()``."""
    from . import _cache as cache

    job = json.loads(sys.stdin.read())
    if job["source"]:  # (none: kernel library signatures only, request_kernel_compile)
        module = cache.load_module(job["source"])
        x = np.array(job["x"], dtype=np.float64)
        d = np.array(job["d"], dtype=np.float64)
        run_calls(module, calls_for(job["names"], module, x, d))
        if any(name in KERNEL_CALLS for name in job["names"]):
            _compile_bundles()
    if job.get("kernels"):  # the kernel library overloads its sampled answers ran as twins
        compile_kernels(pickle.loads(base64.b64decode(job["kernels"])))
    for source in job.get("modules", ()):  # modules that import it: their _q_compile()
        cache.load_module(source)._q_compile()


def _compile_bundles() -> None:
    """The cell bundles of the entry points this process ran (:mod:`qsym._cell_bundles`:
    compiled here, in a background compile, once a machine; loaded after), so that a
    machine where ``qsym warmup`` never ran gets them too."""
    from . import _cell_bundles as bundles

    try:
        bundles.compile_bundles()
    except Exception:  # noqa: BLE001 - the bundles only save time: each kernel loads alone
        logger.debug("cell bundles not compiled", exc_info=True)


class Job(threading.Thread):
    """A background compile of ``entry``'s module: a Python process, then ``done(ok, err)``
    called in this (daemon) thread. ``modules``: sources of further modules that import
    the module, each compiled by its ``_q_compile()`` after the module's ``names``
    (:func:`_worker`)."""

    def __init__(self, module, source, names, x, d, done, modules=(), kernel_sigs=(),
                 folder=None):
        super().__init__(name=f"qsym compile {module.__name__ if module else 'kernels'}",
                         daemon=True)
        self.payload = json.dumps({"source": source, "names": list(names),
                                   "x": np.asarray(x, dtype=float).tolist(),
                                   "d": np.asarray(d, dtype=float).tolist(),
                                   "modules": list(modules),
                                   "kernels": base64.b64encode(pickle.dumps(
                                       list(kernel_sigs))).decode() if kernel_sigs else ""})
        self.folder = (folder if module is None else module.folder()
                       if isinstance(module, LazyModule) else os.path.dirname(module.__file__))
        self.done = done
        self.returncode = None
        self.slots = _compile_slots()  # here: a bad QSYM_COMPILE_WORKERS raises in the caller
        self.proc = None  # the compile process, once started
        self.cancelled = False

    def cancel(self):
        """Stop the compile process and hand nothing over: the circuit stays on the tier it
        is on (nothing is compiled here in its place). For a caller that knows the circuit
        will not be called again (the test suite, when the test that promoted it ends)."""
        self.cancelled = True
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def run(self):
        with self.slots:  # queued behind the other circuits' compiles
            if _exiting:
                return
            self._run()

    def _run(self):
        env = dict(os.environ)
        env["QSYM_CACHE_DIR"] = self.folder
        env["QSYM_CACHE"] = "1"
        env["QSYM_TIER"] = "compiled"
        env["QSYM_WARMUP"] = "0"
        root = _qsym_root()
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"]
                                    if env.get("PYTHONPATH") else "")
        err = b""
        try:
            if self.cancelled:  # cancelled before it started
                return
            proc = self.proc = subprocess.Popen(
                [sys.executable, "-c", "from qsym._tiers import _worker; _worker()"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env=env, cwd=root)
            if self.cancelled:  # cancelled while it started
                proc.kill()
            try:
                _, err = proc.communicate(self.payload.encode(), timeout=WORKER_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            self.returncode = proc.returncode
        except OSError as exc:
            err = str(exc).encode()
        except Exception as exc:  # (anything else: a failed compile, reported, not lost)
            self.returncode = None
            err = f"{type(exc).__name__}: {exc}".encode()
        with _load_lock:
            if not _exiting and not self.cancelled:
                self.done(self.returncode == 0, err.decode(errors="replace")[-2000:])


def maybe_cached(module) -> bool:
    """The generated module's file is in the cache folder: an earlier process compiled
    it (a file is written only then), so numba's disk cache may hold its compiled code
    (:func:`has_cached` says which entry points; it loads the numba module)."""
    return isinstance(module, LazyModule) and module.on_disk()


def load_in_background(module, names, x, d, done) -> threading.Thread:
    """A daemon thread that loads ``module``'s compiled entry points ``names`` (a list, or
    a function called in the thread that returns it) from numba's disk cache
    (:func:`calls_for` at ``x``, ``d``; :func:`run_calls`) and then calls ``done()``. It waits for the process's first answer first (or
    :data:`WARM_DELAY`: numba's loading holds the GIL for part of its work, and beside a
    first answer it slowed it down), and does nothing once the interpreter is exiting."""

    def run():
        _warm_start.wait(WARM_DELAY)
        with _load_lock:
            if _exiting:
                return
            wanted = names() if callable(names) else names
            run_calls(module, calls_for(wanted, module, x, d))
        done()

    thread = threading.Thread(target=run, name=f"qsym load {module.__name__}", daemon=True)
    thread.start()
    return thread


# --- the kernel library, loaded in the background --------------------------------------------
# A new process loads each kernel entry point's compiled code from numba's disk cache at its
# first call (and numba's runtime, NRT, is compiled once per process): measured 0.3-0.4 s
# before the first value of the first circuit. A thread started when qsym is imported loads
# them while the user's code (and the first trace) runs; LLVM's work releases the GIL.
# QSYM_WARMUP=0 turns it off. It waits for the process's first answer (or WARM_DELAY
# seconds): loading holds numba's compiler lock and part of it the GIL, and the first answer
# of a tiny circuit needs no kernel at all (its tier 0 is written-out Python): warming
# beside it made the seed's first gradient 95-127 ms instead of 36-42 ms (issue #17).
WARM_DELAY = 2.0
_warm_start = threading.Event()
WARM_KERNELS = ("program_value_and_grad_into", "program_value_into",
                "program_value_and_grad_adjoint_into",
                "program_state")
# Woken before the first answer (kernels_needed_soon: a circuit whose first answer needs a
# compiled kernel), the warm-up loads only that kernel, then waits for the answer before
# loading the others: each costs a further 10-20 ms of CPU, and the 12x8 HEA's first
# parameter-shift gradient paid all four (issue #17).
_answered = threading.Event()  # the process's first answer (first_answer)
_needed_first: str | None = None  # the kernel that answer waits for (kernels_needed_soon)
# the parallel parameter shift (numba's threads): a large circuit's first answer on tier 0
# runs the serial kernel (Compiled.value_and_grad), the warm-up loads this one and
# launches numba's threads after it (kernels_needed_soon)
_needed_later: str | None = None
_warm_thread: threading.Thread | None = None
_warm_lock = new_lock()


def cached_signatures(disp) -> list:
    """The signatures numba's disk cache index lists for this machine for the dispatcher
    ``disp`` (none if it is not a cached dispatcher or its index cannot be read)."""
    try:
        magic = disp.targetctx.codegen().magic_tuple()
        return [key[0] for key in disp._cache._cache_file._load_index() if key[1] == magic]
    except Exception:  # noqa: BLE001 - no usable cache (QSYM_CACHE=0, ...): nothing cached
        return []


def _warm_kernels() -> None:
    """Load the cached overloads of :data:`WARM_KERNELS` (only those numba's index lists for
    this machine: nothing is compiled that was not compiled before)."""
    from . import _cache as cache

    _warm_start.wait(WARM_DELAY)
    first = _needed_first
    if first is not None and not _answered.is_set():
        _load_cached(first)  # (the first answer's kernel; the others once it is given)
        _answered.wait(WARM_DELAY)
    cache.start_touching()  # (the files the first answer read: marked as used from here)
    for name in WARM_KERNELS:
        if _exiting:
            return
        _load_cached(name)
    later = _needed_later
    if later is not None and not _exiting:
        _load_cached(later)
        try:
            launch_threads()
        except Exception:  # noqa: BLE001 - the first parallel call will say what is wrong
            logger.debug("launching numba's threads failed", exc_info=True)


def _load_cached(name: str) -> None:
    """Load the cached overloads of kernel library entry point ``name`` that numba's index
    lists for this machine (nothing is compiled), and the kernels its code calls through
    the library's cells (``kernels.cells_reached``: loaded at the first call otherwise, on
    the caller's thread), each whose call tree's kernels are all cached and load. Nothing
    is compiled (a cache file refused, damaged or gone: the caller runs the twin,
    :func:`_load_without_compiling`)."""
    from . import _cache as cache
    from . import _kernels as kernels

    _fill_from_bundle(name)  # (before the entry point: its first call finds them filled)
    disp = getattr(kernels, name, None)
    for sig in cached_signatures(disp):
        if _exiting:
            return
        if not cache.load_compiled_only(disp, sig):  # (never compiled here: stop 69)
            logger.debug("warming %s%s: its cache file did not load", name, sig)
    for callee in kernels.cells_reached(name):
        tree = [callee] + kernels.cells_reached(callee)
        if _exiting or kernels.CELLS[callee].value or not all(
                kernels.CELL_SIGNATURES[k] in cached_signatures(getattr(kernels, k))
                for k in tree):
            continue
        try:
            if all([cache.load_compiled_only(getattr(kernels, k), kernels.CELL_SIGNATURES[k])
                    for k in tree]):  # (a file that does not load: the call's twin runs)
                kernels.fill_own_cell(callee)
        except Exception:  # noqa: BLE001 - the first call will say what is wrong
            logger.debug("warming %s failed", callee, exc_info=True)


def _fill_from_bundle(name: str) -> None:
    """Fill the cells entry point ``name`` calls through from its cell bundle, one library
    for all of them (:mod:`qsym._cell_bundles`: 4-5 ms of CPU where each loaded alone
    cost the 12x8 HEA's first gradient about 9), if numba's index lists it for this machine
    and its file loads (nothing is compiled: without it, each is loaded alone as before)."""
    from . import _cell_bundles as bundles
    from . import _kernels as kernels

    if name not in bundles.BUNDLED or all(kernels.CELLS[c].value for c in bundles.members(name)):
        return
    made = bundles.bundle(name)
    if _exiting or bundles.SIGNATURE not in cached_signatures(made):
        return
    try:
        bundles.fill_cells(name, load_only=True)
    except Exception:  # noqa: BLE001 - each kernel is loaded alone then, as before
        logger.debug("the cell bundle of %s failed", name, exc_info=True)


def warm_kernels_in_background() -> threading.Thread | None:
    """Start :func:`_warm_kernels` in a daemon thread, once per process (not with
    ``QSYM_WARMUP=0``); a fork waits for it (numba's compiler lock must not be held)."""
    global _warm_thread
    with _warm_lock:
        if _warm_thread is not None or os.environ.get("QSYM_WARMUP", "1").strip().lower() in (
                "0", "false", "no", "off"):
            return _warm_thread
        thread = threading.Thread(target=_warm_kernels, name="qsym kernel warm-up",
                                  daemon=True)
        thread.start()  # started before it is published: another thread may join it
        _warm_thread = thread
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_join_warm_up)
    return thread


def _join_warm_up() -> None:
    _answered.set()
    _warm_start.set()
    _warm_thread.join()


def answered() -> bool:
    """The process has had its first answer (:func:`first_answer`)."""
    return _answered.is_set()


def first_answer() -> None:
    """The process has its first answer: the kernel warm-up may start now
    (:func:`warm_kernels_in_background`; called by :func:`qsym._executors.count`), and
    the cache folder's files it read be marked as used (:func:`qsym._cache.start_touching`:
    by the warm-up thread when there is one, off the first answer's path)."""
    _answered.set()
    _warm_start.set()
    if _warm_thread is None:
        from . import _cache as cache

        cache.start_touching()


# --- the kernel library before its compiled code is loaded (issue #17) ------------------------
# Loading the kernels' cached code costs a new process 60-100 ms of CPU (numba's array
# support imported, its runtime compiled, the object code linked: the largest part of a
# small circuit's first answer, and it waits for the warm-up thread). Until the warm-up
# thread has loaded an entry point, a circuit whose kernel call is cheap in Python runs it
# as plain Python: the kernel library's own functions (their py_func, calling each other)
# with the NumPy twins of the loops over the state (qsym._aot_numpy, the exported modules'
# first tier): the same arithmetic in the same order, so the same bits
# (tests/test_tiers.py::test_kernel_twins_give_the_kernels_bits, tests/test_aot.py).
KERNEL_TWINS = Path(__file__).with_name("kernel_twins.json")
# estimated seconds of a kernel call in Python, per op run and per amplitude of an op run
# (fitted on 4- and 12-wire HEAs, load 2): a call estimated above TWIN_MAX_SECONDS waits
# for the compiled code instead (a 12x8 HEA's parameter-shift gradient: about 0.5 s in
# Python against 0.1 s to load the kernel and run it)
TWIN_OP_SECONDS = 5e-6
TWIN_AMPLITUDE_SECONDS = 6e-9
TWIN_MAX_SECONDS = 0.05
# an op whose kernel has no NumPy twin (Toffoli, CZ, MultiRZ, PauliRot, gates on 3+ wires):
# its plain-Python loop over the state, per amplitude
TWIN_LOOP_SECONDS = 1e-6
_twins: dict | None = None
_twins_lock = new_lock()  # free again in a forked child (_locks): _twins is published whole
twin_calls = 0  # kernel calls run as Python in this process (for tests)


def kernel_twins_digest(source: str = "") -> str:
    """SHA-256 of what :data:`KERNEL_TWINS` is made from (the kernel library, its NumPy
    twins and :func:`ipow`) and of the plain-Python ``source`` it holds: a file made from
    other sources, or whose source was edited after it was made (a hand edit, a merge
    that took one side's digest and the other's source), is not used. It detects
    accidents, not an attacker who can write qsym's folder (and so its code)."""
    import hashlib

    from . import _cache as cache

    h = hashlib.sha256()
    for name in ("_kernels.py", "_aot_numpy.py"):  # (their SHA-256: cache.file_digest)
        h.update(cache.file_digest(Path(__file__).with_name(name)).encode())
    # ipow's code, not its source text (inspect.getsource costs a new process about 7 ms)
    code = ipow.__code__
    h.update(repr((code.co_code, code.co_consts, code.co_names, code.co_varnames)).encode())
    h.update(source.encode())
    return h.hexdigest()


def _kernel_twins() -> dict:
    """The plain-Python kernel library (built once; ``{}`` if the shipped twins are missing
    or not made from these sources: then every kernel call runs compiled, as before)."""
    global _twins
    if _twins is not None:
        return _twins
    with _twins_lock:
        if _twins is None:
            from . import _kernels as kernels

            try:
                ns = _twins_namespace(kernels)
                # large states: the adjoint steps' faster forms (qsym._aot_numpy's
                # FAST_STEPS, not bit for bit) in place of the exact twins they fall
                # back to below their wire count
                for name, (fast, exact) in ns.get("FAST_STEPS", {}).items():
                    ns[exact] = ns[name]
                    ns[name] = ns[fast]
            except Exception as exc:  # noqa: BLE001 - no twins: the compiled kernels
                logger.debug("kernel twins not used: %s", exc)
                ns = {}
            _twins = ns
    return _twins


def _twins_key() -> str | None:
    """The cache folder's key of the kernel twins' code (:func:`_twins_namespace`), or
    None with the disk cache off: the Python it is compiled for, and the SHA-256 of the
    shipped twins file and of every source its digest covers (:func:`kernel_twins_digest`;
    all four read from the digest memo, :func:`qsym._cache.file_digest`). A blob is kept
    under it only after that file passed its digest check, so a stale or edited file
    never matches one: it is read and checked as before."""
    from . import _cache as cache

    if not cache.enabled():
        return None
    return (f"kernel twins\n{code_tag()}\nfile {KERNEL_TWINS}\n"
            f"{cache.file_digest(KERNEL_TWINS)}\n{kernel_twins_digest()}")


def _twins_namespace(kernels) -> dict:
    """The kernel library's namespace with each numba function's ``py_func`` bound to it
    and the twins' code run in it. From the cache folder when an earlier process kept it
    (:func:`_twins_key`: its code objects and the names to rebind, each bound at its first
    call, :class:`_Rebound`; no JSON parsed and no text hashed); else :data:`KERNEL_TWINS` read, its digest checked (``ValueError`` if it
    is not made from these sources), run, and kept for the next processes."""
    g = vars(kernels)
    key = _twins_key()
    table = stored_code_tail(key, _twin_from_text) if key is not None else None
    names = table.get("rebind") if table is not None else None
    if isinstance(names, list) and all(type(n) is str for n in names):
        ns = dict(g)
        for name in names:  # (each bound at its first call: _Rebound)
            value = g.get(name)
            if value is not None:
                ns[name] = _Rebound(ns, name, value, g)
        install_code(ns, table)
        return ns
    table = json.loads(KERNEL_TWINS.read_text())
    source = table["source"]
    if not isinstance(source, str) or table.get("digest") != kernel_twins_digest(source):
        raise ValueError("made from other sources, or edited since")
    ns = dict(g)
    names = []
    for name, value in g.items():
        py = getattr(value, "py_func", None)
        if py is not None and py.__globals__ is g:
            ns[name] = types.FunctionType(py.__code__, ns, py.__name__, py.__defaults__,
                                          py.__closure__)
            names.append(name)
    code = compile_functions(source, str(KERNEL_TWINS), powers=False) if key else None
    if code is None:  # (the disk cache off: each function compiled at its first call)
        lazy_exec(source, ns, str(KERNEL_TWINS), powers=False)
        return ns
    save_code_tail(key, dict(code, rebind=names))
    install_code(ns, code)
    return ns


def _twin_from_text(name: str):
    """The code of the twins' function ``name`` compiled from :data:`KERNEL_TWINS`' text
    (checked against its digest, as :func:`_twins_namespace` checks it): what a kept
    blob gave, for a blob whose bytes for it do not match their signed digest."""
    table = json.loads(KERNEL_TWINS.read_text())
    source = table["source"]
    if not isinstance(source, str) or table.get("digest") != kernel_twins_digest(source):
        raise ValueError("kernel twins made from other sources, or edited since")
    for fname, first_line, chunk in split_functions(source)[1]:
        if fname == name:
            return _code(chunk, str(KERNEL_TWINS), first_line, False)
    raise KeyError(name)


def kernel_twins() -> dict:
    """The plain-Python kernel library by name (:func:`_kernel_twins`: built once per
    process; ``{}`` if the shipped twins are not usable). Building it saves its compiled
    code in the cache folder (:func:`_twins_namespace`): ``qsym warmup`` calls it so that
    the next processes load that code."""
    return _kernel_twins()


def _warm_up_pending() -> bool:
    """The warm-up thread will load the kernels' cached code (it has not finished)."""
    return _warm_thread is not None and _warm_thread.is_alive()


# how often a deferred kernel (nothing on disk) looks again for compiled code on disk
ON_DISK_RECHECK_SECONDS = 1.0
_on_disk_seen: dict = {}  # kernel name -> (monotonic time of the look, found)


def kernel_on_disk(name: str) -> bool:
    """numba's cache index lists compiled code of kernel library entry point ``name`` for
    this machine (loading it costs milliseconds, not a compile). Looked up at most every
    :data:`ON_DISK_RECHECK_SECONDS` per name (another process may write it meanwhile: a
    circuit's background compile, ``qsym warmup``)."""
    from . import _kernels as kernels

    now = time.monotonic()
    seen = _on_disk_seen.get(name)
    if seen is not None and (seen[1] or now - seen[0] < ON_DISK_RECHECK_SECONDS):
        return seen[1]
    found = bool(cached_signatures(getattr(kernels, name))) and cells_ready(name)
    _on_disk_seen[name] = (now, found)
    return found


def cells_ready(name: str) -> bool:
    """The kernels that kernel library entry point ``name``'s code calls through the
    library's cells (``kernels.cells_reached``) are each filled in this process or on disk
    (:func:`kernel_on_disk`): else its first call fills them, compiling them in the
    caller's thread (an entry point cached, a callee not: numba's cache files of one
    deleted, or written by an older qsym)."""
    from . import _kernels as kernels

    return all(kernels.CELLS[c].value or kernel_on_disk(c) for c in kernels.cells_reached(name))


_compiling_on_call = threading.local()  # .on: kernel_compiles_on_call() is active here


@contextlib.contextmanager
def kernel_compiles_on_call():
    """Inside (this thread), a tier-0 call of a kernel library entry point that is not
    loaded runs the compiled code (loaded, or compiled if it is not on disk) instead of its
    twin: ``qsym warmup`` compiles the library through a circuit's tier-0 calls."""
    with thread_setting(_compiling_on_call, "on", True):
        yield


class _Kernels:
    """The kernel library's entry points as the runtime calls them: the compiled
    dispatcher once this process has loaded it (from then on a plain attribute), or, while
    the warm-up thread has not, the entry point's plain-Python twin (the same bits).

    ``defer`` (:data:`KERNELS`, a circuit on tier 0): an entry point with no compiled code
    loaded *or on disk* (a new machine, a new qsym) also runs as its twin rather than make
    the caller wait 10-60 s for numba; the circuit's background compile compiles it
    (:func:`calls_for`'s ``kernel_*`` calls) before the circuit leaves tier 0; so does one
    loaded whose cells' kernels are neither filled nor on disk (:func:`cells_ready`). Without
    ``defer`` (:data:`COMPILED_KERNELS`, the compiled tiers) such a call compiles it, as a
    compiled tier must not run Python kernels."""

    def __init__(self, defer: bool):
        self._defer = defer

    def __getattr__(self, name):
        from . import _kernels as kernels

        disp = getattr(kernels, name)
        if getattr(_compiling_on_call, "on", False) or not hasattr(disp, "overloads"):
            # (qsym warmup, this thread only: compiled at the call; or numba's JIT turned
            # off, NUMBA_DISABLE_JIT=1: the kernel is its Python function)
            return disp
        if (disp.overloads or not (
                _warm_up_pending() or (self._defer and not kernel_on_disk(name)))) and not (
                self._defer and not cells_ready(name)):
            # loaded, or loaded on this call as before; tier 0: a new signature is not
            # compiled here (_Guarded)
            fn = _Guarded(disp, name) if self._defer else disp
            setattr(self, name, fn)
            return fn
        twin = _kernel_twins().get(name)
        if twin is None:
            return disp
        return _counted_twin(twin)


def _counted_twin(fn):
    def call(*args):
        global twin_calls
        twin_calls += 1
        return fn(*args)

    call.twin = True  # (a Python kernel: its time is on a circuit's promotion clock)
    return call


KERNELS = _Kernels(defer=True)
COMPILED_KERNELS = _Kernels(defer=False)

# --- a loaded kernel called with a new signature (issue #17) ---------------------------------
# The library calls each kernel with one signature (qsym._kernels: constants as np.int64,
# ...), but a kernel with compiled code in this process, called on tier 0 with argument
# types it has not compiled (an integer dtype, a layout or a read-only array no earlier
# call had), would compile at the call, in the user's thread: seconds. _Guarded runs such a
# call as the kernel's plain-Python twin (the same bits) and has a background process
# compile that signature into numba's disk cache (:func:`request_kernel_compile`); a later
# call loads it (milliseconds).
_kernel_jobs: dict = {}  # (kernel name, numba signature) -> "running", "done", "failed", "python"
_kernel_jobs_lock = new_lock()
_sig_seen: dict = {}  # (kernel name, signature) -> (monotonic time of the look, on disk)


def _signature_on_disk(name: str, disp, sig) -> bool:
    """numba's cache index lists ``sig`` of kernel ``name`` for this machine (looked up at
    most every :data:`ON_DISK_RECHECK_SECONDS` per signature, as :func:`kernel_on_disk`)."""
    now = time.monotonic()
    seen = _sig_seen.get((name, sig))
    if seen is not None and (seen[1] or now - seen[0] < ON_DISK_RECHECK_SECONDS):
        return seen[1]
    found = sig in cached_signatures(disp)
    _sig_seen[(name, sig)] = (now, found)
    return found


def request_kernel_compile(name: str, sig) -> bool:
    """Have a background process compile kernel ``name`` for ``sig`` into numba's disk
    cache (once per process and signature; :class:`Job` without a circuit module, queued
    behind the other compiles). True if the caller may run the twin meanwhile; False if
    it must compile here, as before: ``QSYM_TIER=compiled``, the disk cache off or not
    the configured folder (nothing to hand over), or that background compile failed or
    finished without writing the signature (the caller asks only when it is not on disk).
    ``QSYM_TIER=python`` compiles nothing: the twin runs (True)."""
    from . import _cache as cache

    key = (name, sig)
    with _kernel_jobs_lock:
        state = _kernel_jobs.get(key)
        if state is not None:
            # "done": the caller found the signature still not on disk, so the background
            # process (which exits 0 when a kernel signature fails to compile) wrote nothing:
            # compiled here (loaded, if it was written meanwhile), not the twin at every call
            return state in ("running", "python")
        how = mode()
        if how == "python":
            _kernel_jobs[key] = "python"
            return True
        try:
            folder = os.path.realpath(str(cache.cache_dir()))
            usable = (how == "auto" and cache.enabled()
                      and folder == os.path.realpath(str(cache.configured_dir())))
        except Exception:  # noqa: BLE001 - no cache folder: compiled here
            usable = False
        if not usable:
            return False
        _kernel_jobs[key] = "running"

    def done(ok, err):
        with _kernel_jobs_lock:
            _kernel_jobs[key] = "done" if ok else "failed"
        _sig_seen.pop(key, None)  # look at the disk again at the next call
        if not ok:
            logger.warning("background compile of kernel %s%s failed (compiled at its next "
                           "call instead): %s", name, sig, err)

    try:
        Job(None, "", (), (), (), done, kernel_sigs=[key], folder=folder).start()
    except Exception:  # noqa: BLE001 - (a bad QSYM_COMPILE_WORKERS raises here)
        with _kernel_jobs_lock:
            _kernel_jobs.pop(key, None)
        raise
    return True


def _load_without_compiling(name: str, sig) -> list:
    """Load kernel library entry point ``name``'s compiled code for the argument types
    ``sig`` and that of the kernels its code calls through the library's cells (from their
    bundle, else each alone: ``kernels.cells_reached``) from numba's disk cache, compiling
    nothing, and fill those cells if every one loaded. The ``(kernel, signature)`` pairs
    that did not load (a cache file refused, damaged or gone): empty when a call runs
    compiled code only. numba's own load compiles when its file does not load: a damaged
    file of the entry point made a first gradient compile it in the caller's thread (4.8 s
    where 0.07 s is expected: stop 69), a cell's kernel would be compiled at the call."""
    from . import _cache as cache
    from . import _kernels as kernels

    _fill_from_bundle(name)  # (its cells' kernels first: the entry point's call fills them)
    callees = [c for c in kernels.cells_reached(name) if not kernels.CELLS[c].value]
    missing = [(c, kernels.CELL_SIGNATURES[c]) for c in callees if not cache.load_compiled_only(
        getattr(kernels, c), kernels.CELL_SIGNATURES[c])]
    if not cache.load_compiled_only(getattr(kernels, name), sig):
        missing.append((name, sig))
    if not missing:
        for callee in callees:  # (callees first: each loaded, nothing compiled)
            kernels.fill_own_cell(callee)
    return missing


def loads_without_compiling(name: str) -> bool:
    """Whether a call of kernel library entry point ``name`` through its dispatcher runs
    code this process has without compiling: each signature it has loaded, or else that
    numba's index lists, loaded with the kernels its cells reach
    (:func:`_load_without_compiling`). False when one did not load (a cache file refused,
    damaged or gone): a background process compiles it (:func:`request_kernel_compile`)
    and the caller takes another path (the parallel parameter shift: the serial kernel).
    True, as before, when nothing is loaded or listed."""
    from . import _kernels as kernels

    disp = getattr(kernels, name)
    missing = []
    for sig in list(disp.overloads) or cached_signatures(disp):
        missing += _load_without_compiling(name, sig)
    for kernel, sig in missing:
        request_kernel_compile(kernel, sig)
    return not missing


def _twin_meanwhile(name: str, missing):
    """Kernel library entry point ``name``'s plain-Python twin (the same bits) if each
    ``(kernel, signature)`` of ``missing`` (not loaded: :func:`_load_without_compiling`) is
    compiled by a background process meanwhile (:func:`request_kernel_compile`), else None:
    the caller compiles here, as before (``QSYM_TIER=compiled``, no usable disk cache, that
    compile done without writing a file that loads)."""
    twin = _kernel_twins().get(name)
    if twin is None or not all([request_kernel_compile(k, s) for k, s in missing]):
        return None
    return twin


class _Guarded:
    """A kernel library entry point with compiled code in this process, as tier 0 calls
    it (:data:`KERNELS`): arguments of a signature it has compiled, or that numba's disk
    cache holds for this machine (loaded at the call), run compiled; a new signature runs
    the plain-Python twin while :func:`request_kernel_compile` compiles it elsewhere."""

    __slots__ = ("disp", "name", "known")
    twin = False  # (compiled code; a twin's call is counted by twin_calls)

    def __init__(self, disp, name):
        self.disp, self.name, self.known = disp, name, set()

    def __call__(self, *args):
        key = tuple(map(_arg_kind, args))
        if key in self.known:
            return self.disp(*args)
        return self._new(key, args)

    def __getattr__(self, attr):  # (the dispatcher's attributes: overloads, py_func, ...)
        return getattr(self.disp, attr)

    def _new(self, key, args):
        global twin_calls
        disp = self.disp
        sig = tuple(disp.typeof_pyval(a) for a in args)
        if sig in disp.overloads or _signature_on_disk(self.name, disp, sig):
            missing = _load_without_compiling(self.name, sig)
        else:
            missing = [(self.name, sig)]
        twin = _twin_meanwhile(self.name, missing) if missing else None
        if twin is not None:
            twin_calls += 1
            return twin(*args)
        out = disp(*args)  # compiled, loaded now, or compiled here (no background)
        if sig in disp.overloads:
            self.known.add(key)
        return out



# --- the compiled kernels called without numba's typing (issue #17) ---------------------------
# numba's dispatcher types every argument of a call; the first ndarray it types in a process
# imports numpy.ma (its ndarray typing rejects masked arrays by name): 7-15 ms of CPU in the
# first answer of a circuit too large for the twins (the 12x8 HEA's first parameter-shift
# gradient), which passes only plain arrays. A call whose arguments are all plain arrays
# has exactly one numba type for each, known without numba: its overload is called by its
# compiled entry point, as the dispatcher would call it (qsym._runtime's short path calls
# the seed's entry point so).
_PLAIN_FLAGS = 0x0001 | 0x0100 | 0x0400  # ndarray.flags.num: C-contiguous, aligned, writeable


def plain_signature(args):
    """numba's signature of ``args`` if every one is a plain array (exactly ``ndarray`` of
    a native numeric dtype, C-contiguous, aligned and writeable: typed
    ``Array(dtype, ndim, "C")``), else None.

    >>> import numba
    >>> a, b = np.zeros(3), np.zeros((2, 2), dtype=complex)
    >>> plain_signature((a, b)) == (numba.typeof(a), numba.typeof(b))
    True
    >>> plain_signature((a, 1)) is None, plain_signature((a[::2],)) is None
    (True, True)
    >>> plain_signature((a.astype(">f8"),)) is None, plain_signature((a.astype(object),)) is None
    (True, True)
    """
    from numba.core import types
    from numba.np.numpy_support import from_dtype

    sig = []
    for a in args:
        if (type(a) is not np.ndarray or a.flags.num & _PLAIN_FLAGS != _PLAIN_FLAGS
                or a.dtype.kind not in "biufc" or not a.dtype.isnative):
            return None
        try:
            sig.append(types.Array(from_dtype(a.dtype), a.ndim, "C"))
        except Exception:  # noqa: BLE001 - a dtype numba does not take: its dispatcher says so
            return None
    return tuple(sig)


class _Plain:
    """A kernel library entry point as :data:`PLAIN_KERNELS` hands it out: a call with
    plain arrays (:func:`plain_signature`) of a signature compiled in this process, or
    listed in numba's index on disk (loaded at the call, with the kernels its cells reach:
    never compiled; one whose file does not load runs the twin while a background process
    compiles it, :func:`_load_without_compiling`), runs that overload's entry point; any
    other call, the dispatcher (which types, loads or compiles, as before)."""

    __slots__ = ("disp", "known", "name")

    def __init__(self, disp, name=None):
        # (name: the kernel library's entry point; with it, a signature listed on disk whose
        # file does not load runs the twin while it is compiled elsewhere)
        self.disp, self.known, self.name = disp, {}, name

    def __call__(self, *args):
        entry = self.known.get(tuple(map(_arg_kind, args)))
        if entry is not None:
            return entry(*args)
        return self._new(args)

    def __getattr__(self, attr):  # (the dispatcher's attributes: overloads, py_func, ...)
        return getattr(self.disp, attr)

    def _new(self, args):
        global twin_calls
        disp = self.disp
        sig = plain_signature(args)
        if sig is None:
            return disp(*args)
        if self.name is not None and (sig in disp.overloads or sig in cached_signatures(disp)):
            # (loaded from disk, or found loaded by the warm-up thread: then this waited
            # for numba's lock; a file that does not load is compiled in the background)
            missing = _load_without_compiling(self.name, sig)
            twin = _twin_meanwhile(self.name, missing) if missing else None
            if twin is not None:
                twin_calls += 1
                return twin(*args)
        cres = disp.overloads.get(sig)
        if cres is None:
            return disp(*args)
        self.known[tuple(map(_arg_kind, args))] = cres.entry_point
        return cres.entry_point(*args)


class _PlainKernels:
    """The kernel library with each numba entry point as a :class:`_Plain` (made at its
    first use); its other names as they are."""

    def __getattr__(self, name):
        from numba.core.dispatcher import Dispatcher

        from . import _kernels as kernels

        value = getattr(kernels, name)
        if isinstance(value, Dispatcher):
            value = _Plain(value, name)
        setattr(self, name, value)
        return value


PLAIN_KERNELS = _PlainKernels()


def batch_kernel_deferred(name: str) -> bool:
    """A circuit on tier 0 about to run the kernel library's batch kernel ``name``
    (``batch_value``, ``batch_value_and_grad``, ``batch_value_and_grad_adjoint`` or its
    ``_blocked`` form: :func:`qsym._kernels.batch_adjoint_kernel`) should run
    its rows one by one instead: the batch kernel has no compiled code in this process and
    :data:`KERNELS` would not hand it over (none on disk, or the warm-up thread has not
    loaded the kernels yet), so calling it would load or compile it before the answer
    (issue #17: a first broadcast gradient waited 30-100 s for numba on a machine without
    it). Inside :func:`kernel_compiles_on_call` (``qsym warmup``) it is called as before.

    >>> batch_kernel_deferred("batch_value") in (True, False)
    True
    """
    return getattr(getattr(KERNELS, name), "twin", False)


def kernels_needed_soon(num_wires: int, num_ops: int, adjoint: bool) -> None:
    """A circuit just traced whose gradient will need the compiled kernels (too slow in
    Python: :func:`kernels_for`'s estimate, here from its wires and gates, a parameter-shift
    gradient taken as two shifted runs per gate): the warm-up thread starts loading them
    now, beside the rest of the build (numba's LLVM work releases the GIL), instead of
    after the first answer: only the kernel that answer runs (``_needed_first``), the
    others after it, and for a parameter-shift gradient that numba's threads will share,
    the parallel kernel and the threads' launch after it too (``_needed_later``). Small
    circuits change nothing (their first answer needs no kernel: loading beside it only
    slowed it down)."""
    global _needed_first, _needed_later
    amplitudes = 1 << min(num_wires, 62)
    runs = num_ops * (3 if adjoint else 1 + 2 * num_ops)
    work = amplitudes * runs
    if work * (TWIN_OP_SECONDS / amplitudes + TWIN_AMPLITUDE_SECONDS) > TWIN_MAX_SECONDS:
        if not adjoint and _needed_later is None and threads_now() > 1:
            from . import _kernels as kernels

            if work >= kernels.PARALLEL_SHIFT_MIN_WORK:
                _needed_later = "program_value_and_grad_parallel"
        if _needed_first is None:
            from . import _kernels as kernels

            _needed_first = (
                "program_value_and_grad_into" if not adjoint
                else "program_value_and_grad_adjoint_into"
                if num_wires < kernels.BLOCK_TWIN_MIN_WIRES
                else "program_value_and_grad_adjoint_blocked_into")
        _warm_start.set()


# numba's "omp" threading layer on GNU OpenMP (libgomp) is not fork-safe: numba terminates
# a forked child (SIGTERM, "fork() called from a process already using GNU OpenMP") at its
# first parallel region if the parent had started the layer. A child forked so
# (``multiprocessing``'s default start method on Linux, after a batch or a large gradient
# in the parent) runs qsym's kernels on one thread: their serial forms, the same bits.
_forked_after_gnu_openmp = False


def _note_gnu_openmp_fork() -> None:
    """In a forked child: whether the parent had started numba's GNU OpenMP layer."""
    global _forked_after_gnu_openmp
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if (parallel is None or getattr(parallel, "_is_initialized", False) is not True
            or getattr(parallel, "_threading_layer", None) != "omp"):
        return
    omp = sys.modules.get("numba.np.ufunc.omppool")
    if getattr(omp, "openmp_vendor", "GNU") == "GNU":  # (Intel's runtime is fork-safe)
        _forked_after_gnu_openmp = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_note_gnu_openmp_fork)


def parallel_regions_unsafe() -> bool:
    """Whether a numba parallel region would end this process: a child forked after its
    parent started numba's GNU OpenMP threads (:data:`_forked_after_gnu_openmp`)."""
    return _forked_after_gnu_openmp


def threads_now() -> int:
    """The number of threads a numba parallel kernel called now would use
    (``numba.get_num_threads()``), without launching numba's threading layer when it is not
    running yet: the launch (its library loaded, the workers started) costs a new process
    25-30 ms of CPU, and the first answer of a large circuit asked it only to learn that
    ``NUMBA_NUM_THREADS=1`` (issue #17). Before the launch the count is numba's
    ``NUM_THREADS`` (``numba.set_num_threads`` launches the layer first, so nothing can
    have changed it). 1 where a parallel region would end the process
    (:func:`parallel_regions_unsafe`).

    >>> import numba
    >>> threads_now() == numba.get_num_threads()
    True
    """
    from . import _kernels as kernels

    if _forked_after_gnu_openmp:
        return 1
    try:
        from numba.np.ufunc import parallel
    except ImportError:  # pragma: no cover - (numba's layout changed: ask numba)
        parallel = None
    if parallel is not None and getattr(parallel, "_is_initialized", True) is False:
        count = getattr(parallel, "NUM_THREADS", None)
        if type(count) is int and count >= 1:
            return count
    return kernels.num_threads()


def launch_threads() -> None:
    """Launch numba's threading layer now, if it is not running (the warm-up thread, for a
    circuit that will share its shifted circuits among the threads)."""
    from . import _kernels as kernels

    kernels.num_threads()


def kernels_for(module, work_name: str):
    """What a circuit's call of the kernel measured by ``work_name`` (``WORK``: a
    parameter-shift gradient, ``_q_WORK_VALUE``, ``_q_WORK_ADJOINT``) runs on:
    :data:`KERNELS` if the call is estimated to take at most :data:`TWIN_MAX_SECONDS` in
    Python, else the kernel library's compiled code (loaded if need be), called without
    numba's typing where the arguments are plain arrays (:data:`PLAIN_KERNELS`)."""
    from . import _kernels as kernels

    try:
        ns = module.namespace if isinstance(module, LazyModule) else vars(module)
        work = ns[work_name]
        amplitudes = 1 << ns["NUM_WIRES"]
        twins = ns.get("_q_NUMPY_TWINS", False)
    except (KeyError, TypeError, AttributeError):
        return kernels
    per_amplitude = TWIN_AMPLITUDE_SECONDS if twins else TWIN_LOOP_SECONDS
    seconds = work * (TWIN_OP_SECONDS / amplitudes + per_amplitude)
    return KERNELS if seconds <= TWIN_MAX_SECONDS else PLAIN_KERNELS


def kernels_for_loop(steps: int):
    """What a kernel call outside a circuit's entry points (a shot draw's checks and
    search, a count over samples: :mod:`qsym._shots`) runs on: :data:`KERNELS` (its twin
    until the compiled code is loaded, the same bits) if its plain-Python twin is estimated
    to take at most :data:`TWIN_MAX_SECONDS`, ``steps`` Python loop steps of
    :data:`TWIN_LOOP_SECONDS` each; else the kernel library itself (compiled, loaded if
    need be).

    >>> kernels_for_loop(16) is KERNELS
    True
    >>> kernels_for_loop(10 ** 9) is KERNELS
    False
    """
    if steps * TWIN_LOOP_SECONDS <= TWIN_MAX_SECONDS:
        return KERNELS
    from . import _kernels as kernels

    return kernels
