"""A new circuit's build (issue #17, stop 62): the traced inputs' symbols made without
sympy's constructor, a tensor's elements and the gates made on them without the
constructor's generic path. Each shortcut must give what the general path gives: the
references here are sympy's own ``Symbol.__new__`` and PennyLane's tensor semantics
(``pennylane.numpy``: an element keeps its array's ``requires_grad``; ``op.data`` holds
the tensor given)."""

import pickle

import numpy
import pytest
import sympy as sp

import qsym as qml
from qsym import _trace as trace
from qsym import numpy as np
from qsym._trace import TracedSymbol


def _slots(obj) -> dict:
    return {s: getattr(obj, s) for k in type(obj).__mro__
            for s in getattr(k, "__slots__", ()) if s != "__dict__" and hasattr(obj, s)}


@pytest.mark.parametrize("name", ["x", "w[0, 3, 1]", "_constant0", "θ"])
def test_traced_symbols_are_what_sympys_constructor_makes(name):
    made = TracedSymbol(name)
    sympys = sp.Symbol.__new__(TracedSymbol, name, real=True)  # the reference
    assert type(made) is TracedSymbol
    assert made == sympys and hash(made) == hash(sympys)
    assert _slots(made) == _slots(sympys) and vars(made) == vars(sympys)
    assert sp.srepr(made) == sp.srepr(sympys) == f"TracedSymbol({name!r}, real=True)"
    assert (made.is_real, made.is_positive, made.is_commutative, made.is_finite) == (
        sympys.is_real, sympys.is_positive, sympys.is_commutative, sympys.is_finite)
    assert pickle.loads(pickle.dumps(made)) == made
    # arithmetic and derivatives see one symbol
    assert sp.diff(sp.sin(2 * made) + made * sympys, sympys) == 2 * sp.cos(2 * made) + 2 * made


def test_traced_symbols_take_the_direct_path_with_this_sympy():
    """With the installed sympy the direct maker is chosen (its probe matched)."""
    TracedSymbol("probe me")
    assert trace._SYMBOL_MAKERS[TracedSymbol].__name__ == "direct"


def test_a_sympy_that_sets_more_fields_keeps_its_own_constructor(monkeypatch):
    """If sympy's constructor sets anything the direct maker does not (another sympy
    version), the maker is sympy's own: the symbol is not a partial copy."""
    original = sp.Symbol.__new__

    class Marked(TracedSymbol):
        pass

    def marking(cls, name, **assumptions):
        obj = original(cls, name, **assumptions)
        if cls is Marked:
            obj.__dict__["marked"] = True
        return obj

    monkeypatch.setattr(sp.Symbol, "__new__", marking)
    s = Marked("m")
    assert trace._SYMBOL_MAKERS[Marked].__name__ == "sympys"
    assert vars(s) == {"marked": True} and s == Marked("m") and s.is_real


def test_a_bad_symbol_name_is_refused_as_sympy_refuses_it():
    with pytest.raises(TypeError, match="name should be a string"):
        TracedSymbol(3)


@pytest.mark.parametrize("trainable", [True, False])
def test_a_tensor_element_is_a_tensor_with_its_arrays_flag(trainable):
    """PennyLane's rule: ``x[0]`` of a tensor is a 0-d tensor with the array's
    ``requires_grad`` (checked in /work/plvenv: ``pennylane.numpy``)."""
    t = np.array([[0.25, -1.5], [2.0, 3.0]], requires_grad=trainable)
    e = t[1, 0]
    assert type(e) is np.tensor and e.shape == () and e.dtype == numpy.float64
    assert e.requires_grad is trainable and float(e) == 2.0
    row = t[0]  # an array part is NumPy's view, with the flag
    assert type(row) is np.tensor and row.requires_grad is trainable
    assert row.tolist() == [0.25, -1.5]
    ints = np.array([1, 2], requires_grad=False)[1]
    assert ints.dtype == numpy.int64 and int(ints) == 2 and ints.requires_grad is False


def test_a_gate_on_tensor_elements_keeps_them_in_its_data():
    """``op.data`` holds the 0-d tensors given (PennyLane: a tape's trainable parameters),
    plain numbers as numbers, and a broadcast parameter's array."""
    t = np.array([0.1, 0.2, 0.3], requires_grad=True)
    op = qml.Rot(t[0], 0.5, t[2], wires=0)
    data = op.data
    assert [type(d) for d in data] == [np.tensor, float, np.tensor]
    assert data[0].requires_grad and float(data[0]) == 0.1 and float(data[2]) == 0.3
    phi = numpy.array([0.1, 0.2])
    b = qml.RX(phi, wires=0)
    assert b.data[0] is phi and b.batch_size == 2


def test_the_replays_on_a_trainable_array_give_parameter_shift_by_hand():
    """A circuit called on a trainable tensor (the replay indexes its elements): value and
    gradient worked out by hand, <Z> of RY(b) RX(a) |0> = cos(a) cos(b)."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(w):
        qml.RX(w[0, 0], wires=0)
        qml.RY(w[1, 0], wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    w = np.array([[0.3, 0.0], [-0.7, 0.0]], requires_grad=True)
    a, b = 0.3, -0.7
    assert c(w) == pytest.approx(numpy.cos(a) * numpy.cos(b), abs=1e-14)
    g = qml.grad(c)(w)
    want = [[-numpy.sin(a) * numpy.cos(b), 0.0], [-numpy.cos(a) * numpy.sin(b), 0.0]]
    assert numpy.allclose(g, want, atol=1e-14, rtol=0)


# --- a built-in gate kind's code found by name (qsym._interp.kind_function) --------------
@pytest.fixture
def kinds_folder(tmp_path, monkeypatch):
    """A new cache folder, and a process before its first answer whose blobs are written
    at once (by hand here), with no kind function made yet."""
    from qsym import _cache as cache
    from qsym import _interp

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QSYM_CACHE", raising=False)
    monkeypatch.setattr(cache, "_soon", None)
    monkeypatch.setattr(cache, "_soon_go", False)
    monkeypatch.setattr(cache, "_soon_pending", [])
    monkeypatch.setattr(_interp, "_kinds", {})
    # the shipped table as a fresh process has it (read from the file at the first miss):
    # an earlier test's monkeypatched table, restored, is no longer the one its index was
    # read with (cache._index_table), and a table set for the process gives no name keys
    monkeypatch.setattr(cache, "_shipped", None)
    monkeypatch.setattr(cache, "_index", {})
    monkeypatch.setattr(cache, "_index_table", None)
    monkeypatch.setattr(cache, "_sources_key", None)
    return tmp_path / "cache"


def _write_soon_blobs(variant):
    """The blobs waiting to be written, written (by hand, or by the touch thread if a
    kernel warm-up of an earlier test started it meanwhile: waited for)."""
    import time

    from qsym import _cache as cache
    from qsym import _interp

    cache._touch_left()
    key = _interp._named_kind_key(variant)
    deadline = time.monotonic() + 10
    while _interp._kept_code(key) is None and time.monotonic() < deadline:
        time.sleep(0.01)


def _ry_entries(f, theta):
    out = numpy.zeros(4, dtype=complex)
    f(numpy.array([theta]), out, 0)
    return out


def test_a_kept_builtin_kind_is_found_without_reading_the_gate_code(kinds_folder,
                                                                     monkeypatch):
    """A later process runs RY's kind from the code kept by name: the shipped table and
    its index are not read and no text is printed or compiled; the entries are RY's
    matrix worked out by hand: [[c, -s], [s, c]] at half the angle."""
    from qsym import _cache as cache
    from qsym import _emit as emit
    from qsym import _interp
    from qsym import _tiers as tiers

    first = _interp.kind_function(("RY", 1, ()))
    _write_soon_blobs(("RY", 1, ()))
    c, s = numpy.cos(0.35), numpy.sin(0.35)
    assert numpy.allclose(_ry_entries(first, 0.7), [c, -s, s, c], atol=1e-15, rtol=0)
    # a new process: nothing made, no file of the shipped table or index read
    monkeypatch.setattr(_interp, "_kinds", {})
    monkeypatch.setattr(emit, "gate_body", lambda *a, **k: pytest.fail("gate code read"))
    monkeypatch.setattr(cache, "_read_shipped", lambda: pytest.fail("table read"))
    monkeypatch.setattr(tiers, "python_code", lambda *a: pytest.fail("compiled"))
    again = _interp.kind_function(("RY", 1, ()))
    assert again is not first
    assert numpy.array_equal(_ry_entries(again, 0.7), _ry_entries(first, 0.7))
    assert numpy.array_equal(_ry_entries(again, -2.1), _ry_entries(first, -2.1))


def test_a_kind_kept_by_name_is_not_used_for_other_shipped_files(kinds_folder, monkeypatch):
    """The key names the SHA-256 of the shipped table, its index and their sources: with
    any of them different (an edited index, a new table), the kept code is not found and
    the kind's text is read and compiled again."""
    from qsym import _cache as cache
    from qsym import _interp
    from qsym import _tiers as tiers

    _interp.kind_function(("RZ", 1, ()))
    _write_soon_blobs(("RZ", 1, ()))
    key = _interp._named_kind_key(("RZ", 1, ()))
    assert key is not None and _interp._kept_code(key) is not None
    real_digest = cache.file_digest
    for edited in (cache.SHIPPED_INDEX, cache.SHIPPED_RECORDS):
        monkeypatch.setattr(cache, "_sources_key", None)
        monkeypatch.setattr(cache, "file_digest", lambda path, edited=edited: (
            "0" * 64 if str(path) == str(edited) else real_digest(path)))
        other = _interp._named_kind_key(("RZ", 1, ()))
        assert other is not None and other != key and _interp._kept_code(other) is None
        monkeypatch.setattr(_interp, "_kinds", {})
        compiled = []
        real = tiers.python_code
        monkeypatch.setattr(tiers, "python_code",
                            lambda text, fn: compiled.append(fn) or real(text, fn))
        f = _interp.kind_function(("RZ", 1, ()))
        out = numpy.zeros(2, dtype=complex)
        f(numpy.array([0.5]), out, 0)
        assert numpy.allclose(out, [numpy.exp(-0.25j), numpy.exp(0.25j)], atol=1e-15, rtol=0)
        assert compiled == ["<qsym gate kind RZ>"]
        monkeypatch.setattr(tiers, "python_code", real)
    monkeypatch.setattr(cache, "_sources_key", None)


def test_no_kind_by_name_where_the_name_does_not_say_the_code(kinds_folder, monkeypatch):
    """A gate of the user's, a table set for this process, the disk cache off, or a
    hyperparameter whose repr is not exact: no key by name (the text's key instead)."""
    from qsym import _cache as cache
    from qsym import _interp

    assert _interp._named_kind_key(("RX", 1, ())) is not None
    assert _interp._named_kind_key(("NotAGate", 1, ())) is None
    assert _interp._named_kind_key(("PauliRot", 2, (("pauli_word", "XZ"),))) is not None
    assert _interp._named_kind_key(("PauliRot", 2, (("x", numpy.zeros(3)),))) is None
    old = cache.set_shipped({})
    try:
        assert _interp._named_kind_key(("RX", 1, ())) is None
    finally:
        cache.set_shipped(old)
    monkeypatch.setenv("QSYM_CACHE", "0")
    assert _interp._named_kind_key(("RX", 1, ())) is None
