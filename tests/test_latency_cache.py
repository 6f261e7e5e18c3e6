"""The caches that make a new process fast: derived shift rules and printed gate code on
disk (``qsym._cache.load_record``), and numba cache hits loaded without numba's compiler
registries (``qsym._cache._lazy_cache_class``).

Every test checks that a cache never changes a result: a hit gives what computing again
gives, a damaged or foreign file is recomputed, a different key (qsym version, gate
matrix) does not hit, and ``QSYM_CACHE=0`` turns the records off. Nothing asserts a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _cache as cache, _emit as emit, rules

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and empty in-process memos (restored afterwards); the
    records qsym ships (tests/test_latency_records.py) are set aside, so that a miss here
    derives and prints as it would for a gate qsym does not ship."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.setattr(cache, "_shipped", {})
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()
    yield tmp_path
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()


def _derivations(monkeypatch):
    """Count calls of the rule derivation (the path that does not read the disk)."""
    calls = []
    real = rules._derive_gate_rule

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(rules, "_derive_gate_rule", counted)
    return calls


def _rule_files(folder):
    return sorted((folder / "rules").glob("*.json"))


# --- derived rules on disk -------------------------------------------------------------------
@pytest.mark.parametrize("gate", ["RY", "CRX", "IsingXY"])
def test_rule_record_hit_is_the_derived_rule(fresh, monkeypatch, gate):
    derived = rules.rule_for_gate(gate, 0)
    assert len(_rule_files(fresh)) == 1
    rules.rule_for_gate.cache_clear()
    calls = _derivations(monkeypatch)
    loaded = rules.rule_for_gate(gate, 0)
    assert calls == []  # read from the file
    assert loaded == derived
    assert [sp.srepr(x) for t in loaded.terms for x in t] == [
        sp.srepr(x) for t in derived.terms for x in t
    ]
    assert loaded.numeric() == derived.numeric()
    assert rules.prove_rule(loaded)


def test_rule_record_with_custom_shifts_and_hyper(fresh, monkeypatch):
    a = rules.rule_for_gate("RY", 0, shifts=[sp.pi / 4])
    b = rules.rule_for_gate("PauliRot", 0, num_wires=2, hyper=(("pauli_word", "XZ"),))
    assert len(_rule_files(fresh)) == 2
    rules.rule_for_gate.cache_clear()
    calls = _derivations(monkeypatch)
    assert rules.rule_for_gate("RY", 0, shifts=[sp.pi / 4]) == a
    assert rules.rule_for_gate("PauliRot", 0, num_wires=2, hyper=(("pauli_word", "XZ"),)) == b
    assert calls == []
    # another shift or word is another key
    rules.rule_for_gate("RY", 0, shifts=[sp.pi / 3])
    rules.rule_for_gate("PauliRot", 0, num_wires=2, hyper=(("pauli_word", "YY"),))
    assert len(calls) == 2


def _damage_truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damage_garbage(path):
    path.write_bytes(b"\xff\xfe\x00garbage" * 10)


def _damage_edit_term(path):
    # a changed number with the checksum left as it was
    record = json.loads(path.read_text())
    record["payload"]["terms"][0][0] = "Rational(1, 3)"
    path.write_text(json.dumps(record))


def _damage_forged(path):
    # a wrong rule signed with the key (a forger who can read it): the checks refuse it
    record = json.loads(path.read_text())
    record["payload"]["terms"][1][2] = "Mul(Integer(-1), Rational(1, 4), pi)"
    record["mac"] = cache.record_mac("rules", record["key"], record["payload"])
    path.write_text(json.dumps(record))


def _damage_other_key(path):
    # a valid record of another rule under this rule's file name
    record = json.loads(path.read_text())
    record["key"] = record["key"].replace("'RY'", "'RX'")
    record["mac"] = cache.record_mac("rules", record["key"], record["payload"])
    path.write_text(json.dumps(record))


DAMAGE = {
    "truncated": _damage_truncate,
    "garbage": _damage_garbage,
    "edited": _damage_edit_term,
    "forged": _damage_forged,
    "other_key": _damage_other_key,
    "folder": lambda p: (p.unlink(), p.mkdir()),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_rule_record_is_derived_again(fresh, monkeypatch, damage):
    derived = rules.rule_for_gate("RY", 0)
    (path,) = _rule_files(fresh)
    good = path.read_bytes()
    DAMAGE[damage](path)
    rules.rule_for_gate.cache_clear()
    calls = _derivations(monkeypatch)
    assert rules.rule_for_gate("RY", 0) == derived
    assert len(calls) == 1
    if damage != "folder":  # a damaged file is replaced by the right one
        assert path.read_bytes() == good


def test_rule_record_other_version_or_matrix_does_not_hit(fresh, monkeypatch):
    rules.rule_for_gate("RY", 0)
    key = rules._disk_key("RY", 0, None, None, ())
    monkeypatch.setattr(qml._version, "__version__", qml.__version__ + ".post1")
    assert rules._disk_key("RY", 0, None, None, ()) != key
    rules.rule_for_gate.cache_clear()
    calls = _derivations(monkeypatch)
    rules.rule_for_gate("RY", 0)
    assert len(calls) == 1
    assert len(_rule_files(fresh)) == 2


def test_redefined_gate_gets_its_own_rule_and_code(fresh):
    """Same name, another matrix: the disk keys differ, and the in-process memos are
    cleared, so the second gate never gets the first one's rule or matrix code."""
    dev = qml.device("default.qubit", wires=1)

    def circuit(x):
        qml.LatencyG(x[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.3])
    try:
        for scale in (0.5, 1.5):  # U(t) = exp(-i t scale X): <Z> = cos(2 scale t)
            qml.define_gate("LatencyG", 1, generator=[(scale, "X")])
            # adjoint: its module prints both the matrix and its derivative
            node = qml.QNode(circuit, dev, diff_method="adjoint")
            np.testing.assert_allclose(node(x), np.cos(2 * scale * 0.3), atol=1e-12)
            np.testing.assert_allclose(
                qml.grad(node, argnum=0)(x), [-2 * scale * np.sin(2 * scale * 0.3)], atol=1e-12
            )
            rule = rules.rule_for_gate("LatencyG", 0)
            assert rule.frequencies == (sp.nsimplify(2 * scale),)
            qml.undefine_gate("LatencyG")
    finally:
        if "LatencyG" in qml.GATE_CLASSES:
            qml.undefine_gate("LatencyG")


def test_cache_off_writes_and_reads_no_records(fresh, monkeypatch):
    monkeypatch.setenv("QSYM_CACHE", "0")
    calls = _derivations(monkeypatch)
    rules.rule_for_gate("RY", 0)
    emit.gate_body("RY")
    rules.rule_for_gate.cache_clear()
    rules.rule_for_gate("RY", 0)
    assert len(calls) == 2
    assert not (fresh / "rules").exists() and not (fresh / "gate-code").exists()
    assert not list(cache.cache_dir().glob("rules"))  # nor in the temporary folder


def test_verify_derives_rules_again(fresh, monkeypatch, capsys):
    from qsym import _cli as cli

    rules.rule_for_gate("RY", 0)
    calls = _derivations(monkeypatch)
    assert cli.main(["rules", "--verify", "--gate", "RY"]) == 0
    assert len(calls) == 1
    assert rules._disk_rules  # switched back on


# --- printed gate code on disk ---------------------------------------------------------------
@pytest.mark.parametrize("args", [("RY",), ("RZ",), ("CRX",), ("RY", None, (), 0),
                                  ("Rot", None, (), 1)])
def test_gate_code_record_hit_is_the_printed_code(fresh, monkeypatch, args):
    printed = emit.gate_body(*args)
    emit.gate_body.cache_clear()
    monkeypatch.setattr(emit, "print_gate_body", lambda *a: pytest.fail("printed again"))
    assert emit.gate_body(*args) == printed


@pytest.mark.parametrize("damage", ["truncated", "garbage", "edited_line"])
def test_damaged_gate_code_record_is_printed_again(fresh, damage):
    printed = emit.gate_body("RZ")
    (path,) = (fresh / "gate-code").glob("*.json")
    if damage == "truncated":
        _damage_truncate(path)
    elif damage == "garbage":
        _damage_garbage(path)
    else:
        record = json.loads(path.read_text())
        record["payload"][-1] = record["payload"][-1].replace("_q_c1", "_q_c2")
        path.write_text(json.dumps(record))
    emit.gate_body.cache_clear()
    assert emit.gate_body("RZ") == printed


def test_module_source_same_with_records(fresh, monkeypatch):
    """A circuit's generated module is the same text whether its rules and gate code were
    computed or read from disk (hence the same module file and numba cache)."""
    dev = qml.device("default.qubit", wires=2)

    def circuit(x):
        qml.RY(x[0], wires=0)
        qml.CRX(2 * x[1] + 0.1, wires=[0, 1])
        qml.Rot(x[0], x[1], x[2], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    x = np.array([0.1, 0.2, 0.3])
    sources = []
    for _ in range(2):
        rules.rule_for_gate.cache_clear()
        emit.gate_body.cache_clear()
        node = qml.QNode(circuit, dev, diff_method="adjoint")
        sources.append(node.compiled((x,), {})[0].source)
    assert sources[0] == sources[1]
    assert list((fresh / "rules").glob("*.json")) and list((fresh / "gate-code").glob("*.json"))


# --- numba cache hits without the compiler's registries --------------------------------------
# the circuit of the subprocess script, also built here for the reference value
CIRCUIT_SRC = '''
def circuit(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(x[0] * x[1], wires=1)
    return qml.expval(qml.PauliZ(0) @ qml.PauliY(1))
'''

LAZY_SRC = r'''
import json, sys
import numpy as np
import qsym as qml
''' + CIRCUIT_SRC + r'''

x = np.array([0.54, -0.12])
dev = qml.device("default.qubit", wires=2)
out = {}
for method in ("parameter-shift", "adjoint"):
    node = qml.QNode(circuit, dev, diff_method=method)
    g = qml.grad(node, argnum=0)(x)
    entry = node.compiled((x,), {})[0]
    stats = [getattr(v, "stats", None) for v in vars(entry.module).values()]
    out[method] = {
        "grad": [float(v).hex() for v in np.ravel(g)],
        "value": float(node(x)).hex(),
        "hits": sum(sum(s.cache_hits.values()) for s in stats if s is not None),
        "misses": sum(sum(s.cache_misses.values()) for s in stats if s is not None),
    }
out["registries_loaded"] = "numba.np.arraymath" in sys.modules
# compiling afterwards in the same process still works (numba loads what it needs then)
from numba import njit


@njit
def uses_numpy(a):  # array math from numba's registries (no np.dot: BLAS needs scipy)
    return np.sum(a * a) + np.sqrt(np.sum(a * a))


out["compiled_after"] = float(uses_numpy(np.array([3.0, 4.0])))
print("RESULT " + json.dumps(out))
'''


def _run_lazy(script, cache_dir, lazy):
    from conftest import seed_kernel_cache

    seed_kernel_cache(cache_dir)  # the kernel library compiled once, not in every folder
    # QSYM_TIER=compiled: numba loads (or compiles) the module at the first call
    env = dict(os.environ, QSYM_CACHE_DIR=str(cache_dir), QSYM_LAZY_NUMBA=lazy,
               QSYM_TIER="compiled")
    env.pop("QSYM_CACHE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]]
                                                      if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError(f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def test_cache_hits_load_without_registries_and_give_the_same_bits(tmp_path):
    script = tmp_path / "lazy_run.py"
    script.write_text(LAZY_SRC)
    folder = tmp_path / "cache"
    first = _run_lazy(script, folder, "1")  # compiles the circuit's module
    second = _run_lazy(script, folder, "1")  # a new process: everything from the caches
    plain = _run_lazy(script, folder, "0")  # numba's own loading, for comparison
    if cache._lazy_cache_class() is None:
        pytest.skip("this numba is not one whose cache loading qsym has checked")
    for method in ("parameter-shift", "adjoint"):
        a, b, c = first[method], second[method], plain[method]
        assert (b["grad"], b["value"]) == (a["grad"], a["value"]) == (c["grad"], c["value"])
        assert b["misses"] == 0 and b["hits"] > 0, b
        assert c["misses"] == 0 and c["hits"] > 0, c
    # the cache hits really skipped numba's registries; numba's own path loads them
    assert second["registries_loaded"] is False
    assert plain["registries_loaded"] is True
    for res in (first, second, plain):
        assert res["compiled_after"] == 30.0
    np.testing.assert_allclose(float.fromhex(second["adjoint"]["value"]),
                               _reference_value(0.54, -0.12), atol=1e-12)


def _reference_value(x0, x1):
    """<Z0 Y1> of the circuit in LAZY_SRC, from the reference interpreter."""
    from qsym import _ir as ir

    dev = qml.device("default.qubit", wires=2)
    namespace = {"qml": qml}
    exec(CIRCUIT_SRC, namespace)  # noqa: S102 - the test's own text
    x = np.array([x0, x1])
    c = qml.QNode(namespace["circuit"], dev).circuit(x)
    return float(ir.simulate(c, x)[0])


def test_kernel_and_module_functions_use_the_lazy_cache():
    lazy = cache._lazy_cache_class()
    if lazy is None:
        pytest.skip("this numba is not one whose cache loading qsym has checked")
    from qsym import _kernels as kernels

    cached = cache.numba_cached_functions(kernels)
    assert cached and all(type(f._cache) is lazy for f in cached)


# --- first uses that cost a new process time ------------------------------------------------
# What ``import qsym`` leaves unloaded, checked in one new process (issue #17: a new
# interpreter is about 0.9 s of CPU, and these checks took one each): right after the
# import it records every fact the tests below read about the import alone, before any of
# their first uses (each of which loads what it is about), then runs those first uses in
# turn. Each test reads its own part: what it checks is what it checked in a process of its
# own (its facts are those of a process that has only imported qsym).
LAZY_NUMPY = ("numpy.f2py", "numpy.testing", "numpy.ma", "numpy.ctypeslib", "numpy.rec")
LAZY_QSYM = ("qsym.qchem", "qsym.liealg", "qsym.qcut", "qsym.estimator", "qsym.fourier",
             "qsym.kernels")
FIRST_IMPORT = f"""
import json, sys
import qsym
facts = {{}}
# (read before anything else is imported: sys.modules and qsym.io as the import left them)
facts["rare"] = [m in sys.modules for m in {LAZY_QSYM!r}]
facts["io_read"] = "plugin_converters" in vars(qsym.io)
from qsym import numpy as np
facts["numpy"] = [m in sys.modules for m in {LAZY_NUMPY!r}]
import qsym.devices as d
m = d.available_memory()
facts["psutil"] = ["psutil" in sys.modules, m]
# the first uses
import numpy
facts["numpy_used"] = [np.testing is numpy.testing, np.ma is numpy.ma, np.f2py is numpy.f2py,
                       "ctypeslib" in dir(np)]
names = {{"paulix_ops": "qchem", "symmetry_generators": "qchem", "taper": "qchem",
         "taper_operation": "qchem", "center": "liealg", "lie_closure": "liealg",
         "structure_constants": "liealg", "cut_circuit": "qcut", "cut_circuit_mc": "qcut"}}
dir_qsym = dir(qsym)
from qsym import taper
ok = [taper is sys.modules["qsym.qchem"].taper, "qsym.qchem" in sys.modules]
for n, mod in names.items():
    ok.append(n in dir_qsym and mod in dir_qsym
              and getattr(qsym, n) is getattr(getattr(qsym, mod), n))
for mod in ("qchem", "liealg", "qcut", "estimator", "fourier", "kernels"):
    ok.append(getattr(qsym, mod) is sys.modules["qsym." + mod] and mod in qsym.__all__)
ns = {{}}
exec("from qsym import *", ns)
ok.append(ns["lie_closure"] is sys.modules["qsym.liealg"].lie_closure)
ok.append(qsym.qchem.taper.__module__.startswith("qsym"))
facts["rare_used"] = ok
from importlib import metadata
want = {{e.name: e for e in metadata.entry_points(group="qsym.io")}}
got = qsym.io.plugin_converters
facts["io_used"] = [got == want, qsym.io.plugin_converters is got,
                    "plugin_converters" in vars(qsym.io)]
print("FACTS " + json.dumps(facts))
"""


@pytest.fixture(scope="module")
def first_import():
    """The facts :data:`FIRST_IMPORT` prints in a new process with this qsym."""
    out = subprocess.run([sys.executable, "-c", FIRST_IMPORT], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith("FACTS ")]
    assert out.returncode == 0 and len(lines) == 1, out.stdout[-2000:] + out.stderr[-3000:]
    return json.loads(lines[0][len("FACTS "):])


def test_available_memory_does_not_import_psutil_on_linux(first_import):
    """On Linux the available memory is MemAvailable read from /proc/meminfo (what psutil
    reads), so a new circuit's memory check does not import psutil (15-40 ms); it agrees
    with psutil's own figure."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    loaded, value = first_import["psutil"]
    assert loaded is False
    import psutil

    assert abs(int(value) - psutil.virtual_memory().available) < (1 << 30)


def test_import_does_not_load_numpys_lazy_subpackages(first_import):
    """``import qsym`` leaves NumPy's subpackages that NumPy loads at first use unloaded
    (``from numpy import *`` loaded ``f2py``, ``testing``, ``ma``: 0.3-0.8 s of every
    import); each is still ``qsym.numpy``'s attribute, NumPy's own module, at first use."""
    assert first_import["numpy"] == [False] * len(LAZY_NUMPY)
    assert first_import["numpy_used"] == [True] * 4
    from qsym import numpy as qnp

    with pytest.raises(AttributeError, match="no attribute 'not_a_numpy_name'"):
        qnp.not_a_numpy_name  # noqa: B018


def test_qsym_numpy_has_every_public_numpy_name_and_wraps_every_ufunc():
    """``qsym.numpy`` holds every name of ``numpy.__all__`` (NumPy's object, or autograd's
    or qsym's wrapper of it), and every NumPy ufunc autograd wraps is qsym's traced form
    (the set read by ``dir``/``getattr``, independently of the module's own loop)."""
    from qsym import numpy as qnp

    for name in np.__all__:
        assert hasattr(qnp, name), name
    ufuncs = {n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)}
    assert len(ufuncs) > 90
    import autograd.numpy as anp

    for name in ufuncs:
        if hasattr(anp, name):
            assert getattr(qnp, name) is not getattr(anp, name), name
            assert getattr(qnp, name).__module__ == "qsym.numpy", name


def test_integer_gates_need_no_lambdify(monkeypatch):
    """A constant gate of integers (CNOT, Toffoli) gets its matrix without sympy's
    lambdify (its first use costs about 0.08 s in a new process): the exact matrix."""
    from qsym import _gates as gates

    def refuse(*args, **kwargs):
        raise AssertionError("lambdify used")

    monkeypatch.setattr(sp, "lambdify", refuse)
    gates.numeric_matrix_function.cache_clear()
    try:
        cnot = gates.numeric_matrix_function("CNOT")()
        toffoli = gates.numeric_matrix_function("Toffoli")()
    finally:
        gates.numeric_matrix_function.cache_clear()
    expected = np.eye(4)[[0, 1, 3, 2]]
    assert cnot.dtype == np.complex128 and np.array_equal(cnot, expected)
    perm = list(range(6)) + [7, 6]
    assert np.array_equal(toffoli, np.eye(8)[perm])


def test_import_does_not_load_rare_subpackages_and_their_names_resolve(first_import):
    """``import qsym`` leaves ``qsym.qchem``, ``qsym.liealg``, ``qsym.qcut`` and
    ``qsym.estimator``, ``qsym.fourier``, ``qsym.kernels`` unloaded (issue #17: import time); at first use each is the module
    of that name, the names qsym takes from them are those modules' own objects (by
    attribute, by ``from qsym import``, after ``import qsym.qchem``), ``dir(qsym)`` lists
    them and a star import gets them."""
    assert first_import["rare"] == [False] * len(LAZY_QSYM)
    used = first_import["rare_used"]
    assert used == [True] * len(used) and len(used) == 19, used
    import qsym

    with pytest.raises(AttributeError):
        qsym.not_a_qsym_name  # noqa: B018


def test_import_does_not_read_the_io_converter_entry_points(first_import):
    """``import qsym`` does not scan the installed packages for ``qsym.io`` converters
    (issue #17: import time); ``qml.io.plugin_converters`` reads them at its first use, the
    same entry points as the package metadata lists (read independently here), kept."""
    assert first_import["io_read"] is False
    assert first_import["io_used"] == [True] * 3
    import qsym

    with pytest.raises(AttributeError, match="no attribute 'not_an_io_name'"):
        qsym.io.not_an_io_name  # noqa: B018


# --- numba's runtime functions kept in the cache folder (issue #17) ---------------------------
RUNTIME_CHILD = r"""
import sys, numpy as np
import qsym._cache as cache
if sys.argv[1] == "garbage":  # a signed blob numba cannot load: compiled as before
    load = cache.load_blob
    cache.load_blob = lambda kind, key: (b"garbage" if kind == cache._RUNTIME_KIND
                                         else load(kind, key))
import qsym as qml
from qsym import _kernels as kernels
from tests.test_tiers import _entry, _hea_mixed, _node
x = np.linspace(-1.1, 0.9, 8)
e = _entry(_node(fn=_hea_mixed, wires=4), x)
mats, smats, ch, C, cc, _ = e._python_prepare(x, np.zeros(0), 1)
out, jac = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 8))
kernels.program_value_and_grad_into(e._ints, e._floats, mats, smats, ch, C, cc, out, jac)
linked = "-"
if sys.argv[1] == "kept":
    import numba
    @numba.njit
    def later(n):  # a compile after it: links the runtime's library (an allocation)
        return np.ones((n, 3)).sum()
    linked = later(5)
print(cache.runtime_from_blob, linked, out.tobytes().hex(), jac.tobytes().hex())
"""


def test_numbas_runtime_comes_from_the_cache_folder_with_the_same_bits():
    """A process that loads cached kernels installs numba's runtime library from the blob a
    compiling process kept (numba compiled it in every process: 20 ms) and gives this
    process's bits; a later compile links it. A blob numba cannot load is compiled by
    numba as before (the same bits: the kept library's are the compiled one's)."""
    from numba.core.registry import cpu_target
    from numba.core.runtime import rtsys

    from tests.test_tiers import _entry, _hea_mixed, _node

    x = np.linspace(-1.1, 0.9, 8)
    e = _entry(_node(fn=_hea_mixed, wires=4), x)
    mats, smats, ch, C, cc, _ = e._python_prepare(x, np.zeros(0), 1)
    out, jac = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 8))
    from qsym import _kernels as kernels

    kernels.program_value_and_grad_into(e._ints, e._floats, mats, smats, ch, C, cc, out, jac)
    assert rtsys._init
    ctx = cpu_target.target_context
    old = cache._runtime_kept
    try:
        cache._runtime_kept = False
        cache.keep_runtime(ctx)  # (what the process that compiled the kernels did)
    finally:
        cache._runtime_kept = old
    assert cache.load_blob(cache._RUNTIME_KIND, cache._runtime_key(ctx)) is not None
    want = f"{out.tobytes().hex()} {jac.tobytes().hex()}"
    env = {k: v for k, v in os.environ.items() if k != "QSYM_WARMUP"}
    env.update(QSYM_WARMUP="0", PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    for how, from_blob, linked in (("kept", "True", "15.0"), ("garbage", "False", "-")):
        proc = subprocess.run([sys.executable, "-c", RUNTIME_CHILD, how], env=env,
                              capture_output=True, text=True, timeout=600, cwd=str(REPO))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == [from_blob, linked, *want.split()], (how, proc.stdout[:200])


# --- a loaded kernel's environments and bitcode deferred (issue #17) --------------------------
DEFERRED_CHILD = r"""
import sys, numpy as np
import qsym as qml
from qsym import _kernels as kernels
from tests.test_tiers import _entry, _hea_mixed, _node
x = np.linspace(-1.1, 0.9, 8)
e = _entry(_node(fn=_hea_mixed, wires=4), x)
mats, smats, ch, C, cc, _ = e._python_prepare(x, np.zeros(0), 1)
args = (e._ints, e._floats, mats, smats, ch, C, cc)
out, jac = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 8))
kernels.program_value_and_grad_into(*args, out, jac)
(library,) = {cres.library for cres in kernels.program_value_and_grad_into.overloads.values()}
deferred = [getattr(library, "_bitcode", None) is not None,
            "numba.np.arrayobj" in sys.modules, "numba.cpython.unicode" in sys.modules]
if sys.argv[1] == "later":
    import numba
    @numba.njit
    def later(ints, floats, mats, smats, ch, C, cc, out, jac, n):
        # a compile after the load: links the loaded kernel's library (its bitcode), and
        # numba's array code (imported now; the load made its environments without it)
        kernels.program_value_and_grad_into(ints, floats, mats, smats, ch, C, cc, out, jac)
        return np.ones((n, 3)).sum()
    out2, jac2 = np.empty_like(out), np.empty_like(jac)
    total = later(*args, out2, jac2, 5)
    deferred += [getattr(library, "_bitcode", None) is not None, total,
                 out2.tobytes() == out.tobytes() and jac2.tobytes() == jac.tobytes()]
print("RESULT", repr(deferred), out.tobytes().hex(), jac.tobytes().hex())
"""


def _hea_mixed_reference(x):
    """``_hea_mixed``'s value at ``x`` from the reference interpreter (qsym._ir.simulate)."""
    from qsym import _ir as ir
    from tests.test_tiers import _hea_mixed

    c = qml.QNode(_hea_mixed, qml.device("default.qubit", wires=4)).circuit(x)
    return float(ir.simulate(c, x)[0])


def test_a_loaded_kernel_defers_its_environments_and_bitcode_with_the_same_bits():
    """A process loading a cached kernel imports none of numba's array and string modules
    for the environments of the functions it holds, and leaves its bitcode unparsed until a
    compile links it (issue #17: 45 -> 10 ms of CPU for the 12x8 HEA's parameter-shift
    kernel); the answer is bit for bit numba's own loading's (``QSYM_LAZY_NUMBA=0``) and
    agrees with the reference interpreter and five-point differences; a later compile in
    the process links the kernel and numba's array code and gives the same bits."""
    if cache._lazy_cache_class() is None:
        pytest.skip("this numba is not one whose cache loading qsym has checked")
    from qsym import _kernels as kernels
    from tests.test_tiers import _entry, _hea_mixed, _node

    x = np.linspace(-1.1, 0.9, 8)
    e = _entry(_node(fn=_hea_mixed, wires=4), x)
    mats, smats, ch, C, cc, _ = e._python_prepare(x, np.zeros(0), 1)
    out, jac = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 8))
    # (the kernel in the suite's cache folder, for the children to load)
    kernels.program_value_and_grad_into(e._ints, e._floats, mats, smats, ch, C, cc, out, jac)
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_WARMUP", "QSYM_LAZY_NUMBA")}
    env.update(QSYM_WARMUP="0", PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    runs = {}
    for lazy, then in (("1", "later"), ("0", "-")):
        proc = subprocess.run([sys.executable, "-c", DEFERRED_CHILD, then],
                              env=dict(env, QSYM_LAZY_NUMBA=lazy), capture_output=True,
                              text=True, timeout=600, cwd=str(REPO))
        assert proc.returncode == 0, proc.stderr[-3000:]
        line = next(s for s in proc.stdout.splitlines() if s.startswith("RESULT "))
        runs[lazy] = line.split()
    import ast

    facts = ast.literal_eval(" ".join(runs["1"][1:-2]))
    # deferred: bitcode unparsed, numba's array/string modules not imported; after the
    # later compile: parsed, linked, the same bits
    assert facts == [True, False, False, False, 15.0, True], facts
    plain = ast.literal_eval(" ".join(runs["0"][1:-2]))
    assert plain == [False, True, True], plain  # (numba's own loading imports them)
    assert runs["1"][-2:] == runs["0"][-2:]  # bit for bit numba's own loading
    assert runs["1"][-2:] == [out.tobytes().hex(), jac.tobytes().hex()]  # (this process's)
    assert abs(out[0] - _hea_mixed_reference(x)) < 1e-12
    h = 1e-3
    for j in range(8):
        def f(t, j=j):
            y = x.copy()
            y[j] += t
            return _hea_mixed_reference(y)

        fd = (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)
        assert abs(jac[0, j] - fd) < 1e-9, (j, jac[0, j], fd)


HASH_MODULE = """from numba import njit
@njit(cache=True)
def h(s):
    return hash(s)
@njit(cache=True)
def k(x):
    return 2.0 * x + 1.0
"""

HASH_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])  # (importable by name: numba's cached environments name it)
import qsym._cache as cache
import mod_hash as mod
cache.guard_numba_caches(mod)
facts = [mod.k(3.0), "numba.cpython.hashing" in sys.modules]  # code that hashes nothing
facts += [mod.h("qsym") == hash("qsym"), mod.h("qsym!") == hash("qsym!"),
          sum(sum(f.stats.cache_hits.values()) for f in (mod.h, mod.k)),
          sum(sum(f.stats.cache_misses.values()) for f in (mod.h, mod.k))]
print("RESULT", repr(facts))
"""


def test_a_loaded_function_that_hashes_gets_the_hash_secret(tmp_path):
    """Loading cached code imports numba's hashing module (the ``_numba_hashsecret_*``
    symbols, 3 ms) only for object code that names them: a cached function that hashes a
    string, loaded in a new process, gives Python's own ``hash`` of it; one that does not
    hash loads without the module (issue #17: qsym's kernels hash nothing)."""
    if cache._lazy_cache_class() is None:
        pytest.skip("this numba is not one whose cache loading qsym has checked")
    src = tmp_path / "pkg" / "mod_hash.py"
    src.parent.mkdir()
    src.write_text(HASH_MODULE)
    env = {k: v for k, v in os.environ.items() if k not in ("QSYM_LAZY_NUMBA", "NUMBA_CACHE_DIR")}
    env.update(QSYM_WARMUP="0", QSYM_CACHE_DIR=str(tmp_path / "qsym-cache"),
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    results = []
    for _ in range(2):  # compiled and saved, then loaded by a new process
        proc = subprocess.run([sys.executable, "-c", HASH_CHILD, str(src.parent)], env=env,
                              capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
        assert proc.returncode == 0, proc.stderr[-3000:]
        line = next(s for s in proc.stdout.splitlines() if s.startswith("RESULT "))
        import ast

        results.append(ast.literal_eval(line[len("RESULT "):]))
    compiled, loaded = results
    assert compiled[0] == 7.0 and compiled[2:4] == [True, True] and compiled[5] == 2
    assert loaded == [7.0, False, True, True, 2, 0], loaded


def test_a_cached_load_broadcasts_no_llvm_lock_events_and_everything_else_does():
    """numba's ``numba:llvm_lock`` event pair (one around every LLVM C call) is skipped by a
    thread inside ``_cache._deferred_load`` (a cached function loading: 100-300 calls, issue
    #17), and only there: the same call outside it, and another thread's calls while the
    load runs, broadcast their pairs as numba does (counted by numba's own recorder)."""
    if not cache.quiet_lock_events():
        pytest.skip("llvmlite's lock or numba's callbacks are not as qsym knows them")
    import threading

    import llvmlite.binding as ll
    from numba.core import event
    from numba.core.registry import cpu_target

    def pairs(fn):
        with event.install_recorder("numba:llvm_lock") as rec:
            fn()
        kinds = [e.kind for _, e in rec.buffer]
        assert kinds.count("numba:llvm_lock") % 2 == 0
        return len(kinds) // 2

    triple, cpu = pairs(ll.get_process_triple), pairs(ll.get_host_cpu_name)
    assert triple >= 1 and cpu >= 1  # numba's pair around each C call, as before

    def loading():
        with cache._deferred_load(cpu_target.target_context):
            ll.get_process_triple()
            ll.get_host_cpu_name()

    assert pairs(loading) == 0
    # another thread's LLVM calls while a load holds numba's compiler lock still broadcast
    started, finish, seen = threading.Event(), threading.Event(), []

    def load_and_wait():
        with cache._deferred_load(cpu_target.target_context):
            ll.get_process_triple()
            started.set()
            finish.wait(30)

    def while_loading():
        t = threading.Thread(target=load_and_wait)
        t.start()
        started.wait(30)
        seen.append(pairs(ll.get_host_cpu_name))
        finish.set()
        t.join(30)

    while_loading()
    assert seen == [cpu]
    assert pairs(ll.get_process_triple) == triple  # and after the load, as before
