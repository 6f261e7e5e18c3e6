"""PennyLane's ``FABLE`` (a fast approximate block encoding of a real matrix),
``IQP`` (instantaneous quantum polynomial circuits) and ``QuantumMonteCarlo`` (the expectation of a function under a distribution, as a phase
estimated by ``QuantumPhaseEstimation``), with the helpers of PennyLane's ``qmc`` module
(``probs_to_unitary``, ``func_to_unitary``, ``make_Q``).

Both are templates (:class:`qsym.templates.Template`) recording PennyLane 0.45's
decomposition; the checks and their messages are PennyLane's (``GateError``, a
``ValueError``).

>>> import numpy as np
>>> import qsym as qml
>>> A = np.array([[0.1, 0.2], [0.3, -0.2]])
>>> op = qml.FABLE(A, wires=range(3), tol=0)
>>> np.allclose(2 * op.matrix()[:2, :2].real, A)
True
"""

from __future__ import annotations

import warnings

import numpy as np
import sympy as sp
from autograd.tracer import Box

from ._operations import GATE_CLASSES, wires_tuple
from ._opmath import QuantumPhaseEstimation
from ._subroutines import compute_theta, gray_code, template_module
from ._linalg import givens_decomposition
from ._trace import Traced, choice
from .decomposition import add_decomps, register_resources
from .errors import DifferentiationError, GateError
from .templates import Template, is_symbolic, subroutines, template_array, unwrapped as _unwrapped
from .wires import Wires

__all__ = ["FABLE", "QuantumMonteCarlo", "IQP", "BasisRotation", "basis_rotation_gates", "probs_to_unitary", "func_to_unitary", "make_Q",
           "make_V", "make_Z", "ENCODINGS"]


def _arccos(a: np.ndarray) -> np.ndarray:
    """``arccos`` of numbers, or of traced entries (sympy's ``acos``, exact)."""
    if is_symbolic(a):
        return np.array([sp.acos(v) for v in a.ravel()], dtype=object).reshape(a.shape)
    return np.arccos(np.asarray(a, dtype=float))


def _padded(a: np.ndarray) -> np.ndarray:
    """The matrix padded with zeros to ``2**n x 2**n`` (``n >= 1``), with PennyLane's
    warnings."""
    row, col = a.shape
    if row != col:
        warnings.warn(f"The input matrix should be of shape NxN, got {a.shape}."
                      "Zeroes were padded automatically.", UserWarning, stacklevel=4)
        dim = max(row, col)
        a = np.pad(a, ((0, dim - row), (0, dim - col)))
        col = dim
    n = max((col - 1).bit_length(), 1)
    if col < 2**n:
        a = np.pad(a, ((0, 2**n - col), (0, 2**n - col)))
        warnings.warn("The input matrix should be of shape NxN, where N is a power of 2."
                      f"Zeroes were padded automatically. Input is now of shape {a.shape}.",
                      UserWarning, stacklevel=4)
    return a


class FABLE(Template):
    """PennyLane's ``qml.FABLE(input_matrix, wires, tol=0)`` (arXiv:2205.00081): a block
    encoding of a real ``2**n x 2**n`` matrix ``A`` with entries in ``[-1, 1]`` on ``2n + 1``
    wires, ``<0|U|0>`` block ``A / 2**n``: Hadamards on the row register, ``RY(2 theta)``
    rotations of the first wire (``theta``: :func:`compute_theta` of ``arccos(A)`` in
    Gray-code order) with the CNOTs between them, a rotation with ``|2 theta| <= tol`` left
    out (its CNOTs merged), SWAPs of the registers, Hadamards. A matrix of another shape is
    padded with zeros (a warning). Entries may be circuit inputs (``tol`` must then be 0:
    which rotations are dropped would depend on their values); derivatives follow the
    ``RY`` rule through ``arccos``.

    >>> import numpy as np
    >>> A = np.array([[0.5, -0.25], [0.125, 1.0]])
    >>> np.allclose(2 * FABLE(A, wires=[0, 1, 2]).matrix()[:2, :2].real, A)
    True
    """

    _params = ("input_matrix",)
    grad_method = None

    def __init__(self, input_matrix, wires, tol=0, id=None):
        w = wires_tuple(wires)
        a = template_array(input_matrix, "FABLE input_matrix")
        if a.ndim != 2:
            raise GateError(f"FABLE: the input matrix must be 2-D, got shape {a.shape}")
        if is_symbolic(a):
            if tol != 0:
                raise GateError("FABLE with a matrix that is a circuit input needs tol=0: the "
                                "rotations left out would depend on the input's values (pass "
                                "tol=0, or the matrix as numbers)")
        else:
            if np.iscomplexobj(a) and np.any(np.iscomplex(a)):
                raise GateError("Support for imaginary values has not been implemented.")
            a = np.asarray(a.real if np.iscomplexobj(a) else a, dtype=float)
            if not np.all(np.isfinite(a)):
                # a NaN angle fails the test |theta| > tol, so its rotation was dropped:
                # a finite state from a matrix with no values
                raise GateError("FABLE: the input matrix has NaN or infinite entries; give a "
                                "matrix of finite values within [-1, 1]")
            if np.max(np.abs(a), initial=0.0) > 1:
                raise GateError("The subnormalization factor should be lower than 1."
                                "Ensure that the values of the input matrix are within [-1, 1].")
        a = _padded(a)
        n = (a.shape[0] - 1).bit_length() if a.shape[0] > 1 else 1
        if len(w) != 2 * n + 1:
            raise GateError(f"Number of wires is incorrect, expected {2 * n + 1} but got {len(w)}")
        if not is_symbolic(a) and isinstance(input_matrix, np.ndarray) and \
                hasattr(input_matrix, "requires_grad"):
            # PennyLane's data: the matrix in its interface (a qsym.numpy tensor stays one,
            # so qml.matrix(FABLE(tensor)) is a tensor, as PennyLane's)
            a = type(input_matrix)(a, requires_grad=input_matrix.requires_grad)
        self.input_matrix, self.tol, self.id, self.wires = a, tol, id, Wires(w)
        self._hyperparameters = {"tol": tol}
        self._record()

    def _build(self):
        fable_gates(self.input_matrix, self.wires, self.tol)


def fable_gates(input_matrix, wires, tol=0) -> None:
    """Record PennyLane's FABLE circuit of ``input_matrix`` (``2**n x 2**n``) on ``wires``."""
    a = np.asarray(input_matrix)
    traced = is_symbolic(a)
    thetas = compute_theta(_arccos(a).ravel())
    wires = list(wires)
    aux, half = wires[0], len(wires) // 2
    wires_i, wires_j = wires[1:1 + half][::-1], wires[1 + half:][::-1]
    code = gray_code(2 * (len(a) - 1).bit_length())
    flips = np.log2(code ^ np.roll(code, -1)).astype(int)
    by_index = dict(enumerate(wires_j + wires_i))
    h, cnot, ry = GATE_CLASSES["Hadamard"], GATE_CLASSES["CNOT"], GATE_CLASSES["RY"]
    for w in wires_i:
        h(wires=w)
    nots: dict = {}
    for theta, k in zip(thetas, flips):
        if choice(traced or abs(2 * float(theta)) > tol):  # a replay: the trace's choice
            for c in nots:
                cnot(wires=[c, aux])
            ry(2 * theta, wires=aux)
            nots = {}
        if by_index[k] in nots:
            del nots[by_index[k]]
        else:
            nots[by_index[k]] = 1
    for c in nots:
        cnot(wires=[c, aux])
    for wi, wj in zip(wires_i, wires_j):
        GATE_CLASSES["SWAP"](wires=[wi, wj])
    for w in wires_i:
        h(wires=w)


@register_resources({})
def _fable_rule(input_matrix, wires, tol=0, **_):
    fable_gates(input_matrix, wires, tol)


add_decomps(FABLE, _fable_rule)


# --- quantum Monte Carlo -------------------------------------------------------------------
def probs_to_unitary(probs) -> np.ndarray:
    """PennyLane's ``probs_to_unitary``: the real orthogonal matrix (a reflection) ``A`` with
    ``A|0> = sum_i sqrt(p_i) |i>``.

    >>> probs_to_unitary(np.ones(4) / 4).round(4)[1]
    array([ 0.5   , -0.8333,  0.1667,  0.1667])
    """
    p = np.asarray(probs, dtype=float)
    if not np.isclose(np.sum(p), 1) or np.min(p) < 0:
        raise GateError("A valid probability distribution of non-negative numbers that sum to one "
                        "must be input")
    psi = np.sqrt(p)
    psi = psi.copy()
    denominator = np.sqrt(2 + 2 * psi[0])
    psi[0] += 1
    psi /= denominator
    return 2 * np.outer(psi, psi) - np.eye(len(p))


def func_to_unitary(func, M: int) -> np.ndarray:
    """PennyLane's ``func_to_unitary``: the ``2M x 2M`` unitary ``R`` with ``R|i>|0> =
    |i>(sqrt(1 - f(i))|0> + sqrt(f(i))|1>)``, ``f`` bounded in ``[0, 1]`` on ``0..M-1``.

    >>> func_to_unitary(lambda i: 0.25 * i, 2)[2:, 2:]
    array([[ 0.8660254,  0.5      ],
           [ 0.5      , -0.8660254]])
    """
    fs = [float(func(i)) for i in range(M)]
    if min(fs) < 0 or max(fs) > 1:
        raise GateError("func must be bounded within the interval [0, 1] for the range of input "
                        "values")
    out = np.zeros((2 * M, 2 * M))
    for i, f in enumerate(fs):
        c, s = np.sqrt(1 - f), np.sqrt(f)
        out[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [s, -c]]
    return out


def make_V(dim: int) -> np.ndarray:
    """PennyLane's ``_make_V``: the reflection ``2 (I ⊗ |1><1|) - I`` about the last
    qubit's ``|1>`` (``dim`` even).

    >>> make_V(4).diagonal()
    array([-1.,  1., -1.,  1.])
    """
    if dim % 2:
        raise GateError(f"make_V: the dimension must be even, got {dim}")
    return 2 * np.kron(np.eye(dim // 2), np.diag([0.0, 1.0])) - np.eye(dim)


def make_Z(dim: int) -> np.ndarray:
    """PennyLane's ``_make_Z``: the reflection ``2|0><0| - I`` about ``|0...0>``.

    >>> make_Z(4).diagonal()
    array([ 1., -1., -1., -1.])
    """
    z = -np.eye(dim)
    z[0, 0] = 1
    return z


def make_Q(A, R) -> np.ndarray:
    """PennyLane's ``make_Q``: ``Q = (F Z F^dagger V)^2`` with ``F = R (A ⊗ I)`` (Rebentrost
    et al. 2018), whose eigenphases encode the expectation value.

    >>> bool(np.allclose(make_Q(np.eye(2), np.eye(4)), np.eye(4)))
    True
    """
    A, R = np.asarray(A), np.asarray(R)
    F = R @ np.kron(A, np.eye(2))
    dim = len(R)
    UV = F @ make_Z(dim) @ F.conj().T @ make_V(dim)
    return UV @ UV


class QuantumMonteCarlo(Template):
    """PennyLane's ``qml.QuantumMonteCarlo(probs, func, target_wires, estimation_wires)``:
    ``QubitUnitary(A)`` (:func:`probs_to_unitary`) on all target wires but the last,
    ``QubitUnitary(R)`` (:func:`func_to_unitary`) on the target wires, then
    ``QuantumPhaseEstimation`` of ``Q`` (:func:`make_Q`) on the estimation wires. With
    ``theta`` the estimated phase, ``mu = sum_i p(i) f(i) = (1 - cos(pi theta)) / 2``.
    Numbers only (PennyLane's template is not differentiable either).

    >>> import numpy as np
    >>> op = QuantumMonteCarlo(np.ones(2) / 2, lambda i: 0.5 * i, [0, 1], [2, 3])
    >>> [g.name for g in op.decomposition()]
    ['QubitUnitary', 'QubitUnitary', 'QuantumPhaseEstimation']
    """

    grad_method = None

    def __init__(self, probs, func, target_wires, estimation_wires, id=None):
        p = template_array(probs, "QuantumMonteCarlo probs")
        if is_symbolic(p):
            raise GateError("QuantumMonteCarlo: probs must be numbers, not circuit inputs (its "
                            "matrices are computed from them; it is not differentiable)")
        if p.ndim != 1:
            raise GateError("The probability distribution must be specified as a flat array")
        dim_p = len(p)
        n_float = np.log2(2 * dim_p)
        if not np.isclose(n_float, int(n_float)):
            raise GateError("The probability distribution must have a length that is a power of two")
        target, estimation = wires_tuple(target_wires), wires_tuple(estimation_wires)
        if int(n_float) != len(target):
            raise GateError(f"The probability distribution of dimension {dim_p} requires"
                            f" {int(n_float)} target wires")
        self.func, self.id = func, id
        self.target_wires, self.estimation_wires = Wires(target), Wires(estimation)
        self.wires = Wires(target + estimation)
        A = probs_to_unitary(p)
        R = func_to_unitary(func, dim_p)
        self._data = (A, R, make_Q(A, R))
        self._hyperparameters = {"estimation_wires": self.estimation_wires,
                                 "target_wires": self.target_wires}
        self._record()

    @property
    def parameters(self) -> list:
        """PennyLane's data: the matrices ``A``, ``R`` and ``Q``."""
        return list(self._data)

    def _build(self):
        monte_carlo_gates(*self._data, target_wires=self.target_wires,
                          estimation_wires=self.estimation_wires)


def monte_carlo_gates(A, R, Q, target_wires, estimation_wires) -> None:
    """Record PennyLane's decomposition of ``QuantumMonteCarlo``."""
    target = list(target_wires)
    GATE_CLASSES["QubitUnitary"](A, wires=target[:-1])
    GATE_CLASSES["QubitUnitary"](R, wires=target)
    QuantumPhaseEstimation(Q, target_wires=target, estimation_wires=list(estimation_wires))


@register_resources({})
def _monte_carlo_rule(A, R, Q, wires=None, estimation_wires=(), target_wires=(), **_):
    monte_carlo_gates(A, R, Q, target_wires, estimation_wires)


add_decomps(QuantumMonteCarlo, _monte_carlo_rule)

# --- instantaneous quantum polynomial circuits ----------------------------------------------
class IQP(Template):
    """PennyLane's ``qml.IQP(weights, num_wires, pattern, spin_sym=False)``: the
    instantaneous quantum polynomial circuit ``prod_k exp(-i weights[k] sum_{g in
    pattern[k]} X_g)`` on wires ``0 .. num_wires - 1`` (``X_g`` the product of ``X`` on the
    wires of generator ``g``), after ``PauliRot(pi/2, "YX...X")`` when ``spin_sym``: PennyLane's
    decomposition, Hadamards around ``MultiRZ(2 weights[k])`` on each generator's wires.
    The weights are hyperparameters, as PennyLane's (the template has no data).

    >>> import numpy as np
    >>> op = IQP([0.3], 1, [[[0]]])
    >>> np.allclose(op.matrix(), [[np.cos(0.3), -1j * np.sin(0.3)], [-1j * np.sin(0.3), np.cos(0.3)]])
    True
    """

    def __init__(self, weights, num_wires, pattern, spin_sym=False, id=None):
        if len(pattern) != len(weights):
            raise GateError("Number of gates and number of parameters for an Instantaneous Quantum "
                            f"Polynomial circuit must be the same, got {len(pattern)} gates and "
                            f"{len(weights)} weights.")
        if num_wires == 0:
            raise GateError("At least one valid wire is required.")
        self.weights, self.pattern, self.spin_sym, self.id = weights, pattern, spin_sym, id
        self.num_wires = num_wires
        self.wires = Wires(tuple(range(num_wires)))
        self._hyperparameters = {"spin_sym": spin_sym, "weights": weights, "pattern": pattern,
                                 "num_wires": num_wires}
        self._record()

    @property
    def parameters(self) -> list:
        """None: PennyLane's IQP keeps its weights among its hyperparameters."""
        return []

    def _build(self):
        iqp_gates(self.weights, self.num_wires, self.pattern, self.spin_sym)


def iqp_gates(weights, num_wires, pattern, spin_sym) -> None:
    """Record PennyLane's decomposition of ``IQP``."""
    if spin_sym:
        GATE_CLASSES["PauliRot"](np.pi / 2, "Y" + "X" * (num_wires - 1), wires=list(range(num_wires)))
    for i in range(num_wires):
        GATE_CLASSES["Hadamard"](wires=i)
    for w, gate in zip(weights, pattern):
        for gen in gate:
            GATE_CLASSES["MultiRZ"](2 * w, wires=list(gen))
    for i in range(num_wires):
        GATE_CLASSES["Hadamard"](wires=i)


@register_resources({})
def _iqp_rule(wires=None, weights=(), pattern=(), spin_sym=False, num_wires=None, **_):
    iqp_gates(weights, len(wires), pattern, spin_sym)


add_decomps(IQP, _iqp_rule)

# --- basis rotations ------------------------------------------------------------------------
def _numbers(x, what: str) -> np.ndarray:
    """A template's matrix as complex numbers: a traced entry gives its number at the call
    (a per-call trace: qsym's QNode switches to one), as PennyLane's non-differentiable
    templates read their data."""
    arr = np.asarray(_unwrapped(x), dtype=object) if not isinstance(x, np.ndarray) \
        or x.dtype == object else x
    out = np.empty(arr.shape, dtype=complex)
    for idx in np.ndindex(*arr.shape):
        v = arr[idx]
        if isinstance(v, sp.Basic) and v.free_symbols:
            v = Traced(v)
        if isinstance(v, Box):  # (qml.grad by the matrix: the function runs on autograd's values)
            raise DifferentiationError(
                f"{what}: its matrix is data, not differentiated (PennyLane's grad_method "
                "None: PennyLane's autograd returns zeros by it, qsym refuses): give the "
                "matrix with requires_grad=False, or differentiate gates' angles")
        try:
            out[idx] = complex(v)
        except TypeError as exc:
            raise GateError(f"{what} takes a matrix of numbers, got the entry {v!r}") from exc
    return out if np.iscomplexobj(x) or np.abs(out.imag).max(initial=0) > 0 else out.real


def _check_rotation(u: np.ndarray, wires, check: bool) -> None:
    """PennyLane's checks of a basis rotation (a ``GateError``, a ``ValueError``)."""
    if u.ndim != 2 or u.shape[0] != u.shape[1]:
        raise GateError(f"The unitary matrix should be of shape NxN, got {u.shape}")
    if check and not np.allclose(u @ u.conj().T, np.eye(len(u)), atol=1e-4):
        raise GateError("The provided transformation matrix should be unitary.")
    if len(wires) < 2:
        raise GateError(f"This template requires at least two wires, got {len(wires)}")
    if len(u) > len(wires):
        raise GateError(f"BasisRotation: a {len(u)}x{len(u)} matrix rotates {len(u)} modes, "
                        f"got {len(wires)} wires: give one wire per mode")


def basis_rotation_gates(u, wires) -> None:
    """Record PennyLane's decomposition of ``BasisRotation``: the Givens rotations of ``u``
    (:func:`qsym._linalg.givens_decomposition`) as ``SingleExcitation(2 theta)`` on
    neighbouring wires and ``PhaseShift`` gates; a real ``u`` of determinant -1 first has
    its first column negated (a ``PhaseShift(pi)`` on the first wire)."""
    shift, excite = GATE_CLASSES["PhaseShift"], GATE_CLASSES["SingleExcitation"]
    if np.allclose(np.imag(u), 0, rtol=0, atol=100 * np.finfo(float).eps):
        # real: PennyLane's is_real_obj_or_close
        det = np.linalg.det(u).real
        if det < 0:
            u = np.array(u)
            u[:, 0] = -u[:, 0]
            angle = np.pi * (1 - det) / 2
            if not np.isclose(angle, 0.0):
                shift(angle, wires=wires[0])
        for g, (i, j) in givens_decomposition(u)[1]:
            theta = np.arctan2(g[0, 1].real, g[0, 0].real)
            excite(2 * theta, wires=[wires[i], wires[j]])
        return
    phases, rotations = givens_decomposition(u)
    for k, ph in enumerate(phases):
        shift(np.angle(ph), wires=wires[k])
    for g, (i, j) in rotations:
        theta, phi = np.arccos(g[1, 1].real), np.angle(g[0, 0])
        excite(2 * theta, wires=[wires[i], wires[j]])
        if not np.isclose(phi, 0.0):
            shift(phi, wires=wires[i])


class BasisRotation(Template):
    """PennyLane's ``qml.BasisRotation(wires, unitary_matrix, check=False)``: the
    single-particle basis change ``U`` (an ``N x N`` unitary of modes on ``N`` wires, the
    Jordan-Wigner occupations) as Givens rotations: ``SingleExcitation`` gates on
    neighbouring wires and ``PhaseShift`` gates (PennyLane's decomposition, the same
    angles). The matrix is data, not differentiated (PennyLane's ``grad_method`` None).

    >>> import qsym as qml
    >>> U = np.array([[0.6, -0.8], [0.8, 0.6]])
    >>> [str(g) for g in qml.BasisRotation(wires=[0, 1], unitary_matrix=U).decomposition()]
    ['SingleExcitation(np.float64(-1.8545904360032244), wires=[0, 1])']
    """

    _params = ("unitary_matrix",)
    grad_method = None

    def __init__(self, wires, unitary_matrix, check=False, id=None):
        self.unitary_matrix, self.check, self.id = unitary_matrix, check, id
        self.wires = wires_tuple(wires)
        self._u = _numbers(unitary_matrix, "BasisRotation")
        _check_rotation(self._u, self.wires, check)
        self._record()

    @property
    def hyperparameters(self) -> dict:
        """PennyLane's: none (the wires and the matrix are the operator's)."""
        return {}

    @property
    def resource_params(self) -> dict:
        """PennyLane's: the matrix's dimension and whether it is real."""
        return {"dim": len(self._u), "is_real": not np.iscomplexobj(self._u)}

    @classmethod
    def compute_decomposition(cls, unitary_matrix, wires, check=False) -> list:
        """PennyLane's ``BasisRotation.compute_decomposition(unitary_matrix, wires,
        check=False)`` (the matrix first), recorded where it is called.

        >>> import qsym as qml
        >>> qml.BasisRotation.compute_decomposition(np.eye(2), wires=[0, 1])
        [SingleExcitation(np.float64(0.0), wires=[0, 1])]
        """
        return super().compute_decomposition(wires=wires, unitary_matrix=unitary_matrix,
                                             check=check)

    def _build(self):
        basis_rotation_gates(self._u, list(self.wires))


@register_resources({})
def _basis_rotation_rule(matrix, wires, **_):
    u = _numbers(matrix, "BasisRotation")
    _check_rotation(u, wires_tuple(wires), False)
    basis_rotation_gates(u, list(wires_tuple(wires)))


add_decomps(BasisRotation, _basis_rotation_rule)

ENCODINGS = {cls.__name__: cls for cls in (FABLE, QuantumMonteCarlo, IQP, BasisRotation)}
"""The templates of this module, by PennyLane name (all also ``qml.<name>``)."""



# PennyLane's module paths of these templates (its tests import the helpers)
subroutines.qmc = template_module(
    "qmc", "PennyLane's qmc module", QuantumMonteCarlo=QuantumMonteCarlo,
    probs_to_unitary=probs_to_unitary, func_to_unitary=func_to_unitary, make_Q=make_Q,
    _make_V=make_V, _make_Z=make_Z)
subroutines.fable = template_module("fable", "PennyLane's fable module", FABLE=FABLE)
subroutines.iqp = template_module("iqp", "PennyLane's iqp module", IQP=IQP)
