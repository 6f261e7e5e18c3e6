"""Batched evaluation (``Compiled.batch_*``, the generated ``batch_*`` functions) and the
parallel parameter-shift kernel: every row bit for bit the single call, the single call
checked against finite differences of the values and against the exact derivative
(``qsym._symbolic.exact_jacobian``), on one thread and on several.

Bit-for-bit comparisons use ``float.hex`` through ``np.array_equal`` on float64 arrays
(equal floats are equal bits, except signed zeros and NaN, which do not occur here).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pytest

import qsym as qml
from qsym import _kernels as kernels
from qsym._symbolic import exact_jacobian

from conftest import ALL_GATES, kernel_returning, random_circuit_function

METHODS = {
    "parameter-shift": ("batch_value_and_grad", "value_and_grad", "fused_value_and_grad"),
    "adjoint": ("batch_value_and_grad_adjoint", "value_and_grad_adjoint",
                "fused_value_and_grad_adjoint"),
}

_grad = kernel_returning(kernels.program_value_and_grad_into)


def entry_of(fn, n_wires, args, kwargs=None):
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    entry, xs, ds = node.compiled(args, kwargs or {})
    return entry


def random_rows(entry, B, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-np.pi, np.pi, (B, entry.module.NUM_INPUTS))
    D = rng.uniform(-1, 1, (B, entry.module.NUM_DATA))
    return X, D


def finite_differences(entry, x, d, h=1e-6):
    jac = np.zeros((entry.module.NUM_OUTPUTS, x.shape[0]))
    for j in range(x.shape[0]):
        up, dn = x.copy(), x.copy()
        up[j] += h
        dn[j] -= h
        jac[:, j] = (entry.value(up, d) - entry.value(dn, d)) / (2 * h)
    return jac


def fused_single_call(entry, name, returning):
    """The module's fused single call ``name`` ("value", "value_and_grad", ...): its
    returning form ``fused_<name>(x, d)`` or, ``returning=False``, its ``_into`` form into
    arrays made in Python (what the runtime calls)."""
    return getattr(entry.module, f"fused_{name}") if returning else entry._fused(name)


def assert_rows_are_single_calls(entry, X, D, returning=True):
    """Each batch row equals the two-call and the fused single calls, bit for bit.

    ``returning``: the fused calls through the module's returning forms (``fused_value``,
    ...), else through their ``_into`` forms. The returning forms are one template for
    every module (``qsym._emit._RETURNING``, ``_ADJOINT_RETURNING``: new arrays, then the
    ``_into`` form) and each is a compile of its own that links the ``_into`` form's
    whole call tree again (the kernel library's: 0.8-1.4 s each, a third of a circuit's
    compile, issue #17): they are checked on a written-out module (the seed) and on one
    that calls the kernels (the entangled circuit); the other circuits' rows are checked
    against the ``_into`` forms, the same compiled code."""
    values = entry.batch_value(X, D)
    assert values.shape == (X.shape[0], entry.module.NUM_OUTPUTS)
    fused_value = fused_single_call(entry, "value", returning)
    for b in range(X.shape[0]):
        assert np.array_equal(values[b], fused_value(X[b], D[b]))
        assert np.array_equal(values[b], type(entry).value(entry, X[b], D[b]))
    for batch_name, single_name, fused_name in METHODS.values():
        out, jac = getattr(entry, batch_name)(X, D)
        assert out.shape == values.shape
        assert jac.shape == (X.shape[0], entry.module.NUM_OUTPUTS, entry.module.NUM_INPUTS)
        assert np.array_equal(out, values)
        fused = fused_single_call(entry, fused_name[len("fused_"):], returning)
        for b in range(X.shape[0]):
            v1, j1 = getattr(type(entry), single_name)(entry, X[b], D[b])
            v2, j2 = fused(X[b], D[b])
            assert np.array_equal(out[b], v1) and np.array_equal(jac[b], j1), (batch_name, b)
            assert np.array_equal(out[b], v2) and np.array_equal(jac[b], j2), (batch_name, b)
    return values, out, jac


# --- circuits -----------------------------------------------------------------------
def seed(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def entangled(x, w=0.0):
    """Non-affine parameters, data (``w``), two measurements, a coefficient of an input."""
    qml.RX(x[0], wires=0)
    qml.RY(x[1] * w, wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CRX(x[2], wires=[1, 2])
    qml.RY(x[0] * x[1], wires=2)
    qml.RX(qml.numpy.sin(x[2]), wires=0)
    qml.CNOT(wires=[2, 0])
    return (qml.expval(qml.PauliZ(0) @ qml.PauliX(2) + 0.5 * qml.PauliY(1)),
            qml.expval(qml.Hamiltonian([x[1], 0.3], [qml.PauliZ(1), qml.PauliX(0)])))


def hea(n_wires, layers):
    def circuit(w):
        for layer in range(layers):
            for i in range(n_wires):
                qml.RY(w[layer, i, 0], wires=i)
                qml.RZ(w[layer, i, 1], wires=i)
            for i in range(n_wires - 1):
                qml.CNOT(wires=[i, i + 1])
        return qml.expval(qml.Hamiltonian([1.0] * n_wires, [qml.PauliZ(i) for i in range(n_wires)]))

    return circuit


def test_seed_batch_rows_equal_single_calls_and_closed_form():
    entry = entry_of(seed, 1, (np.array([0.54, 0.12]),))
    # the returning forms over written-out _into forms (assert_rows_are_single_calls)
    assert entry.module.UNROLLED and entry.module.ADJOINT_UNROLLED
    X, D = random_rows(entry, 7, 1)
    values, out, jac = assert_rows_are_single_calls(entry, X, D)
    a, b = X[:, 0], X[:, 1]
    np.testing.assert_allclose(values[:, 0], np.cos(a) * np.cos(b), atol=1e-14)
    np.testing.assert_allclose(jac[:, 0, 0], -np.sin(a) * np.cos(b), atol=1e-14)
    np.testing.assert_allclose(jac[:, 0, 1], -np.cos(a) * np.sin(b), atol=1e-14)


def test_entangled_circuit_with_data_and_two_outputs():
    entry = entry_of(entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7})
    assert entry.module.NUM_DATA == 1 and entry.module.NUM_OUTPUTS == 2
    # the returning forms over the _into forms that call the kernels
    assert not entry.module.UNROLLED and not entry.module.ADJOINT_UNROLLED
    X, D = random_rows(entry, 6, 2)
    values, out, jac = assert_rows_are_single_calls(entry, X, D)
    for b in range(X.shape[0]):
        exact = exact_jacobian(entry.circuit, X[b], D[b])
        np.testing.assert_allclose(jac[b], exact, atol=1e-12)
        np.testing.assert_allclose(jac[b], finite_differences(entry, X[b], D[b]), atol=1e-7)
        _, adj = entry.batch_value_and_grad_adjoint(X[b : b + 1], D[b : b + 1])
        np.testing.assert_allclose(adj[0], exact, atol=1e-12)


@pytest.mark.parametrize("seed_", range(3))
def test_random_circuits_over_the_gate_table(seed_):
    n_wires = 2 + seed_
    fn = random_circuit_function(4100 + seed_, n_wires, n_ops=3 + 2 * n_wires,
                                 n_meas=1 + seed_ % 2, gates=ALL_GATES)
    rng = np.random.default_rng(seed_)
    entry = entry_of(fn, n_wires, (rng.uniform(-1, 1, 3), 0.4), {"data": rng.uniform(-1, 1, 2)})
    X, D = random_rows(entry, 5, 10 + seed_)
    _, out, jac = assert_rows_are_single_calls(entry, X, D, returning=False)
    for b in range(X.shape[0]):
        np.testing.assert_allclose(jac[b], exact_jacobian(entry.circuit, X[b], D[b]),
                                   atol=1e-10)
        np.testing.assert_allclose(jac[b], finite_differences(entry, X[b], D[b]), atol=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
def test_parallel_batches_are_bit_identical_to_single_calls(threads):
    """A batch large enough to go to threads (above the measured threshold), on one and
    on two threads: the same bits as the single calls."""
    n_wires, layers, B = 8, 3, 8
    entry = entry_of(hea(n_wires, layers), n_wires, (np.zeros((layers, n_wires, 2)),))
    assert B * entry.module.WORK >= kernels.PARALLEL_MIN_WORK
    assert B * entry.module._q_WORK_ADJOINT >= kernels.PARALLEL_MIN_WORK
    X, D = random_rows(entry, B, 3)
    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        assert_rows_are_single_calls(entry, X, D, returning=False)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_allclose(entry.batch_value_and_grad(X[:1], D[:1])[1][0],
                               finite_differences(entry, X[0], D[0]), atol=1e-7)


def test_batch_kernels_serial_and_parallel_paths_agree():
    """The kernel library's batch kernels, parallel flag on and off: same bits."""
    entry = entry_of(entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7})
    X, D = random_rows(entry, 5, 4)
    rows = [entry.module.prepare(X[b], D[b], 1) for b in range(5)]
    stack = [np.stack([r[i] for r in rows]) for i in range(5)]
    ints, floats = entry.module.PROGRAM
    a = kernels.batch_value_and_grad(ints, floats, *stack, False)
    b = kernels.batch_value_and_grad(ints, floats, *stack, True)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    v = kernels.batch_value(ints, floats, stack[0], stack[3], True)
    assert np.array_equal(v, a[0])


def test_batch_of_one_and_of_none():
    entry = entry_of(seed, 1, (np.array([0.54, 0.12]),))
    x = np.array([[0.54, 0.12]])
    out, jac = entry.batch_value_and_grad(x)  # no data: D may be left out
    assert np.array_equal(out[0], entry.value(x[0], np.zeros(0)))
    empty = entry.batch_value_and_grad(np.zeros((0, 2)))
    assert empty[0].shape == (0, 1) and empty[1].shape == (0, 1, 2)
    assert entry.batch_value(np.zeros((0, 2))).shape == (0, 1)


def test_one_data_row_is_used_for_every_row():
    entry = entry_of(entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7})
    X, _ = random_rows(entry, 3, 5)
    d = np.array([0.7])
    out = entry.batch_value(X, d)
    for b in range(3):
        assert np.array_equal(out[b], entry.value(X[b], d))


def test_non_contiguous_and_integer_inputs_are_converted():
    entry = entry_of(seed, 1, (np.array([0.54, 0.12]),))
    X = np.asfortranarray(np.array([[1, 2], [3, 4], [0, -1]]))
    out, jac = entry.batch_value_and_grad(X)
    for b in range(3):
        v, j = entry.value_and_grad(np.array(X[b], dtype=float), np.zeros(0))
        assert np.array_equal(out[b], v) and np.array_equal(jac[b], j)


def test_bad_shapes_are_refused():
    entry = entry_of(entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7})
    with pytest.raises(ValueError, match="batch inputs"):
        entry.batch_value(np.zeros((2, 4)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="batch inputs"):
        entry.batch_value(np.zeros(3), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="batch data"):
        entry.batch_value(np.zeros((2, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="batch data"):
        entry.batch_value_and_grad(np.zeros((2, 3)))  # the circuit has data
    # the generated function checks too (it is callable without the runtime)
    with pytest.raises(ValueError, match="batch shapes"):
        entry.module.batch_value(np.zeros((2, 3)), np.zeros((3, 1)))


@pytest.mark.parametrize("method", ["batch_value", "batch_value_and_grad",
                                    "batch_value_and_grad_adjoint"])
def test_non_finite_rows_raise(method):
    """A NaN in any row raises, in the serial and in the parallel path (numba drops
    exceptions raised inside prange: the rows are prepared before, serially)."""
    for n_wires, layers, B in ((1, 1, 3), (8, 3, 8)):
        entry = entry_of(hea(n_wires, layers), n_wires, (np.zeros((layers, n_wires, 2)),))
        X, D = random_rows(entry, B, 6)
        X[B - 1, 1] = np.nan
        with pytest.raises(ValueError, match="non-finite"):
            getattr(entry, method)(X, D)
        X[B - 1, 1] = np.inf
        with pytest.raises(ValueError, match="non-finite"):
            getattr(entry, method)(X, D)


def test_batches_from_several_threads_at_once():
    """Python threads calling batches (parallel ones included) at the same time: each
    result bit for bit the one computed alone."""
    n_wires, layers, B = 8, 2, 8
    entry = entry_of(hea(n_wires, layers), n_wires, (np.zeros((layers, n_wires, 2)),))
    inputs = [random_rows(entry, B, 20 + i) for i in range(4)]
    alone = [entry.batch_value_and_grad(X, D) for X, D in inputs]
    barrier = threading.Barrier(4)

    def work(i):
        barrier.wait()
        got = []
        for _ in range(3):
            got.append(entry.batch_value_and_grad(*inputs[i]))
        return got

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(4)))
    for i, got in enumerate(results):
        for out, jac in got:
            assert np.array_equal(out, alone[i][0]) and np.array_equal(jac, alone[i][1])


# --- one gradient, its shifted circuits on several threads ------------------------------
@pytest.mark.parametrize("n_threads", [1, 2, 3, 7, 1000])
def test_parallel_shift_kernel_is_bit_identical(n_threads):
    """``program_value_and_grad_parallel`` cuts the terms into runs, one per thread: any
    count (more runs than threads, more than terms) gives the serial kernel's bits; also
    from FUSE_MIN_WIRES wires, where a rotation's second term is made from its first's
    final state (runs cut between ops)."""
    for fn, n_wires, args, kwargs in (
        (entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7}),
        (hea(4, 2), 4, (np.zeros((2, 4, 2)),), {}),
        (seed, 1, (np.array([0.54, 0.12]),), {}),
        (hea(kernels.FUSE_MIN_WIRES, 2), kernels.FUSE_MIN_WIRES,
         (np.zeros((2, kernels.FUSE_MIN_WIRES, 2)),), {}),
    ):
        entry = entry_of(fn, n_wires, args, kwargs)
        X, D = random_rows(entry, 2, 7)
        for b in range(2):
            r = entry.module.prepare(X[b], D[b], 1)[:5]
            ints, floats = entry.module.PROGRAM
            v, j = _grad(ints, floats, *r)
            vp, jp = kernels.program_value_and_grad_parallel(ints, floats, *r, n_threads)
            assert np.array_equal(v, vp) and np.array_equal(j, jp)


def _wide(x):
    """Two wires far apart, ``<Z_0 Z_last> = cos(x0) cos(x1)`` (the last wire RY(x0), wire 0
    RX(x1)), on BLOCK_MIN_WIRES wires."""
    qml.RY(x[0], wires=kernels.BLOCK_MIN_WIRES - 1)
    qml.RX(x[1], wires=0)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(kernels.BLOCK_MIN_WIRES - 1))


def _adjoint_rows(entry, X, D):
    rows = [entry.module.prepare_adjoint(X[b], D[b])[:5] for b in range(X.shape[0])]
    return tuple(np.stack([r[i] for r in rows]) for i in range(5))


def test_the_batch_adjoint_kernel_is_chosen_by_the_circuits_wires():
    """Issue #17 (stop 61): a generated module imports the batch adjoint kernel its width
    runs (kernels.batch_adjoint_kernel, as the single call chooses its adjoint): below
    BLOCK_MIN_WIRES the common one, which does not link the blocked adjoint; from there the
    blocked rows' kernel, whose rows are the blocked single call's bits and the closed form
    (``d/dx0 = -sin x0 cos x1``, ``d/dx1 = -cos x0 sin x1``). The common kernel refuses a
    program of BLOCK_MIN_WIRES wires (a ValueError, not rows its single call does not run)."""
    line = "from qsym._kernels import {} as _q_batch_value_and_grad_adjoint"
    small = entry_of(entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7})
    big = entry_of(_wide, kernels.BLOCK_MIN_WIRES, (np.array([0.3, -0.4]),))
    assert line.format("batch_value_and_grad_adjoint") in small.source
    assert line.format("batch_value_and_grad_adjoint_blocked") in big.source
    X, D = np.array([[0.3, -0.4], [1.2, 0.5]]), np.zeros((2, 0))
    rows = _adjoint_rows(big, X, D)
    out, jac = kernels.batch_value_and_grad_adjoint_blocked(big._ints, big._floats, *rows,
                                                            np.bool_(False))
    single = kernel_returning(kernels.program_value_and_grad_adjoint_blocked_into)
    for b, (a, c) in enumerate(X):
        v, j = single(big._ints, big._floats, *(r[b] for r in rows))
        assert np.array_equal(out[b], v) and np.array_equal(jac[b], j)
        np.testing.assert_allclose(out[b], [np.cos(a) * np.cos(c)], atol=1e-12)
        np.testing.assert_allclose(jac[b], [[-np.sin(a) * np.cos(c), -np.cos(a) * np.sin(c)]],
                                   atol=1e-12)
    with pytest.raises(ValueError, match="batch_value_and_grad_adjoint_blocked"):
        kernels.batch_value_and_grad_adjoint(big._ints, big._floats, *rows, np.bool_(False))
    # the single call's kernel by name: one of the three, else a ValueError (it ran the
    # blocked kernel for any other name)
    with pytest.raises(ValueError, match="unknown adjoint kernel"):
        small.value_and_grad_adjoint(np.array([0.3, -1.1, 0.8]), np.array([0.7]),
                                     kernel="program_value_and_grad_adjoint")


def test_parallel_shift_kernel_with_zero_shift_terms():
    """A zero-shift term reuses the value circuit (no rule of the table has one today, so
    the program is edited: terms 0 and 3 marked zero-shift). Serial and parallel kernels
    agree bit for bit, and a zero-shift term adds ``coeff * value``."""
    entry = entry_of(entangled, 3, (np.array([0.3, -1.1, 0.8]),), {"w": 0.7})
    ints, floats = (a.copy() for a in entry.module.PROGRAM)
    X, D = random_rows(entry, 1, 9)
    r = entry.module.prepare(X[0], D[0], 1)[:5]
    before = _grad(ints, floats, *r)
    term_zero = kernels.unpack_program(ints)[9]  # a view into ints
    term_zero[[0, 3]] = 1
    v, j = _grad(ints, floats, *r)
    assert np.array_equal(v, before[0]) and not np.array_equal(j, before[1])
    for n_threads in (1, 2, 3, 4):
        vp, jp = kernels.program_value_and_grad_parallel(ints, floats, *r, n_threads)
        assert np.array_equal(v, vp) and np.array_equal(j, jp)


def test_large_circuit_gradient_uses_threads_and_keeps_its_bits():
    """Above PARALLEL_SHIFT_MIN_WORK, ``Compiled.value_and_grad`` shares the shifted
    circuits among threads: the same bits on 1 and 2 threads, and the exact gradient."""
    n_wires, layers = 10, 2
    entry = entry_of(hea(n_wires, layers), n_wires, (np.zeros((layers, n_wires, 2)),))
    assert entry._shift_parallel
    X, D = random_rows(entry, 1, 8)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = entry.value_and_grad(X[0], D[0])
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = entry.value_and_grad(X[0], D[0])
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    np.testing.assert_allclose(one[1], exact_jacobian(entry.circuit, X[0], D[0]), atol=1e-10)


def test_a_batch_run_row_by_row_may_launch_a_parallel_kernel_in_each_row(monkeypatch):
    """A batch whose batch kernel is not compiled in the process runs its rows one by one
    inside the batch's launch, under ``kernels.LAUNCH_LOCK`` (numba's workqueue layer); a
    row whose gradient launches a parallel kernel of its own (a parameter-shift gradient on
    threads from ``PARALLEL_SHIFT_MIN_WORK``) took the lock again and hung forever (the
    oracle's layered family, stop 68: 12 wires, 4 layers, 2 broadcast rows, parameter
    shift on tier 0). Here each row's gradient is launched as the parallel one is, the lock
    taken as under workqueue (waiting at most 10 s instead of forever); the broadcast
    Jacobian against the closed form <Z> = cos(a) cos(b)."""
    from qsym import _runtime, _tiers

    class Bounded:  # kernels.LAUNCH_LOCK itself, a wait for it bounded
        def __init__(self, lock):
            self.lock = lock

        def __enter__(self):
            assert self.lock.acquire(timeout=10), "a launch waited for the lock its own thread holds"

        def __exit__(self, *exc):
            self.lock.release()

    monkeypatch.setattr(kernels, "LAUNCH_LOCK", Bounded(kernels.LAUNCH_LOCK))
    monkeypatch.setattr(kernels, "launch_needs_lock", lambda: True)
    monkeypatch.setattr(_tiers, "batch_kernel_deferred", lambda name: True)
    serial, launched = _runtime.Compiled.value_and_grad, []

    def on_threads(self, x, d):  # as the parallel branch: the row's kernel through _launch
        launched.append(1)
        return self._launch(serial, self, x, d)
    monkeypatch.setattr(_runtime.Compiled, "value_and_grad", on_threads)

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    def f(w):
        qml.RX(w[..., 0], wires=0)
        qml.RY(w[..., 1], wires=0)
        return qml.expval(qml.PauliZ(0))

    w = np.array([[0.3, -1.1], [2.0, 0.4], [-0.7, 2.9]])
    jac = qml.jacobian(f)(qml.numpy.array(w, requires_grad=True))
    assert len(launched) >= 3  # (one launch per row: the path taken)
    a, b = w[:, 0], w[:, 1]
    want = np.zeros((3, 3, 2))
    want[range(3), range(3), 0] = -np.sin(a) * np.cos(b)
    want[range(3), range(3), 1] = -np.cos(a) * np.sin(b)
    assert np.allclose(jac, want, atol=1e-12)
