"""Ahead of time: compiled gradient functions that outlive the process and ship without qsym.

:func:`compile` turns a QNode and example arguments into a :class:`CompiledCircuit`: the
value, gradient and Jacobian as plain functions of NumPy arrays with the circuit's own
argument layout, plus what was compiled (circuit listing, rules, method, generated source).

:meth:`CompiledCircuit.export` writes one standalone ``.py`` module that imports only numpy
and numba. It contains qsym's kernel library, the circuit's generated module and a small
API (``value``, ``grad``, ``jacobian``, metadata), gives bit-for-bit the results of the
original, and is cached by numba next to itself: its second import compiles nothing. Its
first calls on a machine run the same functions as plain Python (with NumPy twins of the
kernels' loops over the state, :mod:`qsym._aot_numpy`: the same bits) while a background
process compiles them; then it swaps (``tier()``, ``wait_for_numba()``). The
module checks at import that it was not edited since the export (a SHA-256 of the whole
file but the line that states it: a guard against accidents, not against an attacker, who
can recompute it). :func:`load` reads the file's bytes, checks them *before* anything in
the file runs (against ``expected_hash``, the SHA-256 of the exact bytes that
:meth:`CompiledCircuit.export` wrote, if given; and against the stated hash and qsym
version) and runs those same bytes as a fresh module under a name that cannot collide with
another module (``qsym_export_<hash>``).

>>> import qsym as qml, tempfile, os
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.PauliY(0))
>>> compiled = qml.compile(circuit, 0.3)
>>> print(compiled.grad(0.3))  # <Y> = -sin(x): -cos(0.3)
-0.955336489125606
>>> path = compiled.export(os.path.join(tempfile.mkdtemp(), "ry_grad.py"))
>>> mod = qml.load(path)
>>> print(mod.grad(0.3))  # at once: plain Python while numba compiles in the background
-0.955336489125606
>>> mod.tier()
'python'
>>> mod is qml.load(path, expected_hash=compiled.export_sha256)  # a fresh module each time
False
"""

from __future__ import annotations

import ast
import copy
import hashlib
import inspect
import json
import os
import re
import stat
import subprocess
import sys
import threading
import types
from builtins import compile as builtins_compile
from pathlib import Path

import numba
import numpy as np

from ._parsing import parse
from . import _aot_numpy as aot_numpy, _cache as cache, _ir as ir, _kernels as kernels, _shapes as shapes, _tiers as tiers
from . import _linecode as linecode
from ._version import __version__
from .errors import ArgumentError, QsymError
from ._gates import REGISTRY
from ._arguments import STATIC as _STATIC, TRAIN as _TRAIN
from ._runtime import QNode


class ExportError(QsymError, ValueError):
    """An export cannot be written, or a loaded export does not match what is expected.

    >>> import qsym as qml, tempfile, os
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliY(0))
    >>> try:
    ...     qml.compile(circuit, 0.3).export(os.path.join(tempfile.mkdtemp(), "not-a-name.py"))
    ... except qml.ExportError as exc:
    ...     print(str(exc)[:39])
    export to a .py file with an importable
    """


class ModifiedExportError(ExportError, ImportError):
    """An exported module's bytes do not match its ``SELF_SHA256`` line (it was edited)."""


_MARKER = "# ---- qsym export body ----"
_HASH_LINE = re.compile(rb'^SELF_SHA256 = "([0-9a-f]{64})"$', re.M)
_MODULE_PREFIX = "qsym_export_"


def file_sha256(path) -> str:
    """The SHA-256 (hex) of a file's exact bytes: what ``load(path, expected_hash=...)``
    compares (``sha256sum`` prints the same).

    >>> import qsym as qml, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "abc.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"abc")
    >>> qml.file_sha256(path)  # FIPS 180-2's test vector for "abc"
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    path = _path_argument(path, "qml.file_sha256(path)", "a file's path")
    return hashlib.sha256(_read_file(path)).hexdigest()


def _read_file(path) -> bytes:
    """The bytes of the file at ``path``, read without blocking on something that is not a
    regular file (a FIFO would wait for a writer forever, a device such as ``/dev/zero``
    never ends): :class:`ExportError` for those. A missing or unreadable file raises the
    ``OSError`` that names it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ExportError(
                f"{path} is not a regular file (a folder, a FIFO, a device or a socket): "
                "give the path of the exported .py file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _path_argument(path, call: str, what: str) -> Path:
    """``path`` (a ``str``, ``bytes`` or ``os.PathLike``, as ``open`` takes) as a ``Path``;
    anything else an :class:`~qsym.errors.ArgumentError` (a ``TypeError``) saying what to
    pass (``Path`` raised a bare ``TypeError`` naming neither the call nor the argument).

    >>> _path_argument(b"ry.py", "qml.load(path)", "the exported .py file").name
    'ry.py'
    >>> _path_argument(5, "qml.load(path)", "the exported .py file")
    Traceback (most recent call last):
    ...
    qsym.errors.ArgumentError: qml.load(path): path must be the exported .py file, as a str, bytes or os.PathLike (e.g. "circuit.py" or pathlib.Path("circuit.py")); got int 5
    """
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    try:
        return Path(path)
    except TypeError:
        raise ArgumentError(
            f"{call}: path must be {what}, as a str, bytes or os.PathLike (e.g. "
            f'"circuit.py" or pathlib.Path("circuit.py")); got {type(path).__name__} '
            f"{path!r:.80}") from None


def _replace_file(path: Path, data: bytes) -> None:
    """Make ``path`` hold ``data`` atomically: a new file written beside it and renamed over
    it, so a process that opens or imports the path meanwhile (a server loading the export
    while it is exported again) reads the old file or the new one, whole, never a mix or
    a truncated file, and a writer killed midway leaves the old file as it was. The new
    file has the mode a plain write would give it (``0o666`` less the umask; an existing
    file's own mode, as a write in place kept it). A symbolic link at ``path`` stays one:
    its target is replaced (the rename would have put a plain file in the link's place)."""
    path = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _self_hash(data: bytes, stated: str) -> str:
    """The hash an exported module states about itself: SHA-256 of the whole file with the
    64 digits of its ``SELF_SHA256`` line blanked (the module computes the same)."""
    canon = data.replace(f'SELF_SHA256 = "{stated}"'.encode(), b'SELF_SHA256 = ""', 1)
    return hashlib.sha256(canon).hexdigest()


def module_name(path, stated: str) -> str:
    """The name an exported module runs under, by plain import or :func:`load` alike:
    ``qsym_export_`` and a hash of its stated hash and real path (it cannot collide with
    another module, and is the same in every process, which numba's disk cache needs)."""
    key = (stated + "\0" + os.path.realpath(path)).encode()
    return _MODULE_PREFIX + hashlib.sha256(key).hexdigest()[:16]


def _module_body(path_or_module) -> str:
    """A module's source without its docstring and its imports of qsym (``from . import``:
    qsym.kernels imports qsym.cache only to register numba's cache locator; otherwise
    qsym.kernels and qsym.shapes use only numpy and numba, so their bodies run as they are
    in an exported module)."""
    source = Path(path_or_module.__file__ if hasattr(path_or_module, "__file__") else path_or_module).read_text()
    tree = parse(source)
    lines = source.splitlines()
    start = 0
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
        getattr(tree.body[0], "value", None), ast.Constant
    ):
        start = tree.body[0].end_lineno
    for node in tree.body:  # top-level relative imports: blanked, line numbers kept
        if isinstance(node, ast.ImportFrom) and node.level:
            for i in range(node.lineno - 1, node.end_lineno):
                lines[i] = ""
    return "\n".join(lines[start:])


def linked_cells(library: str) -> str:
    r"""The kernel library's source ``library`` with its calls through its own cells
    (``qsym._kernels.CELLS``: a stand-in decorated ``@_through_own_cell(name)`` calls kernel
    ``name`` through a cell that qsym fills) made linked calls, as before the cells: an
    export carries the kernels it runs, not qsym's cells and their callback.

    >>> print(linked_cells('@_through_own_cell("run_ops")\ndef _ops(s):\n    run_ops(s)'))
    @njit(cache=True, inline="always")
    def _ops(s):
        run_ops(s)
    """
    return re.sub(r'^@_through_own_cell\("\w+"\)$', '@njit(cache=True, inline="always")',
                  library, flags=re.MULTILINE)


# The kernel library's functions that choose a gate kernel by an op's storage kind and
# wire count (the expressions that read them there; an int: the wire count of every op
# it is called for, _step1 being called for one-wire ops only). An export's program
# is fixed, so :func:`specialize_dispatch` cuts them to the (kind, wires) pairs its ops
# have, and the pruning (:func:`reachable_sections`) then drops the gate kernels only the
# other kinds use: the interpreter no longer links every gate kind's kernel.
KIND_DISPATCH = {"apply_row": ("kind", "k"), "_step1": ("kind", 1),
                 "_adjoint_into_flat": ("op_kind[k]", "op_nw[k]")}
_NOT_EXPORTED = ("qsym: this exported module carries no kernel for an op of this kind (its "
                 "circuit has none): a qsym bug, please report it")


def program_kinds(ints) -> frozenset:
    """The ``(kind, wires)`` pairs of a packed program's ops (``PROGRAM_INTS``)."""
    unpack = kernels.unpack_program  # (its Python function; itself with NUMBA_DISABLE_JIT=1)
    (_, op_nw, op_kind, *_rest) = getattr(unpack, "py_func", unpack)(np.asarray(ints, np.int64))
    return frozenset(zip(op_kind.tolist(), op_nw.tolist()))


def specialize_dispatch(source: str, pairs, dispatch=None, constants=None) -> str:
    r"""``source`` (the kernel library's) with each function of ``dispatch`` (name: its
    kind and wire-count arguments, :data:`KIND_DISPATCH`) cut to the ops ``pairs`` (``(kind,
    wires)``): an ``if`` whose test reads only those arguments and integer constants of the
    module (``kind == DIAGONAL``, ``k == 1``) is decided for every pair that reaches it; a
    branch no pair takes, and code after a ``return`` every pair takes, becomes ``raise
    ValueError`` (never another kernel's numbers), every other line stays as written (the
    same arithmetic: the same bits). What the cut functions no longer call is then not
    carried.

    >>> src = ("A = 0\nB = 1\ndef f(kind, x):\n    if kind == A:\n        return g(x)\n"
    ...        "    return h(x)\n")
    >>> print(specialize_dispatch(src, {(1, 1)}, {"f": ("kind", None)}, {"A": 0, "B": 1}))
    A = 0
    B = 1
    def f(kind, x):
        if kind == A:
            raise ValueError('qsym: this exported module carries no kernel for an op of this kind (its circuit has none): a qsym bug, please report it')
        return h(x)
    """
    dispatch = KIND_DISPATCH if dispatch is None else dispatch
    if constants is None:
        constants = {k: v for k, v in vars(kernels).items()
                     if type(v) is int and k.isupper()}
    all_pairs = frozenset(pairs)
    tree = parse(source)
    lines = source.splitlines()
    edits = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name in dispatch) or not all_pairs:
            continue
        kind_expr, wires_expr = dispatch[node.name]
        if isinstance(wires_expr, int):  # called for ops of that many wires only
            pairs = frozenset(p for p in all_pairs if p[1] == wires_expr)
            wires_expr = None
        else:
            pairs = all_pairs
        if not pairs:  # never called: as written (a function that only raises has no type)
            continue
        node.body = _cut_dispatch(node.body, pairs, kind_expr, wires_expr, constants)
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        edits.append((start, node.end_lineno, ast.unparse(ast.fix_missing_locations(node))))
    for start, end, text in sorted(edits, reverse=True):
        lines[start - 1:end] = text.splitlines()
    return "\n".join(lines)


def _cut_dispatch(stmts, pairs, kind_expr, wires_expr, constants):
    """:func:`specialize_dispatch`'s cut of one function's body ``stmts`` to the ops
    ``pairs``, the kind and wire count read by ``kind_expr`` and ``wires_expr``."""
    exprs = {"_q_kind": kind_expr, "_q_wires": wires_expr}
    exprs = {k: ast.dump(parse(v, mode="eval").body) for k, v in exprs.items() if v}
    tracked = {n.id for v in (kind_expr, wires_expr) if v
               for n in ast.walk(parse(v, mode="eval")) if isinstance(n, ast.Name)}

    class Placeholders(ast.NodeTransformer):
        def visit(self, n):
            for name, dump in exprs.items():
                if isinstance(n, ast.expr) and ast.dump(n) == dump:
                    return ast.copy_location(ast.Name(name, ast.Load()), n)
            return super().visit(n)

    def decide(test, alive):
        """The pairs of ``alive`` for which ``test`` holds; None if it reads anything
        but the kind, the wire count and the module's integer constants."""
        test = Placeholders().visit(copy.deepcopy(test))
        names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
        if not names <= set(constants) | set(exprs) or any(
                isinstance(n, (ast.Call, ast.Attribute, ast.Subscript)) for n in ast.walk(test)):
            return None
        code = builtins_compile(ast.fix_missing_locations(ast.Expression(test)),
                                "<dispatch>", "eval")
        return frozenset(p for p in alive if eval(code, {"__builtins__": {}}, dict(
            constants, _q_kind=p[0], _q_wires=p[1])))

    def dead():
        return parse(f"raise ValueError({_NOT_EXPORTED!r})").body[0]

    def cut(stmts, alive):
        """``stmts`` reached by the ops ``alive``: the cut statements, and the ops
        that get past them."""
        out = []
        for stmt in stmts:
            if not alive:  # reached by no op
                out.append(dead())
                return out, alive
            taken = decide(stmt.test, alive) if isinstance(stmt, ast.If) else None
            if isinstance(stmt, ast.If) and taken is not None:
                body, after_t = cut(stmt.body, taken) if taken else ([dead()], frozenset())
                rest = alive - taken
                if rest:
                    orelse, after_f = cut(stmt.orelse, rest) if stmt.orelse else ([], rest)
                else:
                    orelse, after_f = ([dead()] if stmt.orelse else []), frozenset()
                stmt.body, stmt.orelse = body, orelse
                alive = after_t | after_f
            elif isinstance(stmt, ast.If):
                stmt.body, after_t = cut(stmt.body, alive)
                stmt.orelse, after_f = cut(stmt.orelse, alive) if stmt.orelse else ([], alive)
                alive = after_t | after_f
            elif isinstance(stmt, (ast.For, ast.While)):  # every pass: any op again
                stmt.body, _ = cut(stmt.body, pairs)
                if stmt.orelse:
                    stmt.orelse, _ = cut(stmt.orelse, pairs)
                alive = pairs
            elif isinstance(stmt, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                alive = frozenset()
            out.append(stmt)
            if alive and any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                             and n.id in tracked for n in ast.walk(stmt)):
                alive = pairs  # the kind's expression reads another op from here on
        return out, alive

    return cut(stmts, pairs)[0]


def _error_stand_ins() -> str:
    """For a module without qsym: each of qsym's error classes (:mod:`qsym.errors`, which
    the carried sections import relatively, an import an export cannot run) as a class of
    the same name and message deriving from the builtin exceptions it derives from
    (``MeasurementError(ValueError)``), so that an exported function raising one raises
    what ``except ValueError`` catches, never a ``NameError``. An export carries only those
    its functions name (:func:`reachable_sections`)."""
    from . import errors

    out = []
    for name, cls in vars(errors).items():
        if not (isinstance(cls, type) and issubclass(cls, BaseException)
                and cls.__module__ == errors.__name__):
            continue
        bases = [b for b in cls.__mro__[1:] if b.__module__ == "builtins"
                 and b not in (object, BaseException, Exception)]
        bases = [b for b in bases if not any(o is not b and issubclass(o, b) for o in bases)]
        out.append(f"class {name}({', '.join(b.__name__ for b in bases) or 'Exception'}):\n"
                   f"    \"\"\"qsym.errors.{name}, in a module without qsym.\"\"\"")
    return "\n\n\n".join(out) + "\n"


def unbound_globals(source: str, provided=()) -> dict:
    r"""``{scope: [names]}``: the names ``source`` (a module) reads as globals that nothing
    binds, neither its top level, a ``global`` assignment, a builtin, a module attribute
    (``__file__``) nor ``provided``. An export must have none: a function that calls a
    function pruned away (or a name qsym imports, which an export cannot) would raise
    ``NameError`` at its first plain-Python call, and fail numba's compile of every entry
    point that reaches it. Python's own symbol tables (:mod:`symtable`) decide what is
    local, free or global.

    >>> unbound_globals("import math\nA = 1\ndef f(x):\n    return math.pi * A * x + B")
    {'f': ['B']}
    """
    import builtins

    bound, read = _globals_of(source)
    bound |= set(provided)
    missing = {scope: sorted(n for n in names if n not in bound and not hasattr(builtins, n))
               for scope, names in read.items()}
    return {k: v for k, v in missing.items() if v}


def _globals_of(source: str):
    """``(bound, read)``: the module-level names ``source`` binds (at its top level, by an
    import or a ``global`` assignment, and the module attributes such as ``__file__``) and
    ``{scope: names}`` read as globals, by :mod:`symtable`."""
    import symtable

    top = symtable.symtable(source, "<export>", "exec")
    bound = {"__file__", "__name__", "__builtins__", "__doc__", "__spec__", "__loader__",
             "__package__"}
    tables = [top]
    for table in tables:  # (grows: every nested scope, in order)
        tables.extend(table.get_children())
    read: dict = {}
    for table in tables:
        for sym in table.get_symbols():
            if table is not top and not sym.is_global():
                continue
            if sym.is_assigned() or sym.is_imported():
                bound.add(sym.get_name())
            if sym.is_referenced():
                scope = "<module>" if table is top else table.get_name()
                read.setdefault(scope, set()).add(sym.get_name())
    return bound, read


def _bound_names(stmt) -> set:
    """Names a top-level statement binds (a def, an assignment to names, an import)."""
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = set()
        for t in targets:
            if isinstance(t, ast.Name):
                names.add(t.id)
            elif isinstance(t, (ast.Tuple, ast.List)) and all(
                    isinstance(e, ast.Name) for e in t.elts):
                names.update(e.id for e in t.elts)
            else:
                return set()  # a subscript or attribute: a side effect, always kept
        return names
    return set()


def _used_names(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def reachable_sections(sections, roots) -> list:
    r"""Only what ``roots`` (names the module's API uses) reaches: each section's source
    (``(title, source)``, docstring dropped) cut to the top-level statements that bind a
    name reached from ``roots`` through the names the kept statements use (a statement
    that binds no name is kept). An export then carries only the kernels its circuit
    runs. A relative import (``from . import ...``) cannot run in an exported module: it
    must not be reached.

    >>> reachable_sections([("s", "import os\nA = 1\nB = A + 1\nC = 3")], {"B"})
    [('s', 'A = 1\nB = A + 1')]
    """
    parsed = []
    for title, source in sections:
        tree = parse(source)
        lines = source.splitlines()
        body = tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant):
            body = body[1:]
        stmts = []
        for stmt in body:
            start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
            text = "\n".join(lines[start - 1:stmt.end_lineno])
            stmts.append((stmt, _bound_names(stmt), _used_names(stmt), text))
        parsed.append((title, stmts))
    needed = set(roots)
    kept: set = set()
    changed = True
    while changed:
        changed = False
        for si, (_, stmts) in enumerate(parsed):
            for i, (stmt, bound, used, _) in enumerate(stmts):
                if (si, i) in kept or (bound and not bound & needed):
                    continue
                kept.add((si, i))
                needed |= used
                changed = True
    out = []
    for si, (title, stmts) in enumerate(parsed):
        texts = []
        for i, (stmt, _, _, text) in enumerate(stmts):
            if (si, i) not in kept:
                continue
            if isinstance(stmt, ast.ImportFrom) and stmt.level:
                raise ExportError(f"an exported module cannot carry {text.strip()!r} "
                                  f"({title}): a qsym bug, please report it")
            texts.append(text)
        out.append((title, "\n".join(texts)))
    return out


class CompiledCircuit:
    """A QNode compiled for one argument signature: plain functions and what they run.

    Attributes:
        circuit: the traced circuit (:class:`qsym._ir.Circuit`); ``listing`` prints it.
        source: the generated module's source.
        diff_method: how gradients are computed.
        rules: ``{gate: ((coeff, mult, shift), ...)}`` for each parametric gate used.
        executions: circuits run per gradient.
        layout: per positional argument ``(kind, shape or static value)``, kind being
            ``"trainable"``, ``"data"`` or ``"static"``; then the keyword arguments.
        circuit_hash: the structural hash of the circuit (with which inputs are
            differentiated): an export records it in its metadata (information only: a
            value written in a file proves nothing about the file).
        export_sha256: after :meth:`export`, the SHA-256 of the exact bytes written: give
            it to ``qml.load(path, expected_hash=...)`` (None before any export).

    >>> import qsym as qml, tempfile, os
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliY(0))
    >>> compiled = qml.compile(circuit, 0.3)
    >>> isinstance(compiled, qml.CompiledCircuit), compiled.diff_method, compiled.executions
    (True, 'parameter-shift', 3)
    """

    export_sha256 = None

    def __init__(self, qnode: QNode, args, kwargs, argnum=None):
        if not isinstance(qnode, QNode):
            raise ExportError(f"qsym.compile takes a QNode, got {type(qnode).__name__}")
        if qnode.method not in ("parameter-shift", "adjoint"):
            raise ExportError(
                f"compile/export carry exact gradients (parameter shift or adjoint); this "
                f"QNode computes them by {qnode.method}: make it with "
                "diff_method='parameter-shift' (the default), 'best' or 'adjoint'"
            )
        self.qnode = qnode
        # which positional arguments grad/jacobian differentiate, fixed now (an export
        # has no tensors to ask): trainable_arguments
        self.diff = trainable_arguments(qnode, args, kwargs, argnum)
        self.entry, _, _ = qnode.compiled(args, kwargs, self.diff)
        # the static arguments the signature was traced with (those the QNode has learned
        # to need by value too): later calls are checked against this signature and run
        # its entry, whatever the QNode's memo of signatures holds meanwhile (a call of
        # another signature, a failed call, a bounded memo may drop or rebuild it)
        self._static = (qnode.static_argnames, qnode.static_positions)
        if qnode._values_needed is not None:
            self._static = qnode._needing_values(args, kwargs, self.diff)
        if getattr(qnode, "per_call", None) is not None:
            raise ExportError(
                f"this QNode traces its circuit function at every call ({qnode.per_call}): "
                "one call's circuit would be exported for all. Draw random numbers outside "
                "the circuit function and pass them as arguments, and keep inputs in qsym.numpy "
                "arithmetic (no float(x), x.item(), branches on inputs), so that it is traced once"
            )
        # one gradient alone for an int argnum or one trainable argument (qml.grad's shapes)
        self.single = (isinstance(argnum, int) and not isinstance(argnum, bool)) or (
            not isinstance(argnum, (list, tuple)) and len(self.entry.blocks) == 1)
        if self.entry.broadcast:
            raise ExportError(
                "a broadcast QNode (gate parameters given as arrays) cannot be compiled ahead "
                "of time yet; compile it for one parameter set"
            )
        if getattr(self.entry, "mixed", False):  # runs on the density matrix, not compiled
            raise ExportError(
                "a default.mixed QNode (noise channels, density matrices) cannot be compiled "
                "ahead of time: it runs in NumPy on the density matrix (docs/noise.md); "
                "call the QNode")
        if self.entry.has_state:  # its value is made after the compiled code, by the runtime
            raise ExportError(
                "qml.state() and the quantities of the state (qml.density_matrix, "
                "qml.vn_entropy, qml.mutual_info, qml.purity) cannot be compiled ahead of "
                "time yet: call the QNode, or compile a circuit of expval, var or probs")
        self._args = args
        self._kwargs = kwargs
        c = self.entry.circuit
        self.circuit = c
        self.source = self.entry.source
        # the QNode's own method (diff_method "best", "backprop", "device" run adjoint)
        self.diff_method = qnode.method
        # circuits run per gradient, as qml.Tracker counts them for this method (the
        # adjoint method: one forward run and one backward sweep)
        self.executions = 1 if self.diff_method == "adjoint" else self.entry.plan.executions
        rules = {}
        for t in self.entry.plan.terms:
            rules.setdefault(c.ops[t.op].name, set()).add((t.coeff, t.mult, t.shift))
        self.rules = {k: tuple(sorted(v, key=lambda r: (abs(r[2]), -r[2]))) for k, v in rules.items()}
        # (with the matrices' numbers, which the structure holds as runtime data)
        tail = ir.matrix_data(c)
        self.circuit_hash = ir.structural_hash(c, "diff", self.entry.diff_args,
                                               *((tail.tobytes().hex(),) if tail.size else ()))
        self.layout = self._layout()
        # the definitions it was compiled with (qsym.define_gate may replace a gate later)
        self._gate_versions = {op.name: REGISTRY.version(op.name) for op in c.ops}

    def _check_gates(self):
        changed = sorted(n for n, v in self._gate_versions.items() if REGISTRY.version(n) != v)
        if changed:
            raise ExportError(
                f"this circuit was compiled with an earlier definition of {', '.join(changed)} "
                "(changed since by qsym.define_gate / undefine_gate): call qsym.compile again"
            )
        guard = getattr(self.entry, "guard", None)
        if guard is not None and not guard():
            names = ", ".join(guard.changed()) or "a value it reads"
            raise ExportError(
                f"this circuit was compiled when {names} (read by the circuit function "
                "besides its arguments) had another value: the QNode traces it again, this "
                "compiled circuit would give the old value's numbers. Call qsym.compile "
                "again, or pass the value as an argument of the circuit function"
            )

    # --- the argument layout ------------------------------------------------------------
    def _layout(self):
        key, _, _ = self._classify(self._args, self._kwargs)
        self._key = key
        names = {_TRAIN: "trainable", "d": "data", _STATIC: "static"}
        out = []
        for i, a in enumerate(self._args):
            kind, info = key[i]
            out.append((names[kind], a if kind == _STATIC else tuple(info)))
        for name in sorted(self._kwargs):
            kind = [k for k in key[len(self._args):] if k[0] == name][0][1]
            v = self._kwargs[name]
            out.append((name, names[kind], v if kind == _STATIC else tuple(np.shape(v))))
        return tuple(out)

    def _classify(self, args, kwargs):
        from ._runtime import classify

        return classify(args, kwargs, self.diff, *self._static)

    def _integers_as_floats(self, args) -> tuple:
        """``value``'s arguments with integer numbers at the trainable positions as floats:
        a value needs no derivative, and the QNode computes it at those numbers
        (``compiled.value(np.array([1, 0]))`` said "cannot be differentiated"). Bools stay
        (the QNode refuses them as angles too)."""
        out = list(args)
        for i, a in enumerate(args):
            if i >= len(self._key) or self._key[i][0] != _TRAIN:
                continue
            if isinstance(a, memoryview):
                a = np.array(a)
            kind = np.asarray(a).dtype.kind if isinstance(a, (np.ndarray, list, tuple, int,
                                                              np.integer)) else ""
            if kind in ("i", "u") and not isinstance(a, bool):
                out[i] = np.asarray(a, dtype=np.float64)
            elif kind and kind != "f":
                raise ArgumentError(
                    f"argument {i} ({type(a).__name__} of dtype {np.asarray(a).dtype}) is not "
                    f"real numbers: this circuit was compiled for a float argument of shape "
                    f"{tuple(self._key[i][1])} there; pass floats (or ints)")
        return tuple(out)

    def _inputs(self, args, kwargs, value=False):
        from ._runtime import with_matrix_data

        self._check_gates()
        if value:
            args = self._integers_as_floats(args)
        key, xs, ds = self._classify(args, kwargs)
        if key != self._key:
            raise ExportError(
                "these arguments do not match the compiled signature "
                f"{self.layout}: compile again for them"
            )
        return xs, with_matrix_data(self.entry, ds)

    def _run(self, name, args, kwargs):
        """The entry's ``name`` at these arguments, after the circuit's per-call checks (a
        ``BasisState`` of input bits that are not 0 or 1, a traced ``Hermitian`` that is
        not Hermitian, a state of the wrong norm: the QNode's errors, never its numbers);
        a NaN or infinite input, or gate parameter, is the QNode's ``ArgumentError``."""
        from ._executors import raise_nonfinite

        derivative = name != "value"
        xs, ds = self._inputs(args, kwargs, value=not derivative)
        x, d = shapes.flat(xs), shapes.flat(ds)
        for check in getattr(self.entry, "checks", None) or ():
            if derivative or not check.derivative:
                check(x, d)
        try:
            return getattr(self.entry, name)(x, d)
        except ValueError as exc:
            raise_nonfinite(self.circuit, xs, ds, exc)

    # --- plain functions -----------------------------------------------------------------
    def value(self, *args, **kwargs):
        """The circuit's value(s), as the QNode returns them."""
        values, _ = shapes.measurements(self.entry.post, self._run("value", args, kwargs))
        return shapes.format_values(self.circuit.output, values)

    def _jac(self, args, kwargs):
        name = "value_and_grad_adjoint" if self.diff_method == "adjoint" else "value_and_grad"
        out, jac = self._run(name, args, kwargs)
        _, jacs = shapes.measurements(self.entry.post, out, jac)
        return jacs, self.single

    def grad(self, *args, **kwargs):
        """The gradient by every trainable argument (``qml.grad(qnode)(*args)``)."""
        if self.circuit.output != "scalar" or self.entry.post[0][3] != ():
            raise ExportError("grad needs a circuit with one scalar result: use jacobian")
        jacs, single = self._jac(args, kwargs)
        return shapes.pick(jacs[0], self.entry.blocks, single)

    def jacobian(self, *args, **kwargs):
        """The Jacobian (``qml.jacobian(qnode)(*args)``)."""
        jacs, single = self._jac(args, kwargs)
        rows = [shapes.pick(j, self.entry.blocks, single) for j in jacs]
        return rows[0] if self.circuit.output == "scalar" else tuple(rows)

    @property
    def listing(self) -> str:
        return ir.format_circuit(self.circuit)

    def __repr__(self):
        return (f"<CompiledCircuit {self.qnode.__name__}: {len(self.circuit.ops)} ops on "
                f"{self.circuit.num_wires} wires, {self.executions} circuits per gradient>")

    # --- export --------------------------------------------------------------------------
    def export(self, path, carry=()) -> Path:
        """Write a standalone module (numpy and numba only) with ``value``, ``grad`` and
        ``jacobian`` for this signature; returns its path. The SHA-256 of the bytes written
        is then :attr:`export_sha256` (pass it to :func:`load` as ``expected_hash``).
        ``carry``: further names of the generated module to keep (with what they reach),
        e.g. ``("fused_value_and_grad_adjoint",)`` for the compiled loops that
        :mod:`qsym._distributed` ships with the module."""
        self._check_gates()
        path = _path_argument(path, "export(path)", "the .py file to write")
        if path.suffix != ".py" or not path.stem.isidentifier():
            raise ExportError(f"export to a .py file with an importable name, got {path.name!r}")
        layout = list(self.layout)
        for item in layout:
            if item[-2] == "static" and not _is_literal(item[-1]):
                raise ExportError(f"static argument {item[-1]!r} cannot be written into a module")
        generated = self.entry.source
        generated = re.sub(r"^from qsym\._kernels import (\w+) as (\w+)$", r"\2 = \1", generated,
                           flags=re.M)
        # the written-out lines' intrinsic (qsym._linecode): carried, as the kernels are
        generated = re.sub(r"^from qsym\._linecode import (\w+) as (\w+)  # \w+$", r"\2 = \1",
                           generated, flags=re.MULTILINE)
        # the kernels linked, not called through qsym's table (qsym._kernel_table): the
        # export carries them and runs without qsym
        generated = re.sub(r"^.*\b_q_through_table\b.*\n", "", generated, flags=re.M)
        generated = _strip_docstring(generated)
        calls = _api_calls(bool(self.entry.fused), self.diff_method == "adjoint")
        api = _API.format(
            layout=repr(tuple(layout)),
            matrix_data=[float(v) for v in self.entry.data_tail],
            post=repr(self.entry.post),
            output=repr(self.circuit.output),
            blocks=repr(self.entry.blocks),
            single=repr(self.single),
            fused=repr(bool(self.entry.fused)),
            adjoint=repr(self.diff_method == "adjoint"),
            method=self.diff_method,
            calls=calls,
            checks=_checks_source(self.entry),
        )
        # only what the API reaches: the kernels, shapes and generated functions it runs,
        # the interpreter's gate dispatch cut to the kinds of this circuit's ops
        library = linked_cells(_module_body(kernels))
        ints = getattr(self.entry, "_ints", None)
        if ints is not None:
            library = specialize_dispatch(library, program_kinds(ints))
        sections = reachable_sections(
            [("qsym.errors (stand-ins)", _error_stand_ins()),
             ("qsym.kernels", library), ("qsym.shapes", _module_body(shapes))]
            + ([("qsym._linecode (the written-out lines' intrinsic)", _module_body(linecode))]
               if f"\n{linecode.CALL} = " in generated else [])
            + [("the circuit's generated module", generated)],
            _used_names(parse(api + "\n\n" + _TIERS)) | set(carry))
        defined = {node.name for _, text in sections for node in parse(text).body
                   if isinstance(node, ast.FunctionDef)}
        clash = defined & {n for stmt in parse(_TIERS).body for n in _bound_names(stmt)}
        if clash:
            raise ExportError(f"the export's tier code would replace {sorted(clash)}: a qsym "
                              "bug, please report it")
        tier_tables = (f"_ENTRIES = {tuple(n for n in _called(calls) if n in defined)!r}\n"
                       f"_TIER0_SOURCE = {tier0_source(sections)!r}\n")
        body = "\n\n".join(
            ["import math\nimport numpy as np\nfrom numba import njit"]
            + [f"# ---- {title} (what this circuit uses) ----\n{text}"
               for title, text in sections]
            + ["# ---- API ----\n" + api,
               "# ---- tiers: plain Python at once, numba once compiled ----\n" + tier_tables
               + _TIERS])
        meta = {
            "qsym_version": __version__,
            "numba_version": numba.__version__,
            "numpy_version": np.__version__,
            "circuit_hash": self.circuit_hash,
            "diff_method": self.diff_method,
            "executions_per_gradient": self.executions,
            "rules": {k: [list(r) for r in v] for k, v in self.rules.items()},
        }
        header = _HEADER.format(
            module=path.stem,
            name=self.qnode.__name__,
            listing=self.listing.replace('"""', "'''"),
            meta=json.dumps(meta, sort_keys=True),
            self_hash="",
            marker=_MARKER,
            prefix=_MODULE_PREFIX,
        )
        _check_closed(header + body + "\n", tier_tables)
        blank = (header + body + "\n").encode()
        digest = hashlib.sha256(blank).hexdigest()
        data = blank.replace(b'SELF_SHA256 = ""', f'SELF_SHA256 = "{digest}"'.encode(), 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace_file(path, data)
        self.export_sha256 = hashlib.sha256(data).hexdigest()
        return path


def _check_closed(text: str, tier_tables: str) -> None:
    """Refuse to write a module some function of which reads a name the module does not
    bind (:func:`unbound_globals`), the plain-Python tier's functions included (they run in
    a copy of the module's namespace, ``_t_twin``)."""
    missing = unbound_globals(text)
    tier0 = ast.literal_eval(parse(tier_tables).body[1].value)
    missing.update(unbound_globals(tier0, provided=_globals_of(text)[0]))
    if missing:
        raise ExportError(
            "the exported module would read names it does not define ("
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(missing.items()))
            + "): what the pruning kept is not closed, a qsym bug, please report it")


EVERY_FLOAT = "every float"  # argnum of qsym's own callers (qml.sweep, qml.minimize's executors)


def trainable_arguments(qnode, args, kwargs, argnum=None) -> tuple:
    """The positional arguments a :class:`CompiledCircuit` (and its export) differentiates,
    fixed at compile time from the example arguments, as ``qml.grad(qnode)`` /
    ``qml.grad(qnode, argnum=...)`` would choose them there:

    - ``argnum`` (an int or ints): those arguments, as ``qml.grad(qnode, argnum=...)``
      (a ``requires_grad=False`` tensor named raises ``NonDifferentiableError``);
    - otherwise PennyLane's rule (:func:`qsym._autodiff.trainable_indices`) if it selects
      any argument: the ``qsym.numpy`` tensors with ``requires_grad=True``, so plain
      floats, lists and arrays beside them are data, exactly as ``qml.grad(qnode)``;
    - if it selects none (no trainable tensor: plain Python and NumPy values, as the
      ``qsym compile`` command line's JSON gives), every positional float argument but a
      ``requires_grad=False`` tensor, as ``qml.grad(qnode, argnum=[those])``; PennyLane
      would have nothing to differentiate there, and an export without a gradient would
      be of no use.
    """
    from ._arguments import classify, normalize_argnum
    from ._autodiff import check_argnum, check_named, trainable_indices

    n = len(args)
    if argnum is not None and argnum != EVERY_FLOAT:
        idx, _ = normalize_argnum(argnum, None)
        check_argnum(idx, n)
        idx = tuple(sorted(i % n for i in idx))
        check_named(args, idx)
        return idx
    if argnum is None:
        idx = trainable_indices(args, qnode.static_positions)
        if idx:
            return tuple(idx)
    key, _, _ = classify(args, kwargs, None, qnode.static_argnames, qnode.static_positions)
    return tuple(i for i in range(n) if key[i][0] == _TRAIN)


def _is_literal(v) -> bool:
    try:
        return ast.literal_eval(repr(v)) == v
    except (ValueError, SyntaxError):
        return False


def _strip_docstring(source: str) -> str:
    tree = parse(source)
    if tree.body and isinstance(tree.body[0], ast.Expr):
        return "\n".join(source.splitlines()[tree.body[0].end_lineno :])
    return source


_HEADER = '''"""Gradient of the circuit {name!r}, exported by qsym: needs only numpy and numba.

    import {module}
    {module}.value(*args, **kwargs)     # what the circuit returns
    {module}.grad(*args, **kwargs)      # qml.grad(circuit)(*args): every trainable argument
    {module}.jacobian(*args, **kwargs)  # qml.jacobian(circuit)(*args)

Arguments have the circuit's own layout (LAYOUT). The first calls on a machine run these
functions as plain Python (and NumPy: the same numbers, bit for bit) while a background
process compiles them with numba, which caches the result next to this file; then calls
run compiled ({module}.tier(), {module}.wait_for_numba(); QSYM_EXPORT_TIER=auto, python
or numba), and later imports start compiled. This module checks at import
that it was not edited (SELF_SHA256: the SHA-256 of this file with that line's digits
blanked; it detects accidents, not an attacker). Edit nothing. It runs under the name
MODULE_NAME (qsym_export_...), whatever the file is called.

{listing}
"""
import hashlib as _hashlib
import json as _json
import os as _os
import sys as _sys

METADATA = _json.loads({meta!r})
QSYM_VERSION = METADATA["qsym_version"]
CIRCUIT_HASH = METADATA["circuit_hash"]
SELF_SHA256 = "{self_hash}"


def _check_file():
    with open(__file__, "rb") as fh:
        data = fh.read()
    canon = data.replace(('SELF_SHA256 = "' + SELF_SHA256 + '"').encode(), b'SELF_SHA256 = ""', 1)
    if _hashlib.sha256(canon).hexdigest() != SELF_SHA256:
        raise ImportError(
            f"{{__file__}} was modified after qsym exported it (it does not match "
            "SELF_SHA256): export it again"
        )


_check_file()
MODULE_NAME = "{prefix}" + _hashlib.sha256(
    (SELF_SHA256 + "\\0" + _os.path.realpath(__file__)).encode()).hexdigest()[:16]
if __name__ != MODULE_NAME:  # numba's disk cache finds functions by module name
    _sys.modules[MODULE_NAME] = _sys.modules[__name__]
    __name__ = MODULE_NAME
{marker}
'''


def _api_calls(fused: bool, adjoint: bool) -> str:
    """The exported module's compiled ``_numba_value`` and ``_numba_value_and_grad``: only
    the entry points this circuit's form (fused or not) and method run, so that the module
    carries only the kernels they reach (:func:`reachable_sections`).

    A fused circuit's calls its ``_into`` entry points into arrays they make (the returning
    forms ``fused_value(x, d)``, ... would each be a compile linking the carried kernels
    again, issue #17):

    >>> print(_api_calls(fused=True, adjoint=True))
    def _numba_value(x, d):
        out = np.empty(NUM_OUTPUTS)
        fused_value_into(x, d, out)
        return out
    <BLANKLINE>
    <BLANKLINE>
    def _numba_value_and_grad(x, d):
        out, jac = np.empty(NUM_OUTPUTS), np.empty((NUM_OUTPUTS, NUM_INPUTS))
        fused_value_and_grad_adjoint_into(x, d, out, jac)
        return out, jac
    """
    outputs = "    out, jac = np.empty(NUM_OUTPUTS), np.empty((NUM_OUTPUTS, NUM_INPUTS))\n"
    if fused:
        # the _into forms, into arrays made here (as the runtime's Compiled._fused): the
        # returning forms would be compiles of their own that link the _into forms' whole
        # call tree again (the carried kernels: issue #17); the same code, the same bits
        grad = "fused_value_and_grad_adjoint_into" if adjoint else "fused_value_and_grad_into"
        return ("def _numba_value(x, d):\n    out = np.empty(NUM_OUTPUTS)\n"
                "    fused_value_into(x, d, out)\n    return out\n\n\n"
                f"def _numba_value_and_grad(x, d):\n{outputs}    {grad}(x, d, out, jac)\n"
                "    return out, jac")
    # (the kernels' _into forms, into arrays made here: the library has no returning forms)
    value = ("def _numba_value(x, d):\n    mats, smats, ch, C, cc, th = prepare(x, d, 0)\n"
             "    out = np.empty(NUM_OUTPUTS)\n"
             "    program_value_into(PROGRAM_INTS, PROGRAM_FLOATS, mats, C, out)\n"
             "    return out")
    if adjoint:
        grad = ("def _numba_value_and_grad(x, d):\n"
                "    mats, dmats, ch, C, cc, th = prepare_adjoint(x, d)\n" + outputs +
                "    program_value_and_grad_adjoint_into(PROGRAM_INTS, PROGRAM_FLOATS, mats, "
                "dmats, ch, C, cc, out, jac)\n    return out, jac")
    else:
        grad = ("def _numba_value_and_grad(x, d):\n"
                "    mats, smats, ch, C, cc, th = prepare(x, d, 1)\n" + outputs +
                "    program_value_and_grad_into(PROGRAM_INTS, PROGRAM_FLOATS, mats, smats, "
                "ch, C, cc, out, jac)\n    return out, jac")
    return value + "\n\n\n" + grad


def _called(code: str) -> list:
    """The names ``code`` calls, in order of first call."""
    out = []
    for node in ast.walk(parse(code)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id not in out:
            out.append(node.func.id)
    return out


class _IntPowers(ast.NodeTransformer):
    """``a ** n`` (``n`` a constant integer) -> ``_q_ipow(a, n)``: numba's repeated
    squaring (:func:`qsym._tiers.ipow`), not Python's ``pow``, for the plain-Python tier."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            n = node.right
            if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
                n = n.operand
                sign = -1
            else:
                sign = 1
            if isinstance(n, ast.Constant) and type(n.value) is int:
                return ast.copy_location(ast.Call(
                    func=ast.Name("_q_ipow", ast.Load()),
                    args=[node.left, ast.Constant(sign * n.value)], keywords=[]), node)
        return node


def _calls(node, name: str) -> bool:
    """Whether ``node`` calls the function named ``name``."""
    return any(isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
               and c.func.id == name for c in ast.walk(node))


def _has_line_call(node) -> bool:
    return _calls(node, linecode.CALL)


def _has_int_power(node) -> bool:
    return _calls(_IntPowers().visit(node), "_q_ipow")


def tier0_source(sections, extra_roots=()) -> str:
    """The plain-Python tier of an exported module: the numba functions of ``sections``
    (``(title, source)``, as :func:`reachable_sections` keeps them) that compute a power
    with a constant integer exponent, or call the written-out lines' intrinsic, again
    without ``@njit``, with numba's arithmetic for the power (``_q_ipow``) and the lines'
    expressions (:func:`qsym._linecode.infix`); then the NumPy twins (:mod:`qsym._aot_numpy`) of the kernels
    carried whose loops run over the state. The module runs every other numba function as
    its ``py_func`` in the same namespace, so these replace their namesakes there.
    ``extra_roots``: more names of :mod:`qsym._aot_numpy` to carry (qsym's own tier 0:
    :func:`ship_kernel_twins`; an export carries none)."""
    carried, defs = set(), []
    for _, text in sections:
        for node in parse(text).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            carried.add(node.name)
            if node.decorator_list and (_has_int_power(node) or _has_line_call(node)):
                node.decorator_list = []
                defs.append(linecode.python_text(ast.unparse(ast.fix_missing_locations(node))))
    twins = _module_body(aot_numpy)
    roots = {n.name for n in parse(twins).body
             if isinstance(n, ast.FunctionDef) and n.name in carried} | set(extra_roots)
    (_, kept), = reachable_sections([("qsym.aot_numpy", twins)], roots)
    ipow = inspect.getsource(tiers.ipow).replace("def ipow(", "def _q_ipow(", 1)
    return "\n\n".join([ipow] + defs + ([kept] if roots else [])) + "\n"


def ship_kernel_twins(path=None) -> dict:
    """Write ``qsym/kernel_twins.json`` (or ``path``): :func:`tier0_source` of the whole
    kernel library, which a new circuit's first calls in a qsym process run while the
    kernels' compiled code is not loaded yet (:data:`qsym._tiers.KERNELS`), and the digest
    of the sources it is made from and of that source
    (:func:`qsym._tiers.kernel_twins_digest`: a stale or edited file is not used). Making
    it costs about 0.1 s of ``ast`` work, too much for a first answer;
    ``tests/test_tiers.py`` fails, saying to run this, when the file is not what it makes::

        python -c "from qsym import _aot as aot; aot.ship_kernel_twins()"
    """
    # the adjoint steps' faster forms for large states, qsym's tier 0 only (not exports')
    fast = {"FAST_STEPS"} | {f for f, _ in aot_numpy.FAST_STEPS.values()}
    source = tier0_source([("qsym.kernels", _module_body(kernels))], fast)
    table = {"digest": tiers.kernel_twins_digest(source), "source": source}
    target = Path(path) if path is not None else tiers.KERNEL_TWINS
    target.write_text(json.dumps(table, indent=0) + "\n")
    return table


_API = '''LAYOUT = {layout}
# the circuit's QubitUnitary matrices, the end of the data vector (real, imaginary parts)
_MATRIX_DATA = np.array({matrix_data!r}, dtype=np.float64)
_POST = {post}
_OUTPUT = {output}
_BLOCKS = {blocks}
_SINGLE = {single}
_FUSED = {fused}
_ADJOINT = {adjoint}  # the QNode's diff_method was the adjoint method


def _real_array(what, a):
    """``a`` as a float64 array if it holds real numbers only: complex numbers (whose
    imaginary part the conversion dropped with only a warning), text ("0.5" was read as
    0.5), bools and None are refused, as the QNode refuses them."""
    import numbers

    try:
        raw = np.asarray(a)
    except (TypeError, ValueError):  # a ragged list
        raw = None
    kind = None if raw is None else raw.dtype.kind
    if kind == "O":
        items = raw.ravel().tolist()
        if all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
               for v in items):
            return raw.astype(np.float64)
    elif kind is not None and kind in "iuf":
        return np.asarray(raw, dtype=np.float64)
    got = "a ragged sequence" if raw is None else f"dtype {{raw.dtype}}"
    raise ValueError(f"{{what}} must be real numbers (floats), got {{got}}: pass e.g. "
                     "np.array([...], dtype=float)")


def _inputs(args, kwargs):
    """Flat float64 inputs (trainable, data) from arguments in the circuit's layout."""
    positional = [item for item in LAYOUT if len(item) == 2]
    keywords = {{item[0]: item[1:] for item in LAYOUT if len(item) == 3}}
    if len(args) != len(positional):
        raise TypeError(f"expected {{len(positional)}} positional arguments, got {{len(args)}}")
    if set(kwargs) != set(keywords):
        raise TypeError(f"expected keyword arguments {{sorted(keywords)}}, got {{sorted(kwargs)}}")
    xs, ds = [], []
    items = [(f"argument {{i}}", a, spec) for i, (a, spec) in enumerate(zip(args, positional))]
    items += [(f"keyword argument {{k!r}}", kwargs[k], keywords[k]) for k in sorted(keywords)]
    for what, a, (kind, info) in items:
        if kind == "static":
            if a != info:
                raise ValueError(f"{{what}} was compiled as the constant {{info!r}}, got {{a!r}}")
            continue
        arr = _real_array(what, a)
        if arr.shape != tuple(info):
            raise ValueError(f"{{what}} must have shape {{tuple(info)}}, got {{arr.shape}}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{{what}} contains NaN or infinite values")
        (xs if kind == "trainable" else ds).append(arr)
    d = flat(ds)
    return flat(xs), (np.concatenate([d, _MATRIX_DATA]) if _MATRIX_DATA.size else d)


{checks}


{calls}


def value(*args, **kwargs):
    """The circuit's value(s) at these arguments."""
    x, d = _inputs(args, kwargs)
    _checks(x, d, False)
    return format_values(_OUTPUT, measurements(_POST, _value(x, d))[0])


def grad(*args, **kwargs):
    """The gradient by every trainable argument (exact, {method})."""
    if _OUTPUT != "scalar" or _POST[0][3] != ():
        raise ValueError("grad needs a circuit with one scalar result: use jacobian")
    x, d = _inputs(args, kwargs)
    _checks(x, d, True)
    out, jac = _value_and_grad(x, d)
    return pick(measurements(_POST, out, jac)[1][0], _BLOCKS, _SINGLE)


def jacobian(*args, **kwargs):
    """The Jacobian: per measurement, the gradient by every trainable argument."""
    x, d = _inputs(args, kwargs)
    _checks(x, d, True)
    out, jac = _value_and_grad(x, d)
    rows = [pick(j, _BLOCKS, _SINGLE) for j in measurements(_POST, out, jac)[1]]
    return rows[0] if _OUTPUT == "scalar" else tuple(rows)'''


# The per-call checks of a circuit's inputs (qsym._stages.make_checks) as an export writes
# them: by the function that tests the numbers, its source with ``v`` the checked values
# (a complex array) and ``arg`` the partial's argument; qsym's messages, as ValueError
_CHECK_TESTS = {
    "_check_bits": (
        "w = numpy.real(v)\n"
        "if not numpy.all((w == 0) | (w == 1)):\n"
        "    raise ValueError(f'{arg}: Basis state must only consist of 0s and 1s; got "
        "{w.tolist()}')"),
    "_check_norm": (
        "if not numpy.all(numpy.isfinite(v)):\n"
        "    raise ValueError(f'{arg}: the state has NaN or infinite amplitudes')\n"
        "norm = float(numpy.linalg.norm(v))\n"
        "if not numpy.isclose(norm, 1.0, atol=1e-10):\n"
        "    raise ValueError(f'{arg}: The state must be a vector of norm 1.0; got norm "
        "{norm}. Use normalize=True to automatically normalize.')"),
    "_check_norm_as_given": (
        "if not numpy.all(numpy.isfinite(v)):\n"
        "    raise ValueError(f'{arg}: the state has NaN or infinite amplitudes')\n"
        "norm = float(numpy.linalg.norm(v))\n"
        "if abs(norm - 1.0) > 1e-10:\n"
        "    raise ValueError(f'{arg}: a state of norm {norm!r}, not 1 within 1e-10: the "
        "export prepares unit vectors only (PennyLane starts from the vector as given); "
        "normalize it in double precision or pass normalize=True.')"),
    "_check_unvalidated_norm": (
        "if not numpy.all(numpy.isfinite(v)):\n"
        "    raise ValueError(f'{arg}: the state has NaN or infinite amplitudes')\n"
        "norm = float(numpy.linalg.norm(v))\n"
        "if abs(norm - 1.0) > 1e-10:\n"
        "    raise ValueError(f'{arg}: validate_norm=False with a state of norm {norm}: the "
        "export prepares unit vectors only; pass normalize=True, or a state of norm 1.')"),
    "_check_nonzero": (
        "if not numpy.all(numpy.isfinite(v)):\n"
        "    raise ValueError(f'{arg}: the state has NaN or infinite amplitudes')\n"
        "if not numpy.any(v):\n"
        "    raise ValueError(f'{arg}: the state is the zero vector, which cannot be "
        "normalized')"),
    "_check_traced_hermitian": (
        "M = v.reshape(arg, arg)\n"
        "if not numpy.all(numpy.isfinite(M)):\n"
        "    raise ValueError('Hermitian: the matrix has NaN or infinite entries')\n"
        "if not numpy.allclose(M, M.conj().T, atol=1e-10):\n"
        "    raise ValueError('Hermitian: the matrix is not Hermitian (A != A^dagger)')"),
    "_check_unit_norm": (
        "norm = float(numpy.linalg.norm(v))\n"
        "if not numpy.isclose(norm, 1.0):\n"
        "    raise ValueError(f'The input superposition must be normalized (got norm {norm}).')"),
    "_check_split": (
        "if not numpy.any(v):\n"
        "    raise ValueError('the derivative of a state preparation where a block of input "
        "amplitudes is all zero is not computed by an export (the QNode computes it): move "
        "the amplitudes off zero (e.g. by 1e-9)')"),
    "_no_coefficient_gradient": (
        "raise ValueError(\"The QDrift template currently doesn't support differentiation "
        "through the coefficients of the input Hamiltonian.\")"),
}


def _checks_source(entry) -> str:
    """``_checks(x, d, derivative)`` of an export: the per-call checks the QNode runs on
    this signature's inputs (``BasisState`` bits that are 0 or 1, a traced ``Hermitian``
    that is Hermitian, a state's norm; those marked ``derivative`` only for ``grad`` and
    ``jacobian``), so that an export refuses what the QNode refuses, never giving numbers
    for it. A check of a kind it cannot write is an :class:`ExportError`."""
    import sympy as sp
    from sympy.printing.numpy import NumPyPrinter

    checks = getattr(entry, "checks", None) or ()
    c = entry.circuit
    syms = tuple(c.inputs) + tuple(c.data)
    names = {s: sp.Symbol(f"_a[{k}]") for k, s in enumerate(syms)}
    printer = NumPyPrinter()
    lines = ["def _checks(x, d, derivative):",
             '    """The QNode\'s per-call checks of the inputs (qsym\'s errors, as ValueError)."""',
             "    import numpy",
             f"    _a = list(x) + list(d[:{len(c.data)}])"]
    for check in checks:
        test = check.test
        func = getattr(test, "func", test)
        kind = getattr(func, "__name__", type(test).__name__)
        if type(test).__name__ == "UnnormalizedPrep":
            continue  # (a mark: nothing to check)
        body = _CHECK_TESTS.get(kind)
        if body is None or not hasattr(check, "exprs"):
            raise ExportError(
                f"this circuit checks its inputs at every call ({getattr(check, 'what', kind)}) "
                "in a way an export cannot write yet: call the QNode or qml.compile's "
                "functions in this process")
        arg = test.args[0] if getattr(test, "args", None) else None
        values = ", ".join(printer.doprint(sp.sympify(e).xreplace(names)) for e in check.exprs)
        lines.append(f"    if {'derivative' if check.derivative else 'True'}:  # {check.what}")
        lines.append(f"        arg = {arg!r}")
        lines.append(f"        v = numpy.array([{values}], dtype=complex)")
        lines.extend("        " + line for line in body.split("\n"))
    return "\n".join(lines)


# The exported module's tiers (not formatted: written as is after _ENTRIES and _TIER0_SOURCE).
# "python": the module's numba functions run as plain Python (their py_func, in a namespace
# of their own where the NumPy twins of the state loops replace their kernels, and the
# generated code with numba's integer powers): the same numbers, no compile. "numba": the
# compiled functions. A module whose compiled code is in numba's disk cache starts on
# "numba"; otherwise on "python", while a background Python process compiles the same file
# (numba writes its cache), and swaps once a thread of this process has loaded it.
_TIERS = r'''import atexit as _atexit
import os as _os
import subprocess as _subprocess
import threading as _threading
import types as _types

TIER_MODES = ("auto", "python", "numba")
_T = {"tier": None, "ns": None, "job": None, "loader": None, "args": None,
      "pending": None}
_T_LOCK = _threading.RLock()
if hasattr(_os, "register_at_fork"):  # a fork while another thread swaps: free in the child
    _os.register_at_fork(after_in_child=lambda: _T_LOCK._is_owned() or _T_LOCK._at_fork_reinit())
_T_EXITING = []
_T_CHILD = (
    "import sys, types\n"
    "path = sys.argv[1]\n"
    "m = types.ModuleType('qsym_export_compiler')\n"
    "m.__file__ = path\n"
    "sys.modules[m.__name__] = m\n"
    "exec(compile(open(path, 'rb').read(), path, 'exec'), m.__dict__)\n"
    "m._t_compile_here(sys.stdin.read())\n"
)


def _t_mode():
    mode = _os.environ.get("QSYM_EXPORT_TIER", "auto").strip().lower() or "auto"
    if mode not in TIER_MODES:
        raise ValueError(f"QSYM_EXPORT_TIER={mode!r} is not one of auto, python, numba: "
                         "unset it for the default (auto)")
    return mode


def tier():
    """The tier calls run on: "python" (no compile; the same numbers), "numba" (compiled),
    None before the first call."""
    return _T["tier"]


def _t_cached():
    """Whether numba's disk cache holds every entry point for this machine."""
    try:
        for name in _ENTRIES:
            disp = globals()[name]
            if not _os.path.exists(disp._cache._cache_file._index_path):
                return False  # (before LLVM's target is set up: a cold start pays nothing)
            magic = disp.targetctx.codegen().magic_tuple()
            if not any(key[1] == magic for key in disp._cache._cache_file._load_index()):
                return False
        return True
    except Exception:  # noqa: BLE001 - no cache, another numba: compile
        return False


def _t_twin():
    """The plain-Python namespace of the "python" tier (built once)."""
    ns = _T["ns"]
    if ns is None:
        ns = dict(globals())
        for name, value in list(ns.items()):
            py = getattr(value, "py_func", None)
            if name.startswith("_numba_"):  # the API's compiled calls: plain functions
                py = value
            if py is not None and py.__globals__ is globals():
                ns[name] = _types.FunctionType(py.__code__, ns, py.__name__, py.__defaults__,
                                               py.__closure__)
        exec(_TIER0_SOURCE, ns)
        _T["ns"] = ns
    return ns


def _t_start(x, d):
    with _T_LOCK:
        if _T["tier"] is not None:
            return
        mode = _t_mode()
        from numba.core import config as _config
        cached = mode == "auto" and _t_cached()
        # cached: a large circuit loads its compiled code at once (about a second, less
        # than its plain-Python gradient); a small one answers in plain Python meanwhile
        if mode == "numba" or _config.DISABLE_JIT or (cached and not _FUSED):
            _T["tier"] = "numba"
            return
        _t_twin()
        _T["args"] = (x.copy(), d.copy())
        _T["tier"] = "python"
        # after this first answer, so that nothing competes with it: load the cached code
        # in a thread, or compile it in a background process
        _T["pending"] = "load" if cached else ("compile" if mode == "auto" else None)


def _t_background(x, d):
    """A Python process that runs this file and compiles its entry points (numba writes
    them to its disk cache); a thread of this process loads them when it is done."""
    env = dict(_os.environ, QSYM_EXPORT_TIER="numba")
    payload = _json.dumps({"x": [float(v) for v in x], "d": [float(v) for v in d]})
    try:
        proc = _subprocess.Popen(
            [_sys.executable, "-c", _T_CHILD, _os.path.realpath(__file__)],
            stdin=_subprocess.PIPE, stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL,
            env=env)
        proc.stdin.write(payload.encode())
        proc.stdin.close()
    except (OSError, ValueError):
        proc = None
    _T["job"] = proc
    if proc is None:  # no process: compile in a thread of this one
        _t_load()


def _t_compile_here(payload):
    """The background process: compile (and cache) the entry points at its inputs."""
    job = _json.loads(payload)
    x = np.array(job["x"], dtype=np.float64)
    d = np.array(job["d"], dtype=np.float64)
    for fn in (_numba_value, _numba_value_and_grad):
        try:
            fn(x, d)
        except Exception:  # noqa: BLE001 - a singular point: compiled all the same
            pass


def _t_load():
    """Load (or compile) the entry points in a thread, then swap to "numba"."""

    def run():
        x, d = _T["args"]
        for fn in (_numba_value, _numba_value_and_grad):
            if _T_EXITING:
                return
            try:
                fn(x, d)
            except Exception:  # noqa: BLE001 - a singular point: loaded all the same
                pass
        _T["tier"] = "numba"

    with _T_LOCK:
        if _T["loader"] is None:
            loader = _threading.Thread(target=run, name=f"{__name__} numba", daemon=True)
            loader.start()  # started before it is published: other threads may join it
            _T["loader"] = loader


def _t_poll():
    job = _T["job"]
    if _T["loader"] is None and job is not None and job.poll() is not None:
        if job.returncode == 0:
            _t_load()
        else:  # the compile failed there: it would here too; stay on plain Python
            _T["job"] = None


@_atexit.register
def _t_exit():
    _T_EXITING.append(True)
    loader = _T["loader"]
    if loader is not None and loader.is_alive():
        loader.join()


def wait_for_numba(timeout=None):
    """Wait until calls run compiled (the background compile done and loaded); returns
    whether they do. Before the first call nothing has started: False."""
    import time as _time

    end = None if timeout is None else _time.monotonic() + timeout
    job = _T["job"]
    if _T["tier"] == "python" and job is not None:
        try:
            job.wait(None if end is None else max(0.0, end - _time.monotonic()))
        except _subprocess.TimeoutExpired:
            return False
        _t_poll()
    loader = _T["loader"]
    if loader is not None:
        loader.join(None if end is None else max(0.0, end - _time.monotonic()))
    return _T["tier"] == "numba"


def _t_python_error(exc):
    """Plain Python raises where numba's compiled code (error_model="numpy") gives inf or
    nan (a singular point): that call runs compiled instead."""
    if isinstance(exc, (ZeroDivisionError, OverflowError)):
        return True
    return isinstance(exc, ValueError) and not str(exc).startswith("qsym:")


def _t_call(name, x, d):
    if _T["tier"] is None:
        _t_start(x, d)
    if _T["tier"] == "python":
        _t_poll()
        if _T["tier"] == "python":
            try:
                return _T["ns"][name](x, d)
            except Exception as exc:  # noqa: BLE001
                if not _t_python_error(exc):
                    raise
            finally:
                pending = _T.pop("pending", None)
                if pending == "load":
                    _t_load()
                elif pending == "compile":
                    _t_background(*_T["args"])
    return globals()[name](x, d)


def _value(x, d):
    return _t_call("_numba_value", x, d)


def _value_and_grad(x, d):
    return _t_call("_numba_value_and_grad", x, d)
'''


_PL_COMPILE = frozenset({"pipeline", "basis_set", "num_passes"})


def _is_pipeline(x) -> bool:
    items = x if isinstance(x, (list, tuple)) else [x]
    return bool(items) and all(hasattr(getattr(i, "func", i), "tape_transform") for i in items)


def _pennylane_compile(qnode, args, kwargs) -> bool:
    """Whether ``qml.compile(qnode, *args, **kwargs)`` is PennyLane's compile transform:
    no QNode (a tape, a quantum function, nothing), PennyLane's keywords only, or a
    pipeline of transforms as the second argument."""
    if qnode is None or not isinstance(qnode, QNode):
        return True
    if args:
        return _is_pipeline(args[0])
    return set(kwargs) <= _PL_COMPILE


def compile(qnode: QNode = None, *args, argnum=None, **kwargs) -> CompiledCircuit:  # noqa: A001
    """Compile ``qnode`` for the signature of these example arguments.

    Given no example arguments (``qml.compile(qnode)``, ``qml.compile(qnode, pipeline=...)``),
    a tape, a quantum function, or a list of transforms as the second argument, this is
    PennyLane's compile transform (:func:`qsym.transforms.compile`); a circuit without
    arguments compiles ahead of time with ``qml.compile(qnode, argnum=())``.

    Returns a :class:`CompiledCircuit` whose ``value``/``grad``/``jacobian`` take arguments
    of the same layout (new values, same shapes and static values) and whose ``export``
    writes a standalone module. Which arguments ``grad`` and ``jacobian`` differentiate is
    fixed here (:func:`trainable_arguments`): ``argnum`` if given; else PennyLane's rule
    (``qsym.numpy`` tensors with ``requires_grad=True``) if some example argument is such
    a tensor; else every positional float argument (plain values: nothing to ask).

    >>> import qsym as qml, tempfile, os
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliY(0))
    >>> compiled = qml.compile(circuit, 0.3)
    >>> print(compiled.value(0.3), compiled.grad(0.3))  # -sin(0.3), -cos(0.3)
    -0.29552020666133955 -0.955336489125606
    >>> @qml.qnode(dev)
    ... def scaled(w, s):
    ...     qml.RX(w[0] * s, wires=0)
    ...     return qml.expval(qml.PauliY(0))
    >>> from qsym import numpy as np
    >>> [item[0] for item in qml.compile(scaled, np.array([0.3]), 2.0).layout]  # as qml.grad
    ['trainable', 'data']
    >>> [item[0] for item in qml.compile(scaled, [0.3], 2.0).layout]  # no tensor: every float
    ['trainable', 'trainable']
    """
    if argnum is None and _pennylane_compile(qnode, args, kwargs):
        from ._compilation import compile as transform_compile

        return (transform_compile(**kwargs) if qnode is None
                else transform_compile(qnode, *args, **kwargs))
    return CompiledCircuit(qnode, args, kwargs, argnum)


def _metadata(text: str, name) -> dict:
    m = re.search(r"^METADATA = _json.loads\((.*)\)$", text, flags=re.M)
    if not m:
        raise ExportError(f"{name} is not a module exported by qsym")
    try:
        return json.loads(ast.literal_eval(m.group(1)))
    except (ValueError, SyntaxError) as exc:
        raise ExportError(f"{name}: its METADATA line is damaged ({exc})") from None


def read_metadata(path) -> dict:
    """The metadata of an exported module, read without running it. It is what the file
    says about itself: information, not proof (see :func:`load`).

    >>> import qsym as qml, tempfile, os
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliY(0))
    >>> path = qml.compile(circuit, 0.3).export(os.path.join(tempfile.mkdtemp(), "ry.py"))
    >>> meta = qml.read_metadata(path)
    >>> meta["diff_method"], meta["executions_per_gradient"], meta["rules"]["RX"][0][0]
    ('parameter-shift', 3, 0.5)
    """
    path = _path_argument(path, "qml.read_metadata(path)", "the exported .py file")
    return _metadata(_read_file(path).decode("utf-8", errors="replace"), path)


def load(path, expected_hash: str | None = None, check_version: bool = True):
    """Run an exported module and return it, after checking its bytes before any of them run.

    The file is read once; those bytes are checked, then compiled and executed as a fresh
    module (``qsym_export_<hash>``, registered in ``sys.modules``: no module of the process
    is replaced, whatever the file is called). Nothing is imported by path.

    Args:
        path: the exported ``.py`` file.
        expected_hash: the SHA-256 (hex) of the exact bytes exported
            (:attr:`CompiledCircuit.export_sha256`, printed by ``qsym compile``,
            ``sha256sum``): anything else is refused before it runs. This is the check that
            makes a file from elsewhere safe to load: it trusts nothing written in the file.
        check_version: refuse a module whose metadata names another qsym version.

    Raises:
        ExportError: the bytes do not have ``expected_hash``; the file was edited after the
            export (its ``SELF_SHA256`` line does not match: this detects accidents, not an
            attacker, who can rewrite that line too); another qsym version; not an export.

    Without ``expected_hash`` a module is code like any other: load only files you trust.

    >>> import qsym as qml, tempfile, os
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliY(0))
    >>> path = qml.compile(circuit, 0.3).export(os.path.join(tempfile.mkdtemp(), "ry.py"))
    >>> try:  # the file is checked before any of it runs
    ...     qml.load(path, expected_hash="0" * 64)
    ... except qml.ExportError as exc:
    ...     print(str(exc).split(":")[0])
    ry.py is not the file expected
    """
    path = _path_argument(path, "qml.load(path)", "the exported .py file")
    data = _read_file(path)
    digest = hashlib.sha256(data).hexdigest()
    text = data.decode("utf-8", errors="replace")
    if expected_hash is not None:
        if not (isinstance(expected_hash, str)
                and re.fullmatch(r"[0-9a-fA-F]{64}", expected_hash)):
            raise ExportError(
                "expected_hash must be the 64-hex-digit SHA-256 of the exported file "
                f"(compiled.export_sha256, or what `qsym compile` printed), got {expected_hash!r}"
            )
        if digest != expected_hash.lower():
            hint = ""
            if f'"circuit_hash": "{expected_hash.lower()}"' in text:
                hint = (" (that is the circuit hash written in the file's metadata; "
                        "expected_hash is the SHA-256 of the file's bytes: "
                        "compiled.export_sha256)")
            raise ExportError(
                f"{path.name} is not the file expected: its SHA-256 is {digest}, expected "
                f"{expected_hash.lower()}{hint}; it was not run"
            )
    meta = _metadata(text, path.name)
    m = _HASH_LINE.search(data)
    if m is None or _self_hash(data, m.group(1).decode()) != m.group(1).decode():
        raise ModifiedExportError(
            f"{path} was modified after qsym exported it (it does not match its SELF_SHA256 "
            "line); it was not run: export it again"
        )
    if check_version and meta.get("qsym_version") != __version__:
        raise ExportError(
            f"{path.name} was exported by qsym {meta.get('qsym_version')}, this is qsym "
            f"{__version__}: export it again (or load with check_version=False)"
        )
    name = module_name(path, m.group(1).decode())
    module = _run_export(path, data, name, cache.export_cache_dir(digest, name))
    module.FILE_SHA256 = digest
    return module


def _run_export(path, data: bytes, name: str, folder):
    """Run the checked bytes ``data`` of the export at ``path`` as module ``name``, numba's
    cache of its functions in the qsym cache's ``folder`` (checked and signed there), not
    in the ``__pycache__`` beside the file: numba would unpickle whatever that holds (files
    planted or shipped beside an export whose bytes ``load`` checked). Its background
    compile (the module's ``_t_background``) runs these bytes again in a process of qsym's
    (:func:`_compile_loaded`), not the file's bytes at that time."""
    code = builtins_compile(data, str(path), "exec", dont_inherit=True)
    cache.relocate_numba_cache(path, folder)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__loader__ = None
    previous = sys.modules.get(name)
    sys.modules[name] = module  # numba's cache finds functions through sys.modules
    try:
        exec(code, module.__dict__)
        cache.guard_export_caches(module, folder)
    except BaseException:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        raise
    if callable(module.__dict__.get("_t_background")):
        module._t_background = _background_of(module, path, hashlib.sha256(data).hexdigest(),
                                              folder)
    return module


def _background_of(module, path, digest: str, folder):
    """The loaded module's background compile: a Python process that runs
    :func:`_compile_loaded` on the file's bytes if they still have ``digest`` (nothing
    else), caching in ``folder``; the module's own thread loads the result
    (``_t_poll``). Without a process, the module's thread compiles it here."""

    def background(x, d):
        payload = json.dumps({"path": str(path), "sha256": digest, "name": module.__name__,
                              "folder": str(folder), "x": [float(v) for v in x],
                              "d": [float(v) for v in d]})
        env = dict(os.environ, QSYM_EXPORT_TIER="numba")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"]
                                    if env.get("PYTHONPATH") else "")
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from qsym._aot import _compile_loaded; "
                 "_compile_loaded()"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=env)
            proc.stdin.write(payload.encode())
            proc.stdin.close()
        except (OSError, ValueError):
            proc = None
        module._T["job"] = proc
        if proc is None:
            module._t_load()

    return background


def _compile_loaded() -> None:
    """The background process of an export run by :func:`load`: read ``{"path", "sha256",
    "name", "folder", "x", "d"}`` (JSON) from stdin, run the file's bytes if they still
    have that SHA-256 (else exit with status 3: nothing of a changed file runs), numba's
    cache in ``folder`` as in the parent, and compile its entry points there."""
    job = json.loads(sys.stdin.read())
    try:
        data = _read_file(job["path"])
    except (OSError, ExportError):
        sys.exit(3)
    if hashlib.sha256(data).hexdigest() != job["sha256"]:
        sys.exit(3)
    module = _run_export(job["path"], data, job["name"], job["folder"])
    module._t_compile_here(json.dumps({"x": job["x"], "d": job["d"]}))
