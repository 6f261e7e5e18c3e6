"""The Solovay-Kitaev algorithm (Dawson and Nielsen, arXiv:quant-ph/0505030): a single-qubit
gate approximated by a sequence of Clifford+T gates (PennyLane's ``qml.ops.sk_decomposition``,
module path ``qml.ops.op_math.decompositions.solovay_kitaev``).

The base case is a table of the gate sequences of up to ``basis_length`` gates of the basis,
one per distinct SU(2) element (the one with the fewest ``T`` gates), searched by nearest
neighbour over their quaternions (a SciPy ``KDTree``: scipy is needed here, and only here);
each level of the recursion approximates the remaining error ``U U'^\\dagger`` as a balanced
group commutator ``V W V^\\dagger W^\\dagger`` of approximations of lower levels.

>>> import numpy as np
>>> import qsym as qml
>>> ops = qml.ops.sk_decomposition(qml.RZ(np.pi / 3, 0), epsilon=1e-2)
>>> {op.name for op in ops[:-1]} <= {"Hadamard", "S", "T", "Adjoint(S)", "Adjoint(T)"}
True
>>> ops[-1].name
'GlobalPhase'
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ._operations import GATE_CLASSES
from ._opmath import AdjointOperation, QueuingManager, adjoint
from ._transform import apply_op
from .errors import ArgumentError
from .math import is_abstract, unwrap

__all__ = ["sk_decomposition"]

# the basis names PennyLane accepts (upper-cased) -> (gate name, adjoint?)
_BASIS = {"I": ("Identity", False), "X": ("PauliX", False), "Y": ("PauliY", False),
          "Z": ("PauliZ", False), "H": ("Hadamard", False), "T": ("T", False),
          "T*": ("T", True), "ADJOINT(T)": ("T", True), "S": ("S", False), "S*": ("S", True),
          "ADJOINT(S)": ("S", True)}


def _kdtree(points):
    """SciPy's KD-tree of ``points`` (scipy is optional for qsym: a clear error without it)."""
    try:
        from scipy.spatial import KDTree
    except ImportError:  # pragma: no cover - scipy is in the test environment
        raise ImportError("the Solovay-Kitaev decomposition needs scipy (its KD-tree), which "
                          "qsym does not depend on: pip install scipy") from None
    return KDTree(np.asarray(points, dtype=float))


def _SU2_transform(matrix):
    """``(S, phase)`` with ``matrix = exp(i phase) S``, ``S`` in SU(2) and ``phase`` in
    ``[0, pi)`` (PennyLane's choice: a phase of pi is taken as 0 with ``S = matrix``)."""
    matrix = np.asarray(matrix, dtype=complex)
    with np.errstate(all="ignore"):
        phase = float(np.mod(np.angle(np.linalg.det(matrix)), 2 * math.pi) / 2)
    if math.isclose(phase, math.pi, rel_tol=1e-9, abs_tol=1e-9):
        return matrix * np.exp(-1j * phase) * -1, 0.0
    return matrix * np.exp(-1j * phase), phase


def _quaternion_transform(matrix):
    """The quaternion ``(a, b, c, d)`` of an SU(2) matrix ``a I - i (b X + c Y + d Z)``."""
    m = np.asarray(matrix)
    return np.array([m[0, 0].real, -m[0, 1].imag, -m[0, 1].real, -m[0, 0].imag], dtype=float)


def _su2(w, x, y, z):
    """The SU(2) matrix of the quaternion ``(w, x, y, z)``."""
    return np.array([[w - 1j * z, -y - 1j * x], [y - 1j * x, w + 1j * z]], dtype=complex)


def _dagger(m):
    return np.conj(np.transpose(m))


def _contains_SU2(op_mat, ops_vecs=None, kd_tree=None, tol=1e-8):
    """``(found, quaternion, index)``: whether the quaternion of the SU(2) matrix ``op_mat``
    is within ``tol`` of one of ``ops_vecs`` (or of the points of ``kd_tree``), its
    quaternion, and the index of the nearest point."""
    point = _quaternion_transform(op_mat)
    tree = kd_tree if kd_tree is not None else _kdtree(ops_vecs)
    dist, index = tree.query(np.array([point]), workers=-1)
    return bool(dist[0] < tol), point, int(index[0])


def _basis_gate(name: str):
    key = str(name).upper()
    if key not in _BASIS:
        raise ArgumentError(f"sk_decomposition: unknown basis gate {name!r}; the basis set is "
                            f"made of {sorted(_BASIS)}")
    gate_name, dagger = _BASIS[key]
    gate = GATE_CLASSES[gate_name](0)
    return adjoint(gate) if dagger else gate


@lru_cache
def _basis(basis_gates) -> tuple[list, dict]:
    """The gates of ``basis_gates`` (on wire 0, made once) and the inverse of each gate a
    sequence may hold (by ``id``): a basis gate where one is the inverse (``T`` and
    ``Adjoint(T)``, ``H`` itself), else its adjoint (made once)."""
    with QueuingManager.stop_recording():
        gates = [_basis_gate(name) for name in basis_gates]
        inverse: dict[int, object] = {}
        for g in gates:
            if id(g) in inverse:
                continue
            m = g.matrix()
            inv = next((h for h in gates if np.allclose(h.matrix() @ m, np.eye(2))), None)
            if inv is None:
                inv = g.base if isinstance(g, AdjointOperation) else adjoint(g)
            inverse[id(g)], inverse[id(inv)] = inv, g
    return gates, inverse


def _phase_mod_pi(a: float, b: float) -> bool:
    return abs((a - b + math.pi / 2) % math.pi - math.pi / 2) < 1e-9


class _Table:
    """The growing approximation table: sequences, SU(2) matrices, phases, T counts, and
    each distinct quaternion's entries (rounded: Clifford+T elements are far apart)."""

    def __init__(self):
        self.ids, self.mats, self.phases, self.quats, self.tsums = [], [], [], [], []
        self.seen: dict[tuple, list[int]] = {}

    def add(self, seq, su2, phase, tsum, force=False) -> bool:
        quat = _quaternion_transform(su2)
        same = self.seen.setdefault(tuple(np.round(quat, 8) + 0.0), [])
        if not force and any(_phase_mod_pi(self.phases[i], phase) for i in same):
            return False  # this SU(2) element with this phase is there already
        same.append(len(self.ids))
        for lst, v in ((self.ids, seq), (self.mats, su2), (self.phases, phase),
                       (self.quats, quat), (self.tsums, tsum)):
            lst.append(v)
        return True

    def pruned(self):
        """One entry per quaternion: the one with the fewest T gates (the first on ties)."""
        keep = sorted(min(same, key=lambda i: (self.tsums[i], i)) for same in self.seen.values())
        return ([self.ids[i] for i in keep], [self.mats[i] for i in keep],
                [self.phases[i] for i in keep], [self.quats[i] for i in keep])


@lru_cache
def _approximate_set(basis_gates, max_length=10):
    """``(sequences, SU(2) matrices, phases, quaternions)`` of the gate sequences of up to
    ``max_length`` gates of ``basis_gates`` (names of ``('X', 'Y', 'Z', 'H', 'T',
    'Adjoint(T)', 'S', 'Adjoint(S)')``), one per distinct SU(2) element: breadth-first, a
    sequence never extended by the inverse of its last gate."""
    basis, inverse_of = _basis(tuple(basis_gates))
    su2s = [_SU2_transform(g.matrix()) for g in basis]
    is_t = [g.name in ("T", "Adjoint(T)") for g in basis]
    inverse = [next((j for j, h in enumerate(basis) if h is inverse_of[id(g)]), None)
               for g in basis]
    table = _Table()
    layer = []
    for k, gate in enumerate(basis):
        table.add([gate], su2s[k][0], su2s[k][1], int(is_t[k]), force=True)
        layer.append(([gate], k, su2s[k][0], su2s[k][1], int(is_t[k])))
    for _ in range(max_length - 1):
        nxt = []
        for seq, last, su2, phase, tsum in layer:
            for k, gate in enumerate(basis):
                if inverse[last] == k:
                    continue
                new_phase, new_su2 = phase + su2s[k][1], su2s[k][0] @ su2
                if new_phase >= math.pi:  # exp(i(p + pi)) S = exp(i p) (-S)
                    new_phase, new_su2 = new_phase - math.pi, -new_su2
                new_phase = float(np.mod(new_phase, math.pi))
                item = (seq + [gate], k, new_su2, new_phase, tsum + int(is_t[k]))
                if table.add(item[0], new_su2, new_phase, item[4]):
                    nxt.append(item)
        layer = nxt
    return table.pruned()


@lru_cache
def _approximation_tree(basis_gates, max_length):
    return _kdtree(_approximate_set(basis_gates, max_length=max_length)[3])


def _unit_rotation_between(a, b):
    """An SU(2) matrix whose rotation of the Bloch sphere takes direction ``a`` to ``b``."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-12 or nb < 1e-12:
        return np.eye(2, dtype=complex)
    a, b = a / na, b / nb
    dot = float(np.dot(a, b))
    if dot < -1 + 1e-12:  # opposite: half a turn about any axis perpendicular to a
        axis = np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0])
        return _su2(0.0, *(axis / np.linalg.norm(axis)))
    q = np.concatenate([[1.0 + dot], np.cross(a, b)])
    return _su2(*(q / np.linalg.norm(q)))


def _group_commutator_decompose(matrix, tol=1e-5):
    """``(V, W)`` with ``V W V^dagger W^dagger = matrix`` (an SU(2) matrix): rotations by
    the same small angle about perpendicular axes (Dawson and Nielsen, section 4.1), the
    commutator of rotations about X and Y turned onto the axis of ``matrix``."""
    quat = _quaternion_transform(matrix)
    cos_half = float(np.clip(quat[0], -1.0, 1.0))
    if np.allclose(quat[1:], 0.0, atol=tol) and math.isclose(cos_half, 1.0, abs_tol=tol):
        return np.eye(2, dtype=complex), np.eye(2, dtype=complex)
    # cos(theta / 2) of the commutator of two rotations by phi is 1 - 2 sin(phi / 2)**4
    phi = 2.0 * math.asin(((1.0 - cos_half) / 2.0) ** 0.25)
    v = _su2(math.cos(phi / 2), math.sin(phi / 2), 0.0, 0.0)
    w = _su2(math.cos(phi / 2), 0.0, math.sin(phi / 2), 0.0)
    commutator = v @ w @ _dagger(v) @ _dagger(w)
    s = _unit_rotation_between(_quaternion_transform(commutator)[1:], quat[1:])
    return s @ v @ _dagger(s), s @ w @ _dagger(s)


def _adjoint_sequence(seq, inverse):
    return [inverse[id(g)] for g in reversed(seq)]


def _solovay_kitaev(umat, n, prev_ids, prev_mat, table):
    """Level ``n`` of the recursion: ``(sequence, SU(2) matrix)`` approximating ``umat``,
    from the level ``n - 1`` approximation ``(prev_ids, prev_mat)``."""
    ids, mats, tree, inverse = table
    if not n:
        _, index = tree.query(np.array([_quaternion_transform(umat)]), workers=-1)
        return ids[int(index[0])], mats[int(index[0])]
    v, w = _group_commutator_decompose(umat @ _dagger(prev_mat))
    parts = []
    for c in (v, w):
        c_ids = c_mat = None
        for i in range(n):
            c_ids, c_mat = _solovay_kitaev(c, i, c_ids, c_mat, table)
        parts.append((c_ids, c_mat))
    (v_ids, v_mat), (w_ids, w_mat) = parts
    seq = (prev_ids + _adjoint_sequence(w_ids, inverse) + _adjoint_sequence(v_ids, inverse)
           + w_ids + v_ids)
    return seq, v_mat @ w_mat @ _dagger(v_mat) @ _dagger(w_mat) @ prev_mat


def _cancel_inverses(seq, inverse):
    """``seq`` (gates on one wire) with adjacent inverse pairs removed, again and again."""
    out = []
    for gate in seq:
        if out and inverse[id(out[-1])] is gate:
            out.pop()
        else:
            out.append(gate)
    return out


def _check_sk_arguments(op, epsilon, max_depth, basis_length):
    if len(op.wires) != 1:
        raise ValueError(
            f"Operator must be a single qubit operation, got {op} acting on {op.wires} wires.")
    if not epsilon > 0:
        raise ArgumentError(f"sk_decomposition: epsilon must be a positive error, got {epsilon}")
    for name, value in (("max_depth", max_depth), ("basis_length", basis_length)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ArgumentError(f"sk_decomposition: {name} must be a non-negative integer, "
                                f"got {value!r}")


def sk_decomposition(op, epsilon, *, max_depth=5, basis_set=("H", "S", "T"), basis_length=10):
    """PennyLane's ``qml.ops.sk_decomposition``: the single-qubit gate ``op`` approximated in
    a Clifford+T ``basis_set`` (names of ``('X', 'Y', 'Z', 'H', 'T', 'Adjoint(T)', 'S',
    'Adjoint(S)')``, also ``'T*'``) by the Solovay-Kitaev algorithm: the nearest of the
    sequences of up to ``basis_length`` gates, refined by group commutators until its error
    (the norm of the difference of the first rows of the SU(2) matrices) is at most
    ``epsilon``, or ``max_depth`` levels are done (the error may then be larger).

    Returns gates of the basis and their adjoints (the group commutators invert
    sequences) in circuit order, then a ``GlobalPhase``, so that their product is
    ``op``'s matrix, phase included; recorded in place of ``op`` when a circuit or queue is
    being recorded. Needs scipy (its KD-tree).

    >>> import numpy as np
    >>> import qsym as qml
    >>> op = qml.RZ(np.pi / 3, 0)
    >>> ops = qml.ops.sk_decomposition(op, epsilon=1e-3)
    >>> mat = qml.matrix(qml.tape.QuantumScript(ops), wire_order=[0])
    >>> bool(np.allclose(mat, op.matrix(), atol=1e-3))
    True
    """
    _check_sk_arguments(op, epsilon, max_depth, basis_length)
    with QueuingManager.stop_recording():
        matrix = op.matrix()
        if is_abstract(matrix):
            raise RuntimeError(
                "Solovay-Kitaev decomposition is not supported with QJIT or JAX-JIT: it needs "
                "the gate's numbers. Use qml.ops.rs_decomposition (Ross-Selinger) instead.")
        basis = tuple(basis_set)
        ids, mats, phases, _ = _approximate_set(basis, max_length=basis_length)
        if not ids:
            raise ArgumentError("sk_decomposition: the basis set is empty")
        table = (ids, mats, _approximation_tree(basis, basis_length), _basis(basis)[1])
        gate_mat, gate_phase = _SU2_transform(np.asarray(unwrap(matrix), dtype=complex))
        _, index = table[2].query(np.array([_quaternion_transform(gate_mat)]), workers=-1)
        index = int(index[0])
        seq, approx = ids[index], mats[index]
        for depth in range(max_depth):
            if np.linalg.norm(gate_mat[0] - approx[0]) <= epsilon:
                break
            seq, approx = _solovay_kitaev(gate_mat, depth + 1, seq, approx, table)
        seq = _cancel_inverses(seq, table[3]) or [GATE_CLASSES["Identity"](0)]
        wire = op.wires[0]
        gates = [g if wire == 0 else g.map_wires({0: wire}) for g in seq]
    if QueuingManager.recording():
        QueuingManager.remove(op)
        for g in gates:
            apply_op(g)
    return gates + [GATE_CLASSES["GlobalPhase"](phases[index] - gate_phase)]
