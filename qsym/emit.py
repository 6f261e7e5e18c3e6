"""Stage 5, emit: Python source for one circuit's value and gradient functions.

The generated module holds the circuit as constant op tables, and four kinds of small
numba functions printed from sympy (with common-subexpression elimination):

- ``_q_theta(x, d, th)``: every gate parameter from the inputs ``x`` and data ``d``;
- ``_q_chain(x, d)``: the non-constant chain-rule factors ``d theta / d x``;
- ``_q_g_<Gate>(p..., out, off)``: each parametric gate type's matrix, from the gate table;
- ``_q_coeffs`` / ``_q_coeff_chain``: observable coefficients that depend on inputs.

``value(x, d)`` and ``value_and_grad(x, d)`` wire these to the compiled-once simulator in
:mod:`qsym.kernels`. The code grows with the number of gates, never with parameters x gates:
shifted circuits are table rows, not code. Every generated name starts with ``_q_`` (or is
one of the documented entry points), so it cannot collide with anything printed from sympy.

>>> import sympy as sp
>>> from qsym.ir import Circuit, Op, Measurement
>>> from qsym.plan import make_plan
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (2 * a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> src = emit_module(c, make_plan(c))
>>> "def value_and_grad(x, d):" in src and "th[0] = 2*_q_x0" in src
True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from . import __version__
from .gates import gate_def, numeric_matrix_function
from .ir import Circuit, format_circuit
from .plan import GradientPlan

_KIND = {"dense": 0, "diagonal": 1}


class _Printer(PythonCodePrinter):
    """sympy's Python printer with floats printed exactly (17 significant digits)."""

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_ImaginaryUnit(self, expr):  # pragma: no cover - parts are split before
        raise ValueError("complex value in generated real code")


def pyexpr(expr) -> str:
    """Print a real sympy expression as Python (``math`` functions, exact floats)."""
    return _Printer({"fully_qualified_modules": True, "standard": "python3"}).doprint(expr)


def _block(assignments, symbols_map, indent="    ") -> list[str]:
    """Lines computing ``target = expr`` for each pair, with common subexpressions shared."""
    if not assignments:
        return []
    targets, exprs = zip(*assignments)
    exprs = [sp.sympify(e).xreplace(symbols_map) for e in exprs]
    temps = sp.numbered_symbols("_q_c")
    repl, reduced = sp.cse(exprs, symbols=temps, optimizations=None)
    lines = [f"{indent}{sym} = {pyexpr(val)}" for sym, val in repl]
    lines += [f"{indent}{t} = {pyexpr(e)}" for t, e in zip(targets, reduced)]
    return lines


def _unpack(used, names, source, indent="    ") -> list[str]:
    return [f"{indent}{names[s]} = {source}[{i}]" for i, s in used]


def _array(name, values, dtype) -> str:
    arr = np.asarray(values, dtype=dtype)
    if dtype == "complex128":
        body = ", ".join(repr(complex(v)) for v in arr.ravel())
    elif dtype == "float64":
        body = ", ".join(repr(float(v)) for v in arr.ravel())
    elif dtype == "bool":
        body = ", ".join("True" if v else "False" for v in arr.ravel())
    else:
        body = ", ".join(str(int(v)) for v in arr.ravel())
    return f"{name} = np.array([{body}], dtype=np.{dtype}).reshape({arr.shape!r})"


@lru_cache(maxsize=None)
def gate_function_source(name: str) -> str:
    """The numba function that writes gate ``name``'s matrix entries for given parameters.

    >>> print(gate_function_source("RZ"))
    @njit(cache=True)
    def _q_g_RZ(p0, out, off):
        _q_c0 = (1/2)*p0
        _q_c1 = math.cos(_q_c0)
        _q_c2 = math.sin(_q_c0)
        out[off + 0] = complex(_q_c1, -_q_c2)
        out[off + 1] = complex(_q_c1, _q_c2)
    """
    row = gate_def(name)
    params = sp.symbols(f"p0:{row.num_params}", real=True)
    mat = row.sympy_matrix(params)
    if row.structure == "diagonal":
        entries = [mat[i, i] for i in range(mat.rows)]
    else:
        entries = list(mat)
    parts = []
    for e in entries:
        re, im = sp.expand_complex(e).as_real_imag()
        parts.extend([re, im])
    targets = [f"_q_v{i}" for i in range(len(parts))]
    body = _block(list(zip(targets, parts)), {})
    # write the real/imaginary pairs straight into the output
    lines = [l for l in body if not l.lstrip().startswith("_q_v")]
    values = {l.split(" = ")[0].strip(): l.split(" = ", 1)[1] for l in body if l.lstrip().startswith("_q_v")}
    for i in range(len(entries)):
        re, im = values[f"_q_v{2 * i}"], values[f"_q_v{2 * i + 1}"]
        lines.append(f"    out[off + {i}] = complex({re}, {im})")
    args = ", ".join(f"p{i}" for i in range(row.num_params))
    return "\n".join([f"@njit(cache=True)", f"def _q_g_{name}({args}, out, off):"] + lines)


def _mat_size(name: str, num_wires: int) -> int:
    dim = 2**num_wires
    return dim if gate_def(name).structure == "diagonal" else dim * dim


def _stored(name: str, mat: np.ndarray) -> np.ndarray:
    return np.diag(mat) if gate_def(name).structure == "diagonal" else mat.ravel()


def emit_module(circuit: Circuit, plan: GradientPlan, key: str = "") -> str:
    """The source of the generated module for ``circuit`` and its gradient ``plan``."""
    inputs = circuit.inputs
    data = circuit.data
    xnames = {s: f"_q_x{i}" for i, s in enumerate(inputs)}
    dnames = {s: f"_q_d{i}" for i, s in enumerate(data)}
    names = {**xnames, **dnames}
    smap = {s: sp.Symbol(n, real=True) for s, n in names.items()}
    known = set(inputs) | set(data)

    ops = circuit.ops
    n_ops = len(ops)
    maxw = max([len(op.wires) for op in ops] + [1])
    op_wires = np.zeros((n_ops, maxw), dtype=np.int64)
    op_nw, op_kind, op_off, op_poff, op_type = [], [], [], [], []
    parametric = []
    types: list[str] = []
    mats0: list[complex] = []
    poff = 0
    for k, op in enumerate(ops):
        op_wires[k, : len(op.wires)] = op.wires
        op_nw.append(len(op.wires))
        op_kind.append(_KIND[gate_def(op.name).structure])
        op_off.append(len(mats0))
        op_poff.append(poff)
        poff += len(op.params)
        symbolic = any(p.free_symbols & known for p in op.params)
        if symbolic:
            parametric.append(k)
            if op.name not in types:
                types.append(op.name)
            op_type.append(types.index(op.name))
            mats0.extend([0j] * _mat_size(op.name, len(op.wires)))
        else:
            op_type.append(-1)
            mat = numeric_matrix_function(op.name)(*[float(p) for p in op.params])
            mats0.extend(_stored(op.name, mat))
    n_slots = poff

    # shifted matrices: one block per non-zero term
    terms = plan.terms
    term_off, soff = [], 0
    for t in terms:
        term_off.append(soff)
        if not t.zero:
            soff += _mat_size(ops[t.op].name, len(ops[t.op].wires))

    words = plan.words
    wf, wz, wy = [], [], []
    n = circuit.num_wires
    for word in words:
        f = z = y = 0
        for w, p in word:
            bit = 1 << (n - 1 - w)
            if p in "XY":
                f |= bit
            if p in "YZ":
                z |= bit
            if p == "Y":
                y += 1
        wf.append(f)
        wz.append(z)
        wy.append(y)

    n_meas = len(plan.coeffs)
    n_words = len(words)
    c0 = np.zeros((n_meas, n_words))
    coeff_code = []
    for m, row in enumerate(plan.coeffs):
        for t, c in enumerate(row):
            if c.free_symbols:
                coeff_code.append((f"C[{m}, {t}]", c))
            else:
                c0[m, t] = float(c)
    chain = plan.chain
    ch0 = np.zeros(len(chain))
    chain_code = []
    for k, e in enumerate(chain):
        if e.factor.free_symbols:
            chain_code.append((f"ch[{k}]", e.factor))
        else:
            ch0[k] = float(e.factor)
    cc = plan.coeff_chain

    L = []
    L.append(f'"""qsym {__version__} generated module. Do not edit: regenerated from the circuit.')
    L.append("")
    L.append(f"key: {key}")
    L.append("")
    L.append(format_circuit(circuit).replace('"""', "'''"))
    L.append('"""')
    L.append("import math")
    L.append("import numpy as np")
    L.append("from numba import njit")
    L.append("from qsym.kernels import expvals as _q_expvals, shift_jacobian as _q_shift_jacobian")
    L.append("")
    L.append(f"NUM_WIRES = {n}")
    L.append(f"NUM_INPUTS = {len(inputs)}")
    L.append(f"NUM_DATA = {len(data)}")
    L.append(f"NUM_OUTPUTS = {n_meas}")
    L.append(f"EXECUTIONS_PER_GRADIENT = {plan.executions}")
    L.append(_array("_q_OP_WIRES", op_wires, "int64"))
    L.append(_array("_q_OP_NW", op_nw, "int64"))
    L.append(_array("_q_OP_KIND", op_kind, "int64"))
    L.append(_array("_q_OP_OFF", op_off, "int64"))
    L.append(_array("_q_OP_POFF", op_poff, "int64"))
    L.append(_array("_q_OP_TYPE", op_type, "int64"))
    L.append(_array("_q_PAR_OPS", parametric, "int64"))
    L.append(_array("_q_MATS0", mats0, "complex128"))
    L.append(_array("_q_T_OP", [t.op for t in terms], "int64"))
    L.append(_array("_q_T_POS", [t.pos for t in terms], "int64"))
    L.append(_array("_q_T_SLOT", [t.slot for t in terms], "int64"))
    L.append(_array("_q_T_COEF", [t.coeff for t in terms], "float64"))
    L.append(_array("_q_T_MULT", [t.mult for t in terms], "float64"))
    L.append(_array("_q_T_SHIFT", [t.shift for t in terms], "float64"))
    L.append(_array("_q_T_ZERO", [t.zero for t in terms], "bool"))
    L.append(_array("_q_T_OFF", term_off, "int64"))
    L.append(f"_q_NSMATS = {soff}")
    L.append(f"_q_NSLOTS = {n_slots}")
    L.append(_array("_q_WF", wf, "int64"))
    L.append(_array("_q_WZ", wz, "int64"))
    L.append(_array("_q_WY", wy, "int64"))
    L.append(_array("_q_C0", c0, "float64"))
    L.append(_array("_q_CH0", ch0, "float64"))
    L.append(_array("_q_CH_SLOT", [e.slot for e in chain], "int64"))
    L.append(_array("_q_CH_X", [e.input for e in chain], "int64"))
    L.append(_array("_q_CC_M", [e.measurement for e in cc], "int64"))
    L.append(_array("_q_CC_W", [e.word for e in cc], "int64"))
    L.append(_array("_q_CC_X", [e.input for e in cc], "int64"))
    L.append("")

    def header(fn_args):
        return ["", "", "@njit(cache=True)", f"def {fn_args}:"]

    def unpack(exprs):
        used = set()
        for e in exprs:
            used |= sp.sympify(e).free_symbols
        lines = [f"    {xnames[s]} = x[{i}]" for i, s in enumerate(inputs) if s in used]
        lines += [f"    {dnames[s]} = d[{i}]" for i, s in enumerate(data) if s in used]
        return lines

    # gate parameters
    slot_assign = [
        (f"th[{s.op and op_poff[s.op] + s.pos or s.pos}]", s.expr)
        for s in plan.slots
        if s.op in set(parametric)
    ]
    L += header("_q_theta(x, d, th)")
    L += unpack([e for _, e in slot_assign])
    L += _block(slot_assign, smap) or ["    pass"]

    # functions of the inputs; where the values are constant, the constant tables are used
    L += header("_q_chain(x, d)")
    if chain_code:
        L.append("    ch = _q_CH0.copy()")
        L += unpack([e for _, e in chain_code])
        L += _block(chain_code, smap)
        L.append("    return ch")
    else:
        L.append("    return _q_CH0")

    L += header("_q_coeffs(x, d)")
    if coeff_code:
        L.append("    C = _q_C0.copy()")
        L += unpack([e for _, e in coeff_code])
        L += _block(coeff_code, smap)
        L.append("    return C")
    else:
        L.append("    return _q_C0")

    cc_code = [(f"cc[{k}]", e.factor) for k, e in enumerate(cc)]
    if cc_code:
        L += header("_q_coeff_chain(x, d, jac, e)")
        L.append(f"    cc = np.zeros({len(cc)})")
        L += unpack([e for _, e in cc_code])
        L += _block(cc_code, smap)
        L.append("    for k in range(cc.shape[0]):")
        L.append("        jac[_q_CC_M[k], _q_CC_X[k]] += cc[k] * e[_q_CC_W[k]]")

    for name in types:
        L += ["", ""] + gate_function_source(name).split("\n")

    # dispatch on the circuit's own gate-type numbers
    L += header("_q_gate(t, p, out, off)")
    if not types:
        L.append("    pass")
    for i, name in enumerate(types):
        kw = "if" if i == 0 else "elif"
        args = ", ".join(f"p[{j}]" for j in range(gate_def(name).num_params))
        L.append(f"    {kw} t == {i}:")
        L.append(f"        _q_g_{name}({args}, out, off)")

    L += header("_q_fill(th, mats)")
    L.append("    for i in range(_q_PAR_OPS.shape[0]):")
    L.append("        k = _q_PAR_OPS[i]")
    L.append("        b = _q_OP_POFF[k]")
    L.append("        _q_gate(_q_OP_TYPE[k], th[b:], mats, _q_OP_OFF[k])")

    L += header("_q_fill_shifted(th, smats)")
    L.append("    p = np.empty(4)")
    L.append("    for t in range(_q_T_OP.shape[0]):")
    L.append("        if _q_T_ZERO[t]:")
    L.append("            continue")
    L.append("        k = _q_T_OP[t]")
    L.append("        b = _q_OP_POFF[k]")
    L.append("        for j in range(4):")
    L.append("            if b + j < th.shape[0]:")
    L.append("                p[j] = th[b + j]")
    L.append("        j = _q_T_POS[t]")
    L.append("        p[j] = _q_T_MULT[t] * p[j] + _q_T_SHIFT[t]")
    L.append("        _q_gate(_q_OP_TYPE[k], p, smats, _q_T_OFF[t])")

    L += header("_q_prepare(x, d)")
    L.append("    for i in range(x.shape[0]):")
    L.append("        if not math.isfinite(x[i]):")
    L.append('            raise ValueError("qsym: non-finite input")')
    L.append("    for i in range(d.shape[0]):")
    L.append("        if not math.isfinite(d[i]):")
    L.append('            raise ValueError("qsym: non-finite input")')
    L.append("    th = np.zeros(max(_q_NSLOTS, 1))")
    L.append("    _q_theta(x, d, th)")
    L.append("    mats = _q_MATS0.copy()")
    L.append("    _q_fill(th, mats)")
    L.append("    return th, mats")

    L += header("_q_combine(C, e)")
    L.append("    out = np.zeros(C.shape[0])")
    L.append("    for m in range(C.shape[0]):")
    L.append("        for t in range(C.shape[1]):")
    L.append("            out[m] += C[m, t] * e[t]")
    L.append("    return out")

    L += header("value(x, d)")
    L.append('    """Measured values at inputs ``x`` and data ``d``."""')
    L.append("    th, mats = _q_prepare(x, d)")
    L.append(
        "    e = _q_expvals(NUM_WIRES, _q_OP_WIRES, _q_OP_NW, _q_OP_KIND, _q_OP_OFF, mats, "
        "_q_WF, _q_WZ, _q_WY)"
    )
    L.append("    return _q_combine(_q_coeffs(x, d), e)")

    L += header("value_and_grad(x, d)")
    L.append('    """Values and the Jacobian ``jac[m, j] = d value[m] / d x[j]`` (parameter shift)."""')
    L.append("    th, mats = _q_prepare(x, d)")
    L.append("    smats = np.empty(max(_q_NSMATS, 1), dtype=np.complex128)")
    L.append("    _q_fill_shifted(th, smats)")
    L.append(
        "    e, de = _q_shift_jacobian(NUM_WIRES, _q_OP_WIRES, _q_OP_NW, _q_OP_KIND, _q_OP_OFF, "
        "mats, _q_WF, _q_WZ, _q_WY, _q_T_OP, _q_T_SLOT, _q_T_COEF, _q_T_ZERO, _q_T_OFF, smats, "
        "max(_q_NSLOTS, 1))"
    )
    L.append("    C = _q_coeffs(x, d)")
    L.append("    ch = _q_chain(x, d)")
    L.append("    nw = e.shape[0]")
    L.append("    g = np.zeros((NUM_INPUTS, nw))")
    L.append("    for k in range(ch.shape[0]):")
    L.append("        s = _q_CH_SLOT[k]")
    L.append("        j = _q_CH_X[k]")
    L.append("        for t in range(nw):")
    L.append("            g[j, t] += ch[k] * de[s, t]")
    L.append("    jac = np.zeros((NUM_OUTPUTS, NUM_INPUTS))")
    L.append("    for m in range(NUM_OUTPUTS):")
    L.append("        for j in range(NUM_INPUTS):")
    L.append("            acc = 0.0")
    L.append("            for t in range(nw):")
    L.append("                acc += C[m, t] * g[j, t]")
    L.append("            jac[m, j] = acc")
    if cc_code:
        L.append("    _q_coeff_chain(x, d, jac, e)")
    L.append("    return _q_combine(C, e), jac")

    L += header("value_and_grad_fd(x, d, h, order)")
    L.append('    """Values and the Jacobian by finite differences (order 1: forward, 2: central)."""')
    L.append("    v = value(x, d)")
    L.append("    jac = np.zeros((NUM_OUTPUTS, NUM_INPUTS))")
    L.append("    xs = x.copy()")
    L.append("    for j in range(NUM_INPUTS):")
    L.append("        xs[j] = x[j] + h")
    L.append("        up = value(xs, d)")
    L.append("        if order == 1:")
    L.append("            for m in range(NUM_OUTPUTS):")
    L.append("                jac[m, j] = (up[m] - v[m]) / h")
    L.append("        else:")
    L.append("            xs[j] = x[j] - h")
    L.append("            dn = value(xs, d)")
    L.append("            for m in range(NUM_OUTPUTS):")
    L.append("                jac[m, j] = (up[m] - dn[m]) / (2.0 * h)")
    L.append("        xs[j] = x[j]")
    L.append("    return v, jac")
    L.append("")
    return "\n".join(L)
