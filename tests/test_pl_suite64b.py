"""Stop 64 (pl64b, issue #18): PennyLane's legacy device API runs a user's device class.

A ``qml.devices.QubitDevice`` subclass (PennyLane's legacy plugin API; PennyLane's own tests
run most of their return-type, QNode and adjoint tests on one, ``DefaultQubitLegacy``)
simulates by itself: QNodes and ``qml.execute`` wrap it in a ``LegacyDeviceFacade`` and its
numbers are its own. The references are values worked out by hand (cos, sin, ln 2, a
Hamiltonian's expectation in |00>), a second gradient method, and PennyLane's own answers
(the types of ``split_non_commuting``'s terms, computed with PennyLane 0.45.1).
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp


class Tiny(qml.devices.QubitDevice):
    """A complete legacy simulator in 30 lines: apply by matrices, probabilities from the
    state, the adjoint method's ``_apply_operation`` / ``_apply_unitary``."""

    name = "Tiny legacy simulator"
    short_name = "tiny.legacy"
    pennylane_requires = version = "0.45"
    author = "tests"
    operations = {"RX", "RY", "RZ", "Hadamard", "CNOT", "QubitUnitary"}
    observables = {"PauliX", "PauliY", "PauliZ", "Hadamard", "Identity", "Prod", "Sum",
                   "SProd", "LinearCombination", "Hamiltonian"}

    def __init__(self, wires, shots=None):
        super().__init__(wires, shots)
        self.reset()

    @classmethod
    def capabilities(cls):
        caps = super().capabilities().copy()
        caps.update(returns_state=True)
        return caps

    def reset(self):
        super().reset()
        self._state = onp.zeros([2] * self.num_wires, dtype=complex)
        self._state[(0,) * self.num_wires] = 1
        self._pre_rotated_state = self._state

    def _apply_unitary(self, state, mat, wires):
        axes = list(self.map_wires(wires))
        k = len(axes)
        mat = onp.reshape(mat, [2] * 2 * k)
        out = onp.tensordot(mat, state, axes=(list(range(k, 2 * k)), axes))
        return onp.moveaxis(out, list(range(k)), axes)

    def _apply_operation(self, state, op):
        return self._apply_unitary(state, qml.matrix(op), op.wires)

    def apply(self, operations, rotations=None, **kwargs):
        for op in operations:
            self._state = self._apply_operation(self._state, op)
        self._pre_rotated_state = self._state
        for op in rotations or []:
            self._state = self._apply_operation(self._state, op)

    @property
    def state(self):
        return self._pre_rotated_state.reshape(-1)

    def analytic_probability(self, wires=None):
        return self.marginal_prob(onp.abs(self._state.reshape(-1)) ** 2, wires)


def test_a_legacy_device_runs_its_own_simulation_in_a_qnode():
    dev = Tiny(wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    x = pnp.array(0.4, requires_grad=True)
    assert onp.isclose(circuit(x), onp.cos(0.4))
    # parameter shift on the device (PennyLane's "best" for a legacy device without a
    # passthru interface), and its adjoint_jacobian: both -sin(x)
    assert onp.isclose(qml.grad(circuit)(x), -onp.sin(0.4))
    adjoint = qml.QNode(circuit.func, dev, diff_method="adjoint")
    assert onp.isclose(qml.grad(adjoint)(x), -onp.sin(0.4))
    assert type(circuit.device).__name__ == "LegacyDeviceFacade"
    assert isinstance(circuit.device, qml.devices.QubitDevice)
    assert dev.num_executions >= 3  # the device ran the circuits itself


def test_adjoint_jacobian_of_a_legacy_device_by_hand():
    dev = Tiny(wires=2)
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RY(0.5, 1), qml.CNOT([0, 1])],
                                  [qml.expval(qml.Z(1))], trainable_params=[0, 1])
    # <Z1> after CNOT = <Z0 Z1> before = cos(0.3) cos(0.5)
    jac = dev.adjoint_jacobian(tape)
    assert onp.allclose(jac, [-onp.sin(0.3) * onp.cos(0.5), -onp.cos(0.3) * onp.sin(0.5)])


def test_state_quantities_and_shapes_of_a_legacy_device():
    dev = Tiny(wires=2)

    def bell(*measurements):
        return qml.tape.QuantumScript([qml.Hadamard(0), qml.CNOT([0, 1])], list(measurements))

    entropy, probs = qml.execute([bell(qml.vn_entropy(wires=0), qml.probs(wires=[0, 1]))],
                                 dev)[0]
    assert onp.shape(entropy) == () and onp.isclose(entropy, onp.log(2))
    assert onp.allclose(probs, [0.5, 0, 0, 0.5])
    mutual = qml.execute([bell(qml.mutual_info(wires0=[0], wires1=[1]))], dev)[0]
    assert onp.isclose(mutual, 2 * onp.log(2))
    state = qml.execute([bell(qml.state())], dev)[0]
    assert onp.allclose(state, onp.array([1, 0, 0, 1]) / onp.sqrt(2))
    with pytest.raises(qml.QuantumFunctionError, match="cannot be returned in combination"):
        qml.execute([bell(qml.state(), qml.expval(qml.Z(0)))], dev)


def test_shots_and_shot_vectors_on_a_legacy_device():
    dev = Tiny(wires=1)
    onp.random.seed(7)
    tape = qml.tape.QuantumScript([qml.RX(0.7, 0)], [qml.expval(qml.Z(0)), qml.sample(wires=0)],
                                  shots=20000)
    value, samples = qml.execute([tape], dev)[0]
    assert samples.shape == (20000, 1) and set(onp.unique(samples)) <= {0, 1}  # (PL 0.45)
    assert abs(value - onp.cos(0.7)) < 0.03  # 5 standard errors
    assert onp.isclose(value, 1 - 2 * samples.mean())  # the same samples
    vector = qml.tape.QuantumScript([qml.RX(0.7, 0)], [qml.expval(qml.Z(0))],
                                    shots=[(1000, 2), 3000])
    parts = qml.execute([vector], dev)[0]
    assert len(parts) == 3 and all(onp.shape(p) == () for p in parts)
    assert dev.shots is None  # the tape's shots were set on the device only while it ran


def test_a_hamiltonian_is_split_into_pennylanes_terms_for_a_legacy_device():
    # PennyLane 0.45.1: split_non_commuting measures a Hamiltonian's terms as the operators
    # X(0) (PauliX) and X(0) @ Z(1), Z(0) @ Z(1) (Prod), never as a one-term sum
    H = qml.Hamiltonian([-0.6543, 0.24, 0.54],
                        [qml.X(0), qml.X(0) @ qml.Z(1), qml.Z(0) @ qml.Z(1)])
    tape = qml.tape.QuantumScript([], [qml.expval(H), qml.expval(H)], shots=100)
    tapes, _ = qml.transforms.split_non_commuting(tape, "wires")
    kinds = [[type(m.obs).__name__ for m in t.measurements] for t in tapes]
    assert kinds == [["PauliX"], ["Prod"], ["Prod"]]

    class NoSumsWithShots(Tiny):
        def expval(self, observable, shot_range=None, bin_size=None):
            assert self.shots is None or observable.name not in (
                "LinearCombination", "Hamiltonian", "Sum"), "a sum reached the device"
            return super().expval(observable, shot_range, bin_size)

    @qml.set_shots(2000)
    @qml.qnode(NoSumsWithShots(wires=2))
    def circuit():
        return qml.expval(H), qml.expval(H)

    onp.random.seed(3)
    first, second = circuit()
    # in |00>: <X0> = <X0 Z1> = 0 (estimates within 5 standard errors), <Z0 Z1> = 1
    assert first == second and abs(first - 0.54) < 5 * onp.hypot(0.6543, 0.24) / onp.sqrt(2000)


def test_a_legacy_device_refuses_what_it_does_not_support():
    dev = Tiny(wires=1)
    tape = qml.tape.QuantumScript([qml.PhaseShift(0.3, 0)], [qml.expval(qml.Z(0))])
    # PhaseShift is decomposed into the device's gates by its expand_fn: exp(i phi/2) RZ
    assert onp.isclose(qml.execute([tape], dev)[0], 1.0)
    with pytest.raises(qml.DeviceError, match="Observable Hermitian not supported"):
        dev.check_validity([], [qml.expval(qml.Hermitian(onp.eye(2), 0))])
    with pytest.raises(ValueError, match="only accepts a device of type"):
        qml.devices.LegacyDeviceFacade(qml.device("default.qubit"))


def test_a_constant_matrix_beside_a_trainable_angle_on_a_device_of_ones_own():
    # PennyLane's test_adjoint_diff: a QubitUnitary of a constant matrix after RY(x); on a
    # device class's own execute qsym differentiated every parameter (and failed on the
    # matrix): now only the trainable angle. <Z> after RY(x) then X = -cos(x), d/dx sin(x)
    dev = Tiny(wires=1)

    def circuit(x):
        qml.RY(x, wires=0)
        qml.QubitUnitary(pnp.array([[0, 1], [1, 0]], requires_grad=False), wires=0)
        return qml.expval(qml.Z(0))

    x = pnp.array(0.6, requires_grad=True)
    for method in ("parameter-shift", "adjoint"):
        qnode = qml.QNode(circuit, dev, diff_method=method)
        assert onp.isclose(qnode(x), -onp.cos(0.6))
        assert onp.isclose(qml.jacobian(qnode)(x), onp.sin(0.6))


def _counted(dev):
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))
    return circuit


def test_a_device_of_ones_own_runs_once_per_call_and_keeps_the_qnodes_cache():
    # PennyLane's counts (test_qnode_legacy): two calls, two executions (qsym ran a third to
    # compare a fused QNode on the second call); a cache mapping answers repeats
    dev = Tiny(wires=1)
    qnode = qml.QNode(_counted(dev), dev)
    qnode(0.3)
    qnode(0.3)
    assert dev.num_executions == 2
    cache = {}
    dev = Tiny(wires=1)
    cached = qml.QNode(_counted(dev), dev, diff_method="parameter-shift", cache=cache)
    for _ in range(5):
        assert onp.isclose(cached(0.3), onp.cos(0.3))
    assert dev.num_executions == 1 and len(cache) == 1


def test_qnode_rules_on_a_device_of_ones_own():
    dev = Tiny(wires=2)

    def not_measured(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0)), 5

    def out_of_order(x):
        qml.RX(x, wires=0)
        first = qml.expval(qml.Z(0))
        return qml.expval(qml.X(1)), first

    with pytest.raises(qml.QuantumFunctionError, match="must return either a single measurement"):
        qml.QNode(not_measured, dev)(0.5)
    with pytest.raises(qml.QuantumFunctionError, match="in the order they are measured"):
        qml.QNode(out_of_order, dev)(0.5)
    assert repr(qml.QNode(not_measured, dev)) == (
        "<QNode: wires=2, device='tiny.legacy', interface='auto', diff_method='best', "
        "shots='Shots(total=None)'>")  # PennyLane's form for a legacy device
    tape = qml.tape.QuantumScript([qml.RX(1.0, 0)], [qml.expval(qml.Z(0))])
    with pytest.raises(qml.QuantumFunctionError, match="device_vjp=True is not supported"):
        qml.execute((tape,), dev, device_vjp=True)


def test_argnum_on_a_device_of_ones_own():
    # <Z0 X1> after RX(x) RY(y) CNOT = cos(x) sin(y); argnum=[1]: d/dx is not computed (0)
    dev = Tiny(wires=2)

    @qml.qnode(dev, diff_method="parameter-shift", gradient_kwargs={"argnum": [1]})
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(0) @ qml.X(1))

    x, y = pnp.array(0.543, requires_grad=True), pnp.array(-0.654, requires_grad=True)
    assert onp.isclose(circuit(x, y), onp.cos(0.543) * onp.sin(-0.654))
    dx, dy = qml.grad(circuit)(x, y)
    assert dx == 0 and onp.isclose(dy, onp.cos(0.543) * onp.cos(-0.654))


def test_the_facades_configuration_as_pennylanes():
    # PennyLane 0.45's LegacyDeviceFacade rules (devices/test_legacy_facade.py)
    facade = qml.devices.LegacyDeviceFacade(Tiny(wires=2))
    m0 = qml.measure(0)
    tape = qml.tape.QuantumScript([qml.X(0), *m0.measurements], [qml.expval(qml.Z(0))])
    config = qml.devices.ExecutionConfig
    mcm = qml.devices.MCMConfig
    with pytest.raises(qml.QuantumFunctionError, match="only supported with finite shots"):
        facade.setup_execution_config(config(mcm_config=mcm(mcm_method="one-shot")), tape)
    with pytest.raises(qml.QuantumFunctionError, match="unsupported by the device"):
        facade.setup_execution_config(config(mcm_config=mcm(mcm_method="tree-traversal")), tape)
    assert facade.setup_execution_config(config(), tape).mcm_config.mcm_method == "deferred"

    class Native(Tiny):
        @classmethod
        def capabilities(cls):
            return {**super().capabilities(), "supports_mid_measure": True}

    native = qml.devices.LegacyDeviceFacade(Native(wires=2))
    assert native.setup_execution_config(config(), tape.copy(shots=100)).mcm_config.mcm_method == "one-shot"
    assert qml.defer_measurements not in native.preprocess_transforms()
    assert qml.defer_measurements in facade.preprocess_transforms()

    class Backprop(Tiny):
        @classmethod
        def capabilities(cls):
            return {**super().capabilities(), "passthru_interface": "autograd"}

    backprop = qml.devices.LegacyDeviceFacade(Backprop(wires=1))
    given = config(gradient_method="backprop", use_device_gradient=True)
    assert backprop.setup_execution_config(given) is given  # nothing to set: the same object
    sparse = qml.tape.QuantumScript([qml.RX(pnp.array(0.1), 0)], [qml.expval(
        qml.SparseHamiltonian(qml.X.compute_sparse_matrix(), wires=0))])
    assert not backprop.supports_derivatives(config(gradient_method="backprop"), sparse)
    assert not facade.supports_derivatives(config(gradient_method="backprop"))
    dev = Tiny(wires=["a", "b"])
    assert dev.map_wires(qml.wires.Wires(["b"])).tolist() == [1]
    hits = dev.map_wires.cache_info().hits
    dev.map_wires(qml.wires.Wires(["b"]))
    assert dev.map_wires.cache_info().hits == hits + 1  # PennyLane's memo
    assert qml.devices.LegacyDevice.__name__ == "Device"  # PennyLane's class name


def test_pulse_odegens_contraction_by_hand_and_its_refusal():
    from qsym.gradients.pulse_gradient_odegen import _parshift_and_contract, pulse_odegen

    # two words; shifted results (+, -) per word: derivatives (3 - 1)/2 = 1, (0 - 4)/2 = -2;
    # contracted with the rows [1, 10] and [100, 1000]: [1 - 200, 10 - 2000]
    results = [onp.array(3.0), onp.array(1.0), onp.array(0.0), onp.array(4.0)]
    rows = [onp.array([1.0, 10.0]), onp.array([100.0, 1000.0])]
    assert onp.allclose(_parshift_and_contract(results, rows, True, True), [-199.0, -1990.0])
    # two measurements (or shot entries): one contraction each
    both = [onp.array([r, 2 * r]) for r in (3.0, 1.0, 0.0, 4.0)]
    first, second = _parshift_and_contract(both, rows, False, True)
    assert onp.allclose(first, [-199.0, -1990.0]) and onp.allclose(second, [-398.0, -3980.0])
    with pytest.raises(qml.GateError, match="does not simulate"):
        pulse_odegen(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]))


def test_a_derivative_method_the_legacy_device_does_not_give_is_refused_at_the_call():
    # PennyLane's QNode on a legacy device: adjoint with shots is refused when the QNode
    # runs, backprop without a passthru interface (and "device" without a jacobian) when
    # it is made (PennyLane 0.45.1 in /work/plvenv), naming the method
    dev = Tiny(wires=1)

    @qml.set_shots(10)
    @qml.qnode(dev, diff_method="adjoint")
    def sampled():
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.QuantumFunctionError, match="does not support adjoint with requested"):
        sampled()

    def rx(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    for method in ("backprop", "device"):
        with pytest.raises(qml.QuantumFunctionError,
                           match=f"does not support {method} with requested"):
            qml.QNode(rx, dev, diff_method=method)
    exact = qml.QNode(rx, dev, diff_method="adjoint")
    assert onp.isclose(exact(0.5), onp.cos(0.5))  # (adjoint without shots: given)


def test_default_gaussian_counts_its_executions():
    # PennyLane's legacy devices count every circuit they run (test_legacy_device.py): 12
    # calls of a QNode without trainable parameters, 12 executions
    dev = qml.device("default.gaussian", wires=1)

    @qml.qnode(dev)
    def circuit(mag_alpha, phase_alpha, phi):
        qml.Displacement(mag_alpha, phase_alpha, wires=0)
        qml.Rotation(phi, wires=0)
        return qml.expval(qml.NumberOperator(0))

    for _ in range(12):
        value = circuit(0.015, 0.02, 0.005)
    assert dev.num_executions == 12
    assert onp.isclose(value, 0.015**2)  # <n> of a coherent state: |alpha|^2


def test_several_measurements_differentiated_on_a_device_of_ones_own():
    # the transform's shifted tapes run on the device (qsym refused several measurements
    # there before): <Z0> = cos x, <Z1> = cos x cos y after RX(x), RY(y), CNOT
    dev = Tiny(wires=2)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(0)), qml.expval(qml.Z(1))

    x, y = pnp.array(0.3, requires_grad=True), pnp.array(0.5, requires_grad=True)
    dx, dy = qml.jacobian(lambda x, y: qml.math.stack(circuit(x, y)))(x, y)
    assert onp.allclose(dx, [-onp.sin(0.3), -onp.sin(0.3) * onp.cos(0.5)])
    assert onp.allclose(dy, [0.0, -onp.cos(0.3) * onp.sin(0.5)])


def test_an_unknown_device_is_named_in_pennylanes_words():
    # PennyLane 0.45: "Device None does not exist. Make sure the required plugin is installed."
    with pytest.raises(qml.DeviceError, match="Device None does not exist"):
        qml.device("None", wires=0)
    with pytest.raises(qml.DeviceError, match="unknown device 'default.qubitt'; qsym provides"):
        qml.device("default.qubitt", wires=1)
