"""A device class of the user's own (a subclass of qml.devices.Device with its own
``execute``, as PennyLane's device API): QNodes run their tapes there, never on qsym's
simulator, and differentiate by parameter shift with the shifted tapes run there too.
The device below is an independent one-qubit simulator written here."""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.errors import DifferentiationError


class OneQubit(qml.devices.Device):
    def __init__(self, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.offset, self.tapes_run = offset, 0

    def execute(self, circuits, execution_config=None):
        out = []
        for tape in circuits:
            self.tapes_run += 1
            psi = onp.array([1, 0], dtype=complex)
            for op in tape.operations:
                t = float(op.data[0])
                c, s = onp.cos(t / 2), onp.sin(t / 2)
                U = onp.array([[c, -1j * s], [-1j * s, c]]) if op.name == "RX" else onp.array([[c, -s], [s, c]])
                psi = U @ psi
            out.append(abs(psi[0]) ** 2 - abs(psi[1]) ** 2 + self.offset)
        return tuple(out)


def test_the_devices_execute_gives_the_values():
    dev = OneQubit(offset=10.0, wires=1)  # a number qsym's simulator could never give

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    assert abs(circuit(pnp.array(0.3, requires_grad=False)) - (onp.cos(0.3) + 10.0)) < 1e-12
    assert dev.tapes_run == 1
    assert not circuit.compiled_directly


def test_gradient_by_parameter_shift_on_the_device():
    dev = OneQubit(wires=1)

    @qml.qnode(dev)
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(2 * y, wires=0)
        return qml.expval(qml.Z(0))

    x, y = pnp.array(0.5, requires_grad=True), pnp.array(0.2, requires_grad=True)
    gx, gy = qml.grad(circuit)(x, y)
    # <Z> = cos(x) cos(2y)
    assert abs(gx + onp.sin(0.5) * onp.cos(0.4)) < 1e-12
    assert abs(gy + 2 * onp.cos(0.5) * onp.sin(0.4)) < 1e-12
    assert dev.tapes_run == 1 + 4  # the value, then two shifted tapes per gate parameter


def test_several_measurements_are_not_differentiated_silently():
    dev = OneQubit(wires=1)
    tape = qml.tape.QuantumScript([qml.RX(pnp.array(0.1, requires_grad=True), 0)],
                                  [qml.expval(qml.Z(0)), qml.expval(qml.Z(0))])

    def cost(x):
        t = tape.bind_new_parameters([x], [0])
        return qml.execute([t], dev, diff_method="best")[0][0]

    with pytest.raises(DifferentiationError, match="several measurements"):
        qml.grad(cost)(pnp.array(0.1, requires_grad=True))


def test_a_missing_attribute_of_a_users_device_class_gives_pennylanes_message():
    with pytest.raises(AttributeError, match="legacy device interface"):
        OneQubit(wires=1).batch_execute
    assert getattr(OneQubit(wires=1), "batch_execute", None) is None  # (getattr's default)
    # qsym's own devices keep CPython's plain attribute lookup (a __getattr__ on a class
    # slows every attribute read of its instances, and the call path reads the device's)
    assert "__getattr__" not in vars(qml.devices.Device)
    with pytest.raises(AttributeError):
        qml.device("default.qubit", wires=1).batch_execute


def test_a_qnode_given_another_device_decides_its_route_again():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    x = pnp.array(0.3, requires_grad=True)
    assert circuit.compiled_directly
    assert abs(qml.grad(circuit)(x) + onp.sin(0.3)) < 1e-12
    dev = OneQubit(offset=10.0, wires=1)
    circuit.device = dev  # (decided once per device: compiled_directly)
    assert not circuit.compiled_directly
    assert abs(circuit(x) - (onp.cos(0.3) + 10.0)) < 1e-12
    assert dev.tapes_run == 1
    circuit.gradient_kwargs = {"argnum": [0]}
    assert not circuit.compiled_directly


def test_sum_of_several_device_derivative_results_is_differentiated():
    """qml.math.sum of a QNode's several results on a device with its own derivatives: the
    sum of the device's Jacobian rows (written out: 2 + 4 + 6 + 8 per parameter); it raised
    autograd's "Tuple must have size 2" before."""
    class Rows(qml.devices.DefaultQubit):
        def compute_derivatives(self, circuits, execution_config=None):
            return tuple(tuple(onp.full(len(c.trainable_params), 2.0 * (i + 1))
                               for i in range(len(c.measurements))) for c in circuits)

    @qml.qnode(Rows(wires=4), diff_method="device")
    def circuit(p):
        for i in range(4):
            qml.RX(p[i], i)
        return [qml.expval(qml.Z(i)) for i in range(4)]

    p = qml.numpy.array([0.1, 0.2, 0.3, 0.4])
    assert onp.allclose(qml.grad(lambda q: qml.math.sum(circuit(q)))(p), [20.0] * 4)


class CheckedDefaultQubit(qml.devices.DefaultQubit):
    """A user's subclass of default.qubit whose ``execute`` checks the tapes and hands them
    to the base class (PennyLane's ``super().execute(circuits)``)."""

    def execute(self, circuits, execution_config=None):
        self.seen = getattr(self, "seen", 0) + len(circuits)
        for t in circuits:
            if any(isinstance(m.measured_obs, qml.ops.Sum) for m in t.measurements):
                raise ValueError("this device takes no sums")
        return super().execute(circuits, execution_config)


def test_subclass_calling_the_base_execute_is_simulated_there():
    dev = CheckedDefaultQubit(wires=2)

    @qml.transforms.split_to_single_terms
    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, 0)
        qml.RY(x / 2, 1)
        return qml.expval(qml.X(1) + 2 * qml.Z(0) @ qml.Z(1) + qml.I())

    @qml.qnode(dev)
    def one(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    x = pnp.array(0.4, requires_grad=True)
    # RX(x)|0>, RY(x/2)|0>: <Z0> = cos x, <Z1> = cos(x/2), <X1> = sin(x/2)
    assert onp.isclose(circuit(x), onp.sin(0.2) + 2 * onp.cos(0.4) * onp.cos(0.2) + 1)
    assert dev.seen == 1  # the class's execute ran, and its base simulated the tape
    assert onp.isclose(one(x), onp.cos(0.4))
    assert onp.isclose(qml.grad(one)(x), -onp.sin(0.4))  # shifted tapes through execute too
    with pytest.raises(ValueError, match="this device takes no sums"):
        qml.qnode(dev)(lambda: qml.expval(qml.X(0) + qml.Z(1)))()


def test_base_execute_with_a_pool_of_workers_simulates_every_tape_once():
    dev = CheckedDefaultQubit(wires=1, max_workers=2)
    tapes = [qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0))]) for x in (0.1, 0.2, 0.3)]
    assert onp.allclose(dev.execute(tapes), onp.cos([0.1, 0.2, 0.3]))
    assert dev.seen == 3  # the class's execute once, for the three tapes (none sent back to it)


def test_a_default_qubit_subclass_widening_supports_derivatives_takes_device_vjp():
    # PennyLane's default.qubit answers supports_vjp / supports_jvp by the device's own
    # supports_derivatives: a subclass that gives parameter-shift derivatives takes
    # device_vjp=True with parameter shift
    class ShiftDevice(qml.devices.DefaultQubit):
        def supports_derivatives(self, execution_config=None, circuit=None):
            if execution_config is None:
                return True
            return execution_config.gradient_method in {"device", "parameter-shift"}

    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = qml.numpy.array(0.4, requires_grad=True)
    node = qml.QNode(circuit, ShiftDevice(), diff_method="parameter-shift", device_vjp=True)
    assert abs(qml.grad(node)(x) + __import__("math").sin(0.4)) < 1e-12
    assert ShiftDevice().supports_vjp(qml.devices.ExecutionConfig(
        gradient_method="parameter-shift"))
    plain = qml.QNode(circuit, qml.device("default.qubit"), diff_method="parameter-shift",
                      device_vjp=True)
    with pytest.raises(qml.QNodeError, match="device_vjp=True is not supported"):
        plain(x)


class Recording(OneQubit):
    """OneQubit recording each execute call's circuits and keywords."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def execute(self, *args, **kwargs):
        self.calls.append((len(args[0]), len(args), kwargs))
        return super().execute(*args, **kwargs)


def test_a_batch_of_tapes_is_one_execute_call_with_the_config_as_keyword():
    """qml.execute of several tapes, and a transform splitting a QNode's tape, call the
    device's execute once with all of them (PennyLane's device.execute(tapes,
    execution_config=...)); the values are this file's simulator's: cos(x) + offset."""
    dev = Recording(wires=1)
    tapes = [qml.tape.QuantumScript([qml.RX(x, 0)], [qml.expval(qml.Z(0))]) for x in (0.1, 0.2, 0.3)]
    res = qml.execute(tapes, dev)
    assert onp.allclose(res, onp.cos([0.1, 0.2, 0.3]), atol=1e-12)
    assert [c[0] for c in dev.calls] == [3]
    assert dev.calls[0][1:] == (1, {"execution_config": None})  # as PennyLane's run passes it

    @qml.batch_params
    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    x = pnp.array([0.4, 0.5, 0.6, 0.7], requires_grad=True)
    dev.calls.clear()
    assert onp.allclose(circuit(x), onp.cos(x), atol=1e-12)
    assert [c[0] for c in dev.calls] == [4]


class Hello(qml.devices.DefaultQubit):
    """A device whose own derivative method is named "hello" (PennyLane's
    supports_derivatives / setup_execution_config / compute_derivatives of a device): its
    Jacobian is a constant the exact one is not, so the test sees which one ran."""

    def supports_derivatives(self, execution_config=None, circuit=None):
        return getattr(execution_config, "gradient_method", None) == "hello"

    def setup_execution_config(self, config=None, circuit=None):
        return config

    def compute_derivatives(self, circuits, execution_config=None):
        self.configs = getattr(self, "configs", []) + [execution_config]
        return tuple(7.0 for _ in circuits)


def test_a_diff_method_named_by_the_device_runs_its_derivatives():
    """PennyLane's QNode accepts a diff_method name the device's supports_derivatives
    accepts, and differentiates by the device's compute_derivatives, passed the execution
    config of that method; the value is the simulation's (cos x)."""
    dev = Hello(wires=1)

    @qml.qnode(dev, diff_method="hello")
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    x = pnp.array(0.5, requires_grad=True)
    assert circuit.diff_method == "hello"
    assert abs(circuit(x) - onp.cos(0.5)) < 1e-12
    assert qml.grad(circuit)(x) == 7.0
    assert [c.gradient_method for c in dev.configs] == ["hello"]


def test_a_diff_method_the_device_does_not_accept_is_refused():
    with pytest.raises(qml.exceptions.QuantumFunctionError, match="hello not recognized"):
        qml.QNode(lambda: qml.expval(qml.Z(0)), qml.device("default.qubit", wires=1),
                  diff_method="hello")
    with pytest.raises(qml.exceptions.QuantumFunctionError, match="hi not recognized"):
        qml.QNode(lambda: qml.expval(qml.Z(0)), Hello(wires=1), diff_method="hi")
