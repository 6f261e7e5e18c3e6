"""A new circuit's module key, made when needed (issue #17, stop 64).

The interpreter tier's module is named by a key that hashes the circuit
(:func:`qsym._ir.structural_hash`) and its program (:func:`qsym._interp.program_key`): about
1 ms of a 12x8 HEA's first gradient, for a look in the cache folder (did an earlier process
compile this circuit?) that the first answer does not need. The key is now made at its
first use, and the look happens after the process's first answer (at a circuit's tier-0
call from its second on), at ``wait()``, or before a promotion would compile the circuit. Checked here: no hash before
the first answers (whose numbers are checked against values worked out by hand); the look
and the load of a module an earlier process compiled still happen, after the first answer
only; ``wait()`` looks at once.
"""

from __future__ import annotations

import math

import pytest

import qsym as qml
from qsym import _interp as interp, _ir as ir, _runtime as runtime, _tiers as tiers
from qsym import numpy as np


def _node(c):
    """A one-wire QNode of its own (``c``: a constant of its own per test, so that no test
    finds another's module in this process)."""
    def circuit(x):
        qml.RX(1.5 * x[0] - c, wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return qml.QNode(circuit, qml.device("default.qubit", wires=1))


def _by_hand(x, c):
    """<Z> after RX(a) RY(b) on |0>: cos(a) cos(b); its gradient by the chain rule."""
    a, b = 1.5 * x[0] - c, x[1]
    return (math.cos(a) * math.cos(b),
            [-1.5 * math.sin(a) * math.cos(b), -math.cos(a) * math.sin(b)])


@pytest.fixture
def auto_tier(monkeypatch, tmp_path):
    """The default tier (auto) over an empty cache folder of the test's own; nothing loaded
    from it for real (Compiled._load_cached noted instead)."""
    monkeypatch.setenv("QSYM_TIER", "auto")
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    loads = []
    monkeypatch.setattr(runtime.Compiled, "_load_cached", lambda self: loads.append(self))
    return loads


def _counting_hashes(monkeypatch):
    made = []
    structural, program = ir.structural_hash, interp.program_key
    monkeypatch.setattr(ir, "structural_hash",
                        lambda *a: made.append("circuit") or structural(*a))
    monkeypatch.setattr(interp, "program_key",
                        lambda *a, **k: made.append("program") or program(*a, **k))
    return made


def test_a_new_circuits_first_answers_make_no_key(monkeypatch, auto_tier):
    answered = [False]  # (as before the process's first answer)
    monkeypatch.setattr(tiers, "answered", lambda: answered[0])
    made = _counting_hashes(monkeypatch)
    node = _node(0.25)
    x = np.array([0.4, -0.9], requires_grad=True)
    value, grad = node(x), qml.grad(node)(x)
    want_value, want_grad = _by_hand(x, 0.25)
    assert math.isclose(float(value), want_value, abs_tol=1e-12)
    assert np.allclose(grad, want_grad, atol=1e-12, rtol=0)
    assert made == []
    entry = node.compiled((x,), {})[0]
    assert entry._cache_unseen and entry.module._name is None
    # made when needed: the module's name (here by wait(), which looks in the cache folder)
    assert entry.wait() == "python"
    assert not entry._cache_unseen and made.count("circuit") == 1 and "program" in made
    assert entry.module.__name__ == f"qsym_interp_{entry.module.key()}"
    assert auto_tier == []  # (nothing compiled in that folder)
    # the same numbers after the look, and the key made once
    assert np.allclose(qml.grad(node)(x), want_grad, atol=1e-12, rtol=0)
    assert made.count("circuit") == 1


def test_a_module_an_earlier_process_compiled_is_found_after_the_first_answer(
        monkeypatch, auto_tier):
    x = np.array([0.3, 1.1], requires_grad=True)
    first = _node(0.375)
    qml.grad(first)(x)
    # its text written to the cache folder and its name recorded, as a compile does
    first.compiled((x,), {})[0].module.load()
    answered = [False]
    monkeypatch.setattr(tiers, "answered", lambda: answered[0])
    node = _node(0.375)
    want = _by_hand(x, 0.375)[1]
    assert np.allclose(qml.grad(node)(x), want, atol=1e-12, rtol=0)
    entry = node.compiled((x,), {})[0]
    assert entry._cache_unseen and auto_tier == [] and not entry._promoted
    answered[0] = True  # the process has answered: the next tier-0 call looks
    assert np.allclose(qml.grad(node)(x), want, atol=1e-12, rtol=0)
    assert auto_tier == [entry] and entry._promoted and not entry._cache_unseen
    qml.grad(node)(x)
    assert auto_tier == [entry]  # (looked once)
    # a circuit made after the process's first answer: not in its own first answer either
    later = _node(0.375)
    assert np.allclose(qml.grad(later)(x), want, atol=1e-12, rtol=0)
    again = later.compiled((x,), {})[0]
    assert again._cache_unseen and auto_tier == [entry]
    assert np.allclose(qml.grad(later)(x), want, atol=1e-12, rtol=0)
    assert auto_tier == [entry, again] and not again._cache_unseen


def test_a_promotion_looks_in_the_cache_folder_first(monkeypatch, auto_tier):
    """A circuit due for its background compile before the process's first answer was
    looked for (a program compiled by an earlier process) is loaded, not compiled again."""
    x = np.array([-0.7, 0.2], requires_grad=True)
    first = _node(0.625)
    qml.grad(first)(x)
    first.compiled((x,), {})[0].module.load()
    monkeypatch.setattr(tiers, "answered", lambda: False)
    compiles = []
    monkeypatch.setattr(runtime.Compiled, "_start_job",
                        lambda self, *a, **k: compiles.append(self))
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 2)
    node = _node(0.625)
    for _ in range(3):
        assert np.allclose(qml.grad(node)(x), _by_hand(x, 0.625)[1], atol=1e-12, rtol=0)
    entry = node.compiled((x,), {})[0]
    assert auto_tier == [entry] and compiles == []


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_input_is_named(bad):
    """The build's finiteness check (one test an argument since stop 64) names the first
    input that is not finite, in the order of the arguments, a keyword argument's too."""
    from qsym.errors import ArgumentError

    def circuit(x, y, scale=1.0):
        qml.RX(x[0] * scale, wires=0)
        qml.RY(x[1] + y[0, 1], wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(circuit, qml.device("default.qubit", wires=1))
    y = np.array([[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(ArgumentError, match=rf"input x\[1\] is {bad}; circuit inputs must be"):
        node(np.array([0.5, bad]), np.array([[0.1, bad], [0.3, 0.4]]))
    with pytest.raises(ArgumentError, match=rf"input y\[1, 0\] is {bad}; circuit inputs"):
        node(np.array([0.5, 0.25]), np.array([[0.1, 0.2], [bad, 0.4]]))
    with pytest.raises(ArgumentError, match=rf"input scale is {bad}; circuit inputs must"):
        node(np.array([0.5, 0.25]), y, scale=bad)
    # finite: cos(0.5) cos(0.25 + 0.2), by hand
    assert math.isclose(float(node(np.array([0.5, 0.25]), y)),
                        math.cos(0.5) * math.cos(0.45), abs_tol=1e-12)
