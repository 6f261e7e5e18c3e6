"""Stage 5, emit: Python source for one circuit's value and gradient functions.

The generated module holds:

- ``PROGRAM``: the circuit for the compiled-once kernels in :mod:`qsym.kernels`, packed
  into two arrays (ops, measured Pauli words, shift terms, chain-rule tables);
- ``prepare(x, d, mode)``: a numba function computing everything that depends on the
  inputs ``x`` and data ``d``: gate parameters (affine ones, ``a * x_j + b``, as table
  rows; the others as code printed from sympy, common subexpressions shared), the gate
  matrices and those of the shifted gates, the non-constant chain-rule factors and the
  observable coefficients that depend on inputs;
- ``_q_gate``: the matrices of the circuit's parametric gate types, printed from the exact
  sympy matrices of their gate-table rows.

The runtime calls ``kernels.program_value_and_grad(*PROGRAM, *prepare(x, d, 1)[:5])``
(parameter shift) or ``kernels.program_value_and_grad_adjoint(*PROGRAM,
*prepare_adjoint(x, d)[:5])`` (adjoint).
Measured: a generated function that calls into the kernel library costs numba about 0.5 s
to compile (it re-optimizes the linked library), one that does not about 0.06 s; so the
module never calls the kernels itself. Its size grows with the number of gates, never with
parameters x gates: shifted circuits are table rows, not code. Generated names start with ``_q_`` (or are the
documented entry points), so nothing printed from sympy can collide with them.

>>> import sympy as sp
>>> from qsym.ir import Circuit, Op, Measurement
>>> from qsym.plan import make_plan
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (2 * a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> src = emit_module(c, make_plan(c))
>>> "def prepare(x, d, mode):" in src and '_q_AF_A = np.array([float(v) for v in "2.0"' in src
True
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from . import __version__, cache, kernels
from .gates import gate_def, numeric_matrix_function
from .ir import Circuit, format_circuit
from .plan import GradientPlan

_KIND = {"dense": 0, "diagonal": 1, "controlled_x": 2, "real": 3}  # qsym.kernels: DENSE, ...

# numba does not notice changes in functions that a cached function calls (numba issue
# 1833): the kernel library's hash is written into every generated module, so a change of
# the kernels changes the module's source, hence its file name, hence the cache entry.
KERNELS_HASH = hashlib.sha256(Path(kernels.__file__).read_bytes()).hexdigest()[:16]


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


def _block(assignments, symbols_map) -> list[str]:
    """Lines computing ``target = expr`` for each pair, with common subexpressions shared."""
    if not assignments:
        return []
    targets, exprs = zip(*assignments)
    exprs = [sp.sympify(e).xreplace(symbols_map) for e in exprs]
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_q_c"), optimizations=None)
    lines = [f"{sym} = {pyexpr(val)}" for sym, val in repl]
    lines += [f"{t} = {pyexpr(e)}" for t, e in zip(targets, reduced)]
    return lines


def _array(name, values, dtype) -> str:
    """A module-level array, its elements as the text of one string (exact: ``repr`` of
    each float, parsed back by ``float``). Python compiles a list display of thousands of
    numbers slowly (25 ms of the 12x8 HEA module's 29 ms); one string costs nothing, and
    parsing it when the module runs about 1 ms."""
    arr = np.asarray(values, dtype=dtype)
    if dtype == "complex128":
        body, conv = " ".join(repr(complex(v)) for v in arr.ravel()), "complex"
    elif dtype == "float64":
        body, conv = " ".join(repr(float(v)) for v in arr.ravel()), "float"
    elif dtype == "bool":
        body, conv = " ".join("1" if v else "0" for v in arr.ravel()), "int"
    else:
        body, conv = " ".join(str(int(v)) for v in arr.ravel()), "int"
    np_name = "bool_" if dtype == "bool" else dtype  # np.bool is absent in numpy 1.24-1.26
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
    row = gate_def(name)
    params = sp.symbols(f"p0:{row.num_params}", real=True)
    mat = row.sympy_matrix(params, num_wires, hyper)
    # printing costs sympy time (expand, cse, and in a new process sympy's lazy imports):
    # the lines are kept in the cache folder, keyed by everything they are printed from
    key = _gate_body_key(row, mat, derivative)
    if key is not None:
        lines = cache.load_record("gate-code", key)
        if isinstance(lines, list) and all(isinstance(line, str) for line in lines):
            return tuple(lines)
    lines = _print_gate_body(row, params, mat, derivative)
    if key is not None:
        cache.save_record("gate-code", key, list(lines))
    return lines


def _gate_body_key(row, mat, derivative) -> str | None:
    try:
        return "\n".join([
            "qsym-gate-code 1",
            f"qsym {__version__}",
            f"emit.py {cache.file_digest(__file__)}",
            f"sympy {sp.__version__}",
            f"structure {row.structure!r} params {row.num_params} derivative {derivative!r}",
            f"matrix {sp.srepr(mat)}",
        ])
    except Exception:  # a matrix sympy cannot print: no disk cache
        return None


def _print_gate_body(row, params, mat, derivative) -> tuple[str, ...]:
    if derivative is not None:
        mat = sp.diff(mat, params[derivative])
    if row.structure == "diagonal":
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
    return tuple(lines)


def _mat_size(name: str, num_wires: int) -> int:
    dim = 2**num_wires
    return dim if gate_def(name).structure == "diagonal" else dim * dim


def _stored(name: str, mat: np.ndarray) -> np.ndarray:
    return np.diag(mat) if gate_def(name).structure == "diagonal" else mat.ravel()


def affine_form(expr, inputs_index: dict, data_index: dict):
    """``(source, index, a, b)`` if ``expr == a * symbol + b`` with constants a and b.

    ``source`` is 0 for an input (``x[index]``), 1 for data (``d[index]``). Such
    parameters, the common case (``RX(x[3])``, ``RY(2 * w + 0.1)``), become table rows
    instead of generated code. Returns None for anything else.

    >>> a = sp.Symbol("a")
    >>> affine_form(2 * a + 1, {a: 0}, {})
    (0, 0, 2.0, 1.0)
    >>> affine_form(a**2, {a: 0}, {}) is None
    True
    """
    if expr.is_Symbol:  # the common case, without sympy's diff (slow in a new process)
        if expr in inputs_index:
            return 0, inputs_index[expr], 1.0, 0.0
        if expr in data_index:
            return 1, data_index[expr], 1.0, 0.0
    syms = expr.free_symbols
    if len(syms) != 1:
        return None
    (s,) = syms
    a = sp.diff(expr, s)
    b = expr.xreplace({s: sp.S.Zero})
    if a.free_symbols or b.free_symbols:
        return None
    if s in inputs_index:
        return 0, inputs_index[s], float(a), float(b)
    return 1, data_index[s], float(a), float(b)


_MODULE = '''\
"""qsym {version} generated module. Do not edit: regenerated from the circuit.

key: {key}
kernels: {kernels_hash}

{listing}
"""
import math
import numpy as np
from numba import njit
from qsym.kernels import program_value as _q_program_value
from qsym.kernels import program_value_and_grad_adjoint as _q_program_value_and_grad_adjoint
from qsym.kernels import program_value_into as _q_program_value_into
from qsym.kernels import program_value_and_grad_small_into as _q_program_value_and_grad_small_into
from qsym.kernels import program_value_and_grad_adjoint_into as _q_program_value_and_grad_adjoint_into
from qsym.kernels import batch_value as _q_batch_value
from qsym.kernels import call_dynamic as _q_call_dynamic
from qsym.kernels import batch_value_and_grad as _q_batch_value_and_grad
from qsym.kernels import batch_value_and_grad_adjoint as _q_batch_value_and_grad_adjoint

{tables}


@njit(cache=True)
def _q_gate(t, p, out, off):
{gate_code}


@njit(cache=True)
def _q_dgate(t, j, p, out, off):
{dgate_code}


@njit(cache=True)
def prepare(x, d, mode):
    """Everything that depends on the inputs ``x`` and data ``d``.

    Returns ``(mats, extra, ch, C, cc, th)``: the gate matrices; for ``mode`` 1 the shifted
    gates' matrices (parameter shift), else nothing; the chain-rule factors, the
    observable coefficients and their derivatives, and the gate parameters. The kernels
    take the first five with ``PROGRAM``. Three allocations: ``C``, the matrices (views of
    one array) and the other real numbers (views of one array).
    """
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            raise ValueError("qsym: non-finite input")
    for i in range(d.shape[0]):
        if not math.isfinite(d[i]):
            raise ValueError("qsym: non-finite input")
    fl = np.empty(_q_NFL)
    th = fl[:_q_NSLOTS]
    th[:] = 0.0
    for k in range(_q_AF_SLOT.shape[0]):
        v = x[_q_AF_IDX[k]] if _q_AF_SRC[k] == 0 else d[_q_AF_IDX[k]]
        th[_q_AF_SLOT[k]] = _q_AF_A[k] * v + _q_AF_B[k]
    # constants copied by loops: numba takes seconds to compile an array-to-slice copy
    # (and a tenth of a second for a reshape)
    for i in range(_q_O_CH, _q_O_C):
        fl[i] = _q_CH0[i - _q_O_CH]
    ch = fl[_q_O_CH:_q_O_C]
    C = np.empty((NUM_OUTPUTS, _q_NWORDS))
    for m in range(NUM_OUTPUTS):
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
    mats = allm[:_q_NMATS]
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
            p[j] = _q_T_MULT[t] * p[j] + _q_T_SHIFT[t]
            _q_gate(_q_OP_TYPE[k], p, smats, _q_T_OFF[t])
    return mats, smats, ch, C, cc, th


@njit(cache=True)
def prepare_adjoint(x, d):
    """As ``prepare``, with the derivative matrices of the differentiated parameters (for
    the adjoint method) in place of the shifted ones. A separate function: numba compiles
    all code a function can reach, and parameter shift never needs these."""
    mats, smats, ch, C, cc, th = prepare(x, d, 0)
    p = np.empty(_q_MAXP)
    dmats = np.empty(_q_NDMATS, dtype=np.complex128)
    for a in range(_q_ADJ_OP.shape[0]):
        k = _q_ADJ_OP[a]
        for j in range(_q_OP_NP[k]):
            p[j] = th[_q_OP_POFF[k] + j]
        _q_dgate(_q_OP_TYPE[k], _q_ADJ_POS[a], p, dmats, _q_ADJ_OFF[a])
    return mats, dmats, ch, C, cc, th


# Fused entry points: one compiled call for the whole computation. They link the kernel
# library, which costs numba about 0.5 s each to compile, so the runtime uses them only
# where call overhead matters (small circuits, see qsym.runtime.FUSED_MAX_WORK); numba
# compiles a function at its first call, so unused ones cost nothing.
@njit(cache=True)
def fused_value(x, d):
    """Measured values at inputs ``x`` and data ``d``."""
    mats, smats, ch, C, cc, th = prepare(x, d, 0)
    # copies: the kernels are compiled for writable arrays, module constants are read-only
    return _q_program_value(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats, C)


@njit(cache=True)
def fused_value_and_grad(x, d):
    """Values and the Jacobian ``jac[m, j] = d value[m] / d x[j]`` by parameter shift."""
    out = np.empty(NUM_OUTPUTS)
    jac = np.empty((NUM_OUTPUTS, NUM_INPUTS))
    mats, smats, ch, C, cc, th = prepare(x, d, 1)
    _q_program_value_and_grad_small_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats,
                                         smats, ch, C, cc, out, jac)
    return out, jac


@njit(cache=True)
def fused_value_and_grad_adjoint(x, d):
    """Values and the Jacobian by the adjoint method."""
    mats, dmats, ch, C, cc, th = prepare_adjoint(x, d)
    return _q_program_value_and_grad_adjoint(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats,
                                             dmats, ch, C, cc)


# The same, writing into arrays the caller made: ``out`` (NUM_OUTPUTS,) and ``jac``
# (NUM_OUTPUTS, NUM_INPUTS). What the runtime calls from Python (numba takes about 0.4 us
# to hand each array it made to Python; see qsym.kernels). Same code, same bits.
@njit(cache=True)
def _q_check_outputs(out, jac):
    if out.shape[0] != NUM_OUTPUTS or jac.shape[0] != NUM_OUTPUTS or jac.shape[1] != NUM_INPUTS:
        raise ValueError("qsym: output arrays must have shapes (NUM_OUTPUTS,) and "
                         "(NUM_OUTPUTS, NUM_INPUTS)")


@njit(cache=True)
def fused_value_into(x, d, out):
    """``fused_value`` into ``out``."""
    if out.shape[0] != NUM_OUTPUTS:
        raise ValueError("qsym: the output array must have shape (NUM_OUTPUTS,)")
    mats, smats, ch, C, cc, th = prepare(x, d, 0)
    _q_program_value_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats, C, out)


@njit(cache=True)
def fused_value_and_grad_into(x, d, out, jac):
    """``fused_value_and_grad`` into ``out`` and ``jac``."""
    _q_check_outputs(out, jac)
    mats, smats, ch, C, cc, th = prepare(x, d, 1)
    _q_program_value_and_grad_small_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats,
                                         smats, ch, C, cc, out, jac)


@njit(cache=True)
def fused_value_and_grad_adjoint_into(x, d, out, jac):
    """``fused_value_and_grad_adjoint`` into ``out`` and ``jac``."""
    _q_check_outputs(out, jac)
    mats, dmats, ch, C, cc, th = prepare_adjoint(x, d)
    _q_program_value_and_grad_adjoint_into(PROGRAM_INTS.copy(), PROGRAM_FLOATS.copy(), mats,
                                           dmats, ch, C, cc, out, jac)


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
    CS = np.empty((B, NUM_OUTPUTS, _q_NWORDS))
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
    CS = np.empty((B, NUM_OUTPUTS, _q_NWORDS))
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


def _indent(lines, n=4) -> str:
    return "\n".join(" " * n + line for line in lines)


def emit_module(circuit: Circuit, plan: GradientPlan, key: str = "") -> str:
    """The source of the generated module for ``circuit`` and its gradient ``plan``."""
    inputs = circuit.inputs
    data = circuit.data
    xindex = {s: i for i, s in enumerate(inputs)}
    dindex = {s: i for i, s in enumerate(data)}
    xnames = {s: f"_q_x{i}" for i, s in enumerate(inputs)}
    dnames = {s: f"_q_d{i}" for i, s in enumerate(data)}
    smap = {s: sp.Symbol(n, real=True) for s, n in {**xnames, **dnames}.items()}
    known = set(inputs) | set(data)

    # --- op tables; constant gates get their matrices now, parametric ones per call -------
    ops = circuit.ops
    maxw = max([len(op.wires) for op in ops] + [1])
    op_wires = np.zeros((len(ops), maxw), dtype=np.int64)
    op_nw, op_kind, op_off, op_poff, op_np, op_type = [], [], [], [], [], []
    parametric: list[int] = []
    types: list[tuple] = []  # gate variants (name, wires, hyperparameters) with parameters
    mats0: list[complex] = []
    for k, op in enumerate(ops):
        op_wires[k, : len(op.wires)] = op.wires
        op_nw.append(len(op.wires))
        op_kind.append(_KIND[gate_def(op.name).structure])
        op_off.append(len(mats0))
        op_poff.append(sum(op_np))
        op_np.append(len(op.params))
        if any(p.free_symbols & known for p in op.params):
            parametric.append(k)
            if op.variant not in types:
                types.append(op.variant)
            op_type.append(types.index(op.variant))
            mats0.extend([0j] * _mat_size(op.name, len(op.wires)))
        else:
            op_type.append(-1)
            mat = numeric_matrix_function(*op.variant)(*[float(p) for p in op.params])
            mats0.extend(_stored(op.name, mat))

    # --- functions of the inputs: table rows where affine or constant, code otherwise ----
    affine = []
    code = []
    is_parametric = set(parametric)
    for s in plan.slots:
        if s.op not in is_parametric:
            continue
        index = op_poff[s.op] + s.pos
        expr = sp.sympify(s.expr)
        if not expr.free_symbols:
            affine.append((index, 0, 0, 0.0, float(expr)))
            continue
        row = affine_form(expr, xindex, dindex)
        if row is None:
            code.append((f"th[{index}]", expr))
        else:
            affine.append((index,) + row)
    chain = plan.chain
    ch0 = np.zeros(len(chain))
    for k, e in enumerate(chain):
        if e.factor.free_symbols:
            code.append((f"ch[{k}]", e.factor))
        else:
            ch0[k] = float(e.factor)
    c0 = np.zeros((len(plan.coeffs), len(plan.words)))
    for m, row in enumerate(plan.coeffs):
        for t, c in enumerate(row):
            if c.free_symbols:
                code.append((f"C[{m}, {t}]", c))
            else:
                c0[m, t] = float(c)
    cc = plan.coeff_chain
    code += [(f"cc[{k}]", e.factor) for k, e in enumerate(cc)]
    used = set().union(*[sp.sympify(e).free_symbols for _, e in code])
    input_lines = [f"{xnames[s]} = x[{i}]" for i, s in enumerate(inputs) if s in used]
    input_lines += [f"{dnames[s]} = d[{i}]" for i, s in enumerate(data) if s in used]
    input_lines += _block(code, smap)

    # --- gate matrices, by the circuit's own gate-type numbers ---------------------------
    gate_lines = []
    for i, variant in enumerate(types):
        gate_lines.append(f"{'if' if i == 0 else 'elif'} t == {i}:  # {variant[0]}")
        gate_lines += [f"    p{j} = p[{j}]" for j in range(gate_def(variant[0]).num_params)]
        gate_lines += ["    " + line for line in gate_body(*variant)]

    # --- shift terms and measured words ----------------------------------------------
    terms = plan.terms
    term_off, soff = [], 0
    for t in terms:
        term_off.append(soff)
        if not t.zero:
            soff += _mat_size(ops[t.op].name, len(ops[t.op].wires))
    n = circuit.num_wires
    wf, wz, wy = [], [], []
    for word in plan.words:
        bits = {p: 0 for p in "XYZ"}
        for w, p in word:
            bits[p] |= 1 << (n - 1 - w)
        wf.append(bits["X"] | bits["Y"])
        wz.append(bits["Y"] | bits["Z"])
        wy.append(sum(1 for _, p in word if p == "Y"))

    # derivative matrices for the adjoint method: one block per differentiated slot
    adj = [plan.slots[si] for si in plan.diff_slots]
    adj_off, doff = [], 0
    for sl in adj:
        adj_off.append(doff)
        doff += _mat_size(ops[sl.op].name, len(ops[sl.op].wires))
    dgate_lines = []
    derivs = sorted({(op_type[sl.op], sl.pos) for sl in adj})
    for i, (t, j) in enumerate(derivs):
        variant = types[t]
        dgate_lines.append(f"{'if' if i == 0 else 'elif'} t == {t} and j == {j}:  # d {variant[0]}")
        dgate_lines += [f"    p{q} = p[{q}]" for q in range(gate_def(variant[0]).num_params)]
        dgate_lines += ["    " + line for line in gate_body(*variant, derivative=j)]

    ints, floats = kernels.pack_program(
        n, op_wires, op_nw, op_kind, op_off, wf, wz, wy,
        [t.op for t in terms], [t.slot for t in terms], [t.zero for t in terms], term_off,
        [t.coeff for t in terms], [e.slot for e in chain], [e.input for e in chain],
        [e.measurement for e in cc], [e.word for e in cc], [e.input for e in cc],
        max(sum(op_np), 1), len(inputs), len(plan.coeffs),
        [sl.op for sl in adj], list(plan.diff_slots), adj_off,
    )
    nslots = max(sum(op_np), 1)
    maxp = max(op_np + [1])
    tables = [
        f"NUM_WIRES = {n}",
        f"NUM_INPUTS = {len(inputs)}",
        f"NUM_DATA = {len(data)}",
        f"NUM_OUTPUTS = {len(plan.coeffs)}",
        f"EXECUTIONS_PER_GRADIENT = {plan.executions}",
        f"WORK = {(1 << n) * max(len(ops), 1) * (1 + len(terms))}  # amplitudes x ops x circuits",
        f"_q_WORK_VALUE = {(1 << n) * max(len(ops), 1)}",
        f"_q_WORK_ADJOINT = {(1 << n) * (max(len(ops), 1) * (2 + len(plan.coeffs)) + len(adj))}",
        f"_q_PARALLEL_MIN_WORK = {kernels.PARALLEL_MIN_WORK}  # measured: qsym.kernels",
        "# the circuit for the kernels (qsym.kernels.pack_program)",
        _array("PROGRAM_INTS", ints, "int64"),
        _array("PROGRAM_FLOATS", floats, "float64"),
        "PROGRAM = (PROGRAM_INTS, PROGRAM_FLOATS)",
        "# what prepare() needs",
        _array("_q_OP_OFF", op_off, "int64"),
        _array("_q_OP_POFF", op_poff, "int64"),
        _array("_q_OP_NP", op_np, "int64"),
        _array("_q_OP_TYPE", op_type, "int64"),
        _array("_q_PAR_OPS", parametric, "int64"),
        _array("_q_MATS0", mats0, "complex128"),
        f"_q_NSLOTS = {nslots}",
        f"_q_MAXP = {maxp}",
        f"_q_NWORDS = {len(plan.words)}",
        f"_q_NMATS = {len(mats0)}",
        "# prepare's real numbers but C, one array: th | ch | cc | p",
        f"_q_O_CH = {nslots}",
        f"_q_O_C = {nslots + len(chain)}",
        f"_q_O_P = {nslots + len(chain) + len(cc)}",
        f"_q_NFL = {nslots + len(chain) + len(cc) + maxp}",
        _array("_q_AF_SLOT", [a[0] for a in affine], "int64"),
        _array("_q_AF_SRC", [a[1] for a in affine], "int64"),
        _array("_q_AF_IDX", [a[2] for a in affine], "int64"),
        _array("_q_AF_A", [a[3] for a in affine], "float64"),
        _array("_q_AF_B", [a[4] for a in affine], "float64"),
        _array("_q_T_OP", [t.op for t in terms], "int64"),
        _array("_q_T_POS", [t.pos for t in terms], "int64"),
        _array("_q_T_MULT", [t.mult for t in terms], "float64"),
        _array("_q_T_SHIFT", [t.shift for t in terms], "float64"),
        _array("_q_T_ZERO", [t.zero for t in terms], "bool"),
        _array("_q_T_OFF", term_off, "int64"),
        f"_q_NSMATS = {max(soff, 1)}",
        _array("_q_C0", c0, "float64"),
        _array("_q_CH0", ch0, "float64"),
        f"_q_NCC = {len(cc)}",
        _array("_q_ADJ_OP", [sl.op for sl in adj], "int64"),
        _array("_q_ADJ_POS", [sl.pos for sl in adj], "int64"),
        _array("_q_ADJ_OFF", adj_off, "int64"),
        f"_q_NDMATS = {max(doff, 1)}",
    ]
    return _MODULE.format(
        version=__version__,
        key=key,
        kernels_hash=KERNELS_HASH,
        listing=format_circuit(circuit).replace('"""', "'''"),
        tables="\n".join(tables),
        gate_code=_indent(gate_lines or ["pass"]),
        dgate_code=_indent(dgate_lines or ["pass"]),
        input_code=_indent(input_lines),
    )
