"""PennyLane 0.45's front end with only the import switched (issue #18): devices without
wires, qml.devices, seed="global", set_shots, QNode options, qsym.numpy creation functions,
qml.math, Wires, Tracker keys, qml.matrix of a QNode, keyword gate parameters, literal
broadcasting, counts types, static dict arguments, and the clear refusals. Expected numbers
are written by hand (trigonometry of one or two rotations)."""

from functools import partial

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

X = 0.37


# --- devices without wires= --------------------------------------------------------------
def test_device_without_wires_uses_the_circuits_wires_in_pennylanes_order():
    dev = qml.device("default.qubit")
    assert dev.wires is None and qml.device("default.qubit", wires=None).wires is None

    @qml.qnode(dev)
    def labelled(x):
        qml.RX(x, wires="b")
        qml.CNOT(wires=["b", "a"])
        return qml.state()

    # first use "b", then "a": |psi> = cos(x/2)|00> - i sin(x/2)|11> in order (b, a)
    want = onp.array([onp.cos(X / 2), 0, 0, -1j * onp.sin(X / 2)])
    assert onp.allclose(labelled(X), want, atol=1e-12)

    @qml.qnode(dev)
    def ints(x):
        qml.RY(x, wires=1)  # wires {0, 1} used out of order: numeric order stays
        qml.PauliX(wires=0)
        return qml.probs()

    c, s = onp.cos(X / 2) ** 2, onp.sin(X / 2) ** 2
    assert onp.allclose(ints(X), [0, 0, c, s], atol=1e-12)  # wire 0 is |1>

    @qml.qnode(dev)
    def measured_only(x):
        qml.RX(x, wires=0)
        return qml.probs(wires=[0, 1])  # wire 1 only measured: a second wire in |0>

    assert onp.allclose(measured_only(X), [c, 0, s, 0], atol=1e-12)
    assert onp.isclose(qml.grad(qml.QNode(_rx_z, dev))(np.array(X)), -onp.sin(X))


def _rx_z(x):
    qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))


def test_circuit_wires_rule():
    from qsym import _operations as ops
    from qsym._runtime import circuit_wires

    # integer wires not 0..k-1: first use order, as PennyLane's map_to_standard_wires
    assert circuit_wires([ops.RX(0.1, wires=2), ops.RX(0.1, wires=0)],
                         ops.expval(ops.PauliZ(5))) == qml.wires.Wires([2, 0, 5])
    # no operation and no wire: the empty state (PennyLane's [1]); sampling it or applying
    # a wireless operation is refused (nothing to sample / apply to)
    assert circuit_wires([], ops.state()) == qml.wires.Wires([])
    with pytest.raises(qml.WireError, match="no wires"):
        circuit_wires([], ops.sample())
    with pytest.raises(qml.WireError, match="no wires"):
        circuit_wires([ops.GlobalPhase(0.3)], ops.state())


def test_wires_class():
    W = qml.wires.Wires
    w = W([0, "q", 3])
    assert w[1] == "q" and w[:2] == W([0, "q"]) and w == (0, "q", 3)
    assert repr(w) == "Wires([0, 'q', 3])" and w.indices(["q", 3]) == [1, 2]
    assert W.all_wires([W([4, 0]), W([0, 3])]) == W([4, 0, 3])
    assert W.shared_wires([W([4, 0, 1]), W([1, 4])]) == W([4, 1])
    with pytest.raises(qml.WireError):
        W([0, 0])
    assert qml.device("default.qubit", wires=["a", "b"]).wires == W(["a", "b"])
    assert isinstance(qml.device("default.qubit", wires=2).wires, W)


# --- qml.devices, device names, seeds --------------------------------------------------
def test_devices_namespace_and_names():
    dev = qml.devices.DefaultQubit(wires=2, shots=50, seed=3)
    assert (dev.name, dev.wires, dev.shots) == ("default.qubit", qml.wires.Wires([0, 1]),
                                                qml.measurements.Shots(50))
    assert dev.given_shots == 50 and qml.devices.DefaultQubit().shots == qml.measurements.Shots(None)
    with pytest.raises(AttributeError, match="Shots can no longer be set on a device"):
        dev.shots = 10  # read only, as PennyLane's
    with pytest.raises(AttributeError, match="wires cannot be set"):
        dev.wires = [0, 1, 2]
    assert dev.wires == qml.wires.Wires([0, 1])
    assert isinstance(dev, qml.devices.Device)
    assert qml.devices.DefaultQubit().wires is None
    light = qml.device("lightning.qubit", wires=1)
    assert onp.isclose(qml.QNode(_rx_z, light)(X), onp.cos(X))
    assert qml.devices.LightningQubit(wires=1).name == "lightning.qubit"
    assert qml.device("default.mixed", wires=1).mixed  # the density-matrix simulator
    assert qml.devices.DefaultMixed(wires=1).name == "default.mixed"
    with pytest.warns(UserWarning, match="qutrits"):  # made; refused when it would run
        qutrit = qml.device("default.qutrit", wires=1)
    with pytest.raises(qml.DeviceError, match="qutrits"):
        qml.QNode(lambda: qml.expval(qml.Z(0)), qutrit)()
    with pytest.raises(qml.DeviceError, match="qutrits"):
        qutrit.execute(qml.tape.QuantumScript([], [qml.probs(wires=0)]))
    with pytest.raises(qml.DeviceError, match="qutrits"):
        qml.devices.DefaultQutrit(wires=1)
    with pytest.raises(qml.DeviceError, match="unsupported device options: bogus"):
        qml.device("default.qubit", wires=1, bogus=1)
    with pytest.raises(qml.DeviceError, match="seed"):
        qml.device("default.qubit", wires=1, seed="abc")


def _sample_node(dev):
    @qml.qnode(dev)
    def c():
        qml.Hadamard(wires=0)
        return qml.sample(qml.PauliZ(0))

    return c


def test_default_seed_is_drawn_from_numpys_global_generator():
    np.random.seed(42)
    a = _sample_node(qml.device("default.qubit", wires=1, shots=40))()
    np.random.seed(42)
    b = _sample_node(qml.device("default.qubit", wires=1, shots=40))()
    assert onp.array_equal(a, b)
    # PennyLane's rule: one draw of randint(0, 10_000_000) seeds the device's generator
    np.random.seed(42)
    want = onp.random.default_rng(onp.random.randint(0, high=10000000))
    np.random.seed(42)
    dev = qml.device("default.qubit", wires=1, shots=5)
    assert dev.rng.random() == want.random()
    # an int seed still fixes the samples, whatever the global state
    c = _sample_node(qml.device("default.qubit", wires=1, shots=40, seed=7))()
    d = _sample_node(qml.device("default.qubit", wires=1, shots=40, seed=7))()
    assert onp.array_equal(c, d)


# --- set_shots ---------------------------------------------------------------------------
def test_set_shots_forms():
    dev = qml.device("default.qubit", wires=1, seed=5)
    node = _sample_node(dev)
    assert qml.set_shots(node, shots=7)().shape == (7,)
    assert qml.set_shots(node, 9)().shape == (9,)
    assert partial(qml.set_shots, shots=4)(node)().shape == (4,)

    @qml.set_shots(6)
    @qml.qnode(dev)
    def deco():
        qml.Hadamard(wires=0)
        return qml.sample(qml.PauliZ(0))

    assert deco().shape == (6,)
    assert qml.set_shots(shots=3)(node)().shape == (3,)
    # shots=None: exact even on a device with shots
    exact = qml.set_shots(qml.QNode(_rx_z, qml.device("default.qubit", wires=1, shots=10)), None)
    assert exact(X) == pytest.approx(onp.cos(X), abs=1e-12)
    with pytest.raises(qml.MeasurementError, match="finite shots"):
        node()  # the original is unchanged
    with pytest.raises(qml.ArgumentError, match="QNode"):
        qml.set_shots(_rx_z, shots=3)
    with pytest.raises(qml.DeviceError):
        qml.set_shots(shots=-1)


# --- QNode options -------------------------------------------------------------------------
def test_qnode_options():
    dev = qml.device("default.qubit", wires=1)
    for interface in ("auto", "autograd", "numpy", None):
        assert qml.QNode(_rx_z, dev, interface=interface)(X) == pytest.approx(onp.cos(X))
    assert qml.QNode(_rx_z, dev, "autograd").interface == "autograd"  # PennyLane's 3rd positional
    for interface in ("jax", "torch", "tf"):
        with pytest.raises(qml.ArgumentError, match="not supported"):
            qml.QNode(_rx_z, dev, interface=interface)
    with pytest.raises(qml.ArgumentError, match="'auto', 'autograd', 'numpy'"):
        qml.QNode(_rx_z, dev, interface="garbage")
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        qml.QNode(_rx_z, dev, bogus=1)
    node = qml.QNode(_rx_z, dev, max_diff=2, grad_on_execution=False, cache=False,
                     device_vjp=True, cachesize=10)
    assert qml.grad(node)(np.array(X)) == pytest.approx(-onp.sin(X), abs=1e-12)
    fd = qml.QNode(_rx_z, dev, diff_method="finite-diff",
                   gradient_kwargs={"h": 1e-6, "approx_order": 1})
    assert (fd.h, fd.approx_order) == (1e-6, 1)
    assert qml.QNode(_rx_z, dev, diff_method="finite-diff",
                     gradient_kwargs={"strategy": "backward"}).strategy == "backward"
    with pytest.raises(qml.ArgumentError, match="gradient_kwargs"):
        qml.QNode(_rx_z, dev, gradient_kwargs={"num_directions": 2})
    with pytest.raises(qml.DifferentiationError, match="max_diff"):
        qml.QNode(_rx_z, dev, max_diff=3)
    with pytest.raises(qml.ArgumentError, match="grad_on_execution"):
        qml.QNode(_rx_z, dev, grad_on_execution="sometimes")
    with pytest.raises(qml.ArgumentError, match="'bogus' is not a valid mcm_method"):
        qml.QNode(_rx_z, dev, mcm_method="bogus")


def test_backprop_is_the_exact_derivative_and_static_argnums():
    dev = qml.device("default.qubit", wires=1)
    node = qml.QNode(_rx_z, dev, diff_method="backprop")
    assert qml.grad(node)(np.array(X)) == pytest.approx(-onp.sin(X), abs=1e-12)
    sampled = qml.QNode(_rx_z, qml.device("default.qubit", wires=1, shots=10), diff_method="backprop")
    with pytest.raises(qml.DifferentiationError, match="backprop"):
        qml.grad(sampled)(np.array(X))

    def c(x, n):
        for _ in range(n):
            qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    frozen = qml.QNode(_rx_z, dev, diff_method=None)
    assert frozen(X) == pytest.approx(onp.cos(X))
    with pytest.raises(qml.DifferentiationError, match="diff_method=None"):
        qml.grad(frozen)(np.array(X))
    # "device" on default.qubit: PennyLane 0.45.1's QuantumFunctionError when the QNode is
    # made (default.qubit's supports_derivatives refuses it; qsym differentiated it)
    with pytest.raises(qml.QuantumFunctionError, match="does not support device"):
        qml.QNode(_rx_z, dev, diff_method="device")
    rep = qml.QNode(c, dev, static_argnums=1)
    assert rep(X, 2) == pytest.approx(onp.cos(2 * X)) and rep(X, 3) == pytest.approx(onp.cos(3 * X))


# --- qsym.numpy creation functions and random ------------------------------------------------
def test_numpy_creation_functions_return_tensors():
    for t in (np.zeros(2), np.ones((2, 2)), np.empty(3), np.full(2, 0.5), np.eye(2),
              np.linspace(0, 1, 3), np.arange(3), np.random.randn(2), np.random.rand(2),
              np.random.normal(size=2), np.random.uniform(0, 1, size=2), np.random.random(2),
              np.random.default_rng(0).normal(size=2)):
        assert isinstance(t, np.tensor) and t.requires_grad
    assert not np.zeros(2, requires_grad=False).requires_grad
    assert not np.random.uniform(size=2, requires_grad=False).requires_grad
    assert not np.zeros_like(np.array([1.0], requires_grad=False)).requires_grad
    assert onp.array_equal(np.linspace(0, 1, 3), [0, 0.5, 1])
    np.random.seed(1)
    a = np.random.randn(3)
    np.random.seed(1)
    assert onp.array_equal(a, onp.random.randn(3))  # the same global stream as NumPy
    # differentiable as PennyLane's: a zeros tensor is a trainable argument
    assert qml.grad(lambda p: np.sum(np.cos(p)))(np.zeros(2)) == pytest.approx([0.0, 0.0])


def test_numpy_arrays_read_from_text_bytes_iterables_and_functions_are_tensors():
    made = {"fromstring": np.fromstring("5, 4, 1, 2", dtype=int, sep=","),
            "frombuffer": np.frombuffer(bytes([5, 4, 1, 2]), dtype=onp.uint8),
            "fromiter": np.fromiter(iter([5, 4, 1, 2]), dtype=int)}
    for name, t in made.items():
        assert isinstance(t, np.tensor) and t.requires_grad, name
        assert onp.array_equal(t, [5, 4, 1, 2]), name
    grid = np.fromfunction(lambda i, j: i + 2 * j, (2, 2))
    assert isinstance(grid, np.tensor) and onp.array_equal(grid, [[0, 2], [1, 3]])
    assert not np.fromstring("1 2", sep=" ", requires_grad=False).requires_grad
    assert not np.fromiter([1, 1, 2], dtype=float, requires_grad=False).requires_grad
    with pytest.raises(TypeError, match=r"unhashable type: 'numpy\.tensor'"):
        set(np.array([[1, 2], [3, 4]]))


# --- qml.math --------------------------------------------------------------------------------
def test_math():
    m = qml.math
    t = np.array([0.5, 1.0])
    assert m.get_interface(t) == "autograd" and m.get_interface(onp.ones(2)) == "numpy"
    assert m.requires_grad(t) and not m.requires_grad(onp.ones(2))
    assert type(m.to_numpy(t)) is onp.ndarray and m.shape(t) == (2,)
    assert m.allclose(m.cos(t), onp.cos([0.5, 1.0])) and m.isclose(m.sum(t), 1.5)
    assert m.stack([t, t]).shape == (2, 2) and m.einsum("i,i->", t, t) == pytest.approx(1.25)
    assert m.fidelity_statevector(onp.array([1, 0]), onp.array([1, 1]) / onp.sqrt(2)) == pytest.approx(0.5)
    with pytest.raises(AttributeError, match="qsym.math has no"):
        m.no_such_function


# --- Tracker -----------------------------------------------------------------------------------
def test_tracker_history_and_latest():
    dev = qml.device("default.qubit", wires=1)
    node = qml.QNode(_rx_z, dev, diff_method="parameter-shift")
    node(X)
    with qml.Tracker(dev) as tracker:
        qml.grad(node, argnum=0)(X)  # value, then 2 shifted circuits: 2 batches
        node(X)
    assert tracker.totals["executions"] == 4 and tracker.totals["batches"] == 3
    assert tracker.history["executions"] == [1, 1, 1, 1] and tracker.latest["executions"] == 1
    node(X)  # outside the block: not counted
    assert tracker.totals["executions"] == 4


def test_tracker_records_pennylanes_results_shots_and_resources():
    def f(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(0.2, wires=1)
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[1])

    exact = qml.device("default.qubit", wires=2)
    node = qml.QNode(f, exact)
    seen = []
    with qml.Tracker(exact, callback=lambda totals, history, latest: seen.append(dict(latest))) as t:
        e, p = node(X)
    assert t.latest["results"][0] == e and onp.array_equal(t.latest["results"][1], p)
    assert e == pytest.approx(onp.cos(X))  # <Z0> after RX: the CNOT and RY do not change it
    r = t.latest["resources"]
    assert (r.gate_types, r.gate_sizes, r.num_allocs, r.depth) == ({"RX": 1, "CNOT": 1, "RY": 1}, {1: 2, 2: 1}, 2, 3)
    assert r.measurements == {"expval(PauliZ)": 1, "probs(1 wires)": 1} and "shots" not in t.latest
    assert seen[0] == {"batches": 1} and len(seen) == 2  # the batch, then its circuit

    sampled = qml.device("default.qubit", wires=1, shots=50, seed=1)
    node = qml.QNode(_rx_z, sampled)
    with qml.Tracker(sampled) as t:
        v = node(X)
        qml.grad(node)(np.array(X))  # value + 2 shifted circuits, 50 shots each
    assert t.history["results"][0] == v and t.totals["results"] == v + t.history["results"][1]
    assert t.history["shots"] == [50] * 4 and t.totals["shots"] == 200
    with qml.Tracker(sampled, persistent=True) as t:  # PennyLane's keyword
        node(X)
    with t:
        node(X)
    assert t.totals["executions"] == 2 and t.persistent
    with qml.Tracker(qml.set_shots(node, shots=[10, (20, 2)]).device) as t:
        qml.set_shots(node, shots=[10, (20, 2)])(X)  # one record per circuit, all its shots
    assert t.history["shots"] == [50] and len(t.history["results"]) == 1  # PennyLane 0.45's


# --- qml.matrix, keyword parameters ----------------------------------------------------------
def _rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def test_matrix_of_a_qnode_and_keyword_parameters():
    dev = qml.device("default.qubit", wires=["a", "b"])

    @qml.qnode(dev)
    def c(x):
        qml.RX(phi=x, wires="b")
        qml.PauliX(wires="a")
        return qml.expval(qml.PauliZ("a"))

    Xm = onp.array([[0, 1], [1, 0]])
    assert onp.allclose(qml.matrix(c)(X), onp.kron(Xm, _rx(X)), atol=1e-12)
    assert onp.allclose(qml.matrix(c, wire_order=["b", "a"])(X), onp.kron(_rx(X), Xm), atol=1e-12)
    assert onp.allclose(qml.matrix(qml.RY(phi=X, wires=0)), qml.matrix(qml.RY(X, wires=0)))
    r = qml.Rot(0.1, theta=0.2, omega=0.3, wires=0)
    u = qml.U3(theta=0.1, phi=0.2, delta=0.3, wires=0)
    assert r.params == (0.1, 0.2, 0.3) and u.params == (0.1, 0.2, 0.3)
    assert qml.MultiRZ(theta=0.4, wires=[0, 1]).params == (0.4,)
    with pytest.raises(qml.GateError, match="phi, theta, omega"):
        qml.Rot(0.1, omega=0.3, wires=0)


def test_every_gate_with_parameters_takes_them_by_pennylanes_names():
    """Each table gate with parameters has PennyLane's names (oracle67: CPhaseShift00/01/10
    and FermionicSWAP had none: ``phi=`` was refused). Matrices written by hand."""
    from qsym._gates import BUILTIN_GATES, GATES
    from qsym._operations import PARAM_NAMES
    missing = [n for n, row in GATES.items() if row.num_params and hasattr(qml, n)
               and n in BUILTIN_GATES  # (the table's, not rows qml.ctrl derived: no PennyLane class)
               and len(PARAM_NAMES.get(n, ())) != row.num_params]  # (qml's, not rows made by other tests)
    assert missing == []
    t = 0.81
    e, c, s = onp.exp(1j * t), onp.cos(t / 2), onp.sin(t / 2)
    for name, k in (("CPhaseShift00", 0), ("CPhaseShift01", 1), ("CPhaseShift10", 2)):
        d = onp.ones(4, dtype=complex)
        d[k] = e
        assert onp.allclose(qml.matrix(getattr(qml, name)(phi=t, wires=[0, 1])), onp.diag(d), atol=1e-12)
    h = onp.exp(1j * t / 2)
    fswap = onp.array([[1, 0, 0, 0], [0, h * c, -1j * h * s, 0], [0, -1j * h * s, h * c, 0], [0, 0, 0, e]])
    assert onp.allclose(qml.matrix(qml.FermionicSWAP(phi=t, wires=[0, 1])), fswap, atol=1e-12)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c10(x):  # H H, a phase on |10>, H on wire 0: <Z0> = (1 + cos x) / 2
        qml.Hadamard(0)
        qml.Hadamard(1)
        qml.CPhaseShift10(phi=x, wires=[0, 1])
        qml.Hadamard(0)
        return qml.expval(qml.PauliZ(0))

    assert onp.isclose(c10(np.array(t)), (1 + onp.cos(t)) / 2, atol=1e-12)
    assert onp.isclose(qml.grad(c10)(np.array(t, requires_grad=True)), -onp.sin(t) / 2, atol=1e-12)


# --- broadcasting a literal list, counts, static dicts, sample gradients ------------------------
def test_literal_broadcast():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(y):
        qml.RX([0.54, 0.65], wires=0)
        qml.RY(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    a = onp.array([0.54, 0.65])
    assert onp.allclose(c(X), onp.cos(a) * onp.cos(X), atol=1e-12)
    assert onp.allclose(qml.matrix(qml.RX([0.54, 0.65], wires=0)), [_rx(0.54), _rx(0.65)])
    assert onp.allclose(qml.jacobian(c)(np.array(X)), -onp.cos(a) * onp.sin(X), atol=1e-12)


def test_counts_values_are_numpy_integers_and_sample_has_no_jacobian():
    dev = qml.device("default.qubit", wires=1, shots=20, seed=2)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, wires=0)
        return qml.counts()

    out = c(X)
    assert all(isinstance(v, onp.integer) for v in out.values()) and sum(out.values()) == 20
    @qml.qnode(dev)
    def s(x):
        qml.RX(x, wires=0)
        return qml.sample(qml.PauliZ(0))

    with pytest.raises(qml.DifferentiationError, match="no gradient"):
        qml.jacobian(s)(np.array(X))


def test_unhashable_static_arguments_are_keyed_by_content():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x, gates):
        gates["g"](x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert c(X, {"g": qml.RX}) == pytest.approx(onp.cos(X))
    assert c(X, gates={"g": qml.RZ}) == pytest.approx(1.0)
    n = len(c._compiled)
    assert c(0.1, {"g": qml.RX}) == pytest.approx(onp.cos(0.1)) and len(c._compiled) == n


# --- features qsym does not have: named errors -----------------------------------------------
def test_unsupported_pennylane_features_raise_named_errors():
    dev = qml.device("default.qubit", wires=1)

    def mcm(x):
        qml.RX(x, wires=0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(wires=0)
        return qml.expval(qml.PauliZ(0))

    # a mid-circuit measurement is deferred onto a new wire: a device without room says so
    with pytest.raises(qml.WireError, match="deferred mid-circuit measurements"):
        qml.QNode(mcm, dev)(X)
    # with room: X undoes the outcome 1, so the state is |0> whatever was measured
    assert qml.QNode(mcm, qml.device("default.qubit", wires=2))(X) == pytest.approx(1.0)
    def noisy():
        qml.DepolarizingChannel(0.1, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.DeviceError, match="not supported with default.qubit"):
        qml.QNode(noisy, dev)()
    with pytest.raises(qml.DeviceError, match="density_matrix is computed from the state"):
        qml.set_shots(qml.QNode(lambda: qml.density_matrix(wires=0), dev), 10)()


def test_short_pauli_names():
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def c(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.Z(0) @ qml.I(1)), qml.expval(qml.X(0))

    z, x = c(X)
    assert (z, x) == (pytest.approx(onp.cos(X)), pytest.approx(onp.sin(X)))
    assert qml.Y is qml.PauliY
