"""Stop 70's oracle round (oracle70): what the circuit oracle's new checks found.

References are PennyLane 0.45.1's numbers (computed in /work/plvenv with the same seeds:
qsym draws its samples as ``default.qubit`` draws them, and ``spsa``'s directions as
PennyLane's ``sampler_rng`` draws them) or structures written out by hand from PennyLane's
documented result types.
"""

from __future__ import annotations

import numpy as np
import pytest
from autograd.builtins import SequenceBox
from autograd.tracer import Box

import qsym as qml


def _types(r):
    """The nesting of a QNode's result under autograd: tuple/list at each level, leaves
    "box" (an autograd array box) or the leaf's type name."""
    if isinstance(r, tuple):
        return tuple(_types(v) for v in r)
    if isinstance(r, list):
        return [_types(v) for v in r]
    if isinstance(r, SequenceBox):
        return "SequenceBox"
    return "box" if isinstance(r, Box) else type(r).__name__


def _shot_vector_node(method, kwargs, ret, shots):
    dev = qml.device("default.qubit", wires=3, seed=3)

    @qml.qnode(dev, diff_method=method, gradient_kwargs=kwargs)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT([0, 1])
        if ret == "one":
            return qml.expval(qml.PauliZ(1))
        if ret == "list":
            return [qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])]
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])
    return qml.set_shots(c, shots=shots)


# PennyLane's QNode under autograd: a tuple per count of the shot vector, each the returned
# container of array boxes (a list stays a list inside the per-count tuple)
_EXPECTED = {"one": ("box", "box"), "tuple": (("box", "box"), ("box", "box")),
             "list": (["box", "box"], ["box", "box"])}


@pytest.mark.parametrize("method,kwargs", [("spsa", {"sampler_rng": 5}), ("hadamard", {}),
                                           ("parameter-shift", {"argnum": [1]}),
                                           ("finite-diff", {"argnum": [0]})])
@pytest.mark.parametrize("ret", ["one", "tuple", "list"])
def test_shot_vector_results_through_a_gradient_transform_are_tuples_of_boxes(method, kwargs, ret):
    """A shot vector's results on the QNode's tape path (``spsa``, ``hadamard``, an
    ``argnum``) were one autograd ``SequenceBox`` per count (and a returned list the outer
    container): ``isinstance(r, tuple)`` failed and ``qml.math.ravel`` of a count's
    results raised NumPy's ValueError (the oracle's seed 7002: "setting an array element
    with a sequence"). PennyLane's structure: found by the oracle, written out above."""
    node = _shot_vector_node(method, kwargs, ret, [100, 50])
    seen = []

    def f(v):
        r = node(v)
        seen.append(_types(r))
        # the structure only (PennyLane's Hadamard test refuses to differentiate several
        # measurements of a shot vector: the result is not differentiated)
        return qml.math.sum(v)
    qml.grad(f)(qml.numpy.array([0.3, 0.5], requires_grad=True))
    assert seen == [_EXPECTED[ret]]


def test_spsa_jacobian_of_a_shot_vector_of_a_list_is_pennylanes():
    """The whole Jacobian (each count's results flattened, as a user writes it) of a list
    return under ``spsa`` with a shot vector: PennyLane 0.45.1's numbers for the same
    device seed and ``sampler_rng`` (h = 0.1); before the fix flattening raised."""
    node = _shot_vector_node("spsa", {"sampler_rng": 5, "h": 0.1}, "list", [100, 50])
    jac = qml.jacobian(lambda v: qml.math.hstack(
        [qml.math.hstack([qml.math.ravel(u) for u in r]) for r in node(v)]))(
        qml.numpy.array([0.3, 0.5], requires_grad=True))
    pennylane = [[-0.6, -0.6], [-0.15, -0.15], [0.15, 0.15], [-0.6, -0.6], [-0.3, -0.3], [0.3, 0.3]]
    np.testing.assert_allclose(jac, pennylane, atol=1e-12)


def test_counts_of_broadcast_parameters_are_a_tuple_per_element():
    """``qml.counts`` of broadcast parameters with shots: PennyLane's tuple of each batch
    element's dict (qsym gave a list; the oracle's ``seeded`` family, seed 7010 case 3),
    inside a shot vector too; the dicts PennyLane 0.45.1's for the same seed."""
    dev = qml.device("default.qubit", wires=2, seed=3)

    @qml.qnode(dev, shots=[4, 6])
    def c(x):
        qml.RX(x, wires=0)
        qml.CNOT([0, 1])
        return qml.counts(wires=[0, 1]), qml.counts(qml.PauliZ(1)), qml.expval(qml.PauliZ(0))
    r = c(qml.numpy.array([0.3, 2.2]))
    assert isinstance(r, tuple) and len(r) == 2
    for per in r:
        assert isinstance(per[0], tuple) and isinstance(per[1], tuple)
    got = [[[{str(k): int(v) for k, v in d.items()} for d in per[0]],
            [{float(k): int(v) for k, v in d.items()} for d in per[1]],
            np.round(per[2], 6).tolist()] for per in r]
    pennylane = [[[{"00": 4}, {"00": 1, "11": 3}], [{1.0: 4}, {-1.0: 4}], [1.0, -1.0]],
                 [[{"00": 6}, {"11": 6}], [{1.0: 6}, {-1.0: 6}], [1.0, -1.0]]]
    assert got == pennylane

    @qml.qnode(dev, shots=10)
    def one(x):
        qml.RX(x, wires=0)
        return qml.counts(wires=[0])
    assert isinstance(one(qml.numpy.array([0.3, 1.2, 2.0])), tuple)


def test_a_hamiltonian_of_one_repeated_word_beside_other_measurements_draws_as_pennylane():
    """With several measurements PennyLane's ``default.qubit`` simplifies each ``Sum`` before
    grouping: a Hamiltonian whose terms are one Pauli word repeated is that word (summed
    coefficient), drawn with the qubit-wise commuting words. qsym drew it term by term, so
    it and every later draw differed from PennyLane's for the same seed (the oracle's
    ``seeded`` family, seed 7030 case 17). Reference: PennyLane 0.45.1's numbers, seed 11."""
    dev = qml.device("default.qubit", wires=2, seed=11)

    @qml.qnode(dev, shots=20)
    def c(x):
        qml.RY(x, wires=0)
        qml.CNOT([0, 1])
        qml.RX(0.4, wires=1)
        w = [qml.PauliY(1) @ qml.PauliZ(0) for _ in range(3)]
        return qml.expval(qml.Hamiltonian([0.3, 0.5, -1.2], w)), qml.expval(qml.PauliX(0)), \
            qml.sample(wires=[0, 1])
    e, xv, s = c(qml.numpy.array(0.7))
    assert abs(float(e) - 0.16) < 1e-12 and abs(float(xv) - 0.2) < 1e-12
    row = [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert np.asarray(s).T.tolist() == [row, row]


def test_exp_of_a_pauli_word_under_shots_samples_its_wires_in_pennylanes_order():
    """``qml.exp(X(13) @ X("q0"), 1j t)`` recorded its ``PauliRot`` on ``["q0", 13]``, so
    the device numbered the sampled wires otherwise than PennyLane (whose tape holds the
    ``Exp`` on ``[13, "q0"]``) and every sample moved for the same seed (the oracle's
    ``seeded`` family, seed 7030 case 33). Reference: PennyLane 0.45.1's samples (seed 5),
    equal to its ``IsingXX(-2t)`` on the same wires."""
    dev = qml.device("default.qubit", wires=[13, -1, "q0", "q2"], seed=5)

    @qml.qnode(dev, shots=12)
    def c(t):
        qml.exp(qml.PauliX(13) @ qml.PauliX("q0"), 1j * t)
        return qml.counts(qml.PauliY("q0")), qml.sample(qml.PauliX(13))
    counts, sample = c(0.3)
    assert {float(k): int(v) for k, v in counts.items()} == {-1.0: 5, 1.0: 7}
    assert np.asarray(sample).tolist() == [-1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                                           -1.0, -1.0, 1.0]
    assert qml.exp(qml.PauliX(13) @ qml.PauliX("q0"), 0.3j).decomposition()[0].wires.tolist() == [13, "q0"]
