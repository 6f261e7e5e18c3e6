"""PennyLane 0.45's result shapes and types (issue #18, "PennyLane code runs unchanged"):
a QNode made from a QNode, ``lightning.qubit``'s result types, sparse ``qml.StatePrep``
and a clear error for the Hessian of a shot vector.

Independent evidence only: amplitudes and probabilities written down by hand, the entropy
from the reduced state's eigenvalues computed directly, indices of embedded states worked
out bit by bit; PennyLane itself is not used.
"""

import warnings

import numpy as onp
import pytest
import scipy.sparse as ss

import qsym as qml
from qsym import numpy as pnp


# --- a QNode made from a QNode --------------------------------------------------------------
def _hadamard_probs(dev):
    def circuit(x):
        qml.Hadamard(wires=0)
        qml.CRX(x, wires=[0, 1])
        return qml.probs(wires=[0, 1]), qml.sample(wires=[2])
    return circuit


def test_qnode_of_a_qnode_runs_the_inner_circuit_function():
    dev = qml.device("default.qubit", wires=3)
    inner = qml.set_shots(qml.QNode(_hadamard_probs(dev), dev), shots=(10, (5, 2)))
    outer = qml.QNode(inner, dev)  # PennyLane: the inner QNode's function and shots
    assert outer.func is inner.func
    tape = qml.workflow.construct_tape(outer)(0.0)
    assert [op.name for op in tape.operations] == ["Hadamard", "CRX"]
    assert len(tape.measurements) == 2
    res = qml.execute([tape], dev, diff_method=None)[0]
    # one (probs, sample) per count of the shot vector: 10, 5, 5
    assert isinstance(res, tuple) and len(res) == 3
    for (probs, sample), n in zip(res, (10, 5, 5)):
        assert probs.shape == (4,) and sample.shape == (n, 1)
        assert onp.isclose(probs.sum(), 1.0)
        assert probs[1] == probs[3] == 0  # CRX(0) = identity: wire 1 stays |0>
        assert not sample.any()  # wire 2 is never touched


def test_qnode_of_a_qnode_exact_values():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def inner(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    outer = qml.QNode(inner, dev)
    assert onp.isclose(outer(0.4), onp.cos(0.4))  # <Z> after RY(x) on |0>: cos x


# --- lightning.qubit's result types ---------------------------------------------------------
def _bell_entropy(x):
    # RX(x) then CNOT: cos(x/2)|00> - i sin(x/2)|11>; wire 0 reduced: diag(c^2, s^2)
    p = onp.array([onp.cos(x / 2) ** 2, onp.sin(x / 2) ** 2])
    return -onp.sum(p * onp.log(p))


@pytest.mark.parametrize("device", ["default.qubit", "lightning.qubit"])
def test_state_quantities_are_numpy_floats(device):
    dev = qml.device(device, wires=2)

    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.vn_entropy(wires=0), qml.purity(wires=[0]), qml.expval(qml.PauliZ(1))

    ent, pur, z = qml.QNode(circuit, dev, diff_method=None)(0.5)
    assert type(ent) is onp.float64 and type(pur) is onp.float64
    assert onp.isclose(ent, _bell_entropy(0.5))
    assert onp.isclose(pur, onp.cos(0.25) ** 4 + onp.sin(0.25) ** 4)
    # PennyLane-Lightning returns a Python float for an exact expectation value
    assert type(z) is (float if device == "lightning.qubit" else onp.float64)
    assert onp.isclose(z, onp.cos(0.5))


def test_lightning_sampled_values_are_numpy():
    dev = qml.device("lightning.qubit", wires=2, seed=3)

    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.sample(qml.PauliZ(0))

    z, samples = qml.set_shots(qml.QNode(circuit, dev, diff_method=None), shots=10)(0.0)
    assert isinstance(z, (onp.ndarray, onp.float64)) and onp.shape(z) == ()
    assert z == 1.0 and samples.shape == (10,) and (samples == 1).all()  # |0>: every +1


# --- sparse StatePrep -----------------------------------------------------------------------
@pytest.mark.parametrize("wire_order, index", [
    (None, 0b10),
    ([1, 2], 0b10),
    ([0, 1, 2], 0b010),  # wire 1 is 1, wire 2 is 0, wire 0 added in |0>
    ([1, 2, 0], 0b100),
    ([2, 1, 0], 0b010),
    (["a", 1, 2], 0b010),
    ([3, 2, 0, 1], 0b0001),
])
def test_sparse_state_vector_embedding(wire_order, index):
    op = qml.StatePrep(ss.csr_matrix([0, 0, 1, 0]), wires=[1, 2])  # |10> on wires 1, 2
    assert op.is_sparse and op.batch_size is None
    ket = op.state_vector(wire_order=wire_order)
    n = 2 if wire_order is None else len(wire_order)
    assert ss.issparse(ket) and ket.shape == (1, 2**n)
    dense = ket.toarray()[0]
    expected = onp.zeros(2**n)
    expected[index] = 1
    assert onp.array_equal(dense, expected)


def test_sparse_state_runs_like_the_dense_one():
    dev = qml.device("default.qubit", wires=2)

    def circuit(state):
        qml.StatePrep(state, wires=[0, 1])
        return qml.probs(wires=[0, 1])

    probs = qml.QNode(lambda: circuit(ss.coo_matrix([0, 0.6, 0, -0.8])), dev)()
    assert onp.allclose(probs, [0, 0.36, 0, 0.64])  # |amplitude|^2 by hand
    one_d = qml.StatePrep(ss.csr_array([1, 0, 0, 0]), wires=(0, 1))
    assert onp.array_equal(one_d.state_vector([0, 1, 2]).toarray()[0], onp.eye(8)[0])


def test_sparse_state_checks():
    with pytest.raises(ValueError, match="Non-zero Padding is not supported"):
        qml.StatePrep(ss.csr_matrix([0, 0, 1, 0]), wires=[1, 2], pad_with=1)
    with pytest.raises(NotImplementedError, match="parameter broadcasting"):
        qml.StatePrep(ss.csr_matrix([[0, 0], [1, 0]]), wires=[1, 2])
    with pytest.raises(ValueError, match="State must be of length 4 or smaller"):
        qml.StatePrep(ss.csr_matrix([0, 0, 2, 0, 1]), wires=[1, 2])
    with pytest.raises(ValueError, match="norm 1.0; got norm 2.0"):
        qml.StatePrep(ss.csr_matrix([0, 0, 2, 0]), wires=[1, 2], validate_norm=True)
    with pytest.warns(UserWarning, match="Automatically padding with zeros"):
        padded = qml.StatePrep._preprocess_csr(ss.csr_matrix([0, 0, 2]), [1, 2], None, True, True)
    assert onp.allclose(padded.toarray(), [[0, 0, 1, 0]])  # padded, then divided by 2
    op = qml.StatePrep(ss.csr_matrix([0, 0, 0, 1]), wires=[0, 1])
    with pytest.raises(qml.wires.WireError, match="wire_order must contain all wires"):
        op.state_vector(wire_order=[1, 2])


# --- second derivatives with shots -----------------------------------------------------------
def test_hessian_of_a_shot_vector_by_parameter_shift_is_sampled():
    dev = qml.device("default.qubit", wires=1, seed=5)

    @qml.set_shots(((20000, 2), 40000))
    @qml.qnode(dev, diff_method="parameter-shift", max_diff=2)
    def circuit(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    def cost(x):
        return qml.jacobian(lambda y: qml.math.stack(circuit(y)))(x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        second = qml.jacobian(cost)(pnp.array(0.1))
    # one second derivative per count: d^2 cos(x) / dx^2 = -cos(x), each within shot noise
    assert onp.shape(second) == (3,)
    assert onp.allclose(second, -onp.cos(0.1), atol=0.05)


def _zz(h, shots, seed):
    dev = qml.device("default.qubit", wires=2, seed=seed)

    @qml.set_shots(shots)
    @qml.qnode(dev, diff_method="finite-diff", max_diff=2,
               gradient_kwargs={"h": h, "strategy": "center", "approx_order": 2})
    def circuit(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    return circuit


def test_sampled_finite_difference_hessian():
    h, x, y = 0.3, 0.4, 0.9
    f = lambda a, b: onp.cos(a) * onp.cos(b)  # <Z0 Z1> by hand
    # central differences of central differences, written out: steps of 2h on the
    # diagonal, the four corners (+-h, +-h) off it
    dxx = (f(x + 2 * h, y) - 2 * f(x, y) + f(x - 2 * h, y)) / (4 * h * h)
    dyy = (f(x, y + 2 * h) - 2 * f(x, y) + f(x, y - 2 * h)) / (4 * h * h)
    dxy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hess = qml.hessian(_zz(h, 1_000_000, 11), argnum=[0, 1])(pnp.array(x), pnp.array(y))
        # a shot vector: one Hessian per count, (args, args, counts)
        sv = _zz(0.3, ((5, 1), 10), 3)
        nested = qml.jacobian(lambda a, b: qml.math.stack(qml.jacobian(
            lambda u, v: qml.math.stack(sv(u, v)), argnum=[0, 1])(a, b)), argnum=[0, 1])(
                pnp.array(x), pnp.array(y))
    hess = onp.array(hess, dtype=float).reshape(2, 2)
    # shot noise of each difference: about 1 / (4 h^2 sqrt(N)) = 0.003
    assert onp.allclose(hess, [[dxx, dxy], [dxy, dyy]], atol=0.03)
    assert len(nested) == 2 and all(onp.shape(n) == (2, 2) for n in nested)


# --- PennyLane's messages for a state of the wrong norm or length ---------------------------
def test_zero_state_with_validate_norm_says_the_norm():
    with pytest.raises(ValueError, match="The state must be a vector of norm 1.0; got norm 0.0"):
        qml.StatePrep([0, 0, 0, 0], wires=[0, 1], validate_norm=True)
    with pytest.raises(qml.GateError, match="zero vector"):  # nothing to normalize
        qml.StatePrep([0, 0, 0, 0], wires=[0, 1], normalize=True)


def test_basis_state_of_the_wrong_length_shows_the_state():
    with pytest.raises(ValueError, match=r"State must be of length 2; got length 1 \(state=\[0\]\)\."):
        qml.BasisState([0], wires=[0, 1])


def test_state_vector_of_a_complex_list():
    op = qml.StatePrep([1, 1j], wires=[0], normalize=True)
    # (1, i) / sqrt(2), on wire 0 with wire 1 added in |0>: amplitudes at |00> and |10>
    expected = onp.array([[1, 0], [1j, 0]]) / onp.sqrt(2)
    assert onp.allclose(op.state_vector(wire_order=[0, 1]), expected)
