"""Bad input at the entry points a user meets first (issue #18, adversarial review).

Each row is an input a hurried or hostile user gives ``qml.device``, ``qml.qnode``'s
options, a gate, ``qml.grad`` / ``qml.jacobian``'s ``argnum`` or the function they
differentiate, the shots, the wires or a QNode's arguments (NaN, inf, wrong dtype or
shape, absurd sizes). Each must raise the named :mod:`qsym.errors` exception (a subclass of
PennyLane's exception type where PennyLane raises one) with a message that says what is
wrong, never return a number or a shape. The good rows beside them check that the
refusals are not too eager, against closed forms.
"""

import math

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import (
    ArgumentError,
    DeviceError,
    DifferentiationError,
    GateError,
    MeasurementError,
    MethodError,
    QNodeError,
    QsymError,
    ScalarOutputError,
    WireError,
)


def _node(dev=None, **options):
    dev = dev or qml.device("default.qubit", wires=2)

    @qml.qnode(dev, **options)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))  # = cos(x)

    return circuit


def _one_wire(body):
    return qml.qnode(qml.device("default.qubit", wires=1))(body)


def _t(x):
    return np.array(x, requires_grad=True)


# (id, call, exception class, a fragment the message must hold)
REFUSED = [
    # devices
    ("device: no wires", lambda: qml.device("default.qubit", wires=0), DeviceError,
     "at least one wire"),
    ("device: negative wires", lambda: qml.device("default.qubit", wires=-1), DeviceError,
     "at least one wire"),
    ("device: float wires", lambda: qml.device("default.qubit", wires=2.5), DeviceError,
     "wires must be"),
    ("device: string wires", lambda: qml.device("default.qubit", wires="ab"), DeviceError,
     "wires must be"),
    ("device: duplicate labels", lambda: qml.device("default.qubit", wires=[0, 0]),
     WireError, "duplicate"),
    ("device: unhashable label", lambda: qml.device("default.qubit", wires=[[0], 1]),
     WireError, "hashable"),
    ("device: a million wires", lambda: qml.device("default.qubit", wires=10 ** 6),
     DeviceError, "wires"),
    ("device: 20-wire density matrices", lambda: _node(qml.device("default.mixed", wires=20))(
        0.1), DeviceError, "20-wire density matrix"),
    ("device: misspelt name", lambda: qml.device("default.qbit", wires=2), DeviceError,
     "default.qubit"),
    ("device: negative shots", lambda: qml.device("default.qubit", wires=2, shots=-5),
     DeviceError, "at least 1"),
    ("device: zero shots", lambda: qml.device("default.qubit", wires=2, shots=0),
     DeviceError, "at least 1"),
    ("device: fractional shots", lambda: qml.device("default.qubit", wires=2, shots=2.5),
     DeviceError, "shots must be"),
    ("device: shots as text", lambda: qml.device("default.qubit", wires=2, shots="10"),
     DeviceError, "shots must be"),
    ("device: NaN shots", lambda: qml.device("default.qubit", wires=2, shots=float("nan")),
     DeviceError, "shots must be"),
    ("device: shots=True", lambda: qml.device("default.qubit", wires=2, shots=True),
     DeviceError, "shots must be"),
    ("device: 10**30 shots", lambda: qml.device("default.qubit", wires=2, shots=10 ** 30),
     DeviceError, "shots=None"),
    ("device: shot vector with a negative count",
     lambda: qml.device("default.qubit", wires=2, shots=[10, -1]), DeviceError, "positive"),
    ("device: text seed", lambda: qml.device("default.qubit", wires=1, seed="abc"),
     DeviceError, "seed"),
    # QNode options
    ("qnode: unknown diff_method", lambda: _node(diff_method="magic"), QNodeError,
     "parameter-shift"),
    ("qnode: unknown interface", lambda: _node(interface="tensorflowx"), ArgumentError,
     "autograd"),
    ("qnode: a string for the device",
     lambda: qml.qnode("default.qubit")(lambda: qml.expval(qml.PauliZ(0))), QNodeError,
     "qml.device"),
    ("qnode: cache='yes'", lambda: _node(cache="yes"), ArgumentError, "'auto', True"),
    ("qnode: negative cachesize", lambda: _node(cachesize=-1), ArgumentError, "cachesize"),
    ("qnode: finite-diff step 0", lambda: _node(diff_method="finite-diff", h=0.0),
     DifferentiationError, "h must be a finite number > 0"),
    ("qnode: finite-diff step NaN", lambda: _node(diff_method="finite-diff", h=float("nan")),
     DifferentiationError, "h must be a finite number > 0"),
    ("qnode: a zero shift", lambda: _node(diff_method="parameter-shift", shifts=[0.0]),
     DifferentiationError, "shifts must be"),
    ("qnode: unknown mcm_method", lambda: _node(mcm_method="bogus"), ArgumentError,
     "mcm_method"),
    ("qnode: negative max_diff", lambda: _node(max_diff=-1)(0.1), ArgumentError,
     "max_diff"),
    ("qnode: fractional max_diff", lambda: _node(max_diff=1.5)(0.1), ArgumentError,
     "max_diff"),
    ("qnode: grad_on_execution='maybe'", lambda: _node(grad_on_execution="maybe")(0.1),
     ArgumentError, "grad_on_execution"),
    ("qnode: gradient of diff_method=None",
     lambda: qml.grad(_node(diff_method=None))(_t(0.1)), MethodError, "diff_method"),
    # gates
    ("gate: no wires", lambda: qml.RX(0.1), GateError, "wires="),
    ("gate: too many wires", lambda: qml.RX(0.1, wires=[0, 1]), WireError, "1 wire"),
    ("gate: two parameters for one", lambda: qml.RX(0.1, 0.2, wires=0), GateError,
     "1 parameter"),
    ("gate: text parameter", lambda: qml.RX("a", wires=0), GateError, "real number"),
    ("gate: complex parameter", lambda: qml.RX(1j, wires=0), GateError, "complex"),
    ("gate: NaN parameter", lambda: _one_wire(
        lambda: (qml.RX(float("nan"), wires=0), qml.expval(qml.PauliZ(0)))[1])(),
     GateError, "finite"),
    ("gate: inf parameter", lambda: _one_wire(
        lambda: (qml.RX(float("inf"), wires=0), qml.expval(qml.PauliZ(0)))[1])(),
     GateError, "finite"),
    ("gate: CNOT on one wire", lambda: qml.CNOT(wires=0), WireError, "2 wire"),
    ("gate: CNOT on one wire twice", lambda: qml.CNOT(wires=[0, 0]), WireError,
     "duplicate"),
    ("gate: Rot with two angles", lambda: qml.Rot(0.1, 0.2, wires=0), GateError,
     "3 parameter"),
    ("gate: unhashable wire", lambda: qml.RX(0.1, wires=[[0]]), WireError, "hashable"),
    ("gate: QubitUnitary of the wrong size", lambda: qml.QubitUnitary(onp.eye(3), wires=0),
     GateError, "shape"),
    ("gate: a wire not on the device", lambda: _one_wire(
        lambda: (qml.RX(0.1, wires=5), qml.expval(qml.PauliZ(0)))[1])(), WireError,
     "not on the device"),
    ("measurement: a wire not on the device", lambda: _one_wire(
        lambda: qml.probs(wires=[0, 3]))(), WireError, "not on the device"),
    # argnum
    ("argnum: out of range", lambda: qml.grad(_node(), argnum=5)(_t(0.1)),
     DifferentiationError, "out of range"),
    ("argnum: jacobian out of range", lambda: qml.jacobian(_node(), argnum=3)(_t(0.1)),
     DifferentiationError, "out of range"),
    ("argnum: a float", lambda: qml.grad(_node(), argnum=1.0)(_t(0.1)),
     DifferentiationError, "int"),
    ("argnum: a string", lambda: qml.grad(_node(), argnum="x")(_t(0.1)),
     DifferentiationError, "int"),
    ("argnum: True", lambda: qml.grad(_node(), argnum=True)(_t(0.1)),
     DifferentiationError, "int"),
    ("argnum: repeated", lambda: qml.grad(_node(), argnum=[0, 0])(_t(0.1)),
     DifferentiationError, "repeats"),
    ("argnum: the same argument from both ends",
     lambda: qml.jacobian(_node(), argnum=[-1, 0])(_t(0.1)), DifferentiationError,
     "repeats"),
    # what is differentiated
    ("grad of something not callable", lambda: qml.grad(3)(0.1), DifferentiationError,
     "function"),
    ("grad of a vector", lambda: qml.grad(lambda x: [x, x])(_t(0.1)), ScalarOutputError,
     "qml.jacobian"),
    ("grad of a string", lambda: qml.grad(lambda x: "a")(_t(0.1)), ScalarOutputError,
     "numbers"),
    ("grad of None", lambda: qml.grad(lambda x: None)(_t(0.1)), ScalarOutputError,
     "numbers"),
    ("jacobian of a string", lambda: qml.jacobian(lambda x: "a")(_t([0.1])),
     DifferentiationError, "numbers"),
    ("jacobian of None in a tuple", lambda: qml.jacobian(lambda x: (x, None))(_t([0.1])),
     DifferentiationError, "numbers"),
    ("jacobian of plain numpy.array of QNode results",
     lambda: qml.jacobian(lambda v: onp.array([_node()(v[0]), _node()(v[1])]))(_t([0.1, 0.2])),
     DifferentiationError, "qsym's numpy"),
    ("grad of plain numpy.array of a QNode result",
     lambda: qml.grad(lambda v: onp.array(_node()(v)))(_t(0.1)), ScalarOutputError,
     "qsym's numpy"),
    # arguments
    ("argument: NaN", lambda: _node()(float("nan")), ArgumentError, "finite"),
    ("argument: inf", lambda: _node()(float("inf")), ArgumentError, "finite"),
    ("argument: NaN under grad", lambda: qml.grad(_node())(_t(float("nan"))),
     ArgumentError, "finite"),
    ("argument: inf in an array", lambda: qml.grad(_node())(_t(float("-inf"))),
     ArgumentError, "finite"),
    ("argument: None", lambda: _node()(None), GateError, "real number"),
    ("argument: text", lambda: _node()("abc"), GateError, "real number"),
    ("argument: complex", lambda: _node()(1j), GateError, "complex"),
    ("argument: an object array", lambda: _node()(onp.array([None], dtype=object)),
     ArgumentError, "numeric"),
    ("argument: a text array", lambda: _node()(onp.array("a")), GateError, "real number"),
    ("argument: an int beyond a float's range", lambda: _node()(10 ** 400), GateError,
     "too large for a float"),
    ("argument: a ragged nested list as a gate angle",
     lambda: _node()([[0.1], [0.2, 0.3]]), GateError, "rows of lengths [1, 2]"),
    ("argument: a list of a number and a list as a gate angle",
     lambda: _node()([0.1, [0.2, 0.3]]), GateError, "rows of lengths [0, 2]"),
    ("observable: a NaN Hamiltonian coefficient", lambda: _one_wire(
        lambda: qml.expval(qml.Hamiltonian([1.0, onp.nan], [qml.PauliZ(0), qml.PauliX(0)])))(),
     MeasurementError, "not finite"),
    ("observable: a coefficient beyond a float's range", lambda: _one_wire(
        lambda: qml.expval(qml.Hamiltonian([10 ** 400], [qml.PauliZ(0)])))(),
     MeasurementError, "not finite"),
    ("observable: an infinite scalar multiple", lambda: _one_wire(
        lambda: qml.var(onp.inf * qml.PauliZ(0)))(), MeasurementError, "not finite"),
    ("observable: a NaN coefficient with shots", lambda: qml.qnode(qml.device(
        "default.qubit", wires=1, shots=10))(
        lambda: qml.expval(qml.Hamiltonian([onp.nan], [qml.Identity(0)])))(),
     MeasurementError, "not finite"),
    ("call: negative shots", lambda: _node()(0.1, shots=-1), DeviceError, "at least 1"),
    ("sample without shots", lambda: _one_wire(lambda: qml.sample(qml.PauliZ(0)))(),
     DeviceError, "shots"),
    *[(f"observable: Hermitian({A!r})", lambda A=A: qml.Hermitian(A, wires=0),
       MeasurementError, "Hermitian takes a square matrix of numbers")
      for A in ("x", [["1", "0"], ["0", "1"]])],  # a bare ValueError, or text read as 1
    # default.gaussian's hbar: a NaN made every number NaN, a negative one a bare math
    # domain error at the first displacement
    *[(f"device: default.gaussian hbar={h!r}", lambda h=h: qml.device(
        "default.gaussian", wires=1, hbar=h), DeviceError, "hbar must be a finite number > 0")
      for h in (onp.nan, onp.inf, -1.0, 0, "2", None, 1j)],
]


@pytest.mark.parametrize("call,error,fragment", [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])
def test_bad_input_is_refused_with_a_specific_error(call, error, fragment):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, QsymError)
    assert fragment in str(info.value), str(info.value)


def test_a_plain_number_coefficient_is_judged_by_its_float(monkeypatch):
    """An observable coefficient that is a sympy number is finite exactly when its float
    is (verdicts by hand: a float beyond 1.8e308, or sympy's NaN and infinities, are not;
    a tiny rational is 0.0, finite), with no sympy tree search or complex evaluation
    (issue #17); a coefficient that is not a plain number takes the general path."""
    import sympy as sp

    from qsym import _ir

    want = {sp.Integer(3): False, sp.Float(-2.5): False, sp.Rational(1, 3): False,
            sp.Rational(1, 10 ** 400): False, sp.Integer(10 ** 400): True,
            sp.Rational(10 ** 400, 3): True, sp.Float("1e400"): True, sp.nan: True,
            sp.oo: True, -sp.oo: True, sp.zoo: True, 2 * sp.pi: False,
            sp.I * sp.oo: True}
    assert {c: _ir._not_finite(c) for c in want} == want

    def refuse(*args, **kwargs):
        raise AssertionError("a sympy tree search for a plain number")

    monkeypatch.setattr(sp.Basic, "has", refuse)
    assert {c: _ir._not_finite(c) for c in want if c.is_Number} == {
        c: v for c, v in want.items() if c.is_Number}


def test_pennylane_exception_types_are_kept():
    """Where PennyLane raises a built-in type, qsym's exception is one too (code written
    for PennyLane that catches it keeps working)."""
    assert issubclass(ScalarOutputError, TypeError)  # autograd's grad of a non-scalar
    assert issubclass(DifferentiationError, ValueError)  # autograd's jacobian of a str
    assert issubclass(DeviceError, ValueError)
    assert issubclass(ArgumentError, TypeError) and issubclass(ArgumentError, ValueError)


# inputs near the refused ones that must work, with closed forms (<Z1> = cos x)
ACCEPTED = [
    ("a float32 scalar", lambda: _node()(onp.float32(0.25)), math.cos(onp.float32(0.25))),
    ("an int8 array", lambda: _node()(onp.array(1, dtype=onp.int8)), math.cos(1.0)),
    ("a long double", lambda: _node()(onp.longdouble(0.3)), math.cos(0.3)),
    ("2**63 as uint64", lambda: _node()(onp.uint64(2 ** 63)), math.cos(float(2 ** 63))),
    ("a huge finite angle", lambda: _node()(1e300), math.cos(1e300)),
    ("a negative argnum", lambda: float(qml.grad(_node(), argnum=-1)(_t(0.3))),
     -math.sin(0.3)),
    ("a numpy integer argnum", lambda: float(qml.grad(_node(), argnum=onp.int64(0))(_t(0.3))),
     -math.sin(0.3)),
    ("numpy integer shots", lambda: qml.device("default.qubit", wires=1,
                                               shots=onp.int64(5)).shots.total_shots, 5),
    ("a ragged list the circuit indexes", lambda: qml.qnode(qml.device(
        "default.qubit", wires=1))(lambda v: (qml.RX(v[1][1], wires=0),
                                            qml.expval(qml.PauliZ(0)))[1])([0.1, [0.2, 0.3]]),
     math.cos(0.3)),
    ("grad of a constant", lambda: float(qml.grad(lambda x: 2.0)(_t(0.1))), 0.0),
    ("default.gaussian with an int hbar: <x> = sqrt(2 hbar) Re(alpha)",
     lambda: float(qml.qnode(qml.device("default.gaussian", wires=1, hbar=1))(
         lambda: (qml.Displacement(0.5, 0.0, wires=0), qml.expval(qml.QuadX(0)))[1])()),
     math.sqrt(2) * 0.5),
    ("grad of an object array of a number",
     lambda: float(qml.grad(lambda x: onp.array(2.0, dtype=object))(_t(0.1))), 0.0),
    ("jacobian through qsym.numpy.array", lambda: float(qml.jacobian(
        lambda v: np.array([_node()(v[0]), _node()(v[1])]))(_t([0.1, 0.2]))[1, 1]),
     -math.sin(0.2)),
]


@pytest.mark.parametrize("call,want", [r[1:] for r in ACCEPTED], ids=[r[0] for r in ACCEPTED])
def test_inputs_near_the_refused_ones_give_the_closed_form(call, want):
    assert abs(float(call()) - want) < 1e-12


def test_int_wires_take_the_short_path_with_the_same_labels_and_errors():
    """A gate's wires given as ints (an int, a list or tuple of ints) skip the general label
    checks (issue #17: a 12x8 HEA's trace and checks make 900 gates): the same ``Wires``
    as from the general path (numpy integers, a range), the same errors for repeated
    labels; a bool label is not an int here (True == 1: a duplicate of wire 1)."""
    from qsym.wires import Wires

    assert qml.CNOT(wires=[2, 5]).wires == qml.CNOT(wires=range(2, 7, 3)).wires == (2, 5)
    assert qml.RX(0.1, wires=3).wires == qml.RX(0.1, wires=onp.int64(3)).wires == (3,)
    for w in (Wires((0, 4)), qml.CNOT(wires=(0, 4)).wires, qml.RY(0.2, wires=4).wires):
        assert type(w) is Wires and all(type(x) is int for x in w)
    assert Wires((0, 4)) == Wires([onp.int64(0), onp.int64(4)])
    for bad in ([0, 0], (1, 1), [True, 1]):
        with pytest.raises(WireError, match="duplicate"):
            qml.CNOT(wires=bad)
    with pytest.raises(WireError, match="unique"):
        Wires((3, 3))
    with pytest.raises(WireError, match="unique"):
        Wires((True, 1))


# --- optimizers' hyperparameters ---------------------------------------------------------
# A NaN, infinite, complex, text or None step size was taken as given: every later iterate
# NaN, infinite or complex (x - (1j) * g), or a TypeError inside the update; Adam's
# beta1 = 1 divides by zero. Each is an ArgumentError when set (in __init__ and after).
_OPTIMIZERS = {
    "stepsize": [qml.GradientDescentOptimizer, qml.MomentumOptimizer,
                 qml.NesterovMomentumOptimizer, qml.AdagradOptimizer, qml.RMSPropOptimizer,
                 qml.AdamOptimizer, qml.QNGOptimizer, qml.MomentumQNGOptimizer],
    "momentum": [qml.MomentumOptimizer, qml.NesterovMomentumOptimizer],
    "eps": [qml.AdagradOptimizer, qml.RMSPropOptimizer, qml.AdamOptimizer],
    "decay": [qml.RMSPropOptimizer],
    "beta1": [qml.AdamOptimizer],
    "beta2": [qml.AdamOptimizer],
}
_NOT_NUMBERS = [float("nan"), float("inf"), -float("inf"), 1j, 0.1 + 0j, None, "0.1", True,
                [0.1, float("nan")], object()]
_OUT_OF_RANGE = {"eps": [-1e-8], "decay": [-0.1, 1.5], "beta1": [1.0, -0.1, 2.0],
                 "beta2": [1.5, -0.1]}


@pytest.mark.parametrize("name", sorted(_OPTIMIZERS))
def test_optimizer_hyperparameters_refuse_what_is_not_a_finite_real_in_range(name):
    for cls in _OPTIMIZERS[name]:
        for bad in _NOT_NUMBERS + _OUT_OF_RANGE.get(name, []):
            with pytest.raises(ArgumentError, match=f"{cls.__name__}: {name} must be"):
                cls(**{name: bad})
            opt = cls()
            with pytest.raises(ArgumentError, match=f"{name} must be"):  # a schedule's set
                setattr(opt, name, bad)


def test_optimizer_hyperparameters_in_range_keep_pennylanes_updates():
    """Zero and negative step sizes (no step, ascent), NumPy scalars, 0-d tensors and real
    arrays stay allowed and give the closed forms: x - eta * 2x for the cost sum(x**2)."""
    def cost(x):  # gradient 2x
        return np.sum(x ** 2)

    for eta, value in [(0.0, 0), (-0.3, -0.3), (0.25, onp.float64(0.25)),
                       (0.1, np.array(0.1)), (2, onp.int64(2))]:
        out = qml.GradientDescentOptimizer(value).step(cost, np.array([1.5]))
        assert math.isclose(float(out[0]), 1.5 - eta * 3.0, rel_tol=1e-15)
    opt = qml.GradientDescentOptimizer(np.array([0.1, 0.2]))  # per-coordinate, broadcast
    assert onp.allclose(opt.step(cost, np.array([1.0, 1.0])), [0.8, 0.6])
    opt = qml.AdamOptimizer(0.1, beta1=0.0, beta2=1.0, eps=0.0)  # the closed ends allowed
    assert opt.beta1 == 0.0 and opt.beta2 == 1.0 and opt.eps == 0.0


def test_optimizer_stepsize_being_differentiated_is_checked_by_its_number():
    """Meta-learning: qml.grad of a loss through opt.step by the step size (an autograd box
    when set, in __init__ or by a schedule) is allowed, as PennyLane's. One step on
    sum(x**2) from x0: x1 = (1 - 2 eta) x0, loss = |x0|^2 (1 - 2 eta)^2, by hand
    d loss / d eta = -4 |x0|^2 (1 - 2 eta)."""
    def cost(x):
        return np.sum(x ** 2)

    def by_init(eta):
        return cost(qml.GradientDescentOptimizer(eta).step(cost, np.array([1.0, 2.0])))

    def by_set(eta):
        opt = qml.MomentumOptimizer(0.5)  # momentum's first step is gradient descent's
        opt.stepsize = eta
        return cost(opt.step(cost, np.array([1.0, 2.0])))

    for f in (by_init, by_set):
        d = qml.grad(f)(np.array(0.25, requires_grad=True))
        assert math.isclose(float(d), -4 * 5.0 * (1 - 2 * 0.25), rel_tol=1e-12)
    with pytest.raises(ArgumentError, match="stepsize must be a finite real number"):
        qml.grad(by_init)(np.array(float("nan"), requires_grad=True))


def test_optimizer_stepsize_accepts_exactly_the_finite_reals():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=30, deadline=None, derandomize=True)
    @given(st.one_of(st.floats(), st.complex_numbers(), st.integers(-10**6, 10**6),
                     st.text(max_size=3), st.none(), st.booleans()))
    def check(value):
        finite_real = (isinstance(value, (int, float)) and not isinstance(value, bool)
                       and math.isfinite(value))
        if finite_real:
            assert qml.AdamOptimizer(value).stepsize == value
        else:
            with pytest.raises(ArgumentError, match="stepsize must be a finite real number"):
                qml.AdamOptimizer(value)

    check()


@pytest.mark.parametrize("options, fragment", [
    ({"steps": True}, "steps must be an int"),
    ({"steps": 10**20}, "more than qml.minimize records"),  # was numpy's 'Maximum allowed
    ({"tol": "a"}, "tol must be a number"),                  # dimension exceeded'
    ({"tol": 1j}, "tol must be a number"),
    ({"tol": None}, "tol must be a number"),
    ({"threads": 1.5}, "threads must be an int"),            # was int(1.5): 1, silently
    ({"threads": "2"}, "threads must be an int"),
    ({"threads": True}, "threads must be an int"),
    ({"optimizer": qml.GradientDescentOptimizer(0.1), "threads": 0}, "threads must be >= 1"),
])
def test_minimize_options_are_refused_with_a_specific_error(options, fragment):
    with pytest.raises(ArgumentError, match=fragment):
        qml.minimize(_node(), np.array(0.3), **{"steps": 2, **options})


def test_a_gate_matrix_of_autograd_values_is_kept_and_differentiated():
    """A ``QubitUnitary`` made from autograd values of its entries under ``qml.grad``
    outside a circuit (or a transform rebuilding the gate from boxed parameters: the
    Hadamard test's classical Jacobian, oracle seed 150 #19) raised NumPy's bare
    ``TypeError: must be real number, not ArrayBox``, then (stops 50-62) a
    DifferentiationError; since stop 63 (pl63a) the gate keeps autograd's matrix, as
    PennyLane's: the function's own derivative is untouched (2, by hand) and the matrix's
    entry is differentiated exactly (d sin t / dt = cos t; PennyLane 0.45.1 gives both)."""
    import autograd
    import autograd.numpy as anp

    def rotation(t):
        return anp.array([[anp.cos(t), -anp.sin(t)], [anp.sin(t), anp.cos(t)]])

    def f(t):
        qml.QubitUnitary(rotation(t), wires=0)
        return 2 * t

    def g(t):
        return anp.real(qml.matrix(qml.QubitUnitary(rotation(t), wires=0))[1, 0])

    assert autograd.grad(f)(0.3) == 2.0
    assert autograd.grad(g)(0.3) == pytest.approx(np.cos(0.3), abs=1e-15)


# --- a compiled circuit (qml.compile) after bad calls, changed globals, bad inputs --------
def _two_angles(dev=None):
    @qml.qnode(dev or qml.device("default.qubit", wires=1))
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))  # = cos(p0) cos(p1)

    return circuit


@pytest.mark.parametrize("bad", [
    lambda f: f([0.5]),  # the function indexes params[1]: IndexError
    lambda f: f([[0.5, 0.2]]),  # a nested list: RX of a list, a TypeError in the function
], ids=["too-short", "nested"])
def test_a_call_the_function_fails_on_keeps_the_qnodes_signatures(bad):
    """A call whose arguments the circuit function itself fails on (an ``IndexError``
    raised by the user's code, tried once more per call) used to drop every signature the
    QNode had compiled: the QNode traced and compiled them again, and a ``qml.compile``
    result of it refused every later call ("do not match the compiled signature")."""
    circuit = _two_angles()
    compiled = qml.compile(circuit, [0.54, 0.12])
    entry = circuit.compiled(([0.1, 0.2],), {}, compiled.diff)[0]
    with pytest.raises((IndexError, TypeError, QsymError)):
        bad(circuit)
    with pytest.raises((IndexError, TypeError, QsymError)):
        bad(compiled.value)
    assert circuit.per_call is None
    assert circuit.compiled(([0.1, 0.2],), {}, compiled.diff)[0] is entry  # not traced again
    p = [0.3, -0.7]
    assert compiled.value(p) == pytest.approx(math.cos(0.3) * math.cos(-0.7), abs=1e-12)
    assert compiled.grad(p) == pytest.approx(
        [-math.sin(0.3) * math.cos(-0.7), -math.cos(0.3) * math.sin(-0.7)], abs=1e-12)


SCALE = 1.0


def test_a_compiled_circuit_refuses_a_changed_global_by_name_and_runs_when_it_is_back():
    """The QNode traces again when a global it reads changes; its compiled circuit would
    give the old value's numbers, so it raises naming the value (it said "these arguments
    do not match the compiled signature", also after the value was put back)."""
    global SCALE

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(SCALE * x, wires=0)
        return qml.expval(qml.PauliZ(0))  # = cos(SCALE x)

    compiled = qml.compile(circuit, 0.4)
    try:
        SCALE = 2.0
        assert float(circuit(0.4)) == pytest.approx(math.cos(0.8), abs=1e-12)
        with pytest.raises(qml.ExportError, match="SCALE.*compile again"):
            compiled.value(0.4)
        with pytest.raises(qml.ExportError, match="SCALE"):
            compiled.export("/nonexistent-folder/never_written.py")
    finally:
        SCALE = 1.0
    assert compiled.value(0.4) == pytest.approx(math.cos(0.4), abs=1e-12)
    assert compiled.grad(0.4) == pytest.approx(-math.sin(0.4), abs=1e-12)


def test_a_compiled_circuit_runs_the_qnodes_per_call_checks_and_names_a_nan_input():
    """``qml.compile``'s value/grad/jacobian ran the compiled code alone: bits of a
    ``BasisState`` given as inputs that are not 0 or 1 gave numbers (``cos`` of a rotation
    by ``pi b``) where the QNode raises ``GateError``, and a NaN input a bare
    ``ValueError("qsym: non-finite input")``."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(bits, x):
        qml.BasisState(bits, wires=[0, 1])
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))  # = -cos(x) for bits (1, 0)

    compiled = qml.compile(circuit, onp.array([1.0, 0.0]), 0.3, argnum=1)
    assert compiled.value(onp.array([1.0, 0.0]), 0.3) == pytest.approx(-math.cos(0.3), abs=1e-12)
    assert compiled.grad(onp.array([1.0, 0.0]), 0.3) == pytest.approx(math.sin(0.3), abs=1e-12)
    for bits in ([0.5, 0.0], [2.0, 0.0]):
        for f in (compiled.value, compiled.grad, compiled.jacobian):
            with pytest.raises(GateError, match="0s and 1s"):
                f(onp.array(bits), 0.3)
    two = qml.compile(_two_angles(), [0.54, 0.12])
    for f in (two.value, two.grad, two.jacobian):
        with pytest.raises(ArgumentError, match="NaN"):
            f([float("nan"), 0.12])
        with pytest.raises(ArgumentError, match="infinite"):
            f([0.1, float("inf")])


def test_an_export_runs_the_qnodes_per_call_checks(tmp_path):
    """An exported module (``export`` then ``qml.load``) ran the compiled code alone:
    ``BasisState`` bits of 0.5 or 2 and an ``AmplitudeEmbedding`` state of norm 1.08 gave
    numbers where the QNode raises. The export now writes the checks (numpy only) and
    raises ``ValueError`` with the QNode's message (one export: it takes seconds)."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(f, b, x):
        qml.AmplitudeEmbedding(f, wires=0)
        qml.BasisState(b, wires=[1])
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))  # f = (a, c): (a^2 - c^2) cos x (-1)^b

    good = (onp.array([0.6, 0.8]), onp.array([1.0]), 0.3)
    value, derivative = 0.28 * math.cos(0.3), -0.28 * math.sin(0.3)
    compiled = qml.compile(circuit, *good, argnum=2)
    path = compiled.export(str(tmp_path / "checked_export.py"))
    mod = qml.load(path, expected_hash=compiled.export_sha256)
    assert float(mod.value(*good)) == pytest.approx(value, abs=1e-12)
    assert float(mod.grad(*good)) == pytest.approx(derivative, abs=1e-12)
    assert float(compiled.grad(*good)) == pytest.approx(derivative, abs=1e-12)
    for args, message in [((good[0], onp.array([0.5]), 0.3), "0s and 1s"),
                          ((good[0], onp.array([2.0]), 0.3), "0s and 1s"),
                          ((onp.array([0.6, 0.9]), good[1], 0.3), "norm 1.0")]:
        for f in (mod.value, mod.grad, mod.jacobian):
            with pytest.raises(ValueError, match=message):
                f(*args)
        for f in (compiled.value, compiled.grad, compiled.jacobian):
            with pytest.raises(GateError, match=message):
                f(*args)


def test_minimize_checks_every_data_row_as_the_qnode_does():
    """``qml.minimize(..., data=...)``'s compiled loop ran every data row without the
    QNode's per-call checks: ``BasisState`` bits 0.5 and 2.0 as data rows were optimized
    on (numbers of a rotation by ``pi b``) where the QNode raises ``GateError``."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(x, b=None):
        qml.BasisState(b, wires=[1])
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))  # = (-1)^b cos x

    targets = onp.array([0.0, 0.0])
    for rows in (onp.array([[0.5], [0.0]]), onp.array([[1.0], [2.0]])):
        with pytest.raises(GateError, match="0s and 1s"):
            qml.minimize(circuit, onp.array([0.3]), data={"b": rows}, targets=targets, steps=3)
    result = qml.minimize(circuit, onp.array([0.3]), data={"b": onp.array([[1.0], [0.0]])},
                          targets=targets, steps=3)
    x = 0.3  # cost mean(cos^2 x) = cos^2 x, gradient -sin 2x, step size 0.01
    for _ in range(3):
        x += 0.01 * math.sin(2 * x)
    assert result.compiled and result.x == pytest.approx([x], abs=1e-12)
