"""Second derivatives (qml.hessian, qml.jacobian(qml.grad(f))) against the exact sympy
Hessian and finite differences of exact gradients."""

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _symbolic as symbolic
from qsym._ir import linear_rows, post_layout, rows_circuit
from qsym._shapes import flat

from conftest import ALL_GATES, random_circuit_function


def exact_hessian(circuit, x, d):
    """Per measurement: the sympy Hessian of its value by the inputs, at (x, d)."""
    rows = symbolic.circuit_expectations(rows_circuit(circuit), simplify=False)
    values = dict(zip(circuit.inputs, x)) | dict(zip(circuit.data, d))
    out = []
    for kind, r, n, _ in post_layout(circuit):
        if kind == "var":
            exprs = [rows[r] - rows[r + 1] ** 2]
        else:
            exprs = list(rows[r : r + n])
        hs = [sp.hessian(e, circuit.inputs).xreplace(values) for e in exprs]
        out.append(np.array([np.array(h.evalf(), dtype=complex).real for h in hs]))
    return np.concatenate(out)


def _inputs(seed):
    r = np.random.default_rng(seed + 11)
    return r.uniform(-np.pi, np.pi, 3), float(r.uniform(-2, 2)), r.uniform(-1, 1, 2)


@pytest.mark.parametrize("seed,n_wires", [(s, n) for n in (1, 2, 3) for s in range(3)])
def test_hessian_equals_the_exact_sympy_hessian(seed, n_wires):
    fn = random_circuit_function(3000 + seed, n_wires, n_ops=3 + n_wires, n_meas=1 + seed % 2,
                                 gates=ALL_GATES)
    dev = qml.device("default.qubit", wires=n_wires)
    x, y, data = _inputs(seed)
    node = qml.QNode(fn, dev)
    values, jac, hess, entry = node.flat_hessian((x, y), {"data": data}, (0, 1))
    _, xs, ds = node.compiled((x, y), {"data": data})
    exact = exact_hessian(entry.circuit, flat(xs), flat(ds))
    np.testing.assert_allclose(hess, exact, atol=1e-9)
    np.testing.assert_allclose(hess, hess.transpose(0, 2, 1), atol=1e-15)
    # the first-order part equals the compiled gradient
    np.testing.assert_allclose(jac, node.flat_jacobian((x, y), {"data": data}, (0, 1))[1],
                               atol=1e-12)


def _rich(dev_wires=2, method="parameter-shift"):
    dev = qml.device("default.qubit", wires=dev_wires)

    @qml.qnode(dev, diff_method=method)
    def c(p, w):
        qml.RX(p[0], wires=0)
        qml.CRY(p[1] * w, wires=[0, 1])
        qml.Rot(p[0], qml.numpy.sin(p[1]), w**2, wires=1)
        qml.IsingZZ(p[0] + 2 * w, wires=[0, 1])
        return qml.expval(qml.Hamiltonian([0.4 * w, -1.3], [qml.PauliX(1), qml.PauliZ(0) @ qml.PauliY(1)]))

    return c


def _fd_hessian(grad_fn, args, h=1e-5):
    """Central differences of an exact gradient, over the flat arguments."""
    sizes = [np.size(a) for a in args]
    base = np.concatenate([np.ravel(a) for a in args]).astype(float)

    def unflat(v):
        out, at = [], 0
        for a, s in zip(args, sizes):
            out.append(v[at:at + s].reshape(np.shape(a)) if np.ndim(a) else float(v[at]))
            at += s
        return out

    def g(v):
        res = grad_fn(*unflat(v))
        res = res if isinstance(res, tuple) else (res,)
        return np.concatenate([np.ravel(r) for r in res])

    cols = []
    for j in range(base.size):
        e = np.zeros(base.size)
        e[j] = h
        cols.append((g(base + e) - g(base - e)) / (2 * h))
    return np.array(cols).T


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint"])
def test_hessian_shapes_and_values_with_coefficients_depending_on_inputs(method):
    c = _rich(method=method)
    p, w = np.array([0.3, -0.7]), 0.45
    H = qml.hessian(c, argnum=[0, 1])(p, w)
    assert isinstance(H, tuple) and len(H) == 2
    assert H[0][0].shape == (2, 2) and H[0][1].shape == (2,) and H[1][0].shape == (2,)
    assert H[1][1].shape == ()
    full = np.block([[H[0][0], H[0][1][:, None]], [H[1][0][None, :], np.array([[H[1][1]]])]])
    ref = _fd_hessian(qml.grad(c, argnum=[0, 1]), (p, w))
    np.testing.assert_allclose(full, ref, atol=1e-8)
    entry = c.compiled((p, w), {})[0]
    exact = exact_hessian(entry.circuit, np.concatenate([p, [w]]), [])[0]
    np.testing.assert_allclose(full, exact, atol=1e-10)
    # one argument chosen: its block
    np.testing.assert_allclose(qml.hessian(c, argnum=0)(p, w), H[0][0], atol=1e-14)
    np.testing.assert_allclose(qml.hessian(c, argnum=1)(p, w), H[1][1], atol=1e-14)


def test_jacobian_of_grad_is_the_hessian():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    p = np.array([0.54, 0.12])
    a, b = p
    exact = np.array([[-np.cos(a) * np.cos(b), np.sin(a) * np.sin(b)],
                      [np.sin(a) * np.sin(b), -np.cos(a) * np.cos(b)]])
    np.testing.assert_allclose(qml.jacobian(qml.grad(circuit), argnum=0)(p), exact, atol=1e-12)
    np.testing.assert_allclose(qml.hessian(circuit, argnum=0)(p), exact, atol=1e-12)


def test_hessian_of_probs_var_and_tuples():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(x):
        qml.RY(x[0], wires=0)
        qml.CRX(x[1], wires=[0, 1])
        return qml.probs(wires=[1, 0]), qml.var(qml.PauliX(1)), qml.expval(qml.PauliZ(0))

    x = np.array([0.8, -1.1])
    H = qml.hessian(c, argnum=0)(x)
    assert [h.shape for h in H] == [(4, 2, 2), (2, 2), (2, 2)]
    entry = c.compiled((x,), {})[0]
    exact = exact_hessian(entry.circuit, x, [])
    np.testing.assert_allclose(np.concatenate([H[0], H[1][None], H[2][None]]), exact, atol=1e-10)


def test_second_order_rules_for_every_gate():
    """Each parametrized gate of the table once, alone with a Hadamard before it."""
    from qsym._gates import GATES

    for name, row in sorted(GATES.items()):
        if row.num_params == 0 or row.num_wires > 2 or row.num_wires == 0:
            continue
        dev = qml.device("default.qubit", wires=2)
        nw = row.num_wires

        def f(p, name=name, nw=nw, k=row.num_params):
            qml.Hadamard(wires=0)
            qml.RY(0.3, wires=1)
            getattr(qml, name)(*[p[i] * (i + 1) for i in range(k)], wires=list(range(nw)))
            return qml.expval(qml.PauliX(0) @ qml.PauliZ(1) + 0.5 * qml.PauliY(nw - 1))

        node = qml.QNode(f, dev)
        p = np.linspace(0.3, 1.1, row.num_params)
        entry = node.compiled((p,), {})[0]
        np.testing.assert_allclose(qml.hessian(node, argnum=0)(p),
                                   exact_hessian(entry.circuit, p, [])[0], atol=1e-10,
                                   err_msg=name)


def test_hessian_counts_executions_and_of_the_state():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, diff_method="parameter-shift")
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with qml.Tracker(dev) as tracker:
        h = qml.hessian(c, argnum=0)(0.4)
    assert abs(h + np.cos(0.4)) < 1e-12
    assert tracker.totals["executions"] == 3 * 3  # the gradient (3 runs) at 3 points

    @qml.qnode(dev)
    def s(x):
        qml.RX(x, wires=0)
        return qml.state()

    # the state (cos(x/2), -i sin(x/2)) has second derivative -psi/4: one per amplitude
    want = -np.array([np.cos(0.2), -1j * np.sin(0.2)]) / 4
    np.testing.assert_allclose(qml.hessian(s, argnum=0)(0.4), want, atol=1e-12)
