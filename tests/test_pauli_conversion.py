"""qml.pauli_decompose (dense, padded, sparse, differentiable), qml.pauli's conversions and the
arithmetic of PauliWord / PauliSentence (issue #18): checked against Kronecker products of
the Pauli matrices written here, coefficients computed here as tr(P M) / 2^n, finite
differences and, where installed, PennyLane itself."""

import functools
import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym.pauli import PauliSentence, PauliWord

_P = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]), "Y": onp.array([[0, -1j], [1j, 0]]),
      "Z": onp.diag([1, -1])}


def _kron(letters: str) -> onp.ndarray:
    return functools.reduce(onp.kron, [_P[a] for a in letters], onp.eye(1))


def _by_trace(M: onp.ndarray) -> dict:
    """{letters: tr(P M) / 2^n} for every word, by the definition (a matrix product per word)."""
    n = int(onp.log2(len(M)))
    out = {}
    for letters in itertools.product("IXYZ", repeat=n):
        c = onp.trace(_kron("".join(letters)) @ M) / 2**n
        if abs(c) > 1e-8:
            out["".join(letters)] = c
    return out


def _letters(word: PauliWord, wires) -> str:
    return "".join(word[w] for w in wires)


def _random(shape, seed, hermitian=False):
    rng = onp.random.default_rng(seed)
    M = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return M + M.conj().T if hermitian else M


# --- pauli_decompose ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_decompose_non_hermitian_coefficients_by_trace(n):
    M = _random((2**n, 2**n), seed=n)
    ps = qml.pauli_decompose(M, pauli=True, check_hermitian=False)
    expected = _by_trace(M)
    assert {_letters(w, range(n)): c for w, c in ps.items()} == pytest.approx(expected)
    H = qml.pauli_decompose(M, check_hermitian=False)
    coeffs, ops = H.terms()
    assert onp.iscomplexobj(coeffs)
    rebuilt = sum(c * _kron(_letters(qml.pauli.pauli_sentence(o).popitem()[0], range(n)))
                  for c, o in zip(coeffs, ops))
    assert onp.allclose(rebuilt, M)


def test_decompose_hermitian_real_coefficients_in_product_order():
    M = _random((4, 4), seed=7, hermitian=True)
    coeffs, ops = qml.pauli_decompose(M).terms()
    assert onp.isrealobj(coeffs)
    names = [qml.pauli.pauli_word_to_string(o, {0: 0, 1: 1}) for o in ops]
    # every word kept, in itertools.product("IXYZ") order, each on both wires (I factors kept)
    assert names == ["".join(p) for p in itertools.product("IXYZ", repeat=2)]
    assert all(len(o.wires) == 2 for o in ops)
    assert onp.allclose(coeffs, [_by_trace(M)[s].real for s in names])


@pytest.mark.parametrize("shape", [(2, 3), (3, 3), (1, 2), (4, 3), (5, 2)])
def test_decompose_pads_any_matrix_with_zeros(shape):
    M = _random(shape, seed=sum(shape))
    size = 1 << (max(shape) - 1).bit_length()
    padded = onp.zeros((size, size), dtype=complex)
    padded[: shape[0], : shape[1]] = M
    ps = qml.pauli_decompose(M, pauli=True, check_hermitian=False)
    n = size.bit_length() - 1
    assert {_letters(w, range(n)): c for w, c in ps.items()} == pytest.approx(_by_trace(padded))


def test_decompose_hide_identity_and_wire_order():
    M = onp.diag([0.0, 0.0, 0.0, 1.0])  # (I - Z0 - Z1 + Z0 Z1) / 4
    coeffs, ops = qml.pauli_decompose(M, hide_identity=True, wire_order=["a", "b"]).terms()
    assert [repr(o) for o in ops] == ["I('a') @ I('b')", "Z('b')", "Z('a')", "Z('a') @ Z('b')"]
    assert onp.allclose(coeffs, [0.25, -0.25, -0.25, 0.25])
    (_, (only,)) = qml.pauli_decompose(onp.eye(4), hide_identity=True).terms()
    assert [o.name for o in only.operands] == ["Identity", "Identity"]


@pytest.mark.parametrize("M, kwargs, match", [
    (onp.ones((3, 3)), {}, "should have shape"),
    (onp.ones((4, 2)), {}, "should have shape"),
    (onp.array([[1, 2], [3, 4]]), {}, "not Hermitian"),
    (onp.eye(4), {"wire_order": [0]}, "number of wires 1 is not compatible with the number of qubits 2"),
])
def test_decompose_errors(M, kwargs, match):
    with pytest.raises(ValueError, match=match):
        qml.pauli_decompose(M, **kwargs)


def test_generalized_decompose_without_padding_refuses():
    from qsym.pauli.conversion import _generalized_pauli_decompose

    with pytest.raises(ValueError, match="should be square"):
        _generalized_pauli_decompose(onp.ones((2, 4)))
    with pytest.raises(ValueError, match="power of 2"):
        _generalized_pauli_decompose(onp.ones((3, 3)))


def test_decompose_is_differentiable_with_autograd():
    """The X coefficient of a 1-qubit matrix is (M01 + M10) / 2: its gradient is 1/2 there."""
    def coefficient(A, k):
        coeffs, _ = qml.pauli_decompose(A, check_hermitian=False).terms()
        return pnp.real(coeffs[k])

    A = pnp.array([[1.0, 2.0], [0.5, -0.5]], requires_grad=True)
    grad = qml.grad(coefficient)(A, 1)  # the words: I, X, Y, Z (all four nonzero here)
    assert onp.allclose(grad, [[0.0, 0.5], [0.5, 0.0]])
    # a finite-difference check of another coefficient (Z: (M00 - M11) / 2)
    h = 1e-6
    E = onp.zeros((2, 2))
    E[1, 1] = h
    fd = (coefficient(onp.asarray(A) + E, 3) - coefficient(onp.asarray(A) - E, 3)) / (2 * h)
    assert onp.isclose(qml.grad(coefficient)(A, 3)[1, 1], fd) and onp.isclose(fd, -0.5)


# --- sparse matrices ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_decompose_matches_dense_without_densifying(fmt, monkeypatch):
    sps = pytest.importorskip("scipy.sparse")
    M = _random((8, 8), seed=3, hermitian=True)
    M[onp.abs(M) < 1.0] = 0  # sparse
    S = sps.csr_matrix(M).asformat(fmt)

    def refuse(*args, **kwargs):
        raise AssertionError("densified")

    for cls in {type(S), sps.coo_matrix, sps.csr_matrix}:
        monkeypatch.setattr(cls, "toarray", refuse, raising=False)
        monkeypatch.setattr(cls, "todense", refuse, raising=False)
    ps = qml.pauli_decompose(S, pauli=True)
    monkeypatch.undo()
    assert {_letters(w, range(3)): c for w, c in ps.items()} == pytest.approx(
        {k: v.real for k, v in _by_trace(M).items()})


def test_sparse_decompose_non_hermitian_duplicates_and_padding():
    sps = pytest.importorskip("scipy.sparse")
    dup = sps.coo_matrix((onp.array([1.0, 2.0, 3.0j]), (onp.array([0, 0, 1]), onp.array([0, 0, 0]))),
                         shape=(2, 2))  # (0,0) stored twice: 3, (1,0): 3j
    ps = qml.pauli_decompose(dup, pauli=True, check_hermitian=False)
    assert {_letters(w, [0]): c for w, c in ps.items()} == pytest.approx(
        _by_trace(onp.array([[3.0, 0.0], [3.0j, 0.0]])))
    from qsym.pauli.conversion import _generalized_pauli_decompose_sparse

    coeffs, terms = _generalized_pauli_decompose_sparse(sps.eye(3), padding=True, pauli=True)
    padded = onp.diag([1.0, 1.0, 1.0, 0.0])
    assert {"".join(p for p, _ in t): c for c, t in zip(coeffs, terms)} == pytest.approx(_by_trace(padded))
    with pytest.raises(ValueError, match="Cannot decompose an empty matrix"):
        qml.pauli_decompose(sps.csr_matrix((0, 0)), check_hermitian=False)
    with pytest.raises(ValueError, match="not Hermitian"):
        qml.pauli_decompose(sps.csr_matrix(onp.array([[1, 2j], [3j, 4]])))


# --- pauli_sentence and pauli_rep ---------------------------------------------------------------
def test_pauli_sentence_of_operands_and_matrix_observables():
    from qsym.pauli.conversion import _pauli_sentence

    op = qml.sum(qml.s_prod(2, qml.Z(0)), -0.5 * qml.prod(qml.X(0), qml.Z("a")),
                 qml.s_prod(2.14, qml.Identity(0)), qml.Identity("a"))
    expected = PauliSentence({PauliWord({0: "Z"}): 2, PauliWord({0: "X", "a": "Z"}): -0.5,
                              PauliWord({}): 3.14})
    assert _pauli_sentence(op) == expected == qml.pauli.pauli_sentence(op)
    assert _pauli_sentence(qml.X(0) @ qml.Y(0)) == PauliSentence({PauliWord({0: "Z"}): 1j})
    # PennyLane gives observables defined by numbers no pauli_rep
    h = qml.Hermitian(onp.array([[1.0, 1.0], [1.0, -1.0]]), wires=1)
    for op in (h, qml.Projector([0], wires=0), qml.X(0) @ h, qml.Hadamard(0),
               qml.Hamiltonian([1.0, 2.0], [qml.Projector([0], wires=0), qml.Z(1)])):
        assert op.pauli_rep is None
        with pytest.raises(ValueError, match="Op must be a linear combination of Pauli operators only"):
            qml.pauli.pauli_sentence(op)
    # still measured as their matrices
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.RY(0.3, wires=1)
        return qml.expval(h)

    assert onp.isclose(circuit(), onp.cos(0.3) + onp.sin(0.3))


# --- PauliWord / PauliSentence arithmetic -------------------------------------------------------
def test_word_hash_cached_and_immutable():
    w = PauliWord({0: "I", 1: "X", 2: "Y"})
    assert w._hashval is None
    h = w.__hash__()
    assert w._hashval is h is w.__hash__() and h == hash(frozenset({1: "X", 2: "Y"}.items()))
    with pytest.raises(TypeError, match="does not support assignment"):
        w[0] = "Z"
    with pytest.raises(TypeError, match="does not support assignment"):
        w.update({0: "Z"})


def test_commutators_with_words_sentences_and_operators():
    X0, Y0 = PauliWord({0: "X"}), PauliWord({0: "Y"})
    assert X0.commutator(Y0) == PauliSentence({PauliWord({0: "Z"}): 2j})
    assert X0.commutator(qml.Y(0)) == PauliSentence({PauliWord({0: "Z"}): 2j})
    assert X0.commutator(X0) == PauliSentence()
    ps = PauliSentence({X0: 1.0, PauliWord({1: "X"}): 2.0})
    # [X0 + 2 X1, Y0 + 2 Y1] = 2i Z0 + 4i Z1; by matrices
    other = PauliSentence({Y0: 1.0, PauliWord({1: "Y"}): 2.0})
    A, B = ps.to_mat([0, 1]), other.to_mat([0, 1])
    assert onp.allclose(ps.commutator(other).to_mat([0, 1]), A @ B - B @ A)
    assert onp.allclose(ps.commutator(qml.Y(0) + 2 * qml.Y(1)).to_mat([0, 1]), A @ B - B @ A)
    with pytest.raises(NotImplementedError, match="native commutator"):
        ps.commutator(qml.Hadamard(0))
    with pytest.raises(NotImplementedError, match="natively a commutator"):
        X0.commutator(onp.eye(2))


def test_sentence_trace_prune_truediv_and_add_errors():
    ps = PauliSentence({PauliWord({}): 0.5, PauliWord({0: "X"}): 1e-10, PauliWord({1: "Z"}): 2.0})
    assert ps.trace() == 0.5 and PauliSentence({PauliWord({0: "X"}): 1.0}).trace() == 0.0
    ps.prune()
    assert ps == PauliSentence({PauliWord({}): 0.5, PauliWord({1: "Z"}): 2.0})
    with pytest.raises(TypeError, match="divided by numerical data"):
        ps / "a"
    with pytest.raises(TypeError, match="divided by numerical data"):
        PauliWord({0: "X"}) / "a"
    with pytest.raises(ValueError, match="array of dimension 1"):
        PauliWord({0: "X"}) * onp.array([1.0, 2.0])
    with pytest.raises(TypeError, match="Cannot add"):
        ps + qml.X(0)
    with pytest.raises(TypeError, match="Cannot add"):
        qml.X(0) + ps


@pytest.mark.parametrize("wire_order", [None, [2, 0, 1, "a"]])
def test_sentence_dot_matches_matrix(wire_order):
    ps = PauliSentence({PauliWord({0: "X", 1: "Y"}): 1.5, PauliWord({1: "Z", "a": "Y"}): -0.5j,
                        PauliWord({}): 0.25})
    order = list(ps.wires) if wire_order is None else wire_order
    M = onp.zeros((2 ** len(order),) * 2, dtype=complex)
    for w, c in ps.items():
        M += c * _kron("".join(w[x] for x in order))
    rng = onp.random.default_rng(1)
    v = rng.normal(size=(3, 2 ** len(order))) + 1j * rng.normal(size=(3, 2 ** len(order)))
    assert onp.allclose(ps.dot(v, wire_order), v @ M.T)
    assert onp.allclose(ps.dot(v[0], wire_order), M @ v[0])
    assert onp.allclose(ps.to_mat(wire_order), M)
    with pytest.raises(ValueError, match="does not contain all the Pauli sentence's wires"):
        ps.dot(v, wire_order=[0, 1])


def test_matrices_with_broadcast_coefficients_and_wire_errors():
    ps = PauliSentence({PauliWord({0: "X"}): onp.array([0.5, 2.0]), PauliWord({1: "Z"}): -0.7})
    mats = ps.to_mat([0, 1])
    assert mats.shape == (2, 4, 4)
    for k, c in enumerate([0.5, 2.0]):
        assert onp.allclose(mats[k], c * _kron("XI") - 0.7 * _kron("IZ"))
    with pytest.raises(ValueError, match="does not contain all the Pauli word's wires"):
        PauliWord({0: "X", 1: "Y"}).to_mat(wire_order=[0])
    with pytest.raises(ValueError, match="does not contain all the Pauli sentence's wires"):
        ps.to_mat(wire_order=[1])


def test_operation_is_not_queued_and_empty_forms():
    with qml.queuing.AnnotatedQueue() as q:
        op = PauliWord({0: "X", 1: "Y"}).operation()
        s = PauliSentence({PauliWord({0: "Z"}): 1.0, PauliWord({}): 2.0}).operation()
    assert q.queue == []
    assert [o.name for o in op.operands] == ["PauliX", "PauliY"]
    assert s.operands[1].base.name == "Identity" and list(s.operands[1].base.wires) == [0]
    assert PauliWord({}).operation() == qml.Identity()
    assert PauliSentence().operation() == qml.s_prod(0, qml.Identity())


# --- utils --------------------------------------------------------------------------------------
def test_word_strings_follow_the_wire_map_positions():
    assert qml.pauli.pauli_word_to_string(qml.X(1), {1: 0, 0: 1}) == "XI"
    assert qml.pauli.pauli_word_to_string(qml.X("a") @ qml.Y("c"), {"a": 0, "b": 1, "c": 2}) == "XIY"
    qml.assert_equal(qml.pauli.string_to_pauli_word("ZY", {"b": 1, "a": 0}), qml.Z("a") @ qml.Y("b"))
    qml.assert_equal(qml.pauli.string_to_pauli_word("XI", {1: 0, 0: 1}), qml.X(1))
    with pytest.raises(TypeError, match="Expected Pauli word"):
        qml.pauli.pauli_word_to_string(qml.X(0) + qml.Z(1))
    with pytest.raises(TypeError, match="must be string"):
        qml.pauli.string_to_pauli_word(qml.X(0))
    with pytest.raises(ValueError, match="Invalid characters"):
        qml.pauli.string_to_pauli_word("XAZ")
    with pytest.raises(ValueError, match="same length"):
        qml.pauli.string_to_pauli_word("XY", {0: 0})


def test_pauli_group_checks_eagerly_and_gives_gates():
    with pytest.raises(TypeError, match="integer number"):
        qml.pauli.pauli_group("3")
    with pytest.raises(ValueError, match="at least 1"):
        qml.pauli.pauli_group(0)
    assert [type(p).__name__ for p in qml.pauli.pauli_group(1)] == ["Identity", "PauliZ", "PauliX", "PauliY"]
    assert qml.prod(qml.X(0)) is not None and type(qml.prod(qml.X(0))).__name__ == "PauliX"


def test_qwc_of_sums_and_of_operators_without_a_pauli_form():
    assert not qml.pauli.are_pauli_words_qwc([qml.X(0), qml.X(2) + qml.Z(1)])
    assert not qml.pauli.are_pauli_words_qwc([qml.Y(0) + qml.X(1) + qml.Z(2)])
    assert qml.pauli.are_pauli_words_qwc([qml.Hadamard(0) @ qml.X(1), qml.Identity(0)])
    assert not qml.pauli.are_pauli_words_qwc([qml.Hadamard(0) @ qml.X(1), qml.Z(0)])


def test_pauli_eigs_cached_read_only_and_binary_matrix():
    from qsym.pauli import pauli_eigs

    assert onp.array_equal(pauli_eigs(3), onp.diag(_kron("ZZZ")))
    assert not pauli_eigs(3).flags.writeable
    assert pauli_eigs.cache_info().maxsize == 128
    from qsym.pauli.utils import _binary_matrix_from_pws

    words = [PauliWord({"a": "Z", "b": "X"}), PauliWord({"a": "Z", "c": "Y"}), PauliWord({10: "X"})]
    # columns: wires sorted by str (mixed labels): "10", "a", "b", "c"; Z part first
    assert _binary_matrix_from_pws(words, 4).tolist() == [[0, 1, 0, 0, 0, 0, 1, 0],
                                                          [0, 1, 0, 1, 0, 0, 0, 1],
                                                          [0, 0, 0, 0, 1, 0, 0, 0]]
    assert _binary_matrix_from_pws([PauliWord({10: "Z"}), PauliWord({2: "X"})], 2).tolist() == [
        [0, 1, 0, 0], [0, 0, 1, 0]]
    assert qml.wires.Wires([0, "a"]).toset() == {0, "a"}


# --- PennyLane itself, where installed ----------------------------------------------------------
@pytest.mark.parametrize("shape, hermitian", [((4, 4), True), ((4, 4), False), ((2, 3), False)])
def test_decompose_agrees_with_pennylane(shape, hermitian):
    pl = pytest.importorskip("pennylane")
    M = _random(shape, seed=11, hermitian=hermitian)
    ours = qml.pauli_decompose(M, pauli=True, check_hermitian=hermitian)
    theirs = pl.pauli_decompose(M, pauli=True, check_hermitian=hermitian)
    assert [str(w) for w in ours] == [str(w) for w in theirs]
    assert onp.allclose(list(ours.values()), list(theirs.values()))
