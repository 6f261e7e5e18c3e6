"""qml.bose (issue #18): BoseWord/BoseSentence algebra and the boson-to-qubit mappings,
checked against truncated-oscillator matrices written here in numpy (``<s+1|b⁺|s> =
sqrt(s + 1)``), hand-computed commutators and Pauli expansions; the shared ladder algebra
checked for fermions too against Jordan-Wigner matrices built here by hand."""

from __future__ import annotations

import itertools
from functools import reduce

import numpy as np
import pytest

import qsym as qml
from qsym.bose import BoseSentence, BoseWord, binary_mapping, christiansen_mapping, unary_mapping
from qsym.errors import ArgumentError
from qsym.fermi import FermiSentence, FermiWord, from_string
from qsym.pauli import PauliSentence, PauliWord


def creation(n):
    """The truncated b⁺ on n occupations, by hand."""
    m = np.zeros((n, n))
    for s in range(n - 1):
        m[s + 1, s] = np.sqrt(s + 1)
    return m


def word_matrix(word, n, modes):
    """The matrix of a BoseWord on ``modes`` modes, each truncated to n occupations (mode 0
    the most significant factor): the product of the operators' truncated matrices."""
    out = np.eye(n ** modes)
    for (_, mode), sign in word.items():
        single = creation(n) if sign == "+" else creation(n).T
        out = out @ reduce(np.kron, [single if k == mode else np.eye(n) for k in range(modes)])
    return out


def sentence_matrix(sentence, n, modes):
    return sum((c * word_matrix(w, n, modes) for w, c in sentence.items()),
               np.zeros((n ** modes, n ** modes)))


B = {"+": lambda m: BoseWord({(0, m): "+"}), "-": lambda m: BoseWord({(0, m): "-"})}


# ---- the mappings against truncated oscillators ------------------------------------------
@pytest.mark.parametrize("n_states", [2, 3, 4, 8])
def test_binary_mapping_of_one_operator_is_the_truncated_oscillator(n_states):
    m = int(np.ceil(np.log2(n_states)))
    order = list(range(m))[::-1]  # the most significant bit first: row index = occupation
    for sign, expected in (("+", creation(n_states)), ("-", creation(n_states).T)):
        got = binary_mapping(B[sign](0), n_states=n_states, ps=True).to_mat(wire_order=order)
        padded = np.zeros((2 ** m, 2 ** m))
        padded[:n_states, :n_states] = expected
        np.testing.assert_allclose(got, padded, atol=1e-12)


def test_binary_mapping_of_the_commutator_is_one_below_the_truncation():
    """[b, b⁺] = 1, except on the top kept state: diag(1, 1, 1, -3) for 4 states."""
    comm = B["-"](0) * B["+"](0) - B["+"](0) * B["-"](0)
    got = binary_mapping(comm, n_states=4, ps=True).to_mat(wire_order=[1, 0])
    np.testing.assert_allclose(got, np.diag([1.0, 1.0, 1.0, -3.0]), atol=1e-12)


def test_binary_mapping_of_a_second_mode_uses_the_next_register():
    # b⁺_1 with 2 states per mode: qubit 1, (X - iY) / 2
    ps = binary_mapping(B["+"](1), n_states=2, ps=True)
    assert ps == PauliSentence({PauliWord({1: "X"}): 0.5, PauliWord({1: "Y"}): -0.5j})
    # b⁺_1 with 4 states: qubits 2, 3
    assert binary_mapping(B["+"](1), n_states=4, ps=True).wires.toset() == {2, 3}


@pytest.mark.parametrize("n_states", [2, 3, 5])
def test_unary_mapping_on_the_one_hot_states_is_the_truncated_oscillator(n_states):
    word = B["+"](0) * B["-"](0) * B["+"](0)  # b⁺ b b⁺
    mat = unary_mapping(word, n_states=n_states, ps=True).to_mat(wire_order=range(n_states))
    onehot = np.zeros((2 ** n_states, n_states))
    for s in range(n_states):
        onehot[2 ** (n_states - 1 - s), s] = 1  # qubit s set, qubit 0 the most significant
    np.testing.assert_allclose(onehot.T @ mat @ onehot, word_matrix(word, n_states, 1), atol=1e-12)


def test_unary_number_operator_is_the_weighted_sum_of_projectors():
    # b⁺ b = sum_s s |1><1|_s = sum_s s (I - Z_s) / 2, by hand
    got = unary_mapping(B["+"](0) * B["-"](0), n_states=3, ps=True)
    expected = PauliSentence({PauliWord({}): 1.5, PauliWord({1: "Z"}): -0.5,
                              PauliWord({2: "Z"}): -1.0})
    assert set(got) == set(expected)
    for w in expected:
        assert abs(got[w] - expected[w]) < 1e-12


def test_christiansen_mapping_of_commutator_and_number():
    b, bd = B["-"](0), B["+"](0)
    # [b, b⁺] on one qubit (occupation 0 or 1): |0><0| - |1><1| = Z
    assert christiansen_mapping(b * bd - bd * b, ps=True, tol=1e-12) == PauliSentence(
        {PauliWord({0: "Z"}): 1.0})
    # b⁺_0 b_1 = σ⁺_0 σ⁻_1 as a matrix, qubit 0 the most significant
    sp = np.array([[0, 0], [1, 0]])
    got = christiansen_mapping(B["+"](0) * B["-"](1), ps=True).to_mat(wire_order=[0, 1])
    np.testing.assert_allclose(got, np.kron(sp, sp.T), atol=1e-12)


def test_mapping_options_operator_wire_map_and_tol():
    op = christiansen_mapping(B["+"](0) * B["-"](0))
    np.testing.assert_allclose(qml.matrix(op, wire_order=[0]), np.diag([0.0, 1.0]), atol=1e-12)
    ps = christiansen_mapping(B["+"](0), ps=True, wire_map={0: "a"})
    assert ps == PauliSentence({PauliWord({"a": "X"}): 0.5, PauliWord({"a": "Y"}): -0.5j})
    real = christiansen_mapping(B["+"](0) * B["-"](0), ps=True, tol=1e-12)
    assert all(isinstance(c, float) for c in real.values())
    assert binary_mapping(BoseSentence({}), ps=True) == PauliSentence({})


def test_mapping_errors():
    with pytest.raises(TypeError, match="bose_operator must be a BoseWord or BoseSentence"):
        binary_mapping(qml.X(0))
    with pytest.raises(ValueError, match="cannot be less than 2"):
        unary_mapping(B["+"](0), n_states=1)
    with pytest.raises(ValueError, match="mode indices 0, 1, 2"):
        christiansen_mapping(BoseWord({(0, "a"): "+"}))


# ---- algebra: shift_operator and normal_order against matrices -----------------------------
def low_block(mat, n, modes, depth):
    """The rows/columns of occupations below n - depth on every mode (truncation-free)."""
    keep = [i for i, occ in enumerate(itertools.product(range(n), repeat=modes))
            if max(occ) < n - depth]
    return mat[np.ix_(keep, keep)]


WORDS = [
    BoseWord({(0, 0): "-", (1, 0): "+"}),
    BoseWord({(0, 0): "-", (1, 0): "-", (2, 0): "+", (3, 0): "+"}),
    BoseWord({(0, 0): "-", (1, 1): "-", (2, 0): "+", (3, 1): "+", (4, 0): "+"}),
    BoseWord({(0, 1): "-", (1, 0): "+", (2, 1): "+", (3, 0): "-", (4, 1): "-"}),
]


@pytest.mark.parametrize("word", WORDS)
def test_normal_order_is_the_same_operator_and_normal_ordered(word):
    n, modes = 8, 2
    ordered = word.normal_order()
    for w in ordered:
        signs = [s for _, s in w.items()]
        assert signs == sorted(signs)  # every "+" before every "-"
    depth = len(word)
    np.testing.assert_allclose(low_block(sentence_matrix(ordered, n, modes), n, modes, depth),
                               low_block(word_matrix(word, n, modes), n, modes, depth), atol=1e-9)


def test_normal_order_by_hand():
    # b b b⁺ b⁺ = 2 + 4 b⁺ b + b⁺ b⁺ b b
    w = BoseWord({(0, 0): "-", (1, 0): "-", (2, 0): "+", (3, 0): "+"})
    assert w.normal_order() == BoseSentence({
        BoseWord({}): 2.0, BoseWord({(0, 0): "+", (1, 0): "-"}): 4.0,
        BoseWord({(0, 0): "+", (1, 0): "+", (2, 0): "-", (3, 0): "-"}): 1.0})
    s = BoseSentence({BoseWord({(0, 0): "-", (1, 0): "+"}): 2.0, BoseWord({}): 1.0})
    assert s.normal_order() == BoseSentence({BoseWord({}): 3.0,
                                             BoseWord({(0, 0): "+", (1, 0): "-"}): 2.0})


@pytest.mark.parametrize("word, i, j", [(WORDS[1], 3, 0), (WORDS[2], 0, 4), (WORDS[3], 4, 1),
                                        (BoseWord({(0, 0): "+", (1, 0): "-"}), 0, 1)])
def test_shift_operator_is_the_same_operator(word, i, j):
    n, modes = 8, 2
    shifted = word.shift_operator(i, j)
    moved = [op for op in word.items()]
    op = moved.pop(i)
    moved.insert(j, op)
    assert BoseWord({(k, m): s for k, ((_, m), s) in enumerate(moved)}) in shifted
    depth = len(word)
    np.testing.assert_allclose(low_block(sentence_matrix(shifted, n, modes), n, modes, depth),
                               low_block(word_matrix(word, n, modes), n, modes, depth), atol=1e-9)


def test_shift_creation_past_annihilation_subtracts_one():
    """b⁺ b = b b⁺ - 1 (PennyLane 0.45.1 gives + 1 here: docs/pennylane.md)."""
    w = BoseWord({(0, 0): "+", (1, 0): "-"})
    assert w.shift_operator(0, 1) == BoseSentence({BoseWord({(0, 0): "-", (1, 0): "+"}): 1.0,
                                                   BoseWord({}): -1.0})


# ---- fermions share the algebra: checked against Jordan-Wigner matrices by hand ------------
def jw(mode, sign, n):
    lower = np.array([[0, 1], [0, 0]])  # a|1> = |0>
    single = lower.T if sign == "+" else lower
    return reduce(np.kron, [np.diag([1, -1]) if k < mode else single if k == mode else np.eye(2)
                            for k in range(n)])


def fermi_matrix(sentence, n):
    out = np.zeros((2 ** n, 2 ** n))
    for w, c in sentence.items():
        out = out + c * reduce(np.matmul, [jw(m, s, n) for (_, m), s in w.items()], np.eye(2 ** n))
    return out


@pytest.mark.parametrize("text", ["0 1+ 1 0+", "2 0+ 1 2+ 1+", "0 0+ 0 0+", "1 0 1+ 0+"])
def test_fermi_normal_order_and_shift_keep_the_operator(text):
    word = from_string(text)
    expected = fermi_matrix(FermiSentence({word: 1.0}), 3)
    ordered = word.normal_order()
    assert all([s for _, s in w.items()] == sorted(s for _, s in w.items()) for w in ordered)
    np.testing.assert_allclose(fermi_matrix(ordered, 3), expected, atol=1e-12)
    np.testing.assert_allclose(fermi_matrix(word.shift_operator(0, len(word) - 1), 3), expected,
                               atol=1e-12)


def test_fermi_to_string_round_trip_and_families_do_not_mix():
    from qsym.fermi.fermionic import _to_string  # PennyLane's private module path
    w = FermiWord({(0, 0): "+", (1, 3): "-"})
    assert _to_string(w) == "0+ 3-" and _to_string(w, of=True) == "0^ 3"
    assert from_string(_to_string(w)) == w and _to_string(FermiWord({})) == "I"
    with pytest.raises(TypeError, match="different particles"):
        FermiSentence({w: 1.0}) + BoseWord({(0, 0): "+"})
    with pytest.raises(TypeError, match="different particles"):
        BoseWord({(0, 0): "+"}) * w


def test_bose_arithmetic_and_module_paths():
    from qsym.bose.bosonic import BoseWord as W
    from qsym.bose.bosonic_mapping import unary_mapping as um
    assert W is BoseWord and um is unary_mapping and qml.BoseWord is BoseWord
    w = BoseWord({(0, 0): "+", (1, 1): "-"})
    assert str(w) == "b⁺(0) b(1)" and repr(w) == "BoseWord({(0, 0): '+', (1, 1): '-'})"
    assert (w - w) == BoseSentence({w: 0.0}) and (2 - w)[BoseWord({})] == 2
    assert (w * 2) ** 2 == BoseSentence({w * w: 4})
    with pytest.raises(TypeError, match="Cannot multiply BoseWord by"):
        w * "x"
    with pytest.raises(ValueError, match="Arithmetic Bose operations can only accept"):
        w + np.array([1, 2])
    with pytest.raises(TypeError, match="BoseWord object does not support assignment"):
        w[(2, 0)] = "+"
