"""split_non_commuting's grouping (qsym/_splitting.py): qubit-wise commuting groups by
PennyLane's largest-first colouring, checked by brute force (every pair in a group commutes
qubit-wise, no 2-group split of the words is missed) and by hand-computed values."""

import itertools

import numpy as np
import pytest

import qsym as qml


def _qwc(a: dict, b: dict) -> bool:
    return all(a[w] == b[w] for w in set(a) & set(b))


WORDS = [{0: "X"}, {0: "Y"}, {1: "Z"}, {0: "X", 1: "Y"}, {0: "Y", 1: "Z"}]
OPS = [qml.X(0), qml.Y(0), qml.Z(1), qml.X(0) @ qml.Y(1), qml.Y(0) @ qml.Z(1)]


def test_qwc_groups_are_valid_and_as_few_as_brute_force():
    tape = qml.tape.QuantumScript([], [qml.expval(o) for o in OPS])
    tapes, _ = qml.transforms.split_non_commuting(tape, grouping_strategy="qwc")
    # brute force: the fewest groups of pairwise qubit-wise commuting words
    fewest = min(k for k in range(1, 6) for colours in itertools.product(range(k), repeat=5)
                 if all(_qwc(WORDS[i], WORDS[j]) for i, j in itertools.combinations(range(5), 2)
                        if colours[i] == colours[j]))
    assert fewest == 2 and len(tapes) == 2  # first-fit in order needs 3
    for t in tapes:
        words = [dict(next(iter(m.measured_obs.pauli_rep))) for m in t.measurements]
        assert all(w in WORDS for w in words)
        assert all(_qwc(a, b) for a, b in itertools.combinations(words, 2))


def test_probs_of_an_operator_is_grouped_by_its_word_and_values_are_right():
    x = 0.4
    tape = qml.tape.QuantumScript([qml.RY(x, 0)], [
        qml.expval(qml.Z(0)), qml.probs(op=qml.X(0)), qml.expval(qml.X(0))])
    tapes, fn = qml.transforms.split_non_commuting(tape, grouping_strategy="qwc")
    assert len(tapes) == 2  # Z(0) alone; probs in X's basis with X(0)
    dev = qml.device("default.qubit", wires=1)
    z, probs, xv = fn(qml.execute(tapes, dev))
    # RY(x)|0> = (cos x/2, sin x/2): <Z> = cos x, <X> = sin x, P(+) = (1 + sin x) / 2
    assert np.isclose(z, np.cos(x)) and np.isclose(xv, np.sin(x))
    assert np.allclose(probs, [(1 + np.sin(x)) / 2, (1 - np.sin(x)) / 2])


@pytest.mark.parametrize("make", [lambda o: qml.counts(o), lambda o: qml.var(o)])
def test_a_sum_measured_other_than_expval_is_refused(make):
    tape = qml.tape.QuantumScript([], [make(qml.X(0) + qml.Y(1))])
    with pytest.raises(RuntimeError, match="Cannot split up terms in sums"):
        qml.transforms.split_non_commuting(tape)


def test_a_constant_term_of_a_broadcast_tape_has_one_value_per_parameter_set():
    xs = np.array([0.1, 0.7])
    tape = qml.tape.QuantumScript([qml.RX(xs, 0)], [
        qml.expval(qml.Z(0)), qml.expval(1.5 * qml.I(0))])
    tapes, fn = qml.transforms.split_non_commuting(tape, grouping_strategy=None)
    z, const = fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))
    assert np.allclose(z, np.cos(xs))
    assert np.shape(const) == (2,) and np.allclose(const, 1.5)
