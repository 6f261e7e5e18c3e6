"""Templates have PennyLane's operator interface: ``hyperparameters``, ``data``,
``_flatten``/``_unflatten``, ``map_wires``, ``qml.equal`` and ``assert_valid``."""

import pickle

import numpy as np
import pytest

import qsym as qml

W = np.array([[0.1, -2.1, 1.4]])

TEMPLATES = [
    lambda: qml.AngleEmbedding([0.3, 0.7], wires=[0, 1], rotation="Y"),
    lambda: qml.BasisEmbedding([1, 0], wires=[0, 1]),
    lambda: qml.RandomLayers(W, wires=[0, 1], seed=3),
    lambda: qml.StronglyEntanglingLayers(np.linspace(0.1, 1.2, 12).reshape(2, 2, 3), wires=[0, 1]),
    lambda: qml.BasicEntanglerLayers(np.array([[0.2, 0.5]]), wires=[0, 1]),
    lambda: qml.QAOAEmbedding([1.0, 2.0], np.ones((1, 3)) * 0.3, wires=[0, 1]),
    lambda: qml.MottonenStatePreparation(np.array([0.6, 0.0, 0.0, 0.8j]), wires=[0, 1]),
    lambda: qml.QFT(wires=[0, 1, 2]),
    lambda: qml.GroverOperator(wires=[0, 1, 2]),
    lambda: qml.IQPEmbedding([0.4, 0.9], wires=[0, 1], n_repeats=2),
]


@pytest.mark.parametrize("make", TEMPLATES)
def test_flatten_unflatten_gives_an_equal_template(make):
    op = make()
    data, metadata = op._flatten()
    assert hash(metadata)
    assert metadata[0] == op.wires
    assert data == op.data
    new = type(op)._unflatten(data, metadata)
    assert new is not op
    qml.assert_equal(new, op)
    np.testing.assert_allclose(new.matrix(), op.matrix(), atol=1e-12)


@pytest.mark.parametrize("make", TEMPLATES)
def test_map_wires_keeps_the_matrix_and_assert_valid(make):
    op = make()
    mapped = op.map_wires({w: f"m{w}" for w in op.wires})
    assert list(mapped.wires) == [f"m{w}" for w in op.wires]
    np.testing.assert_allclose(mapped.matrix(wire_order=mapped.wires), op.matrix(), atol=1e-12)
    qml.ops.functions.assert_valid(op)
    qml.assert_equal(pickle.loads(pickle.dumps(op)), op)


def test_hyperparameters_and_data_as_pennylane():
    op = qml.AngleEmbedding(features=[1, 2, 3], wires=[0, 1, 2], rotation="Z")
    assert op.hyperparameters == {"rotation": "Z"}
    assert op._flatten()[1][1] == (("rotation", "Z"),)
    assert op.data == ([1, 2, 3],)
    r = qml.RandomLayers(W, wires=(0, 1), ratio_imprim=0.5, seed=None)
    assert r.hyperparameters["ratio_imprim"] == 0.5 and r.hyperparameters["seed"] is None
    with pytest.raises(qml.errors.GateError, match="ratio_imprim"):  # would place gates forever
        qml.RandomLayers(W, wires=(0, 1), ratio_imprim=1.0)
    np.testing.assert_allclose(r.data[0], W)


def test_equal_compares_type_wires_data_and_hyperparameters():
    a = qml.AngleEmbedding([0.1, 0.2], wires=[0, 1], rotation="Z")
    assert qml.equal(a, qml.AngleEmbedding([0.1, 0.2], wires=[0, 1], rotation="Z"))
    assert qml.equal(a, qml.AngleEmbedding([0.1, 0.2 + 1e-12], wires=[0, 1], rotation="Z"))
    with pytest.raises(AssertionError, match="different data"):
        qml.assert_equal(a, qml.AngleEmbedding([0.1, 0.3], wires=[0, 1], rotation="Z"))
    with pytest.raises(AssertionError, match="hyperparameters"):
        qml.assert_equal(a, qml.AngleEmbedding([0.1, 0.2], wires=[0, 1], rotation="X"))
    with pytest.raises(AssertionError, match="different wires"):
        qml.assert_equal(a, qml.AngleEmbedding([0.1, 0.2], wires=[1, 0], rotation="Z"))
    with pytest.raises(AssertionError, match="different types"):
        qml.assert_equal(a, qml.QFT(wires=[0, 1]))
    assert not qml.equal(qml.QFT(wires=[0, 1]), qml.RX(0.1, wires=0))


def _bits_map(n, f):
    """The permutation matrix of ``|bits> -> |f(bits)>`` on ``n`` wires, first wire first."""
    ref = np.zeros((2 ** n, 2 ** n))
    for i in range(2 ** n):
        bits = [(i >> (n - 1 - k)) & 1 for k in range(n)]
        j = int("".join(str(b) for b in f(*bits)), 2)
        ref[j, i] = 1
    return ref


def test_qubit_sum_and_carry_are_pennylanes_arithmetic():
    np.testing.assert_allclose(qml.QubitSum(wires=[0, 1, 2]).matrix(),
                               _bits_map(3, lambda a, b, c: (a, b, a ^ b ^ c)))
    np.testing.assert_allclose(
        qml.QubitCarry(wires=[0, 1, 2, 3]).matrix(),
        _bits_map(4, lambda a, b, c, d: (a, b, b ^ c, d ^ (b & c) ^ (a & (b ^ c)))))
    with pytest.raises(qml.WireError, match="3 wires"):
        qml.QubitSum(wires=[0, 1])


def test_qubit_sum_and_carry_static_matrices_and_labels():
    """PennyLane's static ``compute_matrix()`` (no arguments) against the bit maps written
    here, ``has_matrix``, and QubitSum's label ``Σ``."""
    np.testing.assert_allclose(qml.QubitSum.compute_matrix(),
                               _bits_map(3, lambda a, b, c: (a, b, a ^ b ^ c)))
    np.testing.assert_allclose(
        qml.QubitCarry.compute_matrix(),
        _bits_map(4, lambda a, b, c, d: (a, b, b ^ c, d ^ (b & c) ^ (a & (b ^ c)))))
    assert qml.QubitSum.has_matrix and qml.QubitCarry.has_matrix
    assert qml.QubitSum(wires=[0, 1, 2]).label(decimals=2) == "Σ"
    assert qml.QubitCarry(wires=[0, 1, 2, 3]).label() == "QubitCarry"


@pytest.mark.parametrize("make, flags", [  # PennyLane 0.45.1's (has_matrix, has_adjoint, has_decomposition)
    (lambda: qml.AngleEmbedding([0.1, 0.2], wires=[0, 1]), (False, False, True)),
    (lambda: qml.StronglyEntanglingLayers(np.zeros((1, 2, 3)), wires=[0, 1]), (False, False, True)),
    (lambda: qml.StatePrep([1, 0, 0, 0], wires=[0, 1]), (False, False, True)),
    (lambda: qml.QFT(wires=[0, 1]), (True, False, True)),
    (lambda: qml.GroverOperator(wires=[0, 1]), (True, False, True)),
    (lambda: qml.TemporaryAND([0, 1, 2]), (True, False, True)),
    (lambda: qml.PhaseAdder(1, [0, 1]), (False, False, True)),
    (lambda: qml.SemiAdder([0], [1, 2], [3]), (False, False, True)),
    (lambda: qml.QSVT(qml.RX(0.1, 0), [qml.PCPhase(0.1, 1, wires=0)] * 2), (True, False, True)),
])
def test_template_flags_are_pennylanes(make, flags):
    op = make()
    assert (op.has_matrix, op.has_adjoint, op.has_decomposition) == flags
    assert op.has_diagonalizing_gates is False and op.has_generator is False
    assert op.matrix().shape == (2 ** len(op.wires),) * 2  # qsym's: its gates' product all the same


# --- state_vector, QubitDensityMatrix, adjoint() of templates (issue #18) ---

def test_state_vector_of_state_preparations_on_a_wire_order():
    import numpy as onp

    sp = qml.StatePrep(onp.array([0.6, 0.8j]), wires=["a"])
    assert onp.allclose(sp.state_vector(), [0.6, 0.8j])
    # on ["b", "a"]: |0>_b (x) state_a, axes (b, a)
    assert onp.allclose(sp.state_vector(wire_order=["b", "a"]), [[0.6, 0.8j], [0, 0]])
    # on ["a", "b"]: state_a (x) |0>_b
    assert onp.allclose(sp.state_vector(wire_order=["a", "b"]), [[0.6, 0], [0.8j, 0]])
    padded = qml.StatePrep([1.0, 1.0], wires=[0, 1], pad_with=1.0)
    assert onp.allclose(padded.state_vector().reshape(-1), onp.full(4, 0.5))
    batch = qml.StatePrep(onp.array([[1.0, 0.0], [0.0, 1.0]]), wires=[1])
    assert onp.allclose(batch.state_vector(wire_order=[0, 1]),
                        [[[1, 0], [0, 0]], [[0, 1], [0, 0]]])
    bs = qml.BasisState([1, 0], wires=[0, 1])
    expected = onp.zeros((2, 2, 2))
    expected[0, 0, 1] = 1.0  # on wires [1, 2, 0]: wire 1 -> 0, wire 2 -> 0, wire 0 -> 1
    assert onp.array_equal(bs.state_vector(wire_order=[1, 2, 0]), expected)
    with pytest.raises(qml.errors.WireError, match="must contain all BasisState wires"):
        bs.state_vector(wire_order=[0, 2])


def test_state_preparations_have_no_adjoint_method():
    import numpy as onp

    for op in (qml.BasisState([0, 1], wires=[0, 1]), qml.StatePrep([1.0, 0.0], wires=0),
               qml.QubitDensityMatrix(onp.diag([1.0, 0.0]), wires=0)):
        with pytest.raises(qml.operation.AdjointUndefinedError, match="no adjoint method"):
            op.adjoint()


def test_qubit_density_matrix_is_made_and_refused_in_circuits():
    import numpy as onp

    rho = onp.diag([1.0, 0.0])
    op = qml.QubitDensityMatrix(rho, wires=0)
    assert op.label() == "QubitDensityMatrix" and op.wires == qml.wires.Wires([0])
    cache = {"matrices": []}
    assert op.label(cache=cache) == "QubitDensityMatrix\n(M0)" and onp.allclose(cache["matrices"][0], rho)
    with pytest.raises(qml.errors.GateError, match="shape"):
        qml.QubitDensityMatrix(onp.eye(2), wires=[0, 1])
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def circuit():
        qml.QubitDensityMatrix(rho, wires=0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.errors.GateError, match="QubitDensityMatrix is not supported"):
        circuit()


def test_convert_op_to_numpy_data():
    from qsym.transforms.convert_to_numpy_parameters import _convert_op_to_numpy_data

    from qsym import numpy as pnp

    op = _convert_op_to_numpy_data(qml.PauliRot(pnp.array(0.5, requires_grad=True), "X", [0]))
    assert type(op.data[0]).__name__ == "float64" and op == qml.PauliRot(0.5, "X", [0])
    plain = qml.RX(0.1, wires=0)
    assert _convert_op_to_numpy_data(plain) is plain


def _flip_matrix(k, cond):
    """Hand-built: X on the last of k + 1 wires where cond(integer of the first k)."""
    import numpy as onp

    m = onp.zeros((2 ** (k + 1),) * 2)
    for n in range(2 ** k):
        for t in (0, 1):
            m[2 * n + (t ^ int(cond(n))), 2 * n + t] = 1
    return m


@pytest.mark.parametrize("geq", [True, False])
def test_integer_comparator_matrix_and_gates(geq):
    import numpy as onp

    for k in (1, 2, 3):
        for value in range(2 ** k + 2):
            expected = _flip_matrix(k, (lambda n: n >= value) if geq else (lambda n: n < value))
            assert onp.array_equal(
                qml.IntegerComparator.compute_matrix(list(range(k)), value=value, geq=geq), expected)
            op = qml.IntegerComparator(value, wires=list(range(k + 1)), geq=geq)
            gates = op.decomposition()
            prod = onp.eye(2 ** (k + 1))
            for g in gates:
                prod = qml.matrix(g, wire_order=list(range(k + 1))) @ prod
            assert onp.allclose(prod, expected), (k, value, geq)
    # PennyLane's example (its docstring): geq=True, value 2 on two controls
    assert qml.IntegerComparator.compute_matrix([0, 1], value=2)[4, 5] == 1


def test_integer_comparator_interface_and_errors():
    op = qml.IntegerComparator(2, geq=False, wires=(0, 1, 2, 3), work_wires=4)
    data, meta = op._flatten()
    assert data == () and meta[0] == qml.wires.Wires([0, 1, 2, 3])
    assert meta[1] == (("work_wires", qml.wires.Wires([4])), ("value", 2), ("geq", False))
    assert qml.equal(type(op)._unflatten(data, meta), op) and hash(meta)
    assert op.label() == "<2" and qml.IntegerComparator(3, wires=[0, 1]).label() == ">=3"
    assert op.control_wires == qml.wires.Wires([0, 1, 2]) and op.data == ()
    assert op.pow(2) == [] and op.pow(3)[0].name == "IntegerComparator"
    assert op.adjoint().label() == "<2"
    with pytest.raises(ValueError, match="must be an int"):
        qml.IntegerComparator(4.2, wires=[0, 1])
    with pytest.raises(ValueError, match="Need at least 2"):
        qml.IntegerComparator(1, wires=[0])
    with pytest.raises(ValueError, match="work wires must be different"):
        qml.IntegerComparator(1, wires=[0, 1, 2], work_wires=[2])
    with pytest.raises(ValueError, match="Must specify the wires"):
        qml.IntegerComparator.compute_decomposition(2, wires=None)
    with pytest.raises(ValueError, match="value to compare to must be specified"):
        qml.IntegerComparator.compute_matrix([0, 1], value=None)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(state, value, geq):
        qml.BasisState(state, wires=range(3))
        qml.IntegerComparator(value, geq=geq, wires=range(3))
        return qml.probs(wires=range(3))

    # |100> (4 >= 1): the target flips; |010> (2 < 3): flips; |110> (6 < 3 false): stays
    assert circuit([1, 0, 0], 1, True)[0b101] == 1.0
    assert circuit([0, 1, 0], 3, False)[0b011] == 1.0
    assert circuit([1, 1, 0], 3, False)[0b110] == 1.0


def test_barrier_and_wirecut_labels_and_adjoints():
    # PennyLane's labels: "||" and "//"; each applies nothing, so it is its own adjoint
    assert qml.Barrier(wires=[0, 1]).label() == "||" and qml.WireCut(wires=0).label() == "//"
    assert qml.Barrier(wires=[0, 1]).adjoint().wires == qml.wires.Wires([0, 1])
    assert qml.WireCut(wires=[0]).adjoint().label() == "//"


def test_template_queue_records_it_again():
    """PennyLane's op.queue() on a template made outside the queue: one queue entry that
    qml.adjoint then takes; in a circuit its gates are applied again and drawn as a box of
    their own. By hand: RX(x) X RX(x) |0> = X RX(2x) |0>, <Z> = -cos 2x, d/dx = 2 sin 2x."""
    import numpy as onp

    from qsym.ops.op_math import Adjoint

    base = qml.QFT(wires=(0, 1, 2))
    with qml.queuing.AnnotatedQueue() as q:
        base.queue()
        out = qml.adjoint(base)
    assert len(q) == 1 and q.queue[0] is out and isinstance(out, Adjoint) and out.base is base

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        t = qml.AngleEmbedding([x], wires=[0])
        qml.PauliX(0)
        t.queue()
        return qml.expval(qml.Z(0))

    x = qml.numpy.array(0.3, requires_grad=True)
    assert onp.isclose(circuit(x), -onp.cos(0.6))
    assert onp.isclose(qml.grad(circuit)(x), 2 * onp.sin(0.6))
    assert qml.draw(circuit)(x).splitlines()[0].count("AngleEmbedding") == 2
