"""What PennyLane's demos (fourteenth round of issue #18: geometric quantum machine learning,
the Ising model with PyTorch, efficient simulation of Clifford circuits, learning shallow
quantum circuits, resource estimation in the 6-31G basis, multiclass margin classification,
function fitting by quantum signal processing) do with the import switched, each
cut to a small instance of the demo's own code path (loops cut, plots left out, PyTorch's
and JAX/Optax's training loops written with ``qml.numpy`` and qsym's optimizers, the same
edits on both sides). References are independent of qsym: values derived by hand, and
(where marked) numbers PennyLane 0.45.1 printed for the same code in /work/plvenv (a
throwaway script), never qsym's own output.
"""

import math
from functools import partial

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

# --- geometric quantum machine learning (demonstrations_v2/tutorial_geometric_qml; the
# --- noughts-and-crosses classifier: torch tensors as qml.numpy, two fixed boards) ------


def test_geometric_qml_symmetric_classifier_matches_pennylane():
    """The demo's nine-qubit symmetry-preserving circuit: observables written as
    ``(Z(0) + Z(2) + Z(6) + Z(8)) * (1 / 4)``, a list of three expectation values stacked
    with ``np.hstack``, the mean squared loss over a batch and its gradient by the nine
    shared parameters."""
    dev = qml.device("default.qubit", wires=9)
    ob_center = qml.PauliZ(4)
    ob_corner = (qml.PauliZ(0) + qml.PauliZ(2) + qml.PauliZ(6) + qml.PauliZ(8)) * (1 / 4)
    ob_edge = (qml.PauliZ(1) + qml.PauliZ(3) + qml.PauliZ(5) + qml.PauliZ(7)) * (1 / 4)

    @qml.qnode(dev)
    def circuit(x, p):
        for i in range(9):
            qml.RX(x[i], wires=i)
        qml.RX(p[0], wires=4)
        qml.RY(p[1], wires=4)
        for w in (0, 2, 6, 8):
            qml.RX(p[2], wires=w)
        for w in (0, 2, 6, 8):
            qml.RY(p[3], wires=w)
        for w in (1, 3, 5, 7):
            qml.RX(p[4], wires=w)
        for w in (1, 3, 5, 7):
            qml.RY(p[5], wires=w)
        for a, b in [(0, 1), (2, 1), (2, 5), (8, 5), (8, 7), (6, 7), (6, 3), (0, 3)]:
            qml.CRY(p[6], wires=[a, b])
        for b in (0, 2, 6, 8):
            qml.CRY(p[7], wires=[4, b])
        for a in (1, 3, 5, 7):
            qml.CRY(p[8], wires=[a, 4])
        return [qml.expval(ob_center), qml.expval(ob_corner), qml.expval(ob_edge)]

    boards = [[1, -1, 0, 0, 1, -1, 1, 0, -1], [-1, 1, 1, 0, -1, 1, 0, -1, 1]]
    data = [(np.array(b, requires_grad=False) * (2 * math.pi) / 3, y)
            for b, y in zip(boards, [[-1, -1, 1], [1, -1, -1]])]

    def cost(p):
        out = np.stack([np.hstack(circuit(x, p)) for x, _ in data])
        vec = out - np.array([y for _, y in data])
        return np.mean(np.sum(vec * vec, axis=1))

    p = np.array([0.1 * (k - 4) for k in range(9)], requires_grad=True)
    # PennyLane 0.45.1 (/work/plvenv, the same code)
    assert onp.allclose(np.hstack(circuit(data[0][0], p)),
                        [-0.1879305727336203, -0.07915717113722148, 0.2192086195303312],
                        atol=1e-12)
    assert float(cost(p)) == pytest.approx(3.0971649444803253, abs=1e-12)
    assert onp.allclose(qml.grad(cost)(p), [
        -1.5889561381766462, -0.6103778287321829, -0.3223394925032034, -0.00450385056935882,
        -0.5676683547221995, 0.16015730377681908, 0.3185001947293063, -0.546868238841069,
        -1.9440963588857694], atol=1e-12)


# --- 3-qubit Ising model in PyTorch (demonstrations_v2/tutorial_isingmodel_PyTorch;
# --- torch's SGD as qml.GradientDescentOptimizer, the same step size) --------------------


def test_ising_model_energy_and_gradient_descent_match_pennylane():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(p1, p2):
        qml.Rot(p1[0], p1[1], p1[2], wires=1)
        qml.Rot(p2[0], p2[1], p2[2], wires=2)
        return [qml.expval(qml.PauliZ(i)) for i in range(3)]

    def cost(var1, var2):
        spins = circuit(var1, var2)
        return -(1 * spins[0] * spins[1]) - (-1 * spins[1] * spins[2])

    # the demo's sanity check, by hand: spins [1, -1, -1] with J = [1, -1] give energy 2
    flip = np.array([0, np.pi, 0])
    assert float(cost(flip, flip)) == pytest.approx(2.0, abs=1e-12)
    p1 = np.array([0.3, 2.1, 1.0], requires_grad=True)
    p2 = np.array([1.2, 0.4, 2.5], requires_grad=True)
    # PennyLane 0.45.1 (/work/plvenv, the same code): the energy, its gradient by both
    # arguments (a tuple) and the energy and angles after five steps of 0.1
    assert float(cost(p1, p2)) == pytest.approx(0.03985204967862832, abs=1e-12)
    g1, g2 = qml.grad(cost)(p1, p2)
    assert onp.allclose(g1, [0.0, 0.068140889370661303, 0.0], atol=1e-12)
    assert onp.allclose(g2, [0.0, 0.19659633317425609, 0.0], atol=1e-12)
    opt = qml.GradientDescentOptimizer(stepsize=0.1)
    for _ in range(5):
        p1, p2 = opt.step(cost, p1, p2)
    assert float(cost(p1, p2)) == pytest.approx(0.023217155388787325, abs=1e-12)
    assert onp.allclose(p1, [0.3, 2.0715799472644703, 1.0], atol=1e-12)
    assert onp.allclose(p2, [1.2, 0.3122580047699592, 2.5], atol=1e-12)


# --- efficient simulation of Clifford circuits (demonstrations_v2/
# --- tutorial_clifford_circuit_simulations; default.clifford, PennyLane's stim-backed
# --- device, is not provided: the tableau helpers and the Clifford+T part) --------------


def test_clifford_tableaus_and_clifford_t_counts_match_pennylane(capsys):
    def clifford_tableau(op):  # the demo's function
        print(f"Tableau: {op.name}({', '.join(map(str, op.wires))})")
        pauli_ops = [pauli(wire) for wire in op.wires for pauli in [qml.X, qml.Z]]
        for pauli in pauli_ops:
            conjugate = qml.prod(qml.adjoint(op), pauli, op).simplify()
            decompose = qml.pauli_decompose(conjugate.matrix(), wire_order=op.wires)
            decompose_coeffs, decompose_ops = decompose.terms()
            phase = "+" if list(decompose_coeffs)[0] >= 0 else "-"
            print(pauli, "-—>", phase, list(decompose_ops)[0])

    clifford_tableau(qml.X(0))
    clifford_tableau(qml.CNOT(wires=[0, 1]))
    # the conjugations by hand (X Z X = -Z; CNOT copies X forward and Z backward), in
    # PennyLane 0.45.1's printing (/work/plvenv)
    assert capsys.readouterr().out.splitlines() == [
        "Tableau: PauliX(0)", "X(0) -—> + X(0)", "Z(0) -—> - Z(0)",
        "Tableau: CNOT(0, 1)", "X(0) -—> + X(0) @ X(1)", "Z(0) -—> + Z(0) @ I(1)",
        "X(1) -—> + I(0) @ X(1)", "Z(1) -—> + Z(0) @ Z(1)"]

    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def original_circuit(x, y):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        qml.RY(y, 0)
        return qml.probs()

    x, y = np.pi / 2, np.pi / 4
    unrolled_circuit = qml.transforms.clifford_t_decomposition(original_circuit)
    assert qml.math.allclose(original_circuit(x, y), unrolled_circuit(x, y), atol=1e-3)
    tape = qml.workflow.construct_tape(unrolled_circuit)(x, y)
    # PennyLane 0.45.1 (/work/plvenv): RX(pi/2) is H S H; RY(pi/4) is S^dagger H, then
    # rs_decomposition's T and the normal form's Clifford, an Identity, then H S; one
    # GlobalPhase. Its Tracker printed "Total gates: 11" with "- Identity: 1"
    assert [op.name for op in tape.operations] == [
        "Hadamard", "S", "Hadamard", "CNOT", "Adjoint(S)", "Hadamard", "T", "Identity",
        "Hadamard", "S", "GlobalPhase"]
    with qml.Tracker(dev) as tracker:
        unrolled_circuit(x, y)
    resources = tracker.history["resources"][0]
    assert resources.num_gates == 11 and resources.gate_types["Identity"] == 1


# --- learning shallow quantum circuits (demonstrations_v2/tutorial_learningshallow; jax
# --- and optax as qml.numpy and qml.AdamOptimizer, NumPy's generator for the parameters,
# --- 3 steps instead of 100, two of the four local inversions) --------------------------


def test_learning_shallow_circuits_local_inversions_and_sewing_match_pennylane():
    n = 4
    rng = onp.random.default_rng(0)
    U_params = rng.normal(size=(2, n))

    def U_target(wires):
        for i in range(n):
            qml.Hadamard(wires=wires[i])
        for i in range(0, n, 2):
            qml.IsingXX(U_params[0, i], wires=(wires[i], wires[(i + 1) % n]))
        for i in range(1, n, 2):
            qml.IsingXX(U_params[1, i], wires=(wires[i], wires[(i + 1) % n]))

    def V_i(params, wires):
        for i in range(n):
            qml.RX(params[0, 0, i], i)
        for i in range(n):
            qml.RY(params[0, 1, i], i)
        for ll in range(2):
            for i in range(0, n, 2):
                qml.CNOT((wires[i], wires[i + 1]))
            for i in range(1, n, 2):
                qml.CNOT((wires[i], wires[(i + 1) % n]))
            for i in range(n):
                qml.RX(params[ll + 1, 0, i], i)
            for i in range(n):
                qml.RY(params[ll + 1, 1, i], i)

    params = np.array(rng.normal(size=(3, 2, n)), requires_grad=True)
    dev = qml.device("default.qubit")

    @qml.qnode(dev)
    def qnode_i(params, i):
        U_target(range(n))
        V_i(params, range(n))
        return [qml.expval(P(i)) for P in [qml.X, qml.Y, qml.Z]]

    def cost_i(params, i):
        x, y, z = qnode_i(params, i)
        return x ** 2 + y ** 2 + (1 - z) ** 2

    params_i = []
    # PennyLane 0.45.1 (/work/plvenv, the same code): the last step's cost and the cost
    # after three Adam steps, for qubits 0 and 1
    expected = [(0.622648101157714, 0.4459980478783555), (0.7190565588995209, 0.6092313213605762)]
    for i in range(2):
        opt, theta = qml.AdamOptimizer(0.1), params
        for _ in range(3):
            theta, val = opt.step_and_cost(partial(cost_i, i=i), theta)
        assert (float(val), float(cost_i(theta, i))) == pytest.approx(expected[i], abs=1e-9)
        params_i.append(theta)

    @qml.qnode(dev)
    def sewing_test():  # the demo's sewing: inversion, exchange, heal; the global SWAP
        U_target(range(n))
        for i in range(2):
            V_i(params_i[i], range(n))
            qml.SWAP((i, i + n))
            qml.adjoint(V_i)(params_i[i], range(n))
        for i in range(n):
            qml.SWAP((i, i + n))
        return qml.density_matrix(range(4))

    rho = sewing_test()
    assert rho.shape == (16, 16)
    assert onp.allclose(onp.real(onp.diag(rho))[:4], [0.4007272922286055, 0.0, 0.0, 0.0],
                        atol=1e-8)
    assert onp.trace(rho).real == pytest.approx(1.0, abs=1e-12)


# --- resource estimation (demonstrations_v2/tutorial_resource_estimation): the demo's
# --- water in the 6-31G basis (qsym had STO-3G only: an earlier round ran STO-3G); H2
# --- here, a small instance of the same path --------------------------------------------


def test_resource_estimation_double_factorization_in_6_31g_matches_pennylane():
    mol = qml.qchem.Molecule(["H", "H"], onp.array([[0.0, 0.0, -0.7], [0.0, 0.0, 0.7]]),
                             basis_name="6-31g")
    core, one, two = qml.qchem.electron_integrals(mol)()
    # the nuclear repulsion 1/1.4 by hand; PennyLane 0.45.1's integrals and estimates
    # (/work/plvenv, the same code; the demo's water prints 3.06e+08 gates, 693 qubits on
    # both sides)
    assert float(core[0]) == pytest.approx(1 / 1.4, abs=1e-15)
    assert one.shape == (4, 4) and two.shape == (4, 4, 4, 4)
    assert float(one[0, 0]) == pytest.approx(-1.2454684554467885, abs=1e-9)
    assert float(two[0, 0, 0, 0]) == pytest.approx(0.649908495926694, abs=1e-9)
    algo = qml.estimator.DoubleFactorization(one, two)
    assert (algo.gates, algo.qubits) == (8451009, 211)
    algo = qml.estimator.DoubleFactorization(one, two, error=0.016)
    assert (algo.gates, algo.qubits) == (845880, 205)


# --- multiclass margin classifier (demonstrations_v2/tutorial_multiclass_classification;
# --- torch as qml.numpy, six iris rows written here, 2 qubits, 2 layers, 3 Adam steps) ---


def test_multiclass_margin_classifier_matches_pennylane():
    """Three QNodes of one circuit function (``qml.QNode(circuit, dev)``), the features
    as a keyword argument through ``AmplitudeEmbedding(normalize=True)``, the margin loss
    with ``np.maximum`` over one-element outputs, Adam over six arguments."""
    num_classes, margin, num_qubits, num_layers = 3, 0.15, 2, 2
    dev = qml.device("default.qubit", wires=num_qubits)

    def layer(W):
        for i in range(num_qubits):
            qml.Rot(W[i, 0], W[i, 1], W[i, 2], wires=i)
        for j in range(num_qubits - 1):
            qml.CNOT(wires=[j, j + 1])
        qml.CNOT(wires=[num_qubits - 1, 0])

    def circuit(weights, feat=None):
        qml.AmplitudeEmbedding(feat, range(num_qubits), pad_with=0.0, normalize=True)
        for W in weights:
            layer(W)
        return qml.expval(qml.PauliZ(0))

    qnodes = [qml.QNode(circuit, dev) for _ in range(num_classes)]
    X = np.array([[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5],
                  [4.9, 3.0, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [5.8, 2.7, 5.1, 1.9]],
                 requires_grad=False)
    X = X / np.sqrt(np.sum(X ** 2, axis=1)).reshape(len(X), 1)
    Y = [0, 1, 2, 0, 1, 2]

    def loss(*params):
        ws, bs = params[:3], params[3:]
        total = 0
        for i, f in enumerate(X):
            y = Y[i]
            s_true = qnodes[y](ws[y], feat=f) + bs[y]
            li = 0
            for j in range(num_classes):
                if j != y:
                    s_j = qnodes[j](ws[j], feat=f) + bs[j]
                    li += np.maximum(np.zeros(1), s_j - s_true + margin)
            total += li
        return total / len(Y)

    rng = onp.random.default_rng(7)
    params = ([np.array(0.5 * rng.normal(size=(num_layers, num_qubits, 3)), requires_grad=True)
               for _ in range(3)]
              + [np.array(0.1 * onp.ones(1), requires_grad=True) for _ in range(3)])
    grads = qml.grad(loss)(*params)
    # d loss / d b_c counts the active margins (c scored against a sample of another class,
    # minus c's own samples' active margins) over 6: PennyLane 0.45.1 printed [-2/3, 2/3, 0]
    assert onp.allclose(onp.ravel(grads[3:]), [-2 / 3, 2 / 3, 0.0], atol=1e-12)
    # PennyLane 0.45.1 (/work/plvenv, the same code): the costs of three Adam steps, the
    # loss after them, and the predicted classes
    opt = qml.AdamOptimizer(0.05)
    costs = []
    for _ in range(3):
        params, c = opt.step_and_cost(loss, *params)
        costs.append(float(c[0]))
    assert costs == pytest.approx([0.5776736601832938, 0.39190375644864717,
                                   0.2560047995892336], abs=1e-12)
    assert float(loss(*params)[0]) == pytest.approx(0.18743753329293264, abs=1e-12)
    predicted = [int(onp.argmax([float((qnodes[c](params[c], feat=f) + params[3 + c])[0])
                                 for c in range(num_classes)])) for f in X]
    assert predicted == [0, 1, 1, 0, 1, 1]


# --- function fitting by quantum signal processing (demonstrations_v2/
# --- function_fitting_qsp; torch's SGD as qml.GradientDescentOptimizer, d = 5, 7 points,
# --- 3 steps; ``.real`` of the matrix entry as ``np.real``: autograd's boxes have no
# --- ``.real``, on both sides) -------------------------------------------------------------


def test_qsp_function_fitting_through_qml_matrix_matches_pennylane():
    """``qml.matrix(qfunc, wire_order=[0])`` of a circuit of ``RZ`` angles and a
    ``QubitUnitary`` signal matrix, differentiated by the angles through the matrix entry."""
    def QSP_circ(phi, W):
        qml.Hadamard(wires=0)
        for angle in phi[:-1]:
            qml.RZ(angle, wires=0)
            qml.QubitUnitary(W, wires=0)
        qml.RZ(phi[-1], wires=0)
        qml.Hadamard(wires=0)

    d = 5
    a_vals = onp.linspace(-1, 1, 7)
    w_mats = [onp.array([[a, 1j * onp.sqrt(1 - a ** 2)], [1j * onp.sqrt(1 - a ** 2), a]])
              for a in a_vals]
    phi = np.array(onp.linspace(0.1, 2.0, d + 1), requires_grad=True)
    matrix_func = qml.matrix(QSP_circ, wire_order=[0])
    y_vals = [float(matrix_func(phi, w)[0, 0].real) for w in w_mats]
    # an odd polynomial of a (the demo's premise: d odd), and PennyLane 0.45.1's values
    # (/work/plvenv, the same code)
    assert y_vals == pytest.approx([-v for v in y_vals[::-1]], abs=1e-12)
    assert y_vals == pytest.approx([0.9999646584713417, -0.3083980689287647,
                                    -0.8362861150526392, 0.0, 0.8362861150526388,
                                    0.30839806892876553, -0.9999646584713417], abs=1e-12)
    y_true = 4 * a_vals ** 5 - 5 * a_vals ** 3 + a_vals

    def loss(phi):
        y_pred = np.stack([np.real(matrix_func(phi, w)[0, 0]) for w in w_mats])
        return np.sum((y_pred - y_true) ** 2)

    assert onp.allclose(qml.grad(loss)(phi), [
        -0.44060683404922407, 1.2573299574922272, -0.29947965250533154, -0.07165475636968552,
        1.4019654074819448, -0.4406068340492243], atol=1e-12)
    opt = qml.GradientDescentOptimizer(1e-2)
    costs = []
    for _ in range(3):
        phi, c = opt.step_and_cost(loss, phi)
        costs.append(float(c))
    assert costs == pytest.approx([3.6136971843702175, 3.5731162365509554,
                                   3.5314074324024416], abs=1e-12)
