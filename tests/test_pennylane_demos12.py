"""What PennyLane's demos (thirteenth round of issue #18: differentiable Hartree-Fock, g-sim,
modelling chemical reactions, fixed-depth Hamiltonian simulation via Cartan decomposition,
multidimensional regression, quantum dropout, post-variational quantum neural networks,
equivariant force fields) do with the import switched, each cut to a small instance of the
demo's own code path
(loops cut, plots left out, numbers printed where the demo plots them, the same edits on
both sides). References are independent of qsym: finite differences, identities the demos
state, and (where marked) numbers PennyLane 0.45.1 printed for the same code in
/work/plvenv (a throwaway script), never qsym's own output.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

# --- differentiable Hartree-Fock (demonstrations/tutorial_differentiable_HF, the autograd
# --- version; demonstrations_v2's JAX version converted the same way) ------------------


def _hf_demo_energy(mol, dev):
    """The differentiable Hartree-Fock demo's ``energy(mol)``: a QNode whose Hamiltonian is
    built from ``args[1:]`` (the geometry, then exponents and coefficients) it is called with."""
    @qml.qnode(dev, interface="autograd")
    def circuit(*args):
        qml.BasisState(np.array([1, 1, 0, 0]), wires=range(4))
        qml.DoubleExcitation(*args[0][0], wires=[0, 1, 2, 3])
        H = qml.qchem.molecular_hamiltonian(
            mol.symbols, mol.coordinates, alpha=mol.alpha, coeff=mol.coeff, args=args[1:]
        )[0]
        return qml.expval(H)
    return circuit


def test_differentiable_hf_demo_orbitals_and_circuit_gradient_match_pennylane():
    """The demo's H2 at a displaced geometry: the Hartree-Fock energy by trainable
    coordinates, ``mol.mo_coefficients = mol.mo_coefficients.T`` then
    ``mol.molecular_orbital(0)`` (PennyLane's row), and the VQE's gradient by the circuit
    parameter given as a list holding a one-element array (autograd's list argument)."""
    symbols = ["H", "H"]
    geometry = np.array([[0.0, 0.02, -0.672943567415407], [0.1, 0.0, 0.672943567415407]],
                        requires_grad=True)
    mol = qml.qchem.Molecule(symbols, geometry)
    e_hf = qml.qchem.hf_energy(mol)(geometry)  # traced args: it sets mol.mo_coefficients
    mol.mo_coefficients = mol.mo_coefficients.T
    mo = np.asarray(mol.mo_coefficients)
    # PennyLane 0.45.1 (/work/plvenv, the same code): the energy, the transposed MO
    # coefficients (orbitals as rows) and the two orbitals at (0.3, 0.1, 0.2)
    assert float(e_hf) == pytest.approx(-1.1175017091715211, abs=1e-9)
    assert onp.allclose(onp.abs(mo), [[0.5460748193826854, 0.5460748193822584],
                                      [1.243680887787626, 1.2436808877875096]], atol=1e-9)
    bonding, antibonding = mol.molecular_orbital(0), mol.molecular_orbital(1)
    assert abs(float(bonding(0.3, 0.1, 0.2))) == pytest.approx(0.359087, abs=1e-6)
    assert abs(float(antibonding(0.3, 0.1, 0.2))) == pytest.approx(0.21185028, abs=1e-8)
    # the antibonding orbital is odd under the swap of the two atoms: zero at the midpoint
    mid = onp.mean(onp.asarray(geometry), axis=0)
    assert float(antibonding(*mid)) == pytest.approx(0.0, abs=1e-12)
    dev = qml.device("default.qubit", wires=4)

    def energy(mol):
        return _hf_demo_energy(mol, dev)

    circuit_param = [np.array([0.3], requires_grad=True)]
    args = [circuit_param, geometry]
    g_param = qml.grad(energy(mol), argnums=0)(*args)
    assert isinstance(g_param, list) and onp.shape(g_param[0]) == (1,)  # autograd's
    circuit_param = circuit_param - 0.25 * g_param[0]
    assert onp.shape(circuit_param) == (1, 1)
    e = energy(mol)(circuit_param, geometry)
    # PennyLane 0.45.1: the gradient 0.07122352656705593, then the energy
    assert float(g_param[0][0]) == pytest.approx(0.07122352656705593, abs=1e-9)
    assert float(e) == pytest.approx(-1.135043867125521, abs=1e-9)
    f = energy(mol)
    h = 1e-5
    fd = (f([np.array([0.3 + h])], geometry) - f([np.array([0.3 - h])], geometry)) / (2 * h)
    assert float(g_param[0][0]) == pytest.approx(float(fd), abs=1e-8)


def test_differentiable_hf_demo_forces_by_the_geometry_match_pennylane():
    """The demo's nuclear forces, ``-qml.grad(energy(mol), argnums=1)``: the QNode builds
    ``molecular_hamiltonian(..., args=args[1:])`` from the geometry it is differentiated
    by (the Hamiltonian's coefficients through the integrals and PennyLane's SCF); was a
    ``DifferentiationError`` (the geometry used by its number)."""
    symbols = ["H", "H"]
    geometry = np.array([[0.0, 0.02, -0.672943567415407], [0.1, 0.0, 0.672943567415407]],
                        requires_grad=True)
    mol = qml.qchem.Molecule(symbols, geometry)
    dev = qml.device("default.qubit", wires=4)

    def energy(mol):
        return _hf_demo_energy(mol, dev)

    args = [[np.array([0.3], requires_grad=True)], geometry]
    forces = -qml.grad(energy(mol), argnums=1)(*args)
    # PennyLane 0.45.1 (/work/plvenv, the same code)
    assert onp.allclose(forces, [[-0.00274345619858717, 0.00054869123971741, -0.03692382402650274],
                                 [0.00274345619858709, -0.00054869123971744, 0.03692382402650496]],
                        atol=1e-10)
    # a central difference of the energy in the second atom's z (Hamiltonians at fixed
    # coordinates: no derivative involved)
    h = 1e-4

    def at(dz):
        g = onp.array(geometry)
        g[1, 2] += dz
        H = qml.qchem.molecular_hamiltonian(symbols, g)[0]
        return qml.QNode(lambda: (qml.BasisState(np.array([1, 1, 0, 0]), wires=range(4)),
                                  qml.DoubleExcitation(0.3, wires=[0, 1, 2, 3]),
                                  qml.expval(H))[-1], dev)()

    assert -float(forces[1, 2]) == pytest.approx((at(h) - at(-h)) / (2 * h), abs=1e-7)


def test_differentiable_hf_demo_basis_set_optimization_matches_pennylane():
    """The demo's full optimization, first step: the energy's gradients by the geometry,
    the exponents and the raw STO-3G contraction coefficients given as trainable tensors
    (PennyLane normalizes a ``requires_grad`` ``coeff`` in its integrals: qsym's numbers
    took it as normalized, an overlap of 8.5, "linearly dependent" basis functions)."""
    symbols = ["H", "H"]
    geometry = np.array([[0.0, 0.0, -0.672943567415407], [0.0, 0.0, 0.672943567415407]],
                        requires_grad=True)
    coeff = np.array([[0.1543289673, 0.5353281423, 0.4446345422]] * 2, requires_grad=True)
    alpha = np.array([[3.42525091, 0.62391373, 0.1688554]] * 2, requires_grad=True)
    mol = qml.qchem.Molecule(symbols, geometry, alpha=alpha, coeff=coeff)
    dev = qml.device("default.qubit", wires=4)

    circuit = _hf_demo_energy(mol, dev)

    args = [[np.array([0.0], requires_grad=True)], geometry, alpha, coeff]
    # PennyLane 0.45.1 (/work/plvenv, the same code): the Hartree-Fock energy, then the
    # gradients by the geometry (z only), the exponents and the coefficients (both atoms)
    # (the circuit's value at 0 is the Hartree-Fock energy)
    assert float(qml.qchem.hf_energy(mol)()) == pytest.approx(-1.1175058852875308, abs=1e-9)
    g_geo, g_alpha, g_coeff = qml.grad(circuit, argnums=[1, 2, 3])(*args)
    assert onp.allclose(g_geo, [[0.0, 0.0, 1.846740937483382e-05],
                                [0.0, 0.0, -1.846740937438973e-05]], atol=1e-10)
    assert onp.allclose(g_alpha, [[0.000674838387757, 0.018163783231018, 0.053758219705248]] * 2,
                        atol=1e-10)
    assert onp.allclose(g_coeff, [[0.067392931698274, 0.003587968225526, -0.027711346617723]] * 2,
                        atol=1e-10)


# --- g-sim: Lie-algebraic classical simulations (demonstrations_v2/tutorial_liesim; 4
# --- qubits instead of 10, depth 6; jax.numpy as NumPy, jax.grad of the QNode as qml.grad)


def test_gsim_demo_dla_simulation_matches_the_state_vector_qnode():
    """The demo's TFIM DLA (``lie_closure(pauli=True)`` of ``PauliSentence`` generators),
    the initial expectation vector by ``PauliSentence.trace``, the adjoint representation by
    ``structure_constants``, and the state-vector QNode of ``qml.exp(-1j * theta[i] *
    dla[mu].operation())``: its value and gradient equal g-sim's (the demo's check)."""
    from scipy.linalg import expm

    from qsym import I, X, Z

    n = 4
    generators = [X(i) @ X(i + 1) for i in range(n - 1)]
    generators += [Z(i) for i in range(n)]
    generators = [op.pauli_rep for op in generators]
    dla = qml.lie_closure(generators, pauli=True)
    dim_g = len(dla)
    assert dim_g == 2 * n * (2 * n - 1) // 2  # the demo's dimension
    e_in = onp.zeros(dim_g)
    for i, h_i in enumerate(dla):
        rho_in = qml.prod(*(I(i) + Z(i) for i in h_i.wires)).pauli_rep
        e_in[i] = (h_i @ rho_in).trace()
    w = onp.zeros(dim_g)
    w[:len(generators)] = 0.5
    adjoint_repr = qml.structure_constants(dla)
    assert adjoint_repr.shape == (dim_g, dim_g, dim_g)
    depth = 6
    rng = onp.random.RandomState(3)  # the demo's np.random.choice, seeded here
    gate_choice = rng.choice(dim_g, size=depth)
    gates = adjoint_repr[gate_choice]

    def forward(theta):
        e_t = e_in
        for i in range(depth):
            e_t = expm(theta[i] * gates[i]) @ e_t
        return (w @ e_t).real

    theta = np.array(rng.normal(size=depth), requires_grad=True)
    h = 1e-6
    backward = [(forward(theta + h * onp.eye(depth)[k]) - forward(theta - h * onp.eye(depth)[k]))
                / (2 * h) for k in range(depth)]
    H = 0.5 * qml.sum(*[op.operation() for op in generators])

    @qml.qnode(qml.device("default.qubit"))
    def qnode(theta):
        for i, mu in enumerate(gate_choice):
            qml.exp(-1j * theta[i] * dla[mu].operation())
        return qml.expval(H)

    value, grad = qnode(theta), qml.grad(qnode)(theta)
    assert float(value) == pytest.approx(forward(theta), abs=1e-12)
    assert onp.allclose(grad, backward, atol=1e-8)
    # PennyLane 0.45.1 with JAX (/work/jaxvenv, the demo's own jax.grad of the QNode; with
    # autograd PennyLane cannot make qml.exp of an ArrayBox * operator)
    assert list(gate_choice) == [10, 24, 25, 3, 24, 8]
    assert float(value) == pytest.approx(-0.298183179790688, abs=1e-12)
    assert onp.allclose(grad, [-0.21126636796577147, 0.07431062892462408, -0.062177028229763176,
                               0.3967722677760308, 0.07431062892462362, -0.08834934382732501],
                        atol=1e-12)


# --- modelling chemical reactions on a quantum computer (demonstrations/
# --- tutorial_chemical_reactions; method='pyscf' as the default 'dhf' on both sides, 3 bond
# --- lengths of 18 and 8 steps of 50; the H3 part needs pyscf: open shells)


def test_chemical_reactions_demo_h2_pes_matches_pennylane():
    """The demo's H2 potential energy surface: a Hamiltonian per bond length, the
    excitation circuit on ``lightning.qubit``, gradient descent warm-started from the last
    point; ``step_and_cost``'s energies are 0-d arrays, as PennyLane's."""
    from qsym import qchem

    hf = qml.qchem.hf_state(electrons=2, orbitals=4)
    symbols = ["H", "H"]
    energies = []
    r_range = np.arange(0.5, 5.0, 1.5)
    params_old = None
    for r in r_range:
        coordinates = np.array([0.0, 0.0, 0.0, 0.0, 0.0, r])
        H, qubits = qchem.molecular_hamiltonian(symbols, coordinates)
        dev = qml.device("lightning.qubit", wires=qubits)
        opt = qml.GradientDescentOptimizer(stepsize=0.4)

        @qml.qnode(dev, interface="autograd")
        def circuit(parameters):
            qml.BasisState(hf, wires=range(qubits))
            qml.DoubleExcitation(parameters[0], wires=[0, 1, 2, 3])
            qml.SingleExcitation(parameters[1], wires=[0, 2])
            qml.SingleExcitation(parameters[2], wires=[1, 3])
            return qml.expval(H)

        params = np.zeros(3, requires_grad=True) if params_old is None else params_old
        prev_energy = 0.0
        for _ in range(8):
            params, energy = opt.step_and_cost(circuit, params)
            if np.abs(energy - prev_energy) < 1e-6:
                break
            prev_energy = energy
        params_old = params
        energies.append(energy)
    assert all(type(e) is onp.ndarray and e.shape == () for e in energies)  # PennyLane's
    # PennyLane 0.45.1 (/work/plvenv, the same code; the molecular Hamiltonians agree to 1e-10)
    assert onp.allclose(energies, [-0.41078839611758716, -1.0876686956072812,
                                   -0.9449152626399185], atol=1e-9, rtol=0)
    assert onp.allclose(params, [0.76392349, 0.0, 0.0], atol=1e-8)
    e_eq = min(energies)
    assert r_range[energies.index(e_eq)] == 2.0
    assert f"{energies[-1] - e_eq:.6f}" == "0.142753"  # the bond dissociation energy


@pytest.mark.parametrize("device, kwargs, expected", [
    ("default.qubit", {}, "ndarray ndarray ndarray float64 float64 float64 float64"),
    ("default.qubit", {"diff_method": "parameter-shift"},
     "ndarray ndarray ndarray ndarray ndarray ndarray ndarray"),
    ("lightning.qubit", {}, "ndarray ndarray ndarray ndarray ndarray ndarray ndarray"),
])
def test_grad_forward_has_pennylanes_type(device, kwargs, expected):
    """``qml.grad(circuit).forward`` (``step_and_cost``'s cost) of one expectation value or
    variance: the types PennyLane 0.45.1 gives (printed in /work/plvenv for the same QNodes):
    a 0-d ndarray, but ``np.float64`` where its backpropagation sums or takes a dot product
    (the expectation of a ``Sum``, ``Hamiltonian`` or ``Hermitian``; a variance)."""
    obs = [lambda: qml.Z(0), lambda: qml.Z(0) @ qml.Z(1), lambda: 2.0 * qml.Z(0),
           lambda: qml.Z(0) + qml.Z(1),
           lambda: qml.Hamiltonian([0.5, 0.2], [qml.Z(0), qml.Z(1) @ qml.X(0)]),
           lambda: qml.Hermitian(onp.diag([1.0, -1.0]), 0), None]
    dev = qml.device(device, wires=2)
    p = np.array([0.1, 0.2], requires_grad=True)
    found = []
    for o in obs:
        @qml.qnode(dev, **kwargs)
        def c(p):
            qml.RX(p[0], 0)
            qml.RY(p[1], 1)
            return qml.var(qml.Z(0)) if o is None else qml.expval(o())

        g = qml.grad(c)
        g(p)
        found.append(type(g.forward).__name__)
        assert float(g.forward) == pytest.approx(float(c(p)), abs=1e-14)
    # lightning.qubit's variance: adjoint is not its method (parameter shift): an ndarray
    assert " ".join(found) == expected


# --- fixed-depth Hamiltonian simulation via Cartan decomposition (demonstrations_v2/
# --- tutorial_fixed_depth_hamiltonian_simulation_via_cartan_decomposition; jax.numpy as
# --- qsym.numpy, jax.grad as qml.grad, the 1000 L-BFGS epochs of optax not run)


def test_cartan_demo_khk_cost_and_cartan_subalgebra_match_pennylane():
    """The demo's Heisenberg chain on 4 wires: its DLA (60), the even-odd Cartan
    decomposition (24 + 36), the horizontal Cartan subalgebra (12; not unique: PennyLane's
    choice among equal kernel vectors, which the demo's numbers depend on), the cost
    ``<K v K^dag, H>`` and its gradient at the initial angles and the coefficients of
    ``K^dag H K`` in the subalgebra (against SciPy's matrix exponentials and finite
    differences), and a Trotter product's error (PennyLane's)."""
    from qsym import X, Y, Z
    from qsym.liealg import cartan_decomp, even_odd_involution, horizontal_cartan_subalgebra

    n_wires = 4
    gens = [X(i) @ X(i + 1) for i in range(n_wires - 1)]
    gens += [Y(i) @ Y(i + 1) for i in range(n_wires - 1)]
    gens += [Z(i) @ Z(i + 1) for i in range(n_wires - 1)]
    H = qml.sum(*gens)
    g = [op.pauli_rep for op in qml.lie_closure(gens)]
    assert even_odd_involution(X(0)) and not even_odd_involution(X(0) @ Y(3))
    k, m = cartan_decomp(g, even_odd_involution)
    assert (len(g), len(k), len(m)) == (60, 24, 36)
    assert not any(even_odd_involution(op) for op in H.operands)
    g, k, mtilde, h, _ = horizontal_cartan_subalgebra(k, m, tol=1e-8)
    assert (len(g), len(k), len(mtilde), len(h)) == (60, 24, 24, 12)
    assert qml.liealg.check_abelian(h)
    gammas = [onp.pi**i % 2 for i in range(1, len(h) + 1)]
    v_m = np.array(qml.matrix(qml.dot(gammas, h), wire_order=range(n_wires)))
    H_m = np.array(qml.matrix(H, wire_order=range(n_wires)))

    def K(theta, k):
        for th, k_j in zip(theta, k):
            qml.exp(-1j * th * k_j.operation())

    def loss(theta):
        K_m = qml.matrix(K, wire_order=range(n_wires))(theta, k)
        A = K_m @ v_m @ qml.math.conj(K_m).T
        return np.real(np.trace(qml.math.conj(A).T @ H_m))

    theta = np.array(onp.random.RandomState(0).normal(size=len(k)), requires_grad=True)
    value, grad = loss(theta), qml.grad(loss)(theta)
    # Which subalgebra h is chosen among equal kernel vectors depends on the last bits of
    # LAPACK's QR/SVD on this CPU, PennyLane's choice as well (PennyLane 0.45.1's own cost at
    # these angles: -10.62 on one machine, 22.43 on an AMD EPYC with AVX-512; qsym follows
    # the same algorithm, not its bits): so the cost, its gradient and the coefficients are
    # checked against an independent computation for the h chosen here, not pinned numbers.
    from scipy.linalg import expm

    k_mats = [onp.asarray(qml.matrix(op.operation(), wire_order=range(n_wires))) for op in k]
    v_ref = sum(gm * onp.asarray(qml.matrix(op.operation(), wire_order=range(n_wires)))
                for gm, op in zip(gammas, h))
    H_ref = onp.asarray(qml.matrix(H, wire_order=range(n_wires)))

    def loss_ref(th):
        K_ref = onp.eye(2**n_wires, dtype=complex)
        for t_j, k_j in zip(th, k_mats):  # the circuit's later gate multiplies on the left
            K_ref = expm(-1j * t_j * k_j) @ K_ref
        A_ref = K_ref @ v_ref @ K_ref.conj().T
        return float(onp.real(onp.trace(A_ref.conj().T @ H_ref)))

    th0 = onp.asarray(theta, dtype=float)
    assert float(value) == pytest.approx(loss_ref(th0), abs=1e-10)
    h_eps = 1e-3  # five-point central differences of the independent cost: error ~1e-10
    for j in range(6):
        e_j = h_eps * onp.eye(len(k))[j]
        fd = (-loss_ref(th0 + 2 * e_j) + 8 * loss_ref(th0 + e_j) - 8 * loss_ref(th0 - e_j)
              + loss_ref(th0 - 2 * e_j)) / (12 * h_eps)
        assert float(grad[j]) == pytest.approx(fd, abs=1e-6 * max(1.0, abs(fd)))
    Kc_m = qml.matrix(K, wire_order=range(n_wires))(theta, k)
    h_0_m = qml.math.conj(Kc_m).T @ H_m @ Kc_m
    basis = [qml.matrix(op, wire_order=range(n_wires)) for op in h]
    coeffs = qml.pauli.trace_inner_product(h_0_m, basis)
    # the trace inner product <A, B> = tr(A^dag B) / 2^n (PennyLane's definition)
    h_0_ref = onp.asarray(Kc_m).conj().T @ H_ref @ onp.asarray(Kc_m)
    assert onp.allclose(coeffs, [onp.trace(h_0_ref.conj().T @ onp.asarray(b)) / 2**n_wires
                                 for b in basis], atol=1e-10)
    U_exact = qml.matrix(qml.exp(-1j * 1.0 * H), wire_order=range(n_wires))
    U_trotter = qml.matrix(qml.TrotterProduct(H, time=-1.0, n=5, order=4),
                           wire_order=range(n_wires))
    res = 1 - abs(onp.einsum("ij,ji->", U_exact.conj(), U_trotter)) / 2**n_wires
    assert res == pytest.approx(1.6675737568583315e-07, abs=1e-12)  # PennyLane's, t = 1


# --- multidimensional regression with a variational quantum circuit (demonstrations_v2/
# --- tutorial_qnn_multivariate_regression; jax/optax as qsym.numpy and AdamOptimizer, the
# --- 30 x 30 grid cut to 4 x 4, 3 steps of 300, vmap as a loop and as broadcasting)


def test_multivariate_regression_demo_matches_pennylane():
    """The demo's model: ``AngleEmbedding(rotation='Z')`` between
    ``StronglyEntanglingLayers`` slices reshaped from the parameter array, ``Z @ Z``; its
    mean squared error over the grid trained by Adam, then the predictions broadcast over
    the whole grid and the R^2 score."""
    dev = qml.device("default.qubit", wires=2)

    def S(x):
        qml.AngleEmbedding(x, wires=[0, 1], rotation="Z")

    def W(params):
        qml.StronglyEntanglingLayers(params, wires=[0, 1])

    @qml.qnode(dev)
    def quantum_neural_network(params, x):
        layers = len(params[:, 0, 0]) - 1
        n_wires = len(params[0, :, 0])
        n_params_rot = len(params[0, 0, :])
        for i in range(layers):
            W(params[i, :, :].reshape(1, n_wires, n_params_rot))
            S(x)
        W(params[-1, :, :].reshape(1, n_wires, n_params_rot))
        return qml.expval(qml.PauliZ(wires=0) @ qml.PauliZ(wires=1))

    x1_mesh, x2_mesh = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 4))
    x_train = np.array(np.stack((x1_mesh.flatten(), x2_mesh.flatten()), axis=1),
                       requires_grad=False)
    y_train = (1 / 2 * (x1_mesh**2 + x2_mesh**2)).reshape(-1, 1)

    def loss_fn(params, x, targets):
        preds = [quantum_neural_network(params, xi) for xi in x]
        return sum((p - t[0]) ** 2 for p, t in zip(preds, targets)) / len(x)

    shape = qml.StronglyEntanglingLayers.shape(n_layers=5, n_wires=2)
    params = np.array(onp.random.default_rng(7).random(size=shape), requires_grad=True)
    opt = qml.AdamOptimizer(0.05)
    losses = []
    for _ in range(3):
        (params, _, _), loss = opt.step_and_cost(loss_fn, params, x_train, y_train)
        losses.append(float(loss))
    y_pred = quantum_neural_network(params, x_train)  # the grid broadcast at once
    assert y_pred.shape == (16,)
    assert onp.allclose(y_pred, [float(quantum_neural_network(params, x)) for x in x_train],
                        atol=1e-14)
    r2 = 1 - onp.sum((y_train[:, 0] - y_pred) ** 2) / onp.sum((y_train - y_train.mean()) ** 2)
    # PennyLane 0.45.1 (/work/plvenv, the same code): the three losses, the first
    # predictions and R^2
    assert onp.allclose(losses, [0.27028051002000975, 0.1825079007493872, 0.13152387444122218],
                        atol=1e-13, rtol=0)
    assert onp.allclose(y_pred[:4], [0.4348176391399503, 0.8287391717092625, 0.777989909751714,
                                     0.3757727996550786], atol=1e-13)
    assert float(r2) == pytest.approx(-0.08097296417975097, abs=1e-12)


# --- dropout for quantum neural networks (demonstrations_v2/tutorial_quantum_dropout;
# --- jax.lax.cond as a Python branch on the dropout list, vmap as a loop, optax's Adam as
# --- qml.AdamOptimizer, scikit-learn's split and scaler written out; 3 qubits, 2 layers,
# --- 8 points, 3 epochs of 700; the dropout lists drawn by numpy.random.RandomState(5))


def _dropout_circuit(n_qubits, layers, inner_layers=3):
    params_per_layer = n_qubits * inner_layers

    def embedding(x, wires):
        assert len(x) == 1
        for i in wires:
            qml.RY(np.arcsin(x), wires=i)
        for i in wires:
            qml.RZ(np.arccos(x**2), wires=i)

    def var_ansatz(theta, wires, rotations=(qml.RX, qml.RZ, qml.RX), keep_rotation=None):
        N = len(wires)
        assert len(theta) == 3 * N
        wires = list(wires)
        for counter, rots in enumerate(keep_rotation):
            for qb, keep_or_drop in enumerate(rots):
                angle = theta[counter * N + qb]
                rotations[counter](0.0 if keep_or_drop < 0 else angle, wires=wires[qb])
            for qb in wires[:-1]:
                qml.CNOT(wires=[wires[qb], wires[qb + 1]])

    @qml.qnode(qml.device("default.qubit", wires=n_qubits))
    def circuit(x, theta, keep_rot):
        for i in range(layers):
            embedding(x, wires=range(n_qubits))
            var_ansatz(theta[i * params_per_layer:(i + 1) * params_per_layer],
                       wires=range(n_qubits), keep_rotation=keep_rot[i])
        return qml.expval(qml.PauliZ(wires=0))

    return circuit


def test_quantum_dropout_demo_matches_pennylane():
    """The demo's one-layer drawing (a one-element ``x``: every embedding angle a
    broadcast parameter of one value, drawn ``M0``, ``M1`` as PennyLane draws it) and its
    training with rotations dropped by an integer array of indices (``-1``: dropped)."""
    n_qubits, inner_layers = 3, 3
    circ = _dropout_circuit(n_qubits, 1)
    keep_all_rot = [[list(range(n_qubits)) for _ in range(inner_layers)]]
    numbered = np.array(range(9), dtype=float)
    # PennyLane 0.45.1's drawing (/work/plvenv, the same code)
    assert qml.draw(circ, decimals=2)(np.array([0]), numbered, keep_all_rot) == (
        "0: ──RY(M0)──RZ(M1)──RX(0.00)─╭●──RZ(3.00)───────────╭●──RX(6.00)───────────╭●────┤  <Z>\n"
        "1: ──RY(M0)──RZ(M1)──RX(1.00)─╰X─╭●─────────RZ(4.00)─╰X─╭●─────────RX(7.00)─╰X─╭●─┤     \n"
        "2: ──RY(M0)──RZ(M1)──RX(2.00)────╰X─────────RZ(5.00)────╰X─────────RX(8.00)────╰X─┤     \n"
        "\n"
        "M0 = \n"
        "[0.]\n"
        "M1 = \n"
        "[1.57079633]")
    out = circ(np.array([0]), numbered, keep_all_rot)
    assert onp.shape(out) == (1,)  # a batch of one, as PennyLane's
    assert float(out[0]) == pytest.approx(0.9601702866503662, abs=1e-12)  # PennyLane 0.45.1
    layers, params_per_layer = 2, 9
    qnn_tmp = _dropout_circuit(n_qubits, layers)
    rng = onp.random.RandomState(5)

    def make_dropout(layer_drop_rate, rot_drop_rate):
        drop = [lay for lay in range(layers)
                if rng.choice(2, p=[1 - layer_drop_rate, layer_drop_rate]) == 1]
        keep_rot = []
        for i in range(layers):
            keep = [list(range(n_qubits)) for _ in range(inner_layers)]
            if i in drop:
                keep, inner = [], []
                for param in range(params_per_layer):
                    out = rng.choice(2, p=[1 - rot_drop_rate, rot_drop_rate])
                    inner.append(param % n_qubits if out == 0 else -1)
                    if param % n_qubits == n_qubits - 1:
                        keep.append(inner)
                        inner = []
            keep_rot.append(keep)
        return onp.array(keep_rot)

    assert make_dropout(0.5, 0.3)[0].tolist() == [[0, 1, 2]] * 3
    x_ax = onp.linspace(-1, 1, 8)
    noise = onp.random.RandomState(123).normal(0, 0.5, (8, 1)) * 0.4
    y_all = onp.sin(x_ax * onp.pi).reshape(-1, 1) + noise
    X, X_test, y, y_test = x_ax[:6].reshape(-1, 1), x_ax[6:].reshape(-1, 1), y_all[:6], y_all[6:]
    lo, hi = y.min(), y.max()  # MinMaxScaler(feature_range=(-1, 1)) fitted on the training set
    y = (2 * (y - lo) / (hi - lo) - 1).reshape(-1)
    y_test = (2 * (y_test - lo) / (hi - lo) - 1).reshape(-1)

    def cost_fn(X, y, theta, keep_rot):
        yp = qml.math.stack([qnn_tmp(x, theta, keep_rot) for x in X]).T
        return np.mean((yp - y) ** 2)

    opt = qml.AdamOptimizer(0.01)
    params = np.array(onp.random.RandomState(0).normal(size=layers * params_per_layer),
                      requires_grad=True)
    full = onp.array([[list(range(n_qubits))] * inner_layers] * layers)
    costs, drops = [], []
    for _ in range(3):
        keep_rot = make_dropout(0.7, 0.7)
        drops.append(keep_rot.tolist())
        params, _ = opt.step_and_cost(lambda theta: cost_fn(X, y, theta, keep_rot), params)
        costs.append((float(cost_fn(X, y, params, full)),
                      float(cost_fn(X_test, y_test, params, full))))
    # PennyLane 0.45.1 (the same code): the dropout lists, then train and test costs
    assert drops[0] == [[[0, -1, 2], [-1, 1, -1], [-1, -1, 2]], [[0, 1, -1], [0, 1, -1], [-1, 1, 2]]]
    assert onp.allclose(costs, [(0.3920028317067305, 0.36395333878540376),
                                (0.38895861881879346, 0.36024561162445334),
                                (0.38668967256415643, 0.3569296033501822)], atol=1e-11, rtol=0)


@pytest.mark.parametrize("x, expected", [
    ([0.5, 0.5], "[0.52359878 0.52359878]"),  # equal values: still a broadcast parameter
    ([0.5, 0.4], "[0.52359878 0.41151685]"),
    ([0.5], "[0.52359878]"),  # a batch of one (no batch axis to find)
])
def test_broadcast_parameters_are_drawn_as_matrices_whatever_their_values(x, expected):
    """A gate parameter computed from a broadcast input is drawn ``M0`` with its values
    below, as PennyLane 0.45.1 draws it (printed in /work/plvenv for these calls); the
    parameters not broadcast keep their numbers."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x, t):
        qml.RY(np.arcsin(x), wires=0)
        qml.RX(t, wires=0)
        qml.RZ(0.5 * t, wires=0)
        return qml.expval(qml.Z(0))

    assert qml.draw(c)(np.array(x), 0.3) == (
        f"0: ──RY(M0)──RX(0.30)──RZ(0.15)─┤  <Z>\n\nM0 = \n{expected}")


# --- post-variational quantum neural networks (demonstrations_v2/tutorial_post-variational_
# --- quantum_neural_networks; scikit-learn's digits synthesized (4 images), optax's Adam as
# --- qml.AdamOptimizer with the dict's two entries as arguments (2 steps of 200), vmap as a
# --- loop; 1-local observables and first-order ansatz expansion; the MLP classifier not run)


def test_post_variational_demo_matches_pennylane():
    """The demo's 8-qubit feature map (Hadamards, ``AngleEmbedding`` rows alternating X and
    Z) and ansatz; the variational baseline's costs and accuracy; the observable
    construction (``qml.pauli.string_to_pauli_word`` of every 1-local string, 25
    expectations); the ansatz expansion, its 33 shifted parameter sets broadcast at once."""
    from itertools import combinations

    rs = onp.random.RandomState(1)
    X_train = np.array(rs.randint(0, 17, size=(4, 8, 8)) / 16 * 2 * onp.pi, requires_grad=False)
    y_train = np.array([-1.0, 1.0, 1.0, -1.0], requires_grad=False)

    def feature_map(features):
        for i in range(len(features[0])):
            qml.Hadamard(i)
        for i in range(len(features)):
            rotation = "Z" if i % 2 else "X"
            qml.AngleEmbedding(features=features[i], wires=range(8), rotation=rotation)

    def ansatz(params):
        for i in range(8):
            qml.RY(params[i], wires=i)
        for i in range(8):
            qml.CNOT(wires=[(i - 1) % 8, i % 8])
        for i in range(8):
            qml.RY(params[i + 8], wires=i)
        for i in range(8):
            qml.CNOT(wires=[(8 - 2 - i) % 8, (8 - i - 1) % 8])

    dev = qml.device("default.qubit", wires=8)

    @qml.qnode(dev)
    def circuit(params, features):
        feature_map(features)
        ansatz(params)
        return qml.expval(qml.PauliZ(0))

    def cost(params, X, Y):
        predictions = [circuit(params["weights"], x) + params["bias"] for x in X]
        return np.mean((Y - qml.math.stack(predictions)) ** 2)

    w = np.array(0.01 * onp.random.RandomState(0).randn(16), requires_grad=True)
    b = np.array(0.0, requires_grad=True)
    opt = qml.AdamOptimizer(0.05)
    costs = []
    for _ in range(2):
        (w, b, _, _), c = opt.step_and_cost(
            lambda w, b, X, Y: cost({"weights": w, "bias": b}, X, Y), w, b, X_train, y_train)
        costs.append(float(c))
    preds = [circuit(w, x) + b for x in X_train]
    acc = sum(np.sign(l) == np.sign(p) for l, p in zip(y_train, preds)) / len(y_train)

    def generate_paulis(identities, paulis, output, qubits, locality):
        if len(output) == qubits:
            yield output
        else:
            yield from generate_paulis(identities + 1, paulis, output + "I", qubits, locality)
            if paulis < locality:
                for p in "XYZ":
                    yield from generate_paulis(identities, paulis + 1, output + p, qubits,
                                               locality)

    measurements = list(generate_paulis(0, 0, "", 8, 1))
    assert len(measurements) == 25

    @qml.qnode(dev)
    def observables(features):
        feature_map(features)
        return [qml.expval(qml.pauli.string_to_pauli_word(m)) for m in measurements]

    new_X = np.asarray([observables(x) for x in X_train]).T
    assert new_X.shape == (25, 4)
    assert onp.allclose(new_X[0], 1.0)  # "IIIIIIII": the identity

    shifts = [onp.zeros((1, 16))]
    for pos in combinations(range(16), 1):
        s = onp.zeros((2, 16))
        s[0, pos[0]], s[1, pos[0]] = -1, 1  # the demo's binary patterns of order 1
        shifts.append(s)
    to_measure = onp.concatenate(shifts) * onp.pi / 2
    res = circuit(to_measure.T, X_train[0])  # 33 parameter sets at once
    assert res.shape == (33,)
    # PennyLane 0.45.1 (/work/plvenv, the same code)
    assert onp.allclose(costs, [2.0723968948981053, 1.9637288521897989], atol=1e-12, rtol=0)
    assert float(acc) == 0.25
    assert onp.allclose(new_X[:4, 0], [0.999999999999999, 0.6694941848536824,
                                       -0.6900922349267804, 0.2748640459224569], atol=1e-12)
    assert onp.allclose(new_X[:, 1:].sum(axis=0),
                        [0.5270808483408985, 0.3385362447150415, 2.654395207587343], atol=1e-12)
    assert onp.allclose(res[:5], [0.14644660940672594, 0.923879532511286, -0.9238795325112859,
                                  0.14644660940672583, 0.146446609406726], atol=1e-12)
    assert float(res[0]) == pytest.approx(onp.sin(onp.pi / 8) ** 2, abs=1e-12)  # closed form


# --- equivariant quantum neural networks for a force field (demonstrations_v2/
# --- tutorial_eqnn_force_field; jax.scipy's expm as SciPy's, depth 2 of 6, two water
# --- geometries written here; the training needs the derivative of expm (JAX only))


def test_eqnn_force_field_demo_energies_match_pennylane():
    """The demo's VQLM: singlets, ``QubitUnitary`` of ``expm(-i alpha x.sigma / 2)`` per
    atom and of the exponentiated Heisenberg coupling, ``Barrier``, the symmetry-breaking
    ``RZ`` layer, a nested dict of parameters (``epsilon`` ``None`` or an array), the
    Heisenberg ``qml.Hamiltonian`` measured."""
    from scipy.linalg import expm

    X = onp.array([[0, 1], [1, 0]])
    Y = onp.array([[0, -1.0j], [1.0j, 0]])
    Z = onp.array([[1, 0], [0, -1]])
    sigmas = np.array(onp.array([X, Y, Z]))
    sigmas_sigmas = np.array(onp.array([onp.kron(X, X), onp.kron(Y, Y), onp.kron(Z, Z)]))

    def singlet(wires):
        qml.Hadamard(wires=wires[0])
        qml.PauliZ(wires=wires[0])
        qml.PauliX(wires=wires[1])
        qml.CNOT(wires=wires)

    def equivariant_encoding(alpha, data, wires):
        U = expm(-1.0j * alpha * np.einsum("i,ijk", data, sigmas) / 2)
        qml.QubitUnitary(U, wires=wires)

    def trainable_layer(weight, wires):
        U = expm(-1.0j * weight * np.einsum("ijk->jk", sigmas_sigmas))
        qml.QubitUnitary(U, wires=wires)

    Observable = qml.Hamiltonian(onp.ones(3), [qml.PauliX(0) @ qml.PauliX(1),
                                               qml.PauliY(0) @ qml.PauliY(1),
                                               qml.PauliZ(0) @ qml.PauliZ(1)])
    D, B, rep, active_atoms = 2, 1, 2, 2
    num_qubits = active_atoms * rep

    @qml.qnode(qml.device("default.qubit", wires=num_qubits))
    def vqlm(data, params):
        weights = params["params"]["weights"]
        alphas = params["params"]["alphas"]
        epsilon = params["params"]["epsilon"]
        for i in range(rep):
            singlet(wires=onp.arange(active_atoms * i, active_atoms * (1 + i)))
        for i in range(num_qubits):
            equivariant_encoding(alphas[i, 0], np.asarray(data, dtype=complex)[i % active_atoms],
                                 wires=[i])
        for d in range(D):
            qml.Barrier()
            for b in range(B):
                for i in list(range(0, num_qubits - 1, 2)) + list(range(1, num_qubits, 2)):
                    trainable_layer(weights[i, min(d + 1, D - 1), b],
                                    wires=[i, (i + 1) % num_qubits])
            if epsilon is not None:
                for k, w in enumerate(range(num_qubits)):
                    qml.RZ(epsilon[d, k], wires=[w])
            for i in range(num_qubits):
                equivariant_encoding(alphas[i, d + 1],
                                     np.asarray(data, dtype=complex)[i % active_atoms], wires=[i])
        return qml.expval(Observable)

    weights = onp.zeros((num_qubits, D, B))
    weights[0] = onp.random.RandomState(42).uniform(0, onp.pi, 1)
    weights[1], weights[2] = 0.3, -0.2
    net_params = {"params": {"weights": np.array(weights),
                             "alphas": np.array(onp.ones((num_qubits, D + 1))), "epsilon": None}}
    data = onp.array([[[0.5, 0.2, -0.3], [-0.4, 0.6, 0.1]], [[0.1, 0.2, 0.3], [0.7, -0.1, 0.2]]])
    energies = [float(vqlm(np.array(x), net_params)) for x in data]
    net_params["params"]["epsilon"] = np.array(onp.random.RandomState(1).normal(0, 0.1, (D, 4)))
    energies.append(float(vqlm(np.array(data[0]), net_params)))
    # PennyLane 0.45.1 with JAX (/work/jaxvenv, the demo's own jax.scipy expm)
    assert onp.allclose(energies, [-1.8423534548909815, -2.3615853187378066,
                                   -1.5010629919868665], atol=1e-12, rtol=0)
    # rotational invariance, the demo's premise: rotating both atoms leaves the energy
    net_params["params"]["epsilon"] = None
    c, s = onp.cos(0.7), onp.sin(0.7)
    R = onp.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    assert float(vqlm(np.array(data[0] @ R.T), net_params)) == pytest.approx(energies[0],
                                                                            abs=1e-12)
