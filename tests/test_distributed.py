"""qsym on executors (qsym.distributed): many starts, data-parallel training and sweeps on a
Dask ``LocalCluster`` of 2 worker processes, whose workers cannot import qsym (a preload
makes ``import qsym`` fail there: what they run is the exported module and qsym.worker,
shipped by value); a worker killed mid-run; errors that name the worker; timeouts.

One cluster for the module; tiny circuits (written-out code: a worker compiles them in
seconds), reused across tests. The Dask tests skip when dask.distributed is absent; the
thread-pool tests run without it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as onp
import pytest

import qsym as qml
from qsym import _distributed as qdist

NO_QSYM = "import sys\nsys.modules['qsym'] = None  # this worker cannot import qsym\n"

dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def model(w, x=0.0):
    """<Z> = cos(x + w0) cos(w1)."""
    qml.RY(x, wires=0)
    qml.RY(w[0], wires=0)
    qml.RX(w[1], wires=0)
    return qml.expval(qml.PauliZ(0))


@qml.qnode(dev)
def bloch(w):
    """<Z> = cos(w0) cos(w1) (no data argument: the multistart circuit)."""
    qml.RY(w[0], wires=0)
    qml.RX(w[1], wires=0)
    return qml.expval(qml.PauliZ(0))


STARTS = onp.random.default_rng(11).uniform(-1.5, 1.5, (4, 2))
X = onp.linspace(0.0, 1.0, 9)
Y = onp.cos(X + 0.5) * 0.8
OPT = qml.AdamOptimizer(0.1)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    # the workers' default folder (numba caches the modules there: a second run of this
    # file loads them), shared with other runs on the machine under a file lock
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, preload=[NO_QSYM]) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def reference():
    """The one-process runs the cluster's must reproduce."""
    return qml.minimize(bloch, STARTS, multistart=True, steps=60, optimizer=OPT)


def _two_workers_answer(client, timeout=300.0) -> dict:
    """Wait until two workers answer ``client.run`` and return their pids by address.
    Asked of the workers themselves, not of the cluster's or the scheduler's lists, which
    may still name a worker that was killed (a broadcast to it is a closed connection,
    hence on_error="ignore") or not yet name its replacement; polled, not slept."""
    deadline = time.monotonic() + timeout
    alive = client.run(os.getpid, on_error="ignore")
    while len(alive) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = client.run(os.getpid, on_error="ignore")
    assert len(alive) == 2, f"only {len(alive)} worker(s) answered within {timeout} s"
    return alive


def _same_runs(a, b):
    assert onp.array_equal(a.x, b.x)
    assert onp.array_equal(a.fun, b.fun) and onp.array_equal(a.nit, b.nit)
    for p, q in zip(a.cost_history, b.cost_history):
        assert onp.array_equal(p, q)
    for p, q in zip(a.grad_norm_history, b.grad_norm_history):
        assert onp.array_equal(p, q)


def test_multistart_on_dask_equals_one_process_start_by_start(client, reference):
    res = qml.minimize(bloch, STARTS, multistart=True, steps=60, optimizer=OPT,
                       executor=client)
    _same_runs(res, reference)  # the same compiled code: bit for bit
    assert res.compiled and "(compiled loop on Client: 4 tasks)" in res.message
    # client.get_executor() too; and the workers never imported qsym
    res2 = qml.minimize(bloch, STARTS, multistart=True, steps=60, optimizer=OPT,
                        executor=client.get_executor())
    _same_runs(res2, reference)
    assert set(client.run(eval, "__import__('sys').modules.get('qsym') is None").values()) == {True}
    # independent: 60 Adam steps of qsym's Python optimizer (its own update code) agree
    x = qml.numpy.array(STARTS[2], requires_grad=True)
    opt = qml.AdamOptimizer(0.1)
    for _ in range(60):
        x = opt.step(bloch, x)
    assert onp.allclose(res.x[2], x, atol=1e-12, rtol=0)


def test_multistart_on_a_thread_pool_equals_one_process(reference):
    with ThreadPoolExecutor(2) as pool:
        res = qml.minimize(bloch, STARTS, multistart=True, steps=60, optimizer=OPT,
                           executor=pool)
    _same_runs(res, reference)


def _mse_and_grad(w):
    """The mean squared error and its gradient by hand: <Z> = cos(x + w0) cos(w1)."""
    f = onp.cos(X + w[0]) * onp.cos(w[1])
    r = f - Y
    d0 = -onp.sin(X + w[0]) * onp.cos(w[1])
    d1 = -onp.cos(X + w[0]) * onp.sin(w[1])
    return onp.mean(r * r), onp.array([onp.mean(2 * r * d0), onp.mean(2 * r * d1)])


@pytest.mark.parametrize("shards", [1, 2, 4])
def test_data_parallel_iterates_equal_one_process(client, shards):
    one = qml.minimize(model, [0.1, 0.2], data={"x": X}, targets=Y, steps=25, optimizer=OPT)
    res = qml.minimize(model, [0.1, 0.2], data={"x": X}, targets=Y, steps=25, optimizer=OPT,
                       executor=client, shards=shards)
    assert res.nit == one.nit == 25 and f"{shards} shards of 9 rows" in res.message
    assert onp.allclose(res.x, one.x, atol=1e-12, rtol=0)
    assert onp.allclose(res.cost_history, one.cost_history, atol=1e-12, rtol=0)
    assert onp.allclose(res.grad_norm_history, one.grad_norm_history, atol=1e-12, rtol=0)
    if shards == 1:  # one shard sums exactly as one process does
        assert onp.array_equal(res.cost_history, one.cost_history)
    # independent: the first cost and gradient norm by hand
    f0, g0 = _mse_and_grad(onp.array([0.1, 0.2]))
    assert abs(res.cost_history[0] - f0) < 1e-14
    assert abs(res.grad_norm_history[0] - onp.linalg.norm(g0)) < 1e-14


def test_multistart_over_a_data_set_equals_one_process(client):
    """multistart=True with data=: every start's task takes the whole data set."""
    kw = dict(data={"x": X}, targets=Y, steps=20, optimizer=OPT, multistart=True)
    one = qml.minimize(model, STARTS[:3], **kw)
    _same_runs(qml.minimize(model, STARTS[:3], executor=client, **kw), one)


def test_data_parallel_from_dask_arrays(client):
    da = pytest.importorskip("dask.array")
    one = qml.minimize(model, [0.1, 0.2], data={"x": X}, targets=Y, steps=25, optimizer=OPT)
    # chunks that are not the shards: the shards are cut on the workers
    res = qml.minimize(model, [0.1, 0.2], data={"x": da.from_array(X, chunks=4)},
                       targets=da.from_array(Y, chunks=5), steps=25, optimizer=OPT,
                       executor=client, shards=3)
    assert onp.allclose(res.x, one.x, atol=1e-12, rtol=0)
    assert onp.allclose(res.cost_history, one.cost_history, atol=1e-12, rtol=0)
    with pytest.raises(qml.ArgumentError, match="Dask executor"):
        with ThreadPoolExecutor(1) as pool:
            qml.minimize(model, [0.1, 0.2], data={"x": da.from_array(X, chunks=4)},
                         targets=Y, steps=1, executor=pool)


P = onp.random.default_rng(5).uniform(-3.0, 3.0, (40, 2))


def test_sweep_values_and_gradients(client):
    da = pytest.importorskip("dask.array")
    v0, g0 = qml.sweep(bloch, P)
    assert v0.shape == (40,) and g0.shape == (40, 2)
    # independent: the closed form
    assert onp.allclose(v0, onp.cos(P[:, 0]) * onp.cos(P[:, 1]), atol=1e-14)
    exact = onp.stack([-onp.sin(P[:, 0]) * onp.cos(P[:, 1]),
                       -onp.cos(P[:, 0]) * onp.sin(P[:, 1])], axis=1)
    assert onp.allclose(g0, exact, atol=1e-14)
    v1, g1 = qml.sweep(bloch, P, executor=client, chunk=7)  # 6 chunks, the last short
    assert onp.array_equal(v1, v0) and onp.array_equal(g1, g0)
    lazy_v, lazy_g = qml.sweep(bloch, da.from_array(P, chunks=15), executor=client)
    assert qdist.is_dask_collection(lazy_v) and lazy_v.shape == (40,)
    assert onp.array_equal(lazy_v.compute(), v0) and onp.array_equal(lazy_g.compute(), g0)
    v2, g2 = qml.sweep(qml.compile(bloch, P[0]), P, executor=client, grad=False)
    assert onp.array_equal(v2, v0) and g2 is None


def test_a_worker_killed_mid_run_changes_nothing(client):
    """SIGKILL one worker process while it runs a start: Dask reruns its tasks on the
    other worker (or the restarted one), and the results are the one-process run's."""
    starts = onp.random.default_rng(3).uniform(-1.5, 1.5, (4, 2))
    steps = 600_000  # about a second per start
    one = qml.minimize(bloch, starts, multistart=True, steps=steps, optimizer=OPT)
    pids = client.run(os.getpid)
    box = {}
    run = threading.Thread(target=lambda: box.setdefault("res", qml.minimize(
        bloch, starts, multistart=True, steps=steps, optimizer=OPT, executor=client,
        timeout=300)))
    run.start()
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items()
                if any("run_starts" in str(k) for k in keys)]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "no start ever ran"
    time.sleep(0.3)  # inside the compiled loop
    os.kill(pids[victim], signal.SIGKILL)  # a process this test's cluster started
    run.join(300)
    assert "res" in box
    _same_runs(box["res"], one)
    # the nanny restarts the killed worker: wait until two workers answer again, so that
    # later tests see both (one joining later would miss what they set up with client.run)
    alive = _two_workers_answer(client)
    assert pids[victim] not in alive.values()  # it was really killed


def test_a_worker_that_cannot_load_the_module_names_itself(client):
    """A worker whose folder cannot be written: a WorkerError naming the worker and the
    cause, not a hang (a circuit no worker has loaded yet)."""

    @qml.qnode(dev)
    def fresh(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=0)
        return qml.expval(qml.PauliY(0))

    # every worker up (a worker restarted after an earlier test's kill would join later,
    # without the setting below, and load the module where it can)
    up = list(_two_workers_answer(client))  # asked by address: not a dead one still listed
    old = client.run(eval, "__import__('os').environ.get('QSYM_WORKER_DIR')", workers=up)
    assert len(old) == 2
    client.run(exec, "import os; os.environ['QSYM_WORKER_DIR'] = '/proc/qsym-cannot-write'",
               workers=up)
    try:
        with pytest.raises(qml.WorkerError, match=r"qsym worker tcp://[\d.:]+ \(host .*, pid "
                           r"\d+\): cannot import or compile the circuit module .*"
                           r"(FileNotFoundError|PermissionError|OSError)"):
            qml.sweep(fresh, P[:4], executor=client, timeout=120)
    finally:
        for addr, value in old.items():
            restore = ("os.environ.pop('QSYM_WORKER_DIR', None)" if value is None
                       else f"os.environ['QSYM_WORKER_DIR'] = {value!r}")
            client.run(exec, f"import os; {restore}", workers=[addr])


def test_data_parallel_mean_loss_on_a_thread_pool():
    """loss="mean" (no targets), a thread pool (the driver's own modules), 3 shards."""
    kw = dict(data={"x": X}, steps=15, optimizer=qml.GradientDescentOptimizer(0.2))
    one = qml.minimize(model, [0.1, 0.2], **kw)
    with ThreadPoolExecutor(2) as pool:
        res = qml.minimize(model, [0.1, 0.2], executor=pool, shards=3, **kw)
    assert onp.allclose(res.x, one.x, atol=1e-12, rtol=0)
    assert onp.allclose(res.cost_history, one.cost_history, atol=1e-12, rtol=0)
    # independent: the mean of cos(x + w0) cos(w1) at the start
    assert abs(res.cost_history[0] - onp.mean(onp.cos(X + 0.1) * onp.cos(0.2))) < 1e-14


def test_a_wait_beyond_timeout_raises_and_cancels():
    gate = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(gate.wait, 30)  # the only thread is busy
        t0 = time.monotonic()
        with pytest.raises(qml.WorkerError, match=r"no result within timeout=0.5 s"):
            qml.sweep(bloch, P[:3], executor=pool, timeout=0.5)
        assert time.monotonic() - t0 < 10
        gate.set()


def test_bad_arguments_raise_qsym_errors():
    with pytest.raises(qml.ArgumentError, match="executor= takes a concurrent.futures.Executor"):
        qml.minimize(bloch, STARTS, multistart=True, steps=1, executor="localhost:8786")
    with pytest.raises(qml.ArgumentError, match="go with executor="):
        qml.minimize(bloch, [0.1, 0.2], steps=1, shards=2)
    with pytest.raises(qml.ArgumentError, match="timeout must be a positive"):
        with ThreadPoolExecutor(1) as pool:
            qml.sweep(bloch, P[:2], executor=pool, timeout=0)
    with pytest.raises(qml.DifferentiationError, match="executor= runs compiled loops"):
        with ThreadPoolExecutor(1) as pool:
            qml.minimize(lambda w: bloch(w), [0.1, 0.2], steps=1, executor=pool)
    with pytest.raises(qml.ArgumentError, match=r"shape \(n, \.\.\.\)"):
        qml.sweep(bloch, onp.zeros((0, 2)))
    with pytest.raises(qml.ArgumentError, match="QNode or a CompiledCircuit"):
        qml.sweep(lambda w: 0.0, P[:2])
    with pytest.raises(qml.ArgumentError, match=r"trainable arguments \[0, 1\]"):
        qml.sweep(model, P[:2], args=(0.3,))  # x given positionally: trainable too
    # a qsym tensor among the arguments is taken as a plain array (what workers unpickle)
    v, _ = qml.sweep(model, P[:3], kwargs={"x": qml.numpy.array(0.3, requires_grad=False)})
    assert onp.allclose(v, onp.cos(0.3 + P[:3, 0]) * onp.cos(P[:3, 1]), atol=1e-14)


def test_a_worker_folder_others_can_write_is_refused(tmp_path, monkeypatch):
    """numba unpickles the cache files in the worker folder without asking who wrote them:
    a QSYM_WORKER_DIR other users can write is an error naming the folder (a worker task
    fails with it), never a folder whose planted files numba would load."""
    from qsym import _worker

    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("QSYM_WORKER_DIR", str(shared))
    with pytest.raises(PermissionError, match="can be written by other users"):
        _worker.folder()
    with pytest.raises(RuntimeError, match=r"qsym worker .*cannot import or compile .*"
                       r"PermissionError: QSYM_WORKER_DIR .*mode 700"):
        _worker.load({"key": "planted-folder-test", "export": b"", "sha256": "", "loop": None})
    os.chmod(shared, 0o700)
    assert _worker.folder() == str(shared)


@pytest.mark.parametrize("plant", ["open to all", "link", "another user's"])
def test_a_squatted_default_worker_folder_is_not_used(tmp_path, monkeypatch, plant):
    """The default worker folder sits in the shared temporary folder under a guessable
    name: one made there first by someone else (writable by all, a link, another owner)
    is replaced by a private folder of this process."""
    import tempfile

    from qsym import _worker

    monkeypatch.delenv("QSYM_WORKER_DIR", raising=False)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(_worker._state(), "private", None, raising=False)
    default = tmp_path / f"qsym-worker-{os.getuid()}"
    if plant == "open to all":
        default.mkdir()
        os.chmod(default, 0o777)
    elif plant == "link":
        target = tmp_path / "elsewhere"
        target.mkdir(mode=0o700)
        default.symlink_to(target)
    else:
        if os.getuid() != 0:
            pytest.skip("giving a folder to another user needs root")
        default.mkdir(mode=0o700)
        os.chown(default, 65534, 65534)
    got = _worker.folder()
    assert os.path.realpath(got) not in (str(default), str(tmp_path / "elsewhere"))
    st = os.lstat(got)
    assert st.st_uid == os.getuid() and st.st_mode & 0o077 == 0
    assert _worker.folder() == got  # one private folder per process
    os.rmdir(got)


@qml.qnode(dev)
def prepared(w, v=None):
    """A data row is a state: the QNode checks its norm at every call."""
    qml.StatePrep(v, wires=0)
    qml.RY(w[0], wires=0)
    qml.RX(w[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def test_data_rows_made_on_the_workers_are_checked_as_the_one_process_loop_checks_them(client):
    """Dask arrays' rows are made into the data matrix on the workers (shard_matrix): a row
    the one-process loop refuses (a state of norm 2 here: the QNode's per-call norm check;
    a NaN) is refused there too, as the ArgumentError of bad data naming the row (the
    norm check did not run on the workers: the bad row's state was prepared normalized)."""
    da = pytest.importorskip("dask.array")
    good = onp.tile([0.6, 0.8], (6, 1))
    Yv = onp.zeros(6)
    bad = good.copy()
    bad[4] = [1.2, 1.6]  # norm 2
    with pytest.raises(qml.QsymError, match="norm"):
        qml.minimize(prepared, [0.1, 0.2], data={"v": bad}, targets=Yv, steps=2, optimizer=OPT)
    with pytest.raises(qml.ArgumentError, match="refused data row 4.*norm"):
        qml.minimize(prepared, [0.1, 0.2], data={"v": da.from_array(bad, chunks=3)},
                     targets=da.from_array(Yv, chunks=3), steps=2, optimizer=OPT,
                     executor=client, shards=2)
    nan = X.copy()
    nan[7] = onp.nan
    with pytest.raises(qml.ArgumentError, match="NaN"):
        qml.minimize(model, [0.1, 0.2], data={"x": nan}, targets=Y, steps=2, optimizer=OPT)
    with pytest.raises(qml.ArgumentError, match="refused data row 7.*NaN"):
        qml.minimize(model, [0.1, 0.2], data={"x": da.from_array(nan, chunks=4)},
                     targets=da.from_array(Y, chunks=4), steps=2, optimizer=OPT,
                     executor=client, shards=2)
    # the good rows: the one-process answer (state 0.6|0> + 0.8|1>: not refused)
    one = qml.minimize(prepared, [0.1, 0.2], data={"v": good}, targets=Yv, steps=3,
                       optimizer=OPT)
    res = qml.minimize(prepared, [0.1, 0.2], data={"v": da.from_array(good, chunks=3)},
                       targets=da.from_array(Yv, chunks=3), steps=3, optimizer=OPT,
                       executor=client, shards=2)
    assert onp.allclose(res.x, one.x, atol=1e-12, rtol=0)
