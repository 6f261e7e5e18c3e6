"""The on-disk cache's trust model, size bound and tools (issue #15, items 1, 10 and 13).

- a ``QSYM_CACHE_DIR`` that cannot be used (a file, a path under a file, read-only, shared
  with other users) gives one :class:`qsym.CacheWarning` and a private folder, and the
  circuit runs correctly;
- what qsym reads from the cache is used only if it is ours and signed, and gate code and
  rules are also checked against the gate's matrix: a forged record is recomputed, a
  planted numba index or data pickle is never unpickled;
- the folder has a size bound with least-recently-used eviction; ``qsym cache info`` and
  ``qsym cache clear``, ``qml.cache_info()`` and ``qml.clear_cache()``;
- a dropped QNode's generated module leaves ``sys.modules``.

Expected values are the seed circuit's closed forms, <Z> = cos(a) cos(b), never numbers
taken from qsym. Subprocesses get their own ``QSYM_CACHE_DIR`` after importing qsym; the
kernel library's numba cache (in the test run's ``QSYM_CACHE_DIR``, where it was when
qsym was imported) is shared and not touched.
"""

import gc
import json
import math
import os
import pickle
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _cache as cache, _cli as cli, _emit as emit, _tapes as tapes, rules
from qsym.errors import CacheWarning

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 600
A, B = 0.54, 0.12
SEED_VALUE = math.cos(A) * math.cos(B)
SEED_GRAD = [-math.sin(A) * math.cos(B), -math.cos(A) * math.sin(B)]
IS_ROOT = hasattr(os, "getuid") and os.getuid() == 0

# one process: the seed circuit built in the QSYM_CACHE_DIR folders named on the command
# line, one after the other (the QNode is dropped in between, so that its module leaves
# sys.modules and the next build writes and loads it in the next folder)
SEED_SCRIPT = r'''
import gc, json, os, sys, warnings
out = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import qsym as qml
    from qsym import _cache as cache
    cache.set_shipped({})  # the folder's records, not the table qsym ships (looked up first)
    for folder in sys.argv[1:]:
        os.environ["QSYM_CACHE_DIR"] = folder
        del caught[:]
        dev = qml.device("default.qubit", wires=1)

        @qml.qnode(dev)
        def circuit(params):
            qml.RX(params[0], wires=0)
            qml.RY(params[1], wires=0)
            return qml.expval(qml.PauliZ(0))

        value = float(circuit([0.54, 0.12]))
        grad = [float(g) for g in qml.grad(circuit, argnum=0)([0.54, 0.12])]
        out.append({
            "value": value, "grad": grad, "dir": str(cache.cache_dir()),
            "warnings": [str(w.message) for w in caught
                         if issubclass(w.category, qml.CacheWarning)],
        })
        del circuit
        gc.collect()
print("RESULT " + json.dumps(out))
'''


def run_seed(tmp_path, *folders):
    """Run the seed circuit in a new process for each folder in turn; its results."""
    script = tmp_path / "seed_run.py"
    script.write_text(SEED_SCRIPT)
    env = dict(os.environ)
    env.pop("QSYM_CACHE", None)
    env.pop("QSYM_CACHE_MAX_MB", None)
    # the processes must compile and write numba's files (qsym.tiers would not, at first)
    env["QSYM_TIER"] = "compiled"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, str(script), *map(str, folders)], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


def assert_seed(result):
    assert result["value"] == pytest.approx(SEED_VALUE, abs=1e-12)
    np.testing.assert_allclose(result["grad"], SEED_GRAD, atol=1e-12)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A cache folder the seed circuit ran in (modules, numba files, records, keys)."""
    root = tmp_path_factory.mktemp("seeded")
    folder = root / "cache"
    (result,) = run_seed(root, folder)
    assert_seed(result)
    assert result["warnings"] == [] and result["dir"] == str(folder)
    return folder


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder for this process, with empty memos (restored afterwards)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("QSYM_CACHE_DIR", str(folder))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.delenv("QSYM_CACHE_MAX_MB", raising=False)
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setattr(cache, "_shipped", {})  # the folder's records (the table comes first)
    # the QNodes qml.execute keeps per tape structure: one of an earlier test may share a module
    monkeypatch.setattr(tapes, "_NODES", cache.Memo(tapes._NODES.maxsize))
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()
    yield folder
    rules.rule_for_gate.cache_clear()
    emit.gate_body.cache_clear()


# --- an unusable cache folder ----------------------------------------------------------------
def _make_unusable(tmp_path, case):
    if case == "file":
        path = tmp_path / "a-file"
        path.write_text("not a folder")
    elif case == "under_file":
        (tmp_path / "a-file").write_text("not a folder")
        path = tmp_path / "a-file" / "cache"
    elif case == "read_only":
        path = tmp_path / "ro"
        path.mkdir(mode=0o500)
        os.chmod(path, 0o500)
    elif case == "group_writable":
        path = tmp_path / "shared"
        path.mkdir()
        os.chmod(path, 0o770)
    elif case == "other_writable":
        path = tmp_path / "shared"
        path.mkdir()
        os.chmod(path, 0o777)
    else:  # another user's folder
        path = tmp_path / "theirs"
        path.mkdir(mode=0o700)
        os.chown(path, 4321, 4321)
    return path


CASES = ["file", "under_file", "read_only", "group_writable", "other_writable",
         pytest.param("other_user", marks=pytest.mark.skipif(not IS_ROOT, reason="needs root"))]


@pytest.mark.parametrize("case", CASES)
def test_unusable_cache_dir_warns_and_uses_a_private_folder(fresh, tmp_path, monkeypatch, case):
    path = _make_unusable(tmp_path, case)
    monkeypatch.setenv("QSYM_CACHE_DIR", str(path))
    with pytest.warns(CacheWarning, match="QSYM_CACHE_DIR") as caught:
        used = cache.cache_dir()
        assert cache.cache_dir() == used  # once: the same folder, no second warning
    assert len(caught) == 1 and str(path) in str(caught[0].message)
    assert "QSYM_CACHE=0" in str(caught[0].message)
    assert used != path and used.is_dir()
    assert stat.S_IMODE(used.stat().st_mode) == 0o700
    # and it works: a module is written there and imported
    mod = cache.load_module(f"VALUE = {case!r}\n")
    assert mod.VALUE == case and Path(mod.__file__).parent == used
    if case in ("group_writable", "other_writable", "other_user"):
        assert os.listdir(path) == []  # nothing written in the shared folder


def test_new_cache_dir_is_private(fresh):
    assert not fresh.exists()
    assert cache.cache_dir() == fresh
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    cache.save_record("test", "k", [1])
    for path in fresh.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_unusable_cache_dirs_run_the_seed_circuit(tmp_path, seeded):
    """End to end, in a new process: a file, a path under a file and a read-only folder
    as QSYM_CACHE_DIR; each gives one warning and the right value and gradient."""
    cases = []
    for case in ("file", "under_file", "read_only"):
        (tmp_path / case).mkdir()
        cases.append(_make_unusable(tmp_path / case, case))
    results = run_seed(tmp_path, *cases)
    for path, result in zip(cases, results):
        assert_seed(result)
        assert len(result["warnings"]) == 1, result["warnings"]
        assert str(path) in result["warnings"][0] and result["dir"] != str(path)


# --- forged records ------------------------------------------------------------------------------
def _records(folder, kind):
    return {p: json.loads(p.read_text()) for p in sorted((folder / kind).glob("*.json"))}


def _swap_payloads(folder, kind, sign):
    """Give each record the payload of another record of its kind (the RX gate code gets
    the RY code's, ...), re-signed with ``sign(record)``."""
    records = _records(folder, kind)
    paths = list(records)
    assert len(paths) >= 2
    for i, path in enumerate(paths):
        forged = dict(records[path])
        forged["payload"] = records[paths[(i + 1) % len(paths)]]["payload"]
        forged.update(sign(forged))
        path.write_text(json.dumps(forged))
    return records


def _digest_as_on_main(record):
    # what the records held before they were signed: a SHA-256 that anyone can recompute
    import hashlib

    body = json.dumps([record["key"], record["payload"]], sort_keys=True,
                      separators=(",", ":"))
    return {"sha256": hashlib.sha256(body.encode()).hexdigest()}


@pytest.mark.parametrize("forger", ["checksum", "key"])
def test_forged_gate_code_records_are_recomputed(tmp_path, seeded, forger):
    """The seed circuit's gate-code records swapped (RX's code under RY's key and back),
    with a recomputed checksum, or even signed with the folder's key: the code is
    printed again, the circuit gives cos(a) cos(b), and the records are repaired."""
    folder = tmp_path / "cache"
    shutil.copytree(seeded, folder)
    if forger == "checksum":
        sign = _digest_as_on_main
    else:
        def sign(record):
            return {"mac": cache.record_mac("gate-code", record["key"], record["payload"],
                                            folder=folder)}
    original = _swap_payloads(folder, "gate-code", sign)
    (result,) = run_seed(tmp_path, folder)
    assert_seed(result)
    for path, record in _records(folder, "gate-code").items():
        assert record["payload"] == original[path]["payload"]


def test_forged_gate_code_signed_with_the_key_is_printed_again(fresh):
    printed_rx, printed_ry = emit.gate_body("RX"), emit.gate_body("RY")
    rx = qml._gates.gate_def("RX")
    key = emit._gate_body_key(rx, rx.sympy_matrix(), None, rx.structure, [])
    cache.save_record("gate-code", key, list(printed_ry))  # RY's code under RX's key
    emit.gate_body.cache_clear()
    assert emit.gate_body("RX") == printed_rx
    assert not emit.gate_code_matches("RX", None, (), None, printed_ry)
    # code that is not plain arithmetic is refused without being run
    marker = fresh / "ran"
    evil = list(printed_rx) + [f"open({str(marker)!r}, 'w')"]
    assert not emit.gate_code_matches("RX", None, (), None, evil)
    assert not marker.exists()


def test_forged_rule_signed_with_the_key_is_derived_again(fresh, monkeypatch):
    """A self-consistent rule for the wrong frequency (2 instead of 1: it passes the
    floating-point identities) under RX's key, signed: refused, derived again."""
    rx = rules.rule_for_gate("RX", 0)
    wrong = rules.derive_rule([2])
    assert rules._numerically_exact(wrong)
    key = rules._disk_key("RX", 0, None, None, ())
    rules._save_rule(key, wrong)
    (path,) = (fresh / "rules").glob("*.json")
    assert rules._load_rule(key) == wrong  # the record itself is accepted ...
    assert not rules.rule_matches_gate(wrong, "RX", 0)  # ... but not for this gate
    rules.rule_for_gate.cache_clear()
    assert rules.rule_for_gate("RX", 0) == rx
    assert rules._load_rule(key) == rx  # and the file was rewritten


_INSTALLED_INDEX = cache.SHIPPED_INDEX


def _index_with(tmp_path, monkeypatch, change):
    """The shipped index as ``change(index)`` leaves it, used for this process (the table
    file as installed): the files read again at the next lookup."""
    index = json.loads(_INSTALLED_INDEX.read_text())
    change(index)
    path = tmp_path / "gate_index.json"
    path.write_text(json.dumps(index))
    monkeypatch.setattr(cache, "SHIPPED_INDEX", path)
    monkeypatch.setattr(cache, "_shipped", None)
    rules.rule_for_gate.cache_clear()


def test_planted_or_stale_shipped_rule_floats_are_refused(fresh, tmp_path, monkeypatch):
    """The floats a plan reads from the shipped index (``rule-numbers``): a stale index
    (other sources) is not used at all, the rule is found by its full key and checked
    against RX's matrix; floats that fail the rule identities (a wrong coefficient, not a
    number, not finite, the wrong shape) are refused for the table's exact record; a
    self-consistent rule of another frequency under RX's name is refused by its exact
    form and by ``qsym rules --verify`` (exit 1). RX's derivative is (1/2, pi/2),
    (-1/2, -pi/2), worked by hand."""
    rx = ((0.5, 1.0, math.pi / 2), (-0.5, 1.0, -math.pi / 2))
    key = rules.rule_name_key("RX", 0)

    checked = []
    real = rules.rule_matches_gate
    monkeypatch.setattr(rules, "rule_matches_gate",
                        lambda *a, **k: checked.append(a[1]) or real(*a, **k))
    _index_with(tmp_path, monkeypatch, lambda ix: ix.update(sources="0" * 64))
    assert cache.shipped_numbers(key) is None
    assert rules.rule_for_gate("RX", 0).numeric() == rx and checked == ["RX"]

    for bad in ([[0.6, 1.0, math.pi / 2], [-0.5, 1.0, -math.pi / 2]],
                [["0.5", 1.0, math.pi / 2], [-0.5, 1.0, -math.pi / 2]],
                [[float("nan"), 1.0, math.pi / 2], [-0.5, 1.0, -math.pi / 2]],
                [[0.5, 1.0], [-0.5, 1.0]], "terms"):
        _index_with(tmp_path, monkeypatch,
                    lambda ix: ix["rule-numbers"][key].update(terms=bad))
        assert repr(cache.shipped_numbers(key)["terms"]) == repr(bad)  # the index is used ...
        assert rules._rule_from_numbers(cache.shipped_numbers(key), None) is None  # ... not them
        rule = rules.rule_for_gate("RX", 0)
        assert rule.numeric() == rx and rule.terms == (
            (sp.Rational(1, 2), 1, sp.pi / 2), (-sp.Rational(1, 2), 1, -sp.pi / 2))

    other = rules.derive_rule([2])  # a rule, but not RX's: its identities hold
    _index_with(tmp_path, monkeypatch,
                lambda ix: ix["rule-numbers"].update({key: rules.numbers_payload(other)}))
    planted = rules.rule_for_gate("RX", 0)
    with pytest.raises(qml.RuleError, match="gate_index.json"):
        planted.terms
    assert cli.main(["rules", "--verify", "--gate", "RX"]) == 1


def test_shared_record_file_is_ignored_and_replaced(fresh):
    printed = emit.gate_body("RZ")
    (path,) = (fresh / "gate-code").glob("*.json")
    os.chmod(path, 0o666)
    emit.gate_body.cache_clear()
    with pytest.warns(CacheWarning, match="written by other users"):
        assert emit.gate_body("RZ") == printed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- planted pickles ------------------------------------------------------------------------------
class _Marker:
    """Unpickling this creates the file ``path`` (what a planted pickle could do)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_planted_numba_pickles_are_not_unpickled(tmp_path, seeded):
    """Every numba index and data file of the seed's module replaced by a pickle that
    would create a marker file when unpickled: the process never unpickles them,
    compiles again and gives the right numbers."""
    folder = tmp_path / "cache"
    shutil.copytree(seeded, folder)
    marker = tmp_path / "marker"
    planted = sorted((folder / "__pycache__").glob("qsym_gen_*.nb[ic]"))
    assert planted
    import numba

    for path in planted:  # numba's own header (its version), then the payload
        path.write_bytes(pickle.dumps(_Marker(marker)) if path.suffix == ".nbc" else
                         pickle.dumps(numba.__version__) + pickle.dumps(_Marker(marker)))
    (result,) = run_seed(tmp_path, folder)
    assert_seed(result)
    assert not marker.exists()


def test_checked_cache_file_never_unpickles_unsigned_files(tmp_path):
    cls = cache._checked_cache_file_class()
    if cls is None:
        pytest.skip("this numba's cache files are not laid out as qsym expects")
    marker = tmp_path / "marker"
    folder = tmp_path / "nb"
    folder.mkdir(mode=0o700)
    cf = cls(cache_path=str(folder), filename_base="f-1.py311", source_stamp="stamp")
    cf.save("sig", {"compiled": 1})
    assert cf.load("sig") == {"compiled": 1}
    index = Path(cf._index_path)
    (data,) = folder.glob("*.nbc")
    good_index, good_data = index.read_bytes(), data.read_bytes()
    tail = len(cache._TRAILER) + 32  # the trailer and its signature
    # a planted index (numba's layout, unsigned), and one with a copied valid trailer
    import numba

    evil = pickle.dumps(numba.__version__) + pickle.dumps(_Marker(marker))
    for planted in (evil, evil + good_index[-tail:], pickle.dumps(_Marker(marker))):
        index.write_bytes(planted)
        assert cf.load("sig") is None and cf._load_index() == {}
    index.write_bytes(good_index)
    data.write_bytes(pickle.dumps(_Marker(marker)) + good_data[-tail:])
    assert cf.load("sig") is None
    # another key's folder: the same files do not pass
    data.write_bytes(good_data)
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / cache.KEY_NAME).unlink()
    cf2 = cls(cache_path=str(other), filename_base="f-1.py311", source_stamp="stamp")
    assert cf2.load("sig") is None
    assert cf.load("sig") == {"compiled": 1}
    assert not marker.exists()


_KILLED_WRITER = """
import os, signal, sys
from qsym import _cache as cache
cf = cache._checked_cache_file_class()(cache_path=sys.argv[1], filename_base="f-1.py311",
                                        source_stamp="stamp")
cf.save("first", {"compiled": 1})
real = {"replace": os.replace, "link": os.link}
def landed(name):
    def call(src, dst, *args, **kwargs):
        real[name](src, dst, *args, **kwargs)
        if str(dst).endswith((".nbi", ".nbc")):  # the first file of the save is on disk
            os.kill(os.getpid(), signal.SIGKILL)
    return call
os.replace, os.link = landed("replace"), landed("link")
cf.save("second", {"compiled": 2})
"""


def _listed_codes_load(cf) -> dict:
    """Every signature the index lists, loaded (None where the load fails: the next
    process would find it "cached" and compile it in the thread that was to load it)."""
    return {key: cf.load(key) for key in cf._load_index()}


@pytest.mark.skipif(not hasattr(os, "kill") or os.name != "posix", reason="SIGKILL")
def test_a_numba_save_killed_after_its_first_file_never_lists_missing_code(tmp_path):
    """A process killed (SIGKILL) right after the first file of a numba save landed: the
    index lists only code that loads (numba's order wrote the index first: it listed the
    second signature, whose data file was never written)."""
    cls = cache._checked_cache_file_class()
    if cls is None:
        pytest.skip("this numba's cache files are not laid out as qsym expects")
    folder = tmp_path / "nb"
    folder.mkdir(mode=0o700)
    root = str(Path(qml.__file__).parents[1])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(folder)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    cf = cls(cache_path=str(folder), filename_base="f-1.py311", source_stamp="stamp")
    loaded = _listed_codes_load(cf)
    assert loaded.get("first") == {"compiled": 1}
    assert None not in loaded.values(), loaded
    cf.save("second", {"compiled": 2})  # the next process compiles and saves it
    assert _listed_codes_load(cf) == {"first": {"compiled": 1}, "second": {"compiled": 2}}


def test_two_writers_of_one_functions_cache_never_replace_each_others_code(tmp_path):
    """Two processes save different signatures of one function at once: B read the index
    before A's entry was in it, and A's index write lands last. A's entry must still name
    A's code (numba's numbering gave B the same data file name, and B's code replaced A's:
    the index promised A's signature and the load failed)."""
    cls = cache._checked_cache_file_class()
    if cls is None:
        pytest.skip("this numba's cache files are not laid out as qsym expects")
    folder = tmp_path / "nb"
    folder.mkdir(mode=0o700)
    a = cls(cache_path=str(folder), filename_base="f-1.py311", source_stamp="stamp")
    b = cls(cache_path=str(folder), filename_base="f-1.py311", source_stamp="stamp")
    a.save("sig a", {"compiled": "a"})
    a_index = a._load_index()
    stale = [{}]  # B's first look at the index: before A's entry
    real = b._load_index
    b._load_index = lambda: stale.pop() if stale else real()
    b.save("sig b", {"compiled": "b"})
    a._save_index(a_index)  # A's index write, last
    assert a.load("sig a") == {"compiled": "a"}
    assert None not in _listed_codes_load(a).values()
    b._load_index = real
    b.save("sig b", {"compiled": "b"})  # saved again: both listed, both load
    assert _listed_codes_load(a) == {"sig a": {"compiled": "a"}, "sig b": {"compiled": "b"}}
    assert len(list(folder.glob("*.nbc"))) == 2  # B's first data file reused, not a third


def test_kernel_library_cache_is_checked_and_private():
    from qsym import _kernels as kernels

    cls = cache._checked_cache_file_class()
    if cls is None:
        pytest.skip("this numba's cache files are not laid out as qsym expects")
    functions = cache.numba_cached_functions(kernels)
    assert functions and all(type(f._cache._cache_file) is cls for f in functions)
    folder = functions[0]._cache._cache_file._cache_path
    assert cache._numba_dir_problem(folder) is None
    assert stat.S_IMODE(os.stat(folder).st_mode) & 0o022 == 0


def test_numba_cache_folder_of_another_user_is_not_used(tmp_path, monkeypatch):
    """A module whose numba cache folder belongs to someone else: numba's disk cache is
    off for it (with a warning), nothing is read from there."""
    if not IS_ROOT:
        pytest.skip("needs root (chown)")
    monkeypatch.setattr(cache, "_warned", set())
    folder = tmp_path / "pkg"
    (folder / "__pycache__").mkdir(parents=True)
    os.chown(folder / "__pycache__", 4321, 4321)
    src = folder / "mod_other_user.py"
    src.write_text("from numba import njit\n@njit(cache=True)\ndef f(x):\n    return x + 1\n")
    import importlib.util

    spec = importlib.util.spec_from_file_location("mod_other_user", src)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.warns(CacheWarning, match="another user"):
        cache.guard_numba_caches(mod)
    assert not mod.f._cache._enabled


# --- size bound and tools ----------------------------------------------------------------------
def _fake_entry(folder, i, age, size=100_000):
    """A fake module entry (module file + numba index and data) last used ``age`` s ago."""
    name = f"qsym_gen_{i:024x}"
    pyc = folder / "__pycache__"
    pyc.mkdir(parents=True, exist_ok=True)
    files = [folder / f"{name}.py", pyc / f"{name}.f-1.py311.nbi",
             pyc / f"{name}.f-1.py311.1.nbc"]
    for path, part in zip(files, (0.4, 0.1, 0.5)):
        path.write_bytes(b"x" * int(size * part))
        t = time.time() - age
        os.utime(path, (t, t))
    return files


def _size(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()
               and p.name != cache.KEY_NAME)


def test_eviction_keeps_the_cache_under_the_bound(fresh, monkeypatch):
    folder = cache.cache_dir()
    old = [_fake_entry(folder, i, age=10_000 - i) for i in range(10)]  # 0 is the oldest
    recent = _fake_entry(folder, 99, age=5)  # in use: never evicted
    monkeypatch.setenv("QSYM_CACHE_MAX_MB", str(0.5))
    bound = 0.5 * (1 << 20)
    assert _size(folder) > bound
    # writing a new module evicts (least recently used first)
    cache.load_module("EVICTION_TEST = 1\n")
    assert _size(folder) <= bound
    gone = [i for i, files in enumerate(old) if not files[0].exists()]
    kept = [i for i, files in enumerate(old) if files[0].exists()]
    assert gone and kept and max(gone) < min(kept)  # the oldest went
    for i in range(10):  # an entry goes as a whole
        assert len({p.exists() for p in old[i]}) == 1
    assert all(p.exists() for p in recent)
    assert (folder / f"{cache.module_name('EVICTION_TEST = 1' + chr(10))}.py").exists()


def test_eviction_spares_kept_and_recent_entries_and_fresh_temporary_files(fresh, monkeypatch):
    folder = cache.cache_dir()
    entries = [_fake_entry(folder, i, age=1000) for i in range(3)]
    fresh_tmp, old_tmp = folder / ".qsym_gen_x.abc.tmp", folder / "__pycache__" / ".nb.y.tmp"
    for path, age in ((fresh_tmp, 60), (old_tmp, 2 * cache.TEMP_GRACE_SECONDS)):
        path.write_bytes(b"x" * 1000)
        os.utime(path, (time.time() - age,) * 2)
    monkeypatch.setenv("QSYM_CACHE_MAX_MB", "0.01")
    keep = entries[1][0].stem
    cache.evict(folder, keep=(keep,))
    assert all(p.exists() for p in entries[1]) and fresh_tmp.exists()
    assert not any(p.exists() for p in entries[0] + entries[2]) and not old_tmp.exists()
    monkeypatch.setattr(cache, "GRACE_SECONDS", 3600)
    assert cache.evict(folder) == 0  # all that is left was used within the grace period
    assert all(p.exists() for p in entries[1])


def test_numba_writes_over_the_bound_evict(fresh, monkeypatch):
    """What numba writes after the module (its index and data files) counts too."""
    folder = cache.cache_dir()
    old = [_fake_entry(folder, i, age=1000) for i in range(4)]
    monkeypatch.setenv("QSYM_CACHE_MAX_MB", str(0.5))
    cache.evict(folder)  # the scan: 0.4 MB, under the bound
    assert all(p.exists() for files in old for p in files)
    new = folder / "__pycache__" / f"qsym_gen_{99:024x}.g-1.py311.1.nbc"
    new.write_bytes(b"x" * 200_000)  # as numba's save writes a data file
    cache._note_written(folder, 200_000)
    assert new.exists()
    assert not all(p.exists() for files in old for p in files)
    assert _size(folder) <= 0.5 * (1 << 20)


def test_module_evicted_between_check_and_exec_is_written_again(fresh, monkeypatch):
    """numba needs the module's file when the module runs; if another process evicts it
    just then, load_module writes it again."""
    source = "from numba import njit\n@njit(cache=True)\ndef f(x):\n    return x + 2\n"
    path = cache.cache_dir() / f"{cache.module_name(source)}.py"
    real = cache._touch

    def touch_and_evict(p):
        real(p)
        if Path(p) == path:
            path.unlink()

    monkeypatch.setattr(cache, "_touch", touch_and_evict)
    mod = cache.load_module(source)
    assert mod.f(1) == 3 and path.read_text() == source


@pytest.mark.parametrize("text, expected", [("", 1024 << 20), ("2", 2 << 20),
                                            ("unlimited", None), ("-1", 1024 << 20),
                                            ("lots", 1024 << 20)])
def test_max_size_setting(monkeypatch, text, expected):
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setenv("QSYM_CACHE_MAX_MB", text)
    if text in ("-1", "lots"):
        with pytest.warns(CacheWarning, match="QSYM_CACHE_MAX_MB"):
            assert cache.max_bytes() == expected
    else:
        assert cache.max_bytes() == expected


def test_cache_info_and_clear_command(fresh, capsys):
    folder = cache.cache_dir()
    _fake_entry(folder, 1, age=100)
    _fake_entry(folder, 2, age=100)
    emit.gate_body("RZ")
    rules.rule_for_gate("RZ", 0)
    info = qml.cache_info()
    assert info["path"] == str(folder) and info["problem"] is None
    assert info["entries"] == {"modules": 2, "numba files": 4, "rules": 1, "gate-code": 1,
                               "module-names": 0, "loop-source": 0, "kernel files": 0,
                               "temp": 0}
    assert info["size"] == _size(folder)
    assert cli.main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(folder) in out and "modules      2" in out and "rules        1" in out
    assert cli.main(["cache", "clear"]) == 0
    assert "removed 8 files" in capsys.readouterr().out
    assert qml.cache_info()["entries"] == dict.fromkeys(info["entries"], 0)
    assert (folder / cache.KEY_NAME).exists()  # the key stays
    assert qml.clear_cache()["files"] == 0



def test_records_of_every_kind_are_counted_evicted_and_cleared(fresh):
    """qml.minimize keeps its loops' text as loop-source records: cache_info did not count
    them, eviction never removed them and qsym cache clear left them (the bound and clear
    knew only rules, gate-code and module-names). Every record folder is one now."""
    folder = cache.cache_dir()
    cache.save_record("loop-source", "loop key", '"""qsym loop text"""')
    cache.save_record("some-new-kind", "its key", [1, 2])
    entries = qml.cache_info()["entries"]
    assert entries["loop-source"] == 1 and "some-new-kind" not in entries
    assert qml.cache_info()["size"] == _size(folder)  # counted in the size all the same
    for kind in ("loop-source", "some-new-kind"):
        for f in (folder / kind).iterdir():
            os.utime(f, (1000, 1000))  # used long ago: past the grace period
    assert cache.evict(folder, limit=1) > 0
    assert not any((folder / "loop-source").iterdir())
    assert not any((folder / "some-new-kind").iterdir())
    cache.save_record("loop-source", "loop key", '"""qsym loop text"""')
    assert qml.clear_cache()["files"] == 1 and qml.cache_info()["entries"]["loop-source"] == 0
    assert qml.cache_info()["size"] == 0
    assert (folder / cache.KEY_NAME).exists()  # the key stays

def test_another_programs_files_in_a_shared_cache_folder_are_left_alone(fresh):
    """QSYM_CACHE_DIR may be a shared folder (~/.cache): eviction and clear_cache counted
    every .json (and .*.tmp) file of every sub-folder as a record, deleting other
    programs' files (matplotlib/fontlist.json). Only files named as save_record names
    them (a key's SHA-256) are qsym's outside its own record folders."""
    folder = cache.cache_dir()
    other = folder / "matplotlib"
    other.mkdir()
    for name in ("fontlist-v390.json", ".lock.tmp"):
        (other / name).write_text("{}")
        os.utime(other / name, (1000, 1000))  # past the grace period
    cache.save_record("some-new-kind", "its key", [1, 2])
    for f in (folder / "some-new-kind").iterdir():
        os.utime(f, (1000, 1000))
    cache.evict(folder, limit=1)
    assert not any((folder / "some-new-kind").iterdir())  # a record: evicted
    cache.save_record("some-new-kind", "its key", [1, 2])
    assert qml.clear_cache()["files"] == 1
    assert sorted(p.name for p in other.iterdir()) == [".lock.tmp", "fontlist-v390.json"]


def test_numba_files_of_loaded_exports_are_counted_evicted_and_cleared(fresh, monkeypatch):
    """qml.load caches an export's numba files in exports/<SHA-256> of the cache folder:
    cache_info counts them with numba's files, eviction removes the least recently used
    export's files as one entry, clear removes them all."""
    folder = cache.cache_dir()
    sub = [folder / cache.EXPORTS / (c * 32) for c in "ab"]
    for k, d in enumerate(sub):
        d.mkdir(parents=True)
        for name in ("m.f-10.py311.nbi", "m.f-10.py311.1.nbc"):
            (d / name).write_bytes(b"x" * 1000)
            os.utime(d / name, (1000 + k, 1000 + k))  # "a" used longest ago
    assert qml.cache_info()["entries"]["numba files"] == 4
    freed = cache.evict(folder, limit=2500)
    assert freed == 2000 and not any(sub[0].iterdir()) and len(list(sub[1].iterdir())) == 2
    assert qml.clear_cache()["files"] == 2 and qml.cache_info()["entries"]["numba files"] == 0


def test_clear_refuses_a_folder_it_does_not_trust(tmp_path, monkeypatch, capsys):
    path = _make_unusable(tmp_path, "other_writable")
    (path / "qsym_gen_000000000000000000000001.py").write_text("X = 1\n")
    monkeypatch.setenv("QSYM_CACHE_DIR", str(path))
    assert "written by other users" in qml.cache_info()["problem"]
    with pytest.raises(qml.QsymError, match="deletes nothing"):
        qml.clear_cache()
    assert cli.main(["cache", "clear"]) == 2
    assert (path / "qsym_gen_000000000000000000000001.py").exists()


# --- memory: qsym drops a dropped QNode's module ---------------------------------------------
def test_dropped_qnode_module_leaves_sys_modules(fresh, monkeypatch):
    # compiled: the numba module is loaded (a circuit on tier 0 loads none: qsym.tiers)
    monkeypatch.setenv("QSYM_TIER", "compiled")
    dev = qml.device("default.qubit", wires=1)

    def circuit(params):
        # the module is named by its source: any live QNode of the same circuit elsewhere in
        # this process (another test's) would hold it; this constant makes the source this
        # test's own (a phase on |0>: the seed's numbers)
        qml.RZ(0.7316402918, wires=0)
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    first, second = qml.QNode(circuit, dev), qml.QNode(circuit, dev)
    assert first([A, B]) == pytest.approx(SEED_VALUE, abs=1e-12)
    assert second([A, B]) == pytest.approx(SEED_VALUE, abs=1e-12)
    name = next(iter(first._compiled.values())).module.__name__
    assert next(iter(second._compiled.values())).module.__name__ == name
    del first
    gc.collect()
    assert name in sys.modules  # the second QNode still uses it
    del second
    gc.collect()
    assert name not in sys.modules and name not in cache._holders
    third = qml.QNode(circuit, dev)  # built again: loaded again, same numbers
    assert third([A, B]) == pytest.approx(SEED_VALUE, abs=1e-12)
    assert name in sys.modules
    # (a value call's module is the module for values: the gradient's is another one,
    # tests/test_values_only.py)
    np.testing.assert_allclose(qml.grad(third, argnum=0)([A, B]), SEED_GRAD, atol=1e-12)


def test_release_from_the_garbage_collector_never_waits_for_the_lock():
    """An owner collected while this thread holds the cache's lock (the collector runs
    inside load_module): the release is counted later, not waited for (no deadlock)."""
    mod = cache.load_module("RELEASE_TEST = 1\n")

    class Owner:
        pass

    owner = Owner()
    cache.hold(mod, owner)
    with cache._lock:
        del owner
        gc.collect()  # the finalizer runs here, with the lock held
        assert mod.__name__ in sys.modules
    cache.load_module("RELEASE_TEST = 2\n")  # counts the pending release
    assert mod.__name__ not in sys.modules and mod.__name__ not in cache._holders


# --- something planted where one generated module goes ---------------------------------------
def _plant_folder(path, other):
    path.mkdir()


def _plant_link_to_other(path, other):
    path.symlink_to(other)


def _plant_dangling_link(path, other):
    path.symlink_to(path.parent / "nowhere.py")


def _plant_other_content(path, other):
    path.write_text("VALUE = 666\n")


def _plant_truncated(path, other):
    path.write_text("VAL")


def _plant_world_writable(path, other):
    path.write_text("VALUE = 666\n")
    os.chmod(path, 0o666)


def _plant_other_owner(path, other):
    path.write_text("VALUE = 666\n")
    os.chown(path, 65534, 65534)


def _plant_fifo(path, other):
    os.mkfifo(path)


PLANTED = {
    "folder": _plant_folder,
    "link_to_another_file": _plant_link_to_other,
    "dangling_link": _plant_dangling_link,
    "another_modules_content": _plant_other_content,
    "truncated": _plant_truncated,
    "writable_by_others": _plant_world_writable,
    "another_users_file": _plant_other_owner,
    "fifo": _plant_fifo,
}


@pytest.mark.parametrize("case", list(PLANTED))
def test_whatever_is_planted_at_a_modules_path_the_module_runs_its_own_source(fresh, case):
    """A folder, a link (to another file, or to nothing), another module's text, a
    truncated file, a file others can write or another user owns, or a FIFO at the path of
    one generated module: the module runs its own source (never the planted text), the
    link's target is not written through, nothing hangs (a FIFO once blocked the read
    forever), and the cache folder stays in use for every other module (a folder in the
    way once sent the whole process to a private temporary folder)."""
    if case == "another_users_file" and not IS_ROOT:
        pytest.skip("giving a file to another user needs root")
    if case == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    import threading
    import warnings

    folder = cache.cache_dir()
    other = folder.parent / "other.py"
    other.write_text("VALUE = 666\n")
    source = f"VALUE = {len(case)}\n# {case}\n"
    path = folder / f"{cache.module_name(source)}.py"
    PLANTED[case](path, other)
    got = {}

    def load():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got["module"] = cache.load_module(source)
        got["warnings"] = [str(w.message) for w in caught]

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "loading the module hangs"
    assert got["module"].VALUE == len(case)
    assert other.read_text() == "VALUE = 666\n"
    # the next module still goes to the configured folder
    assert cache.cache_dir() == folder
    second = f"VALUE = -1\n# after {case}\n"
    cache.load_module(second)
    assert (folder / f"{cache.module_name(second)}.py").read_text() == second
    if case == "folder":
        assert any("is a folder where qsym keeps a generated module" in w
                   for w in got["warnings"]), got["warnings"]
        assert not any("private temporary folder instead (nothing" in w
                       for w in got["warnings"]), got["warnings"]
    else:  # replaced by the module's own text
        assert not path.is_symlink() and path.read_text() == source


@pytest.mark.parametrize("failure", ["no_compiled_object", "index_is_a_folder"])
def test_a_failed_numba_cache_write_is_a_warning_not_the_calls_failure(tmp_path, monkeypatch,
                                                                       failure):
    """numba saves a function's machine code after compiling and installing it; a failure
    there (``RuntimeError: no compiled object yet for <Library ...>`` seen once each by two
    sessions; a folder planted at the index file's path, which numba cannot replace) failed
    the call although its code was ready. Through qsym's guarded cache class the call
    returns its value and one CacheWarning says what happened."""
    import importlib.util
    import warnings

    from numba.core import codegen

    name = f"qsym_test_save_{failure}_{os.getpid()}"
    path = tmp_path / f"{name}.py"
    path.write_text("from numba import njit\n\n\n@njit(cache=True)\n"
                    "def f(x):\n    return 2.0 * x + 1.0\n")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
        monkeypatch.setattr(cache, "_warned", set())
        cache.guard_numba_caches(mod)
        assert isinstance(mod.f._cache, cache._saving_cache_class())

        def no_object(self):
            raise RuntimeError(f"no compiled object yet for {self}")

        if failure == "no_compiled_object":
            monkeypatch.setattr(codegen.CPUCodeLibrary, "serialize_using_object_code",
                                no_object)
            expected = "no compiled object yet"
        else:
            index = Path(mod.f._cache._cache_file._index_path)
            index.parent.mkdir(parents=True, exist_ok=True)
            index.mkdir()
            expected = "IsADirectoryError"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert mod.f(3.0) == 7.0
            assert mod.f(4.0) == 9.0
        said = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
        assert len(said) == 1 and expected in said[0], said
        assert not list((tmp_path / "__pycache__").glob("*.nbc"))  # nothing was saved
    finally:
        sys.modules.pop(name, None)
