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
