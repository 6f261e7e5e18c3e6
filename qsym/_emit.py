"""Stage 5b, emit: the generated module's source, printed from a lowered program.

:func:`emit_module` prints a :class:`qsym._program.Program` (:func:`qsym._program.lower`)
as Python text; it builds no tables of its own. The generated module holds:

- ``PROGRAM``: the program packed for the compiled-once kernels in :mod:`qsym._kernels`
  (:meth:`qsym._program.Program.pack`);
- ``prepare(x, d, mode)``: a numba function computing everything that depends on the
  inputs ``x`` and data ``d``: gate parameters (affine ones, ``a * x_j + b``, as table
  rows; the others as code printed from sympy, common subexpressions shared), the gate
  matrices and those of the shifted gates, the non-constant chain-rule factors and the
  observable coefficients that depend on inputs; ``prepare_adjoint`` the same with the
  derivative matrices the adjoint method needs;
- ``gate_entries(t, p, out, off)``: the matrices of the circuit's parametric gate types
  (``Program.variants[t]``), printed from the exact sympy matrices of their gate-table rows;
- ``fused_*``: one compiled call for a whole value or gradient; ``batch_*``: many rows.

The runtime calls ``prepare`` and then a kernel (``kernels.program_value_and_grad_into(*PROGRAM,
*prepare(x, d, 1)[:5], out, jac)``, the two-call path), or a fused entry point. ``prepare`` does not
call the kernel library: only the fused entry points do, through the kernel library's table
of pointers (:mod:`qsym._kernel_table`: numba does not link the kernels into them, which
cost 0.8-4 s per entry point), and numba compiles them at their first call. The module's size grows with the number of gates, never with
parameters x gates: shifted circuits are table rows, not code. Generated names start with
``_q_`` (or are the documented entry points), so nothing printed from sympy can collide.

A tiny circuit (at most ``UNROLL_MAX_OPS`` arithmetic operations written out) gets its fused
value and parameter-shift entry points as straight-line code with the kernels' arithmetic
(:func:`unrolled_functions`, each gate kind's form in :data:`GATE_KINDS`).

>>> import sympy as sp
>>> from qsym._ir import Circuit, Op, Measurement
>>> from qsym._plan import make_plan
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (2 * a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> src = emit_module(c, make_plan(c))
>>> "def prepare(x, d, mode):" in src and '_q_AF_A = np.array([float(v) for v in "2.0"' in src
True
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from ._parsing import parse
from . import _cache as cache, _kernel_table as kernel_table, _kernels as kernels, _linecode as linecode
from ._version import __version__
from ._gates import BUILTIN_GATES, REGISTRY, derivative_masks, gate_def, packed_masks, structured
from ._ir import Circuit, format_circuit
from ._plan import GradientPlan
from ._program import Program, lower
from .rules import matrix_function

# numba does not notice changes in functions that a cached function calls (numba issue
# 1833): the kernel library's hash is written into every generated module, so a change of
# the kernels changes the module's source, hence its file name, hence the cache entry.
KERNELS_HASH = kernel_table.KERNELS_HASH  # (the SHA-256 of _kernels.py, hashed once there)


class _Printer(PythonCodePrinter):
    """sympy's Python printer with floats printed exactly (17 significant digits)."""

    def _print_Float(self, expr):
        return repr(float(expr))


def pyexpr(expr) -> str:
    """Print a real sympy expression as Python (``math`` functions, exact floats).

    >>> pyexpr(sp.sin(sp.Symbol("x")) + sp.Float(0.1))
    'math.sin(x) + 0.1'
    """
    return _Printer({"fully_qualified_modules": True, "standard": "python3"}).doprint(expr)


def _block(assignments, symbols_map, prefix="_q_c") -> list[str]:
    """Lines computing ``target = expr`` for each pair, with common subexpressions shared
    (named ``prefix`` and a number)."""
    if not assignments:
        return []
    targets, exprs = zip(*assignments)
    exprs = [sp.sympify(e).xreplace(symbols_map) for e in exprs]
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols(prefix), optimizations=None)
    lines = [f"{sym} = {pyexpr(val)}" for sym, val in repl]
    lines += [f"{t} = {pyexpr(e)}" for t, e in zip(targets, reduced)]
    return lines


def _array(name, values, dtype) -> str:
    """A module-level array, its elements as the text of one string (exact: ``repr`` of
    each float, parsed back by ``float``): Python compiles a list display of thousands of
    numbers slowly, one string costs nothing."""
    arr = np.asarray(values, dtype=dtype)
    np_name = "bool_" if dtype == "bool" else dtype  # np.bool is absent in numpy 1.24-1.26
    flat = arr.ravel()
    kept = flat != 0  # and -0.0, kept as written
    if dtype in ("complex128", "float64"):
        kept |= np.signbit(flat.real) | np.signbit(flat.imag)
    if arr.size > 64 and np.count_nonzero(kept) * 4 < arr.size:
        # mostly zeros (the places of a matrix argument's entries, filled from the data):
        # zeros, then the others by index (a 256 x 256 matrix argument wrote 65,536 zeros)
        nz = np.flatnonzero(kept)
        text = f"{name} = np.zeros({arr.shape!r}, dtype=np.{np_name})"
        if len(nz):
            text += (f"\n{name}.ravel()[{_array('', nz, 'int64')[3:]}] = "
                     f"{_array('', flat[nz], dtype)[3:]}")
        return text
    if dtype == "complex128":
        body, conv = " ".join(repr(complex(v)) for v in arr.ravel()), "complex"
    elif dtype == "float64":
        body, conv = " ".join(repr(float(v)) for v in arr.ravel()), "float"
    elif dtype == "bool":
        body, conv = " ".join("1" if v else "0" for v in arr.ravel()), "int"
    else:
        body, conv = " ".join(str(int(v)) for v in arr.ravel()), "int"
    return (f'{name} = np.array([{conv}(v) for v in "{body}".split()], '
            f"dtype=np.{np_name}).reshape({arr.shape!r})")


@lru_cache(maxsize=None)
def gate_body(name: str, num_wires=None, hyper: tuple = (), derivative=None) -> tuple[str, ...]:
    """Lines that write a gate's stored matrix entries into ``out[off + i]`` from its
    parameters ``p0, p1, ...``, printed from the gate table's exact matrix (or from its
    exact derivative by parameter ``derivative``, for the adjoint method).

    >>> print("\\n".join(gate_body("RZ")))
    _q_c0 = (1/2)*p0
    _q_c1 = math.cos(_q_c0)
    _q_c2 = math.sin(_q_c0)
    out[off + 0] = complex(_q_c1, -_q_c2)
    out[off + 1] = complex(_q_c1, _q_c2)
    """
    if name in BUILTIN_GATES:  # a built-in gate: its code as shipped, found by name
        lines = cache.shipped_by_name("gate-code", code_name_key(name, num_wires, hyper,
                                                                derivative))
        # plain arithmetic (_plain_lines): checked when the table was made (ship_records
        # refuses any other row), and the table read is that very file (the index names
        # its SHA-256): not parsed again here (issue #17: 0.1-0.2 ms a gate kind, more for
        # long code, of a new process's first answer)
        if (isinstance(lines, list) and lines
                and all(isinstance(line, str) for line in lines)):
            return tuple(lines)
    row, params, mat, kind, masks = _gate_body_parts(name, num_wires, hyper)
    # printing costs sympy time (expand, cse, and in a new process sympy's lazy imports):
    # the lines are kept in the cache folder, keyed by everything they are printed from
    key = _gate_body_key(row, mat, derivative, kind, masks)
    if key is not None:
        # first a built-in gate's code as qsym printed it when it was built (checked as a
        # record is: qsym._cache.shipped_record; no file read or written for it), then the
        # cache folder's record, instead of printing it with sympy
        for read in (cache.shipped_record, cache.load_record):
            lines = read("gate-code", key)
            if isinstance(lines, list) and all(isinstance(line, str) for line in lines):
                if gate_code_matches(name, num_wires, hyper, derivative, lines, mat=mat,
                                     kind=kind, masks=masks):
                    return tuple(lines)
    lines = print_gate_body(row, params, mat, derivative, kind, masks)
    if key is not None:
        cache.save_record("gate-code", key, list(lines))
    return lines


def code_name_key(name: str, num_wires=None, hyper: tuple = (), derivative=None) -> str:
    """The name of a built-in gate variant's code in the shipped index
    (:func:`qsym._cache.shipped_by_name`).

    >>> code_name_key("RX", derivative=0)
    "('RX', None, (), 0)"
    """
    return repr((name, num_wires, tuple(hyper), derivative))


def _plain_lines(lines) -> bool:
    """Whether ``lines`` is gate code of plain arithmetic only (:func:`_plain_arithmetic`:
    what runs it runs nothing else)."""
    if not (isinstance(lines, list) and lines and all(isinstance(x, str) for x in lines)):
        return False
    return _plain_source("\n".join(lines))


# Texts of at least this many lines are read by the line grammar (below) first: compiling
# its regular expressions costs about 0.5-1 ms once a process, parsing and walking about
# 25 us a line (DoubleExcitation's 259 lines: 6.4 ms, the grammar 0.2 ms).
_GRAMMAR_MIN_LINES = 40


@lru_cache(maxsize=1024)
def _plain_source(text: str) -> bool:
    """:func:`_plain_lines` of the lines joined (a pure function of the text, so asked
    once a process per text): the line grammar (:func:`_plain_text`) where it pays, else
    or where it does not know the text, parsed and walked (:func:`_plain_arithmetic`)."""
    if ((text.count("\n") + 1 >= _GRAMMAR_MIN_LINES or _grammar.cache_info().currsize)
            and _plain_text(text)):
        return True
    try:
        return _plain_arithmetic(parse(text))
    except SyntaxError:
        return False


@lru_cache(maxsize=None)
def _grammar():
    """The line grammar of printed gate code, a subset of what :func:`_plain_arithmetic`
    accepts, as ``(target, operand, group, lines)`` regular expressions (ASCII only),
    applied in three steps by :func:`_plain_text`:

    1. each line's target, ``_q_c<k>`` or ``out[off + <int>]``, and `` = `` become ``$``;
    2. each operand (a number, ``p<k>``, ``_q_c<k>``, ``math.pi``, optionally negated;
       never inside a name or a number, never an exponent) becomes ``@``;
    3. each innermost group, a call of ``complex`` or a math function on expressions or one
       expression in parentheses, becomes ``@``, until none is left;

    then every line must be ``$`` and an expression: ``@``s, optionally negated, optionally
    raised to a literal integer 0-16 once (``a**b**c`` is refused), joined by ``+ - * /``.
    """
    term = r"-?@(?:\*\*-?(?:1[0-6]|[0-9]))?"
    expr = rf"{term}(?:(?: \+ | - |\*|/){term})*"
    return (re.compile(r"^(?:_q_c[0-9]+|out\[off \+ (?:0|[1-9][0-9]*)\]) = ", re.M | re.A),
            re.compile(r"(?<![\w.])(?<!\*\*)(?<!\*\*-)-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"
                       r"(?:e[-+]?[0-9]+)?|p[0-9]+|_q_c[0-9]+|math\.pi)(?![\w.])", re.A),
            re.compile(rf"(?:(?:complex|math\.(?:sqrt|sin|cos|tan|exp|log|atan2))"
                       rf"\((?:{expr}, )*|\(){expr}\)", re.A),
            re.compile(rf"(?:\${expr}\n)*\${expr}", re.A))


def _plain_text(text: str) -> bool:
    """Whether gate code's text is in the line grammar of printed gate code
    (:func:`_grammar`): every text it accepts is plain arithmetic by
    :func:`_plain_arithmetic`; ``False`` means not known, not refused. Text holding ``@``
    (Python's matrix product) or ``$`` (not Python) is not read."""
    if "@" in text or "$" in text:
        return False
    target, operand, group, lines = _grammar()
    text = operand.sub("@", target.sub("$", text))
    count = 1
    while count:
        text, count = group.subn("@", text)
    return lines.fullmatch(text) is not None


def _gate_body_parts(name, num_wires, hyper):
    """``(row, params, mat, kind, masks)``: what a gate variant's code is printed from."""
    row = gate_def(name)
    params = sp.symbols(f"p0:{row.num_params}", real=True)
    form = structured(name, num_wires, hyper, params)
    if form is None:
        return row, params, row.sympy_matrix(params, num_wires, hyper), row.structure, []
    # many wires: a few stored numbers (qsym._gates.structured), never 4^k entries
    kind, values, raw_masks = form
    return row, params, sp.Matrix(list(values)), kind, packed_masks(kind, raw_masks)


def _index_entries(name, num_wires, hyper, num_params) -> list:
    """``(kind, name key, full key)`` of a built-in gate variant's records, for the
    shipped index by name."""
    from . import rules

    out = []
    row, _, mat, kind, masks = _gate_body_parts(name, num_wires, hyper)
    for derivative in [None, *range(num_params)]:
        key = _gate_body_key(row, mat, derivative, kind, masks)
        out.append(("gate-code", code_name_key(name, num_wires, hyper, derivative), key))
    for j in range(num_params):
        key = rules.record_key(name, j, num_wires, hyper)
        out.append(("rules", rules.rule_name_key(name, j, num_wires, hyper), key))
    return out


def ship_records(path=None) -> dict:
    """Derive the shift rule and print the matrix code (and the adjoint's derivative code)
    of every built-in gate's listed variants (``GateDef.variants``) in a new, temporary
    cache folder, and write them as the table qsym ships (``qsym/gate_records.json``,
    :func:`qsym._cache.shipped_record`); the table. Run when the rule derivation or the
    gate printer changes (``tests/test_latency_records.py`` says so)::

        python -c "from qsym import _emit as emit; emit.ship_records()"
    """
    import json
    import os
    import tempfile

    from . import _gates as gates, rules

    table = {}
    index: dict = {"rules": {}, "gate-code": {}, "rule-numbers": {}}
    old_env = os.environ.get("QSYM_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="qsym-ship-") as folder:
        os.environ["QSYM_CACHE_DIR"] = folder
        old_shipped = cache.set_shipped({})  # derive everything: nothing from the old table
        rules.rule_for_gate.cache_clear()
        gate_body.cache_clear()
        try:
            for name in sorted(gates.BUILTIN_GATES):  # not gates a test or user defined
                row = gates.gate_def(name)
                for num_wires, hyper in row.variants():
                    for call in ([lambda: gate_body(name, num_wires, hyper)]
                                 + [lambda j=j: gate_body(name, num_wires, hyper, j)
                                    for j in range(row.num_params)]
                                 + [lambda j=j: rules.rule_for_gate(
                                     name, j, num_wires=num_wires, hyper=hyper)
                                    for j in range(row.num_params)]):
                        try:
                            call()
                        except Exception:  # noqa: BLE001 - a variant with no code or rule
                            pass
            for kind in ("rules", "gate-code"):
                for f in sorted((Path(folder) / kind).glob("*.json")):
                    record = json.loads(f.read_text())
                    if kind == "gate-code" and not _plain_lines(record["payload"]):
                        # gate_body runs the shipped code found by name unchecked
                        raise AssertionError(f"gate code that is not plain arithmetic: "
                                             f"{record['key']!r}")
                    table[cache.shipped_key(kind, record["key"])] = record["payload"]
            for name in sorted(gates.BUILTIN_GATES):  # not gates a test or user defined
                row = gates.gate_def(name)
                for num_wires, hyper in row.variants():
                    try:
                        entries = _index_entries(name, num_wires, hyper, row.num_params)
                    except Exception:  # noqa: BLE001 - a variant with no code or rule
                        continue
                    for kind, name_key, key in entries:
                        if key is not None and cache.shipped_key(kind, key) in table:
                            index[kind][name_key] = cache.shipped_key(kind, key)
                    # the rules' floats, what a plan needs (qsym._cache.shipped_numbers)
                    for j in range(row.num_params):
                        if rules.rule_name_key(name, j, num_wires, hyper) in index["rules"]:
                            index["rule-numbers"][rules.rule_name_key(
                                name, j, num_wires, hyper)] = rules.numbers_payload(
                                rules.rule_for_gate(name, j, num_wires=num_wires, hyper=hyper))
        finally:
            if old_env is None:
                os.environ.pop("QSYM_CACHE_DIR", None)
            else:
                os.environ["QSYM_CACHE_DIR"] = old_env
            cache.set_shipped(old_shipped)
            rules.rule_for_gate.cache_clear()
            gate_body.cache_clear()
    out = Path(path) if path is not None else cache.SHIPPED_RECORDS
    text = json.dumps(table, sort_keys=True, separators=(",", ":")) + "\n"
    out.write_text(text)
    # the index by gate name (qsym._cache.shipped_by_name), tied to this table and sources,
    # with each row's byte range in the file (a lookup parses its row alone)
    index["offsets"] = _row_offsets(table, text)
    index["table"] = hashlib.sha256(text.encode()).hexdigest()
    index["sources"] = cache.index_sources_digest()
    (out.parent / cache.SHIPPED_INDEX.name).write_text(cache.index_text(index))
    return table


def _row_offsets(table: dict, text: str) -> dict:
    """``{key: [start, end]}``: where each row's JSON value is in ``text``, the table as
    :func:`ship_records` writes it (compact, keys sorted, ASCII: characters are bytes)."""
    import json

    offsets, at = {}, 1  # after "{"
    for key in sorted(table):
        at += len(json.dumps(key)) + 1  # the key and ":"
        value = json.dumps(table[key], sort_keys=True, separators=(",", ":"))
        offsets[key] = [at, at + len(value)]
        at += len(value) + 1  # and "," (or the closing "}")
    if at != len(text) - 1 or not text.isascii():
        raise AssertionError("the shipped table is not written as _row_offsets reads it")
    return offsets


# memoized by gate name: a gate defined or removed clears it (qsym._gates.REGISTRY); on
# disk the lines are keyed by the exact matrix, so another definition never reads them
REGISTRY.on_change(lambda names: gate_body.cache_clear())
gate_body = REGISTRY.checked(gate_body)  # (nothing read across a change is kept)


_CODE_FUNCTIONS = frozenset({"sqrt", "sin", "cos", "tan", "exp", "log", "atan2", "pi"})


def _numbered(name: str, prefix: str) -> bool:
    """Whether ``name`` is ``prefix`` and one or more decimal digits, as a regular
    expression's ``\\d+`` reads them (both mean Unicode's category Nd), without compiling
    a pattern in a new process."""
    return name.startswith(prefix) and name[len(prefix):].isdecimal()


def _plain_arithmetic(tree) -> bool:
    """Whether parsed gate code is only ``name = <arithmetic>`` and
    ``out[off + <int>] = <arithmetic>`` of numbers, ``p<k>``, ``_q_c<k>``, ``complex(...)``
    and ``math.<function>(...)`` (so that checking it by running it runs nothing else)."""
    import ast

    def expr_ok(node) -> bool:
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, float)
        if isinstance(node, ast.Name):
            return _numbered(node.id, "p") or _numbered(node.id, "_q_c")
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):  # small constant exponents only
                e = node.right.operand if isinstance(node.right, ast.UnaryOp) else node.right
                if not (isinstance(e, ast.Constant) and type(e.value) in (int, float)
                        and abs(e.value) <= 16):
                    return False
            return (isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow))
                    and expr_ok(node.left) and expr_ok(node.right))
        if isinstance(node, ast.UnaryOp):
            return isinstance(node.op, (ast.USub, ast.UAdd)) and expr_ok(node.operand)
        if isinstance(node, ast.Attribute):  # math.pi
            return (isinstance(node.value, ast.Name) and node.value.id == "math"
                    and node.attr in _CODE_FUNCTIONS)
        if isinstance(node, ast.Call):
            f = node.func
            named = ((isinstance(f, ast.Name) and f.id == "complex")
                     or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                         and f.value.id == "math" and f.attr in _CODE_FUNCTIONS))
            return named and not node.keywords and all(map(expr_ok, node.args))
        return False

    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            return False
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            if not _numbered(target.id, "_q_c"):
                return False
        elif not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                  and target.value.id == "out" and isinstance(target.slice, ast.BinOp)
                  and isinstance(target.slice.op, ast.Add)
                  and isinstance(target.slice.left, ast.Name) and target.slice.left.id == "off"
                  and isinstance(target.slice.right, ast.Constant)
                  and type(target.slice.right.value) is int):
            return False
        if not expr_ok(stmt.value):
            return False
    return True


def gate_code_matches(name, num_wires, hyper, derivative, lines, points: int = 2,
                      mat=None, kind=None, masks=()) -> bool:
    """Whether gate code read from the cache computes the gate's matrix (or its derivative
    by parameter ``derivative``): the lines must be plain arithmetic
    (:func:`_plain_arithmetic`) and, run at ``points`` random parameter values, agree with
    the exact sympy matrix (:func:`qsym.rules.matrix_function`; a derivative with its
    fourth-order central difference) to 1e-7. A record that does not is printed again.

    >>> gate_code_matches("RZ", None, (), None, gate_body("RZ"))
    True
    >>> gate_code_matches("RZ", None, (), None, gate_body("RX"))
    False
    """
    import math

    try:
        tree = parse("\n".join(lines))
        if not _plain_arithmetic(tree):
            return False
        code = compile(tree, "<qsym gate code>", "exec")
        row = gate_def(name)
        syms = sp.symbols(f"p0:{row.num_params}", real=True)
        if mat is None:  # (gate_body passes the one it made, in these symbols)
            form = structured(name, num_wires, hyper, syms)
            if form is None:
                mat, kind, masks = row.sympy_matrix(syms, num_wires, hyper), row.structure, []
            else:
                kind, values, raw_masks = form
                mat, masks = sp.Matrix(list(values)), packed_masks(kind, raw_masks)
        tail = np.array(list(masks) if derivative is None or not masks
                        else derivative_masks(kind, masks), dtype=np.complex128)

        def _entries(m):  # the stored entries (a structured form's masks come after them)
            if len(tail):
                return m.ravel()
            return np.diag(m) if kind == "diagonal" else m.ravel()

        at = matrix_function(mat, syms)  # the exact matrix (no lambdify: cheap)

        def f(*params):
            return at(params)

        size = len(_entries(f(*[0.0] * row.num_params))) + len(tail)
        rng = np.random.default_rng()  # fresh randomness: points a forger cannot know
        for _ in range(points):
            p = rng.uniform(-math.pi, math.pi, row.num_params)
            if derivative is None:
                ref = _entries(f(*p))
            else:
                h = 1e-3
                ref = 0
                for k, w in ((-2, 1 / 12), (-1, -2 / 3), (1, 2 / 3), (2, -1 / 12)):
                    q = p.copy()
                    q[derivative] += k * h
                    ref = ref + w * _entries(f(*q))
                ref = ref / h
            ref = np.concatenate([ref, tail])  # the masks (a derivative's: derivative_masks)
            out = np.full(size, np.nan, dtype=np.complex128)
            env = {"math": math, "complex": complex, "out": out, "off": 0,
                   "__builtins__": {}}
            env.update({f"p{i}": float(v) for i, v in enumerate(p)})
            exec(code, env)  # noqa: S102 - plain arithmetic, checked above
            if not np.all(np.abs(out - ref) <= 1e-7 * (1.0 + np.abs(ref))):
                return False
        return True
    except Exception:  # anything odd about the record: print the code again
        return False


def _gate_body_key(row, mat, derivative, kind, masks) -> str | None:
    try:
        return "\n".join([
            "qsym-gate-code 1",
            f"qsym {__version__}",
            f"_emit.py {cache.file_digest(__file__)}",
            f"sympy {sp.__version__}",
            f"structure {kind!r} params {row.num_params} derivative {derivative!r}",
            f"matrix {sp.srepr(mat)}",
            f"masks {masks!r}",
        ])
    except Exception:  # a matrix sympy cannot print: no disk cache
        return None


def print_gate_body(row, params, mat, derivative, kind, masks) -> tuple[str, ...]:
    """``kind`` is the storage (:func:`qsym._gates.storage`); for a structured form ``mat``
    is the column of its values and ``masks`` the constants stored after them (a
    derivative keeps them: ``d/dt (a I + b P) = a' I + b' P``, zero off the control states
    of a controlled one: :func:`qsym._gates.derivative_masks`)."""
    if derivative is not None:
        mat = sp.diff(mat, params[derivative])
        masks = derivative_masks(kind, masks) if masks else masks
    if masks:
        entries = list(mat)
    elif kind == "diagonal":
        entries = [mat[i, i] for i in range(mat.rows)]
    else:
        entries = list(mat)
    parts = []
    for e in entries:
        parts.extend(sp.expand_complex(e).as_real_imag())
    repl, reduced = sp.cse(parts, symbols=sp.numbered_symbols("_q_c"), optimizations=None)
    lines = [f"{sym} = {pyexpr(val)}" for sym, val in repl]
    for i in range(len(entries)):
        re, im = pyexpr(reduced[2 * i]), pyexpr(reduced[2 * i + 1])
        lines.append(f"out[off + {i}] = complex({re}, {im})")
    for i, m in enumerate(masks, start=len(entries)):
        lines.append(f"out[off + {i}] = complex({int(m.real)}, {int(m.imag)})")
    return tuple(lines)


# --- straight-line code for tiny circuits ------------------------------------------------
# The raw call of a tiny circuit (the seed: 1 wire, 2 gates, 4 shifted circuits) is mostly
# machinery: reading the program tables, looping over ops, calling the gate kernels, views
# and allocations. For circuits whose whole gradient fits in a few hundred lines, the
# module instead holds that gradient written out: every amplitude a local variable, every
# gate the arithmetic of its kernel in qsym.kernels, in the kernels' order (so the same
# bits as the two-call path and the batches; tested), permutations (CNOT, Toffoli) as
# renamed variables. Such a function does not link the kernel library, but numba's compile
# time grows with every operation, so the code is capped; docs/design.md "Tiny circuits
# written out".
UNROLL_MAX_OPS = 600


class _Unrolled:
    """Straight-line code over complex numbers held as pairs of real locals.

    An amplitude or a matrix entry is a pair of names (or float literals) ``(re, im)``.
    numba computes ``z * w`` as ``(z.re*w.re - z.im*w.im, z.re*w.im + z.im*w.re)``
    (numba.cpython.numbers.complex_mul_impl, for finite numbers), sums part by part and
    ``np.conj`` by negating the imaginary part: written out so, every result has the
    kernels' bits, and numba compiles plain float arithmetic several times faster than
    its complex operations.
    """

    def __init__(self, n: int, op_wires, op_kind):
        self.n = n
        self.op_wires = op_wires
        self.op_kind = op_kind
        self.lines: list[str] = []
        self._count = 0

    def let(self, expr: str) -> str:
        """A new local holding ``expr``."""
        self._count += 1
        v = f"_q_v{self._count}"
        self.lines.append(f"{v} = {expr}")
        return v

    def pair(self, re_expr: str, im_expr: str) -> tuple:
        return self.let(re_expr), self.let(im_expr)

    @staticmethod
    def mul(z, w) -> tuple:
        """``z * w`` as numba computes it: the real and imaginary expressions."""
        (a, b), (c, d) = z, w
        return f"({a} * {c} - {b} * {d})", f"({a} * {d} + {b} * {c})"

    def apply(self, s: list, k: int, M) -> list:
        """The state ``s`` (amplitude pairs) after op ``k`` with matrix entries ``M(i)``
        (pairs): the arithmetic of ``kernels.apply_row`` (:data:`GATE_KINDS`)."""
        wires = self.op_wires[k]
        write = written_form(self.op_kind[k], len(wires))
        return write(self, list(s), [self.n - 1 - w for w in wires], M)

    # --- one method per kernel (GATE_KINDS) -----------------------------------------------
    def _cx(self, s, b, M):  # apply_cnot, apply_cx: amplitudes swap places
        mask = sum(1 << c for c in b[:-1])
        t = 1 << b[-1]
        for i in range(len(s)):
            if i & mask == mask and not i & t:
                s[i], s[i | t] = s[i | t], s[i]
        return s

    def _diag(self, s, b, M):  # apply_diag1, apply_diag: state[i] *= d
        for i in range(len(s)):
            j = 0
            for c in b:
                j = (j << 1) | ((i >> c) & 1)
            s[i] = self.pair(*self.mul(s[i], M(j)))
        return s

    def _one_wire(self, s, b, M, real):
        t = 1 << b[0]
        for lo in range(len(s)):
            if lo & t:
                continue
            hi = lo | t
            (x0, y0), (x1, y1) = s[lo], s[hi]
            (ar, ai), (br, bi), (cr, ci), (dr, di) = (M(i) for i in range(4))
            if real:  # real entries, parts apart
                s[lo], s[hi] = (
                    self.pair(f"{ar} * {x0} + {br} * {x1}", f"{ar} * {y0} + {br} * {y1}"),
                    self.pair(f"{cr} * {x0} + {dr} * {x1}", f"{cr} * {y0} + {dr} * {y1}"),
                )
            else:
                s[lo], s[hi] = (
                    self.pair(f"{ar} * {x0} - {ai} * {y0} + {br} * {x1} - {bi} * {y1}",
                              f"{ar} * {y0} + {ai} * {x0} + {br} * {y1} + {bi} * {x1}"),
                    self.pair(f"{cr} * {x0} - {ci} * {y0} + {dr} * {x1} - {di} * {y1}",
                              f"{cr} * {y0} + {ci} * {x0} + {dr} * {y1} + {di} * {x1}"),
                )
        return s

    def _real1(self, s, b, M):  # apply_real1
        return self._one_wire(s, b, M, True)

    def _dense1(self, s, b, M):  # apply_dense1
        return self._one_wire(s, b, M, False)

    def _dense2(self, s, b, M):  # apply_dense2: m[4r] * a0 + m[4r+1] * a1 + ... (complex)
        s0, s1 = 1 << b[0], 1 << b[1]
        for base in range(len(s)):
            if base & (s0 | s1):
                continue
            idx = (base, base | s1, base | s0, base | s0 | s1)
            a = [s[i] for i in idx]
            for r, i in enumerate(idx):
                products = [self.mul(M(4 * r + j), a[j]) for j in range(4)]
                s[i] = self.pair(" + ".join(p[0] for p in products),
                                 " + ".join(p[1] for p in products))
        return s

    def _dense(self, s, b, M):  # apply_dense: acc = 0j, then += each product in order
        kk = len(b)
        full = sum(1 << c for c in b)
        size = 1 << kk
        loc = [sum(1 << b[q] for q in range(kk) if (j >> (kk - 1 - q)) & 1) for j in range(size)]
        for base in range(len(s)):
            if base & full:
                continue
            vec = [s[base | loc[j]] for j in range(size)]
            for r in range(size):
                products = [self.mul(M(r * size + j), vec[j]) for j in range(size)]
                s[base | loc[r]] = self.pair("0.0" + "".join(f" + {p[0]}" for p in products),
                                             "0.0" + "".join(f" + {p[1]}" for p in products))
        return s

    def word(self, s: list, f: int, z: int, ny: int) -> str:
        """``kernels._word_value``: the sum in index order, from 0.0 (0j); a probability
        (``kernels.PROB_WORD``) as ``kernels.marginal_probs`` sums it."""
        def sign(i):
            return "-" if bin(i & z).count("1") & 1 else "+"

        if f == kernels.PROB_WORD:
            bits = [b for b in range(self.n) if (z >> b) & 1]
            hits = [i for i in range(len(s))
                    if sum(((i >> b) & 1) << q for q, b in enumerate(bits)) == ny]
            return self.let("0.0" + "".join(f" + ({s[i][0]} * {s[i][0]} + {s[i][1]} * {s[i][1]})"
                                            for i in hits))

        if f == 0:  # acc += -prob or prob
            return self.let("0.0" + "".join(
                f" + {'-' if sign(i) == '-' else ''}({re} * {re} + {im} * {im})"
                for i, (re, im) in enumerate(s)))
        # acc -= or += np.conj(state[i ^ f]) * state[i]
        terms = [self.mul((s[i ^ f][0], f"(-{s[i ^ f][1]})"), s[i]) for i in range(len(s))]
        re = self.let("0.0" + "".join(f" {sign(i)} {t[0]}" for i, t in enumerate(terms)))
        im = self.let("0.0" + "".join(f" {sign(i)} {t[1]}" for i, t in enumerate(terms)))
        # times i**ny, the real part
        return self.let([re, f"-{im}", f"-{re}", im][ny & 3])


# Each gate kind (qsym.kernels' storage kinds), on how many wires: the kernel that
# kernels.apply_row runs and the _Unrolled method that writes out the same arithmetic, side
# by side. A new gate kind is one row here (and its branch in kernels.apply_row); None: not
# written out (a circuit with it runs in the kernels). Wires None: any other count.
GATE_KINDS = (
    # kind                  wires  kernel(s)                    written out by
    (kernels.CONTROLLED_X,  None,  ("apply_cnot", "apply_cx"),   _Unrolled._cx),
    (kernels.DIAGONAL,      None,  ("apply_diag1", "apply_diag"), _Unrolled._diag),
    (kernels.REAL,          1,     ("apply_real1",),             _Unrolled._real1),
    (kernels.DENSE,         1,     ("apply_dense1",),            _Unrolled._dense1),
    (kernels.REAL,          2,     ("apply_dense2",),            _Unrolled._dense2),
    (kernels.DENSE,         2,     ("apply_dense2",),            _Unrolled._dense2),
    (kernels.REAL,          None,  ("apply_dense",),             _Unrolled._dense),
    (kernels.DENSE,         None,  ("apply_dense",),             _Unrolled._dense),
    (kernels.PAULI,         None,  ("apply_pauli",),             None),
    (kernels.PCPHASE,       None,  ("apply_pcphase",),           None),
)


def written_form(kind: int, wires: int):
    """The :data:`GATE_KINDS` method writing out an op of this kind on ``wires`` wires
    (None: the kind is not written out)."""
    rows = [r for r in GATE_KINDS if r[0] == kind and r[1] in (wires, None)]
    rows.sort(key=lambda r: r[1] is None)  # an exact wire count first
    return rows[0][3]


def renamed(lines, prefix, out_name):
    """A gate body (:func:`gate_body`) for straight-line code: its parameters ``p0, p1 ..``
    and subexpressions ``_q_c0 ..`` renamed ``{prefix}p0``, ``{prefix}c0`` ..; each entry
    ``out[off + i] = complex(re, im)`` written to the pair of locals ``out_name(i)`` (an
    integer part as a float: ``complex`` converts it). The lines are parsed once per gate
    body (:func:`_renaming`); each use only puts its prefix and names in."""
    result = []
    for i, item in _renaming(tuple(lines)):
        if i is None:
            result.append(item.replace(_PREFIX, prefix))
            continue
        for name, text in zip(out_name(i), item):
            result.append(f"{name} = {text.replace(_PREFIX, prefix)}")
    return result


_PREFIX = "_QPREFIX_"  # where renamed() puts a use's prefix (never in printed gate code)


@lru_cache(maxsize=None)
def _renaming(lines: tuple) -> tuple:
    """:func:`renamed`'s work that does not depend on the use: per line ``(None, text)``
    or ``(i, (re, im))`` for an entry ``out[off + i]``, the names prefixed by
    :data:`_PREFIX`."""
    out = []
    for line in lines:
        line = re.sub(r"\b_q_c(\d+)\b", _PREFIX + r"c\1", line)
        line = re.sub(r"\bp(\d+)\b", _PREFIX + r"p\1", line)
        m = re.match(r"^out\[off \+ (\d+)\] = ", line)
        if m is None:
            out.append((None, line))
            continue
        call = parse(line[m.end():], mode="eval").body
        assert isinstance(call, ast.Call) and call.func.id == "complex" and len(call.args) == 2
        texts = []
        for arg in call.args:
            text = ast.get_source_segment(line[m.end():], arg)
            if not re.search(r"[A-Za-z_]", text):  # an integer or a rational number
                text = repr(float(eval(text)))
            texts.append(text)
        out.append((int(m.group(1)), tuple(texts)))
    return tuple(out)


def _local_target(target) -> str:
    """``prepare``'s target ``("C", 1, 2)`` as a local of the straight-line code."""
    return "_q_" + target[0] + "_".join(map(str, target[1:]))


# prepare's refusals of its inputs, also the first lines of the written-out code (the
# runtime reads these messages: qsym._executors.raise_nonfinite)
_INPUT_CHECKS = (
    "if x.shape[0] != NUM_INPUTS or d.shape[0] != NUM_DATA:",
    '    raise ValueError("qsym: inputs must have shapes (NUM_INPUTS,) and (NUM_DATA,)")',
    "for i in range(x.shape[0]):",
    "    if not math.isfinite(x[i]):",
    '        raise ValueError("qsym: non-finite input")',
    "for i in range(d.shape[0]):",
    "    if not math.isfinite(d[i]):",
    '        raise ValueError("qsym: non-finite input")',
)


# prepare's lines reading the matrix-data gates' entries (qsym._ir.MATRIX_DATA_GATES) from
# the data vector: op u's entries at mats[_q_MD_OFF[u]:], (re, im) pairs at d[_q_MD_SRC[u]:]
_MATRIX_DATA = (
    "for u in range(_q_MD_OFF.shape[0]):",
    "    for i in range(_q_MD_N[u]):",
    "        allm[_q_MD_OFF[u] + i] = complex(d[_q_MD_SRC[u] + 2 * i], d[_q_MD_SRC[u] + 2 * i + 1])",
)


# Tier 0 (qsym._tiers: the module run as plain Python) runs prepare's element loops over
# the inputs, the data and the matrices as NumPy slice operations: the same numbers bit
# for bit (copies, the same finiteness test), and a 256 x 256 matrix argument no longer
# costs a Python loop of 65,536 steps at every call. Numba compiles the loops (it takes
# seconds to compile an array-to-slice copy).
_PYTHON_FORMS = (
    (re.compile(r"^( *)for i in range\((x|d|th)\.shape\[0\]\):\n"
                r"\1    if not math\.isfinite\(\2\[i\]\):\n"
                r"\1        (raise ValueError\([^\n]*\))$", re.MULTILINE),
     r"\1if not np.isfinite(\2).all():\n\1    \3"),
    (re.compile(r"^( *)for i in range\(_q_NMATS\):\n"
                r"\1    allm\[i\] = _q_MATS0\[i\]$", re.MULTILINE),
     r"\1allm[:_q_NMATS] = _q_MATS0"),
    (re.compile(r"^( *)for u in range\(_q_MD_OFF\.shape\[0\]\):\n"
                r"\1    for i in range\(_q_MD_N\[u\]\):\n"
                r"\1        allm\[_q_MD_OFF\[u\] \+ i\] = complex\(d\[_q_MD_SRC\[u\] \+ 2 \* i\], "
                r"d\[_q_MD_SRC\[u\] \+ 2 \* i \+ 1\]\)$", re.MULTILINE),
     (r"\1for u in range(_q_MD_OFF.shape[0]):\n"
      r"\1    _q_o, _q_s, _q_n = _q_MD_OFF[u], _q_MD_SRC[u], _q_MD_N[u]\n"
      r"\1    allm[_q_o:_q_o + _q_n].real = d[_q_s:_q_s + 2 * _q_n:2]\n"
      r"\1    allm[_q_o:_q_o + _q_n].imag = d[_q_s + 1:_q_s + 2 * _q_n:2]")),
)


def python_form(source: str) -> str:
    """A generated module's source as tier 0 runs it: prepare's element loops over inputs,
    data and matrices as NumPy slice operations (:data:`_PYTHON_FORMS`; the same bits),
    the written-out lines' intrinsic calls as the expressions they were made from
    (:func:`qsym._linecode.python_text`).

    >>> print(python_form("for i in range(d.shape[0]):\\n    if not math.isfinite(d[i]):\\n"
    ...                   "        raise ValueError('x')"))
    if not np.isfinite(d).all():
        raise ValueError('x')
    """
    for pattern, replacement in _PYTHON_FORMS:
        source = pattern.sub(replacement, source)
    # the written-out lines as Python wrote them (qsym._linecode: numba's intrinsic is
    # not callable from Python)
    return linecode.python_text(source)


def arithmetic(lines) -> int:
    """The number of arithmetic operators in ``lines`` (numba's compile time grows with
    it, so the written-out code is kept small)."""
    return sum(line.count(op) for line in lines for op in "-+*/")


def writable(p: Program) -> bool:
    """Whether the kernels run this program op by op (no fused tails, no single-Z tree),
    its gate kinds all have a written-out form, its constants are finite and the code
    would be small (a cheap bound first)."""
    words = list(zip(p.word_flip, p.word_z))
    singles = sum(1 for f, z in words if f == 0 and z and not z & (z - 1))
    if p.num_wires >= kernels.FUSE_MIN_WIRES or singles >= kernels.SINGLE_Z_TREE:
        return False
    if any(written_form(kind, nw) is None for kind, nw in zip(p.op_kind, p.op_nw)):
        return False  # gates on many wires: their kernels only
    if not (np.all(np.isfinite(np.asarray(p.mats0, dtype=complex)))
            and np.all(np.isfinite(p.ch0)) and np.all(np.isfinite(np.asarray(p.c0, dtype=float)))
            and all(np.isfinite(row[4]) for row in p.affine)):
        return False
    if list(p.term_op) != sorted(p.term_op):
        raise AssertionError("shift terms must be sorted by op (the kernels' walk)")
    circuits = 1 + sum(1 for z in p.term_zero if not z)
    cost = (1 << p.num_wires) * p.num_ops * circuits + p.num_outputs * p.num_inputs * len(words)
    return cost <= UNROLL_MAX_OPS


def unrolled_prepare(circuit, p: Program, checks: bool = True) -> tuple[list, list, list]:
    """``prepare(x, d, mode)`` as straight-line code: its checks and numbers (``head``),
    the parametric gates' matrices (``mats``) and the shifted ones (``smats``).
    ``checks=False`` leaves the input checks out (qsym.minimize's loop checks its iterates
    itself: each raise site here cost about 0.1 us a call)."""
    head = list(_INPUT_CHECKS) if checks else []
    # the tables' numbers as literals (repr: exact; numba freezes a global array at every
    # use, which made compiling several times slower)
    for slot, source, index, a, b in p.affine:
        v = ("x", "d", None)[source]
        v = f"{v}[{index}]" if v else "0.0"
        head.append(f"_q_th{slot} = {float(a)!r} * {v} + {float(b)!r}")
    head += [f"_q_ch{k} = {float(p.ch0[k])!r}" for k in range(len(p.ch_slot))]
    head += [f"_q_C{m}_{t} = {float(row[t])!r}" for m, row in enumerate(p.c0)
             for t in range(len(row))]
    head += [f"_q_cc{k} = 0.0" for k in range(len(p.cc_m))]
    head += input_code(circuit, p, _local_target)
    for i in sorted(p.op_poff[k] + j for k in p.parametric for j in range(p.op_np[k])
                    if checks):
        head += [f"if not math.isfinite(_q_th{i}):",
                 '    raise ValueError("qsym: non-finite gate parameter")']

    def matrices(k, prefix, names, t=None):
        """Op ``k``'s matrix (or term ``t``'s shifted one) into locals."""
        lines = [f"{prefix}p{j} = _q_th{p.op_poff[k] + j}" for j in range(p.op_np[k])]
        if t is not None:
            lines += shifted_parameter(p, t, f"{prefix}p{p.term_pos[t]}")
        return lines + renamed(gate_body(*circuit.ops[k].variant), prefix, names)

    mats = []
    for _, size, o, src in p.mdata:  # matrix-data gates: their entries from d, as prepare
        for i in range(size):
            re_, im_ = local("_q_M", o + i)
            mats.append(f"{re_} = d[{src + 2 * i}]")
            mats.append(f"{im_} = d[{src + 2 * i + 1}]")
    for k in p.parametric:
        mats += matrices(k, f"_q_k{k}_", lambda i, o=p.op_off[k]: local("_q_M", o + i))
    smats = []
    for t, k in enumerate(p.term_op):
        if not p.term_zero[t]:
            smats += matrices(k, f"_q_s{t}_",
                              lambda i, o=p.term_off[t]: local("_q_S", o + i), t)
    return head, mats, smats


def local(name, i):
    return f"{name}{i}r", f"{name}{i}i"


def shifted_parameter(p: Program, t: int, name: str) -> list[str]:
    """Straight-line code setting the local ``name`` (holding the unshifted parameter) to
    term ``t``'s shifted parameter, ``mult * rules.reduced_angle(name, period) + shift``:
    ``prepare``'s arithmetic with the term's numbers as literals (the same bits).

    >>> from types import SimpleNamespace
    >>> q = SimpleNamespace(term_mult=(1.0,), term_shift=(0.5,), term_period=(12.566370614359172,))
    >>> for line in shifted_parameter(q, 0, "a"):
    ...     print(line)
    if abs(a) > 12.566370614359172:
        a = 2.0 * math.atan2(math.sin(a / 2.0), math.cos(a / 2.0))
    a = 1.0 * a + 0.5
    """
    lines = []
    period = float(p.term_period[t])
    if period > 0.0:
        m = period / 6.283185307179586
        lines += [f"if abs({name}) > {period!r}:",
                  f"    {name} = {m!r} * math.atan2(math.sin({name} / {m!r}), "
                  f"math.cos({name} / {m!r}))"]
    return lines + [f"{name} = {p.term_mult[t]!r} * {name} + {p.term_shift[t]!r}"]


class Walk:
    """The circuits of one program written out: the value circuit and the parameter-shift
    walk of ``kernels.program_value_and_grad_small_into``, in the kernels' order."""

    def __init__(self, p: Program):
        self.p = p
        self.u = _Unrolled(p.num_wires, [w[:nw] for w, nw in zip(p.op_wires, p.op_nw)],
                           p.op_kind)
        self.zero = [("1.0", "0.0")] + [("0.0", "0.0")] * ((1 << p.num_wires) - 1)
        self.words = list(zip(p.word_flip, p.word_z, p.word_ny))

    def M(self, k):
        """Op k's entries: locals, or literals for a constant gate."""
        o = self.p.op_off[k]
        if k in self.p.parametric or any(m[0] == k for m in self.p.mdata):
            return lambda i: local("_q_M", o + i)
        return lambda i: (repr(float(self.p.mats0[o + i].real)),
                          repr(float(self.p.mats0[o + i].imag)))

    def run(self, s, start):
        for r in range(start, self.p.num_ops):
            s = self.u.apply(s, r, self.M(r))
        return s

    def measure(self, s):
        return [self.u.word(s, *w) for w in self.words]

    def combine(self, e):  # kernels.combine_into: acc = 0.0, then += C[m, t] * e[t]
        p, nw = self.p, len(self.words)
        for m in range(p.num_lin):
            self.u.lines.append(f"out[{m}] = 0.0" + "".join(f" + _q_C{m}_{w} * {e[w]}"
                                                            for w in range(nw)))
        for q in range(p.probs):  # the probabilities: the last words
            self.u.lines.append(f"out[{p.num_lin + q}] = {e[nw - p.probs + q]}")

    def shifts(self, e) -> dict:
        """``de[(slot, word)]``: the terms' sums, as the kernel walks them (psi: the state
        before op k; each shifted circuit from there)."""
        p, u, nw, de = self.p, self.u, len(self.words), {}

        def add(s, w, v, c):  # de[s, w] (zeros at first) += c * v
            if (s, w) not in de:
                de[(s, w)] = u.let("0.0")
            de[(s, w)] = u.let(f"{de[(s, w)]} + {c!r} * {v}")

        psi, t, nt = self.zero, 0, len(p.term_op)
        for k in range(p.num_ops):
            while t < nt and p.term_op[t] == k:
                if p.term_zero[t]:
                    vals = e
                else:
                    phi = u.apply(psi, k, lambda i, o=p.term_off[t]: local("_q_S", o + i))
                    vals = self.measure(self.run(phi, k + 1))
                for w in range(nw):
                    add(p.term_slot[t], w, vals[w], p.term_coeff[t])
                t += 1
            if t >= nt:
                break
            psi = u.apply(psi, k, self.M(k))
        return de

    def finish(self, e, de):
        """``kernels.shift_finish``: the chain rule, then C times the values and their
        derivatives, then the coefficients' derivatives."""
        p, u, nw, g = self.p, self.u, len(self.words), {}
        for k, (slot, j) in enumerate(zip(p.ch_slot, p.ch_x)):
            for w in range(nw):
                if (j, w) not in g:
                    g[(j, w)] = u.let("0.0")
                if (slot, w) not in de:
                    de[(slot, w)] = u.let("0.0")
                g[(j, w)] = u.let(f"{g[(j, w)]} + _q_ch{k} * {de[(slot, w)]}")
        self.combine(e)
        for m in range(p.num_lin):
            for j in range(p.num_inputs):
                parts = "".join(f" + _q_C{m}_{w} * {g.get((j, w), '0.0')}" for w in range(nw))
                u.lines.append(f"jac[{m}, {j}] = 0.0{parts}")
        for q in range(p.probs):
            for j in range(p.num_inputs):
                u.lines.append(f"jac[{p.num_lin + q}, {j}] = "
                               f"{g.get((j, nw - p.probs + q), '0.0')}")
        for k, (m, w, j) in enumerate(zip(p.cc_m, p.cc_w, p.cc_x)):
            u.lines.append(f"jac[{m}, {j}] += _q_cc{k} * {e[w]}")


# what written-out code may call that needs numba's runtime (NRT): NumPy (an array made)
_NEEDS_RUNTIME = re.compile(r"\bnp\.")


def runtime_free(body: str) -> str:
    """The ``@njit`` option of a written-out entry point whose ``body`` needs no numba
    runtime: ``", _nrt=False"`` where it calls no NumPy (straight-line scalar arithmetic
    on its arguments' elements, ``math``, raising: all of written-out code), else ``""``.
    Without the runtime numba hands each array argument over as its data pointer and
    shape; with it, as a reference-counted MemInfo made and freed at each call (malloc,
    the GIL state, free: about 400 instructions an array, a third of the seed's compiled
    call of four arrays). The arithmetic, and so the bits, are the same.

    >>> runtime_free("    out[0] = math.cos(x[0])"), runtime_free("    a = np.empty(2)")
    (', _nrt=False', '')
    """
    return "" if _NEEDS_RUNTIME.search(body) else ", _nrt=False"


# Written-out lines of plain float arithmetic as one numba intrinsic call each
# (qsym._linecode: the same LLVM code, about 1 ms of compile a line, not an operation). False
# (QSYM_LINE_INTRINSIC=0, read at import): as Python wrote them, the same bits (tests
# compare the two forms; benchmarks time them).
LINE_INTRINSIC = os.environ.get("QSYM_LINE_INTRINSIC", "1").strip().lower() \
    not in ("0", "false", "no", "off")
# what a module whose written-out code calls it imports (the hash: another meaning of the
# intrinsic is another text, so another module and cache files, never these)
LINE_IMPORT = (f"from qsym._linecode import written_line as {linecode.CALL}"
               f"  # {linecode.SOURCE_HASH}")


# what a right side that linecode.postfix takes has (an operation) and has not (a call, a
# subscript, a power, an attribute, a comparison): most lines are told by this without
# parsing them (a division is parsed: a constant one, (1/2), is folded)
_NOT_PLAIN = re.compile(r"\w\(|[\[%<>=!,]|\*\*|\.[A-Za-z_]")


def _may_be_plain(rhs: str) -> bool:
    return ("*" in rhs or "+" in rhs or "-" in rhs) and _NOT_PLAIN.search(rhs) is None


def line_calls(lines: list[str]) -> list[str]:
    """Written-out ``lines`` with each top-level assignment whose right side is ``+``,
    ``-``, ``*``, unary minus, ``_q_`` locals and float literals (at least one operation)
    as one call of the intrinsic :func:`qsym._linecode.written_line` (its postfix
    program, then the locals it reads); every other line as it is (numba's own typing:
    calls, divisions, integers, subscripts). The last step of the written-out code
    (after :func:`fold_zero_terms`): the same operations in the same order, so the same
    bits; :func:`qsym._linecode.python_text` gives the lines back for plain Python.
    Unchanged with :data:`LINE_INTRINSIC` off.

    >>> line_calls(["_q_v = _q_a * _q_b + 0.5", "_q_w = math.cos(_q_v)", "out[0] = _q_w"])
    ['_q_v = _q_fx("a0 a1 * c0.5 +", _q_a, _q_b)', '_q_w = math.cos(_q_v)', 'out[0] = _q_w']
    """
    if not LINE_INTRINSIC:
        return list(lines)
    out = []
    for line in lines:
        match = _ASSIGNED.match(line)
        made = None
        if match is not None and _may_be_plain(match.group(2)):
            try:
                made = linecode.postfix(match.group(2))
            except SyntaxError:  # (not a whole expression on its line)
                made = None
        if made is not None:
            program, names = made
            line = f'{match.group(1)} = {linecode.CALL}("{program}", {", ".join(names)})'
        out.append(line)
    return out


def line_import(*texts) -> str:
    """:data:`LINE_IMPORT` and a newline if one of ``texts`` (written-out functions, or
    None) calls the intrinsic, else ``""``."""
    calls = any(text and f"{linecode.CALL}(" in text for text in texts)
    return LINE_IMPORT + "\n" if calls else ""


def unrolled_functions(circuit: Circuit, program: Program, gradient: bool = True,
                       prepared: tuple | None = None) -> str | None:
    """``fused_value_into`` and ``fused_value_and_grad_into`` written out, or None;
    ``gradient=False``: ``fused_value_into`` only (a module for values, whose gradient
    entry point is the kernels' form: :func:`emit_module`); ``prepared``: the program's
    :func:`unrolled_prepare` made already.

    The same arithmetic in the same order as ``prepare`` followed by
    ``kernels.program_value_into`` or ``kernels.program_value_and_grad_small_into`` (so
    the same bits): the gate parameters and matrices as ``prepare`` computes them (the
    same table entries, the same printed gate code), every amplitude a local, every gate
    its kernel's arithmetic (:data:`GATE_KINDS`), the shifted circuits in the kernel's
    order. None where the kernels would do something else (fused tails from
    ``FUSE_MIN_WIRES`` wires, the single-Z tree, gates without a written-out form), where
    a constant is not finite (``prepare`` raises at every call) or where the code would
    have more than ``UNROLL_MAX_OPS`` arithmetic operations.
    """
    if not writable(program):
        return None
    head, mats, smats = prepared or unrolled_prepare(circuit, program)
    value = Walk(program)
    value.combine(value.measure(value.run(value.zero, 0)))
    value_lines = head + mats + value.u.lines
    if not gradient:
        if arithmetic(value_lines) > UNROLL_MAX_OPS:
            return None
        body = indent(line_calls(fold_zero_terms(value_lines)))
        return (_UNROLLED_VALUE.format(value_body=body, value_nrt=runtime_free(body))
                + "\n\n" + _GRAD_KERNELS)
    grad = Walk(program)
    e = grad.measure(grad.run(grad.zero, 0))
    grad.finish(e, grad.shifts(e))
    grad_lines = head + mats + smats + grad.u.lines
    if arithmetic(value_lines) + arithmetic(grad_lines) > UNROLL_MAX_OPS:
        return None
    value_body = indent(line_calls(fold_zero_terms(value_lines)))
    grad_body = indent(line_calls(fold_zero_terms(grad_lines)))
    return _UNROLLED.format(value_body=value_body, grad_body=grad_body,
                            value_nrt=runtime_free(value_body), grad_nrt=runtime_free(grad_body))


# --- the adjoint method written out (fused_value_and_grad_adjoint_into) -------------------
# The adjoint kernel (kernels.program_value_and_grad_adjoint_into) spends about 1.5 us of
# machinery on the seed (reading the program tables, work arrays, views, one call per
# op), against 0.1 us of arithmetic. A tiny circuit's module holds it written out like
# the parameter-shift gradient above: every amplitude of psi and lambda a local, each
# step the arithmetic of the kernel the sweep would run there (kernels._adjoint_into: the
# one-pass steps _step1_real/_diag/_dense, overlap1, apply_row, add_pauli_word), in the
# kernel's order, so the same numbers as prepare_adjoint and the kernels (tested bit for
# bit, tests/test_unrolled.py).
def unrolled_adjoint(circuit: Circuit, program: Program,
                     prepared: tuple | None = None) -> str | None:
    """``fused_value_and_grad_adjoint_into`` written out, or None (the kernels' form):
    :func:`adjoint_lines` with the input checks (``prepared``: the program's
    :func:`unrolled_prepare` made already)."""
    lines = adjoint_lines(circuit, program, prepared=prepared)
    if lines is None:
        return None
    body = indent(line_calls(lines))
    return _UNROLLED_ADJOINT.format(body=body, nrt=runtime_free(body))


def adjoint_lines(circuit: Circuit, program: Program, checks: bool = True,
                  max_ops: int | None = None, prepared: tuple | None = None) -> list[str] | None:
    """The body of the written-out ``fused_value_and_grad_adjoint_into`` (the same bits as
    ``prepare_adjoint`` and the kernels), or None: for a program :func:`writable` writes
    out, of expectation values only (no probabilities), whose derivative gate code divides
    by literals only (``prepare_adjoint`` computes it with Python's error model, the
    written-out code with NumPy's), of at most ``max_ops`` arithmetic operations (None:
    :data:`UNROLL_MAX_OPS`, as the module's).
    ``checks=False`` leaves the input checks out (qsym.minimize's loop step: the loop
    checks its cost and gradient itself), the arithmetic unchanged. ``prepared``: the
    program's :func:`unrolled_prepare` (with the checks) made already.

    >>> import qsym as qml
    >>> from qsym._program import lower
    >>> @qml.qnode(qml.device("default.qubit", wires=1), diff_method="adjoint")
    ... def c(x):
    ...     qml.RX(x[0], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> entry, _, _ = c.compiled((np.array([0.3]),), {}, diff=(0,))
    >>> lines = adjoint_lines(entry.circuit, lower(entry.circuit, entry.plan), checks=False)
    >>> lines[-1], any("raise" in line for line in lines)
    ('jac[0, 0] = _q_v...', False)
    """
    p = program
    if not writable(p) or p.probs:
        return None
    dlines = []
    for a, k in enumerate(p.adj_op):
        body = gate_body(*circuit.ops[k].variant, derivative=p.adj_pos[a])
        if any(re.search(r"/\s*[^\d\s.]", line) for line in body):
            return None
        dlines += [f"_q_d{a}_p{j} = _q_th{p.op_poff[k] + j}" for j in range(p.op_np[k])]
        dlines += renamed(body, f"_q_d{a}_", lambda i, o=p.adj_off[a]: local("_q_D", o + i))
    head, mats, _ = (prepared if prepared is not None and checks
                     else unrolled_prepare(circuit, p, checks=checks))
    lines = head + mats + dlines + _AdjointWalk(p).lines()
    if arithmetic(lines) > (UNROLL_MAX_OPS if max_ops is None else max_ops):
        return None
    return fold_zero_terms(lines)


# the lines fold_zero_terms rewrites: an assignment at the top level of the body
_ASSIGNED = re.compile(r"^(_q_\w+|out\[[\d, ]+\]|jac\[[\d, ]+\]) = (.+)$")


def fold_zero_terms(lines: list[str]) -> list[str]:
    """Straight-line code (:class:`_Unrolled`'s) without its products by a literal zero:
    a product with a factor that is a literal ``0.0`` or a local assigned one (a gate
    matrix's zero entry, the imaginary part of a real number made complex, a state's zero
    amplitude) is a zero, and a zero term is dropped from its sum (``a - 0.0 * b`` is
    ``a``, ``z - b`` is ``-b``; a sum's leading literal ``0.0`` is kept). For finite
    numbers every value is the one the full code computes (``x + (+-0.0) == x``); only
    the sign of an exact zero can differ, and it cannot reach an output: the lines are
    returned unchanged unless every ``out[...]`` and ``jac[...]`` stored is a sum that
    starts from the literal ``0.0`` (directly or through the local it adds to), whose
    partial sums are never ``-0.0`` and so have the same bits whatever the signs of the
    zeros added. Only lines of ``+``, ``-`` and ``*`` over locals and numbers are
    rewritten (not the gate code's calls and divisions). The adjoint's written-out
    gradient (:func:`adjoint_lines`) keeps its bits and loses the multiplications by
    zero that LLVM may not remove (``x * 0.0`` is NaN for an infinite ``x``): on the
    seed a fifth of the step.

    >>> fold_zero_terms(["_q_a = 0.0", "_q_v1 = _q_b * 1.0 - _q_a * _q_c + _q_d * 0.0",
    ...                  "_q_v2 = 0.0 + (_q_a * _q_b - _q_v1)", "out[0] = _q_v2"])[1:]
    ['_q_v1 = _q_b * 1.0', '_q_v2 = 0.0 + -_q_v1', 'out[0] = _q_v2']
    """
    zeros: set[str] = set()  # locals holding a zero
    # locals whose value is a sum from the literal 0.0, in the code as it was and as
    # rewritten (an output must be one in both: then its bits follow from its value)
    leading: tuple[set[str], set[str]] = (set(), set())
    result = []
    for line in lines:
        match = _ASSIGNED.match(line)
        tree = target = None
        if match is not None:
            target, rhs = match.groups()
            try:
                tree = parse(rhs, mode="eval").body
            except SyntaxError:  # (not a whole expression on its line)
                return list(lines)
        else:  # an assignment in a block, or of another form: its value unknown
            for name in re.findall(r"_q_\w+", line.split("=", 1)[0] if "=" in line else ""):
                zeros.discard(name)
                leading[0].discard(name)
                leading[1].discard(name)
        if tree is None:
            result.append(line)
            continue
        zeros.discard(target)
        was = _leads_with_zero(tree, leading[0])
        folded, kind = _fold(tree, zeros) if _plain_sum(tree) else (tree, None)
        now = _leads_with_zero(folded, leading[1])
        for flag, names in ((was, leading[0]), (now, leading[1])):
            (names.add if flag else names.discard)(target)
        if kind and target.startswith("_q_"):
            zeros.add(target)
        if target.startswith(("out[", "jac[")) and not (was and now):
            return list(lines)  # an output whose zero's sign could differ: as it was
        result.append(line if folded is tree else f"{target} = {ast.unparse(folded)}")
    return result


def _plain_sum(tree) -> bool:
    """Whether ``tree`` is ``+``, ``-`` and ``*`` over names and numbers only."""
    return all(isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load,
                                 ast.Add, ast.Sub, ast.Mult, ast.USub))
               and not (isinstance(node, ast.Constant) and type(node.value) not in (int, float))
               for node in ast.walk(tree))


def _fold(node, zeros):
    """``(node, kind)``: :func:`fold_zero_terms`'s expression without its zero terms;
    ``kind`` ``"literal"`` (the number ``+0.0``), ``"zero"`` (a zero of either sign) or
    None (any value)."""
    if isinstance(node, ast.Constant):
        return node, ("literal" if node.value == 0 else None)
    if isinstance(node, ast.Name):
        return node, ("zero" if node.id in zeros else None)
    if isinstance(node, ast.UnaryOp):
        operand, kind = _fold(node.operand, zeros)
        return ast.UnaryOp(ast.USub(), operand), ("zero" if kind else None)
    left, lk = _fold(node.left, zeros)
    right, rk = _fold(node.right, zeros)
    if isinstance(node.op, ast.Mult):
        if lk or rk:
            return ast.Constant(0.0), "zero"
        return ast.BinOp(left, ast.Mult(), right), None
    if rk:  # a + 0, a - 0: a
        return left, lk
    if lk == "zero":  # 0 + b: b; 0 - b: -b
        return (right if isinstance(node.op, ast.Add)
                else ast.UnaryOp(ast.USub(), right)), None
    return ast.BinOp(left, node.op, right), None  # (a leading literal 0.0 kept)


def _leads_with_zero(node, leading) -> bool:
    """Whether ``node`` is a sum whose first term is the literal ``0.0`` (or a local
    that is one): its partial sums are never ``-0.0``."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        node = node.left
    if isinstance(node, ast.Name):
        return node.id in leading
    return isinstance(node, ast.Constant) and node.value == 0.0 and type(node.value) is float


class _AdjointWalk(Walk):
    """The sweeps of ``kernels._adjoint_into`` and the chain rule of
    ``kernels.program_value_and_grad_adjoint_into``, written out (:func:`unrolled_adjoint`).
    Complex products as numba computes them (:meth:`_Unrolled.mul`); a real number times a
    complex one as numba does it, the real number made complex (``c + 0j``) first."""

    def lines(self) -> list[str]:
        p, u = self.p, self.u
        psi = self.run(self.zero, 0)
        e = self.measure(psi)
        self.combine(e)  # kernels.combine_into
        n_out = p.num_lin
        de = {}
        a = len(p.adj_op) - 1
        if a >= 0:
            lam = [self.lam(psi, m) for m in range(n_out)]
            for k in range(p.num_ops - 1, -1, -1):
                A = self.inverse(k)
                if (n_out == 1 and p.op_nw[k] == 1 and p.adj_op[a] == k and a >= 1
                        and p.adj_op[a - 1] != k):  # psi, the overlap and lam in one pass
                    psi, lam[0], acc = self.step1(k, psi, lam[0], A, self.D(a))
                    self.add(de, (p.adj_slot[a], 0), acc)
                    a -= 1
                    continue
                psi = u.apply(psi, k, A)
                while a >= 0 and p.adj_op[a] == k:
                    for m in range(n_out):
                        acc = (self.overlap1(k, lam[m], psi, self.D(a)) if p.op_nw[k] == 1
                               else self.overlap(lam[m], u.apply(list(psi), k, self.D(a))))
                        self.add(de, (p.adj_slot[a], m), acc)
                    a -= 1
                if a < 0:
                    break
                lam = [u.apply(row, k, A) for row in lam]
        self.chain(e, de)
        return u.lines

    def D(self, a):
        """Adjoint entry ``a``'s derivative matrix (``dmats[adj_off[a]:]``) as locals."""
        return lambda i, o=self.p.adj_off[a]: local("_q_D", o + i)

    def inverse(self, k):
        """Op ``k``'s stored entries conjugated and transposed (kernels.adjoint_mats_into)."""
        M = self.M(k)
        if self.p.op_kind[k] == kernels.DIAGONAL:
            return lambda i: (M(i)[0], f"(-{M(i)[1]})")
        size = 1 << self.p.op_nw[k]

        def entry(i):
            re_, im_ = M((i % size) * size + i // size)
            return re_, f"(-{im_})"
        return entry

    def add(self, de, key, acc):  # de[s, m] (zeros at first) += 2.0 * acc
        de[key] = self.u.let(f"{de.get(key, '0.0')} + 2.0 * {acc}")

    def lam(self, psi, m):
        """``lambda_m = sum_t C[m, t] P_t psi`` (kernels.add_pauli_word, words with
        ``C[m, t] != 0``; a coefficient computed from the inputs is added whatever its
        value: zero adds zeros)."""
        p, u = self.p, self.u
        computed = {t[2] for t, _ in p.code if t[0] == "C" and t[1] == m}
        phases = [("1.0", "0.0"), ("0.0", "1.0"), ("-1.0", "0.0"), ("-0.0", "-1.0")]
        lam = [("0.0", "0.0")] * len(psi)
        for t, (flip, z, ny) in enumerate(self.words):
            if t not in computed and float(p.c0[m][t]) == 0.0:
                continue
            c = f"_q_C{m}_{t}"
            for i, s in enumerate(psi):
                odd = (i & z).bit_count() & 1
                if flip == 0:  # _add_signed: (-c or c) * psi[i]
                    v = u.mul((f"(-{c})" if odd else c, "0.0"), s)
                else:  # (c * phase) * psi[i], negated at odd parity
                    cp = u.mul((c, "0.0"), phases[ny & 3])
                    v = u.mul(cp, s)
                    if odd:
                        v = (f"(-{v[0]})", f"(-{v[1]})")
                j = i ^ flip
                lam[j] = u.pair(f"{lam[j][0]} + {v[0]}", f"{lam[j][1]} + {v[1]}")
        return lam

    def pairs(self, k):
        """Op ``k``'s (one wire) amplitude index pairs ``(i0, i1)`` in the kernels' order."""
        t = 1 << (self.p.num_wires - 1 - self.p.op_wires[k][0])
        return [(i, i | t) for i in range(1 << self.p.num_wires) if not i & t]

    def overlap(self, lam, phi):
        """``sum_i Re(conj(lam_i) phi_i)`` in index order (kernels._adjoint_into)."""
        return self.u.let("0.0" + "".join(
            f" + ({lr} * {fr} - (-{li}) * {fi})" for (lr, li), (fr, fi) in zip(lam, phi)))

    def overlap1(self, k, lam, psi, D):
        """kernels.overlap1: ``Re <lam| D |psi>`` for a one-wire ``D`` (a diagonal's
        off-diagonal entries complex zeros, multiplied as the kernel does)."""
        u = self.u
        if self.p.op_kind[k] == kernels.DIAGONAL:
            d = [D(0), ("0.0", "0.0"), ("0.0", "0.0"), D(1)]
        else:
            d = [D(i) for i in range(4)]
        acc = "0.0"
        for i0, i1 in self.pairs(k):
            parts = []
            for row, lv in ((0, lam[i0]), (1, lam[i1])):
                x, y = u.mul(d[2 * row], psi[i0]), u.mul(d[2 * row + 1], psi[i1])
                parts.append(f"({lv[0]} * ({x[0]} + {y[0]}) - (-{lv[1]}) * ({x[1]} + {y[1]}))")
            acc = u.let(f"{acc} + ({parts[0]} + {parts[1]})")
        return acc

    def step1(self, k, psi, lam, A, D):
        """kernels._step1: psi <- A psi, the overlap ``Re <lam| D |psi>`` with the new psi,
        lam <- A lam, in the order of the kernel for op ``k``'s kind (a real matrix: on
        the float view, real then imaginary part of each pair; a diagonal one: amplitude
        by amplitude; a dense one: pair by pair, complex). ``(psi, lam, overlap)``."""
        u, kind = self.u, self.p.op_kind[k]
        psi, lam, acc = list(psi), list(lam), "0.0"
        if kind == kernels.DIAGONAL:
            t = 1 << (self.p.num_wires - 1 - self.p.op_wires[k][0])
            for i in range(len(psi)):
                a, d = A(1 if i & t else 0), D(1 if i & t else 0)
                psi[i] = pv = u.pair(*u.mul(a, psi[i]))
                q = u.pair(*u.mul(d, pv))
                lv = lam[i]
                acc = u.let(f"{acc} + ({lv[0]} * {q[0]} + {lv[1]} * {q[1]})")
                lam[i] = u.pair(*u.mul(a, lv))
            return psi, lam, acc
        real = kind == kernels.REAL
        a = [A(i)[0] for i in range(4)] if real else [A(i) for i in range(4)]
        d = [D(i)[0] for i in range(4)] if real else [D(i) for i in range(4)]
        for i0, i1 in self.pairs(k):
            if real:
                new_psi, new_lam = [[], []], [[], []]
                for part in (0, 1):
                    x, y = psi[i0][part], psi[i1][part]
                    nu = u.let(f"{a[0]} * {x} + {a[1]} * {y}")
                    nv = u.let(f"{a[2]} * {x} + {a[3]} * {y}")
                    e, f = lam[i0][part], lam[i1][part]
                    acc = u.let(f"{acc} + ({e} * ({d[0]} * {nu} + {d[1]} * {nv}) + "
                                f"{f} * ({d[2]} * {nu} + {d[3]} * {nv}))")
                    new_psi[0].append(nu)
                    new_psi[1].append(nv)
                    new_lam[0].append(u.let(f"{a[0]} * {e} + {a[1]} * {f}"))
                    new_lam[1].append(u.let(f"{a[2]} * {e} + {a[3]} * {f}"))
                psi[i0], psi[i1] = tuple(new_psi[0]), tuple(new_psi[1])
                lam[i0], lam[i1] = tuple(new_lam[0]), tuple(new_lam[1])
                continue
            nu = self.row2(a[0], a[1], psi[i0], psi[i1])
            nv = self.row2(a[2], a[3], psi[i0], psi[i1])
            e, f = lam[i0], lam[i1]
            q0 = self.row2(d[0], d[1], nu, nv)
            q1 = self.row2(d[2], d[3], nu, nv)
            acc = u.let(f"{acc} + ({e[0]} * {q0[0]} + {e[1]} * {q0[1]} + {f[0]} * {q1[0]} "
                        f"+ {f[1]} * {q1[1]})")
            psi[i0], psi[i1] = nu, nv
            lam[i0], lam[i1] = self.row2(a[0], a[1], e, f), self.row2(a[2], a[3], e, f)
        return psi, lam, acc

    def row2(self, m0, m1, z, w):
        """``m0 * z + m1 * w`` (complex) into a pair of locals."""
        x, y = self.u.mul(m0, z), self.u.mul(m1, w)
        return self.u.pair(f"{x[0]} + {y[0]}", f"{x[1]} + {y[1]}")

    def chain(self, e, de):
        """program_value_and_grad_adjoint_into's end: ``jac`` zeroed, ``+= ch[k] *
        de[slot, m]`` in k order, then ``+= cc[k] * e[w]``."""
        p, u = self.p, self.u
        jac = {}
        for k, (slot, j) in enumerate(zip(p.ch_slot, p.ch_x)):
            for m in range(p.num_lin):
                jac[m, j] = u.let(f"{jac.get((m, j), '0.0')} + _q_ch{k} * "
                                  f"{de.get((slot, m), '0.0')}")
        for k, (m, w, j) in enumerate(zip(p.cc_m, p.cc_w, p.cc_x)):
            jac[m, j] = u.let(f"{jac.get((m, j), '0.0')} + _q_cc{k} * {e[w]}")
        for m in range(p.num_lin):
            for j in range(p.num_inputs):
                u.lines.append(f"jac[{m}, {j}] = {jac.get((m, j), '0.0')}")


# the returning forms call the writing ones (for a tiny circuit: the written-out code)
_RETURNING = '''\
@njit(cache=True)
def fused_value(x, d):
    """Measured values at inputs ``x`` and data ``d``."""
    out = np.empty(NUM_OUTPUTS)
    fused_value_into(x, d, out)
    return out


@njit(cache=True)
def fused_value_and_grad(x, d):
    """Values and the Jacobian ``jac[m, j] = d value[m] / d x[j]`` by parameter shift."""
    out = np.empty(NUM_OUTPUTS)
    jac = np.empty((NUM_OUTPUTS, NUM_INPUTS))
    fused_value_and_grad_into(x, d, out, jac)
    return out, jac
'''

# prepare's mode as np.int64 (here and in prepare_adjoint): the runtime's calls from Python
# pass an int64, and a literal 0 or 1 was a numba signature of its own (prepare compiled up
# to three times per circuit, about 0.7 s each: issue #17)
_VALUE_KERNELS = '''\
@njit(cache=True)
def fused_value_into(x, d, out):
    """``fused_value`` into ``out``."""
    if out.shape[0] != NUM_OUTPUTS:
        raise ValueError("qsym: the output array must have shape (NUM_OUTPUTS,)")
    mats, smats, ch, C, cc, th = prepare(x, d, np.int64(0))
    # copies: the kernels are compiled for writable arrays, module constants are read-only
    _q_program_value_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats, C, out)
'''

# the parameter-shift gradient through prepare and the kernels (also the gradient entry
# point of a module for values: emit_module(values_only=True))
_GRAD_KERNELS = '''\
@njit(cache=True)
def fused_value_and_grad_into(x, d, out, jac):
    """``fused_value_and_grad`` into ``out`` and ``jac``."""
    _q_check_outputs(out, jac)
    mats, smats, ch, C, cc, th = prepare(x, d, np.int64(1))
    _q_program_value_and_grad_fused_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats,
                                         smats, ch, C, cc, out, jac)
'''

_INTO_KERNELS = _VALUE_KERNELS + "\n\n" + _GRAD_KERNELS

# the returning form allocates and calls the module's own _into form (written out or the
# kernels'): the kernel library has no returning adjoint entry point to link (issue #17)
_ADJOINT_RETURNING = '''\
@njit(cache=True)
def fused_value_and_grad_adjoint(x, d):
    """Values and the Jacobian by the adjoint method."""
    out = np.empty(NUM_OUTPUTS)
    jac = np.empty((NUM_OUTPUTS, NUM_INPUTS))
    fused_value_and_grad_adjoint_into(x, d, out, jac)
    return out, jac
'''

_ADJOINT_KERNELS = '''\
@njit(cache=True)
def fused_value_and_grad_adjoint_into(x, d, out, jac):
    """``fused_value_and_grad_adjoint`` into ``out`` and ``jac``."""
    _q_check_outputs(out, jac)
    mats, dmats, ch, C, cc, th = prepare_adjoint(x, d)
    _q_program_value_and_grad_adjoint_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats,
                                           dmats, ch, C, cc, out, jac{work})
'''

_UNROLLED_ADJOINT = '''\
# Written out (qsym._emit.unrolled_adjoint): the same bits as prepare_adjoint + the kernels.
@njit(cache=True, error_model="numpy"{nrt})  # as prepare
def fused_value_and_grad_adjoint_into(x, d, out, jac):
    """``fused_value_and_grad_adjoint`` into ``out`` and ``jac``."""
    _q_check_outputs(out, jac)
{body}
'''

_UNROLLED_VALUE = '''\
# Written out (qsym._emit.unrolled_functions): the same bits as prepare + the kernels.
@njit(cache=True, error_model="numpy"{value_nrt})  # as prepare
def fused_value_into(x, d, out):
    """``fused_value`` into ``out``."""
    if out.shape[0] != NUM_OUTPUTS:
        raise ValueError("qsym: the output array must have shape (NUM_OUTPUTS,)")
{value_body}
'''

_UNROLLED = _UNROLLED_VALUE + '''

@njit(cache=True, error_model="numpy"{grad_nrt})  # as prepare
def fused_value_and_grad_into(x, d, out, jac):
    """``fused_value_and_grad`` into ``out`` and ``jac``."""
    _q_check_outputs(out, jac)
{grad_body}
'''


# the compiled calls into the kernel library through its table of pointers (qsym._kernel_table:
# a module's compile does not link the kernels); an export drops these lines and links them
_KERNEL_TABLE = f'''\
from qsym._kernel_table import through_table as _q_through_table  # {kernel_table.SOURCE_HASH}
_q_program_value_into = _q_through_table(_q_program_value_into)
_q_program_value_and_grad_fused_into = _q_through_table(_q_program_value_and_grad_fused_into)
_q_program_value_and_grad_adjoint_into = _q_through_table(_q_program_value_and_grad_adjoint_into)
'''


_MODULE = '''\
"""qsym {version} generated module. Do not edit: regenerated from the circuit.

key: {key}
kernels: {kernels_hash}

{listing}
"""
import math
import numpy as np
from numba import njit
from qsym._kernels import {value_into} as _q_program_value_into
from qsym._kernels import {grad_into} as _q_program_value_and_grad_fused_into
from qsym._kernels import {adjoint}_into as _q_program_value_and_grad_adjoint_into
from qsym._kernels import batch_value as _q_batch_value
from qsym._kernels import call_dynamic as _q_call_dynamic
from qsym._kernels import batch_value_and_grad as _q_batch_value_and_grad
from qsym._kernels import {batch_adjoint} as _q_batch_value_and_grad_adjoint
{kernel_table}
{tables}


@njit(cache=True)
def _q_gate(t, p, out, off):
{gate_code}


gate_entries = _q_gate  # public: gate type t's stored entries at parameters p, at out[off:]


@njit(cache=True)
def _q_dgate(t, j, p, out, off):
{dgate_code}


# error_model="numpy": the chain-rule factors are computed here for every call, and a
# singular point of the classical processing (d/dx arcsin(x) at x = 1) must give inf/nan
# there, as NumPy would, not a ZeroDivisionError that also stops the value
@njit(cache=True, error_model="numpy")
def prepare(x, d, mode):
    """Everything that depends on the inputs ``x`` and data ``d``.

    Returns ``(mats, extra, ch, C, cc, th)``: the gate matrices; for ``mode`` 1 the shifted
    gates' matrices (parameter shift), else nothing; the chain-rule factors, the
    observable coefficients and their derivatives, and the gate parameters. The kernels
    take the first five with ``PROGRAM``. Three allocations: ``C``, the matrices (views of
    one array) and the other real numbers (views of one array).
    """
{input_checks}
    fl = np.empty(_q_NFL)
    th = fl[:_q_NSLOTS]
    th[:] = 0.0
    for k in range(_q_AF_SLOT.shape[0]):
        src = _q_AF_SRC[k]  # 0: x, 1: d, 2: a constant (x may be empty)
        v = x[_q_AF_IDX[k]] if src == 0 else (d[_q_AF_IDX[k]] if src == 1 else 0.0)
        th[_q_AF_SLOT[k]] = _q_AF_A[k] * v + _q_AF_B[k]
    # constants copied by loops: numba takes seconds to compile an array-to-slice copy
    # (and a tenth of a second for a reshape)
    for i in range(_q_O_CH, _q_O_C):
        fl[i] = _q_CH0[i - _q_O_CH]
    ch = fl[_q_O_CH:_q_O_C]
    C = np.empty((_q_NLIN, _q_NWORDS))
    for m in range(_q_NLIN):
        for t in range(_q_NWORDS):
            C[m, t] = _q_C0[m, t]
    cc = fl[_q_O_C:_q_O_P]
    cc[:] = 0.0
    p = fl[_q_O_P:]
{input_code}
    for i in range(th.shape[0]):
        if not math.isfinite(th[i]):
            raise ValueError("qsym: non-finite gate parameter")
    allm = np.empty(_q_NMATS + (_q_NSMATS if mode == 1 else 0), dtype=np.complex128)
    for i in range(_q_NMATS):
        allm[i] = _q_MATS0[i]
{matrix_data}    mats = allm[:_q_NMATS]
    smats = allm[_q_NMATS:]
    for i in range(_q_PAR_OPS.shape[0]):
        k = _q_PAR_OPS[i]
        for j in range(_q_OP_NP[k]):
            p[j] = th[_q_OP_POFF[k] + j]
        _q_gate(_q_OP_TYPE[k], p, mats, _q_OP_OFF[k])
    if mode == 1:
        for t in range(_q_T_OP.shape[0]):
            if _q_T_ZERO[t]:
                continue
            k = _q_T_OP[t]
            for j in range(_q_OP_NP[k]):
                p[j] = th[_q_OP_POFF[k] + j]
            j = _q_T_POS[t]
            v = p[j]
            per = _q_T_PERIOD[t]
            if per > 0.0 and abs(v) > per:  # qsym.rules.reduced_angle: exact at any angle
                m = per / 6.283185307179586
                v = m * math.atan2(math.sin(v / m), math.cos(v / m))
            p[j] = _q_T_MULT[t] * v + _q_T_SHIFT[t]
            _q_gate(_q_OP_TYPE[k], p, smats, _q_T_OFF[t])
    return mats, smats, ch, C, cc, th


@njit(cache=True)
def prepare_adjoint(x, d):
    """As ``prepare``, with the derivative matrices of the differentiated parameters (for
    the adjoint method) in place of the shifted ones. A separate function: numba compiles
    all code a function can reach, and parameter shift never needs these."""
    mats, smats, ch, C, cc, th = prepare(x, d, np.int64(0))
    p = np.empty(_q_MAXP)
    dmats = np.empty(_q_NDMATS, dtype=np.complex128)
    for a in range(_q_ADJ_OP.shape[0]):
        k = _q_ADJ_OP[a]
        for j in range(_q_OP_NP[k]):
            p[j] = th[_q_OP_POFF[k] + j]
        _q_dgate(_q_OP_TYPE[k], _q_ADJ_POS[a], p, dmats, _q_ADJ_OFF[a])
    return mats, dmats, ch, C, cc, th


# Fused entry points: one compiled call for the whole computation. Those that call the
# kernel library link it (slow to compile), so the runtime uses them only where call
# overhead matters (qsym._runtime.FUSED_MAX_WORK); numba compiles a function at its first
# call. A tiny circuit's value and parameter shift are written out instead
# (qsym._emit.unrolled_functions): no kernel library, no allocation.
{returning}


{adjoint_returning}


# The same, writing into arrays the caller made: ``out`` (NUM_OUTPUTS,) and ``jac``
# (NUM_OUTPUTS, NUM_INPUTS): what the runtime calls from Python. Same code, same bits.
@njit(cache=True)
def _q_check_outputs(out, jac):
    if out.shape[0] != NUM_OUTPUTS or jac.shape[0] != NUM_OUTPUTS or jac.shape[1] != NUM_INPUTS:
        raise ValueError("qsym: output arrays must have shapes (NUM_OUTPUTS,) and "
                         "(NUM_OUTPUTS, NUM_INPUTS)")


{into_functions}


{adjoint_into}


# Batches: row b of X (inputs) and D (data), C-contiguous float64 arrays. prepare runs
# for every row here (microseconds a row), stacked into 2-D arrays; the circuits run in
# the kernel library's batch kernels, on numba's threads (prange) when the batch's work
# (rows x work per row, in amplitudes x ops) is at least _q_PARALLEL_MIN_WORK, else one
# after the other (rows handed out one at a time: kernels.call_dynamic). Each row runs the
# single call's code, so it gives the same bits. The batch functions are plain Python
# calling two compiled functions: a parallel kernel must be called through its own
# dispatcher (a cached caller that links it runs it before numba has started its
# threads: a segfault, seen), and the per-circuit part compiles quickly (it does not link
# the kernel library). Compiled at first call only.
@njit(cache=True)
def _q_batch_prepare(X, D, mode):
    """``prepare(X[b], D[b], mode)`` for every row, stacked: ``(mats, extra, ch, C, cc)``."""
    if X.shape[1] != NUM_INPUTS or D.shape[1] != NUM_DATA or D.shape[0] != X.shape[0]:
        raise ValueError("qsym: batch shapes do not match the circuit's inputs and data")
    B = X.shape[0]
    MATS = np.empty((B, _q_NMATS), dtype=np.complex128)
    EXTRA = np.empty((B, _q_NSMATS if mode == 1 else 0), dtype=np.complex128)
    CH = np.empty((B, _q_O_C - _q_O_CH))
    CS = np.empty((B, _q_NLIN, _q_NWORDS))
    CC = np.empty((B, _q_O_P - _q_O_C))
    for b in range(B):
        mats, extra, ch, C, cc, th = prepare(X[b], D[b], mode)
        _q_stack(b, mats, extra, ch, C, cc, MATS, EXTRA, CH, CS, CC)
    return MATS, EXTRA, CH, CS, CC


@njit(cache=True)
def _q_batch_prepare_adjoint(X, D):
    """``prepare_adjoint`` for every row, stacked: ``(mats, dmats, ch, C, cc)``."""
    if X.shape[1] != NUM_INPUTS or D.shape[1] != NUM_DATA or D.shape[0] != X.shape[0]:
        raise ValueError("qsym: batch shapes do not match the circuit's inputs and data")
    B = X.shape[0]
    MATS = np.empty((B, _q_NMATS), dtype=np.complex128)
    EXTRA = np.empty((B, _q_NDMATS), dtype=np.complex128)
    CH = np.empty((B, _q_O_C - _q_O_CH))
    CS = np.empty((B, _q_NLIN, _q_NWORDS))
    CC = np.empty((B, _q_O_P - _q_O_C))
    for b in range(B):
        mats, extra, ch, C, cc, th = prepare_adjoint(X[b], D[b])
        _q_stack(b, mats, extra, ch, C, cc, MATS, EXTRA, CH, CS, CC)
    return MATS, EXTRA, CH, CS, CC


@njit(cache=True)
def _q_stack(b, mats, extra, ch, C, cc, MATS, EXTRA, CH, CS, CC):
    # loops: numba compiles array-to-slice copies slowly
    for i in range(mats.shape[0]):
        MATS[b, i] = mats[i]
    for i in range(EXTRA.shape[1]):
        EXTRA[b, i] = extra[i]
    for i in range(ch.shape[0]):
        CH[b, i] = ch[i]
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            CS[b, i, j] = C[i, j]
    for i in range(cc.shape[0]):
        CC[b, i] = cc[i]


def _q_parallel(X, work):
    return X.shape[0] > 1 and X.shape[0] * work >= _q_PARALLEL_MIN_WORK


def batch_value(X, D):
    """Values ``(B, NUM_OUTPUTS)`` at inputs ``X[b]`` and data ``D[b]``."""
    MATS, _, _, CS, _ = _q_batch_prepare(X, D, 0)
    return _q_call_dynamic(_q_batch_value, PROGRAM_INTS, PROGRAM_FLOATS, MATS, CS,
                           _q_parallel(X, _q_WORK_VALUE))


def batch_value_and_grad(X, D):
    """Values ``(B, NUM_OUTPUTS)`` and Jacobians ``(B, NUM_OUTPUTS, NUM_INPUTS)`` by
    parameter shift."""
    MATS, SMATS, CH, CS, CC = _q_batch_prepare(X, D, 1)
    return _q_call_dynamic(_q_batch_value_and_grad, PROGRAM_INTS, PROGRAM_FLOATS, MATS, SMATS,
                           CH, CS, CC, _q_parallel(X, WORK))


def batch_value_and_grad_adjoint(X, D):
    """As ``batch_value_and_grad``, by the adjoint method."""
    MATS, DMATS, CH, CS, CC = _q_batch_prepare_adjoint(X, D)
    return _q_call_dynamic(_q_batch_value_and_grad_adjoint, PROGRAM_INTS, PROGRAM_FLOATS, MATS,
                           DMATS, CH, CS, CC, _q_parallel(X, _q_WORK_ADJOINT))
'''


def indent(lines, n=4) -> str:
    return "\n".join(" " * n + line for line in lines)


def _target(target) -> str:
    """``("C", 1, 2)`` -> ``C[1, 2]``: where ``prepare`` keeps a computed number."""
    return f"{target[0]}[{', '.join(map(str, target[1:]))}]"


# the targets of a program's code that are derivatives (chain-rule factors, derivatives
# of coefficients): computed apart from the values' numbers
DERIVATIVE_CODE = frozenset({"ch", "cc"})


def data_copies(circuit: Circuit, program: Program) -> list[tuple[int, int]]:
    """``(k, j)`` of each chain-rule factor that is a data value as it is: ``ch[k] =
    d[j]`` (the coefficients of a matrix argument's effective generators: 225 of them for
    a two-wire ``SpecialUnitary``). ``prepare`` copies them in a loop over two tables
    (``_q_CHD_DST``, ``_q_CHD_SRC``): written out, each copy was a read and a write at a
    constant index, and numba types each constant index apart, in time that grows faster
    than their number (measured 2026-12-06: 400 such lines 1.5 s to compile, 1000 lines
    17.7 s, the loop 0.09 s; the two-wire ``SpecialUnitary``'s ``prepare`` 9.4 s of the
    circuit's 18.9 s first compile). A copy is exact: the same bits."""
    index = {s: j for j, s in enumerate(circuit.data)}
    copies = []
    for t, e in program.code:
        e = sp.sympify(e)
        if t[0] == "ch" and len(t) == 2 and e.is_Symbol and e in index:
            copies.append((int(t[1]), index[e]))
    return copies


_DATA_COPY_LOOP = ["for _q_k in range(_q_CHD_DST.shape[0]):",
                   "    ch[_q_CHD_DST[_q_k]] = d[_q_CHD_SRC[_q_k]]"]


def input_code(circuit: Circuit, program: Program, target=_target) -> list[str]:
    """``prepare``'s lines computing ``program.code`` (common subexpressions shared), each
    target named by ``target``; with the default targets (``prepare``'s arrays), the
    chain-rule factors that are data values as they are by a loop (:func:`data_copies`)."""
    code = program.code
    copies = data_copies(circuit, program) if target is _target else []
    if copies:
        copied = {("ch", k) for k, _ in copies}
        code = tuple((t, e) for t, e in code if tuple(t) not in copied)
    xnames = {s: f"_q_x{i}" for i, s in enumerate(circuit.inputs)}
    dnames = {s: f"_q_d{i}" for i, s in enumerate(circuit.data)}
    smap = {s: sp.Symbol(n, real=True) for s, n in {**xnames, **dnames}.items()}
    used = set().union(*[sp.sympify(e).free_symbols for _, e in code])
    lines = [f"{xnames[s]} = x[{i}]" for i, s in enumerate(circuit.inputs) if s in used]
    lines += [f"{dnames[s]} = d[{i}]" for i, s in enumerate(circuit.data) if s in used]
    # the values' numbers (gate parameters, coefficients) apart from the derivatives'
    # (chain rule): the same lines, so the same bits, whether or not the plan has
    # derivatives (a value-only plan, qsym._plan.make_plan(derivatives=False))
    values = [(target(t), e) for t, e in code if t[0] not in DERIVATIVE_CODE]
    derivs = [(target(t), e) for t, e in code if t[0] in DERIVATIVE_CODE]
    return (lines + _block(values, smap) + _block(derivs, smap, "_q_e")
            + (_DATA_COPY_LOOP if copies else []))


def _copy_tables(circuit: Circuit, program: Program) -> list[str]:
    """The module's tables of :func:`data_copies` (none when there is nothing to copy)."""
    copies = data_copies(circuit, program)
    if not copies:
        return []
    return [_array("_q_CHD_DST", [k for k, _ in copies], "int64"),
            _array("_q_CHD_SRC", [j for _, j in copies], "int64")]


# A stored matrix entry that is a number (``out[off + 5] = complex(0, 0)``: 252 of
# DoubleExcitation's 256, 224 of OrbitalRotation's). numba types, lowers and optimizes each
# such line apart, about 8 ms of compile a line (issue #17: the 4-wire circuit of
# tests/test_gradients.py with a DoubleExcitation compiled its ``_q_gate`` in 2.9 s of
# CPU, 0.6 s with its numbers in a table). A variant with at least CONSTANT_ENTRIES_MIN of
# them copies them from a module table in a loop instead (the same numbers: each table
# value is the ``complex(a, b)`` of its line, evaluated by Python as numba and tier 0 do).
CONSTANT_ENTRIES_MIN = 8
_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_CONSTANT_ENTRY = re.compile(rf"out\[off \+ (\d+)\] = complex\(({_NUMBER}), ({_NUMBER})\)")


def _literal(text: str):
    """A number's text as Python reads it in source (``-0`` is the int 0: +0.0 once made
    complex; ``-0.0`` keeps its sign)."""
    return float(text) if any(c in text for c in ".e") else int(text)


def constant_entries(lines) -> tuple[list[str], list[tuple[int, complex]]]:
    """``(other lines, [(index, value)])``: a gate body's lines (:func:`gate_body`) with its
    entries that are numbers taken out, where there are at least
    :data:`CONSTANT_ENTRIES_MIN` of them (else the lines as they are, and none).

    >>> rest, consts = constant_entries(gate_body("DoubleExcitation"))
    >>> len(consts), consts[0], sum(line.startswith("out[") for line in rest)
    (252, (0, (1+0j)), 4)
    >>> constant_entries(gate_body("RX"))[1]
    []
    """
    rest, consts = [], []
    for line in lines:
        m = _CONSTANT_ENTRY.fullmatch(line)
        if m is None:
            rest.append(line)
        else:
            consts.append((int(m.group(1)), complex(_literal(m.group(2)),
                                                    _literal(m.group(3)))))
    if len(consts) < CONSTANT_ENTRIES_MIN:
        return list(lines), []
    return rest, consts


def _entries_from_table(lines, name: str, tables: list) -> list[str]:
    """A gate body's lines with its constant entries (:func:`constant_entries`) copied from
    the module tables ``name``I (indices) and ``name``V (values), appended to ``tables``."""
    rest, consts = constant_entries(lines)
    if not consts:
        return list(lines)
    tables.append(_array(f"{name}I", [i for i, _ in consts], "int64"))
    tables.append(_array(f"{name}V", [v for _, v in consts], "complex128"))
    return [f"for _q_i in range({len(consts)}):",
            f"    out[off + {name}I[_q_i]] = {name}V[_q_i]"] + rest


def _gate_code(program: Program, tables: list | None = None) -> tuple[list[str], list[str]]:
    """The bodies of ``_q_gate`` (the parametric gate variants' matrices, by the program's
    gate-type numbers) and ``_q_dgate`` (the derivatives the adjoint method needs); a
    variant's constant entries copied from module tables (:func:`constant_entries`), whose
    lines are appended to ``tables`` (without ``tables``: written as they are)."""
    def body(variant, derivative, name):
        lines = gate_body(*variant, derivative=derivative)
        if tables is not None:
            lines = _entries_from_table(lines, name, tables)
        return ["    " + line for line in lines]

    gate_lines = []
    for i, variant in enumerate(program.variants):
        gate_lines.append(f"{'if' if i == 0 else 'elif'} t == {i}:  # {variant[0]}")
        gate_lines += [f"    p{j} = p[{j}]" for j in range(gate_def(variant[0]).num_params)]
        gate_lines += body(variant, None, f"_q_G{i}")
    dgate_lines = []
    for i, (t, j) in enumerate(program.derivs):
        variant = program.variants[t]
        dgate_lines.append(f"{'if' if i == 0 else 'elif'} t == {t} and j == {j}:  # d {variant[0]}")
        dgate_lines += [f"    p{q} = p[{q}]" for q in range(gate_def(variant[0]).num_params)]
        dgate_lines += body(variant, j, f"_q_DG{i}")
    return gate_lines, dgate_lines


def numpy_twins(p: Program) -> bool:
    """Whether every op of the program runs, in the kernel library's plain-Python form
    (:data:`qsym._tiers.KERNELS`), in a kernel with a NumPy twin (:mod:`qsym._aot_numpy`:
    one-wire gates, CNOT and two-wire real or dense gates); the others loop over the
    state in Python, about 1 us an amplitude."""
    for k, kind in zip(p.op_nw, p.op_kind):
        if kind in (kernels.PAULI, kernels.PCPHASE):
            return False
        if k == 2 and kind == kernels.DIAGONAL or k > 2:
            return False
    return True


def work_sizes(p: Program) -> dict:
    """The module's measures of work (amplitudes x ops x circuits) of a parameter-shift
    gradient (``WORK``), a value and an adjoint gradient, and whether every op's kernel
    has a NumPy twin (:func:`numpy_twins`): what :func:`qsym._tiers.kernels_for` and the
    runtime read.

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> from qsym._plan import make_plan
    >>> a = sp.Symbol("a", real=True)
    >>> c = Circuit(1, (Op("RX", (0,), (a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
    ...             inputs=(a,))
    >>> work_sizes(lower(c, make_plan(c)))["WORK"]  # 2 amplitudes, 1 op, 3 circuits
    6
    """
    return {"WORK": p.work(1 + len(p.term_op)), "_q_WORK_VALUE": p.work(1),
            "_q_WORK_ADJOINT": p.work(2 + p.num_outputs) + (1 << p.num_wires) * len(p.adj_op),
            "_q_NUMPY_TWINS": numpy_twins(p)}


def _tables(program: Program, unrolled: bool, adjoint_unrolled: bool = False,
            value_unrolled: bool | None = None) -> list[str]:
    """The module's constants: sizes, the packed program and ``prepare``'s tables
    (``value_unrolled``: a module for values only, :func:`emit_module`; else None)."""
    p = program
    ints, floats = p.pack()
    nslots, maxp, n_words = p.num_slots, p.max_params, len(p.word_flip)
    n_ch, n_cc = len(p.ch_slot), len(p.cc_m)
    work = work_sizes(p)
    return [
        f"NUM_WIRES = {p.num_wires}",
        f"NUM_INPUTS = {p.num_inputs}",
        f"NUM_DATA = {p.num_data}",
        f"NUM_OUTPUTS = {p.num_outputs}",
        f"_q_NLIN = {p.num_lin}  # outputs from C (the others: probabilities)",
        f"EXECUTIONS_PER_GRADIENT = {p.executions}",
        f"UNROLLED = {unrolled}  # fused_value_into, fused_value_and_grad_into written out",
        f"ADJOINT_UNROLLED = {adjoint_unrolled}  # fused_value_and_grad_adjoint_into written out",
        *([] if value_unrolled is None else
          [f"VALUE_UNROLLED = {value_unrolled}  # fused_value_into written out (values only)"]),
        f"WORK = {work['WORK']}  # amplitudes x ops x circuits",
        f"_q_WORK_VALUE = {work['_q_WORK_VALUE']}",
        f"_q_WORK_ADJOINT = {work['_q_WORK_ADJOINT']}",
        f"_q_NUMPY_TWINS = {work['_q_NUMPY_TWINS']}  # every op's kernel has a NumPy twin",
        f"_q_PARALLEL_MIN_WORK = {kernels.PARALLEL_MIN_WORK}  # measured: qsym.kernels",
        "# the circuit for the kernels (qsym._program.Program.pack)",
        _array("PROGRAM_INTS", ints, "int64"),
        _array("PROGRAM_FLOATS", floats, "float64"),
        "PROGRAM = (PROGRAM_INTS, PROGRAM_FLOATS)",
        "# what prepare() needs",
        _array("_q_OP_OFF", p.op_off, "int64"),
        _array("_q_OP_POFF", p.op_poff, "int64"),
        _array("_q_OP_NP", p.op_np, "int64"),
        _array("_q_OP_TYPE", p.op_type, "int64"),
        _array("_q_PAR_OPS", p.parametric, "int64"),
        _array("_q_MATS0", p.mats0, "complex128"),
        *([_array("_q_MD_OFF", [m[2] for m in p.mdata], "int64"),
           _array("_q_MD_SRC", [m[3] for m in p.mdata], "int64"),
           _array("_q_MD_N", [m[1] for m in p.mdata], "int64")] if p.mdata else []),
        f"_q_NSLOTS = {nslots}",
        f"_q_MAXP = {maxp}",
        f"_q_NWORDS = {n_words}",
        f"_q_NMATS = {len(p.mats0)}",
        "# prepare's real numbers but C, one array: th | ch | cc | p",
        f"_q_O_CH = {nslots}",
        f"_q_O_C = {nslots + n_ch}",
        f"_q_O_P = {nslots + n_ch + n_cc}",
        f"_q_NFL = {nslots + n_ch + n_cc + maxp}",
        *(_array(f"_q_AF_{name}", [a[i] for a in p.affine], dtype) for i, (name, dtype) in
          enumerate([("SLOT", "int64"), ("SRC", "int64"), ("IDX", "int64"),
                     ("A", "float64"), ("B", "float64")])),
        _array("_q_T_OP", p.term_op, "int64"),
        _array("_q_T_POS", p.term_pos, "int64"),
        _array("_q_T_MULT", p.term_mult, "float64"),
        _array("_q_T_SHIFT", p.term_shift, "float64"),
        _array("_q_T_PERIOD", p.term_period, "float64"),
        _array("_q_T_ZERO", p.term_zero, "bool"),
        _array("_q_T_OFF", p.term_off, "int64"),
        f"_q_NSMATS = {p.num_smats}",
        _array("_q_C0", np.asarray(p.c0, dtype=float).reshape(p.num_lin, n_words), "float64"),
        _array("_q_CH0", p.ch0, "float64"),
        f"_q_NCC = {n_cc}",
        _array("_q_ADJ_OP", p.adj_op, "int64"),
        _array("_q_ADJ_POS", p.adj_pos, "int64"),
        _array("_q_ADJ_OFF", p.adj_off, "int64"),
        f"_q_NDMATS = {p.num_dmats}",
    ]


def emit_module(circuit: Circuit, plan: GradientPlan, key: str = "",
                program: Program | None = None, values_only: bool = False) -> str:
    """The source of the generated module for ``circuit`` and its gradient ``plan`` (its
    lowered :class:`~qsym._program.Program`, made here unless given).

    ``values_only``: a module for value calls (:meth:`qsym._runtime.QNode.build` with
    ``derivatives=False``): a tiny circuit's value is written out as in the full module,
    its gradients are the kernels' forms (through ``prepare``; the same bits), not written
    out: ``UNROLLED`` and ``ADJOINT_UNROLLED`` are False, ``VALUE_UNROLLED`` says whether
    ``fused_value_into`` is written out. Writing out the gradients was a third of the
    seed's first value (issue #17); the first gradient makes the full module. A program
    that is not written out (:func:`writable`) has one text for both: the full one, with
    no ``VALUE_UNROLLED`` (its presence marks a module for values only)."""
    program = lower(circuit, plan) if program is None else program
    prepared = unrolled_prepare(circuit, program) if writable(program) else None
    values_only = values_only and prepared is not None
    into = unrolled_functions(circuit, program, not values_only, prepared)
    adjoint_into = None if values_only else unrolled_adjoint(circuit, program, prepared)
    gate_tables = []
    gate_lines, dgate_lines = _gate_code(program, gate_tables)
    return _MODULE.format(
        into_functions=into or _INTO_KERNELS,
        # (the blocked kernel's work memory: allocated by it, an empty array)
        adjoint_into=adjoint_into or _ADJOINT_KERNELS.format(
            work=(",\n" + " " * 39 + "np.empty(0, dtype=np.complex128)"
                  if program.num_wires >= kernels.BLOCK_MIN_WIRES else "")),
        adjoint_returning=_ADJOINT_RETURNING,
        # large states: the adjoint in blocked passes (kernels.BLOCK_MIN_WIRES); smaller
        # circuits' modules do not link it
        adjoint=("program_value_and_grad_adjoint_blocked"
                 if program.num_wires >= kernels.BLOCK_MIN_WIRES
                 else "program_value_and_grad_adjoint"),
        # the fused gradient: the small kernel where it runs the program, else the serial
        # one (the small kernel does not link it: issue #17)
        # the fused value: the small value kernel where it runs the program (it does not
        # link the single-Z tree and the probabilities: issue #17)
        value_into=("program_value_small_into"
                    if kernels.small_value_runs(program.word_flip, program.word_z)
                    else "program_value_into"),
        # the batch adjoint: the blocked rows' kernel from BLOCK_MIN_WIRES (the common one
        # does not link the blocked adjoint: issue #17)
        batch_adjoint=kernels.batch_adjoint_kernel(program.num_wires),
        grad_into=("program_value_and_grad_small_into"
                   if kernels.small_gradient_runs(program.num_wires, program.word_flip,
                                                  program.word_z)
                   else "program_value_and_grad_into"),
        kernel_table=((_KERNEL_TABLE if kernel_table.enabled() else "")
                      + line_import(into, adjoint_into)),
        returning=_RETURNING,
        version=__version__,
        key=key,
        kernels_hash=KERNELS_HASH,
        listing=format_circuit(circuit).replace('"""', "'''"),
        tables="\n".join(_tables(program, into is not None and not values_only,
                                  adjoint_into is not None,
                                  (into is not None) if values_only else None)
                         + _copy_tables(circuit, program) + gate_tables),
        gate_code=indent(gate_lines or ["pass"]),
        dgate_code=indent(dgate_lines or ["pass"]),
        input_code=indent(input_code(circuit, program)),
        input_checks=indent(_INPUT_CHECKS),
        matrix_data=indent(_MATRIX_DATA) + "\n" if program.mdata else "",
    )
