"""PennyLane's circuit-rewriting transforms (``qml.transforms``): ``cancel_inverses``,
``merge_rotations``, ``single_qubit_fusion``, ``commute_controlled``, ``undo_swaps``,
``remove_barrier``, ``decompose`` and ``compile`` (their pipeline). Each is a
:func:`qsym._transform.transform` of a tape into one tape whose gates have the same
unitary (up to a global phase where PennyLane's does so); gates are made detached (on no
tape) and keep autograd boxes, so a transformed QNode stays differentiable.

>>> import qsym as qml
>>> t = qml.tape.QuantumScript([qml.H(0), qml.H(0), qml.RZ(0.1, 0), qml.RZ(0.2, 0)])
>>> (new,), _ = qml.transforms.compile(t)
>>> new.operations
[RZ(0.30000000000000004, wires=[0])]
"""

from __future__ import annotations

import functools
import warnings

import autograd.numpy as anp
from autograd.tracer import Box
import numpy as np

from ._operations import GATE_CLASSES, Operation
from ._opmath import AdjointOperation, AnnotatedQueue
from ._tapes import make_qscript
from ._trace import Traced
from ._transform import VALUES_UNSEEN, detached, null_postprocessing, transform
# PennyLane's attributes (qml.ops.qubit.attributes) the passes read: the sets themselves,
# so a gate a user adds to one is seen here
from ._attributes import composable_rotations as COMPOSABLE_ROTATIONS
from ._attributes import self_inverses as SELF_INVERSES
from ._attributes import symmetric_over_all_wires as SYMMETRIC_OVER_ALL_WIRES
from ._attributes import symmetric_over_control_wires as SYMMETRIC_OVER_CONTROL_WIRES
from .errors import ArgumentError, DecompositionUndefinedError, GateError, TransformError
from .decomposition import DecompositionGraph, GateSet, enabled_graph, translate_op_alias
from ._symbolic_decomposition import get_decomp_kwargs

__all__ = ["cancel_inverses", "unitary_to_rot", "merge_rotations", "single_qubit_fusion", "commute_controlled",
           "undo_swaps", "remove_barrier", "decompose", "compile", "resolve_gate_set",
           "solve_graph", "fuse_rot_angles",
           "SELF_INVERSES", "COMPOSABLE_ROTATIONS", "find_next_gate", "rot_angles",
           "decomposition_gen", "insert", "diagonalize_measurements", "diagonalize_observable",
           "check_if_diagonalizing", "diagonalize_all_pauli_obs", "diagonalize_subset_of_pauli_obs",
           "BASE_OBSERVABLES", "DEFAULT_SUPPORTED_OBS"]



def _value(x):
    """The number inside an autograd box (or the value itself)."""
    while hasattr(x, "_value"):
        x = x._value
    return x


def _boxed(x) -> bool:
    """Whether ``x`` is trainable (an autograd box, a ``requires_grad`` tensor) or a traced
    input of a QNode's circuit function (a ``Traced`` value, or the sympy expression of
    traced inputs a gate holds), or any value while the transform runs inside a QNode's
    circuit function (``VALUES_UNSEEN``: the circuit's structure must not depend on the
    numbers of a trace): a value the passes must not drop or look at."""
    return (VALUES_UNSEEN.get() or hasattr(x, "_value")
            or bool(getattr(x, "requires_grad", False))
            or isinstance(x, Traced) or bool(getattr(x, "free_symbols", None)))


def _trainable_matrix(x) -> bool:
    """Whether a gate's matrix ``x`` is trainable or traced: an autograd box, a
    ``requires_grad`` tensor, an array holding traced values or sympy expressions (a matrix
    of plain numbers is not, even inside a QNode's trace)."""
    def trainable(v):
        return (hasattr(v, "_value") or bool(getattr(v, "requires_grad", False))
                or isinstance(v, Traced) or bool(getattr(v, "free_symbols", None)))

    if getattr(x, "dtype", None) == object:
        return trainable(x) or any(trainable(e) for e in np.asarray(x).flat)
    return trainable(x)


def find_next_gate(wires, ops) -> int | None:
    """The index in ``ops`` of the first gate sharing a wire with ``wires``, or None.

    >>> import qsym as qml
    >>> find_next_gate([1], [qml.X(0), qml.CNOT([0, 1])])
    1
    """
    wires = set(wires)
    for i, op in enumerate(ops):
        if wires & set(op.wires):
            return i
    return None


def _same_data(a, b) -> bool:
    return len(a) == len(b) and all(np.allclose(_value(x), _value(y), rtol=0, atol=0)
                                    for x, y in zip(a, b))


def _are_inverses(op1, op2) -> bool:
    if op1.name in SELF_INVERSES and op1.name == op2.name:
        return True
    if (isinstance(op2, AdjointOperation) and type(op2.base) is type(op1)
            and _same_data(op2.base.data, op1.data) and op2.base.hyper == op1.hyper):
        return True
    # PennyLane's: nothing else, not even RX(x) RX(-x) (merge_rotations' work)
    return False


def _can_cancel(op1, op2) -> bool:
    if isinstance(op1, AdjointOperation):
        op1, op2 = op2, op1
    if not _are_inverses(op1, op2):
        return False
    w1, w2 = list(op1.wires), list(op2.wires)
    if w1 == w2:
        return True
    if len(set(w1) & set(w2)) != len(w1):
        return False
    if op1.name in SYMMETRIC_OVER_ALL_WIRES:
        return True
    return op1.name in SYMMETRIC_OVER_CONTROL_WIRES and w1[-1:] == w2[-1:]


def _try_cancel(gate, rest) -> bool:
    i = find_next_gate(gate.wires, rest)
    if i is not None and _can_cancel(gate, rest[i]):
        rest.pop(i)
        return True
    return False


@functools.partial(transform, pass_name="cancel-inverses")
def cancel_inverses(tape, recursive=True):
    """PennyLane's ``qml.transforms.cancel_inverses``: remove a gate next (on its wires) to
    its inverse: self-inverse gates (``H``, ``X``, ``CNOT``, ``CZ``, ``SWAP``, ``Toffoli``,
    ...; wires permuted where the gate is symmetric) and ``qml.adjoint(op)`` after or before
    ``op``; with ``recursive`` (default) the pairs a cancellation brings together too.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.H(0), qml.X(1), qml.X(1), qml.H(0), qml.S(0)])
    >>> qml.transforms.cancel_inverses(t)[0][0].operations
    [S(0)]
    """
    rest = list(tape.operations)
    out: list = []
    while rest:
        gate = rest.pop(0)
        cancelled = _try_cancel(gate, rest)
        if not cancelled:
            out.append(gate)
            continue
        while recursive and cancelled and out:
            cancelled = _try_cancel(out[-1], rest)
            if cancelled:
                out.pop()
    return [tape.copy(operations=out)], null_postprocessing


def _su2(a, b, c):
    """``Rot(a, b, c)``'s first column (``u00``, ``u10``), autograd-differentiable."""
    return (anp.exp(-0.5j * (a + c)) * anp.cos(b / 2), anp.exp(-0.5j * (a - c)) * anp.sin(b / 2))


def rot_angles(u00, u10):
    """The ``Rot`` angles ``(a, b, c)`` of the SU(2) matrix with first column
    ``(u00, u10)`` (``Rot(a, b, c) = RZ(c) RY(b) RZ(a)``).

    >>> [round(float(x), 12) for x in rot_angles(*_su2(0.1, 0.2, 0.3))]
    [0.1, 0.2, 0.3]
    """
    b = 2 * anp.arctan2(anp.abs(u10), anp.abs(u00))
    p00 = anp.angle(u00) if _value(abs(_value(u00))) > 1e-15 else 0.0
    p10 = anp.angle(u10) if _value(abs(_value(u10))) > 1e-15 else 0.0
    return -p00 - p10, b, -p00 + p10


def fuse_rot_angles(angles1, angles2):
    """The angles of ``Rot(*angles2) @ Rot(*angles1)`` (first ``angles1``, then
    ``angles2``) as one ``Rot``: exact (the SU(2) product), differentiable by autograd.

    >>> import qsym as qml
    >>> a = fuse_rot_angles((0.1, 0.2, 0.3), (0.4, 0.5, 0.6))
    >>> m = qml.matrix(qml.Rot(0.4, 0.5, 0.6, wires=0)) @ qml.matrix(qml.Rot(0.1, 0.2, 0.3, wires=0))
    >>> bool(np.allclose(qml.matrix(qml.Rot(*a, wires=0)), m))
    True

    Batched angles (PennyLane's: arrays whose last axis holds the three angles, leading
    axes broadcast against each other) give an array of shape ``(..., 3)``:

    >>> fuse_rot_angles([[0.1, 0.2, 0.3], [0.0, 0.0, 0.0]], [0.4, 0.5, 0.6]).shape
    (2, 3)
    """
    if _autograd_boxes(angles1) or _autograd_boxes(angles2):
        return _fuse_smooth(angles1, angles2)
    if _batched_angles(angles1) or _batched_angles(angles2):
        return _fuse_batched(anp.array(angles1), anp.array(angles2))
    return rot_angles(*_su2_product(_su2(*angles1), _su2(*angles2)))


def _autograd_boxes(angles) -> bool:
    """Whether autograd traces ``angles`` (an array box, or a box among them)."""
    if isinstance(angles, Box):
        return True
    return isinstance(angles, (list, tuple)) and any(_autograd_boxes(a) for a in angles)


def _fuse_smooth(angles1, angles2):
    """:func:`fuse_rot_angles` by closed forms that are smooth wherever the fused Euler
    angles are (PennyLane's formulas, derived in its ``single_qubit_fusion`` docs):
    ``theta = 2 arccos |u00|`` and the half sums and differences of the angles by
    ``arctan2`` of the product's entries. Autograd differentiates them; where the Euler
    angles are singular (``|u00|`` 0 or 1) the derivative is NaN, as PennyLane's, not the
    derivative of one branch's choice (``rot_angles`` fixes a phase there to 0, which is
    right for the value and wrong for the derivative)."""
    a1 = anp.moveaxis(anp.array(angles1) if isinstance(angles1, (list, tuple)) else angles1,
                      -1, 0)
    a2 = anp.moveaxis(anp.array(angles2) if isinstance(angles2, (list, tuple)) else angles2,
                      -1, 0)
    phi1, theta1, omega1 = a1[0], a1[1], a1[2]
    phi2, theta2, omega2 = a2[0], a2[1], a2[2]
    c1, c2 = anp.cos(theta1 / 2), anp.cos(theta2 / 2)
    s1, s2 = anp.sin(theta1 / 2), anp.sin(theta2 / 2)
    mag = anp.sqrt(c1 ** 2 * c2 ** 2 + s1 ** 2 * s2 ** 2
                   - 2 * c1 * c2 * s1 * s2 * anp.cos(omega1 + phi2))
    theta = 2 * anp.arccos(anp.clip(mag, 0.0, 1.0))  # (rounding past 1: not a NaN value)
    p1, m1 = (phi1 + omega1) / 2, (phi1 - omega1) / 2
    p2, m2 = (phi2 + omega2) / 2, (phi2 - omega2) / 2
    alpha = -anp.arctan2(-c1 * c2 * anp.sin(p1 + p2) - s1 * s2 * anp.sin(m2 - m1),
                         c1 * c2 * anp.cos(p1 + p2) - s1 * s2 * anp.cos(m2 - m1))
    beta = -anp.arctan2(-c1 * s2 * anp.sin(p1 + m2) + s1 * c2 * anp.sin(p2 - m1),
                        c1 * s2 * anp.cos(p1 + m2) + s1 * c2 * anp.cos(p2 - m1))
    return anp.stack([alpha + beta, theta, alpha - beta], axis=-1)


def _su2_product(x, y) -> tuple:
    """The first column of ``Y @ X`` from the first columns of the SU(2) matrices ``X``
    and ``Y`` (``U_01 = -conj(U_10)``, ``U_11 = conj(U_00)``)."""
    (x00, x10), (y00, y10) = x, y
    return y00 * x00 - anp.conj(y10) * x10, y10 * x00 + anp.conj(y00) * x10


def _batched_angles(angles) -> bool:
    """Whether ``angles`` has axes before the three angles (a batch)."""
    return np.ndim(np.asarray(_value(angles), dtype=object)) > 1


def _fuse_batched(angles1, angles2):
    """:func:`fuse_rot_angles` of arrays ``(..., 3)``, elementwise (broadcast)."""
    u00, u10 = _su2_product(_su2(*anp.moveaxis(angles1, -1, 0)),
                            _su2(*anp.moveaxis(angles2, -1, 0)))
    b = 2 * anp.arctan2(anp.abs(u10), anp.abs(u00))
    p00 = anp.where(anp.abs(u00) > 1e-15, anp.angle(u00), 0.0)
    p10 = anp.where(anp.abs(u10) > 1e-15, anp.angle(u10), 0.0)
    return anp.stack([-p00 - p10, b, -p00 + p10], axis=-1)


def _undo_adjoints(ops) -> list:
    out = []
    for op in ops:
        if isinstance(op, AdjointOperation):
            with detached():
                try:
                    out.extend(_undo_adjoints(op.decomposition()))
                    continue
                except GateError:
                    pass
        out.append(op)
    return out


def _merged(cls, wires, angles, atol):
    """A ``cls`` gate with these angles, or None when they are all (within ``atol``) zero
    (``Rot``: its angles ``a + c`` and ``b``) and none is trainable."""
    test = [angles[0] + angles[2], angles[1]] if cls is GATE_CLASSES["Rot"] else list(angles)
    if not any(_boxed(a) for a in angles) and all(abs(_value(a)) <= atol for a in test):
        return None
    with detached():
        return cls(*angles, wires=wires)


def _merge_run(gate, rest):
    """Pop from ``rest`` the gates of ``gate``'s kind on its wires that follow it with
    nothing between on those wires; their summed (``Rot``: fused) angles."""
    angles = list(gate.data)
    merged = False
    i = find_next_gate(gate.wires, rest)
    while i is not None and type(rest[i]) is type(gate) and list(rest[i].wires) == list(gate.wires):
        nxt = rest.pop(i)
        angles = (list(fuse_rot_angles(angles, nxt.data)) if gate.name == "Rot"
                  else [a + b for a, b in zip(angles, nxt.data)])
        merged = True
        i = find_next_gate(gate.wires, rest)
    return angles, merged


@functools.partial(transform, pass_name="merge-rotations")
def merge_rotations(tape, atol=1e-8, include_gates=None):
    """PennyLane's ``qml.transforms.merge_rotations``: consecutive rotations of one kind on
    the same wires (``RX``, ``RY``, ``RZ``, ``PhaseShift``, ``CRX``..., ``Ising*``, ``Rot``
    fused exactly, excitations) become one gate with the summed angle; a merged gate whose
    angles are all within ``atol`` of zero is dropped (unless an angle is trainable);
    ``include_gates`` restricts it to those gate names. Adjoints are applied first.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.RX(0.2, 0), qml.RY(0.3, 1), qml.RY(-0.3, 1)])
    >>> qml.transforms.merge_rotations(t)[0][0].operations
    [RX(0.30000000000000004, wires=[0])]
    """
    rest = _undo_adjoints(tape.operations)
    out: list = []
    while rest:
        gate = rest.pop(0)
        if (include_gates is not None and gate.name not in include_gates) or \
                gate.name not in COMPOSABLE_ROTATIONS:
            out.append(gate)
            continue
        angles, merged = _merge_run(gate, rest)
        if not merged:
            out.append(gate)
            continue
        new = _merged(type(gate), gate.wires, angles, atol)
        if new is not None:
            out.append(new)
    return [tape.copy(operations=out)], null_postprocessing


_HALF_PI = np.pi / 2
# gates whose Rot angles (and the global phase left over) are closed forms of their
# parameters, so a trainable angle stays differentiable: name -> (angles, phase)
_ROT_FORMS = {
    "RX": lambda t: ((_HALF_PI, t, -_HALF_PI), 0.0),
    "RY": lambda t: ((0.0, t, 0.0), 0.0),
    "RZ": lambda t: ((t, 0.0, 0.0), 0.0),
    "Rot": lambda a, b, c: ((a, b, c), 0.0),
    "PhaseShift": lambda t: ((t, 0.0, 0.0), t / 2),
    "U1": lambda t: ((t, 0.0, 0.0), t / 2),
}


def _rot_form(op):
    """``op``'s ``Rot`` angles and global phase (``op = e^{i phase} Rot(angles)``), or
    None for a gate that is not a single-qubit gate with a matrix."""
    if len(op.wires) != 1 or op.name not in GATE_CLASSES and not isinstance(op, AdjointOperation):
        return None
    if op.data and VALUES_UNSEEN.get():  # inside a QNode's trace: parametrized gates stay
        return None
    form = _ROT_FORMS.get(op.name)
    if form is not None:
        return form(*op.data)
    if any(_boxed(d) for d in op.data):
        raise TransformError(f"single_qubit_fusion differentiates RX, RY, RZ, Rot and "
                             f"PhaseShift angles only; {op.name} has a trainable parameter "
                             f"(exclude_gates=[{op.name!r}] keeps it)")
    try:
        m = np.asarray(op.matrix(), dtype=complex)
    except (GateError, TypeError, ValueError):
        return None
    det = np.linalg.det(m)
    phase = np.angle(det) / 2
    su = m * np.exp(-1j * phase)
    return tuple(float(x) for x in rot_angles(su[0, 0], su[1, 0])), phase


def _identity_sign(angles, atol):
    """+1 or -1 when ``Rot(*angles)`` is (within ``atol``) that multiple of the identity
    and no angle is trainable, else None."""
    if any(_boxed(a) for a in angles):
        return None
    a, b, c = (float(np.real(_value(x))) for x in angles)
    turn = (a + c) % (4 * np.pi)
    if abs(b) > atol:
        return None
    if min(turn, 4 * np.pi - turn) <= atol:
        return 1
    return -1 if abs(turn - 2 * np.pi) <= atol else None


@transform
def single_qubit_fusion(tape, atol=1e-8, exclude_gates=None):
    """PennyLane's ``qml.transforms.single_qubit_fusion``: each run of two or more
    single-qubit gates on one wire becomes one ``Rot`` (fused exactly; dropped when it is
    the identity within ``atol``), and a ``GlobalPhase`` at the end keeps the unitary
    exact; ``exclude_gates`` names gates left alone.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.H(0), qml.H(0)])
    >>> qml.transforms.single_qubit_fusion(t)[0][0].operations
    []
    """
    exclude = set(exclude_gates or ())
    rest, out, phase = list(tape.operations), [], 0.0
    while rest:
        gate = rest.pop(0)
        form = None if gate.name in exclude else _rot_form(gate)
        i = find_next_gate(gate.wires, rest)
        if form is None or i is None or rest[i].name in exclude or _rot_form(rest[i]) is None:
            out.append(gate)
            continue
        angles, phase = form[0], phase + form[1]
        while i is not None and rest[i].name not in exclude:
            nxt = _rot_form(rest[i])
            if nxt is None:
                break
            rest.pop(i)
            angles, phase = fuse_rot_angles(angles, nxt[0]), phase + nxt[1]
            i = find_next_gate(gate.wires, rest)
        sign = _identity_sign(angles, atol)
        if sign is None:
            with detached():
                out.append(GATE_CLASSES["Rot"](*angles, wires=gate.wires))
        elif sign < 0:  # the fused gate is -1: a phase of pi
            phase = phase + np.pi
    if _boxed(phase) or abs((_value(phase) + np.pi) % (2 * np.pi) - np.pi) > 1e-12:
        with detached():
            out.append(GATE_CLASSES["GlobalPhase"](-phase))
    return [tape.copy(operations=out)], null_postprocessing


# PennyLane's ``basis`` of gates (the Pauli basis a gate, or a controlled gate's target,
# acts in): what commute_controlled reads
_BASIS = {**dict.fromkeys(["PauliX", "RX", "SX", "CNOT", "CRX", "Toffoli", "MultiControlledX"], "X"),
          **dict.fromkeys(["PauliY", "RY", "CY", "CRY"], "Y"),
          **dict.fromkeys(["PauliZ", "RZ", "PhaseShift", "S", "T", "U1", "CZ", "CRZ",
                           "ControlledPhaseShift", "CCZ"], "Z")}


def _controls(op) -> set:
    try:
        return set(op.control_wires or ())
    except (AttributeError, GateError):
        return set()


def _commutes(single, controlled) -> bool:
    if set(single.wires) & _controls(controlled):
        return _BASIS[single.name] == "Z"
    return _BASIS[single.name] == _BASIS[controlled.name]


def _pushable(op) -> bool:
    return op.name in _BASIS and len(op.wires) == 1


def _through(op) -> bool:
    return op.name in _BASIS and bool(_controls(op))


def _push(ops, k, forward) -> int:
    """Where gate ``k`` of ``ops`` moves: past every controlled gate it commutes with."""
    gate, pos = ops[k], k
    while True:
        span = ops[pos + 1:] if forward else ops[:pos][::-1]
        i = find_next_gate(gate.wires, span)
        if i is None:
            return pos
        other = span[i]
        if not _through(other) or not _commutes(gate, other):
            return pos
        pos = pos + i + 1 if forward else pos - i - 1


@transform
def commute_controlled(tape, direction="right"):
    """PennyLane's ``qml.transforms.commute_controlled``: single-qubit gates move
    (``direction`` ``"right"`` or ``"left"``) past the controlled gates they commute with:
    Z-basis gates (``RZ``, ``S``, ``T``, ``PhaseShift``, ...) through controls, gates of a
    controlled gate's target basis (``X``/``RX`` through ``CNOT``'s target) through targets.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.S(0), qml.CNOT([0, 1]), qml.X(1)])
    >>> qml.transforms.commute_controlled(t, direction="left")[0][0].operations
    [S(0), X(1), CNOT(wires=[0, 1])]
    """
    if direction not in ("left", "right"):
        raise ValueError("Direction for commute_controlled must be 'left' or 'right'")
    ops = list(tape.operations)
    order = range(len(ops) - 1, -1, -1) if direction == "right" else range(len(ops))
    for k in order:
        if k >= len(ops) or not _pushable(ops[k]):
            continue
        new = _push(ops, k, direction == "right")
        ops.insert(new + (1 if direction == "right" else 0), ops[k])
        ops.pop(k if direction == "right" or new > k else k + 1)
    return [tape.copy(operations=ops)], null_postprocessing


@transform
def undo_swaps(tape):
    """PennyLane's ``qml.transforms.undo_swaps``: remove the ``SWAP`` gates, relabelling the
    wires of the gates before them instead (the measured state is the same).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.X(0), qml.SWAP([0, 1])], [qml.probs(wires=[0, 1])])
    >>> qml.transforms.undo_swaps(t)[0][0].operations
    [X(1)]
    """
    wire_map = {w: w for w in tape.wires}
    gates = []
    for op in reversed(tape.operations):
        if op.name == "SWAP":
            a, b = op.wires
            wire_map[a], wire_map[b] = wire_map[b], wire_map[a]
        else:
            with detached():
                gates.append(op.map_wires(wire_map))
    return [tape.copy(operations=gates[::-1])], null_postprocessing


@transform
def merge_amplitude_embedding(tape):
    """PennyLane's ``qml.transforms.merge_amplitude_embedding``: the ``AmplitudeEmbedding``
    templates of a tape become one, on all their wires, at the start: its amplitudes the
    tensor product of theirs (padded; a batch kept), normalized if any of them was (each
    other one has norm 1 already). An embedding on a wire another gate used before raises
    ``DeviceError`` (PennyLane's).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.AmplitudeEmbedding([0.0, 1.0], wires=0),
    ...                             qml.X(2), qml.AmplitudeEmbedding([0.6, 0.8], wires=1)])
    >>> new = qml.transforms.merge_amplitude_embedding(t)[0][0]
    >>> new.operations
    [AmplitudeEmbedding(array([0. , 0. , 0.6, 0.8]), wires=[0, 1]), X(2)]
    >>> new.operations[0].data[0].tolist()
    [0.0, 0.0, 0.6, 0.8]
    """
    from .errors import DeviceError
    from .templates import AmplitudeEmbedding
    gates, visited, embeddings = [], set(), []
    for op in tape.operations:
        if not isinstance(op, AmplitudeEmbedding):
            gates.append(op)
            visited.update(op.wires)
            continue
        if visited.intersection(op.wires):
            raise DeviceError(f"Operation {op.name} cannot be used after other Operation "
                              "applied in the same qubit (merge_amplitude_embedding: put the "
                              "embeddings before the other gates on their wires)")
        embeddings.append(op)
        visited.update(op.wires)
    if embeddings:
        gates.insert(0, _merged_embedding(embeddings, AmplitudeEmbedding))
    return [tape.copy(operations=gates)], null_postprocessing


def _padded_features(op):
    """An embedding's amplitudes as an array, padded with its ``pad_with`` to
    ``2**len(wires)`` (a batch: one row per parameter set)."""
    features = op.data[0]
    x = anp.array(features) if isinstance(features, (list, tuple)) else features
    pad, dim = op.hyperparameters.get("pad_with"), 2 ** len(op.wires)
    if pad is not None and x.shape[-1] < dim:
        filler = np.full(x.shape[:-1] + (dim - x.shape[-1],), pad)
        x = anp.concatenate([x, filler], axis=-1)
    return x


def _merged_embedding(embeddings, cls):
    """One embedding of ``embeddings``' tensor product, on their wires in order."""
    vector, wires, batched = _padded_features(embeddings[0]), list(embeddings[0].wires), False
    for op in embeddings[1:]:
        other = _padded_features(op)
        batched = batched or vector.ndim == 2 or other.ndim == 2
        vector = vector[..., :, None] * other[..., None, :]
        vector = anp.reshape(vector, (vector.shape[0], -1) if batched else (-1,))
        wires += list(op.wires)
    normalize = any(op.hyperparameters.get("normalize") for op in embeddings)
    with detached():
        return cls(vector, wires=wires, normalize=normalize)


@transform
def remove_barrier(tape):
    """PennyLane's ``qml.transforms.remove_barrier``: drop ``Barrier`` gates (qsym's
    circuits have none of their own; a tape's are removed).

    >>> import qsym as qml
    >>> qml.transforms.remove_barrier(qml.tape.QuantumScript([qml.X(0)]))[0][0].operations
    [X(0)]
    """
    ops = [op for op in tape.operations if op.name != "Barrier"]
    return [tape.copy(operations=ops)], null_postprocessing


@transform
def unitary_to_rot(tape):
    """PennyLane's ``qml.transforms.unitary_to_rot``: every one-qubit ``QubitUnitary``
    becomes ``RZ``, ``RY``, ``RZ`` (``qml.ops.one_qubit_decomposition``, the global phase
    left out), every two-qubit one the CNOT circuit of ``two_qubit_decomposition`` (its
    one-qubit unitaries decomposed in turn); larger ones stay. The angles are computed
    from the matrix's numbers (a constant of the circuit in qsym; inside a QNode's trace, a
    matrix computed from the inputs is numbers at each call, its derivative refused): a
    trainable matrix on a tape raises ``TransformError``.

    >>> import numpy as np
    >>> import qsym as qml
    >>> H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    >>> t = qml.tape.QuantumScript([qml.QubitUnitary(H, wires=0)], [qml.expval(qml.Z(0))])
    >>> [op.name for op in qml.transforms.unitary_to_rot(t)[0][0].operations]
    ['RZ', 'RY', 'RZ']
    """
    ops = []
    for op in tape.operations:
        ops.extend(decompose_qubit_unitary(op))
    return [tape.copy(operations=ops)], null_postprocessing


def decompose_qubit_unitary(op) -> list:
    """:func:`unitary_to_rot`'s gates for one operator (PennyLane's
    ``_recursively_decompose_qubit_unitary``): a one-qubit ``QubitUnitary`` as ``RZ``,
    ``RY``, ``RZ``, a two-qubit one as ``two_qubit_decomposition``'s gates with its
    one-qubit unitaries decomposed in turn; any other operator as it is.

    >>> import qsym as qml
    >>> [g.name for g in decompose_qubit_unitary(qml.QubitUnitary(np.diag([1, 1j]), wires=0))]
    ['RZ', 'RY', 'RZ']
    """
    from ._unitary_decompositions import one_qubit_decomposition, two_qubit_decomposition

    out, todo = [], [op]
    while todo:
        op = todo.pop()
        if op.name != "QubitUnitary" or len(op.wires) > 2:
            out.append(op)
            continue
        # qsym holds the matrix as numbers (part of the circuit's structure, never a traced
        # input: inside a QNode's trace, a matrix computed from the inputs was made numbers
        # by QubitUnitary itself, which makes that trace per call and refuses derivatives by
        # those inputs): its numbers may decide the gates, as they decide QubitUnitary's
        held = dict(op.hyper).get("U")  # (the numbers qsym holds, not the object given)
        if held is not None and _trainable_matrix(held):
            raise TransformError(
                "unitary_to_rot computes rotation angles from the numbers of a QubitUnitary's "
                "matrix: a trainable matrix is not supported by qsym; give a matrix that does "
                "not require gradients")
        matrix = np.asarray(op.matrix(), dtype=complex)
        with detached():
            if len(op.wires) == 1:
                out.extend(one_qubit_decomposition(matrix, op.wires[0]))
            else:  # its one-qubit QubitUnitary gates are decomposed next
                todo.extend(two_qubit_decomposition(matrix, op.wires)[::-1])
    return out


@functools.partial(transform, pass_name="combine-global-phases")
def combine_global_phases(tape):
    """PennyLane's ``qml.transforms.combine_global_phases``: the ``GlobalPhase`` gates of a
    tape replaced by one, of the sum of their angles, after the other gates.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.GlobalPhase(0.5), qml.X(0), qml.GlobalPhase(0.25)])
    >>> qml.transforms.combine_global_phases(tape)[0][0].operations
    [X(0), GlobalPhase(0.75, wires=[])]
    """
    ops = tape.operations
    if any(op.name == "GlobalPhase" for op in ops):
        ops = fuse_global_phases(ops)
    return [tape.copy(operations=ops)], null_postprocessing


def fuse_global_phases(operations) -> list:
    """The operators without their ``GlobalPhase`` gates, then one ``GlobalPhase`` of the
    sum of their angles (0 if there is none: PennyLane's ``_fuse_global_phases``, module path
    ``qml.transforms.optimization.optimization_utils``).

    >>> import qsym as qml
    >>> fuse_global_phases([qml.GlobalPhase(0.5), qml.X(0), qml.GlobalPhase(0.25)])
    [X(0), GlobalPhase(0.75, wires=[])]
    """
    phases = [op.data[0] for op in operations if op.name == "GlobalPhase"]
    with detached():
        phase = GATE_CLASSES["GlobalPhase"](sum(phases) if phases else 0.0)
    return [op for op in operations if op.name != "GlobalPhase"] + [phase]


def _gate_set_test(gate_set, stopping_condition):
    """The acceptance test of ``decompose``'s gate set (names, gate classes, a dict of
    them to costs) and stopping condition; none given: every gate of qsym's table."""
    return resolve_gate_set(gate_set, stopping_condition)[1]


def resolve_gate_set(gate_set=None, stopping_condition=None):
    """PennyLane's ``_resolve_gate_set``: ``(GateSet, acceptance test of an operator)``.
    Neither given: every gate of qsym's table (templates and composite operators are
    decomposed); a gate set and a stopping condition: an operator in either is accepted.

    >>> import qsym as qml
    >>> gs, accept = resolve_gate_set({"RX", qml.CNOT}, None)
    >>> sorted(gs), accept(qml.RX(0.1, 0)), accept(qml.RY(0.1, 0))
    (['CNOT', 'RX'], True, False)

    Neither given, an operator PennyLane's ``gate_sets.ALL_OPS`` names (by its alias:
    ``BasisEmbedding`` is ``BasisState``) is kept too, as PennyLane's: a state preparation,
    a channel, a ``Barrier``, a ``Snapshot``.

    >>> _, accept = resolve_gate_set()
    >>> accept(qml.StatePrep([0.6, 0.8], wires=0)), accept(qml.BasisEmbedding([1], wires=0))
    (True, True)
    >>> accept(qml.QFT(wires=[0, 1]))
    False
    """
    if gate_set is None and stopping_condition is None:
        table = GateSet(sorted(GATE_CLASSES), name="All qsym gates")
        return table, _in_all_ops
    if gate_set is None and enabled_graph():
        raise TypeError("The gate_set argument is required when the graph-based decomposition "
                        "system is enabled via qml.decomposition.enable_graph()")
    if isinstance(gate_set, (type, str)):
        gate_set = {gate_set}
    if gate_set is not None and not hasattr(gate_set, "__iter__"):
        raise TypeError("Invalid gate_set type. Must be an iterable, dictionary, or function.")
    gate_set = GateSet(gate_set or ())

    def accept(op):
        if op in gate_set:
            return True
        return bool(stopping_condition is not None and stopping_condition(op))

    return gate_set, accept


def _in_all_ops(op) -> bool:
    """Whether ``decompose`` without a gate set keeps ``op``: a gate of qsym's table (not an
    adjoint), or an operator PennyLane's ``ALL_OPS`` names (:data:`PL_ALL_OPS`, the name
    translated as PennyLane's ``to_name`` does)."""
    name = getattr(op, "name", type(op).__name__)  # (a qml.Snapshot: its class's)
    if name in GATE_CLASSES and not isinstance(op, AdjointOperation):
        return True
    return translate_op_alias(name) in PL_ALL_OPS


def _decomposable(op) -> bool:
    """Whether ``op`` has a decomposition (gates say so; templates have one)."""
    has = getattr(op, "has_decomposition", None)
    return bool(has) if has is not None else callable(getattr(op, "decomposition", None))


def _by_rule(op, rule) -> list:
    """The gates ``rule`` (a :class:`qsym.decomposition.DecompositionRule`) makes for ``op``."""
    params = list(getattr(op, "parameters", None) or getattr(op, "data", ()))
    with AnnotatedQueue() as q:
        rule(*params, wires=op.wires, **get_decomp_kwargs(op))
    return list(q.queue)


def _parts(op, accept, graph, custom_decomposer, strict, work=0):
    """The operators ``op`` decomposes into one level down (PennyLane's order: the graph's
    rule for ``work`` work wires free, a custom decomposer, ``op.decomposition()``) and the
    work wires left free for them; None: ``op`` is kept as it is."""
    if graph is not None and graph.is_solved_for(op, work):  # (a GlobalPhase with a fixed rule)
        rule = graph.decomposition(op, work)
        if work is not None:  # what the rule allocates is not free below it (PennyLane's)
            work -= rule.get_work_wire_spec(**dict(DecompositionGraph.node_of(op).params)).total
        return _by_rule(op, rule), work
    parts = _parts_without_graph(op, custom_decomposer, strict)
    return None if parts is None else (parts, work)


def _parts_without_graph(op, custom_decomposer, strict):
    if op.name == "GlobalPhase" and enabled_graph():
        warnings.warn(
            "With qml.decomposition.enabled_graph(), GlobalPhase is not assumed to have a "
            "decomposition. To disable this warning, add GlobalPhase to the gate set, or "
            "assign a decomposition rule to GlobalPhase via the fixed_decomps keyword "
            "argument.", UserWarning, stacklevel=5)
        return None
    if op.name == "GlobalPhase":
        return []  # PennyLane's: a global phase decomposes to nothing
    if custom_decomposer is not None:
        try:
            return list(custom_decomposer(op))
        except DecompositionUndefinedError as exc:
            raise DecompositionUndefinedError(
                f"Operator {op} not supported and does not provide a decomposition.") from exc
    if _decomposable(op):
        try:
            return list(op.decomposition())
        except (DecompositionUndefinedError, NotImplementedError):
            pass
    if strict:
        raise DecompositionUndefinedError(
            f"Operator {op} not supported and does not provide a decomposition.")
    if not enabled_graph():
        warnings.warn(f"Operator {op.name} does not define a decomposition to the target gate "
                      "set and was not found in the target gate set. To remove this warning, "
                      f"add the operator name ({op.name}) or type ({type(op)}) to the gate set.",
                      UserWarning, stacklevel=5)
    return None


def _decompose_op(op, accept, depth, max_expansion, strict, graph=None, custom_decomposer=None,
                  work=0):
    """``op`` decomposed until every operator is accepted (PennyLane's
    ``_operator_decomposition_gen``, as a list), with ``work`` work wires free for the
    graph's rules (None: no limit)."""
    done = max_expansion is not None and depth >= max_expansion
    if type(op).__name__ == "Conditional":  # qml.cond: its base decomposed, each conditioned
        if accept(op.base) or done:
            return [op]
        # (PennyLane's generator passes no budget for a conditioned base: its default, 0)
        return [type(op)(op.meas_val, g) if hasattr(op, "meas_val") else op.with_base(g)
                for g in _decompose_op(op.base, accept, depth, max_expansion, strict, graph,
                                       custom_decomposer)]
    if done or accept(op):
        return [op]
    with detached():
        found = _parts(op, accept, graph, custom_decomposer, strict, work)
    if found is None:
        return [op]
    parts, work = found
    return [g for part in parts for g in _decompose_op(part, accept, depth + 1, max_expansion,
                                                        strict, graph, custom_decomposer, work)]


def decomposition_gen(op, acceptance_function, max_expansion=None, current_depth=0,
                      num_work_wires=0, graph_solution=None, custom_decomposer=None,
                      strict=False):
    """The gates ``op`` decomposes into, one at a time, until ``acceptance_function``
    accepts each or ``max_expansion`` levels are done (PennyLane's
    ``_operator_decomposition_gen``): by the rule ``graph_solution`` chose for it (a
    :class:`qsym.decomposition.DecompGraphSolution`), else ``custom_decomposer(op)``,
    else ``op.decomposition()``. An operator with none is kept with PennyLane's warning,
    or with ``strict`` raises :class:`qsym.errors.DecompositionUndefinedError`.

    >>> import qsym as qml
    >>> list(decomposition_gen(qml.Rot(0.1, 0.2, 0.3, wires=0), lambda op: op.name == "RZ" or op.name == "RY"))
    [RZ(0.1, wires=[0]), RY(0.2, wires=[0]), RZ(0.3, wires=[0])]
    """
    yield from _decompose_op(op, acceptance_function, current_depth, max_expansion, strict,
                             graph_solution, custom_decomposer, num_work_wires)


def solve_graph(operations, gate_set, fixed_decomps=None, alt_decomps=None, strict=True,
                num_work_wires=0, minimize_work_wires=False):
    """The graph-based system's solution for ``operations`` (PennyLane's
    ``_construct_and_solve_decomp_graph``).

    >>> import qsym as qml
    >>> solve_graph([qml.SWAP([0, 1])], {"CNOT"}).decomposition(qml.SWAP([0, 1])).name
    '_swap_to_cnot'
    """
    graph = DecompositionGraph(operations, gate_set, fixed_decomps=fixed_decomps,
                               alt_decomps=alt_decomps, strict=strict)
    return graph.solve(num_work_wires=num_work_wires, lazy=False,
                       minimize_work_wires=minimize_work_wires)


@transform
def decompose(tape, *, gate_set=None, stopping_condition=None, max_expansion=None,
              num_work_wires=0, minimize_work_wires=False, fixed_decomps=None,
              alt_decomps=None, strict=True):
    """PennyLane's ``qml.transforms.decompose`` (also ``qml.decompose``): replace each gate
    not in ``gate_set`` (names and/or gate classes, e.g. ``{"RX", "RZ", "CNOT"}``, a dict
    of them to weights, a :class:`qsym.decomposition.GateSet`) and for which
    ``stopping_condition(op)`` is not true by its decomposition, again until every gate
    is accepted or ``max_expansion`` levels are done. With neither given, templates and
    other composite operators become qsym's table gates. A gate that is not accepted and
    has no decomposition is kept, with PennyLane's ``UserWarning``.

    Off (the default), the decomposition is ``op.decomposition()``. With the graph-based
    system on (``qml.decomposition.enable_graph()``), each operator's rule is the one of
    least total weight to ``gate_set`` (:class:`qsym.decomposition.DecompositionGraph`),
    ``fixed_decomps`` (``{op type: rule}``) and ``alt_decomps`` (``{op type: [rules]}``)
    choose or add rules, and an operator no rule takes there falls back to
    ``op.decomposition()``.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.Rot(0.1, 0.2, 0.3, wires=0)])
    >>> qml.transforms.decompose(t, gate_set={"RZ", "RY"})[0][0].operations
    [RZ(0.1, wires=[0]), RY(0.2, wires=[0]), RZ(0.3, wires=[0])]
    """
    if not enabled_graph() and (fixed_decomps or alt_decomps):
        raise TypeError(
            "The keyword arguments fixed_decomps and alt_decomps are only available with the "
            "new experimental graph-based decomposition system. Use "
            "qml.decomposition.enable_graph() to enable the new system.")
    gate_set, accept = resolve_gate_set(gate_set, stopping_condition)
    if all(accept(op) for op in tape.operations):
        return [tape], null_postprocessing
    graph = None
    if enabled_graph():
        graph = solve_graph([op for op in tape.operations if not accept(op)], gate_set,
                            fixed_decomps, alt_decomps, strict, num_work_wires,
                            minimize_work_wires)
        num_work_wires = graph.num_work_wires  # (the fewest needed, with minimize_work_wires)
    try:
        ops = [g for op in tape.operations
               for g in _decompose_op(op, accept, 0, max_expansion, False, graph,
                                      work=num_work_wires)]
    except RecursionError as exc:
        raise RecursionError(
            "Reached recursion limit trying to decompose operations. Operator decomposition "
            "may have entered an infinite loop. Setting max_expansion will terminate the "
            "decomposition at a fixed recursion depth.") from exc
    return [tape.copy(operations=ops)], null_postprocessing


_DEFAULT_PIPELINE = (commute_controlled, cancel_inverses, merge_rotations, remove_barrier)

# PennyLane 0.45's ``qml.decomposition.gate_sets.ALL_OPS`` (its qubit names; qsym refuses
# the qutrit and continuous-variable ones): what ``compile`` without a ``basis_set`` leaves
# undecomposed besides qsym's table gates (a ``Barrier`` stays until ``remove_barrier``, so
# ``H, Barrier, H`` is not cancelled; an ``only_visual`` one decomposes to nothing)
PL_ALL_OPS = frozenset((
    "AmplitudeDamping", "Barrier", "BasisState", "BitFlip", "BlockEncode", "CPhase",
    "ControlledPhase", "ControlledQubitUnitary", "DepolarizingChannel",
    "DiagonalQubitUnitary", "GeneralizedAmplitudeDamping", "Hermitian", "IntegerComparator",
    "MidMeasureMP", "PauliError", "PauliMeasure", "PhaseDamping", "PhaseFlip", "Projector",
    "QubitChannel", "QubitCarry", "QubitDensityMatrix", "QubitSum", "ResetError", "SQISW",
    "Snapshot", "SparseHamiltonian", "SpecialUnitary", "StatePrep", "ThermalRelaxationError",
    "WireCut"))


@transform
def compile(tape, pipeline=None, basis_set=None, num_passes=1):  # noqa: A001
    """PennyLane's ``qml.transforms.compile``: decompose to ``basis_set`` (names; default:
    qsym's table gates and the other operators PennyLane's ``ALL_OPS`` names, a ``Barrier``,
    ``StatePrep``, ``BasisState``, ... : templates are expanded), then run ``pipeline`` (transforms,
    default ``commute_controlled``, ``cancel_inverses``, ``merge_rotations``,
    ``remove_barrier``) ``num_passes`` times.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RZ(0.1, 0), qml.CNOT([0, 1]), qml.RZ(0.2, 0)])
    >>> qml.transforms.compile(t)[0][0].operations
    [CNOT(wires=[0, 1]), RZ(0.30000000000000004, wires=[0])]
    """
    pipeline = _DEFAULT_PIPELINE if pipeline is None else pipeline
    for p in pipeline:
        inner = getattr(p, "func", p)
        if not hasattr(inner, "tape_transform"):
            raise ValueError(f"Invalid transform function {p} passed to compile.")
    if not isinstance(num_passes, int) or num_passes < 1:
        raise ValueError("Number of passes must be an integer with value at least 1.")
    in_basis = _gate_set_test(None if basis_set is None else set(basis_set), None)

    def accept(op):
        if basis_set is not None and op.name == "GlobalPhase":
            return in_basis(op)  # not in the basis: decomposes to nothing, as PennyLane's
        if basis_set is None and op.name in PL_ALL_OPS:  # PennyLane's stop: a Barrier, a
            return not getattr(op, "only_visual", False)  # StatePrep, ... stay as they are
        return in_basis(op) or not _decomposable(op)

    ops = [g for op in tape.operations for g in _decompose_op(op, accept, 0, None, False)]
    current = tape.copy(operations=ops)
    for _ in range(num_passes):
        for p in pipeline:
            (current,), _ = p(current)
    return [current], null_postprocessing


_STATE_PREPS = frozenset(["StatePrep", "BasisState", "QubitStateVector", "QubitDensityMatrix"])


def _insert_after(position):
    """The operation classes after (or before) which :func:`insert` inserts, or None for
    ``"all"``, ``"start"``, ``"end"``; anything else is PennyLane's ``ValueError``."""
    if isinstance(position, str) and position in ("all", "start", "end"):
        return None
    classes = position if isinstance(position, list) else [position]
    if not classes or not all(isinstance(c, type) and issubclass(c, Operation)
                              for c in classes):
        raise ArgumentError(
            "Position must be either 'start', 'end', or 'all' (default) OR a PennyLane "
            "operation or list of operations.")
    return tuple(classes)


_KEPT_TEMPLATES = _STATE_PREPS | {"Barrier", "WireCut", "Snapshot"}


def opened_templates(operations) -> list:
    """``operations`` with every template and every adjoint replaced by its decomposition,
    again until none is left, as PennyLane's ``insert`` does first (a state preparation
    first in the list, ``StatePrep``, ``BasisState``, and ``Barrier`` / ``WireCut`` stay).
    The parts are made outside any recording, so a template's autograd-boxed parameters
    (under ``qml.grad``) pass on to its gates and the gradient flows through them.

    >>> import qsym as qml
    >>> opened_templates([qml.adjoint(qml.S(0)), qml.BasicEntanglerLayers([[0.5]], wires=[1])])
    [PhaseShift(-1.5707963267948966, wires=[0]), RX(np.float64(0.5), wires=[1])]
    """
    from .templates import Template
    from ._operations import StatePrepBase

    def opens(op, first) -> bool:
        if not getattr(op, "has_decomposition", False) or op.name in _KEPT_TEMPLATES:
            return False
        if first and isinstance(op, StatePrepBase):
            return False
        return isinstance(op, (Template, AdjointOperation))

    out = []
    for i, op in enumerate(operations):
        if opens(op, i == 0):
            with detached():
                parts = list(op.decomposition())
            out += opened_templates(parts) if parts != [op] else parts
        else:
            out.append(op)
    return out


@transform
def insert(tape, op, op_args, position="all", before=False):
    """PennyLane's ``qml.transforms.insert``: apply the single-qubit operation ``op`` (a
    class such as ``qml.AmplitudeDamping``, or a function of ``(*op_args, wires=w)``) with
    ``op_args`` on each wire of every gate (``position="all"``), of the gates of the given
    classes (a class or a list), or on every wire at the ``"start"`` or ``"end"``; after
    the gates, or ``before=True`` before them. The usual way to add noise to a circuit
    for ``default.mixed``.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
    >>> (new,), _ = qml.transforms.insert(t, qml.PhaseFlip, 0.1, position=qml.CNOT)
    >>> new.operations
    [RX(0.1, wires=[0]), CNOT(wires=[0, 1]), PhaseFlip(0.1, wires=[0]), PhaseFlip(0.1, wires=[1])]
    """
    if isinstance(op, type) and getattr(op, "_channel", None) is not None:
        single = op._channel.num_wires == 1
    else:
        single = not isinstance(op, type) or getattr(op, "num_wires", 1) == 1
    if not single:
        raise ArgumentError("Only single-qubit operations can be inserted into the circuit")
    classes = _insert_after(position)
    args = list(op_args) if isinstance(op_args, (list, tuple)) else [op_args]

    def made(wires):
        return [o for w in wires for o in make_qscript(op)(*args, wires=w).operations]

    operations = opened_templates(tape.operations)
    preps = 0  # state preparations first, left without noise (PennyLane's num_preps)
    while preps < len(operations) and operations[preps].name in _STATE_PREPS:
        preps += 1
    ops = list(operations[:preps])
    if position == "start":
        ops += made(tape.wires)
    for gate in operations[preps:]:
        hit = position == "all" or (classes is not None and isinstance(gate, classes))
        noise = made(gate.wires) if hit else []
        ops.extend(noise + [gate] if before else [gate] + noise)
    if position == "end":
        ops.extend(made(tape.wires))
    return [tape.copy(operations=ops)], null_postprocessing


# --- diagonalize_measurements ---------------------------------------------------------------
# the observables PennyLane's diagonalize_measurements changes (its "base" observables)
BASE_OBSERVABLES = tuple(GATE_CLASSES[n] for n in ("PauliX", "PauliY", "PauliZ", "Hadamard",
                                                   "Identity"))
DEFAULT_SUPPORTED_OBS = (GATE_CLASSES["PauliZ"], GATE_CLASSES["Identity"])
_NOT_COMMUTING = ("Expected measurements on the same wire to commute, but {} overlaps with "
                  "another non-commuting observable on the tape.")


def check_if_diagonalizing(obs, visited: tuple, switch_basis: bool) -> tuple:
    """PennyLane's ``_check_if_diagonalizing``: ``(diagonalize, visited)``. ``visited`` is
    ``(observables seen, their wires)`` and is updated in place; an observable seen before or
    an ``Identity`` needs no gates; another observable on a wire seen is a ``ValueError``
    (the measurements do not commute).

    >>> import qsym as qml
    >>> check_if_diagonalizing(qml.X(0), (set(), set()), True)
    (True, ({X(0)}, {0}))
    """
    if obs in visited[0] or isinstance(obs, GATE_CLASSES["Identity"]):
        return False, visited
    if obs.wires[0] in visited[1]:
        raise ValueError(_NOT_COMMUTING.format(obs))
    visited[0].add(obs)
    visited[1].add(obs.wires[0])
    return switch_basis, visited


def _operands_of(obs):
    """The operands an arithmetic observable is rebuilt from (``obs._rebuild``), or None for
    an observable that is not one (a gate, ``Hermitian``, a user's operator)."""
    from ._operations import LinearCombination, Prod, SProd, Sum

    if isinstance(obs, LinearCombination):
        return list(obs.ops)  # (the written terms; rebuilt with the same coefficients)
    if isinstance(obs, SProd):
        return [obs.base]
    if isinstance(obs, (Sum, Prod)):
        return list(obs.operands)
    return None


def diagonalize_observable(observable, _visited_obs=None, supported_base_obs=DEFAULT_SUPPORTED_OBS):
    """PennyLane's ``_diagonalize_observable``: ``(gates, new observable, visited)``. Every
    ``X``, ``Y``, ``Hadamard`` of the observable (its operands, recursively) whose class is
    not in ``supported_base_obs`` becomes ``Z`` on its wire, with its diagonalizing gates
    (once per observable met: ``visited``, see :func:`check_if_diagonalizing`); other
    observables are left as they are.

    >>> import qsym as qml
    >>> gates, new, _ = diagonalize_observable(qml.X(0) @ qml.Y(2))
    >>> gates, new
    ([H(0), Z(2), S(2), H(2)], Z(0) @ Z(2))
    """
    visited = (set(), set()) if _visited_obs is None else _visited_obs
    with detached():
        if isinstance(observable, BASE_OBSERVABLES):
            switch = type(observable) not in supported_base_obs
            diagonalize, visited = check_if_diagonalizing(observable, visited, switch)
            if isinstance(observable, DEFAULT_SUPPORTED_OBS):  # Z and Identity stay
                return [], observable, visited
            new = GATE_CLASSES["PauliZ"](wires=observable.wires) if switch else observable
            return (observable.diagonalizing_gates() if diagonalize else []), new, visited
        operands = _operands_of(observable)
        if operands is None:  # not diagonalized (the device decides whether it measures it)
            visited[0].add(observable)
            if len(observable.wires):
                visited[1].add(observable.wires[0])
            return [], observable, visited
        gates, new = [], []
        for o in operands:
            g, o, visited = diagonalize_observable(o, visited, supported_base_obs)
            gates.extend(g)
            new.append(o)
        return gates, observable._rebuild(new), visited


def _observable_of(m):
    """The observable measurement ``m`` reads, as written (``qml.probs(op=...)``: its
    operator), or None (wires in the computational basis, a mid-circuit value)."""
    return m.written_obs if m.measured_obs is not None else getattr(m, "op", None)


def _remeasured(m, obs, to_eigvals: bool):
    """Measurement ``m`` of the diagonal observable ``obs`` (with ``to_eigvals``: of its
    eigenvalues on ``m``'s wires, PennyLane's ``type(m)(eigvals=..., wires=...)``)."""
    from ._operations import probs

    with detached():
        if m.kind == "probs":  # (probabilities of the rotated basis: no eigenvalues needed)
            return probs(op=obs)
        new = type(m)(obs)
        if to_eigvals:
            new = type(m)(eigvals=new.eigvals(), wires=m.wires)
    if getattr(m, "all_outcomes", None) is not None:
        new.all_outcomes = m.all_outcomes
    return new


def _computational_wires(tape) -> list:
    """The wires read in the computational basis (``probs``, ``sample``, ``counts`` of
    wires; all the tape's wires when one names none)."""
    basis = [m for m in tape.measurements
             if _observable_of(m) is None and getattr(m, "mv", None) is None]
    if any(not len(m.wires) for m in basis):
        return list(tape.wires)
    return list(dict.fromkeys(w for m in basis for w in m.wires))


def diagonalize_subset_of_pauli_obs(tape, supported_base_obs, to_eigvals=False) -> tuple:
    """PennyLane's ``_diagonalize_subset_of_pauli_obs``: ``(gates, measurements)``, every
    measurement's observable by :func:`diagonalize_observable`, the wires read in the
    computational basis counted as ``Z`` already.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.Y(1)), qml.sample(wires=[0])])
    >>> diagonalize_subset_of_pauli_obs(t, {qml.Z})
    ([Z(1), S(1), H(1)], [expval(Z(1)), sample(wires=[0])])
    """
    supported = set(supported_base_obs) | set(DEFAULT_SUPPORTED_OBS)
    wires = _computational_wires(tape)
    with detached():
        visited = ({GATE_CLASSES["PauliZ"](wires=w) for w in wires}, set(wires))
    gates, new = [], []
    for m in tape.measurements:
        if _observable_of(m) is None:
            new.append(m)
            continue
        g, obs, visited = diagonalize_observable(_observable_of(m), visited, supported)
        gates.extend(g)
        new.append(_remeasured(m, obs, to_eigvals))
    return gates, new


def _pauli_words_to_z(obs) -> tuple:
    """``(rotations, observable)``: an observable made of Pauli words only (``X``, ``Y``,
    ``Z``, ``Identity``, their products, multiples, sums) rotated to ``Z`` words by
    ``qml.pauli.diagonalize_qwc_pauli_words`` of its operands (PennyLane's
    ``_change_obs_to_Z``); anything else is a ``QuantumFunctionError``."""
    from .errors import QuantumFunctionError
    from .pauli import diagonalize_qwc_pauli_words

    if not _made_of_paulis(obs):
        raise QuantumFunctionError(f"{obs} is not made of Pauli words")
    operands = _operands_of(obs)
    try:
        gates, new = diagonalize_qwc_pauli_words([obs] if operands is None else operands)
    except (ValueError, TypeError) as exc:  # (a sum among the operands, or not qubit-wise commuting)
        raise QuantumFunctionError(str(exc)) from exc
    return gates, (new[0] if operands is None else obs._rebuild(new))


def _made_of_paulis(obs) -> bool:
    """Whether every operator in ``obs`` (its operands, recursively) is ``X``, ``Y``, ``Z``
    or ``Identity``."""
    operands = _operands_of(obs)
    if operands is None:
        return (isinstance(obs, BASE_OBSERVABLES)
                and not isinstance(obs, GATE_CLASSES["Hadamard"]))
    return all(map(_made_of_paulis, operands))


def _sharing(tape) -> list:
    """The positions of the measurements whose observable shares a wire with another
    measurement's observable (PennyLane's ``tape.obs_sharing_wires_id``)."""
    counts: dict = {}
    observed = [m for m in tape.measurements if _observable_of(m) is not None]
    for m in observed:
        for w in m.wires:
            counts[w] = counts.get(w, 0) + 1
    return [i for i, m in enumerate(tape.measurements)
            if m in observed and any(counts[w] > 1 for w in m.wires)]


def diagonalize_all_pauli_obs(tape, to_eigvals=False) -> tuple:
    """PennyLane's ``_diagonalize_all_pauli_obs``: ``(gates, measurements)`` with every
    observable, made of Pauli words, rotated to ``Z`` words by ``RY(-pi/2)`` (``X``) and
    ``RX(pi/2)`` (``Y``): the observables sharing wires first, as one qubit-wise commuting
    group of words, then each other one. A tape this does not fit raises
    ``QuantumFunctionError`` (:func:`diagonalize_measurements` then diagonalizes each
    observable's operators, :func:`diagonalize_subset_of_pauli_obs`).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.X(0)), qml.var(qml.Y(1))])
    >>> diagonalize_all_pauli_obs(t)
    ([RY(-1.5707963267948966, wires=[0]), RX(1.5707963267948966, wires=[1])], [expval(Z(0)), var(Z(1))])
    """
    from .errors import QuantumFunctionError
    from .pauli import diagonalize_qwc_pauli_words, is_pauli_word

    measurements = list(tape.measurements)
    gates = []
    shared = _sharing(tape)
    if shared:
        words = [_observable_of(measurements[i]) for i in shared]
        if not all(is_pauli_word(o) and _made_of_paulis(o) for o in words):
            raise QuantumFunctionError("observables sharing wires that are not Pauli words")
        try:
            gates, diagonal = diagonalize_qwc_pauli_words(words)
        except ValueError as exc:
            raise QuantumFunctionError(str(exc)) from exc
        for i, obs in zip(shared, diagonal):
            measurements[i] = _remeasured(measurements[i], obs, False)
    new = []
    for m in measurements:
        if _observable_of(m) is None:
            new.append(m)
            continue
        g, obs = _pauli_words_to_z(_observable_of(m))
        gates.extend(g)
        new.append(_remeasured(m, obs, to_eigvals))
    return gates, new


def _check_computational(tape) -> None:
    """A wire read in the computational basis and by an ``X`` or ``Y`` of an observable:
    ``QuantumFunctionError`` (PennyLane's ``_validate_computational_basis_sampling``)."""
    from .errors import MeasurementError, QuantumFunctionError

    from ._operations import Observable, as_observable

    wires = set(_computational_wires(tape))
    for m in tape.measurements:
        obs = _observable_of(m)
        if obs is None or not wires & set(obs.wires):
            continue
        try:
            terms = (obs if isinstance(obs, Observable) else as_observable(obs)).terms
        except MeasurementError:  # (not a Pauli operator: the other path decides)
            raise QuantumFunctionError(f"{obs} is not a Pauli observable") from None
        if any(w in wires and p != "Z" for word in terms for w, p in word):
            raise QuantumFunctionError(f"{m.measured_obs} does not commute with the computational "
                                       "basis measurements of its wires")


@functools.partial(transform, pass_name="diagonalize-measurements")
def diagonalize_measurements(tape, supported_base_obs=DEFAULT_SUPPORTED_OBS, to_eigvals=False):
    """PennyLane's ``qml.transforms.diagonalize_measurements``: the measurements' ``X``,
    ``Y``, ``Hadamard`` observables (in products, multiples and sums too) become ``Z`` on
    their wires, with the gates rotating their eigenbases to the computational basis
    added at the end of the tape; one tape, the same results. Classes in
    ``supported_base_obs`` (a subset of ``X``, ``Y``, ``Z``, ``Hadamard``, ``Identity``;
    ``Z`` and ``Identity`` always) are kept. With every observable made of Pauli words and
    all diagonalized, the rotations are ``RY(-pi/2)``/``RX(pi/2)`` per wire
    (``qml.pauli.diagonalize_qwc_pauli_words``), else each observable's
    ``diagonalizing_gates()``. ``to_eigvals=True`` measures the eigenvalues on the wires
    (``ExpectationMP(eigvals=..., wires=...)``) instead of the observables. Measurements
    that do not commute on a wire raise ``ValueError``; other observables (``Hermitian``,
    ...) are left to the device.

    >>> import numpy as np
    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RY(0.4, 0)], [qml.expval(qml.X(0) @ qml.Z(1))])
    >>> (new,), fn = qml.transforms.diagonalize_measurements(t)
    >>> new.operations, new.measurements
    ([RY(0.4, wires=[0]), RY(-1.5707963267948966, wires=[0])], [expval(Z(0) @ Z(1))])
    >>> bool(np.isclose(qml.execute([new], qml.device("default.qubit"))[0], np.sin(0.4)))
    True
    """
    from .errors import QuantumFunctionError

    bad = [o for o in supported_base_obs if o not in BASE_OBSERVABLES]
    if bad:
        raise ValueError("Supported base observables must be a subset of [X, Y, Z, Hadamard, "
                         f"and Identity] but received {list(bad)}")
    diagonalize_all = set(supported_base_obs) <= set(DEFAULT_SUPPORTED_OBS)
    if to_eigvals and not diagonalize_all:
        extra = {o.__name__ for o in set(supported_base_obs) - set(DEFAULT_SUPPORTED_OBS)}
        raise ValueError("Using to_eigvals=True requires diagonalizing all observables to the "
                         f"measurement basis. Observables {extra} can't be supported when "
                         "using eigvals.")
    gates = None
    if diagonalize_all:
        try:
            if len(tape.measurements) > 1:
                _check_computational(tape)
            gates, measurements = diagonalize_all_pauli_obs(tape, to_eigvals=to_eigvals)
        except QuantumFunctionError:  # (not all Pauli words, or not one group of them)
            gates = None
    if gates is None:
        gates, measurements = diagonalize_subset_of_pauli_obs(tape, supported_base_obs,
                                                              to_eigvals=to_eigvals)
    with detached():
        new = tape.copy(operations=list(tape.operations) + list(gates),
                        measurements=measurements)
    return (new,), null_postprocessing
