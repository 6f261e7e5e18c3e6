"""Circuit functions that cannot be traced once run at every call, as PennyLane runs them
(issue #18): random draws inside the circuit function, numbers of trainable inputs
(``float(x)``, ``x.item()``, ``if x > 0:``, a library that takes only numbers). Every
expected number here is computed independently: one-qubit states by hand-written
matrices, derivatives of those formulas by central finite differences, and a second
QNode traced once with the drawn term fixed."""

from __future__ import annotations

import random
import threading

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

DEV = qml.device("default.qubit", wires=1)
I2 = onp.eye(2)
PX = onp.array([[0, 1], [1, 0]], dtype=complex)
PY = onp.array([[0, -1j], [1j, 0]])
PZ = onp.diag([1.0, -1.0]).astype(complex)
TERMS = onp.array([PZ, PX, 2.0 * PY])  # drawn inside the circuit


def rx(t):
    return onp.cos(t / 2) * I2 - 1j * onp.sin(t / 2) * PX


def ry(t):
    return onp.cos(t / 2) * I2 - 1j * onp.sin(t / 2) * PY


def expval(ops, obs):
    """<0| U^dag obs U |0> for U the product of ``ops`` (applied in order), by hand."""
    psi = onp.array([1, 0], dtype=complex)
    for m in ops:
        psi = m @ psi
    return float(onp.real(psi.conj() @ obs @ psi))


def central(f, x, h=1e-6):
    x = onp.asarray(x, dtype=float)
    g = onp.zeros_like(x)
    for i in range(x.size):
        e = onp.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def stochastic(**options):
    """The doubly stochastic demo's pattern: a Hamiltonian term drawn with plain
    numpy.random inside the circuit function, new at every call."""
    @qml.qnode(DEV, **options)
    def circuit(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=0)
        idx = onp.random.choice(onp.arange(3), size=1, replace=False)
        return qml.expval(qml.Hermitian(onp.sum(TERMS[idx], axis=0), wires=0))

    return circuit


def next_draws(n, seed):
    onp.random.seed(seed)
    return [int(onp.random.choice(onp.arange(3), size=1, replace=False)[0]) for _ in range(n)]


def value_of(term, w):
    return expval([rx(w[0]), ry(w[1])], TERMS[term])


def test_a_term_drawn_inside_the_circuit_gives_each_calls_exact_value_and_gradient():
    w = np.array([0.4, -0.7], requires_grad=True)
    circuit = stochastic()
    draws = next_draws(12, seed=11)
    assert set(draws) == {0, 1, 2}
    onp.random.seed(11)
    values = [float(circuit(w)) for _ in range(6)]
    grads = [qml.grad(circuit)(w) for _ in range(6)]
    assert values == pytest.approx([value_of(t, w) for t in draws[:6]], abs=1e-12)
    for g, t in zip(grads, draws[6:]):
        want = central(lambda v, t=t: value_of(t, v), w)
        assert onp.allclose(g, want, atol=1e-8)
    # one draw per call, as PennyLane: the generator is where 12 draws leave it
    after = onp.random.get_state()
    next_draws(12, seed=11)
    assert onp.array_equal(after[1], onp.random.get_state()[1])
    assert circuit.per_call and "random" in circuit.per_call
    assert 1 <= len(circuit._per_call_cache) <= 3  # one compiled structure per term


def test_the_gradient_is_the_drawn_terms_own_by_a_second_method():
    """The per-call gradient equals the adjoint gradient of a QNode traced once with the
    drawn term written in (a second method, another trace)."""
    w = np.array([1.1, 0.3], requires_grad=True)
    circuit = stochastic(diff_method="parameter-shift")
    for seed in range(4):
        (term,) = next_draws(1, seed)

        @qml.qnode(DEV, diff_method="adjoint")
        def fixed(v):
            qml.RX(v[0], wires=0)
            qml.RY(v[1], wires=0)
            return qml.expval(qml.Hermitian(TERMS[term], wires=0))

        onp.random.seed(seed)
        assert onp.allclose(qml.grad(circuit)(w), qml.grad(fixed)(w), atol=1e-12)
        assert fixed.per_call is None


def test_a_hybrid_cost_draws_once_and_differentiates_that_draw():
    """qml.grad of a cost around the QNode: autograd's forward pass and its Jacobian are
    of one call's circuit (PennyLane differentiates the tape it ran), one draw each."""
    w = np.array([0.2, 0.9], requires_grad=True)
    circuit = stochastic()

    def loss(v):
        return 4 + 5 * circuit(v) ** 2

    for seed in (1, 2, 3):
        (term,) = next_draws(1, seed)
        onp.random.seed(seed)
        g = qml.grad(loss)(w)
        want = central(lambda v: 4 + 5 * value_of(term, v) ** 2, w)
        assert onp.allclose(g, want, atol=1e-7)
        after = onp.random.get_state()
        next_draws(1, seed)
        assert onp.array_equal(after[1], onp.random.get_state()[1])  # drawn once


def test_tracker_counts_one_execution_per_call_and_threads_agree():
    @qml.qnode(DEV)
    def pauli(x):
        qml.RY(x, wires=0)
        obs = qml.PauliZ(0) if random.random() < 0.5 else qml.PauliX(0)
        return qml.expval(obs)

    with qml.Tracker(DEV) as tracker:
        for _ in range(5):
            pauli(0.3)
    assert tracker.totals["executions"] == 5 and tracker.totals["batches"] == 5
    results, errors = [], []
    allowed = (onp.cos(0.3), onp.sin(0.3))

    def work():
        try:
            for _ in range(10):
                results.append(float(pauli(0.3)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 30
    assert all(min(abs(r - a) for a in allowed) < 1e-12 for r in results)


def test_a_branch_on_an_input_differentiates_the_branch_taken():
    @qml.qnode(DEV)
    def branch(x):
        if x > 0:
            qml.RX(x, wires=0)
            return qml.expval(qml.PauliZ(0))
        qml.RY(2 * x, wires=0)
        return qml.expval(qml.PauliX(0))

    for x in (0.4, -0.4, 1.3, -1.3):
        f = (lambda v: onp.cos(v)) if x > 0 else (lambda v: onp.sin(2 * v))
        t = np.array(x, requires_grad=True)
        assert float(branch(t)) == pytest.approx(f(x), abs=1e-12)
        assert float(qml.grad(branch)(t)) == pytest.approx(central(f, x), abs=1e-8)
    assert "x" in branch.per_call


def test_numbers_of_inputs_give_values_and_a_derivative_by_them_is_refused():
    @qml.qnode(DEV)
    def by_value(x, y):
        qml.RX(float(x), wires=0)  # a number, not the input
        qml.RY(y, wires=0)
        return qml.expval(qml.PauliZ(0))

    x, y = np.array(0.5, requires_grad=True), np.array(-0.8, requires_grad=True)
    assert float(by_value(x, y)) == pytest.approx(onp.cos(0.5) * onp.cos(-0.8), abs=1e-12)
    with pytest.raises(qml.DifferentiationError, match=r"cannot differentiate by x.*float\(x\)") \
            as info:
        qml.grad(by_value)(x, y)
    # the run on autograd's values failed first (float() of a box): kept as the cause
    assert isinstance(info.value.__cause__, TypeError) and "ArrayBox" in str(info.value)
    # the input that reaches its gate is differentiated exactly
    gy = qml.grad(by_value, argnum=1)(x, y)
    assert float(gy) == pytest.approx(-onp.cos(0.5) * onp.sin(-0.8), abs=1e-12)
    with pytest.raises(qml.DifferentiationError, match=r"x"):
        qml.jacobian(by_value)(x, y)


def _expm_numbers(h):
    """exp(-i h) of a Hermitian matrix by NumPy's eigh, which takes only numbers (as
    scipy.linalg.expm of the stochastic parameter-shift demo)."""
    lam, vec = onp.linalg.eigh(onp.asarray(h))
    return vec @ onp.diag(onp.exp(-1j * lam)) @ vec.conj().T


def test_a_library_of_numbers_runs_on_the_numbers_and_refuses_the_derivative():
    @qml.qnode(DEV)
    def unitary(pars):
        qml.QubitUnitary(_expm_numbers(pars[0] * PX + pars[1] * PZ), wires=0)
        return qml.expval(qml.PauliZ(0))

    for p in ([0.3, 0.0], [0.7, 0.2], [-1.1, 0.5]):
        a, b = p
        r = onp.hypot(a, b)  # exp(-i(aX + bZ)) = cos r I - i sin r (aX + bZ)/r
        m = onp.cos(r) * I2 - 1j * onp.sin(r) * (a * PX + b * PZ) / r
        assert float(unitary(np.array(p))) == pytest.approx(expval([m], PZ), abs=1e-12)
    with pytest.raises(qml.DifferentiationError, match=r"pars\[0\], pars\[1\].*traced stand-ins"):
        qml.grad(unitary)(np.array([0.3, 0.2]))


def test_a_coefficient_computed_by_value_with_autograd_functions_is_differentiated():
    """A derivative by an input the function uses by its number through functions autograd
    differentiates (``np.linalg.eigh`` of a matrix of it, as ``qml.qchem`` builds its
    Hamiltonians from the geometry): the function runs on autograd's boxes, as in
    PennyLane (was a ``DifferentiationError``). By hand: the lower eigenvalue of
    ``[[x, 1], [1, -x]]`` is ``-sqrt(1 + x^2)``, and ``<X> = 0`` after ``RX(t)``, so
    ``f = -sqrt(1 + x^2) cos t``."""
    @qml.qnode(DEV)
    def f(t, x):
        qml.RX(t, wires=0)
        c = np.linalg.eigh(np.array([[x, 1.0], [1.0, -x]]))[0]
        return qml.expval(qml.Hamiltonian([c[0], c[1]], [qml.Z(0), qml.X(0)]))

    t, x = np.array(0.3, requires_grad=True), np.array(0.7, requires_grad=True)
    r = onp.sqrt(1 + 0.7**2)
    assert float(f(t, x)) == pytest.approx(-r * onp.cos(0.3), abs=1e-12)
    dt, dx = qml.grad(f)(t, x)
    assert float(dt) == pytest.approx(r * onp.sin(0.3), abs=1e-12)
    assert float(dx) == pytest.approx(-0.7 / r * onp.cos(0.3), abs=1e-12)
    assert float(qml.grad(f, argnum=1)(t, x)) == pytest.approx(float(dx), abs=1e-15)
    jac = qml.jacobian(f)(t, x)
    assert onp.allclose([float(j) for j in jac], [float(dt), float(dx)], atol=1e-12)


def test_a_by_value_coefficient_with_a_draw_inside_draws_once_per_call():
    """The function runs on autograd's boxes after its trace; it still draws once per call
    from NumPy's global generator, as PennyLane's (the term order drawn inside)."""
    @qml.qnode(DEV)
    def f(t, x):
        k = onp.random.randint(2)
        qml.RX(t, wires=0)
        c = np.linalg.eigh(np.array([[x, 1.0], [1.0, -x]]))[0]
        return qml.expval(qml.Hamiltonian([c[0], c[1]], [qml.Z(0), qml.X(0)][:: 1 if k else -1]))

    t, x = np.array(0.3, requires_grad=True), np.array(0.7, requires_grad=True)
    onp.random.seed(3)
    out = [(qml.grad(lambda t, x: f(t, x) * 1.0)(t, x), onp.random.rand()) for _ in range(3)]
    # PennyLane 0.45.1 (/work/plvenv, the same code): the gradients' signs follow the draws,
    # and the draws after each call
    refs = [(-1, 0.07072488001099086), (1, 0.2909047389129443), (-1, 0.5693113274346809)]
    for ((dt, dx), after), (sign, ref) in zip(out, refs):
        assert float(dt) == pytest.approx(sign * 0.36072838, abs=1e-8)
        assert float(dx) == pytest.approx(-sign * 0.5478495, abs=1e-7)
        assert after == ref


def test_draws_of_python_random_qsym_numpy_random_and_a_generator_run_per_call():
    rng = onp.random.default_rng(4)

    @qml.qnode(DEV)
    def python_random(x):
        qml.RX(x * random.uniform(0.5, 1.5), wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(DEV)
    def qsym_random(x):
        qml.RX(x * np.random.uniform(0.5, 1.5), wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(DEV)
    def generator(x):
        qml.RX(x * rng.uniform(0.5, 1.5), wires=0)
        return qml.expval(qml.PauliZ(0))

    random.seed(3)
    want_py = [random.uniform(0.5, 1.5) for _ in range(3)]
    onp.random.seed(3)
    want_np = [onp.random.uniform(0.5, 1.5) for _ in range(3)]
    want_gen = onp.random.default_rng(4).uniform(0.5, 1.5, size=3)
    random.seed(3)
    onp.random.seed(3)
    for k in range(3):
        assert float(python_random(0.6)) == pytest.approx(onp.cos(0.6 * want_py[k]), abs=1e-12)
        assert float(qsym_random(0.6)) == pytest.approx(onp.cos(0.6 * want_np[k]), abs=1e-12)
        assert float(generator(0.6)) == pytest.approx(onp.cos(0.6 * want_gen[k]), abs=1e-12)
    for k in range(3):  # a continuous draw is a constant of each call's circuit: exact gradient
        onp.random.seed(100 + k)
        s = onp.random.uniform(0.5, 1.5)
        onp.random.seed(100 + k)
        g = qml.grad(qsym_random)(np.array(0.6, requires_grad=True))
        assert float(g) == pytest.approx(-s * onp.sin(0.6 * s), abs=1e-12)


def test_the_trace_option():
    def body(x):
        qml.RX(x, wires=0)
        if x > 1:
            qml.PauliX(wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="needs the value"):
        qml.QNode(body, DEV, trace="once")(0.3)
    with pytest.raises(qml.ArgumentError, match="trace must be one of"):
        qml.QNode(body, DEV, trace="sometimes")
    # per-call from the start gives the same numbers as traced once, for a traceable function
    def smooth(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[0] * w[1], wires=0)
        return qml.expval(qml.PauliZ(0))

    once, per_call = qml.QNode(smooth, DEV), qml.QNode(smooth, DEV, trace="per-call")
    w = np.array([0.3, -1.2], requires_grad=True)
    assert once.per_call is None and per_call.per_call == "trace='per-call'"
    assert float(per_call(w)) == pytest.approx(float(once(w)), abs=1e-15)
    assert onp.allclose(qml.grad(per_call)(w), qml.grad(once)(w), atol=1e-15)
    assert onp.allclose(qml.grad(per_call)(w), central(lambda v: onp.cos(v[0]) * onp.cos(
        v[0] * v[1]), w), atol=1e-8)
    assert per_call.update(diff_method="adjoint").trace == "per-call"
    node = qml.QNode(body, DEV)
    assert float(node(2.0)) == pytest.approx(-onp.cos(2.0), abs=1e-12)


def test_state_changing_inside_every_run_is_refused_never_a_wrong_number():
    """A per-call trace is checked by a replay at the call's numbers; a function whose
    gates change from run to run through state qsym cannot put back raises."""
    runs = []

    @qml.qnode(DEV)
    def counter(x):
        runs.append(1)
        (qml.RY if len(runs) % 2 else qml.RZ)(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.TracingError, match="not deterministic"):
        counter(np.array(0.4))


def test_an_export_of_a_per_call_qnode_is_refused():
    circuit = stochastic()
    with pytest.raises(qml.ExportError, match="at every call"):
        qml.compile(circuit, np.array([0.1, 0.2]))


def test_broadcast_and_a_shot_vector_trace_once_per_call():
    @qml.qnode(qml.device("default.qubit", wires=1, seed=1))
    def pick(x):
        qml.RX(x, wires=0)
        return qml.expval([qml.PauliZ, qml.PauliY][onp.random.randint(2)](0))

    x = np.array([0.1, 0.5, 1.0])
    exact = [onp.cos(x), -onp.sin(x)]  # RX(x)|0>: <Z> = cos x, <Y> = -sin x (by hand)
    onp.random.seed(2)
    draws = [onp.random.randint(2) for _ in range(4)]
    onp.random.seed(2)
    for k in draws[:3]:
        assert onp.allclose(pick(x), exact[k], atol=1e-12)
    jac = qml.jacobian(pick)(x)
    assert onp.allclose(jac, onp.diag(-onp.sin(x) if draws[3] == 0 else -onp.cos(x)),
                        atol=1e-12)
    vector = qml.set_shots(pick, shots=[200, 300])
    onp.random.seed(2)
    assert len(vector(0.5)) == 2
    after = onp.random.get_state()[1].copy()
    onp.random.seed(2)
    onp.random.randint(2)  # one draw for both counts, as PennyLane's one tape
    assert onp.array_equal(after, onp.random.get_state()[1])


def test_a_hessian_is_of_one_calls_draw():
    @qml.qnode(DEV)
    def pick(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=0)
        return qml.expval([qml.PauliZ, qml.PauliX][onp.random.randint(2)](0))

    # RX(a) RY(b)|0>: Bloch vector (cos a sin b, -sin a, cos a cos b) (by hand)
    f = [lambda v: onp.cos(v[0]) * onp.cos(v[1]), lambda v: onp.cos(v[0]) * onp.sin(v[1])]
    w = np.array([0.3, 0.8], requires_grad=True)
    for seed in range(3):
        onp.random.seed(seed)
        k = onp.random.randint(2)
        onp.random.seed(seed)
        hess = qml.hessian(pick)(w)
        want = onp.array([central(lambda v, i=i: central(f[k], v)[i], w, h=1e-4)
                          for i in range(2)])
        assert onp.allclose(hess, want, atol=1e-6)
        after = onp.random.get_state()[1].copy()
        onp.random.seed(seed)
        onp.random.randint(2)
        assert onp.array_equal(after, onp.random.get_state()[1])  # one draw


def test_measurements_equal_in_compiled_code_keep_their_own_details():
    """A per-call circuit whose measurement changes only in what is not compiled code (the
    sample dtype, counts' all_outcomes, the sampled observable's form) gets its own
    details, never those of an earlier structure-equal call (a dtype and missing keys were
    silently reused before)."""
    mode = {"m": 0}
    dev = qml.device("default.qubit", wires=1, seed=3)

    @qml.set_shots(40)
    @qml.qnode(dev, trace="per-call")
    def c(x):
        qml.RX(x, wires=0)
        return [qml.sample(wires=[0]), qml.sample(wires=[0], dtype="int8"),
                qml.counts(wires=[0]), qml.counts(wires=[0], all_outcomes=True)][mode["m"]]

    assert c(0.0).dtype == onp.int64
    mode["m"] = 1
    assert c(0.0).dtype == onp.int8
    mode["m"] = 2
    assert set(c(0.0)) == {"0"}  # RX(0): always 0; only outcomes seen are keys
    mode["m"] = 3
    assert {str(k): int(v) for k, v in c(0.0).items()} == {"0": 40, "1": 0}


# --- a QubitUnitary of a matrix computed from the inputs: exact first derivatives ----------
def _u1(x):
    """A one-qubit unitary of ``x`` with a phase and both diagonal and off-diagonal parts
    moving (NumPy numbers, or traced values through qsym.numpy)."""
    lib = np if not isinstance(x, (float, onp.floating)) else onp
    c, s = lib.cos(x / 3), lib.sin(x / 3)
    return lib.array([[lib.exp(1j * x) * c, -s * lib.exp(0.2j)],
                      [s * lib.exp(1j * x - 0.2j), c + 0j]])


def _state(ops, n):
    """The state after ``ops`` (``(matrix, wires)``, wire 0 most significant), by hand."""
    psi = onp.zeros(2**n, dtype=complex)
    psi[0] = 1
    for m, wires in ops:
        full = onp.eye(1)
        rest = [w for w in range(n) if w not in wires]
        perm = list(wires) + rest  # m on `wires`, identity elsewhere, then permuted back
        big = onp.kron(m, onp.eye(2 ** len(rest)))
        t = big.reshape([2] * (2 * n))
        inv = onp.argsort(perm)
        t = t.transpose(list(inv) + [n + i for i in inv])
        full = t.reshape(2**n, 2**n)
        psi = full @ psi
    return psi


def _ev(ops, obs, n):
    psi = _state(ops, n)
    return float(onp.real(psi.conj() @ obs @ psi))


H1 = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)


def _fd(f, x, h=1e-6):
    x = onp.asarray(x, dtype=float)
    return onp.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in onp.eye(len(x))])


@pytest.mark.parametrize("method", ["best", "backprop", "parameter-shift"])
def test_a_matrix_of_the_inputs_is_differentiated_exactly(method):
    """qml.QubitUnitary(U(x)) with U computed from the inputs by qsym.numpy: the value is
    U's at each call and the gradient exact (by hand: the circuits as matrices, their
    derivatives by central finite differences of those): a two-qubit kron of two inputs'
    matrices, and a controlled one whose phase (a global phase of U) matters."""
    dev = qml.device("default.qubit", wires=2)

    def kron_circuit(x):
        qml.Hadamard(0)
        qml.RY(0.7, wires=1)
        qml.QubitUnitary(np.kron(_u1(x[0]), _u1(x[1])), wires=[0, 1])
        qml.CNOT([1, 0])
        return qml.expval(qml.X(0) @ qml.Y(1))

    def kron_by_hand(x):
        cnot10 = onp.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])
        return _ev([(H1, [0]), (ry(0.7), [1]), (onp.kron(_u1(x[0]), _u1(x[1])), [0, 1]),
                    (cnot10, [0, 1])], onp.kron(PX, PY), 2)

    def controlled(x):
        qml.Hadamard(1)
        qml.ctrl(qml.QubitUnitary, control=1)(_u1(x[0]) * np.exp(1j * x[1]), wires=0)
        return qml.expval(qml.X(1))

    def controlled_by_hand(x):
        u = _u1(x[0]) * onp.exp(1j * x[1])
        cu = onp.block([[I2, 0 * I2], [0 * I2, u]])  # control wire 1 first
        return _ev([(H1, [1]), (cu, [1, 0])], onp.kron(I2, PX), 2)  # X on wire 1

    x = np.array([0.37, -0.52], requires_grad=True)
    for fn, by_hand in ((kron_circuit, kron_by_hand), (controlled, controlled_by_hand)):
        node = qml.QNode(fn, dev, diff_method=method)
        for shift in (0.0, 0.9):
            xs = x + shift
            assert float(node(xs)) == pytest.approx(by_hand(onp.array(xs)), abs=1e-12)
            want = _fd(by_hand, onp.array(xs))
            assert onp.allclose(qml.grad(node)(xs), want, atol=1e-7)
            assert abs(want).max() > 0.05  # (a test that a zero gradient would fail)


@pytest.mark.parametrize("method", ["best", "backprop", "parameter-shift", "adjoint"])
def test_the_matrix_of_a_gate_of_the_inputs_is_a_matrix_of_the_inputs(method):
    """qml.QubitUnitary(qml.matrix(qml.RY(x, wires=0)), wires=0): the gate's matrix at a
    traced parameter is its exact matrix in traced entries (it raised TracingError, then
    refused the derivative), so the unitary is differentiated as RY(x) is: <Z> = cos x."""

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method=method)
    def c(x):
        qml.QubitUnitary(qml.matrix(qml.RY(x, wires=0)), wires=0)
        return qml.expval(qml.PauliZ(0))

    for x in (0.3, -1.2):
        x = np.array(x, requires_grad=True)
        assert float(c(x)) == pytest.approx(onp.cos(x), abs=1e-12)
        assert float(qml.grad(c)(x)) == pytest.approx(-onp.sin(x), abs=1e-10)


# computed with PennyLane 0.45.1 in /work/plvenv (diff_method="best": backprop), the same
# circuits: value, then d/dx, d/dy
_PL_GATE_MATRICES = {
    "rot": (0.1863572034769409, [0.6143310453323465, 0.26780542703165533]),
    "wire_order": (0.2369632034637019, [0.09477960829985949, 0.0]),
    "prod": (0.3847654316692167, [0.2748409716906888, -0.41539267641745115]),
    "isingxx": (0.1894817282819762, [0.05715228719469492, -0.024493837369154968]),
}


@pytest.mark.parametrize("method", ["best", "parameter-shift"])
@pytest.mark.parametrize("case", sorted(_PL_GATE_MATRICES))
def test_matrices_of_gates_of_the_inputs_match_pennylane(case, method):
    """The matrices of gates of several parameters, on a wire order, of a product of gates
    (``qml.matrix(qml.RY(x, 0) @ qml.RZ(y, 0))``: its operands' traced matrices multiplied)
    and of a gate of an expression of two inputs, as QubitUnitary: PennyLane's numbers."""
    make = {
        "rot": lambda x, y: qml.QubitUnitary(qml.matrix(qml.Rot(x, y, 0.2, wires=0)), wires=0),
        "wire_order": lambda x, y: qml.QubitUnitary(
            qml.matrix(qml.RY(x, wires=1), wire_order=[0, 1]), wires=[0, 1]),
        "prod": lambda x, y: qml.QubitUnitary(
            qml.matrix(qml.RY(x, wires=0) @ qml.RZ(y, wires=0)), wires=0),
        "isingxx": lambda x, y: qml.QubitUnitary(
            qml.matrix(qml.IsingXX(x * y, wires=[0, 1])), wires=[0, 1]),
    }[case]

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method=method)
    def c(x, y):
        qml.RX(0.4, wires=1)
        qml.RX(0.9, wires=0)
        make(x, y)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1) + 0.5 * qml.PauliY(0) + 0.3 * qml.PauliX(1))

    x, y = np.array(0.3, requires_grad=True), np.array(-0.7, requires_grad=True)
    value, grad = _PL_GATE_MATRICES[case]
    assert float(c(x, y)) == pytest.approx(value, abs=1e-12)
    assert onp.allclose([float(g) for g in qml.jacobian(c)(x, y)], grad, atol=1e-10)


def test_a_matrix_of_the_inputs_taken_by_another_operator_is_differentiated():
    """qml.adjoint(qml.QubitUnitary(U(x), 0)) (an instance: the adjoint applies the matrix
    only) runs at its numbers (by hand: <X> after H and U^dagger); its derivative by x is
    the derivative of the simulation on autograd's matrix (stop 63: it was refused), the
    class form qml.adjoint(qml.QubitUnitary)(U, 0) by its carriers: both the central finite
    differences of the by-hand value, never a wrong sign."""
    dev = qml.device("default.qubit", wires=1)

    def by_hand(x):
        return _ev([(H1, [0]), (_u1(float(x[0])).conj().T, [0])], PX, 1)

    @qml.qnode(dev)
    def instance(x):
        qml.Hadamard(0)
        qml.adjoint(qml.QubitUnitary(_u1(x[0]), wires=0))
        return qml.expval(qml.X(0))

    @qml.qnode(dev)
    def by_class(x):
        qml.Hadamard(0)
        qml.adjoint(qml.QubitUnitary)(_u1(x[0]), wires=0)
        return qml.expval(qml.X(0))

    x = np.array([0.37], requires_grad=True)
    assert float(instance(x)) == pytest.approx(by_hand(onp.array(x)), abs=1e-12)
    assert onp.allclose(qml.grad(instance)(x), _fd(by_hand, onp.array(x)), atol=1e-7)
    assert onp.allclose(qml.grad(by_class)(x), _fd(by_hand, onp.array(x)), atol=1e-7)


def test_a_matrix_of_the_inputs_is_drawn_as_its_matrix_only():
    """The rotations by zero that carry the derivative are not drawn (PennyLane draws the
    QubitUnitary alone)."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.QubitUnitary(_u1(x), wires=0)
        return qml.expval(qml.Z(0))

    text = qml.draw(c, show_matrices=False)(np.array(0.4, requires_grad=True))
    assert text == "0: ──U(M0)─┤  <Z>"


def test_a_matrix_of_the_inputs_is_counted_as_its_matrix_only():
    """The tracker's and qml.specs' resources count the QubitUnitary alone, as PennyLane's
    (its tape: Hadamard and QubitUnitary, depth 2), not the rotations by zero that carry
    the derivative (a GlobalPhase and three PauliRots, depth 6)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(x):
        qml.Hadamard(0)
        qml.QubitUnitary(_u1(x), wires=0)
        return qml.expval(qml.Y(0))

    x = np.array(0.4, requires_grad=True)
    with qml.Tracker(dev) as tracker:
        c(x)
    (res,) = tracker.history["resources"]
    assert res.gate_types == {"Hadamard": 1, "QubitUnitary": 1}
    assert res.gate_sizes == {1: 2} and res.depth == 2
    for level in ("top", "user", "gradient", "device", None):
        spec = qml.specs(c, level=level)(x)["resources"]
        assert spec.gate_types == {"Hadamard": 1, "QubitUnitary": 1} and spec.depth == 2


def test_a_matrix_of_the_inputs_refuses_second_derivatives():
    """The rotations by zero carry the exact first derivative only: a Hessian by the
    matrix's inputs is refused (DifferentiationError), never the rotations' curvature;
    the gradient itself matches central differences of the by-hand value."""
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.Hadamard(0)
        qml.QubitUnitary(_u1(x[0]), wires=0)
        return qml.expval(qml.Y(0))

    def by_hand(x):
        return _ev([(H1, [0]), (_u1(float(x[0])), [0])], PY, 1)

    x = np.array([0.61], requires_grad=True)
    assert onp.allclose(qml.grad(c)(x), _fd(by_hand, onp.array(x)), atol=1e-7)
    with pytest.raises(qml.DifferentiationError, match="second derivatives"):
        qml.jacobian(qml.grad(c))(x)


def test_a_matrix_of_the_inputs_in_a_conditional_branch_is_differentiated():
    """qml.cond(m, qml.QubitUnitary)(U(x), wires): the rotations carrying the derivative
    are conditioned with the matrix. By hand: H on wire 1, measured; U(x) on wire 0 when
    1: <Y0> = <0|U^dag Y U|0> / 2, its derivative by central differences."""
    @qml.qnode(qml.device("default.qubit", wires=2))
    def c(x):
        qml.Hadamard(1)
        m = qml.measure(1)
        qml.cond(m, qml.QubitUnitary)(_u1(x[0]), wires=0)
        return qml.expval(qml.Y(0))

    def by_hand(x):
        return _ev([(_u1(float(x[0])), [0])], PY, 1) / 2

    x = np.array([0.83], requires_grad=True)
    assert float(c(x)) == pytest.approx(by_hand(onp.array(x)), abs=1e-12)
    want = _fd(by_hand, onp.array(x))
    assert abs(want[0]) > 0.05 and onp.allclose(qml.grad(c)(x), want, atol=1e-7)


def test_a_real_matrix_argument_to_qubitunitary_runs_and_is_differentiated():
    """A QNode argument that is a real unitary matrix (a rotation), given to
    qml.QubitUnitary, runs with each call's numbers (it raised TracingError: the matrix,
    not unitary along any one of its entries, left carrier gates by a plain zero that the
    numeric replay does not record), plain, tensor or trainable tensor alike; by hand
    <Z> = cos^2(t) - sin^2(t) = cos(2t) for the rotation by t on |0>. The derivative by its
    entries is PennyLane's backprop (stop 63: it was refused): of f(U) = psi^T M psi with
    psi = U e0 and M = RY(t)^T Z RY(t), df/dU = 2 (M psi) e0^T by hand, alone or beside the
    second argument, whose derivative is the finite differences'."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(U, t):
        qml.QubitUnitary(U, wires=0)
        qml.RY(t, wires=0)
        return qml.expval(qml.Z(0))

    def rot(a):
        return onp.array([[onp.cos(a), -onp.sin(a)], [onp.sin(a), onp.cos(a)]])

    for a in (0.3, 1.1):
        for U in (rot(a), np.array(rot(a), requires_grad=False), np.array(rot(a), requires_grad=True)):
            assert float(circuit(U, 0.0)) == pytest.approx(onp.cos(2 * a), abs=1e-12)
    U = np.array(rot(0.3), requires_grad=True)
    t = np.array(0.2, requires_grad=True)
    ry = rot(float(t) / 2)
    M = ry.T @ onp.diag([1.0, -1.0]) @ ry
    by_hand = 2 * onp.outer(M @ onp.array(U)[:, 0], [1.0, 0.0])
    assert onp.allclose(qml.grad(circuit, argnum=0)(U, t), by_hand, atol=1e-12)
    assert onp.allclose(qml.grad(circuit)(U, t)[0], by_hand, atol=1e-12)
    h = 1e-6
    fd = (circuit(U, t + h) - circuit(U, t - h)) / (2 * h)
    assert float(qml.grad(circuit, argnum=1)(U, t)) == pytest.approx(float(fd), abs=1e-7)
    assert float(fd) == pytest.approx(-onp.sin(0.6 + 0.2), abs=1e-7)
