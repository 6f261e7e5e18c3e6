"""Adversarial round of stop 63 (benchmarks/results/adversarial-2026-12-07b.md): each test is
a probe of a mechanism stop 62 landed (or a defect it left) that raised, used foreign state
or gave another answer than PennyLane before its fix."""

import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

REPO = Path(__file__).resolve().parent.parent


# --- numba's runtime kept as a signed blob ----------------------------------------------------
RUNTIME_CHILD = r"""
import sys
import qsym._cache as cache
from numba.core.registry import cpu_target
ctx = cpu_target.target_context
cache._runtime_ready(ctx)  # (what loading a cached kernel does first)
if sys.argv[1] == "keep":  # (what a process that compiled code does)
    cache._runtime_kept = False
    cache.keep_runtime(ctx)
print(cache.runtime_from_blob)
"""


def _runtime_child(how, folder, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_DEBUG")}
    full.update(QSYM_CACHE_DIR=str(folder), QSYM_WARMUP="0", **env,
                PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", RUNTIME_CHILD, how], env=full,
                          capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()[-1]


def test_a_runtime_kept_under_other_numba_settings_is_not_installed(tmp_path):
    # a process with NUMBA_DEBUG_NRT=1 (and a stack limit) kept numba's runtime library
    # compiled for its settings; a process without them installed it: every reference
    # count printed "*** NRT_Decref ..." on stdout, through a second argument
    # NRT_decref's callers never pass (a pointer read from a stale register: "(null)"
    # here, a crash elsewhere). The blob is keyed by the settings the generator reads.
    debug = {"NUMBA_DEBUG_NRT": "1", "NUMBA_DEBUG_NRT_STACK_LIMIT": "3"}
    assert _runtime_child("keep", tmp_path, **debug) == "False"  # (compiled, then kept)
    assert _runtime_child("use", tmp_path) == "False"  # another runtime: numba compiles it
    assert _runtime_child("use", tmp_path, **debug) == "True"  # the same settings: used


def test_a_damaged_runtime_blob_is_compiled_by_numba_instead(tmp_path):
    # held: a flipped byte is refused by the signature before pickle or LLVM see it (numba
    # compiles the runtime as without a blob; a truncated or swapped file is refused the same
    # way, by load_blob); the intact blob is used
    assert _runtime_child("keep", tmp_path) == "False"
    blob = next((tmp_path / "numba-runtime").glob("*.bin"))
    good = blob.read_bytes()
    blob.write_bytes(good[:100] + bytes([good[100] ^ 1]) + good[101:])
    assert _runtime_child("use", tmp_path) == "False"
    blob.write_bytes(good)
    assert _runtime_child("use", tmp_path) == "True"


# --- qsym.numpy.tensor's requires_grad across pickle ------------------------------------------
class Sub(np.tensor):
    """A user's subclass of the tensor (pickled by reference: module level)."""


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickled_tensor_keeps_its_requires_grad(protocol):
    # NumPy pickles an ndarray's data, not a subclass's attributes: requires_grad=False came
    # back True (PennyLane's tensor keeps it), so a circuit called with the unpickled
    # constant differentiated it too (another shape of gradient)
    for value in ([0.5, 1.5], 0.25, onp.zeros((2, 3), order="F")):
        for flag in (False, True):
            t = np.tensor(value, requires_grad=flag)
            u = pickle.loads(pickle.dumps(t, protocol=protocol))
            assert type(u) is np.tensor and u.requires_grad is flag
            assert u.shape == t.shape and onp.array_equal(u, t)
            assert u.flags.f_contiguous == t.flags.f_contiguous
    s = pickle.loads(pickle.dumps(Sub([1.0], requires_grad=False), protocol=protocol))
    assert s.requires_grad is False


def test_a_tensor_pickled_without_the_flag_still_loads_as_trainable():
    # the state a qsym before this fix wrote (NumPy's own, 5 items; 4 in NumPy's legacy
    # form): loaded, as then, trainable
    t = np.tensor([1.0, 2.0], requires_grad=False)
    rebuild, args, state = onp.ndarray.__reduce__(t)
    for old in (state, state[1:]):
        u = rebuild(*args)
        u.__setstate__(old)
        assert u.requires_grad is True and onp.array_equal(u, [1.0, 2.0])


def test_an_unpickled_constant_is_not_differentiated():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x, c):
        qml.RX(x, wires=0)
        qml.RY(c, wires=0)
        return qml.expval(qml.PauliZ(0))  # cos(x) cos(c)

    x = np.tensor(0.4, requires_grad=True)
    c = pickle.loads(pickle.dumps(np.tensor(0.7, requires_grad=False)))
    g = qml.grad(circuit)(x, c)  # one trainable argument: its derivative alone
    assert onp.ndim(g) == 0 and g == pytest.approx(-math.sin(0.4) * math.cos(0.7), abs=1e-12)


# --- a bool as a gate angle -------------------------------------------------------------------
def _bool_nodes():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def one(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))  # cos(x)

    @qml.qnode(dev)
    def two(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))  # cos(p0) cos(p1)

    return one, two


@pytest.mark.parametrize("warm", [False, True])
def test_a_bool_gate_angle_is_its_number_as_in_pennylane(warm):
    # PennyLane takes True/False as the angles 1 and 0 (values checked in PennyLane 0.45.1:
    # the same numbers); qsym refused them in a fresh QNode (GateError) and answered in a
    # warm one (the list was made a float array before any gate saw it)
    one, two = _bool_nodes()
    if warm:
        one(0.1), two([0.1, 0.2])
    cos1 = math.cos(1.0)
    assert two([0.3, True]) == pytest.approx(math.cos(0.3) * cos1, abs=1e-12)
    assert two([0.3, False]) == pytest.approx(math.cos(0.3), abs=1e-12)
    assert two((True, 0.4)) == pytest.approx(cos1 * math.cos(0.4), abs=1e-12)
    assert one(True) == pytest.approx(cos1, abs=1e-12)
    assert one(onp.bool_(False)) == pytest.approx(1.0, abs=1e-12)
    assert one(onp.array(True)) == pytest.approx(cos1, abs=1e-12)
    onp.testing.assert_allclose(one(onp.array([True, False])), [cos1, 1.0], atol=1e-12)
    assert qml.RX(True, wires=0).data == (1.0,)


def test_a_bool_is_not_differentiated():
    # PennyLane: a list or a bool argument is not trainable (no derivative, ``()``), the
    # float beside it is; qsym refuses a bool asked for by argnum with a specific error
    one, two = _bool_nodes()
    with pytest.warns(UserWarning, match="no trainable parameters"):
        assert qml.grad(two)([0.3, True]) == ()
    with pytest.warns(UserWarning, match="no trainable parameters"):
        assert qml.grad(one)(True) == ()

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def both(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    g = qml.grad(both)(np.tensor(0.3), True)
    assert g == pytest.approx(-math.sin(0.3) * math.cos(1.0), abs=1e-12)
    with pytest.raises(qml.errors.DifferentiationError, match="only floats"):
        qml.grad(both, argnum=1)(0.3, True)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_a_list_holding_a_bool_is_not_differentiated_by_argnum(method):
    # PennyLane's autograd refuses it (TypeError "Can't differentiate w.r.t. type bool");
    # qsym differentiated True as the angle 1.0, in a fresh call (classify) and in the
    # short path of a grad that had seen a list of floats (it checked the first item only)
    _, two = _bool_nodes()
    two.diff_method = method
    g = qml.grad(two, argnum=0)
    for _ in range(3):  # (a list of floats: the short path remembered)
        got = g([0.3, 0.5])
    assert got[1] == pytest.approx(-math.cos(0.3) * math.sin(0.5), abs=1e-12)
    for arg in ([0.3, True], (0.3, True), [True, 0.5]):
        for how in (g, qml.grad(two, argnum=0), qml.jacobian(two, argnum=0)):
            with pytest.raises(qml.errors.DifferentiationError, match="bool|only floats"):
                how(arg)
    assert two([0.3, True]) == pytest.approx(math.cos(0.3) * math.cos(1.0), abs=1e-12)


# --- NumPy's global generator put back while another thread draws -------------------------
def _drawing_thread():
    """A thread that draws one number from NumPy's global generator when ``go`` is called
    (then waits for ``finish``): the draw lands inside whatever the caller is doing."""
    import threading

    asked, drawn, finish, got = threading.Event(), threading.Event(), threading.Event(), []

    def run():
        asked.wait(30)
        got.append(onp.random.random())
        drawn.set()
        finish.wait(30)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def go():
        if not asked.is_set():
            asked.set()
            drawn.wait(30)

    return thread, go, finish, got


def _first_two(state):
    g = onp.random.RandomState()
    g.set_state(state)
    return g.random(), g.random()


@pytest.mark.xfail(strict=True, reason=(
    "decided at stop 63's merge: the look's draws are put back with other threads alive too "
    "(a notebook's and pytest-xdist's threads are alive in most processes, where a "
    "np.random.seed script must draw PennyLane's numbers); a number another thread draws "
    "during the look is handed out again, as for the per-call trace below"))
def test_another_threads_draw_during_a_look_is_not_handed_out_again():
    # qml.grad of a hybrid cost with shots looks at the circuit first (is it a
    # shadow_expval?) and put NumPy's global generator back afterwards: a number another
    # thread drew meanwhile was drawn again by the next caller (the same number twice)
    thread, go, finish, got = _drawing_thread()
    dev = qml.device("default.qubit", wires=1, seed=11)

    @qml.qnode(dev, diff_method="parameter-shift", shots=50)
    def circuit(x):
        go()  # (the first run of the function, in the look: another thread draws now)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    try:
        before = onp.random.get_state()
        qml.grad(lambda x: 2 * circuit(x))(np.tensor(0.4))  # (a hybrid cost: autograd's path)
        c = onp.random.random()
    finally:
        finish.set()
        thread.join(30)
    r1, r2 = _first_two(before)
    assert got == [r1]  # the other thread's number: the first after `before`
    assert c == r2  # the next caller's: the second (was r1 again: the state put back)


@pytest.mark.xfail(strict=True, reason=(
    "left at stop 63: a QNode traced at every call (here: numpy.linalg of its input) runs its "
    "function several times from one random state (_trace.RandomState.restore: the runs must "
    "draw the same numbers), which also puts back what another thread drew meanwhile"))
def test_another_threads_draw_during_a_per_call_trace_is_not_handed_out_again():
    thread, go, finish, got = _drawing_thread()
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        go()  # (the first run of the function: another thread draws now)
        qml.RX(np.linalg.eigh(np.array([[x, 1.0], [1.0, -x]]))[0][1], wires=0)
        return qml.expval(qml.PauliZ(0))

    try:
        before = onp.random.get_state()
        circuit(0.4)
        c = onp.random.random()
    finally:
        finish.set()
        thread.join(30)
    r1, r2 = _first_two(before)
    assert got == [r1]
    assert c == r2  # (r1 again: the other thread's number handed out twice)


# --- a variance of a sum with trainable coefficients ------------------------------------------
def _var_of_sum():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x, a):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        # cos(x/2)|00> - i sin(x/2)|11>: <H> = a cos x, <H^2> = a^2 + 0.04 (<Z0 X1> = 0),
        # so var = a^2 sin^2 x + 0.04, d/dx = a^2 sin 2x (by hand)
        return qml.var(qml.Hamiltonian([a, 0.2], [qml.PauliZ(0), qml.PauliX(1)]))

    return circuit


def test_a_variance_of_a_sum_with_plain_float_coefficients_answers_a_value_call():
    # PennyLane's refusal (its parameter shift splits trainable observables) is for
    # trainable coefficients; in a value call a plain float is not trainable and PennyLane
    # answers (0.094593 in PennyLane 0.45.1). qsym refused it at the build (its signature
    # keeps positional floats differentiable for later derivatives)
    x, a = 0.4, 0.6
    circuit = _var_of_sum()
    assert circuit(x, a) == pytest.approx(a**2 * math.sin(x) ** 2 + 0.04, abs=1e-12)
    assert qml.grad(circuit, argnum=0)(x, a) == pytest.approx(a**2 * math.sin(2 * x), abs=1e-12)
    # the same signature differentiated by the coefficient: PennyLane's ValueError
    with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coefficients"):
        qml.grad(circuit, argnum=[0, 1])(x, a)
    circuit = _var_of_sum()
    assert circuit(x, a) == pytest.approx(a**2 * math.sin(x) ** 2 + 0.04, abs=1e-12)
    with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coefficients"):
        qml.grad(circuit)(np.array(x), np.array(a))  # (trainable tensors)
    with pytest.raises(ValueError, match="Can only differentiate Hamiltonian coefficients"):
        _var_of_sum()(np.array(x), np.array(a))  # a value call of a trainable coefficient


# --- numba's JIT turned off ---------------------------------------------------------------
NOJIT_CHILD = r"""
import math, os
import qsym as qml
from qsym import numpy as np
out = []
for tier in ("python", "compiled"):
    os.environ["QSYM_TIER"] = tier
    for method in ("parameter-shift", "adjoint"):
        dev = qml.device("default.qubit", wires=2)

        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            qml.RX(x[0], wires=0)
            qml.RY(x[1], wires=1)
            qml.CNOT(wires=[0, 1])
            return qml.expval(qml.PauliZ(1))  # cos(x0) cos(x1)

        x = np.array([0.3, 0.5])
        for _ in range(2):
            v, g = circuit(x), qml.grad(circuit)(x)
            out.append(abs(v - math.cos(0.3) * math.cos(0.5))
                       + abs(g[0] + math.sin(0.3) * math.cos(0.5))
                       + abs(g[1] + math.cos(0.3) * math.sin(0.5)))
print(max(out))
"""


def test_numbas_jit_turned_off_runs_the_kernels_as_python():
    # NUMBA_DISABLE_JIT=1 (numba's debugging switch: @njit gives the Python function) made
    # the first call of any circuit raise AttributeError ('function' object has no
    # attribute 'overloads'); the kernels are their Python functions then (slow, the same
    # arithmetic)
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", QSYM_WARMUP="0",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", NOJIT_CHILD], env=env, capture_output=True,
                          text=True, timeout=600, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout.split()[-1]) < 1e-12


def test_only_qsyms_own_threads_count_as_no_other_threads():
    """``_locks.no_other_threads`` (a changed random state during a build is the function's
    own only then; else it is confirmed by running the function again): qsym's own threads
    (kernel loads, warm-up, deferred cache writes: named ``qsym ...``) draw nothing and do
    not count; a user's thread does."""
    import threading

    from qsym._locks import no_other_threads

    def with_thread(thread_name):
        stop = threading.Event()
        t = threading.Thread(target=stop.wait, name=thread_name, daemon=True)
        t.start()
        try:  # (and whether any thread of the process's own, not qsym's, is alive)
            return no_other_threads(), any(
                u is not threading.current_thread() and u is not t
                and not u.name.startswith("qsym") for u in threading.enumerate())
        finally:
            stop.set()
            t.join()

    alone, others = with_thread("qsym load a module")
    assert alone is not others  # (alone unless, say, pytest-xdist's own threads are alive)
    assert with_thread("a user's worker")[0] is False
