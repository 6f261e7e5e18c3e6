"""PennyLane 0.45's device API on qsym's devices (qsym/_device_api.py): preprocess,
setup_execution_config, supports_derivatives/jvp/vjp, compute_derivatives/jvp/vjp and
their execute_and_... forms, ExecutionConfig, and the base-class semantics for a user's
device class (pennylane/devices/default_qubit.py and device_api.py, read for the rules).

Derivatives are checked against exact formulas and central finite differences of
``dev.execute``; jvp and vjp against products written out from those formulas.
"""

import dataclasses

import numpy as onp
import pytest

import qsym as qml
from qsym.devices import ExecutionConfig, MCMConfig
from qsym.errors import DeviceError, WireError


def tape_rx(x):
    return qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0))])


def tape_two(x, y):
    # <Z> = cos x cos y, <X> = cos x sin y ... on RX(x) RY(y): state RY(y) RX(x)|0>
    return qml.tape.QuantumScript([qml.RX(x, 0), qml.RY(y, 0)],
                                  [qml.expval(qml.Z(0)), qml.probs(wires=0)])


def fd(dev, make, params, h=1e-6):
    """Central differences of every result entry by every parameter (flattened)."""
    def flat(p):
        r = dev.execute(make(*p))
        return onp.concatenate([onp.ravel(v) for v in (r if isinstance(r, tuple) else (r,))])
    cols = []
    for i in range(len(params)):
        up, dn = list(params), list(params)
        up[i] += h
        dn[i] -= h
        cols.append((flat(up) - flat(dn)) / (2 * h))
    return onp.stack(cols, axis=-1)


def test_derivatives_of_one_tape_and_a_batch():
    dev = qml.device("default.qubit")
    x = 0.37
    jac = dev.compute_derivatives(tape_rx(x))
    assert isinstance(jac, onp.ndarray) and jac.shape == ()
    assert jac == pytest.approx(-onp.sin(x), abs=1e-14)
    res, jacs = dev.execute_and_compute_derivatives([tape_rx(x), tape_two(x, 0.5)])
    assert res[0] == pytest.approx(onp.cos(x))
    assert isinstance(jacs, tuple) and len(jacs) == 2
    # tape_two: one tuple per measurement, one entry per parameter
    (dz_dx, dz_dy), (dp_dx, dp_dy) = jacs[1]
    assert dz_dx == pytest.approx(-onp.sin(x) * onp.cos(0.5), abs=1e-14)
    assert dz_dy == pytest.approx(-onp.cos(x) * onp.sin(0.5), abs=1e-14)
    flat = onp.stack([onp.concatenate([onp.ravel(dz_dx), dp_dx]),
                      onp.concatenate([onp.ravel(dz_dy), dp_dy])], axis=-1)
    assert onp.allclose(flat, fd(dev, tape_two, [x, 0.5]), atol=1e-8)


def test_jvp_and_vjp_are_the_jacobian_products():
    dev = qml.device("default.qubit")
    x, y = 0.3, -0.8
    J = fd(dev, tape_two, [x, y])  # rows: <Z>, p0, p1
    t = (0.456, -1.2)
    jvp = dev.compute_jvp(tape_two(x, y), t)
    assert isinstance(jvp, tuple) and len(jvp) == 2
    assert onp.allclose(onp.concatenate([onp.ravel(jvp[0]), jvp[1]]), J @ onp.array(t), atol=1e-8)
    cot = (0.7, onp.array([0.1, -0.3]))
    vjp = dev.compute_vjp(tape_two(x, y), cot)
    assert onp.allclose(vjp, onp.array([0.7, 0.1, -0.3]) @ J, atol=1e-8)
    # batches; one tape's tuple of one tangent
    res, jvps = dev.execute_and_compute_jvp([tape_rx(x)], [(0.5,)])
    assert jvps[0] == pytest.approx(-onp.sin(x) * 0.5) and res[0] == pytest.approx(onp.cos(x))
    res, vjps = dev.execute_and_compute_vjp([tape_rx(x)], [(0.5,)])
    assert onp.allclose(vjps[0], -onp.sin(x) * 0.5)
    with pytest.raises(DeviceError, match="one number per trainable parameter"):
        dev.compute_jvp(tape_two(x, y), (1.0,))


def test_setup_execution_config_resolves_as_default_qubit():
    dev = qml.devices.DefaultQubit()
    config = dev.setup_execution_config(ExecutionConfig(gradient_method="best"))
    assert config.gradient_method == "backprop" and config.use_device_gradient
    assert not config.grad_on_execution and not config.use_device_jacobian_product
    adj = dev.setup_execution_config(ExecutionConfig(gradient_method="adjoint"))
    assert adj.use_device_gradient and adj.grad_on_execution and adj.use_device_jacobian_product
    assert set(adj.device_options) == {"max_workers", "rng", "prng_key"}
    assert adj.mcm_config == MCMConfig(mcm_method="deferred")
    shots = qml.tape.QuantumScript([], [qml.sample(wires=0)], shots=10)
    assert dev.setup_execution_config(None, shots).mcm_config.mcm_method == "one-shot"
    with pytest.raises(DeviceError, match="device option foo not present"):
        dev.setup_execution_config(ExecutionConfig(device_options={"foo": 1}))
    with pytest.raises(DeviceError, match="fill-shots"):
        dev.setup_execution_config(ExecutionConfig(
            mcm_config=MCMConfig(mcm_method="one-shot", postselect_mode="fill-shots")))
    with pytest.raises(DeviceError, match="not supported on default.qubit"):
        dev.setup_execution_config(ExecutionConfig(mcm_config={"mcm_method": "single-branch-statistics"}))


def test_preprocess_gives_a_pipeline_that_checks_wires():
    dev = qml.device("default.qubit", wires=2)
    program, config = dev.preprocess()
    assert isinstance(program, qml.CompilePipeline) and config.gradient_method is None
    (tape,), fn = program((tape_rx(0.1),))
    assert fn([1.0]) == (1.0,) and tape.operations[0].name == "RX"
    bad = qml.tape.QuantumScript([qml.X(3)], [qml.expval(qml.Z(3))])
    with pytest.raises(WireError, match="wires not found on the device"):
        program((bad,))
    assert isinstance(dev.preprocess_transforms(), qml.CompilePipeline)


def test_supports_derivatives():
    dev = qml.device("default.qubit")
    assert dev.supports_derivatives() and dev.supports_vjp() and dev.supports_jvp()
    for method in ("backprop", "best", "adjoint"):
        assert dev.supports_derivatives(ExecutionConfig(gradient_method=method))
    for method in ("parameter-shift", "finite-diff", "device"):
        assert not dev.supports_derivatives(ExecutionConfig(gradient_method=method))
    adjoint = ExecutionConfig(gradient_method="adjoint")
    sampled = qml.tape.QuantumScript([], [qml.sample()], shots=10)
    assert not dev.supports_derivatives(adjoint, sampled)
    assert not dev.supports_vjp(ExecutionConfig(gradient_method="backprop"), sampled)
    assert dev.supports_derivatives(adjoint, qml.tape.QuantumScript([], [qml.probs([0])]))


class Zero(qml.devices.Device):
    """A user's device: its own execute, nothing else."""

    def execute(self, circuits, execution_config=None):
        return tuple(0.0 for _ in circuits)


def test_a_users_device_class_gets_the_base_class_semantics():
    dev = Zero()
    assert not dev.supports_derivatives()
    assert not dev.supports_derivatives(ExecutionConfig(gradient_method="best"))
    assert dev.setup_execution_config().gradient_method is None
    assert len(dev.preprocess_transforms()) == 0
    with pytest.raises(NotImplementedError):
        dev.compute_derivatives(tape_rx(0.1))

    class WithDerivatives(Zero):
        def compute_derivatives(self, circuits, execution_config=None):
            return tuple(1.0 for _ in circuits)

    d = WithDerivatives()
    assert d.supports_derivatives()
    assert d.setup_execution_config(ExecutionConfig(gradient_method="best")).gradient_method == "device"
    with pytest.raises(ValueError, match="not both"):
        class Both(Zero):  # noqa: F841
            def preprocess(self, execution_config=None):
                return qml.CompilePipeline(), execution_config

            def setup_execution_config(self, config=None, circuit=None):
                return config


def test_execution_config_is_frozen_and_checked():
    config = ExecutionConfig(interface=None, mcm_config={"mcm_method": "deferred"})
    assert config.interface == "numpy" and config.mcm_config.mcm_method == "deferred"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.gradient_method = "adjoint"
    assert dataclasses.replace(config, gradient_method="adjoint").gradient_method == "adjoint"
    with pytest.raises(ValueError, match="grad_on_execution"):
        ExecutionConfig(grad_on_execution="yes")
    with pytest.raises(ValueError, match="not a valid Interface"):
        ExecutionConfig(interface="garbage")
    with pytest.raises(TypeError, match="device_options"):
        ExecutionConfig(device_options=[1])


def test_device_random_state():
    onp.random.seed(42)
    a = qml.devices.DefaultQubit()._rng.random()
    onp.random.seed(42)
    assert qml.devices.DefaultQubit(seed="global")._rng.random() == a
    assert qml.devices.DefaultQubit(seed=onp.random.default_rng(3))._rng.random() == \
        onp.random.default_rng(3).random()
    dev = qml.device("default.qubit", wires=1)
    dev._rng = None  # PennyLane's tests: NumPy's global random functions
    assert dev.rng is onp.random
    onp.random.seed(1)
    first = dev.execute(qml.tape.QuantumScript([qml.Hadamard(0)], [qml.sample(wires=0)], shots=20))
    onp.random.seed(1)
    again = dev.execute(qml.tape.QuantumScript([qml.Hadamard(0)], [qml.sample(wires=0)], shots=20))
    assert onp.array_equal(first, again)


def test_tapes_of_boxed_parameters_are_differentiated_by_autograd():
    """PennyLane's device API with autograd: a tape made of a boxed parameter outside any
    circuit, executed by the device, differentiated exactly."""
    dev = qml.devices.DefaultQubit()

    def f(x):
        qs = qml.tape.QuantumScript([qml.RX(x, wires=0)],
                                    [qml.expval(qml.PauliY(0)), qml.expval(qml.PauliZ(0))])
        return qml.numpy.array(dev.execute(qs))

    x = qml.numpy.array(-0.52)
    assert onp.allclose(f(x), [-onp.sin(-0.52), onp.cos(-0.52)])
    assert onp.allclose(qml.jacobian(f)(x), [-onp.cos(-0.52), -onp.sin(-0.52)], atol=1e-12)


def test_adjoint_preprocessing_splits_broadcast_tapes():
    dev = qml.devices.DefaultQubit()
    x = onp.array([0.536, 0.894])
    qs = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.PauliZ(0))])
    program, config = dev.preprocess(ExecutionConfig(gradient_method="adjoint"))
    batch, fn = program([qs])
    assert len(batch) == 2
    assert onp.allclose(fn(dev.execute(batch, config)), onp.cos(x))


def test_matrix_of_a_boxed_gate_is_refused_by_name():
    x = qml.numpy.array(0.3, requires_grad=True)
    with pytest.raises(qml.DifferentiationError, match="matrix of CRot with a parameter autograd"):
        qml.grad(lambda v: qml.numpy.real(qml.matrix(qml.CRot(v, 0.1, 0.2, [0, 1]))[3, 3]))(x)
    # Rot by PennyLane's closed form (stop 62): Re Rot(p, t, w)[0, 0] = cos((p + w)/2) cos(t/2)
    grad = qml.grad(lambda v: qml.numpy.real(qml.matrix(qml.Rot(v, 0.1, 0.2, 0))[0, 0]))(x)
    assert onp.isclose(grad, -0.5 * onp.sin((0.3 + 0.2) / 2) * onp.cos(0.05), atol=1e-14)
    # a gate of one parameter with a generator: exp(i t G), d/dt Re cos(t/2) = -sin(t/2)/2
    grad = qml.grad(lambda v: qml.numpy.real(qml.matrix(qml.RX(v, 0))[0, 0]))(x)
    assert onp.isclose(grad, -0.5 * onp.sin(0.15))


@pytest.mark.parametrize("shots, measurement, accepted", [
    (None, lambda: qml.expval(qml.X(0)), True),
    (None, lambda: qml.expval(qml.RX(0.123, 0)), False),
    (None, lambda: qml.var(qml.RZ(0.2, 0)), False),
    (None, lambda: qml.state(), True),
    (None, lambda: qml.classical_shadow(wires=[0]), False),
    (100, lambda: qml.expval(qml.X(0) @ qml.Y(1)), True),
    (100, lambda: qml.expval(qml.RX(0.123, 0)), False),
    (100, lambda: qml.state(), False),
    (100, lambda: qml.density_matrix(wires=[0]), False),
    (100, lambda: qml.classical_shadow(wires=[0]), True),
])
def test_preprocess_validates_measurements(shots, measurement, accepted):
    """PennyLane's rule: a device's preprocessing refuses, with a DeviceError, what it
    cannot measure on the tape (analytic or sampled) before anything runs."""
    tape = qml.tape.QuantumScript(measurements=[measurement()], shots=shots)
    program = qml.device("default.qubit").preprocess_transforms()
    if accepted:
        (out,), _ = program([tape])
        assert out.measurements == tape.measurements
    else:
        with pytest.raises(DeviceError, match="not accepted"):
            program([tape])


def test_execution_config_by_pennylanes_module_path():
    from qsym.devices.execution_config import ExecutionConfig as EC, MCMConfig as MC

    assert EC is ExecutionConfig and MC is MCMConfig


def test_jvp_and_vjp_refuse_tangents_that_do_not_fit():
    """A cotangent missing a measurement, shaped unlike its result, complex, or a batch with
    fewer tangents than circuits was summed, broadcast or cut short into a wrong number."""
    dev = qml.device("default.qubit")
    two = tape_two(0.3, -0.8)
    for cot in [(1.0,), (1.0, 1.0), (1.0, onp.array([1.0, 0.0, 2.0])), 1.0]:
        with pytest.raises(DeviceError, match="cotangent"):
            dev.compute_vjp(two, cot)
    with pytest.raises(DeviceError, match="real numbers"):
        dev.compute_vjp(tape_rx(0.3), 1.0 + 1j)
    with pytest.raises(DeviceError, match="real numbers"):
        dev.compute_jvp(tape_rx(0.3), (1j,))
    with pytest.raises(DeviceError, match="2 circuits need 2 cotangents"):
        dev.compute_vjp([tape_rx(0.3), tape_rx(0.4)], [1.0])
    with pytest.raises(DeviceError, match="2 circuits need 2 tangents"):
        dev.compute_jvp([tape_rx(0.3), tape_rx(0.4)], [(1.0,)])


def test_jvp_and_vjp_of_a_shot_vector_are_per_part():
    dev = qml.device("default.qubit", seed=3)
    x = 0.3
    tape = qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0))], shots=[4000, 4000])
    vjp = dev.compute_vjp(tape, (1.0, 2.0))
    jvp = dev.compute_jvp(tape, ((1.0,), (2.0,)))
    assert len(vjp) == 2 and len(jvp) == 2
    for got, scale in [(vjp[0][0], 1), (vjp[1][0], 2), (jvp[0], 1), (jvp[1], 2)]:
        assert got == pytest.approx(-scale * onp.sin(x), abs=scale * 0.08)  # 4000 shots
    with pytest.raises(DeviceError, match="one tangent per part"):
        dev.compute_jvp(tape, (1.0,))


def test_execution_config_freezes_options_and_names_enums():
    """PennyLane's FrozenMapping options, Interface and MCM enums (members equal strings)."""
    import copy

    from qsym.devices.execution_config import MCM_METHOD, POSTSELECT_MODE, FrozenMapping

    config = ExecutionConfig(device_options={"max_workers": None}, interface="autograd",
                             mcm_config=MCMConfig("one-shot", "hw-like"))
    assert isinstance(config.device_options, FrozenMapping) and config.device_options == {
        "max_workers": None}
    with pytest.raises(TypeError, match="FrozenMapping is immutable"):
        config.device_options["max_workers"] = 2
    assert type(copy.copy(config.device_options)) is dict  # copies are plain dicts
    assert isinstance(hash(config), int)  # hashable, as PennyLane's
    assert config.interface is qml.math.Interface.AUTOGRAD and config.interface == "autograd"
    assert qml.math.Interface(None) is qml.math.Interface.NUMPY
    assert config.interface.get_like() == "autograd"
    assert config.mcm_config.mcm_method is MCM_METHOD.ONE_SHOT
    assert config.mcm_config.postselect_mode is POSTSELECT_MODE.HW_LIKE
    assert repr(config.mcm_config) == "MCMConfig(mcm_method='one-shot', postselect_mode='hw-like')"
    replaced = dataclasses.replace(config, gradient_method="adjoint")
    assert replaced.device_options == config.device_options


def test_unsimulated_device_is_made_and_refuses_to_run():
    """A PennyLane device qsym does not simulate can be created (a module that only makes
    it still loads), with a warning; running anything on it is a DeviceError."""
    with pytest.warns(UserWarning, match="qutrits"):
        dev = qml.device("default.qutrit", wires=1)
    assert dev.name == "default.qutrit" and dev.wires == qml.wires.Wires([0])
    node = qml.QNode(lambda: qml.expval(qml.Z(0)), dev)  # decorating is fine
    with pytest.raises(DeviceError, match="qutrits"):
        node()
    with pytest.raises(DeviceError, match="qutrits"):
        dev.execute([qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])])


def test_capabilities_names_and_toml_file(tmp_path):
    from qsym.devices.capabilities import (DeviceCapabilities, ExecutionCondition,
                                           OperatorProperties)

    both = OperatorProperties(True, True, False, [ExecutionCondition.FINITE_SHOTS_ONLY]) & \
        OperatorProperties(True, False, True, [ExecutionCondition.ANALYTIC_MODE_ONLY])
    assert (both.invertible, both.controllable, both.differentiable) == (True, False, False)
    assert set(both.conditions) == {ExecutionCondition.FINITE_SHOTS_ONLY,
                                    ExecutionCondition.ANALYTIC_MODE_ONLY}
    assert DeviceCapabilities().operations == {}
    with pytest.raises(FileNotFoundError):
        type("Missing", (qml.devices.Device,), {"config_filepath": str(tmp_path / "no.toml"),
                                                 "execute": lambda self, c, e=None: (0,)})
    toml = tmp_path / "caps.toml"
    toml.write_text("schema = 3\n")
    assert DeviceCapabilities.from_toml_file(str(toml)) == DeviceCapabilities()


def test_users_device_checks_the_mcm_method():
    """PennyLane's check of a device without capabilities: one-shot needs shots."""
    class Mine(qml.devices.Device):
        def execute(self, circuits, execution_config=None):
            return (0,)

    tape = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    config = ExecutionConfig(mcm_config=MCMConfig(mcm_method="one-shot"))
    with pytest.raises(qml.QuantumFunctionError, match="only supported with finite shots"):
        Mine().setup_execution_config(config, tape)
    with_shots = qml.tape.QuantumScript(tape.operations, tape.measurements, shots=10)
    assert Mine().setup_execution_config(config, with_shots).mcm_config.mcm_method == "one-shot"


def test_validate_measurements_takes_a_devices_rules():
    from qsym.devices.preprocess import validate_measurements

    exact = qml.tape.QuantumScript([], [qml.expval(qml.Z(0)), qml.probs(wires=0)])
    validate_measurements(exact, lambda m: True)
    with pytest.raises(DeviceError, match="not accepted for analytic simulation on dev"):
        validate_measurements(exact, lambda m: m.kind == "probs", name="dev")
    sampled = qml.tape.QuantumScript([], [qml.sample(wires=0)], shots=5)
    validate_measurements(sampled, sample_measurements=lambda m: True)
    with pytest.raises(DeviceError, match="not accepted with finite shots"):
        validate_measurements(sampled, sample_measurements=lambda m: m.kind == "expval")
    with pytest.raises(DeviceError, match="not accepted for analytic simulation"):
        # only the sampled rule given: PennyLane's default analytic rule refuses counts
        validate_measurements(qml.tape.QuantumScript([], [qml.counts(wires=0)]), None,
                              lambda m: True)


def test_measurements_from_samples_processes_each_measurement_by_hand():
    """PennyLane's measurements_from_samples / _counts: one sample (counts) of the measured
    wires after the diagonalizing gates; each measurement computed from it. The samples are
    written here and every expected number counted by hand."""
    from qsym.devices.preprocess import measurements_from_counts, measurements_from_samples

    tape = qml.tape.QuantumScript(
        [qml.RX(0.3, 0)], [qml.expval(qml.Y(0) @ qml.Y(1)), qml.var(qml.X(2)),
                           qml.probs(wires=[3]), qml.counts(wires=[3])], shots=4)
    (new,), fn = measurements_from_samples(tape)
    (wires,) = [list(m.wires) for m in new.measurements]
    assert sorted(wires) == [0, 1, 2, 3] and type(new.measurements[0]).__name__ == "SampleMP"
    assert [op.name for op in new.operations] == ["RX", "PauliZ", "S", "Hadamard", "PauliZ", "S",
                                                  "Hadamard", "Hadamard"]
    rows = {0: [0, 0, 1, 1], 1: [0, 1, 1, 1], 2: [0, 0, 0, 1], 3: [0, 1, 1, 1]}  # 4 shots
    samples = onp.array([[rows[w][s] for w in wires] for s in range(4)])
    yy, var_x, probs, counts = fn([samples])
    assert yy == pytest.approx((1 - 1 + 1 + 1) / 4)  # (-1)^(b0 + b1)
    assert var_x == pytest.approx(1 - 0.5 ** 2)  # eigenvalues +1, +1, +1, -1: mean 0.5
    onp.testing.assert_allclose(probs, [0.25, 0.75])
    assert counts == {"0": 1, "1": 3}
    (new,), fn = measurements_from_counts(tape)
    assert type(new.measurements[0]).__name__ == "CountsMP"
    keyed = {}
    for s in range(4):
        key = "".join(str(rows[w][s]) for w in wires)
        keyed[key] = keyed.get(key, 0) + 1
    yy2, var2, probs2, counts2 = fn([keyed])
    assert (yy2, var2, counts2) == (pytest.approx(yy), pytest.approx(var_x), counts)
    onp.testing.assert_allclose(probs2, probs)


@pytest.mark.parametrize("name", ["measurements_from_samples", "measurements_from_counts"])
def test_measurements_from_samples_on_the_device_agree_with_the_exact_values(name):
    """Executed with shots (a shot vector too), the processed results are within sampling
    error of the closed forms <Y0 Y1> = sin(t) sin(t/2) and Var(Y1) = 1 - sin(t/2)^2."""
    import qsym.devices.preprocess as pre

    t = 2.5
    dev = qml.device("default.qubit", wires=2, seed=7)
    tape = qml.tape.QuantumScript([qml.RX(t, 0), qml.RX(t / 2, 1)],
                                  [qml.expval(qml.Y(0) @ qml.Y(1)), qml.var(qml.Y(1))],
                                  shots=(20000, 20000))
    tapes, fn = getattr(pre, name)(tape)
    copies = fn(qml.execute(tapes, device=dev))
    assert len(copies) == 2
    for yy, var in copies:
        assert yy == pytest.approx(onp.sin(t) * onp.sin(t / 2), abs=0.03)
        assert var == pytest.approx(1 - onp.sin(t / 2) ** 2, abs=0.03)


def test_measurements_from_samples_refusals_and_analytic_tapes():
    """No shots: the tape is kept. A measurement of no wires (before validate_device_wires)
    is PennyLane's RuntimeError; a wire read in two bases a DeviceError naming the split.
    validate_device_wires gives a counts of no wires the device's wires, all_outcomes kept."""
    from qsym.devices.preprocess import measurements_from_samples, validate_device_wires

    tape = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    (same,), _ = measurements_from_samples(tape)
    assert same is tape
    with pytest.raises(RuntimeError, match="validate_device_wires"):
        measurements_from_samples(qml.tape.QuantumScript([], [qml.probs()], shots=10))
    with pytest.raises(DeviceError, match="split_non_commuting"):
        measurements_from_samples(qml.tape.QuantumScript(
            [], [qml.expval(qml.X(0)), qml.expval(qml.Z(0))], shots=10))
    (valid,), _ = validate_device_wires(
        qml.tape.QuantumScript([], [qml.counts(all_outcomes=True)], shots=5), qml.wires.Wires([0, 1]))
    assert list(valid.measurements[0].wires) == [0, 1] and valid.measurements[0].all_outcomes


def test_jvp_of_a_tape_without_parameters_is_zero_and_tracked():
    """PennyLane's adjoint JVP of a tape with no trainable parameter reads no tangent entry:
    0 whatever the tangent; the calls are tracked as PennyLane's default.qubit tracks them
    (test_tracking_execute_and_derivatives's history)."""
    qs = qml.tape.QuantumScript([], [qml.expval(qml.PauliZ(0))])
    dev = qml.device("default.qubit")
    config = qml.devices.ExecutionConfig(gradient_method="adjoint")
    with qml.Tracker(dev) as tracker:
        dev.compute_derivatives(qs, config)
        dev.execute_and_compute_derivatives([qs] * 2, config)
        jvps = dev.compute_jvp([qs] * 3, [(0,)] * 3, config)
        dev.execute_and_compute_jvp([qs] * 4, [(0,)] * 4, config)
        dev.compute_vjp([qs] * 5, [(0,)] * 5, config)
        dev.execute_and_compute_vjp([qs] * 6, [(0,)] * 6, config)
    assert [float(j) for j in jvps] == [0.0, 0.0, 0.0]
    history = {k: v for k, v in tracker.history.items() if k not in ("resources", "errors")}
    assert history == {"executions": [2, 4, 6], "derivatives": [1, 2], "derivative_batches": [1],
                       "execute_and_derivative_batches": [1], "jvps": [3, 4], "jvp_batches": [1],
                       "execute_and_jvp_batches": [1], "vjps": [5, 6], "vjp_batches": [1],
                       "execute_and_vjp_batches": [1]}
    # with a parameter the tangent must have its length: d<Z>/dx of RX(x) is -sin(x)
    one = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.PauliZ(0))])
    assert onp.isclose(dev.compute_jvp([one], [(1.0,)], config)[0], -onp.sin(0.3))
    with pytest.raises(qml.errors.DeviceError, match="one number per trainable parameter"):
        dev.compute_jvp([one], [(1.0, 2.0)], config)


def test_a_spied_execute_gets_the_tapes_after_the_devices_preprocessing():
    """PennyLane's QNode sends ``device.execute`` its tapes after the device's
    ``preprocess_transforms()``: an operator without a matrix arrives decomposed, also
    when a test spies on a built-in device's ``execute`` (the device keeps its own
    pipeline: it is not a user's device class)."""
    dev = qml.device("default.qubit", wires=1)

    class Tripled(qml.operation.Operation):
        num_wires = 1

        def decomposition(self):
            return [qml.RX(3 * self.data[0], wires=self.wires)]

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x):
        Tripled(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    seen, original = [], dev.execute

    def spy(circuits, execution_config=None):
        seen.append(circuits)
        return original(circuits, execution_config)

    dev.execute = spy
    names = [str(t) for t in dev.preprocess_transforms()]
    assert any("decompose" in n for n in names) and any("validate_device_wires" in n for n in names)
    assert onp.isclose(circuit(qml.numpy.array(0.5)), onp.cos(1.5))
    tape = seen[0][0]
    assert [op.name for op in tape.operations] == ["RX"]
    assert onp.isclose(tape.operations[0].parameters[0], 1.5)


def test_execute_with_grad_on_execution_runs_execute_and_compute_derivatives():
    """PennyLane's qml.execute with grad_on_execution=True and the adjoint method runs its
    forward pass through execute_and_compute_derivatives (tracked so); without it one
    batch of executions. The values are <Z> after RY(a) RX(b): cos(a) cos(b)."""
    dev = qml.device("default.qubit")
    a = qml.numpy.array(0.1, requires_grad=True)
    b = qml.numpy.array(0.2, requires_grad=False)

    def run(**kw):
        tapes = [qml.tape.QuantumScript([qml.RY(a, wires=w), qml.RX(b, wires=w)],
                                        [qml.expval(qml.PauliZ(w))]) for w in (0, "a")]
        with dev.tracker:
            res = qml.execute(tapes, dev, diff_method="adjoint", **kw)
        return res, dict(dev.tracker.totals)

    res, totals = run(grad_on_execution=True)
    assert onp.allclose(res, onp.cos(0.1) * onp.cos(0.2))
    assert totals["execute_and_derivative_batches"] == 1 and totals["executions"] == 2
    assert "batches" not in totals
    res, totals = run(grad_on_execution=False)
    assert onp.allclose(res, onp.cos(0.1) * onp.cos(0.2))
    assert totals["batches"] == 1 and "execute_and_derivative_batches" not in totals
    # a parameter that does not require grad (a matrix) is not differentiated there:
    # <Z> after X then RY(a) is -cos(a), its derivative sin(a)
    U = qml.numpy.array([[0, 1], [1, 0]], requires_grad=False)

    def cost(a):
        tape = qml.tape.QuantumScript([qml.QubitUnitary(U, wires=0), qml.RY(a, wires=0)],
                                      [qml.expval(qml.PauliZ(0))])
        return qml.execute([tape], dev, diff_method="adjoint", grad_on_execution=True)[0]

    assert onp.isclose(cost(a), -onp.cos(0.1))
    assert onp.isclose(qml.jacobian(cost)(a), onp.sin(0.1))


def test_grad_on_execution_under_autograd_uses_the_forward_passs_jacobians():
    """Under qml.jacobian, qml.execute with grad_on_execution=True and the adjoint method
    runs the device once (execute_and_compute_derivatives: PennyLane 0.45's counts, one
    batch of three tapes) and its backward pass is those Jacobians: the device is not asked
    again (it ran the tapes again by parameter shift, four more executions). Expected
    values: central finite differences of the same cost, and grad_on_execution=False."""
    dev = qml.device("default.qubit", wires=2)

    def cost(x, goe=True):
        t1 = qml.tape.QuantumScript([qml.RX(x[0], 0), qml.RY(x[1], 1), qml.CNOT([0, 1]), qml.RZ(0.3, 1)],
                                    [qml.expval(qml.Z(1)), qml.probs(wires=[0, 1])])
        t2 = qml.tape.QuantumScript([qml.RY(x[0] * x[1], 0)], [qml.expval(qml.X(0))])
        t3 = qml.tape.QuantumScript([qml.RY(0.2, 0)], [qml.expval(qml.Z(0))])  # not trainable
        r = qml.execute([t1, t2, t3], dev, diff_method="adjoint", grad_on_execution=goe)
        return qml.numpy.hstack([r[0][0], r[0][1], r[1], r[2]])

    x = qml.numpy.array([0.4, 0.9], requires_grad=True)
    with qml.Tracker(dev) as tracker:
        jac = qml.jacobian(cost)(x)
    assert dict(tracker.totals) == {"execute_and_derivative_batches": 1, "executions": 3,
                                    "derivatives": 3}
    h = 1e-6
    fd = onp.stack([(cost(x + h * e) - cost(x - h * e)) / (2 * h) for e in onp.eye(2)], axis=1)
    onp.testing.assert_allclose(jac, fd, atol=1e-7)
    other = qml.jacobian(lambda x: cost(x, goe=False))(x)
    onp.testing.assert_allclose(jac, other, atol=1e-10)
    assert onp.allclose(jac[-1], 0.0)  # the tape without trainable parameters
    # d<Z1>/dx0 by hand: <Z1> = cos(x0) cos(x1) (RZ commutes with Z)
    assert onp.isclose(jac[0, 0], -onp.sin(0.4) * onp.cos(0.9))


def test_grad_on_execution_with_trainable_coefficients_goes_the_general_way():
    """Trainable Hamiltonian coefficients under autograd with grad_on_execution=True: the
    device's Jacobians are by the gates' parameters only, so such tapes take the general
    path (was: ValueError 'setting an array element with a sequence'). Closed form:
    <RY(x)| a Z + b X |RY(x)> = a cos x + b sin x."""
    dev = qml.device("default.qubit", wires=1)

    def cost(x, c):
        H = qml.Hamiltonian(c, [qml.Z(0), qml.X(0)])
        t = qml.tape.QuantumScript([qml.RY(x, 0)], [qml.expval(H)])
        return qml.execute([t], dev, diff_method="adjoint", grad_on_execution=True)[0]

    x, c = qml.numpy.array(0.3, requires_grad=True), qml.numpy.array([0.5, -0.2], requires_grad=True)
    gx, gc = qml.grad(cost, argnum=[0, 1])(x, c)
    assert onp.isclose(gx, -0.5 * onp.sin(0.3) - 0.2 * onp.cos(0.3))
    assert onp.allclose(gc, [onp.cos(0.3), onp.sin(0.3)])
