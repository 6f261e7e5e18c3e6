"""Seeded sampling draws as PennyLane's ``default.qubit`` draws (issue #18).

The expected samples are derived by hand: the probabilities of one-wire states written
out (``cos^2``, ``sin^2``, the X basis), the generator PennyLane's device makes from its
seed (``numpy.random.default_rng(seed)``) and the calls its ``sample_state`` makes
(``rng.choice(2**n, shots, p=probs)``, one per group of measurements, groups in
PennyLane's order). Nothing here is copied from qsym's output. Where PennyLane is
installed, ``test_the_same_numbers_as_pennylane`` compares the two directly.
"""

from __future__ import annotations

import warnings

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

T = 0.7  # RY(T)|0> = cos(T/2)|0> + sin(T/2)|1>
PZ = onp.array([onp.cos(T / 2) ** 2, onp.sin(T / 2) ** 2])            # Z basis
PX = onp.array([(onp.cos(T / 2) + onp.sin(T / 2)) ** 2 / 2,            # X basis (H first)
                (onp.cos(T / 2) - onp.sin(T / 2)) ** 2 / 2])


def _node(meas, shots, seed, wires=1):
    dev = qml.device("default.qubit", wires=wires, seed=seed)

    @qml.set_shots(shots)
    @qml.qnode(dev)
    def f(t):
        qml.RY(t, wires=0)
        return meas()

    return f


def _draws(seed, *calls):
    """The outcomes ``rng.choice(len(p), n, p=p)`` of each ``(p, n)`` in turn."""
    rng = onp.random.default_rng(seed)
    return [rng.choice(len(p), n, p=p / p.sum()) for p, n in calls]


def test_samples_expval_var_and_probs_are_the_draws_of_the_seeded_generator():
    s, = _draws(7, (PZ, 50))
    got = _node(lambda: qml.sample(wires=[0]), 50, 7)(T)
    onp.testing.assert_array_equal(got.reshape(-1), s)
    z = 1.0 - 2.0 * s
    assert _node(lambda: qml.expval(qml.PauliZ(0)), 50, 7)(T) == onp.mean(z)
    assert _node(lambda: qml.var(qml.PauliZ(0)), 50, 7)(T) == onp.var(z)
    onp.testing.assert_array_equal(_node(lambda: qml.probs(wires=[0]), 50, 7)(T),
                                   onp.bincount(s, minlength=2) / 50)
    counts = _node(lambda: qml.counts(), 50, 7)(T)
    assert counts == {k: v for k, v in (("0", int((s == 0).sum())), ("1", int(s.sum()))) if v}


def test_non_commuting_measurements_draw_once_per_group_in_order():
    # Z(0) and X(0) do not commute qubit-wise: two groups, Z first, each its own draw of
    # all the shots (the X group after a Hadamard); probs(wires) after them
    sz, sx, sp = _draws(3, (PZ, 40), (PX, 40), (PZ, 40))
    f = _node(lambda: (qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(0)),
                       qml.probs(wires=[0])), 40, 3)
    ez, ex, p = f(T)
    assert ez == onp.mean(1.0 - 2.0 * sz) and ex == onp.mean(1.0 - 2.0 * sx)
    onp.testing.assert_array_equal(p, onp.bincount(sp, minlength=2) / 40)


def test_a_hamiltonian_is_measured_term_by_term_as_written():
    sz, sx = _draws(11, (PZ, 30), (PX, 30))
    H = qml.Hamiltonian([0.5, -0.2], [qml.PauliZ(0), qml.PauliX(0)])
    got = _node(lambda: qml.expval(H), 30, 11)(T)
    assert got == 0 + 0.5 * onp.mean(1.0 - 2.0 * sz) + -0.2 * onp.mean(1.0 - 2.0 * sx)


def test_a_shot_vector_is_one_draw_binned():
    sz, sx = _draws(5, (PZ, 12), (PX, 12))
    f = _node(lambda: (qml.sample(qml.PauliZ(0)), qml.expval(qml.PauliX(0))), [4, (3, 2), 2], 5)
    out = f(T)
    bins = [(0, 4), (4, 7), (7, 10), (10, 12)]
    assert len(out) == 4
    for (samples, ex), (lo, hi) in zip(out, bins):
        onp.testing.assert_array_equal(samples, 1.0 - 2.0 * sz[lo:hi])
        assert ex == onp.mean(1.0 - 2.0 * sx[lo:hi])


def test_broadcasting_draws_each_group_for_every_parameter_set():
    ts = onp.array([0.3, 1.9])
    pz = [onp.array([onp.cos(t / 2) ** 2, onp.sin(t / 2) ** 2]) for t in ts]
    px = [onp.array([(onp.cos(t / 2) + onp.sin(t / 2)) ** 2 / 2,
                     (onp.cos(t / 2) - onp.sin(t / 2)) ** 2 / 2]) for t in ts]
    s = _draws(9, (pz[0], 20), (pz[1], 20), (px[0], 20), (px[1], 20))
    f = _node(lambda: (qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(0))), 20, 9)
    ez, ex = f(np.array(ts, requires_grad=False))
    onp.testing.assert_array_equal(ez, [onp.mean(1.0 - 2.0 * s[0]), onp.mean(1.0 - 2.0 * s[1])])
    onp.testing.assert_array_equal(ex, [onp.mean(1.0 - 2.0 * s[2]), onp.mean(1.0 - 2.0 * s[3])])


def test_the_global_seed_seeds_the_device():
    onp.random.seed(42)
    seed = onp.random.randint(0, high=10000000)  # PennyLane's seed="global"
    s, = _draws(seed, (PZ, 25))
    onp.random.seed(42)
    got = _node(lambda: qml.sample(wires=[0]), 25, "global")(T)
    onp.testing.assert_array_equal(got.reshape(-1), s)


def test_parameter_shift_draws_the_value_then_each_shifted_circuit():
    # qml.grad: the forward value, then RY(T + pi/2) and RY(T - pi/2)
    def pz(t):
        return onp.array([onp.cos(t / 2) ** 2, onp.sin(t / 2) ** 2])

    _, plus, minus = _draws(13, (pz(T), 200), (pz(T + onp.pi / 2), 200),
                            (pz(T - onp.pi / 2), 200))
    f = _node(lambda: qml.expval(qml.PauliZ(0)), 200, 13)
    g = qml.grad(f)(np.array(T, requires_grad=True))
    want = (onp.mean(1.0 - 2.0 * plus) - onp.mean(1.0 - 2.0 * minus)) / 2
    assert g == pytest.approx(want, abs=1e-15)


def test_the_same_numbers_as_pennylane():
    pl = pytest.importorskip("pennylane")
    warnings.filterwarnings("ignore")

    def run(q, meas, shots):
        dev = q.device("default.qubit", wires=3, seed=17)

        @q.set_shots(shots)
        @q.qnode(dev)
        def f(x):
            q.RX(x[0], wires=0)
            q.RY(x[1], wires=1)
            q.CNOT(wires=[0, 1])
            q.RY(x[0] * x[1], wires=2)
            q.CNOT(wires=[1, 2])
            return meas(q)

        x = q.numpy.array([0.4, 1.3], requires_grad=True)
        flat = lambda v: q.numpy.concatenate([q.numpy.reshape(r, (-1,)) for r in f(v)])
        return f(x), f(x), q.jacobian(flat)(x) if shots == 300 else None

    cases = [
        (lambda q: (q.expval(q.PauliZ(0)), q.expval(q.PauliX(0) @ q.PauliY(2)),
                    q.var(q.PauliX(1)), q.probs(wires=[2, 0])), 300),
        (lambda q: (q.sample(wires=[0, 2]), q.counts(q.PauliY(1)),
                    q.expval(q.Hamiltonian([0.3, -0.8, 0.1], [q.PauliZ(0), q.PauliX(1),
                                                              q.PauliX(0) @ q.PauliZ(2)]))),
         [20, (7, 2)]),
    ]
    for meas, shots in cases:
        a, b = run(pl, meas, shots), run(qml, meas, shots)
        for x, y in zip(onp.ravel(onp.array(a[:2], dtype=object)),
                        onp.ravel(onp.array(b[:2], dtype=object))):
            if isinstance(x, dict):
                assert {str(k): int(v) for k, v in x.items()} == \
                       {str(k): int(v) for k, v in y.items()}
            else:
                onp.testing.assert_array_equal(onp.asarray(x), onp.asarray(y))
        if a[2] is not None:  # the Jacobian: the same draws, summed in another order
            onp.testing.assert_allclose(a[2], b[2], rtol=1e-12, atol=1e-14)


def test_default_mixed_draws_from_the_diagonal_of_the_density_matrix():
    # RY(T) then a bit flip with probability q: P(1) = (1 - q) sin^2 + q cos^2; the X group
    # rotates rho by a Hadamard: a bit flip commutes with X, so P(+) is RY(T)'s
    q = 0.25
    p1 = (1 - q) * PZ[1] + q * PZ[0]
    sz, sx = _draws(21, (onp.array([1 - p1, p1]), 60), (PX, 60))
    dev = qml.device("default.mixed", wires=1, seed=21)

    @qml.set_shots(60)
    @qml.qnode(dev)
    def f(t):
        qml.RY(t, wires=0)
        qml.BitFlip(q, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.sample(qml.PauliX(0))

    ez, xs = f(T)
    assert ez == onp.mean(1.0 - 2.0 * sz)
    onp.testing.assert_array_equal(xs, 1.0 - 2.0 * sx)


def test_projector_and_hermitian_are_sampled_in_pennylanes_bases():
    # a basis-state projector is not rotated: its value is the frequency of the state
    s, = _draws(4, (PZ, 80))
    assert _node(lambda: qml.expval(qml.Projector([1], wires=0)), 80, 4)(T) == onp.mean(s == 1)
    # qml.Hermitian(diag(2, -1)): eigh's ascending eigenvalues [-1, 2], eigenvectors |1>, |0>:
    # the rotated state has P(first) = sin^2, and each outcome is that eigenvalue
    s, = _draws(6, (PZ[::-1].copy(), 80))
    h = qml.Hermitian(onp.diag([2.0, -1.0]), wires=0)
    assert _node(lambda: qml.expval(h), 80, 6)(T) == onp.mean(onp.where(s == 0, -1.0, 2.0))


# --- PennyLane's order of the wires (its map_to_standard_wires) ---------------------------
# PennyLane numbers the wires of the state it samples by the gates' first use, then the
# wires only measured; the device's other wires are not in its state. The draws are
# rng.choice over the basis states in that order.

def test_the_order_of_the_wires_pennylane_samples_by_hand():
    from qsym import _operations as ops
    from qsym._stages import sample_order

    gates = [ops.RX(0.1, wires="c"), ops.CNOT(wires=["c", "a"]), ops.RY(0.2, wires="b")]
    labels = ("a", "b", "c", "d")
    # first use c, a, b; d unused and unmeasured: not in PennyLane's state (last here)
    assert sample_order(gates, ops.expval(ops.PauliZ("a")), [], labels) == (2, 0, 1, 3)
    # a measurement of no wires measures the device's: d is measured only, last
    assert sample_order(gates, ops.sample(), [], labels) == (2, 0, 1, 3)
    # integers 0..k-1 used, k.. measured only: PennyLane maps nothing (numeric order)
    assert sample_order([ops.RX(0.1, wires=1), ops.RX(0.1, wires=0)],
                        ops.probs(wires=[2]), [], (0, 1, 2)) == ()
    # the device's labels in another order than PennyLane's
    assert sample_order([ops.RX(0.1, wires=0), ops.RX(0.1, wires=1)],
                        ops.probs(wires=[0, 1]), [], (1, 0)) == (1, 0)
    # PennyLane's wires in index order (d left out): the index order draws the same
    assert sample_order([ops.RX(0.1, wires="a"), ops.RX(0.1, wires="c")],
                        ops.probs(wires=["c"]), [], labels) == ()


def test_samples_are_drawn_in_the_order_the_gates_first_use_the_wires():
    # RY(T) on wire 2 first, Hadamard on wire 0 after: PennyLane's state is (wire 2, wire 0)
    # with P = PZ (x) [1/2, 1/2]; wire 1 is measured only (qml.sample(): the device's
    # wires), so it comes last, always 0
    p = onp.kron(onp.kron(PZ, [0.5, 0.5]), [1.0, 0.0])
    s, = _draws(31, (p, 40))
    wire2, wire0, wire1 = (s >> 2) & 1, (s >> 1) & 1, s & 1
    dev = qml.device("default.qubit", wires=3, seed=31)

    @qml.set_shots(40)
    @qml.qnode(dev)
    def f(t):
        qml.RY(t, wires=2)
        qml.Hadamard(wires=0)
        return qml.sample()

    onp.testing.assert_array_equal(f(T), onp.stack([wire0, wire1, wire2], axis=1))


def test_an_unused_device_wire_is_not_in_the_drawn_state():
    # expval(Z(2)) after RY on wire 2 alone: PennyLane's state has one wire (P = PZ); two
    # groups (the Pauli word, then the wires), each one draw binned by the shot vector
    z, s = _draws(8, (PZ, 30), (PZ, 30))
    dev = qml.device("default.qubit", wires=["x", "y", 2], seed=8)

    @qml.set_shots([10, 20])
    @qml.qnode(dev)
    def f(t):
        qml.RY(t, wires=2)
        return qml.expval(qml.PauliZ(2)), qml.sample(wires=[2])

    (e1, s1), (e2, s2) = f(T)
    onp.testing.assert_array_equal(onp.concatenate([s1, s2]).reshape(-1), s)
    assert e1 == onp.mean(1.0 - 2.0 * z[:10]) and e2 == onp.mean(1.0 - 2.0 * z[10:])


@pytest.mark.parametrize("seed", range(6))
def test_random_circuits_sample_as_pennylane_whatever_the_wire_order(seed):
    pl = pytest.importorskip("pennylane")
    warnings.filterwarnings("ignore")
    gen = onp.random.default_rng(seed)
    labels = [["a", 1, "c"], [2, 0, 1], [0, 1, 2, 3]][seed % 3]
    lines = []
    for _ in range(int(gen.integers(1, 5))):
        w = [labels[int(i)] for i in gen.permutation(len(labels))[:2]]
        kind = int(gen.integers(4))
        lines.append((kind, w, float(gen.uniform(-2, 2))))
    template = seed % 2 == 0
    perm = [labels[int(i)] for i in gen.permutation(len(labels))]

    def run(q):
        dev = q.device("default.qubit", wires=labels, seed=seed)

        @q.set_shots([7, 13])
        @q.qnode(dev)
        def f(x):
            for kind, w, a in lines:
                if kind == 0:
                    q.RX(a * x, wires=w[0])
                elif kind == 1:
                    q.CNOT(wires=w)
                elif kind == 2:
                    q.IsingXY(a, wires=w)
                else:
                    q.Hadamard(wires=w[1])
            if template:
                q.StronglyEntanglingLayers(onp.full((1, 3, 3), 0.4), wires=perm[:3])
            return (q.sample(), q.expval(q.PauliX(perm[0]) @ q.PauliZ(perm[1])),
                    q.probs(wires=perm[1:]), q.var(q.PauliY(perm[-1])),
                    q.expval(q.Hamiltonian([0.3, -0.5], [q.PauliZ(perm[0]), q.PauliX(perm[1])])))

        return f(q.numpy.array(0.8, requires_grad=False))

    a, b = run(pl), run(qml)
    for bin_a, bin_b in zip(a, b):
        for x, y in zip(bin_a, bin_b):
            onp.testing.assert_array_equal(onp.asarray(x), onp.asarray(y))


def test_default_mixed_draws_in_pennylanes_order_of_the_wires():
    # RY(T) on wire "b", then a Hadamard on wire "a": PennyLane's default.mixed state is
    # ("b", "a") (on wires 1 and 0 it would keep 0, 1: integers from 0 are not renumbered)
    s, = _draws(12, (onp.kron(PZ, [0.5, 0.5]), 30))
    dev = qml.device("default.mixed", wires=["a", "b"], seed=12)

    @qml.set_shots(30)
    @qml.qnode(dev)
    def f(t):
        qml.RY(t, wires="b")
        qml.Hadamard(wires="a")
        return qml.sample()

    onp.testing.assert_array_equal(f(T), onp.stack([s & 1, (s >> 1) & 1], axis=1))
