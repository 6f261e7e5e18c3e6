"""PennyLane's quantum singular value transformation: ``qml.QSVT`` (a block encoding and
projector-controlled phases, alternated), ``qml.qsvt`` (a matrix or Hamiltonian and a
polynomial), ``qml.poly_to_angles`` (the QSP/QSVT/GQSP angles of a polynomial, by
PennyLane's root finding: the complementary polynomial from the roots of
``z^d (1 - P*(1/z) P(z))``, then the angles peeled off one by one, arXiv:2308.01501,
arXiv:2406.04246) and ``qml.transform_angles``.

QSVT is a template: it records its gates (the block encoding's and the projectors',
applied as PennyLane's decomposition orders them), so parameters stay exact expressions
and gradients use the gates' proved rules. PennyLane's iterative angle solver
(``angle_solver="iterative"``: SciPy's L-BFGS-B on the distance to the polynomial at
Chebyshev points, exact gradient) needs SciPy (optional); its Optax solver is not
provided; root finding gives the angles for degrees up to about 1000.

>>> import qsym as qml
>>> poly = np.array([0, 1.0, 0, -1 / 2, 0, 1 / 3])
>>> angles = qml.poly_to_angles(poly, "QSVT")
>>> x = 0.2
>>> op = qml.QSVT(qml.RX(2 * np.arccos(x), wires=0), [qml.PCPhase(a, dim=1, wires=0) for a in angles])
>>> bool(np.isclose(op.matrix()[0, 0].real, x - x**3 / 2 + x**5 / 3))
True
"""

from __future__ import annotations

import copy
import sys
import types

import numpy as np
from numpy.polynomial import Polynomial, chebyshev

from .errors import ArgumentError, ConversionAssertionError
from ._operations import GATE_CLASSES, GateSequence, Observable, Operation, Prod
from ._opmath import adjoint, change_op_basis, ctrl, reapply
from ._subroutines import BlockEncode, PrepSelPrep, Qubitization, operator_gates
from ._encodings import FABLE
from ._trace import Tape, recording
from .decomposition import (DecompositionGraph, add_decomps, change_op_basis_resource_rep,
                            register_resources)
from .templates import Template, operator_params, pennylane_entries
from .wires import Wires

__all__ = ["QSVT", "GQSP", "qsvt", "poly_to_angles", "transform_angles", "complementary_poly",
           "qsp_angles", "gqsp_angles", "qsvt_gates"]


def _gates(op) -> tuple:
    """The table gates that apply an operator (a product of gates: the last factor first)."""
    if isinstance(op, Prod):
        return op.applied_gates()
    return tuple(op.table_gates)


def _again(gates) -> None:
    for g in gates:
        g.remake()


def qsvt_gates(ua_gates, projector_gates) -> None:
    """Record QSVT's gates where it is called, in PennyLane's order: ``Pi_0``, then for
    each pair ``U``, ``Pi_odd``, ``U^dagger`` (``change_op_basis(U, Pi)``) and
    ``Pi_even``; with an even number of projectors, ``U`` and the last ``Pi`` at the end.

    >>> with recording(Tape()):
    ...     U = [GATE_CLASSES["RX"](0.3, wires=0)]
    ...     P = [[GATE_CLASSES["PCPhase"](a, dim=1, wires=0)] for a in (0.1, 0.2, 0.3)]
    >>> with recording(Tape()) as tape:
    ...     qsvt_gates(U, P)
    >>> [g.name for g in tape.items]
    ['PCPhase', 'RX', 'PCPhase', 'RX', 'PCPhase']
    """
    P = list(projector_gates)
    _again(P[0])
    for i in range(1, len(P) - 1, 2):
        _again(ua_gates)
        _again(P[i])
        adjoint(_again)(ua_gates)
        _again(P[i + 1])
    if len(P) % 2 == 0:
        _again(ua_gates)
        _again(P[-1])


class QSVT(Template):
    """PennyLane's ``qml.QSVT(UA, projectors)``: the block encoding ``UA`` and the
    projector-controlled phase shifts ``projectors`` (``qml.PCPhase``), alternated as
    ``Pi_{phi_1} U [Pi_{phi_2} U^dagger Pi_{phi_3} U] ...`` (``U^dagger`` between the odd
    projectors). The operators given are taken off the circuit, applied through QSVT
    only. ``op.decomposition()`` is PennyLane's: projectors, ``change_op_basis(UA, Pi)``.

    >>> import qsym as qml
    >>> op = qml.QSVT(qml.RX(0.4, wires=0), [qml.PCPhase(0.1, dim=1, wires=0)] * 3)
    >>> [o.name for o in op.decomposition()]
    ['PCPhase', 'ChangeOpBasis', 'PCPhase']
    """

    has_matrix = True  # PennyLane's: a matrix of its own
    num_params = 0  # PennyLane's: made with no parameters (its data is its operators')

    resource_keys = {"UA", "projectors"}

    def __init__(self, UA, projectors, id=None):
        if not isinstance(UA, (Operation, GateSequence, Observable)):
            raise ArgumentError("Input block encoding must be an Operator")
        projectors = list(projectors)
        if not projectors:
            raise ArgumentError("QSVT needs at least one projector (qml.PCPhase)")
        self._ua_gates = tuple(operator_gates(UA, "QSVT"))
        self._projector_gates = [tuple(operator_gates(p, "QSVT")) for p in projectors]
        self.hyperparameters = {"UA": UA, "projectors": projectors}
        wires = [w for p in projectors for w in p.wires] + list(UA.wires)
        self.wires, self.id = Wires(list(dict.fromkeys(wires))), id
        self._record()

    def _build(self):
        qsvt_gates(self._ua_gates, self._projector_gates)

    @property
    def parameters(self) -> list:
        """The data of ``UA`` and of the projectors, in order (PennyLane's ``op.data``)."""
        h = self.hyperparameters
        return [d for op in [h["UA"], *h["projectors"]] for d in op.data]

    @property
    def data(self) -> tuple:
        """PennyLane's ``op.data``: :attr:`parameters` as a tuple; set, the values go to
        ``UA`` and the projectors in order (each takes as many as it has), and the gates
        are made again.

        >>> import qsym as qml
        >>> op = qml.QSVT(qml.RX(1, wires=0), [qml.RY(2, wires=0), qml.RZ(3, wires=0)])
        >>> op.data = [4, 5, 6]
        >>> op.data, op.hyperparameters["UA"]
        ((4, 5, 6), RX(4, wires=[0]))
        """
        return tuple(self.parameters)

    @data.setter
    def data(self, values) -> None:
        h, values = self.hyperparameters, list(values)
        ops = [h["UA"], *h["projectors"]]
        if len(values) != sum(len(op.data) for op in ops):
            raise ArgumentError(f"QSVT.data takes {sum(len(op.data) for op in ops)} values (those "
                                f"of UA and the projectors, in order), got {len(values)}")
        for op in ops:
            n = len(op.data)
            op.data, values = tuple(values[:n]), values[n:]
        self._ua_gates = tuple(operator_gates(h["UA"], "QSVT"))
        self._projector_gates = [tuple(operator_gates(p, "QSVT")) for p in h["projectors"]]
        tape = Tape()
        with recording(tape):
            self._build()
        self._ops = list(tape.items)

    def __copy__(self):
        """A copy with copies of ``UA`` and the projectors (PennyLane's: not aliased)."""
        h = self.hyperparameters
        with recording(Tape()):
            return QSVT(copy.copy(h["UA"]), [copy.copy(p) for p in h["projectors"]], id=self.id)

    @property
    def resource_params(self) -> dict:
        """PennyLane's: ``UA`` and ``projectors``."""
        return dict(self.hyperparameters)

    def _flatten(self):
        h = self.hyperparameters
        return (h["UA"], h["projectors"]), ()

    def remake(self, params=None):
        """A copy with ``params`` in place of its :attr:`data` (those of ``UA`` and the
        projectors, in order; PennyLane's ``bind_new_parameters``), made where it is called:
        how a tape's new parameters reach the gates (the Hadamard gradient's expansion,
        ``finite_diff``, ``param_shift``).

        >>> import qsym as qml
        >>> op = qml.QSVT(qml.RX(1.0, wires=0), [qml.PCPhase(2.0, dim=1, wires=0)] * 2)
        >>> op.remake([4.0, 5.0, 6.0]).data
        (4.0, 5.0, 6.0)
        """
        h = self.hyperparameters
        ops = [h["UA"], *h["projectors"]]
        n = [len(op.data) for op in ops]
        params = self.data if params is None else tuple(params)
        if len(params) != sum(n):
            raise ArgumentError(f"QSVT takes {sum(n)} parameters (those of UA and the "
                                f"projectors, in order), got {len(params)}")
        edges = np.cumsum([0] + n)
        new = [operator_params(op, params[lo:hi], op)[0] for op, lo, hi in zip(ops, edges[:-1], edges[1:])]
        with recording(Tape()):
            return QSVT(new[0], new[1:], id=self.id)

    @classmethod
    def _unflatten(cls, data, metadata):
        with recording(Tape()):
            return cls(*data)

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (``UA`` and the projectors mapped)."""
        h = self.hyperparameters
        with recording(Tape()):
            return QSVT(h["UA"].map_wires(wire_map), [p.map_wires(wire_map) for p in h["projectors"]])

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """``"QSVT"`` (PennyLane's label)."""
        return base_label or "QSVT"

    def decomposition(self) -> list:
        """PennyLane's: the first projector, ``change_op_basis(UA, Pi)`` and the next
        projector for each pair, ``UA`` and the last projector for an even count (their
        gates recorded where it is called)."""
        h = self.hyperparameters
        UA, P = h["UA"], h["projectors"]
        with recording(Tape()):
            out = [P[0]]
            for i in range(1, len(P) - 1, 2):
                out += [change_op_basis(UA, P[i]), P[i + 1]]
        if len(P) % 2 == 0:
            out += [UA, P[-1]]
        for op in out:  # queued where it is called, as PennyLane's
            reapply(op)
        return out

    @staticmethod
    def compute_matrix(*args, **kwargs) -> np.ndarray:
        """The unitary of ``QSVT(UA=..., projectors=...)`` on its wires (PennyLane's
        ``QSVT.compute_matrix(UA=..., projectors=...)``).

        >>> import qsym as qml
        >>> m = QSVT.compute_matrix(UA=qml.RX(0.4, wires=0), projectors=[qml.PCPhase(0.0, dim=1, wires=0)] * 2)
        >>> bool(np.allclose(m, qml.RX(0.4, wires=0).matrix()))
        True
        """
        with recording(Tape()):
            return QSVT(kwargs["UA"], kwargs["projectors"]).matrix()


class GQSP(Template):
    """PennyLane's ``qml.GQSP(unitary, angles, control)``: generalized quantum signal
    processing, the polynomial ``P(U)`` of ``unitary`` whose angles (shape ``(3, d + 1)``:
    thetas, phis, lambdas; :func:`poly_to_angles` with ``"GQSP"`` gives them) make it, on
    one ``control`` wire. PennyLane's decomposition: ``X, U3(2 theta_0, phi_0, lambda_0),
    X, Z`` on the control, then for each further angle triple ``unitary`` controlled on the
    control's ``|0>`` and the same four gates. The operator given is taken off the
    circuit, applied through GQSP only. Its wires are the control, then ``unitary``'s.

    >>> import qsym as qml
    >>> angles = qml.poly_to_angles([0.1, 0.2, 0.3], "GQSP")
    >>> M = qml.matrix(qml.GQSP(qml.RX(0.4, wires=1), angles, control=0), wire_order=[0, 1])
    >>> U = qml.RX(0.4, wires=0).matrix()  # the control's |0> block is P(U) = 0.1 + 0.2 U + 0.3 U^2
    >>> bool(np.allclose(M[:2, :2], 0.1 * np.eye(2) + 0.2 * U + 0.3 * U @ U))
    True
    """

    def __init__(self, unitary, angles, control, id=None):
        if not isinstance(unitary, (Operation, GateSequence)):
            raise ArgumentError(f"GQSP takes an operator (the unitary), got {unitary!r}")
        self._u_gates = tuple(operator_gates(unitary, "GQSP"))
        self.angles, self.id = angles, id
        self.control = Wires(control)
        if len(self.control) != 1:
            raise ArgumentError(f"GQSP takes one control wire, got {list(self.control)}")
        self._hyperparameters = {"unitary": unitary, "control": control}
        self.wires = Wires(tuple(self.control) + tuple(unitary.wires))
        self._record()

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.data``: the angles, then the unitary's data."""
        return [self.angles, *self._hyperparameters["unitary"].data]

    def remake(self, params=None):
        """A copy with ``params`` (the angles, then the unitary's data), made where it is
        called (``bind_new_parameters``)."""
        unitary, angles = operator_params(self, params, self._hyperparameters["unitary"],
                                           time="first")
        return type(self)(unitary, angles, self._hyperparameters["control"])

    def decomposition(self) -> list:
        """PennyLane's: the four gates of each rotation (``X``, ``U3``, ``X``, ``Z`` on the
        control) with ``qml.ctrl(unitary, control, control_values=0)`` between them.

        >>> import qsym as qml
        >>> [op.name for op in qml.GQSP(qml.Z(1), np.ones((3, 2)), control=0).decomposition()][3:6]
        ['PauliZ', 'C(PauliZ)', 'PauliX']
        """
        c, U = self.control[0], self._hyperparameters["unitary"]
        X, Z = GATE_CLASSES["PauliX"], GATE_CLASSES["PauliZ"]

        def make():
            out = []
            for k, (theta, phi, lambd) in enumerate(zip(*self.angles[:3])):
                if k:
                    out.append(ctrl(U, control=c, control_values=0))
                out += [X(wires=c), GATE_CLASSES["U3"](2 * theta, phi, lambd, wires=c),
                        X(wires=c), Z(wires=c)]
            return out
        return pennylane_entries(make)

    def _build(self):
        c = self.control[0]
        thetas, phis, lambdas = self.angles[0], self.angles[1], self.angles[2]

        def rotate(theta, phi, lambd):  # the paper's U3 from PennyLane's (X U3 X Z)
            GATE_CLASSES["PauliX"](wires=c)
            GATE_CLASSES["U3"](2 * theta, phi, lambd, wires=c)
            GATE_CLASSES["PauliX"](wires=c)
            GATE_CLASSES["PauliZ"](wires=c)

        rotate(thetas[0], phis[0], lambdas[0])
        for k in range(1, min(len(thetas), len(phis), len(lambdas))):
            for g in self._u_gates:
                ctrl(g, control=[c], control_values=[0])
            rotate(thetas[k], phis[k], lambdas[k])


def _qsvt_resources(UA, projectors, **_) -> dict:
    """PennyLane's ``_QSVT_resources``: the operators :meth:`QSVT.decomposition` makes (the
    first projector; ``change_op_basis(UA, Pi)`` and the next projector per pair; ``UA``
    and the first projector's form again for an even count), counted."""
    rep = DecompositionGraph.node_of
    P = list(projectors)
    counts = {rep(P[0]): 1}
    for i in range(1, len(P) - 1, 2):
        for key in (change_op_basis_resource_rep(rep(UA), rep(P[i])), rep(P[i + 1])):
            counts[key] = counts.get(key, 0) + 1
    if len(P) % 2 == 0:
        for key in (rep(UA), rep(P[0])):
            counts[key] = counts.get(key, 0) + 1
    return counts


@register_resources(_qsvt_resources)
def _qsvt_rule(*_, UA, projectors, **__) -> None:
    """PennyLane's ``_QSVT_decomposition``: :meth:`QSVT.decomposition`'s operators (the
    block encoding and ``change_op_basis`` kept whole, for the graph to decompose)."""
    with recording(Tape()):
        op = QSVT(UA, projectors)
    op.decomposition()


add_decomps(QSVT, _qsvt_rule)


# --- angles ---------------------------------------------------------------------------------
def complementary_poly(poly_coeffs) -> np.ndarray:
    """The coefficients of ``Q`` with ``|P(e^{it})|^2 + |Q(e^{it})|^2 = 1`` (PennyLane's
    ``_complementary_poly``, arXiv:2308.01501): from the roots of ``R(z) = z^d - P(z)
    conj(P)(1/z) z^d``, those inside the unit circle, scaled.

    >>> P = np.array([0.3, 0.4])
    >>> Q = complementary_poly(P)
    >>> t = np.linspace(0, 2 * np.pi, 5)
    >>> bool(np.allclose(abs(np.polyval(P[::-1], np.exp(1j * t)))**2 + abs(np.polyval(Q[::-1], np.exp(1j * t)))**2, 1))
    True
    """
    poly_coeffs = np.asarray(poly_coeffs)
    degree = len(poly_coeffs) - 1
    R = Polynomial.basis(degree) - Polynomial(poly_coeffs) * Polynomial(np.conj(poly_coeffs[::-1]))
    roots = R.roots()
    inside = [r for r in roots if np.abs(r) <= 1]
    outside = [r for r in roots if np.abs(r) > 1]
    scale = np.sqrt(np.abs(R.coef[-1] * np.prod(outside)))
    return (scale * Polynomial.fromroots(inside)).coef


def _ry(theta) -> np.ndarray:
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -s], [s, c]])


def qsp_angles(poly_coeffs) -> np.ndarray:
    """The QSP angles of a real polynomial of definite parity (PennyLane's
    ``_compute_qsp_angle``): its Chebyshev coefficients, the complementary polynomial,
    then Algorithm 1 of arXiv:2308.01501 with ``RY`` rotations.

    >>> qsp_angles(np.array([0, 1.0, 0, -1 / 2, 0, 1 / 3]))[3:].round(6)
    array([-0.987413,  0.040163,  1.532936])
    """
    poly_coeffs = np.asarray(poly_coeffs)
    parity = (len(poly_coeffs) - 1) % 2
    P = np.concatenate([np.zeros(len(poly_coeffs) // 2),
                        chebyshev.poly2cheb(poly_coeffs)[parity::2]]) * (1 - 1e-12)
    matrix = np.array([P, complementary_poly(P)])
    angles = np.zeros(matrix.shape[1])
    for idx in range(matrix.shape[1] - 1, -1, -1):
        a, b = matrix[:, idx]
        angles[idx] = np.arctan2(b.real, a.real)
        updated = _ry(-2 * angles[idx]) @ matrix
        matrix = np.array([updated[0][1:idx + 1], updated[1][0:idx]])
    return angles


def _gqsp_u3(theta, phi, lambd) -> np.ndarray:
    return np.array([[np.exp(1j * (lambd + phi)) * np.cos(theta), np.exp(1j * phi) * np.sin(theta)],
                     [np.exp(1j * lambd) * np.sin(theta), -np.cos(theta)]], dtype=complex)


def gqsp_angles(poly_coeffs) -> tuple:
    """The generalized-QSP angles ``(theta, phi, lambda)`` of a complex polynomial
    (PennyLane's ``_compute_gqsp_angles``, arXiv:2406.04246, Algorithm 1 of
    arXiv:2308.01501).

    >>> [a.round(6).tolist() for a in gqsp_angles(np.array([0.1, 0.2j, 0.3]))]
    [[0.107591, 0.205758, 1.257447], [-1.570796, -1.570796, 0.0], [3.141593, 0.0, 0.0]]
    """
    data = np.array([np.asarray(poly_coeffs), complementary_poly(poly_coeffs)])
    n = data.shape[1]
    theta, phi, lambd = np.zeros([3, n])
    for idx in range(n - 1, -1, -1):
        a, b = data[:, idx]
        theta[idx] = np.arctan2(np.abs(b), np.abs(a))
        phi[idx] = 0 if np.isclose(np.abs(b), 0, atol=1e-10) else np.angle(a * np.conj(b))
        if idx == 0:
            lambd[0] = np.angle(b)
        else:
            updated = _gqsp_u3(theta[idx], phi[idx], 0).conj().T @ data
            data = np.array([updated[0][1:idx + 1], updated[1][0:idx]])
    return theta, phi, lambd


def _shift(num_angles) -> np.ndarray:
    shift = np.empty(num_angles)
    shift[0] = 3 * np.pi / 4 - (3 + num_angles % 4) * np.pi / 2
    shift[1:-1] = np.pi / 2
    shift[-1] = -np.pi / 4
    return shift


def transform_angles(angles, routine1, routine2):
    """PennyLane's ``qml.transform_angles``: QSP angles to QSVT's (reflection convention)
    or back (Appendix A.2 of arXiv:2105.02859).

    >>> transform_angles(np.array([0.1, 0.2, 0.3]), "QSP", "QSVT").round(3)
    array([-6.969,  1.771, -0.485])
    """
    if {routine1, routine2} == {"QSP", "QSVT"}:
        shift = _shift(len(angles))
        return angles + shift if routine1 == "QSP" else angles - shift
    raise ConversionAssertionError(f"Invalid conversion. The conversion between {routine1} --> "
                                   f"{routine2} is not defined. Convert between 'QSP' and "
                                   "'QSVT'.")


def _check_poly(poly, routine) -> np.ndarray:
    poly = np.trim_zeros(np.asarray(poly), trim="b")
    if len(poly) == 1:
        raise ArgumentError("The polynomial must have at least degree 1.")
    for x in (-1, 0, 1):
        if abs(sum(c * x ** i for i, c in enumerate(poly))) > 1:
            raise ArgumentError("The polynomial must satisfy that |P(x)| ≤ 1 for all x in [-1, 1]")
    if routine in ("QSVT", "QSP"):
        if not (np.isclose(np.sum(np.abs(poly[::2])), 0.0)
                or np.isclose(np.sum(np.abs(poly[1::2])), 0.0)):
            raise ArgumentError("The polynomial has no definite parity. All odd or even entries "
                                "in the array must take a value of zero.")
        if not np.allclose(np.array(poly, dtype=np.complex128).imag, 0):
            raise ArgumentError("Array must not have an imaginary part")
    return poly


def poly_to_angles(poly, routine, angle_solver="root-finding", **kwargs):
    """PennyLane's ``qml.poly_to_angles``: the angles that make ``"QSP"``, ``"QSVT"`` or
    ``"GQSP"`` apply the polynomial ``poly`` (coefficients from the lowest power; real and
    of definite parity for QSP/QSVT, ``|P(x)| <= 1`` on ``[-1, 1]``), by root finding
    (``angle_solver="root-finding"``, PennyLane's) or, with SciPy installed, by PennyLane's
    iterative L-BFGS-B minimization (``angle_solver="iterative"``: the same angles as
    PennyLane's, to rounding; ``"iterative-optax"`` is not provided).

    >>> poly_to_angles([0, 1.0, 0, -1 / 2, 0, 1 / 3], "QSVT").round(6)
    array([-5.497787,  1.570796,  1.570796,  0.583383,  1.610959,  0.747538])
    """
    poly = _check_poly(poly, routine)
    if routine == "GQSP":
        return gqsp_angles(poly)
    if routine not in ("QSVT", "QSP"):
        raise ArgumentError("Invalid routine. Valid values are 'GQSP', 'QSP' and 'QSVT'")
    if angle_solver == "iterative-optax":
        raise ArgumentError("angle_solver='iterative-optax' (PennyLane's Optax optimizer) is "
                            "not provided by qsym: use angle_solver='iterative' (SciPy's "
                            "L-BFGS-B) or 'root-finding'")
    if angle_solver not in ("root-finding", "iterative"):
        raise ArgumentError(f"Invalid angle solver method: '{angle_solver}'. Supported solvers: "
                            "['root-finding', 'iterative', 'iterative-optax']")
    angles = qsp_angles(poly) if angle_solver == "root-finding" else _qsp_angles_iteratively(poly)
    return transform_angles(angles, "QSP", "QSVT") if routine == "QSVT" else angles


# --- qml.qsvt ---------------------------------------------------------------------------------
def _pauli_encoding(A, poly, encoding_wires, block_encoding, angle_solver):
    if block_encoding not in ("prepselprep", "qubitization", None):
        raise ArgumentError(
            f"block_encoding = {block_encoding} not supported for A of type {type(A)}. When A "
            "is a Hamiltonian or has a Pauli decomposition, block_encoding should take the "
            "value 'prepselprep' or 'qubitization'. Otherwise, please provide the matrix of the "
            "Hamiltonian as input. For more details, see the 'qp.matrix' function.")
    if any(w in Wires(encoding_wires) for w in A.wires):
        raise ArgumentError(f"Control wires in '{block_encoding}' should be different from the "
                            "hamiltonian wires")
    angles = poly_to_angles(poly, "QSVT", angle_solver=angle_solver)
    kind = Qubitization if block_encoding == "qubitization" else PrepSelPrep
    encoding = kind(A, control=encoding_wires)
    wires = list(Wires(encoding_wires)) + list(A.wires)
    return encoding, [GATE_CLASSES["PCPhase"](a, dim=2 ** len(A.wires), wires=wires) for a in angles]


def _matrix_encoding(A, poly, encoding_wires, block_encoding, angle_solver):
    if block_encoding not in ("embedding", "fable", None):
        raise ArgumentError(
            f"block_encoding = {block_encoding} not supported for A of type {type(A)}.When A "
            "is a matrix block_encoding should take the value 'embedding' or 'fable'. "
            "Otherwise, please provide an input with a Pauli decomposition. For more details, "
            "see the 'qp.pauli_decompose' function.")
    angles = poly_to_angles(poly, "QSVT", angle_solver=angle_solver)
    A = np.atleast_2d(np.asarray(A))
    if block_encoding == "fable":
        if np.linalg.norm(max(A.shape) * np.ravel(A), np.inf) > 1:
            raise ArgumentError("The subnormalization factor should be lower than 1. Ensure that "
                                "the product of the maximum dimension of A and its square norm "
                                "is less than 1.")
        # FABLE encodes A / 2**n: scaled by 2**n, the block is A (PennyLane's)
        n = (max(A.shape) - 1).bit_length()
        projectors = [GATE_CLASSES["PCPhase"](phi, dim=len(A), wires=encoding_wires)
                      for phi in angles]
        return FABLE(2**n * A, wires=encoding_wires), projectors
    rows, cols = A.shape
    projectors = [GATE_CLASSES["PCPhase"](phi, dim=cols if i % 2 else rows, wires=encoding_wires)
                  for i, phi in enumerate(angles)]
    return BlockEncode(A, wires=encoding_wires), projectors


def qsvt(A, poly, encoding_wires, block_encoding=None, angle_solver="root-finding"):
    """PennyLane's ``qml.qsvt(A, poly, encoding_wires, block_encoding=None,
    angle_solver="root-finding")``: the :class:`QSVT` that applies the polynomial ``poly``
    (coefficients from the lowest power) to ``A``: a matrix, block-encoded by
    ``qml.BlockEncode`` (``"embedding"``, the default) on ``encoding_wires``, or an operator
    with a Pauli form, block-encoded by ``qml.PrepSelPrep`` (default) or
    ``qml.Qubitization`` with ``encoding_wires`` as the control register.

    >>> import qsym as qml
    >>> op = qml.qsvt([[0.2]], [0, 1.0, 0, -1 / 2, 0, 1 / 3], encoding_wires=[0])
    >>> round(float(op.matrix()[0, 0].real), 6)  # P(0.2)
    0.196107
    """
    with recording(Tape()):  # the encoding and projectors: applied through QSVT only
        if hasattr(A, "pauli_rep") and not isinstance(A, np.ndarray):
            encoding, projectors = _pauli_encoding(A, poly, encoding_wires, block_encoding, angle_solver)
        else:
            encoding, projectors = _matrix_encoding(A, poly, encoding_wires, block_encoding, angle_solver)
    return QSVT(encoding, projectors)


# --- PennyLane's module path ------------------------------------------------------------------
def _cheby_pol(x, degree):
    return np.cos(degree * np.arccos(x))


def _poly_func_scipy(coeffs, parity, x):
    ind = np.arange(len(coeffs))
    return np.asarray(coeffs) @ np.cos((2 * ind + parity) * np.arccos(x))


def _z_rotation(phi, interface=None):
    return np.array([[np.exp(1j * phi), 0.0], [0.0, np.exp(-1j * phi)]])


def _W_of_x(x, interface=None):  # noqa: N802  (PennyLane's name)
    s = 1j * np.sqrt(1 - x ** 2)
    return np.array([[x, s], [s, x]])


def _qsp_iterate(phi, x, interface=None):
    return _W_of_x(x) @ _z_rotation(phi)


def _qsp_iterate_broadcast(phis, x, interface=None):
    m = _z_rotation(phis[0])
    for phi in phis[1:]:
        m = m @ _qsp_iterate(phi, x)
    return np.real(m[0, 0])


def _qsp_grid(degree) -> np.ndarray:
    """The points ``x_j = cos((2j - 1) pi / (4 d~))``, ``j = 1 .. d~``, where the iterative
    solver compares the polynomials (``d~ = ceil((degree + 1) / 2)``; arXiv:2002.11649)."""
    d = (degree + 2) // 2
    return np.cos((2 * np.arange(1, d + 1) - 1) * np.pi / (4 * d))


def _qsp_cost_and_grad(phis, xs, targets):
    """The mean squared distance of ``Re <0|U(phis, x)|0>`` to ``targets`` over the points
    ``xs`` (``U = Z(phi_0) prod_k W(x) Z(phi_k)``, Wx convention) and its gradient: the
    derivative by ``phi_k`` puts ``i sigma_z`` after ``Z(phi_k)`` in the product (prefix
    and suffix products, per point)."""
    n, g = len(phis), len(xs)
    s = 1j * np.sqrt(1 - xs ** 2)
    W = np.empty((g, 2, 2), dtype=complex)
    W[:, 0, 0] = W[:, 1, 1] = xs
    W[:, 0, 1] = W[:, 1, 0] = s
    Z = np.exp(1j * np.outer(phis, [1.0, -1.0]))  # (n, 2): the diagonals
    factors = [np.broadcast_to(np.diag(Z[0]), (g, 2, 2))]
    factors += [W * Z[k][None, None, :] for k in range(1, n)]  # W @ diag(Z_k)
    prefix = [factors[0]]
    for f in factors[1:]:
        prefix.append(prefix[-1] @ f)
    suffix = [np.broadcast_to(np.eye(2, dtype=complex), (g, 2, 2))]
    for f in reversed(factors[1:]):
        suffix.append(f @ suffix[-1])
    suffix.reverse()  # suffix[k]: the product after factor k
    r = prefix[-1][:, 0, 0].real - targets
    isz = np.array([1j, -1j])
    grad = np.array([2.0 / g * np.sum(r * np.einsum("ga,ga->g", prefix[k][:, 0, :] * isz,
                                                   suffix[k][:, :, 0]).real)
                     for k in range(n)])
    return float(r @ r) / g, grad


def _qsp_optimization_scipy(degree, coeffs_target_func, interface=None):
    """PennyLane's iterative QSP angles (Algorithm 1 of arXiv:2002.11649): SciPy's L-BFGS-B
    from ``[pi/4, 0, ..., 0, pi/4]`` minimizing the mean squared distance to the target
    (Chebyshev coefficients of one parity) at :func:`_qsp_grid`'s points, with the exact
    gradient. Returns ``(angles, cost)``. Needs SciPy (an optional dependency)."""
    try:
        from scipy.optimize import minimize
    except ImportError as exc:  # pragma: no cover - SciPy is in the test environment
        raise ArgumentError("angle_solver='iterative' needs SciPy (pip install scipy); "
                            "angle_solver='root-finding' needs nothing more") from exc
    parity = degree % 2
    xs = _qsp_grid(degree)
    targets = np.array([_poly_func_scipy(coeffs_target_func, parity, x) for x in xs])
    start = np.array([np.pi / 4] + [0.0] * (degree - 1) + [np.pi / 4])
    result = minimize(_qsp_cost_and_grad, start, args=(xs, targets), jac=True,
                      method="L-BFGS-B", tol=1e-15)
    return result.x, float(result.fun)


def _qsp_angles_iteratively(poly) -> np.ndarray:
    """The QSP angles of ``poly`` (monomial coefficients) by :func:`_qsp_optimization_scipy`
    (PennyLane's ``_compute_qsp_angles_iteratively_scipy``)."""
    cheb = chebyshev.poly2cheb(np.asarray(poly, dtype=float))
    odd, even = cheb[1::2], cheb[0::2]
    target = even if np.allclose(odd, 0.0) else odd
    return _qsp_optimization_scipy(len(cheb) - 1, target)[0]


def _module_path() -> None:
    """``pennylane.templates.subroutines.qsvt`` and its helpers, by PennyLane's names."""
    name = "qsym.templates.subroutines.qsvt"
    mod = types.ModuleType(name, "PennyLane's module path of QSVT")
    vars(mod).update(
        QSVT=QSVT, qsvt=qsvt, poly_to_angles=poly_to_angles, transform_angles=transform_angles,
        _complementary_poly=complementary_poly, _compute_qsp_angle=qsp_angles,
        _compute_gqsp_angles=gqsp_angles, _gqsp_u3_gate=_gqsp_u3, _cheby_pol=_cheby_pol,
        _poly_func_scipy=_poly_func_scipy, _z_rotation=_z_rotation, _W_of_x=_W_of_x,
        _qsp_iterate=_qsp_iterate, _qsp_iterate_broadcast=_qsp_iterate_broadcast,
        _qsp_optimization_scipy=_qsp_optimization_scipy, _grid_pts=lambda degree, interface=None:
        _qsp_grid(degree), _compute_qsp_angles_iteratively_scipy=_qsp_angles_iteratively)
    sys.modules.setdefault(name, mod)


_module_path()
