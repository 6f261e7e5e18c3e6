"""qml.generator of an operator whose generator is PennyLane's old-style class attribute
``[class or matrix, prefactor]``: read with PennyLane's deprecation warning."""

from __future__ import annotations

import numpy as np
import pytest

import qsym as qml


class _OneParameter(qml.operation.Operation):
    num_params = 1
    num_wires = 1


def test_a_class_and_prefactor():
    class Old(_OneParameter):
        generator = [qml.PauliY, -0.25]

    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning, match="generator property"):
        gen, prefactor = qml.generator(Old(0.5, wires="w"))
    assert gen.name == "PauliY" and list(gen.wires) == ["w"] and prefactor == -0.25


def test_a_matrix_and_prefactor():
    class Old(_OneParameter):
        generator = [np.diag([0.0, 1.0]), 2.0]

    with pytest.warns(UserWarning, match="generator property"):
        gen, prefactor = qml.generator(Old(0.5, wires=3))
    assert gen.name == "Hermitian" and prefactor == 2.0
    assert np.allclose(qml.matrix(gen), np.diag([0.0, 1.0]))


def test_nothing_usable_is_refused():
    class Old(_OneParameter):
        generator = [None, 1]

    with pytest.warns(UserWarning), pytest.raises(qml.errors.GeneratorUndefinedError):
        qml.generator(Old(0.5, wires=0))
