"""qsym.minimize: the compiled loop against the optimizers' own Python ``step``.

The compiled loop and ``opt.step`` must give the same iterates (checked to 1e-12; they
agree to the last bit on this machine), for all six optimizers and both compiled
gradient methods; early stopping, many starts, data sets, the Python fallback and its
reasons, progress and plotting are checked against direct computations.
"""

import io
import subprocess
import sys
import textwrap

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

minimize_module = sys.modules["qsym._minimize"]

dev1 = qml.device("default.qubit", wires=1)


def rotation(diff_method):
    @qml.qnode(dev1, diff_method=diff_method)
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit


CIRCUITS = {m: rotation(m) for m in ("parameter-shift", "adjoint")}

OPTIMIZERS = {
    "GD": lambda: qml.GradientDescentOptimizer(stepsize=0.4),
    "Momentum": lambda: qml.MomentumOptimizer(stepsize=0.1, momentum=0.8),
    "Nesterov": lambda: qml.NesterovMomentumOptimizer(stepsize=0.1),
    "Adagrad": lambda: qml.AdagradOptimizer(stepsize=0.3),
    "RMSProp": lambda: qml.RMSPropOptimizer(stepsize=0.05, decay=0.8),
    "Adam": lambda: qml.AdamOptimizer(stepsize=0.1, beta1=0.8),
}

X0 = [0.011, 0.012]


def python_steps(circuit, opt, x0, steps):
    """opt.step_and_cost, ``steps`` times: every iterate and the cost before each step."""
    p = np.array(x0)
    iterates, costs = [p], []
    for _ in range(steps):
        p, c = opt.step_and_cost(circuit, p)
        iterates.append(p)
        costs.append(float(c))
    return iterates, costs


@pytest.mark.parametrize("method", sorted(CIRCUITS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_compiled_loop_equals_python_step(method, name):
    circuit = CIRCUITS[method]
    iterates, costs = python_steps(circuit, OPTIMIZERS[name](), X0, 40)
    for steps in (0, 1, 2, 7, 40):  # every iterate checked on the way
        res = qml.minimize(circuit, X0, optimizer=OPTIMIZERS[name](), steps=steps)
        assert res.compiled and res.method == method and res.nit == steps
        onp.testing.assert_allclose(res.x, iterates[steps], rtol=0, atol=1e-12)
        assert len(res.cost_history) == steps + 1 == len(res.grad_norm_history)
        onp.testing.assert_allclose(res.cost_history[:-1], costs[:steps], rtol=0, atol=1e-12)
        assert res.fun == res.cost_history[-1]
        assert abs(res.fun - float(circuit(iterates[steps]))) < 1e-12
    g_end = qml.grad(circuit, argnum=0)(iterates[40])
    assert abs(res.grad_norm_history[-1] - onp.linalg.norm(g_end)) < 1e-12


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_python_loop_equals_compiled_loop(name):
    circuit = CIRCUITS["parameter-shift"]
    a = qml.minimize(circuit, X0, optimizer=OPTIMIZERS[name](), steps=25, tol=1e-3)
    b = qml.minimize(circuit, X0, optimizer=OPTIMIZERS[name](), steps=25, tol=1e-3,
                     compiled=False)
    assert a.compiled and not b.compiled and b.method == "python"
    assert "compiled=False" in b.message
    assert a.nit == b.nit and a.converged == b.converged
    onp.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(a.cost_history, b.cost_history, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(a.grad_norm_history, b.grad_norm_history, rtol=0, atol=1e-12)


def test_qubit_rotation_tutorial():
    res = qml.minimize(CIRCUITS["parameter-shift"], X0,
                       optimizer=qml.GradientDescentOptimizer(stepsize=0.4), steps=100)
    onp.testing.assert_allclose(res.x, [0.0, onp.pi], atol=1e-6)
    assert abs(res.fun + 1) < 1e-12
    assert res.cost_history[0] == pytest.approx(onp.cos(0.011) * onp.cos(0.012), abs=1e-15)
    assert onp.all(onp.diff(res.cost_history) <= 1e-15)  # gradient descent: monotone here
    assert res.compile_time >= 0 and res.run_time > 0 and res.time >= res.run_time
    assert res.steps_per_second > 0


@pytest.mark.parametrize("name", ["GD", "Nesterov", "Adam"])
def test_early_stop(name):
    circuit = CIRCUITS["adjoint"]
    tol = 1e-4
    res = qml.minimize(circuit, X0, optimizer=OPTIMIZERS[name](), steps=5000, tol=tol)
    assert res.converged and 0 < res.nit < 5000
    assert "converged" in res.message
    # stopped at the first gradient below tol, at the point where it was taken
    assert onp.all(res.grad_norm_history[:-2] >= tol)
    assert res.grad_norm_history[-1] == pytest.approx(
        onp.linalg.norm(qml.grad(circuit, argnum=0)(res.x)), abs=1e-12)
    assert res.fun == pytest.approx(float(circuit(res.x)), abs=1e-12)
    iterates, _ = python_steps(circuit, OPTIMIZERS[name](), X0, res.nit)
    onp.testing.assert_allclose(res.x, iterates[-1], rtol=0, atol=1e-12)
    if name != "Nesterov":  # the gradient where it is taken is the one at x
        assert res.grad_norm_history[-1] < tol


def test_optimizer_state_is_neither_used_nor_changed():
    circuit = CIRCUITS["parameter-shift"]
    opt = qml.AdamOptimizer(stepsize=0.1)
    p = np.array(X0)
    for _ in range(3):
        p = opt.step(circuit, p)
    state = repr(opt.accumulation)
    res = qml.minimize(circuit, X0, optimizer=opt, steps=5)
    assert repr(opt.accumulation) == state
    iterates, _ = python_steps(circuit, qml.AdamOptimizer(stepsize=0.1), X0, 5)
    onp.testing.assert_allclose(res.x, iterates[-1], rtol=0, atol=1e-12)


# --- many starts ----------------------------------------------------------------------
def test_multistart_equals_single_runs():
    circuit = CIRCUITS["adjoint"]
    starts = onp.array([[0.011, 0.012], [1.0, -0.5], [2.5, 0.3], [-1.0, 1.0], [0.0, 0.0]])
    opt = qml.AdamOptimizer(stepsize=0.1)
    for threads in (1, 2):
        res = qml.minimize(circuit, starts, optimizer=opt, steps=60, tol=1e-6,
                           multistart=True, threads=threads)
        assert res.multistart and res.compiled and len(res) == 5
        assert res.x.shape == (5, 2) and res.fun.shape == (5,) and res.nit.shape == (5,)
        for i, s in enumerate(starts):
            one = qml.minimize(circuit, s, optimizer=opt, steps=60, tol=1e-6)
            assert res.nit[i] == one.nit and res[i].nit == one.nit
            onp.testing.assert_allclose(res.x[i], one.x, rtol=0, atol=1e-12)
            onp.testing.assert_allclose(res.cost_history[i], one.cost_history, rtol=0,
                                        atol=1e-12)
            assert res[i].fun == one.fun
        # [0, 0] is a stationary point: its gradient is 0 and it stops at once
        assert res.nit[4] == 0 and res.converged[4]
        assert res.best.fun == res.fun.min()
    assert "5 starts" in res.message


def test_multistart_with_matrix_parameters():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(w):
        for i in range(2):
            qml.RY(w[i, 0], wires=i)
            qml.RZ(w[i, 1], wires=i)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    starts = onp.random.default_rng(1).uniform(-1, 1, size=(3, 2, 2))
    res = qml.minimize(c, starts, optimizer=qml.AdamOptimizer(0.1), steps=30, multistart=True)
    assert res.compiled and res.x.shape == (3, 2, 2)
    one = qml.minimize(c, starts[1], optimizer=qml.AdamOptimizer(0.1), steps=30)
    assert one.x.shape == (2, 2)
    onp.testing.assert_allclose(res.x[1], one.x, rtol=0, atol=1e-12)
    with pytest.raises(qml.QsymError, match="multistart=True"):
        qml.minimize(CIRCUITS["adjoint"], onp.zeros((3, 2)), steps=1)


# --- data sets ------------------------------------------------------------------------
dev2 = qml.device("default.qubit", wires=2)


@qml.qnode(dev2)
def model(w, x=None, scale=1.0):
    qml.RY(scale * x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.RY(w[0], wires=0)
    qml.RX(w[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RY(w[2], wires=1)
    return qml.expval(qml.PauliZ(1))


def mse_and_grad(w, X, y, scale=1.0):
    f = onp.array([float(model(w, x=xi, scale=scale)) for xi in X])
    g = onp.array([qml.grad(model, argnum=0)(w, x=xi, scale=scale) for xi in X])
    r = f - y
    return onp.mean(r**2), (2 * r[:, None] * g).mean(axis=0)


def test_data_set_square_loss():
    rng = onp.random.default_rng(7)
    X = rng.uniform(-1, 1, size=(12, 2))
    y = onp.sign(X[:, 0] * X[:, 1])
    w0 = onp.array([0.1, 0.2, 0.3])
    opt = qml.AdamOptimizer(stepsize=0.05)
    res = qml.minimize(model, w0, data={"x": X}, targets=y, steps=20, optimizer=opt,
                       kwargs={"scale": 0.5})
    assert res.compiled
    f0, g0 = mse_and_grad(w0, X, y, scale=0.5)
    assert res.cost_history[0] == pytest.approx(f0, abs=1e-12)
    assert res.grad_norm_history[0] == pytest.approx(onp.linalg.norm(g0), abs=1e-12)
    py = qml.minimize(model, w0, data={"x": X}, targets=y, steps=20, optimizer=opt,
                      kwargs={"scale": 0.5}, compiled=False)
    onp.testing.assert_allclose(res.x, py.x, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(res.cost_history, py.cost_history, rtol=0, atol=1e-12)
    assert res.cost_history[-1] < res.cost_history[0]


def test_new_data_does_not_recompile():
    rng = onp.random.default_rng(3)
    X, y = rng.uniform(-1, 1, size=(5, 2)), rng.uniform(-1, 1, size=5)
    qml.minimize(model, [0.1, 0.2, 0.3], data={"x": X}, targets=y, steps=2)
    compiled_before = dict(model._compiled)
    loops_before = minimize_module._loops.keys()
    X2, y2 = rng.uniform(-1, 1, size=(9, 2)), rng.uniform(-1, 1, size=9)
    res = qml.minimize(model, [0.1, 0.2, 0.3], data={"x": X2}, targets=y2, steps=2)
    assert model._compiled == compiled_before and minimize_module._loops.keys() == loops_before
    assert res.compile_time < 0.2  # only the data rows are laid out (a compile takes >= 1 s)
    f0, _ = mse_and_grad(onp.array([0.1, 0.2, 0.3]), X2, y2)
    assert res.cost_history[0] == pytest.approx(f0, abs=1e-12)


def test_data_set_mean_loss():
    X = onp.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]])
    res = qml.minimize(model, [0.1, 0.2, 0.3], data={"x": X}, steps=3,
                       optimizer=qml.MomentumOptimizer(0.1))
    w = onp.array([0.1, 0.2, 0.3])
    assert res.cost_history[0] == pytest.approx(
        onp.mean([float(model(w, x=xi)) for xi in X]), abs=1e-12)
    py = qml.minimize(model, w, data={"x": X}, steps=3, optimizer=qml.MomentumOptimizer(0.1),
                      compiled=False)
    onp.testing.assert_allclose(res.x, py.x, rtol=0, atol=1e-12)


def test_data_errors():
    X = onp.zeros((4, 2))
    w = [0.1, 0.2, 0.3]
    with pytest.raises(qml.ArgumentError, match="targets"):
        qml.minimize(model, w, data={"x": X}, loss="square")
    with pytest.raises(qml.ArgumentError, match="3 values for 4"):
        qml.minimize(model, w, data={"x": X}, targets=[1, 2, 3])
    with pytest.raises(qml.ArgumentError, match="needs data"):
        qml.minimize(model, w, targets=[1.0])
    with pytest.raises(qml.ArgumentError, match="loss must be"):
        qml.minimize(model, w, data={"x": X}, targets=onp.zeros(4), loss="hinge")
    with pytest.raises(qml.ArgumentError, match="same number of rows"):
        qml.minimize(model, w, data={"x": X, "scale": onp.ones(3)}, targets=onp.zeros(4))
    with pytest.raises(qml.ArgumentError, match="both"):
        qml.minimize(model, w, data={"x": X}, targets=onp.zeros(4), kwargs={"x": X[0]})


def test_fixed_positional_args_are_data():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(params, phi, wire):
        qml.RX(params[0] + phi, wires=wire)
        qml.RY(params[1], wires=wire)
        return qml.expval(qml.PauliZ(0))

    res = qml.minimize(c, [0.5, 0.1], args=(0.3, 0), steps=10,
                       optimizer=qml.GradientDescentOptimizer(0.2))
    assert res.compiled
    p = np.array([0.5, 0.1])
    opt = qml.GradientDescentOptimizer(0.2)
    for _ in range(10):
        p = p - 0.2 * qml.grad(c, argnum=0)(p, 0.3, 0)
    onp.testing.assert_allclose(res.x, p, rtol=0, atol=1e-12)
    assert opt.stepsize == 0.2


# --- the Python loop and its reasons --------------------------------------------------
def test_python_cost_runs_in_python_and_says_why():
    circuit = CIRCUITS["parameter-shift"]

    def cost(p):
        return 2.0 * circuit(p) + 1.0

    def cost_grad(p):
        return 2.0 * qml.grad(circuit, argnum=0)(p)

    res = qml.minimize(cost, X0, optimizer=qml.GradientDescentOptimizer(0.2), steps=15,
                       grad_fn=cost_grad)
    assert not res.compiled and res.method == "python"
    assert "Python loop" in res.message and "grad_fn" in res.message
    # twice the cost at half the step: the same iterates
    ref = qml.minimize(circuit, X0, optimizer=qml.GradientDescentOptimizer(0.4), steps=15)
    onp.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(res.cost_history, 2 * ref.cost_history + 1, atol=1e-12)
    with pytest.raises(qml.DifferentiationError, match="cannot compile.*grad_fn"):
        qml.minimize(cost, X0, steps=2, grad_fn=cost_grad, compiled=True)


def test_hybrid_cost_without_grad_fn():
    circuit = CIRCUITS["adjoint"]

    def cost(p):
        return (circuit(p) - 0.5) ** 2

    # qml.grad of a Python cost over a QNode (qsym.autodiff): must work, never skipped
    assert np.all(np.isfinite(qml.grad(cost, argnum=0)(np.array(X0))))
    res = qml.minimize(cost, X0, optimizer=qml.GradientDescentOptimizer(0.3), steps=30)
    assert not res.compiled and "Python function" in res.message
    assert abs(res.fun) < 1e-3


def test_qnodes_that_do_not_compile():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def variance(p):
        qml.RX(p[0], wires=0)
        return qml.var(qml.PauliZ(0))

    res = qml.minimize(variance, [0.3], steps=3)
    assert not res.compiled and "var" in res.message
    fd = qml.QNode(CIRCUITS["adjoint"].func, dev, diff_method="finite-diff")
    res = qml.minimize(fd, X0, steps=3)
    assert not res.compiled and "finite-diff" in res.message

    class MyGD(qml.GradientDescentOptimizer):
        pass

    sampled = qml.QNode(CIRCUITS["adjoint"].func, qml.device("default.qubit", wires=1, shots=100,
                                                              seed=1))
    res = qml.minimize(sampled, X0, steps=2)
    assert not res.compiled and "shots" in res.message

    res = qml.minimize(CIRCUITS["adjoint"], X0, steps=3, optimizer=MyGD(0.4))
    assert not res.compiled and "MyGD" in res.message
    ref = qml.minimize(CIRCUITS["adjoint"], X0, steps=3,
                       optimizer=qml.GradientDescentOptimizer(0.4))
    onp.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-12)


def test_argument_errors():
    c = CIRCUITS["adjoint"]
    with pytest.raises(qml.ArgumentError, match="steps"):
        qml.minimize(c, X0, steps=-1)
    with pytest.raises(qml.ArgumentError, match="NaN"):
        qml.minimize(c, [0.1, float("nan")])
    with pytest.raises(qml.ArgumentError, match="optimizer"):
        qml.minimize(c, X0, optimizer="adam")
    with pytest.raises(qml.ArgumentError, match="threads"):
        qml.minimize(c, [X0, X0], multistart=True, threads=0)


# --- progress and plots ---------------------------------------------------------------
def test_progress_bar(monkeypatch):
    c = CIRCUITS["adjoint"]
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    res = qml.minimize(c, X0, steps=50, progress=False)
    assert err.getvalue() == ""
    qml.minimize(c, X0, steps=50)  # stderr is not a terminal (nor a notebook): quiet
    assert err.getvalue() == ""
    chunked = qml.minimize(c, X0, steps=50, progress=True)
    out = err.getvalue()
    # tqdm's bar: the compile phase first, then the steps with the cost at the end
    assert out.index("minimize: compiling") < out.index("minimize: 100%")
    assert "50/50" in out and out.endswith("\n")
    early = qml.minimize(c, X0, steps=10**4, tol=1e-3, progress=True)  # a full bar at the end
    assert early.converged and f"100%|##########| {early.nit}/{early.nit}" in err.getvalue()
    assert f"cost={res.fun:.8g}" in out.splitlines()[-1]
    # chunks change nothing
    onp.testing.assert_allclose(chunked.cost_history, res.cost_history, rtol=0, atol=0)
    assert onp.array_equal(chunked.x, res.x)
    err.truncate(0)
    err.seek(0)
    # many starts: the best start's cost is shown (the second start ends lower here)
    starts = [X0, [1.0, 1.0], [0.5, 0.5]]
    for kw in ({}, {"compiled": False}):
        multi = qml.minimize(c, starts, steps=40, progress=True, multistart=True, **kw)
        last = err.getvalue().splitlines()[-1]
        assert "120/120" in last and multi.nit.tolist() == [40, 40, 40]
        assert multi.fun.argmin() != len(starts) - 1  # not merely the last start
        assert f"best cost={multi.fun.min():.8g}" in last, last


def test_progress_enabled_in_a_notebook(monkeypatch):
    """progress=None: on in a terminal or a Jupyter kernel (stderr is no terminal there)."""
    class ZMQInteractiveShell:  # what ipykernel's shell is called
        pass

    class FakeIPython:
        @staticmethod
        def get_ipython():
            return ZMQInteractiveShell()

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not minimize_module._progress_enabled(None)
    monkeypatch.setitem(sys.modules, "IPython", FakeIPython)
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert minimize_module._progress_enabled(None)
    assert not minimize_module._progress_enabled(False)


def test_no_convergence_criterion_with_tol_zero():
    c = CIRCUITS["adjoint"]
    multi = qml.minimize(c, [X0, [1.0, 1.0]], steps=5, multistart=True)
    assert "< 0" not in multi.message and "converged" not in multi.message
    assert multi.message.startswith("2 starts, 10 steps in all (compiled loop")
    multi = qml.minimize(c, [X0, [1.0, 1.0]], steps=5, multistart=True, tol=1e-3)
    assert "0 converged (gradient norm < 0.001)" in multi.message
    with pytest.raises(qml.ArgumentError, match="tol"):
        qml.minimize(c, X0, tol=-1.0)


# --- Ctrl-C: the partial result ---------------------------------------------------------
@pytest.fixture
def sigint():
    """Python's own SIGINT handler, as in a terminal (a test runner's worker may have
    another, or ignore SIGINT); the runner's is restored after."""
    import signal

    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def _interrupt_at(monkeypatch, n_updates, how):
    """Make the progress bar's ``n_updates``-th redraw press Ctrl-C: raise
    KeyboardInterrupt (``how="raise"``) or send SIGINT to this process (``"signal"``,
    ``"signal twice"``)."""
    import signal

    calls = []
    original = minimize_module._Progress.update

    def update(self, *a, **k):
        calls.append(1)
        if len(calls) == n_updates:
            if how == "raise":
                raise KeyboardInterrupt
            signal.raise_signal(signal.SIGINT)
            if how == "signal twice":
                signal.raise_signal(signal.SIGINT)
        return original(self, *a, **k)

    monkeypatch.setattr(minimize_module._Progress, "update", update)
    monkeypatch.setattr(sys, "stderr", io.StringIO())


def _same_run(part, ref):
    """The same run: bit for bit between two compiled runs; between the Python loop and
    the compiled one to 1e-12 (the compiled step of a tiny circuit is written out, its
    shifted matrices by angle addition and its adjoint sweeps as locals: the same numbers
    up to rounding)."""
    assert part.nit == ref.nit
    if part.compiled and ref.compiled:
        assert onp.array_equal(part.x, ref.x)
        assert onp.array_equal(part.cost_history, ref.cost_history)
        assert onp.array_equal(part.grad_norm_history, ref.grad_norm_history)
        assert part.fun == ref.fun
        return
    for a, b in ((part.x, ref.x), (part.cost_history, ref.cost_history),
                 (part.grad_norm_history, ref.grad_norm_history), (part.fun, ref.fun)):
        onp.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["Adam", "Nesterov"])
@pytest.mark.parametrize("how", ["raise", "signal"])
@pytest.mark.parametrize("compiled", [None, False])
def test_interrupt_returns_the_partial_result(monkeypatch, sigint, name, how, compiled):
    """Ctrl-C returns the steps done so far, flagged, exactly as the shorter run gives
    them (the accumulators and histories are consistent at the stop)."""
    import signal

    c = CIRCUITS["parameter-shift"]
    _interrupt_at(monkeypatch, 3, how)
    part = qml.minimize(c, X0, optimizer=OPTIMIZERS[name](), steps=10**6, progress=True,
                        compiled=compiled)
    assert part.interrupted and 0 < part.nit < 10**6
    assert part.message.startswith(f"interrupted (Ctrl-C) after {part.nit} of 1000000 steps")
    assert part.compiled is (compiled is None)
    assert "minimize: interrupted" in sys.stderr.getvalue()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    ref = qml.minimize(c, X0, optimizer=OPTIMIZERS[name](), steps=part.nit, progress=False)
    assert not ref.interrupted
    _same_run(part, ref)


@pytest.mark.parametrize("compiled", [None, False])
def test_interrupt_multistart(monkeypatch, sigint, compiled):
    c = CIRCUITS["adjoint"]
    starts = [X0, [1.0, 1.0]]
    _interrupt_at(monkeypatch, 2, "signal")
    part = qml.minimize(c, starts, multistart=True, steps=10**6, progress=True, threads=2,
                        compiled=compiled)
    assert part.interrupted and part.message.startswith("interrupted (Ctrl-C): 2 starts")
    assert part[0].interrupted and len(part) == 2
    for i, s in enumerate(starts):
        ref = qml.minimize(c, s, steps=int(part.nit[i]))
        _same_run(part[i], ref)


def test_second_ctrl_c_raises(monkeypatch, sigint):
    import signal

    _interrupt_at(monkeypatch, 2, "signal twice")
    with pytest.raises(KeyboardInterrupt):
        qml.minimize(CIRCUITS["adjoint"], X0, steps=10**6, progress=True)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_to_a_running_minimize(tmp_path):
    """A real Ctrl-C (SIGINT from outside) to a process in a long compiled run."""
    import os
    import signal
    import time

    script = textwrap.dedent(
        """
        import signal, sys, qsym as qml
        # Python's own handler, as in a terminal (a runner's worker may ignore SIGINT,
        # and children inherit that)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        dev = qml.device("default.qubit", wires=1)
        @qml.qnode(dev, diff_method="adjoint")
        def c(p):
            qml.RX(p[0], wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))
        opt = qml.AdamOptimizer(0.01)
        qml.minimize(c, [0.011, 0.012], optimizer=opt, steps=2)  # compile first
        print("running", flush=True)
        r = qml.minimize(c, [0.011, 0.012], optimizer=opt, steps=10**9, progress=False)
        ref = qml.minimize(c, [0.011, 0.012], optimizer=opt, steps=r.nit)
        print(r.interrupted, r.nit > 0, (r.x == ref.x).all(), r.fun == ref.fun,
              (r.cost_history == ref.cost_history).all(), flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "running"
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.split() == ["True"] * 5


def test_chunks_change_nothing(monkeypatch):
    """Long runs go in chunks (Python between them, for Ctrl-C and the progress bar):
    with tiny chunks forced, every optimizer gives the one-call result bit for bit."""
    c = CIRCUITS["parameter-shift"]
    whole = {n: qml.minimize(c, X0, optimizer=OPTIMIZERS[n](), steps=37, tol=1e-3)
             for n in OPTIMIZERS}
    original = minimize_module._chunked

    def tiny(all_starts, states, steps, bar, stop=None, work=None):
        k = 0
        while True:
            k1 = min(k + 3, steps)
            if all_starts(k, k1, k1 == steps) or k1 == steps:
                return
            k = k1

    monkeypatch.setattr(minimize_module, "_chunked", tiny)
    for n in OPTIMIZERS:
        part = qml.minimize(c, X0, optimizer=OPTIMIZERS[n](), steps=37, tol=1e-3)
        assert part.nit == whole[n].nit
        assert onp.array_equal(part.x, whole[n].x)
        assert onp.array_equal(part.cost_history, whole[n].cost_history)
    assert original is not tiny


def test_plot(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    res = qml.minimize(CIRCUITS["adjoint"], X0, steps=20)
    ax = res.plot()
    assert len(ax.lines) == 1 and ax.get_xlabel() == "step"
    onp.testing.assert_allclose(ax.lines[0].get_ydata(), res.cost_history)
    multi = qml.minimize(CIRCUITS["adjoint"], [X0, [1.0, 1.0]], steps=20, multistart=True)
    assert len(multi.plot(log=True).lines) == 2
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"qsym\[plot\]"):
        res.plot()


# --- the loop module and numba's disk cache -------------------------------------------
def test_loop_module_is_cached_on_disk(tmp_path):
    script = textwrap.dedent(
        """
        import sys, qsym as qml
        dev = qml.device("default.qubit", wires=1)
        @qml.qnode(dev, diff_method="adjoint")
        def c(p):
            qml.RX(p[0], wires=0)
            qml.RZ(0.25, wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))
        r = qml.minimize(c, [0.011, 0.012], optimizer=qml.GradientDescentOptimizer(0.4),
                         steps=100)
        mm = sys.modules["qsym._minimize"]
        entry, _, _ = c.compiled((qml.numpy.array([0.011, 0.012]),), {}, diff=(0,))
        tier = mm.loop(entry, "adjoint").wait(600)  # auto: a thread loads a cached loop
        loop = mm._loops.get(mm._loops.keys()[0])
        print(len(loop.run.stats.cache_hits), len(loop.run.stats.cache_misses), tier,
              r.x.tolist())
        """
    )
    from conftest import seed_kernel_cache

    seed_kernel_cache(tmp_path)  # the kernel library compiled once, not in every folder
    env = dict(__import__("os").environ, QSYM_CACHE_DIR=str(tmp_path))
    # compiled before the first step (QSYM_TIER=compiled), then twice the default: the
    # first steps on tier 0 while a thread loads the loop from the disk cache
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=dict(env, QSYM_TIER=tier), timeout=600)
            for tier in ("compiled", "auto", "auto")]
    for r in runs:
        assert r.returncode == 0, r.stderr
    first, second, third = (r.stdout.split(maxsplit=3) for r in runs)
    assert first[:3] == ["0", "1", "compiled"]  # compiled in the first process
    assert second[:3] == third[:3] == ["1", "0", "compiled"]  # loaded from the disk cache
    assert first[3] == second[3] == third[3]  # the same bits, whichever tier ran
    assert len(list(tmp_path.glob("qsym_gen_*.py"))) == 2  # the circuit and its loop
