"""Tiny circuits' written-out value and gradient (qsym._emit.unrolled_functions) against the
kernels, bit for bit, and against the exact derivative.

The written-out code repeats prepare's and the kernels' arithmetic in the same order, so
the fused entry points (which run it) must give exactly the numbers of the two-call path
(prepare, then the kernel library). Each case raises the size limit so that circuits with
every gate kind (dense, real, diagonal on 0-3 wires, controlled X on 2 and 3 wires, dense
on 2 and 3 wires) and every word kind (Z only, X, Y) are written out.
"""

import dataclasses
import math
import sys

import numpy as np
import pytest

import qsym as qml
from qsym import _cache as cache, _emit as emit, _kernels as kernels, _symbolic as symbolic
from qsym._plan import make_plan
from qsym._shapes import flat

X = np.array([0.7, -1.3, 2.1])
Y = 0.45
DATA = np.array([0.3, -0.8])


def _unitary(dim, seed):
    """A fixed dense unitary, every entry non-zero: sums in another order would round
    differently (the test sees the order of the arithmetic, not only its value)."""
    z = np.random.default_rng(seed).normal(size=(dim, dim, 2)) @ [1, 1j]
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / abs(np.diag(r)))


U2, U4, U8 = _unitary(2, 0), _unitary(4, 1), _unitary(8, 2)


def one_wire(x, y, data=None):
    qml.Hadamard(wires=0)                    # constant
    qml.RX(x[0], wires=0)                    # dense
    qml.RY(x[1] * y, wires=0)                # real; a parameter printed as code
    qml.RZ(data[0], wires=0)                 # diagonal, of data only
    qml.Rot(x[2], 0.3, y, wires=0)           # three parameters, one constant
    qml.GlobalPhase(x[0], wires=[])          # diagonal on no wire
    qml.PhaseShift(2 * y + 0.1, wires=0)     # affine
    qml.QubitUnitary(U2, wires=0)            # dense, every entry non-zero
    # a coefficient that depends on the inputs (its derivative enters the Jacobian)
    return (qml.expval(qml.Hamiltonian([x[0] * y, 0.3], [qml.PauliZ(0), qml.PauliX(0)])),
            qml.expval(qml.PauliY(0)))


def two_wires(x, y, data=None):
    qml.RY(x[0], wires=0)
    qml.QubitUnitary(U2, wires=1)
    # dense on two wires, every entry non-zero (early: no shifted circuit runs it again,
    # and each of its operations costs numba compile time)
    qml.QubitUnitary(U4, wires=[1, 0])
    qml.CNOT(wires=[0, 1])                   # a permutation
    qml.CRY(data[1], wires=[0, 1])           # real on two wires (the dense kernel), no shift
    qml.IsingZZ(x[1], wires=[0, 1])          # diagonal on two wires
    qml.CRX(y + x[2], wires=[1, 0])          # dense on two wires, control below target
    qml.S(wires=1)
    return (qml.expval(qml.PauliX(0) @ qml.PauliY(1)),
            qml.expval(qml.Hamiltonian([0.5, -1.5], [qml.PauliZ(0), qml.PauliZ(1)])))


def three_wires(x, y, data=None):
    qml.Hadamard(wires=0)
    qml.Hadamard(wires=1)
    qml.Toffoli(wires=[0, 1, 2])             # a permutation on three wires
    qml.QubitUnitary(U8, wires=[1, 2, 0])    # dense on three wires, every entry non-zero
    qml.MultiRZ(x[0], wires=[0, 1, 2])       # diagonal on three wires
    qml.RY(y, wires=2)
    return qml.expval(qml.PauliY(0) @ qml.PauliX(2))


CASES = [pytest.param(one_wire, 1, id="one-wire"), pytest.param(two_wires, 2, id="two-wires"),
         pytest.param(three_wires, 3, id="three-wires")]


def _compiled(fn, n_wires):
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    entry, xs, ds = node.compiled((X, Y), {"data": DATA})
    return entry, flat(xs), flat(ds)


def _same(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.shape == v.shape and np.array_equal(u, v)


@pytest.mark.parametrize("fn,n_wires", CASES)
def test_written_out_code_gives_the_kernels_bits(monkeypatch, fn, n_wires):
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    entry, x, d = _compiled(fn, n_wires)
    mod = entry.module
    assert mod.UNROLLED
    for name in ("value", "value_and_grad"):
        two_call = getattr(type(entry), name)(entry, x, d)  # prepare, then the kernels
        _same(two_call, getattr(mod, "fused_" + name)(x, d))
        _same(two_call, entry._fused(name)(x, d))  # into arrays made in Python
    # and right: the exact product-rule derivative (sympy matrices, no shift rule)
    out, jac = mod.fused_value_and_grad(x, d)
    np.testing.assert_allclose(jac, symbolic.exact_jacobian(entry.circuit, x, d), atol=1e-10)
    _adjoint_written_out_is_the_kernels(entry, x, d)


@pytest.mark.parametrize("fn,n_wires", CASES[1:])  # (one_wire: a coefficient x[0] * y)
def test_written_out_code_gives_the_kernels_bits_at_huge_angles(monkeypatch, fn, n_wires):
    """The shifted parameters reduced modulo their rules' periods (qsym.rules.reduced_angle)
    in the written-out code as in prepare: the same bits, and the exact derivative (without
    the reduction ``x + pi/2`` is ``x`` at 3e16: every shifted circuit the unshifted one)."""
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    entry, xs, ds = node.compiled((np.array([1e15, -3e16, 1e14]), Y), {"data": DATA})
    x, d = flat(xs), flat(ds)
    mod = entry.module
    assert mod.UNROLLED
    two_call = type(entry).value_and_grad(entry, x, d)
    _same(two_call, mod.fused_value_and_grad(x, d))
    np.testing.assert_allclose(two_call[1], symbolic.exact_jacobian(entry.circuit, x, d),
                               atol=1e-10)


def _adjoint_written_out_is_the_kernels(entry, x, d):
    """The written-out adjoint (qsym._emit.unrolled_adjoint) against prepare_adjoint and
    the adjoint kernel, bit for bit, and against the exact derivative."""
    mod = entry.module
    assert mod.ADJOINT_UNROLLED
    two_call = type(entry).value_and_grad_adjoint(entry, x, d)  # prepare, then the kernels
    _same(two_call, mod.fused_value_and_grad_adjoint(x, d))  # returning: calls the _into form
    out, jac = np.full(mod.NUM_OUTPUTS, np.nan), np.full((mod.NUM_OUTPUTS, mod.NUM_INPUTS), np.nan)
    mod.fused_value_and_grad_adjoint_into(x, d, out, jac)  # written out
    _same(two_call, (out, jac))
    _same(two_call, entry._fused("value_and_grad_adjoint")(x, d))
    np.testing.assert_allclose(jac, symbolic.exact_jacobian(entry.circuit, x, d), atol=1e-10)
    np.testing.assert_allclose(out, mod.fused_value(x, d), rtol=0, atol=1e-14)


def one_expectation(x, y, data=None):
    """One output: the adjoint kernel's one-pass steps (kernels._step1) for a real, a
    diagonal and a dense one-wire gate, an op of three slots and one parameter in two
    gates (the two-state path), words that flip (X, Y) and a coefficient of the inputs."""
    qml.Hadamard(wires=0)
    qml.RX(x[0], wires=0)                    # dense, one slot: a one-pass step
    qml.RY(x[1] * y, wires=0)                # real
    qml.RZ(x[2], wires=0)                    # diagonal
    qml.QubitUnitary(U2, wires=0)
    qml.CRX(x[0], wires=[0, 1])              # two wires: psi copied, dU applied
    qml.RX(x[2], wires=1)
    qml.RY(x[0], wires=1)                    # wire 1: the other pair order
    qml.RZ(x[1] + data[0], wires=1)
    qml.Rot(x[2], 0.3, y, wires=0)           # three slots on one op: the overlap pass
    qml.IsingXX(x[1], wires=[0, 1])
    return qml.expval(qml.Hamiltonian([x[0] * y, 0.3, -0.2],
                                      [qml.PauliZ(0), qml.PauliX(0) @ qml.PauliY(1),
                                       qml.PauliY(1)]))


def test_written_out_adjoint_with_one_expectation(monkeypatch):
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    node = qml.QNode(one_expectation, qml.device("default.qubit", wires=2),
                    diff_method="adjoint")
    entry, xs, ds = node.compiled((X, Y), {"data": DATA})
    x, d = flat(xs), flat(ds)
    _adjoint_written_out_is_the_kernels(entry, x, d)
    # a second method: central finite differences of the value
    out, jac = entry._fused("value_and_grad_adjoint")(x, d)
    h = 1e-6
    fd = [(entry.value(x + h * e, d)[0] - entry.value(x - h * e, d)[0]) / (2 * h)
          for e in np.eye(len(x))]
    np.testing.assert_allclose(jac[0], fd, atol=1e-8)


def test_zero_shift_terms_are_written_out_as_the_kernels_run_them(monkeypatch):
    """A term with no shift reuses the unshifted value (no built-in rule has one, user
    rules may): every other term of the plan made one, both sides compute the same (wrong)
    numbers, bit for bit."""
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    entry, x, d = _compiled(one_wire, 1)
    plan = make_plan(entry.circuit)
    terms = tuple(dataclasses.replace(t, mult=1.0, shift=0.0) if i % 2 else t
                  for i, t in enumerate(plan.terms))
    assert any(t.zero for t in terms) and not all(t.zero for t in terms)
    mod = cache.load_module(emit.emit_module(entry.circuit, dataclasses.replace(plan, terms=terms)))
    assert mod.UNROLLED
    mats, smats, ch, C, cc, _ = mod.prepare(x, d, 1)
    ints, floats = (a.copy() for a in mod.PROGRAM)
    from conftest import kernel_returning

    _same(kernel_returning(kernels.program_value_and_grad_into)(ints, floats, mats, smats, ch,
                                                                C, cc),
          mod.fused_value_and_grad(x, d))


def test_which_circuits_are_written_out(monkeypatch):
    """The seed circuit is (its raw call is the one that must be fast); larger circuits,
    and those the kernels measure by the single-Z tree, call the kernels."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def seed(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    seed_module = seed.compiled((np.array([0.54, 0.12]),), {})[0].module
    assert seed_module.UNROLLED and seed_module.ADJOINT_UNROLLED
    big = _compiled(three_wires, 3)[0].module
    assert not big.UNROLLED and not big.ADJOINT_UNROLLED  # over UNROLL_MAX_OPS

    def sum_z(x, y, data=None):
        for w in range(3):
            qml.RX(x[w], wires=w)
        return qml.expval(qml.Hamiltonian([1.0, 2.0, 3.0], [qml.PauliZ(w) for w in range(3)]))

    assert kernels.SINGLE_Z_TREE == 3
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    assert not _compiled(sum_z, 3)[0].module.UNROLLED


def test_written_out_entry_points_refuse_bad_shapes_and_values(monkeypatch):
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    entry, x, d = _compiled(one_wire, 1)
    mod = entry.module
    assert mod.UNROLLED
    out, jac = np.empty(mod.NUM_OUTPUTS), np.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))
    with pytest.raises(ValueError, match="inputs must have shapes"):
        mod.fused_value_and_grad_into(x[:-1], d, out, jac)
    with pytest.raises(ValueError, match="inputs must have shapes"):
        mod.fused_value_into(x, d[:1], out)
    with pytest.raises(ValueError, match="output arrays"):
        mod.fused_value_and_grad_into(x, d, out, jac[:, :1])
    # the same refusal on the two-call path (prepare, shared by every module)
    for mode in (0, 1):
        with pytest.raises(ValueError, match="inputs must have shapes"):
            mod.prepare(x[:-1], d, mode)
        with pytest.raises(ValueError, match="inputs must have shapes"):
            mod.prepare(x, np.zeros(3), mode)
    bad = x.copy()
    bad[1] = np.nan
    with pytest.raises(ValueError, match="non-finite input"):
        mod.fused_value_and_grad_into(bad, d, out, jac)
    huge = x.copy()
    huge[3] = 1e308  # y: finite, but PhaseShift's 2 * y + 0.1 is not
    with pytest.raises(ValueError, match="non-finite gate parameter"):
        mod.fused_value_and_grad_into(huge, d, out, jac)


def test_written_out_entry_points_take_their_arrays_without_numba_runtime(monkeypatch):
    """The written-out entry points are compiled without numba's runtime (issue #19: each
    array is handed over as its pointer and shape, no reference-counted MemInfo made and
    freed at each call, a third of the seed's compiled call): they keep no reference to
    the arrays given (counts unchanged after many calls and refusals), write the same
    bits as the returning forms (compiled with the runtime, calling them: the arrays made
    there live on), and a body that makes an array keeps the runtime."""
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    entry, x, d = _compiled(one_wire, 1)
    mod = entry.module
    assert mod.UNROLLED
    for f in (mod.fused_value_into, mod.fused_value_and_grad_into):
        assert f.targetoptions.get("_nrt") is False, f
    assert mod.fused_value_and_grad.targetoptions.get("_nrt", True) is not False
    out, jac = np.empty(mod.NUM_OUTPUTS), np.empty((mod.NUM_OUTPUTS, mod.NUM_INPUTS))
    bad = x.copy()
    bad[0] = np.inf
    before = [sys.getrefcount(a) for a in (x, d, out, jac, bad)]
    for _ in range(300):
        mod.fused_value_and_grad_into(x, d, out, jac)
        mod.fused_value_into(x, d, out)
        with pytest.raises(ValueError, match="non-finite input"):
            mod.fused_value_and_grad_into(bad, d, out, jac)
    assert [sys.getrefcount(a) for a in (x, d, out, jac, bad)] == before
    mod.fused_value_and_grad_into(x, d, out, jac)
    _same(mod.fused_value_and_grad(x, d), (out, jac))
    _same(mod.fused_value(x, d), out)
    assert emit.runtime_free("    out[0] = math.cos(x[0])\n    jac[0, 0] = -x[1]") == (
        ", _nrt=False")
    assert emit.runtime_free("    t = np.empty(2)\n    out[0] = t[0]") == ""


# --- products by a literal zero folded away (issue #19: the adjoint's written-out step) ---
def _run_lines(lines, names):
    """Run straight-line ``lines`` in plain Python with the locals ``names`` and return
    ``out``'s bits (the reference: the lines as written, no folding)."""
    out = np.full(3, np.nan)
    scope = dict(names, out=out)
    exec("\n".join(lines), {}, scope)
    return out.tobytes()


def _same_bits_at_specials(new, lines):
    """``new`` and ``lines`` store the same bits in ``out`` for ``_q_a``, ``_q_b``,
    ``_q_c`` of every sign of zero, tiny and subnormal numbers, and others."""
    specials = [0.0, -0.0, 1.5, -2.25, 1e-300, -3e-310]
    for a in specials:
        for b in specials:
            for c in specials:
                names = {"_q_a": a, "_q_b": b, "_q_c": c}
                assert _run_lines(new, names) == _run_lines(lines, names), (a, b, c)


def test_fold_zero_terms_keeps_the_outputs_bits():
    lines = ["_q_z = 0.0",
             "_q_v1 = _q_a * 1.0 - _q_z * _q_b + _q_c * 0.0",      # a - 0*b + c*0
             "_q_v2 = _q_z * _q_a - _q_b",                         # 0*a - b: -b
             "_q_v3 = 0.0 + (_q_v1 * _q_v2 + _q_z * _q_c)",
             "_q_v4 = (-_q_z) * _q_a",                              # a zero: a zero local
             "_q_v5 = _q_v3 + _q_v4 * _q_b - _q_c * _q_a",
             "out[0] = _q_v5", "out[1] = 0.0 + _q_v2 * 0.0", "out[2] = 0.0 + _q_v4"]
    folded = emit.fold_zero_terms(lines)
    assert folded[1:3] == ["_q_v1 = _q_a * 1.0", "_q_v2 = -_q_b"]
    assert folded[5] == "_q_v5 = _q_v3 - _q_c * _q_a"
    assert emit.arithmetic(folded) < emit.arithmetic(lines)
    # every sign of zero the inputs can give (the outputs are sums from 0.0: +0.0)
    _same_bits_at_specials(folded, lines)


def test_fold_zero_terms_leaves_an_output_whose_zero_sign_could_change():
    """``out[0] = _q_v1`` with ``_q_v1 = _q_a * _q_b - 0.0 * _q_c``: not a sum from the
    literal 0.0, so ``-0.0 - (+0.0)`` and ``-0.0`` could differ: the lines as they were."""
    lines = ["_q_v1 = _q_a * _q_b - 0.0 * _q_c", "out[0] = _q_v1"]
    assert emit.fold_zero_terms(lines) == lines
    # gate code (calls, divisions) is never rewritten
    lines = ["_q_k = 0.0 * math.cos(_q_a)", "_q_v1 = 0.0 + _q_k / 2.0", "out[0] = _q_v1"]
    assert emit.fold_zero_terms(lines) == lines


def seed_like(x, y, data=None):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    qml.RZ(x[2] * y, wires=0)
    qml.Hadamard(wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRY(x[1], wires=[1, 0])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(1) + 0.5 * qml.PauliY(1))


@pytest.mark.parametrize("fn,n_wires", [pytest.param(seed_like, 2, id="two-wires"),
                                        pytest.param(one_expectation, 2, id="one-output")])
def test_written_out_adjoint_has_the_kernels_bits_at_exact_zeros(monkeypatch, fn, n_wires):
    """The written-out adjoint without its products by zero (fold_zero_terms) against
    prepare_adjoint and the adjoint kernel, every bit (signs of zeros included), at
    points whose amplitudes and gradient entries are exact zeros (angles 0 and pi)."""
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires), diff_method="adjoint")
    entry, xs, ds = node.compiled((X, Y), {"data": DATA})
    mod = entry.module
    assert mod.ADJOINT_UNROLLED
    from qsym._program import lower
    program = lower(entry.circuit, entry.plan)
    folded = emit.adjoint_lines(entry.circuit, program, checks=False)
    monkeypatch.setattr(emit, "fold_zero_terms", list)
    whole = emit.adjoint_lines(entry.circuit, program, checks=False)
    assert emit.arithmetic(folded) < emit.arithmetic(whole)  # products by zero dropped
    x0, d = flat(xs), flat(ds)
    for head in (X, np.zeros(3), np.array([np.pi, 0.0, -0.0]), np.array([0.0, np.pi, np.pi / 2])):
        x = x0.copy()
        x[:3] = head  # (the inputs: X's three entries, then Y)
        ref = type(entry).value_and_grad_adjoint(entry, x, d)  # prepare, then the kernels
        got = entry._fused("value_and_grad_adjoint")(x, d)
        for u, v in zip(ref, got):
            assert u.shape == v.shape and u.tobytes() == v.tobytes(), x


def _exec_step(lines, x, d, n_out, n_in):
    """Run a written-out step's straight-line ``lines`` in plain Python (IEEE doubles, as
    the compiled code) and return ``(out, jac)``'s bits."""
    out, jac = np.full(n_out, np.nan), np.full((n_out, n_in), np.nan)
    exec("\n".join(lines), {"math": math, "np": np}, {"x": x, "d": d, "out": out, "jac": jac})
    return out.tobytes(), jac.tobytes()


@pytest.mark.parametrize("fn,n_wires", [pytest.param(seed_like, 2, id="two-wires"),
                                        pytest.param(one_expectation, 2, id="one-output")])
def test_written_out_shift_without_zero_products_keeps_every_bit(monkeypatch, fn, n_wires):
    """Parameter shift written out (the module's ``fused_value_and_grad_into`` and
    qsym.minimize's loop step) without its products by zero: the lines as they were,
    run in plain Python, give the same bits (signs of zeros included) at points whose
    amplitudes and shifted values are exact zeros (angles 0 and pi); the module's entry
    points give the kernels' bits there."""
    import qsym._minimize as mm
    from qsym._program import lower

    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    monkeypatch.setattr(mm, "STEP_MAX_OPS", 10**6)
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires),
                     diff_method="parameter-shift")
    entry, xs, ds = node.compiled((X, Y), {"data": DATA})
    program = lower(entry.circuit, entry.plan)
    form, folded = mm.step_form(entry, "parameter-shift")
    assert form == "written out"
    whole = mm._written_shift(entry.circuit, program)
    assert emit.arithmetic(folded) < emit.arithmetic(whole)  # products by zero dropped
    mod = entry.module
    assert mod.UNROLLED
    text = emit.unrolled_functions(entry.circuit, program)
    with monkeypatch.context() as m:
        m.setattr(emit, "fold_zero_terms", list)
        assert emit.arithmetic(text.splitlines()) < emit.arithmetic(
            emit.unrolled_functions(entry.circuit, program).splitlines())
    x0, d = flat(xs), flat(ds)
    n_out, n_in = mod.NUM_OUTPUTS, mod.NUM_INPUTS
    for head in (X, np.zeros(3), np.array([np.pi, 0.0, -0.0]), np.array([0.0, np.pi, np.pi / 2])):
        x = x0.copy()
        x[:3] = head
        if n_out == 1:
            assert _exec_step(folded, x, d, n_out, n_in) == _exec_step(whole, x, d, n_out, n_in)
        for name in ("value", "value_and_grad"):
            ref = getattr(type(entry), name)(entry, x, d)  # prepare, then the kernels
            got = entry._fused(name)(x, d)
            ref, got = (v if isinstance(v, tuple) else (v,) for v in (ref, got))
            assert len(ref) == len(got)
            for u, v in zip(ref, got):
                assert u.shape == v.shape and u.tobytes() == v.tobytes(), (name, x)


# --- stop 64 (issue #19): the loop's adjoint step without the leading 0.0 of its locals' sums

def test_drop_zero_starts_keeps_the_outputs_bits():
    """A local's sum loses its leading ``0.0 +`` unless an output's sum starts from it:
    every output has the bits of the lines as written (run in plain Python) for inputs of
    every sign of zero, tiny and subnormal numbers."""
    import qsym._minimize as mm

    lines = ["_q_v1 = 0.0 + _q_a * _q_b",             # dropped: read by products only
             "_q_v2 = 0.0 + (_q_v1 * _q_c - _q_b)",    # dropped
             "_q_v3 = 0.0 + _q_v2 * 2.0",              # kept: out[1] starts from it
             "_q_v4 = _q_v3 + _q_v1 * _q_a",
             "out[0] = 0.0 + _q_v2 * _q_c", "out[1] = _q_v4", "out[2] = 0.0 + -_q_v1"]
    dropped = mm.drop_zero_starts(lines)
    assert dropped[:3] == ["_q_v1 = _q_a * _q_b", "_q_v2 = _q_v1 * _q_c - _q_b",
                           "_q_v3 = 0.0 + _q_v2 * 2.0"]
    _same_bits_at_specials(dropped, lines)


def test_drop_zero_starts_leaves_what_could_change_an_output():
    """A local read by a call or a division keeps its 0.0; an output that would no longer
    be a sum from 0.0 leaves the lines as they were."""
    import qsym._minimize as mm

    lines = ["_q_v1 = 0.0 + _q_a * _q_b", "_q_v2 = math.sqrt(_q_v1)", "out[0] = 0.0 + _q_v2"]
    assert mm.drop_zero_starts(lines) == lines
    lines = ["_q_v1 = 0.0 + _q_a * _q_b", "_q_v2 = _q_v1 / 2.0", "out[0] = 0.0 + _q_v2"]
    assert mm.drop_zero_starts(lines) == lines
    lines = ["_q_v1 = _q_a * _q_b", "out[0] = _q_v1"]  # not a sum from 0.0 to begin with
    assert mm.drop_zero_starts(lines) == lines


@pytest.mark.parametrize("fn,n_wires", [pytest.param(seed_like, 2, id="two-wires"),
                                        pytest.param(one_expectation, 2, id="one-output")])
def test_loop_adjoint_step_has_the_written_out_adjoints_bits(monkeypatch, fn, n_wires):
    """qsym.minimize's adjoint step (the module's written-out adjoint, its locals' leading
    0.0 dropped: fewer additions) gives the lines as written every bit, run in plain
    Python, at points whose amplitudes and gradient entries are exact zeros."""
    import qsym._minimize as mm
    from qsym._program import lower

    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    monkeypatch.setattr(mm, "STEP_MAX_OPS", 10**6)
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires), diff_method="adjoint")
    entry, xs, ds = node.compiled((X, Y), {"data": DATA})
    program = lower(entry.circuit, entry.plan)
    form, step = mm.step_form(entry, "adjoint")
    assert form == "written out"
    written = emit.adjoint_lines(entry.circuit, program, checks=False, max_ops=10**6)
    assert step == mm.drop_zero_starts(written) and step != written
    assert sum(" 0.0 + " in line for line in step) < sum(" 0.0 + " in line for line in written)
    x0, d = flat(xs), flat(ds)
    n_in = len(x0)
    for head in (X, np.zeros(3), np.array([np.pi, 0.0, -0.0]), np.array([0.0, np.pi, np.pi / 2])):
        x = x0.copy()
        x[:3] = head
        assert _exec_step(step, x, d, 1, n_in) == _exec_step(written, x, d, 1, n_in), x
