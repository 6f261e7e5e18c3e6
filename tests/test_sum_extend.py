"""A sum extended by ``+`` keeps its operands' Pauli forms (issue #17): ``Z(0) + Z(1) + ...
+ Z(n-1)`` makes n Pauli forms and n tape look-ups, not n^2/2 of each, and gives the same
operator (words, coefficients, their order, gates, wires) as the sum made in one go.

References are independent of the code under test: the work counted by wrapping the
functions that do it; values and gradients in closed form (``<Z_i>`` after ``RX(p_i)`` is
``cos p_i``; after ``RX(p)`` then ``RY(q)`` the Bloch vector is ``(cos p sin q, -sin p,
cos p cos q)``); what the tape holds compared with the sum made without the kept forms (the
path every sum took before), which is how PennyLane's queue treats the operands."""

from __future__ import annotations

import copy
import pickle

import numpy as onp
import pytest

import qsym as qml
from qsym import _operations as ops_mod
from qsym import numpy as pnp
from qsym._trace import Tape, recording


def _plus_sum(n, start=0):
    obs = qml.Z(start)
    for i in range(start + 1, start + n):
        obs = obs + qml.Z(i)
    return obs


@pytest.fixture
def counted(monkeypatch):
    """Counts of Pauli forms made of gates (``as_observable``) and of tape look-ups
    (``Tape.remove``, a scan of the tape's items)."""
    counts = {"forms": 0, "removes": 0}
    as_obs, remove = ops_mod.as_observable, Tape.remove

    def counting_as_observable(obj):
        counts["forms"] += 1
        return as_obs(obj)

    def counting_remove(self, op):
        counts["removes"] += 1
        return remove(self, op)

    monkeypatch.setattr(ops_mod, "as_observable", counting_as_observable)
    monkeypatch.setattr(Tape, "remove", counting_remove)
    return counts


@pytest.mark.parametrize("on_tape", [True, False])
def test_a_plus_built_sum_makes_each_form_once(counted, on_tape):
    for n in (25, 50):
        counted.update(forms=0, removes=0)
        if on_tape:
            tape = Tape()
            with recording(tape):
                obs = _plus_sum(n)
                tape.measured(obs._gates)
        else:
            obs = _plus_sum(n)
        # one form per gate (before: n(n+1)/2 - 1 = 1274 for n = 50), one look-up each
        assert counted["forms"] == n
        assert counted["removes"] == (n if on_tape else 0)
        assert len(obs.operands) == n and len(obs.terms) == n


def test_a_sum_of_scaled_terms_and_products_makes_each_form_once(counted):
    tape = Tape()
    with recording(tape):
        obs = 0.5 * qml.X(0)
        for i in range(1, 40):
            obs = obs + (i * qml.Z(i) if i % 2 else qml.X(i) @ qml.Y(i + 1))
        tape.measured(obs._gates)
    # X(0); Z(i) for the 20 odd i; X(i) and Y(i + 1) for the 19 even i
    assert counted["forms"] == 1 + 20 + 2 * 19
    assert counted["removes"] == counted["forms"]


def _without_kept(monkeypatch):
    monkeypatch.setattr(ops_mod._KeptForms, "of", staticmethod(lambda s: None))


def _described(obs):
    return (list(obs.terms.items()), [id(g) for g in obs._gates], list(obs.wires),
            [repr(o) for o in obs.operands])


BUILDS = [
    lambda: _plus_sum(7),
    # zero coefficients on the way and at the end (words dropped, then back, in order)
    lambda: qml.Z(0) + qml.X(1) - qml.Z(0) + qml.Y(2) + qml.Z(0) - qml.Y(2),
    lambda: 0.25 * qml.X("a") + qml.Z(0) @ qml.Z(1) + 3 + qml.Hamiltonian([0.5], [qml.Y(1)])
    + qml.Z("a"),
    # a sum extended by a sum, and a sum extended by a gate without a Pauli form
    lambda: (qml.Z(0) + qml.Z(1)) + (qml.X(0) + qml.X(2)) + qml.Z(3),
    lambda: qml.Z(0) + qml.Z(1) + qml.RX(0.3, wires=2) + qml.Z(3),
]


@pytest.mark.parametrize("k", range(len(BUILDS)))
def test_the_extended_sum_is_the_sum_made_again(monkeypatch, k):
    with monkeypatch.context() as m:
        _without_kept(m)
        want = _described(BUILDS[k]())
    assert _described(BUILDS[k]()) == want
    fresh = BUILDS[k]()
    if fresh._merged is not None:  # words and coefficients: the sum made in one go
        assert fresh.terms == qml.sum(*fresh.operands).terms


def test_plus_sum_agrees_with_qml_sum_and_hamiltonian_values_and_gradients():
    n = 5
    p = onp.array([0.3, -1.1, 0.7, 2.0, -0.4])
    q = onp.array([0.9, 0.2, -1.3, 0.5, 1.7])
    coeffs = onp.array([0.5, -1.0, 2.0, 0.25, 1.5])

    def circuit(kind):
        def fn(p, q):
            for i in range(n):
                qml.RX(p[i], wires=i)
                qml.RY(q[i], wires=i)
            zs = [qml.Z(i) for i in range(n)]
            xs = [qml.X(i) for i in range(n)]
            if kind == "plus":
                obs = coeffs[0] * zs[0]
                for i in range(1, n):
                    obs = obs + coeffs[i] * zs[i]
                for i in range(n):
                    obs = obs + xs[i]
            elif kind == "sum":
                obs = qml.sum(*[c * z for c, z in zip(coeffs, zs)], *xs)
            else:
                obs = qml.Hamiltonian([*coeffs, *[1.0] * n], [*zs, *xs])
            return qml.expval(obs)

        return qml.QNode(fn, qml.device("default.qubit", wires=n))

    # by hand: after RX(p_i) then RY(q_i) on |0>, the Bloch vector is
    # (cos p_i sin q_i, -sin p_i, cos p_i cos q_i)
    value = float(onp.sum(coeffs * onp.cos(p) * onp.cos(q) + onp.cos(p) * onp.sin(q)))
    dp = -coeffs * onp.sin(p) * onp.cos(q) - onp.sin(p) * onp.sin(q)
    dq = -coeffs * onp.cos(p) * onp.sin(q) + onp.cos(p) * onp.cos(q)
    for kind in ("plus", "sum", "hamiltonian"):
        node = circuit(kind)
        pp, qq = pnp.array(p, requires_grad=True), pnp.array(q, requires_grad=True)
        assert float(node(pp, qq)) == pytest.approx(value, abs=1e-12)
        gp, gq = qml.grad(node)(pp, qq)
        assert onp.allclose(gp, dp, atol=1e-12) and onp.allclose(gq, dq, atol=1e-12)


def _recorded(body):
    """What a tape holds after ``body`` runs on it: its items, the gates waiting for a
    measurement, and body's result described."""
    tape = Tape()
    with recording(tape):
        out = body()
    return [id(x) for x in tape.items], sorted(tape.observed), _described(out)


def _scenarios():
    outside = qml.Z(5)  # made off any tape: looked at again on it

    def made_outside():
        s = outside + qml.Z(0)
        return s + qml.Z(1)

    def applied_again():
        g = qml.Z(0)
        s = g + qml.Z(1)
        qml.apply(g)  # the observable's gate applied again: taken off again by the next +
        return s + qml.Z(2)

    def measured_between():
        s = qml.Z(0) + qml.Z(1)
        qml.expval(s)
        return s + qml.Z(2)

    def outside_applied():
        s = outside + qml.Z(0)
        qml.apply(outside)
        return s + qml.Z(1)

    return [made_outside, applied_again, measured_between, outside_applied]


@pytest.mark.parametrize("k", range(4))
def test_the_tape_is_left_as_without_kept_forms(monkeypatch, k):
    ids_then = None
    with monkeypatch.context() as m:
        _without_kept(m)
        items, observed, desc = _recorded(_scenarios()[k])
        ids_then = (len(items), len(observed), desc[0], len(desc[1]), desc[2])
    items, observed, desc = _recorded(_scenarios()[k])
    assert (len(items), len(observed), desc[0], len(desc[1]), desc[2]) == ids_then


def test_a_users_queue_gets_the_same_operators():
    def body():
        with qml.queuing.AnnotatedQueue() as q:
            s = qml.Z(0) + qml.Z(1)
            s2 = s + qml.Z(2) + qml.X(0)
        return q.queue, s2

    queue, s2 = body()
    assert queue == [s2] and s2.terms == qml.sum(qml.Z(0), qml.Z(1), qml.Z(2), qml.X(0)).terms


def test_copies_and_pickles_make_their_forms_again():
    s = qml.Z(0) + qml.Z(1)
    for other in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert other.__dict__.get("_kept") is None
        assert (other + qml.Z(2)).terms == (s + qml.Z(2)).terms
    c = copy.copy(s)
    assert list((c + qml.X(0)).terms.items()) == [(((0, "Z"),), 1), (((1, "Z"),), 1),
                                                  (((0, "X"),), 1)]
