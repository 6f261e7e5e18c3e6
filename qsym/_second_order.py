"""Second derivatives: the parameter-shift rule applied to the compiled gradient.

A shift rule ``f'(t) = sum_u c_u f(m_u t + s_u)`` is an identity for every function that,
as a function of one gate parameter ``t``, is a trigonometric polynomial with that gate's
frequencies. The expectation value of every measured Pauli word is one; so is its
derivative by any gate parameter (also by ``t`` itself). Hence, exactly,

    d^2 E / d theta_a d theta_b = sum_u c_u^(b) (dE / d theta_a)(theta_b -> m_u theta_b + s_u)

with the gate-level gradient ``dE/d theta`` from the compiled parameter-shift kernel: one
gradient per term of each differentiated parameter's rule (two for the usual rules). This
is PennyLane's second-order rule (diagonal terms ``f(t + 2s), f(t), f(t - 2s)``, products
of first-order rules for mixed partials) computed from the gradient instead of composed
term by term; both give the same exact numbers.

The chain rule then goes to the circuit's inputs ``x``: gate parameters ``theta(x)`` and
observable coefficients ``C(x)`` may be any functions of the inputs; their first and second
derivatives are exact sympy expressions.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(p):
...     qml.RY(p[0] * p[1], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> a, b = 0.7, -0.4
>>> H = qml.hessian(circuit)(np.array([a, b]))
>>> # <Z> = cos(ab): second derivatives through the chain rule, by hand
>>> u = a * b
>>> exact = [[-b * b * np.cos(u), -np.sin(u) - u * np.cos(u)],
...          [-np.sin(u) - u * np.cos(u), -a * a * np.cos(u)]]
>>> bool(np.allclose(H, exact, atol=1e-12))
True
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._lambdify import lambdify
from . import _kernels as kernels
from ._program import lowered
from .rules import reduced_angle
from ._shapes import kept_norm, postselected


def _printer():
    """lambdify's NumPy printer, with the terms of sums printed as they are (``order``
    ``"none"``): sorting them compares subexpressions, which raises sympy's ``TypeError``
    ("Invalid NaN comparison") for some exact derivatives of traced state preparations
    (``AmplitudeEmbedding`` of ``[x[0], sin(x[1])]``); for the same reason lambdify is
    given ``docstring_limit=0`` (its docstring would print the expression sorted)."""
    from sympy.printing.numpy import NumPyPrinter

    return NumPyPrinter({"fully_qualified_modules": False, "inline": True,
                         "allow_unknown_functions": True, "user_functions": {},
                         "order": "none"})


def _second_derivatives(entry):
    """Exact second derivatives of the gate parameters and coefficients by the inputs,
    as one numeric function of ``(x, d)`` (made once per compiled signature).

    Returns ``(slot_terms, coeff_terms, fn)``: ``slot_terms[i] = (slot, k, l)`` and
    ``coeff_terms[i] = (row, word, k, l)`` with ``k <= l``; ``fn(x, d)`` their values in
    that order.
    """
    cached = entry.second
    if cached is not None:
        return cached
    circuit, gplan = entry.circuit, entry.plan
    inputs = list(circuit.inputs)
    index = {s: j for j, s in enumerate(inputs)}
    slot_terms, coeff_terms, exprs = [], [], []
    for e in gplan.chain:  # e.factor = d theta_slot / d x_input
        for sym in e.factor.free_symbols & index.keys():
            l = index[sym]
            if l < e.input:  # each unordered pair once (the matrix is symmetric)
                continue
            d2 = sp.diff(e.factor, sym)
            if d2 != 0:
                slot_terms.append((e.slot, e.input, l))
                exprs.append(d2)
    for e in gplan.coeff_chain:
        for sym in e.factor.free_symbols & index.keys():
            l = index[sym]
            if l < e.input:
                continue
            d2 = sp.diff(e.factor, sym)
            if d2 != 0:
                coeff_terms.append((e.measurement, e.word, e.input, l))
                exprs.append(d2)
    args = inputs + list(circuit.data)
    if exprs:
        f = lambdify([args], exprs, dummify=True, printer=_printer(),
                        docstring_limit=0)

        n_data = len(circuit.data)  # (d ends with the matrices' numbers: qsym._ir.matrix_data)

        def fn(x, d):
            return np.asarray(f(np.concatenate([x, d[:n_data]])), dtype=float).reshape(-1)

    else:

        def fn(x, d):
            return np.zeros(0)

    entry.second = (tuple(slot_terms), tuple(coeff_terms), fn)
    return entry.second


def sampled_gate_gradient(entry, shots: int, rng):
    """``gradient(mats, smats) -> (e, de)``: word values and gate-level gradient as
    ``kernels.program_gate_gradient`` gives them exactly, here with the unshifted circuit
    and every shifted one sampled with ``shots`` shots (the sampler's word estimates,
    :meth:`qsym._shots.Sampler.estimate_words`): an unbiased estimate, as PennyLane's
    parameter shift of sampled circuits.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> entry, xs, ds = c.compiled((0.5,), {})
    >>> pre = entry.prepare(np.array([0.5]), np.zeros(0), 1)
    >>> e, de = sampled_gate_gradient(entry, 100, np.random.default_rng(0))(pre.mats, pre.smats)
    >>> de.shape == kernels.program_gate_gradient(*entry.module.PROGRAM, pre.mats, pre.smats)[1].shape
    True
    """
    sampler = entry.sampler()

    def gradient(mats, smats):
        e = sampler.estimate_words(mats, shots, rng)
        return e, sampler.sampled_slot_derivatives(mats, smats, e, shots, rng)

    return gradient


def _gate_level(entry, x, d, gradient=None):
    """Word values ``e[t]``, gate-level gradient ``de[a, t]`` and Hessian ``h[a, b, t]``,
    plus what ``prepare`` computed (chain factors, coefficients and their derivatives).

    The Hessian is the kernels' shift-term walk once more: ``h[:, b] = sum_u c_u de(theta_b
    -> m_u theta_b + s_u)`` over the program's terms (``kernels.accumulate_terms``), each
    shifted gradient by ``gradient`` (``kernels.program_gate_gradient``, exact, unless
    given: :func:`sampled_gate_gradient`), each kernel on the circuit's tier
    (``Compiled.sampling_kernels``, ``gradient_kernels``)."""
    mod, p = entry.module, lowered(entry)
    ints, floats = mod.PROGRAM
    # the kernels on the circuit's tier, as its sampled answers and gradients call them
    # (tier 0: their plain-Python twins until the compiled code is loaded, where cheap, the
    # same bits; a first Hessian does not wait for numba): the compiled library for other
    # entries
    lib = getattr(entry, "sampling_kernels", None) or kernels
    if gradient is None:
        glib = getattr(entry, "gradient_kernels", None) or kernels

        def gradient(mats, smats):
            return glib.program_gate_gradient(ints, floats, mats, smats)
    pre = entry.prepare(x, d, 1)
    mats, smats, th = pre.mats, pre.smats, pre.th
    e, de = gradient(mats, smats)
    n_slots, nw = de.shape
    vals = np.zeros((len(p.term_op), n_slots * nw))
    for t, k in enumerate(p.term_op):
        if p.term_zero[t]:  # the unshifted gradient (accumulate_terms reads de)
            continue
        q0 = th[p.op_poff[k] : p.op_poff[k] + p.op_np[k]].copy()
        j = p.term_pos[t]
        q0[j] = p.term_mult[t] * reduced_angle(float(q0[j]), p.term_period[t]) + p.term_shift[t]
        # only op k changes: its matrix, and the shifted matrices of its own terms
        m2 = mats.copy()
        entry.gate_entries(p.op_type[k], q0, m2, p.op_off[k])
        s2 = smats.copy()
        for u in range(len(p.term_op)):
            if p.term_op[u] == k and not p.term_zero[u]:
                q = q0.copy()
                i = p.term_pos[u]
                q[i] = p.term_mult[u] * reduced_angle(float(q[i]), p.term_period[u]) + p.term_shift[u]
                entry.gate_entries(p.op_type[k], q, s2, p.term_off[u])
        vals[t] = gradient(m2, s2)[1].ravel()
    sec = lib.unpack_program(ints)
    hb = np.zeros((n_slots, n_slots * nw))  # hb[b, a * nw + t] = h[a, b, t]
    lib.accumulate_terms(sec[kernels.S_TERM_SLOT], floats, sec[kernels.S_TERM_ZERO],
                         de.ravel(), vals, hb)
    h = hb.reshape((n_slots, n_slots, nw)).transpose(1, 0, 2)
    h = 0.5 * (h + h.transpose(1, 0, 2))  # exact symmetry; rounding is not symmetric
    return e, de, h, pre.ch, pre.C, pre.cc


def rows_hessian(entry, x, d, gradient=None):
    """Values, Jacobian and Hessian of the compiled circuit's linear rows over the flat
    differentiated inputs ``x``: ``v[r]``, ``jac[r, k]``, ``hess[r, k, l]`` (from sampled
    circuits with ``gradient=``:func:`sampled_gate_gradient`)."""
    gplan = entry.plan
    x = np.ascontiguousarray(x, dtype=float)
    d = np.ascontiguousarray(d, dtype=float)
    e, de, h, ch, C, cc = _gate_level(entry, x, d, gradient)
    nx, n_slots, nw = x.shape[0], de.shape[0], e.shape[0]
    # chain rule to the inputs: theta(x), C(x)
    jt = np.zeros((n_slots, nx))
    for k, c in enumerate(gplan.chain):
        jt[c.slot, c.input] += ch[k]
    dE = de.T @ jt  # (words, inputs)
    d2E = np.einsum("ak,abt,bl->tkl", jt, h, jt)
    slot_terms, coeff_terms, fn = _second_derivatives(entry)
    second = fn(x, d)
    for (a, k, l), v in zip(slot_terms, second):
        d2E[:, k, l] += de[a] * v
        if k != l:
            d2E[:, l, k] += de[a] * v
    nr = C.shape[0]
    dC = np.zeros((nr, nw, nx))
    for k, c in enumerate(gplan.coeff_chain):
        dC[c.measurement, c.word, c.input] += cc[k]
    d2C = np.zeros((nr, nw, nx, nx))
    for (r, t, k, l), v in zip(coeff_terms, second[len(slot_terms):]):
        d2C[r, t, k, l] += v
        if k != l:
            d2C[r, t, l, k] += v
    vals = C @ e
    jac = np.einsum("rtk,t->rk", dC, e) + C @ dE
    cross = np.einsum("rtk,tl->rkl", dC, dE)
    hess = (np.einsum("rtkl,t->rkl", d2C, e) + cross + cross.transpose(0, 2, 1)
            + np.einsum("rt,tkl->rkl", C, d2E))
    if gplan.probs:  # probabilities: the last words are the last outputs (qsym.plan)
        p = gplan.probs
        vals = np.concatenate([vals, e[-p:]])
        jac = np.concatenate([jac, dE[-p:]])
        hess = np.concatenate([hess, d2E[-p:]])
    return vals, jac, hess


def ratio2(kind: str, rows, jac, hess):
    """:func:`qsym._shapes.ratio` with Hessians: ``f = a / N`` has gradient
    ``(ga - f gN) / N`` and Hessian ``(Ha - f HN - g gN^T - gN g^T) / N``; a postselected
    variance is ``f1 - f2^2`` of two such ratios."""
    rows, jac, hess = np.asarray(rows, dtype=float), np.asarray(jac), np.asarray(hess)
    N, gN, HN = kept_norm(rows[-1]), jac[-1], hess[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = rows[:-1] / N
        g = (jac[:-1] - f[:, None] * gN[None, :]) / N
        H = (hess[:-1] - f[:, None, None] * HN[None] - g[:, :, None] * gN[None, None, :]
             - gN[None, :, None] * g[:, None, :]) / N
    if kind == "probs":
        return f, g, H
    if kind == "expval":
        return f[0], g[0], H[0]
    return (f[0] - f[1] ** 2, g[0] - 2.0 * f[1] * g[1],
            H[0] - 2.0 * (np.outer(g[1], g[1]) + f[1] * H[1]))


def measurements2(post, out, jac, hess):
    """Per-measurement values, Jacobians and Hessians from the linear rows' (the second-order
    counterpart of :func:`qsym._shapes.measurements`). A variance ``<O^2> - <O>^2`` has
    Hessian ``H[O^2] - 2 (grad<O> grad<O>^T + <O> H[O])``."""
    values, jacs, hessians = [], [], []
    for kind, r, n, shape in post:
        if postselected(kind, n, shape):
            v, j, h = ratio2(kind, out[r : r + n], jac[r : r + n], hess[r : r + n])
            values.append(v)
            jacs.append(j)
            hessians.append(h)
        elif kind == "var":
            mu, g = out[r + 1], jac[r + 1]
            values.append(out[r] - mu**2)
            jacs.append(jac[r] - 2.0 * mu * g)
            hessians.append(hess[r] - 2.0 * (np.outer(g, g) + mu * hess[r + 1]))
        elif kind == "probs":
            values.append(out[r : r + n])
            jacs.append(jac[r : r + n])
            hessians.append(hess[r : r + n])
        else:
            values.append(out[r])
            jacs.append(jac[r])
            hessians.append(hess[r])
    return values, jacs, hessians
