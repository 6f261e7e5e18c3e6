"""What a new circuit's first answer no longer does (issue #17, first63b): a device does not
make its samples' generator until it samples, a trace reads NumPy's global generator's state
twice (not three times), and the digest memo of qsym's files is read without JSON. Each test
checks that the answer is the same as before (NumPy's own generators, hashlib's digests),
and fails on the code before the change (the work it counts was done). Nothing asserts a
time.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import sys

import numpy as onp
import pytest

import qsym as qml
from qsym import _cache as cache
from qsym import _trace as trace


def _count(monkeypatch, owner, name):
    calls = []
    real = getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


# --- the device's samples generator -----------------------------------------------------------
def test_a_device_makes_its_samples_generator_when_it_first_samples(monkeypatch):
    """Making a device with an int seed makes no generator (``numpy.random.default_rng``
    not called: 0.15 ms of a new process's first value); its first read is
    ``default_rng(seed)``'s stream (NumPy's, computed here), and sampling draws from it."""
    made = _count(monkeypatch, onp.random, "default_rng")
    dev = qml.device("default.qubit", wires=1, seed=7)
    assert made == []
    monkeypatch.undo()
    want = onp.random.default_rng(7).random(3)
    assert dev._rng.random(3).tolist() == want.tolist()
    assert dev.rng is dev._rng


def test_a_copy_or_pickle_of_an_unused_device_keeps_its_stream():
    """A copy shares the generator (as one made with the device was shared): a draw from
    the copy, then one from the original, are the first two numbers of
    ``default_rng(11)``; a pickled and a deep-copied device start that stream anew; a
    Generator given as the seed is the generator itself; ``_rng = None`` samples from NumPy's
    global functions (PennyLane's tests)."""
    want = onp.random.default_rng(11).random(2).tolist()
    dev = qml.device("default.qubit", wires=1, seed=11)
    twin = copy.copy(dev)
    assert [twin._rng.random(), dev._rng.random()] == want
    for remade in (pickle.loads(pickle.dumps(qml.device("default.qubit", wires=1, seed=11))),
                   copy.deepcopy(qml.device("default.qubit", wires=1, seed=11))):
        assert remade._rng.random(2).tolist() == want
    gen = onp.random.default_rng(5)
    assert qml.device("default.qubit", wires=1, seed=gen)._rng is gen
    dev._rng = None
    assert dev.rng is onp.random


def test_sampled_values_are_numpys_draws_from_the_seed():
    """A sampled expectation of a device made with seed 3 is the mean of the ±1 outcomes
    ``default_rng(3)`` draws (``choice`` over the two basis states with the state's
    probabilities, worked out here: cos²(θ/2), sin²(θ/2)), whenever the generator is
    made."""
    dev = qml.device("default.qubit", wires=1, seed=3)

    @qml.set_shots(shots=50)
    @qml.qnode(dev)
    def f(t):
        qml.RX(t, wires=0)
        return qml.sample(qml.PauliZ(0))

    theta = 0.9
    p0 = onp.cos(theta / 2) ** 2
    draws = onp.random.default_rng(3).choice(2, 50, p=[p0, 1 - p0])
    assert onp.asarray(f(theta)).tolist() == (1 - 2 * draws).tolist()


# --- NumPy's global generator: read twice per trace -------------------------------------------
def _count_get_state(monkeypatch):
    """Calls of ``numpy.random.get_state`` from here on (a stand-in bound to the same
    generator, so that qsym can still read that generator's memory)."""
    calls, real = [], onp.random.get_state

    class Counted:
        __self__ = real.__self__

        def __call__(self, *args, **kwargs):
            calls.append(args)
            return real(*args, **kwargs)

    monkeypatch.setattr(onp.random, "get_state", Counted())
    return calls


def test_a_new_circuit_reads_numpys_global_state_twice(monkeypatch):
    """The first value of a new QNode (``trace="auto"``) reads NumPy's global state twice:
    once before the trace (kept to restore it, and to compare), once after, each from the
    generator's memory, not by ``get_state`` (which copies the 624-word key one word at a
    time: fails on the code before, which called it twice). Its value is cos(a)cos(b)
    (worked out by hand)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=0)
        return qml.expval(qml.PauliZ(0))

    calls = _count_get_state(monkeypatch)
    reads = _count(monkeypatch, trace, "_read_numpy_global")
    value = f(qml.numpy.array(0.3), qml.numpy.array(-0.7))
    assert len(reads) == 2 and calls == []
    assert value == pytest.approx(onp.cos(0.3) * onp.cos(-0.7), abs=1e-14)


def _seed_qnode():
    """A new QNode of RX(p[0]) RY(p[1]) and <Z> on one wire."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return f


def test_a_new_circuits_first_gradient_reads_numpys_global_state_twice(monkeypatch):
    """``qml.grad``'s first call: its Attempt (undone if abandoned) shares the build's
    snapshot of the random state instead of reading it again, so NumPy's global state is
    read twice (was four times); the gradient is -sin(a)cos(b), -cos(a)sin(b) (by hand)."""
    f = _seed_qnode()

    calls = _count_get_state(monkeypatch)
    reads = _count(monkeypatch, trace, "_read_numpy_global")
    g = qml.grad(f)(qml.numpy.array([0.3, -0.7], requires_grad=True))
    assert len(reads) == 2 and calls == []
    assert g.tolist() == pytest.approx([-onp.sin(0.3) * onp.cos(-0.7),
                                        -onp.cos(0.3) * onp.sin(-0.7)], abs=1e-14)


def _same_legacy_state(a, b) -> bool:
    return (a[0] == b[0] and a[1].dtype == b[1].dtype and onp.array_equal(a[1], b[1])
            and a[2:] == b[2:] and [type(x) for x in a] == [type(x) for x in b])


def test_numpys_global_state_read_from_memory_is_get_states():
    """The generator's state read from its memory is NumPy's ``get_state`` tuple (key,
    position, cached Gaussian and their types) after seeds, single and bulk draws, a
    Gaussian left cached, a draw across the key's regeneration; a state put back by
    ``set_numpy_global`` gives NumPy's stream from that state again (the reference: the
    same state put back by NumPy's ``set_state``)."""
    for seed in (0, 7, 2**32 - 1):
        onp.random.seed(seed)
        for step in range(9):
            got = trace.numpy_global_state()
            assert type(got) is tuple and type(got[0]) is bytes  # (read from memory)
            ref = onp.random.get_state()
            assert _same_legacy_state(trace._legacy_state(got), ref)
            draw = (onp.random.standard_normal, lambda: onp.random.random(700),
                    lambda: onp.random.randint(0, 9, size=5))[step % 3]

            def draws():
                return [onp.asarray(draw()).tolist(), onp.random.standard_normal(3).tolist()]

            first = draws()
            assert trace.numpy_global_changed(got, trace.numpy_global_state())
            trace.set_numpy_global(got)
            again = draws()
            onp.random.set_state(ref)
            assert again == first == draws()
            draw()  # (the next step from a moved state)


def test_a_cached_gaussian_taken_alone_is_put_back():
    """A draw that only takes NumPy's cached Gaussian (no key word used) is no change of
    the key or position, but putting the earlier state back restores the cached number
    (NumPy's own ``set_state`` of the ``get_state`` before gives the same next draw)."""
    onp.random.seed(11)
    onp.random.standard_normal()  # (a second Gaussian now cached)
    before, ref = trace.numpy_global_state(), onp.random.get_state()
    assert ref[3] == 1
    cached = onp.random.standard_normal()
    assert not trace.numpy_global_changed(before, trace.numpy_global_state())
    trace.set_numpy_global(before)
    assert onp.random.standard_normal() == cached
    onp.random.set_state(ref)
    assert onp.random.standard_normal() == cached


def test_a_replaced_get_state_is_called_as_before(monkeypatch):
    """``numpy.random.get_state`` replaced by a function (no generator behind it to read):
    its tuples are what qsym keeps, compares and puts back; a circuit that draws is
    still refused with ``trace="once"`` and the stream is NumPy's."""
    calls = []
    real = onp.random.get_state

    def replaced(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(onp.random, "get_state", replaced)
    onp.random.seed(5)
    got = trace.numpy_global_state()
    assert _same_legacy_state(got, real()) and len(calls) == 1
    first = onp.random.random()
    assert trace.numpy_global_changed(got, trace.numpy_global_state())
    trace.set_numpy_global(got)
    assert onp.random.random() == first
    dev = qml.device("default.qubit", wires=1)

    def circuit(a):
        qml.RX(a + 0 * onp.random.uniform(), wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.errors.TracingError, match="drew random numbers"):
        qml.QNode(circuit, dev, trace="once")(0.1)


def test_a_hybrid_costs_gradient_reads_numpys_state_from_memory(monkeypatch):
    """``qml.grad`` of a cost around a QNode (the QNode called with autograd's boxes,
    ``qsym._autodiff.call_boxed``) keeps the random state to put back from memory: no
    ``get_state`` call (fails on the code before: one a call, 23 us of a 170 us gradient).
    The gradient of (cos a cos b)^2 is worked out by hand, and the global stream after it
    is the seeded stream (nothing drawn)."""
    f = _seed_qnode()

    a, b = 0.3, -0.7
    p = qml.numpy.array([a, b], requires_grad=True)
    grad = qml.grad(lambda q: f(q) ** 2)
    grad(p)
    calls = _count_get_state(monkeypatch)
    onp.random.seed(3)
    g = grad(p)
    after = onp.random.random()
    assert calls == []
    c = onp.cos(a) * onp.cos(b)
    assert g.tolist() == pytest.approx([-2 * c * onp.sin(a) * onp.cos(b),
                                        -2 * c * onp.cos(a) * onp.sin(b)], abs=1e-14)
    onp.random.seed(3)
    assert after == onp.random.random()


def test_an_abandoned_gradient_attempt_still_restores_the_global_state():
    """A circuit function that draws from NumPy's global generator, under ``qml.grad``
    (``trace="auto"``): the compiled try is abandoned (it draws) and the gradient is taken
    again; the global stream afterwards is as after the runs PennyLane makes, the same in
    two seeded repeats (the snapshot the Attempt restores is the build's)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(p):
        qml.RX(p[0] + 0 * onp.random.uniform(), wires=0)
        return qml.expval(qml.PauliZ(0))

    outs = []
    for _ in range(2):
        onp.random.seed(9)
        g = qml.grad(f)(qml.numpy.array([0.4], requires_grad=True))
        outs.append((g.tolist(), onp.random.uniform()))
    assert outs[0] == outs[1]
    assert outs[0][0] == pytest.approx([-onp.sin(0.4)], abs=1e-12)


def test_a_circuit_that_draws_from_the_global_generator_is_still_seen():
    """The comparison after the trace still sees a draw from NumPy's global generator
    that changes no gate (the replays cannot see it): ``trace="once"`` refuses it with
    what to do; ``"auto"`` traces at each call, so two calls draw twice, as PennyLane's
    (the next global draw is the third of seed 4's stream, NumPy's)."""
    dev = qml.device("default.qubit", wires=1)

    def circuit(a):
        onp.random.uniform()
        qml.RX(a, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.errors.TracingError, match="drew random numbers"):
        qml.QNode(circuit, dev, trace="once")(0.1)
    node = qml.QNode(circuit, dev)
    onp.random.seed(4)
    got = [float(node(0.1)), float(node(0.1))]
    after = onp.random.uniform()
    onp.random.seed(4)
    assert onp.random.uniform(size=3)[2] == after
    assert got == pytest.approx([onp.cos(0.1)] * 2, abs=1e-14)


# --- the digest memo --------------------------------------------------------------------------
def test_a_later_process_reads_the_digest_memo_without_json(tmp_path, monkeypatch):
    """The memo of file digests is kept in marshal's form (a signed blob): a later
    process (no digests in memory) gets a file's SHA-256 (hashlib's) from it without
    parsing JSON and without hashing the file again; a damaged memo is a miss."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.setattr(cache, "DIGEST_RACY_NS", -10**18)
    path = tmp_path / "source.py"
    path.write_bytes(b"y = 2\n")
    sha = hashlib.sha256(b"y = 2\n").hexdigest()
    monkeypatch.setattr(cache, "_file_digests", {})
    monkeypatch.setattr(cache, "_digest_memo", None)
    assert cache.file_digest(path) == sha
    monkeypatch.setattr(cache, "_file_digests", {})
    monkeypatch.setattr(cache, "_digest_memo", None)

    def no_json(*args, **kwargs):
        raise AssertionError("the digest memo was parsed as JSON")

    monkeypatch.setattr(json, "loads", no_json)
    hashed = _count(monkeypatch, cache.hashlib, "sha256")
    assert cache.file_digest(path) == sha
    assert (b"y = 2\n",) not in hashed
    (memo,) = (tmp_path / "cache" / cache.DIGEST_MEMO).glob("*.bin")
    memo.write_bytes(memo.read_bytes()[:-5])
    monkeypatch.setattr(cache, "_file_digests", {})
    monkeypatch.setattr(cache, "_digest_memo", None)
    assert cache.file_digest(path) == sha


# --- the shipped table's bytes: read when a row is asked for -----------------------------------
_OPENED: list = []
_WATCH: list = []


def _audit(event, args):
    if _WATCH and event == "open" and args and str(args[0]) == str(_WATCH[0]):
        _OPENED.append(args[0])


sys.addaudithook(_audit)  # (inert unless a test names a file in _WATCH)


def _an_indexed_row():
    """A gate-code entry of the shipped index (the file parsed here): its kind, key by
    name and row name in the table."""
    index = json.loads(cache.SHIPPED_INDEX.read_text())
    name_key, name = next(iter(index["gate-code"].items()))
    return "gate-code", name_key, name


@pytest.fixture
def new_process_tables(monkeypatch):
    """The shipped table and its index as a new process has them: not read yet."""
    for name, value in (("_shipped", None), ("_index", {}), ("_index_table", None),
                        ("_sources_key", None)):
        monkeypatch.setattr(cache, name, value)
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    _OPENED.clear()
    _WATCH[:] = [cache.SHIPPED_RECORDS]
    yield
    _WATCH.clear()


def test_a_plans_shift_rule_reads_the_index_not_the_table(new_process_tables):
    """RX's shift rule for a new process's first plan: its numbers from the index
    (PennyLane's two-term rule, ±π/2 with ±1/2, written here) without opening the 130 KB
    table; a row asked for afterwards opens it once and is the file's own (parsed whole
    here with json)."""
    numbers = cache.shipped_numbers("('RX', 0, None, ())")
    assert onp.allclose(sorted(map(tuple, numbers["terms"])),
                        [(-0.5, 1.0, -onp.pi / 2), (0.5, 1.0, onp.pi / 2)], rtol=0, atol=1e-15)
    assert _OPENED == []
    kind, name_key, name = _an_indexed_row()
    row = cache.shipped_by_name(kind, name_key)
    assert len(_OPENED) == 1
    rows = json.loads(cache.SHIPPED_RECORDS.read_bytes())
    assert row == rows[name]


def test_a_table_file_replaced_after_its_index_was_chosen_gives_no_row(
        new_process_tables, tmp_path, monkeypatch):
    """The index is chosen by the table file's digest; if the file is then replaced (a
    reinstall), a row is not cut from the new bytes at the old index's offsets: no row
    (the caller derives it), never the changed one."""
    copy_path = tmp_path / "gate_records.json"
    copy_path.write_bytes(cache.SHIPPED_RECORDS.read_bytes())
    monkeypatch.setattr(cache, "SHIPPED_RECORDS", copy_path)
    monkeypatch.setattr(cache, "DIGEST_RACY_NS", -10**18)
    _WATCH[:] = [copy_path]
    assert cache.shipped_numbers("('RX', 0, None, ())") is not None  # the index holds
    kind, name_key, name = _an_indexed_row()
    rows = json.loads(copy_path.read_bytes())
    changed = dict(rows)
    changed[name] = "changed"
    new = tmp_path / "new.json"
    new.write_text(json.dumps(changed))
    os.replace(new, copy_path)
    assert cache.shipped_by_name(kind, name_key) in (None, rows[name])


# --- the kernel twins bound when first called (first66) ---------------------------------------
def test_a_new_process_binds_only_the_kernel_functions_its_first_answer_runs(
        tmp_path, monkeypatch):
    """The kernel twins' namespace built from its blob (a later process) binds a kernel
    library function's ``py_func`` to the namespace at its first call, not all of them
    ahead (0.1-0.2 ms of a first answer); the seed's first value from it is
    cos(0.4) cos(0.7), worked out by hand, each bound function is the library's own code
    in the twins' namespace, and the functions the answer did not run are not bound."""
    import math
    import types

    from qsym import _kernels as kernels
    from qsym import _tiers as tiers

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.setattr(tiers, "_twins", None)
    assert tiers._kernel_twins(), "qsym/kernel_twins.json missing or stale"  # the blob kept
    monkeypatch.setattr(cache, "_file_digests", {})  # a new process: no digests in memory
    monkeypatch.setattr(cache, "_digest_memo", None)
    monkeypatch.setattr(tiers, "_twins", None)
    ns = tiers._kernel_twins()
    library = [n for n, v in vars(kernels).items()
               if getattr(getattr(v, "py_func", None), "__globals__", None) is vars(kernels)
               and n in ns and isinstance(ns[n], tiers._Rebound)]  # (not the twins' own)
    assert len(library) > 50  # none bound yet

    class Twins:  # the kernel library as a new process runs it before it is loaded
        def __getattr__(self, name):
            return ns[name]

    monkeypatch.setattr(tiers, "KERNELS", Twins())
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="parameter-shift")
    def seed(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    got = seed(qml.numpy.array([0.4, 0.7], requires_grad=True))
    assert abs(float(got) - math.cos(0.4) * math.cos(0.7)) < 1e-15
    bound = [n for n in library if isinstance(ns[n], types.FunctionType)]
    assert "program_value_into" in bound and len(bound) < len(library) // 2, bound
    for name in bound:
        assert ns[name].__code__ is getattr(kernels, name).py_func.__code__
        assert ns[name].__globals__ is ns
    # a look at an unbound one's code binds it, as a call would
    left = next(n for n in library if n not in bound)
    assert ns[left].__code__ is getattr(kernels, left).py_func.__code__
    assert isinstance(ns[left], types.FunctionType) and ns[left].__globals__ is ns


# --- a QNode's parameter names (first66) ------------------------------------------------------
def _forms():
    import functools
    import inspect

    def plain(x): pass
    def mixed(x, y=1, /, z=2, *args, k, m=3, **kw): u = 1; return u  # noqa: E702
    def star(*args): pass
    def keywords(**kw): pass
    def only(*, k): pass
    def locals_after(a, *, b, **c): u, v = 1, 2; return u + v  # noqa: E702

    @functools.wraps(plain)
    def wrapped(*args, **kwargs): pass

    def signed(x): pass
    signed.__signature__ = inspect.Signature(
        [inspect.Parameter("given", inspect.Parameter.POSITIONAL_OR_KEYWORD)])

    class Call:
        def method(self, w): pass

        def __call__(self, v): pass

    return [plain, mixed, star, keywords, only, locals_after, lambda p, q=1: p, wrapped,
            signed, Call().method, Call(), functools.partial(mixed, 1), print]


def test_a_qnodes_parameter_names_are_inspects():
    """qsym._options.parameter_names (what a QNode reads of its function's parameters)
    gives ``inspect.signature``'s names for every form of callable: positional-only,
    defaults, ``*args``, keyword-only, ``**kwargs``, locals after them, a lambda, a
    ``functools.wraps`` wrapper (the wrapped function's), a ``__signature__`` of its own,
    a method, a callable object, a partial, a builtin."""
    import inspect

    from qsym import _options as options

    for fn in _forms():
        assert options.parameter_names(fn) == tuple(inspect.signature(fn).parameters), fn


def test_a_qnode_of_a_plain_function_reads_its_parameters_without_inspect(monkeypatch):
    """A QNode made of a plain function calls no ``inspect.signature`` (0.05-0.09 ms of a
    new process's first answer): its static argument by name is still found (a wrong
    position would trace ``n`` and refuse); a wrapped function is read by ``inspect``."""
    import functools
    import inspect

    calls = _count(monkeypatch, inspect, "signature")
    dev = qml.device("default.qubit", wires=2)

    def circuit(x, n):
        for w in range(n):
            qml.RX(x, wires=w)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(circuit, dev, static_argnames="n")
    assert calls == []
    assert abs(float(node(0.3, 2)) - onp.cos(0.3)) < 1e-15
    qml.QNode(functools.wraps(circuit)(lambda *a, **k: circuit(*a, **k)), dev)
    assert len(calls) == 1


# --- the replays' comparison, worked out once per circuit (first67) ---------------------------
def test_a_new_circuits_two_replays_work_out_its_compared_gates_once(monkeypatch):
    """The replay at the call's numbers and the one at zero compare against one
    :func:`qsym._trace.compared_gates` of the circuit (was: every gate asked whether it
    carries a derivative, and its wires mapped, in each replay); the value is still
    cos(a) cos(b) (by hand), and a gate the function puts on another wire at zero is still
    refused."""
    from qsym import _trace

    made = _count(monkeypatch, _trace, "compared_gates")
    dev = qml.device("default.qubit", wires=["q", "r"])

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x[0], wires="q")
        qml.CNOT(wires=["q", "r"])
        qml.RY(x[1], wires="r")
        return qml.expval(qml.PauliZ("r"))

    x = qml.numpy.array([0.3, 0.8], requires_grad=True)
    assert abs(float(circuit(x)) - onp.cos(0.3) * onp.cos(0.8)) < 1e-12
    assert len(made) == 1

    @qml.qnode(dev)
    def moved(x):  # a wire chosen by Python the tracer cannot see: "r" at zero only
        qml.RX(x[0], wires="q" if not isinstance(x[0], float) or x[0] else "r")
        return qml.expval(qml.PauliZ("q"))

    with pytest.raises(qml.errors.TracingError, match="records different gates"):
        moved(onp.array([0.5]))


def test_compared_gates_match_by_label_and_by_index_as_numbered():
    """A replay's gates match a circuit's when their wire labels are the circuit's (or map
    to its wire indices, as the IR numbers them), names and parameters agree (to 1e-9);
    another label, another name, another angle do not. Worked out on a two-wire circuit
    by hand."""
    from types import SimpleNamespace as G

    import sympy as sp

    from qsym import _trace
    from qsym._ir import Circuit, Measurement, Op

    a = sp.Symbol("a", real=True)
    c = Circuit(2, (Op("RX", (1,), (2 * a + 1,)), Op("RZ", (0,), (sp.Float(0.25),))),
                (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),), inputs=(a,),
                wire_labels=("q", "r"))
    cmp = _trace.compared_gates(c)
    floats = {a: 0.5}  # RX(2 * 0.5 + 1) = RX(2.0)

    def run(rx_wire="r", rx=2.0, rz=0.25, name="RX"):
        return [G(name=name, params=(rx,), wires=(rx_wire,)),
                G(name="RZ", params=(rz,), wires=("q",))]

    assert _trace._matches(run(), c, floats, cmp)
    assert _trace._matches(run(), c, floats)  # (made there when not given)
    assert _trace._matches(run(rx=2.0 + 1e-12), c, floats, cmp)
    assert not _trace._matches(run(rx_wire="q"), c, floats, cmp)
    assert not _trace._matches(run(rx=2.1), c, floats, cmp)
    assert not _trace._matches(run(rz=0.5), c, floats, cmp)
    assert not _trace._matches(run(name="RY"), c, floats, cmp)
    assert not _trace._matches(run()[:1], c, floats, cmp)
    # a gate on a wire past the circuit's labels: compared by index (never equal), no error
    past = Circuit(2, c.ops, c.measurements, inputs=(a,), wire_labels=("q",))
    assert not _trace._matches(run(), past, floats, _trace.compared_gates(past))


# --- a gate of one element of a trainable array (first67) ------------------------------------
def test_a_gate_of_a_tensors_element_is_made_the_short_way_as_the_general_way(monkeypatch):
    """``qml.RY(w[i, j], wires=k)`` of a ``qsym.numpy`` tensor (the replay of a circuit
    called on a trainable array makes one per angle): its parameter, ``data`` and kept
    tensor are the general path's (an ``id`` sends a gate that way), for trainable and
    untrainable elements, 0-d NumPy arrays of float64, float32, int and complex of zero
    imaginary part, and plain numbers; a non-finite element is refused the same way. A 0-d
    float64 element is taken without ``_check_param``'s general tests."""
    from qsym import _operations

    w = qml.numpy.array([[0.25, -1.5]], requires_grad=True)
    frozen = qml.numpy.array([[0.75]], requires_grad=False)
    cases = [w[0, 0], w[0, 1], frozen[0, 0], onp.array(0.5), onp.array(0.5, dtype=onp.float32),
             onp.array(3), onp.array(0.5 + 0j), 0.5, onp.float64(-0.125), 2]
    for value in cases:
        short, general = qml.RY(value, wires=0), qml.RY(value, wires=0, id="g")
        assert short.params == general.params and type(short.params[0]) is type(
            general.params[0]), value
        assert short._tensors == general._tensors or all(
            a is b for a, b in zip(short._tensors, general._tensors)), value
        assert [type(d) for d in short.data] == [type(d) for d in general.data], value
        assert [float(d) for d in short.data] == [float(d) for d in general.data], value
        assert [getattr(d, "requires_grad", None) for d in short.data] == [
            getattr(d, "requires_grad", None) for d in general.data], value
    assert qml.RY(w[0, 0], wires=0).data[0] is not None
    assert qml.RY(w[0, 0], wires=0).data[0].requires_grad is True
    assert float(qml.RY(w[0, 1], wires=0).params[0]) == -1.5
    bad = qml.numpy.array([onp.inf], requires_grad=True)
    with pytest.raises(qml.errors.GateError, match="finite"):
        qml.RY(bad[0], wires=0)
    checked = _count(monkeypatch, _operations, "_check_param")
    qml.RY(w[0, 0], wires=1)
    assert checked == []


def test_global_random_of_another_bit_generator_reads_without_warnings():
    """``np.random.set_bit_generator(PCG64(...))`` (NumPy's public API) gives the global
    RandomState a generator without a legacy tuple: asked for one, NumPy warns at each
    read (an error under ``-W error``), and the tuple's comparison raised KeyError. A draw
    in the circuit must give plain NumPy's numbers (PennyLane's: the call draws once, the
    numbers after it go on), no warning, and a draw is seen (rev68)."""
    import warnings

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x + onp.random.normal(), wires=0)
        return qml.expval(qml.PauliZ(0))

    saved = onp.random.get_bit_generator()
    try:
        onp.random.set_bit_generator(onp.random.PCG64(7))
        g, after = onp.random.normal(), onp.random.standard_normal()  # plain NumPy's
        onp.random.set_bit_generator(onp.random.PCG64(7))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value = circuit(qml.numpy.array(0.3, requires_grad=True))
            assert onp.random.standard_normal() == after
            before = trace.global_random_state()
            assert not trace.random_state_changed(before)
            onp.random.random()
            assert trace.random_state_changed(before)
        assert float(value) == pytest.approx(onp.cos(0.3 + g), abs=1e-12)
    finally:
        onp.random.set_bit_generator(saved)
    state = trace.numpy_global_state()  # (MT19937 again: read from its memory again)
    assert type(state[0]) is bytes and not trace.numpy_global_changed(
        state, (onp.random.get_state(),)[0])
