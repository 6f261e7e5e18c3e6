"""The PennyLane-compatible surface: devices, QNodes, arguments, return shapes, inspection.

Expected values are closed forms worked out by hand for each small circuit.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


def two_wire(dev=None, **kw):
    dev = dev or qml.device("default.qubit", wires=2)

    @qml.qnode(dev, **kw)
    def c(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    return c  # = cos(a) cos(b)


def test_qnode_class_and_decorator_give_the_same_result():
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert qml.QNode(f, dev)(0.3) == qml.qnode(dev)(f)(0.3) == pytest.approx(onp.cos(0.3))


def test_wire_labels():
    dev = qml.device("default.qubit", wires=["a", "b"])

    @qml.qnode(dev)
    def c(x):
        qml.RY(x, wires="a")
        qml.CNOT(wires=["a", "b"])
        return qml.expval(qml.PauliZ("b"))

    assert c(0.4) == pytest.approx(onp.cos(0.4), abs=1e-14)
    assert qml.grad(c, argnum=0)(0.4) == pytest.approx(-onp.sin(0.4), abs=1e-12)


def test_wires_positional_and_keyword_int_and_list():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        qml.RY(x, [1])
        qml.CNOT([0, 1])
        qml.Rot(x, 0.0, 0.0, 0)
        return qml.expval(qml.PauliZ(1))

    # RX(x) on 0, RY(x) on 1, CNOT: <Z1> = <Z0><Z1> = cos(x)^2 (Rot(x,0,0) is a phase on wire 0)
    assert c(0.3) == pytest.approx(onp.cos(0.3) ** 2, abs=1e-14)


def test_grad_return_shapes():
    c = two_wire()
    a, b = 0.3, 0.5
    da, db = -onp.sin(a) * onp.cos(b), -onp.cos(a) * onp.sin(b)
    g = qml.grad(c)(np.array(a), np.array(b))  # default: every trainable argument
    assert isinstance(g, tuple) and len(g) == 2
    assert g[0] == pytest.approx(da) and g[1] == pytest.approx(db)
    g1 = qml.grad(c, argnum=1)(a, b)
    assert onp.ndim(g1) == 0 and g1 == pytest.approx(db)
    g2 = qml.grad(c, argnums=[1])(a, b)
    assert isinstance(g2, tuple) and len(g2) == 1 and g2[0].shape == ()
    g3 = qml.grad(c, argnum=[1, 0])(a, b)
    assert g3[0] == pytest.approx(db) and g3[1] == pytest.approx(da)
    g4 = qml.grad(c, argnum=-1)(a, b)
    assert g4 == pytest.approx(db)


def test_grad_of_matrix_argument_has_its_shape():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(w):
        qml.RX(w[0, 0], wires=0)
        qml.RY(w[1, 1], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    w = onp.array([[0.3, 0.4], [0.5, 0.6]])
    g = qml.grad(c, argnum=0)(w)
    expected = [[-onp.sin(0.3) * onp.cos(0.6), 0.0], [0.0, -onp.cos(0.3) * onp.sin(0.6)]]
    assert g.shape == (2, 2)
    onp.testing.assert_allclose(g, expected, atol=1e-12)


def test_requires_grad_false_is_data_and_explicit_argnum_raises_as_in_pennylane():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x, y):
        qml.RX(x[0], wires=0)
        qml.RY(x[1] * y, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    x = np.array([0.3, 0.4], requires_grad=False)
    y = np.array(0.7, requires_grad=True)
    g = qml.grad(c)(x, y)  # only y is trainable: cos(x0) cos(x1 y) -> d/dy
    assert onp.ndim(g) == 0
    assert g == pytest.approx(-onp.cos(0.3) * onp.sin(0.28) * 0.4)
    with pytest.raises(qml.NonDifferentiableError):  # PennyLane 0.45.1 raises too
        qml.grad(c, argnum=0)(x, y)
    gx = qml.grad(c, argnum=0)(onp.asarray(x), y)  # a plain array, asked for explicitly
    onp.testing.assert_allclose(
        gx, [-onp.sin(0.3) * onp.cos(0.28), -onp.cos(0.3) * onp.sin(0.28) * 0.7], atol=1e-12
    )


def test_jacobian_of_tuple_result():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))

    x = onp.array([0.1, 0.2])
    vals = c(x)
    assert isinstance(vals, tuple) and len(vals) == 2
    j = qml.jacobian(c, argnum=0)(x)
    assert isinstance(j, tuple) and len(j) == 2
    onp.testing.assert_allclose(j[0], [-onp.sin(0.1), 0], atol=1e-12)
    onp.testing.assert_allclose(j[1], [0, -onp.sin(0.2)], atol=1e-12)
    with pytest.raises(qml.DifferentiationError, match="jacobian"):
        qml.grad(c)(np.array(x))


def test_jacobian_of_scalar_is_the_gradient():
    c = two_wire()
    j = qml.jacobian(c, argnum=0)(0.3, 0.5)
    assert j == pytest.approx(-onp.sin(0.3) * onp.cos(0.5))


def test_list_result_stays_a_list():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return [qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliY(0))]

    v = c(0.3)
    assert isinstance(v, list)
    assert v[0] == pytest.approx(onp.cos(0.3)) and v[1] == pytest.approx(-onp.sin(0.3))


def test_keyword_data_does_not_recompile_but_shape_and_static_changes_do():
    dev = qml.device("default.qubit", wires=2)
    traces = []

    @qml.qnode(dev)
    def c(w, data=None, layers=1):
        traces.append(1)
        for _ in range(layers):
            qml.RY(w[0] * data[0], wires=0)
            qml.RX(w[1] + data[1], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    w = onp.array([0.3, 0.2])
    for k in range(5):
        data = onp.array([1.0 + k, 0.1 * k])
        g = qml.grad(c, argnum=0)(w, data=data)
        expected = [
            -data[0] * onp.sin(w[0] * data[0]) * onp.cos(w[1] + data[1]),
            -onp.cos(w[0] * data[0]) * onp.sin(w[1] + data[1]),
        ]
        onp.testing.assert_allclose(g, expected, atol=1e-12)
    n_traces = len(traces)
    assert len(c._compiled) == 1
    c(w, data=onp.array([1.0, 2.0, 3.0]))  # new shape: a new trace
    c(w, data=onp.array([1.0, 2.0]), layers=2)  # new static value: a new trace
    assert len(c._compiled) == 3
    assert len(traces) > n_traces


def test_observables_sums_products_and_old_spelling():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RY(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return (
            qml.expval(0.5 * qml.PauliZ(0) @ qml.PauliZ(1) - 2 * qml.PauliX(0) @ qml.PauliX(1)),
            qml.expval(qml.Hamiltonian([1.0, 3.0], [qml.Identity(0), qml.PauliZ(1)])),
            qml.expval.PauliX(0),
            qml.expval(qml.Hadamard(1)),
        )

    x = 0.7
    # state cos(x/2)|00> + sin(x/2)|11>: <ZZ> = 1, <XX> = sin x, <Z1> = cos x, <X0> = 0,
    # <H> on wire 1 = (<X1> + <Z1>)/sqrt2 = cos(x)/sqrt2
    v = c(x)
    onp.testing.assert_allclose(
        v, [0.5 - 2 * onp.sin(x), 1 + 3 * onp.cos(x), 0.0, onp.cos(x) / onp.sqrt(2)], atol=1e-14
    )


def test_products_of_paulis_on_one_wire_follow_pauli_algebra():
    # X @ Z on the same wire is -iY: not Hermitian, refused; (X @ X) is the identity
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def ok(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliX(0) @ qml.PauliX(0))

    assert ok(0.3) == pytest.approx(1.0)

    @qml.qnode(dev)
    def bad(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliX(0) @ qml.PauliZ(0))

    with pytest.raises(qml.MeasurementError, match="Hermitian"):
        bad(0.3)


def test_classical_processing_inside_the_circuit():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(2 * x[0] + np.sin(x[1]), wires=0)
        qml.RY(x[0] * x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = onp.array([0.4, -0.9])
    a, b = 2 * x[0] + onp.sin(x[1]), x[0] * x[1]
    # <Z> = cos(a) cos(b)
    da = [2, onp.cos(x[1])]
    db = [x[1], x[0]]
    expected = [
        -onp.sin(a) * onp.cos(b) * da[i] - onp.cos(a) * onp.sin(b) * db[i] for i in range(2)
    ]
    onp.testing.assert_allclose(qml.grad(c, argnum=0)(x), expected, atol=1e-12)


def test_inspection_listing_source_draw_and_symbolic():
    c = two_wire()
    listing = c.listing(0.1, 0.2)
    assert "RX(a)" in listing and "RY(b)" in listing and "expval: Z0 Z1" in listing
    src = c.source(0.1, 0.2)
    assert "def prepare(x, d, mode):" in src and "RX(a)" in src
    assert "RX(0.10)" in qml.draw(c)(0.1, 0.2)
    import sympy as sp

    a, b = sp.symbols("a b", real=True)
    assert sp.simplify(qml.expectation(c, 0.1, 0.2) - sp.cos(a) * sp.cos(b)) == 0
    report = qml.check(c, 0.1, 0.2)
    assert report.ok and report.max_error_fd < 1e-8


def test_finite_diff_options():
    c1 = two_wire(diff_method="finite-diff", h=1e-7, approx_order=1)
    g = qml.grad(c1, argnum=[0, 1])(0.3, 0.5)
    assert g[0] == pytest.approx(-onp.sin(0.3) * onp.cos(0.5), abs=1e-6)
    best = two_wire(diff_method="best")
    assert qml.grad(best, argnum=[0, 1])(0.3, 0.5)[1] == pytest.approx(-onp.cos(0.3) * onp.sin(0.5), abs=1e-12)


def test_grad_forward_value():
    c = two_wire()
    g = qml.grad(c)
    g(np.array(0.3), np.array(0.5))
    assert g.forward == pytest.approx(onp.cos(0.3) * onp.cos(0.5))


def test_lightcone_prunes_gates_that_cannot_reach_the_measurement():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)  # never touches wire 0
        return qml.expval(qml.PauliZ(0))

    x = onp.array([0.3, 0.8])
    onp.testing.assert_allclose(qml.grad(c, argnum=0)(x), [-onp.sin(0.3), 0.0], atol=1e-12)
    entry = c.compiled((x,), {})[0]
    assert entry.plan.executions == 3  # value + 2 shifted circuits for RX only


def test_qnode_qfunc_output_is_what_the_circuit_function_returned():
    """PennyLane's ``QNode._qfunc_output`` (its tests read the measurement processes' shapes
    from it): the measurements the function returned, as returned (a tuple, or one)."""
    dev = qml.device("default.qubit", wires=3)

    @qml.set_shots(10)
    @qml.qnode(dev)
    def several():
        qml.RX(0.3, 0)
        return qml.sample(qml.Z(0)), qml.expval(qml.X(1))

    several()
    out = several._qfunc_output
    assert isinstance(out, tuple) and len(out) == 2
    assert out[0].shape(shots=10, num_device_wires=3) == (10,)
    assert out[1].shape(shots=10, num_device_wires=3) == ()

    @qml.qnode(dev)
    def one(x):
        qml.RY(x, 1)
        return qml.probs(wires=[0, 1])

    one(0.2)
    assert one._qfunc_output.shape(shots=None, num_device_wires=3) == (4,)
