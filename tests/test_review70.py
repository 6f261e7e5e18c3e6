"""Review of stop 70's riskiest changes (rev70): the Hadamard aliases shown as given while
qsym dispatches on the resolved method (gaps70), a module too large to compile staying on
tier 0 (first70), QNGOptimizer inside qml.minimize (adv70).

Independent references: central differences of the values, PennyLane 0.45.1's numbers
(its Tracker counts and QNGOptimizer.step iterates, computed in a PennyLane venv), a
gradient-descent loop written here on the closed form.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import qsym as qml
from qsym import _minimize as minimize_mod, _tiers as tiers
from qsym import numpy as pnp


# --- gaps70: diff_method shown as given, dispatched as resolved --------------------------
def _hadamard_circuit(p, s=0.0):
    qml.RX(p[0] + s, 0)
    qml.RY(p[1], 1)
    qml.CNOT([0, 1])
    qml.RZ(p[0], 1)
    qml.RX(p[1] * p[0], 1)
    return qml.expval(qml.Z(1) @ qml.Y(0) + 0.5 * qml.Z(0))


# PennyLane 0.45.1: qml.grad of this QNode, default.qubit(wires=3): the Tracker's
# executions (the direct modes run two tapes a parameter instead of one: the mode is used)
_PL_EXECUTIONS = {"hadamard": 10, "direct-hadamard": 18, "reversed-hadamard": 10,
                  "reversed-direct-hadamard": 18}


@pytest.mark.parametrize("method", sorted(_PL_EXECUTIONS))
def test_each_hadamard_alias_is_shown_as_given_and_runs_its_mode(method):
    dev = qml.device("default.qubit", wires=3)
    kwargs = {} if "direct" in method else {"aux_wire": 2}
    node = qml.QNode(_hadamard_circuit, dev, diff_method=method, gradient_kwargs=kwargs)
    assert node.diff_method == method and dict(node.gradient_kwargs) == kwargs
    p = pnp.array([0.3, 0.7], requires_grad=True)
    with qml.Tracker(dev) as tracker:
        g = qml.grad(node)(p)
    assert tracker.totals["executions"] == _PL_EXECUTIONS[method]
    h = 1e-6
    fd = [(node(p + h * e) - node(p - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.allclose(g, fd, atol=1e-8)
    # an edit in place keeps the alias and its mode; argnum (PennyLane's: positions among
    # the tape's parameters, a gradient transform's option): the first RX's alone
    node.gradient_kwargs["argnum"] = [0]
    assert node.diff_method == method and node.resolved_method == "hadamard"
    assert node.resolved_kwargs.get("mode", "standard") == (
        method[:-len("-hadamard")] if method != "hadamard" else "standard")
    g0 = qml.grad(node)(p)
    first = (node(p, s=h) - node(p, s=-h)) / (2 * h)  # (PennyLane 0.45.1: -0.206613)
    assert np.isclose(g0[0], first, atol=1e-8) and g0[1] == 0.0


# --- first70: a circuit too large to compile: its qml.minimize loop stays on tier 0 -------
@pytest.mark.compiled_tier
@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_minimize_loop_over_a_module_too_large_to_compile_stays_on_tier_0(
        cache, monkeypatch, capfd, caplog):
    """The promotion leaves a module over the cap uncompiled; qml.minimize's loop module
    imports it (or writes its step out), so its promotion compiled it anyway (minutes of
    numba for a C3-PSWAP, in this thread without a disk cache). Now the loop stays on
    tier 0 too, says so at INFO, and its iterates are gradient descent's on the closed
    form."""
    if cache == "off":
        monkeypatch.setenv("QSYM_CACHE", "0")
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 3)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e-9)  # the loop promotes at once
    monkeypatch.setattr(tiers, "COMPILE_MAX_FUNCTION_LINES", 5)
    monkeypatch.setattr(tiers, "_warned", False)
    c = 0.40625 + (0.0 if cache == "on" else 0.0078125)  # (a circuit no other test compiles)

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    def f(x):
        qml.RY(x[0], wires=0)
        qml.RX(x[1] * c, wires=0)
        return qml.expval(qml.PauliZ(0))

    x0, eta, steps = np.array([0.2, 0.3]), 0.1, 40
    with caplog.at_level(logging.INFO, logger="qsym.minimize"):
        result = qml.minimize(f, x0, optimizer=qml.GradientDescentOptimizer(eta), steps=steps)
    assert "qsym: compiling" not in capfd.readouterr().err
    assert "loop stays on tier 0" in caplog.text
    entry = f.compiled((x0,), {}, diff=(0,))[0]
    assert minimize_mod.loop(entry, "parameter-shift").tier == "python"
    assert entry.tier == "python"
    x = x0.copy()  # <Z> = cos(x0) cos(c x1)
    for _ in range(steps):
        x = x - eta * np.array([-np.sin(x[0]) * np.cos(c * x[1]),
                                -c * np.cos(x[0]) * np.sin(c * x[1])])
    assert np.allclose(result.x, x, atol=1e-12, rtol=0)
    assert np.isclose(result.fun, np.cos(x[0]) * np.cos(c * x[1]), atol=1e-12)


# --- adv70: QNGOptimizer in qml.minimize, iterate for iterate PennyLane's step ------------
# PennyLane 0.45.1: x = opt.step(cost, x) five times from [0.4, 0.9, -0.3]
_PL_QNG = {
    "qng": [[0.5313612503, 0.7023720223, -0.4594172215],
            [0.6883116079, 0.5057737442, -0.6548824787],
            [0.8660013826, 0.3540463569, -0.8723262557],
            [1.0522464034, 0.2777754128, -1.0831389269],
            [1.2219548445, 0.2635157013, -1.2565784999]],
    "qng-diag-lam": [[0.6526177891, 0.5199461968, -0.6797398483],
                     [1.0025693867, 0.233316209, -1.2319625019],
                     [1.3773724955, 0.2672317706, -1.516790681],
                     [1.520151053, 0.2903136722, -1.5629234669],
                     [1.5574740912, 0.2915185122, -1.5694558949]],
    "momentum-qng": [[0.5313612503, 0.7023720223, -0.4594172215],
                     [0.7539922331, 0.4069597553, -0.7345910894],
                     [1.0453009115, 0.1369572335, -1.0895493753],
                     [1.3572648394, 0.0276186898, -1.4347462088],
                     [1.5966193424, 0.0796398773, -1.661316139]],
}
_OPTIMIZERS = {
    "qng": lambda: qml.QNGOptimizer(stepsize=0.1),
    "qng-diag-lam": lambda: qml.QNGOptimizer(stepsize=0.2, approx="diag", lam=0.01),
    "momentum-qng": lambda: qml.MomentumQNGOptimizer(stepsize=0.1, momentum=0.5),
}


@pytest.mark.parametrize("name", sorted(_PL_QNG))
def test_natural_gradient_in_minimize_follows_pennylanes_step(name):
    @qml.qnode(qml.device("default.qubit", wires=2))
    def cost(p):
        qml.RX(p[0], 0)
        qml.RY(p[1], 1)
        qml.CNOT([0, 1])
        qml.RY(p[2], 0)
        qml.RZ(p[2], 1)
        return qml.expval(qml.Z(0) @ qml.X(1) + 0.3 * qml.Y(1))

    x0 = np.array([0.4, 0.9, -0.3])
    for k in (1, 2, 5):
        result = qml.minimize(cost, x0, optimizer=_OPTIMIZERS[name](), steps=k)
        assert np.allclose(result.x, _PL_QNG[name][k - 1], atol=1e-9, rtol=0)
    assert np.isclose(result.fun, cost(np.array(_PL_QNG[name][-1])), atol=1e-9)


# --- adv70: a circuit function that redefines a gate at each of its traces ---------------
def test_a_circuit_function_redefining_a_gate_at_each_trace_still_answers():
    """adv70's fallback (built again with the registry held) called itself again when the
    trace itself redefined a gate, for ever (a hang; before: the entry used once, not
    kept). Now: used once, as before; the numbers are the closed form's."""
    import threading

    import sympy  # noqa: F401  (define_gate's exact matrix)

    count = [0]

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        count[0] += 1  # a different definition at each trace
        qml.define_gate("Rev70Flip", 1, generator=[(0.5 + 0.125 * (count[0] % 2), "Z")])
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    out = []
    worker = threading.Thread(target=lambda: out.append(
        (float(c(0.3)), float(qml.grad(c)(pnp.array(0.3))))), daemon=True)
    worker.start()
    worker.join(120)
    try:
        assert not worker.is_alive(), "the call did not return"
        assert np.allclose(out[0], (np.cos(0.3), -np.sin(0.3)), atol=1e-12)
    finally:
        if not worker.is_alive():
            qml.undefine_gate("Rev70Flip")
