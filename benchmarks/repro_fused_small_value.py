"""qsym's crash found by the oracle's ``--promote-all`` (stop 67, seed 6708): two QNodes on
the same gates, the first measuring ``qml.state()``, the second ``qml.probs(op=...)`` of a
Hermitian and of a Pauli product; each called until compiled (``COMPILE_AFTER_CALLS = 2``)
and fused. With a module cache that holds neither circuit (a fresh ``QSYM_CACHE_DIR`` with
only the kernel library), the second one's compiled value raises ``ValueError: qsym: not a
program for the small value kernel`` from ``kernels.program_value_small_into``, though its
generated module calls ``program_value_into``; alone, or with its module cached, it answers.
The first circuit's module is the one that uses the small value kernel: the second ran the
first one's kernel through the kernel table (answers with ``QSYM_KERNEL_TABLE=0``). Fixed
at stop 67: the table's functions are named after each entry point (the same lambda of the
two entry points, compiled in two background processes, had one symbol);
tests/test_kernel_table.py::test_two_modules_compiled_in_the_background_call_their_own_kernels.

    mkdir -p /tmp/fresh && cp -r $QSYM_CACHE_DIR/{kernels,qsym-cache.key,numba-runtime} /tmp/fresh/
    QSYM_CACHE_DIR=/tmp/fresh PYTHONPATH=. python benchmarks/repro_fused_small_value.py
"""

import threading

import numpy as onp

import qsym as qml
from qsym import _tiers

_tiers.COMPILE_AFTER_CALLS = 2
labels = ["q4", 11, -1, -3, -2]
rng = onp.random.default_rng(6708)
a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
H = a + a.conj().T


def make(measure):
    @qml.qnode(qml.device("default.qubit", wires=labels))
    def circuit(x):
        qml.exp(qml.prod(qml.PauliY(-3), qml.PauliX("q4"), qml.PauliY(-2)), 1j * x[0])
        qml.RX(x[1], wires=11)
        return measure()
    return circuit


def promoted(node, x):
    first = node(x)
    for _ in range(3):
        node(x)
    for t in threading.enumerate():
        if isinstance(t, _tiers.Job):
            t.join(600)
    try:
        node(x)
        again = node(x)
    except ValueError as e:
        return f"ValueError: {e}"
    same = all(onp.allclose(p, q) for p, q in zip(onp.atleast_1d(first), onp.atleast_1d(again)))
    return f"answers ({'the same' if same else 'DIFFERENT'}), tiers {[e.tier for e in node._compiled.values()]}"


x = qml.numpy.array([-5.913979933687449, -3.9751550714220683])
print("state:", promoted(make(qml.state), x))
print("probs(op=...):", promoted(make(lambda: (qml.probs(op=qml.Hermitian(H, wires=[-2, "q4"])),
                                               qml.probs(op=qml.PauliY(-1) @ qml.PauliY(-3)))), x))
