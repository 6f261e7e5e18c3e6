"""PennyLane 0.45's decompositions of controlled operators (its modules
``pennylane.ops.op_math.controlled_decompositions`` and
``pennylane.ops.op_math.decompositions.controlled_decompositions``; both paths name this
module), written here from the papers PennyLane cites:

- :func:`ctrl_decomp_zyz`: a one-wire operator with controls by its Z-Y-Z angles
  (Barenco et al. 1995, Lemmas 4.3, 5.1 and 7.9: two ``CNOT``\\ s, or two multi-controlled
  ``X``, around ``RZ``/``RY`` (controlled once more for several controls), and a controlled
  ``GlobalPhase`` for the phase);
- :func:`ctrl_decomp_bisect`: a one-wire operator with two controls or more in ``O(n)``
  ``CNOT``\\ s (Vale et al. 2023, sections 3.1 and 3.2): the controls split in two halves,
  ``QubitUnitary`` factors between multi-controlled ``X`` on each half (the other half
  borrowed as work wires); a real off-diagonal (``od``), a real main diagonal (``md``) or
  the general case;
- the multi-controlled ``X`` (``decompose_mcx``, what ``MultiControlledX.decomposition()``
  gives): ``CNOT``, ``Toffoli``, then with work wires Barenco's Lemma 7.2 ladder (enough
  work wires), Khattar and Gidney's (2024) conditionally clean ladders (one or two work
  wires; ``"zeroed"`` ones use ``TemporaryAND``, ``"borrowed"`` ones are restored by a
  second pass), without work wires Barenco's Lemma 7.5 recursion
  (:func:`_decompose_multicontrolled_unitary`); and the rules PennyLane registers
  (``decompose_mcx_one_worker_explicit``, ...: ``X`` on the controls whose value is 0
  around them).

Each function makes its operators where it is called (recorded in a circuit or a queue)
and returns them in order, as PennyLane's do.

>>> import qsym as qml
>>> ops = ctrl_decomp_zyz(qml.RY(0.4, wires=0), control_wires=[1])
>>> [op.name for op in ops]
['RY', 'CNOT', 'RY', 'CNOT']
>>> m = qml.matrix(qml.tape.QuantumScript(ops), wire_order=[1, 0])
>>> bool(np.allclose(m, qml.matrix(qml.ctrl(qml.RY(0.4, wires=0), control=1))))
True
"""

from __future__ import annotations

import numpy as np
from autograd.tracer import Box
import sympy as sp

from ._arithmetic import TemporaryAND
from ._linalg import convert_to_su2, zyz_rotation_angles
from ._opmath import AnnotatedQueue, QueuingManager, adjoint, ctrl
from ._opmath import pow as op_pow
from ._operations import GATE_CLASSES, METHODS, Operation, wires_tuple
from ._trace import Traced
from .allocation import allocate
from .decomposition import (add_decomps, adjoint_resource_rep, controlled_resource_rep,
                            register_condition, register_resources, resource_rep)
from .errors import GateError, RotAnglesUndefinedError
from .wires import Wires

__all__ = ["ctrl_decomp_zyz", "ctrl_decomp_bisect", "decompose_mcx",
           "decompose_mcx_many_workers_explicit", "decompose_mcx_one_worker_explicit",
           "decompose_mcx_two_workers_explicit", "decompose_mcx_with_no_worker",
           "decompose_mcx_many_borrowed_workers", "decompose_mcx_many_zeroed_workers",
           "decompose_mcx_two_borrowed_workers", "decompose_mcx_two_zeroed_workers",
           "decompose_mcx_one_borrowed_worker", "decompose_mcx_one_zeroed_worker",
           "decompose_mcx_two_controls_elbows",
           "ctrl_decomp_bisect_rule", "mcx_decomposition", "is_single_qubit_special_unitary"]

_X = np.array([[0, 1], [1, 0]], dtype=complex)
_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)


def _gate(name, *params, wires):
    return GATE_CLASSES[name](*params, wires=wires)


def _queued(build, *args, **kwargs) -> list:
    """The operators ``build(*args, **kwargs)`` makes, in order, made again where this is
    called (PennyLane's functions queue them in a queue of their own, then apply each)."""
    with AnnotatedQueue() as q:
        build(*args, **kwargs)
    ops = list(q.queue)
    if QueuingManager.recording():
        for op in ops:
            QueuingManager.append(op)
    return ops


def _one_wire(op, what="The target operation must be a single-qubit operation"):
    if len(op.wires) != 1:
        raise GateError(f"{what}, instead got {type(op).__name__} on wires {list(op.wires)} "
                        "(decompose a controlled operator on several wires gate by gate: "
                        "qml.ctrl(op, control).decomposition())")


def _traced(x) -> bool:
    """Whether ``x`` holds a circuit input (a sympy expression of a traced symbol)."""
    return isinstance(x, sp.Basic) and bool(x.free_symbols)


def _not_zero(x) -> bool:
    """Whether a rotation by ``x`` is kept: unless it is 0 (PennyLane's). Of a circuit
    input, a look at its value that decides the circuit's structure (qsym then traces the
    circuit at each call's numbers; the gates still hold the input: differentiable)."""
    if _traced(x):
        return bool(abs(Traced(x)) > 1e-8)
    return not np.allclose(complex(x) if isinstance(x, sp.Basic) else x, 0)


def is_single_qubit_special_unitary(op) -> bool:
    """Whether the one-wire operator's matrix has determinant 1 (PennyLane's
    ``_is_single_qubit_special_unitary``, in ``pennylane.ops.op_math.controlled``).

    >>> import qsym as qml
    >>> is_single_qubit_special_unitary(qml.RX(0.3, 0)), is_single_qubit_special_unitary(qml.X(0))
    (True, False)
    """
    m = np.asarray(op.matrix(), dtype=complex)
    return bool(np.allclose(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0], 1))


# --- Barenco et al.: Z-Y-Z angles -------------------------------------------------------------
# the phase of a one-wire rotation over its RZ RY RZ angles, as a multiple of its first
# parameter (PhaseShift(p) = exp(i p/2) RZ(p); RX, RY, RZ, Rot: none): used where the
# parameter is a circuit input, whose value is not looked at
_PHASE_PER_PARAMETER = {"RX": 0, "RY": 0, "RZ": 0, "Rot": 0, "PhaseShift": sp.Rational(1, 2)}


def _zyz_angles(op) -> tuple:
    """``(phi, theta, omega, phase)`` with ``op = exp(i phase) RZ(omega) RY(theta) RZ(phi)``:
    the operator's own rotation angles where it has them (PennyLane's
    ``single_qubit_rot_angles``), else those of its matrix."""
    params = list(getattr(op, "params", ()) or ())
    if any(_traced(p) for p in params):
        if op.name not in _PHASE_PER_PARAMETER:
            raise GateError(f"ctrl_decomp_zyz of {op.name} with a circuit input among its "
                            "parameters: its Z-Y-Z angles are known exactly only for "
                            f"{', '.join(_PHASE_PER_PARAMETER)}; use qml.ctrl(op, control) "
                            "(exact, differentiable) or pass numbers")
        return (*op.single_qubit_rot_angles(), _PHASE_PER_PARAMETER[op.name] * params[0])
    U = op.matrix()
    U = U if isinstance(U, Box) else np.asarray(U, dtype=complex)  # (autograd's: kept)
    if isinstance(op, Operation):
        try:
            angles = op.single_qubit_rot_angles()
        except (RotAnglesUndefinedError, NotImplementedError, AttributeError):
            pass
        else:
            return (*angles, convert_to_su2(U, return_global_phase=True)[1])
    return tuple(zyz_rotation_angles(U, return_global_phase=True))


def ctrl_decomp_zyz(target_operation, control_wires, work_wires=None, work_wire_type="borrowed"):
    """A one-wire operator controlled by ``control_wires``, decomposed by its Z-Y-Z angles
    (PennyLane's ``qml.ops.ctrl_decomp_zyz``; Barenco et al. 1995, Lemma 5.1 for one
    control: ``RZ RY CNOT RY RZ CNOT RZ``; Lemma 7.9 for several: ``CRZ``/``CRY`` on the last
    control and multi-controlled ``X`` from the others, which may use ``work_wires``); the
    phase as a controlled ``GlobalPhase``. Rotations by zero are left out. Returns the
    operators, made where it is called.

    >>> import qsym as qml
    >>> ctrl_decomp_zyz(qml.RZ(np.pi, wires=0), [1])
    [RZ(3.141592653589793, wires=[0]), CNOT(wires=[1, 0]), RZ(-1.5707963267948966, wires=[0]), CNOT(wires=[1, 0]), RZ(-1.5707963267948966, wires=[0])]
    """
    if len(target_operation.wires) != 1:
        raise GateError("The target operation must be a single-qubit operation, instead got "
                        f"{type(target_operation).__name__}.")
    controls = list(wires_tuple(control_wires))
    QueuingManager.remove(target_operation)  # PennyLane's (its qml.matrix takes it off)
    phi, theta, omega, phase = _zyz_angles(target_operation)
    wires = controls + list(target_operation.wires)
    work = None if work_wires is None else list(wires_tuple(work_wires))

    def build():
        if len(controls) > 1:
            _multi_control_zyz(phi, theta, omega, wires, work, work_wire_type)
        else:
            _single_control_zyz(phi, theta, omega, wires)
        if _not_zero(phase):
            _ctrl_global_phase(phase, controls, work, work_wire_type)

    return _queued(build)


def _single_control_zyz(phi, theta, omega, wires) -> None:
    """Lemma 5.1: ``C-U = C B CNOT A' CNOT A`` (each rotation by zero left out)."""
    t = wires[-1]
    if _not_zero(phi):
        _gate("RZ", phi, wires=t)
    if _not_zero(theta):
        _gate("RY", theta / 2, wires=t)
    _gate("CNOT", wires=wires)
    if _not_zero(theta):
        _gate("RY", -theta / 2, wires=t)
    if _not_zero(phi + omega):
        _gate("RZ", -(phi + omega) / 2, wires=t)
    _gate("CNOT", wires=wires)
    if _not_zero(omega - phi):
        _gate("RZ", (omega - phi) / 2, wires=t)


def _multi_control_zyz(phi, theta, omega, wires, work_wires, work_wire_type) -> None:
    """Lemma 7.9: Lemma 5.1's rotations controlled by the last control, its ``CNOT``\\ s
    multi-controlled ``X`` from the other controls."""
    pair = wires[-2:]

    def mcx():
        ctrl(_gate("PauliX", wires=wires[-1]), control=wires[:-2], work_wires=work_wires,
             work_wire_type=work_wire_type)

    if _not_zero(phi):
        _gate("CRZ", phi, wires=pair)
    if _not_zero(theta):
        _gate("CRY", theta / 2, wires=pair)
    mcx()
    if _not_zero(theta):
        _gate("CRY", -theta / 2, wires=pair)
    if _not_zero(phi + omega):
        _gate("CRZ", -(phi + omega) / 2, wires=pair)
    mcx()
    if _not_zero(omega - phi):
        _gate("CRZ", (omega - phi) / 2, wires=pair)


def _ctrl_global_phase(phase, control_wires, work_wires=None, work_wire_type="borrowed") -> None:
    """``exp(i phase)`` where every control is 1: ``GlobalPhase(-phase)`` controlled."""
    ctrl(_gate("GlobalPhase", -phase, wires=()), control=list(wires_tuple(control_wires)),
         work_wires=work_wires, work_wire_type=work_wire_type)


# --- Vale et al.: the controls bisected --------------------------------------------------------
def ctrl_decomp_bisect(target_operation, control_wires):
    """A one-wire operator controlled by two wires or more in ``O(n)`` ``CNOT``\\ s
    (PennyLane's ``qml.ops.ctrl_decomp_bisect``; Vale et al. 2023): the controls split in
    halves, ``QubitUnitary`` factors between multi-controlled ``X`` on each half; the
    algorithm for a real off-diagonal (``_ctrl_decomp_bisect_od``), a real main diagonal
    (``_ctrl_decomp_bisect_md``) or any (``_ctrl_decomp_bisect_general``) of the operator's
    special-unitary part, its phase as a controlled ``GlobalPhase``.

    >>> import qsym as qml
    >>> ops = ctrl_decomp_bisect(qml.T(0), [1, 2, 3])
    >>> m = qml.matrix(qml.tape.QuantumScript(ops), wire_order=[1, 2, 3, 0])
    >>> bool(np.allclose(m, qml.matrix(qml.ctrl(qml.T(0), [1, 2, 3]))))
    True
    """
    if len(target_operation.wires) > 1:
        raise GateError("The target operation must be a single-qubit operation, instead got "
                        f"{target_operation}.")
    wires = list(wires_tuple(control_wires)) + list(target_operation.wires)
    return _queued(ctrl_decomp_bisect_rule, np.asarray(target_operation.matrix(), dtype=complex),
                   wires)


def ctrl_decomp_bisect_rule(U, wires, **_) -> None:
    """PennyLane's rule for a ``ControlledQubitUnitary`` of one target wire and two
    controls or more: ``U``'s special-unitary part by the bisection, then its phase."""
    su, phase = convert_to_su2(np.asarray(U, dtype=complex), return_global_phase=True)
    im = np.imag(su)
    if np.allclose(im[1, 0], 0) and np.allclose(im[0, 1], 0):
        _ctrl_decomp_bisect_od(su, wires)
    elif np.allclose(im[0, 0], 0) and np.allclose(im[1, 1], 0):
        _ctrl_decomp_bisect_md(su, wires)
    else:
        _ctrl_decomp_bisect_general(su, wires)
    if _not_zero(phase):
        _ctrl_global_phase(phase, wires[:-1], wires[-1:], "borrowed")


def _halves(wires):
    """The controls in two halves (the first the larger for an odd count... of all wires)."""
    mid = len(wires) // 2
    return list(wires[:mid]), list(wires[mid:-1])


def _cx(target, controls, borrowed) -> None:
    ctrl(_gate("PauliX", wires=target), control=controls, work_wires=borrowed,
         work_wire_type="borrowed")


def _ctrl_decomp_bisect_od(U, wires, skip_initial_cx=False) -> None:
    """Vale et al., Theorem 1: an SU(2) matrix with a real off-diagonal is
    ``A^dagger X A X A^dagger X A X`` (:func:`_bisect_compute_a`), each ``X`` controlled by
    one half of the controls."""
    wires = list(wires)
    a = _bisect_compute_a(np.asarray(U, dtype=complex))
    k1, k2 = _halves(wires)
    t = wires[-1]
    if not skip_initial_cx:
        _cx(t, k1, k2)
    _gate("QubitUnitary", a, wires=t)
    _cx(t, k2, k1)
    adjoint(_gate("QubitUnitary", a, wires=t))
    _cx(t, k1, k2)
    _gate("QubitUnitary", a, wires=t)
    _cx(t, k2, k1)
    adjoint(_gate("QubitUnitary", a, wires=t))


def _ctrl_decomp_bisect_md(U, wires) -> None:
    """Vale et al., Theorem 2: a real main diagonal becomes a real off-diagonal between
    Hadamards."""
    wires = list(wires)
    _gate("Hadamard", wires=wires[-1])
    _ctrl_decomp_bisect_od(_H @ np.asarray(U, dtype=complex) @ _H, wires)
    _gate("Hadamard", wires=wires[-1])


def _ctrl_decomp_bisect_general(U, wires) -> None:
    """Vale et al., section 3.2: ``U = Q D Q^dagger`` (``D`` diagonal: a real
    off-diagonal), ``Q`` with a real diagonal written ``H B^dagger X B H`` around it."""
    wires = list(wires)
    d, q = np.linalg.eig(np.asarray(U, dtype=complex))
    q = _convert_to_real_diagonal(q)
    b = _bisect_compute_b(q)
    c1, c2t = b @ (_X @ _H @ _X), b @ _H
    k1, k2 = _halves(wires)
    t = wires[-1]
    _gate("QubitUnitary", c2t, wires=t)
    _cx(t, k2, k1)
    adjoint(_gate("QubitUnitary", c1, wires=t))
    _ctrl_decomp_bisect_od(np.diag(d), wires, skip_initial_cx=True)
    _cx(t, k1, k2)
    _gate("QubitUnitary", c1, wires=t)
    _cx(t, k2, k1)
    adjoint(_gate("QubitUnitary", c2t, wires=t))


def _convert_to_real_diagonal(q) -> np.ndarray:
    """``q`` with each column's phase turned so that its diagonal is real."""
    return q * np.exp(-1j * np.angle(np.diag(q))).reshape(1, 2)


def _param_su2(ar, ai, br, bi=0.0) -> np.ndarray:
    """``[[a, -conj(b)], [b, conj(a)]]`` with ``a = ar + i ai``, ``b = br + i bi``."""
    return np.array([[ar + 1j * ai, -br + 1j * bi], [br + 1j * bi, ar - 1j * ai]], dtype=complex)


def _bisect_compute_a(u) -> np.ndarray:
    """``A`` with ``A^dagger X A X A^dagger X A X = u`` for an SU(2) ``u`` with a real
    off-diagonal (Vale et al., Theorem 1)."""
    x = np.real(u[0, 1])
    zr, zi = np.real(u[1, 1]), np.imag(u[1, 1])
    if np.allclose(zr, -1):
        return np.array([[1, -1], [1, 1]], dtype=complex) / np.sqrt(2)
    root = np.sqrt((zr + 1) / 2)
    mul = 1 / (2 * np.sqrt((zr + 1) * (root + 1)))
    return _param_su2(np.sqrt((root + 1) / 2), zi * mul, x * mul, 0.0)


def _bisect_compute_b(u) -> np.ndarray:
    """``B`` with ``H B^dagger X B H = u`` for an SU(2) ``u`` with a real main diagonal
    (Vale et al., Theorem 2)."""
    w, s, t = np.real(u[0, 0]), np.real(u[1, 0]), np.imag(u[1, 0])
    s0, t0 = np.allclose(s, 0), np.allclose(t, 0)
    if s0 and t0:
        b, c, d = 0.0, (0.0 if w < 0 else np.sqrt(w)), (np.sqrt(-w) if w < 0 else 0.0)
    elif s0:
        b, c, d = 0.0, np.sqrt(2 - 2 * w) * (-w / 2 - 1 / 2) / t, np.sqrt(2 - 2 * w) / 2
    elif t0:
        b, c, d = (1 / 2 - w / 2) * np.sqrt(2 * w + 2) / s, np.sqrt(2 * w + 2) / 2, 0.0
    else:
        r = np.sqrt(2) * np.sqrt((1 - w) / (s**2 + t**2)) * np.abs(t)
        b, c, d = s * r / (2 * t), r * (w + 1) / (2 * t), -r / 2
    return _param_su2(c, d, b, 0.0)


# --- multi-controlled unitaries without work wires: Barenco's Lemma 7.5 ---------------------
def _decompose_multicontrolled_unitary(op, control_wires) -> list:
    """A one-wire operator with any controls and no work wires: itself (none),
    :func:`ctrl_decomp_zyz` (one), :func:`ctrl_decomp_bisect` (special unitary), else the
    recursion of Lemma 7.5 (:func:`_decompose_recursive`)."""
    if not getattr(op, "has_matrix", False) or len(op.wires) != 1:
        raise GateError("The target operation must be a single-qubit operation with a matrix "
                        f"representation; got {op!r}")
    controls = Wires(wires_tuple(control_wires))
    if len(controls) == 0:
        return [op]
    if len(controls) == 1:
        return ctrl_decomp_zyz(op, controls)
    if is_single_qubit_special_unitary(op):
        return ctrl_decomp_bisect(op, controls)
    return _decompose_recursive(op, 1.0, controls, op.wires, Wires([]))


def _decompose_recursive(op, power, control_wires, target_wire, work_wires) -> list:
    """Lemma 7.5: ``C^n(U^p)`` as ``C(V)`` on the last control, ``C^(n-1)X`` onto it,
    ``C(V^dagger)``, ``C^(n-1)X``, ``C^(n-1)(V)`` with ``V = U^(p/2)``."""
    controls = list(wires_tuple(control_wires))
    target, work = list(wires_tuple(target_wire)), list(wires_tuple(work_wires))
    if len(controls) == 1:
        with QueuingManager.stop_recording():
            powered = op_pow(op, power, lazy=True)
        return ctrl_decomp_zyz(powered, controls)
    with QueuingManager.stop_recording():
        cnots = decompose_mcx(controls[:-1], controls[-1], work + target, "borrowed")
        half = op_pow(op, 0.5 * power, lazy=True)
        half_adj = adjoint(half, lazy=True)
    out = list(ctrl_decomp_zyz(half, controls[-1:]))
    out += _again(cnots)
    out += ctrl_decomp_zyz(half_adj, controls[-1:])
    out += _again(cnots)
    return out + _decompose_recursive(op, 0.5 * power, controls[:-1], target,
                                      controls[-1:] + work)


def _again(ops) -> list:
    """Operators made earlier, applied again where this is called (``qml.apply``)."""
    if QueuingManager.recording():
        for op in ops:
            QueuingManager.append(op)
    return list(ops)


# --- the multi-controlled X ------------------------------------------------------------------
def decompose_mcx(control_wires, target_wire, work_wires, work_wire_type="borrowed") -> list:
    """PennyLane's decomposition of the multi-controlled ``X`` (all controls on 1):
    ``CNOT``, ``Toffoli``; with ``n - 2`` work wires or more Barenco's Lemma 7.2, with two
    or one Khattar and Gidney's ladders, with none Lemma 7.5.

    >>> import qsym as qml
    >>> decompose_mcx([0, 1, 2], 3, [4])
    [Toffoli(wires=[0, 4, 3]), Toffoli(wires=[2, 1, 4]), Toffoli(wires=[0, 4, 3]), Toffoli(wires=[2, 1, 4])]
    """
    controls = Wires(wires_tuple(control_wires))
    target = wires_tuple(target_wire)[0]
    work = Wires(wires_tuple(work_wires if work_wires is not None else ()))
    n, m = len(controls), len(work)
    if n == 1:
        return [_gate("CNOT", wires=[controls[0], target])]
    if n == 2:  # PennyLane's: Toffoli's own decomposition (Hadamard, T, CNOT)
        return GATE_CLASSES["Toffoli"].compute_decomposition(wires=[*controls, target])
    if m >= n - 2:
        return _decompose_mcx_with_many_workers_old(controls, target, work, work_wire_type)
    if m >= 2:
        return _decompose_mcx_with_two_workers_old(controls, target, work[:2], work_wire_type)
    if m == 1:
        return _decompose_mcx_with_one_worker_kg24(controls, target, work[0], work_wire_type)
    with QueuingManager.stop_recording():
        x = _gate("PauliX", wires=target)
    return _decompose_multicontrolled_unitary(x, controls)


def _decompose_mcx_with_many_workers_old(control_wires, target_wire, work_wires,
                                         work_wire_type="borrowed") -> list:
    """Lemma 7.2 (``n - 2`` work wires or more)."""
    return _queued(_mcx_many_workers, [*wires_tuple(control_wires), target_wire],
                   work_wires=list(wires_tuple(work_wires)), work_wire_type=work_wire_type)


def _decompose_mcx_with_one_worker_b95(control_wires, target_wire, work_wire) -> list:
    """Barenco et al., Lemma 7.3: one work wire, four multi-controlled ``X`` on halves of
    the controls (each borrowing the other wires)."""
    controls = list(wires_tuple(control_wires))
    target, work = wires_tuple(target_wire)[0], wires_tuple(work_wire)[0]
    part = int(np.ceil((len(controls) + 2) / 2))
    first, second = controls[:part], controls[part:]
    out = []
    for _ in range(2):
        out.append(ctrl(_gate("PauliX", wires=work), control=first, work_wires=second + [target]))
        out.append(ctrl(_gate("PauliX", wires=target), control=second + [work], work_wires=first))
    return out


def _decompose_mcx_with_one_worker_kg24(control_wires, target_wire, work_wire,
                                        work_wire_type="borrowed") -> list:
    """Khattar and Gidney (2024), section 5.1: one work wire."""
    return _queued(_mcx_one_worker, [*wires_tuple(control_wires), target_wire],
                   [wires_tuple(work_wire)[0]], work_wire_type=work_wire_type)


def _decompose_mcx_with_two_workers_old(control_wires, target_wire, work_wires,
                                        work_wire_type="borrowed") -> list:
    """Khattar and Gidney (2024), section 5: two work wires."""
    work = list(wires_tuple(work_wires))
    if len(work) < 2:
        raise GateError("At least 2 work wires are needed for this decomposition; got "
                        f"{work}")
    return _queued(_mcx_two_workers, [*wires_tuple(control_wires), target_wire], work,
                   work_wire_type)


def _toffoli(wires) -> None:
    _gate("Toffoli", wires=list(wires))


def _and(wires) -> None:
    TemporaryAND(wires=list(wires))


def _unand(wires) -> None:
    adjoint(TemporaryAND(wires=list(wires)))


def _mcx_many_workers_resource(num_control_wires, work_wire_type, num_work_wires, **_):
    used = num_control_wires - 2
    if work_wire_type == "borrowed":
        return {resource_rep("Toffoli"): 4 * used}
    middle = resource_rep("Toffoli") if num_work_wires == used else resource_rep(
        "MultiControlledX", num_control_wires=2, num_zero_control_values=0,
        num_work_wires=num_work_wires - used, work_wire_type="zeroed")
    return {resource_rep("TemporaryAND"): used, adjoint_resource_rep(TemporaryAND): used,
            middle: 1}


@register_condition(lambda num_control_wires, num_work_wires, **_:
                    num_control_wires > 2 and num_work_wires >= num_control_wires - 2)
@register_resources(_mcx_many_workers_resource)
def _mcx_many_workers(wires, work_wires, work_wire_type="borrowed", **_) -> None:
    """Barenco et al., Lemma 7.2: a ladder of Toffolis through ``n - 2`` work wires
    (``"zeroed"``: ``TemporaryAND`` down, its adjoint up, no second pass)."""
    wires, work_wires = list(wires), list(work_wires)
    target, controls = wires[-1], wires[:-1]
    n = len(controls) - 2
    extra, work = work_wires[n:], work_wires[:n]
    borrowed = work_wire_type == "borrowed"
    up, down = (_toffoli, _toffoli) if borrowed else (_unand, _and)

    def loop_up():
        for i in range(1, len(work)):
            up([controls[i], work[i], work[i - 1]])

    def loop_down():
        for i in range(n - 1, 0, -1):
            down([controls[i], work[i], work[i - 1]])

    if borrowed:
        _toffoli([controls[0], work[0], target])
        loop_up()
    down([controls[-1], controls[-2], work[-1]])
    loop_down()
    if borrowed or not extra:
        _toffoli([controls[0], work[0], target])
    else:
        GATE_CLASSES["MultiControlledX"](wires=[controls[0], work[0], target], work_wires=extra,
                                         work_wire_type="zeroed")
    loop_up()
    up([controls[-1], controls[-2], work[-1]])
    if borrowed:
        loop_down()


def _linear_depth_ladder(wires) -> tuple:
    """Khattar and Gidney, Fig. 3 steps 1 and 2 (without the first and last Toffoli): the
    ladder's gates as ``(name, wires)`` and the index of the last unmarked wire."""
    wires = list(wires)
    if len(wires) == 3:
        return [], 2
    if len(wires) == 4:
        return [("Toffoli", [wires[2], wires[3], wires[1]]), ("PauliX", [wires[1]])], 1
    gates = []
    i = -1
    while i + 2 < len(wires) - 2:
        i += 2
        gates += [("Toffoli", [wires[i + 1], wires[i + 2], wires[i]]), ("PauliX", [wires[i]])]
    x, y = (i - 2, i) if i + 2 == len(wires) - 1 else (i, i + 3)
    k = x - 1
    gates += [("Toffoli", [wires[x], wires[y], wires[k]]), ("PauliX", [wires[k]])]
    for j in range(k, 1, -2):
        gates += [("Toffoli", [wires[j - 1], wires[j], wires[j - 2]]), ("PauliX", [wires[j - 2]])]
    return gates, 0


def _log_depth_ladder(control_wires) -> tuple:
    """Khattar and Gidney, Fig. 4b: a log-depth ladder of ``X`` and Toffoli, as
    ``(name, wires)``, and the indices of the unmarked wires left to control on."""
    wires = list(control_wires)
    gates, final = [], []
    marked, step = 1, 1
    while marked < len(wires) - 1:
        n_flip = min(2**step + 1, len(wires) - marked - 1)
        right = marked + n_flip
        new_marked = right
        leftmost = marked + 1
        while n_flip > 1:
            n = n_flip // 2
            targets = wires[marked + 1 - n: marked + 1]
            ys = wires[right + 1 - n: right + 1]
            xs = wires[right + 1 - 2 * n: right + 1 - n]
            leftmost = marked + 1 - n
            for a, b, t in zip(xs, ys, targets):
                gates += [("PauliX", [t]), ("Toffoli", [a, b, t])]
            n_flip -= n
            marked -= n
            right -= 2 * n
        final.append(leftmost)
        marked = new_marked
        step += 1
    return gates, final


def _apply(gates, backwards=False) -> None:
    """The ladder's gates (``X`` and Toffoli: each its own inverse, so backwards is its
    adjoint)."""
    for name, w in (reversed(gates) if backwards else gates):
        _gate(name, wires=w)


def _mcx_one_worker_resource(num_control_wires, work_wire_type, **_):
    if work_wire_type == "zeroed":
        n = 2 * num_control_wires - 5
        return {resource_rep("Toffoli"): n, resource_rep("TemporaryAND"): 1,
                adjoint_resource_rep(TemporaryAND): 1, resource_rep("PauliX"): n - 1}
    n = 4 * num_control_wires - 8
    return {resource_rep("Toffoli"): n, resource_rep("PauliX"): n - 4}


@register_condition(lambda num_control_wires, num_work_wires, **_:
                    num_control_wires > 2 and num_work_wires == 1)
@register_resources(_mcx_one_worker_resource)
def _mcx_one_worker(wires, work_wires, work_wire_type="zeroed", _skip_toggle_detection=False,
                    **_) -> None:
    """Khattar and Gidney, section 5.1: the first two controls' AND on the work wire, a
    linear ladder making the controls conditionally clean, one Toffoli onto the target;
    a borrowed work wire is toggled back by a second pass."""
    wires = list(wires)
    work0 = list(wires_tuple(work_wires))[0]
    borrowed = work_wire_type == "borrowed"
    skip = _skip_toggle_detection or not borrowed
    (_toffoli if borrowed else _and)([wires[0], wires[1], work0])
    ladder, k = _linear_depth_ladder(wires[:-1])
    _apply(ladder)
    _toffoli([work0, wires[k], wires[-1]])
    _apply(ladder, backwards=True)
    (_toffoli if borrowed else _unand)([wires[0], wires[1], work0])
    if not skip:
        _apply(ladder)
        _toffoli([work0, wires[k], wires[-1]])
        _apply(ladder, backwards=True)


def _mcx_two_workers_resource(num_control_wires, work_wire_type, **_):
    small = num_control_wires < 6
    if work_wire_type == "zeroed":
        n, pairs = 2 * num_control_wires - 3, 2 - small
        return {resource_rep("Toffoli"): n - 2 * pairs, resource_rep("PauliX"): n - 3 if small else n - 5,
                resource_rep("TemporaryAND"): pairs, adjoint_resource_rep(TemporaryAND): pairs}
    n = 4 * num_control_wires - 8
    return {resource_rep("Toffoli"): n, resource_rep("PauliX"): n - 4 if small else n - 8}


@register_condition(lambda num_control_wires, num_work_wires, **_: num_control_wires > 2 and (
    num_work_wires >= 2 or (num_work_wires == 1 and num_control_wires < 6)))
@register_resources(_mcx_two_workers_resource)
def _mcx_two_workers(wires, work_wires, work_wire_type="borrowed", **_) -> None:
    """Khattar and Gidney, section 5: the first work wire holds the first two controls'
    AND, a log-depth ladder marks the controls, the middle multi-controlled X uses the
    second work wire (one Toffoli for fewer than six controls)."""
    wires = list(wires)
    work0, *work1 = list(wires_tuple(work_wires))
    borrowed = work_wire_type == "borrowed"
    (_toffoli if borrowed else _and)([wires[0], wires[1], work0])
    passes = 2 if borrowed else 1
    for p in range(passes):
        ladder, middle = _log_depth_ladder(wires[:-1])
        _apply(ladder)
        if len(middle) == 1:
            _toffoli([work0, wires[middle[0]], wires[-1]])
        else:
            _mcx_one_worker([work0] + [wires[i] for i in middle] + wires[-1:], work1,
                            work_wire_type=work_wire_type, _skip_toggle_detection=True)
        _apply(ladder, backwards=True)
        if p == 0:
            (_toffoli if borrowed else _unand)([wires[0], wires[1], work0])


def _no_worker_resource(num_control_wires, **_):
    k1 = (num_control_wires + 1) // 2
    k2 = num_control_wires - k1
    x = GATE_CLASSES["PauliX"]
    out = {resource_rep("Hadamard"): 2, resource_rep("QubitUnitary", num_wires=1): 2,
           adjoint_resource_rep("QubitUnitary", {"num_wires": 1}): 2}
    for k, work in ((k2, k1), (k1, k2)):  # the controlled X of each half, twice
        rep = controlled_resource_rep(x, {}, num_control_wires=k, num_work_wires=work,
                                      work_wire_type="borrowed")
        out[rep] = out.get(rep, 0) + 2
    out[controlled_resource_rep(GATE_CLASSES["GlobalPhase"], {},
                                num_control_wires=num_control_wires)] = 1
    return out


@register_condition(lambda num_control_wires, **_: num_control_wires > 2)
@register_resources(_no_worker_resource)
def _decompose_mcx_with_no_worker(wires, **_) -> None:
    """No work wires: ``RX(pi) = -iX`` by :func:`_ctrl_decomp_bisect_md`, then the
    controlled phase ``i``."""
    wires = list(wires)
    _ctrl_decomp_bisect_md(np.array([[0, -1j], [-1j, 0]]), wires)
    ctrl(_gate("GlobalPhase", -np.pi / 2, wires=()), control=wires[:-1])


def _flip_zero_control(inner, name):
    """A rule of the multi-controlled X for any control values: ``X`` on the controls whose
    value is 0 around ``inner`` (PennyLane's ``flip_zero_control``)."""

    def applicable(**params):
        return inner.is_applicable(**{**params, "num_zero_control_values": 0})

    def resources(**params):
        counts = dict(inner.compute_resources(**{**params, "num_zero_control_values": 0}).gate_counts)
        x = resource_rep("PauliX")
        counts[x] = counts.get(x, 0) + 2 * params.get("num_zero_control_values", 0)
        return counts

    def rule(*params, wires, control_wires=None, control_values=None, **kwargs):
        wires = list(wires_tuple(wires))
        controls = wires[:-1] if control_wires is None else list(wires_tuple(control_wires))
        values = [1] * len(controls) if control_values is None else list(control_values)
        flips = [w for w, v in zip(controls, values) if not v]
        for w in flips:
            _gate("PauliX", wires=w)
        inner(*params, wires=wires, control_wires=controls, control_values=[1] * len(controls),
              **kwargs)
        for w in flips:
            _gate("PauliX", wires=w)

    rule.__name__ = name
    return register_condition(applicable)(register_resources(
        resources, work_wires=inner.work_wire_spec, exact=inner.exact_resources)(rule))


decompose_mcx_many_workers_explicit = _flip_zero_control(_mcx_many_workers, "many_explicit_workers")
decompose_mcx_one_worker_explicit = _flip_zero_control(_mcx_one_worker, "one_explicit_worker")
decompose_mcx_two_workers_explicit = _flip_zero_control(_mcx_two_workers, "two_explicit_workers")
decompose_mcx_with_no_worker = _flip_zero_control(_decompose_mcx_with_no_worker, "no_workers")


def _allocated(inner, count, state, work_wire_type):
    """``inner`` on ``count`` work wires allocated for it (``qml.allocate``, restored in
    ``state``): PennyLane's borrowed- and zeroed-work-wire rules of an operator given none."""

    def rule(wires, **kwargs):
        n = count(len(wires_tuple(wires)) - 1)
        with allocate(n, state=state, restored=True) as work_wires:
            kwargs.update(work_wires=list(work_wires), work_wire_type=work_wire_type)
            inner(wires, **kwargs)

    return rule


def _mcx_with_allocated(name, inner, resources, least_controls, count):
    """The rule ``name`` (with the ``X`` flips of zero controls): ``inner`` on ``count(n)``
    work wires it allocates itself, for ``least_controls`` controls or more and no work wires
    given; its resources are ``resources(n, work_wire_type)``."""
    kind = "zeroed" if name.endswith(("zeroed_workers", "zeroed_worker")) else "borrowed"
    state = "zero" if kind == "zeroed" else "any"
    rule = register_condition(lambda num_work_wires=0, **_: not num_work_wires)(
        register_condition(lambda num_control_wires, **_: num_control_wires >= least_controls)(
            register_resources(lambda num_control_wires, **_: resources(num_control_wires, kind),
                               work_wires=lambda num_control_wires, **_: {
                                   kind: count(num_control_wires)})(
                _allocated(inner, count, state, kind))))
    rule.name = "_" + name
    return _flip_zero_control(rule, name)


def _many(n):
    return n - 2


def _two(_n):
    return 2


def _one(_n):
    return 1


decompose_mcx_many_borrowed_workers = _mcx_with_allocated(
    "many_borrowed_workers", _mcx_many_workers,
    lambda n, kind: _mcx_many_workers_resource(n, kind, n - 2), 4, _many)
decompose_mcx_many_zeroed_workers = _mcx_with_allocated(
    "many_zeroed_workers", _mcx_many_workers,
    lambda n, kind: _mcx_many_workers_resource(n, kind, n - 2), 4, _many)
decompose_mcx_two_borrowed_workers = _mcx_with_allocated(
    "two_borrowed_workers", _mcx_two_workers, _mcx_two_workers_resource, 6, _two)
decompose_mcx_two_zeroed_workers = _mcx_with_allocated(
    "two_zeroed_workers", _mcx_two_workers, _mcx_two_workers_resource, 6, _two)
decompose_mcx_one_borrowed_worker = _mcx_with_allocated(
    "one_borrowed_worker", _mcx_one_worker, _mcx_one_worker_resource, 3, _one)
decompose_mcx_one_zeroed_worker = _mcx_with_allocated(
    "one_zeroed_worker", _mcx_one_worker, _mcx_one_worker_resource, 3, _one)


def _mcx_to_cnot_or_toffoli_resource(num_control_wires, num_zero_control_values=0, **_):
    if num_control_wires == 1:
        return {resource_rep("CNOT"): 1, resource_rep("PauliX"): num_zero_control_values}
    return {resource_rep("Toffoli"): 1, resource_rep("PauliX"): 2 * num_zero_control_values}


@register_condition(lambda num_control_wires, **_: num_control_wires < 3)
@register_resources(_mcx_to_cnot_or_toffoli_resource)
def _mcx_to_cnot_or_toffoli(wires, control_wires=None, control_values=None, **_) -> None:
    """One or two controls: a ``CNOT`` (then ``X`` on the target for a control value 0) or
    a ``Toffoli`` between the ``X`` flips of the zero controls (PennyLane's rule)."""
    wires = list(wires_tuple(wires))
    controls = wires[:-1] if control_wires is None else list(wires_tuple(control_wires))
    values = [1] * len(controls) if control_values is None else list(control_values)
    if len(wires) == 2:
        _gate("CNOT", wires=wires)
        if not values[0]:
            _gate("PauliX", wires=wires[1])
    elif len(wires) == 3:
        flips = [w for w, v in zip(controls, values) if not v]
        for w in flips:
            _gate("PauliX", wires=w)
        _toffoli(wires)
        for w in flips:
            _gate("PauliX", wires=w)


@register_condition(lambda num_control_wires, work_wire_type="borrowed", num_work_wires=0, **_:
                    num_work_wires >= 1 and num_control_wires == 2 and work_wire_type == "zeroed")
@register_resources(lambda **_: {resource_rep("TemporaryAND"): 1, resource_rep("CNOT"): 1,
                                 adjoint_resource_rep(TemporaryAND): 1})
def _2cx_elbow_explicit(wires, work_wires, control_values=(1, 1), **_) -> None:
    """Two controls and a zeroed work wire: their AND on the work wire (``Elbow``), a
    ``CNOT`` from it onto the target, the AND undone (PennyLane's rule).

    >>> import qsym as qml
    >>> with qml.queuing.AnnotatedQueue() as q:
    ...     decompose_mcx_two_controls_elbows(wires=[0, 1, 2], work_wires=[3],
    ...         control_wires=[0, 1], control_values=[0, 1])
    >>> [op.name for op in q.queue]
    ['PauliX', 'TemporaryAND', 'CNOT', 'Adjoint(TemporaryAND)', 'PauliX']
    """
    wires = list(wires_tuple(wires))
    work0 = list(wires_tuple(work_wires))[0]
    elbow = [wires[0], wires[1], work0]
    TemporaryAND(wires=elbow, control_values=tuple(control_values))
    _gate("CNOT", wires=[work0, wires[2]])
    adjoint(TemporaryAND(wires=elbow, control_values=tuple(control_values)))


decompose_mcx_two_controls_elbows = _flip_zero_control(
    _2cx_elbow_explicit, "flip_zero_ctrl_values(_2cx_elbow_explicit)")

# PennyLane 0.45's rules of MultiControlledX, in its order (qml.list_decomps)
add_decomps(GATE_CLASSES["MultiControlledX"], _mcx_to_cnot_or_toffoli,
            decompose_mcx_many_workers_explicit, decompose_mcx_many_borrowed_workers,
            decompose_mcx_many_zeroed_workers, decompose_mcx_two_workers_explicit,
            decompose_mcx_two_borrowed_workers, decompose_mcx_two_zeroed_workers,
            decompose_mcx_one_worker_explicit, decompose_mcx_one_borrowed_worker,
            decompose_mcx_one_zeroed_worker, decompose_mcx_with_no_worker,
            decompose_mcx_two_controls_elbows)


def mcx_decomposition(wires, work_wires, control_values, work_wire_type) -> list:
    """``MultiControlledX.decomposition()`` as PennyLane's: ``X`` on the controls whose
    value is 0, :func:`decompose_mcx`, the ``X`` again (registered in ``METHODS``)."""
    if work_wire_type not in ("zeroed", "borrowed"):
        raise GateError(f"work_wire_type must be either 'zeroed' or 'borrowed'. Got "
                        f"'{work_wire_type}'.")
    wires = list(wires_tuple(wires))
    controls = wires[:-1]
    values = [1] * len(controls) if control_values is None else list(control_values)
    flips = [w for w, v in zip(controls, values) if not v]
    out = [_gate("PauliX", wires=w) for w in flips]
    out += decompose_mcx(controls, wires[-1], work_wires or (), work_wire_type)
    return out + [_gate("PauliX", wires=w) for w in flips]


METHODS["mcx_decomposition"] = mcx_decomposition


def controlled_su2_decomposition(op):
    """``Controlled(U, controls).decomposition()`` for a one-wire special unitary ``U`` (its
    determinant 1) given by numbers, as PennyLane's: :func:`ctrl_decomp_bisect` for two
    controls or more when no parameter is a trainable tensor, else :func:`ctrl_decomp_zyz`
    (with the work wires); None for any other base (the caller decomposes it otherwise).
    Registered in ``METHODS`` for ``_opmath.ControlledOp``.

    >>> import qsym as qml
    >>> [g.name for g in qml.ctrl(qml.RZ(1.2, wires=0), [1, 2, 3]).decomposition()][:2]
    ['MultiControlledX', 'QubitUnitary']
    """
    base = op.base
    params = list(getattr(base, "params", ()) or ())
    if len(base.wires) != 1 or any(_traced(p) for p in params) or getattr(
            base, "batch_size", None) is not None or not getattr(base, "has_matrix", False):
        return None
    if not is_single_qubit_special_unitary(base):
        return None
    trainable = any(getattr(t, "requires_grad", False) for t in getattr(base, "_tensors", ()))
    if len(op.control_wires) >= 2 and not trainable:
        return ctrl_decomp_bisect(base, op.control_wires)
    return ctrl_decomp_zyz(base, op.control_wires, work_wires=list(op.work_wires) or None,
                           work_wire_type=op.work_wire_type)


METHODS["controlled_su2_decomposition"] = controlled_su2_decomposition


# --- PennyLane 0.45's rules of ControlledQubitUnitary (the decomposition graph's) -------------
def _ctrl_x_rep(n, work, kind):
    return controlled_resource_rep(GATE_CLASSES["PauliX"], {}, num_control_wires=n,
                                   num_work_wires=work, work_wire_type=kind)


def _ctrl_phase_rep(n, work=0, kind="borrowed"):
    return controlled_resource_rep(GATE_CLASSES["GlobalPhase"], {}, num_control_wires=n,
                                   num_work_wires=work, work_wire_type=kind)


def _bisect_resources(num_target_wires, num_control_wires, **_):
    """PennyLane's (an overestimate: the general case's counts)."""
    k1 = (num_control_wires + 1) // 2
    k2 = num_control_wires - k1
    qu = resource_rep("QubitUnitary", num_wires=num_target_wires)
    counts = {qu: 4, adjoint_resource_rep(GATE_CLASSES["QubitUnitary"],
                                          {"num_wires": num_target_wires}): 4}
    if k1 == k2:
        counts[_ctrl_x_rep(k2, k1, "borrowed")] = 6
    else:
        counts[_ctrl_x_rep(k2, k1, "borrowed")] = 4
        counts[_ctrl_x_rep(k1, k2, "borrowed")] = 2
    counts[resource_rep("Hadamard")] = 2
    counts[_ctrl_phase_rep(num_control_wires, 1, "borrowed")] = 1
    return counts


ctrl_decomp_bisect_rule = register_condition(
    lambda num_target_wires, num_control_wires, **_: num_target_wires == 1
    and num_control_wires > 1)(register_resources(_bisect_resources, exact=False)(
        ctrl_decomp_bisect_rule))


def _zyz_of(U) -> tuple:
    return tuple(zyz_rotation_angles(np.asarray(U, dtype=complex), return_global_phase=True))


@register_condition(lambda num_target_wires, num_control_wires, **_: num_target_wires == 1
                    and num_control_wires == 1)
@register_resources(lambda **_: {resource_rep("RZ"): 3, resource_rep("RY"): 2,
                                 resource_rep("CNOT"): 2, _ctrl_phase_rep(1): 1}, exact=False)
def single_ctrl_decomp_zyz_rule(U, wires, **_) -> None:
    """PennyLane's rule of a ``ControlledQubitUnitary`` of one control and one target
    (Barenco et al. 1995, Lemma 5.1), its phase a controlled ``GlobalPhase``."""
    phi, theta, omega, phase = _zyz_of(U)
    _single_control_zyz(phi, theta, omega, list(wires))
    if _not_zero(phase):
        _ctrl_global_phase(phase, list(wires)[:-1])


def _multi_zyz_resources(num_control_wires, num_work_wires=0, work_wire_type="borrowed", **_):
    return {resource_rep("CRZ"): 3, resource_rep("CRY"): 2,
            _ctrl_x_rep(num_control_wires - 1, num_work_wires, work_wire_type): 2,
            _ctrl_phase_rep(num_control_wires, 1, "borrowed"): 1}


@register_condition(lambda num_target_wires, num_control_wires, **_: num_target_wires == 1
                    and num_control_wires > 1)
@register_resources(_multi_zyz_resources, exact=False)
def multi_control_decomp_zyz_rule(U, wires, work_wires=None, work_wire_type="borrowed",
                                  **_) -> None:
    """PennyLane's rule of a ``ControlledQubitUnitary`` of one target and several controls
    (Barenco et al. 1995, Lemma 7.9); its phase a ``GlobalPhase`` controlled by the controls
    with the target borrowed as a work wire."""
    wires = list(wires)
    phi, theta, omega, phase = _zyz_of(U)
    _multi_control_zyz(phi, theta, omega, wires, work_wires, work_wire_type)
    if _not_zero(phase):
        _ctrl_global_phase(phase, wires[:-1], wires[-1:], "borrowed")


def _two_qubit_rule():
    from .decomposition import list_decomps  # (the rules of QubitUnitary, made on demand)

    return next(r for r in list_decomps("QubitUnitary") if r.name == "two_qubit_decomp_rule")


def _controlled_two_qubit_resources(num_target_wires, num_control_wires,
                                    num_zero_control_values=0, num_work_wires=0,
                                    work_wire_type="borrowed", **_):
    base = _two_qubit_rule().compute_resources(num_wires=num_target_wires).gate_counts
    counts = {controlled_resource_rep(rep.op_type, dict(rep.params), num_control_wires, 0,
                                      num_work_wires, work_wire_type): n
              for rep, n in base.items()}
    counts[resource_rep("PauliX")] = 2 * num_zero_control_values
    return counts


@register_condition(lambda num_target_wires, **_: num_target_wires == 2)
@register_resources(_controlled_two_qubit_resources, exact=False)
def controlled_two_qubit_unitary_rule(U, wires, control_values, work_wires=None,
                                      work_wire_type="borrowed", **_) -> None:
    """PennyLane's rule of a ``ControlledQubitUnitary`` of two target wires: the two-qubit
    decomposition of ``U``, each gate controlled (``X`` around the controls that are 0)."""
    wires = list(wires)
    flips = [w for w, v in zip(wires[:-2], control_values) if not v]
    for w in flips:
        _gate("PauliX", wires=w)
    rule = _two_qubit_rule()
    ctrl(lambda: rule(U, wires=wires[-2:]), control=wires[:-2], work_wires=work_wires,
         work_wire_type=work_wire_type)()
    for w in flips:
        _gate("PauliX", wires=w)


# PennyLane 0.45's rules of ControlledQubitUnitary, in its order (not its fifth,
# _to_general_c_qu for three target wires or more: qsym's Controlled(QubitUnitary) is a
# ControlledQubitUnitary again)
add_decomps("ControlledQubitUnitary",
            _flip_zero_control(ctrl_decomp_bisect_rule,
                               "flip_zero_ctrl_values(ctrl_decomp_bisect_rule)"),
            _flip_zero_control(single_ctrl_decomp_zyz_rule,
                               "flip_zero_ctrl_values(single_ctrl_decomp_zyz_rule)"),
            _flip_zero_control(multi_control_decomp_zyz_rule,
                               "flip_zero_ctrl_values(multi_control_decomp_zyz_rule)"),
            controlled_two_qubit_unitary_rule)
