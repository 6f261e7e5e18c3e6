"""The short paths for hot small circuits: ``qml.grad`` of a QNode of one float64 array
(runtime's grad fast path) and the fused entry points that write into arrays made in
Python. Every test compares with the full path; none measures time."""


import numpy as np
import pytest

import qsym as qml
from qsym import _runtime as runtime
from qsym.errors import ArgumentError, DifferentiationError, TracingError

X1 = np.array([0.54, 0.12])
X2 = np.array([-1.3, 2.2])


def seed_node(diff_method="parameter-shift", measure="expval", shots=None):
    dev = qml.device("default.qubit", wires=1, shots=shots, seed=1)

    @qml.qnode(dev, diff_method=diff_method)
    def circuit(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        if measure == "var":
            return qml.var(qml.PauliZ(0))
        return qml.expval(qml.PauliZ(0))

    return circuit


def full_path_grad(node, *args, **kwargs):
    """The gradient with the fast path switched off."""
    node._grad_fast = None
    out = qml.grad(node, argnum=0)(*args, **kwargs)
    node._grad_fast = None
    return out


class CountClassify:
    """Counts calls of runtime.classify (the full path's argument handling)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = runtime.classify

        def counting(*a, **k):
            self.calls += 1
            return real(*a, **k)

        monkeypatch.setattr(runtime, "classify", counting)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "best"])
def test_fast_path_is_taken_and_gives_the_full_paths_bits(monkeypatch, method):
    node = seed_node(method)
    expected = [full_path_grad(node, x) for x in (X1, X2)]
    count = CountClassify(monkeypatch)
    qml.grad(node, argnum=0)(X1)  # full path, remembered
    assert count.calls == 1
    got = [qml.grad(node, argnum=0)(x) for x in (X1, X2, X1)]
    assert count.calls == 1  # the fast path did not classify again
    for g, e in zip(got, expected + expected[:1]):
        assert type(g) is np.ndarray and g.shape == (2,) and g.dtype == np.float64
        assert np.array_equal(g, e)


def test_results_do_not_alias_each_other():
    """Arrays returned earlier stay as they were (no shared output buffer)."""
    node = seed_node()
    g = qml.grad(node, argnum=0)
    for _ in range(3):
        g(X1)  # the fast path is on
    g1 = g(X1)
    kept = g1.copy()
    g2 = g(X2)
    assert np.array_equal(g1, kept)
    assert not np.shares_memory(g1, g2)
    assert not np.array_equal(g1, g2)


def test_fused_entry_points_return_new_arrays(monkeypatch):
    monkeypatch.setenv("QSYM_TIER", "compiled")  # fused at once (qsym.tiers)
    node = seed_node()
    entry = node.compiled((X1,), {})[0]
    d = np.zeros(0)
    for name in ("value_and_grad", "value_and_grad_adjoint"):
        for _ in range(3):
            getattr(entry, name)(X1, d)
        assert getattr(entry, name).fused is getattr(entry.module, f"fused_{name}_into")
        out1, jac1 = getattr(entry, name)(X1, d)
        keep = out1.copy(), jac1.copy()
        out2, jac2 = getattr(entry, name)(X2, d)
        assert np.array_equal(out1, keep[0]) and np.array_equal(jac1, keep[1])
        assert out1.shape == (1,) and jac1.shape == (1, 2)
        assert not np.shares_memory(out1, out2) and not np.shares_memory(jac1, jac2)
    for _ in range(3):
        entry.value(X1, d)
    v1 = entry.value(X1, d)
    v2 = entry.value(X2, d)
    assert v1.shape == (1,) and not np.shares_memory(v1, v2)
    assert np.isclose(v1[0], np.cos(X1[0]) * np.cos(X1[1]))


def test_into_entry_points_refuse_wrong_output_shapes():
    node = seed_node()
    mod = node.compiled((X1,), {})[0].module
    d = np.zeros(0)
    with pytest.raises(ValueError, match="output arrays"):
        mod.fused_value_and_grad_into(X1, d, np.empty(1), np.empty((1, 3)))
    with pytest.raises(ValueError, match="output arrays"):
        mod.fused_value_and_grad_adjoint_into(X1, d, np.empty(2), np.empty((1, 2)))
    with pytest.raises(ValueError, match="output array"):
        mod.fused_value_into(X1, d, np.empty(2))


@pytest.mark.parametrize("other", [
    pytest.param(lambda: [np.float64(0.54), 0.12], id="list-numpy-scalar-first"),
    pytest.param(lambda: [0.54, 0.12, 0.3], id="list-other-length"),
    pytest.param(lambda: (0.54, 0.12), id="tuple"),
    pytest.param(lambda: X1.astype(np.float32), id="float32"),
    pytest.param(lambda: np.array([0.54, 9.0, 0.12])[::2], id="strided"),
    pytest.param(lambda: qml.numpy.array([0.54, 0.12, 0.3]), id="qsym-tensor-other-shape"),
    pytest.param(lambda: np.array([0.54, 0.12, 0.3]), id="other-shape"),
])
def test_other_inputs_take_the_full_path(monkeypatch, other):
    node = seed_node()
    g = qml.grad(node, argnum=0)
    g(X1)
    g(X1)  # remembered
    count = CountClassify(monkeypatch)
    arg = other()
    got = g(arg)
    assert count.calls == 1
    expected = full_path_grad(node, arg)
    assert np.array_equal(got, expected)
    # and the plain array still gives the same bits afterwards
    assert np.array_equal(g(X1), full_path_grad(node, X1))


def test_keyword_arguments_and_several_arguments_take_the_full_path(monkeypatch):
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(p, scale=1.0):
        qml.RX(scale * p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    qml.grad(c, argnum=0)(X1)
    qml.grad(c, argnum=0)(X1)
    count = CountClassify(monkeypatch)
    g = qml.grad(c, argnum=0)(X1, scale=2.0)
    assert count.calls == 1
    assert np.isclose(g[0], -2 * np.sin(2 * X1[0]) * np.cos(X1[1]))
    g = qml.grad(c, argnum=[0])(X1)  # another argnum: a tuple, as on the full path
    assert isinstance(g, tuple) and np.array_equal(g[0], qml.grad(c, argnum=0)(X1))


def test_argnum_forms_keep_their_shapes():
    node = seed_node()
    plain = qml.grad(node, argnum=0)(X1)
    for _ in range(2):
        a = qml.grad(node, argnum=0)(X1)
        b = qml.grad(node, argnum=[0])(X1)
        c = qml.grad(node, argnum=0)(X1)
    assert np.array_equal(a, plain) and np.array_equal(c, plain)
    assert isinstance(b, tuple) and len(b) == 1 and np.array_equal(b[0], plain)


def test_variance_is_not_on_the_fast_path():
    node = seed_node(measure="var")
    x = X1
    g = [qml.grad(node, argnum=0)(x) for _ in range(3)]
    c0, c1 = np.cos(x[0]) * np.cos(x[1]), None
    # var Z = 1 - <Z>^2: gradient -2 <Z> d<Z>
    d = np.array([-np.sin(x[0]) * np.cos(x[1]), -np.cos(x[0]) * np.sin(x[1])])
    for r in g:
        assert np.allclose(r, -2 * c0 * d, atol=1e-12)
    assert node._grad_fast is None and c1 is None


def test_forward_tracker_and_last_entry_on_the_fast_path():
    node = seed_node()
    g = qml.grad(node, argnum=0)
    g(X1)
    with qml.Tracker(node.device) as tracker:
        g(X2)
    assert (tracker.totals["executions"], tracker.totals["batches"]) == (5, 2)
    assert np.isclose(g.forward, np.cos(X2[0]) * np.cos(X2[1]))
    assert node._last is node.compiled((X2,), {})[0]


def test_errors_on_the_fast_path_are_the_full_paths():
    node = seed_node()
    g = qml.grad(node, argnum=0)
    g(X1)
    g(X1)
    with pytest.raises(ArgumentError, match="NaN"):
        g(np.array([np.nan, 0.1]))
    with pytest.raises(ArgumentError, match="infinite"):
        g(np.array([0.1, np.inf]))
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def outer(p):
        g(X1)  # plain floats, inside a circuit being traced
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(TracingError):
        outer(X1)
    assert np.array_equal(g(X1), full_path_grad(node, X1))


def test_shots_turned_on_later_leave_the_fast_path():
    node = seed_node()
    g = qml.grad(node, argnum=0)
    g(X1)
    g(X1)
    node.device.given_shots = 1000  # sampled from now on
    a = g(X1)
    b = g(X1)
    assert not np.array_equal(a, b)  # two different sample sets
    node.device.given_shots = None
    assert np.array_equal(g(X1), full_path_grad(node, X1))


def test_hybrid_costs_and_second_derivatives_still_use_autograd():
    node = seed_node()
    qml.grad(node, argnum=0)(X1)
    qml.grad(node, argnum=0)(X1)

    def cost(p):
        return node(p) ** 2

    z = np.cos(X1[0]) * np.cos(X1[1])
    d = np.array([-np.sin(X1[0]) * np.cos(X1[1]), -np.cos(X1[0]) * np.sin(X1[1])])
    assert np.allclose(qml.grad(cost, argnum=0)(X1), 2 * z * d, atol=1e-12)
    h = qml.jacobian(qml.grad(node), argnum=0)(X1)
    assert h.shape == (2, 2)
    assert np.allclose(h, [[-z, np.sin(X1[0]) * np.sin(X1[1])],
                           [np.sin(X1[0]) * np.sin(X1[1]), -z]], atol=1e-10)


def test_grad_copies_the_wrapped_functions_attributes():
    node = seed_node()
    g = qml.grad(node)
    assert g.__name__ == "<grad: circuit>" and g.__wrapped__ is node  # PennyLane's name
    assert g.__doc__ == node.__doc__ and g.__module__ == node.__module__

    def f(x):
        """doc of f"""
        return x

    h = qml.grad(f)
    assert (h.__name__, h.__doc__, h.__qualname__, h.__wrapped__) == (
        "<grad: f>", "doc of f", f.__qualname__, f)
    with pytest.raises(DifferentiationError):
        qml.grad(3)


def test_a_qnodes_derivative_reads_its_docstring_from_the_qnode():
    """``qml.grad(circuit)`` (made per call in the seed's spelling) does not store its
    QNode's ``__doc__`` (read from the QNode when asked): the values
    are ``functools.update_wrapper``'s all the same, for grad, jacobian and hessian and a
    subclass; the classes keep their own docstrings, module and annotations (pickle,
    ``typing.get_type_hints``); a missing attribute is an AttributeError naming it."""
    import functools
    import pickle
    import typing

    def f(p: float):
        """doc of the circuit"""
        qml.RX(p[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(f, qml.device("default.qubit", wires=1))

    class MyGrad(qml.grad):
        """my own derivative"""

    for cls in (qml.grad, qml.jacobian, qml.hessian, MyGrad):
        d = cls(node)
        ref = type("Ref", (), {})()
        functools.update_wrapper(ref, node, updated=())
        for name in ("__module__", "__qualname__", "__doc__", "__annotations__"):
            assert getattr(d, name) == getattr(ref, name), (cls, name)
        assert "__doc__" not in vars(d)
        assert d.__wrapped__ is node
        with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
            getattr(d, "nothing_here")
    assert qml.grad.__doc__.startswith("The gradient of a scalar-valued function")
    assert MyGrad.__doc__ == "my own derivative" and MyGrad.__module__ == __name__
    assert qml.jacobian.__doc__ == qml.jacobian.__dict__["__doc__"].value
    assert type(qml.grad.__module__) is str and pickle.loads(pickle.dumps(qml.grad)) is qml.grad
    assert typing.get_type_hints(qml.grad) == {}
    # a derivative of a plain function keeps its own copies (update_wrapper's)
    h = qml.grad(f)
    assert (h.__doc__, h.__qualname__) == ("doc of the circuit", f.__qualname__)
    assert "__doc__" in vars(h)


def test_derivative_classes_keep_cpythons_plain_attribute_lookup():
    """No derivative class defines ``__getattr__``: on CPython 3.11 a class with one
    loses the interpreter's specialized attribute reads for all its instances
    (``slot_tp_getattr_hook`` on every read), and the short path reads the derivative's
    ``_node`` and ``_key`` at each call (as ``test_custom_device`` keeps it for qsym's
    devices). ``__qualname__`` is PennyLane's (``functools.update_wrapper``'s) all the
    same, and a missing attribute an AttributeError naming it. The attributes the short
    path reads at each call are in the instances' own dictionaries (a read that misses
    them and falls back to the class is not specialized either): a derivative's ``_key``
    and a QNode's ``pipeline``."""
    import types

    node = seed_node()
    assert "pipeline" in vars(node) and node.pipeline is None
    assert all("_key" in vars(qml.grad(node, **kw)) for kw in ({}, {"argnum": 0}))
    for cls in (qml.grad, qml.jacobian, qml.hessian):
        assert all("__getattr__" not in vars(k) for k in cls.__mro__ if k is not object), cls
        assert type(cls).__getattribute__ is type.__getattribute__
        d = cls(node)
        assert type(d).__getattribute__ is object.__getattribute__
        assert d.__qualname__ == node.__qualname__
        with pytest.raises(AttributeError, match="'nothing_here'"):
            _ = d.nothing_here
    assert isinstance(qml.grad.__call__, types.FunctionType)


def test_a_trainable_tensor_takes_the_short_path_and_a_frozen_one_does_not(monkeypatch):
    """A qsym.numpy tensor with requires_grad=True is differentiated as a plain array is
    (the same bits as the full path, no classify call); with requires_grad=False it has
    no trainable argument: the full path, PennyLane's warning and (); so has a plain
    ndarray without argnum (PennyLane's rule), even right after a remembered call."""
    node = seed_node()
    g = qml.grad(node)
    t0 = qml.numpy.array(X1, requires_grad=True)
    g(t0)
    g(t0)  # remembered
    count = CountClassify(monkeypatch)
    t = qml.numpy.array([0.54, 0.12], requires_grad=True)
    got = g(t)
    assert count.calls == 0
    assert np.array_equal(got, full_path_grad(node, np.array([0.54, 0.12])))
    g(t0)  # remembered again
    for off in (qml.numpy.array([0.54, 0.12], requires_grad=False), np.array([0.54, 0.12])):
        count.calls = 0
        with pytest.warns(UserWarning, match="no trainable"):
            assert g(off) == ()
        assert count.calls == 1


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_compiled_code_gets_plain_ndarrays_from_a_trainable_tensor(method):
    """A trainable tensor reaches the compiled entry points as a plain ndarray view (numba
    types an ndarray subclass on its slow path, several times the seed's kernel call), on
    the short path and the full path, with the full path's bits."""
    node = seed_node(method)
    t = qml.numpy.array([0.54, 0.12], requires_grad=True)
    expected = full_path_grad(node, np.array([0.54, 0.12]))
    qml.grad(node)(t)  # full path, remembered
    entry = node._last
    # a circuit found compiled in the cache loads its code in a thread and swaps its entry
    # points when done: wait, so that the swap does not replace the spy below
    entry.wait(300)
    name = "value_and_grad" if method == "parameter-shift" else "value_and_grad_adjoint"
    real = getattr(entry, name)
    own = name in entry.__dict__  # the tier's entry point (else the class's method)
    seen = []

    def spy(x, d):
        seen.append((type(x), type(d), np.shares_memory(x, t)))
        return real(x, d)

    setattr(entry, name, spy)  # an instance attribute: what the tiers swap
    try:
        short = qml.grad(node)(t)  # the short path
        node._grad_fast = None
        full = qml.grad(node)(t)  # the full path
    finally:
        if own:
            setattr(entry, name, real)
        else:
            del entry.__dict__[name]
    assert seen == [(np.ndarray, np.ndarray, True)] * 2
    assert np.array_equal(short, expected) and np.array_equal(full, expected)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_short_path_counts_and_records_as_the_full_path(method):
    """The short path's direct call (runtime._short_path) counts circuits and calls
    and records Tracker entries exactly as executors.execute does on the full path."""
    node = seed_node(method)
    g = qml.grad(node, argnum=0)
    g(X1)
    assert node._grad_fast is not None
    with qml.Tracker(node.device) as short:
        g(X2)
    node._grad_fast = None
    with qml.Tracker(node.device) as full:
        qml.grad(node, argnum=0)(X2)
    node._grad_fast = None
    assert short.totals == full.totals and short.totals["executions"] > 0
    assert short.totals["executions"] == (5 if method == "parameter-shift" else 1)
    assert short.history["resources"] == full.history["resources"]


def test_a_signature_with_input_checks_keeps_them_on_the_short_path():
    """StatePrep's norm check runs at every call, the short path included."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(p):
        qml.StatePrep(np.array([p[0], np.sqrt(1 - 0.36)]), wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    g = qml.grad(c, argnum=0)
    good = np.array([0.6, 0.3])
    g(good)
    g(good)
    assert c._grad_fast is not None
    with pytest.raises(qml.GateError, match="norm 1"):
        g(np.array([0.9, 0.3]))  # not normalized: the full path's error


def test_derivatives_made_per_call_do_not_keep_the_qnode_alive():
    """The attributes a derivative copies are kept on the QNode itself (no memo outside
    it), and the remembered short path only refers to the QNode from the QNode: dropping
    the QNode frees it (the garbage collector breaks the QNode -> short path -> QNode
    cycle)."""
    import gc
    import weakref

    node = seed_node()
    t = qml.numpy.array(X1, requires_grad=True)
    for _ in range(3):
        qml.grad(node)(t)
        qml.grad(node, argnum=0)(X1)
    assert node._grad_fast is not None and node._derivative_attrs is not None
    ref = weakref.ref(node)
    del node
    gc.collect()
    assert ref() is None


def test_each_derivative_object_has_its_own_forward_and_argnum():
    node = seed_node()
    t1 = qml.numpy.array(X1, requires_grad=True)
    t2 = qml.numpy.array(X2, requires_grad=True)
    g1, g2 = qml.grad(node), qml.grad(node)
    for _ in range(2):
        g1(t1)
        g2(t2)
    assert g1 is not g2
    assert np.isclose(g1.forward, np.cos(X1[0]) * np.cos(X1[1]))
    assert np.isclose(g2.forward, np.cos(X2[0]) * np.cos(X2[1]))
    assert qml.grad(node).forward is None  # a new object: nothing computed yet
    expected = full_path_grad(node, X1)
    # the remembered argnum is each object's: 0, [0], np.int64(0), none
    for _ in range(2):
        assert np.array_equal(qml.grad(node, argnum=0)(t1), expected)
        b = qml.grad(node, argnum=[0])(t1)
        assert isinstance(b, tuple) and np.array_equal(b[0], expected)
        assert np.array_equal(qml.grad(node, argnums=np.int64(0))(t1), expected)
        assert np.array_equal(qml.grad(node)(t1), expected)
    with pytest.raises(DifferentiationError, match="argnum"):
        qml.grad(node, argnum=True)
    with pytest.raises(DifferentiationError, match="repeats"):
        qml.grad(node, argnum=[0, 0])


def test_catalyst_options_are_refused_after_a_remembered_call():
    """h= and method= (qml.qjit only) are refused at the call, the short path too."""
    node = seed_node()
    t = qml.numpy.array(X1, requires_grad=True)
    qml.grad(node)(t)
    qml.grad(node)(t)
    assert node._grad_fast is not None
    with pytest.raises(DifferentiationError, match="QJIT"):
        qml.grad(node, h=0.1)(t)
    with pytest.raises(DifferentiationError, match="QJIT"):
        qml.grad(node, method="fd")(t)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_short_path_follows_a_tier_swap_and_a_replaced_entry_point(monkeypatch, method):
    """The short path calls the entry point the signature has now: a fused one inline
    (its arrays made here), anything else as it is (the tiers swap it); each method's
    own (grad.__call__ reads the one of its method: issue #19)."""
    monkeypatch.setenv("QSYM_TIER", "compiled")  # fused at once (qsym.tiers)
    node = seed_node(method)
    t = qml.numpy.array(X1, requires_grad=True)
    expected = full_path_grad(node, X1)
    qml.grad(node)(t)
    entry = node._last
    name = "value_and_grad_adjoint" if method == "adjoint" else "value_and_grad"
    real = getattr(entry, name)
    assert getattr(real, "fused", None) is not None  # the fused tier: called inline
    for _ in range(3):
        g = qml.grad(node)(t)
        # (a row of the (1, 2) Jacobian; inline, the row owns the memory, the Jacobian is
        # its view: _fresh_gradient)
        assert np.array_equal(g, expected) and g.shape == (2,) and (
            g.base is None or g.base.shape == (1, 2))
    calls = []

    def other(x, d):
        calls.append(1)
        return np.array([0.25]), np.array([[1.0, 2.0]])

    setattr(entry, name, other)  # an instance attribute, as the tiers set it
    try:
        g = qml.grad(node)
        assert np.array_equal(g(t), [1.0, 2.0]) and calls == [1] and g.forward == 0.25
    finally:
        setattr(entry, name, real)
    assert np.array_equal(qml.grad(node)(t), expected) and calls == [1]


def test_a_tensors_flag_is_a_slot_and_behaves_as_an_attribute():
    """``requires_grad`` of a qsym.numpy tensor is a slot, which CPython 3.11 reads
    specialized (grad.__call__ reads it at each call: issue #19; in the instance's
    dictionary an ndarray subclass's read is the generic lookup), and it behaves as the
    dictionary attribute it was: set and read, kept by views, slices, copies and
    ufuncs as PennyLane's rule says, deleted, and other attributes in ``__dict__``."""
    import copy
    import pickle

    tensor = qml.numpy.tensor
    assert type(vars(tensor)["requires_grad"]).__name__ == "member_descriptor"
    t = qml.numpy.array([0.5, 1.5], requires_grad=False)
    assert t.requires_grad is False and "requires_grad" not in vars(t)
    t.note = "mine"
    assert vars(t) == {"note": "mine"}
    assert [v.requires_grad for v in (t[:1], t.view(tensor), copy.copy(t), copy.deepcopy(t),
                                      t * 2.0, t + qml.numpy.array([1.0, 1.0]))] == [
        False, False, False, False, False, True]
    assert pickle.loads(pickle.dumps(t)).tolist() == [0.5, 1.5]
    t.requires_grad = True
    assert qml.numpy.tensor(t).requires_grad is True and t[0].requires_grad is True
    del t.requires_grad
    with pytest.raises(AttributeError, match="requires_grad"):
        _ = t.requires_grad


def test_a_list_with_argnum_takes_the_short_path_with_the_full_paths_result(monkeypatch):
    """``qml.grad(c, argnum=0)([0.54, 0.12])`` (classify's list of floats) on the short
    path: a list of 0-d arrays with the full path's bits; argnum=[0] a tuple of it."""
    node = seed_node()
    expected = full_path_grad(node, [0.54, 0.12])
    assert isinstance(expected, list) and [e.shape for e in expected] == [(), ()]
    lists = ([0.54, 0.12], [0.54, 0.12], [-1.3, 2.2])
    wants = [full_path_grad(node, lst) for lst in lists]
    qml.grad(node, argnum=0)([0.54, 0.12])  # full path, remembered
    count = CountClassify(monkeypatch)
    for lst, want in zip(lists, wants):
        got = qml.grad(node, argnum=0)(lst)
        assert type(got) is list and len(got) == 2
        for a, b in zip(got, want):
            assert type(a) is np.ndarray and a.shape == () and a.dtype == np.float64
            assert np.array_equal(a, b)
        qml.grad(node, argnum=0)(lst)
    assert count.calls == 0
    # a list holding an int: PennyLane's autograd TypeError (stop 64), by the full path
    with pytest.raises(TypeError, match="Can't differentiate w.r.t. type <class 'int'>"):
        qml.grad(node, argnum=0)([0.54, 1])
    qml.grad(node, argnum=[0])([0.54, 0.12])  # another key: the full path, remembered
    got = qml.grad(node, argnum=[0])([0.54, 0.12])
    assert isinstance(got, tuple) and len(got) == 1 and isinstance(got[0], list)
    assert all(np.array_equal(a, b) for a, b in zip(got[0], expected))
    # without argnum a list is not trainable (PennyLane's rule), whatever was remembered
    with pytest.warns(UserWarning, match="no trainable"):
        assert qml.grad(node)([0.54, 0.12]) == ()
    qml.grad(node, argnum=0)([0.54, 0.12])
    with pytest.raises(ArgumentError, match="NaN"):  # the full path's error
        qml.grad(node, argnum=0)([float("nan"), 0.12])


def test_kept_results_are_never_written_again():
    """The short path writes its kept output arrays again only when nothing else refers
    to them: a kept gradient, a slice of one (its base is the Jacobian), a 0-d element
    of a list's gradient, or a derivative's ``forward`` keep their values, call after
    call; dropped ones are reused (the values stay right)."""
    node = seed_node()
    t = qml.numpy.array(X1, requires_grad=True)
    u = qml.numpy.array(X2, requires_grad=True)
    e1, e2 = full_path_grad(node, X1), full_path_grad(node, X2)
    for _ in range(3):
        qml.grad(node)(t)
    kept = qml.grad(node)(t)
    part = qml.grad(node)(t)[1:]  # the gradient itself dropped, a slice kept
    g = qml.grad(node)
    g(t)
    lst = qml.grad(node, argnum=0)([0.54, 0.12])
    for _ in range(5):
        assert np.array_equal(qml.grad(node)(u), e2)  # dropped: the arrays reused
        qml.grad(node, argnum=0)([-1.3, 2.2])
    assert np.array_equal(kept, e1) and np.array_equal(part, e1[1:])
    assert [float(v) for v in lst] == list(e1)
    assert g.forward == np.cos(X1[0]) * np.cos(X1[1])
    results = [qml.grad(node)(t if i % 2 else u) for i in range(6)]
    for i, r in enumerate(results):
        assert np.array_equal(r, e1 if i % 2 else e2)
    assert len({id(r.base) for r in results}) == 6


@pytest.mark.parametrize("how", ["readonly", "unaligned", "fortran-2d-row"])
def test_arrays_numba_types_otherwise_give_the_same_bits(how):
    """The short path calls the compiled entry point directly only for arrays numba types
    as the remembered signature (C-contiguous, aligned, writeable float64); others take
    numba's dispatcher (or the full path), with the same bits."""
    node = seed_node()
    g = qml.grad(node, argnum=0)
    for _ in range(3):
        g(X1)
    if how == "readonly":
        a = X1.copy()
        a.flags.writeable = False
    elif how == "unaligned":
        buf = np.zeros(2 * 8 + 1, dtype=np.uint8)
        a = np.frombuffer(buf.data, dtype=np.float64, count=2, offset=1)
        a = a.copy() if a.flags.aligned else a
        if a.flags.aligned:
            pytest.skip("this NumPy aligned the buffer")
        a[:] = X1
    else:
        a = np.asfortranarray(np.array([X1]))[0]
    assert np.array_equal(g(a), full_path_grad(node, X1))
    assert np.array_equal(g(X1), full_path_grad(node, X1))


def test_threads_sharing_the_short_path_get_their_own_results():
    """Several threads calling one QNode's short path (its kept arrays reused only while
    unshared) each get their own point's gradient, with thread switches forced often."""
    node = seed_node()
    rng = np.random.default_rng(3)
    points = [qml.numpy.array(rng.uniform(-3, 3, 2), requires_grad=True) for _ in range(5)]
    expected = [full_path_grad(node, np.array(p)) for p in points]
    for _ in range(3):
        qml.grad(node)(points[0])
    assert node._grad_fast is not None
    wrong = []

    def work(k):
        for i in range(1500):
            j = (k + i) % len(points)
            if not np.array_equal(qml.grad(node)(points[j]), expected[j]):
                wrong.append((k, i))
                return

    _run_threads(work, 3)
    assert wrong == []


def _run_threads(work, count):
    """``work(k)`` on ``count`` threads at once, thread switches forced often."""
    import sys
    import threading

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)


def _outcome(fn):
    """``("ok", result)`` or ``("error", exception type, message)`` of ``fn()``."""
    try:
        r = fn()
    except Exception as exc:  # noqa: BLE001 (the test compares the paths' errors)
        return ("error", type(exc), str(exc))
    return ("ok", r)


def _same_outcome(a, b):
    assert a[0] == b[0], (a, b)
    if a[0] == "error":
        assert a[1:] == b[1:]
        return
    ra, rb = a[1], b[1]
    assert type(ra) is type(rb)
    if isinstance(ra, (list, tuple)):
        assert len(ra) == len(rb) and all(np.array_equal(u, v) for u, v in zip(ra, rb))
    else:
        assert np.shape(ra) == np.shape(rb) and np.array_equal(ra, rb)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_fused_short_path_against_the_full_path_on_every_kind_of_call(monkeypatch, method):
    """On the fused tier (the written-out code: qsym._emit.unrolled_functions and
    unrolled_adjoint), the seed's ``qml.grad(circuit)(params)`` with the short path
    remembered gives the full path's bits, counts and errors for the common call and for
    each call that must leave the short path: a tracker active, shots, a broadcast
    (2-D) tensor, integer and float32 input, a frozen tensor, a list; and the fused code
    gives the module tier's bits (prepare, then the kernel library)."""
    monkeypatch.setenv("QSYM_TIER", "compiled")  # fused at once (qsym.tiers)
    node = seed_node(method)
    t = qml.numpy.array(X1, requires_grad=True)
    qml.grad(node)(t)
    qml.grad(node)(t)
    entry = node._last
    assert node._grad_fast is not None and entry.tier == "fused"
    assert entry.module.UNROLLED and entry.module.ADJOINT_UNROLLED
    name = "value_and_grad" if method == "parameter-shift" else "value_and_grad_adjoint"
    d = np.zeros(0)
    assert np.array_equal(qml.grad(node)(t), getattr(type(entry), name)(entry, X1, d)[1][0])
    calls = [
        lambda: qml.numpy.array(X2, requires_grad=True),
        lambda: qml.numpy.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], requires_grad=True),
        lambda: qml.numpy.array([1, 2], requires_grad=True),
        lambda: qml.numpy.array(X2.astype(np.float32), requires_grad=True),
        lambda: qml.numpy.array(X2, requires_grad=False),
        lambda: [0.54, 0.12],
    ]
    for make in calls:
        for shots in (None, 100):
            node._grad_fast = None
            qml.grad(node)(t)
            assert node._grad_fast is not None  # remembered
            node.device.given_shots = shots
            with qml.Tracker(node.device) as short_tracker:
                short = _outcome(lambda: qml.grad(node)(make()))
            node._grad_fast = None
            with qml.Tracker(node.device) as full_tracker:
                full = _outcome(lambda: qml.grad(node)(make()))
            node.device.given_shots = None
            if shots is None:
                _same_outcome(short, full)
            else:  # sampled: the same kind of result (another sample set)
                assert short[0] == full[0] and (short[0] == "ok" or short[1:] == full[1:])
            sampled = {"results"} if shots else set()  # (the samples' values differ)
            assert ({k: v for k, v in short_tracker.totals.items() if k not in sampled}
                    == {k: v for k, v in full_tracker.totals.items() if k not in sampled})


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_grad_call_answers_the_common_case_itself_as_the_short_path_does(monkeypatch, method):
    """``grad.__call__`` answers a trainable tensor on the fused tier itself (the short
    path's closure not called: issue #19, stop 61) with the closure's bits, device counts,
    ``forward`` and result object rules, with a result or the derivative kept too; a
    Tracker and a non-finite input go through the closure (the full path's answers)."""
    monkeypatch.setenv("QSYM_TIER", "compiled")  # fused at once (qsym.tiers)
    node = seed_node(method)
    t, t2 = (qml.numpy.array(x, requires_grad=True) for x in (X1, X2))
    for _ in range(3):  # remembered, then the closure (it sees the fused entry point)
        qml.grad(node)(t)
    key, call, hot = node._grad_fast
    assert hot is not None and node._last.tier == "fused"
    used = []
    node._grad_fast = (key, lambda g, a: used.append(1) or call(g, a), hot)
    held = hot[runtime._HOT_NAMES.index("held")]  # (the kept arrays, shared with the closure)
    qml.grad(node)(t)
    # (ids, not weak references: a weakly referenced result is not written again, stop
    # 65; new arrays would be made while these live, at other addresses)
    ids = [id(a) for a in held]
    qml.grad(node)(t)  # nothing else refers to them: written again, not made anew
    assert [id(a) for a in held] == ids
    dev = node.device
    counts = (dev.num_executions, dev.num_calls)
    g = qml.grad(node)
    r1 = g(t)
    assert not used  # answered by grad.__call__ itself
    counted = (dev.num_executions - counts[0], dev.num_calls - counts[1])
    g_closure = qml.grad(node)
    counts = (dev.num_executions, dev.num_calls)
    r_closure = call(g_closure, t)
    assert counted == (dev.num_executions - counts[0], dev.num_calls - counts[1])
    assert type(r1) is type(r_closure) and np.array_equal(r1, r_closure)
    assert np.array_equal(r1, closed_form_grad(X1)) or np.allclose(
        r1, closed_form_grad(X1), rtol=0, atol=1e-15)
    assert g.forward == g_closure.forward and type(g.forward) is type(g_closure.forward)
    # r1 and r_closure are still held: a new call writes new arrays, not theirs (itself)
    kept = r1.copy()
    r2 = qml.grad(node)(t2)
    assert np.array_equal(r1, kept) and np.allclose(r2, closed_form_grad(X2), atol=1e-15)
    assert not used and r2 is not r1 and not np.shares_memory(r2, r1)
    # a kept derivative (its forward holds the value array): answered, forward updated
    del r1, r_closure, r2
    g(t)
    before = len(used)
    g(t2)
    assert len(used) == before and np.isclose(g.forward, np.cos(X2[0]) * np.cos(X2[1]))
    # a Tracker: the closure, with the full path's records
    with qml.Tracker(dev) as tracker:
        r3 = qml.grad(node)(t)
    assert len(used) == before + 1 and tracker.totals["executions"] >= 1
    assert np.array_equal(r3, kept)
    # a non-finite input: the closure's error, the full path's
    bad = qml.numpy.array([np.nan, 0.1], requires_grad=True)
    short = _outcome(lambda: qml.grad(node)(bad))
    node._grad_fast = None
    assert short[0] == "error" and short[1:] == _outcome(lambda: qml.grad(node)(bad))[1:]


# --- issue #19's fifth cut: the derivative object decides nothing when made; the short
# paths check at each call what QNode.compiled_directly reads (every test below: the call
# just outside the short path goes the general way and gives the general way's answer)

def closed_form_grad(x):
    """d/dx of cos(x0) cos(x1) (the seed's <Z> after RX(x0) RY(x1))."""
    return np.array([-np.sin(x[0]) * np.cos(x[1]), -np.cos(x[0]) * np.sin(x[1])])


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_a_spy_set_on_the_device_later_sees_the_kept_and_the_new_derivatives(method):
    node = seed_node(method)
    x = qml.numpy.array(X1, requires_grad=True)
    g, j = qml.grad(node), qml.jacobian(node)
    for _ in range(2):  # remembered, then the short paths
        g(x), j(x)
    assert node._grad_fast is not None and node._jac_fast is not None
    calls = []
    real = node.device.execute

    def spy(circuits, execution_config=None):
        calls.append(len(circuits))
        return real(circuits, execution_config)

    node.device.execute = spy
    for f in (g, j, qml.grad(node), qml.jacobian(node)):
        before = len(calls)
        assert np.allclose(f(x), closed_form_grad(X1), atol=1e-12)
        assert len(calls) > before  # through the spy: the general way
    del node.device.execute
    before = len(calls)
    for f in (g, j, qml.grad(node)):
        assert np.allclose(f(x), closed_form_grad(X1), atol=1e-12)
    assert len(calls) == before and node._grad_fast is not None


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_a_spy_set_on_the_device_class_later_sees_values_and_derivatives(method, monkeypatch):
    class Device(qml.devices.DefaultQubit):  # (a class of the test's own to patch)
        pass

    dev = Device(wires=1)

    @qml.qnode(dev, diff_method=method)
    def node(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    x = qml.numpy.array(X1, requires_grad=True)
    for _ in range(3):  # the route decided, the short paths remembered
        node(x), qml.grad(node)(x), qml.jacobian(node)(x)
    calls, real = [], Device.execute

    def spy(self, circuits, execution_config=None):
        calls.append(len(circuits))
        return real(self, circuits, execution_config)

    monkeypatch.setattr(Device, "execute", spy)  # what mocker.spy(Device, "execute") does
    value = np.cos(X1[0]) * np.cos(X1[1])
    for f, expected in ((node, value), (qml.grad(node), closed_form_grad(X1)),
                        (qml.jacobian(node), closed_form_grad(X1))):
        before = len(calls)
        assert np.allclose(f(x), expected, atol=1e-12)
        assert len(calls) > before  # through the class's new execute
    monkeypatch.undo()
    before = len(calls)
    assert np.allclose(qml.grad(node)(x), closed_form_grad(X1), atol=1e-12)
    assert np.allclose(node(x), value, atol=1e-12) and len(calls) == before


def test_a_kept_derivative_follows_a_device_class_with_its_own_execute():
    class Counting(qml.devices.DefaultQubit):
        runs = 0

        def execute(self, circuits, execution_config=None):
            Counting.runs += len(circuits)
            return super().execute(circuits, execution_config)

    node = seed_node()
    x = qml.numpy.array(X1, requires_grad=True)
    g = qml.grad(node)
    g(x), g(x)
    node.device = Counting(wires=1)  # (the short path was made for the other device)
    assert np.allclose(g(x), closed_form_grad(X1), atol=1e-12)
    assert Counting.runs > 0


def test_gradient_kwargs_argnum_set_later_applies_to_a_kept_derivative():
    node = seed_node()
    x = qml.numpy.array(X1, requires_grad=True)
    g = qml.grad(node)
    g(x), g(x)
    node.gradient_kwargs = {"argnum": [0]}  # the tape's first parameter only
    expected = closed_form_grad(X1) * [1.0, 0.0]
    assert np.allclose(g(x), expected, atol=1e-12)
    assert np.allclose(qml.grad(node)(x), expected, atol=1e-12)
    node.gradient_kwargs = {}
    assert np.allclose(g(x), closed_form_grad(X1), atol=1e-12)


def test_a_derivative_of_a_qnode_not_compiled_directly_takes_the_general_way():
    node = seed_node()
    node.gradient_kwargs = {"argnum": [1]}
    assert not node.compiled_directly
    g = qml.grad(node)  # (made without asking: the call decides)
    x = qml.numpy.array(X1, requires_grad=True)
    assert np.allclose(g(x), closed_form_grad(X1) * [0.0, 1.0], atol=1e-12)
    assert node._grad_fast is None


def test_execute_set_on_tells_a_spy_from_the_class_method():
    from qsym.devices import execute_set_on
    dev = qml.device("default.qubit", wires=1)
    assert not execute_set_on(dev)
    dev.execute = lambda circuits, execution_config=None: ()
    assert execute_set_on(dev)
    del dev.execute
    assert not execute_set_on(dev)
    other = qml.device("default.qubit", wires=1)
    dev.execute = other.execute  # the class's method, bound to another device
    assert execute_set_on(dev)


def test_int_argnum_keys_are_shared_and_others_still_compared():
    node = seed_node()
    assert qml.grad(node, argnum=0)._key is qml.grad(node, argnum=0)._key
    assert qml.grad(node, argnum=[0])._key == ((0,), False)
    qml.grad(node, argnum=0)(X1)
    qml.grad(node, argnum=0)(X1)
    with pytest.raises(Exception, match="argnum|argument"):
        qml.grad(node, argnum=1)(X1)  # another key: the full path's error
    assert qml.grad(node, argnum=2 - 2)._key is qml.grad(node, argnum=0)._key
    assert np.array_equal(qml.grad(node, argnum=-1)(X1), full_path_grad(node, X1))


def test_a_short_path_is_made_only_once_the_first_answer_was_counted(monkeypatch):
    from qsym import _executors as executors
    node = seed_node()
    g = qml.grad(node, argnum=0)
    g(X1)
    assert node._grad_fast is not None and not executors.waiting_for_first_answer
    entry = node._last
    monkeypatch.setattr(executors, "waiting_for_first_answer", True)
    blocks = ((0, 2, (2,)),)
    assert runtime._gradient_path((0,), node, X1, entry, blocks, True) is None
    monkeypatch.setattr(executors, "waiting_for_first_answer", False)
    assert runtime._gradient_path((0,), node, X1, entry, blocks, True) is not None


def _scaled_node():
    """<Z> after RX(scale * p[0]) RY(p[1]): cos(scale p0) cos(p1)."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(p, scale=1.0):
        qml.RX(scale * p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit


def _scaled_grad(p, s):
    """The closed-form gradient of _scaled_node by ``p`` (and by ``s``)."""
    return (np.array([-s * np.sin(s * p[0]) * np.cos(p[1]), -np.cos(s * p[0]) * np.sin(p[1])]),
            -p[0] * np.sin(s * p[0]) * np.cos(p[1]))


def test_grad_call_with_other_than_one_positional_argument_goes_the_general_way():
    """grad.__call__ takes its first argument apart (the short path's case is exactly one
    positional argument): none, two, or keyword arguments after a remembered one-argument
    call go the general way, with its results and errors."""
    from qsym import numpy as qnp
    node = _scaled_node()
    p = qnp.array([0.54, 0.12])
    g = qml.grad(node)
    g(p)
    assert node._grad_fast is not None  # remembered: the next one-argument call is short
    assert np.allclose(g(p), _scaled_grad(p, 1.0)[0], rtol=0, atol=1e-12)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'p'"):
        g()
    assert np.allclose(g(p, 2.0), _scaled_grad(p, 2.0)[0], rtol=0, atol=1e-12)
    assert np.allclose(g(p, scale=2.0), _scaled_grad(p, 2.0)[0], rtol=0, atol=1e-12)
    both = g(p, qnp.array(2.0))  # two trainable arguments: a tuple
    want = _scaled_grad(p, 2.0)
    assert isinstance(both, tuple) and len(both) == 2
    assert np.allclose(both[0], want[0], rtol=0, atol=1e-12)
    assert np.allclose(both[1], want[1], rtol=0, atol=1e-12)
    with pytest.warns(UserWarning, match="no trainable"):  # a keyword: not trainable
        assert g(p=p) == ()
    assert np.allclose(qml.grad(node, argnum=1)(p, 2.0), want[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [1, 3])
def test_a_list_of_other_lengths_gets_its_own_zero_d_arrays(n):
    """The short path's list result (0-d views of the gradient row, made together where
    there are several) for one and three floats: the full path's bits, one 0-d float64
    array per element, and a kept result is not written by the next call."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(p):
        for k in range(n):
            (qml.RX if k % 2 == 0 else qml.RY)(p[k], wires=0)
        return qml.expval(qml.PauliZ(0))

    lists = [[0.54, 0.12, -0.7][:n], [-1.3, 2.2, 0.4][:n]]
    wants = [full_path_grad(circuit, lst) for lst in lists]
    # closed forms: one rotation cos(a); RX RY cos(a) cos(b); RX RY RX about different
    # axes: checked against central finite differences of the value
    for lst, want in zip(lists, wants):
        h = 1e-6
        fd = [(circuit(np.array(lst) + h * e) - circuit(np.array(lst) - h * e)) / (2 * h)
              for e in np.eye(n)]
        assert np.allclose(np.array(want, dtype=float), fd, rtol=0, atol=1e-8)
    qml.grad(circuit, argnum=0)(lists[0])  # full path, remembered
    assert circuit._grad_fast is not None
    first = qml.grad(circuit, argnum=0)(lists[0])
    second = qml.grad(circuit, argnum=0)(lists[1])
    for got, want in ((first, wants[0]), (second, wants[1])):
        assert type(got) is list and len(got) == n
        for a, b in zip(got, want):
            assert type(a) is np.ndarray and a.shape == () and a.dtype == np.float64
            assert np.array_equal(a, b)


def test_a_qnode_derivatives_fun_and_wrapped_are_its_qnode():
    """``fun`` and ``__wrapped__`` of ``qml.grad(circuit)`` are the QNode (read from the
    derivative's ``_node``, not stored); a derivative of a plain function, or of a QNode
    with Catalyst's options, keeps its own; the class has neither attribute."""
    import inspect
    node = seed_node()
    for g in (qml.grad(node), qml.grad(node, argnum=0), qml.jacobian(node)):
        assert g.fun is node and g.__wrapped__ is node and "fun" not in vars(g)
        assert inspect.unwrap(g) is inspect.unwrap(node)
        assert str(inspect.signature(g)) == "(p)" and g.__name__ == f"<{type(g).__name__}: circuit>"

    def cost(x):
        return node(x) ** 2

    h = qml.grad(cost)
    assert h.fun is cost and h.__wrapped__ is cost and h._node is None
    with_options = qml.grad(node, h=0.1)
    assert with_options.fun is node and with_options._node is None
    assert not hasattr(qml.grad, "fun") and not hasattr(qml.grad, "__wrapped__")
    assert list(inspect.signature(qml.grad).parameters) == [
        "fun", "argnum", "argnums", "h", "method"]
    # the gradient of the plain function: 2 f grad f (f = cos p0 cos p1)
    x = qml.numpy.array([0.54, 0.12])
    f = np.cos(x[0]) * np.cos(x[1])
    want = 2 * f * np.array([-np.sin(x[0]) * np.cos(x[1]), -np.cos(x[0]) * np.sin(x[1])])
    assert np.allclose(h(x), want, rtol=0, atol=1e-12)


def test_grad_of_an_empty_array_argument_is_empty_every_call():
    """A QNode whose one argument is an empty array (no gate reads it): its gradient is
    the empty array, PennyLane's ``[]``, at the first call and on the short path after it
    (was: TypeError from building the short path's getters for zero elements)."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(p):
        for k, v in enumerate(p):
            qml.RX(v, wires=0)
        qml.RY(0.3, wires=0)
        return qml.expval(qml.PauliZ(0))

    empty = qml.numpy.array([], requires_grad=True)
    for _ in range(3):
        got = qml.grad(circuit)(empty)
        assert np.shape(got) == (0,)


def layered_node(diff_method):
    """A circuit of a (2, 2, 2) weights array (layers, wires, two angles), as
    PennyLane's templates take their weights."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=diff_method)
    def circuit(w):
        for layer in range(2):
            for i in range(2):
                qml.RY(w[layer, i, 0], wires=i)
                qml.RZ(w[layer, i, 1], wires=i)
            qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1) + 0.5 * qml.PauliX(1))

    return circuit


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_short_path_takes_an_n_dimensional_weights_tensor(monkeypatch, method):
    """A trainable tensor of several dimensions takes the short path (its flat C-order
    view into the compiled code, the gradient in its shape): the full path's bits and
    type, central finite differences to 1e-7, ``forward`` the circuit's value; a
    Fortran-ordered array of the same shape goes the full way with the same numbers."""
    node = layered_node(method)
    rng = np.random.default_rng(3)
    points = [qml.numpy.array(rng.uniform(-np.pi, np.pi, (2, 2, 2)), requires_grad=True)
              for _ in range(3)]
    expected = []
    for w in points:
        node._grad_fast = None
        expected.append(qml.grad(node)(w))
        node._grad_fast = None
    qml.grad(node)(points[0])  # the full path, remembered
    assert node._grad_fast is not None
    count = CountClassify(monkeypatch)
    for w, want in zip(points, expected):
        g, before = qml.grad(node), count.calls
        got = g(w)
        assert count.calls == before  # the short path answered
        assert type(got) is type(want) and got.shape == (2, 2, 2)
        assert got.tobytes() == want.tobytes()
        assert np.isclose(g.forward, node(w), rtol=0, atol=1e-14)
        fd = np.zeros((2, 2, 2))
        for idx in np.ndindex(2, 2, 2):
            e = np.zeros((2, 2, 2))
            e[idx] = 1e-6
            fd[idx] = (node(np.asarray(w) + e) - node(np.asarray(w) - e)) / 2e-6
        np.testing.assert_allclose(got, fd, rtol=0, atol=1e-7)
    fortran = qml.numpy.array(np.asfortranarray(np.asarray(points[1])), requires_grad=True)
    assert not fortran.flags.c_contiguous
    before = count.calls
    np.testing.assert_allclose(qml.grad(node)(fortran), expected[1], rtol=0, atol=1e-15)
    assert count.calls == before + 1  # the full path


def test_short_path_n_dimensional_refuses_a_non_finite_input_as_the_full_path():
    """A NaN in an n-D weights tensor on the short path raises the full path's error."""
    node = layered_node("adjoint")
    w = qml.numpy.array(np.full((2, 2, 2), 0.3), requires_grad=True)
    qml.grad(node)(w)
    assert node._grad_fast is not None
    bad = w.copy()
    bad[1, 0, 1] = np.nan
    with pytest.raises(Exception) as short:
        qml.grad(node)(bad)
    node._grad_fast = None
    with pytest.raises(Exception) as full:
        qml.grad(node)(bad)
    assert type(short.value) is type(full.value) and str(short.value) == str(full.value)


# --- stop 63 (issue #19): grad.__call__ answers a list of floats (with argnum) itself,
# and reads an array's strides and length instead of its shape and flags object

def _hot_node(monkeypatch, method, warm):
    """The seed on the fused tier with the short path remembered for ``warm`` (a
    trainable tensor, or a list with argnum=0): ``(node, calls of the closure, the
    derivative to make, arm)``; ``arm()`` puts the remembered path back with its closure
    counting its calls (a call the closure does not answer makes the full path forget or
    replace it)."""
    monkeypatch.setenv("QSYM_TIER", "compiled")  # fused at once (qsym.tiers)
    node = seed_node(method)
    make = (lambda: qml.grad(node, argnum=0)) if type(warm) is list else (lambda: qml.grad(node))
    for _ in range(3):  # remembered, then the closure sees the fused entry point
        make()(warm)
    key, call, hot = node._grad_fast
    assert hot is not None and node._last.tier == "fused"
    used = []

    def arm():
        node._grad_fast = (key, lambda g, a: used.append(1) or call(g, a), hot)

    arm()
    return node, used, make, arm


def _short_and_full(node, arm, fn):
    """``fn``'s outcome on the armed short path and on the full path (None remembered)."""
    arm()
    short = _outcome(fn)
    node._grad_fast = None
    full = _outcome(fn)
    arm()
    return short, full


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_grad_call_answers_a_list_of_floats_itself(monkeypatch, method):
    """``qml.grad(circuit, argnum=0)([0.54, 0.12])``, the tutorial's form, answered by
    ``grad.__call__`` (the closure not called): the closed-form gradient as a list of 0-d
    float64 arrays, the device counted as by the closure, ``forward`` the value; a list
    mutated after a call gives the new point's gradient; lists holding other than floats
    (ints, bools, complex, a nested list, NaN), of another length, or empty, and a Tracker
    go through the closure to the full path's answers and errors."""
    node, used, make, arm = _hot_node(monkeypatch, method, [0.54, 0.12])
    dev = node.device
    lst = [0.54, 0.12]
    before = (dev.num_executions, dev.num_calls)
    g = make()
    got = g(lst)
    assert not used  # grad.__call__ answered
    counted = (dev.num_executions - before[0], dev.num_calls - before[1])
    before = (dev.num_executions, dev.num_calls)
    node._grad_fast[1](make(), [0.54, 0.12])  # the closure: its counts
    assert counted == (dev.num_executions - before[0], dev.num_calls - before[1])
    used.clear()
    assert type(got) is list and len(got) == 2
    assert all(type(a) is np.ndarray and a.shape == () and a.dtype == np.float64 for a in got)
    assert np.allclose(np.array(got), closed_form_grad(X1), rtol=0, atol=1e-15)
    assert np.isclose(g.forward, np.cos(0.54) * np.cos(0.12), rtol=0, atol=1e-15)
    kept = [a.copy() for a in got]
    lst[0] = -1.3  # the same list object, mutated: the new point
    lst[1] = 2.2
    again = make()(lst)
    assert not used and np.allclose(np.array(again), closed_form_grad(X2), atol=1e-15)
    assert all(np.array_equal(a, b) for a, b in zip(got, kept))  # the kept result intact
    for other in ([0.54, 1], [0.54, True], [0.5, 0.1, 0.2], [0.5], [0.54, 0.12 + 0j],
                  [0.54, [0.12]], [], [float("nan"), 0.12], [0.54, float("inf")]):
        _same_outcome(*_short_and_full(node, arm, lambda: make()(list(other))))
    # an int in the list: PennyLane's autograd raises TypeError "Can't differentiate w.r.t.
    # type <class 'int'>" (stop 64: was differentiated as the float it is), also after the
    # short path has seen lists of floats
    with pytest.raises(TypeError, match="Can't differentiate w.r.t. type <class 'int'>"):
        make()([0.54, 1])
    arm()
    used.clear()
    with qml.Tracker(dev) as tracker:
        tracked = make()([0.54, 0.12])
    assert used and tracker.totals["executions"] >= 1
    assert np.allclose(np.array(tracked), closed_form_grad(X1), atol=1e-15)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_grad_call_checks_strides_and_length_as_shape_and_flags_did(monkeypatch, method):
    """The tensor checks ``grad.__call__`` makes (dtype, strides, length): a read-only or
    unaligned trainable tensor is answered by it with the closed-form gradient (the entry
    point only reads the input); strided, reversed, 0-d, 2-D, longer, shorter, float32,
    int tensors and an ndarray subclass go to the closure, each with the full path's answer
    or error; none answers a wrong number."""
    t = qml.numpy.array(X1, requires_grad=True)
    node, used, make, arm = _hot_node(monkeypatch, method, t)
    readonly = qml.numpy.array(X1, requires_grad=True)
    readonly.flags.writeable = False
    buf = np.zeros(2 * 8 + 1, dtype=np.uint8)
    raw = np.frombuffer(buf.data, dtype=np.float64, count=2, offset=1)
    if raw.flags.aligned:
        pytest.skip("this NumPy aligned the buffer")
    unaligned = raw.view(qml.numpy.tensor)
    unaligned.requires_grad = True
    buf[1:] = np.frombuffer(X2.tobytes(), dtype=np.uint8)  # X2, written through the bytes
    assert not unaligned.flags.aligned and np.array_equal(unaligned, X2)
    for arr, x in ((readonly, X1), (unaligned, X2)):
        got = make()(arr)
        assert np.allclose(got, closed_form_grad(x), rtol=0, atol=1e-15)
    assert not used  # grad.__call__ answered both
    wide = qml.numpy.array([0.54, 9.0, 0.12, 9.0], requires_grad=True)

    class Sub(np.ndarray):
        pass

    others = [wide[::2], wide[2::-2], qml.numpy.array(0.5, requires_grad=True),
              qml.numpy.array([X1, X2], requires_grad=True),
              qml.numpy.array([0.54, 0.12, 0.3], requires_grad=True),
              qml.numpy.array([0.54], requires_grad=True),
              qml.numpy.array(X1.astype(np.float32), requires_grad=True),
              qml.numpy.array([1, 2], requires_grad=True), X1.view(Sub),
              qml.numpy.array(X1, requires_grad=False)]
    assert np.array_equal(others[0], X1) and others[0].strides == (16,)
    assert np.array_equal(others[1], X1[::-1]) and others[1].strides == (-16,)
    for arr in others:
        _same_outcome(*_short_and_full(node, arm, lambda: make()(arr)))
    assert len(used) == len(others)  # each went to the closure
    # the strided views: the closed form at their own points
    arm()
    assert np.allclose(make()(others[0]), closed_form_grad(X1), rtol=0, atol=1e-15)
    assert np.allclose(make()(others[1]), closed_form_grad(X1[::-1]), rtol=0, atol=1e-15)


# --- stop 64 (issue #19): the list form's kept arrays (its 0-d views reused while nothing
# else refers to them), and grad.__call__'s checks returning at once

@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_the_list_form_reuses_dropped_views_and_never_writes_kept_ones(monkeypatch, method):
    """``qml.grad(circuit, argnum=0)(a_list)`` on ``grad.__call__``'s path returns 0-d
    views of the kept Jacobian: a dropped result's views are handed out again (the same
    objects, the closure not called); a kept list, one kept element, or the Jacobian
    kept through an element's ``base`` keep their values (the closed form) while later
    calls at other points get theirs; a new list each call."""
    _, used, make, _ = _hot_node(monkeypatch, method, [0.54, 0.12])
    first = make()([0.54, 0.12])
    assert first[0].base is first[1].base is not None  # views of one Jacobian
    # (ids, not weak references: a weakly referenced view is not handed out again, stop
    # 65; new views would be made while these live, at other addresses)
    ids = [id(v) for v in first]
    del first  # kept by the path, not by the caller
    second = make()([-1.3, 2.2])
    assert [id(v) for v in second] == ids  # handed out again
    assert np.allclose(np.array(second), closed_form_grad(X2), rtol=0, atol=1e-15)
    kept_list = second
    (one, _) = make()([0.54, 0.12])  # one element kept, the list dropped
    through_base = make()([0.3, -0.4])[1].base  # the Jacobian kept through a view's base
    for p in ([0.9, 0.8], [-0.2, 0.1], [1.5, -2.5]):
        got = make()(list(p))
        assert type(got) is list and got is not kept_list
        assert np.allclose(np.array(got), closed_form_grad(p), rtol=0, atol=1e-15)
    assert not used  # grad.__call__ answered every call
    assert np.allclose(np.array(kept_list), closed_form_grad(X2), rtol=0, atol=1e-15)
    assert np.isclose(one, closed_form_grad(X1)[0], rtol=0, atol=1e-15)
    assert np.allclose(through_base[0], closed_form_grad([0.3, -0.4]), rtol=0, atol=1e-15)


def test_threads_sharing_the_list_form_get_their_own_results():
    """Several threads calling the list form of one QNode's gradient (its kept views
    handed out only while unshared) each get their own point's gradient, kept results
    intact, with thread switches forced often."""
    node = seed_node()
    rng = np.random.default_rng(4)
    points = [[float(v) for v in rng.uniform(-3, 3, 2)] for _ in range(5)]
    expected = [closed_form_grad(p) for p in points]
    same = lambda got, want: np.allclose(np.array(got), want, rtol=0, atol=1e-15)  # noqa: E731
    wrong = _list_form_on_threads(node, points, expected, same, threads=3, calls=1500,
                                  stride=1, keep_every=7, copy=False)
    assert wrong == []


def _list_form_on_threads(node, points, expected, same, threads, calls, stride, keep_every,
                          copy):
    """``threads`` threads each calling ``node``'s list form ``calls`` times at ``points``
    (thread ``k``'s call ``i`` at point ``(stride * k + i) % len(points)``; ``copy``: a new
    list each call), after the short path is made; each gradient and every
    ``keep_every``-th result kept to the end compared with ``expected`` by ``same``: the
    failures ``(thread, call)`` / ``(thread, "kept", point)``."""
    for _ in range(3):
        qml.grad(node, argnum=0)(points[0])
    assert node._grad_fast is not None and node._grad_fast[2] is not None
    wrong = []

    def work(k):
        kept = []
        for i in range(calls):
            j = (stride * k + i) % len(points)
            got = qml.grad(node, argnum=0)(list(points[j]) if copy else points[j])
            if i % keep_every == 0:
                kept.append((j, got))
            if not same(got, expected[j]):
                wrong.append((k, i))
                return
        wrong.extend((k, "kept", j) for j, got in kept if not same(got, expected[j]))

    _run_threads(work, threads)
    return wrong


def test_grad_call_jumps_take_no_extended_args_on_its_answered_path():
    """``grad.__call__``'s checks return at once where they fail: none of the jumps its
    answered path takes or passes is long enough for CPython 3.11+ to prefix it with an
    EXTENDED_ARG (which it reads at every check whether the jump is taken or not)."""
    import dis
    import sys

    if sys.version_info < (3, 11) or sys.version_info >= (3, 12):
        pytest.skip("the bytecode layout checked is CPython 3.11's")
    ins = list(dis.get_instructions(runtime.grad.__call__))
    extended = [i for i in ins if i.opname == "EXTENDED_ARG"]
    jumps = [i for i in ins if "JUMP" in i.opname and i.arg is not None and i.arg > 255]
    assert not extended and not jumps, [(i.opname, i.offset) for i in extended + jumps]


# --- stop 65 (issue #19): the list form writes its floats into a kept input array

# PennyLane 0.45.1's qml.grad(circuit, argnums=0)(lst) of the seed (default.qubit, computed
# in /work/plvenv): a list of 0-d float64 ndarrays; bools and ints refused with TypeError
PL_LIST_GRADS = {(0.54, 0.12): (-0.51043865, -0.1026782)}


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_the_list_form_writes_its_floats_into_a_kept_array_not_numpys_conversion(
        monkeypatch, method):
    """``qml.grad(circuit, argnum=0)(a_list)`` answered by ``grad.__call__`` without
    NumPy's conversion of the list (the floats written into the kept input array): a list
    of 0-d float64 arrays, PennyLane's numbers (signed zero and a subnormal-scale input
    kept bit for bit: the gradient equals the closed form's bits at the same point), a
    mutated list's new point, and bools/ints still PennyLane's TypeError after it."""
    _, used, make, _ = _hot_node(monkeypatch, method, [0.54, 0.12])

    def refused(*a, **k):
        raise AssertionError("the list converted by NumPy")

    monkeypatch.setattr(runtime, "_as_ndarray", refused)
    for point, want in PL_LIST_GRADS.items():
        got = make()(list(point))
        assert type(got) is list and len(got) == 2
        assert all(type(a) is np.ndarray and a.shape == () and a.dtype == np.float64
                   for a in got)
        assert np.allclose(np.array(got), want, rtol=1e-8, atol=0)
        assert np.allclose(np.array(got), closed_form_grad(point), rtol=0, atol=1e-15)
    for point in ((0.54, 0.12), (1e-300, -0.0), (-0.0, 5e-324), (-1.3, 2.2)):
        # the same bits as the trainable tensor's call at the point (-0.0 kept: bytes)
        got = make()(list(point))
        tensor = qml.grad(seed_node(method))(qml.numpy.array(point, requires_grad=True))
        assert np.array(got).tobytes() == np.asarray(tensor).tobytes()
        assert np.allclose(np.array(got), closed_form_grad(point), rtol=0, atol=1e-15)
    lst = [0.54, 0.12]
    first = make()(lst)
    lst[1] = 2.2  # the same list mutated: the new point, the kept result unchanged
    second = make()(lst)
    assert np.allclose(np.array(second), closed_form_grad(np.array([0.54, 2.2])), atol=1e-15)
    assert np.allclose(np.array(first), PL_LIST_GRADS[0.54, 0.12], rtol=1e-8)
    assert not used  # grad.__call__ answered every call
    monkeypatch.undo()
    for bad, kind in (([0.54, True], "bool"), ([0.54, 1], "int")):
        with pytest.raises(TypeError, match=f"Can't differentiate w.r.t. type <class '{kind}'>"):
            make()(bad)


def test_a_list_above_the_written_length_is_converted_with_the_same_result():
    """A list of more than ``LIST_WRITE_MAX`` floats goes through NumPy's conversion (a
    kept array is written only for short lists) with PennyLane's result: 9 RX angles on
    one wire, the gradient ``-sin(sum)`` for each (by hand), a list of 0-d arrays."""
    n = runtime.LIST_WRITE_MAX + 1

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(p):
        for i in range(n):
            qml.RX(p[i], wires=0)
        return qml.expval(qml.PauliZ(0))

    point = [0.1 * (i + 1) for i in range(n)]
    for _ in range(3):
        got = qml.grad(circuit, argnum=0)(point)
    assert type(got) is list and len(got) == n and all(a.shape == () for a in got)
    assert np.allclose(np.array(got), -np.sin(sum(point)), rtol=0, atol=1e-14)


def test_four_threads_on_the_list_form_hold_their_own_input_arrays(monkeypatch):
    """Four threads calling one QNode's list form at once (switches forced between
    bytecodes): each call's floats are written into the kept input array only while no
    other call holds it, so every gradient is its own point's (the closed form), kept
    results intact."""
    monkeypatch.setenv("QSYM_TIER", "compiled")
    node = seed_node()
    rng = np.random.default_rng(65)
    points = [[float(v) for v in rng.uniform(-3, 3, 2)] for _ in range(7)]
    # each point's gradient from a trainable tensor (another QNode, the same kernel)
    other = seed_node()
    expected = [np.asarray(qml.grad(other)(qml.numpy.array(p, requires_grad=True)))
                for p in points]
    assert all(np.allclose(e, closed_form_grad(p), rtol=0, atol=1e-15)
               for e, p in zip(expected, points))
    same = lambda got, want: np.array_equal(np.array(got), want)  # noqa: E731
    wrong = _list_form_on_threads(node, points, expected, same, threads=4, calls=1200,
                                  stride=3, keep_every=5, copy=True)
    assert wrong == []


def test_an_input_array_held_by_a_call_in_progress_is_not_written(monkeypatch):
    """While another call holds the list form's kept input array (as a call in progress
    on another thread does, in a local name, until its kernel returns), a new call
    writes its floats into a new array: the held array keeps the first call's floats and
    both calls get their own points' gradients (the closed form)."""
    monkeypatch.setenv("QSYM_TIER", "compiled")
    node = seed_node()
    for _ in range(3):
        qml.grad(node, argnum=0)([0.54, 0.12])
    lists = node._grad_fast[2][-1]
    held = lists[3]  # (what a call in progress holds)
    assert held is not None and held.obj.tolist() == [0.54, 0.12]
    got = qml.grad(node, argnum=0)([-1.3, 2.2])
    assert held.obj.tolist() == [0.54, 0.12]  # not written over
    assert np.allclose(np.array(got), closed_form_grad(X2), rtol=0, atol=1e-15)
    del held
    got = qml.grad(node, argnum=0)([0.3, -0.4])  # released: written again
    assert lists[3].obj.tolist() == [0.3, -0.4]
    assert np.allclose(np.array(got), closed_form_grad([0.3, -0.4]), rtol=0, atol=1e-15)


def test_diff_method_none_assigned_later_refuses_kept_and_new_derivatives(monkeypatch):
    """grad.__call__ does not compare ``diff_method`` at each call (issue #19, stop 66):
    assigning it drops the QNode's remembered short path (``QNode._forget_function``).
    ``diff_method = None`` keeps ``method`` ("parameter-shift") and only the option says
    "not differentiable": a derivative kept from before and a new one both raise as a
    QNode made with ``diff_method=None`` does (PennyLane's refusal), and the method
    assigned back answers again (the closed form)."""
    monkeypatch.setenv("QSYM_TIER", "compiled")
    node, never = seed_node("parameter-shift"), seed_node(None)
    t = qml.numpy.array(X1, requires_grad=True)
    with pytest.raises(Exception) as reference:
        qml.grad(never)(t)
    g = qml.grad(node)
    for _ in range(3):
        g(t), qml.grad(node)(t)
    assert node._grad_fast is not None and node._grad_fast[2] is not None  # grad.__call__'s
    node.diff_method = None
    assert node.method == "parameter-shift"  # (unchanged: only the option tells)
    for f in (g, qml.grad(node), g):
        with pytest.raises(type(reference.value), match="diff_method=None"):
            f(t)
    node.diff_method = "parameter-shift"
    for f in (g, qml.grad(node), g):
        assert np.allclose(f(t), closed_form_grad(X1), rtol=0, atol=1e-15)


@pytest.mark.parametrize("what", ["row", "base"])
@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_no_array_reachable_from_a_dropped_gradient_is_written_again(monkeypatch, method,
                                                                    what):
    """grad.__call__ checks only the gradient row's reference and weak-reference counts
    before it writes the kept arrays again (stop 66): the row owns the memory and the
    Jacobian the kernel writes is its view, unreachable from the row. A weak reference
    to the row, or to the array it is a view of (were it one), keeps them from being
    written: what stays alive holds its own point's gradient (closed form)."""
    import weakref

    monkeypatch.setenv("QSYM_TIER", "compiled")
    node = seed_node(method)
    t1, t2 = (qml.numpy.array(x, requires_grad=True) for x in (X1, X2))
    g = qml.grad(node)
    for _ in range(5):
        g(t1)
    assert node._grad_fast[2] is not None
    refs = []
    for _ in range(3):
        r = g(t1)
        refs.append(weakref.ref(r if what == "row" or r.base is None else r.base))
        del r
        g(t2)
    for ref in refs:
        kept = ref()
        if kept is not None:
            assert np.allclose(np.ravel(kept), closed_form_grad(X1), rtol=0, atol=1e-15)
    assert np.allclose(g(t2), closed_form_grad(X2), rtol=0, atol=1e-15)


@pytest.mark.parametrize("changed", ["shorter", "float32"])
def test_a_list_read_otherwise_than_its_length_says_is_not_given_to_the_entry_point(
        monkeypatch, changed):
    """grad.__call__ gives a list's array to the fused entry point without reading its
    dtype, strides and length (stop 66: n floats make a float64 array of length n); where
    NumPy's conversion is used (an item not a Python float, here a NumPy float) the array
    must then be checked as made: a list changed by another thread while it was read
    gives an array of another length or type, which the entry point refuses (a length)
    or cannot take (float32: numba's TypeError, before the check). Simulated by a
    conversion that returns such an array: the call answers at the list's point all the
    same (the closed form), as the general way reads it."""
    monkeypatch.setenv("QSYM_TIER", "compiled")
    node = seed_node()
    for _ in range(3):
        qml.grad(node, argnum=0)([0.54, 0.12])
    assert node._grad_fast[2] is not None  # grad.__call__ answers the list form
    real = runtime._as_ndarray
    other = {"shorter": lambda a: real(a[:1]), "float32": lambda a: real(a, dtype=np.float32)}

    def converted(a):
        return other[changed](a) if type(a) is list else real(a)

    monkeypatch.setattr(runtime, "_as_ndarray", converted)
    for _ in range(3):
        got = qml.grad(node, argnum=0)([0.54, np.float64(0.12)])
        assert np.allclose(np.array(got), closed_form_grad(X1), rtol=0, atol=1e-15)


def test_a_list_changed_while_its_items_are_read_gives_one_instants_gradient(monkeypatch):
    """grad.__call__ reads a list's floats one by one in Python: another thread replacing
    the list's items between two reads (``lst[:] = ...``, one step under the GIL; a
    thread switch lands there about once in 30,000 calls with switches forced) made it
    read a point the list never held, a wrong number (NumPy's conversion, the general
    way's, reads the list at one instant). Made deterministic here: the items replaced
    by a trace function when the first float is written. The items are now copied
    (``tuple(lst)``) before they are read: the gradient is the old point's (the bits of
    a tensor call there; before: a third point's)."""
    import inspect
    import sys

    monkeypatch.setenv("QSYM_TIER", "compiled")
    node, other = seed_node(), seed_node()
    points = ([0.54, 0.12], [-1.3, 2.2])
    expected = [np.asarray(qml.grad(other)(qml.numpy.array(p, requires_grad=True)))
                for p in points]
    shared = list(points[0])
    for _ in range(3):
        qml.grad(node, argnum=0)(shared)
    assert node._grad_fast[2] is not None
    lines, first = inspect.getsourcelines(runtime.grad.__call__)
    write = first + next(k for k, line in enumerate(lines) if line.strip() == "put[i] = v")
    changed = []

    def local(frame, event, arg):
        if event == "line" and frame.f_lineno == write and frame.f_locals["i"] == 0:
            shared[:] = points[1]  # (another thread's change, between the two reads)
            changed.append(1)
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is runtime.grad.__call__.__code__ else None

    sys.settrace(tracer)
    try:
        got = np.array(qml.grad(node, argnum=0)(shared))
    finally:
        sys.settrace(None)
    assert changed == [1] and shared == points[1]
    assert np.array_equal(got, expected[0])


@pytest.mark.parametrize("form", ["tensor", "list"])
def test_kept_arrays_another_call_swaps_out_before_the_counts_are_not_written(monkeypatch,
                                                                               form):
    """grad.__call__ reads the kept arrays (``held``, a list's ``listed``), then their
    reference counts. A call switched in between (a tracer's or profiler's Python code
    runs there, where a thread switch can then land; made deterministic here by a trace
    function, as for the list's items above) sees them in use and replaces them: their
    reference from ``held`` is gone, and where the caller kept the earlier gradient (or a
    view of the list form's) and another derivative kept the earlier value (``forward``),
    that made up for it: the counts read "alone" and the call wrote its numbers over
    them (adv66, stop 66: the row's count alone checked since call66; the value and the
    list form's Jacobian before). What the caller kept holds its own point's numbers
    (closed form), and every call answers at its own point."""
    import inspect
    import sys

    monkeypatch.setenv("QSYM_TIER", "compiled")
    X3 = np.array([0.7, -0.9])
    node = seed_node()
    g = qml.grad(node, argnum=0) if form == "list" else qml.grad(node)

    def arg(x):
        return [float(v) for v in x] if form == "list" else qml.numpy.array(
            x, requires_grad=True)

    for _ in range(4):
        g(arg(X1))
    assert node._grad_fast[2] is not None  # grad.__call__ answers
    earlier = qml.grad(node, argnum=0) if form == "list" else qml.grad(node)
    got = earlier(arg(X1))
    kept = got[0][...] if form == "list" else got  # (a view of the list form's Jacobian)
    del got
    lines, first = inspect.getsourcelines(runtime.grad.__call__)
    text = ("if row is not None and rc(jac) == alone_ljac" if form == "list"
            else "if row is None or rc(row) != alone_row")
    check = first + next(k for k, line in enumerate(lines) if line.strip().startswith(text))
    state = {"inside": False, "switched": 0, "other": None}

    def local(frame, event, _):
        if event == "line" and frame.f_lineno == check and not state["inside"]:
            state["inside"] = True
            try:  # (another thread's call on the same QNode, switched in here)
                state["other"] = np.array(g(arg(X3)))
            finally:
                state["inside"] = False
            state["switched"] += 1
        return local

    def tracer(frame, event, _):
        if frame.f_code is runtime.grad.__call__.__code__ and not state["inside"]:
            return local
        return None

    sys.settrace(tracer)
    try:
        now = np.array(g(arg(X2)))
    finally:
        sys.settrace(None)
    assert state["switched"] == 1
    expected = closed_form_grad(X1)
    assert np.allclose(np.ravel(kept), expected[:np.size(kept)], rtol=0, atol=1e-15)
    assert np.allclose(float(np.ravel(earlier.forward)[0]), np.cos(X1[0]) * np.cos(X1[1]),
                       rtol=0, atol=1e-15)
    assert np.allclose(now, closed_form_grad(X2), rtol=0, atol=1e-15)
    assert np.allclose(state["other"], closed_form_grad(X3), rtol=0, atol=1e-15)


def test_floats_array_converts_the_items_it_checked():
    """``_floats_array`` (a list argument of floats, grad's short paths) checked each item
    was a float, then converted the list: another thread changing an item to an int in
    between (made deterministic by a trace function on the conversion's line) gave the
    array of an int, the gradient at a point the full path refuses (IntegerArgumentError,
    PennyLane raises too; adv67). The items are now read once: the array is the checked
    items' (the list at one instant), and a list holding an int is still refused."""
    import inspect
    import sys

    shared = [0.54, np.float64(0.12)]
    lines, first = inspect.getsourcelines(runtime._floats_array)
    convert = first + next(k for k, line in enumerate(lines)
                           if line.strip() == "arr = _as_ndarray(a)")
    changed = []

    def local(frame, event, arg):
        if event == "line" and frame.f_lineno == convert and not changed:
            shared[1] = 1  # (another thread's change, after the items were checked)
            changed.append(1)
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is runtime._floats_array.__code__ else None

    sys.settrace(tracer)
    try:
        got = runtime._floats_array(shared, True, None, 2)
    finally:
        sys.settrace(None)
    assert changed == [1] and shared == [0.54, 1]
    assert np.array_equal(got, [0.54, 0.12]) and got.dtype == np.float64
    assert runtime._floats_array(shared, True, None, 2) is None  # the int: refused
