"""PennyLane's ``null.qubit`` (qsym._null_qubit): zeros of the right shapes and types for
every measurement, zero derivatives, PennyLane's simulator tracking. Expected values are
written by hand from PennyLane's definitions; where PennyLane is installed, qsym's results
are compared with PennyLane 0.45's own ``null.qubit`` (shapes, types, tracker records)."""

import numpy as np
import pytest

import qsym as qml
from qsym.devices import ExecutionConfig


def _tape(measurements, shots=None, x=0.3):
    return qml.tape.QuantumScript([qml.RX(x, 0), qml.CNOT([0, 1])], measurements, shots=shots)


def test_device_is_made_by_name_and_class():
    dev = qml.device("null.qubit", wires=3)
    assert isinstance(dev, qml.devices.NullQubit) and dev.name == "null.qubit"
    assert dev.wires == qml.wires.Wires([0, 1, 2])
    assert qml.devices.NullQubit().wires is None
    with pytest.raises(qml.DeviceError, match="no seed"):
        qml.device("null.qubit", seed=1)


def test_no_draw_from_the_global_generator():
    """Unlike default.qubit's seed="global", null.qubit draws no seed (PennyLane's base
    Device): the global stream is untouched."""
    np.random.seed(5)
    a = np.random.rand()
    np.random.seed(5)
    qml.device("null.qubit", wires=1)
    assert np.random.rand() == a


def test_exact_results():
    dev = qml.device("null.qubit", wires=3)
    t = _tape([qml.expval(qml.Z(0)), qml.var(qml.X(1)), qml.probs(wires=[0, 1]), qml.probs(),
               qml.state(), qml.density_matrix([0]), qml.vn_entropy([1])])
    ev, var, p01, p, state, rho, s = dev.execute(t)
    assert ev.shape == () and ev == 0.0 and var == 0.0 and s == 0.0
    assert np.array_equal(p01, [1, 0, 0, 0])
    assert np.array_equal(p, [1] + [0] * 7)  # all of the device's 3 wires
    assert np.array_equal(state, [1] + [0] * 7)
    assert rho.shape == (2, 2) and rho.dtype == np.complex128 and not rho.any()


def test_sampled_results_and_shot_vectors():
    dev = qml.device("null.qubit")  # no wires: the tape's (two)
    t = _tape([qml.sample(wires=[0, 1]), qml.counts(wires=[0, 1], all_outcomes=True),
               qml.counts(qml.Z(0)), qml.sample(qml.X(0))], shots=[5, (7, 2)])
    res = dev.execute(t)
    assert len(res) == 3
    for part, s in zip(res, (5, 7, 7)):
        sample, counts, zcounts, xs = part
        assert sample.shape == (s, 2) and sample.dtype.kind == "i" and not sample.any()
        assert counts == {"00": s, "01": 0, "10": 0, "11": 0}
        assert zcounts == {-1: s}  # all shots on the least eigenvalue
        assert xs.shape == (s,) and not xs.any()


def test_broadcast_and_shadows():
    dev = qml.device("null.qubit")
    t = qml.tape.QuantumScript([qml.RX(np.array([0.1, 0.2, 0.3]), 0)],
                               [qml.expval(qml.Z(0)), qml.probs(wires=[0])])
    ev, p = dev.execute(t)
    assert ev.shape == (3,) and np.array_equal(p, [[1, 0]] * 3)
    shadow = dev.execute(qml.tape.QuantumScript([qml.Hadamard(0)], [qml.classical_shadow([0, 1])],
                                                shots=4))
    assert shadow.shape == (2, 4, 2) and shadow.dtype == np.int8
    with pytest.raises(ValueError, match="broadcasting is not supported"):
        dev.execute(qml.tape.QuantumScript(t.operations, [qml.classical_shadow([0])], shots=4))


def test_derivatives_jvps_vjps():
    dev = qml.devices.NullQubit()
    one = _tape([qml.expval(qml.Z(0))])
    two = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RY(0.2, 0)],
                                 [qml.expval(qml.Z(0)), qml.probs(wires=[0])])
    config = ExecutionConfig(gradient_method="device")
    d = dev.compute_derivatives(one, config)
    assert isinstance(d, np.ndarray) and d.shape == () and d == 0
    d1, d2 = dev.compute_derivatives([one, two], config)[1]
    assert d1 == (0.0, 0.0) and all(np.array_equal(x, [0, 0]) for x in d2)
    assert dev.compute_jvp([one, two], [(1.0,), (1.0, 2.0)], config) == (0.0, (0.0, 0.0))
    vjp = dev.compute_vjp(two, (1.0, [1.0, 1.0]), config)
    assert vjp.shape == (2,) and not vjp.any()
    values, jacs = dev.execute_and_compute_derivatives([one], config)
    assert values == (0.0,) and jacs == (0.0,)


def test_configuration():
    dev = qml.devices.NullQubit()
    assert dev.supports_derivatives() and dev.supports_vjp() and dev.supports_jvp()
    for method in ("device", "backprop", "adjoint"):
        assert dev.supports_derivatives(ExecutionConfig(gradient_method=method))
    for method in ("parameter-shift", "finite-diff", None):
        assert not dev.supports_derivatives(ExecutionConfig(gradient_method=method))
    config = dev.setup_execution_config(ExecutionConfig(gradient_method="adjoint"))
    assert config.gradient_method == "device" and config.use_device_gradient
    assert not config.grad_on_execution  # (PennyLane's: decided by the method asked for)
    config = dev.setup_execution_config(ExecutionConfig(gradient_method="device"))
    assert config.grad_on_execution and config.use_device_jacobian_product


def test_operator_without_decomposition_is_kept():
    class MyOp(qml.operation.Operator):
        pass

    tape = qml.tape.QuantumScript([MyOp(wires=(0, 1))], [qml.expval(qml.Z(0))])
    dev = qml.devices.NullQubit()
    (out,), _ = dev.preprocess_transforms()((tape,))
    assert isinstance(out[0], MyOp)
    with dev.tracker:
        assert dev.execute(out) == 0.0
    assert dev.tracker.latest["resources"].gate_types == {"MyOp": 1}


def test_tracking_records_each_method():
    """PennyLane's simulator tracking, written out from its definitions: execute records a
    batch, then per circuit simulations/executions/results/resources/errors; the
    derivative methods their batches and circuit counts."""
    qs = qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([1, 0])], [qml.expval(qml.Z(0))])
    dev = qml.devices.NullQubit()
    config = ExecutionConfig(gradient_method="device")
    with qml.Tracker(dev) as tracker:
        dev.execute(qs)
        dev.compute_derivatives(qs, config)
        dev.execute_and_compute_jvp([qs] * 2, [(0,)] * 2, config)
        dev.compute_vjp([qs] * 3, [(0,)] * 3, config)
    h = tracker.history
    assert h["batches"] == [1] and h["simulations"] == [1] and h["executions"] == [1, 2]
    assert h["derivatives"] == [1] and h["derivative_batches"] == [1]
    assert h["jvps"] == [2] and h["execute_and_jvp_batches"] == [1]
    assert h["vjps"] == [3] and h["vjp_batches"] == [1]
    assert len(h["resources"]) == 3 and h["errors"] == [{}] * 3
    r = h["resources"][0]
    assert (r.gate_types, r.gate_sizes, r.num_allocs, r.depth) == (
        {"Hadamard": 1, "CNOT": 1}, {1: 1, 2: 1}, 2, 2)
    with qml.Tracker(dev) as tracker:  # non-commuting words: two circuits, 2 x 10 shots
        dev.execute(_tape([qml.expval(qml.Z(0)), qml.expval(qml.X(0))], shots=10))
    assert tracker.latest["executions"] == 2 and tracker.latest["shots"] == 20


def test_qnode_values_and_gradients():
    dev = qml.device("null.qubit", wires=2)
    shape = qml.StronglyEntanglingLayers.shape(n_layers=2, n_wires=2)
    params = qml.numpy.array(np.random.default_rng(1).random(shape))
    for method in ("device", "parameter-shift", "backprop"):
        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            qml.StronglyEntanglingLayers(x, wires=range(2))
            return qml.expval(qml.Z(0))

        assert circuit(params) == 0.0
        g = qml.grad(circuit)(params)
        assert g.shape == shape and not g.any()

    @qml.qnode(dev, shots=5)
    def sampled():
        qml.X(1)
        return qml.sample()

    assert np.array_equal(sampled(), np.zeros((5, 2)))


MEASUREMENTS = [
    lambda: qml.expval(qml.Z(0)), lambda: qml.var(qml.Z(0)), lambda: qml.state(),
    lambda: qml.probs(), lambda: qml.probs(wires=[1]), lambda: qml.sample(),
    lambda: qml.sample(wires=[1]), lambda: qml.sample(qml.Z(0)),
    lambda: qml.density_matrix([0, 1]), lambda: qml.purity([1]), lambda: qml.mutual_info([0], [1]),
    lambda: qml.counts(wires=[0, 1], all_outcomes=True), lambda: qml.counts(qml.Z(0)),
    lambda: qml.classical_shadow([0, 1]),
]


@pytest.mark.parametrize("shots", [None, 10, [(10, 2), 3]])
@pytest.mark.parametrize("x", [0.4, [0.4, 0.5]])
@pytest.mark.parametrize("k", range(len(MEASUREMENTS)))
def test_results_equal_pennylanes_null_qubit(k, x, shots):
    """The same results (shapes, dtypes, counts) as PennyLane 0.45's null.qubit."""
    pl = pytest.importorskip("pennylane")
    mine = MEASUREMENTS[k]()
    if mine.kind in ("sample", "counts") or getattr(mine, "shadow", None):
        if not shots:
            pytest.skip("a sampled measurement needs shots")
    if getattr(mine, "shadow", None) and isinstance(x, list):
        pytest.skip("no broadcasting with classical shadows (both refuse)")

    def run(lib, mp):
        t = lib.tape.QuantumScript([lib.RX(np.array(x), 0), lib.CNOT([0, 1])], [mp], shots=shots)
        return lib.device("null.qubit", wires=2).execute(t)

    pl_mp = _pl_measurement(pl, k)
    a, b = run(qml, mine), run(pl, pl_mp)
    _assert_same(a, b)


def _pl_measurement(pl, k):
    """MEASUREMENTS[k] with PennyLane's functions."""
    return [
        lambda: pl.expval(pl.Z(0)), lambda: pl.var(pl.Z(0)), lambda: pl.state(),
        lambda: pl.probs(), lambda: pl.probs(wires=[1]), lambda: pl.sample(),
        lambda: pl.sample(wires=[1]), lambda: pl.sample(pl.Z(0)),
        lambda: pl.density_matrix([0, 1]), lambda: pl.purity([1]),
        lambda: pl.mutual_info([0], [1]),
        lambda: pl.counts(wires=[0, 1], all_outcomes=True), lambda: pl.counts(pl.Z(0)),
        lambda: pl.classical_shadow([0, 1]),
    ][k]()


def _assert_same(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(b, dict):
        assert isinstance(a, dict) and {str(k): int(v) for k, v in a.items()} == {
            str(k): int(v) for k, v in b.items()}
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def test_target_device_lends_its_preprocessing():
    """PennyLane's target_device: the target's pipeline, transform for transform, with
    decompose told to keep operators without a decomposition (strict=False)."""
    target = qml.devices.ReferenceQubit(wires=2)
    assert target.name == "reference.qubit"
    dev = qml.devices.NullQubit(target_device=target)
    assert dev._target_device is target
    assert qml.devices.NullQubit(target_device=dev)._target_device is target  # unwrapped
    config = ExecutionConfig()
    mine, theirs = dev.preprocess(config)[0], target.preprocess(config)[0]
    assert [t.tape_transform for t in mine] == [t.tape_transform for t in theirs]
    decompose = [t for t in mine if t.tape_transform is
                 qml.devices.preprocess.decompose.tape_transform]
    assert decompose and decompose[0].kwargs["strict"] is False


def test_a_seed_for_null_qubit_is_refused_by_name():
    """null.qubit draws nothing: a seed is a mistake, named (PennyLane's class takes none)."""
    with pytest.raises(qml.DeviceError, match="'null.qubit' takes no seed"):
        qml.device("null.qubit", wires=1, seed=3)
