"""PennyLane 0.45's ``qml.SumOfSlatersPrep`` (issue #18): the preprocessing of Fomichev et
al.'s Lemma 1 checked by its defining properties (distinct encoded bitstrings, a linear map
of independent rows), the sum-of-Slaters circuit on named work wires and the template
checked against the state written out from the coefficients (``sum_l c_l |l>``, the work
wires back in ``|0>``)."""

import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym.templates.state_preparations import sum_of_slaters as sos


def _distinct_bits(r, count, seed, full_rank=False):
    """``count`` distinct random bitstrings of length ``r`` as columns (with the unit
    vectors among them when ``full_rank``)."""
    rng = onp.random.default_rng(seed)
    cols = {tuple(int(i == j) for j in range(r)) for i in range(r)} if full_rank else set()
    while len(cols) < count:
        cols.add(tuple(int(b) for b in rng.integers(0, 2, r)))
    cols = sorted(cols)
    rng.shuffle(cols)
    return onp.array(cols, dtype=int).T


def _gf2_rank(m) -> int:
    """The rank over Z_2 by enumerating the span of the rows (independent of qml.math)."""
    rows = [tuple(r) for r in onp.asarray(m) % 2]
    span = {tuple([0] * len(rows[0]))}
    for row in rows:
        span |= {tuple((a + b) % 2 for a, b in zip(s, row)) for s in span}
    return len(span).bit_length() - 1


def _state(coefficients, indices, n):
    v = onp.zeros(2**n, dtype=complex)
    for c, k in zip(coefficients, indices):
        v[k] = c
    return v


@pytest.mark.parametrize("r, count", [(3, 3), (4, 5), (7, 16)])
def test_encoding_is_the_identity_when_the_bits_are_few(r, count):
    bits = _distinct_bits(r, count, seed=r)
    U, b = sos.compute_sos_encoding(bits)
    assert onp.array_equal(U, onp.eye(r)) and onp.array_equal(b, bits)


@pytest.mark.parametrize("r, count", [(4, 4), (6, 6), (8, 9), (10, 10), (12, 13), (11, 33)])
def test_encoding_maps_distinct_bitstrings_to_distinct_short_ones(r, count):
    bits = _distinct_bits(r, count, seed=10 * r + count, full_rank=True)
    m = 2 * int(onp.ceil(onp.log2(count))) - 1
    U, b = sos.compute_sos_encoding(bits)
    assert U.shape == (m, r) and b.shape == (m, count)
    assert set(onp.unique(U)) <= {0, 1}
    assert onp.array_equal(U @ bits % 2, b)
    assert len({tuple(c) for c in b.T}) == count  # still distinct
    assert _gf2_rank(U) == m  # independent rows


def test_select_sos_rows_keeps_the_columns_distinct_and_drops_what_it_can():
    for seed in range(6):
        bits = _distinct_bits(7, 9, seed=seed)
        kept, reduced = sos.select_sos_rows(bits)
        assert onp.array_equal(reduced, bits[kept])
        assert len({tuple(c) for c in reduced.T}) == 9
        for i in range(len(kept)):  # no kept row can go: greedy removal stopped
            fewer = onp.delete(reduced, i, axis=0)
            assert len(kept) == 1 or len({tuple(c) for c in fewer.T}) < 9


def _run_rule(coefficients, indices, n):
    """The rule of qml.list_decomps on ``n`` wires and exactly the work wires it needs:
    the final state on all wires."""
    kept, _ = sos.select_sos_rows(onp.array([[(k >> (n - 1 - j)) & 1 for k in indices]
                                             for j in range(n)]))
    sizes = qml.SumOfSlatersPrep.required_register_sizes(len(indices), len(kept), n)
    k = sum(sizes.values()) - n
    rule = qml.list_decomps(qml.SumOfSlatersPrep)[0]
    assert rule.get_work_wire_spec(num_entries=len(indices), num_bits=len(kept), num_wires=n).total == k

    @qml.qnode(qml.device("default.qubit", wires=n + k))
    def circuit():
        rule(coefficients, wires=list(range(n)), indices=indices, work_wires=list(range(n, n + k)))
        return qml.state()

    return onp.asarray(circuit()).reshape(2**n, 2**k)


@pytest.mark.parametrize("n, indices", [
    (3, (5, 2)),                      # identity encoding, one enumeration wire
    (4, (0, 3, 9, 14, 7)),            # identity encoding, elbow ladder
    (7, (1, 2, 4, 8, 16, 32, 64)),    # needs all 7 bits: identification register, U != 1
    (6, (63, 0, 21, 42)),
])
def test_the_circuit_on_work_wires_prepares_the_written_state(n, indices):
    rng = onp.random.default_rng(len(indices))
    c = rng.normal(size=len(indices)) + 1j * rng.normal(size=len(indices))
    c /= onp.linalg.norm(c)
    out = _run_rule(c, indices, n)
    assert onp.allclose(out[:, 0], _state(c, indices, n), atol=1e-10)
    assert onp.allclose(out[:, 1:], 0.0, atol=1e-10)  # work wires back in |0>


def test_one_index_is_a_basis_state_also_after_other_gates():
    out = _run_rule(onp.array([1.0]), (6,), 3)
    assert out.shape == (8, 1) and onp.allclose(out[:, 0], _state([1.0], [6], 3))
    rule = qml.list_decomps(qml.SumOfSlatersPrep)[0]

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.Identity(wires=[0, 1, 2])
        rule(onp.array([1.0]), wires=[0, 1, 2], indices=(3,))
        return qml.state()

    assert onp.allclose(circuit(), _state([1.0], [3], 3))


def test_the_template_in_a_circuit_prepares_the_state_and_refuses_a_decomposition():
    c, idx = onp.array([0.5, -0.5j, 0.5, 0.5]), (1, 4, 7, 2)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit():
        qml.SumOfSlatersPrep(c, wires=[0, 1, 2], indices=idx)
        return qml.state()

    assert onp.allclose(circuit(), _state(c, idx, 3))
    op = qml.SumOfSlatersPrep(c, wires=[0, 1, 2], indices=idx)
    assert op.has_decomposition is False
    with pytest.raises(qml.errors.DecompositionUndefinedError, match="qml.allocate"):
        op.decomposition()
    assert op.map_wires({0: "a", 1: "b", 2: "c"}).wires.tolist() == ["a", "b", "c"]
    assert op.resource_params == {"num_entries": 4, "num_bits": 2, "num_wires": 3}  # rows 1, 2 tell 001, 100, 111, 010 apart


def test_register_sizes_follow_the_paper():
    # D = 5 entries: d = 3 enumeration wires, m = min(bits, 2d - 1 = 5)
    assert qml.SumOfSlatersPrep.required_register_sizes(5, 4, 6) == {
        "wires": 6, "enumeration_wires": 3, "identification_wires": 0,
        "qrom_work_wires": 2, "mcx_cache_wires": 3}
    assert qml.SumOfSlatersPrep.required_register_sizes(5, 6, 6)["identification_wires"] == 5
    assert qml.SumOfSlatersPrep.required_register_sizes(1, 3, 3) == {
        "wires": 3, "enumeration_wires": 0, "identification_wires": 0,
        "qrom_work_wires": 0, "mcx_cache_wires": 0}


@pytest.mark.parametrize("call, error, message", [
    (lambda: qml.SumOfSlatersPrep(onp.array([0.6, 0.8]), [0, 1], (1,)), qml.errors.GateError,
     "one coefficient per index"),
    (lambda: qml.SumOfSlatersPrep(onp.array([0.6, 0.8]), [0, 1], (1, 4)), qml.errors.GateError,
     r"integers in \[0, 2\*\*2\)"),
    (lambda: qml.SumOfSlatersPrep(onp.array([0.6, 0.8]), [0, 1], (1, 1)), qml.errors.GateError,
     "distinct"),
    (lambda: qml.SumOfSlatersPrep(onp.array([0.6, 0.6]), [0, 1], (1, 2)), qml.errors.GateError,
     "norm 1"),
])
def test_bad_input_is_refused_with_what_to_do(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_rule_refuses_a_wrong_number_of_work_wires():
    rule = qml.list_decomps(qml.SumOfSlatersPrep)[0]
    with pytest.raises(qml.errors.WireError, match="needs 1 work wires"):
        with qml.queuing.AnnotatedQueue():
            rule(onp.array([0.6, 0.8]), wires=[0, 1], indices=(1, 2), work_wires=[2, 3])


def test_matches_pennylane_helpers():
    pl_sos = pytest.importorskip("pennylane.templates.state_preparations.sum_of_slaters")
    for seed in range(5):
        bits = _distinct_bits(8, 12, seed=seed)
        assert sos.select_sos_rows(bits)[0] == pl_sos.select_sos_rows(bits)[0]
        assert sos._columns_differ(bits) == pl_sos._columns_differ(bits)
    for d, r, n in itertools.product((2, 5, 9), (3, 6, 9), (6, 9)):
        assert (qml.SumOfSlatersPrep.required_register_sizes(d, r, n)
                == pl_sos.SumOfSlatersPrep.required_register_sizes(d, r, n))


def test_coefficients_as_circuit_arguments_run_per_call_and_are_not_differentiated():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(c):
        qml.SumOfSlatersPrep(c, wires=[0, 1, 2], indices=(1, 6))
        return qml.expval(qml.Z(0))

    # <Z0> = |c_001|^2 - |c_110|^2, written out
    assert onp.isclose(circuit(onp.array([0.6, 0.8])), 0.36 - 0.64)
    assert onp.isclose(circuit(onp.array([0.8, 0.6])), 0.64 - 0.36)
    with pytest.raises(qml.errors.DifferentiationError, match="SumOfSlatersPrep"):
        qml.grad(circuit)(qml.numpy.array([0.6, 0.8], requires_grad=True))
