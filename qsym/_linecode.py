"""A written-out arithmetic line as one numba intrinsic (issue #17).

numba spends about 1.1 ms of CPU per arithmetic operation typing and lowering the
straight-line code of a tiny circuit's written-out entry points
(:func:`qsym._emit.unrolled_functions`, :func:`qsym._emit.unrolled_adjoint`): each ``a *
b`` is a call numba resolves through its operator templates, then lowers by looking its
implementation up. Such a line whose right side is only ``+``, ``-``, ``*``, unary minus,
locals and float literals is written instead as one call of :func:`written_line`, its
expression in postfix form (:func:`postfix`)::

    _q_v9 = _q_v5 * _q_v5 + _q_v6 * _q_v6
    _q_v9 = _q_fx("a0 a0 * a1 a1 * +", _q_v5, _q_v6)

whose typer returns ``float64`` at once when every argument is a ``float64`` and whose
code is the instructions numba's own implementations emit for that expression
(``real_add_impl``, ``real_sub_impl``, ``real_mul_impl``: ``fadd``, ``fsub``, ``fmul``;
``real_negate_impl``: ``fsub -0.0, x``), in the same order, without fast-math flags: the
same LLVM code, so the same bits and the same speed (the seed's entry points compile to
the same machine code), for about 1 ms of numba's compile a line instead of about 1 ms
an operation.
Any other argument type (an integer, a complex number) is typed and lowered operation by
operation as numba types and lowers the expression itself (its templates and
implementations), so the line means what it meant.

The text keeps its plain-Python meaning: tier 0 and an export's plain-Python tier run the
line as it was (:func:`python_text`, the expression back in infix form, every operation
in its place and order), never the intrinsic, which numba alone can call. An exported
module carries this module's :func:`written_line` (it needs only numba and llvmlite).

>>> postfix("0.0 + (_q_a * _q_b - -_q_c)")
('c0.0 a0 a1 * a2 n - +', ['_q_a', '_q_b', '_q_c'])
>>> python_text('    _q_v = _q_fx("c0.0 a0 a1 * a2 n - +", _q_a, _q_b, _q_c)')
'    _q_v = (0.0 + ((_q_a * _q_b) - (-_q_c)))'
"""

from __future__ import annotations

import ast
import hashlib
import operator
import re
from pathlib import Path

from llvmlite import ir as _lc_ir
from numba.core import cgutils as _lc_cgutils
from numba.core import types as _lc_types
from numba.extending import intrinsic as _lc_intrinsic

from ._parsing import parse

# the name generated code calls the intrinsic by
CALL = "_q_fx"
# this module's source: a generated module names it (qsym._emit.LINE_IMPORT), so that code
# compiled with another meaning of the intrinsic is another module, never loaded for this one
SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

_LC_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def _lc_steps(typingctx, code, argtys):
    """``(steps, result type)`` of the postfix program ``code`` for arguments of types
    ``argtys``: each step ``(token, function type, signature, argument types)``, the
    types of the un-rewritten expression's temporaries (None: an operation numba does not
    type for those types, an error as the expression itself would be)."""
    f64 = _lc_types.float64
    fast = all(t == f64 for t in argtys)
    stack, steps = [], []
    for tok in code.split():
        if tok[0] == "a":
            stack.append(argtys[int(tok[1:])])
            steps.append((tok, None, None, None))
            continue
        if tok[0] == "c":
            stack.append(f64)
            steps.append((tok, None, None, None))
            continue
        args = (stack.pop(),) if tok == "n" else tuple(reversed([stack.pop(), stack.pop()]))
        if fast:
            stack.append(f64)
            steps.append((tok, None, None, args))
            continue
        fnty = typingctx.resolve_value_type(operator.neg if tok == "n" else _LC_OPS[tok])
        sig = typingctx.resolve_function_type(fnty, args, {})
        if sig is None:
            return None, None
        stack.append(sig.return_type)
        steps.append((tok, fnty, sig, args))
    return (steps, stack[0]) if len(stack) == 1 else (None, None)


@_lc_intrinsic(prefer_literal=True)
def written_line(typingctx, program, *args):
    """``program`` (a literal postfix string: ``a<i>`` the i-th argument, ``c<float>`` a
    literal, ``+ - *``, ``n`` unary minus) evaluated as numba evaluates the expression it
    was written from (module docstring). Callable from compiled code only."""
    if not isinstance(program, _lc_types.StringLiteral):
        return None
    code = program.literal_value
    steps, result = _lc_steps(typingctx, code, args)
    if steps is None:
        return None

    def codegen(context, builder, sig, llargs):
        vals = _lc_cgutils.unpack_tuple(builder, llargs[1])
        stack = []
        for tok, fnty, opsig, optys in steps:
            if tok[0] == "a":
                stack.append(vals[int(tok[1:])])
            elif tok[0] == "c":
                stack.append(_lc_ir.Constant(_lc_ir.DoubleType(), float(tok[1:])))
            elif tok == "n":
                x = stack.pop()
                if fnty is None:  # numba's real_negate_impl (mathimpl.negate_real)
                    stack.append(builder.fsub(_lc_ir.Constant(x.type, -0.0), x))
                else:
                    x = context.cast(builder, x, optys[0], opsig.args[0])
                    stack.append(context.get_function(fnty, opsig)(builder, [x]))
            else:
                b, a = stack.pop(), stack.pop()
                if fnty is None:  # numba's real_add_impl, real_sub_impl, real_mul_impl
                    stack.append({"*": builder.fmul, "+": builder.fadd,
                                  "-": builder.fsub}[tok](a, b))
                else:
                    a = context.cast(builder, a, optys[0], opsig.args[0])
                    b = context.cast(builder, b, optys[1], opsig.args[1])
                    stack.append(context.get_function(fnty, opsig)(builder, (a, b)))
        return stack[0]

    return result(program, _lc_types.StarArgTuple(args)), codegen


_lc_lambdas: dict = {}


def _lc_python(program, *args):
    """:func:`written_line` called from Python (numba's JIT off, ``NUMBA_DISABLE_JIT=1``, or
    a ``py_func`` run by hand): the expression it was made from, evaluated by Python (what
    the line did before it was rewritten)."""
    fn = _lc_lambdas.get(program)
    if fn is None:
        names = [f"a{i}" for i in range(len(args))]
        fn = eval(f"lambda {', '.join(names)}: {infix(program, names)}")
        _lc_lambdas[program] = fn
    return fn(*args)


class _LcLine(type(written_line)):
    """numba's intrinsic with a Python meaning (numba's own raises when called from
    Python)."""

    def __call__(self, program, *args):
        return _lc_python(program, *args)


try:  # (the same object for numba, typed and lowered as registered above)
    written_line.__class__ = _LcLine
except TypeError:  # another numba whose intrinsics cannot take a subclass: compiled only
    pass


# --- the text: a line to its intrinsic call and back (qsym itself, not carried) ---------

class _NotPlain(Exception):
    """An expression that is not ``+ - *``, unary minus, ``_q_`` locals and float literals."""


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_FOLDED = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv}


def _tokens(part, names) -> list:
    """A part's postfix tokens: a constant as the float literal numba reads (an int, inf,
    nan: not a line for the intrinsic)."""
    kind, value = part
    if kind == "program":
        return value
    if type(value) is not float or value - value != 0.0:
        raise _NotPlain
    return [f"c{value!r}"]


def _walk(node, names):
    """``("constant", number)`` for a constant-only expression, as CPython folds it before
    numba reads the bytecode (``(1/2)`` is the literal ``0.5``; Python's arithmetic is the
    same IEEE operations), else ``("program", postfix tokens)`` over the ``_q_`` locals
    ``names`` (appended in order of first use). One pass over the tree."""
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise _NotPlain
        return "constant", node.value
    if isinstance(node, ast.Name) and node.id.startswith("_q_"):
        if node.id not in names:
            names.append(node.id)
        return "program", [f"a{names.index(node.id)}"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        kind, value = _walk(node.operand, names)
        return (kind, -value) if kind == "constant" else (kind, value + ["n"])
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLDED:
        left, right = _walk(node.left, names), _walk(node.right, names)
        if left[0] == right[0] == "constant":
            try:
                return "constant", _FOLDED[type(node.op)](left[1], right[1])
            except ArithmeticError:  # (1/0: CPython leaves it to run, and raise)
                raise _NotPlain from None
        if type(node.op) not in _BINOPS:
            raise _NotPlain
        return "program", (_tokens(left, names) + _tokens(right, names)
                           + [_BINOPS[type(node.op)]])
    raise _NotPlain


def postfix(expression) -> tuple[str, list[str]] | None:
    """``(program, names)``: the expression (text or ``ast`` node) as :func:`written_line`'s
    postfix program over its ``_q_`` locals ``names`` (in order of first use), a
    constant-only part as the float CPython folds it to; None if it is anything else
    (a call, a division, an integer, another name) or has no operation on a local."""
    node = parse(expression, mode="eval").body if isinstance(expression, str) else expression
    names = []
    try:
        kind, out = _walk(node, names)
    except _NotPlain:
        return None
    if kind == "constant" or len(out) == 1:
        return None
    return " ".join(out), names


def infix(program: str, names) -> str:
    """The Python expression :func:`written_line`'s ``program`` over the locals ``names``
    was made from, fully parenthesized (the same operations in the same order).

    >>> infix("a0 c-1.0 * a1 n +", ["_q_a", "_q_b"])
    '((_q_a * (-1.0)) + (-_q_b))'
    """
    stack = []
    for tok in program.split():
        if tok[0] == "a":
            stack.append(names[int(tok[1:])])
        elif tok[0] == "c":
            stack.append(f"({tok[1:]})" if tok[1] == "-" else tok[1:])
        elif tok == "n":
            stack.append(f"(-{stack.pop()})")
        else:
            b, a = stack.pop(), stack.pop()
            stack.append(f"({a} {tok} {b})")
    return stack[0]


_CALL_RE = re.compile(CALL + r"""\((["'])([-+*.\w ]*)\1((?:, _q_\w+)*)\)""")


def python_text(text: str) -> str:
    """``text`` with each :func:`written_line` call back as the expression it was made
    from (fully parenthesized: the same operations in the same order, a literal as the
    same constant), what Python runs (tier 0, an export's plain-Python tier); the program
    in either quotes (``ast.unparse`` writes single ones)."""
    if CALL + "(" not in text:
        return text
    return _CALL_RE.sub(lambda m: infix(m.group(2), m.group(3)[2:].split(", ")), text)
