"""Adversarial round of stop 61 (benchmarks/results/adversarial-2026-12-06f.md): each test
is a probe that gave a wrong number, left state behind or miscounted before its fix."""

import sys
import threading

import numpy as onp
import pytest

import qsym as qml
from qsym import _minimize as minimize_module
from qsym import _trace

dev1 = qml.device("default.qubit", wires=1)


def _adjoint(fn):
    return qml.QNode(fn, dev1, diff_method="adjoint")


@_adjoint
def _rx_ry(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


@_adjoint
def _square_angle(x):
    qml.RY(1e300 * x[0] * x[0], wires=0)
    qml.RX(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


@_adjoint
def _large_observable(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(1e300 * qml.PauliZ(0))


@_adjoint
def _large_angle_coefficient(x):
    qml.RX(1e20 * x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


@pytest.mark.parametrize("node, flushed", [(_rx_ry, True), (_square_angle, False),
                                           (_large_observable, False),
                                           (_large_angle_coefficient, False)],
                         ids=["seed", "x-squared", "observable", "coefficient"])
def test_the_loop_flushes_only_a_step_whose_flushed_errors_stay_small(node, flushed):
    """Flush-to-zero replaces a result below 2**-1022 by 0.0; the documented contract (the
    step within about 2**-1022 times its operation count of the IEEE one) holds only where
    nothing multiplies that error by a large factor afterwards. ``RY(1e300 * x0**2)`` at
    ``x0 = 1e-161``: the IEEE square is 1e-322, the angle 1e-22, the derivative
    ``-sin(angle) * 2e300 * x0`` about -1.9e117 by hand, and the flushed square made it 0.0
    (the compiled loop left ``x0`` in place; the Python gradient moved it). Such a step
    (non-affine classical processing, or a coefficient above 1024 of an angle or of the
    observable) now runs in IEEE arithmetic; the seed's is still flushed."""
    x0 = onp.array([1e-161, 0.3])
    entry, _, _ = node.compiled((x0,), {}, diff=(0,))
    assert minimize_module.step_form(entry, "adjoint")[0] == "written out"
    source = minimize_module._make_loop_source(entry, "adjoint")
    assert ("_q_fp_set(" in source) == (flushed and minimize_module.flush_step())


def _stack_depth(stream):
    depth = 0
    while isinstance(stream, _trace._SilencedStream):
        depth, stream = depth + 1, stream._stream
    return depth


def test_overlapping_silenced_blocks_of_two_threads_leave_no_wrapper():
    """Two threads replaying at once, the first leaving first: each block wrapped the
    streams it found, so the first thread's wrapper stayed installed for good, one layer
    more per such overlap (three overlaps: three layers around ``sys.stdout``). One pair of
    wrappers now serves every silenced thread and the last to leave restores the
    streams."""
    out, err = sys.stdout, sys.stderr
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with _trace.silenced():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def second():
        a_in.wait(10)
        with _trace.silenced():
            b_in.set()
            a_out.wait(10)

    for _ in range(3):
        for e in (a_in, b_in, a_out):
            e.clear()
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sys.stdout is out and sys.stderr is err
    assert _stack_depth(sys.stdout) == 0


def test_a_silenced_binary_write_is_dropped(capfdbinary):
    """``sys.stdout.buffer.write`` in a replay went to the real stream (the wrapper passed
    ``buffer`` on): the function's binary output appeared once more per replay."""
    with _trace.silenced():
        buffer = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
        if buffer is not None:
            buffer.write(b"dropped\n")
    sys.stdout.flush()
    assert b"dropped" not in capfdbinary.readouterr().out
