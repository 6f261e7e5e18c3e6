"""Adversarial review, stop 58 (benchmarks/results/adversarial-2026-12-06c.md): what changed
since the stop-57 round. Planted files of the cache folder's new formats (the signed blobs
of marshalled code, ``qsym._cache.save_blob`` / ``qsym._tiers.stored_lazy_exec``, and the
file digest memo), bad input on the new PennyLane API surface, threads and forks.

Expected numbers are written by hand, or PennyLane 0.45.1's (run in /work/plvenv, said so).
"""

from __future__ import annotations

import hashlib
import marshal
import os

import numpy as onp
import pytest

import qsym as qml
from qsym import _cache as cache
from qsym import _tiers as tiers
from qsym import templates
from qsym.errors import ArgumentError, WireError

# --- planted cache files: the signed blobs of marshalled code ---------------------------------
TEXT = "def f(x):\n    return 2.0 * x\n\n\nY = f(3.0)\n"
OTHER = "def f(x):\n    return 5.0 * x\n\n\nY = f(3.0)\n"  # another circuit's text


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.setattr(cache, "_keys", {})
    return tmp_path / "cache"


def _run(text=TEXT):
    ns = {}
    tiers.stored_lazy_exec(text, ns, "<t>")
    return ns["Y"], ns["f"](1.0)


def _blob(folder, text=TEXT):
    """The blob file of ``text`` (the only one of ``code/`` after its first run)."""
    before = set((folder / tiers.CODE_BLOBS).glob("*.bin"))
    _run(text)
    (path,) = set((folder / tiers.CODE_BLOBS).glob("*.bin")) - before
    return path


def _evil_table():
    """What a planter would want unmarshalled and run: code giving other numbers."""
    rest = compile("Y = 666.0\n", "<t>", "exec")
    f = compile("def f(x):\n    return 666.0 * x\n", "<t>", "exec")
    return marshal.dumps({"rest": marshal.dumps(rest), "functions": {"f": marshal.dumps(f)}})


def _plant(folder, path, how, monkeypatch):
    raw = path.read_bytes()
    end = len(raw) - cache._DIGEST_SIZE - len(cache._TRAILER)
    body = raw[:end]
    key_len = int.from_bytes(body[:8], "little")
    evil_body = body[:8 + key_len] + _evil_table()
    if how == "truncated":
        path.write_bytes(raw[:len(raw) // 2])
    elif how == "unsigned":  # the right form, no valid signature
        path.write_bytes(evil_body + cache._TRAILER + b"\x00" * cache._DIGEST_SIZE)
    elif how == "signed under another key":  # a blob made with another folder's key
        other = os.urandom(32)
        path.write_bytes(evil_body + cache._TRAILER
                         + cache._mac(other, b"blob", b"code", evil_body))
    elif how == "another circuit's blob":  # valid, signed here, under another key
        path.write_bytes(_blob(folder, OTHER).read_bytes())
    elif how == "another kind's blob":  # valid, signed here, the same key, kind "digests"
        k = path.read_bytes()[8:8 + key_len].decode()
        cache.save_blob("digests", k, _evil_table())
        path.write_bytes(cache._blob_path("digests", k).read_bytes())
    elif how == "a link to a valid blob":  # never followed
        copy = folder.parent / "copy.bin"
        copy.write_bytes(raw)
        path.unlink()
        path.symlink_to(copy)
    return raw


@pytest.mark.parametrize("how", ["truncated", "unsigned", "signed under another key",
                                 "another circuit's blob", "another kind's blob",
                                 "a link to a valid blob"])
def test_a_planted_blob_is_never_unmarshalled(folder, how, monkeypatch):
    """Each planted blob is a miss: its bytes are never given to ``marshal.loads`` (the
    signature of the kind, the key and the data is checked first), the text is compiled
    again (f(x) = 2x: Y = 6, f(1) = 2, by hand) and a good blob written in its place."""
    path = _blob(folder)
    raw = _plant(folder, path, how, monkeypatch)
    planted = _table(path.read_bytes() if not path.is_symlink() else raw)
    ours = _table(raw)
    seen = []
    real = marshal.loads
    monkeypatch.setattr(marshal, "loads", lambda data, *a: seen.append(bytes(data))
                        or real(data, *a))
    assert _run() == (6.0, 2.0)
    # neither the planted table nor a code object in it (only this process's own code)
    assert not any(data == planted or (data in planted and data not in ours)
                   for data in seen)
    assert not path.is_symlink() and path.read_bytes() == raw  # written again, ours


def _table(raw):
    """The data of a blob file: what follows the key, before the trailer."""
    key_len = int.from_bytes(raw[:8], "little")
    end = raw.rfind(cache._TRAILER)
    return raw[8 + key_len:end if end > 0 else len(raw)]


def test_a_key_others_can_read_is_replaced(folder):
    """The folder key is a secret: a key file others could read (mode 644: a folder
    restored or copied with its modes) may have been read, so it signs nothing: it is
    replaced by a new one (mode 600) and what the old key signed is a miss. Before, a
    readable key was used as it was."""
    cache.save_blob("doctest", "k", b"data")
    key = folder / cache.KEY_NAME
    old = key.read_bytes()
    key.chmod(0o644)
    cache._keys.clear()
    assert cache.load_blob("doctest", "k") is None
    assert key.read_bytes() != old and (key.stat().st_mode & 0o777) == 0o600
    cache.save_blob("doctest", "k", b"data")
    cache._keys.clear()
    assert cache.load_blob("doctest", "k") == b"data"


def test_a_linked_key_is_replaced_not_followed(folder):
    """A key file that is a link (to a file holding the very key, mode 600) is not read
    through the link: a new key in its place, the target left as it was."""
    cache.save_blob("doctest", "k", b"data")
    key = folder / cache.KEY_NAME
    target = folder.parent / "elsewhere.key"
    target.write_bytes(key.read_bytes())
    target.chmod(0o600)
    key.unlink()
    key.symlink_to(target)
    cache._keys.clear()
    assert cache.load_blob("doctest", "k") is None
    assert not key.is_symlink() and key.read_bytes() != target.read_bytes()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0,
                    reason="giving a file to another user needs root")
def test_a_key_of_another_user_is_replaced(folder):
    cache.save_blob("doctest", "k", b"data")
    key = folder / cache.KEY_NAME
    os.chown(key, 65534, 65534)
    cache._keys.clear()
    with pytest.warns(cache.CacheWarning, match="belongs to another user"):
        assert cache.load_blob("doctest", "k") is None
    assert key.stat().st_uid == 0


# --- the file digest memo: a stamp that matches a changed file --------------------------------
def _new_process(monkeypatch):
    monkeypatch.setattr(cache, "_file_digests", {})
    monkeypatch.setattr(cache, "_digest_memo", None)


def _rewrite_keeping_mtime(path, data):
    """An edit in place (same inode) of the same size, the modification time set back."""
    st = os.stat(path)
    with open(path, "r+b") as fh:
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    return st


def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(folder, tmp_path,
                                                                  monkeypatch):
    """"Racy git": a file hashed in the timestamp tick it was written in may be changed
    again in that tick with the same size, and keep its stamp (1-2 s ticks on some file
    systems). Such a digest is not kept across processes: the next process hashes the
    file and gets the new content's SHA-256 (hashlib's). Before, the memo's old digest."""
    path = tmp_path / "source.py"
    path.write_bytes(b"x = 1\n")
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 1\n").hexdigest()
    _rewrite_keeping_mtime(path, b"x = 2\n")
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 2\n").hexdigest()


def test_a_file_rewritten_with_its_old_modification_time_is_hashed_again(
        folder, tmp_path, monkeypatch):
    """Size, modification time, inode and device can all be kept by an edit in place
    (``os.utime``, ``touch -d``, a tool restoring times); the status-change time cannot
    be set back, so it is in the stamp: the new content's SHA-256. Before, the old one."""
    monkeypatch.setattr(cache, "DIGEST_RACY_NS", -10**18, raising=False)  # (kept at once)
    path = tmp_path / "source.py"
    path.write_bytes(b"x = 1\n")
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 1\n").hexdigest()
    st = _rewrite_keeping_mtime(path, b"x = 2\n")
    if os.stat(path).st_ctime_ns == st.st_ctime_ns:
        pytest.skip("the file system's status-change time did not move (coarse ticks)")
    _new_process(monkeypatch)
    assert cache.file_digest(path) == hashlib.sha256(b"x = 2\n").hexdigest()


# --- bad input on the new PennyLane API surface ------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: qml.ctrl(qml.RX(0.1, 0), [[1]]),
    lambda: qml.ops.op_math.Controlled(qml.RX(0.1, 0), [[1]]),
    lambda: qml.ops.op_math.Controlled(qml.RX(0.1, 0), [1], work_wires=[[2]]),
    lambda: qml.ctrl(qml.RX(0.1, 0), [1], work_wires=[[2]]),
    lambda: qml.ControlledSequence(qml.RX(0.25, 2), control=[[0]]),
], ids=["ctrl", "Controlled", "Controlled work_wires", "ctrl work_wires", "ControlledSequence"])
def test_an_unhashable_control_or_work_wire_is_a_wire_error(make):
    """PennyLane 0.45.1 (run in /work/plvenv): ``WireError: Wires must be hashable; got
    [[1]].`` for each; qsym's was a bare ``TypeError: unhashable type: 'list'`` from a set
    of the control or work wires (the control wires of qml.ctrl, its work wires, and
    ControlledSequence's controls)."""
    with pytest.raises(WireError, match="Wires must be hashable"):
        make()


def test_a_repeated_control_of_a_controlled_sequence_is_a_wire_error():
    """PennyLane 0.45.1: ``WireError: Wires must be unique; got [0, 0].``"""
    with pytest.raises(WireError, match=r"unique; got \[0, 0\]"):
        qml.ControlledSequence(qml.RX(0.25, 2), control=[0, 0])


def test_an_object_array_argument_names_what_it_holds():
    """An object array of ints as a QNode's argument: a specific error saying what it is
    and what to pass (it said "is not numeric (an array of int)" of ints)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.RX(x[0], 0)
        return qml.expval(qml.Z(0))

    with pytest.raises(ArgumentError, match=r"dtype=object \(holding int\).*dtype=float"):
        c(onp.array([1, 0], dtype=object))


def test_the_qft_of_more_than_1024_wires_has_pennylanes_angles(monkeypatch):
    """QFT's controlled phases are pi / 2**k; past k = 1023 the float is subnormal, then 0
    (PennyLane 0.45.1's decomposition of QFT(wires=range(1030)): ControlledPhaseShift
    (5.46115288092257e-310) on wires [1029, 0]). qsym's ``np.pi / 2 ** k`` of the int 2**k
    was an ``OverflowError`` from 1025 wires. The gates are collected, not made (0.3 s)."""
    angles = {}
    monkeypatch.setattr(templates, "_gate", lambda name, *p, wires: angles.__setitem__(
        tuple(wires), p) if name == "ControlledPhaseShift" else None)
    templates._fourier_gates(tuple(range(1030)), 1029)
    assert angles[(1029, 0)] == (5.46115288092257e-310,)
    assert angles[(1, 0)] == (onp.pi / 2,) and angles[(21, 1)] == (onp.pi / 2 ** 20,)
    assert angles[(1029, 4)] == (onp.pi * 2.0 ** -1025,)  # (a subnormal, rounded once)


def test_a_template_of_many_gates_keeps_one_list_of_them():
    """Each gate of a template remembered the template's gates as a tuple of its own: n
    gates, n tuples of n (QFT of 60 wires: 27 MiB; of 200 wires, 20 000 gates, 49 s and
    3 GB). One tuple shared: the QFT of 60 wires in well under 8 MiB (tracemalloc's peak)."""
    import tracemalloc

    qml.QFT(wires=range(3))
    tracemalloc.start()
    try:
        op = qml.QFT(wires=range(60))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(op.decomposition()) == 60 + 60 * 59 // 2 + 30  # H, phases, SWAPs (by hand)
    assert peak < 8 * 2**20


# --- threads and forks -------------------------------------------------------------------------
# (the fork test moved to test_adversarial_d.py: every lock of qsym, not five)


def test_all_wires_keeps_pennylanes_order_and_labels():
    """``Wires.all_wires`` (qml.ctrl's and templates' wire union) as a dict, not a list
    searched per wire (qml.ctrl of 10**5 control wires: 198 s -> 0.4 s, load 15): the same
    answers as PennyLane 0.45.1's (run in /work/plvenv): first appearance, sorted on
    request, 1, 1.0 and True one label."""
    from qsym.wires import Wires

    assert Wires.all_wires([Wires([2, 0]), Wires([0, 1]), Wires([1, 3, 2])]).tolist() == [
        2, 0, 1, 3]
    assert Wires.all_wires([Wires([2, 0]), Wires([1])], sort=True).tolist() == [0, 1, 2]
    assert Wires.all_wires([Wires([1]), Wires([1.0]), Wires([True])]).tolist() == [1]
    assert len(qml.ctrl(qml.X(-1), control=range(3000)).wires) == 3001
