"""qsym.minimize's step inside the compiled loop: its three forms against independent
references.

- a tiny circuit's parameter shift written out (the circuit module's written-out lines
  without their checks, the shifted matrices by angle addition): the module's fused
  entry point and the exact derivative to 1e-12;
- a tiny circuit's adjoint method written out: the adjoint kernel and the exact
  derivative (sympy, product rule; no shift rule, no adjoint sweep) to 1e-12;
- the kernels' form (forced here with ``STEP_MAX_OPS = 0``): the Python ``step`` (which
  runs the same kernels) bit for bit;

and what the loop does with a non-finite cost or gradient (a qsym error, not a raw
``ValueError`` from compiled code), and that a step allocates nothing.
"""

import os
import subprocess
import sys
import textwrap

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym import _kernels as kernels
from qsym._cache import Memo
from qsym._shapes import flat
from qsym._symbolic import exact_jacobian

# the loop's tiers (its first steps on tier 0, its promotion, the swap to the compiled
# loop): under the default setting (auto) (tests/conftest.py, FIRST_TIER)
pytestmark = pytest.mark.compiled_tier


minimize_module = sys.modules["qsym._minimize"]

dev1 = qml.device("default.qubit", wires=1)
dev2 = qml.device("default.qubit", wires=2)
# the written-out gate kinds: dense (RX, Rot, CRX), real (RY), diagonal (RZ), controlled-X
# (CNOT); words with flips and Y's; classical processing; data (a keyword argument)
H1 = qml.Hamiltonian([0.5, 0.7], [qml.PauliZ(0), qml.PauliY(0)])


def one_wire(diff_method):
    @qml.qnode(dev1, diff_method=diff_method)
    def circuit(p, scale=0.8):
        qml.RX(2.0 * p[0], wires=0)
        qml.RY(np.sin(p[1]) * scale, wires=0)
        qml.Rot(p[2], 0.3, -0.4, wires=0)
        return qml.expval(H1)

    return circuit


def two_wires(diff_method):
    @qml.qnode(dev2, diff_method=diff_method)
    def circuit(p):
        qml.RX(p[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.CRX(p[1], wires=[1, 0])
        qml.RZ(p[0] * p[2], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    return circuit


dev3 = qml.device("default.qubit", wires=3)


@qml.qnode(dev3, diff_method="adjoint")
def three_wires(p):
    """Real one-wire gates on every wire (the adjoint loop's view-free sweep: every bit
    position), a diagonal, CNOTs, a two-term observable."""
    for i in range(3):
        qml.RY(p[i], wires=i)
    qml.CNOT(wires=[0, 1])
    qml.CNOT(wires=[1, 2])
    for i in range(3):
        qml.RY(p[i] * p[0], wires=i)
        qml.RZ(p[2 - i], wires=i)
    return qml.expval(qml.PauliZ(0) + 0.5 * qml.PauliX(2))


NODES = {m: one_wire(m) for m in ("parameter-shift", "adjoint")}
TWO = two_wires("adjoint")
POINTS = onp.random.default_rng(5).uniform(-onp.pi, onp.pi, size=(4, 3))


def entry_of(node, x, **kw):
    entry, _, ds = node.compiled((x,), kw, diff=(0,))
    return entry, onp.ascontiguousarray(flat(ds), dtype=float)


def compiled_run(entry, method, x0, kind, hp, steps):
    """The compiled loop module's iterate after ``steps`` steps of optimizer ``kind`` from
    ``x0`` (no data)."""
    loop = minimize_module._loop_module(entry, method)
    x = onp.array(x0, dtype=float)
    n = x.shape[0]
    s1, s2, cost, gn = onp.zeros(n), onp.zeros(n), onp.zeros(steps + 1), onp.zeros(steps + 1)
    hp = onp.array(list(hp) + [0.0] * (6 - len(hp)))
    assert loop.run(x, onp.zeros((1, 0)), onp.zeros(1), 0, kind, hp, s1, s2, 0, steps, False,
                    0.0, cost, gn) == (steps, 0)
    return x


def step(mod, x, d):
    out, jac = onp.empty(1), onp.empty((1, x.shape[0]))
    mod._q_step(x, d, out, jac)
    return out, jac


def force(monkeypatch, form):
    """The loop's step in ``form`` for the small circuits here: ``"kernels"`` (no
    written-out step, no written-out sweep), ``"kernels, sweep"`` (the adjoint sweep's ops
    written out as kernel calls) or ``"written out"`` (the default for them)."""
    monkeypatch.setattr(minimize_module, "_loops", Memo(128))
    if form != "written out":
        monkeypatch.setattr(minimize_module, "STEP_MAX_OPS", 0)
    if form == "kernels":
        monkeypatch.setattr(minimize_module, "SWEEP_MAX_OPS", 0)


def test_written_parameter_shift_against_module_and_exact_derivative():
    """The written-out parameter shift (no checks; shifted matrices by angle addition from
    the unshifted sines and cosines) against the circuit module's fused entry point and
    the exact derivative: 1e-12."""
    node = NODES["parameter-shift"]
    entry, d = entry_of(node, POINTS[0])
    form, lines = minimize_module.step_form(entry, "parameter-shift")
    assert form == "written out" and not any("raise" in line for line in lines)
    # no shifted parameter (``p = 1.0 * p + 1.5707963267948966``): the shifted matrices
    # take the unshifted angles' sines and cosines (angle addition)
    text = "\n".join(lines)
    assert "_q_s0_p0 = _q_th" in text and repr(onp.pi / 2) not in text
    loop = minimize_module._loop_module(entry, "parameter-shift")
    for x in POINTS:
        out, jac = step(loop, x, d)
        ref_out, ref_jac = onp.empty(1), onp.empty((1, 3))
        entry.module.fused_value_and_grad_into(x, d, ref_out, ref_jac)
        assert onp.array_equal(out, ref_out)  # the value circuit: the same lines
        onp.testing.assert_allclose(jac, ref_jac, rtol=0, atol=1e-12)
        onp.testing.assert_allclose(jac, exact_jacobian(entry.circuit, x, d), rtol=0,
                                    atol=1e-12)
        assert onp.max(onp.abs(jac)) > 0.1


@pytest.mark.parametrize("shift", [onp.pi / 2, 0.3, 2.0])
def test_shifted_matrices_by_angle_addition(shift):
    """Each shifted gate matrix printed by angle addition equals the gate's matrix at the
    shifted parameter (numpy's reference matrices, written here), to rounding."""
    import math

    def rx(t):
        c, s = math.cos(t / 2), math.sin(t / 2)
        return onp.array([[c, -1j * s], [-1j * s, c]])

    def rz(t):
        return onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])

    for name, ref, stored in (("RX", rx, lambda m: m.ravel()), ("RZ", rz, onp.diag)):
        body = minimize_module._shifted_body((name, None, ()), 0, float(shift))
        for t in (-2.1, 0.4, 3.0):
            env = {"math": math, "p0": t, "out": onp.zeros(4, dtype=complex), "off": 0}
            exec("\n".join(body), env)
            want = stored(ref(t + shift))
            onp.testing.assert_allclose(env["out"][: want.size], want, rtol=0, atol=1e-15)


@pytest.mark.parametrize("node", [NODES["adjoint"], TWO], ids=["one wire", "two wires"])
def test_written_adjoint_against_kernel_and_exact_derivative(node):
    """The written-out adjoint step: the module's written-out adjoint and the kernel bit
    for bit, the exact derivative (sympy) to 1e-12."""
    entry, d = entry_of(node, POINTS[0])
    form, _ = minimize_module.step_form(entry, "adjoint")
    assert form == "written out"
    loop = minimize_module._loop_module(entry, "adjoint")
    for x in POINTS:
        out, jac = step(loop, x, d)
        # the circuit module's written-out adjoint without its checks (qsym._emit's walk):
        # its bits, and so the adjoint kernel's
        ref_out, ref_jac = entry.module.fused_value_and_grad_adjoint(x, d)
        assert onp.array_equal(out, ref_out) and onp.array_equal(jac, ref_jac)
        kern_out, kern_jac = onp.empty(1), onp.empty((1, 3))
        kernels.program_value_and_grad_adjoint_into(
            entry.module.PROGRAM_INTS.copy(), entry.module.PROGRAM_FLOATS.copy(),
            *entry.module.prepare_adjoint(x, d)[:5], kern_out, kern_jac)
        assert onp.array_equal(out, kern_out) and onp.array_equal(jac, kern_jac)
        exact = exact_jacobian(entry.circuit, x, d)
        onp.testing.assert_allclose(jac, exact, rtol=0, atol=1e-12)
        assert onp.max(onp.abs(jac)) > 0.1  # not a trivially zero gradient


def test_written_adjoint_with_data_and_other_scale():
    """Data (a keyword argument) reaches the written-out step: the exact derivative at
    another value of it."""
    node = NODES["adjoint"]
    x = POINTS[1]
    entry, d = entry_of(node, x, scale=-1.7)
    assert d.tolist() == [-1.7]
    loop = minimize_module._loop_module(entry, "adjoint")
    _, jac = step(loop, x, d)
    onp.testing.assert_allclose(jac, exact_jacobian(entry.circuit, x, d), rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_loop_iterates_match_python_steps(method):
    """The whole loop (Adam, 15 steps) with the written-out step against the optimizer's
    Python step: 1e-12."""
    node = NODES[method]
    res = qml.minimize(node, POINTS[2], optimizer=qml.AdamOptimizer(0.05), steps=15)
    assert res.compiled
    opt = qml.AdamOptimizer(0.05)
    p = np.array(POINTS[2])
    costs = []
    for _ in range(15):
        p, c = opt.step_and_cost(node, p)
        costs.append(float(c))
    onp.testing.assert_allclose(res.x, p, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(res.cost_history[:-1], costs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("form", ["kernels", "kernels, sweep"])
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "adjoint-3", "adjoint-2"])
def test_kernel_form_is_the_python_steps_bits(monkeypatch, method, form):
    """Circuits too large to write out run prepare and the kernels (adjoint: into memory
    made once per run, kernels.adjoint_step_into and its view-free sweep, or that sweep
    with its ops written out as the same kernel calls): the same bits as the Python step,
    which runs the library's adjoint kernel. Two wires: a two-wire gate's derivative
    (CRX: its overlap through ``phi``) and a permutation (CNOT)."""
    if form == "kernels, sweep" and method == "parameter-shift":
        pytest.skip("the sweep is the adjoint method's")
    if form == "kernels" and method == "adjoint-2":
        pytest.skip("the sweep's two-wire paths (the kernels' form: adjoint-3); keeps the file fast")
    force(monkeypatch, form)
    node = {"adjoint-3": three_wires, "adjoint-2": TWO}.get(method) or NODES[method]
    method = method.split("-")[0] if method.endswith(("-2", "-3")) else method
    entry, _ = entry_of(node, POINTS[3])
    assert minimize_module.step_form(entry, method)[0] == form
    res = qml.minimize(node, POINTS[3], optimizer=qml.MomentumOptimizer(0.05), steps=6)
    assert f"(step: {form}, {method})" in minimize_module.loop(entry, method).source
    if form == "kernels" and method == "adjoint":  # run calls the kernel through its table
        assert ("_q_adjoint_step_into = _q_through_table(_q_adjoint_step_into)"
                in minimize_module.loop(entry, method).source)
    opt = qml.MomentumOptimizer(0.05)
    p = np.array(POINTS[3])
    for _ in range(6):
        p = opt.step(node, p)
    assert onp.array_equal(res.x, onp.asarray(p))  # the loop's tier 0 (a new circuit)
    # and the compiled loop module
    assert onp.array_equal(compiled_run(entry, method, POINTS[3], 1, [0.05, 0.9], 6), p)


def _wide(n):
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, diff_method="adjoint")
    def wide(p):
        for i in range(n):
            qml.RY(p[i % 3] * (i + 1) / n, wires=i)
        for i in range(n - 1):
            qml.CNOT(wires=[i, i + 1])
        qml.RZ(p[1], wires=0)
        qml.RX(p[2], wires=n - 1)
        return qml.expval(qml.PauliZ(0) + 0.5 * qml.PauliZ(n - 1) @ qml.PauliX(2))

    return wide


def test_large_state_adjoint_runs_the_blocked_passes_with_the_python_steps_bits():
    """From ``kernels.BLOCK_MIN_WIRES`` wires a single adjoint gradient runs the blocked
    passes (on tier 0's twins from ``BLOCK_TWIN_MIN_WIRES``: below, their op-by-op steps,
    which agree to rounding); the loop's step is the circuit module's entry point, which
    runs them too (not the op-by-op sweep): the iterates are the Python ``step``'s bit for
    bit (checked on tier 0 where it runs the blocked passes)."""
    from qsym import _kernels as kernels

    x0 = POINTS[1]
    small, _ = entry_of(_wide(kernels.BLOCK_MIN_WIRES), x0)
    assert minimize_module.step_form(small, "adjoint") == ("kernels, blocked", None)
    n = kernels.BLOCK_TWIN_MIN_WIRES
    wide = _wide(n)
    entry, _ = entry_of(wide, x0)
    assert minimize_module.step_form(entry, "adjoint") == ("kernels, blocked", None)
    assert entry.adjoint_kernel() != "program_value_and_grad_adjoint_into"
    res = qml.minimize(wide, x0, optimizer=qml.MomentumOptimizer(0.05), steps=4)
    assert "(step: kernels, blocked, adjoint)" in minimize_module.loop(entry, "adjoint").source
    opt = qml.MomentumOptimizer(0.05)
    p = np.array(x0)
    for _ in range(4):
        p = opt.step(wide, p)
    assert onp.array_equal(res.x, onp.asarray(p))  # the loop's tier 0 (a new circuit)
    # and the compiled loop module
    assert onp.array_equal(compiled_run(entry, "adjoint", x0, 1, [0.05, 0.9], 4), p)
    # and the gradient is the derivative (central differences of the value), so the
    # blocked step is not only self-consistent
    x, d, h = onp.asarray(x0, dtype=float), onp.zeros(0), 1e-5
    _, jac = entry.value_and_grad_adjoint(x, d)
    fd = [(entry.value(x + h * e, d) - entry.value(x - h * e, d))[0] / (2 * h)
          for e in onp.eye(3)]
    onp.testing.assert_allclose(jac[0], fd, rtol=0, atol=1e-8)


def arcsin_circuit(diff_method):
    @qml.qnode(dev1, diff_method=diff_method)
    def circuit(p):
        qml.RX(np.arcsin(p[0]), wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
@pytest.mark.parametrize("kernels", [False, True])
def test_non_finite_stops_with_a_qsym_error(monkeypatch, method, kernels):
    """A step out of arcsin's domain gives a NaN gate parameter: the loop stops and
    minimize raises DifferentiationError saying what to do (the written-out step runs no
    checks; the kernels' prepare raises and minimize converts it)."""
    if kernels:
        force(monkeypatch, "kernels, sweep" if method == "adjoint" else "kernels")
    node = arcsin_circuit(method)
    # d<Z>/dp = -2 p / sqrt(1 - p^2)... cos(arcsin p) = sqrt(1-p^2): <Z> = sqrt(1 - p^2)
    with pytest.raises(qml.DifferentiationError, match="not finite.*step size"):
        qml.minimize(node, [0.5], optimizer=qml.GradientDescentOptimizer(-5.0), steps=20)


def test_overflow_stops_with_a_qsym_error():
    node = NODES["parameter-shift"]
    with pytest.raises(qml.DifferentiationError, match="not finite at step 1"):
        qml.minimize(node, POINTS[0], optimizer=qml.GradientDescentOptimizer(1e308),
                     steps=5)


def test_loop_source_is_kept_as_a_record(monkeypatch):
    """The loop's source (a written-out step is printed with sympy: slow in a new
    process) is read back from the cache folder; another STEP_MAX_OPS is another key."""
    from qsym import _cache as cache

    if not cache.enabled():
        pytest.skip("the disk cache is off")
    entry, _ = entry_of(NODES["parameter-shift"], POINTS[0])
    src = minimize_module.loop_source(entry, "parameter-shift")

    def printed_again(*args):
        raise AssertionError("printed again")

    monkeypatch.setattr(minimize_module, "_make_loop_source", printed_again)
    assert minimize_module.loop_source(entry, "parameter-shift") == src
    # a value no earlier run has used: another key, printed again
    monkeypatch.setattr(minimize_module, "STEP_MAX_OPS", 2000 + int.from_bytes(os.urandom(4)))
    with pytest.raises(AssertionError, match="printed again"):
        minimize_module.loop_source(entry, "parameter-shift")


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_written_step_with_input_coefficients(method):
    """A coefficient of the observable that depends on the inputs (its derivative times
    the word's value, after the chain rule): the exact derivative to 1e-12."""
    @qml.qnode(dev1, diff_method=method)
    def c(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.Hamiltonian([2.0 * p[1], 0.5], [qml.PauliZ(0), qml.PauliX(0)]))

    x = POINTS[1][:2].copy()
    entry, d = entry_of(c, x)
    assert minimize_module.step_form(entry, method)[0] == "written out"
    out, jac = step(minimize_module._loop_module(entry, method), x, d)
    onp.testing.assert_allclose(out, [c(x)], rtol=0, atol=1e-12)
    onp.testing.assert_allclose(jac, exact_jacobian(entry.circuit, x, d), rtol=0, atol=1e-12)


@pytest.mark.parametrize("form", ["written out", "kernels", "kernels, sweep"])
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_one_row_direct_path_equals_the_sum_over_rows(monkeypatch, method, form):
    """With one data row and the circuit's value as the cost, the loop takes the
    Jacobian's row as the gradient and the value as the cost (no sums, no copy of x):
    the same bits as the general path, which sums over rows, run here with the row twice
    (``(a + a) / 2 == a`` in floating point), for gradient descent, Nesterov (its
    look-ahead point apart from x) and Adam."""
    if form == "kernels, sweep" and method == "parameter-shift":
        pytest.skip("the sweep is the adjoint method's")
    force(monkeypatch, form)
    node = NODES[method]
    x0 = POINTS[1]
    entry, d = entry_of(node, x0)
    assert minimize_module.step_form(entry, method)[0] == form
    loop = minimize_module._loop_module(entry, method)
    hp = {0: [0.05, 0, 0, 0, 0, 0], 2: [0.05, 0.9, 0, 0, 0, 0],
          5: [0.05, 0, 0, 1e-8, 0.9, 0.99]}
    steps = 25
    for kind, h in hp.items():
        runs = []
        for rows in (1, 2):
            x, s1, s2 = x0.copy(), onp.zeros(3), onp.zeros(3)
            cost, gn = onp.zeros(steps + 1), onp.zeros(steps + 1)
            D = onp.repeat(d[None, :], rows, axis=0)
            done = loop.run(x, D, onp.zeros(rows), 0, kind, onp.array(h, dtype=float), s1, s2,
                            0, steps, True, 0.0, cost, gn)
            runs.append((done, x, s1, s2, cost, gn))
        (done1, *one), (done2, *two) = runs
        assert done1 == done2 == (steps, 0)
        for a, b in zip(one, two):
            assert onp.array_equal(a, b), kind
        assert onp.max(onp.abs(runs[0][1] - x0)) > 0.05  # it moved


# --- the loop's tiers: a new circuit's loop runs as plain Python first ------------------
ALL_KINDS = {0: [0.05, 0, 0, 0, 0, 0], 1: [0.05, 0.9, 0, 0, 0, 0], 2: [0.05, 0.9, 0, 0, 0, 0],
             3: [0.1, 0, 0, 1e-8, 0, 0], 4: [0.05, 0, 0.9, 1e-8, 0, 0],
             5: [0.05, 0, 0, 1e-8, 0.9, 0.99]}


def runs_of(call, x0, D, Y, loss, kind, steps, chunks=(None,)):
    """``(done, x, s1, s2, cost, gnorm)`` of the loop ``call`` (``run``'s arguments) over
    ``steps`` steps, cut at the steps in ``chunks``."""
    x, n = x0.copy(), x0.shape[0]
    s1, s2, cost, gn = onp.zeros(n), onp.zeros(n), onp.zeros(steps + 1), onp.zeros(steps + 1)
    hp = onp.array(ALL_KINDS[kind], dtype=float)
    k, done = 0, None
    for k1 in [c for c in chunks if c is not None] + [steps]:
        done = call(x, D, Y, loss, kind, hp, s1, s2, k, k1, k1 == steps, 0.0, cost, gn)
        k = k1
    return done, x, s1, s2, cost, gn


@pytest.mark.parametrize("form", ["written out", "kernels", "kernels, sweep"])
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_python_tier_gives_the_compiled_loops_bits(monkeypatch, method, form):
    """A new circuit's loop on tier 0 (the loop module's text as plain Python; the
    kernels' step by the circuit's own entry point) against the compiled loop module:
    the six optimizers, one data row (the circuit's value) and three (the squared loss),
    the same bits in the iterate, the accumulators, the costs and the gradient norms."""
    if form == "kernels, sweep" and method == "parameter-shift":
        pytest.skip("the sweep is the adjoint method's")
    monkeypatch.setenv("QSYM_TIER", "python")  # never promoted
    force(monkeypatch, form)
    node = NODES[method]
    x0 = POINTS[1]
    entry, d = entry_of(node, x0)
    assert minimize_module.step_form(entry, method)[0] == form
    tiered = minimize_module.Loop(entry, method)
    assert tiered.tier == "python" and ("_q_vg_into" in tiered.source) == (
        form == "kernels" and method == "parameter-shift")
    compiled = minimize_module._loop_module(entry, method)

    def python(*args):
        done, tier = tiered.call(*args)
        assert tier == "python"
        return done

    data = ((d[None, :], onp.zeros(1), 0),
            (onp.stack([d, 1.3 * d, -0.4 * d]), onp.array([0.2, -0.3, 0.5]), 1))
    for kind in ALL_KINDS:
        for D, Y, loss in data:
            a = runs_of(python, x0, D, Y, loss, kind, 12)
            b = runs_of(compiled.run, x0, D, Y, loss, kind, 12)
            assert a[0] == b[0] == (12, 0)
            for u, v in zip(a[1:], b[1:]):
                assert onp.array_equal(u, v), (kind, loss)
            assert onp.max(onp.abs(a[1] - x0)) > 0.01  # it moved
    assert tiered.tier == "python"


def test_a_new_circuits_first_minimize_compiles_nothing(monkeypatch):
    """The first ``minimize`` of a circuit new to this process runs its loop on tier 0:
    no loop module compiled or loaded, the circuit's numba module not even imported; the
    result says which tier ran; the iterates are the optimizer's Python ``step``'s
    (1e-12: the written-out step computes in its own order)."""
    from qsym import _tiers as tiers

    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only

    @qml.qnode(dev2, diff_method="parameter-shift")
    def fresh(p):
        qml.RY(p[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RX(0.7 * p[1], wires=1)
        return qml.expval(qml.PauliZ(1))  # cos(p0) cos(0.7 p1)

    before = minimize_module._loops.keys()
    res = qml.minimize(fresh, [0.4, -0.2], optimizer=qml.MomentumOptimizer(0.1), steps=30)
    entry, _ = entry_of(fresh, onp.array([0.4, -0.2]))
    assert res.compiled and res.tier == "python", res
    assert minimize_module._loops.keys() == before
    assert not entry.module.loaded  # (a LazyModule: loaded only to compile or load it)
    opt, p = qml.MomentumOptimizer(0.1), np.array([0.4, -0.2])
    for _ in range(30):
        p = opt.step(fresh, p)
    onp.testing.assert_allclose(res.x, p, rtol=0, atol=1e-12)
    assert onp.max(onp.abs(res.x - [0.4, -0.2])) > 0.1


def test_loop_swaps_to_the_compiled_module_with_the_same_bits(monkeypatch):
    """Promoted at once (``COMPILE_AFTER_SECONDS = 0``), a loop is compiled by a
    background process and swapped in between chunks: a run cut in chunks across the swap,
    and multistart runs on four threads while it happens, give the bits of tier 0 alone
    (QSYM_TIER=python) and of the compiled loop alone."""
    from qsym import _tiers as tiers

    if not tiers.background_possible(NODES["adjoint"].compiled(
            (POINTS[0],), {}, diff=(0,))[0].module):
        pytest.skip("no shared disk cache: compiled here instead (tests/test_tiers.py)")

    @qml.qnode(dev1, diff_method="adjoint")  # small: its loop compiles in about a second
    def swapped(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1] - 0.5 * p[0], wires=0)
        return qml.expval(qml.PauliX(0) + 0.3 * qml.PauliZ(0))

    x0 = onp.array([0.7, -1.1])
    entry, d = entry_of(swapped, x0)
    D, Y = d[None, :], onp.zeros(1)
    monkeypatch.setenv("QSYM_TIER", "python")
    reference = runs_of(lambda *a: minimize_module.Loop(entry, "adjoint").call(*a)[0],
                        x0, D, Y, 0, 5, 40)
    monkeypatch.delenv("QSYM_TIER")
    monkeypatch.setattr(minimize_module, "_tiered", Memo(256))
    monkeypatch.setattr(minimize_module, "_loops", Memo(128))
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 0.0)
    with monkeypatch.context() as m:  # not loaded from an earlier run's disk cache
        m.setattr(minimize_module.Loop, "_on_disk", lambda self: False)
        loop = minimize_module.loop(entry, "adjoint")
    tiers_seen = []

    def call(*args):
        done, tier = loop.call(*args)
        tiers_seen.append(tier)
        if len(tiers_seen) == 1:  # the first chunk promoted it: a background process
            assert tier == "python" and loop.wait(600) == "compiled"
        return done

    across = runs_of(call, x0, D, Y, 0, 5, 40, chunks=(10,))
    assert tiers_seen == ["python", "compiled"]
    for u, v in zip(across, reference):
        assert onp.array_equal(u, v)
    # many starts on threads, a new loop object swapped while they run
    monkeypatch.setattr(minimize_module, "_tiered", Memo(256))
    monkeypatch.setattr(minimize_module, "_loops", Memo(128))
    starts = onp.array([x0, x0 + 0.1, x0 - 0.2, -x0])
    res = qml.minimize(swapped, starts, multistart=True, threads=4, steps=400,
                       optimizer=qml.AdamOptimizer(0.05))
    assert res.tier in ("python", "python, then compiled", "compiled")
    for i, s in enumerate(starts):
        ref = runs_of(lambda *a: minimize_module._loop_module(entry, "adjoint").run(*a),
                      s, D, Y, 0, 5, 400)
        assert onp.array_equal(res.x[i], ref[1]), i
        assert onp.array_equal(res.cost_history[i], ref[4]), i


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_loop_over_the_size_cap_stays_on_tier_0(monkeypatch, capfd, cache):
    """A loop whose circuit module (or its own) has a function over
    ``tiers.COMPILE_MAX_FUNCTION_LINES`` lines is not compiled at its promotion (no
    background job, nothing compiled here, no stderr line): its runs stay on tier 0, with
    the bits of tier 0 alone (QSYM_TIER=python)."""
    from qsym import _tiers as tiers

    @qml.qnode(dev1, diff_method="adjoint")
    def capped(p):
        qml.RY(p[0], wires=0)
        qml.RX(p[1] + 0.25 * p[0], wires=0)
        return qml.expval(qml.PauliX(0) + 0.3 * qml.PauliZ(0))

    x0 = onp.array([0.7, -1.1])
    entry, d = entry_of(capped, x0)
    D, Y = d[None, :], onp.zeros(1)
    monkeypatch.setenv("QSYM_TIER", "python")
    reference = runs_of(lambda *a: minimize_module.Loop(entry, "adjoint").call(*a)[0],
                        x0, D, Y, 0, 5, 40)
    monkeypatch.delenv("QSYM_TIER")
    if cache == "off":
        monkeypatch.setenv("QSYM_CACHE", "0")
    monkeypatch.setattr(tiers, "_warned", False)
    monkeypatch.setattr(minimize_module, "_tiered", Memo(256))
    monkeypatch.setattr(minimize_module, "_loops", Memo(128))
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 0.0)  # promoted at once
    monkeypatch.setattr(tiers, "COMPILE_MAX_FUNCTION_LINES", 5, raising=False)
    with monkeypatch.context() as m:  # not loaded from an earlier run's disk cache
        m.setattr(minimize_module.Loop, "_on_disk", lambda self: False)
        loop = minimize_module.loop(entry, "adjoint")
    seen = []

    def call(*args):
        done, tier = loop.call(*args)
        seen.append(tier)
        return done

    got = runs_of(call, x0, D, Y, 0, 5, 40, chunks=(10,))
    assert loop.promoted and loop.job is None and loop.mod is None
    assert set(seen) == {"python"}
    for u, v in zip(got, reference):
        assert onp.array_equal(u, v)
    assert "qsym: compiling" not in capfd.readouterr().err


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_one_background_compile_serves_the_loop_and_its_circuit(monkeypatch, method):
    """A kernels' step on tier 0 calls the circuit's own tier-0 entry point; those calls
    do not promote the circuit (its background compile would queue beside the loop's):
    the loop's promotion starts one job, which compiles the entry points the circuit used
    and the loop module, and moves both."""
    from qsym import _tiers as tiers

    jobs = []

    class Recorded:
        def __init__(self, module, source, names, x, d, done, modules=()):
            jobs.append((module.__name__, list(names), len(modules)))

        def start(self):
            pass

        def join(self, timeout=None):
            pass

    @qml.qnode(dev1, diff_method=method)
    def served(p):
        qml.RY(p[0], wires=0)
        qml.RX(0.3 * p[1] - p[0], wires=0)
        return qml.expval(qml.PauliZ(0) + 0.4 * qml.PauliX(0))

    x0 = onp.array([0.2, -0.6])
    entry, _ = entry_of(served, x0)
    if not tiers.background_possible(entry.module):
        pytest.skip("no shared disk cache: compiled here instead")
    force(monkeypatch, "kernels")
    monkeypatch.setattr(minimize_module, "_tiered", Memo(256))
    monkeypatch.setattr(tiers, "Job", Recorded)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)  # the circuit's own threshold
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # the loop's: not yet
    with monkeypatch.context() as m:
        m.setattr(minimize_module.Loop, "_on_disk", lambda self: False)
        res = qml.minimize(served, x0, optimizer=qml.AdamOptimizer(0.05), steps=40)
    assert res.tier == "python" and entry.tier == "python"
    assert jobs == []  # 41 calls of the circuit: none promoted it
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 0.0)
    qml.minimize(served, x0, optimizer=qml.AdamOptimizer(0.05), steps=40)
    assert len(jobs) == 1, jobs
    module, names, loops = jobs[0]
    assert module == entry.module.__name__ and loops == 1
    assert names and all(("adjoint" in n) == (method == "adjoint") for n in names
                         if n != "prepare"), names
    # the circuit is promoted (its job is the loop's): its own calls start no other job
    for _ in range(5):
        served(np.array(x0))
        qml.grad(served)(np.array(x0))
    assert len(jobs) == 1, jobs


@pytest.mark.parametrize("node_of", [one_wire, two_wires], ids=["one wire", "two wires"])
def test_adjoint_loop_iterates_are_parameter_shifts(node_of):
    """The written-out adjoint step (its products by zero folded away:
    qsym._emit.fold_zero_terms) and parameter shift (written out on one wire, the
    kernels' on two) give the same iterates to 1e-12 over 200 gradient-descent steps; the adjoint loop's are the Python
    step's to every bit (signs of zeros included: ``tobytes``)."""
    runs = {}
    for method in ("parameter-shift", "adjoint"):
        node = node_of(method)
        entry, _ = entry_of(node, POINTS[1])
        if method == "adjoint":
            assert minimize_module.step_form(entry, method)[0] == "written out"
        res = qml.minimize(node, POINTS[1], optimizer=qml.GradientDescentOptimizer(0.1),
                           steps=200)
        assert res.compiled
        runs[method] = onp.asarray(res.x)
        if method == "adjoint":
            x = compiled_run(entry, "adjoint", POINTS[1], 0, [0.1], 200)
            opt, p = qml.GradientDescentOptimizer(0.1), np.array(POINTS[1])
            for _ in range(200):
                p = opt.step(node, p)
            assert x.tobytes() == onp.asarray(p).tobytes() == runs["adjoint"].tobytes()
    assert onp.max(onp.abs(runs["adjoint"] - POINTS[1])) > 0.1  # it moved
    onp.testing.assert_allclose(runs["adjoint"], runs["parameter-shift"], rtol=0, atol=1e-12)


@qml.qnode(dev1, diff_method="adjoint")
def seed_adjoint(p):
    """issue #19's seed (RX RY, <Z>): the bench's compiled-loop problem."""
    qml.RX(p[0], wires=0)
    qml.RY(p[1], wires=0)
    return qml.expval(qml.PauliZ(0))


seed_shift = qml.QNode(seed_adjoint.func, dev1, diff_method="parameter-shift")


def by_hand(node, x0, rule, eta, steps, b1=0.9, b2=0.99):
    """A plain Python loop: ``qml.grad(node)`` at each point (a trainable tensor), the
    optimizer's update written here in NumPy from its textbook form (not qsym.optimize):
    gradient descent ``x - eta g``; Adam with PennyLane's bias correction
    ``eta sqrt(1 - b2^t) / (1 - b1^t)`` (``b1 = 0.9``, ``b2 = 0.99`` unless given),
    ``eps = 1e-8``."""
    x = onp.array(x0, dtype=float)
    m, v = onp.zeros_like(x), onp.zeros_like(x)
    for t in range(1, steps + 1):
        g = onp.asarray(qml.grad(node)(np.array(x, requires_grad=True)))
        if rule == "gd":
            x = x - eta * g
        else:
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            x = x - eta * onp.sqrt(1 - b2**t) / (1 - b1**t) * m / (onp.sqrt(v) + 1e-8)
    return x


@pytest.mark.parametrize("rule", ["gd", "adam"])
@pytest.mark.parametrize("node, form", [
    (seed_adjoint, "written out"), (seed_shift, "written out"),
    (three_wires, "kernels, sweep"), (three_wires, "kernels")],
    ids=["seed adjoint", "seed shift", "sweep", "kernels"])
def test_loop_iterates_are_a_python_loop_calling_grad(monkeypatch, node, form, rule):
    """``qml.minimize``'s compiled loop (each step form) against a plain Python loop that
    calls ``qml.grad`` and updates by hand, 60 steps: the adjoint method's iterates to every
    bit (the loop's step computes the gradient ``qml.grad`` returns, with the same bits),
    the written-out parameter shift to 1e-12 (its shifted matrices by angle addition); the
    cost history is the circuit's value at each iterate."""
    force(monkeypatch, form)
    x0 = POINTS[0][:2] if node is not three_wires else POINTS[0]
    eta = 0.1 if rule == "gd" else 0.05
    opt = qml.GradientDescentOptimizer(eta) if rule == "gd" else qml.AdamOptimizer(eta)
    entry, _ = entry_of(node, x0)
    assert minimize_module.step_form(entry, node.diff_method)[0] == form
    res = qml.minimize(node, x0, optimizer=opt, steps=60)
    assert res.compiled and res.nit == 60
    ref = by_hand(node, x0, rule, eta, 60)
    assert onp.max(onp.abs(ref - x0)) > 0.05  # it moved
    kind, hp = (0, [eta]) if rule == "gd" else (5, [eta, 0, 0, 1e-8, 0.9, 0.99])
    loop_x = compiled_run(entry, node.diff_method, x0, kind, hp, 60)  # the numba module
    if node.diff_method == "adjoint":
        assert onp.asarray(res.x).tobytes() == ref.tobytes() == loop_x.tobytes()
    else:
        onp.testing.assert_allclose(res.x, ref, rtol=0, atol=1e-12)
        onp.testing.assert_allclose(loop_x, ref, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(res.cost_history[-1], node(np.array(res.x)), rtol=0, atol=1e-14)


@pytest.mark.parametrize("b1, b2", [(0.5, 0.9), (0.0, 0.8), (0.9, 0.5)])
def test_adam_bias_corrections_saturated_keep_the_bits(b1, b2):
    """Adam's powers ``b**t`` are skipped once both ``1 - b**t`` are 1.0 (``0.5`` after 54
    steps, ``0.9`` after 355, ``0`` from the first): 420 steps of the compiled loop (the
    written-out adjoint step) equal, bit for bit, a Python loop calling ``qml.grad`` with
    the powers computed at every step."""
    x0 = POINTS[0][:2]
    opt = qml.AdamOptimizer(0.05, beta1=b1, beta2=b2)
    res = qml.minimize(seed_adjoint, x0, optimizer=opt, steps=420)
    assert res.compiled
    ref = by_hand(seed_adjoint, x0, "adam", 0.05, 420, b1, b2)
    entry, _ = entry_of(seed_adjoint, x0)
    loop_x = compiled_run(entry, "adjoint", x0, 5, [0.05, 0, 0, 1e-8, b1, b2], 420)
    assert onp.asarray(res.x).tobytes() == ref.tobytes() == loop_x.tobytes()


TINY = 5e-324  # the smallest subnormal float64


def _loop_and_zero_residual_target(node, x0):
    """The compiled loop of ``node`` and, as the target, its own value at ``x0``: the
    squared error's residual there is exactly 0, so is every gradient."""
    entry, _ = entry_of(node, x0)
    loop = minimize_module._loop_module(entry, node.diff_method)
    cost, gn = onp.zeros(2), onp.zeros(2)
    x = x0.copy()
    loop.run(x, onp.zeros((1, 0)), onp.zeros(1), 0, 0, onp.array([0.0] * 6), x, x, 0, 0,
             True, 0.0, cost, gn)
    return loop, onp.array([cost[0]])


@pytest.mark.parametrize("node", [seed_adjoint, seed_shift], ids=["adjoint", "shift"])
@pytest.mark.parametrize("b1, eta", [(0.9, 0.01), (0.9, 0.3), (0.6, 0.3), (0.3, 0.05)])
@pytest.mark.parametrize("at_zero", [False, True], ids=["point", "origin"])
def test_adam_at_an_exact_zero_gradient_keeps_the_bits(node, b1, eta, at_zero):
    """Adam where the gradient is exactly zero (the squared error at a point whose value is
    its target: ``2 r g`` with ``r = 0``): the first moment decays into the subnormal
    numbers and stops at a fixed point (``b1 * m`` rounds back to ``m``), whose steps the
    loop does not compute again once the step size is constant (``b2 = 0.9``: from step
    about 350). 2500 steps of the compiled loop from moments seeded
    normal, subnormal, zero and negative equal, bit for bit, the textbook update written
    here in NumPy (IEEE arithmetic, subnormals kept): the moments and the point (at the
    origin, where the steps' subnormal sizes move it, its value staying 1.0)."""
    x0 = onp.array([0.0, -0.0]) if at_zero else POINTS[0][:2]
    loop, target = _loop_and_zero_residual_target(node, x0)
    steps, moved = 2500, False
    for m0, v0 in [([1e-300, 7 * TINY], [1e-6, 1e-300]), ([-3e-310, 0.0], [0.0, 2.0]),
                   ([TINY, -TINY], [1e-9, 3e-320])]:
        s1, s2 = onp.array(m0), onp.array(v0)
        x = x0.copy()
        cost, gn = onp.zeros(steps + 1), onp.zeros(steps + 1)
        hp = onp.array([eta, 0.0, 0.0, 1e-8, b1, 0.9])
        assert loop.run(x, onp.zeros((1, 0)), target, 1, 5, hp, s1, s2, 0, steps, False,
                        0.0, cost, gn) == (steps, 0)
        assert not gn.any()  # the gradient was exactly zero at every step
        m, v, ref = onp.array(m0), onp.array(v0), x0.copy()
        for t in range(1, steps + 1):
            g = onp.zeros(2)
            m = b1 * m + (1 - b1) * g
            v = 0.9 * v + (1 - 0.9) * g**2
            ref = ref - eta * onp.sqrt(1 - 0.9**t) / (1 - b1**t) * m / (onp.sqrt(v) + 1e-8)
        assert (0 < onp.abs(m[m != 0])).all() and (onp.abs(m) < 2.3e-308).all()  # subnormal
        assert s1.tobytes() == m.tobytes() and s2.tobytes() == v.tobytes()
        assert x.tobytes() == ref.tobytes()
        moved = moved or x.tobytes() != x0.tobytes()
    assert moved == at_zero


@pytest.mark.parametrize("node", [seed_adjoint, seed_shift], ids=["adjoint", "shift"])
@pytest.mark.parametrize("kind, c", [(1, 0.9), (2, 0.9), (2, 0.5), (3, 0.0), (4, 0.9), (4, 0.6)],
                         ids=["momentum", "nesterov", "nesterov 0.5", "adagrad", "rmsprop",
                              "rmsprop 0.6"])
def test_accumulators_at_an_exact_zero_gradient_keep_the_bits(node, kind, c):
    """Momentum, Nesterov, Adagrad and RMSProp where the gradient is exactly zero (the
    squared error at a point whose value is its target): a decaying accumulator (the
    velocity ``c * v``, RMSProp's ``c * a``) falls into the subnormal numbers and stops at
    a fixed point (``c * v`` rounds back to ``v``), whose steps the loop does not compute
    again. 2500 steps of the compiled loop from accumulators seeded normal, subnormal, zero
    and negative equal, bit for bit, the update written here in NumPy (IEEE arithmetic,
    subnormals kept) in qsym.optimize's order of operations: the accumulator and the
    point."""
    x0 = POINTS[0][:2]
    loop, target = _loop_and_zero_residual_target(node, x0)
    steps, eta, eps = 2500, 0.3, 1e-8
    seeds = [[1e-300, 7 * TINY], [-3e-310, 0.0], [TINY, -TINY], [-1e-290, 2.5e-309]]
    for v0 in seeds if kind != 3 else seeds + [[1e-3, 2.0]]:
        s1, s2 = onp.array(v0), onp.zeros(2)
        x = x0.copy()
        cost, gn = onp.zeros(steps + 1), onp.zeros(steps + 1)
        hp = onp.array([eta, c if kind in (1, 2) else 0.0, c if kind == 4 else 0.0, eps,
                        0.0, 0.0])
        assert loop.run(x, onp.zeros((1, 0)), target, 1, kind, hp, s1, s2, 0, steps, False,
                        0.0, cost, gn) == (steps, 0)
        assert not gn.any()  # the gradient was exactly zero at every step
        a, ref = onp.array(v0), x0.copy()
        g = onp.zeros(2)
        for _ in range(steps):
            if kind in (1, 2):  # (Nesterov's look-ahead point: its value is the target)
                a = c * a + eta * g
                ref = ref - a
            elif kind == 3:
                a = a + g * g
                ref = ref - (eta / onp.sqrt(a + eps)) * g
            else:
                a = c * a + (1.0 - c) * (g * g)
                ref = ref - (eta / onp.sqrt(a + eps)) * g
        if kind != 3:
            assert (onp.abs(a) < 2.3e-308).all()  # subnormal or zero
        assert s1.tobytes() == a.tobytes() and x.tobytes() == ref.tobytes()


@pytest.mark.parametrize("node", [seed_adjoint, seed_shift], ids=["adjoint", "shift"])
def test_a_small_input_flushes_the_step_and_nothing_else(node):
    """Issue #19 (stop 60): with an input below 2**-128 the loop's written-out step runs
    with flush-to-zero (x86-64): at ``x = (1e-310, 0.3)`` the seed's derivative in
    ``x[0]``, ``-sin(x0) cos(x1)`` by hand, is subnormal in IEEE arithmetic (the Python
    gradient: it to 1e-322), and the flushed step makes it 0.0, so one gradient-descent
    step (step size 1) leaves ``x[0]`` where it was: within 2**-1022 of the IEEE step.
    The other component is the Python step's, bit for bit; the thread's floating-point
    mode is the caller's again after the run (NumPy's product of 1e-300 and 1e-10 still
    subnormal)."""
    x0 = onp.array([1e-310, 0.3])
    entry, _ = entry_of(node, x0)
    assert minimize_module.step_form(entry, node.diff_method)[0] == "written out"
    g = onp.asarray(qml.grad(node)(np.array(x0, requires_grad=True)))
    x = compiled_run(entry, node.diff_method, x0, 0, [1.0], 1)
    assert abs(x[0] - (x0[0] + onp.sin(x0[0]) * onp.cos(0.3))) < 2.3e-308
    assert x[1] == x0[1] - g[1]
    if node.diff_method == "adjoint":
        assert abs(g[0] + 1e-310 * onp.cos(0.3)) < 1e-322 and g[0] != 0.0  # IEEE: subnormal
        if minimize_module.flush_step():
            assert x[0] == x0[0]  # flushed: the derivative's subnormal value is 0.0
    # the update after a flushed step (one row, the cost its value) in IEEE arithmetic: at
    # x[1] = 0 the derivative in x[1] is exactly 0, and momentum's velocity seeded 7 * TINY
    # decays through the subnormal numbers, bit for bit as in NumPy
    loop = minimize_module._loop_module(entry, node.diff_method)
    x, s1, v = onp.array([1e-200, 0.0]), onp.array([0.0, 7 * TINY]), 7 * TINY
    ref = 0.0
    for _ in range(4):
        v = 0.9 * v + 0.01 * 0.0
        ref = ref - v
    assert loop.run(x, onp.zeros((1, 0)), onp.zeros(1), 0, 1, onp.array([0.01, 0.9, 0, 0, 0, 0]),
                    s1, onp.zeros(2), 0, 4, False, 0.0, onp.zeros(5), onp.zeros(5)) == (4, 0)
    assert v != 0.0 and s1[1] == v and x[1] == ref  # (subnormal, not flushed)
    assert onp.multiply(onp.float64(1e-300), 1e-10) == 1e-310  # the caller's mode again


def test_the_flushed_sweep_is_the_python_gradient_to_2_to_the_minus_1022():
    """Issue #19 (stop 60): the adjoint's op-by-op sweep (three wires) flushed at a point
    with a component of 1e-200: one gradient-descent step (step size 1) is the Python
    step's (``qml.grad``, IEEE) to 1e-300, and the caller's mode is restored."""
    x0 = onp.array([1e-200, 0.3, -0.7])
    entry, _ = entry_of(three_wires, x0)
    assert minimize_module.step_form(entry, "adjoint")[0] == "kernels, sweep"
    g = onp.asarray(qml.grad(three_wires)(np.array(x0, requires_grad=True)))
    x = compiled_run(entry, "adjoint", x0, 0, [1.0], 1)
    assert onp.abs(x - (x0 - g)).max() <= 1e-300
    assert onp.multiply(onp.float64(1e-300), 1e-10) == 1e-310


@pytest.mark.parametrize("node", [seed_adjoint, seed_shift], ids=["adjoint", "shift"])
@pytest.mark.parametrize("kind, c", [(1, 0.9), (4, 0.9)], ids=["momentum", "rmsprop"])
def test_the_update_keeps_subnormals_while_the_step_is_flushed(node, kind, c):
    """Issue #19 (stop 60): the flushed step (a point with a component of 1e-200) and the
    update after it in IEEE arithmetic: 600 steps at an exact-zero gradient from
    accumulators seeded subnormal, bit for bit the update written here in NumPy
    (subnormals kept), as the test above at normal points (the step's MXCSR switch does
    not reach the update's operations)."""
    x0 = onp.array([1e-200, 0.4])
    loop, target = _loop_and_zero_residual_target(node, x0)
    steps, eta = 600, 0.3
    for v0 in ([7 * TINY, -3e-310], [-1e-300, TINY]):
        s1, x = onp.array(v0), x0.copy()
        cost, gn = onp.zeros(steps + 1), onp.zeros(steps + 1)
        hp = onp.array([eta, c if kind == 1 else 0.0, c if kind == 4 else 0.0, 1e-8, 0.0, 0.0])
        assert loop.run(x, onp.zeros((1, 0)), target, 1, kind, hp, s1, onp.zeros(2), 0, steps,
                        False, 0.0, cost, gn) == (steps, 0)
        assert not gn.any()
        a, ref, g = onp.array(v0), x0.copy(), onp.zeros(2)
        for _ in range(steps):
            if kind == 1:
                a = c * a + eta * g
                ref = ref - a
            else:
                a = c * a + (1.0 - c) * (g * g)
                ref = ref - (eta / onp.sqrt(a + 1e-8)) * g
        assert (a != 0).any() and (onp.abs(a) < 2.3e-308).all()  # subnormal kept
        assert s1.tobytes() == a.tobytes() and x.tobytes() == ref.tobytes()


def _flushed_norm():
    """The loop's gradient norm with the step flushed (minimize's _NORM_FTZ and its MXCSR
    switch, as the loop module holds them), compiled alone."""
    text = ("import math\nimport numpy as np\nfrom numba import njit\n"
            + minimize_module._FPENV
            + "\n@njit\ndef norm(g, direct):\n    n = g.shape[0]\n"
            + "    fp_keep = ~0x8000 | (_q_fp_get() & 0x8000)\n    flushed = True\n"
            + "    if direct:  # (the bit set since the step)\n"
            + "        " + minimize_module._FTZ_ON + "\n"
            + textwrap.indent(textwrap.dedent(minimize_module._NORM_FTZ), "    ")
            + "\n    return math.sqrt(gn)\n")
    ns = {}
    exec(compile(text, "<flushed norm>", "exec"), ns)  # noqa: S102 - qsym's own text
    return ns["norm"]


def test_the_flushed_gradient_norm_keeps_the_ieee_bits():
    """Issue #19 (stop 60): the gradient norm summed with flush-to-zero where a component
    is below 2**-510 (a subnormal square), with the check that keeps the IEEE sum's bits
    (the first nonzero partial sum at least n 2**-968, else summed again): against the
    sum written here in Python floats (IEEE, subnormals kept), bit for bit, on vectors at
    the limits (tiny components before and after the large ones, the first partial sum
    just above and below the bound, all tiny, zeros of both signs) and 3000 random ones
    of mixed scales."""
    if not minimize_module.flush_step():
        pytest.skip("flush-to-zero is x86-64's MXCSR")
    norm = _flushed_norm()
    b = 2.0 ** -968

    def ieee(g):
        s = 0.0
        for v in g:
            s += v * v
        return onp.sqrt(s)

    cases = [[1e-160, 1e-160], [1e-3, 1e-160], [1e-160, 1e-3], [0.0, -0.0, 2e-155],
             [onp.sqrt(2 * b), 2.0 ** -520], [onp.sqrt(2 * b) * (1 - 2e-16), 2.0 ** -520],
             [2.0 ** -520, onp.sqrt(3 * b), -2.0 ** -512], [2.0 ** -511, 2.0 ** -511],
             [5e-324, 1e-300, 3.0], [2.0 ** -510, -2.0 ** -510], [1e-155] * 6, [0.7]]
    rng = onp.random.default_rng(60)
    for _ in range(3000):
        n = int(rng.integers(1, 7))
        g = rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-170, -140, n)
        g[rng.random(n) < 0.15] = 0.0
        cases.append(list(g))
    for g in cases:
        g = onp.array(g, dtype=float)
        for direct in (False, True):
            assert onp.float64(norm(g, direct)).tobytes() == onp.float64(ieee(g)).tobytes(), g
    assert onp.multiply(onp.float64(1e-300), 1e-10) == 1e-310


# Last in the file: its new process shares the test cache folder (QSYM_CACHE_DIR), and
# its circuit is the seed's, whose written-out loops the tests above compiled: it loads
# them from numba's disk cache instead of compiling them again (cold, 4.9 s of CPU
# first in the file, 1.6 s here; an allocation per step is still counted: checked).
def test_steps_allocate_nothing(tmp_path):
    """numba's allocation counters (NUMBA_NRT_STATS) around runs of 10 and 1010 steps:
    the written-out steps allocate nothing per step (the run's own arrays are made once)."""
    script = textwrap.dedent(
        """
        import numpy as onp, sys
        import qsym as qml
        from numba.core.runtime import rtsys
        mm = sys.modules["qsym._minimize"]
        dev = qml.device("default.qubit", wires=1)
        for method in ("parameter-shift", "adjoint"):
            @qml.qnode(dev, diff_method=method)
            def c(p):
                qml.RX(p[0], wires=0)
                qml.RY(p[1], wires=0)
                return qml.expval(qml.PauliZ(0))
            x0 = onp.array([0.3, 0.2])
            entry, _, ds = c.compiled((x0,), {}, diff=(0,))
            loop = mm._loop_module(entry, method)
            counts = []
            for steps in (10, 1010):
                x, hp = x0.copy(), onp.array([0.01, 0, 0, 0, 0, 0])
                z, cost, gn = onp.zeros(2), onp.zeros(steps + 1), onp.zeros(steps + 1)
                before = rtsys.get_allocation_stats().alloc
                loop.run(x, onp.zeros((1, 0)), onp.zeros(1), 0, 0, hp, z, z.copy(), 0,
                         steps, True, 0.0, cost, gn)
                counts.append(rtsys.get_allocation_stats().alloc - before)
            print(method, counts[0], counts[1])
        """
    )
    env = dict(os.environ, NUMBA_NRT_STATS="1")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    for line in r.stdout.strip().splitlines():
        _, short, long = line.split()
        assert int(short) == int(long), line  # no allocation per step
        assert int(short) < 30, line  # the run's own arrays


def test_seed_gradient_descent_follows_exact_arithmetic_to_tiny_iterates():
    """issue #19's seed (RX RY, <Z>) from (0.54, 0.12), 10 000 steps of gradient descent
    (step size 0.01): ``x1`` decays by about 0.99 a step, to 4.08e-44 (a normal float64;
    a float32 would be subnormal there).
    The adjoint loop's ``x1`` is an mpmath run's at 40 digits (the exact gradient
    ``-cos x0 sin x1``) to 1e-9 relative: its gradient is accurate relative to ``x1``
    all the way down; parameter shift's difference of two shifted circuits has an absolute
    rounding error of about 1e-16, so its ``x1`` stops near there (both right, each to its
    method's rounding). ``x0`` ends where a float64 ``x0`` near pi stops moving (a step
    below half its ulp), equal in both and in a float64 run of the exact gradient."""
    import math

    import mpmath as mp

    steps = 10000
    runs = {m: onp.asarray(qml.minimize(node, onp.array([0.54, 0.12]),
                                        optimizer=qml.GradientDescentOptimizer(0.01),
                                        steps=steps, progress=False).x)
            for m, node in (("adjoint", seed_adjoint), ("parameter-shift", seed_shift))}
    with mp.workdps(40):
        x = [mp.mpf(0.54), mp.mpf(0.12)]
        for _ in range(steps):
            x = [x[0] + mp.mpf("0.01") * mp.sin(x[0]) * mp.cos(x[1]),
                 x[1] + mp.mpf("0.01") * mp.cos(x[0]) * mp.sin(x[1])]
        exact1 = float(x[1])
    assert 4.0e-44 < exact1 < 4.2e-44
    assert abs(runs["adjoint"][1] - exact1) <= 1e-9 * exact1
    assert 0 <= abs(runs["parameter-shift"][1]) < 1e-15
    y = [0.54, 0.12]
    for _ in range(steps):  # float64, the exact gradient
        g = (-math.sin(y[0]) * math.cos(y[1]), -math.cos(y[0]) * math.sin(y[1]))
        y = [y[0] - 0.01 * g[0], y[1] - 0.01 * g[1]]
    assert runs["adjoint"][0] == runs["parameter-shift"][0] == y[0]
    assert 0 < math.pi - y[0] < 1e-13


def test_every_loop_module_calls_the_one_compiled_update():
    """The optimizer's update is compiled once (qsym._loop_update, issue #17), not into
    each loop module: two circuits' loop modules (the seed's adjoint, the one-wire
    circuit's parameter shift) import it and do not define it; it has one compiled
    signature, four scalars (a pointer to the arrays' addresses: no array argument, whose
    reference counts would cost every step); and both loops' iterates are those of a
    Python loop of ``qml.grad`` steps with qsym.optimize's Adam (its own code, not the
    loop's), to 1e-12. An exported loop (workers without qsym) carries the update's text
    and imports nothing from qsym."""
    from numba.core import types as nbtypes

    from qsym import _loop_update as loop_update
    from qsym import _worker as worker

    x_seed, x_one = POINTS[0][:2], POINTS[1]
    for node, x0 in ((seed_adjoint, x_seed), (NODES["parameter-shift"], x_one)):
        entry, _ = entry_of(node, x0)
        method = node.diff_method
        source = minimize_module.loop_source(entry, method)
        assert loop_update.IMPORT in source and "def optimizer_update" not in source
        x = compiled_run(entry, method, x0, 5, [0.05, 0, 0, 1e-8, 0.9, 0.99], 30)
        opt, ref = qml.AdamOptimizer(0.05), np.array(x0, requires_grad=True)
        for _ in range(30):
            ref = opt.step(node, ref)
        onp.testing.assert_allclose(x, onp.asarray(ref), rtol=0, atol=1e-12)
        exported = minimize_module.loop_source(entry, method, module=worker.MODULE_PLACEHOLDER)
        assert "def optimizer_update(" in exported and loop_update.IMPORT not in exported
        assert not [line for line in exported.splitlines()
                    if line.startswith(("from qsym", "import qsym"))]
    # (compiled in this process when the loop modules were; with a warm cache folder the
    # loop modules' cached code carries it and the dispatcher compiles nothing here: then
    # the cache's index lists what was compiled)
    from qsym import _tiers as tiers

    sigs = (loop_update.optimizer_update.signatures
            or tiers.cached_signatures(loop_update.optimizer_update))
    assert sigs == [(nbtypes.int64,) * 3 + (nbtypes.CPointer(nbtypes.int64),)]


def test_the_updates_cache_files_are_checked_as_the_kernel_librarys():
    """The shared update's numba cache files live in the kernel library's folder and are
    read as its files are (signed: a planted or damaged file is never unpickled), not
    through numba's plain reader."""
    from qsym import _loop_update as loop_update

    checked = type(kernels.apply_real1._cache._cache_file)
    assert checked.__name__ == "_CheckedCacheFile"
    for fn in (loop_update.optimizer_update, loop_update.update_addresses):
        assert type(fn._cache._cache_file) is checked, fn
        assert fn._cache._cache_file._cache_path == kernels.apply_real1._cache._cache_file._cache_path
