"""qsym's reproduction of NumPy's ``Generator.choice(k, size, p=p)`` (``_shots.choice``:
``rng.random`` and NumPy's cumulative-sum search in compiled code) and of the mean of a
Pauli word's samples (``_shots.word_mean``): bit for bit the numbers NumPy itself gives,
checked against ``rng.choice`` and ``np.mean`` directly (many seeds, sizes, shapes of
``p``, zeros in it), and the generator left in the same state. The QNode-level draws are
checked against hand-made ``rng.choice`` draws in ``test_pl_sampling.py``."""

from __future__ import annotations

import numpy as onp
import pytest

import qsym as qml
from qsym import _shots as shots


def _p(r, k, zeros):
    p = r.random(k) ** 3
    if zeros:
        p[r.integers(0, k, size=max(1, k // 3))] = 0.0
    if p.sum() == 0:
        p[-1] = 1.0
    return p / p.sum()


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 8, 15, 16, 17, 33, 64, 257, 4096])
def test_choice_gives_numpys_draws_and_leaves_the_generator_as_numpy_does(k):
    r = onp.random.default_rng(k)
    for trial in range(12):
        p = _p(r, k, zeros=trial % 3 == 0)
        size = [0, 1, 2, 7, 1000, int(r.integers(3, 5000))][trial % 6]
        seed = int(r.integers(0, 2**31))
        mine, numpys = onp.random.default_rng(seed), onp.random.default_rng(seed)
        a = shots.choice(mine, p, size)
        b = numpys.choice(k, size, p=p)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert onp.array_equal(a, b)
        assert mine.random() == numpys.random()  # the same uniform draws were used


def test_choice_at_the_edges_of_the_cumulative_sum():
    # outcomes of probability 0 at the start, the middle and the end, one certain outcome,
    # and a sum off 1 by less than NumPy's tolerance (normalized by cdf[-1] as NumPy does)
    for p in ([0.0, 1.0], [1.0, 0.0], [0.0, 0.5, 0.0, 0.5, 0.0], [1.0],
              [0.25, 0.25, 0.25, 0.25 + 1e-9]):
        p = onp.array(p)
        for seed in range(20):
            a = shots.choice(onp.random.default_rng(seed), p, 300)
            b = onp.random.default_rng(seed).choice(len(p), 300, p=p)
            assert onp.array_equal(a, b)


@pytest.mark.parametrize("p, message", [
    ([0.5, onp.nan], "contain NaN"),
    ([1.2, -0.2], "not non-negative"),
    ([0.5, 0.4], "do not sum to 1"),
])
def test_bad_probabilities_raise_numpys_error_before_drawing(p, message):
    p = onp.array(p)
    rng = onp.random.default_rng(3)
    with pytest.raises(ValueError, match=message):
        onp.random.default_rng(3).choice(2, 5, p=p)
    with pytest.raises(ValueError, match=message):
        shots.choice(rng, p, 5)
    assert rng.random() == onp.random.default_rng(3).random()  # nothing drawn


def test_other_generators_and_arguments_are_numpys_own_choice():
    p = onp.array([0.1, 0.6, 0.3])
    legacy = onp.random.RandomState(5)
    assert onp.array_equal(shots.choice(legacy, p, 50),
                           onp.random.RandomState(5).choice(3, 50, p=p))
    as_list = [0.1, 0.6, 0.3]
    assert onp.array_equal(shots.choice(onp.random.default_rng(5), as_list, 50),
                           onp.random.default_rng(5).choice(3, 50, p=as_list))
    assert onp.array_equal(shots.choice(onp.random.default_rng(5), p, onp.int64(50)),
                           onp.random.default_rng(5).choice(3, 50, p=p))


@pytest.mark.parametrize("scalar", [1.0, -1.0, 2.0, 0.5, -0.25, 0.3, -0.7, 3.0])
def test_word_mean_is_numpys_mean_of_the_samples_eigenvalues(scalar):
    r = onp.random.default_rng(11)
    for n in (1, 2, 5):
        for size in (1, 2, 3, 999, 1000, 4097):
            drawn = shots.Drawn(r.integers(0, 2**n, size=size), n)
            for word in (((0, "Z"),), ((n - 1, "X"),), tuple((w, "Z") for w in range(n)), ()):
                got = shots.word_mean(drawn, word, scalar)
                expected = onp.mean(shots.word_values(drawn, word, scalar))
                assert type(got) is type(expected) and got.tobytes() == expected.tobytes()


def test_a_sampled_qnode_draws_the_seeded_generators_choice():
    # the value, then the parameter-shift gradient of a seeded one-wire circuit (its
    # value drawn again, then one draw per shifted circuit: RX's terms at +-pi/2), from
    # rng.choice itself on probabilities written out by hand
    def node():
        @qml.set_shots(1000)
        @qml.qnode(qml.device("default.qubit", wires=1, seed=42))
        def f(x):
            qml.RX(x[0], wires=0)
            return qml.expval(qml.PauliZ(0))
        return f

    x = qml.numpy.array([0.8], requires_grad=True)
    rng = onp.random.default_rng(42)

    def mean_z(t):
        p = onp.array([onp.cos(t / 2) ** 2, onp.sin(t / 2) ** 2])
        s = rng.choice(2, 1000, p=p / p.sum())
        return onp.mean(onp.where(s == 1, -1.0, 1.0))

    assert abs(node()(x) - mean_z(0.8)) < 1e-12
    rng = onp.random.default_rng(42)
    mean_z(0.8)  # the gradient's value
    plus, minus = mean_z(0.8 + onp.pi / 2), mean_z(0.8 - onp.pi / 2)
    assert abs(qml.grad(node())(x)[0] - (plus - minus) / 2) < 1e-12
