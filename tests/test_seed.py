"""The seed document runs with qsym and prints its numbers.

The expected numbers are the ones printed in ../shared/seed/executing-quantum-gradients.md
(computed there by PennyLane), not values taken from qsym; the closed forms below are
d/dx cos(x0) cos(x1).
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qsym as qml

SEED_GRAD = [-0.5104386525165021, -0.10267819945693196]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "executing_quantum_gradients.py"


def _seed_circuits():
    dev1 = qml.device("default.qubit", wires=1)

    @qml.qnode(dev1)
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval.PauliZ(0)

    @qml.qnode(dev1)
    def circuit2(phi1, phi2):
        qml.RX(phi1, wires=0)
        qml.RY(phi2, wires=0)
        return qml.expval.PauliZ(0)

    return circuit, circuit2


def test_seed_gradient_numbers():
    circuit, _ = _seed_circuits()
    g = qml.grad(circuit, argnum=0)([0.54, 0.12])
    # by a list: a list of 0-d arrays, as PennyLane 0.45 (autograd) returns (the seed prints a list)
    assert isinstance(g, list) and len(g) == 2 and all(np.shape(v) == () for v in g)
    np.testing.assert_allclose(g, SEED_GRAD, rtol=0, atol=1e-12)
    # closed form: -sin(a) cos(b), -cos(a) sin(b)
    np.testing.assert_allclose(
        g, [-np.sin(0.54) * np.cos(0.12), -np.cos(0.54) * np.sin(0.12)], atol=1e-15
    )


def test_seed_two_arguments():
    _, circuit2 = _seed_circuits()
    g = qml.grad(circuit2, argnum=[0, 1])(0.54, 0.12)
    assert isinstance(g, tuple) and len(g) == 2
    assert all(isinstance(v, np.ndarray) and v.shape == () for v in g)
    np.testing.assert_allclose([float(v) for v in g], SEED_GRAD, atol=1e-12)
    assert repr(g) == "(array(-0.51043865), array(-0.1026782))"


def test_seed_spellings_argnums_and_value():
    circuit, circuit2 = _seed_circuits()
    np.testing.assert_allclose(
        qml.grad(circuit, argnums=0)(np.array([0.54, 0.12])), SEED_GRAD, atol=1e-12
    )
    assert circuit([0.54, 0.12]) == pytest.approx(np.cos(0.54) * np.cos(0.12), abs=1e-15)
    g0 = qml.grad(circuit2, argnum=0)(0.54, 0.12)
    assert float(g0) == pytest.approx(SEED_GRAD[0], abs=1e-12)


def test_seed_example_script_prints_the_numbers():
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert "[-0.5104386525165021, -0.10267819945693196]" in out.stdout
    assert "(array(-0.51043865), array(-0.1026782))" in out.stdout
    assert "cos(params[0])*cos(params[1])" in out.stdout
