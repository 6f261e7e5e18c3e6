"""qml.pulse's hardware Hamiltonians (drive, Rydberg atoms, transmons) and the coefficient
shapes rect / pwc / pwc_from_function, against matrices built by hand."""

import numpy as np
import pytest

import qsym as qml

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)
I2 = np.eye(2, dtype=complex)
N = np.diag([0.0, 1.0]).astype(complex)          # |1><1|
SP = np.array([[0, 1], [0, 0]], dtype=complex)   # |0><1|, PennyLane's a
SM = SP.conj().T
TWO_PI = 2 * np.pi


def kron(*ms):
    out = np.eye(1, dtype=complex)
    for m in ms:
        out = np.kron(out, m)
    return out


def mat(op, wires):
    return np.asarray(qml.matrix(op, wire_order=wires))


def test_drive_both_callable_matches_the_formula():
    amp = lambda p, t: p * np.sin(t)  # noqa: E731
    phase = lambda p, t: p * t  # noqa: E731
    H = qml.pulse.drive(amp, phase, wires=[0, 1])
    assert len(H.coeffs_parametrized) == 2 and len(H.pulses) == 0
    pa, pp, t = 0.7, 0.3, 1.2
    om, ph = amp(pa, t), phase(pp, t)
    single = TWO_PI * om / 2 * (np.cos(ph) * X - np.sin(ph) * Y)
    expected = kron(single, I2) + kron(I2, single)
    assert np.allclose(mat(H([pa, pp], t), [0, 1]), expected, atol=1e-12)


def test_drive_fixed_terms_and_amplitude_zero_phase():
    H = qml.pulse.drive(0.25, np.pi / 3, wires=[0])
    assert not H.coeffs_parametrized
    expected = TWO_PI * 0.25 / 2 * (np.cos(np.pi / 3) * X - np.sin(np.pi / 3) * Y)
    assert np.allclose(mat(H([], 0.0), [0]), expected, atol=1e-12)


def test_parameters_are_spread_over_the_terms():
    H = qml.pulse.drive(lambda p, t: p, 0.0, wires=[0]) + (lambda p, t: p * t) * qml.Z(0)
    # the drive's parameter goes to its X and Y terms, the next one to the Z term
    assert len(H.coeffs_parametrized) == 3
    value = mat(H([0.5, 2.0], 3.0), [0])
    expected = TWO_PI * 0.5 / 2 * X + 6.0 * Z
    assert np.allclose(value, expected, atol=1e-12)


def test_rydberg_interaction_van_der_waals_terms():
    register = [[0.0, 0.0], [0.0, 4.0], [3.0, 0.0]]
    H = qml.pulse.rydberg_interaction(register, wires=[2, 0, 1], interaction_coeff=100.0,
                                      max_distance=4.5)
    # the pair at distance 5 is left out; V = 2 pi C6 / R^6
    assert np.allclose(H.coeffs, [TWO_PI * 100 / 4**6, TWO_PI * 100 / 3**6])
    expected = TWO_PI * 100 / 4**6 * kron(N, N, I2) + TWO_PI * 100 / 3**6 * kron(N, I2, N)
    assert np.allclose(mat(H([], 0.0), [2, 0, 1]), expected, atol=1e-12)
    assert H.settings == qml.pulse.rydberg.RydbergSettings(register, 100.0)


def test_rydberg_drive_detuning_and_one_pulse():
    det = lambda p, t: p  # noqa: E731
    H = qml.pulse.rydberg_drive(0.3, 0.0, det, wires=[0, 1])
    assert len(H.pulses) == 1 and H.pulses[0].frequency is det
    value = mat(H([1.5], 0.0), [0, 1])
    drive = TWO_PI * 0.3 / 2 * X
    expected = kron(drive, I2) + kron(I2, drive) - TWO_PI * 1.5 * (kron(N, I2) + kron(I2, N))
    assert np.allclose(value, expected, atol=1e-12)
    with pytest.raises(ValueError, match="All terms are zero"):
        qml.pulse.rydberg_drive(0.0, 0.0, 0.0, wires=[0])


def test_rydberg_drive_queues_one_object():
    with qml.queuing.AnnotatedQueue() as q:
        H = qml.pulse.rydberg_drive(amplitude=1, phase=2, detuning=3, wires=[1, 2])
    assert len(q.queue) == 1 and q.queue[0] is H


def test_transmon_interaction_matrix():
    H = qml.pulse.transmon_interaction([5.0, 5.5], [[0, 1]], 0.1, wires=[0, 1])
    expected = TWO_PI * (5.0 * kron(N, I2) + 5.5 * kron(I2, N)) + TWO_PI * 0.1 * (
        kron(SM, SP) + kron(SP, SM))
    assert np.allclose(mat(H([], 0.0), [0, 1]), expected, atol=1e-12)
    assert H.settings.coupling == [0.1]
    with pytest.raises(ValueError, match="Number of qubit frequencies"):
        qml.pulse.transmon_interaction([1.0], [[0, 1]], 0.1, wires=[0, 1])


def test_transmon_drive_all_callable():
    amp, phase, freq = (lambda p, t: p * t), (lambda p, t: p), (lambda p, t: p + t)
    H = qml.pulse.transmon_drive(amp, phase, freq, wires=[0])
    p, t = [0.4, 0.2, 0.6], 0.9
    coeff = TWO_PI * amp(p[0], t) * np.sin(phase(p[1], t) + TWO_PI * freq(p[2], t) * t)
    assert np.allclose(mat(H(p, t), [0]), coeff * Y, atol=1e-12)
    # a drive of another system cannot be added (its parameters are spread differently)
    with pytest.raises(ValueError, match="different reorder functions"):
        H + qml.pulse.drive(1.0, 0.0, wires=[1])  # noqa: B018


def test_evolution_of_a_constant_drive_is_the_exponential():
    from scipy.linalg import expm
    H = qml.pulse.drive(lambda p, t: p, 0.0, wires=[0]) + 0.4 * qml.Z(0)
    U = qml.evolve(H)([0.3], t=[0.0, 1.5]).matrix()
    h = TWO_PI * 0.3 / 2 * X + 0.4 * Z
    assert np.allclose(U, expm(-1j * 1.5 * h), atol=1e-8)


def test_evolve_errors():
    with pytest.raises(qml.GateError, match="No dispatch rule"):
        qml.evolve(0.5)
    H = (lambda p, t: p) * qml.X(0)
    with pytest.raises(TypeError, match="keyword arguments only"):
        qml.evolve(H, 0.5)
    with pytest.raises(TypeError, match="unsupported operand"):
        qml.pulse.drive(1.0, 0.0, wires=[0]) + 3j  # noqa: B018


def test_rect_pwc_and_pwc_from_function():
    f = qml.pulse.rect(lambda p, t: p * t, windows=[(1, 2), (4, 5)])
    assert [float(f(2.0, t)) for t in (0.5, 1.5, 3.0, 4.5, 6.0)] == [0.0, 3.0, 0.0, 9.0, 0.0]
    with pytest.raises(ValueError, match="two-element"):
        qml.pulse.rect(1.0, windows=[(1, 2), (3,)])
    g = qml.pulse.pwc((2, 6))  # 4 bins of width 1 for 4 values
    vals = [10.0, 20.0, 30.0, 40.0]
    assert [float(g(vals, t)) for t in (1.0, 2.0, 2.9, 3.5, 5.99, 6.5)] == [
        0.0, 10.0, 10.0, 20.0, 40.0, 0.0]
    h = qml.pulse.pwc_from_function(timespan=4, num_bins=5)(lambda p, t: p * t)
    # sampled at 0, 1, 2, 3, 4; bin width 4/5
    assert [float(h(1.0, t)) for t in (0.1, 0.9, 3.9)] == [0.0, 1.0, 4.0]
