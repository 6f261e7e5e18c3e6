"""qml.math's matrix and array helpers (issue #18): ``expand_matrix`` (dense, batched, qudit,
autograd, sparse), ``expand_vector``, ``reduce_matrices``, ``sqrt_matrix_sparse``, the
``qml.math.decomposition`` helpers and PennyLane's module paths. Each against an explicit
element formula written here, finite differences, or PennyLane 0.45.1 where installed."""

from __future__ import annotations

import itertools

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

RNG = onp.random.default_rng(11)


def reference_expand(m, wires, order, d=2):
    """``M[r, c] = m[sub(r), sub(c)] * [rest(r) == rest(c)]`` by the digits of each index."""
    n = len(order)
    out = onp.zeros((d**n, d**n), dtype=onp.result_type(m, float))
    for r, c in itertools.product(range(d**n), repeat=2):
        rd = [(r // d ** (n - 1 - q)) % d for q in range(n)]
        cd = [(c // d ** (n - 1 - q)) % d for q in range(n)]
        if any(rd[q] != cd[q] for q in range(n) if order[q] not in wires):
            continue
        sub = lambda digits: sum(digits[order.index(w)] * d ** (len(wires) - 1 - k)
                                 for k, w in enumerate(wires))
        out[r, c] = m[sub(rd), sub(cd)]
    return out


@pytest.mark.parametrize("wires, order", [([0], [0, 1]), ([1], [0, 1]), ([2, 0], [0, 1, 2]),
                                          ([0, 2], [2, 1, 0]), ([3, 1, 0], [0, 1, 2, 3]),
                                          (["a", "b"], ["b", "c", "a"])])
def test_expand_matrix_is_the_element_formula(wires, order):
    k = len(wires)
    m = RNG.normal(size=(2**k, 2**k)) + 1j * RNG.normal(size=(2**k, 2**k))
    assert onp.allclose(qml.math.expand_matrix(m, wires, order), reference_expand(m, wires, order))
    batch = onp.stack([m, 2 * m.T, m.conj()])
    out = qml.math.expand_matrix(batch, wires, order)
    assert out.shape == (3, 2 ** len(order), 2 ** len(order))
    for one, res in zip(batch, out):
        assert onp.allclose(res, reference_expand(one, wires, order))


def test_expand_matrix_of_qutrits_integers_and_scalars():
    m = onp.arange(9).reshape(3, 3)
    out = qml.math.expand_matrix(m, 0, (1, 0))
    assert out.dtype == m.dtype and onp.array_equal(out, reference_expand(m, [0], [1, 0], d=3))
    m2 = onp.arange(81).reshape(9, 9)
    assert onp.array_equal(qml.math.expand_matrix(m2, (0, 1), (1, 2, 0)),
                           reference_expand(m2, [0, 1], [1, 2, 0], d=3))
    assert qml.math.expand_matrix(onp.array([[2.0]]), [], wire_order=[0]) == 2.0
    m4 = onp.arange(16).reshape(4, 4)
    assert qml.math.expand_matrix(m4, [0, 1]) is m4   # no wire order: the matrix itself
    with pytest.raises(ValueError, match="must contain each of the operator's wires"):
        qml.math.expand_matrix(m4, [0, 3], [0, 1])


def test_expand_matrix_is_differentiable():
    """The Jacobian by autograd equals central differences (expand_matrix is linear)."""
    def f(m):
        return qml.math.expand_matrix(m, [1], [0, 1, 2])

    m = np.array(RNG.normal(size=(2, 2)), requires_grad=True)
    jac = qml.jacobian(f)(m)
    h = 1e-6
    fd = onp.zeros((8, 8, 2, 2))
    for i, j in itertools.product(range(2), repeat=2):
        e = onp.zeros((2, 2))
        e[i, j] = h
        fd[..., i, j] = (f(onp.asarray(m) + e) - f(onp.asarray(m) - e)) / (2 * h)
    assert onp.allclose(jac, fd, atol=1e-8)


def test_expand_matrix_of_sparse_matrices_is_sparse_and_equal():
    sps = pytest.importorskip("scipy.sparse")
    m = onp.array([[0, 1, 0, 0], [1, 0, 0, 2], [0, 0, 3, 0], [0, 2, 0, 0]])
    out = qml.math.expand_matrix(sps.csr_matrix(m), [2, 0], wire_order=[0, 1, 2])
    assert sps.issparse(out) and out.format == "csr"
    assert onp.array_equal(out.toarray(), reference_expand(m, [2, 0], [0, 1, 2]))
    assert qml.math.expand_matrix(sps.csr_matrix(m), [0, 1], [0, 1, 2], "csc").format == "csc"
    swap = qml.math.matrix_manipulation._sparse_swap_mat(0, 2, 3).toarray()
    assert onp.array_equal(swap, reference_expand(qml.SWAP([0, 2]).matrix().real, [0, 2],
                                                  [0, 1, 2]))


@pytest.mark.parametrize("original, expanded", [([0], 3), ([2], 3), ([7], [7, 4, 0]),
                                                ([9, 0], [0, 5, 9]), ([0, 1], [0, 1])])
def test_expand_vector_is_the_element_formula(original, expanded):
    v = RNG.normal(size=2 ** len(original))
    out = qml.math.expand_vector(v, original, expanded)
    order = list(range(expanded)) if isinstance(expanded, int) else expanded
    n = len(order)
    for r in range(2**n):
        digits = [(r >> (n - 1 - q)) & 1 for q in range(n)]
        sub = sum(digits[order.index(w)] << (len(original) - 1 - k) for k, w in enumerate(original))
        assert onp.isclose(out[r], v[sub])
    with pytest.raises(ValueError, match="Invalid target subsystems"):
        qml.math.expand_vector(v, [-1, 5], 4)
    with pytest.raises(ValueError, match="Vector parameter must be of length"):
        qml.math.expand_vector(onp.ones(3), [0, 1], 4)


def test_reduce_matrices_is_the_product_of_expanded_matrices():
    ops = [qml.PauliX(0), qml.RX(1.0, 3), qml.CNOT([3, 4]), qml.Toffoli([4, 1, 0])]
    mat, wires = qml.math.reduce_matrices(((op.matrix(), op.wires) for op in ops), qml.math.dot)
    order = [0, 3, 4, 1]
    assert list(wires) == order
    expected = onp.eye(16)
    for op in ops:
        expected = expected @ reference_expand(op.matrix(), list(op.wires), order)
    assert onp.allclose(mat, expected)


def test_decomp_int_to_powers_of_two_is_the_non_adjacent_form():
    from qsym.math.decomposition import decomp_int_to_powers_of_two

    for n in range(1, 9):
        for k in range(2 ** (n - 1) + 1):
            digits = decomp_int_to_powers_of_two(k, n)
            assert len(digits) == n and set(digits) <= {-1, 0, 1}
            assert sum(c * 2 ** (n - 1 - i) for i, c in enumerate(digits)) == k
            assert all(not (a and b) for a, b in zip(digits, digits[1:]))   # no neighbours
            assert sum(c != 0 for c in digits) == bin(k ^ (3 * k)).count("1")  # the fewest
    assert decomp_int_to_powers_of_two(2**62, 128)[-63] == 1   # Python integers: no overflow
    with pytest.raises(AssertionError, match="must lie in"):
        decomp_int_to_powers_of_two(9, 4)


@pytest.mark.parametrize("real", [False, True])
def test_givens_helpers_by_pennylanes_module_path(real):
    from qsym.math.decomposition import _givens_matrix, _set_unitary_matrix, givens_decomposition

    a, b = (1.2, -2.3) if real else (1.2 + 0.5j, -2.3 + 1j)
    g = _givens_matrix(a, b, left=True, real_valued=real)
    assert onp.isclose((g @ [a, b])[0], 0) and onp.allclose(g @ g.conj().T, onp.eye(2))
    q, _ = onp.linalg.qr(RNG.normal(size=(5, 5)) + (0 if real else 1j) * RNG.normal(size=(5, 5)))
    phases, rotations = givens_decomposition(q)
    rebuilt = onp.diag(phases)
    for rot, (i, j) in rotations:
        full = onp.eye(5, dtype=complex)
        full[i:j + 1, i:j + 1] = rot
        rebuilt = rebuilt @ full
    assert onp.allclose(rebuilt, q)
    m = _set_unitary_matrix(onp.eye(2), (1, Ellipsis), [3.0, 4.0 + 0j], real_valued=True)
    assert m.tolist() == [[1.0, 0.0], [3.0, 4.0]]


def test_sqrt_matrix_sparse():
    sps = pytest.importorskip("scipy.sparse")
    a = RNG.normal(size=(4, 4)) + 1j * RNG.normal(size=(4, 4))
    pd = a @ a.conj().T + 0.5 * onp.eye(4)
    root = qml.math.sqrt_matrix_sparse(sps.csr_matrix(pd)).toarray()
    assert onp.allclose(root @ root, pd) and onp.allclose(root, root.conj().T)
    assert onp.all(onp.linalg.eigvalsh(root) > 0)     # the positive root
    with pytest.raises(TypeError, match="only supports scipy.sparse matrices"):
        qml.math.sqrt_matrix_sparse(pd)
    with pytest.raises(ValueError, match="singular"):
        qml.math.sqrt_matrix_sparse(sps.csr_matrix(onp.diag([0.0, 1.0, 1.0])))
    with pytest.raises(ValueError):   # a negative eigenvalue: no positive root
        qml.math.sqrt_matrix_sparse(sps.csr_matrix(onp.array([[1.0, 2.0], [2.0, -3.0]])))


def test_pennylanes_module_paths_import():
    from qsym.math.matrix_manipulation import expand_matrix, expand_vector
    from qsym.math.quantum import _denman_beavers_iterations, partial_trace

    assert expand_matrix is qml.math.expand_matrix and expand_vector is qml.math.expand_vector
    assert partial_trace is qml.math.partial_trace and callable(_denman_beavers_iterations)


def test_agrees_with_pennylane():
    pml = pytest.importorskip("pennylane").math
    m = RNG.normal(size=(3, 4, 4))
    for wires, order in (([0, 2], [2, 1, 0]), ([1, 0], [0, 1])):
        assert onp.allclose(qml.math.expand_matrix(m, wires, order),
                            pml.expand_matrix(m, wires, order))
    v = RNG.normal(size=4)
    assert onp.allclose(qml.math.expand_vector(v, [9, 0], [0, 5, 9]),
                        pml.expand_vector(v, [9, 0], [0, 5, 9]))


def test_expm_is_the_series_and_differentiable():
    """``expm`` against the exponential by eigenvalues of a diagonalisable matrix (and the
    exact rotation), a batch; its derivative against central differences."""
    a = RNG.normal(size=(4, 4)) + 1j * RNG.normal(size=(4, 4))
    for scale in (0.01, 1.0, 30.0):
        lam, v = onp.linalg.eig(scale * a)
        ref = (v * onp.exp(lam)) @ onp.linalg.inv(v)
        assert onp.allclose(qml.math.expm(scale * a), ref, rtol=1e-9, atol=1e-12 * abs(ref).max())
    t = 0.3
    rot = qml.math.linalg.expm(t * onp.array([[0.0, -1.0], [1.0, 0.0]]))
    assert onp.allclose(rot, [[onp.cos(t), -onp.sin(t)], [onp.sin(t), onp.cos(t)]])
    batch = RNG.normal(size=(3, 2, 2))
    assert onp.allclose(qml.math.expm(batch), onp.stack([qml.math.expm(b) for b in batch]))
    gen = onp.array([[0.2, 1.0], [-2.0, 0.5]])
    f = lambda x: qml.math.expm(x * gen)[0, 1]
    h = 1e-6
    assert onp.isclose(qml.grad(f)(np.array(0.8)), (f(0.8 + h) - f(0.8 - h)) / (2 * h), atol=1e-8)
    with pytest.raises(ValueError, match="square matrix"):
        qml.math.expm(onp.ones((2, 3)))


def gf2_rank_by_enumeration(m):
    """The GF(2) rank as log2 of the number of distinct row combinations (the row space)."""
    rows = [int("".join(map(str, r)), 2) for r in m]
    space = {0}
    for r in rows:
        space |= {s ^ r for s in space}
    return len(space).bit_length() - 1


def test_binary_linear_algebra_over_gf2():
    for _ in range(40):
        r, c = RNG.integers(1, 7, size=2)
        m = RNG.integers(0, 2, size=(r, c))
        before = m.copy()
        rref = qml.math.binary_finite_reduced_row_echelon(m)
        assert onp.array_equal(m, before)                         # not modified
        assert qml.math.binary_matrix_rank(m) == gf2_rank_by_enumeration(m)
        assert gf2_rank_by_enumeration(rref) == gf2_rank_by_enumeration(m)   # same row space
        assert gf2_rank_by_enumeration(onp.vstack([rref, m])) == gf2_rank_by_enumeration(m)
        for i, row in enumerate(rref[rref.any(axis=1)]):         # pivots alone in their column
            pivot = onp.argmax(row)
            assert rref[:, pivot].sum() == 1 and not rref[i + 1:, :pivot + 1].any()
    a = onp.array([[1, 0, 0], [0, 1, 1], [1, 0, 1]])
    for b in itertools.product((0, 1), repeat=3):
        x = qml.math.binary_solve_linear_system(a, onp.array(b))
        assert onp.array_equal((a @ x) % 2, b)
    with pytest.raises(onp.linalg.LinAlgError, match="Singular"):
        qml.math.binary_solve_linear_system(onp.array([[1, 1], [1, 1]]), onp.array([1, 0]))
    bits = onp.array([[1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 0, 1]])
    basis, others = qml.math.binary_select_basis(bits)
    assert basis.tolist() == bits[:, [0, 1, 3]].tolist() and others.tolist() == [[1], [1], [0]]
    assert not qml.math.binary_is_independent(bits[:, 2], basis[:, :2])
    with pytest.raises(ValueError, match="same length"):
        qml.math.binary_is_independent(onp.ones(2, dtype=int), basis)


def test_sparse_matrices_dispatch_to_scipy():
    sps = pytest.importorskip("scipy.sparse")
    a = sps.csr_matrix(onp.array([[2.0, 1.0], [0.0, 3.0]]))
    assert qml.math.get_interface(a) == "scipy"
    assert onp.allclose(qml.math.linalg.inv(sps.csc_matrix(a)).toarray(), onp.linalg.inv(a.toarray()))
    assert onp.isclose(qml.math.linalg.norm(a), onp.linalg.norm(a.toarray()))
    cube = a.toarray() @ a.toarray() @ a.toarray()
    assert onp.allclose(qml.math.linalg.matrix_power(a, 3).toarray(), cube)
    from qsym.math.single_dispatch import _sparse_matrix_power_bruteforce
    for k in range(5):
        assert onp.allclose(_sparse_matrix_power_bruteforce(a, k).toarray(),
                            onp.linalg.matrix_power(a.toarray(), k))
    with pytest.raises(ValueError, match="exponent must be an integer"):
        _sparse_matrix_power_bruteforce(a, 1.5)
    with pytest.raises(ValueError, match="non-negative"):
        _sparse_matrix_power_bruteforce(a, -1)
    assert onp.allclose(qml.math.linalg.det(onp.eye(2) * 2), 4.0)   # dense: NumPy's
    with pytest.raises(TypeError, match="takes a SciPy sparse matrix"):
        qml.math.linalg.spsolve(onp.eye(2), onp.ones(2))


def test_scatter_element_add_values_and_derivatives():
    x = np.array(RNG.normal(size=(2, 3)), requires_grad=True)
    y = np.array([0.5, -1.5], requires_grad=True)
    f = lambda a, b: qml.math.scatter_element_add(a, [(1, 0), (2, 1)], b**2)
    expected = onp.array(x).copy()
    expected[1, 2] += 0.25
    expected[0, 1] += 2.25
    assert onp.allclose(f(x, y), expected)
    jx, jy = qml.jacobian(f)(x, y)
    assert onp.allclose(jx, onp.eye(6).reshape(2, 3, 2, 3))
    ref = onp.zeros((2, 3, 2))
    ref[1, 2, 0], ref[0, 1, 1] = 2 * 0.5, 2 * -1.5
    assert onp.allclose(jy, ref)
    assert qml.math.scatter_element_add(onp.array(1.0), (), 2.0) == 3.0


def test_block_diag_and_small_helpers():
    a, b = onp.array([[1.0, 2.0], [3.0, 4.0]]), onp.array([[5.0]])
    assert qml.math.block_diag([a, b]).tolist() == [[1, 2, 0], [3, 4, 0], [0, 0, 5]]
    f = lambda t: qml.math.block_diag([t, 2 * t])[3, 2]          # = 2 t[1, 0]
    g = qml.grad(f)(np.array(a, requires_grad=True))
    assert onp.allclose(g, [[0, 0], [2, 0]])
    assert qml.math.get_dtype_name(1) == onp.asarray(1).dtype.name
    assert qml.math.get_dtype_name(np.array(0.5, dtype="complex64")) == "complex64"
    ones = qml.math.ones_like([1, 2])
    assert type(ones) is onp.ndarray and ones.dtype == onp.asarray([1, 2]).dtype
    assert isinstance(qml.math.ones_like(np.array([1.0])), np.tensor)
    assert qml.math.frobenius_inner_product(a, a, normalize=True) == pytest.approx(1.0)
    assert qml.math.frobenius_inner_product(a, onp.eye(2)) == pytest.approx(5.0)
    assert qml.math.get_trainable_indices([np.array(0.1), onp.array(0.2),
                                           np.array(0.3, requires_grad=False)]) == {0}
    assert qml.math.requires_grad(qml.math.detach(np.array(0.3))) is False
    assert qml.math.in_backprop(onp.array(0.1)) is False
    seen = []
    qml.grad(lambda x: seen.append(qml.math.in_backprop(x)) or x * 1.0)(np.array(0.2))
    assert seen == [True]
    arr = onp.zeros(3)
    assert qml.math.set_index(arr, 1, 2.0) is arr and arr.tolist() == [0.0, 2.0, 0.0]


def test_math_grad_and_jacobian_differentiate_argnums():
    x, y = np.array([0.5, 1.2]), np.array([2.5, 4.8])
    gx, gy = qml.math.jacobian(lambda a, b: a**2 * b, argnums=(0, 1))(x, y)
    assert onp.allclose(gx, onp.diag(2 * x * y)) and onp.allclose(gy, onp.diag(x**2))
    assert qml.math.grad(lambda a, b: a * b)(np.array(2.0), np.array(3.0)) == 3.0
    with pytest.raises(ValueError, match="Interface numpy is not differentiable"):
        qml.math.grad(lambda a: a**2)(onp.array(2.0))
    with pytest.raises(ValueError, match="only differentiate with respect to arrays"):
        qml.math.jacobian(lambda a: (a,))(np.array(2.0))

    @qml.math.multi_dispatch(argnum=[0], tensor_list=[0])
    def interface_of(values, like=None):
        return like

    assert interface_of([onp.array(1.0), np.array(2.0)]) == "autograd"
    assert interface_of([onp.array(1.0)]) == "numpy"


def test_take_is_differentiable_and_convert_like_sparse():
    t = np.array(RNG.normal(size=(2, 3, 2)), requires_grad=True)
    idx = [0, 2, 3, 6, -2]
    grad = qml.grad(lambda x: np.sum(qml.math.take(x, idx) ** 2))(t)
    expected = onp.zeros(12)
    for i in idx:
        expected[i] += 2 * onp.asarray(t).ravel()[i]
    assert onp.allclose(grad, expected.reshape(2, 3, 2))
    assert onp.allclose(qml.math.take(onp.asarray(t), [2], axis=1), onp.asarray(t)[:, [2]])
    grad1 = qml.grad(lambda x: np.sum(qml.math.take(x, [2, 2], axis=-2)))(t)
    assert onp.allclose(grad1[:, 2], 2) and onp.allclose(grad1[:, :2], 0)
    sps = pytest.importorskip("scipy.sparse")
    out = qml.math.convert_like(onp.array([[1, 0], [1, 0]]), sps.csr_matrix(onp.eye(2)))
    assert isinstance(out, sps.csr_matrix) and out.toarray().tolist() == [[1, 0], [1, 0]]


def test_transpose_gather_and_unknown_objects():
    t = np.array([[1.0, 2.0]], requires_grad=False)
    out = qml.math.T(t)
    assert isinstance(out, np.tensor) and out.requires_grad is False and out.shape == (2, 1)
    assert qml.math.gather(onp.array([10, 20, 30]), [2, 0]).tolist() == [30, 10]
    g = qml.grad(lambda x: np.sum(qml.math.gather(x, [1, 1])))(np.array([1.0, 2.0, 3.0]))
    assert g.tolist() == [0.0, 2.0, 0.0]
    stranger = type("Stranger", (), {})()
    with pytest.raises(ValueError, match="unknown object"):
        qml.math.requires_grad(stranger)
    with pytest.raises(ValueError, match="in backpropagation"):
        qml.math.in_backprop(stranger)
    assert qml.math.requires_grad(0.5) is False and qml.math.requires_grad(None) is False


def test_numpy_functions_of_numpy_values_give_plain_numpy():
    """PennyLane dispatches ``qml.math.<numpy function>`` of NumPy values (lists, arrays,
    numbers) to NumPy: a plain array, not a trainable tensor."""
    out = qml.math.sqrt([0.25, 0.75])
    assert type(out) is onp.ndarray
    onp.testing.assert_allclose(out, [0.5, 0.75 ** 0.5])
    assert type(qml.math.exp(onp.array([0.0, 1.0]))) is onp.ndarray
    assert type(qml.math.sqrt(0.25)) is onp.float64
    assert type(qml.math.stack([onp.array(1.0), onp.array(2.0)])) is onp.ndarray


def test_numpy_functions_of_tensors_stay_tensors_and_differentiate():
    t = np.array([0.25, 0.75], requires_grad=False)
    out = qml.math.sqrt(t)
    assert isinstance(out, np.tensor) and not out.requires_grad
    assert isinstance(qml.math.stack([np.array(1.0), 2.0]), np.tensor)
    # d/dx sum(sin(x)) = cos(x)
    x = np.array([0.3, 1.1], requires_grad=True)
    grad = qml.grad(lambda v: qml.math.sum(qml.math.sin(v)))(x)
    onp.testing.assert_allclose(grad, onp.cos([0.3, 1.1]), atol=1e-15)


def test_is_independent_reads_the_autograd_trace_and_random_points():
    """PennyLane's ``qml.math.is_independent`` (its autograd cases, written here):
    analytically, an output on the trace of the arguments depends on them (``0.0 * x``
    does); numerically, the same output at random points from ``default_rng(seed)``; a
    QNode whose gates hold none of its arguments gives plain values inside a derivative
    (PennyLane's tape without trainable parameters), so it is independent of them."""
    from qsym.math.is_independent import _get_random_args

    assert callable(qml.math.is_independent)  # the name is the function, the path a module
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def const(x, y):
        qml.RX(0.1, wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def dependent(x, y):
        qml.RX(0.1, wires=0)
        qml.RY(y / 2, wires=0)
        return qml.expval(qml.PauliX(0))

    x = np.array([0.2, 9.1, -3.2], requires_grad=True)
    w = np.array([1.1, -0.7, 1.8], requires_grad=True)
    lin = lambda x, weights=None: np.dot(x, weights)
    independent = [(const, (0.1, onp.array([-2.1, 0.1]))), (lambda x: (onp.ones(3), -0.1), (1.2,)),
                   (qml.jacobian(lin), (x,), {"weights": w})]
    dependent_cases = [(dependent, (0.1, 0.4)), (lambda x: 0.0 * x, (onp.ones((2, 3)),)),
                       (lambda x: x if x > 0 else 0.0, (1.6,)), (lin, (x,), {"weights": w}),
                       (lambda x, kw=False: 0.1 * x if kw else 0.2, (0.2,), {"kw": True})]
    for func, args, *kw in independent:
        assert qml.math.is_independent(func, "autograd", args, *kw)
    for func, args, *kw in dependent_cases:
        assert not qml.math.is_independent(func, "autograd", args, *kw)
    rng = onp.random.default_rng(921)
    for row in _get_random_args((0.3, onp.ones((2, 2))), "autograd", 2, 921, (-1, 1)):
        assert all(a.requires_grad for a in row) and row[1].shape == (2, 2)
        assert onp.allclose(row[0], rng.random(()) * 2 - 1)
        assert onp.allclose(row[1], rng.random((2, 2)) * 2 - 1)
    expected = onp.random.default_rng(5).random((2, 3)) * 2.0 - 1.0
    assert onp.allclose(_get_random_args((onp.zeros((2, 3)),), "numpy", 1, 5, (-1, 1))[0][0],
                        expected)
    with pytest.raises(ValueError, match="Unknown interface: hello"):
        qml.math.is_independent(lambda x: x, "hello", (0.1,))
    with pytest.raises(qml.errors.ArgumentError, match="autograd only"):
        qml.math.is_independent(lambda x: x, "torch", (0.1,))
