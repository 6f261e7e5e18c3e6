"""PennyLane 0.45's workflow resolution (qml.workflow.construct_execution_config,
get_best_diff_method, get_compile_pipeline, qml.workflow.resolution): the expected
configurations and pipelines are PennyLane's documented ones, the device pipeline checked
against the device's own preprocess_transforms."""

import pytest

import qsym as qml
from qsym.devices import ExecutionConfig, MCMConfig
from qsym.workflow import construct_execution_config, get_best_diff_method, get_compile_pipeline
from qsym.workflow.resolution import (_resolve_diff_method, _resolve_execution_config,
                                      _resolve_interface, _resolve_mcm_config)


class _Plain(qml.devices.Device):
    """A device with no derivatives of its own."""

    def execute(self, circuits, execution_config=None):
        return 0


def _circuit(x):
    qml.RX(x, wires=0)
    return qml.expval(qml.Z(0))


def test_resolve_diff_method_follows_pennylane():
    dq = qml.device("default.qubit", wires=1)
    assert _resolve_diff_method(ExecutionConfig(gradient_method="best"), dq).gradient_method \
        == "backprop"
    config = ExecutionConfig(gradient_method=None)
    assert _resolve_diff_method(config, dq) is config
    for name, fn in (("parameter-shift", qml.gradients.param_shift),
                     ("finite-diff", qml.gradients.finite_diff),
                     ("spsa", qml.gradients.spsa_grad)):
        assert _resolve_diff_method(ExecutionConfig(gradient_method=name), dq).gradient_method \
            is fn
    plain = _Plain()
    assert _resolve_diff_method(ExecutionConfig(gradient_method="best"), plain).gradient_method \
        is qml.gradients.param_shift
    for method in ("adjoint", "backprop", "device"):
        with pytest.raises(qml.QuantumFunctionError, match=f"does not support {method}"):
            _resolve_diff_method(ExecutionConfig(gradient_method=method), plain)
    with pytest.raises(qml.QuantumFunctionError, match="not recognized"):
        _resolve_diff_method(ExecutionConfig(gradient_method="magic"), plain)
    had = _resolve_diff_method(ExecutionConfig(gradient_method="reversed-hadamard"), plain)
    assert had.gradient_method is qml.gradients.hadamard_grad
    assert had.gradient_keyword_arguments["mode"] == "reversed"
    with pytest.raises(ValueError, match="cannot be provided with a 'mode'"):
        _resolve_diff_method(ExecutionConfig(gradient_method="reversed-hadamard",
                                             gradient_keyword_arguments={"mode": "direct"}), plain)


def test_resolve_interface_and_mcm_config():
    trained = qml.tape.QuantumScript([qml.RX(qml.numpy.array(0.1), 0)])
    plain = qml.tape.QuantumScript([qml.RX(0.1, 0)])
    assert _resolve_interface("auto", [trained]) == qml.math.Interface.AUTOGRAD
    assert _resolve_interface("auto", [plain]) == qml.math.Interface.NUMPY
    numpy = qml.math.Interface.NUMPY
    with pytest.raises(ValueError, match="'one-shot' method .* analytic mode"):
        _resolve_mcm_config(MCMConfig(mcm_method="one-shot"), numpy, False)
    with pytest.raises(ValueError, match="single-branch-statistics"):
        _resolve_mcm_config(MCMConfig(mcm_method="single-branch-statistics"), numpy, True)
    kept = _resolve_mcm_config(MCMConfig(postselect_mode="hw-like"), numpy, True)
    assert kept.postselect_mode == "hw-like"
    assert _resolve_mcm_config(MCMConfig(postselect_mode="hw-like"), numpy,
                               False).postselect_mode is None
    config = _resolve_execution_config(ExecutionConfig(gradient_method="best", interface="auto"),
                                       qml.device("default.qubit"), [trained])
    assert config.gradient_method == "backprop" and config.interface == qml.math.Interface.AUTOGRAD


def test_construct_execution_config_of_a_qnode():
    node = qml.QNode(_circuit, qml.device("default.qubit", wires=1))
    raw = construct_execution_config(node, resolve=False)(0.3)
    assert raw.gradient_method == "best" and raw.use_device_gradient is None
    assert raw.derivative_order == 1 and raw.mcm_config == MCMConfig(None, None)
    resolved = construct_execution_config(node)(qml.numpy.array(0.3))
    assert resolved.gradient_method == "backprop" and resolved.use_device_gradient
    assert resolved.interface == qml.math.Interface.AUTOGRAD
    shifted = qml.QNode(_circuit, qml.device("default.qubit", wires=1),
                        diff_method="parameter-shift", max_diff=2)
    config = construct_execution_config(shifted)(0.3)
    assert config.gradient_method is qml.gradients.param_shift
    assert config.derivative_order == 2 and config.use_device_gradient is False


def test_get_best_diff_method():
    assert get_best_diff_method(qml.QNode(_circuit, qml.device("default.qubit")))(0.1) \
        == "backprop"
    assert get_best_diff_method(qml.QNode(_circuit, _Plain(wires=1)))(0.1) == "parameter-shift"


def test_get_compile_pipeline_levels():
    dev = qml.device("default.qubit", wires=1)

    @qml.transforms.merge_rotations
    @qml.transforms.cancel_inverses
    @qml.qnode(dev, diff_method="parameter-shift")
    def c(x):
        return _circuit(x)

    user = get_compile_pipeline(c)(0.2)
    assert user == c.compile_pipeline and len(user) == 2
    assert get_compile_pipeline(c, "gradient")(0.2) == user  # qsym's gradients need no expansion
    config = construct_execution_config(c)(0.2)
    expected = qml.transforms.core.CompilePipeline(qml.transforms.cancel_inverses,
                                                   qml.transforms.merge_rotations)
    expected += dev.preprocess_transforms(config)
    assert get_compile_pipeline(c, "device")(0.2) == expected
    assert get_compile_pipeline(c, "top")(0.2) == qml.transforms.core.CompilePipeline()
    assert get_compile_pipeline(c, 1)(0.2) == expected[:1]
    assert get_compile_pipeline(c, slice(1, 4))(0.2) == expected[1:4]
    with pytest.raises(ValueError, match="of type .* is not supported"):
        get_compile_pipeline(c, level=[0])
    with pytest.raises(ValueError, match="level nowhere not found in compile pipeline"):
        get_compile_pipeline(c, "nowhere")(0.2)


def test_a_pipeline_applied_to_a_qnode_keeps_its_markers():
    pipeline = qml.transforms.core.CompilePipeline()
    pipeline += qml.transforms.merge_rotations
    pipeline.add_marker("merged")
    pipeline += qml.transforms.cancel_inverses

    node = qml.QNode(_circuit, qml.device("default.qubit", wires=1))
    applied = pipeline(node)
    assert applied.compile_pipeline == pipeline and applied.compile_pipeline.markers == ["merged"]
    assert node.compile_pipeline.markers == []
    assert len(get_compile_pipeline(applied, "merged")(0.1)) == 1


def test_marker_names_a_level_and_bad_levels_are_value_errors():
    @qml.marker("cancelled")
    @qml.transforms.cancel_inverses
    @qml.marker(label="nothing")
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.H(0)
        qml.H(0)
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    assert c.compile_pipeline.markers == ["nothing", "cancelled"]
    assert len(qml.workflow.construct_tape(c, level="nothing")(0.3).operations) == 3
    assert len(qml.workflow.construct_tape(c, level="cancelled")(0.3).operations) == 1
    with pytest.raises(ValueError, match=r"Level bla not found .* Custom levels are "
                                         r"\['nothing', 'cancelled'\]"):
        qml.workflow.construct_batch(c, level="bla")(0.3)
    for bad in ([], 0.5, True):
        with pytest.raises(qml.errors.TransformError, match="not recognized"):
            qml.workflow.construct_batch(c, level=bad)(0.3)
    with pytest.raises(ValueError, match="must be a QNode"):
        qml.marker(_circuit, "x")
    with pytest.raises(ValueError, match="requires a 'label'"):
        qml.marker()
