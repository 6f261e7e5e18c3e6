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
from qsym import _ir as ir, _tiers as tiers
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


def test_one_generated_module_serves_every_matrix(monkeypatch):
    monkeypatch.setenv("QSYM_TIER", "compiled")  # compiled in this process, at once
    value = _expval_node()
    entries = []
    for seed in range(3):
        U, V = _haar(2, 30 + seed), _haar(2, 40 + seed)
        got = value(X0, U, V)
        psi = _reference(X0, U, V)
        assert got == pytest.approx((abs(psi) ** 2 * _kron(Z, I2, Z).diagonal()).sum(), abs=1e-12)
        entries.append(value.compiled((X0, U, V), {})[0])
    assert len({e.module.__name__ for e in entries}) == 1
    assert len({e.source for e in entries}) == 1
    # one numba module: the same compiled prepare, compiled for one signature only
    prepares = {id(tiers.loaded(e.module).prepare) for e in entries}
    assert len(prepares) == 1
    assert len(tiers.loaded(entries[0].module).prepare.signatures) == 1
    # the numbers are not in the module: the matrix is the end of the data vector
    U = _haar(2, 30)
    assert repr(float(U[0, 0].real)) not in entries[0].source
    tail = ir.matrix_data(entries[0].circuit)
    assert tail.shape == (2 * 2 * 16,)
    assert tail[0] == U[0, 0].real and tail[1] == U[0, 0].imag


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
