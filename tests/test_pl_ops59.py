"""PennyLane 0.45.1's operator-level semantics met in its own test files (issue #18, stop 59).

Expected values are PennyLane 0.45.1's, computed in /work/plvenv (noted where so), or
matrices derived independently (the dense matrix of the same operator).
"""

import numpy as onp
import pytest
import scipy.sparse as sps

import qsym as qml

# --- has_sparse_matrix of operator arithmetic ---------------------------------------------
# PennyLane 0.45.1 (/work/plvenv): op.has_sparse_matrix of each (Sum, Prod, SProd: a Pauli
# form or every operand's; Exp/Evolution always; Adjoint/Pow read their base's; a dense
# QubitUnitary has none, one given sparse has one)
HAS_SPARSE = [
    (lambda: qml.prod(qml.X(0), qml.Y(1)), True),
    (lambda: qml.prod(qml.RX(0.3, 0), qml.QFT(wires=[1, 2])), False),
    (lambda: qml.prod(qml.X(0), qml.Hermitian(onp.eye(2), 1)), True),
    (lambda: qml.prod(qml.X(0), qml.QubitUnitary(onp.eye(2), 1)), False),
    (lambda: qml.prod(qml.X(0), qml.sum(qml.Y(1), qml.QFT(wires=[2]))), False),
    (lambda: qml.sum(qml.X(0), qml.Z(1)), True),
    (lambda: qml.sum(qml.Hadamard(0), qml.RX(0.1, 1)), True),
    (lambda: qml.sum(qml.Hadamard(0), qml.QFT(wires=[1])), False),
    (lambda: qml.s_prod(2.0, qml.X(0)), True),
    (lambda: qml.s_prod(2.0, qml.Hadamard(1)), True),
    (lambda: qml.s_prod(2.0, qml.QFT(wires=[1])), False),
    (lambda: qml.Hamiltonian([1.0, 2.0], [qml.Z(0), qml.Hadamard(1)]), True),
    (lambda: qml.Hamiltonian([1.0], [qml.Hermitian(onp.eye(2), 0)]), True),
    (lambda: qml.adjoint(qml.prod(qml.X(0), qml.Y(1))), True),
    (lambda: qml.pow(qml.prod(qml.X(0), qml.Y(1)), 2), True),
    (lambda: qml.exp(qml.X(0), 0.3j), True),
    (lambda: qml.exp(qml.prod(qml.RX(0.3, 0), qml.QFT(wires=[1, 2])), 0.1j), True),
    (lambda: qml.evolve(qml.X(0), 0.2), True),
    (lambda: qml.QubitUnitary(onp.eye(2), 1), False),
    (lambda: qml.QubitUnitary(sps.csr_matrix(onp.eye(2)), 1), True),
]


@pytest.mark.parametrize("make, expected", HAS_SPARSE)
def test_has_sparse_matrix_is_pennylanes(make, expected):
    op = make()
    assert op.has_sparse_matrix is expected
    if expected and op.has_matrix:  # where it says so, the sparse matrix is the dense one
        assert onp.allclose(op.sparse_matrix().toarray(), qml.matrix(op))


# --- == and hash of exponentials are qml.equal's ---------------------------------------------
# PennyLane 0.45.1 (/work/plvenv): qml.evolve(Z(0), 0.246) == qml.evolve(Z(0), 0.246) is True
# and their hashes agree (Operator.__eq__ is qml.equal; Exp.hash of name, base, coeff)
def test_exponentials_compare_as_qml_equal():
    a, b = qml.evolve(qml.Z(0), 0.246), qml.evolve(qml.Z(0), 0.246)
    assert a == b and hash(a) == hash(b) and a.hash == b.hash
    assert [a, qml.exp(qml.X(1), 0.5j)] == [b, qml.exp(qml.X(1), 0.5j)]
    assert a != qml.evolve(qml.Z(0), 0.25) and a != qml.evolve(qml.Z(1), 0.246)
    assert qml.exp(qml.Z(0), 1j) != qml.exp(qml.Z(0), 2j)
    assert a != qml.RZ(0.492, 0) and qml.RZ(0.492, 0) != a  # other classes: not equal
    assert len({a, b}) == 1
    # a circuit with two equal exponentials applies both (by hand: RZ(0.492) twice on |+>,
    # <X> = cos(0.984))
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f():
        qml.Hadamard(0)
        qml.evolve(qml.Z(0), 0.246)
        qml.evolve(qml.Z(0), 0.246)
        return qml.expval(qml.X(0))

    assert onp.isclose(f(), onp.cos(0.984), atol=1e-12)


# --- AngleEmbedding's repr ---------------------------------------------------------------------
# PennyLane 0.45.1 (/work/plvenv): its own __repr__ (the features as NumPy prints them, the
# wires, the rotation's axis); templates/embeddings/test_angle.py::test_repr
@pytest.mark.parametrize("make, text", [
    (lambda: qml.AngleEmbedding([1, 2, 3], wires=range(3), rotation="Z"),
     "AngleEmbedding([1 2 3], wires=[0, 1, 2], rotation=Z)"),
    (lambda: qml.AngleEmbedding(onp.array([0.1, 2, 3]), wires=["a", "b", "c"]),
     "AngleEmbedding([0.1 2.  3. ], wires=['a', 'b', 'c'], rotation=X)"),
])
def test_angle_embedding_repr(make, text):
    assert repr(make()) == text


# --- a tape's QubitUnitary replayed with its entries as inputs --------------------------------
def test_traced_matrix_compiles_only_the_nonzero_derivatives(monkeypatch):
    """A matrix whose entries are inputs (a tape's QubitUnitary replayed by dev.execute:
    PennyLane's test_qft builds 16 such tapes on 4 wires) compiles one derivative per entry
    and input it holds, not one per entry and input (65 536 on 4 wires: minutes); the
    values are sympy's derivatives (by hand: d(x*y)/dx = y)."""
    import sympy as sp

    from qsym import _operations

    sizes = []
    real = _operations.lambdify

    def counting(syms, exprs):
        sizes.append(sum(len(e) for e in exprs))
        return real(syms, exprs)

    monkeypatch.setattr(_operations, "lambdify", counting)
    syms = sp.symbols("u0:16")
    _operations._entry_functions.cache_clear()
    values = _operations._entry_functions(tuple(syms), tuple(syms))(*range(16))
    assert sizes == [16 + 16]  # the entries, then one derivative each (was 16 + 16 * 16)
    assert values[0] == list(range(16)) and all(
        values[k + 1] == [int(i == k) for i in range(16)] for k in range(16))
    x, y = sp.symbols("x y")
    assert _operations._entry_functions((x * y, x + 2 * y), (x, y))(3.0, 5.0) == [
        [15.0, 13.0], [5.0, 1], [3.0, 2]]
