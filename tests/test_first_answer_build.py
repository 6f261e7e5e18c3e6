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
