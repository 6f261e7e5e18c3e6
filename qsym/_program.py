"""Stage 5a, lower: a circuit and its gradient plan as one typed program.

:func:`lower` turns a :class:`~qsym._ir.Circuit` and its :class:`~qsym._plan.GradientPlan`
into a :class:`Program`: every table the back half reads, built once, each a field with one
meaning. :meth:`Program.pack` writes the two arrays the kernels read (the sections that
:data:`qsym._kernels.PROGRAM_SECTIONS` declares); :mod:`qsym._emit` prints the generated
module from a ``Program``; the unroller, shots and second order read its fields.
:func:`format_program` prints it, as :func:`qsym._ir.format_circuit` prints a circuit.

>>> import sympy as sp
>>> from qsym._ir import Circuit, Op, Measurement
>>> from qsym._plan import make_plan
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (2 * a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> print(format_program(lower(c, make_plan(c))))
program on 1 wire: 1 input, 0 data, 1 output, 3 circuits per gradient
  op 0: RX dense wires [0] mats[0:4] params th[0:1] = 2.0*x[0]
  word 0: flip 0 z 1 ny 0
  term 0: op 0: 0.5 * f(th[0] + 1.5707963267948966)  smats[0:4]
  term 1: op 0: -0.5 * f(th[0] - 1.5707963267948966)  smats[4:8]
  chain 0: d th[0] / d x[0] = 2
  output 0 = 1.0*w0
  adjoint 0: op 0 slot 0 pos 0 dmats[0:4]
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sympy as sp

from . import _kernels as kernels
from ._gates import BUILTIN_GATES, gate_def, stored_entries, stored_size, storage
from ._ir import MATRIX_DATA_GATES, Circuit
from ._plan import GradientPlan, ProbWord

# qsym.gates storage names -> qsym.kernels kinds
KIND = {"dense": kernels.DENSE, "diagonal": kernels.DIAGONAL,
        "controlled_x": kernels.CONTROLLED_X, "real": kernels.REAL, "pauli": kernels.PAULI,
        "pcphase": kernels.PCPHASE}
KIND_NAME = {v: k for k, v in KIND.items()}

# How a constant built-in gate's stored entries are computed: ``fn(variant, params)``, its
# gate code (``qsym._emit.gate_body``, the code its trainable path runs, compiled once per
# process and kind), registered here by :mod:`qsym._interp` when it is imported (it sits
# above this stage; ``import qsym`` imports it). The same bits as the gate at a trainable
# parameter of that value, and no sympy: ``lambdify``'s first use in a process (sympy's
# code printer imports ``sympy.codegen``) was 30-60 ms of the first answer of a circuit
# with one gate of constant angle (issue #17). Empty, or a gate of one's own (whose code
# would be printed for it alone), or an integer gate on any number of wires (Identity,
# MultiControlledX): :func:`qsym._gates.stored_entries`, sympy's ``lambdify``.
CONSTANT_CODE: list = []


class Prepared(NamedTuple):
    """What the generated ``prepare(x, d, mode)`` returns, named: the numbers of one call
    that depend on the inputs ``x`` and data ``d``. The numba function returns a plain
    tuple in this order (its hot callers unpack it with these names; a test checks every
    unpacking in qsym/); :meth:`qsym._runtime.Compiled.prepare` returns this class."""

    mats: np.ndarray  # the gate matrices, op k's stored entries at mats[op_off[k]:]
    smats: np.ndarray  # mode 1: the shift terms' matrices (term_off); prepare_adjoint: dmats
    ch: np.ndarray  # chain-rule factors d th[ch_slot[k]] / d x[ch_x[k]]
    C: np.ndarray  # observable coefficients, C[m, w] of output m's word w
    cc: np.ndarray  # their derivatives d C[cc_m[k], cc_w[k]] / d x[cc_x[k]]
    th: np.ndarray  # the gate parameters


@dataclass(frozen=True, eq=False)
class Program:
    """A circuit and its gradient, lowered: the tables of the kernels and of ``prepare``.

    Fields named as a section of :data:`qsym._kernels.PROGRAM_SECTIONS` (``op_wires`` ...
    ``adj_off``, and ``term_coeff``) are packed for the kernels; the others are what the
    generated ``prepare`` computes from (gate parameters, constant matrices, chain-rule
    and coefficient tables). All sequences are tuples (``op_wires``: rows padded to
    ``max_wires``).
    """

    num_wires: int
    num_inputs: int
    num_data: int
    num_outputs: int
    num_lin: int  # outputs computed as rows of C (the others: probabilities)
    probs: int
    executions: int
    # ops: wires, storage kind, matrix offset in mats; parameters th[op_poff : +op_np]
    op_wires: tuple
    op_nw: tuple
    op_kind: tuple
    op_off: tuple
    op_poff: tuple
    op_np: tuple
    op_type: tuple  # index into variants (gate code _q_gate), -1 for a constant gate
    variants: tuple  # the parametric gate variants (name, wires, hyperparameters)
    parametric: tuple  # ops whose matrix depends on inputs or data
    mats0: tuple  # the constant gates' stored entries (zeros for parametric ones)
    # matrix-data ops (qsym._ir.MATRIX_DATA_GATES): (op, entries, offset in mats, offset in
    # d), their matrices read by prepare from d (re, im per entry) after the circuit's data
    mdata: tuple
    # measured words (kernels' masks)
    word_flip: tuple
    word_z: tuple
    word_ny: tuple
    # shift terms, sorted by op: coeff * f(mult * th[slot] + shift), matrix at smats[off]
    term_op: tuple
    term_slot: tuple
    term_pos: tuple
    term_zero: tuple
    term_off: tuple
    term_coeff: tuple
    term_mult: tuple
    term_shift: tuple
    # the shifted parameter is mult * rules.reduced_angle(th[slot], period) + shift
    term_period: tuple
    # chain rule: ch[k] = d th[ch_slot[k]] / d x[ch_x[k]]; constant ones in ch0
    ch_slot: tuple
    ch_x: tuple
    ch0: tuple
    # observable coefficients C (constant ones in c0) and their derivatives cc
    c0: tuple
    cc_m: tuple
    cc_w: tuple
    cc_x: tuple
    # parameters: (slot, source 0 x / 1 d / 2 constant, index, a, b) for th = a * v + b;
    # code: (target, sympy expression), target ("th", i), ("ch", k), ("C", m, t), ("cc", k)
    affine: tuple
    code: tuple
    # adjoint: the differentiated slots, their derivative matrices at dmats[adj_off]
    adj_op: tuple
    adj_slot: tuple
    adj_pos: tuple
    adj_off: tuple
    derivs: tuple  # the (op_type, pos) pairs whose derivative code is printed (_q_dgate)

    # --- sizes --------------------------------------------------------------------------
    @property
    def num_ops(self) -> int:
        return len(self.op_nw)

    @property
    def max_wires(self) -> int:
        return len(self.op_wires[0]) if self.op_wires else 1

    @property
    def num_slots(self) -> int:
        """Gate-parameter slots (at least 1: the arrays are never empty)."""
        return max(sum(self.op_np), 1)

    @property
    def max_params(self) -> int:
        return max(self.op_np + (1,))

    @property
    def num_smats(self) -> int:
        return max(self._end(self.term_off, self.term_op, self.term_zero), 1)

    @property
    def num_dmats(self) -> int:
        return max(self._end(self.adj_off, self.adj_op, (0,) * len(self.adj_op)), 1)

    def _end(self, offs, ops, skip) -> int:
        # (self.size(k) written out: a 12x8 HEA's 576 terms and 192 adjoint slots, twice)
        op_off, n, total = self.op_off, len(self.op_nw), len(self.mats0)
        ends = [o + (op_off[k + 1] if k + 1 < n else total) - op_off[k]
                for o, k, z in zip(offs, ops, skip) if not z]
        return max(ends, default=0)

    def size(self, k: int) -> int:
        """The number of complex numbers stored for op ``k``'s matrix."""
        nxt = self.op_off[k + 1] if k + 1 < self.num_ops else len(self.mats0)
        return nxt - self.op_off[k]

    def work(self, circuits: int) -> int:
        """Amplitudes x ops x ``circuits``: the batch kernels' measure of work."""
        return (1 << self.num_wires) * max(self.num_ops, 1) * circuits

    # --- the kernels' arrays ----------------------------------------------------------------
    def pack(self):
        """``(ints, floats)``: the header of sizes, the section starts, then every section
        of :data:`qsym._kernels.PROGRAM_SECTIONS` in order (plain NumPy)."""
        sizes = {"n": self.num_wires, "ops": self.num_ops, "maxw": self.max_wires,
                 "words": len(self.word_flip), "terms": len(self.term_op),
                 "chain": len(self.ch_slot), "cc": len(self.cc_m), "slots": self.num_slots,
                 "inputs": self.num_inputs, "outputs": self.num_outputs,
                 "adj": len(self.adj_op)}
        header = [sizes[f] for f in kernels.HEADER_FIELDS]
        parts = [np.asarray(getattr(self, name), dtype=np.int64).ravel()
                 for name, _ in kernels.PROGRAM_SECTIONS]
        for (name, dims), part in zip(kernels.PROGRAM_SECTIONS, parts):
            expected = math.prod([header[h] for h in dims])  # (np.prod: 5 us a call)
            if part.shape[0] != expected:
                raise AssertionError(f"section {name}: {part.shape[0]} numbers, not {expected}")
        starts = np.cumsum([kernels.HEADER] + [p.shape[0] for p in parts])
        ints = np.concatenate([np.asarray(header + list(starts), dtype=np.int64)] + parts)
        floats = np.concatenate([np.asarray(getattr(self, name), dtype=np.float64)
                                 for name in kernels.FLOAT_SECTIONS])
        return ints, floats


def lower(circuit: Circuit, plan: GradientPlan) -> Program:
    """The :class:`Program` of ``circuit`` and its gradient ``plan``."""
    ops = _op_tables(circuit)
    affine, code = _parameters(circuit, plan, ops)
    ch0, c0, chain_code = _coefficients(plan)
    terms = plan.terms
    term_off = _offsets(ops["op_off"], ops["mats0"], [t.op for t in terms],
                        [t.zero for t in terms])
    adj = [plan.slots[si] for si in plan.diff_slots]
    adj_off = _offsets(ops["op_off"], ops["mats0"], [s.op for s in adj], [False] * len(adj))
    words = _word_masks(circuit.num_wires, plan.words)
    return Program(
        num_wires=circuit.num_wires, num_inputs=len(circuit.inputs),
        num_data=len(circuit.data) + 2 * sum(m[1] for m in ops["mdata"]),
        num_outputs=plan.num_outputs, num_lin=len(plan.coeffs),
        probs=plan.probs, executions=plan.executions, **ops,
        word_flip=words[0], word_z=words[1], word_ny=words[2],
        term_op=tuple(t.op for t in terms), term_slot=tuple(t.slot for t in terms),
        term_pos=tuple(t.pos for t in terms), term_zero=tuple(t.zero for t in terms),
        term_off=term_off, term_coeff=tuple(float(t.coeff) for t in terms),
        term_mult=tuple(float(t.mult) for t in terms),
        term_shift=tuple(float(t.shift) for t in terms),
        term_period=tuple(float(t.period) for t in terms),
        ch_slot=tuple(e.slot for e in plan.chain), ch_x=tuple(e.input for e in plan.chain),
        ch0=ch0, c0=c0,
        cc_m=tuple(e.measurement for e in plan.coeff_chain),
        cc_w=tuple(e.word for e in plan.coeff_chain),
        cc_x=tuple(e.input for e in plan.coeff_chain),
        affine=tuple(affine), code=tuple(code + chain_code),
        adj_op=tuple(s.op for s in adj), adj_slot=tuple(plan.diff_slots),
        adj_pos=tuple(s.pos for s in adj), adj_off=adj_off,
        derivs=tuple(sorted({(ops["op_type"][s.op], s.pos) for s in adj})),
    )


def _op_tables(circuit: Circuit) -> dict:
    """Per op: wires, kind, matrix and parameter offsets, gate type; constant gates get
    their stored matrices now, parametric ones (of inputs or data) in ``prepare``."""
    known = set(circuit.inputs) | set(circuit.data)
    maxw = max([len(op.wires) for op in circuit.ops] + [1])
    t = {k: [] for k in ("op_wires", "op_nw", "op_kind", "op_off", "op_poff", "op_np",
                         "op_type", "parametric")}
    variants, mats0, mdata = [], [], []
    at = len(circuit.data)  # the matrix data after the circuit's data
    poff = 0  # the parameters of the ops before (a running sum: linear in the ops)
    fixed = {}  # variant -> stored entries of a gate of no parameters (CNOT, H, ...)
    # (name, wire count, hyperparameters) -> [variant, kind, stored size or None]: asked
    # once per kind of gate (issue #17: a 12x8 HEA's 288 ops asked the gate table each)
    kinds: dict = {}
    for k, op in enumerate(circuit.ops):
        key = (op.name, len(op.wires), op.hyper)
        try:
            found = kinds.get(key)
        except TypeError:  # an unhashable hyperparameter: this op alone
            key = found = None
        if found is None:
            variant = op.variant
            found = [variant, KIND[storage(*variant)], None]
            if key is not None:
                kinds[key] = found
        variant = found[0]
        t["op_wires"].append(tuple(op.wires) + (0,) * (maxw - len(op.wires)))
        t["op_nw"].append(len(op.wires))
        t["op_kind"].append(found[1])
        t["op_off"].append(len(mats0))
        t["op_poff"].append(poff)
        t["op_np"].append(len(op.params))
        poff += len(op.params)
        if any(p.free_symbols & known for p in op.params):
            t["parametric"].append(k)
            if variant not in variants:
                variants.append(variant)
            t["op_type"].append(variants.index(variant))
            if found[2] is None:
                found[2] = stored_size(op.name, len(op.wires), op.hyper)
            mats0.extend([0j] * found[2])
        elif op.name in MATRIX_DATA_GATES:  # runtime data: read from d by prepare
            t["op_type"].append(-1)
            size = stored_size(op.name, len(op.wires), op.hyper)
            mdata.append((k, size, len(mats0), at))
            at += 2 * size
            mats0.extend([0j] * size)
        else:
            t["op_type"].append(-1)
            if op.params or op.hyper:
                mats0.extend(complex(v) for v in constant_entries(op))
            else:  # (no parameters nor hyperparameters: entries made once per circuit)
                entries = fixed.get(op.variant)
                if entries is None:
                    entries = fixed[op.variant] = [complex(v) for v in constant_entries(op)]
                mats0.extend(entries)
    return {**{k: tuple(v) for k, v in t.items()}, "variants": tuple(variants),
            "mats0": tuple(mats0), "mdata": tuple(mdata)}


def constant_entries(op) -> np.ndarray:
    """The stored entries of a gate ``op`` whose parameters are numbers (see
    :data:`CONSTANT_CODE`: its gate code for a built-in gate, else ``lambdify``). A number
    the gate code cannot take (``math.sin(inf)`` raises where NumPy gives nan) goes to
    ``lambdify`` too, as before.

    >>> from qsym._ir import Op
    >>> constant_entries(Op("RZ", (0,), (sp.Float(0.0),))).tolist()
    [(1-0j), (1+0j)]
    """
    params = [float(p) for p in op.params]
    row = gate_def(op.name)
    if CONSTANT_CODE and op.name in BUILTIN_GATES and (row.num_wires or row.num_params):
        try:
            return CONSTANT_CODE[0](op.variant, params)
        except (ValueError, OverflowError, ZeroDivisionError):
            pass
    return stored_entries(op.name, params, *op.variant[1:])


def _parameters(circuit, plan, ops):
    """The parametric ops' parameters: affine rows where ``a * x_j + b`` or constant,
    code (sympy expressions) otherwise."""
    xindex = {s: i for i, s in enumerate(circuit.inputs)}
    dindex = {s: i for i, s in enumerate(circuit.data)}
    is_parametric = set(ops["parametric"])
    affine, code = [], []
    for s in plan.slots:
        if s.op not in is_parametric:
            continue
        index = ops["op_poff"][s.op] + s.pos
        expr = sp.sympify(s.expr)
        if not expr.free_symbols:
            affine.append((index, 2, 0, 0.0, float(expr)))  # a constant
            continue
        row = affine_form(expr, xindex, dindex)
        if row is None:
            code.append((("th", index), expr))
        else:
            affine.append((index,) + row)
    return affine, code


def _coefficients(plan):
    """Constant chain-rule factors and observable coefficients, and code for the others."""
    code = []
    ch0 = []
    for k, e in enumerate(plan.chain):
        if e.factor.free_symbols:
            code.append((("ch", k), e.factor))
        ch0.append(0.0 if e.factor.free_symbols else float(e.factor))
    c0 = []
    floats: dict = {}  # by object: a postselected probs' rows share a few numbers (issue #18)
    for m, row in enumerate(plan.coeffs):
        values = []
        for t, c in enumerate(row):
            if c.is_Number:
                f = floats.get(id(c))
                values.append(floats.setdefault(id(c), float(c)) if f is None else f)
            elif c.free_symbols:
                values.append(0.0)
                code.append((("C", m, t), c))
            else:
                values.append(float(c))
        c0.append(tuple(values))
    code += [(("cc", k), e.factor) for k, e in enumerate(plan.coeff_chain)]
    return tuple(ch0), tuple(c0), code


def _offsets(op_off, mats0, ops, skip):
    """Consecutive blocks, one per entry (none for a skipped one), each the size of its
    op's stored matrix."""
    sizes = [b - a for a, b in zip(op_off, tuple(op_off[1:]) + (len(mats0),))]
    offs, o = [], 0
    for k, z in zip(ops, skip):
        offs.append(o)
        if not z:
            o += sizes[k]
    return tuple(offs)


def _word_masks(n, words):
    """``(flip, z, ny)`` per measured word (:mod:`qsym._kernels`' masks); a probability
    (kernels.PROB_WORD) has its wires' mask and its outcome's index."""
    wf, wz, wy = [], [], []
    for word in words:
        if isinstance(word, ProbWord):
            wf.append(kernels.PROB_WORD)
            wz.append(sum(1 << (n - 1 - w) for w in word.on))
            wy.append(_outcome_index(word, n))
            continue
        bits = {p: 0 for p in "XYZ"}
        for w, p in word:
            bits[p] |= 1 << (n - 1 - w)
        wf.append(bits["X"] | bits["Y"])
        wz.append(bits["Y"] | bits["Z"])
        wy.append(sum(1 for _, p in word if p == "Y"))
    return tuple(wf), tuple(wz), tuple(wy)


def _outcome_index(word: ProbWord, n: int) -> int:
    """The index of a probability's outcome in ``kernels.marginal_probs``' numbering (the
    bits of its wires from the lowest basis-index bit)."""
    k = len(word.on)
    bit_of = {n - 1 - w: (word.outcome >> (k - 1 - i)) & 1 for i, w in enumerate(word.on)}
    return sum(v << q for q, (_, v) in enumerate(sorted(bit_of.items())))


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
    >>> affine_form(sp.Piecewise((2 * sp.pi, a < 0), (0, True)), {a: 0}, {}) is None
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
    if not _polynomial_nodes(expr):  # a step (Piecewise, floor): derivative 0, not constant
        return None
    a = sp.diff(expr, s)
    b = expr.xreplace({s: sp.S.Zero})
    if a.free_symbols or b.free_symbols:
        return None
    if s in inputs_index:
        return 0, inputs_index[s], float(a), float(b)
    return 1, data_index[s], float(a), float(b)


def _polynomial_nodes(expr) -> bool:
    """Whether ``expr`` is built of sums and products of constants and symbols only: then
    a derivative free of symbols means affine. Any other function may have a constant
    derivative without being affine (a ``Piecewise`` step, ``floor``: derivative 0)."""
    if expr.is_number or expr.is_Symbol:
        return True
    if isinstance(expr, (sp.Add, sp.Mul)):
        return all(_polynomial_nodes(a) for a in expr.args)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 0:
        return _polynomial_nodes(expr.base)
    return False


# --- the printer ------------------------------------------------------------------------------
def _param_text(p: Program, k: int) -> str:
    rows = {a[0]: a for a in p.affine}
    code = {t[1]: e for t, e in p.code if t[0] == "th"}
    texts = []
    for i in range(p.op_poff[k], p.op_poff[k] + p.op_np[k]):
        if i in rows:
            _, src, idx, a, b = rows[i]
            v = "" if src == 2 else f"{'xd'[src]}[{idx}]" if a == 1.0 else f"{a!r}*{'xd'[src]}[{idx}]"
            texts.append(v + (f" + {b!r}" if b and v else "" if v else repr(b)))
        elif i in code:
            texts.append(f"<code: {code[i]}>")
    return ", ".join(texts)


def _term_text(p: Program, t: int) -> str:
    mult, shift, slot = p.term_mult[t], p.term_shift[t], p.term_slot[t]
    arg = f"th[{slot}]" if mult == 1.0 else f"{mult!r}*th[{slot}]"
    arg += f" {'+' if shift >= 0 else '-'} {abs(shift)!r}" if shift else ""
    where = ("the value's words" if p.term_zero[t] else
             f"smats[{p.term_off[t]}:{p.term_off[t] + p.size(p.term_op[t])}]")
    return f"  term {t}: op {p.term_op[t]}: {p.term_coeff[t]!r} * f({arg})  {where}"


def format_program(p: Program) -> str:
    """One line per op, word, shift term, chain-rule entry, output row and adjoint slot."""
    plural = "s" if p.num_wires != 1 else ""
    lines = [f"program on {p.num_wires} wire{plural}: {p.num_inputs} input"
             f"{'s' if p.num_inputs != 1 else ''}, {p.num_data} data, {p.num_outputs} output"
             f"{'s' if p.num_outputs != 1 else ''}, {p.executions} circuits per gradient"]
    for k in range(p.num_ops):
        mdata = {m[0]: m for m in p.mdata}
        o, name = p.op_off[k], (p.variants[p.op_type[k]][0] if p.op_type[k] >= 0 else
                                "data" if k in mdata else "const")
        text = (f"  op {k}: {name} {KIND_NAME[p.op_kind[k]]} wires "
                f"{list(p.op_wires[k][:p.op_nw[k]])} mats[{o}:{o + p.size(k)}]")
        if k in mdata:
            text += f" = d[{mdata[k][3]}:{mdata[k][3] + 2 * mdata[k][1]}] (re, im)"
        if k in p.parametric:
            text += (f" params th[{p.op_poff[k]}:{p.op_poff[k] + p.op_np[k]}] = "
                     f"{_param_text(p, k)}")
        lines.append(text)
    for w, (f, z, y) in enumerate(zip(p.word_flip, p.word_z, p.word_ny)):
        lines.append(f"  word {w}: flip {f} z {z} ny {y}")
    lines += [_term_text(p, t) for t in range(len(p.term_op))]
    code = {t: e for t, e in p.code}
    for k, (s, j) in enumerate(zip(p.ch_slot, p.ch_x)):
        factor = code.get(("ch", k), None)
        lines.append(f"  chain {k}: d th[{s}] / d x[{j}] = "
                     f"{factor if factor is not None else _num(p.ch0[k])}")
    for m, row in enumerate(p.c0):
        terms = [f"<{code[('C', m, t)]}>*w{t}" if ('C', m, t) in code else f"{c!r}*w{t}"
                 for t, c in enumerate(row) if c or ('C', m, t) in code]
        lines.append(f"  output {m} = {' + '.join(terms) or '0'}")
    for q in range(p.probs):
        lines.append(f"  output {p.num_lin + q} = w{len(p.word_flip) - p.probs + q}")
    for k, (m, w, j) in enumerate(zip(p.cc_m, p.cc_w, p.cc_x)):
        lines.append(f"  coefficient chain {k}: d C[{m}, {w}] / d x[{j}] = {code[('cc', k)]}")
    for a in range(len(p.adj_op)):
        o = p.adj_off[a]
        lines.append(f"  adjoint {a}: op {p.adj_op[a]} slot {p.adj_slot[a]} pos "
                     f"{p.adj_pos[a]} dmats[{o}:{o + p.size(p.adj_op[a])}]")
    return "\n".join(lines)


def _num(v: float):
    return int(v) if float(v).is_integer() else v


_LOWERED: dict = {}  # id(entry) -> (a weak reference to entry, its program)


def lowered(entry) -> Program:
    """The :class:`Program` of a compiled signature (:class:`qsym._runtime.Compiled`): its
    ``program`` field where it has one, else lowered once from its circuit and plan (and
    checked against the generated module's ``PROGRAM``: the same arrays)."""
    program = getattr(entry, "program", None)
    if isinstance(program, Program):
        return program
    key = id(entry)
    hit = _LOWERED.get(key)
    if hit is not None and hit[0]() is entry:
        return hit[1]
    program = lower(entry.circuit, entry.plan)
    ints, floats = program.pack()
    mints, mfloats = entry.module.PROGRAM
    if not (np.array_equal(ints, mints) and np.array_equal(floats, mfloats)):
        raise AssertionError("the lowered program differs from the generated module's")
    _LOWERED[key] = (weakref.ref(entry, lambda _, key=key: _LOWERED.pop(key, None)), program)
    return program
