"""PennyLane 0.45's state preparations made of other templates: ``Superposition``,
``MultiplexerStatePreparation``, ``QROMStatePreparation``.

Each is a template (:class:`qsym.templates.Template`) that records PennyLane's
decomposition: a ``StatePrep`` and multi-controlled ``X`` permutations
(``Superposition``), ``SelectPauliRot`` rotations and a ``DiagonalQubitUnitary`` of the
phases (``MultiplexerStatePreparation``), ``QROM`` loads of the angles' bits and
controlled rotations (``QROMStatePreparation``). Their checks and messages are
PennyLane's (a :class:`~qsym.errors.GateError`, a ``ValueError``).

>>> import numpy as np
>>> import qsym as qml
>>> op = qml.Superposition(np.sqrt([0.5, 0.5]), [[1, 1], [0, 0]], wires=[0, 1], work_wire=2)
>>> [g.name for g in op.decomposition()]
['StatePrep', 'MultiControlledX', 'CNOT', 'Toffoli']
"""

from __future__ import annotations

import math

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from ._operations import GATE_CLASSES, wires_tuple
from ._opmath import adjoint, ctrl
from ._subroutines import QROM, template_module
from ._trace import active_tape, add_check
from .decomposition import add_decomps, register_resources
from .errors import GateError, ShapeAssertionError
from .templates import holds_box, mottonen_gates_boxed
from .templates import (DiagonalQubitUnitary, SelectPauliRot, StatePrep, Template, gates_matrix, is_symbolic,
                        state_preparations, template_array)
from .wires import Wires

__all__ = ["Superposition", "MultiplexerStatePreparation", "QROMStatePreparation", "MPSPrep",
           "right_canonicalize_mps", "validate_mps_shape",
           "order_states", "float_to_binary", "STATE_PREPARATIONS"]


def _int_of(bits) -> int:
    return int("".join(str(int(b)) for b in bits), 2) if len(bits) else 0


def order_states(basis_states) -> dict:
    """PennyLane's ``order_states``: each of the ``m`` basis states (tuples of bits) mapped
    to one of the first ``m`` basis states, a state already among them to itself, the
    others to the free ones in order.

    >>> order_states([[1, 1], [0, 1]])
    {(0, 1): (0, 1), (1, 1): (0, 0)}
    """
    m, length = len(basis_states), len(basis_states[0])
    states = [tuple(int(b) for b in s) for s in basis_states]
    out, moved, free = {}, [], dict.fromkeys(range(m))
    for s in states:
        k = _int_of(s)
        if k < m:
            out[s] = s
            free.pop(k)
        else:
            moved.append(s)
    for s, k in zip(moved, free):
        out[s] = tuple(int(c) for c in format(k, f"0{length}b"))
    return out


def _permutation(basis1, basis2, wires, work_wire) -> None:
    """The gates that take ``|basis1>`` to ``|basis2>`` (PennyLane's
    ``_permutation_operator``): the work wire flipped on ``basis1``, CNOTs from it where the
    bits differ, the work wire flipped back on ``basis2``."""
    x = GATE_CLASSES["PauliX"]
    ctrl(x(wires=work_wire), control=list(wires), control_values=list(basis1))
    for w, b1, b2 in zip(wires, basis1, basis2):
        if b1 != b2:
            GATE_CLASSES["CNOT"](wires=[work_wire, w])
    ctrl(x(wires=work_wire), control=list(wires), control_values=list(basis2))


def _check_unit_norm(values) -> None:
    norm = float(np.linalg.norm(np.asarray(values, dtype=complex)))
    if not np.isclose(norm, 1.0):
        raise GateError(f"The input superposition must be normalized (got norm {norm}).")


class Superposition(Template):
    """PennyLane's ``qml.Superposition(coeffs, bases, wires, work_wire)``: the state
    ``sum_i coeffs[i] |bases[i]>`` on ``wires``, from ``|0...0>``. ``StatePrep`` of the
    coefficients on the last ``ceil(log2 m)`` wires (the basis states sorted by
    :func:`order_states`' image), then each state moved to its basis state with
    multi-controlled ``X`` gates on ``work_wire`` (which ends in ``|0>``). Real coefficients
    may be circuit inputs (their norm is checked at every call).

    >>> import numpy as np
    >>> op = Superposition(np.sqrt([0.5, 0.5]), [[1, 1], [0, 0]], wires=[0, 1], work_wire=2)
    >>> np.round(op.matrix()[:, 0].real, 6)  # (|00> + |11>)/sqrt(2), work wire 0
    array([0.707107, 0.      , 0.      , 0.      , 0.      , 0.      , 0.707107, 0.      ])
    """

    _params = ("coeffs",)
    ndim_params = (1,)
    grad_method = None

    def __init__(self, coeffs, bases, wires, work_wire, id=None):
        bases = [list(np.asarray(b).ravel()) for b in bases]
        if not all(math.isclose(float(v), 0.0) or math.isclose(float(v), 1.0)
                   for b in bases for v in b):
            raise GateError("The elements of the basis states must be either 0 or 1.")
        if len({len(b) for b in bases}) > 1:
            raise GateError("All basis states must have the same length.")
        boxed = holds_box(coeffs)  # autograd's values (a complex input differentiated)
        c = coeffs if boxed else template_array(coeffs, "Superposition coeffs")
        if boxed:
            c = anp.array(c) if isinstance(c, (list, tuple)) else c
            if np.ndim(getval(c)) != 1 or len(getval(c)) != len(bases):
                raise GateError(f"Superposition: coeffs must be a vector with one entry per "
                                f"basis state ({len(bases)}), got shape {np.shape(getval(c))}")
            if not np.isclose(np.linalg.norm(np.asarray(getval(c), dtype=complex)), 1.0):
                raise GateError("The input superposition must be normalized.")
        elif c.ndim != 1 or len(c) != len(bases):
            raise GateError(f"Superposition: coeffs must be a vector with one entry per basis "
                            f"state ({len(bases)}), got shape {c.shape}")
        if boxed:
            pass
        elif is_symbolic(c):
            add_check("Superposition", list(c), _check_unit_norm)
        elif not np.isclose(np.linalg.norm(np.asarray(c, dtype=complex)), 1.0):
            raise GateError("The input superposition must be normalized.")
        self.bases = tuple(tuple(int(round(float(v))) for v in b) for b in bases)
        if len(set(self.bases)) != len(self.bases):
            raise GateError("The basis states must be unique.")
        self.coeffs, self.id = c, id
        self.target_wires = Wires(wires_tuple(wires))
        self.work_wire = Wires(wires_tuple(work_wire))
        if len(self.target_wires) != len(self.bases[0]):
            raise GateError(f"Superposition: {len(self.target_wires)} wires for basis states of "
                            f"{len(self.bases[0])} bits; give one wire per bit")
        self.wires = Wires(tuple(self.target_wires) + tuple(self.work_wire))
        self._hyperparameters = {"bases": self.bases, "target_wires": self.target_wires,
                                 "work_wire": self.work_wire}
        self._record()

    def _build(self):
        superposition_gates(self.coeffs, self.bases, self.target_wires, self.work_wire)

    @classmethod
    def compute_decomposition(cls, coeffs, bases, wires, work_wire):
        """PennyLane's ``Superposition.compute_decomposition``."""
        return super().compute_decomposition(coeffs, bases, wires, work_wire)

    def map_wires(self, wire_map: dict):
        """The same superposition on the mapped wires."""
        return type(self)(self.coeffs, self.bases,
                          [wire_map.get(w, w) for w in self.target_wires],
                          [wire_map.get(w, w) for w in self.work_wire])


def superposition_gates(coeffs, bases, wires, work_wire) -> None:
    """Record PennyLane's decomposition of ``Superposition`` (its rule too)."""
    bases = [tuple(int(v) for v in b) for b in bases]
    perms = order_states(bases)
    amp = dict(zip(bases, list(coeffs)))
    ordered = [amp[s] for s, _ in sorted(perms.items(), key=lambda kv: _int_of(kv[1]))]
    k = max(len(coeffs) - 1, 0).bit_length()
    wires, work = list(wires), list(Wires(wires_tuple(work_wire)))
    prep_wires = wires[-k:] if k else wires
    if holds_box(coeffs):  # autograd's values: Möttönen's gates with autograd angles
        pad = 2 ** len(prep_wires) - len(ordered)
        padded = anp.array(ordered + [0.0] * pad)
        mottonen_gates_boxed(padded, prep_wires, zeros=[False] * len(ordered) + [True] * pad)
    else:
        StatePrep(np.asarray(ordered, dtype=object if is_symbolic(np.asarray(ordered, dtype=object))
                             else None), wires=prep_wires, pad_with=0)
    for basis2, basis1 in perms.items():
        if basis1 != basis2:
            _permutation(basis1, basis2, wires, work[0])


@register_resources({})
def _superposition_rule(coeffs, wires=None, bases=(), target_wires=(), work_wire=(), **_):
    superposition_gates(coeffs, bases, target_wires, work_wire)


add_decomps(Superposition, _superposition_rule)


# --- multiplexed rotations -----------------------------------------------------------------
def _checked_state(name: str, state_vector, n_wires: int, length: str, norm: str) -> np.ndarray:
    """The state vector of a multiplexed preparation, checked: ``2**n_wires`` amplitudes of
    norm 1 (to 1e-3, PennyLane's messages ``length`` and ``norm``), numbers."""
    x = template_array(state_vector, f"{name} state_vector")
    if np.shape(x)[0] != 2**n_wires:
        raise GateError(length.format(dim=2**n_wires, got=np.shape(x)[0]))
    if is_symbolic(x):
        raise GateError(f"{name}: the state vector must be numbers, not circuit inputs (the "
                        "phases of its amplitudes decide the gates); use qml.StatePrep for a "
                        "differentiable real state")
    n = np.linalg.norm(np.asarray(x, dtype=complex))
    if not np.isclose(n, 1.0, atol=1e-3):
        raise GateError(norm.format(norm=n))
    return x


def _split_angles(probs: np.ndarray, level: int, eps: float = 0.0) -> tuple:
    """The probabilities of the ``2**level`` blocks of ``probs`` and of their left halves
    (the rotation angles of level ``level`` of a multiplexed state preparation)."""
    blocks = probs.reshape(2**level, -1)
    return blocks.sum(axis=1) + eps, blocks[:, : blocks.shape[1] // 2].sum(axis=1)


class MultiplexerStatePreparation(Template):
    """PennyLane's ``qml.MultiplexerStatePreparation(state_vector, wires)`` (Möttönen et
    al., quant-ph/0208112): for each wire ``i`` a ``SelectPauliRot`` of ``RY`` angles
    ``2 atan2(sqrt(P_k - L_k), sqrt(L_k))`` controlled by the wires before it (``P_k``, ``L_k``:
    the probability of block ``k`` of the state and of its left half), then a
    ``DiagonalQubitUnitary`` of the amplitudes' phases when they are not all 0. The state
    must be numbers.

    >>> import numpy as np
    >>> op = MultiplexerStatePreparation(np.sqrt([0.5, 0.0, 0.25, 0.25]), wires=[0, 1])
    >>> np.round(np.abs(op.matrix()[:, 0]) ** 2, 6)
    array([0.5 , 0.  , 0.25, 0.25])
    """

    _params = ("state_vector",)
    ndim_params = (1,)

    def __init__(self, state_vector, wires, id=None):
        w = wires_tuple(wires)
        x = _checked_state(
            "MultiplexerStatePreparation", state_vector, len(w),
            "State vector must be of length {dim}; got length {got}.",
            "State vector must have norm 1.0; the input state vector has norm {norm}")
        self.state_vector, self.id, self.wires = x, id, Wires(w)
        self._record()

    def _build(self):
        multiplexer_state_gates(self.state_vector, self.wires)


def multiplexer_state_gates(state_vector, wires) -> None:
    """Record PennyLane's decomposition of ``MultiplexerStatePreparation``."""
    v = np.asarray(state_vector, dtype=complex)
    probs, phases = np.abs(v) ** 2, np.angle(v) % (2 * np.pi)
    wires = list(wires)
    for i in range(len(wires)):
        den, num = _split_angles(probs, i)
        thetas = 2 * np.arctan2(np.sqrt(np.maximum(den - num, 0.0)), np.sqrt(num))
        SelectPauliRot(thetas, control_wires=wires[:i], target_wire=wires[i], rot_axis="Y")
    if not np.allclose(phases, 0.0):
        DiagonalQubitUnitary(np.exp(1j * phases), wires=wires)


@register_resources({}, exact=False)
def _multiplexer_rule(state_vector, wires, **_):
    multiplexer_state_gates(state_vector, wires)


add_decomps(MultiplexerStatePreparation, _multiplexer_rule)


# --- QROM-loaded angles --------------------------------------------------------------------
def float_to_binary(val: float, num_bits: int) -> str:
    """PennyLane's ``_float_to_binary``: the first ``num_bits`` binary digits of ``val`` in
    ``[0, 1]`` (truncated; ``1.0`` is all ones).

    >>> float_to_binary(0.5, 3), float_to_binary(0.3, 4), float_to_binary(1.0, 2)
    ('100', '0100', '11')
    """
    rep = bin(int(2 ** (num_bits + 1) + 2**num_bits * val))
    return "1" * num_bits if rep[-num_bits - 1] == "1" else rep[-num_bits:]


class QROMStatePreparation(Template):
    """PennyLane's ``qml.QROMStatePreparation(state_vector, wires, precision_wires,
    work_wires=None)`` (arXiv:2306.15838 via Möttönen's angles): for each wire ``i`` the
    bits of the angle ``2 arccos(sqrt(L_k / P_k)) / pi`` of every block ``k`` loaded by a
    ``QROM`` onto ``precision_wires`` (controlled by the wires before ``i``), ``CRY(pi /
    2**(j+1))`` from precision wire ``j`` to wire ``i``, the load undone; then the phases'
    bits and controlled ``GlobalPhase`` gates. ``m`` precision wires truncate each angle to
    ``m`` binary digits, so the state is approximate, as PennyLane's. The state must be
    numbers.

    >>> import numpy as np
    >>> op = QROMStatePreparation(np.sqrt([0.5, 0.0, 0.25, 0.25]), [0, 1], [2, 3, 4])
    >>> np.round(np.abs(op.matrix()[:, 0][::8]) ** 2, 6)   # precision wires back to |000>
    array([0.5 , 0.  , 0.25, 0.25])
    """

    _params = ("state_vector",)
    ndim_params = (1,)

    def __init__(self, state_vector, wires, precision_wires, work_wires=None, id=None):
        w = wires_tuple(wires)
        x = _checked_state(
            "QROMStatePreparation", state_vector, len(w),
            "State vectors must be of length {dim}; vector has length {got}.",
            "Input state vectors must have a norm 1.0, the vector has squared norm {norm}")
        self.state_vector, self.id = x, id
        self.input_wires = Wires(w)
        self.precision_wires = Wires(wires_tuple(precision_wires))
        if len(self.precision_wires) == 0:  # the angles' bits need somewhere to go
            raise GateError("QROMStatePreparation needs at least one precision wire (each "
                            "angle is loaded to len(precision_wires) binary digits)")
        self.work_wires = Wires(() if work_wires is None else wires_tuple(work_wires))
        self.wires = Wires(w + tuple(self.precision_wires) + tuple(self.work_wires))
        self._hyperparameters = {"input_wires": self.input_wires,
                                 "precision_wires": self.precision_wires,
                                 "work_wires": self.work_wires}
        self._record()

    @classmethod
    def compute_decomposition(cls, state_vector, wires=None, input_wires=None,
                              precision_wires=None, work_wires=None):
        """PennyLane's ``QROMStatePreparation.compute_decomposition(state_vector, wires,
        input_wires, precision_wires, work_wires)``: the decomposition of the template on
        ``input_wires`` (``wires`` are all its wires, as PennyLane's)."""
        if input_wires is None or precision_wires is None:
            raise GateError("QROMStatePreparation.compute_decomposition needs input_wires and "
                            "precision_wires (PennyLane's keywords)")
        return super().compute_decomposition(state_vector, input_wires, precision_wires,
                                             work_wires)

    def _build(self):
        qrom_state_gates(self.state_vector, self.input_wires, self.precision_wires,
                         self.work_wires, self._one_entry)

    def map_wires(self, wire_map: dict):
        """The same preparation on the mapped wires."""
        def m(ws):
            return [wire_map.get(w, w) for w in ws]
        return type(self)(self.state_vector, m(self.input_wires), m(self.precision_wires),
                          m(self.work_wires))


def _loaded(bits, control, precision, work, make, entry) -> None:
    """``QROM`` of ``bits`` on the precision wires, ``make()``'s gates, the ``QROM`` undone
    (``qml.adjoint(qml.QROM)``, one ``entry`` of the decomposition), as PennyLane's
    decomposition applies them."""
    kw = {"data": bits, "control_wires": list(control), "target_wires": list(precision),
          "work_wires": list(work), "clean": False}
    QROM(**kw)
    make()
    entry(lambda: adjoint(QROM)(**kw))


def qrom_state_gates(state_vector, wires, precision_wires, work_wires, entry=None) -> None:
    """Record PennyLane's decomposition of ``QROMStatePreparation`` (``entry(make)``: how a
    template building it records ``make()`` as one entry of its decomposition)."""
    entry = entry or (lambda make: make())
    v = np.asarray(state_vector, dtype=complex)
    probs, phases = np.abs(v) ** 2, np.angle(v) % (2 * np.pi)
    wires, prec, m = list(wires), list(precision_wires), len(precision_wires)
    for i in range(len(wires)):
        den, num = _split_angles(probs, i, eps=1e-15)
        bits = [float_to_binary(2 * np.arccos(np.sqrt(n / d)) / np.pi, m) for n, d in zip(num, den)]

        def rotations(i=i):
            for j, p in enumerate(prec):
                GATE_CLASSES["CRY"](np.pi * 2.0 ** (-j - 1), wires=[p, wires[i]])
        _loaded(bits, wires[:i], prec, work_wires, rotations, entry)
    if not np.allclose(phases, 0.0):
        bits = [float_to_binary(ph / (2 * np.pi), m) for ph in phases]

        def phase_kicks():
            for j, p in enumerate(prec):
                entry(lambda j=j, p=p: ctrl(GATE_CLASSES["GlobalPhase"](
                    -2 * np.pi * 2.0 ** (-j - 1), wires=wires[0]), control=p))
        _loaded(bits, wires, prec, work_wires, phase_kicks, entry)


@register_resources({}, exact=False)
def _qrom_state_rule(state_vector, wires=None, input_wires=(), precision_wires=(),
                     work_wires=(), **_):
    qrom_state_gates(state_vector, input_wires, precision_wires, work_wires)


add_decomps(QROMStatePreparation, _qrom_state_rule)

# --- matrix product states ------------------------------------------------------------------
def _power_of_two(k) -> bool:
    return k >= 1 and (int(k) & (int(k) - 1)) == 0


def validate_mps_shape(mps) -> None:
    """PennyLane's ``_validate_mps_shape``: the first tensor ``(2, D)``, the middle ones
    ``(D_l, 2, D_r)`` with matching bonds, the last ``(D, 2)``, every ``D`` a power of 2;
    else :class:`~qsym.errors.ShapeAssertionError` with PennyLane's message.

    >>> validate_mps_shape([np.ones((2, 2)), np.ones((2, 2))])
    """
    def check(ok, message):
        if not ok:
            raise ShapeAssertionError(message)

    check(np.ndim(mps[0]) == 2, "The first tensor must have exactly 2 dimensions.")
    d0, d2 = np.shape(mps[0])
    check(d0 == 2, "The first dimension of the first tensor must be exactly 2.")
    check(_power_of_two(d2), "The second dimension of the first tensor must be a power of 2.")
    for i, a in enumerate(mps[1:-1], start=1):
        check(np.ndim(a) == 3, f"Tensor {i} must have exactly 3 dimensions.")
        l, m, r = np.shape(a)
        check(m == 2, f"The second dimension of tensor {i} must be exactly 2.")
        check(_power_of_two(l), f"The first dimension of tensor {i} must be a power of 2.")
        check(_power_of_two(r), f"The third dimension of tensor {i} must be a power of 2.")
        check(l == d2, f"Dimension mismatch: tensor {i}'s first dimension does not match the "
                       "previous third dimension.")
        d2 = r
    check(np.ndim(mps[-1]) == 2, "The last tensor must have exactly 2 dimensions.")
    l, m = np.shape(mps[-1])
    check(m == 2, "The second dimension of the last tensor must be exactly 2.")
    check(_power_of_two(l), "The first dimension of the last tensor must be a power of 2.")
    check(l == d2, "Dimension mismatch: the last tensor's first dimension does not match the "
                   "previous third dimension.")


def right_canonicalize_mps(mps) -> list:
    """PennyLane's ``right_canonicalize_mps``: the same state as an MPS whose middle tensors
    ``A`` satisfy ``sum_{p,r} A[l,p,r] conj(A[l',p,r]) = delta_ll'`` (SVDs from the right,
    ``V^dagger`` kept, ``U S`` moved left); the input is not changed.

    >>> out = right_canonicalize_mps([np.ones((2, 2)), np.ones((2, 2, 2)), np.ones((2, 2))])
    >>> np.allclose(np.tensordot(out[1], out[1].conj(), axes=([1, 2], [1, 2])), np.eye(2))
    True
    """
    validate_mps_shape(mps)
    mps = [np.asarray(a) for a in mps]
    mps[0], mps[-1] = mps[0][None], mps[-1][..., None]
    if all(np.allclose(np.tensordot(a, a.conj(), axes=([1, 2], [1, 2])), np.eye(a.shape[0]))
           for a in mps[1:-1]):
        return [mps[0][0], *mps[1:-1], mps[-1][:, :, 0]]
    max_bond = max(d for a in mps[1:-1] for d in a.shape) if len(mps) > 2 else 2
    out = [None] * len(mps)
    for i in range(len(mps) - 1, 0, -1):
        left, d, right = mps[i].shape
        u, s, vd = np.linalg.svd(mps[i].reshape(left, d * right), full_matrices=False)
        k = min(int(max_bond), len(s))
        out[i] = vd[:k].reshape(k, d, right)
        mps[i - 1] = np.tensordot(mps[i - 1], u[:, :k] @ np.diag(s[:k]), axes=([2], [0]))
    out[0], out[-1] = mps[0][0], out[-1][:, :, 0]
    return out


def _mps_unitaries(mps, work_count: int, right_canonicalize: bool) -> list:
    """The ``QubitUnitary`` matrices of PennyLane's ``MPSPrep`` decomposition (arXiv:2310.18410,
    Eq. 23): each tensor's columns embedded in ``2**(1 + work)`` vectors, completed to a
    unitary by QR of them and PennyLane's fixed random columns (``RandomState(42)``)."""
    mps = right_canonicalize_mps(mps) if right_canonicalize else [np.asarray(a) for a in mps]
    mps = [mps[0][None], *mps[1:-1], mps[-1][..., None]]
    dim, half = 2 ** (work_count + 1), 2**work_count
    out = []
    for a in mps:
        vectors = np.zeros((dim, len(a)), dtype=np.result_type(a.dtype, float))
        for j, column in enumerate(a):
            vectors[: len(column[0]), j] = column[0]
            vectors[half:half + len(column[1]), j] = column[1]
        extra = np.random.RandomState(42).random((dim, dim - len(a)))
        q, r = np.linalg.qr(np.hstack([vectors, extra]))
        out.append(q * np.sign(np.diag(r)))
    return out


class MPSPrep(Template):
    """PennyLane's ``qml.MPSPrep(mps, wires, work_wires=None, right_canonicalize=False)``: the
    state of a matrix product state (tensors ``(2, D)``, ``(D, 2, D')``, ..., ``(D, 2)``) on
    ``wires``, one ``QubitUnitary`` per site on that wire and the work wires (which hold the
    bond, at least ``log2`` of the largest bond dimension of them; they end in ``|0>``).
    The tensors must be right-canonical, or ``right_canonicalize=True``. Numbers only.

    >>> import numpy as np
    >>> bell = [np.array([[1, 0], [0, 1]]) / np.sqrt(2), np.array([[1, 0], [0, 1]])]
    >>> op = MPSPrep(bell, wires=[0, 1], work_wires=[2])
    >>> np.round(op.matrix(wire_order=[0, 1, 2])[::2, 0].real, 6)
    array([0.707107, 0.      , 0.      , 0.707107])
    """

    def __init__(self, mps, wires, work_wires=None, right_canonicalize=False, id=None):
        validate_mps_shape(mps)
        self.mps_tensors = [np.asarray(a) for a in mps]
        self.input_wires = Wires(wires_tuple(wires))
        self.work_wires = Wires(wires_tuple(work_wires)) if work_wires else None
        self.right_canonicalize, self.id = right_canonicalize, id
        self.wires = Wires(tuple(self.input_wires) + tuple(self.work_wires or ()))
        self._hyperparameters = {"input_wires": self.input_wires, "work_wires": self.work_wires,
                                 "right_canonicalize": right_canonicalize}
        if (self.work_wires is not None and self._enough_work_wires()) or active_tape() is not None:
            self._record()  # in a circuit without enough work wires: PennyLane's error
        else:  # PennyLane's operator exists; its decomposition and matrix raise (below)
            self._ops, self._children = [], []

    def _enough_work_wires(self) -> bool:
        bond = max(a.shape[-1] for a in self.mps_tensors[:-1])
        return bond <= 2 ** len(self.work_wires)

    @property
    def mps(self) -> list:
        """The tensors (PennyLane's ``op.mps``, its data)."""
        return list(self.mps_tensors)

    @property
    def parameters(self) -> list:
        """PennyLane's data: the tensors."""
        return list(self.mps_tensors)

    def decomposition(self) -> list:
        """One ``QubitUnitary`` per site (PennyLane's); work wires are needed."""
        return self.compute_decomposition(self.mps_tensors, self.input_wires, self.work_wires,
                                          self.right_canonicalize)

    def gates(self) -> list:
        """The ``QubitUnitary`` gates (:meth:`decomposition`)."""
        return self.decomposition()

    def matrix(self, wire_order=None) -> np.ndarray:
        """The unitary of the decomposition's gates (work wires needed)."""
        return gates_matrix(self.decomposition(), list(self.wires if wire_order is None else wire_order))

    @staticmethod
    def compute_decomposition(mps, wires, work_wires, right_canonicalize=False) -> list:
        """PennyLane's ``MPSPrep.compute_decomposition``."""
        if work_wires is None:
            raise GateError("The qp.MPSPrep decomposition requires `work_wires` to be specified.")
        work = list(Wires(wires_tuple(work_wires)))
        bond = max(np.shape(a)[-1] for a in mps[:-1])
        if bond > 2 ** len(work):
            raise GateError(f"Incorrect number of `work_wires`. At least "
                            f"{max(bond - 1, 0).bit_length()} `work_wires` must be provided.")
        wires = list(Wires(wires_tuple(wires)))
        return [GATE_CLASSES["QubitUnitary"](u, wires=[wires[i]] + work)
                for i, u in enumerate(_mps_unitaries(mps, len(work), right_canonicalize))]

    def _build(self):
        self.compute_decomposition(self.mps_tensors, self.input_wires, self.work_wires,
                                   self.right_canonicalize)


@register_resources({})
def _mps_rule(*mps, wires=None, input_wires=(), work_wires=None, right_canonicalize=False, **_):
    MPSPrep.compute_decomposition(list(mps), input_wires, work_wires, right_canonicalize)


add_decomps(MPSPrep, _mps_rule)

state_preparations.state_prep_mps = template_module(
    "state_preparations.state_prep_mps", "PennyLane's state_prep_mps module", MPSPrep=MPSPrep,
    right_canonicalize_mps=right_canonicalize_mps, _validate_mps_shape=validate_mps_shape,
    _mps_prep_decomposition=_mps_rule)

STATE_PREPARATIONS = {cls.__name__: cls for cls in (
    Superposition, MultiplexerStatePreparation, QROMStatePreparation, MPSPrep)}
"""The state preparations of this module, by PennyLane name (all also ``qml.<name>``)."""



# PennyLane's module paths of these templates (its tests import the helpers)
state_preparations.superposition = template_module(
    "state_preparations.superposition", "PennyLane's superposition module",
    Superposition=Superposition, order_states=order_states)
state_preparations.multiplexer_state_prep = template_module(
    "state_preparations.multiplexer_state_prep", "PennyLane's multiplexer_state_prep module",
    MultiplexerStatePreparation=MultiplexerStatePreparation)
state_preparations.qrom_state_prep = template_module(
    "state_preparations.qrom_state_prep", "PennyLane's qrom_state_prep module",
    QROMStatePreparation=QROMStatePreparation, _float_to_binary=float_to_binary)
