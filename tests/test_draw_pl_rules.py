"""qml.draw following PennyLane 0.45.1's drawing rules (expected strings written by hand
from those rules: layers, ``┤↗X├`` boxes of Pauli product measurements, classical wires)."""
import warnings

import pytest

import qsym as qml


def _bell():
    qml.Hadamard(0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


@pytest.mark.parametrize("level", [None, "device", 1, "user"])
def test_a_quantum_function_ignores_level_with_a_warning(level):
    with pytest.warns(UserWarning, match="the level argument is ignored"):
        drawer = qml.draw(_bell, level=level)
    # nothing to transform: drawn as written
    assert drawer() == "0: ──H─╭●─┤     \n1: ────╰X─┤  <Z>"


@pytest.mark.parametrize("level", ["gradient", "top", 0])
def test_a_quantum_function_at_the_default_levels_does_not_warn(level):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert qml.draw(_bell, level=level)() == "0: ──H─╭●─┤     \n1: ────╰X─┤  <Z>"
