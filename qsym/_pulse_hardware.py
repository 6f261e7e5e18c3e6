"""PennyLane's hardware pulse Hamiltonians (``qml.pulse.drive``, ``rydberg_interaction``,
``rydberg_drive``, ``transmon_interaction``, ``transmon_drive``) and the coefficient
functions ``qml.pulse.rect``, ``pwc`` and ``pwc_from_function``.

A hardware Hamiltonian is a :class:`~qsym._pulse.ParametrizedHamiltonian` that also keeps
the physical description (its pulses and the device settings) and a function that spreads
the user's parameters over its terms: a drive with a trainable amplitude has one parameter
but two terms (its ``X`` and ``Y`` parts), so calling it with ``[p]`` gives both terms
``p``. Its evolution's matrix is computed as any parametrized Hamiltonian's
(:class:`~qsym._pulse.ParametrizedEvolution`); qsym's circuits do not simulate pulses.

PennyLane's ``rect``, ``pwc`` and ``pwc_from_function`` require JAX; qsym's are NumPy
functions with the same values (qsym does not run under JAX).

>>> import numpy as np
>>> import qsym as qml
>>> H = qml.pulse.drive(amplitude=lambda p, t: p * t, phase=0.0, wires=[0])
>>> H
HardwareHamiltonian: terms=2
>>> np.round(qml.matrix(H([1.0], 0.5)), 6)  # 2 pi * 0.5 * (X / 2)
array([[0.      +0.j, 1.570796+0.j],
       [1.570796+0.j, 0.      +0.j]])
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._operations import Identity, LinearCombination, PauliX, PauliY, PauliZ, Projector
from ._opmath import prod, s_prod
from ._pulse import ParametrizedHamiltonian, addend_terms, in_place_of
from ._trace import not_recording
from .wires import Wires

__all__ = ["HardwareHamiltonian", "HardwarePulse", "AmplitudeAndPhase",
           "AmplitudeAndPhaseAndFreq", "amplitude_and_phase", "drive", "rydberg_interaction",
           "rydberg_drive", "RydbergSettings", "transmon_interaction", "transmon_drive",
           "TransmonSettings", "callable_freq_to_angular", "a", "ad", "rect", "pwc",
           "pwc_from_function"]

_TWO_PI = 2 * np.pi


# -- coefficient functions: hz_to_rads * amp(t) * trig(phase(t) + hz_to_rads * freq(t) * t) --

class _Modulated:
    """``hz_to_rads * amp * trig_fn(phase + hz_to_rads * freq * t)`` where any of amplitude,
    phase and frequency may be a function ``f(p, t)``; the callables' parameters come in
    that order. ``packed`` says how the parameters arrive: one value per callable in a
    sequence (True), or, with a single callable, the value itself (False)."""

    def __init__(self, trig_fn, amp, phase, freq, hz_to_rads, packed):
        self.amp_is_callable = callable(amp)
        self.phase_is_callable = callable(phase)
        self.freq_is_callable = callable(freq)
        parts = (amp, phase, freq)
        single = not packed and sum(map(callable, parts)) == 1

        def func(params, t):
            values, k = [], 0
            for part in parts:
                if callable(part):
                    values.append(part(params if single else params[k], t))
                    k += 1
                else:
                    values.append(part)
            amp_t, phase_t, freq_t = values
            return hz_to_rads * amp_t * trig_fn(phase_t + hz_to_rads * freq_t * t)

        # PennyLane's names of the function: which parts are callable
        names = [n for n, part in zip(("amp", "phase", "freq"), parts) if callable(part)]
        func.__name__ = "callable_" + "_and_".join(names) if names else "no_callable"
        self.func = func

    def __call__(self, params, t):
        return self.func(params, t)


class AmplitudeAndPhase(_Modulated):
    """PennyLane's drive coefficient ``hz_to_rads * amp(t) * trig_fn(phase(t))`` where the
    amplitude, the phase or both are functions ``f(p, t)`` (both: its parameter is the
    pair ``[p_amp, p_phase]``).

    >>> f = AmplitudeAndPhase(np.cos, lambda p, t: p * t, 0.0)
    >>> float(round(f(2.0, 0.25), 6))  # 2 pi * 0.5 * cos(0)
    3.141593
    """

    def __init__(self, trig_fn, amp, phase, hz_to_rads=_TWO_PI):
        super().__init__(trig_fn, amp, phase, 0.0, hz_to_rads, packed=False)


class AmplitudeAndPhaseAndFreq(_Modulated):
    """PennyLane's transmon drive coefficient
    ``hz_to_rads * amp(t) * trig_fn(phase(t) + hz_to_rads * freq(t) * t)``; its parameter
    is the list of the callables' parameters (amplitude, phase, frequency order).

    >>> f = AmplitudeAndPhaseAndFreq(np.sin, lambda p, t: p, 0.0, 0.25)
    >>> float(round(f([1.0], 1.0), 6))  # 2 pi * sin(2 pi * 0.25)
    6.283185
    """

    def __init__(self, trig_fn, amp, phase, freq, hz_to_rads=_TWO_PI):
        super().__init__(trig_fn, amp, phase, freq, hz_to_rads, packed=True)


def amplitude_and_phase(trig_fn, amp, phase, hz_to_rads=_TWO_PI):
    """The drive coefficient ``hz_to_rads * amp * trig_fn(phase)``: a number if neither is a
    function, else an :class:`AmplitudeAndPhase`.

    >>> float(round(amplitude_and_phase(np.cos, 0.5, 0.0), 6))
    3.141593
    """
    if not callable(amp) and not callable(phase):
        return hz_to_rads * amp * trig_fn(phase)
    return AmplitudeAndPhase(trig_fn, amp, phase, hz_to_rads=hz_to_rads)


def _reorder_parameters(params, coeffs_parametrized):
    """PennyLane's parameter spreading of :func:`drive`: an :class:`AmplitudeAndPhase` term
    pair takes one parameter (one callable) or the pair of the next two (both callable),
    given to both its terms; any other term takes the next parameter."""
    out, i, k = [], 0, 0
    while i < len(coeffs_parametrized):
        coeff = coeffs_parametrized[i]
        if isinstance(coeff, AmplitudeAndPhase):
            if coeff.amp_is_callable and coeff.phase_is_callable:
                value, k = [params[k], params[k + 1]], k + 2
            else:
                value, k = params[k], k + 1
            out += [value, value]
            i += 2
        else:
            out.append(params[k])
            i, k = i + 1, k + 1
    return out


def _reorder_AmpPhaseFreq(params, coeffs_parametrized):  # noqa: N802  (PennyLane's name)
    """PennyLane's parameter spreading of :func:`transmon_drive`: an
    :class:`AmplitudeAndPhaseAndFreq` term takes the list of the next parameters, one per
    callable; any other term takes the next parameter."""
    out, k = [], 0
    for coeff in coeffs_parametrized:
        if isinstance(coeff, AmplitudeAndPhaseAndFreq):
            n = coeff.amp_is_callable + coeff.phase_is_callable + coeff.freq_is_callable
            out.append(params[k:k + n])
            k += n
        else:
            out.append(params[k])
            k += 1
    return out


# -- the Hamiltonian and its records ------------------------------------------------------

@dataclass
class HardwarePulse:
    """One drive field: amplitude, phase, frequency (a transmon's drive frequency, an
    atom's detuning), numbers or functions ``f(p, t)``, and the wires it acts on.

    >>> HardwarePulse(1.0, 0.0, 0.5, [0, 1]).wires
    Wires([0, 1])
    """

    amplitude: float | Callable
    phase: float | Callable
    frequency: float | Callable
    wires: list

    def __post_init__(self):
        self.wires = Wires(self.wires)

    def __eq__(self, other):
        return (self.amplitude == other.amplitude and self.phase == other.phase
                and self.frequency == other.frequency and self.wires == other.wires)


class HardwareHamiltonian(ParametrizedHamiltonian):
    """PennyLane's ``qml.pulse.HardwareHamiltonian``: a parametrized Hamiltonian with the
    pulses and device settings it was made from, and ``reorder_fn`` spreading the call's
    parameters over its terms. Made by :func:`drive`, :func:`rydberg_interaction`, ...;
    adding two combines their pulses and settings (their ``reorder_fn`` must agree).

    >>> H = rydberg_drive(0.5, 0.0, 1.0, wires=[0]) + drive(lambda p, t: p, 0.0, wires=[1])
    >>> H, len(H.pulses), len(H.coeffs_parametrized)
    (HardwareHamiltonian: terms=5, 1, 2)
    """

    def __init__(self, coeffs, observables, reorder_fn: Callable = _reorder_parameters,
                 pulses: list | None = None, settings=None):
        self.settings = settings
        self.pulses = [] if pulses is None else pulses
        self.reorder_fn = reorder_fn
        super().__init__(coeffs, observables)

    def __call__(self, params, t):
        return super().__call__(self.reorder_fn(params, self.coeffs_parametrized), t)

    def term_parameters(self, params) -> list:
        """The parameter of each parametrized term (``reorder_fn`` applied)."""
        return self.reorder_fn(params, self.coeffs_parametrized)

    def __repr__(self):
        return f"HardwareHamiltonian: terms={len(self.coeffs)}"

    def _like(self, coeffs, ops, settings=None, pulses=None):
        return HardwareHamiltonian(coeffs, ops, reorder_fn=self.reorder_fn,
                                   settings=self.settings if settings is None else settings,
                                   pulses=self.pulses if pulses is None else pulses)

    def __add__(self, other):
        if isinstance(other, HardwareHamiltonian):
            if self.reorder_fn != other.reorder_fn:
                raise ValueError(
                    "Cannot add two HardwareHamiltonians with different reorder functions. "
                    f"Received reorder_fns {self.reorder_fn} and {other.reorder_fn}. This is "
                    "likely due to an attempt to add hardware compatible Hamiltonians for "
                    "different target systems.")
            settings = (None if self.settings is None and other.settings is None
                        else self.settings + other.settings)
            new = HardwareHamiltonian(self.coeffs + other.coeffs, self.ops + other.ops,
                                      reorder_fn=self.reorder_fn, settings=settings,
                                      pulses=self.pulses + other.pulses)
            return in_place_of(new, (self, other))
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            if other == 0:
                return in_place_of(self._like(self.coeffs, self.ops), (self,))
            with not_recording():
                one = Identity(self.wires[0])
            return in_place_of(self._like(self.coeffs + [other], self.ops + [one]), (self,))
        terms = addend_terms(other)
        if terms is None:
            return NotImplemented
        return in_place_of(self._like(self.coeffs + terms[0], self.ops + terms[1]),
                           (self, other))

    def __radd__(self, other):
        if isinstance(other, ParametrizedHamiltonian):  # its terms first (PennyLane's)
            new = self._like(other.coeffs + self.coeffs, other.ops + self.ops)
            return in_place_of(new, (other, self))
        return self.__add__(other)


def drive(amplitude, phase, wires):
    """PennyLane's ``qml.pulse.drive``: a field of amplitude ``Ω`` and phase ``φ`` (numbers
    or functions ``f(p, t)``; frequencies in Hz, converted by ``2π``) on ``wires``:
    ``H = Ω/2 Σ_j (cos φ X_j − sin φ Y_j)``.

    >>> import qsym as qml
    >>> H = drive(1.0, np.pi / 2, wires=[0])
    >>> np.round(qml.matrix(H.H_fixed()), 6)  # -2 pi * sin(pi/2) * Y / 2
    array([[0.+0.j      , 0.+3.141593j],
           [0.-3.141593j, 0.+0.j      ]])
    """
    wires = Wires(wires)
    coeffs = [amplitude_and_phase(np.cos, amplitude, phase),
              amplitude_and_phase(np.sin, amplitude, phase)]
    with not_recording():
        observables = [LinearCombination([0.5] * len(wires), [PauliX(w) for w in wires]),
                       LinearCombination([-0.5] * len(wires), [PauliY(w) for w in wires])]
    return HardwareHamiltonian(coeffs, observables, _reorder_parameters)


# -- neutral atoms ----------------------------------------------------------------------

@dataclass
class RydbergSettings:
    """The atoms' positions (µm) and the van der Waals coefficient (MHz µm⁶) of a
    :func:`rydberg_interaction`; two interactions cannot be added.

    >>> RydbergSettings([[0, 0], [0, 5]], 862690).interaction_coeff
    862690
    """

    register: list
    interaction_coeff: float = 0.0

    def __eq__(self, other):
        return (_same(self.register, other.register)
                and self.interaction_coeff == other.interaction_coeff)

    def __add__(self, other):
        if other is not None:
            raise ValueError(
                "Cannot add two `HardwareHamiltonian` instances with an interaction term. "
                f"Obtained two instances with settings {self} and {other}. You most likely "
                "tried to add two terms generated by `qml.pulse.rydberg_interaction`")
        return self

    __radd__ = __add__


def rydberg_interaction(register: list, wires=None, interaction_coeff: float = 862690,
                        max_distance: float = np.inf):
    """PennyLane's ``qml.pulse.rydberg_interaction``: ``Σ_{k<l} V_kl n_k n_l`` with
    ``V_kl = 2π C6 / R_kl⁶`` for atoms at ``register`` (µm) on ``wires`` (default
    ``0..n-1``); pairs farther than ``max_distance`` are left out.

    >>> H = rydberg_interaction([[0, 0], [0, 10]], interaction_coeff=1e6)
    >>> float(round(H.coeffs[0], 6))  # 2 pi * 1e6 / 10**6
    6.283185
    """
    if wires is None:
        wires = list(range(len(register)))
    elif len(wires) != len(register):
        raise ValueError("The length of the wires and the register must match.")
    coeffs, observables = [], []
    for i, (pos1, w1) in enumerate(zip(register[:-1], wires[:-1])):
        for pos2, w2 in zip(register[i + 1:], wires[i + 1:]):
            distance = np.linalg.norm(np.asarray(pos2, dtype=float) - np.asarray(pos1))
            if distance > max_distance:
                continue
            coeffs.append(_TWO_PI * interaction_coeff / abs(distance) ** 6)
            with not_recording():
                observables.append(prod(Projector([1], w1), Projector([1], w2)))
    return HardwareHamiltonian(coeffs, observables, settings=RydbergSettings(
        register, interaction_coeff), reorder_fn=_reorder_parameters)


def rydberg_drive(amplitude, phase, detuning, wires):
    """PennyLane's ``qml.pulse.rydberg_drive``: :func:`drive` plus the detuning term
    ``−2π Δ Σ_j n_j`` (``n = (I − Z)/2``); one :class:`HardwarePulse`.

    >>> import qsym as qml
    >>> H = rydberg_drive(0.0, 0.0, 1.0, wires=[0])
    >>> np.round(np.real(np.diag(qml.matrix(H.H_fixed()))), 6)  # -2 pi |1><1|
    array([ 0.      , -6.283185])
    """
    wires = Wires(wires)
    trivial_detuning = not callable(detuning) and np.isclose(detuning, 0.0)
    if not callable(amplitude) and np.isclose(amplitude, 0.0):
        if trivial_detuning:
            raise ValueError(
                "Expected non-zero value for at least one of either amplitude or detuning, but "
                f"received amplitude={amplitude} and detuning={detuning}. All terms are zero.")
        amplitude_term = HardwareHamiltonian([], [])
    else:
        amplitude_term = drive(amplitude, phase, wires)
    detuning_coeffs, detuning_obs = [], []
    if not trivial_detuning:
        with not_recording():
            detuning_obs.append(-0.5 * sum(Identity(w) for w in wires) * np.pi * 2
                                + 0.5 * sum(PauliZ(w) for w in wires) * np.pi * 2)
        detuning_coeffs.append(detuning)
    term = amplitude_term + HardwareHamiltonian(detuning_coeffs, detuning_obs)
    term.pulses = [HardwarePulse(amplitude, phase, detuning, wires)]
    return term


# -- superconducting transmons -------------------------------------------------------------

def a(wire, d=2):
    """The lowering operator ``(X + iY)/2 = |0⟩⟨1|`` of a qubit (``d=2``).

    >>> import qsym as qml
    >>> np.real(qml.matrix(a(0)))
    array([[0., 1.],
           [0., 0.]])
    """
    _qubits_only(d)
    return s_prod(0.5, PauliX(wire)) + s_prod(0.5j, PauliY(wire))


def ad(wire, d=2):
    """The raising operator ``(X − iY)/2 = |1⟩⟨0|`` of a qubit (``d=2``).

    >>> import qsym as qml
    >>> np.real(qml.matrix(ad(0)))
    array([[0., 0.],
           [1., 0.]])
    """
    _qubits_only(d)
    return s_prod(0.5, PauliX(wire)) + s_prod(-0.5j, PauliY(wire))


def _qubits_only(d):
    if d != 2:
        raise NotImplementedError(
            "Currently only supporting qubits. Qutrits and qudits are planned in the future.")


def callable_freq_to_angular(fn):
    """``2π fn(p, t)``: a frequency function in Hz as an angular one.

    >>> round(callable_freq_to_angular(lambda p, t: p)(1.0, 0.0), 6)
    6.283185
    """
    def angular_fn(p, t):
        return _TWO_PI * fn(p, t)
    return angular_fn


@dataclass
class TransmonSettings:
    """The connections, qubit frequencies, couplings and anharmonicities of a
    :func:`transmon_interaction`; adding two concatenates them.

    >>> TransmonSettings([[0, 1]], [5.0, 5.1], [0.1], [0.0, 0.0]).coupling
    [0.1]
    """

    connections: list
    qubit_freq: float | Callable
    coupling: list | Callable
    anharmonicity: float | Callable

    def __eq__(self, other):
        return all(_same(getattr(self, f), getattr(other, f)) for f in (
            "connections", "qubit_freq", "coupling", "anharmonicity"))

    def __add__(self, other):
        if other is None:
            return self
        return TransmonSettings(
            list(self.connections) + list(other.connections),
            list(self.qubit_freq) + list(other.qubit_freq),
            list(self.coupling) + list(other.coupling),
            anharmonicity=list(self.anharmonicity) + list(other.anharmonicity))

    __radd__ = __add__


def _same(x, y) -> bool:
    try:
        return bool(np.all(np.asarray(x) == np.asarray(y)))
    except ValueError:  # ragged or callables: compare element by element
        return list(x) == list(y)


def transmon_interaction(qubit_freq, connections: list, coupling, wires: list,
                         anharmonicity=None, d=2):
    """PennyLane's ``qml.pulse.transmon_interaction``:
    ``Σ_q ω_q a†_q a_q + Σ_(i,j) g_ij (a†_i a_j + a†_j a_i)`` with ``ω = 2π qubit_freq``,
    ``g = 2π coupling`` (numbers, or functions ``f(p, t)`` in Hz).

    >>> import qsym as qml
    >>> H = transmon_interaction(1.0, [[0, 1]], 0.5, wires=[0, 1])
    >>> np.round(np.real(np.diag(qml.matrix(H.H_fixed()))), 6)  # 2 pi (n_0 + n_1)
    array([ 0.      ,  6.283185,  6.283185, 12.566371])
    """
    _qubits_only(d)
    n_wires = len(wires)
    if not Wires(wires).contains_wires(Wires(np.unique(connections).tolist())):
        warnings.warn(f"Caution, wires and connections do not match. I.e., wires in "
                      f"connections {connections} are not contained in the wires {wires}")
    if anharmonicity is None:
        anharmonicity = [0.0] * n_wires
    if callable(qubit_freq) or np.ndim(qubit_freq) == 0:
        qubit_freq = [qubit_freq] * n_wires
    elif len(qubit_freq) != n_wires:
        raise ValueError(f"Number of qubit frequencies in {qubit_freq} does not match the "
                         f"provided wires = {wires}")
    if callable(coupling) or np.ndim(coupling) == 0:
        coupling = [coupling] * len(connections)
    if len(coupling) != len(connections):
        raise ValueError(f"Number of coupling terms {coupling} does not match the provided "
                         f"connections = {connections}")
    settings = TransmonSettings(connections, qubit_freq, coupling, anharmonicity=anharmonicity)
    angular = [callable_freq_to_angular(f) if callable(f) else _TWO_PI * f
               for f in list(qubit_freq) + list(coupling)]
    with not_recording():
        observables = [ad(i, d) @ a(i, d) for i in wires]
        observables += [ad(i, d) @ a(j, d) + ad(j, d) @ a(i, d) for (i, j) in connections]
    return HardwareHamiltonian(angular, observables, settings=settings,
                               reorder_fn=_reorder_AmpPhaseFreq)


def transmon_drive(amplitude, phase, freq, wires, d=2):
    """PennyLane's ``qml.pulse.transmon_drive``:
    ``Ω(t) sin(φ(t) + ν(t) t) Σ_j Y_j`` (``Ω = 2π amplitude``, ``ν = 2π freq``; each a
    number or a function ``f(p, t)``); one :class:`HardwarePulse`.

    >>> import qsym as qml
    >>> H = transmon_drive(lambda p, t: p, 0.0, 0.25, wires=[0])
    >>> np.round(qml.matrix(H([1.0], 1.0)), 6)  # 2 pi sin(pi/2) Y
    array([[0.+0.j      , 0.-6.283185j],
           [0.+6.283185j, 0.+0.j      ]])
    """
    if d != 2:
        raise NotImplementedError("Currently only supports qubits (d=2). Qutrits and qudits "
                                  "support is planned in the future.")
    wires = Wires(wires)
    with not_recording():
        observable = sum(PauliY(w) for w in wires)
    return HardwareHamiltonian(
        [AmplitudeAndPhaseAndFreq(np.sin, amplitude, phase, freq)], [observable],
        pulses=[HardwarePulse(amplitude, phase, freq, wires)], reorder_fn=_reorder_AmpPhaseFreq)


# -- coefficient shapes ------------------------------------------------------------------

def rect(x, windows=None):
    """PennyLane's ``qml.pulse.rect``: the coefficient function that is ``x`` (a number, or
    a function ``x(p, t)``) inside the time ``windows`` (one ``(t0, t1)`` or a list of
    them; all times if None) and 0 outside.

    >>> f = rect(10.0, windows=[(2, 8)])
    >>> float(f(None, 5.0)), float(f(None, 9.0))
    (10.0, 0.0)
    """
    if windows is not None:
        nested = any(hasattr(w, "__len__") for w in windows)
        if len(windows) == 2 and not nested:
            windows = [windows]
        elif not all(hasattr(w, "__len__") and len(w) == 2 for w in windows):
            raise ValueError("At least one provided window is not a two-element sequence.")
        starts, ends = (np.asarray(v, dtype=float) for v in zip(*windows))
    inner = x if callable(x) else (lambda _p, _t: np.asarray(x, dtype=float))

    def f(p, t):
        p = np.asarray(p, dtype=float)
        if windows is None:
            return inner(p, t)
        inside = np.any((t >= starts) & (t <= ends))
        return inner(p, t) if inside else np.asarray(0.0)
    return f


def _bins(timespan):
    if isinstance(timespan, (tuple, list)):
        t0, t1 = timespan
        return float(t0), float(t1)
    return 0.0, float(timespan)


def _bin_value(values, num_bins, t0, t1, t):
    """``values[i]`` for the bin ``i`` of ``t`` in ``[t0, t1]`` cut into ``num_bins``; 0
    outside (PennyLane's: ``t1`` itself falls past the last bin)."""
    idx = num_bins / (t1 - t0) * (t - t0)
    if 0 <= idx <= num_bins:
        i = int(idx)
        return values[i] if i < num_bins else np.asarray(0.0)
    return np.asarray(0.0)


def pwc(timespan):
    """PennyLane's ``qml.pulse.pwc``: a piecewise-constant coefficient over ``timespan``
    (``T`` for ``(0, T)``, or ``(t0, t1)``); its parameter is the array of bin values
    (their number is the number of bins), 0 outside.

    >>> f = pwc(10)
    >>> float(f([1.0, 2.0], 2.0)), float(f([1.0, 2.0], 7.0)), float(f([1.0, 2.0], 11.0))
    (1.0, 2.0, 0.0)
    """
    t0, t1 = _bins(timespan)

    def func(params, t):
        values = np.asarray(params)
        return _bin_value(values, len(values), t0, t1, t)
    return func


def pwc_from_function(timespan, num_bins):
    """PennyLane's ``qml.pulse.pwc_from_function``: a decorator making ``fn(p, t)`` a
    piecewise-constant coefficient sampled at ``num_bins`` times evenly spaced over
    ``timespan`` (``np.linspace(t0, t1, num_bins)``).

    >>> f = pwc_from_function(timespan=10, num_bins=5)(lambda p, t: p * t)
    >>> float(f(1.0, 0.5)), float(f(1.0, 9.9))  # sampled at 0 and at 10
    (0.0, 10.0)
    """
    t0, t1 = _bins(timespan)

    def inner(fn):
        time_bins = np.linspace(t0, t1, num_bins)

        def wrapper(params, t):
            return _bin_value(np.asarray(fn(params, time_bins)), num_bins, t0, t1, t)
        return wrapper
    return inner
