"""Stage 7, first calls: the interpreter tier, a circuit's first answers without generated text.

A new circuit used to answer its first calls from its generated module's text run as plain
Python (:func:`qsym._tiers.python_namespace`): the text printed (:func:`qsym._emit.emit_module`)
and compiled by Python for every new circuit, 10-15 ms of the seed's first answer (issue
#17). The module's ``prepare`` is already an interpreter of tables: gate parameters as rows
``th = a * v + b``, the matrices of each parametric gate by its gate kind's code, the
shifted and derivative matrices by term rows. This module is that interpreter written once,
as Python that ships with qsym (no text per circuit, nothing compiled per circuit): it reads
the lowered :class:`qsym._program.Program` itself, and each gate kind's matrix code
(:func:`qsym._emit.gate_body`, the lines the generated ``_q_gate`` holds) is compiled once per
process per kind (:func:`kind_function`), never per circuit. The kernels it feeds are the
kernel library's (their plain-Python twins until loaded: :data:`qsym._tiers.KERNELS`), as on
tier 0.

It does the generated ``prepare``'s IEEE operations in its order (copies as slice copies,
``a * v + b`` and ``mult * p + shift`` element by element, the same gate code), so its numbers
are bit for bit the compiled module's (``tests/test_interp.py``). A circuit's calls move to
the module's text or its compiled form as before (:class:`InterpretedModule` makes the text
only when something needs it: a compile, an export, ``QNode.source``).

What it does not run, so those circuits start on the text tier as before
(:func:`unsupported` says why; docs/design.md "The interpreter tier"):

- parameters, chain-rule factors or coefficients that are not affine in one input
  (``Program.code``: sympy expressions, printed as per-circuit code);
- a program whose affine rows write one parameter slot twice.

>>> import sympy as sp
>>> from qsym._ir import Circuit, Op, Measurement
>>> from qsym._plan import make_plan
>>> from qsym._program import lower
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> ns = namespace(lower(c, make_plan(c)))
>>> mats, smats, ch, C, cc, th = ns["prepare"](np.array([0.5]), np.zeros(0), 1)
>>> float(th[0]), len(smats), ns["NUM_INPUTS"]
(0.5, 8, 1)
"""

from __future__ import annotations

import hashlib
import math
import os
import types

import numpy as np

from ._locks import new_lock
from . import _cache as cache, _emit as emit, _kernel_table as kernel_table, _kernels as kernels
from . import _linecode as linecode
from . import _tiers as tiers
from ._gates import BUILTIN_GATES, gate_def, stored_size
from ._program import CONSTANT_CODE, Program
from .rules import reduced_angle
from ._version import __version__

MODULE_NAMES = "module-names"  # cache records: interpreter key -> the module's name

_kinds: dict = {}
_kinds_lock = new_lock()


def enabled() -> bool:
    """The interpreter answers new circuits' first calls (``QSYM_INTERP``, read at each
    build: ``0`` turns it off, the module's text then runs them, as before).

    >>> isinstance(enabled(), bool)
    True
    """
    raw = os.environ.get("QSYM_INTERP", "1").strip()
    if raw not in ("0", "1", ""):
        from .errors import QsymError

        raise QsymError(f"QSYM_INTERP={raw!r} is not 0 or 1; unset it for the default (1: "
                        "the interpreter on)")
    return raw != "0"


def unsupported(program: Program) -> str | None:
    """Why the interpreter does not run ``program`` (its first calls then run the generated
    module's text, :mod:`qsym._tiers`), or None.

    >>> import sympy as sp
    >>> from qsym._ir import Circuit, Op, Measurement
    >>> from qsym._plan import make_plan
    >>> from qsym._program import lower
    >>> a = sp.Symbol("a", real=True)
    >>> z = (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),)
    >>> unsupported(lower(Circuit(1, (Op("RX", (0,), (sp.sin(a),)),), z, inputs=(a,)),
    ...                   make_plan(Circuit(1, (Op("RX", (0,), (sp.sin(a),)),), z, inputs=(a,)))))
    'a gate parameter, chain-rule factor or coefficient computed by code (not a * x + b)'
    """
    if program.code:
        return "a gate parameter, chain-rule factor or coefficient computed by code (not a * x + b)"
    slots = [row[0] for row in program.affine]
    if len(set(slots)) != len(slots):
        return "a gate parameter slot written by two affine rows"
    return None


# the text of a kind's function around its gate code (kind_function): part of the key of
# a built-in gate kind's kept code (_named_kind_key)
_KIND_HEAD = "def _q_kind(p, out, off):\n"
_KIND_PARAM = "    p{j} = p[{j}]\n"
_KIND_TAIL = "    return None\n"


def kind_function(variant: tuple, derivative=None):
    """Gate kind ``variant``'s (``(name, wires, hyperparameters)``) matrix code as a Python
    function ``f(p, out, off)``: the lines of :func:`qsym._emit.gate_body` (those the
    generated ``_q_gate`` runs for this kind, or ``_q_dgate`` with ``derivative``), with
    numba's integer powers (:func:`qsym._tiers.ipow`). Compiled once per process and kind
    (keyed by the lines themselves, so a redefined gate gets new code); a built-in gate's
    kind is found by name first (:func:`_named_kind_key`: its code kept by an earlier
    process, no gate code read).

    >>> f = kind_function(("RZ", 1, ()))
    >>> out = np.zeros(2, dtype=complex)
    >>> f(np.array([0.0]), out, 0)
    >>> out.tolist()
    [(1-0j), (1+0j)]
    """
    named = _named_kind_key(variant, derivative)
    if named is not None:
        fn = _kinds.get(named)
        if fn is None:
            code = _kept_code(named)
            if code is not None:
                fn = _kind_from_code(code)
                with _kinds_lock:
                    fn = _kinds.setdefault(named, fn)
        if fn is not None:
            return fn
    lines = emit.gate_body(*variant, derivative=derivative)
    nparams = gate_def(variant[0]).num_params
    key = (nparams, lines)
    fn = _kinds.get(key)
    if fn is None:
        text = _KIND_HEAD + "".join(_KIND_PARAM.format(j=j) for j in range(nparams)) + "".join(
            f"    {line}\n" for line in lines) + _KIND_TAIL
        fn = _kind_from_code(_kind_code(text, f"<qsym gate kind {variant[0]}>", named))
        with _kinds_lock:
            fn = _kinds.setdefault(key, fn)
    if named is not None:
        with _kinds_lock:
            fn = _kinds.setdefault(named, fn)
    return fn


def _kind_from_code(code):
    ns = {"math": math, "np": np, "_q_ipow": tiers.ipow}
    exec(code, ns)  # noqa: S102
    return ns["_q_kind"]


def _named_kind_key(variant: tuple, derivative=None) -> str | None:
    """The cache folder's key of a built-in gate kind's compiled code by its name
    (``variant``, ``derivative``) instead of its text, or None (not a built-in gate, a
    hyperparameter that is not a plain number, string or tuple of them, the disk cache off,
    or the shipped files not in use: :func:`qsym._cache.shipped_sources_key`). Its text is
    a function of what the key names: the gate's row is built in (never redefined:
    :class:`qsym._gates.GateRegistry`), its code the shipped table's by the index, else
    derived from the files the index's sources digest covers (and sympy's version), all
    named by their SHA-256, and the function's frame (:data:`_KIND_HEAD`). So a process
    whose first answer runs a kind kept before reads neither shipped file nor prints a
    line (issue #17: the seed's first value read the 130 KB table and the index, about
    0.3 ms, for its two kinds' text, only to find their code by its digest)."""
    name = variant[0]
    if name not in BUILTIN_GATES or not cache.enabled() or not _plain(variant[1:]):
        return None
    files = cache.shipped_sources_key()
    if files is None:
        return None
    nparams = gate_def(name).num_params
    return (f"gate kind by name\n{tiers.code_tag()}\n{variant!r} {derivative!r} {nparams}\n"
            f"{_KIND_HEAD!r} {_KIND_PARAM!r} {_KIND_TAIL!r}\n{files}")


def _plain(value) -> bool:
    """``value`` is None, a bool, int, float or str, or a tuple of such (its ``repr`` is
    exact: no NumPy array's elided one)."""
    if value is None or type(value) in (bool, int, float, str):
        return True
    return type(value) is tuple and all(_plain(v) for v in value)


def _kept_code(key: str):
    """The code object kept under ``key`` (:data:`qsym._tiers.CODE_BLOBS`), or None."""
    import marshal

    blob = cache.load_blob(tiers.CODE_BLOBS, key)
    if blob is not None:
        try:
            code = marshal.loads(blob)
            if isinstance(code, types.CodeType):
                return code
        except (ValueError, TypeError, EOFError):
            pass
    return None


def _kind_code(text: str, filename: str, named: str | None = None):
    """Kind text ``text`` compiled (:func:`qsym._tiers.python_code`), kept in the cache
    folder as a signed blob of its code object: a later process unmarshals it (about
    0.05 ms) instead of compiling the same text again (0.1-0.15 ms a kind, more for long
    code such as DoubleExcitation's; issue #17). Its key: ``named`` (a built-in gate kind
    by name, :func:`_named_kind_key`, already looked up), else the Python, the file name and
    the text's SHA-256. The blob is written off the caller's path
    (:func:`qsym._cache.save_blob_soon`: after the process's first answer). With the disk
    cache off, compiled as before; a damaged blob is a miss."""
    import marshal

    if not cache.enabled():
        return tiers.python_code(text, filename)
    key = named
    if key is None:
        key = (f"gate kind\n{tiers.code_tag()}\nfile {filename}\n"
               f"text {hashlib.sha256(text.encode()).hexdigest()}")
        code = _kept_code(key)
        if code is not None:
            return code
    code = tiers.python_code(text, filename)
    cache.save_blob_soon(tiers.CODE_BLOBS, key, marshal.dumps(code))  # (after the answer)
    return code


def constant_entries(variant: tuple, params) -> np.ndarray:
    """A built-in gate variant's stored entries at numbers ``params`` by its gate code
    (:func:`kind_function`): a constant gate's, as lowering takes them
    (:data:`qsym._program.CONSTANT_CODE`), with the bits its trainable path computes.

    >>> constant_entries(("RZ", None, ()), [0.0]).tolist()
    [(1-0j), (1+0j)]
    """
    out = np.zeros(stored_size(*variant), dtype=np.complex128)
    kind_function(variant)(np.asarray(params, dtype=np.float64), out, 0)
    return out


CONSTANT_CODE.append(constant_entries)


def program_key(program: Program, circuit_key: str, values_only: bool, packed=None) -> str:
    """A digest of everything the generated module's text is made from (qsym's version, the
    kernels and their table (qsym._kernel_table, and whether it is on), the written-out
    lines' intrinsic (qsym._linecode, and whether it is on), the printer's file, the numba and NumPy versions the text names, the circuit's
    structural hash, the program, a module for values): the key under which the module's
    name is recorded once it is written (:class:`InterpretedModule`). A record made by
    another printer or numba therefore never names a module this process would not make
    (it would be taken as compiled and then compiled in the caller's thread). ``packed``:
    ``program.pack()`` if the caller has it.
    """
    import numba

    p = program
    ints, floats = p.pack() if packed is None else packed
    h = hashlib.sha256()
    for part in (__version__, emit.KERNELS_HASH, cache.file_digest(emit.__file__),
                 kernel_table.SOURCE_HASH, repr(kernel_table.enabled()),  # the table lines
                 linecode.SOURCE_HASH, repr(emit.LINE_INTRINSIC),  # the intrinsic's line
                 numba.__version__, np.__version__, circuit_key, repr(values_only),
                 repr(p.mats0), repr(p.mdata), repr(p.affine), repr(p.code),
                 repr(p.variants), repr(p.derivs), repr(p.c0), repr(p.ch0)):
        h.update(part.encode())
        h.update(b"\x00")
    h.update(np.ascontiguousarray(ints, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(floats, dtype=np.float64).tobytes())
    return h.hexdigest()[:24]


def _constants(p: Program, packed=None) -> dict:
    """The module's public constants (those of :func:`qsym._emit._tables` the runtime reads);
    ``packed``: ``p.pack()`` if the caller has it."""
    ints, floats = p.pack() if packed is None else packed
    ints = np.asarray(ints, dtype=np.int64)
    floats = np.asarray(floats, dtype=np.float64)
    return {"NUM_WIRES": p.num_wires, "NUM_INPUTS": p.num_inputs, "NUM_DATA": p.num_data,
            "NUM_OUTPUTS": p.num_outputs, "_q_NLIN": p.num_lin,
            "EXECUTIONS_PER_GRADIENT": p.executions, **emit.work_sizes(p),
            "_q_PARALLEL_MIN_WORK": kernels.PARALLEL_MIN_WORK, "PROGRAM_INTS": ints,
            "PROGRAM_FLOATS": floats, "PROGRAM": (ints, floats)}


def _prepare(p: Program, ns: dict):
    """``prepare(x, d, mode)`` of program ``p``: the generated one's operations in its order."""
    n_in, n_data = p.num_inputs, p.num_data
    nslots, nmats, nsmats = p.num_slots, len(p.mats0), p.num_smats
    o_ch = nslots
    o_c = o_ch + len(p.ch_slot)
    o_p = o_c + len(p.cc_m)
    nfl = o_p + p.max_params
    ch0 = np.asarray(p.ch0, dtype=np.float64)
    c0 = np.asarray(p.c0, dtype=np.float64).reshape(p.num_lin, len(p.word_flip))
    mats0 = np.asarray(p.mats0, dtype=np.complex128)
    # affine rows: th[slot] = a * v + b, v gathered from (x, d, 0.0)
    af_slot = np.array([r[0] for r in p.affine], dtype=np.int64)
    af_pos = np.array([r[2] if r[1] == 0 else (n_in + r[2] if r[1] == 1 else n_in + n_data)
                       for r in p.affine], dtype=np.int64)
    af_a = np.array([r[3] for r in p.affine], dtype=np.float64)
    af_b = np.array([r[4] for r in p.affine], dtype=np.float64)
    zero = np.zeros(1)
    gates = [kind_function(v) for v in p.variants]
    par = [(gates[p.op_type[k]], p.op_poff[k], p.op_poff[k] + p.op_np[k], p.op_off[k])
           for k in p.parametric]
    terms = [(gates[p.op_type[k]], p.op_poff[k], p.op_poff[k] + p.op_np[k], j, mult, shift,
              period, off) for k, j, mult, shift, period, off, zero_term in
             zip(p.term_op, p.term_pos, p.term_mult, p.term_shift, p.term_period, p.term_off,
                 p.term_zero)
             if not zero_term]
    mdata = [(off, src, n) for _, n, off, src in p.mdata]
    isfinite, empty = np.isfinite, np.empty
    complex128 = np.complex128

    def prepare(x, d, mode):
        if x.shape[0] != n_in or d.shape[0] != n_data:
            raise ValueError("qsym: inputs must have shapes (NUM_INPUTS,) and (NUM_DATA,)")
        if not isfinite(x).all():
            raise ValueError("qsym: non-finite input")
        if not isfinite(d).all():
            raise ValueError("qsym: non-finite input")
        fl = empty(nfl)
        th = fl[:nslots]
        th[:] = 0.0
        if af_slot.shape[0]:
            th[af_slot] = af_a * np.concatenate((x, d, zero))[af_pos] + af_b
        fl[o_ch:o_c] = ch0
        ch = fl[o_ch:o_c]
        C = c0.copy()
        cc = fl[o_c:o_p]
        cc[:] = 0.0
        q = fl[o_p:]
        if not isfinite(th).all():
            raise ValueError("qsym: non-finite gate parameter")
        allm = empty(nmats + (nsmats if mode == 1 else 0), dtype=complex128)
        allm[:nmats] = mats0
        for o, s, n in mdata:
            allm[o:o + n].real = d[s:s + 2 * n:2]
            allm[o:o + n].imag = d[s + 1:s + 2 * n:2]
        mats = allm[:nmats]
        smats = allm[nmats:]
        for gate, a, b, off in par:
            q[:b - a] = th[a:b]
            gate(q, mats, off)
        if mode == 1:
            for gate, a, b, j, mult, shift, period, off in terms:
                q[:b - a] = th[a:b]
                q[j] = mult * reduced_angle(float(q[j]), period) + shift
                gate(q, smats, off)
        return mats, smats, ch, C, cc, th

    prepare.__name__ = prepare.__qualname__ = "prepare"
    return prepare


def _prepare_adjoint(p: Program, ns: dict):
    """``prepare_adjoint(x, d)``: ``prepare`` (the namespace's, so a counting wrapper counts
    it, as in the generated module) and the derivative matrices."""
    maxp, ndmats = p.max_params, p.num_dmats
    dgates, adj = {}, []

    def tables():  # at the first use: a value call needs no derivative code
        if len(dgates) < len(p.derivs):
            made = {(t, j): kind_function(p.variants[t], j) for t, j in p.derivs}
            adj[:] = [(made[(p.op_type[k], j)], p.op_poff[k], p.op_poff[k] + p.op_np[k], off)
                      for k, j, off in zip(p.adj_op, p.adj_pos, p.adj_off)]
            dgates.update(made)
        return adj

    def prepare_adjoint(x, d):
        mats, smats, ch, C, cc, th = ns["prepare"](x, d, 0)
        q = np.empty(maxp)
        dmats = np.empty(ndmats, dtype=np.complex128)
        for dgate, a, b, off in tables():
            q[:b - a] = th[a:b]
            dgate(q, dmats, off)
        return mats, dmats, ch, C, cc, th

    def _q_dgate(t, j, q, out, off):
        tables()
        dgates[(t, j)](q, out, off)

    return prepare_adjoint, _q_dgate


def _batches(p: Program, ns: dict) -> dict:
    """The batch functions: ``prepare`` (or ``prepare_adjoint``) per row, stacked, then the
    kernel library's batch kernels, as the generated module's."""
    nmats, nsmats, ndmats = len(p.mats0), p.num_smats, p.num_dmats
    n_ch, n_cc, nlin, nwords = len(p.ch_slot), len(p.cc_m), p.num_lin, len(p.word_flip)
    ints, floats = ns["PROGRAM_INTS"], ns["PROGRAM_FLOATS"]

    def stacked(X, D, width, one):
        if X.shape[1] != p.num_inputs or D.shape[1] != p.num_data or D.shape[0] != X.shape[0]:
            raise ValueError("qsym: batch shapes do not match the circuit's inputs and data")
        B = X.shape[0]
        MATS = np.empty((B, nmats), dtype=np.complex128)
        EXTRA = np.empty((B, width), dtype=np.complex128)
        CH, CS, CC = np.empty((B, n_ch)), np.empty((B, nlin, nwords)), np.empty((B, n_cc))
        for b in range(B):
            mats, extra, ch, C, cc, _ = one(X[b], D[b])
            MATS[b], EXTRA[b], CH[b], CS[b], CC[b] = mats, extra[:width], ch, C, cc
        return MATS, EXTRA, CH, CS, CC

    batch_adjoint = getattr(kernels, kernels.batch_adjoint_kernel(p.num_wires))

    def parallel(X, work):
        return X.shape[0] > 1 and X.shape[0] * work >= kernels.PARALLEL_MIN_WORK

    def batch_value(X, D):
        MATS, _, _, CS, _ = stacked(X, D, 0, lambda x, d: ns["prepare"](x, d, 0))
        return kernels.call_dynamic(kernels.batch_value, ints, floats, MATS, CS,
                                    parallel(X, ns["_q_WORK_VALUE"]))

    def batch_value_and_grad(X, D):
        MATS, SMATS, CH, CS, CC = stacked(X, D, nsmats, lambda x, d: ns["prepare"](x, d, 1))
        return kernels.call_dynamic(kernels.batch_value_and_grad, ints, floats, MATS, SMATS,
                                    CH, CS, CC, parallel(X, ns["WORK"]))

    def batch_value_and_grad_adjoint(X, D):
        MATS, DMATS, CH, CS, CC = stacked(X, D, ndmats, lambda x, d: ns["prepare_adjoint"](x, d))
        return kernels.call_dynamic(batch_adjoint, ints, floats, MATS, DMATS, CH, CS, CC,
                                    parallel(X, ns["_q_WORK_ADJOINT"]))

    return {"batch_value": batch_value, "batch_value_and_grad": batch_value_and_grad,
            "batch_value_and_grad_adjoint": batch_value_and_grad_adjoint}


def _fused(p: Program, ns: dict) -> dict:
    """The fused entry points in the kernels' form (``prepare`` then one kernel call), as
    the generated module has them when they are not written out."""
    n_out, n_in = p.num_outputs, p.num_inputs
    adjoint = ("program_value_and_grad_adjoint_blocked_into"
               if p.num_wires >= kernels.BLOCK_MIN_WIRES else "program_value_and_grad_adjoint_into")
    # (the blocked kernel's work memory: allocated by it, an empty array)
    work = ((np.empty(0, dtype=np.complex128),) if p.num_wires >= kernels.BLOCK_MIN_WIRES
            else ())

    def _q_check_outputs(out, jac):
        if out.shape[0] != n_out or jac.shape[0] != n_out or jac.shape[1] != n_in:
            raise ValueError("qsym: output arrays must have shapes (NUM_OUTPUTS,) and "
                             "(NUM_OUTPUTS, NUM_INPUTS)")

    # the kernels write into fresh arrays (the runtime's types: the signatures it compiled),
    # copied into the caller's
    def fused_value_into(x, d, out):
        if out.shape[0] != n_out:
            raise ValueError("qsym: the output array must have shape (NUM_OUTPUTS,)")
        mats, _, _, C, _, _ = ns["prepare"](x, d, 0)
        v = np.empty(n_out)
        kernels.program_value_into(ns["PROGRAM_INTS"], ns["PROGRAM_FLOATS"], mats, C, v)
        out[:] = v

    def fused_value_and_grad_into(x, d, out, jac):
        _q_check_outputs(out, jac)
        mats, smats, ch, C, cc, _ = ns["prepare"](x, d, 1)
        v, g = np.empty(n_out), np.empty((n_out, n_in))
        kernels.program_value_and_grad_into(ns["PROGRAM_INTS"], ns["PROGRAM_FLOATS"], mats,
                                            smats, ch, C, cc, v, g)
        out[:], jac[:] = v, g

    def fused_value_and_grad_adjoint(x, d):
        mats, dmats, ch, C, cc, _ = ns["prepare_adjoint"](x, d)
        v, g = np.empty(n_out), np.empty((n_out, n_in))
        getattr(kernels, adjoint)(ns["PROGRAM_INTS"], ns["PROGRAM_FLOATS"], mats, dmats, ch, C,
                                  cc, v, g, *work)
        return v, g

    def fused_value_and_grad_adjoint_into(x, d, out, jac):
        _q_check_outputs(out, jac)
        out[:], jac[:] = fused_value_and_grad_adjoint(x, d)

    def fused_value(x, d):
        out = np.empty(n_out)
        fused_value_into(x, d, out)
        return out

    def fused_value_and_grad(x, d):
        out, jac = np.empty(n_out), np.empty((n_out, n_in))
        fused_value_and_grad_into(x, d, out, jac)
        return out, jac

    return {f.__name__: f for f in (
        _q_check_outputs, fused_value_into, fused_value_and_grad_into,
        fused_value_and_grad_adjoint, fused_value_and_grad_adjoint_into, fused_value,
        fused_value_and_grad)}


def namespace(program: Program, packed=None) -> dict:
    """The interpreter's namespace for ``program``: the generated module's constants and
    functions (``prepare``, ``prepare_adjoint``, ``gate_entries``, the batch and fused entry
    points) as plain Python that reads the program, nothing compiled for it (``packed``:
    ``program.pack()`` if the caller has it)."""
    p = program
    ns = _constants(p, packed)
    gates = [kind_function(v) for v in p.variants]

    def gate_entries(t, q, out, off):
        gates[t](q, out, off)

    ns["prepare"] = _prepare(p, ns)
    ns["prepare_adjoint"], ns["_q_dgate"] = _prepare_adjoint(p, ns)
    ns["_q_gate"] = ns["gate_entries"] = gate_entries
    ns.update(_batches(p, ns))
    ns.update(_fused(p, ns))
    return ns


TEXT_FLAGS = ("UNROLLED", "ADJOINT_UNROLLED", "VALUE_UNROLLED")
FUNCTIONS = ("prepare", "prepare_adjoint", "gate_entries", "_q_gate", "_q_dgate",
             "batch_value", "batch_value_and_grad", "batch_value_and_grad_adjoint",
             "_q_check_outputs", "fused_value_into", "fused_value_and_grad_into",
             "fused_value_and_grad_adjoint", "fused_value_and_grad_adjoint_into",
             "fused_value", "fused_value_and_grad")


class InterpretedModule(tiers.LazyModule):
    """A circuit's module on the interpreter tier: :func:`namespace` answers its calls; the
    generated text (``make_source()``, :func:`qsym._emit.emit_module`) is made only when
    something needs it (:meth:`source`: a compile, an export, ``QNode.source``, a
    promotion's background job), then it is a :class:`qsym._tiers.LazyModule` of that text.
    Its name is ``qsym_interp_<key>`` until then (:func:`program_key`), the generated
    module's after. Once the numba module is written, the key's record in the cache folder
    (:data:`MODULE_NAMES`) names it, so a later process finds it compiled
    (:meth:`on_disk`) without making the text."""

    __slots__ = ("_make", "_key", "_text", "_text_ns", "written_out", "values_only")

    def __init__(self, make_source, key, ns: dict, written_out: bool = False,
                 values_only: bool = False):
        # key: the program's key (program_key), or a function that makes it when first
        # needed (module(): the hashes of the circuit and the program, about 1 ms of a
        # 12x8 HEA's first answer, which needs neither: issue #17)
        super().__init__(None, None if callable(key) else f"qsym_interp_{key}", ns)
        self._make, self._key, self._text, self._text_ns = make_source, key, False, None
        # its text writes the circuit out (qsym._emit.writable): faster calls as Python
        self.written_out = written_out
        # its text is a module for values (emit_module(values_only=True), VALUE_UNROLLED):
        # a gradient makes the full module (qsym._runtime.QNode._with_derivatives)
        self.values_only = values_only

    def key(self) -> str:
        """The program's key (:func:`program_key`), made at the first call."""
        key = self._key
        if callable(key):
            made = key()  # (outside the lock: source() takes it)
            with self._lock:
                if callable(self._key):
                    self._key = made
                    if self._name is None:  # (its text's name once the text is made)
                        self._name = f"qsym_interp_{made}"
                key = self._key
        return key

    @property
    def __name__(self):
        name = self._name
        if name is None:
            self.key()
            name = self._name
        return name

    def __repr__(self):
        return (f"<qsym generated module {self.__name__} "
                f"({'loaded' if self._mod else 'not loaded'})>")

    def interpreted(self) -> bool:
        return not self._text

    def text_namespace(self) -> dict:
        """The module's text run as Python (:func:`qsym._tiers.python_namespace`), made
        once."""
        ns = self._text_ns
        if ns is None:
            source = self.source()
            ns = tiers.python_namespace(source, self._name)
            with self._lock:
                if self._text_ns is None:
                    self._text_ns = ns
                ns = self._text_ns
        return ns

    def to_text(self) -> None:
        """From now on its namespace is its text's run as Python (as a
        :class:`qsym._tiers.LazyModule` made from the text): the written-out code of a tiny
        circuit, faster per call than the interpreter (:data:`qsym._tiers.TEXT_AFTER_CALLS`).
        The same bits."""
        ns = self.text_namespace()
        with self._lock:
            if not self._text:
                self._ns, self._text = ns, True

    def __getattr__(self, attr):
        # the flags of what the text writes out (UNROLLED, ...) are the text's: they say
        # what the generated module holds (the interpreter writes nothing out)
        if attr in TEXT_FLAGS and not self._text:
            try:
                return self.text_namespace()[attr]
            except KeyError:
                raise AttributeError(attr) from None
        return super().__getattr__(attr)

    def twin(self, wrap=None) -> types.SimpleNamespace:
        """Tier 0's view of the namespace (:func:`qsym._tiers.python_twin`'s form):
        ``wrap(name, fn)`` may replace a function in the namespace the others call."""
        ns = self._ns
        raw = {name: ns[name] for name in FUNCTIONS}
        if wrap is not None:
            for name, fn in raw.items():
                ns[name] = wrap(name, fn)
        return types.SimpleNamespace(**{name: ns[name] for name in FUNCTIONS}, raw=raw)

    def source(self) -> str:
        """The generated module's text (made at the first call)."""
        with self._lock:
            if self._source is None:
                self._source = self._make()
                self._name = cache.module_name(self._source)
            return self._source

    def load(self):
        if self._mod is not None:
            return self._mod
        self.source()
        mod = super().load()
        key = self.key()
        if cache.load_record(MODULE_NAMES, key) != self._name:
            cache.save_record(MODULE_NAMES, key, self._name)
        return mod

    def on_disk(self) -> bool:
        """The numba module is loaded, or the key's record names a module file in the cache
        folder (written by an earlier process that compiled it)."""
        if self._mod is not None:
            return True
        if self._disk is None:
            try:
                name = cache.load_record(MODULE_NAMES, self.key())
                self._disk = (isinstance(name, str) and name.startswith("qsym_gen_")
                              and cache.enabled()
                              and (cache.cache_dir() / f"{name}.py").is_file())
            except OSError:
                self._disk = False
        return self._disk


def module(circuit, program: Program, circuit_key, make_source,
           values_only: bool = False):
    """The interpreter tier's module of ``program`` (:class:`InterpretedModule`), or None if
    the interpreter does not run it (:func:`unsupported`): then the caller makes the text.
    ``make_source()`` makes the generated text when needed; ``circuit_key`` is the
    circuit's structural hash, or a function that makes it: then the module's key
    (:func:`program_key`, which hashes both) is made when first needed (a look in the
    cache folder, a compile, the module's name), not before its first answer."""
    if unsupported(program) is not None:
        return None
    writable = emit.writable(program)
    values_only = values_only and writable
    packed = program.pack()  # (once: the key hashes it, the namespace holds it)

    def key():
        return program_key(program, circuit_key() if callable(circuit_key) else circuit_key,
                           values_only, packed)

    return InterpretedModule(make_source, key if callable(circuit_key) else key(),
                             namespace(program, packed), writable, values_only)
