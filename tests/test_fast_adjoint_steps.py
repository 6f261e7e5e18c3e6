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


def _counting(twins, monkeypatch, names):
    """Wrap the twins' fast functions of ``names`` (kernel names) to count their calls."""
    ran = {}
    for name in names:
        fast = aot_numpy.FAST_STEPS[name][0]

        def counted(*args, _f=twins[fast], _n=fast):
            ran[_n] = ran.get(_n, 0) + 1
            return _f(*args)

        monkeypatch.setitem(twins, name, counted)
    return ran


def _twin_and_compiled(twins, entry, x, d):
    """The entry's adjoint (values, Jacobian) on the plain-Python kernels and on the
    compiled kernel library, both by the op-by-op entry point (tier 0's below 14 wires;
    compiled: the numba sweep, an independent implementation)."""
    tw = types.SimpleNamespace(
        program_value_and_grad_adjoint_into=twins["program_value_and_grad_adjoint_into"])
    out = {}
    for key, k in (("twin", tw), ("compiled", kernels)):
        entry._k_value = entry._k_grad = entry._k_adjoint = k
        out[key] = [np.array(a, dtype=float) for a in entry.value_and_grad_adjoint(
            x, d, kernel="program_value_and_grad_adjoint_into")]
    return out


@pytest.mark.parametrize("sweep", ["blocks", "steps"])
def test_large_circuits_adjoint_gradient_on_the_python_tier(twins, monkeypatch, sweep):
    """A 10-wire circuit's adjoint gradient on the plain-Python kernels: its value bit for
    bit the compiled kernels', its gradient within 1e-12 of theirs (what it is measured
    to be: a few 1e-16) and of the parameter-shift gradient's. ``blocks``: the tier's
    sweep (``fast_adjoint_into``) ran; ``steps``: with no room for its kept states the
    kernel's own sweep ran instead, with the fast steps."""
    monkeypatch.setenv("QSYM_TIER", "python")
    w = np.random.default_rng(17).uniform(-np.pi, np.pi, (4, LO))
    node = qml.QNode(_hea, qml.device("default.qubit", wires=LO), diff_method="adjoint")
    entry = node.compiled((w,), {})[0]
    if sweep == "steps":
        monkeypatch.setitem(twins, "FAST_ADJOINT_STORE_BYTES", 0)
    ran = _counting(twins, monkeypatch, list(STEPS.values()) + ["_adjoint_into"])
    x, d = np.asarray(w, dtype=float).ravel(), np.zeros(0)
    out = _twin_and_compiled(twins, entry, x, d)
    assert ran["fast_adjoint_into"] == 1
    assert (sorted(ran) == sorted(f for f, _ in aot_numpy.FAST_STEPS.values())
            if sweep == "steps" else sorted(ran) == ["fast_adjoint_into"])
    assert out["twin"][0].tobytes() == out["compiled"][0].tobytes()
    assert np.max(np.abs(out["twin"][1] - out["compiled"][1])) < 1e-12
    shift = qml.QNode(_hea, qml.device("default.qubit", wires=LO),
                      diff_method="parameter-shift")
    g = qml.grad(shift)(qml.numpy.array(w, requires_grad=True))
    assert np.max(np.abs(out["twin"][1].ravel() - np.ravel(g))) < 1e-12


def _mixed(n):
    """Every case of the tier's sweep: blocks of one-wire ops of each kind (REAL RY,
    DIAGONAL PhaseShift, DENSE Rot with three slots on one op, RX sharing RY's parameter),
    differentiated two-wire ops (CRX, IsingZZ), a CNOT run, a Toffoli, a PauliRot, one
    circuit parameter in two gates, three measurements (a sum with X and Y words, one Z,
    probabilities)."""
    def circuit(w):
        for i in range(n):
            qml.Rot(w[0, i], w[1, i], 0.3 * w[2, i], wires=i)
            qml.PhaseShift(w[2, i], wires=i)
            qml.RY(w[3, i], wires=i)
        qml.CRX(w[3, 0], wires=[0, 1])
        qml.IsingZZ(w[3, 1], wires=[2, n - 1])
        for i in range(n - 1):
            qml.CNOT(wires=[i, i + 1])
        qml.Toffoli(wires=[0, 1, 2])
        qml.PauliRot(w[3, 2], "XY", wires=[1, 3])
        qml.RY(w[1, 3], wires=2)
        qml.RX(w[1, 3], wires=0)
        return (qml.expval(qml.PauliZ(0) + 0.5 * qml.PauliX(1) @ qml.PauliY(2)),
                qml.expval(qml.PauliZ(n - 1)), qml.probs(wires=[0, 3]))
    return circuit


@pytest.mark.parametrize("n", [LO, HI])
def test_block_sweep_agrees_with_the_compiled_kernels_on_every_case(twins, monkeypatch, n):
    """The tier's sweep (kept states, blocks of one-wire ops by groups of 4 index bits: at
    10 wires groups of 4, 4, 2, at 13 of 4, 4, 4, 1; CNOT runs; the other ops one by one)
    on the circuit of every case, three outputs: the values bit for bit the compiled
    kernels', the Jacobian within 1e-12 of theirs and (10 wires) of the exact twins'
    sweep."""
    monkeypatch.setenv("QSYM_TIER", "python")
    w = np.random.default_rng(n).uniform(-np.pi, np.pi, (4, n))
    node = qml.QNode(_mixed(n), qml.device("default.qubit", wires=n), diff_method="adjoint")
    entry = node.compiled((w,), {})[0]
    ran = _counting(twins, monkeypatch, ["_adjoint_into"])
    x, d = np.asarray(w, dtype=float).ravel(), np.zeros(0)
    out = _twin_and_compiled(twins, entry, x, d)
    assert ran == {"fast_adjoint_into": 1}
    others = [out["compiled"][1]]
    if n == LO:  # (13 wires: six lam rows on the exact twins cost a second)
        monkeypatch.setitem(twins, "_adjoint_into", twins["exact_adjoint_into"])
        others.append(_twin_and_compiled(twins, entry, x, d)["twin"][1])
    assert out["twin"][1].shape == (6, 4 * n)
    assert np.max(np.abs(out["twin"][1])) > 0.1
    assert out["twin"][0].tobytes() == out["compiled"][0].tobytes()
    for other in others:
        assert np.max(np.abs(out["twin"][1] - other)) < 1e-12


def test_block_sweep_from_several_threads_gives_one_answer(twins, monkeypatch):
    """The tier's sweep keeps no state between calls but the memoized permutations and
    index tables: four threads at once give the single thread's bits."""
    import threading

    monkeypatch.setenv("QSYM_TIER", "python")
    w = np.random.default_rng(5).uniform(-np.pi, np.pi, (4, LO))
    node = qml.QNode(_hea, qml.device("default.qubit", wires=LO), diff_method="adjoint")
    entry = node.compiled((w,), {})[0]
    tw = types.SimpleNamespace(
        program_value_and_grad_adjoint_into=twins["program_value_and_grad_adjoint_into"])
    entry._k_value = entry._k_grad = entry._k_adjoint = tw
    x, d = np.asarray(w, dtype=float).ravel(), np.zeros(0)
    one = np.array(entry.value_and_grad_adjoint(x, d)[1]).tobytes()
    monkeypatch.setitem(twins, "_NP_MEMO", {})  # (the tables made while threads race)
    got, errors = [], []

    def run():
        try:
            for _ in range(3):
                got.append(np.array(entry.value_and_grad_adjoint(x, d)[1]).tobytes())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(got) == 12 and set(got) == {one}


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
