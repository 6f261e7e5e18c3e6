"""Shared test setup: a private qsym cache directory, and random circuit builders."""

import os
import tempfile

import numpy as np
import pytest

# keep the developer's own cache out of the tests (but reuse it across test files)
os.environ.setdefault("QSYM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "qsym-test-cache"))

import qsym as qml  # noqa: E402
from qsym.gates import GATES  # noqa: E402

FIXED_WIRE_GATES = sorted(name for name, row in GATES.items() if row.num_wires)


def _param_expr(rng, x, y, data):
    """A random classical function of the inputs: what users write inside circuits."""
    i, j = rng.integers(0, len(x), size=2)
    k = rng.integers(0, len(data))
    choice = rng.integers(0, 8)
    if choice == 0:
        return x[i]
    if choice == 1:
        return 2.0 * x[i] + 0.3
    if choice == 2:
        return qml.numpy.sin(x[i]) * y
    if choice == 3:
        return x[i] * x[j]
    if choice == 4:
        return y
    if choice == 5:
        return 0.7  # a constant: not differentiated
    if choice == 6:
        return data[k] * x[i]  # data fed through a keyword argument
    return qml.numpy.cos(y) ** 2 - x[j] / 3


def random_circuit_function(seed, n_wires, n_ops, n_meas=1, gates=None):
    """A circuit function ``f(x, y, data=...)`` of random gates from the table.

    ``x`` is a float array of 3, ``y`` a float, ``data`` a keyword float array of 2.
    """
    gates = gates or FIXED_WIRE_GATES
    spec_rng = np.random.default_rng(seed)
    plan = []
    for _ in range(n_ops):
        fitting = [g for g in gates if GATES[g].num_wires <= n_wires]
        name = fitting[spec_rng.integers(0, len(fitting))]
        wires = list(spec_rng.permutation(n_wires)[: GATES[name].num_wires])
        plan.append((name, wires, int(spec_rng.integers(0, 1 << 30))))
    letters = "XYZ"
    observables = []
    for _ in range(n_meas):
        terms = []
        for _ in range(int(spec_rng.integers(1, 3))):
            k = int(spec_rng.integers(1, n_wires + 1))
            ws = list(spec_rng.permutation(n_wires)[:k])
            word = [(int(w), letters[spec_rng.integers(0, 3)]) for w in ws]
            terms.append((float(spec_rng.normal()), word))
        observables.append(terms)

    def circuit(x, y, data=None):
        for name, wires, s in plan:
            rng = np.random.default_rng(s)
            params = [_param_expr(rng, x, y, data) for _ in range(GATES[name].num_params)]
            getattr(qml, name)(*params, wires=wires)
        results = []
        for terms in observables:
            obs = None
            for c, word in terms:
                prod = None
                for w, p in word:
                    o = getattr(qml, "Pauli" + p)(w)
                    prod = o if prod is None else prod @ o
                obs = c * prod if obs is None else obs + c * prod
            results.append(qml.expval(obs))
        return results[0] if n_meas == 1 else tuple(results)

    return circuit


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
