"""adv69 (stop 69): an adversarial pass over stop 68's surface and bad input. Each test
fails on main ebfd8d10 and checks against an independent reference (values worked out by
hand and PennyLane 0.45.1's numbers computed in /work/plvenv, central differences)."""
import numpy as np
import pytest

import qsym as qml


def test_exp_of_noncommuting_sum_with_a_zero_times_input_word_is_applied():
    """``qml.exp(0.0 * x0 * X0 + x1 * Y0 Y1, 1j)``: the words do not commute, but one is
    zero for every input (its coefficient ``0.0 * x0``), so the exponential is the
    rotation ``exp(i x1 Y0 Y1)``. The replay at zero (every input 0) dropped both words
    (both numbers 0) where the trace kept ``Y0 Y1``: a TracingError saying the circuit's
    control flow depends on its inputs. By hand: the state is cos x1 |00> - i sin x1 |11>,
    so <X0 Y1> = -sin(2 x1) (PennyLane 0.45.1: -0.9854497299884598 at x1 = 0.7,
    0.7173560908995228 at -0.4), d/dx1 = -2 cos(2 x1), d/dx0 = 0."""
    dev = qml.device("default.qubit", wires=2)
    for method in ("parameter-shift", "adjoint"):
        @qml.qnode(dev, diff_method=method)
        def circuit(x):
            qml.exp(0.0 * x[0] * qml.PauliX(0) + x[1] * qml.PauliY(0) @ qml.PauliY(1), 1j)
            return qml.expval(qml.PauliX(0) @ qml.PauliY(1))

        for x in ([0.3, 0.7], [1.1, -0.4], [0.0, 0.0]):
            p = qml.numpy.array(x, requires_grad=True)
            assert abs(circuit(p) + np.sin(2 * x[1])) < 1e-12
            assert np.allclose(qml.grad(circuit)(p), [0.0, -2 * np.cos(2 * x[1])], atol=1e-10)


def test_math_dot_of_a_differentiated_value_and_a_list():
    """PennyLane's ``qml.math.dot`` coerces its operands: the gradient of
    ``dot(v, [3.0, 4.0])`` is ``[3, 4]`` (PennyLane 0.45.1: ``[3., 4.]``, either order);
    qsym passed the list to autograd's rule for ``dot``, which raised NumPy's
    ``TypeError: Field elements must be 2- or 3-tuples``. A list holding differentiated
    entries too: ``d/dv (3 v0 + 4 v1^2) = [3, 8 v1]``."""
    w = qml.numpy.array([1.0, 2.0], requires_grad=True)
    assert np.allclose(qml.grad(lambda v: qml.math.dot(v, [3.0, 4.0]))(w), [3.0, 4.0])
    assert np.allclose(qml.grad(lambda v: qml.math.dot((3.0, 4.0), v))(w), [3.0, 4.0])
    assert np.allclose(qml.grad(lambda v: qml.math.dot([v[0], v[1] ** 2], [3.0, 4.0]))(w),
                       [3.0, 16.0])
    assert qml.math.dot([[1, 2], [3, 4]], [1, 1]).tolist() == [3, 7]


def test_float32_inputs_whose_classical_processing_multiplies():
    """A float32 input multiplied in the circuit function (``RX(x0 * x1)``, and
    ``qml.IQPEmbedding``'s ``MultiRZ(x_i x_j)``): the replay on the call's numbers computes
    the product in float32, the trace's check evaluates it in float64; they differ by
    ~1e-8 relative and qsym raised a TracingError (the circuit's "control flow depends on
    its inputs"). PennyLane answers: <Z> = cos(x0 x1) by hand, d/dx = -sin(x0 x1) (x1, x0)
    (PennyLane 0.45.1: 0.61374579 and [-1.0263548, 0.5526526]); IQPEmbedding's
    <X0 X1> = 0.77408314... (PennyLane, float32 features: 0.774083140852169, its own
    float32 products; float64 features: 0.7740831465588812)."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def product(x):
        qml.RX(x[0] * x[1], 0)
        return qml.expval(qml.PauliZ(0))

    x = qml.numpy.array([0.7, -1.3], dtype=np.float32, requires_grad=True)
    a, b = (float(v) for v in x)
    assert abs(product(x) - np.cos(a * b)) < 1e-12
    assert np.allclose(qml.grad(product)(x), [-b * np.sin(a * b), -a * np.sin(a * b)],
                       atol=1e-12)

    @qml.qnode(dev)
    def iqp(w):
        qml.IQPEmbedding(w, wires=range(3))
        return qml.expval(qml.PauliX(0) @ qml.PauliX(1))

    w = np.array([0.27392337, -0.46042657, -0.918053], dtype=np.float32)
    assert abs(iqp(w) - 0.7740831465588812) < 1e-7


@pytest.mark.parametrize("state", [[[0.1, 0.2], [0.3]], [0.5, [0.1]], ["a", "b", "c", "d"]])
def test_amplitude_embedding_of_ragged_lists_or_text_is_a_gate_error(state):
    """PennyLane 0.45.1 refuses a ragged state or text with a ValueError (NumPy's
    "inhomogeneous shape" / "could not convert string to float"); qsym raised a bare
    ``TypeError: must be real number, not list`` (or ``complex() arg is a malformed
    string``). Now a GateError (a ValueError) saying what to give."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.AmplitudeEmbedding(x, wires=range(2), pad_with=0.0, normalize=True)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.errors.GateError, match="ragged|must hold numbers"):
        circuit(state)


# PennyLane 0.45.1's samples (default.qubit, RX(1.1) on 0, CNOT, 8 shots) for these seeds
PL_SAMPLES = {
    "list": [[0, 0], [0, 0], [0, 0], [0, 0], [1, 1], [0, 0], [0, 0], [1, 1]],
    "PCG64": [[1, 1], [1, 1], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]],
    "RandomState": [[0, 0], [0, 0], [0, 0], [0, 0], [1, 1], [1, 1], [0, 0], [0, 0]],
}


@pytest.mark.parametrize("kind", sorted(PL_SAMPLES))
def test_device_seeds_numpy_accepts_draw_pennylanes_samples(kind):
    """PennyLane's ``default.qubit`` makes its generator with ``numpy.random.default_rng(
    seed)``: a list of ints, a BitGenerator and a RandomState are seeds there; qsym refused
    them with a DeviceError. Now accepted, drawing PennyLane's samples; a negative int in
    the list or a float is still refused."""
    seed = {"list": [1, 2], "PCG64": np.random.PCG64(5),
            "RandomState": np.random.RandomState(3)}[kind]
    dev = qml.device("default.qubit", wires=2, seed=seed)

    @qml.set_shots(8)
    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return qml.sample(wires=[0, 1])

    assert np.asarray(circuit(1.1)).tolist() == PL_SAMPLES[kind]
    for bad in ([1, -2], [1.5], 1.5, "a"):
        with pytest.raises(qml.DeviceError, match="non-negative int"):
            qml.device("default.qubit", wires=2, seed=bad)


BUNDLE_CHILD = r"""
import json, sys
from numba.core import event
from qsym import _cell_bundles as bundles, _kernels as kernels, _tiers as tiers

name = "program_value_and_grad_into"
if sys.argv[1] == "compile":  # the entry point and its bundle in numba's cache
    getattr(kernels, name).compile(kernels.CELL_SIGNATURES[name])
    bundles.compile_bundles()
    raise SystemExit
made = bundles.bundle(name)
listed = bundles.SIGNATURE in tiers.cached_signatures(made)
made._cache.load_overload = lambda sig, ctx: None  # its cache file refused (damaged, gone)
attempts = []
made._compiler.compile = lambda *a, **k: attempts.append(a) or (_ for _ in ()).throw(
    RuntimeError("a compile on the first answer's path"))
compiles = []

class Listener(event.Listener):
    def on_start(self, ev):
        compiles.append(str(ev.data.get("dispatcher")))

    def on_end(self, ev):
        pass

event.register("numba:compile", Listener())
before = {c: kernels.CELLS[c].value for c in bundles.members(name)}
tiers._fill_from_bundle(name)
print(json.dumps({"listed": listed, "attempts": len(attempts), "compiles": compiles,
                  "unfilled_before": not any(before.values())}))
"""


def _bundle_child(mode: str) -> dict:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QSYM_WARMUP="0",
               PYTHONPATH=os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", BUNDLE_CHILD, mode], env=env, text=True,
                          capture_output=True, timeout=900, cwd=str(repo))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]) if mode != "compile" else {}


def test_a_cell_bundle_whose_file_does_not_load_is_not_compiled_on_the_first_answers_path():
    """first69's cell bundles: the warm-up thread (and a first compiled call, on the
    caller's thread) fills an entry point's cells from its bundle when numba's index lists
    it. When the bundle's data file did not load (damaged, planted, removed: qsym's checked
    cache refuses it), numba's ``Dispatcher.compile`` compiled the bundle, which compiles
    its kernels' whole call tree again: the 12x8 HEA's first parameter-shift gradient took
    50-85 s instead of 0.07-0.1 s (a flipped byte, a truncation, a removed or swapped
    ``.nbc``; measured at load 16, benchmarks/results/adv69-2026-12-07.md). Now nothing is
    compiled there (no numba compile event, independently of qsym) and each kernel is
    loaded alone, as without a bundle."""
    _bundle_child("compile")
    got = _bundle_child("check")
    assert got["listed"] and got["unfilled_before"], got
    assert got["attempts"] == 0 and got["compiles"] == [], got
