"""qml.workflow.run and qml.workflow._setup_transform_program (qsym/_workflow_run.py):
results and autograd derivatives of small tapes against derivatives written by hand, the
contents of the transform programs, the cache, and the errors."""

from dataclasses import replace

import autograd
import numpy as np
import pytest

import qsym as qml
from qsym.devices import ExecutionConfig
from qsym.errors import QuantumFunctionError

A, B = 0.3, 0.7


def _config(**kw):
    return ExecutionConfig(interface="autograd", **kw)


CONFIGS = {
    "param_shift": _config(gradient_method="parameter-shift"),
    "finite_diff": _config(gradient_method="finite-diff", gradient_keyword_arguments={"h": 1e-7}),
    "adjoint": _config(gradient_method="adjoint"),
    "adjoint_vjp": _config(gradient_method="adjoint", use_device_jacobian_product=True),
    "adjoint_on_execution": _config(gradient_method="adjoint", grad_on_execution=True),
    "backprop": _config(gradient_method="backprop"),
}


def _run(tapes, dev, config, cache=None):
    resolved = qml.workflow._resolve_execution_config(config, dev, tapes)
    _, inner = qml.workflow._setup_transform_program(dev, resolved, cache=cache)
    return qml.workflow.run(tapes, dev, resolved, inner)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_results_and_jacobian_by_hand(name):
    dev = qml.device("default.qubit")
    tol = 1e-5 if name == "finite_diff" else 1e-8

    def cost(a, b):
        ops = [qml.RY(a, wires=0), qml.RX(b, wires=1), qml.CNOT(wires=[0, 1])]
        tape = qml.tape.QuantumScript(ops, [qml.expval(qml.Z(0)), qml.expval(qml.Y(1))])
        return autograd.numpy.hstack(_run([tape], dev, CONFIGS[name])[0])

    a, b = qml.numpy.array(A), qml.numpy.array(B)
    # <Z0> = cos a; <Y1> = -cos a sin b
    assert np.allclose(cost(a, b), [np.cos(A), -np.cos(A) * np.sin(B)], atol=1e-10)
    da, db = qml.jacobian(cost)(a, b)
    assert np.allclose(da, [-np.sin(A), np.sin(A) * np.sin(B)], atol=tol)
    assert np.allclose(db, [0.0, -np.cos(A) * np.cos(B)], atol=tol)


@pytest.mark.parametrize("name", ["param_shift", "adjoint"])
def test_two_tapes_one_trainable(name):
    dev = qml.device("default.qubit")

    def cost(a, b):
        t1 = qml.tape.QuantumScript([qml.RY(a, 0), qml.RX(b, 0)], [qml.expval(qml.Z(0))])
        t2 = qml.tape.QuantumScript([qml.RY(a, "w"), qml.RX(b, "w")], [qml.expval(qml.Z("w"))])
        r1, r2 = _run([t1, t2], dev, CONFIGS[name])
        return r1 + 2 * r2

    a = qml.numpy.array(A, requires_grad=True)
    b = qml.numpy.array(B, requires_grad=False)
    with dev.tracker:
        value = cost(a, b)
    assert dev.tracker.totals["executions"] == 2
    assert np.isclose(value, 3 * np.cos(A) * np.cos(B))  # <Z> = cos a cos b
    assert np.isclose(qml.grad(cost)(a, b), -3 * np.sin(A) * np.cos(B))


def test_second_derivative_by_nested_parameter_shift():
    dev = qml.device("default.qubit")
    config = replace(CONFIGS["param_shift"], derivative_order=2)

    def cost(a):
        tape = qml.tape.QuantumScript([qml.RX(a, 0)], [qml.expval(qml.Z(0))])
        return _run([tape], dev, config)[0]

    a = qml.numpy.array(A)
    assert np.isclose(qml.grad(qml.grad(cost))(a), -np.cos(A))  # d2/da2 cos a


def test_numpy_interface_runs_the_inner_program():
    dev = qml.device("default.qubit")
    tape = qml.tape.QuantumScript([qml.RX(np.pi, 0), qml.RX(np.pi, 0)], [qml.expval(qml.Z(0))])
    inner = qml.CompilePipeline(qml.transforms.merge_rotations)
    config = ExecutionConfig(interface="numpy", gradient_method=qml.gradients.param_shift)
    with dev.tracker:
        (res,) = qml.workflow.run([tape], dev, config, inner)
    assert np.isclose(res, 1.0)  # RX(2 pi) = -I
    assert dev.tracker.history["resources"][0].num_gates == 1  # merged before the device


def test_no_gradient_method_refuses_derivatives():
    dev = qml.device("default.qubit")
    config = _config(gradient_method=None)

    def cost(a):
        tape = qml.tape.QuantumScript([qml.RX(a, 0)], [qml.expval(qml.Z(0))])
        return qml.workflow.run([tape], dev, config, qml.CompilePipeline())[0]

    assert np.isclose(cost(qml.numpy.array(A)), np.cos(A))
    with pytest.raises(QuantumFunctionError):
        qml.grad(cost)(qml.numpy.array(A))


# --- the programs ----------------------------------------------------------------------------
def test_device_program_outside_when_the_device_differentiates():
    dev = qml.device("default.qubit")
    device_program = dev.preprocess_transforms(ExecutionConfig())
    outer, inner = qml.workflow._setup_transform_program(dev, ExecutionConfig(use_device_gradient=True))
    assert outer == device_program and not inner
    outer, inner = qml.workflow._setup_transform_program(dev, ExecutionConfig())
    assert not outer and inner == device_program


def test_numpy_conversion_only_without_interface_data():
    dev = qml.device("default.qubit")
    convert = qml.transforms.convert_to_numpy_parameters
    _, inner = qml.workflow._setup_transform_program(dev, _config(gradient_method="adjoint"))
    assert convert in inner
    for config in (_config(gradient_method="backprop"),
                   ExecutionConfig(interface="numpy", gradient_method="adjoint"),
                   _config(gradient_method="adjoint", convert_to_numpy=False)):
        assert convert not in qml.workflow._setup_transform_program(dev, config)[1]


def test_cache_options():
    dev = qml.device("default.qubit")
    config = ExecutionConfig()
    cache_transform = qml.workflow._cache_transform
    _, inner = qml.workflow._setup_transform_program(dev, config, cache=True, cachesize=7)
    assert inner[-1].tape_transform == cache_transform.tape_transform
    assert inner[-1].kwargs["cache"].maxsize == 7
    mine = {}
    assert qml.workflow._setup_transform_program(dev, config, cache=mine)[1][-1].kwargs["cache"] is mine
    for cache in (None, False, "auto"):  # "auto": only for higher-order derivatives
        assert cache_transform not in qml.workflow._setup_transform_program(dev, config, cache=cache)[1]
    second = replace(config, derivative_order=2)
    assert cache_transform in qml.workflow._setup_transform_program(dev, second, cache="auto")[1]


def test_cache_answers_a_repeated_tape_without_the_device():
    dev = qml.device("default.qubit")
    tape = qml.tape.QuantumScript([qml.RY(A, 0)], [qml.expval(qml.Z(0))])
    cache = {}
    config = ExecutionConfig(interface="numpy")
    _, inner = qml.workflow._setup_transform_program(dev, config, cache=cache)
    first = qml.workflow.run([tape], dev, config, inner)
    with dev.tracker:
        again = qml.workflow.run([tape.copy()], dev, config, inner)
    assert dev.tracker.totals.get("executions", 0) == 0
    assert np.isclose(first[0], np.cos(A)) and np.isclose(again[0], np.cos(A))
    assert list(cache) == [tape.hash]


def test_module_paths():
    from qsym.workflow._cache_transform import _cache_transform
    from qsym.workflow._setup_transform_program import _setup_transform_program
    from qsym.workflow.interfaces.autograd import autograd_execute
    from qsym.workflow.run import run

    assert run is qml.workflow.run
    assert _setup_transform_program is qml.workflow._setup_transform_program
    assert _cache_transform is qml.workflow._cache_transform
    assert callable(autograd_execute)


# --- errors ----------------------------------------------------------------------------------
def _tape():
    return qml.tape.QuantumScript([qml.RX(qml.numpy.array(A), 0)], [qml.expval(qml.Z(0))])


def test_gradient_transform_with_grad_on_execution_is_refused():
    config = _config(gradient_method=qml.gradients.param_shift, grad_on_execution=True)
    with pytest.raises(ValueError, match="grad_on_execution=True"):
        qml.workflow.run([_tape()], qml.device("default.qubit"), config, qml.CompilePipeline())


@pytest.mark.parametrize("interface", ["torch", "jax", "tf"])
def test_other_interfaces_are_refused_by_name(interface):
    config = ExecutionConfig(interface=interface, gradient_method=qml.gradients.param_shift)
    with pytest.raises(QuantumFunctionError, match=f"'{interface}' interface is not supported"):
        qml.workflow.run([_tape()], qml.device("default.qubit"), config, qml.CompilePipeline())


def test_unresolved_configurations_are_refused():
    dev = qml.device("default.qubit")
    with pytest.raises(QuantumFunctionError, match="resolve"):
        qml.workflow.run([_tape()], dev, ExecutionConfig(interface="auto",
                                                         gradient_method="adjoint"),
                         qml.CompilePipeline())
    with pytest.raises(QuantumFunctionError, match="_resolve_execution_config"):
        qml.workflow.run([_tape()], dev, _config(gradient_method="parameter-shift"),
                         qml.CompilePipeline())
    with pytest.raises(ValueError, match="cache='yes'"):
        qml.workflow._setup_transform_program(dev, ExecutionConfig(), cache="yes")


def test_cache_transform_reserves_a_tape_for_its_batch():
    cache_transform = qml.workflow._cache_transform
    tape = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    twin = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))])
    tapes, fn = cache_transform([tape, twin, tape], cache={})
    assert len(tapes) == 1  # identical tapes of one batch run once (PennyLane's)
    assert fn(((1.5,),)) == ((1.5,), (1.5,), (1.5,))
    cache = {}
    cache_transform(tape, cache=cache)  # reserved, never postprocessed
    _, hit = cache_transform(tape, cache=cache)
    with pytest.raises(RuntimeError, match="missing from the execution cache"):
        hit(((),))
    shots = qml.tape.QuantumScript([], [qml.expval(qml.Z(0))], shots=1)
    _, fn = cache_transform([shots, shots], cache={})
    with pytest.warns(UserWarning, match="Cached execution with finite shots detected"):
        fn(((1.0,),))


def test_execute_cache_is_keyed_by_the_tape_hash():
    dev = qml.device("default.qubit", wires=1)
    tape = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    cache = {}
    with qml.Tracker(dev) as tracker:
        first = qml.execute([tape, tape], dev, cache=cache)
        again = qml.execute([tape], dev, cache=cache)
    assert list(cache) == [tape.hash] and cache[tape.hash] == -1.0  # <Z> of |1>
    assert list(first) == [-1.0, -1.0] and list(again) == [-1.0]
    assert tracker.totals["executions"] == 1
