"""A new circuit's first answer (issue #17): the compiled path's bits, by default.

The first value or Jacobian of a new signature runs on tier 0: the interpreter of its
lowered program (qsym._interp, no text made) or, where it does not run, the module's text as
plain Python (a tiny circuit's written-out code, which the interpreter's tiny circuits move
to after a few calls); ``prepare`` and the kernel library, as plain Python with the NumPy
twins until the compiled kernels are loaded. Independent checks: on random circuits of
the gate table, by parameter shift and adjoint, of expectation values, variances and
probabilities, the first answer is compared bit for bit with the same entry's other paths
(``prepare`` and the compiled kernels; the kernels' plain-Python twins; the module
compiled by numba) and with central finite differences of the values; broadcasting with
the single points; Tracker records with the second call's.
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import _gates as gates, _kernels as kernels, _tiers as tiers
from qsym import numpy as np

FIXED = sorted(name for name in gates.BUILTIN_GATES
               if gates.gate_def(name).num_wires in (1, 2, 3) and not gates.gate_def(name).hyper
               and name not in ("QubitUnitary", "GlobalPhase"))
PAULIS = (qml.PauliX, qml.PauliY, qml.PauliZ)


def _bits(*arrays):
    return [onp.ascontiguousarray(a, dtype=onp.float64).tobytes() for a in arrays]


def _random_circuit(rng, n, depth, measure):
    """A circuit function of random gates of the table on ``n`` wires (every parameter an
    input ``x[k]``), and its number of inputs."""
    ops, k = [], 0
    for _ in range(depth):
        name = FIXED[rng.integers(len(FIXED))]
        row = gates.gate_def(name)
        if row.num_wires > n:
            continue
        wires = [int(w) for w in rng.permutation(n)[:row.num_wires]]
        ops.append((name, list(range(k, k + row.num_params)), wires))
        k += row.num_params
    word = [(int(w), int(p)) for w, p in zip(rng.permutation(n)[:2], rng.integers(3, size=2))]

    def circuit(x):
        for name, idx, wires in ops:
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


def _cases(seed, count=3, wires=None, depth=7):
    rng = onp.random.default_rng(seed)
    out = []
    while len(out) < count:
        n = wires or (int(rng.integers(1, 4)) if out else 3)
        circuit, k = _random_circuit(rng, n, depth, ("expval", "var", "probs")[len(out) % 3])
        if k:
            out.append((circuit, n, np.array(rng.uniform(-onp.pi, onp.pi, k), requires_grad=True)))
    return out


def _entry(node, x):
    return node.compiled((x,), {})[0]


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_first_answer_is_every_paths_bits_on_random_circuits(method, monkeypatch):
    """Random circuits of every fixed gate of the table: the first value and the first
    Jacobian of a new QNode, bit for bit, are what the same entry gives through
    ``prepare`` and the compiled kernels, and through the kernels' plain-Python twins;
    the Jacobian agrees with central differences of the values."""
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only
    twins = tiers._kernel_twins()
    assert twins, "qsym/kernel_twins.json missing or stale"

    class Twins:  # the kernel library as a new process runs it before it is loaded
        def __getattr__(self, name):
            return twins[name]

    seen_unrolled = False
    seed = 17 if method == "adjoint" else 5
    # (the small ones: tiny circuits, whose text writes them out)
    for circuit, n, x in _cases(seed, 4) + _cases(seed, 3, wires=1, depth=3):
        node = qml.QNode(circuit, qml.device("default.qubit", wires=n), diff_method=method)
        first_jac = qml.jacobian(node)(x)  # the first call: a new signature
        e = _entry(node, x)
        assert e.tier == "python"
        seen_unrolled |= bool(e.module.ADJOINT_UNROLLED if method == "adjoint"
                              else e.module.UNROLLED)
        d, x = onp.zeros(0), onp.asarray(x)
        name = "value_and_grad_adjoint" if method == "adjoint" else "value_and_grad"
        first = _bits(*getattr(e, name)(x, d), e.value(x, d))  # what tier 0 runs
        for k in (kernels, Twins()):
            e._k_value = e._k_grad = e._k_adjoint = k
            assert _bits(*getattr(type(e), name)(e, x, d), type(e).value(e, x, d)) == first, k
        h = 1e-6
        fd = onp.array([(onp.ravel(node(x + h * u)) - onp.ravel(node(x - h * u))) / (2 * h)
                        for u in onp.eye(len(x))]).T
        assert onp.allclose(onp.reshape(first_jac, fd.shape), fd, atol=1e-6)
    # (a tiny circuit: its first answer the interpreter's, qsym._interp, then its
    # written-out code, the same bits: tests/test_interp.py)
    assert seen_unrolled


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_first_answer_is_the_numba_modules_bits(method):
    """One random circuit's module compiled by numba (``prepare`` and the kernels): the
    same bits as the first answer (Jacobian, value)."""
    circuit, n, x = _cases(23 if method == "adjoint" else 29, 1, wires=2, depth=5)[0]
    dev = qml.device("default.qubit", wires=n)
    node = qml.QNode(circuit, dev, diff_method=method)
    want = _bits(qml.jacobian(node)(x), node(x))
    e = _entry(node, x)
    with e._lock:  # (the fused tier: tests/test_tiers.py; its compile takes longer)
        e._promoted = True
        e._enter("module")
    assert _bits(qml.jacobian(node)(x), node(x)) == want
    assert e.tier == "module" and e.module.prepare.signatures


def test_broadcast_first_answer_is_the_single_points_bits():
    """A new broadcast signature's first Jacobian and values, row by row, bit for bit the
    first answers of the single points (each a new QNode)."""
    def circuit(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        qml.CNOT(wires=[0, 1])
        qml.CRZ(a, wires=[1, 0])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1) + 0.5 * qml.PauliY(1))

    dev = qml.device("default.qubit", wires=2)
    a = np.array([0.3, -1.2, 2.0], requires_grad=True)
    b = np.array(0.7, requires_grad=True)
    values = qml.QNode(circuit, dev)(a, b)
    jac = qml.jacobian(qml.QNode(circuit, dev), argnum=0)(a, b)
    for i in range(len(a)):
        single = qml.QNode(circuit, dev)
        assert _bits(values[i]) == _bits(qml.QNode(circuit, dev)(a[i], b))
        assert _bits(jac[i, i]) == _bits(qml.grad(single, argnum=0)(a[i], b))


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_first_answers_tracker_records_are_the_second_calls(method):
    """The first call of a new circuit is recorded by qml.Tracker as every later call of
    the method (executions: 1 + 2 per parameter by parameter shift, 1 by adjoint)."""
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.IsingZZ(x[1], wires=[0, 1])
        qml.RY(x[2], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    node = qml.QNode(circuit, qml.device("default.qubit", wires=2), diff_method=method)
    x = np.array([0.1, 0.2, 0.3], requires_grad=True)
    records = []
    for _ in range(2):
        with qml.Tracker(node.device) as tracker:
            qml.grad(node)(x)
        records.append((tracker.totals.get("executions"), tracker.totals.get("batches")))
    assert records[0] == records[1]
    assert records[0][0] == (7 if method == "parameter-shift" else 1)


def test_a_first_answer_compiles_only_the_functions_it_runs():
    """Tier 0 compiles a generated function at its first call: after a new circuit's
    first gradient the batch functions are still stand-ins; compiled lazily or all at
    once, the module's functions give the same bits."""
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(circuit, qml.device("default.qubit", wires=1))
    x = np.array([0.54, 0.12], requires_grad=True)
    qml.grad(node)(x)
    e = _entry(node, x)
    # (the module's text run as Python: on the interpreter tier, made when asked)
    ns = e.module.text_namespace() if e.module.interpreted() else e.module.namespace
    assert hasattr(ns["batch_value_and_grad"], "lazy_text")
    eager = {"__name__": "eager", "_q_plain_njit": tiers._plain_njit, "_q_ipow": tiers.ipow}
    exec(compile(e.source.replace(tiers._NJIT_IMPORT, tiers._NJIT_PLAIN, 1), "eager", "exec"),
         eager)
    d = onp.zeros(0)
    rng = onp.random.default_rng(3)
    for _ in range(5):
        p = rng.uniform(-4, 4, 2)
        lazy, full = [], []
        for space, out in ((ns, lazy), (eager, full)):
            v, j = onp.empty(1), onp.empty((1, 2))
            space["fused_value_and_grad_into"](p, d, v, j)
            mats, smats = space["prepare"](p, d, 1)[:2]
            out += _bits(v, j) + [mats.tobytes(), smats.tobytes()]
        assert lazy == full


def test_split_functions_keeps_the_text_and_refuses_a_cut_string():
    """The functions taken out and the rest put back give the text again (line numbers
    kept); a string literal that reaches column 0 inside a function is not cut: the text
    then runs as a whole."""
    text = ('"""doc\nstring"""\nimport math\nA = 1\n\n\n@deco(x=1)\ndef f(a):\n    return a\n'
            "\n\ndef g(b):\n    return f(b) + A\n\nB = g\n")
    rest, functions = tiers.split_functions(text)
    assert [(name, line) for name, line, _ in functions] == [("f", 6), ("g", 11)]
    lines = rest.split("\n")
    for _, line, chunk in functions:
        part = chunk.split("\n")
        lines[line:line + len(part)] = part
    assert "\n".join(lines) == text
    assert tiers.split_functions('def h():\n    s = """\nx = 1\n"""\n    return s\n') is None
    ns = {"deco": lambda **k: (lambda fn: fn)}
    tiers.lazy_exec(text, ns, "<test>", powers=False)
    assert ns["B"](2) == 3 and ns["g"](1) == 2


def test_matrix_argument_first_answer_is_the_numba_modules_bits():
    """A ``QubitUnitary`` whose matrix is an argument (its entries runtime data): tier 0
    reads them with NumPy slices (qsym._emit.python_form), numba with its loops; the
    same bits, and the value of an independent NumPy simulation."""
    from qsym._emit import python_form

    rng = onp.random.default_rng(3)
    q, _ = onp.linalg.qr(rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8)))
    U = q
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def circuit(x, U=None):
        qml.RX(x, wires=3)
        qml.QubitUnitary(U, wires=[0, 1, 2])
        qml.CNOT(wires=[2, 3])
        return qml.expval(qml.PauliZ(3) @ qml.PauliZ(0))

    x = np.array(0.4, requires_grad=True)
    want = _bits(qml.grad(circuit)(x, U=U), circuit(x, U=U))
    e = circuit.compiled((x,), {"U": U})[0]
    assert e.module.NUM_DATA == 128  # (the matrix is data: (re, im) of 64 entries)
    twin = python_form(e.source)  # what tier 0 ran: the slice forms matched the text
    assert "allm[_q_o:_q_o + _q_n].real = d[" in twin and "np.isfinite(d).all()" in twin
    with e._lock:
        e._promoted = True
        e._enter("module")
    assert _bits(qml.grad(circuit)(x, U=U), circuit(x, U=U)) == want
    # independent: the state vector by NumPy (wire 0 most significant)
    psi = onp.zeros(16, complex)
    psi[0] = 1
    rx = onp.array([[onp.cos(0.2), -1j * onp.sin(0.2)], [-1j * onp.sin(0.2), onp.cos(0.2)]])
    psi = onp.kron(onp.eye(8), rx) @ psi
    psi = onp.kron(U, onp.eye(2)) @ psi
    cnot = onp.eye(16)[[i ^ 1 if (i >> 1) & 1 else i for i in range(16)]]
    psi = cnot @ psi
    z = onp.array([1, -1])
    zz = onp.kron(onp.kron(z, onp.ones(4)), z)
    assert abs(circuit(x, U=U) - onp.vdot(psi, zz * psi).real) < 1e-12


def test_mostly_zero_tables_are_written_sparse_and_read_back_exactly():
    """qsym._emit writes a table that is mostly zeros (a matrix argument's places) as zeros
    and its other entries by index: read back, the same bits, signed zeros and NaN kept."""
    from qsym._emit import _array

    a = onp.zeros(300, complex)
    a[[3, 150, 299]] = [1j, complex(-0.0, 0.0), complex(float("nan"), 2.5)]
    b = onp.zeros((10, 10))
    b[2, 3] = -0.0
    for name, arr, dtype in (("_q_A", a, "complex128"), ("_q_B", b, "float64"),
                             ("_q_C", onp.zeros(100, onp.int64), "int64"),
                             ("_q_D", onp.arange(100.0), "float64")):
        text = _array(name, arr, dtype)
        assert ("np.zeros" in text) == (name != "_q_D")
        ns = {"np": onp}
        exec(text, ns)  # noqa: S102 - the generated text under test
        got = ns[name]
        assert got.shape == arr.shape and got.dtype == arr.dtype
        assert got.tobytes() == arr.astype(dtype).tobytes()


def test_a_qnode_checks_its_finite_difference_options_without_solving(monkeypatch):
    """Making a QNode runs PennyLane's checks of ``approx_order`` and ``strategy`` (their
    errors) without solving for the stencil's weights (NumPy's first ``linalg.solve`` in
    a process, issue #17); a finite-difference gradient then uses the weights of the
    forward difference of order 2, (-3/2, 2, -1/2), worked by hand."""
    from qsym import _shapes as shapes

    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with monkeypatch.context() as m:
        m.setattr(shapes, "_stencil", lambda *a: pytest.fail("the stencil solved at QNode"))
        node = qml.QNode(f, dev, diff_method="finite-diff",
                         gradient_kwargs={"approx_order": 2, "h": 1e-4})
        for bad, match in (({"approx_order": 0}, "positive integer"),
                           ({"approx_order": 3, "strategy": "center"}, "even order"),
                           ({"strategy": "sideways"}, "Unknown strategy")):
            with pytest.raises(qml.DifferentiationError, match=match):
                qml.QNode(f, dev, diff_method="finite-diff", gradient_kwargs=bad)
    assert shapes.stencil(2) == ((0, -1.5), (1, 2.0), (2, -0.5))
    x, h = 0.3, 1e-4
    by_hand = (-1.5 * onp.cos(x) + 2 * onp.cos(x + h) - 0.5 * onp.cos(x + 2 * h)) / h
    assert abs(qml.grad(node)(np.array(x, requires_grad=True)) - by_hand) < 1e-9


def test_the_guard_decodes_each_code_object_once(monkeypatch):
    """The guard of a circuit function reads its instructions once per code object (it
    scans them for names and for attribute chains; ``dis`` costs about 2 us an
    instruction, issue #17), and watches what it read: a module-level name and a closure
    variable."""
    import dis

    from qsym import _guards as guards

    decoded = []
    real = dis.get_instructions
    monkeypatch.setattr(guards.dis, "get_instructions",
                        lambda code: decoded.append(code) or real(code))
    guards._instructions.cache_clear()
    user = {"SCALE": 2.0, "np": onp}
    exec("def make(k):\n"
         "    def f(x):\n"
         "        return [SCALE * x * k for _ in range(2)] + [np.pi]\n"
         "    return f\n", user)
    guard = guards.make(user["make"](3))
    assert sorted(guard.names) == ["SCALE", "k"] and guard()
    assert len(decoded) == len(set(decoded)) == 2  # f and its list comprehension
    user["SCALE"] = 1.0
    assert not guard() and guard.changed() == ("SCALE",)


def test_the_guard_skips_decoding_only_where_it_would_find_nothing(monkeypatch):
    """A circuit function whose names are all gates, measurements and library modules
    (``qml.RX(...)``) is not decoded (``dis``: 0.2 ms of the seed's first answer, issue
    #17); every other kind of read (a module-level value, a user's helper, an attribute of
    a user's module or class, by a global or a closure name, in a comprehension) is, and
    the guard watches the same names as decoding every function."""
    import types

    from qsym import _guards as guards

    config = types.ModuleType("user_config")
    config.scale = 0.5

    class Model:
        depth = 2

    user = {"qml": qml, "np": onp, "SCALE": 2.0, "config": config, "Model": Model,
            "dev": qml.device("default.qubit", wires=1)}
    exec("def helper(x):\n    return SCALE * x\n"
         "def plain(p):\n    qml.RX(p[0], wires=0)\n    qml.RY(np.pi * p[1], wires=0)\n"
         "    return qml.expval(qml.PauliZ(0))\n"
         "def closure(k, cfg):\n    def f(x):\n        return [cfg.scale * x * k for _ in range(2)]\n"
         "    return f\n"
         "def value(x):\n    return [SCALE * x for _ in range(2)]\n"
         "def calls(x):\n    return helper(x)\n"
         "def attrs(x):\n    return config.scale * Model.depth * x\n", user)
    cases = {"plain": user["plain"], "closure": user["closure"](3, config),
             "closure of a library": user["closure"](3, onp), "value": user["value"],
             "calls": user["calls"], "attrs": user["attrs"]}
    decoded = []
    real = guards._decodes_to_nothing
    monkeypatch.setattr(guards, "_decodes_to_nothing",
                        lambda func: decoded.append(func.__name__) or real(func))
    found = {k: sorted(name for name, _ in guards._watched(fn)) for k, fn in cases.items()}
    monkeypatch.setattr(guards, "_decodes_to_nothing", lambda func: False)
    assert found == {k: sorted(name for name, _ in guards._watched(fn))
                     for k, fn in cases.items()}
    assert found["value"] == ["SCALE"] and found["attrs"] == ["Model.depth", "config.scale"]
    assert found["closure"] == ["cfg.scale", "k"] and found["calls"] == ["SCALE", "helper"]
    # decoding skipped for the gates-only function and the closure over a library module
    assert [real(cases[k]) for k in cases] == [True, False, True, False, False, False]


def test_the_import_leaves_its_objects_out_of_full_collections():
    """``import qsym`` froze what it made (``gc.freeze``): the collector's oldest generation
    does not hold qsym's modules, so a full collection after the import does not walk them
    (issue #17: 45-50 ms inside a new circuit's first answer); ``QSYM_GC_FREEZE=0`` leaves
    the collector alone."""
    import gc
    import sys

    assert gc.get_freeze_count() > 10_000
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    for name in ("qsym._runtime", "qsym._interp", "qsym._kernels"):
        assert id(vars(sys.modules[name])) not in oldest
    assert id(qml._runtime.QNode) not in oldest and gc.is_tracked(qml._runtime.QNode)
    calls = []
    for value, froze in (("0", False), ("off", False), (" False ", False), ("1", True),
                         ("", True)):
        assert qml._freeze_import({"QSYM_GC_FREEZE": value}, lambda: calls.append(1)) is froze
    assert qml._freeze_import({}, lambda: calls.append(1)) is True
    assert len(calls) == 3
