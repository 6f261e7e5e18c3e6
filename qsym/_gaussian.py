"""PennyLane's ``default.gaussian``: a simulator of Gaussian continuous-variable circuits
(the state is a vector of means and a covariance matrix, in the ``(x_0..x_{N-1},
p_0..p_{N-1})`` ordering, ``hbar = 2`` by default), the module functions of PennyLane's
``pennylane.devices.default_gaussian``, and ``qml.gradients.param_shift_cv``: the CV
parameter-shift rule (first order, and second order through the Heisenberg picture of
:mod:`qsym._cv`), with finite differences where it does not apply.

>>> import qsym as qml
>>> dev = qml.device("default.gaussian", wires=1)
>>> @qml.qnode(dev)
... def circuit(a):
...     qml.Displacement(a, 0.0, wires=0)
...     return qml.expval(qml.NumberOperator(0))
>>> round(float(circuit(0.5)), 12)   # |alpha|^2
0.25
>>> round(float(qml.grad(circuit)(qml.numpy.array(0.5, requires_grad=True))), 8)
1.0
"""

from __future__ import annotations

import cmath
import contextlib
import math
import warnings

import numpy as np
from autograd import numpy as anp
from autograd.extend import defvjp, primitive
from autograd.tracer import Box, getval

from . import _cv as cv
from . import _mcm as mcm
from . import devices
from ._tapes import QuantumScript
from ._trace import Tape, recording
from ._operations import MeasurementProcess, expval
from .errors import DeviceError, DifferentiationError, QuantumFunctionError, WireError
from .wires import Wires

TOLERANCE = 1e-10  # a displacement below this counts as none (fock_prob)


# ----------------------------------------------------------------------- auxiliary functions
def partitions(s, include_singles=True):
    """The ways to split the sequence ``s`` into pairs (and single items, with
    ``include_singles``), each a tuple of tuples (PennyLane's ``partitions``).

    >>> list(partitions([1, 2, 3, 4], include_singles=False))
    [((1, 2), (3, 4)), ((1, 3), (2, 4)), ((1, 4), (2, 3))]
    """
    s = tuple(s)
    if not s:
        yield ()
        return
    first, rest = s[0], s[1:]
    if include_singles:
        for p in partitions(rest, include_singles):
            yield ((first,),) + p
    for k in range(len(rest)):
        for p in partitions(rest[:k] + rest[k + 1:], include_singles):
            yield ((first, rest[k]),) + p


def fock_prob(cov, mu, event, hbar=2.0):
    """The probability of the photon-number detection ``event`` (one count per mode) of
    the Gaussian state ``(cov, mu)``: the loop hafnian of the state's ``A`` matrix
    (Hamilton et al., "Gaussian boson sampling", PRL 119, 170501).

    >>> round(float(fock_prob(np.eye(2), np.zeros(2), [0])), 12)   # the vacuum
    1.0
    """
    n = len(mu) // 2
    alpha = (np.asarray(mu[:n]) + 1j * np.asarray(mu[n:])) / math.sqrt(2 * hbar)
    beta = np.concatenate([alpha, alpha.conj()])
    x, xp, p = (np.asarray(cov)[sl] * 2 / hbar for sl in (
        np.s_[:n, :n], np.s_[:n, n:], np.s_[n:, n:]))
    ad_a = (x + p + 1j * (xp - xp.T) - 2 * np.eye(n)) / 4  # <a_i^dag a_j>
    a_a = (x - p + 1j * (xp + xp.T)) / 4  # <a_i a_j>
    q = np.block([[ad_a, a_a.conj()], [a_a, ad_a.conj()]]) + np.eye(2 * n)
    q_inv = np.linalg.inv(q)
    front = cmath.exp(-beta @ q_inv @ beta.conj() / 2) / math.sqrt(np.linalg.det(q).real)
    norm = np.float64(math.prod(math.factorial(int(k)) for k in event))  # (no SciPy at import)
    if np.all(np.asarray(event) == 0):
        return (front).real / norm
    swap = np.block([[np.zeros((n, n)), np.eye(n)], [np.eye(n), np.zeros((n, n))]])
    gamma = swap @ q_inv.conj() @ beta
    a_mat = swap @ (np.eye(2 * n) - q_inv).conj()
    index = [m for m, k in enumerate(event) for _ in range(int(k))]
    index += [m + n for m in index]
    singles = np.linalg.norm(beta) >= TOLERANCE
    total = sum(np.prod([gamma[part[0]] if len(part) == 1 else a_mat[part] for part in parts])
                for parts in partitions(index, include_singles=singles))
    return (front * total).real / norm


# ----------------------------------------------------------------- the gates' symplectic maps
def rotation(phi):
    """The phase-space rotation by ``phi`` (a 2x2 symplectic matrix in ``(x, p)``).

    >>> rotation(0.0)
    array([[ 1., -0.],
           [ 0.,  1.]])
    """
    return cv.rotation_block(phi)


def displacement(state, wire, alpha, hbar=2):
    """``state`` (``[cov, mu]``) displaced by the complex ``alpha`` on mode index ``wire``.

    >>> displacement([np.eye(2), np.zeros(2)], 0, 0.5 + 0j)[1]
    array([1., 0.])
    """
    mu = state[1]
    mu[wire] += np.real(alpha) * math.sqrt(2 * hbar)
    mu[wire + len(mu) // 2] += np.imag(alpha) * math.sqrt(2 * hbar)
    return state[0], mu


def squeezing(r, phi):
    """The squeezing by ``r`` along the angle ``phi / 2``.

    >>> squeezing(0.0, 0.3)
    array([[ 1., -0.],
           [-0.,  1.]])
    """
    c, s, ch, sh = math.cos(phi), math.sin(phi), math.cosh(r), math.sinh(r)
    return np.array([[ch - c * sh, -s * sh], [-s * sh, ch + c * sh]])


def quadratic_phase(s):
    """The quadratic phase gate ``exp(i s x^2 / (2 hbar))``: ``p -> p + s x``.

    >>> quadratic_phase(0.5)
    array([[1. , 0. ],
           [0.5, 1. ]])
    """
    return np.array([[1.0, 0.0], [s, 1.0]])


def beamsplitter(theta, phi):
    """The beamsplitter of transmission ``cos(theta)``, phase ``phi``, on two modes (in the
    ``(x_0, x_1, p_0, p_1)`` order).

    >>> beamsplitter(0.0, 0.0)
    array([[ 1., -0.,  0., -0.],
           [ 0.,  1., -0.,  0.],
           [ 0.,  0.,  1., -0.],
           [ 0.,  0.,  0.,  1.]])
    """
    c, s, ct, st = math.cos(phi), math.sin(phi), math.cos(theta), math.sin(theta)
    return np.array([[ct, -c * st, 0, -s * st], [c * st, ct, -s * st, 0],
                     [0, s * st, ct, -c * st], [s * st, 0, c * st, ct]])


def two_mode_squeezing(r, phi):
    """The two-mode squeezer of magnitude ``r`` and phase ``phi``.

    >>> two_mode_squeezing(0.0, 0.0) + 0.0
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 1.]])
    """
    c, s, ch, sh = math.cos(phi), math.sin(phi), math.cosh(r), math.sinh(r)
    return np.array([[ch, c * sh, 0, s * sh], [c * sh, ch, s * sh, 0],
                     [0, s * sh, ch, -c * sh], [s * sh, 0, -c * sh, ch]])


def controlled_addition(s):
    """The controlled addition (CX): ``x_1 -> x_1 + s x_0``, ``p_0 -> p_0 - s p_1``.

    >>> controlled_addition(1.0)[1]
    array([1., 1., 0., 0.])
    """
    return np.array([[1.0, 0, 0, 0], [s, 1, 0, 0], [0, 0, 1, -s], [0, 0, 0, 1]])


def controlled_phase(s):
    """The controlled phase (CZ): ``p_0 -> p_0 + s x_1``, ``p_1 -> p_1 + s x_0``.

    >>> controlled_phase(1.0)[2]
    array([0., 1., 1., 0.])
    """
    return np.array([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, s, 1, 0], [s, 0, 0, 1]])


def interferometer_unitary(U):
    """The symplectic map of the passive interferometer ``U`` (in the
    ``(x_0, p_0, x_1, p_1, ...)`` order, as PennyLane's).

    >>> interferometer_unitary(np.array([[1j]]))
    array([[ 0., -1.],
           [ 1.,  0.]])
    """
    U = np.asarray(U)
    order = np.arange(2 * len(U)).reshape(2, -1).T.ravel()
    return np.block([[U.real, -U.imag], [U.imag, U.real]])[:, order][order]


# ------------------------------------------------------------------------------------ states
def squeezed_cov(r, phi, hbar=2):
    """The covariance matrix of a squeezed vacuum.

    >>> squeezed_cov(0.0, 0.0)
    array([[1., 0.],
           [0., 1.]])
    """
    rot = rotation(phi / 2)
    return rot @ np.diag([math.exp(-2 * r), math.exp(2 * r)]) * hbar / 2 @ rot.T


def vacuum_state(wires, hbar=2.0):
    """``[cov, means]`` of the vacuum of ``wires`` modes.

    >>> vacuum_state(1)
    [array([[1., 0.],
           [0., 1.]]), array([0., 0.])]
    """
    return [np.identity(2 * wires) * hbar / 2, np.zeros(2 * wires)]


def _means(a, phi, hbar):
    alpha = a * cmath.exp(1j * phi)
    return np.array([alpha.real, alpha.imag]) * math.sqrt(2 * hbar)


def coherent_state(a, phi=0, hbar=2.0):
    """``[cov, means]`` of the coherent state ``|a e^{i phi}>``.

    >>> coherent_state(0.5)[1]
    array([1., 0.])
    """
    return [np.identity(2) * hbar / 2, _means(a, phi, hbar)]


def squeezed_state(r, phi, hbar=2.0):
    """``[cov, means]`` of a squeezed vacuum.

    >>> squeezed_state(0.0, 0.0)[1]
    array([0., 0.])
    """
    return [squeezed_cov(r, phi, hbar), np.zeros(2)]


def displaced_squeezed_state(a, phi_a, r, phi_r, hbar=2.0):
    """``[cov, means]`` of a squeezed state displaced by ``a e^{i phi_a}``.

    >>> displaced_squeezed_state(0.5, 0.0, 0.0, 0.0)[1]
    array([1., 0.])
    """
    return [squeezed_cov(r, phi_r, hbar), _means(a, phi_a, hbar)]


def thermal_state(nbar, hbar=2.0):
    """``[cov, means]`` of the thermal state of mean photon number ``nbar``.

    >>> thermal_state(0.5)[0]
    array([[2., 0.],
           [0., 2.]])
    """
    return [(2 * nbar + 1) * np.identity(2) * hbar / 2, np.zeros(2)]


def gaussian_state(cov, mu, hbar=2.0):
    """``(cov, mu)`` as given (in the ``(x.., p..)`` ordering).

    >>> gaussian_state(np.eye(2), np.zeros(2))[1]
    array([0., 0.])
    """
    return cov, mu


def set_state(state, wire, cov, mu):
    """``state`` with the one-mode Gaussian ``(cov, mu)`` put on mode ``wire[0]`` (a
    :class:`~qsym.wires.Wires` of device indices).

    >>> set_state(vacuum_state(2), Wires([1]), 2 * np.eye(2), np.ones(2))[1]
    array([0., 1., 0., 1.])
    """
    cov0, mu0 = state[0], state[1]
    n = len(mu0) // 2
    w = int(np.asarray(wire.tolist())[0])
    index = np.array([w, w + n])
    mu0[index] = mu
    cov0[np.ix_(index, index)] = cov
    return cov0, mu0


# ------------------------------------------------------------------------------ expectations
def photon_number(cov, mu, params, hbar=2.0):
    """``(mean, variance)`` of the photon number of a one-mode state.

    >>> photon_number(np.eye(2), np.array([1.0, 0.0]), [])
    (np.float64(0.25), np.float64(0.25))
    """
    ex = (np.trace(cov) + mu @ mu) / (2 * hbar) - 0.5
    var = (np.trace(cov @ cov) + 2 * mu @ cov @ mu) / (2 * hbar ** 2) - 0.25
    return ex, var


def homodyne(phi=None):
    """The function ``(cov, mu, params) -> (mean, variance)`` of the quadrature at angle
    ``phi`` (None: the angle is ``params[0]``).

    >>> homodyne(0.0)(np.eye(2), np.array([1.0, 2.0]), [])
    (np.float64(1.0), np.float64(1.0))
    """
    def _homodyne(cov, mu, params, hbar=2.0):
        rot = rotation(phi if phi is not None else params[0])
        return (rot.T @ mu)[0], (rot.T @ cov @ rot)[0, 0]
    return _homodyne


def poly_quad_expectations(cov, mu, wires, device_wires, params, hbar=2.0):
    """``(mean, variance)`` of the quadrature polynomial ``PolyXP(params[0], wires)`` on
    the device's modes ``device_wires``.

    >>> poly_quad_expectations(np.eye(2), np.zeros(2), Wires([0]), Wires([0]),
    ...                        [np.diag([0.0, 1.0, 0.0])])
    (np.float64(1.0), np.float64(2.0))
    """
    q = cv.PolyXP(params[0], wires=wires).heisenberg_obs(device_wires)
    if q.ndim == 1:
        d = np.r_[q[1::2], q[2::2]]
        return d @ mu + q[0], d @ cov @ d
    order = np.r_[0, np.arange(1, len(q), 2), np.arange(2, len(q), 2)]  # to (I, x.., p..)
    m = q[np.ix_(order, order)]
    a, d, k = m[1:, 1:], m[1:, 0] + m[0, 1:], m[0, 0]
    d2 = 2 * a @ mu + d
    ex = np.trace(a @ cov) + mu @ a @ mu + mu @ d + k
    var = 2 * np.trace(a @ cov @ a @ cov) + d2 @ cov @ d2
    modes = np.arange(2 * len(device_wires)).reshape(2, -1).T
    var -= sum(np.linalg.det(hbar * a[:, i][j]) for i in modes for j in modes)
    return ex, var


def fock_expectation(cov, mu, params, hbar=2.0):
    """``(mean, variance)`` of the projector on the Fock state ``params[0]``.

    >>> fock_expectation(np.eye(2), np.zeros(2), [[0]])
    (np.float64(1.0), np.float64(0.0))
    """
    ex = fock_prob(cov, mu, params[0], hbar=hbar)
    return ex, ex - ex ** 2


def identity(*_, **__):
    """``(1, 0)``: the mean and variance of the identity.

    >>> identity()
    (1, 0)
    """
    return 1, 0


# ------------------------------------------------------------------------------------ device
SAMPLED = {"QuadX": 0.0, "QuadP": np.pi / 2}  # the homodyne observables sampled, their angles


class DefaultGaussian(devices.Device):
    """PennyLane's ``default.gaussian`` (``qml.device("default.gaussian", wires, shots=None,
    hbar=2)``): Gaussian CV circuits exactly; with shots, an expectation value is one normal
    draw of the mean of ``shots`` samples and ``qml.sample`` of a quadrature draws
    homodyne samples, as PennyLane's. One measurement per circuit. Its QNodes differentiate
    by :func:`param_shift_cv` (``"best"``, ``"parameter-shift"``) or finite differences.

    >>> import qsym as qml
    >>> dev = qml.devices.DefaultGaussian(wires=2)
    >>> dev.apply("Displacement", Wires([1]), [0.5, 0.0])
    >>> float(dev.expval("QuadX", Wires([1]), []))
    1.0
    """

    name = "default.gaussian"
    short_name = "default.gaussian"
    _operation_map = {
        "Identity": lambda: np.identity(2), "Snapshot": None, "Beamsplitter": beamsplitter,
        "ControlledAddition": controlled_addition, "ControlledPhase": controlled_phase,
        "Displacement": displacement, "QuadraticPhase": quadratic_phase, "Rotation": rotation,
        "Squeezing": squeezing, "TwoModeSqueezing": two_mode_squeezing,
        "CoherentState": coherent_state, "DisplacedSqueezedState": displaced_squeezed_state,
        "SqueezedState": squeezed_state, "ThermalState": thermal_state,
        "GaussianState": gaussian_state, "InterferometerUnitary": interferometer_unitary,
    }
    _observable_map = {
        "NumberOperator": photon_number, "QuadX": homodyne(0.0), "QuadP": homodyne(np.pi / 2),
        "QuadOperator": homodyne(None), "PolyXP": poly_quad_expectations,
        "FockStateProjector": fock_expectation, "Identity": identity,
    }

    def __init__(self, wires, *, shots=None, hbar=2, analytic=None):
        if analytic is not None:
            raise DeviceError("The analytic argument has been replaced by shots=None. Please "
                              "use shots=None instead of analytic=True.")
        if wires is None:
            raise TypeError("DefaultGaussian.__init__() missing 1 required positional "
                            "argument: 'wires' (default.gaussian needs its number of modes)")
        if (isinstance(hbar, bool) or not isinstance(hbar, (int, float, np.integer, np.floating))
                or not math.isfinite(hbar) or hbar <= 0):
            # the vacuum's covariance is hbar/2, displacements scale by sqrt(2 hbar): a NaN
            # made every number NaN, a negative one a bare math domain error or nonsense
            raise DeviceError(f"default.gaussian: hbar must be a finite number > 0 (the "
                              f"convention's constant, 2 by default), got {hbar!r}")
        super().__init__("default.gaussian", wires=wires, shots=shots, seed=None)
        self._operation_map = dict(type(self)._operation_map)
        self._observable_map = dict(type(self)._observable_map)
        self.hbar = hbar
        self._debugger = None
        self.reset()

    @classmethod
    def capabilities(cls) -> dict:
        """PennyLane's legacy capabilities of ``default.gaussian``."""
        return {"model": "cv", "supports_finite_shots": True, "returns_probs": False,
                "returns_state": False, "supports_analytic_computation": True,
                "supports_broadcasting": False}

    @property
    def target_device(self):
        """The device itself (PennyLane wraps its legacy devices; qsym's is the device)."""
        return self

    @property
    def _shots(self):
        return self.given_shots

    @_shots.setter
    def _shots(self, value):
        self.given_shots = value

    @property
    def operations(self) -> set:
        return set(self._operation_map)

    @property
    def observables(self) -> set:
        return set(self._observable_map)

    def reset(self) -> None:
        """Back to the vacuum."""
        self._state = vacuum_state(self.num_wires, self.hbar)

    def map_wires(self, wires) -> Wires:
        """The device indices of the labels ``wires``."""
        wires = Wires(wires)
        missing = [w for w in wires if w not in self.wires]
        if missing:
            raise WireError(f"Did not find some of the wires {missing} on device with wires "
                            f"{self.wires.tolist()}.")
        return Wires(self.wires.indices(wires))

    def expand(self, S, wires) -> np.ndarray:
        """The symplectic ``S`` of the modes of ``wires`` (device indices) on all modes."""
        n, m = self.num_wires, len(S) // 2
        if m != len(wires):
            raise ValueError("Incorrect number of subsystems for provided operation.")
        if n == 1:
            return S
        index = np.concatenate([np.asarray(wires.tolist()), np.asarray(wires.tolist()) + n])
        out = np.identity(2 * n)
        out[np.ix_(index, index)] = S
        return out

    def apply(self, operation, wires, par) -> None:
        """Apply the gate or state preparation named ``operation`` on ``wires`` (labels)."""
        index = self.map_wires(wires)
        if operation == "Displacement":
            self._state = displacement(self._state, index.tolist()[0],
                                       par[0] * cmath.exp(1j * par[1]), self.hbar)
        elif operation == "GaussianState":
            if len(index) != self.num_wires:
                raise ValueError("GaussianState covariance matrix or means vector is the "
                                 "incorrect size for the number of subsystems.")
            self._state = list(self._operation_map[operation](*par, hbar=self.hbar))
        elif operation == "Snapshot":
            return
        elif "State" in operation:
            cov, mu = self._operation_map[operation](*par, hbar=self.hbar)
            self._state = list(set_state(self._state, index[:1], cov, mu))
        else:
            S = self.expand(self._operation_map[operation](*par), index)
            self._state = [S @ self._state[0] @ S.T, S @ self._state[1]]

    def reduced_state(self, wires):
        """``(cov, means)`` of the modes ``wires``."""
        wires = Wires(wires)
        if len(wires) == self.num_wires:
            return self._state
        index = np.asarray(self.map_wires(wires).tolist(), dtype=int)
        index = np.concatenate([index, index + self.num_wires])
        return self._state[0][np.ix_(index, index)], self._state[1][index]

    def _moments(self, observable, wires, par):
        if observable not in self._observable_map:
            raise DeviceError(f"Observable {observable} not supported on device "
                              "default.gaussian (its observables: "
                              f"{', '.join(sorted(self._observable_map))})")
        if observable == "Identity":
            return self._observable_map[observable]()
        if observable == "PolyXP":
            return poly_quad_expectations(*self._state, Wires(wires), self.wires, par,
                                          hbar=self.hbar)
        return self._observable_map[observable](*self.reduced_state(wires), par, hbar=self.hbar)

    def expval(self, observable, wires, par):
        """The expectation value (with shots: one normal draw of the shots' mean)."""
        ev, var = self._moments(observable, wires, par)
        shots = self.given_shots
        if shots is not None:
            ev = np.random.normal(ev, math.sqrt(var / int(shots)))
        return ev

    def var(self, observable, wires, par):
        """The variance."""
        return self._moments(observable, wires, par)[1]

    def sample(self, observable, wires, par):
        """``shots`` homodyne samples of ``QuadX``, ``QuadP`` or ``QuadOperator``."""
        if len(wires) != 1:
            raise ValueError("Only one mode can be measured in homodyne.")
        if observable == "QuadOperator":
            phi = par[0]
        elif observable in SAMPLED:
            phi = SAMPLED[observable]
        else:
            raise NotImplementedError(f"default.gaussian does not support sampling {observable}")
        rot = rotation(phi)
        cov, mu = self.reduced_state(wires)
        return np.random.normal((rot.T @ mu)[0], math.sqrt((rot.T @ cov @ rot)[0, 0]),
                                self.given_shots)

    # ---- tapes --------------------------------------------------------------------------
    def execute(self, circuits, execution_config=None):
        """The result of a tape (or a tuple of results of a sequence of tapes)."""
        if isinstance(circuits, QuantumScript):
            return self._run(circuits)
        return tuple(self._run(t) for t in circuits)

    def _run(self, tape):
        ms = list(tape.measurements)
        if len(ms) > 1 and not split_one_each(ms):
            raise QuantumFunctionError("Default gaussian only support single measurements.")
        self.reset()
        self.num_executions += 1  # PennyLane's legacy count: one per circuit run
        for op in tape.operations:
            name = op.name
            if name not in self._operation_map:
                raise DeviceError(f"Gate {name} not supported on device default.gaussian "
                                  "(a non-Gaussian or qubit operation)")
            self.apply(name, op.wires, [getval(p) for p in op.parameters])
        if not tape.measurements:
            return ()
        shots = tape.shots.total_shots if tape.shots else None
        saved = self.given_shots
        self.given_shots = shots
        try:  # (measurements that PennyLane runs as tapes of one each: on the same state)
            if len(ms) > 1:
                return tuple(self._measure(m) for m in ms)
            return self._measure(ms[0])
        finally:
            self.given_shots = saved

    def _measure(self, m):
        if m.kind not in ("expval", "var", "sample"):
            raise QuantumFunctionError(f"Returning the {m.kind} is not supported by "
                                       "default.gaussian: it measures expval, var and sample")
        name, wires, par = observable_of(m)
        if m.kind == "expval":
            return np.float64(self.expval(name, wires, par))
        if m.kind == "var":
            return np.float64(self.var(name, wires, par))
        if m.kind == "sample":
            if name not in SAMPLED and name != "QuadOperator":
                return self.sample(name, wires, par)  # (its refusal)
            if self.given_shots is None:
                raise QuantumFunctionError("qml.sample needs shots: use qml.set_shots")
            return self.sample(name, wires, par)
        return None  # (unreachable: the kinds are checked above)

    def batch_execute(self, circuits):
        """PennyLane's legacy ``batch_execute``: the results of the tapes, in a list."""
        return [self._run(t) for t in circuits]

    def run_qnode(self, node, args, kwargs):
        """A QNode's call on this device (the QNode's hook): :func:`run_qnode`."""
        return run_qnode(node, args, kwargs)

    def qnode_tape(self, node, args, kwargs):
        """The tape a QNode's call records on this device (``qml.draw``'s hook, the tape
        :meth:`run_qnode` runs).

        >>> import qsym as qml
        >>> dev = qml.device("default.gaussian", wires=1)
        >>> node = qml.QNode(lambda x: [qml.Rotation(x, wires=0), qml.expval(qml.QuadX(0))][1], dev)
        >>> dev.qnode_tape(node, (0.5,), {}).operations
        [Rotation(0.5, wires=[0])]
        """
        return record(node.func, args, kwargs, shots=node.configured_shots())[0]


def split_one_each(ms) -> bool:
    """Whether PennyLane runs the measurements ``ms`` of one tape on ``default.gaussian``
    as tapes of one measurement each: its legacy-device preprocessing splits a tape whose
    observables share wires (no ``sample``) into groups of measurements on disjoint wires
    (the same measurement once), and the device accepts a tape of one measurement only.

    >>> import qsym as qml
    >>> split_one_each([qml.expval(qml.QuadX(0)), qml.expval(qml.QuadP(0))])
    True
    >>> split_one_each([qml.expval(qml.QuadX(0)), qml.expval(qml.QuadX(1))])
    False
    """
    if any(m.kind != "expval" and m.kind != "var" for m in ms):
        return False
    unique = {}
    for m in ms:
        name, wires, par = observable_of(m)
        unique.setdefault((m.kind, name, tuple(wires), repr(par)), tuple(wires))
    groups: list[set] = []
    for wires in unique.values():  # PennyLane's grouping by wires, in order
        free = next((g for g in groups if not g & set(wires)), None)
        if free is None:
            groups.append(set(wires))
        else:
            free.update(wires)
            return False  # (a group of two measurements: a tape the device refuses)
    return True


def observable_of(m):
    """``(name, wires, parameters)`` of the observable a measurement ``m`` of a CV circuit
    measures (the identity: ``"Identity"``).

    >>> import qsym as qml
    >>> observable_of(qml.expval(qml.QuadX(1)))
    ('QuadX', Wires([1]), [])
    """
    obs = getattr(m.measured_obs, "op", m.measured_obs)
    if isinstance(obs, cv.CVObservable):
        return obs.name, obs.wires, [getval(p) for p in obs.parameters]
    if isinstance(getattr(obs, "terms", None), dict) and set(obs.terms) == {()}:
        return "Identity", obs.wires, []
    raise DeviceError(f"Observable {obs!r} not supported on device default.gaussian: measure a "
                      "CV observable (qml.QuadX, qml.NumberOperator, qml.PolyXP, ...)")


devices.register_device_class(DefaultGaussian)


# ---------------------------------------------------------------------------- QNodes on it
class _CVTape(Tape):
    """The recording of a CV circuit: CV operations and measurements are kept."""

    cv = True


def _flat_measurements(result):
    if isinstance(result, MeasurementProcess):
        return [result], lambda values: values[0]
    if isinstance(result, (list, tuple)) and all(isinstance(r, MeasurementProcess)
                                                  for r in result):
        kind = type(result)
        return list(result), lambda values: kind(values)
    raise QuantumFunctionError("a CV circuit function must return measurements (qml.expval, "
                               "qml.var, qml.sample of CV observables), or a tuple of them")


def record(func, args, kwargs, shots=None):
    """``(tape, rebuild)``: the CV circuit ``func(*args, **kwargs)`` recorded as a tape (its
    parameters as given: autograd boxes kept) and the function that shapes the tape's
    results as the circuit returned its measurements.

    >>> import qsym as qml
    >>> def f(x):
    ...     qml.Rotation(x, wires=0)
    ...     return qml.expval(qml.QuadX(0))
    >>> record(f, (0.1,), {})[0].operations
    [Rotation(0.1, wires=[0])]
    """
    tape = _CVTape()
    with recording(tape):
        result = func(*args, **kwargs)
    ms, rebuild = _flat_measurements(result)
    ops = [op for op in tape.items
           if not isinstance(op, MeasurementProcess) and op not in ms and
           not any(getattr(m.measured_obs, "op", None) is op for m in ms)]
    return QuantumScript(_expanded(ops), ms, shots=shots), rebuild


def _expanded(ops) -> list:
    """``ops`` with each CV template (``qml.Interferometer``, ...) replaced by its gates."""
    out = []
    for op in ops:
        out.extend(_expanded(op.decomposition()) if getattr(op, "is_template", False) else [op])
    return out


def _trainable(tape):
    return [i for i, d in enumerate(tape.data) if isinstance(d, Box)]


def run_qnode(node, args, kwargs):
    """A QNode's call on ``default.gaussian``: the circuit recorded (:func:`record`) and
    run on the device; under autograd its trainable parameters differentiated by the
    QNode's method (:func:`param_shift_cv` for ``"best"`` and ``"parameter-shift"``, finite
    differences for ``"finite-diff"``)."""
    if node.pipeline or getattr(node.device, "applied_transforms", None):
        raise QuantumFunctionError(
            "transforms of a QNode on default.gaussian are not supported by qsym (its circuit "
            "would run untransformed): call the QNode itself, or transform a tape with "
            "qml.tape.QuantumScript and run it with dev.execute")
    shots = node.configured_shots()
    if getattr(shots, "has_partitioned_shots", False):
        warnings.warn("Specifying a list of shots is only supported for QubitDevice based "
                      "devices. Falling back to executions using all shots in the shot list.",
                      UserWarning)
    total = getattr(shots, "total_shots", shots)
    tape, rebuild = record(node.func, args, kwargs, shots=total)
    if getattr(node, "defers_measurements", None) and any(
            isinstance(op, mcm.MidMeasure) for op in tape.operations):
        mcm.check_deferrable(tape)  # qml.defer_measurements(qnode): PennyLane's refusal
    device = node.device
    trainable = _trainable(tape)
    if not trainable or node.resolved_method is None:
        plain = tape.bind_new_parameters([getval(d) for d in tape.data],
                                         list(range(len(tape.data))))
        return _shape(rebuild, device.execute((plain,))[0], tape)
    method = _gradient_of(node)
    if method[0] == "param_shift_cv":
        _check_tape(tape)
    boxes = [tape.data[i] for i in trainable]
    if any(np.ndim(getval(b)) for b in boxes):
        raise DifferentiationError("default.gaussian differentiates scalar gate parameters; "
                                   "pass array arguments element by element")
    plain = tape.bind_new_parameters([getval(d) for d in tape.data],
                                     list(range(len(tape.data))))
    plain.trainable_params = trainable
    return _shape(rebuild, _execute(anp.stack([anp.real(b) for b in boxes]), plain, device,
                                    method), tape)


def _shape(rebuild, value, tape):
    return rebuild([value]) if len(tape.measurements) == 1 else value


_FORCED: dict = {}  # id(QNode) -> the gradient its calls use now (qnode_jacobian)


@contextlib.contextmanager
def _forced(node, method):
    _FORCED[id(node)] = method
    try:
        yield
    finally:
        del _FORCED[id(node)]


def _gradient_of(node):
    if id(node) in _FORCED:
        return _FORCED[id(node)]
    method = node.resolved_method
    name = getattr(method, "qsym_diff_method", method)
    keywords = dict(node.resolved_kwargs or {})
    if name in ("best", "parameter-shift") or method is param_shift_cv:
        return ("param_shift_cv", keywords)
    if name == "finite-diff":
        return ("finite_diff", keywords)
    raise QuantumFunctionError(
        f"Device default.gaussian does not support {name} (qsym: differentiate a CV circuit "
        "with diff_method='parameter-shift', 'best' or 'finite-diff')")


@primitive
def _execute(params, tape, device, method):
    bound = tape.bind_new_parameters([float(p) for p in params], tape.trainable_params)
    return device.execute((bound,))[0]


def _execute_vjp(ans, params, tape, device, method):
    bound = tape.bind_new_parameters([float(p) for p in params], tape.trainable_params)
    name, keywords = method
    tapes, fn = _GRADIENT[name](bound, device, **keywords)
    jac = fn(device.execute(tuple(tapes)))
    parts = jac if isinstance(jac, tuple) else (jac,)
    jac = np.array([np.asarray(j, dtype=float) for j in parts]).reshape(len(params))
    return lambda g: np.asarray(g, dtype=float) * jac


defvjp(_execute, _execute_vjp)


# ----------------------------------------------------------------- the CV parameter shift
class _IdentityObservable:
    """The identity measured in a CV circuit: first order, ``(I, x, p) -> I``."""

    ev_order, supports_heisenberg, parameters = 1, True, []

    def __init__(self, wires):
        self.wires = Wires(wires)

    @staticmethod
    def _heisenberg_rep(p):
        return np.array([1.0, 0.0, 0.0])

    def heisenberg_obs(self, wires):
        out = np.zeros(1 + 2 * len(wires))
        out[0] = 1.0
        return out


def _observable(m):
    """The CV observable a measurement measures (the identity as first order), or None."""
    obs = getattr(m.measured_obs, "op", m.measured_obs)
    if isinstance(obs, cv.CVObservable):
        return obs
    if isinstance(getattr(obs, "terms", None), dict) and set(obs.terms) == {()}:
        return _IdentityObservable(m.wires)
    return None


def _light_cone(tape, op_idx, m):
    """``(between, later)``: the operations on a path from operation ``op_idx`` to
    measurement ``m`` (the operation included; empty if ``m`` does not depend on it), and
    the operations after it that depend on it (PennyLane's ``nodes_between`` and
    ``descendants`` of the circuit graph)."""
    ops = tape.operations
    reach, later = set(ops[op_idx].wires), []
    for op in ops[op_idx + 1:]:
        if reach & set(op.wires):
            later.append(op)
            reach |= set(op.wires)
    m_wires = set(m.wires) if len(m.wires) else reach
    if not reach & m_wires:
        return [], later
    back, ancestors = set(m_wires), set()
    for op in reversed(ops[op_idx:]):
        if back & set(op.wires):
            ancestors.add(id(op))
            back |= set(op.wires)
    between = [op for op in [ops[op_idx], *later] if id(op) in ancestors]
    return between, later


def grad_method_cv(tape, idx):
    """The CV parameter-shift method of the tape's parameter ``idx`` (PennyLane's
    ``_grad_method_cv``): ``"A"`` (first-order shift), ``"A2"`` (second-order, through
    the Heisenberg picture), ``"F"`` (finite differences), ``"0"`` (no measurement
    depends on it) or None (not differentiable).

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Rotation(0.5, wires=0)], [qml.expval(qml.NumberOperator(0))])
    >>> grad_method_cv(t, 0)
    'A2'
    """
    info = tape.par_info[idx]
    op = info["op"]
    if op.grad_method in (None, "F"):
        return op.grad_method
    if op.grad_method != "A":
        raise ValueError(f"Operation {op} has unknown gradient method {op.grad_method}")
    best = []
    for m in tape.measurements:
        order = getattr(_observable(m), "ev_order", None)
        if m.kind == "probs" or order not in (1, 2):
            best.append("F")
            continue
        between, _ = _light_cone(tape, info["op_idx"], m)
        if not between:
            best.append("0")
        elif any(not o.supports_heisenberg for o in between):
            best.append("F")
        elif order == 2:
            best.append("A2" if m.kind == "expval" else "F")
        else:
            best.append("A")
    if all(b == "0" for b in best):
        return "0"
    return next((b for b in ("F", "A2") if b in best), "A")


def _recipe(tape, idx, shifts=None, recipe=None):
    """The shift recipe ``[(c, a, s), ...]`` of the tape's parameter ``idx``."""
    if recipe is not None:
        return [tuple(r) for r in recipe]
    if shifts is not None:
        s = float(np.ravel(shifts)[0])
        return [(0.5 / math.sin(s), 1, s), (-0.5 / math.sin(s), 1, -s)]
    info = tape.par_info[idx]
    rules = info["op"].grad_recipe
    rule = None if rules is None else rules[info["p_idx"]]
    return list(rule or cv.TWO_TERM)


def _with_param(tape, idx, value):
    params = list(tape.data)
    params[idx] = value
    return tape.bind_new_parameters(params, list(range(len(params))))


def _first_order(tape, idx, shifts=None, recipe=None):
    terms = _recipe(tape, idx, shifts, recipe)
    p = tape.data[idx]
    tapes = [_with_param(tape, idx, a * p + s) for _, a, s in terms]
    return tapes, lambda r: sum(c * np.asarray(x) for (c, _, _), x in zip(terms, r))


def _heisenberg_derivative(tape, idx, wires, shifts=None, recipe=None):
    """``Z``: the derivative of the circuit's Heisenberg map by parameter ``idx``, as
    ``dW = Z W`` (``B (dM M^-1) B^-1``, ``B`` the later gates on its light cone)."""
    terms = _recipe(tape, idx, shifts, recipe)
    info = tape.par_info[idx]
    op = info["op"]
    if len(terms) != 2:
        raise NotImplementedError("Taking the analytic gradient for order-2 operators is "
                                  f"unsupported for operation {op} which has a gradient "
                                  "recipe of more than two terms.")
    params = list(op.parameters)
    d_m = 0
    for c, a, s in terms:
        shifted = list(params)
        shifted[info["p_idx"]] = a * params[info["p_idx"]] + s
        d_m = d_m + c * op.remake(shifted).heisenberg_tr(wires)
    z = d_m @ op.heisenberg_tr(wires, inverse=True)
    _, later = _light_cone(tape, info["op_idx"], tape.measurements[0])
    b = b_inv = np.eye(1 + 2 * len(wires))
    for g in later:
        if g.supports_heisenberg:
            b, b_inv = g.heisenberg_tr(wires) @ b, b_inv @ g.heisenberg_tr(wires, inverse=True)
    return b @ z @ b_inv


def transform_observable(obs, Z, device_wires):
    """The observable ``obs`` (first or second order) after the Gaussian map ``Z`` (its
    Heisenberg matrix on ``device_wires``): a :class:`~qsym.ops.cv.PolyXP`.

    >>> import qsym as qml
    >>> transform_observable(qml.QuadX(0), np.diag([1.0, 2.0, 1.0]), Wires([0])).data[0]
    array([0., 2., 0.])
    """
    if obs.ev_order is None or obs.ev_order > 2:
        raise NotImplementedError("Transforming observables of order > 2 not implemented.")
    a = obs.heisenberg_obs(device_wires)
    if a.ndim != obs.ev_order:
        raise ValueError("Mismatch between the polynomial order of observable and its "
                         "Heisenberg representation")
    a = a @ Z
    return cv.PolyXP(a + a.T if a.ndim == 2 else a, wires=device_wires)


def _second_order(tape, idx, wires, shifts=None, recipe=None):
    obs = _observable(tape.measurements[0])
    new = _transform_observable(obs, _heisenberg_derivative(tape, idx, wires, shifts, recipe),
                                wires)
    a = np.asarray(new.data[0])
    if np.count_nonzero(a) == 1 and np.ravel(a)[0] != 0:  # a constant: no circuit to run
        constant = float(np.ravel(a)[0])
        return [], lambda r: constant
    return ([QuantumScript(tape.operations, [expval(new)], shots=tape.shots)],
            lambda r: np.asarray(r[0]))


def _each(tape, argnum, one, shifts, gradient_recipes):
    """``(tapes, fn)`` of the rule ``one(tape, idx, shifts, recipe)`` for each position of
    ``argnum`` among the trainable parameters; ``fn`` gives the Jacobian (zero elsewhere)."""
    trainable = list(tape.trainable_params)
    argnum = list(range(len(trainable))) if argnum is None else list(argnum)
    recipes = gradient_recipes or [None] * len(argnum)
    tapes, parts = [], []
    for pos, k in enumerate(argnum):
        ts, fn = one(tape, trainable[k], None if shifts is None else shifts[pos], recipes[pos])
        tapes.extend(ts)
        parts.append((k, fn, len(ts)))
    return tapes, _shift_combiner(parts, len(trainable))


def expval_param_shift_cv(tape, argnum=None, shifts=None, gradient_recipes=None, f0=None):
    """The first-order CV shift rule (each gate's ``grad_recipe``) of the positions
    ``argnum`` among the trainable parameters: ``(tapes, fn)``.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Displacement(0.5, 0.0, wires=0)], [qml.expval(qml.QuadX(0))])
    >>> tapes, fn = expval_param_shift_cv(t, [0])
    >>> [round(float(g), 10) for g in fn(qml.device("default.gaussian", wires=1).execute(tapes))]
    [2.0, 0.0]
    """
    return _each(tape, argnum, lambda t, i, sh, rc: _first_order(t, i, sh, rc), shifts,
                 gradient_recipes)


def second_order_param_shift(tape, dev_wires, argnum=None, shifts=None, gradient_recipes=None):
    """The second-order CV shift rule (PennyLane's ``second_order_param_shift``): for each
    position of ``argnum``, the measured observable moved through the derivative of the
    circuit's Heisenberg map, measured as a :class:`~qsym.ops.cv.PolyXP` on ``dev_wires``
    (a constant needs no circuit): ``(tapes, fn)``.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Rotation(0.0, wires=0)], [qml.expval(qml.QuadX(0))])
    >>> tapes, fn = second_order_param_shift(t, Wires([0]))
    >>> round(float(fn(qml.device("default.gaussian", wires=1).execute(tapes))), 10) + 0.0
    0.0
    """
    dev_wires = Wires(dev_wires)
    return _each(tape, argnum, lambda t, i, sh, rc: _second_order(t, i, dev_wires, sh, rc),
                 shifts, gradient_recipes)


def var_param_shift(tape, dev_wires, argnum=None, shifts=None, gradient_recipes=None, f0=None):
    """The CV shift rule of a variance of a first-order observable ``A`` (PennyLane's
    ``var_param_shift``): ``d var = d<A^2> - 2 <A> d<A>``, ``d<A>`` by the first-order rule
    and ``d<A^2>`` by the second-order one (``A^2`` a :class:`~qsym.ops.cv.PolyXP`).

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Displacement(0.5, 0.0, wires=0)], [qml.var(qml.QuadX(0))])
    >>> tapes, fn = var_param_shift(t, Wires([0]))
    >>> [round(float(g), 8) + 0.0 for g in fn(qml.device("default.gaussian", wires=1).execute(tapes))]
    [0.0, 0.0]
    """
    dev_wires = Wires(dev_wires)
    m = tape.measurements[0]
    obs = _observable(m)
    if m.kind != "var":
        return _each(tape, argnum, lambda t, i, sh, rc: _first_order(t, i, sh, rc), shifts,
                     gradient_recipes)
    mean = QuantumScript(tape.operations, [expval(obs)], shots=tape.shots)
    a = obs._heisenberg_rep(obs.parameters)
    square = QuantumScript(tape.operations, [expval(cv.PolyXP(np.outer(a, a), wires=obs.wires))],
                           shots=tape.shots)
    mean.trainable_params = square.trainable_params = list(tape.trainable_params)
    d_tapes, d_fn = expval_param_shift_cv(mean, argnum, shifts, gradient_recipes)
    sq_tapes, sq_fn = second_order_param_shift(square, dev_wires, argnum, shifts,
                                               gradient_recipes)
    k = len(d_tapes)

    def fn(results):
        f0, d, d2 = np.asarray(results[0]), d_fn(results[1:k + 1]), sq_fn(results[k + 1:])
        if isinstance(d, tuple):
            return tuple(b - 2 * f0 * a for a, b in zip(d, d2))
        return d2 - 2 * f0 * d
    return [mean, *d_tapes, *sq_tapes], fn


def cv_finite_diff(tape, dev=None, argnum=None, h=1e-7, approx_order=1, strategy="forward",
                   **_):
    """Forward (``approx_order=1``) or central (2) differences of a CV tape's trainable
    parameters (``argnum``: positions among them): ``(tapes, fn)``.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Displacement(0.5, 0.0, wires=0)], [qml.expval(qml.QuadX(0))])
    >>> tapes, fn = cv_finite_diff(t, h=1e-6, approx_order=2)
    >>> [round(float(g), 6) + 0.0 for g in fn(qml.device("default.gaussian", wires=1).execute(tapes))]
    [2.0, 0.0]
    """
    trainable = list(tape.trainable_params)
    which = range(len(trainable)) if argnum is None else np.atleast_1d(argnum)
    tapes, fns = [], []
    for k in which:
        idx, p = trainable[k], tape.data[trainable[k]]
        steps = [(-0.5 / h, -h), (0.5 / h, h)] if approx_order == 2 or strategy == "center" \
            else [(-1 / h, 0.0), (1 / h, h)]
        tapes.extend(_with_param(tape, idx, p + s) for _, s in steps)
        fns.append((k, lambda r, steps=steps: sum(c * np.asarray(x)
                                                  for (c, _), x in zip(steps, r)), 2))
    return tapes, _shift_combiner(fns, len(trainable))


NO_TRAINABLE = ("Attempted to compute the gradient of a tape with no trainable parameters. If "
                "this is unintended, please mark trainable parameters in accordance with the "
                "chosen auto differentiation framework, or via the 'tape.trainable_params' "
                "property.")


def _methods(tape, which, fallback):
    methods = _find_gradient_methods_cv(tape, which)
    trainable = list(tape.trainable_params)
    none = [trainable[k] for k, m in methods.items() if m is None]
    if none:
        raise ValueError(f"Cannot differentiate with respect to parameter(s) {none}")
    numeric = [trainable[k] for k, m in methods.items() if m == "F"]
    if fallback is None and numeric:
        raise ValueError(f"The analytic gradient method cannot be used with the parameter(s) "
                         f"{numeric}.")
    return methods


def _check_tape(tape):
    if len(tape.measurements) > 1:
        raise ValueError("Computing the gradient of CV circuits that return more than one "
                         "measurement is not possible.")
    if any(m.kind in ("state", "density_matrix") for m in tape.measurements):
        raise ValueError("Computing the gradient of circuits that return the state is not "
                         "supported.")


def param_shift_cv(tape, dev=None, argnum=None, shifts=None, gradient_recipes=None,
                   fallback_fn=cv_finite_diff, f0=None, force_order2=False):
    """PennyLane's ``qml.gradients.param_shift_cv``: the CV parameter-shift rule of a tape
    with one expectation value or variance on ``dev``: ``(tapes, fn)``, ``fn`` of the
    tapes' results the Jacobian (one number per trainable parameter). First-order
    observables shift the gate (:func:`expval_param_shift_cv`); second-order ones (and all,
    with ``force_order2``) measure the observable moved through the derivative of the
    circuit's Heisenberg map (:func:`second_order_param_shift`); variances of first-order
    observables :func:`var_param_shift`; parameters none of these applies to (a
    non-Gaussian gate after them, a variance of a second-order observable, a Fock
    projector) go to ``fallback_fn`` (finite differences; None: refused). On a QNode: the
    function of its arguments that returns the Jacobian.

    >>> import qsym as qml
    >>> dev = qml.device("default.gaussian", wires=1)
    >>> t = QuantumScript([qml.Squeezing(0.3, 0.0, wires=0)], [qml.expval(qml.NumberOperator(0))])
    >>> tapes, fn = param_shift_cv(t, dev)
    >>> [round(float(g), 10) for g in fn(dev.execute(tapes))]   # d sinh(r)^2 / dr, d / dphi
    [0.6366535821, 0.0]
    """
    if hasattr(tape, "func") and hasattr(tape, "device"):
        return qnode_jacobian(tape, ("param_shift_cv", dict(
            argnum=argnum, shifts=shifts, gradient_recipes=gradient_recipes,
            fallback_fn=fallback_fn, force_order2=force_order2)))
    _check_tape(tape)
    trainable = list(tape.trainable_params)
    which = list(range(len(trainable))) if argnum is None else [int(k) for k in np.atleast_1d(argnum)]
    methods = _methods(tape, which, fallback_fn)
    if argnum is None and not trainable:
        warnings.warn(NO_TRAINABLE)
        return [], lambda _: np.zeros((0,))
    if all(m == "0" for m in methods.values()):
        return [], lambda _: np.zeros([1, len(trainable)])
    wires = dev.wires if dev is not None and dev.wires is not None else tape.wires
    var = any(m.kind == "var" for m in tape.measurements)
    numeric = [k for k, m in methods.items() if m == "F"]
    first = [k for k, m in methods.items() if m == "A"]
    second = [k for k, m in methods.items() if m == "A2"]
    if force_order2:
        first, second = [], second + first
    if dev is not None and "PolyXP" not in dev.observables and (second or var):
        warnings.warn(f"The device {dev.short_name} does not support the PolyXP observable. "
                      "The analytic parameter-shift cannot be used for second-order "
                      "observables; falling back to finite-differences.", UserWarning)
        numeric, first, second = numeric + (first if var else []) + second, \
            ([] if var else first), []
    pieces = []
    if numeric:
        pieces.append(fallback_fn(tape, argnum=numeric))
    analytic = first + second
    if analytic:
        recipes = gradient_recipes or [None] * len(analytic)
        pick = {k: (None if shifts is None else shifts[i], recipes[i])
                for i, k in enumerate(analytic)}

        def part(ks):
            return [pick[k][0] for k in ks] if shifts is not None else None, \
                [pick[k][1] for k in ks]
        if var:
            pieces.append(var_param_shift(tape, wires, analytic, *part(analytic)))
        else:
            if first:
                pieces.append(expval_param_shift_cv(tape, first, *part(first)))
            if second:
                pieces.append(second_order_param_shift(tape, wires, second, *part(second)))
    return _sum_pieces(pieces, len(trainable))


def _sum_pieces(pieces, n):
    tapes = [t for ts, _ in pieces for t in ts]
    counts = [len(ts) for ts, _ in pieces]

    def fn(results):
        total, start = np.zeros(n), 0
        for (_, f), count in zip(pieces, counts):
            value = f(results[start:start + count])
            start += count
            total = total + np.ravel(np.asarray(value if not isinstance(value, tuple)
                                                else [np.asarray(v) for v in value], float))
        return np.float64(total[0]) if n == 1 else tuple(np.float64(v) for v in total)
    return tapes, fn


def _shift_combiner(parts, n):
    def fn(results):
        out, start = [np.float64(0.0)] * n, 0
        for k, f, count in parts:
            out[k] = out[k] + np.float64(f(results[start:start + count]))
            start += count
        return out[0] if n == 1 else tuple(out)
    return fn


_GRADIENT = {"param_shift_cv": param_shift_cv, "finite_diff": cv_finite_diff}


def qnode_jacobian(node, method):
    """The Jacobian function of a QNode on ``default.gaussian`` by ``method`` (``(name,
    keywords)``): its arguments' derivatives (each positional argument, or those of
    ``argnum``), by autograd through the circuit's tape."""
    from autograd import jacobian
    keywords = {k: v for k, v in method[1].items() if k != "argnum"}
    argnum = method[1].get("argnum")

    def fn(*args, **kwargs):
        positions = ([i for i, a in enumerate(args) if getattr(a, "requires_grad", False)]
                     if argnum is None else list(np.atleast_1d(argnum)))
        if not positions:
            raise QuantumFunctionError("No trainable parameters. (qsym: pass the arguments "
                                       "to differentiate as qml.numpy arrays)")

        def call(*xs):
            full = list(args)
            for p, x in zip(positions, xs):
                full[p] = x
            with _forced(node, (method[0], keywords)):
                return node(*full, **kwargs)
        xs = [anp.asarray(args[p], dtype=float) for p in positions]
        out = tuple(jacobian(call, k)(*xs) for k in range(len(positions)))
        return out[0] if len(out) == 1 else out
    return fn


def find_gradient_methods_cv(tape, trainable_param_indices):  # noqa: D401
    """``{position: method}`` of :func:`grad_method_cv` for positions among the trainable
    parameters (PennyLane's ``_find_gradient_methods_cv``).

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Rotation(0.5, wires=0)], [qml.expval(qml.QuadX(0))])
    >>> find_gradient_methods_cv(t, [0])
    {0: 'A'}
    """
    return {k: _grad_method_cv(tape, tape.trainable_params[k]) for k in trainable_param_indices}


# PennyLane's private names of pennylane.gradients.parameter_shift_cv, which its tests import
_grad_method_cv, _find_gradient_methods_cv = grad_method_cv, find_gradient_methods_cv
_transform_observable = transform_observable


def is_cv(obj) -> bool:
    """Whether ``obj`` is a CV circuit: a QNode on ``default.gaussian`` or a tape with CV
    operations or observables (qml.gradients' transforms send those here).

    >>> import qsym as qml
    >>> is_cv(QuantumScript([qml.Rotation(0.1, wires=0)], [])), is_cv(QuantumScript([], []))
    (True, False)
    """
    if hasattr(obj, "func") and hasattr(obj, "device"):
        return getattr(obj.device, "run_qnode", None) is not None
    if isinstance(obj, QuantumScript):
        return any(isinstance(op, cv.CVOperator) for op in obj.operations) or any(
            isinstance(getattr(m.measured_obs, "op", None), cv.CVOperator) for m in obj.measurements)
    return False


def cv_finite_diff_transform(obj, argnum=None, h=1e-7, approx_order=1, strategy="forward"):
    """``qml.gradients.finite_diff`` of a CV circuit (:func:`is_cv`): on a tape
    :func:`cv_finite_diff`'s ``(tapes, fn)``, on a QNode its Jacobian function.

    >>> import qsym as qml
    >>> t = QuantumScript([qml.Rotation(0.1, wires=0)], [qml.expval(qml.QuadX(0))])
    >>> len(cv_finite_diff_transform(t)[0])
    2
    """
    keywords = dict(h=h, approx_order=approx_order, strategy=strategy)
    if isinstance(obj, QuantumScript):
        return cv_finite_diff(obj, argnum=argnum, **keywords)
    return qnode_jacobian(obj, ("finite_diff", dict(keywords, argnum=argnum)))
