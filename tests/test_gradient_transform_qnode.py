"""Issue #18: a gradient transform of a QNode is a transformed QNode (PennyLane 0.45's
``qml.gradients.param_shift(qnode)``): the transform is a final ``Transform`` at the end of
the QNode's compile pipeline; calling the QNode gives the Jacobian. Expected values are
closed forms: <Z(1)> = cos(x) cos(y) after RX(x, 0), RY(y, 1), CNOT(0, 1)."""

import inspect

import numpy
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import DifferentiationError, TransformError
from qsym.transforms.core import BoundTransform, Transform

GRADS = [qml.gradients.param_shift, qml.gradients.finite_diff, qml.gradients.hadamard_grad]


def _circuit(wires=3):
    @qml.qnode(qml.device("default.qubit", wires=wires))
    def c(x, y):
        qml.RX(x, 0)
        qml.RY(y, 1)
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(1))

    return c


@pytest.mark.parametrize("grad", GRADS + [qml.gradients.spsa_grad])
def test_gradient_transforms_are_final_transforms(grad):
    assert isinstance(grad, Transform)
    assert grad.is_final_transform
    assert grad.classical_cotransform is not None
    assert repr(grad) == f"<transform: {grad.__name__}>"


def test_signatures_list_the_supported_gradient_kwargs():
    names = set()
    for g in GRADS + [qml.gradients.spsa_grad]:
        names |= set(inspect.signature(g).parameters)
    assert "hybrid" not in names
    assert names - {"tape"} <= set(qml.gradients.SUPPORTED_GRADIENT_KWARGS)


@pytest.mark.parametrize("grad", GRADS)
def test_transformed_qnode_gives_the_closed_form_jacobian(grad):
    c = _circuit()
    t = grad(c)
    assert isinstance(t, qml.QNode) and t is not c
    assert t.compile_pipeline[-1].tape_transform is grad.tape_transform
    assert t.compile_pipeline.has_final_transform
    assert t.compile_pipeline.has_classical_cotransform()
    assert not c.compile_pipeline  # the original QNode is unchanged
    x, y = np.array(0.3), np.array(0.7)
    dx, dy = t(x, y)
    atol = 1e-6 if grad is qml.gradients.finite_diff else 1e-10
    assert numpy.isclose(dx, -numpy.sin(0.3) * numpy.cos(0.7), atol=atol)
    assert numpy.isclose(dy, -numpy.cos(0.3) * numpy.sin(0.7), atol=atol)
    assert numpy.isclose(c(x, y), numpy.cos(0.3) * numpy.cos(0.7))  # the value, as before


def test_spsa_of_one_parameter_is_a_central_difference():
    @qml.gradients.spsa_grad(h=1e-4, sampler_rng=7)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    assert isinstance(c, qml.QNode)
    assert numpy.isclose(c(np.array(0.4)), -numpy.sin(0.4), atol=1e-6)


def test_decorator_with_options_and_the_expansion_in_the_pipeline():
    @qml.gradients.finite_diff(h=1e-3, approx_order=2, strategy="center")
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.RY(2 * x, 0)
        return qml.expval(qml.Z(0))

    bound = c.compile_pipeline[-1]
    assert bound.kwargs == {"h": 1e-3, "approx_order": 2, "strategy": "center"}
    # d/dx cos(2x) = -2 sin(2x); central differences of order 2: error ~ h^2
    assert numpy.isclose(c(np.array(0.25)), -2 * numpy.sin(0.5), atol=1e-5)
    ps = qml.gradients.param_shift(_circuit())
    names = [b.tape_transform.__name__ for b in ps.compile_pipeline]
    assert names == ["_expand_transform_param_shift", "param_shift"]


def test_construct_batch_lists_the_shifted_tapes():
    @qml.gradients.param_shift
    @qml.transforms.merge_rotations
    @qml.qnode(qml.device("default.qubit"))
    def c(x):
        qml.RX(x, 0)
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    names = [b.tape_transform.__name__ for b in qml.workflow.get_compile_pipeline(c)(0.5)]
    assert names == ["merge_rotations", "_expand_transform_param_shift", "param_shift"]
    batch, fn = qml.workflow.construct_batch(c, level="device")(0.5)
    angles = sorted(float(t.operations[0].data[0]) for t in batch)
    assert numpy.allclose(angles, [1.0 - numpy.pi / 2, 1.0 + numpy.pi / 2])
    shifted_up = [t for t in batch if float(t.operations[0].data[0]) > 1.0][0]
    results = (1.0, 2.0) if batch[0] is shifted_up else (2.0, 1.0)
    assert numpy.isclose(fn(results)[0], (1.0 - 2.0) / 2)  # (f(+) - f(-)) / 2
    # transforms before the gradient transform: the Jacobian of the merged circuit
    # RX(2x) by x (the classical co-transform), -2 sin(2x); a second derivative refused
    assert numpy.isclose(c(np.array(0.5)), -2 * numpy.sin(1.0))
    with pytest.raises(TransformError, match="other transforms before"):
        qml.grad(c)(np.array(0.5))


def test_two_final_transforms_are_refused():
    with pytest.raises(TransformError, match="terminal transform"):
        qml.gradients.finite_diff(qml.gradients.param_shift(_circuit()))


def test_shots_and_a_second_derivative_of_the_transformed_qnode():
    c = _circuit()
    t = qml.gradients.param_shift(c)
    x, y = np.array(0.3), np.array(0.7)
    sampled = qml.set_shots(t, shots=20000)
    assert isinstance(sampled, qml.QNode)
    dx, dy = sampled(x, y)
    assert numpy.isclose(dx, -numpy.sin(0.3) * numpy.cos(0.7), atol=0.05)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def one(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    second = qml.grad(qml.gradients.param_shift(one))(np.array(0.3))
    assert numpy.isclose(second, -numpy.cos(0.3))


def test_draw_of_the_transformed_qnode_draws_the_shifted_tapes():
    t = qml.gradients.param_shift(_circuit(wires=2))
    text = qml.draw(t)(np.array(0.5), np.array(0.2, requires_grad=False))
    assert "RX(2.07)" in text and "RX(-1.07)" in text and text.count("RY(0.20)") == 2


def test_param_shift_hessian_of_a_qnode_is_a_transformed_qnode():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x, y):
        qml.RX(x, 0)
        qml.RY(y, 0)
        return qml.expval(qml.Z(0))  # cos(x) cos(y)

    h = qml.gradients.param_shift_hessian(c)
    assert isinstance(h, qml.QNode) and h.compile_pipeline.has_final_transform
    assert repr(qml.gradients.param_shift_hessian) == "<transform: param_shift_hessian>"
    x, y = np.array(0.5), np.array(0.2)
    # PennyLane's blocks per argument: d2f/dx2, d2f/dy2 (both -cos x cos y)
    assert numpy.allclose(h(x, y), [-numpy.cos(0.5) * numpy.cos(0.2)] * 2)
    full = qml.gradients.param_shift_hessian(c, hybrid=False)(x, y)
    cross = numpy.sin(0.5) * numpy.sin(0.2)
    assert numpy.allclose(numpy.array(full, dtype=float),
                          [[-numpy.cos(0.5) * numpy.cos(0.2), cross],
                           [cross, -numpy.cos(0.5) * numpy.cos(0.2)]])


def _two_arg_circuit():
    @qml.gradients.param_shift
    @qml.transforms.split_non_commuting
    @qml.qnode(qml.device("default.qubit"))
    def c(x, y):
        qml.RX(2 * x, 0)
        qml.RY(x * y, 0)
        return qml.expval(qml.Z(0)), qml.expval(qml.X(0))

    return c


def test_cotransform_cache_gives_the_classical_jacobian():
    from qsym.transforms.core.cotransform_cache import CotransformCache

    c = _two_arg_circuit()
    x, y = np.array(0.5), np.array(3.0)
    cache = CotransformCache(c, (x, y), {})
    for i in range(2):  # gate parameters (2x, xy): by x (2, y), by y (0, x)
        jx, jy = cache.get_classical_jacobian(c.compile_pipeline[-1], i)
        assert numpy.allclose(jx, [2.0, 3.0]) and numpy.allclose(jy, [0.0, 0.5])
    assert cache.get_argnums(c.compile_pipeline[-1]) is None
    with pytest.raises(ValueError, match="Could not find"):
        cache.get_classical_jacobian(BoundTransform(qml.transforms.merge_rotations), 0)
    assert cache.get_classical_jacobian(c.compile_pipeline[0], 0) is None  # no co-transform
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        CotransformCache(c, (0.5, 3.0), {}).get_classical_jacobian(c.compile_pipeline[-1], 0)


def test_pipeline_with_the_classical_component_gives_the_qnode_jacobian():
    c = _two_arg_circuit()
    x, y = np.array(0.5), np.array(3.0)
    pipeline = c.compile_pipeline
    pipeline.set_classical_component(c, (x, y), {})
    tape = qml.workflow.construct_tape(c, level="top")(x, y)
    tapes, fn = pipeline((tape,))
    (got,) = fn(qml.execute(tapes, qml.device("default.qubit")))
    # <Z> = cos(2x) cos(xy) after RX(2x), RY(xy)
    a, b = 2 * 0.5, 0.5 * 3.0
    dz = (-2 * numpy.sin(a) * numpy.cos(b) - 3.0 * numpy.cos(a) * numpy.sin(b),
          -0.5 * numpy.cos(a) * numpy.sin(b))
    assert numpy.allclose(numpy.array(got[0], dtype=float), dz)
    # <X> = cos(2x) sin(xy)
    dxx = (3.0 * numpy.cos(b) * numpy.cos(a) - 2 * numpy.sin(b) * numpy.sin(a),
           0.5 * numpy.cos(b) * numpy.cos(a))
    assert numpy.allclose(numpy.array(got[1], dtype=float), dxx)
    # without the classical component: the tape's Jacobian by its two gate parameters
    bare = qml.QNode(c.func, qml.device("default.qubit"))
    plain = qml.gradients.param_shift(bare, hybrid=False).compile_pipeline
    plain.set_classical_component(bare, (x, y), {})
    assert plain.cotransform_cache is None
    # called, the QNode runs the same pipeline with its classical component
    (dx, dy), (xx, xy) = c(x, y)
    assert numpy.allclose([dx, dy], dz) and numpy.allclose([xx, xy], dxx)


def test_a_gradient_transform_of_a_pipeline_is_appended_last():
    p = qml.gradients.param_shift(qml.CompilePipeline(qml.transforms.merge_rotations))
    assert [b.tape_transform.__name__ for b in p] == [
        "merge_rotations", "_expand_transform_param_shift", "param_shift"]
    with pytest.raises(qml.ArgumentError):
        qml.gradients.finite_diff(lambda x: x)  # a quantum function: not a tape or QNode


def test_cotransform_cache_of_arguments_that_are_not_numbers():
    from qsym.transforms.core.cotransform_cache import CotransformCache

    c = _two_arg_circuit()
    cache = CotransformCache(c, (object(), np.array(3.0, requires_grad=False)), {})
    with pytest.raises(qml.QuantumFunctionError, match="No trainable parameters"):
        cache.get_classical_jacobian(c.compile_pipeline[-1], 0)


def test_a_template_opened_into_as_many_gates_keeps_the_parameters_in_place():
    """qml.BasisState(np.array([1, 0])) (a trainable bit array, opened into one X gate:
    as many operations as before) then RX(w): param_shift of the QNode differentiates w
    (<Z0 Z1> = -cos w, d/dw = sin w; PennyLane 0.45.1: 0.09983342 at w = 0.1). The
    opened tape was taken for the unopened one, so the parameters' indices pointed at the
    BasisState: ArgumentError "Cannot differentiate with respect to parameter(s) [0]"."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(w):
        qml.BasisState(np.array([1, 0]), wires=[0, 1])
        qml.RX(w, wires=0)
        return qml.expval(qml.Z(0) @ qml.Z(1))

    for w in (0.1, 1.3):
        got = qml.gradients.param_shift(c)(np.array(w, requires_grad=True))
        assert float(got) == pytest.approx(numpy.sin(w), abs=1e-10)


def test_spsa_qnode_differentiates_an_expectation_beside_the_state():
    # PennyLane's spsa_grad differences qml.state() (complex); the QNode's spsa did too
    # little: it refused a complex result. One parameter: spsa is a central difference, so
    # the reference is the derivative by hand of cos x and [cos(x/2), 0, 0, -i sin(x/2)]
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="spsa")
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT([0, 1])
        return qml.expval(qml.Z(1)), qml.state()

    x = np.array(0.7, requires_grad=True)
    de = qml.jacobian(lambda v: c(v)[0])(x)
    dre = qml.jacobian(lambda v: qml.math.real(c(v)[1]))(x)
    dim = qml.jacobian(lambda v: qml.math.imag(c(v)[1]))(x)
    assert numpy.isclose(de, -numpy.sin(0.7), atol=1e-6)
    assert numpy.allclose(dre, [-numpy.sin(0.35) / 2, 0, 0, 0], atol=1e-6)
    assert numpy.allclose(dim, [0, 0, 0, -numpy.cos(0.35) / 2], atol=1e-6)


def test_spsa_qnode_refuses_a_trainable_hermitian_matrix_by_name():
    # (PennyLane 0.45.1 raises "cannot reshape array of size 1 into shape (2,2)"; qsym said
    # "Hermitian takes a square matrix of numbers, got 'Autograd ArrayBox ...'")
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="spsa")
    def h(x, H):
        qml.RX(x, wires=0)
        return qml.expval(qml.Hermitian(H, wires=0))

    x = np.array(0.4, requires_grad=True)
    H = np.array([[1.0, 0.5], [0.5, -1.0]], requires_grad=True)
    with pytest.raises(DifferentiationError, match="requires_grad=False"):
        qml.jacobian(h)(x, H)
    # the gate parameter alone: d/dx <H> = -sin x (H's Z part) + 0.5 * 0 (<X> = 0 after RX)
    assert numpy.isclose(qml.grad(h, argnum=0)(x, H), -numpy.sin(0.4), atol=1e-6)
