"""Small PennyLane 0.45.1 semantics that user code meets (issue #18): checked against
hand-derived values and PennyLane's documented behaviour, never against PennyLane itself."""
import numpy as np
import pytest

import qsym as qml


def test_sample_without_shots_is_pennylanes_device_error():
    """PennyLane's DefaultQubit() without shots refuses qml.sample with a DeviceError "not
    accepted for analytic simulation"; qsym's error is also its MeasurementError."""
    dev = qml.devices.DefaultQubit()

    @qml.qnode(dev, diff_method=None)
    def circuit():
        return qml.sample(wires=(0, 1))

    with pytest.raises(qml.DeviceError, match="not accepted for analytic simulation"):
        circuit()
    with pytest.raises(qml.MeasurementError, match="finite shots"):
        circuit()
    with pytest.raises(qml.DeviceError, match=r"counts\(PauliZ\) not accepted"):
        qml.QNode(lambda: qml.counts(qml.Z(0)), qml.device("default.qubit", wires=1))()
    # with shots the same circuit samples |00>: zeros of shape (shots, wires)
    assert np.array_equal(qml.set_shots(circuit, shots=10)(), np.zeros((10, 2)))


@pytest.mark.parametrize("pack", [qml.numpy.array, qml.math.stack, qml.math.hstack, np.array])
def test_array_of_measurements_is_one_array(pack):
    """PennyLane returns ``qml.numpy.array([qml.expval(a), qml.expval(b)])`` (and
    ``qml.math.stack`` / ``hstack`` of measurements) as one array, its Jacobian one array of
    shape (outputs, inputs). <Z0> = cos x0, <Z1> = cos x1 after RX(x0) on 0, RY(x1) on 1."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        return pack([qml.expval(qml.Z(0)), qml.expval(qml.Z(1))])

    x = qml.numpy.array([0.3, 0.4])
    out = circuit(x)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    np.testing.assert_allclose(out, np.cos([0.3, 0.4]), atol=1e-12)
    jac = qml.jacobian(circuit)(x)
    assert isinstance(jac, np.ndarray) and jac.shape == (2, 2)
    np.testing.assert_allclose(jac, np.diag(-np.sin([0.3, 0.4])), atol=1e-12)
    # through a hybrid cost: d/dx sum(cos^2 x) = -sin(2x)
    g = qml.grad(lambda v: qml.numpy.sum(circuit(v) ** 2))(x)
    np.testing.assert_allclose(g, -np.sin(2 * np.array([0.3, 0.4])), atol=1e-12)


def test_array_of_measurements_shapes_and_arguments():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def probs(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        return qml.numpy.array([qml.probs(wires=0), qml.probs(wires=1)])

    a, b = qml.numpy.array(0.3), qml.numpy.array(0.4)
    want = [[np.cos(0.15) ** 2, np.sin(0.15) ** 2], [np.cos(0.2) ** 2, np.sin(0.2) ** 2]]
    np.testing.assert_allclose(probs(a, b), want, atol=1e-12)
    ja, jb = qml.jacobian(probs)(a, b)  # one (2, 2) array per argument
    np.testing.assert_allclose(ja, [[-np.sin(0.3) / 2, np.sin(0.3) / 2], [0, 0]], atol=1e-12)
    np.testing.assert_allclose(jb, [[0, 0], [-np.sin(0.4) / 2, np.sin(0.4) / 2]], atol=1e-12)
    # one measurement in an array: its value, as PennyLane
    one = qml.QNode(lambda a: (qml.RX(a, wires=0), qml.numpy.array([qml.expval(qml.Z(0))]))[1], dev)
    assert np.ndim(one(a)) == 0 and float(one(a)) == pytest.approx(np.cos(0.3), abs=1e-12)
    # values of different shapes cannot be stacked (PennyLane's ValueError): a clear error
    mixed = qml.QNode(lambda: qml.numpy.array([qml.expval(qml.Z(0)), qml.probs(wires=0)]), dev)
    with pytest.raises(qml.MeasurementError, match="one shape"):
        mixed()


@pytest.mark.parametrize("make", [lambda c: qml.Z(0) * c, lambda c: qml.s_prod(c, qml.Z(0)),
                                  lambda c: qml.Hamiltonian([c, 0.5], [qml.Z(0), qml.X(0)])])
def test_coefficient_from_outside_a_qnode_is_refused_not_zero(make):
    """A coefficient differentiated outside the QNode and read through its closure:
    PennyLane differentiates it; qsym refuses with a specific error (never a zero)."""
    dev = qml.device("default.qubit", wires=1)

    def cost(c):
        obs = make(c)

        @qml.qnode(dev)
        def circuit():
            qml.RX(0.3, wires=0)
            return qml.expval(obs)

        return circuit()

    with pytest.raises(qml.DifferentiationError, match="arguments only"):
        qml.grad(cost)(qml.numpy.array(2.0))


def test_coefficient_as_a_qnode_argument_is_differentiated():
    """The supported form: the coefficient a QNode argument. <c Z + 0.5 X> after RX(0.3):
    c cos(0.3) (<X> = 0), so d/dc = cos(0.3)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(c):
        qml.RX(0.3, wires=0)
        return qml.expval(qml.Hamiltonian([c, 0.5], [qml.Z(0), qml.X(0)]))

    assert float(qml.grad(circuit)(qml.numpy.array(2.0))) == pytest.approx(np.cos(0.3), abs=1e-12)


def test_gate_angle_from_outside_a_qnode_is_refused():
    dev = qml.device("default.qubit", wires=1)

    def cost(x):
        @qml.qnode(dev)
        def circuit():
            qml.RX(x, wires=0)
            return qml.expval(qml.Z(0))

        return circuit()

    with pytest.raises(qml.DifferentiationError, match="RX's parameter"):
        qml.grad(cost)(qml.numpy.array(0.3))


@pytest.mark.parametrize("op, controls, base", [
    (lambda: qml.CZ(wires=[0, 1]), [0], lambda: qml.PauliZ(1)),
    (lambda: qml.CNOT(wires=["a", "b"]), ["a"], lambda: qml.PauliX("b")),
    (lambda: qml.CY(wires=[0, 1]), [0], lambda: qml.PauliY(1)),
    (lambda: qml.CCZ(wires=[0, 1, 2]), [0, 1], lambda: qml.PauliZ(2)),
    (lambda: qml.Toffoli(wires=[2, 0, 1]), [2, 0], lambda: qml.PauliX(1)),
    (lambda: qml.ControlledPhaseShift(0.3, wires=[0, 1]), [0], lambda: qml.PhaseShift(0.3, wires=1)),
    (lambda: qml.CRX(0.2, wires=[1, 0]), [1], lambda: qml.RX(0.2, wires=0)),
])
def test_controlled_gates_have_controlled_op_hyperparameters(op, controls, base):
    """PennyLane's CNOT, CZ, CY, CCZ, Toffoli, CRX, ControlledPhaseShift are ControlledOps:
    hyperparameters control_wires, control_values, work_wires, work_wire_type, base."""
    h = op().hyperparameters
    assert set(h) == {"control_wires", "control_values", "work_wires", "work_wire_type", "base"}
    assert h["control_wires"] == qml.wires.Wires(controls)
    assert h["control_values"] == [True] * len(controls)
    assert h["work_wires"] == qml.wires.Wires([]) and h["work_wire_type"] == "borrowed"
    qml.assert_equal(h["base"], base())
    assert qml.equal(op(), op())  # compared alike, base included


def test_controlled_gate_decompositions_still_apply():
    """A decomposition rule called with PennyLane's (*params, wires, **hyperparameters)."""
    op = qml.CZ(wires=[0, 1])
    (rule,) = [r for r in qml.list_decomps(qml.CZ) if "CNOT" in str(r.compute_resources())][:1]
    with qml.queuing.AnnotatedQueue() as q:
        rule(*op.parameters, wires=op.wires, **op.hyperparameters)
    got = qml.matrix(qml.tape.QuantumScript(q.queue), wire_order=[0, 1])
    np.testing.assert_allclose(got, np.diag([1, 1, 1, -1]), atol=1e-12)


def test_array_of_measurements_second_derivatives():
    """d2<Z0>/dx0^2 = -cos x0; <Z0 Z1> = cos x0 cos x1: its Hessian by hand."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift", max_diff=2)
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        return qml.numpy.array([qml.expval(qml.Z(0)), qml.expval(qml.Z(0) @ qml.Z(1))])

    a, b = 0.3, 0.4
    h = qml.jacobian(qml.jacobian(circuit))(qml.numpy.array([a, b]))
    want = [[[-np.cos(a), 0], [0, 0]],
            [[-np.cos(a) * np.cos(b), np.sin(a) * np.sin(b)],
             [np.sin(a) * np.sin(b), -np.cos(a) * np.cos(b)]]]
    np.testing.assert_allclose(h, want, atol=1e-10)
