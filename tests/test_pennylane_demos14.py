"""PennyLane's semantics that earlier demo rounds of issue #18 left (stop 60): the complex
Jacobian of ``qml.state()`` on every path, ``qml.grad`` of a complex number refused,
the gradient's type where a hybrid function's chain rule multiplies by the argument
tensor, a circuit function's prints once per trace, ``sparse_matrix()`` without rounding
residues, and ``Sum.terms()`` coefficients of PennyLane's types. References are
independent of qsym: values derived by hand, finite differences, and (where marked)
what PennyLane 0.45.1 printed for the same code in /work/plvenv (a throwaway script),
never qsym's own output.
"""

import sys
import threading

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

dev1 = qml.device("default.qubit", wires=1)


@qml.qnode(dev1)
def _state_by_value(x):
    # the angle is the larger eigenvalue of [[x, 1], [1, -x]], sqrt(1 + x^2): numpy.linalg
    # of the input, so the input is used by its number (the by-value path)
    qml.RX(np.linalg.eigh(np.array([[x, 1.0], [1.0, -x]]))[0][1], wires=0)
    return qml.state()


def test_jacobian_of_a_state_used_by_value_is_complex():
    """The state RX(t)|0> = [cos(t/2), -i sin(t/2)] with t = sqrt(1 + x^2): its derivative
    by x is complex; on the by-value path (the function run on autograd's boxes) only its
    real part came back ([-0.0716, 0]). PennyLane 0.45.1 raises a ValueError here
    (autograd's reshape); qsym gives the whole Jacobian, as its QNode path does."""
    x = np.array(0.3, requires_grad=True)
    jac = qml.jacobian(_state_by_value)(x)
    t, dt = onp.sqrt(1 + 0.3**2), 0.3 / onp.sqrt(1 + 0.3**2)
    want = onp.array([-onp.sin(t / 2) / 2, -0.5j * onp.cos(t / 2)]) * dt  # by hand
    onp.testing.assert_allclose(jac, want, atol=1e-12)
    assert onp.iscomplexobj(jac)
    h = 1e-6  # and by central differences of the values
    fd = (onp.asarray(_state_by_value(0.3 + h)) - onp.asarray(_state_by_value(0.3 - h))) / (2 * h)
    onp.testing.assert_allclose(jac, fd, atol=1e-8)


def test_jacobian_of_a_complex_hybrid_function_and_grad_refuses_one():
    """d/dx exp(ix) = i exp(ix) (it came back as its real part, -sin x); a hybrid of a
    QNode state gives the QNode's own complex Jacobian; ``qml.grad`` of a complex number
    is refused as PennyLane's autograd refuses it (TypeError "Grad only applies to real
    scalar-output functions"), where qsym returned Re(df/dx)."""
    x = np.array(0.3, requires_grad=True)
    jac = qml.jacobian(lambda x: np.exp(1j * x))(x)
    onp.testing.assert_allclose(jac, 1j * onp.exp(0.3j), atol=1e-14)

    @qml.qnode(dev1)
    def state(x):
        qml.RX(x, wires=0)
        return qml.state()

    hybrid = qml.jacobian(lambda x: 2.0 * state(x))(x)
    want = 2.0 * onp.array([-onp.sin(0.15) / 2, -0.5j * onp.cos(0.15)])  # by hand
    onp.testing.assert_allclose(hybrid, want, atol=1e-12)
    with pytest.raises(TypeError, match="real scalar-output"):
        qml.grad(lambda x: np.exp(1j * x))(x)
    # second derivatives of f = exp(i x0) x1, by hand: -exp(i x0) x1, i exp(i x0), 0
    v = np.array([0.3, 0.2], requires_grad=True)
    hess = qml.jacobian(qml.jacobian(lambda v: np.exp(1j * v[0]) * v[1]))(v)
    e = onp.exp(0.3j)
    onp.testing.assert_allclose(hess, [[-0.2 * e, 1j * e], [1j * e, 0.0]], atol=1e-14)


dev2 = qml.device("default.qubit", wires=2)


@qml.qnode(dev2)
def _two(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.Z(0) @ qml.Z(1))


@pytest.mark.parametrize("name, fun, kind", [
    # PennyLane 0.45.1's types for the same functions (printed in /work/plvenv): autograd's
    # boxes wrap the argument tensor, so a vjp multiplying by it (np.sin's g * cos(x),
    # x**2's 2 g x) gives a tensor; a QNode's vjp or np.sum's gives a plain array
    ("qnode plus sum of squares", lambda x: _two(x) + np.sum(x**2), "tensor"),
    ("numpy only", lambda x: np.sum(np.sin(x)), "tensor"),
    ("qnode plus sum", lambda x: _two(x) + np.sum(x), "ndarray"),
    ("qnode scaled", lambda x: 2 * _two(x), "ndarray"),
    ("sum", lambda x: np.sum(x), "ndarray"),
])
def test_gradient_of_a_hybrid_function_has_pennylanes_type(name, fun, kind):
    x = np.array([0.3, 0.2], requires_grad=True)
    g = qml.grad(fun)(x)
    assert type(g).__name__ == kind, name
    if name == "numpy only":
        onp.testing.assert_allclose(g, onp.cos([0.3, 0.2]), atol=1e-15)
    if name == "qnode plus sum of squares":  # <ZZ> = cos(x1) (CNOT maps Z0 Z1 to Z1)
        onp.testing.assert_allclose(g, [0.6, 0.4 - onp.sin(0.2)], atol=1e-12)


def test_a_circuit_functions_print_appears_once_per_trace(capsys):
    """The trace prints; the replays that check it (at the call's numbers, and at zero)
    are silent, so a first call prints once, as PennyLane's one run per call (qsym printed
    three times: the trace and its two replays); a compiled signature runs no Python."""
    @qml.qnode(dev1)
    def c(x):
        print("circuit runs")
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    c(np.array(0.3))
    assert capsys.readouterr().out.count("circuit runs") == 1

    @qml.qnode(dev1)
    def drawn(x):  # traced at every call (a draw from NumPy's generator)
        print("per call")
        qml.RX(x * np.random.uniform(), wires=0)
        return qml.expval(qml.Z(0))

    drawn(0.3)
    capsys.readouterr()
    drawn(0.3)  # the per-call trace prints, its replay does not
    assert capsys.readouterr().out.count("per call") == 1


def test_silenced_drops_this_threads_writes_only(capsys):
    from qsym._trace import silenced

    def other():
        print("other thread")

    with silenced():
        print("replay")
        sys.stderr.write("replay warning\n")
        t = threading.Thread(target=other)
        t.start()
        t.join()
    print("after")
    out = capsys.readouterr()
    assert out.out == "other thread\nafter\n" and out.err == ""


def test_sparse_matrix_drops_the_rounding_residues_of_cancelling_terms():
    """0.1 I + 0.2 Z(0) - 0.3 Z(1): on |00> the sum 0.1 + 0.2 - 0.3 is 5.6e-17, rounding,
    which PennyLane drops (its words of one sparse structure summed, entries below 1e-16
    cut): the diagonal [0, 0.6, -0.4, 0.2] by hand, 3 stored entries (qsym stored 4; the
    LiH Hamiltonian in 2 of 5 orbitals stored 11520 entries where PennyLane 0.45.1 stores
    11264). 0.7 (X Y - Y X) cancels exactly at (0, 3) and (3, 0), not at (1, 2), (2, 1)."""
    H = qml.Hamiltonian([0.1, 0.2, -0.3, 0.7, -0.7],
                        [qml.I(0), qml.Z(0), qml.Z(1), qml.X(0) @ qml.Y(1), qml.Y(0) @ qml.X(1)])
    S = H.sparse_matrix()
    assert S.nnz == 5  # PennyLane 0.45.1: 5
    onp.testing.assert_allclose(S.diagonal(), [0.0, 0.6, -0.4, 0.2], atol=1e-15)
    diagonal = (0.1 * qml.I(0) + 0.2 * qml.Z(0) - 0.3 * qml.Z(1)).sparse_matrix(wire_order=[0, 1])
    assert diagonal.nnz == 3  # PennyLane 0.45.1: 3
    dense = onp.zeros((4, 4), dtype=complex)  # the matrices by hand, summed
    x, y, z = onp.array([[0, 1], [1, 0]]), onp.array([[0, -1j], [1j, 0]]), onp.diag([1, -1])
    for c, m in [(0.1, onp.eye(4)), (0.2, onp.kron(z, onp.eye(2))), (-0.3, onp.kron(onp.eye(2), z)),
                 (0.7, onp.kron(x, y)), (-0.7, onp.kron(y, x))]:
        dense += c * m
    onp.testing.assert_allclose(S.toarray(), dense, atol=1e-15)
    big = qml.Hamiltonian([0.5, -0.25, 0.125], [qml.X(0) @ qml.Z(2), qml.Y(1), qml.Z(0) @ qml.Z(1)])
    want = 0.5 * onp.kron(onp.kron(x, onp.eye(2)), z) - 0.25 * onp.kron(onp.kron(onp.eye(2), y),
                                                                        onp.eye(2))
    want = want + 0.125 * onp.kron(onp.kron(z, z), onp.eye(2))
    onp.testing.assert_allclose(big.sparse_matrix(wire_order=[0, 1, 2]).toarray(), want, atol=1e-15)
    assert big.sparse_matrix(wire_order=[2, 1, 0]).nnz == onp.count_nonzero(want)


@pytest.mark.parametrize("make, want", [
    # PennyLane 0.45.1's terms() coefficients for the same operators (printed in
    # /work/plvenv): its Pauli sentences are built by NumPy's dot for a scalar multiple
    # (np.float64), Python's 0.0 + c for a sum, 0.0 + factor * c1 * c2 for a product
    (lambda: 0.5 * qml.X(0) + qml.Z(1), [("float64", 0.5), ("float", 1.0)]),
    (lambda: 2 * qml.X(0) + qml.Z(1), [("float64", 2.0), ("float", 1.0)]),
    (lambda: qml.dot([0.5, 0.25], [qml.X(0), qml.Z(1)]), [("float64", 0.5), ("float64", 0.25)]),
    (lambda: qml.X(0) + qml.Z(1), [("float", 1.0), ("float", 1.0)]),
    (lambda: onp.complex128(0.5j) * qml.X(0) + qml.Z(1), [("complex128", 0.5j), ("float", 1.0)]),
    (lambda: 0.5 * qml.X(0) + 0.25 * qml.X(0), [("float64", 0.75)]),
    (lambda: qml.X(0) - qml.X(0), [("float64", 0.0)]),  # kept, as PennyLane keeps it
    (lambda: (qml.X(0) + qml.Z(0)) @ (0.5 * qml.Y(1)), [("float64", 0.5), ("float64", 0.5)]),
    (lambda: 0.5 * (qml.X(0) + 0.5 * qml.Z(1)), [("float", 0.5), ("float64", 0.25)]),
    (lambda: qml.X(0) / 2 + qml.Z(1), [("float64", 0.5), ("float", 1.0)]),
    (lambda: np.array(0.5) * qml.X(0) + qml.Z(1), [("tensor", 0.5), ("float", 1.0)]),
])
def test_sum_terms_coefficients_have_pennylanes_types(make, want):
    coeffs, ops = make().terms()
    assert [(type(c).__name__, complex(c)) for c in coeffs] == [(k, complex(v)) for k, v in want]
    assert len(ops) == len(coeffs)


def test_a_cancelled_word_is_listed_with_its_zero():
    coeffs, ops = (qml.X(0) + 0.5 * qml.Z(1) - qml.X(0)).terms()
    assert list(map(float, coeffs)) == [0.0, 0.5] and ops == [qml.X(0), qml.Z(1)]  # PennyLane's


# --- learning to learn (demonstrations_v2/learning2learn): the QAOA MaxCut cost it trains
# --- an LSTM on, TensorFlow's interface as autograd, the RNN left out: a QNode made per
# --- call (the demo's ``hamiltonian``), its gradient and the SGD comparison ---------------


def _qaoa_from_graph(graph, n_layers=1):
    wires = range(len(graph.nodes))
    cost_h, mixer_h = qml.qaoa.maxcut(graph)

    def qaoa_layer(gamma, alpha):
        qml.qaoa.cost_layer(gamma, cost_h)
        qml.qaoa.mixer_layer(alpha, mixer_h)

    def circuit(params, **kwargs):
        for w in wires:
            qml.Hadamard(wires=w)
        qml.layer(qaoa_layer, n_layers, params[0], params[1])
        return qml.expval(cost_h)

    def hamiltonian(params, **kwargs):
        dev = qml.device("default.qubit", wires=len(graph.nodes))
        return qml.QNode(circuit, dev, diff_method="backprop")(params)

    return hamiltonian


def test_learning_to_learn_qaoa_cost_gradient_and_descent_match_pennylane():
    nx = pytest.importorskip("networkx")
    graph = nx.Graph([(0, 1), (1, 4), (1, 6), (2, 5), (2, 6), (3, 5), (3, 6), (4, 5), (4, 6)])
    cost = _qaoa_from_graph(graph)
    x = np.array([[0.5], [0.5]], requires_grad=True)
    value, grad = cost(x), qml.grad(cost)(x)
    # PennyLane 0.45.1 (/work/plvenv, the same code): tensor(-2.7857176602967906),
    # array([[1.6880318754967345], [-2.3786462603590994]]); its step_and_cost losses
    # -2.7857176602967906, -2.878622360558069 and the angles after two steps
    assert type(value).__name__ == "tensor" and type(grad).__name__ == "ndarray"
    assert float(value) == pytest.approx(-2.7857176602967906, abs=1e-13)
    onp.testing.assert_allclose(grad, [[1.6880318754967345], [-2.3786462603590994]], atol=1e-13)
    opt = qml.GradientDescentOptimizer(stepsize=0.01)
    losses = []
    for _ in range(2):
        x, loss = opt.step_and_cost(cost, x)
        losses.append(float(loss))
    onp.testing.assert_allclose(losses, [-2.7857176602967906, -2.878622360558069], atol=1e-13)
    onp.testing.assert_allclose(x, [[0.46500082046698044], [0.5531659189389824]], atol=1e-13)


# --- quantum generative adversarial networks (demonstrations_v2/tutorial_QGAN; cirq's
# --- simulator as default.qubit, TensorFlow's SGD(0.4) as GradientDescentOptimizer(0.4),
# --- the two training stages cut to 3 steps each) -----------------------------------------

dev3 = qml.device("default.qubit", wires=3)


def _real(angles, **kwargs):
    qml.Hadamard(wires=0)
    qml.Rot(*angles, wires=0)


def _generator(w, **kwargs):
    qml.Hadamard(wires=0)
    qml.RX(w[0], wires=0)
    qml.RX(w[1], wires=1)
    qml.RY(w[2], wires=0)
    qml.RY(w[3], wires=1)
    qml.RZ(w[4], wires=0)
    qml.RZ(w[5], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RX(w[6], wires=0)
    qml.RY(w[7], wires=0)
    qml.RZ(w[8], wires=0)


def _discriminator(w):
    qml.Hadamard(wires=0)
    qml.RX(w[0], wires=0)
    qml.RX(w[1], wires=2)
    qml.RY(w[2], wires=0)
    qml.RY(w[3], wires=2)
    qml.RZ(w[4], wires=0)
    qml.RZ(w[5], wires=2)
    qml.CNOT(wires=[0, 2])
    qml.RX(w[6], wires=2)
    qml.RY(w[7], wires=2)
    qml.RZ(w[8], wires=2)


def test_qgan_two_training_stages_match_pennylane():
    @qml.qnode(dev3)
    def real_disc_circuit(phi, theta, omega, disc_weights):
        _real([phi, theta, omega])
        _discriminator(disc_weights)
        return qml.expval(qml.PauliZ(2))

    @qml.qnode(dev3)
    def gen_disc_circuit(gen_weights, disc_weights):
        _generator(gen_weights)
        _discriminator(disc_weights)
        return qml.expval(qml.PauliZ(2))

    @qml.qnode(dev3)
    def bloch_vector_generator(angles):
        _generator(angles)
        return [qml.expval(o) for o in [qml.PauliX(0), qml.PauliY(0), qml.PauliZ(0)]]

    phi, theta, omega = np.pi / 6, np.pi / 2, np.pi / 7
    w = {}

    def prob_real_true(disc_weights):
        return (real_disc_circuit(phi, theta, omega, disc_weights) + 1) / 2

    def prob_fake_true(gen_weights, disc_weights):
        return (gen_disc_circuit(gen_weights, disc_weights) + 1) / 2

    def disc_cost(disc_weights):
        return prob_fake_true(w["gen"], disc_weights) - prob_real_true(disc_weights)

    def gen_cost(gen_weights):
        return -prob_fake_true(gen_weights, w["disc"])

    rng = onp.random.RandomState(0)  # the demo's np.random.seed(0) draws, in its order
    w["gen"] = np.array(onp.array([onp.pi] + [0] * 8) + rng.normal(scale=1e-2, size=(9,)),
                        requires_grad=False)
    w["disc"] = np.array(rng.normal(size=(9,)), requires_grad=True)
    opt = qml.GradientDescentOptimizer(0.4)
    first = []
    for _ in range(3):
        w["disc"], loss = opt.step_and_cost(disc_cost, w["disc"])
        first.append(float(loss))
    w["gen"] = np.array(w["gen"], requires_grad=True)
    w["disc"] = np.array(w["disc"], requires_grad=False)
    for _ in range(3):
        w["gen"], loss = opt.step_and_cost(gen_cost, w["gen"])
    # PennyLane 0.45.1 (/work/plvenv, the same code): the first cost -0.022513046227340072,
    # then (after both stages) the discriminator cost, the two probabilities and the
    # generator's Bloch vector
    assert first[0] == pytest.approx(-0.022513046227340072, abs=1e-13)
    assert float(disc_cost(w["disc"])) == pytest.approx(-0.1018254639948647, abs=1e-13)
    assert float(prob_fake_true(w["gen"], w["disc"])) == pytest.approx(0.24643839737824924,
                                                                       abs=1e-13)
    assert float(prob_real_true(w["disc"])) == pytest.approx(0.34826386137311394, abs=1e-13)
    bloch = bloch_vector_generator(w["gen"])
    assert isinstance(bloch, list) and all(type(b).__name__ == "tensor" for b in bloch)
    onp.testing.assert_allclose(
        [float(b) for b in bloch],
        [0.03416106927863466, 0.002368927537564014, -0.1999273377050037], atol=1e-13)


def test_hamiltonian_plus_an_operator_keeps_an_array_of_coefficients():
    """PennyLane's ``LinearCombination.__add__`` joins the coefficients by
    ``qml.math.concatenate``: an array, whatever the Hamiltonian was given (qsym: a list)."""
    H = qml.Hamiltonian([0.5, 0.25], [qml.X(0), qml.Z(1)])
    for joined in (H + qml.Y(0), H + H):
        assert isinstance(joined.coeffs, onp.ndarray)
        assert isinstance(joined.terms()[0], onp.ndarray)
    onp.testing.assert_array_equal((H + qml.Y(0)).coeffs, [0.5, 0.25, 1.0])


def test_parameter_shift_refuses_the_state_as_pennylane():
    """PennyLane 0.45.1's measurements/test_state.py::test_jacobian_not_supported: a QNode
    with diff_method="parameter-shift" returning the state (or an entropy) has no
    Jacobian, a ValueError with PennyLane's words; the exact methods give it."""
    dev = qml.device("default.qubit", wires=4)

    def make(measure):
        @qml.qnode(dev, diff_method="parameter-shift")
        def func(x):
            for i in range(4):
                qml.RX(x, wires=i)
            qml.CNOT(wires=[0, 1])
            return measure()

        return func

    for measure in (qml.state, lambda: qml.vn_entropy(wires=0)):
        func = make(measure)
        with pytest.raises(ValueError, match="Computing the gradient of circuits that return "
                                             "the state with the parameter-shift rule gradient "
                                             "transform is not supported"):
            qml.jacobian(func)(np.array(0.1))


# --- PyTorch and noisy devices (demonstrations_v2/pytorch_noise; the noisy rigetti.qvm as
# --- default.mixed with the noise written out, torch's Adam(lr=0.1) as AdamOptimizer(0.1),
# --- the target switched after 100 steps, 105 steps of 400) -------------------------------


def test_noisy_device_demo_with_a_step_dependent_target_matches_pennylane():
    dev = qml.device("default.mixed", wires=2)

    @qml.qnode(dev)
    def circuit(phi, theta):
        qml.RX(theta, wires=0)
        qml.DepolarizingChannel(0.02, wires=0)
        qml.RZ(phi, wires=0)
        qml.AmplitudeDamping(0.05, wires=0)
        return qml.expval(qml.PauliZ(0))

    def cost(phi, theta, step):
        target = -(-1) ** (step // 100)
        return np.abs(circuit(phi, theta) - target) ** 2

    phi = np.array(1.0, requires_grad=True)
    theta = np.array(0.05, requires_grad=True)
    opt = qml.AdamOptimizer(0.1)
    for i in range(105):
        (phi, theta), _ = opt.step_and_cost(lambda p, t: cost(p, t, i), phi, theta)
    # PennyLane 0.45.1 (/work/plvenv, the same code): phi 0.999999998400795 (<Z> does not
    # depend on phi: its gradient is rounding, which Adam's normalisation moves by ~1e-9;
    # qsym's rounding differs), theta 3.22238836681892, <Z> -0.8716502205118232, the cost
    # at step 105 3.5030745479419565
    assert float(phi) == pytest.approx(1.0, abs=1e-7)
    assert float(theta) == pytest.approx(3.22238836681892, abs=1e-7)
    assert float(circuit(phi, theta)) == pytest.approx(-0.8716502205118232, abs=1e-7)
    assert float(cost(phi, theta, 105)) == pytest.approx(3.5030745479419565, abs=1e-7)


def test_a_molecule_with_misshaped_coordinates_is_made_and_refused_where_used():
    """PennyLane 0.45.1's qchem/test_dipole.py::test_molecular_dipole_error: the Molecule is
    made (its coordinates kept as given) and molecular_dipole raises its ValueError, the
    shape checked before the multiplicity; qsym refused the Molecule itself. Every use of
    its basis functions raises the same error, never a number."""
    m = qml.qchem.Molecule(["H"], onp.array([1.0, 2.0]))
    onp.testing.assert_array_equal(m.coordinates, [1.0, 2.0])
    match = "The shape of the coordinates does not match the number of atoms in the molecule."
    with pytest.raises(ValueError, match=match):
        qml.qchem.molecular_dipole(m)
    h2 = qml.qchem.Molecule(["H", "H"], onp.array([0.0, 0.0, 0.0, 0.0, 1.4]))
    for use in (lambda: qml.qchem.molecular_hamiltonian(h2), lambda: qml.qchem.hf_energy(h2)(),
                lambda: h2.atomic_orbital(0)):
        with pytest.raises(ValueError, match=match):
            use()
