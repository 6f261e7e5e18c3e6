"""Adversarial round of stop 64 (benchmarks/results/adversarial-2026-12-07c.md): each test is
a probe of a mechanism stop 63 landed that gave another answer than PennyLane (or than
qsym's own slow path) before its fix. Expected numbers come from PennyLane 0.45.1
(/work/plvenv) or from NumPy's generator itself, never from the code under test."""

import numpy as onp
import pytest

import qsym as qml


# --- the device's generator made at first use (first63b) --------------------------------------
@pytest.mark.parametrize("shadow", [None, "generator"])
def test_a_device_class_shadowing_rng_still_samples_from_its_seed(shadow):
    # PennyLane's device makes ``self._rng = np.random.default_rng(seed)`` in __init__, so a
    # subclass's class attribute ``_rng`` is shadowed by each instance's own generator
    # (PennyLane 0.45.1: two devices seeded 7 draw the same samples, the first uniform
    # draw is NumPy's ``default_rng(7).random()``). With the generator made at first use,
    # the class attribute won: the seed was ignored (None: NumPy's global functions; a
    # class generator: one stream shared by every instance).
    class Shadowing(qml.devices.DefaultQubit):
        _rng = None if shadow is None else onp.random.default_rng(123)

    def samples():
        dev = Shadowing(wires=1, seed=7)

        @qml.qnode(dev, shots=20)
        def c():
            qml.Hadamard(0)
            return qml.sample(qml.Z(0))
        return list(c())

    assert samples() == samples()
    assert Shadowing(wires=1, seed=7)._rng.random() == onp.random.default_rng(7).random()
    assert Shadowing(wires=1, seed=7).rng is not Shadowing(wires=1, seed=7).rng


# --- numba's GNU OpenMP threads and a forked child (kern63's team, the batch kernels) --------
FORK_CHILD = r"""
import os, sys
import numpy as np
import numba
import qsym as qml
from qsym import _tiers as tiers
from qsym._shapes import flat

n = 12
dev = qml.device("default.qubit", wires=n)

def body(p):
    for w in range(n):
        qml.RY(p[..., w], wires=w)
    for w in range(n - 1):
        qml.CNOT([w, w + 1])
    for w in range(n):
        qml.RX(p[..., n + w], wires=w)
    return qml.expval(qml.Z(0) @ qml.Z(n - 1) + 0.5 * qml.X(3))

adj = qml.QNode(body, dev, diff_method="adjoint")
p = np.random.default_rng(5).uniform(-3, 3, 2 * n)
P = np.random.default_rng(6).uniform(-3, 3, (8, 2 * n))
entry, xs, ds = adj.compiled((qml.numpy.array(p, requires_grad=True),), {})
x = np.asarray(flat(xs), dtype=float).ravel()
d = np.asarray(flat(ds), dtype=float).ravel()
K = "program_value_and_grad_adjoint_parallel"
o, j = entry.value_and_grad_adjoint(x, d, kernel=K)  # (the parent starts numba's threads)
b = np.asarray(adj(P))
layer = numba.threading_layer()
vendor = getattr(sys.modules.get("numba.np.ufunc.omppool"), "openmp_vendor", None)
if layer != "omp" or vendor != "GNU":
    print("SKIP", layer, vendor)
    sys.exit(0)
pid = os.fork()
if pid == 0:  # the child: the same kernels, the same bits, one thread
    o2, j2 = entry.value_and_grad_adjoint(x, d, kernel=K)
    b2 = np.asarray(adj(P))
    ok = (tiers.threads_now() == 1 and np.array_equal(o2, o) and np.array_equal(j2, j)
          and np.array_equal(b2, b))
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
print("CHILD", status, tiers.threads_now() == numba.get_num_threads())
"""


def test_a_child_forked_after_gnu_openmp_threads_runs_the_serial_kernels(tmp_path):
    # numba terminates a child forked from a process whose GNU OpenMP threads had started
    # at the child's first parallel region ("Terminating: fork() called from a process
    # already using GNU OpenMP", SIGTERM): multiprocessing's default start method on Linux
    # after one large gradient or batch. The child now runs the serial forms: the parent's
    # bits (the parallel adjoint is bit for bit its serial kernel, tests/test_kernels_blocked.py)
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
               NUMBA_NUM_THREADS="2", QSYM_WARMUP="0")
    env.pop("NUMBA_THREADING_LAYER", None)
    proc = subprocess.run([sys.executable, "-c", FORK_CHILD], env=env, capture_output=True,
                          text=True, timeout=900, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    if proc.stdout.startswith("SKIP"):
        pytest.skip(f"numba's threading layer here is not GNU OpenMP: {proc.stdout.strip()}")
    assert "CHILD 0 True" in proc.stdout, (proc.stdout, proc.stderr[-2000:])


# --- per-call numbers made data on default.mixed (pl63a's autograd matrices) ------------------
def _rotation(t):
    return qml.numpy.array([[qml.numpy.cos(t), -qml.numpy.sin(t)],
                            [qml.numpy.sin(t), qml.numpy.cos(t)]])


def test_a_qubit_unitary_of_the_inputs_on_default_mixed():
    # a QubitUnitary of a matrix autograd computes (its derivative carried by per-call
    # numbers made data, Circuit.constants) raised TypeError ("_lambdifygenerated() missing 5
    # required positional arguments: '_carrier0', ...") on default.mixed, value and gradient:
    # its entry did not append them to the call's data. By hand: U(t) = RY(2t), so
    # <Z> = (1 - 4p/3) cos(0.3) cos(2t) after RX(0.3) and a depolarizing channel p = 0.1
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def c(t):
        qml.RX(0.3, 0)
        qml.QubitUnitary(_rotation(t), wires=0)
        qml.DepolarizingChannel(0.1, wires=0)
        return qml.expval(qml.Z(0))

    t = qml.numpy.array(0.7, requires_grad=True)
    f = 1 - 0.4 / 3
    assert onp.isclose(c(t), f * onp.cos(0.3) * onp.cos(1.4), atol=1e-12)
    assert onp.isclose(qml.grad(c)(t), -2 * f * onp.cos(0.3) * onp.sin(1.4), atol=1e-12)

    # two inputs through one matrix and a plain gate, a channel, probabilities: PennyLane
    # 0.45.1's central differences (h = 1e-5) of its default.mixed values
    @qml.qnode(qml.device("default.mixed", wires=2))
    def p(t, s):
        qml.RY(s, 1)
        qml.QubitUnitary(_rotation(t * s), wires=0)
        qml.CNOT([1, 0])
        qml.PhaseDamping(0.3, wires=1)
        return qml.probs(wires=[0, 1])

    jt, js = qml.jacobian(p)(qml.numpy.array(0.7, requires_grad=True),
                             qml.numpy.array(0.4, requires_grad=True))
    assert onp.allclose(jt, [-0.2040882170761815, 0.008386262092575925, 0.20408821707340594,
                             -0.008386262092749397], atol=1e-8)
    assert onp.allclose(js, [-0.5369931356358215, 0.029546374044359804, 0.3422839644877384,
                             0.1651627971062386], atol=1e-8)


def test_a_special_unitary_on_default_mixed():
    # qml.SpecialUnitary's per-call effective generators (Circuit.constants) on
    # default.mixed: the same TypeError. PennyLane 0.45.1's default.qubit value and central
    # differences (h = 1e-5), times a depolarizing channel's 1 - 4p/3 on <Z>
    @qml.qnode(qml.device("default.mixed", wires=1))
    def c(th):
        qml.RX(0.3, 0)
        qml.SpecialUnitary(th, wires=0)
        qml.DepolarizingChannel(0.1, wires=0)
        return qml.expval(qml.Z(0))

    th = qml.numpy.array([0.7, 0.14, -0.7], requires_grad=True)
    f = 1 - 0.4 / 3
    assert onp.isclose(c(th), f * 0.494993567617996, atol=1e-12)
    assert onp.allclose(qml.grad(c)(th), f * onp.array(
        [-1.5528025532146603, -0.07133230621458875, -0.13130374749148466]), atol=1e-8)


# --- a QNode's shallow copy and a gate defined again (grad's short path) ----------------------
def test_a_copied_qnode_forgets_its_short_paths_when_a_gate_is_defined_again():
    # copy.copy(qnode) (PennyLane's; ShotAdaptiveOptimizer copies its QNode) was not watched
    # by the gate registry: after its gate was defined again its gradient's short path
    # kept the old definition's compiled code (the value was right, the gradient the old
    # gate's). By hand: with Gy = exp(-i t Y/2) = RY, <Z> = cos(x0 + x1) after RY(x1)
    import copy

    name = "AdvCopyGate64"
    qml.define_gate(name, 1, generator=[(0.5, "X")])
    try:
        @qml.qnode(qml.device("default.qubit", wires=1))
        def c(x):
            getattr(qml, name)(x[0], wires=0)
            qml.RY(x[1], 0)
            return qml.expval(qml.Z(0))

        x = qml.numpy.array([0.3, -0.7], requires_grad=True)
        twin = copy.copy(c)
        g = qml.grad(twin)
        for _ in range(5):
            old = g(x)  # (RX then RY: -sin x0 cos x1, -cos x0 sin x1)
        assert onp.allclose(old, [-onp.sin(0.3) * onp.cos(0.7), onp.cos(0.3) * onp.sin(0.7)])
        qml.define_gate(name, 1, generator=[(0.5, "Y")])
        s = -onp.sin(0.3 - 0.7)
        assert onp.allclose(g(x), [s, s], atol=1e-12)
        assert onp.isclose(twin(x), onp.cos(-0.4), atol=1e-12)
        assert onp.allclose(qml.grad(c)(x), [s, s], atol=1e-12)
    finally:
        qml.undefine_gate(name)


def test_a_deep_copy_of_a_qnode_is_a_qnode_of_its_own():
    # copy.deepcopy(qnode) raised TypeError ("cannot pickle '_thread.lock' object": its
    # lock, compiled modules, memo); PennyLane 0.45.1 deep-copies it: another device
    # object, the same function, the same numbers, executions counted on its own device
    import copy

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(x):
        qml.RX(x[0], 0)
        return qml.expval(qml.Z(0))

    x = qml.numpy.array([0.3], requires_grad=True)
    for twin in (copy.deepcopy(c), copy.deepcopy(c)):  # (fresh, then after calls)
        for _ in range(3):
            c(x), qml.grad(c)(x)
        assert twin.device is not c.device and twin.func is c.func
        before, own = dev.num_executions, twin.device.num_executions
        assert onp.isclose(twin(x), onp.cos(0.3)) and onp.allclose(qml.grad(twin)(x), -onp.sin(0.3))
        assert dev.num_executions == before and twin.device.num_executions > own
        twin.gradient_kwargs["h"] = 1e-3
        assert "h" not in c.gradient_kwargs
