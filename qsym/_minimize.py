"""``qsym.minimize``: a whole optimization run in compiled code.

``minimize(node, x0, optimizer=..., steps=..., tol=...)`` runs every step of one of
PennyLane's optimizers (:mod:`qsym.optimize`) inside one numba-compiled loop, for a QNode
that returns one expectation value: the loop calls the circuit's generated value-and-
gradient function (parameter shift or adjoint, as the QNode says) directly, so no Python
runs between steps. The same optimizer object configures it and the Python ``step``, and
both give the same iterates: the same bits by the adjoint method, up to rounding by a tiny
circuit's written-out parameter shift (its own arithmetic order; docs/optimization.md,
"The compiled step"), and, at inputs below 2**-128, up to the step's results that would be
subnormal (flushed to zero: _FPENV below). Two compiled runs give the same bits.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def bloch(x):
...     qml.RY(x[0], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> res = qml.minimize(bloch, [0.3], optimizer=qml.GradientDescentOptimizer(0.5), steps=60)
>>> res.compiled, res.nit, np.round(res.x, 6), round(res.fun, 9)
(True, 60, tensor([3.141593], requires_grad=True), -1.0)
>>> len(res.cost_history), res.cost_history[0] == bloch([0.3])
(61, np.True_)

Stop early once the gradient norm falls below ``tol``:

>>> res = qml.minimize(bloch, [0.3], optimizer=qml.GradientDescentOptimizer(0.5),
...                    steps=1000, tol=1e-8)
>>> res.converged, res.nit < 1000, bool(res.grad_norm_history[-1] < 1e-8)
(True, True, True)

Many starting points at once (``multistart=True``: the first axis of ``x0`` indexes them;
they run on threads) and training over a data set (``data=`` holds keyword arguments of
the QNode, one row per example; ``targets=`` and ``loss="square"`` make the objective the
mean squared error over the rows) take the arguments described in :func:`minimize`. Any other objective
(a Python function calling QNodes, a custom ``grad_fn``, an optimizer of your own) runs
the same update rules in a Python loop, and the result says so: ``compiled=False`` and
``message`` gives the reason.

Many starts, and a fit to data (one trained angle, so that ``RY(w) RY(x)`` gives
``<Z> = cos(w + x)``):

>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev, diff_method="adjoint")
... def model(w, x=0.0):
...     qml.RY(x, wires=0)
...     qml.RY(w[0], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> starts = np.array([[0.1], [2.0], [-1.0]])
>>> res = qml.minimize(model, starts, multistart=True, steps=200,
...                    optimizer=qml.AdamOptimizer(stepsize=0.1))
>>> res.x.shape, np.round(res.fun, 6)
((3, 1), tensor([-1., -1., -1.], requires_grad=True))
>>> X = np.linspace(0.0, 1.0, 8)
>>> fit = qml.minimize(model, [0.0], data={"x": X}, targets=np.cos(X + 0.5), steps=300,
...                    optimizer=qml.AdamOptimizer(stepsize=0.05))
>>> fit.compiled, round(float(fit.x[0]), 4)
(True, 0.5)

A Python cost function runs in a Python loop, and says so:

>>> def cost(w):
...     return model(w) + 0.0
>>> res = qml.minimize(cost, [0.1], steps=3, grad_fn=qml.grad(model, argnum=0))
>>> res.compiled, res.message
(False, 'ran 3 steps (Python loop: a custom grad_fn is called from Python)')
"""

from __future__ import annotations

import ast
import copy
import inspect
import logging
import operator
import os
import signal
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._locks import new_lock
from ._parsing import parse
from . import _cache as cache, _distributed as distributed, _kernels as kernels, _worker as worker
from . import _kernel_table as kernel_table
from . import _tiers as tiers
from ._version import __version__
from .errors import ArgumentError, DifferentiationError, QsymError
from ._gates import REGISTRY
from .optimize import (
    AdagradOptimizer,
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    NesterovMomentumOptimizer,
    RMSPropOptimizer,
)
from .numpy import tensor
from ._natural_gradient import QNGOptimizer
from ._runtime import QNode, grad
from ._shapes import flat

__all__ = ["minimize", "OptimizeResult"]

logger = logging.getLogger("qsym.minimize")

# --- the optimizers, as numbers for the compiled loop -----------------------------------
# hyperparameter vector: [stepsize, momentum, decay, eps, beta1, beta2]
_GD, _MOMENTUM, _NESTEROV, _ADAGRAD, _RMSPROP, _ADAM = range(6)


_SIX = (GradientDescentOptimizer, MomentumOptimizer, NesterovMomentumOptimizer,
        AdagradOptimizer, RMSPropOptimizer, AdamOptimizer)


def _loop_rule(opt):
    """``(kind, hyperparameters)`` of one of the six optimizers, or None for anything
    else (a subclass may change the rule, so only the exact classes are compiled)."""
    t = type(opt)
    if t not in _SIX:  # (another optimizer may have no stepsize)
        return None
    hp = [float(opt.stepsize), 0.0, 0.0, 0.0, 0.0, 0.0]
    if t is GradientDescentOptimizer:
        return _GD, hp
    if t is MomentumOptimizer:
        hp[1] = float(opt.momentum)
        return _MOMENTUM, hp
    if t is NesterovMomentumOptimizer:
        hp[1] = float(opt.momentum)
        return _NESTEROV, hp
    if t is AdagradOptimizer:
        hp[3] = float(opt.eps)
        return _ADAGRAD, hp
    if t is RMSPropOptimizer:
        hp[2], hp[3] = float(opt.decay), float(opt.eps)
        return _RMSPROP, hp
    if t is AdamOptimizer:
        hp[3], hp[4], hp[5] = float(opt.eps), float(opt.beta1), float(opt.beta2)
        return _ADAM, hp
    return None


_LOSSES = {"mean": 0, "square": 1}

# --- the generated loop module ----------------------------------------------------------
# One small module per circuit entry point, written through qsym.cache like the circuit's
# own module, so numba caches it on disk (docs/design.md, "Compiled optimization loops",
# has the measurements behind this choice). It imports the circuit module by name (its
# name is the hash of its source, so a changed circuit gives a new loop module), and the
# text below is part of the loop module's source (a change here gives new files too).
# Every update line is written exactly as qsym.optimize computes it, operation for
# operation, so that both give the same floating-point results.
#
# The step (the objective's value and gradient at one point) takes one of four forms,
# chosen by step_form: a tiny circuit's parameter shift written out (the circuit module's
# own written-out lines without the input checks, the shifted matrices by angle addition:
# to rounding), a tiny circuit's adjoint method written out (the circuit module's own
# written-out adjoint without the checks: its bits), a small circuit's adjoint with the
# kernels' sweep written out op by op (the same kernel calls: the same bits), or the
# circuit module's code and the kernels, their work memory made once per run. Only the
# last two allocate per step (prepare's arrays); none checks its inputs per step (each
# raise site cost about 0.1 us a call): the loop stops with status 2 at a non-finite cost
# or gradient instead, and minimize raises.
_LOOP_TEMPLATE = '''"""qsym {version} generated optimization loop. Do not edit: regenerated by qsym.minimize.

circuit: {module} (step: {step_form})
"""
import math
import numpy as np
from numba import njit
{imports}
{update}

{step_def}

@njit(cache=True, nogil=True)
def run(x, D, Y, loss, kind, hp, s1, s2, k0, k1, finish, tol, cost, gnorm):
    """Optimizer steps ``k0 .. k1 - 1`` from ``x`` (updated in place, as are the
    accumulators ``s1``, ``s2``). The objective is the circuit's value (``loss`` 0) or
    the squared error against ``Y`` (``loss`` 1), averaged over the rows of the data
    ``D``; it and its gradient norm before step ``k`` go to ``cost[k]``, ``gnorm[k]``.
    Stops at a gradient norm below ``tol``; with ``finish``, records the final point at
    ``k1``. Returns ``(steps done, status)``: status 0 ran to the end, 1 converged, 2
    the cost or gradient norm at step ``steps done`` is not finite. One function with
    one call of the step: each compiled caller of the circuit code costs numba a full
    optimization."""
    n = x.shape[0]
    rows = D.shape[0]
    eta = hp[0]
    m = hp[1]  # (the other optimizers' update reads hp itself)
    # the point evaluated: x itself, but for Nesterov's look-ahead point (set once:
    # reassigning an array variable costs numba reference counts each step)
    y = np.empty(n) if kind == 2 else x
    out = np.empty(1)
    jac = np.empty((1, n))
    # one row and the circuit's value as the cost (the common case): the gradient is
    # the Jacobian's row itself, the cost its value (no sums over rows: a fifth of the
    # seed's step)
    direct = rows == 1 and loss == 0
    g = jac[0] if direct else np.empty(n)
    d = D[0]  # one data row (the common case): no view made per step
    # At an exact zero of a gradient component, a decaying accumulator (momentum's and
    # Nesterov's velocity, RMSProp's and Adam's second moment, Adam's first moment) falls
    # into the subnormal numbers and stops there (c * s rounds back to s), where every
    # product, quotient and square root with it takes the CPU's slow path (40-90 ns each).
    # A step whose inputs are those of a fixed point held here (the accumulator's bits,
    # the zero's sign, Adam's eta_t) reuses its results: the same operations on the same
    # bits, not done again. held, held_bits, the numbers: s1's fixed point; held2,
    # held2_bits: Adam's s2's; held_q: Adam's quotient u / (sqrt(s2) + eps) valid for both
    # held (packed in three arrays for the update's call, qsym._loop_update: few arguments)
    flags = np.zeros(3 * n, dtype=np.uint8)  # held, held2, held_q (0 or 1): n each
    hbits = np.zeros(2 * n, dtype=np.int64)  # held_bits, held2_bits: n each
    # 4 a parameter: eta_t, the zero's sign, eta_t * s1 (Adam) or m * s1 (Nesterov),
    # u / (sqrt(s2) + eps); then Adam's: 1 - b1**t and 1 - b2**t have reached 1.0 (1.0
    # or 0.0), q1 and q2
    hnum = np.zeros(4 * n + 3)
    hnum[4 * n + 1] = 1.0
    hnum[4 * n + 2] = 1.0
    s1_bits = s1.view(np.int64)
    arrays = _q_addresses(x, g, s1, s2, hp, flags, hbits, hnum)  # (the update's one argument)
{setup}
    end = k1 + 1 if finish else k1
    at_x = False  # Nesterov, converged: evaluate once more at x itself
    k = k0
    while k < end:
        last = finish and k == k1
        if kind == 2:  # Nesterov: the look-ahead point, or x itself at the end
            if not last and not at_x:
                for j in range(n):
                    if flags[j] and s1_bits[j] == hbits[j]:
                        y[j] = x[j] - hnum[4 * j + 2]  # m * s1[j], kept with the fixed point
                    else:
                        y[j] = x[j] - m * s1[j]
            else:
                for j in range(n):
                    y[j] = x[j]
        f = 0.0
        if not direct:
            for j in range(n):
                g[j] = 0.0
        for i in range(rows):
            if rows > 1:
                d = D[i]
            {call}
            if direct:
                f = out[0]
            elif loss == 0:
                f += out[0]
                for j in range(n):
                    g[j] += jac[0, j]
            else:
                r = out[0] - Y[i]
                f += r * r
                for j in range(n):
                    g[j] += 2.0 * r * jac[0, j]
        if rows > 1:
            f /= rows
            for j in range(n):
                g[j] /= rows
{norm}
        gn = math.sqrt(gn)
        cost[k] = f
        gnorm[k] = gn
        if not (math.isfinite(f) and math.isfinite(gn)):
            return k, 2
        if last:
            return k1, 0
        if at_x:
            return k, 1
        if gn < tol:
            if kind == 2:
                at_x = True
                continue
            return k, 1
        if kind == 0:  # gradient descent
            for j in range(n):
                x[j] = x[j] - eta * g[j]
        elif kind == 1 or kind == 2:  # momentum, Nesterov momentum
            for j in range(n):
                gj = g[j]
                if not (gj == 0.0 and flags[j] and s1_bits[j] == hbits[j]
                        and math.copysign(1.0, gj) == hnum[4 * j + 1]):
                    before = s1_bits[j]
                    s1[j] = m * s1[j] + eta * gj
                    if gj == 0.0:  # s1[j] its own next value: held (see above)
                        flags[j] = s1_bits[j] == before
                        hbits[j] = before
                        hnum[4 * j + 1] = math.copysign(1.0, gj)
                        if flags[j] and kind == 2:
                            hnum[4 * j + 2] = m * s1[j]  # Nesterov's look-ahead product
                x[j] = x[j] - s1[j]
        else:  # Adagrad, RMSProp, Adam: compiled once for every loop (qsym._loop_update),
            # its arrays' addresses passed (no array argument: no reference counts)
            _q_update(n, kind, k, _q_ptr(arrays))
        k += 1
    return k1, 0


def _q_compile():
    """Compile ``run`` (or load it from numba's disk cache) with no step run: its first
    call, with the argument types every run passes (a background compile calls it)."""
    x = np.zeros(1)
    run(x, np.zeros((1, 0)), np.zeros(1), 0, 0, np.zeros(6), x, x, 0, 0, False, 0.0, x, x)
'''

# the kernels' step: the circuit module's code, then the kernels into memory made once
# per run: (imports, run's setup lines, the call in run's loop) per method. The adjoint
# step's wire count is read from the program's header (an int64), not the module's
# NUM_WIRES: numba types a module constant passed to a kernel as a literal and compiles
# the kernel and everything it calls (adjoint_step_into, _adjoint_into, run_ops, the
# apply_* kernels) again for every wire count, about 25 s of CPU cold per new size
# (issue #17); with an int64 one compile (cached on disk) serves every circuit.
_KERNEL_STEP = {
    "parameter-shift": (
        "from {module} import fused_value_and_grad_into as _q_vg_into",
        "",
        "_q_vg_into(y, d, out, jac)"),
    "adjoint": (
        ("from {module} import prepare_adjoint as _q_prepare_adjoint\n"
        "from {module} import PROGRAM_INTS as _q_PROGRAM_INTS\n"
        "from {module} import NUM_WIRES as _q_NUM_WIRES\n"
        "from {module} import _q_NMATS\n"
        "from {kernels} import unpack_program as _q_unpack\n"
        "from {kernels} import adjoint_step_into as _q_adjoint_step_into\n"
         "from {kernels} import H_N as _q_H_N, H_SLOTS as _q_H_SLOTS"),
        ("    ints = _q_PROGRAM_INTS.copy()  # the kernels take writable arrays\n"
        "    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _t0, _t1, _t2,\n"
        "     _t3, ch_slot, ch_x, cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off) = _q_unpack(ints)\n"
        "    dim = 1 << _q_NUM_WIRES\n"
        "    cwork = np.empty(3 * dim + _q_NMATS, dtype=np.complex128)\n"
        "    psi = cwork[:dim]\n"
        "    phi = cwork[dim : 2 * dim]\n"
        "    lam = cwork[2 * dim : 3 * dim].reshape((1, dim))\n"
        "    amats = cwork[3 * dim :]\n"
        "    e = np.empty(word_flip.shape[0])\n"
         "    de = np.empty((ints[_q_H_SLOTS], 1))\n"
         "    n_wires = ints[_q_H_N]  # an int64, as the library's entry points read it"),
        ("mats, dmats, ch, C, cc, th = _q_prepare_adjoint(y, d)\n"
        "            _q_adjoint_step_into(n_wires, op_wires, op_nw, op_kind, op_off, mats,\n"
        "                                 word_flip, word_z, word_ny, C, adj_op, adj_slot,\n"
        "                                 adj_off, dmats, ch, ch_slot, ch_x, cc, cc_m, cc_w,\n"
        "                                 cc_x, e, de, psi, phi, lam, amats, out, jac)")),
    # large states (from kernels.BLOCK_MIN_WIRES wires): the circuit module's adjoint entry
    # point, which runs the blocked passes (kernels.program_value_and_grad_adjoint_blocked_into):
    # the bits of a single gradient call
    "adjoint, blocked": (
        "from {module} import fused_value_and_grad_adjoint_into as _q_vg_into",
        "",
        "_q_vg_into(y, d, out, jac)"),
}

# the kernels' adjoint step with its sweep written out op by op (a small circuit too large
# to write out amplitude by amplitude): the same kernel calls as kernels.adjoint_step_into
# and its one-output sweep (_adjoint_into_flat), in the same order, each op's kernel called
# directly with its wires and offsets as literals, so numba specializes every call (no
# dispatch on the op's kind, no table reads, index arithmetic on constants): the same
# arithmetic, the same bits, about twice the speed on the 4x4 HEA (docs/optimization.md,
# "The compiled step"). _q_sweep is defined in the loop module (see _sweep_lines).
_SWEEP_STEP = (
    ("from {module} import prepare_adjoint as _q_prepare_adjoint\n"
     "from {module} import PROGRAM_INTS as _q_PROGRAM_INTS\n"
     "from {module} import _q_NMATS\n"
     "from {kernels} import unpack_program as _q_unpack\n"
     "from {kernels} import H_SLOTS as _q_H_SLOTS\n"
     "from {kernels} import combine_into as _q_combine_into\n"
     "from {kernels} import (reset_state, overlap1, adjoint_step1_real, adjoint_step1_diag, adjoint_step1_dense,\n"
     "                        apply_row, apply_cnot, apply_real1, apply_dense1, apply_diag1,\n"
     "                        apply_dense2, pauli_expvals, add_pauli_word, adjoint_mats_into)"),
    ("    ints = _q_PROGRAM_INTS.copy()  # the kernels take writable arrays\n"
     "    (op_wires, op_nw, op_kind, op_off, word_flip, word_z, word_ny, _t0, _t1, _t2,\n"
     "     _t3, ch_slot, ch_x, cc_m, cc_w, cc_x, adj_op, adj_slot, adj_off) = _q_unpack(ints)\n"
     "    dim = 1 << {n}\n"
     "    cwork = np.empty(3 * dim + _q_NMATS, dtype=np.complex128)\n"
     "    psi = cwork[:dim]\n"
     "    phi = cwork[dim : 2 * dim]\n"
     "    lam = cwork[2 * dim : 3 * dim]\n"
     "    amats = cwork[3 * dim :]\n"
     "    e = np.empty(word_flip.shape[0])\n"
     "    de = np.empty((ints[_q_H_SLOTS], 1))"),
    ("mats, dmats, ch, C, cc, th = _q_prepare_adjoint(y, d)\n"
     "            _q_sweep(psi, phi, lam, mats, amats, dmats, C, e, de, op_wires, op_nw,\n"
     "                     op_kind, op_off, word_flip, word_z, word_ny)\n"
     "            _q_combine_into(C, e, out)\n"
     "            _q_chain(ch, ch_slot, ch_x, cc, cc_m, cc_w, cc_x, e, de, jac)"))

# kernels.adjoint_step_into's end for one output (its loops, the same order)
_SWEEP_CHAIN = '''
@njit(cache=True)
def _q_chain(ch, ch_slot, ch_x, cc, cc_m, cc_w, cc_x, e, de, jac):
    for j in range(jac.shape[1]):
        jac[0, j] = 0.0
    for k in range(ch.shape[0]):
        jac[0, ch_x[k]] += ch[k] * de[ch_slot[k], 0]
    for k in range(cc.shape[0]):
        jac[cc_m[k], cc_x[k]] += cc[k] * e[cc_w[k]]
'''

# a sweep of more ops than this runs in the kernels' loop over ops (numba compiles each
# specialized call: the 4x4 HEA's 44 ops, about 90 calls, took 23 s at a load of 9)
SWEEP_MAX_OPS = 64


def _apply_call(p, k, var, mats, off) -> str:
    """``kernels.apply_row``'s call for op ``k`` on ``var``, with the kernel it dispatches
    to named and its wires as literals (``apply_row`` itself for the other kinds)."""
    kind, nw = p.op_kind[k], p.op_nw[k]
    w = [int(v) for v in p.op_wires[k][:nw]]
    if kind == kernels.CONTROLLED_X and nw == 2:
        return f"apply_cnot({var}, N, {w[0]}, {w[1]})"
    if kind in (kernels.REAL, kernels.DENSE) and nw == 2:
        return f"apply_dense2({var}, N, {w[0]}, {w[1]}, {mats}, {off})"
    if nw == 1 and kind in (kernels.DIAGONAL, kernels.REAL, kernels.DENSE):
        name = {kernels.DIAGONAL: "apply_diag1", kernels.REAL: "apply_real1",
                kernels.DENSE: "apply_dense1"}[kind]
        return f"{name}({var}, N, {w[0]}, {mats}, {off})"
    return f"apply_row({var}, N, op_wires, {k}, {nw}, {kind}, {mats}, {off})"


def _sweep_lines(p) -> list[str]:
    """``_q_sweep``: ``kernels._adjoint_into_flat`` for the program ``p`` (one output),
    its loops over ops and words written out, each kernel call as that function makes
    it (:func:`_apply_call`): the same calls in the same order, so the same bits."""
    n_ops = p.num_ops
    lines = ["@njit(cache=True)",
             "def _q_sweep(psi, phi, lam0, mats, amats, dmats, C, e, de, op_wires, op_nw,",
             "             op_kind, op_off, word_flip, word_z, word_ny):",
             f"    N = {p.num_wires}",
             "    for i in range(lam0.shape[0]):",
             "        lam0[i] = 0.0",
             "    for s in range(de.shape[0]):",
             "        de[s, 0] = 0.0",
             "    reset_state(psi)"]
    lines += [f"    {_apply_call(p, k, 'psi', 'mats', p.op_off[k])}" for k in range(n_ops)]
    lines.append("    pauli_expvals(psi, word_flip, word_z, word_ny, e)")
    for t, (f, z, ny) in enumerate(zip(p.word_flip, p.word_z, p.word_ny)):
        lines += [f"    if C[0, {t}] != 0.0:",
                  f"        add_pauli_word(lam0, psi, C[0, {t}], {int(f)}, {int(z)}, {int(ny)})"]
    a = len(p.adj_op) - 1
    if a < 0:
        return lines + ["    return"]
    lines.append("    adjoint_mats_into(mats, op_nw, op_kind, op_off, amats)")
    step1 = {kernels.REAL: "adjoint_step1_real", kernels.DIAGONAL: "adjoint_step1_diag"}
    for k in range(n_ops - 1, -1, -1):
        kind, nw, w = p.op_kind[k], p.op_nw[k], int(p.op_wires[k][0])
        if nw == 1 and p.adj_op[a] == k and a >= 1 and p.adj_op[a - 1] != k:
            lines.append(f"    de[{p.adj_slot[a]}, 0] += 2.0 * {step1.get(kind, 'adjoint_step1_dense')}("
                         f"psi, lam0, N, {w}, amats, {p.op_off[k]}, dmats, {p.adj_off[a]})")
            a -= 1
            continue
        lines.append(f"    {_apply_call(p, k, 'psi', 'amats', p.op_off[k])}")
        while a >= 0 and p.adj_op[a] == k:
            if nw == 1:
                lines.append(f"    de[{p.adj_slot[a]}, 0] += 2.0 * overlap1(lam0, psi, N, {w}, "
                             f"{kind == kernels.DIAGONAL}, dmats, {p.adj_off[a]})")
            else:
                lines += ["    for i in range(psi.shape[0]):",
                          "        phi[i] = psi[i]",
                          f"    {_apply_call(p, k, 'phi', 'dmats', p.adj_off[a])}",
                          "    acc = 0.0",
                          "    for i in range(psi.shape[0]):",
                          "        v = np.conj(lam0[i]) * phi[i]",
                          "        acc += v.real",
                          f"    de[{p.adj_slot[a]}, 0] += 2.0 * acc"]
            a -= 1
        if a < 0:
            break
        lines.append(f"    {_apply_call(p, k, 'lam0', 'amats', p.op_off[k])}")
    return lines


# the written-out step: one function, no checks, no allocation
# The step's floating-point environment (issue #19): on x86-64 a written-out step (and the
# op-by-op sweep) runs with the CPU's flush-to-zero bit set (MXCSR bit 15), the optimizer's
# update without it. A product or sum in the step whose exact result would be subnormal
# (below 2**-1022 in magnitude) is then 0.0 (its sign kept) instead of a subnormal number,
# which the core computes in a microcode assist of about 100 cycles: once an iterate
# decays towards 0 (momentum's, 1e-155 to 1e-162 on the seed), every step's products of
# two such quantities took that path (about 1000 steps of 270 ns instead of 35; the
# measurements: benchmarks/results/optimize.md, stop 58 and stop 60). Every other result
# is bit for bit the IEEE one (flushing changes only results that would be subnormal), so
# the step is the Python gradient's bits except where such a result occurs, and there it
# differs by about 2**-1022 times the step's operation count: far inside every tolerance
# the loop is held to (the update, run without the bit, keeps its subnormal accumulators
# exactly: tests/test_minimize_loop.py). Denormal inputs are not treated as zero (DAZ
# clear). The bit is set before the step and the caller's MXCSR restored after it, in the
# same thread (the mode is per thread). As plain Python (tier 0) the two calls do nothing:
# IEEE arithmetic throughout.
_FPENV = '''
if getattr(njit, "__module__", "").startswith("numba"):
    from llvmlite import ir as _q_ir
    from numba.core import cgutils as _q_cgutils, types as _q_types
    from numba.extending import intrinsic as _q_intrinsic

    def _q_mxcsr_call(builder, name, ptr):
        i8p = _q_ir.IntType(8).as_pointer()
        fn = _q_cgutils.get_or_insert_function(
            builder.module, _q_ir.FunctionType(_q_ir.VoidType(), [i8p]), name)
        builder.call(fn, [builder.bitcast(ptr, i8p)])

    @_q_intrinsic
    def _q_fp_get(typingctx):
        """The calling thread's MXCSR (x86 stmxcsr)."""
        def codegen(context, builder, sig, args):
            ptr = _q_cgutils.alloca_once(builder, _q_ir.IntType(32))
            _q_mxcsr_call(builder, "llvm.x86.sse.stmxcsr", ptr)
            return builder.zext(builder.load(ptr), _q_ir.IntType(64))
        return _q_types.int64(), codegen

    @_q_intrinsic
    def _q_fp_set(typingctx, value):
        """Load ``value`` into the calling thread's MXCSR (x86 ldmxcsr), between two
        compiler memory barriers: LLVM keeps floating-point arithmetic in no order with
        the MXCSR (numba compiles without strictfp), so the step's operations stay
        between the two calls by their memory: they read their inputs from arrays after
        the first and store their results before the second, and the update reads them
        back after it (measured: a test loop whose values stayed in registers ran its
        products outside the region switched around them, 47 ns an iteration against
        4 ns flushed throughout; the same loop on arrays, 5-6 ns with or without the
        barriers, which keep it so)."""
        def codegen(context, builder, sig, args):
            ptr = _q_cgutils.alloca_once(builder, _q_ir.IntType(32))
            builder.store(builder.trunc(args[0], _q_ir.IntType(32)), ptr)
            barrier = _q_ir.InlineAsm(_q_ir.FunctionType(_q_ir.VoidType(), []), "",
                                      "~{memory}", side_effect=True)
            builder.call(barrier, [])
            _q_mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", ptr)
            builder.call(barrier, [])
            return context.get_dummy_value()
        return _q_types.void(_q_types.int64), codegen
else:  # plain Python (tier 0): IEEE arithmetic, nothing to set
    def _q_fp_get():
        return 0

    def _q_fp_set(value):
        return None
'''

# run's setup and the lines around the step's call, where the step is flushed
# (the exception flags the step raised are kept, as IEEE arithmetic would leave them:
# restoring the caller's whole MXCSR cleared them, and the core raised them again in a
# slow path at every step, 60 -> 137 ns a step measured on the seed)
_FTZ_SETUP = ("    # the caller's flush-to-zero bit, restored after each step (its other bits kept)\n"
              "    fp_keep = ~0x8000 | (_q_fp_get() & 0x8000)\n"
              "    flushed = False  # a step of this point was flushed")
_FTZ_ON = "_q_fp_set(_q_fp_get() | 0x8000)"
_FTZ_OFF = "_q_fp_set(_q_fp_get() & fp_keep)"
# The switch costs about 2.5 ns a step (two loads of the MXCSR and their barriers: a
# twentieth of the seed's step; with one data row and the circuit's value as the cost the
# bit stays set from the step through the gradient norm's check, one switch fewer: no
# arithmetic between them), and flushing changes nothing where no result would be
# subnormal, so the step is flushed only when one of its inputs (the point, the data row)
# is nonzero and below 2**-128 in magnitude: how subnormal results arise in practice (an
# iterate decaying to 0: the products of two or more such small quantities). Elsewhere
# the step runs as it is, IEEE arithmetic (a subnormal result there is exact, only slow).
_FTZ_CALL = ("small = False\n"
             "            for j in range(y.shape[0]):\n"
             "                small = small or (y[j] != 0.0 and abs(y[j]) < 2.938735877055719e-39)\n"
             "            for j in range(d.shape[0]):\n"
             "                small = small or (d[j] != 0.0 and abs(d[j]) < 2.938735877055719e-39)\n"
             "            if small:\n"
             "                flushed = True  # (the gradient norm's check: _NORM_FTZ)\n"
             "                " + _FTZ_ON + "\n"
             "            {call}\n"
             "            if small and not direct:  # (one row: the bit stays set for the norm)\n"
             "                " + _FTZ_OFF)

# the gradient norm's sum of squares (run's {norm}): as written, IEEE arithmetic
_NORM = '''        gn = 0.0
        for j in range(n):
            gn += g[j] * g[j]'''
# with the step flushed: the squares summed with flush-to-zero too (a component of 1e-157
# has a subnormal square: one assist a step), and the bits of the IEEE sum kept (after a
# step that was not flushed, the sum as written). Only a
# square whose exact value is below 2**-1022 is flushed, so only a component below 2**-510
# in magnitude ("tiny") can change anything; the squares are not negative, so the IEEE
# partial sums before the first nonzero flushed one add up tiny squares alone (sigma, at
# most n * 2**-1022) and the flushed ones are 0. If that first nonzero partial sum L is at
# least n * 2**-968, half its ulp exceeds n * 2**-1022 (ulp(L) > L * 2**-53), so fl(L +
# sigma) = L, and every later tiny square (at most 2**-1022) rounds away in a partial sum
# at least L: the IEEE sum's bits. Otherwise (a tiny component and a small L) the sum is
# done again in IEEE arithmetic (tests/test_minimize_loop.py: components at the limits).
_NORM_FTZ = '''        gn = 0.0
        tiny = False  # a component below 2**-510 in magnitude, not zero
        if flushed:  # (a step not flushed: the sum as written, no check)
            for j in range(n):
                tiny = tiny or (g[j] != 0.0 and abs(g[j]) < 2.983336292480083e-154)
        if tiny:  # (else no square is below 2**-1020: the sum as written)
            if not direct:  # (one row, the cost its value: still set since the step)
                ''' + _FTZ_ON + '''
            first = 0.0  # the first nonzero partial sum
            for j in range(n):
                gn += g[j] * g[j]
                if first == 0.0:
                    first = gn
            ''' + _FTZ_OFF + '''
        elif flushed and direct:
            ''' + _FTZ_OFF + '''
        if not tiny or first < n * 4.0083367200179456e-292:  # (not provably the IEEE sum)
            gn = 0.0
            for j in range(n):
                gn += g[j] * g[j]
        flushed = False'''


def flush_step() -> bool:
    """Whether the loop's written-out step runs with flush-to-zero (x86-64: the MXCSR
    bit; elsewhere IEEE arithmetic throughout)."""
    import platform

    return platform.machine().lower() in ("x86_64", "amd64")


# the largest gate-angle coefficient or observable coefficient of a flushed step (below)
FLUSH_MAX_COEFF = 1024.0


def flush_bounded(program) -> bool:
    """Whether flushing the step of ``program`` keeps its contract, a value and gradient
    within about ``2**-1022`` times the step's operation count of the IEEE ones (stop 61).
    A flushed result is 0.0 instead of a number below ``2**-1022``; the gates' entries and
    the amplitudes are at most 1 in magnitude, so that error grows only by the factors
    the step multiplies it with afterwards: the gate angles' coefficients (the chain
    rule's) and the observable's. Flushed only where every gate parameter is affine in
    the inputs (``a * x_j + b``, the data's likewise) with ``|a|`` and every observable
    coefficient at most :data:`FLUSH_MAX_COEFF` (an amplification of at most ``2**20``),
    and no gate reads its matrix from the data: any other classical processing may
    multiply a flushed number by anything (``RY(1e300 * x**2)`` at ``x = 1e-161``: the
    flushed square 0.0 made the derivative 0 instead of -1.9e117). Elsewhere the step runs
    in IEEE arithmetic, exact and only slower in the subnormal window."""
    bound = FLUSH_MAX_COEFF
    return (not program.code and not program.mdata
            and all(abs(row[3]) <= bound for row in program.affine)
            and all(abs(float(c)) <= bound for c in program.ch0)
            and all(abs(float(c)) <= bound for row in program.c0 for c in row))


_WRITTEN = '''# the step written out ({what}): every amplitude a local, no allocation, no checks
@njit(cache=True, error_model="numpy")  # as the circuit module's prepare
def _q_step(x, d, out, jac):
{body}
'''

# a written-out step of more arithmetic operations than this is not made (numba compiles
# each operation on its own, about 1.5 ms each: docs/design.md "Tiny circuits written out");
# the adjoint's written-out walk (qsym._emit's, the kernels' bits) is a tenth longer than
# the loop's own former one (1074 operations for a two-wire circuit of four gates)
STEP_MAX_OPS = 1200


@REGISTRY.memo(maxsize=256)
def _shifted_body(variant: tuple, pos: int, shift: float) -> tuple[str, ...] | None:
    """The stored entries of the gate ``variant`` with parameter ``pos`` shifted by
    ``shift`` (multiplier 1), printed with the sines and cosines of the angle sums expanded
    (``cos(a + s) = cos a cos s - sin a sin s``, ``s`` exact where it is a rational
    multiple of pi): the shifted matrix reuses the unshifted gate's sines and cosines
    (numba computes ``math.cos`` of one value once), so a shift term costs a few products
    instead of two calls of the sine and the cosine (the seed: 12 calls a step -> 4).
    The same matrix up to rounding. None for a structured gate (many wires)."""
    import sympy as sp

    from . import _emit as emit
    from ._gates import gate_def, structured

    name, num_wires, hyper = variant
    row = gate_def(name)
    params = sp.symbols(f"p0:{row.num_params}", real=True)
    if structured(name, num_wires, hyper, params) is not None:
        return None
    exact = sp.nsimplify(shift, [sp.pi])
    s = exact if float(exact) == shift else sp.Float(shift, 17)
    mat = row.sympy_matrix(params, num_wires, hyper).subs(params[pos], params[pos] + s)
    mat = mat.applyfunc(lambda e: sp.expand_trig(sp.expand_complex(e)))
    return emit.print_gate_body(row, params, mat, None, row.structure, [])


def _written_shift(circuit, program) -> list[str]:
    """The circuit module's written-out ``fused_value_and_grad_into`` without its checks
    (:func:`qsym._emit.unrolled_functions`), the shifted gates' matrices from the
    unshifted ones' sines and cosines (:func:`_shifted_body`): the same circuits in the
    same order, the shifted matrices equal up to rounding (tested to 1e-12)."""
    from . import _emit as emit

    p = program
    head, mats, smats = emit.unrolled_prepare(circuit, p, checks=False)
    smats = []
    for t, k in enumerate(p.term_op):
        if p.term_zero[t]:
            continue
        prefix = f"_q_s{t}_"

        def names(i, o=p.term_off[t]):
            return emit.local("_q_S", o + i)
        q = p.term_pos[t]
        body = None
        if p.term_mult[t] == 1.0:
            body = _shifted_body(circuit.ops[k].variant, q, float(p.term_shift[t]))
        smats += [f"{prefix}p{j} = _q_th{p.op_poff[k] + j}" for j in range(p.op_np[k])]
        if body is None:  # the module's form: the gate code at the shifted parameter
            smats += emit.shifted_parameter(p, t, f"{prefix}p{q}")
            body = emit.gate_body(*circuit.ops[k].variant)
        smats += emit.renamed(body, prefix, names)
    walk = emit.Walk(p)
    e = walk.measure(walk.run(walk.zero, 0))
    walk.finish(e, walk.shifts(e))
    return head + mats + smats + walk.u.lines


# the arithmetic drop_zero_starts reads through (+, - and * of names and numbers)
_SUM_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Add,
              ast.Sub, ast.Mult, ast.USub)


def drop_zero_starts(lines: list[str]) -> list[str]:
    """The loop's written-out adjoint step (straight-line ``target = expression`` lines)
    without the leading literal ``0.0 +`` of the sums it keeps in locals that no output's
    sum starts from: ``_q_v = 0.0 + a * b`` is ``_q_v = a * b``, the same number unless
    it is an exact zero (``+0.0`` then, ``-0.0`` perhaps now), and an addition fewer on
    the chain of dependent operations whose latency a gradient-descent loop waits for
    (the circuit module keeps them: qsym._emit's code and its cache keys are unchanged).
    A local read by anything but ``+``, ``-`` and ``*`` (a call, a division) keeps its
    ``0.0``; so does one that an output's sum starts from (directly or through locals);
    and the lines come back unchanged unless every ``out[...]`` and ``jac[...]`` stored
    is still a sum from the literal ``0.0``: such a sum's partial sums are never
    ``-0.0``, so every output keeps its bits (finite numbers: ``x + (+-0.0) == x``, and a
    product of a zero is a zero), as qsym._emit.fold_zero_terms argues.

    >>> drop_zero_starts(["_q_v1 = 0.0 + _q_a * 2.0", "_q_v2 = 0.0 + _q_v1 * _q_b",
    ...                   "jac[0, 0] = _q_v2"])
    ['_q_v1 = _q_a * 2.0', '_q_v2 = 0.0 + _q_v1 * _q_b', 'jac[0, 0] = _q_v2']
    """
    def first_term(tree):  # the leftmost term of a sum (the tree itself if none)
        while isinstance(tree, ast.BinOp) and isinstance(tree.op, (ast.Add, ast.Sub)):
            tree = tree.left
        return tree

    def literal_zero(tree):
        return isinstance(tree, ast.Constant) and type(tree.value) is float and tree.value == 0.0

    def arithmetic(tree):
        return all(isinstance(n, _SUM_NODES) or (isinstance(n, ast.Constant) and type(
            n.value) in (int, float)) for n in ast.walk(tree))

    parsed = []
    for line in lines:
        target, eq, rhs = line.partition(" = ")
        if not eq or not (target.startswith(("_q_", "out[", "jac["))):
            return list(lines)
        try:
            parsed.append((target, parse(rhs, mode="eval").body))
        except SyntaxError:
            return list(lines)
    outputs = {t for t, _ in parsed if t.startswith(("out[", "jac["))}
    keep = set()  # locals an output's sum starts from, or read by more than + - *
    for target, tree in reversed(parsed):
        if not arithmetic(tree):
            keep.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
        lead = first_term(tree)
        if (target in outputs or target in keep) and isinstance(lead, ast.Name):
            keep.add(lead.id)
    result, from_zero = [], set()  # from_zero: locals that are sums from the literal 0.0
    for line, (target, tree) in zip(lines, parsed):
        if (target not in keep and target not in outputs and arithmetic(tree)
                and isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Add)
                and literal_zero(tree.left)):
            tree = tree.right
            line = f"{target} = {ast.unparse(tree)}"
        lead = first_term(tree)
        if literal_zero(lead) or (isinstance(lead, ast.Name) and lead.id in from_zero):
            from_zero.add(target)
        else:
            from_zero.discard(target)
        if target in outputs and target not in from_zero:
            return list(lines)  # an output whose zero's sign could differ: as it was
        result.append(line)
    return result


def step_form(entry, method: str) -> tuple[str, list[str] | None]:
    """``(form, lines)``: the loop's step for the compiled circuit ``entry`` by ``method``:
    ``("written out", lines)`` for a tiny circuit with one expectation value (at most
    :data:`STEP_MAX_OPS` operations); ``("kernels, blocked", None)`` for the adjoint
    method from ``kernels.BLOCK_MIN_WIRES`` wires (the circuit module's entry point, in
    blocked passes); ``("kernels, sweep", lines)`` for the adjoint method of one
    expectation value on at most :data:`SWEEP_MAX_OPS` ops (the kernels' sweep written
    out op by op: :func:`_sweep_lines`); else ``("kernels", None)``."""
    from . import _emit as emit
    from ._program import lower

    if method == "adjoint" and entry.circuit.num_wires >= kernels.BLOCK_MIN_WIRES:
        return "kernels, blocked", None
    program = lower(entry.circuit, entry.plan)
    if (program.num_outputs == 1 and program.num_lin == 1 and not program.probs
            and emit.writable(program)):
        if method == "adjoint":  # the circuit module's written-out adjoint: its bits
            lines = emit.adjoint_lines(entry.circuit, program, checks=False,
                                       max_ops=STEP_MAX_OPS)
            # (its chain of dependent operations an addition shorter where a local's sum
            # starts from 0.0: the same outputs, bit for bit; the seed 34.6 -> 32.6 ns)
            lines = None if lines is None else drop_zero_starts(lines)
        else:
            lines = _written_shift(entry.circuit, program)
            # the same circuits written out as before (the count of the whole lines), without
            # their products by a literal zero (the same bits; the seed's step 291 -> 143
            # operations, 36 -> 29 ns: benchmarks/bench_adjoint_step.py)
            if emit.arithmetic(lines) > STEP_MAX_OPS:
                lines = None
            else:
                lines = emit.fold_zero_terms(lines)
        if lines is not None and emit.arithmetic(lines) <= STEP_MAX_OPS:
            return "written out", lines
    if (method == "adjoint" and program.num_outputs == 1 and program.num_lin == 1
            and not program.probs and program.num_ops <= SWEEP_MAX_OPS):
        return "kernels, sweep", _sweep_lines(program)
    return "kernels", None


# the loop modules made in this process, by (circuit module, method): the least recently
# used forgotten past LOOPS_MAX (numba keeps each module's code; made again, or loaded from
# its disk cache, if used again); the lock makes one at a time
LOOPS_MAX = 128
_loops = cache.Memo(LOOPS_MAX)
_loops_lock = new_lock()


def loop_source(entry, method: str, module: str | None = None) -> str:
    """The source of the loop module for the compiled circuit ``entry`` and ``method``
    (``"parameter-shift"`` or ``"adjoint"``). Kept as a record in the cache folder: a
    written-out step is printed with sympy (about 0.5 s in a new process, the most of a
    cached loop's start-up otherwise); the key holds everything the text depends on (the
    circuit module's name is the hash of its source)."""
    import sympy

    from . import _emit as emit
    from . import _linecode as linecode
    from . import _loop_update as loop_update

    name = circuit_module_name(entry)
    key = "\n".join([
        "qsym-loop-source 1", f"qsym {__version__}", f"imports from {module}",
        f"_minimize.py {cache.file_digest(__file__)}",
        f"_emit.py {cache.file_digest(emit.__file__)}",
        f"line intrinsic {emit.LINE_INTRINSIC} {linecode.SOURCE_HASH}",
        f"sympy {sympy.__version__}", f"circuit {name}", f"method {method}",
        f"step max ops {STEP_MAX_OPS}", f"sweep max ops {SWEEP_MAX_OPS}",
        f"flush {flush_step()}",
        f"kernel table {kernel_table.enabled()} {kernel_table.SOURCE_HASH}",
        f"update {loop_update.SOURCE_HASH}",
    ])
    source = cache.load_record("loop-source", key)
    if (isinstance(source, str) and source.startswith('"""qsym ')
            and f"circuit: {name} (step: " in source):
        return source
    source = _make_loop_source(entry, method, module)
    cache.save_record("loop-source", key, source)
    return source


def circuit_module_name(entry) -> str:
    """The name of the circuit's generated module, the loop's key and what its text
    imports from. A circuit on the interpreter tier (:mod:`qsym._interp`) has its module's
    text made here: its name is the hash of that text, the same in every process, so a
    loop compiled by an earlier process is found on disk (the interpreter's own name is
    per process and kept nowhere)."""
    module = entry.module
    if getattr(module, "interpreted", lambda: False)():
        module.source()
    return module.__name__


def loop_imports(source: str, module: str) -> tuple[str, ...]:
    r"""The names a loop module's source imports from ``module`` (what an exported circuit
    module must carry for it: :mod:`qsym._distributed`).

    >>> loop_imports("from m import a as _q_a\nfrom n import b\nfrom m import c", "m")
    ('a', 'c')
    """
    import ast

    return tuple(alias.name for node in parse(source).body
                 if isinstance(node, ast.ImportFrom) and node.module == module
                 for alias in node.names)


def _make_loop_source(entry, method: str, module: str | None = None) -> str:
    """The loop module's text; ``module``: the one module its imports come from (the
    circuit module's and the kernels' names, as an exported module carries them), else
    the circuit module and :mod:`qsym._kernels`."""
    from . import _emit as emit
    from . import _loop_update as loop_update
    from ._emit import indent
    from ._program import lower

    name = circuit_module_name(entry)
    form, lines = step_form(entry, method)
    if form == "kernels, sweep" and module is not None:
        # an export carries the kernels its circuit runs, not the sweep's: the kernels'
        # step (the same bits)
        form, lines = "kernels", None
    if form == "kernels, sweep":
        imports, setup, call = (part.format(module=name, kernels=kernels.__name__,
                                            n=entry.circuit.num_wires) for part in _SWEEP_STEP)
        step = "\n".join(lines) + "\n" + _SWEEP_CHAIN
    elif lines is not None:
        imports, setup, call = "", "", "_q_step(y, d, out, jac)"
        if module is None:  # its plain arithmetic lines as one intrinsic each (qsym._linecode;
            # the same bits); an export's loop keeps them as written (the export carries
            # the intrinsic only where its own circuit code calls it)
            lines = emit.line_calls(lines)
            imports = emit.line_import("\n".join(lines)).rstrip("\n")
        step = _WRITTEN.format(what=method, body=indent(lines))
    else:
        imports, setup, call = _KERNEL_STEP[
            "adjoint, blocked" if form == "kernels, blocked" else method]
        imports = imports.format(module=module or name, kernels=module or kernels.__name__)
        if module is None and "_q_adjoint_step_into" in imports and kernel_table.enabled():
            # the adjoint step through the kernel library's table of pointers: run does not
            # link the adjoint kernel (issue #17); an export's loop links its carried one
            imports += ("\nfrom qsym._kernel_table import through_table as _q_through_table"
                        "\n_q_adjoint_step_into = _q_through_table(_q_adjoint_step_into)")
        step = ""
    norm = _NORM
    if (lines is not None and flush_step()
            and flush_bounded(lower(entry.circuit, entry.plan))):
        # the step in this thread alone: flushed (_FPENV)
        step = _FPENV + "\n" + step
        setup = (setup + "\n" if setup else "") + _FTZ_SETUP
        call = _FTZ_CALL.format(call=call)
        norm = _NORM_FTZ
    # the optimizer's update: imported, compiled once (an export's loop carries its text)
    update = loop_update.IMPORT if module is None else loop_update.carried_text()
    return _LOOP_TEMPLATE.format(version=__version__, module=name,
                                 step_form=f"{form}, {method}", imports=imports,
                                 update=update, step_def=step, setup=setup, call=call,
                                 norm=norm)


def _loop_module(entry, method):
    """The loop module for the circuit ``entry`` and ``method`` (written, imported and
    numba-compiled or loaded from numba's cache on first use)."""
    key = (circuit_module_name(entry), method)
    mod = _loops.get(key)
    if mod is not None:
        return mod
    with _loops_lock:
        mod = _loops.get(key)
        if mod is None:
            tiers.loaded(entry.module)  # the module it may import, by name
            mod = cache.load_module(loop_source(entry, method))
            # compile (or load) now, with no step run, so that the run's timing is clean
            mod._q_compile()
            _loops.put(key, mod)
    return mod


def loop_module(entry, method):
    """The compiled loop module of circuit ``entry`` and ``method`` (``"adjoint"``,
    ``"parameter-shift"``), compiled now or loaded from numba's cache (:func:`_loop_module`):
    ``qsym warmup`` compiles the kernels it links this way (``_cli.warmup_extra``)."""
    return _loop_module(entry, method)


# --- the loop's tiers -------------------------------------------------------------------
# As a circuit's calls (qsym._tiers), a new circuit's loop first runs as plain Python: the
# loop module's own text without @njit (tiers.python_namespace), the same operations in
# the same order, so the same bits as the compiled loop. A written-out step is part of
# that text; the kernels' step is the circuit's own entry point on its current tier
# (entry.value_and_grad or value_and_grad_adjoint: the bits of the module's fused entry
# point and of kernels.adjoint_step_into, tested). Once a loop has taken
# tiers.COMPILE_AFTER_SECONDS of Python time, a background process compiles the loop
# module (tiers.Job) and a thread of this process loads it and swaps it in between two
# chunks of steps; QSYM_TIER=compiled compiles at once, QSYM_TIER=python never.
_KERNEL_CALL = "_q_step(y, d, out, jac)"


class Loop:
    """The optimization loop of the compiled circuit ``entry`` by ``method`` on its tiers:
    ``python`` (the loop module's text run as plain Python, nothing compiled for the
    circuit), then ``compiled`` (the numba loop module, compiled off the caller's path).
    :meth:`call` runs steps on the current tier; both give the same bits.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.RY(x[0], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> entry, _, _ = c.compiled((np.array([0.3]),), {}, diff=(0,))
    >>> loop = Loop(entry, "parameter-shift")
    >>> x, cost, gnorm, z = np.array([0.3]), np.zeros(3), np.zeros(3), np.zeros(1)
    >>> hp = np.array([0.5, 0, 0, 0, 0, 0])
    >>> (done, status), tier = loop.call(x, np.zeros((1, 0)), z, 0, 0, hp, z, z, 0, 2, True,
    ...                                  0.0, cost, gnorm)
    >>> int(done), int(status), bool(abs(cost[0] - np.cos(0.3)) < 1e-15)
    (2, 0, True)
    """

    def __init__(self, entry, method: str):
        self.entry, self.method = entry, method
        self.key = (circuit_module_name(entry), method)
        self.source = loop_source(entry, method)
        self.mod = _loops.get(self.key)
        self.seconds = 0.0  # Python time spent on tier 0 (the promotion clock)
        self.job = None
        self._lock = new_lock()
        how = tiers.mode()
        self.promoted = how == "python" or self.mod is not None
        self._python = None
        if self.mod is None and how == "compiled":
            self.mod = _loop_module(entry, method)
        elif self.mod is None and how == "auto" and self._on_disk():
            # an earlier process compiled it: tier 0 answers while a thread loads it from
            # numba's disk cache (tens of ms, after the process's first answer)
            self.promoted = True
            z = np.zeros(0)
            self.job = tiers.load_in_background(entry.module, self._load_cached, z, z,
                                                lambda: None)

    def _on_disk(self) -> bool:
        """The loop module's file is in the cache folder (written when a process loaded it
        to compile it)."""
        try:
            return cache.enabled() and (
                cache.cache_dir() / f"{cache.module_name(self.source)}.py").is_file()
        except OSError:
            return False

    def _load_cached(self) -> list:
        """In the loading thread (tiers.load_in_background): the compiled loop, if numba's
        disk cache holds it for this machine, loaded and swapped in; else tier 0 goes on
        (and is promoted as a new loop's). No circuit entry point to load: ``[]``."""
        try:
            tiers.loaded(self.entry.module)  # the module a kernels' step imports by name
            mod = cache.load_module(self.source)
            magic = mod.run.targetctx.codegen().magic_tuple()
            found = any(key[1] == magic for key in mod.run._cache._cache_file._load_index())
        except Exception:  # noqa: BLE001 - no cache, another layout: not cached
            found = False
        if found:
            mod = _loop_module(self.entry, self.method)
            with self._lock:
                self.mod = mod
        else:
            with self._lock:
                self.promoted = False
        return []

    @property
    def tier(self) -> str:
        """``"compiled"`` or ``"python"``."""
        return "python" if self.mod is None else "compiled"

    def _python_run(self):
        """The loop module's ``run`` as plain Python (made at first use)."""
        if self._python is None:
            from . import _loop_update as loop_update

            name = f"{self.key[0]}_loop_python"
            if "\ndef _q_step(" in self.source:  # a written-out step: the text as it is
                ns = tiers.python_namespace(self.source, name)
            else:  # the kernels' step: the circuit's entry point, on its own tier
                ns = tiers.python_namespace(_LOOP_TEMPLATE.format(
                    version=__version__, module=self.key[0], imports="", setup="",
                    update="", step_form=f"kernels, {self.method}", step_def="",
                    call=_KERNEL_CALL, norm=_NORM),
                    name)
                ns["_q_step"] = _entry_step(self.entry, self.method)
            ns.update(loop_update.plain())  # the update as plain Python: the same bits
            self._python = ns["run"]
        return self._python

    def call(self, x, D, Y, loss, kind, hp, s1, s2, k0, k1, finish, tol, cost, gnorm):
        """``((steps done, status), tier)``: the loop's ``run`` (the template's arguments)
        on the current tier."""
        args = (x, D, Y, loss, kind, hp, s1, s2, k0, k1, finish, tol, cost, gnorm)
        mod = self.mod
        if mod is not None:
            return mod.run(*args), "compiled"
        saved = (x.copy(), s1.copy(), s2.copy())
        t = tiers.clock()
        try:
            # the circuit's calls here do not promote it: the loop's compile serves it
            with self.entry.held():
                out = self._python_run()(*args)
        except Exception as exc:  # Python raises where numba gives inf or nan: compiled
            if not tiers.is_python_semantics_error(exc):
                raise
            x[:], s1[:], s2[:] = saved
            return self._compile_here("a singular point of the classical processing"
                                      ).run(*args), "compiled"
        self._tick(tiers.clock() - t, x, D[0])
        return out, "python"

    def _tick(self, seconds, x, d):
        self.seconds += seconds
        if not self.promoted and self.seconds >= tiers.COMPILE_AFTER_SECONDS:
            self._promote(x, d)

    def _promote(self, x, d):
        """Compile the loop module in the background (or here, without a disk cache). A
        kernels' step calls the circuit's entry points: one job compiles those the circuit
        has used (it is moved to them) and the loop module, which imports them."""
        with self._lock:
            if self.promoted:
                return
            self.promoted = True
            # the loop module imports the circuit's (or writes its step out): a circuit
            # too large for a promotion (minutes of numba) keeps its loop on tier 0 too
            too_large = (tiers.too_large_to_compile(self.entry.source)
                         or tiers.too_large_to_compile(self.source))
            if too_large is not None:
                logger.info("%s: its %s loop stays on tier 0, not compiled: %s",
                            self.key[0], self.method, too_large)
                return
            if not tiers.background_possible(self.entry.module):
                tiers.say_compiling_here(
                    "an optimization loop; the disk cache is off or not writable "
                    "(QSYM_CACHE=0, QSYM_CACHE_DIR), so it cannot be compiled in the background")
                self.mod = _loop_module(self.entry, self.method)
                return
            joined = None
            if "\ndef _q_step(" not in self.source:  # (a written-out step calls no entry)
                joined = self.entry.join_compile(x, d)
            names, circuit_done = joined if joined is not None else ([], None)
            self.job = tiers.Job(self.entry.module, self.entry.source, names, x, d,
                                 lambda ok, err: self._swap(ok, err, circuit_done),
                                 modules=[self.source])
            self.job.start()
            logger.debug("%s: background compile of its %s loop started%s", self.key[0],
                         self.method, f" (with {', '.join(names)})" if names else "")

    def _swap(self, ok, err, circuit_done=None):
        """In the job's thread: move the circuit to what the job compiled for it (if it
        joined), load the loop the other process compiled (or compile it here if that
        failed) and move the runs to it."""
        if not ok:
            logger.warning("qsym: the background compile of an optimization loop failed; "
                           "compiling it in this process instead: %s", err)
        if circuit_done is not None:
            circuit_done(ok, err)
        mod = _loop_module(self.entry, self.method)
        with self._lock:
            self.mod = mod

    def _compile_here(self, why):
        with self._lock:
            self.promoted = True
        if self.mod is None:
            tiers.say_compiling_here(why)
            mod = _loop_module(self.entry, self.method)
            with self._lock:
                self.mod = mod
        return self.mod

    def wait(self, timeout=None) -> str:
        """Wait for a started background compile to be swapped in; the tier."""
        job = self.job
        if job is not None:
            job.join(timeout)
        return self.tier


def _entry_step(entry, method):
    """The kernels' step on tier 0: ``step(x, d, out, jac)`` by the circuit's own entry
    point on its current tier (every tier the same bits)."""
    name = "value_and_grad_adjoint" if method == "adjoint" else "value_and_grad"

    def step(x, d, out, jac):
        o, j = getattr(entry, name)(x, d)  # (the entry's tier may change between calls)
        out[0] = o[0]
        jac[0] = j[0]

    return step


TIERED_MAX = 256  # loops kept (each holds its compiled circuit, for its Python tier)
_tiered = cache.Memo(TIERED_MAX)  # the least recently used forgotten (made again if used)
_tiered_lock = new_lock()


def loop(entry, method: str) -> Loop:
    """The :class:`Loop` of the compiled circuit ``entry`` by ``method`` (one per circuit
    module and method in a process).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=1), diff_method="adjoint")
    ... def c(x):
    ...     qml.RX(x[0], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> entry, _, _ = c.compiled((np.array([0.3]),), {}, diff=(0,))
    >>> loop(entry, "adjoint") is loop(entry, "adjoint"), loop(entry, "adjoint").method
    (True, 'adjoint')
    """
    key = (circuit_module_name(entry), method, STEP_MAX_OPS, SWEEP_MAX_OPS)
    found = _tiered.get(key)
    if found is None:
        with _tiered_lock:
            found = _tiered.get(key)
            if found is None:
                found = Loop(entry, method)
                _tiered.put(key, found)
    return found


# --- the result -----------------------------------------------------------------------
@dataclass
class OptimizeResult:
    """What :func:`minimize` returns.

    Attributes:
        x: the final parameters (shape of ``x0``).
        fun: the objective at ``x``.
        nit: optimizer steps taken.
        cost_history: the objective before each step and at the end (``nit + 1``
            values; ``cost_history[-1] == fun``). For Nesterov momentum, entries before a
            step are at the look-ahead point where the gradient is taken, as in
            PennyLane's ``step_and_cost``.
        grad_norm_history: the gradient's Euclidean norm at the same points.
        converged: whether the gradient norm fell below ``tol``.
        compiled: whether the steps ran in compiled code (else a Python loop;
            ``message`` says why).
        message: how the run ended, and which loop ran it.
        method: the QNode's differentiation method, or ``"python"``.
        compile_time, run_time, time: seconds spent tracing and compiling (or loading
            from the cache), in the steps, and in total.
        tier: where the compiled loop's steps ran: ``"python"`` (a new circuit's loop
            first runs as plain Python, the same bits: docs/optimization.md, "The first
            steps"), ``"compiled"``, or ``"python, then compiled"`` (swapped between
            chunks of steps); ``""`` for a Python loop.
        interrupted: whether Ctrl-C (SIGINT) stopped the run early. The result then
            holds the steps done so far (``nit`` of them; ``x``, ``fun`` and the
            histories exactly as a run with ``steps=nit`` would give) and ``message``
            says so.

    With ``multistart=True`` the fields are per start: ``x`` has shape
    ``(n_starts, *shape)``, ``fun``, ``nit``, ``converged`` are arrays, the histories are
    lists of arrays; ``result[i]`` is start ``i``'s own result and ``result.best`` the
    start with the lowest final cost.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def bloch(x):
    ...     qml.RY(x[0], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> res = qml.minimize(bloch, [0.3], optimizer=qml.GradientDescentOptimizer(0.5), steps=60)
    >>> isinstance(res, qml.OptimizeResult), len(res.cost_history), res.interrupted
    (True, 61, False)
    """

    x: np.ndarray
    fun: object
    nit: object
    cost_history: object
    grad_norm_history: object
    converged: object
    compiled: bool
    message: str
    method: str
    optimizer: str
    compile_time: float = 0.0
    run_time: float = 0.0
    time: float = 0.0
    multistart: bool = False
    interrupted: bool = False
    tier: str = ""
    _extra: dict = field(default_factory=dict, repr=False)

    @property
    def steps_per_second(self) -> float:
        """Optimizer steps per second of ``run_time`` (all starts together)."""
        steps = int(np.sum(self.nit))
        return steps / self.run_time if self.run_time > 0 else float("inf")

    def __len__(self):
        if not self.multistart:
            raise TypeError("a single-start result has no len(); multistart results do")
        return len(self.fun)

    def __getitem__(self, i) -> "OptimizeResult":
        if not self.multistart:
            raise TypeError("only multistart results are indexed by start")
        return OptimizeResult(
            x=self.x[i], fun=float(self.fun[i]), nit=int(self.nit[i]),
            cost_history=self.cost_history[i], grad_norm_history=self.grad_norm_history[i],
            converged=bool(self.converged[i]), compiled=self.compiled,
            message=self.message, method=self.method, optimizer=self.optimizer,
            compile_time=self.compile_time, run_time=self.run_time, time=self.time,
            interrupted=self.interrupted,
        )

    @property
    def best(self) -> "OptimizeResult":
        """The start with the lowest final cost (the result itself for a single start)."""
        if not self.multistart:
            return self
        return self[int(np.argmin(self.fun))]

    def __repr__(self):
        if self.multistart:
            fun = f"min {np.min(self.fun):.10g} over {len(self.fun)} starts"
        else:
            fun = f"{self.fun:.10g}"
        return (
            f"OptimizeResult(fun={fun}, nit={self.nit if not self.multistart else [int(n) for n in self.nit]}, "
            f"converged={self.converged if not self.multistart else int(np.sum(self.converged))}"
            f"{'' if not self.multistart else '/' + str(len(self.fun))}, "
            f"compiled={self.compiled}, optimizer={self.optimizer}, method={self.method}, "
            f"time={self.time:.3g} s)\n  message: {self.message}"
        )

    def plot(self, ax=None, log=None):
        """Cost vs step (all starts for a multistart result) with matplotlib; returns the
        axes. ``log=True`` plots ``cost - min(cost)`` on a log scale (None: linear).
        Needs matplotlib: ``pip install 'qsym[plot]'``."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError(
                "OptimizeResult.plot() needs matplotlib, an optional extra of qsym: "
                "pip install 'qsym[plot]' (or pip install matplotlib)"
            ) from exc
        if ax is None:
            _, ax = plt.subplots()
        histories = self.cost_history if self.multistart else [self.cost_history]
        floor = min(float(np.min(h)) for h in histories) if log else 0.0
        for i, h in enumerate(histories):
            y = np.asarray(h) - floor if log else np.asarray(h)
            label = f"start {i}" if self.multistart else None
            ax.plot(np.arange(len(h)), y, label=label)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("cost - min" if log else "cost")
        ax.set_title(f"{self.optimizer}, {'compiled' if self.compiled else 'Python'} loop")
        if self.multistart and len(histories) <= 10:
            ax.legend()
        return ax


# --- progress -------------------------------------------------------------------------
class _Progress:
    """``minimize``'s progress bar: :mod:`tqdm.auto` on stderr (a widget in Jupyter, a
    text bar in a terminal). It shows the compile phase ("minimize: compiling") before the
    first step, then the steps done (all starts together), the rate, an ETA and the cost:
    the lowest over the starts in a multistart run ("best cost"). Redrawn at most every
    0.1 s, and only between chunks of compiled steps (never inside the loop)."""

    def __init__(self, total, enabled, multistart=False):
        self.total = max(int(total), 1)
        self.enabled = bool(enabled)
        self.label = "best cost" if multistart else "cost"
        self.bar = None
        if self.enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, desc="minimize: compiling", unit="step",
                            file=sys.stderr, dynamic_ncols=True, mininterval=0.1, leave=True)
            self.bar.refresh()

    def start(self, compiled=True):
        """The loop starts: the description says which loop, the timer (for the rate and
        the ETA) restarts."""
        if self.bar is not None:
            self.bar.set_description("minimize" if compiled else "minimize (Python loop)",
                                     refresh=False)
            self.bar.reset(total=self.total)

    def _postfix(self, cost, gnorm):
        if cost is not None:
            self.bar.set_postfix({self.label: f"{cost:.8g}", "|grad|": f"{gnorm:.3g}"},
                                 refresh=False)

    def update(self, done, cost=None, gnorm=None, force=False):
        if self.bar is None:
            return
        self._postfix(cost, gnorm)
        self.bar.update(int(done) - self.bar.n)
        if force:
            self.bar.refresh()

    def close(self, done=None, cost=None, gnorm=None, interrupted=False):
        """The final line (idempotent: a second call does nothing)."""
        if self.bar is None:
            return
        if done is not None:
            if not interrupted:  # converged early: the run is complete, the bar full
                self.bar.total = max(int(done), 1)
            self.update(done, cost, gnorm)
        if interrupted:
            self.bar.set_description("minimize: interrupted", refresh=False)
        self.bar.close()
        self.bar = None


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (stderr there is not a terminal, and tqdm
    draws a widget)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # pragma: no cover
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress_enabled(progress) -> bool:
    if progress is None:
        try:
            return sys.stderr.isatty() or _in_notebook()
        except (AttributeError, ValueError):
            return False
    return bool(progress)


# signal's own functions wrap every number and handler in an enum (about 3-8 us a call,
# three calls a run: a third of a short run's fixed cost); _signal is what they call
try:
    import _signal as _signals
except ImportError:  # pragma: no cover (not CPython)
    _signals = signal
_SIGINT = int(signal.SIGINT)


class _Interrupt:
    """Ctrl-C during the steps. The first SIGINT only sets ``hit``: the loop stops at the
    end of the current chunk of compiled steps (or the current Python step), so that
    ``x``, the accumulators and the histories are consistent, and ``minimize`` returns
    the partial result with ``interrupted=True``. A second SIGINT raises
    ``KeyboardInterrupt`` at once. The handler is installed only in the main thread
    (the only one Python delivers signals to) and the previous one restored after."""

    def __init__(self):
        self.hit = False
        self._old = None
        self._installed = False

    def _handler(self, signum, frame):
        if self.hit:
            raise KeyboardInterrupt
        self.hit = True
        logger.debug("minimize: interrupt received; stopping after the current chunk")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                old = _signals.getsignal(_SIGINT)
                if old != _signals.SIG_IGN and old is not None:
                    _signals.signal(_SIGINT, self._handler)
                    self._old, self._installed = old, True
            except (ValueError, TypeError, OSError):  # pragma: no cover
                pass
        return self

    def __exit__(self, *exc):
        if self._installed:
            _signals.signal(_SIGINT, self._old)
            self._installed = False
        return False


# --- arguments ------------------------------------------------------------------------
def _rows(data, targets, loss):
    """``(rows, targets, loss code, loss name)`` from the data-set arguments: rows is None
    without a data set, else a list of keyword dicts, one per example."""
    if loss is None:
        loss = "square" if targets is not None else "mean"
    if not isinstance(loss, str) or loss not in _LOSSES:
        raise ArgumentError(
            f"loss must be one of {', '.join(map(repr, _LOSSES))} (got {loss!r}); for another "
            "loss, write a cost function (it then runs in a Python loop)"
        )
    if data is None:
        if targets is not None:
            raise ArgumentError("targets= needs data= (the inputs, one row per target)")
        if loss == "square":
            raise ArgumentError('loss="square" needs data= and targets=')
        return None, None, _LOSSES[loss], loss
    if not isinstance(data, dict) or not data:
        raise ArgumentError(
            "data= must be a dict {keyword argument name: array with one row per example}"
        )
    arrays = {k: np.asarray(v) for k, v in data.items()}
    lengths = {k: (a.shape[0] if a.ndim else None) for k, a in arrays.items()}
    if any(n is None for n in lengths.values()) or len(set(lengths.values())) != 1:
        raise ArgumentError(
            f"every array in data= needs the same number of rows (first axis); got {lengths}"
        )
    n_rows = next(iter(lengths.values()))
    if n_rows == 0:
        raise ArgumentError("data= has no rows")
    if loss == "square":
        if targets is None:
            raise ArgumentError('loss="square" needs targets= (one value per data row)')
        targets = np.asarray(targets, dtype=float).reshape(-1)
        if targets.shape[0] != n_rows:
            raise ArgumentError(
                f"targets= has {targets.shape[0]} values for {n_rows} data rows"
            )
    elif targets is not None:
        raise ArgumentError('loss="mean" takes no targets=')
    rows = [{k: a[i] for k, a in arrays.items()} for i in range(n_rows)]
    return rows, targets, _LOSSES[loss], loss


# --- minimize -------------------------------------------------------------------------
def minimize(
    fun: Callable[..., Any],
    x0: ArrayLike,
    *,
    optimizer: GradientDescentOptimizer | None = None,
    steps: int = 100,
    tol: float = 0.0,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    data: Mapping[str, ArrayLike] | None = None,
    targets: ArrayLike | None = None,
    loss: str | None = None,
    multistart: bool = False,
    threads: int | None = None, grad_fn: Callable[..., Any] | None = None,
    compiled: bool | None = None, progress: bool | None = None,
    executor: Any = None, shards: int | None = None, timeout: float | None = None,
) -> OptimizeResult:
    """Minimize ``fun(x, *args, **kwargs)`` over ``x`` from ``x0`` with ``optimizer``.

    For a QNode returning one expectation value, every step runs in one compiled loop
    (the QNode's ``diff_method``, parameter shift or adjoint, gives the gradient); for
    anything else the same optimizer runs in a Python loop and ``compiled`` is False.

    Args:
        fun: a QNode, or a Python function of the parameters (calling QNodes).
        x0: the initial parameters (any shape; a list of floats is fine). With
            ``multistart=True``, the first axis indexes starting points.
        optimizer: one of qsym's optimizers (default ``GradientDescentOptimizer()``,
            step size 0.01): its hyperparameters, never its accumulated state (every run
            starts from zero accumulators, as a new optimizer would).
        steps: the maximum number of optimizer steps.
        tol: stop when the gradient's Euclidean norm falls below this (0: never).
        args, kwargs: further arguments of ``fun``, held fixed (data, never optimized).
        data: a data set, ``{keyword argument name: array}`` (row ``i`` of each array is
            that keyword argument for example ``i``): the objective is the mean over the
            rows of ``(fun(x, **row) - target)**2`` (``loss="square"``, the default with
            ``targets``) or of ``fun(x, **row)`` (``loss="mean"``). New data never recompiles.
        targets: one target value per data row.
        loss: ``"square"`` or ``"mean"`` (see ``data``).
        multistart: ``x0``'s first axis indexes starting points, optimized together; the
            result holds one entry per start.
        threads: a multistart run's threads (default: the cores, at most the starts).
        grad_fn: the gradient of ``fun`` as a function of the same arguments (a Python
            loop then runs; by default ``qml.grad(fun, argnum=0)``).
        compiled: ``None`` (compile when possible, else a Python loop), ``True`` (compile or
            raise :class:`qsym.DifferentiationError` with the reason), ``False`` (Python).
        progress: a :mod:`tqdm.auto` bar (stderr, or a Jupyter widget): compile phase,
            steps, ETA, cost (the best start's in a multistart run); ``None``: shown on a
            terminal or in Jupyter, ``True`` always, ``False`` never.
        executor, shards, timeout: on other processes or machines: docs/distributed.md.

    Ctrl-C stops the run at the end of the current chunk of steps and returns the partial
    result (``interrupted=True``); a second Ctrl-C raises ``KeyboardInterrupt`` at once.

    Returns:
        :class:`OptimizeResult`: ``x``, ``fun``, ``nit``, ``cost_history``,
        ``grad_norm_history``, ``converged``, ``compiled``, ``message``, timings, ``plot()``.

    Examples (more: the module's documentation, :mod:`qsym._minimize`; docs/optimization.md):

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def bloch(x):
    ...     qml.RY(x[0], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> res = qml.minimize(bloch, [0.3], optimizer=qml.GradientDescentOptimizer(0.5), steps=60)
    >>> res.compiled, res.nit, round(float(res.x[0]), 6), round(res.fun, 9)  # RY(pi): <Z> = -1
    (True, 60, 3.141593, -1.0)
    """
    t_start = time.perf_counter()
    opt, steps, tol = _checked_options(optimizer, steps, tol)
    _check_natural_gradient(opt, fun, data, executor, shards)
    args, kwargs = tuple(args), dict(kwargs or {})
    if executor is not None or shards is not None or timeout is not None:
        return _on_executor(fun, opt, x0, steps, tol, args, kwargs, data, targets, loss,
                            multistart, grad_fn, compiled, executor, shards, timeout, t_start)
    rows, y, loss_code, loss_name, _, X0, starts, rule, reason = _arguments(
        fun, opt, x0, kwargs, data, targets, loss, multistart, compiled, grad_fn)
    bar = _Progress(steps * len(starts), _progress_enabled(progress), multistart)
    try:
        setup, reason, compile_time = _setup(fun, X0, starts, args, kwargs, rows, y, reason,
                                             compiled, multistart, type(opt).__name__)
        bar.start(compiled=setup is not None)
        with _Interrupt() as stop:
            t0 = time.perf_counter()
            if setup is not None:
                outs = _run_compiled(*setup, y, loss_code, rule, starts, steps, tol, threads,
                                     bar, stop, ran := set())
            else:
                outs = _run_python_starts(fun, opt, starts, args, kwargs, rows, y, loss_name,
                                          grad_fn, steps, tol, bar, stop)
            run_time = time.perf_counter() - t0
        _close_bar(bar, outs, stop.hit)
    finally:
        bar.close()
    return _result(outs, starts[0].shape, multistart, steps, tol, reason, stop.hit,
                   "python" if setup is None else fun.method, type(opt).__name__,
                   compile_time, run_time, time.perf_counter() - t_start,
                   "" if setup is None else _tier_name(ran))


def _close_bar(bar, outs, interrupted):
    """The bar's final line: the steps of all starts, the best start's cost (the first of
    ties)."""
    finals = [float(o[3][-1]) for o in outs]
    best = finals.index(min(finals))
    bar.close(sum(o[1] for o in outs), outs[best][3][-1], outs[best][4][-1], interrupted)


def _tier_name(ran) -> str:
    """The loop's tiers that ran (:attr:`OptimizeResult.tier`)."""
    if ran == {"python", "compiled"}:
        return "python, then compiled"
    return ran.pop() if len(ran) == 1 else ""


def _arguments(fun, opt, x0, kwargs, data, targets, loss, multistart, compiled, grad_fn,
               lazy=False):
    """The data set, the starts and the loop's rule, checked: ``(rows, targets, loss code,
    loss name, number of rows, x0 as an array, starts, rule, reason for a Python loop or
    None)``. ``lazy``: the data are Dask arrays (:func:`_dask_rows`)."""
    if lazy:
        rows, y, loss_code, loss_name, n_rows = _dask_rows(data, targets, loss)
    else:
        rows, y, loss_code, loss_name = _rows(data, targets, loss)
        n_rows = None if rows is None else len(rows)
    if rows is not None and set(rows[0]) & set(kwargs):
        raise ArgumentError(f"{sorted(set(rows[0]) & set(kwargs))} given both in data= and kwargs=")
    X0, starts = _starts(x0, multistart)
    rule = _loop_rule(opt)
    reason = _python_loop_reason(fun, opt, rule, compiled, grad_fn)
    return rows, y, loss_code, loss_name, n_rows, X0, starts, rule, reason


MAX_STEPS = 1 << 32  # 64 GiB of cost history a start: more is a typo, not a run


def _takes_a_gradient(opt) -> bool:
    """Whether ``opt.compute_grad`` takes the objective's gradient as ``grad_fn=`` (the
    gradient optimizers' protocol, which :func:`_run_python` follows; SPSA's and the
    shot-adaptive optimizer's estimate their own)."""
    try:
        params = inspect.signature(opt.compute_grad).parameters
    except (TypeError, ValueError):  # pragma: no cover - a builtin: try it
        return True
    return "grad_fn" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _check_natural_gradient(opt, fun, data, executor, shards) -> None:
    """Raise :class:`ArgumentError` if ``opt`` (a :class:`QNGOptimizer`) cannot run here:
    its metric tensor is the circuit's, at each step, so the objective must be one QNode."""
    if not isinstance(opt, QNGOptimizer):
        return
    name = type(opt).__name__
    if not isinstance(fun, QNode):
        raise ArgumentError(
            f"{name} needs the metric tensor of the circuit, so the objective must be a "
            "QNode; for a cost built from QNodes, run opt.step(cost, x, "
            "metric_tensor_fn=...) yourself")
    if data is not None:
        raise ArgumentError(
            f"{name} with data=: the metric tensor of a data set's mean loss is not the "
            "circuit's; run opt.step yourself, or use a gradient optimizer")
    if executor is not None or shards is not None:
        raise ArgumentError(f"{name} runs in this process only (no executor=, shards=)")


def _checked_options(optimizer, steps, tol):
    """The optimizer (default: plain gradient descent), ``steps`` and ``tol``, checked."""
    opt = GradientDescentOptimizer() if optimizer is None else optimizer
    gradient_protocol = hasattr(opt, "apply_grad") and hasattr(opt, "compute_grad")
    if not gradient_protocol and not callable(getattr(opt, "step", None)):
        raise ArgumentError(
            f"optimizer must be one of qsym's optimizers (e.g. qml.AdamOptimizer()); got {opt!r}"
        )
    if not gradient_protocol or not _takes_a_gradient(opt):
        name = type(opt).__name__
        raise ArgumentError(
            f"qml.minimize cannot run {name}: it hands the optimizer the gradient of the "
            f"objective (compute_grad(..., grad_fn=...), then apply_grad), and {name} "
            f"computes its own update; run its steps yourself (for _ in range(steps): "
            f"x = opt.step(cost, x)), or give qml.minimize one of the gradient optimizers "
            "(e.g. qml.AdamOptimizer())")
    try:  # an int (1.5 steps, "5" or True is not a number of steps)
        if isinstance(steps, bool):
            raise TypeError
        steps = operator.index(steps)
    except TypeError:
        raise ArgumentError(f"steps must be an int, got {steps!r}") from None
    if steps < 0:
        raise ArgumentError(f"steps must be >= 0, got {steps}")
    if steps > MAX_STEPS:  # the compiled loop keeps each step's cost and gradient norm
        raise ArgumentError(
            f"steps={steps} is more than qml.minimize records ({MAX_STEPS}: each step's cost "
            "and gradient norm are kept); give fewer steps, with tol= to stop earlier")
    try:
        if isinstance(tol, bool):
            raise TypeError
        tol = float(tol)
    except (TypeError, ValueError):
        raise ArgumentError(f"tol must be a number >= 0 (0: run every step), got {tol!r}") from None
    if not tol >= 0:
        raise ArgumentError(f"tol must be >= 0 (0: run every step), got {tol}")
    return opt, steps, tol


def _starts(x0, multistart: bool):
    """``x0`` as a float array, and the list of starting points (one without multistart)."""
    try:
        X0 = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(f"x0 must be numbers (floats or an array of them); got {x0!r}") from None
    if multistart:
        if X0.ndim < 1 or X0.shape[0] == 0:
            raise ArgumentError("multistart=True needs x0 of shape (n_starts, ...)")
        starts = [X0[i].copy() for i in range(X0.shape[0])]
    else:
        starts = [X0]
    for s in starts:
        if not np.isfinite(s).all():
            raise ArgumentError(f"x0 contains NaN or infinite values: {s!r}")
    return X0, starts


def _python_loop_reason(fun, opt, rule, compiled, grad_fn) -> str | None:
    """Why the loop cannot be compiled, known before building anything (None: it may be)."""
    if compiled is False:
        return "compiled=False"
    if grad_fn is not None:
        return "a custom grad_fn is called from Python"
    if not isinstance(fun, QNode):
        return (
            f"the objective {getattr(fun, '__name__', type(fun).__name__)!r} is a Python "
            "function, not a QNode; qml.grad of it runs in Python each step"
        )
    if rule is None:
        return f"{type(opt).__name__} is not one of qsym's six optimizers (their exact classes)"
    if fun.method not in ("parameter-shift", "adjoint"):
        return f"diff_method={fun.diff_method!r} has no compiled loop (parameter-shift and adjoint do)"
    if fun.current_shots():  # the QNode's shots (qml.set_shots, shots=None: exact), else the device's
        return "the QNode samples (finite shots); the compiled loop is exact"
    return None


def _setup(fun, X0, starts, args, kwargs, rows, y, reason, compiled, multistart, opt_name):
    """``(setup, reason, compile_time)``: the compiled loop's ``(module, data)`` or None
    with the reason; raises if ``compiled=True`` and there is a reason."""
    setup, compile_time = None, 0.0
    if reason is None:
        t0 = time.perf_counter()
        try:
            setup, reason = _compiled_setup(fun, starts[0], args, kwargs, rows, y)
        except QsymError as exc:
            if multistart or X0.ndim < 2:
                raise
            raise type(exc)(
                f"{exc}\n(x0 has shape {X0.shape}; if its rows are starting points, pass "
                "multistart=True)"
            ) from exc
        compile_time = time.perf_counter() - t0
        logger.debug("minimize: %s loop ready in %.3f s%s", opt_name, compile_time,
                     "" if reason is None else f" (not compiled: {reason})")
    if reason is not None and compiled is True:
        raise DifferentiationError(f"minimize cannot compile this loop: {reason}")
    return setup, reason, compile_time


def _run_python_starts(fun, opt, starts, args, kwargs, rows, y, loss_name, grad_fn, steps,
                       tol, bar, stop) -> list:
    """The Python loop for every start, one after the other."""
    outs, best = [], None
    for i, s in enumerate(starts):
        o = _run_python(fun, opt, s, args, kwargs, rows, y, loss_name, grad_fn, steps, tol,
                        bar, i * steps, stop, best)
        outs.append(o)
        best = o[3][-1] if best is None else min(best, o[3][-1])
    return outs


def _result(outs, shape, multistart, steps, tol, reason, interrupted, method, opt_name,
            compile_time, run_time, total, tier="") -> OptimizeResult:
    """The :class:`OptimizeResult` of the runs ``outs`` (x, nit, converged, costs, norms)."""
    xs = [o[0].reshape(shape) for o in outs]
    nits, convs, costs, norms = ([o[k] for o in outs] for k in (1, 2, 3, 4))
    how = "compiled loop" if reason is None else f"Python loop: {reason}"
    # tol=0 never stops a run: no "converged (gradient norm < 0)"
    crit = f"gradient norm < {tol:g}"
    if multistart:
        message = f"{len(outs)} starts, {sum(nits)} steps in all"
        if tol > 0:
            message += f"; {sum(convs)} converged ({crit})"
        if interrupted:
            message = f"interrupted (Ctrl-C): {message}"
        message += f" ({how})"
    elif convs[0]:
        message = f"converged: {crit} after {nits[0]} steps ({how})"
    elif interrupted:
        message = f"interrupted (Ctrl-C) after {nits[0]} of {steps} steps ({how})"
    else:
        message = f"ran {nits[0]} steps ({how})"
    logger.debug("minimize: %s in %.3f s (%.3f s tracing, compiling or loading, %.3f s in "
                 "the steps%s)", message, total, compile_time, run_time,
                 f"; loop tier: {tier}" if tier else "")
    common = dict(compiled=reason is None, message=message, method=method,
                  optimizer=opt_name, compile_time=compile_time, run_time=run_time,
                  time=total, interrupted=interrupted, tier=tier)
    if multistart:
        return OptimizeResult(
            x=np.stack(xs), fun=np.array([c[-1] for c in costs]), nit=np.array(nits),
            cost_history=costs, grad_norm_history=norms, converged=np.array(convs),
            multistart=True, **common,
        )
    return OptimizeResult(
        x=xs[0], fun=float(costs[0][-1]), nit=nits[0], cost_history=costs[0],
        grad_norm_history=norms[0], converged=convs[0], **common,
    )


def _promoted(value):
    """An integer data value as float64, as NumPy promotes ints (else unchanged)."""
    arr = np.asarray(value)
    return arr.astype(np.float64) if arr.dtype.kind in "iu" else value


def _compiled_setup(node, x, args, kwargs, rows, y):
    """``((loop module, data matrix, work per step), None)``, or ``(None, reason)`` when this
    QNode call cannot run in the compiled loop."""
    if rows is not None:  # integer data rows are data like float ones: promoted
        rows = [{k: _promoted(v) for k, v in row.items()} for row in rows]
    kw0 = dict(kwargs) if rows is None else {**kwargs, **rows[0]}
    call = (x,) + args
    per_call = ("the QNode traces its circuit function at every call ({}): each step runs it "
                "again, as PennyLane's optimizers do")
    if getattr(node, "per_call", None) is not None:
        return None, per_call.format(node.per_call)
    entry, _, ds = node.compiled(call, kw0, diff=(0,))
    if getattr(node, "per_call", None) is not None:  # (it switched at this first call)
        return None, per_call.format(node.per_call)
    if getattr(entry, "broadcast", False):
        raise ArgumentError(
            f"the QNode broadcasts over x0 of shape {x.shape} (it returns a batch of values, "
            "not one cost): pass multistart=True if x0's rows are starting points"
        )
    work = _loop_work(entry, node.method, x.size)
    if isinstance(work, str):
        return None, work
    if rows is None:
        D = flat(ds).reshape(1, -1).copy()
    else:
        d0 = flat(ds)
        D = np.empty((len(rows), d0.shape[0]))
        D[0] = d0
        for i in range(1, len(rows)):
            e, _, ds_i = node.compiled(call, {**kwargs, **rows[i]}, diff=(0,))
            if e is not entry:
                raise ArgumentError(
                    f"data row {i} changes the circuit (its shapes or static values differ "
                    "from row 0); every row must have the same shapes"
                )
            D[i] = flat(ds_i)
    if D.size and not np.isfinite(D).all():
        raise ArgumentError("the data (data=, args, kwargs) contain NaN or infinite values")
    checks = getattr(entry, "checks", None) or ()
    if checks:  # the QNode's per-call checks of its inputs (BasisState bits, a state's norm)
        inputs = set(entry.circuit.inputs)
        if any(not hasattr(c, "exprs") or inputs & set().union(
                *(e.free_symbols for e in c.exprs)) for c in checks):
            return None, ("the circuit checks the optimized parameters at every call (a "
                          "state preparation or basis state of them): the compiled loop "
                          "does not")
        x0 = np.asarray(x, dtype=np.float64).reshape(-1)
        for row in D:  # of the data alone: every row once, as the QNode at each call
            for check in checks:
                check(x0, row)
    return (loop(entry, node.method), np.ascontiguousarray(D), work), None


# (id of a compiled signature, method, size) -> (weak reference to it, what _loop_work
# found): the checks of a signature, which cannot change (made once, not at every call)
_checked: dict = {}


def _loop_work(entry, method, size):
    """The work per step of the compiled signature ``entry`` run by ``method`` with
    ``size`` parameters in the compiled loop, or the reason it cannot run there (a
    string). Found once per signature and method: ``minimize`` of a tiny circuit
    otherwise spent a third of its own Python time here, reading the circuit module."""
    key = (id(entry), method, size)
    found = _checked.get(key)
    if found is not None and found[0]() is entry:
        return found[1]
    mod = entry.module
    if entry.has_state or not entry.simple or entry.circuit.output != "scalar" or getattr(
        mod, "NUM_OUTPUTS", 0
    ) != 1:
        kinds = ", ".join(m.kind for m in entry.circuit.measurements)
        result = f"the QNode returns {kinds}, not one expectation value"
    elif len(entry.blocks) != 1 or entry.blocks[0][1] != size:
        result = "the QNode's first argument is not the only one optimized"
    else:
        # (a circuit on tier 0: its plain-Python namespace, the numba module not loaded)
        names = mod.namespace if isinstance(mod, tiers.LazyModule) else vars(mod)
        missing = [f for f in ("fused_value_and_grad_into", "prepare_adjoint")
                   if f not in names]
        if missing:
            result = f"the circuit module has no {missing[0]}"
        else:
            result = int(names["_q_WORK_ADJOINT" if method == "adjoint" else "WORK"])
    if len(_checked) > 1000:  # signatures gone (their weak references dead): forgotten
        for k in [k for k, v in _checked.items() if v[0]() is None]:
            del _checked[k]
    try:
        _checked[key] = (weakref.ref(entry), result)
    except TypeError:  # not weakly referable: checked at every call
        pass
    return result


def _run_compiled(mod, D, work, y, loss, rule, starts, steps, tol, threads, bar, stop=None,
                  ran=None):
    """Run the :class:`Loop` ``mod`` from every start; ``[(x, nit, converged, costs,
    norms)]``; the tiers that ran go into the set ``ran``. Interrupted (``stop.hit``) after
    a chunk, each start still running gets its cost at its last iterate recorded, exactly
    as a run with that many ``steps`` would."""
    ran = set() if ran is None else ran
    kind, hp = rule
    hp = np.array(hp, dtype=float)
    Y = np.zeros(1) if y is None else np.array(y, dtype=float)  # a writable copy
    states = []
    for s in starts:
        x = np.ascontiguousarray(s, dtype=float).reshape(-1).copy()
        try:
            history = np.zeros(steps + 1), np.zeros(steps + 1)
        except MemoryError:
            raise ArgumentError(
                f"steps={steps}: the cost and gradient norm of every step ({16 * (steps + 1)} "
                "bytes a start) do not fit in memory; give fewer steps, with tol= to stop "
                "earlier") from None
        states.append(dict(x=x, s1=np.zeros(x.shape[0]), s2=np.zeros(x.shape[0]),
                           cost=history[0], gnorm=history[1], done=0, conv=False))

    def advance(st, k0, k1, finish):
        try:
            (done, status), tier = mod.call(st["x"], D, Y, loss, kind, hp, st["s1"],
                                            st["s2"], k0, k1, finish, tol, st["cost"],
                                            st["gnorm"])
            ran.add(tier)
        except ValueError as exc:  # the kernels' prepare refused a non-finite number
            if "qsym: non-finite" not in str(exc):
                raise
            done, status = None, 2
        if status == 2:
            _raise_nonfinite(st, done)
        st["done"], st["conv"] = int(done), status == 1

    n_threads = 1 if threads is None and len(starts) == 1 else _threads(threads, len(starts))
    pool = ThreadPoolExecutor(n_threads) if n_threads > 1 else None

    def all_starts(k0, k1, finish):
        live = [st for st in states if not st["conv"]]
        if pool is None or len(live) < 2:
            for st in live:
                advance(st, k0, k1, finish)
        else:
            list(pool.map(lambda st: advance(st, k0, k1, finish), live))
        return all(st["conv"] for st in states)

    try:
        # the first chunk sized from the work per step in compiled code; 16 steps on tier 0
        _chunked(all_starts, states, steps, bar, stop,
                 work * D.shape[0] if mod.tier == "compiled" else None)
    finally:
        if pool is not None:
            pool.shutdown()
    for st in states:
        if not st["conv"] and st["done"] < steps:  # interrupted: the final point's cost
            k = st["done"]
            advance(st, k, k, True)
    out = []
    for st in states:
        n = st["done"]
        cost, gnorm = st["cost"], st["gnorm"]
        if n + 1 < cost.shape[0]:  # stopped early: the histories' recorded part
            cost, gnorm = cost[: n + 1].copy(), gnorm[: n + 1].copy()
        out.append((st["x"], n, st["conv"], cost, gnorm))  # (this run's own arrays)
    return out


def _raise_nonfinite(st, k):
    """The loop stopped at a non-finite cost, gradient or gate parameter (step ``k``, or
    None where the kernels' checks found it)."""
    at = "" if k is None else f" at step {k}"
    what = "" if k is None else (f" (cost {st['cost'][k]!r}, gradient norm "
                                 f"{st['gnorm'][k]!r})")
    raise DifferentiationError(
        f"minimize: the objective or its gradient is not finite{at}{what}, with the "
        f"parameters at {st['x'].tolist()!r}: a step size too large for this problem, or "
        "classical processing in the circuit undefined there (e.g. arcsin beyond 1, sqrt "
        "or log below 0); try a smaller step size or keep the parameters in the domain"
    )


def _latest(states):
    """The lowest cost most recently recorded over the starts, with its gradient norm."""
    best = (None, None)
    for st in states:
        k = st["done"] if st["conv"] else st["done"] - 1
        if k >= 0 and (best[0] is None or st["cost"][k] < best[0]):
            best = (float(st["cost"][k]), float(st["gnorm"][k]))
    return best


# the first chunk without a progress bar: about this many amplitude updates (a few ms),
# from the circuit's work per step, so that a run of a tiny circuit is one or two chunks
# (each chunk costs a few microseconds of Python: a tenth of the seed's 1000 steps)
FIRST_CHUNK_WORK = 2_000_000


def _chunked(all_starts, states, steps, bar, stop=None, work=None):
    """The steps in chunks of about 0.1 s with a progress bar (redrawn between chunks) and
    0.5 s without: Python runs between chunks only, never between steps, and a Ctrl-C
    (``stop.hit``, or a KeyboardInterrupt from the progress bar) stops the run at the
    chunk's end. Chunks change no result (the accumulators carry over; tested). ``work``:
    the work of one step (amplitudes x ops x circuits), which sizes the first chunk."""
    target = 0.1 if bar.enabled else 0.5
    k = 0
    chunk = 1 if bar.enabled else max(16, FIRST_CHUNK_WORK // max(int(work or 0), 1)
                                      if work else 16)
    while True:
        k1 = min(k + chunk, steps)
        t0 = time.perf_counter()
        all_conv = all_starts(k, k1, k1 == steps)
        dt = time.perf_counter() - t0
        if bar.enabled:
            done = sum(st["done"] if st["conv"] else k1 for st in states)
            try:
                bar.update(done, *_latest(states))
            except KeyboardInterrupt:
                if stop is None or stop.hit:  # a second Ctrl-C: stop at once
                    raise
                stop.hit = True
        if all_conv or k1 == steps or (stop is not None and stop.hit):
            return
        grow = int((k1 - k) * target / max(dt, 1e-6))
        chunk = max(1, min(grow, 16 * (k1 - k), 1 << 24))
        k = k1


def _threads(threads, n_starts):
    if threads is None:
        try:
            import numba

            cores = int(numba.config.NUMBA_NUM_THREADS)
        except Exception:  # pragma: no cover
            cores = os.cpu_count() or 1
        threads = cores
    try:  # a count of threads: 1.5 or "4" is not one
        if isinstance(threads, bool):
            raise TypeError
        threads = operator.index(threads)
    except TypeError:
        raise ArgumentError(f"threads must be an int >= 1 (or None: all cores), got "
                            f"{threads!r}") from None
    if threads < 1:
        raise ArgumentError(f"threads must be >= 1, got {threads}")
    return max(1, min(threads, n_starts))


# --- the Python loop ------------------------------------------------------------------
class _Objective:
    """The objective's gradient as a ``grad_fn`` for the optimizers' ``compute_grad``,
    with the value at the same point in ``forward``."""

    def __init__(self, fun, args, kwargs, rows, y, loss, grad_fn):
        self.fun, self.args, self.kwargs = fun, args, kwargs
        self.rows, self.y, self.loss = rows, y, loss
        self.grad_fn = grad(fun, argnum=0) if grad_fn is None else grad_fn
        # the value the gradient call computed on the way, where it is fun's own
        self.use_forward = grad_fn is None or getattr(grad_fn, "fun", None) is fun
        self.forward = None

    def one(self, x, kw):
        g = self.grad_fn(x, *self.args, **kw)
        f = getattr(self.grad_fn, "forward", None) if self.use_forward else None
        if f is None:
            f = self.fun(x, *self.args, **kw)
        g = np.asarray(g, dtype=float)
        if g.shape != x.shape:
            raise DifferentiationError(
                f"the gradient has shape {g.shape}, the parameters {x.shape}"
            )
        return float(np.asarray(f, dtype=float)), g

    def __call__(self, x):
        x = np.asarray(x)  # the optimizer's trainable tensor, as a plain array
        if self.rows is None:
            self.forward, g = self.one(x, self.kwargs)
            return g
        total, gsum = 0.0, np.zeros(x.shape)
        for i, row in enumerate(self.rows):
            f, g = self.one(x, {**self.kwargs, **row})
            if self.loss == "square":
                r = f - self.y[i]
                total += r * r
                gsum += 2.0 * r * g
            else:
                total += f
                gsum += g
        n = len(self.rows)
        self.forward = total / n
        return gsum / n


def _run_python(fun, opt, x, args, kwargs, rows, y, loss, grad_fn, steps, tol, bar, before,
                stop=None, best=None, objective=None):
    """The same optimizer, one Python step at a time (the optimizer's own code). After an
    interrupt (``stop.hit``, checked before each step) the cost at the last iterate is
    recorded and the run returns, as a run with that many ``steps`` would. ``best``: the
    lowest final cost of the starts before this one (for the progress bar). ``objective``:
    an :class:`_Objective` of another kind (a data set's shards on an executor)."""
    opt = copy.deepcopy(opt)
    opt.reset()
    natural = isinstance(opt, QNGOptimizer)
    obj = _Objective(fun, args, kwargs, rows, y, loss, grad_fn) if objective is None else objective
    x = tensor(np.array(x, dtype=float))  # requires_grad=True: what the optimizers update
    cost, gnorm = [], []
    converged = False
    k = 0
    for k in range(steps + 1):
        last = k == steps or (stop is not None and stop.hit)
        if not last:
            (g,), f = opt.compute_grad(None, (x,), {}, grad_fn=obj)
            if f is None:  # (PennyLane's protocol: the grad_fn's forward, if it has one)
                f = obj.forward
        else:
            g = obj(x)
            f = obj.forward
        gn = float(np.sqrt(np.sum(np.asarray(g) ** 2)))
        cost.append(float(f))
        gnorm.append(gn)
        if gn < tol or last:
            converged = gn < tol
            if not last and isinstance(opt, NesterovMomentumOptimizer):
                g = obj(x)  # the last entry is at x itself
                cost[-1] = float(obj.forward)
                gnorm[-1] = float(np.sqrt(np.sum(np.asarray(g) ** 2)))
            break
        if natural:  # the circuit's metric tensor at x, as opt.step computes it
            opt.set_metric_tensor(obj.fun, x, *obj.args, **obj.kwargs)
            if isinstance(opt.metric_tensor, tuple):  # (tensors among args: x's block)
                opt.metric_tensor = opt.metric_tensor[:1]
        x = tensor(np.asarray(opt.apply_grad((g,), [x])[0], dtype=float))
        shown = cost[-1] if best is None else min(best, cost[-1])
        try:
            bar.update(before + k + 1, shown, gn)
        except KeyboardInterrupt:
            if stop is None or stop.hit:  # a second Ctrl-C: stop at once
                raise
            stop.hit = True
    return np.asarray(x), k, converged, np.array(cost), np.array(gnorm)


# --- on an executor (qsym.distributed) -------------------------------------------------
def _dask_rows(data, targets, loss):
    """``(first row only, its target or None, loss code, loss name, n_rows)`` for a data
    set given as Dask arrays: checked by their shapes, one row computed (to compile)."""
    if not isinstance(data, dict) or not data:
        raise ArgumentError("data= must be a dict {keyword argument name: array with one row per example}")
    lengths = {k: (v.shape[0] if len(v.shape) else None) for k, v in data.items()}
    if any(n is None for n in lengths.values()) or len(set(lengths.values())) != 1:
        raise ArgumentError(
            f"every array in data= needs the same number of rows (first axis); got {lengths}")
    n_rows = next(iter(lengths.values()))
    first = {k: np.asarray(v[:1].compute() if distributed.is_dask_collection(v) else v[:1])
             for k, v in data.items()}
    t1 = None
    if targets is not None:
        if targets.shape[0] != n_rows or targets.size != n_rows:
            raise ArgumentError(f"targets= has shape {targets.shape} for {n_rows} data rows")
        t1 = np.asarray(targets[:1].compute() if distributed.is_dask_collection(targets)
                        else targets[:1], dtype=float)
    rows, y, code, name = _rows(first, t1, loss)
    return rows, y, code, name, n_rows


def _on_executor(fun, opt, x0, steps, tol, args, kwargs, data, targets, loss, multistart,
                 grad_fn, compiled, executor, shards, timeout, t_start):
    """``minimize(..., executor=..., shards=..., timeout=...)``: on a
    ``concurrent.futures.Executor``, a Dask ``Client`` or ``client.get_executor()``
    (:mod:`qsym._distributed`, docs/distributed.md); the workers get the circuit's exported
    module. With ``multistart=True`` or no data set, tasks of consecutive starts (at most
    four per worker thread) run their whole compiled loops (the results equal the
    one-process run's, start by start). With
    ``data=`` the rows are cut into ``shards`` contiguous shards (default: one per worker)
    whose summed objective and gradient the workers compute each step, in compiled code;
    the data may be Dask arrays (never gathered on the driver). ``timeout``: seconds per
    wait for the workers (None: no limit). No progress bar; Ctrl-C cancels the tasks and
    raises. A task that fails on a worker, or no result in time: :class:`qsym.WorkerError`."""
    if executor is None:
        raise ArgumentError("shards= and timeout= go with executor=")
    lazy = data is not None and (
        any(distributed.is_dask_collection(v) for v in dict(data).values())
        or distributed.is_dask_collection(targets))
    if lazy and multistart:
        raise ArgumentError("multistart=True with data= as Dask arrays: each start's task "
                            "takes the whole data set; pass NumPy arrays")
    rows, y, loss_code, loss_name, n_rows, X0, starts, rule, reason = _arguments(
        fun, opt, x0, kwargs, data, targets, loss, multistart, compiled, grad_fn, lazy)
    if shards is not None and (rows is None or multistart or int(shards) < 1):
        raise ArgumentError("shards= (>= 1) cuts a data set (data=) without multistart=True")
    setup, reason, compile_time = _setup(fun, X0, starts, args, kwargs, rows, y, reason,
                                         None, multistart, type(opt).__name__)
    if setup is None:
        raise DifferentiationError(
            f"executor= runs compiled loops on the workers; this run cannot: {reason}")
    kw0 = kwargs if rows is None else {**kwargs, **{k: _promoted(v) for k, v in rows[0].items()}}
    t0 = time.perf_counter()
    # the same loop as in this process, its imports from the shipped module
    entry = fun.compiled((starts[0],) + args, kw0, diff=(0,))[0]
    text = loop_source(entry, fun.method, module=worker.MODULE_PLACEHOLDER)
    pay = distributed.loop_payload(executor, fun, (starts[0],) + args, kw0,
                                   loop_imports(text, worker.MODULE_PLACEHOLDER), text,
                                   lambda: _loop_module(entry, fun.method))
    compile_time += time.perf_counter() - t0
    where = type(executor).__name__
    t0 = time.perf_counter()
    interrupted = False
    if rows is None or multistart:
        D = setup[1]
        outs, tasks = distributed.run_starts(executor, pay, D, np.zeros(1) if y is None else y,
                                             loss_code, rule, starts, steps, tol, timeout)
        how = f"on {where}: {tasks} task{'s' if tasks > 1 else ''}"
    else:
        if lazy:
            obj = distributed.ShardedObjective.from_dask(
                executor, pay, starts[0], args, kwargs, dict(data), targets, loss_code,
                shards, timeout)
        else:
            obj = distributed.ShardedObjective.from_matrix(executor, pay, setup[1], y,
                                                           loss_code, shards, timeout)
        obj.n_rows = n_rows
        with _Interrupt() as stop:
            outs = [_run_python(fun, opt, starts[0], args, kwargs, rows, y, loss_name, None,
                                steps, tol, _Progress(0, False), 0, stop, objective=obj)]
        interrupted = stop.hit
        how = (f"data-parallel on {where}: {len(obj.shards)} shards of {n_rows} rows, "
               "the optimizer's step on the driver")
    run_time = time.perf_counter() - t0
    res = _result(outs, starts[0].shape, multistart, steps, tol, None, interrupted, fun.method,
                  type(opt).__name__, compile_time, run_time, time.perf_counter() - t_start,
                  "compiled")
    res.message = res.message.replace("(compiled loop)", f"(compiled loop {how})")
    return res
