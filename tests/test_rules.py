"""Tests of qsym.rules: shift rules derived from frequencies, frequencies from matrices.

Expected rules are written here from the formulas of Wierichs, Izaac, Wang, Lin,
Quantum 6, 677 (2022), not taken from qsym, and compared exactly; they are also
compared numerically with PennyLane's ``generate_shift_rule`` outputs, pasted below as
literals (PennyLane is not a test dependency).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from qsym import rules
from qsym.errors import GateError, RuleError
from qsym._gates import GATES
from qsym.rules import (
    Proof,
    ShiftRule,
    canonical,
    derive_rule,
    eigen_frequencies,
    frequencies_from_generator,
    frequencies_from_matrix,
    parameter_spectrum,
    prove_generator,
    prove_rule,
    rule_for_gate,
)

pi = sp.pi
half = sp.Rational(1, 2)
I = sp.I
t = sp.Symbol("t", real=True)
_x = sp.Symbol("x")


def exact_equal(a, b) -> bool:
    """Exact equality of two numbers.

    Expansion and rationalising decide the simple cases; for nested radicals (e.g.
    ``sin(pi/16)**2`` against ``cos(pi/8)``), which ``sympy.simplify`` cannot decide, the
    minimal polynomial of the difference (an exact algebraic computation) is ``x`` iff the
    difference is 0. A difference that is numerically far from 0 is not 0.
    """
    d = (sp.sympify(a) - sp.sympify(b)).doit()
    if sp.expand(d) == 0 or sp.expand(sp.radsimp(d)) == 0:
        return True
    if d.is_number and abs(sp.N(d, 30)) > 1e-20:
        return False
    if d.is_number and sp.minimal_polynomial(d, _x) == _x:
        return True
    return sp.simplify(d) == 0


def closed_form_terms(freqs):
    """Wierichs et al. eq. for equidistant frequencies w, 2w, ..., Rw, canonical order."""
    R, w = len(freqs), sp.sympify(freqs[0])
    out = []
    for mu in range(1, R + 1):
        x = (2 * mu - 1) * pi / (2 * R) / w
        c = w * (-1) ** (mu - 1) / (4 * R * sp.sin((2 * mu - 1) * pi / (4 * R)) ** 2)
        out += [(c, 1, x), (-c, 1, -x)]
    return out


def assert_terms_equal(got, expected):
    assert len(got) == len(expected), (got, expected)
    for (c, m, s), (ce, me, se) in zip(got, expected):
        assert exact_equal(m, me), (m, me)
        assert exact_equal(s, se), (s, se)
        assert exact_equal(c, ce), (c, ce)


# Computed once with PennyLane 0.4x: pennylane.gradients.generate_shift_rule(freqs[, shifts]),
# rows [coeff, shift] (mult is 1), printed with 17 digits.
PENNYLANE = {
    ((1,), None): [
        [0.5000000000000001, 1.5707963267948966],
        [-0.5000000000000001, -1.5707963267948966],
    ],
    ((0.5, 1), None): [
        [0.42677669529663687, 1.5707963267948966],
        [-0.42677669529663687, -1.5707963267948966],
        [-0.07322330470336312, 4.71238898038469],
        [0.07322330470336312, -4.71238898038469],
    ],
    ((2,), None): [
        [1.0000000000000002, 0.7853981633974483],
        [-1.0000000000000002, -0.7853981633974483],
    ],
    ((0.5, 1, 1.5, 2), None): [
        [0.8210669490340058, 0.7853981633974483],
        [-0.8210669490340058, -0.7853981633974483],
        [-0.10124465027636095, 2.356194490192345],
        [0.10124465027636095, -2.356194490192345],
        [0.04520195913036529, 3.9269908169872414],
        [-0.04520195913036529, -3.9269908169872414],
        [-0.03248644155926813, 5.497787143782138],
        [0.03248644155926813, -5.497787143782138],
    ],
    ((1, 2, 3), None): [
        [1.2440169358562927, 0.5235987755982988],
        [-1.2440169358562927, -0.5235987755982988],
        [-0.1666666666666667, 1.5707963267948966],
        [0.1666666666666667, -1.5707963267948966],
        [0.0893163974770409, 2.6179938779914944],
        [-0.0893163974770409, -2.6179938779914944],
    ],
    # non-equidistant: PennyLane's default shifts (2mu-1) pi / (2R w_min), linear solve
    ((1, 1.5, 2.5), None): [
        [1.202702745884414, 0.5235987755982988],
        [-1.202702745884414, -0.5235987755982988],
        [-0.11491510666300206, 1.5707963267948966],
        [0.11491510666300206, -1.5707963267948966],
        [0.02712746744159046, 2.6179938779914944],
        [-0.02712746744159046, -2.6179938779914944],
    ],
    ((1, 2, 3.5), None): [
        [1.4549047635354806, 0.5235987755982988],
        [-1.4549047635354806, -0.5235987755982988],
        [-0.3775544943458547, 1.5707963267948966],
        [0.3775544943458547, -1.5707963267948966],
        [0.3002042251562291, 2.6179938779914944],
        [-0.3002042251562291, -2.6179938779914944],
    ],
    # custom shifts (generate_shift_rule((1, 2, 4), (pi/3, 2pi/3, pi/4)))
    ((1, 2, 4), ("pi/3", "2*pi/3", "pi/4")): [
        [3.0000000000000004, 0.7853981633974483],
        [-3.0000000000000004, -0.7853981633974483],
        [-2.0907702751760278, 1.0471975511965976],
        [2.0907702751760278, -1.0471975511965976],
        [0.21863080158247544, 2.0943951023931953],
        [-0.21863080158247544, -2.0943951023931953],
    ],
    ((1,), ("pi/4",)): [
        [0.7071067811865476, 0.7853981633974483],
        [-0.7071067811865476, -0.7853981633974483],
    ],
}


def _shifts(spec):
    return None if spec is None else [sp.sympify(s) for s in spec]


# --- derive_rule: closed form ----------------------------------------------------------


def test_one_frequency_is_the_two_term_rule():
    rule = derive_rule([1])
    assert rule.terms == ((half, 1, pi / 2), (-half, 1, -pi / 2))
    assert rule.frequencies == (1,)


def test_frequency_two():
    assert_terms_equal(derive_rule([2]).terms, [(1, 1, pi / 4), (-1, 1, -pi / 4)])


def test_controlled_rotation_four_term_rule():
    # design.md: shifts ±pi/2, ±3pi/2, coefficients ±(√2+1)/(4√2), ∓(√2−1)/(4√2)
    a = (sp.sqrt(2) + 1) / (4 * sp.sqrt(2))
    b = (sp.sqrt(2) - 1) / (4 * sp.sqrt(2))
    expected = [(a, 1, pi / 2), (-a, 1, -pi / 2), (-b, 1, 3 * pi / 2), (b, 1, -3 * pi / 2)]
    assert_terms_equal(derive_rule([half, 1]).terms, expected)


@pytest.mark.parametrize(
    "freqs",
    [(1,), (2,), (half, 1), (1, 2, 3), (half, 1, sp.Rational(3, 2), 2), (1, 2, 3, 4, 5, 6)],
    ids=str,
)
def test_equidistant_closed_form_exact(freqs):
    assert_terms_equal(derive_rule(freqs).terms, closed_form_terms(freqs))


@pytest.mark.parametrize("key", list(PENNYLANE), ids=str)
def test_matches_pennylane_numerically(key):
    freqs, shifts = key
    rule = derive_rule(freqs, _shifts(shifts))
    got = np.array([[c, s] for c, m, s in rule.numeric()])
    assert all(m == 1.0 for _, m, _ in rule.numeric())
    np.testing.assert_allclose(got, np.array(PENNYLANE[key]), rtol=1e-12, atol=1e-12)


def test_float_frequencies_are_read_exactly():
    assert derive_rule((0.5, 1.0)).terms == derive_rule((half, 1)).terms
    assert derive_rule((0.5, 1.0)).frequencies == (half, 1)


def test_eight_term_rule_has_canonical_order():
    rule = derive_rule((0.5, 1, 1.5, 2))
    shifts = [s for _, _, s in rule.terms]
    assert len(shifts) == 8
    k = [1, -1, 3, -3, 5, -5, 7, -7]
    assert all(exact_equal(s, kk * pi / 4) for s, kk in zip(shifts, k))


# --- derive_rule: custom shifts, non-equidistant, empty ---------------------------------


@pytest.mark.parametrize("s", [pi / 4, pi / 3, pi / 6, 1])
def test_custom_shift_single_frequency(s):
    # r = 1/2 (frequency 1): coefficient a = r / sin(2 r s) = 1 / (2 sin s)
    rule = derive_rule([1], shifts=[s])
    a = 1 / (2 * sp.sin(s))
    assert_terms_equal(rule.terms, [(a, 1, s), (-a, 1, -s)])


def test_custom_shift_pi_over_4_is_one_over_sqrt2():
    rule = derive_rule([1], shifts=[pi / 4])
    assert_terms_equal(rule.terms, [(1 / sp.sqrt(2), 1, pi / 4), (-1 / sp.sqrt(2), 1, -pi / 4)])


def test_custom_shifts_exact_solution():
    # sum_mu 2 c_mu sin(w_k x_mu) = w_k, solved independently with sympy's own solver
    freqs, xs = (1, 2, 4), (pi / 4, pi / 3, 2 * pi / 3)
    cs = sp.symbols("c0:3")
    sol = sp.solve([sum(2 * c * sp.sin(w * x) for c, x in zip(cs, xs)) - w for w in freqs], cs)
    expected = []
    for c, x in zip(cs, xs):
        expected += [(sol[c], 1, x), (-sol[c], 1, -x)]
    assert_terms_equal(derive_rule(freqs, xs).terms, expected)


def test_singular_custom_shifts_raise():
    with pytest.raises(RuleError, match="cannot resolve"):
        derive_rule([1], shifts=[pi])
    with pytest.raises(RuleError, match="cannot resolve"):
        derive_rule([1, 3], shifts=[pi / 4, 3 * pi / 4])


@pytest.mark.parametrize(
    "freqs,shifts,message",
    [
        ([1, -1], None, "positive"),
        ([1, 1], None, "distinct"),
        ([1, 2], [pi / 2], "one shift per frequency"),
        ([1, 2], [pi / 2, -pi / 3], "positive"),
        ([1, 2], [pi / 2, pi / 2], "distinct"),
        ([sp.Symbol("a")], None, "without free symbols"),
        ([1 + I], None, "real"),
        ([float("nan")], None, "finite"),
    ],
)
def test_bad_input_raises(freqs, shifts, message):
    with pytest.raises(RuleError, match=message):
        derive_rule(freqs, shifts)


def test_no_frequencies_gives_the_empty_rule():
    rule = derive_rule([])
    assert rule.terms == () and rule.frequencies == () and rule.numeric() == ()
    assert prove_rule(rule)
    assert derive_rule([0, 1]) == derive_rule([1])  # a constant term has no derivative


@pytest.mark.parametrize("freqs", [(1, 3), (1, 2, 4), (0.5, 2, 3), (1, 5)], ids=str)
def test_singular_default_shifts_still_give_2r_terms(freqs):
    # PennyLane's default shifts are singular here (it returns ~1e15 coefficients, or for
    # (1, 3) the rule of (1, 2)); qsym picks other shifts and stays at 2R terms.
    rule = derive_rule(freqs)
    assert len(rule.terms) == 2 * len(freqs)
    assert prove_rule(rule)


def test_pennylane_two_frequency_rule_is_wrong_for_non_multiples():
    # PennyLane calls any two frequencies "equidistant": generate_shift_rule((1, 1.5)),
    # pasted below, is the rule of frequencies (1, 2), which is not exact for 3/2.
    pl = [
        [0.8535533905932737, 0.7853981633974483],
        [-0.8535533905932737, -0.7853981633974483],
        [-0.14644660940672624, 2.356194490192345],
        [0.14644660940672624, -2.356194490192345],
    ]
    rule_12 = derive_rule((1, 2))
    got = np.array([[c, s] for c, _, s in rule_12.numeric()])
    np.testing.assert_allclose(got, np.array(pl), rtol=1e-12)
    assert not prove_rule(rule_12, frequencies=(1, sp.Rational(3, 2)))
    assert prove_rule(derive_rule((1, 1.5)))


# --- the numeric meaning of a rule ------------------------------------------------------

RULE_CASES = [
    ((1,), None),
    ((2,), None),
    ((0.5, 1), None),
    ((0.5, 1, 1.5, 2), None),
    ((1, 2, 3, 4, 5, 6, 7), None),
    ((1, 1.5, 2.5), None),
    ((1, 3), None),
    ((1, 2, 4), None),
    ((sp.sqrt(2), 3), None),
    ((1,), (pi / 4,)),
    ((1, 2, 4), (pi / 3, 2 * pi / 3, pi / 4)),
    ((0.5, 1), (0.3, 1.1)),
]


@pytest.mark.parametrize("freqs,shifts", RULE_CASES, ids=str)
def test_rule_differentiates_random_trig_polynomials(freqs, shifts):
    rng = np.random.default_rng(1234)
    rule = derive_rule(freqs, shifts)
    ws = np.array([float(sp.sympify(w)) for w in freqs])
    for _ in range(5):
        a0 = rng.normal()
        a, b = rng.normal(size=ws.size), rng.normal(size=ws.size)

        def f(g):
            return a0 + np.sum(a * np.cos(ws * g) + b * np.sin(ws * g))

        def df(g):
            return np.sum(ws * (-a * np.sin(ws * g) + b * np.cos(ws * g)))

        g = rng.uniform(-np.pi, np.pi)
        got = sum(c * f(m * g + s) for c, m, s in rule.numeric())
        scale = max(1.0, abs(df(g)), float(np.sum(np.abs(a) + np.abs(b))))
        assert abs(got - df(g)) <= 1e-12 * scale


# --- prove_rule -------------------------------------------------------------------------


@pytest.mark.parametrize("freqs,shifts", RULE_CASES, ids=str)
def test_derived_rules_prove(freqs, shifts):
    proof = prove_rule(derive_rule(freqs, shifts))
    assert isinstance(proof, Proof) and proof.ok and bool(proof)
    assert all(r == 0 for _, r in proof.checks)
    assert len(proof.checks) == 1 + 2 * len(freqs)


def test_wrong_backward_shift_fails():
    rule = ShiftRule(((half, 1, pi / 2), (-half, 1, -pi / 4)), (1,))
    proof = prove_rule(rule)
    assert not proof and proof.ok is False
    assert any(r != 0 for _, r in proof.checks)


def test_wrong_coefficient_fails_with_its_residual():
    rule = ShiftRule(((1, 1, pi / 2), (-1, 1, -pi / 2)), (1,))
    proof = prove_rule(rule)
    assert not proof
    assert dict(proof.checks)["sum c*sin(1*s) = 1"] == 1


def test_rule_not_exact_for_a_missing_frequency():
    assert not prove_rule(derive_rule([1, 2]), frequencies=[1, 2, 3])
    assert prove_rule(derive_rule([1, 2, 3]), frequencies=[1, 3])


def test_prove_rule_refuses_multipliers():
    with pytest.raises(RuleError, match="mult"):
        prove_rule(ShiftRule(((1, 2, 0),), (1,)))


def test_prove_rule_irrational_frequency_and_shift():
    # outside the cyclotomic fast path: the general exact simplifier decides
    rule = derive_rule([sp.sqrt(2)])
    assert_terms_equal(
        rule.terms,
        [(sp.sqrt(2) / 2, 1, pi / (2 * sp.sqrt(2))), (-sp.sqrt(2) / 2, 1, -pi / (2 * sp.sqrt(2)))],
    )
    assert prove_rule(rule)
    assert prove_rule(derive_rule([1], shifts=[1]))


# --- canonical --------------------------------------------------------------------------


def test_canonical_merges_drops_and_orders():
    terms = [(-1, 1, -pi / 2), (1, 1, 0), (1, 1, pi / 2), (0, 1, 3), (2, 1, 0), (1, 1, pi / 2)]
    assert canonical(terms) == ((3, 1, 0), (2, 1, pi / 2), (-1, 1, -pi / 2))


def test_canonical_cancelling_terms_vanish():
    assert canonical([(half, 1, pi), (-half, 1, pi)]) == ()
    # equal shifts written differently are merged exactly
    merged = canonical([(1, 1, pi / 4), (1, 1, sp.atan(1))])
    assert merged == ((2, 1, pi / 4),)


def test_canonical_zero_shift_first_and_multipliers():
    terms = [(1, 2, 0), (1, 1, -pi), (1, 1, pi), (5, 1, 0), (1, 2, pi)]
    out = canonical(terms)
    assert out[0] == (5, 1, 0)
    assert out[1] == (1, 2, 0)
    assert [s for _, _, s in out[2:]] == [pi, pi, -pi]


# --- frequencies ------------------------------------------------------------------------


def test_eigen_frequencies():
    assert eigen_frequencies([-half, 0, 0, half]) == (half, 1)
    assert eigen_frequencies({1: 2, -1: 2}) == (2,)
    assert eigen_frequencies([3]) == ()
    assert eigen_frequencies([0, 1, sp.sqrt(2)]) == tuple(
        sorted([1, sp.sqrt(2), sp.sqrt(2) - 1], key=float)
    )


def test_frequencies_from_generator():
    X = sp.Matrix([[0, 1], [1, 0]])
    assert frequencies_from_generator(X / 2) == (1,)
    assert frequencies_from_generator(sp.diag(0, -1)) == (1,)
    # single excitation on 2 qubits: eigenvalues -1/2, 0, 0, 1/2
    G = sp.zeros(4)
    G[1, 2], G[2, 1] = I / 2, -I / 2
    assert frequencies_from_generator(G) == (half, 1)
    # orbital-rotation-like: eigenvalues -1, -1/2, 0, 1/2, 1
    G = sp.diag(-1, -half, 0, half, 1)
    assert frequencies_from_generator(G) == (half, 1, sp.Rational(3, 2), 2)


def test_frequencies_from_generator_refuses_non_hermitian():
    with pytest.raises(RuleError, match="Hermitian"):
        frequencies_from_generator(sp.Matrix([[0, 1], [0, 0]]))
    with pytest.raises(RuleError, match="symbols"):
        frequencies_from_generator(sp.diag(sp.Symbol("a"), 0))


def _rx(t):
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    return sp.Matrix([[c, -I * s], [-I * s, c]])


def _ry(t):
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    return sp.Matrix([[c, -s], [s, c]])


def _rz(t):
    return sp.diag(sp.exp(-I * t / 2), sp.exp(I * t / 2))


def test_spectrum_hand_built_one_qubit():
    assert parameter_spectrum(_rx(t), t) == (-half, half)
    assert frequencies_from_matrix(_ry(t), t) == (1,)
    assert parameter_spectrum(sp.diag(1, sp.exp(I * t)), t) == (0, 1)
    assert frequencies_from_matrix(sp.diag(1, sp.exp(I * t)), t) == (1,)


def test_spectrum_multi_parameter_rot_and_u3():
    phi, theta, omega = sp.symbols("phi theta omega", real=True)
    rot = _rz(omega) * _ry(theta) * _rz(phi)
    for p in (phi, theta, omega):
        assert frequencies_from_matrix(rot, p) == (1,)
    lam = sp.Symbol("lam", real=True)
    c, s = sp.cos(theta / 2), sp.sin(theta / 2)
    u3 = sp.Matrix(
        [[c, -sp.exp(I * lam) * s], [sp.exp(I * phi) * s, sp.exp(I * (phi + lam)) * c]]
    )
    assert parameter_spectrum(u3, phi) == (0, 1)
    for p in (theta, phi, lam):
        assert frequencies_from_matrix(u3, p) == (1,)


def test_spectrum_controlled_rotation():
    crx = sp.diag(sp.eye(2), _rx(t))
    assert parameter_spectrum(crx, t) == (-half, 0, half)
    assert frequencies_from_matrix(crx, t) == (half, 1)
    phi, omega = sp.symbols("phi omega", real=True)
    crot = sp.diag(sp.eye(2), _rz(omega) * _ry(t) * _rz(phi))
    assert frequencies_from_matrix(crot, t) == (half, 1)
    assert frequencies_from_matrix(crot, phi) == (half, 1)


def test_spectrum_double_excitation_like():
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    U = sp.eye(16)
    U[3, 3], U[3, 12], U[12, 3], U[12, 12] = c, -s, s, c
    assert frequencies_from_matrix(U, t) == (half, 1)


def test_spectrum_squares_and_products():
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    # orbital-rotation-like block: cos^2, sin*cos, sin^2 entries -> exponents -1, 0, 1
    U = sp.Matrix([[c**2, -s * c, s * c, s**2], [s * c, c**2, -(s**2), s * c],
                   [-s * c, -(s**2), c**2, s * c], [s**2, -s * c, -s * c, c**2]])
    assert parameter_spectrum(U, t) == (-1, 0, 1)
    assert frequencies_from_matrix(U, t) == (1, 2)
    # cos(t)^2 + sin(t)^2 is constant: its exponentials cancel
    assert parameter_spectrum(sp.Matrix([[sp.cos(t) ** 2 + sp.sin(t) ** 2]]), t) == (0,)
    # exp(a)*exp(b) products and powers are combined
    e = sp.exp(I * t / 2) * sp.exp(I * t / 3) * sp.cos(t) ** 3
    lams = parameter_spectrum(sp.Matrix([[e]]), t)
    assert lams == tuple(sp.Rational(5, 6) + k for k in (-3, -1, 1, 3))


@pytest.mark.parametrize(
    "entry,message",
    [
        (t * sp.exp(I * t), "not a trigonometric polynomial"),
        (t, "not a trigonometric polynomial"),
        (sp.exp(I * t**2), "not linear"),
        (sp.exp(t), "grows or decays"),
        (sp.tan(t), "not a trigonometric polynomial"),
        (sp.sqrt(sp.cos(t)), "not a trigonometric polynomial"),
        (sp.exp(I * t * sp.Symbol("a")), "depends on"),
    ],
    ids=str,
)
def test_spectrum_refuses_non_trig_entries(entry, message):
    U = sp.Matrix([[1, 0], [0, entry]])
    with pytest.raises(RuleError, match=message):
        parameter_spectrum(U, t)
    with pytest.raises(RuleError):
        frequencies_from_matrix(U, t)


# --- the gate table ---------------------------------------------------------------------

# Frequencies per parameter, from each gate's generator (PennyLane's
# ``parameter_frequencies`` agrees on every gate listed).
EXPECTED_GATE_FREQUENCIES = {
    "RX": [(1,)],
    "RY": [(1,)],
    "RZ": [(1,)],
    "PhaseShift": [(1,)],
    "U1": [(1,)],
    "U2": [(1,), (1,)],
    "U3": [(1,), (1,), (1,)],
    "Rot": [(1,), (1,), (1,)],
    "CRX": [(half, 1)],
    "CRY": [(half, 1)],
    "CRZ": [(half, 1)],
    "CRot": [(half, 1)] * 3,
    "ControlledPhaseShift": [(1,)],
    "IsingXX": [(1,)],
    "IsingYY": [(1,)],
    "IsingZZ": [(1,)],
    "IsingXY": [(half, 1)],
    "PSWAP": [(1,)],  # eigenvalues 1, 1, exp(it), -exp(it) (PennyLane defines none)
    "SingleExcitation": [(half, 1)],
    "SingleExcitationPlus": [(1,)],
    "SingleExcitationMinus": [(1,)],
    "DoubleExcitation": [(half, 1)],
    "DoubleExcitationPlus": [(1,)],
    "DoubleExcitationMinus": [(1,)],
    "OrbitalRotation": [(half, 1, sp.Rational(3, 2), 2)],
    "MultiRZ": [(1,)],
    "PauliRot": [(1,)],
    "PCPhase": [(2,)],
    "GlobalPhase": [()],  # a global phase: derivative 0, the empty rule
}

# Wire counts and hyperparameters for the gates that need them.
GATE_SPECS = {
    "MultiRZ": (3, ()),
    "PauliRot": (3, (("pauli_word", "XYZ"),)),
    "PCPhase": (2, (("dim", 3),)),
    "GlobalPhase": (2, ()),
}

PARAM_GATES = [
    (name, k) for name, row in GATES.items() for k in range(row.num_params)
]


def _spec(name):
    row = GATES[name]
    if name in GATE_SPECS:
        return GATE_SPECS[name]
    if row.hyper:
        pytest.skip(f"no hyperparameters chosen for {name} in this test")
    return (2 if row.num_wires == 0 else None), ()


@pytest.mark.parametrize("name,k", PARAM_GATES, ids=[f"{n}-{k}" for n, k in PARAM_GATES])
def test_gate_table_frequencies(name, k):
    row = GATES[name]
    num_wires, hyper = _spec(name)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    U = row.sympy_matrix(syms, num_wires, hyper)
    freqs = frequencies_from_matrix(U, syms[k])
    if name in EXPECTED_GATE_FREQUENCIES:
        assert freqs == EXPECTED_GATE_FREQUENCIES[name][k]
    rule = rule_for_gate(name, k, num_wires=num_wires, hyper=hyper)
    assert rule.frequencies == freqs
    assert len(rule.terms) == 2 * len(freqs)
    assert prove_rule(rule)


@pytest.mark.parametrize("name,k", PARAM_GATES, ids=[f"{n}-{k}" for n, k in PARAM_GATES])
def test_gate_rule_gives_the_exact_derivative(name, k):
    # f(p) = <psi| U(p)^dagger O U(p) |psi> for random psi, O; the rule's combination of
    # shifted values must equal 2 Re <psi| dU^dagger O U |psi> from sympy's derivative.
    row = GATES[name]
    num_wires, hyper = _spec(name)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    U = row.sympy_matrix(syms, num_wires, hyper)
    u = sp.lambdify(syms, U, "numpy")
    du = sp.lambdify(syms, U.diff(syms[k]), "numpy")
    rng = np.random.default_rng(7)
    dim = U.shape[0]
    rule = rule_for_gate(name, k, num_wires=num_wires, hyper=hyper)
    for _ in range(3):
        psi = rng.normal(size=dim) + 1j * rng.normal(size=dim)
        psi /= np.linalg.norm(psi)
        A = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
        O = A + A.conj().T
        p = rng.uniform(-np.pi, np.pi, size=row.num_params)

        def f(params):
            phi = np.asarray(u(*params), dtype=complex) @ psi
            return float(np.real(phi.conj() @ O @ phi))

        Up = np.asarray(u(*p), dtype=complex)
        dUp = np.asarray(du(*p), dtype=complex)
        exact = 2 * np.real((dUp @ psi).conj() @ O @ (Up @ psi))
        got = 0.0
        for c, m, s in rule.numeric():
            q = p.copy()
            q[k] = m * q[k] + s
            got += c * f(q)
        assert abs(got - exact) <= 1e-11 * max(1.0, abs(exact))


def test_rule_for_gate_values_and_memo():
    assert rule_for_gate("RX", 0).terms == ((half, 1, pi / 2), (-half, 1, -pi / 2))
    assert rule_for_gate("RX", 0) is rule_for_gate("RX", 0)
    assert rule_for_gate("PhaseShift", 0, shifts=[pi / 4]) is rule_for_gate(
        "PhaseShift", 0, shifts=(pi / 4,)
    )
    assert_terms_equal(
        rule_for_gate("RY", 0, shifts=[pi / 4]).terms,
        [(1 / sp.sqrt(2), 1, pi / 4), (-1 / sp.sqrt(2), 1, -pi / 4)],
    )


def test_rule_for_op_uses_wires_and_hyper():
    from types import SimpleNamespace

    op = SimpleNamespace(name="PauliRot", wires=(0, 2), hyper=(("pauli_word", "II"),))
    assert rules.rule_for_op(op, 0).terms == ()  # exp(-i t I/2) is a global phase
    op = SimpleNamespace(name="CRX", wires=(1, 0), hyper=())
    assert rules.rule_for_op(op, 0) is rule_for_gate("CRX", 0)


def test_rule_for_gate_errors():
    with pytest.raises(GateError, match="unknown gate"):
        rule_for_gate("NoSuchGate", 0)
    with pytest.raises(GateError, match="out of range"):
        rule_for_gate("RX", 1)
    with pytest.raises(GateError, match="out of range"):
        rule_for_gate("PauliX", 0)
    with pytest.raises(RuleError, match="cannot resolve"):
        rule_for_gate("RX", 0, shifts=[pi])
    with pytest.raises(RuleError, match="num_wires"):
        rule_for_gate("MultiRZ", 0)


# --- prove_generator ---------------------------------------------------------------------

X = sp.Matrix([[0, 1], [1, 0]])
Y = sp.Matrix([[0, -I], [I, 0]])
Z = sp.diag(1, -1)
ONE = sp.diag(0, 1)  # |1><1|


@pytest.mark.parametrize(
    "U,G,phase",
    [
        (_rx(t), X / 2, 0),
        (_ry(t), Y / 2, 0),
        (_rz(t), Z / 2, 0),
        (sp.diag(1, sp.exp(I * t)), -ONE, 0),
        (sp.diag(1, sp.exp(I * t)), Z / 2, half),
        (sp.diag(sp.eye(2), _rx(t)), sp.diag(sp.zeros(2), X / 2), 0),
    ],
    ids=["RX", "RY", "RZ", "PhaseShift", "PhaseShift-phase", "CRX"],
)
def test_prove_generator(U, G, phase):
    proof = prove_generator(U, t, G, phase)
    assert proof and all(r == 0 for _, r in proof.checks)
    assert len(proof.checks) == U.rows * U.cols


def test_prove_generator_table_rows():
    p0 = sp.Symbol("p0", real=True)
    assert prove_generator(GATES["RX"].sympy_matrix([p0]), p0, X / 2)
    assert prove_generator(GATES["RZ"].sympy_matrix([p0]), p0, Z / 2)
    assert prove_generator(GATES["PhaseShift"].sympy_matrix([p0]), p0, -ONE)


@pytest.mark.parametrize(
    "U,G,phase",
    [
        (_rx(t), X, 0),
        (_rx(t), -X / 2, 0),
        (sp.diag(1, sp.exp(I * t)), ONE, 0),
        (_rz(t), Z / 2, half),
    ],
)
def test_prove_generator_rejects_wrong_generators(U, G, phase):
    proof = prove_generator(U, t, G, phase)
    assert not proof
    assert any(r != 0 for _, r in proof.checks)


_H = (X + Z) / (2 * sp.sqrt(2))  # eigenvalues +-1/2, eigenvectors with sqrt(2) in them
_K = (3 * X + 4 * Z) / 10  # eigenvalues +-1/2
_N = sp.Matrix([[0, 1], [0, 0]])


# exp(-i t G) written by hand: G^2 = 1/4 for the first two (cos, sin of t/2), N^2 = 0 for
# the last two (the series ends after its linear term)
@pytest.mark.parametrize("G, U", [
    (_H, sp.cos(t / 2) * sp.eye(2) - 2 * I * sp.sin(t / 2) * _H),
    (_K, sp.cos(t / 2) * sp.eye(2) - 2 * I * sp.sin(t / 2) * _K),
    (sp.diag(X, X) / 2, sp.diag(_rx(t), _rx(t))),  # each eigenvalue twice
    (_N, sp.eye(2) - I * t * _N),  # not diagonalizable: sympy's own exponential
    (sp.eye(2) + 2 * _N, sp.exp(-I * t) * (sp.eye(2) - 2 * I * t * _N)),  # nor this
], ids=["radical-eigenvectors", "rational-eigenvectors", "repeated", "nilpotent",
        "jordan-block"])
def test_prove_generator_by_eigenvectors_agrees_with_exponentials_by_hand(G, U, monkeypatch):
    """The generator's exponential from its eigenvectors (issue #17: the Jordan form of
    the numbers alone, not of ``-i t G``) proves ``U = exp(-i t G)`` for matrices
    exponentiated by hand (eigenvectors with radicals, a repeated eigenvalue) and refuses
    the wrong sign; sympy's exponential of ``-i t G`` is used only where ``G`` has no
    eigenbasis."""
    real_exp = sp.MatrixBase.exp
    called = []

    def counted(self):
        called.append(self)
        return real_exp(self)

    monkeypatch.setattr(sp.MatrixBase, "exp", counted)
    assert prove_generator(U, t, G)
    assert not prove_generator(U, t, -G)
    assert bool(called) == (not G.is_diagonalizable())


def test_table_generator_proofs_exponentiate_no_symbolic_matrix(monkeypatch):
    """The built-in gates' generators (Hermitian: an eigenbasis each) are proved without
    sympy's exponential of a matrix in ``t`` (row reductions of expressions in ``t``: 5 of
    ``qsym rules --verify``'s 6 s), DoubleExcitation's 16x16 and OrbitalRotation's
    included."""
    def refuse(self):
        raise AssertionError("Matrix.exp of -i t G")

    p0 = sp.Symbol("p0", real=True)
    for name in ("RX", "IsingXY", "DoubleExcitation", "OrbitalRotation"):
        row = GATES[name]
        G = row.sympy_generator(None, ())
        U = row.sympy_matrix([p0], None, ())
        with monkeypatch.context() as m:
            m.setattr(sp.MatrixBase, "exp", refuse)
            assert prove_generator(U, p0, G), name


def test_prove_generator_shape_mismatch():
    with pytest.raises(RuleError, match="shape"):
        prove_generator(_rx(t), t, sp.eye(4))


# --- the data types -----------------------------------------------------------------------


def test_shift_rule_is_frozen_and_numeric():
    rule = derive_rule([half, 1])
    with pytest.raises(AttributeError):
        rule.terms = ()  # type: ignore[misc]
    num = rule.numeric()
    assert all(isinstance(x, float) for term in num for x in term)
    exact = [[float(sp.N(x, 30)) for x in term] for term in rule.terms]
    np.testing.assert_array_equal(np.array(num), np.array(exact))


def test_rules_module_is_pure_sympy():
    import re

    src = open(rules.__file__).read()
    assert not re.search(r"^\s*(import|from)\s+numba", src, re.M)
    assert "nsimplify(" not in src  # exactness: nothing guessed from floats


def test_exact_matrix_and_generator_are_the_published_forms():
    # hand-written: RX(t) = [[cos t/2, -i sin t/2], [-i sin t/2, cos t/2]], G = X/2
    t = sp.Symbol("t", real=True)
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    assert sp.simplify(rules.exact_matrix("RX", (t,)) - sp.Matrix([[c, -sp.I * s], [-sp.I * s, c]])) == sp.zeros(2)
    assert rules.exact_generator("RX") == sp.Matrix([[0, sp.Rational(1, 2)], [sp.Rational(1, 2), 0]])
    # a gate on any number of wires takes its size and hyperparameters
    zz = rules.exact_matrix("PauliRot", (t,), num_wires=2, hyper=(("pauli_word", "ZZ"),))
    assert sp.simplify(zz - sp.diag(sp.exp(-sp.I * t / 2), sp.exp(sp.I * t / 2),
                                    sp.exp(sp.I * t / 2), sp.exp(-sp.I * t / 2))) == sp.zeros(4)
    assert rules.exact_generator("CNOT") is None
    with pytest.raises(GateError, match="takes 1 parameter"):
        rules.exact_matrix("RX", (t, t))
    with pytest.raises(GateError, match="unknown gate 'NoSuchGate'"):
        rules.exact_matrix("NoSuchGate")


def test_removed_gate_error_is_public():
    import qsym as qml

    qml.define_gate("GoneAgain", 1, generator=[(1, "Y")])
    qml.undefine_gate("GoneAgain")
    with pytest.raises(qml.errors.RemovedGateError) as info:
        qml.GoneAgain(0.1, wires=0)
    assert isinstance(info.value, qml.GateError) and isinstance(info.value, AttributeError)
    assert qml.RemovedGateError is qml.errors.RemovedGateError


def test_a_residual_too_large_to_rewrite_is_left_unproved_not_searched_for_hours():
    """A residual of transcendental sines (angles not rational multiples of pi) larger
    than rules._MAX_REWRITE_OPS: returned unproved at once (before, sympy's
    minimal_polynomial and radsimp ran for hours on such residuals: a gate with three
    incommensurate frequencies hung define_gate). It is zero in fact (sin^2 + cos^2 = 1),
    so the rule built on it is refused as unproved, with the reason."""
    n = rules._MAX_REWRITE_OPS // 4 + 10
    r = sp.Add(*[sp.sin(sp.Rational(k, 10)) ** 2 + sp.cos(sp.Rational(k, 10)) ** 2
                 for k in range(1, n)]) - (n - 1)
    assert sp.count_ops(r) > rules._MAX_REWRITE_OPS
    left = rules._exact_residual(r)
    assert left != 0 and abs(float(left)) < 1e-12  # unproved, not disproved
    proof = rules.Proof(False, (("sum c = 0", sp.Integer(0)), ("sum c*sin(1*s) = 1", left)))
    msg = rules._unproved_message("MyGate, parameter 0", proof, (1, sp.sqrt(2), 2))
    assert "could not be proved exact" in msg and "sum c*sin(1*s) = 1" in msg
    assert "rational multiples of pi" in msg and "sum c = 0" not in msg
    # a residual that is certainly not zero is reported as a failed proof, with its value
    wrong = rules.Proof(False, (("sum c = 0", sp.Rational(1, 3)),))
    assert "failed its proof: sum c = 0: residual 0.333333" in rules._unproved_message(
        "G, parameter 0", wrong, (1,))
