"""adv67 (stop 67): an adversarial review of stop 66's mechanisms. Each test fails on
main 88cad92e and checks against an independent reference (values by hand, PennyLane
0.45.1's numbers computed in /work/plvenv, NumPy)."""
import copy

import numpy as np
import pytest

import qsym as qml
from qsym.errors import DifferentiationError


def fd_node(**kwargs):
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="finite-diff", **kwargs)
    def f(x):
        qml.RX(x, 0)
        return qml.expval(qml.PauliZ(0))

    return f


def forward(h, x=0.5):
    """The forward difference of <Z> = cos x with step h (by hand)."""
    return (np.cos(x + h) - np.cos(x)) / h


X = qml.numpy.array(0.5, requires_grad=True)


def test_gradient_kwargs_changed_in_place_or_assigned_are_used():
    """PennyLane 0.45.1's QNode passes ``qnode.gradient_kwargs`` to each execution: a
    change in place or an assignment after the QNode was made gives the new step's
    forward difference (PennyLane: -0.6745605120444658 for h=0.5, -0.5835747720662074
    for h=0.25; qsym kept the step of the QNode's construction, 1e-7, on every path)."""
    f = fd_node(gradient_kwargs={"h": 1e-7})
    assert abs(qml.grad(f)(X) + np.sin(0.5)) < 1e-6
    f.gradient_kwargs["h"] = 0.5
    assert f.h == 0.5
    for _ in range(3):  # (the short paths too)
        assert abs(qml.grad(f)(X) - forward(0.5)) < 1e-12
    f.gradient_kwargs = {"h": 0.25}
    assert abs(qml.grad(f)(X) - forward(0.25)) < 1e-12
    f.gradient_kwargs.update(h=0.125)
    assert abs(qml.jacobian(f)(X) - forward(0.125)) < 1e-12
    del f.gradient_kwargs["h"]  # the default step again
    assert f.h == 1e-7 and abs(qml.grad(f)(X) + np.sin(0.5)) < 1e-6


def test_gradient_kwargs_bad_value_in_place_raises_and_changes_nothing():
    f = fd_node(gradient_kwargs={"h": 0.5})
    with pytest.raises(DifferentiationError, match="finite-difference step"):
        f.gradient_kwargs["h"] = -1.0
    assert f.gradient_kwargs == {"h": 0.5} and f.h == 0.5
    assert abs(qml.grad(f)(X) - forward(0.5)) < 1e-12


def test_gradient_kwargs_of_a_copy_are_its_own():
    f = fd_node(gradient_kwargs={"h": 0.5})
    qml.grad(f)(X)
    for g in (copy.copy(f), copy.deepcopy(f)):
        g.gradient_kwargs["h"] = 0.25
        assert abs(qml.grad(g)(X) - forward(0.25)) < 1e-12
        assert f.gradient_kwargs == {"h": 0.5}
        assert abs(qml.grad(f)(X) - forward(0.5)) < 1e-12
    assert type(copy.copy(f.gradient_kwargs)) is dict


def test_postselected_rows_are_not_kept_after_their_measurement():
    """``linear_rows``' cache (proj66: an LRU of four) kept a postselected ``probs``'
    rows after every circuit asking for them was gone: 170 MB each at 9 wires after two
    postselected ones (a 9-wire QNode pair deleted: 526 MB resident, 203 MB now). The rows
    are kept while the measurement lives (a weak key), so a later derivative's build still
    finds them. Measurements that compare unequal (an exact and a floating coefficient,
    another postselected value) get their own rows."""
    import gc

    import sympy as sp

    from qsym import _ir

    half = sp.Rational(1, 2)
    m = _ir.Measurement("probs", on=(0, 1, 2), post=((half, ()), (-half, ((3, "Z"),))))
    rows = _ir.linear_rows(m)
    assert len(rows) == 2**3 + 1 and _ir.linear_rows(m)[0] is rows[0]  # cached while alive
    del m
    gc.collect()
    assert [r for r in gc.get_referrers(rows[0]) if r is not rows] == []
    # equal-looking measurements that differ: their own rows
    word = ((0, "Z"),)
    exact, floating = (_ir.Measurement("expval", terms=((c, word),))
                       for c in (sp.Integer(1), sp.Float(1.0)))
    assert type(_ir.linear_rows(exact)[0][0][0]) is not type(_ir.linear_rows(floating)[0][0][0])
    on1, on0 = (_ir.Measurement("probs", on=(0,), post=((half, ()), (s * half, ((1, "Z"),))))
                for s in (-1, 1))
    # P(0 | wire 1 is 1) rows: <P1 (1 + Z0)/2 P1> = (1 + Z0 - Z1 - Z0 Z1) / 4, by hand
    expected = {(): half / 2, ((0, "Z"),): half / 2, ((1, "Z"),): -half / 2,
                ((0, "Z"), (1, "Z")): -half / 2}
    assert dict((w, c) for c, w in _ir.linear_rows(on1)[0]) == expected
    assert dict((w, c) for c, w in _ir.linear_rows(on0)[0])[((1, "Z"),)] == half / 2



def test_gradient_kwargs_argnum_given_in_place_reaches_grads_short_path(monkeypatch):
    """grad.__call__'s short path no longer reads ``gradient_kwargs`` at each call (a
    change drops it): an ``argnum`` put in place after the short path was made is
    honoured at the next call (PennyLane 0.45.1: derivative 0 for the parameters not
    named: RY's here), as given at construction."""
    monkeypatch.setenv("QSYM_TIER", "compiled")

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    def c(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = qml.numpy.array([0.54, 0.12], requires_grad=True)
    full = [-np.sin(0.54) * np.cos(0.12), -np.cos(0.54) * np.sin(0.12)]
    for _ in range(4):
        assert np.allclose(qml.grad(c)(x), full, rtol=0, atol=1e-15)
    assert c._grad_fast is not None and c._grad_fast[2] is not None
    c.gradient_kwargs["argnum"] = [0]
    for _ in range(3):
        assert np.allclose(qml.grad(c)(x), [full[0], 0.0], rtol=0, atol=1e-15)
    del c.gradient_kwargs["argnum"]
    for _ in range(3):
        assert np.allclose(qml.grad(c)(x), full, rtol=0, atol=1e-15)
