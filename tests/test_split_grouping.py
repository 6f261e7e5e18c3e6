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


# -- a sum without a pauli_rep is split by its terms as written (PennyLane 0.45) -----------

@pytest.mark.parametrize("other", [qml.Hadamard(1), qml.Projector([0], wires=[1])])
def test_split_to_single_terms_keeps_non_pauli_operands(other):
    """``Hadamard(1) + Z(3)`` is measured as ``H(1)`` and ``Z(3)``, not as the Pauli words
    of the Hadamard ((X + Z)/sqrt 2) or of the projector (I/2 + Z/2); the postprocessing
    adds the values given with the written coefficients (2 * (H + I): 2 h + 2)."""
    tape = qml.tape.QuantumScript([qml.RX(1.2, 0)], [
        qml.expval(qml.X(0) + qml.Y(0) + qml.X(1)), qml.expval(other + qml.Z(3)),
        qml.expval(2 * (other + qml.I(0)))])
    (new,), fn = qml.transforms.split_to_single_terms(tape)
    expected = [qml.expval(qml.X(0)), qml.expval(qml.Y(0)), qml.expval(qml.X(1)),
                qml.expval(other), qml.expval(qml.Z(3))]
    assert len(new.measurements) == 5
    for got, want in zip(new.measurements, expected):
        qml.assert_equal(got, want)
    assert type(new.measurements[3].obs) is type(other)
    values = [0.1, 0.2, 0.3, 0.4, 0.5]
    assert np.allclose(fn([values]), (0.1 + 0.2 + 0.3, 0.4 + 0.5, 2 * 0.4 + 2))


def test_split_sum_of_projectors_runs_one_circuit_with_the_value():
    """|0><0| + |1><1| is the identity in Pauli form (nothing to run); PennyLane measures
    both projectors: one execution, value 1 after a Hadamard (1/2 + 1/2)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.transforms.split_to_single_terms
    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(0)
        return qml.expval(qml.Projector([0], wires=[0]) + qml.Projector([1], wires=[0]))

    with qml.Tracker(dev) as tracker:
        res = circuit()
    assert tracker.totals["simulations"] == 1
    assert np.isclose(res, 1.0)


def test_split_non_commuting_non_pauli_term_values():
    """Each split term measured on its own, recombined: <X0> + <Y0 Z1> + 2<X1> + <H0 X1>
    after RY(a) on wire 0 and RY(b) on wire 1, in closed form (<H> = (cos a + sin a)/sqrt 2)."""
    a, b = 0.4, 1.1
    obs = qml.X(0) + qml.Y(0) @ qml.Z(1) + 2.0 * qml.X(1) + qml.Hadamard(0) @ qml.X(1)
    tape = qml.tape.QuantumScript([qml.RY(a, 0), qml.RY(b, 1)], [qml.expval(obs)])
    dev = qml.device("default.qubit", wires=2)
    for strategy in ("default", "wires", None):
        tapes, fn = qml.transforms.split_non_commuting(tape, grouping_strategy=strategy)
        assert any(type(m.obs).__name__ == "Prod" and "Hadamard" in
                   [type(f).__name__ for f in m.obs.operands]
                   for t in tapes for m in t.measurements)
        expected = np.sin(a) + 0.0 + 2 * np.sin(b) + (np.cos(a) + np.sin(a)) / np.sqrt(2) * np.sin(b)
        assert np.isclose(fn(qml.execute(tapes, dev)), expected)


def test_sprod_terms_of_a_base_without_pauli_rep():
    """PennyLane's ``SProd.terms()``: the base's terms scaled (not the Pauli words of the
    Hadamard)."""
    coeffs, ops = (2 * (qml.X(0) + qml.Hadamard(1))).terms()
    assert coeffs == [2.0, 2.0]
    assert [type(o).__name__ for o in ops] == ["PauliX", "Hadamard"]
    coeffs, ops = (3 * (2 * (qml.X(0) + qml.Y(1)))).terms()  # a pauli_rep: its words
    assert coeffs == [6.0, 6.0] and [type(o).__name__ for o in ops] == ["PauliX", "PauliY"]


def test_split_terms_keep_the_tensor_type_of_written_coefficients():
    # PennyLane 0.45.1 multiplies each term's value by the coefficient as written, so a
    # Hamiltonian with qsym.numpy tensor coefficients gives a tensor for every grouping
    # strategy (qsym's one-tape-per-word split gave a NumPy float); plain coefficients a
    # NumPy float. <Z> = cos(0.3), <X> = 0 after RX(0.3): 0.5 cos(0.3) by hand
    from qsym import numpy as pnp
    dev = qml.device("default.qubit", wires=1)
    expected = 0.5 * np.cos(0.3)
    cases = [(qml.Hamiltonian, pnp.array([0.5, 0.2]), pnp.tensor),
             (qml.dot, pnp.array([0.5, 0.2]), pnp.tensor),
             (qml.dot, pnp.array([0.5, 0.2], requires_grad=False), pnp.tensor),
             (qml.Hamiltonian, [0.5, 0.2], np.float64), (qml.dot, [0.5, 0.2], np.float64)]
    for make, coeffs, kind in cases:
        H = make(coeffs, [qml.Z(0), qml.X(0)])
        tape = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(H)])
        splits = [qml.transforms.split_non_commuting(tape, grouping_strategy=g)
                  for g in (None, "qwc", "default", "wires")]
        splits.append(qml.transforms.split_to_single_terms(tape))
        for tapes, post in splits:
            value = post(qml.execute(tapes, dev))
            assert type(value) is kind and float(value) == pytest.approx(expected, abs=1e-15)
            if kind is pnp.tensor:
                assert value.requires_grad == coeffs.requires_grad
