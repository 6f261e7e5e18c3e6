"""The kernels an entry point calls through cells, loaded as one library
(qsym._cell_bundles, issue #17, stop 69).

Checked in a new process (cells are filled once a process): the warm-up's load of an
entry point fills its cells from its bundle, each with the address the bundle's code
holds (not the kernel's own library), and the kernels called through those cells give
the bits of the kernel library's plain-Python twins (an independent implementation:
tests/test_tiers.py) and agree with the reference interpreter's finite differences;
the bundle's cache file holds the code of every kernel it names (its mangled names read
from the file, independently of qsym).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from qsym import _cache as cache, _cell_bundles as bundles

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json
import numpy as np
from numba.core.types import none
import qsym as qml
from qsym import _cell_bundles as bundles, _kernels as kernels, _tiers as tiers
from qsym import _ir as ir
from tests.test_tiers import _entry, _hea_mixed, _node

# the entry points loaded (or compiled), then their bundles (loaded, or compiled if the
# cache folder has none): no cell is filled by this
for name in bundles.BUNDLED:
    getattr(kernels, name).compile(kernels.CELL_SIGNATURES[name])
out = {"compiled": bundles.compile_bundles()}
x = np.linspace(-1.1, 0.9, 8)
twins = tiers.kernel_twins()
for method, name in (("parameter-shift", "program_value_and_grad_into"),
                     ("adjoint", "program_value_and_grad_adjoint_into")):
    assert not kernels.CELLS[bundles.members(name)[-1]].value, method
    e = _entry(_node(method, fn=_hea_mixed, wires=4), x)
    tiers._load_cached(name)  # what the warm-up thread does for a first answer
    made = bundles.bundle(name)
    written = np.zeros(len(bundles.members(name)), dtype=np.int64)
    made.overloads[bundles.SIGNATURE].entry_point(written)
    cells = [kernels.CELLS[c].value for c in bundles.members(name)]
    if method == "adjoint":  # (run_ops, pauli_expvals: filled by the first bundle)
        cells, written = cells[-1:], written[-1:]
    own = [getattr(kernels, c).get_compile_result(
        none(*kernels.CELL_SIGNATURES[c])) for c in bundles.members(name)]
    own = [r.library.get_pointer_to_function(r.fndesc.llvm_func_name) for r in own]
    if method == "adjoint":
        own = own[-1:]
    prep = e._python_prepare(x, np.zeros(0), 1) if method == "parameter-shift" else \
        e._python_prepare_adjoint(x, np.zeros(0))
    res = {}
    for label, fn in (("compiled", getattr(kernels, name)), ("twin", twins[name])):
        v, g = np.empty(e.module.NUM_OUTPUTS), np.empty((e.module.NUM_OUTPUTS, 8))
        fn(e._ints, e._floats, *prep[:5], v, g)
        res[label] = [v.tobytes().hex(), g.tobytes().hex(), g.ravel().tolist()]
    out[method] = {"cells": cells, "written": written.tolist(), "own": own, **res}
dev = qml.device("default.qubit", wires=4)
c = qml.QNode(_hea_mixed, dev).circuit(x)
h = 1e-5
out["fd"] = [(float(ir.simulate(c, x + h * d)[0]) - float(ir.simulate(c, x - h * d)[0])) / (2 * h)
             for d in np.eye(8)]
print(json.dumps(out))
"""


# a bundle compiled in the process that fills the cells links the kernels' own symbols (the
# cells then hold their own libraries' addresses); a first answer only ever loads a bundle,
# so a cache folder without them (a cold test session) gets them from another process first
PREPARE = r"""
from qsym import _cell_bundles as bundles, _kernels as kernels
for name in bundles.BUNDLED:
    getattr(kernels, name).compile(kernels.CELL_SIGNATURES[name])
bundles.compile_bundles()
"""


def _bundles_cached() -> bool:
    from qsym import _tiers as tiers

    return all(bundles.SIGNATURE in tiers.cached_signatures(bundles.bundle(name))
               for name in bundles.BUNDLED)


def _child() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "QSYM_WARMUP"}
    env.update(QSYM_WARMUP="0", PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    if not _bundles_cached():
        made = subprocess.run([sys.executable, "-c", PREPARE], env=env, capture_output=True,
                              text=True, timeout=900, cwd=str(REPO))
        assert made.returncode == 0, made.stderr[-3000:]
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=900, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_first_answers_cells_are_filled_from_one_bundle_with_the_twins_bits():
    """In a new process, both bundles compiled (or loaded), then the warm-up's load of each
    gradient entry point: every cell it calls through holds the address its bundle's code
    wrote (not the kernel's own library's), and the gradients run through them give the
    plain-Python twins' bits and the finite differences of the reference interpreter."""
    import numpy as np

    got = _child()
    assert got["compiled"] == list(bundles.BUNDLED)
    for method in ("parameter-shift", "adjoint"):
        r = got[method]
        assert r["cells"] == r["written"] and all(r["cells"]), r
        assert not set(r["cells"]) & set(r["own"]), r  # the bundle's code, not their own
        assert r["compiled"][:2] == r["twin"][:2]  # the twins' bits
        np.testing.assert_allclose(r["compiled"][2], got["fd"], atol=1e-8)


def test_a_bundles_cache_file_holds_every_kernel_it_names():
    """The bundle's cached code holds each member kernel's code (numba's mangled names of
    ``qsym._kernels`` functions read from its cache file), and is read and written through
    qsym's checked cache class (a planted file is refused, as the kernel library's)."""
    for entry in bundles.BUNDLED:
        made = bundles.bundle(entry)
        assert type(made._cache) is cache._lazy_cache_class() or cache._lazy_cache_class() is None
        assert type(made._cache._cache_file) is cache._checked_cache_file_class()
        made.compile(bundles.SIGNATURE)
        name = made.py_func.__name__
        files = list(cache.kernel_cache_dir().glob(f"_cell_bundles.{name}-*.nbc"))
        assert files, name
        held = set()
        for path in files:
            data = path.read_bytes()
            for m in re.finditer(rb"_ZN4qsym8_kernels(\d+)", data):
                size = int(m.group(1))
                held.add(data[m.end():m.end() + size].decode("ascii", "replace"))
        assert set(bundles.members(entry)) <= held, (entry, held)


def test_an_entry_point_without_a_bundle_has_none():
    assert bundles.bundle("program_value_into") is None
    assert bundles.fill_cells("program_value_into") is False


def test_a_background_compile_that_ran_a_kernel_entry_point_compiles_its_bundles(monkeypatch):
    """A machine where ``qsym warmup`` never ran gets the bundles from the circuits'
    background compiles: a job whose calls include a kernel library entry point compiles
    the bundles (of the entry points it ran: ``compile_bundles``), one without none."""
    import io

    from qsym import _tiers as tiers

    ran = []
    monkeypatch.setattr(cache, "load_module", lambda source: object())
    monkeypatch.setattr(tiers, "run_calls", lambda module, calls: None)
    monkeypatch.setattr(tiers, "calls_for", lambda names, module, x, d: [])
    monkeypatch.setattr(bundles, "compile_bundles", lambda: ran.append(1) or [])
    for names, expected in ((["prepare", "kernel_grad"], [1]), (["prepare", "fused_value"], [])):
        ran.clear()
        job = {"source": "x = 1\n", "names": names, "x": [0.1], "d": []}
        monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(job)))
        tiers._worker()
        assert ran == expected, names
