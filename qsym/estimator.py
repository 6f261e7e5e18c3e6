"""PennyLane's ``qml.estimator`` resource estimators of quantum phase estimation (PennyLane
0.45's ``pennylane.estimator.qpe_resources``): the number of Toffoli gates and logical qubits
of a qubitized QPE of a molecule or a material, from its size alone.

- :class:`FirstQuantization`: a material in first quantization in a plane-wave basis (Su et
  al., PRX Quantum 2, 040332 (2021); non-cubic cells: Zini et al., arXiv:2302.07981).
- :class:`DoubleFactorization`: a molecule in second quantization, its two-electron integrals
  double-factorized (von Burg et al., PRX Quantum 2, 030305 (2021); the 1-norm by Koridon et
  al., Phys. Rev. Research 3, 033055 (2021)).

Both are operations, as in PennyLane: their data the system's (``n, eta`` or the integrals),
their wires ``range(qubits)``; ``gates``, ``qubits`` and ``lamb`` (the Hamiltonian's 1-norm)
are computed when one is made, and every step is a static method (``norm``,
``unitary_cost``, ``estimation_cost``, ``gate_cost``, ``qubit_cost``, ...). Atomic units
throughout; the target ``error`` defaults to chemical accuracy, 0.0016 Ha. PennyLane's other
``qml.estimator`` names (its resource-tracking framework) are not provided.

NumPy only: PennyLane integrates ``1 / (x^2 + y^2)`` over ``[1, N^(1/3)]^2`` with SciPy's
``nquad``; qsym reduces it to one smooth integral, ``int_0^ln(a) arctan(a e^-s) -
arctan(e^-s) ds``, by Gauss-Legendre quadrature (agreeing with ``nquad`` to 1e-13).

>>> import qsym as qml
>>> algo = qml.estimator.FirstQuantization(100000, 156, omega=169.69608, error=0.01)
>>> algo.qubits, algo.gates, len(algo.wires)
(4377, 3676557345574, 4377)
"""

from __future__ import annotations

import copy

import numpy as np

from ._operations import Operation
from .math import ceil_log2
from .qchem import factorize
from .wires import Wires

__all__ = ["FirstQuantization", "DoubleFactorization", "estimate_shots", "estimate_error"]

# the share of the target error given to each of the errors of Eqs. (132-134) of Su et al.
# (cubic cells), and of Appendix M.1 of arXiv:2302.07981 (non-cubic cells, its optimum)
_ALPHA_CUBIC = 0.01
_ALPHA_NONCUBIC = 0.0248759298
_P_THRESHOLD = 0.95  # amplitude amplification's target success (arXiv:2302.07981)
_N_TOFFOLI = 500  # Toffolis in parallel in the momentum-state QROM (arXiv:2302.07981)
_AA_STEPS_MAX = 30


def _map_wires(op, wire_map: dict):
    """A copy of an estimator on the wires ``wire_map`` gives (PennyLane's generic
    ``Operator.map_wires``: the constructor takes no wires, they are ``range(qubits)``)."""
    new = copy.copy(op)
    new.wires = Wires([wire_map.get(w, w) for w in op.wires])
    return new


# ------------------------------------------------------------------ first quantization

def _inverse_square_integral(a: float) -> float:
    """``int_1^a int_1^a dx dy / (x^2 + y^2)``: integrating over ``y`` gives
    ``(arctan(a/x) - arctan(1/x)) / x``, and ``x = e^s`` a smooth integrand on ``[0, ln a]``,
    integrated by 96-point Gauss-Legendre quadrature."""
    if a <= 1:
        return 0.0
    nodes, weights = np.polynomial.legendre.leggauss(96)
    length = np.log(a)
    s = (nodes + 1) * length / 2
    return float(length / 2 * np.sum(weights * (np.arctan(a * np.exp(-s)) - np.arctan(np.exp(-s)))))


def _lambda_nu(n) -> float:
    """``sum_nu 1/|nu|^2`` over the plane waves' grid (Eq. (F6) of Babbush et al., PRX 8,
    011044 (2018))."""
    n0 = n ** (1 / 3)
    return (4 * np.pi * (np.sqrt(3) * n0 / 2 - 1) + 3 - 3 / n0
            + 3 * _inverse_square_integral(n0))


def _l_nu(n) -> float:
    """``2 pi n^(2/3)``, the bound on ``sum_nu 1/|nu|`` of Eq. (133) of Su et al."""
    return 2 * np.pi * n ** (2 / 3)


def _n_p(n) -> int:
    """Bits of each momentum component (Eq. (22) of Su et al.)."""
    return ceil_log2(n ** (1 / 3) + 1)


def _m_factor(n_p: int) -> float:
    """``7 2^(n_p+1) - 9 n_p - 11 - 3 2^(-n_p)`` (Eqs. (113), (132) of Su et al.)."""
    return 7 * 2 ** (n_p + 1) - 9 * n_p - 11 - 3 * 2 ** (-1 * n_p)


def _n_m_cubic(eta, omega, error_m, l_z, n_p) -> int:
    """``n_M``, Eq. (132) of Su et al. (rounded down, as PennyLane does)."""
    return int(np.log2((2 * eta) / (error_m * np.pi * omega ** (1 / 3))
                       * (eta - 1 + 2 * l_z) * _m_factor(n_p)))


def _n_m_noncubic(eta, omega, error_m, bmin, l_z, n_p) -> int:
    """``n_M`` of a non-cubic cell (Eq. (J13) of arXiv:2302.07981)."""
    return ceil_log2((8 * np.pi * eta) / (error_m * omega * bmin**2)
                     * (eta - 1 + 2 * l_z) * _m_factor(n_p))


def _cell(vectors) -> tuple[float, np.ndarray]:
    """The cell's volume and its reciprocal lattice vectors (rows; Eq. (35) of
    arXiv:2302.07981)."""
    vectors = np.asarray(vectors)
    omega = np.abs(np.sum(np.cross(vectors[0], vectors[1]) * vectors[2]))
    recip = 2 * np.pi / omega * np.array(
        [np.cross(vectors[i], vectors[j]) for i, j in [(1, 2), (2, 0), (0, 1)]])
    return omega, recip


def _check_system(n, eta, omega, error, br=7, charge=0) -> None:
    """PennyLane's checks of a first-quantized system (its messages)."""
    if n <= 0:
        raise ValueError(f"The number of plane waves must be a positive number, got n={n}.")
    if eta <= 0 or not isinstance(eta, (int, np.integer)):
        raise ValueError(f"The number of electrons must be a positive integer, got eta={eta!r}.")
    if omega is not None and omega <= 0:
        raise ValueError(f"The unit cell volume must be a positive number, got omega={omega}.")
    if error <= 0.0:
        raise ValueError(f"The target error must be greater than zero, got error={error}.")
    if br <= 0 or not isinstance(br, int):
        raise ValueError(f"br must be a positive integer (bits of the auxiliary rotation), got {br!r}.")
    if not isinstance(charge, int):
        raise ValueError(f"system charge must be an integer, got charge={charge!r}.")


def _noncubic_bits(n, eta, error, charge, vectors, lamb) -> dict:
    """``n_p``, ``n_T``, ``n_R``, ``n_M`` of a non-cubic cell, rounded up (Eqs. (22),
    (132-134) of Su et al., (J13) of arXiv:2302.07981), with ``bmin``, the smallest singular
    value of the reciprocal vectors, and the sum of ``|B B^T|``'s entries."""
    omega, recip = _cell(vectors)
    l_z = eta + charge
    error_x = _ALPHA_NONCUBIC * error
    n_p = _n_p(n)
    bmin = np.min(np.linalg.svd(recip)[1])
    return {
        "omega": omega, "n_p": n_p, "bmin": bmin,
        "n_t": ceil_log2(np.pi * lamb / error_x),
        "n_r": ceil_log2((eta * l_z * _l_nu(n)) / (error_x * omega ** (1 / 3))),
        "n_m": _n_m_noncubic(eta, omega, error_x, bmin, l_z, n_p),
        "sum_abs": np.abs(recip @ recip.T).flatten().sum(),
    }


class FirstQuantization(Operation):
    """PennyLane's ``qml.estimator.FirstQuantization``: the Toffoli gates (``gates``) and
    logical qubits (``qubits``) of a qubitized quantum phase estimation of ``eta``
    electrons in ``n`` plane waves, within ``error`` (Ha), and the Hamiltonian's 1-norm
    (``lamb``), by Su et al., PRX Quantum 2, 040332 (2021). Give the cell's volume
    ``omega`` or its lattice ``vectors`` (rows; a non-cubic cell follows arXiv:2302.07981);
    ``charge`` is the system's, ``br`` the bits of the auxiliary rotation.

    The target error is shared as Eq. (131) allows: the errors of Eqs. (132-134) each
    ``0.01 * error`` (non-cubic cells: 0.0249, four errors), QPE's what is left.

    >>> import numpy as np
    >>> import qsym as qml
    >>> vectors = 10.46219511 * np.eye(3)
    >>> algo = qml.estimator.FirstQuantization(100000, 156, vectors=vectors)
    >>> print(f"{algo.lamb:.6f}", f"{algo.gates:.1e}", algo.qubits)
    649912.480428 1.1e+13 4416
    """

    grad_method = None
    has_matrix = False
    has_adjoint = False

    def __init__(self, n, eta, omega=None, error=0.0016, charge=0, br=7, vectors=None):
        if omega is None and vectors is None:
            raise ValueError("The lattice vectors must be provided: give the unit cell volume "
                             "omega= or the lattice vectors vectors= (three rows).")
        if omega is not None and vectors is not None:
            raise ValueError("The lattice vectors and the unit cell volume should not be provided"
                             " together. Please provide only one of them.")
        self.n, self.eta, self.omega, self.error = n, eta, omega, error
        self.charge, self.br, self.vectors = charge, br, vectors
        self.cubic = True
        if vectors is not None:
            self.omega, recip = _cell(vectors)
            bbt = recip @ recip.T
            self.cubic = bool(np.linalg.norm(bbt - (recip**2).max() * np.identity(3)) < 1e-6)
        args = (n, eta, self.omega, error, br, charge, self.cubic, vectors)
        self._lamb = self.norm(*args)
        self._gates = self.gate_cost(*args)
        self._qubits = self.qubit_cost(*args)
        super().__init__(n, eta, wires=range(self._qubits))

    def _flatten(self):
        """``(n, eta)`` and the keywords that make it again; the volume only when no lattice
        vectors were given (PennyLane keeps both, so its ``_unflatten`` of one made from
        vectors raises).

        >>> import qsym as qml
        >>> op = qml.estimator.FirstQuantization(1, 2, 1)
        >>> op._flatten()[0], type(op)._unflatten(*op._flatten()).qubits == op.qubits
        ((1, 2), True)
        """
        omega = None if self.vectors is not None else self.omega
        return (self.n, self.eta), (("omega", omega), ("error", self.error),
                                    ("charge", self.charge), ("br", self.br),
                                    ("vectors", self.vectors))

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data, **dict(metadata))

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (the estimates unchanged)."""
        return _map_wires(self, wire_map)

    @property
    def lamb(self):
        """The 1-norm of the plane-wave Hamiltonian, with amplitude amplification (Eq. (126)
        of Su et al.)."""
        return self._lamb

    @property
    def gates(self):
        """The Toffoli gates of the algorithm (Eq. (125) of Su et al.)."""
        return self._gates

    @property
    def qubits(self):
        """The logical qubits of the algorithm (Eq. (101) of arXiv:2204.11890)."""
        return self._qubits

    @staticmethod
    def success_prob(n, br):
        """The probability that preparing an equal superposition of ``n`` basis states
        succeeds, with a ``br``-bit rotation (Eqs. (59, 60) of Su et al.).

        >>> import qsym as qml
        >>> qml.estimator.FirstQuantization.success_prob(3, 8)
        np.float64(0.9999928850303523)
        """
        if n <= 0:
            raise ValueError(f"The number of plane waves must be a positive number, got n={n}.")
        if br <= 0 or not isinstance(br, int):
            raise ValueError(f"br must be a positive integer, got {br!r}.")
        c = n / 2 ** ceil_log2(n)
        d = 2 * np.pi / 2**br
        theta = d * np.round((1 / d) * np.arcsin(np.sqrt(1 / (4 * c))))
        return c * ((1 + (2 - 4 * c) * np.sin(theta) ** 2) ** 2 + np.sin(2 * theta) ** 2)

    @staticmethod
    def norm(n, eta, omega, error, br=7, charge=0, cubic=True, vectors=None):
        """The 1-norm of the first-quantized Hamiltonian in ``n`` plane waves, with
        amplitude amplification: ``max(lambda_T + lambda_U + lambda_V, (lambda_U +
        lambda_V / (1 - 1/eta)) / p_nu_amp) / p_eq`` (Eq. (126) of Su et al.), ``lambda_nu``
        by Eq. (F6) of PRX 8, 011044 (2018), ``p_nu = 0.2398`` (Eq. (29) of
        arXiv:1807.09802). A non-cubic cell (``cubic=False``, its ``vectors``):
        arXiv:2302.07981.

        >>> import qsym as qml
        >>> float(qml.estimator.FirstQuantization.norm(10000, 156, 1145.166, 0.001))
        281053.75612...
        """
        _check_system(n, eta, omega, error, br, charge)
        if not cubic:
            return FirstQuantization._norm_noncubic(n, eta, error, br, charge, vectors)[0]
        l_z = eta + charge
        n_p = _n_p(n)
        lambda_nu = _lambda_nu(n)
        n_m = _n_m_cubic(eta, omega, _ALPHA_CUBIC * error, l_z, n_p)
        lambda_nu_1 = lambda_nu + 4 / 2**n_m * _m_factor(n_p)  # Eq. (113)
        p_nu = 0.2398
        p_nu_amp = np.sin(3 * np.arcsin(np.sqrt(p_nu))) ** 2  # Eq. (129): one round
        lambda_u = eta * l_z * lambda_nu / (np.pi * omega ** (1 / 3))  # Eq. (25)
        lambda_v = eta * (eta - 1) * lambda_nu / (2 * np.pi * omega ** (1 / 3))
        lambda_t_p = 6 * eta * np.pi**2 / omega ** (2 / 3) * 2 ** (2 * n_p - 2)  # Eq. (71)
        lambda_u_1 = lambda_u * lambda_nu_1 / lambda_nu  # Eq. (124)
        lambda_v_1 = lambda_v * lambda_nu_1 / lambda_nu
        p_eq = (FirstQuantization.success_prob(3, 8)  # Eq. (63)
                * FirstQuantization.success_prob(3 * eta + 2 * charge, br)
                * FirstQuantization.success_prob(eta, br) ** 2)
        lambda_a = lambda_t_p + lambda_u_1 + lambda_v_1
        lambda_b = (lambda_u_1 + lambda_v_1 / (1 - 1 / eta)) / p_nu_amp
        return np.maximum(lambda_a, lambda_b) / p_eq

    @staticmethod
    def _cost_qrom(lz):
        """The fewest Toffolis erasing a QROM's output of ``lz`` entries: ``2^k +
        ceil(lz / 2^k)`` for ``k`` the floor or ceiling of ``log2(lz) / 2``."""
        if lz <= 0 or not isinstance(lz, (int, np.integer)):
            raise ValueError("The sum of the atomic numbers must be a positive integer, got "
                             f"lz={lz!r}.")
        half = np.log2(lz) / 2
        return min(int(2**k + np.ceil(2 ** (-1 * k) * lz))
                   for k in (np.floor(half), np.ceil(half)))

    @staticmethod
    def unitary_cost(n, eta, omega, error, br=7, charge=0):
        """The Toffolis of one qubitization step (Eq. (125) of Su et al., cubic cell).

        >>> import qsym as qml
        >>> qml.estimator.FirstQuantization.unitary_cost(100000, 156, 169.69608, 0.01)
        17033
        """
        _check_system(n, eta, omega, error, br, charge)
        lamb = FirstQuantization.norm(n, eta, omega, error, br, charge)
        l_z = eta + charge
        error_x = _ALPHA_CUBIC * error
        n_eta, n_etaz = ceil_log2(eta), ceil_log2(eta + 2 * l_z)  # page 15 of Su et al.
        n_p = _n_p(n)
        n_t = int(np.log2(np.pi * lamb / error_x))  # Eq. (134)
        n_r = int(np.log2((eta * l_z * _l_nu(n)) / (error_x * omega ** (1 / 3))))  # Eq. (133)
        n_m = _n_m_cubic(eta, omega, error_x, l_z, n_p)
        cost = 2 * (n_t + 4 * n_etaz + 2 * br - 12) + 14 * n_eta + 8 * br - 36
        cost += 3 * (3 * n_p**2 + 15 * n_p - 7 + 4 * n_m * (n_p + 1))
        cost += l_z + FirstQuantization._cost_qrom(l_z) + 2 * (2 * n_p + 2 * br - 7)
        cost += 12 * eta * n_p + 5 * (n_p - 1) + 2 + 24 * n_p + 6 * n_p * n_r + 18
        cost += n_etaz + 2 * n_eta + 6 * n_p + n_m + 16
        return int(np.ceil(cost))

    @staticmethod
    def estimation_cost(n, eta, omega, error, br=7, charge=0, cubic=True, vectors=None):
        """The calls of the qubitization step QPE makes: ``ceil(pi lambda / (2 error_qpe))``,
        ``error_qpe`` what Eq. (131) of Su et al. leaves of ``error``.

        >>> import qsym as qml
        >>> qml.estimator.FirstQuantization.estimation_cost(100000, 156, 1145.166, 0.01)
        102133985
        """
        if error <= 0.0:
            raise ValueError(f"The target error must be greater than zero, got error={error}.")
        lamb = FirstQuantization.norm(n, eta, omega, error, br=br, charge=charge, cubic=cubic,
                                      vectors=vectors)
        shares = 3 * _ALPHA_CUBIC if cubic else 4 * _ALPHA_NONCUBIC
        error_qpe = np.sqrt(error**2 * (1 - shares**2))
        return int(np.ceil(np.pi * lamb / (2 * error_qpe)))

    @staticmethod
    def gate_cost(n, eta, omega, error, br=7, charge=0, cubic=True, vectors=None):
        """The Toffolis of the algorithm: QPE's calls times one step's (Eq. (125) of Su et
        al.).

        >>> import qsym as qml
        >>> qml.estimator.FirstQuantization.gate_cost(100000, 156, 169.69608, 0.01)
        3676557345574
        """
        _check_system(n, eta, omega, error, br, charge)
        calls = FirstQuantization.estimation_cost(n, eta, omega, error, br=br, charge=charge,
                                                  cubic=cubic, vectors=vectors)
        if cubic:
            step = FirstQuantization.unitary_cost(n, eta, omega, error, br, charge)
        else:
            step = FirstQuantization._unitary_cost_noncubic(n, eta, error, br, charge, vectors)
        return calls * step

    @staticmethod
    def qubit_cost(n, eta, omega, error, br=7, charge=0, cubic=True, vectors=None):
        """The logical qubits of the algorithm (Eq. (101) of arXiv:2204.11890).

        >>> import qsym as qml
        >>> qml.estimator.FirstQuantization.qubit_cost(100000, 156, 169.69608, 0.01)
        4377
        """
        _check_system(n, eta, omega, error, br, charge)
        if not cubic:
            return FirstQuantization._qubit_cost_noncubic(n, eta, error, br, charge, vectors)
        lamb = FirstQuantization.norm(n, eta, omega, error, br=br, charge=charge)
        l_z = eta + charge
        error_x = _ALPHA_CUBIC * error
        n_p = _n_p(n)
        n_t = int(np.log2(np.pi * lamb / error_x))  # Eq. (134)
        n_r = int(np.log2((eta * l_z * _l_nu(n)) / (error_x * omega ** (1 / 3))))  # Eq. (133)
        n_m = _n_m_cubic(eta, omega, error_x, l_z, n_p)
        error_qpe = np.sqrt(error**2 * (1 - (3 * _ALPHA_CUBIC) ** 2))
        qubits = 3 * eta * n_p + 4 * n_m * n_p + 12 * n_p
        qubits += 2 * ceil_log2(np.ceil(np.pi * lamb / (2 * error_qpe))) + 5 * n_m
        qubits += 2 * ceil_log2(eta) + 3 * n_p**2 + ceil_log2(eta + 2 * l_z)
        qubits += max(5 * n_p + 1, 5 * n_r - 4) + max(n_t, n_r + 1) + 33
        return int(np.ceil(qubits))

    @staticmethod
    def _norm_noncubic(n, eta, error, br, charge, vectors):
        """``(lambda, amplitude amplification rounds)`` of a non-cubic cell (Eq. (126) of Su
        et al. with the changes of arXiv:2302.07981: ``bmin``, Eq. (F3); ``p_nu``, Eq. (I7);
        ``lambda_T``, Appendix I.1; the fewest rounds above 0.95, Eq. (117))."""
        omega, recip = _cell(vectors)
        bbt = recip @ recip.T
        orthogonal = np.linalg.norm(bbt - np.array([np.max(b**2) for b in recip])
                                    * np.identity(3)) < 1e-6
        l_z = eta + charge
        n_p = _n_p(n)
        bmin = np.min(np.linalg.svd(recip)[1])
        n_m = _n_m_noncubic(eta, omega, _ALPHA_NONCUBIC * error, bmin, l_z, n_p)
        lambda_nu = _lambda_nu(n) / bmin**2
        lambda_nu_1 = lambda_nu + 4 / (2**n_m * bmin**2) * _m_factor(n_p)
        p_nu = lambda_nu_1 * bmin**2 / 2 ** (n_p + 6)
        p_nu_amp, aa_steps = 0, 0
        for i in range(_AA_STEPS_MAX):  # the fewest rounds reaching the threshold
            probability = np.sin((2 * i + 1) * np.arcsin(np.sqrt(p_nu))) ** 2
            if probability > _P_THRESHOLD:
                p_nu_amp, aa_steps = probability, i
                break
        lambda_u_1 = 4 * np.pi * eta * l_z * lambda_nu / omega * lambda_nu_1 / lambda_nu
        lambda_v_1 = 2 * np.pi * eta * (eta - 1) * lambda_nu / omega * lambda_nu_1 / lambda_nu
        lambda_t_p = np.abs(bbt).flatten().sum() * eta * 2 ** (2 * n_p - 2) / (4 if orthogonal else 2)
        p_eq = (FirstQuantization.success_prob(3 * eta + 2 * charge, br)
                * FirstQuantization.success_prob(eta, br) ** 2)
        if p_nu * lambda_t_p >= (1 - p_nu) * (lambda_u_1 + lambda_v_1):
            raise ValueError("The computed 1-norm is zero. (Su et al.'s case analysis has "
                             "no 1-norm for this cell: the kinetic term outweighs the "
                             "potential ones; give more electrons or another cell)")
        if p_nu_amp * lambda_t_p >= (1 - p_nu_amp) * (lambda_u_1 + lambda_v_1):
            return (lambda_t_p + lambda_u_1 + lambda_v_1) / p_eq, aa_steps
        return ((lambda_u_1 + lambda_v_1 / (1 - 1 / eta)) / p_nu_amp) / p_eq, aa_steps

    @staticmethod
    def _qubit_cost_noncubic(n, eta, error, br, charge, vectors):
        """The logical qubits for a non-cubic cell (Appendix C of Su et al., Appendix L of
        arXiv:2302.07981)."""
        lamb, _ = FirstQuantization._norm_noncubic(n, eta, error, br, charge, vectors)
        b = _noncubic_bits(n, eta, error, charge, vectors, lamb)
        n_p, n_m, n_r, n_t = b["n_p"], b["n_m"], b["n_r"], b["n_t"]
        l_z = eta + charge
        error_qpe = np.sqrt(error**2 * (1 - (4 * _ALPHA_NONCUBIC) ** 2))
        temp_h = max(5 * n_r - 4, 5 * n_p + 1) + max(5, n_m + 3 * n_p)  # Eqs. (L1, L2)
        reflection = ceil_log2(eta + 2 * l_z) + 2 * ceil_log2(eta) + 6 * n_p + n_m + 16 + 3
        clean = 3 * eta * n_p + ceil_log2(np.ceil(np.pi * lamb / (2 * error_qpe)))
        clean += 1 + 1 + ceil_log2(eta + 2 * l_z) + 3 + 3 + 2 * ceil_log2(eta) + 5 + 3 * (n_p + 1)
        clean += n_p + n_m + 3 * n_p + 2 + 2 * n_p + 1 + 1 + 2 + 2 * n_p + 6 + 1
        clean += max(temp_h, reflection)
        error_b = _ALPHA_NONCUBIC * error  # Eq. (J7)
        n_b = ceil_log2(4 * np.pi * eta * 2 ** (2 * n_p - 2) * b["sum_abs"] / error_b)
        clean += max(n_r + 1, n_t, n_b) + 6 + n_m + 1
        return int(np.ceil(clean))

    @staticmethod
    def _unitary_cost_noncubic(n, eta, error, br, charge, vectors):
        """The Toffolis of one qubitization step for a non-cubic cell (Eq. (125) of Su et
        al. with Appendix K of arXiv:2302.07981: the momentum state by QROM, the kinetic
        term's ``n_B`` bits of Eq. (J7))."""
        lamb, aa_steps = FirstQuantization._norm_noncubic(n, eta, error, br, charge, vectors)
        b = _noncubic_bits(n, eta, error, charge, vectors, lamb)
        n_p, n_m, n_r, n_t = b["n_p"], b["n_m"], b["n_r"], b["n_t"]
        l_z = eta + charge
        n_eta, n_etaz = ceil_log2(eta), ceil_log2(eta + 2 * l_z)
        cost = 2 * (n_t + 4 * n_etaz + 2 * br - 12) + 14 * n_eta + 8 * br - 36
        cost += l_z + FirstQuantization._cost_qrom(l_z) + 2 * (2 * n_p + 2 * br - 7)
        cost += 12 * eta * n_p + 5 * (n_p - 1) + 2 + 24 * n_p + 6 * n_p * n_r + 18
        cost += n_etaz + 2 * n_eta + 6 * n_p + n_m + 16
        n_b = ceil_log2(2 * np.pi * eta * 2 ** (2 * n_p - 2) * b["sum_abs"]
                        / (_ALPHA_NONCUBIC * error))
        dirty = FirstQuantization._qubit_cost_noncubic(n, eta, error, br, charge, vectors)
        ms_cost = FirstQuantization._momentum_state_qrom(n_p, n_m, dirty, _N_TOFFOLI, kappa=1)[0]
        cost -= 2 * (3 * 2 + 2 * br - 9)
        cost += 2 * (2 * (2 * (2 ** (4 + 1) - 1) + (n_b - 3) * 4 + 2**4 + (n_p - 2)))
        cost += 8 + (2 * aa_steps + 1) * ms_cost
        return int(np.ceil(cost))

    @staticmethod
    def _momentum_state_qrom(n_p, n_m, n_dirty, n_tof, kappa):
        """``(Toffolis, beta)`` of preparing the momentum state by a QROM of ``beta``
        parallel outputs (Section D.1 (6), Appendix K.1.f of arXiv:2302.07981)."""
        x = 2 ** (3 * n_p)
        beta_dirty = max(np.floor(n_dirty / n_m), 1)
        beta_parallel = max(np.floor(n_tof / kappa), 1)
        if n_tof == 1:
            beta_gate = max(np.floor(np.sqrt(2 * x / (3 * n_m))), 1)
            beta = np.min([beta_dirty, beta_gate])
            qrom = 2 * np.ceil(x / beta) + 3 * n_m * beta
        else:
            beta_gate = max(np.floor(2 * x / (3 * n_m / kappa) * np.log(2)), 1)
            beta = np.min([beta_dirty, beta_gate, beta_parallel])
            qrom = 2 * np.ceil(x / beta) + 3 * np.ceil(n_m / kappa) * ceil_log2(beta)
        ms_cost = 2 * qrom + n_m + 8 * (n_p - 1) + 6 * n_p + 2 + 2 * n_p + n_m + 2
        return ms_cost, beta


# ------------------------------------------------------------------ double factorization

def _check_positive_int(value, message: str) -> None:
    if value <= 0 or not isinstance(value, int):
        raise ValueError(f"{message}, got {value!r}.")


def _check_df(n, rank_r, rank_m, rank_max, br, alpha, beta, lamb=None, error=None) -> None:
    """PennyLane's checks of the double-factorization costs' arguments (its messages)."""
    if n <= 0 or not isinstance(n, (int, np.integer)) or n % 2 != 0:
        raise ValueError(f"The number of spin-orbitals must be a positive even integer, got n={n!r}.")
    if error is not None and error <= 0.0:
        raise ValueError(f"The target error must be greater than zero, got error={error}.")
    if lamb is not None and lamb <= 0.0:
        raise ValueError(f"The 1-norm must be greater than zero, got lamb={lamb}.")
    _check_positive_int(rank_r, "The rank of the first factorization step must be a positive "
                                "integer")
    if rank_m <= 0:
        raise ValueError("The rank of the second factorization step must be a positive number, "
                         f"got {rank_m!r}.")
    _check_positive_int(rank_max, "The maximum rank of the second factorization step must be a "
                                  "positive integer")
    _check_positive_int(br, "br must be a positive integer (bits of the auxiliary rotation)")
    _check_positive_int(alpha, "alpha must be a positive integer (bits of the keep register)")
    _check_positive_int(beta, "beta must be a positive integer (bits of the rotation angles)")


def _df_bits(n, rank_r, rank_m, rank_max, br, alpha) -> tuple:
    """``n_xi``, ``n_L``, ``n_Lxi`` (Eqs. (C14, C15) of von Burg et al.), ``b_o`` (Eq. (C29))
    and ``b_p2`` (Eq. (C31))."""
    nxi = ceil_log2(rank_max)
    nl = ceil_log2(rank_r + 1)
    nlxi = ceil_log2(rank_r * rank_m + n / 2)
    return nxi, nl, nlxi, nxi + nlxi + br + 1, nxi + alpha + 2


class DoubleFactorization(Operation):
    """PennyLane's ``qml.estimator.DoubleFactorization``: the Toffoli gates (``gates``) and
    logical qubits (``qubits``) of a qubitized quantum phase estimation of a molecule within
    ``error`` (Ha), its two-electron integrals double-factorized (von Burg et al., PRX
    Quantum 2, 030305 (2021), Eqs. (C39, C40)), and the Hamiltonian's 1-norm (``lamb``).

    ``two_electron`` is in physicist notation (as ``qml.qchem.electron_integrals`` gives it)
    unless ``chemist_notation=True``; :func:`qsym.qchem.factorize` (thresholds
    ``tol_factor``, ``tol_eigval``) gives the factors, their kept eigenvalues (``eigvals``)
    and eigenvectors (``eigvecs``); the ranks default to the factorization's: ``rank_r``
    factors, ``rank_m`` eigenvalues per factor on average, ``rank_max`` at most. ``br``,
    ``alpha``, ``beta``: the bits of the auxiliary rotation, the keep register and the
    rotation angles. (``eigvals`` replaces the operation's ``eigvals()``, as in PennyLane.)

    >>> import numpy as np
    >>> import qsym as qml
    >>> mol = qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> _, one, two = qml.qchem.electron_integrals(mol)()
    >>> algo = qml.estimator.DoubleFactorization(one, two)
    >>> algo.n, algo.rank_r, algo.rank_max, len(algo.wires) == algo.qubits
    (4, 3, 2, True)
    """

    grad_method = None
    has_matrix = False
    has_adjoint = False

    def __init__(self, one_electron, two_electron, error=0.0016, rank_r=None, rank_m=None,
                 rank_max=None, tol_factor=1.0e-5, tol_eigval=1.0e-5, br=7, alpha=10, beta=20,
                 chemist_notation=False):
        self.one_electron = one_electron
        self.two_electron = two_electron if chemist_notation else np.swapaxes(two_electron, 1, 3)
        self.error, self.tol_factor, self.tol_eigval = error, tol_factor, tol_eigval
        self.br, self.alpha, self.beta = br, alpha, beta
        self.n = np.shape(two_electron)[0] * 2  # spin orbitals
        self.factors, _, self.eigvecs = factorize(self.two_electron, tol_factor, tol_eigval)
        self.eigvals = [values[np.abs(values) > tol_eigval]
                        for values in np.linalg.eigvalsh(self.factors)]
        self._lamb = self.norm(self.one_electron, self.two_electron, self.eigvals)
        self.rank_r = rank_r or len(self.factors)
        self.rank_m = rank_m or np.mean([len(v) for v in self.eigvals])
        self.rank_max = rank_max or int(np.max([len(v) for v in self.eigvals]))
        args = (self.n, self._lamb, error, self.rank_r, self.rank_m, self.rank_max, br, alpha,
                beta)
        self._gates = self.gate_cost(*args)
        self._qubits = self.qubit_cost(*args)
        super().__init__(self.one_electron, self.two_electron, wires=range(self._qubits))

    def _flatten(self):
        """The integrals (two-electron in chemist notation) and the keywords that make it
        again.

        >>> import numpy as np
        >>> import qsym as qml
        >>> two = np.zeros((1, 1, 1, 1)); two[0, 0, 0, 0] = 0.5
        >>> op = qml.estimator.DoubleFactorization(np.eye(1), two)
        >>> dict(op._flatten()[1])["chemist_notation"], type(op)._unflatten(*op._flatten()).gates == op.gates
        (True, True)
        """
        return (self.one_electron, self.two_electron), (
            ("error", self.error), ("rank_r", self.rank_r), ("rank_m", self.rank_m),
            ("rank_max", self.rank_max), ("tol_factor", self.tol_factor),
            ("tol_eigval", self.tol_eigval), ("br", self.br), ("alpha", self.alpha),
            ("beta", self.beta), ("chemist_notation", True))

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(*data, **dict(metadata))

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (the estimates unchanged)."""
        return _map_wires(self, wire_map)

    @property
    def lamb(self):
        """The 1-norm of the double-factorized Hamiltonian (:meth:`norm`)."""
        return self._lamb

    @property
    def gates(self):
        """The Toffoli gates of the algorithm (Eqs. (45), (C39) of von Burg et al.)."""
        return self._gates

    @property
    def qubits(self):
        """The logical qubits of the algorithm (Eq. (C40) of von Burg et al.)."""
        return self._qubits

    @staticmethod
    def estimation_cost(lamb, error):
        """The calls of the qubitization step QPE makes, ``ceil(pi lamb / (2 error))``
        (Eq. (45) of von Burg et al.).

        >>> import qsym as qml
        >>> qml.estimator.DoubleFactorization.estimation_cost(72.49779513025341, 0.001)
        113880
        """
        if error <= 0.0:
            raise ValueError(f"The target error must be greater than zero, got error={error}.")
        if lamb <= 0.0:
            raise ValueError(f"The 1-norm must be greater than zero, got lamb={lamb}.")
        return int(np.ceil(np.pi * lamb / (2 * error)))

    @staticmethod
    def _qrom_cost(constants):
        """``(cost, k)``: the least of ``ceil((a + b) / k) + ceil(c / k) + d (k + e)`` over
        the powers of two ``k`` either side of the continuous optimum
        ``sqrt((a + b + c) / d)`` (the QROM costs of Eq. (C39) of von Burg et al.)."""
        a, b, c, d, e = constants
        exponent = np.log2(((a + b + c) / d) ** 0.5)
        k = np.array([2 ** np.floor(exponent), 2 ** np.ceil(exponent)])
        cost = np.ceil((a + b) / k) + np.ceil(c / k) + d * (k + e)
        best = np.argmin(cost)
        return int(cost[best]), int(k[best])

    @staticmethod
    def unitary_cost(n, rank_r, rank_m, rank_max, br=7, alpha=10, beta=20):
        """The Toffolis of one qubitization step (Eq. (C39) of von Burg et al.) for ``n``
        spin orbitals and the factorization's ranks.

        >>> import qsym as qml
        >>> qml.estimator.DoubleFactorization.unitary_cost(14, 26, 5.5, 7, 7, 10, 20)
        2007
        """
        _check_df(n, rank_r, rank_m, rank_max, br, alpha, beta)
        rank_rm = rank_r * rank_m
        # eta: the largest power of two dividing rank_r (step 1.(a), page 030305-41)
        eta = (rank_r & -rank_r).bit_length() - 1
        nxi, nl, nlxi, bo, bp2 = _df_bits(n, rank_r, rank_m, rank_max, br, alpha)
        bp1 = nl + alpha  # Eq. (C27)
        qrom = DoubleFactorization._qrom_cost
        cost = 9 * nl - 6 * eta + 12 * br + 34 * nxi + 8 * nlxi + 9 * alpha + 3 * n * beta
        cost += -6 * n - 43
        cost += qrom((rank_r, 1, 0, bp1, -1))[0] + qrom((rank_r, 1, 0, bo, -1))[0]
        cost += qrom((rank_r, 1, 0, 1, 0))[0] * 2
        cost += qrom((rank_rm, n / 2, rank_rm, n * beta, 0))[0]
        cost += qrom((rank_rm, n / 2, rank_rm, 2, 0))[0] * 2
        cost += qrom((rank_rm, n / 2, rank_rm, 2 * bp2, -1))[0]
        return int(cost)

    @staticmethod
    def gate_cost(n, lamb, error, rank_r, rank_m, rank_max, br=7, alpha=10, beta=20):
        """The Toffolis of the algorithm: QPE's calls times one step's (Eqs. (45), (C39) of
        von Burg et al.).

        >>> import qsym as qml
        >>> qml.estimator.DoubleFactorization.gate_cost(14, 52.98761457453095, 0.001, 26, 5.5, 7)
        167048631
        """
        _check_df(n, rank_r, rank_m, rank_max, br, alpha, beta, lamb=lamb, error=error)
        calls = DoubleFactorization.estimation_cost(lamb, error)
        step = DoubleFactorization.unitary_cost(n, rank_r, rank_m, rank_max, br, alpha, beta)
        return int(calls * step)

    @staticmethod
    def qubit_cost(n, lamb, error, rank_r, rank_m, rank_max, br=7, alpha=10, beta=20):
        """The logical qubits of the algorithm (Eq. (C40) of von Burg et al.).

        >>> import qsym as qml
        >>> qml.estimator.DoubleFactorization.qubit_cost(14, 52.98761457453095, 0.001, 26, 5.5, 7)
        292
        """
        _check_df(n, rank_r, rank_m, rank_max, br, alpha, beta, lamb=lamb, error=error)
        nxi, nl, _, bo, bp2 = _df_bits(n, rank_r, rank_m, rank_max, br, alpha)
        kr = DoubleFactorization._qrom_cost((rank_r * rank_m, n / 2, rank_r * rank_m,
                                             n * beta, 0))[1]
        calls = DoubleFactorization.estimation_cost(lamb, error)
        cost = n + 2 * nl + nxi + 3 * alpha + beta + bo + bp2
        cost += kr * n * beta / 2 + 2 * ceil_log2(calls + 1) + 7
        return int(cost)

    @staticmethod
    def norm(one, two, eigvals):
        """The 1-norm ``||T|| + sum_r ||L^(r)||^2 / 4`` of the double-factorized Hamiltonian
        (Eqs. (15-17) of Koridon et al., Phys. Rev. Research 3, 033055 (2021)): ``||.||`` the
        sum of the eigenvalues' magnitudes, ``T = h - sum_l V_illj / 2 + sum_l V_llij``, ``V``
        in chemist notation and ``eigvals`` the factors' eigenvalues.

        >>> import numpy as np
        >>> import qsym as qml
        >>> two = np.zeros((1, 1, 1, 1)); two[0, 0, 0, 0] = 0.5
        >>> float(qml.estimator.DoubleFactorization.norm(np.eye(1), two, [np.array([0.7])]))
        1.3725
        """
        t_matrix = one - 0.5 * np.einsum("illj", two) + np.einsum("llij", two)
        lambda_one = np.sum(np.abs(np.linalg.eigvalsh(t_matrix)))
        lambda_two = 0.25 * np.sum([np.sum(np.abs(v)) ** 2 for v in eigvals])
        return lambda_one + lambda_two


def _group_deviations(coeffs, variances) -> float:
    """``sum_i sqrt(Var(A_i))``: the groups' variances when given, else each group's
    ``sum_j c_ij^2`` (covariances neglected, ``Var(O) <= 1``; a number is a group of one)."""
    if variances:
        return float(np.sum(np.sqrt(variances)))
    return float(np.sum(np.sqrt([np.sum(np.asarray(c, dtype=float) ** 2) for c in coeffs])))


def estimate_shots(coeffs, variances=None, error=0.0016) -> int:
    """PennyLane's ``qml.estimator.estimate_shots``: the measurements needed to estimate the
    expectation value of ``H = sum_i A_i`` (``A_i = sum_j c_ij O_j``, one group of Pauli
    words measured together) to ``error``: ``ceil((sum_i sqrt(Var(A_i)))^2 / error^2)``
    (Eq. (34) of PRX Quantum 2, 040320 (2021)). ``coeffs``: the groups' coefficients (a
    flat list of numbers: each word its own group); ``variances``: the groups' variances,
    else ``sum_j c_ij^2`` each.

    >>> import qsym as qml
    >>> qml.estimator.estimate_shots([np.array([-0.32707061, 0.7896887]), np.array([0.18121046])])
    419218
    """
    return int(np.ceil(_group_deviations(coeffs, variances) ** 2 / error**2))


def estimate_error(coeffs, variances=None, shots=1000):
    """PennyLane's ``qml.estimator.estimate_error``: the error of an expectation value of
    ``H = sum_i A_i`` estimated from ``shots`` measurements, ``sum_i sqrt(Var(A_i)) /
    sqrt(shots)`` (the inverse of :func:`estimate_shots`).

    >>> import qsym as qml
    >>> qml.estimator.estimate_error([np.array([-0.32707061, 0.7896887]), np.array([0.18121046])],
    ...                              shots=100000)
    np.float64(0.0032759684708248507)
    """
    return np.float64(_group_deviations(coeffs, variances) / np.sqrt(shots))


def __getattr__(name: str):
    """Another name of PennyLane's ``qml.estimator`` (its resource-tracking framework:
    ``estimate``, ``ResourceOperator``, ``CompressedResourceOp``, ``GateCount``, the
    resource gates ``qre.X``, ``qre.Toffoli``, ...): an ``AttributeError`` that names it as
    not provided (``hasattr`` is False).

    >>> import qsym as qml
    >>> hasattr(qml.estimator, "ResourceOperator")
    False
    """
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"qml.estimator.{name} is not supported by qsym: PennyLane's resource-tracking "
        "framework (estimate, ResourceOperator, GateCount, the resource gates) is not "
        "provided; qsym's qml.estimator has FirstQuantization, DoubleFactorization, "
        "estimate_shots and estimate_error (docs/pennylane.md, 'Not supported')")


def _qpe_resources_path() -> None:
    """PennyLane 0.45's module path ``pennylane.estimator.qpe_resources`` (``from
    qsym.estimator.qpe_resources import DoubleFactorization``)."""
    from .transforms import module_path

    globals()["qpe_resources"] = module_path(
        __name__, "qpe_resources", "PennyLane's pennylane.estimator.qpe_resources",
        FirstQuantization=FirstQuantization, DoubleFactorization=DoubleFactorization)


_qpe_resources_path()
