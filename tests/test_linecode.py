"""Written-out arithmetic lines as one numba intrinsic each (qsym._linecode, issue #17).

The rewrite (qsym._emit.line_calls) must change how long numba takes, never a bit: lines
rewritten and as Python wrote them are compiled side by side and compared bit for bit on
inputs with signed zeros, infinities, NaN and subnormals; Python's own evaluation of the
original text is the independent reference. The plain-Python forms (tier 0, an export's
plain-Python tier, numba's JIT off) run the lines as they were.
"""

import hashlib
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import textwrap
import uuid

import numpy as np
from numba import njit, typeof

import qsym as qml
from qsym import _cache as cache
from qsym import _emit as emit
from qsym import _interp as interp
from qsym import _linecode as linecode
from qsym import _tiers as tiers
from qsym._program import lower

NAMES = ["_q_a", "_q_b", "_q_c", "_q_d"]
SPECIAL = [0.0, -0.0, 1.0, -1.5, math.inf, -math.inf, math.nan, 5e-324, -2.5e-310, 1e308,
           -3.7, 0.1]


def _expression(rng, names, depth=0):
    """A random expression of + - *, unary minus, the names and float literals (parenthesized
    at random, so Python's own precedence and CPython's constant folding both apply)."""
    r = rng.random()
    if depth > 2 or r < 0.3:
        if rng.random() < 0.75:
            return rng.choice(names)
        return repr(rng.choice([0.0, -0.0, 1.0, 0.5, -2.0, 1e-300, 3.25]))
    if r < 0.4:
        return f"-{_expression(rng, names, depth + 1)}"
    if r < 0.45:  # a constant-only part: CPython folds it before numba reads it
        return f"({rng.choice(['1/2', '2.0 * 0.25', '-1.0 - 0.5'])}) * {rng.choice(names)}"
    op = rng.choice(["+", "-", "*"])
    left, right = _expression(rng, names, depth + 1), _expression(rng, names, depth + 1)
    return f"({left} {op} {right})" if rng.random() < 0.5 else f"{left} {op} {right}"


def _lines(seed, n=24):
    rng = random.Random(seed)
    names, lines = list(NAMES), []
    for k in range(n):
        op = rng.choice(["+", "-", "*"])
        lines.append(f"_q_t{k} = {_expression(rng, names)} {op} {rng.choice(names)}")
        names.append(f"_q_t{k}")
    return lines, [f"_q_t{k}" for k in range(n)]


def _function(lines, outputs, jit=True):
    text = ("def f(_q_a, _q_b, _q_c, _q_d):\n" + emit.indent(lines)
            + f"\n    return ({', '.join(outputs)},)\n")
    ns = {linecode.CALL: linecode.written_line}
    exec(text, ns)
    return njit(ns["f"]) if jit else ns["f"]


def _bits(values):
    return [struct.pack("<d", float(v)) for v in values]


def test_rewritten_lines_give_the_same_bits_as_numba_and_python_on_special_values():
    """Random lines: every one with an operation rewritten; compiled both ways, the same
    bits on every input (signed zeros, inf, nan, subnormals, huge); Python's evaluation of
    the original text the same numbers (NaN for NaN: Python's negation flips a NaN's sign,
    numba's ``-0.0 - x`` need not); the text given back for Python the same bits as the
    original text run by Python."""
    rng = np.random.default_rng(7)
    inputs = [tuple(float(v) for v in rng.choice(SPECIAL, 4)) for _ in range(60)] + [(0.0, -0.0, -0.0, 0.0)]
    for seed in range(2):
        lines, outputs = _lines(seed, 16)
        rewritten = emit.line_calls(lines)
        assert all(f"{linecode.CALL}(" in line for line in rewritten), rewritten
        plain, fast = _function(lines, outputs), _function(rewritten, outputs)
        python = _function(lines, outputs, jit=False)
        back = [linecode.python_text(line) for line in rewritten]
        assert not any(f"{linecode.CALL}(" in line for line in back)
        python_back = _function(back, outputs, jit=False)
        for args in inputs:
            want = plain(*args)
            assert _bits(fast(*args)) == _bits(want), (seed, args)
            py = python(*args)
            assert _bits(python_back(*args)) == _bits(py)
            for a, b in zip(py, want):
                assert (math.isnan(a) and math.isnan(b)) or _bits([a]) == _bits([b]), args


def test_other_argument_types_are_typed_and_lowered_as_numba_does():
    """An integer, float32 or complex local in a rewritten line: numba's own typing and
    implementations, operation by operation (an int64 product wraps, int * float is a
    float64, complex stays complex), the same value and type as the expression."""
    line = "_q_r = _q_a * _q_b - -_q_a + 0.5 * _q_b"
    (rewritten,) = emit.line_calls([line])
    assert rewritten.startswith(f"_q_r = {linecode.CALL}(")
    ns = {linecode.CALL: linecode.written_line}
    exec(f"def plain(_q_a, _q_b):\n    {line}\n    return _q_r\n"
         f"def fast(_q_a, _q_b):\n    {rewritten}\n    return _q_r\n", ns)
    plain, fast = njit(ns["plain"]), njit(ns["fast"])
    for args in [(2**62, 4), (3, -0.0), (np.float32(1.5), np.float32(-2.25)),
                 (1.5 - 2j, 0.25 + 1j), (np.int64(-7), 2.5), (True, 2.0)]:
        want, got = plain(*args), fast(*args)
        assert typeof(got) == typeof(want), args
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), args
    # ints only: the line is not rewritten (an integer literal: numba's typing as written)
    assert emit.line_calls(["_q_r = 2 * _q_a"]) == ["_q_r = 2 * _q_a"]
    assert emit.line_calls(["_q_r = _q_a / _q_b"]) == ["_q_r = _q_a / _q_b"]
    assert emit.line_calls(["_q_r = math.cos(_q_a) * _q_b"]) == ["_q_r = math.cos(_q_a) * _q_b"]


def test_the_intrinsic_called_from_python_is_the_expression():
    """numba's JIT off (``NUMBA_DISABLE_JIT=1``) or a ``py_func`` run by hand: the
    intrinsic evaluates the expression in Python."""
    a, b = 0.1, -3.0
    assert linecode.written_line("a0 a1 * c0.5 + a0 n -", a, b) == a * b + 0.5 - -a
    assert math.copysign(1.0, linecode.written_line("a0 n", 0.0)) == -1.0


def _circuit(wires, diff_method="best"):
    """Three parameters; on one wire the seed with a phase and a word that flips (its
    value and both gradients written out), on two a CNOT and a sum of words (kernels)."""
    dev = qml.device("default.qubit", wires=wires)

    @qml.qnode(dev, diff_method=diff_method)
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=0)
        if wires == 2:
            qml.CNOT(wires=[0, 1])
        qml.PhaseShift(x[2], wires=wires - 1)
        if wires == 2:
            return qml.expval(qml.PauliZ(0) @ qml.PauliX(1) + 0.5 * qml.PauliY(1))
        return qml.expval(qml.PauliX(0))

    return circuit


def _machine_code(dispatcher) -> list:
    (text,) = dispatcher.inspect_asm().values()
    text = re.sub(r"qsym_gen_\w+", "MODULE", text)
    text = re.sub(r"\.const\.pickle(buf|data)\.[0-9a-f]+", "PICKLED", text)
    # (the pickled messages' bytes: .ascii or .asciz, as their bytes fall)
    return [line for line in text.splitlines()
            if not line.strip().startswith((".asci", ".file", ".loc", "#"))]


def test_a_modules_written_out_entry_points_keep_every_bit(monkeypatch):
    """A circuit module with its lines rewritten and without: its written-out value,
    parameter-shift and adjoint gradients the same bits at random points and exact
    zeros of either sign, and the same machine code; the rewritten module is another text
    (another name: its cache files are other files), and its Python form (tier 0) has
    the same bits too."""
    x0 = np.array([0.3, -0.7, 1.1])
    entry, _, _ = _circuit(1).compiled((x0,), {})
    texts = {}
    key = f"linecode test {uuid.uuid4()}"  # (compiled here, not loaded: its machine code)
    for flag in (False, True):
        monkeypatch.setattr(emit, "LINE_INTRINSIC", flag)
        texts[flag] = emit.emit_module(entry.circuit, entry.plan, key=key)
    assert f"{linecode.CALL}(" not in texts[False] and emit.LINE_IMPORT not in texts[False]
    assert texts[True].count(f"{linecode.CALL}(") > 20 and emit.LINE_IMPORT in texts[True]
    assert cache.module_name(texts[True]) != cache.module_name(texts[False])
    mods = {flag: cache.load_module(text) for flag, text in texts.items()}
    assert all(m.UNROLLED and m.ADJOINT_UNROLLED for m in mods.values())
    python = tiers.python_namespace(texts[True], "linecode_tier0")
    rng = np.random.default_rng(3)
    points = [np.zeros(3), -np.zeros(3), np.array([0.0, -0.0, np.pi])]
    points += [rng.normal(size=3) * s for s in (1, 1, 30)]
    d = np.zeros(0)
    for x in points:
        got = {}
        for flag, m in list(mods.items()) + [("python", None)]:
            f = ((lambda name: python[name]) if m is None
                 else (lambda name, m=m: getattr(m, name)))
            out, jac = np.empty(m.NUM_OUTPUTS if m else 1), np.empty((1, 3))
            f("fused_value_into")(x, d, out)
            parts = [out.copy()]
            for name in ("fused_value_and_grad_into", "fused_value_and_grad_adjoint_into"):
                out, jac = np.empty(1), np.empty((1, 3))
                f(name)(x, d, out, jac)
                parts += [out, jac.ravel()]
            got[flag] = np.concatenate(parts).tobytes()
        assert got[True] == got[False] == got["python"], x
    # the same machine code (but the names of the pickled error messages, which name the
    # module): the same speed
    for name in ("fused_value_into", "fused_value_and_grad_into",
                 "fused_value_and_grad_adjoint_into"):
        asm = [_machine_code(getattr(m, name)) for m in mods.values()]
        assert asm[0] == asm[1] and len(asm[0]) > 100, name
    # and right: central finite differences of the value
    out, jac = np.empty(1), np.empty((1, 3))
    mods[True].fused_value_and_grad_adjoint_into(x0, d, out, jac)
    h = 1e-6
    fd = [(entry.value(x0 + h * e, d)[0] - entry.value(x0 - h * e, d)[0]) / (2 * h)
          for e in np.eye(3)]
    np.testing.assert_allclose(jac[0], fd, atol=1e-8)


def test_the_text_names_the_intrinsics_source(monkeypatch):
    """A generated module's text names the intrinsic's source (its hash), as does the key
    the interpreter records a module's name under: code compiled against another meaning
    of the intrinsic is another module, never loaded for this one."""
    path = linecode.__file__
    with open(path, "rb") as fh:
        assert linecode.SOURCE_HASH == hashlib.sha256(fh.read()).hexdigest()[:16]
    assert linecode.SOURCE_HASH in emit.LINE_IMPORT
    entry, _, _ = _circuit(1).compiled((np.array([0.3, -0.7, 1.1]),), {})
    program = lower(entry.circuit, entry.plan)
    key = interp.program_key(program, "k", False)
    monkeypatch.setattr(linecode, "SOURCE_HASH", "0" * 16)
    assert interp.program_key(program, "k", False) != key
    monkeypatch.undo()
    monkeypatch.setattr(emit, "LINE_INTRINSIC", False)
    assert interp.program_key(program, "k", False) != key


def test_an_export_carries_the_intrinsic_and_runs_its_lines_as_python_without_qsym(tmp_path):
    """An exported written-out module calls the intrinsic, carries it (numba and llvmlite
    only), and its plain-Python tier runs the lines as Python wrote them: the QNode's
    bits, in a process where qsym cannot be imported."""
    node = _circuit(1, "adjoint")
    x = np.array([0.3, -0.7, 1.1])
    compiled = qml.compile(node, x)
    path = compiled.export(tmp_path / "linecode_export.py")
    text = path.read_text()
    assert f"{linecode.CALL}(" in text and "def written_line(" in text
    assert "qsym._linecode" not in text.replace("# ---- qsym._linecode", "")
    tier0 = json.loads(subprocess.run(
        [sys.executable, "-c", ("import ast, sys; t = ast.parse(open(sys.argv[1]).read());"
                                "print(__import__('json').dumps([ast.literal_eval(n.value) "
                                "for n in t.body if isinstance(n, ast.Assign) and "
                                "getattr(n.targets[0], 'id', '') == '_TIER0_SOURCE'][0]))"),
         str(path)], capture_output=True, text=True, check=True).stdout)
    assert "def fused_value_and_grad_adjoint_into(" in tier0
    assert f"{linecode.CALL}(" not in tier0
    script = textwrap.dedent(f'''
        import sys, json
        sys.modules["qsym"] = None
        sys.path.insert(0, {str(tmp_path)!r})
        import numpy as np
        import linecode_export as m
        g = m.grad(np.array({x.tolist()!r}))
        print(json.dumps([m.tier(), g.tolist()]))
    ''')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["QSYM_EXPORT_TIER"] = "python"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    tier, grad = json.loads(result.stdout)
    assert tier == "python"
    assert grad == np.asarray(qml.grad(node)(qml.numpy.array(x, requires_grad=True))).tolist()
