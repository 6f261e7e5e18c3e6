"""A value call writes no gradient code (issue #17): the module for values.

A tiny circuit's module holds its value, parameter-shift gradient and adjoint gradient
written out as straight-line code (qsym._emit.unrolled_functions, unrolled_adjoint);
writing out the two gradients was a third of the seed's first value. A value call now
makes a module for values (``emit_module(values_only=True)``: the value written out, the
gradients the kernels' forms) and the first gradient makes the full module, with no
second trace. References are independent of qsym's code: the seed's exact expectation
``cos(a) cos(b)`` and its derivatives by hand, and qsym's reference interpreter
(``qsym._ir.simulate``, a state-vector simulation by matrices) for random circuits.
"""

import numpy as np
import pytest

import qsym as qml
from qsym import _emit as emit, _ir as ir, _stages as stages, _tiers as tiers


def _seed(diff_method="parameter-shift"):
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=diff_method)
    def seed(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return seed


def _entry(node):
    (entry,) = node._compiled.values()
    return entry


@pytest.mark.parametrize("diff_method", ["parameter-shift", "adjoint"])
def test_a_value_call_writes_no_gradient_and_the_gradient_comes_after(diff_method,
                                                                       monkeypatch):
    a, b = 0.54, 0.12
    seed = _seed(diff_method)
    x = qml.numpy.array([a, b], requires_grad=True)
    v = seed(x)
    entry = _entry(seed)
    assert v == pytest.approx(np.cos(a) * np.cos(b), abs=1e-15)
    # the value written out, no gradient written out: not the full module
    assert entry.module.VALUE_UNROLLED
    assert not entry.module.UNROLLED and not entry.module.ADJOINT_UNROLLED
    assert "unrolled_adjoint" not in entry.source
    assert entry.value_only
    traced = []
    real = stages.record_signature
    monkeypatch.setattr(stages, "record_signature",
                        lambda *a, **k: traced.append(1) or real(*a, **k))
    g = qml.grad(seed)(x)
    assert traced == []  # the first gradient emits the full module, no second trace
    assert g == pytest.approx([-np.sin(a) * np.cos(b), -np.cos(a) * np.sin(b)], abs=1e-15)
    full = _entry(seed)
    assert full is not entry and not full.value_only
    assert full.module.UNROLLED and full.module.ADJOINT_UNROLLED
    assert "VALUE_UNROLLED" not in full.source
    # the value looked up no shift rule (its plan has no derivatives, issue #17); the
    # gradient planned them, on the same traced circuit
    assert not entry.plan.derivatives and entry.plan.terms == ()
    assert full.plan.derivatives and full.plan.words == entry.plan.words
    # the value before and after the first gradient: the same code, the same bits
    assert float(seed(x)) == float(v)


def test_a_circuit_not_written_out_has_one_module_for_both():
    """The 4-wire HEA's program is not written out: the value call's module is the full
    one (no second module at the first gradient)."""
    @qml.qnode(qml.device("default.qubit", wires=4))
    def hea(p):
        for layer in range(2):
            for w in range(4):
                qml.RY(p[layer, w, 0], wires=w)
                qml.RZ(p[layer, w, 1], wires=w)
            for w in range(4):
                qml.CNOT(wires=[w, (w + 1) % 4])
        return qml.expval(qml.PauliZ(0) + qml.PauliZ(1) + qml.PauliZ(2) + qml.PauliZ(3))

    x = qml.numpy.array(np.random.default_rng(3).uniform(-3, 3, (2, 4, 2)),
                        requires_grad=True)
    hea(x)
    entry = _entry(hea)
    assert not entry.value_only and "VALUE_UNROLLED" not in entry.source
    assert hea.compiled((x,), {})[0] is entry  # what a gradient would run (not run here)


_GATES_1 = [qml.RX, qml.RY, qml.RZ, qml.PhaseShift, qml.Hadamard, qml.S, qml.T]
_GATES_2 = [qml.CRX, qml.CRY, qml.CRZ, qml.IsingXX, qml.IsingZZ, qml.CNOT, qml.CZ]


def _random_circuit(rng, n_wires, n_ops):
    ops = []
    for _ in range(n_ops):
        if n_wires > 1 and rng.random() < 0.4:
            gate = _GATES_2[rng.integers(len(_GATES_2))]
            wires = [int(w) for w in rng.permutation(n_wires)[:2]]
        else:
            gate = _GATES_1[rng.integers(len(_GATES_1))]
            wires = [int(rng.integers(n_wires))]
        ops.append((gate, wires))
    words = [qml.PauliZ(0), qml.PauliX(n_wires - 1)]
    if n_wires > 1:
        words.append(qml.PauliY(0) @ qml.PauliZ(n_wires - 1))
    probs = n_wires > 1 and rng.random() < 0.3

    def fn(p):
        i = 0
        for gate, wires in ops:
            if gate.num_params:
                gate(p[i % len(p)] * (1 + 0.1 * i), wires=wires)
                i += 1
            else:
                gate(wires=wires)
        if probs:
            return qml.probs(wires=[0, 1])
        return [qml.expval(w) for w in words]

    return fn


@pytest.mark.parametrize("case", range(12))
def test_values_only_module_gives_the_full_modules_value_bit_for_bit(case, monkeypatch):
    """Random tiny circuits: the module for values computes the value with the lines the
    full module uses (so the same bits), or through the kernels where the full module's
    value is not written out (the written-out code is the kernels' arithmetic in their
    order: the same bits); both against the reference interpreter. The cap on written-out
    code is lowered for some cases so that the full module calls the kernels where the
    module for values writes its value out."""
    rng = np.random.default_rng(1700 + case)
    n_wires = 1 + case % 3
    fn = _random_circuit(rng, n_wires, 2 + int(rng.integers(4)))
    if case % 4 == 3:
        monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 150)
    node = qml.qnode(qml.device("default.qubit", wires=n_wires))(fn)
    x = rng.uniform(-np.pi, np.pi, 3)
    entry = node.compiled((qml.numpy.array(x, requires_grad=True),), {})[0]
    key = ir.structural_hash(entry.circuit)
    full = emit.emit_module(entry.circuit, entry.plan, key)
    vo = emit.emit_module(entry.circuit, entry.plan, key, values_only=True)
    assert full == entry.source  # the full text is what a gradient's signature holds
    values = []
    for text in (full, vo):
        ns = tiers.python_namespace(text, "m")
        out = np.empty(ns["NUM_OUTPUTS"])
        ns["fused_value_into"](np.asarray(x, float), np.zeros(ns["NUM_DATA"]), out)
        values.append(out)
    assert values[0].tobytes() == values[1].tobytes()
    ref = ir.simulate(entry.circuit, x)  # the reference interpreter
    assert np.allclose(values[0], ref, atol=1e-12)
    if emit.writable(emit.lower(entry.circuit, entry.plan)):
        assert "VALUE_UNROLLED" in vo and vo != full
    else:
        assert vo == full
