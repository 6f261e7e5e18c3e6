"""Compiled values and gradients against independent oracles.

- values: the NumPy reference interpreter (qsym._ir.simulate), which shares no code with
  the numba kernels;
- gradients: the exact product-rule derivative with sympy-differentiated gate matrices
  (qsym._symbolic.exact_jacobian: no shift rule), central finite differences of the
  reference interpreter, and for small circuits the fully symbolic sympy derivative.
"""

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _ir as ir, _symbolic as symbolic
from qsym._shapes import flat as _flat

from conftest import ALL_GATES, random_circuit_function

# (the suite's 10-minute budget: four seeds per width; the property suite draws more)
CASES = [(seed, n_wires) for n_wires in (1, 2, 3, 4) for seed in range(4)]


def _inputs(seed):
    r = np.random.default_rng(seed + 100)
    return r.uniform(-np.pi, np.pi, 3), float(r.uniform(-2, 2)), r.uniform(-1, 1, 2)


@pytest.mark.parametrize("seed,n_wires", CASES)
def test_random_circuit_value_and_gradient(seed, n_wires):
    n_meas = 1 + seed % 2
    fn = random_circuit_function(seed, n_wires, n_ops=3 + 2 * n_wires, n_meas=n_meas)
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    x, y, data = _inputs(seed)
    out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
    _, xs, ds = node.compiled((x, y), {"data": data})
    xf, df = _flat(xs), _flat(ds)
    circuit = entry.circuit

    np.testing.assert_allclose(out, ir.simulate(circuit, xf, df), atol=1e-12)
    exact = symbolic.exact_jacobian(circuit, xf, df)
    np.testing.assert_allclose(jac, exact, atol=1e-10)
    fd = symbolic.finite_difference_jacobian(circuit, xf, df, h=1e-5)
    np.testing.assert_allclose(jac, fd, atol=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_small_circuits_against_full_sympy_derivative(seed):
    fn = random_circuit_function(seed + 50, 2, n_ops=4)
    node = qml.QNode(fn, qml.device("default.qubit", wires=2))
    x, y, data = _inputs(seed)
    out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
    circuit = entry.circuit
    (expr,) = symbolic.circuit_expectations(circuit, simplify=False)
    values = ir.input_values(circuit, np.concatenate([x, [y]]), data)
    assert float(expr.xreplace(values)) == pytest.approx(out[0], abs=1e-12)
    for j, s in enumerate(circuit.inputs):
        d = complex(sp.diff(expr, s).xreplace(values).evalf(30))
        assert abs(d.imag) < 1e-12
        assert jac[0, j] == pytest.approx(d.real, abs=1e-10)


def test_finite_diff_method_agrees_with_parameter_shift():
    fn = random_circuit_function(7, 3, n_ops=9)
    dev = qml.device("default.qubit", wires=3)
    ps = qml.QNode(fn, dev)
    fd = qml.QNode(fn, dev, diff_method="finite-diff", h=1e-5, approx_order=4,
                  strategy="center")
    x, y, data = _inputs(7)
    g_ps = qml.grad(ps, argnum=[0, 1])(x, y, data=data)
    g_fd = qml.grad(fd, argnum=[0, 1])(x, y, data=data)
    for a, b in zip(g_ps, g_fd):
        np.testing.assert_allclose(a, b, atol=1e-8)


def test_hamiltonian_coefficients_depending_on_inputs_are_differentiated():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(w):
        qml.RY(w[0], wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Hamiltonian([w[1], w[0] * w[1]], [qml.PauliZ(1), qml.PauliX(0)]))

    w = np.array([0.3, -1.2])
    # <Z1> = cos(w0), <X0> = 0 after the CNOT (the state is cos|00> + sin|11>)
    # f = w1 cos(w0) + w0 w1 * 0
    g = qml.grad(c, argnum=0)(w)
    np.testing.assert_allclose(g, [-w[1] * np.sin(w[0]), np.cos(w[0])], atol=1e-12)


def test_values_are_bit_identical_across_calls_and_qnodes():
    fn = random_circuit_function(3, 3, n_ops=8)
    dev = qml.device("default.qubit", wires=3)
    a, b = qml.QNode(fn, dev), qml.QNode(fn, dev)
    x, y, data = _inputs(3)
    ga = qml.grad(a, argnum=[0, 1])(x, y, data=data)
    gb = qml.grad(b, argnum=[0, 1])(x, y, data=data)
    gc = qml.grad(a, argnum=[0, 1])(x, y, data=data)
    for u, v, w in zip(ga, gb, gc):
        assert np.array_equal(u, v) and np.array_equal(u, w)


WHOLE_TABLE = [(seed, n_wires) for n_wires in (1, 2, 3, 4, 5, 6) for seed in range(2)]


@pytest.mark.parametrize("seed,n_wires", WHOLE_TABLE)
def test_random_circuits_over_the_whole_gate_table(seed, n_wires):
    """Every gate of the table (variable wire counts and hyperparameters included), shared
    and processed parameters: parameter shift equals the exact derivative to 1e-10."""
    fn = random_circuit_function(
        1000 + seed, n_wires, n_ops=4 + 2 * n_wires, n_meas=1 + seed % 2, gates=ALL_GATES
    )
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    x, y, data = _inputs(seed)
    out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
    _, xs, ds = node.compiled((x, y), {"data": data})
    xf, df = _flat(xs), _flat(ds)
    np.testing.assert_allclose(out, ir.simulate(entry.circuit, xf, df), atol=1e-12)
    np.testing.assert_allclose(jac, symbolic.exact_jacobian(entry.circuit, xf, df), atol=1e-10)


@pytest.mark.parametrize("name", ALL_GATES)
def test_each_gate_inside_a_random_circuit(name):
    """Each table row, with random neighbours, wires and hyperparameters."""
    from qsym._gates import GATES

    n_wires = max(GATES[name].num_wires, 3)
    fn = random_circuit_function(
        sum(map(ord, name)), n_wires, n_ops=5, gates=["RY", "CNOT", "RX", "CZ"], include=name
    )
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    x, y, data = _inputs(3)
    out, jac, entry = node.value_and_jacobian((x, y), {"data": data})
    assert name in {op.name for op in entry.circuit.ops}
    _, xs, ds = node.compiled((x, y), {"data": data})
    xf, df = _flat(xs), _flat(ds)
    np.testing.assert_allclose(out, ir.simulate(entry.circuit, xf, df), atol=1e-12)
    np.testing.assert_allclose(jac, symbolic.exact_jacobian(entry.circuit, xf, df), atol=1e-10)


# a few gate kinds (dense, real, diagonal, controlled, two-wire): modules that compile fast
FEW_GATES = ["RX", "RY", "RZ", "CNOT", "CRX", "IsingZZ"]


def _sum_z_function(n_wires, seed):
    """Random gates, then the sum of Z on every wire (and one ZZ word): three or more
    single-Z words are measured together (kernels.SINGLE_Z_TREE)."""
    inner = random_circuit_function(4000 + seed, n_wires, n_ops=3 * n_wires, gates=FEW_GATES)

    def circuit(x, y, data=None):
        inner(x, y, data=data)
        terms = [qml.PauliZ(w) for w in range(n_wires)] + [qml.PauliZ(0) @ qml.PauliZ(1)]
        return qml.expval(qml.Hamiltonian([0.5 + w for w in range(len(terms))], terms))

    return circuit


@pytest.mark.parametrize("seed,n_wires,sum_z", [
    (0, 3, False), (0, 3, True), (1, 8, True),
])  # each case compiles three fused entry points (~5 s each): few cases, every path
def test_fused_and_two_call_paths_are_bit_identical(seed, n_wires, sum_z):
    """Hot small circuits switch to fused entry points (tiered compilation): the switch
    must not change a single bit of any result. The fused gradient runs its own kernel
    (kernels.program_value_and_grad_small_into) below FUSE_MIN_WIRES wires and fewer than
    SINGLE_Z_TREE single-Z words, and hands the others to the serial kernel: both sides.
    (Tiny circuits, written out instead: tests/test_unrolled.py. The returning forms
    ``fused_*(x, d)`` call these ``_into`` forms: tests/test_batch.py.)"""
    if sum_z:
        fn = _sum_z_function(n_wires, seed)
    else:
        fn = random_circuit_function(3000 + seed, n_wires, n_ops=8, n_meas=2, gates=ALL_GATES)
    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    x, y, data = _inputs(seed)
    entry, xs, ds = node.compiled((x, y), {"data": data})
    xf, df = _flat(xs), _flat(ds)
    assert entry.fused or n_wires == 8
    mod = entry.module
    pairs = []
    assert not mod.UNROLLED
    for name in ("value", "value_and_grad", "value_and_grad_adjoint"):
        slow = getattr(type(entry), name)(entry, xf, df)
        pairs.append((slow, entry._fused(name)(xf, df)))  # into arrays made in Python
    for slow, fast in pairs:
        for a, b in zip(np.atleast_1d(slow) if not isinstance(slow, tuple) else slow,
                        np.atleast_1d(fast) if not isinstance(fast, tuple) else fast):
            assert np.array_equal(a, b)
    # the fused gradient links the small kernel only where it runs the program (the sum of
    # single-Z words, 8 wires: the serial kernel), and prepare has one numba signature for
    # the fused entry points and the runtime's calls (a literal mode was one more each)
    link = "program_value_and_grad_{}into as _q_program_value_and_grad_fused_into"
    assert link.format("" if sum_z else "small_") in entry.source
    # likewise the fused value (the single-Z tree's program: program_value_into; stop 61)
    link = "import program_value_{}into as _q_program_value_into"
    assert link.format("" if sum_z else "small_") in entry.source
    from qsym import _tiers as tiers

    sigs = set(mod.prepare.signatures) | set(tiers.cached_signatures(mod.prepare))
    assert len(sigs) == 1, sigs  # (those compiled here and those the cache holds)


@pytest.mark.parametrize("seed,n_wires", [(0, 1), (1, 2), (3, 4)])
def test_small_kernel_equals_the_serial_kernel_bit_for_bit(seed, n_wires):
    """kernels.program_value_and_grad_small_into (fused entry points) against
    program_value_and_grad_into on the same program: an observable coefficient that
    depends on the inputs (its derivative enters the Jacobian), and the same program with
    some terms marked zero-shift (the unshifted value reused; no built-in rule has one,
    user rules may)."""
    from qsym import _kernels as kernels

    inner = random_circuit_function(5000 + seed, n_wires, n_ops=2 + 2 * n_wires,
                                    gates=ALL_GATES)

    def fn(x, y, data=None):
        inner(x, y, data=data)
        return (qml.expval(qml.Hamiltonian([x[0] * y, 0.3], [qml.PauliZ(0), qml.PauliX(0)])),
                qml.expval(qml.PauliY(n_wires - 1)))

    node = qml.QNode(fn, qml.device("default.qubit", wires=n_wires))
    x, y, data = _inputs(seed)
    entry, xs, ds = node.compiled((x, y), {"data": data})
    mats, smats, ch, C, cc, _ = entry.module.prepare(_flat(xs), _flat(ds), 1)
    assert cc.shape[0] > 0
    ints0, floats = (a.copy() for a in entry.module.PROGRAM)
    n_out, n_in = entry.module.NUM_OUTPUTS, entry.module.NUM_INPUTS
    for zero in (False, True):
        ints = ints0.copy()
        if zero:  # every other term: the unshifted value, times the term's coefficient
            term_zero = kernels.unpack_program(ints)[9]
            term_zero[::2] = 1
        results = []
        for kernel in (kernels.program_value_and_grad_into,
                       kernels.program_value_and_grad_small_into):
            out, jac = np.full(n_out, np.nan), np.full((n_out, n_in), np.nan)
            kernel(ints, floats, mats, smats, ch, C, cc, out, jac)
            results.append((out, jac))
        assert np.array_equal(results[0][0], results[1][0])
        assert np.array_equal(results[0][1], results[1][1])
        assert np.all(np.isfinite(results[1][1]))
    # the small value kernel (a small circuit's fused value, issue #17) against
    # program_value_into: the same bits
    values = []
    for kernel in (kernels.program_value_into, kernels.program_value_small_into):
        out = np.full(n_out, np.nan)
        kernel(ints0, floats, mats, C, out)
        values.append(out)
    assert np.array_equal(values[0], values[1]) and np.all(np.isfinite(values[1]))


def test_tiered_switch_happens_after_the_threshold(monkeypatch):
    """Without a disk cache (compiled in this process): tier 0, the module at
    tiers.COMPILE_AFTER_CALLS calls, fused after FUSE_AFTER_CALLS more; not a bit changes.
    (The background compile with a cache: tests/test_tiers.py.)"""
    from qsym import _runtime as runtime, _tiers as tiers

    monkeypatch.setenv("QSYM_CACHE", "0")
    monkeypatch.delenv("QSYM_TIER", raising=False)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_CALLS", 2)
    monkeypatch.setattr(tiers, "COMPILE_AFTER_SECONDS", 1e9)  # calls only
    monkeypatch.setattr(tiers, "_warned", True)  # (its stderr line: tests/test_tiers.py)
    monkeypatch.setattr(runtime, "FUSE_AFTER_CALLS", 3)
    node = qml.QNode(random_circuit_function(11, 2, n_ops=4), qml.device("default.qubit", wires=2))
    x, y, data = _inputs(11)
    results = [qml.grad(node, argnum=[0, 1])(x, y, data=data)]
    entry = node.compiled((x, y), {"data": data})[0]
    assert entry.tier == "python"
    results += [qml.grad(node, argnum=[0, 1])(x, y, data=data) for _ in range(8)]
    assert entry.tier == "fused"
    assert entry.value_and_grad.fused is entry.module.fused_value_and_grad_into
    for r in results[1:]:
        for a, b in zip(r, results[0]):
            assert np.array_equal(a, b)
