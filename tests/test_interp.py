"""The interpreter tier (qsym._interp, issue #17): a new circuit's first answers without
generated text, bit for bit the generated module's.

Independent checks: on random circuits of the gate table (every fixed gate, gates with
hyperparameters, matrix data, constants), the interpreter's ``prepare`` (modes 0 and 1),
``prepare_adjoint`` and ``gate_entries`` are compared bit for bit with the generated
module's text run as Python (itself the compiled module's bits: tests/test_tiers.py) and,
for a few, with the module compiled by numba; the QNode's first values and Jacobians (both
methods; expval, var, probs; broadcasting; shots) with the same QNode built with the
interpreter off (``QSYM_INTERP=0``) and with central finite differences. What the
interpreter does not run falls back to the text, explicitly.
"""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import _gates as gates, _interp as interp, _tiers as tiers
from qsym import numpy as np

from test_first_answer import FIXED


def _bits(*arrays):  # (complex ones too: the matrices)
    return [onp.ascontiguousarray(onp.asarray(a)).tobytes() for a in arrays]


def _random_ops(rng, n, depth):
    """Random fixed gates of the table (test_first_answer's ``FIXED``), each parameter an
    affine form of its input (``a * x + b``)."""
    ops, k = [], 0
    for _ in range(depth):
        row = gates.gate_def(FIXED[rng.integers(len(FIXED))])
        if row.num_wires <= n:
            forms = [(k + i, float(rng.choice([1.0, 2.0, -0.5])),
                      float(rng.choice([0.0, -0.3]))) for i in range(row.num_params)]
            ops.append((row.name, forms, [int(w) for w in rng.permutation(n)[:row.num_wires]]))
            k += row.num_params
    return ops, k


def _circuit(ops, n, measure, extra=None):
    def circuit(x):
        for name, forms, wires in ops:
            getattr(qml, name)(*[a * x[i] + b for i, a, b in forms], wires=wires)
        if extra is not None:
            extra()
        if measure == "probs":
            return qml.probs(wires=[n - 1, 0] if n > 1 else [0])
        if measure == "var":
            return qml.var(qml.PauliY(n - 1) @ qml.PauliX(0) if n > 1 else qml.PauliY(0))
        return qml.expval(0.7 * qml.PauliX(0) + (-0.3) * qml.PauliZ(n - 1))

    return circuit


def _cases(seed, count):
    rng = onp.random.default_rng(seed)
    out = []
    while len(out) < count:
        n = int(rng.integers(1, 4))
        ops, k = _random_ops(rng, n, 6)
        if k:
            measure = ("expval", "var", "probs")[len(out) % 3]
            out.append((_circuit(ops, n, measure), n, rng.uniform(-onp.pi, onp.pi, k)))
    return out


def _entry(node, x):
    return node.compiled((x,), {})[0]


def _text_namespace(entry):
    return tiers.python_namespace(entry.source, "text_of_" + entry.module.__name__)


def _compare_prepares(ns_i, ns_t, x, d):
    for mode in (0, 1):
        assert _bits(*ns_i["prepare"](x, d, mode)) == _bits(*ns_t["prepare"](x, d, mode)), mode
    assert _bits(*ns_i["prepare_adjoint"](x, d)) == _bits(*ns_t["prepare_adjoint"](x, d))


@pytest.mark.parametrize("seed", [3, 11])
def test_interpreter_is_the_texts_prepare_bit_for_bit_on_random_circuits(seed):
    """Every fixed gate of the table, affine parameters, three measurement kinds: the
    interpreter's prepare and prepare_adjoint against the text's, at random points."""
    rng = onp.random.default_rng(seed + 100)
    for circuit, n, x in _cases(seed, 6):
        node = qml.QNode(circuit, qml.device("default.qubit", wires=n))
        x = np.array(x, requires_grad=True)
        qml.jacobian(node)(x)
        e = _entry(node, x)
        assert e.module.interpreted(), "a circuit of the gate table runs on the interpreter"
        ns_i, ns_t = e.module.namespace, _text_namespace(e)
        d = onp.zeros(ns_t["NUM_DATA"])
        for _ in range(3):
            _compare_prepares(ns_i, ns_t, rng.uniform(-4, 4, len(x)), d)
        for name in ("NUM_WIRES", "NUM_INPUTS", "NUM_DATA", "NUM_OUTPUTS", "WORK",
                     "_q_WORK_VALUE", "_q_WORK_ADJOINT", "_q_NUMPY_TWINS",
                     "EXECUTIONS_PER_GRADIENT"):
            assert ns_i[name] == ns_t[name], name
        assert _bits(*ns_i["PROGRAM"]) == _bits(*ns_t["PROGRAM"])


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_first_answers_are_the_texts_and_agree_with_finite_differences(method, monkeypatch):
    """The first value and Jacobian of new QNodes on the interpreter, bit for bit those of
    the same QNodes built with the interpreter off (the text tier), and the Jacobian
    against central differences of the values."""
    for circuit, n, x in _cases(7 if method == "adjoint" else 5, 6):
        results = []
        for flag in ("1", "0"):
            monkeypatch.setenv("QSYM_INTERP", flag)
            node = qml.QNode(circuit, qml.device("default.qubit", wires=n), diff_method=method)
            xa = np.array(x, requires_grad=True)
            jac = qml.jacobian(node)(xa)
            results.append(_bits(jac, node(xa)))
            assert _entry(node, xa).module.interpreted() == (flag == "1")
        assert results[0] == results[1]
        monkeypatch.setenv("QSYM_INTERP", "1")
        h = 1e-6
        fd = onp.array([(onp.ravel(node(x + h * u)) - onp.ravel(node(x - h * u))) / (2 * h)
                        for u in onp.eye(len(x))]).T
        assert onp.allclose(onp.reshape(jac, fd.shape), fd, atol=1e-6)


def _hyper_circuit(U):
    def circuit(x):
        qml.Hadamard(0)
        qml.PauliRot(2 * x[0] - 0.1, "XY", wires=[0, 2])
        qml.MultiRZ(x[1], wires=[0, 1, 2])
        qml.QubitUnitary(U, wires=[1, 2])
        qml.PCPhase(x[2], dim=2, wires=[0, 1])
        qml.CRX(x[0], wires=[2, 0])
        qml.RY(0.4, wires=1)  # a constant
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(2)), qml.var(qml.PauliY(1))

    return circuit


def test_hyperparameters_matrix_data_and_the_compiled_module():
    """Gates with hyperparameters, a matrix-data gate and a constant: the interpreter
    against the text, and against the module compiled by numba."""
    U = onp.linalg.qr(onp.random.default_rng(2).normal(size=(4, 4))
                      + 1j * onp.random.default_rng(3).normal(size=(4, 4)))[0]
    node = qml.QNode(_hyper_circuit(U), qml.device("default.qubit", wires=3),
                     diff_method="adjoint")
    x = np.array([0.3, -1.1, 0.8], requires_grad=True)
    qml.jacobian(lambda v: qml.math.stack(node(v)))(x)
    e = _entry(node, x)
    assert e.module.interpreted() and e.data_tail.size
    ns_i, ns_t = e.module.namespace, _text_namespace(e)
    d = onp.concatenate([onp.zeros(ns_t["NUM_DATA"] - e.data_tail.size), e.data_tail])
    _compare_prepares(ns_i, ns_t, onp.asarray(x), d)
    compiled = tiers.loaded(e.module)  # numba compiles prepare (seconds)
    for mode in (0, 1):
        assert _bits(*ns_i["prepare"](onp.asarray(x), d, mode)) == _bits(
            *compiled.prepare(onp.asarray(x), d, mode))
    assert _bits(*ns_i["prepare_adjoint"](onp.asarray(x), d)) == _bits(
        *compiled.prepare_adjoint(onp.asarray(x), d))


def test_broadcasting_and_shots_on_the_interpreter(monkeypatch):
    """A broadcast first call and a sampled one run on the interpreter, with the text
    tier's numbers (the same seed for the samples)."""
    def circuit(x):
        qml.RX(x[..., 0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RY(x[..., 1], wires=1)
        return qml.expval(qml.PauliZ(1))

    X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]], requires_grad=True)
    out = []
    for flag in ("1", "0"):
        monkeypatch.setenv("QSYM_INTERP", flag)
        node = qml.QNode(circuit, qml.device("default.qubit", wires=2))
        shot = qml.QNode(circuit, qml.device("default.qubit", wires=2, shots=200, seed=5))
        out.append(_bits(node(X), qml.jacobian(node)(X), shot(X[0])))
    assert out[0] == out[1]


def test_what_the_interpreter_does_not_run_runs_the_text():
    """A parameter that is not affine in an input (sympy code in the program): the text
    tier, named by ``unsupported``; the right numbers."""
    def circuit(x):
        qml.RX(np.sin(x[0]), wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(circuit, qml.device("default.qubit", wires=1))
    x = np.array([0.7], requires_grad=True)
    g = qml.grad(node)(x)
    e = _entry(node, x)
    assert not e.module.interpreted()
    assert "computed by code" in interp.unsupported(_program_of(e))
    assert onp.allclose(g, [-onp.sin(onp.sin(0.7)) * onp.cos(0.7)], atol=1e-12)


def _program_of(entry):
    from qsym._program import lower

    return lower(entry.circuit, entry.plan)


def test_no_text_until_needed_then_written_out_code(monkeypatch, tmp_path):
    """The first answers make no text and compile nothing; a tiny circuit moves to its
    written-out code after ``TEXT_AFTER_CALLS`` calls, with the same bits. (An empty cache
    folder: a module of this circuit compiled by an earlier test or process is found by
    its module-name record, and its text read from there.)"""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    node = qml.QNode(lambda x: (qml.RX(x[0], wires=0), qml.RY(x[1], wires=0),
                                qml.expval(qml.PauliZ(0)))[-1],
                     qml.device("default.qubit", wires=1))
    x = np.array([0.54, 0.12], requires_grad=True)
    first = _bits(node(x), qml.grad(node)(x))
    e = _entry(node, x)
    assert e.module.interpreted() and e.module._source is None and not e.module.loaded
    for _ in range(tiers.TEXT_AFTER_CALLS):
        node(x)
    assert not e.module.interpreted() and e._written_out("value")
    assert _bits(node(x), qml.grad(node)(x)) == first


def test_the_module_name_is_recorded_for_the_next_process(tmp_path, monkeypatch):
    """Once the numba module is written, a new interpreted module of the same program
    finds it (the key's record names the module file) without making its text."""
    from qsym import _stages as stages

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    # (a circuit of this test alone: no other test has loaded its module from elsewhere)
    node = qml.QNode(lambda x: (qml.RX(1.25 * x[0] - 0.5, wires=0),
                                qml.expval(qml.PauliY(0)))[-1],
                     qml.device("default.qubit", wires=1))
    x = np.array([0.5], requires_grad=True)
    node(x)
    e = _entry(node, x)
    assert not e.module.on_disk()
    e.module.load()  # the text written to the cache folder (nothing compiled yet)
    # the same program again (a value call's module, or the full one: the entry's key)
    again = [m for m in (stages.make_module(e.circuit, e.plan, values_only=v)
                         for v in (True, False)) if m.key() == e.module.key()][0]
    assert again.interpreted() and again.on_disk() and again._source is None
    assert again.source() == e.source


def test_the_module_name_record_is_keyed_by_what_makes_the_text(monkeypatch):
    """The record naming a program's module is keyed by everything its text depends on: a
    record written under another numba, NumPy or printer (``_emit.py``) is not found, so a
    stale name is never taken as this process's compiled module (which would then be
    compiled in the caller's thread)."""
    import numba

    from qsym import _cache as cache, _emit as emit

    node = qml.QNode(lambda x: (qml.RX(x[0], wires=0), qml.expval(qml.PauliZ(0)))[-1],
                     qml.device("default.qubit", wires=1))
    x = np.array([0.3], requires_grad=True)
    node(x)
    e = _entry(node, x)
    from qsym import _ir as ir
    from qsym._program import lower

    program, circuit_key = lower(e.circuit, e.plan), ir.structural_hash(e.circuit)
    key = lambda: interp.program_key(program, circuit_key, False)  # noqa: E731
    base = key()
    assert key() == base  # deterministic
    monkeypatch.setattr(numba, "__version__", numba.__version__ + ".other")
    assert key() != base
    monkeypatch.undo()
    monkeypatch.setattr(onp, "__version__", onp.__version__ + ".other")
    assert key() != base
    monkeypatch.undo()
    assert key() == base
    monkeypatch.setitem(cache._file_digests, str(emit.__file__), "0" * 64)
    assert key() != base


def test_the_move_to_the_text_under_threads():
    """Threads calling a tiny circuit across ``TEXT_AFTER_CALLS``: every call gives the
    first call's bits, and the circuit ends on its written-out code."""
    import threading

    node = qml.QNode(lambda x: (qml.RY(x[0], wires=0), qml.CNOT(wires=[0, 1]),
                                qml.RX(x[1], wires=1), qml.expval(qml.PauliZ(1)))[-1],
                     qml.device("default.qubit", wires=2))
    x = np.array([0.3, -0.8], requires_grad=True)
    first = _bits(*qml.jacobian(node)(x))
    seen, errors = [], []

    def work():
        try:
            for _ in range(3 * tiers.TEXT_AFTER_CALLS):
                seen.append(_bits(*qml.jacobian(node)(x)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(s == first for s in seen)
    assert not _entry(node, x).module.interpreted()


def test_a_bad_interpreter_setting_is_refused_by_name(monkeypatch):
    """``QSYM_INTERP`` other than 0 or 1 is a QsymError naming the variable and the
    default, at the build that reads it (never a silent choice of either tier)."""
    monkeypatch.setenv("QSYM_INTERP", "yes")
    node = qml.QNode(lambda x: (qml.RX(x, wires=0), qml.expval(qml.PauliZ(0)))[-1],
                     qml.device("default.qubit", wires=1))
    with pytest.raises(qml.QsymError, match=r"QSYM_INTERP='yes' is not 0 or 1; unset it"):
        node(0.3)


def test_constant_entries_from_tables_give_the_lines_bits():
    """A gate variant's entries that are numbers come from module tables in a loop
    (qsym._emit.constant_entries; issue #17: numba compiled each such line apart, 2.9 s of
    CPU for a DoubleExcitation's ``_q_gate``): every built-in variant and derivative that
    has them writes the same bits as its printed lines run one by one, the 4-wire
    excitations' values agree with their matrices from sympy, and a DoubleExcitation
    circuit's module writes a handful of entries by line (256 before)."""
    import math

    from qsym import _emit as emit

    rng = onp.random.default_rng(7)
    checked = 0
    for name in sorted(gates.BUILTIN_GATES):
        row = gates.gate_def(name)
        if row.hyper or row.num_wires is None or not row.num_params:
            continue
        for derivative in (None, *range(row.num_params)):
            try:
                lines = emit.gate_body(name, derivative=derivative)
            except TypeError:  # a gate whose wire count is its op's (no fixed body)
                break
            tables = []
            table_lines = emit._entries_from_table(lines, "_q_T", tables)
            if table_lines == list(lines):
                continue
            p = rng.uniform(-3, 3, row.num_params)
            outs = []
            for text in ("\n".join(lines), "\n".join(tables + table_lines)):
                ns = {"math": math, "np": onp, "out": onp.full(300, onp.nan, complex), "off": 3,
                      **{f"p{j}": float(p[j]) for j in range(row.num_params)}}
                exec(compile(text, name, "exec"), ns)  # noqa: S102 (the printed lines)
                outs.append(ns["out"])
            assert outs[0].tobytes() == outs[1].tobytes(), (name, derivative)
            if derivative is None and name == "DoubleExcitation":  # PennyLane's matrix
                c, s = math.cos(p[0] / 2), math.sin(p[0] / 2)
                mat = onp.eye(16, dtype=complex)
                mat[3, 3], mat[3, 12], mat[12, 3], mat[12, 12] = c, -s, s, c
                assert onp.allclose(outs[1][3:3 + 256], mat.ravel(), atol=1e-15)
            checked += 1
    assert checked >= 10

    def circuit(x):
        qml.DoubleExcitation(x[0], wires=[0, 1, 2, 3])
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(circuit, qml.device("default.qubit", wires=4))
    source = _entry(node, onp.array([0.4])).source
    gate = source[source.index("def _q_gate("):source.index("gate_entries = ")]
    assert gate.count("out[off + ") <= 8, gate.count("out[off + ")
