"""PennyLane 0.45's QNode semantics (issue #18, PennyLane's workflow/test_qnode.py): per-call
shots, set_shots' argument patterns, validation errors, returned pytrees, MCMConfig,
copies and deprecations. Numbers come from closed forms (RX(x)|0>: <Z> = cos x, probs
[cos^2(x/2), sin^2(x/2)]) and finite differences."""
import copy
import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.exceptions import PennyLaneDeprecationWarning

X = 0.7


def _rx(x):
    qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))


def _dev(n=1):
    return qml.device("default.qubit", wires=n, seed=11)


def test_per_call_shots_keyword():
    @qml.qnode(_dev())
    def c(x):
        qml.RX(x, wires=0)
        return qml.sample(qml.PauliZ(0))

    with pytest.warns(PennyLaneDeprecationWarning, match="Specifying 'shots' when executing"):
        assert c(X, shots=7).shape == (7,)
    node = qml.QNode(_rx, _dev())
    with pytest.warns(PennyLaneDeprecationWarning):
        one = [node(X, shots=1) for _ in range(20)]
    assert set(onp.round(one, 12)) <= {-1.0, 1.0} and onp.std(one) > 0
    assert node(X) == pytest.approx(onp.cos(X), abs=1e-12)  # exact again
    assert node.shots.total_shots is None
    # shots set on the QNode win over the keyword, with PennyLane's warning
    fixed = qml.set_shots(c, 5)
    with pytest.warns(UserWarning, match="Both 'shots=' parameter and 'set_shots'"):
        assert fixed(X, shots=25).shape == (5,)
    tape = qml.workflow.construct_tape(node)
    with pytest.warns(PennyLaneDeprecationWarning):
        t = tape(X, shots=[1, 1, 2])
    assert t.shots.total_shots == 4 and t.shots.shot_vector == ((1, 2), (2, 1))


def test_circuit_function_with_its_own_shots_parameter():
    def f(a, shots=0):
        qml.RX(a, wires=shots)
        return qml.expval(qml.PauliZ(0))

    with pytest.warns(UserWarning, match="'shots' argument name is reserved"):
        node = qml.QNode(f, _dev(2))
    assert node(X) == pytest.approx(onp.cos(X), abs=1e-12)
    assert node(X, shots=1) == pytest.approx(1.0, abs=1e-12)  # RX on wire 1: <Z0> = 1


def test_shots_property_is_read_only_and_device_shots_warn():
    node = qml.QNode(_rx, _dev())
    with pytest.raises(AttributeError, match="Shots cannot be set on a qnode instance"):
        node.shots = 5
    with pytest.warns(PennyLaneDeprecationWarning, match="Setting shots on device is deprecated"):
        dev = qml.device("default.qubit", wires=1, shots=42)
    assert dev._shots == qml.measurements.Shots(42)
    assert qml.QNode(_rx, dev).shots == qml.measurements.Shots(42)


@pytest.mark.parametrize("args, kwargs, message", [
    (("not a qnode",), {"shots": 1}, "set_shots can only be applied to QNodes"),
    ((None,), {"shots": 1}, "set_shots can only be applied to QNodes"),
    ((lambda: 1,), {"shots": 1}, "set_shots can only be applied to QNodes"),
    ((), {}, "Invalid arguments to set_shots"),
    ((100, 200), {}, "set_shots can only be applied to QNodes"),
])
def test_set_shots_argument_patterns(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        qml.set_shots(*args, **kwargs)


def test_set_shots_forms():
    node = qml.QNode(_rx, _dev())
    for made in (qml.set_shots(node, 3), qml.set_shots(node, shots=3), qml.set_shots(3)(node),
                 qml.set_shots(shots=3)(node)):
        assert made.shots.total_shots == 3 and made._shots_override_device
    assert node.shots.total_shots is None


def test_cache_with_finite_shots_repeats_and_warns():
    @qml.set_shots(50)
    @qml.qnode(_dev(), cache={})
    def c(x):
        qml.RX(x, wires=0)
        return qml.sample(qml.PauliZ(0))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = c(X)
    with pytest.warns(UserWarning, match="Cached execution with finite shots detected"):
        again = c(X)
    onp.testing.assert_array_equal(first, again)


def test_validation_errors():
    dev = _dev()
    with pytest.raises(qml.QuantumFunctionError, match="Invalid device"):
        qml.QNode(_rx, None)
    with pytest.raises(qml.QuantumFunctionError, match="Differentiation method hello not recognized"):
        qml.QNode(_rx, dev, diff_method="hello")
    with pytest.raises(ValueError, match="Differentiation method 5 must be a str, Transform, or None"):
        qml.QNode(_rx, dev, diff_method=5)
    pattern = r"'something' is not a valid Interface\. Please use one of the supported interfaces: \[.*\]\."
    with pytest.raises(ValueError, match=pattern):
        qml.QNode(_rx, dev, interface="something")
    node = qml.QNode(_rx, dev)
    with pytest.raises(ValueError, match=pattern):
        node.interface = "something"
    node.interface = "autograd"
    assert node.interface == "autograd"
    adjoint = qml.QNode(_rx, dev, diff_method="adjoint")
    with pytest.raises(qml.QuantumFunctionError, match="does not support adjoint with requested circuit"):
        qml.set_shots(adjoint, shots=1)(X)
    assert repr(node) == (f"<QNode: device='{dev}', interface='autograd', "
                          "diff_method='best', shots='Shots(total=None)'>")


def test_diff_method_names_kept_and_hadamard_exact():
    dev = _dev(2)
    for name in ("best", "backprop", "finite-diff", "spsa", "hadamard",
                 "parameter-shift", "adjoint"):
        assert qml.QNode(_rx, dev, diff_method=name).diff_method == name
    # "device": default.qubit does not give it (PennyLane 0.45.1 refuses it when made)
    with pytest.raises(qml.QuantumFunctionError, match="does not support device"):
        qml.QNode(_rx, dev, diff_method="device")

    def f(x, y):
        qml.RX(x, wires=[0])
        qml.RY(y, wires=[1])
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    x, y = np.array(0.543), np.array(-0.654)
    # <Z0 X1> = cos(x) sin(y): closed-form derivatives; the standard Hadamard test needs
    # a free wire for its auxiliary qubit (PennyLane's check and message)
    with pytest.raises(qml.WireError, match="The device has no free wire"):
        qml.grad(qml.QNode(f, dev, diff_method="hadamard"))(x, y)
    grad = qml.grad(qml.QNode(f, _dev(3), diff_method="hadamard"))(x, y)
    onp.testing.assert_allclose(grad, [-onp.sin(0.543) * onp.sin(-0.654),
                                       onp.cos(0.543) * onp.cos(-0.654)], atol=1e-12)
    spsa = qml.QNode(f, dev, diff_method="spsa")
    assert spsa(x, y) == pytest.approx(onp.cos(0.543) * onp.sin(-0.654), abs=1e-12)
    # differentiated by SPSA (PennyLane's spsa_grad: h=1e-5, central, one Rademacher
    # direction d from default_rng(seed)): (f(p + h d) - f(p - h d)) / (2 h) / d_k
    spsa = qml.QNode(f, dev, diff_method="spsa", gradient_kwargs={"sampler_rng": 7})
    d = onp.random.default_rng(7).choice([-1, 1], size=2)

    def exact(p):
        return onp.cos(p[0]) * onp.sin(p[1])
    p0, h = onp.array([0.543, -0.654]), 1e-5
    want = (exact(p0 + h * d) - exact(p0 - h * d)) / (2 * h) / d
    onp.testing.assert_allclose(qml.grad(spsa)(x, y), want, atol=1e-9)


def test_pytree_results_keep_their_structure():
    @qml.qnode(_dev(3))
    def c(x):
        qml.RX(x, wires=0)
        qml.measure(2)
        return [(qml.expval(qml.PauliZ(0)), {"p": qml.probs(wires=0)}),
                {"nested": {"x": qml.expval(qml.PauliX(1))}}]

    out = c(X)
    assert isinstance(out, list) and isinstance(out[0], tuple) and set(out[1]) == {"nested"}
    assert out[0][0] == pytest.approx(onp.cos(X), abs=1e-12)
    onp.testing.assert_allclose(out[0][1]["p"], [onp.cos(X / 2) ** 2, onp.sin(X / 2) ** 2],
                                atol=1e-12)
    assert out[1]["nested"]["x"] == pytest.approx(0.0, abs=1e-12)

    @qml.qnode(_dev(2))
    def stacked(x):
        qml.RX(x, wires=0)
        return qml.math.hstack([qml.expval(qml.PauliZ(i)) for i in range(2)])

    assert onp.allclose(stacked(X), [onp.cos(X), 1.0], atol=1e-12)

    @qml.qnode(_dev())
    def d(x):
        qml.RX(x, wires=0)
        return {"z": qml.expval(qml.PauliZ(0))}

    g = qml.grad(lambda x: d(x)["z"])(np.array(X))
    fd = (onp.cos(X + 1e-6) - onp.cos(X - 1e-6)) / 2e-6
    assert g == pytest.approx(fd, abs=1e-8)


@pytest.mark.parametrize("returned", [lambda: 5, lambda: qml.PauliY(0), lambda: [],
                                      lambda: (qml.expval(qml.PauliZ(0)), 5)])
def test_returning_non_measurements(returned):
    def f(x):
        qml.RX(x, wires=0)
        return returned()

    with pytest.raises(qml.QuantumFunctionError, match="must return either a single measurement"):
        qml.QNode(f, _dev())(X)


def test_mcm_config_and_call_checks():
    config = qml.devices.MCMConfig(mcm_method="deferred", postselect_mode="hw-like")
    assert (config.mcm_method, config.postselect_mode) == ("deferred", "hw-like")
    with pytest.raises(ValueError, match="'foo' is not a valid postselect_mode"):
        qml.devices.MCMConfig(postselect_mode="foo")
    with pytest.raises(ValueError, match="'foo' is not a valid mcm_method"):
        qml.QNode(_rx, _dev(), mcm_method="foo")

    def f(x):
        qml.RX(x, 0)
        qml.measure(0)
        return qml.probs(wires=[0])

    one_shot = qml.QNode(f, _dev(2), mcm_method="one-shot")
    with pytest.raises(ValueError, match="Cannot use the 'one-shot' method for mid-circuit"):
        one_shot(X)
    assert qml.set_shots(one_shot, 20)(X).shape == (2,)
    with pytest.raises(ValueError, match="Cannot use mcm_method='single-branch-statistics'"):
        qml.QNode(f, _dev(2), mcm_method="single-branch-statistics")(X)
    assert one_shot.execute_kwargs["mcm_method"] == "one-shot"


def test_copy_deprecation_and_queuing():
    node = qml.QNode(_rx, _dev(), gradient_kwargs={"h": 1e-6})
    twin = copy.copy(node)
    assert twin is not node and twin.func is node.func and twin.device is node.device
    assert twin.gradient_kwargs == node.gradient_kwargs
    assert twin.gradient_kwargs is not node.gradient_kwargs
    assert twin.compile_pipeline is not node.compile_pipeline
    with pytest.warns(PennyLaneDeprecationWarning, match="'transform_program' property"):
        assert len(node.transform_program) == 0
    with qml.queuing.AnnotatedQueue() as q:
        value = node(X)
    assert q.queue == [] and value == pytest.approx(onp.cos(X), abs=1e-12)


def test_execute_cache_with_finite_shots_and_update_keeps_shots():
    dev = _dev()
    tape = qml.tape.QuantumScript([qml.H(0)], [qml.sample(wires=0)], shots=40)
    cache = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (first,) = qml.execute([tape], dev, None, cache=cache)
    with pytest.warns(UserWarning, match="Cached execution with finite shots detected"):
        (again,) = qml.execute([tape], dev, None, cache=cache)
    onp.testing.assert_array_equal(first, again)
    a, b = qml.execute([tape, tape], dev)  # no cache by default: two samplings
    assert a.shape == b.shape == (40, 1) and (a != b).any()
    with pytest.warns(PennyLaneDeprecationWarning):
        dev1 = qml.device("default.qubit", wires=1, shots=100)
        dev2 = qml.device("default.qubit", wires=1, shots=200)
    node = qml.QNode(_rx, dev1)
    with pytest.warns(UserWarning, match="The device's shots value does not match"):
        moved = node.update(device=dev2)
    assert moved.shots == qml.measurements.Shots(100) and moved.device is dev2


def test_measurements_returned_out_of_order():
    def f(x):
        qml.RX(x, wires=0)
        m = qml.expval(qml.PauliZ(0))
        return qml.expval(qml.PauliX(0)), m

    with pytest.raises(qml.QuantumFunctionError, match="returned in the order they are measured"):
        qml.QNode(f, _dev())(X)

    def g(x):
        qml.RX(x, wires=0)
        z = qml.expval(qml.PauliZ(0))
        return {"z": z, "x": qml.expval(qml.PauliX(0))}

    out = qml.QNode(g, _dev())(X)
    assert out["z"] == pytest.approx(onp.cos(X), abs=1e-12) and out["x"] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("diff_method", ["parameter-shift", "finite-diff"])
def test_gradient_kwargs_argnum_restricts_the_tape_parameters(diff_method):
    """PennyLane's gradient_kwargs={"argnum": [...]}: positions among the tape's trainable
    parameters; the others get zero derivatives (a restriction the user asked for). Its
    gradient transforms only: "best" ignores it (tests/test_pl_semantics70.py)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=diff_method, gradient_kwargs={"argnum": [1]})
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))  # cos(x) sin(y)

    x, y = np.array(0.543, requires_grad=True), np.array(-0.654, requires_grad=True)
    assert circuit(x, y) == pytest.approx(onp.cos(0.543) * onp.sin(-0.654))
    dx, dy = qml.grad(circuit)(x, y)
    assert dx == 0.0
    assert dy == pytest.approx(onp.cos(-0.654) * onp.cos(0.543), abs=1e-7)
    both = circuit.update(gradient_kwargs={"argnum": [0, 1]})
    assert qml.grad(both)(x, y)[0] == pytest.approx(-onp.sin(0.543) * onp.sin(-0.654), abs=1e-7)
    with pytest.raises(qml.ArgumentError, match="beyond the tape's 2 trainable"):
        qml.grad(circuit.update(gradient_kwargs={"argnum": [2]}))(x, y)
    with pytest.raises(qml.ArgumentError, match="argnum must be an int"):
        qml.QNode(circuit.func, dev, gradient_kwargs={"argnum": ["a"]})


def test_pennylane_module_paths_of_the_workflow_tests():
    """test_qnode.py's imports: null_decomp (a rule of no gates), qml.typing's names,
    _make_execution_config (PennyLane's fields from a QNode's options)."""
    from qsym.decomposition.decomposition_rule import null_decomp
    from qsym.typing import PostprocessingFn, Result, ResultBatch, TensorLike
    from qsym.workflow.qnode import QNode, _make_execution_config

    assert null_decomp is qml.decomposition.null_decomp and QNode is qml.QNode
    with qml.queuing.AnnotatedQueue() as q:
        null_decomp(0.3, wires=[0, 1], extra="ignored")
    assert q.queue == [] and null_decomp.compute_resources().gate_counts == {}

    class Drop(qml.operation.Operation):
        num_wires = 1

    with qml.decomposition.local_decomps():
        qml.add_decomps(Drop, null_decomp)
        assert qml.decomposition.list_decomps(Drop) == [null_decomp]

    for good in (3, 2.5, 1j, True, [1, 2], (1,), onp.zeros(2), onp.float32(1), np.array(0.5)):
        assert isinstance(good, TensorLike), good
    assert not isinstance("word", TensorLike) and not isinstance(None, TensorLike)
    assert issubclass(onp.ndarray, TensorLike) and not issubclass(str, TensorLike)
    assert PostprocessingFn.__args__[0] == ResultBatch and PostprocessingFn.__args__[1] is Result
    assert qml.typing.__name__ == "qsym.typing"

    mcm = qml.devices.MCMConfig(mcm_method="deferred", postselect_mode="fill-shots")
    assert _make_execution_config(None, "best", mcm) == qml.devices.ExecutionConfig(
        interface="numpy", gradient_keyword_arguments={}, use_device_jacobian_product=False,
        grad_on_execution=None, gradient_method="best", mcm_config=mcm)
    node = qml.QNode(lambda: qml.probs(), qml.device("default.qubit"), interface="autograd",
                     grad_on_execution=True, device_vjp=True,
                     gradient_kwargs={"h": 1e-4})
    config = _make_execution_config(node, "finite-diff")
    assert (config.interface, config.grad_on_execution, config.use_device_jacobian_product,
            dict(config.gradient_keyword_arguments), config.gradient_method) == (
        "autograd", True, True, {"h": 1e-4}, "finite-diff")
    assert config.mcm_config == qml.devices.MCMConfig()
    best = qml.QNode(lambda: qml.probs(), qml.device("default.qubit"), grad_on_execution="best")
    assert _make_execution_config(best).grad_on_execution is None


def test_a_tape_runs_operator_classes_with_their_own_constructor():
    """qml.execute re-makes a tape's operators with new parameters: a user's class whose
    __init__ takes other arguments than (*params, wires) is copied with the new parameters,
    as PennyLane's bind_new_parameters does (cos and -sin of the angle: RX's closed form)."""
    dev = qml.device("default.qubit")

    class Spin(qml.operation.Operation):
        num_params = 1

        def __init__(self, angle, wire):
            super().__init__(angle, wires=[wire])

        def decomposition(self):
            return [qml.RX(self.data[0], wires=self.wires)]

    def run(x):
        tape = qml.tape.QuantumScript([Spin(x, 0)], [qml.expval(qml.PauliZ(0))])
        return qml.execute([tape], dev, diff_method="backprop")[0]

    assert onp.isclose(run(0.4), onp.cos(0.4))
    assert onp.isclose(qml.grad(run)(np.array(0.4)), -onp.sin(0.4))

    class Nothing(qml.operation.Operation):  # PennyLane's test: an operator of no gates
        def __init__(self, labels):
            super().__init__(0.0, wires=labels)

        def decomposition(self):
            return []

    tape = qml.tape.QuantumScript([Nothing([0, 1, 2])], [qml.expval(qml.PauliZ(0))])
    (res,) = qml.execute([tape], dev)
    assert res == 1.0 and qml.math.get_interface(res) == "numpy"


def test_combine_global_phases_keeps_the_state_and_survives_update():
    """PennyLane's combine_global_phases: one GlobalPhase of the summed angle, last; the
    state is e^{-i(a+b)} RX(x)|0> (GlobalPhase(phi) is e^{-i phi} times the identity)."""
    a, b, x = 0.3, -1.1, 0.8

    @qml.transforms.combine_global_phases
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.GlobalPhase(a)
        qml.RX(x, wires=0)
        qml.GlobalPhase(b)
        return qml.state()

    expected = onp.exp(-1j * (a + b)) * onp.array([onp.cos(x / 2), -1j * onp.sin(x / 2)])
    assert onp.allclose(circuit(x), expected)
    tape = qml.workflow.construct_tape(circuit)(x)
    assert [op.name for op in tape.operations] == ["RX", "GlobalPhase"]
    assert onp.isclose(tape.operations[1].data[0], a + b)
    assert qml.transforms.combine_global_phases in circuit.compile_pipeline
    updated = circuit.update(diff_method="adjoint")
    assert updated.compile_pipeline == circuit.compile_pipeline
    none = qml.tape.QuantumScript([qml.X(0)], [qml.expval(qml.Z(0))])
    assert qml.transforms.combine_global_phases(none)[0][0].operations == [qml.X(0)]


def test_device_vjp_needs_a_device_that_computes_vjps():
    """PennyLane 0.45 refuses device_vjp=True at the call when the device has no
    vector-Jacobian product for the QNode's method: default.qubit has them for adjoint
    and backprop ("best", the default), not for parameter shift or finite differences; a
    device class answers by its own supports_vjp."""
    for method in ("parameter-shift", "finite-diff"):
        node = qml.QNode(_rx, _dev(), diff_method=method, device_vjp=True)
        with pytest.raises(qml.QuantumFunctionError, match="device_vjp=True is not supported"):
            node(X)
    for kw in ({"diff_method": "adjoint"}, {"diff_method": "backprop"}, {}):
        node = qml.QNode(_rx, _dev(), device_vjp=True, **kw)
        assert onp.isclose(qml.grad(node)(np.array(X)), -onp.sin(X))

    class VjpOnly(qml.devices.Device):
        def execute(self, circuits, execution_config=None):
            return 0

        def supports_vjp(self, execution_config=None, circuit=None):
            return execution_config.gradient_method == "vjp_grad"

    node = qml.QNode(lambda: qml.expval(qml.Z(0)), VjpOnly(), diff_method="parameter-shift",
                     device_vjp=True)
    with pytest.raises(qml.QuantumFunctionError, match="diff_method parameter-shift"):
        node()


def test_math_array_gives_plain_numpy_as_pennylane():
    """qml.math.array / asarray: PennyLane's dispatch gives a plain NumPy array for numbers,
    lists and tensors alike (not trainable: construct_tape's trainable_params are []); a
    tensor with like="autograd" or requires_grad=; a differentiated value stays so."""
    for f in (qml.math.array, qml.math.asarray):
        for data in ([[1.0, 2.0]], 0.5, np.array([1.0]), [np.array(1.0)]):
            out = f(data)
            assert type(out) is onp.ndarray, (f, data, out)
        assert isinstance(f(0.5, like="autograd"), np.tensor)
        assert f(0.5, like="autograd", requires_grad=False).requires_grad is False
    assert onp.allclose(qml.grad(lambda x: qml.math.sum(qml.math.array(x) ** 2))(
        np.array([1.0, 2.0])), [2.0, 4.0])

    @qml.qnode(qml.device("default.qubit"))
    def c(w):
        qml.RX(w[0], wires=0)
        return qml.expval(qml.Z(0))

    assert qml.workflow.construct_tape(c)(qml.math.array([0.3])).trainable_params == []


def test_backprop_through_a_sparse_hamiltonian_is_refused_as_pennylanes():
    """PennyLane's default.qubit does not backpropagate through a SparseHamiltonian (its
    QuantumFunctionError at the call); parameter shift does: <diag(1, 2, 3, 4)> after
    RX(x) on wire 0 is 2 - cos(x), its derivative sin(x)."""
    from scipy.sparse import csr_matrix

    dev = qml.device("default.qubit", wires=2)

    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.SparseHamiltonian(csr_matrix(onp.diag([1.0, 2, 3, 4])), [0, 1]))

    back = qml.QNode(circuit, dev, diff_method="backprop")
    x = qml.numpy.array(0.5, requires_grad=True)
    for call in (back, qml.grad(back)):
        with pytest.raises(qml.QuantumFunctionError,
                           match="does not support backprop with requested circuit"):
            call(x)
    shift = qml.QNode(circuit, dev, diff_method="parameter-shift")
    assert onp.isclose(shift(x), 2 - onp.cos(0.5))
    assert onp.isclose(qml.grad(shift)(x), onp.sin(0.5))
