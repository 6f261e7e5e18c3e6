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


# -- qml.Tracker's count of a parameter-shift qml.grad, PennyLane's (stop 61) --------------

dev3 = qml.device("default.qubit", wires=3)


def _empty_conditional(x):
    """``qml.cond(m, qml.RY)`` after ``postselect=0``: its branch never applies."""
    qml.RX(x[0], wires=0)
    m = qml.measure(0, postselect=0)
    qml.cond(m, qml.RY)(x[1], wires=1)
    qml.CNOT(wires=[1, 2])
    return qml.expval(qml.PauliZ(2))


def _controlled_conditional(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[2], wires=1)
    m = qml.measure(0)
    qml.ctrl(qml.cond(m, qml.RY), control=2)(x[1], wires=1)
    return qml.expval(qml.PauliZ(1))


def _wireless_phase(x):
    qml.RX(x[0], wires=0)
    m = qml.measure(0)
    qml.cond(~m, qml.GlobalPhase)(x[1])
    qml.cond(m, qml.RY)(x[2], wires=1)
    qml.CNOT(wires=[1, 2])
    return qml.expval(qml.PauliZ(2))


def _variance_of_a_conditional(x):
    qml.Hadamard(1)
    m = qml.measure(1)
    qml.cond(m, qml.RY)(x[0], wires=0)
    return qml.var(qml.PauliZ(0))


def _full_pcphase(x):
    qml.RX(x[0], wires=0)
    qml.PCPhase(x[1], dim=2, wires=[0])
    qml.PauliRot(x[2], "II", wires=[0, 1])
    return qml.expval(qml.PauliZ(0))


# PennyLane 0.45.1's qml.Tracker totals["executions"] of qml.grad of each (diff_method=
# "parameter-shift", x = [0.3, 0.4, 0.5]), computed in /work/plvenv; its executed tapes read
# there: the forward circuit, then the shift-rule circuits of the parameters in its circuit
# graph's cone and a forward difference (and the unshifted circuit) for a Conditional's
@pytest.mark.parametrize("fn, pl_executions", [
    (_empty_conditional, 5),  # RX: 2 (joined to the Conditional by its measurement), cond: 1 + 1
    (_controlled_conditional, 5),  # RY: 2, Controlled(Conditional): 1 + 1, RX: "0" (no edge)
    (_wireless_phase, 6),  # both Conditionals in the cone: RX 2, forward differences 1 + 2
    (_full_pcphase, 7),  # RX, PCPhase (class frequency 2), PauliRot (1): 2 each
    (_variance_of_a_conditional, 3),  # the forward difference alone: no var_param_shift
], ids=["impossible-branch", "ctrl-of-cond", "wireless-cond", "global-phase-gates",
        "variance-of-cond"])
def test_tracker_counts_parameter_shift_circuits_as_pennylane(fn, pl_executions):
    """Before: 1, 7, 6 (agreed; the case the new graph must keep), 3 and 4 executions. A Conditional whose deferral wrote no gate (a
    branch a postselection rules out) was not counted though PennyLane's circuit graph
    still joins it to its measurement; ``qml.ctrl`` of a ``qml.cond`` (PennyLane's
    ``Controlled(Conditional)``: a forward difference, not joined to the measurement) was
    counted by its deferred gate's shift rule and its measured wire's gates; a PCPhase on
    the whole space and a PauliRot of an identity word (a global phase: qsym's rule has
    no term) keep PennyLane's class frequencies, whose two circuits it runs; a variance
    whose one trainable parameter is a Conditional's is its forward difference alone
    (PennyLane's ``var_param_shift``, and its unshifted expectation tape, run only for
    parameters of a shift rule; qsym counted that tape)."""
    node = qml.QNode(fn, dev3, diff_method="parameter-shift")
    x = qml.numpy.array([0.3, 0.4, 0.5], requires_grad=True)
    with qml.Tracker(dev3) as tracker:
        qml.grad(node)(x)
    assert tracker.totals["executions"] == pl_executions


def test_a_global_phase_instance_keeps_pennylanes_class_frequencies():
    """PennyLane 0.45.1 (/work/plvenv): ``PCPhase(0.3, dim=2, wires=[0])`` and
    ``PauliRot(0.3, "II", wires=[0, 1])`` have ``[(2,)]`` and ``[(1,)]`` (class
    attributes); qsym derived ``[()]`` from their matrices (a global phase)."""
    assert qml.PCPhase(0.3, dim=2, wires=[0]).parameter_frequencies == [(2.0,)]
    assert qml.PauliRot(0.3, "II", wires=[0, 1]).parameter_frequencies == [(1.0,)]
    assert qml.PCPhase(0.3, dim=1, wires=[0]).parameter_frequencies == [(2.0,)]


@qml.transforms.merge_rotations
@qml.transforms.cancel_inverses
@qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift")
def _two_user_transforms(x):
    qml.RX(x, 0)
    qml.RX(x, 0)
    qml.Hadamard(1)
    qml.Hadamard(1)
    qml.AngleEmbedding([x, x], wires=[0, 1])
    qml.Rot(x, 0.2, 0.3, wires=1)
    return qml.expval(qml.Z(0))


# PennyLane 0.45.1's construct_batch(level)(0.4) operation names (/work/plvenv): the slice of
# the user's transforms, then the rest of the pipeline from max(0, start - 2)
@pytest.mark.parametrize("level, pl_names", [
    (slice(-1, None), ["RX", "Hadamard", "Hadamard", "RX", "RX", "Rot"]),
    (slice(-2, None), ["RX", "RX", "RX", "Rot"]),
    (slice(-1, 3), ["RX", "Hadamard", "Hadamard", "AngleEmbedding", "Rot"]),
    (slice(None, None, -1), ["RX", "AngleEmbedding", "Rot"]),
], ids=["last-and-inner", "both-and-inner", "last-and-expansion", "reversed"])
def test_construct_batch_slices_the_user_transforms_and_the_rest_apart(level, pl_names):
    """A slice with a negative start or a step: PennyLane slices the user's transforms
    with it, then the rest of the pipeline from ``start - n_user``; qsym sliced the whole
    pipeline (``slice(-1, None)`` applied its last device transform alone: the user's
    ``cancel_inverses`` and the gradient expansion were missing)."""
    tapes, _ = qml.workflow.construct_batch(_two_user_transforms, level=level)(
        qml.numpy.array(0.4, requires_grad=True))
    assert [[op.name for op in t.operations] for t in tapes] == [pl_names]


def test_a_complex_inputs_run_raises_qsyms_own_errors_as_they_are():
    """``run_boxed_tape`` turned every qsym error whose message held "Box" into "cannot
    differentiate by a complex input": a wire named ``"Box"`` not on the device (PennyLane
    0.45.1, /work/plvenv: its ``WireError`` "... wires not found on the device: {'Box'}")
    and a basis state of complex values (PennyLane's ``ValueError`` "Basis state must only
    consist of 0s and 1s; got [np.complex128(0.6+0.8j), ...]", whose numbers qsym named as
    autograd's boxes) are raised as they are now."""
    pnp = qml.numpy
    z = pnp.array(0.6 + 0.8j, requires_grad=True)

    @qml.qnode(qml.device("default.qubit", wires=["a", "b"]))
    def off_device(z):
        qml.RX(pnp.real(z), wires="a")
        qml.RY(pnp.imag(z), wires="Box")
        return qml.expval(qml.PauliZ("a"))

    with pytest.raises(qml.WireError, match=r"not found on the device: \{'Box'\}"):
        qml.grad(off_device)(z)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def basis(z):
        qml.BasisState(pnp.stack([z, z]), wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match=r"got \[np.complex128\(\(?0.6\+0.8j\)?\)"):
        qml.grad(basis)(z)


def _edited_index(tmp_path, edit):
    from qsym import _cache as cache

    text = cache.SHIPPED_INDEX.read_text()
    path = tmp_path / "gate_index.json"
    path.write_text(edit(text))
    return path


def test_an_edited_line_of_the_shipped_index_makes_it_unused(tmp_path, monkeypatch):
    """A line of ``gate_index.json`` edited into other valid JSON (RX's code entry naming
    RY's record, its byte range moved to RY's row) was used unchecked: ``RX(0.3) RY(0.5)``
    measured 0.6967 (RY's code run for RX) against ``cos(0.3) cos(0.5)`` = 0.8384 by hand;
    a range of garbage raised a bare JSONDecodeError. The index's third line is now the
    SHA-256 of the rest: any such edit makes the whole index unused (the checked path)."""
    import re

    from qsym import _cache as cache

    table = cache.file_digest(cache.SHIPPED_RECORDS)
    assert cache._read_index(table) != {}  # the shipped file itself
    rx = re.compile(r'"\(\'RX\', None, \(\), None\)":"([0-9a-f]+)"')
    ry = re.compile(r'"\(\'RY\', None, \(\), None\)":"([0-9a-f]+)"')

    def swap(text):
        return text.replace(rx.search(text).group(1), ry.search(text).group(1), 1)

    for edit in (swap, lambda t: t.replace('":[', '":[0,10,', 1), lambda t: t[:-40]):
        monkeypatch.setattr(cache, "SHIPPED_INDEX", _edited_index(tmp_path, edit))
        assert cache._read_index(table) == {}


def test_a_row_range_of_another_record_or_of_garbage_is_not_read():
    """Defence behind the digest: a byte range is read only where it starts right after
    its record's name and parses; else None (the table parsed whole)."""
    from qsym import _cache as cache

    raw = b'{"a":[1,2],"b":{"x":3}}'
    assert cache._row_at(raw, "a", [5, 10]) == [1, 2]
    assert cache._row_at(raw, "b", [5, 10]) is None  # a's row
    assert cache._row_at(raw, "a", [0, 10]) is None
    assert cache._row_at(raw, "a", [5, 8]) is None  # cut short
    for span in ([-5, 3], ["a", "b"], [5], None, [5, 10**9], [True, 10]):
        assert cache._row_at(raw, "a", span) is None


def test_a_redirected_print_in_the_circuit_function_appears_once_per_trace():
    """``contextlib.redirect_stdout(buf)`` inside the circuit function points
    ``sys.stdout`` at the user's own stream, past the replays' wrappers: each replay
    printed into ``buf`` again ("inside" three times for one call). ``print`` itself is
    silenced in a replaying thread now: once, from the trace (docs/pennylane.md: what the
    function prints appears once per trace)."""
    import builtins
    import contextlib
    import io

    buf = io.StringIO()
    original = builtins.print

    @qml.qnode(dev1)
    def circuit(x):
        with contextlib.redirect_stdout(buf):
            print("inside")
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    circuit(0.3)
    assert buf.getvalue() == "inside\n"
    assert builtins.print is original


# PennyLane 0.45.1's qml.Tracker executions of qml.grad with diff_method="finite-diff"
# (/work/plvenv): the forward circuit, the unshifted one, one per parameter in its graph's cone
@pytest.mark.parametrize("fn, pl_executions", [
    (_empty_conditional, 4),  # RX and the Conditional's parameter (its branch impossible)
    (_controlled_conditional, 4),  # RY and the Controlled(Conditional)'s; RX outside
], ids=["impossible-branch", "ctrl-of-cond"])
def test_tracker_counts_finite_difference_circuits_as_pennylane(fn, pl_executions):
    """Before: 2 and 5. ``finite_diff`` steps each trainable tape parameter in PennyLane's
    graph cone: a ``Conditional``'s own parameters (also where its branch wrote no gate),
    on its graph wires (a ``qml.ctrl`` of one not joined to its measurement)."""
    node = qml.QNode(fn, dev3, diff_method="finite-diff")
    x = qml.numpy.array([0.3, 0.4, 0.5], requires_grad=True)
    with qml.Tracker(dev3) as tracker:
        qml.grad(node)(x)
    assert tracker.totals["executions"] == pl_executions


# PennyLane 0.45.1's qml.Tracker executions of qml.grad (/work/plvenv): RX(x) then the
# measurement of Hermitian(A) whose matrix is a qml.numpy tensor (requires_grad=True, the
# default): PennyLane's tape holds the matrix as a trainable parameter, grad_method "F"
@pytest.mark.parametrize("kind, method, pl_executions", [
    ("expval", "parameter-shift", 5), ("var", "parameter-shift", 8),
    ("expval", "finite-diff", 4), ("var", "finite-diff", 4),
])
def test_a_trainable_hermitian_matrix_is_counted_as_pennylanes_tape_parameter(
        kind, method, pl_executions):
    """Before: 3, 6, 3, 3 (the matrix was a constant); with ``requires_grad=False`` both
    libraries count 3, 6, 3, 3. The gradient is the same."""
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=method)
    def circuit(x):
        qml.RX(x[0], wires=0)
        A = qml.numpy.array([[1.0, 0.5], [0.5, -1.0]])
        return getattr(qml, kind)(qml.Hermitian(A, wires=0))

    with qml.Tracker(circuit.device) as tracker:
        qml.grad(circuit)(qml.numpy.array([0.3], requires_grad=True))
    assert tracker.totals["executions"] == pl_executions
