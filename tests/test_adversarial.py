"""Adversarial review: values a circuit reads besides its arguments, bad input that used
to get a raw error (or fill the memory), and the cache under hostile files.

Every expected number is written by hand (cos of the angle the circuit applies) and
checked against finite differences where it is a gradient.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

DEV = qml.device("default.qubit", wires=1)

SCALE = 1.0
FLAG = True
ANGLES = [0.25]
SHIFT = onp.array([0.5])


@qml.qnode(DEV)
def scaled(x):  # reads the module-level SCALE
    qml.RX(SCALE * x[0], wires=0)
    return qml.expval(qml.PauliZ(0))


@qml.qnode(DEV)
def flagged(x):  # a branch on a module-level flag
    if FLAG:
        qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))


def _extra():  # a helper the circuit calls, reading module-level values
    return ANGLES[0] + SHIFT[0]


@qml.qnode(DEV)
def helped(x):
    qml.RX(x + _extra(), wires=0)
    return qml.expval(qml.PauliZ(0))


def test_a_module_level_value_changed_after_the_first_call_is_used():
    """Before: the compiled program kept the values of the first trace (a silent wrong
    number: PennyLane runs the function at every call and sees the new ones)."""
    global SCALE, FLAG
    x = np.array([0.5], requires_grad=True)
    try:
        assert scaled(x) == pytest.approx(onp.cos(0.5), abs=1e-12)
        for _ in range(2):  # the second call takes grad's short path
            assert qml.grad(scaled)(x)[0] == pytest.approx(-onp.sin(0.5), abs=1e-12)
        SCALE = 2.0
        assert scaled(x) == pytest.approx(onp.cos(1.0), abs=1e-12)
        assert qml.grad(scaled)(x)[0] == pytest.approx(-2 * onp.sin(1.0), abs=1e-12)
        SCALE = 3.0  # now straight on grad's short path
        assert qml.grad(scaled)(x)[0] == pytest.approx(-3 * onp.sin(1.5), abs=1e-12)
        assert qml.jacobian(scaled)(x)[0] == pytest.approx(-3 * onp.sin(1.5), abs=1e-12)

        assert flagged(0.5) == pytest.approx(onp.cos(0.5), abs=1e-12)
        FLAG = False
        assert flagged(0.5) == pytest.approx(1.0, abs=1e-12)
    finally:
        SCALE, FLAG = 1.0, True


def test_values_changed_in_place_and_read_by_a_helper_are_used():
    """A list and an array changed in place, read by a function the circuit calls."""
    x = 0.1
    try:
        assert helped(x) == pytest.approx(onp.cos(0.85), abs=1e-12)
        ANGLES[0] = 1.0
        assert helped(x) == pytest.approx(onp.cos(1.6), abs=1e-12)
        SHIFT[0] = -0.2
        assert helped(x) == pytest.approx(onp.cos(0.9), abs=1e-12)
        g = qml.grad(helped)(np.array(x, requires_grad=True))
        assert g == pytest.approx(-onp.sin(0.9), abs=1e-12)
    finally:
        ANGLES[0], SHIFT[0] = 0.25, 0.5


def test_closure_and_mutable_default_changed_after_the_first_call_are_used():
    def make():
        k = [1.0]

        @qml.qnode(DEV)
        def closed(x, extra=[0.0]):  # noqa: B006 (the case under test)
            qml.RX(k[0] * x + extra[0], wires=0)
            return qml.expval(qml.PauliZ(0))

        return closed, k

    closed, k = make()
    assert closed(0.5) == pytest.approx(onp.cos(0.5), abs=1e-12)
    k[0] = 2.0
    assert closed(0.5) == pytest.approx(onp.cos(1.0), abs=1e-12)
    closed.__wrapped__.__defaults__[0][0] = 0.3
    assert closed(0.5) == pytest.approx(onp.cos(1.3), abs=1e-12)


def test_a_value_changing_at_every_call_warns_once_with_what_to_do():
    global SCALE
    x = np.array([0.2], requires_grad=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(12):
                SCALE = 1.0 + i
                assert scaled(x) == pytest.approx(onp.cos(SCALE * 0.2), abs=1e-12)
        msgs = [str(w.message) for w in caught if "traced circuit function" in str(w.message)]
        assert len(msgs) == 1 and "SCALE" in msgs[0] and "argument" in msgs[0]
    finally:
        SCALE = 1.0


def test_unchanged_values_trace_once():
    @qml.qnode(DEV)
    def once(x):
        qml.RX(SCALE * x + ANGLES[0] + SHIFT[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    once(0.1)
    entry = next(iter(once._compiled.values()))
    assert entry.guard is not None and set(entry.guard.names) == {"SCALE", "ANGLES", "SHIFT"}
    # the first gradient makes the full module from the value call's trace (a value call
    # writes no gradient code: qsym._emit.emit_module(values_only=True)); from then on
    # neither kind of call builds anything again
    qml.grad(once)(np.array(0.2, requires_grad=True))
    entry = next(iter(once._compiled.values()))
    assert entry.guard is not None and set(entry.guard.names) == {"SCALE", "ANGLES", "SHIFT"}
    for _ in range(3):
        once(0.2)
        qml.grad(once)(np.array(0.2, requires_grad=True))
    assert next(iter(once._compiled.values())) is entry


def test_a_helper_defined_again_is_used():
    """A notebook cell defining the circuit's helper again (with other gates)."""
    user = {"qml": qml}
    exec("def layer(x):\n    qml.RX(x, wires=0)\n"
         "def circuit(x):\n    layer(x)\n    return qml.expval(qml.PauliZ(0))", user)
    node = qml.QNode(user["circuit"], DEV)
    assert node(0.5) == pytest.approx(onp.cos(0.5), abs=1e-12)
    exec("def layer(x):\n    qml.RZ(x, wires=0)", user)  # RZ leaves <Z> = 1
    assert node(0.5) == pytest.approx(1.0, abs=1e-12)


# --- bad input ----------------------------------------------------------------------------


def test_a_device_of_absurdly_many_wires_is_refused_without_filling_the_memory():
    """Before: qml.device(wires=10**9) built a list of 10**9 labels (20 GB, killed by the
    OOM killer). Run in a child process with its address space capped at 3 GB."""
    code = (
        "import resource, qsym as qml\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "for w in (10**9, range(10**9), 61):\n"
        "    try:\n"
        "        qml.device('default.qubit', wires=w)\n"
        "    except qml.DeviceError as exc:\n"
        "        assert 'cannot be simulated' in str(exc), exc\n"
        "    else:\n"
        "        raise SystemExit('accepted')\n"
        "print('refused', len(qml.device('default.qubit', wires=60).wires))\n"
    )
    env = dict(os.environ, QSYM_WARMUP="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0 and "refused 60" in out.stdout, out.stderr[-2000:]


@pytest.mark.parametrize("seed", [-1, -(2**40)])
def test_a_negative_seed_is_a_device_error(seed):
    """Before: NumPy's ValueError from deep inside numpy.random."""
    with pytest.raises(qml.DeviceError, match="non-negative int"):
        qml.device("default.qubit", wires=1, shots=10, seed=seed)


@pytest.mark.parametrize("func", [3, None, "circuit"])
def test_a_qnode_of_something_not_callable_is_refused_when_made(func):
    """Before: accepted, and a raw TypeError at the first call."""
    with pytest.raises(qml.ArgumentError, match="needs a circuit function"):
        qml.QNode(func, DEV)


def test_a_many_wire_gate_given_no_wires_is_a_wire_error():
    """Before: MultiRZ(x, wires=[]) was accepted and applied nothing."""
    for make in (lambda: qml.MultiRZ(0.3, wires=[]),
                 lambda: qml.PauliRot(0.3, "", wires=[]),
                 lambda: qml.MultiControlledX(wires=[])):
        with pytest.raises(qml.WireError, match="at least one wire"):
            make()
    qml.GlobalPhase(0.3)  # no wires is right for a global phase


def test_plain_random_draws_in_a_circuit_are_refused_naming_them():
    """numpy.random and random are not traced; the replay on numbers draws again and sees
    other gates. Before: the message only spoke of control flow."""
    import random

    @qml.qnode(DEV, trace="once")  # (trace="auto": traced at every call, test_per_call)
    def noisy(x):
        qml.RX(x + onp.random.uniform(), wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(DEV, trace="once")
    def noisy_py(x):
        qml.RY(x * random.random(), wires=0)
        return qml.expval(qml.PauliZ(0))

    for node in (noisy, noisy_py):
        with pytest.raises(qml.TracingError, match="draws random numbers|random draws"):
            node(0.3)


def test_the_guard_sees_every_kind_of_change():
    """qsym._guards on a hand-made module: each kind of value, changed in place or
    rebound, is seen; an equal value rebound is not a change."""
    from qsym import _guards

    class Obj:
        pass

    user = {"N": 2, "L": [0.1, [0.2]], "A": onp.ones(3), "T": (1, [2.0]), "D": {"k": 1.0},
            "S": {1, 2}, "O": Obj(), "NAN": float("nan")}
    exec("def helper():\n    return O, NAN\n"
         "def f(x):\n    return N, L, A, T, D, S, helper(), x", user)
    guard = _guards.make(user["f"])
    assert set(guard.names) == {"N", "L", "A", "T", "D", "S", "O", "NAN", "helper"} and guard()
    changes = [
        ("N", lambda: user.update(N=2.0)),          # int -> equal float: another type
        ("L", lambda: user["L"][1].append(0.3)),    # nested list, in place
        ("A", lambda: user["A"].__setitem__(1, 5.0)),
        ("A", lambda: user.update(A=onp.ones(4))),  # same values, another shape
        ("T", lambda: user["T"][1].__setitem__(0, 9.0)),
        ("D", lambda: user["D"].update(k=2.0)),
        ("S", lambda: user["S"].add(3)),
        ("O", lambda: user.update(O=Obj())),        # another object
        ("N", lambda: user.pop("N")),               # deleted
    ]
    for name, change in changes:
        fresh = _guards.make(user["f"])
        assert fresh(), name
        change()
        assert not fresh() and name in fresh.changed(), name
    fresh = _guards.make(user["f"])
    user["L"][0] = onp.ones(2)  # an array in a list of numbers: a change, not an error
    assert not fresh() and "L" in fresh.changed()
    user.update(N=3, L=[1.0], A=onp.zeros(2))
    fresh = _guards.make(user["f"])
    user.update(N=3, L=[1.0], A=onp.zeros(2))  # equal values rebound: no change
    assert fresh()


@pytest.mark.parametrize("shots", [2**63, 10**30, [10, 2**63]])
def test_more_shots_than_numpy_can_count_is_a_device_error(shots):
    """Before: accepted, then NumPy's OverflowError at the first call."""
    with pytest.raises(qml.DeviceError, match="at most 2\\*\\*63 - 1|shot vector"):
        qml.device("default.qubit", wires=1, shots=shots)
    assert qml.device("default.qubit", wires=1, shots=2**63 - 1).shots.total_shots == 2**63 - 1


@pytest.mark.parametrize("where", ["device", "call"])
def test_a_shot_vector_whose_results_do_not_fit_in_memory_is_a_device_error(where):
    """Before: a Python loop over 10**9 copies (a list of 10**9 counts first): hours and
    tens of GB for a tuple of 10**9 results. Now refused before any copy runs; a few
    copies still give one result each."""
    vector = [(10, 10**9)]
    dev = qml.device("default.qubit", wires=1, shots=vector if where == "device" else None)

    @qml.qnode(dev)
    def node(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    call = (lambda: node(0.0)) if where == "device" else (lambda: node(0.0, shots=vector))
    with pytest.raises(qml.DeviceError, match="10000000000 copies|1000000000 copies"):
        call()
    assert node(0.0, shots=[(10, 3), 5]) == (1.0, 1.0, 1.0, 1.0)  # <Z> = 1 exactly at x = 0


def test_samples_that_do_not_fit_in_memory_are_a_device_error():
    """Before: NumPy's MemoryError (7 TiB for 10**12 samples)."""
    dev = qml.device("default.qubit", wires=1, shots=10**12)

    @qml.qnode(dev)
    def sampled(x):
        qml.RX(x, wires=0)
        return qml.sample(qml.PauliZ(0))

    with pytest.raises(qml.DeviceError, match="does not fit in memory"):
        sampled(0.3)


@pytest.mark.parametrize("steps", [1.5, 2.0, "5"])
def test_minimize_steps_must_be_an_int(steps):
    """Before: int(steps), so 1.5 ran one step and "5" five, silently."""
    with pytest.raises(qml.ArgumentError, match="steps must be an int"):
        qml.minimize(scaled, onp.array([0.3]), steps=steps)


def test_sweep_refuses_non_finite_parameter_sets_by_row():
    """Before: ValueError('qsym: non-finite input') from the generated code."""
    with pytest.raises(qml.ArgumentError, match=r"rows \[1\]"):
        qml.sweep(scaled, onp.array([[0.1], [onp.nan], [0.2]]))


def test_basis_state_bits_given_as_inputs_are_checked_at_every_call():
    """Float bits are traced (RX(pi b) and a phase): a basis state only at 0 and 1.
    Before: BasisState([0.5, 0]) after a call with [1.0, 0] gave cos(pi/2 * ...) mixes, a
    wrong number (-0.479 for <Z0> after RX(0.5)); now PennyLane's GateError."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def basis(x, bits):
        qml.BasisState(bits, wires=[0, 1])
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    assert basis(0.5, onp.array([1.0, 0.0])) == pytest.approx(-onp.cos(0.5), abs=1e-12)
    assert basis(0.5, onp.array([0.0, 1.0])) == pytest.approx(onp.cos(0.5), abs=1e-12)
    for bad in ([0.5, 0.0], [1.0, -1.0], [1.0, 2.0]):
        with pytest.raises(qml.GateError, match="only consist of 0s and 1s"):
            basis(0.5, onp.array(bad))


# --- planted cache files ------------------------------------------------------------------


def test_a_kernels_entry_that_is_not_a_folder_warns_once(tmp_path, monkeypatch):
    """``kernels`` in the cache folder is a file: numba cannot keep the kernel library
    there, so every process compiles it again (10-60 s). Before: silently (a debug log
    line); now one CacheWarning saying what to fix, and a private folder is used."""
    from qsym import _cache as cache, _kernels as kernels

    cls = cache._locator_class()
    if cls is None or os.environ.get("NUMBA_CACHE_DIR"):
        pytest.skip("numba's own cache settings are in use")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    (folder / "kernels").write_text("not a folder")
    monkeypatch.setattr(cache, "cache_dir", lambda: folder)
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setattr(cache, "_kernel_dirs", [])
    func = next(f for f in cache.numba_cached_functions(kernels))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = cls.from_function(func.py_func, kernels.__file__)
        second = cls.from_function(func.py_func, kernels.__file__)
    msgs = [str(w.message) for w in caught if issubclass(w.category, qml.CacheWarning)]
    assert len(msgs) == 1 and "kernel library" in msgs[0] and "QSYM_CACHE_DIR" in msgs[0]
    for locator in (first, second):
        path = Path(locator.get_cache_path())
        assert folder not in path.parents and path.is_dir()


def test_a_numba_cache_folder_of_ours_that_others_can_write_is_made_private(tmp_path,
                                                                            monkeypatch):
    """docs/reliability.md: such a folder gets its group/other write bits removed, with a
    warning, and is used. Before: the check looked for "writable" in a message that says
    "can be written", so the folder was refused and numba compiled in memory in every
    process (the kernel library: 10-60 s each)."""
    from qsym import _cache as cache

    folder = tmp_path / "numba"
    folder.mkdir()
    os.chmod(folder, 0o777)
    monkeypatch.setattr(cache, "_numba_dirs", {})
    monkeypatch.setattr(cache, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cache._numba_dir_problem(folder) is None
    assert os.stat(folder).st_mode & 0o022 == 0
    assert any("chmod go-w" in str(w.message) for w in caught)


def test_the_private_folder_is_removed_at_exit_without_a_resource_warning(tmp_path):
    """A cache folder that cannot be used (here a file): the private folder used instead
    is removed at exit. Before: by the TemporaryDirectory's finalizer, which printed a
    ResourceWarning ("Implicitly cleaning up") under -W always."""
    bad = tmp_path / "a file"
    bad.write_text("x")
    code = ("import warnings, qsym._cache as c\n"
            "warnings.simplefilter('ignore', c.CacheWarning)\n"
            "print(c.cache_dir())\n")
    env = dict(os.environ, QSYM_CACHE_DIR=str(bad), QSYM_WARMUP="0")
    out = subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    private = Path(out.stdout.strip().splitlines()[-1])
    assert private != bad and not private.exists()
    assert "ResourceWarning" not in out.stderr, out.stderr[-2000:]


# --- found by the oracle (tests/test_oracle.py) ---------------------------------------------


def _amplitudes(v):
    return v / onp.linalg.norm(v)


def test_traced_amplitudes_that_are_a_signed_zero_at_the_replay_point_are_not_refused():
    """AmplitudeEmbedding of ``[sin(1.79 x2 - 0.08) x1, sin(0.117 x2 + 0.57) x1, 0.3, 0.5]``:
    the replay at x = 0 computes the first block as (-0.0, 0.0), whose numeric angle was
    2 atan2(0.0, -0.0) = 2 pi against the traced expression's 0. Before: TracingError
    ("records different gates when run on numbers than when traced") for a faithful
    circuit; now the prepared state, checked against NumPy."""
    dev = qml.device("default.qubit", wires=2)

    def feats(x, sin):
        return [sin(1.79 * x[2] - 0.0799) * x[1], sin(0.117 * x[2] + 0.57) * x[1], 0.3, 0.5]

    @qml.qnode(dev)
    def prepared(x):
        qml.AmplitudeEmbedding(np.stack(feats(x, np.sin)), wires=[0, 1], normalize=True)
        return qml.state()

    x = onp.array([0.07, 2.7, -2.1])
    want = _amplitudes(onp.array(feats(x, onp.sin)))
    assert onp.allclose(prepared(np.array(x)), want, atol=1e-12)


def test_the_hessian_of_traced_amplitudes_is_computed():
    """qml.hessian of a circuit preparing ``[x0, sin(x1)]``: before, sympy's TypeError
    ("Invalid NaN comparison") from printing the exact second derivatives (lambdify sorts
    the terms of sums); now the Hessian, against central differences of NumPy's
    ``<X> = 2 a0 a1`` of the normalized amplitudes."""

    @qml.qnode(DEV)
    def prepared(x):
        qml.AmplitudeEmbedding(np.stack([x[0], np.sin(x[1])]), wires=[0], normalize=True)
        return qml.expval(qml.PauliX(0))

    def exact(v):
        a = _amplitudes(onp.array([v[0], onp.sin(v[1])]))
        return 2 * a[0] * a[1]

    x0, h, eye = onp.array([0.4, 0.9]), 1e-4, onp.eye(2)
    want = onp.array([[(exact(x0 + h * (eye[i] + eye[j])) - exact(x0 + h * (eye[i] - eye[j]))
                        - exact(x0 - h * (eye[i] - eye[j])) + exact(x0 - h * (eye[i] + eye[j])))
                       / (4 * h * h) for j in range(2)] for i in range(2)])
    got = qml.hessian(prepared)(np.array(x0, requires_grad=True))
    assert got.shape == (2, 2) and onp.allclose(got, want, atol=1e-6)


def test_attributes_of_user_modules_and_classes_changed_after_the_first_call_are_used(
        tmp_path, monkeypatch):
    """``config.SCALE`` (a module of the user's) and ``Model.depth`` (a class attribute),
    read by the circuit and by a helper in that module, changed after the first call.
    Before: the first trace's values for ever (cos(0.5) after SCALE became 2, a silent
    wrong number); now traced again, as PennyLane runs the function again."""
    (tmp_path / "oracle_config.py").write_text(
        "SCALE = 1.0\nOFFSET = [0.0]\n"
        "def shifted(x):\n    return x + OFFSET[0]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import oracle_config as config

    class Model:
        depth = 1.0

    @qml.qnode(DEV)
    def configured(x):
        qml.RX(config.SCALE * Model.depth * config.shifted(x), wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.5, requires_grad=True)
    assert configured(x) == pytest.approx(onp.cos(0.5), abs=1e-12)
    config.SCALE = 2.0
    assert configured(x) == pytest.approx(onp.cos(1.0), abs=1e-12)
    Model.depth = 0.5
    assert configured(x) == pytest.approx(onp.cos(0.5), abs=1e-12)
    config.OFFSET[0] = 0.25  # read by the module's helper
    assert configured(x) == pytest.approx(onp.cos(0.75), abs=1e-12)
    assert qml.grad(configured)(x) == pytest.approx(-onp.sin(0.75), abs=1e-12)
    config.SCALE = 4.0  # straight on grad's short path
    assert qml.grad(configured)(x) == pytest.approx(-2 * onp.sin(1.5), abs=1e-12)


# --- adversarial review, stop 56 ------------------------------------------------------------

_FORK_DURING_A_LOAD = r"""
import os, sys, threading, types
import numpy as np
from qsym import _tiers

entered, release = threading.Event(), threading.Event()

def names():  # runs in the loading thread, under the load lock
    entered.set()
    release.wait()
    return []

os.register_at_fork(before=release.set)  # registered after qsym's: runs before them
_tiers._warm_start.set()  # (the load would wait for the process's first answer)
module = types.SimpleNamespace(__name__="m", NUM_OUTPUTS=1, NUM_INPUTS=1)
loader = _tiers.load_in_background(module, names, np.zeros(1), np.zeros(0), lambda: None)
entered.wait()
sys.setswitchinterval(1000)  # the loading thread runs only when this thread waits
pid = os.fork()
if pid == 0:
    os._exit(3 if _tiers._load_lock.locked() else 0)
_, status = os.waitpid(pid, 0)
loader.join()
print("child", os.waitstatus_to_exitcode(status))
"""


def test_a_fork_while_a_background_load_holds_the_lock_gives_a_child_that_can_exit(tmp_path):
    """A fork (``multiprocessing``'s default on Linux) while a circuit's compiled code was
    being loaded in the background, or compiled in that thread after its compile process
    died (a Ctrl-C to the process group): the child inherited the load lock (and numba's
    compiler lock) held by a thread that does not exist there, so its exit waited forever
    (qsym's exit handler takes the lock; reproduced with a real QNode whose compile
    process was killed). Now a fork waits for the load under way and the child's lock is
    free. Deterministic: the load ends only when the fork is asked for, and this thread
    keeps the GIL until it forks unless something makes it wait."""
    env = dict(os.environ, QSYM_WARMUP="0")
    out = subprocess.run([sys.executable, "-c", _FORK_DURING_A_LOAD], capture_output=True,
                         text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "child 0", out.stdout + out.stderr[-2000:]


@pytest.mark.parametrize("name", ["GradientDescentOptimizer", "AdamOptimizer",
                                  "NesterovMomentumOptimizer", "RMSPropOptimizer"])
def test_an_optimizer_refuses_a_trainable_integer_tensor_as_qml_grad_does(name):
    """``opt.step(cost, np.array([1, 2]))``: PennyLane 0.45.1 raises "Autograd does not
    support differentiation of ints." (its ``qml.grad`` without argnums; run in
    /work/plvenv), as qsym's ``qml.grad(cost)`` does; qsym's optimizers passed the
    trainable positions as ``argnum`` and stepped the integers as floats."""
    opt = getattr(qml, name)(0.1)
    cost = lambda x: np.sum(np.sin(x))  # noqa: E731
    with pytest.raises(qml.DifferentiationError, match="differentiation of ints.*dtype=float"):
        opt.step(cost, np.array([1, 2]))
    with pytest.raises(ValueError, match="differentiation of ints"):
        opt.step_and_cost(cost, np.array([1, 2]), np.array([0.5]))
    # a float tensor beside a non-trainable integer one is stepped as before
    x, k = opt.step(lambda x, k: np.sum(np.sin(x)) * k[0], np.array([0.5]),
                    np.array([2], requires_grad=False))
    assert x[0] < 0.5 and k.dtype.kind == "i"


@pytest.mark.parametrize("make", [
    lambda: qml.matrix(qml.PauliX(0), wire_order=[0, 0]),
    lambda: qml.matrix(qml.CNOT(wires=[0, 1]), wire_order=[0, 1, 1]),
    lambda: qml.matrix(lambda: qml.PauliX(0), wire_order=[0, 0])(),
    lambda: qml.matrix(qml.PauliX(0) + qml.PauliZ(1), wire_order=[0, 1, 0]),
    lambda: (qml.PauliX(0) + qml.PauliZ(1)).matrix(wire_order=[0, 1, 0]),
    lambda: (qml.PauliX(0) @ qml.PauliZ(1)).matrix(wire_order=[1, 0, 1]),
    lambda: qml.RX(0.1, wires=0).matrix(wire_order=[1, 0, 1]),
    lambda: qml.Hermitian(onp.eye(2), wires=0).matrix(wire_order=[0, 0]),
    lambda: qml.pauli.PauliWord({0: "X"}).to_mat(wire_order=[0, 0]),
    lambda: qml.math.expand_matrix(onp.eye(2), [0], [0, 0]),
], ids=["gate", "cnot", "qfunc", "sum", "sum.matrix", "prod.matrix", "gate.matrix",
        "hermitian", "pauli-word", "expand_matrix"])
def test_a_wire_order_naming_a_wire_twice_is_a_wire_error(make):
    """PennyLane 0.45.1 (run in /work/plvenv): ``qml.matrix(qml.X(0), wire_order=[0, 0])``
    raises ``WireError: Wires must be unique; got [0, 0].``. qsym gave a bare NumPy reshape
    error for a gate and, for ``X(0) + Z(1)`` on ``[0, 1, 0]``, an 8x8 matrix of wrong
    entries."""
    with pytest.raises(qml.WireError, match="[Ww]ires must be unique"):
        make()


def test_a_wire_order_of_distinct_wires_still_orders_the_matrix():
    # X(0) + Z(1) on [1, 0]: Z (x) I + I (x) X, written out by hand
    expected = onp.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, -1, 1], [0, 0, 1, -1]])
    assert onp.array_equal(qml.matrix(qml.PauliX(0) + qml.PauliZ(1), wire_order=[1, 0]),
                           expected)
    assert onp.array_equal((qml.PauliX(0) + qml.PauliZ(1)).matrix(wire_order=[1, 0]), expected)


@pytest.mark.parametrize("z", ["a", None, 1j, onp.array([1j]), onp.array(["2"])])
def test_qml_pow_of_a_gate_by_what_is_not_a_real_number_is_a_gate_error(z):
    """``qml.pow(qml.X(0), "a")`` raised Python's bare ``TypeError: not all arguments
    converted during string formatting`` (the ``%`` of the exponent deep in the power),
    ``None`` and ``1j`` a bare TypeError of ``%`` too; now a GateError saying what to give.
    Real exponents are unchanged: X**2 is the identity, X**0.5 squares to X (by hand)."""
    with pytest.raises(qml.GateError, match="exponent must be a real number"):
        qml.pow(qml.PauliX(0), z)
    assert onp.allclose(qml.matrix(qml.pow(qml.PauliX(0), 2)), onp.eye(2), atol=1e-12)
    half = qml.matrix(qml.pow(qml.PauliX(0), 0.5))
    assert onp.allclose(half @ half, [[0, 1], [1, 0]], atol=1e-12)


def test_a_masked_array_with_masked_entries_is_an_argument_error():
    """``circuit(np.ma.array([0.3, 0.4], mask=[0, 1]))`` ran at 0.4, the masked entry's
    number, as if it were not masked (PennyLane 0.45.1 gives yet another number, from
    NumPy's masked constant); now an ArgumentError saying what to pass. A masked array
    with nothing masked is its numbers: cos(0.3) cos(0.4), by hand."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    masked = onp.ma.array([0.3, 0.4], mask=[0, 1])
    for call in (circuit, qml.grad(circuit, argnum=0), qml.jacobian(circuit, argnum=0)):
        with pytest.raises(qml.ArgumentError, match="masked entries.*filled"):
            call(masked)
    assert circuit(onp.ma.array([0.3, 0.4])) == pytest.approx(onp.cos(0.3) * onp.cos(0.4),
                                                              abs=1e-12)


def test_a_relative_cache_folder_is_the_same_folder_for_the_background_compile(tmp_path):
    """``QSYM_CACHE_DIR=cache`` (relative): the background compile process runs in qsym's
    own folder, so it read and wrote ``<qsym>/../cache`` (files in the installation, the
    compile redone in the calling process, which looked in ``./cache``). The folder is
    now made absolute where it is read, and the compile process is given that path."""
    env = dict(os.environ, QSYM_CACHE_DIR="cache", QSYM_WARMUP="0")
    code = "from qsym import _cache\nprint(_cache.cache_dir())\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert Path(out.stdout.strip().splitlines()[-1]) == tmp_path / "cache"
    assert (tmp_path / "cache").is_dir()
