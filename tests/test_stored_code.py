"""Issue #17: tier 0's compiled Python kept in the cache folder (qsym._tiers.stored_lazy_exec).

The kernel twins' text is the same in every process; a new process unmarshals the code
objects an earlier one compiled (a signed blob, qsym._cache.save_blob) instead of compiling
them. Checked here: the code a process loads is the code Python's compile makes of the
same text (so the same bits), the functions behave as the text says (values by hand), a
blob that is damaged, planted or signed under another folder's key is a miss (compiled
again, never used), and the kernel twins loaded this way give the kernels' bits.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from qsym import _cache as cache
from qsym import _tiers as tiers

TEXT = '''\
"""a module text"""
SCALE = 3.0


def f(x):
    return SCALE * x + 1.0


@_q_plain_njit(cache=True)
def g(x, y):
    """doc"""
    return f(x) * y ** 2
'''


def _ns():
    return {"_q_plain_njit": tiers._plain_njit, "_q_ipow": tiers.ipow}


def _codes(ns):
    """The code objects of ``ns``'s functions (stand-ins materialized by a call)."""
    ns["g"](0.5, 2.0)
    return {name: ns[name].__code__ for name in ("f", "g")}


def _blob_files(folder):
    return sorted((folder / tiers.CODE_BLOBS).glob("*.bin"))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    return tmp_path / "cache"


def test_a_second_load_unmarshals_the_code_compile_makes(folder):
    """First call: compiled and saved (one blob); second: loaded from it. Both give the
    code objects that compiling the text at once gives (bytecode, constants, names, line
    numbers), and the values the text says: g(0.5, 2) = (3 * 0.5 + 1) * 2 ** 2 = 10."""
    first = _ns()
    tiers.stored_lazy_exec(TEXT, first, "<text>")
    assert len(_blob_files(folder)) == 1
    second = _ns()
    tiers.stored_lazy_exec(TEXT, second, "<text>")
    whole = _ns()
    exec(tiers.python_code(TEXT, "<text>"), whole)  # noqa: S102
    for ns in (first, second):
        assert ns["g"](0.5, 2.0) == 10.0 and ns["SCALE"] == 3.0
        for name, code in _codes(ns).items():
            ref = whole[name].__code__
            assert (code.co_code, code.co_consts, code.co_names, code.co_firstlineno,
                    code.co_filename) == (ref.co_code, ref.co_consts, ref.co_names,
                                          ref.co_firstlineno, ref.co_filename), name


def test_a_loaded_function_comes_from_the_blob(folder, monkeypatch):
    """The second process's functions are not compiled (no call of tiers._code for them):
    they come from the blob."""
    tiers.stored_lazy_exec(TEXT, _ns(), "<text>")
    calls = []
    real = tiers._code
    monkeypatch.setattr(tiers, "_code", lambda *a, **k: calls.append(a) or real(*a, **k))
    ns = _ns()
    tiers.stored_lazy_exec(TEXT, ns, "<text>")
    assert ns["g"](0.5, 2.0) == 10.0
    assert calls == []


@pytest.mark.parametrize("damage", ["flip", "truncate", "other key"])
def test_a_damaged_or_planted_blob_is_a_miss(folder, damage):
    """A blob with a flipped byte, cut short, or signed under another folder's key (a
    file copied or planted there) is a miss: the text is compiled again (the right
    values) and the blob written again."""
    tiers.stored_lazy_exec(TEXT, _ns(), "<text>")
    (path,) = _blob_files(folder)
    raw = path.read_bytes()
    if damage == "flip":
        path.write_bytes(raw[:40] + bytes([raw[40] ^ 1]) + raw[41:])
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "other key":
        (folder / cache.KEY_NAME).write_bytes(os.urandom(32))
        cache._keys.clear()
    ns = _ns()
    tiers.stored_lazy_exec(TEXT, ns, "<text>")
    assert ns["g"](0.5, 2.0) == 10.0 and ns["SCALE"] == 3.0
    assert path.read_bytes() != raw if damage == "other key" else path.read_bytes() == raw


def test_without_the_disk_cache_nothing_is_written(tmp_path, monkeypatch):
    """``QSYM_CACHE=0``: lazy_exec as before (each function compiled at its first call),
    no blob anywhere."""
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("QSYM_CACHE", "0")
    ns = _ns()
    tiers.stored_lazy_exec(TEXT, ns, "<text>")
    assert ns["g"](0.5, 2.0) == 10.0
    assert not (tmp_path / "cache" / tiers.CODE_BLOBS).exists()


def test_the_kernel_twins_from_the_blob_are_the_twins_compiled_from_their_text(
        folder, monkeypatch):
    """The kernel twins built twice on one cache folder (the first build compiles and
    saves them, the second loads them) and once with the disk cache off (each function
    compiled from its text at its first call, as before): every function of the twins'
    text has the same code in all three, and a twin gives the same bits in all three (a
    dense one-wire gate on a random 3-wire state)."""
    import json

    builds = []
    for off in (False, False, True):
        if off:
            monkeypatch.setenv("QSYM_CACHE", "0")
        monkeypatch.setattr(tiers, "_twins", None)
        builds.append(tiers._kernel_twins())
        assert builds[-1], "no kernel twins"
    assert len(_blob_files(folder)) == 1
    source = json.loads(tiers.KERNEL_TWINS.read_text())["source"]
    names = [name for name, _, _ in tiers.split_functions(source)[1]]
    rng = np.random.default_rng(5)
    state = rng.normal(size=8) + 1j * rng.normal(size=8)
    mats = rng.normal(size=8) + 1j * rng.normal(size=8)
    outs = []
    for twins in builds:
        b = state.copy()
        twins["apply_dense1"](b, 3, 1, mats, 2)
        outs.append(b.tobytes())
    assert outs[0] == outs[1] == outs[2]
    # what the blob holds: each function's code is the compile of its text
    import marshal

    assert len(_blob_files(folder)) == 1
    monkeypatch.delenv("QSYM_CACHE")
    table = tiers.stored_code_tail(tiers._twins_key(), None)
    assert sorted(table["functions"]) == sorted(set(names))
    for name, first_line, chunk in tiers.split_functions(source)[1]:
        got = marshal.loads(cache.tail_part(table["tail"], *table["functions"][name]))
        ref = tiers._code(chunk, str(tiers.KERNEL_TWINS), first_line, False)
        assert (got.co_code, got.co_consts, got.co_names, got.co_firstlineno) == (
            ref.co_code, ref.co_consts, ref.co_names, ref.co_firstlineno), name


def _new_process(monkeypatch):
    """What a new process knows of file digests: nothing in memory."""
    monkeypatch.setattr(cache, "_file_digests", {})
    monkeypatch.setattr(cache, "_digest_memo", None)


def test_a_file_digest_is_kept_across_processes_while_the_file_is_unchanged(
        folder, tmp_path, monkeypatch):
    """cache.file_digest: a second process takes the digest from the cache folder's memo
    (the file is not hashed again) while the file's size, modification time, inode and
    device are the same; an edit of the same size (a new modification time) or a
    replaced file gives the new file's SHA-256 (hashlib's, computed here)."""
    import hashlib

    # (a file changed within DIGEST_RACY_NS of its hashing is not kept: tests/test_adversarial_c.py)
    monkeypatch.setattr(cache, "DIGEST_RACY_NS", -10**18)
    path = tmp_path / "source.py"
    path.write_bytes(b"x = 1\n")
    sha = hashlib.sha256(b"x = 1\n").hexdigest()
    _new_process(monkeypatch)
    assert cache.file_digest(path) == sha
    _new_process(monkeypatch)
    hashed = []
    real = hashlib.sha256
    monkeypatch.setattr(cache.hashlib, "sha256",
                        lambda *a: hashed.append(a) or real(*a))
    assert cache.file_digest(path) == sha
    assert (b"x = 1\n",) not in hashed  # from the memo, not hashed again
    monkeypatch.setattr(cache.hashlib, "sha256", real)
    st = os.stat(path)
    path.write_bytes(b"x = 2\n")  # the same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 2\n").hexdigest()
    replaced = tmp_path / "other.py"
    replaced.write_bytes(b"x = 3\n")
    os.replace(replaced, path)
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 3\n").hexdigest()
    # a damaged memo is a miss, not an error
    (memo,) = (folder / cache.DIGEST_MEMO).glob("*.bin")
    memo.write_bytes(memo.read_bytes()[:-3])
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 3\n").hexdigest()


def test_a_later_process_builds_the_twins_from_the_blob_alone(folder, monkeypatch):
    """The kernel twins' second build on a folder (a later process: no digests in memory)
    reads neither the shipped twins file nor its text's digest: the blob, kept under the
    digests of that file and of its sources, holds the code and the names to rebind; the
    same functions and bits as the first build, which read and checked the file."""
    import json

    monkeypatch.setattr(tiers, "_twins", None)
    first = tiers._kernel_twins()
    assert first, "qsym/kernel_twins.json missing or stale"
    _new_process(monkeypatch)
    monkeypatch.setattr(tiers, "_twins", None)

    def no_json(*args, **kwargs):
        raise AssertionError("the twins file was parsed")

    monkeypatch.setattr(json, "loads", no_json)
    second = tiers._kernel_twins()
    monkeypatch.undo()
    assert sorted(second) == sorted(first)
    rng = np.random.default_rng(7)
    state = rng.normal(size=8) + 1j * rng.normal(size=8)
    mats = rng.normal(size=8) + 1j * rng.normal(size=8)
    outs = []
    for twins in (first, second):
        b = state.copy()
        twins["apply_dense1"](b, 3, 1, mats, 2)
        outs.append(b.tobytes())
    assert outs[0] == outs[1]
    # every numba function of the kernels the twins do not replace is its py_func, bound
    # to the twins' namespace, in both builds
    from qsym import _kernels as kernels

    rebound = 0
    for name, value in vars(kernels).items():
        py = getattr(value, "py_func", None)
        if py is not None and py.__globals__ is vars(kernels) and getattr(
                first[name], "__code__", None) is py.__code__:
            assert second[name].__code__ is py.__code__ and \
                second[name].__globals__ is second, name
            rebound += 1
    assert rebound > 50


def test_twins_edited_after_their_blob_was_kept_are_read_and_refused(
        folder, tmp_path, monkeypatch):
    """A twins file whose blob a process kept, then edited in place with its digest line
    left as it was (a hand edit): the next process's key (the file's SHA-256) differs, so
    the file is read and checked again, and refused (no twins), not run from the blob."""
    import json

    twins_file = tmp_path / "kernel_twins.json"
    twins_file.write_text(tiers.KERNEL_TWINS.read_text())
    monkeypatch.setattr(tiers, "KERNEL_TWINS", twins_file)
    monkeypatch.setattr(tiers, "_twins", None)
    assert tiers._kernel_twins().get("apply_dense1") is not None
    shipped = json.loads(twins_file.read_text())
    twins_file.write_text(json.dumps(dict(
        shipped, source=shipped["source"] + "\n\ndef apply_dense1(*args):\n    return None\n")))
    _new_process(monkeypatch)
    monkeypatch.setattr(tiers, "_twins", None)
    assert tiers._kernel_twins() == {}


def test_files_read_before_the_first_answer_are_marked_after_it(folder, monkeypatch):
    """A blob read before the process's first answer is not marked as used on the spot
    (no thread started in the first answer): it waits until ``start_touching`` (the first
    answer), then the touch thread marks it; one never started is marked at exit."""
    import threading

    marked, done = [], threading.Event()

    def touch(path):
        marked.append(str(path))
        done.set()

    monkeypatch.setattr(cache, "_touch", touch)
    monkeypatch.setattr(cache, "_soon", None)
    monkeypatch.setattr(cache, "_soon_go", False)
    monkeypatch.setattr(cache, "_soon_pending", [])
    cache.save_blob("doctest", "waits", b"\x01")
    cache.save_blob("doctest", "at exit", b"\x02")
    assert cache.load_blob("doctest", "waits") == b"\x01"
    path = str(cache._blob_path("doctest", "waits"))
    assert cache._soon is None and cache._soon_pending == [cache._blob_path("doctest", "waits")]
    cache._touch_left()  # (what exit does)
    assert marked == [path] and cache._soon_pending == []
    marked.clear()
    done.clear()
    assert cache.load_blob("doctest", "at exit") == b"\x02"
    cache.start_touching()
    assert done.wait(30) and marked == [str(cache._blob_path("doctest", "at exit"))]
    assert cache._soon_pending == [] and cache._soon is not None


@pytest.mark.parametrize("damage", ["signed", "tail", "truncate", "plain"])
def test_a_blob_with_a_tail_uses_only_bytes_its_signature_vouches_for(folder, damage):
    """cache.save_blob_tail signs its data (here the tail's digest), not its tail: a flipped
    byte in the signed part, a cut file, or a plain blob under its name is a miss; a
    flipped byte in the tail keeps the signed data but its part is refused by tail_part."""
    import hashlib

    tail = bytes(range(100))
    cache.save_blob_tail("doctest", "k", hashlib.sha256(tail[10:30]).digest(), tail)
    path = cache._blob_path("doctest", "k")
    raw = path.read_bytes()
    if damage == "signed":
        path.write_bytes(raw[:20] + bytes([raw[20] ^ 1]) + raw[21:])
    elif damage == "tail":
        path.write_bytes(raw[:-80] + bytes([raw[-80] ^ 1]) + raw[-79:])
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) - len(tail) - 5])
    else:
        cache.save_blob("doctest", "k", b"plain")
        assert cache.load_blob_tail("doctest", "k") is None
        cache.save_blob_tail("doctest", "k", b"d", b"t")
        assert cache.load_blob("doctest", "k") is None
        return
    found = cache.load_blob_tail("doctest", "k")
    if damage != "tail":
        assert found is None
        return
    data, got = found
    assert cache.tail_part(got, 10, 20, data) is None  # (byte 20 of the tail flipped)
    assert cache.tail_part(got, 30, 20, data) is None  # (another part, the same digest)


def test_a_twin_whose_kept_bytes_do_not_match_is_compiled_from_its_text(folder, monkeypatch):
    """The kernel twins' blob with one function's bytes flipped in its tail: that function
    is compiled from the shipped text at its first call (the same code, the same bits),
    never unmarshalled from the damaged bytes."""
    monkeypatch.setattr(tiers, "_twins", None)
    first = tiers._kernel_twins()
    table = tiers.stored_code_tail(tiers._twins_key(), None)
    offset, length, _ = table["functions"]["apply_dense1"]
    (path,) = _blob_files(folder)
    raw = bytearray(path.read_bytes())
    at = len(raw) - len(table["tail"]) + offset + length // 2
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    _new_process(monkeypatch)
    monkeypatch.setattr(tiers, "_twins", None)
    texts = []
    real = tiers._twin_from_text
    monkeypatch.setattr(tiers, "_twin_from_text", lambda name: texts.append(name) or real(name))
    second = tiers._kernel_twins()
    rng = np.random.default_rng(9)
    state = rng.normal(size=8) + 1j * rng.normal(size=8)
    mats = rng.normal(size=8) + 1j * rng.normal(size=8)
    outs = []
    for twins in (first, second):
        b = state.copy()
        twins["apply_dense1"](b, 3, 1, mats, 2)
        outs.append(b.tobytes())
    assert outs[0] == outs[1] and texts == ["apply_dense1"]


def test_a_gate_kinds_code_is_compiled_once_per_folder(folder, monkeypatch):
    """A gate kind's code (qsym._interp.kind_function) in a later process is unmarshalled
    from the blob the first one kept (written after its first answer, or at its exit:
    not in the answer's path): the code Python's compile makes of its text (the
    same bytecode, constants and names), the same entries (checked against the gate's
    matrix by hand), nothing compiled; a damaged blob is compiled again; with the disk
    cache off nothing is kept."""
    import marshal

    from qsym import _interp

    compiled = []
    real = tiers.python_code
    monkeypatch.setattr(tiers, "python_code",
                        lambda text, filename: compiled.append(filename) or real(text, filename))
    # (a process before its first answer: the blob's write waits, done here by hand)
    monkeypatch.setattr(cache, "_soon", None)
    monkeypatch.setattr(cache, "_soon_go", False)
    monkeypatch.setattr(cache, "_soon_pending", [])
    for attempt in ("first", "second", "damaged", "off"):
        cache._touch_left()
        if attempt == "damaged":
            for path in _blob_files(folder):
                raw = path.read_bytes()
                path.write_bytes(raw[:30] + bytes([raw[30] ^ 1]) + raw[31:])
        if attempt == "off":
            monkeypatch.setenv("QSYM_CACHE", "0")
        monkeypatch.setattr(_interp, "_kinds", {})
        compiled.clear()
        f = _interp.kind_function(("RY", 1, ()))
        out = np.zeros(4, dtype=complex)
        f(np.array([0.5]), out, 0)
        c, s = np.cos(0.25), np.sin(0.25)
        assert np.allclose(out, [c, -s, s, c], atol=1e-15, rtol=0)
        assert compiled == ([] if attempt == "second" else ["<qsym gate kind RY>"]), attempt
    assert cache._soon_pending == [] and cache._soon is None  # (nothing written when off)
    monkeypatch.delenv("QSYM_CACHE")
    (path,) = _blob_files(folder)
    text = _interp.emit.gate_body("RY", 1, ())
    ref = real("def _q_kind(p, out, off):\n    p0 = p[0]\n" + "".join(
        f"    {line}\n" for line in text) + "    return None\n", "<qsym gate kind RY>")
    raw = path.read_bytes()
    got = marshal.loads(raw[8 + int.from_bytes(raw[:8], "little"):-(len(cache._TRAILER) + 32)])
    assert (got.co_code, got.co_consts, got.co_names) == (ref.co_code, ref.co_consts,
                                                          ref.co_names)
