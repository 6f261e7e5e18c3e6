"""Adversarial review, stop 57 (benchmarks/results/adversarial-2026-12-06b.md): the leftovers
of the round before (a single wire label as ``wire_order``, a value of an int array, a
memoryview argument, the kernels folder's mode, a fork during a background load), races on
fields a tier swap replaces, and new probes on what was added since.

Expected numbers are written by hand, or PennyLane 0.45.1's (run in /work/plvenv, said so).
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import errors as qsym_errors

X = onp.array([[0, 1], [1, 0]])
Z = onp.diag([1, -1])


@pytest.mark.parametrize("make, expected", [
    (lambda: qml.matrix(qml.PauliX(0), wire_order=0), X),
    (lambda: qml.PauliX(0).matrix(wire_order=0), X),
    (lambda: qml.RX(onp.pi, wires=0).matrix(wire_order=0), -1j * X),
    (lambda: qml.PauliX(0).sparse_matrix(wire_order=0).toarray(), X),
    (lambda: qml.adjoint(qml.S(0)).matrix(wire_order=0), onp.diag([1, -1j])),
    (lambda: qml.pow(qml.S(0), 2).matrix(wire_order=0), Z),
    (lambda: qml.QubitUnitary(X, wires=0).matrix(wire_order=0), X),
    (lambda: qml.dot([2.0], [qml.PauliX(0)]).matrix(wire_order=0), 2 * X),
    (lambda: qml.math.expand_matrix(X, [0], wire_order=0), X),
    (lambda: qml.matrix(lambda: qml.PauliX(0), wire_order=0)(), X),
    (lambda: qml.matrix(qml.tape.QuantumScript([qml.PauliX(0)]), wire_order=0), X),
    (lambda: qml.PauliX("ab").matrix(wire_order="ab"), X),  # one label, as Wires("ab")
    (lambda: qml.StatePrep(onp.array([0.6, 0.8]), wires=0).state_vector(wire_order=0),
     onp.array([0.6, 0.8])),
    (lambda: qml.expval(qml.PauliZ(0)).process_state(onp.array([0.6, 0.8]), wire_order=0),
     0.36 - 0.64),
], ids=["qml.matrix", "gate.matrix", "RX.matrix", "sparse", "adjoint", "pow", "unitary", "dot",
        "expand_matrix", "qfunc", "tape", "str-label", "state_vector", "process_state"])
def test_a_single_wire_label_is_a_wire_order(make, expected):
    """PennyLane 0.45.1 (run in /work/plvenv) reads ``wire_order=0`` as ``Wires(0)``, one wire:
    ``qml.matrix(qml.X(0), wire_order=0)`` is X. qsym's ``list(wire_order)`` was a bare
    ``TypeError: 'int' object is not iterable`` at each of these (the matrices by hand)."""
    assert onp.allclose(make(), expected, atol=1e-12)


def test_a_single_wire_label_is_the_wire_order_of_an_empty_pauli_word():
    """PennyLane 0.45.1 (run in /work/plvenv): ``PauliWord({}).operation(wire_order=0)`` is
    ``I(0)``; qsym read ``0 or []`` as no wire order, ``I()``."""
    word = qml.pauli.PauliWord({})
    assert word.operation(wire_order=0).wires.tolist() == [0]
    assert word.operation().wires.tolist() == []


def test_a_single_wire_label_orders_a_drawing():
    dev = qml.device("default.qubit", wires=["a", 0])

    @qml.qnode(dev)
    def c():
        qml.PauliX(0)
        return qml.expval(qml.PauliZ(0))

    # PennyLane 0.45.1 (run in /work/plvenv): "0: ──X─┤  <Z>" for wire_order=0
    assert qml.draw(c, wire_order=0)() == "0: ──X─┤  <Z>"
    assert qml.drawer.tape_text(qml.tape.QuantumScript([qml.PauliX(0)]), wire_order=0) == \
        "0: ──X─┤  "


@pytest.mark.parametrize("make", [
    lambda: qml.PauliX(0).matrix(wire_order=(0, 0)),
    lambda: qml.draw(qml.QNode(lambda: qml.expval(qml.PauliZ(0)),
                               qml.device("default.qubit", wires=1)), wire_order=[0, 0])(),
])
def test_a_wire_order_naming_a_wire_twice_is_still_a_wire_error(make):
    # PennyLane 0.45.1: a WireError for the matrix; an IndexError for the drawing
    with pytest.raises(qml.WireError, match="Wires must be unique"):
        make()


DEV2 = qml.device("default.qubit", wires=2)


@qml.qnode(DEV2)
def two_angles(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))  # cos(x0) cos(x1), by hand


@pytest.mark.parametrize("x", [onp.array([1, 0]), [1, 0], onp.array([1, 0], dtype=onp.uint8)],
                         ids=["int-array", "int-list", "uint8"])
def test_a_compiled_value_of_integers_is_the_value_at_those_numbers(x):
    """``compiled.value(np.array([1, 0]))`` raised DifferentiationError "cannot be
    differentiated" though a value differentiates nothing; the QNode computes it (and so
    does PennyLane 0.45.1, run in /work/plvenv: 0.5403023058681401 = cos(1) cos(0)).
    The gradient still refuses integers (a derivative by an int is not defined)."""
    from qsym import numpy as np

    compiled = qml.compile(two_angles, np.array([0.1, 0.2]))
    assert compiled.value(x) == pytest.approx(onp.cos(1.0))
    assert two_angles(x) == pytest.approx(onp.cos(1.0))
    with pytest.raises(qml.DifferentiationError, match="cannot be differentiated"):
        compiled.grad(x)


def test_a_compiled_value_of_bools_says_it_wants_numbers():
    from qsym import numpy as np

    compiled = qml.compile(two_angles, np.array([0.1, 0.2]))
    with pytest.raises(qml.ArgumentError, match="is not real numbers.*pass floats"):
        compiled.value(onp.array([True, False]))


@pytest.mark.parametrize("readonly", [False, True])
def test_a_memoryview_argument_is_read_as_its_array(readonly):
    """``circuit(memoryview(x))`` raised NumPy's bare "ValueError: cannot hash writable
    memoryview object" (a read-only float one: "hashing is restricted to formats 'B', 'b'
    or 'c'"); PennyLane 0.45.1 (run in /work/plvenv) computes 0.5403023058681401 =
    cos(1) cos(0). Its gradient is (-sin(1) cos(0), -cos(1) sin(0)), by hand."""
    buf = onp.array([1.0, 0.0])
    mv = memoryview(buf.tobytes()).cast("d") if readonly else memoryview(buf)
    assert two_angles(mv) == pytest.approx(onp.cos(1.0))
    grad = qml.grad(two_angles, argnum=0)(mv)
    assert onp.allclose(grad, [-onp.sin(1.0), 0.0], atol=1e-10)
    buf[0] = 0.5  # a writable buffer changed after the call: the next call reads it anew
    if not readonly:
        assert two_angles(mv) == pytest.approx(onp.cos(0.5))


def test_a_memoryview_of_integers_is_a_constant_compared_by_content():
    @qml.qnode(DEV2)
    def counted(x, bits):
        for w, b in enumerate(bits):
            if b:
                qml.PauliX(w)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    bits = onp.array([1, 0], dtype=onp.int8)
    mv = memoryview(bits)
    assert counted(0.3, mv) == pytest.approx(-onp.cos(0.3))  # X then RX: -cos, by hand
    bits[0] = 0  # the buffer's content changed: traced again
    assert counted(0.3, mv) == pytest.approx(onp.cos(0.3))


def test_the_kernels_folder_is_private_like_the_rest_of_the_cache(tmp_path, monkeypatch):
    """docs/reliability.md ("The cache's threat model"): the cache folder is private (700).
    Its ``kernels/`` was made 755 (``os.makedirs`` gives its mode to the last folder only),
    so other users could list which copies of qsym the user runs; now 700, and one made 755
    by an earlier qsym is made private again when numba's locator uses it."""
    import os
    import stat

    from qsym import _cache

    monkeypatch.setenv("QSYM_CACHE_DIR", str(tmp_path / "cache"))
    path = _cache.kernel_cache_dir()
    locator = _cache._locator_class()(test_the_kernels_folder_is_private_like_the_rest_of_the_cache,
                                      __file__, path)

    def modes():
        return [oct(stat.S_IMODE(os.stat(p).st_mode)) for p in (path.parent, path)]

    locator.ensure_cache_path()
    assert modes() == [oct(0o700)] * 2
    os.chmod(path.parent, 0o755)
    os.chmod(path, 0o755)
    locator.ensure_cache_path()
    assert modes() == [oct(0o700)] * 2
    (tmp_path / "other").mkdir(mode=0o755)  # outside the cache folder: never changed
    _cache.makedirs_private(tmp_path / "other" / "x")
    assert oct(stat.S_IMODE(os.stat(tmp_path / "other").st_mode)) == oct(0o755)
    assert oct(stat.S_IMODE(os.stat(tmp_path / "other" / "x").st_mode)) == oct(0o700)


def _race(toggle_values, target, calls, readers=3):
    """Run ``calls()`` in ``readers`` threads while another thread swaps ``target``'s field
    between ``toggle_values`` (equal times in each; the interpreter switching threads every
    microsecond): the exceptions the readers raised. Bounded by the readers' work."""
    import sys
    import threading

    obj, attr = target
    stop, errors = [], []

    def toggle():
        while not stop:
            for v in toggle_values:
                setattr(obj, attr, v)
                for _ in range(50):
                    pass

    def read():
        try:
            calls()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(exc))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        swapper = threading.Thread(target=toggle)
        swapper.start()
        threads = [threading.Thread(target=read) for _ in range(readers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop.append(True)
        swapper.join()
        sys.setswitchinterval(old)
        setattr(obj, attr, toggle_values[-1])
    return errors


def test_a_one_shot_sampler_read_by_threads_while_its_plan_is_dropped(monkeypatch):
    """A one-shot circuit drawn branch by branch: a call that finds the plan cannot draw
    at its numbers sets ``sampler.native = None``; another thread's call that had just seen
    the plan read ``sampler.native.own`` again, an AttributeError on None (3 runs of 3
    out of 3 before the fix). The value is either way's: Z(1) after RY(0.4) on wire 1 in
    the branch where the measurement gave 1 (probability sin^2(0.15) at x=0.3), so each
    estimate is in [-1, 1] and, over 20 shots, mostly 1."""
    from qsym import _shots

    monkeypatch.setattr(_shots, "NATIVE_FROM_WIRES", 1)  # (from 1 wire: the branch plan)

    @qml.set_shots(20)
    @qml.qnode(qml.device("default.qubit", wires=2), mcm_method="one-shot")
    def c(x):
        qml.RX(x, wires=0)
        m = qml.measure(0, reset=True)
        qml.cond(m, qml.RY)(0.4, wires=1)
        return qml.expval(qml.PauliZ(1))

    c(0.3)
    sampler = c._last.sampler()
    plan = sampler.native
    assert plan is not None
    values = []

    def calls():
        for _ in range(100):
            values.append(float(c(0.3)))

    errors = _race([None, plan], (sampler, "native"), calls)
    assert errors == []
    assert len(values) == 300 and all(-1 <= v <= 1 for v in values)


def _plain_qnode(**kwargs):
    @qml.qnode(qml.device("default.qubit", wires=1), **kwargs)
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    return c


@pytest.mark.parametrize("make", [
    lambda c: qml.draw(c, level="foo")(0.1),
    lambda c: qml.specs(c, level="foo")(0.1),
    lambda c: qml.draw(c, level=1.5)(0.1),
], ids=["draw", "specs", "draw-float"])
def test_an_unknown_level_of_a_qnode_without_transforms_is_a_level_error(make):
    """PennyLane 0.45.1 (run in /work/plvenv): ``qml.draw(c, level="foo")(x)`` raises
    ``ValueError: Level foo not found in transform program. ...``; qsym drew (and
    ``qml.specs`` counted) the whole circuit as if the level were known."""
    with pytest.raises(qsym_errors.LevelError, match="not found|not recognized"):
        make(_plain_qnode())
    assert qml.draw(_plain_qnode(), level="device")(0.1) == "0: ──RX(0.10)─┤  <Z>"


@pytest.mark.parametrize("decimals", [-1, 1.5, "2", True])
def test_draw_decimals_that_are_not_a_whole_number_of_places_are_an_argument_error(decimals):
    """``decimals=-1`` was Python's bare "ValueError: Format specifier missing precision"."""
    with pytest.raises(qml.ArgumentError, match="decimals must be None"):
        qml.draw(_plain_qnode(), decimals=decimals)(0.1)
    assert qml.draw(_plain_qnode(), decimals=0)(0.1) == "0: ──RX(0)─┤  <Z>"


@pytest.mark.parametrize("h", ["a", [1e-3], True, None.__class__])
def test_a_finite_difference_step_that_is_not_a_number_is_a_differentiation_error(h):
    """``h="a"`` was Python's bare "could not convert string to float"."""
    with pytest.raises(qml.DifferentiationError, match="step h must be a finite number"):
        qml.grad(_plain_qnode(diff_method="finite-diff", h=h))(qml.numpy.array(0.1))
