"""Issue #18: PennyLane's own docstring examples of its operators (``pennylane/ops``,
``op_math``) give PennyLane's numbers on qsym. Expected values are closed forms and
hand-built matrices, independent of the code under test."""
import numpy as np
import pytest

import qsym as qml


def _rx(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def _ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def _rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


# --- qml.adjoint of a product queues only the adjoint (simplify's docstring) ------------

def test_adjoint_of_a_product_replaces_it_in_a_queue():
    with qml.queuing.AnnotatedQueue() as q:
        out = qml.adjoint(qml.prod(qml.RX(1.0, 0), qml.RY(2.0, 0)))
    assert q.queue == [out]


@pytest.mark.parametrize("transform", [None, "simplify"])
def test_adjoint_of_a_product_in_a_transformed_qnode(transform):
    def f():
        qml.adjoint(qml.prod(qml.RX(1, 0) ** 1, qml.RY(1, 0), qml.RZ(1, 0)))
        return qml.probs(wires=0)

    qf = qml.simplify(f) if transform else f
    circuit = qml.qnode(qml.device("default.qubit", wires=2))(qf)
    # prod(A, B, C) is the matrix A @ B @ C; its adjoint applied to |0>
    u = (_rx(1) @ _ry(1) @ _rz(1)).conj().T
    expected = np.abs(u[:, 0]) ** 2
    assert np.allclose(circuit(), expected)
    tape = qml.workflow.construct_tape(circuit)()
    assert len(tape.operations) == 1
    assert np.allclose(qml.matrix(tape.operations[0]), u)


# --- eigenvalues of controlled operators in PennyLane's order ---------------------------

def _ones_then(ev, n):
    return np.concatenate([np.ones(2 ** n - len(ev)), ev])


@pytest.mark.parametrize("make, base_ev, n", [
    (lambda: qml.CNOT([0, 1]), [1, -1], 2),
    (lambda: qml.CY([0, 1]), [1, -1], 2),
    (lambda: qml.CH([0, 1]), [1, -1], 2),
    (lambda: qml.Toffoli([0, 1, 2]), [1, -1], 3),
    (lambda: qml.MultiControlledX(wires=[0, 1, 2], control_values=[0, 1]), [1, -1], 3),
    (lambda: qml.CSWAP([0, 1, 2]), [1, -1, 1, 1], 3),  # SWAP.eigvals(): PennyLane 0.45.1
    (lambda: qml.CRY(0.3, [0, 1]), [np.exp(0.15j), np.exp(-0.15j)], 2),
    (lambda: qml.CRX(0.3, [0, 1]), [np.exp(0.15j), np.exp(-0.15j)], 2),
    (lambda: qml.CRZ(0.3, [0, 1]), [np.exp(-0.15j), np.exp(0.15j)], 2),
    (lambda: qml.ctrl(qml.RX(0.3, 0), [1, 2], control_values=[0, 1]),
     [np.exp(0.15j), np.exp(-0.15j)], 3),
    (lambda: qml.ControlledQubitUnitary(_ry(0.4), wires=[1, 0]),
     [np.exp(0.2j), np.exp(-0.2j)], 2),
])
def test_controlled_eigvals_are_ones_then_the_targets(make, base_ev, n):
    op = make()
    got = np.asarray(op.eigvals())
    # PennyLane's Controlled.eigvals: ones for the untouched states, then the target's
    assert np.allclose(got, _ones_then(np.asarray(base_ev), n))
    assert np.allclose(qml.eigvals(op), got)
    # the same multiset as the matrix's eigenvalues
    m = qml.matrix(op)
    assert np.allclose(np.sort_complex(np.linalg.eigvals(m).round(10)),
                       np.sort_complex(got.round(10)))


def test_controlled_eigvals_broadcast():
    t = np.array([0.1, 0.2])
    got = qml.CRX(t, [0, 1]).eigvals()
    assert got.shape == (2, 4)
    for row, ti in zip(got, t):
        assert np.allclose(row, [1, 1, np.exp(0.5j * ti), np.exp(-0.5j * ti)])


# --- qml.adjoint(...).simplify() of a controlled product: no endless recursion ----------

def test_simplify_adjoint_of_controlled_product_is_its_inverse():
    op = qml.ctrl(qml.RX(1.2, wires=0) ** 2 @ qml.RY(0.1, wires=0), control=1)
    s = qml.simplify(qml.adjoint(op))
    target = _rx(2.4) @ _ry(0.1)
    controlled = np.block([[np.eye(2), np.zeros((2, 2))], [np.zeros((2, 2)), target]])
    assert np.allclose(qml.matrix(s, wire_order=[1, 0]), controlled.conj().T)


# --- a Hermitian exponential is measured (qml.exp's docstring) --------------------------

def test_expval_of_a_hermitian_exponential():
    obs = qml.exp(qml.Z(0), 3)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(obs), qml.var(obs)

    x = 0.3
    p0, p1 = np.cos(x / 2) ** 2, np.sin(x / 2) ** 2
    mean = p0 * np.exp(3) + p1 * np.exp(-3)
    var = p0 * np.exp(6) + p1 * np.exp(-6) - mean ** 2
    assert np.allclose(circuit(x), [mean, var])
    g = qml.grad(lambda t: circuit(t)[0])(qml.numpy.array(x))
    assert np.isclose(g, -np.sin(x) / 2 * (np.exp(3) - np.exp(-3)))


def test_a_non_hermitian_exponential_is_still_refused():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return qml.expval(qml.exp(qml.Z(0), 1j))

    with pytest.raises(qml.errors.MeasurementError):
        circuit()


# --- qml.pauli.grouping.graph_colouring.largest_first: PennyLane's visiting order -------

def test_largest_first_docstring_graph():
    from qsym.pauli import largest_first

    obs = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    adj = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0]])
    # degrees (1, 1, 2): vertex 2 first (colour 1), then 1 and 0 (ties: the later row
    # first), both adjacent to 2 only: colour 2, in the order visited
    got = largest_first(obs, adj)
    assert list(got) == [1, 2]
    assert [r.tolist() for r in got[1]] == [[0.0, 0.0, 1.0]]
    assert [r.tolist() for r in got[2]] == [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]


def test_largest_first_is_a_proper_colouring():
    from qsym.pauli import largest_first

    rng = np.random.default_rng(7)
    for _ in range(30):
        n = int(rng.integers(2, 10))
        adj = np.triu((rng.random((n, n)) < 0.5).astype(int), 1)
        adj = adj + adj.T
        rows = np.eye(n)
        got = largest_first(rows, adj)
        members = [[int(np.argmax(r)) for r in group] for group in got.values()]
        assert sorted(i for g in members for i in g) == list(range(n))
        for g in members:
            assert not any(adj[i, j] for i in g for j in g)


# --- MultiControlledX.compute_matrix(control_wires, control_values) (its docstring) -----

@pytest.mark.parametrize("controls, values", [([0], [1]), ([1], [0]), ([0, 1], None),
                                              ([0, 1], [1, 0]), ([0, 1, 2], [0, 0, 1])])
def test_multicontrolledx_compute_matrix_positional(controls, values):
    n = len(controls) + 1
    vals = [1] * len(controls) if values is None else values
    # hand-built: X on the last wire where the controls read vals, identity elsewhere
    expected = np.eye(2 ** n)
    base = int("".join(map(str, vals)), 2) << 1
    expected[[base, base + 1]] = expected[[base + 1, base]]
    got = qml.MultiControlledX.compute_matrix(controls, values)
    assert got.dtype == np.float64  # PennyLane's dtype
    assert np.array_equal(got, expected)
    kw = qml.MultiControlledX.compute_matrix(control_wires=controls, control_values=values)
    assert np.array_equal(kw, expected)
    assert qml.MultiControlledX(wires=[*range(n)], control_values=vals).matrix().dtype == np.float64


# --- qml.draw of a decomposition that leaves some of the operator's wires unused --------

def test_draw_of_a_decomposition_on_fewer_wires():
    # x >= 4 on three bits is "the top bit is 1": one CNOT-like gate from wire 0 to 3
    ops = qml.IntegerComparator.compute_decomposition(4, wires=[0, 1, 2, 3])
    u = qml.matrix(qml.prod(*reversed(ops)), wire_order=[0, 1, 2, 3])
    assert np.allclose(u, qml.matrix(qml.IntegerComparator(4, wires=[0, 1, 2, 3])))
    text = qml.draw(qml.IntegerComparator.compute_decomposition)(4, wires=[0, 1, 2, 3])
    lines = text.splitlines()
    assert lines[0].startswith("0:") and "●" in lines[0]
    assert lines[-1].startswith("3:") and "X" in lines[-1]


# --- a Pauli sum's sparse_matrix is built sparse (SparseHamiltonian's docstring) --------

_PAULI = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
          "Z": np.diag([1, -1])}


def _kron_word(letters):
    m = np.array([[1.0 + 0j]])
    for p in letters:
        m = np.kron(m, _PAULI[p])
    return m


@pytest.mark.parametrize("wire_order", [None, [2, 0, 1], [3, 1, 0, 2]])
def test_pauli_sum_sparse_matrix_matches_kronecker_products(wire_order):
    H = qml.Hamiltonian([0.5, 2.0, -1.5, 0.3j],
                        [qml.Z(0) @ qml.Y(2), qml.X(1), qml.Y(0) @ qml.X(2) @ qml.Z(1), qml.Y(1)])
    order = [0, 2, 1] if wire_order is None else wire_order  # default: wires by first use
    words = [{0: "Z", 2: "Y"}, {1: "X"}, {0: "Y", 2: "X", 1: "Z"}, {1: "Y"}]
    expected = sum(c * _kron_word([w.get(x, "I") for x in order])
                   for c, w in zip([0.5, 2.0, -1.5, 0.3j], words))
    got = H.sparse_matrix(wire_order=wire_order)
    assert got.format == "csr"
    assert np.allclose(got.toarray(), expected)


def test_sparse_matrix_of_a_twenty_wire_hamiltonian():
    n = 20
    M = qml.Hamiltonian([1] * n, [qml.Z(i) for i in range(n)]).sparse_matrix()
    assert M.shape == (2 ** n, 2 ** n)
    diag = M.diagonal().real
    # sum of Z_i on basis state x: n - 2 * popcount(x)
    for x in [0, 1, 2 ** n - 1, 0b1011, 123456]:
        assert diag[x] == n - 2 * bin(x).count("1")
    assert M.nnz <= 2 ** n and (M - M.T).nnz == 0


# --- Prod.simplify of factors without a Pauli form: PennyLane's grouping ----------------

def test_prod_simplify_adds_rotations_on_one_wire():
    s = qml.prod(qml.RX(1.0, 0), qml.RX(2.0, 0)).simplify()
    assert s.name == "RX" and np.isclose(s.data[0], 3.0)
    s = qml.prod(qml.RX(5 * np.pi, 0), qml.RY(1.0, 0)).simplify()  # 5 pi mod 4 pi
    assert [o.name for o in s.operands] == ["RX", "RY"] and np.isclose(s.operands[0].data[0], np.pi)


def test_prod_simplify_powers_phases_and_sums():
    # RX(1.2)**2 is RX(2.4)
    s = qml.prod(qml.RX(1.2, 0) ** 2, qml.RY(0.1, 0)).simplify()
    assert [o.name for o in s.operands] == ["RX", "RY"] and np.isclose(s.operands[0].data[0], 2.4)
    # X(1) Y(1) = i Z(1); the adjoint of RX(2) is RX(-2) = RX(4 pi - 2), added to RX(1)
    s = qml.prod(qml.RX(1.0, 0) ** 1, qml.adjoint(qml.RX(2.0, 0)), qml.X(1), qml.Y(1)).simplify()
    assert np.isclose(s.scalar, 1j)
    assert [o.name for o in s.base.operands] == ["PauliZ", "RX"]
    assert np.isclose(s.base.operands[1].data[0], 4 * np.pi - 1.0)
    # S S = S**2 = Z; a sum on another wire expands: Z(0) X(1) + Z(0) Z(1)
    s = qml.prod(qml.S(0), qml.S(0), qml.X(1) + qml.Z(1)).simplify()
    z0x1 = np.kron(np.diag([1, -1]), [[0, 1], [1, 0]])
    z0z1 = np.kron(np.diag([1, -1]), np.diag([1, -1]))
    assert isinstance(s, qml.ops.Sum) and len(s.operands) == 2
    assert np.allclose(qml.matrix(s, wire_order=[0, 1]), z0x1 + z0z1)
    assert qml.prod(qml.Hadamard(0), qml.Hadamard(0)).simplify().name == "Identity"


@pytest.mark.parametrize("seed", range(5))
def test_prod_simplify_keeps_the_matrix(seed):
    rng = np.random.default_rng(seed)
    makers = [lambda w, t: qml.RX(t, w), lambda w, t: qml.RY(t, w), lambda w, t: qml.RZ(t, w),
              lambda w, t: qml.X(w), lambda w, t: qml.Y(w), lambda w, t: qml.Z(w),
              lambda w, t: qml.S(w), lambda w, t: qml.Hadamard(w),
              lambda w, t: qml.CNOT([w, 1 - w])]
    ops = [makers[rng.integers(len(makers))](int(rng.integers(2)), float(rng.normal()))
           for _ in range(6)]
    p = qml.prod(*ops)
    # the product's matrix by hand: the factors' matrices multiplied left to right
    expected = np.eye(4)
    for o in ops:
        expected = expected @ qml.matrix(o, wire_order=[0, 1])
    s = p.simplify()
    assert np.allclose(qml.matrix(s, wire_order=[0, 1]), expected)


# --- MeasurementProcess.eigvals and BasisStateProjector.compute_eigvals (their docstrings)

def test_measurement_process_eigvals():
    M = qml.measurements.MeasurementProcess
    assert np.array_equal(M(obs=qml.X(1)).eigvals(), [1.0, -1.0])
    # X(0) Z(1) after its diagonalizing gates: Z(0) Z(1), signs (-1)^(b0 + b1)
    assert np.array_equal(M(obs=qml.X(0) @ qml.Z(1)).eigvals(), [1.0, -1.0, -1.0, 1.0])
    assert np.array_equal(M(wires=[0], eigvals=[3, 4]).eigvals(), [3, 4])
    assert M(wires=[0]).eigvals() is None


@pytest.mark.parametrize("state", [[0], [1], [0, 1], [1, 1, 0]])
def test_basis_state_projector_compute_eigvals(state):
    B = qml.ops.qubit.observables.BasisStateProjector
    expected = np.zeros(2 ** len(state))
    expected[int("".join(map(str, state)), 2)] = 1.0
    assert np.array_equal(B.compute_eigvals(state), expected)
