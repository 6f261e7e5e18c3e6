"""Adversarial round of stop 64 (benchmarks/results/adversarial-2026-12-07c.md): each test is
a probe of a mechanism stop 63 landed that gave another answer than PennyLane (or than
qsym's own slow path) before its fix. Expected numbers come from PennyLane 0.45.1
(/work/plvenv) or from NumPy's generator itself, never from the code under test."""

import numpy as onp
import pytest

import qsym as qml


# --- the device's generator made at first use (first63b) --------------------------------------
@pytest.mark.parametrize("shadow", [None, "generator"])
def test_a_device_class_shadowing_rng_still_samples_from_its_seed(shadow):
    # PennyLane's device makes ``self._rng = np.random.default_rng(seed)`` in __init__, so a
    # subclass's class attribute ``_rng`` is shadowed by each instance's own generator
    # (PennyLane 0.45.1: two devices seeded 7 draw the same samples, the first uniform
    # draw is NumPy's ``default_rng(7).random()``). With the generator made at first use,
    # the class attribute won: the seed was ignored (None: NumPy's global functions; a
    # class generator: one stream shared by every instance).
    class Shadowing(qml.devices.DefaultQubit):
        _rng = None if shadow is None else onp.random.default_rng(123)

    def samples():
        dev = Shadowing(wires=1, seed=7)

        @qml.qnode(dev, shots=20)
        def c():
            qml.Hadamard(0)
            return qml.sample(qml.Z(0))
        return list(c())

    assert samples() == samples()
    assert Shadowing(wires=1, seed=7)._rng.random() == onp.random.default_rng(7).random()
    assert Shadowing(wires=1, seed=7).rng is not Shadowing(wires=1, seed=7).rng
