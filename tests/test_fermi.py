"""qml.fermi (issue #18): fermionic words and sentences, their arithmetic, and their
mappings to qubits, checked against the canonical anticommutation relations, hand-written
matrices and (where installed) PennyLane itself."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

import qsym as qml
from qsym.fermi import FermiA, FermiC, FermiSentence, FermiWord, from_string

MAPPINGS = {
    "jordan_wigner": lambda op, n: qml.jordan_wigner(op, ps=True),
    "parity": lambda op, n: qml.parity_transform(op, n, ps=True),
    "bravyi_kitaev": lambda op, n: qml.bravyi_kitaev(op, n, ps=True),
}


def _mat(op, mapping, n):
    return MAPPINGS[mapping](FermiSentence({op: 1.0}) if isinstance(op, FermiWord) else op,
                             n).to_mat(wire_order=range(n))


# ---- the mappings ---------------------------------------------------------------------------

def test_jordan_wigner_of_one_creation_operator_is_written_out():
    # a+ on mode 1 of 2: Z on mode 0 (the sign), |1><0| on mode 1; mode 0 most significant
    sigma_plus = np.array([[0, 0], [1, 0]])
    expected = np.kron(np.diag([1, -1]), sigma_plus)
    assert np.allclose(_mat(FermiC(1), "jordan_wigner", 2), expected)
    assert np.allclose(_mat(FermiA(1), "jordan_wigner", 2), expected.T)


@pytest.mark.parametrize("mapping", sorted(MAPPINGS))
def test_the_ladder_operators_obey_the_anticommutation_relations(mapping):
    n = 4
    a = {j: _mat(FermiA(j), mapping, n) for j in range(n)}
    c = {j: _mat(FermiC(j), mapping, n) for j in range(n)}
    eye = np.eye(2 ** n)
    for i, j in itertools.product(range(n), repeat=2):
        assert np.allclose(a[i] @ c[j] + c[j] @ a[i], eye * (i == j))
        assert np.allclose(a[i] @ a[j] + a[j] @ a[i], 0)
        assert np.allclose(c[i], a[i].conj().T)


@pytest.mark.parametrize("mapping", sorted(MAPPINGS))
def test_a_number_operator_counts_the_encoded_occupation(mapping):
    # the Hartree-Fock state encoded for the mapping is an eigenstate of every n_j
    n, electrons = 4, 2
    state_bits = qml.qchem.hf_state(electrons, n, basis=mapping if mapping != "jordan_wigner"
                                    else "occupation_number")
    index = int("".join(map(str, state_bits)), 2)
    for j in range(n):
        number = _mat(FermiC(j) * FermiA(j), mapping, n)
        assert number[index, index] == pytest.approx(1.0 if j < electrons else 0.0)


def test_the_three_mappings_give_one_spectrum():
    rng = np.random.default_rng(5)
    h = FermiSentence({})
    for p, q in itertools.product(range(4), repeat=2):
        x = rng.normal()
        h = h + x * FermiC(p) * FermiA(q) + x * FermiC(q) * FermiA(p)
    spectra = [np.linalg.eigvalsh(_mat(h, m, 4)) for m in sorted(MAPPINGS)]
    assert np.allclose(spectra[0], spectra[1]) and np.allclose(spectra[0], spectra[2])


def test_a_mapped_word_is_a_pauli_sentence_or_an_operator():
    ps = qml.jordan_wigner(FermiC(0) * FermiA(0), ps=True, tol=1e-12)
    assert dict(ps) == {qml.pauli.PauliWord({}): 0.5, qml.pauli.PauliWord({0: "Z"}): -0.5}
    op = qml.jordan_wigner(FermiC(0) * FermiA(0))
    assert np.allclose(qml.matrix(op, wire_order=[0]), np.diag([0, 1]))
    mapped = qml.jordan_wigner(FermiC(0) * FermiA(1), ps=True, wire_map={0: "a", 1: "b"})
    assert set(mapped.wires) == {"a", "b"}


def test_mapping_errors_say_what_to_do():
    with pytest.raises(ValueError, match="must be a FermiWord or FermiSentence"):
        qml.jordan_wigner(qml.X(0))
    with pytest.raises(ValueError, match="system with only 2 qubits"):
        qml.parity_transform(FermiC(3), 2)


# ---- words and sentences --------------------------------------------------------------------

def test_words_multiply_by_concatenation_and_print_as_pennylane():
    w = FermiC(0) * FermiA(1)
    assert w == FermiWord({(0, 0): "+", (1, 1): "-"})
    assert str(w) == "a⁺(0) a(1)" and repr(w) == "FermiWord({(0, 0): '+', (1, 1): '-'})"
    assert str(w * w) == "a⁺(0) a(1) a⁺(0) a(1)" and w ** 2 == w * w
    assert str(FermiWord({})) == "I" and w.wires == {0, 1}
    assert w.adjoint() == FermiWord({(0, 1): "+", (1, 0): "-"})
    assert FermiC(3).adjoint() == FermiA(3) and FermiA(3).adjoint() == FermiC(3)
    assert from_string("0+ 1- 0^ 1") == w * w and from_string("  ") == FermiWord({})


def test_sentences_add_scale_and_multiply_as_operators():
    w1, w2 = FermiC(0) * FermiA(1), FermiC(1) * FermiA(0)
    s = 1.5 * w1 + w2 - 0.5
    assert s == {w1: 1.5, w2: 1.0, FermiWord({}): -0.5}
    # the product of sentences is the product of their matrices
    lhs = _mat(s * s, "jordan_wigner", 2)
    assert np.allclose(lhs, _mat(s, "jordan_wigner", 2) @ _mat(s, "jordan_wigner", 2))
    assert np.allclose(_mat(s.adjoint(), "jordan_wigner", 2),
                       _mat(s, "jordan_wigner", 2).conj().T)
    s2 = FermiSentence({w1: 1e-10, w2: 1.0})
    s2.simplify()
    assert s2 == {w2: 1.0}
    assert str(FermiSentence({})) == "0 * I"


@pytest.mark.parametrize("spec", ["0+ 1- 2+ 0-", "1+ 1- 1+", "0- 0+ 2- 1+"])
def test_shift_operator_keeps_the_operator(spec):
    word = from_string(spec)
    n = len(word)
    for i, j in itertools.product(range(n), repeat=2):
        moved = word.shift_operator(i, j)
        assert np.allclose(_mat(moved, "jordan_wigner", 3), _mat(word, "jordan_wigner", 3))
        # the operator at i now sits at j in the leading word
        lead = [w for w in moved if len(w) == n]
        assert lead and list(lead[0].items())[j][1] == list(word.items())[i][1]


@pytest.mark.parametrize("make, match", [
    (lambda: FermiC(-1), "positive integer value for orbital"),
    (lambda: FermiA(0.5), "positive integer value for orbital"),
    (lambda: FermiWord({(1, 0): "+"}), "must belong to the set"),
    (lambda: FermiC(0) ** -1, "positive integer"),
    (lambda: FermiC(0) + "a", "Cannot add"),
    (lambda: FermiC(0) * np.array([1.0, 2.0]), "array of length 1"),
    (lambda: from_string("0+ 1x"), "Invalid character"),
    (lambda: FermiC(0).shift_operator(0, 3), "out of range"),
])
def test_bad_words_raise_pennylanes_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_words_are_immutable_and_hashable():
    w = FermiC(0) * FermiA(1)
    with pytest.raises(TypeError, match="does not support assignment"):
        w[(2, 0)] = "+"
    assert {w: 1}[FermiWord({(0, 0): "+", (1, 1): "-"})] == 1


# ---- against PennyLane ----------------------------------------------------------------------

def test_mappings_agree_with_pennylane():
    pl = pytest.importorskip("pennylane")
    rnd = random.Random(7)
    for _ in range(60):
        spec = {(i, rnd.randrange(5)): rnd.choice("+-") for i in range(rnd.randrange(1, 5))}
        for name, extra in (("jordan_wigner", ()), ("parity_transform", (6,)),
                            ("bravyi_kitaev", (6,))):
            ours = getattr(qml, name)(FermiWord(spec), *extra, ps=True)
            theirs = getattr(pl, name)(pl.FermiWord(spec), *extra, ps=True)
            a = {frozenset(w.items()): complex(c) for w, c in ours.items() if abs(c) > 1e-14}
            b = {frozenset(w.items()): complex(c) for w, c in theirs.items() if abs(c) > 1e-14}
            assert a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-14 for k in a)


@pytest.mark.parametrize("mapping", ["jordan_wigner", "parity_transform", "bravyi_kitaev"])
@pytest.mark.parametrize("word", [{(0, -1): "+", (1, 0): "-"}, {(0, "a"): "+"}])
def test_mappings_refuse_orbitals_that_are_not_non_negative_integers(mapping, word):
    # orbital -1 was a KeyError from inside the ladder table; a label orbital a TypeError
    fn = getattr(qml.fermi, mapping)
    kwargs = {} if mapping == "jordan_wigner" else {"n": 3}
    with pytest.raises(qml.errors.ArgumentError, match="need orbital indices 0, 1, 2"):
        fn(qml.fermi.FermiWord(word), **kwargs)
