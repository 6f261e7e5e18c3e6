"""A traced gate angle's realness decided by its form (``_operations._real_by_structure``)
before sympy's assumption system is asked: the short walk must never call real what sympy
does not (checked against ``is_real`` on random expressions), and a traced angle that is
not real is still refused."""

import numpy as onp
import pytest
import sympy as sp

import qsym as qml
from qsym import _operations as operations
from qsym.errors import GateError

X, Y = sp.symbols("x y", real=True)
Z = sp.Symbol("z")  # no assumption: sympy cannot say it is real
LEAVES = [X, Y, Z, sp.Integer(2), sp.Rational(-1, 3), sp.Float(0.25), sp.I, sp.oo, sp.nan,
          sp.pi, sp.Integer(0)]


def _random_expr(rng, depth):
    if depth == 0 or rng.random() < 0.3:
        return LEAVES[rng.integers(len(LEAVES))]
    a, b = _random_expr(rng, depth - 1), _random_expr(rng, depth - 1)
    make = [lambda: a + b, lambda: a * b, lambda: a ** int(rng.integers(-2, 3)),
            lambda: sp.cos(a), lambda: a - b][rng.integers(5)]
    try:
        return make()
    except (ValueError, TypeError):  # sympy refuses some forms (cos of infinity)
        return a


def test_the_walk_calls_real_only_what_sympy_calls_real():
    rng = onp.random.default_rng(5501)
    decided = 0
    for _ in range(1500):
        e = _random_expr(rng, 4)
        if not isinstance(e, sp.Expr):
            continue
        if operations._real_by_structure(e):
            decided += 1
            assert e.is_real is True, e
    assert decided > 200  # the walk decides the common forms


def test_a_per_call_special_unitarys_rotation_angles_are_decided_by_the_walk():
    """The angles a per-call ``SpecialUnitary`` records (a sum of constant multiples of
    ``theta_l - theta0_l``) are the walk's case."""
    th = sp.symbols("t0:15", real=True)
    phi = sp.Add(*[sp.Float(0.1 * (k + 1)) * (t - sp.Float(0.01 * k)) for k, t in enumerate(th)])
    assert operations._real_by_structure(phi)


def test_a_traced_angle_that_is_not_real_is_still_refused():
    """Expressions of traced inputs the walk does not decide go to sympy as before."""
    for angle in (X + sp.I, X**2 + 1 + sp.I, Y * X - sp.I):
        with pytest.raises(GateError, match="not real"):
            operations.check_param("RX", angle)
    for angle in (X * Y - 2, sp.cos(X), (X + 1) ** 2, Z):  # real, or not known: kept
        assert operations.check_param("RX", angle) == angle


def test_a_qnode_given_a_complex_angle_refuses_it():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(1j * x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(GateError, match="gate angles must be real"):
        circuit(0.3)
