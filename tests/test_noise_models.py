"""PennyLane's noise models (qsym._noise_models): qml.BooleanFn, the conditionals of
qml.noise, partial_wires, qml.NoiseModel and qml.add_noise, checked against density
matrices computed here from Kraus operators written out by hand (and against PennyLane
where it is installed)."""

import numpy as np
import pytest

import qsym as qml
from qsym.boolean_fn import And, Not, Or, Xor
from qsym.noise.conditionals import _get_ops, _get_wires

# --- hand-written single-qubit reference ---------------------------------------------------
I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)


def rx(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * X


def ry(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * Y


def channel(rho, kraus):
    return sum(k @ rho @ k.conj().T for k in kraus)


def bit_flip(p):
    return [np.sqrt(1 - p) * I2, np.sqrt(p) * X]


def phase_flip(p):
    return [np.sqrt(1 - p) * I2, np.sqrt(p) * Z]


def amplitude_damping(g):
    return [np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])]


def unitary(rho, u):
    return u @ rho @ u.conj().T


RHO0 = np.diag([1.0, 0.0]).astype(complex)


# --- BooleanFn ------------------------------------------------------------------------------
def test_boolean_fn_combinations_evaluate_left_to_right_with_pennylane_names():
    big = qml.BooleanFn(lambda x: x > 4, "big")
    is_int = qml.BooleanFn(lambda x: isinstance(x, int), "is_int")
    both, either, one, neither = big & is_int, big | is_int, big ^ is_int, ~big
    assert [both(5), both(5.5), both(3)] == [True, False, False]
    assert [either(5.5), either(3), either(2.5)] == [True, True, False]
    assert [one(5), one(5.5), one(3), one(2.5)] == [False, True, True, False]
    assert [neither(5), neither(3)] == [False, True]
    assert isinstance(both, And) and isinstance(either, Or) and isinstance(one, Xor)
    assert isinstance(neither, Not)
    assert [repr(f) for f in (big, both, either, one, neither)] == [
        "BooleanFn(big)", "And(big, is_int)", "Or(big, is_int)", "Xor(big, is_int)", "Not(big)"]
    assert [str(f) for f in (both, either, one, neither)] == [
        "big & is_int", "big | is_int", "big ^ is_int", "~big"]
    assert both.bitwise and not big.bitwise and not big.conditional
    # the right operand is not called where the left decides (a float has no bit_length)
    bits = qml.BooleanFn(lambda x: x.bit_length() == 3, "bits")
    assert (is_int & bits)(2.3) is False
    with pytest.raises(AttributeError):
        (bits & is_int)(2.3)


def test_boolean_fn_as_decorator_keeps_the_function_name():
    @qml.BooleanFn
    def small(x):
        return x < 3

    assert small(1) and not small(4) and repr(small) == "BooleanFn(small)"


# --- conditionals ---------------------------------------------------------------------------
def test_wires_in_and_wires_eq():
    cond = qml.noise.wires_in([0, 1])
    assert cond(qml.X(0)) and cond(qml.CNOT([1, 0])) and not cond(qml.CNOT([1, 2]))
    assert cond(qml.expval(qml.Z(1))) and cond([0, 1]) and not cond(2)
    assert str(cond) == "WiresIn([0, 1])" and cond.condition == {0, 1}
    eq = qml.noise.wires_eq(qml.CNOT(["a", "b"]))
    assert eq(["b", "a"]) and not eq("a") and not eq(qml.X("a"))
    assert str(qml.noise.wires_eq(0)) == "WiresEq(0)"
    assert sorted(_get_wires([qml.CNOT([0, 1]), 3, qml.probs(wires=[5])])) == [0, 1, 3, 5]
    with pytest.raises(ValueError, match="Wires cannot be computed for"):
        _get_wires(qml.RX)


def test_op_in_and_op_eq_compare_classes_not_wires():
    cond = qml.noise.op_in(["RX", qml.RY(2.0, "r"), qml.CNOT])
    assert cond(qml.RX(0.1, 5)) and cond(qml.RY(0.3, 0)) and cond(qml.CNOT([3, 4]))
    assert not cond(qml.RZ(0.1, 0)) and cond([qml.RX(0.1, 0), qml.CNOT([0, 1])])
    assert not cond([qml.RX(0.1, 0), qml.RZ(0.1, 1)])
    assert str(cond) == "OpIn(['RX', 'RY', 'CNOT'])"
    eq = qml.noise.op_eq(qml.RX(1.0, "dino"))
    assert eq(qml.RX(2.0, "eve")) and not eq(qml.RY(2.0, "dino")) and str(eq) == "OpEq(RX)"
    # a measurement is compared by its observable
    assert qml.noise.op_eq(qml.X)(qml.expval(qml.X(3)))
    assert _get_ops(qml.expval(qml.Z(0) @ qml.Z(1))) == (type(qml.Z(0) @ qml.Z(1)),)
    assert _get_ops(qml.measure(0, reset=True)) == ("Reset",)


def test_arithmetic_operators_are_compared_by_terms():
    eq = qml.noise.op_eq(qml.Z(0) + 1.2 * qml.Z(1))
    assert eq(1.2 * qml.Z("b") + qml.Z("a"))
    assert not eq(2.4 * qml.Z("b") + qml.Z("a"))
    assert not eq(qml.Y("b") + 1.2 * qml.Y("a"))
    assert qml.noise.op_eq(qml.exp(qml.RX(1.2, 0), 1.2))(qml.exp(qml.RX(2.3, "a"), 1.2))
    assert not qml.noise.op_eq(qml.exp(qml.Z(0) @ qml.Z(1), 2j))(qml.exp(qml.Z(2) @ qml.Z(3), 1j))
    assert qml.noise.op_in([qml.adjoint(qml.T(0))])(qml.adjoint(qml.T(4)))
    assert not qml.noise.op_in([qml.adjoint(qml.T(0))])(qml.adjoint(qml.S(4)))


def test_meas_eq_and_its_error():
    cond = qml.noise.meas_eq(qml.expval)
    assert cond(qml.expval(qml.X(0))) and not cond(qml.probs(wires=[0])) and not cond(qml.Z(0))
    assert str(cond) == "MeasEq('ExpectationMP')"
    assert qml.noise.meas_eq(qml.purity(wires=[0, 1]))(qml.purity(wires=["a"]))
    assert not qml.noise.meas_eq(qml.expval(qml.X(0)))([qml.expval(qml.X(0))] * 2)
    for bad in (qml.RX, qml.adjoint):
        with pytest.raises(ValueError, match="MeasEq should be initialized with a MeasurementProcess"):
            qml.noise.meas_eq(bad)


def test_bitwise_conditionals_keep_their_conditions():
    c1, c2 = qml.noise.wires_eq(0), qml.noise.op_eq(qml.X)
    both = c1 & c2
    assert both(qml.X(0)) and not both(qml.X(1)) and both.condition == (c1.condition, c2.condition)
    assert (~c1).condition == (c1.condition,) and (~c1)(qml.X(1))


# --- partial_wires --------------------------------------------------------------------------
def test_partial_wires_of_instances_classes_and_measurement_functions():
    qml.assert_equal(qml.noise.partial_wires(qml.RX(1.2, [12]))(qml.RY(1.0, ["w"])),
                     qml.RX(1.2, wires=["w"]))
    qml.assert_equal(qml.noise.partial_wires(qml.RX, 3.2, [20])(qml.RY(1.0, [0])), qml.RX(3.2, 0))
    qml.assert_equal(qml.noise.partial_wires(qml.RX, phi=1.2)(2), qml.RX(1.2, wires=[2]))
    qml.assert_equal(qml.noise.partial_wires(qml.RX(1.2, [12]), phi=2.3)("l"), qml.RX(2.3, "l"))
    qml.assert_equal(qml.noise.partial_wires(qml.PauliRot(1.2, "XY", wires=(0, 1)))([2, 1]),
                     qml.PauliRot(1.2, "XY", wires=(2, 1)))
    # a one-wire class on the wires of a two-wire gate: one per wire
    made = qml.noise.partial_wires(qml.AmplitudeDamping, 0.4)(qml.CNOT([3, 5]))
    assert [str(m) for m in made] == ["AmplitudeDamping(0.4, wires=[3])",
                                      "AmplitudeDamping(0.4, wires=[5])"]
    qml.assert_equal(qml.noise.partial_wires(qml.expval, op=qml.Z(9))("p"), qml.expval(qml.Z("p")))
    qml.assert_equal(qml.noise.partial_wires(qml.counts)(qml.X("l")), qml.counts(wires=["l"]))
    qml.assert_equal(qml.noise.partial_wires(qml.ctrl, op=qml.Hadamard(0), control=[1, 2])("a"),
                     qml.ctrl(qml.Hadamard("a"), control=[1, 2]))
    names = [qml.noise.partial_wires(*a).__name__ for a in
             ((qml.AmplitudeDamping, 0.4), (qml.PauliRot(1.2, "XY", [0, 1]),), (qml.X,))]
    assert names == ["AmplitudeDamping(gamma=0.4)", "PauliRot(theta=1.2, pauli_word=XY)", "PauliX"]
    with pytest.raises(ValueError, match="Args cannot be provided when operation is an instance"):
        qml.noise.partial_wires(qml.RX(1.2, [12]), 1.2)
    with pytest.raises(qml.ArgumentError, match="measurement function"):
        qml.noise.partial_wires(qml.expval(qml.Z(0)), op=qml.X(0))


def test_partial_wires_queues_one_operation():
    qs1 = qml.tape.make_qscript(qml.noise.partial_wires(qml.DepolarizingChannel, 0.01))
    qs2 = qml.tape.make_qscript(qml.noise.partial_wires(qml.DepolarizingChannel(0.01, [0])))
    assert qs1(qml.X(2)).operations == qs2(qml.X(2)).operations
    assert [str(o) for o in qs2(qml.X(2)).operations] == ["DepolarizingChannel(0.01, wires=[2])"]


# --- NoiseModel -----------------------------------------------------------------------------
def _n0(op, **kwargs):
    qml.RX(kwargs["t"] * 0.5, op.wires)


def test_noise_model_maps_metadata_and_repr():
    c0 = qml.noise.op_eq(qml.X) | qml.noise.op_eq(qml.Y)
    m0 = qml.noise.meas_eq(qml.expval) & qml.noise.wires_in([0, 1])
    n1 = qml.noise.partial_wires(qml.PhaseFlip, 0.2)
    model = qml.NoiseModel({c0: _n0}, {m0: n1}, t=0.04)
    assert model.model_map == {c0: _n0} and model.meas_map == {m0: n1}
    assert model.metadata == {"t": 0.04}
    assert repr(model) == ("NoiseModel({\n    OpEq(PauliX) | OpEq(PauliY): _n0\n},\nmeas_map = {\n"
                           "    MeasEq('ExpectationMP') & WiresIn([0, 1]): PhaseFlip(p=0.2)\n"
                           "}, t = 0.04)")
    assert repr(qml.NoiseModel({c0: _n0})) == "NoiseModel({\n    OpEq(PauliX) | OpEq(PauliY): _n0\n})"


def test_noise_model_add_sub_and_equality():
    c0, c1 = qml.noise.op_eq(qml.X), qml.noise.op_eq(qml.RY)
    n1 = qml.noise.partial_wires(qml.PhaseDamping, 0.9)
    model = qml.NoiseModel({c0: _n0}, t=0.04)
    added = model + {c1: n1, "t2": 0.1}
    assert added.model_map == {c0: _n0, c1: n1} and added.metadata == {"t": 0.04, "t2": 0.1}
    assert {c1: n1, "t2": 0.1} + model == added
    assert added - {c1: n1, "t2": 0.1} == model
    assert added - qml.NoiseModel({c1: n1}, t2=0.1) == model
    assert qml.NoiseModel({qml.noise.op_eq(qml.X): _n0}) == qml.NoiseModel({qml.noise.op_eq(qml.X): _n0})
    assert qml.NoiseModel({c0: _n0}) != qml.NoiseModel({c0: n1})
    assert qml.NoiseModel({c0: _n0}) != qml.NoiseModel({c1: _n0})


def test_noise_model_errors():
    with pytest.raises(ValueError, match="must be a boolean conditional"):
        qml.NoiseModel({lambda x: x: qml.noise.partial_wires(qml.X)})
    with pytest.raises(ValueError, match=r"must accept \*\*kwargs as the last argument"):
        qml.NoiseModel({qml.noise.op_eq(qml.X): lambda x: x})
    with pytest.raises(ValueError, match="must define model_map and metatadata"):
        qml.add_noise(qml.tape.QuantumScript([qml.X(0)]), {})


# --- add_noise ------------------------------------------------------------------------------
def test_add_noise_order_on_a_tape():
    def around(op, **kwargs):
        qml.RZ(0.1, op.wires)
        qml.apply(op)
        qml.RZ(-0.1, op.wires)

    model = qml.NoiseModel({qml.noise.op_eq(qml.RX): around,
                            qml.noise.op_in([qml.RY, qml.CNOT]): qml.noise.partial_wires(qml.BitFlip, 0.2),
                            qml.noise.wires_in([1]): qml.noise.partial_wires(qml.PhaseFlip, 0.3)})
    tape = qml.tape.QuantumScript([qml.RX(0.9, 0), qml.RY(0.4, 1), qml.CNOT([0, 1])],
                                  [qml.expval(qml.Z(0))])
    (new,), post = qml.add_noise(tape, model)
    assert [str(o) for o in new.operations] == [
        "RZ(0.1, wires=[0])", "RX(0.9, wires=[0])", "RZ(-0.1, wires=[0])",
        "RY(0.4, wires=[1])", "BitFlip(0.2, wires=[1])", "PhaseFlip(0.3, wires=[1])",
        "CNOT(wires=[0, 1])", "BitFlip(0.2, wires=[0])", "BitFlip(0.2, wires=[1])"]
    assert post(["r"]) == "r" and new.measurements == tape.measurements


def test_add_noise_decomposes_templates_at_the_user_level():
    model = qml.NoiseModel({qml.noise.op_eq(qml.RY): qml.noise.partial_wires(qml.PhaseDamping, 0.3)})
    tape = qml.tape.QuantumScript([qml.SimplifiedTwoDesign([0.1, 0.2], [[[0.3, 0.4]]], wires=[0, 1])])
    (new,), _ = qml.add_noise(tape, model)
    assert [o.name for o in new.operations] == [
        "RY", "PhaseDamping", "RY", "PhaseDamping", "CZ", "RY", "PhaseDamping", "RY", "PhaseDamping"]
    (top,), _ = qml.add_noise(tape, model, level="top")
    assert [o.name for o in top.operations] == ["SimplifiedTwoDesign"]


def test_add_noise_qnode_matches_the_kraus_reference():
    p, g, q = 0.1, 0.25, 0.15
    model = qml.NoiseModel(
        {qml.noise.op_eq(qml.RX): qml.noise.partial_wires(qml.BitFlip, p),
         qml.noise.op_eq(qml.RY): qml.noise.partial_wires(qml.AmplitudeDamping, g)},
        {qml.noise.meas_eq(qml.expval) & qml.noise.op_eq(qml.X): qml.noise.partial_wires(qml.PhaseFlip, q)})

    @qml.add_noise(noise_model=model)
    @qml.qnode(qml.device("default.mixed", wires=1))
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=0)
        return qml.expval(qml.Z(0)), qml.expval(qml.X(0)), qml.probs(wires=0)

    x, y = 0.7, 1.1
    rho = channel(unitary(RHO0, rx(x)), bit_flip(p))
    rho = channel(unitary(rho, ry(y)), amplitude_damping(g))
    readout = channel(rho, phase_flip(q))  # only before <X>
    want_z = np.trace(rho @ Z).real
    want_x = np.trace(readout @ X).real
    want_p = np.diag(rho).real
    got = circuit(x, y)
    assert len(got) == 3
    assert np.allclose(got[0], want_z, atol=1e-12, rtol=0)
    assert np.allclose(got[1], want_x, atol=1e-12, rtol=0)
    assert np.allclose(got[2], want_p, atol=1e-12, rtol=0)
    assert not np.isclose(got[1], np.trace(rho @ X).real)  # the readout noise is there


def test_add_noise_on_a_device():
    model = qml.NoiseModel({qml.noise.op_eq(qml.RX): qml.noise.partial_wires(qml.BitFlip, 0.1)})
    dev = qml.device("default.mixed", wires=1)
    noisy = qml.add_noise(dev, noise_model=model)
    assert dev is not noisy and getattr(dev, "applied_transforms", None) is None

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    want = (1 - 2 * 0.1) * np.cos(0.5)
    assert np.isclose(qml.QNode(f, noisy)(0.5), want, atol=1e-12, rtol=0)
    assert np.isclose(qml.QNode(f, dev)(0.5), np.cos(0.5), atol=1e-12, rtol=0)
    assert noisy.preprocess_transforms()[-1].tape_transform is qml.add_noise.tape_transform
    tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    assert np.isclose(qml.execute([tape], noisy)[0], want, atol=1e-12, rtol=0)
    program = noisy.preprocess_transforms()
    (new,), _ = program([tape])
    assert [o.name for o in new.operations] == ["RX", "BitFlip"]


def test_execute_runs_a_transform_program():
    tape = qml.tape.QuantumScript([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))])
    program = qml.CompilePipeline()
    program.add_transform(qml.transforms.insert, qml.BitFlip, 0.25, position="end")
    got = qml.execute([tape], qml.device("default.mixed", wires=1), transform_program=program)
    assert np.isclose(got[0], 0.5 * np.cos(0.5), atol=1e-12, rtol=0)


def test_trotter_product_with_a_complex_time_exists_but_does_not_apply():
    op = qml.TrotterProduct(qml.Z(0) + qml.Z(1), -3j)
    assert qml.noise.wires_eq(op)([0, 1])
    with pytest.raises(qml.GateError, match="complex time"):
        op.decomposition()

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.TrotterProduct(qml.Z(0) + qml.Z(1), -3j)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.GateError, match="complex time"):
        c()


def test_add_noise_matches_pennylane():
    pl = pytest.importorskip("pennylane")

    def run(lib):
        c0 = lib.noise.op_eq(lib.RX) & lib.noise.wires_in([0, 1])
        c1 = lib.noise.op_in([lib.RY, lib.CNOT]) | lib.noise.wires_eq(2)

        def n0(op, **kw):
            lib.ThermalRelaxationError(0.1, kw["t1"], kw["t2"], 0.3, op.wires)

        m0 = lib.noise.meas_eq(lib.expval) & lib.noise.wires_in([0, 1])
        model = lib.NoiseModel({c0: n0, c1: lib.noise.partial_wires(lib.AmplitudeDamping, 0.2)},
                               {m0: lib.noise.partial_wires(lib.PhaseFlip, 0.15)}, t1=2.0, t2=0.5)

        @lib.noise.add_noise(noise_model=model)
        @lib.qnode(lib.device("default.mixed", wires=3))
        def f(x, y):
            lib.Hadamard(0)
            lib.RX(x, 0)
            lib.RY(y, 1)
            lib.CNOT([0, 1])
            lib.RX(0.3, 2)
            lib.BasicEntanglerLayers([[x, y, 0.2]], wires=[0, 1, 2])
            return lib.expval(lib.Z(0) @ lib.X(1)), lib.probs(wires=[1, 2]), lib.var(lib.Z(0))

        return repr(model), f(0.4, 0.7)

    (r1, v1), (r2, v2) = run(pl), run(qml)
    assert r1 == r2
    for a, b in zip(v1, v2):
        assert np.allclose(a, b, atol=1e-12, rtol=0)


def test_add_noise_keeps_barriers_and_qubit_channels_draw_their_kraus_matrices():
    # PennyLane 0.45.1's add_noise decomposes templates (qml.templates) and adjoints only:
    # a Barrier (an operation there) stays, and its drawing keeps the column it makes;
    # qsym dropped it (BitFlip drawn left of the noise). A QubitChannel is drawn with its
    # Kraus matrices as parameters, QubitChannel(M0,M1) and the matrices below, as given
    # (real ones real). Texts: PennyLane's for the same code; values by hand
    import numpy as onp

    K = [onp.sqrt(0.9) * onp.eye(2), onp.sqrt(0.1) * onp.array([[0.0, 1.0], [1.0, 0.0]])]
    dev = qml.device("default.mixed", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        qml.Barrier([0, 1])
        qml.QubitChannel(K, wires=0)
        qml.BitFlip(0.2, 1)
        return qml.expval(qml.Z(0))

    kraus_text = ("M0 = \n[[0.9486833 0.       ]\n [0.        0.9486833]]\n"
                  "M1 = \n[[0.         0.31622777]\n [0.31622777 0.        ]]")
    assert qml.draw(c)(0.3) == (
        "0: ──RX(0.30)─╭||──QubitChannel(M0,M1)─┤  <Z>\n"
        "1: ───────────╰||──BitFlip(0.20)───────┤     \n\n" + kraus_text)
    nm = qml.NoiseModel({qml.noise.op_eq("RX"): qml.noise.partial_wires(qml.QubitChannel, K)})
    noisy = qml.add_noise(c, nm)
    ops = qml.workflow.construct_batch(noisy, level="user")(0.3)[0][0].operations
    assert [op.name for op in ops] == ["RX", "QubitChannel", "Barrier", "QubitChannel",
                                       "BitFlip"]
    assert qml.draw(noisy)(0.3) == (
        "0: ──RX(0.30)──QubitChannel(M0,M1)─╭||──QubitChannel(M0,M1)─┤  <Z>\n"
        "1: ────────────────────────────────╰||──BitFlip(0.20)───────┤     \n\n" + kraus_text)
    # each channel flips with probability 0.1: <Z> = cos(0.3) (1 - 0.2)^2
    assert noisy(0.3) == pytest.approx(onp.cos(0.3) * 0.8 ** 2, abs=1e-14)
    assert qml.QubitChannel(K, wires=0).kraus_matrices()[1].dtype == onp.float64
    complex_given = qml.QubitChannel([k.astype(complex) for k in K], wires=0)
    assert complex_given.kraus_matrices()[1].dtype == onp.complex128
