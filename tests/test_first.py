"""A new signature's first answer on numbers (qsym/_first.py, issue #17 third round).

Independent checks: the first answer (NumPy, the plan's terms) is compared with the same
signature's module (tier 0: the compiled kernels' bits) on random circuits of the gate
table, by every method it serves, to 1e-12; gradients also with central finite
differences of the values; device counters and ``qml.Tracker`` records are the method's;
what it does not serve builds the module at once.
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import _first as first, _gates as gates
from qsym import numpy as np

@pytest.fixture(autouse=True)
def first_on(monkeypatch):
    """The first answer on numbers, as for users (the suite's conftest turns it off)."""
    monkeypatch.setenv("QSYM_FIRST", "1")


FIXED = sorted(name for name in gates.BUILTIN_GATES
               if gates.gate_def(name).num_wires in (1, 2, 3) and not gates.gate_def(name).hyper
               and first._KINDS.count(gates.gate_def(name).structure))
PAULIS = (qml.PauliX, qml.PauliY, qml.PauliZ)


def _random_circuit(rng, n, depth, measure):
    """A circuit function of random gates of the table on ``n`` wires, every parameter an
    input (``x[k]``), and the number of inputs."""
    plan, k = [], 0
    for _ in range(depth):
        name = FIXED[rng.integers(len(FIXED))]
        row = gates.gate_def(name)
        if row.num_wires > n:
            continue
        wires = [int(w) for w in rng.permutation(n)[:row.num_wires]]
        plan.append((name, list(range(k, k + row.num_params)), wires))
        k += row.num_params
    word = [(int(w), int(p)) for w, p in zip(rng.permutation(n)[:2], rng.integers(3, size=2))]

    def circuit(x):
        for name, idx, wires in plan:
            getattr(qml, name)(*[x[i] for i in idx], wires=wires)
        if measure == "probs":
            return qml.probs(wires=[n - 1, 0] if n > 1 else [0])
        obs = PAULIS[word[0][1]](word[0][0])
        for w, p in word[1:]:
            obs = obs @ PAULIS[p](w)
        if measure == "expval":
            return qml.expval(0.7 * obs + (-0.3) * qml.PauliZ(0))
        return qml.var(obs)

    return circuit, k


def _first_answered(node) -> bool:
    return any(isinstance(e, first.FirstAnswer) for e in node._compiled.values())


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
@pytest.mark.parametrize("measure", ["expval", "var", "probs"])
def test_first_answer_is_the_modules_to_1e12(method, measure):
    """Random circuits of every fixed gate of the table: the first value and Jacobian (on
    numbers) against the same signature's module at the same point, and the Jacobian
    against central differences of the values."""
    rng = onp.random.default_rng(17 + len(method) + len(measure))
    served = 0
    for trial in range(4):
        n = int(rng.integers(1, 4)) if trial else 3
        circuit, k = _random_circuit(rng, n, 8, measure)
        if k == 0:
            continue
        x = rng.uniform(-np.pi, np.pi, k)
        for what in ("value", "jacobian"):
            node = qml.QNode(circuit, qml.device("default.qubit", wires=n), diff_method=method)
            call = (lambda a: node(a)) if what == "value" else qml.jacobian(node)
            a = np.array(x, requires_grad=True)
            got = onp.asarray(call(a))
            if not _first_answered(node):
                continue  # not served (e.g. a gate stored in another form)
            served += 1
            want = onp.asarray(call(a))  # the module now (completed, not traced again)
            assert not _first_answered(node) and len(node._compiled) == 1
            onp.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
            if what == "jacobian":
                h = 1e-6
                fd = onp.stack([(onp.asarray(node(np.array(x + h * e)))
                                 - onp.asarray(node(np.array(x - h * e)))) / (2 * h)
                                for e in onp.eye(k)], axis=-1)
                onp.testing.assert_allclose(got, fd, atol=2e-7)
    assert served >= 4


def test_every_served_gate_kind_matches_its_matrix():
    """Each fixed gate's matrix as the first answer builds it (its printed code) against
    the gate table's exact matrix evaluated by sympy, and its printed derivative against a
    central difference of that matrix."""
    rng = onp.random.default_rng(3)
    for name in FIXED:
        row = gates.gate_def(name)
        p = tuple(rng.uniform(-3, 3, row.num_params))
        f = first.gate_function(name, None, ())
        out = first._entries(f, p)
        mat = onp.diag(out) if f[2] == "diagonal" else out.reshape(2**f[3], 2**f[3])
        onp.testing.assert_allclose(mat, gates.matrix(name, *p), atol=1e-14)
        for j in range(row.num_params):
            df = first.gate_function(name, None, (), j)
            d = first._entries(df, p)
            dmat = onp.diag(d) if df[2] == "diagonal" else d.reshape(mat.shape)
            h = 1e-6
            up, dn = list(p), list(p)
            up[j] += h
            dn[j] -= h
            fd = (gates.matrix(name, *up) - gates.matrix(name, *dn)) / (2 * h)
            onp.testing.assert_allclose(dmat, fd, atol=1e-8)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_counts_and_tracker_are_the_methods(method):
    """The first gradient counts what the method runs, as the module's call does: the
    same device counters and Tracker records for the first and the second call."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.CRY(x[1], wires=[0, 1])
        qml.RZ(x[2], wires=1)
        return qml.expval(qml.PauliZ(1))

    x = np.array([0.3, -0.8, 0.5], requires_grad=True)
    records, results = [], []
    for _ in range(2):
        before = (dev.num_executions, dev.num_calls)
        with qml.Tracker(dev) as tracker:
            qml.grad(c)(x)
        totals = dict(tracker.totals)
        results.append(totals.pop("results", 0.0))
        records.append((dev.num_executions - before[0], dev.num_calls - before[1], totals,
                        {k: len(v) for k, v in tracker.history.items()}))
    assert records[0] == records[1]
    assert abs(results[0] - results[1]) < 1e-12
    # parameter shift: the value circuit, 2 shifts each for RX and RZ, 4 for CRY; RZ on
    # wire 1 before <Z1> commutes but is in the light cone: counted as the rule runs
    runs = 1 + 2 + 4 + 2 if method == "parameter-shift" else 1
    assert records[0][0] == runs and records[0][1] == 1


def test_what_it_does_not_serve_builds_the_module_at_once():
    """Finite differences, shots, the state, classical processing of the inputs and
    broadcasting are not answered on numbers: the first call builds the module."""
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    def g(x):
        qml.RX(2 * x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    def s(x):
        qml.RX(x[0], wires=0)
        return qml.state()

    x = np.array([0.4], requires_grad=True)
    cases = [(qml.QNode(f, dev, diff_method="finite-diff"), "grad"),
             (qml.QNode(f, qml.device("default.qubit", wires=1, shots=100)), "value"),
             (qml.QNode(s, dev), "value"),
             (qml.QNode(g, dev), "grad")]
    for node, what in cases:
        qml.grad(node)(x) if what == "grad" else node(x)
        assert not _first_answered(node) and node._compiled
    node = qml.QNode(f, dev)
    node(np.array([0.1, 0.2]).reshape(2, 1))  # broadcast: two parameter sets
    assert not _first_answered(node) and node._compiled
    node(np.array([0.1]))  # one parameter set: served
    assert _first_answered(node)


def test_a_changed_global_traces_again_before_completing():
    """The guard of a first answer: a module-level value the circuit read changes before
    the second call, so the second call traces again (as a compiled signature would)."""
    dev = qml.device("default.qubit", wires=1)
    state = {"angle": 0.2}

    @qml.qnode(dev)
    def c(x):
        qml.RX(x[0], wires=0)
        qml.RY(state["angle"], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.5], requires_grad=True)
    v1 = c(x)
    assert _first_answered(c)
    state["angle"] = 1.1
    v2 = c(x)
    assert abs(v2 - np.cos(0.5) * np.cos(1.1)) < 1e-12
    assert abs(v1 - np.cos(0.5) * np.cos(0.2)) < 1e-12


def test_the_setting(monkeypatch):
    """QSYM_FIRST=0 builds the module at the first call; another value is refused."""
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.4], requires_grad=True)
    monkeypatch.setenv("QSYM_FIRST", "0")
    node = qml.QNode(f, dev)
    qml.grad(node)(x)
    assert not _first_answered(node) and node._compiled
    monkeypatch.setenv("QSYM_FIRST", "maybe")
    with pytest.raises(qml.errors.QsymError, match="QSYM_FIRST"):
        qml.grad(qml.QNode(f, dev))(x)


def test_the_work_limit_counts_the_call_answered(monkeypatch):
    """A value costs one circuit, a parameter-shift gradient all its shifted ones: under a
    limit between the two, the first value is answered on numbers and the first gradient
    builds the module."""
    dev = qml.device("default.qubit", wires=2)

    def f(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    x = np.array([0.4, 0.3], requires_grad=True)
    monkeypatch.setattr(first, "MAX_WORK", 4 * 3 * 2)  # 2^2 amplitudes x 3 ops x 2
    node = qml.QNode(f, dev)
    node(x)
    assert _first_answered(node)
    node = qml.QNode(f, dev)
    qml.grad(node)(x)
    assert not _first_answered(node) and node._compiled
