"""A QNode read as its stages (issue #16, point 3): building a signature calls the stages of
qsym._stages in their order, a compiled signature's caches are its declared fields (nothing
is hung on it after its build), and a QNode's options are checked by qsym._options.
Reference values are the definitions (cos of the angle, the stage list of the design), not
numbers read from the code under test."""

import dataclasses
import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import _options as options
from qsym import _runtime as runtime
from qsym import _stages as stages
from qsym import numpy as np
from qsym.errors import ArgumentError

STAGES = ("make_symbols", "record", "collapse", "to_circuit", "check", "make_plan",
          "make_module")


@pytest.fixture
def called(monkeypatch):
    """The stages of qsym._stages called, in order."""
    order = []
    for name in STAGES:
        fn = getattr(stages, name)

        def wrapped(*args, _fn=fn, _name=name, **kwargs):
            order.append(_name)
            return _fn(*args, **kwargs)

        monkeypatch.setattr(stages, name, wrapped)
    return order


def _rx(x, wires=0):
    qml.RX(x, wires=wires)
    return qml.expval(qml.PauliZ(wires))


def test_a_signature_is_built_by_the_stages_in_their_order(called):
    node = qml.QNode(lambda x: _rx(x), qml.device("default.qubit", wires=1))
    assert onp.isclose(node(0.3), onp.cos(0.3))
    assert called == ["make_symbols", "record", "to_circuit", "check", "make_plan",
                      "make_module"]
    called.clear()
    assert onp.isclose(node(0.7), onp.cos(0.7))  # the same signature: nothing is built
    assert called == []


def test_a_broadcast_signature_is_recorded_twice_then_collapsed(called):
    node = qml.QNode(lambda x: _rx(x), qml.device("default.qubit", wires=1))
    x = onp.array([0.1, 0.4, 0.9])
    assert onp.allclose(node(x), onp.cos(x))
    assert called[:5] == ["make_symbols", "record", "make_symbols", "record", "collapse"]
    assert called[5:] == ["to_circuit", "check", "make_plan", "make_module"]


def test_a_per_call_signature_goes_through_the_same_stages(called):
    def f(x):
        qml.RX(x * onp.random.uniform(1.0, 1.0), wires=0)  # a draw: traced at every call
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(f, qml.device("default.qubit", wires=1), trace="per-call")
    assert onp.isclose(node(0.3), onp.cos(0.3))
    assert called == ["make_symbols", "record", "to_circuit", "check", "make_plan",
                      "make_module"]


def test_a_compiled_signature_gains_no_attribute_after_its_build():
    # values, a gradient, sampled values and gradients, a Hessian and cache=<a dict> use
    # the same compiled signature; what they keep there is a declared field of Compiled
    # (the tier may put its entry points on the instance)
    store = {}
    node = qml.QNode(lambda p: _rx(p[0]), qml.device("default.qubit", wires=1, seed=5),
                     cache=store)
    p = np.array([0.3], requires_grad=True)
    entry, _, _ = node.compiled((p,), {})
    before = set(vars(entry))
    declared = {f.name for f in dataclasses.fields(runtime.Compiled)}
    node(p)
    node(p)  # a hit of the cache
    assert onp.isclose(qml.grad(node)(p)[0], -onp.sin(0.3))
    assert onp.isclose(qml.hessian(node)(p)[0, 0], -onp.cos(0.3))
    sampled = qml.set_shots(node, 2000)
    sampled.cache = None
    assert abs(sampled(p) - onp.cos(0.3)) < 0.15
    assert abs(qml.grad(sampled)(p)[0] + onp.sin(0.3)) < 0.2
    assert sampled.compiled((p,), {})[0] is entry
    assert entry.sampler() is entry.sampler() and entry.cache_key is not None
    assert entry.second is not None
    new = set(vars(entry)) - before
    assert {"second", "cache_key", "_sampler"} <= new
    assert new <= declared | set(runtime._ENTRY_POINTS), new - declared


def test_the_qnode_takes_its_options_from_the_options_stage():
    dev = qml.device("default.qubit", wires=1)
    node = qml.QNode(lambda x: _rx(x), dev, diff_method="best", static_argnums=1)
    opts = options.resolve(diff_method="best")
    assert (node.method, node.diff_method, node.pl_backprop) == (opts.method, "best", True)
    assert node.method == "adjoint"  # "best": the adjoint method without custom shifts
    assert node.static_positions == frozenset({1})
    assert not qml.QNode(lambda x: _rx(x), dev, diff_method="adjoint").pl_backprop
    with pytest.raises(ArgumentError, match="trace must be one of"):
        qml.QNode(lambda x: _rx(x), dev, trace="sometimes")
    with pytest.raises(ValueError, match="at least one configuration property"):
        node.update()


def test_update_keeps_the_shots_set_and_warns_for_a_new_device_with_other_shots():
    dev = qml.device("default.qubit", wires=1)
    node = qml.QNode(lambda x: _rx(x), dev)
    assert qml.set_shots(node, 7).update(diff_method="adjoint").shots.total_shots == 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", qml.exceptions.PennyLaneDeprecationWarning)
        other = qml.device("default.qubit", wires=1, shots=10)
    with pytest.warns(UserWarning, match="does not match the QNode's shots") as record:
        new = node.update(device=other)
    assert new.shots.total_shots is None  # the QNode keeps its (the old device's) shots
    assert record[0].filename == __file__  # the warning names the caller's line
