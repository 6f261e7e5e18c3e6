"""PennyLane 0.45's workflow resolution (qml.workflow.construct_execution_config,
get_best_diff_method, get_compile_pipeline, qml.workflow.resolution): the expected
configurations and pipelines are PennyLane's documented ones, the device pipeline checked
against the device's own preprocess_transforms."""

import math

import numpy as onp
import pytest

import qsym as qml
from qsym.errors import LevelError
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
    # PennyLane's: param_shift's expansion is the "gradient" level (its expand_transform a
    # tape function, bound as qml.transform(...) as PennyLane's tests write it)
    gradient = qml.transforms.core.CompilePipeline(qml.transforms.cancel_inverses,
                                                   qml.transforms.merge_rotations,
                                                   qml.transform(
                                                       qml.gradients.param_shift.expand_transform))
    assert get_compile_pipeline(c, "gradient")(0.2) == gradient
    config = construct_execution_config(c)(0.2)
    expected = qml.transforms.core.CompilePipeline(qml.transforms.cancel_inverses,
                                                   qml.transforms.merge_rotations,
                                                   qml.transform(
                                                       qml.gradients.param_shift.expand_transform))
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


# --- construct_batch beyond the user's transforms (PennyLane's levels) ------------------------
def _embedded():
    @qml.transforms.cancel_inverses
    @qml.qnode(qml.device("default.qubit", wires=3), diff_method="parameter-shift")
    def c(x, order):
        qml.AngleEmbedding(x, wires=[0, 1])
        qml.Permute(order, wires=[0, 1, 2])
        qml.X(0)
        qml.X(0)
        return qml.expval(qml.Z(0))

    return c


def test_construct_batch_gradient_level_opens_trainable_templates():
    c = _embedded()
    x = qml.numpy.array([0.3, 0.7])
    (user,), _ = qml.workflow.construct_batch(c, level="user")(x, [2, 1, 0])
    assert [op.name for op in user.operations] == ["AngleEmbedding", "Permute"]
    for level in ("gradient", 2):  # cancel_inverses, then param_shift's expansion
        (tape,), fn = qml.workflow.construct_batch(c, level=level)(x, [2, 1, 0])
        # AngleEmbedding(x) is RX(x_i) on wire i (its definition); Permute has no trainable data
        assert [(op.name, list(op.wires)) for op in tape.operations] == \
            [("RX", [0]), ("RX", [1]), ("Permute", [0, 1, 2])]
        assert [float(op.data[0]) for op in tape.operations[:2]] == [0.3, 0.7]
        assert all(qml.math.requires_grad(op.data[0]) for op in tape.operations[:2])
        assert tape.trainable_params == [0, 1]
        assert fn(("a",)) == ("a",)
    # a constant template is not opened by the gradient expansion
    (tape,), _ = qml.workflow.construct_batch(c, level="gradient")(onp.array([0.3, 0.7]), [2, 1, 0])
    assert [op.name for op in tape.operations] == ["AngleEmbedding", "Permute"]


def test_construct_batch_device_level_runs_the_device_pipeline():
    c = _embedded()
    x = onp.array([0.3, 0.7])
    # (level=None is refused, as PennyLane 0.45.1's _validate_level refuses it)
    with pytest.raises(LevelError, match="level None not recognized"):
        qml.workflow.construct_batch(c, level=None)(x, [2, 1, 0])
    for level in ("device",):
        (tape,), _ = qml.workflow.construct_batch(c, level=level)(x, [2, 1, 0])
        # default.qubit decomposes the templates: Permute([2, 1, 0]) swaps wires 0 and 2
        assert [(op.name, list(op.wires)) for op in tape.operations] == \
            [("RX", [0]), ("RX", [1]), ("SWAP", [0, 2])]
        # a second method: the device tape's value is the QNode's, <Z0> = <Z2 before> = 1
        assert qml.math.allclose(qml.execute([tape], qml.device("default.qubit", wires=3))[0],
                                 c(x, [2, 1, 0]))
        assert qml.math.allclose(c(x, [2, 1, 0]), 1.0)
    pipeline = get_compile_pipeline(c, "device")(x, [2, 1, 0])
    (tape,), _ = qml.workflow.construct_batch(c, level=slice(0, len(pipeline)))(x, [2, 1, 0])
    assert [op.name for op in tape.operations] == ["RX", "RX", "SWAP"]


def test_param_shift_expansion_splits_measurements_of_trainable_observables():
    expand = qml.gradients.param_shift.expand_transform
    h = qml.Hermitian(qml.numpy.array([[1.0, 0.0], [0.0, -1.0]]), wires=0)  # trainable data
    tape = qml.tape.QuantumScript([qml.RX(qml.numpy.array(0.4), 0)],
                                  [qml.expval(h), qml.expval(qml.X(0) + qml.Z(0))])
    (new,), fn = expand(tape)
    # PennyLane's split_to_single_terms: one measurement per term, recombined by fn
    assert len(new.measurements) == 3
    values = qml.execute([new], qml.device("default.qubit", wires=1))[0]
    # RX(0.4)|0>: <Z> = cos(0.4), <X> = 0; the Hermitian here is Z
    assert qml.math.allclose(fn([values]), [math.cos(0.4), math.cos(0.4)])
    untouched = qml.tape.QuantumScript([qml.RX(0.4, 0)], [qml.expval(qml.Z(0))])
    (same,), _ = expand(untouched)
    # nothing to open: the tape itself, its trainable parameters as set (plain numbers)
    assert same is untouched and same.trainable_params == [0]


def test_compile_pipeline_of_a_metric_tensor():
    """PennyLane's pipeline of qml.metric_tensor(qnode): the QNode's transforms, then the
    metric tensor's expansion and tape transform, then the gradient and device levels."""
    dev = qml.device("default.qubit", wires=2)

    @qml.metric_tensor
    @qml.transforms.cancel_inverses
    @qml.qnode(dev, diff_method="parameter-shift")
    def g(x):
        qml.RX(x, 0)
        qml.RY(x, 1)
        return qml.expval(qml.Z(0))

    x = qml.numpy.array(0.3, requires_grad=True)
    user = get_compile_pipeline(g)(x)
    assert [t.tape_transform for t in user] == [
        qml.transforms.cancel_inverses.tape_transform, qml.metric_tensor.expand_transform,
        qml.metric_tensor.tape_transform]
    gradient = get_compile_pipeline(g, "gradient")(x)
    assert gradient[:3] == user and len(gradient) == 4
    assert gradient[3] == qml.transforms.core.BoundTransform(
        qml.transform(qml.gradients.param_shift.expand_transform))
    config = construct_execution_config(g)(x)  # (a transformed QNode, as PennyLane 0.45's)
    assert get_compile_pipeline(g, "device")(x)[4:] == dev.preprocess_transforms(config)
    # construct_batch runs that pipeline: one probs tape per layer (one layer here),
    # whose processing gives Var(X)/4 = Var(Y)/4 = 1/4 on |0>
    tapes, fn = qml.workflow.construct_batch(g, level="user")(x)
    assert len(tapes) == 1 and tapes[0].measurements[0].kind == "probs"
    assert onp.allclose(fn(qml.execute(tapes, dev))[0], onp.eye(2) / 4)
    assert onp.isclose(g(x), 0.5)  # d(x, x): 1/4 + 1/4


def test_compile_pipeline_of_an_adjoint_metric_tensor():
    """qml.adjoint_metric_tensor is informative, as PennyLane's: its pipeline stops there
    (no gradient or device transforms after it)."""
    @qml.adjoint_metric_tensor
    @qml.transforms.merge_rotations
    @qml.qnode(qml.device("default.qubit", wires=1))
    def g(x):
        qml.RX(x[0], 0)
        qml.RY(x[1], 0)
        return qml.expval(qml.Z(0))

    x = qml.numpy.array([0.54, 0.12], requires_grad=True)
    pipeline = get_compile_pipeline(g)(x)
    assert [t.tape_transform for t in pipeline] == [
        qml.transforms.merge_rotations.tape_transform,
        qml.adjoint_metric_tensor.expand_transform, qml.adjoint_metric_tensor.tape_transform]
    assert get_compile_pipeline(g, "device")(x) == pipeline
    assert onp.allclose(g(x), onp.diag([0.25, onp.cos(0.54) ** 2 / 4]))
    # of a tape: a trainable Rot(a, b, c) = RZ(c) RY(b) RZ(a) is expanded, its tensor on
    # |0> is diag(0, 1/4, sin(b)^2 / 4) (RZ on |0>: no variance)
    t = qml.tape.QuantumScript([qml.Rot(*(qml.numpy.array(v) for v in (0.1, 0.2, 0.3)),
                                        wires=0)], [qml.expval(qml.Z(0))])
    (expanded,), _ = qml.adjoint_metric_tensor.expand_transform(t)
    assert [op.name for op in expanded.operations] == ["RZ", "RY", "RZ"]
    assert onp.allclose(qml.adjoint_metric_tensor(t), onp.diag([0, 0.25, onp.sin(0.2) ** 2 / 4]))


# --- "best" per device (PennyLane 0.45.1 with PennyLane-Lightning: each device's own
# supports_derivatives; the expected names are PennyLane's) ---------------------------------
def _two_angles(kind):
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.CNOT([0, 1])
        qml.RY(x[1], wires=1)
        return qml.expval(qml.Z(1)) if kind == "expval" else qml.probs(wires=1)
    return circuit


@pytest.mark.parametrize("name, kind, expected", [
    ("default.qubit", "expval", "backprop"), ("default.qubit", "probs", "backprop"),
    ("lightning.qubit", "expval", "adjoint"),
    ("lightning.qubit", "probs", "parameter-shift"),  # its adjoint method: expvals only
    ("reference.qubit", "expval", "parameter-shift"),  # no derivatives of its own
    ("default.mixed", "expval", "backprop")])
def test_best_resolves_as_each_pennylane_device(name, kind, expected):
    node = qml.QNode(_two_angles(kind), qml.device(name, wires=2))
    assert get_best_diff_method(node)(onp.array([0.3, 0.2])) == expected


def test_supports_derivatives_is_each_devices_own():
    methods = ("backprop", "adjoint", "best", "device")
    table = {name: [qml.device(name, wires=1).supports_derivatives(
        ExecutionConfig(gradient_method=m)) for m in methods]
        for name in ("default.qubit", "lightning.qubit", "default.mixed", "reference.qubit")}
    assert table == {"default.qubit": [True, True, True, False],
                     "lightning.qubit": [False, True, True, False],
                     "default.mixed": [True, False, True, False],
                     "reference.qubit": [False, False, False, False]}
    assert qml.device("reference.qubit", wires=1).supports_derivatives() is False
    best = ExecutionConfig(gradient_method="best")
    assert qml.device("lightning.qubit", wires=1).setup_execution_config(best).gradient_method \
        == "adjoint"
    reference = qml.device("reference.qubit", wires=1).setup_execution_config(best)
    assert reference.gradient_method == "best"  # no derivatives: nothing filled in
    assert (reference.use_device_gradient, reference.grad_on_execution) == (None, None)


def test_cv_tape_resolves_to_param_shift_cv():
    dev = qml.device("default.gaussian", wires=1)
    tape = qml.tape.QuantumScript([qml.Displacement(0.5, 0.0, wires=0)])
    config = _resolve_diff_method(ExecutionConfig(gradient_method="parameter-shift"), dev, tape)
    assert config.gradient_method is qml.gradients.param_shift_cv
    assert config.gradient_keyword_arguments["dev"] is dev
    plain = qml.tape.QuantumScript([qml.Identity(wires=0)])
    config = _resolve_diff_method(ExecutionConfig(gradient_method="parameter-shift"), dev, plain)
    assert config.gradient_method is qml.gradients.param_shift

    def displaced(x):
        qml.Displacement(x, 0.0, wires=0)
        return qml.expval(qml.X(0))
    assert get_best_diff_method(qml.QNode(displaced, dev, interface=None))(0.5) \
        == "parameter-shift"


@pytest.mark.parametrize("diff_method", [None, "best"])
def test_best_on_lightning_is_recorded_as_pennylanes_adjoint(diff_method):
    """PennyLane's "best" on lightning.qubit is its adjoint method: a Jacobian is one
    execution with one derivative; measuring probabilities it is parameter shift
    (1 + 2 shifted circuits per parameter)."""
    from qsym import numpy as pnp

    kw = {} if diff_method is None else {"diff_method": diff_method}
    x = pnp.array([0.3, 0.2], requires_grad=True)
    dev = qml.device("lightning.qubit", wires=2)
    node = qml.QNode(_two_angles("expval"), dev, **kw)
    with qml.Tracker(dev) as tracker:
        jac = qml.jacobian(node)(x)
    # <Z1> = cos(x0) cos(x1)
    assert onp.allclose(jac, [-math.sin(0.3) * math.cos(0.2), -math.cos(0.3) * math.sin(0.2)])
    assert tracker.totals["executions"] == 1 and tracker.totals["derivatives"] == 1
    probs = qml.QNode(_two_angles("probs"), dev, **kw)
    with qml.Tracker(dev) as tracker:
        qml.jacobian(probs)(x)
    assert tracker.totals["executions"] == 5 and "derivatives" not in tracker.totals


def test_best_on_reference_qubit_is_parameter_shift():
    from qsym import numpy as pnp

    dev = qml.device("reference.qubit", wires=2)
    node = qml.QNode(_two_angles("expval"), dev, diff_method="best")
    with qml.Tracker(dev) as tracker:
        jac = qml.jacobian(node)(pnp.array([0.3, 0.2], requires_grad=True))
    assert onp.allclose(jac, [-math.sin(0.3) * math.cos(0.2), -math.cos(0.3) * math.sin(0.2)])
    assert tracker.totals["executions"] == 5 and "derivatives" not in tracker.totals
