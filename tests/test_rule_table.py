"""The whole rule table against PennyLane's published recipes, gate by gate.

For every parametric row of :data:`qsym._gates.GATES` (and every variant the row lists
in ``examples``) the rule qsym derives must be the one PennyLane uses: the same
frequencies, the same ``2R`` shifts and coefficients, compared exactly as sets of
``(coeff, shift)`` pairs. The expected recipes are written below from the formulas of
Wierichs, Izaac, Wang, Lin, Quantum 6, 677 (2022), with each gate's frequencies derived
by hand from its generator's eigenvalues (in the comments); nothing expected is taken
from qsym. PennyLane itself is not imported (it is not a test dependency); the
expectations were cross-checked against PennyLane 0.45's ``parameter_frequencies``,
``grad_recipe`` and ``generate_shift_rule`` when this file was written.

Also here: every rule gives the exact derivative of ``<psi| U^dagger O U |psi>``
numerically (random ``psi`` and Hermitian ``O``; exact derivative from sympy), agrees with
central finite differences, ``qsym rules --verify`` passes and fails on a tampered rule,
and the table in ``docs/shift-rules.md`` is the current output of ``qsym rules``.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from sympy.polys.polyerrors import NotAlgebraic

from qsym import _cli as cli, _gates as gates, rules
from qsym._gates import BUILTIN_GATES, GATES

pi = sp.pi
half = sp.Rational(1, 2)
sqrt2 = sp.sqrt(2)
_x = sp.Symbol("x")

DOC_PAGE = Path(__file__).resolve().parent.parent / "docs" / "shift-rules.md"

# ---------------------------------------------------------------------------------------
# PennyLane's recipes, written from the formulas: sets of (coefficient, shift), mult = 1
# ---------------------------------------------------------------------------------------

# One frequency w: f = a + b cos(w g) + c sin(w g), and
# f'(g) = w/(2 sin(w s)) [f(g+s) - f(g-s)]; PennyLane's s = pi/(2w).
# w = 1: shifts +-pi/2, coefficients +-1/2.
TWO_TERM = {(half, pi / 2), (-half, -pi / 2)}
# w = 2 (PCPhase): shifts +-pi/4, coefficients +-1.
FREQ_TWO = {(sp.Integer(1), pi / 4), (sp.Integer(-1), -pi / 4)}
# Frequencies {1/2, 1} (controlled rotations and friends): the equidistant rule with
# R = 2, w = 1/2: shifts +-pi/2, +-3pi/2; coefficients
# +-1/(16 sin^2(pi/8)) = +-(sqrt2+1)/(4 sqrt2) and -+1/(16 sin^2(3pi/8)) = -+(sqrt2-1)/(4 sqrt2).
_C1 = (sqrt2 + 1) / (4 * sqrt2)
_C2 = (sqrt2 - 1) / (4 * sqrt2)
FOUR_TERM = {(_C1, pi / 2), (-_C1, -pi / 2), (-_C2, 3 * pi / 2), (_C2, -3 * pi / 2)}
# No frequency: f is constant, the derivative is 0 and needs no circuit.
NO_TERMS: set = set()


def equidistant_rule(R: int, w) -> set:
    """Wierichs et al.'s closed form for frequencies w, 2w, ..., Rw (PennyLane's
    ``generate_shift_rule``): shifts +-x_mu, x_mu = (2mu-1) pi / (2R) / w, coefficients
    +-c_mu, c_mu = w (-1)^(mu-1) / (4R sin^2((2mu-1) pi / (4R)))."""
    w = sp.sympify(w)
    out = set()
    for mu in range(1, R + 1):
        x = sp.Rational(2 * mu - 1, 2 * R) * pi / w
        c = w * (-1) ** (mu - 1) / (4 * R * sp.sin(sp.Rational(2 * mu - 1, 4 * R) * pi) ** 2)
        out |= {(c, x), (-c, -x)}
    return out


# OrbitalRotation: frequencies {1/2, 1, 3/2, 2}, R = 4, w = 1/2: 8 terms, shifts
# +-pi/4, +-3pi/4, +-5pi/4, +-7pi/4.
EIGHT_TERM = equidistant_rule(4, half)

F1 = (sp.Integer(1),)
F2 = (sp.Integer(2),)
F_HALF_ONE = (half, sp.Integer(1))
F_ORBITAL = (half, sp.Integer(1), sp.Rational(3, 2), sp.Integer(2))

# (gate, num_wires, hyper) -> one (frequencies, recipe) per parameter. num_wires and hyper
# are as in GateDef.variants(): (None, ()) for fixed-wire gates.
EXPECTED = {
    # G = X/2, Y/2, Z/2: eigenvalues +-1/2, difference 1.
    ("RX", None, ()): [(F1, TWO_TERM)],
    ("RY", None, ()): [(F1, TWO_TERM)],
    ("RZ", None, ()): [(F1, TWO_TERM)],
    # G = -|1><1|: eigenvalues {0, -1}, difference 1.
    ("PhaseShift", None, ()): [(F1, TWO_TERM)],
    ("U1", None, ()): [(F1, TWO_TERM)],
    # U2(phi, delta): each parameter appears as exp(i phi) next to entries without it:
    # exponents {0, 1}, difference 1 (the gate is RZ(phi) RY(pi/2) RZ(delta) up to phase).
    ("U2", None, ()): [(F1, TWO_TERM), (F1, TWO_TERM)],
    # U3(theta, phi, delta): theta in cos/sin(theta/2): exponents +-1/2; phi, delta as U2.
    ("U3", None, ()): [(F1, TWO_TERM)] * 3,
    # Rot = RZ(omega) RY(theta) RZ(phi): each parameter through a Pauli rotation: {1}.
    ("Rot", None, ()): [(F1, TWO_TERM)] * 3,
    # Controlled rotations: G = |1><1| (x) P/2, eigenvalues {0, 0, +1/2, -1/2}:
    # differences {1/2, 1}.
    ("CRX", None, ()): [(F_HALF_ONE, FOUR_TERM)],
    ("CRY", None, ()): [(F_HALF_ONE, FOUR_TERM)],
    ("CRZ", None, ()): [(F_HALF_ONE, FOUR_TERM)],
    # CRot: every parameter enters the |1>-block as in Rot (exponents +-1/2) and not the
    # |0>-block (exponent 0): {-1/2, 0, 1/2} -> {1/2, 1} for all three (PennyLane:
    # parameter_frequencies = [(0.5, 1)] * 3).
    ("CRot", None, ()): [(F_HALF_ONE, FOUR_TERM)] * 3,
    # G = -|11><11|: eigenvalues {0, -1}: {1}.
    ("ControlledPhaseShift", None, ()): [(F1, TWO_TERM)],
    # G = P/2 for a two-qubit Pauli word P: eigenvalues +-1/2: {1}.
    ("IsingXX", None, ()): [(F1, TWO_TERM)],
    ("IsingYY", None, ()): [(F1, TWO_TERM)],
    ("IsingZZ", None, ()): [(F1, TWO_TERM)],
    # G = -(XX + YY)/4; XX + YY = 2(|01><10| + |10><01|) has eigenvalues {0, 0, +-2}:
    # G has {0, 0, +-1/2}: {1/2, 1}.
    ("IsingXY", None, ()): [(F_HALF_ONE, FOUR_TERM)],
    # PSWAP: entries 1 and exp(i phi): exponents {0, 1}: {1}. (PennyLane gives no
    # frequencies but the grad_recipe [[1/2, 1, pi/2], [-1/2, 1, -pi/2]]: the same.)
    ("PSWAP", None, ()): [(F1, TWO_TERM)],
    # CPhaseShift00/01/10: G = -|k><k| for one basis state k: eigenvalues {0, -1}: {1}
    # (PennyLane: parameter_frequencies [(1,)]).
    ("CPhaseShift00", None, ()): [(F1, TWO_TERM)],
    ("CPhaseShift01", None, ()): [(F1, TWO_TERM)],
    ("CPhaseShift10", None, ()): [(F1, TWO_TERM)],
    # FermionicSWAP(t): 1 on |00>, exp(i t) on |11>, and exp(i t/2) exp(-i t X/2) on
    # span{|01>, |10>}, whose eigenvalues are exp(i t/2) exp(-+i t/2) = {1, exp(i t)}:
    # the unitary's eigenphases are {0, 0, t, t}: differences {1} (PennyLane: [(1,)]).
    ("FermionicSWAP", None, ()): [(F1, TWO_TERM)],
    # G = Y/2 on span{|01>, |10>}, 0 on |00>, |11>: {0, 0, +-1/2}: {1/2, 1}.
    ("SingleExcitation", None, ()): [(F_HALF_ONE, FOUR_TERM)],
    # Plus/Minus: G -/+ 1/2 on |00>, |11>: eigenvalues {+-1/2} only: {1}.
    ("SingleExcitationPlus", None, ()): [(F1, TWO_TERM)],
    ("SingleExcitationMinus", None, ()): [(F1, TWO_TERM)],
    # G = Y/2 on span{|0011>, |1100>}, 0 on the other 14 states: {1/2, 1}.
    ("DoubleExcitation", None, ()): [(F_HALF_ONE, FOUR_TERM)],
    # Plus/Minus: -/+ 1/2 on the other 14 states: {+-1/2}: {1}.
    ("DoubleExcitationPlus", None, ()): [(F1, TWO_TERM)],
    ("DoubleExcitationMinus", None, ()): [(F1, TWO_TERM)],
    # G = G_up + G_down, two commuting single-excitation generators, each with eigenvalues
    # {0, +-1/2}: sums {-1, -1/2, 0, 1/2, 1}, differences {1/2, 1, 3/2, 2}.
    ("OrbitalRotation", None, ()): [(F_ORBITAL, EIGHT_TERM)],
    # G = Z..Z/2: +-1/2: {1}, for any number of wires.
    ("MultiRZ", 1, ()): [(F1, TWO_TERM)],
    ("MultiRZ", 2, ()): [(F1, TWO_TERM)],
    ("MultiRZ", 3, ()): [(F1, TWO_TERM)],
    # G = P/2 for a Pauli word P that is not all identity: +-1/2: {1}.
    ("PauliRot", 1, (("pauli_word", "X"),)): [(F1, TWO_TERM)],
    ("PauliRot", 2, (("pauli_word", "XY"),)): [(F1, TWO_TERM)],
    ("PauliRot", 3, (("pauli_word", "ZIY"),)): [(F1, TWO_TERM)],
    # All-identity word: G = I/2, one eigenvalue, no difference: a global phase, no terms.
    # (PennyLane's PauliRot always reports frequency 1 and spends 2 circuits that give 0.)
    ("PauliRot", 2, (("pauli_word", "II"),)): [((), NO_TERMS)],
    # PCPhase: U = exp(i t (2P - 1)), G = 1 - 2P, eigenvalues -1 (dim times) and +1:
    # {2} when 0 < dim < 2^n.
    ("PCPhase", 1, (("dim", 1),)): [(F2, FREQ_TWO)],
    ("PCPhase", 2, (("dim", 3),)): [(F2, FREQ_TWO)],
    # dim = 0: G = 1, one eigenvalue: a global phase, no terms. (PennyLane's PCPhase
    # always reports frequency 2 and spends 2 circuits that give 0.)
    ("PCPhase", 2, (("dim", 0),)): [((), NO_TERMS)],
    # G = 1: a global phase, no terms (PennyLane: frequencies (), no circuits).
    ("GlobalPhase", 1, ()): [((), NO_TERMS)],
    ("GlobalPhase", 2, ()): [((), NO_TERMS)],
}

# Variants the table does not list, checked the same way.
EXTRA = {
    # dim = 2^n: G = -1, a global phase again.
    ("PCPhase", 1, (("dim", 2),)): [((), NO_TERMS)],
    ("PCPhase", 2, (("dim", 4),)): [((), NO_TERMS)],
    ("PCPhase", 3, (("dim", 5),)): [(F2, FREQ_TWO)],
    ("PauliRot", 1, (("pauli_word", "I"),)): [((), NO_TERMS)],
    ("PauliRot", 3, (("pauli_word", "III"),)): [((), NO_TERMS)],
    ("PauliRot", 4, (("pauli_word", "YIZX"),)): [(F1, TWO_TERM)],
    ("MultiRZ", 4, ()): [(F1, TWO_TERM)],
    ("GlobalPhase", 3, ()): [((), NO_TERMS)],
}


def _table_variants():
    out = []
    for name, row in GATES.items():
        if row.num_params == 0:
            continue
        for num_wires, hyper in row.variants():
            out.append((name, num_wires, tuple(hyper)))
    return out


TABLE_VARIANTS = _table_variants()


def _cases(keys):
    return [
        pytest.param(name, nw, hyper, pos, id=f"{name}[{pos}]-{nw or ''}{_hyper_id(hyper)}")
        for name, nw, hyper in keys
        for pos in range(GATES[name].num_params)
    ]


def _hyper_id(hyper):
    return "".join(f"-{k}={v}" for k, v in hyper)


ALL_CASES = _cases(TABLE_VARIANTS) + _cases(EXTRA)


def _expected(name, nw, hyper, pos):
    key = (name, nw, hyper)
    table = EXPECTED if key in EXPECTED else EXTRA
    if key not in table:
        pytest.fail(
            f"no expected rule written for {key} in {__file__}: derive its frequencies from "
            "the gate's generator and add it to EXPECTED"
        )
    return table[key][pos]


def _rule(name, nw, hyper, pos):
    return rules.rule_for_gate(name, pos, num_wires=nw, hyper=hyper)


# ---------------------------------------------------------------------------------------
# exact comparison
# ---------------------------------------------------------------------------------------


def exact_equal(a, b) -> bool:
    """Exact equality of two real numbers: ``expand`` first, then (for an algebraic
    difference, such as nested radicals like ``sin(pi/16)**2``, which ``simplify`` does not
    decide) the minimal polynomial of the difference, which is ``x`` iff the difference is
    0, then ``simplify`` (a difference that is not algebraic). (``simplify`` before the
    minimal polynomial cost 4.2 s of the file's CPU and decided none of the differences
    ``expand`` left: issue #17.)"""
    d = (sp.sympify(a) - sp.sympify(b)).doit()
    if d.is_number and abs(sp.N(d, 40)) > 1e-25:
        return False
    if sp.expand(d) == 0:
        return True
    if d.is_number:
        try:
            return sp.minimal_polynomial(d, _x) == _x
        except NotAlgebraic:
            pass
    return sp.simplify(d) == 0


def assert_same_recipe(terms, expected: set, context=""):
    """``terms`` (coeff, shift) pairs equal the set ``expected`` exactly, and as floats."""
    got = sorted(((sp.sympify(c), sp.sympify(s)) for c, s in terms), key=lambda t: float(t[1]))
    want = sorted(expected, key=lambda t: float(t[1]))
    assert len(got) == len(want), f"{context}: {len(got)} terms, expected {len(want)}"
    shifts = [float(s) for _, s in want]
    assert len(set(np.round(shifts, 9))) == len(shifts), "expected shifts must be distinct"
    for (c, s), (ce, se) in zip(got, want):
        assert abs(float(c) - float(ce)) < 1e-12, f"{context}: coefficient {c} != {ce}"
        assert abs(float(s) - float(se)) < 1e-12, f"{context}: shift {s} != {se}"
        assert exact_equal(s, se), f"{context}: shift {s} != {se} exactly"
        assert exact_equal(c, ce), f"{context}: coefficient {c} != {ce} exactly (shift {s})"


# ---------------------------------------------------------------------------------------
# 1. the formulas above are the ones PennyLane prints
# ---------------------------------------------------------------------------------------

# generate_shift_rule((0.5, 1)) and ((0.5, 1, 1.5, 2)) of PennyLane 0.45, as printed:
# [coefficient, shift] rows.
PENNYLANE_FLOATS = {
    F_HALF_ONE: [
        [0.42677669529663687, 1.5707963267948966], [-0.42677669529663687, -1.5707963267948966],
        [-0.07322330470336312, 4.71238898038469], [0.07322330470336312, -4.71238898038469],
    ],
    F_ORBITAL: [
        [0.8210669490340058, 0.7853981633974483], [-0.8210669490340058, -0.7853981633974483],
        [-0.10124465027636095, 2.356194490192345], [0.10124465027636095, -2.356194490192345],
        [0.045201959130365295, 3.9269908169872414], [-0.045201959130365295, -3.9269908169872414],
        [-0.03248644155926813, 5.497787143782138], [0.03248644155926813, -5.497787143782138],
    ],
}


def test_closed_form_reproduces_the_literal_recipes():
    assert_same_recipe(equidistant_rule(1, 1), TWO_TERM, "R=1, w=1")
    assert_same_recipe(equidistant_rule(1, 2), FREQ_TWO, "R=1, w=2")
    assert_same_recipe(equidistant_rule(2, half), FOUR_TERM, "R=2, w=1/2")


@pytest.mark.parametrize("freqs,recipe", [(F_HALF_ONE, FOUR_TERM), (F_ORBITAL, EIGHT_TERM)])
def test_recipes_match_pennylane_floats(freqs, recipe):
    want = sorted(PENNYLANE_FLOATS[freqs], key=lambda t: t[1])
    got = sorted(((float(c), float(s)) for c, s in recipe), key=lambda t: t[1])
    assert np.allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("freqs,recipe", [(F1, TWO_TERM), (F2, FREQ_TWO),
                                          (F_HALF_ONE, FOUR_TERM), (F_ORBITAL, EIGHT_TERM)])
def test_recipes_satisfy_the_exactness_identities(freqs, recipe):
    # sum c = 0; for each frequency w: sum c cos(w s) = 0 and sum c sin(w s) = w
    assert exact_equal(sum(c for c, _ in recipe), 0)
    for w in freqs:
        assert exact_equal(sum(c * sp.cos(w * s) for c, s in recipe), 0)
        assert exact_equal(sum(c * sp.sin(w * s) for c, s in recipe), w)


# ---------------------------------------------------------------------------------------
# 2. qsym's rules equal PennyLane's, gate by gate
# ---------------------------------------------------------------------------------------


def test_every_parametric_row_and_variant_has_an_expectation():
    missing = [key for key in TABLE_VARIANTS if key not in EXPECTED]
    assert not missing, f"table rows with no expected rule in this file: {missing}"
    stale = [key for key in EXPECTED if key not in TABLE_VARIANTS]
    assert not stale, f"expected rules for variants the table no longer lists: {stale}"
    for key, per_param in {**EXPECTED, **EXTRA}.items():
        assert len(per_param) == GATES[key[0]].num_params, key


@pytest.mark.parametrize("name,nw,hyper,pos", ALL_CASES)
def test_rule_equals_pennylane_recipe(name, nw, hyper, pos):
    freqs, recipe = _expected(name, nw, hyper, pos)
    rule = _rule(name, nw, hyper, pos)
    context = f"{name}[{pos}] {nw} {hyper}"
    # frequencies, exactly and in ascending order
    assert len(rule.frequencies) == len(freqs), f"{context}: {rule.frequencies} != {freqs}"
    for f, fe in zip(rule.frequencies, freqs):
        assert exact_equal(f, fe), f"{context}: {rule.frequencies} != {freqs}"
    # PennyLane evaluates 2R shifted circuits
    assert len(rule.terms) == 2 * len(freqs)
    assert all(m == 1 for _, m, _ in rule.terms)
    assert_same_recipe([(c, s) for c, _, s in rule.terms], recipe, context)
    # the floats the kernels use are the same rule
    got = sorted(((c, s) for c, _, s in rule.numeric()), key=lambda t: t[1])
    want = sorted(((float(c), float(s)) for c, s in recipe), key=lambda t: t[1])
    assert np.allclose(got, want, rtol=0, atol=1e-12) if want else got == []


# ---------------------------------------------------------------------------------------
# 3. numerically: the rule gives the exact derivative
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _exact_derivative_function(name, nw, hyper, pos):
    row = GATES[name]
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    dU = sp.diff(row.sympy_matrix(syms, nw, hyper), syms[pos])
    f = sp.lambdify(syms, dU, modules="numpy")
    return lambda *p: np.array(f(*p), dtype=np.complex128)


def _problem(name, nw, hyper, pos):
    """f(params) = <psi| U^dagger O U |psi> for a random state and Hermitian O, its exact
    derivative in parameter ``pos``, and a random point."""
    seed = zlib.crc32(repr((name, nw, hyper, pos)).encode())  # reproducible
    rng = np.random.default_rng(seed)
    row = GATES[name]
    dim = gates.matrix(name, *([0.0] * row.num_params), num_wires=nw, **dict(hyper)).shape[0]
    psi = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    psi /= np.linalg.norm(psi)
    A = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
    O = (A + A.conj().T) / 2
    O /= np.linalg.norm(O, 2)
    x = rng.uniform(-np.pi, np.pi, size=row.num_params)

    def f(params):
        phi = gates.matrix(name, *params, num_wires=nw, **dict(hyper)) @ psi
        return float(np.real(phi.conj() @ O @ phi))

    dU = _exact_derivative_function(name, nw, hyper, pos)(*x)
    U = gates.matrix(name, *x, num_wires=nw, **dict(hyper))
    exact = float(2 * np.real((dU @ psi).conj() @ O @ (U @ psi)))
    return f, x, exact


def _apply(terms, f, x, pos):
    total = 0.0
    for c, m, s in terms:
        y = np.array(x, dtype=float)
        y[pos] = m * y[pos] + s
        total += c * f(y)
    return total


@pytest.mark.parametrize("name,nw,hyper,pos", ALL_CASES)
def test_rule_gives_the_exact_derivative(name, nw, hyper, pos):
    f, x, exact = _problem(name, nw, hyper, pos)
    rule = _rule(name, nw, hyper, pos)
    assert abs(_apply(rule.numeric(), f, x, pos) - exact) < 1e-12
    # the hand-written recipe is right too (independently of qsym's rule)
    _, recipe = _expected(name, nw, hyper, pos)
    expected_terms = [(float(c), 1.0, float(s)) for c, s in recipe]
    assert abs(_apply(expected_terms, f, x, pos) - exact) < 1e-12


@pytest.mark.parametrize("name,nw,hyper,pos", ALL_CASES)
def test_rule_agrees_with_finite_differences(name, nw, hyper, pos):
    f, x, _ = _problem(name, nw, hyper, pos)
    rule = _rule(name, nw, hyper, pos)
    h = 1e-5
    fd = _apply([(1 / (2 * h), 1.0, h), (-1 / (2 * h), 1.0, -h)], f, x, pos)
    assert abs(_apply(rule.numeric(), f, x, pos) - fd) < 1e-7


# ---------------------------------------------------------------------------------------
# 4. the command line
# ---------------------------------------------------------------------------------------


def test_cli_verify_passes(capsys):
    assert cli.main(["rules", "--verify"]) == 0
    captured = capsys.readouterr()
    assert "FAILED" not in captured.out + captured.err
    assert " 0 failed" in captured.err


def test_cli_verify_fails_on_a_tampered_rule(monkeypatch, capsys):
    real = rules.rule_for_gate
    # RX with a wrong backward shift: -pi/4 instead of -pi/2
    tampered_rx = rules.ShiftRule(((half, 1, pi / 2), (-half, 1, -pi / 4)), (sp.Integer(1),))

    def tampered(name, param_index, shifts=None, *, num_wires=None, hyper=()):
        if name == "RX":
            return tampered_rx
        return real(name, param_index, shifts, num_wires=num_wires, hyper=hyper)

    # the CLI clears the memo in verify mode: keep that working on the real cache
    tampered.cache_clear = real.cache_clear
    monkeypatch.setattr(rules, "rule_for_gate", tampered)
    assert cli.main(["rules", "--verify"]) == 1
    captured = capsys.readouterr()
    assert "FAILED RX[0]" in captured.err
    assert " 1 failed" in captured.err
    rx_rows = [line for line in captured.out.splitlines() if line.startswith("RX ")]
    assert len(rx_rows) == 1 and rx_rows[0].rstrip().endswith("FAILED")
    # the other rows are untouched
    assert captured.out.count("FAILED") == 1


def test_cli_verify_fails_on_a_tampered_rule_for_one_gate(monkeypatch, capsys):
    real = rules.rule_for_gate
    wrong = rules.ShiftRule(((half, 1, pi / 2), (-half, 1, -pi / 4)), (sp.Integer(1),))
    fake = lambda *args, **kwargs: wrong  # noqa: E731
    fake.cache_clear = real.cache_clear
    monkeypatch.setattr(rules, "rule_for_gate", fake)
    assert cli.main(["rules", "--verify", "--gate", "RY"]) == 1
    assert "FAILED RY[0]" in capsys.readouterr().err
    monkeypatch.undo()
    assert cli.main(["rules", "--verify", "--gate", "RY"]) == 0


# ---------------------------------------------------------------------------------------
# 5. the table in docs/shift-rules.md is the current `qsym rules` output
# ---------------------------------------------------------------------------------------


def _doc_table_block(text: str) -> list[str]:
    blocks = re.findall(r"^```text\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    tables = [b for b in blocks if b.startswith("gate ") and "coefficients" in b.splitlines()[0]]
    assert len(tables) == 1, "docs/shift-rules.md must hold exactly one `qsym rules` table"
    return [line.rstrip() for line in tables[0].splitlines()]


def test_doc_page_table_matches_qsym_rules(capsys):
    assert cli.main(["rules"]) == 0
    # the built-in gates' rows: another test in this process may have added rows (a
    # controlled gate's row made by qml.ctrl, a user's define_gate) that the page has not
    out = [line.rstrip() for line in capsys.readouterr().out.splitlines()
           if not line.strip() or line.split()[0] not in set(GATES) - BUILTIN_GATES]
    page = _doc_table_block(DOC_PAGE.read_text(encoding="utf-8"))
    assert page == out, (
        "the table in docs/shift-rules.md is out of date: paste the output of `qsym rules`"
    )



def test_exact_equal_decides_nested_radicals_and_sees_a_tiny_difference():
    # sin(pi/16)^2 = (1 - cos(pi/8))/2 = (2 - sqrt(2 + sqrt 2))/4 (half-angle, by hand):
    # decided by the minimal polynomial, not by expand
    s2 = sp.sin(pi / 16) ** 2
    assert sp.expand(s2 - (2 - sp.sqrt(2 + sqrt2)) / 4) != 0
    assert exact_equal(s2, (2 - sp.sqrt(2 + sqrt2)) / 4)
    # a difference of 1e-30 (below the numeric guard) is not equality
    assert not exact_equal(s2, (2 - sp.sqrt(2 + sqrt2)) / 4 + sp.Rational(1, 10**30))
    # a difference that is not algebraic is left to simplify: sin^2 + cos^2 = 1 at 1 radian
    # (neither expand nor the minimal polynomial decides it), and exp(-100) (about 4e-44,
    # below the numeric guard) is not 0
    assert exact_equal(sp.sin(1) ** 2 + sp.cos(1) ** 2, 1)
    assert not exact_equal(sp.exp(1) + sp.exp(-100), sp.exp(1))
