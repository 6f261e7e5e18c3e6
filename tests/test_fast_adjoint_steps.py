"""The adjoint method's steps on large states in qsym's first tier (issue #17): from
``FAST_STEPS_MIN_WIRES`` to ``FAST_STEPS_MAX_WIRES`` wires, the python tier (a new
circuit's first calls: the kernel library as plain Python with NumPy twins) runs the three
one-wire adjoint steps as whole-state NumPy operations instead of the bit-for-bit twins.
Their contract is agreement, not bits: checked here against the exact twins (the kernels'
bits, tests/test_tiers.py), against each step's definition written independently (the
matrices applied by ``einsum`` on the state as a tensor), and the whole gradient against
the compiled kernels and against parameter shift. The value stays bit for bit (the
forward pass is the exact twins'), and an exported module carries only the exact twins.

The twins' table of entries ``adjoint_mats_into`` (index operations instead of the
kernel's loop) is exact: compared with the kernel's own code bit for bit.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import qsym as qml
from qsym import _aot as aot, _aot_numpy as aot_numpy, _kernels as kernels, _tiers as tiers

LO, HI = aot_numpy.FAST_STEPS_MIN_WIRES, aot_numpy.FAST_STEPS_MAX_WIRES
STEPS = {"real": "_step1_real", "diag": "adjoint_step1_diag", "dense": "adjoint_step1_dense"}


@pytest.fixture(scope="module")
def twins():
    ns = tiers._kernel_twins()
    assert ns, "qsym/kernel_twins.json missing or stale"
    return ns


def _state(rng, dim):
    v = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    return v / np.linalg.norm(v)


def _unitary(rng):
    q, r = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


def _matrices(rng, kind):
    """(A, D) as the kernels store them (flat), and as 2x2 matrices."""
    if kind == "real":
        t = rng.uniform(-3, 3)
        a = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) + 0j
        d = rng.normal(size=(2, 2)) + 0j
        return a.ravel(), d.ravel(), a, d
    if kind == "diag":
        a = np.exp(1j * rng.uniform(-3, 3, 2))
        d = rng.normal(size=2) + 1j * rng.normal(size=2)
        return a, d, np.diag(a), np.diag(d)
    a, d = _unitary(rng), rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    return a.ravel(), d.ravel(), a, d


def _on_wire(m, v, n, w):
    """The 2x2 matrix ``m`` on wire ``w`` of the state ``v``: einsum on its tensor form."""
    t = v.reshape(1 << w, 2, 1 << (n - 1 - w))
    return np.einsum("ij,ajb->aib", m, t).reshape(-1)


@pytest.mark.parametrize("n", [LO, HI])
@pytest.mark.parametrize("kind", sorted(STEPS))
def test_large_state_steps_agree_with_the_exact_twins_and_the_definition(twins, n, kind):
    """On every wire of random normalized ``n``-wire states: ``psi <- A psi``,
    ``lam <- A lam`` and the returned ``Re <lam| D A psi>`` agree with the exact twin
    (the kernel's bits) to 1e-12 and with the definition to 1e-12; the fast step is the
    one the tier runs."""
    name = STEPS[kind]
    fast, exact = aot_numpy.FAST_STEPS[name]
    assert twins[name].__name__ == fast and twins[exact].__name__ == name
    rng = np.random.default_rng(1700 + 10 * n + len(kind))
    dim = 1 << n
    worst = 0.0
    for w in range(n):
        am, dm, a, d = _matrices(rng, kind)
        psi, lam = _state(rng, dim), _state(rng, dim)
        p1, l1, p2, l2 = psi.copy(), lam.copy(), psi.copy(), lam.copy()
        got = twins[name](p1, l1, n, w, am, 0, dm, 0)
        want = twins[exact](p2, l2, n, w, am, 0, dm, 0)
        new_psi = _on_wire(a, psi, n, w)
        defined = np.real(np.vdot(lam, _on_wire(d, new_psi, n, w)))
        for x, y in ((got, want), (p1, p2), (l1, l2), (got, defined), (p1, new_psi),
                     (l1, _on_wire(a, lam, n, w))):
            worst = max(worst, float(np.max(np.abs(np.asarray(x) - np.asarray(y)))))
        assert p1.tobytes() != psi.tobytes()  # (in place, as the kernels)
    assert worst < 1e-12, worst


@pytest.mark.parametrize("n", [LO - 1, HI + 1])
def test_outside_the_range_the_steps_are_the_kernels_bits(twins, n):
    """Below ``FAST_STEPS_MIN_WIRES`` and above ``FAST_STEPS_MAX_WIRES`` wires the tier's
    steps give the exact twins' (the kernels') bits."""
    rng = np.random.default_rng(n)
    for kind, name in STEPS.items():
        _, exact = aot_numpy.FAST_STEPS[name]
        am, dm, _, _ = _matrices(rng, kind)
        psi, lam = _state(rng, 1 << n), _state(rng, 1 << n)
        p1, l1, p2, l2 = psi.copy(), lam.copy(), psi.copy(), lam.copy()
        r1 = twins[name](p1, l1, n, n // 2, am, 0, dm, 0)
        r2 = twins[exact](p2, l2, n, n // 2, am, 0, dm, 0)
        assert (float(r1), p1.tobytes(), l1.tobytes()) == (float(r2), p2.tobytes(),
                                                           l2.tobytes())


def _hea(w, n=LO):
    for i in range(n):
        qml.RY(w[0, i], wires=i)
        qml.RZ(w[1, i], wires=i)
        qml.RX(w[2, i], wires=i)  # a complex one-wire matrix: adjoint_step1_dense
    for i in range(n):
        qml.CNOT(wires=[i, (i + 1) % n])
    for i in range(n):
        qml.RY(w[3, i], wires=i)
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(3) + 0.5 * qml.PauliY(1) + qml.PauliZ(LO - 1))


def test_large_circuits_adjoint_gradient_on_the_python_tier(twins, monkeypatch):
    """A 10-wire circuit's adjoint gradient on the plain-Python kernels: its value bit for
    bit the compiled kernels', its gradient within 1e-12 of theirs (what it is measured
    to be: a few 1e-16) and of the parameter-shift gradient's, and the fast steps ran."""
    monkeypatch.setenv("QSYM_TIER", "python")
    w = np.random.default_rng(17).uniform(-np.pi, np.pi, (4, LO))
    node = qml.QNode(_hea, qml.device("default.qubit", wires=LO), diff_method="adjoint")
    entry = node.compiled((w,), {})[0]
    ran = {}
    for name in STEPS.values():
        fast = aot_numpy.FAST_STEPS[name][0]

        def counted(*args, _f=twins[fast], _n=fast):
            ran[_n] = ran.get(_n, 0) + 1
            return _f(*args)

        monkeypatch.setitem(twins, name, counted)
    tw = types.SimpleNamespace(
        program_value_and_grad_adjoint_into=twins["program_value_and_grad_adjoint_into"])
    x, d = np.asarray(w, dtype=float).ravel(), np.zeros(0)
    out = {}
    for key, k in (("twin", tw), ("compiled", kernels)):
        entry._k_value = entry._k_grad = entry._k_adjoint = k
        out[key] = [np.array(a, dtype=float) for a in entry.value_and_grad_adjoint(x, d)]
    assert sorted(ran) == sorted(f for f, _ in aot_numpy.FAST_STEPS.values())
    assert out["twin"][0].tobytes() == out["compiled"][0].tobytes()
    assert np.max(np.abs(out["twin"][1] - out["compiled"][1])) < 1e-12
    shift = qml.QNode(_hea, qml.device("default.qubit", wires=LO),
                      diff_method="parameter-shift")
    g = qml.grad(shift)(qml.numpy.array(w, requires_grad=True))
    assert np.max(np.abs(out["twin"][1].ravel() - np.ravel(g))) < 1e-12


def test_exports_carry_only_the_exact_twins():
    """The fast steps are qsym's own tier's: an exported module's plain-Python tier
    (tier0_source without extra roots) carries none of them; qsym's shipped twins do."""
    body = [("qsym.kernels", aot._module_body(kernels))]
    export = aot.tier0_source(body)
    assert "def adjoint_step1_diag(" in export
    assert "FAST_STEPS" not in export and "fast_" not in export
    shipped = tiers._kernel_twins()
    assert all(f in shipped for f, _ in aot_numpy.FAST_STEPS.values())


def test_adjoint_mats_into_twin_is_the_kernels_loop_bit_for_bit(twins):
    """The twin (index operations over the whole op table) against the kernel's own loop
    (its Python code: conjugations and copies, the same numbers compiled or not), on
    random tables of every op kind, negative zeros among the entries; a ``CONTROLLED_X``
    op's entries (read by no kernel) are not compared."""
    rng = np.random.default_rng(56)
    kinds = [kernels.DENSE, kernels.DIAGONAL, kernels.CONTROLLED_X, kernels.REAL,
             kernels.PAULI, kernels.PCPHASE]
    for _ in range(100):
        m = int(rng.integers(1, 10))
        nw = rng.integers(1, 4, size=m).astype(np.int64)
        kind = rng.choice(kinds, size=m).astype(np.int64)
        size = np.array([(1 << a) if k == kernels.DIAGONAL else
                         5 if k == kernels.PAULI else 3 if k == kernels.PCPHASE else
                         (1 << a) ** 2 for a, k in zip(nw, kind)])
        off = (np.cumsum(size) - size).astype(np.int64)
        mats = rng.normal(size=size.sum()) + 1j * rng.normal(size=size.sum())
        mats[rng.random(mats.shape[0]) < 0.1] = complex(-0.0, 0.0)
        got, want = np.full_like(mats, np.nan), np.full_like(mats, np.nan)
        twins["adjoint_mats_into"](mats, nw, kind, off, got)
        kernels.adjoint_mats_into.py_func(mats, nw, kind, off, want)
        read = np.ones(mats.shape[0], dtype=bool)
        for k in np.flatnonzero(kind == kernels.CONTROLLED_X):
            read[off[k]:off[k] + size[k]] = False
        assert got[read].tobytes() == want[read].tobytes()
