"""Matrices as runtime data (issue #17): a ``QubitUnitary``'s numbers are read by the
compiled code from the end of the data vector, so one generated module (one numba
compile) serves every matrix of a shape.

Independent evidence only: states from a NumPy simulation written here (Kronecker
products of hand-written matrices), derivatives against central finite differences of
the QNode's values and against the other gradient method.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym import _ir as ir, _stages as stages, _tiers as tiers
ExportError = qml.ExportError

I2 = onp.eye(2)
CNOT = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], complex)
SWAP = onp.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], complex)
Z = onp.diag([1.0, -1.0])


def _rx(t):
    return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])


def _ry(t):
    return onp.array([[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]], complex)


def _rz(t):
    return onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])


def _haar(n, seed):
    """A random unitary on n wires (QR of a complex Gaussian matrix)."""
    rng = onp.random.default_rng(seed)
    q, r = onp.linalg.qr(rng.normal(size=(2**n, 2**n)) + 1j * rng.normal(size=(2**n, 2**n)))
    return q * (onp.diag(r) / abs(onp.diag(r)))


def _kron(*ms):
    out = onp.eye(1)
    for m in ms:
        out = onp.kron(out, m)
    return out


def _reference(x, U, V):
    """The state of :func:`_circuit` (wire 0 most significant), by matrix products."""
    psi = onp.zeros(8, complex)
    psi[0] = 1
    psi = _kron(_rx(x[0]), _ry(x[1]), I2) @ psi
    psi = _kron(U, I2) @ psi                       # U on wires (0, 1)
    psi = _kron(I2, CNOT) @ psi                    # CNOT(1, 2)
    psi = _kron(I2, I2, _rz(x[2])) @ psi
    psi = _kron(I2, SWAP) @ _kron(I2, V) @ _kron(I2, SWAP) @ psi   # V on wires (2, 1)
    return psi


def _circuit(x, U, V):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.QubitUnitary(U, wires=[0, 1])
    qml.CNOT(wires=[1, 2])
    qml.RZ(x[2], wires=2)
    qml.QubitUnitary(V, wires=[2, 1])


def _state_node():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def state(x, U, V):
        _circuit(x, U, V)
        return qml.state()
    return state


def _expval_node(method="parameter-shift"):
    @qml.qnode(qml.device("default.qubit", wires=3), diff_method=method)
    def value(x, U, V):
        _circuit(x, U, V)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))
    return value


X0 = np.array([0.3, -0.7, 1.1], requires_grad=True)


def test_two_matrices_give_the_reference_state_for_every_new_pair():
    state = _state_node()
    for seed in range(3):
        U, V = _haar(2, 10 + seed), _haar(2, 20 + seed)
        assert onp.allclose(state(X0, U, V), _reference(X0, U, V), atol=1e-12)


def _compiled_signatures(module) -> int:
    """numba's compiled signatures over every function of a loaded generated module."""
    return sum(len(f.signatures) for f in vars(module).values() if hasattr(f, "signatures"))


def test_a_matrix_argument_is_runtime_data_no_trace_no_compile(monkeypatch):
    monkeypatch.setenv("QSYM_TIER", "compiled")  # compiled in this process, at once
    runs = []  # the traces (stages.record: the circuit function run on stand-ins)
    record = stages.record
    monkeypatch.setattr(stages, "record", lambda *a: runs.append(1) or record(*a))
    value = _expval_node()

    entries, counts = [], []
    for seed in range(4):
        U, V = _haar(2, 30 + seed), _haar(2, 40 + seed)
        got = value(X0, U, V)
        psi = _reference(X0, U, V)
        assert got == pytest.approx((abs(psi) ** 2 * _kron(Z, I2, Z).diagonal()).sum(), abs=1e-12)
        entries.append(value.compiled((X0, U, V), {}, derivatives=False)[0])  # the value calls' entry
        counts.append(_compiled_signatures(tiers.loaded(entries[-1].module)))
        if seed == 1:  # the second matrices: traced, and the stand-in trace learns
            traced = len(runs)
    assert len(runs) == traced  # later matrices: the circuit function is not run again
    assert len({e.module.__name__ for e in entries}) == 1
    assert counts[0] >= 1 and counts == [counts[0]] * 4  # compiled once, for the first
    # the numbers are not in the module: each call's matrices are the end of its data
    assert repr(float(_haar(2, 30)[0, 0].real)) not in entries[0].source
    for seed, e in enumerate(entries):
        U, V = _haar(2, 30 + seed), _haar(2, 40 + seed)
        tail = e.data_tail
        assert tail.shape == (2 * 2 * 16,)
        assert tail[0] == U[0, 0].real and tail[1] == U[0, 0].imag and tail[32] == V[0, 0].real
        assert dict(e.circuit.ops[2].hyper)["U"][3][1] == U[3, 1]


def test_a_matrix_computed_from_a_value_traces_again_into_the_same_module():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x, t=0.0):
        ct, st = onp.cos(float(t)), onp.sin(float(t))  # needs t's value: static by value
        qml.RX(x, wires=0)
        qml.QubitUnitary(onp.array([[ct, -1j * st], [-1j * st, ct]]), wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.3, requires_grad=True)
    modules = set()
    for t in (0.2, 0.7, 1.9):
        assert c(x, t=t) == pytest.approx(onp.cos(0.3 + 2 * t), abs=1e-12)  # RX(0.3 + 2t)
        assert qml.grad(c)(x, t=t) == pytest.approx(-onp.sin(0.3 + 2 * t), abs=1e-10)
        modules.add(c.compiled((x,), {"t": t})[0].module.__name__)
    assert len(modules) == 1


def test_a_matrix_used_otherwise_stays_static_by_value(monkeypatch):
    runs = []
    record = stages.record
    monkeypatch.setattr(stages, "record", lambda *a: runs.append(1) or record(*a))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x, U):
        qml.RX(x, wires=0)
        qml.QubitUnitary(U @ U, wires=0)  # the square: not the argument as it is
        return qml.expval(qml.PauliZ(0))

    x = np.array(0.3, requires_grad=True)
    for seed in range(3):
        U = _haar(1, 80 + seed)
        before = len(runs)
        psi = U @ U @ _rx(0.3) @ onp.array([1, 0])
        assert c(x, U) == pytest.approx(abs(psi[0]) ** 2 - abs(psi[1]) ** 2, abs=1e-12)
        assert len(runs) > before  # traced again for each new matrix


def test_a_non_unitary_matrix_argument_is_refused_on_the_short_way_too():
    value = _expval_node()
    value(X0, _haar(2, 1), _haar(2, 2))
    value(X0, _haar(2, 3), _haar(2, 4))
    with pytest.raises(qml.GateError, match="not unitary"):
        value(X0, 2 * _haar(2, 5), _haar(2, 6))


def test_the_structure_key_holds_the_shape_not_the_values():
    c = _state_node().circuit(X0, _haar(2, 1), _haar(2, 2))
    d = _state_node().circuit(X0, _haar(2, 3), _haar(2, 4))
    assert c != d and ir.structural_hash(c) == ir.structural_hash(d)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_gradients_of_the_other_parameters_are_exact(method):
    value = _expval_node(method)
    h = 1e-6
    for seed in range(2):
        U, V = _haar(2, 50 + seed), _haar(2, 60 + seed)
        g = qml.grad(value, argnum=0)(X0, U, V)
        fd = []
        for j in range(3):
            e = onp.zeros(3)
            e[j] = h
            fd.append((value(X0 + e, U, V) - value(X0 - e, U, V)) / (2 * h))
        assert onp.allclose(g, fd, atol=1e-8)
    other = _expval_node("adjoint" if method == "parameter-shift" else "parameter-shift")
    assert onp.allclose(g, qml.grad(other, argnum=0)(X0, U, V), atol=1e-12)


def test_a_constant_matrix_in_a_one_argument_circuit_keeps_the_short_path():
    U = _haar(1, 7)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.RX(x[0], wires=0)
        qml.QubitUnitary(U, wires=0)
        return qml.expval(qml.PauliZ(0))

    x = np.array([0.4], requires_grad=True)
    for _ in range(3):  # the first call, then grad's short path
        g = qml.grad(c)(x)
    psi = U @ _rx(0.4) @ onp.array([1, 0])
    assert c(x) == pytest.approx(abs(psi[0]) ** 2 - abs(psi[1]) ** 2, abs=1e-12)
    fd = (c(x + 1e-6) - c(x - 1e-6)) / 2e-6
    assert g[0] == pytest.approx(fd, abs=1e-8)


def test_a_broadcast_circuit_with_a_matrix_gives_each_elements_value():
    U = _haar(2, 8)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(x, wires=0)
        qml.QubitUnitary(U, wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    xs = np.array([0.1, 0.9, 2.0], requires_grad=False)
    got = c(xs)
    for b, x in enumerate(xs):
        psi = U @ _kron(_rx(x), I2) @ onp.array([1, 0, 0, 0])
        assert got[b] == pytest.approx((abs(psi) ** 2 * _kron(I2, Z).diagonal()).sum(), abs=1e-12)


def test_an_export_carries_its_matrix_and_refuses_another():
    value = _expval_node()
    U, V = _haar(2, 70), _haar(2, 71)
    compiled = qml.compile(value, X0, U, V)
    assert compiled.value(X0, U, V) == pytest.approx(value(X0, U, V), abs=1e-14)
    assert onp.allclose(compiled.grad(X0, U, V), qml.grad(value, argnum=0)(X0, U, V), atol=1e-14)
    with pytest.raises(ExportError, match="compile again"):
        compiled.value(X0, _haar(2, 72), V)


def test_hessian_and_metric_tensor_of_a_circuit_with_a_matrix():
    U = _haar(2, 9)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RX(x[0] * x[1], wires=0)  # a product: second derivatives of the chain rule
        qml.QubitUnitary(U, wires=[0, 1])
        qml.RY(x[1], wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    x = np.array([0.4, -0.8], requires_grad=True)
    hess = qml.hessian(c)(x)
    h = 1e-5
    fd = onp.array([(qml.grad(c)(x + h * e) - qml.grad(c)(x - h * e)) / (2 * h)
                    for e in onp.eye(2)])
    assert onp.allclose(hess, fd, atol=1e-7)
    # the metric tensor against the Fubini-Study metric of the state, by finite differences

    def state(x):
        psi = onp.kron(_rx(x[0] * x[1]), I2) @ onp.array([1, 0, 0, 0])
        return onp.kron(I2, _ry(x[1])) @ U @ psi

    psi = state(x)
    dpsi = [(state(x + h * e) - state(x - h * e)) / (2 * h) for e in onp.eye(2)]
    fs = onp.array([[onp.real(onp.vdot(a, b) - onp.vdot(a, psi) * onp.vdot(psi, b))
                     for b in dpsi] for a in dpsi])
    assert onp.allclose(qml.metric_tensor(c, approx=None)(x), fs, atol=1e-7)


def _node_with(U):
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.RY(x[0], wires=0)
        qml.QubitUnitary(U, wires=[1, 0])
        qml.RX(x[1], wires=1)
        return qml.expval(qml.PauliZ(0))
    return c


def test_an_exported_module_carries_a_constant_matrix(tmp_path):
    c = _node_with(_haar(2, 12))
    x = np.array([0.2, 1.3], requires_grad=True)
    compiled = qml.compile(c, x)
    path = compiled.export(tmp_path / "with_matrix.py")
    module = qml.load(path, expected_hash=compiled.export_sha256)
    assert module.value(x) == pytest.approx(c(x), abs=1e-14)
    assert onp.allclose(module.grad(x), qml.grad(c)(x), atol=1e-14)
    # the circuit hash (qml.load's check of what was compiled) still tells matrices apart
    assert qml.compile(_node_with(_haar(2, 12)), x).circuit_hash == compiled.circuit_hash
    assert qml.compile(_node_with(_haar(2, 13)), x).circuit_hash != compiled.circuit_hash


_ANGLE = [0.5]  # read by _global_node's circuit function: watched at every call (qsym._guards)


def _global_node():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(U):
        qml.RY(_ANGLE[0], wires=0)
        qml.QubitUnitary(U, wires=0)
        return qml.expval(qml.PauliZ(0))
    return c


def _z_after(U, angle):
    psi = U @ _ry(angle) @ onp.array([1, 0])
    return abs(psi[0]) ** 2 - abs(psi[1]) ** 2


def test_a_changed_global_still_traces_again_with_matrix_arguments():
    c = _global_node()
    for seed in range(3):  # learned at the second matrix
        U = _haar(1, 90 + seed)
        assert c(U) == pytest.approx(_z_after(U, 0.5), abs=1e-12)
    _ANGLE[0] = 1.2
    try:
        U = _haar(1, 99)
        assert c(U) == pytest.approx(_z_after(U, 1.2), abs=1e-12)
    finally:
        _ANGLE[0] = 0.5


def test_matrix_arguments_from_several_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    value = _expval_node()
    value(X0, _haar(2, 1), _haar(2, 2))
    value(X0, _haar(2, 3), _haar(2, 4))  # learned

    def run(seed):
        out = []
        for k in range(5):
            U, V = _haar(2, 100 * seed + k), _haar(2, 100 * seed + k + 50)
            psi = _reference(X0, U, V)
            out.append((value(X0, U, V), (abs(psi) ** 2 * _kron(Z, I2, Z).diagonal()).sum()))
        return out

    with ThreadPoolExecutor(4) as pool:
        for pairs in pool.map(run, range(1, 5)):
            for got, want in pairs:
                assert got == pytest.approx(want, abs=1e-12)


# --- SpecialUnitary(theta) with trainable theta: its per-call numbers are data ---------------
_PAULI = {"I": I2, "X": onp.array([[0, 1], [1, 0]], complex),
          "Y": onp.array([[0, -1j], [1j, 0]]), "Z": Z.astype(complex)}
_WORDS2 = [a + b for a in "IXYZ" for b in "IXYZ"][1:]  # lexicographic, identity left out


def _su_reference(theta):
    """exp(i sum_m theta_m P_m) on 2 wires, by NumPy's eigendecomposition of the Hermitian
    exponent built here from Kronecker products of the Pauli matrices."""
    H = sum(t * onp.kron(_PAULI[w[0]], _PAULI[w[1]]) for t, w in zip(theta, _WORDS2))
    lam, vec = onp.linalg.eigh(H)
    return (vec * onp.exp(1j * lam)) @ vec.conj().T


def _su_value(x, theta):
    """<Z0 Y1> after RX(x) on wire 0 and SpecialUnitary(theta) on wires (0, 1)."""
    psi = _kron(_rx(x), I2)[:, 0]
    psi = _su_reference(theta) @ psi
    return float(onp.real(psi.conj() @ _kron(Z, _PAULI["Y"]) @ psi))


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_special_unitary_theta_is_runtime_data_one_module(monkeypatch, method):
    monkeypatch.setenv("QSYM_TIER", "compiled")  # compiled in this process, at once

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method=method)
    def c(x, theta):
        qml.RX(x, wires=0)
        qml.SpecialUnitary(theta, wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliY(1))

    rng = onp.random.default_rng(17)
    x, h, modules, counts = np.array(0.4, requires_grad=True), 1e-6, set(), []
    for _ in range(4):
        theta = np.array(rng.normal(size=15), requires_grad=True)
        assert c(x, theta) == pytest.approx(_su_value(0.4, theta), abs=1e-12)
        gx, gt = qml.grad(c, argnum=[0, 1])(x, theta)
        fd = [(_su_value(0.4, theta + h * e) - _su_value(0.4, theta - h * e)) / (2 * h)
              for e in onp.eye(15)]
        assert gt == pytest.approx(onp.array(fd), abs=1e-8)
        assert gx == pytest.approx((_su_value(0.4 + h, theta) - _su_value(0.4 - h, theta))
                                   / (2 * h), abs=1e-8)
        entry = c.compiled((x, theta), {})[0]
        modules.add(entry.module.__name__)
        counts.append(_compiled_signatures(tiers.loaded(entry.module)))
        # theta0 and the 15 x 15 effective generators' coefficients: the head of the tail
        assert len(entry.circuit.constants) == 15 + 15 * 15
        assert entry.data_tail[:15].tolist() == [float(t) for t in theta]
        assert repr(float(theta[0])) not in entry.source
    assert len(modules) == 1
    assert counts[0] >= 1 and counts == [counts[0]] * 4  # compiled once, for the first


def test_a_matrix_arguments_coefficients_are_copied_by_a_loop_with_their_values(monkeypatch):
    """The chain-rule factors that are data values as they are (a two-wire
    ``SpecialUnitary``'s 15 x 15 effective-generator coefficients) are copied by
    ``prepare``'s loop over two tables, not written out one line each (numba typed each
    constant index apart: 9.4 of the circuit's 18.9 s of compile, issue #17); the copied
    factors are the data's numbers, and the gradient the finite differences of the
    reference."""
    import re

    from qsym import _emit as emit, _shapes as shapes
    from qsym._program import lowered

    monkeypatch.setenv("QSYM_TIER", "python")  # the text and its plain-Python run: no compile

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift")
    def c(x, theta):
        qml.RX(x, wires=0)
        qml.SpecialUnitary(theta, wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliY(1))

    theta = np.array(onp.random.default_rng(5).normal(size=15), requires_grad=True)
    x = np.array(0.4, requires_grad=True)
    h = 1e-6
    gt = qml.grad(c, argnum=1)(x, theta)
    fd = [(_su_value(0.4, theta + h * e) - _su_value(0.4, theta - h * e)) / (2 * h)
          for e in onp.eye(15)]
    assert gt == pytest.approx(onp.array(fd), abs=1e-8)
    entry, xs, ds = c.compiled((x, theta), {})
    copies = emit.data_copies(entry.circuit, lowered(entry))
    assert len(copies) == 15 * 15
    assert not re.search(r"^ +ch\[\d+\] = _q_d\d+$", entry.source, re.M)
    assert entry.source.count("ch[_q_CHD_DST[_q_k]] = d[_q_CHD_SRC[_q_k]]") == 1
    d = shapes.flat(ds)
    ch = entry.module.prepare(shapes.flat(xs), d, 1)[2]
    assert [ch[k] for k, _ in copies] == [d[j] for _, j in copies]


def test_special_unitary_with_some_theta_fixed_shares_its_module():
    """Entries of theta that are numbers stay numbers: the matrix and the coefficients of
    the trainable ones change with them, the structure does not."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(a, b):
        qml.SpecialUnitary(np.stack([a, np.array(0.0), np.array(0.0)]) + b, wires=0)
        return qml.expval(qml.PauliZ(0))

    modules = set()
    for a, b in ((0.3, np.array([0.0, 0.2, -0.1])), (1.1, np.array([0.0, -0.5, 0.4]))):
        a = np.array(a, requires_grad=True)
        U = _su_matrix_1(onp.array([float(a), 0.0, 0.0]) + onp.asarray(b))
        want = abs(U[0, 0]) ** 2 - abs(U[1, 0]) ** 2
        assert c(a, b) == pytest.approx(want, abs=1e-12)
        h = 1e-6
        fd = [_su_z_after(onp.array([float(a) + s, 0.0, 0.0]) + onp.asarray(b)) for s in (h, -h)]
        assert qml.grad(c, argnum=0)(a, b) == pytest.approx((fd[0] - fd[1]) / (2 * h), abs=1e-8)
        modules.add(c.compiled((a, b), {})[0].module.__name__)
    assert len(modules) == 1


def _su_matrix_1(theta):
    H = sum(t * _PAULI[w] for t, w in zip(theta, "XYZ"))
    lam, vec = onp.linalg.eigh(H)
    return (vec * onp.exp(1j * lam)) @ vec.conj().T


def _su_z_after(theta):
    U = _su_matrix_1(theta)
    return abs(U[0, 0]) ** 2 - abs(U[1, 0]) ** 2


def test_same_structure_tells_runtime_data_from_structure():
    u = lambda m: ir.Op("QubitUnitary", (0,), (), (("U", m),))  # noqa: E731
    z = (ir.Measurement("expval", ((1, ((0, "Z"),)),)),)
    a = ir.Circuit(1, (u(((0, 1), (1, 0))),), z, constants=(0.5,))
    assert ir.same_structure(a, ir.Circuit(1, (u(((1, 0), (0, 1))),), z, constants=(0.7,)))
    assert not ir.same_structure(a, ir.Circuit(1, (u(((0, 1), (1, 0))),), z))
    rx = ir.Circuit(1, (ir.Op("RX", (0,), (0.5,)),), z)
    assert not ir.same_structure(rx, ir.Circuit(1, (ir.Op("RX", (0,), (0.6,)),), z))


def test_value_and_gradient_calls_with_new_matrices_trace_no_more(monkeypatch):
    """A value call then a gradient call at each new pair of matrices (a training loop
    over data matrices): the gradient's full module replaces the value call's module for
    values, and the learned matrix signature follows it, so later matrices run without a
    trace (they traced twice per pair before); values and gradients against the
    reference state and its central differences."""
    monkeypatch.setenv("QSYM_TIER", "python")
    runs = []
    record = stages.record
    monkeypatch.setattr(stages, "record", lambda *a: runs.append(1) or record(*a))
    value = _expval_node()
    zz = _kron(Z, I2, Z).diagonal()

    def ref(x, U, V):
        return float((abs(_reference(x, U, V)) ** 2 * zz).sum())

    for seed in range(4):
        U, V = _haar(2, 60 + seed), _haar(2, 70 + seed)
        assert value(X0, U, V) == pytest.approx(ref(X0, U, V), abs=1e-12)
        g = qml.grad(value, argnum=0)(X0, U, V)
        h = 1e-6
        fd = [(ref(X0 + h * e, U, V) - ref(X0 - h * e, U, V)) / (2 * h) for e in onp.eye(3)]
        assert onp.allclose(g, fd, atol=1e-7)
        if seed == 1:
            traced = len(runs)
    assert len(runs) == traced


# --- QubitUnitary.data: the matrix object as given (PennyLane 0.45.1's, checked in /work/plvenv)
def test_qubitunitary_data_is_the_matrix_given():
    """``op.data[0] is U`` (a tensor too, trainable), a real matrix stays real, a list
    becomes NumPy's array of it (int64), ``op.matrix()`` is the matrix given;
    ``copy.copy``, ``copy.deepcopy`` and ``bind_new_parameters`` share it; ``op.data =``
    keeps the new one."""
    import copy

    U = onp.array([[0, 1], [1, 0]], dtype=complex)
    op = qml.QubitUnitary(U, wires=0)
    assert op.data[0] is U and op.parameters[0] is U and op.matrix() is U
    T = np.array([[0, 1], [1, 0]], dtype=complex, requires_grad=True)
    assert qml.QubitUnitary(T, wires=0).data[0] is T
    R = onp.array([[0.0, 1.0], [1.0, 0.0]])
    real = qml.QubitUnitary(R, wires=0)
    assert real.data[0] is R and real.matrix().dtype == onp.float64
    listed = qml.QubitUnitary([[0, 1], [1, 0]], wires=0).data[0]
    assert type(listed) is onp.ndarray and listed.dtype == onp.int64
    assert copy.copy(real).data[0] is R and copy.deepcopy(real).data[0] is R
    assert qml.ops.functions.bind_new_parameters(op, [R]).data[0] is R
    real.data = (onp.eye(2),)
    assert real.matrix().dtype == onp.float64 and onp.array_equal(real.matrix(), onp.eye(2))


def test_a_matrix_changed_in_place_after_the_gate_is_not_what_data_shows():
    """qsym keeps the numbers a gate was made with (PennyLane reads the array again): a
    matrix changed in place afterwards is not shown as the gate's data, which stays the
    matrix the gate applies."""
    U = onp.array([[0, 1], [1, 0]], dtype=complex)
    op = qml.QubitUnitary(U, wires=0)
    U[0, 0] = 5
    assert op.data[0] is not U and onp.array_equal(op.data[0], [[0, 1], [1, 0]])
