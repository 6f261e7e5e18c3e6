"""The first-call tier (qsym.tiers, issue #17): a new circuit's first calls run its
generated code as plain Python feeding the compiled-once kernels, compile nothing for the
circuit, and give bit for bit what the compiled tiers give; the module is compiled off the
caller's path (a background process, through the disk cache) and swapped in while calls
go on, from several threads, without a bit changing; without a disk cache it is compiled
here, with one line on stderr.

Independent checks: every tier is compared with the others bit for bit, and the values
with closed forms (cos, sin) and with finite differences of the values. (One exception,
tested in tests/test_fast_adjoint_steps.py: the adjoint gradient of a 10-13-wire circuit on
the python tier agrees with the compiled one to 1e-12, not bit for bit.)
"""

from __future__ import annotations

import os
import threading
import time

import numba
import numpy as np
import pytest

import qsym as qml
from qsym import _kernels as kernels, _runtime as runtime, _tiers as tiers
from qsym.errors import QsymError
from qsym._runtime import _ENTRY_POINTS

# the tiers themselves: promotion, the background compile and the swap run under the
# default setting (auto) here; a test for tier 0 alone sets QSYM_TIER=python
# (python_tier). tests/conftest.py, FIRST_TIER
pytestmark = pytest.mark.compiled_tier


def _bits(*arrays):
    return [np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays]


def _kernel_misses():
    """Compiles of the kernel library in this process (numba's cache-miss counters)."""
    return sum(sum(f.stats.cache_misses.values()) for f in vars(kernels).values()
               if isinstance(f, numba.core.registry.CPUDispatcher))


def _module_signatures(module):
    """Every compiled overload of the generated module's own numba functions (not the
    kernel library's it imports)."""
    return {name: list(f.signatures) for name, f in vars(module).items()
            if isinstance(f, numba.core.registry.CPUDispatcher)
            and f.py_func.__module__ == module.__name__}


def _gates(x, scale):
    """Classical processing with integer powers, a quotient and data."""
    qml.RX(x[0] ** 2, wires=0)
    qml.RY(x[1] ** 3 / (1 + x[0] ** 2), wires=1)
    qml.Rot(np.sin(x[0]), x[1] * scale[0], x[0] ** -2, wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRX(np.exp(x[1]) * x[0], wires=[1, 0])


def _circuit(x, scale=None):
    """... and an observable coefficient that depends on an input; var and probs."""
    _gates(x, scale)
    return (qml.expval(qml.Hamiltonian([0.3 * x[0] ** 2, 0.7],
                                       [qml.PauliZ(0) @ qml.PauliX(1), qml.PauliY(1)])),
            qml.var(qml.PauliZ(0)), qml.probs(wires=[0]))


def _zz(x, scale=None):
    _gates(x, scale)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))


def _state(x, scale=None):
    _gates(x, scale)
    return qml.state()


X = np.array([0.37, -0.81])
SCALE = np.array([1.3])


@pytest.fixture
def python_tier(monkeypatch):
    monkeypatch.setenv("QSYM_TIER", "python")


def _node(method="parameter-shift", fn=_circuit, wires=2, **kw):
    return qml.QNode(fn, qml.device("default.qubit", wires=wires), diff_method=method, **kw)


def _entry(node, *args, **kwargs):
    return node.compiled(args, kwargs)[0]


def _set_tier(entry, tier):
    with entry._lock:
        entry._promoted = True  # no promotion while a test holds the tier
        entry._enter(tier, _ENTRY_POINTS)


def test_ipow_is_numbas_integer_power():
    """tiers.ipow against numba's own ``a ** n`` (a compiled constant exponent), bit for bit;
    Python's ``**`` differs in the last bit for some of these."""
    @numba.njit
    def powers(a):
        return np.array([a ** -3, a ** -2, a ** -1, a ** 0, a ** 1, a ** 2, a ** 3, a ** 4,
                         a ** 5, a ** 6, a ** 7, a ** 9, a ** 13])

    exps = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 9, 13]
    rng = np.random.default_rng(3)
    differs = 0
    for a in rng.uniform(-3, 3, 200):
        want = powers(a)
        got = np.array([tiers.ipow(float(a), n) for n in exps])
        assert _bits(got) == _bits(want)
        differs += sum(float(a) ** n != w for n, w in zip(exps, want))
    assert differs > 0  # the reason for ipow: Python's pow is not numba's multiplication


def _warm_kernels():
    """Every kernel entry point the test below uses, compiled (or loaded) once: what is
    measured there is the per-circuit compile, not the kernel library's own (compiled once
    per machine, at its first use in a fresh cache folder)."""
    node, adj = _node(), _node("adjoint", fn=_zz)
    node(X, scale=SCALE)
    qml.jacobian(node, argnum=0)(X, scale=SCALE)
    qml.grad(adj, argnum=0)(X, scale=SCALE)
    xs = np.stack([X, X + 0.1])
    _entry(node, X, scale=SCALE).batch_value(xs, SCALE)
    _entry(node, X, scale=SCALE).batch_value_and_grad(xs, SCALE)
    _entry(adj, X, scale=SCALE).batch_value_and_grad_adjoint(xs, SCALE)
    xb = np.array([X, X + 0.1]).T
    adj(xb, scale=SCALE)
    qml.jacobian(adj, argnum=0)(xb, scale=SCALE)


def test_tier0_compiles_nothing_and_counts_stay_true(python_tier):
    """On tier 0 no function of the generated module is compiled (numba's signatures stay
    empty) and no kernel is compiled either (cache-miss counters), for values, both
    gradient methods, batches and broadcasting; the Tracker counts the chosen method's
    executions."""
    _warm_kernels()  # the kernel library compiles once per machine (a fresh cache folder)
    before = _kernel_misses()
    node = _node()
    adj = _node("adjoint", fn=_zz)
    with qml.Tracker(node.device) as tracker:
        value = node(X, scale=SCALE)
        jac = qml.jacobian(node, argnum=0)(X, scale=SCALE)
    entry = _entry(node, X, scale=SCALE)
    assert entry.tier == "python"
    # circuits run (PennyLane's "simulations"; its "executions" count measurement groups)
    # (and the circuits PennyLane counts but qsym need not run: a variance's unshifted
    # expectation tape, GradientPlan.counted_executions)
    assert tracker.totals["simulations"] == 1 + entry.plan.counted_executions
    with qml.Tracker(adj.device) as tracker:
        g = qml.grad(adj, argnum=0)(X, scale=SCALE)
    assert tracker.totals["executions"] == 1  # adjoint: one run
    e_adj = _entry(adj, X, scale=SCALE)
    xs = np.stack([X, X + 0.1])
    entry.batch_value(xs, SCALE)
    entry.batch_value_and_grad(xs, SCALE)
    e_adj.batch_value_and_grad_adjoint(xs, SCALE)
    xb = np.array([X, X + 0.1]).T
    assert np.shape(adj(xb, scale=SCALE)) == (2,)  # broadcast
    assert np.shape(qml.jacobian(adj, argnum=0)(xb, scale=SCALE)) == (2, 2, 2)
    for e in (entry, e_adj, _entry(adj, xb, scale=SCALE).element):
        assert e.tier == "python"
        assert all(sig == [] for sig in _module_signatures(e.module).values())
    assert _kernel_misses() == before
    # the numbers: var(Z0) = 1 - <Z0>^2 = 4 p0 p1 from the probabilities of wire 0; a
    # central difference of the values for the Jacobians
    p0, p1 = value[2]
    assert np.isclose(value[1], 4 * p0 * p1, atol=1e-14) and np.isclose(p0 + p1, 1.0)
    h = 1e-6
    for j in range(2):
        dx = np.zeros(2)
        dx[j] = h
        fd = (node(X + dx, scale=SCALE)[0] - node(X - dx, scale=SCALE)[0]) / (2 * h)
        assert np.isclose(jac[0][j], fd, atol=1e-7)
        fd = (adj(X + dx, scale=SCALE) - adj(X - dx, scale=SCALE)) / (2 * h)
        assert np.isclose(g[j], fd, atol=1e-7)


def test_every_tier_gives_the_same_bits(python_tier):
    """The same entry on tier python, module and fused: values (expval of a Hamiltonian
    with an input coefficient, var, probs), parameter-shift and adjoint Jacobians, batches,
    the state, broadcasting and finite shots, bit for bit."""
    node = _node()
    adj = _node("adjoint", fn=_zz)
    state = _node(fn=_state)
    shots = _node(shots=50)
    xb = np.array([X, X + 0.2]).T  # broadcast: two values per input
    xs = np.stack([X, X + 0.1, X - 0.3])

    def results():
        out = []
        out += _bits(*node(X, scale=SCALE))
        out += _bits(*qml.jacobian(node, argnum=0)(X, scale=SCALE))
        out += _bits(qml.grad(adj, argnum=0)(X, scale=SCALE), adj(X, scale=SCALE))
        out += _bits(adj(xb, scale=SCALE), qml.jacobian(adj, argnum=0)(xb, scale=SCALE))
        out += [np.asarray(state(X, scale=SCALE)).tobytes()]
        e, e_adj = _entry(node, X, scale=SCALE), _entry(adj, X, scale=SCALE)
        out += _bits(e.batch_value(xs, SCALE), *e.batch_value_and_grad(xs, SCALE),
                     *e_adj.batch_value_and_grad_adjoint(xs, SCALE))
        shots.device.rng = np.random.default_rng(5)
        out += _bits(*shots(X, scale=SCALE))
        return out

    def entries():
        return [_entry(n, X, scale=SCALE) for n in (node, adj, state, shots)] + [
            _entry(adj, xb, scale=SCALE).element]

    first = results()
    assert all(e.tier == "python" for e in entries())
    for tier in ("module", "fused"):
        for e in entries():
            _set_tier(e, tier)
        assert results() == first, tier


def test_qsym_tier_setting(monkeypatch):
    """QSYM_TIER=python stays on tier 0 past the threshold; a bad value is refused with
    the choices; QSYM_TIER=compiled starts compiled (fused for a small circuit)."""
    monkeypatch.setenv("QSYM_TIER", "python")
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only
    node = _node()
    for _ in range(6):
        node(X, scale=SCALE)
    entry = _entry(node, X, scale=SCALE)
    assert entry.tier == "python" and entry._job is None
    monkeypatch.setenv("QSYM_TIER", "fast")
    with pytest.raises(QsymError, match="QSYM_TIER='fast'.*auto, python, compiled"):
        _node()(X + 1, scale=SCALE)


def test_a_singular_point_runs_compiled(python_tier, monkeypatch):
    """Where Python raises and numba gives inf (d/dx arcsin(x) at x = 1: a division by
    zero), the call runs the compiled code: the value is computed and the gradient is what
    the compiled tier gives."""
    monkeypatch.setattr(tiers, "_warned", True)  # (the one stderr line: another test)

    def f(x):
        qml.RX(np.arcsin(x[0]), wires=0)
        return qml.expval(qml.PauliZ(0))

    node = _node(fn=f, wires=1)
    assert np.isclose(node(np.array([0.5])), np.sqrt(0.75), atol=1e-15)
    entry = _entry(node, np.array([0.5]))
    assert entry.tier == "python"
    x = np.array([1.0])
    # prepare computes the chain-rule factor 1/sqrt(1 - x**2) for the value call too
    assert np.isclose(node(x), 0.0, atol=1e-15)  # cos(pi/2)
    assert entry.tier == "module"  # compiled for that call, and kept
    with np.errstate(all="ignore"):
        g = qml.grad(node, argnum=0)(x)
    assert not np.isfinite(g[0])


def test_without_a_disk_cache_it_compiles_here_and_says_so_once(monkeypatch, capfd):
    """QSYM_CACHE=0: nothing could hand a background compile over, so the module is
    compiled in this process at the threshold, with one stderr line (once per process),
    and the numbers do not change."""
    monkeypatch.setenv("QSYM_CACHE", "0")
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only
    monkeypatch.setattr(tiers, "_warned", False)

    def f(x):
        qml.RY(x[0], wires=0)
        qml.RX(x[1] * 0.5, wires=0)
        return qml.expval(qml.PauliZ(0))

    node = _node(fn=f, wires=1)
    grad = qml.grad(node, argnum=0)
    first = _bits(grad(X), node(X))
    entry = _entry(node, X)
    assert entry.tier == "python"
    for _ in range(4):
        assert _bits(grad(X), node(X)) == first
    assert entry.tier == "module" and entry._job is None
    assert _module_signatures(entry.module)["prepare"]  # compiled here
    other = _node(fn=lambda x: f(x[::-1]), wires=1)
    for _ in range(5):
        other(X)
    # value calls only: their entry is the module for values (no gradient code written)
    assert other.compiled((X,), {}, derivatives=False)[0].tier == "module"
    err = capfd.readouterr().err
    assert err.count("qsym: compiling") == 1 and "QSYM_CACHE=0" in err
    # exact: d/dx0 cos(x0) cos(x1/2) = -sin(x0) cos(x1/2)
    assert np.isclose(grad(X)[0], -np.sin(X[0]) * np.cos(X[1] / 2), atol=1e-15)


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_module_too_large_to_compile_stays_on_tier_0(cache, monkeypatch, capfd):
    """A promotion does not compile a module whose longest function is over
    ``tiers.COMPILE_MAX_FUNCTION_LINES`` lines (numba's compile time grows faster than a
    function's length: minutes): no background job (disk cache on), no compile here (off),
    no stderr line; the calls stay on tier 0 and keep their bits, which the closed form
    checks."""
    if cache == "off":
        monkeypatch.setenv("QSYM_CACHE", "0")
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only
    monkeypatch.setattr(tiers, "COMPILE_MAX_FUNCTION_LINES", 5, raising=False)
    monkeypatch.setattr(tiers, "_warned", False)

    def f(x):  # (a circuit no other test compiles: nothing of it on disk)
        qml.RY(x[0], wires=0)
        qml.RX(x[1] * 0.375, wires=0)
        return qml.expval(qml.PauliZ(0))

    node = _node(fn=f, wires=1)
    grad = qml.grad(node, argnum=0)
    first = _bits(grad(X), node(X))
    for _ in range(5):
        assert _bits(grad(X), node(X)) == first
    entry = _entry(node, X)
    assert entry._promoted and entry.tier == "python" and entry._job is None
    assert "qsym: compiling" not in capfd.readouterr().err
    # exact: d/dx0 cos(x0) cos(3 x1 / 8) = -sin(x0) cos(3 x1 / 8)
    assert np.isclose(node(X), np.cos(X[0]) * np.cos(0.375 * X[1]), atol=1e-15)
    assert np.isclose(grad(X)[0], -np.sin(X[0]) * np.cos(0.375 * X[1]), atol=1e-15)


def test_a_many_controlled_two_wire_gate_is_over_the_cap(monkeypatch):
    """A module over the cap stays on tier 0 past the threshold, with the closed form's
    numbers (H on the controls and on wire 4: the swap acts on 1/8 of the state, <X3> =
    cos(t)/8). A PSWAP with three controls was such a module (its gate code a dense 32x32
    matrix and its derivative, each over 1,000 lines: about 40 s of numba apiece at load);
    since the gate code copies a gate's constant entries from tables (suite70), its longest
    function is 68 lines, so the cap is lowered here to 60 lines."""
    monkeypatch.setattr(tiers, "COMPILE_MAX_FUNCTION_LINES", 60)
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)

    def f(x):
        for w in (0, 1, 2, 4):
            qml.Hadamard(wires=w)
        qml.ctrl(qml.PSWAP(x[0], wires=[3, 4]), control=[0, 1, 2])
        return qml.expval(qml.PauliX(3))

    node = _node(fn=f, wires=5)
    x = np.array([0.3])
    assert tiers.too_large_to_compile(node.source(x)) is not None
    for _ in range(5):
        assert np.isclose(node(x), np.cos(0.3) / 8, atol=1e-15)
        assert np.isclose(qml.grad(node, argnum=0)(x)[0], -np.sin(0.3) / 8, atol=1e-15)
    entry = _entry(node, x)
    assert entry._promoted and entry.tier == "python" and entry._job is None


def test_background_swap_under_threads(tmp_path, monkeypatch):
    """A fresh cache folder: the circuit starts on tier 0; after the threshold a background
    process compiles it into the disk cache and it is swapped in (fused: a small circuit)
    while four threads keep calling; every result, before, during and after the swap, is
    the first one bit for bit, and this process compiled nothing (numba loaded what the
    other process wrote). A new QNode of the same circuit then starts compiled."""
    from conftest import seed_kernel_cache

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    # the kernel library as a user's cache folder holds it (compiled once per machine): the
    # background process compiles this circuit's module, not the whole library again
    seed_kernel_cache(tmp_path)
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 20)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only

    def f(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1] ** 3, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    node = _node(fn=f)
    grad = qml.grad(node, argnum=0)
    want = _bits(grad(X), node(X))
    entry = _entry(node, X)
    assert entry.tier == "python"
    # exact: the CNOT maps Z0 Z1 to Z1, so <Z0 Z1> = cos(x1^3)
    assert np.isclose(node(X), np.cos(X[1] ** 3), atol=1e-15)
    bad, tiers_seen = [], set()
    stop = time.monotonic() + 400

    def worker():
        while time.monotonic() < stop:
            tiers_seen.add(entry.tier)
            if _bits(grad(X), node(X)) != want:
                bad.append(entry.tier)
            if entry.tier == "fused":
                for _ in range(20):  # a few more after the swap
                    if _bits(grad(X), node(X)) != want:
                        bad.append("fused")
                return
            time.sleep(0.002)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []
    assert entry.tier == "fused", entry._job and entry._job.returncode
    assert entry._job.returncode == 0
    assert "value_and_grad" in entry._fused_names
    assert "python" in tiers_seen
    fn = entry.module.fused_value_and_grad_into
    assert not fn.stats.cache_misses and fn.stats.cache_hits  # loaded, not compiled
    # only the fused entry points it had used were compiled (they do not call prepare);
    # an entry point used later runs tier 0's prepare until it too is used often, then
    # prepare is compiled in the background as well: the same bits all along
    assert not entry._prepared and not entry.module.prepare.signatures
    d = np.zeros(0)
    adj_want = _bits(*type(entry).value_and_grad_adjoint(entry, X, d))
    for _ in range(tiers.COMPILE_AFTER_CALLS + 1):
        assert _bits(*entry.value_and_grad_adjoint(X, d)) == adj_want
    assert entry.wait(400) == "fused" and entry._prepared
    assert _bits(*entry.value_and_grad_adjoint(X, d)) == adj_want
    assert _bits(grad(X), node(X)) == want
    for fn in (entry.module.prepare, entry.module.fused_value_and_grad_adjoint_into):
        assert not fn.stats.cache_misses and fn.stats.cache_hits
    # the same circuit in a new QNode: its compiled code is on disk; tier 0 answers while
    # a thread loads it (no compile), then the calls move to it, with the same bits
    again = _node(fn=f)
    assert _bits(qml.grad(again, argnum=0)(X), again(X)) == want
    e2 = _entry(again, X)
    assert e2.wait(400) == "fused" and e2._prepared
    assert _bits(qml.grad(again, argnum=0)(X), again(X)) == want
    for fn in (e2.module.prepare, e2.module.fused_value_and_grad_into):
        assert not fn.stats.cache_misses and fn.stats.cache_hits


def test_background_compiles_are_queued_not_started_all_at_once(monkeypatch):
    """Many circuits promoted at once start at most QSYM_COMPILE_WORKERS background
    processes together; the rest wait for a slot, and every one runs."""
    monkeypatch.setenv("QSYM_COMPILE_WORKERS", "2")
    monkeypatch.setattr(tiers, "_slots", None)
    running, most, finished = [0], [0], []
    lock = threading.Lock()

    def fake_run(self):  # the process's work, counted
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
            finished.append(self)

    monkeypatch.setattr(tiers.Job, "_run", fake_run)
    module = type("M", (), {"__name__": "m", "__file__": __file__})()
    jobs = [tiers.Job(module, "", [], [0.0], [0.0], None) for _ in range(7)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(10)
    assert len(finished) == 7 and most[0] == 2
    monkeypatch.setenv("QSYM_COMPILE_WORKERS", "0")
    with pytest.raises(QsymError, match="QSYM_COMPILE_WORKERS"):
        tiers.compile_workers()
    monkeypatch.delenv("QSYM_COMPILE_WORKERS")
    assert tiers.compile_workers() >= 1


def test_a_background_compile_that_fails_unexpectedly_reports_a_failure(monkeypatch):
    """A background compile whose start fails with an error other than OSError (here a
    ValueError from starting the process) calls ``done(False, message)``: the circuit is
    not left "compiling" for the rest of the process (its twin at every call)."""
    def broken(*args, **kwargs):
        raise ValueError("no such interpreter setting")

    monkeypatch.setattr(tiers.subprocess, "Popen", broken)
    reports = []
    module = type("M", (), {"__name__": "m", "__file__": __file__})()
    job = tiers.Job(module, "", [], [0.0], [0.0], lambda ok, err: reports.append((ok, err)))
    job.start()
    job.join(30)
    assert reports == [(False, "ValueError: no such interpreter setting")]


def test_a_cancelled_background_compile_hands_nothing_over(tmp_path, monkeypatch):
    """``tiers.Job.cancel`` (tests/conftest.py cancels the compiles a test leaves running):
    the process is stopped, nothing is handed over and nothing compiled in this process in
    its place; the circuit stays on tier 0 with the same bits."""
    from conftest import seed_kernel_cache

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))  # a fresh folder: not cached yet
    seed_kernel_cache(tmp_path)  # (the kernel library, as a user's cache folder holds it)
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only

    def f(x):
        qml.RY(x[0], wires=0)
        qml.RX(x[0] * x[1], wires=1)
        qml.CNOT(wires=[1, 0])
        return qml.expval(qml.PauliZ(0))

    node = _node(fn=f)
    grad = qml.grad(node, argnum=0)
    want = _bits(grad(X), node(X))
    # the CNOT maps Z0 to Z0 Z1: <Z0 Z1> = cos(x0) cos(x0 x1)
    assert np.isclose(node(X), np.cos(X[0]) * np.cos(X[0] * X[1]), atol=1e-15)
    entry = _entry(node, X)
    for _ in range(3):
        grad(X)
    job = entry._job
    assert isinstance(job, tiers.Job)
    job.cancel()
    job.join(120)
    assert not job.is_alive() and job.returncode != 0
    assert entry.tier == "python" and not entry._prepared
    assert _bits(grad(X), node(X)) == want
    assert not entry.module.prepare.signatures  # compiled nowhere: not here either


def test_a_kernel_library_compile_says_so_once(tmp_path):
    """A fresh machine (an empty cache folder): the first kernel numba must compile prints
    one line on stderr (what, why, how to avoid it), once per process; QSYM_QUIET=1
    silences it. (A small kernel stands for the big ones: the line is printed at numba's
    cache miss, before it compiles.)"""
    import subprocess
    import sys

    code = ("import qsym, numpy as np\nfrom qsym import _kernels as kernels\n"
            "assert kernels._insert_zero(5, 1) == kernels._insert_zero.py_func(5, 1)\n"
            "assert kernels._local_index(3, 2, np.array([0, 1]), 2) == 3\n")
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_QUIET", "NUMBA_CACHE_DIR")}
    env.update(QSYM_CACHE_DIR=str(tmp_path / "fresh"), QSYM_WARMUP="0",
               PYTHONPATH=os.path.dirname(os.path.dirname(qml.__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if "kernel library" in ln]
    assert len(lines) == 1, out.stderr
    assert "_insert_zero" in lines[0] and "qsym warmup" in lines[0]
    assert str(tmp_path / "fresh") in lines[0]
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, timeout=600)  # cached now: nothing to say
    assert again.returncode == 0 and "kernel library" not in again.stderr, again.stderr
    env.update(QSYM_CACHE_DIR=str(tmp_path / "fresh2"), QSYM_QUIET="1")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, timeout=600)
    assert quiet.returncode == 0 and "kernel library" not in quiet.stderr, quiet.stderr


def test_only_kernel_library_misses_are_announced():
    from qsym import _cache as cache

    assert cache.kernel_function_name("_kernels.program_value-812.py312.nbi") == "program_value"
    assert cache.kernel_function_name("qsym_gen_ab.prepare-4.py312.nbi") is None


def _hea(w):
    for i in range(4):
        qml.RY(w[i], wires=i)
        qml.RZ(0.5 * w[i + 4], wires=i)
    for i in range(4):
        qml.CNOT(wires=[i, (i + 1) % 4])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(2) + qml.PauliY(3))


def test_tier0_writes_no_module_and_makes_no_dispatcher(tmp_path, monkeypatch):
    """A new circuit on tier 0 runs its generated source as plain Python only (one
    Python compile of the text): no file in the cache folder, nothing in sys.modules, no
    numba dispatcher; its constants come without loading. The numba module is made when
    something needs it compiled (here: the module tier), from the same text, and gives
    the same bits; the Tracker counts the same executions on both."""
    import sys

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.delenv("QSYM_TIER", raising=False)
    w = np.linspace(-1.1, 1.3, 8)
    node = _node(fn=_hea, wires=4)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only
    with qml.Tracker(node.device) as tracker:
        first = _bits(node(w), qml.grad(node, argnum=0)(w))
    entry = _entry(node, w)
    module = entry.module
    assert "**" not in entry.source.split('"""', 2)[-1]  # the text as it is, no AST pass
    assert entry.tier == "python" and not module.loaded
    assert not list(tmp_path.glob("qsym_gen_*.py"))
    assert module.__name__ not in sys.modules
    assert module.NUM_INPUTS == 8 and module.PROGRAM[0].dtype == np.int64
    assert not module.loaded  # constants: from the plain namespace
    _set_tier(entry, "module")
    assert module.loaded and (tmp_path / f"{module.__name__}.py").is_file()
    assert sys.modules[module.__name__] is module.load()
    assert isinstance(module.prepare, numba.core.registry.CPUDispatcher)
    with qml.Tracker(node.device) as again:
        assert _bits(node(w), qml.grad(node, argnum=0)(w)) == first
    # a value, then a gradient: one run, and 2 shifted runs per parameter plus its value
    assert again.totals["executions"] == tracker.totals["executions"] == 1 + (1 + 2 * 8)
    # an independent check: d/dw0 of <Z0 X2 + Y3> by a central difference
    h = 1e-6
    e = np.zeros(8)
    e[0] = h
    fd = (node(w + e) - node(w - e)) / (2 * h)
    assert np.isclose(qml.grad(node, argnum=0)(w)[0], fd, atol=1e-8)


def test_kernel_warm_up_waits_for_the_first_answer():
    """The kernel warm-up thread started at import waits for the process's first answer (or
    tiers.WARM_DELAY seconds) before it loads anything: loading beside the first answer
    held numba's lock and the GIL."""
    import subprocess
    import sys

    code = (
        "import time, qsym as qml, qsym._tiers as t\n"
        "before = t._warm_start.is_set()\n"
        "dev = qml.device('default.qubit', wires=1)\n"
        "@qml.qnode(dev)\n"
        "def c(x):\n"
        "    qml.RX(x, wires=0)\n"
        "    return qml.expval(qml.PauliZ(0))\n"
        "c(0.1)\n"
        "print(t._warm_thread is not None, before, t._warm_start.is_set())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "QSYM_WARMUP"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "True"]


def _hea_mixed(w, n=4):
    for i in range(n):
        qml.RY(w[i], wires=i)
        qml.RZ(w[n + i], wires=i)
    for i in range(n):
        qml.CNOT(wires=[i, (i + 1) % n])
    qml.CRX(w[0] * w[1], wires=[0, 2])
    qml.IsingXX(w[2], wires=[1, 3])
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(2) + 0.5 * qml.PauliY(1) + qml.PauliZ(3))


def _hea_mixed8(w):
    return _hea_mixed(w, 8)


def test_kernel_twins_give_the_kernels_bits(python_tier):
    """The kernel library as plain Python with the NumPy twins (what a new circuit's first
    calls run until the warm-up thread has loaded the compiled kernels: tiers.KERNELS)
    gives the compiled kernels' bits: values, parameter-shift and adjoint gradients, of a
    Hamiltonian with an input coefficient, var and probs, and of a 4-wire circuit with
    one-, two-wire and controlled gates and a Pauli sum; and its 8-wire form's
    parameter-shift gradient (fused tails, second terms made by linearity)."""
    import types

    twins = tiers._kernel_twins()
    assert twins, "qsym/kernel_twins.json missing or stale"
    tw = types.SimpleNamespace(**{k: twins[k] for k in (
        "program_value_into", "program_value_and_grad_into",
        "program_value_and_grad_adjoint_into")})
    w = np.linspace(-1.1, 0.9, 8)
    w8 = np.linspace(-1.3, 1.2, 16)
    cases = [(_node(), (X,), {"scale": SCALE}), (_node("adjoint", fn=_zz), (X,), {"scale": SCALE}),
             (_node(fn=_hea_mixed, wires=4), (w,), {}),
             (_node("adjoint", fn=_hea_mixed, wires=4), (w,), {}),
             (_node(fn=_hea_mixed8, wires=8), (w8,), {})]
    for node, args, kwargs in cases:
        e = _entry(node, *args, **kwargs)
        x, d = np.asarray(args[0], dtype=float), np.asarray(kwargs.get("scale", []), float)
        out = {}
        for key, k in (("twin", tw), ("compiled", kernels)):
            e._k_value = e._k_grad = e._k_adjoint = k
            before = tiers.twin_calls
            grad = (e.value_and_grad_adjoint if node.diff_method == "adjoint"
                    else e.value_and_grad)(x, d)
            out[key] = _bits(e.value(x, d), *grad)
            assert tiers.twin_calls == before  # (tw is not counted; KERNELS is)
        assert out["twin"] == out["compiled"]
    # the values are right, too (the 4-wire one against finite differences)
    for fn, wires, x in ((_hea_mixed, 4, w), (_hea_mixed8, 8, w8)):
        node = _node(fn=fn, wires=wires)
        g = qml.grad(node, argnum=0)(x)
        fd = [(node(x + h) - node(x - h)) / 2e-6 for h in np.eye(len(x)) * 1e-6]
        assert np.allclose(g, fd, atol=1e-7)



def test_whole_state_twins_of_the_diagonal_and_cnot_steps_give_the_kernels_bits():
    """The NumPy twins of a one-wire diagonal gate (``apply_diag1``), of the adjoint
    method's step over one (``adjoint_step1_diag``) and of a CNOT, which work on the whole
    state at once (a diagonal spread over the basis, CNOT index pairs made once per size):
    the compiled kernels' bits on every wire (a low bit is a short run of amplitudes) of
    random 5-wire states, and the same states again (the memoized tables reused); the
    diagonal step's overlap also against its definition, Re <lam| D A psi>."""
    twins = tiers._kernel_twins()
    assert twins, "qsym/kernel_twins.json missing or stale"
    rng = np.random.default_rng(51)
    n, dim = 5, 32

    def state():
        return rng.normal(size=dim) + 1j * rng.normal(size=dim)

    for w in range(n):
        for _ in range(2):
            mats = np.exp(1j * rng.uniform(-3, 3, 2))  # diag(a0, a1)
            dmats = rng.normal(size=2) + 1j * rng.normal(size=2)
            psi, lam = state(), state()
            got = [psi.copy()]
            want = [psi.copy()]
            twins["apply_diag1"](got[0], n, w, mats, 0)
            kernels.apply_diag1(want[0], n, w, mats, 0)
            assert got[0].tobytes() == want[0].tobytes()
            p1, l1, p2, l2 = psi.copy(), lam.copy(), psi.copy(), lam.copy()
            acc1 = twins["adjoint_step1_diag"](p1, l1, n, w, mats, 0, dmats, 0)
            acc2 = kernels.adjoint_step1_diag(p2, l2, n, w, mats, 0, dmats, 0)
            assert (float(acc1), p1.tobytes(), l1.tobytes()) == (float(acc2), p2.tobytes(),
                                                                 l2.tobytes())
            bit = (np.arange(dim) >> (n - 1 - w)) & 1
            expected = np.real(np.vdot(lam, dmats[bit] * mats[bit] * psi))
            assert abs(acc1 - expected) < 1e-12 * max(1.0, abs(expected))
            for c in range(n):
                t = (c + 1 + w) % n
                if t == c:
                    continue
                a, b = psi.copy(), psi.copy()
                twins["apply_cnot"](a, n, c, t)
                kernels.apply_cnot(b, n, c, t)
                assert a.tobytes() == b.tobytes()


def test_shipped_kernel_twins_are_current(tmp_path):
    """qsym/kernel_twins.json is what qsym makes of the kernel library now (if this fails,
    the kernels, their twins or aot.tier0_source changed: regenerate it with
    ``python -c "from qsym import _aot as aot; aot.ship_kernel_twins()"``); a file made
    from other sources is not used (every kernel call then runs compiled)."""
    import json

    from qsym import _aot as aot

    shipped = json.loads(tiers.KERNEL_TWINS.read_text())
    assert shipped == aot.ship_kernel_twins(tmp_path / "twins.json")
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(dict(shipped, digest="0" * 64)))
    old = tiers.KERNEL_TWINS, tiers._twins
    try:
        tiers.KERNEL_TWINS, tiers._twins = stale, None
        assert tiers._kernel_twins() == {}
    finally:
        tiers.KERNEL_TWINS, tiers._twins = old


def test_kernel_twins_edited_after_they_were_made_are_not_used(tmp_path):
    """A twins file whose source was edited but whose digest line is the sources' (a hand
    edit, a merge taking one side's digest and the other's source). Before: the digest
    covered only the sources the file was made from, so the edited source ran (here a
    twin of ``apply_dense1`` doing nothing: wrong numbers on tier 0); now it is not used."""
    import json

    shipped = json.loads(tiers.KERNEL_TWINS.read_text())
    assert "def apply_dense1(" in shipped["source"]
    edited = dict(shipped, source=shipped["source"] + "\n\ndef apply_dense1(*args):\n"
                  "    return None\n")
    for digest in (shipped["digest"], tiers.kernel_twins_digest()):  # new and old schemes
        planted = tmp_path / "planted.json"
        planted.write_text(json.dumps(dict(edited, digest=digest)))
        old = tiers.KERNEL_TWINS, tiers._twins
        try:
            tiers.KERNEL_TWINS, tiers._twins = planted, None
            assert tiers._kernel_twins() == {}
        finally:
            tiers.KERNEL_TWINS, tiers._twins = old
    assert tiers._kernel_twins().get("apply_dense1") is not None  # the shipped file: used


def test_a_new_circuits_first_answer_needs_no_kernel_load(tmp_path):
    """A new process: the first gradient of a 4-wire circuit (and its first value) run the
    kernels' plain-Python twins while the warm-up thread has not loaded the compiled code;
    once it has, the same calls run compiled, with the same bits. A 12-wire 8-layer
    parameter-shift gradient (about 0.5 s in Python) waits for the compiled kernel."""
    import subprocess
    import sys
    import types

    # 12 wires, 288 ops: a parameter-shift gradient runs 385 circuits, the adjoint ~3
    big = {"NUM_WIRES": 12, "WORK": 4096 * 288 * 385, "_q_WORK_ADJOINT": 4096 * 288 * 3,
           "_q_NUMPY_TWINS": True}
    assert tiers.kernels_for(types.SimpleNamespace(**big), "WORK") is tiers.PLAIN_KERNELS
    assert tiers.kernels_for(types.SimpleNamespace(**big), "_q_WORK_ADJOINT") is tiers.KERNELS
    # ops without a NumPy twin (CZ, Toffoli, ...) loop over the state in Python: only small
    slow = dict(big, _q_NUMPY_TWINS=False)
    assert tiers.kernels_for(types.SimpleNamespace(**slow), "_q_WORK_ADJOINT") is tiers.PLAIN_KERNELS
    small = dict(slow, NUM_WIRES=3, _q_WORK_ADJOINT=8 * 20 * 3)
    assert tiers.kernels_for(types.SimpleNamespace(**small), "_q_WORK_ADJOINT") is tiers.KERNELS

    def with_cz(w):
        _hea_mixed(w)
        qml.CZ(wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    w = np.zeros(8)
    assert _entry(_node(fn=_hea_mixed, wires=4), w).module.namespace["_q_NUMPY_TWINS"] is True
    assert _entry(_node(fn=with_cz, wires=4), w).module.namespace["_q_NUMPY_TWINS"] is False
    node = _node(fn=_hea_mixed, wires=4)  # here: the compiled kernel is on disk for the child
    e = _entry(node, np.zeros(8))
    e._k_grad = kernels
    e.value_and_grad(np.zeros(8), np.zeros(0))
    code = (
        "import numpy as np, qsym as qml, qsym._tiers as t, qsym._kernels as k\n"
        "from tests.test_tiers import _hea_mixed\n"
        "node = qml.QNode(_hea_mixed, qml.device('default.qubit', wires=4))\n"
        "w = qml.numpy.array(np.linspace(-1.1, 0.9, 8), requires_grad=True)\n"
        "g1, v1 = qml.grad(node)(w), node(w)\n"
        "first = (t.twin_calls, len(k.program_value_and_grad_into.overloads))\n"
        "t._warm_start.set(); t._warm_thread.join()\n"
        "g2, v2 = qml.grad(node)(w), node(w)\n"
        "same = g1.tobytes() == g2.tobytes() and np.float64(v1).tobytes() == np.float64(v2).tobytes()\n"
        "print(first[0] >= 2, first[1] == 0, t.twin_calls == first[0], same)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_WARMUP", "QSYM_TIER")}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=600, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True", "True"], out.stdout


def test_a_large_circuit_starts_the_kernel_warm_up_at_its_trace(monkeypatch):
    """A traced circuit whose gradient will need the compiled kernels (a 12x8 HEA by
    parameter shift) lets the warm-up thread start loading at once; a small one, or the
    same circuit by the adjoint method (cheap in Python), leaves it waiting for the first
    answer."""
    monkeypatch.setattr(tiers, "_needed_first", None)
    monkeypatch.setattr(tiers, "_needed_later", None)
    for wires, ops, adjoint, starts in ((12, 288, False, True), (12, 288, True, False),
                                        (4, 24, False, False), (1, 2, False, False)):
        event = threading.Event()
        monkeypatch.setattr(tiers, "_warm_start", event)
        tiers.kernels_needed_soon(wires, ops, adjoint)
        assert event.is_set() == starts, (wires, ops, adjoint)
    # through a QNode's build
    event = threading.Event()
    monkeypatch.setattr(tiers, "_warm_start", event)

    def big(w):
        for layer in range(8):
            for i in range(12):
                qml.RY(w[layer, i], wires=i)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(big, qml.device("default.qubit", wires=12))
    from qsym import _stages as stages

    target = stages.Target(big, node.device.wires, "parameter-shift", frozenset(), ("w",),
                           lambda op, i: None)
    key = ((qml._arguments.TRAIN, (8, 12)),)
    stages.record(target, stages.make_symbols(target, [np.zeros((8, 12))], {}, key))
    assert event.is_set()


# --- a machine where the kernel library is not compiled yet (issue #17) ----------------------
def test_a_kernel_not_compiled_on_this_machine_runs_as_its_twin_on_tier_0(monkeypatch):
    """tiers.KERNELS (tier 0) runs an entry point that has no compiled code loaded and none
    on disk as its plain-Python twin (before: numba compiled it on the caller's path, 10-60
    s); tiers.COMPILED_KERNELS (the compiled tiers) hands out the dispatcher, which
    compiles it. Once the code is on disk both hand out the dispatcher. The twin's bits are
    the kernel's."""
    e = _entry(_node(fn=_hea_mixed, wires=4), np.linspace(-1.1, 0.9, 8))
    x, d = np.linspace(-1.1, 0.9, 8), np.zeros(0)
    out, jac = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 8))
    args = (e._ints, e._floats) + tuple(e._prepare(x, d, 1)[:5]) + (out, jac)
    real = kernels.program_value_and_grad_into
    real(*args)
    expected = _bits(out, jac)
    out[:], jac[:] = np.nan, np.nan
    assert tiers._kernel_twins()  # (made from the real kernels, before the fake below)
    # a dispatcher with nothing loaded (a new machine); the real one's code is not used
    fake = type("Unloaded", (), {"overloads": {}, "__call__": lambda self, *a: 1 / 0})()
    monkeypatch.setattr(kernels, "program_value_and_grad_into", fake)
    on_disk = {"value": False}
    monkeypatch.setattr(tiers, "kernel_on_disk", lambda name: on_disk["value"])
    monkeypatch.setattr(tiers, "_warm_up_pending", lambda: False)
    deferring, compiled = tiers._Kernels(defer=True), tiers._Kernels(defer=False)
    before = tiers.twin_calls
    deferring.program_value_and_grad_into(*args)
    assert _bits(out, jac) == expected
    assert tiers.twin_calls == before + 1
    assert compiled.program_value_and_grad_into is fake
    on_disk["value"] = True  # written meanwhile (a background compile, `qsym warmup`)
    # (tier 0: the dispatcher itself, behind the guard of new signatures)
    assert deferring.program_value_and_grad_into.disp is fake


def _odd_parity_samples():
    """Samples and their count of odd parity on mask 0b101, by hand: 0 (even), 1 (odd),
    5 (even), 4 (odd), 7 (even), 6 (odd)."""
    return np.array([0, 1, 5, 4, 7, 6], dtype=np.int64), 0b101, 3


def test_a_loaded_kernel_called_with_a_new_signature_runs_its_twin_on_tier_0(monkeypatch):
    """tiers.KERNELS (tier 0): a kernel with compiled code in this process, called with
    argument types it has not compiled (here int32 samples, a read-only array), runs its
    plain-Python twin instead of compiling at the call (numba's cache-miss counter and
    its signatures unchanged) and asks for a background compile of that signature; the
    known signature runs compiled. QSYM_TIER=python: no process started."""
    samples, mask, odd = _odd_parity_samples()
    disp = kernels.odd_parity_count
    assert disp(samples, mask) == odd  # compiled or loaded: the int64 signature
    monkeypatch.setattr(tiers, "_kernel_jobs", {})
    monkeypatch.setattr(tiers, "_sig_seen", {})
    monkeypatch.setattr(tiers, "cached_signatures", lambda d: [])  # nothing else on disk
    started = []
    monkeypatch.setattr(tiers.Job, "start", lambda job: started.append(job))
    monkeypatch.setenv("QSYM_TIER", "python")
    guarded = tiers._Kernels(defer=True).odd_parity_count
    assert isinstance(guarded, tiers._Guarded) and guarded.disp is disp
    sigs, misses = list(disp.signatures), sum(disp.stats.cache_misses.values())
    readonly = samples.copy()
    readonly.flags.writeable = False
    before = tiers.twin_calls
    for new in (samples.astype(np.int32), readonly):
        assert guarded(new, mask) == odd
    assert tiers.twin_calls == before + 2
    assert list(disp.signatures) == sigs
    assert sum(disp.stats.cache_misses.values()) == misses
    assert sorted(state for state in tiers._kernel_jobs.values()) == ["python", "python"]
    assert guarded(samples, mask) == odd and tiers.twin_calls == before + 2  # compiled
    assert not started
    # auto: a background job per new signature, once; a compiled tier compiles at the call
    monkeypatch.setenv("QSYM_TIER", "auto")
    monkeypatch.setattr(tiers, "_kernel_jobs", {})
    assert guarded(samples.astype(np.int16), mask) == odd
    assert guarded(samples.astype(np.int16), mask) == odd
    assert len(started) == 1 and started[0].folder
    assert list(disp.signatures) == sigs
    assert tiers._Kernels(defer=False).odd_parity_count is disp


def test_a_background_kernel_compile_that_wrote_nothing_compiles_at_the_next_call(
        monkeypatch):
    """The background process exits 0 even when its compile of a kernel signature failed
    (compile_kernels skips it, for the circuit jobs' sake): a job reported done whose
    signature is still not on disk is a failed one, and the next call compiles (or loads)
    it at the call, once, rather than running the plain-Python twin on every call for the
    life of the process with no warning (review51)."""
    samples, mask, odd = _odd_parity_samples()
    disp = kernels.odd_parity_count
    assert disp(samples, mask) == odd
    monkeypatch.setattr(tiers, "_kernel_jobs", {})
    monkeypatch.setattr(tiers, "_sig_seen", {})
    monkeypatch.setattr(tiers, "cached_signatures", lambda d: [])  # nothing written
    monkeypatch.setattr(tiers.Job, "start", lambda job: job.done(True, ""))  # "ok", no file
    monkeypatch.setenv("QSYM_TIER", "auto")
    guarded = tiers._Guarded(disp, "odd_parity_count")
    new = samples.astype(np.uint16)  # (no qsym call has this signature)
    sig = (numba.typeof(new), numba.typeof(mask))
    if sig in disp.overloads or not tiers.request_kernel_compile("odd_parity_count", ()):
        pytest.skip("uint16 already compiled here, or no usable cache folder")
    monkeypatch.setattr(tiers, "_kernel_jobs", {})
    before = tiers.twin_calls
    assert guarded(new, mask) == odd  # the twin; the job "succeeds"
    assert tiers.twin_calls == before + 1
    assert tiers._kernel_jobs[("odd_parity_count", sig)] == "done"
    assert guarded(new, mask) == odd  # nothing on disk: compiled here, not the twin again
    assert tiers.twin_calls == before + 1 and sig in disp.overloads
    assert guarded(new, mask) == odd and tiers.twin_calls == before + 1


def test_a_new_kernel_signature_is_compiled_in_the_background_then_loaded(tmp_path):
    """End to end, in a new process on a cache folder with the suite's kernel library: a
    loaded kernel called on tier 0 with a new signature answers from its twin, with no
    compile in the process; a background process compiles that signature; the next call
    loads it from numba's disk cache (a cache hit, still no miss)."""
    import subprocess
    import sys

    from conftest import seed_kernel_cache

    seed_kernel_cache(tmp_path)
    script = """
import time, numpy as np
from qsym import _kernels as kernels, _tiers as tiers
disp = kernels.odd_parity_count
samples = np.array([0, 1, 5, 4, 7, 6], dtype=np.int64)
assert disp(samples, 0b101) == 3
misses, hits = dict(disp.stats.cache_misses), sum(disp.stats.cache_hits.values())
new = samples.astype(np.uint8)  # (no qsym call has this signature)
assert tiers.KERNELS.odd_parity_count(new, 0b101) == 3
assert tiers.twin_calls == 1 and len(disp.signatures) == 1
deadline = time.monotonic() + 300
while set(tiers._kernel_jobs.values()) == {"running"} and time.monotonic() < deadline:
    time.sleep(0.2)
assert set(tiers._kernel_jobs.values()) == {"done"}, tiers._kernel_jobs
assert tiers.KERNELS.odd_parity_count(new, 0b101) == 3
assert tiers.twin_calls == 1 and len(disp.signatures) == 2
assert dict(disp.stats.cache_misses) == misses, disp.stats.cache_misses
assert sum(disp.stats.cache_hits.values()) == hits + 1
print("ok")
"""
    env = dict(os.environ, QSYM_CACHE_DIR=str(tmp_path), QSYM_TIER="auto", QSYM_WARMUP="0")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


def test_kernel_on_disk_reads_numbas_index_for_this_machine(monkeypatch, tmp_path):
    """tiers.kernel_on_disk: true for an entry point the suite's warm-up compiled (its
    cached code is listed for this machine); false for one whose index cannot be read; a
    'no' is looked up again after ON_DISK_RECHECK_SECONDS, a 'yes' is kept."""
    monkeypatch.setattr(tiers, "_on_disk_seen", {})
    kernels.program_value_into(*_prepared_value_args())  # compiled or loaded: on disk now
    assert tiers.kernel_on_disk("program_value_into")

    class NoIndex:
        overloads = {}
        targetctx = kernels.program_value_into.targetctx

        class _cache:
            class _cache_file:
                @staticmethod
                def _load_index():
                    raise OSError("no cache folder")

    monkeypatch.setattr(kernels, "program_value_into", NoIndex)
    monkeypatch.setattr(tiers, "_on_disk_seen", {})
    assert not tiers.kernel_on_disk("program_value_into")
    assert not tiers.kernel_on_disk("program_value_into")  # (the 'no' kept: not looked up again)
    monkeypatch.undo()  # the real dispatcher back; the 'no' made long enough ago:
    monkeypatch.setattr(tiers, "_on_disk_seen", {"program_value_into": (
        time.monotonic() - tiers.ON_DISK_RECHECK_SECONDS - 1, False)})
    assert tiers.kernel_on_disk("program_value_into")  # looked up again


def _prepared_value_args():
    e = _entry(_node(fn=_hea_mixed, wires=4), np.zeros(8))
    mats, _, _, C, _, _ = e._prepare(np.zeros(8), np.zeros(0), 0)
    return e._ints, e._floats, mats, C, np.empty(e.module.NUM_OUTPUTS)


def test_tier_0_kernel_time_counts_and_the_compiled_tiers_use_compiled_kernels(monkeypatch,
                                                                               python_tier):
    """On tier 0 a kernel call that ran as its twin counts on the promotion clock (on a new
    machine it is Python time that compiling removes; a compiled kernel's time does not
    count), so a circuit whose twin calls are slow is compiled after a few calls, not 100; its background compile then also compiles the kernel
    entry points its compiled tier calls (``kernel_*``, :func:`qsym._tiers.calls_for`); a
    compiled tier calls tiers.COMPILED_KERNELS, never a twin. (QSYM_TIER=python: no
    background load of a copy an earlier process compiled moves the circuit meanwhile.)"""
    node = _node(fn=_hea_mixed, wires=4)
    w = np.linspace(-1.1, 0.9, 8)
    e = _entry(node, w)
    assert e.tier == "python" and e._k_grad is tiers.KERNELS
    started = []
    monkeypatch.setattr(type(e), "_promote", lambda self, x, d: started.append(self._wanted()))
    e._promoted = False
    d = np.zeros(0)
    n_out = e.module.NUM_OUTPUTS
    args = (e._ints, e._floats) + tuple(e._prepare(w, d, 1)[:5]) + (
        np.empty(n_out), np.empty((n_out, w.shape[0])))
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # nothing due by the clock yet
    started.clear()
    e._python_seconds = 0.0
    # the compiled kernel (loaded here): its time is not Python time, not on the clock
    e._timed(w, d, kernels.program_value_and_grad_into, *args)
    assert e._python_seconds == 0.0
    # its twin (a new machine): on the clock, and the circuit is promoted once it is due
    twin = tiers._counted_twin(tiers._kernel_twins()["program_value_and_grad_into"])
    e._timed(w, d, twin, *args)
    assert e._python_seconds > 0.0 and not started
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", e._python_seconds)
    e._timed(w, d, twin, *args)
    assert started, "the twin kernel call's time did not reach the promotion clock"
    # the kernel form of value_and_grad on tier 0 (the class's: a tiny circuit's instance
    # may run its written-out code instead) calls it through tiers.KERNELS (here: the twin)
    monkeypatch.setattr(tiers.KERNELS, "program_value_and_grad_into", twin, raising=False)
    calls = tiers.twin_calls
    type(e).value_and_grad(e, w, d)
    assert tiers.twin_calls == calls + 1
    wanted = started[-1]
    if not e.fused:
        assert "kernel_grad" in wanted
    assert e._wanted(need_prepare=True)[0] == "prepare"
    assert "kernel_grad" in e._wanted(need_prepare=True)
    with e._lock:
        e._enter("module")
    assert e._k_grad is tiers.COMPILED_KERNELS and e._k_value is tiers.COMPILED_KERNELS
    with e._lock:
        e._enter("python")
    assert e._k_grad is tiers.KERNELS



def _burn(seconds):
    """Busy for ``seconds`` of this thread's CPU time."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_the_promotion_clock_counts_cpu_time_not_waiting(monkeypatch, python_tier):
    """The promotion clock (``tiers.clock``) is the calling thread's CPU time: a twin kernel
    call that waits 0.3 s (a loaded machine: the process waits for a core) does not promote
    a circuit due after 0.2 s, one that computes for 0.2 s does (issue #17: by wall time a
    new 12x8 HEA's first call on a loaded machine was promoted and made its module's text
    before it answered)."""
    node = _node(fn=_hea_mixed, wires=4)
    w = np.linspace(-1.1, 0.9, 8)
    e = _entry(node, w)
    assert e.tier == "python"
    started = []
    monkeypatch.setattr(type(e), "_promote", lambda self, x, d: started.append(1))
    e._promoted = False
    e._python_seconds = 0.0
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 0.2)
    d = np.zeros(0)

    def waits():
        time.sleep(0.3)
        return 1.0

    def computes():
        _burn(0.2)
        return 2.0

    assert e._timed(w, d, tiers._counted_twin(waits)) == 1.0
    assert e._python_seconds < 0.1 and not started
    assert e._timed(w, d, tiers._counted_twin(computes)) == 2.0
    assert e._python_seconds >= 0.2 and started == [1]


def test_the_background_compile_runs_the_kernels_of_the_compiled_tier(monkeypatch):
    """calls_for's ``kernel_value`` / ``kernel_grad`` / ``kernel_adjoint``: the module's
    ``prepare`` (or ``prepare_adjoint``) and then the kernel library entry point on its
    output, so that the background process leaves the kernels on disk too."""
    node = _node(fn=_hea_mixed, wires=4)
    w = np.linspace(-1.1, 0.9, 8)
    e = _entry(node, w)
    calls = []
    for name in ("program_value_into", "program_value_and_grad_into",
                 "program_value_and_grad_adjoint_into"):
        real = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _n=name, _r=real: (calls.append(_n),
                                                                          _r(*a))[1])
    module = tiers.loaded(e.module)
    tiers.run_calls(module, tiers.calls_for(["kernel_value", "kernel_grad", "kernel_adjoint"],
                                            module, w, np.zeros(0)))
    assert calls == ["program_value_into", "program_value_and_grad_into",
                     "program_value_and_grad_adjoint_into"]


def test_a_new_machine_answers_small_circuits_without_compiling_the_kernels(tmp_path):
    """A process with an empty cache folder (nothing compiled: a new machine, a new qsym
    copy): the seed's gradient, ``qml.check`` (the seed example's last step) and a 4-wire
    circuit's gradient by parameter shift and adjoint answer without numba compiling any
    kernel library function (before: ``qml.check`` waited 35-60 s for it), with the right
    numbers (closed form, finite differences), and nothing is said on stderr."""
    import subprocess
    import sys

    code = (
        "import numpy as np, numba, qsym as qml, qsym._kernels as k\n"
        "from tests.test_tiers import _hea_mixed\n"
        "dev = qml.device('default.qubit', wires=1)\n"
        "@qml.qnode(dev)\n"
        "def seed(p):\n"
        "    qml.RX(p[0], wires=0); qml.RY(p[1], wires=0)\n"
        "    return qml.expval(qml.PauliZ(0))\n"
        "p = qml.numpy.array([0.54, 0.12])\n"
        "g = qml.grad(seed)(p)\n"
        "exact = [-np.sin(.54) * np.cos(.12), -np.cos(.54) * np.sin(.12)]\n"
        "ok = np.allclose(g, exact, atol=1e-15)\n"
        "ok &= qml.check(seed, p).ok\n"
        "w = qml.numpy.array(np.linspace(-1.1, 0.9, 8), requires_grad=True)\n"
        "for m in ('parameter-shift', 'adjoint'):\n"
        "    node = qml.QNode(_hea_mixed, qml.device('default.qubit', wires=4), diff_method=m)\n"
        "    g = qml.grad(node)(w)\n"
        "    fd = [(node(w + h) - node(w - h)) / 2e-6 for h in np.eye(8) * 1e-6]\n"
        "    ok &= bool(np.allclose(g, fd, atol=1e-7))\n"
        "loaded = [n for n, f in vars(k).items()\n"
        "          if isinstance(f, numba.core.registry.CPUDispatcher) and f.overloads]\n"
        "print(bool(ok), loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_QUIET", "NUMBA_CACHE_DIR")}
    # tier 0 for ever: no background compile (it would compile the kernel library here)
    env.update(QSYM_CACHE_DIR=str(tmp_path / "cache"), QSYM_TIER="python")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=600, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "True []", out.stdout + out.stderr
    assert "numba is compiling" not in out.stderr, out.stderr


def test_sampling_kernel_twins_draw_numpys_numbers():
    """The sampling kernels' plain-Python twins (a first sampled answer runs them until the
    compiled code is loaded: qsym._tiers.KERNELS) give the compiled kernels' numbers, and
    both give NumPy's own ``Generator.choice`` draws: few and many outcomes (the kernel's
    count and its binary search), zero probabilities, draws equal to a cdf entry; NumPy's
    checks of ``p``; the parity counts against a count written out."""
    twins = tiers._kernel_twins()
    assert twins, "qsym/kernel_twins.json missing or stale"
    rng = np.random.default_rng(3)
    for k in (1, 2, 3, 16, 17, 64, 300):
        for zeros in (False, True):
            p = rng.random(k) ** 3
            if zeros and k > 2:
                p[rng.integers(0, k, size=k // 3)] = 0.0
            p /= p.sum()
            u = rng.random(500)
            cdf = np.cumsum(p) / np.cumsum(p)[-1]
            u[: k - 1] = cdf[: k - 1]  # a draw equal to a cdf entry
            u = np.minimum(u, np.nextafter(1.0, 0.0))  # (rng.random draws below 1)
            a, b = np.empty(500, np.int64), np.empty(500, np.int64)
            twins["choice_into"](p, u, a)
            kernels.choice_into(p, u, b)
            assert a.tolist() == b.tolist()
            # NumPy's choice from the same uniform draws
            seed = int(rng.integers(1 << 30))
            want = np.random.default_rng(seed).choice(k, 200, p=p)
            got = np.empty(200, np.int64)
            twins["choice_into"](p, np.random.default_rng(seed).random(200), got)
            assert got.tolist() == want.tolist()
    atol = float(np.sqrt(np.finfo(np.float64).eps))
    for p in (np.array([0.5, 0.5]), np.array([np.nan, 1.0]), np.array([1.5, -0.5]),
              np.array([0.5, 0.6]), np.array([1e-9] * 5 + [1.0])):
        assert twins["choice_check"](p, atol) == kernels.choice_check(p, atol)
    samples = rng.integers(0, 1 << 10, size=1000)
    for mask in (0, 1, 6, 0b1011001, (1 << 10) - 1):
        want = sum(bin(int(s) & mask).count("1") % 2 for s in samples)
        assert twins["odd_parity_count"](samples, mask) == want
        assert kernels.odd_parity_count(samples, mask) == want
    assert tiers.kernels_for_loop(1 << 8) is tiers.KERNELS
    assert tiers.kernels_for_loop(1 << 20) is kernels  # a Python loop too long: compiled


_FIRST_SAMPLE = '''
import threading, numpy as onp, qsym as qml, qsym._tiers as t, qsym._kernels as k
from qsym import numpy as np

def fn(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(0.3, wires=1)
    return (qml.expval(qml.PauliZ(1)), qml.var(qml.PauliX(0) @ qml.PauliZ(1)),
            qml.probs(wires=[0, 1]))

def fs(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.sample(wires=[0, 1]), qml.counts(wires=[0, 1]), qml.expval(qml.PauliY(0))

x = np.array([0.4, -0.7], requires_grad=True)

def run(seed):
    dev = qml.device("default.qubit", wires=2, seed=seed)
    a = qml.set_shots(qml.QNode(fn, dev), 300)
    b = qml.set_shots(qml.QNode(fs, dev), 300)
    g = qml.jacobian(lambda v: qml.math.hstack(a(v)))(x)
    s, c, y = b(x)
    return (onp.hstack([onp.asarray(v).ravel() for v in a(x)]).tobytes(),
            onp.asarray(g).tobytes(), onp.asarray(s).tobytes(), sorted(c.items()),
            onp.float64(y).tobytes())

NAMES = ("program_state", "choice_into", "choice_check", "odd_parity_count")
first = run(11)
twins = t.twin_calls
loaded = sum(len(getattr(k, n).overloads) for n in NAMES)
out = {}
threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, run(i))) for i in range(4)]
for th in threads:
    th.start()
t._warm_start.set()  # the warm-up loads the compiled kernels while the threads draw
for th in threads:
    th.join()
t._warm_thread.join()
with t.kernel_compiles_on_call():  # every kernel call compiled from here
    before = t.twin_calls
    again = run(11)
    ref = {i: run(i) for i in range(4)}
    compiled = t.twin_calls == before and all(getattr(k, n).overloads for n in NAMES)
print(twins > 0, loaded == 0, compiled, again == first, all(out[i] == ref[i] for i in range(4)))
'''


def _run_fresh(script: str, **env_vars):
    """``script`` run by a fresh ``python`` on this qsym (the default tier and kernel
    warm-up, ``env_vars`` added); its completed process, checked to have exited 0."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_WARMUP", "QSYM_TIER")}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    env.update(env_vars)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=600, cwd=root)
    assert out.returncode == 0, out.stderr
    return out


def test_a_first_sampled_answer_needs_no_kernel_load():
    """A new process: the first sampled answers (expval, var, probs, samples, counts and a
    parameter-shift Jacobian with shots) run the kernels' plain-Python twins while the
    warm-up thread has not loaded the compiled code (none of the sampling kernels loaded:
    no numba load before the first sample, issue #17); the same seed gives the same bits
    again once every kernel call runs compiled, and from four threads drawing across the
    swap."""
    out = _run_fresh(_FIRST_SAMPLE)
    assert out.stdout.split() == ["True"] * 5, (out.stdout, out.stderr)


_FIRST_HESSIAN = '''
import numpy as onp, qsym as qml, qsym._tiers as t, qsym._kernels as k
from qsym import numpy as np

def fn(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(x[0] * x[1], wires=1)
    return qml.expval(qml.PauliX(1) @ qml.PauliZ(0))

x = np.array([0.4, -0.7], requires_grad=True)

def run(seed):
    dev = qml.device("default.qubit", wires=2, seed=seed)
    exact = qml.QNode(fn, dev, diff_method="parameter-shift")
    c = qml.set_shots(qml.QNode(fn, dev, diff_method="parameter-shift"), 200)
    return (onp.asarray(qml.hessian(c)(x)).tobytes(),
            onp.asarray(qml.hessian(exact)(x)).tobytes())

NAMES = ("program_state", "unpack_program", "accumulate_terms", "program_gate_gradient")
first = run(3)
twins = t.twin_calls
loaded = [n for n in NAMES if getattr(k, n).overloads]
with t.kernel_compiles_on_call():  # every kernel call compiled from here
    before = t.twin_calls
    again = run(3)
    compiled = t.twin_calls == before and all(getattr(k, n).overloads for n in NAMES)
print(twins > 0, loaded == [], compiled, again == first)
'''


def test_a_first_sampled_hessian_needs_no_kernel_load():
    """A new process: a first sampled Hessian (qsym._second_order's shift-term walk over
    sampled gradients) and a first exact one run the kernels' plain-Python twins like the
    other first answers (they called ``unpack_program``, ``accumulate_terms`` and
    ``program_gate_gradient`` compiled: numba loaded before the answer); the same seed
    gives the same bits, and the exact Hessian the same, once every kernel call runs
    compiled."""
    out = _run_fresh(_FIRST_HESSIAN)
    assert out.stdout.split() == ["True"] * 4, (out.stdout, out.stderr)


_SAMPLED_CLOCK = '''
import time, numpy as onp, qsym as qml, qsym._tiers as t
from qsym import numpy as np

twins = t._kernel_twins()
state = twins["program_state"]

slow = []

def slowed(*args):  # a twin that computes for 50 ms: a sampled call's Python kernel time
    slow.append(1)
    end = time.thread_time() + 0.05  # (CPU time: the promotion clock's, tiers.clock)
    while time.thread_time() < end:
        pass
    return state(*args)

twins["program_state"] = slowed
t.COMPILE_AFTER_CALLS = 10 ** 6  # promotion by seconds only
t.COMPILE_AFTER_SECONDS = 0.2
dev = qml.device("default.qubit", wires=2, seed=5)

@qml.qnode(dev)
def c(x):
    qml.RX(x[0], wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))

c = qml.set_shots(c, 100)
x = np.array([0.4])
entry, _, _ = c.compiled((x,), {})
promoted = []  # (the background compile itself is not started here)
entry._promote = lambda xx, dd: promoted.append(onp.asarray(xx).tolist())
values = [float(c(x))]
first = (len(slow), len(promoted))  # one call: 50 ms of the twin, not promoted
values += [float(c(x)) for _ in range(5)]
print(entry.tier, first, entry._python_seconds >= 0.05 * len(slow) >= 0.3,
      bool(promoted) and promoted[0] == [0.4])
'''


def test_sampling_kernel_twins_time_counts_on_the_promotion_clock(tmp_path):
    """A sampled circuit on tier 0 whose kernels run as their plain-Python twins (here no
    compiled kernel on disk: an empty NUMBA_CACHE_DIR) puts their time on its promotion
    clock, as the exact entry points' twin calls do: 6 sampled values with a 50 ms twin
    reach COMPILE_AFTER_SECONDS = 0.2 s (one does not) and promote the circuit at the
    inputs of its last call (its own prepare takes well under a millisecond)."""
    out = _run_fresh(_SAMPLED_CLOCK, NUMBA_CACHE_DIR=str(tmp_path))
    assert out.stdout.split() == ["python", "(1,", "0)", "True", "True"], (out.stdout,
                                                                           out.stderr)


def test_a_sampled_value_only_circuit_is_promoted_as_an_exact_one(monkeypatch):
    """By design (docs/design.md, "Tiers"): a circuit is compiled after
    tiers.COMPILE_AFTER_CALLS = 100 calls of its tier-0 ``prepare`` or
    COMPILE_AFTER_SECONDS of their Python time, not within a few calls; a sampled value
    call counts as an exact one (its ``prepare``; the sampling is the same on every tier
    and not on the clock). Counted here with the clock out of the way: no promotion in 99
    sampled calls, promotion at the 100th."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, shots=50)
    def sampled(x):
        qml.RX(x[0], 0)
        qml.RY(x[1], 1)
        qml.CNOT([0, 1])
        qml.RZ(x[2], 2)
        return qml.expval(qml.Z(1))

    x = np.array([0.1, 0.2, 0.3])
    started = []
    def promote(self, xx, dd):  # (recorded, not compiled: no background job here)
        self._promoted = True
        started.append(self._calls)

    monkeypatch.setattr(runtime.Compiled, "_promote", promote)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)
    assert tiers.COMPILE_AFTER_CALLS == 100
    for _ in range(99):
        sampled(x)
    (entry,) = [e for e in sampled._compiled.values() if isinstance(e, runtime.Compiled)]
    if entry.tier != "python":
        pytest.skip("the circuit's compiled code was in the disk cache: loaded, not promoted")
    assert entry._calls == 99 and not started
    sampled(x)
    assert started == [100]


def test_noted_kernel_signatures_are_numbas_for_every_kind_of_argument(monkeypatch):
    """``note_kernel_call`` (a twin's call on a circuit's promotion clock) remembers numba's
    signature by the arguments' kinds (``_arg_kind``) instead of asking numba at each call
    (24 us a kernel call, 15 calls a 4-wire shots gradient): the signature noted is numba's
    own ``typeof_pyval`` for arrays of each dtype, dimension, layout and flag, sequences
    and scalars, and arguments of a kind seen before are not typed again."""
    disp = kernels.program_state
    c = np.zeros((3, 4))
    ro = np.ones(5)
    ro.flags.writeable = False
    kinds = [np.zeros(4), np.zeros(4, dtype=complex), np.zeros(4, dtype=np.int64),
             np.zeros(4, dtype=np.float32), c, np.asfortranarray(c), c[:, ::2], np.zeros((2, 2, 2)),
             ro, (np.zeros(2), np.zeros(3)), (np.zeros(2), np.zeros((2, 2))),
             [1.0, 2.0], 3, 2.5, 1j, True, np.float64(1.5), np.int32(2)]
    monkeypatch.setattr(tiers, "_SIGNATURES", {})
    sigs = set()
    for a in kinds:
        tiers.note_kernel_call(sigs, "program_state", (a,))
        assert ("program_state", (disp.typeof_pyval(a),)) in sigs, a
    assert len(tiers._SIGNATURES) == len(kinds)
    assert len(sigs) == len({disp.typeof_pyval(a) for a in kinds})  # (np.float64, float: one)
    noted = len(sigs)
    typed = []
    monkeypatch.setattr(type(disp), "typeof_pyval", lambda self, a: typed.append(a))
    for a in (np.ones(4), np.ones((2, 2), order="F"), (np.ones(1), np.ones(7)), 7, 0.5):
        tiers.note_kernel_call(sigs, "program_state", (a,))
    assert typed == [] and len(sigs) == noted


# --- a large circuit's first parameter-shift gradient (issue #17) -----------------------------
def _hea12(w):
    """12 wires, 2 layers of RY RZ and a CNOT ring, <Z0 + Z5>: a parameter-shift gradient
    too slow for the twins (the compiled kernel) and large enough for numba's threads."""
    for layer in range(2):
        for i in range(12):
            qml.RY(w[layer, i, 0], wires=i)
            qml.RZ(w[layer, i, 1], wires=i)
        for i in range(12):
            qml.CNOT(wires=[i, (i + 1) % 12])
    return qml.expval(qml.PauliZ(0) + qml.PauliZ(5))


def test_a_large_first_gradient_launches_no_threads_and_types_no_array():
    """A new process's first parameter-shift gradient of a circuit that runs the compiled
    kernel on tier 0 (and would share its shifted circuits among numba's threads) with
    NUMBA_NUM_THREADS=1: numba's threading layer is not launched to learn the thread count
    (before: 25-30 ms of CPU), numba's typing of an ndarray (which imports numpy.ma, 7-15
    ms) does not run (the overload's entry point is called), and the gradient is the
    dispatcher's, bit for bit, and the adjoint method's to 1e-12 (an independent method).
    ``tiers.threads_now()`` was numba's count (1) without the launch."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, qsym as qml, qsym._tiers as t, qsym._kernels as k\n"
        "from numba.np.ufunc import parallel\n"
        "from tests.test_tiers import _hea12, _entry\n"
        "dev = qml.device('default.qubit', wires=12)\n"
        "node = qml.QNode(_hea12, dev)\n"
        "w = qml.numpy.array(np.linspace(-1.3, 1.7, 48).reshape(2, 12, 2), requires_grad=True)\n"
        "one = t.threads_now() == 1\n"
        "g = qml.grad(node)(w)\n"
        "e = _entry(node, w)\n"
        "clean = (parallel._is_initialized, 'numpy.ma' in sys.modules,\n"
        "         e._k_grad is t.PLAIN_KERNELS, e._shift_parallel, one)\n"
        "x = np.asarray(w).ravel()\n"
        "v1, j1 = e.value_and_grad(x, np.zeros(0))\n"
        "e._k_grad = k\n"
        "v2, j2 = e.value_and_grad(x, np.zeros(0))\n"
        "same = v1.tobytes() == v2.tobytes() and j1.tobytes() == j2.tobytes()\n"
        "ga = qml.grad(qml.QNode(_hea12, dev, diff_method='adjoint'))(w)\n"
        "near = np.allclose(g, ga, rtol=0, atol=1e-12) and np.array_equal(j1.ravel(), np.ravel(g))\n"
        "import numba\n"
        "print(*clean, same, near, numba.get_num_threads() == 1)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "QSYM_WARMUP"}
    env.update(NUMBA_NUM_THREADS="1", QSYM_TIER="python")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=600, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "True", "True", "True", "True", "True",
                                  "True"], out.stdout


def test_a_plain_call_is_the_dispatchers_and_anything_else_goes_to_it():
    """tiers.PLAIN_KERNELS: plain arrays run the overload's entry point (the dispatcher's
    bits); a strided, read-only or subclassed array, or a non-array argument, runs the
    dispatcher (which types it as before)."""
    import types

    e = _entry(_node(fn=_hea_mixed, wires=4), np.zeros(8))
    x = np.linspace(-1.1, 0.9, 8)
    mats, _, _, C, _, _ = e._python_prepare(x, np.zeros(0), 0)
    out1, out2 = np.empty(e.module.NUM_OUTPUTS), np.empty(e.module.NUM_OUTPUTS)
    kernels.program_value_into(e._ints, e._floats, mats, C, out1)
    fn = tiers.PLAIN_KERNELS.program_value_into
    assert isinstance(fn, tiers._Plain) and tiers.PLAIN_KERNELS.DIAGONAL == kernels.DIAGONAL
    args = (e._ints, e._floats, mats, C, out2)
    fn(*args)
    # (its entry for these arguments' kinds; other tests in the worker may have made others)
    assert out1.tobytes() == out2.tobytes()
    assert tuple(map(tiers._arg_kind, args)) in fn.known

    class Dispatcher:  # which path a call takes
        def __init__(self):
            self.overloads = {}

        def __call__(self, *args):
            return "dispatcher"

    class Sub(np.ndarray):
        pass

    disp = Dispatcher()
    disp.overloads[tiers.plain_signature((np.zeros(2),))] = types.SimpleNamespace(
        entry_point=lambda *args: "entry point")
    plain = tiers._Plain(disp)
    ro = np.zeros(2)
    ro.flags.writeable = False
    assert plain(np.zeros(2)) == "entry point" and plain(np.ones(5)) == "entry point"
    for arg in (np.zeros(4)[::2], ro, np.zeros(2).view(Sub), np.zeros(2, dtype=np.float32),
                np.zeros((2, 2)), np.zeros(2, dtype=">f8"), np.zeros(2, dtype=object), 1.0,
                [0.0, 0.0]):
        assert plain(arg) == "dispatcher", arg


def test_the_warm_up_loads_the_first_answers_kernel_then_waits_for_it(monkeypatch):
    """Woken by a circuit whose first answer needs a compiled kernel, the warm-up thread
    loads that kernel only, and the others once the answer is given."""
    loaded = []
    start, answered = threading.Event(), threading.Event()
    monkeypatch.setattr(tiers, "_warm_start", start)
    monkeypatch.setattr(tiers, "_answered", answered)
    monkeypatch.setattr(tiers, "_needed_first", None)
    monkeypatch.setattr(tiers, "_needed_later", None)
    monkeypatch.setattr(tiers, "threads_now", lambda: 1)
    monkeypatch.setattr(tiers, "_load_cached", loaded.append)
    monkeypatch.setattr(tiers, "WARM_DELAY", 60.0)
    from qsym import _cache as cache

    monkeypatch.setattr(cache, "start_touching", lambda: loaded.append("touch"))
    tiers.kernels_needed_soon(12, 288, False)
    assert tiers._needed_first == "program_value_and_grad_into" and start.is_set()
    thread = threading.Thread(target=tiers._warm_kernels, daemon=True)
    thread.start()
    for _ in range(2000):
        if loaded:
            break
        time.sleep(0.005)
    time.sleep(0.05)
    assert loaded == ["program_value_and_grad_into"] and thread.is_alive()
    answered.set()
    thread.join(30)
    assert loaded == ["program_value_and_grad_into", "touch", *tiers.WARM_KERNELS]
    # the adjoint of a large state: the blocked kernel
    monkeypatch.setattr(tiers, "_needed_first", None)
    tiers.kernels_needed_soon(20, 400, True)
    assert tiers._needed_first == "program_value_and_grad_adjoint_blocked_into"
    # several threads: the parallel parameter shift and numba's threads after the answer
    monkeypatch.setattr(tiers, "_needed_first", None)
    monkeypatch.setattr(tiers, "_needed_later", None)
    monkeypatch.setattr(tiers, "threads_now", lambda: 2)
    monkeypatch.setattr(tiers, "launch_threads", lambda: loaded.append("threads"))
    tiers.kernels_needed_soon(12, 288, False)
    assert tiers._needed_later == "program_value_and_grad_parallel"
    del loaded[:]
    tiers._warm_kernels()
    assert loaded == ["touch", *tiers.WARM_KERNELS, "program_value_and_grad_parallel",
                      "threads"]
    monkeypatch.setattr(tiers, "_needed_later", None)
    monkeypatch.setattr(tiers, "threads_now", lambda: 1)
    tiers.kernels_needed_soon(12, 288, False)
    assert tiers._needed_later is None


def test_a_first_gradient_on_tier_0_does_not_wait_for_the_parallel_kernel(monkeypatch):
    """Several threads: a large circuit's first parameter-shift gradient on tier 0 runs the
    serial kernel unless the parallel one is loaded; its later gradients, and every one on
    a compiled tier, the parallel kernel (the same bits: here the serial kernel's, by a
    stand-in that records its calls)."""
    calls = []

    class Parallel:
        overloads: dict = {}

        def __call__(self, ints, floats, mats, smats, ch, C, cc, chunks):
            calls.append(chunks)
            out, jac = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 48))
            kernels.program_value_and_grad_into(ints, floats, mats, smats, ch, C, cc, out, jac)
            return out, jac

    monkeypatch.setattr(kernels, "program_value_and_grad_parallel", Parallel())
    monkeypatch.setattr(tiers, "threads_now", lambda: 2)
    x = np.linspace(-1.3, 1.7, 48)
    e = _entry(_node(fn=_hea12, wires=12), x.reshape(2, 12, 2))
    assert e.tier == "python" and e._shift_parallel
    v1, j1 = e.value_and_grad(x, np.zeros(0))
    assert calls == []
    v2, j2 = e.value_and_grad(x, np.zeros(0))
    assert calls == [8] and v1.tobytes() == v2.tobytes() and j1.tobytes() == j2.tobytes()
    # a new circuit whose parallel kernel is loaded: at once
    Parallel.overloads = {"loaded": None}
    e = _entry(_node(fn=_hea12, wires=12), (x + 0.25).reshape(2, 12, 2))
    e.value_and_grad(x, np.zeros(0))
    assert calls == [8, 8]


def test_the_compile_line_does_not_tell_a_python_tier_user_to_set_what_is_set(monkeypatch, capsys):
    """Under ``QSYM_TIER=python`` only a singular point of the classical processing compiles
    (plain Python raises where numba's ``error_model="numpy"`` gives inf or nan): the one
    stderr line said "set QSYM_TIER=python to never compile" to a user who had set it
    (suiteb69, stop 69); it now says what that setting does. Otherwise it still names it."""
    for setting, says, never in (
            ("python", "QSYM_TIER=python compiles only at such a point", "set QSYM_TIER"),
            ("auto", "set QSYM_TIER=python to run plain Python instead", "never compile")):
        monkeypatch.setenv("QSYM_TIER", setting)
        monkeypatch.setattr(tiers, "_warned", False)
        tiers.say_compiling_here("a singular point of the classical processing")
        err = capsys.readouterr().err
        assert err.startswith("qsym: compiling a circuit's generated code") and says in err, err
        assert never not in err, err
