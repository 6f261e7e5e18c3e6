"""PennyLane's decompositions of a unitary matrix into gates of qsym's table
(``pennylane.ops.op_math.decompositions.unitary_decompositions``): one qubit as Euler
rotations (:func:`one_qubit_decomposition`: ``"ZYZ"``, ``"XYX"``, ``"XZX"``, ``"ZXZ"``,
``"rot"``), two qubits with the fewest CNOTs their invariants allow
(:func:`two_qubit_decomposition`: 0, 1, 2 or 3, PennyLane's circuits), more qubits by the
quantum Shannon decomposition (:func:`multi_qubit_decomposition`: four ``QubitUnitary`` on
one wire fewer and three ``SelectPauliRot`` multiplexers). Each makes its gates where it is
called (recorded in a circuit or a queue) and returns them; their product is the matrix,
global phase included (a ``GlobalPhase`` ends the list when the phase is not 0).
:data:`QUBIT_UNITARY_RULES` are PennyLane's decomposition rules of ``QubitUnitary``
(``qml.list_decomps(qml.QubitUnitary)``). The linear algebra is in ``_linalg``.

>>> import numpy as np
>>> CZ = np.diag([1, 1, 1, -1]) * np.exp(0.3j)
>>> [op.name for op in two_qubit_decomposition(CZ, wires=[0, 1])]
['QubitUnitary', 'QubitUnitary', 'CNOT', 'QubitUnitary', 'QubitUnitary', 'GlobalPhase']
"""

from __future__ import annotations

import warnings

import numpy as np

from .errors import DecompositionUndefinedError, GateError, TracingError, WireError
from ._linalg import (cossin, compute_num_cnots, convert_to_su2, convert_to_su4, demultiplex,
                      interaction_angles, is_sparse, local_equivalence, magic_gamma,
                      real_eigenbasis, su2su2_to_tensor_products, xyx_rotation_angles,
                      xzx_rotation_angles,
                      zxz_rotation_angles, zyz_rotation_angles)
from ._operations import GATE_CLASSES, wires_tuple
from .math import requires_grad
from .templates import SelectPauliRot

__all__ = ["one_qubit_decomposition", "two_qubit_decomposition", "multi_qubit_decomposition",
           "QUBIT_UNITARY_RULES", "ROTATIONS"]

ROTATIONS = {"ZYZ": (zyz_rotation_angles, ("RZ", "RY", "RZ")),
             "XYX": (xyx_rotation_angles, ("RX", "RY", "RX")),
             "XZX": (xzx_rotation_angles, ("RX", "RZ", "RX")),
             "ZXZ": (zxz_rotation_angles, ("RZ", "RX", "RZ"))}
"""The Euler forms of :func:`one_qubit_decomposition`: the angle function and the three
gates, applied in that order (``"rot"`` is one ``Rot`` of the ZYZ angles)."""


def _gate(name, *params, wires):
    return GATE_CLASSES[name](*params, wires=list(wires))


def _tensor_like(U):
    """How the rotation angles computed from the matrix ``U`` are typed, as PennyLane's
    ``qml.math`` gives them: ``qsym.numpy`` tensors of ``U``'s ``requires_grad`` when ``U``
    is one (its trainability passes to the gates: a tape's trainable parameters after
    ``QubitUnitary`` is decomposed), else the numbers as they are."""
    from .numpy import tensor

    if not isinstance(U, tensor):
        return lambda a: a
    return lambda a: tensor(a, requires_grad=U.requires_grad)


def _matrix(U, what: str, n: int) -> np.ndarray:
    """``U`` as a complex array (a sparse 2x2 made dense), checked to be ``n x n`` (or a
    batch of them, batch first)."""
    if is_sparse(U):
        U = U.toarray()
    try:
        U = np.asarray(U, dtype=complex)  # traced values: their numbers (a per-call trace)
    except TracingError:
        raise  # a traced input: qsym traces the circuit again at the call's numbers
    except (TypeError, ValueError) as exc:
        raise GateError(f"{what} takes a matrix of numbers, got {type(U).__name__}: the "
                        "decomposition is numerical (decompose the matrix's value)") from exc
    if U.shape[-2:] != (n, n) or U.ndim not in (2, 3):
        raise GateError(f"{what} takes a {n}x{n} unitary (or a batch of them, batch first), "
                        f"got shape {U.shape}")
    if not np.allclose(U @ np.swapaxes(U, -1, -2).conj(), np.eye(n), atol=1e-7):
        raise GateError(f"{what}: the matrix is not unitary (U U^dagger differs from the "
                        "identity by more than 1e-7); decompose a unitary matrix")
    return U


def one_qubit_decomposition(U, wire, rotations="ZYZ", return_global_phase=False) -> list:
    """PennyLane's ``qml.ops.one_qubit_decomposition``: a 2x2 unitary (or a batch) as three
    rotations (``rotations``: ``"ZYZ"``, ``"XYX"``, ``"XZX"``, ``"ZXZ"``, applied in that
    order, PennyLane's angles in ``[0, 4 pi)``) or one ``Rot`` (``"rot"``; a single ``RZ`` for
    a diagonal matrix), then ``GlobalPhase(-alpha)`` with ``return_global_phase=True``: the
    product is ``U`` exactly. The gates are recorded where made.

    >>> H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    >>> [(g.name, round(float(g.parameters[0]), 6)) for g in
    ...  one_qubit_decomposition(H, 0, rotations="XZX", return_global_phase=True)]
    [('RX', 1.570796), ('RZ', 1.570796), ('RX', 1.570796), ('GlobalPhase', -1.570796)]
    """
    if rotations != "rot" and rotations not in ROTATIONS:
        raise GateError(f"Value {rotations} passed to rotations is either invalid or currently "
                         f"unsupported: use one of 'rot', {', '.join(map(repr, ROTATIONS))}")
    like = _tensor_like(U)
    U = _matrix(U, "one_qubit_decomposition", 2)
    w = wires_tuple(wire)[:1]
    su, alpha = convert_to_su2(U, return_global_phase=True)
    if rotations == "rot" and np.allclose(su[..., 0, 1], 0.0):
        out = [_gate("RZ", like(2 * np.angle(su[..., 1, 1]) % (4 * np.pi)), wires=w)]
    elif rotations == "rot":
        out = [_gate("Rot", *map(like, zyz_rotation_angles(su)), wires=w)]
    else:
        angles, names = ROTATIONS[rotations]
        out = [_gate(n, like(a), wires=w) for n, a in zip(names, angles(su))]
    if return_global_phase:
        out.append(_gate("GlobalPhase", -alpha, wires=()))
    return out


# --- two qubits: the circuits of 0 to 3 CNOTs ----------------------------------------------
_CNOT01 = np.eye(4)[[0, 1, 3, 2]].astype(complex)
_CNOT10 = np.eye(4)[[0, 3, 2, 1]].astype(complex)


def _rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def _ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _rx(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def _core(num_cnots: int, U) -> tuple:
    """The CNOT part of the circuit for ``U`` (SU(4)): its matrix (wire order ``w0, w1``) and
    its gates as ``(name, params, which wires)``. One CNOT; two around ``RZ(alpha) x
    RX(beta)`` whose interaction ``exp(-i(beta XX + alpha ZZ)/2)`` carries the two phase
    pairs of ``gamma(U)``; three around Vatan and Williams' rotations for the interaction
    angles ``(a, b, c)`` (quant-ph/0308006, Figure 6)."""
    if num_cnots == 1:
        return _CNOT01, [("CNOT", (), (0, 1))]
    if num_cnots == 2:
        a, _, c = _two_cnot_angles(U)
        alpha, beta = -2 * c, -2 * a
        M = _CNOT10 @ np.kron(_rz(alpha), _rx(beta)) @ _CNOT10
        return M, [("CNOT", (), (1, 0)), ("RZ", (alpha,), (0,)), ("RX", (beta,), (1,)),
                   ("CNOT", (), (1, 0))]
    a, b, c = interaction_angles(U)
    ta, tb, td = np.pi / 2 - 2 * b, 2 * a - np.pi / 2, np.pi / 2 - 2 * c
    M = _CNOT10 @ np.kron(np.eye(2), _ry(ta)) @ _CNOT01 @ np.kron(_rz(td), _ry(tb)) @ _CNOT10
    return M, [("CNOT", (), (1, 0)), ("RZ", (td,), (0,)), ("RY", (tb,), (1,)),
               ("CNOT", (), (0, 1)), ("RY", (ta,), (1,)), ("CNOT", (), (1, 0))]


def _two_cnot_angles(U) -> tuple:
    """``(a, 0, c)`` for a ``U`` of two CNOTs: ``gamma(U)`` has the eigenvalues
    ``exp(+-i t1)``, ``exp(+-i t2)``, and ``exp(i(a XX + c ZZ))`` has ``t1 = 2(a + c)``,
    ``t2 = 2(a - c)``."""
    _, d = real_eigenbasis(magic_gamma(U))
    t = np.sort(np.abs(np.angle(d)))
    t1, t2 = t[3], t[1]
    return (t1 + t2) / 4, 0.0, (t1 - t2) / 4


def _local_pair(L, w) -> list:
    """The two ``QubitUnitary`` gates of a tensor product ``L = A (x) B`` on ``w``."""
    A, B = su2su2_to_tensor_products(L)
    return [_gate("QubitUnitary", A, wires=w[:1]), _gate("QubitUnitary", B, wires=w[1:])]


def _phase_gate(U, product, extra: list) -> list:
    """``GlobalPhase`` making ``product`` (the gates' matrix) equal to ``U``, if not 0."""
    overlap = np.trace(product.conj().T @ U) / len(U)
    if abs(abs(overlap) - 1) > 1e-6:
        raise GateError("two_qubit_decomposition: the matrix is not unitary (its "
                        "decomposition does not reproduce it); decompose a unitary matrix")
    phase = float(np.angle(overlap))
    if np.isclose(phase, 0, atol=1e-8):
        return extra
    return extra + [_gate("GlobalPhase", -phase, wires=())]


def two_qubit_decomposition(U, wires) -> list:
    """PennyLane's ``qml.ops.two_qubit_decomposition``: a 4x4 unitary as the circuit of as
    few CNOTs as its invariants allow (:func:`compute_num_cnots`, Shende, Bullock and Markov):
    none (``QubitUnitary`` on each wire), one, two (around ``RZ``, ``RX``) or three (around
    ``RZ``, ``RY``, ``RY``), ``QubitUnitary`` on each wire before and after, then a
    ``GlobalPhase`` unless the phase is 0: the product of the gates is ``U`` exactly. The
    local gates come from :func:`qsym._linalg.local_equivalence` of ``U`` and the CNOT
    part (equal invariants, so one is the other between local gates).

    >>> ops = two_qubit_decomposition(np.eye(4)[[0, 2, 1, 3]], wires=["a", "b"])   # SWAP
    >>> sum(op.name == "CNOT" for op in ops)
    3
    """
    if is_sparse(U):
        raise DecompositionUndefinedError("two_qubit_decomposition does not accept sparse "
                                          "matrices: give a dense array")
    _warn_if_trainable(U)
    U = _matrix(U, "two_qubit_decomposition", 4)
    if U.ndim == 3:
        raise DecompositionUndefinedError(
            "The decomposition of a two-qubit QubitUnitary does not support broadcasting "
            "(as in PennyLane): decompose each matrix of the batch")
    w = wires_tuple(wires)
    if len(w) != 2:
        raise WireError(f"two_qubit_decomposition needs two wires, got {list(w)}")
    su = convert_to_su4(U)
    n = compute_num_cnots(su)
    if n == 0:
        A, B = su2su2_to_tensor_products(su)
        ops = [_gate("QubitUnitary", convert_to_su2(A), wires=w[:1]),
               _gate("QubitUnitary", convert_to_su2(B), wires=w[1:])]
        return _phase_gate(U, np.kron(convert_to_su2(A), convert_to_su2(B)), ops)
    M, core = _core(n, su)
    L, R, _ = local_equivalence(su, convert_to_su4(M))
    ops = _local_pair(R, w)
    ops += [_gate(name, *params, wires=[w[i] for i in which]) for name, params, which in core]
    ops += _local_pair(L, w)
    return _phase_gate(U, L @ M @ R, ops)


def _warn_if_trainable(U) -> None:
    """PennyLane's warning for a matrix that is trainable (or traced in a circuit)."""
    if requires_grad(U) or getattr(U, "dtype", None) == object:
        warnings.warn("The two-qubit decomposition may not be differentiable when the input "
                      "unitary depends on trainable parameters.", RuntimeWarning, stacklevel=3)


def multi_qubit_decomposition(U, wires) -> list:
    """PennyLane's ``qml.ops.multi_qubit_decomposition``: a ``2^n x 2^n`` unitary (``n > 1``)
    by the quantum Shannon decomposition (quant-ph/0406176, Figure 14): its cosine-sine
    decomposition on the first wire, each block-diagonal factor demultiplexed into two
    ``QubitUnitary`` on the other wires around a ``SelectPauliRot`` (Z) on the first, the
    cosine-sine factor a ``SelectPauliRot`` (Y): seven operators whose product is ``U``.

    >>> ops = multi_qubit_decomposition(np.eye(8)[[0, 1, 2, 3, 4, 5, 7, 6]], wires=[0, 1, 2])
    >>> [op.name for op in ops][:3]
    ['QubitUnitary', 'SelectPauliRot', 'QubitUnitary']
    """
    w = wires_tuple(wires)
    U = _matrix(U, "multi_qubit_decomposition", 2 ** len(w))
    if len(w) < 2 or U.ndim != 2:
        raise DecompositionUndefinedError("multi_qubit_decomposition takes one unitary on two "
                                          "or more wires (a batch: decompose each matrix)")
    (u1, u2), theta, (v1, v2) = cossin(U)
    vu, dv, vv = demultiplex(v1, v2)
    uu, du, uv = demultiplex(u1, u2)
    rest, first = w[1:], w[0]
    return [_gate("QubitUnitary", vv, wires=rest),
            SelectPauliRot(-2 * np.angle(dv), control_wires=rest, target_wire=first, rot_axis="Z"),
            _gate("QubitUnitary", vu, wires=rest),
            SelectPauliRot(2 * theta, control_wires=rest, target_wire=first, rot_axis="Y"),
            _gate("QubitUnitary", uv, wires=rest),
            SelectPauliRot(-2 * np.angle(du), control_wires=rest, target_wire=first, rot_axis="Z"),
            _gate("QubitUnitary", uu, wires=rest)]


# --- PennyLane's decomposition rules of QubitUnitary ---------------------------------------
def _one_qubit_rule(rotations):
    def rule(U, wires, **_):
        ops = one_qubit_decomposition(U, wires, rotations, return_global_phase=False)
        alpha = np.angle(np.linalg.det(_matrix(U, "QubitUnitary", 2))) / 2
        if not np.allclose(alpha, 0):
            _gate("GlobalPhase", -alpha, wires=())
        return ops

    return rule


def _rule_counts(names) -> dict:
    counts: dict = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return counts


QUBIT_UNITARY_RULES = [
    *[(r.lower(), _one_qubit_rule(r),
       lambda n, r=r: {**_rule_counts(ROTATIONS[r][1]), "GlobalPhase": 1},
       lambda num_wires, **_: num_wires == 1) for r in ("ZYZ", "ZXZ", "XZX", "XYX")],
    ("rot", _one_qubit_rule("rot"), lambda n: {"Rot": 1, "RZ": 1, "GlobalPhase": 1},
     lambda num_wires, **_: num_wires == 1),
    ("two_qubit_decomp_rule", lambda U, wires, **_: two_qubit_decomposition(U, wires),
     lambda n: {("QubitUnitary", 1): 4, "CNOT": 3, "RZ": 1, "RY": 2, "GlobalPhase": 1},
     lambda num_wires, **_: num_wires == 2),
    ("multi_qubit_decomp_rule", lambda U, wires, **_: multi_qubit_decomposition(U, wires),
     lambda n: {("QubitUnitary", n - 1): 4, ("SelectPauliRot", n): 3},
     lambda num_wires, **_: num_wires > 2),
]
"""PennyLane's rules of ``QubitUnitary`` in its order (``qml.list_decomps``): ``(name,
rule(U, wires), resources(num_wires) -> {gate or (gate, num_wires): count}, condition)``;
``decomposition`` registers them."""
