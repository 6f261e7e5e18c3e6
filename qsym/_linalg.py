"""The linear algebra of unitary decompositions, in NumPy (no scipy): PennyLane's
``qml.math.convert_to_su2`` / ``convert_to_su4``, the Euler angles of a 2x2 unitary
(``qml.math.decomposition.zyz_rotation_angles`` and the XYX, XZX, ZXZ forms), the factors of
a tensor product (``su2su2_to_tensor_products``), the invariants of a 4x4 unitary in the
magic basis (the number of CNOTs it needs, its interaction angles, the local gates that
carry it to another unitary with the same invariants), and the cosine-sine decomposition
and demultiplexing of the quantum Shannon decomposition. ``_unitary_decompositions`` makes
gates from them; ``qml.math`` shows the PennyLane names.

>>> import numpy as np
>>> H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
>>> [round(float(a), 6) for a in zyz_rotation_angles(H, return_global_phase=True)]
[3.141593, 1.570796, 0.0, 1.570796]
>>> compute_num_cnots(np.eye(4)[[0, 1, 3, 2]]), compute_num_cnots(np.eye(4)[[0, 2, 1, 3]])
(1, 3)
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.tracer import Box

from .errors import GateError

__all__ = ["convert_to_su2", "convert_to_su4", "zyz_rotation_angles", "xyx_rotation_angles",
           "xzx_rotation_angles", "zxz_rotation_angles", "su2su2_to_tensor_products",
           "MAGIC", "magic_gamma", "compute_num_cnots", "interaction_angles",
           "local_equivalence", "real_eigenbasis", "unitary_eigenbasis", "cossin",
           "demultiplex", "is_sparse", "givens_rotation", "set_entries", "givens_decomposition"]

MAGIC = np.array([[1, 1j, 0, 0], [0, 0, 1j, 1], [0, 0, 1j, -1], [1, -1j, 0, 0]]) / np.sqrt(2)
"""The magic basis (as columns): ``MAGIC @ O @ MAGIC^dagger`` is in ``SU(2) x SU(2)`` for
``O`` in ``SO(4)``, and ``MAGIC^dagger exp(i(a XX + b YY + c ZZ)) MAGIC`` is diagonal."""


def is_sparse(U) -> bool:
    """Whether ``U`` is a scipy sparse matrix (recognised without importing scipy)."""
    return type(U).__module__.startswith("scipy.sparse")


def _convert_to_su(U, n: int, return_global_phase: bool):
    xp = anp if isinstance(U, Box) else np  # (autograd's matrix: differentiated through)
    U = U if isinstance(U, Box) else np.asarray(U, dtype=complex)
    if xp.shape(U)[-2:] != (n, n) or xp.ndim(U) not in (2, 3):
        raise GateError(f"convert_to_su{n} takes a {n}x{n} matrix (or a batch of them, batch "
                        f"first), got shape {xp.shape(U)}")
    with np.errstate(divide="ignore", invalid="ignore"):
        phase = xp.angle(xp.linalg.det(U)) / n
    out = U * xp.exp(-1j * phase)[..., None, None]
    return (out, phase) if return_global_phase else out


def convert_to_su2(U, return_global_phase=False):
    """``U`` (2x2, or a batch) times the phase that makes its determinant 1, and that
    phase's opposite ``alpha = angle(det U) / 2`` (``U = exp(i alpha) SU``) with
    ``return_global_phase=True`` (PennyLane's ``qml.math.convert_to_su2``).

    >>> su, alpha = convert_to_su2(1j * np.eye(2), return_global_phase=True)
    >>> np.round(su, 12).real.tolist(), round(float(alpha), 12)
    ([[1.0, 0.0], [0.0, 1.0]], 1.570796326795)
    """
    return _convert_to_su(U, 2, return_global_phase)


def convert_to_su4(U, return_global_phase=False):
    """``U`` (4x4, or a batch) with determinant 1: ``U exp(-i angle(det U) / 4)``, and that
    phase with ``return_global_phase=True`` (PennyLane's ``qml.math.convert_to_su4``).

    >>> su = convert_to_su4(np.eye(4)[[0, 1, 3, 2]])   # CNOT, determinant -1
    >>> bool(np.isclose(np.linalg.det(su), 1))
    True
    """
    return _convert_to_su(U, 4, return_global_phase)


def zyz_rotation_angles(U, return_global_phase=False):
    """``(phi, theta, omega)`` with ``U = exp(i alpha) RZ(omega) RY(theta) RZ(phi)`` (and
    ``alpha`` with ``return_global_phase=True``), each angle in ``[0, 4 pi)`` as PennyLane's
    ``qml.math.decomposition.zyz_rotation_angles`` takes them; a batch of matrices gives
    arrays.

    >>> [round(float(a), 6) for a in zyz_rotation_angles(np.diag([1, -1]))]
    [1.570796, 0.0, 1.570796]
    """
    su, alpha = convert_to_su2(U, return_global_phase=True)
    xp = anp if isinstance(su, Box) else np  # (autograd's matrix: angles it differentiates)
    eps = np.finfo(float).eps
    theta = _half_theta(su)
    plus, minus = xp.angle(su[..., 1, 1] + eps), xp.angle(su[..., 1, 0] + eps)
    angles = tuple(_scalar(a % (4 * np.pi)) for a in (plus - minus, theta, plus + minus))
    return angles + (_scalar(alpha),) if return_global_phase else angles


def _half_theta(su):
    """``2 atan2(|su[0, 1]|, |su[0, 0]|)``, the middle angle of an Euler form."""
    xp = anp if isinstance(su, Box) else np
    a, b = (xp.clip(xp.abs(su[..., 0, k]), 0, 1) for k in (0, 1))
    return 2 * xp.arctan2(b, a)


def _scalar(a):
    """A 0-d array as a NumPy float, a batch as an array (autograd's values kept)."""
    a = anp.squeeze(a) if isinstance(a, Box) else np.squeeze(a)
    return a[()] if np.ndim(a) == 0 else a


def _in_basis(U, C):
    """``C^dagger U C`` (for each matrix of a batch)."""
    return np.einsum("mj,...jk,kn->...mn", C.conj().T, np.asarray(U, dtype=complex), C)


def xyx_rotation_angles(U, return_global_phase=False):
    """``(lam, theta, phi)`` with ``U = exp(i alpha) RX(phi) RY(theta) RX(lam)``: the ZYZ
    angles of ``U`` in the basis that turns ``RX`` into ``RZ`` and keeps ``RY``.

    >>> [round(float(a), 6) for a in xyx_rotation_angles(np.array([[0, 1], [1, 0]]))]
    [1.570796, 0.0, 1.570796]
    """
    C = np.array([[1, -1], [1, 1]]) / np.sqrt(2)
    su, alpha = convert_to_su2(U, return_global_phase=True)
    angles = zyz_rotation_angles(_in_basis(su, C))
    return angles + (_scalar(alpha),) if return_global_phase else angles


def xzx_rotation_angles(U, return_global_phase=False):
    """``(lam, theta, phi)`` with ``U = exp(i alpha) RX(phi) RZ(theta) RX(lam)``: the ZYZ
    angles of ``U`` in the basis that turns ``RX`` into ``RZ`` and ``RZ`` into ``RY``.

    >>> [round(float(a), 6) for a in xzx_rotation_angles(np.diag([1, 1j]))]   # RZ(pi/2), phase
    [0.0, 1.570796, 0.0]
    """
    C = np.array([[1, -1j], [1, 1j]]) / np.sqrt(2)
    su, alpha = convert_to_su2(U, return_global_phase=True)
    angles = zyz_rotation_angles(_in_basis(su, C))
    return angles + (_scalar(alpha),) if return_global_phase else angles


def zxz_rotation_angles(U, return_global_phase=False):
    """``(lam, theta, phi)`` with ``U = exp(i alpha) RZ(phi) RX(theta) RZ(lam)``, each in
    ``[0, 4 pi)`` (PennyLane's ``zxz_rotation_angles``).

    >>> [round(float(a), 6) for a in zxz_rotation_angles(np.array([[0, 1], [1, 0]]))]  # 4pi-eps
    [12.566371, 3.141593, 0.0]
    """
    su, alpha = convert_to_su2(U, return_global_phase=True)
    eps = np.finfo(float).eps
    theta = _half_theta(su)
    plus, minus = np.angle(su[..., 1, 1] + eps), np.angle(1j * su[..., 1, 0] + eps)
    angles = tuple(_scalar(a % (4 * np.pi)) for a in (plus - minus, theta, plus + minus))
    return angles + (_scalar(alpha),) if return_global_phase else angles


def su2su2_to_tensor_products(U) -> tuple:
    """``(A, B)`` with ``kron(A, B) = U`` for ``U`` a tensor product of 2x2 unitaries, ``B``
    of determinant 1 (PennyLane's ``qml.math.decomposition.su2su2_to_tensor_products``):
    ``B`` is read from ``U``'s largest 2x2 block, ``A`` from the overlaps of every block
    with it.

    >>> A, B = su2su2_to_tensor_products(np.kron(np.diag([1j, -1j]), [[0, 1], [-1, 0]]))
    >>> bool(np.allclose(np.kron(A, B), np.kron(np.diag([1j, -1j]), [[0, 1], [-1, 0]])))
    True
    """
    U = np.asarray(U, dtype=complex)
    if U.shape != (4, 4):
        raise GateError(f"su2su2_to_tensor_products takes a 4x4 matrix, got shape {U.shape}")
    blocks = U.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3)  # blocks[i, j] = A[i, j] * B
    norms = np.linalg.norm(blocks, axis=(2, 3))
    i, j = np.unravel_index(np.argmax(norms), (2, 2))
    B = blocks[i, j] / np.sqrt(np.linalg.det(blocks[i, j]))
    A = np.einsum("ijab,ab->ij", blocks, B.conj()) / 2  # A[i, j] = tr(B^dagger blocks[i, j]) / 2
    return A, B


def magic_gamma(U) -> np.ndarray:
    """``gamma(U) = u u^T`` with ``u = MAGIC^dagger U MAGIC``: its spectrum is the same for
    all ``L1 U L2`` with local ``L1``, ``L2`` (for ``U`` in SU(4)), the invariant that decides
    the number of CNOTs (Shende, Markov, Bullock, quant-ph/0308045)."""
    u = MAGIC.conj().T @ np.asarray(U, dtype=complex) @ MAGIC
    return u @ u.T


def compute_num_cnots(U, atol=1e-7) -> int:
    """The number of CNOTs a 4x4 unitary needs with local gates around them (0 to 3), from
    the trace of ``gamma(U)`` of its SU(4) form: ``+-4`` for a tensor product, 0 with
    ``gamma^2 = -1`` for one CNOT, real for two, otherwise three (PennyLane's
    ``_compute_num_cnots``, Shende-Bullock-Markov).

    >>> compute_num_cnots(np.eye(4)), compute_num_cnots(np.eye(4)[[0, 2, 1, 3]])
    (0, 3)
    """
    g = magic_gamma(convert_to_su4(U))
    t = np.trace(g)
    if abs(t - 4) < atol or abs(t + 4) < atol:
        return 0
    if abs(t) < atol and np.allclose(g @ g + np.eye(4), 0, atol=atol):
        return 1
    return 2 if abs(t.imag) < atol else 3


def _commuting_eigenbasis(parts, check, real: bool):
    """An eigenbasis shared by commuting Hermitian (or real symmetric) ``parts``: the
    eigenvectors of a random real combination of them, accepted when ``check(basis)``."""
    rng = np.random.default_rng(20261203)
    for attempt in range(20):
        weights = [1.0] + list(rng.uniform(0.3, 3.0, len(parts) - 1)) if attempt else \
            [1.0] + [np.pi] * (len(parts) - 1)
        M = sum(w * p for w, p in zip(weights, parts))
        _, basis = np.linalg.eigh(M.real if real else M)
        if check(basis):
            return basis
    raise GateError("the matrix is not unitary (or not normal): no common eigenbasis of its "
                    "Hermitian parts was found; decompose a unitary matrix")


def real_eigenbasis(S, atol=1e-6) -> tuple:
    """``(P, d)``: a real rotation ``P`` (determinant 1) and the diagonal ``d`` of ``P^T S P``
    for a symmetric unitary ``S`` (its real and imaginary parts commute, so they share a
    real eigenbasis, found for degenerate spectra too).

    >>> P, d = real_eigenbasis(magic_gamma(convert_to_su4(np.eye(4)[[0, 1, 3, 2]])))
    >>> bool(np.allclose(P.T @ P, np.eye(4))), sorted(np.round(d.imag, 6).tolist())
    (True, [-1.0, -1.0, 1.0, 1.0])
    """
    S = np.asarray(S, dtype=complex)

    def diagonalises(P):
        D = P.T @ S @ P
        return np.allclose(D - np.diag(np.diag(D)), 0, atol=atol)

    P = _commuting_eigenbasis([S.real, S.imag], diagonalises, real=True)
    if np.linalg.det(P) < 0:
        P[:, 0] = -P[:, 0]
    return P, np.diag(P.T @ S @ P)


def unitary_eigenbasis(M, atol=1e-6) -> tuple:
    """``(W, d)``: a unitary ``W`` and the diagonal ``d`` of ``W^dagger M W`` for a normal
    matrix ``M`` (a unitary), an orthonormal eigenbasis also where eigenvalues repeat.

    >>> W, d = unitary_eigenbasis(np.eye(2)[[1, 0]])
    >>> sorted(np.round(d.real, 6).tolist())
    [-1.0, 1.0]
    """
    M = np.asarray(M, dtype=complex)
    H1, H2 = (M + M.conj().T) / 2, (M - M.conj().T) / 2j

    def diagonalises(W):
        D = W.conj().T @ M @ W
        return np.allclose(D - np.diag(np.diag(D)), 0, atol=atol)

    W = _commuting_eigenbasis([H1, H2], diagonalises, real=False)
    return W, np.diag(W.conj().T @ M @ W)


def interaction_angles(U) -> tuple:
    """``(a, b, c)`` with ``U`` locally equivalent to ``exp(i(a XX + b YY + c ZZ))`` up to a
    phase: read from the spectrum of ``gamma(U)`` of its SU(4) form, whose eigenvalues are
    ``exp(2i t)`` for ``t`` in ``(a - b + c, -a + b + c, a + b - c, -a - b - c)``.

    >>> sorted(round(abs(x), 6) for x in interaction_angles(np.eye(4)[[0, 1, 3, 2]]))  # CNOT
    [0.0, 0.0, 0.785398]
    """
    _, d = real_eigenbasis(magic_gamma(convert_to_su4(U)))
    phi = np.angle(d)
    phi[0] -= 2 * np.pi * np.round(phi.sum() / (2 * np.pi))  # sum of the t's is 0
    t = phi / 2
    return float((t[0] + t[2]) / 2), float((t[1] + t[2]) / 2), float((t[0] + t[1]) / 2)


def _match(du, dv, atol) -> np.ndarray | None:
    """A permutation ``p`` with ``dv[p]`` equal to ``du`` (eigenvalues on the unit circle),
    or None."""
    left, perm = list(range(len(dv))), []
    for x in du:
        k = min(left, key=lambda j: abs(dv[j] - x))
        if abs(dv[k] - x) > atol:
            return None
        perm.append(k)
        left.remove(k)
    return np.array(perm)


def local_equivalence(U, V, atol=1e-6) -> tuple:
    """``(L, R, k)`` with ``U = i^k L V R``, ``L`` and ``R`` tensor products of SU(2) matrices
    (4x4), for ``U``, ``V`` in SU(4) with the same invariants (``gamma(U)`` and ``gamma(V)``
    or ``-gamma(V)`` have one spectrum). In the magic basis: ``gamma(u) = O_u D O_u^T`` and
    ``gamma(v) = O_v D O_v^T`` with real rotations ``O``; then ``l = O_u O_v^T`` and
    ``r = v^dagger l^T u`` are real rotations with ``u = l v r``.

    >>> CNOT = np.eye(4)[[0, 1, 3, 2]]
    >>> CZ = np.diag([1, 1, 1, -1])
    >>> L, R, k = local_equivalence(convert_to_su4(CZ), convert_to_su4(CNOT))
    >>> bool(np.allclose(1j ** k * L @ convert_to_su4(CNOT) @ R, convert_to_su4(CZ)))
    True
    """
    u = MAGIC.conj().T @ np.asarray(U, dtype=complex) @ MAGIC
    Ou, du = real_eigenbasis(u @ u.T)
    for k in (0, 1):
        v = MAGIC.conj().T @ (1j ** k * np.asarray(V, dtype=complex)) @ MAGIC
        Ov, dv = real_eigenbasis(v @ v.T)
        perm = _match(du, dv, atol)
        if perm is None:
            continue
        Ov = Ov[:, perm]
        if np.linalg.det(Ov) < 0:
            Ov[:, 0] = -Ov[:, 0]
        lo = Ou @ Ov.T
        ro = v.conj().T @ lo.T @ u
        return MAGIC @ lo @ MAGIC.conj().T, MAGIC @ ro.real @ MAGIC.conj().T, k
    raise GateError("the two unitaries are not locally equivalent (their magic-basis "
                    "invariants differ)")


def cossin(U) -> tuple:
    """The cosine-sine decomposition of a ``2p x 2p`` unitary in NumPy (scipy's
    ``cossin(U, p, p, separate=True)``): ``((u1, u2), theta, (v1, v2))`` with
    ``U = diag(u1, u2) [[C, -S], [S, C]] diag(v1, v2)``, ``C = diag(cos theta)``,
    ``S = diag(sin theta)``. From the SVD of the top-left block (``u1``, ``cos theta``,
    ``v1``), ``u2`` from the orthogonal columns of ``U21 v1^dagger`` (QR, longest columns
    first, so the short ones only complete the basis), ``v2 = C u2^dagger U22 -
    S u1^dagger U12`` (exact where ``C`` or ``S`` is small).

    >>> Q, _ = np.linalg.qr(np.arange(16.0).reshape(4, 4) + np.eye(4))
    >>> (u1, u2), theta, (v1, v2) = cossin(Q)
    >>> C, S = np.diag(np.cos(theta)), np.diag(np.sin(theta))
    >>> left, right = np.block([[u1, 0 * u1], [0 * u2, u2]]), np.block([[v1, 0 * v1], [0 * v2, v2]])
    >>> bool(np.allclose(left @ np.block([[C, -S], [S, C]]) @ right, Q))
    True
    """
    U = np.asarray(U, dtype=complex)
    p = U.shape[0] // 2
    U11, U12, U21, U22 = U[:p, :p], U[:p, p:], U[p:, :p], U[p:, p:]
    u1, c, v1 = np.linalg.svd(U11)
    Z = U21 @ v1.conj().T
    order = np.argsort(c, kind="stable")  # the longest columns of Z first
    Q, R = np.linalg.qr(Z[:, order])
    ph = np.diag(R)
    Q = Q * np.where(np.abs(ph) > 1e-300, ph / np.maximum(np.abs(ph), 1e-300), 1.0)
    u2 = np.empty_like(Q)
    u2[:, order] = Q
    s = np.maximum(np.real(np.einsum("ij,ij->j", u2.conj(), Z)), 0.0)
    theta = np.arctan2(s, np.clip(c, 0.0, None))
    C, S = np.diag(np.cos(theta)), np.diag(np.sin(theta))
    v2 = C @ u2.conj().T @ U22 - S @ u1.conj().T @ U12
    return (u1, u2), theta, (v1, v2)


def demultiplex(a, b) -> tuple:
    """``(u, d, v)`` with ``a = u D v`` and ``b = u D^dagger v``, ``D = diag(d)`` unitary
    (the quantum Shannon decomposition's demultiplexing, quant-ph/0406176 Theorem 12):
    ``u`` and ``D^2`` diagonalise ``a b^dagger``, ``v = D^dagger u^dagger a``.

    >>> u, d, v = demultiplex(np.eye(2), np.diag([1, -1]))
    >>> bool(np.allclose(u @ np.diag(d) @ v, np.eye(2)))
    True
    >>> bool(np.allclose(u @ np.diag(d.conj()) @ v, np.diag([1, -1])))
    True
    """
    a, b = np.asarray(a, dtype=complex), np.asarray(b, dtype=complex)
    u, d2 = unitary_eigenbasis(a @ b.conj().T)
    d = np.exp(0.5j * np.angle(d2))
    v = np.diag(d.conj()) @ u.conj().T @ a
    return u, d, v


# Givens decompositions of a unitary (PennyLane's ``qml.math.decomposition.givens_decomposition``,
# Clements et al. 2016): nulling rotations from the right and the left in alternation, then
# the phases that remain moved through the left rotations to one side


def givens_rotation(a, b, left: bool = True, real: bool = False, tol: float = 1e-8) -> np.ndarray:
    """The 2x2 rotation that zeroes ``b`` against ``a`` (``left``: applied from the left,
    zeroing the row entry; else the column one), with PennyLane's phase conventions:
    a real sign for a real matrix, else the phase ``b conj(a) / |a b|`` on ``g00``
    (PennyLane's ``qml.math.decomposition._givens_matrix``).

    >>> g = givens_rotation(3.0, 4.0)
    >>> (g @ [3.0, 4.0]).real.round(12).tolist()
    [0.0, 5.0]
    """
    abs_a, abs_b = abs(a), abs(b)
    eps = np.finfo(float).eps
    if abs_a < tol:
        c, s = 1.0, 0.0
    elif abs_b < tol:
        c, s = 0.0, 1.0
    else:
        hyp = np.hypot(abs_a, abs_b) + eps
        c, s = abs_b / hyp, abs_a / hyp
    if not left:
        c, s = s, -c
    g00, g01 = complex(c), complex(-s)
    small = abs_a < tol or abs_b < tol
    if real:
        phase = 1.0 if small else float(np.sign(np.real(a * b)))
        g01 *= phase
    else:
        phase = 1.0 if small else b * np.conj(a) / (abs_a * abs_b + eps)
        g00 *= phase
    return np.array([[g00, g01], [phase * s, c]], dtype=complex)


def set_entries(matrix, index, value, real: bool = False):
    """``matrix[index] = value`` in place (``index`` a pair: rows, columns; the real part
    of ``value`` with ``real``), the matrix returned (PennyLane's
    ``qml.math.decomposition._set_unitary_matrix`` for NumPy values).

    >>> set_entries(np.eye(2), (0, Ellipsis), [1.0 + 0j, 2.0], real=True).tolist()
    [[1.0, 2.0], [0.0, 1.0]]
    """
    matrix[index[0], index[1]] = np.real(value) if real else value
    return matrix


def _real_phases_last(left: list, right: list, phases: np.ndarray) -> tuple:
    """A real matrix: the remaining signs absorbed into the last rotations (their sign, a
    transpose), the left rotations transposed; ``(diagonal, rotations in order)``."""
    n = len(phases)
    odd = n % 2
    last = left if odd else right
    for k in range(len(last) - 1, len(last) - n, -1):
        g, (i, j) = last[k]
        sign = np.sign(phases[j, j] if odd else phases[i, i])
        phases[i, i] = np.real(sign * phases[i, i])
        phases[j, j] = np.real(sign * phases[j, j])
        g = sign * g
        if (phases[i, i] if odd else phases[j, j]) < 0:
            g = g.T
        last[k] = (g, (i, j))
    return np.diag(phases), [(g.T, ij) for g, ij in left] + right[::-1]


def _complex_phases_right(left: list, right: list, phases: np.ndarray) -> tuple:
    """A complex matrix: each left rotation ``T^dagger`` rewritten as ``D' T'`` with the
    phases ``D`` moved to its right; ``(diagonal, rotations in order)``."""
    moved = []
    with np.errstate(divide="ignore", invalid="ignore"):  # (PennyLane's: no guard either)
        for g, (i, j) in reversed(left):
            abs_c, abs_s = np.abs(g[:, 0])
            first = phases[j, j] * np.conj(phases[i, i]) * g[1, 1] * g[0, 1]
            new = np.array([[first / abs_s, -abs_s], [first / abs_c, abs_c]])
            phases[i, i], phases[j, j] = (-np.conj(g[1, 0]) / abs_s * phases[j, j],
                                          g[1, 1] / abs_c * phases[j, j])
            moved.append((np.conj(new), (i, j)))
    return np.diag(phases), moved[::-1] + right[::-1]


def givens_decomposition(unitary) -> tuple:
    """PennyLane's ``givens_decomposition``: ``(phases, [(G, (i, j)), ...])`` with
    ``U = diag(phases) G_1 G_2 ...`` (Clements et al. 2016), each ``G_k`` a 2x2 rotation
    on the rows and columns ``i, j = i + 1``; a real matrix gives real signs.

    >>> U = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> D, gs = givens_decomposition(U)
    >>> D.round(6).tolist(), [ij for _, ij in gs]
    ([1.0, -1.0], [(0, 1)])
    """
    u = np.array(unitary)
    real = not np.iscomplexobj(u)
    if u.ndim != 2 or u.shape[0] != u.shape[1]:
        raise GateError(f"The unitary matrix should be of shape NxN, got {u.shape}")
    u = u.astype(float if real else complex)
    n = u.shape[0]
    left, right = [], []
    for i in range(1, n):
        if i % 2:  # from the right: zero row n - j - 1's entry
            for j in range(i):
                ij = [i - j - 1, i - j]
                g = givens_rotation(*u[n - j - 1, ij], left=True, real=real)
                set_entries(u, (Ellipsis, ij), u[:, ij] @ g.T, real)
                right.append((np.conj(g), tuple(ij)))
        else:  # from the left: zero column j - 1's entry
            for j in range(1, i + 1):
                ij = [n + j - i - 2, n + j - i - 1]
                g = givens_rotation(*u[ij, j - 1], left=False, real=real)
                set_entries(u, (ij, Ellipsis), g @ u[ij, :], real)
                left.append((g, tuple(ij)))
    return (_real_phases_last if real else _complex_phases_right)(left, right, u)
