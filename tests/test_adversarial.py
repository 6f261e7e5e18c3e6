"""Adversarial review: values a circuit reads besides its arguments, bad input that used
to get a raw error (or fill the memory), and the cache under hostile files.

Every expected number is written by hand (cos of the angle the circuit applies) and
checked against finite differences where it is a gradient.
"""

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

DEV = qml.device("default.qubit", wires=1)

SCALE = 1.0
FLAG = True
ANGLES = [0.25]
SHIFT = onp.array([0.5])


@qml.qnode(DEV)
def scaled(x):  # reads the module-level SCALE
    qml.RX(SCALE * x[0], wires=0)
    return qml.expval(qml.PauliZ(0))


@qml.qnode(DEV)
def flagged(x):  # a branch on a module-level flag
    if FLAG:
        qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))


def _extra():  # a helper the circuit calls, reading module-level values
    return ANGLES[0] + SHIFT[0]


@qml.qnode(DEV)
def helped(x):
    qml.RX(x + _extra(), wires=0)
    return qml.expval(qml.PauliZ(0))


def test_a_module_level_value_changed_after_the_first_call_is_used():
    """Before: the compiled program kept the values of the first trace (a silent wrong
    number: PennyLane runs the function at every call and sees the new ones)."""
    global SCALE, FLAG
    x = np.array([0.5], requires_grad=True)
    try:
        assert scaled(x) == pytest.approx(onp.cos(0.5), abs=1e-12)
        for _ in range(2):  # the second call takes grad's short path
            assert qml.grad(scaled)(x)[0] == pytest.approx(-onp.sin(0.5), abs=1e-12)
        SCALE = 2.0
        assert scaled(x) == pytest.approx(onp.cos(1.0), abs=1e-12)
        assert qml.grad(scaled)(x)[0] == pytest.approx(-2 * onp.sin(1.0), abs=1e-12)
        SCALE = 3.0  # now straight on grad's short path
        assert qml.grad(scaled)(x)[0] == pytest.approx(-3 * onp.sin(1.5), abs=1e-12)
        assert qml.jacobian(scaled)(x)[0] == pytest.approx(-3 * onp.sin(1.5), abs=1e-12)

        assert flagged(0.5) == pytest.approx(onp.cos(0.5), abs=1e-12)
        FLAG = False
        assert flagged(0.5) == pytest.approx(1.0, abs=1e-12)
    finally:
        SCALE, FLAG = 1.0, True


def test_values_changed_in_place_and_read_by_a_helper_are_used():
    """A list and an array changed in place, read by a function the circuit calls."""
    x = 0.1
    try:
        assert helped(x) == pytest.approx(onp.cos(0.85), abs=1e-12)
        ANGLES[0] = 1.0
        assert helped(x) == pytest.approx(onp.cos(1.6), abs=1e-12)
        SHIFT[0] = -0.2
        assert helped(x) == pytest.approx(onp.cos(0.9), abs=1e-12)
        g = qml.grad(helped)(np.array(x, requires_grad=True))
        assert g == pytest.approx(-onp.sin(0.9), abs=1e-12)
    finally:
        ANGLES[0], SHIFT[0] = 0.25, 0.5


def test_closure_and_mutable_default_changed_after_the_first_call_are_used():
    def make():
        k = [1.0]

        @qml.qnode(DEV)
        def closed(x, extra=[0.0]):  # noqa: B006 (the case under test)
            qml.RX(k[0] * x + extra[0], wires=0)
            return qml.expval(qml.PauliZ(0))

        return closed, k

    closed, k = make()
    assert closed(0.5) == pytest.approx(onp.cos(0.5), abs=1e-12)
    k[0] = 2.0
    assert closed(0.5) == pytest.approx(onp.cos(1.0), abs=1e-12)
    closed.__wrapped__.__defaults__[0][0] = 0.3
    assert closed(0.5) == pytest.approx(onp.cos(1.3), abs=1e-12)


def test_a_value_changing_at_every_call_warns_once_with_what_to_do():
    global SCALE
    x = np.array([0.2], requires_grad=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(12):
                SCALE = 1.0 + i
                assert scaled(x) == pytest.approx(onp.cos(SCALE * 0.2), abs=1e-12)
        msgs = [str(w.message) for w in caught if "traced circuit function" in str(w.message)]
        assert len(msgs) == 1 and "SCALE" in msgs[0] and "argument" in msgs[0]
    finally:
        SCALE = 1.0


def test_unchanged_values_trace_once():
    @qml.qnode(DEV)
    def once(x):
        qml.RX(SCALE * x + ANGLES[0] + SHIFT[0], wires=0)
        return qml.expval(qml.PauliZ(0))

    once(0.1)
    entry = next(iter(once._compiled.values()))
    assert entry.guard is not None and set(entry.guard.names) == {"SCALE", "ANGLES", "SHIFT"}
    for _ in range(3):
        once(0.2)
        qml.grad(once)(np.array(0.2, requires_grad=True))
    assert next(iter(once._compiled.values())) is entry
