"""Ahead-of-time: compile, export, use without qsym, detect tampering and mismatches.

An exported module compiles what it carries of qsym's kernel library with numba (in a
background process, while its first calls run as plain Python: tens of seconds), so one
module is exported per test session and shared; the tiers' agreement is checked in this
process on the plain-Python tier against qsym's own compiled entry points.
"""

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import qsym as qml

CIRCUIT_FILE = textwrap.dedent(
    '''
    import qsym as qml
    from qsym import numpy as np

    dev = qml.device("default.qubit", wires=3)


    @qml.qnode(dev)
    def circuit(w, y, layers, data=None):
        for _ in range(layers):
            for i in range(3):
                qml.RY(w[i, 0] * data[i], wires=i)
                qml.RZ(np.sin(w[i, 1]) + y, wires=i)
            qml.CNOT(wires=[0, 1])
            qml.CRX(y, wires=[1, 2])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2)), qml.expval(0.5 * qml.PauliX(1))
    '''
)
EXAMPLE = ([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], 0.7, 2)
EXAMPLE_KW = {"data": [1.0, 0.5, -1.5]}


def _load_circuit(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("aot_user_circuit", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.circuit


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    src_dir = tmp_path_factory.mktemp("src")
    (src_dir / "user_circuit.py").write_text(CIRCUIT_FILE)
    circuit = _load_circuit(src_dir / "user_circuit.py")
    w = np.array(EXAMPLE[0])
    compiled = qml.compile(circuit, w, EXAMPLE[1], EXAMPLE[2], data=np.array(EXAMPLE_KW["data"]))
    out_dir = tmp_path_factory.mktemp("export")
    path = compiled.export(out_dir / "circuit_grad.py")
    return circuit, compiled, path, src_dir


def _run_without_qsym(path, script, tmp_path):
    """Run ``script`` in a fresh interpreter where ``import qsym`` fails."""
    code = (
        "import sys\nsys.modules['qsym'] = None  # qsym is not importable here\n"
        f"sys.path.insert(0, {str(path.parent)!r})\n" + textwrap.dedent(script)
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=1800,  # a cold numba compile on a loaded shared machine: 900 s was seen
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compiled_object_matches_the_qnode(exported):
    circuit, compiled, _, _ = exported
    rng = np.random.default_rng(0)
    for _ in range(3):
        w, y = rng.uniform(-2, 2, (3, 2)), float(rng.uniform(-2, 2))
        data = rng.uniform(-1, 1, 3)
        got = compiled.jacobian(w, y, 2, data=data)
        want = qml.jacobian(circuit, argnum=[0, 1])(w, y, 2, data=data)
        for g, v in zip(got, want):
            for a, b in zip(g, v):
                assert np.array_equal(a, b)
    assert compiled.executions == compiled.entry.plan.executions
    assert set(compiled.rules) == {"RY", "RZ", "CRX"}
    assert "CRX" in compiled.listing and "def prepare" in compiled.source
    assert [k for k, _ in compiled.layout[:3]] == ["trainable", "trainable", "static"]
    with pytest.raises(qml.ExportError, match="do not match"):
        compiled.value(np.zeros((3, 2)), 0.1, 3, data=np.ones(3))  # another static value


# about the export's tiers (its plain-Python first answers, its background compile and the
# swap): QSYM_EXPORT_TIER's default, auto, in the script's process (tests/conftest.py,
# FIRST_EXPORT_TIER)
@pytest.mark.compiled_tier
def test_export_runs_without_qsym_bit_for_bit_and_its_second_import_compiles_nothing(
    exported, tmp_path
):
    circuit, compiled, path, _ = exported
    rng = np.random.default_rng(1)
    cases = [
        (rng.uniform(-3, 3, (3, 2)).tolist(), float(rng.uniform(-3, 3)), rng.uniform(-1, 1, 3).tolist())
        for _ in range(4)
    ]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    script = '''
        import json, numpy as np
        import circuit_grad as m
        cases = json.load(open("cases.json"))

        def run():
            out = []
            for w, y, data in cases:
                v = m.value(np.array(w), y, 2, data=np.array(data))
                j = m.jacobian(np.array(w), y, 2, data=np.array(data))
                out.append([np.asarray(v).tolist(), [[a.tolist() for a in row] for row in j]])
            return out

        out = run()
        tier = m.tier()
        # two threads keep calling across the swap: every answer has the same bits
        # (a call about every 0.2 s each: faster spinning only burnt the CPU the background
        # compile needs, half a core for its whole length, on the suite's two cores)
        import threading, time
        w, y, data = cases[0]
        seen, tiers, stop = [], set(), []

        def spin():
            while True:
                tiers.add(m.tier())
                j = m.jacobian(np.array(w), y, 2, data=np.array(data))
                seen.append([[a.tolist() for a in row] for row in j])
                if stop and len(stop) > 10:
                    return
                if stop:
                    stop.append(1)
                time.sleep(0.2)

        threads = [threading.Thread(target=spin, daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        swapped = m.wait_for_numba(timeout=1700)
        stop.append(1)
        for t in threads:
            t.join()
        same = all(j == out[0][1] for j in seen)
        after = run()
        jitted = [f for f in vars(m).values() if hasattr(f, "stats")]
        misses = sum(sum(f.stats.cache_misses.values()) for f in jitted)
        hits = sum(sum(f.stats.cache_hits.values()) for f in jitted)
        import ast, inspect
        api = [n.func.id for f in (m._numba_value, m._numba_value_and_grad)
               for n in ast.walk(ast.parse(inspect.getsource(f)))
               if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and hasattr(getattr(m, n.func.id, None), "stats")]
        print(json.dumps({"out": out, "after": after, "tier": tier, "swapped": swapped,
                          "tier_after": m.tier(), "misses": misses, "hits": hits,
                          "threads_same": same, "threads_tiers": sorted(tiers),
                          "entries": sorted(m._ENTRIES), "api_entries": sorted(set(api)),
                          "entries_loaded": all(getattr(m, n).overloads
                                                for n in m._ENTRIES)}))
    '''
    first = json.loads(_run_without_qsym(path, script, tmp_path))
    for (w, y, data), (v, j) in zip(cases, first["out"]):
        want_v = circuit(np.array(w), y, 2, data=np.array(data))
        want_j = qml.jacobian(circuit, argnum=[0, 1])(np.array(w), y, 2, data=np.array(data))
        # bit for bit: JSON keeps every digit of a float64
        assert v == [float(t) for t in want_v]
        assert j == [[a.tolist() for a in row] for row in want_j]
    # a fresh machine: the first calls ran on the plain-Python tier (nothing compiled for
    # them), a background process compiled the module, this one loaded it from numba's
    # disk cache (no miss here either) and swapped: the same bits on both sides
    assert first["tier"] == "python" and first["swapped"] and first["tier_after"] == "numba"
    assert first["after"] == first["out"]
    assert first["threads_same"] and first["threads_tiers"] == ["numba", "python"], first
    assert first["misses"] == 0 and first["hits"] >= 2, first
    second = json.loads(_run_without_qsym(path, script, tmp_path))
    # (a small circuit's module answers in plain Python while it loads the cached code)
    assert second["out"] == first["out"] and second["after"] == first["out"]
    assert second["tier_after"] == "numba"
    assert second["misses"] == 0, "the second import compiled again instead of using numba's cache"
    assert second["hits"] >= 2
    # every compiled entry point of the module was compiled there (a callee the pruning
    # dropped fails numba's compile: no swap) and loaded here
    assert first["entries"] == first["api_entries"] and first["entries_loaded"], first


def test_a_loaded_export_compiles_into_qsyms_cache_and_a_later_load_compiles_nothing(
        tmp_path):
    """qml.load runs a module under the same collision-free name as a plain import, with
    numba's cache in qsym's cache folder (signed; never the __pycache__ beside the file):
    its background process compiles into it and the calling process loads it (no miss),
    the same bits as the compiled circuit. (The seed's module: what is checked is where the
    compile goes and that it is found, not the kernels; the 3-wire module's own compile is
    checked by the plain import above.)"""
    compiled = qml.compile(_seed("parameter-shift"), np.array([0.54, 0.12]))
    path = compiled.export(tmp_path / "seed_loaded.py")
    points = [[0.54, 0.12], [-1.3, 2.2]]
    script = f'''
        import json, numpy as np, qsym
        m = qsym.load({str(path)!r}, expected_hash={_sha(path)!r})
        assert m.__name__.startswith("qsym_export_")
        points = {points!r}
        out = [m.grad(np.array(p)).tolist() for p in points]
        tier = m.tier()
        swapped = m.wait_for_numba(timeout=1700)
        after = [m.grad(np.array(p)).tolist() for p in points]
        jitted = [f for f in vars(m).values() if hasattr(f, "stats")]
        print(json.dumps({{"out": out, "after": after, "tier": tier, "swapped": swapped,
                          "misses": sum(sum(f.stats.cache_misses.values()) for f in jitted),
                          "hits": sum(sum(f.stats.cache_hits.values()) for f in jitted)}}))
    '''
    env = dict(os.environ, PYTHONPATH=str(Path(qml.__file__).parent.parent),
               QSYM_EXPORT_TIER="auto")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=1800)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    want = [compiled.grad(np.array(p)).tolist() for p in points]
    assert got["tier"] == "python" and got["swapped"], got
    assert got["out"] == want and got["after"] == want  # bit for bit (JSON keeps every digit)
    assert got["misses"] == 0, "qml.load compiled in the caller instead of loading the cache"
    assert got["hits"] >= 2
    # the same bytes in another folder: numba's index there would match (it is keyed by the
    # file's contents) but its code names the first copy's module, so the copy has its own
    # folder and is not "cached" (it compiles in a background process, not in a thread of
    # the caller); the first copy, loaded again, is
    copy = tmp_path / "elsewhere" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    again = qml.load(path, expected_hash=_sha(path))
    moved = qml.load(copy, expected_hash=_sha(path))
    assert again.__name__ != moved.__name__
    folder = {f._cache._cache_file._cache_path for f in qml._cache.numba_cached_functions(again)}
    assert folder.isdisjoint(
        f._cache._cache_file._cache_path for f in qml._cache.numba_cached_functions(moved))
    assert again._t_cached() and not moved._t_cached()


def test_exported_module_checks_its_arguments(exported, tmp_path):
    """Shapes, constants, NaN and keywords; and (adversarial review, stop 56) what is not
    real numbers: the export converted every argument with ``np.asarray(a,
    dtype=float64)``, so a complex array ran at its real part (NumPy's ComplexWarning the
    only sign), text (``"0.5"``) was read as numbers and bools as 0 and 1, where the QNode
    refuses all three. Now a ``ValueError`` naming the argument and the dtype; real
    numbers of another type (an object array of floats, lists, ints) give what float64
    gives."""
    _, _, path, _ = exported
    script = '''
        import warnings
        import numpy as np
        import circuit_grad as m
        warnings.simplefilter("error")  # a ComplexWarning would be an error
        for bad, kw in [((np.zeros((2, 2)), 0.1, 2), {"data": np.ones(3)}),
                        ((np.zeros((3, 2)), 0.1, 3), {"data": np.ones(3)}),
                        ((np.zeros((3, 2)), float("nan"), 2), {"data": np.ones(3)}),
                        ((np.zeros((3, 2)), 0.1, 2), {})]:
            try:
                m.value(*bad, **kw)
            except (ValueError, TypeError) as exc:
                print(type(exc).__name__, exc)
        w = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
        kw = {"data": np.array([1.0, 0.5, -1.5])}
        none = w.astype(object)
        none[1, 1] = None
        for bad in [w + 1j, w.astype(str), w > 0.3, none,
                    [[0.1, 0.2], [0.3], [0.5, 0.6]]]:
            try:
                m.value(bad, 0.7, 2, **kw)
                print("ran", bad)
            except ValueError as exc:
                print(type(exc).__name__, exc)
        ref = m.value(w, 0.7, 2, **kw)
        for good in [w.astype(object), w.tolist()]:
            print("same", bool(np.array_equal(m.value(good, 0.7, 2, **kw), ref)))
        print("ints", bool(np.array_equal(m.value(np.ones((3, 2), dtype=int), 0.7, 2, **kw),
                                          m.value(np.ones((3, 2)), 0.7, 2, **kw))))
    '''
    out = _run_without_qsym(path, script, tmp_path).splitlines()
    assert len(out) == 12, out
    assert "shape (3, 2)" in out[0] and "constant 2" in out[1]
    assert "NaN" in out[2] and "keyword arguments" in out[3]
    for line, dtype in zip(out[4:9], ["complex128", "<U", "bool", "object",
                                      "a ragged sequence"]):
        assert line.startswith("ValueError argument 0 must be real numbers"), line
        assert dtype in line, line
    assert out[9:] == ["same True"] * 2 + ["ints True"], out


def _sha(path):
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _resign(text):
    """What an attacker can do: recompute the SELF_SHA256 line of an edited module."""
    import hashlib
    import re

    blank = re.sub(r'^SELF_SHA256 = "[0-9a-f]{64}"$', 'SELF_SHA256 = ""', text, count=1, flags=re.M)
    digest = hashlib.sha256(blank.encode()).hexdigest()
    return blank.replace('SELF_SHA256 = ""', f'SELF_SHA256 = "{digest}"', 1)


def test_tampered_module_refuses_to_import(exported, tmp_path):
    _, _, path, _ = exported
    text = path.read_text().replace("_SINGLE = False", "_SINGLE = True")
    assert text != path.read_text()
    bad = tmp_path / "tampered_grad.py"
    bad.write_text(text)
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import tampered_grad"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "was modified after qsym exported it" in result.stderr
    with pytest.raises(ImportError, match="modified"):
        qml.load(bad)


def test_load_checks_every_byte_before_running_any(exported, tmp_path):
    """A statement added anywhere (here: above the old marker line, before the self-check)
    does not run: qml.load hashes the bytes it read before it compiles and runs them."""
    _, compiled, path, _ = exported
    sha = _sha(path)
    sentinel = tmp_path / "ran.txt"
    text = path.read_text()
    payload = f"open({str(sentinel)!r}, 'w').close()\n"
    anchor = "import hashlib as _hashlib\n"
    injected = text.replace(anchor, payload + anchor, 1)
    assert injected != text
    edited = tmp_path / "edited_grad.py"
    edited.write_text(injected)
    with pytest.raises(ImportError, match="modified"):
        qml.load(edited)
    assert not sentinel.exists()
    # an attacker who also recomputes the self-hash: only expected_hash catches it
    forged = tmp_path / "forged_grad.py"
    forged.write_text(_resign(injected))
    for expected in (sha, compiled.circuit_hash):
        with pytest.raises(qml.ExportError, match="not the file expected"):
            qml.load(forged, expected_hash=expected)
    with pytest.raises(qml.ExportError, match="circuit hash written in the file"):
        qml.load(forged, expected_hash=compiled.circuit_hash)
    assert not sentinel.exists()
    with pytest.raises(qml.ExportError, match="64-hex-digit"):
        qml.load(path, expected_hash="abc")
    # the genuine file passes; export recorded the hash of the bytes it wrote
    assert qml.load(path, expected_hash=sha.upper()).LAYOUT == compiled.layout
    assert compiled.export_sha256 == sha


def test_load_accepts_no_other_circuits_module_with_an_edited_header(exported, tmp_path):
    _, compiled, path, _ = exported
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def other(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    other_c = qml.compile(other, 0.3)
    other_path = other_c.export(tmp_path / "other_grad.py")
    text = other_path.read_text().replace(other_c.circuit_hash, compiled.circuit_hash)
    other_path.write_text(_resign(text))
    assert qml._aot.read_metadata(other_path)["circuit_hash"] == compiled.circuit_hash
    for expected in (_sha(path), compiled.circuit_hash):  # neither accepts the forged file
        with pytest.raises(qml.ExportError, match="not the file expected"):
            qml.load(other_path, expected_hash=expected)


@pytest.mark.parametrize("stem", ["json", "math", "circuit"])
def test_load_never_replaces_another_module(exported, tmp_path, stem):
    import importlib

    _, compiled, path, _ = exported
    target = tmp_path / f"{stem}.py"
    target.write_bytes(path.read_bytes())
    before = sys.modules.get(stem)
    mod = qml.load(target)
    assert sys.modules.get(stem) is before
    assert importlib.import_module("json").loads("[1]") == [1]
    assert mod.__name__.startswith("qsym_export_") and sys.modules[mod.__name__] is mod
    assert mod.LAYOUT == compiled.layout and mod.__file__ == str(target)


def test_load_reports_version_and_circuit_mismatches(exported, tmp_path):
    _, compiled, path, _ = exported
    meta = qml._aot.read_metadata(path)
    assert meta["qsym_version"] == qml.__version__
    assert meta["circuit_hash"] == compiled.circuit_hash
    old = tmp_path / "old_version_grad.py"
    old.write_text(_resign(path.read_text().replace(
        f'"qsym_version": "{qml.__version__}"', '"qsym_version": "0.0.1"')))
    assert qml._aot.read_metadata(old)["qsym_version"] == "0.0.1"
    with pytest.raises(qml.ExportError, match="exported by qsym 0.0.1"):
        qml.load(old)
    with pytest.raises(qml.ExportError, match="not the file expected"):
        qml.load(path, expected_hash="0" * 64)
    with pytest.raises(qml.ExportError, match="not a module exported by qsym"):
        qml.load(Path(__file__))



def test_export_replaces_the_file_whole_never_in_place(exported, tmp_path):
    """export wrote the path in place (truncate, then write): a process that had opened or
    was importing the old export meanwhile (a server loading it) read a mix or a truncated
    file, and a writer killed midway left half a file. Now the new file is renamed over
    the old one: a reader of the old file keeps its bytes whole, no temporary file stays,
    and the mode is a plain write's."""
    _, compiled, _, _ = exported
    target = tmp_path / "circuit_grad.py"
    old = b"# the previous export, still being read\n" * 5000
    target.write_bytes(old)
    mode = target.stat().st_mode
    with open(target, "rb") as reader:
        head = reader.read(100)
        compiled.export(target)
        assert head + reader.read() == old  # the reader's file is the old one, whole
    assert qml.file_sha256(target) == compiled.export_sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == ["circuit_grad.py"]
    assert target.stat().st_mode == mode

@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_export_through_a_symbolic_link_keeps_the_link_and_the_files_mode(exported, tmp_path):
    """The rename of the new export put a plain file in place of a symbolic link at the
    path (a deployment's current -> release link broken, the release file left old) and
    gave an existing file the umask's mode; a write in place kept both."""
    _, compiled, _, _ = exported
    release = tmp_path / "release"
    release.mkdir()
    target = release / "circuit_grad.py"
    target.write_bytes(b"# old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "circuit_grad.py"
    os.symlink(target, link)
    compiled.export(link)
    assert link.is_symlink() and qml.file_sha256(target) == compiled.export_sha256
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in release.iterdir()) == ["circuit_grad.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_load_refuses_what_is_not_a_regular_file_without_blocking(tmp_path):
    """A FIFO at the path made qml.load (and read_metadata, file_sha256) wait for a writer
    forever; a device such as /dev/zero never ends; a folder raised IsADirectoryError.
    Each is an ExportError now, before anything is read (no export needed: the check comes
    first)."""
    fifo = tmp_path / "circuit_grad.py"
    os.mkfifo(fifo)
    targets = [fifo, tmp_path] + ([Path("/dev/zero")] if Path("/dev/zero").exists() else [])
    for target in targets:
        for read in (qml.load, qml.read_metadata, qml.file_sha256):
            with pytest.raises(qml.ExportError, match="not a regular file"):
                read(target)
    with pytest.raises(FileNotFoundError):  # a missing file: the OSError that names it
        qml.load(tmp_path / "missing.py")

def test_cli_compile_writes_the_same_module(exported, tmp_path):
    _, _, path, src_dir = exported
    out = tmp_path / "circuit_grad.py"  # same file name: the header names the module
    args = json.dumps(list(EXAMPLE))
    result = subprocess.run(
        ["qsym", "compile", f"{src_dir / 'user_circuit.py'}:circuit", "--args", args,
         "--kwargs", json.dumps(EXAMPLE_KW), "-o", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    assert out.read_text() == path.read_text()
    assert f"sha256 {_sha(out)}" in result.stdout


def _cli_compile(capsys, *argv):
    """``qsym compile ARGV`` run in this process (``_cli.main``, the console script's
    function): its exit status, stdout and stderr. The console script itself, in a new
    process, is test_cli_compile_writes_the_same_module's (each ``qsym`` process costs an
    interpreter start with qsym and numba imported: about 2 s of CPU, cold)."""
    from qsym import _cli as cli

    try:
        code = cli.main(["compile", *argv])
    except SystemExit as exc:  # argparse: --help, usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_compile_errors(tmp_path, capsys):
    out = str(tmp_path / "m.py")
    code, _, err = _cli_compile(capsys, "nofile.py:circuit", "--args", "[]", "-o", out)
    assert code == 2 and "no such file" in err
    (tmp_path / "notq.py").write_text("def circuit(x):\n    return x\n")
    code, _, err = _cli_compile(capsys, f"{tmp_path / 'notq.py'}:circuit", "--args", "[0.1]",
                                "-o", out)
    assert code == 2 and "not a QNode" in err
    code, _, err = _cli_compile(capsys, f"{tmp_path / 'notq.py'}:circuit", "--args", "{",
                                "-o", out)
    assert code == 2 and "not valid JSON" in err


def test_cli_compile_says_what_is_wrong_in_one_line(exported, tmp_path, capsys):
    _, _, _, src_dir = exported
    user = src_dir / "user_circuit.py"
    out = str(tmp_path / "m.py")
    code, _, err = _cli_compile(capsys, f"{user}:circuit", "--args",
                                "[[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]]", "-o", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "do not fit circuit(w, y, layers, data=None)" in err and "missing" in err
    code, _, err = _cli_compile(capsys, f"{user}:circuitt", "--args", "[0.1]", "-o", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "defines no 'circuitt'; its QNodes: circuit" in err
    (tmp_path / "boom.py").write_text("raise RuntimeError('top level ran')\n")
    code, _, err = _cli_compile(capsys, f"{tmp_path / 'boom.py'}:circuit", "--args", "[0.1]",
                                "-o", out)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "RuntimeError: top level ran" in err
    assert not Path(out).exists()
    code, help_text, _ = _cli_compile(capsys, "--help")
    assert code == 0
    assert "top level" in " ".join(help_text.split()) and "__main__" in help_text


def test_export_refuses_finite_differences_and_bad_paths(tmp_path):
    dev = qml.device("default.qubit", wires=1)

    def f(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.ExportError, match="exact gradients.*finite-diff"):
        qml.compile(qml.QNode(f, dev, diff_method="finite-diff"), 0.1)
    with pytest.raises(qml.ExportError, match="importable name"):
        qml.compile(qml.QNode(f, dev), 0.1).export(tmp_path / "bad-name.py")


def _seed(diff_method):
    dev = qml.device("default.qubit", wires=1)

    def seed(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return qml.QNode(seed, dev, diff_method=diff_method)


def _run_as_python(path, script, tmp_path):
    """Run ``script`` without qsym and with numba's JIT off (NUMBA_DISABLE_JIT=1: the
    exported functions run as Python, nothing is compiled), for cheap checks of what a
    module computes."""
    code = (
        "import sys\nsys.modules['qsym'] = None\n"
        f"sys.path.insert(0, {str(path.parent)!r})\n" + textwrap.dedent(script)
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["NUMBA_DISABLE_JIT"] = "1"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("diff_method, method", [("adjoint", "adjoint"),
                                                 ("backprop", "adjoint"),
                                                 ("parameter-shift", "parameter-shift")])
def test_export_keeps_the_qnodes_diff_method(tmp_path, diff_method, method):
    """An adjoint QNode exports an adjoint module (it exported a parameter-shift one)."""
    node = _seed(diff_method)
    p = np.array([0.54, 0.12])
    compiled = qml.compile(node, p)
    assert compiled.diff_method == method
    # adjoint: one run and a backward sweep; shifts: the value and 2 terms per parameter
    assert compiled.executions == (1 if method == "adjoint" else 1 + 2 * 2)
    path = compiled.export(tmp_path / "seed_export.py")
    assert qml._aot.read_metadata(path)["diff_method"] == method
    text = path.read_text()
    adjoint_called = "fused_value_and_grad_adjoint_into(x, d, out, jac)" in text
    assert adjoint_called == (method == "adjoint")
    got = _run_as_python(path, '''
        import json, seed_export as m
        print(json.dumps({"g": m.grad([0.54, 0.12]).tolist(),
                          "method": m.METADATA["diff_method"]}))
    ''', tmp_path)
    a, b = 0.54, 0.12  # <Z> = cos(a) cos(b): the exact gradient, written by hand
    exact = [-np.sin(a) * np.cos(b), -np.cos(a) * np.sin(b)]
    assert got["method"] == method
    assert np.allclose(got["g"], exact, atol=1e-12, rtol=0)
    assert np.allclose(compiled.grad(p), exact, atol=1e-12, rtol=0)


def test_export_carries_only_what_its_circuit_reaches(exported, tmp_path):
    """The seed's written-out code calls no kernel: its module carries none; a bigger
    circuit's carries its entry points' kernels, never the batch kernels nor qsym's own
    imports (``from . import _cache as cache``, which cannot run without qsym)."""
    compiled = qml.compile(_seed("parameter-shift"), np.array([0.54, 0.12]))
    seed = compiled.export(tmp_path / "seed_small.py").read_text()
    full = Path(qml._kernels.__file__).read_text()
    assert "def program_value_and_grad_into(" in full and "def batch_value(" in full
    for name in ("def program_value_into(", "def program_value_and_grad_into(",
                 "def batch_value(",
                 "from . import", "def _q_batch_prepare("):
        assert name not in seed, name
    assert len(seed) < len(full) / 2
    big = Path(exported[2]).read_text()
    assert "from . import" not in big and "def batch_value" not in big
    assert "def _q_batch_prepare" not in big
    # the kernels linked into the export, not called through qsym's table of pointers
    # (qsym._kernel_table: it needs qsym, and the export runs without it)
    assert "_kernel_table" not in big and "_q_through_table" not in big
    assert "def program_value_and_grad_small_into(" in big or "def program_value_and_grad_into(" in big
    # the API calls the fused _into forms into arrays it makes, not the returning forms:
    # each of those is a compile of its own that links the carried kernels again (issue #17)
    for text in (seed, big):
        assert "def fused_value_into(" in text and "def fused_value_and_grad_into(" in text
        assert "def fused_value(" not in text and "def fused_value_and_grad(" not in text
    got = _run_as_python(tmp_path / "seed_small.py", '''
        import json, seed_small as m
        print(json.dumps({"v": float(m.value([0.54, 0.12])), "g": m.grad([0.54, 0.12]).tolist()}))
    ''', tmp_path)
    assert abs(got["v"] - np.cos(0.54) * np.cos(0.12)) < 1e-15
    assert np.allclose(got["g"], [-np.sin(0.54) * np.cos(0.12), -np.cos(0.54) * np.sin(0.12)],
                       atol=1e-15, rtol=0)


def test_reachable_sections_keeps_what_is_used_in_order():
    sections = [("a", '"""doc"""\nimport os\nimport math\nX = math.pi\n\n'
                      '@staticmethod\ndef f():\n    return X\n\ndef g():\n    return os\n'),
                ("b", "Y = f()\nZ = 2\nprint(Z)\n")]
    out = qml._aot.reachable_sections(sections, {"Y"})
    assert out[0] == ("a", "import math\nX = math.pi\n@staticmethod\ndef f():\n    return X")
    # a statement binding no name (print(Z)) is kept, and what it uses
    assert out[1] == ("b", "Y = f()\nZ = 2\nprint(Z)")
    with pytest.raises(qml.ExportError, match="cannot carry"):
        qml._aot.reachable_sections([("c", "from . import _cache as cache\nA = cache\n")], {"A"})


def test_pruning_keeps_what_a_kernel_reaches_through_a_table_or_a_helper():
    """A kernel that calls its gate kernels through a module-level table (a tuple of
    functions, indexed at run time) and a helper that reads a constant: the pruning keeps
    the table, every function in it, the helper and the constant, and nothing else; the
    result binds every name it reads (and runs); a cut that loses the table is caught."""
    kernels = textwrap.dedent('''
        import numpy as np

        def njit(f):  # (numba's, without a compile in the test)
            return f

        SCALE = 2.0
        UNUSED = 3.0

        @njit
        def _scaled(v):
            return SCALE * v

        @njit
        def apply_a(v):
            return _scaled(v) + 1.0

        @njit
        def apply_b(v):
            return -v

        @njit
        def apply_c(v):
            return v * UNUSED

        APPLY = (apply_a, apply_b)

        def run(kind, v):
            return APPLY[kind](v)

        def other(v):
            return apply_c(v)
    ''')
    (_, kept), = qml._aot.reachable_sections([("k", kernels)], {"run"})
    names = {n for stmt in ast.parse(kept).body for n in qml._aot._bound_names(stmt)}
    assert names == {"njit", "SCALE", "_scaled", "apply_a", "apply_b", "APPLY", "run"}
    assert qml._aot.unbound_globals(kept) == {}
    ns = {}
    exec(kept, ns)  # noqa: S102 - the test's own source
    assert ns["run"](0, 1.5) == 2.0 * 1.5 + 1.0 and ns["run"](1, 1.5) == -1.5
    cut = kept.replace("APPLY = (apply_a, apply_b)", "")
    assert qml._aot.unbound_globals(cut) == {"run": ["APPLY"]}


def test_an_export_whose_pruning_lost_a_callee_is_refused(monkeypatch, tmp_path):
    """If the pruning dropped a function a carried one calls, the module would raise
    NameError in plain Python and fail numba's compile of every entry point reaching it:
    export refuses to write it, naming the function and what it misses."""
    compiled = qml.compile(qml.QNode(_mixed, qml.device("default.qubit", wires=3)),
                           np.linspace(0.1, 0.6, 6))
    real = qml._aot.reachable_sections

    def lossy(sections, roots):
        out = real(sections, roots)
        drop = re.compile(r"^@njit\(cache=True\)\ndef apply_dense1\(.*?(?=^\S)", re.MULTILINE | re.DOTALL)
        return [(t, drop.sub("", text)) for t, text in out]

    monkeypatch.setattr(qml._aot, "reachable_sections", lossy)
    with pytest.raises(qml.ExportError, match=r"apply_row: apply_dense1|: apply_dense1"):
        compiled.export(tmp_path / "lossy.py")
    assert not (tmp_path / "lossy.py").exists()


def test_an_export_carries_only_the_gate_kernels_of_its_ops_kinds(tmp_path, monkeypatch):
    """The interpreter's gate dispatch (apply_row, the adjoint's _step1) is cut to the
    (kind, wires) pairs of the circuit's ops: an RY/RZ/CNOT circuit carries the real
    one-wire, diagonal and CNOT kernels and none of the others (the dense, Pauli, PCPhase,
    multi-controlled ones), gives the QNode's numbers, and an op of another kind (its
    program edited) raises, never running another kernel."""
    def ladder(w):
        for i in range(3):
            qml.RY(w[i], wires=i)
            qml.RZ(w[i + 3], wires=i)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(2))

    x = np.linspace(0.2, 1.2, 6)
    for method in ("parameter-shift", "adjoint"):
        compiled = qml.compile(qml.QNode(ladder, qml.device("default.qubit", wires=3),
                                         diff_method=method), x)
        path = compiled.export(tmp_path / f"ladder_{method[0]}.py")
        text = path.read_text()
        for kept in ("def apply_real1(", "def apply_diag1(", "def apply_cnot("):
            assert kept in text, (method, kept)
        for dropped in ("def apply_dense1(", "def apply_dense2(", "def apply_dense(",
                        "def apply_pauli(", "def apply_pcphase(", "def apply_cx(",
                        "def apply_diag(", "def adjoint_step1_dense("):
            assert dropped not in text, (method, dropped)
        assert "def apply_dense" in Path(qml._kernels.__file__).read_text()
        monkeypatch.setenv("QSYM_EXPORT_TIER", "python")
        mod = qml.load(path)
        assert _same_bits(mod.value(x), compiled.value(x))
        assert _same_bits(mod.grad(x), compiled.grad(x))
        # against an independent method: central differences
        h = 1e-6
        fd = [(compiled.value(x + h * e) - compiled.value(x - h * e)) / (2 * h)
              for e in np.eye(6)]
        assert np.allclose(mod.grad(x), fd, atol=1e-8, rtol=0)
        kinds = qml._aot.program_kinds(mod.PROGRAM_INTS)
        assert kinds == {(qml._kernels.REAL, 1), (qml._kernels.DIAGONAL, 1),
                         (qml._kernels.CONTROLLED_X, 2)}
        (_, _, op_kind, *_), = [qml._kernels.unpack_program.py_func(mod.PROGRAM_INTS)]
        op_kind[0] = qml._kernels.PAULI  # (a view of the module's program)
        with pytest.raises(ValueError, match="carries no kernel for an op of this kind"):
            mod.grad(x)


def test_the_dispatch_table_names_the_kernel_librarys_dispatch():
    """KIND_DISPATCH names functions of the kernel library that test the expressions it
    gives (a renamed function or argument would silently carry every kernel again), and
    the cut decides each of their tests on the kind (nothing left to numba's runtime
    but the kinds the program has)."""
    import inspect

    for name, (kind, wires) in qml._aot.KIND_DISPATCH.items():
        fn = getattr(qml._kernels, name)
        source = inspect.getsource(fn.py_func)
        assert f"{kind} ==" in source, name
        assert wires is None or isinstance(wires, int) or f"{wires} ==" in source, name
    library = qml._aot._module_body(qml._kernels)
    one = qml._aot.specialize_dispatch(library, {(qml._kernels.REAL, 1)})
    assert one != library
    (_, kept), = qml._aot.reachable_sections([("k", one)], {"run_ops", "_step1"})
    assert "def apply_real1(" in kept and "def _step1_real(" in kept
    for gone in ("def apply_dense1(", "def apply_cnot(", "def adjoint_step1_diag("):
        assert gone not in kept, gone


def test_an_export_carries_qsyms_errors_as_builtin_ones(exported, tmp_path):
    """What a carried function raises by qsym's error classes (shapes.stacked: a
    MeasurementError) is, in a module without qsym, a class of that name deriving from the
    builtin exception qsym's does (ValueError), not a NameError."""
    _, _, path, _ = exported
    got = _run_as_python(path, '''
        import json, numpy as np, circuit_grad as m
        try:
            m.stacked((2,), [np.zeros(2), np.zeros(3)])
        except ValueError as exc:
            print(json.dumps({"type": type(exc).__name__, "msg": str(exc)}))
    ''', tmp_path)
    assert got["type"] == "MeasurementError" and "one shape" in got["msg"]
    for name in ("DifferentiationError", "QsymError"):  # only what its functions raise
        assert f"class {name}(" not in path.read_text()


# --- the exported module's tiers -------------------------------------------------------------
def _wide(w):
    """8 wires: fused tails (run_ops_fused: CNOT runs gathered, diagonal layers, real pairs),
    the single-Z tree, a droppable RZ layer."""
    for layer in range(2):
        for i in range(8):
            qml.RY(w[layer, i, 0], wires=i)
            qml.RZ(w[layer, i, 1], wires=i)
        for i in range(7):
            qml.CNOT(wires=[i, i + 1])
    obs = qml.PauliZ(0)
    for i in range(1, 8):
        obs = obs + qml.PauliZ(i)
    return qml.expval(obs)


def _mixed(w):
    """Complex one-wire and two-wire dense gates, a Toffoli, non-diagonal words."""
    qml.RX(w[0], wires=0)
    qml.RY(w[1], wires=1)
    qml.Hadamard(wires=2)
    qml.IsingXX(w[2], wires=[0, 1])
    qml.CRY(w[3], wires=[1, 2])
    qml.RZ(w[4], wires=2)
    qml.Toffoli(wires=[0, 1, 2])
    qml.PhaseShift(w[5], wires=0)
    qml.Rot(w[0], w[2], w[4], wires=1)
    qml.RX(w[1], wires=2)  # a complex one-wire step of the adjoint sweep (adjoint_step1_dense)
    return qml.expval(0.3 * (qml.PauliX(0) @ qml.PauliY(1)) + qml.PauliZ(2) - 0.5 * qml.PauliY(2))


def _mixed_many(w):
    _mixed(w)
    return (qml.expval(qml.PauliX(0) @ qml.PauliY(1)), qml.expval(qml.PauliZ(2)),
            qml.probs(wires=[0, 2]))


def _same_bits(a, b):
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_bits(u, v) for u, v in zip(a, b))
    return np.asarray(a).shape == np.asarray(b).shape and np.array_equal(a, b)


@pytest.mark.parametrize("fn, shape, wires", [(_wide, (2, 8, 2), 8), (_mixed, (6,), 3),
                                              (_mixed_many, (6,), 3)])
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_exports_plain_python_tier_gives_the_compiled_bits(tmp_path, monkeypatch, fn, shape,
                                                           wires, method):
    """An export's first tier (no numba compile: the module's functions as plain Python,
    the NumPy twins of qsym.aot_numpy for the loops over the state) gives the compiled
    path's numbers bit for bit (qsym's own entry point: the kernels compiled by numba)."""
    node = qml.QNode(fn, qml.device("default.qubit", wires=wires), diff_method=method)
    rng = np.random.default_rng(7)
    x = rng.uniform(-np.pi, np.pi, shape)
    compiled = qml.compile(node, x)
    path = compiled.export(tmp_path / f"tier_{fn.__name__.strip('_')}.py")
    monkeypatch.setenv("QSYM_EXPORT_TIER", "python")
    mod = qml.load(path)
    for _ in range(2):
        got_v, got_j = mod.value(x), mod.jacobian(x)
        assert mod.tier() == "python"
        want_v, want_j = compiled.value(x), compiled.jacobian(x)
        assert _same_bits(got_v, want_v) and _same_bits(got_j, want_j), (got_j, want_j)
        x = rng.uniform(-np.pi, np.pi, shape)
    # nothing of the module was compiled
    assert all(not f.overloads for f in vars(mod).values() if hasattr(f, "overloads"))
    if fn is _wide:
        g = mod.grad(x)  # and against an independent method: central differences
        h = 1e-6
        for k in [(0, 0, 0), (1, 3, 1), (1, 7, 0)]:
            xp, xm = x.copy(), x.copy()
            xp[k] += h
            xm[k] -= h
            assert abs(g[k] - (mod.value(xp) - mod.value(xm)) / (2 * h)) < 1e-7


def test_compiled_gradients_differentiate_what_qml_grad_does(tmp_path):
    """The trainable arguments of qml.compile (and of its export, which has no tensors)
    are fixed from the example arguments as qml.grad chooses them (PennyLane's rule):
    requires_grad tensors only, plain floats beside them are data; argnum= as qml.grad's;
    no tensor at all: every float argument (qml.grad(argnum=[...]) of them)."""
    from qsym import numpy as pnp

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(w, s):
        qml.RX(w[0] * s, wires=0)
        qml.RY(w[1], wires=0)
        return qml.expval(qml.PauliZ(0))  # cos(w0 s) cos(w1)

    w, s = [0.4, -0.3], 1.5
    dw = np.array([-np.sin(w[0] * s) * s * np.cos(w[1]), -np.cos(w[0] * s) * np.sin(w[1])])
    ds = -np.sin(w[0] * s) * w[0] * np.cos(w[1])

    by_tensor = qml.compile(f, pnp.array(w), s)
    assert [k for k, _ in by_tensor.layout] == ["trainable", "data"]
    g = by_tensor.grad(np.array(w), s)  # called with plain values: the rule is fixed
    assert g.shape == (2,) and np.allclose(g, dw, atol=1e-12)
    assert np.array_equal(g, qml.grad(f)(pnp.array(w), s))
    assert np.allclose(by_tensor.grad(pnp.array(w), 0.5), [
        -np.sin(w[0] * 0.5) * 0.5 * np.cos(w[1]), -np.cos(w[0] * 0.5) * np.sin(w[1])], atol=1e-12)

    plain = qml.compile(f, w, s)  # no tensor: both
    gw, gs = plain.grad(w, s)
    assert np.allclose(gw, dw, atol=1e-12) and np.isclose(gs, ds, atol=1e-12)

    only_s = qml.compile(f, pnp.array(w), s, argnum=1)
    assert np.isclose(only_s.grad(w, s), ds, atol=1e-12)
    assert np.ndim(only_s.grad(w, s)) == 0
    listed = qml.compile(f, w, s, argnum=[0])  # a list: a tuple, as qml.grad(argnum=[0])
    assert isinstance(listed.grad(w, s), tuple) and np.allclose(listed.grad(w, s)[0], dw)
    with pytest.raises(qml.NonDifferentiableError):
        qml.compile(f, pnp.array(w, requires_grad=False), s, argnum=0)
    frozen = qml.compile(f, pnp.array(w, requires_grad=False), s)  # data; s plain: trainable
    assert [k for k, _ in frozen.layout] == ["data", "trainable"]
    assert np.isclose(frozen.grad(w, s), ds, atol=1e-12)

    # the export differentiates the same arguments (plain-Python tier: no compile wait)
    mod = qml.load(by_tensor.export(tmp_path / "by_tensor.py"), expected_hash=by_tensor.export_sha256)
    assert mod.LAYOUT[1][0] == "data"
    assert np.array_equal(mod.grad(np.array(w), s), g)


class _Touch:
    """Unpickling it creates a file: a stand-in for the code a planted pickle would run."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_load_never_unpickles_numba_files_planted_beside_a_checked_export(exported, tmp_path,
                                                                         monkeypatch):
    """A file whose bytes qml.load checked (expected_hash) shipped with a __pycache__ of
    pickles at the names numba reads: none is unpickled (numba's cache of a loaded module
    is in qsym's cache folder, signed), and the numbers are the export's own."""
    import pickle

    from qsym import _cache

    _, compiled, path, _ = exported
    bundle = tmp_path / "bundle"
    (bundle / "__pycache__").mkdir(parents=True)
    target = bundle / path.name
    target.write_bytes(path.read_bytes())
    sentinel = tmp_path / "unpickled.txt"
    monkeypatch.setenv("QSYM_EXPORT_TIER", "auto")
    first = qml.load(path)
    names = [f._cache._cache_file._index_name for f in _cache.numba_cached_functions(first)]
    assert names and all(n.startswith(path.stem + ".") for n in names)
    evil = pickle.dumps(_Touch(str(sentinel)))
    for name in names:  # the index numba reads first, and a data file per index
        (bundle / "__pycache__" / name).write_bytes(evil)
        (bundle / "__pycache__" / name.replace(".nbi", ".1.nbc")).write_bytes(evil)
    mod = qml.load(target, expected_hash=compiled.export_sha256)
    mod._t_background = lambda x, d: None  # (no background compile in the test)
    w = np.array(EXAMPLE[0])
    data = np.array(EXAMPLE_KW["data"])
    got = mod.value(w, EXAMPLE[1], EXAMPLE[2], data=data)  # reads numba's index: auto tier
    assert not sentinel.exists()
    assert _same_bits(got, compiled.value(w, EXAMPLE[1], EXAMPLE[2], data=data))
    for f in _cache.numba_cached_functions(mod):  # what numba reads: qsym's signed index
        f._cache._cache_file._load_index()  # (the same bytes' compile, if one ran before)
    assert not sentinel.exists()
    folders = {f._cache._cache_file._cache_path for f in _cache.numba_cached_functions(mod)}
    assert folders == {str(_cache.export_cache_dir(compiled.export_sha256, mod.__name__))}


def test_a_loaded_exports_background_compile_runs_only_the_checked_bytes(exported,
                                                                         tmp_path):
    """The background process of a loaded module reads the file again: if its bytes no
    longer have the SHA-256 qml.load checked (changed after the load), it runs none of them
    (exit status 3) and compiles nothing."""
    _, compiled, path, _ = exported
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    sentinel = tmp_path / "ran.txt"
    target.write_text(f"open({str(sentinel)!r}, 'w').close()\n" + target.read_text())
    payload = json.dumps({"path": str(target), "sha256": compiled.export_sha256,
                          "name": "qsym_export_test", "folder": str(tmp_path / "numba"),
                          "x": [0.0], "d": []})
    env = dict(os.environ, PYTHONPATH=str(Path(qml.__file__).parent.parent))
    result = subprocess.run([sys.executable, "-c", "from qsym._aot import _compile_loaded; "
                             "_compile_loaded()"], input=payload, capture_output=True,
                            text=True, env=env, timeout=600)
    assert result.returncode == 3, result.stderr
    assert not sentinel.exists() and not (tmp_path / "numba").exists()


def test_a_path_that_is_not_one_is_named_and_bytes_are_a_path(exported, tmp_path):
    """qml.load(5), compiled.export(5) (and read_metadata, file_sha256) raised Path's bare
    TypeError ("expected str, bytes or os.PathLike object"), and a bytes path, which open()
    takes, the same; now bytes are a path and anything else an ArgumentError (a TypeError
    still) saying what to pass."""
    _, compiled, path, _ = exported
    for bad in (5, None, ["circuit.py"]):
        for call in (qml.load, qml.read_metadata, qml.file_sha256, compiled.export):
            with pytest.raises(qml.ArgumentError, match=r"path must be .*str, bytes or os.PathLike"):
                call(bad)
    out = compiled.export(os.fsencode(tmp_path / "as_bytes.py"))
    assert out == tmp_path / "as_bytes.py"
    assert qml.file_sha256(os.fsencode(out)) == compiled.export_sha256
    mod = qml.load(os.fsencode(out), expected_hash=compiled.export_sha256)
    meta = qml.read_metadata(os.fsencode(out))
    assert meta["circuit_hash"] == qml.read_metadata(path)["circuit_hash"]
    assert callable(mod.value)
