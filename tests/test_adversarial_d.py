"""Adversarial round, stop 59 (benchmarks/results/adversarial-2026-12-06d.md): what the
last round left (locks at fork, huge templates, ``qml.draw(level=None)``, lightning's
options) and what changed since (the shipped gate-code table, boxed runs, the qchem entry
points, measurement keys, CNOT-run blocks, basis-set weights), threads and processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qsym as qml
from qsym import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# --- locks at fork ----------------------------------------------------------------------------
_FORK_WITH_EVERY_LOCK_HELD = """
import importlib, os, pkgutil, threading
import qsym
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
locks = {}
for info in pkgutil.iter_modules(qsym.__path__):
    if info.name in ("__main__", "_cli"):
        continue
    mod = importlib.import_module("qsym." + info.name)
    for name, value in vars(mod).items():
        if isinstance(value, LOCK_TYPES):
            locks.setdefault(id(value), (mod, name, value))
from qsym import _cache, _tiers
held, done = threading.Event(), threading.Event()
def hold():
    for _, _, lock in locks.values():
        if lock is not _cache._dir_lock and lock is not _tiers._load_lock:
            lock.acquire()  # (a fork waits for _load_lock: a numba load under way)
    held.set()
    done.wait()
t = threading.Thread(target=hold, daemon=True)
t.start()
held.wait()
with _cache._dir_lock:  # a reentrant lock the forking thread holds: it releases it there
    pid = os.fork()
if pid == 0:
    stuck = [mod.__name__ + "." + name for mod, name, _ in locks.values()
             if not getattr(mod, name).acquire(blocking=False)]  # (a lock made anew counts)
    print(" ".join(stuck) or "none", flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print(len(locks), os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_frees_every_module_lock_another_thread_held(tmp_path):
    """Every module-level lock of qsym (found by looking at every module's globals, not
    listed by hand) held by another thread at a fork is free in the child, and a reentrant
    lock the forking thread holds is released there by that thread without error. Before,
    ``_cache._dir_lock``, ``_cache._lock``, ``_interp._kinds_lock``, ``_kernels.LAUNCH_LOCK``,
    ``_minimize._loops_lock``, ... stayed held forever in the child (only five were remade)."""
    env = dict(os.environ, QSYM_WARMUP="0", QSYM_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", _FORK_WITH_EVERY_LOCK_HELD], capture_output=True,
                         text=True, timeout=120, env=env, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    child, parent = out.stdout.strip().splitlines()
    assert child == "none", "locks still held in the child: " + child
    count, code = parent.split()
    assert int(count) >= 15 and code == "0", out.stdout + out.stderr[-2000:]


def test_every_lock_of_qsym_is_made_by_the_fork_safe_registry():
    """A new ``threading.Lock()``/``RLock()`` in qsym/ would not be freed in a forked child:
    locks are made with ``qsym._locks.new_lock``/``new_rlock`` (``_worker.py`` runs on
    workers without qsym and is the one exception; the exported module's lock is in a
    string and re-inits itself)."""
    pattern = re.compile(r"(?<![\w.])threading\.R?Lock\b")
    bad = [f"{path.name}:{n}" for path in sorted((ROOT / "qsym").glob("*.py"))
           if path.name not in ("_locks.py", "_worker.py")
           for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert not bad, bad


# --- templates of a size no one means ----------------------------------------------------------
def test_a_template_of_billions_of_gates_is_refused_before_it_is_built():
    """``qml.QFT(wires=range(10**5))`` (5e9 gates), a Trotter product of 10**8 steps: qsym
    builds a template's gates when it is made, so these ran until memory ran out; now an
    ``ArgumentError`` naming the count and the limit, before any gate is made. Counts by
    hand: QFT n + n(n-1)/2 + n//2; Trotter order 2: 2 rounds of the terms per step."""
    H = qml.Hamiltonian([1.0, 0.5], [qml.X(0) @ qml.X(1), qml.Z(0)])
    with pytest.raises(qml.errors.ArgumentError, match=r"5,000,100,000 gates.*MAX_TEMPLATE"):
        qml.QFT(wires=range(10**5))
    with pytest.raises(qml.errors.ArgumentError, match=r"TrotterProduct.* 400,000,000 gates"):
        qml.TrotterProduct(H, 0.1, n=10**8, order=2)
    with pytest.raises(qml.errors.ArgumentError, match=r"2,000,000,000 gates"):
        qml.ApproxTimeEvolution(H, 0.1, 10**9)
    # n + sum over m < n of min(m, k) + n//2 = 1e5 + (k(k+1)/2 + (n-1-k)k) + 5e4, k = 1e4:
    # 100,000 + 50,005,000 + 899,990,000 + 50,000
    with pytest.raises(qml.errors.ArgumentError, match=r"AQFT.* 950,145,000 gates"):
        qml.AQFT(order=10**4, wires=range(10**5))
    # the counts that decide are the gates built (small sizes, every AQFT order)
    assert qml.QFT(wires=range(7)).gate_count() == 7 + 21 + 3
    for order in range(1, 6):
        op = qml.AQFT(order=order, wires=range(6)) if order < 5 else qml.QFT(wires=range(6))
        assert op.gate_count() == len(op.decomposition())
    for op in (qml.ApproxTimeEvolution(H, 0.1, 3), qml.TrotterProduct(H, 0.1, n=2, order=4)):
        assert op.gate_count() == len(op.decomposition()) == {3: 6, 2: 40}[op.n]


def test_a_template_without_a_count_is_stopped_at_the_limit(monkeypatch):
    """Any other template is stopped when its own tape reaches the limit (a backstop:
    memory stays bounded), with the same error; nothing of it reaches the circuit."""
    from qsym import templates

    monkeypatch.setattr(templates, "MAX_TEMPLATE_GATES", 10)
    with pytest.raises(qml.errors.ArgumentError, match=r"GroverOperator on 6 wires would write more than"):
        qml.GroverOperator(wires=range(6))
    assert len(qml.GroverOperator(wires=range(2)).decomposition()) <= 10


# --- PennyLane's answers: draw levels, lightning's options --------------------------------------
def _one_rx_qnode(device_name="default.qubit", **options):
    @qml.qnode(qml.device(device_name, wires=2, **options))
    def c(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    return c


def test_level_none_is_refused_where_pennylane_refuses_it():
    """PennyLane 0.45.1 (run in /work/plvenv): ``qml.draw``, ``qml.draw_mpl``,
    ``construct_tape`` and ``construct_batch`` of a QNode at ``level=None`` raise
    ``ValueError: level None not recognized. Acceptable types are int, str, and slice.``;
    ``qml.specs(level=None)`` is its ``"gradient"`` level. qsym drew."""
    c = _one_rx_qnode()
    message = r"level None not recognized\. Acceptable types are int, str, and slice\."
    for make in (lambda: qml.draw(c, level=None)(0.1),
                 lambda: qml.workflow.construct_tape(c, level=None)(0.1),
                 lambda: qml.workflow.construct_batch(c, level=None)(0.1),
                 lambda: qml.draw(c, level=True)(0.1)):
        with pytest.raises(ValueError, match=message.replace("None", "(None|True)")):
            make()
    assert qml.specs(c, level=None)(0.1).level == "gradient"
    assert qml.draw(c)(0.1) == "0: ──RX(0.10)─┤  <Z>"


def test_lightning_options_are_accepted_or_refused_by_what_they_change():
    """lightning.qubit's ``batch_obs`` (threads for an adjoint's observables) changes no
    number: accepted, as ``mcmc=False`` with any ``kernel_name``/``num_burnin`` (lightning
    ignores them then). ``mcmc=True`` samples by a Markov chain, which qsym does not: a
    ``DeviceError`` saying so. (All refused before: "unsupported device options".) Other
    devices do not take them (PennyLane's default.qubit: a TypeError)."""
    x = np.array(0.3, requires_grad=True)
    for options in ({"batch_obs": True}, {"mcmc": False, "kernel_name": "Local", "num_burnin": 5}):
        c = _one_rx_qnode("lightning.qubit", **options)
        assert np.isclose(c(x), np.cos(0.3))
        assert np.isclose(qml.grad(c)(x), -np.sin(0.3))
    with pytest.raises(qml.errors.DeviceError, match=r"mcmc=True.*drop mcmc"):
        qml.device("lightning.qubit", wires=2, mcmc=True, kernel_name="Local", num_burnin=10)
    with pytest.raises(qml.errors.DeviceError, match="unsupported device options: batch_obs"):
        qml.device("default.qubit", wires=2, batch_obs=True)


# --- the differentiable qchem entry points --------------------------------------------------------
def _h2(requires_grad=True, **kw):
    geo = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]], requires_grad=requires_grad)
    return qml.qchem.Molecule(["H", "H"], geo, **kw), geo


def test_an_open_shell_molecule_with_trainable_coordinates_is_refused():
    """H2 with charge 1 (one electron) or multiplicity 3, its coordinates trainable:
    ``hf_energy(mol)(geo)`` returned 0.714286, the nuclear repulsion alone (no orbital
    occupied), a wrong number; PennyLane 0.45.1 (run in /work/plvenv) raises ``ValueError:
    Open-shell systems are not supported...``, as qsym does without ``args``."""
    for kw in ({"charge": 1}, {"mult": 3}):
        mol, geo = _h2(**kw)
        with pytest.raises(ValueError, match="Open-shell systems are not supported"):
            qml.qchem.hf_energy(mol)(geo)
        with pytest.raises(ValueError, match="Open-shell systems are not supported"):
            qml.qchem.scf(mol)(geo)


def test_bad_coordinates_and_basis_parameters_are_refused_with_what_to_give():
    """A flat geometry in ``args`` (bare ``IndexError``; PennyLane: ``ValueError: not enough
    values to unpack``), complex coordinates (read as their real part: "atoms 0 and 1 are at
    the same position"), a Gaussian exponent <= 0 or coefficients all 0 (a NaN energy, in
    PennyLane too: the Gaussian does not decay, the function has norm 0), exponent rows of
    the wrong count or length (bare ``IndexError``/broadcast ``ValueError``): each an
    ``ArgumentError`` saying what to give."""
    ArgumentError = qml.errors.ArgumentError
    mol, _ = _h2()
    flat = np.array([0.0, 0, 0, 0, 0, 1.4], requires_grad=True)
    with pytest.raises(ArgumentError, match=r"coordinates in args .* shape \(2, 3\), got shape \(6,\)"):
        qml.qchem.hf_energy(mol)(flat)
    nan = np.array([[0.0, 0, 0], [0, 0, np.nan]], requires_grad=True)
    with pytest.raises(ArgumentError, match="NaN or infinite"):
        qml.qchem.hf_energy(mol)(nan)
    with pytest.raises(ArgumentError, match="complex values; give real numbers"):
        qml.qchem.Molecule(["H", "H"], np.array([[0.0, 0, 0], [0, 0, 1.4j]]))
    sto = [3.42525091, 0.62391373, 0.1688554]
    for bad in ([0.0, *sto[1:]], [-3.4, *sto[1:]]):
        alpha = np.array([bad, sto], requires_grad=True)
        with pytest.raises(ArgumentError, match=r"basis function 0 has exponents .* positive"):
            _h2(alpha=alpha)
        good = np.array([sto, sto], requires_grad=True)
        m, g = _h2(alpha=good)
        with pytest.raises(ArgumentError, match=r"exponents .* in args: .* positive"):
            qml.qchem.hf_energy(m)(g, alpha)  # a bad value in args only
    zero = np.array([[0.0, 0.0, 0.0], [0.15, 0.53, 0.44]], requires_grad=True)
    with pytest.raises(ArgumentError, match="coefficients .* not all zero"):
        _h2(coeff=zero)
    with pytest.raises(ArgumentError, match=r"exponents of shape \(2,\) and coefficients of shape \(3,\)"):
        _h2(alpha=np.array([[1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(ArgumentError, match="2 basis functions need 2 rows"):
        _h2(alpha=np.array([sto]))
    with pytest.raises(ArgumentError, match=r"exponents \[0\.0, 1\.0\] \(a BasisFunction\)"):
        qml.qchem.BasisFunction((0, 0, 0), [0.0, 1.0], [0.5, 0.5], [0.0, 0.0, 0.0])  # (PL: NaN)
    # (what PennyLane's demo gives passes: tests/test_pennylane_demos12.py)


# --- a circuit function run on autograd's boxes ------------------------------------------------------
def test_an_error_of_the_boxed_run_that_is_not_about_boxes_is_kept():
    """A function that takes an input through a routine qsym's stand-ins cannot trace
    (``np.linalg.eigh``) runs on autograd's boxes under ``qml.jacobian``. An error there
    that is not about boxes (the function's own exception class, a wire the device lacks)
    was replaced by "cannot differentiate by x: the circuit function used the number of
    that input": PennyLane 0.45.1 (run in /work/plvenv) raises the function's ``MyError``
    and its ``WireError``; so does qsym now."""
    import autograd

    class MyError(Exception):
        pass

    box = autograd.numpy.numpy_boxes.ArrayBox
    dev = qml.device("default.qubit", wires=2)

    def angle(x):
        return np.linalg.eigh(np.array([[x, 1.0], [1.0, -x]]))[0][0]

    @qml.qnode(dev)
    def own_error(x):
        if isinstance(x, box):
            raise MyError("the function's own error")
        qml.RX(angle(x), 0)
        return qml.expval(qml.Z(0))

    @qml.qnode(dev)
    def bad_wire(x):
        qml.RX(angle(x), 5 if isinstance(x, box) else 0)
        return qml.expval(qml.Z(0))

    x = np.array(0.3, requires_grad=True)
    with pytest.raises(MyError, match="the function's own error"):
        qml.jacobian(own_error)(x)
    with pytest.raises(qml.wires.WireError, match=r"wires not found on the device: \{5\}"):
        qml.jacobian(bad_wire)(x)
