"""PauliWord / PauliSentence arithmetic (issue #18): products, sums, commutators,
``simplify`` and ``to_mat`` against hand-written matrices, and PennyLane 0.45's documented
order of terms and coefficient types (its docstrings' outputs)."""

import copy
import itertools
import pickle
import random

import numpy as np
import pytest

from qsym.errors import MeasurementError
from qsym.pauli import PauliSentence, PauliWord

I2 = np.eye(2)
MATS = {"I": I2, "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
        "Z": np.array([[1, 0], [0, -1]])}


def hand_matrix(word: dict, order) -> np.ndarray:
    """The Kronecker product of the hand-written 2x2 matrices, first wire leftmost."""
    m = np.eye(1)
    for w in order:
        m = np.kron(m, MATS[word.get(w, "I")])
    return m


def hand_sentence_matrix(terms: dict, order) -> np.ndarray:
    return sum(c * hand_matrix(w, order) for w, c in terms.items())


def random_word(rng, wires, k):
    return {w: rng.choice("XYZ") for w in rng.sample(range(wires), k)}


def test_word_product_matches_matrix_product_for_every_pair_of_two_wire_words():
    order = [0, 1]
    for a, b in itertools.product(itertools.product("IXYZ", repeat=2), repeat=2):
        wa, wb = dict(zip(order, a)), dict(zip(order, b))
        prod = PauliWord(wa) @ PauliWord(wb)
        assert len(prod) == 1
        np.testing.assert_allclose(prod.to_mat(order),
                                   hand_matrix(wa, order) @ hand_matrix(wb, order), atol=1e-12)


def test_word_product_order_and_phase_are_pennylanes():
    # PennyLane's PauliWord docstring: the longer word's wires first, then the new ones
    w1, w2 = PauliWord({0: "X", 1: "Y"}), PauliWord({1: "X", 2: "Z"})
    assert repr(w1 @ w2) == "-1j * X(0) @ Z(1) @ Z(2)"
    out = PauliWord({0: "X"}) @ PauliWord({1: "Y", 0: "Z"})  # the right one is longer
    assert repr(out) == "-1j * Y(1) @ Y(0)"  # X Z = -i Y on wire 0
    assert list(next(iter(out))) == [1, 0]


def test_word_product_coefficient_types():
    same = PauliWord({0: "X"}) @ PauliWord({0: "X"})
    assert same == {PauliWord({}): 1} and type(same[PauliWord({})]) is int
    apart = PauliWord({0: "X"}) @ PauliWord({1: "X"})
    assert type(next(iter(apart.values()))) is int
    xy = PauliWord({0: "X"}) @ PauliWord({0: "Y"})
    assert xy == {PauliWord({0: "Z"}): 1j} and type(xy[PauliWord({0: "Z"})]) is complex


def test_random_sentence_product_matches_matrix_product():
    rng = random.Random(7)
    order = list(range(4))
    a = {PauliWord(random_word(rng, 4, 2)): rng.uniform(-1, 1) for _ in range(6)}
    b = {PauliWord(random_word(rng, 4, 3)): complex(rng.uniform(-1, 1), 1) for _ in range(5)}
    prod = PauliSentence(a) @ PauliSentence(b)
    np.testing.assert_allclose(prod.to_mat(order), hand_sentence_matrix(a, order)
                               @ hand_sentence_matrix(b, order), atol=1e-12)


def test_commutators_match_matrix_commutators():
    rng = random.Random(8)
    order = list(range(4))
    for _ in range(40):
        wa, wb = random_word(rng, 4, 2), random_word(rng, 4, 3)
        ma, mb = hand_matrix(wa, order), hand_matrix(wb, order)
        comm = PauliWord(wa).commutator(PauliWord(wb))
        expected = ma @ mb - mb @ ma
        commutes = np.allclose(expected, 0)
        assert PauliWord(wa).commutes_with(PauliWord(wb)) == commutes
        if commutes:
            assert comm == {} and isinstance(comm, PauliSentence)
        else:
            np.testing.assert_allclose(comm.to_mat(order), expected, atol=1e-12)
    a = {PauliWord({0: "X"}): 2.0, PauliWord({1: "Z"}): 1.0}
    b = {PauliWord({0: "Z", 1: "X"}): 0.5, PauliWord({2: "Y"}): 1.0}
    ma, mb = hand_sentence_matrix(a, [0, 1, 2]), hand_sentence_matrix(b, [0, 1, 2])
    comm = PauliSentence(a).commutator(PauliSentence(b))
    np.testing.assert_allclose(comm.to_mat([0, 1, 2]), ma @ mb - mb @ ma, atol=1e-12)


def test_sentence_commutator_with_a_word_by_hand():
    # [2 X0 + Z1, Z0 X1] = 2 (2 X0 Z0 X1) + 2 Z1 X1 (both anticommute) = -4j Y0 X1 + 2j Z0 Y1
    s = PauliSentence({PauliWord({0: "X"}): 2, PauliWord({1: "Z"}): 1})
    comm = s.commutator(PauliWord({0: "Z", 1: "X"}))
    assert repr(comm) == "-4j * Y(0) @ X(1)\n+ 2j * Z(0) @ Y(1)"
    assert repr(PauliWord({0: "Y"}).commutator(PauliSentence({PauliWord({0: "Z"}): 0.5}))) \
        == "1j * X(0)"  # -1.0 * [0.5 Z, Y] = -0.5 * (2 * -i X)


def test_sentence_sum_order_and_types_are_pennylanes():
    a = PauliSentence({PauliWord({0: "X"}): 1})
    b = PauliSentence({PauliWord({1: "Z"}): 2, PauliWord({0: "X"}): 3})
    for total in (a + b, b + a):  # the longer sentence's words first
        assert repr(total) == "2 * Z(1)\n+ 4 * X(0)"
        assert [type(c) for c in total.values()] == [int, int]
    new = PauliSentence({PauliWord({0: "X"}): 1}) + PauliSentence({PauliWord({1: "Y"}): 4})
    assert repr(new) == "1 * X(0)\n+ 4.0 * Y(1)"  # a new word: 0.0 + 4
    c = PauliSentence({PauliWord({1: "Z"}): 2})
    c += PauliSentence({PauliWord({0: "Y"}): 5})
    assert repr(c) == "2 * Z(1)\n+ 5 * Y(0)" and type(c[PauliWord({0: "Y"})]) is int
    assert a + b is not b and len(b) == 2 and b[PauliWord({0: "X"})] == 3  # operands unchanged


def test_simplify_drops_small_terms_in_place_keeping_order():
    s = PauliSentence({PauliWord({0: "X"}): 1e-10, PauliWord({1: "Z"}): 0.5,
                       PauliWord({2: "Y"}): -1e-9j, PauliWord({0: "Y"}): -2})
    assert s.simplify() is None
    assert repr(s) == "0.5 * Z(1)\n+ -2 * Y(0)"
    s.simplify(tol=0.6)
    assert list(s.values()) == [-2]


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 0, 1], ["a", 0, 1, 2]])
def test_to_mat_matches_kronecker_products(order):
    rng = random.Random(9)
    terms = {PauliWord(random_word(rng, 3, rng.randint(0, 3))): complex(rng.uniform(-1, 1),
                                                                       rng.uniform(-1, 1))
             for _ in range(12)}
    got = PauliSentence(terms).to_mat(wire_order=order)
    assert got.dtype == complex
    np.testing.assert_allclose(got, hand_sentence_matrix(terms, order), atol=1e-12)
    word = {0: "Y", 2: "X"}
    np.testing.assert_allclose(PauliWord(word).to_mat(order, coeff=0.5),
                               0.5 * hand_matrix(word, order), atol=1e-12)


def test_word_validation_and_identity_filter():
    assert PauliWord({0: "I", 1: "X"}) == {1: "X"}
    assert PauliWord([(0, "Z")]) == {0: "Z"}
    with pytest.raises(MeasurementError, match="'I', 'X', 'Y' or 'Z'"):
        PauliWord({0: "A"})
    with pytest.raises(MeasurementError, match="'I', 'X', 'Y' or 'Z'"):
        PauliWord({0: ["X"]})
    with pytest.raises(TypeError):
        PauliWord({0: "X"})[1] = "Y"


def test_words_made_by_products_hash_copy_and_pickle_as_words():
    word = next(iter(PauliWord({0: "X", 1: "Y"}) @ PauliWord({1: "Z"})))
    assert type(word) is PauliWord and word == {0: "X", 1: "X"}
    assert hash(word) == hash(PauliWord({1: "X", 0: "X"}))
    for clone in (copy.copy(word), copy.deepcopy(word), pickle.loads(pickle.dumps(word)),
                  PauliWord(word)):
        assert type(clone) is PauliWord and clone == word and hash(clone) == hash(word)
    assert not hasattr(word, "__dict__")  # PennyLane's __slots__


def test_generators_are_the_hand_written_matrices_at_every_call():
    # op.generator() is kept per gate kind (issue #18 speed): still each gate's own wires,
    # U(t) = exp(i t G) with G = -X/2, -Z Z/2, -Z Z Z/2 (PennyLane's conventions)
    import qsym as qml

    for _ in range(2):
        for op, expected, order in [
                (qml.RX(0.3, wires=5), -0.5 * MATS["X"], [5]),
                (qml.IsingZZ(0.2, wires=[2, 0]), -0.5 * np.kron(MATS["Z"], MATS["Z"]), [2, 0]),
                (qml.MultiRZ(0.1, wires=[0, 1, 2]),
                 -0.5 * np.kron(np.kron(MATS["Z"], MATS["Z"]), MATS["Z"]), [0, 1, 2]),
                (qml.MultiRZ(0.1, wires=["a", "b"]), -0.5 * np.kron(MATS["Z"], MATS["Z"]),
                 ["a", "b"])]:
            gen = op.generator()
            assert set(gen.wires) == set(order)  # (PennyLane's order [2, 0]: qsym's [0, 2])
            np.testing.assert_allclose(qml.matrix(gen, wire_order=order), expected, atol=1e-12)


def test_pauli_gates_pauli_rep_is_their_word_with_coefficient_float_one():
    import qsym as qml

    for op, letter, wire in [(qml.X(0), "X", 0), (qml.PauliY("a"), "Y", "a"), (qml.Z(3), "Z", 3)]:
        rep = op.pauli_rep
        assert rep == {PauliWord({wire: letter}): 1.0} and type(rep[PauliWord({wire: letter})]) is float
        assert op.pauli_rep is rep  # stored, as PennyLane's
        np.testing.assert_allclose(rep.to_mat([wire]), MATS[letter])
