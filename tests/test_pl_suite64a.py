"""Issue #18, stop 64 (pl64a): PennyLane 0.45.1 behaviours its own tests need, checked
against PennyLane's own answers (computed in /work/plvenv) and values worked out by hand.

``qml.noise.add_noise``'s pipeline at the gradient and device levels
(noise/test_add_noise.py::TestGetTransformProgramHelper), ``default.qubit``'s device
pipeline in PennyLane's order, the gradient transforms' ``expand_transform`` as a tape
function, and the complex derivative PennyLane's autograd gives through a complex state of
the argument.
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.noise.add_noise import _get_transform_program


def _names(pipeline):
    return [t.tape_transform.__name__ for t in pipeline]


def _compiled_circuit():
    dev = qml.device("default.qubit", wires=4)

    @qml.transforms.compile(num_passes=2)
    @qml.transforms.merge_rotations(atol=1e-5)
    @qml.transforms.cancel_inverses
    @qml.qnode(dev, diff_method="parameter-shift", gradient_kwargs={"shifts": 2})
    def circuit():
        return qml.expval(qml.PauliZ(0))

    return dev, circuit


def test_transform_program_levels_are_pennylanes():
    """PennyLane 0.45.1's ``_get_transform_program`` of this QNode at each level (printed in
    /work/plvenv): the gradient level adds param_shift's expansion with the QNode's
    gradient_kwargs, the device level default.qubit's preprocessing in its order."""
    _, circuit = _compiled_circuit()
    user = ["cancel_inverses", "merge_rotations", "compile"]
    assert _names(_get_transform_program(circuit, level="top")) == []
    assert _names(_get_transform_program(circuit, level="user")) == user
    grad = _get_transform_program(circuit, level="gradient")
    assert _names(grad) == user + ["_expand_transform_param_shift"]
    assert grad[3].kwargs == {"shifts": 2}
    device = _get_transform_program(circuit)
    assert _names(device) == user + [
        "_expand_transform_param_shift", "defer_measurements", "decompose",
        "device_resolve_dynamic_wires", "validate_device_wires", "validate_measurements",
        "_conditional_broadcast_expand"]
    assert _get_transform_program(circuit, level="device") == device
    assert _names(_get_transform_program(circuit, slice(2, 7, 2))) == [
        "compile", "defer_measurements", "device_resolve_dynamic_wires"]
    with pytest.raises(ValueError, match="Level bla not found in transform program"):
        _get_transform_program(circuit, level="bla")
    with pytest.raises(ValueError, match="not recognized"):
        _get_transform_program(circuit, level=["bah"])


def test_device_level_of_an_adjoint_qnode_is_pennylanes():
    """PennyLane's 14 transforms for split_non_commuting + adjoint (device_vjp=False) on
    default.qubit: its DefaultQubit pipeline, then the adjoint method's."""
    @qml.transforms.split_non_commuting
    @qml.qnode(qml.device("default.qubit"), diff_method="adjoint", device_vjp=False)
    def circuit(x):
        qml.RX(x, 0)
        return qml.expval(qml.PauliZ(0))

    assert _names(_get_transform_program(circuit)) == [
        "split_non_commuting", "defer_measurements", "decompose",
        "device_resolve_dynamic_wires", "validate_device_wires", "validate_measurements",
        "_conditional_broadcast_expand", "no_sampling", "decompose", "validate_observables",
        "validate_measurements", "adjoint_state_measurements", "broadcast_expand",
        "validate_adjoint_trainable_params"]


def test_default_qubit_pipeline_per_mcm_method_is_pennylanes():
    """default.qubit's ``preprocess_transforms`` per mid-circuit measurement method
    (PennyLane's lists; its one-shot expansion's name aside)."""
    dev = qml.device("default.qubit")
    base = ["decompose", "device_resolve_dynamic_wires", "validate_device_wires",
            "validate_measurements", "_conditional_broadcast_expand"]

    def names(method):
        config = qml.devices.ExecutionConfig(mcm_config=qml.devices.MCMConfig(mcm_method=method))
        return _names(dev.preprocess_transforms(config))

    assert names(None) == base
    assert names("deferred") == ["defer_measurements"] + base
    assert names("tree-traversal") == base + ["broadcast_expand"]
    assert names("one-shot")[-1] == "dynamic_one_shot"
    # default.mixed keeps its own pipeline (no dynamic wires, no shadow expansion)
    mixed = qml.device("default.mixed", wires=1).preprocess_transforms(
        qml.devices.ExecutionConfig())
    assert "device_resolve_dynamic_wires" not in _names(mixed)


def test_a_broadcast_shadow_tape_is_split_at_the_device_level():
    """PennyLane's ``_conditional_broadcast_expand``: a broadcast tape measuring a classical
    shadow becomes one tape per parameter set (2 unbroadcast tapes in PennyLane); an
    expectation value stays one broadcast tape."""
    dev = qml.device("default.qubit", wires=1)

    @qml.set_shots(10)
    @qml.qnode(dev)
    def shadow(x):
        qml.RX(x, 0)
        return qml.shadow_expval(qml.Z(0))

    @qml.qnode(dev)
    def plain(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    x = np.array([0.1, 0.2])
    tapes, _ = qml.workflow.construct_batch(shadow, level="device")(x)
    assert [t.batch_size for t in tapes] == [None, None]
    tapes, _ = qml.workflow.construct_batch(plain, level="device")(x)
    assert [t.batch_size for t in tapes] == [2]


def test_add_noise_at_each_level_gives_pennylanes_value_and_pipeline():
    """``add_noise(qnode, level=...)`` keeps the pipeline up to that level (the gradient
    expansion and the device's preprocessing included, as PennyLane's), then the noise.
    PennyLane 0.45.1 on default.mixed: 0.8600893382050464 at every level (the noise
    follows the RX gates whatever the level)."""
    dev = qml.device("default.mixed", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift")
    def f(w, x):
        qml.RX(w, wires=0)
        qml.RY(x, wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RX(0.2, wires=1)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    model = qml.NoiseModel({qml.noise.op_eq(qml.RX): qml.noise.partial_wires(qml.PhaseDamping,
                                                                            0.4)})
    for level in ("top", "user", "gradient", "device"):
        noisy = qml.noise.add_noise(f, noise_model=model, level=level)
        assert onp.isclose(noisy(0.3, 0.5), 0.8600893382050464, atol=1e-12)
        names = _names(noisy.compile_pipeline)
        assert names[-1] == "add_noise"
        assert ("_expand_transform_param_shift" in names) == (level in ("gradient", "device"))
        assert ("validate_device_wires" in names) == (level == "device")


def test_gradient_expansions_and_compile_are_pennylanes_objects():
    """As in PennyLane: a gradient transform's ``expand_transform`` is the plain tape
    function (a pipeline binds it as ``qml.transform(...)``), and ``qml.compile`` has the
    compile transform's ``tape_transform``."""
    import types

    for t, name in ((qml.gradients.param_shift, "_expand_transform_param_shift"),
                    (qml.gradients.finite_diff, "_expand_transform_finite_diff"),
                    (qml.gradients.spsa_grad, "_expand_transform_spsa")):
        assert isinstance(t.expand_transform, types.FunctionType)
        assert t.expand_transform.__name__ == name
    _, circuit = _compiled_circuit()
    expected = qml.transforms.core.BoundTransform(
        qml.transform(qml.gradients.param_shift.expand_transform), kwargs={"shifts": 2})
    assert _get_transform_program(circuit, level="gradient")[3] == expected
    assert qml.compile.tape_transform is qml.transforms.compile.tape_transform
    t = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.RX(0.2, 0)], [qml.expval(qml.Z(0))])
    (new,), _ = qml.gradients.param_shift.expand_transform(t)
    assert new.operations == t.operations


def test_spsa_through_a_complex_state_of_x_is_pennylanes_complex_gradient():
    """diff_method="spsa" with a Möttönen state of complex amplitudes of x: PennyLane's
    autograd carries the estimate back through the complex amplitudes and answers a
    complex tensor, -2.270703445268737+1.434440345570504j at these seeds (qsym gave its
    real part as a float). The real part is SPSA's estimate; the exact methods give
    PennyLane's -0.5364633+0.7303652j."""
    dev = qml.device("default.qubit", wires=1)

    def make(method, **kw):
        @qml.qnode(dev, diff_method=method, gradient_kwargs=kw)
        def c(x):
            qml.RX(0.4, wires=0)
            qml.MottonenStatePreparation(np.array([np.cos(x), 1j * np.sin(x)]), wires=0)
            qml.RY(0.3, wires=0)
            return qml.expval(qml.X(0))
        return c

    x = np.array(0.7, requires_grad=True)
    g = qml.grad(make("spsa", sampler_rng=7, num_directions=1))(x)
    assert isinstance(g, np.tensor) and g.requires_grad
    assert onp.isclose(g, -2.270703445268737 + 1.434440345570504j, atol=1e-8)
    exact = qml.grad(make("parameter-shift"))(x)
    assert onp.isclose(exact, -0.5364633324637306 + 0.7303651480370267j, atol=1e-9)


def test_a_list_holding_an_int_named_by_argnums_is_pennylanes_type_error():
    """PennyLane's autograd differentiates each item of a list: ``[0.3, 1]`` raises its
    TypeError "Can't differentiate w.r.t. type <class 'int'>" (qsym differentiated 1 as
    1.0), also after grad's list short path has answered lists of floats; ``[0.3, 1.0]``
    is the hand gradient (-sin 0.3 cos 1, -cos 0.3 sin 1) of <Z> = cos p0 cos p1."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(p):
        qml.RX(p[0], 0)
        qml.RY(p[1], 0)
        return qml.expval(qml.Z(0))

    g = qml.grad(c, argnums=0)
    for _ in range(3):  # (the short path remembers the list of floats)
        got = g([0.3, 1.0])
    onp.testing.assert_allclose(onp.array(got), [-onp.sin(0.3) * onp.cos(1.0),
                                                 -onp.cos(0.3) * onp.sin(1.0)], atol=1e-12)
    for arg in ([0.3, 1], (0.3, 1), [1, 2], [[0.3, 1]]):
        for how in (g, qml.grad(c, argnums=0), qml.jacobian(c, argnums=0)):
            with pytest.raises(TypeError, match=r"Can't differentiate w.r.t. type <class 'int'>"):
                how(arg)
    with pytest.raises(qml.errors.IntegerArgumentError, match="write it as a float"):
        qml.grad(lambda p: p[0] * p[1], argnums=0)([0.3, 1])
    # not named: a list is not trainable, as in PennyLane (no error, nothing differentiated)
    with pytest.warns(UserWarning, match="no trainable parameters"):
        assert qml.grad(c)([0.3, 1]) == ()


def test_a_value_call_with_a_trainable_coefficient_after_floats_is_refused():
    """PennyLane 0.45.1 (/work/plvenv): var(H) with a coefficient from an argument under
    parameter shift answers c(0.4, 0.6) = 0.30459279231751024 and refuses c(0.4,
    tensor(0.6, requires_grad=True)) with "Can only differentiate Hamiltonian coefficients
    for expectations", whatever came first; a requires_grad=False tensor answers. The
    value by hand: state cos(0.2)|00> - i sin(0.2)|11>, H = a Z0 + 0.5 X1:
    <H^2> = a^2 + 0.25, <H> = a cos 0.4 (<X1> = 0), var = a^2 (1 - cos^2 0.4) + 0.25."""
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift")
    def c(x, a):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return qml.var(qml.Hamiltonian([a, 0.5], [qml.Z(0), qml.X(1)]))

    hand = 0.36 * onp.sin(0.4) ** 2 + 0.25
    assert onp.isclose(c(0.4, 0.6), hand, atol=1e-12)
    assert onp.isclose(hand, 0.30459279231751024, atol=1e-12)
    for _ in range(2):
        with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coefficients"):
            c(0.4, np.array(0.6, requires_grad=True))
        assert onp.isclose(c(np.array(0.4), np.array(0.6, requires_grad=False)), hand,
                           atol=1e-12)
        assert onp.isclose(c(0.4, 0.6), hand, atol=1e-12)


def _prep_tapes(x):
    """The same tape three ways: rebound by bind_new_parameters, and made by hand."""
    start = qml.tape.QuantumScript([qml.StatePrep(np.array([0.6, 0.0, 0.0, 0.8]), wires=[0, 1]),
                                    qml.RY(0.3, 0)], [qml.expval(qml.Z(0))])
    state = qml.math.stack([x, 0.0, 0.6, 0.0])
    rebound = start.bind_new_parameters([state, 0.3], [0, 1])
    by_hand = qml.tape.QuantumScript([qml.StatePrep(state, wires=[0, 1]), qml.RY(0.3, 0)],
                                     [qml.expval(qml.Z(0))])
    return rebound, by_hand


def test_a_tape_state_of_autograd_values_first_is_backpropagated_unnormalized():
    """PennyLane 0.45.1 (/work/plvenv), backprop: the device starts from v = [x, 0, 0.6, 0]
    itself (first in the tape), so d<Z0>/dx at x = 0.8 is the unnormalized derivative
    1.173914134607362, in a rebound tape, a tape made by hand and the QNode alike. By
    hand: wire 0 holds (x, 0.6), <Z> after RY(t) is (x^2 - 0.36) cos t - 1.2 x sin t,
    derivative 2x cos t - 1.2 sin t (qsym refused the tapes: "trainable amplitudes")."""
    dev = qml.device("default.qubit", wires=2)
    t = 0.3
    hand_value = (0.64 - 0.36) * onp.cos(t) - 1.2 * 0.8 * onp.sin(t)
    hand_grad = 1.6 * onp.cos(t) - 1.2 * onp.sin(t)
    assert onp.isclose(hand_grad, 1.173914134607362, atol=1e-12)
    for k in range(2):
        def f(x, k=k):
            return qml.execute([_prep_tapes(x)[k]], dev, diff_method="backprop")[0]

        x = np.array(0.8, requires_grad=True)
        assert onp.isclose(f(x), hand_value, atol=1e-12)
        assert onp.isclose(qml.grad(f)(x), hand_grad, atol=1e-10)

    @qml.qnode(dev, diff_method="backprop")
    def c(x):
        qml.StatePrep(qml.math.stack([x, 0.0, 0.6, 0.0]), wires=[0, 1])
        qml.RY(t, 0)
        return qml.expval(qml.Z(0))

    assert onp.isclose(qml.grad(c)(np.array(0.8, requires_grad=True)), hand_grad, atol=1e-10)


def test_a_complex_first_state_of_x_gives_pennylanes_complex_derivatives():
    """StatePrep([cos x, i sin x]) then RY(0.3), <Z> = cos 0.3 cos 2x (real part of the
    derivative -2 cos 0.3 sin 2x by hand); PennyLane 0.45.1 answers complex tensors (its
    autograd through the complex amplitudes): parameter shift and backprop
    -1.882872170513904-0.2452914814658229j, spsa (sampler_rng=7, one direction)
    -1.3004315548114391+0.8215037911539085j. qsym refused spsa ("complex trainable
    amplitudes") and raised "must be real number, not complex" for the others."""
    dev = qml.device("default.qubit", wires=1)

    def make(method, **kw):
        @qml.qnode(dev, diff_method=method, gradient_kwargs=kw)
        def c(x):
            qml.StatePrep(np.array([np.cos(x), 1j * np.sin(x)]), wires=0)
            qml.RY(0.3, wires=0)
            return qml.expval(qml.Z(0))
        return c

    x = np.array(0.7, requires_grad=True)
    exact = -1.882872170513904 - 0.2452914814658229j
    assert onp.isclose(exact.real, -2 * onp.cos(0.3) * onp.sin(1.4), atol=1e-12)
    for method in ("parameter-shift", "backprop"):
        g = qml.grad(make(method))(x)
        assert isinstance(g, np.tensor) and onp.isclose(g, exact, atol=1e-9)
    g = qml.grad(make("spsa", sampler_rng=7, num_directions=1))(x)
    assert isinstance(g, np.tensor)
    assert onp.isclose(g, -1.3004315548114391 + 0.8215037911539085j, atol=1e-8)


def test_grad_by_a_matrix_argument_and_a_scalar_has_pennylanes_types():
    """PennyLane 0.45.1 (/work/plvenv): qml.grad of a QNode of a trainable matrix U (in a
    QubitUnitary) and a 0-d tensor x gives a plain ndarray for U and a tensor for x (stop
    63 noted "tensors for both": PennyLane's own answer is these types). By hand, with
    U|0> = (u00, u10) real: <Z> = cos x (u00^2 - u10^2), so dU = [[2 u00 cos x, 0],
    [-2 u10 cos x, 0]] and dx = -sin x cos 2 theta."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(U, x):
        qml.QubitUnitary(U, wires=0)
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    th, x0 = 0.4, 0.3
    U = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]], requires_grad=True)
    gU, gx = qml.grad(c)(U, np.array(x0, requires_grad=True))
    assert type(gU) is onp.ndarray and isinstance(gx, np.tensor)
    onp.testing.assert_allclose(gU, [[2 * onp.cos(th) * onp.cos(x0), 0.0],
                                     [-2 * onp.sin(th) * onp.cos(x0), 0.0]], atol=1e-12)
    assert onp.isclose(gx, -onp.sin(x0) * onp.cos(2 * th), atol=1e-12)


def test_map_wires_without_input_is_a_decorator():
    """PennyLane's map_wires is a transform: ``@qml.map_wires(wire_map={0: 1, 1: 0})``
    above a QNode moves its gates and measurements (PennyLane 0.45.1 draws
    "1: ──RX(0.30)─┤  <Z>"; <Z> = cos 0.3, d/dx = -sin 0.3 by hand); qsym raised
    TypeError "missing 1 required positional argument: 'input'"."""
    @qml.map_wires(wire_map={0: 1, 1: 0})
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    assert onp.isclose(c(0.3), onp.cos(0.3), atol=1e-12)
    assert qml.draw(c)(0.3) == "1: ──RX(0.30)─┤  <Z>"
    assert onp.isclose(qml.grad(c)(np.array(0.3)), -onp.sin(0.3), atol=1e-12)
    assert qml.map_wires(wire_map={0: "a"})(qml.X(0)) == qml.X("a")
    with pytest.raises(TypeError, match="wire_map"):
        qml.map_wires(qml.X(0))


@pytest.mark.parametrize("method, through_arithmetic, kind", [
    ("spsa", False, "float"), ("finite-diff", False, "float"),
    ("parameter-shift", False, "float"), ("backprop", False, "tensor"),
    ("spsa", True, "tensor")])
def test_gradient_type_follows_pennylanes_autograd(method, through_arithmetic, kind):
    """PennyLane 0.45.1 (/work/plvenv): qml.grad of a QNode by a 0-d tensor x is a NumPy
    float where x goes straight into its gate (the QNode primitive's vector-Jacobian
    product; backprop: a tensor), and a tensor where x goes through arithmetic first
    (autograd's products with the tensor), also on spsa's tape path (qsym gave a float
    there). Values by hand: <Z> of RY(x) is cos x; of RY(2 angle(e^{ix})) cos 2x."""
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=method,
               gradient_kwargs={"sampler_rng": 7} if method == "spsa" else {})
    def c(x):
        angle = np.angle(np.exp(1j * x)) * 2 if through_arithmetic else x
        qml.RY(angle, wires=0)
        return qml.expval(qml.Z(0))

    g = qml.grad(c)(np.array(0.7, requires_grad=True))
    hand = -2 * onp.sin(1.4) if through_arithmetic else -onp.sin(0.7)
    assert onp.isclose(g, hand, atol=1e-6)
    if kind == "tensor":
        assert isinstance(g, np.tensor) and g.requires_grad
    else:
        assert type(g) is onp.float64
