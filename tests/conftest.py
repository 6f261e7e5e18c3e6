"""Shared test setup: a private qsym cache directory, and random circuit builders."""

import os
import tempfile

import numpy as np
import pytest

# keep the developer's own cache out of the tests (but reuse it across test files)
os.environ.setdefault("QSYM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "qsym-test-cache"))
# no "compiling qsym's kernel library" line on stderr (tests/test_tiers.py checks it)
os.environ.setdefault("QSYM_QUIET", "1")

import qsym as qml  # noqa: E402
from qsym._gates import GATES  # noqa: E402


def seed_kernel_cache(folder) -> None:
    """Copy the kernel library's numba cache of this process into the cache folder
    ``folder`` (made if missing), so that a subprocess given ``QSYM_CACHE_DIR=folder``
    loads qsym's kernels instead of compiling them all again (about a minute: the kernel
    library is cached under ``QSYM_CACHE_DIR`` like everything else qsym writes)."""
    import shutil
    from pathlib import Path

    from qsym import _cache as cache


    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for source in cache.kernel_cache_dirs():
        target = cache.kernel_cache_dir(folder)
        if target.exists():  # seeded already (maybe in use by a running process)
            continue
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # copied aside, then renamed into place: a process never sees half a copy
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".seed-"))
        shutil.copytree(source, staging, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.tmp"))
        try:
            os.rename(staging, target)
        except OSError:  # another seeding won
            shutil.rmtree(staging, ignore_errors=True)



@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Two worker processes (``-n 2 --dist worksteal``: the suite compiles some hundreds of
    small circuits) unless the command line says otherwise: ``-n 0`` or ``-p no:xdist``
    run in one process, ``-n N`` on N."""
    if (config.pluginmanager.hasplugin("xdist")
            and getattr(config.option, "numprocesses", None) is None
            and "PYTEST_XDIST_WORKER" not in os.environ):
        config.option.numprocesses = 2
        config.option.dist = "worksteal"


FIXED_WIRE_GATES = sorted(name for name, row in GATES.items() if row.num_wires)
ALL_GATES = sorted(GATES)


def random_gate_spec(rng, name, n_wires):
    """Random wires and hyperparameters for gate ``name`` on a device of ``n_wires``."""
    row = GATES[name]
    k = row.num_wires or int(rng.integers(2 if name == "MultiControlledX" else 1, n_wires + 1))
    wires = [int(w) for w in rng.permutation(n_wires)[:k]]
    hyper = {}
    if "pauli_word" in row.hyper:
        hyper["pauli_word"] = "".join("IXYZ"[i] for i in rng.integers(0, 4, size=k))
    if "dim" in row.hyper:
        hyper["dim"] = int(rng.integers(0, 2**k + 1))
    if "control_values" in row.hyper:
        hyper["control_values"] = [int(b) for b in rng.integers(0, 2, size=k - 1)]
    if "U" in row.hyper:
        z = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
        q, r = np.linalg.qr(z)
        hyper["U"] = q * (np.diag(r) / abs(np.diag(r)))
    return wires, hyper


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


def random_circuit_function(seed, n_wires, n_ops, n_meas=1, gates=None, include=None):
    """A circuit function ``f(x, y, data=...)`` of random gates from the table.

    ``x`` is a float array of 3, ``y`` a float, ``data`` a keyword float array of 2.
    ``include``: a gate placed in the middle of the circuit, whatever the random choice.
    """
    gates = gates or FIXED_WIRE_GATES
    spec_rng = np.random.default_rng(seed)
    plan = []
    for _ in range(n_ops):
        fitting = [
            g for g in gates
            if GATES[g].num_wires <= n_wires and not (g == "MultiControlledX" and n_wires < 2)
        ]
        name = fitting[spec_rng.integers(0, len(fitting))]
        wires, hyper = random_gate_spec(spec_rng, name, n_wires)
        plan.append((name, wires, hyper, int(spec_rng.integers(0, 1 << 30))))
    if include is not None:
        wires, hyper = random_gate_spec(spec_rng, include, n_wires)
        plan.insert(len(plan) // 2, (include, wires, hyper, int(spec_rng.integers(0, 1 << 30))))
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
        for name, wires, hyper, s in plan:
            rng = np.random.default_rng(s)
            params = [_param_expr(rng, x, y, data) for _ in range(GATES[name].num_params)]
            getattr(qml, name)(*params, wires=wires, **hyper)
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
