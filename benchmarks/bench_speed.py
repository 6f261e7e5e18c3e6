#!/usr/bin/env python
"""Speed benchmark for issue #5: every row of its table, qsym (parameter-shift and adjoint)
next to PennyLane default.qubit, lightning.qubit and qulacs, in one command.

Usage::

    python benchmarks/bench_speed.py                 # full run, ~25-35 min on 2 cores
    python benchmarks/bench_speed.py --quick         # smoke run, small rows, ~2-3 min

Writes ``speed.md`` (report), ``speed.json`` (every repeat) and ``speed.png`` (plot) to
``--out-dir`` (default ``benchmarks/results``; with ``--quick`` a temp dir unless given).

In one run (see ``benchmarks/README.md``):

1. the machine: CPU, memory, versions, thread settings, ``uptime``, and its memory copy
   bandwidth (``np.copyto`` of a 1 GiB array, median of several, at start and at end);
2. per row: every method's gradient is checked against a reference (PennyLane
   default.qubit, parameter-shift; backprop where parameter-shift is too slow) to 1e-8,
   an ``assert``, before anything is timed; the parameter-shift circuit-execution counts of
   qsym (its plan) and lightning.qubit (``qml.Tracker``) are compared;
3. per row and method, the time per gradient in this process after warm-up, one thread:
   median and min over several repeats; a method whose single gradient is estimated to
   take more than ``--max-grad-s`` (60 s) is skipped and its estimate reported;
4. qsym's raw compiled gradient call on the seed (the fused numba entry point);
5. qsym's compile latency in fresh processes: a new circuit (kernel library already
   compiled, circuit cache empty) and a second process with the circuit's cache warm;
6. multi-core: ``Compiled.batch_value_and_grad(X, D)`` throughput with 1 vs 2 numba
   threads on the 12-wire row, when this qsym has it;
7. the 20-wire adjoint time against the memory-bandwidth floor.

qsym is benchmarked from a snapshot of the working tree's ``qsym/`` taken at start, as in
``bench_core.py`` (whose helpers this script reuses).
"""

from __future__ import annotations

import os
import sys

# Thread settings before numpy / numba / lightning / qulacs load (children inherit them,
# except the multi-core child, which sets its own).
_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS")
if "--child" not in sys.argv:
    _threads = "1"
    for _i, _a in enumerate(sys.argv):
        if _a == "--threads" and _i + 1 < len(sys.argv):
            _threads = sys.argv[_i + 1]
        elif _a.startswith("--threads="):
            _threads = _a.split("=", 1)[1]
    if _threads != "inherit":
        for _v in _THREAD_VARS:
            os.environ[_v] = _threads
        # JAX / XLA (the compiled peers): one intra-op thread, no Eigen thread pool
        _xla = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in _xla and _threads.isdigit():
            os.environ["XLA_FLAGS"] = (f"{_xla} --xla_cpu_multi_thread_eigen="
                                       f"{'true' if int(_threads) > 1 else 'false'} "
                                       f"intra_op_parallelism_threads={_threads}").strip()

import argparse
import gc
import importlib
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core as core

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GRAD_TOL = 1e-8
CHILD_MARK = "BENCH_SPEED_JSON:"
log = core.log
fmt_time = core.fmt_time
md_table = core.md_table

# Targets of issue #5
T_SEED_VS_LADJ = 200.0        # seed qml.grad >= 200x faster than lightning adjoint
T_SEED_RAW_S = 1e-6           # seed raw compiled gradient call <= 1 us
T_FLOOR_FACTOR = 1.5          # 20-wire adjoint within 1.5x of the bandwidth floor
T_PS_VS_LPS = 10.0            # parameter shift >= 10x faster than lightning param-shift
T_PS_MAX_WIRES = 16           # ... on every row up to 16 wires
T_MULTICORE = 1.7             # 2 threads >= 1.7x single-thread throughput (12-wire row)
T_COMPILE_NEW_S = 2.0         # 12x8 traced + compiled, fresh process
T_COMPILE_CACHED_S = 0.3      # second fresh process, on-disk cache warm, to first gradient


# --------------------------------------------------------------------------------------
# Rows (circuits)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    name: str
    kind: str        # "seed" | "hea" | "crx"
    wires: int
    layers: int

    @property
    def title(self) -> str:
        if self.kind == "seed":
            return "seed (1 wire, RX RY, <Z0>)"
        if self.kind == "hea":
            return f"HEA {self.wires} wires × {self.layers} layers"
        return f"{self.wires} wires × {self.layers} layers of CRX, IsingZZ, RX"

    @property
    def short(self) -> str:
        return {"seed": "seed", "hea": f"{self.wires}×{self.layers}",
                "crx": f"{self.wires}×{self.layers} CRX/ZZ/RX"}[self.kind]

    def shape(self) -> tuple:
        if self.kind == "seed":
            return (2,)
        if self.kind == "hea":
            return (self.layers, self.wires, 2)
        return (self.layers, 3 * self.wires - 2)   # n-1 CRX, n-1 IsingZZ, n RX per layer

    @property
    def num_params(self) -> int:
        return int(np.prod(self.shape()))

    @property
    def num_gates(self) -> int:
        n = self.wires
        if self.kind == "seed":
            return 2
        if self.kind == "hea":
            return self.layers * (3 * n - 1)
        return self.layers * (3 * n - 2)

    def param_values(self) -> np.ndarray:
        if self.kind == "seed":
            return np.array([0.54, 0.12])
        rng = np.random.default_rng(20240607 + 1000 * self.wires + self.layers
                                    + (7 if self.kind == "crx" else 0))
        return rng.uniform(-np.pi, np.pi, size=self.shape())

    def ps_executions(self) -> int:
        """Circuits per parameter-shift gradient: the unshifted circuit plus two per
        two-term parameter and four per CRX parameter (two frequencies)."""
        if self.kind == "crx":
            per_layer = 4 * (self.wires - 1) + 2 * (self.wires - 1) + 2 * self.wires
            return 1 + self.layers * per_layer
        return 1 + 2 * self.num_params


ROWS = {r.name: r for r in (
    Row("seed", "seed", 1, 0),
    Row("hea4", "hea", 4, 4),
    Row("hea8", "hea", 8, 8),
    Row("hea12", "hea", 12, 8),
    Row("hea16", "hea", 16, 4),
    Row("hea20", "hea", 20, 2),
    Row("crx6", "crx", 6, 4),
)}
QUICK_ROWS = "seed,hea4,hea8,crx6"


def build_qnode(qml, row: Row, device: str, diff_method: str, **qnode_kw):
    """The row's QNode, built with the framework module ``qml`` (qsym or pennylane): the
    same code for both. H = sum_i Z_i, built with ``+`` as a PennyLane user would."""
    dev = qml.device(device, wires=row.wires)
    n, layers = row.wires, row.layers

    def hamiltonian():
        obs = qml.PauliZ(0)
        for i in range(1, n):
            obs = obs + qml.PauliZ(i)
        return obs

    if row.kind == "seed":
        def seed(p):
            qml.RX(p[0], wires=0)
            qml.RY(p[1], wires=0)
            return qml.expval(qml.PauliZ(0))

        fn = seed
    elif row.kind == "hea":
        def hea(w):
            for layer in range(layers):
                for i in range(n):
                    qml.RY(w[layer, i, 0], wires=i)
                    qml.RZ(w[layer, i, 1], wires=i)
                for i in range(n - 1):
                    qml.CNOT(wires=[i, i + 1])
            return qml.expval(hamiltonian())

        fn = hea
    else:
        def crx(w):
            for layer in range(layers):
                k = 0
                for i in range(n - 1):
                    qml.CRX(w[layer, k], wires=[i, i + 1])
                    k += 1
                for i in range(n - 1):
                    qml.IsingZZ(w[layer, k], wires=[i, i + 1])
                    k += 1
                for i in range(n):
                    qml.RX(w[layer, k], wires=i)
                    k += 1
            return qml.expval(hamiltonian())

        fn = crx
    return qml.QNode(fn, dev, diff_method=diff_method, **qnode_kw)


def qulacs_circuit(row: Row):
    """The row as a qulacs ``ParametricQuantumCircuit``, ``(circuit, observable, index,
    scale)``: qulacs gate parameter k is ``scale[k] * theta[index[k]]``. qulacs rotations
    are ``exp(+i a/2 P)`` (PennyLane's are ``exp(-i t/2 P)``), so ``scale`` is negative;
    CRX(t) on (c, x) is ``exp(-i t/4 X_x) exp(+i t/4 Z_c X_x)``: two parametric gates
    sharing one parameter. Wire i is qulacs qubit i (H = sum Z_i does not care about the
    bit order)."""
    from qulacs import Observable, ParametricQuantumCircuit
    n = row.wires
    circ = ParametricQuantumCircuit(n)
    idx, scale = [], []
    theta = row.param_values().ravel()

    def add(kind, j, s, *wires):
        a = s * theta[j]
        if kind == "RX":
            circ.add_parametric_RX_gate(wires[0], a)
        elif kind == "RY":
            circ.add_parametric_RY_gate(wires[0], a)
        elif kind == "RZ":
            circ.add_parametric_RZ_gate(wires[0], a)
        else:  # multi-Pauli rotation: kind is a string of X/Y/Z on ``wires``
            circ.add_parametric_multi_Pauli_rotation_gate(
                list(wires), ["IXYZ".index(c) for c in kind], a)
        idx.append(j)
        scale.append(s)

    if row.kind == "seed":
        add("RX", 0, -1.0, 0)
        add("RY", 1, -1.0, 0)
    elif row.kind == "hea":
        for layer in range(row.layers):
            for i in range(n):
                add("RY", (layer * n + i) * 2, -1.0, i)
                add("RZ", (layer * n + i) * 2 + 1, -1.0, i)
            for i in range(n - 1):
                circ.add_CNOT_gate(i, i + 1)
    else:
        per = 3 * n - 2
        for layer in range(row.layers):
            k = layer * per
            for i in range(n - 1):
                add("RX", k, -0.5, i + 1)
                add("ZX", k, 0.5, i, i + 1)
                k += 1
            for i in range(n - 1):
                add("ZZ", k, -1.0, i, i + 1)
                k += 1
            for i in range(n):
                add("RX", k, -1.0, i)
                k += 1
    obs = Observable(n)
    for i in range(n):
        obs.add_operator(1.0, f"Z {i}")
    return circ, obs, np.array(idx), np.array(scale)


# --------------------------------------------------------------------------------------
# Methods (framework + differentiation method)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Method:
    name: str
    title: str
    short: str
    module: str        # import to probe availability
    kind: str          # "ps" | "adjoint" | "backprop"
    rows: tuple = ()   # () = every row
    compiled: bool = False   # a compiled peer (issue #19): JAX / Catalyst / tensorcircuit


METHODS = {m.name: m for m in (
    Method("qsym-ps", "qsym (parameter-shift)", "qsym ps", "qsym", "ps"),
    Method("qsym-adjoint", "qsym (adjoint)", "qsym adjoint", "qsym", "adjoint"),
    Method("pl-default-ps", "PennyLane default.qubit (parameter-shift)", "default.qubit ps",
           "pennylane", "ps"),
    Method("pl-default-bp", "PennyLane default.qubit (backprop)", "default.qubit backprop",
           "pennylane", "backprop"),
    Method("lightning-ps", "lightning.qubit (parameter-shift)", "lightning ps",
           "pennylane_lightning", "ps"),
    Method("lightning-adjoint", "lightning.qubit (adjoint)", "lightning adjoint",
           "pennylane_lightning", "adjoint"),
    Method("qulacs-bp", "qulacs (ParametricQuantumCircuit.backprop)", "qulacs backprop",
           "qulacs", "backprop"),
    Method("qulacs-shift", "qulacs (hand-written shift loop)", "qulacs shift loop",
           "qulacs", "ps", rows=("seed",)),
    # compiled peers (issue #19): every one is a jitted gradient function, timed per call
    # with ``.block_until_ready()``; its first call (trace + XLA/MLIR compile + one run) is
    # the compile latency reported beside the call time
    Method("catalyst-adjoint", "Catalyst qjit(grad), lightning.qubit adjoint",
           "Catalyst adjoint", "catalyst", "adjoint", compiled=True),
    Method("catalyst-ps", "Catalyst qjit(grad), lightning.qubit parameter-shift",
           "Catalyst ps", "catalyst", "ps", compiled=True),
    Method("jax-bp", "jax.jit(jax.grad) of default.qubit backprop", "JAX-jit backprop",
           "jax", "backprop", compiled=True),
    Method("jax-lightning-adjoint", "jax.jit(jax.grad) of lightning.qubit adjoint",
           "JAX-jit lightning adjoint", "jax", "adjoint", compiled=True),
    Method("tc-jax", "tensorcircuit-ng, JAX backend, jax.jit(jax.grad)",
           "tensorcircuit-ng JAX", "tensorcircuit", "backprop", compiled=True),
)}
COMPILED = tuple(m for m in METHODS if METHODS[m].compiled)
QSYM_METHODS = ("qsym-ps", "qsym-adjoint")
PL = {"pl-default-ps": ("default.qubit", "parameter-shift"),
      "pl-default-bp": ("default.qubit", "backprop"),
      "lightning-ps": ("lightning.qubit", "parameter-shift"),
      "lightning-adjoint": ("lightning.qubit", "adjoint")}
# Rough gradient cost in forward evaluations, for the skip estimate (measured here:
# default.qubit backprop 3.5-8x a forward pass at 12-20 wires).
EST_FACTOR = {"adjoint": 3.0, "backprop": 8.0}


@dataclass
class Case:
    """One method on one row: ``grad()`` returns the flat gradient; ``forward()`` one
    evaluation (for the skip estimate)."""
    grad: object
    forward: object
    qnode: object = None
    params: object = None
    device: object = None


def make_case(method: str, row: Row) -> Case:
    if method in QSYM_METHODS:
        import qsym
        node = build_qnode(qsym, row, "default.qubit",
                           "parameter-shift" if method == "qsym-ps" else "adjoint")
        # as a PennyLane user writes it: a trainable qsym.numpy tensor
        p = qsym.numpy.array(row.param_values(), requires_grad=True)
        g = qsym.grad
        return Case(lambda: g(node)(p), lambda: node(p), node, p, node.device)
    if METHODS[method].compiled:
        return compiled_case(method, row)
    if method in PL:
        import pennylane as pl
        device, dm = PL[method]
        node = build_qnode(pl, row, device, dm)
        p = pl.numpy.array(row.param_values(), requires_grad=True)
        g = pl.grad
        return Case(lambda: g(node)(p), lambda: node(p), node, p, node.device)
    # qulacs
    from qulacs import QuantumState
    circ, obs, idx, scale = qulacs_circuit(row)
    theta = row.param_values().ravel().copy()
    P = theta.size
    K = len(idx)

    def set_params(th):
        for k, a in enumerate((scale * th[idx]).tolist()):
            circ.set_parameter(k, a)

    state = QuantumState(row.wires)

    def forward():
        set_params(theta)
        state.set_zero_state()
        circ.update_quantum_state(state)
        return obs.get_expectation_value(state)

    if method == "qulacs-bp":
        def grad():
            set_params(theta)
            gk = np.asarray(circ.backprop(obs))
            return np.bincount(idx, weights=scale * gk, minlength=P)
        return Case(grad, forward)

    # hand-written two-term shift loop (every parameter feeds one RX/RY/RZ gate)
    assert K == P and np.all(np.abs(scale) == 1.0), "shift loop: one rotation per parameter"
    half_pi = np.pi / 2

    def expval_at(angles):
        for k, a in enumerate(angles):
            circ.set_parameter(k, a)
        state.set_zero_state()
        circ.update_quantum_state(state)
        return obs.get_expectation_value(state)

    base = (scale * theta[idx]).tolist()

    def grad_shift():
        out = np.empty(P)
        for k in range(K):
            a = list(base)
            a[k] = base[k] + half_pi
            ep = expval_at(a)
            a[k] = base[k] - half_pi
            em = expval_at(a)
            out[idx[k]] = scale[k] * 0.5 * (ep - em)
        return out

    return Case(grad_shift, forward)


def tc_function(row: Row):
    """The row as a tensorcircuit-ng function of the parameter array (JAX backend,
    complex128): the same gates in the same order; tensorcircuit's ``rx/ry/rz`` are
    ``exp(-i t/2 P)`` and ``rzz`` is ``exp(-i t/2 Z Z)``, PennyLane's conventions (the
    gradient check before timing confirms it)."""
    import jax.numpy as jnp
    import tensorcircuit as tc
    tc.set_backend("jax")
    tc.set_dtype("complex128")
    n, layers = row.wires, row.layers

    def f(w):
        c = tc.Circuit(n)
        if row.kind == "seed":
            c.rx(0, theta=w[0])
            c.ry(0, theta=w[1])
            return jnp.real(c.expectation_ps(z=[0]))
        for layer in range(layers):
            if row.kind == "hea":
                for i in range(n):
                    c.ry(i, theta=w[layer, i, 0])
                    c.rz(i, theta=w[layer, i, 1])
                for i in range(n - 1):
                    c.cnot(i, i + 1)
            else:
                k = 0
                for i in range(n - 1):
                    c.crx(i, i + 1, theta=w[layer, k])
                    k += 1
                for i in range(n - 1):
                    c.rzz(i, i + 1, theta=w[layer, k])
                    k += 1
                for i in range(n):
                    c.rx(i, theta=w[layer, k])
                    k += 1
        return sum(jnp.real(c.expectation_ps(z=[i])) for i in range(n))

    return f


def compiled_case(method: str, row: Row) -> Case:
    """A compiled peer's jitted gradient of the row (issue #19). ``grad()`` calls it and
    waits for the result (``block_until_ready``: JAX dispatches asynchronously), so a
    timed call is a finished gradient. float64 throughout (``jax_enable_x64``)."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    x = jnp.asarray(row.param_values(), dtype=jnp.float64)
    if method == "tc-jax":
        f = tc_function(row)
        gfn = jax.jit(jax.grad(f))
        fwd = jax.jit(f)
    else:
        import pennylane as pl
        if method.startswith("catalyst"):
            node = build_qnode(pl, row, "lightning.qubit",
                               "adjoint" if method == "catalyst-adjoint" else "parameter-shift")
            gfn = pl.qjit(pl.grad(node))
            fwd = None
        elif method == "jax-bp":
            node = build_qnode(pl, row, "default.qubit", "backprop", interface="jax")
            gfn, fwd = jax.jit(jax.grad(node)), None
        else:  # jax-lightning-adjoint
            node = build_qnode(pl, row, "lightning.qubit", "adjoint", interface="jax")
            gfn, fwd = jax.jit(jax.grad(node)), None
    return Case(lambda: gfn(x).block_until_ready(), fwd or (lambda: None), None, x, None)


def flat_grad(g) -> np.ndarray:
    if isinstance(g, (tuple, list)) and len(g) == 1:
        g = g[0]
    return np.asarray(g, dtype=float).ravel()


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------
@dataclass
class Timing:
    median_s: float
    min_s: float
    repeats: int
    calls: int            # calls per repeat
    per_call_s: list = field(default_factory=list)
    other_cores: float | None = None


def time_each_call(fn, repeats: int, warm: int) -> Timing:
    """Slow gradients: ``warm`` untimed calls, then ``repeats`` single timed calls."""
    for _ in range(warm):
        fn()
    meter = core.OtherLoad()
    xs = [core._run_loop(fn, 1) / 1e9 for _ in range(repeats)]
    return Timing(statistics.median(xs), min(xs), repeats, 1, xs, meter.cores())


def time_gradient(fn, first_s: float, args) -> Timing:
    """Fast gradients (first call < 50 ms): bench_core's steady-state loop (warm-up incl.
    qsym's switch to fused code after 1000 calls, N calls per measurement of ~0.3 s).
    Slower ones: one untimed warm-up call (it also gives the call's time without any
    compile), then one call per measurement: 7 repeats, 5 above 2 s, 3 above 10 s
    (quick: 3, 1 above 2 s)."""
    if first_s < 0.05:
        s = core.time_steady(fn, args.repeats, args.target_time, args.warmup)
        return Timing(s.median_s, s.min_s, s.repeats, s.calls, s.per_call_s, s.other_cores)
    t0 = time.perf_counter()
    fn()
    second = time.perf_counter() - t0
    if second < 0.05:  # the first call was compiling: fast after all
        s = core.time_steady(fn, args.repeats, args.target_time, args.warmup)
        return Timing(s.median_s, s.min_s, s.repeats, s.calls, s.per_call_s, s.other_cores)
    if args.quick:
        return time_each_call(fn, 1 if second > 2 else 3, 0)
    return time_each_call(fn, 7 if second < 2 else 5 if second < 10 else 3, 0)


def memory_bandwidth(gib: float, repeats: int) -> dict:
    """Copy bandwidth: ``np.copyto`` of a ``gib`` GiB float64 array into another; each copy
    reads and writes ``gib`` GiB, so bandwidth = 2 * bytes / time (the STREAM "copy"
    convention). Median and max over ``repeats`` copies (after one untimed copy that
    faults the pages in)."""
    n = int(gib * 2**30) // 8
    src = np.ones(n)
    dst = np.empty(n)
    np.copyto(dst, src)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        ts.append(time.perf_counter() - t0)
    del src, dst
    gc.collect()
    bw = [2 * n * 8 / t for t in ts]
    return {"bytes": n * 8, "seconds": ts, "median_Bps": statistics.median(bw),
            "max_Bps": max(bw)}


def l3_caveat() -> str:
    """A sentence on the last-level cache, which can hold a 20-wire state (16 MiB)."""
    try:
        size = Path("/sys/devices/system/cpu/cpu0/cache/index3/size").read_text().strip()
    except OSError:
        return ""
    kib = int(size.rstrip("K")) if size.endswith("K") else None
    if not kib:
        return f" The L3 cache here is {size}."
    return (f" Caveat: this machine's L3 cache is {kib / 1024:g} MiB, so the 16 MiB state (ψ "
            f"and λ: 32 MiB) partly stays in cache between sweeps and a gate-by-gate method "
            f"can run below this DRAM floor; it is a reference point, not a hard bound.")


def adjoint_floor_bytes(row: Row) -> tuple[int, str]:
    """Bytes an adjoint gradient must stream, gate by gate (Jones & Gacon): the forward
    sweep reads and writes the state once per gate (2G state sizes); |lambda> = H|psi>
    reads psi and writes lambda (2); the backward sweep un-applies each gate to both psi
    and lambda, read + write each (4G), and for each parameterized gate the overlap
    <lambda|dU|psi> reads both vectors once more (2P, unless fused into the sweep). A
    state is 16 * 2^n bytes (complex128)."""
    S = 16 * 2**row.wires
    G, P = row.num_gates, row.num_params
    units = 2 * G + 2 + 4 * G + 2 * P
    return units * S, (f"(6G + 2P + 2) × 16·2^n = (6·{G} + 2·{P} + 2) × {S / 2**20:g} MiB"
                       f" = {units} × {S / 2**20:g} MiB = {units * S / 1e9:.2f} GB")


LARGE_ROWS = ("hea16", "hea20")  # the rows of the passes / bytes / threads report


def adjoint_traffic(qml, row: Row) -> dict:
    """State sizes streamed (read + written) by one adjoint gradient of ``row``, counted
    from qsym's program: ``"op by op"`` as the unblocked kernel runs it
    (``kernels._adjoint_into``: a pass per gate forward, one per word for lambda, psi and
    lambda per gate backward) and ``"blocked"`` as the blocked kernel does from
    ``kernels.BLOCK_MIN_WIRES`` wires (``kernels.block_plan``'s segments: a pass per group
    of a block segment, a CNOT run taken along by a block pass or one pass of its own); per
    phase (forward, measure, lambda, backward); and the blocked kernel's parallel regions
    (each a barrier with several threads). Bytes = units x 16 * 2^n."""
    from qsym import _kernels as K
    node = build_qnode(qml, row, "default.qubit", "adjoint")
    p = qml.numpy.array(row.param_values(), requires_grad=True)
    qml.grad(node)(p)
    entry = node.compiled((p,), {})[0]
    ints, _ = entry.module.PROGRAM
    (op_wires, op_nw, op_kind, _, wf, wz, _, _, _, _, _, _, _, _, _, _, adj_op, _,
     _) = K.unpack_program(ints)
    n = int(ints[K.H_N])
    n_ops = len(op_nw)
    single = sum(1 for f, z in zip(wf, wz) if f == 0 and z and not z & (z - 1))
    first = int(adj_op[0]) if len(adj_op) else n_ops
    n_adj = np.bincount(adj_op, minlength=n_ops) if len(adj_op) else np.zeros(n_ops, int)

    def op_units(q, backward):
        cx = op_kind[q] == K.CONTROLLED_X
        one = 1 if cx else 2  # a CNOT moves half the state
        if not backward:
            return one
        if op_nw[q] == 1 and n_adj[q] == 1:
            return 4  # _step1: psi and lambda, read and written, once
        u = 2 * one  # psi and lambda un-applied
        for _ in range(n_adj[q]):
            u += 2 if op_nw[q] == 1 else 6  # the overlap (a copy and a gate for wider ops)
        return u

    measure = 1 if single >= K.SINGLE_Z_TREE else len(wf)
    old = {"forward": sum(op_units(q, False) for q in range(n_ops)), "measure": measure,
           "lambda": 3 * len(wf),
           "backward": sum(op_units(q, True) for q in range(first, n_ops))}
    seg, grp, _, _, _ = K.block_plan(n, op_wires, op_nw, op_kind, adj_op, K._BLOCK_BITS)
    n_out = int(ints[K.H_OUTPUTS])
    fwd = bwd = 0
    # one region at the forward's end: lambda's single-Z words, their values (the tree's
    # sums, when there are SINGLE_Z_TREE of them) and a CNOT run still pending
    regions = 1
    for s, (kind, q0, q1) in enumerate(seg):
        groups = len({int(g) for g in grp[q0:q1]})
        if kind == K.SEG_BLOCK:
            if s == 0 and groups == 2:
                # from |0..0>: the low ops on chunk 0 alone, serially (the high pass starts
                # from it): 2 units of one chunk, no region
                k, _ = K.block_geometry(n, K._BLOCK_BITS)
                fwd += 2 + 2 / 2 ** (n - k)
                regions += 1
            else:
                fwd += 2 * groups
                regions += groups
            bwd += 4 * groups if q1 > first else 0
            regions += groups if q1 > first else 0
        elif kind == K.SEG_CNOT:
            # taken along by the next block pass (forward), by the measuring pass when it
            # is the last segment (the permuted state written there: one unit) and, with one
            # output, by the block pass before it (backward); else one permutation pass (psi,
            # each lambda)
            if s + 1 == len(seg):
                fwd += 1
            elif seg[s + 1][0] != K.SEG_BLOCK:
                fwd += 2
                regions += 1
            if q1 > first and not (n_out == 1 and s > 0 and seg[s - 1][0] == K.SEG_BLOCK):
                bwd += 2 + 2 * n_out
                regions += 1 if n_out == 1 else 1 + n_out
        else:
            fwd += op_units(q0, False)
            bwd += op_units(q0, True) if q1 > first else 0
    # the single-Z tree's sums are taken in the lambda pass (no pass of their own)
    new = {"forward": fwd, "measure": 0 if single >= K.SINGLE_Z_TREE else len(wf),
           "lambda": 2 + 3 * (len(wf) - single), "backward": bwd}
    return {"n": n, "state_bytes": 16 * 2**n, "ops": n_ops, "params": len(adj_op),
            "segments": len(seg), "op by op": old, "blocked": new,
            "blocked_used": n >= K.BLOCK_MIN_WIRES, "parallel_regions": regions}


def _thread_cpu() -> dict:
    """CPU nanoseconds of each of this process's threads (``/proc/self/task/*/schedstat``,
    Linux; empty elsewhere)."""
    out = {}
    for d in Path("/proc/self/task").glob("*") if Path("/proc/self/task").exists() else ():
        try:
            out[d.name] = int((d / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def host_probes():
    """Three 2-thread probes of the machine under the gradient (stop 66), each in one
    parallel region as the gradient's team: ``compute``, two independent floating-point
    chains (no shared data: about 2x on two cores); ``exchange``, two threads updating in
    turn the 1 MiB half the other wrote the round before (a spin barrier per round); and
    ``latency``, one cache line passed back and forth (seconds per round trip, from the
    2-thread call). On this VM the 16x4 two-thread speed-up followed the latency: about
    0.1 us a round trip while it was 1.72-1.97x (median 1.88x), 0.4 us (the host's
    placement of the two vCPUs) while it fell to 1.45-1.62x (1.51x), compute 1.9x and
    exchange 1.8-1.9x throughout (benchmarks/results/par66-2026-12-07.md). Returns
    ``{name: fn}``, each called with no argument."""
    from numba import njit, prange

    from qsym._kernels import TEAM_SPINS, team_add, team_pause, team_read, team_threads

    @njit(parallel=True, cache=False)
    def chains(m, iters):
        out = np.zeros(m)
        for t in prange(m):
            a = 1.0 + t * 1e-9
            b = 0.999999
            for _ in range(iters):
                a = a * b + 1e-9
                b = b * 1.0000001 - 1e-10
            out[t] = a + b
        return out

    @njit(parallel=True, cache=False)
    def exchange(x, rounds, sync):
        h = x.shape[0] // 2
        members = min(team_threads(), 2)
        sync[0] = 0
        acc = np.zeros(2)
        for t in prange(members):
            for r in range(rounds):
                for src in range(2):
                    if members == 2 and src != (t + r) % 2:
                        continue
                    s = 0.0
                    for i in range(src * h, (src + 1) * h):
                        x[i] = x[i] * 1.0000001 + 1e-12
                        s += x[i]
                    acc[t] += s
                if members == 2:
                    team_add(sync, 0, 1)
                    spins = 0
                    while team_read(sync, 0) < 2 * (r + 1):
                        spins += 1
                        if spins >= TEAM_SPINS:  # (the other may need this core)
                            team_pause()
                            spins = 0
        return acc

    @njit(parallel=True, cache=False)
    def pingpong(sync, trips):
        members = min(team_threads(), 2)
        sync[0] = 0
        for t in prange(members):
            if members == 2:
                for _ in range(trips):
                    spins = 0
                    while team_read(sync, 0) % 2 != t:
                        spins += 1
                        if spins >= TEAM_SPINS:
                            team_pause()
                            spins = 0
                    team_add(sync, 0, 1)
        return sync[0]

    buf = np.ones(1 << 18)  # 2 MiB of float64
    sync = np.zeros(1, dtype=np.int64)
    chains(2, 10)
    exchange(buf, 2, sync)
    pingpong(sync, 2)
    return {"compute": lambda: chains(2, 1_000_000),
            "exchange": lambda: exchange(buf, 20, sync),
            "latency": lambda: pingpong(sync, 2000) and None}


def child_onegrad(spec: dict) -> dict:
    """Runs with NUMBA_NUM_THREADS=2: one adjoint gradient of each large row
    (``Compiled.value_and_grad_adjoint``) with ``numba.set_num_threads(1)`` and ``(2)``,
    alternated, the two results checked bit for bit first; the host probes
    (:func:`host_probes`) on 1 and 2 threads before and after the repeats."""
    warnings.simplefilter("ignore")
    import numba
    qml = importlib.import_module("qsym")
    from qsym._shapes import flat as qflat
    probes = host_probes()  # (after qsym's import: OpenMP's passive wait, as the gradient's)
    out = {"rows": {}}
    for rn in spec["rows"]:
        row = ROWS[rn]
        node = build_qnode(qml, row, "default.qubit", "adjoint")
        p = qml.numpy.array(row.param_values(), requires_grad=True)
        qml.grad(node)(p)
        entry, xs, ds = node.compiled((p,), {})
        x = np.asarray(qflat(xs), dtype=float).ravel()
        d = np.asarray(qflat(ds), dtype=float).ravel()
        res = {}
        got = {}
        # the parallel form of the blocked kernel, called directly (the runtime does not
        # use it: docs/design.md, Large states), checked against the serial
        from qsym import _kernels as K
        mats, dmats, ch, C, cc, _ = entry._prepare_adjoint(x, d)

        def call():
            return K.program_value_and_grad_adjoint_parallel(entry._ints, entry._floats, mats,
                                                             dmats, ch, C, cc, work)
        work = np.empty(K.adjoint_work_size(row.wires, entry.module.NUM_OUTPUTS, mats.shape[0]),
                        dtype=np.complex128)  # (kept between calls, as the runtime's)
        serial = entry.value_and_grad_adjoint(x, d)
        for threads in (1, 2):
            numba.set_num_threads(threads)
            got[threads] = call()
        res["identical"] = bool(all(np.array_equal(a, b) for a, b in zip(got[1], got[2]))
                                and all(np.array_equal(a, b) for a, b in zip(got[1], serial)))
        ts = {1: [], 2: []}
        cpu = {1: [], 2: []}  # process CPU seconds
        busiest = {1: [], 2: []}  # the busiest thread's CPU seconds
        probe = {(name, th): [] for name in probes for th in (1, 2)}

        def run_probes():  # (not between the gradient's calls: they would disturb them)
            for _ in range(3):
                for threads in (1, 2):
                    numba.set_num_threads(threads)
                    for name, fn in probes.items():
                        t0 = time.perf_counter()
                        fn()
                        probe[name, threads].append(time.perf_counter() - t0)

        run_probes()
        meter = core.OtherLoad()
        for _ in range(spec["repeats"]):
            for threads in (1, 2):
                numba.set_num_threads(threads)
                s0 = _thread_cpu()
                c0 = time.process_time()
                t0 = time.perf_counter()
                call()
                ts[threads].append(time.perf_counter() - t0)
                cpu[threads].append(time.process_time() - c0)
                s1 = _thread_cpu()
                busiest[threads].append(max((s1[t] - s0.get(t, 0)) * 1e-9 for t in s1))
        run_probes()  # (after the repeats too: the host's state may change within a run)
        for name in ("compute", "exchange"):
            res[f"probe_{name}"] = statistics.median(
                a / b for a, b in zip(probe[name, 1], probe[name, 2]))
        lat = probe["latency", 2]
        res["probe_latency_us"] = statistics.median(lat) / 2000 * 1e6
        res["probe_latency_us_before_after"] = [statistics.median(lat[: len(lat) // 2]) / 2e-3,
                                                statistics.median(lat[len(lat) // 2 :]) / 2e-3]
        res.update(t1=ts[1], t2=ts[2], median1=statistics.median(ts[1]),
                   median2=statistics.median(ts[2]), other_cores=meter.cores(),
                   cpu1=statistics.median(cpu[1]), cpu2=statistics.median(cpu[2]),
                   busiest1=statistics.median(busiest[1]),
                   busiest2=statistics.median(busiest[2]))
        res["speedup"] = res["median1"] / res["median2"]
        res["speedup_busiest"] = res["busiest1"] / res["busiest2"]
        res["load"] = os.getloadavg()[0]
        out["rows"][rn] = res
    return out


# --------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------
def child_compile(spec: dict) -> dict:
    """Fresh process: import qsym, build the row's QNode, first gradient (trace + codegen
    + numba compile or cache load + one run), optionally a second gradient (the run)."""
    out = {}
    warnings.simplefilter("ignore")
    row = ROWS[spec["row"]]
    t0 = time.perf_counter()
    qml = importlib.import_module("qsym")
    t1 = time.perf_counter()
    node = build_qnode(qml, row, "default.qubit", spec["diff_method"])
    p = qml.numpy.array(row.param_values(), requires_grad=True)  # trainable, as in PennyLane
    t2 = time.perf_counter()
    g = qml.grad(node)(p)
    t3 = time.perf_counter()
    out.update(import_s=t1 - t0, build_s=t2 - t1, first_grad_s=t3 - t2,
               grad=flat_grad(g).tolist(),
               qsym_fingerprint=core.qsym_fingerprint(Path(qml.__file__).parent))
    if spec.get("second"):
        qml.grad(node)(p)
        out["second_grad_s"] = time.perf_counter() - t3
    entry = getattr(node, "_last", None)
    for key, attr in (("trace_s", "trace_seconds"), ("codegen_s", "compile_seconds")):
        v = getattr(entry, attr, None)
        if isinstance(v, float):
            out[key] = v
    return out


def warm_circuits(qml):
    dev3 = qml.device("default.qubit", wires=3)

    def warm3(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.RX(p[2], wires=2)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        qml.RY(p[3], wires=0)
        return qml.expval(qml.PauliZ(2))

    return [(qml.QNode(warm3, dev3, diff_method=dm), qml.numpy.array([0.1, 0.2, 0.3, 0.4]))
            for dm in ("parameter-shift", "adjoint")]


def child_warmup(spec: dict) -> dict:
    """Fresh process that fills NUMBA_CACHE_DIR with qsym's kernel library by running
    another circuit (value, parameter-shift and adjoint gradients)."""
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    qml = importlib.import_module("qsym")
    for node, p in warm_circuits(qml):
        node(p)
        qml.grad(node)(p)
    return {"seconds": time.perf_counter() - t0}


def child_multicore(spec: dict) -> dict:
    """Runs with NUMBA_NUM_THREADS=2: ``Compiled.batch_value_and_grad(X, D)`` (and
    ``batch_value_and_grad_adjoint`` where there is one) throughput with
    ``numba.set_num_threads(1)`` and ``(2)``, every batch row checked first against the
    single-row compiled gradient."""
    warnings.simplefilter("ignore")
    import numba
    qml = importlib.import_module("qsym")
    from qsym._shapes import flat as qflat
    row = ROWS[spec["row"]]
    out = {"numba_threads_max": numba.config.NUMBA_NUM_THREADS, "methods": {},
           "available": False}
    cases = (("parameter-shift", "batch_value_and_grad", "value_and_grad", spec["batch_ps"]),
             ("adjoint", "batch_value_and_grad_adjoint", "value_and_grad_adjoint",
              spec["batch_adj"]))
    for dm, bname, sname, batch in cases:
        node = build_qnode(qml, row, "default.qubit", dm)
        p = qml.numpy.array(row.param_values(), requires_grad=True)
        qml.grad(node)(p)
        entry, _, ds = node.compiled((p,), {})
        fn = getattr(entry, bname, None)
        where = "Compiled"
        if fn is None and getattr(entry, "module", None) is not None:
            fn, where = getattr(entry.module, bname, None), "generated module"
        if fn is None:
            continue
        out["available"] = True
        rng = np.random.default_rng(5)
        X = rng.uniform(-np.pi, np.pi, size=(batch, row.num_params))
        d = np.asarray(qflat(ds), dtype=float).ravel()
        D = np.ascontiguousarray(np.tile(d, (batch, 1)))
        res = {"batch": batch, "callable": f"{where}.{bname}", "D_shape": list(D.shape)}
        try:
            r = fn(X, D)
        except Exception as exc:  # noqa: BLE001 - in development elsewhere
            res["error"] = f"{bname}(X, D): {type(exc).__name__}: {exc}"[:500]
            out["methods"][dm] = res
            continue
        J = np.asarray(r[1] if isinstance(r, tuple) else r, dtype=float).reshape(batch, -1)
        single = getattr(entry, sname)
        ref = [np.asarray(single(np.ascontiguousarray(X[b]), d)[1], dtype=float).ravel()
               for b in range(batch)]
        diff = float(np.max(np.abs(J - np.array(ref))))
        res["max_abs_diff"] = diff
        if diff > GRAD_TOL:
            res["error"] = f"batched gradient disagrees with {sname}: {diff:.2e}"
            out["methods"][dm] = res
            continue

        def call(fn=fn, X=X, D=D):
            return fn(X, D)
        for threads in (1, 2):
            numba.set_num_threads(threads)
            call()
            meter = core.OtherLoad()
            ts = [core._run_loop(call, 1) / 1e9 for _ in range(spec["repeats"])]
            res[f"t{threads}"] = {"per_batch_s": ts, "median_s": statistics.median(ts),
                                  "grads_per_s": batch / statistics.median(ts),
                                  "other_cores": meter.cores()}
        res["speedup"] = res["t2"]["grads_per_s"] / res["t1"]["grads_per_s"]
        out["methods"][dm] = res
    return out


def child_peer(spec: dict) -> dict:
    """Fresh process, one compiled peer on one row (issue #19): import (timed apart),
    build the jitted gradient, first call (trace + compile + one run: the compile latency),
    check it against the reference gradient, then time it as the in-process methods are
    timed. A process of its own, so that a peer's memory or compile time cannot take the
    whole run down (JAX backprop at 20 wires compiles for minutes and needs GBs)."""
    from types import SimpleNamespace
    warnings.simplefilter("ignore")
    row, m = ROWS[spec["row"]], spec["method"]
    t0 = time.perf_counter()
    importlib.import_module(METHODS[m].module)
    if m.startswith("catalyst") or m.startswith("jax-"):
        importlib.import_module("pennylane")
    t1 = time.perf_counter()
    case = compiled_case(m, row)
    t2 = time.perf_counter()
    g = flat_grad(case.grad())
    t3 = time.perf_counter()
    ref = np.asarray(spec["ref"], dtype=float)
    diff = float(np.max(np.abs(g - ref))) if g.size == ref.size else float("inf")
    out = {"import_s": t1 - t0, "build_s": t2 - t1, "first_s": t3 - t2, "diff": diff,
           "size": int(g.size)}
    if diff <= GRAD_TOL:
        a = SimpleNamespace(**spec["timing"])
        t = time_gradient(case.grad, t3 - t2, a)
        out["timing"] = {k: getattr(t, k) for k in ("median_s", "min_s", "repeats", "calls",
                                                     "per_call_s", "other_cores")}
    # VmHWM: this process's peak (ru_maxrss would include the parent's, inherited at fork)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            out["peak_rss_gb"] = int(line.split()[1]) * 1024 / 1e9
    return out


CHILDREN = {"compile": child_compile, "warmup": child_warmup, "multicore": child_multicore,
            "peer": child_peer, "onegrad": child_onegrad}


def child_main(kind: str, spec_json: str) -> None:
    try:
        out = CHILDREN[kind](json.loads(spec_json))
        out["ok"] = True
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc(limit=8)}
    sys.stdout.flush()
    print(CHILD_MARK + json.dumps(out), flush=True)


def run_child(kind: str, spec: dict, env_extra: dict, timeout: float,
              free_cores: int = 1) -> dict:
    env = dict(os.environ)
    if kind in ("compile", "warmup"):
        env.pop("QSYM_TIER", None)  # what a user gets: the default tiers
    env.update({k: str(v) for k, v in env_extra.items()})
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(spec)]
    if kind != "warmup":
        wait_for_free_cores(free_cores)
    meter = core.OtherLoad()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(CHILD_MARK):
            res = json.loads(line[len(CHILD_MARK):])
            res["process_wall_s"] = wall
            res["other_cores"] = meter.cores()
            return res
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"ok": False, "error": f"child exited {proc.returncode}: " + " | ".join(tail)}


def wait_for_free_cores(n: int) -> None:
    """bench_core's wait for a free core, for ``n`` free cores (2 for the 2-thread row)."""
    if n <= 1:
        core.wait_for_free_core()
        return
    cpus = os.cpu_count() or 1
    saved = os.cpu_count
    try:  # wait_for_free_core allows cpu_count - 1 busy cores: pretend fewer cores
        os.cpu_count = lambda: max(1, cpus - (n - 1))  # type: ignore[assignment]
        core.wait_for_free_core()
    finally:
        os.cpu_count = saved  # type: ignore[assignment]


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help=f"smoke run: rows {QUICK_ROWS}, few repeats, one fresh process "
                        "per compile case")
    p.add_argument("--out-dir", type=Path, default=None,
                   help="where speed.md / speed.json / speed.png go (default "
                        "benchmarks/results; a temp dir with --quick)")
    p.add_argument("--rows", default=None, help=f"comma list among {','.join(ROWS)}")
    p.add_argument("--methods", default=",".join(METHODS),
                   help=f"comma list among {','.join(METHODS)}")
    p.add_argument("--threads", default="1",
                   help="NUMBA_NUM_THREADS/OMP_NUM_THREADS/... for the single-thread rows "
                        "(default 1; 'inherit' leaves the environment alone)")
    p.add_argument("--max-grad-s", type=float, default=60.0,
                   help="skip a peer whose single gradient is estimated above this (s)")
    p.add_argument("--max-backprop-s", type=float, default=10.0,
                   help="time default.qubit backprop only where a gradient is estimated "
                        "below this (s): 'where cheap'")
    p.add_argument("--repeats", type=int, default=None, help="repeats for fast gradients "
                                                             "(default 7, quick 3)")
    p.add_argument("--target-time", type=float, default=None,
                   help="seconds per measurement for fast gradients (0.3; quick 0.05)")
    p.add_argument("--fresh-repeats", type=int, default=None,
                   help="fresh processes per compile case (3; quick 1); 1 where one "
                        "gradient run takes > 3 s")
    p.add_argument("--qsym-from", choices=("worktree", "HEAD"), default="worktree",
                   help="benchmark a snapshot of the working tree's qsym/ (default, as "
                        "bench_core.py) or of the last commit's (git archive HEAD)")
    p.add_argument("--no-compile", action="store_true", help="skip the fresh-process part")
    p.add_argument("--no-multicore", action="store_true", help="skip the multi-core row")
    p.add_argument("--bandwidth-gib", type=float, default=1.0)
    p.add_argument("--max-wait-quiet", type=float, default=20.0,
                   help="wait up to S s for a free core before each measurement, at most 10 "
                        "times that over the run (bench_core's rule; 0: never wait)")
    p.add_argument("--inproc-cache", type=Path, default=None,
                   help="keep this process's qsym snapshot and its qsym and numba caches in "
                        "DIR (kept after the run: a second run with an unchanged _kernels.py "
                        "skips the kernel library's compile, minutes on a loaded machine); "
                        "default: a temp dir, removed at the end. The fresh-process "
                        "compile-latency measurements do not use it")
    p.add_argument("--child-timeout", type=float, default=900.0)
    p.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    a.rows = a.rows or (QUICK_ROWS if a.quick else ",".join(ROWS))
    a.repeats = a.repeats or (3 if a.quick else 7)
    a.target_time = a.target_time or (0.05 if a.quick else 0.3)
    a.fresh_repeats = a.fresh_repeats or (1 if a.quick else 3)
    a.warmup = 0.05 if a.quick else 0.3
    return a


def split(s: str, allowed) -> list[str]:
    names = [x.strip() for x in s.split(",") if x.strip()]
    bad = [x for x in names if x not in allowed]
    if bad:
        raise SystemExit(f"unknown name(s) {bad}; choose among {list(allowed)}")
    return names


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(*args.child)
        return 0
    t_run0 = time.perf_counter()
    core.QUIET["max_wait_s"] = args.max_wait_quiet
    rows = [ROWS[r] for r in split(args.rows, ROWS)]
    methods = split(args.methods, METHODS)
    if "pl-default-ps" not in methods and "pl-default-bp" not in methods:
        methods.insert(min(2, len(methods)), "pl-default-ps")  # reference
    out_dir = args.out_dir or (Path(tempfile.mkdtemp(prefix="qsym-speed-quick-")) if args.quick
                               else HERE / "results")

    # steady-state speed: a circuit's compiled (fused) code from its first call, not its
    # first-call tier (Python on the kernels while the circuit compiles in the background);
    # the fresh-process compile latency below runs with the user's default tier instead
    os.environ["QSYM_TIER"] = "compiled"
    session_tmp = Path(tempfile.mkdtemp(prefix="qsym-speed-"))
    inproc = args.inproc_cache or session_tmp
    os.environ["QSYM_CACHE_DIR"] = str(inproc / "inproc-qsym-cache")
    os.environ["NUMBA_CACHE_DIR"] = str(inproc / "inproc-numba-cache")
    snapshot = inproc / "qsym-src"  # numba's cache of the kernels is keyed by this path
    keep = (args.inproc_cache is not None and args.qsym_from == "worktree"
            and (snapshot / "qsym").is_dir()
            and core.qsym_fingerprint(snapshot / "qsym") == core.qsym_fingerprint(REPO / "qsym"))
    if not keep:  # (several runs may share one unchanged snapshot, e.g. rows in parallel)
        shutil.rmtree(snapshot, ignore_errors=True)
    if args.qsym_from == "HEAD":
        import io
        import tarfile
        tar = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "HEAD",
                              "qsym"], capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            tf.extractall(snapshot, filter="data")
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=False).stdout.strip()
    elif not keep:
        shutil.copytree(REPO / "qsym", snapshot / "qsym",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    os.environ[core.QSYM_SRC_ENV] = str(snapshot)
    sys.path.insert(0, str(snapshot))
    fp_start = core.qsym_fingerprint(snapshot / "qsym")

    info = core.machine_info()
    info.insert(11, ("qulacs", core._pkg_version("qulacs")))
    info.insert(12, ("matplotlib", core._pkg_version("matplotlib")))
    for k, pkg in enumerate(("pennylane-catalyst", "jax", "jaxlib", "tensorcircuit-ng")):
        info.insert(13 + k, (pkg, core._pkg_version(pkg)))
    notes: list[str] = []
    raw: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "rows": {}}

    # ---- availability --------------------------------------------------------------------
    unavailable = {}
    for m in methods:
        mod = METHODS[m].module
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(mod)
        except Exception as exc:  # noqa: BLE001
            unavailable[m] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            notes.append(f"**{METHODS[m].title}** unavailable: `{unavailable[m]}`")
    try:
        import pennylane as pl
    except ImportError:
        raise SystemExit("PennyLane (default.qubit, the reference) is required: "
                         "pip install -e '.[bench]'")
    if "qsym" in sys.modules:
        qmod = sys.modules["qsym"]
        what = (f"commit {head} (`git archive HEAD`)" if args.qsym_from == "HEAD" else
                f"the working tree {REPO / 'qsym'} at start")
        info = [(k, (f"{v} — imported from {Path(qmod.__file__).parent}: a snapshot of "
                    f"{what}, fingerprint {fp_start} (sha256 of qsym/*.py)"))
                if k == "qsym" else (k, v) for k, v in info]

    # ---- memory bandwidth (start) ------------------------------------------------------
    log(f"[speed] memory copy bandwidth ({args.bandwidth_gib:g} GiB)")
    core.wait_for_free_core()
    bw_runs = [memory_bandwidth(args.bandwidth_gib, 3 if args.quick else 7)]

    # ---- per row: estimate, check, time ------------------------------------------------
    results: dict[tuple[str, str], dict] = {}
    ref_grads: dict[str, np.ndarray] = {}
    ref_names: dict[str, str] = {}
    check_rows, exec_rows = [], []
    raw_calls = []
    for row in rows:
        log(f"[speed] row {row.name}: {row.title}")
        cases: dict[str, Case] = {}
        for m in methods:
            if m in unavailable or (METHODS[m].rows and row.name not in METHODS[m].rows):
                continue
            if METHODS[m].compiled:
                continue  # each in a fresh process of its own, after the others (below)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cases[m] = make_case(m, row)
            except Exception as exc:  # noqa: BLE001
                results[(m, row.name)] = {"status": f"failed to build: {type(exc).__name__}"}
                notes.append(f"{METHODS[m].title} on {row.name}: `{type(exc).__name__}: "
                             f"{str(exc)[:200]}`")
        # skip estimate: one forward evaluation x circuits per gradient
        est: dict[str, float] = {}
        skip: dict[str, str] = {}
        for m, case in cases.items():
            if m in QSYM_METHODS or m.startswith("qulacs") or METHODS[m].compiled:
                continue  # qsym is the subject; qulacs is always fast here
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                case.forward()
                t0 = time.perf_counter()
                case.forward()
                fwd = time.perf_counter() - t0
            kind = METHODS[m].kind
            est[m] = fwd * (row.ps_executions() if kind == "ps" else EST_FACTOR[kind])
            limit = args.max_backprop_s if kind == "backprop" else args.max_grad_s
            if est[m] > limit:
                skip[m] = f"skipped (est. {est[m]:.0f} s)"
        # reference: default.qubit parameter-shift, else default.qubit backprop
        ref_m = next((m for m in ("pl-default-ps", "pl-default-bp") if m in cases and
                      est.get(m, 0) <= 4 * args.max_grad_s and
                      (m != "pl-default-ps" or m not in skip)), None)
        if ref_m is None:
            raise SystemExit(f"no PennyLane default.qubit reference for {row.name}")
        log(f"[speed]   reference {ref_m}" + (f" (est. {est[ref_m]:.1f} s)"
                                               if ref_m in est else ""))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            ref = flat_grad(cases[ref_m].grad())
            ref_first = time.perf_counter() - t0
        ref_grads[row.name], ref_names[row.name] = ref, ref_m
        assert ref.size == row.num_params
        # check every method (the first call also serves as compile/warm-up)
        first: dict[str, float] = {ref_m: ref_first}
        execs: dict[str, int] = {}
        for m, case in cases.items():
            if m in skip:
                results[(m, row.name)] = {"status": skip[m], "est_s": est[m]}
                check_rows.append([row.short, METHODS[m].title, "—", skip[m]])
                continue
            log(f"[speed]   check {m}" + (f" (est. {est[m]:.1f} s)" if m in est else ""))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if m == ref_m:
                    g = ref
                elif m == "lightning-ps":
                    with pl.Tracker(case.device) as tracker:
                        t0 = time.perf_counter()
                        g = flat_grad(case.grad())
                        first[m] = time.perf_counter() - t0
                    execs[m] = int(tracker.totals.get("executions", -1))
                else:
                    t0 = time.perf_counter()
                    g = flat_grad(case.grad())
                    first[m] = time.perf_counter() - t0
            diff = float(np.max(np.abs(g - ref)))
            check_rows.append([row.short, METHODS[m].title, f"{diff:.1e}",
                               "reference" if m == ref_m else
                               "ok" if diff <= GRAD_TOL else "**MISMATCH**"])
            assert g.size == ref.size and diff <= GRAD_TOL, (
                f"{m} disagrees with {ref_m} on {row.name}: max |Δgrad| = {diff:.3e} > "
                f"{GRAD_TOL}\n{m}: {g}\nreference: {ref}")
            if m == "qsym-ps":
                execs[m] = int(case.qnode.compiled((case.params,), {})[0].plan.executions)
        if "qsym-ps" in execs or "lightning-ps" in execs:
            q, lt = execs.get("qsym-ps"), execs.get("lightning-ps")
            exec_rows.append([row.short, str(row.num_params), str(row.ps_executions()),
                              str(q) if q is not None else "—",
                              str(lt) if lt is not None else "not run",
                              "yes" if q is not None and q == lt else
                              "—" if q is None or lt is None else "**no**"])
            raw["rows"].setdefault(row.name, {})["executions"] = execs
        # time every checked method
        for m, case in cases.items():
            if m in skip:
                continue
            log(f"[speed]   time {m} (first call {fmt_time(first[m])})")
            core.wait_for_free_core()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    t = time_gradient(case.grad, first[m], args)
                except Exception as exc:  # noqa: BLE001
                    results[(m, row.name)] = {"status": f"failed: {type(exc).__name__}"}
                    notes.append(f"{METHODS[m].title} timing on {row.name} failed: `{exc}`")
                    continue
            results[(m, row.name)] = {"status": "ok", "timing": t, "first_s": first[m],
                                      "est_s": est.get(m)}
        # compiled peers (issue #19): one fresh process per peer and row
        for m in methods:
            if not METHODS[m].compiled or m in unavailable:
                continue
            log(f"[speed]   compiled peer {m} (fresh process: compile, check, time)")
            res = run_child("peer", {"row": row.name, "method": m, "ref": ref.tolist(),
                                     "timing": {"repeats": args.repeats,
                                                "target_time": args.target_time,
                                                "warmup": args.warmup, "quick": args.quick}},
                            {}, args.child_timeout)
            if not res.get("ok"):
                err = res.get("error", "?")
                results[(m, row.name)] = {"status": "failed"}
                check_rows.append([row.short, METHODS[m].title, "—", "failed"])
                notes.append(f"{METHODS[m].title} on {row.name} failed: `{err[:300]}`")
                continue
            diff = res["diff"]
            ok = diff <= GRAD_TOL
            check_rows.append([row.short, METHODS[m].title, f"{diff:.1e}",
                               "ok" if ok else "**MISMATCH** (not timed)"])
            if not ok:
                results[(m, row.name)] = {"status": f"wrong gradient ({diff:.1e})"}
                notes.append(f"{METHODS[m].title} on {row.name}: gradient differs from "
                             f"{ref_m} by {diff:.3e} > {GRAD_TOL:g}; not timed")
                continue
            td = res["timing"]
            results[(m, row.name)] = {
                "status": "ok", "first_s": res["first_s"], "est_s": None,
                "timing": Timing(td["median_s"], td["min_s"], td["repeats"], td["calls"],
                                 td["per_call_s"], td["other_cores"]),
                "import_s": res["import_s"], "peak_rss_gb": res["peak_rss_gb"]}
        # qsym's raw compiled gradient call (fused entry point, after the warm-up above)
        if row.name in ("seed", "hea4"):
            for m in QSYM_METHODS:
                if m not in cases or m in skip or results.get((m, row.name), {}).get(
                        "status") != "ok":
                    continue
                case = cases[m]
                entry, xs, ds = case.qnode.compiled((case.params,), {})
                from qsym._shapes import flat as qflat
                x, d = qflat(xs), qflat(ds)
                fn = entry.value_and_grad if m == "qsym-ps" else entry.value_and_grad_adjoint
                call = (lambda fn=fn, x=x, d=d: fn(x, d))
                core.wait_for_free_core()
                t = time_gradient(call, 0.0, args)
                raw_calls.append((row, m, t, type(fn).__name__))
        del cases
        gc.collect()

    # ---- memory bandwidth (end) --------------------------------------------------------
    log("[speed] memory copy bandwidth (end)")
    core.wait_for_free_core()
    bw_runs.append(memory_bandwidth(args.bandwidth_gib, 3 if args.quick else 7))
    bw_all = [2 * r["bytes"] / t for r in bw_runs for t in r["seconds"]]
    bw = statistics.median(bw_all)

    # ---- compile latency: fresh processes ----------------------------------------------
    compile_res: dict[tuple[str, str, str], list] = {}
    warm_info = None
    if not args.no_compile and "qsym-ps" not in unavailable:
        log("[speed] qsym warm-up process (kernel library into a fresh numba cache)")
        warm_dir = session_tmp / "warm"
        warm_info = run_child("warmup", {}, {"NUMBA_CACHE_DIR": warm_dir / "numba",
                                             "QSYM_CACHE_DIR": warm_dir / "qsym"},
                              args.child_timeout)
        if not warm_info.get("ok"):
            notes.append(f"qsym warm-up process failed: `{warm_info.get('error')}`")
        else:
            for row in rows:
                for m in QSYM_METHODS:
                    if m not in methods:
                        continue
                    r = results.get((m, row.name), {})
                    run_s = r["timing"].median_s if r.get("status") == "ok" else None
                    reps = args.fresh_repeats if (run_s is None or run_s < 3) else 1
                    dm = "parameter-shift" if m == "qsym-ps" else "adjoint"
                    for k in range(reps):
                        base = session_tmp / f"fresh-{row.name}-{m}-{k}"
                        shutil.copytree(warm_dir / "numba", base / "numba")
                        env = {"NUMBA_CACHE_DIR": base / "numba", "QSYM_CACHE_DIR": base / "qsym"}
                        for mode in ("new circuit", "cached circuit"):
                            before = core.kernel_cache_state(base / "numba")
                            log(f"[speed] fresh process {row.name} / {m} / {mode} "
                                f"#{k + 1}/{reps}")
                            res = run_child("compile", {"row": row.name, "diff_method": dm,
                                                        "second": False},
                                            env, args.child_timeout)
                            if not res.get("ok"):
                                notes.append(f"fresh process {row.name} / {m} / {mode}: "
                                             f"`{res.get('error', '?')[:300]}`")
                                break
                            g = np.asarray(res.pop("grad"))
                            diff = float(np.max(np.abs(g - ref_grads[row.name])))
                            assert diff <= GRAD_TOL, (
                                f"{m} fresh process ({mode}) disagrees on {row.name}: {diff}")
                            if core.kernel_cache_state(base / "numba") != before:
                                res["excluded"] = "kernel library recompiled (stale cache)"
                                notes.append(f"fresh process {row.name} / {m} / {mode}: numba "
                                             "recompiled the kernel library; excluded")
                            compile_res.setdefault((m, row.name, mode), []).append(res)
                        shutil.rmtree(base, ignore_errors=True)

    # ---- multi-core row ----------------------------------------------------------------
    multicore = None
    if not args.no_multicore and "qsym-ps" not in unavailable:
        mrow = "hea12" if "hea12" in [r.name for r in rows] or not args.quick else "hea8"
        log(f"[speed] multi-core row ({mrow}, NUMBA_NUM_THREADS=2)")
        env = {v: "2" for v in _THREAD_VARS}
        env.update(NUMBA_CACHE_DIR=inproc / "inproc-numba-cache",
                   QSYM_CACHE_DIR=inproc / "inproc-qsym-cache")
        multicore = run_child("multicore", {"row": mrow, "batch_ps": 2 if args.quick else 8,
                                            "batch_adj": 16 if args.quick else 64,
                                            "repeats": 2 if args.quick else 5},
                              env, args.child_timeout, free_cores=2)
        multicore["row"] = mrow
        for dm, res in (multicore.get("methods") or {}).items():
            if "error" in res:
                notes.append(f"multi-core {dm}: {res['error']}")

    # ---- 16 and 20 wires: passes over the state, threads on one gradient ---------------
    large = [r for r in LARGE_ROWS if r in [row.name for row in rows]]
    traffic, onegrad = {}, None
    if large and "qsym-adjoint" not in unavailable:
        qmod = importlib.import_module("qsym")
        for rn in large:
            traffic[rn] = adjoint_traffic(qmod, ROWS[rn])
        if not args.no_multicore:
            log(f"[speed] one gradient on 1 and 2 threads ({', '.join(large)})")
            env = {v: "2" for v in _THREAD_VARS}
            env.update(NUMBA_CACHE_DIR=inproc / "inproc-numba-cache",
                       QSYM_CACHE_DIR=inproc / "inproc-qsym-cache")
            onegrad = run_child("onegrad", {"rows": large, "repeats": 3 if args.quick else 7},
                                env, args.child_timeout, free_cores=2)

    fp_end = core.qsym_fingerprint()
    shutil.rmtree(session_tmp, ignore_errors=True)

    # ---- report ------------------------------------------------------------------------
    up_end, busy_end = core.load_snapshot()
    info += [("`uptime` at end", up_end), ("other processes > 10% CPU at end", busy_end),
             ("waiting for a free core", (f"{core.QUIET['waited_s']:.0f} s over "
                                         f"{core.QUIET['gates']} measurements; "
                                         f"{core.QUIET['timeouts']} started without one")),
             ("memory copy bandwidth", (f"**{bw / 1e9:.1f} GB/s** (median of {len(bw_all)} "
                                       f"copies of {args.bandwidth_gib:g} GiB, "
                                       f"`np.copyto`, 1 thread; counted as read + write = 2 × "
                                       f"size; start {bw_runs[0]['median_Bps'] / 1e9:.1f}, end "
                                       f"{bw_runs[-1]['median_Bps'] / 1e9:.1f}, best "
                                       f"{max(bw_all) / 1e9:.1f} GB/s)")),
             ("working tree `qsym/` at end", ("same as benchmarked" if fp_end == fp_start
                                              else f"fingerprint {fp_end} (differs from the "
                                              "benchmarked snapshot)")),
             ("run time", f"{(time.perf_counter() - t_run0) / 60:.1f} min")]
    raw["machine"] = dict(info)
    raw["bandwidth"] = {"runs": bw_runs, "median_Bps": bw}
    row_names = [r.name for r in rows]

    def med(m, rn):
        r = results.get((m, rn), {})
        return r["timing"].median_s if r.get("status") == "ok" else None

    def cell(m, rn, bold=False):
        r = results.get((m, rn))
        if r is None:
            return "n/a" if (METHODS[m].rows and rn not in METHODS[m].rows) else "—"
        if r["status"] != "ok":
            return r["status"]
        s = fmt_time(r["timing"].median_s)
        return f"**{s}**" if bold else s

    lines: list[str] = []
    mode = "quick (smoke run: few repeats, rough numbers)" if args.quick else "full"
    lines.append("# qsym speed benchmark (issues #5 and #19): time per gradient, every row\n")
    lines.append(f"Command: `python benchmarks/bench_speed.py "
                 f"{' '.join(argv if argv is not None else sys.argv[1:])}` — mode: {mode}.\n")

    # summary table
    lines.append("## Summary: median time per gradient (one thread)\n")
    lines.append("`qml.grad(circuit)(params)` through the public API for qsym and PennyLane; "
                 "qulacs: set the parameters + `backprop` (or the shift loop). Each cell is "
                 "the median over the repeats given in the detailed table; *skipped (est. N "
                 "s)*: one gradient would take about N s (one forward evaluation × circuits "
                 "per gradient), above the limit. Ratios are peer median / qsym median "
                 "(> 1: qsym is faster).\n")
    # issue #5's peers: the interpreted ones (the compiled peers have their own table)
    peers = [m for m in methods if m not in QSYM_METHODS and not METHODS[m].compiled]
    compiled = [m for m in methods if METHODS[m].compiled]
    plain = [m for m in methods if not METHODS[m].compiled]
    hdr = ["row", "params"] + [METHODS[m].short for m in plain] + \
        ["fastest peer (issue #5: not compiled)", "fastest peer / qsym adjoint", "lightning ps / qsym ps"]
    trs = []
    for row in rows:
        rn = row.name
        pm = [(med(m, rn), m) for m in peers if med(m, rn) is not None]
        fastest = min(pm) if pm else None
        qa, qp, lps = med("qsym-adjoint", rn), med("qsym-ps", rn), med("lightning-ps", rn)
        trs.append([row.title, str(row.num_params)]
                   + [cell(m, rn, bold=(m in QSYM_METHODS)) for m in plain]
                   + [f"{METHODS[fastest[1]].short} {fmt_time(fastest[0])}" if fastest else "—",
                      f"{fastest[0] / qa:.3g}×" if fastest and qa else "—",
                      f"{lps / qp:.3g}×" if lps and qp else "—"])
    lines.append(md_table(hdr, trs) + "\n")

    # compiled peers (issue #19)
    tg19 = []
    if compiled:
        lines.append("## Compiled peers (issue #19): median time per gradient, and first call\n")
        lines.append(
            "Each compiled peer runs in a fresh process of its own per row (one thread: "
            "`OMP_NUM_THREADS=1`, XLA without its thread pool, `intra_op_parallelism_threads"
            "=1`): it builds the jitted gradient function, makes the first call (trace + "
            "compile + one run: *first*, the compile latency, import excluded), checks the "
            "gradient against the row's reference to 1e-8 (a peer that disagrees is not "
            "timed), then is timed like the others; each call waits for its result "
            "(`block_until_ready`). qsym's *first*: a fresh process, new circuit, build + "
            "first `qml.grad` (import excluded; qsym's kernel library compiled once per "
            "machine beforehand; details in the compile-latency section), or, marked "
            "*in-process*, its first call in this process (`QSYM_TIER=compiled`). "
            "Ratio = fastest compiled peer / qsym's best method (> 1: qsym "
            "is faster; target ≥ 2×).\n")
        hdr19 = (["row", "qsym ps", "qsym adjoint", "qsym first (ps / adjoint)"]
                 + [f"{METHODS[m].short} (first)" for m in compiled]
                 + ["fastest compiled peer", "peer / qsym best"])
        r19 = []
        for row in rows:
            rn = row.name
            qp, qa = med("qsym-ps", rn), med("qsym-adjoint", rn)

            def first(m, rn=rn):
                # a fresh process, new circuit (kernel library compiled), where measured
                fresh = [r["build_s"] + r["first_grad_s"] for r in
                         compile_res.get((m, rn, "new circuit"), []) if not r.get("excluded")]
                if fresh:
                    return fmt_time(statistics.median(fresh))
                r = results.get((m, rn), {})
                return (fmt_time(r["first_s"]) + " (in-process)" if r.get("status") == "ok"
                        else "—")

            cells = []
            for m in compiled:
                r = results.get((m, rn))
                if r is None:
                    cells.append("—")
                elif r["status"] != "ok":
                    cells.append(r["status"])
                else:
                    cells.append(f"{fmt_time(r['timing'].median_s)} ({fmt_time(r['first_s'])})")
            pm = [(med(m, rn), m) for m in compiled if med(m, rn) is not None]
            best = min([(v, m) for v, m in ((qp, "qsym-ps"), (qa, "qsym-adjoint")) if v],
                       default=None)
            fastest = min(pm) if pm else None
            ratio = fastest[0] / best[0] if fastest and best else None
            r19.append([row.title, cell("qsym-ps", rn, True), cell("qsym-adjoint", rn, True),
                        f"{first('qsym-ps')} / {first('qsym-adjoint')}"] + cells
                       + [f"{METHODS[fastest[1]].short} {fmt_time(fastest[0])}" if fastest
                          else "—", f"**{ratio:.2f}×**" if ratio else "—"])
            if best and fastest:
                tg19.append([f"qsym's best ≥ 2× the fastest compiled peer: {row.short}",
                             f"{METHODS[best[1]].short} {fmt_time(best[0])} vs "
                             f"{METHODS[fastest[1]].short} {fmt_time(fastest[0])}: "
                             f"{ratio:.2f}×", "PASS" if ratio >= 2 else "**FAIL**"])
        lines.append(md_table(hdr19, r19) + "\n")
        mem = [[row.short] + [f"{results[(m, row.name)]['peak_rss_gb']:.2f} GB"
                              if results.get((m, row.name), {}).get("peak_rss_gb") else "—"
                              for m in compiled] for row in rows]
        lines.append("Peak resident memory of each compiled peer's process (`VmHWM`: "
                     "import, compile and the timed calls):\n")
        lines.append(md_table(["row"] + [METHODS[m].short for m in compiled], mem) + "\n")
    for row in rows:
        qp, lps = med("qsym-ps", row.name), med("lightning-ps", row.name)
        if qp and lps and compiled:
            tg19.append([f"parameter shift ≥ 10× lightning ps: {row.short}",
                         f"{fmt_time(qp)} vs {fmt_time(lps)}: {lps / qp:.3g}×",
                         "PASS" if lps / qp >= T_PS_VS_LPS else "**FAIL**"])
    qs, jb = med("qsym-ps", "seed"), med("jax-bp", "seed")
    qs = min([v for v in (qs, med("qsym-adjoint", "seed")) if v], default=None)
    if qs and jb:
        tg19.append(["seed: `qml.grad(circuit)(params)` ≥ 3× faster than the jitted JAX call",
                     f"{fmt_time(qs)} vs {fmt_time(jb)}: {jb / qs:.2f}×",
                     "PASS" if jb / qs >= 3 else "**FAIL**"])
    if tg19:
        lines.append("## Targets of issue #19 (speed against the compiled peers)\n")
        lines.append(md_table(["target", "measured (medians, one run)", "status"], tg19)
                     + "\n")

    # targets
    lines.append("## Targets of issue #5\n")
    tg = []

    def status(ok):
        return "n/a" if ok is None else ("PASS" if ok else "**FAIL**")

    qp_seed, la_seed = med("qsym-ps", "seed"), med("lightning-adjoint", "seed")
    qs_seed = med("qulacs-shift", "seed")
    if qp_seed:
        ok = la_seed / qp_seed >= T_SEED_VS_LADJ if la_seed else None
        tg.append(["seed: `qml.grad` ≥ 200× faster than lightning adjoint",
                   f"{fmt_time(qp_seed)} vs {fmt_time(la_seed)}: "
                   f"{la_seed / qp_seed:.0f}×" if la_seed else "—", status(ok)])
        ok = qs_seed / qp_seed > 1 if qs_seed else None
        tg.append(["seed: `qml.grad` faster than the qulacs shift loop",
                   f"{fmt_time(qp_seed)} vs {fmt_time(qs_seed)}: {qs_seed / qp_seed:.2f}×"
                   if qs_seed else "—", status(ok)])
    for row, m, t, _ in raw_calls:
        if row.name == "seed" and m == "qsym-ps":
            tg.append(["seed: raw compiled gradient call ≤ 1 µs",
                       f"{fmt_time(t.median_s)} (min {fmt_time(t.min_s)})",
                       status(t.median_s <= T_SEED_RAW_S)])
    for row in rows:
        qa = med("qsym-adjoint", row.name)
        pm = [(med(m, row.name), m) for m in peers if med(m, row.name) is not None]
        if qa and pm:
            f, fm = min(pm)
            tg.append([f"adjoint faster than the fastest peer: {row.short}",
                       (f"{fmt_time(qa)} vs {METHODS[fm].short} {fmt_time(f)} "
                       f"(qsym/peer {qa / f:.2f})"), status(qa < f)])
    floor_txt = None
    if "hea20" in row_names:
        fb, formula = adjoint_floor_bytes(ROWS["hea20"])
        floor_s = fb / bw
        qa = med("qsym-adjoint", "hea20")
        la = med("lightning-adjoint", "hea20")
        floor_txt = (formula, floor_s, qa, la)
        tg.append(["20 wires: adjoint within 1.5× of the memory-bandwidth floor",
                   f"{fmt_time(qa)} vs floor {fmt_time(floor_s)}: {qa / floor_s:.2f}×"
                   if qa else "—", status(qa / floor_s <= T_FLOOR_FACTOR if qa else None)])
    for row in rows:
        if row.wires > T_PS_MAX_WIRES:
            continue
        qp, lps = med("qsym-ps", row.name), med("lightning-ps", row.name)
        if qp and lps:
            tg.append([f"parameter shift ≥ 10× faster than lightning ps: {row.short}",
                       f"{fmt_time(qp)} vs {fmt_time(lps)}: {lps / qp:.3g}×",
                       status(lps / qp >= T_PS_VS_LPS)])
    for er in exec_rows:
        tg.append([f"identical execution counts: {er[0]}", f"qsym {er[3]}, lightning {er[4]}",
                   "PASS" if er[5] == "yes" else "**FAIL**" if er[5] == "**no**" else "n/a"])
    if multicore is not None:
        ms = multicore.get("methods") or {}
        if not multicore.get("ok"):
            tg.append([f"multi-core: 2 threads ≥ 1.7× throughput ({multicore['row']})",
                       f"child failed: {multicore.get('error', '?')[:120]}", "n/a"])
        elif not multicore.get("available"):
            tg.append([f"multi-core: 2 threads ≥ 1.7× throughput ({multicore['row']})",
                       "not available in this qsym", "n/a"])
        else:
            for dm, r in ms.items():
                if "speedup" in r:
                    tg.append([(f"multi-core: 2 threads ≥ 1.7× throughput ({multicore['row']}, "
                               f"{dm})"), f"{r['speedup']:.2f}×", status(r["speedup"] >= T_MULTICORE)])

    def to_first(runs):
        xs = [r["build_s"] + r["first_grad_s"] for r in runs if not r.get("excluded")]
        return statistics.median(xs) if xs else None

    for m in QSYM_METHODS:
        for mode, lim in (("new circuit", T_COMPILE_NEW_S), ("cached circuit",
                                                             T_COMPILE_CACHED_S)):
            v = to_first(compile_res.get((m, "hea12", mode), []))
            if v is not None:
                tg.append([(f"12×8 {METHODS[m].short}: {mode}, fresh process, build + first "
                           f"gradient ≤ {lim:g} s"), fmt_time(v), status(v <= lim)])
    lines.append(md_table(["target", "measured (medians)", "status"], tg) + "\n")

    # machine
    lines.append("## Machine\n")
    lines.append(md_table(["", ""], [[k, v] for k, v in info]) + "\n")

    # details
    lines.append("## Details: every method on every row\n")
    lines.append(f"threads: every row here runs on one thread ({', '.join(f'{v}=' + os.environ.get(v, '?') for v in _THREAD_VARS)}). "
                 "Fast gradients (< 50 ms): after a warm-up of ≥ 2000 calls (qsym switches "
                 "a small circuit to its fused code after 1000), each repeat is a loop of N "
                 f"calls of ≈ {args.target_time:g} s (`perf_counter_ns`, gc off); slower "
                 "ones: one call per repeat, after one warm-up call. first call = the "
                 "checked call (for qsym: trace + codegen + numba compile + one run). "
                 "other load = cores kept busy by other processes during the repeats "
                 f"({os.cpu_count()} cores).\n")
    drows = []
    raw["results"] = []
    for row in rows:
        qp, qa = med("qsym-ps", row.name), med("qsym-adjoint", row.name)
        for m in methods:
            r = results.get((m, row.name))
            if r is None:
                continue
            if r["status"] != "ok":
                drows.append([row.short, METHODS[m].title, r["status"], "", "", "", "", "",
                              "", ""])
                raw["results"].append({"row": row.name, "method": m, **{
                    k: v for k, v in r.items() if k != "timing"}})
                continue
            t = r["timing"]
            drows.append([row.short, METHODS[m].title, fmt_time(t.median_s), fmt_time(t.min_s),
                          f"{t.calls} × {t.repeats}",
                          "—" if m == "qsym-ps" or not qp else f"{t.median_s / qp:.3g}×",
                          "—" if m == "qsym-adjoint" or not qa else f"{t.median_s / qa:.3g}×",
                          fmt_time(r["first_s"]),
                          "" if r.get("est_s") is None else fmt_time(r["est_s"]),
                          core.fmt_cores(t.other_cores)])
            raw["results"].append({"row": row.name, "method": m, "median_s": t.median_s,
                                   "min_s": t.min_s, "repeats": t.repeats, "calls": t.calls,
                                   "per_call_s": t.per_call_s, "first_s": r["first_s"],
                                   "est_s": r.get("est_s"), "other_cores": t.other_cores})
    lines.append(md_table(["row", "method", "median", "min", "calls × repeats",
                           "/ qsym ps", "/ qsym adjoint", "first call", "estimate",
                           "other load"], drows) + "\n")

    if raw_calls:
        lines.append("### qsym's raw compiled gradient call\n")
        lines.append("`entry.value_and_grad(x, d)` (parameter shift) / "
                     "`entry.value_and_grad_adjoint(x, d)` on the QNode's compiled entry "
                     "(`node.compiled(args, kwargs)[0]`), flat float64 inputs, after the "
                     "public-API warm-up above (so the fused entry point is in place): the "
                     "cost of the compiled code alone, without argument handling.\n")
        lines.append(md_table(["row", "method", "median", "min", "calls × repeats",
                               "callable"],
                              [[r.short, METHODS[m].title, fmt_time(t.median_s),
                                fmt_time(t.min_s), f"{t.calls} × {t.repeats}", kind]
                               for r, m, t, kind in raw_calls]) + "\n")
        raw["raw_calls"] = [{"row": r.name, "method": m, "median_s": t.median_s,
                             "min_s": t.min_s, "per_call_s": t.per_call_s}
                            for r, m, t, _ in raw_calls]

    lines.append("## Gradient check (before any timing)\n")
    lines.append("Every method's gradient against the row's reference — PennyLane "
                 "default.qubit parameter-shift, or default.qubit backprop where "
                 "parameter-shift is skipped (" + ", ".join(
                     f"{rn}: {METHODS[m].short}" for rn, m in ref_names.items()) +
                 f") — asserted ≤ {GRAD_TOL:g} (max abs difference); a mismatch stops the "
                 "run. The fresh-process gradients below are checked the same way.\n")
    lines.append(md_table(["row", "method", "max abs diff", "status"], check_rows) + "\n")

    lines.append("## Parameter-shift circuit executions per gradient\n")
    lines.append("qsym: `node.compiled(args, kwargs)[0].plan.executions`; lightning.qubit: "
                 "`qml.Tracker(dev).totals['executions']` over one `qml.grad` call "
                 "(PennyLane's forward pass + the shifted circuits). expected = 1 + 2 per "
                 "two-term parameter + 4 per CRX parameter.\n")
    lines.append(md_table(["row", "params", "expected", "qsym", "lightning.qubit",
                           "identical"], exec_rows) + "\n")
    raw["executions"] = exec_rows

    if floor_txt:
        formula, floor_s, qa, la = floor_txt
        lines.append("## 20 wires: adjoint against the memory-bandwidth floor\n")
        lines.append(
            "At 20 wires a state is 16 MiB (2^20 complex128), far larger than the caches, so "
            "every sweep over it streams it from memory. The gate-by-gate adjoint method "
            "(forward sweep, then one backward sweep carrying |ψ⟩ and |λ⟩ = H|ψ⟩) must at "
            "least: read and write the state once per gate on the way forward (2G), compute "
            "|λ⟩ (read ψ, write λ: 2), un-apply every gate to both ψ and λ on the way back "
            "(read + write each: 4G), and read ψ and λ for each parameter's overlap "
            "⟨λ|dU|ψ⟩ (2P, the part a fused kernel could save). G = gates, P = parameters. "
            f"Floor = bytes / copy bandwidth = {formula} / {bw / 1e9:.1f} GB/s = "
            f"**{fmt_time(floor_s)}**. Fusing gates into fewer sweeps could go below this; "
            "the floor is for one pass per gate." + l3_caveat() + "\n")
        lines.append(md_table(["", "time", "× floor"], [
            ["floor", fmt_time(floor_s), "1"],
            ["qsym adjoint", fmt_time(qa), f"{qa / floor_s:.2f}" if qa else "—"],
            ["lightning.qubit adjoint", fmt_time(la), f"{la / floor_s:.2f}" if la else "—"],
        ]) + "\n")
        raw["floor"] = {"formula": formula, "floor_s": floor_s, "bandwidth_Bps": bw}

    if traffic:
        lines.append("## 16 and 20 wires: passes over the state, bytes per gradient, threads\n")
        lines.append(
            "State sizes streamed by one adjoint gradient (a read or a write of the whole "
            "state is one unit; bytes = units × 16·2^n), counted from qsym's program "
            "(`adjoint_traffic`): **op by op** as the unblocked kernel runs it (a pass per "
            "gate forward, one per word for λ = Hψ, ψ and λ per gate backward), **blocked** "
            "as the kernel does from `kernels.BLOCK_MIN_WIRES` wires (the local ops of a "
            "run in two passes, low wires in cache-sized chunks and high wires on gathered "
            "buffers; a CNOT run taken along by the next block pass, or one permutation "
            "pass; λ's single-Z words in one pass). "
            f"Floor = blocked bytes / copy bandwidth ({bw / 1e9:.1f} GB/s). The 1- and "
            "2-thread times are one gradient (`kernels.program_value_and_grad_adjoint_parallel`, "
            "NUMBA_NUM_THREADS=2, `numba.set_num_threads`, alternated; medians) in a child "
            "process; the 1-thread column of the main table is the same method in this "
            "process." + l3_caveat() + "\n")
        trows = []
        for rn, t in traffic.items():
            o, b = t["op by op"], t["blocked"]
            uo, ub = sum(o.values()), sum(b.values())
            S = t["state_bytes"]
            floor_b = ub * S / bw
            qa = med("qsym-adjoint", rn)
            og = ((onegrad or {}).get("rows") or {}).get(rn) or {}
            trows.append([
                ROWS[rn].title, f"{S / 2**20:g} MiB", f"{t['ops']} / {t['params']}",
                f"{uo} ({uo * S / 1e9:.2f} GB)",
                f"{ub} ({ub * S / 1e9:.2f} GB)" + ("" if t["blocked_used"] else " (not used)"),
                " / ".join(str(b[k]) for k in ("forward", "measure", "lambda", "backward")),
                fmt_time(floor_b), fmt_time(qa) if qa else "—",
                f"{qa / floor_b:.1f}" if qa else "—",
                fmt_time(og["median1"]) if og.get("median1") else "—",
                fmt_time(og["median2"]) if og.get("median2") else "—",
                (f"**{og['speedup']:.2f}×**" + ("" if og.get("identical") else " (bits differ!)"))
                if og.get("speedup") else "—",
                (f"{og['probe_compute']:.2f}× / {og['probe_exchange']:.2f}× / "
                 f"{og['probe_latency_us']:.2f} µs" if og.get("probe_latency_us") else "—")])
        lines.append(md_table(["row", "state", "ops / params", "op by op: units (bytes)",
                               "blocked: units (bytes)", "blocked: fwd / measure / λ / bwd",
                               "floor (blocked bytes)", "qsym adjoint", "× floor",
                               "1 thread", "2 threads", "speed-up",
                               "host probes: compute / exchange / latency"], trows) + "\n")
        lines.append("Host probes (`host_probes`, before and after the repeats, medians): *compute* "
                     "two independent chains and *exchange* two threads updating in turn "
                     "the half the other wrote (2 threads over 1: about 2× on two cores), "
                     "*latency* one cache line's round trip between the two threads (about "
                     "0.1 µs where the 16×4 gradient reached a median 1.88×, 0.4 µs where it "
                     "fell to 1.51×: the host's placement of the VM's two vCPUs; "
                     "benchmarks/results/par66-2026-12-07.md).\n")
        if onegrad is not None and not onegrad.get("ok"):
            lines.append(f"One-gradient child failed: `{onegrad.get('error', '?')[:300]}`\n")
        raw["large"] = {"traffic": traffic, "onegrad": onegrad}

    if compile_res:
        lines.append("## qsym compile latency (fresh processes)\n")
        lines.append(
            "Each fresh `python` process imports qsym (timed separately), builds the QNode "
            "and runs the first `qml.grad(circuit)(params)`. **new circuit**: numba's cache "
            "holds qsym's kernel library (filled by a separate warm-up process running "
            "another circuit, copied in), qsym's circuit cache is empty: trace + codegen + "
            "numba compile of the circuit's module + one gradient run. **cached circuit**: "
            "the next fresh process on the same two cache dirs. build + first = time from "
            "`import qsym` done to the first gradient; minus run = build + first minus the "
            "steady-state gradient time above (the compile part alone). Medians over the "
            "processes (3, or 1 where one gradient run takes > 3 s).\n")
        crs = []
        raw["compile"] = []
        for row in rows:
            for m in QSYM_METHODS:
                run_s = med(m, row.name)
                for mode in ("new circuit", "cached circuit"):
                    runs = [r for r in compile_res.get((m, row.name, mode), [])
                            if not r.get("excluded")]
                    if not runs:
                        continue
                    v = to_first(runs)

                    def mm(k, runs=runs):
                        xs = [r.get(k) for r in runs if r.get(k) is not None]
                        return statistics.median(xs) if xs else None
                    crs.append([row.short, METHODS[m].short, mode, str(len(runs)),
                                fmt_time(mm("import_s")),
                                f"{fmt_time(mm('trace_s'))} / {fmt_time(mm('codegen_s'))}"
                                if mm("trace_s") is not None else "—",
                                f"**{fmt_time(v)}**",
                                ("—" if run_s is None else fmt_time(v - run_s)
                                 if v > run_s else "— (run dominates)"),
                                fmt_time(mm("process_wall_s")),
                                core.fmt_cores(mm("other_cores"))])
                    raw["compile"].append({"row": row.name, "method": m, "mode": mode,
                                           "runs": runs, "build_plus_first_s": v})
        lines.append(md_table(["row", "method", "mode", "processes", "import qsym",
                               "trace / codegen", "build + first", "minus run",
                               "process wall", "other load"], crs) + "\n")
        if warm_info and warm_info.get("ok"):
            lines.append(f"Warm-up process (not in the numbers): "
                         f"{fmt_time(warm_info['seconds'])} incl. the one-time kernel-library "
                         "compile.\n")

    lines.append("## Multi-core: batched evaluation, 1 vs 2 numba threads\n")
    if multicore is None:
        lines.append("Not run (`--no-multicore`).\n")
    elif not multicore.get("ok"):
        lines.append(f"The child process failed: `{multicore.get('error', '?')[:300]}`\n")
    elif not multicore.get("available"):
        lines.append("`Compiled.batch_value_and_grad(X, D)`: **not available in this qsym**. "
                     "(When it exists, this row times it on the "
                     f"{ROWS[multicore['row']].title} circuit with `numba.set_num_threads(1)` "
                     "and `(2)` in a process started with NUMBA_NUM_THREADS=2, after "
                     "checking every batch row against `value_and_grad` to 1e-8.)\n")
    else:
        mrs = []
        for dm, r in multicore["methods"].items():
            if "speedup" not in r:
                mrs.append([dm, f"`{r.get('callable')}`", str(r.get("batch")),
                            r.get("error", "?")[:200], "", "", ""])
                continue
            mrs.append([dm, f"`{r['callable']}`", str(r["batch"]),
                        f"{r['t1']['grads_per_s']:.4g} /s ({fmt_time(r['t1']['median_s'])})",
                        f"{r['t2']['grads_per_s']:.4g} /s ({fmt_time(r['t2']['median_s'])})",
                        f"**{r['speedup']:.2f}×**",
                        core.fmt_cores(r["t2"].get("other_cores"))])
        lines.append(f"`Compiled.batch_value_and_grad(X, D)` on {ROWS[multicore['row']].title}, "
                     "X random parameter sets (batch × inputs); gradients per second, median "
                     "batch time; every batch row checked against `value_and_grad` to 1e-8. "
                     "The 2-thread numbers need the second core, which this shared machine "
                     "may not give (other load).\n")
        lines.append(md_table(["QNode diff_method", "entry point", "batch", "1 thread",
                               "2 threads",
                               "speed-up", "other load (2 threads)"], mrs) + "\n")
    raw["multicore"] = multicore

    if notes:
        lines.append("## Notes\n")
        lines.extend(f"- {n}" for n in dict.fromkeys(notes))
        lines.append("")

    out_dir.mkdir(parents=True, exist_ok=True)
    plot_path = out_dir / "speed.png"
    try:
        make_plot(rows, methods, results, plot_path, floor_txt, args.quick)
        lines.insert(2, f"![time per gradient by row and framework]({plot_path.name})\n")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"(plot failed: `{type(exc).__name__}: {exc}`)\n")
        log(f"[speed] plot failed: {exc}")
    report = "\n".join(lines)
    (out_dir / "speed.md").write_text(report)
    (out_dir / "speed.json").write_text(json.dumps(raw, indent=1, default=str))
    print(report)
    log(f"[speed] wrote {out_dir / 'speed.md'}, speed.json, speed.png")
    return 0


COLORS = {"qsym-ps": "#1f77b4", "qsym-adjoint": "#08306b", "pl-default-ps": "#ff7f0e",
          "pl-default-bp": "#ffbb78", "lightning-ps": "#2ca02c", "lightning-adjoint": "#98df8a",
          "qulacs-bp": "#d62728", "qulacs-shift": "#ff9896", "catalyst-adjoint": "#9467bd",
          "catalyst-ps": "#c5b0d5", "jax-bp": "#8c564b", "jax-lightning-adjoint": "#c49c94",
          "tc-jax": "#e377c2"}


def make_plot(rows, methods, results, path: Path, floor_txt, quick: bool) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(15, 6))
    width = 0.8 / len(methods)
    for j, m in enumerate(methods):
        xs, ys, ex, ey = [], [], [], []
        for i, row in enumerate(rows):
            r = results.get((m, row.name))
            if not r:
                continue
            x = i - 0.4 + width * (j + 0.5)
            if r.get("status") == "ok":
                xs.append(x)
                ys.append(r["timing"].median_s)
            elif r.get("est_s"):
                ex.append(x)
                ey.append(r["est_s"])
        ax.bar(xs, ys, width, color=COLORS.get(m), label=METHODS[m].title, log=True)
        if ex:
            ax.bar(ex, ey, width, facecolor="none", edgecolor=COLORS.get(m), hatch="//",
                   linestyle="--", log=True)
            for x, y in zip(ex, ey):
                ax.text(x, y * 1.15, "skipped\n(est.)", ha="center", fontsize=6)
    if floor_txt and "hea20" in [r.name for r in rows]:
        i = [r.name for r in rows].index("hea20")
        ax.hlines(floor_txt[1], i - 0.45, i + 0.45, colors="k", linestyles=":",
                  label="memory-bandwidth floor (adjoint, 20 wires)")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{r.short}\n{r.num_params} params" for r in rows])
    ax.set_yscale("log")
    ax.set_ylabel("time per gradient (s, median, 1 thread)")
    ax.set_title("Gradient time by circuit and framework (log scale; lower is better)"
                 + (" — quick smoke run" if quick else ""))
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
