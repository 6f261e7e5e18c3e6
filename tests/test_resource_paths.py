"""PennyLane's qml.resource (issue #18): Resources arithmetic, resources of tapes, CircuitSpecs
by level, algorithmic errors and the Trotter error bounds, checked against counts made by hand
and exact matrices (scipy's expm)."""

import math
from collections import defaultdict
from functools import partial

import numpy as np
import pytest
from scipy.linalg import expm

import qsym as qml
from qsym.resource import (CircuitSpecs, Resources, SpecsResources, add_in_parallel,
                           add_in_series, mul_in_parallel, mul_in_series, substitute)

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])
I2 = np.eye(2)


# ---- Resources arithmetic ---------------------------------------------------------------------
def _two():
    a = Resources(2, 3, {"H": 2, "CNOT": 1}, {1: 2, 2: 1}, 2, qml.measurements.Shots(10))
    b = Resources(3, 2, {"CNOT": 1, "RX": 1}, {2: 1, 1: 1}, 4, qml.measurements.Shots(5))
    return a, b


def test_series_and_parallel_counted_by_hand():
    a, b = _two()
    s = a + b
    assert (s.num_wires, s.num_gates, s.depth) == (3, 5, 6)
    assert s.gate_types == {"H": 2, "CNOT": 2, "RX": 1} and s.gate_sizes == {1: 3, 2: 2}
    assert s.shots.total_shots == 15
    assert add_in_series(a, b) == s
    p = add_in_parallel(a, b)
    assert (p.num_wires, p.num_gates, p.depth) == (5, 5, 4)


def test_multiples_counted_by_hand():
    a, _ = _two()
    for r in (a * 3, 3 * a, mul_in_series(a, 3)):
        assert (r.num_wires, r.num_gates, r.depth, r.gate_types["H"]) == (2, 9, 6, 6)
        assert r.shots.total_shots == 30
    p = mul_in_parallel(a, 3)
    assert (p.num_wires, p.num_gates, p.depth, p.gate_sizes) == (6, 9, 2, {1: 6, 2: 3})


def test_substitute_counted_by_hand_and_its_errors():
    a, _ = _two()
    rep = Resources(1, 3, {"RZ": 2, "RY": 1}, {1: 3}, 3)  # H = RZ RY RZ (up to phase)
    s = substitute(a, ("H", 1), rep)
    assert s.gate_types == {"CNOT": 1, "RZ": 4, "RY": 2}
    assert (s.num_gates, s.gate_sizes, s.depth, s.num_wires) == (7, {1: 6, 2: 1}, 5, 2)
    assert substitute(a, ("T", 1), rep) is a  # no such gate: unchanged
    wider = substitute(a, ("CNOT", 2), Resources(4, 1, {"X": 1}, {4: 1}, 1))
    assert wider.num_wires == 4
    with pytest.raises(ValueError, match="does not contain a gate acting on 3 wires"):
        substitute(a, ("H", 3), rep)
    with pytest.raises(ValueError, match="Found 2 gates of type H, but only 1 gates act on 2"):
        substitute(a, ("H", 2), rep)


def test_resources_default_print_and_frozen():
    r = Resources()
    assert r.shots == qml.measurements.Shots(None)
    assert str(Resources(1, 1, {"X": 1}, {1: 1}, 1)) == (
        "num_wires: 1\nnum_gates: 1\ndepth: 1\nshots: Shots(total=None)\n"
        "gate_types:\n{'X': 1}\ngate_sizes:\n{1: 1}")
    with pytest.raises(Exception, match="cannot assign"):
        r.num_wires = 3
    d = defaultdict(int, {"X": 1})  # the dict's type is kept
    assert isinstance(mul_in_series(Resources(1, 1, d, {1: 1}, 1), 2).gate_types, defaultdict)


# ---- resources of tapes ---------------------------------------------------------------------
class _Costly(qml.resource.ResourcesOperation):
    num_wires = 2

    def resources(self):
        return Resources(2, 3, {"T": 2, "CNOT": 1}, {1: 2, 2: 1}, 3)


def test_resources_from_tape_counted_by_hand():
    ops = [qml.Hadamard(0), qml.ctrl(qml.IsingXX(0.1, wires=[2, 3]), control=[0, 1]),
           qml.ctrl(qml.RX(0.2, wires=3), control=[1]), _Costly(wires=[0, 1])]
    tape = qml.tape.QuantumScript(ops, [qml.probs(), qml.expval(qml.Z(0))])
    r = qml.resource.resources_from_tape(tape)
    assert r.gate_types == {"Hadamard": 1, "2C(IsingXX)": 1, "CRX": 1, "T": 2, "CNOT": 1}
    assert r.gate_sizes == {1: 3, 4: 1, 2: 2}
    assert r.measurements == {"probs(all wires)": 1, "expval(PauliZ)": 1}
    assert r.num_allocs == 4
    # layers: H(0) | C2(XX) on 0-3 | CRX(1,3), then _Costly(0,1) weighted by its depth 3
    assert r.depth == 1 + 1 + 1 + 3
    assert qml.resource.resources_from_tape(tape, compute_depth=False).depth is None


def test_abstract_operation_classes_refuse_to_be_made():
    class NoResources(qml.resource.ResourcesOperation):
        num_wires = 1

    class NoError(qml.resource.ErrorOperation):
        num_wires = 1

    for cls in (NoResources, NoError):
        with pytest.raises(TypeError, match="Can't instantiate abstract class"):
            cls(wires=0)
    with pytest.raises(TypeError, match="Can't instantiate abstract class"):
        qml.resource.AlgorithmicError(0.1)


# ---- CircuitSpecs by level --------------------------------------------------------------------
def test_circuit_specs_by_level_table_and_dict():
    one = SpecsResources({"H": 2}, {1: 2}, {"expval(PauliZ)": 1}, 1, 2)
    b = SpecsResources({"CNOT": 1}, {2: 1}, {"expval(PauliX)": 1}, 2, 1)
    specs = CircuitSpecs("default.qubit", 2, None, {0: "user", 1: "split"},
                         {0: one, 1: [b, b]})
    lines = str(specs).split("\n")
    assert lines[3:6] == ["Levels:", "- 0: user", "- 1: split"]
    assert lines[7].split() == ["↓Metric", "Level→", "|", "0", "|", "1-a", "|", "1-b"]
    assert lines[9].split() == ["Wire", "allocations", "|", "1", "|", "2", "|", "2"]
    assert lines[12].split() == ["-", "H", "|", "2", "|", "0", "|", "0"]
    flat = specs.to_pretty_str(tabular=False)
    assert "Level = 1:\n    Batched tape a:\n        Wire allocations: 2" in flat
    assert specs.to_dict()["resources"][1][1]["num_gates"] == 1


# ---- algorithmic errors -----------------------------------------------------------------------
class _Times(qml.resource.AlgorithmicError):
    def combine(self, other):
        return _Times(self.error * other.error)


class _Approx(qml.resource.ErrorOperation):
    num_wires = 1

    def __init__(self, e, wires):
        self.e = e
        super().__init__(e, wires=wires)

    @staticmethod
    def compute_decomposition(e, wires):
        return [qml.RX(e, wires)]

    def error(self):
        return _Times(self.e)


def test_algo_error_combines_by_class():
    h = qml.dot([1.0, 0.5], [qml.X(0), qml.Y(0)])

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.TrotterProduct(h, time=0.5, n=2, order=2)
        _Approx(0.5, 0)
        _Approx(0.25, 1)
        qml.TrotterProduct(h, time=0.5, n=2, order=2)
        return qml.state()

    errors = qml.resource.algo_error(c)()
    assert errors["_Times"].error == 0.125
    single = qml.TrotterProduct(h, time=0.5, n=2, order=2).error().error
    assert np.isclose(errors["SpectralNormError"].error, 2 * single)
    with pytest.raises(ValueError, match="can only be applied to a QNode"):
        qml.resource.algo_error(lambda: None)


def test_the_device_level_is_after_the_devices_own_transforms():
    # PennyLane's: at "device" (= slice(0, None)) default.qubit has decomposed the
    # TrotterProduct, so no operator with an error is left; before, its error is there
    h = qml.dot([1.0, 0.5], [qml.X(0), qml.Y(0)])

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c():
        qml.TrotterProduct(h, time=1.0, n=4, order=2)
        return qml.state()

    single = qml.TrotterProduct(h, time=1.0, n=4, order=2).error().error
    assert np.isclose(qml.resource.algo_error(c, level="user")()["SpectralNormError"].error,
                      single)
    assert qml.resource.algo_error(c, level="device")() == {}
    assert qml.resource.algo_error(c, level=slice(0, None))() == {}

    @qml.qnode(qml.device("default.qubit", wires=2))
    def layers(w):
        qml.BasicEntanglerLayers(w, wires=[0, 1])
        return qml.expval(qml.Z(0))

    w = np.ones((2, 2))  # by hand: per layer an RX per wire, one CNOT on 2 wires
    low = qml.specs(layers, level="device")(w).resources
    assert low.gate_types == {"RX": 4, "CNOT": 2}
    assert qml.specs(layers, level=slice(0, None))(w).resources == low
    assert qml.specs(layers)(w).resources.gate_types == {"BasicEntanglerLayers": 1}


# ---- Trotter error bounds against the exact error ---------------------------------------------
_TERMS = [(0.8, np.kron(X, X), qml.X(0) @ qml.X(1)), (-0.6, np.kron(Z, I2), qml.Z(0)),
          (0.5, np.kron(I2, Y), qml.Y(1))]


def _product_formula(mats, t, order, n):
    """The order-1 or order-2 product formula by hand (exp of each term), ``n`` steps."""
    dt = t / n
    if order == 1:
        step = np.eye(4)
        for m in mats:
            step = expm(-1j * dt * m) @ step
    else:
        half = [expm(-0.5j * dt * m) for m in mats]
        step = np.eye(4)
        for u in half + half[::-1]:
            step = u @ step
    return np.linalg.matrix_power(step, n)


@pytest.mark.parametrize("order, n, t", [(1, 1, 0.3), (1, 5, 1.0), (2, 1, 0.4), (2, 4, 1.2)])
def test_trotter_bounds_hold_against_the_exact_error(order, n, t):
    from qsym.resource.error.trotter_error import _commutator_error, _one_norm_error

    mats = [c * m for c, m, _ in _TERMS]
    ops = [qml.s_prod(c, op) for c, _, op in _TERMS]
    exact = np.linalg.norm(expm(-1j * t * sum(mats)) - _product_formula(mats, t, order, n), 2)
    one_norm = _one_norm_error(ops, t, order, n, fast=True)
    comm = _commutator_error(ops, t, order, n, fast=False)
    assert exact <= comm and exact <= one_norm
    # the one-norm bound by hand: (sum |c_j| t)^(p+1) / ((p+1)! n^p) (upsilon^(p+1) + 1)
    ups = 1 if order == 1 else 2
    norm1 = sum(abs(c) for c, _, _ in _TERMS)
    hand = (norm1 * t) ** (order + 1) / (math.factorial(order + 1) * n**order) * (ups ** (order + 1) + 1)
    assert np.isclose(one_norm, hand)


def test_first_order_commutator_bound_by_hand():
    """Order 1, two terms: 2 t^2 / (2 n) * (||[H2, H1]|| + ||[H1, H2]||) = 2 t^2 ||[H1, H2]|| / n."""
    from qsym.resource.error.trotter_error import _commutator_error

    h1, h2 = 0.8 * np.kron(X, X), -0.6 * np.kron(Z, I2)
    comm = np.linalg.norm(h1 @ h2 - h2 @ h1, 2)
    t, n = 0.7, 3
    got = _commutator_error([qml.s_prod(0.8, qml.X(0) @ qml.X(1)), qml.s_prod(-0.6, qml.Z(0))],
                            t, 1, n, fast=False)
    assert np.isclose(got, 2 * t**2 * comm / n)


def test_spectral_norm_of_operators_without_pauli_form():
    from qsym.resource.error.trotter_error import _spectral_norm

    m = expm(-0.5j * 1.1 * X)  # RX(1.1): unitary, spectral norm 1, Frobenius sqrt(2)
    assert np.isclose(_spectral_norm(qml.RX(1.1, 0), fast=False), np.linalg.norm(m, 2))
    assert np.isclose(_spectral_norm(qml.RX(1.1, 0), fast=True), np.linalg.norm(m, "fro"))


# ---- subroutine resource representations, OperationRecorder -----------------------------------
def test_subroutine_resource_reps_key_the_call():
    from qsym.templates import AbstractArray
    from qsym.templates.core import adjoint_subroutine_resource_rep, subroutine_resource_rep

    S = qml.templates.Subroutine(lambda x, wires: None)
    r1 = subroutine_resource_rep(S, AbstractArray((3,), float), wires=AbstractArray((2,)))
    assert r1 == subroutine_resource_rep(S, AbstractArray((3,), float), AbstractArray((2,)))
    assert r1 != subroutine_resource_rep(S, AbstractArray((4,), float), wires=AbstractArray((2,)))
    adj = adjoint_subroutine_resource_rep(S, AbstractArray((3,), float), wires=AbstractArray((2,)))
    assert adj.name == "Adjoint(SubroutineOp)"
    rep = qml.templates.core.change_op_basis_subroutine_resource_rep(
        partial(S, AbstractArray((3,), float), wires=AbstractArray((2,))), qml.X(0))
    assert dict(rep.params)["compute_op"] == r1
    assert dict(rep.params)["uncompute_op"] == adj


def test_operation_recorder_records_a_layer():
    with qml.tape.OperationRecorder() as rec:
        qml.layer(lambda x, wires: qml.RY(x, wires=wires), 3, [0.1, 0.2, 0.3], wires=1)
    assert [(op.name, op.parameters, list(op.wires)) for op in rec.operations] == [
        ("RY", [0.1], [1]), ("RY", [0.2], [1]), ("RY", [0.3], [1])]
    assert rec.queue == rec.operations


def test_operation_recorder_lists_observables_and_requeues_inside_a_qnode():
    """PennyLane's recorder: ``obs``/``queue``/``str`` list the measurements' observables
    (a measurement without one as itself), and inside a QNode the recorded gates are the
    circuit's too (values by hand below)."""
    with qml.tape.OperationRecorder() as rec:
        qml.RZ(3, wires=0)
        qml.var(qml.PauliZ(0))
        qml.probs(wires=0)
    assert rec.obs[0] == qml.PauliZ(0) and isinstance(rec.obs[1], qml.measurements.ProbabilityMP)
    assert rec.queue == rec.operations + rec.obs
    assert str(rec).endswith("Observables\n===========\nZ(0)\nprobs(wires=[0])\n")

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def recorded(b, c):
        qml.RY(b, wires=1)
        with qml.tape.OperationRecorder():
            qml.PauliY(0)
            qml.RZ(c, wires=0)
            qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))

    b = 0.3
    z0, z1 = recorded(b, 0.4)
    # wire 0 ends in |1> (Y|0> = i|1>, RZ a phase): <Z0> = -1; the CNOT flips wire 1's
    # RY(b)|0> to X RY(b)|0>: <Z1> = -cos(b)
    assert np.allclose([z0, z1], [-1.0, -np.cos(b)], atol=1e-12)
