"""Measurements and gates on many wires: nothing printed or compiled grows like 2^k or 4^k.

Issue #15, items 8 and 9: ``qml.probs()`` over 12 wires did not finish in 150 s (its
2^k outcomes were 2^k rows of 2^k Pauli words, a 4096 x 4096 coefficient table printed
into the module); a 6-wire ``PauliRot`` did not finish in 180 s (8192 printed matrix
entries for numba to compile). Probabilities are now measured as marginals of
|amplitude|^2 and the gates on many wires are stored in structured forms applied by
kernels of their own (``qsym._gates.structured``). Sizes are asserted on the emitted
source (never timings); values and derivatives against references written here with
``np.kron`` and the cos/sin formula, the NumPy reference interpreter, and finite
differences.
"""

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _emit as emit, _gates as gates, _ir as ir, _kernels as kernels, _program as program, rules
from qsym._ir import Circuit, Measurement, Op
from qsym._plan import make_plan

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])
I2 = np.eye(2, dtype=complex)
LETTER = {"I": I2, "X": X, "Y": Y, "Z": Z}


def kron_word(word):
    out = np.ones((1, 1), dtype=complex)
    for letter in word:
        out = np.kron(out, LETTER[letter])
    return out


def pauli_rot(t, word):
    """exp(-i t P / 2) = cos(t/2) I - i sin(t/2) P (P^2 = I), built by hand."""
    return np.cos(t / 2) * np.eye(2 ** len(word)) - 1j * np.sin(t / 2) * kron_word(word)


def hea_probs_circuit(n):
    xs = sp.symbols(f"x0:{n}", real=True)
    ops = tuple(Op("RY", (w,), (xs[w],)) for w in range(n))
    ops += tuple(Op("CNOT", (w, w + 1)) for w in range(n - 1))
    return Circuit(n, ops, (Measurement("probs", on=tuple(range(n))),), inputs=xs)


def table_size(src, name):
    """The number of elements of a module-level table of the generated source."""
    line = next(ln for ln in src.splitlines() if ln.startswith(f"{name} = np.array"))
    return len(line.split('"')[1].split())


# --- item 8: probabilities ---------------------------------------------------------------
def test_probs_over_many_wires_emit_grows_like_2_to_the_k_not_4_to_the_k():
    sizes = {}
    for n in (8, 12):
        c = hea_probs_circuit(n)
        plan = make_plan(c)
        assert plan.num_outputs == 2**n and plan.probs == 2**n and plan.coeffs == ()
        src = emit.emit_module(c, plan)
        assert table_size(src, "_q_C0") == 0  # no coefficient table for probabilities
        sizes[n] = len(src)
    # 16x the outcomes: the program's word tables grow 16x, the rest not at all (main
    # printed a 2^k x 2^k table: 256x; the 12-wire module was hundreds of megabytes)
    assert sizes[12] < 150_000
    assert sizes[12] < 20 * sizes[8]


def test_probs_over_twelve_wires_values_and_jacobians():
    n = 12
    dev = qml.device("default.qubit", wires=n)
    x = np.linspace(0.1, 1.2, n)
    # |psi|^2 of the reference state (the NumPy interpreter), wires in the order asked for
    c = hea_probs_circuit(n)
    psi = ir.final_state(c, x)
    order = [3, 0, 11, 5]
    p_all = np.abs(psi) ** 2
    p_sub = np.transpose(p_all.reshape((2,) * n), order + [w for w in range(n)
                                                           if w not in order]).reshape(16, -1)
    for method in ("parameter-shift", "adjoint"):

        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            for w in range(n):
                qml.RY(x[w], wires=w)
            for w in range(n - 1):
                qml.CNOT(wires=[w, w + 1])
            return qml.probs(), qml.expval(qml.PauliZ(4)), qml.probs(wires=order)

        p, z4, sub = circuit(x)
        np.testing.assert_allclose(p, p_all, atol=1e-14)
        np.testing.assert_allclose(sub, p_sub.sum(axis=1), atol=1e-14)
        signs = np.array([(-1) ** ((i >> (n - 1 - 4)) & 1) for i in range(2**n)])
        assert abs(z4 - signs @ p_all) < 1e-13
        jp, jz, js = qml.jacobian(circuit, argnum=0)(x)
        assert jp.shape == (2**n, n) and js.shape == (16, n)
        h = 1e-6
        fd = np.stack([(np.abs(ir.final_state(c, x + h * e)) ** 2
                        - np.abs(ir.final_state(c, x - h * e)) ** 2) / (2 * h)
                       for e in np.eye(n)], axis=1)
        np.testing.assert_allclose(jp, fd, atol=1e-8, err_msg=method)
        np.testing.assert_allclose(jz, signs @ fd, atol=1e-8, err_msg=method)
        fd_sub = np.transpose(fd.reshape((2,) * n + (n,)), order + [
            w for w in range(n) if w not in order] + [n]).reshape(16, -1, n).sum(axis=1)
        np.testing.assert_allclose(js, fd_sub, atol=1e-8, err_msg=method)


def test_probability_outcome_numbering_matches_the_kernel():
    # the outcome index of a probability word is the kernel's marginal_probs numbering
    rng = np.random.default_rng(3)
    n = 5
    state = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    on = (3, 0, 4)
    z = sum(1 << (n - 1 - w) for w in on)
    hist = kernels.marginal_probs(state, z)
    p = np.abs(state.reshape((2,) * n)) ** 2
    ref = np.transpose(p, list(on) + [1, 2]).reshape(8, -1).sum(axis=1)
    from qsym._plan import ProbWord

    for b in range(8):
        assert abs(hist[program._outcome_index(ProbWord(on, b), n)] - ref[b]) < 1e-12


# --- item 9: gates on many wires ---------------------------------------------------------
def test_pauli_rot_on_six_wires_lowers_to_the_structured_kernel():
    a = sp.Symbol("a", real=True)
    ops = tuple(Op("Hadamard", (w,)) for w in range(6))
    ops += (Op("PauliRot", (0, 1, 2, 3, 4, 5), (a,), (("pauli_word", "XYZXZY"),)),)
    c = Circuit(6, ops, (Measurement("expval", ((sp.S(1), ((0, "Z"), (1, "X"))),)),),
                inputs=(a,))
    src = emit.emit_module(c, make_plan(c))
    ints = np.array([int(v) for v in src.split('PROGRAM_INTS = np.array([int(v) for v in "')[1]
                     .split('"')[0].split()])
    op_kind = kernels.unpack_program(ints)[2]
    assert list(op_kind) == [kernels.REAL] * 6 + [kernels.PAULI]
    # the gate's code: a and b and three mask constants, not 4096 entries
    gate_code = src.split("def _q_gate(")[1].split("@njit")[0]
    assert gate_code.count("out[off + ") == 5
    assert table_size(src, "_q_MATS0") == 6 * 4 + 5
    assert len(src) < 20_000


@pytest.fixture(scope="module")
def pauli_rot_nodes():
    dev = qml.device("default.qubit", wires=6)
    nodes = {}
    for method in ("parameter-shift", "adjoint"):

        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            for w in range(6):
                qml.Hadamard(wires=w)
            qml.RX(x[1], wires=2)
            qml.PauliRot(x[0], "XYZXZY", wires=[5, 0, 1, 2, 3, 4])
            return qml.expval(qml.PauliZ(0) @ qml.PauliY(5))

        nodes[method] = circuit
    return nodes


def test_pauli_rot_on_six_wires_against_a_hand_built_matrix(pauli_rot_nodes):
    # reference: np.kron and the cos/sin formula; wires [5, 0, 1, 2, 3, 4] carry the
    # letters X Y Z X Z Y, i.e. wire 0..5 carry Y Z X Z Y X
    plus = np.full(64, 1 / 8, dtype=complex)
    rx = np.array([[np.cos(0.35), -1j * np.sin(0.35)], [-1j * np.sin(0.35), np.cos(0.35)]])
    RX2 = np.kron(np.kron(np.eye(4), rx), np.eye(8))
    O = kron_word("ZIIIIY")
    for t in (0.0, 0.4, -2.1):
        U = pauli_rot(t, "YZXZYX")
        dU = -0.5 * np.sin(t / 2) * np.eye(64) - 0.5j * np.cos(t / 2) * kron_word("YZXZYX")
        psi = U @ RX2 @ plus
        value = np.vdot(psi, O @ psi).real
        grad = 2 * np.vdot(dU @ RX2 @ plus, O @ psi).real
        for method, node in pauli_rot_nodes.items():
            x = np.array([t, 0.7])
            assert abs(node(x) - value) < 1e-13, method
            g = qml.grad(node, argnum=0)(x)
            assert abs(g[0] - grad) < 1e-12, method


@pytest.mark.parametrize("name,k,hyper,params", [
    ("PauliRot", 4, (("pauli_word", "XYZX"),), [0.83]),
    ("PauliRot", 5, (("pauli_word", "YIZXY"),), [-1.3]),
    ("PauliRot", 4, (("pauli_word", "ZIZZ"),), [2.2]),
    ("PauliRot", 4, (("pauli_word", "IIII"),), [0.4]),
    ("MultiRZ", 5, (), [0.9]),
    ("MultiControlledX", 4, (("control_values", (1, 0, 1)),), []),
    ("MultiControlledX", 5, (), []),
    ("PCPhase", 4, (("dim", 5),), [0.6]),
    ("PCPhase", 4, (("dim", 16),), [0.6]),
    ("PCPhase", 5, (("dim", 0),), [0.6]),
    ("GlobalPhase", 4, (), [1.1]),
    ("Identity", 4, (), []),
])
def test_structured_kernels_apply_the_gate_matrix(name, k, hyper, params):
    rng = np.random.default_rng(k)
    n = 6
    wires = np.array([int(w) for w in rng.permutation(n)[:k]], dtype=np.int64)
    state = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    kind = program.KIND[gates.storage(name, k, hyper)]
    assert kind in (kernels.PAULI, kernels.PCPHASE)
    # the dense reference: the sympy matrix of the table row (exact), applied by tensordot
    syms = sp.symbols(f"p0:{len(params)}", real=True)
    exact = gates.gate_def(name).sympy_matrix(syms, k, hyper).subs(dict(zip(syms, params)))
    U = np.array(exact.evalf(), dtype=complex)
    np.testing.assert_allclose(gates.numeric_matrix_function(name, k, hyper)(*params), U,
                               atol=1e-15)
    ref = ir.apply_matrix(state.reshape((2,) * n), U, tuple(wires)).reshape(-1)
    mats = gates.stored_entries(name, params, k, hyper)
    assert mats.shape[0] == gates.stored_size(name, k, hyper) <= 5
    out = state.copy()
    kernels.apply_op(out, n, wires, k, kind, mats, 0)
    np.testing.assert_allclose(out, ref, atol=1e-14)
    # the adjoint's stored form applies U^+
    amats = np.empty_like(mats)
    kernels.adjoint_mats_into(mats, np.array([k]), np.array([kind]), np.array([0]), amats)
    back = ref.copy()
    kernels.apply_op(back, n, wires, k, kind, amats, 0)
    np.testing.assert_allclose(back, state, atol=1e-13)
    # the printed gate code (prepare's) and its derivative (the adjoint method's)
    for derivative in ([None, 0] if params else [None]):
        lines = emit.gate_body(name, k, hyper, derivative)
        assert len(lines) <= 12
        env = {"math": __import__("math"), "out": np.zeros(mats.shape[0], dtype=complex),
               "off": 0, "p0": params[0] if params else 0.0}
        exec("\n".join(lines), env)
        if derivative is None:
            np.testing.assert_allclose(env["out"], mats, atol=1e-15)
            continue
        h = 1e-6
        dU = (gates.numeric_matrix_function(name, k, hyper)(params[0] + h)
              - gates.numeric_matrix_function(name, k, hyper)(params[0] - h)) / (2 * h)
        dref = ir.apply_matrix(state.reshape((2,) * n), dU, tuple(wires)).reshape(-1)
        dout = state.copy()
        kernels.apply_op(dout, n, wires, k, kind, env["out"], 0)
        np.testing.assert_allclose(dout, dref, atol=1e-8)


@pytest.mark.parametrize("name,hyper", [
    ("PauliRot", (("pauli_word", "XYZX"),)), ("PauliRot", (("pauli_word", "IZII"),)),
    ("PauliRot", (("pauli_word", "IIII"),)), ("MultiRZ", ()), ("GlobalPhase", ()),
    ("PCPhase", (("dim", 0),)), ("PCPhase", (("dim", 3),)), ("PCPhase", (("dim", 16),)),
])
def test_rule_of_a_wide_gate_is_that_of_its_one_wire_variant(name, hyper):
    # exactly: the frequencies of the 4-wire matrix equal those of the variant whose rule
    # is used (qsym._gates.rule_variant), so the rule is the k-wire gate's own
    t = sp.Symbol("t", real=True)
    U = gates.gate_def(name).sympy_matrix((t,), 4, hyper)
    op = Op(name, (0, 1, 2, 3), (t,), hyper)
    assert rules.frequencies_from_matrix(U, t) == rules.rule_for_op(op, 0).frequencies
    assert gates.rule_variant(name, 4, hyper)[0] == 1


def test_multi_controlled_x_and_pc_phase_on_ten_wires():
    # constant and parametric gates on 10 wires: a few stored numbers each; values against
    # the reference interpreter, gradients against finite differences
    n = 10
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(x):
        for w in range(n):
            qml.RY(x[0] * (w + 1) / n, wires=w)
        qml.MultiControlledX(wires=list(range(n)), control_values=[1, 0] * 4 + [1])
        qml.PCPhase(x[1], dim=300, wires=list(range(n)))
        qml.MultiRZ(x[1], wires=list(range(1, n)))
        qml.Hadamard(wires=0)
        return qml.expval(qml.PauliX(0) @ qml.PauliZ(9))

    x = np.array([0.9, 0.4])
    entry, xs, ds = circuit.compiled((x,), {})
    assert len(entry.source) < 30_000
    ref = ir.simulate(entry.circuit, xs, ds)[0]
    assert abs(circuit(x) - ref) < 1e-13
    h = 1e-6
    fd = [(ir.simulate(entry.circuit, x + h * e)[0] - ir.simulate(entry.circuit, x - h * e)[0])
          / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(qml.grad(circuit, argnum=0)(x), fd, atol=1e-8)


def test_projector_on_ten_wires_expval_and_var():
    # 2^10 Z words; var squares them in NumPy (Z_a Z_b = Z_(a xor b)): sympy's 4^10
    # products did not finish
    n = 10
    bits = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit(x):
        for w in range(n):
            qml.RY(x[w % 2] + 0.1 * w, wires=w)
        return (qml.expval(qml.Projector(bits, wires=range(n))),
                qml.var(qml.Projector(bits, wires=range(n))))

    x = np.array([2.1, 0.7])
    # the outcome's probability from one-wire factors: RY(t)|0> = (cos t/2, sin t/2)
    def prob(x):
        return np.prod([np.sin((x[w % 2] + 0.1 * w) / 2) ** 2 if b else
                        np.cos((x[w % 2] + 0.1 * w) / 2) ** 2 for w, b in enumerate(bits)])

    p = prob(x)
    e, v = circuit(x)
    assert abs(e - p) < 1e-13 and abs(v - (p - p**2)) < 1e-13
    h = 1e-6
    dp = np.array([(prob(x + h * u) - prob(x - h * u)) / (2 * h) for u in np.eye(2)])
    je, jv = qml.jacobian(circuit, argnum=0)(x)
    np.testing.assert_allclose(je, dp, atol=1e-9)
    np.testing.assert_allclose(jv, (1 - 2 * p) * dp, atol=1e-9)


def test_hermitian_decomposition_reconstructs_the_matrix():
    # the per-wire transform of qsym._operations._pauli_decomposition against the matrix
    rng = np.random.default_rng(5)
    k = 5
    a = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
    a = a + a.conj().T
    wires = [3, 0, 4, 1, 2]
    obs = qml.Hermitian(a, wires=wires)
    back = np.zeros((2**k, 2**k), dtype=complex)
    for word, c in obs.terms.items():
        letters = dict(word)
        back += c * kron_word("".join(letters.get(w, "I") for w in wires))
    np.testing.assert_allclose(back, a, atol=1e-12)


def test_adjoint_refuses_probabilities_whose_states_do_not_fit(monkeypatch):
    # the adjoint method keeps one backward state per output (2^k for probs on k wires):
    # refused before anything is compiled when they do not fit, saying what to do
    from qsym import devices

    monkeypatch.setattr(devices, "available_memory", lambda: 10_000)
    dev = qml.device("default.qubit", wires=6)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(x):
        qml.RY(x, wires=0)
        return qml.probs()

    with pytest.raises(qml.DeviceError, match="parameter-shift"):
        qml.jacobian(circuit, argnum=0)(0.3)


def test_written_out_probabilities_give_the_kernels_bits(monkeypatch):
    # a tiny circuit with probabilities is written out (qsym._emit.unrolled_functions): its
    # probabilities summed as kernels.marginal_probs sums them, the same bits
    monkeypatch.setattr(emit, "UNROLL_MAX_OPS", 10**6)
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT(wires=[0, 2])
        qml.RY(x[0] * x[1], wires=2)
        return qml.probs(wires=[2, 0]), qml.expval(qml.PauliX(1)), qml.probs(wires=[1])

    x = np.array([0.7, -1.2])
    entry, xs, ds = circuit.compiled((x,), {})
    mod = entry.module
    assert mod.UNROLLED and entry.plan.probs == 6
    d = np.zeros(0)
    for name in ("value", "value_and_grad"):
        two_call = getattr(type(entry), name)(entry, x, d)
        fused = getattr(mod, "fused_" + name)(x, d)
        for u, v in zip(two_call if isinstance(two_call, tuple) else (two_call,),
                        fused if isinstance(fused, tuple) else (fused,)):
            assert u.shape == v.shape and np.array_equal(u, v)
    out, jac = mod.fused_value_and_grad(x, d)
    # outputs: the expectation (a linear row), then the probabilities (qsym._ir.post_layout)
    np.testing.assert_allclose(out, ir.simulate(entry.circuit, x)[[4, 0, 1, 2, 3, 5, 6]],
                               atol=1e-14)
    h = 1e-6
    fd = np.stack([(ir.simulate(entry.circuit, x + h * e) - ir.simulate(entry.circuit, x - h * e))
                   / (2 * h) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(jac, fd[[4, 0, 1, 2, 3, 5, 6]], atol=1e-9)
