"""PennyLane's Jacobian product calculators (``qml.workflow.jacobian_products``), checked
against derivatives written by hand:

- ``<Z>`` after ``RX(x)``: ``cos x``, derivative ``-sin x``;
- ``<Z>`` after ``RY(y) RX(x)`` on one wire (Bloch vector ``(sin y, 0, cos y)`` rotated
  about X): ``cos x cos y``; ``probs`` ``((1 + cos x cos y) / 2, (1 - cos x cos y) / 2)``;
- ``RY(a)`` on wire 0, ``RY(b)`` on wire 1, ``CNOT(0, 1)``: ``<Z1>`` is ``<Z0 Z1>`` before
  the CNOT, ``cos a cos b``; ``<X1>`` commutes through the CNOT, ``sin b``; ``<Z0>`` is
  ``cos a``;
- ``H(0) IsingXX(phi)``: ``<Z1> = cos phi``, ``<Z0> = 0``;

then every calculator against the others on a larger circuit, the shapes of several
measurements, batches and shot vectors, and the caching the device-based calculators
promise (a device's derivatives asked for once per batch object).
"""

from __future__ import annotations

import numpy as np
import pytest
from qsym.workflow.jacobian_products import (
    DeviceDerivatives,
    DeviceJacobianProducts,
    JacobianProductCalculator,
    LightningVJPs,
    NoGradients,
    TransformJacobianProducts,
)

import qsym as qml
from qsym import numpy as pnp
from qsym._jacobian_products import LRUCache, lru_cache
from qsym.errors import DeviceError, QuantumFunctionError

DEV = qml.device("default.qubit")
ADJOINT = qml.devices.ExecutionConfig(gradient_method="adjoint")


def _tjp(transform, kwargs=None, cache=False):
    return TransformJacobianProducts(DEV.execute, transform, kwargs, cache_full_jacobian=cache)


# every calculator that takes analytic tapes; the tolerance of its derivatives
CALCULATORS = {
    "param_shift": (_tjp(qml.gradients.param_shift), 1e-10),
    "param_shift_cached": (_tjp(qml.gradients.param_shift, cache=True), 1e-10),
    "finite_diff": (_tjp(qml.gradients.finite_diff, {"h": 1e-6, "approx_order": 2,
                                                     "strategy": "center"}), 1e-7),
    "hadamard": (_tjp(qml.gradients.hadamard_grad, {"aux_wire": "aux"}), 1e-10),
    "device_derivatives": (DeviceDerivatives(DEV, ADJOINT), 1e-10),
    "device_products": (DeviceJacobianProducts(DEV, ADJOINT), 1e-10),
    "lightning_products": (DeviceJacobianProducts(qml.device("lightning.qubit", wires=3),
                                                  ADJOINT), 1e-10),
}
# those whose Jacobians take probabilities and mixed measurements
TRANSFORMS = {k: v for k, v in CALCULATORS.items() if isinstance(v[0], TransformJacobianProducts)}


def _calculators(which=CALCULATORS):
    return pytest.mark.parametrize("jpc, tol", list(which.values()), ids=list(which))


def _rx(x, shots=None):
    return qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0))], shots=shots)


def _two_qubit(a, b, shots=None):
    """RY(a) (x) RY(b), CNOT: <Z1> = cos a cos b, <X1> = sin b."""
    return qml.tape.QuantumScript([qml.RY(a, 0), qml.RY(b, 1), qml.CNOT([0, 1])],
                                  [qml.expval(qml.Z(1)), qml.expval(qml.X(1))], shots=shots)


def _ising(phi, shots=None):
    """H(0), IsingXX(phi): <Z0> = 0, <Z1> = cos phi."""
    return qml.tape.QuantumScript([qml.Hadamard(0), qml.IsingXX(phi, wires=[0, 1])],
                                  [qml.expval(qml.Z(0)), qml.expval(qml.Z(1))], shots=shots)


def _two_qubit_jacobian(a, b):
    """Per measurement (Z1, X1), per parameter (a, b)."""
    return ((-np.sin(a) * np.cos(b), -np.cos(a) * np.sin(b)), (0.0, np.cos(b)))


# --- one parameter, one measurement ----------------------------------------------------------
@_calculators()
def test_jvp_of_rx(jpc, tol):
    x = 0.71
    results, jvps = jpc.execute_and_compute_jvp((_rx(x),), ((0.5,),))
    assert len(results) == len(jvps) == 1
    assert np.shape(results[0]) == () and np.shape(jvps[0]) == ()
    assert results[0] == pytest.approx(np.cos(x), abs=1e-12)
    assert jvps[0] == pytest.approx(-0.5 * np.sin(x), abs=tol)


@_calculators()
def test_vjp_of_rx(jpc, tol):
    x = -1.3
    (vjp,) = jpc.compute_vjp((_rx(x),), (2.5,))
    assert np.shape(vjp) in ((1,), ()) or len(vjp) == 1  # one entry: the one parameter
    assert np.ravel(vjp)[0] == pytest.approx(-2.5 * np.sin(x), abs=tol)


@_calculators()
def test_jacobian_of_rx(jpc, tol):
    x = 2.2
    (jac,) = jpc.compute_jacobian((_rx(x),))
    assert np.shape(jac) == ()
    assert jac == pytest.approx(-np.sin(x), abs=tol)
    results, (jac,) = jpc.execute_and_compute_jacobian((_rx(x),))
    assert results[0] == pytest.approx(np.cos(x), abs=1e-12)
    assert jac == pytest.approx(-np.sin(x), abs=tol)


# --- two qubits, two parameters, two measurements, batches ------------------------------------
@_calculators()
def test_jacobian_of_two_qubits_by_hand(jpc, tol):
    a, b = 0.4, -1.1
    (jac,) = jpc.compute_jacobian((_two_qubit(a, b),))
    expected = _two_qubit_jacobian(a, b)
    assert len(jac) == 2 and all(len(row) == 2 for row in jac)  # per measurement, per parameter
    np.testing.assert_allclose(np.array(jac, dtype=float), expected, atol=tol)


@_calculators()
def test_jvp_and_vjp_of_two_qubits_by_hand(jpc, tol):
    a, b = 0.9, 0.3
    (dz_da, dz_db), (dx_da, dx_db) = _two_qubit_jacobian(a, b)
    tangent, cotangent = (2.0, -3.0), (0.5, 1.5)
    results, (jvp,) = jpc.execute_and_compute_jvp((_two_qubit(a, b),), (tangent,))
    np.testing.assert_allclose(np.array(results[0], dtype=float),
                               [np.cos(a) * np.cos(b), np.sin(b)], atol=1e-12)
    assert len(jvp) == 2  # one per measurement
    np.testing.assert_allclose(np.array(jvp, dtype=float),
                               [2.0 * dz_da - 3.0 * dz_db, 2.0 * dx_da - 3.0 * dx_db], atol=tol)
    (vjp,) = jpc.compute_vjp((_two_qubit(a, b),), (cotangent,))
    np.testing.assert_allclose(np.ravel(np.array(vjp, dtype=float)),
                               [0.5 * dz_da + 1.5 * dx_da, 0.5 * dz_db + 1.5 * dx_db], atol=tol)


@_calculators()
def test_a_ragged_batch_keeps_each_tapes_shape(jpc, tol):
    x, a, b, phi = 0.3, 1.2, 0.7, -0.45
    batch = (_rx(x), _two_qubit(a, b), _ising(phi))
    jacs = jpc.compute_jacobian(batch)
    assert len(jacs) == 3
    assert jacs[0] == pytest.approx(-np.sin(x), abs=tol)
    np.testing.assert_allclose(np.array(jacs[1], dtype=float), _two_qubit_jacobian(a, b),
                               atol=tol)
    assert len(jacs[2]) == 2  # two measurements, one parameter each: bare values
    np.testing.assert_allclose(np.array(jacs[2], dtype=float), [0.0, -np.sin(phi)], atol=tol)
    results, jvps = jpc.execute_and_compute_jvp(batch, ((1.0,), (0.0, 1.0), (-2.0,)))
    assert len(results) == len(jvps) == 3
    assert jvps[0] == pytest.approx(-np.sin(x), abs=tol)
    np.testing.assert_allclose(np.array(jvps[1], dtype=float),
                               [-np.cos(a) * np.sin(b), np.cos(b)], atol=tol)
    np.testing.assert_allclose(np.array(jvps[2], dtype=float), [0.0, 2.0 * np.sin(phi)],
                               atol=tol)
    vjps = jpc.compute_vjp(batch, (1.0, (1.0, 0.0), (0.0, 3.0)))
    assert len(vjps) == 3
    assert np.ravel(vjps[0])[0] == pytest.approx(-np.sin(x), abs=tol)
    np.testing.assert_allclose(np.ravel(np.array(vjps[1], dtype=float)),
                               _two_qubit_jacobian(a, b)[0], atol=tol)
    assert np.ravel(vjps[2])[0] == pytest.approx(-3.0 * np.sin(phi), abs=tol)


# --- probabilities (the gradient transforms) --------------------------------------------------
@_calculators(TRANSFORMS)
def test_probabilities_and_an_expectation_by_hand(jpc, tol):
    x, y = 0.62, 2.1
    tape = qml.tape.QuantumScript([qml.RY(y, 0), qml.RX(x, 0)],
                                  [qml.probs(wires=0), qml.expval(qml.Z(0))])
    c = np.cos(x) * np.cos(y)
    dc_dy, dc_dx = -np.cos(x) * np.sin(y), -np.sin(x) * np.cos(y)
    results, (jac,) = jpc.execute_and_compute_jacobian((tape,))
    np.testing.assert_allclose(results[0][0], [(1 + c) / 2, (1 - c) / 2], atol=1e-12)
    assert results[0][1] == pytest.approx(c, abs=1e-12)
    # per measurement, per parameter (y first: the tape's order), each shaped as its result
    assert np.shape(jac[0][0]) == np.shape(jac[0][1]) == (2,)
    assert np.shape(jac[1][0]) == np.shape(jac[1][1]) == ()
    np.testing.assert_allclose(jac[0][0], [dc_dy / 2, -dc_dy / 2], atol=tol)
    np.testing.assert_allclose(jac[0][1], [dc_dx / 2, -dc_dx / 2], atol=tol)
    np.testing.assert_allclose([jac[1][0], jac[1][1]], [dc_dy, dc_dx], atol=tol)
    _, (jvp,) = jpc.execute_and_compute_jvp((tape,), ((1.5, 2.5),))
    np.testing.assert_allclose(jvp[0], np.array([1, -1]) * (1.5 * dc_dy + 2.5 * dc_dx) / 2,
                               atol=tol)
    assert jvp[1] == pytest.approx(1.5 * dc_dy + 2.5 * dc_dx, abs=tol)
    (vjp,) = jpc.compute_vjp((tape,), ((np.array([0.25, 0.5]), 1.5),))
    # dy . d(probs) = (0.25 - 0.5) dc / 2; plus 1.5 dc
    np.testing.assert_allclose(vjp, [(-0.125 + 1.5) * dc_dy, (-0.125 + 1.5) * dc_dx], atol=tol)


# --- the calculators agree with each other ---------------------------------------------------
def _circuit():
    ops = [qml.RX(0.3, 0), qml.RY(-0.8, 1), qml.CRX(1.1, wires=[0, 2]), qml.IsingXX(0.5, [1, 2]),
           qml.RZ(0.2, 2), qml.CNOT([2, 0]), qml.RY(0.9, 0)]
    return qml.tape.QuantumScript(
        ops, [qml.expval(qml.Z(0)), qml.expval(qml.X(1) @ qml.Y(2)), qml.expval(qml.Z(2))])


def test_every_calculator_gives_the_same_derivatives():
    tangent = (0.3, -1.0, 0.5, 2.0, 0.1, -0.7)
    cotangent = (1.0, -0.5, 2.0)
    reference = np.array(CALCULATORS["param_shift"][0].compute_jacobian((_circuit(),))[0])
    assert reference.shape == (3, 6)  # three measurements, six parameters
    for name, (jpc, tol) in CALCULATORS.items():
        tol = max(tol, 1e-9)
        (jac,) = jpc.compute_jacobian((_circuit(),))
        np.testing.assert_allclose(np.array(jac, dtype=float), reference, atol=tol, err_msg=name)
        _, (jvp,) = jpc.execute_and_compute_jvp((_circuit(),), (tangent,))
        np.testing.assert_allclose(np.array(jvp, dtype=float), reference @ tangent, atol=tol,
                                   err_msg=name)
        (vjp,) = jpc.compute_vjp((_circuit(),), (cotangent,))
        np.testing.assert_allclose(np.array(vjp, dtype=float), np.array(cotangent) @ reference,
                                   atol=tol, err_msg=name)


# --- shots --------------------------------------------------------------------------------------
def test_a_shot_vector_gives_one_entry_per_copy():
    dev = qml.device("default.qubit", seed=11)
    jpc = TransformJacobianProducts(dev.execute, qml.gradients.param_shift)
    a, b = 0.5, 1.0
    tape = _two_qubit(a, b, shots=(30000, 30000))
    jacs = jpc.compute_jacobian((tape,))
    assert len(jacs[0]) == 2  # the copies
    for copy in jacs[0]:
        np.testing.assert_allclose(np.array(copy, dtype=float), _two_qubit_jacobian(a, b),
                                   atol=0.03)
    results, jvps = jpc.execute_and_compute_jvp((_rx(0.4, shots=(30000, 30000)),), ((1.0,),))
    assert len(results[0]) == len(jvps[0]) == 2
    np.testing.assert_allclose(np.array(jvps[0], dtype=float), [-np.sin(0.4)] * 2, atol=0.03)
    # a cotangent per copy, summed: 2 * (-sin x)
    (vjp,) = jpc.compute_vjp((_rx(0.4, shots=(30000, 30000)),), ((1.0, 1.0),))
    assert np.ravel(vjp)[0] == pytest.approx(-2 * np.sin(0.4), abs=0.06)


# --- caching -------------------------------------------------------------------------------
class CountingDevice(qml.devices.DefaultQubit):
    """default.qubit that counts the derivative batches it is asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = []

    def compute_derivatives(self, circuits, execution_config=None):
        self.asked.append(("compute_derivatives", len(circuits)))
        return super().compute_derivatives(circuits, execution_config)

    def execute_and_compute_derivatives(self, circuits, execution_config=None):
        self.asked.append(("execute_and_compute_derivatives", len(circuits)))
        return super().execute(circuits), super().compute_derivatives(circuits)


def test_device_derivatives_asks_the_device_once_per_batch():
    dev = CountingDevice()
    jpc = DeviceDerivatives(dev, ADJOINT)
    batch = (_rx(0.1), _two_qubit(0.2, 0.3))
    results = jpc.execute_and_cache_jacobian(batch)
    assert results[0] == pytest.approx(np.cos(0.1))
    assert dev.asked == [("execute_and_compute_derivatives", 2)]
    jac = jpc.compute_jacobian(batch)
    jpc.compute_vjp(batch, (1.0, (1.0, 1.0)))
    _, jvps = jpc.execute_and_compute_jvp(batch, ((1.0,), (1.0, 0.0)))
    assert jvps[0] == pytest.approx(-np.sin(0.1))
    assert jac[0] == pytest.approx(-np.sin(0.1))
    assert dev.asked == [("execute_and_compute_derivatives", 2)]  # nothing new
    # the key is the tape objects: a new tuple of the same tapes is found ...
    jpc.compute_jacobian(tuple(t for t in batch))  # a new tuple
    assert dev.asked == [("execute_and_compute_derivatives", 2)]
    # ... equal-looking new tapes are not (PennyLane's: a tape's hash would cost more)
    jpc.compute_jacobian((_rx(0.1), _two_qubit(0.2, 0.3)))
    assert dev.asked[-1] == ("compute_derivatives", 2)


def test_device_derivatives_after_a_vjp_executes_only_the_results():
    dev = qml.device("default.qubit")
    jpc = DeviceDerivatives(dev, ADJOINT)
    batch = (_rx(0.6),)
    with dev.tracker:
        jpc.compute_vjp(batch, (1.0,))
    assert dev.tracker.totals == {"derivative_batches": 1, "derivatives": 1}
    assert batch in jpc._jacs_cache and batch not in jpc._results_cache
    with dev.tracker:
        results, jvps = jpc.execute_and_compute_jvp(batch, ((2.0,),))
    totals = dev.tracker.totals  # one execution of the results, no derivative
    assert (totals["batches"], totals["executions"]) == (1, 1) and "derivatives" not in totals
    assert results[0] == pytest.approx(np.cos(0.6)) and jvps[0] == pytest.approx(-2 * np.sin(0.6))
    with dev.tracker:
        jpc.execute_and_compute_jacobian(batch)
    assert dev.tracker.totals == {}


def test_device_derivatives_keeps_ten_batches():
    dev = CountingDevice()
    jpc = DeviceDerivatives(dev)
    batches = [(_rx(0.1 * k),) for k in range(11)]
    for batch in batches:
        jpc.compute_jacobian(batch)
    assert len(jpc._jacs_cache) == 10 and batches[0] not in jpc._jacs_cache
    jpc.compute_jacobian(batches[-1])
    assert len(dev.asked) == 11
    jpc.compute_jacobian(batches[0])  # evicted: asked again
    assert len(dev.asked) == 12


def test_results_cached_without_jacobians_is_refused():
    jpc = DeviceDerivatives(DEV, ADJOINT)
    batch = (_rx(0.1),)
    jpc._results_cache[batch] = "value"
    with pytest.raises(NotImplementedError):
        jpc.execute_and_compute_jacobian(batch)


def test_cache_full_jacobian_runs_the_gradient_tapes_once():
    calls = []

    def inner(tapes):
        calls.append(len(tapes))
        return DEV.execute(tapes)

    jpc = TransformJacobianProducts(inner, qml.gradients.param_shift, cache_full_jacobian=True)
    batch = (_two_qubit(0.3, 0.4),)
    jpc.compute_jacobian(batch)
    assert calls == [4]  # two shifts per parameter
    jpc.compute_vjp(batch, ((1.0, 0.0),))
    jpc.compute_jacobian(batch)
    assert calls == [4]
    jpc.execute_and_compute_jvp(batch, ((1.0, 1.0),))
    assert calls == [4, 1]  # the results only


def test_results_and_jvp_tapes_run_in_one_inner_execution():
    calls = []

    def inner(tapes):
        calls.append(len(tapes))
        return DEV.execute(tapes)

    jpc = TransformJacobianProducts(inner, qml.gradients.param_shift)
    jpc.execute_and_compute_jvp((_rx(0.2), _two_qubit(0.3, 0.4)), ((1.0,), (1.0, 1.0)))
    assert calls == [2 + 2 + 4]
    jpc.execute_and_compute_jacobian((_rx(0.2),))
    assert calls[-1] == 1 + 2


def test_device_tracking_is_pennylanes():
    dev = qml.device("default.qubit")
    batch = (_rx(0.3), _rx(0.4))
    with dev.tracker:
        dev.execute_and_compute_derivatives(batch)
    assert dev.tracker.totals == {"execute_and_derivative_batches": 1, "executions": 2,
                                  "derivatives": 2}
    with dev.tracker:
        dev.compute_jvp(batch, ((1.0,), (1.0,)))
        dev.compute_vjp(batch, (1.0, 1.0))
    assert dev.tracker.totals == {"jvp_batches": 1, "jvps": 2, "vjp_batches": 1, "vjps": 2}
    with dev.tracker:
        dev.execute_and_compute_vjp(batch, (1.0, 1.0))
    assert dev.tracker.totals == {"execute_and_vjp_batches": 1, "executions": 2, "vjps": 2}


# --- no trainable parameters, differentiability, names -----------------------------------------
@pytest.mark.filterwarnings("ignore:Attempted to compute the gradient of a tape with no")
@_calculators()
def test_no_trainable_parameters_give_zero_jvps(jpc, tol):
    tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.probs(wires=[0, 1]),
                                                      qml.expval(qml.Z(0))])
    tape.trainable_params = []
    if isinstance(jpc, DeviceJacobianProducts):
        tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
        tape.trainable_params = []
        _, (jvp,) = jpc.execute_and_compute_jvp((tape,), ((),))
        assert float(jvp) == 0.0
        return
    _, (jvp,) = jpc.execute_and_compute_jvp((tape,), ((),))
    np.testing.assert_array_equal(jvp[0], np.zeros(4))
    assert np.shape(jvp[1]) == () and float(jvp[1]) == 0.0


def test_the_vjp_is_differentiable_through_inner_execute():
    jpc = TransformJacobianProducts(DEV.execute, qml.gradients.param_shift)

    def f(x, dy):
        return jpc.compute_vjp((_rx(x),), (dy,))[0]

    dx, ddy = qml.grad(f)(pnp.array(0.4), pnp.array(1.5))
    assert dx == pytest.approx(-1.5 * np.cos(0.4))   # d/dx (-dy sin x)
    assert ddy == pytest.approx(-np.sin(0.4))


def test_no_gradients_refuses_every_derivative():
    jpc = NoGradients()
    assert isinstance(jpc, JacobianProductCalculator)
    for call in (lambda: jpc.compute_jacobian(()), lambda: jpc.compute_vjp((), ()),
                 lambda: jpc.execute_and_compute_jvp((), ()),
                 lambda: jpc.execute_and_compute_jacobian(())):
        with pytest.raises(QuantumFunctionError, match="diff_method=None"):
            call()


def test_the_base_class_is_abstract():
    with pytest.raises(TypeError):
        JacobianProductCalculator()


def test_lightning_vjps_names_why_it_is_not_there():
    with pytest.raises(DeviceError, match="removed it in 0.39.*DeviceJacobianProducts"):
        LightningVJPs(qml.device("lightning.qubit", wires=1))


def test_reprs_and_attributes():
    jpc = TransformJacobianProducts(DEV.execute, qml.gradients.hadamard_grad, {"aux_wire": 2})
    assert repr(jpc) == (f"TransformJacobianProducts({DEV.execute!r}, gradient_transform="
                         "<transform: hadamard_grad>, gradient_kwargs={'aux_wire': 2}, "
                         "cache_full_jacobian=False)")
    assert jpc._inner_execute == DEV.execute and jpc._gradient_kwargs == {"aux_wire": 2}
    assert repr(DeviceDerivatives(DEV, ADJOINT)) == f"<DeviceDerivatives: default.qubit, {ADJOINT}>"
    assert DeviceDerivatives(DEV)._execution_config is None
    assert repr(DeviceJacobianProducts(DEV, ADJOINT)).startswith(
        "<DeviceJacobianProducts: default.qubit, ExecutionConfig(")


def test_pennylanes_module_path():
    import qsym.workflow.jacobian_products as module

    assert qml.workflow.jacobian_products is module
    assert module.DeviceDerivatives is DeviceDerivatives
    assert not isinstance(DEV, qml.devices.LegacyDevice)  # PennyLane's tests ask
    with pytest.raises(TypeError, match="abstract"):  # PennyLane's abstract base class
        qml.devices.LegacyDevice()


# --- the pieces underneath ----------------------------------------------------------------------
def test_the_lru_cache_stand_in():
    cache = LRUCache(maxsize=2)
    cache["a"], cache["b"] = 1, 2
    assert cache["a"] == 1  # "a" is now the newest
    cache["c"] = 3
    assert list(cache) == ["a", "c"] and cache.currsize == 2 and "b" not in cache
    assert len(lru_cache()) == 0 and lru_cache().maxsize == 10


def test_gradient_transforms_take_a_batch():
    batch = (_rx(0.3), _ising(0.8))
    for transform in (qml.gradients.param_shift, qml.gradients.finite_diff):
        tapes, fn = transform(batch)
        jacs = fn(DEV.execute(tapes))
        assert len(jacs) == 2
        assert jacs[0] == pytest.approx(-np.sin(0.3), abs=1e-6)
        np.testing.assert_allclose(np.array(jacs[1], dtype=float), [0.0, -np.sin(0.8)],
                                   atol=1e-6)
    tapes, fn = qml.gradients.param_shift(())
    assert tapes == () and fn(()) == ()


def test_unwrap_keeps_the_nesting():
    assert qml.math.unwrap(((0.5, 0.6), 0.9)) == ((0.5, 0.6), 0.9)
    out = qml.math.unwrap([(pnp.array(0.5), 1.0), (pnp.array([2.0, 3.0]),)])
    assert out[0] == (0.5, 1.0) and type(out[0][0]) is float
    assert type(out[1][0]) is np.ndarray and list(out[1][0]) == [2.0, 3.0]
