"""What PennyLane's published demos (PennyLaneAI/qml) need, with the import switched
(issue #18): ``qml.qaoa``, ``qml.ApproxTimeEvolution``, ``qml.templates.<sub>`` imports,
``lightning.qubit``'s global seed draw, ``qml.drawer.use_style``, circuit functions that
read global variables.

References are independent of qsym: matrices and ``expm`` (of a Hermitian matrix, by NumPy's
eigendecomposition) written here,
brute-force sums over bit strings, finite differences, and (where marked) numbers printed
by PennyLane 0.45.1 in a throwaway script.
"""

import itertools

import networkx as nx
import numpy as np
import pytest

import qsym as qml
from qsym import numpy as pnp
from qsym import qaoa

I2 = np.eye(2)
PAULI = {"I": I2, "X": np.array([[0, 1], [1, 0]], complex),
         "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1.0, -1.0]).astype(complex)}


def expm(a):
    """exp(a) of a = -i * (Hermitian matrix): NumPy's eigendecomposition of the Hermitian part
    (independent of qsym; scipy is not a dependency)."""
    h = 1j * np.asarray(a)  # Hermitian
    w, v = np.linalg.eigh(h)
    return (v * np.exp(-1j * w)) @ v.conj().T


def word(n, **letters):
    """The 2^n x 2^n matrix of a Pauli word, wire 0 most significant: word(3, Z0=1, X2=1)."""
    mats = [I2] * n
    for key in letters:
        mats[int(key[1:])] = PAULI[key[0]]
    out = np.eye(1)
    for m in mats:
        out = np.kron(out, m)
    return out


def plus_state(n):
    return np.full(2**n, 2 ** (-n / 2), complex)


# --- item: qml.templates.<sub> are importable modules (PennyLane's import paths) ----------------
def test_template_submodules_import_as_pennylane_spells_them():
    from qsym.templates.embeddings import AngleEmbedding
    from qsym.templates.layers import StronglyEntanglingLayers
    from qsym.templates.state_preparations import MottonenStatePreparation
    from qsym.templates.subroutines import ApproxTimeEvolution, QFT

    assert StronglyEntanglingLayers is qml.StronglyEntanglingLayers
    assert AngleEmbedding is qml.AngleEmbedding
    assert MottonenStatePreparation is qml.MottonenStatePreparation
    assert (ApproxTimeEvolution, QFT) == (qml.ApproxTimeEvolution, qml.QFT)
    assert qml.templates.layers.StronglyEntanglingLayers.shape(2, 3) == (2, 3, 3)


# --- item: ApproxTimeEvolution = first-order Trotter product of PauliRot ------------------------
H3 = qml.Hamiltonian([1.0, 1.0, 0.5], [qml.PauliX(0), qml.PauliZ(1), qml.PauliX(0) @ qml.PauliX(1)])
H3_TERMS = [(1.0, word(2, X0=1)), (1.0, word(2, Z1=1)), (0.5, word(2, X0=1, X1=1))]


def trotter_state(terms, t, n, psi):
    step = np.eye(len(psi))
    for c, P in terms:
        step = expm(-1j * c * t / n * P) @ step
    return np.linalg.matrix_power(step, n) @ psi


@qml.qnode(qml.device("default.qubit", wires=2))
def evolved(t):
    qml.ApproxTimeEvolution(H3, t, 2)
    return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))


def test_approx_time_evolution_is_the_trotter_product_and_differentiable():
    t = 0.7
    psi = trotter_state(H3_TERMS, t, 2, np.eye(4)[0].astype(complex))
    want = [np.vdot(psi, word(2, Z0=1) @ psi).real, np.vdot(psi, word(2, Z1=1) @ psi).real]
    assert np.allclose(evolved(t), want, atol=1e-12)
    jac = qml.jacobian(lambda s: qml.math.stack(evolved(s)))(pnp.array(t))
    h = 1e-6
    fd = (np.array(evolved(t + h)) - np.array(evolved(t - h))) / (2 * h)
    assert np.allclose(jac, fd, atol=1e-7)


def test_approx_time_evolution_decomposition_and_errors():
    ops = qml.ApproxTimeEvolution(H3, 1.0, 2).decomposition()
    # PennyLane 0.45's compute_decomposition: PauliRot(2 c t / n) per word, per round
    assert [op.name for op in ops] == ["PauliRot"] * 6
    assert np.allclose([float(op.params[0]) for op in ops], [1.0, 1.0, 0.5] * 2)
    # the identity is a global phase: no gate
    only_id = qml.Hamiltonian([2.0, 1.0], [qml.Identity(0), qml.PauliZ(0)])
    assert len(qml.ApproxTimeEvolution(only_id, 1.0, 1).decomposition()) == 1
    with pytest.raises(qml.GateError, match="Trotter steps"):
        qml.ApproxTimeEvolution(H3, 1.0, 0)
    with pytest.raises(qml.GateError, match="hamiltonian must be a linear combination"):
        qml.ApproxTimeEvolution("not a hamiltonian", 1.0, 1)


# --- item: qml.qaoa Hamiltonians, checked against brute force over bit strings --------------------
def diagonal(H, n):
    return np.real(np.diag(H.matrix(wire_order=list(range(n)))))


def bits(n):
    return list(itertools.product([0, 1], repeat=n))  # wire 0 most significant


def test_maxcut_cost_is_minus_the_cut_size():
    g = nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])
    cost_h, mixer_h = qaoa.maxcut(g)
    cuts = [sum(b[i] != b[j] for i, j in g.edges) for b in bits(4)]
    assert np.allclose(diagonal(cost_h, 4), -np.array(cuts))
    assert np.allclose(mixer_h.matrix(wire_order=[0, 1, 2, 3]),
                       sum(word(4, **{f"X{i}": 1}) for i in range(4)))


def test_min_vertex_cover_ground_states_are_the_covers():
    g = nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])  # the QAOA intro demo's graph
    cost_h, mixer_h = qaoa.min_vertex_cover(g, constrained=False)
    d = diagonal(cost_h, 4)
    covers = [k for k, b in enumerate(bits(4))
              if all(b[i] or b[j] for i, j in g.edges) and sum(b) == 2]
    assert sorted(np.flatnonzero(np.isclose(d, d.min()))) == sorted(covers) == [6, 10]
    # PennyLane 0.45.1 printed (qaoa.min_vertex_cover(g, constrained=False)[0].simplify()):
    # 0.75 Z0Z1 + 0.5 Z0 + 0.5 Z1 + 0.75 Z0Z2 + 1.25 Z2 + 0.75 Z1Z2 + 0.75 Z2Z3 - 0.25 Z3
    want = (0.75 * word(4, Z0=1, Z1=1) + 0.5 * word(4, Z0=1) + 0.5 * word(4, Z1=1)
            + 0.75 * word(4, Z0=1, Z2=1) + 1.25 * word(4, Z2=1) + 0.75 * word(4, Z1=1, Z2=1)
            + 0.75 * word(4, Z2=1, Z3=1) - 0.25 * word(4, Z3=1))
    assert np.allclose(cost_h.matrix(wire_order=[0, 1, 2, 3]), want)
    # constrained: -sum Z and the bit-flip mixer on b=1
    c2, m2 = qaoa.min_vertex_cover(g)
    assert np.allclose(diagonal(c2, 4), [-sum(1 - 2 * x for x in b) for b in bits(4)])


def test_bit_flip_mixer_flips_a_vertex_only_when_its_neighbours_are_b():
    g = nx.Graph([(0, 1), (1, 2)])
    for b in (0, 1):
        want = np.zeros((8, 8), complex)
        for i in g.nodes:
            term = word(3, **{f"X{i}": 1})
            for nb in g.neighbors(i):  # projector on neighbour == b
                term = term @ (word(3) + (1 if b == 0 else -1) * word(3, **{f"Z{nb}": 1})) / 2
            want += term
        got = qaoa.bit_flip_mixer(g, b).matrix(wire_order=[0, 1, 2])
        assert np.allclose(got, want)


def test_edge_and_bit_drivers_and_other_problems():
    g = nx.Graph([(0, 1)])
    for reward in (["00"], ["11"], ["01", "10"], ["00", "11"], ["00", "01", "10"]):
        d = diagonal(qaoa.edge_driver(g, reward), 2)
        rewarded = [k for k, b in enumerate(bits(2)) if f"{b[0]}{b[1]}" in reward]
        assert sorted(np.flatnonzero(np.isclose(d, d.min()))) == rewarded, reward
    assert np.allclose(diagonal(qaoa.bit_driver([0, 1], 1), 2), [2, 0, 0, -2])
    tri = nx.Graph([(0, 1), (1, 2)])  # independent sets: {0, 2} is the largest
    d = diagonal(qaoa.max_independent_set(tri, constrained=False)[0], 3)
    assert int(np.argmin(d)) == 0b101
    d = diagonal(qaoa.max_clique(nx.Graph([(0, 1), (1, 2), (0, 2), (2, 3)]),
                                 constrained=False)[0], 4)
    assert int(np.argmin(d)) == 0b1110
    xy = qaoa.xy_mixer(g).matrix(wire_order=[0, 1])
    assert np.allclose(xy, (word(2, X0=1, X1=1) + word(2, Y0=1, Y1=1)) / 2)
    with pytest.raises(qml.GateError, match="reward"):
        qaoa.edge_driver(g, ["01"])
    with pytest.raises(qml.GateError, match="nx.Graph"):
        qaoa.maxcut([(0, 1)])
    with pytest.raises(AttributeError, match="has no attribute"):
        qaoa.no_such_problem  # noqa: B018
    assert qaoa.max_weight_cycle is qaoa.cost.max_weight_cycle  # tests/test_qaoa_cycle.py


def test_qaoa_layers_match_exp_of_the_hamiltonians():
    g = nx.Graph([(0, 1), (1, 2), (2, 0)])
    cost_h, mixer_h = qaoa.maxcut(g)
    C = cost_h.matrix(wire_order=[0, 1, 2])
    B = mixer_h.matrix(wire_order=[0, 1, 2])

    @qml.qnode(qml.device("default.qubit", wires=3))
    def circuit(params):
        for w in range(3):
            qml.Hadamard(wires=w)
        qml.layer(lambda gamma, alpha: (qaoa.cost_layer(gamma, cost_h),
                                        qaoa.mixer_layer(alpha, mixer_h)), 2,
                  params[0], params[1])
        return qml.expval(cost_h)

    def exact(p):
        psi = plus_state(3)
        for gamma, alpha in zip(p[0], p[1]):
            psi = expm(-1j * alpha * B) @ expm(-1j * gamma * C) @ psi
        return np.vdot(psi, C @ psi).real

    p = pnp.array([[0.4, 0.7], [0.3, 0.2]])
    assert np.isclose(circuit(p), exact(p), atol=1e-12)
    g_fd = np.zeros((2, 2))
    for idx in np.ndindex(2, 2):
        e = np.zeros((2, 2))
        e[idx] = 1e-6
        g_fd[idx] = (exact(p + e) - exact(p - e)) / 2e-6
    assert np.allclose(qml.grad(circuit)(p), g_fd, atol=1e-7)
    with pytest.raises(qml.GateError, match="PauliZ and Identity"):
        qaoa.cost_layer(0.1, mixer_h)


# --- item: the global seed draw of lightning.qubit is PennyLane-Lightning's -----------------------
@pytest.mark.parametrize("name, draw", [
    ("default.qubit", lambda: np.random.randint(0, high=10000000)),  # default_qubit.py
    ("lightning.qubit", lambda: np.random.randint(2**31 - 1)),  # lightning_base.py
])
def test_device_creation_consumes_the_global_stream_as_pennylane(name, draw):
    np.random.seed(42)
    draw()
    want = np.random.uniform(size=3)
    np.random.seed(42)
    qml.device(name, wires=1)
    assert np.array_equal(np.random.uniform(size=3), want)


# --- item: qml.drawer.use_style ---------------------------------------------------------------
def test_drawer_use_style():
    import matplotlib

    matplotlib.use("Agg")
    assert set(qml.drawer.available_styles()) >= {"black_white", "pennylane", "sketch"}
    try:
        qml.drawer.use_style("black_white_dark")

        @qml.qnode(qml.device("default.qubit", wires=1))
        def c(x):
            qml.RX(x, wires=0)
            return qml.expval(qml.PauliZ(0))

        fig, ax = qml.draw_mpl(c)(0.1)
        assert ax.get_facecolor()[:3] == (21 / 255,) * 3  # the dark style's #151515
        fig, ax = qml.draw_mpl(c, style="pennylane")(0.1)  # PennyLane's name: accepted
        with pytest.raises(TypeError, match="does not exist"):
            qml.drawer.use_style("no_such_style")
    finally:
        qml.drawer.use_style("black_white")
    assert hasattr(qml.drawer, "tape_text")  # provided (PennyLane's text drawer of a tape)
    assert hasattr(qml.drawer, "MPLDrawer")  # PennyLane's matplotlib canvas: provided


# --- item: a circuit function that reads a global or closure variable sees its current value ----
# (PennyLane runs the function at every call; the local cost functions demo changes
# `locality` between calls of a QNode that returns qml.probs(range(locality)))
LOCALITY = 1
SCALE = 1.0
DEV3 = qml.device("default.qubit", wires=3)


def _rotations(x):  # a helper the circuit calls by name: its globals are watched too
    for i in range(3):
        qml.RY(SCALE * x[i], wires=i)


@qml.qnode(DEV3)
def tunable(x):
    _rotations(x)
    return qml.probs(wires=range(LOCALITY))


@qml.qnode(DEV3)
def scaled(x):
    _rotations(x)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))


def test_a_global_read_by_the_circuit_is_read_again_when_it_changes():
    global LOCALITY, SCALE
    x = pnp.array([0.3, 0.5, 0.7])
    try:
        for loc, scale in ((1, 1.0), (2, 1.0), (3, 2.0), (1, 0.5), (2, 1.0)):
            LOCALITY, SCALE = loc, scale
            one = [np.array([np.cos(scale * t / 2) ** 2, np.sin(scale * t / 2) ** 2]) for t in x]
            want = one[0]
            for k in range(1, loc):
                want = np.kron(want, one[k])
            assert np.allclose(tunable(x), want, atol=1e-12), (loc, scale)
            # <Z0 Z1> = cos(s x0) cos(s x1): value and gradient (the short gradient path too)
            for _ in range(2):
                g = qml.grad(scaled)(x)
                assert np.allclose(g, [-scale * np.sin(scale * x[0]) * np.cos(scale * x[1]),
                                       -scale * np.cos(scale * x[0]) * np.sin(scale * x[1]), 0])
    finally:
        LOCALITY, SCALE = 1, 1.0


def test_a_closure_variable_read_by_the_circuit_is_read_again():
    wires = [0]

    @qml.qnode(DEV3)
    def probs_of(x):
        qml.RX(x, wires=0)
        qml.RX(x, wires=1)
        return qml.probs(wires=wires)

    assert probs_of(0.4).shape == (2,)
    wires = [0, 1]  # noqa: F841  (read by probs_of through its closure)
    c, s = np.cos(0.2) ** 2, np.sin(0.2) ** 2
    assert np.allclose(probs_of(0.4), [c * c, c * s, s * c, s * s])


# --- item: qml.grad by a list or tuple argument returns that container (autograd's) ------------
def test_grad_by_a_list_argument_is_a_list_of_0d_arrays():
    # the qubit rotation demo prints qml.grad(circuit, argnums=0)([0.54, 0.12]); PennyLane
    # 0.45.1 prints [array(-0.51043865), array(-0.1026782)] (d/dphi of cos(phi1) cos(phi2))
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(p, q):
        qml.RX(p[0][0], wires=0)
        qml.RY(p[1][1], wires=1)
        qml.RX(q[0], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    p, q = [[0.1, 0.2], [0.3, 0.4]], (0.5,)
    gp, gq = qml.grad(c, argnums=[0, 1])(p, q)
    assert isinstance(gp, list) and isinstance(gp[0], list) and isinstance(gq, tuple)
    assert all(isinstance(v, np.ndarray) and v.shape == () for row in gp for v in row)
    # <Z0 Z1> = cos(a) cos(b + c) with a = p00, b = p11 (RY then RX on wire 1: cos b cos c)
    a, b, cc = 0.1, 0.4, 0.5
    assert np.allclose(np.array(gp, dtype=float),
                       [[-np.sin(a) * np.cos(b) * np.cos(cc), 0],
                        [0, -np.cos(a) * np.sin(b) * np.cos(cc)]])
    assert np.allclose(float(gq[0]), -np.cos(a) * np.cos(b) * np.sin(cc))
    g = qml.grad(c, argnums=0)(p, q)
    assert isinstance(g, list) and np.allclose(np.array(g, dtype=float), np.array(gp, dtype=float))
    # arrays and tensors keep array gradients
    assert isinstance(qml.grad(c, argnums=0)(np.array(p), q), np.ndarray)


# --- item: qml.SPSAOptimizer (PennyLane's algorithm and random stream) ---------------------------
def test_spsa_optimizer_follows_pennylanes_update_and_stream():
    cost = lambda v: pnp.sum(v ** 2)  # noqa: E731
    np.random.seed(0)
    opt = qml.SPSAOptimizer(maxiter=10)
    x = pnp.array([1.0, -2.0])
    x1 = opt.step(cost, x)
    # by hand: A = 1, a = 0.05 * 2**0.602, c_1 = 0.2, a_1 = a / 2**0.602 = 0.05, and the
    # perturbation PennyLane draws first after seed 0
    np.random.seed(0)
    d = np.random.choice([-1, 1], size=(2,))
    ck = 0.2
    g = (cost(x + ck * d) - cost(x - ck * d)) / (2 * ck * d)
    assert np.allclose(x1, x - 0.05 * g)
    # PennyLane 0.45.1 printed [ 0.7 -1.7], then [0.51197989 -1.51197989] 3.38 for step_and_cost
    assert np.allclose(x1, [0.7, -1.7])
    x2, before = opt.step_and_cost(cost, x1)
    assert np.allclose(x2, [0.51197989, -1.51197989]) and np.isclose(before, 3.38)
    # untrainable arguments pass through; non-scalar objectives and missing maxiter refused
    y, z = opt.step(lambda v, w: pnp.sum(v * w), x2, pnp.array(2.0, requires_grad=False))
    assert float(z) == 2.0
    with pytest.raises(ValueError, match="scalar"):
        opt.step(lambda v: v * 2, x2)
    with pytest.raises(TypeError, match="maxiter or A"):
        qml.SPSAOptimizer()


# --- item: a circuit that draws from NumPy's global generator runs per call, as PennyLane -------
def test_a_global_numpy_draw_inside_the_circuit_runs_at_every_call():
    # the doubly stochastic demo picks a random Hamiltonian term inside the QNode with plain
    # numpy.random.choice: PennyLane draws again at every call, and so does qsym now (the
    # QNode traces at every call); each value is the exact one of that call's draw
    terms = np.array([np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])])
    exact = [np.cos, np.sin]  # RY(x)|0>: <Z> = cos x, <X> = sin x (by hand)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RY(x, wires=0)
        idx = np.random.choice(np.arange(2), size=1, replace=False)
        return qml.expval(qml.Hermitian(np.sum(terms[idx], axis=0), wires=0))

    np.random.seed(5)
    draws = [int(np.random.choice(np.arange(2), size=1, replace=False)[0]) for _ in range(8)]
    np.random.seed(5)
    values = [float(circuit(0.3)) for _ in range(8)]
    assert set(draws) == {0, 1}  # both terms drawn in these 8 calls
    assert values == pytest.approx([exact[i](0.3) for i in draws], abs=1e-12)
    assert circuit.per_call  # it switched, saying why

    @qml.qnode(qml.device("default.qubit", wires=1))
    def drawn_outside(x, idx):
        qml.RY(x, wires=0)
        return qml.expval(qml.Hermitian(np.sum(terms[idx], axis=0), wires=0))

    assert np.isclose(drawn_outside(0.3, idx=[1]), np.sin(0.3))
    assert drawn_outside.per_call is None  # traced once


# --- item: .item() of a traced input runs; a derivative by it is refused, naming it -------------
def test_item_of_a_traced_input_gives_the_value_and_refuses_its_derivative():
    # the stochastic parameter-shift demo calls theta1.item() inside the circuit (and builds
    # a QubitUnitary with scipy's expm of it): PennyLane runs it on the value, and its
    # autograd cannot differentiate it (AttributeError: ArrayBox has no item)
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(pars):
        qml.RX(pars[0].item(), wires=0)
        return qml.expval(qml.PauliZ(0))

    assert float(circuit(pnp.array([0.3]))) == pytest.approx(np.cos(0.3), abs=1e-12)
    with pytest.raises(qml.DifferentiationError, match=r"pars\[0\].*item\(\)"):
        qml.grad(circuit)(pnp.array([0.3]))


# --- item: a device's wires may be any iterable of labels (FALQON: wires=graph.nodes) ----------
def test_device_wires_from_any_iterable_of_labels():
    graph = nx.Graph([(0, 1), (1, 2)])
    dev = qml.device("default.qubit", wires=graph.nodes)
    assert list(dev.wires) == [0, 1, 2]
    assert list(qml.device("default.qubit", wires={"a": 1, "b": 2}.keys()).wires) == ["a", "b"]

    @qml.qnode(dev)
    def flip_middle():
        qml.PauliX(wires=1)
        return qml.probs(wires=dev.wires)

    expected = np.zeros(8)
    expected[0b010] = 1.0  # |010>: wire 0 most significant
    assert np.allclose(flip_middle(), expected)
    with pytest.raises(qml.DeviceError, match="wires must be"):
        qml.device("default.qubit", wires="ab")  # a string is one label, not a list


# --- item: results have PennyLane 0.45's types (printed lists of results show them) --------------
def _rx_z(device, **kw):
    return qml.QNode(lambda p: (qml.RX(p[0], wires=0), qml.expval(qml.PauliZ(0)))[1],
                     qml.device(device, wires=1), **kw)


@pytest.mark.parametrize("device, kw, kind", [
    # what PennyLane 0.45.1 returned for a trainable tensor argument (printed in a throwaway
    # script): tensors only where it backpropagates, plain arrays for every other method
    ("default.qubit", {}, "tensor"),
    ("default.qubit", {"diff_method": "best"}, "tensor"),
    ("default.qubit", {"diff_method": "backprop"}, "tensor"),
    ("default.qubit", {"diff_method": "parameter-shift"}, "array"),
    ("default.qubit", {"diff_method": "adjoint"}, "array"),
    ("default.qubit", {"diff_method": "finite-diff"}, "array"),
    ("lightning.qubit", {}, "array"),
    ("lightning.qubit", {"diff_method": "parameter-shift"}, "array"),
])
def test_result_types_follow_pennylane(device, kw, kind):
    value = _rx_z(device, **kw)(pnp.array([0.3]))
    assert np.isclose(value, np.cos(0.3))
    if kind == "tensor":
        assert isinstance(value, pnp.tensor) and value.requires_grad
    else:
        assert type(value) is np.ndarray and value.shape == ()


def test_result_types_without_tensors_and_with_shots():
    assert type(_rx_z("default.qubit")([0.3])) is np.float64  # PennyLane 0.45.1
    assert type(_rx_z("lightning.qubit")([0.3])) is float  # PennyLane-Lightning's float
    sampled = qml.set_shots(_rx_z("default.qubit"), shots=5)(pnp.array([0.0]))
    assert type(sampled) is np.ndarray and float(sampled) == 1.0  # |0>: every shot +1

    @qml.set_shots(shots=4)
    @qml.qnode(qml.device("default.qubit", wires=1, seed=1))
    def counted(p):
        qml.RX(p, wires=0)
        return qml.counts(wires=0), qml.counts(qml.PauliZ(0))

    bits, signs = counted(pnp.array(0.0))
    assert bits == {"0": 4} and signs == {1.0: 4}
    # PennyLane's key types: NumPy strings and NumPy floats
    assert type(next(iter(bits))) is np.str_ and type(next(iter(signs))) is np.float64


@pytest.mark.parametrize("make_arg, constant, kind", [
    # PennyLane 0.45.1 takes the interface from the gates' parameters (printed in a
    # throwaway script): a list of tensors (the quanvolution demo's pixels), or a tensor
    # constant in a gate (its RandomLayers weights), makes autograd's results
    (lambda: [0.3, 0.1], None, np.float64),
    (lambda: [pnp.array(0.3, requires_grad=False), pnp.array(0.1)], None, pnp.tensor),
    (lambda: [0.3, 0.1], pnp.array([0.2, 0.4], requires_grad=False), pnp.tensor),
    (lambda: np.array([0.3, 0.1]), pnp.array([0.2, 0.4]), pnp.tensor),
    (lambda: [0.3, 0.1], np.array([0.2, 0.4]), np.float64),
])
def test_tensors_in_lists_or_gate_constants_give_autograd_results(make_arg, constant, kind):
    def circuit(p):
        qml.RX(p[0], wires=0)
        if constant is not None:
            qml.RY(constant[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    value = qml.QNode(circuit, qml.device("default.qubit", wires=1))(make_arg())
    angle_y = 0.0 if constant is None else 0.4
    assert np.isclose(value, np.cos(0.3) * np.cos(angle_y))  # Z after RY(b) RX(a)|0>
    assert type(value) is kind
    if kind is pnp.tensor:
        assert value.requires_grad


# --- item: qml.matrix of a constant gate has PennyLane's dtype (QGRNN: full += w * matrix) -------
def test_constant_gate_matrices_have_pennylanes_dtype():
    expected = {  # hand-written matrices and the dtypes PennyLane 0.45.1 gives them
        "PauliX": (np.array([[0, 1], [1, 0]]), np.int64),
        "PauliZ": (np.array([[1, 0], [0, -1]]), np.int64),
        "Hadamard": (np.array([[1, 1], [1, -1]]) / np.sqrt(2), np.float64),
        "Identity": (np.eye(2), np.float64),
        "PauliY": (np.array([[0, -1j], [1j, 0]]), np.complex128),
        "S": (np.diag([1, 1j]), np.complex128),
    }
    for name, (mat, dtype) in expected.items():
        m = qml.matrix(getattr(qml, name)(wires=0))
        assert m.dtype == dtype and np.allclose(m, mat), name
    cnot = qml.matrix(qml.CNOT(wires=[0, 1]))
    assert cnot.dtype == np.int64 and np.array_equal(cnot, np.eye(4)[[0, 1, 3, 2]])
    assert qml.matrix(qml.RX(0.0, wires=0)).dtype == np.complex128  # parametrized: complex
    full = np.zeros((4, 4))
    full += 0.5 * np.kron(qml.matrix(qml.PauliZ(0)), np.identity(2))  # real: no casting error
    assert np.allclose(np.diag(full), [0.5, 0.5, -0.5, -0.5])


# --- item: data arguments whose values the circuit function needs become static (QGRNN) ----------
def test_a_data_argument_used_by_value_is_made_static():
    import math

    @qml.qnode(qml.device("default.qubit", wires=1))
    def evolve(w, time=None):
        for _ in range(int(time / 0.25)):  # the gate count depends on the value of time
            qml.RX(w, wires=0)
        qml.RY(math.cos(time), wires=0)  # float(time)
        return qml.expval(qml.PauliZ(0))

    w = pnp.array(0.4, requires_grad=True)
    for t, n in ((0.3, 1), (0.8, 3), (0.3, 1)):
        # <Z> after RX(w)^n then RY(c): cos(n w) cos(c), by hand
        c = math.cos(t)
        assert np.isclose(evolve(w, time=t), np.cos(n * w) * np.cos(c))
        assert np.isclose(qml.grad(evolve)(w, time=t), -n * np.sin(n * w) * np.cos(c))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def positional(w, t):
        qml.RX(w * float(t), wires=0)
        return qml.expval(qml.PauliZ(0))

    t = pnp.array(0.5, requires_grad=False)  # data: not trained
    assert np.isclose(positional(w, t), np.cos(0.2))
    h = 1e-6
    fd = (positional(w + h, t) - positional(w - h, t)) / (2 * h)
    assert np.isclose(qml.grad(positional)(w, t), fd, atol=1e-6)
    with pytest.raises(qml.TracingError, match="needs the value"):
        positional(w, pnp.array(0.5, requires_grad=True))  # a trained t cannot be traced


# --- item: other frameworks' arrays name the interface; unwrap() of a 0-d tensor ----------------
def test_foreign_arrays_are_refused_by_interface_and_unwrap_gives_scalars():
    fake_jax_array = type("ArrayImpl", (), {"__module__": "jaxlib.xla_extension",
                                            "__hash__": None})()
    with pytest.raises(qml.ArgumentError, match="JAX interface is not supported"):
        _rx_z("default.qubit")(fake_jax_array)
    x = pnp.array([1.5, 2.0])
    assert type(x[0].unwrap()) is float and x[0].unwrap() == 1.5  # PennyLane's unwrap
    assert type(x.unwrap()) is np.ndarray


# --- item: qml.draw(show_matrices=True) prints a Hermitian as it was given (VQT) -----------------
def test_draw_prints_hermitian_matrices_as_given():
    A = np.array([[2.0, 1.0], [1.0, 0.0]]) + 0j  # complex, as the VQT demo's matrix

    @qml.qnode(qml.device("default.qubit", wires=1))
    def measured(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.Hermitian(A, wires=0))

    text = qml.draw(measured, show_matrices=True)(0.1)
    assert text.endswith(f"M0 = \n{A}")
    assert "+0.j" in text  # PennyLane prints the complex matrix as complex


# --- item: Grover's algorithm: FlipSign, GroverOperator, Snapshot / snapshots --------------------
def _unitary(qfunc, n):
    return qml.matrix(qfunc, wire_order=list(range(n)))()


@pytest.mark.parametrize("n, bits", [(1, [0]), (1, [1]), (2, [0, 1]), (3, [1, 0, 1]), (3, 6)])
def test_flip_sign_is_identity_minus_twice_the_projector(n, bits):
    index = bits if isinstance(bits, int) else int("".join(map(str, bits)), 2)
    expected = np.eye(2**n)
    expected[index, index] = -1  # I - 2|n><n|, by hand
    got = _unitary(lambda: qml.FlipSign(bits, wires=range(n)), n)
    assert np.allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("n", [2, 3])
def test_grover_operator_is_the_diffusion_operator(n):
    s = np.full(2**n, 2 ** (-n / 2))
    expected = 2 * np.outer(s, s) - np.eye(2**n)  # 2|s><s| - I, PennyLane's matrix
    got = _unitary(lambda: qml.templates.GroverOperator(wires=range(n)), n)
    assert np.allclose(got, expected, atol=1e-12)
    with pytest.raises(qml.GateError, match="one bit"):
        qml.FlipSign([0, 2], wires=[0, 1])


def _snapshot_of(measurement):
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        qml.Snapshot("m", measurement=measurement)
        return qml.expval(qml.PauliZ(0))

    return circuit


def test_snapshots_return_the_states_and_the_result():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def grover_step(x):
        qml.Snapshot("start")
        for w in range(2):
            qml.Hadamard(wires=w)
        qml.Snapshot()
        qml.FlipSign([1, 1], wires=[0, 1])
        qml.RY(x, wires=0)
        qml.Snapshot("end")
        return qml.expval(qml.PauliZ(0))

    out = qml.snapshots(grover_step)(0.0)
    assert list(out) == ["start", 1, "end", "execution_results"]
    assert np.allclose(out["start"], [1, 0, 0, 0])
    assert np.allclose(out[1], [0.5, 0.5, 0.5, 0.5])
    assert np.allclose(out["end"], [0.5, 0.5, 0.5, -0.5])  # |11> flipped
    assert np.isclose(out["execution_results"], 0.0)  # <Z0> of the uniform state, by hand
    # RY(pi/2) on wire 0 of (|00>+|01>+|10>-|11>)/2: <Z0> by hand
    psi = np.array([0.5, 0.5, 0.5, -0.5])
    ry = np.array([[np.cos(np.pi / 4), -np.sin(np.pi / 4)], [np.sin(np.pi / 4), np.cos(np.pi / 4)]])
    psi = np.kron(ry, np.eye(2)) @ psi
    assert np.isclose(grover_step(np.pi / 2), psi @ np.diag([1, 1, -1, -1]) @ psi)
    with pytest.raises(qml.DeviceError, match="sample"):  # a sample needs shots
        qml.snapshots(_snapshot_of(qml.sample(wires=0)))()
    # with shots a state snapshot stays exact (PennyLane's); the QNode's result is sampled
    shot_out = qml.snapshots(qml.set_shots(grover_step, shots=10))(0.0)
    assert np.allclose(shot_out["end"], [0.5, 0.5, 0.5, -0.5])
    assert shot_out["execution_results"] in np.arange(-10, 11, 2) / 10


# --- item: the same qml.Hermitian at every call of a per-call circuit is decomposed once ---------
def test_repeated_hermitian_decompositions_are_the_matrix():
    rng = np.random.default_rng(5)
    re, im = rng.random((2, 8, 8))
    A = (re + re.T) + 1j * (im - im.T)  # Hermitian on 3 wires
    paulis = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]),
              "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1.0, -1.0])}

    def rebuilt(obs):  # sum of c * P, written independently of the decomposition
        total = np.zeros((8, 8), dtype=complex)
        for word, c in zip(obs.terms()[1], obs.terms()[0]):
            letters = {w: "I" for w in (0, 1, 2)}
            for op in getattr(word, "operands", [word]):
                if op.name != "Identity":  # (the identity word: I(), PennyLane's terms())
                    letters[op.wires[0]] = op.name[-1]
            total += c * np.kron(np.kron(paulis[letters[0]], paulis[letters[1]]),
                                 paulis[letters[2]])
        return total

    first = qml.Hermitian(A, wires=[0, 1, 2])
    again = qml.Hermitian(A.copy(), wires=[0, 1, 2])
    assert np.allclose(rebuilt(first), A) and np.allclose(rebuilt(again), A)
    other = qml.Hermitian(A + np.eye(8), wires=[0, 1, 2])  # new bytes: a new decomposition
    assert np.allclose(rebuilt(other), A + np.eye(8))


def test_circuit_cutting_names_exist_and_wirecut_alone_applies_nothing():
    """The circuit-cutting demo's first names are provided (qml.qcut; tests/test_qcut.py
    checks what they compute)."""
    for name in ("cut_circuit", "cut_circuit_mc"):
        assert callable(getattr(qml, name))
    # qml.WireCut applies nothing, as PennyLane's: the uncut circuit's value
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.WireCut(wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(1))

    assert np.isclose(circuit(0.3), np.cos(0.3))
    assert qml.WireCut(wires=[0]).decomposition() == [] and qml.WireCut(0).label() == "//"
    with pytest.raises(qml.errors.WireError, match="At least one wire"):
        qml.WireCut(wires=[])


@pytest.mark.parametrize("shots", [None, 10])
@pytest.mark.parametrize("gate", ["none", "constant"])
def test_a_tensor_argument_no_gate_uses_gives_numpy_results(shots, gate):
    # PennyLane 0.45.1 takes the interface from the tape's parameters: a tensor argument
    # that no gate uses (no parameter at all, or a float constant) leaves them NumPy's, so
    # an expval or var is np.float64 and probs a plain array (printed in a throwaway script)
    @qml.set_shots(shots)
    @qml.qnode(qml.device("default.qubit", wires=2, seed=1))
    def circuit(x):
        if gate == "constant":
            qml.RX(0.3, wires=0)
        qml.PauliX(wires=1)
        return qml.expval(qml.PauliZ(1)), qml.var(qml.PauliZ(1)), qml.probs(wires=[1])

    e, v, p = circuit(pnp.array([0.4], requires_grad=True))
    assert type(e) is np.float64 and type(v) is np.float64 and type(p) is np.ndarray
    assert np.allclose([e, v, *p], [-1.0, 0.0, 0.0, 1.0], atol=1e-12)  # wire 1 is |1>


@pytest.mark.parametrize("shots", [None, 10])
def test_a_template_applied_whole_with_tensor_data_keeps_autograd_results(shots):
    # BasisState's state is a tape parameter in PennyLane (a tensor here): the autograd
    # interface, so a tensor analytically and a 0-d array with shots (PennyLane 0.45.1)
    @qml.set_shots(shots)
    @qml.qnode(qml.device("default.qubit", wires=2, seed=1))
    def circuit(x):
        qml.BasisState(pnp.array([1]), wires=[1])
        return qml.expval(qml.PauliZ(1))

    value = circuit(pnp.array([0.4], requires_grad=True))
    assert float(value) == -1.0
    if shots is None:
        assert isinstance(value, pnp.tensor)
    else:
        assert type(value) is np.ndarray and value.shape == ()


def test_a_template_applied_whole_with_plain_data_gives_numpys_results():
    # BasisEmbedding(1): its data is a plain int, no tape parameter is trainable in
    # PennyLane, so a tensor argument nothing reads leaves the results NumPy's (np.float64;
    # qsym gave a 0-d array: differential fuzzer, seed 7041)
    dev = qml.device("default.qubit", wires=[2])

    @qml.qnode(dev, diff_method="finite-diff")
    def circuit(x):
        qml.BasisEmbedding(1, wires=[2])
        qml.PauliY(wires=[2])
        return qml.expval(qml.PauliZ(2))

    value = circuit(pnp.array([1.439, -1.404], requires_grad=True))
    assert type(value) is np.float64 and value == 1.0


# --- item: qml.evolve / qml.exp of a Hamiltonian whose words do not commute (shadow Hamiltonian
# simulation demo): applied exactly, differentiable by the time ------------------------------------
def expm_taylor(a, terms=40, squarings=8):
    """exp(a) by scaling and squaring a Taylor series (no eigendecomposition)."""
    a = np.asarray(a, complex) / 2**squarings
    out, term = np.eye(len(a), dtype=complex), np.eye(len(a), dtype=complex)
    for k in range(1, terms):
        term = term @ a / k
        out = out + term
    for _ in range(squarings):
        out = out @ out
    return out


def test_evolution_by_noncommuting_words_is_the_exact_exponential():
    dev = qml.device("default.qubit", wires=2)
    # the shadow demo's one-qubit step: exp(-i t (X + Y)) = cos(sqrt2 t) - i sin(sqrt2 t) (X + Y)/sqrt2
    S = [qml.X(0), qml.Y(0), qml.Z(0)]

    @qml.qnode(dev)
    def evolve(H, t):
        qml.evolve(H, t)
        return [qml.expval(o) for o in S]

    r = np.sqrt(2)  # the Bloch vector (0, 0, 1) turned by 2 sqrt2 t about (1, 1, 0)/sqrt2
    got = np.array(evolve(qml.X(0) + qml.Y(0), 1.0))
    c, s = np.cos(2 * r), np.sin(2 * r)
    np.testing.assert_allclose(got, [s / r, -s / r, c], atol=1e-12)

    # two qubits, an identity term (a global phase in the state), a scalar multiple of the sum
    H = 0.4 * qml.X(0) @ qml.Y(1) + 0.7 * qml.Z(0) + 0.3 * qml.Y(1) + 0.25 * qml.I(0)
    h = 0.4 * word(2, X0=1, Y1=1) + 0.7 * word(2, Z0=1) + 0.3 * word(2, Y1=1) + 0.25 * np.eye(4)

    @qml.qnode(dev)
    def state(t):
        qml.Hadamard(1)
        qml.evolve(H, t)
        qml.exp(qml.s_prod(2.0, qml.X(0) + qml.Z(1)), -0.15j)  # exp(-0.3i (X0 + Z1))
        return qml.state()

    psi = np.kron([1, 0], [1, 1]) / np.sqrt(2)
    ref = expm_taylor(-0.3j * (word(2, X0=1) + word(2, Z1=1))) @ expm_taylor(-0.8j * h) @ psi
    np.testing.assert_allclose(state(0.8), ref, atol=1e-12)


def test_evolution_by_noncommuting_words_differentiates_by_the_time():
    dev = qml.device("default.qubit", wires=3)
    H = 0.4 * qml.X(0) @ qml.Y(1) + 0.7 * qml.Z(0) + 0.3 * qml.Y(1)

    @qml.qnode(dev)
    def f(t, a):
        qml.RY(a, wires=0)
        qml.Hadamard(2)
        qml.evolve(H, t)
        qml.CNOT([2, 1])
        qml.evolve(H, -0.2)
        return qml.expval(qml.X(0) @ qml.X(1))

    t, a = pnp.array(0.8, requires_grad=True), pnp.array(0.3, requires_grad=True)
    # the value by matrices written here (wire 2's Hadamard and CNOT included)
    h = 0.4 * word(3, X0=1, Y1=1) + 0.7 * word(3, Z0=1) + 0.3 * word(3, Y1=1)

    def ref(t, a):
        ry = np.array([[np.cos(a / 2), -np.sin(a / 2)], [np.sin(a / 2), np.cos(a / 2)]])
        psi = np.kron(ry @ [1, 0], np.kron([1, 0], np.array([1, 1]) / np.sqrt(2)))
        cnot = np.eye(8)[[0, 3, 2, 1, 4, 7, 6, 5]]  # control wire 2, target wire 1
        psi = expm_taylor(0.2j * h) @ cnot @ expm_taylor(-1j * t * h) @ psi
        return np.real(psi.conj() @ word(3, X0=1, X1=1) @ psi)

    assert f(t, a) == pytest.approx(ref(0.8, 0.3), abs=1e-12)
    # five-point central differences at e = 1e-3: truncation ~1e-13, and the reference's
    # rounding (~2e-14 after expm_taylor's squarings, CPU-dependent) divided by e, ~1e-11
    # (two-point differences at e = 1e-6 were off by 2e-8 on an AVX-512 machine)
    e = 1e-3

    def d5(g):
        return (-g(2 * e) + 8 * g(e) - 8 * g(-e) + g(-2 * e)) / (12 * e)

    fd = [d5(lambda s: ref(0.8 + s, 0.3)), d5(lambda s: ref(0.8, 0.3 + s))]
    np.testing.assert_allclose(qml.grad(f)(t, a), fd, atol=1e-9)
    e = 1e-3
    second = (ref(0.8 + e, 0.3) - 2 * ref(0.8, 0.3) + ref(0.8 - e, 0.3)) / e**2
    assert qml.jacobian(qml.grad(lambda t: f(t, a)))(t) == pytest.approx(second, abs=1e-5)


def test_evolution_by_noncommuting_words_with_input_coefficients_is_applied():
    """Refused with a GateError until stop 69; applied since (pl69: a per-call trace, the
    coefficients' derivative exact to first order): value and gradient against SciPy's
    ``expm`` of ``-i t H(c)`` and its central differences (PennyLane raises for a trainable
    ``c``)."""
    from scipy.linalg import expm

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def f(c):
        qml.evolve(qml.Hamiltonian(c, [qml.X(0), qml.Z(0)]), 0.5)
        return qml.expval(qml.Z(0))

    x, z = np.array([[0, 1], [1, 0]]), np.diag([1.0, -1.0])

    def reference(c):
        psi = expm(-0.5j * (c[0] * x + c[1] * z))[:, 0]
        return float(np.real(psi.conj() @ z @ psi))

    c, h = np.array([0.3, 0.4]), 1e-6
    fd = [(reference(c + h * e) - reference(c - h * e)) / (2 * h) for e in np.eye(2)]
    assert f(pnp.array(c, requires_grad=True)) == pytest.approx(reference(c), abs=1e-12)
    np.testing.assert_allclose(qml.grad(f)(pnp.array(c, requires_grad=True)), fd, atol=1e-8)


# --- item: qml.ctrl of a function whose adjoint holds controlled gates of the table (the QSVT
# hardware demo: qml.ctrl(qml.adjoint(qml.QSVT), control=0)(...)) --------------------------------
def test_ctrl_of_an_adjoint_function_with_controlled_table_gates():
    def f():
        qml.CZ([1, 2])
        qml.CRX(0.3, [2, 1])

    rx = np.array([[np.cos(0.15), -1j * np.sin(0.15)], [-1j * np.sin(0.15), np.cos(0.15)]])
    crx = np.kron(np.diag([1, 0]), I2) + np.kron(np.diag([0, 1]), rx)  # control wire 2 (first)
    swap = np.eye(4)[[0, 2, 1, 3]]
    u = swap @ crx @ swap @ np.diag([1, 1, 1, -1])  # on wires (1, 2): CRX(2 -> 1) after CZ
    expected = np.block([[np.eye(4), np.zeros((4, 4))], [np.zeros((4, 4)), u.conj().T]])
    got = qml.matrix(qml.ctrl(qml.adjoint(f), control=0), wire_order=[0, 1, 2])()
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_qsvt_controlled_both_ways_block_encodes_the_polynomial():
    coeffs = np.array([0.2, -0.7, -0.6])
    coeffs /= np.linalg.norm(coeffs, ord=1)
    H = qml.dot(coeffs, [qml.X(3), qml.X(3) @ qml.Z(4), qml.Z(3) @ qml.Y(4)])
    h = coeffs[0] * word(2, X0=1) + coeffs[1] * word(2, X0=1, Z1=1) + coeffs[2] * word(2, Z0=1, Y1=1)
    target = -h + 0.5 * np.linalg.matrix_power(h, 3) + 0.5 * np.linalg.matrix_power(h, 5)
    angles = qml.poly_to_angles([0, -1.0, 0, 0.5, 0, 0.5], "QSVT")
    block_encode = qml.PrepSelPrep(H, control=[1, 2])
    projectors = [qml.PCPhase(a, dim=4, wires=[1, 2, 3, 4]) for a in angles]

    def circuit():
        qml.Hadamard(0)
        qml.ctrl(qml.QSVT, control=0, control_values=[1])(block_encode, projectors)
        qml.ctrl(qml.adjoint(qml.QSVT), control=0, control_values=[0])(block_encode, projectors)
        qml.Hadamard(0)

    m = qml.matrix(circuit, wire_order=[0, 1, 2, 3, 4])()
    np.testing.assert_allclose(m[:4, :4], target, atol=1e-6)


# --- item: the resource estimation demo: a Sum's terms() gives the identity word as I() (PennyLane's,
# from its pauli_rep), so grouping leaves it out of the colouring; qml.estimator.estimate_shots ------
def test_identity_term_is_wireless_and_grouped_as_pennylane_groups_it():
    H = 0.5 * qml.I(0) + 0.3 * qml.Z(0) + 0.4 * qml.X(0) + 0.2 * qml.Z(0) @ qml.Z(1)
    coeffs, ops = H.terms()
    assert [repr(o) for o in ops] == ["I()", "Z(0)", "X(0)", "Z(0) @ Z(1)"]
    assert len(ops[0].wires) == 0 and coeffs == [0.5, 0.3, 0.4, 0.2]
    assert repr(qml.Hamiltonian([0.5, 0.3], [qml.I(0), qml.Z(0)]).terms()[1][0]) == "I(0)"  # as written
    assert repr((qml.X(0) @ qml.X(0)).simplify()) == "I(0)"
    # largest first: X(0) clashes with both others (colour 0); Z(0), Z(0) @ Z(1) share colour 1;
    # groups in order of their first member; the identity (no wires) joins the first group
    groups, grouped = qml.pauli.group_observables(ops, coeffs)
    assert [[repr(o) for o in g] for g in groups] == [["Z(0)", "Z(0) @ Z(1)", "I()"], ["X(0)"]]
    np.testing.assert_allclose(grouped[0], [0.3, 0.2, 0.5])
    m = qml.estimator.estimate_shots(grouped)
    assert m == int(np.ceil((np.sqrt(0.09 + 0.04 + 0.25) + 0.4) ** 2 / 0.0016**2))
    assert abs(qml.estimator.estimate_shots(coeffs) - 1.4**2 / 0.0016**2) < 1.5  # one word a group (ceil)
    assert qml.estimator.estimate_shots(grouped, variances=[0.25, 0.09], error=0.01) == int(
        np.ceil((0.5 + 0.3) ** 2 / 0.01**2))  # sqrt of the variances: 0.5 + 0.3
    err = qml.estimator.estimate_error(grouped, shots=10000)
    assert err == pytest.approx((np.sqrt(0.38) + 0.4) / 100, rel=1e-14)
