"""qml.pytrees: PennyLane's flatten / unflatten / register_pytree (written from PennyLane's
documented semantics: leaves depth first, dict keys in order, gates' parameters as leaves)."""

import numpy as onp
import pytest

import qsym as qml
from qsym.pytrees import PyTreeStructure, flatten, leaf, register_pytree, unflatten


def test_containers_round_trip():
    x = {"a": [1, (2, 3)], "b": {"c": 4}}
    data, structure = flatten(x)
    assert data == [1, 2, 3, 4]
    assert structure == PyTreeStructure(dict, ("a", "b"), (
        PyTreeStructure(list, None, (leaf, PyTreeStructure(tuple, None, (leaf, leaf)))),
        PyTreeStructure(dict, ("c",), (leaf,))))
    assert unflatten([5, 6, 7, 8], structure) == {"a": [5, (6, 7)], "b": {"c": 8}}
    with pytest.raises(StopIteration):
        unflatten([1], structure)  # too few leaves


def test_gates_are_pytrees_of_their_parameters():
    op = qml.PauliRot(0.3, "XY", wires=[0, 1])
    data, structure = flatten([op, qml.Hadamard(2)])
    assert data == [0.3]
    new = unflatten([0.7], structure)
    assert new[0].name == "PauliRot" and new[0].data == (0.7,)
    assert new[0].hyperparameters["pauli_word"] == "XY"
    assert onp.allclose(new[0].matrix(), qml.PauliRot(0.7, "XY", wires=[0, 1]).matrix())
    assert str(flatten(qml.RX(0.1, wires=0))[1]) == "PyTree(RX, (Wires([0]), ()), (Leaf,))"


def test_registered_type_and_is_leaf():
    class Box:
        def __init__(self, v):
            self.v = v

    register_pytree(Box, lambda b: ((b.v,), None), lambda d, _: Box(d[0]))
    data, structure = flatten([Box([1, 2]), 3])
    assert data == [1, 2, 3]
    assert unflatten([4, 5, 6], structure)[0].v == [4, 5]
    assert flatten([(1, 2), 3], is_leaf=lambda a: isinstance(a, tuple))[0] == [(1, 2), 3]
    with pytest.raises(TypeError, match="is not a Pytree type"):
        qml.pytrees.get_typename(int)
